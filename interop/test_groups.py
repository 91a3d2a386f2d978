"""Consumer groups: join, commit, resume where the group left off, split partitions between members.

Kafka keeps committed offsets per (group, partition) at the group coordinator; a new member of
the group starts from them, any client can read them, and members of one group never share a
partition.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from confluent_kafka import Consumer, TopicPartition

from clients import Rec, ck_admin, ck_conf, create_topic, group_id, kp_consumer, produce_confluent

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


# ---------------------------------------------------------------- several members: sharing, leaving, dying, resuming

PARTITIONS = 6


class Member:
    """One group member of either client. A confluent-kafka member is polled by the test's thread; a
    kafka-python member polls in a thread of its own, as applications run it: kafka-python drops a
    JoinGroup answer that arrives while its consumer is outside poll() and joins again, and a
    leader's extra JoinGroup makes the group rebalance (Kafka's rule), so members polled in turn by
    one thread keep the group rebalancing."""

    def __init__(self, kind: str, broker, group: str, topic: str):
        self.kind = kind
        self.records: list[tuple[int, int]] = []  # (partition, offset) consumed
        self._lock = threading.Lock()
        self._owned: set[int] = set()
        self._stop = threading.Event()
        self._thread = None
        if kind == "confluent":
            self.c = ck_member(broker, group, **{"partition.assignment.strategy": "range"})
            self.c.subscribe([topic])
        else:
            self.c = kp_consumer(broker, group_id=group, auto_offset_reset="earliest",
                                 session_timeout_ms=SESSION_MS, heartbeat_interval_ms=500)
            self.c.subscribe([topic])
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            batch = self.c.poll(timeout_ms=100)
            with self._lock:
                for msgs in batch.values():
                    self.records += [(m.partition, m.offset) for m in msgs]
                self._owned = {tp.partition for tp in self.c.assignment()}

    def poll(self, timeout_s: float = 0.1) -> None:
        if self.kind == "confluent":
            for m in self.c.consume(100, timeout_s):
                assert not m.error(), m.error()
                self.records.append((m.partition(), m.offset()))
        else:
            time.sleep(timeout_s)

    def partitions(self) -> set[int]:
        if self.kind == "confluent":
            return {tp.partition for tp in self.c.assignment()}
        with self._lock:
            return set(self._owned)

    def commit(self) -> None:
        assert self.kind == "confluent", "commits are driven through confluent-kafka members"
        self.c.commit(asynchronous=False)

    def close(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(10)
        self.c.close()


def wait_for_split(members: list[Member], partitions: int = PARTITIONS, timeout_s: float = GROUP_TIMEOUT_S,
                   expect: set[int] | None = None) -> list[set[int]]:
    """Polls every member until each owns at least one partition and together they own each partition
    exactly once; returns what each owns. Fails with the last view otherwise."""
    want = expect if expect is not None else set(range(partitions))
    deadline = time.monotonic() + timeout_s
    owned: list[set[int]] = []
    while time.monotonic() < deadline:
        for m in members:
            m.poll(0.05)
        owned = [m.partitions() for m in members]
        flat = [p for s in owned for p in s]
        if all(owned) and sorted(flat) == sorted(want):
            return owned
    raise AssertionError(f"no clean split of {sorted(want)} within {timeout_s}s: {owned}")


def describe_group(broker, group: str):
    admin = ck_admin(broker)  # must outlive the future
    (fut,) = admin.describe_consumer_groups([group], request_timeout=10).values()
    return fut.result(15)


@pytest.mark.parametrize("kind", ["confluent", "kafka-python"])
def test_three_members_share_six_partitions(broker, topic, kind):
    create_topic(broker, topic, partitions=PARTITIONS)
    group = group_id()
    members = [Member(kind, broker, group, topic) for _ in range(3)]
    try:
        owned = wait_for_split(members)
        assert [len(s) for s in owned] == [2, 2, 2], f"range over 6 partitions and 3 members: {owned}"
        description = describe_group(broker, group)
        assert str(description.state).upper().endswith("STABLE"), description.state
        assert len(description.members) == 3
        described = sorted(tp.partition for m in description.members for tp in m.assignment.topic_partitions)
        assert described == list(range(PARTITIONS)), f"DescribeGroups shows assignments {described}"
    finally:
        for m in members:
            m.close()


@pytest.mark.parametrize("kind", ["confluent", "kafka-python"])
def test_member_that_leaves_hands_over_its_partitions(broker, topic, kind):
    create_topic(broker, topic, partitions=PARTITIONS)
    group = group_id()
    members = [Member(kind, broker, group, topic) for _ in range(3)]
    try:
        wait_for_split(members)
        leaving = members.pop(1)
        started = time.monotonic()
        leaving.close()  # LeaveGroup: no session timeout to wait for
        owned = wait_for_split(members)
        took = time.monotonic() - started
        assert sorted(len(s) for s in owned) == [3, 3], owned
        # Well inside the session timeout: the leave itself started the rebalance.
        assert took < SESSION_MS / 1000, f"rebalance after a leave took {took:.1f}s"
    finally:
        for m in members:
            m.close()


KILLABLE_MEMBER = r"""
import sys, time
bootstrap, group, topic, kind, session_ms = sys.argv[1:6]
if kind == "confluent":
    from confluent_kafka import Consumer
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                  "auto.offset.reset": "earliest", "session.timeout.ms": int(session_ms),
                  "heartbeat.interval.ms": 500, "partition.assignment.strategy": "range"})
    c.subscribe([topic])
    while True:
        c.poll(0.1)
else:
    from kafka import KafkaConsumer
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                      auto_offset_reset="earliest", session_timeout_ms=int(session_ms), heartbeat_interval_ms=500)
    c.subscribe([topic])
    while True:
        c.poll(timeout_ms=100)
"""


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["confluent", "kafka-python"])
def test_killed_member_loses_its_partitions_after_the_session_timeout(broker, topic, kind):
    create_topic(broker, topic, partitions=PARTITIONS)
    group = group_id()
    child = subprocess.Popen([sys.executable, "-c", KILLABLE_MEMBER, broker.bootstrap, group, topic, kind, str(SESSION_MS)],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)
    members: list[Member] = []
    try:
        members = [Member(kind, broker, group, topic) for _ in range(2)]
        # The two members here own 4 of the 6 partitions when the child owns the other 2.
        deadline = time.monotonic() + GROUP_TIMEOUT_S
        while True:
            for m in members:
                m.poll(0.05)
            owned = [m.partitions() for m in members]
            if all(owned) and sum(len(s) for s in owned) == 4 and not owned[0] & owned[1]:
                description = describe_group(broker, group)
                if len(description.members) == 3 and str(description.state).upper().endswith("STABLE"):
                    break
            assert time.monotonic() < deadline, f"group never settled with 3 members: {owned}"
            assert child.poll() is None, child.stderr.read().decode()
        child.kill()  # SIGKILL: no LeaveGroup, only the silence of its heartbeats
        child.wait(10)
        killed_at = time.monotonic()
        owned = wait_for_split(members, timeout_s=SESSION_MS / 1000 + GROUP_TIMEOUT_S)
        took = time.monotonic() - killed_at
        assert sorted(len(s) for s in owned) == [3, 3], owned
        # Its partitions move only once the session timed out (minus a heartbeat interval of slack).
        assert took >= SESSION_MS / 1000 - 1, f"partitions moved {took:.1f}s after the kill, before the session ended"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        for m in members:
            m.close()


@pytest.mark.slow
@pytest.mark.tansu_fault("keeps its data in memory: a restart loses it")
@pytest.mark.parametrize("how", ["restart", "kill9"])
def test_commit_restart_resume_consumes_everything(fresh_broker, topic, how):
    b = fresh_broker
    create_topic(b, topic, partitions=PARTITIONS)
    per_batch = 30

    def produce_batch(first: int) -> set[tuple[int, int]]:
        for p in range(PARTITIONS):
            produce_confluent(b, topic, [Rec(b"k", b"p%d-%03d" % (p, first + i)) for i in range(per_batch)], partition=p)
        return {(p, first + i) for p in range(PARTITIONS) for i in range(per_batch)}

    produced = produce_batch(0)
    group = group_id()
    members = [Member("confluent", b, group, topic) for _ in range(3)]
    consumed: set[tuple[int, int]] = set()
    try:
        # Phase 1: three members read the first batch and commit it...
        wait_for_split(members)
        deadline = time.monotonic() + GROUP_TIMEOUT_S
        while {r for m in members for r in m.records} != produced:
            for m in members:
                m.poll(0.1)
            assert time.monotonic() < deadline, "phase 1 did not read the first batch"
        for m in members:
            m.commit()
        committed = {tp.partition: tp.offset
                     for tp in members[0].c.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=10)}
        assert committed == {p: per_batch for p in range(PARTITIONS)}, committed
        # ...then read (part of) a second batch without committing it.
        produced |= produce_batch(per_batch)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            for m in members:
                m.poll(0.1)
        consumed = {r for m in members for r in m.records}
    finally:
        for m in members:
            m.close()
    uncommitted = {(p, o) for p, o in consumed if o >= per_batch}
    assert uncommitted, "phase 1 read nothing past its commit"

    if how == "restart":
        b.restart()
    else:
        b.kill9()
        b.start()

    # Phase 2: a new generation resumes exactly at the committed offsets, so it reads the uncommitted
    # records again and everything after them.
    members = [Member("confluent", b, group, topic) for _ in range(3)]
    try:
        deadline = time.monotonic() + GROUP_TIMEOUT_S * 2
        second_batch = {(p, o) for p, o in produced if o >= per_batch}
        while not second_batch <= {r for m in members for r in m.records} and time.monotonic() < deadline:
            for m in members:
                m.poll(0.1)
        for m in members:
            m.poll(0.3)
        resumed = [r for m in members for r in m.records]
    finally:
        for m in members:
            m.close()
    assert consumed | set(resumed) == produced, f"{len(produced - consumed - set(resumed))} records never consumed"
    for p in range(PARTITIONS):
        offsets = sorted(o for q, o in resumed if q == p)
        assert offsets and offsets[0] == per_batch, f"partition {p} resumed at {offsets[:1]}, committed {per_batch}"
    assert len(resumed) == len(set(resumed)), "a record was read twice in one generation"
    duplicates = consumed & set(resumed)
    assert duplicates == uncommitted, "read again: exactly what was read but not committed before the restart"
