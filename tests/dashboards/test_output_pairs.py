"""What users see where two rules meet: `doraspace metrics --format json|csv|table`, `doraspace survey
scores --format json|csv`, the Prometheus `/metrics` text and the HTML reports, all from one store.

Each scenario writes raw facts into a DuckDB file, writes a config beside it, then reads every output
the way a user does (the CLI's ``main``, the exporter's rendered text, the report files). Expected values
come from SPEC's wording (§6.2–§6.4, §7.4–§7.5, §8.1, §8.3); the comment of each test says which.

June 2026 throughout; every ``--as-of`` and snapshot is 2026-06-30 00:00 UTC, never today.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from analytics.snapshot import Snapshot
from collector.models import RepositoryFact
from collector.writer import write_repositories
from dashboards.exporter import Exposition
from dashboards.reports import team_page_names, write_reports
from doraspace.cli import main
from doraspace.config import load_config
from doraspace.pipeline import build_snapshot
from store.engine import open_store
from tests.analytics.facts import Facts, add_incident, at
from tests.analytics.test_space import Survey

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
AS_OF_TEXT = "2026-06-30T00:00:00Z"
HOUR = 3600.0
Q = "2026-Q2"
BAND_KEYS = ("deployment_frequency", "lead_time", "change_failure_rate", "recovery")
BANDS = ("elite", "high", "medium", "low")


def sha(name: str) -> str:
    return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()


# -- building an organisation ---------------------------------------------------------------------


@dataclass
class Org:
    """A store and a config file in ``tmp_path``; ``facts`` and ``survey`` write into the store."""

    path: Path
    url: str
    facts: Facts
    survey: Survey

    def close(self) -> None:
        self.facts.engine.dispose()


def make_org(
    tmp_path: Path,
    *,
    teams: Sequence[dict[str, Any]],
    repos: Sequence[str],
    windows: Sequence[str] = ("7d", "30d", "90d"),
    benchmarks: str = "dora-2023",
    extra: str = "",
    name: str = "store",
) -> Org:
    url = f"duckdb:///{tmp_path}/{name}.duckdb"
    config = tmp_path / f"{name}.yaml"
    # JSON is YAML: every team name reaches the config exactly as written, quotes and all.
    config.write_text(
        "database:\n"
        f"  url: {url}\n"
        f"teams: {json.dumps(list(teams))}\n"
        f"metrics:\n  windows: {json.dumps(list(windows))}\n  benchmarks: {benchmarks}\n"
        "incidents:\n  attribution_window: 24h\n" + extra
    )
    engine = open_store(url)
    with engine.begin() as conn:
        write_repositories(conn, [RepositoryFact(repo, "main") for repo in repos], {}, AS_OF)
    return Org(config, url, Facts(engine), Survey(engine))


@pytest.fixture
def closing() -> Iterator[list[Org]]:
    opened: list[Org] = []
    yield opened
    for org in opened:
        org.close()


def release(org: Org) -> None:
    """The CLI opens the store itself: let go of the builder's connection first."""
    org.close()


def ship(org: Org, repo: str, deployed_at: datetime, name: str, authored: datetime) -> str:
    commit = org.facts.commit(sha(name), authored, repo=repo)
    org.facts.deployment(deployed_at, ships=[commit], repo=repo)
    return commit


def first(org: Org, repo: str, deployed_at: datetime) -> None:
    """The first deployment of the collected history: counts, adds no lead times (SPEC §5.2)."""
    org.facts.deployment(deployed_at, compare="first", sha=sha(f"first-{repo}"), repo=repo)


# -- reading the outputs ----------------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    status = main(list(argv), now=AS_OF)
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return captured.out


def metrics_json(capsys: pytest.CaptureFixture[str], org: Org, *extra: str) -> list[dict[str, Any]]:
    out = cli(capsys, "metrics", "--config", str(org.path), "--format", "json", "--as-of", AS_OF_TEXT, *extra)
    return json.loads(out)


def metrics_csv(capsys: pytest.CaptureFixture[str], org: Org, *extra: str) -> list[dict[str, str]]:
    out = cli(capsys, "metrics", "--config", str(org.path), "--format", "csv", "--as-of", AS_OF_TEXT, *extra)
    return list(csv.DictReader(io.StringIO(out)))


def snapshot_of(org: Org) -> Snapshot:
    config = load_config(org.path, environ={})
    engine = open_store(config.database_url)
    try:
        return build_snapshot(config, engine, now=AS_OF, as_of=AS_OF, weeks=1)
    finally:
        engine.dispose()


def exposition_text(snapshot: Snapshot) -> str:
    exposition = Exposition(clock=lambda: AS_OF)
    exposition.update(snapshot)
    return exposition.render().decode()


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def sample(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def series_of(found: Samples, name: str, team: str) -> list[dict[str, str]]:
    return [dict(labels) for (n, labels) in found if n == name and dict(labels).get("team") == team]


def row_of(rows: Sequence[dict[str, Any]], team: str, window: str) -> dict[str, Any]:
    (row,) = [r for r in rows if r["team"] == team and r["window"] == window]
    return row


def reports(snapshot: Snapshot, out: Path) -> dict[str, str]:
    write_reports(snapshot, out, previous=snapshot.previous)
    names = team_page_names(snapshot.teams)
    pages = {team: (out / file).read_text() for team, file in names.items()}
    pages["index"] = (out / "index.html").read_text()
    return pages


def band_state(found: Samples, team: str, metric: str) -> str | None:
    """The band ``dora_band`` says is 1, checking it is a state set over the four bands (SPEC §8.1)."""
    values = {band: sample(found, "dora_band", team=team, metric=metric, band=band) for band in BANDS}
    if all(value is None for value in values.values()):
        return None
    assert sorted(values.values()) == [0.0, 0.0, 0.0, 1.0], (team, metric, values)
    return next(band for band, value in values.items() if value == 1.0)


# -- scenarios ----------------------------------------------------------------------------------------


def test_a_team_without_deployments_in_any_window_low_frequency_null_bands_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closing: list[Org]
) -> None:
    """§6.2: counts are 0 where there is nothing, a ratio or percentile with nothing to measure is null,
    never 0. §6.3: frequency 0/day is "below" 1/month → low; the other three metrics are null so their
    bands are null. §8.1: null values are absent series (not NaN); dora_band is 1 for the team's band,
    0 for the other three, and (a null band being no band) no dora_band series for the null ones.
    CSV/table: a null is never printed as 0."""
    org = make_org(
        tmp_path,
        teams=[
            {"name": "quiet", "repositories": ["acme/quiet"]},
            {"name": "busy", "repositories": ["acme/busy"]},
        ],
        repos=["acme/quiet", "acme/busy"],
    )
    closing.append(org)
    first(org, "acme/quiet", datetime(2026, 2, 1, tzinfo=UTC))  # long before the 90-day window
    first(org, "acme/busy", datetime(2026, 5, 1, tzinfo=UTC))
    ship(org, "acme/busy", at(20), "busy-1", at(19))
    release(org)

    rows = metrics_json(capsys, org)
    quiet = [r for r in rows if r["team"] == "quiet"]
    assert [r["window"] for r in quiet] == ["7d", "30d", "90d"]
    for row in quiet:
        assert row["deployments"] == 0 and row["incidents"] == 0
        assert row["deployment_frequency_per_day"] == 0.0
        for key in (
            "lead_time_hours_p50",
            "lead_time_hours_p90",
            "change_failure_rate",
            "failed_deployment_recovery_hours_p50",
            "time_to_restore_hours_p50",
            "time_to_restore_hours_p90",
            "rework_rate",
        ):
            assert row[key] is None, key
        assert row["lead_time_breakdown_hours_p50"] == dict.fromkeys(("coding", "pickup", "review", "deploy"))
        assert row["bands"] == {
            "deployment_frequency": "low",
            "lead_time": None,
            "change_failure_rate": None,
            "recovery": None,
        }

    found = samples(text := exposition_text(snapshot_of(org)))
    assert "NaN" not in text
    for window in ("7d", "30d", "90d"):
        assert sample(found, "dora_deployments", team="quiet", window=window) == 0.0
        assert sample(found, "dora_incidents", team="quiet", window=window) == 0.0
        assert sample(found, "dora_deployment_frequency_per_day", team="quiet", window=window) == 0.0
    for absent in (
        "dora_change_failure_rate",
        "dora_rework_rate",
        "dora_lead_time_seconds",
        "dora_failed_deployment_recovery_seconds",
        "dora_time_to_restore_seconds",
        "dora_lead_time_breakdown_seconds",
    ):
        assert series_of(found, absent, "quiet") == [], absent
    assert band_state(found, "quiet", "deployment_frequency") == "low"
    for metric in ("lead_time", "change_failure_rate", "recovery"):
        assert band_state(found, "quiet", metric) is None, metric

    for row in metrics_csv(capsys, org, "--team", "quiet"):
        assert row["deployments"] == "0"
        assert row["change_failure_rate"] == "" and row["rework_rate"] == ""
        assert row["bands.deployment_frequency"] == "low" and row["bands.lead_time"] == ""
    table = cli(capsys, "metrics", "--config", str(org.path), "--team", "quiet", "--as-of", AS_OF_TEXT)
    body = [line.split() for line in table.splitlines()[2:]]
    assert len(body) == 3
    for cells in body:
        assert cells[0] == "quiet" and cells[2] == "0"
        assert "0.00" not in cells[4:], cells  # every ratio and percentile of the row is null


def test_recovery_band_falls_back_to_time_to_restore_in_json_metrics_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closing: list[Org]
) -> None:
    """§6.3: recovery uses failed_deployment_recovery_hours_p50, falling back to time_to_restore_hours_p50
    where the team has no failed deployment with a recovery; bands come from the 90-day window and every
    row carries them. Here: no failed deployment (the incident starts 9.5 days after the latest
    deployment, past the 24 h attribution window), one incident resolved after 3 h → TTR p50 = 3 h →
    recovery band high (dora-2023: not < 1 h, < 1 day). JSON keeps failed_deployment_recovery null;
    /metrics has no recovery series, TTR in seconds (3 h × 3600), and dora_band recovery=high; the
    report shows the 3.0 h value with a High badge."""
    org = make_org(
        tmp_path,
        teams=[{"name": "ops", "repositories": ["acme/ops"], "pagerduty_services": ["P1"]}],
        repos=["acme/ops"],
    )
    closing.append(org)
    first(org, "acme/ops", datetime(2026, 5, 1, tzinfo=UTC))
    ship(org, "acme/ops", at(10, 12), "ops-1", at(10, 2))
    add_incident(org.facts, "I1", at(20), resolved_at=at(20, 3), service="P1")
    release(org)

    rows = metrics_json(capsys, org, "--team", "ops")
    ninety = row_of(rows, "ops", "90d")
    assert ninety["change_failure_rate"] == 0.0
    assert ninety["failed_deployment_recovery_hours_p50"] is None
    assert ninety["time_to_restore_hours_p50"] == pytest.approx(3.0)
    assert ninety["incidents"] == 1
    week = row_of(rows, "ops", "7d")  # (06-23, 06-30]: no incident, no deployment
    assert week["time_to_restore_hours_p50"] is None and week["incidents"] == 0
    for row in rows:
        assert row["bands"]["recovery"] == "high", row["window"]

    snapshot = snapshot_of(org)
    found = samples(exposition_text(snapshot))
    assert series_of(found, "dora_failed_deployment_recovery_seconds", "ops") == []
    assert sample(found, "dora_time_to_restore_seconds", team="ops", window="90d", percentile="50") == (
        pytest.approx(3 * HOUR)
    )
    assert sample(found, "dora_time_to_restore_seconds", team="ops", window="90d", percentile="90") == (
        pytest.approx(3 * HOUR)
    )
    assert band_state(found, "ops", "recovery") == "high"

    pages = reports(snapshot, tmp_path / "reports")
    page = pages["ops"]
    recovery_row = next(line for line in page.splitlines() if "Failed deployment recovery (p50)" in line)
    assert "3.0 h" in recovery_row and "band-high" in recovery_row
    assert "median time to restore" in page
    index_row = next(line for line in pages["index"].splitlines() if ">ops<" in line)
    assert "3.0 h" in index_row


def edge_org(tmp_path: Path, benchmarks: str) -> Org:
    """Two teams on the benchmark edges, band window 30d (the longest configured, no 90d).

    * ``edge``: 20 deployments in (05-31, 06-30], each shipping one commit authored exactly 24 h before
      → lead time p50 24 h; 3 of them explicitly failed (an incident names the change's sha) → change
      failure rate 3/20 = 15 % exactly; each incident resolves exactly 1 h after its deployment →
      recovery p50 1 h, time to restore 0.5 h.
    * ``hour``: one deployment in the window → 1/30 per day exactly; its change authored exactly 1 h
      before → lead time 1 h; no failure → change failure rate 0.
    """
    org = make_org(
        tmp_path,
        teams=[
            {"name": "edge", "repositories": ["acme/edge"], "pagerduty_services": ["PEDGE"]},
            {"name": "hour", "repositories": ["acme/hour"]},
        ],
        repos=["acme/edge", "acme/hour"],
        windows=("7d", "30d"),
        benchmarks=benchmarks,
        name=benchmarks,
    )
    first(org, "acme/edge", datetime(2026, 5, 1, tzinfo=UTC))
    for day in range(2, 22):
        deployed = at(day, 12)
        change = ship(org, "acme/edge", deployed, f"edge-{day}", deployed - timedelta(hours=24))
        if day in (5, 10, 15):
            add_incident(
                org.facts,
                f"E{day}",
                deployed + timedelta(minutes=30),
                resolved_at=deployed + timedelta(hours=1),
                service="PEDGE",
                title=f"errors, root cause: {change[:7]}",
            )
    first(org, "acme/hour", datetime(2026, 5, 1, tzinfo=UTC))
    ship(org, "acme/hour", at(15), "hour-1", at(15) - timedelta(hours=1))
    release(org)
    return org


EDGE_BANDS = {
    # SPEC §6.3 table. dora-2023: lead time 24 h is not < 1 day → high; CFR 15 % ≤ 15 % → medium;
    # recovery 1 h is not < 1 hour → high (< 1 day); 20/30 per day ≥ 1/week → high.
    # dora-2021: lead time 24 h: not < 1 hour, < 1 week → high; CFR 15 % ≤ 15 % → elite.
    "dora-2023": {
        "edge": {
            "deployment_frequency": "high",
            "lead_time": "high",
            "change_failure_rate": "medium",
            "recovery": "high",
        },
        # 1/30 per day ≥ 1 / month → medium; lead time 1 h < 1 day → elite; CFR 0 → elite.
        "hour": {
            "deployment_frequency": "medium",
            "lead_time": "elite",
            "change_failure_rate": "elite",
            "recovery": None,
        },
    },
    "dora-2021": {
        "edge": {
            "deployment_frequency": "high",
            "lead_time": "high",
            "change_failure_rate": "elite",
            "recovery": "high",
        },
        # 1/30 per day ≥ 1 / month → high; lead time 1 h is not < 1 hour → high (< 1 week).
        "hour": {
            "deployment_frequency": "high",
            "lead_time": "high",
            "change_failure_rate": "elite",
            "recovery": None,
        },
    },
}


@pytest.mark.parametrize("benchmarks", ["dora-2023", "dora-2021"])
def test_benchmark_sets_band_exact_thresholds_alike_in_json_csv_and_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closing: list[Org], benchmarks: str
) -> None:
    """§6.3 boundaries exactly at the thresholds, under both sets, with bands from the longest configured
    window (30d) on every row, the 7d row included though it has no deployment. §6.4 numbers in hours;
    §8.1 the same durations in seconds (× 3600) with percentile="50"|"90", never a quantile label."""
    org = edge_org(tmp_path, benchmarks)
    closing.append(org)
    rows = metrics_json(capsys, org)
    edge = row_of(rows, "edge", "30d")
    assert edge["deployments"] == 20
    assert edge["deployment_frequency_per_day"] == pytest.approx(20 / 30)
    assert edge["lead_time_hours_p50"] == pytest.approx(24.0)
    assert edge["lead_time_hours_p90"] == pytest.approx(24.0)
    assert edge["change_failure_rate"] == pytest.approx(0.15)
    assert edge["failed_deployment_recovery_hours_p50"] == pytest.approx(1.0)
    assert edge["time_to_restore_hours_p50"] == pytest.approx(0.5)
    hour = row_of(rows, "hour", "30d")
    assert hour["deployments"] == 1 and hour["deployment_frequency_per_day"] == pytest.approx(1 / 30)
    assert hour["lead_time_hours_p50"] == pytest.approx(1.0)
    for team in ("edge", "hour"):
        for window in ("7d", "30d"):
            assert row_of(rows, team, window)["bands"] == EDGE_BANDS[benchmarks][team], (team, window)
    for row in metrics_csv(capsys, org, "--team", "edge"):
        assert {key: row[f"bands.{key}"] for key in BAND_KEYS} == EDGE_BANDS[benchmarks]["edge"]

    found = samples(text := exposition_text(snapshot_of(org)))
    assert "quantile=" not in text
    labels = {"team": "edge", "window": "30d"}
    assert sample(found, "dora_lead_time_seconds", **labels, percentile="50") == pytest.approx(24 * HOUR)
    assert sample(found, "dora_lead_time_seconds", **labels, percentile="90") == pytest.approx(24 * HOUR)
    assert sample(found, "dora_failed_deployment_recovery_seconds", **labels, percentile="50") == (
        pytest.approx(HOUR)
    )
    assert sample(found, "dora_time_to_restore_seconds", **labels, percentile="50") == pytest.approx(HOUR / 2)
    assert sample(found, "dora_change_failure_rate", **labels) == pytest.approx(0.15)
    for team in ("edge", "hour"):
        for metric in BAND_KEYS:
            assert band_state(found, team, metric) == EDGE_BANDS[benchmarks][team][metric], (team, metric)


def test_a_window_configured_as_2w_keeps_its_label_in_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closing: list[Org]
) -> None:
    """§2/§3: windows are labelled as configured; §6.2: frequency = deployments / N with N = 14 days for
    2w; §6.4 rows sorted by window length; `--window 2w` names one of them. The label "2w" is the one
    in JSON, CSV, the table, /metrics and the report (never "14d")."""
    org = make_org(
        tmp_path,
        teams=[{"name": "busy", "repositories": ["acme/busy"]}],
        repos=["acme/busy"],
        windows=("30d", "2w"),
    )
    closing.append(org)
    first(org, "acme/busy", datetime(2026, 5, 1, tzinfo=UTC))
    for day in (10, 20, 25, 29):  # three in (06-16, 06-30], four in (05-31, 06-30]
        ship(org, "acme/busy", at(day), f"busy-{day}", at(day) - timedelta(hours=5))
    release(org)

    rows = metrics_json(capsys, org)
    assert [(r["team"], r["window"]) for r in rows] == [
        ("*", "2w"),
        ("*", "30d"),
        ("busy", "2w"),
        ("busy", "30d"),
    ]
    two_weeks = row_of(rows, "busy", "2w")
    assert two_weeks["deployments"] == 3
    assert two_weeks["deployment_frequency_per_day"] == pytest.approx(3 / 14)
    only = metrics_json(capsys, org, "--window", "2w")
    assert [(r["team"], r["window"]) for r in only] == [("*", "2w"), ("busy", "2w")]
    assert only[1] == two_weeks
    assert {row["window"] for row in metrics_csv(capsys, org)} == {"2w", "30d"}
    table = cli(capsys, "metrics", "--config", str(org.path), "--as-of", AS_OF_TEXT)
    assert any(line.split()[:2] == ["busy", "2w"] for line in table.splitlines())

    snapshot = snapshot_of(org)
    found = samples(exposition_text(snapshot))
    assert sample(found, "dora_deployments", team="busy", window="2w") == 3.0
    assert not [labels for (name, labels) in found if ("window", "14d") in labels]
    page = reports(snapshot, tmp_path / "reports")["busy"]
    assert ">2w</th>" in page


def test_team_star_and_window_filters_give_one_organisation_row_with_unowned_and_full_bands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closing: list[Org]
) -> None:
    """§2: `--team '*'` is the organisation, `--window` names one window; §6: the organisation row
    covers everything collected, team unowned included; §6.3: bands always come from the 90-day window,
    so a `--window 7d` row carries the same bands as the full run's 7d row."""
    org = make_org(
        tmp_path,
        teams=[{"name": "a", "repositories": ["acme/a"]}],
        repos=["acme/a", "acme/stray"],  # acme/stray: owned by nobody → unowned
    )
    closing.append(org)
    for repo in ("acme/a", "acme/stray"):
        first(org, repo, datetime(2026, 4, 15, tzinfo=UTC))
    ship(org, "acme/a", at(25), "a-1", at(24))
    ship(org, "acme/stray", at(26), "s-1", at(25, 12))
    ship(org, "acme/stray", at(5), "s-old", at(4))  # in 30d and 90d, not in 7d
    release(org)

    full = metrics_json(capsys, org)
    only = metrics_json(capsys, org, "--team", "*", "--window", "7d")
    assert len(only) == 1
    (star,) = only
    assert (star["team"], star["window"], star["deployments"]) == ("*", "7d", 2)
    assert star == row_of(full, "*", "7d")
    assert star["bands"] == row_of(full, "*", "90d")["bands"]
    assert row_of(full, "*", "90d")["deployments"] == 5  # both first deployments (04-15) count too
    assert star["lead_time_hours_p50"] == pytest.approx((24 + 12) / 2)


WEIRD = 'Ops, "core" \\ <script>alert(1)</script>'


def test_a_team_name_with_comma_quotes_backslash_and_markup_round_trips_through_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closing: list[Org]
) -> None:
    """§9: label values from outside are escaped wherever they are rendered (HTML, Prometheus text);
    JSON and CSV give the name back exactly (CSV quoting of a comma and quotes)."""
    org = make_org(tmp_path, teams=[{"name": WEIRD, "repositories": ["acme/weird"]}], repos=["acme/weird"])
    closing.append(org)
    first(org, "acme/weird", datetime(2026, 5, 1, tzinfo=UTC))
    ship(org, "acme/weird", at(25), "w-1", at(24))
    release(org)

    assert {row["team"] for row in metrics_json(capsys, org)} == {"*", WEIRD}
    assert [row["team"] for row in metrics_json(capsys, org, "--team", WEIRD)] == [WEIRD] * 3
    assert {row["team"] for row in metrics_csv(capsys, org)} == {"*", WEIRD}

    snapshot = snapshot_of(org)
    text = exposition_text(snapshot)
    assert 'team="Ops, \\"core\\" \\\\ <script>alert(1)</script>"' in text
    found = samples(text)
    assert sample(found, "dora_deployments", team=WEIRD, window="7d") == 1.0
    assert band_state(found, WEIRD, "deployment_frequency") is not None

    pages = reports(snapshot, tmp_path / "reports")
    for page in (pages[WEIRD], pages["index"]):
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def survey_org(tmp_path: Path, sizes: dict[str, int], headcounts: dict[str, int | None]) -> Org:
    teams = [
        {"name": team, "repositories": [f"acme/{team}"], **({"headcount": h} if h is not None else {})}
        for team, h in headcounts.items()
    ]
    org = make_org(
        tmp_path,
        teams=teams,
        repos=[f"acme/{t}" for t in headcounts],
        extra="surveys:\n  min_group_size: 5\n",
    )
    org.survey.item(Q, "s1", "satisfaction")
    org.survey.item(Q, "a1", "activity")
    for team, size in sizes.items():
        for index in range(size):
            org.survey.respond(Q, team, {"s1": 4 if index % 2 else 2, "a1": 3})
    return org


def space_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("space_")]


def test_suppressed_and_differencing_teams_are_absent_from_json_csv_metrics_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closing: list[Org]
) -> None:
    """§7.4: min_group_size 5. tiny (3) is suppressed; the organisation row (3 + 6 + 12 = 21) is shown,
    and the suppressed teams together (3) are fewer than 5, so the smallest shown team (mid, 6) is
    suppressed too. Suppressed groups: no score, no count, nowhere (CLI JSON and CSV, /metrics, reports);
    "*" counts every respondent, suppressed teams included, and divides by the sum of all headcounts."""
    org = survey_org(tmp_path, {"tiny": 3, "mid": 6, "big": 12}, {"tiny": 4, "mid": 8, "big": 16})
    closing.append(org)
    release(org)
    args = ("survey", "scores", "--config", str(org.path))
    rows = json.loads(cli(capsys, *args, "--format", "json"))
    assert [(r["team"], r["dimension"]) for r in rows] == [
        ("*", "activity"),
        ("*", "satisfaction"),
        ("big", "activity"),
        ("big", "satisfaction"),
    ]
    star = rows[0]
    assert star["respondents"] == 21 and star["response_rate"] == pytest.approx(21 / 28)
    assert rows[2]["respondents"] == 12 and rows[2]["response_rate"] == pytest.approx(12 / 16)
    assert {r["team"] for r in csv.DictReader(io.StringIO(cli(capsys, *args, "--format", "csv")))} == {
        "*",
        "big",
    }
    for hidden in ("tiny", "mid"):
        assert json.loads(cli(capsys, *args, "--format", "json", "--team", hidden)) == []
        # The header alone: no row of the hidden team.
        assert (
            cli(capsys, *args, "--format", "csv", "--team", hidden).strip()
            == "team,quarter,dimension,score,favourable,respondents,response_rate,change"
        )

    snapshot = snapshot_of(org)
    text = exposition_text(snapshot)
    lines = space_lines(text)
    assert not [line for line in lines if 'team="tiny"' in line or 'team="mid"' in line]
    found = samples(text)
    assert sample(found, "space_respondents", team="*", quarter=Q) == 21.0
    assert sample(found, "space_response_rate", team="*", quarter=Q) == pytest.approx(21 / 28)
    assert sample(found, "space_score", team="big", dimension="activity", quarter=Q) == pytest.approx(50.0)

    pages = reports(snapshot, tmp_path / "reports")
    for hidden in ("tiny", "mid"):
        assert "not enough responses" in pages[hidden].lower()
        assert "50.0" not in pages[hidden]


def test_a_dimension_suppressed_alone_leaves_its_team_quarter_shown_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closing: list[Org]
) -> None:
    """§7.4: a single dimension with fewer than min_group_size respondents is suppressed, alone: the team's
    other dimension and its quarter respondents stay shown. Here big has 12 respondents, only 4 of them
    answer the activity item → (big, activity) absent from JSON, CSV, /metrics and the report, while
    (big, satisfaction) and space_respondents{big} = 12 are there. "*" activity counts everyone who
    answered it (4 + 10 of other = 14)."""
    org = make_org(
        tmp_path,
        teams=[
            {"name": "big", "repositories": ["acme/big"]},
            {"name": "other", "repositories": ["acme/other"]},
        ],
        repos=["acme/big", "acme/other"],
        extra="surveys:\n  min_group_size: 5\n",
    )
    closing.append(org)
    org.survey.item(Q, "s1", "satisfaction")
    org.survey.item(Q, "a1", "activity")
    for index in range(12):
        org.survey.respond(Q, "big", {"s1": 5, **({"a1": 1} if index < 4 else {})})
    for _ in range(10):
        org.survey.respond(Q, "other", {"s1": 3, "a1": 5})
    release(org)

    args = ("survey", "scores", "--config", str(org.path))
    rows = json.loads(cli(capsys, *args, "--format", "json"))
    shown = {(r["team"], r["dimension"]) for r in rows}
    assert ("big", "activity") not in shown
    assert ("big", "satisfaction") in shown and ("*", "activity") in shown
    assert next(r for r in rows if (r["team"], r["dimension"]) == ("*", "activity"))["respondents"] == 14
    big = next(r for r in rows if (r["team"], r["dimension"]) == ("big", "satisfaction"))
    assert (big["score"], big["favourable"], big["respondents"]) == (100.0, 1.0, 12)
    assert big["response_rate"] is None and big["change"] is None  # no headcount; no earlier quarter
    csv_rows = list(csv.DictReader(io.StringIO(cli(capsys, *args, "--format", "csv"))))
    assert ("big", "activity") not in {(r["team"], r["dimension"]) for r in csv_rows}
    assert next(r for r in csv_rows if r["team"] == "big")["response_rate"] == ""

    snapshot = snapshot_of(org)
    found = samples(exposition_text(snapshot))
    assert sample(found, "space_score", team="big", dimension="activity", quarter=Q) is None
    assert sample(found, "space_favourable_ratio", team="big", dimension="activity", quarter=Q) is None
    assert sample(found, "space_score", team="big", dimension="satisfaction", quarter=Q) == 100.0
    assert sample(found, "space_respondents", team="big", quarter=Q) == 12.0
    assert series_of(found, "space_response_rate", "big") == []
    page = reports(snapshot, tmp_path / "reports")["big"]
    (activity,) = [row for row in re.findall(r"<tr>.*?</tr>", page) if "Activity" in row]
    assert "not enough responses" in activity.lower() and not re.search(
        r"\d", re.sub(r"<[^>]*>", "", activity)
    )


def test_as_of_with_an_offset_is_printed_as_the_same_utc_instant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closing: list[Org]
) -> None:
    """§2: --as-of is ISO 8601, UTC if no offset; §6.4: as_of printed as "…Z". 02:00+02:00 and the bare
    date are both 2026-06-30T00:00:00Z, and give the same rows."""
    org = make_org(tmp_path, teams=[{"name": "a", "repositories": ["acme/a"]}], repos=["acme/a"])
    closing.append(org)
    first(org, "acme/a", datetime(2026, 5, 1, tzinfo=UTC))
    ship(org, "acme/a", at(29, 23), "a-1", at(29))
    ship(org, "acme/a", AS_OF + timedelta(minutes=30), "a-late", at(29))  # after as_of: not yet happened
    release(org)

    base = ("metrics", "--config", str(org.path), "--format", "json", "--as-of")
    shifted = json.loads(cli(capsys, *base, "2026-06-30T02:00:00+02:00"))
    bare = json.loads(cli(capsys, *base, "2026-06-30"))
    assert {row["as_of"] for row in shifted} == {AS_OF_TEXT}
    assert shifted == bare
    assert row_of(shifted, "a", "7d")["deployments"] == 1
    assert row_of(shifted, "a", "7d")["lead_time_hours_p50"] == pytest.approx(23.0)


def test_breakdown_stages_are_seconds_with_stage_and_percentile_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closing: list[Org]
) -> None:
    """§5.3/§6.2: coding (first commit → opened), pickup (opened → first review by someone else),
    review (→ merged), deploy (merged → deployed); medians in hours in JSON, the same × 3600 in
    dora_lead_time_breakdown_seconds{stage, percentile="50"} (§8.1)."""
    from tests.analytics.facts import Review

    org = make_org(tmp_path, teams=[{"name": "a", "repositories": ["acme/a"]}], repos=["acme/a"])
    closing.append(org)
    first(org, "acme/a", datetime(2026, 5, 1, tzinfo=UTC))
    merge = org.facts.commit(sha("merge-1"), at(20, 10), repo="acme/a")
    org.facts.pull_request(
        1,
        created_at=at(20, 2),
        merged_at=at(20, 10),
        merge_commit_sha=merge,
        commit_dates=[at(20, 1)],
        reviews=[Review("bob", at(20, 6))],
        repo="acme/a",
    )
    org.facts.deployment(at(20, 13), ships=[merge], repo="acme/a")
    release(org)

    row = row_of(metrics_json(capsys, org, "--team", "a"), "a", "30d")
    expected = {"coding": 1.0, "pickup": 4.0, "review": 4.0, "deploy": 3.0}
    assert row["lead_time_breakdown_hours_p50"] == pytest.approx(expected)
    assert row["lead_time_hours_p50"] == pytest.approx(12.0)  # 06-20 01:00 → 13:00
    found = samples(exposition_text(snapshot_of(org)))
    for stage, hours in expected.items():
        value = sample(
            found, "dora_lead_time_breakdown_seconds", team="a", window="30d", stage=stage, percentile="50"
        )
        assert value == pytest.approx(hours * HOUR), stage
    assert sample(found, "dora_lead_time_seconds", team="a", window="30d", percentile="50") == pytest.approx(
        12 * HOUR
    )
    assert not any(math.isnan(value) for value in found.values())


def test_groups_exactly_at_min_group_size_are_shown_and_hidden_teams_reaching_it_stop_differencing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closing: list[Org]
) -> None:
    """§7.4 at its edges: a team of exactly min_group_size (5) is not "fewer" → shown; the suppressed
    teams (3 + 2 = 5) together are not fewer than 5 → differencing suppresses nobody more. "*" counts all
    10. The same set in JSON, CSV and /metrics."""
    org = survey_org(tmp_path, {"five": 5, "three": 3, "two": 2}, {"five": 5, "three": 3, "two": 2})
    closing.append(org)
    release(org)
    args = ("survey", "scores", "--config", str(org.path))
    rows = json.loads(cli(capsys, *args, "--format", "json"))
    assert sorted({r["team"] for r in rows}) == ["*", "five"]
    five = next(r for r in rows if r["team"] == "five")
    assert (five["respondents"], five["response_rate"]) == (5, 1.0)
    assert next(r for r in rows if r["team"] == "*")["respondents"] == 10
    assert {r["team"] for r in csv.DictReader(io.StringIO(cli(capsys, *args, "--format", "csv")))} == {
        "*",
        "five",
    }
    found = samples(exposition_text(snapshot_of(org)))
    assert sample(found, "space_respondents", team="five", quarter=Q) == 5.0
    assert sample(found, "space_respondents", team="*", quarter=Q) == 10.0
    assert {dict(labels)["team"] for (name, labels) in found if name.startswith("space_")} == {"*", "five"}


def test_report_values_beside_bands_come_from_the_band_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], closing: list[Org]
) -> None:
    """§6.3: bands come from the 90-day window even when a longer one (180d) is configured; §8.3 the
    reports show "the five metrics with their bands". Lead times: in the last 90 days one change of 2 h
    (elite), before that three changes of 40 days → 180d p50 = 40 d. JSON: every row's lead-time band is
    elite (from 90d). The index's lead-time cell shows the band with the value it was computed from
    (2.0 h), not the 180d value (40.0 d) beside an "Elite" badge."""
    org = make_org(
        tmp_path,
        teams=[{"name": "a", "repositories": ["acme/a"]}],
        repos=["acme/a"],
        windows=("30d", "90d", "180d"),
    )
    closing.append(org)
    first(org, "acme/a", datetime(2026, 1, 10, tzinfo=UTC))
    for index, day in enumerate((2, 9, 16)):  # March 2026: inside 180d, outside 90d (from 04-01)
        deployed = datetime(2026, 3, day, tzinfo=UTC)
        ship(org, "acme/a", deployed, f"old-{index}", deployed - timedelta(days=40))
    ship(org, "acme/a", at(20), "new", at(20) - timedelta(hours=2))
    release(org)

    rows = metrics_json(capsys, org)
    assert row_of(rows, "a", "90d")["lead_time_hours_p50"] == pytest.approx(2.0)
    assert row_of(rows, "a", "180d")["lead_time_hours_p50"] == pytest.approx(40 * 24.0)
    assert {row["bands"]["lead_time"] for row in rows if row["team"] == "a"} == {"elite"}

    pages = reports(snapshot_of(org), tmp_path / "reports")
    (row,) = [r for r in re.findall(r"<tr>.*?</tr>", pages["index"]) if ">a</a>" in r]
    cells = re.findall(r"<td>(.*?)</td>", row)
    lead_time = cells[1]
    assert "band-elite" in lead_time
    assert "2.0 h" in lead_time, lead_time
