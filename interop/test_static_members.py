"""Static membership (KIP-345): leaving a group and deleting it afterwards.

A consumer with group.instance.id is a static member. On close it sends no LeaveGroup: librdkafka and
kafka-python both skip it for static members (KIP-345; librdkafka's protocol debug log shows no LeaveGroup
request), so the member stays until its session times out, as in Kafka, and DeleteGroups answers
NON_EMPTY_GROUP until then. A LeaveGroup naming the member by its group.instance.id alone (what Kafka's admin
removeMembersFromConsumerGroup sends, v3+) removes it at once: once every static member is removed the group is
empty and DeleteGroups right after succeeds.
"""

from __future__ import annotations

import time

import pytest
from confluent_kafka import Consumer, KafkaError
from confluent_kafka.error import KafkaException

from clients import ck_admin, ck_conf, create_topic, group_id
from test_client_quotas import send

SESSION_MS = 6000  # group.min.session.timeout.ms's default
NON_EMPTY_GROUP = 68

pytestmark = pytest.mark.tansu_fault("Tansu's groups have no static membership")


def static_members(broker, topic: str, group: str, count: int) -> list[Consumer]:
    """`count` static members (instance ids inst-0...) holding an assignment of `topic` each."""
    members = [Consumer(ck_conf(broker, **{"group.id": group, "group.instance.id": f"inst-{i}",
                                          "session.timeout.ms": SESSION_MS, "auto.offset.reset": "earliest"}))
               for i in range(count)]
    for m in members:
        m.subscribe([topic])
    deadline = time.time() + 30
    while time.time() < deadline and not all(m.assignment() for m in members):
        for m in members:
            m.poll(0.1)
    assert all(m.assignment() for m in members), [m.assignment() for m in members]
    return members


def delete_error(broker, group: str) -> int:
    """DeleteGroups for `group`: 0, or the broker's error code."""
    admin = ck_admin(broker)
    try:
        admin.delete_consumer_groups([group], request_timeout=10)[group].result(10)
        return 0
    except KafkaException as e:
        return e.args[0].code()


def leave_by_instance_ids(broker, group: str, instance_ids: list[str], version: int = 4) -> list[tuple[str, int]]:
    """LeaveGroup naming members by group.instance.id alone (empty member id); returns (instance id, error)."""
    from kafka.protocol.consumer import LeaveGroupRequest
    request = LeaveGroupRequest[version](group_id=group, members=[("", iid) for iid in instance_ids])
    response = send(broker, request)
    assert response.error_code == 0, response
    return [(m.group_instance_id, m.error_code) for m in response.members]


def test_removing_static_members_by_instance_id_empties_the_group_at_once(broker, topic):
    create_topic(broker, topic, partitions=2)
    group = group_id()
    members = static_members(broker, topic, group, 2)
    for m in members:
        m.close()
    # The close sent no LeaveGroup: the static members stay for their session.
    assert delete_error(broker, group) == NON_EMPTY_GROUP
    started = time.monotonic()
    assert leave_by_instance_ids(broker, group, ["inst-0", "inst-1"]) == [("inst-0", 0), ("inst-1", 0)]
    assert delete_error(broker, group) == 0, "the group must be empty right after its static members left"
    assert time.monotonic() - started < SESSION_MS / 1000 / 2, "no session timeout may be waited for"


def test_removing_one_static_member_leaves_the_other_and_an_unknown_instance_is_refused(broker, topic):
    create_topic(broker, topic, partitions=2)
    group = group_id()
    members = static_members(broker, topic, group, 2)
    try:
        assert leave_by_instance_ids(broker, group, ["inst-0", "inst-9"], version=3) == [("inst-0", 0), ("inst-9", 25)]
        assert delete_error(broker, group) == NON_EMPTY_GROUP
    finally:
        for m in members:
            m.close()
    assert leave_by_instance_ids(broker, group, ["inst-1"]) == [("inst-1", 0)]
    assert delete_error(broker, group) == 0


def test_closed_static_members_leave_when_their_session_times_out(broker, topic):
    create_topic(broker, topic, partitions=2)
    group = group_id()
    members = static_members(broker, topic, group, 2)
    for m in members:
        m.close()
    closed = time.monotonic()
    assert delete_error(broker, group) == NON_EMPTY_GROUP
    while (code := delete_error(broker, group)) == NON_EMPTY_GROUP and time.monotonic() - closed < 20:
        time.sleep(0.25)
    took = time.monotonic() - closed
    assert code == 0, code
    # Sessions run from the last heartbeat (every 3 s by default), so the end comes within one session of the close.
    assert took <= SESSION_MS / 1000 + 1, f"the group emptied {took:.1f}s after the close"
