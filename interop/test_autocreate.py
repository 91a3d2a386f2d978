"""Topic auto-creation on produce (auto.create.topics.enable, num.partitions)."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError, Producer

from clients import (Rec, ck_admin, ck_conf, consume_confluent, create_topic, kp_admin, kp_producer,
                     produce_confluent, produce_kafka_python, wait_for_topic)


def listed(broker) -> set[str]:
    return set(ck_admin(broker).list_topics(timeout=10).topics)


def test_confluent_produce_autocreates_topic(broker, topic):
    sent = [Rec(b"k%d" % i, b"v%d" % i) for i in range(5)]
    assert produce_confluent(broker, topic, sent, partition=None) is not None
    wait_for_topic(broker, topic)
    assert topic in listed(broker)


def test_kafka_python_produce_autocreates_topic(broker, topic):
    offsets = produce_kafka_python(broker, topic, [Rec(b"k", b"v%d" % i) for i in range(5)], partition=0)
    assert offsets == [0, 1, 2, 3, 4]
    assert topic in listed(broker)


@pytest.mark.tansu_fault("auto-created topics get 4 partitions whatever num.partitions says")
def test_autocreated_topic_has_default_num_partitions(broker, topic):
    produce_confluent(broker, topic, [Rec(b"k", b"v")], partition=None)
    wait_for_topic(broker, topic)
    assert len(ck_admin(broker).list_topics(timeout=10).topics[topic].partitions) == 1


def test_autocreated_topic_follows_num_partitions_override(broker_factory, topic):
    b = broker_factory({"num.partitions": "3"})
    produce_confluent(b, topic, [Rec(b"k%d" % i, b"v") for i in range(10)], partition=None)
    wait_for_topic(b, topic, partitions=3)
    # an explicit create with the broker default (-1) follows it too
    admin = kp_admin(b)
    try:
        admin.create_topics([topic + "-explicit"], wait_for_metadata=True)
        (t,) = admin.describe_topics([topic + "-explicit"])
        assert len(t["partitions"]) == 3
    finally:
        admin.close()


def test_autocreate_disabled_confluent_produce_fails(broker_factory, topic):
    b = broker_factory({"auto.create.topics.enable": "false"})
    errors = []
    p = Producer(ck_conf(b, **{"message.timeout.ms": 5000, "topic.metadata.propagation.max.ms": 1000}))
    p.produce(topic, key=b"k", value=b"v", on_delivery=lambda err, msg: errors.append(err))
    assert p.flush(15) == 0
    assert len(errors) == 1 and errors[0] is not None, errors
    assert errors[0].code() in (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC), errors[0]
    assert topic not in listed(b)
    # Explicit creation still works when auto-creation is off.
    create_topic(b, topic, partitions=1)
    assert produce_confluent(b, topic, [Rec(b"k", b"v")]) == [0]
    assert [r.value for r in consume_confluent(b, topic, 1)] == [b"v"]


def test_autocreate_disabled_kafka_python_send_fails(broker_factory, topic):
    import kafka.errors as Errors
    b = broker_factory({"auto.create.topics.enable": "false"})
    p = kp_producer(b, max_block_ms=3000)
    try:
        with pytest.raises((Errors.KafkaTimeoutError, Errors.UnknownTopicOrPartitionError)):
            p.send(topic, key=b"k", value=b"v").get(timeout=10)
    finally:
        p.close(timeout=2)
    assert topic not in listed(b)
