"""The dashboards against the real thing: `doraspace serve` collecting from the GitHub and PagerDuty
emulators, a real Prometheus scraping it, and every query of the overview and team dashboards, with
`$team` set to a real team, returning data (SPEC §8.2, issue "The daemon")."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from dashboards import grafana
from tests.dashboards.test_grafana import panels_of, substitute
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator
from tests.prometheus import running_prometheus
from tests.test_incidents_end_to_end import build_github, build_pagerduty, config_text
from tests.test_serve import TOKEN, ServeProcess, wait_for_metrics

pytestmark = pytest.mark.slow

DASHBOARDS = {
    name: board
    for name, board in grafana.build_dashboards().items()
    if name in ("doraspace-overview.json", "doraspace-team.json")
}


def write_config(folder: Path, github_url: str, pagerduty_url: str, ca_file: str) -> Path:
    path = folder / "doraspace.yaml"
    text = config_text(
        f"duckdb:///{folder}/store.duckdb",
        github_url,
        pagerduty_url,
        ca_file,
        tokens=("SERVE_GITHUB_TOKEN", "SERVE_GITHUB_TOKEN"),
    )
    # The facts are of March 2026 and serve runs as of now: a long window keeps them all in view.
    path.write_text(
        text
        + "metrics:\n  windows: [7d, 3650d]\n"
        + "schedule: {github: 1h, pagerduty: 1h, analytics: 1h}\n"
        + "http:\n  listen: 127.0.0.1:0\n"
    )
    return path


@pytest.mark.long
def test_every_dashboard_query_returns_data_from_a_prometheus_scraping_serve(tmp_path: Path) -> None:
    github, pagerduty = GitHubDataset(), PagerDutyDataset()
    build_github(github)
    build_pagerduty(pagerduty)
    with GitHubEmulator(github, token=TOKEN) as gh, PagerDutyEmulator(pagerduty, token=TOKEN) as pd:
        served = ServeProcess(write_config(tmp_path, gh.base_url, pd.base_url, str(pd.ca_file)))
        try:
            empty = queries_without_data(served)
        finally:
            served.kill()
    assert empty == []
    assert sum(len(grafana.all_exprs(board)) for board in DASHBOARDS.values()) >= 20  # not vacuous


def queries_without_data(served: ServeProcess) -> list[tuple[str, str, str]]:
    """Wait for both syncs and a snapshot, let Prometheus scrape twice, run every query; stop serve."""
    wait_for_metrics(
        served.url,
        lambda body: (
            'doraspace_last_sync_timestamp_seconds{source="pagerduty"}' in body
            and 'dora_incidents{team="gamma",window="3650d"} 1.0' in body
        ),
        "both syncs and a snapshot",
        timeout=60,
    )
    with running_prometheus(urlparse(served.url).netloc) as prometheus:
        prometheus.wait_for('count_over_time(up{job="doraspace"}[1m]) >= 2 and up{job="doraspace"} == 1')
        empty = [
            (name, panel["title"], expr)
            for name, board in DASHBOARDS.items()
            for panel in panels_of(board)
            for target in panel.get("targets", [])
            for expr in [substitute(target["expr"], {"team": "gamma", "window": "3650d"})]
            if not prometheus.query(expr)
        ]
    served.stop()
    return empty
