"""Audit, round 5: one snapshot shown four ways agrees field by field.

The four ways are ``doraspace metrics --format json`` (the reference), the ``/metrics`` text of the daemon
(``doraspace serve``'s ``Daemon``, run in-process on a loopback port with its clock at the snapshot
instant, a fake collector and the real analytics; parsed with ``prometheus_client.parser``), the HTML
team pages and index of ``doraspace report``, and the CSV and table formats of ``doraspace metrics``.

What tests/dashboards/test_audit_outputs.py and test_output_pairs.py already cover (one team, a team
with nothing, bands at thresholds, one odd team name) is not repeated; here the combinations are: a team
with incidents and no deployment beside a team with deployments and no change, the ``unowned`` team (a
repository and a ``service_ids`` PagerDuty service nobody owns) and the organisation row ``"*"``, four
windows (1d … 90d), lead times and ratios of thirds (float artefacts), the lead-time breakdown with one
stage null, names that differ only in their escaping (quote, one vs two backslashes, markup, unicode,
spaces, two names with the same slug), and ``--as-of`` given with a non-UTC offset.

June 2026 throughout: ``at(day, hour)`` is 2026-06-<day> <hour>:00 UTC; every snapshot is as of
2026-06-30 00:00 UTC, never today. Windows ending then: 1d = (06-29, 06-30], 7d = (06-23, 06-30],
30d = (05-31, 06-30], 90d = (04-01, 06-30].
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from collector.models import RepositoryFact
from collector.writer import write_repositories
from dashboards.reports.keys import format_frequency, format_hours, format_ratio
from doraspace.cli import main
from doraspace.config import load_config
from doraspace.daemon import Daemon
from store.engine import open_store
from tests.analytics.facts import Facts, Review, add_incident, at
from tests.analytics.test_space import Survey
from tests.dashboards.test_audit_outputs import assert_json_equals_metrics
from tests.test_audit_serve import Clock, FakeCollect, Samples, get, scrape

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
AS_OF_TEXT = "2026-06-30T00:00:00Z"
HOUR = 3600.0
WINDOWS = ("1d", "7d", "30d", "90d")
BAND_KEYS = ("deployment_frequency", "lead_time", "change_failure_rate", "recovery")
STAGES = ("coding", "pickup", "review", "deploy")
ENV = {"AUDIT_PD_TOKEN": "pd-token"}


def sha(name: str) -> str:
    return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()


# -- an organisation: a store file and its config ------------------------------------------------------


@dataclass
class Org:
    path: Path
    facts: Facts
    tmp: Path

    def release(self) -> None:
        """The CLI and the daemon open the store themselves: let go of the builder's connection first."""
        self.facts.engine.dispose()


@pytest.fixture
def orgs() -> Iterator[list[Org]]:
    opened: list[Org] = []
    yield opened
    for org in opened:
        org.release()


@pytest.fixture(autouse=True)
def pagerduty_token(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)


def make_org(
    tmp_path: Path,
    orgs: list[Org],
    *,
    teams: Sequence[dict[str, Any]],
    repos: Sequence[str],
    windows: Sequence[str] = WINDOWS,
    service_ids: Sequence[str] = (),
) -> Org:
    url = f"duckdb:///{tmp_path}/store.duckdb"
    config = tmp_path / "doraspace.yaml"
    pagerduty = (
        "pagerduty:\n  base_url: https://127.0.0.1:9\n  token: ${AUDIT_PD_TOKEN}\n"
        f"  service_ids: {json.dumps(list(service_ids))}\n"
        if service_ids
        else ""
    )
    # JSON is YAML: every team name reaches the config exactly as written.
    config.write_text(
        "database:\n"
        f"  url: {url}\n"
        f"teams: {json.dumps(list(teams))}\n"
        f"metrics:\n  windows: {json.dumps(list(windows))}\n  benchmarks: dora-2023\n"
        "incidents:\n  attribution_window: 24h\n"
        "http:\n  listen: 127.0.0.1:0\n" + pagerduty
    )
    engine = open_store(url)
    with engine.begin() as conn:
        write_repositories(conn, [RepositoryFact(repo, "main") for repo in repos], {}, AS_OF)
    org = Org(config, Facts(engine), tmp_path)
    orgs.append(org)
    return org


def first(org: Org, repo: str, deployed_at: datetime) -> None:
    """The first deployment of the collected history: counts, adds no lead time (SPEC §5.2)."""
    org.facts.deployment(deployed_at, compare="first", sha=sha(f"first-{repo}"), repo=repo)


def ship(org: Org, repo: str, deployed_at: datetime, name: str, authored: datetime) -> str:
    """A deployment shipping one change authored at ``authored``: lead time = deployed − authored."""
    change = org.facts.commit(sha(name), authored, repo=repo)
    org.facts.deployment(deployed_at, ships=[change], repo=repo)
    return change


# -- the four outputs ------------------------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    status = main(list(argv), now=AS_OF)
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return captured.out


def metrics_out(capsys: pytest.CaptureFixture[str], org: Org, fmt: str, *extra: str) -> str:
    return cli(capsys, "metrics", "--config", str(org.path), "--format", fmt, "--as-of", AS_OF_TEXT, *extra)


def metrics_json(capsys: pytest.CaptureFixture[str], org: Org, *extra: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(metrics_out(capsys, org, "json", *extra))
    return rows


def served(org: Org) -> tuple[str, Samples]:
    """The daemon's /metrics at 2026-06-30 00:00 UTC, after one analytics run (SPEC §8, §8.1)."""
    daemon = Daemon(
        load_config(org.path, environ=ENV),
        clock=Clock(AS_OF),
        collect_fn=FakeCollect(),
        output_dir=org.tmp / "served",
    )
    daemon.start(schedule=False)
    try:
        assert daemon.run_job("analytics")
        return scrape(daemon)
    finally:
        daemon.stop()


def report_pages(capsys: pytest.CaptureFixture[str], org: Org) -> dict[str, str]:
    """``doraspace report --out DIR`` at 2026-06-30 00:00 UTC: team name ("*" for the organisation) →
    its page, and ``"index.html"`` → the index. Each team is found by its link on the index."""
    out = org.tmp / "reports"
    cli(capsys, "report", "--config", str(org.path), "--out", str(out))
    index = (out / "index.html").read_text(encoding="utf-8")
    pages = {"index.html": index}
    FILES.clear()
    for file, name in re.findall(r'<th scope="row"><a href="(team-[^"]+\.html)">(.*?)</a></th>', index):
        team = "*" if file == "team-organisation.html" else html.unescape(name)
        assert team not in pages, f"two index rows for {team!r}"
        pages[team] = (out / file).read_text(encoding="utf-8")
        FILES[team] = file
    return pages


FILES: dict[str, str] = {}  # team → its page file, as the latest report_pages found it on the index


def section(page: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}".*?</section>', page, re.S)
    assert match, anchor
    return match.group(0)


def table_rows(fragment: str) -> dict[str, str]:
    return dict(re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', fragment, re.S))


def num_cells(row_html: str) -> list[str]:
    return [html.unescape(cell) for cell in re.findall(r'<td class="num[^"]*">(.*?)</td>', row_html)]


def band_of(cell_html: str) -> str | None:
    match = re.search(r'class="band band-(\w+)"', cell_html)
    return None if match is None or match.group(1) == "none" else match.group(1)


def flatten(row: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            flat |= {f"{key}.{inner}": v for inner, v in value.items()}
        else:
            flat[key] = value
    return flat


# -- agreement checks ------------------------------------------------------------------------------------


def assert_csv_equals_json(text: str, rows: Sequence[dict[str, Any]]) -> None:
    """CSV: the JSON row flattened (``bands.x``, ``lead_time_breakdown_hours_p50.x``); null → empty,
    never 0; floats unrounded (§6.4 "Numbers are unrounded floats"), so they parse back to the JSON's."""
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == len(rows)
    for got, row in zip(parsed, rows, strict=True):
        flat = flatten(row)
        assert list(got) == list(flat)
        for key, value in flat.items():
            where = (row["team"], row["window"], key)
            if value is None:
                assert got[key] == "", where
            elif isinstance(value, bool) or not isinstance(value, float):
                assert got[key] == str(value), where
            else:
                assert float(got[key]) == value, where


def assert_table_equals_json(text: str, rows: Sequence[dict[str, Any]]) -> None:
    """The table: one line per JSON row, in its order; null → "-", floats to 2 decimals, cut into
    columns at the header's offsets (a team name may hold spaces)."""
    heading, header, *body = text.rstrip("\n").split("\n")
    assert rows[0]["as_of"] in heading
    names = header.split()
    starts = [match.start() for match in re.finditer(r"\S+", header)]
    assert len(body) == len(rows)
    for line, row in zip(body, rows, strict=True):
        cells = [
            line[start : (starts[i + 1] if i + 1 < len(starts) else None)].strip()
            for i, start in enumerate(starts)
        ]
        flat = {key: value for key, value in flatten(row).items() if key != "as_of"}
        assert len(cells) == len(flat) == len(names)
        for cell, (key, value) in zip(cells, flat.items(), strict=True):
            if value is None:
                expected = "-"
            elif isinstance(value, float):
                expected = f"{value:.2f}"
            else:
                expected = str(value)
            assert cell == expected, (row["team"], row["window"], key, cell, value)


def assert_report_equals_json(pages: dict[str, str], rows: Sequence[dict[str, Any]]) -> None:
    """Each team's page shows, per window (columns in the JSON's order), the JSON's values as written for
    people: frequency, lead time p50/p90, change failure rate, recovery (its time-to-restore fallback
    marked "*", §6.3), rework, deployments; the four bands; the breakdown per stage; incidents started
    and time to restore p50/p90. n/a where the JSON has null; 0 stays a number."""
    for team in dict.fromkeys(row["team"] for row in rows):
        own = [row for row in rows if row["team"] == team]
        page = pages[team]
        windows = [row["window"] for row in own]
        n = len(windows)
        metrics = table_rows(section(page, "metrics"))

        def recovery(row: dict[str, Any]) -> str:
            if row["failed_deployment_recovery_hours_p50"] is not None:
                return format_hours(row["failed_deployment_recovery_hours_p50"])
            ttr = row["time_to_restore_hours_p50"]
            return format_hours(ttr) + ("*" if ttr is not None else "")

        expected = {
            "Deployment frequency": [format_frequency(r["deployment_frequency_per_day"]) for r in own],
            "Lead time for changes (p50)": [format_hours(r["lead_time_hours_p50"]) for r in own],
            "Lead time for changes (p90)": [format_hours(r["lead_time_hours_p90"]) for r in own],
            "Change failure rate": [format_ratio(r["change_failure_rate"]) for r in own],
            "Failed deployment recovery (p50)": [recovery(r) for r in own],
            "Rework rate": [format_ratio(r["rework_rate"]) for r in own],
            "Deployments": [str(r["deployments"]) for r in own],
        }
        for title, cells in expected.items():
            assert num_cells(metrics[title])[:n] == cells, (team, title)
        bands = own[0]["bands"]
        assert all(row["bands"] == bands for row in own), team
        titles = {
            "deployment_frequency": "Deployment frequency",
            "lead_time": "Lead time for changes (p50)",
            "change_failure_rate": "Change failure rate",
            "recovery": "Failed deployment recovery (p50)",
        }
        assert {key: band_of(metrics[title]) for key, title in titles.items()} == bands, team
        breakdown = table_rows(section(page, "breakdown"))
        for stage in STAGES:
            shown = num_cells(breakdown[stage.capitalize()])
            assert shown == [format_hours(r["lead_time_breakdown_hours_p50"][stage]) for r in own], (
                team,
                stage,
            )
        incidents = table_rows(section(page, "incidents"))
        for row in own:
            assert num_cells(incidents[row["window"]]) == [
                str(row["incidents"]),
                format_hours(row["time_to_restore_hours_p50"]),
                format_hours(row["time_to_restore_hours_p90"]),
            ], (team, row["window"])


def assert_index_equals_json(index: str, rows: Sequence[dict[str, Any]], band_window: str) -> None:
    """The index: per team, the four bands with the band window's values (§6.3, §8.3)."""
    found = table_rows(index)
    for team in dict.fromkeys(row["team"] for row in rows):
        (row,) = [r for r in rows if r["team"] == team and r["window"] == band_window]
        (cells_html,) = [cells for head, cells in found.items() if f'href="{FILES[team]}"' in head]
        cells = re.findall(r"<td>(.*?)</td>", cells_html, re.S)
        assert [band_of(cell) for cell in cells] == [row["bands"][key] for key in BAND_KEYS], team
        ttr = row["time_to_restore_hours_p50"]
        recovery = (
            format_hours(row["failed_deployment_recovery_hours_p50"])
            if row["failed_deployment_recovery_hours_p50"] is not None
            else format_hours(ttr) + ("*" if ttr is not None else "")
        )
        values = [
            html.unescape(re.sub(r"<[^>]*>", "", re.sub(r"<span class=\"band.*?</span>", "", cell))).strip()
            for cell in cells
        ]
        assert values == [
            format_frequency(row["deployment_frequency_per_day"]),
            format_hours(row["lead_time_hours_p50"]),
            format_ratio(row["change_failure_rate"]),
            recovery,
        ], team


def assert_all_agree(
    capsys: pytest.CaptureFixture[str], org: Org, rows: Sequence[dict[str, Any]], band_window: str = "90d"
) -> tuple[str, Samples, dict[str, str]]:
    text, found = served(org)
    assert "NaN" not in text and "quantile=" not in text
    assert_json_equals_metrics(rows, found)
    teams = {row["team"] for row in rows}
    assert {dict(labels)["team"] for (name, labels) in found if name == "dora_deployments"} == teams
    assert_csv_equals_json(metrics_out(capsys, org, "csv"), rows)
    assert_table_equals_json(metrics_out(capsys, org, "table"), rows)
    pages = report_pages(capsys, org)
    assert set(pages) == teams | {"index.html"}
    assert_report_equals_json(pages, rows)
    assert_index_equals_json(pages["index.html"], rows, band_window)
    return text, found, pages


def row_of(rows: Sequence[dict[str, Any]], team: str, window: str) -> dict[str, Any]:
    (row,) = [r for r in rows if r["team"] == team and r["window"] == window]
    return row


def series(found: Samples, name: str, team: str) -> list[dict[str, str]]:
    return [dict(labels) for (n, labels) in found if n == name and dict(labels).get("team") == team]


# -- 1. null vs 0: incidents without deployments, deployments without changes, unowned, "*" -------------


def mixed_org(tmp_path: Path, orgs: list[Org]) -> Org:
    """Three teams and the organisation, four windows.

    * ``sre`` owns PagerDuty service PSRE only (no repository). S1 06-25 00:00 → 01:00 (1 h), S2 06-28
      00:00 → 03:00 (3 h).
    * ``still`` owns acme/still: the first deployment 06-01 (compare ``first``) and a redeploy of the same
      commit 06-26 (compare ``identical``): deployments, but never a change.
    * nobody owns acme/stray nor the ``service_ids`` service PORPHAN → team ``unowned`` (SPEC §4).
      first 05-01; D1 06-27 12:00 authored 11:20 (2/3 h); D2 06-28 12:00 authored 11:00 (1 h);
      D3 06-29 12:00 authored 11:40 (1/3 h). O1 on PORPHAN 06-28 13:00 → 13:20 (1/3 h) names D2's
      change → D2 failed (explicit), recovered at 13:20: 4/3 h.
    """
    org = make_org(
        tmp_path,
        orgs,
        teams=[
            {"name": "sre", "pagerduty_services": ["PSRE"]},
            {"name": "still", "repositories": ["acme/still"]},
        ],
        repos=["acme/still", "acme/stray"],
        service_ids=["PORPHAN"],
    )
    add_incident(org.facts, "S1", at(25, 0), resolved_at=at(25, 1), service="PSRE", title="queue stuck")
    add_incident(org.facts, "S2", at(28, 0), resolved_at=at(28, 3), service="PSRE", title="disk full")
    first(org, "acme/still", at(1))
    org.facts.deployment(at(26), sha=sha("first-acme/still"), compare="identical", repo="acme/still")
    first(org, "acme/stray", datetime(2026, 5, 1, tzinfo=UTC))
    ship(org, "acme/stray", at(27, 12), "stray-1", at(27, 11) + timedelta(minutes=20))
    failing = ship(org, "acme/stray", at(28, 12), "stray-2", at(28, 11))
    ship(org, "acme/stray", at(29, 12), "stray-3", at(29, 11) + timedelta(minutes=40))
    add_incident(
        org.facts,
        "O1",
        at(28, 13),
        resolved_at=at(28, 13) + timedelta(minutes=20),
        service="PORPHAN",
        title=f"root cause: {failing[:9]}",
    )
    org.release()
    return org


def test_null_and_zero_of_sre_still_unowned_and_the_organisation_agree_in_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§6: "Counts are numbers (0 where there is nothing); a ratio or percentile with nothing to measure
    is null, never 0"; §8.1 "Null values are absent series, not NaN".

    sre (every window): deployments 0, frequency 0.0, CFR/rework/lead/recovery null; 1d: incidents 0,
    TTR null; 7d/30d/90d: incidents 2, TTR [1, 3] → p50 2, p90 1 + 0.9 × 2 = 2.8. Bands: frequency 0 →
    low; lead, CFR null → null; recovery falls back to TTR 2 h → high.
    still: 1d 0 deployments (CFR null); 7d 1 (06-26), 30d and 90d 2: CFR 0.0 and rework 0.0 (numbers, not
    null), lead time null (no change), TTR null, incidents 0. Bands (90d): 2/90 < 1/30 → low; lead null;
    CFR 0 → elite; recovery null.
    unowned: 1d D3 → 1, lead 1/3 h, CFR 0.0, no incident; 7d/30d D1–D3 → 3, lead [1/3, 2/3, 1]: p50 2/3,
    p90 2/3 + 0.8 × 1/3 = 14/15; CFR 1/3, recovery 4/3 h, TTR 1/3 h, incidents 1, rework 0.0; 90d adds
    the first deployment: 4, CFR 1/4. Bands (90d): 4/90 ≥ 1/30 → medium; 2/3 h → elite; 25 % → low;
    4/3 h → high.
    "*": 7d deployments 1 + 3 = 4, incidents 2 + 1 = 3.
    Then every JSON row equals the served /metrics, the CSV, the table and the report pages."""
    org = mixed_org(tmp_path, orgs)
    rows = metrics_json(capsys, org)
    assert [(r["team"], r["window"]) for r in rows] == [
        (team, window) for team in ("*", "sre", "still", "unowned") for window in WINDOWS
    ]
    for row in rows:
        assert row["as_of"] == AS_OF_TEXT
    for window in WINDOWS:
        sre = row_of(rows, "sre", window)
        assert (sre["deployments"], sre["deployment_frequency_per_day"]) == (0, 0.0)
        for key in ("change_failure_rate", "rework_rate", "lead_time_hours_p50", "lead_time_hours_p90"):
            assert sre[key] is None, (window, key)
        assert sre["failed_deployment_recovery_hours_p50"] is None
        if window == "1d":
            assert (sre["incidents"], sre["time_to_restore_hours_p50"]) == (0, None)
        else:
            assert sre["incidents"] == 2
            assert sre["time_to_restore_hours_p50"] == pytest.approx(2.0)
            assert sre["time_to_restore_hours_p90"] == pytest.approx(2.8)
        assert sre["bands"] == {
            "deployment_frequency": "low",
            "lead_time": None,
            "change_failure_rate": None,
            "recovery": "high",
        }
        still = row_of(rows, "still", window)
        assert still["deployments"] == {"1d": 0, "7d": 1, "30d": 2, "90d": 2}[window]
        if window == "1d":
            assert still["change_failure_rate"] is None and still["rework_rate"] is None
        else:
            assert still["change_failure_rate"] == 0.0 and still["rework_rate"] == 0.0
        assert still["lead_time_hours_p50"] is None and still["incidents"] == 0
        assert still["bands"] == {
            "deployment_frequency": "low",
            "lead_time": None,
            "change_failure_rate": "elite",
            "recovery": None,
        }
    one = row_of(rows, "unowned", "1d")
    assert (one["deployments"], one["change_failure_rate"], one["incidents"]) == (1, 0.0, 0)
    assert one["lead_time_hours_p50"] == pytest.approx(1 / 3)
    for window in ("7d", "30d"):
        stray = row_of(rows, "unowned", window)
        assert (stray["deployments"], stray["incidents"], stray["rework_rate"]) == (3, 1, 0.0)
        assert stray["lead_time_hours_p50"] == pytest.approx(2 / 3)
        assert stray["lead_time_hours_p90"] == pytest.approx(14 / 15)
        assert stray["change_failure_rate"] == pytest.approx(1 / 3)
        assert stray["failed_deployment_recovery_hours_p50"] == pytest.approx(4 / 3)
        assert stray["time_to_restore_hours_p50"] == pytest.approx(1 / 3)
    assert row_of(rows, "unowned", "90d")["change_failure_rate"] == pytest.approx(0.25)
    assert row_of(rows, "unowned", "90d")["bands"] == {
        "deployment_frequency": "medium",
        "lead_time": "elite",
        "change_failure_rate": "low",
        "recovery": "high",
    }
    star = row_of(rows, "*", "7d")
    assert (star["deployments"], star["incidents"]) == (4, 3)

    _, found, pages = assert_all_agree(capsys, org, rows)
    # sre: counts present at 0, the ratios absent rather than 0 or NaN.
    assert found[("dora_deployments", frozenset({"team": "sre", "window": "1d"}.items()))] == 0.0
    assert series(found, "dora_change_failure_rate", "sre") == []
    assert series(found, "dora_rework_rate", "sre") == []
    assert {s["window"] for s in series(found, "dora_change_failure_rate", "still")} == {"7d", "30d", "90d"}
    # still's zero change failure rate is shown as a number, sre's null one as n/a.
    still_cfr = num_cells(table_rows(section(pages["still"], "metrics"))["Change failure rate"])
    assert still_cfr[:4] == ["n/a", "0.0 %", "0.0 %", "0.0 %"]
    sre_cfr = num_cells(table_rows(section(pages["sre"], "metrics"))["Change failure rate"])
    assert sre_cfr[:4] == ["n/a"] * 4


# -- 2. thirds: float artefacts survive every output unrounded ---------------------------------------------


def test_thirds_of_an_hour_keep_full_precision_in_metrics_text_and_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§6.4 "Numbers are unrounded floats"; §8.1 durations in seconds. unowned's 7d lead time p50 is
    2/3 h = 2400 s and p90 14/15 h = 3360 s, CFR 1/3, recovery 4/3 h = 4800 s, TTR 1/3 h = 1200 s: the
    served sample equals JSON × 3600 to the last bit but rounding noise (rel 1e-12), the CSV parses back to
    the JSON float exactly, and the report writes 40 min, 56 min, 33.3 %, 1.3 h, 20 min."""
    org = mixed_org(tmp_path, orgs)
    rows = metrics_json(capsys, org)
    row = row_of(rows, "unowned", "7d")
    _, found = served(org)

    def value(name: str, **labels: str) -> float:
        got = found.get((name, frozenset({"team": "unowned", "window": "7d", **labels}.items())))
        assert got is not None, (name, labels)
        return got

    assert value("dora_lead_time_seconds", percentile="50") == pytest.approx(2400.0, rel=1e-12)
    assert value("dora_lead_time_seconds", percentile="90") == pytest.approx(3360.0, rel=1e-12)
    assert value("dora_change_failure_rate") == pytest.approx(row["change_failure_rate"], rel=1e-15)
    assert value("dora_failed_deployment_recovery_seconds", percentile="50") == pytest.approx(
        4800.0, rel=1e-12
    )
    assert value("dora_time_to_restore_seconds", percentile="50") == pytest.approx(1200.0, rel=1e-12)
    assert value("dora_deployment_frequency_per_day") == pytest.approx(3 / 7, rel=1e-15)
    page = report_pages(capsys, org)["unowned"]
    metrics = table_rows(section(page, "metrics"))
    assert num_cells(metrics["Lead time for changes (p50)"])[1] == "40 min"
    assert num_cells(metrics["Lead time for changes (p90)"])[1] == "56 min"
    assert num_cells(metrics["Change failure rate"])[1] == "33.3 %"
    assert num_cells(metrics["Failed deployment recovery (p50)"])[1] == "1.3 h"
    assert num_cells(table_rows(section(page, "incidents"))["7d"])[1] == "20 min"


# -- 3. the lead-time breakdown with one stage null ---------------------------------------------------------


def test_a_breakdown_with_a_null_deploy_stage_agrees_in_json_metrics_csv_table_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """docs/metrics.md "Lead time breakdown": the first deployment of the history ships PR 1 (its merge
    commit is its sha): coding, pickup and review but no deploy stage. PR 2 ships on 06-20.

      PR 1: commit 06-08 00:00, opened 06:00, reviewed 08:00, merged 12:00; first deployment 06-10
            → coding 6, pickup 2, review 4, deploy none.
      PR 2: commit 06-20 00:00, opened 01:00, reviewed 01:20, merged 03:00; deployed 05:00
            → coding 1, pickup 1/3, review 5/3, deploy 2; lead time 5 h (from its first commit).
    1d/7d: no PR deployed → every stage null (no series). 30d/90d: coding (6 + 1) / 2 = 3.5, pickup
    (2 + 1/3) / 2 = 7/6, review (4 + 5/3) / 2 = 17/6, deploy [2] → 2. The deploy stage is the only one
    with a single value; none is null in 30d. The report writes 3.5 h, 1.2 h, 2.8 h, 2.0 h."""
    org = make_org(
        tmp_path, orgs, teams=[{"name": "flow", "repositories": ["acme/flow"]}], repos=["acme/flow"]
    )
    repo = "acme/flow"
    merge1 = org.facts.commit(sha("merge-1"), at(8, 12), repo=repo)
    org.facts.pull_request(
        1,
        created_at=at(8, 6),
        merged_at=at(8, 12),
        merge_commit_sha=merge1,
        commit_dates=[at(8, 0)],
        reviews=[Review("bob", at(8, 8))],
        repo=repo,
    )
    org.facts.deployment(at(10), compare="first", sha=merge1, repo=repo)
    merge2 = org.facts.commit(sha("merge-2"), at(20, 3), repo=repo)
    org.facts.pull_request(
        2,
        created_at=at(20, 1),
        merged_at=at(20, 3),
        merge_commit_sha=merge2,
        commit_dates=[at(20, 0)],
        reviews=[Review("bob", at(20, 1) + timedelta(minutes=20))],
        repo=repo,
    )
    org.facts.deployment(at(20, 5), ships=[merge2], repo=repo)
    org.release()

    rows = metrics_json(capsys, org)
    for window in ("1d", "7d"):
        assert row_of(rows, "flow", window)["lead_time_breakdown_hours_p50"] == dict.fromkeys(STAGES)
    for window in ("30d", "90d"):
        row = row_of(rows, "flow", window)
        breakdown = row["lead_time_breakdown_hours_p50"]
        assert breakdown["coding"] == pytest.approx(3.5)
        assert breakdown["pickup"] == pytest.approx(7 / 6)
        assert breakdown["review"] == pytest.approx(17 / 6)
        assert breakdown["deploy"] == pytest.approx(2.0)
        assert row["lead_time_hours_p50"] == pytest.approx(5.0)
    _, found, pages = assert_all_agree(capsys, org, rows)
    stages = {(s["window"], s["stage"]) for s in series(found, "dora_lead_time_breakdown_seconds", "flow")}
    assert stages == {(w, stage) for w in ("30d", "90d") for stage in STAGES}
    coding = num_cells(table_rows(section(pages["flow"], "breakdown"))["Coding"])
    assert coding == ["n/a", "n/a", "3.5 h", "3.5 h"]


# -- 4. names that differ only in their escaping -------------------------------------------------------------

NAMES = (
    'a"b',  # a quote
    "a\\b",  # one backslash
    "a\\\\b",  # two backslashes: must stay apart from one
    "a\\nb",  # backslash n: not a newline
    "<script>x</script>",
    "équipe café ☃",
    "a b",  # a space …
    "a-b",  # … and a name with the same slug
    "  padded  ",  # the config strips it (doraspace/config Text): "padded" everywhere
    "Organisation",  # the organisation row's title
)
SHOWN = tuple(name.strip() for name in NAMES)


def test_names_that_differ_only_by_escaping_stay_apart_in_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§9: outside names are escaped wherever rendered (HTML, Prometheus text) and bound in SQL. Team i
    (0-based) owns acme/t<i> with i + 1 deployments in the 7d window, so a team that swaps or merges
    with another shows a wrong count. JSON, CSV and the table give each name back exactly; the served
    /metrics, once parsed, gives exactly these names with their own counts (one backslash and two, and
    ``\\n`` written as backslash-n, stay three different teams); the report writes one page per team
    (a b and a-b do not overwrite each other), each with its counts, and escapes the markup; and the
    team named Organisation is not confused with the organisation row."""
    teams = [{"name": name, "repositories": [f"acme/t{i}"]} for i, name in enumerate(NAMES)]
    org = make_org(tmp_path, orgs, teams=teams, repos=[f"acme/t{i}" for i in range(len(NAMES))])
    for i in range(len(NAMES)):
        repo = f"acme/t{i}"
        first(org, repo, datetime(2026, 5, 1, tzinfo=UTC))
        for k in range(i + 1):
            ship(org, repo, at(24 + k % 5, 1 + k), f"t{i}-{k}", at(24 + k % 5, 0))
    org.release()

    rows = metrics_json(capsys, org)
    assert {row["team"] for row in rows} == {"*", *SHOWN}
    for i, name in enumerate(SHOWN):
        assert row_of(rows, name, "7d")["deployments"] == i + 1, name
        only = metrics_json(capsys, org, "--team", name, "--window", "7d")
        assert [(r["team"], r["deployments"]) for r in only] == [(name, i + 1)]
    _, found, pages = assert_all_agree(capsys, org, rows)
    for i, name in enumerate(SHOWN):
        key = ("dora_deployments", frozenset({"team": name, "window": "7d"}.items()))
        assert found.get(key) == float(i + 1), name
    assert "<script>x" not in pages["index.html"]
    for i, name in enumerate(SHOWN):
        page = pages[name]
        assert "<script>x" not in page, name
        assert f"<h1>{html.escape(name, quote=False)}</h1>" in page or f"<h1>{html.escape(name)}</h1>" in page
        deployments = num_cells(table_rows(section(page, "metrics"))["Deployments"])
        assert deployments[1] == str(i + 1), name
    assert pages["Organisation"] != pages["*"]


# -- 5. --as-of with a non-UTC offset --------------------------------------------------------------------


@pytest.mark.parametrize("as_of", ["2026-06-30T03:00:00+03:00", "2026-06-29T20:00:00-04:00"])
def test_as_of_with_an_offset_is_the_same_instant_in_json_csv_table_and_the_served_snapshot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org], as_of: str
) -> None:
    """§2: "--as-of evaluates the windows as of that instant (ISO 8601, UTC if no offset)"; §6: "All
    instants are UTC"; §6.4 shows as_of as "…Z". Both offsets name 2026-06-30 00:00 UTC.

      E0 06-23 00:00 UTC: exactly 7 days before → out of 7d (half-open), in 30d
      E1 06-29 23:00 UTC (authored 21:00, 2 h): in 1d and 7d
      E2 06-30 00:00 UTC (authored 06-29 20:00, 4 h): at as_of → in
      E3 06-30 01:00 UTC: after as_of → does not exist (it would be in, were the offset dropped)
    So 1d: 2 deployments, lead [2, 4] → p50 3; 7d: 2; 30d: 3 (+ E0). The rows equal those of
    --as-of 2026-06-30T00:00:00Z, as_of reads 2026-06-30T00:00:00Z in JSON, CSV and the table heading,
    and the daemon at 2026-06-30 00:00 UTC serves the same numbers."""
    org = make_org(tmp_path, orgs, teams=[{"name": "tz", "repositories": ["acme/tz"]}], repos=["acme/tz"])
    repo = "acme/tz"
    first(org, repo, datetime(2026, 5, 1, tzinfo=UTC))
    ship(org, repo, at(23), "tz-0", at(22))
    ship(org, repo, at(29, 23), "tz-1", at(29, 21))
    ship(org, repo, at(30), "tz-2", at(29, 20))
    ship(org, repo, at(30, 1), "tz-3", at(29, 22))
    org.release()

    utc = metrics_json(capsys, org)
    offset = json.loads(
        cli(capsys, "metrics", "--config", str(org.path), "--format", "json", "--as-of", as_of)
    )
    assert offset == utc
    assert {row["as_of"] for row in offset} == {AS_OF_TEXT}
    one = row_of(offset, "tz", "1d")
    assert one["deployments"] == 2 and one["lead_time_hours_p50"] == pytest.approx(3.0)
    assert [row_of(offset, "tz", w)["deployments"] for w in ("7d", "30d", "90d")] == [2, 3, 4]
    csv_text = cli(capsys, "metrics", "--config", str(org.path), "--format", "csv", "--as-of", as_of)
    assert_csv_equals_json(csv_text, utc)
    table = cli(capsys, "metrics", "--config", str(org.path), "--as-of", as_of)
    assert_table_equals_json(table, utc)
    _, found = served(org)
    assert_json_equals_metrics(offset, found)


# -- 6. the report's weekly trends and previous window against `metrics --as-of` --------------------------


def chart(page: str, div_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The data and layout plotly draws in the chart ``div_id`` of a page."""
    match = re.search(rf'Plotly\.newPlot\(\s*"{div_id}",\s*', page)
    assert match, div_id
    decoder = json.JSONDecoder()
    data, end = decoder.raw_decode(page, match.end())
    rest = re.match(r"\s*,\s*", page[end:])
    assert rest is not None
    layout, _ = decoder.raw_decode(page, end + rest.end())
    return data, layout


def weekly_org(tmp_path: Path, orgs: list[Org]) -> Org:
    """Team ``wk`` (acme/wk, PagerDuty PW). Mondays: 06-08, 06-15, 06-22, 06-29 (as_of is Tuesday 06-30).

    first 03-01 (long before)
    W1 06-15 00:00 exactly (a Monday), authored 06-14 20:00 → 4 h: in the week ending 06-15
    W2 06-16 10:00, authored 06-16 09:00 → 1 h; failed: PW incident 06-16 11:00 → 12:00 names it,
       recovered after 2 h
    W3 06-18 12:00, authored 06-18 00:00 → 12 h
    W4 06-22 00:00:01, authored 06-21 00:00 → 24 h: in the week ending 06-29
    W5 06-29 12:00 (after the last week end, inside 7d)
    """
    org = make_org(
        tmp_path,
        orgs,
        teams=[{"name": "wk", "repositories": ["acme/wk"], "pagerduty_services": ["PW"]}],
        repos=["acme/wk"],
    )
    repo = "acme/wk"
    first(org, repo, datetime(2026, 3, 1, tzinfo=UTC))
    ship(org, repo, at(15), "wk-1", at(14, 20))
    failing = ship(org, repo, at(16, 10), "wk-2", at(16, 9))
    add_incident(org.facts, "W", at(16, 11), resolved_at=at(16, 12), service="PW", title=f"bad {failing[:7]}")
    ship(org, repo, at(18, 12), "wk-3", at(18))
    ship(org, repo, at(22) + timedelta(seconds=1), "wk-4", at(21))
    ship(org, repo, at(29, 12), "wk-5", at(29, 11))
    org.release()
    return org


def test_weekly_trend_points_equal_the_7d_json_as_of_each_week_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§8.3 "weekly trends"; docs/metrics.md "Points": the snapshot holds the metrics "as of the end of
    each of the last 26 weeks" with the same definitions (analytics/assembly.py: a 7-day window as of
    Monday 00:00 UTC). So the charts of wk's page, point for point, equal `doraspace metrics --window 7d
    --as-of <that Monday>`: deployments, lead time p50/p90, change failure rate, recovery p50 (null →
    a gap, not 0). Checked for the weeks ending 06-15 (W1 at exactly 00:00 is in it), 06-22 (W2, W3:
    CFR 1/2, recovery 2 h) and 06-29 (W4)."""
    org = weekly_org(tmp_path, orgs)
    page = report_pages(capsys, org)["wk"]
    deployments, _ = chart(page, "chart-deployments")
    lead, lead_layout = chart(page, "chart-lead-time")
    failure, _ = chart(page, "chart-cfr")
    recovery, recovery_layout = chart(page, "chart-recovery")
    weeks = deployments[0]["x"]
    assert weeks[-3:] == ["2026-06-08", "2026-06-15", "2026-06-22"]
    lead_unit = 24.0 if lead_layout["yaxis"]["title"]["text"] == "days" else 1.0
    recovery_unit = 24.0 if recovery_layout["yaxis"]["title"]["text"] == "days" else 1.0
    for week_start, end in (
        ("2026-06-08", "2026-06-15"),
        ("2026-06-15", "2026-06-22"),
        ("2026-06-22", "2026-06-29"),
    ):
        (row,) = json.loads(
            cli(
                capsys,
                *("metrics", "--config", str(org.path), "--format", "json"),
                *("--team", "wk", "--window", "7d", "--as-of", f"{end}T00:00:00Z"),
            )
        )
        i = weeks.index(week_start)

        def scaled(value: float | None, unit: float) -> object:
            return None if value is None else pytest.approx(value / unit, rel=1e-9)

        assert deployments[0]["y"][i] == row["deployments"], week_start
        assert lead[0]["y"][i] == scaled(row["lead_time_hours_p50"], lead_unit), week_start
        assert lead[1]["y"][i] == scaled(row["lead_time_hours_p90"], lead_unit), week_start
        assert failure[0]["y"][i] == scaled(row["change_failure_rate"], 1.0), week_start
        assert recovery[0]["y"][i] == scaled(row["failed_deployment_recovery_hours_p50"], recovery_unit), (
            week_start
        )
    assert [deployments[0]["y"][weeks.index(w)] for w in ("2026-06-08", "2026-06-15", "2026-06-22")] == [
        1,
        2,
        1,
    ]


def test_the_previous_window_column_equals_the_json_one_longest_window_earlier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """docs/metrics.md "Points": the snapshot holds "the longest window's as of one longest window
    earlier (for the change against the previous window)"; the team page's "Previous 90d" column must
    therefore show `doraspace metrics --window 90d --as-of 2026-04-01T00:00:00Z` (06-30 − 90 days),
    as written for people, for each key. mixed_org's unowned: the previous 90d window (01-01, 04-01]
    holds nothing → 0 deployments ("none"), everything else n/a."""
    org = mixed_org(tmp_path, orgs)
    pages = report_pages(capsys, org)
    earlier = json.loads(
        cli(
            capsys,
            *("metrics", "--config", str(org.path), "--format", "json"),
            *("--window", "90d", "--as-of", "2026-04-01T00:00:00Z"),
        )
    )
    for row in earlier:
        metrics = table_rows(section(pages[row["team"]], "metrics"))
        ttr = row["time_to_restore_hours_p50"]
        recovery = (
            format_hours(row["failed_deployment_recovery_hours_p50"])
            if row["failed_deployment_recovery_hours_p50"] is not None
            else format_hours(ttr) + ("*" if ttr is not None else "")
        )
        expected = {
            "Deployment frequency": format_frequency(row["deployment_frequency_per_day"]),
            "Lead time for changes (p50)": format_hours(row["lead_time_hours_p50"]),
            "Change failure rate": format_ratio(row["change_failure_rate"]),
            "Failed deployment recovery (p50)": recovery,
            "Rework rate": format_ratio(row["rework_rate"]),
        }
        for title, value in expected.items():
            cells = num_cells(metrics[title])
            assert len(cells) == len(WINDOWS) + 2, (row["team"], title, cells)
            assert cells[len(WINDOWS)] == value, (row["team"], title)


def test_the_daemon_serves_the_same_report_pages_as_the_report_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§8: /reports/ serves the HTML reports; with the daemon's clock at 2026-06-30 00:00 UTC, each page
    of mixed_org (sre, still, unowned, "*") and the index are those `doraspace report` writes at the
    same instant (tests/test_audit_serve.py checks this for one team only)."""
    org = mixed_org(tmp_path, orgs)
    report_pages(capsys, org)
    files = dict(FILES)
    daemon = Daemon(
        load_config(org.path, environ=ENV),
        clock=Clock(AS_OF),
        collect_fn=FakeCollect(),
        output_dir=org.tmp / "served",
    )
    daemon.start(schedule=False)
    try:
        assert daemon.run_job("analytics")
        for team, file in [*files.items(), ("index", "index.html")]:
            status, body = get(daemon, f"/reports/{file}")
            assert status == 200, (team, status)
            written = (org.tmp / "reports" / file).read_text(encoding="utf-8")
            assert body.decode() == written, team
    finally:
        daemon.stop()


# -- 7. a real team whose name starts with "*" ---------------------------------------------------------------


def js_regex_keeps(regex: str, value: str) -> bool:
    """Grafana keeps a variable value when the JavaScript regex ``/body/flags`` finds a match in it. For
    the patterns and names here (no newline) Python's ``re.search`` finds the same."""
    body, flags = re.fullmatch(r"/(.*)/([a-z]*)", regex, re.S).groups()  # type: ignore[union-attr]
    assert "\n" not in value
    return re.search(body, value, re.I if "i" in flags else 0) is not None


def test_a_team_named_star_ops_is_a_real_team_in_every_output_and_in_the_grafana_team_variables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """docs/configuration.md: "`*` and `unowned` are reserved" team names — ``*ops`` is neither, and the
    config accepts it, so it is a real team: JSON, /metrics and the report give it its own row (1
    deployment, beside ``ops``'s 2). §8.2: the team dashboard has "a `$team` variable from
    label_values(dora_deployments, team) that leaves out `*`" and "Every query in them, with `$team` set to
    any real team, returns data" — so the variable must offer ``*ops`` (and ``ops``) and leave out only
    ``*`` itself; the same for the SPACE dashboard's `$team` (docs/grafana.md: "without `*`")."""
    org = make_org(
        tmp_path,
        orgs,
        teams=[
            {"name": "*ops", "repositories": ["acme/star"]},
            {"name": "ops", "repositories": ["acme/ops"]},
        ],
        repos=["acme/star", "acme/ops"],
    )
    for repo, count in (("acme/star", 1), ("acme/ops", 2)):
        first(org, repo, datetime(2026, 5, 1, tzinfo=UTC))
        for k in range(count):
            ship(org, repo, at(25 + k), f"{repo}-{k}", at(24 + k))
    org.release()

    rows = metrics_json(capsys, org)
    assert [row_of(rows, team, "7d")["deployments"] for team in ("*ops", "ops")] == [1, 2]
    assert row_of(rows, "*", "7d")["deployments"] == 3
    assert_all_agree(capsys, org, rows)

    out = tmp_path / "dashboards"
    cli(capsys, "dashboards", "--config", str(org.path), "--out", str(out))
    real = sorted({row["team"] for row in rows} - {"*"})
    for file in ("doraspace-team.json", "doraspace-space.json"):
        dashboard = json.loads((out / file).read_text(encoding="utf-8"))
        (variable,) = [v for v in dashboard["templating"]["list"] if v["name"] == "team"]
        regex = variable.get("regex", "")
        assert not js_regex_keeps(regex, "*"), (file, regex)
        kept = [team for team in real if js_regex_keeps(regex, team)]
        assert kept == real, (file, regex)


# -- 8. a window longer than 90 days ------------------------------------------------------------------------


def test_with_a_180d_window_bands_stay_on_90d_in_every_output_and_previous_is_180_days_earlier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§6.3 "Bands always come from the 90-day window (or the longest configured): every row of a team,
    whatever its window, carries the same bands". Windows 7d, 90d, 180d; team ``old`` deployed only
    between 90 and 180 days before 2026-06-30 (02-01 … 03-13, 180d = (01-01, 06-30]):
      90d: 0 deployments → frequency 0 → low; lead, CFR, recovery null → null bands.
      180d: 5 deployments, lead 2 h each.
    Every row (7d, 90d, 180d) carries the 90d bands, in JSON, /metrics (dora_band), CSV, the table and the
    report; the index shows the 90d values ("none"). `--window 365d` (not configured) still carries
    them: the bands come from the configured windows, not from the one asked for. The "Previous 180d"
    column equals `metrics --window 180d --as-of 2026-01-01T00:00:00Z` (180 days earlier)."""
    org = make_org(
        tmp_path,
        orgs,
        teams=[{"name": "old", "repositories": ["acme/old"]}],
        repos=["acme/old"],
        windows=("7d", "90d", "180d"),
    )
    repo = "acme/old"
    first(org, repo, datetime(2025, 10, 1, tzinfo=UTC))
    for k in range(5):
        deployed = datetime(2026, 2, 1, 12, tzinfo=UTC) + timedelta(days=10 * k)
        ship(org, repo, deployed, f"old-{k}", deployed - timedelta(hours=2))
    org.release()

    rows = metrics_json(capsys, org)
    expected = {
        "deployment_frequency": "low",
        "lead_time": None,
        "change_failure_rate": None,
        "recovery": None,
    }
    for window in ("7d", "90d", "180d"):
        assert row_of(rows, "old", window)["bands"] == expected, window
    longest = row_of(rows, "old", "180d")
    assert longest["deployments"] == 5 and longest["lead_time_hours_p50"] == pytest.approx(2.0)
    _, _, pages = assert_all_agree(capsys, org, rows, band_window="90d")
    assert "values over the 90d window" in pages["index.html"]
    (year,) = metrics_json(capsys, org, "--team", "old", "--window", "365d")
    assert year["deployments"] == 6  # the first deployment (2025-10-01) too
    assert year["bands"] == expected

    (earlier,) = json.loads(
        cli(
            capsys,
            *("metrics", "--config", str(org.path), "--format", "json"),
            *("--team", "old", "--window", "180d", "--as-of", "2026-01-01T00:00:00Z"),
        )
    )
    cells = num_cells(table_rows(section(pages["old"], "metrics"))["Deployment frequency"])
    assert cells[3] == format_frequency(earlier["deployment_frequency_per_day"])


def test_what_stands_out_names_a_band_with_the_value_of_the_band_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§6.3 bands come from the 90-day window; the index writes each band beside the 90d value ("values
    over the 90d window"). Windows 7d, 90d, 180d; ``old`` has 7 deployments, all in (01-01, 04-01]: 90d
    frequency 0 → "none", band low; 180d frequency 7/180 ≈ 0.039/day ≥ 1/30 — medium by §6.3's table.
    The page's "What stands out" sentence "The weakest key is deployment frequency (…): low." must pair
    the band with the value it was given for ("none", as the index shows), not with the 180d value
    "1.2 / month", which §6.3 would band medium."""
    org = make_org(
        tmp_path,
        orgs,
        teams=[{"name": "old", "repositories": ["acme/old"]}],
        repos=["acme/old"],
        windows=("7d", "90d", "180d"),
    )
    repo = "acme/old"
    first(org, repo, datetime(2025, 10, 1, tzinfo=UTC))
    for k in range(7):
        deployed = datetime(2026, 1, 10, 12, tzinfo=UTC) + timedelta(days=10 * k)
        ship(org, repo, deployed, f"old-{k}", deployed - timedelta(hours=2))
    org.release()

    rows = metrics_json(capsys, org)
    assert row_of(rows, "old", "180d")["deployments"] == 7
    assert row_of(rows, "old", "90d")["deployments"] == 0
    assert row_of(rows, "old", "90d")["bands"]["deployment_frequency"] == "low"
    pages = report_pages(capsys, org)
    index_cell = re.sub(r"<[^>]*>", "", table_rows(pages["index.html"])['<a href="team-old.html">old</a>'])
    assert "none" in index_cell
    standout = html.unescape(section(pages["old"], "standout"))
    (sentence,) = re.findall(r"The weakest key is deployment frequency \((.*?)\): low\.", standout)
    assert sentence == format_frequency(row_of(rows, "old", "90d")["deployment_frequency_per_day"]), sentence


def test_failed_deployment_lists_of_unowned_sre_and_the_organisation_match_their_json_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§6.1 "(the report says which)", §8.3 "failed deployments with how each was detected"; §6 the
    organisation row covers everything, unowned included. In mixed_org only D2 of acme/stray (unowned)
    failed, found by O1's text (explicit), recovered after 80 min (1.3 h). The count each page gives for
    its longest window (90d) equals change_failure_rate × deployments of that team's 90d JSON row:
    unowned 1/4 × 4 = 1, "*" 1, sre and still 0; the organisation page names the team "unowned"."""
    org = mixed_org(tmp_path, orgs)
    rows = metrics_json(capsys, org)
    pages = report_pages(capsys, org)
    for team in ("*", "sre", "still", "unowned"):
        row = row_of(rows, team, "90d")
        failed_count = round((row["change_failure_rate"] or 0) * row["deployments"])
        failed = section(pages[team], "failed")
        if failed_count == 0:
            assert "No failed deployments in the last 90 days." in failed, team
            continue
        assert f"{failed_count} failed deployment in the last 90 days" in failed, team
        listed = re.findall(r"<tbody>.*?</tbody>", failed, re.S)[0]
        (cells,) = [re.findall(r"<td>(.*?)</td>", tr) for tr in re.findall(r"<tr>.*?</tr>", listed, re.S)]
        assert cells[0] == "2026-06-28 12:00 UTC", team
        assert cells[-3:-1] == ["explicit", cells[-2]] and "O1" in cells[-2], (team, cells)
        assert cells[-1] == "1.3 h", (team, cells)
        if team == "*":
            assert cells[1] == "unowned", cells


# -- 9. SPACE: shown and suppressed groups in JSON, CSV, table, served /metrics and the report ---------------


def test_space_scores_with_suppressed_teams_and_a_suppressed_dimension_agree_in_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§7.4 (min_group_size 5), §7.5, §8.1, §8.3. Q2, items s1 (satisfaction) and e1 (efficiency):
      a: 6 respondents (headcount 6) answer s1 = 4, 5, 4, 5, 4, 4; only 4 of them answer e1 → a's
         efficiency is suppressed alone, its satisfaction and its quarter (6 respondents, 100 %) shown.
      b: 7 respondents (no headcount) answer s1 = 3 and e1 = 2, 3, 3, 3, 3, 3, 3 → score of thirds.
      t1: 4 respondents, t2: 3 → suppressed; together 7 ≥ 5, so no differencing.
    Shown JSON rows: ("*", efficiency), ("*", satisfaction), (a, satisfaction), (b, efficiency),
    (b, satisfaction). Each equals the served space_score / space_favourable_ratio (unrounded),
    response_rate equals space_response_rate (absent where null), CSV parses back to the JSON, the
    table writes it to 2 decimals, and the report page of a and b shows each score to one decimal with
    its favourable share and respondents; t1, t2 have no series and no number on their pages."""
    org = make_org(
        tmp_path,
        orgs,
        teams=[
            {"name": "a", "repositories": ["acme/a"], "headcount": 6},
            {"name": "b", "repositories": ["acme/b"]},
            {"name": "t1", "repositories": ["acme/t1"], "headcount": 4},
            {"name": "t2", "repositories": ["acme/t2"], "headcount": 3},
        ],
        repos=["acme/a", "acme/b", "acme/t1", "acme/t2"],
    )
    org.path.write_text(org.path.read_text() + "surveys:\n  min_group_size: 5\n")
    survey = Survey(org.facts.engine)
    quarter = "2026-Q2"
    survey.item(quarter, "s1", "satisfaction")
    survey.item(quarter, "e1", "efficiency")
    for k, answer in enumerate((4, 5, 4, 5, 4, 4)):
        survey.respond(quarter, "a", {"s1": answer, "e1": 4} if k < 4 else {"s1": answer})
    for k in range(7):
        survey.respond(quarter, "b", {"s1": 3, "e1": 2 if k == 0 else 3})
    for team, size in (("t1", 4), ("t2", 3)):
        for _ in range(size):
            survey.respond(quarter, team, {"s1": 2, "e1": 2})
    for repo in ("acme/a", "acme/b", "acme/t1", "acme/t2"):
        first(org, repo, datetime(2026, 5, 1, tzinfo=UTC))
    org.release()

    scores = json.loads(cli(capsys, "survey", "scores", "--config", str(org.path), "--format", "json"))
    shown = [(r["team"], r["dimension"]) for r in scores]
    assert shown == [
        ("*", "efficiency"),
        ("*", "satisfaction"),
        ("a", "satisfaction"),
        ("b", "efficiency"),
        ("b", "satisfaction"),
    ]
    b_eff = next(r for r in scores if (r["team"], r["dimension"]) == ("b", "efficiency"))
    # b's efficiency: mean answer (2 + 6 × 3) / 7 = 20/7 → (20/7 − 1) / 4 × 100 = 325/7 ≈ 46.43.
    assert b_eff["score"] == pytest.approx(325 / 7) and b_eff["response_rate"] is None

    csv_rows = list(
        csv.DictReader(
            io.StringIO(cli(capsys, "survey", "scores", "--config", str(org.path), "--format", "csv"))
        )
    )
    assert len(csv_rows) == len(scores)
    for got, row in zip(csv_rows, scores, strict=True):
        for key, value in row.items():
            if value is None:
                assert got[key] == "", (row["team"], key)
            elif isinstance(value, float):
                assert float(got[key]) == value, (row["team"], key)
            else:
                assert got[key] == str(value), (row["team"], key)
    table = cli(capsys, "survey", "scores", "--config", str(org.path))
    assert f"{b_eff['score']:.2f}" in table and "t1" not in table and "t2" not in table

    _, found = served(org)
    for row in scores:
        labels = {"team": row["team"], "dimension": row["dimension"], "quarter": quarter}
        score = found.get(("space_score", frozenset(labels.items())))
        assert score == pytest.approx(row["score"], rel=1e-12), labels
        favourable = found.get(("space_favourable_ratio", frozenset(labels.items())))
        assert favourable == pytest.approx(row["favourable"], rel=1e-12), labels
        rate = found.get(
            ("space_response_rate", frozenset({"team": row["team"], "quarter": quarter}.items()))
        )
        assert rate == (None if row["response_rate"] is None else pytest.approx(row["response_rate"])), labels
    space_teams = {dict(labels)["team"] for (name, labels) in found if name.startswith("space_")}
    assert space_teams == {"*", "a", "b"}
    assert found.get(("space_respondents", frozenset({"team": "a", "quarter": quarter}.items()))) == 6.0

    pages = report_pages(capsys, org)
    for team in ("a", "b"):
        rows_html = table_rows(section(pages[team], "space"))
        for row in (r for r in scores if r["team"] == team):
            title = {"satisfaction": "Satisfaction and well-being", "efficiency": "Efficiency and flow"}
            cells = num_cells(rows_html[title[row["dimension"]]])
            assert cells == [
                f"{row['score']:.1f}",
                format_ratio(row["favourable"]),
                str(row["respondents"]),
            ], (
                team,
                row["dimension"],
            )
    assert "not enough responses" in table_rows(section(pages["a"], "space"))["Efficiency and flow"]
    for hidden in ("t1", "t2"):
        assert num_cells(section(pages[hidden], "space")) == [], hidden


# -- 10. durations of exactly 0 and below: numbers, not nulls ---------------------------------------------


def test_a_zero_recovery_and_zero_or_negative_restore_times_are_numbers_in_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§6: a percentile is null only "with nothing to measure"; 0 is a value. docs/metrics.md: an incident
    resolved at or before its start has "its time to restore … resolved − started as written, 0 or
    less"; a recovery is the earliest resolution "among those not before F itself" (at F counts).

      team zero (acme/zero, PZ): D1 06-27 12:00 ships c1 (authored 10:00, lead 2 h). Z1 on PZ 06-27
        11:00 → 12:00 names c1 → D1 failed (explicit), recovered at 12:00 = its own deployment: 0 h.
        D1 is deployed at Z1's resolution → not rework (0.0). TTR [1 h].
      team sre0 (PS only): Y1 06-28 10:00 → 10:00 (TTR 0); Y2 06-10 10:00 → 09:00 (TTR −1 h).
        7d: TTR p50 = p90 = 0.0; 30d: [−1, 0] → p50 −0.5, p90 −0.1.
    JSON has 0.0 (not null) and the negatives; /metrics has the series with 0 and negative seconds (not
    absent); CSV and table write them; the report writes "0 min" (not n/a). Bands: zero's recovery 0 h
    → elite; sre0's recovery falls back to TTR p50 −0.5 h → elite (< 1 hour)."""
    org = make_org(
        tmp_path,
        orgs,
        teams=[
            {"name": "zero", "repositories": ["acme/zero"], "pagerduty_services": ["PZ"]},
            {"name": "sre0", "pagerduty_services": ["PS"]},
        ],
        repos=["acme/zero"],
    )
    first(org, "acme/zero", datetime(2026, 5, 1, tzinfo=UTC))
    change = ship(org, "acme/zero", at(27, 12), "zero-1", at(27, 10))
    add_incident(org.facts, "Z1", at(27, 11), resolved_at=at(27, 12), service="PZ", title=f"x {change[:8]}")
    add_incident(org.facts, "Y1", at(28, 10), resolved_at=at(28, 10), service="PS", title="blip")
    add_incident(org.facts, "Y2", at(10, 10), resolved_at=at(10, 9), service="PS", title="imported")
    org.release()

    rows = metrics_json(capsys, org)
    week = row_of(rows, "zero", "7d")
    assert (week["change_failure_rate"], week["rework_rate"]) == (1.0, 0.0)
    assert week["failed_deployment_recovery_hours_p50"] == 0.0
    assert week["bands"]["recovery"] == "elite"
    sre_week, sre_month = row_of(rows, "sre0", "7d"), row_of(rows, "sre0", "30d")
    assert (sre_week["time_to_restore_hours_p50"], sre_week["time_to_restore_hours_p90"]) == (0.0, 0.0)
    assert sre_month["time_to_restore_hours_p50"] == pytest.approx(-0.5)
    assert sre_month["time_to_restore_hours_p90"] == pytest.approx(-0.1)
    assert sre_week["bands"]["recovery"] == "elite"
    _, found, pages = assert_all_agree(capsys, org, rows)
    labels = {"team": "zero", "window": "7d", "percentile": "50"}
    assert found.get(("dora_failed_deployment_recovery_seconds", frozenset(labels.items()))) == 0.0
    labels = {"team": "sre0", "window": "7d", "percentile": "50"}
    assert found.get(("dora_time_to_restore_seconds", frozenset(labels.items()))) == 0.0
    recovery = num_cells(table_rows(section(pages["zero"], "metrics"))["Failed deployment recovery (p50)"])
    assert recovery[1] == "0 min"


def test_a_report_of_one_team_keeps_the_page_name_and_numbers_of_the_full_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§2 `doraspace report --out DIR [--team T]`. Teams "a b", "a-b", "☃" and "team" slug to a-b, a-b,
    team and team: the full report names them team-a-b.html, team-a-b-2.html, team-team.html and
    team-team-2.html in some order. Writing one team alone (``--team``) must give that team the same
    file as the full report (links and bookmarks to a page keep working) with the same numbers, and
    the index of that run links it under its own name."""
    names = ("a b", "a-b", "☃", "team")
    teams = [{"name": name, "repositories": [f"acme/s{i}"]} for i, name in enumerate(names)]
    org = make_org(tmp_path, orgs, teams=teams, repos=[f"acme/s{i}" for i in range(len(names))])
    for i in range(len(names)):
        first(org, f"acme/s{i}", datetime(2026, 5, 1, tzinfo=UTC))
        for k in range(i + 1):
            ship(org, f"acme/s{i}", at(24 + k), f"s{i}-{k}", at(23 + k))
    org.release()

    full = report_pages(capsys, org)
    full_files = dict(FILES)
    assert len(set(full_files.values())) == len(full_files)
    for i, name in enumerate(names):
        out = tmp_path / f"one-{i}"
        cli(capsys, "report", "--config", str(org.path), "--out", str(out), "--team", name)
        written = sorted(path.name for path in out.glob("team-*.html"))
        assert written == [full_files[name]], (name, written)
        page = (out / full_files[name]).read_text(encoding="utf-8")
        shown = num_cells(table_rows(section(page, "metrics"))["Deployments"])
        assert shown == num_cells(table_rows(section(full[name], "metrics"))["Deployments"]), name
        assert shown[1] == str(i + 1), name  # 7d
        index = (out / "index.html").read_text(encoding="utf-8")
        assert f'<a href="{full_files[name]}">{html.escape(name)}</a>' in index, name
