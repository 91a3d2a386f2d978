"""The transaction admin APIs (KIP-664) against a confluent-kafka transactional producer.

DescribeProducers, ListTransactions and DescribeTransactions are sent with kafka-python's own encoders (the
installed confluent-kafka's admin client has no list_transactions, describe_transactions or describe_producers).
While librdkafka holds a transaction open, the broker reports it Ongoing with its partitions, timeout and the
offset its data starts at; after the commit it is CompleteCommit with no partitions and no open start offset.
"""

from __future__ import annotations

from confluent_kafka import Producer

from clients import ck_conf, create_topic, kp_admin

TRANSACTIONAL_ID_NOT_FOUND = 105
UNKNOWN_TOPIC_OR_PARTITION = 3


def send(broker, request):
    """Sends one kafka-python protocol request to the broker and returns the decoded response."""
    admin = kp_admin(broker)
    try:
        return admin._manager.run(admin._manager.send, request)
    finally:
        admin.close()


def describe_producers(broker, topic: str, partitions: list[int]):
    from kafka.protocol.admin import DescribeProducersRequest
    response = send(broker, DescribeProducersRequest[0](topics=[(topic, partitions)]))
    assert [t.name for t in response.topics] == [topic]
    return {p.partition_index: p for p in response.topics[0].partitions}


def list_transactions(broker, states=(), producer_ids=(), duration_ms=-1):
    """ListTransactions v1; returns (unknown state filters, {transactional id: (producer id, state)})."""
    from kafka.protocol.admin import ListTransactionsRequest
    response = send(broker, ListTransactionsRequest[1](
        state_filters=list(states), producer_id_filters=list(producer_ids), duration_filter=duration_ms))
    assert response.error_code == 0
    listed = {t.transactional_id: (t.producer_id, t.transaction_state) for t in response.transaction_states}
    return list(response.unknown_state_filters), listed


def describe_transactions(broker, ids: list[str]):
    from kafka.protocol.admin import DescribeTransactionsRequest
    response = send(broker, DescribeTransactionsRequest[0](transactional_ids=ids))
    return {t.transactional_id: t for t in response.transaction_states}


def test_admin_apis_follow_a_confluent_transaction(broker, topic):
    create_topic(broker, topic, partitions=2)
    tid = topic + "-txn"
    producer = Producer(ck_conf(broker, **{"transactional.id": tid, "transaction.timeout.ms": 45000}))
    producer.init_transactions(20)
    producer.begin_transaction()
    for i in range(5):
        producer.produce(topic, value=b"v%d" % i, partition=1)
    producer.flush(20)

    _, listed = list_transactions(broker)
    producer_id, state = listed[tid]
    assert state == "Ongoing"
    unknown, ongoing = list_transactions(broker, states=["Ongoing", "Frozen"], producer_ids=[producer_id])
    assert unknown == ["Frozen"]
    assert list(ongoing) == [tid]
    assert list_transactions(broker, states=["CompleteCommit"])[1].get(tid) is None
    assert list_transactions(broker, duration_ms=3_600_000)[1] == {}, "no transaction has run an hour"

    described = describe_transactions(broker, [tid, "no-such-id"])
    txn = described[tid]
    assert (txn.error_code, txn.transaction_state, txn.producer_id) == (0, "Ongoing", producer_id)
    assert txn.transaction_timeout_ms == 45000
    assert txn.transaction_start_time_ms > 0
    assert [(t.topic, list(t.partitions)) for t in txn.topics] == [(topic, [1])]
    assert described["no-such-id"].error_code == TRANSACTIONAL_ID_NOT_FOUND

    partitions = describe_producers(broker, topic, [0, 1, 9])
    assert partitions[0].error_code == 0 and list(partitions[0].active_producers) == []
    assert partitions[9].error_code == UNKNOWN_TOPIC_OR_PARTITION
    (active,) = partitions[1].active_producers
    assert (active.producer_id, active.producer_epoch) == (producer_id, txn.producer_epoch)
    assert active.last_sequence == 4
    assert active.current_txn_start_offset == 0
    assert active.last_timestamp > 0

    producer.commit_transaction(20)
    assert list_transactions(broker)[1][tid] == (producer_id, "CompleteCommit")
    after = describe_transactions(broker, [tid])[tid]
    assert (after.transaction_state, list(after.topics)) == ("CompleteCommit", [])
    (active,) = describe_producers(broker, topic, [1])[1].active_producers
    assert active.current_txn_start_offset == -1
