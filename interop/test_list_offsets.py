"""ListOffsets: earliest, latest (high watermark) and by timestamp, through three clients.

Kafka's rule for a timestamp query: the first offset whose timestamp is >= the target, or
"none" (-1 / None) when every record is older. Timestamps need not increase with offsets.
"""

from __future__ import annotations

import subprocess

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import OffsetSpec

from clients import (Rec, T0_MS, ck_admin, ck_conf, create_topic, group_id, kcat_cmd, kp_consumer,
                     produce_confluent)

N = 10
HWM_FAULT = pytest.mark.tansu_fault("the high watermark counts batches, not records")
TIMES_FAULT = pytest.mark.tansu_fault("offsets-for-times answers 0")


@pytest.fixture
def filled_topic(broker, topic):
    """A one-partition topic with N records at T0, T0+1s, ... produced one batch each."""
    create_topic(broker, topic, partitions=1)
    for i in range(N):  # separate batches, so per-batch bookkeeping cannot pass for per-record
        produce_confluent(broker, topic, [Rec(b"k", b"v%d" % i, timestamp_ms=T0_MS + 1000 * i)])
    return topic


def ck_consumer(broker):
    return Consumer(ck_conf(broker, **{"group.id": group_id(), "enable.auto.commit": False}))


@HWM_FAULT
def test_confluent_watermarks(broker, filled_topic):
    c = ck_consumer(broker)
    try:
        assert c.get_watermark_offsets(TopicPartition(filled_topic, 0), timeout=10, cached=False) == (0, N)
        produce_confluent(broker, filled_topic, [Rec(b"k", b"more")] * 3)
        assert c.get_watermark_offsets(TopicPartition(filled_topic, 0), timeout=10, cached=False) == (0, N + 3)
    finally:
        c.close()


@TIMES_FAULT
def test_confluent_offsets_for_times(broker, filled_topic):
    c = ck_consumer(broker)
    try:
        queries = {T0_MS - 5000: 0, T0_MS: 0, T0_MS + 2500: 3, T0_MS + 9000: 9, T0_MS + 9001: -1}
        tps = [TopicPartition(filled_topic, 0, ts) for ts in queries]
        got = [c.offsets_for_times([tp], timeout=10)[0].offset for tp in tps]
        assert got == list(queries.values())
    finally:
        c.close()


@HWM_FAULT
@TIMES_FAULT
def test_confluent_admin_list_offsets(broker, filled_topic):
    admin = ck_admin(broker)
    tp = TopicPartition(filled_topic, 0)
    answers = {}
    for name, spec in [("earliest", OffsetSpec.earliest()), ("latest", OffsetSpec.latest()),
                       ("t+4.5s", OffsetSpec.for_timestamp(T0_MS + 4500))]:
        answers[name] = admin.list_offsets({tp: spec}, request_timeout=10)[tp].result(10).offset
    assert answers == {"earliest": 0, "latest": N, "t+4.5s": 5}


@HWM_FAULT
@TIMES_FAULT
def test_kafka_python_offsets(broker, filled_topic):
    from kafka import TopicPartition as KTP
    c = kp_consumer(broker)
    try:
        tp = KTP(filled_topic, 0)
        assert c.beginning_offsets([tp]) == {tp: 0}
        assert c.end_offsets([tp]) == {tp: N}
        found = c.offsets_for_times({tp: T0_MS + 6200})[tp]
        assert (found.offset, found.timestamp) == (7, T0_MS + 7000)
        assert c.offsets_for_times({tp: T0_MS + 60_000})[tp] is None
    finally:
        c.close()


@TIMES_FAULT
def test_offsets_for_times_with_unordered_timestamps(broker, topic):
    """Timestamps out of order: the answer is the first offset at or after the target time."""
    create_topic(broker, topic, partitions=1)
    stamps = [T0_MS + 5000, T0_MS + 1000, T0_MS + 3000, T0_MS + 8000, T0_MS + 2000]
    for i, ts in enumerate(stamps):
        produce_confluent(broker, topic, [Rec(b"k", b"v%d" % i, timestamp_ms=ts)])
    c = ck_consumer(broker)
    try:
        def lookup(ts):
            return c.offsets_for_times([TopicPartition(topic, 0, ts)], timeout=10)[0].offset
        assert lookup(T0_MS + 2000) == 0   # offset 0 (t+5s) is already late enough
        assert lookup(T0_MS + 6000) == 3
        assert lookup(T0_MS + 8000) == 3
        assert lookup(T0_MS + 8001) == -1
    finally:
        c.close()


@pytest.mark.tansu_fault("librdkafka 2.0.2 (kcat) cannot parse Tansu's ApiVersions reply")
def test_kcat_query_offset_by_time(broker, filled_topic):
    res = subprocess.run(kcat_cmd(broker) + ["-Q", "-t", f"{filled_topic}:0:{T0_MS + 3500}"],
                         capture_output=True, timeout=30)
    assert res.returncode == 0, res.stderr.decode(errors="replace")
    out = res.stdout.decode()
    assert f"{filled_topic} [0] offset 4" in out, out
