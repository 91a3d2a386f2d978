"""`kairos gateway`, the REST ingest gateway, driven by a real HTTP client (Python's http.client) against a
running broker, with librdkafka (confluent-kafka) reading back what was written.

Covers Confluent REST Proxy's produce API as the gateway serves it: v2 with the JSON and binary embedded
formats (per-record partition and offset), v3 (JSON, BINARY and STRING data, headers, timestamps), keep-alive,
the per-source volumes, and every error answer: 400, 415, 422 (42201/42202), 404 (40401/40402), 413, 429 with
Retry-After when the producer's buffer is full, and 503 with Retry-After when the cluster cannot be reached.
Every test that writes reads the partition back to check that each accepted record was written exactly once,
in order, and that refused requests wrote nothing.
"""

from __future__ import annotations

import base64
import http.client
import json
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import brokers
from brokers import Broker
from clients import consume_confluent, create_topic

V2_JSON = "application/vnd.kafka.json.v2+json"
V2_BINARY = "application/vnd.kafka.binary.v2+json"
V2_ANSWER = "application/vnd.kafka.v2+json"

pytestmark = pytest.mark.skipif(brokers.is_tansu(), reason="the gateway is tested against the Kairos broker")


# ---------------------------------------------------------------- the gateway process

class Gateway:
    """`kairos gateway` as a child process on a port the system picks; stopped with SIGTERM."""

    def __init__(self, bootstrap: str, workdir: Path, args: list[str] = ()):
        self.log_path = workdir / "gateway.log"
        self.cmd = [brokers.kairos_bin(), "gateway", "--bootstrap-server", bootstrap,
                    "--listen", "127.0.0.1:0", *args]
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.log,
                                     start_new_session=True, text=True)
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(30)
        if not line or "listening on http://" not in line[0]:
            self.kill()
            raise AssertionError(f"the gateway did not say where it listens: {line!r}\n{self.log_text()}")
        self.port = int(line[0].rsplit(":", 1)[1])

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(f"the gateway ignored SIGTERM for 20 s\n{self.log_text()}")
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    # ------------------------------------------------------------ HTTP

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def call(self, method: str, path: str, body: bytes | str | None = None, content_type: str | None = None,
             headers: dict[str, str] | None = None, conn: http.client.HTTPConnection | None = None) -> "Reply":
        own = conn is None
        conn = conn or self.connect()
        try:
            sent = dict(headers or {})
            if content_type is not None:
                sent["Content-Type"] = content_type
            if isinstance(body, str):
                body = body.encode()
            conn.request(method, path, body=body, headers=sent)
            resp = conn.getresponse()
            data = resp.read()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        finally:
            if own:
                conn.close()

    def post_v2(self, topic: str, records: list[dict], fmt: str = V2_JSON, **kw) -> "Reply":
        return self.call("POST", f"/topics/{topic}", json.dumps({"records": records}), fmt, **kw)

    def post_v3(self, cluster: str, topic: str, records: list[dict], **kw) -> "Reply":
        body = "\n".join(json.dumps(r) for r in records)
        return self.call("POST", f"/v3/clusters/{cluster}/topics/{topic}/records", body, "application/json", **kw)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.body.decode().splitlines() if line.strip()]

    def error(self, status: int, code: int) -> str:
        """Asserts REST Proxy's error answer and returns its message."""
        assert self.status == status, f"status {self.status} != {status}: {self.body[:300]!r}"
        doc = self.json
        assert doc["error_code"] == code, doc
        assert isinstance(doc["message"], str) and doc["message"], doc
        return doc["message"]


@pytest.fixture(scope="module")
def gateway(broker, tmp_path_factory):
    g = Gateway(broker.bootstrap, tmp_path_factory.mktemp("gateway"),
                ["--max-request-bytes", "65536", "--volume-interval-ms", "200",
                 "--producer-property", "max.request.size=16384", "--producer-property", "linger.ms=2"])
    try:
        yield g
    finally:
        code = g.stop()
        assert code == 0, f"the gateway exited with {code} on SIGTERM\n{g.log_text()}"


def cluster_id(gateway: Gateway) -> str:
    reply = gateway.call("GET", "/v3/clusters")
    assert reply.status == 200, reply
    doc = reply.json
    assert doc["kind"] == "KafkaClusterList" and len(doc["data"]) == 1
    return doc["data"][0]["cluster_id"]


def compact(value) -> bytes:
    """The compact JSON text of `value` as the tests send it (json.dumps escapes non-ASCII)."""
    return json.dumps(value, separators=(",", ":")).encode()


# ---------------------------------------------------------------- v2

def test_v2_json_records_answered_per_record_and_written_once(broker, gateway, topic):
    create_topic(broker, topic, partitions=3)
    values = [{"n": i, "tags": ["a", "b"], "nested": {"x": i * 1.5, "s": "é ✓ \"q\""}} for i in range(30)]
    records = [{"key": f"k{i}", "value": v, "partition": i % 3} for i, v in enumerate(values)]
    expected: dict[int, list[tuple[bytes, bytes]]] = {0: [], 1: [], 2: []}
    for batch in (records[:10], records[10:25], records[25:]):
        reply = gateway.post_v2(topic, batch)
        assert reply.status == 200, reply
        assert reply.headers["content-type"] == V2_ANSWER
        doc = reply.json
        assert doc["key_schema_id"] is None and doc["value_schema_id"] is None
        assert len(doc["offsets"]) == len(batch)
        for sent, entry in zip(batch, doc["offsets"]):
            assert entry["error_code"] is None and entry["error"] is None, entry
            assert entry["partition"] == sent["partition"]
            # Offsets per partition count up from 0 in the order the records were posted.
            assert entry["offset"] == len(expected[sent["partition"]])
            expected[sent["partition"]].append((compact(sent["key"]), compact(sent["value"])))
    for partition, want in expected.items():
        got = consume_confluent(broker, topic, len(want), partition=partition)
        assert [(r.key, r.value) for r in got] == want  # the linger in the consumer catches any duplicate
        assert [r.offset for r in got] == list(range(len(want)))


def test_v2_json_values_are_stored_compact_and_null_means_none(broker, gateway, topic):
    create_topic(broker, topic)
    # Whitespace between tokens goes; strings (with their escapes) and numbers stay byte for byte.
    body = ('{ "records" : [ { "value" : { "a" : [ 1 , 2.50 , { "b" : "x  y\\n\\u00e9" } ] , "t" : true } } ,'
            ' { "key" : null , "value" : null } , { "key" : "only-key" } , {"value": 12345678901234567890} ] }')
    reply = gateway.call("POST", f"/topics/{topic}", body, V2_JSON)
    assert reply.status == 200, reply
    assert [o["offset"] for o in reply.json["offsets"]] == [0, 1, 2, 3]
    got = consume_confluent(broker, topic, 4)
    assert got[0].key is None and got[0].value == b'{"a":[1,2.50,{"b":"x  y\\n\\u00e9"}],"t":true}'
    assert got[1].key is None and got[1].value is None
    assert got[2].key == b'"only-key"' and got[2].value is None
    assert got[3].value == b"12345678901234567890"


def test_v2_binary_records_are_the_exact_bytes(broker, gateway, topic):
    create_topic(broker, topic)
    payloads = [(bytes(range(256)), bytes(range(255, -1, -1)) * 3), (None, b"\x00\xff no key"), (b"tomb", None),
                (b"", b"")]
    records = [{"key": None if k is None else base64.b64encode(k).decode(),
                "value": None if v is None else base64.b64encode(v).decode()} for k, v in payloads]
    reply = gateway.post_v2(topic, records, V2_BINARY)
    assert reply.status == 200, reply
    assert [(o["partition"], o["offset"]) for o in reply.json["offsets"]] == [(0, 0), (0, 1), (0, 2), (0, 3)]
    got = consume_confluent(broker, topic, len(payloads))
    assert [(r.key, r.value) for r in got] == payloads


def test_get_topics_lists_existing_topics(broker, gateway, topic):
    create_topic(broker, topic)
    reply = gateway.call("GET", "/topics")
    assert reply.status == 200 and reply.headers["content-type"] == V2_ANSWER
    assert topic in reply.json


# ---------------------------------------------------------------- v3

def test_v3_records_with_every_data_type_headers_and_timestamps(broker, gateway, topic):
    create_topic(broker, topic, partitions=2)
    cid = cluster_id(gateway)
    assert gateway.call("GET", f"/v3/clusters/{cid}").json["cluster_id"] == cid
    ts = "2026-01-02T03:04:05.678Z"
    records = [
        {"partition_id": 1, "key": {"type": "STRING", "data": "k-ü"}, "value": {"type": "JSON", "data": {"a": [1, 2]}},
         "headers": [{"name": "h1", "value": base64.b64encode(b"\x01\x02").decode()}, {"name": "h2", "value": None}],
         "timestamp": ts},
        {"partition_id": 1, "value": {"type": "BINARY", "data": base64.b64encode(b"\xde\xad\xbe\xef").decode()}},
        {"partition_id": 1, "key": {"data": base64.b64encode(b"default-is-binary").decode()},
         "value": {"type": "STRING", "data": "plain text"}},
        {"partition_id": 0, "value": {"type": "JSON", "data": None}},
    ]
    reply = gateway.post_v3(cid, topic, records)
    assert reply.status == 200, reply
    assert reply.headers["content-type"] == "application/json"
    lines = reply.lines
    assert len(lines) == 4
    assert [(l["error_code"], l["partition_id"], l["offset"]) for l in lines] == [(200, 1, 0), (200, 1, 1), (200, 1, 2), (200, 0, 0)]
    assert all(l["cluster_id"] == cid and l["topic_name"] == topic for l in lines)
    assert lines[0]["timestamp"] == ts
    assert lines[0]["key"] == {"type": "STRING", "size": len("k-ü".encode())}
    assert lines[0]["value"] == {"type": "JSON", "size": len(b'{"a":[1,2]}')}
    assert lines[1]["key"] is None and lines[1]["value"] == {"type": "BINARY", "size": 4}
    got = consume_confluent(broker, topic, 3, partition=1)
    assert got[0].key == "k-ü".encode() and got[0].value == b'{"a":[1,2]}'
    assert got[0].headers == [("h1", b"\x01\x02"), ("h2", None)]
    assert got[0].timestamp_ms == 1767323045678 and got[0].timestamp_type == "create"
    assert (got[1].key, got[1].value) == (None, b"\xde\xad\xbe\xef")
    assert (got[2].key, got[2].value) == (b"default-is-binary", b"plain text")
    zero = consume_confluent(broker, topic, 1, partition=0)
    assert len(zero) == 1 and zero[0].value is None


def test_v3_single_record_answer_is_one_json_object(broker, gateway, topic):
    create_topic(broker, topic)
    cid = cluster_id(gateway)
    reply = gateway.post_v3(cid, topic, [{"value": {"type": "JSON", "data": [1, 2, 3]}}])
    assert reply.status == 200
    assert reply.json["offset"] == 0 and reply.json["error_code"] == 200


# ---------------------------------------------------------------- HTTP/1.1 keep-alive, sources

def test_keep_alive_serves_many_requests_on_one_connection(broker, gateway, topic):
    create_topic(broker, topic)
    conn = gateway.connect()
    try:
        conn.connect()
        local = conn.sock.getsockname()
        for i in range(50):
            reply = gateway.post_v2(topic, [{"value": {"i": i}}], conn=conn)
            assert reply.status == 200, reply
            assert reply.json["offsets"][0]["offset"] == i
            assert reply.headers.get("connection", "").lower() != "close"
            assert conn.sock is not None and conn.sock.getsockname() == local, "the connection was not kept"
        # An error answer keeps the connection too.
        bad = gateway.call("POST", f"/topics/{topic}", "{not json", V2_JSON, conn=conn)
        assert bad.status == 400
        assert gateway.post_v2(topic, [{"value": "after"}], conn=conn).json["offsets"][0]["offset"] == 50
        assert conn.sock.getsockname() == local
    finally:
        conn.close()
    got = consume_confluent(broker, topic, 51)
    assert [r.value for r in got] == [compact({"i": i}) for i in range(50)] + [b'"after"']


def test_sources_count_records_and_bytes_per_source(broker, gateway, topic):
    create_topic(broker, topic)
    source = f"user-{topic}"
    for _ in range(3):
        reply = gateway.post_v2(topic, [{"key": "k", "value": "abcd"}] * 4, headers={"X-Kairos-Source": source})
        assert reply.status == 200
    assert gateway.post_v2(topic, [{"value": "xy"}]).status == 200  # no header: the topic is the source
    doc = gateway.call("GET", "/v1/sources").json
    assert doc["intervalMs"] == 200
    # JSON keys and values are stored as JSON text: "k" is 3 bytes, "abcd" 6.
    assert doc["totals"][source] == {"records": 12, "bytes": 12 * 9, "failedRecords": 0}
    assert doc["totals"][topic] == {"records": 1, "bytes": 4, "failedRecords": 0}
    per_interval = sum(i["sources"].get(source, {}).get("records", 0) for i in doc["intervals"] + [doc["current"]])
    assert per_interval == 12
    starts = [i["startMs"] for i in doc["intervals"]] + [doc["current"]["startMs"]]
    assert all(b - a == 200 for a, b in zip(starts, starts[1:])), "intervals must be contiguous"


# ---------------------------------------------------------------- errors

def test_wrong_content_type_is_415(gateway, topic):
    gateway.post_v2(topic, [{"value": 1}], "application/json").error(415, 415)
    gateway.post_v2(topic, [{"value": 1}], "application/vnd.kafka.avro.v2+json").error(415, 415)
    gateway.call("POST", f"/v3/clusters/x/topics/{topic}/records", "{}", "text/plain").error(415, 415)


def test_malformed_and_unprocessable_bodies(broker, gateway, topic):
    create_topic(broker, topic)
    post = lambda body, fmt=V2_JSON: gateway.call("POST", f"/topics/{topic}", body, fmt)
    assert "malformed JSON" in post('{"records": [').error(400, 400)
    post('{"records": [{"value": 1}]} trailing').error(400, 400)
    post('{"records": [{"value": tru}]}').error(400, 400)
    post('{"records": {}}').error(422, 422)
    post('{"value": 1}').error(422, 422)
    post('{"records": []}').error(422, 422)
    post('{"records": [{"value": 1, "partition": "zero"}]}').error(422, 422)
    assert "key" in post('{"records": [{"key": "***", "value": "AA=="}]}', V2_BINARY).error(422, 42201)
    post('{"records": [{"key": "AA==", "value": 17}]}', V2_BINARY).error(422, 42202)
    cid = cluster_id(gateway)
    v3 = lambda body: gateway.call("POST", f"/v3/clusters/{cid}/topics/{topic}/records", body, "application/json")
    v3('{"value": {"type": "AVRO", "data": 1}}').error(422, 42202)
    v3('{"key": {"type": "BINARY", "data": "%%"}}').error(422, 42201)
    v3('{"value": {"type": "JSON", "data": 1}} {"value": ').error(400, 400)
    v3('{"timestamp": "yesterday"}').error(422, 422)
    # None of that wrote anything: the next good record lands at offset 0.
    assert gateway.post_v2(topic, [{"value": "good"}]).json["offsets"][0]["offset"] == 0


def test_unknown_topic_partition_and_cluster_are_404(broker, gateway, topic):
    gateway.post_v2(topic, [{"value": 1}]).error(404, 40401)
    cid = cluster_id(gateway)
    gateway.post_v3(cid, topic, [{"value": {"type": "JSON", "data": 1}}]).error(404, 40401)
    gateway.post_v3("no-such-cluster", topic, [{"value": {"type": "JSON", "data": 1}}]).error(404, 404)
    # The gateway never creates a topic (the broker would, on auto-create).
    assert topic not in gateway.call("GET", "/topics").json
    create_topic(broker, topic, partitions=2)
    gateway.post_v2(topic, [{"value": 1, "partition": 0}, {"value": 2, "partition": 2}]).error(404, 40402)
    assert gateway.post_v2(topic, [{"value": 3, "partition": 0}]).json["offsets"][0]["offset"] == 0


def test_too_large_is_413_and_writes_nothing(broker, gateway, topic):
    create_topic(broker, topic)
    # The body limit of this gateway is 64 KiB.
    gateway.post_v2(topic, [{"value": "x" * 70_000}]).error(413, 413)
    # max.request.size=16384: a 20 kB record is refused before anything of the request is sent.
    gateway.post_v2(topic, [{"value": "small"}, {"value": "y" * 20_000}]).error(413, 413)
    reply = gateway.post_v2(topic, [{"value": "fits"}])
    assert reply.json["offsets"][0]["offset"] == 0
    assert [r.value for r in consume_confluent(broker, topic, 1)] == [b'"fits"']


def test_buffer_full_is_429_with_retry_after(proxied_broker, topic, tmp_path):
    broker, proxy = proxied_broker
    create_topic(broker, topic)
    g = Gateway(f"127.0.0.1:{proxy.port}", tmp_path,
                ["--producer-property", "buffer.memory=4096", "--producer-property", "batch.size=1024",
                 "--producer-property", "max.block.ms=0", "--producer-property", "linger.ms=0"])
    try:
        assert g.post_v2(topic, [{"value": "warm-up"}]).json["offsets"][0]["offset"] == 0
        proxy.hold_produce_responses()
        # Nothing is acknowledged now: the first request fills buffer.memory and waits for its acks.
        first = [{"value": f"a{i:03d}-" + "v" * 100} for i in range(60)]
        answers: list[Reply] = []
        waiter = threading.Thread(target=lambda: answers.append(g.post_v2(topic, first)), daemon=True)
        waiter.start()
        deadline = time.monotonic() + 20
        while proxy.held == 0:
            assert time.monotonic() < deadline, "no Produce request reached the broker"
            time.sleep(0.02)
        time.sleep(0.2)
        assert not answers, "records were answered before the broker acknowledged them"
        # Records as large as the first request's: the one that did not fit shows none of these fits either.
        full = g.post_v2(topic, [{"value": f"b{i:03d}-" + "v" * 100} for i in range(5)])
        message = full.error(429, 42901)
        assert "buffer" in message
        assert full.headers.get("retry-after") == "1"
        proxy.release()
        waiter.join(60)
        assert answers, "the first request was never answered"
        reply = answers[0]
        assert reply.status == 200, reply
        offsets = reply.json["offsets"]
        accepted = [r["value"] for r, o in zip(first, offsets) if o["error_code"] is None]
        refused = [o for o in offsets if o["error_code"] is not None]
        assert accepted and refused, offsets
        assert all(o["error_code"] == 50003 and "buffer exhausted" in o["error"] for o in refused)
        # What is written is a prefix of the request, at the offsets answered.
        assert accepted == [r["value"] for r in first[:len(accepted)]]
        assert [o["offset"] for o in offsets[:len(accepted)]] == list(range(1, len(accepted) + 1))
        assert g.call("GET", "/v1/sources").json["totals"][topic]["failedRecords"] == len(refused) + 5
    finally:
        proxy.release()
        g.stop()
    got = consume_confluent(broker, topic, 1 + len(accepted))
    assert [r.value for r in got] == [b'"warm-up"'] + [compact(v) for v in accepted]


def test_unreachable_cluster_is_503_with_retry_after(tmp_path, topic):
    closed = brokers.free_port()  # nothing listens there
    g = Gateway(f"127.0.0.1:{closed}", tmp_path, ["--metadata-timeout-ms", "1500"])
    try:
        started = time.monotonic()
        reply = g.post_v2(topic, [{"value": 1}])
        assert "Cannot reach the cluster" in reply.error(503, 50302)
        assert reply.headers.get("retry-after") == "1"
        assert time.monotonic() - started < 10
        g.post_v3("any", topic, [{"value": {"type": "JSON", "data": 1}}]).error(503, 50302)
        g.call("GET", "/topics").error(503, 50302)
        # The gateway keeps serving.
        assert g.call("GET", "/v1/sources").status == 200
    finally:
        assert g.stop() == 0


def test_broker_gone_after_start_is_503_and_nothing_is_claimed_written(broker_factory, topic, tmp_path):
    b = broker_factory()
    create_topic(b, topic)
    g = Gateway(b.bootstrap, tmp_path, ["--producer-property", "delivery.timeout.ms=3000",
                                        "--producer-property", "request.timeout.ms=1000",
                                        "--producer-property", "linger.ms=0"])
    try:
        assert g.post_v2(topic, [{"value": "before"}]).json["offsets"][0]["offset"] == 0
        b.stop()
        reply = g.post_v2(topic, [{"value": "lost-1"}, {"value": "lost-2"}])
        reply.error(503, 50302)
        b.start()
        # The producer comes back with the broker; the refused records were not written.
        deadline = time.monotonic() + 30
        while True:
            reply = g.post_v2(topic, [{"value": "after"}])
            if reply.status == 200 and reply.json["offsets"][0]["error_code"] is None:
                break
            assert time.monotonic() < deadline, reply
            time.sleep(0.5)
    finally:
        g.stop()
    got = [r.value for r in consume_confluent(b, topic, 2)]
    assert got == [b'"before"', b'"after"']


def test_gateway_started_before_the_broker_serves_once_it_comes(tmp_path, topic):
    """The producer's producer-id request gives up after default.api.timeout.ms while nothing listens; the
    gateway then replaces that producer, so once the broker is up records are written."""
    port = brokers.free_port()
    g = Gateway(f"127.0.0.1:{port}", tmp_path, ["--metadata-timeout-ms", "1000",
                                                "--producer-property", "default.api.timeout.ms=1500"])
    b = Broker(tmp_path / "broker", port=port)
    try:
        g.post_v2(topic, [{"value": 1}]).error(503, 50302)
        time.sleep(2.5)  # past default.api.timeout.ms: the first producer's InitProducerId has failed for good
        b.start()
        create_topic(b, topic)
        deadline = time.monotonic() + 30
        answers = []
        while True:
            reply = g.post_v2(topic, [{"value": "once"}])
            answers.append(reply.status)
            if reply.status == 200:
                break
            assert reply.status == 503, reply
            assert time.monotonic() < deadline, f"the gateway never recovered: {answers}"
            time.sleep(0.5)
        assert reply.json["offsets"][0]["offset"] == 0
        assert [r.value for r in consume_confluent(b, topic, 1)] == [b'"once"']
    finally:
        assert g.stop() == 0
        b.close()
