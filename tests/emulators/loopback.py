"""The plumbing both emulators share: a ``ThreadingHTTPServer`` on 127.0.0.1 (TLS when given a context)
served from a background thread, stopped without waiting on keep-alive connections, and the queue of
injected faults. What each emulator answers stays in its own module: its handler subclasses
:class:`LoopbackHandler` and reads its emulator as ``self.server.emulator``."""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar

FaultT = TypeVar("FaultT")


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, handler: type[LoopbackHandler], emulator: Any, context: ssl.SSLContext | None = None
    ) -> None:
        self.emulator = emulator
        self.context = context
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = self.socket.accept()
        if self.context is None:
            return connection, address
        # The handshake runs in the handler's thread, so a slow client never stalls accept().
        return self.context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False), address

    def drop_open_connections(self) -> None:
        # Keep-alive handler threads block reading the next request; shutting their sockets down
        # wakes them so they finish and close, and server_close() can join them.
        with self.connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError, ValueError):
                connection.shutdown(socket.SHUT_RDWR)


class LoopbackHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the client's delayed ACK costs ~40 ms each.
    disable_nagle_algorithm = True
    server: LoopbackServer

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.open_connections.add(self.connection)
        self.handshake_failed = False
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except (ssl.SSLError, OSError):
                self.handshake_failed = True

    def handle(self) -> None:
        if self.handshake_failed:
            return
        # A client killed mid-request (a SIGKILL test) resets its connection: not an emulator error.
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            super().handle()

    def finish(self) -> None:
        try:
            with contextlib.suppress(OSError):
                super().finish()
        finally:
            with self.server.connections_lock:
                self.server.open_connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the emulator's ``requests`` list is the log


class Loopback:
    """One emulator's server and its thread: ``start``, ``stop`` (idempotent) and ``url``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._server: LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    def start(
        self, handler: type[LoopbackHandler], emulator: Any, context: ssl.SSLContext | None = None
    ) -> None:
        if self._server is not None:
            raise RuntimeError("emulator already started")
        self._server = LoopbackServer(handler, emulator, context)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name=self.name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.drop_open_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def url(self, scheme: str) -> str:
        if self._server is None:
            raise RuntimeError("emulator not started")
        host, port = self._server.server_address[:2]
        return f"{scheme}://{host!s}:{port}"


@dataclass
class _Injection(Generic[FaultT]):
    pattern: re.Pattern[str]
    fault: FaultT
    remaining: int


class Faults(Generic[FaultT]):
    """Injected faults: each answers the next ``times`` requests whose path matches, in the order
    injected. Callers serialise ``take`` with their own lock (it runs while a request is answered)."""

    def __init__(self) -> None:
        self._injections: list[_Injection[FaultT]] = []

    def inject(self, path_pattern: str, fault: FaultT, times: int = 1) -> None:
        """Answer the next ``times`` requests whose path (no query) matches ``path_pattern``
        (``re.search``) with ``fault``."""
        if times < 1:
            raise ValueError("times must be at least 1")
        self._injections.append(_Injection(re.compile(path_pattern), fault, times))

    def take(self, path: str) -> FaultT | None:
        for injection in self._injections:
            if injection.remaining > 0 and injection.pattern.search(path):
                injection.remaining -= 1
                return injection.fault
        return None
