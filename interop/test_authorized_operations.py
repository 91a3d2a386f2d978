"""Authorized operations and group listing as confluent-kafka's admin client asks for them.

Kairos has no ACLs yet, so every operation Kafka defines is allowed: a topic's 8 (READ, WRITE, CREATE, DELETE,
ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS), the cluster's 7, a group's 3. ListGroups v5 names each group's
type (classic) and filters by type and state.
"""

from __future__ import annotations

import pytest
from confluent_kafka import Consumer, ConsumerGroupState, ConsumerGroupType, TopicCollection, TopicPartition
from confluent_kafka.admin import AclOperation

from clients import ck_admin, ck_conf, create_topic, group_id

TIMEOUT_S = 20

pytestmark = pytest.mark.tansu_fault("authorized operations and group types differ")


def test_describe_cluster_and_topics_with_authorized_operations(broker, topic):
    create_topic(broker, topic)
    admin = ck_admin(broker)
    cluster = admin.describe_cluster(include_authorized_operations=True).result(TIMEOUT_S)
    assert set(cluster.authorized_operations) == {
        AclOperation.CREATE, AclOperation.ALTER, AclOperation.DESCRIBE, AclOperation.CLUSTER_ACTION,
        AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE}
    described = admin.describe_topics(TopicCollection([topic]), include_authorized_operations=True)[topic].result(TIMEOUT_S)
    assert set(described.authorized_operations) == {
        AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DELETE, AclOperation.ALTER,
        AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS}


def test_list_consumer_groups_with_type_and_state_filters(broker, topic):
    create_topic(broker, topic)
    group = group_id()
    c = Consumer(ck_conf(broker, **{"group.id": group, "enable.auto.commit": False}))
    try:
        c.commit(offsets=[TopicPartition(topic, 0, 0)], asynchronous=False)
    finally:
        c.close()
    admin = ck_admin(broker)
    listed = admin.list_consumer_groups().result(TIMEOUT_S)
    found = {g.group_id: g for g in listed.valid}
    assert group in found, listed.valid
    assert found[group].type == ConsumerGroupType.CLASSIC
    assert found[group].state == ConsumerGroupState.EMPTY
    empty = admin.list_consumer_groups(states={ConsumerGroupState.EMPTY}, types={ConsumerGroupType.CLASSIC}).result(TIMEOUT_S)
    assert group in {g.group_id for g in empty.valid}
    stable = admin.list_consumer_groups(states={ConsumerGroupState.STABLE}).result(TIMEOUT_S)
    assert group not in {g.group_id for g in stable.valid}
    new_protocol = admin.list_consumer_groups(types={ConsumerGroupType.CONSUMER}).result(TIMEOUT_S)
    assert group not in {g.group_id for g in new_protocol.valid}
