"""Several listeners at once: each binds its own port and Metadata answers with the address of the listener
the client came in through, as Kafka does. Listener settings Kairos cannot serve stop the start, naming the
property."""

from __future__ import annotations

import subprocess

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient

from brokers import Broker, free_port, is_tansu, kairos_bin

pytestmark = pytest.mark.skipif(is_tansu(), reason="Kairos server properties")


@pytest.fixture
def two_listeners(tmp_path):
    plain, client = free_port(), free_port()
    b = Broker(tmp_path, port=plain, overrides={
        "listeners": f"PLAINTEXT://127.0.0.1:{plain},CLIENT://127.0.0.1:{client}",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CLIENT:PLAINTEXT",
        # The CLIENT listener advertises a different host name, so the answer shows which listener spoke.
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{plain},CLIENT://localhost:{client}",
    })
    b.start()
    try:
        yield b, plain, client
    finally:
        b.close()


def advertised_brokers(port: int) -> list[str]:
    md = AdminClient({"bootstrap.servers": f"127.0.0.1:{port}"}).list_topics(timeout=10)
    return sorted(f"{b.host}:{b.port}" for b in md.brokers.values())


def test_metadata_answers_with_the_listener_the_client_came_through(two_listeners):
    _, plain, client = two_listeners
    assert advertised_brokers(plain) == [f"127.0.0.1:{plain}"]
    assert advertised_brokers(client) == [f"localhost:{client}"]


def test_records_flow_through_the_second_listener(two_listeners, topic):
    _, _, client = two_listeners
    bootstrap = f"127.0.0.1:{client}"
    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(5):
        producer.produce(topic, value=f"v{i}".encode())
    assert producer.flush(15) == 0
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"g-{topic}", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    got = []
    try:
        for _ in range(60):
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is None:
                got.append(msg.value().decode())
            if len(got) == 5:
                break
    finally:
        consumer.close()
    assert got == [f"v{i}" for i in range(5)]


@pytest.mark.parametrize("props, named", [
    ({"listeners": "FOO://127.0.0.1:{p}"}, "listeners"),
    ({"listeners": "FOO://127.0.0.1:{p}", "listener.security.protocol.map": "BAR:PLAINTEXT"},
     "listener.security.protocol.map"),
    ({"listeners": "PLAINTEXT://127.0.0.1:{p}", "listener.security.protocol.map": "PLAINTEXT:TLS"},
     "listener.security.protocol.map"),
    ({"listeners": "PLAINTEXT://127.0.0.1:{p},PLAINTEXT://127.0.0.1:{q}"}, "listeners"),
    ({"listeners": "PLAINTEXT://127.0.0.1:{p}", "advertised.listeners": "PLAINTEXT://h:1,OTHER://h:2"},
     "advertised.listeners"),
])
def test_bad_listener_settings_stop_the_start_naming_the_property(tmp_path, props, named):
    p, q = free_port(), free_port()
    args = [kairos_bin(), "server", "--override", f"log.dirs={tmp_path}"]
    for key, value in props.items():
        args += ["--override", f"{key}={value.format(p=p, q=q)}"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert named in done.stdout + done.stderr
