"""Thin helpers that drive the real clients (confluent-kafka, kafka-python, kcat) the same way.

Each producer helper returns the offset every record was acknowledged at; each consumer helper
returns `Rec`s read back from one partition. Tests then compare field by field.
"""

from __future__ import annotations

import json
import logging
import random
import subprocess
import time
import uuid
from dataclasses import dataclass, field, replace

import brokers

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
T0_MS = 1_700_000_000_000  # explicit CreateTime timestamps start here (Nov 2023)


@dataclass
class Rec:
    """One record as the tests see it; `offset`/`timestamp_type` are filled in by consumers."""
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]] = field(default_factory=list)
    timestamp_ms: int | None = None
    offset: int = -1
    timestamp_type: str | None = None  # "create" | "append"


def sample_records(bulk: int = 200, seed: int = 7, null_header: bool = True) -> list[Rec]:
    """Edge cases first (null key, null value, empty bytes, repeated/null/binary headers, a 200 kB
    value), then `bulk` ordinary keyed records; all with explicit, distinct timestamps.
    kafka-python cannot send a header with a null value: it passes `null_header=False`."""
    rng = random.Random(seed)
    big = bytes(rng.choice(b"abcdefghij0123456789 ") for _ in range(200_000))
    edge = [
        Rec(b"key-1", b"value-1", [("h1", b"x")]),
        Rec(None, b"null key"),
        Rec(b"tombstone", None),
        Rec(b"", b""),
        Rec(b"multi", b"headers", [("a", b"1"), ("a", b"2"), ("empty", b"")] + ([("null", None)] if null_header else [])),
        Rec(bytes(range(256)), bytes(range(256)) * 4, [("bin", bytes(range(256)))]),
        Rec("ключ-ü".encode(), "значение ✓".encode(), [("ユニコード", "値".encode())]),
        Rec(b"big", big),
    ]
    bulk_recs = [Rec(f"k{i % 7}".encode(), f"v{i}-".encode() + rng.randbytes(rng.randrange(0, 300)),
                     [("i", str(i).encode())] if i % 3 == 0 else [])
                 for i in range(bulk)]
    out = edge + bulk_recs
    return [replace(r, timestamp_ms=T0_MS + 1000 * i) for i, r in enumerate(out)]


def assert_same_records(got: list[Rec], sent: list[Rec], first_offset: int = 0,
                        check_timestamps: bool = True) -> None:
    """Every field equal, in order, offsets contiguous from `first_offset`."""
    assert len(got) == len(sent), f"read {len(got)} records, produced {len(sent)}"
    assert [r.offset for r in got] == list(range(first_offset, first_offset + len(sent))), \
        "offsets not contiguous"
    for i, (g, s) in enumerate(zip(got, sent)):
        where = f"record #{i} (offset {g.offset})"
        assert g.key == s.key, f"{where}: key {g.key!r:.80} != {s.key!r:.80}"
        assert g.value == s.value, f"{where}: value {g.value!r:.80} != {s.value!r:.80}"
        assert list(g.headers) == list(s.headers), f"{where}: headers {g.headers!r} != {s.headers!r}"
        if check_timestamps and s.timestamp_ms is not None:
            assert g.timestamp_type == "create", f"{where}: timestamp type {g.timestamp_type}"
            assert g.timestamp_ms == s.timestamp_ms, f"{where}: timestamp {g.timestamp_ms} != {s.timestamp_ms}"


def group_id() -> str:
    return f"interop-{uuid.uuid4().hex[:10]}"


# ---------------------------------------------------------------- confluent-kafka (librdkafka)

LIBRDKAFKA_LOG = logging.getLogger("librdkafka")


def ck_conf(broker, **extra) -> dict:
    # librdkafka's own log goes through Python logging, so pytest shows it only for failing tests.
    conf = {"bootstrap.servers": broker.bootstrap, "client.id": "interop-ck", "logger": LIBRDKAFKA_LOG}
    conf.update(extra)
    return conf


def produce_confluent(broker, topic: str, records: list[Rec], partition: int | None = 0,
                      timeout_s: float = 30, **conf) -> list[int]:
    """Produces in order and flushes; returns each record's acknowledged offset. Raises on any error."""
    from confluent_kafka import Producer
    p = Producer(ck_conf(broker, **{"message.timeout.ms": int(timeout_s * 1000) - 1000, **conf}))
    offsets: list[int | None] = [None] * len(records)
    errors: list[str] = []

    def report(i):
        def cb(err, msg):
            if err is not None:
                errors.append(f"record {i}: {err}")
            else:
                offsets[i] = msg.offset()
        return cb

    for i, r in enumerate(records):
        kwargs = {"key": r.key, "value": r.value, "on_delivery": report(i)}
        if partition is not None:
            kwargs["partition"] = partition
        if r.headers:
            kwargs["headers"] = list(r.headers)
        if r.timestamp_ms is not None:
            kwargs["timestamp"] = r.timestamp_ms
        while True:
            try:
                p.produce(topic, **kwargs)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    left = p.flush(timeout_s)
    assert left == 0, f"{left} records still undelivered after {timeout_s}s; errors: {errors[:5]}"
    assert not errors, f"delivery errors: {errors[:5]}"
    return offsets  # type: ignore[return-value]


def consume_confluent(broker, topic: str, count: int, partition: int = 0, start_offset: int | None = None,
                      timeout_s: float = 30, linger_s: float = 0.3, **conf) -> list[Rec]:
    """Reads `count` records from the partition (from the beginning unless `start_offset`), then keeps
    polling `linger_s` more so that surplus records (duplicates) would show up too."""
    from confluent_kafka import OFFSET_BEGINNING, TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME, \
        Consumer, TopicPartition
    c = Consumer(ck_conf(broker, **{"group.id": group_id(), "enable.auto.commit": False, **conf}))
    try:
        c.assign([TopicPartition(topic, partition, OFFSET_BEGINNING if start_offset is None else start_offset)])
        out: list[Rec] = []
        deadline = time.monotonic() + timeout_s
        linger_until = None
        while time.monotonic() < deadline:
            if len(out) >= count:
                linger_until = linger_until or time.monotonic() + linger_s
                if time.monotonic() >= linger_until:
                    break
            for m in c.consume(max(1, count - len(out)), 0.2):
                if m.error():
                    raise AssertionError(f"consume error: {m.error()}")
                ts_type, ts = m.timestamp()
                kind = {TIMESTAMP_CREATE_TIME: "create", TIMESTAMP_LOG_APPEND_TIME: "append"}.get(ts_type)
                out.append(Rec(m.key(), m.value(), list(m.headers() or []), ts, m.offset(), kind))
        return out
    finally:
        c.close()


def ck_admin(broker, **conf):
    from confluent_kafka.admin import AdminClient
    return AdminClient(ck_conf(broker, **conf))


def create_topic(broker, name: str, partitions: int = 1, config: dict | None = None, timeout_s: float = 20):
    """Creates a topic through confluent-kafka's AdminClient and waits for it to have leaders."""
    from confluent_kafka.admin import NewTopic
    admin = ck_admin(broker)
    fut = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1,
                                        config=config or {})], operation_timeout=timeout_s)[name]
    fut.result(timeout_s)
    wait_for_topic(broker, name, partitions, timeout_s)


def wait_for_topic(broker, name: str, partitions: int | None = None, timeout_s: float = 20) -> None:
    admin = ck_admin(broker)
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        md = admin.list_topics(timeout=5)
        t = md.topics.get(name)
        if t is not None and t.error is None and t.partitions and all(p.leader >= 0 for p in t.partitions.values()):
            if partitions is None or len(t.partitions) == partitions:
                return
        last = t
        time.sleep(0.1)
    raise AssertionError(f"topic {name} not ready with {partitions} partitions: {last}")


# ---------------------------------------------------------------- kafka-python (pure Python)

def kp_producer(broker, **conf):
    from kafka import KafkaProducer
    return KafkaProducer(bootstrap_servers=broker.bootstrap, client_id="interop-kp", **conf)


def produce_kafka_python(broker, topic: str, records: list[Rec], partition: int | None = 0,
                         timeout_s: float = 30, **conf) -> list[int]:
    p = kp_producer(broker, **conf)
    try:
        futures = []
        for r in records:
            futures.append(p.send(topic, key=r.key, value=r.value, partition=partition,
                                  headers=list(r.headers) or None, timestamp_ms=r.timestamp_ms))
        p.flush(timeout=timeout_s)
        return [f.get(timeout=timeout_s).offset for f in futures]
    finally:
        p.close(timeout=5)


def kp_consumer(broker, **conf):
    from kafka import KafkaConsumer
    conf.setdefault("enable_auto_commit", False)
    return KafkaConsumer(bootstrap_servers=broker.bootstrap, client_id="interop-kp", **conf)


def consume_kafka_python(broker, topic: str, count: int, partition: int = 0, start_offset: int | None = None,
                         timeout_s: float = 30, linger_s: float = 0.3, **conf) -> list[Rec]:
    from kafka import TopicPartition
    c = kp_consumer(broker, **conf)
    try:
        tp = TopicPartition(topic, partition)
        c.assign([tp])
        if start_offset is None:
            c.seek_to_beginning(tp)
        else:
            c.seek(tp, start_offset)
        out: list[Rec] = []
        deadline = time.monotonic() + timeout_s
        linger_until = None
        while time.monotonic() < deadline:
            if len(out) >= count:
                linger_until = linger_until or time.monotonic() + linger_s
                if time.monotonic() >= linger_until:
                    break
            batch = c.poll(timeout_ms=200)
            for msgs in batch.values():
                for m in msgs:
                    kind = {0: "create", 1: "append"}.get(m.timestamp_type)
                    out.append(Rec(m.key, m.value, [(k, v) for k, v in (m.headers or [])], m.timestamp,
                                   m.offset, kind))
        return out
    finally:
        c.close()


def kp_admin(broker, **conf):
    from kafka.admin import KafkaAdminClient
    return KafkaAdminClient(bootstrap_servers=broker.bootstrap, client_id="interop-kp-admin", **conf)


# ---------------------------------------------------------------- kcat (librdkafka 2.0.2)

def kcat_cmd(broker) -> list[str]:
    exe = brokers.which_kcat()
    assert exe, "kcat is not installed (apt-get install -y kcat)"
    return [exe, "-b", broker.bootstrap, "-X", "client.id=interop-kcat"]


def kcat_produce(broker, topic: str, lines: list[str], codec: str = "none", headers: list[str] = (),
                 partition: int = 0, timeout_s: float = 30) -> None:
    """Produces one record per line as `key:value`; `-Z` makes an empty key or value NULL."""
    cmd = kcat_cmd(broker) + ["-P", "-t", topic, "-p", str(partition), "-K", ":", "-Z", "-z", codec]
    for h in headers:
        cmd += ["-H", h]
    data = "".join(line + "\n" for line in lines).encode()
    res = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout_s)
    assert res.returncode == 0, f"kcat produce failed ({res.returncode}): {res.stderr.decode(errors='replace')}"


def kcat_consume(broker, topic: str, count: int, partition: int = 0, timeout_s: float = 30) -> list[Rec]:
    """Reads `count` records from the beginning as JSON envelopes (null key/value stay null)."""
    cmd = kcat_cmd(broker) + ["-C", "-t", topic, "-p", str(partition), "-o", "beginning", "-c", str(count),
                              "-e", "-J"]
    res = subprocess.run(cmd, capture_output=True, timeout=timeout_s)
    assert res.returncode == 0, f"kcat consume failed ({res.returncode}): {res.stderr.decode(errors='replace')}"
    out = []
    for line in res.stdout.decode().splitlines():
        if not line.strip():
            continue
        env = json.loads(line)
        hs = env.get("headers") or []
        headers = [(hs[i], None if hs[i + 1] is None else hs[i + 1].encode()) for i in range(0, len(hs), 2)]
        enc = lambda s: None if s is None else s.encode()  # noqa: E731
        kind = {"create": "create", "logappend": "append"}.get(env.get("tstype"))
        out.append(Rec(enc(env.get("key")), enc(env.get("payload")), headers, env.get("ts"), env["offset"], kind))
    return out
