"""Audit through `doraspace metrics --format json` (SPEC §2, §3, §6.3, §6.4): windows configured out of
order with week labels and no 90-day window, dora-2021 bands from the longest window on every row, team
names that sort differently by letter case, the organisation row with an unowned repository.

Raw facts are written into a DuckDB file as the collector would, a config beside it, then the CLI's
``main`` is run as a user runs it; every expected number is worked out by hand below. As of 2026-06-30
00:00 UTC, never today.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from collector.models import RepositoryFact
from collector.writer import write_repositories
from doraspace.cli import main
from store.engine import open_store
from tests.analytics.facts import METRIC_KEYS, Facts, add_incident, at, bands, sha

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
AS_OF_TEXT = "2026-06-30T00:00:00Z"


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-9)


@pytest.fixture
def config_path(tmp_path: Path) -> Iterator[Path]:
    """Teams ``Zulu`` (acme/zulu, PagerDuty PZ) and ``alpha`` (acme/alpha); acme/stray is nobody's.

    * alpha: first deployment 05-01 00:00, exactly at the 60d window's exclusive start (out); D2 06-10
      00:00 (lead 40 h); D3 exactly at as_of (lead 18 h).
    * Zulu: first 05-02; D2 06-24 00:00 (lead 0.5 h); incident on PZ 06-24 00:10 → 00:40: window → D2,
      recovered in 2/3 h, restored in 0.5 h.
    * unowned: first 05-02; S2 06-20 00:00 (lead 300 h).
    """
    url = f"duckdb:///{tmp_path}/store.duckdb"
    path = tmp_path / "doraspace.yaml"
    teams = [
        {"name": "Zulu", "repositories": ["acme/zulu"], "pagerduty_services": ["PZ"]},
        {"name": "alpha", "repositories": ["acme/alpha"]},
    ]
    path.write_text(
        f"database:\n  url: {url}\n"
        f"teams: {json.dumps(teams)}\n"
        'metrics:\n  windows: ["60d", "1w", "2w"]\n  benchmarks: dora-2021\n'
        "incidents:\n  attribution_window: 24h\n"
    )
    engine = open_store(url)
    try:
        with engine.begin() as conn:
            repos = ["acme/zulu", "acme/alpha", "acme/stray"]
            write_repositories(conn, [RepositoryFact(repo, "main") for repo in repos], {}, AS_OF)
        facts = Facts(engine)

        def first(repo: str, deployed_at: datetime) -> None:
            facts.deployment(deployed_at, compare="first", sha=sha(f"first-{repo}"), repo=repo)

        def ship(repo: str, deployed_at: datetime, lead_hours: float) -> None:
            commit = facts.commit(
                sha(f"{repo}-{deployed_at}"), deployed_at - timedelta(hours=lead_hours), repo=repo
            )
            facts.deployment(deployed_at, ships=[commit], repo=repo)

        first("acme/alpha", datetime(2026, 5, 1, tzinfo=UTC))
        ship("acme/alpha", at(10), 40.0)
        ship("acme/alpha", AS_OF, 18.0)
        first("acme/zulu", datetime(2026, 5, 2, tzinfo=UTC))
        ship("acme/zulu", at(24), 0.5)
        add_incident(
            facts,
            "IZ",
            at(24) + timedelta(minutes=10),
            resolved_at=at(24) + timedelta(minutes=40),
            service="PZ",
        )
        first("acme/stray", datetime(2026, 5, 2, tzinfo=UTC))
        ship("acme/stray", at(20), 300.0)
    finally:
        engine.dispose()
    yield path


def metrics_json(capsys: pytest.CaptureFixture[str], config: Path, *extra: str) -> list[dict[str, Any]]:
    status = main(
        ["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF_TEXT, *extra], now=AS_OF
    )
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return json.loads(captured.out)


# "dora-2021" from the 60d window (the longest; none is 90 days):
EXPECTED_BANDS = {
    # 6/60 = 0.1/day: "≥ 1 / month" → high; lead 0.5, 18, 40, 300 → p50 29 h: "< 1 week" → high;
    # CFR 1/6 = 16.7 %: "≤ 30 %" → high; recovery 2/3 h: "< 1 hour" → elite.
    "*": bands("high", "high", "high", "elite"),
    # 2/60 = 1/30 exactly → high; lead 29 h → high; 0 % → elite; no failure, no incident: null.
    "alpha": bands("high", "high", "elite", None),
    # 2/60 → high; lead 0.5 h: "< 1 hour" → elite; 1/2 → "> 30 %" low; recovery 2/3 h → elite.
    "Zulu": bands("high", "elite", "low", "elite"),
    # 2/60 → high; lead 300 h: not "< 1 week", "< 6 months" → medium; 0 % → elite; null.
    "unowned": bands("high", "medium", "elite", None),
}


def test_json_order_labels_numbers_and_bands_from_the_longest_window(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = metrics_json(capsys, config_path)
    assert all(list(row) == METRIC_KEYS for row in rows)
    pairs = [(row["team"], row["window"]) for row in rows]
    # §6.4 "sorted by team ("*" first) then by window length": windows as written (1w, 2w), shortest
    # first whatever the configured order. How letter case sorts is not said: either order of the teams.
    teams = list(dict.fromkeys(team for team, _ in pairs))
    assert teams[0] == "*"
    assert teams[1:] in (sorted(teams[1:]), sorted(teams[1:], key=str.casefold))
    assert set(teams) == {"*", "Zulu", "alpha", "unowned"}
    assert pairs == [(team, window) for team in teams for window in ("1w", "2w", "60d")]
    got = {(row["team"], row["window"]): row for row in rows}

    org = got["*", "60d"]
    assert (org["deployments"], org["deployment_frequency_per_day"]) == (6, approx(0.1))
    # 0.5, 18, 40, 300: p50 29, p90 at 2.7: 40 + 0.7 × 260 = 222.
    assert (org["lead_time_hours_p50"], org["lead_time_hours_p90"]) == (approx(29.0), approx(222.0))
    assert org["change_failure_rate"] == approx(1 / 6)
    assert org["failed_deployment_recovery_hours_p50"] == approx(2 / 3)
    assert (org["time_to_restore_hours_p50"], org["incidents"]) == (approx(0.5), 1)
    week, fortnight = got["*", "1w"], got["*", "2w"]
    # (06-23, 06-30]: alpha D3, Zulu D2 → 2/7; lead 0.5, 18 → p50 9.25, p90 0.5 + 0.9 × 17.5 = 16.25.
    assert (week["deployments"], week["deployment_frequency_per_day"]) == (2, approx(2 / 7))
    assert (week["lead_time_hours_p50"], week["lead_time_hours_p90"]) == (approx(9.25), approx(16.25))
    assert week["change_failure_rate"] == approx(0.5)
    # (06-16, 06-30]: and unowned S2 → 3/14; 0.5, 18, 300 → p50 18, p90 18 + 0.8 × 282 = 243.6.
    assert (fortnight["deployments"], fortnight["deployment_frequency_per_day"]) == (3, approx(3 / 14))
    assert (fortnight["lead_time_hours_p50"], fortnight["lead_time_hours_p90"]) == (
        approx(18.0),
        approx(243.6),
    )
    assert fortnight["change_failure_rate"] == approx(1 / 3)

    alpha = got["alpha", "60d"]
    assert (alpha["deployments"], alpha["deployment_frequency_per_day"]) == (2, approx(1 / 30))
    assert (alpha["lead_time_hours_p50"], alpha["lead_time_hours_p90"]) == (approx(29.0), approx(37.8))
    assert (got["alpha", "1w"]["deployments"], got["alpha", "1w"]["lead_time_hours_p50"]) == (1, approx(18.0))
    zulu = got["Zulu", "1w"]
    assert (zulu["deployments"], zulu["change_failure_rate"], zulu["incidents"]) == (1, 1.0, 1)
    assert zulu["failed_deployment_recovery_hours_p50"] == approx(2 / 3)
    assert got["Zulu", "60d"]["change_failure_rate"] == approx(0.5)
    stray = got["unowned", "1w"]
    assert (stray["deployments"], stray["change_failure_rate"], stray["lead_time_hours_p50"]) == (
        0,
        None,
        None,
    )
    assert (got["unowned", "2w"]["deployments"], got["unowned", "60d"]["lead_time_hours_p50"]) == (
        1,
        approx(300.0),
    )
    # §6.3: every row of a team, whatever its window, carries the 60d bands.
    for (team, window), row in got.items():
        assert row["bands"] == EXPECTED_BANDS[team], (team, window)


def test_window_and_team_filters_keep_the_bands_and_numbers_of_the_full_run(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    full = metrics_json(capsys, config_path)
    week = metrics_json(capsys, config_path, "--window", "1w")
    assert week == [row for row in full if row["window"] == "1w"]
    only = metrics_json(capsys, config_path, "--team", "Zulu", "--window", "2w")
    assert only == [row for row in full if (row["team"], row["window"]) == ("Zulu", "2w")]
    assert only[0]["bands"] == EXPECTED_BANDS["Zulu"]
    organisation = metrics_json(capsys, config_path, "--team", "*", "--window", "60d")
    assert [(row["team"], row["window"]) for row in organisation] == [("*", "60d")]
    assert organisation[0]["bands"] == EXPECTED_BANDS["*"]
