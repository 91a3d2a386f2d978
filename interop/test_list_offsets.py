"""ListOffsets: earliest, latest (high watermark) and by timestamp, through three clients.

Kafka's rule for a timestamp query: the first offset whose timestamp is >= the target, or
"none" (-1 / None) when every record is older. Timestamps need not increase with offsets. The answer is a
record's offset, not its batch's base offset, when one batch holds many records (sent here as one raw batch, and
as one compressed producer batch). OffsetSpec.max_timestamp() (ListOffsets v7, -3) finds the record holding the
largest timestamp.
"""

from __future__ import annotations

import subprocess

import pytest
from confluent_kafka import Consumer, TopicPartition

import kafkawire as kw
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


# One batch of ten records; the timestamps jump back once (offset 6), as a producer's clock may.
BATCH_STAMPS = [T0_MS + d for d in (0, 1000, 2000, 3000, 4000, 9000, 2500, 6000, 7000, 8000)]


@pytest.fixture
def one_batch_topic(broker, topic):
    """A one-partition topic holding BATCH_STAMPS as one uncompressed batch, sent on the wire as it is."""
    create_topic(broker, topic, partitions=1)
    batch = kw.encode_batch([kw.RawRecord(b"k", b"v%d" % i, timestamp_ms=ts) for i, ts in enumerate(BATCH_STAMPS)])
    with kw.Connection(broker.host, broker.port) as conn:
        (res,) = kw.parse_produce_v3(conn.request(kw.API_PRODUCE, 3, kw.produce_v3_body(topic, 0, batch)))
    assert (res.error_code, res.base_offset) == (0, 0), res
    return topic


def expected_offset(stamps, ts):
    return next((i for i, s in enumerate(stamps) if s >= ts), -1)


@TIMES_FAULT
def test_offsets_for_times_inside_one_batch(broker, one_batch_topic):
    probes = [T0_MS - 1, T0_MS + 1, T0_MS + 2999, T0_MS + 4500, T0_MS + 9000, T0_MS + 9001]
    c = ck_consumer(broker)
    try:
        got = [c.offsets_for_times([TopicPartition(one_batch_topic, 0, ts)], timeout=10)[0].offset for ts in probes]
    finally:
        c.close()
    assert got == [expected_offset(BATCH_STAMPS, ts) for ts in probes] == [0, 1, 3, 5, 5, -1]

    from kafka import TopicPartition as KTP
    k = kp_consumer(broker)
    try:
        tp = KTP(one_batch_topic, 0)
        found = k.offsets_for_times({tp: T0_MS + 2001})[tp]
        assert (found.offset, found.timestamp) == (3, T0_MS + 3000), "the record's own timestamp comes back"
    finally:
        k.close()


@TIMES_FAULT
def test_admin_list_offsets_for_time_and_max_timestamp_inside_one_batch(broker, one_batch_topic):
    admin = ck_admin(broker)
    tp = TopicPartition(one_batch_topic, 0)
    at = admin.list_offsets({tp: OffsetSpec.for_timestamp(T0_MS + 3500)}, request_timeout=10)[tp].result(10)
    assert (at.offset, at.timestamp) == (4, T0_MS + 4000)
    top = admin.list_offsets({tp: OffsetSpec.max_timestamp()}, request_timeout=10)[tp].result(10)
    assert (top.offset, top.timestamp) == (5, T0_MS + 9000)


@TIMES_FAULT
def test_max_timestamp_of_an_empty_partition_is_none(broker, topic):
    create_topic(broker, topic, partitions=1)
    admin = ck_admin(broker)
    tp = TopicPartition(topic, 0)
    assert admin.list_offsets({tp: OffsetSpec.max_timestamp()}, request_timeout=10)[tp].result(10).offset == -1


@TIMES_FAULT
def test_offsets_for_times_inside_compressed_producer_batches(broker, topic):
    """librdkafka's own batches (gzip, one linger window): record-level answers there too."""
    create_topic(broker, topic, partitions=1)
    stamps = [T0_MS + 100 * i for i in range(50)]
    offsets = produce_confluent(broker, topic, [Rec(b"k", b"v%d" % i, timestamp_ms=ts) for i, ts in enumerate(stamps)],
                                **{"compression.type": "gzip", "linger.ms": 500, "batch.num.messages": 1000})
    assert offsets == list(range(50))
    c = ck_consumer(broker)
    try:
        for ts, want in [(T0_MS + 50, 1), (T0_MS + 2345, 24), (T0_MS + 4900, 49), (T0_MS + 4901, -1)]:
            assert c.offsets_for_times([TopicPartition(topic, 0, ts)], timeout=10)[0].offset == want, ts
    finally:
        c.close()
    admin = ck_admin(broker)
    tp = TopicPartition(topic, 0)
    assert admin.list_offsets({tp: OffsetSpec.max_timestamp()}, request_timeout=10)[tp].result(10).offset == 49
