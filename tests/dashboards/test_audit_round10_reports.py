"""Audit, round 10: the per-team HTML reports (SPEC §8.3) read field by field against ``doraspace metrics
--format json`` and ``doraspace survey scores --format json`` of the same store and as-of, where two rules
meet.

One DuckDB store (``tests.analytics.facts`` for the delivery facts, ``tests.analytics.test_space.Survey``
for the survey answers), read by the CLI in process with its clock at AS_OF: ``metrics --format json
--as-of AS_OF``, ``survey scores --format json`` and ``report --out`` (whose as-of is its clock, AS_OF).
Pages are read with regexes on their well-defined elements (``<section id>``, ``<tr><th scope="row">``).

Earlier rounds already pin: the null-vs-0 of a team without deployments in a window, bands exactly on
24 h / 15 % / 1 h in JSON and /metrics, a null deploy stage, the failed list with "not yet", suppressed
team-quarters and a dimension suppressed alone. New here, each worked out by hand below:

* values on either side of a *display* boundary beside their band: 23.99 h (elite) and 24 h (high) both
  written "24.0 h"; a recovery of 59 min 59 s (elite, < 1 h) written "60 min"; a lead-time p50 of
  48.25 h written in days ("2.0 d") while 47.75 would be "47.8 h"; a frequency of exactly 1/7 per day;
* the lead-time breakdown of a window whose only PR has a self-review and a review after its merge (no
  pickup, no review stage: "n/a") next to a window where another PR gives those stages, and the
  organisation's breakdown pooled over every team's PRs (not a median of the teams' medians);
* a rollback deployed after as_of, which must add no rule to the failed deployment it would roll back;
* SPACE: rising and falling on two dimensions of one team at once, and a third dimension suppressed for
  that team (3 respondents) which, by per-dimension differencing (docs/metrics.md "per dimension as
  well"), also hides a 7-respondent team's same dimension; both pages must show no figure for it.

as_of AS_OF = 2026-06-30 00:00 UTC; windows 7d = (06-23, 06-30], 30d = (05-31, 06-30], 90d = (04-01,
06-30]; bands from 90d, dora-2023; attribution window 24 h; surveys.min_group_size 5.
``at(day, hour)`` is 2026-06-<day> <hour>:00 UTC.

Teams (``teams:``): alpha owns acme/alpha and PagerDuty service PA (headcount 8); beta owns acme/beta
(headcount 5); gamma owns acme/gamma (headcount 10). Each repository's first deployment is 2025-12-01
(compare ``first``: before every window, adds no lead time).

alpha
  A1 05-10 00:30 ships m11, the merge commit of PR 11: first commit 05-06 23:30, opened 05-07 06:00,
     reviewed by bob 07:30, merged 12:30. Lead 05-10 00:30 − 05-06 23:30 = 73 h; stages coding 6.5 h,
     pickup 1.5 h, review 5 h, deploy 60 h.
  A2 06-26 00:00 ships m12, the merge commit of PR 12 (author alice): first commit 06-25 00:30, opened
     01:00, reviewed by alice herself at 02:00 (not "someone other than the author"), merged 12:00,
     reviewed by carol 06-26 01:00 (after the merge: no first review, docs/metrics.md). Lead 23.5 h;
     coding 0.5 h, no pickup, no review, deploy 12 h.
  I1 on PA 06-26 00:10 → 00:59:59, no sha: 10 min after A2, A2 the latest deployment of the service →
     A2 failed by *window* (§6.1 rule 4); recovery 00:00 → 00:59:59 = 3599/3600 h; TTR 2999/3600 h.
  A3 07-01 00:00 (after as_of) a rollback (``behind``) of A2: as of as_of it has not happened, so A2 is
     found by *window* only and its recovery stays 3599/3600 h.
beta
  B1 06-10 00:00 ships a direct commit authored 06-09 00:00:30 → lead 24 h − 30 s = 86370/3600 h.
gamma
  G1 06-14 23:30 ships m31, the merge commit of PR 31: first commit 06-13 23:30, opened 06-14 02:00,
     reviewed by dave 02:30, merged 05:30. Lead exactly 24 h; coding 2.5, pickup 0.5, review 3, deploy 18.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from collector.models import RepositoryFact
from collector.writer import write_repositories
from doraspace.cli import main
from store import schema
from store.engine import open_store
from store.upsert import upsert
from tests.analytics.facts import Facts, Review, add_incident, at, sha
from tests.analytics.test_space import Survey

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
AS_OF_TEXT = "2026-06-30T00:00:00Z"
PREVIOUS_AS_OF = "2026-04-01T00:00:00Z"  # AS_OF − 90 days: the previous period of the reports
WINDOWS = ("7d", "30d", "90d")
DAYS = {"7d": 7, "30d": 30, "90d": 90}
STAGES = ("coding", "pickup", "review", "deploy")
Q1, Q2 = "2026-Q1", "2026-Q2"
REPOS = {"alpha": "acme/alpha", "beta": "acme/beta", "gamma": "acme/gamma"}
HEADCOUNTS = {"alpha": 8, "beta": 5, "gamma": 10}
NOT_ENOUGH = "not enough responses"

RECOVERY = 3599 / 3600  # A2 00:00 → I1 resolved 00:59:59
TTR = 2999 / 3600  # I1 00:10 → 00:59:59
LEAD_B1 = 86370 / 3600  # 24 h − 30 s

# Survey answers (one item per dimension, 5 points, favourable 4–5; score = (mean − 1) × 25).
# (team, quarter, item) → each respondent's answer; alpha's c1 in Q2: 3 of its 6 people answered.
SURVEY: dict[tuple[str, str], list[dict[str, int]]] = {
    ("alpha", Q1): [
        {"s1": s, "e1": e, "c1": c}
        for s, e, c in zip([2, 2, 2, 3, 3, 3], [5, 5, 5, 4, 4, 4], [3, 3, 3, 3, 4, 4], strict=True)
    ],
    ("alpha", Q2): [
        {"s1": s, "e1": e, **({"c1": c} if c else {})}
        for s, e, c in zip([4, 4, 4, 5, 5, 5], [2, 2, 2, 3, 3, 3], [5, 5, 3, 0, 0, 0], strict=True)
    ],
    ("gamma", Q1): [{"s1": 4, "e1": 3, "c1": 4} for _ in range(7)],
    ("gamma", Q2): [{"s1": 4, "e1": 3, "c1": c} for c in [5, 5, 5, 5, 4, 4, 4]],
}
ITEMS = {"s1": "satisfaction", "e1": "efficiency", "c1": "communication"}


def build_store(tmp: Path) -> Path:
    """The organisation of the module docstring, as the collector and the importer would write it."""
    url = f"duckdb:///{tmp}/store.duckdb"
    config = tmp / "doraspace.yaml"
    teams = [
        {"name": "alpha", "repositories": [REPOS["alpha"]], "pagerduty_services": ["PA"], "headcount": 8},
        {"name": "beta", "repositories": [REPOS["beta"]], "headcount": 5},
        {"name": "gamma", "repositories": [REPOS["gamma"]], "headcount": 10},
    ]
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
            write_repositories(conn, [RepositoryFact(repo, "main") for repo in REPOS.values()], {}, AS_OF)
        facts = Facts(engine)
        for repo in REPOS.values():
            facts.deployment(
                datetime(2025, 12, 1, tzinfo=UTC), compare="first", sha=sha(f"first-{repo}"), repo=repo
            )
        alpha, beta, gamma = REPOS["alpha"], REPOS["beta"], REPOS["gamma"]
        may = lambda day, hour=0.0: datetime(2026, 5, day, tzinfo=UTC) + timedelta(hours=hour)  # noqa: E731

        m11 = facts.commit(sha("m11"), may(7, 12.5), repo=alpha)
        facts.pull_request(
            11,
            created_at=may(7, 6),
            merged_at=may(7, 12.5),
            merge_commit_sha=m11,
            commit_dates=[may(6, 23.5)],
            reviews=[Review("bob", may(7, 7.5))],
            repo=alpha,
        )
        facts.deployment(may(10, 0.5), ships=[m11], repo=alpha)
        m12 = facts.commit(sha("m12"), at(25, 12), repo=alpha)
        facts.pull_request(
            12,
            created_at=at(25, 1),
            merged_at=at(25, 12),
            merge_commit_sha=m12,
            commit_dates=[at(25, 0.5)],
            reviews=[Review("alice", at(25, 2)), Review("carol", at(26, 1))],
            author="alice",
            repo=alpha,
        )
        facts.deployment(at(26), ships=[m12], repo=alpha)
        add_incident(facts, "I1", at(26, 10 / 60), resolved_at=at(26) + timedelta(seconds=3599), service="PA")
        # After as_of: a rollback of A2 to A1's commit, which has not happened as of AS_OF.
        facts.deployment(datetime(2026, 7, 1, tzinfo=UTC), sha=m11, compare="behind", repo=alpha)

        b1 = facts.commit(sha("b1"), at(9) + timedelta(seconds=30), repo=beta)
        facts.deployment(at(10), ships=[b1], repo=beta)

        m31 = facts.commit(sha("m31"), at(14, 5.5), repo=gamma)
        facts.pull_request(
            31,
            created_at=at(14, 2),
            merged_at=at(14, 5.5),
            merge_commit_sha=m31,
            commit_dates=[at(13, 23.5)],
            reviews=[Review("dave", at(14, 2.5))],
            repo=gamma,
        )
        facts.deployment(at(14, 23.5), ships=[m31], repo=gamma)

        survey = Survey(engine)
        for quarter in (Q1, Q2):
            for item, dimension in ITEMS.items():
                survey.item(quarter, item, dimension, wording=f"the question of {item}")
        # Responses and answers as the importer stores them (pseudonyms here are plain ids), one write each.
        people = [
            (team, quarter, f"{team}-{quarter}-{number}", answers)
            for (team, quarter), everyone in SURVEY.items()
            for number, answers in enumerate(everyone)
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
                    {"survey": "devex", "quarter": q, "respondent": r, "item_id": item, "value": value}
                    for _, q, r, answers in people
                    for item, value in answers.items()
                ],
            )
    finally:
        engine.dispose()
    return config


@dataclass(frozen=True)
class Outputs:
    rows: list[dict[str, Any]]
    scores: list[dict[str, Any]]
    pages: dict[str, str]  # team ("*" the organisation, "index") → page
    previous: list[dict[str, Any]]  # metrics --window 90d --as-of one 90-day window earlier


def run_cli(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv), now=AS_OF)
    assert status == 0, err.getvalue()
    return out.getvalue()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outputs]:
    tmp = tmp_path_factory.mktemp("round10_reports")
    config = str(build_store(tmp))
    rows = json.loads(run_cli("metrics", "--config", config, "--format", "json", "--as-of", AS_OF_TEXT))
    scores = json.loads(run_cli("survey", "scores", "--config", config, "--format", "json"))
    out = tmp / "reports"
    run_cli("report", "--config", config, "--out", str(out))
    index = (out / "index.html").read_text(encoding="utf-8")
    pages = {"index": index}
    for file, shown in re.findall(r'<th scope="row"><a href="(team-[^"]+\.html)">(.*?)</a></th>', index):
        team = "*" if file == "team-organisation.html" else html.unescape(shown)
        pages[team] = (out / file).read_text(encoding="utf-8")
    previous = json.loads(
        run_cli(
            "metrics", "--config", config, "--format", "json", "--window", "90d", "--as-of", PREVIOUS_AS_OF
        )
    )
    yield Outputs(rows, scores, pages, previous)


# -- reading pages ----------------------------------------------------------------------------------------


def section(page: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}".*?</section>', page, re.S)
    assert match is not None, anchor
    return match.group(0)


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", " ", fragment))).strip()


def raw_rows(fragment: str) -> list[tuple[str, str]]:
    return [
        (text_of(head), cells)
        for head, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', fragment, re.S)
    ]


def table_rows(fragment: str) -> list[tuple[str, list[str]]]:
    """Every row with a row header: (header text, its <td> texts), in page order."""
    return [
        (head, [text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)])
        for head, cells in raw_rows(fragment)
    ]


def band_of(cell_html: str) -> str | None:
    match = re.search(r'class="band band-(\w+)"', cell_html)
    assert match is not None, cell_html
    return None if match.group(1) == "none" else match.group(1)


def without_notes(fragment: str) -> str:
    return re.sub(r'<p class="note">.*?</p>', "", fragment, flags=re.S)


def approx(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: approx(inner) for k, inner in value.items()}
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-9, abs=1e-12)
    return value


# -- expected delivery figures, by hand -------------------------------------------------------------------

BAND_TITLES = {
    "deployment_frequency": "Deployment frequency",
    "lead_time": "Lead time for changes (p50)",
    "change_failure_rate": "Change failure rate",
    "recovery": "Failed deployment recovery (p50)",
}
TEAM_BANDS = {
    # 90d: 4/90 ≥ 1/30 → medium; p50 (86370/3600 + 24)/2 = 23.9958 h < 24 → elite; 1/4 > 15 % → low;
    # 3599/3600 h < 1 h → elite.
    "*": ("medium", "elite", "low", "elite"),
    # 2/90 < 1/30 → low; 48.25 h: ≥ 1 day, < 1 week → high; 1/2 → low; 3599/3600 h → elite.
    "alpha": ("low", "high", "low", "elite"),
    # 1/90 → low; 23.9917 h < 24 → elite; 0/1 → elite; nothing to recover, no incident → null.
    "beta": ("low", "elite", "elite", None),
    # 1/90 → low; exactly 24 h is not "< 1 day" → high; 0/1 → elite; null.
    "gamma": ("low", "high", "elite", None),
}
NONE_STAGES = dict.fromkeys(STAGES)
PR12 = {"coding": 0.5, "pickup": None, "review": None, "deploy": 12.0}
PR31 = {"coding": 2.5, "pickup": 0.5, "review": 3.0, "deploy": 18.0}


def row(
    team: str,
    window: str,
    deployments: int,
    lead: tuple[float, float] | None,
    cfr: float | None,
    failed: bool,
    stages: dict[str, float | None],
) -> dict[str, Any]:
    """A JSON row; ``failed``: A2 and I1 are in the window (true of alpha and "*" in every window)."""
    return {
        "team": team,
        "window": window,
        "as_of": AS_OF_TEXT,
        "deployments": deployments,
        "deployment_frequency_per_day": deployments / DAYS[window],
        "lead_time_hours_p50": None if lead is None else lead[0],
        "lead_time_hours_p90": None if lead is None else lead[1],
        "change_failure_rate": cfr,
        "failed_deployment_recovery_hours_p50": RECOVERY if failed else None,
        "time_to_restore_hours_p50": TTR if failed else None,
        "time_to_restore_hours_p90": TTR if failed else None,
        "incidents": 1 if failed else 0,
        "rework_rate": None if deployments == 0 else 0.0,
        "lead_time_breakdown_hours_p50": stages,
        "bands": dict(zip(BAND_TITLES, TEAM_BANDS[team], strict=True)),
    }


EXPECTED_ROWS = [
    # "*" 7d: A2 only → 1/7; lead 23.5; CFR 1/1; breakdown PR 12 (no pickup, no review).
    row("*", "7d", 1, (23.5, 23.5), 1.0, True, PR12),
    # 30d: A2, B1, G1 → 3/30; leads [23.5, 23.9917, 24] → p50 23.9917, p90 rank 1.8 → 23.9917 + 0.8 ×
    #   (30 s) = 23.9983; CFR 1/3; stages coding [0.5, 2.5] → 1.5, pickup [0.5], review [3], deploy
    #   [12, 18] → 15 (PR 12 has no pickup/review: each median over the PRs that have the stage).
    row(
        "*",
        "30d",
        3,
        (LEAD_B1, LEAD_B1 + 0.8 * (24 - LEAD_B1)),
        1 / 3,
        True,
        {"coding": 1.5, "pickup": 0.5, "review": 3.0, "deploy": 15.0},
    ),
    # 90d: A1, A2, B1, G1 → 4/90; leads [23.5, 23.9917, 24, 73] → p50 (23.9917 + 24)/2, p90 rank 2.7 →
    #   24 + 0.7 × 49 = 58.3; CFR 1/4; stages pooled over PRs 11, 12, 31: coding [6.5, 0.5, 2.5] → 2.5
    #   (the teams' medians 3.5 and 2.5 would give 3.0), pickup [1.5, 0.5] → 1.0, review [5, 3] → 4.0,
    #   deploy [60, 12, 18] → 18.
    row(
        "*",
        "90d",
        4,
        ((LEAD_B1 + 24) / 2, 58.3),
        0.25,
        True,
        {"coding": 2.5, "pickup": 1.0, "review": 4.0, "deploy": 18.0},
    ),
    row("alpha", "7d", 1, (23.5, 23.5), 1.0, True, PR12),
    row("alpha", "30d", 1, (23.5, 23.5), 1.0, True, PR12),
    # 90d: A1, A2 → leads [23.5, 73] → p50 48.25, p90 23.5 + 0.9 × 49.5 = 68.05; CFR 1/2; stages coding
    #   [6.5, 0.5] → 3.5, pickup [1.5], review [5], deploy [60, 12] → 36.
    row(
        "alpha",
        "90d",
        2,
        (48.25, 68.05),
        0.5,
        True,
        {"coding": 3.5, "pickup": 1.5, "review": 5.0, "deploy": 36.0},
    ),
    # beta 7d: nothing deployed → 0, every ratio and percentile null; 30d/90d: B1, lead 86370/3600.
    row("beta", "7d", 0, None, None, False, NONE_STAGES),
    row("beta", "30d", 1, (LEAD_B1, LEAD_B1), 0.0, False, NONE_STAGES),
    row("beta", "90d", 1, (LEAD_B1, LEAD_B1), 0.0, False, NONE_STAGES),
    row("gamma", "7d", 0, None, None, False, NONE_STAGES),
    row("gamma", "30d", 1, (24.0, 24.0), 0.0, False, PR31),
    row("gamma", "90d", 1, (24.0, 24.0), 0.0, False, PR31),
]

# The five metrics table of each page, per window 7d, 30d, 90d, worked out from the rows above with the
# report's words (dashboards/reports/keys.py): hours < 1 in minutes, < 48 in hours, else days, one
# decimal; ratios in % with one decimal; frequency per day ≥ 1, per week ≥ 1/7, else per month.
CELLS = {
    "*": {
        # 1/7 per day is "≥ 1/7" → per week: 1.0; 3/30 × 30 = 3.0 / month; 4/90 × 30 = 1.33.
        "Deployment frequency": ["1.0 / week", "3.0 / month", "1.3 / month"],
        # 23.9917 and 23.9958 both read "24.0 h" (the 90d one banded elite, as < 24 h unrounded).
        "Lead time for changes (p50)": ["23.5 h", "24.0 h", "24.0 h"],
        # 23.9983 → "24.0 h"; 58.3 h ≥ 48 → 2.43 d.
        "Lead time for changes (p90)": ["23.5 h", "24.0 h", "2.4 d"],
        "Change failure rate": ["100.0 %", "33.3 %", "25.0 %"],
        # 3599/3600 h = 59.98 min → "60 min", no "*": a failed deployment recovered (no fallback).
        "Failed deployment recovery (p50)": ["60 min"] * 3,
        "Rework rate": ["0.0 %"] * 3,
        "Deployments": ["1", "3", "4"],
    },
    "alpha": {
        "Deployment frequency": ["1.0 / week", "1.0 / month", "0.7 / month"],
        # 48.25 h is not < 48: days, 2.01 → "2.0 d".
        "Lead time for changes (p50)": ["23.5 h", "23.5 h", "2.0 d"],
        "Lead time for changes (p90)": ["23.5 h", "23.5 h", "2.8 d"],  # 68.05 / 24 = 2.835
        "Change failure rate": ["100.0 %", "100.0 %", "50.0 %"],
        "Failed deployment recovery (p50)": ["60 min"] * 3,
        "Rework rate": ["0.0 %"] * 3,
        "Deployments": ["1", "1", "2"],
    },
    "beta": {
        # 0 deployments is a number ("none"), but nothing to measure is "n/a", never "0".
        "Deployment frequency": ["none", "1.0 / month", "0.3 / month"],
        "Lead time for changes (p50)": ["n/a", "24.0 h", "24.0 h"],
        "Lead time for changes (p90)": ["n/a", "24.0 h", "24.0 h"],
        "Change failure rate": ["n/a", "0.0 %", "0.0 %"],
        "Failed deployment recovery (p50)": ["n/a"] * 3,
        "Rework rate": ["n/a", "0.0 %", "0.0 %"],
        "Deployments": ["0", "1", "1"],
    },
}
CELLS["gamma"] = CELLS["beta"]  # the same figures as shown, with other bands (24 h is "high")

# "Previous 90d" and "Change" of each key, against the 90d window as of 04-01 (2026-01-01, 04-01]: no
# deployment (the first ones are 2025-12-01) and no incident, so 0 deployments ("none") and every other
# key null ("n/a", and no change to show); frequency rose from 0 by 2/90, 1/90, 1/90 and 4/90 per day.
PREVIOUS: dict[str, dict[str, tuple[str, str]]] = {
    team: {
        "Deployment frequency": ("none", f"+{rise} / month (better)"),
        **{
            title: ("n/a", "n/a")
            for title in (
                "Lead time for changes (p50)",
                "Change failure rate",
                "Failed deployment recovery (p50)",
                "Rework rate",
            )
        },
    }
    for team, rise in (("*", "1.3"), ("alpha", "0.7"), ("beta", "0.3"), ("gamma", "0.3"))
}


def test_metrics_json_by_hand(outputs: Outputs) -> None:
    """§6.2–§6.4 with the arithmetic of EXPECTED_ROWS: the rollback after as_of (A3) changes nothing (A2
    failed once, recovery 3599/3600 h from I1), the self-review and the review after the merge leave PR 12
    without pickup and review stages, and "*" pools the PRs of every team."""
    assert [(r["team"], r["window"]) for r in outputs.rows] == [
        (team, window) for team in ("*", "alpha", "beta", "gamma") for window in WINDOWS
    ]
    assert outputs.rows == [approx(r) for r in EXPECTED_ROWS]


@pytest.mark.parametrize("team", ["*", "alpha", "beta", "gamma"])
def test_each_metrics_table_shows_the_json_values_as_displayed_with_unrounded_bands(
    outputs: Outputs, team: str
) -> None:
    """§8.3 "the five metrics with their bands": every cell of the table is the JSON value of its window
    written as CELLS says, and the band badges are the JSON bands of 90d — decided on the unrounded
    values: beta's 23.99 h and gamma's 24 h both read "24.0 h" but are elite and high (§6.3 "< 1 day");
    a recovery of 59 min 59 s reads "60 min" and is elite ("< 1 hour"); the organisation's "24.0 h" p50
    (23.9958) is elite."""
    metrics = section(outputs.pages[team], "metrics")
    header = re.search(r"<thead>(.*?)</thead>", metrics, re.S)
    assert header is not None
    assert re.findall(r'<th scope="col" class="num">(\d+d)</th>', header.group(1)) == list(WINDOWS)
    rows = dict(table_rows(metrics))
    for title, want in CELLS[team].items():
        assert rows[title][:3] == want, (team, title)
        if title in PREVIOUS[team]:
            assert rows[title][4:] == list(PREVIOUS[team][title]), (team, title)
    (before,) = [r for r in outputs.previous if r["team"] == team]
    assert before["deployments"] == 0 and before["lead_time_hours_p50"] is None
    assert before["change_failure_rate"] is None and before["time_to_restore_hours_p50"] is None
    raw = dict(raw_rows(metrics))
    assert tuple(band_of(raw[title]) for title in BAND_TITLES.values()) == TEAM_BANDS[team]
    assert "no published bands" in text_of(raw["Rework rate"])
    json_bands = {r["window"]: r["bands"] for r in outputs.rows if r["team"] == team}
    assert all(bands == json_bands["90d"] for bands in json_bands.values())


def test_the_index_lists_every_team_with_its_90d_value_beside_its_band(outputs: Outputs) -> None:
    """§8.3 index: every team of the organisation (the organisation first, then by name), each linked to
    its page, with the band and the value of the band window (90d) of each key: the two "24.0 h" cells
    of beta and gamma carry different bands, alpha's 48.25 h reads "2.0 d" (high), and the recovery
    3599/3600 h reads "60 min" (elite); beta and gamma have no recovery band and "n/a"."""
    index = section(outputs.pages["index"], "teams")
    got = {}
    for head, cells_html in raw_rows(index):
        cells = re.findall(r"<td>(.*?)</td>", cells_html, re.S)
        got[head] = [(band_of(c), text_of(re.sub(r'<span class="band.*?</span>', "", c))) for c in cells]
    assert list(got) == ["Organisation", "alpha", "beta", "gamma"]
    assert got == {
        "Organisation": [
            ("medium", "1.3 / month"),
            ("elite", "24.0 h"),
            ("low", "25.0 %"),
            ("elite", "60 min"),
        ],
        "alpha": [("low", "0.7 / month"), ("high", "2.0 d"), ("low", "50.0 %"), ("elite", "60 min")],
        "beta": [("low", "0.3 / month"), ("elite", "24.0 h"), ("elite", "0.0 %"), (None, "n/a")],
        "gamma": [("low", "0.3 / month"), ("high", "24.0 h"), ("elite", "0.0 %"), (None, "n/a")],
    }
    assert set(outputs.pages) == {"index", "*", "alpha", "beta", "gamma"}
    assert "*" not in text_of(index.split("</table>")[0])  # no time-to-restore fallback is marked


def test_breakdown_tables_show_no_stage_where_the_only_pr_had_no_review_and_pool_for_the_organisation(
    outputs: Outputs,
) -> None:
    """§5.3 "first review by someone other than the author" + docs "a review submitted after the merge
    is not a first review" meet §6.2's per-window breakdown: alpha's 7d/30d (PR 12 only) have coding
    30 min and deploy 12 h but pickup and review "n/a", while its 90d (PRs 11 and 12) has coding
    (6.5 + 0.5)/2 = 3.5 h, pickup 1.5 h and review 5.0 h (PR 11 alone), deploy (60 + 12)/2 = 36 h.
    The organisation's stages are medians over every team's PRs: 30d coding [0.5, 2.5] → 1.5 h, pickup
    30 min, review 3.0 h, deploy [12, 18] → 15.0 h; 90d coding [6.5, 0.5, 2.5] → 2.5 h, pickup
    [1.5, 0.5] → 1.0 h, review [5, 3] → 4.0 h, deploy [60, 12, 18] → 18.0 h. beta (direct pushes) has
    none; gamma's PR 31 is in 30d and 90d only. Every cell is the JSON stage as displayed."""
    want = {
        "*": {
            "Coding": ["30 min", "1.5 h", "2.5 h"],
            "Pickup": ["n/a", "30 min", "1.0 h"],
            "Review": ["n/a", "3.0 h", "4.0 h"],
            "Deploy": ["12.0 h", "15.0 h", "18.0 h"],
        },
        "alpha": {
            "Coding": ["30 min", "30 min", "3.5 h"],
            "Pickup": ["n/a", "n/a", "1.5 h"],
            "Review": ["n/a", "n/a", "5.0 h"],
            "Deploy": ["12.0 h", "12.0 h", "36.0 h"],
        },
        "beta": {stage.capitalize(): ["n/a"] * 3 for stage in STAGES},
        "gamma": {
            "Coding": ["n/a", "2.5 h", "2.5 h"],
            "Pickup": ["n/a", "30 min", "30 min"],
            "Review": ["n/a", "3.0 h", "3.0 h"],
            "Deploy": ["n/a", "18.0 h", "18.0 h"],
        },
    }
    for team, stages in want.items():
        breakdown = section(outputs.pages[team], "breakdown")
        assert dict(table_rows(breakdown)) == stages, team
        # A chart wherever the 90d breakdown has a value; beta says it has no deployed PR.
        assert ("No deployed pull requests in this window." in breakdown) == (team == "beta"), team
        json_90d = next(r for r in outputs.rows if (r["team"], r["window"]) == (team, "90d"))
        assert (json_90d["lead_time_breakdown_hours_p50"] == NONE_STAGES) == (team == "beta")


def test_the_failed_deployment_is_listed_with_the_rule_of_as_of_only_and_the_incident_table_agrees(
    outputs: Outputs,
) -> None:
    """§6.1 "(the report says which)" meets §2 "facts after it are ignored": A2 is failed by *window*
    (I1), and the rollback A3 of 07-01 — after as_of — is not a rule yet, so the list says "window", not
    "rollback, window". 90d CFR 1/2 × 2 deployments = 1 failed deployment on alpha's page and 1/4 × 4 on
    the organisation's (with its team). Recovered after 3599 s → "60 min", equal to the JSON recovery
    p50 as displayed. The incident tables show 1 incident and TTR p50/p90 2999 s → "50 min" for alpha and
    "*" in every window, 0 and "n/a" for beta and gamma."""
    for team, with_team in (("alpha", False), ("*", True)):
        failed = section(outputs.pages[team], "failed")
        json_90d = next(r for r in outputs.rows if (r["team"], r["window"]) == (team, "90d"))
        assert round(json_90d["change_failure_rate"] * json_90d["deployments"]) == 1
        assert "1 failed deployment in the last 90 days" in text_of(failed), team
        body = re.findall(r"<tbody>(.*?)</tbody>", failed, re.S)[0]
        listed = [
            [text_of(cell) for cell in re.findall(r"<td>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        ]
        assert len(listed) == 1, team
        (cells,) = listed
        assert (cells[0], cells[-3], cells[-1]) == ("2026-06-26 00:00 UTC", "window", "60 min"), team
        assert re.findall(r"\bI\d\b", cells[-2]) == ["I1"]
        assert cells[1 + with_team] == "acme/alpha"
        if with_team:
            assert cells[1] == "alpha"
        assert "Failed attempts" not in failed
    for team in ("*", "alpha", "beta", "gamma"):
        incidents = dict(table_rows(section(outputs.pages[team], "incidents")))
        want = ["1", "50 min", "50 min"] if team in ("*", "alpha") else ["0", "n/a", "n/a"]
        assert incidents == dict.fromkeys(WINDOWS, want), team
    for team in ("beta", "gamma"):
        assert "No failed deployments in the last 90 days." in section(outputs.pages[team], "failed")


# -- SPACE ------------------------------------------------------------------------------------------------

SAT, EFF, COM = "Satisfaction and well-being", "Efficiency and flow", "Communication and collaboration"
# (team, quarter, dimension) → score, favourable, respondents, response rate, change.
EXPECTED_SCORES = [
    # "*" Q1: s answers alpha 2,2,2,3,3,3 + gamma 4×7 = 43/13 → (43/13 − 1) × 25 = 57.69; favourable 7/13.
    #   e: 27 + 21 = 48/13 → 67.31, favourable 6/13; c: 20 + 28 = 48/13 → 67.31, favourable 9/13.
    #   response rate 13 ÷ (8 + 5 + 10) = 13/23 (beta's headcount counts, though it never answered).
    ("*", Q1, "communication", (48 / 13 - 1) * 25, 9 / 13, 13, 13 / 23, None),
    ("*", Q1, "efficiency", (48 / 13 - 1) * 25, 6 / 13, 13, 13 / 23, None),
    ("*", Q1, "satisfaction", (43 / 13 - 1) * 25, 7 / 13, 13, 13 / 23, None),
    # Q2 c: alpha 5,5,3 + gamma 5,5,5,5,4,4,4 = 45/10 → 87.5; favourable 9/10; 10 respondents. Change
    #   +20.19; person scores Q1 4 × 50, 9 × 75 (sd 12.01, SE 3.33), Q2 6 × 100, 3 × 75, 50 (sd 17.68,
    #   SE 5.59): 1.96 × √(3.33² + 5.59²) = 12.75 < 20.19 → rising.
    ("*", Q2, "communication", 87.5, 0.9, 10, 13 / 23, "rising"),
    # Q2 e: 15 + 21 = 36/13 → 44.23; favourable 0. Q2 s: 27 + 28 = 55/13 → 80.77; favourable 13/13.
    #   s: +23.08, SE₁ 5.93 (3 × 25, 3 × 50, 7 × 75), SE₂ 3.04 (10 × 75, 3 × 100): limit 13.06 → rising;
    #   e: −23.08 with the same two spreads mirrored → falling.
    ("*", Q2, "efficiency", (36 / 13 - 1) * 25, 0.0, 13, 13 / 23, "falling"),
    ("*", Q2, "satisfaction", (55 / 13 - 1) * 25, 1.0, 13, 13 / 23, "rising"),
    # alpha Q1 (6 of 8): s 2.5 → 37.5, fav 0; e 4.5 → 87.5, fav 1; c 20/6 → 58.33, fav 2/6.
    ("alpha", Q1, "communication", (20 / 6 - 1) * 25, 2 / 6, 6, 0.75, None),
    ("alpha", Q1, "efficiency", 87.5, 1.0, 6, 0.75, None),
    ("alpha", Q1, "satisfaction", 37.5, 0.0, 6, 0.75, None),
    # alpha Q2: s 4.5 → 87.5 (+50), e 2.5 → 37.5 (−50); each quarter's person scores are 3 × a, 3 ×
    #   (a + 25): sd √187.5 = 13.69, SE 5.59; 1.96 × √(2 × 5.59²) = 15.50 < 50 → rising / falling.
    #   c: 3 respondents < 5 → suppressed alone (no row).
    ("alpha", Q2, "efficiency", 37.5, 0.0, 6, 0.75, "falling"),
    ("alpha", Q2, "satisfaction", 87.5, 1.0, 6, 0.75, "rising"),
    # gamma (7 of 10): s 75, e 50, c 75 in Q1; Q2 the same s and e (moved 0 → stable). Q2 c (7 people)
    #   is hidden by differencing: the suppressed groups of c hold 3 < 5, so the smallest shown team on
    #   c, gamma, is hidden too (3 + 7 ≥ 5); "*" c stays shown.
    ("gamma", Q1, "communication", 75.0, 1.0, 7, 0.7, None),
    ("gamma", Q1, "efficiency", 50.0, 0.0, 7, 0.7, None),
    ("gamma", Q1, "satisfaction", 75.0, 1.0, 7, 0.7, None),
    ("gamma", Q2, "efficiency", 50.0, 0.0, 7, 0.7, "stable"),
    ("gamma", Q2, "satisfaction", 75.0, 1.0, 7, 0.7, "stable"),
]
SCORE_KEYS = ("team", "quarter", "dimension", "score", "favourable", "respondents", "response_rate", "change")


def test_survey_scores_json_by_hand(outputs: Outputs) -> None:
    """§7.4/§7.5 with the arithmetic of EXPECTED_SCORES: two dimensions of alpha move in opposite
    directions, its third is suppressed alone, and per-dimension differencing hides gamma's third too."""
    assert outputs.scores == [approx(dict(zip(SCORE_KEYS, r, strict=True))) for r in EXPECTED_SCORES]


def space_rows(outputs: Outputs, team: str) -> tuple[list[tuple[str, list[str]]], str]:
    space = section(outputs.pages[team], "space")
    return table_rows(space), space


def test_space_sections_show_the_change_of_each_dimension_and_nothing_of_the_hidden_ones(
    outputs: Outputs,
) -> None:
    """§8.3 "the SPACE scores with their quarter-over-quarter change": each dimension's row carries its
    own JSON change (alpha: satisfaction "rising (from 37.5)" in the better colour, efficiency "falling
    (from 87.5)" in the worse one — never swapped), its score and favourable share to one decimal and its
    respondents. The suppressed communication of alpha (3 people) and the differenced one of gamma
    (7 people) read "not enough responses" in the latest quarter and in the history, while Q1's shown
    scores stay (alpha 58.3, gamma 75.0). Rows are in S, P, A, C, E order.
    Team lines: alpha 6 respondents, 6/8 = 75.0 %; gamma 7, 7/10 = 70.0 %; "*" 13, 13/23 = 56.5 %.
    beta never answered: "2026-Q2: not enough responses." with no figure."""
    json_rows = {(r["team"], r["quarter"], r["dimension"]): r for r in outputs.scores}

    rows, space = space_rows(outputs, "alpha")
    assert f"{Q2}: 6 respondents, a response rate of 75.0 %." in text_of(space)
    assert rows == [
        (SAT, ["87.5", "100.0 %", "6", "rising (from 37.5)"]),
        (COM, [NOT_ENOUGH]),
        (EFF, ["37.5", "0.0 %", "6", "falling (from 87.5)"]),
        (SAT, ["37.5", "87.5"]),
        (COM, ["58.3", NOT_ENOUGH]),
        (EFF, ["87.5", "37.5"]),
    ]
    classes = {
        head: found.group(1)
        for head, cells in raw_rows(space)
        if (found := re.search(r'<td class="(better|worse)">', cells))
    }
    assert classes == {SAT: "better", EFF: "worse"}
    assert json_rows["alpha", Q2, "satisfaction"]["change"] == "rising"
    assert json_rows["alpha", Q2, "efficiency"]["change"] == "falling"

    rows, space = space_rows(outputs, "gamma")
    assert f"{Q2}: 7 respondents, a response rate of 70.0 %." in text_of(space)
    assert rows == [
        (SAT, ["75.0", "100.0 %", "7", "stable (from 75.0)"]),
        (COM, [NOT_ENOUGH]),
        (EFF, ["50.0", "0.0 %", "7", "stable (from 50.0)"]),
        (SAT, ["75.0", "75.0"]),
        (COM, ["75.0", NOT_ENOUGH]),
        (EFF, ["50.0", "50.0"]),
    ]
    assert 'class="better"' not in space and 'class="worse"' not in space

    rows, space = space_rows(outputs, "*")
    assert f"{Q2}: 13 respondents, a response rate of 56.5 %." in text_of(space)
    assert rows == [
        (SAT, ["80.8", "100.0 %", "13", "rising (from 57.7)"]),
        (COM, ["87.5", "90.0 %", "10", "rising (from 67.3)"]),
        (EFF, ["44.2", "0.0 %", "13", "falling (from 67.3)"]),
        (SAT, ["57.7", "80.8"]),
        (COM, ["67.3", "87.5"]),
        (EFF, ["67.3", "44.2"]),
    ]
    for (team, quarter, _), r in json_rows.items():
        if team == "*" and quarter == Q2:
            assert f"{r['score']:.1f}" in {cells[0] for _, cells in rows[:3]}

    rows, space = space_rows(outputs, "beta")
    assert rows == []
    shown = text_of(without_notes(space))
    assert f"{Q2}: {NOT_ENOUGH}." in shown and not re.search(r"\d+(?:\.\d+)? ?%|respondents", shown)


def test_no_page_shows_a_hidden_communication_figure(outputs: Outputs) -> None:
    """§7.4 "no score, no count, nowhere (… reports …)": alpha's Q2 communication (5, 5, 3 → score
    (13/3 − 1) × 25 = 83.3, favourable 2/3 = 66.7 %, 3 respondents) and gamma's (5, 5, 5, 5, 4, 4, 4 →
    (32/7 − 1) × 25 = 89.3) appear in no page at all, and no SPACE section of a team holds the figure 3."""
    for team, page in outputs.pages.items():
        for figure in ("83.3", "66.7", "89.3"):
            assert figure not in text_of(page), (team, figure)
        if team != "index":
            space = text_of(without_notes(section(page, "space")))
            assert "3" not in re.findall(r"\d+(?:\.\d+)?", re.sub(r"\d{4}-Q\d", "", space)), team


def test_what_stands_out_quotes_only_the_band_window_values_as_the_tables_show_them(outputs: Outputs) -> None:
    """§8.3 with §6.3 "Bands always come from the 90-day window": every figure a sentence of "What stands
    out" quotes is a 90d value as the tables write it (or the previous 90d's): alpha's weakest keys are
    deployment frequency (2/90 → "0.7 / month") and change failure rate ("50.0 %"), both low, and its
    longest stage is deploy (90d median 36 h → "36.0 h"); gamma's longest stage is deploy ("18.0 h"); the
    organisation's weakest key is change failure rate ("25.0 %"). No 7d or 30d figure (alpha's "23.5 h",
    "100.0 %", "1.0 / week") is quoted."""
    for team in ("*", "alpha", "beta", "gamma"):
        page = outputs.pages[team]
        standout = text_of(section(page, "standout"))
        quoted = set(re.findall(r"\d+\.\d (?:h|d|%|/ month|/ week|/ day)|\d+ min", standout))
        allowed = {cells[2] for _, cells in table_rows(section(page, "metrics")) if len(cells) > 2}
        allowed |= {cells[2] for _, cells in table_rows(section(page, "breakdown"))}
        allowed |= {cells[4] for _, cells in table_rows(section(page, "metrics")) if len(cells) > 4}
        assert quoted <= allowed, (team, quoted - allowed)
    alpha = text_of(section(outputs.pages["alpha"], "standout"))
    assert "deployment frequency (0.7 / month) and change failure rate (50.0 %): low" in alpha
    assert "(median 36.0 h)" in alpha
    assert not {"23.5 h", "100.0 %", "1.0 / week"} & set(re.findall(r"\d+\.\d (?:h|%|/ week)", alpha))
    assert "(median 18.0 h)" in text_of(section(outputs.pages["gamma"], "standout"))
    assert "change failure rate (25.0 %): low" in text_of(section(outputs.pages["*"], "standout"))
