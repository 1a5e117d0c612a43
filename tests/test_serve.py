"""`doraspace serve`: the daemon as a process against the GitHub emulator, and its parts in-process.

The process tests prove the SPEC §2/§8 promises end to end: ``promtool check metrics`` accepts a running
server's exposition; ``doraspace metrics`` works against the same DuckDB file while ``serve`` runs and
while its sync is in progress; TLS and basic auth refuse a wrong password; SIGTERM in the middle of a
sync exits 0 within 10 s and a restart completes exactly the data of a clean sync.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import logging
import os
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import bcrypt
import pytest
import trustme
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, text

from analytics.dora import TeamWindowMetrics
from analytics.snapshot import Snapshot
from dashboards.exporter import Exposition, Health
from doraspace.cli import main
from doraspace.collect import CollectResult
from doraspace.config import Config, parse_config
from doraspace.daemon import Daemon, DaemonStopping, job_engine
from doraspace.errors import StoreError
from doraspace.http_server import BasicAuth, HttpServer
from store.engine import open_store
from tests.collector.test_github_sync import dump
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.github_org import build_org

TOKEN = "serve-token"
DORASPACE = Path(sys.executable).with_name("doraspace")
AS_OF = datetime(2026, 3, 7, tzinfo=UTC)


# ------------------------------------------------------------------------------------------ helpers


class Emulator:
    """The emulated organisation of tests/github_org.py, answering each request after ``delay`` s, and
    holding every request from the ``pause_at``-th on until ``resume`` is set: so that a test can act
    while a sync is in progress."""

    def __init__(self, github: GitHubEmulator) -> None:
        self.github = github
        self.delay = 0.0
        self.pause_at: int | None = None
        self.paused = threading.Event()
        self.resume = threading.Event()
        self._serve = github.serve

    def serve(self, *args: Any) -> Any:
        time.sleep(self.delay)
        if self.pause_at is not None and self.requests >= self.pause_at:
            self.paused.set()
            self.resume.wait(30)
        return self._serve(*args)

    @property
    def requests(self) -> int:
        return len(self.github.requests)


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    dataset = GitHubDataset()
    build_org(dataset)
    with GitHubEmulator(dataset, token=TOKEN) as github:
        slow = Emulator(github)
        monkeypatch.setattr(github, "serve", slow.serve)
        try:
            yield slow
        finally:
            slow.resume.set()


def write_config(
    folder: Path, *, github_url: str | None, http: str = "", store: str = "store.duckdb"
) -> Path:
    github = (
        f"""
github:
  base_url: {github_url}
  token: ${{SERVE_GITHUB_TOKEN}}
  since: 2026-03-01
  organizations: [acme]
"""
        if github_url
        else ""
    )
    path = folder / f"{store}.yaml"
    path.write_text(
        f"""
database:
  url: duckdb:///{folder}/{store}
{github}
teams:
  - name: orders
    repositories: [acme/orders]
  - name: payments
    repositories: [acme/payments]
metrics:
  windows: [7d, 365d]
schedule: {{github: 1h, analytics: 1h}}
http:
  listen: 127.0.0.1:0
{http}
"""
    )
    return path


ENV = {**os.environ, "SERVE_GITHUB_TOKEN": TOKEN}


class ServeProcess:
    """``doraspace serve`` as a child process; its log goes to a file, so no pipe can fill up."""

    def __init__(self, config: Path) -> None:
        self.log_path = config.with_suffix(f".{time.monotonic_ns()}.log")
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [DORASPACE, "serve", "--config", config], env=ENV, stderr=log, stdin=subprocess.DEVNULL
            )
        self.url = self._wait_for_url()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_for_url(self, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log().splitlines():
                if "serving " in line:
                    return line.split("serving ", 1)[1].removesuffix("/metrics")
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited with {self.process.returncode}:\n{self.log()}")
            time.sleep(0.05)
        raise AssertionError(f"serve did not start in {timeout} s:\n{self.log()}")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> float:
        """Send ``sig``; assert a clean exit 0 within 10 s; return how long it took."""
        started = time.monotonic()
        self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"serve still running 10 s after {sig.name}:\n{self.log()}") from None
        took = time.monotonic() - started
        assert code == 0, self.log()
        assert "Traceback" not in self.log()
        return took

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def serve_process() -> Iterator[Callable[[Path], ServeProcess]]:
    started: list[ServeProcess] = []

    def start(config: Path) -> ServeProcess:
        started.append(ServeProcess(config))
        return started[-1]

    yield start
    for process in started:
        process.kill()


def fetch(
    url: str, *, context: ssl.SSLContext | None = None, headers: Mapping[str, str] | None = None
) -> Any:
    request = urllib.request.Request(url, headers=dict(headers or {}))
    return urllib.request.urlopen(request, timeout=10, context=context)


def metric_samples(body: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def wait_for_metrics(url: str, predicate: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    body: str = ""
    while time.monotonic() < deadline:
        with fetch(f"{url}/metrics") as response:
            body = response.read().decode()
        if predicate(body):
            return body
        time.sleep(0.1)
    raise AssertionError(f"{what} not in /metrics after {timeout} s:\n{body[-2000:]}")


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def promtool() -> str:
    found = shutil.which("promtool") or ("/usr/bin/promtool" if Path("/usr/bin/promtool").exists() else None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool missing: apt-get install prometheus")
        pytest.skip("promtool missing: apt-get install prometheus")
    return found


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DORASPACE, *args], env=ENV, capture_output=True, text=True, timeout=60)


# ----------------------------------------------------------------------------------- the process


def test_serve_passes_promtool_while_the_metrics_command_shares_the_store(
    tmp_path: Path,
    emulator: Emulator,
    serve_process: Callable[[Path], ServeProcess],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path, github_url=emulator.github.base_url)
    emulator.pause_at = 8  # the sync waits for GitHub's 9th answer, between two transactions
    server = serve_process(config)
    with fetch(f"{server.url}/healthz") as response:
        assert response.status == 200

    # While the daemon's sync is in progress, the metrics command gets the same DuckDB file.
    assert emulator.paused.wait(30), server.log()
    during = run_cli("metrics", "--config", str(config), "--format", "json")
    assert during.returncode == 0, during.stderr
    assert isinstance(json.loads(during.stdout), list)
    assert "lock" not in during.stderr.lower() and "Traceback" not in during.stderr
    with fetch(f"{server.url}/metrics") as response:
        assert b"doraspace_last_sync_timestamp_seconds" not in response.read()  # still syncing
    emulator.resume.set()

    body = wait_for_metrics(
        server.url, lambda b: 'dora_deployments{team="orders",window="365d"}' in b, "the synced snapshot"
    )
    with fetch(f"{server.url}/readyz") as response:
        assert response.status == 200
    samples = metric_samples(body)
    assert samples[("dora_deployments", frozenset({("team", "orders"), ("window", "365d")}))] == 4
    lead_time = frozenset({("team", "orders"), ("window", "365d"), ("percentile", "50")})
    assert samples[("dora_lead_time_seconds", lead_time)] == 29 * 3600
    assert samples[("doraspace_up", frozenset())] == 1

    check = subprocess.run([promtool(), "check", "metrics"], input=body.encode(), capture_output=True)
    assert (check.returncode, check.stdout + check.stderr) == (0, b"")

    # After the sync, while serve still runs, the command sees every fact (tests/github_org.py's numbers).
    # (In-process this time: the subprocess above already showed the console script's path.)
    capsys.readouterr()
    args = ["--format", "json", "--team", "orders", "--window", "7d", "--as-of", "2026-03-07T00:00:00Z"]
    assert main(["metrics", "--config", str(config), *args]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["deployments"], row["lead_time_hours_p50"]) == (4, 29.0)

    with fetch(f"{server.url}/dashboards/") as response:
        assert response.status == 200 and b"<html" in response.read()
    with fetch(f"{server.url}/reports/") as response:
        assert response.status == 200 and b"orders" in response.read()
    assert server.stop() < 10


def test_tls_and_basic_auth_refuse_a_wrong_password(
    tmp_path: Path, serve_process: Callable[[Path], ServeProcess]
) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file = tmp_path / "server.pem", tmp_path / "server.key"
    cert.private_key_pem.write_to_path(str(key_file))
    cert_file.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    hashed = bcrypt.hashpw(b"right horse", bcrypt.gensalt(rounds=4)).decode()
    config = write_config(
        tmp_path,
        github_url=None,
        http=f"""  tls: {{cert_file: {cert_file}, key_file: {key_file}}}
  basic_auth_users:
    prometheus: "{hashed}"
""",
    )
    server = serve_process(config)
    assert server.url.startswith("https://")
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)

    def basic(user: str, password: str) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}

    with fetch(f"{server.url}/metrics", context=trusting, headers=basic("prometheus", "right horse")) as ok:
        assert ok.status == 200 and b"doraspace_up" in ok.read()
    for headers in [basic("prometheus", "wrong horse"), basic("nobody", "right horse"), {}]:
        with pytest.raises(urllib.error.HTTPError) as refused:
            fetch(f"{server.url}/metrics", context=trusting, headers=headers)
        with refused.value:
            assert refused.value.code == 401
            assert refused.value.headers["WWW-Authenticate"].startswith("Basic realm=")
    # The probes answer without credentials (health checks carry none); they reveal nothing else.
    with fetch(f"{server.url}/healthz", context=trusting) as probe:
        assert probe.status == 200 and probe.read() == b"ok\n"
    # A client that does not trust the certificate gets nowhere, nor does plain HTTP.
    with pytest.raises(urllib.error.URLError):
        fetch(f"{server.url}/healthz", context=ssl.create_default_context())
    with pytest.raises((ConnectionError, http.client.HTTPException, urllib.error.URLError)):
        fetch(server.url.replace("https://", "http://") + "/healthz")
    assert server.stop(signal.SIGINT) < 10


@pytest.mark.long
def test_sigterm_during_a_sync_then_a_restart_completes_the_data(
    tmp_path: Path, emulator: Emulator, serve_process: Callable[[Path], ServeProcess]
) -> None:
    clean_config = write_config(tmp_path, github_url=emulator.github.base_url, store="clean.duckdb")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SERVE_GITHUB_TOKEN", TOKEN)
        assert main(["collect", "--config", str(clean_config)]) == 0
    clean = open_store(f"duckdb:///{tmp_path}/clean.duckdb")
    expected = dump(clean)
    clean.dispose()

    config = write_config(tmp_path, github_url=emulator.github.base_url)
    emulator.delay = 0.05
    first = serve_process(config)
    before = emulator.requests
    wait_until(lambda: emulator.requests >= before + 12, "the sync to be under way")
    assert first.stop() < 10
    assert "stopped for shutdown at a transaction boundary" in first.log()
    interrupted = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    partial = dump(interrupted)
    interrupted.dispose()
    assert partial != expected  # it really stopped half-way

    emulator.delay = 0.0
    second = serve_process(config)
    wait_for_metrics(second.url, lambda b: "doraspace_last_sync" in b, "the resumed sync")
    assert second.stop() < 10
    resumed = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    assert dump(resumed) == expected
    resumed.dispose()


# ----------------------------------------------------------------------------------- in-process


def team_row(team: str, window: str, deployments: int) -> TeamWindowMetrics:
    days = int(window[:-1])
    return TeamWindowMetrics(
        team=team,
        window=window,
        window_days=days,
        as_of=AS_OF,
        deployments=deployments,
        deployment_frequency_per_day=deployments / days,
        lead_time_hours_p50=2.0,
        lead_time_hours_p90=None,
        lead_time_breakdown_hours_p50={},
        bands={"deployment_frequency": "elite"},
    )


def small_snapshot() -> Snapshot:
    rows = (team_row("*", "7d", 10), team_row("orders", "7d", 7), team_row("<b>&team", "7d", 3))
    return Snapshot(AS_OF, AS_OF, "dora-2023", ("*", "orders", "<b>&team"), rows)


def get(server: HttpServer, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_http_endpoints(tmp_path: Path) -> None:
    board_dir = tmp_path / "boards"
    board_dir.mkdir()
    (board_dir / "team.json").write_text('{"title": "team"}')
    (board_dir / "<odd> name.json").write_text("{}")
    (tmp_path / "secret.txt").write_text("do not serve")
    exposition = Exposition(clock=lambda: AS_OF + timedelta(seconds=5))
    with HttpServer(exposition, port=0, static_dirs={"dashboards": board_dir}) as server:
        assert get(server, "/readyz")[0] == 503
        assert get(server, "/healthz")[:1] == (200,)
        status, headers, body = get(server, "/metrics")
        assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
        assert body.startswith(b"# HELP doraspace_up")

        exposition.update(small_snapshot())
        assert get(server, "/readyz")[0] == 200
        plain = get(server, "/metrics")[2]
        assert b'dora_deployments{team="orders",window="7d"} 7.0' in plain
        status, headers, zipped = get(server, "/metrics", **{"Accept-Encoding": "gzip, deflate"})
        assert headers["content-encoding"] == "gzip" and gzip.decompress(zipped) == plain
        assert "content-encoding" not in get(server, "/metrics", **{"Accept-Encoding": "gzip;q=0"})[1]

        status, _, listing = get(server, "/dashboards/")
        assert status == 200 and b"team.json" in listing
        assert b"&lt;odd&gt; name.json" in listing and b"<odd>" not in listing
        status, headers, board = get(server, "/dashboards/team.json")
        assert (status, headers["content-type"], board) == (200, "application/json", b'{"title": "team"}')
        assert get(server, "/dashboards/%3Codd%3E%20name.json")[0] == 200
        assert get(server, "/dashboards")[0] == 301
        for escape in [
            "/dashboards/../secret.txt",
            "/dashboards/%2e%2e/secret.txt",
            "/dashboards/..%2fsecret.txt",
        ]:
            assert get(server, escape)[0] == 404, escape
        assert get(server, "/nothing")[0] == 404

        # Keep-alive, HEAD and refused methods.
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            connection.request("HEAD", "/metrics")
            head = connection.getresponse()
            assert head.read() == b"" and int(head.getheader("Content-Length") or 0) == len(plain)
            connection.request("POST", "/metrics", body=b"x")
            refused = connection.getresponse()
            assert (refused.status, refused.getheader("Allow")) == (405, "GET, HEAD")
            refused.read()
        finally:
            connection.close()


def test_basic_auth_remembers_an_accepted_password_without_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    auth = BasicAuth({"prom": bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode()})
    header = "Basic " + base64.b64encode(b"prom:pw").decode()
    assert auth.verify(header)
    calls: list[bytes] = []

    def counting_checkpw(password: bytes, hashed: bytes) -> bool:
        calls.append(password)
        return False

    monkeypatch.setattr(bcrypt, "checkpw", counting_checkpw)
    assert auth.verify(header) and calls == []
    assert not auth.verify("Basic " + base64.b64encode(b"prom:other").decode())
    assert not auth.verify("Basic " + base64.b64encode(b"prom:pwx").decode())
    assert not auth.verify("Basic not-base64!") and not auth.verify("Bearer x") and not auth.verify(None)
    assert not auth.verify("Basic " + base64.b64encode(b"p" * 100 + b":" + b"x" * 100).decode())


def test_an_unknown_user_costs_as_much_bcrypt_as_the_configured_hashes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A dummy hash cheaper than the real ones would answer an unknown user faster than a known user with
    a wrong password, telling which users exist: the stand-in takes the highest configured cost."""
    auth = BasicAuth(
        {
            "prom": bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode(),
            "grafana": bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=5)).decode(),
        }
    )
    checked: list[bytes] = []
    real_checkpw = bcrypt.checkpw

    def recording_checkpw(password: bytes, hashed: bytes) -> bool:
        checked.append(hashed)
        return real_checkpw(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", recording_checkpw)
    assert not auth.verify("Basic " + base64.b64encode(b"nobody:pw").decode())
    assert [hashed[:7] for hashed in checked] == [b"$2b$05$"]
    assert not BasicAuth({"prom": "$2y$12$" + "a" * 53}).verify("Basic " + base64.b64encode(b"x:y").decode())
    assert checked[-1][:7] == b"$2b$12$"


def test_a_real_prometheus_scrapes_the_gzip_exposition() -> None:
    from tests.prometheus import running_prometheus

    exposition = Exposition()
    exposition.update(small_snapshot())
    with HttpServer(exposition, port=0) as server, running_prometheus(f"127.0.0.1:{server.port}") as prom:
        (result,) = prom.wait_for('dora_deployments{team="<b>&team"}')
        assert result["value"][1] == "3"
        assert prom.query('dora_lead_time_seconds{team="orders",percentile="50"}')[0]["value"][1] == "7200"


# --------------------------------------------------------------------------- the daemon in-process


def daemon_config(tmp_path: Path) -> Config:
    return parse_config(
        f"""
database:
  url: duckdb:///{tmp_path}/store.duckdb
github:
  base_url: http://127.0.0.1:9
  token: ${{SERVE_GITHUB_TOKEN}}
  since: 2026-03-01
http:
  listen: 127.0.0.1:0
""",
        environ={"SERVE_GITHUB_TOKEN": TOKEN},
        cwd=str(tmp_path),
    )


def empty_snapshot(config: Config, engine: Engine, *, now: datetime) -> Snapshot:
    with engine.connect() as conn:
        conn.execute(text("select 1"))
    return Snapshot(now, now, "dora-2023", (), ())


def test_a_failed_run_is_counted_and_never_fatal(tmp_path: Path) -> None:
    outcomes: list[Exception | None] = [RuntimeError("GitHub said no\nsecond line"), None]

    def flaky_collect(config: Config, engine: Engine, **kwargs: Any) -> CollectResult:
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome
        return CollectResult(github_rate_limit_remaining=4000, github_rate_limit_reserve_waited=61.5)

    clock_now = AS_OF
    daemon = Daemon(
        daemon_config(tmp_path), collect_fn=flaky_collect, build_fn=empty_snapshot, clock=lambda: clock_now
    )
    daemon.start(schedule=False)
    try:
        assert daemon.health().github_rate_limit_reserve_wait_seconds == 0.0  # exported from the start
        assert daemon.run_job("github") is False
        health = daemon.health()
        assert (health.up, health.sync_errors, dict(health.last_sync)) == (
            False,
            {"github": 1, "analytics": 0},
            {},
        )
        assert daemon.run_job("github") is True
        health = daemon.health()
        assert health.up and health.sync_errors["github"] == 1
        assert health.last_sync == {"github": AS_OF} and health.github_rate_limit_remaining == 4000
        assert health.github_rate_limit_reserve_wait_seconds == 61.5
        assert daemon.exposition.ready  # a successful sync refreshed the snapshot at once
    finally:
        assert daemon.stop()


def test_a_sync_that_skipped_a_repository_github_kept_failing_for_is_a_failed_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """What the sync stored stays (the rate limit it saw is exported), but the run counts as failed,
    logged with the line naming the repository, and the last successful sync does not move."""
    result = CollectResult(github_rate_limit_remaining=3000)
    result.not_collected["acme/payments"] = "GitHub server error 502"
    daemon = Daemon(
        daemon_config(tmp_path),
        collect_fn=lambda *_a, **_k: result,
        build_fn=empty_snapshot,
        clock=lambda: AS_OF,
    )
    daemon.start(schedule=False)
    try:
        with caplog.at_level(logging.ERROR, logger="doraspace.daemon"):
            assert daemon.run_job("github") is False
        health = daemon.health()
        assert (health.up, health.sync_errors["github"], dict(health.last_sync)) == (False, 1, {})
        assert health.github_rate_limit_remaining == 3000
        errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
        assert [record.getMessage() for record in errors] == [
            "github failed: github: 1 repository not collected, asked again at the next sync: "
            "acme/payments (GitHub server error 502)"
        ]
    finally:
        assert daemon.stop()


def test_stop_ends_a_running_sync_at_its_next_transaction(tmp_path: Path) -> None:
    transactions: list[int] = []
    started = threading.Event()

    def endless_sync(config: Config, engine: Engine, **kwargs: Any) -> CollectResult:
        while True:
            with engine.begin() as conn:
                conn.execute(text("select 1"))
            transactions.append(1)
            started.set()
            kwargs["retry"]().sleep(0.01)  # a retry wait, as between two GitHub pages

    daemon = Daemon(daemon_config(tmp_path), collect_fn=endless_sync, build_fn=empty_snapshot)
    daemon.start(schedule=False)
    outcome: list[bool] = []
    worker = threading.Thread(target=lambda: outcome.append(daemon.run_job("github")))
    worker.start()
    assert started.wait(10)
    began = time.monotonic()
    assert daemon.stop() is True
    assert time.monotonic() - began < 2
    worker.join(5)
    assert outcome == [False] and daemon.health().sync_errors["github"] == 0  # stopping is no failure


def test_scheduled_jobs_run_at_start_and_stop_cleanly(tmp_path: Path) -> None:
    ran = threading.Event()

    def quick_collect(config: Config, engine: Engine, **kwargs: Any) -> CollectResult:
        ran.set()
        return CollectResult()

    daemon = Daemon(daemon_config(tmp_path), collect_fn=quick_collect, build_fn=empty_snapshot)
    daemon.start()
    try:
        assert ran.wait(10)
        wait_until(lambda: "github" in daemon.health().last_sync, "the first sync", timeout=10)
        wait_until(lambda: daemon.exposition.ready, "a snapshot", timeout=10)
        assert daemon.server is not None
        assert get(daemon.server, "/readyz")[0] == 200
        assert get(daemon.server, "/dashboards/")[0] == 200
        assert get(daemon.server, "/reports/")[0] == 200
    finally:
        assert daemon.stop()


HOLD_FILE = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
connection.close()
"""


def test_the_daemon_waits_for_a_store_another_process_holds(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path}/store.duckdb"
    stopping = threading.Event()
    engine = job_engine(url, stopping, lock_timeout=20)
    engine.dispose()  # migrated; the file is free again
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FILE, f"{tmp_path}/store.duckdb", "0.6"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        began = time.monotonic()
        with engine.connect() as conn:  # waits for the other process instead of DuckDB's lock error
            assert conn.execute(text("select 1")).scalar() == 1
        assert time.monotonic() - began > 0.3
    finally:
        holder.wait(10)
        assert holder.stdout is not None
        holder.stdout.close()
    engine.dispose()

    impatient = job_engine(url, stopping, lock_timeout=0.3)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FILE, f"{tmp_path}/store.duckdb", "1.0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(StoreError, match="in use by another doraspace process"):
            impatient.connect()
        stopping.set()
        with pytest.raises(DaemonStopping):
            impatient.connect()
    finally:
        holder.wait(10)
        assert holder.stdout is not None
        holder.stdout.close()
        impatient.dispose()


def test_health_defaults_to_up() -> None:
    assert Health().up
