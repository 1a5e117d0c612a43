"""Audit, round 7: the outputs agree where survey rules meet DORA rules (SPEC §6.4, §7.4, §7.5, §8.1, §8.3).

One small store holds DORA facts *and* survey answers, and is read the four ways users read it:
``doraspace metrics --format json`` (§6.4), ``doraspace survey scores --format json`` (§7.5), the
Prometheus text of the snapshot the daemon serves (§8.1, parsed with ``prometheus_client.parser``) and
the HTML pages of ``doraspace report`` (§8.3). Every expected number is worked out by hand below.

Earlier rounds checked survey suppression and DORA numbers mostly in separate stores, or one kind at a
time (test_audit_outputs.py §5, test_audit_round5_outputs.py §9, test_output_pairs.py, round 6's
consistency file with every group shown). What is new here is their meeting in one organisation: a
team whose survey is suppressed while its delivery numbers are shown in full, a team hidden by
differencing in one quarter and shown (without a change) in the next, a team that answers surveys but
owns no repository, a team that deploys but never answered (and has no headcount), and a configured
team with neither (but a headcount, which counts in the organisation's response rate) — each checked in
all four outputs at once.

as_of is 2026-06-30 00:00 UTC (``at(day, hour)`` is 2026-06-<day> <hour>:00 UTC); windows 7d = (06-23,
06-30], 30d = (05-31, 06-30], 90d = (04-01, 06-30]; bands from 90d, dora-2023; attribution 24 h;
``surveys.min_group_size`` 5.

Teams (``teams:``; headcounts 8 + 4 + 6 + 2 = 20, ops has none):

* ``payments`` owns acme/payments and PagerDuty service PP (headcount 8).
    first 03-01 (before every window: counts nowhere, adds no lead time)
    P0 04-15 12:00 ships a direct commit authored 04-14 12:00 → lead 24 h
    P1 05-20 12:00 ships a direct commit authored 05-19 20:00 → 16 h
    P2 06-10 12:00 ships a direct commit authored 06-09 22:00 → 14 h
    P3 06-26 12:00 ships c3, the merge commit of PR 5 (one commit authored 06-25 16:40, opened 06-25
       18:00, reviewed by bob 06-26 02:00, merged 06-26 08:00) → lead 19 h 20 min = 58/3 h; stages
       coding 80 min = 4/3 h, pickup 8 h, review 6 h, deploy 4 h.
    I1 on PP 06-26 13:00 → 13:20, no sha: 1 h after P3, P3 the latest deployment of the service →
       P3 failed by the *window* rule (§6.1 rule 4); recovered at 13:20 → 80 min = 4/3 h; TTR 1/3 h.
       Nothing is rework (no label, revert, rollback; I1 opens after P3).
* ``search`` owns acme/search (headcount 4): first 03-01; S1 06-29 06:00 ships a commit authored 06-28
  10:00 → 20 h.
* ``ops`` owns acme/ops (no headcount) and never answers a survey: first 03-01; O1 05-05 00:00 ships a
  commit authored 05-03 18:00 → 30 h.
* ``research`` owns nothing (headcount 6) and answers surveys.
* ``design`` owns nothing, answers nothing (headcount 2): a team of the config only.

Survey: one item s1 (satisfaction, 5 points, favourable 4–5), the same wording in 2026-Q1 and 2026-Q2;
score = (mean − 1) / 4 × 100 = (mean − 1) × 25 (§7.4).

2026-Q1 answers: payments 5 people [2, 2, 3, 3, 4]; search 3 [1, 1, 2]; research 6 [4, 4, 4, 5, 5, 3].
    search 3 < 5 → suppressed. "*" has 14 ≥ 5 → shown. Suppressed together: 3 < 5 → the smallest shown
    team is suppressed too: payments (5 < 6); now 3 + 5 = 8 ≥ 5 → stop. Shown: research and "*".
    research: mean 25/6 → (19/6) × 25 = 475/6 ≈ 79.17; favourable 5/6; 6 respondents; 6/6 = 1.0.
    "*": mean (14 + 4 + 25)/14 = 43/14 → (29/14) × 25 = 725/14 ≈ 51.79; favourable (1 + 0 + 5)/14 = 3/7;
         14 respondents; response rate 14/20 = 0.7: §7.4 "the organisation row divides by the sum of
         all headcounts", design's (never answered) included; ops has none to add.
2026-Q2 answers: payments 7 [5, 5, 4, 4, 4, 3, 2]; search 4 [1, 2, 2, 1]; research 6 [3, 3, 3, 3, 3, 4].
    search 4 < 5 → suppressed; "*" 17 → shown; suppressed together 4 < 5 → the smallest shown team,
    research (6 < 7), is suppressed too; 4 + 6 = 10 ≥ 5 → stop. Shown: payments and "*".
    payments: mean 27/7 → (20/7) × 25 = 500/7 ≈ 71.43; favourable 5/7; 7; 7/8 = 0.875; change null
         (its 2026-Q1 is not shown: "only where both quarters are shown").
    "*": mean (27 + 6 + 19)/17 = 52/17 → (35/17) × 25 = 875/17 ≈ 51.47; favourable (5 + 0 + 1)/17 = 6/17;
         17; 17/20 = 0.85; change: moved 875/17 − 725/14 ≈ −0.32, less than 5 points → stable.
The hidden groups' figures, which must appear nowhere: payments Q1 45.0 (favourable 1/5, 5 people,
rate 5/8), search Q1 25/3 ≈ 8.33 (0, 3, 3/4), search Q2 12.5 (0, 4, 4/4), research Q2 325/6 ≈ 54.17
(1/6, 6, 6/6).
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import math
import re
from collections.abc import Iterator
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
from store.upsert import upsert
from tests.analytics.facts import Facts, Review, add_incident, at, sha
from tests.analytics.test_space import Survey

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
AS_OF_TEXT = "2026-06-30T00:00:00Z"
HOUR = 3600.0
WINDOWS = ("7d", "30d", "90d")
DAYS = {"7d": 7, "30d": 30, "90d": 90}
BAND_KEYS = ("deployment_frequency", "lead_time", "change_failure_rate", "recovery")
BANDS = ("elite", "high", "medium", "low")
STAGES = ("coding", "pickup", "review", "deploy")
Q1, Q2 = "2026-Q1", "2026-Q2"
MIN = 5
HEADCOUNTS = {"payments": 8, "search": 4, "research": 6, "design": 2}  # ops: none
TOTAL_HEADCOUNT = 20
REPOS = {"payments": "acme/payments", "search": "acme/search", "ops": "acme/ops"}
NOT_ENOUGH = "not enough responses"

# JSON field → /metrics family (§8.1); durations are hours in JSON, seconds in /metrics.
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

# (team, quarter) → the answers of each respondent to s1.
ANSWERS = {
    ("payments", Q1): [2, 2, 3, 3, 4],
    ("search", Q1): [1, 1, 2],
    ("research", Q1): [4, 4, 4, 5, 5, 3],
    ("payments", Q2): [5, 5, 4, 4, 4, 3, 2],
    ("search", Q2): [1, 2, 2, 1],
    ("research", Q2): [3, 3, 3, 3, 3, 4],
}


# -- the store ------------------------------------------------------------------------------------------


def build_store(tmp: Path) -> Path:
    """The organisation of the module docstring, written as the collector and the importer would."""
    url = f"duckdb:///{tmp}/store.duckdb"
    config = tmp / "doraspace.yaml"
    teams = [
        {"name": "payments", "repositories": [REPOS["payments"]], "pagerduty_services": ["PP"]},
        {"name": "search", "repositories": [REPOS["search"]]},
        {"name": "research"},
        {"name": "ops", "repositories": [REPOS["ops"]]},
        {"name": "design"},
    ]
    for team in teams:
        if team["name"] in HEADCOUNTS:
            team["headcount"] = HEADCOUNTS[str(team["name"])]
    config.write_text(
        "database:\n"
        f"  url: {url}\n"
        f"teams: {json.dumps(teams)}\n"
        f"metrics:\n  windows: {json.dumps(list(WINDOWS))}\n  benchmarks: dora-2023\n"
        "incidents:\n  attribution_window: 24h\n"
        f"surveys:\n  min_group_size: {MIN}\n"
    )
    engine = open_store(url)
    try:
        with engine.begin() as conn:
            write_repositories(conn, [RepositoryFact(repo, "main") for repo in REPOS.values()], {}, AS_OF)
        facts = Facts(engine)
        for repo in REPOS.values():
            facts.deployment(
                datetime(2026, 3, 1, tzinfo=UTC), compare="first", sha=sha(f"first-{repo}"), repo=repo
            )

        def ship(repo: str, deployed: datetime, name: str, authored: datetime) -> None:
            change = facts.commit(sha(name), authored, repo=repo)
            facts.deployment(deployed, ships=[change], repo=repo)

        pay = REPOS["payments"]
        ship(pay, datetime(2026, 4, 15, 12, tzinfo=UTC), "p0", datetime(2026, 4, 14, 12, tzinfo=UTC))
        ship(pay, datetime(2026, 5, 20, 12, tzinfo=UTC), "p1", datetime(2026, 5, 19, 20, tzinfo=UTC))
        ship(pay, at(10, 12), "p2", at(9, 22))
        c3 = facts.commit(sha("c3"), at(26, 8), repo=pay)
        facts.pull_request(
            5,
            created_at=at(25, 18),
            merged_at=at(26, 8),
            merge_commit_sha=c3,
            commit_dates=[at(25, 16 + 40 / 60)],
            reviews=[Review("bob", at(26, 2))],
            author="alice",
            repo=pay,
        )
        facts.deployment(at(26, 12), ships=[c3], repo=pay)
        add_incident(facts, "I1", at(26, 13), resolved_at=at(26, 13 + 20 / 60), service="PP", title="5xx")
        ship(REPOS["search"], at(29, 6), "s1", at(28, 10))
        ship(REPOS["ops"], datetime(2026, 5, 5, tzinfo=UTC), "o1", datetime(2026, 5, 3, 18, tzinfo=UTC))

        survey = Survey(engine)
        for quarter in (Q1, Q2):
            survey.item(quarter, "s1", "satisfaction", wording="I am satisfied with my tools")
        # Responses and answers as the importer stores them (pseudonyms here are plain ids), one write each.
        people = [
            (team, quarter, f"{team}-{quarter}-{number}", answer)
            for (team, quarter), answers in ANSWERS.items()
            for number, answer in enumerate(answers)
        ]
        with engine.begin() as conn:
            upsert(
                conn,
                schema.survey_responses,
                [
                    {"survey": "devex", "quarter": q, "respondent": r, "team": t, "submitted_at": None}
                    for t, q, r, _ in people
                ],
            )
            upsert(
                conn,
                schema.survey_answers,
                [
                    {"survey": "devex", "quarter": q, "respondent": r, "item_id": "s1", "value": a}
                    for _, q, r, a in people
                ],
            )
    finally:
        engine.dispose()
    return config


@dataclass(frozen=True)
class Outputs:
    config: Path
    rows: list[dict[str, Any]]  # doraspace metrics --format json
    scores: list[dict[str, Any]]  # doraspace survey scores --format json
    text: str  # /metrics
    pages: dict[str, str]  # team ("*" for the organisation, "index") → page


def run_cli(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv), now=AS_OF)
    assert status == 0, err.getvalue()
    return out.getvalue()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outputs]:
    tmp = tmp_path_factory.mktemp("round7")
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
        pages[team] = (out / file).read_text(encoding="utf-8")
    yield Outputs(config_path, rows, scores, text, pages)


# -- reading ----------------------------------------------------------------------------------------------

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = (sample.name, frozenset(sample.labels.items()))
            assert key not in found, key
            found[key] = sample.value
    return found


def key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return name, frozenset(labels.items())


def section(page: str, anchor: str) -> str | None:
    match = re.search(rf'<section id="{anchor}".*?</section>', page, re.S)
    return None if match is None else match.group(0)


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", " ", fragment))).strip()


def table_rows(fragment: str) -> list[tuple[str, list[str]]]:
    """Every row with a row header: (header text, its <td> texts), in page order."""
    return [
        (text_of(head), [text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)])
        for head, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', fragment, re.S)
    ]


def without_notes(fragment: str) -> str:
    """A section without its general explanatory notes (they hold no figure of a group)."""
    return re.sub(r'<p class="note">.*?</p>', "", fragment, flags=re.S)


def approx(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: approx(inner) for k, inner in value.items()}
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-9)
    return value


# -- expected DORA values, by hand ----------------------------------------------------------------------

NULL_STAGES = dict.fromkeys(STAGES)
PR5 = {"coding": 4 / 3, "pickup": 8.0, "review": 6.0, "deploy": 4.0}
LEAD_P3 = 58 / 3  # 06-25 16:40 → 06-26 12:00
TEAM_BANDS = {
    # 90d: 4/90 ≥ 1/30 → medium; 53/3 h < 1 day → elite; 1/4 > 15 % → low; 4/3 h: ≥ 1 h, < 1 day → high.
    "payments": {
        "deployment_frequency": "medium",
        "lead_time": "elite",
        "change_failure_rate": "low",
        "recovery": "high",
    },
    # 90d: 1/90 < 1/30 → low; 20 h → elite; 0 → elite; no failure, no incident → no recovery band.
    "search": {
        "deployment_frequency": "low",
        "lead_time": "elite",
        "change_failure_rate": "elite",
        "recovery": None,
    },
    # 90d: 1/90 → low; 30 h: ≥ 1 day, < 1 week → high; 0 → elite; nothing to recover → null.
    "ops": {
        "deployment_frequency": "low",
        "lead_time": "high",
        "change_failure_rate": "elite",
        "recovery": None,
    },
    # 90d: 6/90 → medium; 59/3 h → elite; 1/6 ≈ 16.7 % > 15 % → low; 4/3 h → high.
    "*": {
        "deployment_frequency": "medium",
        "lead_time": "elite",
        "change_failure_rate": "low",
        "recovery": "high",
    },
}


def expected(
    team: str,
    window: str,
    deployments: int,
    lead: tuple[float, float] | None,
    cfr: float | None,
    recovery: float | None,
    ttr: float | None,
    incidents: int,
    rework: float | None,
    stages: dict[str, float | None],
) -> dict[str, Any]:
    return {
        "team": team,
        "window": window,
        "as_of": AS_OF_TEXT,
        "deployments": deployments,
        "deployment_frequency_per_day": deployments / DAYS[window],
        "lead_time_hours_p50": None if lead is None else lead[0],
        "lead_time_hours_p90": None if lead is None else lead[1],
        "change_failure_rate": cfr,
        "failed_deployment_recovery_hours_p50": recovery,
        "time_to_restore_hours_p50": ttr,
        "time_to_restore_hours_p90": ttr,
        "incidents": incidents,
        "rework_rate": rework,
        "lead_time_breakdown_hours_p50": stages,
        "bands": TEAM_BANDS[team],
    }


EXPECTED_ROWS = [
    # "*" 7d: P3, S1 → 2/7; leads [58/3, 20] → p50 59/3, p90 58/3 + 0.9 × 2/3 = 19.9333; CFR 1/2 (P3);
    #   recovery 4/3 (P3); I1 started and resolved in the window → 1 incident, TTR 1/3; rework 0/2.
    expected("*", "7d", 2, (59 / 3, 58 / 3 + 0.6), 0.5, 4 / 3, 1 / 3, 1, 0.0, PR5),
    # 30d: P2, P3, S1 → 3/30; leads [14, 58/3, 20] → p50 58/3, p90 58/3 + 0.8 × 2/3 = 19.8667; CFR 1/3.
    expected("*", "30d", 3, (58 / 3, 58 / 3 + 1.6 / 3), 1 / 3, 4 / 3, 1 / 3, 1, 0.0, PR5),
    # 90d: P0–P3, S1, O1 → 6/90; leads [14, 16, 58/3, 20, 24, 30] → p50 (58/3 + 20)/2 = 59/3,
    #   p90 at rank 0.9 × 5 = 4.5: 24 + 0.5 × 6 = 27; CFR 1/6.
    expected("*", "90d", 6, (59 / 3, 27.0), 1 / 6, 4 / 3, 1 / 3, 1, 0.0, PR5),
    # ops never deploys in 7d/30d: counts 0, every ratio and percentile null (never 0).
    expected("ops", "7d", 0, None, None, None, None, 0, None, NULL_STAGES),
    expected("ops", "30d", 0, None, None, None, None, 0, None, NULL_STAGES),
    # 90d: O1 (05-05) → 1/90, lead 30 h; CFR 0/1; rework 0/1; no PR → no breakdown.
    expected("ops", "90d", 1, (30.0, 30.0), 0.0, None, None, 0, 0.0, NULL_STAGES),
    # payments 7d: P3 only → 1/7; lead 58/3 at p50 and p90; CFR 1/1; recovery 4/3; TTR 1/3.
    expected("payments", "7d", 1, (LEAD_P3, LEAD_P3), 1.0, 4 / 3, 1 / 3, 1, 0.0, PR5),
    # 30d: P2, P3 → 2/30; leads [14, 58/3] → p50 50/3, p90 14 + 0.9 × 16/3 = 18.8; CFR 1/2.
    expected("payments", "30d", 2, (50 / 3, 18.8), 0.5, 4 / 3, 1 / 3, 1, 0.0, PR5),
    # 90d: P0–P3 → 4/90; leads [14, 16, 58/3, 24] → p50 (16 + 58/3)/2 = 53/3, p90 at rank 2.7:
    #   58/3 + 0.7 × 14/3 = 22.6; CFR 1/4.
    expected("payments", "90d", 4, (53 / 3, 22.6), 0.25, 4 / 3, 1 / 3, 1, 0.0, PR5),
    # search: S1 (06-29 06:00) in every window → 1/N, lead 20 h, CFR 0/1, rework 0/1, no incident.
    *[expected("search", w, 1, (20.0, 20.0), 0.0, None, None, 0, 0.0, NULL_STAGES) for w in WINDOWS],
]


# -- expected survey rows, by hand ------------------------------------------------------------------------

SCORE_COLUMNS = (
    "team",
    "quarter",
    "dimension",
    "score",
    "favourable",
    "respondents",
    "response_rate",
    "change",
)
EXPECTED_SCORES = [
    ("*", Q1, "satisfaction", 725 / 14, 3 / 7, 14, 14 / TOTAL_HEADCOUNT, None),
    ("*", Q2, "satisfaction", 875 / 17, 6 / 17, 17, 17 / TOTAL_HEADCOUNT, "stable"),
    ("payments", Q2, "satisfaction", 500 / 7, 5 / 7, 7, 7 / 8, None),
    ("research", Q1, "satisfaction", 475 / 6, 5 / 6, 6, 1.0, None),
]
# (team, quarter) of every hidden group → its score, which no output may carry.
HIDDEN = {
    ("payments", Q1): 45.0,  # (14/5 − 1) × 25
    ("search", Q1): 25 / 3,  # (4/3 − 1) × 25
    ("search", Q2): 12.5,  # (6/4 − 1) × 25
    ("research", Q2): 325 / 6,  # (19/6 − 1) × 25
}


# -- 1. the two JSON outputs, by hand ---------------------------------------------------------------------


def test_metrics_json_by_hand_with_survey_suppression_changing_nothing_of_delivery(outputs: Outputs) -> None:
    """§6.2–§6.4 with the arithmetic of EXPECTED_ROWS. The rows are the organisation and the teams that own
    a repository (docs/metrics.md "Every team owning a repository or a collected PagerDuty service gets a
    row"): "*", ops, payments, search — sorted "*" first, then by team, then by window length. search's
    survey is suppressed in both quarters and payments' in 2026-Q1, yet their delivery numbers are there
    in full (§7.4 hides survey groups, nothing else); research (surveys only) and design (nothing) get
    no DORA row, and asking for research gives an empty array, not an error and not zeros."""
    got = [{k: row[k] for k in EXPECTED_ROWS[0]} for row in outputs.rows]
    assert [(r["team"], r["window"]) for r in got] == [(r["team"], r["window"]) for r in EXPECTED_ROWS]
    for row, want in zip(got, EXPECTED_ROWS, strict=True):
        assert row == approx(want), (want["team"], want["window"])
    out = run_cli(
        "metrics", "--config", str(outputs.config), "--format", "json", "--team", "research", "--window", "7d"
    )
    assert json.loads(out) == []


def test_survey_scores_json_by_hand_with_both_suppressions_and_every_headcount(outputs: Outputs) -> None:
    """§7.4/§7.5 with the arithmetic of the module docstring: only the shown groups, sorted by team
    ("*" first), quarter, dimension. "*" counts every respondent (14, then 17: suppressed teams included)
    and divides by the sum of all headcounts, 8 + 4 + 6 + 2 = 20: design (configured, never answered)
    counts there like the others, and ops (deploys, never answered, no headcount) makes no rate null,
    since no respondent of it is in the numerator (docs/metrics.md "null where a headcount is missing"
    is read per row; SPEC's "sum of all headcounts" is the sum of those there are). Q1 14/20 = 0.7, Q2
    17/20 = 0.85. payments 2026-Q2 has no change (its 2026-Q1 was hidden by
    differencing); "*" moved −0.32 points → stable. No row for search, for payments 2026-Q1, for research
    2026-Q2, nor for ops or design."""
    got = [tuple(row[column] for column in SCORE_COLUMNS) for row in outputs.scores]
    assert got == [tuple(approx(value) for value in row) for row in EXPECTED_SCORES]
    assert all(list(row) == list(SCORE_COLUMNS) for row in outputs.scores)


def test_one_team_or_one_quarter_of_the_scores_is_the_same_slice_of_the_whole(outputs: Outputs) -> None:
    """§2 ``survey scores [--team T] [--quarter Q]``: a filter only selects rows, so each answer equals the
    matching rows of the full JSON. ``--quarter 2026-Q2`` still reads 2026-Q1 for "*"'s change (stable)
    and still hides research there by differencing; ``--team payments --quarter 2026-Q1`` (hidden by
    differencing) and ``--team`` search, ops, design are empty; research gives its 2026-Q1 row only."""
    base = ("survey", "scores", "--config", str(outputs.config), "--format", "json")
    q2 = json.loads(run_cli(*base, "--quarter", Q2))
    assert q2 == [row for row in outputs.scores if row["quarter"] == Q2]
    assert [row["change"] for row in q2] == ["stable", None]
    for team in ("payments", "research", "search", "ops", "design"):
        assert json.loads(run_cli(*base, "--team", team)) == [r for r in outputs.scores if r["team"] == team]
    assert json.loads(run_cli(*base, "--team", "payments", "--quarter", Q1)) == []


# -- 2. /metrics equals the JSON -------------------------------------------------------------------------


def dora_series_of_row(row: dict[str, Any]) -> Samples:
    """The dora_* series (but dora_band) §8.1 asks for a JSON row: hours × 3600, null → no series."""
    labels = {"team": row["team"], "window": row["window"]}
    found: Samples = {}
    for field, family in PLAIN_FIELDS.items():
        if row[field] is not None:
            found[key(family, **labels)] = float(row[field])
    for field, (family, percentile) in DURATION_FIELDS.items():
        if row[field] is not None:
            found[key(family, **labels, percentile=percentile)] = row[field] * HOUR
    for stage, hours in row["lead_time_breakdown_hours_p50"].items():
        if hours is not None:
            found[key("dora_lead_time_breakdown_seconds", **labels, stage=stage, percentile="50")] = (
                hours * HOUR
            )
    return found


def test_dora_series_are_the_json_rows_and_none_exists_for_survey_only_teams(outputs: Outputs) -> None:
    """§8.1: the dora_* samples are exactly the non-null fields of the JSON rows, hours → seconds (e.g.
    payments 30d lead p90 18.8 h = 67680 s, recovery 4/3 h = 4800 s), no NaN; dora_band is 1 for the
    JSON band and 0 for the three others, absent where the band is null (search and ops recovery). The
    teams of the dora_* series are exactly those of the JSON — a team's suppressed survey takes nothing
    away, and research and design (no repository, no PagerDuty service) have none."""
    found = parse(outputs.text)
    assert not any(math.isnan(value) for value in found.values())
    dora = {k: v for k, v in found.items() if k[0].startswith("dora_") and k[0] != "dora_band"}
    want: Samples = {}
    for row in outputs.rows:
        want.update(dora_series_of_row(row))
    assert set(dora) == set(want), set(dora) ^ set(want)
    for series, value in want.items():
        assert dora[series] == pytest.approx(value, rel=1e-9), series
    assert dora[
        key("dora_lead_time_seconds", team="payments", window="30d", percentile="90")
    ] == pytest.approx(18.8 * HOUR)
    bands = {k: v for k, v in found.items() if k[0] == "dora_band"}
    want_bands = {
        key("dora_band", team=team, metric=metric, band=band): float(band == team_bands[metric])
        for team, team_bands in TEAM_BANDS.items()
        for metric in BAND_KEYS
        if team_bands[metric] is not None
        for band in BANDS
    }
    assert bands == want_bands
    dora_teams = {dict(labels)["team"] for name, labels in found if name.startswith("dora_")}
    assert dora_teams == {row["team"] for row in outputs.rows} == {"*", "ops", "payments", "search"}


def test_space_series_are_exactly_the_shown_groups_of_the_json(outputs: Outputs) -> None:
    """§8.1 ``space_score``/``space_favourable_ratio`` per team, dimension, quarter and ``space_respondents``
    /``space_response_rate`` per team and quarter, for the shown groups only (§7.4 "no score, no count,
    nowhere"): the four JSON rows and the four shown team-quarters (* Q1 14, * Q2 17, payments Q2 7,
    research Q1 6), unrounded, and nothing else — no series for search, ops or design (not even a
    response rate of 0 for design, which would tell a team that did not answer from a suppressed one),
    none for payments Q1
    or research Q2, and no hidden group's score as the value of any space_* sample."""
    found = parse(outputs.text)
    space = {k: v for k, v in found.items() if k[0].startswith("space_")}
    want: Samples = {}
    for team, quarter, dimension, score, favourable, respondents, rate, _ in EXPECTED_SCORES:
        want[key("space_score", team=team, dimension=dimension, quarter=quarter)] = score
        want[key("space_favourable_ratio", team=team, dimension=dimension, quarter=quarter)] = favourable
        want[key("space_respondents", team=team, quarter=quarter)] = float(respondents)
        want[key("space_response_rate", team=team, quarter=quarter)] = rate
    assert set(space) == set(want), set(space) ^ set(want)
    for series, value in want.items():
        assert space[series] == pytest.approx(value, rel=1e-12), series
    for value in HIDDEN.values():
        assert not [k for k, v in space.items() if v == pytest.approx(value, rel=1e-9)], value


# -- 3. no output gives away a hidden group ---------------------------------------------------------------


def test_the_organisation_minus_the_shown_teams_never_leaves_a_group_below_min_group_size(
    outputs: Outputs,
) -> None:
    """§7.4 differencing, read the way someone would attack it: per quarter, the organisation's respondents
    minus those of every shown team is what the hidden teams hold together. In every output it is the
    same and at least min_group_size: 2026-Q1 14 − 6 (research) = 8 (payments 5 + search 3), 2026-Q2
    17 − 7 (payments) = 10 (search 4 + research 6). The JSON respondents, the space_respondents samples
    and the "N respondents" lines of the pages agree on every shown team-quarter."""
    found = parse(outputs.text)
    rest: dict[str, dict[str, int]] = {}
    for source in ("json", "metrics", "report"):
        counts: dict[tuple[str, str], int] = {}
        if source == "json":
            counts = {(r["team"], r["quarter"]): r["respondents"] for r in outputs.scores}
        elif source == "metrics":
            counts = {
                (dict(labels)["team"], dict(labels)["quarter"]): int(value)
                for (name, labels), value in found.items()
                if name == "space_respondents"
            }
        else:
            for team, page in outputs.pages.items():
                if team == "index":
                    continue
                space = section(page, "space")
                assert space is not None, team
                for quarter, people in re.findall(r"(\d{4}-Q\d): (\d+) respondents", text_of(space)):
                    counts[(team, quarter)] = int(people)
        assert set(counts) == {("*", Q1), ("*", Q2), ("payments", Q2), ("research", Q1)} - (
            # A page states the respondents of its latest quarter only (the history has scores).
            {("*", Q1), ("research", Q1)} if source == "report" else set()
        ), source
        rest[source] = {
            quarter: counts[("*", quarter)]
            - sum(n for (t, q), n in counts.items() if q == quarter and t != "*")
            for quarter in (Q1, Q2)
            if ("*", quarter) in counts
        }
    assert rest == {"json": {Q1: 8, Q2: 10}, "metrics": {Q1: 8, Q2: 10}, "report": {Q2: 10}}
    assert min(rest["json"].values()) >= MIN


def test_a_team_that_never_answered_looks_like_a_suppressed_one_in_every_output(outputs: Outputs) -> None:
    """docs/metrics.md: "A team that did not take part looks the same as a suppressed one, on purpose".
    ops (deploys, never answered) and search (deploys, answered, suppressed in both quarters) have their
    delivery numbers everywhere, and the same survey absence everywhere: no JSON score row, an empty
    ``survey scores --team``, no space_* series, and SPACE sections of their pages that are identical,
    saying "2026-Q2: not enough responses." with no figure and no per-quarter history (which would show
    "not enough responses" twice for search and tell the two apart). The same holds for the report's
    numbers of other teams: neither page holds any hidden group's score."""
    found = parse(outputs.text)
    sections = {}
    for team in ("ops", "search"):
        assert any(row["team"] == team for row in outputs.rows), team
        assert not [row for row in outputs.scores if row["team"] == team], team
        assert not [
            labels for name, labels in found if name.startswith("space_") and ("team", team) in labels
        ]
        assert [name for name, labels in found if name == "dora_deployments" and ("team", team) in labels]
        page = outputs.pages[team]
        assert section(page, "metrics") is not None, team
        space = section(page, "space")
        assert space is not None, team
        sections[team] = space
    assert sections["ops"] == sections["search"]
    shown = text_of(without_notes(sections["ops"]))
    assert shown.startswith(f"SPACE survey scores {Q2}: {NOT_ENOUGH}. Scores are shown only for groups")
    assert not re.search(r"\d", shown.replace(Q2, "")), shown


# -- 4. the HTML report -------------------------------------------------------------------------------------

# The metrics table per window (7d, 30d, 90d), written from the JSON values as dashboards/reports/keys.py
# writes numbers for people: hours < 48 → "N.N h"; ratios × 100 → "N.N %"; frequency per day ≥ 1, per week
# ≥ 1/7, else per month (× 30); null → "n/a", 0 per day → "none".
CELLS = {
    "payments": {
        "Deployment frequency": ["1.0 / week", "2.0 / month", "1.3 / month"],  # 1/7; 2/30 × 30; 4/90 × 30
        "Lead time for changes (p50)": ["19.3 h", "16.7 h", "17.7 h"],  # 58/3, 50/3, 53/3
        "Lead time for changes (p90)": ["19.3 h", "18.8 h", "22.6 h"],
        "Change failure rate": ["100.0 %", "50.0 %", "25.0 %"],
        "Failed deployment recovery (p50)": ["1.3 h", "1.3 h", "1.3 h"],  # 4/3 h
        "Rework rate": ["0.0 %", "0.0 %", "0.0 %"],
        "Deployments": ["1", "2", "4"],
    },
    "search": {
        "Deployment frequency": ["1.0 / week", "1.0 / month", "0.3 / month"],  # 1/7; 1/30 × 30; 1/90 × 30
        "Lead time for changes (p50)": ["20.0 h"] * 3,
        "Lead time for changes (p90)": ["20.0 h"] * 3,
        "Change failure rate": ["0.0 %"] * 3,
        "Failed deployment recovery (p50)": ["n/a"] * 3,
        "Rework rate": ["0.0 %"] * 3,
        "Deployments": ["1"] * 3,
    },
    "ops": {
        "Deployment frequency": ["none", "none", "0.3 / month"],
        "Lead time for changes (p50)": ["n/a", "n/a", "30.0 h"],
        "Lead time for changes (p90)": ["n/a", "n/a", "30.0 h"],
        "Change failure rate": ["n/a", "n/a", "0.0 %"],
        "Failed deployment recovery (p50)": ["n/a"] * 3,
        "Rework rate": ["n/a", "n/a", "0.0 %"],
        "Deployments": ["0", "0", "1"],
    },
    "*": {
        "Deployment frequency": ["2.0 / week", "3.0 / month", "2.0 / month"],  # 2/7 × 7; 0.1 × 30; 6/90 × 30
        "Lead time for changes (p50)": ["19.7 h", "19.3 h", "19.7 h"],  # 59/3, 58/3, 59/3
        "Lead time for changes (p90)": ["19.9 h", "19.9 h", "27.0 h"],  # 19.933, 19.867, 27
        "Change failure rate": ["50.0 %", "33.3 %", "16.7 %"],
        "Failed deployment recovery (p50)": ["1.3 h", "1.3 h", "1.3 h"],
        "Rework rate": ["0.0 %"] * 3,
        "Deployments": ["2", "3", "6"],
    },
}
BAND_ROWS = {
    "deployment_frequency": "Deployment frequency",
    "lead_time": "Lead time for changes (p50)",
    "change_failure_rate": "Change failure rate",
    "recovery": "Failed deployment recovery (p50)",
}


def band_of(cell_html: str) -> str | None:
    match = re.search(r'class="band band-(\w+)"', cell_html)
    return None if match is None or match.group(1) == "none" else match.group(1)


@pytest.mark.parametrize("team", ["payments", "search", "ops", "*"])
def test_each_page_shows_its_json_rows_rounded_beside_its_bands(outputs: Outputs, team: str) -> None:
    """§8.3 "the five metrics with their bands": each cell is the team's JSON value of that window written
    for people (CELLS above); the band badges are the JSON bands; the breakdown (payments and "*": PR 5,
    coding 80 min = "1.3 h", pickup "8.0 h", review "6.0 h", deploy "4.0 h" in every window) and the
    incidents table (payments and "*": 1 incident, TTR 20 min at p50 and p90) follow the JSON too. The
    survey rules change nothing here: search's and payments' pages show their delivery numbers in full."""
    page = outputs.pages[team]
    metrics = section(page, "metrics")
    assert metrics is not None
    rows = dict(table_rows(metrics))
    for title, want in CELLS[team].items():
        assert rows[title][:3] == want, (team, title)
    raw = dict(re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', metrics, re.S))
    assert {metric: band_of(raw[title]) for metric, title in BAND_ROWS.items()} == TEAM_BANDS[team]
    breakdown = dict(table_rows(section(page, "breakdown") or ""))
    incidents = dict(table_rows(section(page, "incidents") or ""))
    if team in ("payments", "*"):
        assert breakdown == {
            "Coding": ["1.3 h"] * 3,
            "Pickup": ["8.0 h"] * 3,
            "Review": ["6.0 h"] * 3,
            "Deploy": ["4.0 h"] * 3,
        }
        assert incidents == {window: ["1", "20 min", "20 min"] for window in WINDOWS}
    else:
        assert breakdown == {stage.capitalize(): ["n/a"] * 3 for stage in STAGES}
        assert incidents == {window: ["0", "n/a", "n/a"] for window in WINDOWS}


def test_the_index_lists_the_survey_only_team_without_delivery_figures(outputs: Outputs) -> None:
    """§8.3 "an index page and one HTML page per team": the index rows are "*", then the teams by name,
    research included (it has shown survey scores, so a page: test_audit_outputs.py). Delivery cells are
    band + 90d value from the JSON for the teams with rows, and "no data" for research, whose page has
    no metrics table and whose "What stands out" has no delivery sentence. design (no repository, no
    shown survey group) has neither a row nor a page."""
    index = section(outputs.pages["index"], "teams")
    assert index is not None
    got = {}
    for head, cells_html in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', index, re.S):
        cells = re.findall(r"<td>(.*?)</td>", cells_html, re.S)
        got[text_of(head)] = [
            (band_of(c), text_of(re.sub(r'<span class="band.*?</span>', "", c))) for c in cells
        ]
    assert list(got) == ["Organisation", "ops", "payments", "research", "search"]
    assert got == {
        "Organisation": [
            ("medium", "2.0 / month"),
            ("elite", "19.7 h"),
            ("low", "16.7 %"),
            ("high", "1.3 h"),
        ],
        "ops": [("low", "0.3 / month"), ("high", "30.0 h"), ("elite", "0.0 %"), (None, "n/a")],
        "payments": [("medium", "1.3 / month"), ("elite", "17.7 h"), ("low", "25.0 %"), ("high", "1.3 h")],
        "research": [(None, "no data")] * 4,
        "search": [("low", "0.3 / month"), ("elite", "20.0 h"), ("elite", "0.0 %"), (None, "n/a")],
    }
    research = outputs.pages["research"]
    assert section(research, "metrics") is None and section(research, "failed") is None
    assert (
        text_of(section(research, "standout") or "")
        == "What stands out This snapshot holds no metrics for this team."
    )
    assert "design" not in outputs.pages


def space_of(outputs: Outputs, team: str) -> str:
    page = outputs.pages[team]
    space = section(page, "space")
    assert space is not None, team
    return space


def test_space_sections_show_the_json_scores_rounded_and_hidden_quarters_without_a_figure(
    outputs: Outputs,
) -> None:
    """§8.3 "the SPACE scores with their quarter-over-quarter change", from the same rows as the JSON and
    /metrics, each score to one decimal and each ratio as a percentage to one decimal:
      "*":       "2026-Q2: 17 respondents, a response rate of 85.0 %." (17/20); 875/17 → "51.5",
                 6/17 → "35.3 %", 17, "stable (from 51.8)" (725/14 = 51.79); by quarter "51.8", "51.5".
      payments:  "2026-Q2: 7 respondents, a response rate of 87.5 %."; 500/7 → "71.4", 5/7 → "71.4 %", 7;
                 its change cell names no earlier score and no direction (the JSON change is null: its
                 2026-Q1 was hidden by differencing); by quarter "not enough responses", "71.4".
      research:  "2026-Q2: not enough responses." (hidden by differencing) with no count and no rate;
                 by quarter 475/6 → "79.2", then "not enough responses".
    The rounding is the JSON's value written with one decimal (f"{x:.1f}"), the same for every team."""
    json_rows = {(r["team"], r["quarter"]): r for r in outputs.scores}

    star = space_of(outputs, "*")
    assert f"{Q2}: 17 respondents, a response rate of 85.0 %." in text_of(star)
    (current, history) = [
        cells for title, cells in table_rows(star) if title == "Satisfaction and well-being"
    ]
    assert current == ["51.5", "35.3 %", "17", "stable (from 51.8)"]
    assert history == ["51.8", "51.5"]
    assert (
        current[0] == f"{json_rows['*', Q2]['score']:.1f}"
        and history[0] == f"{json_rows['*', Q1]['score']:.1f}"
    )
    assert f"{json_rows['*', Q2]['response_rate'] * 100:.1f} %" == "85.0 %"

    payments = space_of(outputs, "payments")
    assert f"{Q2}: 7 respondents, a response rate of 87.5 %." in text_of(payments)
    (current, history) = [
        cells for title, cells in table_rows(payments) if title == "Satisfaction and well-being"
    ]
    assert (
        current[:3]
        == ["71.4", "71.4 %", "7"]
        == [
            f"{json_rows['payments', Q2]['score']:.1f}",
            f"{json_rows['payments', Q2]['favourable'] * 100:.1f} %",
            str(json_rows["payments", Q2]["respondents"]),
        ]
    )
    assert not re.search(r"\d|rising|stable|falling", current[3]), current[3]
    assert history == [NOT_ENOUGH, "71.4"]

    research = space_of(outputs, "research")
    shown = text_of(without_notes(research))
    assert f"{Q2}: {NOT_ENOUGH}." in shown and "respondents" not in shown and "%" not in shown
    assert table_rows(research) == [("Satisfaction and well-being", ["79.2", NOT_ENOUGH])]
    assert f"{json_rows['research', Q1]['score']:.1f}" == "79.2"


def test_no_page_shows_a_hidden_groups_figure(outputs: Outputs) -> None:
    """§7.4 "no score, no count, nowhere (… reports …)": the hidden groups' figures written as a page
    writes them — payments 2026-Q1 score "45.0", favourable "20.0" %, 5 people, rate "62.5" %; search
    "8.3" and "12.5", 3 and 4 people, rate "75.0" %; research 2026-Q2 "54.2", "16.7" % — appear in no
    page's SPACE section: every figure there (general notes aside) is one of the shown rows' scores,
    favourable shares, respondents or response rates (or the "0–100" of the table head)."""
    allowed = {"0", "100"}
    for _, _, _, score, favourable, respondents, rate, _ in EXPECTED_SCORES:
        allowed |= {f"{score:.1f}", f"{favourable * 100:.1f}", str(respondents), f"{rate * 100:.1f}"}
    hidden = {"45.0", "20.0", "5", "62.5", "8.3", "12.5", "3", "4", "75.0", "54.2", "16.7"}
    assert not allowed & hidden
    for team in outputs.pages:
        if team == "index":
            continue
        space = text_of(without_notes(space_of(outputs, team)))
        figures = set(re.findall(r"\d+(?:\.\d+)?", re.sub(r"\d{4}-Q\d", "", space)))
        assert figures <= allowed, (team, figures - allowed)
