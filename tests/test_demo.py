"""`doraspace demo`: the synthetic organisation through the real pipeline, written and served."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import pytest

from dashboards import grafana
from dashboards.exporter import Exposition
from dashboards.reports import team_page_names
from doraspace.cli import main
from doraspace.demo import prepare
from tests.dashboards.test_grafana import panels_of, substitute
from tests.prometheus import running_prometheus
from tests.test_reports_browser import ARTIFACTS, run_chromium

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Exposition]]:
    out = tmp_path_factory.mktemp("demo")
    exposition, _ = prepare(out, now=NOW, progress=lambda _: None)
    yield out, exposition


def test_demo_once_writes_store_config_dashboards_and_reports(demo: tuple[Path, Exposition]) -> None:
    out, exposition = demo
    assert (out / "demo.duckdb").is_file()
    assert (out / "doraspace.yaml").is_file()
    assert {p.name for p in (out / "dashboards").iterdir()} >= {
        "doraspace-overview.json",
        "doraspace-team.json",
        "doraspace-dashboards.yaml",
    }
    reports = {p.name for p in (out / "reports").iterdir()}
    assert {"index.html", "plotly.min.js", "team-organisation.html"} <= reports
    snapshot = exposition.snapshot
    assert snapshot is not None
    real_teams = [team for team in snapshot.teams if team not in ("*", "unowned")]
    assert len(real_teams) >= 6
    assert set(team_page_names(snapshot.teams).values()) <= reports


def test_demo_numbers_agree_with_doraspace_metrics(
    demo: tuple[Path, Exposition], capsys: pytest.CaptureFixture[str]
) -> None:
    out, exposition = demo
    snapshot = exposition.snapshot
    assert snapshot is not None
    as_of = snapshot.as_of.isoformat()
    capsys.readouterr()
    assert (
        main(["metrics", "--config", str(out / "doraspace.yaml"), "--format", "json", "--as-of", as_of]) == 0
    )
    assert json.loads(capsys.readouterr().out) == [row.to_json_dict() for row in snapshot.metrics]


def test_no_report_names_a_person(demo: tuple[Path, Exposition]) -> None:
    out, _ = demo
    store_text = (out / "doraspace.yaml").read_text()
    pages = "".join(p.read_text() for p in (out / "reports").glob("*.html"))
    # The generated people are dev-N / rev-N handles; none may reach a report, nor any e-mail.
    assert not re.search(r"\b(dev|rev|user)-\d+\b", pages)
    assert "@" not in pages.replace("@media", "")
    assert "noreply" not in pages
    assert "alice" not in store_text


@pytest.fixture(scope="module")
def served_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`doraspace demo` serving on a free port; yields its base URL, and checks it stops cleanly."""
    script = Path(sys.executable).with_name("doraspace")
    folder = tmp_path_factory.mktemp("served-demo")
    process = subprocess.Popen(
        [script, "demo", "--port", "0", "--dir", str(folder / "demo")],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert process.stderr is not None
        base = None
        deadline = time.monotonic() + 120
        while base is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            assert line, "demo exited before it was ready"
            match = re.search(r"metrics:\s+(http://127\.0\.0\.1:\d+)/metrics", line)
            base = match.group(1) if match else None
        assert base is not None, "demo not ready within 2 minutes"
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
        if process.stderr is not None:
            process.stderr.close()


def test_demo_serves_metrics_reports_and_dashboards(served_demo: str, tmp_path: Path, chromium: Path) -> None:
    base = served_demo
    with urllib.request.urlopen(f"{base}/readyz", timeout=10) as response:
        assert response.status == 200
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        body = response.read().decode()
    assert 'dora_deployments{team="*",window="90d"}' in body
    assert "doraspace_last_sync_timestamp_seconds" in body
    with urllib.request.urlopen(f"{base}/reports/team-organisation.html", timeout=10) as response:
        assert "Organisation" in response.read().decode()
    with urllib.request.urlopen(f"{base}/dashboards/doraspace-team.json", timeout=10) as response:
        assert json.loads(response.read())["schemaVersion"] >= 39
    # A team lead's view: the checkout team's page from the running server, in headless Chromium.
    page = f"{base}/reports/team-checkout.html"
    dom = run_chromium(chromium, tmp_path / "profile", page, "--dump-dom")
    assert dom.count('class="main-svg"') >= 5  # every chart rendered by plotly
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "demo-team-checkout.png"
    run_chromium(chromium, tmp_path / "profile2", page, f"--screenshot={shot}", "--window-size=1366,900")
    assert shot.stat().st_size > 10_000


def test_sync_error_counters_exist_at_zero_from_the_first_scrape(served_demo: str) -> None:
    with urllib.request.urlopen(f"{served_demo}/metrics", timeout=10) as response:
        body = response.read().decode()
    errors = sorted(line for line in body.splitlines() if line.startswith("doraspace_sync_errors_total"))
    assert errors == [
        'doraspace_sync_errors_total{source="analytics"} 0.0',
        'doraspace_sync_errors_total{source="github"} 0.0',
        'doraspace_sync_errors_total{source="pagerduty"} 0.0',
    ]


# The demo calls no GitHub API, so it has no rate limit to show; every other overview query has data.
NO_DEMO_DATA = {"doraspace_github_rate_limit_remaining"}


def test_every_overview_query_returns_data_from_a_prometheus_scraping_the_demo(served_demo: str) -> None:
    overview = grafana.build_dashboards()["doraspace-overview.json"]
    with running_prometheus(urlparse(served_demo).netloc) as prometheus:
        prometheus.wait_for('count_over_time(up{job="doraspace"}[1m]) >= 2 and up{job="doraspace"} == 1')
        asked = [
            (panel["title"], expr)
            for panel in panels_of(overview)
            for target in panel.get("targets", [])
            for expr in [substitute(target["expr"], {"window": "90d", "team": "checkout"})]
            if expr not in NO_DEMO_DATA
        ]
        empty = [(title, expr) for title, expr in asked if not prometheus.query(expr)]
    assert empty == []
    assert any("doraspace_sync_errors_total" in expr for _, expr in asked)
    assert len(asked) >= 10  # not vacuous


def test_demo_surveys_two_quarters_with_small_teams_suppressed(demo: tuple[Path, Exposition]) -> None:
    out, exposition = demo
    snapshot = exposition.snapshot
    assert snapshot is not None
    quarters = sorted({score.quarter for score in snapshot.space})
    assert quarters == ["2026-Q1", "2026-Q2"]  # the demo ends in June 2026
    shown = {score.team for score in snapshot.space}
    assert {"*", "checkout", "billing"} <= shown
    assert not shown & {"search", "data"}  # 3-4 respondents: under the threshold of 5
    assert any(score.change in ("rising", "falling", "stable") for score in snapshot.space)
    search = (out / "reports" / "team-search.html").read_text().lower()
    assert "not enough responses" in search


def test_the_demo_store_and_metrics_keep_no_identity_or_free_text(demo: tuple[Path, Exposition]) -> None:
    from sqlalchemy import select

    from store import schema
    from store.engine import open_store

    out, exposition = demo
    engine = open_store(f"duckdb:///{(out / 'demo.duckdb').resolve()}")
    try:
        with engine.connect() as conn:
            respondents = conn.execute(select(schema.survey_responses.c.respondent)).scalars().all()
            values = conn.execute(select(schema.survey_answers.c.value)).scalars().all()
    finally:
        engine.dispose()
    assert respondents and all(re.fullmatch(r"[0-9a-f]{64}", r) for r in respondents)  # HMAC pseudonyms only
    assert values and all(isinstance(v, int) and 1 <= v <= 5 for v in values)  # answers are scale points
    body = exposition.render().decode()
    space = [line for line in body.splitlines() if line.startswith("space_")]
    assert space
    labels = {name for line in space for name in re.findall(r'(\w+)="', line)}
    assert labels <= {"team", "quarter", "dimension"}
    assert "resp-" not in body and "@" not in body
