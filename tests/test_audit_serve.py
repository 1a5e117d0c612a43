"""Audit: what the daemon serves (SPEC §8, §8.1) agrees with SPEC and with the one-shot commands.

The daemon runs in-process (``Daemon.start(schedule=False)``, jobs run by hand) on a loopback port with
an injected clock, a fake collector and the real analytics; responses are read over HTTP as Prometheus
and a team lead would read them. Every instant is fixed: 2026-06-30 00:00 UTC onwards.
"""

from __future__ import annotations

import base64
import http.client
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import bcrypt
import pytest
from prometheus_client.parser import text_string_to_metric_families

from doraspace.cli import main
from doraspace.collect import CollectResult
from doraspace.config import Config, load_config, parse_config
from doraspace.daemon import Daemon
from doraspace.pipeline import build_snapshot
from store.engine import Engine
from tests.dashboards.test_audit_outputs import Org, assert_json_equals_metrics, pay_org

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
# 2026-06-30 00:00 UTC as a Unix time, by hand: 2025-01-01 is 1735689600; + 365 days × 86400 s
# = 1767225600 (2026-01-01); 2026-06-30 is day 181 of 2026 (31 + 28 + 31 + 30 + 31 = 151, + 30), i.e.
# 180 days later: + 180 × 86400 = 15552000 → 1782777600.
AS_OF_UNIX = 1782777600.0
PASSWORD = "correct horse"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FakeCollect:
    """The collector's stand-in: succeeds, or raises what ``failing`` holds, without touching a network."""

    def __init__(self) -> None:
        self.failing: Exception | None = None
        self.calls: list[str] = []

    def __call__(self, config: Config, engine: Engine, *, source: str, **kwargs: Any) -> CollectResult:
        self.calls.append(source)
        if self.failing is not None:
            raise self.failing
        return CollectResult()


def quick_build(config: Config, engine: Engine, *, now: datetime) -> Any:
    return build_snapshot(config, engine, now=now, weeks=1)


SECTIONS = {
    "github": "github:\n  base_url: http://127.0.0.1:9\n  token: ${AUDIT_TOKEN}\n  since: 2026-03-01\n",
    "pagerduty": "pagerduty:\n  base_url: https://127.0.0.1:9\n  token: ${AUDIT_TOKEN}\n",
}


def config_with(tmp_path: Path, sources: tuple[str, ...], http: str = "") -> Config:
    return parse_config(
        f"database:\n  url: duckdb:///{tmp_path}/store.duckdb\n"
        + "".join(SECTIONS[source] for source in sources)
        + "http:\n  listen: 127.0.0.1:0\n"
        + http,
        environ={"AUDIT_TOKEN": "t"},
    )


@pytest.fixture
def daemons() -> Iterator[Callable[..., Daemon]]:
    started: list[Daemon] = []

    def start(config: Config, **kwargs: Any) -> Daemon:
        daemon = Daemon(config, **kwargs)
        daemon.start(schedule=False)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.stop()


def get(daemon: Daemon, path: str, method: str = "GET", **headers: str) -> tuple[int, bytes]:
    assert daemon.server is not None
    connection = http.client.HTTPConnection("127.0.0.1", daemon.server.port, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(daemon: Daemon, **headers: str) -> tuple[str, Samples]:
    status, body = get(daemon, "/metrics", **headers)
    assert status == 200, body
    text = body.decode()
    found = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return text, found


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def named(found: Samples, name: str) -> list[dict[str, str]]:
    return [dict(labels) for (n, labels) in found if n == name]


def promtool_check(text: str) -> None:
    tool = shutil.which("promtool") or ("/usr/bin/promtool" if Path("/usr/bin/promtool").exists() else None)
    if tool is None:
        return
    result = subprocess.run([tool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=30)
    assert (result.returncode, result.stdout + result.stderr) == (0, b"")


# -- health families -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sources", [("github",), ("pagerduty",), ("github", "pagerduty")])
def test_health_families_from_the_first_scrape_with_an_injected_clock(
    tmp_path: Path, daemons: Callable[..., Daemon], sources: tuple[str, ...]
) -> None:
    """§8.1: doraspace_sync_errors_total{source} is exported at 0 from the first scrape for each configured
    source (and for no source that is not configured); doraspace_last_sync_timestamp_seconds{source} is the
    Unix time of the latest successful sync; doraspace_snapshot_age_seconds follows the clock; doraspace_up
    drops to 0 after a failed run. promtool reports nothing at any point.

    Clock: syncs at 2026-06-30 00:00 (→ 1782777600, the snapshot is built at the same instant); scraped
    at +90 s → age 90; a failed sync at +15 min leaves the last sync and the snapshot as they were → age
    15 × 60 = 900 s, errors 1, up 0.
    """
    clock = Clock(AS_OF - timedelta(hours=1))
    collect = FakeCollect()
    daemon = daemons(
        config_with(tmp_path, sources),
        clock=clock,
        collect_fn=collect,
        build_fn=quick_build,
        output_dir=tmp_path,
    )
    others = {"github", "pagerduty"} - set(sources)

    text, found = scrape(daemon)
    assert "NaN" not in text
    assert value(found, "doraspace_up") == 1.0
    for source in sources:
        assert value(found, "doraspace_sync_errors_total", source=source) == 0.0, source
    for source in others:
        assert value(found, "doraspace_sync_errors_total", source=source) is None, source
    assert named(found, "doraspace_last_sync_timestamp_seconds") == []
    assert get(daemon, "/readyz")[0] == 503
    promtool_check(text)

    synced = sources[0]
    clock.now = AS_OF
    assert daemon.run_job(synced)  # a successful sync refreshes the snapshot at once (created at AS_OF)
    clock.now = AS_OF + timedelta(seconds=90)
    text, found = scrape(daemon)
    assert value(found, "doraspace_last_sync_timestamp_seconds", source=synced) == AS_OF_UNIX
    assert named(found, "doraspace_last_sync_timestamp_seconds") == [{"source": synced}]
    assert value(found, "doraspace_snapshot_age_seconds") == 90.0
    assert value(found, "doraspace_sync_errors_total", source=synced) == 0.0
    assert get(daemon, "/readyz")[0] == 200
    promtool_check(text)

    clock.now = AS_OF + timedelta(minutes=15)
    collect.failing = RuntimeError("source said no")
    assert not daemon.run_job(synced)
    text, found = scrape(daemon)
    assert value(found, "doraspace_up") == 0.0
    assert value(found, "doraspace_sync_errors_total", source=synced) == 1.0
    assert value(found, "doraspace_last_sync_timestamp_seconds", source=synced) == AS_OF_UNIX
    assert value(found, "doraspace_snapshot_age_seconds") == 900.0
    for source in sources[1:]:
        assert value(found, "doraspace_sync_errors_total", source=source) == 0.0
    for source in others:
        assert value(found, "doraspace_sync_errors_total", source=source) is None
    promtool_check(text)


# -- credentials ----------------------------------------------------------------------------------------


def auth_daemon(tmp_path: Path, daemons: Callable[..., Daemon]) -> Daemon:
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    config = config_with(tmp_path, ("github",), http=f'  basic_auth_users:\n    prom: "{hashed}"\n')
    daemon = daemons(
        config, clock=Clock(AS_OF), collect_fn=FakeCollect(), build_fn=quick_build, output_dir=tmp_path
    )
    assert daemon.run_job("analytics")  # a snapshot, and the reports written from it
    return daemon


PROTECTED = [
    "/",
    "/metrics",
    "/reports/",
    "/reports/index.html",
    "/reports/team-organisation.html",
    "/reports/plotly.min.js",
    "/dashboards/",
    "/reports",
    "/dashboards",
    "/healthz/../reports/",
    "/readyz/../dashboards/",
]


def test_reports_and_dashboards_need_credentials_while_the_probes_do_not(
    tmp_path: Path, daemons: Callable[..., Daemon]
) -> None:
    """§8: with basic auth configured, /healthz and /readyz need no credentials; "every other path does" —
    /reports/ and /dashboards/ (folders, files, and the bare folder names) as much as /metrics. With the
    right password every one of them answers."""
    daemon = auth_daemon(tmp_path, daemons)
    boards = sorted(path.name for path in (tmp_path / "dashboards").glob("*.json"))
    assert boards, "no dashboard written"
    protected = [*PROTECTED, f"/dashboards/{boards[0]}"]
    for path in protected:
        for headers in ({}, basic("prom", "wrong"), basic("nobody", PASSWORD)):
            for method in ("GET", "HEAD"):
                status, body = get(daemon, path, method, **headers)
                assert status == 401, (path, method, headers, status)
                assert b"DORA" not in body and b"panels" not in body
    for path in ("/reports/", "/reports/index.html", "/dashboards/", f"/dashboards/{boards[0]}", "/metrics"):
        status, body = get(daemon, path, **basic("prom", PASSWORD))
        assert status == 200, path
    assert b"DORA metrics by team" in get(daemon, "/reports/", **basic("prom", PASSWORD))[1]
    for probe in ("/healthz", "/readyz"):
        assert get(daemon, probe)[0] == 200, probe
        assert get(daemon, probe, **basic("prom", "wrong"))[0] == 200, probe


def test_the_probes_answer_only_ok(tmp_path: Path, daemons: Callable[..., Daemon]) -> None:
    """§8: "/healthz (process alive) and /readyz (a snapshot exists); these two answer only "ok"". With a
    snapshot both are ready, so both bodies are "ok" (a trailing newline allowed)."""
    daemon = auth_daemon(tmp_path, daemons)
    assert get(daemon, "/healthz") == (200, b"ok\n")
    status, body = get(daemon, "/readyz")
    assert (status, body.strip()) == (200, b"ok")


# -- the served outputs equal the one-shot commands ------------------------------------------------------


def test_the_served_metrics_and_report_equal_the_commands_output_for_the_same_instant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§8: /metrics is built from the latest snapshot, /reports/ serves the HTML reports. With the clock at
    2026-06-30 00:00 the daemon's snapshot is as of that instant, so: every field of `doraspace metrics
    --format json --as-of 2026-06-30T00:00:00Z` equals the served /metrics (hours × 3600, null → absent,
    bands as a state set), and the served team page is byte for byte the page `doraspace report` writes
    at the same instant (numbers worked out in tests/dashboards/test_audit_outputs.py::pay_org)."""
    orgs: list[Org] = []
    org = pay_org(tmp_path, orgs)
    org.path.write_text(org.path.read_text() + "http:\n  listen: 127.0.0.1:0\n")
    assert (
        main(["metrics", "--config", str(org.path), "--format", "json", "--as-of", "2026-06-30"], now=AS_OF)
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert main(["report", "--config", str(org.path), "--out", str(tmp_path / "cli")], now=AS_OF) == 0
    capsys.readouterr()

    daemon = Daemon(
        load_config(org.path, environ={}),
        clock=Clock(AS_OF),
        collect_fn=FakeCollect(),
        output_dir=tmp_path / "out",
    )
    daemon.start(schedule=False)
    try:
        assert daemon.run_job("analytics")
        _, found = scrape(daemon)
        assert_json_equals_metrics(rows, found)
        status, served = get(daemon, "/reports/team-pay.html")
        assert status == 200
        assert served.decode() == (tmp_path / "cli" / "team-pay.html").read_text(encoding="utf-8")
        status, served_index = get(daemon, "/reports/")
        assert served_index.decode() == (tmp_path / "cli" / "index.html").read_text(encoding="utf-8")
    finally:
        daemon.stop()
