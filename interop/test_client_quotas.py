"""Client quotas as Kafka has them (KIP-13, KIP-219, KIP-546).

DescribeClientQuotas / AlterClientQuotas are sent with kafka-python's own encoders (its admin client has no
quota methods in the installed version, nor has confluent-kafka's): set, describe with filters, remove,
validate_only, INVALID_REQUEST (42) for unknown entity types, unknown keys and bad values, and quotas kept across
a restart. Then a producer under producer_byte_rate=R delivers R within 10 % with no errors while another
producer on the same broker is not throttled, and librdkafka's throttle callback fires for the limited one.
"""

from __future__ import annotations

import threading
import time

import pytest

from clients import ck_conf, create_topic, kp_admin

INVALID_REQUEST = 42


def send(broker, request):
    """Sends one kafka-python protocol request to the broker and returns the decoded response."""
    admin = kp_admin(broker)
    try:
        return admin._manager.run(admin._manager.send, request)
    finally:
        admin.close()


def alter(broker, entity: dict[str, str | None], ops: dict[str, float | None], validate_only=False, version=1):
    """AlterClientQuotas for one entity; a None value removes the key. Returns (error_code, error_message)."""
    from kafka.protocol.admin import AlterClientQuotasRequest
    request = AlterClientQuotasRequest[version](
        entries=[(
            [(t, n) for t, n in entity.items()],
            [(k, 0.0 if v is None else float(v), v is None) for k, v in ops.items()],
        )],
        validate_only=validate_only)
    response = send(broker, request)
    entry = response.entries[0]
    return entry.error_code, entry.error_message


def describe(broker, components=(), strict=False, version=1):
    """DescribeClientQuotas; returns (error_code, {entity text: {key: value}})."""
    from kafka.protocol.admin import DescribeClientQuotasRequest
    response = send(broker, DescribeClientQuotasRequest[version](components=list(components), strict=strict))
    quotas = {}
    for entry in response.entries or []:
        name = ",".join(sorted(f"{e.entity_type}={e.entity_name if e.entity_name is not None else '<default>'}"
                               for e in entry.entity))
        quotas[name] = {v.key: v.value for v in entry.values}
    return response.error_code, quotas


def test_alter_and_describe_client_quotas(broker):
    assert alter(broker, {"client-id": "kp-a"}, {"producer_byte_rate": 1048576, "consumer_byte_rate": 2097152}) == (0, None)
    assert alter(broker, {"user": None, "client-id": None}, {"request_percentage": 50}, version=0) == (0, None)
    code, quotas = describe(broker)
    assert code == 0
    assert quotas["client-id=kp-a"] == {"producer_byte_rate": 1048576.0, "consumer_byte_rate": 2097152.0}
    assert quotas["client-id=<default>,user=<default>"] == {"request_percentage": 50.0}

    code, exact = describe(broker, [("client-id", 0, "kp-a")], strict=True, version=0)
    assert (code, list(exact)) == (0, ["client-id=kp-a"])
    code, defaults = describe(broker, [("user", 1, None)])
    assert (code, list(defaults)) == (0, ["client-id=<default>,user=<default>"])

    assert alter(broker, {"client-id": "kp-a"}, {"consumer_byte_rate": None}) == (0, None)
    assert describe(broker, [("client-id", 0, "kp-a")])[1] == {"client-id=kp-a": {"producer_byte_rate": 1048576.0}}

    assert alter(broker, {"client-id": "kp-b"}, {"producer_byte_rate": 5000}, validate_only=True) == (0, None)
    assert "client-id=kp-b" not in describe(broker)[1], "validate_only must not change anything"


@pytest.mark.parametrize("entity,ops,says", [
    ({"group": "g"}, {"producer_byte_rate": 100}, "unknown entity type group"),
    ({"ip": "127.0.0.1"}, {"connection_creation_rate": 10}, "unknown entity type ip"),
    ({"client-id": "c"}, {"producer_byte_rates": 100}, "unknown quota key producer_byte_rates"),
    ({"client-id": "c"}, {"producer_byte_rate": -1}, "must not be negative"),
    ({"client-id": "c"}, {"consumer_byte_rate": 10.5}, "whole number"),
    ({"user": "u"}, {"request_percentage": -5}, "must be positive"),
])
def test_bad_quota_changes_get_invalid_request(broker, entity, ops, says):
    code, message = alter(broker, entity, ops)
    assert code == INVALID_REQUEST, message
    assert says in (message or ""), message


def test_bad_describe_filters_get_invalid_request(broker):
    assert describe(broker, [("ip", 2, None)])[0] == INVALID_REQUEST
    assert describe(broker, [("user", 9, None)])[0] == INVALID_REQUEST
    assert describe(broker, [("client-id", 0, None)])[0] == INVALID_REQUEST


@pytest.mark.slow
def test_quotas_survive_a_restart(fresh_broker):
    assert alter(fresh_broker, {"client-id": "kept"}, {"producer_byte_rate": 123456}) == (0, None)
    assert alter(fresh_broker, {"user": "ANONYMOUS"}, {"consumer_byte_rate": 654321}) == (0, None)
    fresh_broker.restart()
    code, quotas = describe(fresh_broker)
    assert code == 0
    assert quotas == {"client-id=kept": {"producer_byte_rate": 123456.0}, "user=ANONYMOUS": {"consumer_byte_rate": 654321.0}}


def run_producer(broker, topic, client_id, seconds, value_size, results):
    """Produces as fast as librdkafka lets it for `seconds`; records (time, bytes) of each acknowledged record,
    delivery errors and the throttle callbacks seen."""
    from confluent_kafka import Producer
    throttles = []
    p = Producer(ck_conf(broker, **{
        "client.id": client_id, "linger.ms": 5, "batch.size": 65536, "acks": "all",
        "throttle_cb": lambda event: throttles.append(event.throttle_time), "queue.buffering.max.kbytes": 4096,
    }))
    acked, errors = [], []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            acked.append((time.monotonic(), len(msg.value())))

    value = b"q" * value_size
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            p.produce(topic, value=value, partition=0, on_delivery=on_delivery)
        except BufferError:
            p.poll(0.05)
        p.poll(0)
    p.flush(30)
    results[client_id] = {"start": start, "acked": acked, "errors": errors, "throttles": throttles}


@pytest.mark.slow
def test_a_producer_under_a_quota_delivers_its_rate_and_others_are_not_throttled(broker_factory):
    # Two 1-second windows: the measured rate follows the producer closely, so a few seconds suffice.
    b = broker_factory({"quota.window.num": "2", "quota.window.size.seconds": "1"})
    limited_topic, free_topic = "quota-limited", "quota-free"
    create_topic(b, limited_topic)
    create_topic(b, free_topic)
    rate = 512 * 1024
    assert alter(b, {"client-id": "limited"}, {"producer_byte_rate": rate}) == (0, None)

    results = {}
    seconds, warm_up = 8.0, 2.0
    threads = [threading.Thread(target=run_producer, args=(b, limited_topic, "limited", seconds, 1000, results)),
               threading.Thread(target=run_producer, args=(b, free_topic, "free", seconds, 1000, results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    limited, free = results["limited"], results["free"]
    assert limited["errors"] == [] and free["errors"] == []
    steady = [n for at, n in limited["acked"] if limited["start"] + warm_up <= at < limited["start"] + seconds]
    delivered = sum(steady) / (seconds - warm_up)
    print(f"limited: {delivered / 1024:.0f} KiB/s of {rate / 1024:.0f} KiB/s; "
          f"free: {sum(n for _, n in free['acked']) / seconds / 1024:.0f} KiB/s; "
          f"throttle callbacks {len(limited['throttles'])} (free {len(free['throttles'])})")
    assert 0.9 * rate <= delivered <= 1.1 * rate, f"delivered {delivered:.0f} B/s under a quota of {rate} B/s"
    assert limited["throttles"], "librdkafka's throttle callback must fire for the limited producer"
    assert any(t > 0 for t in limited["throttles"]), "some callbacks carry 0: librdkafka reports the end of throttling too"
    assert free["throttles"] == [], "a client without a quota is never throttled"
    assert sum(n for _, n in free["acked"]) / seconds > 2 * rate, "the other producer runs well above the quota"


@pytest.mark.slow
def test_a_consumer_under_a_quota_keeps_consuming_at_about_its_rate(broker_factory):
    # librdkafka's default batches (up to 1 MB) are larger than what a 256 KiB/s quota allows per window: the
    # consumer must still move on, one batch per throttle time, and not stall.
    from confluent_kafka import Consumer, Producer
    b = broker_factory({"quota.window.num": "2", "quota.window.size.seconds": "1"})
    create_topic(b, "quota-consumed")
    p = Producer(ck_conf(b, **{"client.id": "filler", "linger.ms": 5}))
    for _ in range(6000):
        while True:
            try:
                p.produce("quota-consumed", value=b"c" * 1000, partition=0)
                break
            except BufferError:
                p.poll(0.05)
    assert p.flush(30) == 0
    rate = 256 * 1024
    assert alter(b, {"client-id": "slow-consumer"}, {"consumer_byte_rate": rate}) == (0, None)
    throttles = []
    c = Consumer(ck_conf(b, **{"client.id": "slow-consumer", "group.id": "quota-group", "auto.offset.reset": "earliest",
                               "throttle_cb": lambda e: throttles.append(e.throttle_time)}))
    c.subscribe(["quota-consumed"])
    first, last, consumed, errors = None, None, 0, []
    deadline = time.monotonic() + 14
    while time.monotonic() < deadline:
        m = c.poll(0.1)
        if m is None:
            continue
        if m.error():
            errors.append(str(m.error()))
            continue
        now = time.monotonic()
        first = first or now
        last = now
        consumed += len(m.value())
    c.close()
    assert errors == []
    assert any(t > 0 for t in throttles), "the consumer is throttled"
    assert first is not None and consumed >= 3 * rate, f"only {consumed} bytes consumed: the consumer stalled"
    # From the first record to the last the rate stays near the quota (the first window's allowance and one
    # batch at each end make it lumpy, so the bound is loose).
    assert consumed / max(last - first, 1) < 2.5 * rate, f"{consumed / (last - first):.0f} B/s under a quota of {rate}"
    assert consumed < 6000 * 1000, "the whole topic in 14 s would mean no throttling"
