"""Bad input at the socket level, sent with raw Python sockets.

What Kafka does: a frame longer than socket.request.max.bytes, a negative length, bytes that are
not Kafka at all, a request it cannot parse and an unknown API key all end that connection and
nothing else; an ApiVersions request of a version it does not know gets an ApiVersions v0 answer
with UNSUPPORTED_VERSION (35) and the supported ranges; a batch with a bad CRC is refused with
CORRUPT_MESSAGE (2) and a batch above message.max.bytes with MESSAGE_TOO_LARGE (10), neither
written. After each case the broker still serves a normal client and has lost nothing.
"""

from __future__ import annotations

import random
import threading
import time

import pytest

import kafkawire as kw
from clients import Rec, consume_confluent, create_topic, produce_confluent

BEFORE = [Rec(b"k%d" % i, b"before-%d" % i) for i in range(5)]


@pytest.fixture
def served(fresh_broker, topic):
    """A fresh broker with a one-partition topic already holding BEFORE."""
    create_topic(fresh_broker, topic, partitions=1)
    assert produce_confluent(fresh_broker, topic, BEFORE) == list(range(len(BEFORE)))
    return fresh_broker, topic


def assert_still_serving(broker, topic: str, extra: list[Rec] = ()) -> None:
    """The process lives, a new connection gets ApiVersions, and a real client finds every record
    and appends at the next offset."""
    assert broker.alive(), f"broker died (exit code {broker.proc.returncode})"
    with kw.Connection(broker.host, broker.port) as conn:
        av = kw.parse_api_versions_v0(conn.request(kw.API_API_VERSIONS, 0, b""))
        assert av.error_code == kw.ERR_NONE
    expected = BEFORE + list(extra) + [Rec(b"k", b"after")]
    assert produce_confluent(broker, topic, expected[-1:]) == [len(expected) - 1]
    got = consume_confluent(broker, topic, len(expected))
    assert [(r.offset, r.key, r.value) for r in got] == [(i, r.key, r.value) for i, r in enumerate(expected)]


def assert_closed(conn: kw.Connection, timeout_s: float = 10.0) -> None:
    try:
        conn.wait_closed(timeout_s)
    except TimeoutError as e:
        raise AssertionError(f"broker kept the connection open: {e}") from None


def send_quietly(conn: kw.Connection, data: bytes) -> None:
    """Sends, tolerating the broker hanging up half way (that is one of the accepted outcomes)."""
    try:
        conn.send_raw(data)
    except kw.ConnectionClosed:
        pass


# ---------------------------------------------------------------- framing

@pytest.mark.tansu_fault("no request size limit: waits for the announced bytes")
def test_frame_above_default_request_limit_is_refused(served):
    broker, topic = served
    with kw.Connection(broker.host, broker.port) as conn:
        # 200 MB announced (> socket.request.max.bytes = 100 MB); the broker must not wait for it.
        send_quietly(conn, kw.int32(200 * 1024 * 1024) + b"\x00" * 1024)
        assert_closed(conn)
    assert_still_serving(broker, topic)


def test_frame_above_configured_request_limit_is_refused(broker_factory, topic):
    broker = broker_factory({"socket.request.max.bytes": "65536"})
    create_topic(broker, topic, partitions=1)
    assert produce_confluent(broker, topic, BEFORE) == list(range(len(BEFORE)))
    body = kw.request_header(kw.API_API_VERSIONS, 0, 1) + b"\x00" * 100_000  # 100 kB > 64 kB
    with kw.Connection(broker.host, broker.port) as conn:
        send_quietly(conn, kw.frame(body))
        assert_closed(conn)
    assert_still_serving(broker, topic)


def test_negative_frame_length_is_refused(served):
    broker, topic = served
    with kw.Connection(broker.host, broker.port) as conn:
        send_quietly(conn, kw.int32(-7) + b"\x00" * 16)
        assert_closed(conn)
    assert_still_serving(broker, topic)


@pytest.mark.tansu_fault("no request size limit: waits for the announced bytes")
@pytest.mark.parametrize("payload", [
    b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    bytes.fromhex("16030100c4010000c00303") + bytes(range(64)),  # a TLS ClientHello's first bytes
], ids=["http", "tls"])
def test_non_kafka_bytes_are_refused(served, payload):
    broker, topic = served
    with kw.Connection(broker.host, broker.port) as conn:
        send_quietly(conn, payload)
        assert_closed(conn)
    assert_still_serving(broker, topic)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_garbage_inside_a_well_framed_request_is_refused(served, seed):
    """A correct length around random bytes behind a known API key (Metadata v1) and a huge array count."""
    broker, topic = served
    rng = random.Random(seed)
    body = kw.request_header(kw.API_METADATA, 1, 42) + kw.int32(0x7FFFFFF0) + rng.randbytes(200)
    with kw.Connection(broker.host, broker.port) as conn:
        send_quietly(conn, kw.frame(body))
        assert_closed(conn)
    assert_still_serving(broker, topic)


def test_truncated_request_body_is_refused(served):
    """A Produce v3 frame whose length covers only half of its body."""
    broker, topic = served
    batch = kw.encode_batch([kw.RawRecord(b"k", b"never stored", timestamp_ms=1_700_000_000_000)])
    body = kw.request_header(kw.API_PRODUCE, 3, 9) + kw.produce_v3_body(topic, 0, batch)
    with kw.Connection(broker.host, broker.port) as conn:
        send_quietly(conn, kw.frame(body[: len(body) // 2]))
        assert_closed(conn)
    assert_still_serving(broker, topic)


def test_half_sent_frame_does_not_block_others(served):
    """One client stalls inside a frame, another hangs up mid-frame; everyone else is served."""
    broker, topic = served
    stalled = kw.Connection(broker.host, broker.port)
    try:
        stalled.send_raw(kw.int32(1000) + b"\x00\x12\x00\x00")  # 8 of 1004 bytes, then silence
        with kw.Connection(broker.host, broker.port) as quitter:
            quitter.send_raw(kw.int32(500) + b"\x00\x03")
        time.sleep(0.2)
        assert_still_serving(broker, topic)
    finally:
        stalled.close()


# ---------------------------------------------------------------- API keys and versions

@pytest.mark.parametrize("api_key", [9999, 0x7FFF, -5])
def test_unknown_api_key_gets_error_or_close(served, api_key):
    broker, topic = served
    with kw.Connection(broker.host, broker.port) as conn:
        corr = conn.send(api_key, 0, b"\x00" * 8)
        try:
            payload = conn.recv_frame(10)
        except kw.ConnectionClosed:
            payload = None  # Kafka's answer: it closes the connection
        if payload is not None:
            assert kw.Reader(payload).int32() == corr, "an answer must carry the request's correlation id"
    assert_still_serving(broker, topic)


@pytest.mark.tansu_fault("closes the connection on an unknown ApiVersions version")
def test_api_versions_unsupported_version_answers_v0(served):
    broker, topic = served
    with kw.Connection(broker.host, broker.port) as conn:
        # v99's body is unknown to the broker: it must answer in v0 without parsing it.
        r = conn.request(kw.API_API_VERSIONS, 99, b"\x07some future body", header_version=2)
        av = kw.parse_api_versions_v0(r)
        assert av.error_code == kw.ERR_UNSUPPORTED_VERSION
        assert r.remaining() == 0, "an ApiVersions v0 body has nothing after the ranges"
        lo, hi = av.ranges[kw.API_API_VERSIONS]
        assert lo == 0 and hi >= 3
        for key in (kw.API_PRODUCE, kw.API_FETCH, kw.API_METADATA):
            assert key in av.ranges, f"API {key} missing from the supported ranges"
        # the connection stays usable: the client retries with a version it now knows
        again = kw.parse_api_versions_v3(conn.request(kw.API_API_VERSIONS, 3, kw.api_versions_v3_body(),
                                                      header_version=2, response_header_version=0))
        assert again.error_code == kw.ERR_NONE
        assert again.ranges == av.ranges
    assert_still_serving(broker, topic)


def test_requests_pipelined_on_one_connection_are_answered_in_order(served):
    broker, topic = served
    with kw.Connection(broker.host, broker.port) as conn:
        sent = []
        for i in range(30):
            if i % 3 == 0:
                sent.append(conn.send(kw.API_API_VERSIONS, 0, b""))
            elif i % 3 == 1:
                sent.append(conn.send(kw.API_METADATA, 1, kw.int32(1) + kw.string(topic)))
            else:
                sent.append(conn.send(kw.API_FETCH, 4, kw.fetch_v4_body(topic, 0, 0, max_wait_ms=50)))
        got = [kw.Reader(conn.recv_frame(20)).int32() for _ in sent]
    assert got == sent
    assert_still_serving(broker, topic)


def test_many_connections_at_once(served):
    broker, topic = served
    conns = [kw.Connection(broker.host, broker.port) for _ in range(200)]
    try:
        for c in conns:
            c.send(kw.API_API_VERSIONS, 0, b"")
        for c in conns:
            assert kw.parse_api_versions_v0(kw.Reader(c.recv_frame(20)[4:])).error_code == kw.ERR_NONE
    finally:
        for c in conns:
            c.close()
    assert_still_serving(broker, topic)


# ---------------------------------------------------------------- produce payloads

def produce_raw(broker, topic, batch: bytes, partition: int = 0) -> kw.ProduceResult:
    with kw.Connection(broker.host, broker.port) as conn:
        (res,) = kw.parse_produce_v3(conn.request(kw.API_PRODUCE, 3, kw.produce_v3_body(topic, partition, batch)))
    return res


def test_hand_built_batch_is_accepted(served):
    """The control case for the two below: the same builder with a correct CRC is stored as sent."""
    broker, topic = served
    recs = [kw.RawRecord(b"raw-%d" % i, b"value-%d" % i, [("h", b"%d" % i)], 1_700_000_000_000 + i) for i in range(3)]
    res = produce_raw(broker, topic, kw.encode_batch(recs))
    assert (res.error_code, res.base_offset) == (kw.ERR_NONE, len(BEFORE))
    got = consume_confluent(broker, topic, len(BEFORE) + 3)[len(BEFORE):]
    assert [(r.key, r.value, r.headers, r.timestamp_ms) for r in got] == \
        [(r.key, r.value, r.headers, r.timestamp_ms) for r in recs]


@pytest.mark.tansu_fault("accepts a batch whose CRC is wrong")
def test_bad_crc_is_corrupt_message(served):
    broker, topic = served
    batch = kw.encode_batch([kw.RawRecord(b"k", b"corrupt", timestamp_ms=1_700_000_000_000)], corrupt_crc=True)
    assert produce_raw(broker, topic, batch).error_code == kw.ERR_CORRUPT_MESSAGE
    assert_still_serving(broker, topic)


@pytest.mark.tansu_fault("accepts a batch above message.max.bytes")
def test_batch_above_message_max_bytes_is_too_large(served):
    broker, topic = served
    big = kw.encode_batch([kw.RawRecord(b"k", b"x" * 1_200_000, timestamp_ms=1_700_000_000_000)])
    assert len(big) > 1_048_588  # the default message.max.bytes
    assert produce_raw(broker, topic, big).error_code == kw.ERR_MESSAGE_TOO_LARGE
    assert_still_serving(broker, topic)


def test_batch_above_configured_message_max_bytes_is_too_large(broker_factory, topic):
    broker = broker_factory({"message.max.bytes": "20000"})
    create_topic(broker, topic, partitions=1)
    assert produce_confluent(broker, topic, BEFORE) == list(range(len(BEFORE)))
    small = kw.encode_batch([kw.RawRecord(b"k", b"y" * 15_000, timestamp_ms=1_700_000_000_000)])
    big = kw.encode_batch([kw.RawRecord(b"k", b"z" * 30_000, timestamp_ms=1_700_000_000_001)])
    assert produce_raw(broker, topic, big).error_code == kw.ERR_MESSAGE_TOO_LARGE
    res = produce_raw(broker, topic, small)
    assert (res.error_code, res.base_offset) == (kw.ERR_NONE, len(BEFORE))
    assert_still_serving(broker, topic, extra=[Rec(b"k", b"y" * 15_000)])


@pytest.mark.tansu_fault("ignores the topic's max.message.bytes")
def test_batch_above_topic_max_message_bytes_is_too_large(fresh_broker, topic):
    create_topic(fresh_broker, topic, partitions=1, config={"max.message.bytes": "5000"})
    big = kw.encode_batch([kw.RawRecord(b"k", b"q" * 8000, timestamp_ms=1_700_000_000_000)])
    assert produce_raw(fresh_broker, topic, big).error_code == kw.ERR_MESSAGE_TOO_LARGE
    ok = kw.encode_batch([kw.RawRecord(b"k", b"q" * 1000, timestamp_ms=1_700_000_000_000)])
    assert produce_raw(fresh_broker, topic, ok).error_code == kw.ERR_NONE


@pytest.mark.tansu_fault("accepts produce to a partition that does not exist")
def test_produce_to_unknown_partition(served):
    broker, topic = served
    batch = kw.encode_batch([kw.RawRecord(b"k", b"nowhere", timestamp_ms=1_700_000_000_000)])
    assert produce_raw(broker, topic, batch, partition=7).error_code == kw.ERR_UNKNOWN_TOPIC_OR_PARTITION
    assert_still_serving(broker, topic)


def test_bad_input_does_not_disturb_a_concurrent_producer(served):
    """Garbage on other connections while a real client produces: every record arrives once, in order."""
    broker, topic = served
    stop = threading.Event()

    def vandal():
        rng = random.Random(99)
        while not stop.is_set():
            try:
                with kw.Connection(broker.host, broker.port, timeout_s=2) as c:
                    c.send_raw(kw.int32(rng.randrange(1 << 31)) + rng.randbytes(64))
                    c.wait_closed(0.2)
            except (OSError, TimeoutError, kw.ConnectionClosed):
                pass

    t = threading.Thread(target=vandal, daemon=True)
    t.start()
    try:
        extra = [Rec(b"c", b"concurrent-%d" % i) for i in range(500)]
        assert produce_confluent(broker, topic, extra, **{"linger.ms": 1}) == \
            list(range(len(BEFORE), len(BEFORE) + len(extra)))
    finally:
        stop.set()
        t.join(10)
    assert_still_serving(broker, topic, extra=extra)
