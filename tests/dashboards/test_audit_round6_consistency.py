"""Audit, round 6: the same numbers in every output, where undefined values, one deployment, edge bands
and a name that needs escaping meet in one team.

One small store, read the ways users read it: ``doraspace metrics --format json`` (SPEC §6.4, the
reference), ``doraspace survey scores --format json`` (§7.5), the Prometheus text of the snapshot the
daemon serves (§8.1, parsed with ``prometheus_client.parser``) and the HTML reports of ``doraspace report``
(§8.3). Every expected value is worked out by hand in the docstrings below.

Earlier rounds (test_audit_outputs.py, test_audit_round5_outputs.py, test_output_pairs.py) check a team
with nothing, a team of incidents only, bands exactly at 24 h / 15 % / 1 h, and odd names on a team with
one plain deployment. What is new here is their meeting in one team: a window with no deployment next to
a window whose only deployment failed by the window rule (§6.1 rule 4) through an incident resolved only
*after* ``as_of`` (so the failure is unrecovered and its incident has no time to restore), a labelled
(``HotFix``) PR without a review by someone else (pickup and review stages null, coding and deploy not),
three band edges at once from the 90-day window (1/30 per day, 168 h, 24 h), and the team's name
``R&D {env="prod"}, C:\\ops <Zoë> ☃`` in label values, pages, failed-deployment lists and survey rows.

June 2026 throughout: ``at(day, hour)`` is 2026-06-<day> <hour>:00 UTC, and every ``--as-of``, ``now`` and
snapshot is 2026-06-30 00:00 UTC. Windows ending then: 1d = (06-29, 06-30], 7d = (06-23, 06-30],
30d = (05-31, 06-30], 90d = (04-01, 06-30].
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import json
import math
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
from tests.analytics.facts import Facts, Review, add_incident, add_label, at
from tests.analytics.test_space import Survey

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
AS_OF_TEXT = "2026-06-30T00:00:00Z"
HOUR = 3600.0
WINDOWS = ("1d", "7d", "30d", "90d")
BAND_KEYS = ("deployment_frequency", "lead_time", "change_failure_rate", "recovery")
BANDS = ("elite", "high", "medium", "low")
STAGES = ("coding", "pickup", "review", "deploy")
NAME = 'R&D {env="prod"}, C:\\ops <Zoë> ☃'
PLAIN = "plain"
WEIRD_REPO = "acme/rnd"
PLAIN_REPO = "acme/plain"
ATTEMPT_ID = 9001
Q1, Q2 = "2026-Q1", "2026-Q2"

# JSON field → (family, extra labels) in /metrics; durations are hours in JSON, seconds in /metrics.
PLAIN_FIELDS = {
    "deployments": "dora_deployments",
    "deployment_frequency_per_day": "dora_deployment_frequency_per_day",
    "change_failure_rate": "dora_change_failure_rate",
    "incidents": "dora_incidents",
    "rework_rate": "dora_rework_rate",
}
DURATION_FIELDS = {
    "lead_time_hours_p50": ("dora_lead_time_seconds", "50"),
    "lead_time_hours_p90": ("dora_lead_time_seconds", "90"),
    "failed_deployment_recovery_hours_p50": ("dora_failed_deployment_recovery_seconds", "50"),
    "time_to_restore_hours_p50": ("dora_time_to_restore_seconds", "50"),
    "time_to_restore_hours_p90": ("dora_time_to_restore_seconds", "90"),
}


def sha(name: str) -> str:
    return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()


# -- the store ------------------------------------------------------------------------------------------


def build_store(tmp: Path) -> Path:
    """Two teams, windows 1d/7d/30d/90d, dora-2023, attribution window 24 h, min_group_size 5.

    Team NAME owns acme/rnd and PagerDuty service PW (headcount 8):
      first  03-01 (compare ``first``; before every window, 90d starts 04-01)
      D1 05-10 12:00 ships c1 (direct push) authored 05-03 12:00 → lead 168 h
      D2 06-10 12:00 ships c2 authored 06-09 12:00 → lead 24 h
         I1 on PW 06-10 14:00 → 06-11 12:00 (TTR 22 h), "root cause: <c2[:12]>" → D2 failed *explicit*,
         recovered at 06-11 12:00: 24 h
      D3 06-25 12:00 ships c3, the squash commit of PR 7 (labelled ``HotFix`` → rework, §6.2), whose only
         commit is authored 06-17 04:00 → lead 06-25 12:00 − 06-17 04:00 = 200 h. PR 7 opened 06-18 04:00,
         reviewed only by its author, merged 06-20 00:00 → coding 24 h, no pickup and review stage,
         deploy 06-25 12:00 − 06-20 00:00 = 132 h.
         I2 on PW 06-25 13:00, no sha, resolved 07-02 (after as_of: still open as of as_of) → D3 failed
         by the *window* rule (13:00 ∈ (12:00, 12:00 + 24 h], D3 the latest deployment of the service),
         not recovered; I2 has no time to restore.
      I3 on PW 06-27 06:00 → 08:00 (TTR 2 h), no sha, 42 h after D3 → fails nothing.
      a failed attempt (id 9001) created 06-28 09:00: shown in reports, counted nowhere (§5.1).
    Team plain owns acme/plain (headcount 5): first 03-01; P1 06-29 12:00 ships p1 authored 10:00 → 2 h.
    Survey item s1 (satisfaction, 5 points, favourable 4–5), same wording in Q1 and Q2:
      NAME Q1: 5 answer 3; Q2: 6 answer 5.  plain Q1 and Q2: 5 answer 4.
    """
    url = f"duckdb:///{tmp}/store.duckdb"
    config = tmp / "doraspace.yaml"
    teams = [
        {"name": NAME, "repositories": [WEIRD_REPO], "pagerduty_services": ["PW"], "headcount": 8},
        {"name": PLAIN, "repositories": [PLAIN_REPO], "headcount": 5},
    ]
    # JSON is YAML: the name reaches the config exactly as written.
    config.write_text(
        "database:\n"
        f"  url: {url}\n"
        f"teams: {json.dumps(teams)}\n"
        f"metrics:\n  windows: {json.dumps(list(WINDOWS))}\n  benchmarks: dora-2023\n"
        "incidents:\n  attribution_window: 24h\n"
        "surveys:\n  min_group_size: 5\n"
    )
    engine = open_store(url)
    try:
        with engine.begin() as conn:
            write_repositories(
                conn, [RepositoryFact(repo, "main") for repo in (WEIRD_REPO, PLAIN_REPO)], {}, AS_OF
            )
        facts = Facts(engine)
        for repo in (WEIRD_REPO, PLAIN_REPO):
            facts.deployment(
                datetime(2026, 3, 1, tzinfo=UTC), compare="first", sha=sha(f"first-{repo}"), repo=repo
            )
        c1 = facts.commit(sha("c1"), datetime(2026, 5, 3, 12, tzinfo=UTC), repo=WEIRD_REPO)
        facts.deployment(datetime(2026, 5, 10, 12, tzinfo=UTC), ships=[c1], repo=WEIRD_REPO)
        c2 = facts.commit(sha("c2"), at(9, 12), repo=WEIRD_REPO)
        facts.deployment(at(10, 12), ships=[c2], repo=WEIRD_REPO)
        add_incident(
            facts,
            "I1",
            at(10, 14),
            resolved_at=at(11, 12),
            service="PW",
            title=f"payments 5xx, root cause: {c2[:12]}",
        )
        c3 = facts.commit(sha("c3"), at(20, 0), repo=WEIRD_REPO)
        facts.pull_request(
            7,
            created_at=at(18, 4),
            merged_at=at(20, 0),
            merge_commit_sha=c3,
            commit_dates=[at(17, 4)],
            reviews=[Review("alice", at(19, 4))],
            author="alice",
            repo=WEIRD_REPO,
        )
        add_label(facts, 7, "HotFix", repo=WEIRD_REPO)
        facts.deployment(at(25, 12), ships=[c3], repo=WEIRD_REPO)
        add_incident(
            facts,
            "I2",
            at(25, 13),
            resolved_at=datetime(2026, 7, 2, tzinfo=UTC),
            service="PW",
            title="checkout latency",
        )
        add_incident(facts, "I3", at(27, 6), resolved_at=at(27, 8), service="PW", title="slow pages")
        facts._write(
            schema.deployments,
            {
                "repo": WEIRD_REPO,
                "source": "deployments",
                "deployment_id": ATTEMPT_ID,
                "environment": "production",
                "sha": sha("attempt"),
                "ref": "main",
                "created_at": to_db(at(28, 9)),
                "deployed_at": None,
                "last_state": "failure",
            },
        )
        p1 = facts.commit(sha("p1"), at(29, 10), repo=PLAIN_REPO)
        facts.deployment(at(29, 12), ships=[p1], repo=PLAIN_REPO)

        survey = Survey(engine)
        for quarter in (Q1, Q2):
            survey.item(quarter, "s1", "satisfaction")
        for _ in range(5):
            survey.respond(Q1, NAME, {"s1": 3})
        for _ in range(6):
            survey.respond(Q2, NAME, {"s1": 5})
        for quarter in (Q1, Q2):
            for _ in range(5):
                survey.respond(quarter, PLAIN, {"s1": 4})
    finally:
        engine.dispose()
    return config


@dataclass(frozen=True)
class Outputs:
    rows: list[dict[str, Any]]
    scores: list[dict[str, Any]]
    text: str
    pages: dict[str, str]  # team ("*" for the organisation) → its page; "index" → the index


def run_cli(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv), now=AS_OF)
    assert status == 0, err.getvalue()
    return out.getvalue()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outputs]:
    tmp = tmp_path_factory.mktemp("round6")
    config_path = build_store(tmp)
    rows = json.loads(
        run_cli("metrics", "--config", str(config_path), "--format", "json", "--as-of", AS_OF_TEXT)
    )
    scores = json.loads(run_cli("survey", "scores", "--config", str(config_path), "--format", "json"))
    config = load_config(config_path, environ={})
    engine = open_store(config.database_url)
    try:
        snapshot = build_snapshot(config, engine, now=AS_OF, as_of=AS_OF, weeks=1)
    finally:
        engine.dispose()
    exposition = Exposition(clock=lambda: AS_OF)
    exposition.update(snapshot)
    text = exposition.render().decode("utf-8")
    out = tmp / "reports"
    run_cli("report", "--config", str(config_path), "--out", str(out))
    index = (out / "index.html").read_text(encoding="utf-8")
    pages = {"index": index}
    for file, shown in re.findall(r'<th scope="row"><a href="(team-[^"]+\.html)">(.*?)</a></th>', index):
        team = "*" if file == "team-organisation.html" else html.unescape(shown)
        assert team not in pages, team
        pages[team] = (out / file).read_text(encoding="utf-8")
    yield Outputs(rows, scores, text, pages)


# -- reading --------------------------------------------------------------------------------------------

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = (sample.name, frozenset(sample.labels.items()))
            assert key not in found, key
            found[key] = sample.value
    return found


def row_of(rows: Sequence[dict[str, Any]], team: str, window: str) -> dict[str, Any]:
    (row,) = [r for r in rows if r["team"] == team and r["window"] == window]
    return row


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


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", fragment)).strip()


# -- expected values, by hand ----------------------------------------------------------------------------

NULL_STAGES = dict.fromkeys(STAGES)
PR7_STAGES = {"coding": 24.0, "pickup": None, "review": None, "deploy": 132.0}
WEIRD_BANDS = {  # 90d: 3/90 = 1/30 → medium; 168 h = 1 week → medium; 2/3 → low; 24 h = 1 day → medium
    "deployment_frequency": "medium",
    "lead_time": "medium",
    "change_failure_rate": "low",
    "recovery": "medium",
}
PLAIN_BANDS = {  # 90d: 1/90 < 1/30 → low; 2 h → elite; 0 → elite; no recovery, no TTR → null
    "deployment_frequency": "low",
    "lead_time": "elite",
    "change_failure_rate": "elite",
    "recovery": None,
}
ORG_BANDS = {  # 90d: 4/90 ≥ 1/30 → medium; 96 h < 1 week → high; 0.5 → low; 24 h → medium
    "deployment_frequency": "medium",
    "lead_time": "high",
    "change_failure_rate": "low",
    "recovery": "medium",
}


def expected(
    deployments: int,
    days: int,
    lead: tuple[float, float] | None,
    cfr: float | None,
    recovery: float | None,
    ttr: tuple[float, float] | None,
    incidents: int,
    rework: float | None,
    stages: dict[str, float | None],
    bands: dict[str, str | None],
) -> dict[str, Any]:
    return {
        "deployments": deployments,
        "deployment_frequency_per_day": deployments / days,
        "lead_time_hours_p50": None if lead is None else lead[0],
        "lead_time_hours_p90": None if lead is None else lead[1],
        "change_failure_rate": cfr,
        "failed_deployment_recovery_hours_p50": recovery,
        "time_to_restore_hours_p50": None if ttr is None else ttr[0],
        "time_to_restore_hours_p90": None if ttr is None else ttr[1],
        "incidents": incidents,
        "rework_rate": rework,
        "lead_time_breakdown_hours_p50": stages,
        "bands": bands,
    }


EXPECTED = {
    # NAME 1d: nothing deployed → counts 0, every ratio and percentile null; no incident in (06-29, 06-30].
    (NAME, "1d"): expected(0, 1, None, None, None, None, 0, None, NULL_STAGES, WEIRD_BANDS),
    # 7d: D3 alone → 1/7; one lead time 200 → p50 = p90 = 200; CFR 1/1; recovery null (I2 open at as_of);
    # TTR over I3 only (I2 unresolved) → 2, 2; incidents I2, I3; rework D3 (HotFix) → 1/1.
    (NAME, "7d"): expected(1, 7, (200.0, 200.0), 1.0, None, (2.0, 2.0), 2, 1.0, PR7_STAGES, WEIRD_BANDS),
    # 30d: D2, D3 → 2/30; lead [24, 200] → p50 112, p90 24 + 0.9 × 176 = 182.4; CFR 2/2; recovery [24];
    # TTR [2, 22] → p50 12, p90 2 + 0.9 × 20 = 20; incidents I1–I3; rework 1/2.
    (NAME, "30d"): expected(2, 30, (112.0, 182.4), 1.0, 24.0, (12.0, 20.0), 3, 0.5, PR7_STAGES, WEIRD_BANDS),
    # 90d: D1–D3 → 3/90; lead [24, 168, 200] → p50 168, p90 168 + 0.8 × 32 = 193.6; CFR 2/3; recovery
    # [24]; TTR as 30d; rework 1/3.
    (NAME, "90d"): expected(
        3, 90, (168.0, 193.6), 2 / 3, 24.0, (12.0, 20.0), 3, 1 / 3, PR7_STAGES, WEIRD_BANDS
    ),
    # plain: P1 in every window: one lead time 2 → p50 = p90 = 2; CFR 0/1 = 0.0 and rework 0.0 (numbers).
    **{
        (PLAIN, window): expected(1, days, (2.0, 2.0), 0.0, None, None, 0, 0.0, NULL_STAGES, PLAIN_BANDS)
        for window, days in (("1d", 1), ("7d", 7), ("30d", 30), ("90d", 90))
    },
    # "*" 1d: P1 only (NAME has none) → 1 deployment, lead 2 h, CFR 0.0.
    ("*", "1d"): expected(1, 1, (2.0, 2.0), 0.0, None, None, 0, 0.0, NULL_STAGES, ORG_BANDS),
    # 7d: D3, P1 → 2/7; lead [2, 200] → p50 101, p90 2 + 0.9 × 198 = 180.2; CFR 1/2; TTR I3; rework 1/2.
    ("*", "7d"): expected(2, 7, (101.0, 180.2), 0.5, None, (2.0, 2.0), 2, 0.5, PR7_STAGES, ORG_BANDS),
    # 30d: D2, D3, P1 → 3/30; lead [2, 24, 200] → p50 24, p90 24 + 0.8 × 176 = 164.8; CFR 2/3; rework 1/3.
    ("*", "30d"): expected(3, 30, (24.0, 164.8), 2 / 3, 24.0, (12.0, 20.0), 3, 1 / 3, PR7_STAGES, ORG_BANDS),
    # 90d: D1–D3, P1 → 4/90; lead [2, 24, 168, 200] → p50 96, p90 168 + 0.7 × 32 = 190.4; CFR 2/4.
    ("*", "90d"): expected(4, 90, (96.0, 190.4), 0.5, 24.0, (12.0, 20.0), 3, 0.25, PR7_STAGES, ORG_BANDS),
}


def approx(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: approx(inner) for key, inner in value.items()}
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-9)
    return value


# -- 1. the JSON, by hand ---------------------------------------------------------------------------------


def test_metrics_json_by_hand_for_every_team_and_window(outputs: Outputs) -> None:
    """§6.2–§6.4 with the arithmetic of EXPECTED above: the empty 1d window of NAME has 0 counts and null
    ratios/percentiles (never 0); its 7d window, one deployment that failed by the window rule through an
    incident resolved after as_of, has p50 = p90, CFR 1.0, rework 1.0, recovery null and a time to restore
    from I3 only; the bands come from 90d on every row, three of them exactly at a threshold (1/30 per
    day → medium, 168 h → medium, 24 h → medium: "below" is strict, "at least" is not). The name comes
    back exactly; rows are sorted "*" first, then by team, then by window length."""
    rows = outputs.rows
    assert [(r["team"], r["window"]) for r in rows] == [
        (team, window) for team in ("*", NAME, PLAIN) for window in WINDOWS
    ]
    for row in rows:
        assert row["as_of"] == AS_OF_TEXT
        want = EXPECTED[(row["team"], row["window"])]
        got = {key: row[key] for key in want}
        assert got == approx(want), (row["team"], row["window"])


# -- 2. /metrics equals the JSON, series for series --------------------------------------------------------


def series_of_row(row: dict[str, Any]) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The dora_* series (other than dora_band) SPEC §8.1 asks for a JSON row: null → no series."""
    labels = {"team": row["team"], "window": row["window"]}
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for key, family in PLAIN_FIELDS.items():
        if row[key] is not None:
            found[(family, frozenset(labels.items()))] = float(row[key])
    for key, (family, percentile) in DURATION_FIELDS.items():
        if row[key] is not None:
            found[(family, frozenset({**labels, "percentile": percentile}.items()))] = row[key] * HOUR
    for stage, hours in row["lead_time_breakdown_hours_p50"].items():
        if hours is not None:
            key = (
                "dora_lead_time_breakdown_seconds",
                frozenset({**labels, "stage": stage, "percentile": "50"}.items()),
            )
            found[key] = hours * HOUR
    return found


def test_prometheus_series_are_exactly_the_json_values_with_nulls_absent(outputs: Outputs) -> None:
    """§8.1: per team × window, the dora_* series are exactly the JSON's non-null fields (hours × 3600 =
    seconds; percentile="50"|"90"), no more: NAME's 1d window has dora_deployments 0,
    dora_deployment_frequency_per_day 0 and dora_incidents 0 and nothing else; its 7d window has
    dora_change_failure_rate 1 and lead time 720000 s at both percentiles but no recovery series; pickup
    and review stages never appear (no review by someone else). No sample is NaN. dora_band is a state
    set (1 for the band, 0 for the other three), absent for plain's null recovery band."""
    found = parse(outputs.text)
    assert all(not math.isnan(value) for value in found.values())
    assert "NaN" not in outputs.text and "quantile=" not in outputs.text
    for row in outputs.rows:
        want = series_of_row(row)
        got = {
            key: value
            for key, value in found.items()
            if key[0].startswith("dora_")
            and key[0] != "dora_band"
            and dict(key[1]).get("team") == row["team"]
            and dict(key[1]).get("window") == row["window"]
        }
        assert set(got) == set(want), (row["team"], row["window"], set(got) ^ set(want))
        for key, value in want.items():
            assert got[key] == pytest.approx(value, rel=1e-9), (row["team"], row["window"], key)
    weird_1d = {
        key[0] for key in found if dict(key[1]).get("team") == NAME and dict(key[1]).get("window") == "1d"
    }
    assert weird_1d == {"dora_deployments", "dora_deployment_frequency_per_day", "dora_incidents"}
    lead_7d = {"team": NAME, "window": "7d"}
    for percentile in ("50", "90"):
        key = ("dora_lead_time_seconds", frozenset({**lead_7d, "percentile": percentile}.items()))
        assert found[key] == pytest.approx(200 * HOUR)
    for team, bands in ((NAME, WEIRD_BANDS), (PLAIN, PLAIN_BANDS), ("*", ORG_BANDS)):
        for metric in BAND_KEYS:
            states = {
                band: found.get(
                    ("dora_band", frozenset({"team": team, "metric": metric, "band": band}.items()))
                )
                for band in BANDS
            }
            if bands[metric] is None:
                assert set(states.values()) == {None}, (team, metric, states)
            else:
                assert states == {band: float(band == bands[metric]) for band in BANDS}, (team, metric)


def test_prometheus_label_values_are_escaped_per_the_exposition_format(outputs: Outputs) -> None:
    """§9 and the text exposition format: in a label value, backslash → ``\\\\``, double quote → ``\\"``
    (newline → ``\\n``); everything else (``{``, ``}``, ``,``, ``=``, ``<``, ``&``, UTF-8) is written as is.
    So NAME appears as ``team="R&D {env=\\"prod\\"}, C:\\\\ops <Zoë> ☃"`` on every dora_* and space_*
    series of the team, the parser gives the name back exactly with its own numbers (not split at the
    ``}`` or the ``,``), and `promtool check metrics` reports nothing (§8.1)."""
    escaped = 'team="R&D {env=\\"prod\\"}, C:\\\\ops <Zoë> ☃"'
    lines = [line for line in outputs.text.splitlines() if "Zoë" in line]
    assert all(escaped in line for line in lines), lines[:3]
    # One sample line per series of NAME, none split or lost: its non-null JSON fields (1d: deployments,
    # frequency, incidents = 3; 7d: 3 + CFR, rework, lead ×2, TTR ×2, coding, deploy = 11; 30d and 90d:
    # 11 + recovery = 12 each → 38), dora_band 4 metrics × 4 bands = 16, and space_score,
    # space_favourable_ratio, space_respondents, space_response_rate for Q1 and Q2 = 8: 62.
    assert len(lines) == 38 + 16 + 8
    families = {line.split("{", 1)[0] for line in lines}
    assert {"dora_deployments", "dora_band", "space_score", "space_respondents"} <= families
    found = parse(outputs.text)
    teams = {dict(labels).get("team") for (_, labels) in found}
    assert teams == {"*", NAME, PLAIN, None}  # None: the health families
    key = ("dora_deployments", frozenset({"team": NAME, "window": "90d"}.items()))
    assert found[key] == 3.0
    promtool = shutil.which("promtool") or "/usr/bin/promtool"
    if Path(promtool).exists():  # installed on this machine and in CI (tests/dashboards/test_grafana.py)
        result = subprocess.run(
            [promtool, "check", "metrics"], input=outputs.text.encode(), capture_output=True, timeout=30
        )
        assert (result.returncode, result.stdout + result.stderr) == (0, b"")


# -- 3. the HTML report -------------------------------------------------------------------------------------

# The team page, window by window (1d, 7d, 30d, 90d), as dashboards/reports/keys.py writes the JSON values:
# hours < 1 → "N min", < 48 → "N.N h", else days; ratios × 100 with " %"; frequency per day ≥ 1, per week
# ≥ 1/7, else per month; null → "n/a" (the code's NO_DATA; docs/ name no wording); recovery falls back to
# the time to restore with a "*" (§6.3).
WEIRD_CELLS = {
    "Deployment frequency": ["none", "1.0 / week", "2.0 / month", "1.0 / month"],  # 0; 1/7; 2/30; 3/90
    "Lead time for changes (p50)": ["n/a", "8.3 d", "4.7 d", "7.0 d"],  # 200/24, 112/24, 168/24
    "Lead time for changes (p90)": ["n/a", "8.3 d", "7.6 d", "8.1 d"],  # 200/24, 182.4/24, 193.6/24
    "Change failure rate": ["n/a", "100.0 %", "100.0 %", "66.7 %"],
    "Failed deployment recovery (p50)": ["n/a", "2.0 h*", "24.0 h", "24.0 h"],  # 7d: TTR fallback
    "Rework rate": ["n/a", "100.0 %", "50.0 %", "33.3 %"],
    "Deployments": ["0", "1", "2", "3"],
}
ORG_CELLS = {
    "Deployment frequency": ["1.0 / day", "2.0 / week", "3.0 / month", "1.3 / month"],
    "Lead time for changes (p50)": ["2.0 h", "4.2 d", "24.0 h", "4.0 d"],  # 2, 101, 24, 96 h
    "Lead time for changes (p90)": ["2.0 h", "7.5 d", "6.9 d", "7.9 d"],  # 2, 180.2, 164.8, 190.4 h
    "Change failure rate": ["0.0 %", "50.0 %", "66.7 %", "50.0 %"],
    "Failed deployment recovery (p50)": ["n/a", "2.0 h*", "24.0 h", "24.0 h"],
    "Rework rate": ["0.0 %", "50.0 %", "33.3 %", "25.0 %"],
    "Deployments": ["1", "2", "3", "4"],
}
PLAIN_CELLS = {
    "Deployment frequency": ["1.0 / day", "1.0 / week", "1.0 / month", "0.3 / month"],
    "Lead time for changes (p50)": ["2.0 h"] * 4,
    "Lead time for changes (p90)": ["2.0 h"] * 4,
    "Change failure rate": ["0.0 %"] * 4,
    "Failed deployment recovery (p50)": ["n/a"] * 4,
    "Rework rate": ["0.0 %"] * 4,
    "Deployments": ["1"] * 4,
}
BAND_ROWS = {
    "deployment_frequency": "Deployment frequency",
    "lead_time": "Lead time for changes (p50)",
    "change_failure_rate": "Change failure rate",
    "recovery": "Failed deployment recovery (p50)",
}


@pytest.mark.parametrize(
    ("team", "cells", "bands"),
    [(NAME, WEIRD_CELLS, WEIRD_BANDS), ("*", ORG_CELLS, ORG_BANDS), (PLAIN, PLAIN_CELLS, PLAIN_BANDS)],
    ids=["name", "organisation", "plain"],
)
def test_team_page_shows_the_json_values_per_window_with_nulls_as_n_a(
    outputs: Outputs, team: str, cells: dict[str, list[str]], bands: dict[str, str | None]
) -> None:
    """§8.3 "the five metrics with their bands": each cell is the JSON value of its window written for
    people (hand-written strings above, e.g. NAME's 7d lead time 200 h → "8.3 d" at p50 and p90 alike,
    CFR 1/1 → "100.0 %", recovery null with TTR 2 h → "2.0 h*", 1d all "n/a" but deployments "0" and
    frequency "none"); the four band badges equal the JSON bands (the recovery badge of plain: no band);
    the breakdown has NAME's coding 24 h and deploy 132 h = "5.5 d" with pickup and review "n/a"; the
    incidents table gives started / TTR p50 / TTR p90 per window."""
    page = outputs.pages[team]
    metrics = table_rows(section(page, "metrics"))
    for title, want in cells.items():
        assert num_cells(metrics[title])[:4] == want, (team, title)
    assert {key: band_of(metrics[title]) for key, title in BAND_ROWS.items()} == bands
    breakdown = table_rows(section(page, "breakdown"))
    stages = {stage: num_cells(breakdown[stage.capitalize()]) for stage in STAGES}
    if team == PLAIN:
        assert stages == {stage: ["n/a"] * 4 for stage in STAGES}
    else:  # "*" has the same PR as NAME
        assert stages == {
            "coding": ["n/a", "24.0 h", "24.0 h", "24.0 h"],
            "pickup": ["n/a"] * 4,
            "review": ["n/a"] * 4,
            "deploy": ["n/a", "5.5 d", "5.5 d", "5.5 d"],
        }
    incidents = {window: num_cells(cells) for window, cells in table_rows(section(page, "incidents")).items()}
    if team == PLAIN:
        assert incidents == {window: ["0", "n/a", "n/a"] for window in WINDOWS}
    else:
        assert incidents == {
            "1d": ["0", "n/a", "n/a"],
            "7d": ["2", "2.0 h", "2.0 h"],
            "30d": ["3", "12.0 h", "20.0 h"],
            "90d": ["3", "12.0 h", "20.0 h"],
        }


def test_index_pairs_each_band_with_its_90d_value(outputs: Outputs) -> None:
    """§6.3/§8.3: the index shows, per team, each band beside the value it was computed from (90d): NAME
    medium "1.0 / month" (3/90, at the 1/30 edge), medium "7.0 d" (168 h, at the 1-week edge), low
    "66.7 %", medium "24.0 h" (at the 1-day edge); plain's recovery "n/a" with no band; "*" medium
    "1.3 / month", high "4.0 d", low "50.0 %", medium "24.0 h"."""
    index = table_rows(outputs.pages["index"])
    want = {
        NAME: [("medium", "1.0 / month"), ("medium", "7.0 d"), ("low", "66.7 %"), ("medium", "24.0 h")],
        PLAIN: [("low", "0.3 / month"), ("elite", "2.0 h"), ("elite", "0.0 %"), (None, "n/a")],
        "Organisation": [
            ("medium", "1.3 / month"),
            ("high", "4.0 d"),
            ("low", "50.0 %"),
            ("medium", "24.0 h"),
        ],
    }
    got = {}
    for head, cells_html in index.items():
        cells = re.findall(r"<td>(.*?)</td>", cells_html, re.S)
        values = [text_of(re.sub(r'<span class="band.*?</span>', "", cell)) for cell in cells]
        got[text_of(head)] = [(band_of(cell), value) for cell, value in zip(cells, values, strict=True)]
    assert got == want


def test_failed_deployments_and_what_stands_out_agree_with_the_json(outputs: Outputs) -> None:
    """§6.1 "(the report says which)", §8.3 "failed deployments with how each was detected". NAME's 90d
    JSON row has CFR 2/3 × 3 deployments = 2 failed: D3 (06-25 12:00, window, I2, not recovered: I2 is
    resolved only after as_of) and D2 (06-10 12:00, explicit, I1, 24.0 h = its 90d recovery p50). The
    organisation page lists the same two with the team column giving NAME back. "What stands out" uses
    the same numbers: the weakest band with its 90d value ("change failure rate (66.7 %): low"), the
    longest stage (deploy, 132 h = "5.5 d") and the one unrecovered failure (the 7d recovery is null)."""
    row = row_of(outputs.rows, NAME, "90d")
    count = round(row["change_failure_rate"] * row["deployments"])
    assert count == 2
    for team, with_team in ((NAME, False), ("*", True)):
        failed = section(outputs.pages[team], "failed")
        assert f"{count} failed deployments in the last 90 days" in failed, team
        body = re.findall(r"<tbody>(.*?)</tbody>", failed, re.S)[0]
        listed = [
            [text_of(cell) for cell in re.findall(r"<td>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        ]
        assert [(r[0], r[-3], r[-1]) for r in listed] == [
            ("2026-06-25 12:00 UTC", "window", "not yet"),
            ("2026-06-10 12:00 UTC", "explicit", "24.0 h"),
        ], team
        assert [re.findall(r"\bI\d\b", r[-2]) for r in listed] == [["I2"], ["I1"]]
        if with_team:
            assert [r[1] for r in listed] == [NAME, NAME]
    sentences = [
        text_of(li) for li in re.findall(r"<li>(.*?)</li>", section(outputs.pages[NAME], "standout"), re.S)
    ]
    assert "The weakest key is change failure rate (66.7 %): low." in sentences
    assert "Deploy is the longest lead-time stage (median 5.5 d)." in sentences
    assert "1 failed deployment has not recovered yet." in sentences


def test_no_page_shows_the_name_unescaped(outputs: Outputs) -> None:
    """§9: the name is escaped wherever rendered. On every page (index, NAME's, the organisation's with
    its Team columns of failed deployments and failed attempts, plain's) the name never appears raw, nor
    its markup ``<Zoë>`` nor a bare ``R&D``; where it is shown (index link, NAME's <title> and <h1>, the
    organisation's failed-deployment and failed-attempt rows) it unescapes to exactly NAME."""
    for key, page in outputs.pages.items():
        assert NAME not in page, key
        assert "<Zoë>" not in page, key
        assert "R&D" not in page, key
    page = outputs.pages[NAME]
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    h1 = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert title and h1
    assert html.unescape(title.group(1)).startswith(NAME)
    assert html.unescape(h1.group(1)) == NAME
    assert NAME in [text_of(head) for head in table_rows(outputs.pages["index"])]
    attempts = section(outputs.pages["*"], "failed").split("<h3>Failed attempts</h3>", 1)
    assert len(attempts) == 2, "the failed attempt is not listed on the organisation page"
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(\d+)</td>", attempts[1])
    assert [(text_of(a), text_of(b), int(d)) for a, b, _, d in rows] == [
        ("2026-06-28 09:00 UTC", NAME, ATTEMPT_ID)
    ]


# -- 4. survey scores: JSON, /metrics and the report ---------------------------------------------------


def test_survey_scores_agree_between_json_metrics_and_report(outputs: Outputs) -> None:
    """§7.4/§7.5 by hand (s1: 5 points, favourable 4–5; score = (mean − 1) / 4 × 100):
      NAME Q1: five 3s → 50.0, favourable 0/5 = 0.0, 5 respondents, 5/8 = 0.625, change null;
      NAME Q2: six 5s → 100.0, favourable 1.0, 6, 6/8 = 0.75; moved 50 ≥ 5 and > 1.96 × √(0² + 0²) → rising.
      plain Q1/Q2: five 4s → 75.0, 1.0, 5, 5/5 = 1.0; Q2 stable (moved 0).
      "*" Q1: 10 (five 3s, five 4s) → mean 3.5 → 62.5, 5/10, 10/13; Q2: 11 (six 5s, five 4s) → mean 50/11
      → (39/11) / 4 × 100 = 975/11 ≈ 88.64, 1.0, 11/13; SE₁ = 13.18/√10 ≈ 4.17, SE₂ = 13.06/√11 ≈ 3.94,
      1.96 × √(SE₁² + SE₂²) ≈ 11.2 < 26.1 → rising.
    §8.1: space_score / space_favourable_ratio / space_respondents / space_response_rate equal them (a 0.0
    favourable ratio is a series at 0, not absent). §8.3: NAME's page says "6 respondents, a response rate
    of 75.0 %" and shows 100.0, 100.0 %, 6, "rising (from 50.0)", and the quarters 50.0 and 100.0; the
    organisation page 88.6 and "rising (from 62.5)"."""
    got = [
        (
            r["team"],
            r["quarter"],
            r["dimension"],
            r["score"],
            r["favourable"],
            r["respondents"],
            r["response_rate"],
            r["change"],
        )
        for r in outputs.scores
    ]
    want = [
        ("*", Q1, "satisfaction", 62.5, 0.5, 10, 10 / 13, None),
        ("*", Q2, "satisfaction", 975 / 11, 1.0, 11, 11 / 13, "rising"),
        (NAME, Q1, "satisfaction", 50.0, 0.0, 5, 0.625, None),
        (NAME, Q2, "satisfaction", 100.0, 1.0, 6, 0.75, "rising"),
        (PLAIN, Q1, "satisfaction", 75.0, 1.0, 5, 1.0, None),
        (PLAIN, Q2, "satisfaction", 75.0, 1.0, 5, 1.0, "stable"),
    ]
    assert got == [tuple(approx(v) for v in row) for row in want]

    found = parse(outputs.text)
    for team, quarter, dimension, score, favourable, respondents, rate, _ in want:
        with_dimension = frozenset({"team": team, "quarter": quarter, "dimension": dimension}.items())
        team_quarter = frozenset({"team": team, "quarter": quarter}.items())
        assert found.get(("space_score", with_dimension)) == pytest.approx(score, rel=1e-12), (team, quarter)
        assert found.get(("space_favourable_ratio", with_dimension)) == pytest.approx(favourable), (
            team,
            quarter,
        )
        assert found.get(("space_respondents", team_quarter)) == float(respondents), (team, quarter)
        assert found.get(("space_response_rate", team_quarter)) == pytest.approx(rate, rel=1e-12), (
            team,
            quarter,
        )

    for team, line, cells, history in (
        (
            NAME,
            "2026-Q2: 6 respondents, a response rate of 75.0 %.",
            ["100.0", "100.0 %", "6"],
            ["50.0", "100.0"],
        ),
        (
            "*",
            "2026-Q2: 11 respondents, a response rate of 84.6 %.",
            ["88.6", "100.0 %", "11"],
            ["62.5", "88.6"],
        ),
    ):
        space = section(outputs.pages[team], "space")
        assert line in text_of(space), team
        # Two tables hold a "Satisfaction and well-being" row: this quarter's and the history's.
        both = re.findall(r'<tr><th scope="row">Satisfaction and well-being</th>(.*?)</tr>', space, re.S)
        assert len(both) == 2, team
        current, by_quarter = both
        assert num_cells(current) == cells, team
        change = text_of(re.findall(r"<td[^>]*>(.*?)</td>", current)[-1])
        assert change == f"rising (from {history[0]})", team
        assert num_cells(by_quarter) == history, team
