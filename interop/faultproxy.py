"""A TCP proxy between a client and the broker that can lose or hold Produce responses.

The broker advertises the proxy's address (`Broker(advertised_port=proxy.port)`), so every connection
the client opens, bootstrap and leader alike, goes through the proxy. The proxy reads the Kafka
framing in both directions (4-byte size, then the request header's api key and correlation id, or
the response's correlation id) and otherwise passes bytes through unchanged. Two faults:

  `drop_produce_responses({2, 5})`  the 2nd and 5th Produce responses (counted from 1 over the whole
                                    proxy) are not delivered: the proxy closes that client connection
                                    instead, as a network failure after the broker wrote the batch would
  `hold_produce_responses()` / `release()`  Produce responses wait in the proxy until released, as if
                                    the broker were slow; everything else flows

Nothing else in the suite depends on it; each test starts its own proxy.
"""

from __future__ import annotations

import socket
import struct
import threading

API_PRODUCE = 0


class FaultProxy:
    def __init__(self, upstream_port: int, host: str = "127.0.0.1"):
        self.host = host
        self.upstream_port = upstream_port
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Condition()
        self._drop: set[int] = set()
        self._holding = False
        self._closed = False
        self._sockets: list[socket.socket] = []
        # Observations, for assertions.
        self.connections = 0
        self.produce_requests = 0
        self.produce_responses = 0
        self.dropped = 0
        self.held = 0
        threading.Thread(target=self._accept_loop, name="faultproxy-accept", daemon=True).start()

    # ------------------------------------------------------------ faults

    def drop_produce_responses(self, ordinals: set[int]) -> None:
        """Loses the Produce responses with these 1-based ordinals (closing their client connection)."""
        with self._lock:
            self._drop = set(ordinals)

    def hold_produce_responses(self) -> None:
        """Keeps Produce responses back until `release()`."""
        with self._lock:
            self._holding = True

    def release(self) -> None:
        """Lets held Produce responses (and later ones) through."""
        with self._lock:
            self._holding = False
            self._lock.notify_all()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._holding = False
            self._lock.notify_all()
            sockets = list(self._sockets)
        for s in [self._listener, *sockets]:
            try:
                s.close()
            except OSError:
                pass

    def __enter__(self) -> "FaultProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ plumbing

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection((self.host, self.upstream_port), timeout=10)
            except OSError:
                client.close()
                continue
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.settimeout(None)
            with self._lock:
                if self._closed:
                    client.close()
                    upstream.close()
                    return
                self.connections += 1
                self._sockets += [client, upstream]
            pending: dict[int, int] = {}  # correlation id -> api key, for this connection
            threading.Thread(target=self._requests, args=(client, upstream, pending), daemon=True).start()
            threading.Thread(target=self._responses, args=(client, upstream, pending), daemon=True).start()

    @staticmethod
    def _read_frame(s: socket.socket) -> bytes | None:
        head = FaultProxy._read_exact(s, 4)
        if head is None:
            return None
        (size,) = struct.unpack(">i", head)
        body = FaultProxy._read_exact(s, size)
        return None if body is None else head + body

    @staticmethod
    def _read_exact(s: socket.socket, n: int) -> bytes | None:
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = s.recv(n - len(buf))
            except OSError:
                return None
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)

    @staticmethod
    def _shut(*sockets: socket.socket) -> None:
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass

    def _requests(self, client: socket.socket, upstream: socket.socket, pending: dict[int, int]) -> None:
        while True:
            frame = self._read_frame(client)
            if frame is None or len(frame) < 12:
                self._shut(client, upstream)
                return
            api_key, _version, corr = struct.unpack(">hhi", frame[4:12])
            with self._lock:
                pending[corr] = api_key
                if api_key == API_PRODUCE:
                    self.produce_requests += 1
            try:
                upstream.sendall(frame)
            except OSError:
                self._shut(client, upstream)
                return

    def _responses(self, client: socket.socket, upstream: socket.socket, pending: dict[int, int]) -> None:
        while True:
            frame = self._read_frame(upstream)
            if frame is None or len(frame) < 8:
                self._shut(client, upstream)
                return
            (corr,) = struct.unpack(">i", frame[4:8])
            with self._lock:
                api_key = pending.pop(corr, None)
                if api_key == API_PRODUCE:
                    self.produce_responses += 1
                    if self.produce_responses in self._drop:
                        self.dropped += 1
                        drop = True
                    else:
                        drop = False
                        if self._holding:
                            self.held += 1
                        while self._holding and not self._closed:
                            self._lock.wait(0.1)
                else:
                    drop = False
            if drop:
                self._shut(client, upstream)
                return
            try:
                client.sendall(frame)
            except OSError:
                self._shut(client, upstream)
                return
