"""A tiny, hand-written subset of the Kafka wire protocol for the socket-level tests.

Only what those tests need: framing, request headers v1/v2, ApiVersions v0/v3, Produce v3,
Fetch v4, CreateTopics v0 and RecordBatch v2 without compression. Everything is built with
`struct` so a test can corrupt any byte on purpose; nothing here is shared with Kairos.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field

import crc32c

API_PRODUCE = 0
API_FETCH = 1
API_METADATA = 3
API_API_VERSIONS = 18
API_CREATE_TOPICS = 19

ERR_NONE = 0
ERR_CORRUPT_MESSAGE = 2
ERR_UNKNOWN_TOPIC_OR_PARTITION = 3
ERR_MESSAGE_TOO_LARGE = 10
ERR_INVALID_TOPIC = 17
ERR_UNSUPPORTED_VERSION = 35
ERR_TOPIC_ALREADY_EXISTS = 36
ERR_INVALID_PARTITIONS = 37
ERR_INVALID_REPLICATION_FACTOR = 38


class ConnectionClosed(Exception):
    """The broker closed (or reset) the connection."""


# ---------------------------------------------------------------- primitives

def int8(v: int) -> bytes:
    return struct.pack(">b", v)


def int16(v: int) -> bytes:
    return struct.pack(">h", v)


def int32(v: int) -> bytes:
    return struct.pack(">i", v)


def int64(v: int) -> bytes:
    return struct.pack(">q", v)


def string(s: str | None) -> bytes:
    """Kafka STRING / NULLABLE_STRING: int16 length then UTF-8 bytes (-1 for null)."""
    if s is None:
        return int16(-1)
    raw = s.encode()
    return int16(len(raw)) + raw


def kbytes(b: bytes | None) -> bytes:
    """Kafka BYTES / NULLABLE_BYTES: int32 length then the bytes (-1 for null)."""
    if b is None:
        return int32(-1)
    return int32(len(b)) + b


def uvarint(v: int) -> bytes:
    out = bytearray()
    while True:
        byte = v & 0x7F
        v >>= 7
        if v:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def varint(v: int) -> bytes:
    """Zig-zag signed varint as used inside records."""
    return uvarint((v << 1) ^ (v >> 63))


def compact_string(s: str | None) -> bytes:
    if s is None:
        return uvarint(0)
    raw = s.encode()
    return uvarint(len(raw) + 1) + raw


class Reader:
    """Sequential big-endian reader over one response body; raises on short input."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError(f"short read: need {n} at {self.pos}, have {len(self.data)}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def int8(self) -> int:
        return struct.unpack(">b", self.take(1))[0]

    def int16(self) -> int:
        return struct.unpack(">h", self.take(2))[0]

    def int32(self) -> int:
        return struct.unpack(">i", self.take(4))[0]

    def uint32(self) -> int:
        return struct.unpack(">I", self.take(4))[0]

    def int64(self) -> int:
        return struct.unpack(">q", self.take(8))[0]

    def uvarint(self) -> int:
        shift = 0
        result = 0
        while True:
            b = self.take(1)[0]
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def varint(self) -> int:
        v = self.uvarint()
        return (v >> 1) ^ -(v & 1)

    def string(self) -> str | None:
        n = self.int16()
        return None if n < 0 else self.take(n).decode()

    def kbytes(self) -> bytes | None:
        n = self.int32()
        return None if n < 0 else self.take(n)

    def skip_tagged_fields(self) -> None:
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())

    def remaining(self) -> int:
        return len(self.data) - self.pos


# ---------------------------------------------------------------- framing and connection

def frame(payload: bytes) -> bytes:
    return int32(len(payload)) + payload


def request_header(api_key: int, api_version: int, correlation_id: int,
                   client_id: str | None = "interop-raw", header_version: int = 1) -> bytes:
    """Request header v1 (or v2: v1 plus an empty tagged-field section; client id keeps int16 length)."""
    head = int16(api_key) + int16(api_version) + int32(correlation_id) + string(client_id)
    if header_version >= 2:
        head += uvarint(0)
    return head


class Connection:
    """One blocking TCP connection speaking length-prefixed frames."""

    def __init__(self, host: str, port: int, timeout_s: float = 10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout_s)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout_s = timeout_s
        self.next_correlation_id = 1

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send_raw(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise ConnectionClosed(str(e)) from e

    def send(self, api_key: int, api_version: int, body: bytes, header_version: int = 1) -> int:
        corr = self.next_correlation_id
        self.next_correlation_id += 1
        self.send_raw(frame(request_header(api_key, api_version, corr, header_version=header_version) + body))
        return corr

    def _recv_exact(self, n: int, timeout_s: float) -> bytes:
        deadline = time.monotonic() + timeout_s
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no full response within {timeout_s}s ({len(buf)}/{n} bytes)")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(n - len(buf))
            except socket.timeout as e:
                raise TimeoutError(f"no full response within {timeout_s}s ({len(buf)}/{n} bytes)") from e
            except (ConnectionResetError, BrokenPipeError) as e:
                raise ConnectionClosed(str(e)) from e
            if not chunk:
                raise ConnectionClosed(f"EOF after {len(buf)}/{n} bytes")
            buf += chunk
        return bytes(buf)

    def recv_frame(self, timeout_s: float | None = None) -> bytes:
        """One response frame's payload (correlation id first)."""
        t = self.timeout_s if timeout_s is None else timeout_s
        start = time.monotonic()
        (size,) = struct.unpack(">i", self._recv_exact(4, t))
        if size < 4 or size > 256 * 1024 * 1024:
            raise ValueError(f"implausible response size {size}")
        return self._recv_exact(size, max(0.1, t - (time.monotonic() - start)))

    def request(self, api_key: int, api_version: int, body: bytes, header_version: int = 1,
                response_header_version: int = 0, timeout_s: float | None = None) -> Reader:
        corr = self.send(api_key, api_version, body, header_version)
        payload = self.recv_frame(timeout_s)
        r = Reader(payload)
        got = r.int32()
        if got != corr:
            raise ValueError(f"correlation id {got} != {corr}")
        if response_header_version >= 1:
            r.skip_tagged_fields()
        return r

    def wait_closed(self, timeout_s: float = 10.0) -> bytes:
        """Reads until the peer closes; returns whatever arrived first. Raises TimeoutError if still open."""
        deadline = time.monotonic() + timeout_s
        got = bytearray()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"connection still open after {timeout_s}s (received {len(got)} bytes)")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except (ConnectionResetError, BrokenPipeError):
                return bytes(got)
            if not chunk:
                return bytes(got)
            got += chunk


# ---------------------------------------------------------------- ApiVersions

@dataclass
class ApiVersions:
    error_code: int
    ranges: dict[int, tuple[int, int]]


def parse_api_versions_v0(r: Reader) -> ApiVersions:
    err = r.int16()
    ranges = {}
    for _ in range(r.int32()):
        key, lo, hi = r.int16(), r.int16(), r.int16()
        ranges[key] = (lo, hi)
    return ApiVersions(err, ranges)


def api_versions_v3_body(software: str = "interop-raw", version: str = "1.0") -> bytes:
    return compact_string(software) + compact_string(version) + uvarint(0)


def parse_api_versions_v3(r: Reader) -> ApiVersions:
    err = r.int16()
    ranges = {}
    for _ in range(r.uvarint() - 1):
        key, lo, hi = r.int16(), r.int16(), r.int16()
        r.skip_tagged_fields()
        ranges[key] = (lo, hi)
    r.int32()  # throttle
    r.skip_tagged_fields()
    return ApiVersions(err, ranges)


# ---------------------------------------------------------------- RecordBatch v2 (uncompressed)

@dataclass
class RawRecord:
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]] = field(default_factory=list)
    timestamp_ms: int = 0
    offset: int = -1


def encode_record(offset_delta: int, timestamp_delta: int, rec: RawRecord) -> bytes:
    body = int8(0) + varint(timestamp_delta) + varint(offset_delta)
    body += varint(-1) if rec.key is None else varint(len(rec.key)) + rec.key
    body += varint(-1) if rec.value is None else varint(len(rec.value)) + rec.value
    body += varint(len(rec.headers))
    for name, val in rec.headers:
        raw = name.encode()
        body += varint(len(raw)) + raw
        body += varint(-1) if val is None else varint(len(val)) + val
    return varint(len(body)) + body


def encode_batch(records: list[RawRecord], base_offset: int = 0, producer_id: int = -1,
                 producer_epoch: int = -1, base_sequence: int = -1, attributes: int = 0,
                 corrupt_crc: bool = False) -> bytes:
    """RecordBatch v2 with a correct CRC-32C (or a deliberately wrong one)."""
    assert records
    first_ts = records[0].timestamp_ms
    max_ts = max(r.timestamp_ms for r in records)
    recs = b"".join(encode_record(i, r.timestamp_ms - first_ts, r) for i, r in enumerate(records))
    after_crc = (int16(attributes) + int32(len(records) - 1) + int64(first_ts) + int64(max_ts)
                 + int64(producer_id) + int16(producer_epoch) + int32(base_sequence)
                 + int32(len(records)) + recs)
    crc = crc32c.crc32c(after_crc)
    if corrupt_crc:
        crc ^= 0xDEADBEEF
    tail = int32(0) + int8(2) + struct.pack(">I", crc) + after_crc  # partition leader epoch, magic, crc
    return int64(base_offset) + int32(len(tail)) + tail


@dataclass
class DecodedBatch:
    base_offset: int
    producer_id: int
    producer_epoch: int
    base_sequence: int
    attributes: int
    records: list[RawRecord]


def decode_batches(data: bytes) -> list[DecodedBatch]:
    """Decodes uncompressed v2 batches, checking each CRC; a trailing partial batch is ignored."""
    out = []
    r = Reader(data)
    while r.remaining() >= 12:
        base_offset = r.int64()
        length = r.int32()
        if r.remaining() < length:
            break
        b = Reader(r.take(length))
        b.int32()  # partition leader epoch
        magic = b.int8()
        if magic != 2:
            raise ValueError(f"magic {magic}")
        crc = b.uint32()
        rest = b.data[b.pos:]
        if crc32c.crc32c(rest) != crc:
            raise ValueError(f"bad CRC in batch at offset {base_offset}")
        attributes = b.int16()
        if attributes & 0x7:
            raise ValueError("compressed batch: decoder handles only uncompressed")
        b.int32()  # last offset delta
        first_ts = b.int64()
        b.int64()
        pid, epoch, seq = b.int64(), b.int16(), b.int32()
        recs = []
        for _ in range(b.int32()):
            b.varint()  # record length
            b.int8()
            ts_delta = b.varint()
            off_delta = b.varint()
            kl = b.varint()
            key = None if kl < 0 else b.take(kl)
            vl = b.varint()
            value = None if vl < 0 else b.take(vl)
            headers = []
            for _ in range(b.varint()):
                hn = b.take(b.varint()).decode()
                hl = b.varint()
                headers.append((hn, None if hl < 0 else b.take(hl)))
            recs.append(RawRecord(key, value, headers, first_ts + ts_delta, base_offset + off_delta))
        out.append(DecodedBatch(base_offset, pid, epoch, seq, attributes, recs))
    return out


# ---------------------------------------------------------------- Produce v3

def produce_v3_body(topic: str, partition: int, batch: bytes, acks: int = -1, timeout_ms: int = 10000) -> bytes:
    return (string(None) + int16(acks) + int32(timeout_ms)
            + int32(1) + string(topic) + int32(1) + int32(partition) + kbytes(batch))


@dataclass
class ProduceResult:
    topic: str
    partition: int
    error_code: int
    base_offset: int


def parse_produce_v3(r: Reader) -> list[ProduceResult]:
    out = []
    for _ in range(r.int32()):
        name = r.string()
        for _ in range(r.int32()):
            idx, err, base = r.int32(), r.int16(), r.int64()
            r.int64()  # log append time
            out.append(ProduceResult(name, idx, err, base))
    r.int32()  # throttle
    return out


# ---------------------------------------------------------------- Fetch v4

def fetch_v4_body(topic: str, partition: int, offset: int, max_wait_ms: int = 0, min_bytes: int = 1,
                  max_bytes: int = 50 * 1024 * 1024, partition_max_bytes: int = 10 * 1024 * 1024) -> bytes:
    return (int32(-1) + int32(max_wait_ms) + int32(min_bytes) + int32(max_bytes) + int8(0)
            + int32(1) + string(topic) + int32(1) + int32(partition) + int64(offset) + int32(partition_max_bytes))


@dataclass
class FetchResult:
    error_code: int
    high_watermark: int
    records: bytes


def parse_fetch_v4(r: Reader) -> FetchResult | None:
    """The single partition's result, or None when the response names no partition."""
    r.int32()  # throttle
    results = []
    for _ in range(r.int32()):
        r.string()
        for _ in range(r.int32()):
            r.int32()
            err, hwm = r.int16(), r.int64()
            r.int64()  # last stable offset
            n_aborted = r.int32()
            for _ in range(max(0, n_aborted)):
                r.int64()
                r.int64()
            results.append(FetchResult(err, hwm, r.kbytes() or b""))
    assert len(results) <= 1, results
    return results[0] if results else None


# ---------------------------------------------------------------- CreateTopics v0

def create_topics_v0_body(topic: str, partitions: int, replication: int = 1, timeout_ms: int = 10000) -> bytes:
    return (int32(1) + string(topic) + int32(partitions) + int16(replication)
            + int32(0) + int32(0) + int32(timeout_ms))


def parse_create_topics_v0(r: Reader) -> dict[str, int]:
    return {r.string(): r.int16() for _ in range(r.int32())}


# ---------------------------------------------------------------- InitProducerId v0 / v4

API_INIT_PRODUCER_ID = 22
ERR_OUT_OF_ORDER_SEQUENCE_NUMBER = 45
ERR_DUPLICATE_SEQUENCE_NUMBER = 46


def init_producer_id(conn: Connection, transaction_timeout_ms: int = 60000) -> tuple[int, int, int]:
    """(error code, producer id, producer epoch) for a new idempotent producer. Uses v4 (flexible,
    what current clients send) when the broker offers it, else v0."""
    ranges = parse_api_versions_v0(conn.request(API_API_VERSIONS, 0, b"")).ranges
    lo, hi = ranges.get(API_INIT_PRODUCER_ID, (0, -1))
    if lo <= 4 <= hi:
        body = uvarint(0) + int32(transaction_timeout_ms) + int64(-1) + int16(-1) + uvarint(0)
        r = conn.request(API_INIT_PRODUCER_ID, 4, body, header_version=2, response_header_version=1)
    else:
        r = conn.request(API_INIT_PRODUCER_ID, 0, string(None) + int32(transaction_timeout_ms))
    r.int32()  # throttle
    return r.int16(), r.int64(), r.int16()


def fetch_all(conn: Connection, topic: str, partition: int = 0, start: int = 0,
              timeout_s: float = 10.0) -> tuple[list[DecodedBatch], int]:
    """Every uncompressed batch from `start` up to the high watermark, and that watermark."""
    batches: list[DecodedBatch] = []
    offset = start
    deadline = time.monotonic() + timeout_s
    while True:
        # A short max wait: data that is there comes back at once either way.
        res = parse_fetch_v4(conn.request(API_FETCH, 4, fetch_v4_body(topic, partition, offset, max_wait_ms=100)))
        if res is None:
            if time.monotonic() > deadline:
                raise AssertionError("fetch responses name no partition")
            continue
        if res.error_code != ERR_NONE:
            raise AssertionError(f"fetch error {res.error_code}")
        got = [b for b in decode_batches(res.records) if b.records and b.records[-1].offset >= offset]
        batches += got
        if got:
            offset = got[-1].records[-1].offset + 1
        if offset >= res.high_watermark:
            return batches, res.high_watermark
        if time.monotonic() > deadline:
            raise AssertionError(f"fetch stalled at {offset} < high watermark {res.high_watermark}")
