"""Audit: the outputs agree with each other and with SPEC where two rules meet.

One store, read three ways as users read it: ``doraspace metrics --format json`` (and ``survey scores
--format json``), the ``/metrics`` text built from the snapshot the daemon would serve, and the HTML
report written by ``doraspace report``. Every expected value is worked out by hand in the comments
(SPEC §5.1, §6.1–§6.4, §7.4–§7.5, §8.1, §8.3, §9).

June 2026 throughout: ``at(day, hour)`` is 2026-06-<day> <hour>:00 UTC, and every ``--as-of``, ``now``
and snapshot is 2026-06-30 00:00 UTC, never today. Windows ending then: 7d = (06-23, 06-30],
30d = (05-31, 06-30], 90d = (04-01, 06-30], 1w = 7d, 2w = (06-16, 06-30].
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from collector.models import RepositoryFact
from collector.writer import write_repositories
from dashboards.exporter import Exposition
from doraspace.cli import main
from doraspace.config import load_config
from doraspace.pipeline import build_snapshot
from store import schema
from store.engine import open_store
from store.timeutil import to_db
from tests.analytics.facts import Facts, add_incident, at
from tests.analytics.test_space import Survey

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
AS_OF_TEXT = "2026-06-30T00:00:00Z"
HOUR = 3600.0
BAND_KEYS = ("deployment_frequency", "lead_time", "change_failure_rate", "recovery")
BANDS = ("elite", "high", "medium", "low")
# JSON field (hours) → (family, percentile) in /metrics (seconds), SPEC §6.4 / §8.1.
DURATIONS = {
    "lead_time_hours_p50": ("dora_lead_time_seconds", "50"),
    "lead_time_hours_p90": ("dora_lead_time_seconds", "90"),
    "failed_deployment_recovery_hours_p50": ("dora_failed_deployment_recovery_seconds", "50"),
    "time_to_restore_hours_p50": ("dora_time_to_restore_seconds", "50"),
    "time_to_restore_hours_p90": ("dora_time_to_restore_seconds", "90"),
}
PLAIN = {
    "deployments": "dora_deployments",
    "deployment_frequency_per_day": "dora_deployment_frequency_per_day",
    "change_failure_rate": "dora_change_failure_rate",
    "incidents": "dora_incidents",
    "rework_rate": "dora_rework_rate",
}


def sha(name: str) -> str:
    return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()


# -- an organisation: a store file and its config ------------------------------------------------------


@dataclass
class Org:
    path: Path
    facts: Facts
    survey: Survey
    out: Path

    def release(self) -> None:
        """The CLI opens the store itself: let go of the builder's connection first."""
        self.facts.engine.dispose()


@pytest.fixture
def orgs() -> Iterator[list[Org]]:
    opened: list[Org] = []
    yield opened
    for org in opened:
        org.release()


def make_org(
    tmp_path: Path,
    orgs: list[Org],
    *,
    teams: Sequence[dict[str, Any]],
    repos: Sequence[str],
    windows: Sequence[str] = ("7d", "30d", "90d"),
    extra: str = "",
) -> Org:
    url = f"duckdb:///{tmp_path}/store.duckdb"
    config = tmp_path / "doraspace.yaml"
    # JSON is YAML: team names reach the config exactly as written (quotes, backslashes, newlines).
    config.write_text(
        "database:\n"
        f"  url: {url}\n"
        f"teams: {json.dumps(list(teams))}\n"
        f"metrics:\n  windows: {json.dumps(list(windows))}\n  benchmarks: dora-2023\n"
        "incidents:\n  attribution_window: 24h\n" + extra
    )
    engine = open_store(url)
    with engine.begin() as conn:
        write_repositories(conn, [RepositoryFact(repo, "main") for repo in repos], {}, AS_OF)
    org = Org(config, Facts(engine), Survey(engine), tmp_path / "reports")
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


# -- reading the outputs ------------------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    status = main(list(argv), now=AS_OF)
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return captured.out


def metrics_json(capsys: pytest.CaptureFixture[str], org: Org) -> list[dict[str, Any]]:
    out = cli(capsys, "metrics", "--config", str(org.path), "--format", "json", "--as-of", AS_OF_TEXT)
    return json.loads(out)


def scores_json(capsys: pytest.CaptureFixture[str], org: Org) -> list[dict[str, Any]]:
    return json.loads(cli(capsys, "survey", "scores", "--config", str(org.path), "--format", "json"))


def exposition_text(org: Org) -> str:
    """The /metrics body of the snapshot the daemon would build at AS_OF (SPEC §8.1)."""
    config = load_config(org.path, environ={})
    engine = open_store(config.database_url)
    try:
        snapshot = build_snapshot(config, engine, now=AS_OF, as_of=AS_OF, weeks=2)
    finally:
        engine.dispose()
    exposition = Exposition(clock=lambda: AS_OF)
    exposition.update(snapshot)
    return exposition.render().decode()


def report_pages(capsys: pytest.CaptureFixture[str], org: Org) -> dict[str, str]:
    """``doraspace report --out DIR`` at AS_OF: file name → page."""
    cli(capsys, "report", "--config", str(org.path), "--out", str(org.out))
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(org.out.glob("*.html"))}


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def sample(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def label_sets(found: Samples, name: str, **match: str) -> list[dict[str, str]]:
    return [
        dict(labels)
        for (n, labels) in found
        if n == name and all(dict(labels).get(k) == v for k, v in match.items())
    ]


def band_state(found: Samples, team: str, metric: str) -> str | None:
    """The band ``dora_band`` says is 1, checking it is 1 for one band and 0 for the other three."""
    values = {band: sample(found, "dora_band", team=team, metric=metric, band=band) for band in BANDS}
    if all(value is None for value in values.values()):
        return None
    assert sorted(values.values()) == [0.0, 0.0, 0.0, 1.0], (team, metric, values)  # type: ignore[type-var]
    return next(band for band, value in values.items() if value == 1.0)


def row_of(rows: Sequence[dict[str, Any]], team: str, window: str) -> dict[str, Any]:
    (row,) = [r for r in rows if r["team"] == team and r["window"] == window]
    return row


def assert_json_equals_metrics(rows: Sequence[dict[str, Any]], found: Samples) -> None:
    """Every field of every JSON row against /metrics: hours × 3600 = seconds, null → no series (not NaN,
    not 0), counts present even at 0, the four bands as a state set (SPEC §6.4, §8.1)."""
    for row in rows:
        labels = {"team": row["team"], "window": row["window"]}
        where = (row["team"], row["window"])
        for key, family in PLAIN.items():
            got = sample(found, family, **labels)
            if row[key] is None:
                assert got is None, (where, key, got)
            else:
                assert got == pytest.approx(row[key], rel=1e-9), (where, key)
        for key, (family, percentile) in DURATIONS.items():
            got = sample(found, family, **labels, percentile=percentile)
            if row[key] is None:
                assert got is None, (where, key, got)
            else:
                assert got == pytest.approx(row[key] * HOUR, rel=1e-9), (where, key)
        for stage, hours in row["lead_time_breakdown_hours_p50"].items():
            got = sample(found, "dora_lead_time_breakdown_seconds", **labels, stage=stage, percentile="50")
            assert got == (None if hours is None else pytest.approx(hours * HOUR, rel=1e-9)), (where, stage)
        for metric in BAND_KEYS:
            assert band_state(found, row["team"], metric) == row["bands"][metric], (where, metric)


def section(page: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}".*?</section>', page, re.S)
    assert match, anchor
    return match.group(0)


def table_rows(fragment: str) -> dict[str, str]:
    """Row title → the row's HTML, for the rows of a report table (``<th scope="row">``)."""
    return dict(re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', fragment, re.S))


def num_cells(row_html: str) -> list[str]:
    return re.findall(r'<td class="num[^"]*">(.*?)</td>', row_html)


def band_of(cell_html: str) -> str | None:
    match = re.search(r'class="band band-(\w+)"', cell_html)
    return None if match is None or match.group(1) == "none" else match.group(1)


# -- 1. one store, three outputs ---------------------------------------------------------------------


def pay_org(tmp_path: Path, orgs: list[Org]) -> Org:
    """Team ``pay`` (repo acme/pay, PagerDuty P9), the only team; so ``"*"`` equals ``pay``.

    Deployments (lead time = deployed − authored, SPEC §5.2):
      first 03-01 (outside every window: 90d starts 04-01)
      D0 05-10 12:00, authored 05-08 12:00 → 48 h
      D1 06-05 12:00, authored 06-05 02:00 → 10 h
      D2 06-10 12:00, authored 06-09 12:00 → 24 h; explicitly failed by I1 (§6.1 rule 1)
      D3 06-25 00:00, authored 06-24 20:00 → 4 h
      D4 06-27 03:00, authored 06-27 01:00 → 2 h; deployed while I2 is open → rework (§6.2)
    Incidents on P9:
      I1 06-10 13:00 → 15:00 (2 h), names D2's change → D2 recovers at 15:00: 3 h
      I2 06-27 00:00 → 06:00 (6 h), no sha; 2 days after D3, past the 24 h window → fails nothing
    """
    org = make_org(
        tmp_path,
        orgs,
        teams=[{"name": "pay", "repositories": ["acme/pay"], "pagerduty_services": ["P9"]}],
        repos=["acme/pay"],
    )
    repo = "acme/pay"
    first(org, repo, datetime(2026, 3, 1, tzinfo=UTC))
    ship(org, repo, datetime(2026, 5, 10, 12, tzinfo=UTC), "pay-0", datetime(2026, 5, 8, 12, tzinfo=UTC))
    ship(org, repo, at(5, 12), "pay-1", at(5, 2))
    failing = ship(org, repo, at(10, 12), "pay-2", at(9, 12))
    add_incident(
        org.facts,
        "I1",
        at(10, 13),
        resolved_at=at(10, 15),
        service="P9",
        title=f"checkout down, root cause: {failing[:10]}",
    )
    ship(org, repo, at(25, 0), "pay-3", at(24, 20))
    add_incident(org.facts, "I2", at(27, 0), resolved_at=at(27, 6), service="P9", title="slow pages")
    ship(org, repo, at(27, 3), "pay-4", at(27, 1))
    org.release()
    return org


NO_STAGES = {"coding": None, "pickup": None, "review": None, "deploy": None}
# Bands from the 90d row (SPEC §6.3, dora-2023): frequency 5/90 ≈ 0.056/day ≥ 1/30 but < 1/7 → medium;
# lead time p50 10 h < 1 day → elite; change failure rate 0.2 > 15 % → low; recovery 3 h: not < 1 h,
# < 1 day → high. Every row carries them.
PAY_BANDS = {
    "deployment_frequency": "medium",
    "lead_time": "elite",
    "change_failure_rate": "low",
    "recovery": "high",
}
PAY_ROWS = {
    # 7d (06-23, 06-30]: D3, D4 → 2, 2/7 per day. Lead times [2, 4]: p50 3, p90 2 + 0.9 × 2 = 3.8.
    # No failed deployment: CFR 0/2 = 0.0, recovery null. Resolved in window: I2 6 h → p50 = p90 = 6.
    # Started in window: I2 → 1. Rework: D4 → 1/2.
    "7d": {
        "deployments": 2,
        "deployment_frequency_per_day": 2 / 7,
        "lead_time_hours_p50": 3.0,
        "lead_time_hours_p90": 3.8,
        "change_failure_rate": 0.0,
        "failed_deployment_recovery_hours_p50": None,
        "time_to_restore_hours_p50": 6.0,
        "time_to_restore_hours_p90": 6.0,
        "incidents": 1,
        "rework_rate": 0.5,
    },
    # 30d (05-31, 06-30]: D1..D4 → 4, 4/30. Lead times [2, 4, 10, 24]: p50 (4 + 10) / 2 = 7;
    # p90 at rank 0.9 × 3 = 2.7 → 10 + 0.7 × 14 = 19.8. CFR 1/4; recovery [3] → 3. TTR [2, 6]:
    # p50 4, p90 2 + 0.9 × 4 = 5.6. Incidents I1, I2 → 2. Rework D4 → 1/4.
    "30d": {
        "deployments": 4,
        "deployment_frequency_per_day": 4 / 30,
        "lead_time_hours_p50": 7.0,
        "lead_time_hours_p90": 19.8,
        "change_failure_rate": 0.25,
        "failed_deployment_recovery_hours_p50": 3.0,
        "time_to_restore_hours_p50": 4.0,
        "time_to_restore_hours_p90": 5.6,
        "incidents": 2,
        "rework_rate": 0.25,
    },
    # 90d (04-01, 06-30]: D0..D4 → 5, 5/90. Lead times [2, 4, 10, 24, 48]: p50 10; p90 at rank
    # 0.9 × 4 = 3.6 → 24 + 0.6 × 24 = 38.4. CFR 1/5; recovery 3; TTR as 30d; rework 1/5.
    "90d": {
        "deployments": 5,
        "deployment_frequency_per_day": 5 / 90,
        "lead_time_hours_p50": 10.0,
        "lead_time_hours_p90": 38.4,
        "change_failure_rate": 0.2,
        "failed_deployment_recovery_hours_p50": 3.0,
        "time_to_restore_hours_p50": 4.0,
        "time_to_restore_hours_p90": 5.6,
        "incidents": 2,
        "rework_rate": 0.2,
    },
}


def test_every_field_of_every_row_agrees_between_json_metrics_text_and_the_team_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§6.4 JSON by hand; §8.1 the same numbers in seconds with percentile="50"|"90", null → absent, the
    four bands as a state set equal to the JSON bands; §8.3 the team page's five metrics per window and
    band, its incidents table, and the index's band-window values."""
    org = pay_org(tmp_path, orgs)
    rows = metrics_json(capsys, org)
    assert [(r["team"], r["window"]) for r in rows] == [
        ("*", "7d"),
        ("*", "30d"),
        ("*", "90d"),
        ("pay", "7d"),
        ("pay", "30d"),
        ("pay", "90d"),
    ]
    for team in ("*", "pay"):
        for window, expected in PAY_ROWS.items():
            row = row_of(rows, team, window)
            assert row["as_of"] == AS_OF_TEXT
            for key, value in expected.items():
                assert row[key] == (None if value is None else pytest.approx(value, rel=1e-9)), (
                    team,
                    window,
                    key,
                )
            assert row["lead_time_breakdown_hours_p50"] == NO_STAGES
            assert row["bands"] == PAY_BANDS, (team, window)

    text = exposition_text(org)
    assert "NaN" not in text and "quantile=" not in text
    found = samples(text)
    assert_json_equals_metrics(rows, found)
    # Percentile labels exactly as §8.1 lists them, for every window that has a value.
    for team in ("*", "pay"):
        for window in ("7d", "30d", "90d"):
            lead = {
                s["percentile"] for s in label_sets(found, "dora_lead_time_seconds", team=team, window=window)
            }
            restore = {
                s["percentile"]
                for s in label_sets(found, "dora_time_to_restore_seconds", team=team, window=window)
            }
            assert (lead, restore) == ({"50", "90"}, {"50", "90"}), (team, window)
    assert [
        s["percentile"] for s in label_sets(found, "dora_failed_deployment_recovery_seconds", team="pay")
    ] == [
        "50",
        "50",
    ]  # 30d and 90d; the 7d value is null
    assert sample(
        found, "dora_failed_deployment_recovery_seconds", team="pay", window="90d", percentile="50"
    ) == (pytest.approx(3 * HOUR))
    assert label_sets(found, "dora_lead_time_breakdown_seconds") == []  # no PR: every stage null

    pages = report_pages(capsys, org)
    page = pages["team-pay.html"]
    metrics = table_rows(section(page, "metrics"))
    assert ">7d</th>" in page and ">30d</th>" in page and ">90d</th>" in page
    # Team page cells (dashboards/reports/keys.py formats, from the JSON values above):
    # frequency 2/7 ≥ 1/7 → × 7 = "2.0 / week"; 4/30 < 1/7 → × 30 = "4.0 / month"; 5/90 × 30 = 1.67.
    expected_cells = {
        "Deployment frequency": ["2.0 / week", "4.0 / month", "1.7 / month"],
        "Lead time for changes (p50)": ["3.0 h", "7.0 h", "10.0 h"],
        "Lead time for changes (p90)": ["3.8 h", "19.8 h", "38.4 h"],
        "Change failure rate": ["0.0 %", "25.0 %", "20.0 %"],
        "Rework rate": ["50.0 %", "25.0 %", "20.0 %"],
        "Deployments": ["2", "4", "5"],
    }
    for title, cells in expected_cells.items():
        assert num_cells(metrics[title])[:3] == cells, title
    assert num_cells(metrics["Failed deployment recovery (p50)"])[1:3] == ["3.0 h", "3.0 h"]
    bands_shown = {
        "deployment_frequency": band_of(metrics["Deployment frequency"]),
        "lead_time": band_of(metrics["Lead time for changes (p50)"]),
        "change_failure_rate": band_of(metrics["Change failure rate"]),
        "recovery": band_of(metrics["Failed deployment recovery (p50)"]),
    }
    assert bands_shown == PAY_BANDS
    incidents = table_rows(section(page, "incidents"))
    # Window → incidents started, TTR p50, TTR p90 (7d: 1, 6 h, 6 h; 30d and 90d: 2, 4 h, 5.6 h).
    assert num_cells(incidents["7d"]) == ["1", "6.0 h", "6.0 h"]
    assert num_cells(incidents["30d"]) == ["2", "4.0 h", "5.6 h"]
    assert num_cells(incidents["90d"]) == ["2", "4.0 h", "5.6 h"]
    # The index shows each band with the value of the band window (90d).
    index_row = table_rows(pages["index.html"])['<a href="team-pay.html">pay</a>']
    cells = re.findall(r"<td>(.*?)</td>", index_row, re.S)
    assert [band_of(cell) for cell in cells] == [PAY_BANDS[key] for key in BAND_KEYS]
    assert [re.sub(r"<[^>]*>", "", cell).split(maxsplit=1)[1] for cell in cells] == [
        "1.7 / month",
        "10.0 h",
        "20.0 %",
        "3.0 h",
    ]


def test_a_window_without_a_recovered_failed_deployment_shows_no_unmarked_recovery_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§6.2: failed_deployment_recovery_hours_p50 is over failed deployments in the window that have
    recovered; pay's 7d window has none → null in JSON and no /metrics series. §6.3's fallback to time to
    restore is for the *band* only. The report's "Failed deployment recovery (p50)" cell for 7d must
    therefore say n/a, or at least mark the value as the time-to-restore fallback (the page's "*"), not
    print I2's 6.0 h time to restore as a failed-deployment recovery time."""
    org = pay_org(tmp_path, orgs)
    assert row_of(metrics_json(capsys, org), "pay", "7d")["failed_deployment_recovery_hours_p50"] is None
    page = report_pages(capsys, org)["team-pay.html"]
    rows = table_rows(section(page, "metrics"))
    recovery = next(row for title, row in rows.items() if title.startswith("Failed deployment recovery"))
    seven_days = num_cells(recovery)[0]
    assert seven_days == "n/a" or "*" in seven_days, seven_days


# -- 2. names from outside in every output -------------------------------------------------------------

ODD = 'Zürich "ops"\\\n<b>équipe</b> ☃'
Q2 = "2026-Q2"


def promtool() -> str | None:
    return shutil.which("promtool") or ("/usr/bin/promtool" if Path("/usr/bin/promtool").exists() else None)


def test_a_team_name_with_quote_backslash_newline_markup_and_unicode_survives_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§9: names from outside are escaped wherever rendered. JSON gives the name back exactly (metrics and
    survey scores); the Prometheus text escapes `"`, `\\` and the newline so that the parser gives the
    name back and `promtool check metrics` reports nothing (§8.1), for dora_* and space_* alike; the HTML
    escapes the markup (no raw <b>) and keeps the unicode; the page's file name is plain ASCII."""
    org = make_org(
        tmp_path,
        orgs,
        teams=[{"name": ODD, "repositories": ["acme/z"], "headcount": 5}],
        repos=["acme/z"],
        extra="surveys:\n  min_group_size: 5\n",
    )
    first(org, "acme/z", datetime(2026, 5, 1, tzinfo=UTC))
    ship(org, "acme/z", at(25), "z-1", at(24))  # 7d: 1 deployment, lead time 24 h
    org.survey.item(Q2, "s1", "satisfaction")
    for _ in range(5):  # exactly min_group_size → shown; every answer 4 → score (4 − 1) / 4 × 100 = 75
        org.survey.respond(Q2, ODD, {"s1": 4})
    org.release()

    assert {row["team"] for row in metrics_json(capsys, org)} == {"*", ODD}
    scores = scores_json(capsys, org)
    assert [(r["team"], r["quarter"], r["score"], r["respondents"]) for r in scores] == [
        ("*", Q2, 75.0, 5),
        (ODD, Q2, 75.0, 5),
    ]

    text = exposition_text(org)
    escaped = 'team="Zürich \\"ops\\"\\\\\\n<b>équipe</b> ☃"'
    assert escaped in text
    for line in text.splitlines():  # no label value spills onto a line of its own
        assert line.startswith(("#", "dora_", "space_", "doraspace_")), line
    found = samples(text)
    assert sample(found, "dora_deployments", team=ODD, window="7d") == 1.0
    assert sample(found, "dora_lead_time_seconds", team=ODD, window="7d", percentile="50") == 24 * HOUR
    assert sample(found, "space_score", team=ODD, dimension="satisfaction", quarter=Q2) == 75.0
    assert sample(found, "space_respondents", team=ODD, quarter=Q2) == 5.0
    assert sample(found, "space_response_rate", team=ODD, quarter=Q2) == 1.0  # 5 / headcount 5
    tool = promtool()
    if tool is not None:
        result = subprocess.run(
            [tool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=30
        )
        assert (result.returncode, result.stdout + result.stderr) == (0, b"")

    pages = report_pages(capsys, org)
    (name,) = [n for n in pages if n not in ("index.html", "team-organisation.html")]
    assert re.fullmatch(r"team-[a-z0-9-]+\.html", name), name
    for page in (pages[name], pages["index.html"]):
        assert "<b>équipe</b>" not in page
        assert html.escape(ODD, quote=False).split("\n")[1] in page  # &lt;b&gt;équipe&lt;/b&gt; ☃
        assert "Zürich" in page
    assert "75.0" in section(pages[name], "space")


# -- 3. how a failed deployment was found, and failed attempts -------------------------------------------

ATTEMPT_ID = 7001


def ship_org(tmp_path: Path, orgs: list[Org]) -> Org:
    """Team ``ship`` (acme/ship, PagerDuty P1): one failed deployment found by all four rules of §6.1.

      first 05-01 (inside 90d only)
      D1 06-20 10:00 ships c1 authored 04:00 → lead time 6 h
      I1 P1 06-20 11:00 → 16:00 (5 h): its title names c1 → D1 *explicit* (rule 1)
      I2 P1 06-20 12:00 → 15:00 (3 h): no sha; starts within (10:00, 10:00 + 24 h] and D1 is the latest
         deployment of the service before it → D1 *window* (rule 4)
      D2 06-20 14:00 redeploys the first deployment's sha: compare "behind" → a rollback whose previous
         deployment is D1 → D1 *rollback* (rule 2); D2 has no changes
      D3 06-21 09:00 ships r, authored 08:00 (lead time 1 h), "This reverts commit <c1>" → D1 *revert*
         (rule 3)
      attempt 7001, created 06-22 09:00, never reached success: a failed attempt (§5.1)
    D1 recovers at the earliest of 16:00, 15:00, 14:00 (D2) and 06-21 09:00 (D3) → 14:00: 4 h.
    """
    org = make_org(
        tmp_path,
        orgs,
        teams=[{"name": "ship", "repositories": ["acme/ship"], "pagerduty_services": ["P1"]}],
        repos=["acme/ship"],
    )
    repo = "acme/ship"
    first(org, repo, datetime(2026, 5, 1, tzinfo=UTC))
    change = ship(org, repo, at(20, 10), "ship-1", at(20, 4))
    add_incident(
        org.facts, "I1", at(20, 11), resolved_at=at(20, 16), service="P1", title=f"root cause: {change[:8]}"
    )
    add_incident(org.facts, "I2", at(20, 12), resolved_at=at(20, 15), service="P1", title="slow pages")
    org.facts.deployment(at(20, 14), sha=sha(f"first-{repo}"), compare="behind", repo=repo)
    revert = org.facts.commit(
        sha("ship-revert"), at(21, 8), repo=repo, message=f'Revert "ship-1"\n\nThis reverts commit {change}.'
    )
    org.facts.deployment(at(21, 9), ships=[revert], repo=repo)
    org.facts._write(
        schema.deployments,
        {
            "repo": repo,
            "source": "deployments",
            "deployment_id": ATTEMPT_ID,
            "environment": "production",
            "sha": sha("attempt"),
            "ref": "main",
            "created_at": to_db(at(22, 9)),
            "deployed_at": None,
            "last_state": "failure",
        },
    )
    org.release()
    return org


def test_the_report_names_every_rule_that_found_a_failed_deployment_and_agrees_with_json_and_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§6.1 "(the report says which)": explicit, rollback, revert and window all hold for D1, and the team
    page and the organisation page list all four, with both incidents and the 4 h recovery. The same
    failure in numbers: 30d (05-31, 06-30] has D1, D2, D3 → 3 deployments (the attempt is not one),
    CFR 1/3 (D2 and D3 fail nothing: no incident starts after them); recovery p50 4 h; TTR [3, 5] →
    p50 4 h, p90 3 + 0.9 × 2 = 4.8 h; rework D2 (rollback) and D3 (revert) → 2/3; lead times [1, 6] →
    p50 3.5 h, p90 1 + 0.9 × 5 = 5.5 h. 90d adds the first deployment: 4, CFR 1/4. The report's count
    of failed deployments in its 90d window equals CFR × deployments of the 90d row (1/4 × 4 = 1)."""
    org = ship_org(tmp_path, orgs)
    rows = metrics_json(capsys, org)
    thirty = row_of(rows, "ship", "30d")
    assert (thirty["deployments"], thirty["incidents"]) == (3, 2)
    assert thirty["change_failure_rate"] == pytest.approx(1 / 3)
    assert thirty["failed_deployment_recovery_hours_p50"] == pytest.approx(4.0)
    assert thirty["time_to_restore_hours_p50"] == pytest.approx(4.0)
    assert thirty["time_to_restore_hours_p90"] == pytest.approx(4.8)
    assert thirty["rework_rate"] == pytest.approx(2 / 3)
    assert thirty["lead_time_hours_p50"] == pytest.approx(3.5)
    assert thirty["lead_time_hours_p90"] == pytest.approx(5.5)
    ninety = row_of(rows, "ship", "90d")
    assert ninety["deployments"] == 4 and ninety["change_failure_rate"] == pytest.approx(1 / 4)
    assert_json_equals_metrics(rows, samples(exposition_text(org)))

    pages = report_pages(capsys, org)
    for name, with_team in (("team-ship.html", False), ("team-organisation.html", True)):
        failed = section(pages[name], "failed")
        assert "1 failed deployment in the last 90 days" in failed, name
        listed = re.findall(r"<tbody>.*?</tbody>", failed, re.S)[0]
        (cells,) = [re.findall(r"<td>(.*?)</td>", tr) for tr in re.findall(r"<tr>.*?</tr>", listed, re.S)]
        assert cells[0] == "2026-06-20 10:00 UTC"
        # … Found by, Incidents, Recovered after (14:00 − 10:00 = 4 h). SPEC does not say how an incident
        # is named; the code writes "<source>:<id>", so only both ids are required.
        assert cells[-3] == "explicit, rollback, revert, window", cells
        assert re.findall(r"\bI[12]\b", cells[-2]) == ["I1", "I2"], cells
        assert cells[-1] == "4.0 h", cells
        assert (cells[1] == "ship") is with_team


def test_a_failed_attempt_is_shown_in_the_report_but_counted_nowhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§5.1: a deployment that never reached success is a failed attempt: "stored, shown in reports, not
    counted as a deployment". Counted nowhere: deployments 0 / 3 / 4 (7d / 30d / 90d) in JSON, /metrics
    and the report's Deployments row, not 0 / 4 / 5. Shown: the team report mentions attempt 7001."""
    org = ship_org(tmp_path, orgs)
    rows = metrics_json(capsys, org)
    assert [row_of(rows, "ship", w)["deployments"] for w in ("7d", "30d", "90d")] == [0, 3, 4]
    found = samples(exposition_text(org))
    assert [sample(found, "dora_deployments", team="ship", window=w) for w in ("7d", "30d", "90d")] == [
        0.0,
        3.0,
        4.0,
    ]
    page = report_pages(capsys, org)["team-ship.html"]
    assert num_cells(table_rows(section(page, "metrics"))["Deployments"])[:3] == ["0", "3", "4"]
    assert str(ATTEMPT_ID) in page, "the failed attempt is not shown in the team report"


# -- 4. bands without a 90-day window -----------------------------------------------------------------


def test_bands_from_the_longest_window_when_90d_is_not_configured_agree_in_report_json_and_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§6.3: no 90d window → bands from the longest configured (2w = 14 days), on every row. Windows keep
    their labels (1w, 2w) everywhere.

      E1 06-18 12:00, authored 06-17 06:00 → 30 h (2w only)
      E2 06-24 12:00, authored 06-24 10:00 → 2 h
      E3 06-28 12:00, authored 06-26 10:00 → 50 h; explicitly failed by an incident 12:15 → 12:30
    2w: 3 deployments → 3/14 ≈ 0.214/day ≥ 1/7 → high; lead times [2, 30, 50] → p50 30 h (not < 1 day,
    < 1 week) → high; CFR 1/3 > 15 % → low; recovery 0.5 h < 1 h → elite.
    1w: 2 deployments → 2/7; lead times [2, 50] → p50 26 h, p90 2 + 0.9 × 48 = 45.2 h; CFR 1/2.
    Index: the 2w values beside the bands: 3/14 × 7 = "1.5 / week", "30.0 h", "33.3 %", 0.5 h = "30 min".
    """
    org = make_org(
        tmp_path,
        orgs,
        teams=[{"name": "t", "repositories": ["acme/t"], "pagerduty_services": ["P7"]}],
        repos=["acme/t"],
        windows=("2w", "1w"),
    )
    first(org, "acme/t", datetime(2026, 5, 1, tzinfo=UTC))
    ship(org, "acme/t", at(18, 12), "t-1", at(17, 6))
    ship(org, "acme/t", at(24, 12), "t-2", at(24, 10))
    failing = ship(org, "acme/t", at(28, 12), "t-3", at(26, 10))
    add_incident(
        org.facts, "T1", at(28, 12.25), resolved_at=at(28, 12.5), service="P7", title=f"bad: {failing[:12]}"
    )
    org.release()
    bands = {
        "deployment_frequency": "high",
        "lead_time": "high",
        "change_failure_rate": "low",
        "recovery": "elite",
    }

    rows = metrics_json(capsys, org)
    assert [(r["team"], r["window"]) for r in rows] == [("*", "1w"), ("*", "2w"), ("t", "1w"), ("t", "2w")]
    week = row_of(rows, "t", "1w")
    assert week["deployments"] == 2 and week["lead_time_hours_p50"] == pytest.approx(26.0)
    assert week["lead_time_hours_p90"] == pytest.approx(45.2)
    assert week["change_failure_rate"] == pytest.approx(0.5)
    two = row_of(rows, "t", "2w")
    assert two["deployment_frequency_per_day"] == pytest.approx(3 / 14)
    assert two["lead_time_hours_p50"] == pytest.approx(30.0)
    assert two["failed_deployment_recovery_hours_p50"] == pytest.approx(0.5)
    assert all(row["bands"] == bands for row in rows)

    found = samples(exposition_text(org))
    assert_json_equals_metrics(rows, found)
    assert {dict(labels).get("window") for (name, labels) in found if name.startswith("dora_")} == {
        "1w",
        "2w",
        None,  # dora_band has no window label (§8.1)
    }

    pages = report_pages(capsys, org)
    page = pages["team-t.html"]
    assert ">1w</th>" in page and ">2w</th>" in page and "14d" not in page
    metrics = table_rows(section(page, "metrics"))
    assert {
        "deployment_frequency": band_of(metrics["Deployment frequency"]),
        "lead_time": band_of(metrics["Lead time for changes (p50)"]),
        "change_failure_rate": band_of(metrics["Change failure rate"]),
        "recovery": band_of(metrics["Failed deployment recovery (p50)"]),
    } == bands
    assert "values over the 2w window" in pages["index.html"]
    index_row = table_rows(pages["index.html"])['<a href="team-t.html">t</a>']
    cells = re.findall(r"<td>(.*?)</td>", index_row, re.S)
    assert [band_of(cell) for cell in cells] == [bands[key] for key in BAND_KEYS]
    assert [re.sub(r"<[^>]*>", "", cell).split(maxsplit=1)[1] for cell in cells] == [
        "1.5 / week",
        "30.0 h",
        "33.3 %",
        "30 min",
    ]


# -- 5. SPACE over two quarters: differencing, change, absent everywhere ---------------------------------

Q1 = "2026-Q1"


def test_a_team_suppressed_by_differencing_in_one_quarter_only_is_absent_there_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§7.4 with min_group_size 5, one satisfaction item with the same wording in both quarters, headcount
    8 each.

    Q1: a, b, c each 6 respondents answering 3 → all shown, score (3 − 1) / 4 × 100 = 50, favourable 0,
        response rate 6/8; "*" 18, 50, 18/24; no earlier quarter → change null.
    Q2: a 6 × 3, b 4 × 3 (suppressed: 4 < 5), c 7 × 5. Suppressed teams together 4 < 5 while "*" is
        shown → the smallest shown team, a (6 < 7), is suppressed too; then 4 + 6 = 10 ≥ 5: stop.
        Shown: c — score 100, favourable 1, 7 respondents, 7/8 = 0.875, change vs 50: +50 ≥ 5 and every
        SE is 0 → rising — and "*": 17 respondents, mean answer (18 + 12 + 35) / 17 = 65/17 → score
        (48/17) / 4 × 100 = 1200/17 ≈ 70.59, favourable 7/17, response rate 17/24; change: +20.59 ≥ 5;
        SE₁ = 0, SE₂ = sd(10 × 50, 7 × 100) / √17 = √(2975000/289/16) / √17 ≈ 6.15 → 1.96 × 6.15 ≈ 12.1
        < 20.59 → rising.
    a and b have Q2 nowhere (JSON, /metrics, reports), while a's Q1 stays everywhere. Quarter labels
    are YYYY-Qn in every output.
    """
    teams = [{"name": n, "repositories": [f"acme/{n}"], "headcount": 8} for n in ("a", "b", "c")]
    org = make_org(
        tmp_path,
        orgs,
        teams=teams,
        repos=["acme/a", "acme/b", "acme/c"],
        extra="surveys:\n  min_group_size: 5\n",
    )
    for quarter in (Q1, Q2):
        org.survey.item(quarter, "s1", "satisfaction", wording="I am satisfied with my tools")
    for team in ("a", "b", "c"):
        for _ in range(6):
            org.survey.respond(Q1, team, {"s1": 3})
    for team, size, answer in (("a", 6, 3), ("b", 4, 3), ("c", 7, 5)):
        for _ in range(size):
            org.survey.respond(Q2, team, {"s1": answer})
    org.release()

    rows = scores_json(capsys, org)
    shown = [(r["team"], r["quarter"]) for r in rows]
    assert shown == [("*", Q1), ("*", Q2), ("a", Q1), ("b", Q1), ("c", Q1), ("c", Q2)]
    by = {(r["team"], r["quarter"]): r for r in rows}
    assert (by["c", Q2]["score"], by["c", Q2]["favourable"], by["c", Q2]["respondents"]) == (100.0, 1.0, 7)
    assert by["c", Q2]["response_rate"] == pytest.approx(0.875)
    assert by["c", Q2]["change"] == "rising"
    assert by["*", Q2]["score"] == pytest.approx(1200 / 17)
    assert by["*", Q2]["favourable"] == pytest.approx(7 / 17)
    assert by["*", Q2]["respondents"] == 17 and by["*", Q2]["response_rate"] == pytest.approx(17 / 24)
    assert by["*", Q2]["change"] == "rising"
    for team in ("*", "a", "b", "c"):
        assert by[team, Q1]["change"] is None and by[team, Q1]["score"] == 50.0

    text = exposition_text(org)
    found = samples(text)
    space = [(n, dict(labels)) for (n, labels) in found if n.startswith("space_")]
    assert {labels["quarter"] for _, labels in space} == {Q1, Q2}
    assert all(re.fullmatch(r"[0-9]{4}-Q[1-4]", labels["quarter"]) for _, labels in space)
    assert {(labels["team"], labels["quarter"]) for _, labels in space} == set(shown)
    for (team, quarter), row in by.items():
        labels = {"team": team, "dimension": "satisfaction", "quarter": quarter}
        assert sample(found, "space_score", **labels) == pytest.approx(row["score"]), (team, quarter)
        assert sample(found, "space_favourable_ratio", **labels) == pytest.approx(row["favourable"])
        assert sample(found, "space_response_rate", team=team, quarter=quarter) == pytest.approx(
            row["response_rate"]
        )
    assert sample(found, "space_respondents", team="a", quarter=Q1) == 6.0
    assert sample(found, "space_respondents", team="*", quarter=Q2) == 17.0
    for hidden in ("a", "b"):
        assert not [line for line in text.splitlines() if f'team="{hidden}"' in line and Q2 in line]

    pages = report_pages(capsys, org)
    for hidden in ("a", "b"):
        space_html = section(pages[f"team-{hidden}.html"], "space")
        assert f"{Q2}: not enough responses" in space_html, hidden
        history = table_rows(space_html)["Satisfaction and well-being"]
        assert num_cells(history) == ["50.0", "not enough responses"], hidden
        shown = re.sub(r'<p class="note">.*?</p>', "", space_html, flags=re.S)
        assert "rising" not in shown and "falling" not in shown
        assert "respondents" not in shown  # a's Q2 count (6) is no more shown than its score
    c_space = section(pages["team-c.html"], "space")
    assert f"{Q2}: 7 respondents, a response rate of 87.5 %" in c_space
    assert "rising (from 50.0)" in c_space and "100.0" in c_space
    star = section(pages["team-organisation.html"], "space")
    assert f"{Q2}: 17 respondents" in star and "70.6" in star and "rising (from 50.0)" in star


def test_a_team_with_survey_scores_but_no_repository_gets_its_scores_in_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§7.1: survey answers name a team of the ownership map; ``research`` is one (a `teams:` entry with a
    headcount, owning no repository). §7.5 and §8.1 show its scores; §8.3 promises "one HTML page per
    team: … and the SPACE scores", so a team lead of research reads them in a report too.

    research: 6 respondents answering 4 → score (4 − 1) / 4 × 100 = 75, favourable 1, response rate
    6/6 = 1 (100.0 %). dev: 6 answering 2 → 25 (no headcount → no rate). Both ≥ 5 → shown."""
    org = make_org(
        tmp_path,
        orgs,
        teams=[{"name": "dev", "repositories": ["acme/dev"]}, {"name": "research", "headcount": 6}],
        repos=["acme/dev"],
        extra="surveys:\n  min_group_size: 5\n",
    )
    first(org, "acme/dev", datetime(2026, 5, 1, tzinfo=UTC))
    org.survey.item(Q2, "s1", "satisfaction")
    for team, answer in (("research", 4), ("dev", 2)):
        for _ in range(6):
            org.survey.respond(Q2, team, {"s1": answer})
    org.release()

    research = [r for r in scores_json(capsys, org) if r["team"] == "research"]
    assert [(r["score"], r["favourable"], r["respondents"], r["response_rate"]) for r in research] == [
        (75.0, 1.0, 6, 1.0)
    ]
    found = samples(exposition_text(org))
    assert sample(found, "space_score", team="research", dimension="satisfaction", quarter=Q2) == 75.0
    assert sample(found, "space_respondents", team="research", quarter=Q2) == 6.0

    pages = report_pages(capsys, org)
    page = pages.get("team-research.html")
    assert page is not None, f"no report page for research: {sorted(pages)}"
    space_html = section(page, "space")
    assert f"{Q2}: 6 respondents, a response rate of 100.0 %" in space_html
    assert "75.0" in space_html
