"""Round-6 audit: the HTTP server where two of its rules meet (SPEC §8, docs/operations.md "HTTP").

The rules combined here, as SPEC and docs/ state them:

* SPEC §8: "/healthz (process alive) and /readyz (a snapshot exists); these two answer only "ok" and need
  no credentials ...; every other path does".
* docs: "/readyz | 200 "ok" once an analytics snapshot exists, 503 "not ready" before (dora_* series
  appear then)"; "/metrics | Prometheus text format 0.0.4; gzip when the client accepts it".
* docs: "Only GET and HEAD are answered; other methods are refused."
* docs: "A wrong password gets 401 with WWW-Authenticate: Basic"; "bcrypt runs once per user and
  password: an accepted pair is remembered".
* docs: TLS "follow[s] Prometheus' web configuration" (TLS 1.2 or later).

Every server here runs in process (``HttpServer`` on port 0, loopback) over an ``Exposition`` with a fixed
clock, so two scrapes of the same snapshot give the same bytes. bcrypt hashes use cost 4 (cheap).
"""

from __future__ import annotations

import base64
import gzip
import http.client
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bcrypt
import pytest
import trustme

from analytics.dora import TeamWindowMetrics
from analytics.snapshot import Snapshot
from dashboards.exporter import Exposition
from doraspace.http_server import HttpServer

AS_OF = datetime(2026, 3, 7, tzinfo=UTC)
USER, PASSWORD = "prometheus", "right horse"
# A second user whose name and password are outside ASCII and whose password holds colons: basic auth
# splits "user:password" at the FIRST colon (RFC 7617), and the server advertises charset="UTF-8".
UTF8_USER, UTF8_PASSWORD = "zoë", "pä:ss:wörd"
USERS = {
    USER: bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode(),
    UTF8_USER: bcrypt.hashpw(UTF8_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode(),
}
METRICS_TYPE = "text/plain; version=0.0.4"
NO_CREDENTIALS: dict[str, str] = {}


def basic(user: str, password: str, scheme: str = "Basic") -> dict[str, str]:
    return {"Authorization": f"{scheme} " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def row(team: str, deployments: int) -> TeamWindowMetrics:
    return TeamWindowMetrics(
        team=team,
        window="7d",
        window_days=7,
        as_of=AS_OF,
        deployments=deployments,
        deployment_frequency_per_day=deployments / 7,
        lead_time_hours_p50=2.0,
        lead_time_hours_p90=None,
        lead_time_breakdown_hours_p50={},
        bands={"deployment_frequency": "elite"},
    )


def snapshot() -> Snapshot:
    return Snapshot(AS_OF, AS_OF, "dora-2023", ("*", "orders"), (row("*", 7), row("orders", 7)))


class Client:
    """One server; each call opens a connection (plain or TLS), sends one request, reads the answer."""

    def __init__(self, server: HttpServer, context: ssl.SSLContext | None = None) -> None:
        self.server = server
        self.context = context

    def connection(self) -> http.client.HTTPConnection:
        if self.context is not None:
            port = self.server.port
            return http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=self.context)
        return http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)

    def __call__(
        self, path: str, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = self.connection()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()


@pytest.fixture
def exposition() -> Exposition:
    return Exposition(clock=lambda: AS_OF + timedelta(seconds=30))


@pytest.fixture
def client(exposition: Exposition, tmp_path: Path) -> Iterator[Client]:
    boards = tmp_path / "dashboards"
    boards.mkdir()
    (boards / "team.json").write_text('{"title": "team"}')
    with HttpServer(exposition, port=0, static_dirs={"dashboards": boards}, basic_auth_users=USERS) as server:
        yield Client(server)


AUTH = basic(USER, PASSWORD)


# ----------------------------------------------------------------------------------- probes × snapshot


def test_probes_need_no_credentials_before_and_after_the_first_snapshot_while_metrics_does(
    client: Client, exposition: Exposition
) -> None:
    """Auth configured × readiness changing.

    Before any snapshot: /healthz → 200 "ok"; /readyz → 503 "not ready" (docs) — and that is so with no
    credentials AND with wrong credentials (a probe never answers 401: it needs none, SPEC §8). /metrics
    without credentials → 401; with them → 200 carrying only the health families (docs: the dora_* series
    appear once a snapshot exists), so no line starts with "dora_" and `doraspace_up 1.0` is there.
    HEAD /readyz before: 503, Content-Length = len("not ready\\n") = 10, no body.
    After ``update``: /readyz → 200 "ok" with no/wrong credentials; /metrics (authorised) now has
    dora_deployments{team="orders",window="7d"} 7.0 (the snapshot's 7 deployments)."""
    wrong = basic(USER, "wrong horse")
    for headers in (NO_CREDENTIALS, wrong):
        assert client("/healthz", headers=headers)[::2] == (200, b"ok\n")
        status, _, body = client("/readyz", headers=headers)
        assert (status, body) == (503, b"not ready\n")
    status, headers, body = client("/readyz", "HEAD")
    assert (status, headers["content-length"], body) == (503, "10", b"")
    assert client("/metrics")[0] == 401
    status, headers, body = client("/metrics", headers=AUTH)
    assert status == 200 and headers["content-type"].startswith(METRICS_TYPE)
    lines = body.decode().splitlines()
    assert "doraspace_up 1.0" in lines
    assert not [line for line in lines if line.startswith("dora_")]

    exposition.update(snapshot())
    for headers in (NO_CREDENTIALS, wrong):
        status, _, body = client("/readyz", headers=headers)
        assert (status, body) == (200, b"ok\n")
    assert client("/metrics")[0] == 401
    lines = client("/metrics", headers=AUTH)[2].decode().splitlines()
    assert 'dora_deployments{team="orders",window="7d"} 7.0' in lines


def test_only_the_two_exact_probe_paths_skip_credentials_and_a_query_string_changes_nothing(
    client: Client, exposition: Exposition
) -> None:
    """Probe exemption × path spelling × query string.

    SPEC names exactly two paths; "every other path" needs credentials. A query string is not part of the
    path, so /healthz?verbose=1 and /readyz?x=1 are still the probes (200 "ok" without credentials), and
    /metrics?x=1 still needs credentials (401 without) and, with them, answers byte for byte what /metrics
    answers (the exposition's clock is fixed, so the health families are identical too).
    /healthz/ and /HEALTHZ are other paths: 401 without credentials (not "ok"), 404 with them."""
    exposition.update(snapshot())
    assert client("/healthz?verbose=1")[::2] == (200, b"ok\n")
    assert client("/readyz?x=1&y")[::2] == (200, b"ok\n")
    assert client("/metrics?x=1")[0] == 401
    assert client("/metrics?healthz")[0] == 401
    plain = client("/metrics", headers=AUTH)[2]
    assert client("/metrics?name[]=dora_deployments&format=json", headers=AUTH)[::2] == (200, plain)
    for other in ("/healthz/", "/HEALTHZ", "/readyz/", "/healthz/../metrics"):
        status, _, body = client(other)
        assert status == 401 and b"ok" not in body and b"doraspace_up" not in body, other
        if other != "/healthz/../metrics":
            assert client(other, headers=AUTH)[0] == 404, other


# ------------------------------------------------------------------------------ refusal kinds × leaks


REFUSALS = {
    "no header": NO_CREDENTIALS,
    "wrong password": basic(USER, "wrong horse"),
    "unknown user, a real password": basic("nobody", PASSWORD),
    "unknown user = other user's name with its password": basic(USER.upper(), PASSWORD),
    "password with a trailing space": basic(USER, PASSWORD + " "),
    "bearer scheme": {"Authorization": "Bearer " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()},
    "scheme only": {"Authorization": "Basic"},
    "not base64": {"Authorization": "Basic !!not base64!!"},
    "no colon": {"Authorization": "Basic " + base64.b64encode(USER.encode()).decode()},
    "not utf-8": {"Authorization": "Basic " + base64.b64encode(b"prometheus:\xff\xfe").decode()},
    "bcrypt's 72-byte limit exceeded": basic(USER, PASSWORD + "x" * 80),
}


def test_every_kind_of_refusal_answers_the_same_401_and_is_never_gzipped(
    client: Client, exposition: Exposition
) -> None:
    """Auth failure kinds × gzip requested × what the answer reveals.

    For each refusal above, on /metrics with ``Accept-Encoding: gzip`` (which /metrics would honour):
    status 401, `WWW-Authenticate` starting with "Basic" (docs), no Content-Encoding (the 401 body is
    plain, not the gzip exposition), and the same body, Content-Type and Content-Length for every kind —
    so the answer does not tell an unknown user from a wrong password, nor a malformed header from either;
    the body names no user and holds no metric. The right pair then gets the gzip exposition."""
    exposition.update(snapshot())
    answers = {}
    for kind, headers in REFUSALS.items():
        status, answer_headers, body = client("/metrics", headers={**headers, "Accept-Encoding": "gzip"})
        assert status == 401, kind
        assert answer_headers["www-authenticate"].startswith("Basic"), kind
        assert "content-encoding" not in answer_headers, kind
        assert b"doraspace" not in body and b"dora_" not in body and USER.encode() not in body, kind
        assert b"nobody" not in body and b"wrong" not in body, kind
        answers[kind] = (answer_headers["content-type"], answer_headers["content-length"], body)
    assert len(set(answers.values())) == 1, answers
    status, headers, zipped = client("/metrics", headers={**AUTH, "Accept-Encoding": "gzip"})
    assert (status, headers["content-encoding"]) == (200, "gzip")
    assert b"dora_deployments" in gzip.decompress(zipped)


def test_an_unknown_user_pays_one_bcrypt_check_like_a_wrong_password_and_a_good_pair_pays_once(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unknown user × wrong password × the remembered pair (docs: "bcrypt runs once per user and password").

    Counting bcrypt.checkpw calls (the real function still runs):
    unknown user, twice → 2 calls (one each: checked against a stand-in hash, so it costs what a wrong
    password costs — the refusal time does not single out unknown users); wrong password, twice → 2 more
    (a refusal is never remembered); the right pair, three requests → 1 more (then remembered);
    a malformed header → 0 (nothing to check). Total 2 + 2 + 1 + 0 = 5.
    The remembered pair does not open the door to a different password of the same user (401)."""
    real = bcrypt.checkpw
    calls: list[bytes] = []

    def counting(password: bytes, hashed: bytes) -> bool:
        calls.append(password)
        return real(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counting)
    for _ in range(2):
        assert client("/metrics", headers=basic("nobody", PASSWORD))[0] == 401
    assert len(calls) == 2
    for _ in range(2):
        assert client("/metrics", headers=basic(USER, "wrong horse"))[0] == 401
    assert len(calls) == 4
    for _ in range(3):
        assert client("/metrics", headers=AUTH)[0] == 200
    assert len(calls) == 5
    assert client("/metrics", headers={"Authorization": "Basic ###"})[0] == 401
    assert len(calls) == 5
    assert client("/metrics", headers=basic(USER, PASSWORD + "!"))[0] == 401
    assert len(calls) == 6


def test_scheme_is_case_insensitive_and_a_utf8_password_with_colons_is_accepted_and_remembered(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Basic auth parsing × non-ASCII credentials × the remembered pair.

    RFC 7617: the scheme name is case-insensitive, the user-id ends at the FIRST colon (a password may
    hold colons), and the server's charset="UTF-8" parameter means UTF-8 user and password. So user "zoë"
    with password "pä:ss:wörd" under scheme "BASIC" (and "basic") → 200. Splitting at the last colon
    instead ("zoë:pä:ss" / "wörd") would be refused. Once accepted, the same pair costs no bcrypt run
    (0 calls for the next two requests), while "pä:ss" alone (cut at the second colon) → 401."""
    assert client("/metrics", headers=basic(UTF8_USER, UTF8_PASSWORD, "BASIC"))[0] == 200
    calls: list[bytes] = []
    real = bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        calls.append(password)
        return real(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counting)
    assert client("/metrics", headers=basic(UTF8_USER, UTF8_PASSWORD, "basic"))[0] == 200
    assert client("/dashboards/team.json", headers=basic(UTF8_USER, UTF8_PASSWORD))[::2] == (
        200,
        b'{"title": "team"}',
    )
    assert calls == []
    assert client("/metrics", headers=basic(UTF8_USER, "pä:ss"))[0] == 401
    assert len(calls) == 1


# ------------------------------------------------------------------------------------ gzip negotiation


GZIP_WANTED = {
    "gzip": True,
    "gzip, deflate, br": True,
    "GZIP": True,  # content-coding names are case-insensitive (RFC 9110 §8.4.1)
    "deflate;q=1, gzip;q=0.5": True,
    " gzip ; q=0.001 ": True,
    "gzip;Q=1.0": True,  # the q parameter name is case-insensitive too
    "*": True,
    "gzip;q=0": False,
    "gzip;q=0.000": False,
    "gzip;q=0, *": False,  # an explicit refusal of gzip beats the wildcard
    "identity": False,
    "deflate, br": False,
    "": False,
}


def test_gzip_negotiation_with_q_values_gives_one_body_in_two_codings_also_for_head(
    client: Client, exposition: Exposition
) -> None:
    """Accept-Encoding q-values × authorised scrape × HEAD.

    docs: "gzip when the client accepts it". A coding is accepted when listed (or matched by "*") with
    q > 0 (RFC 9110 §12.5.3). For every value in GZIP_WANTED: Content-Encoding is "gzip" exactly when
    accepted; the decoded body equals the identity body byte for byte (fixed clock, one snapshot);
    Content-Type is text format 0.0.4 either way; Vary names Accept-Encoding (the body depends on it).
    HEAD with the same header gives the same status, Content-Encoding and Content-Length, and no body.
    Probes and refusals are never gzipped: /healthz with "gzip" → plain "ok\\n"."""
    exposition.update(snapshot())
    _, _, plain = client("/metrics", headers=AUTH)
    for accept, wanted in GZIP_WANTED.items():
        request = {**AUTH, "Accept-Encoding": accept}
        status, headers, body = client("/metrics", headers=request)
        assert status == 200, accept
        assert headers.get("content-encoding") == ("gzip" if wanted else None), accept
        assert (gzip.decompress(body) if wanted else body) == plain, accept
        assert headers["content-type"].startswith(METRICS_TYPE), accept
        assert "accept-encoding" in headers["vary"].lower(), accept
        assert int(headers["content-length"]) == len(body), accept
        head_status, head_headers, head_body = client("/metrics", "HEAD", request)
        assert (head_status, head_headers.get("content-encoding"), head_body) == (
            200,
            headers.get("content-encoding"),
            b"",
        ), accept
        assert head_headers["content-length"] == headers["content-length"], accept
    status, headers, body = client("/healthz", headers={"Accept-Encoding": "gzip"})
    assert (status, headers.get("content-encoding"), body) == (200, None, b"ok\n")


def test_a_wildcard_refusal_before_an_explicit_gzip_still_gets_gzip(
    client: Client, exposition: Exposition
) -> None:
    """Wildcard × explicit coding. RFC 9110 §12.5.3: "*" "matches any available content coding not
    explicitly listed in the field", and identity is unacceptable when "*;q=0" is given without a more
    specific entry for identity. So ``*;q=0, gzip`` says: gzip yes (q=1), everything else — identity too —
    no. docs: "gzip when the client accepts it" → Content-Encoding gzip. Likewise ``identity;q=0, gzip``
    and ``br, *;q=0, gzip;q=0.8``. The product reads the header left to right and stops at the first item
    that is gzip or "*", so "*;q=0" ends the search with "no" and it sends the identity body the client
    has just refused."""
    exposition.update(snapshot())
    for accept in ("*;q=0, gzip", "br, *;q=0, gzip;q=0.8"):
        headers = client("/metrics", headers={**AUTH, "Accept-Encoding": accept})[1]
        assert headers.get("content-encoding") == "gzip", accept


# -------------------------------------------------------------------------------- methods × paths × auth


PATHS = ("/metrics", "/healthz", "/readyz", "/", "/dashboards/", "/dashboards/team.json", "/nothing")


def test_head_mirrors_get_and_other_methods_are_refused_on_every_path_with_or_without_credentials(
    client: Client, exposition: Exposition
) -> None:
    """Methods × paths × auth.

    HEAD: for every path, with credentials, the same status, Content-Type and Content-Length as GET and
    an empty body (/nothing → 404 both ways); without credentials, HEAD gets what GET gets — 401 off the
    probes, 200 on them.
    POST/PUT/DELETE/PATCH/OPTIONS: docs "Only GET and HEAD are answered; other methods are refused" →
    405 with `Allow: GET, HEAD` on every path, probes included, with and without credentials, and the
    body never carries metrics or "ok" (a POST to /healthz is not a health check). Without credentials
    the product answers 405 rather than 401 (see the report: either refuses; neither reveals anything).
    TRACE and an invented method are refused too (4xx/5xx, nothing served)."""
    exposition.update(snapshot())
    for path in PATHS:
        get_status, get_headers, _ = client(path, headers=AUTH)
        head_status, head_headers, head_body = client(path, "HEAD", AUTH)
        assert (head_status, head_body) == (get_status, b""), path
        assert head_headers["content-type"] == get_headers["content-type"], path
        assert head_headers["content-length"] == get_headers["content-length"], path
        anonymous = client(path, "HEAD")[0]
        assert anonymous == (200 if path in ("/healthz", "/readyz") else 401), path
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            for headers in (NO_CREDENTIALS, AUTH):
                status, answer_headers, body = client(path, method, headers, body=b"x=1")
                assert (status, answer_headers.get("allow")) == (405, "GET, HEAD"), (path, method)
                assert b"dora" not in body and b"ok" not in body, (path, method)
        for method in ("TRACE", "BREW"):
            status, _, body = client(path, method, AUTH)
            assert status in (405, 501), (path, method, status)
            assert b"dora" not in body and body != b"ok\n", (path, method)


# ---------------------------------------------------------------------------------------- TLS × auth


@pytest.fixture
def tls_client(exposition: Exposition, tmp_path: Path) -> Iterator[Client]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert_file, key_file = tmp_path / "tls.crt", tmp_path / "tls.key"
    cert.private_key_pem.write_to_path(str(key_file))
    cert_file.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    with HttpServer(
        exposition,
        port=0,
        tls_cert_file=str(cert_file),
        tls_key_file=str(key_file),
        basic_auth_users=USERS,
    ) as server:
        yield Client(server, trusting)


def test_tls_with_basic_auth_probes_readiness_refusals_and_gzip_on_one_keep_alive_connection(
    tls_client: Client, exposition: Exposition
) -> None:
    """TLS × basic auth × readiness × gzip × keep-alive.

    Over HTTPS with auth configured: before any snapshot /readyz → 503 "not ready" and /healthz → 200 "ok"
    without credentials; /metrics → 401 (WWW-Authenticate Basic). On ONE TLS connection (Prometheus keeps
    its connection): a refused request (401) does not end the connection — the next request, with the
    right pair and Accept-Encoding gzip, gets 200, gzip, and after ``update`` the decoded body holds
    dora_deployments{team="orders",window="7d"} 7.0. The negotiated protocol is TLS 1.2 or later (docs)."""
    assert tls_client("/readyz")[::2] == (503, b"not ready\n")
    assert tls_client("/healthz")[::2] == (200, b"ok\n")
    status, headers, _ = tls_client("/metrics")
    assert status == 401 and headers["www-authenticate"].startswith("Basic")
    exposition.update(snapshot())
    assert tls_client("/readyz")[::2] == (200, b"ok\n")

    connection = tls_client.connection()
    try:
        connection.request("GET", "/metrics", headers={"Accept-Encoding": "gzip"})
        refused = connection.getresponse()
        assert refused.status == 401 and refused.getheader("Content-Encoding") is None
        refused.read()
        assert connection.sock is not None
        assert connection.sock.version() in ("TLSv1.2", "TLSv1.3")  # type: ignore[attr-defined]
        first_socket = connection.sock
        connection.request("GET", "/metrics", headers={**AUTH, "Accept-Encoding": "gzip"})
        answer = connection.getresponse()
        body = answer.read()
        assert connection.sock is first_socket  # the same TLS connection, not a reconnect
        assert (answer.status, answer.getheader("Content-Encoding")) == (200, "gzip")
        lines = gzip.decompress(body).decode().splitlines()
        assert 'dora_deployments{team="orders",window="7d"} 7.0' in lines
    finally:
        connection.close()
