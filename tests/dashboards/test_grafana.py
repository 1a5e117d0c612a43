"""The generated Grafana dashboards: their structure, their thresholds against the analytics' bands,
and every query run against a real Prometheus that scraped a doraspace exposition."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import subprocess
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from analytics.benchmarks import BENCHMARK_SETS, bands
from analytics.dora import TeamWindowMetrics
from analytics.snapshot import Snapshot
from analytics.space import SpaceScore
from dashboards import grafana
from dashboards.exporter import Exposition, Health
from doraspace.cli import main
from tests.dashboards.space_quarters import quarters_of
from tests.prometheus import Prometheus, require_binary, running_prometheus

DASHBOARDS = grafana.build_dashboards()
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
PROMTOOL = Path("/usr/bin/promtool")
EXAMPLE_VARIABLES = {"team": "order-team", "window": "30d", "quarter": "2026-Q2"}


def panels_of(board: Mapping[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for panel in board["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def variable(board: Mapping[str, Any], name: str) -> dict[str, Any]:
    return next(v for v in board["templating"]["list"] if v["name"] == name)


def grafana_regex(pattern: str) -> re.Pattern[str]:
    """A Grafana ``/regex/`` variable filter as a Python pattern."""
    assert pattern.startswith("/") and pattern.endswith("/")
    return re.compile(pattern[1:-1])


# Grafana's own values for its built-in interval variables, as it would substitute them.
BUILT_INS = {"__range": "1h", "__interval": "1s", "__rate_interval": "1m"}


def substitute(expr: str, variables: Mapping[str, str]) -> str:
    """``$name`` and ``${name}`` as Grafana interpolates a single-value variable."""
    values = {**BUILT_INS, **variables}

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        assert name in values, f"{expr}: unknown variable {name}"
        return values[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, expr)


# -- structure -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_dashboard_is_grafana_json_that_round_trips(name: str) -> None:
    board = DASHBOARDS[name]
    assert board["schemaVersion"] >= 39
    assert json.loads(grafana.dashboard_json(board)) == board
    assert grafana.build_dashboards()[name] == board  # generation is deterministic


def test_the_grafana_sdk_pinned_gives_schema_version_39_or_later() -> None:
    # An unpinned grafana-foundation-sdk resolves to its Grafana 10.1 builders (schemaVersion 36), which
    # Grafana 11 would migrate on every load; the pin in pyproject.toml gives the 11.6 ones (41).
    from grafana_foundation_sdk.models.dashboard import Dashboard

    assert metadata.version("grafana-foundation-sdk") == "1769699379!11.6.0"
    assert Dashboard().schema_version >= 39
    assert {board["schemaVersion"] for board in DASHBOARDS.values()} == {Dashboard().schema_version}


def test_uids_are_stable() -> None:
    assert {name: board["uid"] for name, board in DASHBOARDS.items()} == {
        "doraspace-overview.json": "doraspace-overview",
        "doraspace-team.json": "doraspace-team",
        "doraspace-space.json": "doraspace-space",
    }


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_every_panel_and_query_takes_the_datasource_variable(name: str) -> None:
    board = DASHBOARDS[name]
    source = variable(board, "datasource")
    assert (source["type"], source["query"]) == ("datasource", "prometheus")
    assert board["templating"]["list"][0] is source  # other variables query through it
    assert "__inputs" not in board  # an import placeholder would break file provisioning
    for panel in panels_of(board):
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE, panel["title"]
    for query_variable in board["templating"]["list"][1:]:
        assert query_variable["datasource"] == DATASOURCE


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_panels_have_unique_ids_and_fit_the_grid(name: str) -> None:
    panels = panels_of(DASHBOARDS[name])
    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["w"] > 0 and grid["x"] + grid["w"] <= 24, panel["title"]


def test_team_variable_lists_teams_without_the_organisation() -> None:
    team = variable(DASHBOARDS[grafana.TEAM_FILE], "team")
    assert team["query"] == "label_values(dora_deployments, team)"
    regex = grafana_regex(team["regex"])
    assert not regex.fullmatch("*")
    assert all(regex.fullmatch(name) for name in ("order-team", "unowned", "a", "team-*"))
    window = variable(DASHBOARDS[grafana.TEAM_FILE], "window")
    assert window["query"] == "label_values(dora_deployments, window)"


def test_team_dashboard_queries_are_about_the_team_or_the_organisation() -> None:
    for expr in grafana.all_exprs(DASHBOARDS[grafana.TEAM_FILE]):
        assert 'team="$team"' in expr or 'team="*"' in expr, expr
        assert 'window="$window"' in expr or "dora_band" in expr, expr  # bands have no window


KNOWN_METRICS = {
    "dora_deployments",
    "dora_deployment_frequency_per_day",
    "dora_lead_time_seconds",
    "dora_change_failure_rate",
    "dora_failed_deployment_recovery_seconds",
    "dora_time_to_restore_seconds",
    "dora_incidents",
    "dora_rework_rate",
    "dora_band",
    "dora_lead_time_breakdown_seconds",  # not in SPEC §8.1 yet: see docs/grafana.md
    "doraspace_up",
    "doraspace_last_sync_timestamp_seconds",
    "doraspace_sync_errors_total",
    "doraspace_github_rate_limit_remaining",
    "doraspace_snapshot_age_seconds",
}


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_queries_use_only_served_metrics_and_no_rate_over_gauges(name: str) -> None:
    for expr in grafana.all_exprs(DASHBOARDS[name]):
        assert set(re.findall(r"\b(?:dora|doraspace)_\w+", expr)) <= KNOWN_METRICS, expr
        # rate()/increase() over a windowed gauge measures the exporter's uptime, not delivery.
        for function_call in re.finditer(r"\b(?:i?rate|increase|delta)\((\w+)", expr):
            assert function_call.group(1).endswith("_total"), expr


def test_stat_units() -> None:
    units = {
        panel["title"]: panel["fieldConfig"]["defaults"]["unit"]
        for panel in panels_of(DASHBOARDS[grafana.TEAM_FILE])
        if panel["type"] == "stat"
    }
    assert units["Lead time for changes (p50)"] == "s"
    assert units["Failed deployment recovery (p50)"] == "s"
    assert units["Change failure rate"] == "percentunit"
    assert units["Rework rate"] == "percentunit"
    assert units["Deployment frequency"] == "suffix:/day"


# -- thresholds against the analytics' bands -------------------------------------------------------


def grafana_colour(thresholds: Mapping[str, Any], value: float) -> str:
    """Grafana's rule: the last step whose value is ≤ the value (the first step is the base)."""
    steps = thresholds["steps"]
    colour: str = steps[0]["color"]
    for step in steps[1:]:
        if value >= step["value"]:
            colour = step["color"]
        else:
            break
    return colour


def edge_values(limits: tuple[float | None, ...]) -> list[float]:
    values = [0.0, 1e9]
    for limit in limits:
        if limit is not None:
            values += [math.nextafter(limit, -math.inf), limit, math.nextafter(limit, math.inf)]
            values += [limit * 0.5, limit * 2]
    return values


@pytest.mark.parametrize("benchmarks", sorted(BENCHMARK_SETS))
def test_stat_colours_agree_with_the_analytics_bands_on_every_edge(benchmarks: str) -> None:
    thresholds = grafana.key_thresholds(benchmarks)
    limits = BENCHMARK_SETS[benchmarks]
    cases = {
        # key: (values in the exporter's unit, the same value in the analytics' unit)
        "deployment_frequency": [(v, v) for v in edge_values(limits.deployment_frequency_at_least)],
        "change_failure_rate": [(v, v) for v in edge_values(limits.change_failure_rate_at_most)],
        "lead_time": [(h * 3600, h) for h in edge_values(limits.lead_time_hours_below)],
        "recovery": [(h * 3600, h) for h in edge_values(limits.recovery_hours_below)],
    }
    argument = {
        "deployment_frequency": "deployment_frequency_per_day",
        "lead_time": "lead_time_hours_p50",
        "change_failure_rate": "change_failure_rate",
        "recovery": "recovery_hours_p50",
    }
    for key, values in cases.items():
        for exported, analytic in values:
            given = {name: None for name in argument.values()} | {argument[key]: analytic}
            band = bands(benchmarks, **given)[key]
            assert band is not None
            colour = grafana_colour(thresholds[key], exported)
            assert colour == grafana.BAND_COLOURS[band], (benchmarks, key, exported, band)


def test_thresholds_ascend_and_band_mappings_name_every_band() -> None:
    for thresholds in grafana.key_thresholds("dora-2023").values():
        values = [step["value"] for step in thresholds["steps"][1:]]
        assert thresholds["steps"][0]["value"] is None and values == sorted(values)
    (mapping,) = grafana.band_mappings()
    assert {option["text"] for option in mapping["options"].values()} == {"Elite", "High", "Medium", "Low"}


def test_unknown_benchmark_set_is_refused() -> None:
    with pytest.raises(ValueError, match="dora-1999"):
        grafana.overview_dashboard("dora-1999")


# -- files -----------------------------------------------------------------------------------------


def test_write_dashboards_writes_json_provider_and_index(tmp_path: Path) -> None:
    out = tmp_path / "out"
    written = grafana.write_dashboards(out)
    assert [path.name for path in written] == [
        "doraspace-overview.json",
        "doraspace-team.json",
        "doraspace-space.json",
        "doraspace-dashboards.yaml",
        "index.html",
    ]
    for path in written[:3]:
        assert json.loads(path.read_text()) == DASHBOARDS[path.name]
    provider = yaml.safe_load((out / "doraspace-dashboards.yaml").read_text())
    assert provider["apiVersion"] == 1
    (entry,) = provider["providers"]
    assert entry["type"] == "file"
    assert entry["options"]["path"] == str(out.resolve())
    index = (out / "index.html").read_text()
    assert 'href="doraspace-overview.json"' in index and 'href="doraspace-team.json"' in index
    assert 'href="doraspace-dashboards.yaml"' in index


@pytest.mark.parametrize(
    ("windows", "band", "days"),
    [("[7d, 30d, 90d, 365d]", "90d", 90), ("[7d, 30d]", "30d", 30), ("[7d, 12w6d, 365d]", "12w6d", 90)],
)
def test_the_bands_name_the_configured_band_window_which_is_shown_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], windows: str, band: str, days: int
) -> None:
    # SPEC §6.3: bands come from the 90-day window, else the longest configured. Without a 90-day
    # window the bands' titles said "90-day" and the window shown first (90d) had no series at all.
    config = tmp_path / "config.yaml"
    config.write_text(f"database: {{url: 'duckdb:///store.duckdb'}}\nmetrics: {{windows: {windows}}}\n")
    assert main(["dashboards", "--config", str(config), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    overview, team = (
        json.loads((tmp_path / "out" / name).read_text())
        for name in (grafana.OVERVIEW_FILE, grafana.TEAM_FILE)
    )
    titles = {panel["title"] for board in (overview, team) for panel in panels_of(board)}
    assert {f"Bands per team ({days}-day window)", f"Bands ({days}-day window)"} <= titles
    assert not {title for title in titles if "-day window" in title and f"{days}-day" not in title}
    for board in (overview, team):
        assert variable(board, "window")["current"]["value"] == band


def test_provider_path_can_be_given(tmp_path: Path) -> None:
    grafana.write_dashboards(tmp_path, provider_path="/var/lib/grafana/dashboards/doraspace")
    provider = yaml.safe_load((tmp_path / "doraspace-dashboards.yaml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards/doraspace"


def test_index_escapes_names() -> None:
    page = grafana.index_html({'<b>&"x".json': {"title": "<script>alert(1)</script>"}})
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page


# -- every expression parses (promtool, offline) ---------------------------------------------------


def test_every_expr_parses_under_promtool(tmp_path: Path) -> None:
    # `promtool check rules` parses each rule's expr with Prometheus' own parser: no server needed.
    require_binary(PROMTOOL)
    rules = [
        {"record": f"doraspace:dashboard_check:{index}", "expr": substitute(expr, EXAMPLE_VARIABLES)}
        for index, expr in enumerate(
            expr for board in DASHBOARDS.values() for expr in grafana.all_exprs(board)
        )
    ]
    rules_file = tmp_path / "rules.yml"
    rules_file.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    checked = subprocess.run(
        [str(PROMTOOL), "check", "rules", str(rules_file)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


# -- a real Prometheus scraping the exposition -----------------------------------------------------

COMPLETE_TEAM = "order-team"  # every family present
SPARSE_TEAM = "search-team"  # no failed deployment recovered, no breakdown: null metrics are absent
WINDOWS = {"7d": 7, "30d": 30}
QUARTERS = ("2026-Q1", "2026-Q2")  # the sparse team's survey groups are suppressed: no SPACE rows
NOW = datetime(2026, 6, 30, tzinfo=UTC)


def synthetic_snapshot() -> Snapshot:
    """Two teams and the organisation over 7d and 30d; the sparse team has the nulls of a quiet team.

    Bands come from the longest window and every row of a team carries them (SPEC §6.3).
    """

    def row(team: str, window: str, per_week: int) -> TeamWindowMetrics:
        sparse = team == SPARSE_TEAM
        days = WINDOWS[window]
        deployments = per_week * days // 7
        return TeamWindowMetrics(
            team=team,
            window=window,
            window_days=days,
            as_of=NOW,
            deployments=deployments,
            deployment_frequency_per_day=deployments / days,
            lead_time_hours_p50=30.0 if team == "*" else 20.0,
            lead_time_hours_p90=90.0 if team == "*" else 60.0,
            lead_time_breakdown_hours_p50=(
                dict.fromkeys(grafana.BREAKDOWN_STAGES, None)
                if sparse
                else {"coding": 5.0, "pickup": 2.0, "review": 4.0, "deploy": 3.0}
            ),
            change_failure_rate=0.0 if sparse else 0.08,
            failed_deployment_recovery_hours_p50=None if sparse else 3.0,
            time_to_restore_hours_p50=1.5,
            time_to_restore_hours_p90=6.0,
            incidents=1 if sparse else 3,
            rework_rate=None if sparse else 0.1,
        )

    def banded(rows: list[TeamWindowMetrics]) -> list[TeamWindowMetrics]:
        longest = max(rows, key=lambda r: r.window_days)
        recovery = longest.failed_deployment_recovery_hours_p50
        team_bands = bands(
            "dora-2023",
            deployment_frequency_per_day=longest.deployment_frequency_per_day,
            lead_time_hours_p50=longest.lead_time_hours_p50,
            change_failure_rate=longest.change_failure_rate,
            recovery_hours_p50=recovery if recovery is not None else longest.time_to_restore_hours_p50,
        )
        return [dataclasses.replace(r, bands=dict(team_bands)) for r in rows]

    rows = [
        banded_row
        for team, per_week in (("*", 12), (COMPLETE_TEAM, 9), (SPARSE_TEAM, 3))
        for banded_row in banded([row(team, window, per_week) for window in WINDOWS])
    ]
    space = [
        SpaceScore(
            team=team,
            quarter=quarter,
            dimension=dimension,
            score=50.0 + 5 * index + (10.0 if team == "*" else 0.0),
            favourable=0.4 + 0.05 * index,
            respondents=respondents - index,
            response_rate=respondents / (respondents + 2),
            change="stable" if quarter == QUARTERS[1] else None,
            quarter_respondents=respondents,
        )
        for team, respondents in (("*", 30), (COMPLETE_TEAM, 8))
        for quarter in QUARTERS
        for index, dimension in enumerate(("satisfaction", "performance", "efficiency"))
    ]
    return Snapshot(
        created_at=NOW,
        as_of=NOW,
        benchmarks="dora-2023",
        teams=("*", COMPLETE_TEAM, SPARSE_TEAM),
        metrics=tuple(rows),
        space=tuple(space),
        space_quarters=quarters_of(space),
    )


# Families the dashboards query that the exporter does not serve yet (none: every query must answer).
PENDING_FAMILIES: set[str] = set()

HEALTH = Health(
    up=True,
    last_sync={"github": NOW - timedelta(minutes=5), "pagerduty": NOW - timedelta(minutes=7)},
    sync_errors={"github": 0, "pagerduty": 1},
    github_rate_limit_remaining=4999,
)


def exposition(snapshot: Snapshot) -> bytes:
    """The body ``doraspace serve`` answers ``/metrics`` with, over ``snapshot``."""
    served = Exposition(health=lambda: HEALTH, clock=lambda: NOW + timedelta(seconds=42))
    served.update(snapshot)
    return served.render()


def served_families(body: bytes) -> set[str]:
    return {
        sample.name for family in text_string_to_metric_families(body.decode()) for sample in family.samples
    }


def pending(expr: str) -> bool:
    return any(name in expr for name in PENDING_FAMILIES)


@contextmanager
def serving(body: bytes) -> Iterator[str]:
    """A loopback HTTP server answering ``/metrics`` with ``body``; yields ``host:port``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep pytest's output for failures

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="exposition", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def scraped() -> Iterator[Prometheus]:
    require_binary()
    with serving(exposition(synthetic_snapshot())) as target, running_prometheus(target) as prometheus:
        # Two scrapes in: instant queries see every family and increase() has its two samples.
        prometheus.wait_for('count_over_time(up{job="doraspace"}[1m]) >= 2 and up{job="doraspace"} == 1')
        yield prometheus


def queries(variables: Mapping[str, str]) -> list[tuple[str, str, str]]:
    return [
        (name, panel["title"], substitute(target["expr"], variables))
        for name, board in DASHBOARDS.items()
        for panel in panels_of(board)
        for target in panel.get("targets", [])
    ]


@pytest.mark.slow
@pytest.mark.parametrize("window", sorted(WINDOWS))
def test_every_query_returns_data_for_a_real_team(scraped: Prometheus, window: str) -> None:
    variables = {"team": COMPLETE_TEAM, "window": window, "quarter": QUARTERS[-1]}
    empty = [
        (name, title, expr)
        for name, title, expr in queries(variables)
        if not pending(expr) and not scraped.query(expr)
    ]
    assert empty == []


def test_the_exporter_serves_every_family_the_dashboards_query() -> None:
    queried = {
        name
        for board in DASHBOARDS.values()
        for expr in grafana.all_exprs(board)
        for name in re.findall(r"\b(?:dora|doraspace)_\w+", expr)
    }
    assert queried - served_families(exposition(synthetic_snapshot())) == set()


@pytest.mark.slow
def test_every_query_is_valid_for_a_team_with_gaps(scraped: Prometheus) -> None:
    # Null metrics are absent series: panels show "No data", the queries themselves must not fail.
    for _, _, expr in queries({"team": SPARSE_TEAM, "window": "30d", "quarter": QUARTERS[-1]}):
        scraped.query(expr)


@pytest.mark.slow
def test_trend_queries_return_a_series_over_time(scraped: Prometheus) -> None:
    now = scraped.query("time()")[0]["value"][0]
    for name, board in DASHBOARDS.items():
        for panel in panels_of(board):
            if panel["type"] != "timeseries":
                continue
            for target in panel["targets"]:
                expr = substitute(target["expr"], {"team": COMPLETE_TEAM, "window": "7d"})
                if pending(expr):
                    continue
                series = scraped.query_range(expr, now - 5, now, 1)
                assert series and len(series[0]["values"]) >= 2, (name, panel["title"], expr)


@pytest.mark.slow
def test_variables_resolve_to_the_real_teams_and_windows(scraped: Prometheus) -> None:
    board = DASHBOARDS[grafana.TEAM_FILE]
    teams = scraped.label_values("team", "dora_deployments")
    regex = grafana_regex(variable(board, "team")["regex"])
    assert sorted(team for team in teams if regex.fullmatch(team)) == [COMPLETE_TEAM, SPARSE_TEAM]
    assert sorted(scraped.label_values("window", "dora_deployments")) == sorted(WINDOWS)


@pytest.mark.slow
def test_band_score_and_recovery_fallback_mean_what_the_panels_say(scraped: Prometheus) -> None:
    snapshot = synthetic_snapshot()
    for team in (COMPLETE_TEAM, SPARSE_TEAM):
        scores = {
            sample["metric"]["metric"]: float(sample["value"][1])
            for sample in scraped.query(grafana.band_score_expr(f'team="{team}"', "metric"))
        }
        expected = snapshot.team_metrics(team)[0].bands
        assert scores == {metric: grafana.BAND_SCORES[str(band)] for metric, band in expected.items()}
    row = {r.team: r for r in snapshot.metrics if r.window == "30d"}
    for team in (COMPLETE_TEAM, SPARSE_TEAM):
        (sample,) = scraped.query(grafana.recovery_expr(f'team="{team}"', "30d"))
        recovery = row[team].failed_deployment_recovery_hours_p50
        restore = row[team].time_to_restore_hours_p50
        assert restore is not None
        assert float(sample["value"][1]) == (recovery if recovery is not None else restore) * 3600


def test_a_missing_prometheus_skips_locally_and_fails_on_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "prometheus"
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install prometheus"):
        require_binary(missing)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install prometheus"):
        require_binary(missing)
