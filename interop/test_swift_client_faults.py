"""The Swift producer (`kairos produce`) when the network or the broker misbehaves, against a real broker.

A `FaultProxy` sits between the producer and the broker (the broker advertises it):
- lost Produce responses: the broker wrote the batch but the producer never hears so; the idempotent
  producer re-sends it with the same producer id and sequence, and the broker must not write it twice.
- held Produce responses: nothing is acknowledged, so `buffer.memory` fills; sends block for
  `max.block.ms` and then fail with a buffer-exhausted error, and once responses flow again the
  producer recovers. Every record it accepted is written once, in order; the ones it refused are not.
Runs against the Kairos broker and, with INTEROP_BROKER=tansu, against Tansu.
"""

from __future__ import annotations

import subprocess
import threading
import time

import brokers
import kafkawire as kw
from clients import consume_confluent, consume_kafka_python, create_topic
from test_swift_client import kairos, ok


def test_swift_idempotent_retries_after_lost_responses_write_each_record_once(proxied_broker, topic):
    broker, proxy = proxied_broker
    create_topic(broker, topic, partitions=1)
    n = 3000
    sent = [f"{i:06d}" for i in range(n)]
    # Small batches, several in flight: the lost responses hit requests with others queued behind them.
    proxy.drop_produce_responses({3, 10, 25})
    ok(kairos("produce", "--bootstrap-server", f"127.0.0.1:{proxy.port}", "--topic", topic,
              "--producer-property", "acks=all", "--producer-property", "enable.idempotence=true",
              "--producer-property", "batch.size=1024", "--producer-property", "linger.ms=1",
              "--producer-property", "max.in.flight.requests.per.connection=5",
              "--producer-property", "retry.backoff.ms=20", stdin="".join(s + "\n" for s in sent)))
    assert proxy.dropped == 3, f"the proxy lost {proxy.dropped} responses (of {proxy.produce_responses})"
    assert proxy.connections >= 3, "each lost response closes a connection: the producer must reconnect"
    for got in (consume_confluent(broker, topic, n), consume_kafka_python(broker, topic, n)):
        values = [r.value.decode() for r in got]
        assert len(values) == len(set(values)), "duplicates after retries"
        assert values == sent
        assert [r.offset for r in got] == list(range(n))
    if not brokers.is_tansu():  # Tansu's high watermark counts batches, so fetch_all would stop early.
        with kw.Connection(broker.host, broker.port) as conn:
            batches, hwm = kw.fetch_all(conn, topic)
        assert hwm == n
        assert {b.producer_id for b in batches} != {-1} and len({b.producer_id for b in batches}) == 1
        expected = 0
        for b in batches:
            assert b.base_sequence == expected, f"batch at {b.base_offset}: sequence {b.base_sequence} != {expected}"
            expected += len(b.records)


def _stderr_lines(proc: subprocess.Popen, into: list[str]) -> threading.Thread:
    def pump():
        for line in proc.stderr:
            into.append(line.rstrip("\n"))
    t = threading.Thread(target=pump, daemon=True)
    t.start()
    return t


def test_swift_producer_buffer_exhaustion_blocks_fails_then_recovers(proxied_broker, topic):
    broker, proxy = proxied_broker
    create_topic(broker, topic, partitions=1)
    value = "v" * 100
    first = [f"a{i:03d}-{value}" for i in range(40)]
    second = [f"b{i:03d}-{value}" for i in range(20)]
    max_block_ms = 300
    proxy.hold_produce_responses()
    proc = subprocess.Popen(
        [brokers.kairos_bin(), "produce", "--bootstrap-server", f"127.0.0.1:{proxy.port}", "--topic", topic,
         "--producer-property", "buffer.memory=4096", "--producer-property", "batch.size=1024",
         "--producer-property", f"max.block.ms={max_block_ms}", "--producer-property", "linger.ms=0"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    errors: list[str] = []
    pump = _stderr_lines(proc, errors)
    try:
        started = time.monotonic()
        proc.stdin.write("".join(s + "\n" for s in first))
        proc.stdin.flush()
        # 4 KiB hold about 30 of these records: the rest of the first lines must block, then fail.
        while len([e for e in errors if "buffer exhausted" in e]) < 3:
            assert proc.poll() is None, f"producer exited early: {errors}"
            assert time.monotonic() - started < 30, f"no buffer-exhausted errors while nothing was acknowledged: {errors}"
            time.sleep(0.02)
        waited_s = time.monotonic() - started
        assert waited_s >= 3 * max_block_ms / 1000 * 0.9, f"three refusals after {waited_s:.2f}s: no blocking"
        assert proxy.held >= 1
        proxy.release()
        # With acknowledgements flowing again, memory comes back and later records go through.
        proc.stdin.write("".join(s + "\n" for s in second))
        proc.stdin.close()
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    pump.join(5)
    refused = [e for e in errors if e.startswith("error sending record") and "buffer exhausted" in e]
    other = [e for e in errors if e.startswith("error sending record") and "buffer exhausted" not in e]
    assert not other, other
    assert proc.returncode != 0, "records were refused, so the producer must exit non-zero"
    assert f"{len(refused)} record(s) were not delivered" in "\n".join(errors), errors
    got = [r.value.decode() for r in consume_confluent(broker, topic, len(first) + len(second) - len(refused))]
    assert len(got) == len(set(got)), "a record was written twice"
    assert len(got) + len(refused) == len(first) + len(second)
    sent = first + second
    # What was written is what was sent minus the refused records, in send order.
    positions = [sent.index(v) for v in got]
    assert positions == sorted(positions)
    assert got[:25] == first[:25], "the records accepted before the buffer filled are delivered"
    assert got[-len(second):] == second, "after recovery every later record is delivered"
