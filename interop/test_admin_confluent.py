"""Topic administration through confluent-kafka's AdminClient (librdkafka).

Kafka's answers: CreateTopics creates with the given partitions and configs (or only validates),
refuses an existing name (36), an illegal name (17), a partition count below 1 (37) and a
replication factor above the number of brokers (38); DeleteTopics removes a topic and its data;
CreatePartitions only grows (37 otherwise); DescribeConfigs lists topic and broker configs.
"""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import ConfigResource, NewPartitions, NewTopic, ResourceType

from clients import (Rec, ck_admin, consume_confluent, create_topic, produce_confluent, wait_for_topic)

TIMEOUT_S = 20


def error_code(future) -> int | None:
    """The Kafka error code an admin future ended with, or None on success."""
    try:
        future.result(TIMEOUT_S)
        return None
    except KafkaException as e:
        return e.args[0].code()


def topic_names(broker) -> set[str]:
    # The full listing: asking for one topic by name may auto-create it on some brokers.
    return set(ck_admin(broker).list_topics(timeout=10).topics)


def only_broker_id(broker) -> int:
    md = ck_admin(broker).list_topics(timeout=10)
    assert len(md.brokers) == 1, md.brokers
    return next(iter(md.brokers))


def test_create_topic_with_partitions_and_configs(broker, topic):
    configs = {"retention.ms": "3600000", "cleanup.policy": "delete", "max.message.bytes": "2000000"}
    admin = ck_admin(broker)
    assert error_code(admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1,
                                                    config=configs)])[topic]) is None
    wait_for_topic(broker, topic, partitions=3)
    node = only_broker_id(broker)
    t = admin.list_topics(timeout=10).topics[topic]
    assert sorted(t.partitions) == [0, 1, 2]
    for p in t.partitions.values():
        assert p.error is None
        assert (p.leader, list(p.replicas), list(p.isrs)) == (node, [node], [node])
    res = ConfigResource(ResourceType.TOPIC, topic)
    got = admin.describe_configs([res])[res].result(TIMEOUT_S)
    for k, v in configs.items():
        assert got[k].value == v, f"{k}: {got[k].value} != {v}"


def test_create_topic_with_configs_kafka_documents(broker, topic):
    # Kafka accepts every topic config it documents, including those Kairos keeps without acting on.
    configs = {"compression.type": "lz4", "delete.retention.ms": "1000", "min.cleanable.dirty.ratio": "0.2",
               "min.insync.replicas": "1", "segment.jitter.ms": "10", "cleanup.policy": "compact,delete"}
    admin = ck_admin(broker)
    assert error_code(admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1,
                                                    config=configs)])[topic]) is None
    wait_for_topic(broker, topic, partitions=1)
    res = ConfigResource(ResourceType.TOPIC, topic)
    got = admin.describe_configs([res])[res].result(TIMEOUT_S)
    for k, v in configs.items():
        assert got[k].value == v, f"{k}: {got[k].value} != {v}"
        assert not got[k].is_default, k
    assert got["file.delete.delay.ms"].value == "60000"
    assert got["file.delete.delay.ms"].is_default


def test_create_topic_with_a_bad_config_value_is_refused(broker, topic):
    admin = ck_admin(broker)
    future = admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1,
                                           config={"min.cleanable.dirty.ratio": "2"})])[topic]
    with pytest.raises(KafkaException) as raised:
        future.result(TIMEOUT_S)
    assert raised.value.args[0].code() == KafkaError.INVALID_CONFIG
    assert "min.cleanable.dirty.ratio" in raised.value.args[0].str()
    assert topic not in topic_names(broker)


@pytest.mark.tansu_fault("validate_only creates the topic")
def test_create_validate_only_creates_nothing(broker, topic):
    admin = ck_admin(broker)
    assert error_code(admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)],
                                          validate_only=True)[topic]) is None
    assert topic not in topic_names(broker)
    # and a real create afterwards still succeeds
    assert error_code(admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])[topic]) is None
    wait_for_topic(broker, topic, partitions=2)


def test_create_existing_topic_fails(broker, topic):
    create_topic(broker, topic, partitions=1)
    admin = ck_admin(broker)
    code = error_code(admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])[topic])
    assert code == KafkaError.TOPIC_ALREADY_EXISTS
    assert len(admin.list_topics(timeout=10).topics[topic].partitions) == 1, "existing topic was changed"


@pytest.mark.tansu_fault("accepts any topic name")
@pytest.mark.parametrize("name", ["bad name!", "..", ".", "a" * 250, "slash/topic", "ümlaut"],
                         ids=["space", "dotdot", "dot", "too-long", "slash", "non-ascii"])
def test_create_invalid_topic_name_fails(broker, name):
    admin = ck_admin(broker)
    assert error_code(admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])[name]) \
        == KafkaError.TOPIC_EXCEPTION
    assert name not in topic_names(broker)


@pytest.mark.tansu_fault("accepts 0 partitions")
def test_create_zero_partitions_fails(broker, topic):
    admin = ck_admin(broker)
    assert error_code(admin.create_topics([NewTopic(topic, num_partitions=0, replication_factor=1)])[topic]) \
        == KafkaError.INVALID_PARTITIONS
    assert topic not in topic_names(broker)


@pytest.mark.tansu_fault("accepts a replication factor above the broker count")
def test_create_replication_factor_above_broker_count_fails(broker, topic):
    admin = ck_admin(broker)
    assert error_code(admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=3)])[topic]) \
        == KafkaError.INVALID_REPLICATION_FACTOR
    assert topic not in topic_names(broker)


def test_delete_topic_then_unknown_and_recreate_empty(broker, topic):
    create_topic(broker, topic, partitions=1)
    produce_confluent(broker, topic, [Rec(b"k", b"old-%d" % i) for i in range(5)])
    admin = ck_admin(broker)
    assert error_code(admin.delete_topics([topic], operation_timeout=TIMEOUT_S)[topic]) is None
    assert topic not in topic_names(broker)
    assert error_code(admin.delete_topics([topic], operation_timeout=TIMEOUT_S)[topic]) \
        == KafkaError.UNKNOWN_TOPIC_OR_PART
    # Re-created under the same name, the topic starts empty: the old records are gone.
    create_topic(broker, topic, partitions=1)
    assert produce_confluent(broker, topic, [Rec(b"k", b"new")]) == [0]
    got = consume_confluent(broker, topic, 1)
    assert [(r.offset, r.value) for r in got] == [(0, b"new")]


def test_delete_unknown_topic_fails(broker, topic):
    admin = ck_admin(broker)  # kept in a variable: a collected AdminClient fails its futures
    assert error_code(admin.delete_topics([topic], operation_timeout=TIMEOUT_S)[topic]) \
        == KafkaError.UNKNOWN_TOPIC_OR_PART


@pytest.mark.tansu_fault("no CreatePartitions")
def test_create_partitions_grow_then_shrink_fails(broker, topic):
    create_topic(broker, topic, partitions=1)
    admin = ck_admin(broker)
    assert error_code(admin.create_partitions([NewPartitions(topic, 3)])[topic]) is None
    wait_for_topic(broker, topic, partitions=3)
    assert produce_confluent(broker, topic, [Rec(b"k", b"in new partition")], partition=2) == [0]
    for count in (2, 3):  # shrinking, and "growing" to the current count, are both refused
        assert error_code(admin.create_partitions([NewPartitions(topic, count)])[topic]) \
            == KafkaError.INVALID_PARTITIONS, f"new total {count}"
    assert len(admin.list_topics(timeout=10).topics[topic].partitions) == 3


@pytest.mark.tansu_fault("no CreatePartitions")
def test_create_partitions_validate_only_changes_nothing(broker, topic):
    create_topic(broker, topic, partitions=1)
    admin = ck_admin(broker)
    assert error_code(admin.create_partitions([NewPartitions(topic, 4)], validate_only=True)[topic]) is None
    assert len(admin.list_topics(timeout=10).topics[topic].partitions) == 1


@pytest.mark.tansu_fault("describes only the configs set at creation")
def test_describe_topic_configs_includes_defaults(broker, topic):
    create_topic(broker, topic, partitions=1, config={"retention.ms": "123456"})
    admin = ck_admin(broker)
    res = ConfigResource(ResourceType.TOPIC, topic)
    got = admin.describe_configs([res])[res].result(TIMEOUT_S)
    assert got["retention.ms"].value == "123456"
    assert not got["retention.ms"].is_default
    for key in ("cleanup.policy", "segment.bytes", "max.message.bytes", "retention.bytes"):
        assert key in got, f"{key} missing from {sorted(got)}"
    assert got["cleanup.policy"].value == "delete"


@pytest.mark.tansu_fault("describes no broker configs")
def test_describe_broker_configs(broker):
    admin = ck_admin(broker)
    res = ConfigResource(ResourceType.BROKER, str(only_broker_id(broker)))
    got = admin.describe_configs([res])[res].result(TIMEOUT_S)
    assert got["num.partitions"].value == "1"
    assert got["message.max.bytes"].value == "1048588"
    assert got["auto.create.topics.enable"].value == "true"


def test_describe_broker_configs_reflect_overrides(broker_factory):
    b = broker_factory({"num.partitions": "3", "message.max.bytes": "500000", "node.id": "7"})
    admin = ck_admin(b)
    assert only_broker_id(b) == 7
    res = ConfigResource(ResourceType.BROKER, "7")
    got = admin.describe_configs([res])[res].result(TIMEOUT_S)
    assert got["num.partitions"].value == "3"
    assert got["message.max.bytes"].value == "500000"


def test_metadata_lists_broker_and_topics(broker, topic_factory):
    a, b = topic_factory("a"), topic_factory("b")
    create_topic(broker, a, partitions=2)
    create_topic(broker, b, partitions=1)
    md = ck_admin(broker).list_topics(timeout=10)
    assert len(md.brokers) == 1
    (node,) = md.brokers.values()
    assert (node.host, node.port) == ("127.0.0.1", broker.port)
    assert md.controller_id == node.id
    assert {a, b} <= set(md.topics)
    assert sorted(md.topics[a].partitions) == [0, 1]
    assert sorted(md.topics[b].partitions) == [0]


@pytest.mark.tansu_fault("its node id is 111")
def test_default_node_id_is_1(broker):
    assert only_broker_id(broker) == 1
