"""Topic administration through kafka-python's KafkaAdminClient (pure Python, newest protocol versions).

Same Kafka answers as the confluent-kafka tests, seen through a second client that picks its
own request versions (CreateTopics v7, DeleteTopics v6, topic ids in responses...).
"""

from __future__ import annotations

import pytest
import kafka.errors as Errors
from kafka.admin import ConfigResource

from clients import Rec, consume_kafka_python, kp_admin, produce_kafka_python


@pytest.fixture
def admin(broker):
    a = kp_admin(broker)
    yield a
    a.close()


def spec(partitions: int, replication: int = 1, configs: dict | None = None) -> dict:
    return {"num_partitions": partitions, "replication_factor": replication, "configs": configs or {}}


def partition_count(admin, topic: str) -> int:
    (t,) = admin.describe_topics([topic])
    assert t["error_code"] == 0, t
    return len(t["partitions"])


def test_create_topic_and_describe(broker, admin, topic):
    res = admin.create_topics({topic: spec(2, configs={"retention.ms": "7200000"})}, wait_for_metadata=True)
    assert [(t["name"], t["error_code"]) for t in res["topics"]] == [(topic, 0)]
    assert topic in admin.list_topics()
    (t,) = admin.describe_topics([topic])
    assert sorted(p["partition_index"] for p in t["partitions"]) == [0, 1]
    cluster = admin.describe_cluster()
    (node,) = cluster["brokers"]
    assert (node["host"], node["port"]) == ("127.0.0.1", broker.port)
    assert cluster["controller_id"] == node["broker_id"]
    for p in t["partitions"]:
        assert p["leader_id"] == node["broker_id"]
        assert p["replica_nodes"] == [node["broker_id"]]
    got = admin.describe_configs([ConfigResource("TOPIC", topic)], config_filter="all")
    assert got["topic"][topic]["retention.ms"]["value"] == "7200000"


def test_create_existing_topic_fails(admin, topic):
    admin.create_topics({topic: spec(1)}, wait_for_metadata=True)
    with pytest.raises(Errors.TopicAlreadyExistsError):
        admin.create_topics({topic: spec(3)})
    assert partition_count(admin, topic) == 1


@pytest.mark.tansu_fault("validate_only creates the topic")
def test_create_validate_only_creates_nothing(admin, topic):
    res = admin.create_topics({topic: spec(2)}, validate_only=True)
    assert [(t["name"], t["error_code"]) for t in res["topics"]] == [(topic, 0)]
    assert topic not in admin.list_topics()


@pytest.mark.tansu_fault("accepts any topic name")
@pytest.mark.parametrize("name", ["with space", "..", "x" * 250], ids=["space", "dotdot", "too-long"])
def test_create_invalid_topic_name_fails(admin, name):
    with pytest.raises(Errors.InvalidTopicError):
        admin.create_topics({name: spec(1)})
    assert name not in admin.list_topics()


@pytest.mark.tansu_fault("accepts 0 partitions")
def test_create_zero_partitions_fails(admin, topic):
    with pytest.raises(Errors.InvalidPartitionsError):
        admin.create_topics({topic: spec(0)})
    assert topic not in admin.list_topics()


@pytest.mark.tansu_fault("accepts a replication factor above the broker count")
def test_create_replication_factor_above_broker_count_fails(admin, topic):
    with pytest.raises(Errors.InvalidReplicationFactorError):
        admin.create_topics({topic: spec(1, replication=2)})
    assert topic not in admin.list_topics()


def test_create_with_broker_defaults(admin, topic):
    """num_partitions = replication_factor = -1 (CreateTopics v4+) means 'use the broker defaults'."""
    admin.create_topics([topic], wait_for_metadata=True)
    assert partition_count(admin, topic) >= 1


def test_delete_topic_then_unknown(broker, admin, topic):
    admin.create_topics({topic: spec(1)}, wait_for_metadata=True)
    assert produce_kafka_python(broker, topic, [Rec(b"k", b"v%d" % i) for i in range(3)]) == [0, 1, 2]
    admin.delete_topics([topic])
    assert topic not in admin.list_topics()
    with pytest.raises(Errors.UnknownTopicOrPartitionError):
        admin.delete_topics([topic])
    admin.create_topics({topic: spec(1)}, wait_for_metadata=True)
    assert produce_kafka_python(broker, topic, [Rec(b"k", b"fresh")]) == [0]
    assert [r.value for r in consume_kafka_python(broker, topic, 1)] == [b"fresh"]


@pytest.mark.tansu_fault("no CreatePartitions")
def test_create_partitions_grow_then_shrink_fails(admin, topic):
    admin.create_topics({topic: spec(2)}, wait_for_metadata=True)
    admin.create_partitions({topic: 5})
    admin.wait_for_topics([topic])
    assert partition_count(admin, topic) == 5
    with pytest.raises(Errors.InvalidPartitionsError):
        admin.create_partitions({topic: 3})
    assert partition_count(admin, topic) == 5


@pytest.mark.tansu_fault("no CreatePartitions")
def test_create_partitions_of_unknown_topic_fails(admin, topic):
    with pytest.raises(Errors.UnknownTopicOrPartitionError):
        admin.create_partitions({topic: 2})


@pytest.mark.tansu_fault("describes no broker configs")
def test_describe_broker_configs(admin):
    (node,) = admin.describe_cluster()["brokers"]
    name = str(node["broker_id"])
    got = admin.describe_configs([ConfigResource("BROKER", name)], config_filter="all")["broker"][name]
    assert got["num.partitions"]["value"] == "1"
    assert got["message.max.bytes"]["value"] == "1048588"
    assert got["log.dirs"]["value"]
