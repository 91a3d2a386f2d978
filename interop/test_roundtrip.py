"""Produce then consume back with each real client and each codec; then across clients.

Every field must come back equal (key, value, headers, CreateTime timestamp), null keys and null
values must stay null, and offsets must run contiguously from 0.
"""

from __future__ import annotations

import time

import pytest

from clients import (CODECS, Rec, T0_MS, assert_same_records, consume_confluent, consume_kafka_python,
                     kcat_consume, kcat_produce, produce_confluent, produce_kafka_python, sample_records)

KCAT_FAULT = pytest.mark.tansu_fault("librdkafka 2.0.2 (kcat) cannot parse Tansu's ApiVersions reply")

# kcat reads `key:value` lines; with -Z an empty key or value is sent as NULL.
KCAT_HEADERS = ["trace=abc-123", "dup=1", "dup=2"]
KCAT_HEADER_PAIRS = [("trace", b"abc-123"), ("dup", b"1"), ("dup", b"2")]


def kcat_lines(n_bulk: int = 60) -> tuple[list[str], list[Rec]]:
    edge = [("alpha:one", b"alpha", b"one"), (":no key", None, b"no key"), ("gone:", b"gone", None),
            ("ключ:значение ✓ ü", "ключ".encode(), "значение ✓ ü".encode())]
    bulk = [(f"k{i % 5}:value number {i} " + "x" * (i % 40), f"k{i % 5}".encode(),
             (f"value number {i} " + "x" * (i % 40)).encode()) for i in range(n_bulk)]
    lines = [line for line, _, _ in edge + bulk]
    recs = [Rec(k, v, list(KCAT_HEADER_PAIRS)) for _, k, v in edge + bulk]
    return lines, recs


def text_records(n_bulk: int = 60) -> list[Rec]:
    """Records kcat can print faithfully as JSON (UTF-8 text, no null header values)."""
    _, recs = kcat_lines(n_bulk)
    return [Rec(r.key, r.value, r.headers, T0_MS + 1000 * i) for i, r in enumerate(recs)]


def assert_wall_clock_timestamps(got: list[Rec], before_ms: int, after_ms: int) -> None:
    for r in got:
        assert r.timestamp_type == "create", f"offset {r.offset}: timestamp type {r.timestamp_type}"
        assert before_ms - 5000 <= r.timestamp_ms <= after_ms + 5000, \
            f"offset {r.offset}: timestamp {r.timestamp_ms} outside [{before_ms}, {after_ms}]"


# ---------------------------------------------------------------- one client, every codec

@pytest.mark.parametrize("codec", CODECS)
def test_confluent_roundtrip(broker, topic, codec):
    sent = sample_records()
    offsets = produce_confluent(broker, topic, sent, **{"compression.type": codec, "linger.ms": 5})
    assert offsets == list(range(len(sent)))
    assert_same_records(consume_confluent(broker, topic, len(sent)), sent)


@pytest.mark.parametrize("codec", CODECS)
def test_kafka_python_roundtrip(broker, topic, codec):
    sent = sample_records(null_header=False)
    offsets = produce_kafka_python(broker, topic, sent, compression_type=None if codec == "none" else codec,
                                   linger_ms=5)
    assert offsets == list(range(len(sent)))
    assert_same_records(consume_kafka_python(broker, topic, len(sent)), sent)


@KCAT_FAULT
@pytest.mark.parametrize("codec", CODECS)
def test_kcat_roundtrip(broker, topic, codec):
    lines, sent = kcat_lines()
    before = int(time.time() * 1000)
    kcat_produce(broker, topic, lines, codec=codec, headers=KCAT_HEADERS)
    after = int(time.time() * 1000)
    got = kcat_consume(broker, topic, len(sent))
    assert_same_records(got, sent, check_timestamps=False)
    assert_wall_clock_timestamps(got, before, after)


# ---------------------------------------------------------------- across clients

PRODUCERS = ["confluent", "kafka-python", "kcat"]
CONSUMERS = ["confluent", "kafka-python", "kcat"]
PAIRS = [(p, c) for p in PRODUCERS for c in CONSUMERS if p != c]


def _produce(kind: str, broker, topic: str, sent: list[Rec], codec: str) -> None:
    if kind == "confluent":
        offsets = produce_confluent(broker, topic, sent, **{"compression.type": codec})
        assert offsets == list(range(len(sent)))
    elif kind == "kafka-python":
        offsets = produce_kafka_python(broker, topic, sent, compression_type=None if codec == "none" else codec)
        assert offsets == list(range(len(sent)))
    else:
        lines, _ = kcat_lines()
        kcat_produce(broker, topic, lines, codec=codec, headers=KCAT_HEADERS)


def _consume(kind: str, broker, topic: str, count: int) -> list[Rec]:
    if kind == "confluent":
        return consume_confluent(broker, topic, count)
    if kind == "kafka-python":
        return consume_kafka_python(broker, topic, count)
    return kcat_consume(broker, topic, count)


@pytest.mark.parametrize("producer,consumer", [
    pytest.param(p, c, marks=[KCAT_FAULT] if "kcat" in (p, c) else [], id=f"{p}-to-{c}") for p, c in PAIRS])
def test_cross_client(broker, topic, producer, consumer):
    codec = CODECS[PAIRS.index((producer, consumer)) % len(CODECS)]
    if "kcat" in (producer, consumer):
        sent = text_records() if producer != "kcat" else kcat_lines()[1]
    else:
        sent = sample_records(bulk=100, null_header=producer != "kafka-python")
    before = int(time.time() * 1000)
    _produce(producer, broker, topic, sent, codec)
    after = int(time.time() * 1000)
    got = _consume(consumer, broker, topic, len(sent))
    assert_same_records(got, sent, check_timestamps=producer != "kcat")
    if producer == "kcat":
        assert_wall_clock_timestamps(got, before, after)
