"""The Swift client (through the `kairos` CLI) against real Kafka clients, both ways.

`kairos produce` writes, confluent-kafka (librdkafka) and kafka-python read; confluent-kafka writes,
`kairos consume` reads; `kairos topics` manages topics that librdkafka then sees. Runs against
the Kairos broker or, with INTEROP_BROKER=tansu, against Tansu; the client binary is always
$KAIROS_BIN.
"""

from __future__ import annotations

import subprocess

import pytest

import brokers
from clients import Rec, consume_confluent, consume_kafka_python, create_topic, produce_confluent, wait_for_topic

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
TIMEOUT_S = 60


def kairos(*args: str, stdin: str | None = None, timeout_s: float = TIMEOUT_S) -> subprocess.CompletedProcess:
    result = subprocess.run([brokers.kairos_bin(), *args], input=stdin, capture_output=True, text=True,
                            timeout=timeout_s)
    return result


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result.stdout


def lines(count: int, prefix: str = "") -> list[tuple[str, str]]:
    return [(f"key-{i % 5}", f"{prefix}value-{i} ✓ " + "x" * (i % 50)) for i in range(count)]


@pytest.mark.parametrize("codec", CODECS)
def test_swift_producer_to_librdkafka_and_kafka_python(broker, topic, codec):
    create_topic(broker, topic, partitions=1)
    sent = lines(120, codec)
    stdin = "".join(f"{k}:{v}\n" for k, v in sent)
    ok(kairos("produce", "--bootstrap-server", broker.bootstrap, "--topic", topic,
              "--property", "parse.key=true", "--property", "key.separator=:",
              "--producer-property", f"compression.type={codec}", "--producer-property", "linger.ms=5",
              stdin=stdin))
    for read in (consume_confluent(broker, topic, len(sent)), consume_kafka_python(broker, topic, len(sent))):
        assert [(r.key.decode(), r.value.decode()) for r in read] == sent
        assert [r.offset for r in read] == list(range(len(sent)))


@pytest.mark.parametrize("acks", ["0", "1", "all"])
def test_swift_producer_acks(broker, topic, acks):
    create_topic(broker, topic, partitions=1)
    sent = [f"acks-{acks}-{i}" for i in range(50)]
    ok(kairos("produce", "--bootstrap-server", broker.bootstrap, "--topic", topic,
              "--producer-property", f"acks={acks}", stdin="".join(s + "\n" for s in sent)))
    read = consume_confluent(broker, topic, len(sent))
    assert [r.value.decode() for r in read] == sent
    assert all(r.key is None for r in read)


@pytest.mark.parametrize("codec", CODECS)
def test_librdkafka_producer_to_swift_consumer(broker, topic, codec):
    create_topic(broker, topic, partitions=1)
    records = [Rec(f"k{i}".encode(), f"from librdkafka {i}".encode()) for i in range(80)]
    produce_confluent(broker, topic, records, **{"compression.type": codec, "linger.ms": 5})
    out = ok(kairos("consume", "--bootstrap-server", broker.bootstrap, "--topic", topic, "--from-beginning",
                    "--max-messages", str(len(records)), "--property", "print.key=true",
                    "--property", "key.separator=|", "--timeout-ms", "20000"))
    assert out.splitlines() == [f"k{i}|from librdkafka {i}" for i in range(80)]


@pytest.mark.parametrize("codec", CODECS)
def test_swift_producer_to_swift_consumer(broker, topic, codec):
    """The Swift client on both ends: what it compresses it reads back, keys, offsets and order kept."""
    create_topic(broker, topic, partitions=1)
    sent = lines(150, f"swift-{codec}-")
    ok(kairos("produce", "--bootstrap-server", broker.bootstrap, "--topic", topic,
              "--property", "parse.key=true", "--property", "key.separator=:",
              "--producer-property", f"compression.type={codec}", "--producer-property", "linger.ms=5",
              stdin="".join(f"{k}:{v}\n" for k, v in sent)))
    out = ok(kairos("consume", "--bootstrap-server", broker.bootstrap, "--topic", topic, "--from-beginning",
                    "--max-messages", str(len(sent)), "--property", "print.key=true", "--property", "print.offset=true",
                    "--property", "key.separator=|", "--timeout-ms", "20000"))
    assert out.splitlines() == [f"Offset:{i}|{k}|{v}" for i, (k, v) in enumerate(sent)]


def test_swift_consumer_exits_after_max_messages_across_partitions(broker, topic):
    create_topic(broker, topic, partitions=3)
    for p in range(3):
        produce_confluent(broker, topic, [Rec(None, f"p{p}-{i}".encode()) for i in range(10)], partition=p)
    out = ok(kairos("consume", "--bootstrap-server", broker.bootstrap, "--topic", topic, "--from-beginning",
                    "--max-messages", "30", "--timeout-ms", "20000"))
    got = out.splitlines()
    assert sorted(got) == sorted(f"p{p}-{i}" for p in range(3) for i in range(10))
    for p in range(3):
        mine = [v for v in got if v.startswith(f"p{p}-")]
        assert mine == [f"p{p}-{i}" for i in range(10)], "each partition in offset order"


@pytest.mark.tansu_fault("no CreatePartitions")
def test_swift_topics_tool_as_librdkafka_sees_it(broker, topic):
    ok(kairos("topics", "--bootstrap-server", broker.bootstrap, "--create", "--topic", topic, "--partitions", "3"))
    wait_for_topic(broker, topic, 3)
    assert topic in ok(kairos("topics", "--bootstrap-server", broker.bootstrap, "--list")).split()
    described = ok(kairos("topics", "--bootstrap-server", broker.bootstrap, "--describe", "--topic", topic))
    assert f"Topic: {topic}\tPartitionCount: 3" in described
    assert described.count("Partition: ") == 3
    again = kairos("topics", "--bootstrap-server", broker.bootstrap, "--create", "--topic", topic, "--partitions", "3")
    assert again.returncode != 0 and "TOPIC_ALREADY_EXISTS" in again.stderr
    ok(kairos("topics", "--bootstrap-server", broker.bootstrap, "--alter", "--topic", topic, "--partitions", "5"))
    wait_for_topic(broker, topic, 5)
    ok(kairos("topics", "--bootstrap-server", broker.bootstrap, "--delete", "--topic", topic))
    assert topic not in ok(kairos("topics", "--bootstrap-server", broker.bootstrap, "--list")).split()


def test_bad_producer_property_is_a_clear_error(broker, topic):
    result = kairos("produce", "--bootstrap-server", broker.bootstrap, "--topic", topic,
                    "--producer-property", "acks=2", stdin="x\n")
    assert result.returncode != 0
    assert "acks" in result.stderr
