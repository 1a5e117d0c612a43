"""The daemon's one HTTP server (SPEC §8): ``/metrics``, ``/healthz``, ``/readyz`` and static folders.

* ``/metrics`` — the body an :class:`~dashboards.exporter.Exposition` prepared (gzip when the client
  accepts it); a scrape only copies bytes and renders the few health families.
* ``/healthz`` — 200 while the process serves; ``/readyz`` — 200 once a snapshot exists, else 503.
* static folders (``/dashboards/``, ``/reports/``) — files under a folder given at start; a folder
  shows its ``index.html`` or else a listing. Nothing outside the folder is reachable (``..``,
  symlinks leading out).

TLS and basic auth follow Prometheus' web configuration: a certificate and key file, and
``basic_auth_users`` mapping a user to a bcrypt hash. Auth covers every path but the two probes,
``/healthz`` and ``/readyz``: they say only "ok" or "not ready", and container health checks and
orchestrator probes cannot be expected to carry the scrape credentials. bcrypt is slow on purpose,
so a pair it has accepted is remembered (as an HMAC under a per-process key, never the password) and a
scrape every 15 s costs one hash, not one bcrypt run. An unknown user is still checked against a
dummy hash, so the answer time does not tell which users exist.

The server is a ``ThreadingHTTPServer`` speaking HTTP/1.1 with keep-alive (Prometheus reuses its
connection); TLS handshakes happen in the connection's thread, so a slow client cannot stall accept.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import html
import logging
import mimetypes
import secrets
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit

import bcrypt

from dashboards.exporter import CONTENT_TYPE
from doraspace.config import HttpConfig

__all__ = ["BasicAuth", "HttpServer", "MetricsSource"]

log = logging.getLogger(__name__)

# How long a client may take to finish a TLS handshake, and how long an idle keep-alive connection lives.
TLS_HANDSHAKE_TIMEOUT = 10.0
IDLE_TIMEOUT = 60.0
# A bcrypt hash of a random, forgotten password: unknown users are checked against it (constant time),
# at the highest cost among the configured hashes, so that an unknown user takes no less time than a
# known one with a wrong password (the cost is the two digits after the version: $2b$10$...).
_DUMMY_HASH = b"$2b$10$v61/Ht0V18m0iaScy3c.7uci5gDFL2hdMsl2Gl5.Mr4LO6n/xWuWS"
# Accepted credential pairs remembered at most; past it the memory starts again (bcrypt runs once more).
_VERIFIED_CACHE_SIZE = 1024


# Liveness and readiness probes answer without credentials; they reveal nothing but "ok".
PROBES = frozenset({"/healthz", "/readyz"})


class MetricsSource(Protocol):
    """What ``/metrics`` and ``/readyz`` need; :class:`dashboards.exporter.Exposition` is one."""

    @property
    def ready(self) -> bool: ...

    def render_parts(self, *, gzipped: bool = False) -> tuple[bytes, bytes]: ...


class BasicAuth:
    """HTTP basic auth against ``user → bcrypt hash``; with no users, everyone is let in."""

    def __init__(self, users: Mapping[str, str]) -> None:
        self._users = {user: hashed.encode("ascii") for user, hashed in users.items()}
        cost = max((hashed[4:6] for hashed in self._users.values()), default=_DUMMY_HASH[4:6])
        self._unknown = _DUMMY_HASH[:4] + cost + _DUMMY_HASH[6:]
        self._key = secrets.token_bytes(32)
        self._verified: set[bytes] = set()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self._users)

    def verify(self, authorization: str | None) -> bool:
        """Whether an ``Authorization`` header value carries a configured user and its password."""
        if not self._users:
            return True
        scheme, _, credentials = (authorization or "").strip().partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, separator, password = decoded.partition(":")
        if not separator:
            return False
        user_bytes, password_bytes = user.encode(), password.encode()
        # Length-prefixed, so that ("a", "b:c") and ("a:b", "c") can never share a cache entry.
        fingerprint = hmac.new(
            self._key, len(user_bytes).to_bytes(4, "big") + user_bytes + password_bytes, hashlib.sha256
        ).digest()
        with self._lock:
            if fingerprint in self._verified:
                return True
        hashed = self._users.get(user)
        try:
            matches = bcrypt.checkpw(password_bytes, hashed if hashed is not None else self._unknown)
        except ValueError:  # longer than bcrypt's 72 bytes, or a hash bcrypt cannot read: refused
            matches = False
        if not matches or hashed is None:
            return False
        with self._lock:
            if len(self._verified) >= _VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified.add(fingerprint)
        return True


def _accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether gzip has a q-value above 0: its own entry's, else that of ``*`` (RFC 9110 §12.5.3: ``*``
    stands for the codings not listed), in any order."""
    weights: dict[str, float] = {}
    for item in (accept_encoding or "").split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights.setdefault(coding.lower(), weight)
    return weights.get("gzip", weights.get("*", 0.0)) > 0


def _content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "application/json"
    if suffix in (".yaml", ".yml"):
        return "text/yaml; charset=utf-8"
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed is None:
        return "application/octet-stream"
    return (
        f"{guessed}; charset=utf-8"
        if guessed.startswith("text/") or guessed.endswith("javascript")
        else guessed
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        *,
        metrics: MetricsSource,
        static_dirs: Mapping[str, Path],
        auth: BasicAuth,
        ssl_context: ssl.SSLContext | None,
    ) -> None:
        self.metrics = metrics
        self.static_dirs = {name.strip("/"): path for name, path in static_dirs.items()}
        self.auth = auth
        self.ssl_context = ssl_context
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks DNS for the host's FQDN, which can hang for seconds: skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.ssl_context is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(TLS_HANDSHAKE_TIMEOUT)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:  # plain HTTP on the TLS port, an untrusting client, a scan
            log.debug("TLS handshake with %s failed: %s", client_address[0], exc)
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that goes away mid-answer is routine; keep tracebacks out of the daemon's log.
        log.debug("connection from %s failed", client_address[0], exc_info=True)

    def drop_open_connections(self) -> None:
        # Keep-alive handler threads block reading the next request; shutting their sockets down
        # wakes them, so stopping does not wait for idle clients.
        with self.connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, the client's delayed ACK costs ~40 ms.
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT
    server_version = "doraspace"
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.open_connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    # -- answers ---------------------------------------------------------------------------------------

    def _send(
        self,
        status: HTTPStatus,
        parts: Iterable[bytes],
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        chunks = [part for part in parts if part]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(sum(len(chunk) for chunk in chunks)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            for chunk in chunks:
                self.wfile.write(chunk)

    def _text(self, status: HTTPStatus, text: str, headers: Mapping[str, str] | None = None) -> None:
        self._send(status, [text.encode()], "text/plain; charset=utf-8", headers)

    def _html(self, title: str, body: str) -> None:
        page = (
            '<!doctype html>\n<html><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
            f"{body}</body></html>\n"
        )
        self._send(HTTPStatus.OK, [page.encode()], "text/html; charset=utf-8")

    def _redirect(self, location: str) -> None:
        self._text(HTTPStatus.MOVED_PERMANENTLY, f"see {location}\n", {"Location": location})

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path not in PROBES and not self.server.auth.verify(self.headers.get("Authorization")):
            self._text(
                HTTPStatus.UNAUTHORIZED,
                "authentication required\n",
                {"WWW-Authenticate": 'Basic realm="doraspace", charset="UTF-8"'},
            )
            return
        if path == "/metrics":
            self._metrics()
        elif path == "/healthz":
            self._text(HTTPStatus.OK, "ok\n")
        elif path == "/readyz":
            if self.server.metrics.ready:
                self._text(HTTPStatus.OK, "ok\n")
            else:
                self._text(HTTPStatus.SERVICE_UNAVAILABLE, "not ready\n")
        elif path == "/":
            self._index()
        else:
            name, slash, rest = path.lstrip("/").partition("/")
            root = self.server.static_dirs.get(name)
            if root is None:
                self._text(HTTPStatus.NOT_FOUND, "not found\n")
            elif not slash:
                self._redirect(f"/{name}/")
            else:
                self._static(root, f"/{name}/", rest)

    do_HEAD = do_GET

    def _refuse_method(self) -> None:
        self.close_connection = True  # the request body, if any, is left unread
        self._text(HTTPStatus.METHOD_NOT_ALLOWED, "only GET and HEAD\n", {"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method

    def _metrics(self) -> None:
        gzipped = _accepts_gzip(self.headers.get("Accept-Encoding"))
        headers = {"Vary": "Accept-Encoding", "Cache-Control": "no-store"}
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        self._send(HTTPStatus.OK, self.server.metrics.render_parts(gzipped=gzipped), CONTENT_TYPE, headers)

    def _index(self) -> None:
        links = ["metrics", "healthz", "readyz", *(f"{name}/" for name in sorted(self.server.static_dirs))]
        items = "".join(f'<li><a href="/{quote(link)}">/{html.escape(link)}</a></li>\n' for link in links)
        self._html("doraspace", f"<ul>\n{items}</ul>\n")

    def _static(self, root: Path, prefix: str, rest: str) -> None:
        parts = [unquote(part) for part in rest.split("/") if part]
        if any(part in (".", "..") or "/" in part or "\\" in part or "\0" in part for part in parts):
            self._text(HTTPStatus.NOT_FOUND, "not found\n")
            return
        base = root.resolve()
        target = base.joinpath(*parts).resolve()
        if not target.is_relative_to(base) or not target.exists():
            self._text(HTTPStatus.NOT_FOUND, "not found\n")
            return
        if target.is_dir():
            if rest and not rest.endswith("/"):
                self._redirect(prefix + rest + "/")
                return
            index = target / "index.html"
            if index.is_file():
                target = index
            else:
                self._listing(prefix + rest, target)
                return
        try:
            content = target.read_bytes()
        except OSError:
            self._text(HTTPStatus.NOT_FOUND, "not found\n")
            return
        self._send(HTTPStatus.OK, [content], _content_type(target), {"Cache-Control": "no-cache"})

    def _listing(self, url_path: str, folder: Path) -> None:
        entries = sorted(entry for entry in folder.iterdir() if not entry.name.startswith("."))
        items = "".join(
            f'<li><a href="{quote(entry.name)}{"/" if entry.is_dir() else ""}">'
            f"{html.escape(entry.name)}{'/' if entry.is_dir() else ''}</a></li>\n"
            for entry in entries
        )
        self._html(url_path, f"<ul>\n{items or '<li>(empty)</li>'}</ul>\n")


def _ssl_context(cert_file: str, key_file: str | None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context


class HttpServer:
    """The daemon's HTTP server; ``start()`` binds and serves from a background thread.

    ``static_dirs`` maps a top-level path (``"dashboards"``) to the folder served under it.
    ``port=0`` picks a free port; :attr:`port` and :attr:`url` tell which.
    """

    def __init__(
        self,
        metrics: MetricsSource,
        *,
        host: str = "127.0.0.1",
        port: int = 9464,
        static_dirs: Mapping[str, Path] | None = None,
        tls_cert_file: str | None = None,
        tls_key_file: str | None = None,
        basic_auth_users: Mapping[str, str] | None = None,
    ) -> None:
        self._metrics = metrics
        self._address = (host, port)
        self._static_dirs = dict(static_dirs or {})
        self._tls_files = (tls_cert_file, tls_key_file) if tls_cert_file else None
        self._auth = BasicAuth(basic_auth_users or {})
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def from_config(
        cls, http: HttpConfig, metrics: MetricsSource, *, static_dirs: Mapping[str, Path] | None = None
    ) -> HttpServer:
        return cls(
            metrics,
            host=http.host,
            port=http.port,
            static_dirs=static_dirs,
            tls_cert_file=http.tls_cert_file,
            tls_key_file=http.tls_key_file,
            basic_auth_users=http.basic_auth_users,
        )

    def start(self) -> HttpServer:
        """Bind and serve. Raises ``OSError`` when the address is taken, ``ssl.SSLError``/``OSError``
        when the certificate or key cannot be loaded."""
        if self._server is not None:
            raise RuntimeError("HTTP server already started")
        context = _ssl_context(*self._tls_files) if self._tls_files else None
        self._server = _Server(
            self._address,
            metrics=self._metrics,
            static_dirs=self._static_dirs,
            auth=self._auth,
            ssl_context=context,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, name="doraspace-http"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close idle keep-alive connections, and wait for the serving thread."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.drop_open_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> HttpServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("HTTP server not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http(s)://host:port`` of the listening socket; the wildcard address shows as loopback."""
        if self._server is None:
            raise RuntimeError("HTTP server not started")
        host = str(self._server.server_address[0])
        if host in ("", "0.0.0.0", "::"):  # noqa: S104 - naming the wildcard, not binding it
            host = "127.0.0.1" if host != "::" else "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"{'https' if self._tls_files else 'http'}://{host}:{self.port}"
