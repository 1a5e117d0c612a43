"""Audit, round 9: the command filters where the rules that look across teams meet (SPEC §2, §6, §7.4).

SPEC §2 gives ``metrics [--team T] [--window W] [--as-of X]``, ``survey scores [--team T] [--quarter Q]``
and ``report [--team T]``. The property checked here: a filter only *selects* rows, it never changes a
number — even where a team's figures depend on OTHER teams: §7.4 differencing hides a team only because
of another team's small group; the organisation row counts the suppressed teams and divides by every
headcount; the quarter-over-quarter change needs the previous quarter (read although ``--quarter``
names only the later one) and the same wording; §6.1 rule 1 fails a deployment of one team through an
incident of another team's service. Earlier rounds filtered a single-item survey with differencing
(round 7) and odd names (round 8); new here: differencing at the quarter level and per dimension in
two quarters across a year boundary, a reworded item, ``--team`` × ``--quarter`` for a team hidden only
because of another, the alias/letter-case question, and the metrics/report filters over a cross-team
failure. Everything runs in process (``doraspace.cli.main``), the survey imported by ``survey import``.

Config (``teams:``; ``surveys.min_group_size`` 5; headcounts api 5, billing 8, core 10, data 12, docs 5,
sum 40): core owns acme/core and PagerDuty service PC and has ``survey_names: [Core platform]``; data
owns acme/data; api, billing and docs own nothing (docs never answers).

Survey "devex", long exports. s1 "I am satisfied with my tools" (satisfaction) and e1 (efficiency), both
agree5 (favourable 4–5); e1 reads "I can focus on my work" in 2025-Q4 and "I can focus on my work
without interruptions" in 2026-Q1 (§7.4: no change for efficiency in 2026-Q1). A point x is
(x − 1) × 25 on 0–100; each dimension has one item, so score = (mean − 1) × 25 and a respondent's own
dimension score is their point.

2025-Q4 (s1 / e1 per person):
  api 3      s1 5 5 5                e1 4 4 4
  billing 6  s1 2 2 3 3 3 3          e1 3 ×6
  core 7     s1 2 2 2 3 3 3 3        e1 4 4 4 4 2 2 2
  data 9     s1 4 ×9                 e1 3 ×9
  Quarter: api 3 < 5 → suppressed. "*" 25 ≥ 5 → shown. Hidden together 3 < 5 → the smallest shown
  team, billing (6; core 7, data 9), is suppressed too; 3 + 6 = 9 ≥ 5 → stop. Shown: "*", core, data
  (every dimension: each has 7 and 9, hidden api + billing 9 ≥ 5). No 2025-Q3 → every change null.
  core  sat 18/7 → (11/7) × 25 = 275/7 ≈ 39.29, fav 0/7, 7, rate 7/10;
        eff 22/7 → (15/7) × 25 = 375/7 ≈ 53.57, fav 4/7.
  data  sat 4 → 75, fav 1, 9, rate 9/12 = 0.75; eff 3 → 50, fav 0.
  "*"   sat (15 + 16 + 18 + 36)/25 = 3.4 → 60, fav (3 + 0 + 0 + 9)/25 = 0.48, 25, rate 25/40 = 0.625;
        eff (12 + 18 + 22 + 27)/25 = 3.16 → 54, fav (3 + 0 + 4 + 0)/25 = 0.28, 25.
  Hidden: api 100 / 75 (3 people), billing 125/3 ≈ 41.67 / 50 (6 people).

2026-Q1:
  api 5      s1 5 ×5                 e1 4 4 4 4 N/A
  billing 6  s1 3 ×6                 e1 2 ×6
  core 7     s1 4 4 4 4 4 5 5        e1 5 ×7
  data 9     s1 4 ×8, 5              e1 3 ×9
  Quarter: every team ≥ 5, nothing hidden; "*" 27, rate 27/40 = 0.675.
  Satisfaction: every team answered: all shown.
  Efficiency: api has 4 valid answers (N/A leaves the denominator) → hidden; "*" efficiency 26 shown;
  hidden 4 < 5 → the smallest shown team on efficiency, billing (6), hidden too; 4 + 6 = 10 ≥ 5 → stop.
  api   sat 100, fav 1, 5, rate 5/5 = 1; change null (its 2025-Q4 was hidden).
  billing sat 50, fav 0, 6, rate 6/8 = 0.75; change null (its 2025-Q4 was hidden — by differencing only:
        alone it had 6 ≥ 5 respondents).
  core  sat 30/7 → (23/7) × 25 = 575/7 ≈ 82.14, fav 1, 7, rate 0.7. Change: moved 300/7 ≈ 42.86 ≥ 5;
        own scores 2025-Q4 25 ×3, 50 ×4 (mean 275/7; Σ dev² = 3 × (100/7)² + 4 × (75/7)² = 52500/49;
        SE² = 52500/49/6/7 ≈ 25.51); 2026-Q1 75 ×5, 100 ×2 (Σ dev² = 5 × (50/7)² + 2 × (125/7)² =
        43750/49; SE² ≈ 21.26); 1.96 × √46.77 ≈ 13.40 < 42.86 → rising.
        eff 5 → 100, fav 1, 7; change null (e1 reworded).
  data  sat 37/9 → (28/9) × 25 = 700/9 ≈ 77.78, fav 1, 9, 0.75; moved 25/9 ≈ 2.78 < 5 → stable.
        eff 50, fav 0, 9; change null (reworded).
  "*"   sat (25 + 18 + 30 + 37)/27 = 110/27 → (83/27) × 25 = 2075/27 ≈ 76.85, fav (5 + 0 + 7 + 9)/27 =
        7/9, 27, rate 0.675. Change: moved 2075/27 − 60 ≈ 16.85 ≥ 5; own scores 2025-Q4: 100 ×3, 75 ×9,
        50 ×8, 25 ×5 (mean 60, Σ dev² = 4800 + 2025 + 800 + 6125 = 13750, SE² = 13750/24/25 ≈ 22.92);
        2026-Q1: 100 ×8, 75 ×13, 50 ×6 (Σ dev² = 233750/27, SE² = 233750/27/26/27 ≈ 12.33);
        1.96 × √35.25 ≈ 11.64 < 16.85 → rising.
        eff (16 + 12 + 35 + 27)/26 = 45/13 → (32/13) × 25 = 800/13 ≈ 61.54, fav (4 + 0 + 7 + 0)/26 =
        11/26, 26 respondents, rate 27/40 (the team-quarter's respondents); change null (reworded).
  Hidden: api eff 75 (4 people), billing eff 25 (6 people).

Delivery (as of X = 2026-03-20 12:00 UTC; windows 7d (03-13 12:00, X], 30d (02-18 12:00, X],
90d (2025-12-20 12:00, X]; bands from 90d, dora-2023; no PRs, so every breakdown stage is null):
  acme/core: C0 01-05 first; C1 03-01 12:00 ships c1 (authored 02-28 12:00) → 24 h; C2 03-11 12:00 ships
    c2 (03-11 06:00) → 6 h; C3 03-19 00:00 ships c3 (03-18 22:00) → 2 h; C4 03-21 (after X: ignored).
  acme/data: D0 01-05 first; Db 02-01 ships db (01-31 00:00) → 24 h; D1 03-10 00:00 ships d1 (03-09
    00:00) → 24 h; D2 03-18 00:00 ships d2 (03-17 20:00) → 4 h.
  I1 on PC (core's service) 03-12 00:00 → 03:00, title "checkout down, root cause: <first 7 of d1>":
    rule 1 (explicit) fails D1 — data's deployment, through core's incident (rule 1 names no service);
    with an explicit link the window rule does not apply, so C2 (12 h before, core's latest) is not
    failed. D1 recovered at 03:00 on 03-12: 51 h. I1 counts for core: 1 incident, TTR 3 h.
  core 30d: C1, C2, C3 → 3, 0.1/day; leads 2, 6, 24 → p50 6, p90 6 + 0.8 × 18 = 20.4; CFR 0; recovery
    null; TTR 3/3; incidents 1; rework 0. 90d: C0–C3 → 4 (4/90 ≥ 1/30 → medium), lead p50 6 → elite,
    CFR 0 → elite, recovery falls back to TTR 3 h → high.
  data 30d: D1, D2 → 2, 1/15; leads 4, 24 → p50 14, p90 4 + 0.9 × 20 = 22; CFR 1/2; recovery 51; TTR
    null; incidents 0; rework 0. 90d: D0, Db, D1, D2 → 4 (medium); leads 4, 24, 24 → p50 24 h, not
    < 1 day → high; CFR 1/4 → low; recovery 51 h < 1 week → medium.
  "*" 30d: 5 deployments, 1/6; leads 2, 4, 6, 24, 24 → p50 6, p90 24; CFR 1/5; recovery 51; TTR 3/3;
    incidents 1; rework 0. 90d: 8 (8/90 < 1/7 → medium); leads 2, 4, 6, 24, 24, 24 → p50 15 → elite;
    CFR 1/8 → medium; recovery 51 → medium.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collector.models import RepositoryFact
from collector.writer import write_repositories
from doraspace import cli
from doraspace.cli import main
from store.engine import open_store
from tests.analytics.facts import Facts, add_incident, bands, sha

X = datetime(2026, 3, 20, 12, tzinfo=UTC)
X_TEXT = "2026-03-20T12:00:00Z"
OLD, NEW = "2025-Q4", "2026-Q1"
SAT, EFF = "satisfaction", "efficiency"
CORE_REPO, DATA_REPO = "acme/core", "acme/data"
SCORE_KEYS = ("team", "quarter", "dimension", "score", "favourable", "respondents", "response_rate", "change")
NO_STAGES = {"coding": None, "pickup": None, "review": None, "deploy": None}

DEFINITION = """\
survey: devex
scales:
  agree5:
    points: 5
    labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree]
    favourable: [4, 5]
missing: ["N/A", ""]
team_question: "Which team are you on?"
items:
  - id: s1
    text: "I am satisfied with my tools"
    dimension: satisfaction
    scale: agree5
  - id: e1
    text: "{focus}"
    dimension: efficiency
    scale: agree5
"""
FOCUS = {OLD: "I can focus on my work", NEW: "I can focus on my work without interruptions"}

# quarter → (team as typed in the export, [(s1, e1) per person]); core is typed three ways (§7.1).
ANSWERS: dict[str, list[tuple[str, list[tuple[int, int | str]]]]] = {
    OLD: [
        ("api", [(5, 4)] * 3),
        ("Billing", [(2, 3), (2, 3), (3, 3), (3, 3), (3, 3), (3, 3)]),
        ("core", [(2, 4), (2, 4), (2, 4)]),
        ("Core platform", [(3, 4), (3, 2), (3, 2)]),
        ("CORE", [(3, 2)]),
        ("data", [(4, 3)] * 9),
    ],
    NEW: [
        ("API", [(5, 4)] * 4 + [(5, "N/A")]),
        ("billing", [(3, 2)] * 6),
        ("Core platform", [(4, 5)] * 5),
        ("core", [(5, 5)] * 2),
        ("Data", [(4, 3)] * 8 + [(5, 3)]),
    ],
}


def score_row(
    team: str,
    quarter: str,
    dimension: str,
    score: float,
    favourable: float,
    respondents: int,
    rate: float | None,
    change: str | None,
) -> dict[str, Any]:
    return dict(
        zip(SCORE_KEYS, (team, quarter, dimension, score, favourable, respondents, rate, change), strict=True)
    )


# Every shown row, in §7.5 order (team with "*" first, quarter, dimension): the module docstring.
EXPECTED_SCORES = [
    score_row("*", OLD, EFF, 54.0, 0.28, 25, 0.625, None),
    score_row("*", OLD, SAT, 60.0, 0.48, 25, 0.625, None),
    score_row("*", NEW, EFF, 800 / 13, 11 / 26, 26, 0.675, None),
    score_row("*", NEW, SAT, 2075 / 27, 7 / 9, 27, 0.675, "rising"),
    score_row("api", NEW, SAT, 100.0, 1.0, 5, 1.0, None),
    score_row("billing", NEW, SAT, 50.0, 0.0, 6, 0.75, None),
    score_row("core", OLD, EFF, 375 / 7, 4 / 7, 7, 0.7, None),
    score_row("core", OLD, SAT, 275 / 7, 0.0, 7, 0.7, None),
    score_row("core", NEW, EFF, 100.0, 1.0, 7, 0.7, None),
    score_row("core", NEW, SAT, 575 / 7, 1.0, 7, 0.7, "rising"),
    score_row("data", OLD, EFF, 50.0, 0.0, 9, 0.75, None),
    score_row("data", OLD, SAT, 75.0, 1.0, 9, 0.75, None),
    score_row("data", NEW, EFF, 50.0, 0.0, 9, 0.75, None),
    score_row("data", NEW, SAT, 700 / 9, 1.0, 9, 0.75, "stable"),
]
TEAMS = ("*", "api", "billing", "core", "data", "docs")


def metric_row(team: str, window: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "team": team,
        "window": window,
        "as_of": "2026-03-20T12:00:00Z",
        "deployments": 0,
        "deployment_frequency_per_day": 0.0,
        "lead_time_hours_p50": None,
        "lead_time_hours_p90": None,
        "change_failure_rate": None,
        "failed_deployment_recovery_hours_p50": None,
        "time_to_restore_hours_p50": None,
        "time_to_restore_hours_p90": None,
        "incidents": 0,
        "rework_rate": None,
        "lead_time_breakdown_hours_p50": NO_STAGES,
        "bands": None,
    }
    row.update(values)
    return row


# The 30-day rows of the module docstring, bands from 90d.
EXPECTED_30D = {
    "*": metric_row(
        "*",
        "30d",
        deployments=5,
        deployment_frequency_per_day=5 / 30,
        lead_time_hours_p50=6.0,
        lead_time_hours_p90=24.0,
        change_failure_rate=0.2,
        failed_deployment_recovery_hours_p50=51.0,
        time_to_restore_hours_p50=3.0,
        time_to_restore_hours_p90=3.0,
        incidents=1,
        rework_rate=0.0,
        bands=bands("medium", "elite", "medium", "medium"),
    ),
    "core": metric_row(
        "core",
        "30d",
        deployments=3,
        deployment_frequency_per_day=0.1,
        lead_time_hours_p50=6.0,
        lead_time_hours_p90=20.4,
        change_failure_rate=0.0,
        time_to_restore_hours_p50=3.0,
        time_to_restore_hours_p90=3.0,
        incidents=1,
        rework_rate=0.0,
        bands=bands("medium", "elite", "elite", "high"),
    ),
    "data": metric_row(
        "data",
        "30d",
        deployments=2,
        deployment_frequency_per_day=2 / 30,
        lead_time_hours_p50=14.0,
        lead_time_hours_p90=22.0,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=51.0,
        rework_rate=0.0,
        bands=bands("medium", "high", "low", "medium"),
    ),
}


def approx(value: Any) -> Any:
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-9, abs=1e-12)
    if isinstance(value, dict):
        return {key: approx(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [approx(inner) for inner in value]
    return value


# -- the store -------------------------------------------------------------------------------------------


def day(month: int, day_: int, hour: float = 0) -> datetime:
    year = 2025 if month == 12 else 2026
    return datetime(year, month, day_, tzinfo=UTC).replace(hour=int(hour), minute=int(hour % 1 * 60))


def write_delivery(url: str) -> None:
    engine = open_store(url)
    try:
        with engine.begin() as conn:
            write_repositories(conn, [RepositoryFact(r, "main") for r in (CORE_REPO, DATA_REPO)], {}, X)
        facts = Facts(engine)

        def ship(repo: str, deployed: datetime, name: str, authored: datetime) -> str:
            change = facts.commit(sha(name), authored, repo=repo)
            facts.deployment(deployed, ships=[change], repo=repo)
            return change

        for repo in (CORE_REPO, DATA_REPO):
            facts.deployment(day(1, 5), compare="first", sha=sha(f"first-{repo}"), repo=repo)
        ship(CORE_REPO, day(3, 1, 12), "c1", day(2, 28, 12))
        ship(CORE_REPO, day(3, 11, 12), "c2", day(3, 11, 6))
        ship(CORE_REPO, day(3, 19), "c3", day(3, 18, 22))
        ship(CORE_REPO, day(3, 21), "c4", day(3, 20, 20))  # after X
        ship(DATA_REPO, day(2, 1), "db", day(1, 31))
        d1 = ship(DATA_REPO, day(3, 10), "d1", day(3, 9))
        ship(DATA_REPO, day(3, 18), "d2", day(3, 17, 20))
        add_incident(
            facts,
            "I1",
            day(3, 12),
            resolved_at=day(3, 12, 3),
            service="PC",
            title=f"checkout down, root cause: {d1[:7]}",
        )
    finally:
        engine.dispose()


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(argv), now=X)
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 1
    return status, out.getvalue(), err.getvalue()


def ok(*argv: str) -> str:
    status, out, err = run(*argv)
    assert status == 0, err
    return out


@dataclass(frozen=True)
class Org:
    config: Path
    folder: Path
    scores: list[dict[str, Any]]  # survey scores --format json, unfiltered
    metrics: list[dict[str, Any]]  # metrics --format json --as-of X, unfiltered
    metrics_csv: str
    pages: dict[str, str]  # report, unfiltered: file name → page

    def scores_of(self, *extra: str, fmt: str = "json") -> str:
        return ok("survey", "scores", "--config", str(self.config), "--format", fmt, *extra)

    def metrics_of(self, *extra: str, fmt: str = "json") -> str:
        return ok("metrics", "--config", str(self.config), "--format", fmt, "--as-of", X_TEXT, *extra)


def report(config: Path, out: Path, *extra: str) -> dict[str, str]:
    printed = ok("report", "--config", str(config), "--out", str(out), *extra)
    return {Path(line).name: Path(line).read_text(encoding="utf-8") for line in printed.splitlines()}


@pytest.fixture(scope="module")
def computed_once() -> Iterator[None]:
    """The budget: each distinct computation (metrics of one window list, scores of one quarter list, the
    report's snapshot) runs once for the module, as round 8 does; everything the filters do (options,
    config, store, the ``--team`` selection, the quarters read for ``--quarter``, formatting, the pages
    written) runs in full each time. The cache keys hold every argument the computation receives."""
    cache: dict[tuple[Any, ...], Any] = {}
    real_metrics, real_scores, real_snapshot = cli.compute_all, cli.compute_survey_scores, cli.build_snapshot

    def metrics(config: Any, engine: Any, *, as_of: datetime, windows: Any = None) -> Any:
        asked = None if windows is None else tuple((window.label, window.days) for window in windows)
        key = ("metrics", str(config.path), as_of, asked)
        if key not in cache:
            cache[key] = real_metrics(config, engine, as_of=as_of, windows=windows)
        return cache[key]

    def scores(config: Any, engine: Any, *, quarters: Any = None) -> Any:
        key = ("scores", str(config.path), None if quarters is None else tuple(quarters))
        if key not in cache:
            cache[key] = real_scores(config, engine, quarters=quarters)
        return cache[key]

    def snapshot(config: Any, engine: Any, *, now: datetime) -> Any:
        key = ("snapshot", str(config.path), now)
        if key not in cache:
            cache[key] = real_snapshot(config, engine, now=now)
        return cache[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "compute_all", metrics)
        patch.setattr(cli, "compute_survey_scores", scores)
        patch.setattr(cli, "build_snapshot", snapshot)
        yield


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory, computed_once: None) -> Iterator[Org]:
    folder = tmp_path_factory.mktemp("round9-filters")
    url = f"duckdb:///{folder}/store.duckdb"
    (folder / "secret").write_text("round9-filters\n")
    teams = [
        {"name": "api", "headcount": 5},
        {"name": "billing", "headcount": 8},
        {
            "name": "core",
            "repositories": [CORE_REPO],
            "pagerduty_services": ["PC"],
            "headcount": 10,
            "survey_names": ["Core platform"],
        },
        {"name": "data", "repositories": [DATA_REPO], "headcount": 12},
        {"name": "docs", "headcount": 5},
    ]
    config = folder / "doraspace.yaml"
    config.write_text(
        f"database:\n  url: {url}\nteams: {json.dumps(teams)}\n"
        "metrics:\n  windows: [7d, 30d, 90d]\n  benchmarks: dora-2023\n"
        "incidents:\n  attribution_window: 24h\n"
        f"surveys:\n  min_group_size: 5\n  respondent_secret_file: {folder / 'secret'}\n"
    )
    write_delivery(url)
    for quarter, groups in ANSWERS.items():
        definition = folder / f"devex-{quarter}.yaml"
        definition.write_text(DEFINITION.replace("{focus}", FOCUS[quarter]))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["respondent_id", "team", "submitted_at", "item_id", "answer"])
        submitted = "2025-11-10 09:00:00" if quarter == OLD else "2026-02-10 09:00:00"
        number = 0
        for typed, people in groups:
            for s1, e1 in people:
                number += 1
                writer.writerow([f"{quarter}-p{number}", typed, submitted, "s1", s1])
                writer.writerow([f"{quarter}-p{number}", typed, submitted, "e1", e1])
        export = folder / f"answers-{quarter}.csv"
        export.write_text(buffer.getvalue(), encoding="utf-8")
        ok(
            "survey",
            "import",
            str(export),
            "--config",
            str(config),
            "--definition",
            str(definition),
            "--quarter",
            quarter,
            "--format",
            "long",
        )
    scores = json.loads(ok("survey", "scores", "--config", str(config), "--format", "json"))
    base = ("metrics", "--config", str(config), "--as-of", X_TEXT)
    metrics = json.loads(ok(*base, "--format", "json"))
    metrics_csv = ok(*base, "--format", "csv")
    pages = report(config, folder / "report-all")
    yield Org(config, folder, scores, metrics, metrics_csv, pages)


def csv_records(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def as_csv(row: dict[str, Any]) -> dict[str, str]:
    """A JSON row as the CSV writes it: nested objects flattened ``key.inner``, null empty, str() else."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{inner}": inner_value for inner, inner_value in value.items()})
        else:
            flat[key] = value
    return {key: "" if value is None else str(value) for key, value in flat.items()}


# -- survey scores ---------------------------------------------------------------------------------------


def test_unfiltered_scores_are_the_hand_worked_rows(org: Org) -> None:
    """§7.4/§7.5, arithmetic in the module docstring: quarter-level differencing hides billing in 2025-Q4
    (because of api's 3), per-dimension differencing hides billing's 2026-Q1 efficiency (because of api's
    4 valid efficiency answers), "*" counts everyone (25, 27; efficiency 26) over all headcounts (40,
    docs included), satisfaction changes (core rising, data stable, "*" rising) and no efficiency change
    (e1 reworded). The hidden figures (api 2025-Q4 and 2026-Q1 efficiency, billing 2025-Q4 and 2026-Q1
    efficiency) have no row."""
    assert [list(row) for row in org.scores] == [list(SCORE_KEYS)] * len(org.scores)
    assert org.scores == approx(EXPECTED_SCORES)


# ``--team T --quarter Q`` asked besides ``--team T`` alone: the slices where another team decides.
TEAM_QUARTERS = {"api": [NEW], "billing": [OLD, NEW], "core": [NEW]}


@pytest.mark.parametrize("team", TEAMS)
def test_team_filter_gives_exactly_the_teams_rows(org: Org, team: str) -> None:
    """§2 ``survey scores --team T``: T's rows of the whole, numbers untouched, for every team — billing
    whose 2025-Q4 is hidden only because api is small (alone it has 6 ≥ 5: a filter recomputing T alone
    would show it), api shown in 2026-Q1 satisfaction only, core and data whose efficiency is shown only
    because api and billing together reach 10, "*" with its counts over the suppressed teams, docs (never
    answered: known, no row). Then ``--team T --quarter Q`` is T's rows of Q: ``--team billing --quarter
    2025-Q4`` is []; ``--team billing --quarter 2026-Q1`` its satisfaction alone (change null: its
    2025-Q4 is hidden); ``--team core --quarter 2026-Q1`` keeps "rising" (2025-Q4 is read for it) and
    efficiency's null (reworded); ``--team api --quarter 2026-Q1`` satisfaction alone."""
    want = [row for row in EXPECTED_SCORES if row["team"] == team]
    got = json.loads(org.scores_of("--team", team))
    assert got == approx(want)
    assert got == [row for row in org.scores if row["team"] == team]
    for quarter in TEAM_QUARTERS.get(team, []):
        sliced = json.loads(org.scores_of("--team", team, "--quarter", quarter))
        assert sliced == approx([row for row in want if row["quarter"] == quarter]), quarter
        if (team, quarter) == ("billing", OLD):
            assert sliced == []
        if (team, quarter) == ("core", NEW):
            assert {row["dimension"]: row["change"] for row in sliced} == {EFF: None, SAT: "rising"}


def test_quarter_filter_keeps_the_previous_quarter_for_the_change_across_the_year(org: Org) -> None:
    """§2 ``--quarter 2026-Q1`` × §7.4 change: the calendar quarter before 2026-Q1 is 2025-Q4 (across the
    year), read although not asked, so "*" and core keep "rising" and data "stable" (docstring: moves
    16.85 > 11.64, 42.86 > 13.40; 2.78 < 5); the reworded efficiency keeps null. The 2026-Q1 differencing
    (billing's efficiency) is unchanged by the filter. ``--quarter 2025-Q4`` is that quarter's rows (no
    2025-Q3: changes null, billing still hidden by api). A quarter with nothing is [] and exit 0."""
    for quarter in (OLD, NEW):
        got = json.loads(org.scores_of("--quarter", quarter))
        assert got == approx([row for row in EXPECTED_SCORES if row["quarter"] == quarter]), quarter
        assert got == [row for row in org.scores if row["quarter"] == quarter]
    assert json.loads(org.scores_of("--quarter", "2026-Q2")) == []


def test_filtered_csv_and_table_carry_the_same_numbers(org: Org) -> None:
    """§2 ``--format csv|table`` × ``--team billing --quarter 2026-Q1`` and ``--team '*'``: the CSV
    parses back to the filtered JSON's values (billing: 50.0, 0.0, 6, 0.75, empty change; "*" 2026-Q1
    satisfaction 2075/27, 7/9, 27, 0.675, rising); the table shows billing's one row with two decimals
    and "-" for the null change, and no efficiency row (hidden by differencing)."""
    csv_of = {}
    for extra in (("--team", "billing", "--quarter", NEW), ("--team", "*")):
        rows = json.loads(org.scores_of(*extra))
        csv_of[extra[1]] = records = csv_records(org.scores_of(*extra, fmt="csv"))
        assert records == [as_csv(row) for row in rows], extra
    assert csv_of["billing"] == [
        {
            "team": "billing",
            "quarter": NEW,
            "dimension": SAT,
            "score": "50.0",
            "favourable": "0.0",
            "respondents": "6",
            "response_rate": "0.75",
            "change": "",
        }
    ]
    star = [r for r in csv_of["*"] if r["quarter"] == NEW]
    assert [
        (r["dimension"], float(r["score"]), r["respondents"], r["response_rate"], r["change"]) for r in star
    ] == [
        (EFF, approx(800 / 13), "26", "0.675", ""),
        (SAT, approx(2075 / 27), "27", "0.675", "rising"),
    ]
    table = org.scores_of("--team", "billing", "--quarter", NEW, fmt="table")
    body = [line.split() for line in table.splitlines()[2:]]
    assert body == [["billing", NEW, SAT, "50.00", "0.00", "6", "0.75", "-"]]


@pytest.mark.parametrize("spelling", ["Core platform", "CORE"])
def test_team_option_in_a_survey_spelling_never_gives_other_numbers(org: Org, spelling: str) -> None:
    """§2 ``--team T`` × §7.1 ``survey_names`` and case-insensitive team matching. docs/ say how survey
    answers are matched (case-insensitively, and by ``survey_names``), not how ``--team`` is; the
    earlier audits pin it as compared as written. Either reading is safe; what may not happen is a
    silent empty or different answer: the option is refused (exit 2, one line naming the spelling and
    no traceback) or gives exactly core's rows."""
    status, out, err = run(
        "survey", "scores", "--config", str(org.config), "--format", "json", "--team", spelling
    )
    if status == 0:
        assert json.loads(out) == [row for row in org.scores if row["team"] == "core"]
    else:
        assert status == 2 and out == "", (status, out, err)
        assert err.count("\n") == 1 and spelling in err and "Traceback" not in err, err


# -- metrics ---------------------------------------------------------------------------------------------


def test_unfiltered_metrics_hold_the_cross_team_failure(org: Org) -> None:
    """§6.1 rule 1 across teams: core's incident names d1, so data's D1 is failed (CFR 1/2, recovery 51 h)
    while core's C2 (12 h before the incident, core's latest) is not (the window rule is for incidents
    without an explicit link); the incident counts for core (1, TTR 3 h). Rows: "*", core, data (api,
    billing, docs own nothing: no row), each in 7d, 30d, 90d; the 30-day rows as in the docstring."""
    assert [(row["team"], row["window"]) for row in org.metrics] == [
        (team, window) for team in ("*", "core", "data") for window in ("7d", "30d", "90d")
    ]
    for team, want in EXPECTED_30D.items():
        (row,) = [r for r in org.metrics if (r["team"], r["window"]) == (team, "30d")]
        assert row == approx(want), team


@pytest.mark.parametrize("team", ["*", "core", "data"])
def test_metrics_team_window_as_of_is_the_matching_row_in_json_and_csv(org: Org, team: str) -> None:
    """§2 ``metrics --team T --window 30d --as-of X``: exactly the (T, 30d) row of the unfiltered JSON,
    bands still from 90d although 90d is not asked (data's lead-time band "high" from its 90-day 24 h, not
    "elite" from its 30-day 14 h; "*"'s frequency "medium" from 8/90, not "high" from 5/30 ≥ 1/7, and
    its CFR "medium" from 1/8, not "low" from 1/5; core's recovery "high" from the 3 h TTR fallback), and
    its CSV record is the unfiltered CSV's record of that row, character for character."""
    want = EXPECTED_30D[team]
    got = json.loads(org.metrics_of("--team", team, "--window", "30d"))
    assert got == [row for row in org.metrics if (row["team"], row["window"]) == (team, "30d")]
    assert got == approx([want])
    (record,) = csv_records(org.metrics_of("--team", team, "--window", "30d", fmt="csv"))
    whole = [r for r in csv_records(org.metrics_csv) if (r["team"], r["window"]) == (team, "30d")]
    assert [record] == whole == [as_csv(got[0])]


def test_team_only_and_window_only_filters_are_slices(org: Org) -> None:
    """``--team data`` alone is data's three rows of the whole; ``--window 7d`` alone is the 7-day rows of
    every team, carrying the 90-day bands (core 7d: C3 only, 1 deployment, lead 2 h, 0 incidents, yet
    bands medium/elite/elite/high; data 7d: D2 only, CFR 0, yet CFR band low). A team owning nothing but
    answering surveys (api) is known and gives []."""
    assert json.loads(org.metrics_of("--team", "data")) == [r for r in org.metrics if r["team"] == "data"]
    week = json.loads(org.metrics_of("--window", "7d"))
    assert week == [r for r in org.metrics if r["window"] == "7d"]
    by_team = {row["team"]: row for row in week}
    assert (
        by_team["core"]["deployments"],
        by_team["core"]["lead_time_hours_p50"],
        by_team["core"]["incidents"],
    ) == (
        1,
        approx(2.0),
        0,
    )
    assert by_team["core"]["bands"] == EXPECTED_30D["core"]["bands"]
    assert (by_team["data"]["change_failure_rate"], by_team["data"]["bands"]) == (
        0.0,
        EXPECTED_30D["data"]["bands"],
    )
    assert json.loads(org.metrics_of("--team", "api")) == []


# -- reports ---------------------------------------------------------------------------------------------


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", " ", fragment))).strip()


# What each page must show, worked out in the module docstring (scores to one decimal, 51 h = 2.1 d).
PAGE_FIGURES = {
    # 2026-Q1 satisfaction 575/7 rising from 275/7; 7 of 10 people; 30-day lead p50 6 h, p90 20.4 h.
    "core": (["82.1", "rising (from 39.3)", "7 respondents, a response rate of 70.0 %", "20.4 h"], []),
    # Only 2026-Q1 satisfaction 50.0 (6 of 8); 2025-Q4 (41.7) and 2026-Q1 efficiency (25.0) hidden.
    "billing": (
        ["50.0", "6 respondents, a response rate of 75.0 %", "not enough responses"],
        ["41.7", "25.0"],
    ),
    # D1 failed by core's incident I1 (explicit), recovered after 2.1 d; 30-day CFR 50.0 %.
    "data": (["explicit pagerduty:I1 2.1 d", "50.0 %", "77.8", "stable (from 75.0)"], []),
}


@pytest.mark.parametrize("team", list(PAGE_FIGURES))
def test_report_for_one_team_is_that_teams_page_of_the_full_report(org: Org, team: str) -> None:
    """§2 ``report --team T``: the one page written is, byte for byte, T's page of the full report (the
    same DORA and SPACE numbers as of X), and the index still lists every team with the same cells (the
    only difference: no links to pages not written). Hand-checked figures on it (§8.3): core's SPACE
    section "82.1", "rising (from 39.3)", "7 respondents, a response rate of 70.0 %", lead p90 "20.4 h";
    billing's 2026-Q1 satisfaction "50.0" (6 of 8: 75.0 %) with its 2025-Q4 "not enough responses" (hidden
    only because of api) and neither 41.7 (that hidden score) nor 25.0 (its efficiency, hidden by
    differencing); data's failed deployment D1 found by core's incident ("explicit", "pagerduty:I1",
    recovered after 51 h = "2.1 d"), CFR "50.0 %" in 30d, satisfaction 700/9 → "77.8",
    "stable (from 75.0)"."""
    pages = report(org.config, org.folder / f"report-{team}", "--team", team)
    written = [name for name in pages if name.startswith("team-")]
    assert len(written) == 1
    (name,) = written
    assert pages[name] == org.pages[name]

    def unlinked(index: str) -> str:
        return re.sub(r"<a href=\"team-[^\"]*\">(.*?)</a>", r"\1", index)

    assert unlinked(pages["index.html"]) == unlinked(org.pages["index.html"])
    shown = text_of(pages[name])
    present, absent = PAGE_FIGURES[team]
    assert [figure for figure in present if figure not in shown] == [], shown
    assert [figure for figure in absent if figure in shown] == [], shown
