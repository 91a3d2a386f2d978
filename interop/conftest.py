"""Fixtures of the interop suite: brokers as child processes, free ports, unique topic names.

Brokers:
  `broker`          one broker shared by the tests of a module (each test uses its own topic)
  `broker_factory`  starts brokers for one test, with Kafka server properties as overrides
  `fresh_broker`    a broker of its own for one test (restart / kill -9 tests)
  `proxied_broker`  a broker of its own behind a `FaultProxy` it advertises: (broker, proxy)

Markers:
  `slow`                 takes several seconds (kill -9, restarts); runs by default
  `tansu_fault(reason)`  Kafka behaviour Tansu lacks; skipped when INTEROP_BROKER=tansu
                         (INTEROP_TANSU_FAULTS=run turns the skip into a non-strict xfail)

A failing test gets the broker log written since the test began attached to its report.
"""

from __future__ import annotations

import atexit
import itertools
import os
import re
import uuid

import pytest

import brokers
from brokers import Broker
from faultproxy import FaultProxy

atexit.register(brokers.kill_all_left_over)

_topic_counter = itertools.count()


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes several seconds (kill -9, restarts); still runs by default")
    config.addinivalue_line("markers", "tansu_fault(reason): Kafka behaviour the peer broker Tansu lacks")
    # kafka-python 3 loads its schemas through a deprecated importlib API on every request class.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning")


def pytest_report_header(config):
    where = os.environ.get("KAIROS_BIN", "(KAIROS_BIN unset)") if brokers.KIND == "kairos" else "tansu"
    return f"interop broker: {brokers.KIND} {where}"


def pytest_collection_modifyitems(config, items):
    if not brokers.is_tansu():
        return
    run_faults = os.environ.get("INTEROP_TANSU_FAULTS", "") == "run"
    for item in items:
        mark = item.get_closest_marker("tansu_fault")
        if mark is None:
            continue
        reason = "tansu fault: " + (mark.args[0] if mark.args else mark.kwargs.get("reason", ""))
        if run_faults:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=False))
        else:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    item._interop_log_marks = {id(b): b.log_size() for b in brokers.LIVE}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    marks = getattr(item, "_interop_log_marks", {})
    for b in brokers.LIVE:
        text = b.log_text(since=marks.get(id(b), 0))
        alive = "running" if b.alive() else f"exited {b.proc.returncode if b.proc else None}"
        report.sections.append((f"broker {b.kind} :{b.port} ({alive}) log", text or "(empty)"))


# ---------------------------------------------------------------- brokers

@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    """A broker shared by one test module; tests keep apart by using unique topics."""
    b = Broker(tmp_path_factory.mktemp("broker"))
    try:
        b.start()
        yield b
    finally:
        b.close()


@pytest.fixture
def broker_factory(tmp_path_factory):
    """`broker_factory(**{"kafka.property": value})` starts a broker of this test's own."""
    started: list[Broker] = []

    def make(overrides: dict[str, str] | None = None) -> Broker:
        b = Broker(tmp_path_factory.mktemp("broker"), overrides=overrides)
        started.append(b)
        return b.start()

    try:
        yield make
    finally:
        for b in started:
            b.close()


@pytest.fixture
def fresh_broker(broker_factory):
    return broker_factory()


@pytest.fixture
def proxied_broker(tmp_path_factory):
    """A broker of this test's own that advertises a fault-injecting proxy in front of it, so every
    client connection after bootstrap goes through the proxy: yields (broker, proxy)."""
    port = brokers.free_port()
    proxy = FaultProxy(port)
    b = Broker(tmp_path_factory.mktemp("broker"), port=port, advertised_port=proxy.port)
    try:
        b.start()
        yield b, proxy
    finally:
        proxy.close()
        b.close()


# ---------------------------------------------------------------- names

def unique_topic_name(hint: str = "t") -> str:
    """A legal, unique topic name (letters, digits, '.', '_', '-'; well under 249 chars)."""
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", hint).strip("-._")[:60] or "t"
    return f"it-{clean}-{next(_topic_counter)}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def topic(request):
    """A topic name no other test uses (the topic itself is not created)."""
    return unique_topic_name(request.node.name)


@pytest.fixture
def topic_factory(request):
    return lambda suffix="": unique_topic_name(f"{request.node.name}-{suffix}")
