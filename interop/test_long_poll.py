"""Long polling: a fetch waits up to its max wait for data, and returns as soon as data arrives.

A consumer parked with fetch.wait.max.ms = 5000 must see a record produced 0.5 s later well
before the 5 s are up; on the wire, an idle fetch must be held (not answered at once, which
would make clients spin) and released early by a produce.
"""

from __future__ import annotations

import threading
import time

import pytest
from confluent_kafka import Consumer, TopicPartition

import kafkawire as kw
from clients import Rec, ck_conf, create_topic, group_id, kp_consumer, produce_confluent

WAIT_MS = 5000
PRODUCE_AFTER_S = 0.5
EARLY_FAULT = pytest.mark.tansu_fault("fetches wait out their deadline")


def produce_later(broker, topic: str, delay_s: float) -> tuple[threading.Thread, dict]:
    """Produces one record `delay_s` from now on a thread; the dict gets the time it was acknowledged."""
    out: dict = {}

    def run():
        time.sleep(delay_s)
        out["sent_at"] = time.monotonic()
        produce_confluent(broker, topic, [Rec(b"k", b"late")])
        out["acked_at"] = time.monotonic()

    t = threading.Thread(target=run, daemon=True)
    return t, out


@EARLY_FAULT
def test_confluent_consumer_wakes_on_new_record(broker, topic):
    create_topic(broker, topic, partitions=1)
    produce_confluent(broker, topic, [Rec(b"k", b"first")])
    c = Consumer(ck_conf(broker, **{"group.id": group_id(), "enable.auto.commit": False,
                                    "fetch.wait.max.ms": WAIT_MS, "fetch.min.bytes": 1}))
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        first = c.consume(1, 10)
        assert [m.value() for m in first] == [b"first"]
        c.consume(1, 0.3)  # now parked in a fetch at offset 1
        t, when = produce_later(broker, topic, PRODUCE_AFTER_S)
        start = time.monotonic()
        t.start()
        got = []
        while not got and time.monotonic() - start < WAIT_MS / 1000 + 3:
            got = [m for m in c.consume(1, 0.1) if not m.error()]
        received_at = time.monotonic()
        t.join(10)
        assert [m.value() for m in got] == [b"late"]
        assert received_at - when["sent_at"] < 1.0, \
            f"record reached the consumer {received_at - when['sent_at']:.2f}s after it was produced"
    finally:
        c.close()


@EARLY_FAULT
def test_kafka_python_consumer_wakes_on_new_record(broker, topic):
    from kafka import TopicPartition as KTP
    create_topic(broker, topic, partitions=1)
    produce_confluent(broker, topic, [Rec(b"k", b"first")])
    c = kp_consumer(broker, fetch_max_wait_ms=WAIT_MS, fetch_min_bytes=1)
    try:
        tp = KTP(topic, 0)
        c.assign([tp])
        c.seek(tp, 1)
        c.poll(timeout_ms=300)
        t, when = produce_later(broker, topic, PRODUCE_AFTER_S)
        start = time.monotonic()
        t.start()
        got = []
        while not got and time.monotonic() - start < WAIT_MS / 1000 + 3:
            got = [m for msgs in c.poll(timeout_ms=100).values() for m in msgs]
        received_at = time.monotonic()
        t.join(10)
        assert [m.value for m in got] == [b"late"]
        assert received_at - when["sent_at"] < 1.0, \
            f"record reached the consumer {received_at - when['sent_at']:.2f}s after it was produced"
    finally:
        c.close()


def test_idle_fetch_is_held_for_max_wait(broker, topic):
    create_topic(broker, topic, partitions=1)
    with kw.Connection(broker.host, broker.port) as conn:
        start = time.monotonic()
        res = kw.parse_fetch_v4(conn.request(kw.API_FETCH, 4, kw.fetch_v4_body(topic, 0, 0, max_wait_ms=1500)))
        took = time.monotonic() - start
    assert res is None or (res.error_code == kw.ERR_NONE and res.records == b"")
    assert 1.2 <= took <= 4.0, f"an idle fetch with max wait 1.5 s was answered after {took:.2f}s"


@EARLY_FAULT
def test_held_fetch_returns_when_data_arrives(broker, topic):
    create_topic(broker, topic, partitions=1)
    with kw.Connection(broker.host, broker.port) as conn:
        t, when = produce_later(broker, topic, 0.3)
        start = time.monotonic()
        t.start()
        res = kw.parse_fetch_v4(conn.request(kw.API_FETCH, 4, kw.fetch_v4_body(topic, 0, 0, max_wait_ms=WAIT_MS),
                                             timeout_s=WAIT_MS / 1000 + 5))
        took = time.monotonic() - start
        t.join(10)
    assert res is not None and res.error_code == kw.ERR_NONE
    assert [r.value for b in kw.decode_batches(res.records) for r in b.records] == [b"late"]
    assert took < 1.5, f"fetch returned {took:.2f}s after it was sent; the record came at 0.3 s"
