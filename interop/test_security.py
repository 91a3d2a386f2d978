"""Security on the broker's listeners, against confluent-kafka and kafka-python: TLS listeners with Kafka's PEM
properties (key store file or inline PEM, trust store, mutual TLS), beside plaintext ones. Certificates are made at
test time with openssl; every broker listens on 127.0.0.1 on ports picked at run time."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient
from kafka import KafkaConsumer, KafkaProducer

from brokers import Broker, free_port, is_tansu, kairos_bin
from tlscerts import make_certificates

pytestmark = [
    pytest.mark.skipif(is_tansu(), reason="Kairos server properties"),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command"),
]


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certs"))


def start_broker(tmp_path, ports: dict[str, int], overrides: dict[str, str]) -> Broker:
    """A broker whose listeners are `ports` (name -> port); the first one is the one waited for."""
    names = list(ports)
    b = Broker(tmp_path, port=ports[names[0]], overrides={
        "listeners": ",".join(f"{n}://127.0.0.1:{p}" for n, p in ports.items()),
        "advertised.listeners": ",".join(f"{n}://127.0.0.1:{p}" for n, p in ports.items()),
        **overrides,
    })
    return b.start()


@pytest.fixture
def ssl_broker(tmp_path, certs):
    ports = {"SSL": free_port(), "PLAINTEXT": free_port()}
    b = start_broker(tmp_path, ports, {"ssl.keystore.type": "PEM", "ssl.keystore.location": str(certs.server_pem)})
    try:
        yield ports
    finally:
        b.close()


def confluent_ssl(port: int, certs, **extra) -> dict:
    return {"bootstrap.servers": f"127.0.0.1:{port}", "security.protocol": "SSL",
            "ssl.ca.location": str(certs.ca), **extra}


def roundtrip_confluent(config: dict, topic: str, count: int = 20) -> list[bytes]:
    producer = Producer(config)
    values = [f"tls-{i}".encode() * 20 for i in range(count)]
    for v in values:
        producer.produce(topic, value=v)
    assert producer.flush(20) == 0
    consumer = Consumer({**config, "group.id": f"g-{topic}", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    got: list[bytes] = []
    try:
        for _ in range(80):
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is None:
                got.append(msg.value())
            if len(got) == count:
                break
    finally:
        consumer.close()
    assert got == values
    return got


def test_confluent_produces_and_consumes_over_tls(ssl_broker, certs, topic):
    # The consumer's fetches come back through TLS: the copy path, not sendfile.
    roundtrip_confluent(confluent_ssl(ssl_broker["SSL"], certs), topic)


def test_kafka_python_over_tls(ssl_broker, certs, topic):
    common = dict(bootstrap_servers=f"127.0.0.1:{ssl_broker['SSL']}", security_protocol="SSL",
                  ssl_cafile=str(certs.ca), ssl_check_hostname=True)
    producer = KafkaProducer(**common)
    for i in range(10):
        producer.send(topic, f"kp-{i}".encode())
    producer.flush(20)
    producer.close()
    consumer = KafkaConsumer(topic, auto_offset_reset="earliest", consumer_timeout_ms=10000, **common)
    got = [m.value.decode() for m in consumer]
    consumer.close()
    assert got[:10] == [f"kp-{i}" for i in range(10)]


def test_each_listener_advertises_itself_and_plaintext_still_serves(ssl_broker, certs):
    md = AdminClient(confluent_ssl(ssl_broker["SSL"], certs)).list_topics(timeout=10)
    assert [(b.host, b.port) for b in md.brokers.values()] == [("127.0.0.1", ssl_broker["SSL"])]
    md = AdminClient({"bootstrap.servers": f"127.0.0.1:{ssl_broker['PLAINTEXT']}"}).list_topics(timeout=10)
    assert [(b.host, b.port) for b in md.brokers.values()] == [("127.0.0.1", ssl_broker["PLAINTEXT"])]


def test_a_client_that_does_not_trust_the_broker_is_refused(ssl_broker, certs):
    admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{ssl_broker['SSL']}", "security.protocol": "SSL",
                         "ssl.ca.location": str(certs.other_ca)})
    with pytest.raises(KafkaException):
        admin.list_topics(timeout=5)


@pytest.fixture
def mtls_broker(tmp_path, certs):
    """Mutual TLS on a named listener with inline PEM (Kafka's per-listener properties)."""
    ports = {"CLIENT": free_port()}
    prefix = "listener.name.client."
    b = start_broker(tmp_path, ports, {
        "listener.security.protocol.map": "CLIENT:SSL",
        prefix + "ssl.keystore.type": "PEM",
        prefix + "ssl.keystore.certificate.chain": certs.server_cert.read_text(),
        prefix + "ssl.keystore.key": certs.server_key.read_text(),
        prefix + "ssl.truststore.type": "PEM",
        prefix + "ssl.truststore.location": str(certs.ca),
        prefix + "ssl.client.auth": "required",
    })
    try:
        yield ports["CLIENT"]
    finally:
        b.close()


def test_mutual_tls_serves_a_client_with_a_trusted_certificate(mtls_broker, certs, topic):
    roundtrip_confluent(confluent_ssl(mtls_broker, certs, **{
        "ssl.certificate.location": str(certs.client_cert), "ssl.key.location": str(certs.client_key)}), topic, 5)


@pytest.mark.parametrize("client_cert", [False, True], ids=["no-certificate", "untrusted-certificate"])
def test_mutual_tls_refuses_other_clients_and_keeps_serving(mtls_broker, certs, client_cert):
    extra = {}
    if client_cert:
        extra = {"ssl.certificate.location": str(certs.stranger_cert), "ssl.key.location": str(certs.stranger_key)}
    with pytest.raises(KafkaException):
        AdminClient(confluent_ssl(mtls_broker, certs, **extra)).list_topics(timeout=5)
    good = AdminClient(confluent_ssl(mtls_broker, certs, **{
        "ssl.certificate.location": str(certs.client_cert), "ssl.key.location": str(certs.client_key)}))
    assert len(good.list_topics(timeout=10).brokers) == 1


@pytest.mark.parametrize("props, named", [
    ({"listeners": "SSL://127.0.0.1:{p}"}, "ssl.keystore.location"),
    ({"listeners": "SSL://127.0.0.1:{p}", "ssl.keystore.location": "{missing}"}, "ssl.keystore.location"),
    ({"listeners": "SSL://127.0.0.1:{p}", "ssl.keystore.location": "{pem}", "ssl.keystore.type": "JKS"},
     "ssl.keystore.type"),
    ({"listeners": "SSL://127.0.0.1:{p}", "ssl.keystore.location": "{pem}", "ssl.client.auth": "required"},
     "ssl.client.auth"),
    ({"listeners": "SSL://127.0.0.1:{p}", "ssl.keystore.location": "{pem}", "ssl.client.auth": "sometimes",
      "ssl.truststore.location": "{pem}"}, "ssl.client.auth"),
    ({"listeners": "CLIENT://127.0.0.1:{p}", "listener.security.protocol.map": "CLIENT:SSL",
      "listener.name.client.ssl.keystore.location": "{missing}"}, "listener.name.client.ssl.keystore.location"),
])
def test_bad_tls_settings_stop_the_start_naming_the_property(tmp_path, certs, props, named):
    values = dict(p=free_port(), missing=str(tmp_path / "absent.pem"), pem=str(certs.server_pem))
    args = [kairos_bin(), "server", "--override", f"log.dirs={tmp_path}"]
    for key, value in props.items():
        args += ["--override", f"{key}={value.format(**values)}"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert named in done.stdout + done.stderr


# ---------------------------------------------------------------- SASL PLAIN

import kafka.errors  # noqa: E402

import kafkawire as kw  # noqa: E402

PLAIN_JAAS = ('org.apache.kafka.common.security.plain.PlainLoginModule required '
              'username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice secret";')


@pytest.fixture
def sasl_broker(tmp_path, certs):
    """SASL_PLAINTEXT with the un-prefixed JAAS property, and SASL_SSL on a named listener with its own."""
    ports = {"SASL_PLAINTEXT": free_port(), "CLIENT": free_port()}
    b = start_broker(tmp_path, ports, {
        "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT,CLIENT:SASL_SSL",
        "sasl.enabled.mechanisms": "PLAIN",
        "sasl.jaas.config": PLAIN_JAAS,
        "listener.name.client.plain.sasl.jaas.config":
            'org.apache.kafka.common.security.plain.PlainLoginModule required user_bob="bob-secret";',
        "ssl.keystore.type": "PEM", "ssl.keystore.location": str(certs.server_pem),
    })
    try:
        yield b, ports
    finally:
        b.close()


def confluent_sasl(port: int, user: str, password: str, certs=None) -> dict:
    config = {"bootstrap.servers": f"127.0.0.1:{port}", "sasl.mechanism": "PLAIN",
              "sasl.username": user, "sasl.password": password, "security.protocol": "SASL_PLAINTEXT"}
    if certs is not None:
        config.update({"security.protocol": "SASL_SSL", "ssl.ca.location": str(certs.ca)})
    return config


def test_sasl_plain_right_credentials_produce_and_consume(sasl_broker, topic):
    _, ports = sasl_broker
    roundtrip_confluent(confluent_sasl(ports["SASL_PLAINTEXT"], "alice", "alice secret"), topic, 10)


def test_sasl_ssl_plain_with_the_listeners_own_users(sasl_broker, certs, topic):
    _, ports = sasl_broker
    roundtrip_confluent(confluent_sasl(ports["CLIENT"], "bob", "bob-secret", certs), topic, 10)
    # The un-prefixed users are not this listener's.
    with pytest.raises(KafkaException):
        AdminClient(confluent_sasl(ports["CLIENT"], "alice", "alice secret", certs)).list_topics(timeout=5)


def test_sasl_plain_wrong_password_is_an_authentication_error_and_others_are_served(sasl_broker, topic):
    b, ports = sasl_broker
    errors = []
    config = {**confluent_sasl(ports["SASL_PLAINTEXT"], "alice", "not-her-password"), "error_cb": errors.append}
    producer = Producer(config)
    for _ in range(50):
        producer.poll(0.2)  # error callbacks are served by poll
        if errors:
            break
    # librdkafka reports the broker's SASL_AUTHENTICATION_FAILED as an authentication error.
    assert any(e.code() == KafkaError._AUTHENTICATION for e in errors), errors
    assert "not-her-password" not in b.log_path.read_text()
    roundtrip_confluent(confluent_sasl(ports["SASL_PLAINTEXT"], "admin", "admin-secret"), topic, 3)


def test_kafka_python_sasl_plain(sasl_broker, topic):
    _, ports = sasl_broker
    common = dict(bootstrap_servers=f"127.0.0.1:{ports['SASL_PLAINTEXT']}", security_protocol="SASL_PLAINTEXT",
                  sasl_mechanism="PLAIN")
    producer = KafkaProducer(sasl_plain_username="alice", sasl_plain_password="alice secret", **common)
    producer.send(topic, b"via-kafka-python").get(timeout=20)
    producer.close()
    with pytest.raises(kafka.errors.KafkaError):
        KafkaProducer(sasl_plain_username="alice", sasl_plain_password="wrong", **common)


def test_requests_before_authentication_close_the_connection(sasl_broker):
    _, ports = sasl_broker
    with kw.Connection("127.0.0.1", ports["SASL_PLAINTEXT"]) as conn:
        # ApiVersions is answered before authentication...
        r = conn.request(18, 0, b"")
        assert r.int16() == 0
        # ...Metadata (v1, all topics) is not: the broker closes the connection, as Kafka does.
        conn.send(3, 1, kw.int32(-1))
        assert conn.wait_closed() == b""


def test_sasl_handshake_on_a_plaintext_listener_is_an_illegal_state(ssl_broker):
    with kw.Connection("127.0.0.1", ssl_broker["PLAINTEXT"]) as conn:
        r = conn.request(17, 1, kw.string("PLAIN"))
        assert r.int16() == 34  # ILLEGAL_SASL_STATE


@pytest.mark.parametrize("props, named", [
    ({"listeners": "SASL_PLAINTEXT://127.0.0.1:{p}"}, "plain.sasl.jaas.config"),
    ({"listeners": "SASL_PLAINTEXT://127.0.0.1:{p}", "sasl.enabled.mechanisms": "GSSAPI",
      "sasl.jaas.config": PLAIN_JAAS}, "sasl.enabled.mechanisms"),
    ({"listeners": "SASL_PLAINTEXT://127.0.0.1:{p}", "sasl.jaas.config": "PlainLoginModule required user_a=\"x\""},
     "sasl.jaas.config"),
])
def test_bad_sasl_settings_stop_the_start_naming_the_property(tmp_path, props, named):
    args = [kairos_bin(), "server", "--override", f"log.dirs={tmp_path}"]
    for key, value in props.items():
        args += ["--override", f"{key}={value.format(p=free_port())}"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert named in done.stdout + done.stderr
    assert "secret" not in done.stdout + done.stderr
