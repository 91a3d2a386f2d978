"""`kairos configs` (like kafka-configs.sh) against a running broker, checked with confluent-kafka's admin client.

Every flag: --entity-type/--entity-name, --topic, --broker, --entity-default, --describe [--all], --alter with
--add-config (lists in brackets) and --delete-config. Client quotas (--entity-type clients, users) are checked
with the broker's DescribeClientQuotas sent through kafka-python's encoders. Bad arguments and refused changes exit non-zero with a
message naming what was wrong, and change nothing.
"""

from __future__ import annotations

import subprocess

import pytest
from confluent_kafka.admin import ConfigResource, ConfigSource, ResourceType

import brokers
from clients import ck_admin, create_topic
from test_client_quotas import describe as describe_quotas

TIMEOUT_S = 20

pytestmark = pytest.mark.tansu_fault("runs the kairos binary's own tool")


def kairos_configs(broker, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([brokers.kairos_bin(), "configs", "--bootstrap-server", broker.bootstrap, *args],
                          capture_output=True, text=True, timeout=60)


def ok(broker, *args: str) -> str:
    result = kairos_configs(broker, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(broker, *args: str) -> str:
    result = kairos_configs(broker, *args)
    assert result.returncode != 0, result.stdout
    return result.stderr


def described(broker, rtype, name) -> dict:
    admin = ck_admin(broker)
    res = ConfigResource(rtype, name)
    return admin.describe_configs([res])[res].result(TIMEOUT_S)


def test_alter_and_describe_a_topic(broker, topic):
    create_topic(broker, topic)
    out = ok(broker, "--entity-type", "topics", "--entity-name", topic, "--alter",
             "--add-config", "retention.ms=3600000,cleanup.policy=[compact,delete]", "--add-config", "segment.ms=70000")
    assert f"Completed updating config for topic {topic}." in out
    got = described(broker, ResourceType.TOPIC, topic)
    assert got["retention.ms"].value == "3600000"
    assert got["cleanup.policy"].value == "compact,delete"
    assert got["segment.ms"].value == "70000"
    assert got["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value

    out = ok(broker, "--topic", topic, "--describe")
    assert out.splitlines()[0] == f"Dynamic configs for topic {topic} are:"
    lines = out.splitlines()[1:]
    assert len(lines) == 3, out
    assert any(l.startswith("  retention.ms=3600000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=3600000, "
                            "DEFAULT_CONFIG:log.retention.ms=604800000}") for l in lines), out

    out = ok(broker, "--topic", topic, "--describe", "--all")
    assert out.splitlines()[0] == f"All configs for topic {topic} are:"
    assert "  max.message.bytes=1048588 " in out
    assert len(out.splitlines()) - 1 == len(described(broker, ResourceType.TOPIC, topic))

    out = ok(broker, "--topic", topic, "--alter", "--delete-config", "segment.ms,cleanup.policy")
    got = described(broker, ResourceType.TOPIC, topic)
    assert got["segment.ms"].source == ConfigSource.DEFAULT_CONFIG.value
    assert got["cleanup.policy"].value == "delete"
    assert got["retention.ms"].value == "3600000"


def test_describe_every_topic_without_a_name(broker, topic_factory):
    a, b = topic_factory("a"), topic_factory("b")
    create_topic(broker, a)
    create_topic(broker, b, config={"retention.ms": "5000"})
    out = ok(broker, "--entity-type", "topics", "--describe")
    assert f"Dynamic configs for topic {a} are:" in out
    assert f"Dynamic configs for topic {b} are:\n  retention.ms=5000 " in out


def test_broker_and_cluster_default(broker_factory):
    b = broker_factory()
    out = ok(b, "--entity-type", "brokers", "--entity-default", "--alter", "--add-config", "log.retention.ms=7200000")
    assert "Completed updating config for default broker." in out
    got = described(b, ResourceType.BROKER, "1")
    assert (got["log.retention.ms"].value, got["log.retention.ms"].source) == \
        ("7200000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value)
    ok(b, "--broker", "1", "--alter", "--add-config", "log.retention.ms=3600000,message.max.bytes=2000000")
    got = described(b, ResourceType.BROKER, "1")
    assert (got["log.retention.ms"].value, got["log.retention.ms"].source) == \
        ("3600000", ConfigSource.DYNAMIC_BROKER_CONFIG.value)

    out = ok(b, "--entity-type", "brokers", "--entity-name", "1", "--describe")
    assert out.splitlines()[0] == "Dynamic configs for broker 1 are:"
    assert ("  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.retention.ms=3600000, "
            "DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=7200000, DEFAULT_CONFIG:log.retention.ms=604800000}") in out
    assert "  message.max.bytes=2000000 " in out
    out = ok(b, "--entity-type", "brokers", "--entity-default", "--describe")
    assert out.splitlines() == ["Dynamic configs for default broker are:",
                                "  log.retention.ms=7200000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:"
                                "log.retention.ms=7200000, DEFAULT_CONFIG:log.retention.ms=604800000}"]
    out = ok(b, "--entity-type", "brokers", "--describe")  # every broker
    assert "Dynamic configs for broker 1 are:" in out
    assert "num.partitions=1 " in ok(b, "--broker", "1", "--describe", "--all")

    ok(b, "--broker", "1", "--alter", "--delete-config", "log.retention.ms")
    got = described(b, ResourceType.BROKER, "1")
    assert got["log.retention.ms"].source == ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value
    b.restart()
    got = described(b, ResourceType.BROKER, "1")
    assert got["log.retention.ms"].value == "7200000"
    assert got["message.max.bytes"].value == "2000000"


@pytest.mark.parametrize("args, says", [
    (["--describe"], "--entity-type"),
    (["--entity-type", "tables", "--entity-name", "x", "--describe"], "tables"),
    (["--topic", "x", "--describe", "--alter"], "exactly one of --describe, --alter"),
    (["--topic", "x", "--alter"], "--add-config or --delete-config"),
    (["--topic", "x", "--alter", "--add-config", "retention.ms"], "is not key=value"),
    (["--topic", "x", "--alter", "--add-config", "cleanup.policy=[compact"], "unclosed"),
    (["--topic", "x", "--alter", "--add-config", "a=1", "--delete-config", "a"], "a is named twice"),
    (["--entity-type", "topics", "--alter", "--add-config", "a=1"], "--entity-name"),
    (["--entity-type", "topics", "--entity-default", "--describe"], "no --entity-default"),
    (["--broker", "one", "--describe"], "not a broker id"),
    (["--topic", "x", "--broker", "1", "--describe"], "--broker"),
    (["--topic", "x", "--describe", "--add-config", "a=1"], "go with --alter"),
    (["--entity-type", "clients", "--entity-name", "c1", "--alter", "--add-config", "producer_byte_rate=fast"],
     "producer_byte_rate=fast: the value is not a number"),
    (["--entity-type", "users", "--describe", "--all"], "--all goes with topics and brokers"),
    (["--entity-type", "clients", "--alter", "--add-config", "producer_byte_rate=1"], "--entity-name"),
])
def test_bad_arguments_give_a_clear_error(broker, args, says):
    err = refused(broker, *args)
    assert says in err, err


def test_refused_changes_change_nothing(broker, topic):
    create_topic(broker, topic, config={"retention.ms": "5000"})
    err = refused(broker, "--topic", topic, "--alter", "--add-config", "retention.ms=9000,retention.bytes=lots")
    assert "retention.bytes" in err and "INVALID_CONFIG" in err.upper().replace(" ", "_"), err
    err = refused(broker, "--topic", topic, "--alter", "--add-config", "no.such.thing=1")
    assert "no.such.thing" in err, err
    assert described(broker, ResourceType.TOPIC, topic)["retention.ms"].value == "5000"
    err = refused(broker, "--broker", "1", "--alter", "--add-config", "num.partitions=5")
    assert "Cannot update these configs dynamically: num.partitions" in err, err
    assert described(broker, ResourceType.BROKER, "1")["num.partitions"].value == "1"
    err = refused(broker, "--broker", "42", "--alter", "--add-config", "log.retention.ms=5")
    assert "no broker 42" in err, err
    err = refused(broker, "--topic", topic + "-missing", "--describe")
    assert "UNKNOWN_TOPIC_OR_PARTITION" in err.upper().replace(" ", "_") or "does not exist" in err, err


def test_set_describe_and_delete_client_quotas(broker):
    out = ok(broker, "--entity-type", "clients", "--entity-name", "cli-q1", "--alter",
             "--add-config", "producer_byte_rate=1048576,consumer_byte_rate=2097152", "--add-config", "request_percentage=25")
    assert out.strip() == "Completed updating config for client cli-q1."
    assert describe_quotas(broker, [("client-id", 0, "cli-q1")], strict=True) == (0, {"client-id=cli-q1": {
        "producer_byte_rate": 1048576.0, "consumer_byte_rate": 2097152.0, "request_percentage": 25.0}})

    out = ok(broker, "--entity-type", "clients", "--entity-name", "cli-q1", "--describe")
    assert out.splitlines() == ["Quota configs for client-id 'cli-q1' are consumer_byte_rate=2097152.0, "
                                "producer_byte_rate=1048576.0, request_percentage=25.0"]

    out = ok(broker, "--entity-type", "clients", "--entity-name", "cli-q1", "--alter",
             "--add-config", "producer_byte_rate=4096", "--delete-config", "consumer_byte_rate,request_percentage")
    assert describe_quotas(broker, [("client-id", 0, "cli-q1")], strict=True)[1] == {
        "client-id=cli-q1": {"producer_byte_rate": 4096.0}}

    ok(broker, "--entity-type", "clients", "--entity-name", "cli-q1", "--alter", "--delete-config", "producer_byte_rate")
    assert describe_quotas(broker, [("client-id", 0, "cli-q1")], strict=True)[1] == {}
    out = ok(broker, "--entity-type", "clients", "--entity-name", "cli-q1", "--describe")
    assert out.strip() == "No quota configs for client-id 'cli-q1'."


def test_default_and_user_quotas_and_describe_every_entity(broker):
    ok(broker, "--entity-type", "clients", "--entity-default", "--alter", "--add-config", "consumer_byte_rate=5000")
    ok(broker, "--entity-type", "users", "--entity-name", "alice", "--alter", "--add-config", "request_percentage=50")
    ok(broker, "--entity-type", "clients", "--entity-name", "cli-q2", "--alter", "--add-config", "producer_byte_rate=7000")
    code, quotas = describe_quotas(broker)
    assert code == 0
    assert quotas["client-id=<default>"] == {"consumer_byte_rate": 5000.0}
    assert quotas["user=alice"] == {"request_percentage": 50.0}

    out = ok(broker, "--entity-type", "clients", "--entity-default", "--describe")
    assert out.splitlines() == ["Quota configs for the default client-id are consumer_byte_rate=5000.0"]
    out = ok(broker, "--entity-type", "users", "--entity-name", "alice", "--describe")
    assert out.splitlines() == ["Quota configs for user-principal 'alice' are request_percentage=50.0"]
    every = ok(broker, "--entity-type", "clients", "--describe").splitlines()
    assert "Quota configs for the default client-id are consumer_byte_rate=5000.0" in every
    assert "Quota configs for client-id 'cli-q2' are producer_byte_rate=7000.0" in every
    assert not any("alice" in line for line in every), every

    ok(broker, "--entity-type", "clients", "--entity-default", "--alter", "--delete-config", "consumer_byte_rate")
    assert "client-id=<default>" not in describe_quotas(broker)[1]


@pytest.mark.parametrize("add, says", [
    ("producer_byte_rates=100", "unknown quota key producer_byte_rates"),
    ("producer_byte_rate=-1", "must not be negative"),
    ("consumer_byte_rate=10.5", "whole number"),
])
def test_refused_quota_changes_print_the_brokers_message_and_change_nothing(broker, add, says):
    ok(broker, "--entity-type", "clients", "--entity-name", "cli-q3", "--alter", "--add-config", "producer_byte_rate=3000")
    err = refused(broker, "--entity-type", "clients", "--entity-name", "cli-q3", "--alter",
                  "--add-config", add + ",request_percentage=10")
    assert says in err and "INVALID_REQUEST" in err.upper().replace(" ", "_"), err
    assert "client-id=cli-q3" in err, err
    assert describe_quotas(broker, [("client-id", 0, "cli-q3")], strict=True)[1] == {
        "client-id=cli-q3": {"producer_byte_rate": 3000.0}}
