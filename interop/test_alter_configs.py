"""Config changes through confluent-kafka's AdminClient: IncrementalAlterConfigs and AlterConfigs.

Kafka's answers: SET/DELETE change one topic or broker config and leave the rest; APPEND/SUBTRACT work on
list configs only (INVALID_CONFIG otherwise); an unknown name or a bad value is INVALID_CONFIG and changes
nothing; an unknown topic is UNKNOWN_TOPIC_OR_PARTITION; a broker config that cannot change live is refused
with INVALID_CONFIG; validate_only changes nothing; AlterConfigs replaces a resource's whole set. DescribeConfigs
then reports DYNAMIC_TOPIC_CONFIG / DYNAMIC_BROKER_CONFIG / DYNAMIC_DEFAULT_BROKER_CONFIG, the changes act at
once (max.message.bytes on produce) and a restart keeps them.
"""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, ConfigSource, ResourceType

from clients import ck_admin, ck_conf, create_topic

TIMEOUT_S = 20

pytestmark = pytest.mark.tansu_fault("config changes are not served the same way")


def error_of(future) -> KafkaError | None:
    try:
        future.result(TIMEOUT_S)
        return None
    except KafkaException as e:
        return e.args[0]


def incremental(broker, rtype, name, ops, validate_only=False) -> KafkaError | None:
    """Runs one IncrementalAlterConfigs for `ops` [(name, value, op)]; returns the resource's error or None."""
    res = ConfigResource(rtype, name, incremental_configs=[
        ConfigEntry(k, v, incremental_operation=op) for k, v, op in ops])
    admin = ck_admin(broker)  # held until the answer came: a dropped client cancels its requests
    futures = admin.incremental_alter_configs([res], validate_only=validate_only)
    (future,) = futures.values()
    return error_of(future)


def describe(broker, rtype, name) -> dict:
    res = ConfigResource(rtype, name)
    admin = ck_admin(broker)
    return admin.describe_configs([res])[res].result(TIMEOUT_S)


SET, DELETE, APPEND, SUBTRACT = (AlterConfigOpType.SET, AlterConfigOpType.DELETE, AlterConfigOpType.APPEND,
                                 AlterConfigOpType.SUBTRACT)
TOPIC, BROKER = ResourceType.TOPIC, ResourceType.BROKER


def produce_error(broker, topic, size) -> str | None:
    """Produces one record of `size` bytes; returns the delivery error's name or None."""
    p = Producer(ck_conf(broker, **{"message.timeout.ms": 10000, "message.max.bytes": 10_000_000}))
    errors: list = []
    p.produce(topic, value=b"x" * size, partition=0, on_delivery=lambda err, _m: errors.append(err))
    p.flush(15)
    assert len(errors) == 1
    return None if errors[0] is None else errors[0].name()


def test_incremental_set_and_delete_topic_configs(broker, topic):
    create_topic(broker, topic, config={"segment.ms": "600000"})
    assert incremental(broker, TOPIC, topic, [("retention.ms", "3600000", SET),
                                              ("max.message.bytes", "2000", SET)]) is None
    got = describe(broker, TOPIC, topic)
    assert (got["retention.ms"].value, got["retention.ms"].source) == ("3600000", ConfigSource.DYNAMIC_TOPIC_CONFIG.value)
    assert got["max.message.bytes"].value == "2000"
    assert got["segment.ms"].value == "600000", "a config not named stays as it was"
    # Live: the new max.message.bytes refuses a larger batch at once.
    assert produce_error(broker, topic, 5000) == "MSG_SIZE_TOO_LARGE"
    assert produce_error(broker, topic, 100) is None

    assert incremental(broker, TOPIC, topic, [("max.message.bytes", None, DELETE)]) is None
    got = describe(broker, TOPIC, topic)
    assert got["max.message.bytes"].value == "1048588"
    assert got["max.message.bytes"].source == ConfigSource.DEFAULT_CONFIG.value
    assert got["retention.ms"].value == "3600000"
    assert produce_error(broker, topic, 5000) is None


def test_append_and_subtract_on_a_list_config(broker, topic):
    create_topic(broker, topic)
    assert incremental(broker, TOPIC, topic, [("cleanup.policy", "compact", APPEND)]) is None
    assert describe(broker, TOPIC, topic)["cleanup.policy"].value == "delete,compact"
    assert incremental(broker, TOPIC, topic, [("cleanup.policy", "delete", SUBTRACT)]) is None
    assert describe(broker, TOPIC, topic)["cleanup.policy"].value == "compact"
    err = incremental(broker, TOPIC, topic, [("retention.ms", "5", APPEND)])
    assert err.code() == KafkaError.INVALID_CONFIG, err
    assert "append" in err.str()


@pytest.mark.parametrize("ops, code, names", [
    ([("no.such.config", "1", SET)], KafkaError.INVALID_CONFIG, "no.such.config"),
    ([("retention.ms", "soon", SET)], KafkaError.INVALID_CONFIG, "retention.ms"),
    ([("min.cleanable.dirty.ratio", "2", SET)], KafkaError.INVALID_CONFIG, "min.cleanable.dirty.ratio"),
])
def test_bad_topic_changes_are_refused_and_change_nothing(broker, topic, ops, code, names):
    create_topic(broker, topic)
    err = incremental(broker, TOPIC, topic, [("segment.ms", "1000", SET)] + ops)
    assert err is not None and err.code() == code, err
    assert names in err.str()
    got = describe(broker, TOPIC, topic)
    assert got["segment.ms"].source != ConfigSource.DYNAMIC_TOPIC_CONFIG.value, "nothing half-applied"


def test_unknown_topic_and_validate_only(broker, topic):
    err = incremental(broker, TOPIC, topic, [("retention.ms", "1000", SET)])
    assert err.code() == KafkaError.UNKNOWN_TOPIC_OR_PART, err
    create_topic(broker, topic)
    assert incremental(broker, TOPIC, topic, [("retention.ms", "1000", SET)], validate_only=True) is None
    assert describe(broker, TOPIC, topic)["retention.ms"].value == "604800000"
    err = incremental(broker, TOPIC, topic, [("retention.ms", "-7", SET)], validate_only=True)
    assert err.code() == KafkaError.INVALID_CONFIG, err


def test_broker_configs_per_broker(broker_factory, topic):
    # The cluster-default resource (empty name) is refused by confluent-kafka itself; the broker's tests and the
    # `kairos configs --entity-default` tests cover it.
    b = broker_factory({"log.retention.ms": "7200000"})
    create_topic(b, topic)
    got = describe(b, BROKER, "1")
    assert got["log.retention.ms"].source == ConfigSource.STATIC_BROKER_CONFIG.value
    assert not got["log.retention.ms"].is_read_only
    assert got["node.id"].is_read_only

    assert incremental(b, BROKER, "1", [("log.retention.ms", "3600000", SET), ("message.max.bytes", "3000", SET)]) is None
    got = describe(b, BROKER, "1")
    assert (got["log.retention.ms"].value, got["log.retention.ms"].source) == \
        ("3600000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
    topic_view = describe(b, TOPIC, topic)["retention.ms"]
    assert (topic_view.value, topic_view.source) == ("3600000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
    # message.max.bytes is the default of every topic's max.message.bytes, live.
    assert produce_error(b, topic, 8000) == "MSG_SIZE_TOO_LARGE"
    assert incremental(b, BROKER, "1", [("message.max.bytes", None, DELETE)]) is None
    assert produce_error(b, topic, 8000) is None

    # Restart: the dynamic configs come back from the metadata store.
    b.restart()
    got = describe(b, BROKER, "1")
    assert (got["log.retention.ms"].value, got["log.retention.ms"].source) == \
        ("3600000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)
    assert got["message.max.bytes"].source == ConfigSource.DEFAULT_CONFIG.value
    assert incremental(b, BROKER, "1", [("log.retention.ms", None, DELETE)]) is None
    got = describe(b, BROKER, "1")
    assert (got["log.retention.ms"].value, got["log.retention.ms"].source) == \
        ("7200000", ConfigSource.STATIC_BROKER_CONFIG.value)


def test_broker_configs_that_cannot_change_live_are_refused(broker):
    err = incremental(broker, BROKER, "1", [("num.partitions", "4", SET)])
    assert err.code() == KafkaError.INVALID_CONFIG, err
    assert "num.partitions" in err.str()
    assert describe(broker, BROKER, "1")["num.partitions"].value == "1"
    err = incremental(broker, BROKER, "1", [("log.retention.ms", "-9", SET)])
    assert err.code() == KafkaError.INVALID_CONFIG, err


def test_topic_changes_survive_a_restart(broker_factory, topic):
    b = broker_factory()
    create_topic(b, topic)
    assert incremental(b, TOPIC, topic, [("retention.ms", "123456", SET), ("cleanup.policy", "compact", SET)]) is None
    b.restart()
    got = describe(b, TOPIC, topic)
    assert got["retention.ms"].value == "123456"
    assert got["cleanup.policy"].value == "compact"
    assert got["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value


def test_legacy_alter_configs_replaces_the_whole_set(broker, topic):
    create_topic(broker, topic, config={"segment.ms": "600000", "retention.ms": "1000000"})
    res = ConfigResource(TOPIC, topic, set_config={"retention.ms": "2000000"})
    admin = ck_admin(broker)
    (future,) = admin.alter_configs([res]).values()
    assert error_of(future) is None
    got = describe(broker, TOPIC, topic)
    assert got["retention.ms"].value == "2000000"
    assert got["segment.ms"].source == ConfigSource.DEFAULT_CONFIG.value, "a config left out returns to its default"
    res = ConfigResource(TOPIC, topic, set_config={"retention.ms": "x"})
    (future,) = admin.alter_configs([res]).values()
    assert error_of(future).code() == KafkaError.INVALID_CONFIG
    assert describe(broker, TOPIC, topic)["retention.ms"].value == "2000000"
