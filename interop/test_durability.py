"""Durability across restarts: kill -9 mid-stream, and clean SIGTERM / SIGINT shutdowns.

After `kill -9` every record the broker acknowledged must be in the log, at the offset it was
acknowledged at, with offsets contiguous and producing continuing at the next offset. The
process dies, not the machine, so this holds even without fsync: what was written before the
acknowledgement is in the page cache. The same test runs in fsync-per-ack mode, where every
acknowledgement waits for the group commit's fsync. A clean shutdown exits 0 and loses nothing,
topic metadata and configs included.
"""

from __future__ import annotations

import signal

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import ConfigResource, ResourceType

from clients import (Rec, ck_admin, ck_conf, consume_confluent, consume_kafka_python, create_topic, group_id,
                     produce_confluent, produce_kafka_python)

pytestmark = [pytest.mark.slow, pytest.mark.tansu_fault("keeps its data in memory: a restart loses it")]

N = 20000
KILL_AFTER_ACKS = 3000


def high_watermark(broker, topic: str, partition: int = 0) -> int:
    c = Consumer(ck_conf(broker, **{"group.id": group_id(), "enable.auto.commit": False}))
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=10, cached=False)[1]
    finally:
        c.close()


@pytest.mark.parametrize("mode", ["page-cache", "fsync-per-ack"])
@pytest.mark.parametrize("acks", ["all", "1"])
def test_acknowledged_records_survive_kill9(broker_factory, topic, acks, mode):
    # fsync-per-ack (log.flush.interval.messages=1) answers only after the group commit synced the batch.
    b = broker_factory({"log.flush.interval.messages": "1"} if mode == "fsync-per-ack" else None)
    create_topic(b, topic, partitions=1)
    acked: dict[bytes, int] = {}
    failed: list = []

    def on_delivery(err, msg):
        if err is None:
            acked[msg.value()] = msg.offset()
        else:
            failed.append(err)

    p = Producer(ck_conf(b, **{"acks": acks, "linger.ms": 1, "batch.num.messages": 200,
                               "message.timeout.ms": 4000, "enable.idempotence": False,
                               "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 200}))
    killed_after = None
    for i in range(N):
        while True:
            try:
                p.produce(topic, key=b"k", value=b"rec-%06d" % i, partition=0, on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
        if killed_after is None and len(acked) >= KILL_AFTER_ACKS:
            b.kill9()  # mid-stream: more batches are queued and in flight
            killed_after = len(acked)
    if killed_after is None:  # the broker was faster than the loop: kill while the tail drains
        while len(acked) < KILL_AFTER_ACKS and p.flush(0.01):
            pass
        b.kill9()
        killed_after = len(acked)
    assert p.flush(30) == 0, "producer did not settle every record"
    assert len(acked) + len(failed) == N
    assert len(acked) < N, "kill -9 came too late to interrupt anything"
    assert failed, "no record failed although the broker was killed mid-stream"

    b.start()  # same port, same log dir
    hwm = high_watermark(b, topic)
    assert hwm >= len(acked), f"high watermark {hwm} below the {len(acked)} acknowledged records"
    got = consume_confluent(b, topic, hwm, timeout_s=60)
    assert [r.offset for r in got] == list(range(hwm)), "offsets after recovery are not contiguous"
    by_offset = {r.offset: r.value for r in got}
    lost = [(v, o) for v, o in acked.items() if by_offset.get(o) != v]
    assert not lost, f"{len(lost)} acknowledged records missing or moved, e.g. {lost[:3]}"
    values = [r.value for r in got]
    assert len(set(values)) == len(values), "a record was stored twice"
    assert values == sorted(values), "records out of production order"
    assert produce_confluent(b, topic, [Rec(b"k", b"after-restart")]) == [hwm]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_clean_shutdown_exits_0_and_keeps_everything(fresh_broker, topic_factory, sig):
    b = fresh_broker
    multi, single = topic_factory("multi"), topic_factory("single")
    create_topic(b, multi, partitions=3, config={"retention.ms": "86400000"})
    per_partition = {p: [Rec(b"key-%d" % p, b"p%d-%04d" % (p, i)) for i in range(150)] for p in range(3)}
    for p, recs in per_partition.items():
        assert produce_confluent(b, multi, recs, partition=p, acks="1") == list(range(150))
    plain = [Rec(b"k%d" % i, b"plain-%d" % i, [("n", str(i).encode())], 1_700_000_000_000 + i) for i in range(100)]
    assert produce_kafka_python(b, single, plain, compression_type="gzip") == list(range(100))

    assert b.stop(sig) == 0, f"exit code after {sig.name}"
    b.start()

    admin = ck_admin(b)
    assert len(admin.list_topics(timeout=10).topics[multi].partitions) == 3
    res = ConfigResource(ResourceType.TOPIC, multi)
    assert admin.describe_configs([res])[res].result(20)["retention.ms"].value == "86400000"
    for p, recs in per_partition.items():
        got = consume_confluent(b, multi, len(recs), partition=p)
        assert [(r.offset, r.key, r.value) for r in got] == [(i, r.key, r.value) for i, r in enumerate(recs)]
    got = consume_kafka_python(b, single, len(plain))
    assert [(r.offset, r.key, r.value, r.headers, r.timestamp_ms) for r in got] == \
        [(i, r.key, r.value, r.headers, r.timestamp_ms) for i, r in enumerate(plain)]
    assert produce_confluent(b, multi, [Rec(b"x", b"next")], partition=1) == [150]
    assert produce_kafka_python(b, single, [Rec(b"x", b"next")]) == [100]


def test_restart_twice_with_writes_between(fresh_broker, topic):
    """Recovery must also hold for a log that was itself recovered (segment rolled or reopened)."""
    b = fresh_broker
    create_topic(b, topic, partitions=1)
    sent: list[Rec] = []
    for round_ in range(3):
        batch = [Rec(b"k", b"round%d-%03d" % (round_, i)) for i in range(200)]
        assert produce_confluent(b, topic, batch) == list(range(len(sent), len(sent) + 200))
        sent += batch
        if round_ == 1:
            b.kill9()
            b.start()
        else:
            b.restart()
    got = consume_confluent(b, topic, len(sent))
    assert [(r.offset, r.value) for r in got] == [(i, r.value) for i, r in enumerate(sent)]
