"""Transactions with confluent-kafka (librdkafka) on one broker.

A transactional producer commits and another aborts; a read_committed consumer sees only the committed records,
in order, and a read_uncommitted one sees every data record but never a control record (the consumer hides the
markers; their offsets are skipped). send_offsets_to_transaction makes the group's offsets visible only when the
transaction commits. A second producer with the same transactional.id fences the first.
"""

from __future__ import annotations

import time

import pytest
from confluent_kafka import KafkaException, Producer, TopicPartition

import kafkawire as kw
from clients import Rec, ck_conf, consume_confluent, create_topic, group_id


def txn_producer(broker, tid: str, **extra) -> Producer:
    p = Producer(ck_conf(broker, **{"transactional.id": tid, "transaction.timeout.ms": 30000, **extra}))
    p.init_transactions(20)
    return p


def send(p: Producer, topic: str, values: list[bytes], partition: int = 0) -> None:
    for v in values:
        p.produce(topic, value=v, partition=partition)
    p.flush(20)


def test_commit_and_abort_seen_by_read_committed(broker, topic):
    create_topic(broker, topic, partitions=1)
    committer = txn_producer(broker, topic + "-c")
    aborter = txn_producer(broker, topic + "-a")
    committer.begin_transaction()
    aborter.begin_transaction()
    send(committer, topic, [b"c%d" % i for i in range(5)])
    send(aborter, topic, [b"a%d" % i for i in range(4)])
    send(committer, topic, [b"c%d" % i for i in range(5, 10)])
    aborter.abort_transaction(20)
    committer.commit_transaction(20)

    committed = consume_confluent(broker, topic, 10, **{"isolation.level": "read_committed"})
    assert [r.value for r in committed] == [b"c%d" % i for i in range(10)]
    assert [r.offset for r in committed] == sorted(r.offset for r in committed)

    everything = consume_confluent(broker, topic, 14, **{"isolation.level": "read_uncommitted"})
    assert sorted(r.value for r in everything) == sorted([b"c%d" % i for i in range(10)] + [b"a%d" % i for i in range(4)])

    # The log holds the two markers as control batches: 14 data records + 2 markers.
    with kw.Connection(broker.host, broker.port) as conn:
        batches, hwm = kw.fetch_all(conn, topic)
    assert hwm == 16
    control = [b for b in batches if b.attributes & 0x20]
    assert len(control) == 2 and all(b.attributes & 0x10 for b in control)
    assert {b.producer_id for b in control} == {b.producer_id for b in batches if not b.attributes & 0x20}


def test_read_committed_waits_for_the_commit(broker, topic):
    create_topic(broker, topic, partitions=1)
    p = txn_producer(broker, topic + "-w")
    p.begin_transaction()
    send(p, topic, [b"x1", b"x2"])
    assert consume_confluent(broker, topic, 1, timeout_s=2, **{"isolation.level": "read_committed"}) == []
    p.commit_transaction(20)
    got = consume_confluent(broker, topic, 2, **{"isolation.level": "read_committed"})
    assert [r.value for r in got] == [b"x1", b"x2"]


def test_send_offsets_commits_the_group_at_commit(broker, topic):
    create_topic(broker, topic, partitions=1)
    from confluent_kafka import Consumer
    gid = group_id()
    consumer = Consumer(ck_conf(broker, **{"group.id": gid, "enable.auto.commit": False}))
    try:
        consumer.assign([TopicPartition(topic, 0, 0)])
        p = txn_producer(broker, topic + "-o")

        def committed() -> int:
            return consumer.committed([TopicPartition(topic, 0)], 10)[0].offset

        p.begin_transaction()
        send(p, topic, [b"v"])
        p.send_offsets_to_transaction([TopicPartition(topic, 0, 7)], consumer.consumer_group_metadata(), 20)
        assert committed() < 0, "offsets of an open transaction are not visible"
        p.commit_transaction(20)
        assert committed() == 7

        p.begin_transaction()
        send(p, topic, [b"w"])
        p.send_offsets_to_transaction([TopicPartition(topic, 0, 9)], consumer.consumer_group_metadata(), 20)
        p.abort_transaction(20)
        assert committed() == 7, "aborted offsets are dropped"
    finally:
        consumer.close()


def test_zombie_producer_is_fenced(broker, topic):
    create_topic(broker, topic, partitions=1)
    tid = topic + "-z"
    zombie = txn_producer(broker, tid)
    zombie.begin_transaction()
    send(zombie, topic, [b"zombie"])
    successor = txn_producer(broker, tid)  # aborts the zombie's open transaction
    successor.begin_transaction()
    send(successor, topic, [b"successor"])
    successor.commit_transaction(20)
    with pytest.raises(KafkaException) as raised:
        zombie.produce(topic, value=b"late", partition=0)
        zombie.flush(10)
        zombie.commit_transaction(10)
    assert raised.value.args[0].fatal() or "fenced" in str(raised.value).lower(), str(raised.value)
    got = consume_confluent(broker, topic, 1, **{"isolation.level": "read_committed"})
    assert [r.value for r in got] == [b"successor"]


def test_transaction_timeout_aborts(broker, topic):
    create_topic(broker, topic, partitions=1)
    p = txn_producer(broker, topic + "-t", **{"transaction.timeout.ms": 1500})
    p.begin_transaction()
    send(p, topic, [b"never"])
    time.sleep(2.5)
    with kw.Connection(broker.host, broker.port) as conn:
        batches, hwm = kw.fetch_all(conn, topic)
    assert hwm == 2, "the broker wrote an abort marker after the timeout"
    assert batches[-1].attributes & 0x20
    assert consume_confluent(broker, topic, 1, timeout_s=2, **{"isolation.level": "read_committed"}) == []


@pytest.mark.slow
def test_open_transaction_and_fencing_survive_kill9(fresh_broker, topic):
    b = fresh_broker
    create_topic(b, topic, partitions=1)
    tid = topic + "-r"
    zombie = txn_producer(b, tid)
    zombie.begin_transaction()
    send(zombie, topic, [b"in-flight"])
    b.kill9()
    b.restart()
    # The open transaction is open again: read_committed sees nothing until the new instance's init aborts it.
    assert consume_confluent(b, topic, 1, timeout_s=2, **{"isolation.level": "read_committed"}) == []
    successor = txn_producer(b, tid)
    successor.begin_transaction()
    send(successor, topic, [b"after-restart"])
    successor.commit_transaction(20)
    got = consume_confluent(b, topic, 1, **{"isolation.level": "read_committed"})
    assert [r.value for r in got] == [b"after-restart"]
    with kw.Connection(b.host, b.port) as conn:
        batches, _ = kw.fetch_all(conn, topic)
    data = [bt for bt in batches if not bt.attributes & 0x20]
    assert len({bt.producer_id for bt in data}) == 1, "the transactional id kept its producer id across the restart"
    assert data[-1].producer_epoch > data[0].producer_epoch


def test_kafka_python_transactions(broker, topic):
    from kafka import KafkaConsumer, TopicPartition as KpTopicPartition
    from clients import kp_producer
    create_topic(broker, topic, partitions=1)
    p = kp_producer(broker, transactional_id=topic + "-kp")
    try:
        p.init_transactions()
        p.begin_transaction()
        for i in range(3):
            p.send(topic, value=b"kc%d" % i, partition=0)
        p.commit_transaction()
        p.begin_transaction()
        p.send(topic, value=b"ka", partition=0)
        p.abort_transaction()
    finally:
        p.close()
    c = KafkaConsumer(bootstrap_servers=broker.bootstrap, isolation_level="read_committed", enable_auto_commit=False,
                      consumer_timeout_ms=3000)
    try:
        c.assign([KpTopicPartition(topic, 0)])
        c.seek_to_beginning()
        got = [m.value for m in c]
    finally:
        c.close()
    assert got == [b"kc0", b"kc1", b"kc2"]
