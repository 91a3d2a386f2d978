"""The Swift consumer in consumer groups (through `kairos consume --group`), with librdkafka.

Needs a broker with group coordination: Kairos, or Tansu with INTEROP_BROKER=tansu. Offsets the Swift consumer commits are the ones confluent-kafka resumes from.
"""

from __future__ import annotations

from confluent_kafka import Consumer, TopicPartition

from clients import Rec, ck_conf, create_topic, group_id, produce_confluent
from test_swift_client import kairos, ok


def test_swift_group_consumer_commits_where_librdkafka_resumes(broker, topic):
    create_topic(broker, topic, partitions=1)
    # One record per request: Tansu's high watermark counts batches (a known Tansu fault).
    for i in range(20):
        produce_confluent(broker, topic, [Rec(None, f"g{i}".encode())])
    group = group_id()
    out = ok(kairos("consume", "--bootstrap-server", broker.bootstrap, "--topic", topic, "--group", group,
                    "--from-beginning", "--max-messages", "8", "--consumer-property", "session.timeout.ms=6000",
                    "--timeout-ms", "30000"))
    assert out.splitlines() == [f"g{i}" for i in range(8)]
    c = Consumer(ck_conf(broker, **{"group.id": group, "enable.auto.commit": False}))
    try:
        committed = c.committed([TopicPartition(topic, 0)], timeout=20)
        assert committed[0].offset == 8
    finally:
        c.close()
    # The next Swift member of the group resumes at the commit.
    out = ok(kairos("consume", "--bootstrap-server", broker.bootstrap, "--topic", topic, "--group", group,
                    "--max-messages", "12", "--consumer-property", "session.timeout.ms=6000", "--timeout-ms", "30000"))
    assert out.splitlines() == [f"g{i}" for i in range(8, 20)]
