"""`kairos groups` (like kafka-consumer-groups.sh) against a running broker with real data, checked with
confluent-kafka's admin client (list_consumer_group_offsets, list_consumer_groups).

Every flag: --list; --describe [--members|--state]; --reset-offsets with --to-earliest, --to-latest,
--to-datetime, --shift-by, --to-offset, --topic T[:partitions] / --all-topics, --dry-run / --execute (refused
while the group has members); --delete. Bad arguments exit non-zero with a clear message and change nothing.
"""

from __future__ import annotations

import subprocess
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka import ConsumerGroupTopicPartitions

import brokers
from clients import ck_admin, ck_conf, create_topic, group_id

TIMEOUT_S = 20
BASE_TS = 1_700_000_000_000  # record i of each partition has timestamp BASE_TS + i s

pytestmark = pytest.mark.tansu_fault("runs the kairos binary's own tool")


def kairos_groups(broker, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([brokers.kairos_bin(), "groups", "--bootstrap-server", broker.bootstrap, *args],
                          capture_output=True, text=True, timeout=60)


def ok(broker, *args: str) -> str:
    result = kairos_groups(broker, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(broker, *args: str) -> str:
    result = kairos_groups(broker, *args)
    assert result.returncode != 0, result.stdout
    return result.stderr


def committed(broker, group: str) -> dict[tuple[str, int], int]:
    """The group's committed offsets as confluent-kafka's admin client reads them."""
    admin = ck_admin(broker)
    futures = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])
    result = futures[group].result(TIMEOUT_S)
    return {(tp.topic, tp.partition): tp.offset for tp in result.topic_partitions if tp.offset >= 0}


def commit(broker, group: str, offsets: dict[tuple[str, int], int]) -> None:
    """Commits offsets as a client outside the group does (no member, generation -1)."""
    c = Consumer(ck_conf(broker, **{"group.id": group, "enable.auto.commit": False}))
    try:
        c.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in offsets.items()], asynchronous=False)
    finally:
        c.close()


@pytest.fixture
def loaded(broker, topic):
    """A topic with 10 records in partition 0 and 6 in partition 1, and a group that committed 4 and 2."""
    create_topic(broker, topic, partitions=2)
    p = Producer(ck_conf(broker))
    for partition, count in ((0, 10), (1, 6)):
        for i in range(count):
            p.produce(topic, value=f"{partition}-{i}".encode(), partition=partition, timestamp=BASE_TS + i * 1000)
            assert p.flush(30) == 0  # one record per batch, so a time lookup lands on the record itself
    group = group_id()
    commit(broker, group, {(topic, 0): 4, (topic, 1): 2})
    assert committed(broker, group) == {(topic, 0): 4, (topic, 1): 2}
    return topic, group


def rows(out: str, topic: str) -> dict[int, list[str]]:
    """The describe / reset table rows of `topic`, by partition."""
    found = {}
    for line in out.splitlines():
        cols = line.split()
        if len(cols) >= 4 and cols[1] == topic:
            found[int(cols[2])] = cols
    return found


def test_list_and_describe(broker, loaded):
    topic, group = loaded
    assert group in ok(broker, "--list").split()
    admin = ck_admin(broker)  # held until the answer came: a dropped client cancels its requests
    listed = admin.list_consumer_groups().result(TIMEOUT_S)
    assert group in {g.group_id for g in listed.valid}

    out = ok(broker, "--describe", "--group", group)
    assert f"Consumer group '{group}' has no active members." in out
    assert "CURRENT-OFFSET" in out and "LOG-END-OFFSET" in out and "LAG" in out
    r = rows(out, topic)
    assert r[0][3:6] == ["4", "10", "6"], out
    assert r[1][3:6] == ["2", "6", "4"], out
    state = ok(broker, "--describe", "--group", group, "--state")
    assert state.splitlines()[1].split()[0] == group and "Empty" in state


def test_describe_shows_active_members_and_refuses_reset_and_delete(broker, loaded):
    topic, group = loaded
    c = Consumer(ck_conf(broker, **{"group.id": group, "enable.auto.commit": False, "session.timeout.ms": 6000,
                                    "client.id": "member-one"}))
    try:
        c.subscribe([topic])
        deadline = time.monotonic() + 30
        while not c.assignment() and time.monotonic() < deadline:
            c.poll(0.2)
        assert len(c.assignment()) == 2
        out = ok(broker, "--describe", "--group", group)
        r = rows(out, topic)
        assert r[0][8] == "member-one" and r[1][8] == "member-one", out
        members = ok(broker, "--describe", "--group", group, "--members")
        assert "member-one" in members and members.splitlines()[1].split()[-1] == "2"
        assert "Stable" in ok(broker, "--describe", "--group", group, "--state")

        err = refused(broker, "--reset-offsets", "--group", group, "--topic", topic, "--to-earliest", "--execute")
        assert "can only be reset if the group" in err and "Stable" in err, err
        err = refused(broker, "--delete", "--group", group)
        assert "not empty" in err, err
        assert committed(broker, group) == {(topic, 0): 4, (topic, 1): 2}
    finally:
        c.close()


@pytest.mark.parametrize("flags, expected", [
    (["--to-earliest"], (0, 0)),
    (["--to-latest"], (10, 6)),
    (["--shift-by", "3"], (7, 5)),
    (["--shift-by", "-3"], (1, 0)),       # kept at the earliest offset
    (["--to-offset", "5"], (5, 5)),
    (["--to-offset", "100"], (10, 6)),    # kept at the latest offset
    (["--to-datetime", "2023-11-14T22:13:24.500"], (5, 5)),      # BASE_TS is 2023-11-14T22:13:20Z
    (["--to-datetime", "2023-11-14T23:13:24.500+01:00"], (5, 5)),
    (["--to-datetime", "2030-01-01T00:00:00"], (10, 6)),         # after every record: the end
])
def test_reset_offsets_dry_run_then_execute(broker, loaded, flags, expected):
    topic, group = loaded
    out = ok(broker, "--reset-offsets", "--group", group, "--topic", topic, *flags)
    r = rows(out, topic)
    assert (int(r[0][3]), int(r[1][3])) == expected, out
    assert "dry run" in out
    assert committed(broker, group) == {(topic, 0): 4, (topic, 1): 2}, "--dry-run changes nothing"

    out = ok(broker, "--reset-offsets", "--group", group, "--topic", topic, *flags, "--execute")
    assert committed(broker, group) == {(topic, 0): expected[0], (topic, 1): expected[1]}


def test_reset_chosen_partitions_and_all_topics(broker, loaded):
    topic, group = loaded
    ok(broker, "--reset-offsets", "--group", group, "--topic", f"{topic}:1", "--to-offset", "5", "--execute")
    assert committed(broker, group) == {(topic, 0): 4, (topic, 1): 5}
    ok(broker, "--reset-offsets", "--group", group, "--all-topics", "--to-earliest", "--execute")
    assert committed(broker, group) == {(topic, 0): 0, (topic, 1): 0}
    # A group that never committed gets offsets for the named partitions.
    fresh = group_id()
    ok(broker, "--reset-offsets", "--group", fresh, "--topic", f"{topic}:0", "--to-latest", "--execute")
    assert committed(broker, fresh) == {(topic, 0): 10}


def test_delete(broker, loaded):
    topic, group = loaded
    out = ok(broker, "--delete", "--group", group)
    assert f"Deletion of requested consumer groups ('{group}') was successful." in out
    assert committed(broker, group) == {}
    assert group not in ok(broker, "--list").split()
    err = refused(broker, "--delete", "--group", group)
    assert "does not exist" in err, err
    err = refused(broker, "--describe", "--group", group)
    assert "does not exist" in err, err


@pytest.mark.parametrize("args, says", [
    ([], "exactly one of"),
    (["--list", "--describe"], "exactly one of"),
    (["--describe"], "--group is required"),
    (["--reset-offsets", "--group", "G", "--topic", "T"], "needs one of --to-earliest"),
    (["--reset-offsets", "--group", "G", "--to-earliest"], "--topic or --all-topics"),
    (["--reset-offsets", "--group", "G", "--topic", "T", "--all-topics", "--to-earliest"], "--topic or --all-topics"),
    (["--reset-offsets", "--group", "G", "--topic", "T", "--to-earliest", "--to-latest"], "give one of"),
    (["--reset-offsets", "--group", "G", "--topic", "T", "--to-earliest", "--dry-run", "--execute"], "--dry-run, --execute"),
    (["--reset-offsets", "--group", "G", "--topic", "T:x", "--to-earliest"], "'x' is not a partition number"),
    (["--reset-offsets", "--group", "G", "--topic", "T", "--to-datetime", "yesterday"], "not an ISO 8601 time"),
    (["--reset-offsets", "--group", "G", "--topic", "T", "--to-offset", "-1"], "negative"),
    (["--describe", "--group", "G", "--to-earliest"], "go with --reset-offsets"),
    (["--list", "--members"], "go with --describe"),
])
def test_bad_arguments_give_a_clear_error(broker, args, says):
    err = refused(broker, *args)
    assert says in err, err


def test_bad_targets_change_nothing(broker, loaded):
    topic, group = loaded
    err = refused(broker, "--reset-offsets", "--group", group, "--topic", f"{topic}:0,7", "--to-earliest", "--execute")
    assert "no partition 7" in err, err
    err = refused(broker, "--reset-offsets", "--group", group, "--topic", f"{topic}-missing", "--to-earliest", "--execute")
    assert "does not exist" in err, err
    assert committed(broker, group) == {(topic, 0): 4, (topic, 1): 2}
