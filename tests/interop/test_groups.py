"""Consumer groups: join, commit, resume where the group left off, split partitions between members.

Kafka keeps committed offsets per (group, partition) at the group coordinator; a new member of
the group starts from them, any client can read them, and members of one group never share a
partition.
"""

from __future__ import annotations

import time

from confluent_kafka import Consumer, TopicPartition

from clients import Rec, ck_conf, create_topic, group_id, kp_consumer, produce_confluent

SESSION_MS = 6000
GROUP_TIMEOUT_S = 30


def ck_member(broker, group: str, **extra) -> Consumer:
    return Consumer(ck_conf(broker, **{"group.id": group, "enable.auto.commit": False,
                                       "auto.offset.reset": "earliest", "session.timeout.ms": SESSION_MS,
                                       "heartbeat.interval.ms": 500, **extra}))


def poll_values(c: Consumer, count: int) -> list:
    out = []
    deadline = time.monotonic() + GROUP_TIMEOUT_S
    while len(out) < count and time.monotonic() < deadline:
        for m in c.consume(count - len(out), 0.2):
            assert not m.error(), m.error()
            out.append(m)
    assert len(out) == count, f"got {len(out)} of {count} records through the group"
    return out


def test_confluent_commit_then_resume(broker, topic):
    create_topic(broker, topic, partitions=1)
    produce_confluent(broker, topic, [Rec(b"k", b"v%02d" % i) for i in range(20)])
    group = group_id()
    a = ck_member(broker, group)
    try:
        a.subscribe([topic])
        first = poll_values(a, 10)
        assert [m.offset() for m in first] == list(range(10))
        a.commit(message=first[-1], asynchronous=False)  # commits offset 10: the next to read
        (tp,) = a.committed([TopicPartition(topic, 0)], timeout=10)
        assert tp.offset == 10
    finally:
        a.close()
    b = ck_member(broker, group)
    try:
        b.subscribe([topic])
        rest = poll_values(b, 10)
        assert [(m.offset(), m.value()) for m in rest] == [(i, b"v%02d" % i) for i in range(10, 20)]
    finally:
        b.close()


def test_offsets_committed_by_one_client_are_read_by_another(broker, topic):
    from kafka import TopicPartition as KTP
    create_topic(broker, topic, partitions=2)
    for p in range(2):
        produce_confluent(broker, topic, [Rec(b"k", b"v")] * 5, partition=p)
    group = group_id()
    c = ck_member(broker, group)
    try:
        c.commit(offsets=[TopicPartition(topic, 0, 3), TopicPartition(topic, 1, 5)], asynchronous=False)
    finally:
        c.close()
    k = kp_consumer(broker, group_id=group)
    try:
        assert k.committed(KTP(topic, 0)) == 3
        assert k.committed(KTP(topic, 1)) == 5
    finally:
        k.close()


def test_kafka_python_group_commit_then_resume(broker, topic):
    create_topic(broker, topic, partitions=1)
    produce_confluent(broker, topic, [Rec(b"k", b"v%02d" % i) for i in range(12)])
    group = group_id()

    def member():
        return kp_consumer(broker, group_id=group, auto_offset_reset="earliest",
                           session_timeout_ms=SESSION_MS, heartbeat_interval_ms=500, max_poll_records=6)

    def take(c, count):
        out = []
        deadline = time.monotonic() + GROUP_TIMEOUT_S
        while len(out) < count and time.monotonic() < deadline:
            for msgs in c.poll(timeout_ms=200, max_records=count - len(out)).values():
                out += msgs
        return out

    a = member()
    try:
        a.subscribe([topic])
        first = take(a, 6)
        assert [m.offset for m in first] == list(range(6))
        a.commit()
    finally:
        a.close()
    b = member()
    try:
        b.subscribe([topic])
        assert [m.offset for m in take(b, 6)] == list(range(6, 12))
    finally:
        b.close()


def test_two_members_split_the_partitions(broker, topic):
    create_topic(broker, topic, partitions=4)
    group = group_id()
    members = [ck_member(broker, group, **{"partition.assignment.strategy": "range"}) for _ in range(2)]
    try:
        for m in members:
            m.subscribe([topic])
        deadline = time.monotonic() + GROUP_TIMEOUT_S
        owned: list[set] = [set(), set()]
        while time.monotonic() < deadline:
            for i, m in enumerate(members):
                m.consume(10, 0.1)
                owned[i] = {tp.partition for tp in m.assignment()}
            if owned[0] and owned[1] and owned[0] | owned[1] == {0, 1, 2, 3}:
                break
        assert owned[0] and owned[1], f"one member got nothing: {owned}"
        assert not owned[0] & owned[1], f"members share partitions: {owned}"
        assert owned[0] | owned[1] == {0, 1, 2, 3}
    finally:
        for m in members:
            m.close()
