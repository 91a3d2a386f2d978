"""Idempotent producers: no duplicates, no reordering, and the broker really tracks sequences.

Client level: confluent-kafka and kafka-python with enable.idempotence produce many small
batches with several in flight; every record comes back once, in order. The stored batches
must carry the producer id and consecutive base sequences. Wire level: a re-sent batch is
acknowledged again without being written twice; a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER.
Across restarts: the same holds after SIGTERM and after kill -9, because the broker rebuilds its
producer state from the log (and its producer snapshots).
"""

from __future__ import annotations

import time

import pytest
from confluent_kafka import Producer

import kafkawire as kw
from clients import Rec, ck_conf, consume_confluent, consume_kafka_python, create_topic, produce_confluent, \
    produce_kafka_python

N = 3000


def values(n: int) -> list[Rec]:
    return [Rec(b"k%d" % (i % 13), b"%06d" % i) for i in range(n)]


def assert_batches_sequenced(broker, topic: str, n: int) -> set[int]:
    """Stored batches: all with a producer id, base sequences running on from batch to batch
    (per producer id); returns the producer ids seen."""
    with kw.Connection(broker.host, broker.port) as conn:
        batches, hwm = kw.fetch_all(conn, topic)
    assert hwm == n
    next_seq: dict[int, int] = {}
    for b in batches:
        assert b.producer_id >= 0, f"batch at {b.base_offset} has no producer id"
        assert b.base_sequence == next_seq.get(b.producer_id, 0), \
            f"batch at {b.base_offset}: sequence {b.base_sequence}, expected {next_seq.get(b.producer_id, 0)}"
        next_seq[b.producer_id] = b.base_sequence + len(b.records)
    assert sum(len(b.records) for b in batches) == n
    return set(next_seq)


def test_confluent_idempotent_producer(broker, topic):
    create_topic(broker, topic, partitions=1)
    sent = values(N)
    offsets = produce_confluent(broker, topic, sent, **{
        "enable.idempotence": True, "acks": "all", "max.in.flight.requests.per.connection": 5,
        "linger.ms": 2, "batch.num.messages": 40, "compression.type": "none"})
    assert offsets == list(range(N))
    got = consume_confluent(broker, topic, N)
    assert [r.value for r in got] == [r.value for r in sent]
    assert [r.offset for r in got] == list(range(N))
    assert len(assert_batches_sequenced(broker, topic, N)) == 1


def test_kafka_python_idempotent_producer(broker, topic):
    create_topic(broker, topic, partitions=1)
    sent = values(N)
    offsets = produce_kafka_python(broker, topic, sent, enable_idempotence=True, acks="all",
                                   max_in_flight_requests_per_connection=5, linger_ms=2, batch_size=2048)
    assert offsets == list(range(N))
    got = consume_kafka_python(broker, topic, N)
    assert [r.value for r in got] == [r.value for r in sent]
    assert [r.offset for r in got] == list(range(N))
    assert len(assert_batches_sequenced(broker, topic, N)) == 1


def test_two_idempotent_sessions_get_distinct_producer_ids(broker, topic):
    create_topic(broker, topic, partitions=1)
    produce_kafka_python(broker, topic, values(50), enable_idempotence=True)
    produce_confluent(broker, topic, values(50), **{"enable.idempotence": True, "compression.type": "none"})
    assert len(assert_batches_sequenced(broker, topic, 100)) == 2


@pytest.fixture
def producer_session(broker, topic):
    """A wire connection with a fresh producer id for a new one-partition topic."""
    create_topic(broker, topic, partitions=1)
    conn = kw.Connection(broker.host, broker.port)
    err, pid, epoch = kw.init_producer_id(conn)
    assert err == kw.ERR_NONE and pid >= 0 and epoch >= 0, (err, pid, epoch)
    yield conn, pid, epoch
    conn.close()


def produce_raw(conn, topic, batch) -> kw.ProduceResult:
    (res,) = kw.parse_produce_v3(conn.request(kw.API_PRODUCE, 3, kw.produce_v3_body(topic, 0, batch)))
    return res


def test_resent_batch_is_not_written_twice(broker, topic, producer_session):
    conn, pid, epoch = producer_session
    recs = [kw.RawRecord(b"k", b"first-%d" % i, timestamp_ms=1_700_000_000_000 + i) for i in range(3)]
    batch = kw.encode_batch(recs, producer_id=pid, producer_epoch=epoch, base_sequence=0)
    first = produce_raw(conn, topic, batch)
    assert (first.error_code, first.base_offset) == (kw.ERR_NONE, 0)
    again = produce_raw(conn, topic, batch)  # e.g. the acknowledgement was lost and the client retried
    assert again.error_code in (kw.ERR_NONE, kw.ERR_DUPLICATE_SEQUENCE_NUMBER), again
    if again.error_code == kw.ERR_NONE:
        assert again.base_offset == 0, "a duplicate must be acknowledged at its original offset"
    nxt = kw.encode_batch([kw.RawRecord(b"k", b"second", timestamp_ms=1_700_000_000_100)],
                          producer_id=pid, producer_epoch=epoch, base_sequence=3)
    res = produce_raw(conn, topic, nxt)
    assert (res.error_code, res.base_offset) == (kw.ERR_NONE, 3)
    batches, hwm = kw.fetch_all(conn, topic)
    assert hwm == 4
    assert [r.value for b in batches for r in b.records] == [b"first-0", b"first-1", b"first-2", b"second"]


def test_sequence_gap_is_out_of_order(broker, topic, producer_session):
    conn, pid, epoch = producer_session
    ok = kw.encode_batch([kw.RawRecord(b"k", b"a", timestamp_ms=1_700_000_000_000)],
                         producer_id=pid, producer_epoch=epoch, base_sequence=0)
    assert produce_raw(conn, topic, ok).error_code == kw.ERR_NONE
    gap = kw.encode_batch([kw.RawRecord(b"k", b"b", timestamp_ms=1_700_000_000_001)],
                          producer_id=pid, producer_epoch=epoch, base_sequence=5)
    assert produce_raw(conn, topic, gap).error_code == kw.ERR_OUT_OF_ORDER_SEQUENCE_NUMBER
    _, hwm = kw.fetch_all(conn, topic)
    assert hwm == 1, "the out-of-order batch must not be written"


# ---------------------------------------------------------------- across restarts

@pytest.mark.parametrize("how", ["sigterm", "kill9"])
def test_resent_batch_after_a_restart_is_not_written_twice(fresh_broker, topic, how):
    """The producer state is rebuilt from the log: after a clean restart (from the snapshot written at
    shutdown) and after kill -9 (by scanning the log), batches re-sent with the same producer id, epoch
    and sequences are acknowledged at their first offsets and not stored again."""
    b = fresh_broker
    create_topic(b, topic, partitions=1)
    with kw.Connection(b.host, b.port) as conn:
        err, pid, epoch = kw.init_producer_id(conn)
        assert err == kw.ERR_NONE
        sent = []
        for i in range(7):
            recs = [kw.RawRecord(b"k", b"r%d-%d" % (i, j), timestamp_ms=1_700_000_000_000 + 3 * i + j) for j in range(3)]
            sent.append(kw.encode_batch(recs, producer_id=pid, producer_epoch=epoch, base_sequence=3 * i))
            res = produce_raw(conn, topic, sent[-1])
            assert (res.error_code, res.base_offset) == (kw.ERR_NONE, 3 * i)
    if how == "kill9":
        b.kill9()
    else:
        assert b.stop() == 0
    b.start()
    with kw.Connection(b.host, b.port) as conn:
        for i in range(2, 7):  # the last five batches, as Kafka keeps them
            res = produce_raw(conn, topic, sent[i])
            assert res.error_code in (kw.ERR_NONE, kw.ERR_DUPLICATE_SEQUENCE_NUMBER), (i, res)
            if res.error_code == kw.ERR_NONE:
                assert res.base_offset == 3 * i, f"batch {i} re-sent after the restart answered at {res.base_offset}"
        gap = kw.encode_batch([kw.RawRecord(b"k", b"gap", timestamp_ms=1_700_000_001_000)],
                              producer_id=pid, producer_epoch=epoch, base_sequence=30)
        assert produce_raw(conn, topic, gap).error_code == kw.ERR_OUT_OF_ORDER_SEQUENCE_NUMBER
        nxt = kw.encode_batch([kw.RawRecord(b"k", b"next", timestamp_ms=1_700_000_001_000)],
                              producer_id=pid, producer_epoch=epoch, base_sequence=21)
        res = produce_raw(conn, topic, nxt)
        assert (res.error_code, res.base_offset) == (kw.ERR_NONE, 21)
        batches, hwm = kw.fetch_all(conn, topic)
    assert hwm == 22, "a re-sent batch was written again"
    assert [r.value for bt in batches for r in bt.records][-1] == b"next"


@pytest.mark.slow
def test_confluent_idempotent_producer_across_a_kill9(proxied_broker, topic):
    """confluent-kafka with enable.idempotence keeps producing while the broker is killed and restarted.
    The proxy loses the acknowledgements of batches the broker did write, from some point until after the
    restart, so the client must re-send batches the old broker stored, and only the rebuilt producer state
    can recognise them: every record ends up in the log exactly once, in order."""
    b, proxy = proxied_broker
    create_topic(b, topic, partitions=1)
    n = 6000
    acked: dict[bytes, int] = {}
    failed: list = []

    def on_delivery(err, msg):
        if err is None:
            acked[msg.value()] = msg.offset()
        else:
            failed.append(err)

    p = Producer(ck_conf(b, **{"enable.idempotence": True, "acks": "all", "linger.ms": 2,
                               "batch.num.messages": 50, "message.timeout.ms": 120000,
                               "compression.type": "none", "reconnect.backoff.ms": 50,
                               "reconnect.backoff.max.ms": 200}))
    def send(first: int, last: int) -> None:
        for i in range(first, last):
            while True:
                try:
                    p.produce(topic, key=b"k", value=b"rec-%06d" % i, partition=0, on_delivery=on_delivery)
                    break
                except BufferError:
                    p.poll(0.05)
            p.poll(0)

    def poll_until(condition, what: str) -> None:
        deadline = time.monotonic() + 20
        while not condition() and time.monotonic() < deadline:
            p.poll(0.05)
        assert condition(), what

    send(0, 2000)
    poll_until(lambda: len(acked) >= 1000, "the first records were not acknowledged")
    # From the next response on, acknowledgements are lost: the broker stores, the client never hears.
    proxy.drop_produce_responses(set(range(proxy.produce_responses + 1, proxy.produce_responses + 1_000_000)))
    send(2000, 4000)
    poll_until(lambda: proxy.dropped >= 3, "no acknowledgement was lost")
    b.kill9()
    proxy.drop_produce_responses(set())
    b.start()
    send(4000, n)
    assert p.flush(120) == 0, "producer did not settle every record"
    assert not failed, failed[:3]
    assert len(acked) == n
    got = consume_confluent(b, topic, n, timeout_s=60)
    values = [r.value for r in got]
    assert len(values) == n and len(set(values)) == n, "a record was stored twice"
    assert values == [b"rec-%06d" % i for i in range(n)], "records missing or out of order"
    assert [r.offset for r in got] == list(range(n))
    assert all(acked[v] == o for v, o in zip(values, range(n))), "a record acknowledged at another offset"
