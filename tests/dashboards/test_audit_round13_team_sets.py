"""Audit, round 13: every output names the same teams, spelled the same way, with the same values, when
the unusual team sets meet in one organisation (SPEC §4, §6.4, §7.4, §7.5, §8.1–§8.3, §9;
docs/metrics.md "Team", docs/surveys.md "The team", docs/grafana.md "Variables", README "Commands").

Earlier rounds checked these sets one or two at a time: round 7 (tests/dashboards/
test_audit_round7_outputs_agree.py) a survey-only team and a team of the config only; round 12 random
worlds with ``unowned`` and a PagerDuty-only team; round 13's name comparisons a catalog-only team whose
first spelling moves. Here they all meet, with a name needing every kind of escaping and a team whose
only survey group is suppressed, and each output is read for *which* teams it shows.

The organisation (as_of 2026-06-30 00:00 UTC, ``metrics.windows: [30d]`` = (05-31, 06-30], so the band
window is 30d; dora-2023; attribution 24 h; ``surveys.min_group_size: 3``; ``pagerduty.service_ids:
[PORPHAN]``). Every repository has a ``first`` deployment on 05-01 (outside the window: it counts
nowhere and adds no lead time). ``at(d, h)`` is 2026-06-d h:00 UTC.

* ``payments`` (``teams:``, acme/payments, headcount 5): P1 at(10, 12) ships a commit authored at(10, 0)
  → 1 deployment, lead 12 h.
* ``sre`` (``teams:``, PagerDuty PSRE only, headcount 4): incident at(20, 10) → at(20, 12), 2 h; no
  repository, so no deployment it could fail.
* ``research`` (``teams:`` with nothing, headcount 6) answers the survey.
* ``design`` (``teams:`` with nothing, headcount 3): one respondent, suppressed.
* ``tiny`` (``teams:``, acme/tiny, headcount 2): no deployment in the window; two respondents, suppressed.
* ``Billing`` — catalog only: acme/billing-api's catalog-info.yaml says ``owner: Billing``, acme/billing-
  web's says ``owner: group:billing`` (stored ``billing``). docs/metrics.md: "without a configured team,
  catalog owners ``Billing`` and ``billing`` are one team, spelled as first met in file order";
  "acme/billing-api" < "acme/billing-web", so the team is ``Billing``. B1 at(20, 6) ships a commit
  authored at(20, 0) → 6 h; W1 at(22, 0) a commit authored at(21, 16) → 8 h.
* ``ledger`` — catalog only: a second document of acme/billing-web's catalog-info.yaml, component
  ledger-jobs, ``owner: group:ledger``, ``github.com/project-slug: acme/ledger-jobs``, a repository
  nobody collects. Its people answer the survey (docs/surveys.md: the team answer is compared "with the
  team names of the ownership map").
* ``Straße`` (``teams:``, acme/strasse, headcount 3); acme/strasse-web's catalog says ``owner:
  STRASSE``, which is the configured ``Straße`` (docs/metrics.md: "``STRASSE`` the configured
  ``Straße``"). S1 at(15, 0) ships a commit authored at(14, 0) → 24 h.
* ``Zürich "ops" <b>\\ & co`` (``teams:``, acme/zurich and PagerDuty PZ, headcount 5): Z1 at(25, 0) ships
  a commit authored at(24, 22) → 2 h; incident PZ-1 at(25, 1) → at(25, 2): 1 h after Z1, the latest
  deployment of the service → Z1 failed by the window rule (SPEC §6.1 rule 4), recovered at 02:00 → 2 h;
  restored in 1 h. Z1 was deployed before PZ-1 opened: not rework.
* ``unowned``: acme/legacy (collected, no component, no team; no deployment) and PORPHAN, a
  ``service_ids`` service nobody owns (SPEC §4: "A repo or a ``service_ids`` service owned by nobody
  belongs to team ``unowned``"): incident at(25, 0) → at(25, 3), 3 h.

30d rows (SPEC §6.2; ``percentile_cont``):

=========  ====  ==========  ===============  ====  ========  ===========  =========  ======
team       dep.  freq/day    lead p50 / p90   CFR   recovery  TTR p50/p90  incidents  rework
=========  ====  ==========  ===============  ====  ========  ===========  =========  ======
``*``      5     5/30        8 / 19.2         0.2   2         2 / 2.8      3          0
Billing    2     2/30        7 / 7.8          0     —         —            0          0
Straße     1     1/30        24 / 24          0     —         —            0          0
Zürich…    1     1/30        2 / 2            1     2         1 / 1        1          0
payments   1     1/30        12 / 12          0     —         —            0          0
sre        0     0           —                —     —         2 / 2        1          —
tiny       0     0           —                —     —         —            0          —
unowned    0     0           —                —     —         3 / 3        1          —
=========  ====  ==========  ===============  ====  ========  ===========  =========  ======

"*": leads [2, 6, 8, 12, 24] → p50 8, p90 rank 3.6 → 12 + 0.6 × 12 = 19.2; Billing [6, 8] → 7, 6 + 0.9 ×
2 = 7.8; TTR [1, 2, 3] → 2, 2 + 0.8 × 1 = 2.8. Bands (dora-2023, 30d; recovery falls back to TTR p50):
"*" high (1/6 ≥ 1/7), elite (8 h), low (20 %), high (2 h); Billing medium (2/30), elite, elite, null;
Straße medium, high (24 h is not < 1 day), elite, null; Zürich medium, elite, low (100 %), high (2 h);
payments medium, elite, elite, null; sre and unowned low (0 per day), null, null, high (2 h, 3 h);
tiny low, null, null, null. No PR anywhere: every breakdown stage is null.

Survey 2026-Q2, one item s1 (satisfaction, agree5, favourable 4–5); score = (mean − 1) × 25:

* payments [4, 4, 5] → 250/3, favourable 1, 3 people, rate 3/5;
* sre [3, 3, 3] → 50, 0, 3, 3/4;  research [5, 5, 4, 4] → 87.5, 1, 4, 4/6;
* Billing (typed "billing", "BILLING", "Billing") [2, 2, 2] → 25, 0, 3, no headcount → null;
* ledger [3, 4, 5] → 75, 2/3, 3, null;
* Zürich (typed upper-case and decomposed) [1, 2, 3] → 25, 0, 3, 3/5;
* Straße (typed "STRASSE", "strasse", "Straße") [5, 5, 5] → 100, 1, 3, 3/3;
* tiny [1, 1] and design [5]: under 3 → suppressed (SPEC §7.4). Together 3 ≥ 3, so differencing hides
  no shown team.
* "*": 25 people, answers summing to 86 → mean 3.44 → 61.0; favourable 13/25 = 0.52; rate null
  (docs/metrics.md: "the organisation divides by the sum of all headcounts; null where a headcount is
  missing": Billing and ledger answer and have none).

The teams each output should show, from the SPEC and docs sentences cited in each test:

* metrics JSON/CSV and ``dora_*``: "*", Billing, Straße, Zürich…, payments, sre, tiny, unowned;
* survey scores JSON and ``space_*``: "*", Billing, Straße, Zürich…, ledger, payments, research, sre;
* report index and pages: the union, ten teams (research and ledger without delivery figures);
* the team dashboard's ``$team``: the ``dora_deployments`` teams but "*"; the SPACE dashboard's: the
  ``space_score`` teams but "*".
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert

from collector.models import RepositoryFact
from collector.writer import write_repositories
from dashboards.exporter import Exposition
from dashboards.grafana import build_dashboards
from doraspace.cli import main
from doraspace.config import load_config
from doraspace.pipeline import build_snapshot
from store import schema
from store.engine import open_store
from tests.analytics.facts import Facts, add_incident, at, sha

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
AS_OF_TEXT = "2026-06-30T00:00:00Z"
FIRST = datetime(2026, 5, 1, tzinfo=UTC)
Q2 = "2026-Q2"
SAT = "satisfaction"
HOUR = 3600.0
SECRET_VARIABLE = "AUDIT_R13_TEAM_SETS_SECRET"

ZURICH = 'Zürich "ops" <b>\\ & co'
STRASSE = "Straße"
ORG = "*"

METRIC_TEAMS = [ORG, "Billing", STRASSE, ZURICH, "payments", "sre", "tiny", "unowned"]
SURVEY_TEAMS = [ORG, "Billing", STRASSE, ZURICH, "ledger", "payments", "research", "sre"]
REPORT_TEAMS = [ORG, "Billing", STRASSE, ZURICH, "ledger", "payments", "research", "sre", "tiny", "unowned"]
SUPPRESSED = ("tiny", "design")

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
  - {id: s1, text: "I am satisfied with my tools", dimension: satisfaction, scale: agree5}
"""

# (team as typed in the export, answer to s1), one respondent each.
ANSWERS: list[tuple[str, int]] = [
    ("payments", 4),
    ("Payments", 4),
    ("PAYMENTS", 5),
    ("sre", 3),
    ("SRE", 3),
    ("Sre", 3),
    ("research", 5),
    ("research", 5),
    ("Research", 4),
    ("research", 4),
    ("billing", 2),
    ("BILLING", 2),
    ("Billing", 2),
    ("ledger", 3),
    ("Ledger", 4),
    ("LEDGER", 5),
    (ZURICH.upper(), 1),
    (unicodedata.normalize("NFD", ZURICH), 2),
    (ZURICH, 3),
    ("STRASSE", 5),
    ("strasse", 5),
    ("Straße", 5),
    ("tiny", 1),
    ("Tiny", 1),
    ("design", 5),
]


# -- the store ----------------------------------------------------------------------------------------


def _component(file_repo: str, position: int, name: str, owner: str, repo: str) -> dict[str, Any]:
    return {
        "file_repo": file_repo,
        "position": position,
        "name": name,
        "owner": owner,
        "repo": repo,
        "pagerduty_service": None,
    }


def build_store(tmp: Path) -> Path:
    """The organisation of the module docstring, written as a sync would have written it."""
    url = f"duckdb:///{tmp}/store.duckdb"
    config = tmp / "doraspace.yaml"
    teams = [
        {"name": "payments", "repositories": ["acme/payments"], "headcount": 5},
        {"name": "sre", "pagerduty_services": ["PSRE"], "headcount": 4},
        {"name": "research", "headcount": 6},
        {"name": "design", "headcount": 3},
        {"name": "tiny", "repositories": ["acme/tiny"], "headcount": 2},
        {"name": STRASSE, "repositories": ["acme/strasse"], "headcount": 3},
        {"name": ZURICH, "repositories": ["acme/zurich"], "pagerduty_services": ["PZ"], "headcount": 5},
    ]
    config.write_text(
        "database:\n"
        f"  url: {url}\n"
        "pagerduty:\n  service_ids: [PORPHAN]\n"
        f"teams: {json.dumps(teams)}\n"
        "metrics:\n  windows: [30d]\n  benchmarks: dora-2023\n"
        "incidents:\n  attribution_window: 24h\n"
        f"surveys:\n  min_group_size: 3\n  respondent_secret: ${{{SECRET_VARIABLE}}}\n",
        encoding="utf-8",
    )
    repos = [
        "acme/payments",
        "acme/tiny",
        "acme/strasse",
        "acme/strasse-web",
        "acme/zurich",
        "acme/billing-api",
        "acme/billing-web",
        "acme/legacy",
    ]
    engine = open_store(url)
    try:
        with engine.begin() as conn:
            write_repositories(conn, [RepositoryFact(repo, "main") for repo in repos], {}, AS_OF)
            conn.execute(
                insert(schema.catalog_components),
                [
                    _component("acme/billing-web", 0, "billing-web", "billing", "acme/billing-web"),
                    _component("acme/billing-web", 1, "ledger-jobs", "ledger", "acme/ledger-jobs"),
                    _component("acme/billing-api", 0, "billing-api", "Billing", "acme/billing-api"),
                    _component("acme/strasse-web", 0, "strasse-web", "STRASSE", "acme/strasse-web"),
                ],
            )
        facts = Facts(engine)
        for repo in repos:
            if repo != "acme/legacy":
                facts.deployment(FIRST, compare="first", sha=sha(f"first-{repo}"), repo=repo)

        def ship(repo: str, deployed: datetime, name: str, authored: datetime) -> None:
            change = facts.commit(sha(name), authored, repo=repo)
            facts.deployment(deployed, ships=[change], repo=repo)

        ship("acme/payments", at(10, 12), "p1", at(10, 0))
        ship("acme/billing-api", at(20, 6), "b1", at(20, 0))
        ship("acme/billing-web", at(22, 0), "w1", at(21, 16))
        ship("acme/strasse", at(15, 0), "s1", at(14, 0))
        ship("acme/zurich", at(25, 0), "z1", at(24, 22))
        add_incident(facts, "PZ-1", at(25, 1), resolved_at=at(25, 2), service="PZ", title="errors")
        add_incident(facts, "PSRE-1", at(20, 10), resolved_at=at(20, 12), service="PSRE", title="disk")
        add_incident(facts, "PORPHAN-1", at(25, 0), resolved_at=at(25, 3), service="PORPHAN", title="dns")
    finally:
        engine.dispose()
    return config


@dataclass(frozen=True)
class Outputs:
    tmp: Path
    config: Path
    rows: list[dict[str, Any]]  # doraspace metrics --format json
    csv_text: str  # doraspace metrics --format csv
    scores: list[dict[str, Any]]  # doraspace survey scores --format json
    text: str  # /metrics
    reports: Path
    pages: dict[str, str]  # team ("index" for the index) → page, as linked from the index
    dashboards: dict[str, Any]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv), now=AS_OF)
    return status, out.getvalue(), err.getvalue()


def run_ok(*argv: str) -> str:
    status, out, err = run(*argv)
    assert status == 0, err
    return out


def import_answers(tmp: Path, config: Path, answers: Sequence[tuple[str, int]] = ANSWERS) -> None:
    definition = tmp / "devex.yaml"
    definition.write_text(DEFINITION, encoding="utf-8")
    export = tmp / "answers.csv"
    with export.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["respondent_id", "team", "submitted_at", "item_id", "answer"])
        for number, (team, answer) in enumerate(answers):
            writer.writerow([f"r{number:02d}", team, "", "s1", str(answer)])
    run_ok(
        *("survey", "import", str(export), "--config", str(config)),
        *("--definition", str(definition), "--quarter", Q2, "--format", "long"),
    )


def page_files(folder: Path) -> dict[str, str]:
    """Team → the file its index row links to ("*" is the row linking team-organisation.html)."""
    index = (folder / "index.html").read_text(encoding="utf-8")
    files: dict[str, str] = {}
    for file, shown in re.findall(r'<th scope="row"><a href="(team-[^"]+\.html)">(.*?)</a></th>', index):
        team = ORG if file == "team-organisation.html" else html.unescape(shown)
        assert team not in files, team
        files[team] = file
    return files


def pages_of(folder: Path) -> dict[str, str]:
    pages = {"index": (folder / "index.html").read_text(encoding="utf-8")}
    for team, file in page_files(folder).items():
        pages[team] = (folder / file).read_text(encoding="utf-8")
    return pages


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outputs]:
    tmp = tmp_path_factory.mktemp("round13-team-sets")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET_VARIABLE, "audit-r13-team-sets-secret")
        config_path = build_store(tmp)
        import_answers(tmp, config_path)
        base = ("--config", str(config_path))
        rows = json.loads(run_ok("metrics", *base, "--format", "json", "--as-of", AS_OF_TEXT))
        csv_text = run_ok("metrics", *base, "--format", "csv", "--as-of", AS_OF_TEXT)
        scores = json.loads(run_ok("survey", "scores", *base, "--format", "json"))
        config = load_config(config_path)
        engine = open_store(config.database_url)
        try:
            snapshot = build_snapshot(config, engine, now=AS_OF, as_of=AS_OF, weeks=1)
        finally:
            engine.dispose()
        exposition = Exposition(clock=lambda: AS_OF)
        exposition.update(snapshot)
        text = exposition.render().decode("utf-8")
        reports = tmp / "reports"
        run_ok("report", *base, "--out", str(reports))
        dashboards = build_dashboards(config.benchmarks)
        yield Outputs(tmp, config_path, rows, csv_text, scores, text, reports, pages_of(reports), dashboards)


# -- reading ------------------------------------------------------------------------------------------

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = (sample.name, frozenset(sample.labels.items()))
            assert key not in found, key
            found[key] = sample.value
    return found


def teams_of(found: Samples, name: str) -> list[str]:
    return sorted({dict(labels)["team"] for metric, labels in found if metric == name})


def section(page: str, anchor: str) -> str | None:
    match = re.search(rf'<section id="{anchor}".*?</section>', page, re.S)
    return None if match is None else match.group(0)


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", " ", fragment))).strip()


def approx(value: Any) -> Any:
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-12, abs=1e-12)
    if isinstance(value, dict):
        return {key: approx(inner) for key, inner in value.items()}
    return value


def metric_row(
    team: str,
    deployments: int,
    lead: tuple[float, float] | None = None,
    cfr: float | None = None,
    recovery: float | None = None,
    restore: tuple[float, float] | None = None,
    incidents: int = 0,
    bands: tuple[str | None, str | None, str | None, str | None] = ("low", None, None, None),
) -> dict[str, Any]:
    """A SPEC §6.4 row of the 30d window; rework is 0 where there are deployments, else null."""
    return {
        "team": team,
        "window": "30d",
        "as_of": AS_OF_TEXT,
        "deployments": deployments,
        "deployment_frequency_per_day": deployments / 30,
        "lead_time_hours_p50": lead[0] if lead else None,
        "lead_time_hours_p90": lead[1] if lead else None,
        "change_failure_rate": cfr,
        "failed_deployment_recovery_hours_p50": recovery,
        "time_to_restore_hours_p50": restore[0] if restore else None,
        "time_to_restore_hours_p90": restore[1] if restore else None,
        "incidents": incidents,
        "rework_rate": 0.0 if deployments else None,
        "lead_time_breakdown_hours_p50": {"coding": None, "pickup": None, "review": None, "deploy": None},
        "bands": dict(
            zip(("deployment_frequency", "lead_time", "change_failure_rate", "recovery"), bands, strict=True)
        ),
    }


EXPECTED_ROWS = [
    metric_row(ORG, 5, (8.0, 19.2), 0.2, 2.0, (2.0, 2.8), 3, ("high", "elite", "low", "high")),
    metric_row("Billing", 2, (7.0, 7.8), 0.0, bands=("medium", "elite", "elite", None)),
    metric_row(STRASSE, 1, (24.0, 24.0), 0.0, bands=("medium", "high", "elite", None)),
    metric_row(ZURICH, 1, (2.0, 2.0), 1.0, 2.0, (1.0, 1.0), 1, ("medium", "elite", "low", "high")),
    metric_row("payments", 1, (12.0, 12.0), 0.0, bands=("medium", "elite", "elite", None)),
    metric_row("sre", 0, restore=(2.0, 2.0), incidents=1, bands=("low", None, None, "high")),
    metric_row("tiny", 0),
    metric_row("unowned", 0, restore=(3.0, 3.0), incidents=1, bands=("low", None, None, "high")),
]


def score_row(team: str, score: float, favourable: float, respondents: int, rate: float | None) -> Any:
    return {
        "team": team,
        "quarter": Q2,
        "dimension": SAT,
        "score": pytest.approx(score, rel=1e-12),
        "favourable": pytest.approx(favourable, rel=1e-12),
        "respondents": respondents,
        "response_rate": None if rate is None else pytest.approx(rate, rel=1e-12),
        "change": None,
    }


EXPECTED_SCORES = [
    score_row(ORG, 61.0, 0.52, 25, None),
    score_row("Billing", 25.0, 0.0, 3, None),
    score_row(STRASSE, 100.0, 1.0, 3, 1.0),
    score_row(ZURICH, 25.0, 0.0, 3, 3 / 5),
    score_row("ledger", 75.0, 2 / 3, 3, None),
    score_row("payments", 250 / 3, 1.0, 3, 3 / 5),
    score_row("research", 87.5, 1.0, 4, 4 / 6),
    score_row("sre", 50.0, 0.0, 3, 3 / 4),
]


# == 1. The command-line outputs ==========================================================================


def test_metrics_json_has_one_row_per_owning_team_with_the_hand_worked_values(outputs: Outputs) -> None:
    """docs/metrics.md "Team": "Every team owning a repository or a collected PagerDuty service gets a row
    for every window, even with nothing in it: a team owning PagerDuty services only (an SRE team, or
    ``unowned`` for a ``service_ids`` service nobody owns) has 0 deployments and its incidents and restore
    times"; catalog owners ``Billing``/``billing`` "are one team, spelled as first met in file order";
    SPEC §6.4 "sorted by team (``"*"`` first)". research and design own nothing: no row. The values are
    the module docstring's table."""
    assert [row["team"] for row in outputs.rows] == METRIC_TEAMS
    assert outputs.rows == [approx(row) for row in EXPECTED_ROWS]


def test_metrics_csv_holds_the_json_rows_with_every_name_intact(outputs: Outputs) -> None:
    """README "--format csv": "one column per JSON field, the breakdown flattened"; names holding a comma,
    quote or line break quoted (RFC 4180). Read back with ``csv``, the same teams in the same order, each
    cell the JSON value (null an empty cell)."""
    records = list(csv.DictReader(io.StringIO(outputs.csv_text, newline="")))
    assert [record["team"] for record in records] == METRIC_TEAMS
    for record, row in zip(records, outputs.rows, strict=True):
        flat: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, dict):
                flat |= {f"{key}.{inner}": inner_value for inner, inner_value in value.items()}
            else:
                flat[key] = value
        assert list(record) == list(flat)
        for key, value in flat.items():
            if value is None:
                assert record[key] == "", (row["team"], key)
            elif isinstance(value, float):
                assert float(record[key]) == value, (row["team"], key)
            else:
                assert record[key] == str(value), (row["team"], key)


def test_survey_scores_json_names_the_shown_teams_in_their_ownership_spelling(outputs: Outputs) -> None:
    """SPEC §7.5 "one object per shown (not suppressed) team, quarter and dimension, sorted by team …
    Suppressed groups do not appear at all"; docs/surveys.md "The team is stored as the configured team
    name, never as the answer was typed" and "compared the same way with the team names of the ownership
    map": ``BILLING`` is Billing (the catalog's first spelling), ``STRASSE`` is Straße, the decomposed
    and upper-case Zürich is the configured Zürich. tiny (2) and design (1) are under 3: no row. The values
    are the module docstring's."""
    assert [row["team"] for row in outputs.scores] == SURVEY_TEAMS
    assert outputs.scores == EXPECTED_SCORES


def test_no_second_spelling_of_a_team_reaches_any_output(outputs: Outputs) -> None:
    """docs/metrics.md: ``Billing`` and ``billing`` "are one team, spelled as first met in file order",
    ``STRASSE`` "the configured ``Straße``"; docs/surveys.md: "never as the answer was typed". No output
    names ``billing``, ``STRASSE``, ``strasse`` or a decomposed/upper-case Zürich as a team."""
    others = {
        "billing",
        "BILLING",
        "STRASSE",
        "strasse",
        ZURICH.upper(),
        unicodedata.normalize("NFD", ZURICH),
    }
    found = parse(outputs.text)
    labelled = {dict(labels)["team"] for _, labels in found if "team" in dict(labels)}
    named = {row["team"] for row in outputs.rows} | {row["team"] for row in outputs.scores} | labelled
    assert not named & others
    assert set(outputs.pages) - {"index"} == set(REPORT_TEAMS)
    for team, page in outputs.pages.items():
        if team in ("index", ORG):
            continue
        heading = re.search(r"<h1>(.*?)</h1>", page, re.S)
        assert heading is not None, team
        assert html.unescape(heading.group(1)) == team


def table_teams(text: str) -> list[str]:
    """The team column of a ``--format table`` output: the header's ``team`` column, padded to the width
    of its longest cell and followed by two spaces (names hold single spaces here)."""
    lines = text.splitlines()
    header = lines[1]
    width = len(header) - len(header[4:].lstrip()) - 2  # "team", its padding, then two spaces
    assert header[:width].rstrip() == "team"
    return [line[:width].rstrip() for line in lines[2:]]


def test_the_table_formats_list_the_json_teams_in_the_json_order(outputs: Outputs) -> None:
    """SPEC §2 ``--format table|json|csv`` of one command are one result: ``metrics --format table``
    lists the metrics JSON's teams, ``survey scores --format table`` the scores JSON's, in their order,
    the quote, ``<``, backslash and non-ASCII names as they are (printable, so not escaped)."""
    metrics = run_ok(
        *("metrics", "--config", str(outputs.config), "--format", "table", "--as-of", AS_OF_TEXT)
    )
    assert table_teams(metrics) == METRIC_TEAMS
    scores = run_ok("survey", "scores", "--config", str(outputs.config), "--format", "table")
    assert table_teams(scores) == SURVEY_TEAMS


def test_survey_scores_csv_reads_back_to_the_json_rows(outputs: Outputs) -> None:
    """SPEC §2 ``survey scores --format csv``; README: one column per JSON field, RFC 4180 quoting. Read
    back, the same teams (Zürich's doubled quotes undone), values and nulls (empty cells)."""
    text = run_ok("survey", "scores", "--config", str(outputs.config), "--format", "csv")
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [record["team"] for record in records] == SURVEY_TEAMS
    for record, row in zip(records, outputs.scores, strict=True):
        assert list(record) == list(row)
        for key, value in row.items():
            if value is None:
                assert record[key] == "", (row["team"], key)
            elif isinstance(value, float):
                assert float(record[key]) == value, (row["team"], key)
            else:
                assert record[key] == str(value), (row["team"], key)


def test_check_config_prints_every_team_of_the_ownership_map(outputs: Outputs) -> None:
    """SPEC §2 ``check-config`` "prints the resolved ownership map (repo/service → team)"; §4 "A team is
    its owner". The map holds ledger (acme/ledger-jobs, named by the catalog but not collected), the
    catalog spellings Billing and Straße, unowned's repository and ``service_ids`` service, and sre's
    PagerDuty service — the teams the survey import accepts (docs/surveys.md "the team names of the
    ownership map")."""
    out = run_ok("check-config", "--config", str(outputs.config))
    lines = [line.strip() for line in out.splitlines() if line.startswith("  ")]
    assert lines == [
        "repo acme/billing-api → Billing (catalog)",
        "repo acme/billing-web → Billing (catalog)",
        "repo acme/ledger-jobs → ledger (catalog)",
        "repo acme/legacy → unowned (unowned)",
        "repo acme/payments → payments (config)",
        f"repo acme/strasse → {STRASSE} (config)",
        f"repo acme/strasse-web → {STRASSE} (catalog)",
        "repo acme/tiny → tiny (config)",
        f"repo acme/zurich → {ZURICH} (config)",
        "pagerduty PORPHAN → unowned (unowned)",
        "pagerduty PSRE → sre (config)",
        f"pagerduty PZ → {ZURICH} (config)",
    ]


# == 2. /metrics ==========================================================================================


def test_dora_series_name_exactly_the_metrics_teams_with_their_values(outputs: Outputs) -> None:
    """SPEC §8.1: team gauges "labels ``team`` and ``window``", "Null values are absent series"; §9 label
    values "escaped wherever they are rendered (… Prometheus text …)". Parsed back, ``dora_deployments``
    names exactly the JSON's teams (the quote, backslash, ``<``, ``&`` and non-ASCII letters intact), and
    every dora_* sample is its JSON value (hours × 3600); ``dora_band`` has no series for a null band."""
    found = parse(outputs.text)
    assert teams_of(found, "dora_deployments") == sorted(METRIC_TEAMS)
    expected: Samples = {}
    plain = {
        "deployments": "dora_deployments",
        "deployment_frequency_per_day": "dora_deployment_frequency_per_day",
        "change_failure_rate": "dora_change_failure_rate",
        "incidents": "dora_incidents",
        "rework_rate": "dora_rework_rate",
    }
    durations = {
        "lead_time_hours_p50": ("dora_lead_time_seconds", "50"),
        "lead_time_hours_p90": ("dora_lead_time_seconds", "90"),
        "failed_deployment_recovery_hours_p50": ("dora_failed_deployment_recovery_seconds", "50"),
        "time_to_restore_hours_p50": ("dora_time_to_restore_seconds", "50"),
        "time_to_restore_hours_p90": ("dora_time_to_restore_seconds", "90"),
    }
    for row in outputs.rows:
        labels = {"team": row["team"], "window": "30d"}
        for field, name in plain.items():
            if row[field] is not None:
                expected[(name, frozenset(labels.items()))] = float(row[field])
        for field, (name, percentile) in durations.items():
            if row[field] is not None:
                key = (name, frozenset((labels | {"percentile": percentile}).items()))
                expected[key] = row[field] * HOUR
        for metric, band in row["bands"].items():
            if band is None:
                continue
            for candidate in ("elite", "high", "medium", "low"):
                key = (
                    "dora_band",
                    frozenset({"team": row["team"], "metric": metric, "band": candidate}.items()),
                )
                expected[key] = 1.0 if candidate == band else 0.0
    served = {key: value for key, value in found.items() if key[0].startswith("dora_")}
    assert set(served) == set(expected)
    assert served == {key: pytest.approx(value, rel=1e-12) for key, value in expected.items()}
    escaped = ZURICH.replace("\\", "\\\\").replace('"', '\\"')
    assert f'dora_deployments{{team="{escaped}",window="30d"}} 1.0' in outputs.text


def test_space_series_name_exactly_the_shown_survey_teams_and_nothing_suppressed(outputs: Outputs) -> None:
    """SPEC §8.1 ``space_score{team, dimension, quarter}`` … ``space_respondents{team, quarter}``; §7.4 a
    suppressed group has "no score, no count, nowhere (CLI, metrics, reports, dashboards)". The space_*
    teams are the survey JSON's teams; each sample is its JSON value; tiny and design have none."""
    found = parse(outputs.text)
    for name in ("space_score", "space_favourable_ratio", "space_respondents"):
        assert teams_of(found, name) == sorted(SURVEY_TEAMS), name
    assert teams_of(found, "space_response_rate") == sorted(
        row["team"] for row in outputs.scores if row["response_rate"] is not None
    )
    expected: Samples = {}
    for row in outputs.scores:
        with_dimension = frozenset({"team": row["team"], "dimension": SAT, "quarter": Q2}.items())
        quarter = frozenset({"team": row["team"], "quarter": Q2}.items())
        expected[("space_score", with_dimension)] = row["score"]
        expected[("space_favourable_ratio", with_dimension)] = row["favourable"]
        expected[("space_respondents", quarter)] = float(row["respondents"])
        if row["response_rate"] is not None:
            expected[("space_response_rate", quarter)] = row["response_rate"]
    served = {key: value for key, value in found.items() if key[0].startswith("space_")}
    assert served == {key: pytest.approx(value, rel=1e-12) for key, value in expected.items()}
    space_lines = [line for line in outputs.text.splitlines() if line.startswith("space_")]
    for team in SUPPRESSED:
        assert not [line for line in space_lines if f'team="{team}"' in line], team


# == 3. The dashboards' team variables =====================================================================


def variable(board: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [v for v in board["templating"]["list"] if v["name"] == name]
    assert len(found) == 1, name
    return found[0]


def grafana_regex(pattern: str) -> re.Pattern[str]:
    """A Grafana ``/…/`` variable regex as Python compiles it (these use no JavaScript-only syntax)."""
    assert pattern.startswith("/") and pattern.endswith("/")
    return re.compile(pattern[1:-1])


def test_team_variables_list_the_metrics_teams_and_the_shown_survey_teams_without_the_organisation(
    outputs: Outputs,
) -> None:
    """SPEC §8.2 "a ``$team`` variable from ``label_values(dora_deployments, team)`` that leaves out
    ``*``"; docs/grafana.md, SPACE dashboard: "``$team`` (from ``label_values(space_score, team)``,
    without ``*``: only teams with shown scores appear)". Applied to this /metrics: the team dashboard
    lists every metrics team but "*" (unowned, sre and tiny included, each name intact); the SPACE one
    every shown survey team but "*" (research and ledger in, tiny and design out)."""
    found = parse(outputs.text)
    lists = {}
    for file, metric in (
        ("doraspace-team.json", "dora_deployments"),
        ("doraspace-space.json", "space_score"),
    ):
        team = variable(outputs.dashboards[file], "team")
        query = team["query"]
        query = query["query"] if isinstance(query, dict) else query
        assert query == f"label_values({metric}, team)"
        keep = grafana_regex(team["regex"])
        lists[file] = [value for value in teams_of(found, metric) if keep.fullmatch(value)]
    assert lists == {
        "doraspace-team.json": sorted(set(METRIC_TEAMS) - {ORG}),
        "doraspace-space.json": sorted(set(SURVEY_TEAMS) - {ORG}),
    }


# == 4. The reports ========================================================================================


def index_rows(outputs: Outputs) -> dict[str, list[str]]:
    index = section(outputs.pages["index"], "teams")
    assert index is not None
    rows = {}
    for head, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', index, re.S):
        rows[text_of(head)] = [text_of(cell) for cell in re.findall(r"<td>(.*?)</td>", cells, re.S)]
    return rows


def test_the_report_index_lists_every_team_of_either_output_once_in_metrics_order(outputs: Outputs) -> None:
    """SPEC §8.3 "An index page and one HTML page per team"; analytics/assembly.py: "A team with survey
    scores but nothing to deploy … is still a team with a page", in "the metrics' own" order. The index
    rows are the metrics teams and the shown survey teams (research, ledger), "*" first as
    "Organisation", each linking to a page; those two without delivery figures ("no data"), and tiny
    (suppressed survey, a metrics row) with its delivery bands. design (no row, no shown group) has no
    row and no page."""
    rows = index_rows(outputs)
    assert list(rows) == ["Organisation", *REPORT_TEAMS[1:]]
    assert set(outputs.pages) == {"index", *REPORT_TEAMS}
    for team in ("research", "ledger"):
        assert rows[team] == ["no data"] * 4, team
    assert rows["tiny"] == ["Low none", "no band n/a", "no band n/a", "no band n/a"]
    assert rows[ZURICH] == ["Medium 1.0 / month", "Elite 2.0 h", "Low 100.0 %", "High 2.0 h"]
    assert rows["unowned"] == ["Low none", "no band n/a", "no band n/a", "High 3.0 h*"]


def test_every_page_escapes_the_name_and_shows_it_as_the_json_spells_it(outputs: Outputs) -> None:
    """SPEC §9 label values "escaped wherever they are rendered (HTML …)". Zürich's name appears on the
    index and on its page only as escaped text (``&#34;``/``&quot;``, ``&lt;b&gt;``, ``&amp;``), never as
    markup: no ``<b>`` element is added, and the page's ``<h1>`` reads exactly the JSON's name."""
    raw = ZURICH
    for team in ("index", ZURICH):
        page = outputs.pages[team]
        assert "<b>" not in page, team
        assert "&lt;b&gt;" in page, team
    heading = re.search(r"<h1>(.*?)</h1>", outputs.pages[ZURICH], re.S)
    assert heading is not None
    assert raw in html.unescape(heading.group(1))
    assert [
        text_of(h) for h in re.findall(r'<th scope="row">(.*?)</th>', outputs.pages["index"], re.S)
    ].count(raw) == 1


def test_a_suppressed_teams_page_shows_no_survey_figure_and_no_other_output_names_it(
    outputs: Outputs,
) -> None:
    """SPEC §7.4: a suppressed team-quarter has "no score, no count, nowhere (CLI, metrics, reports,
    dashboards)". tiny owns a repository, so it has a page (its delivery numbers) whose SPACE section says
    "2026-Q2: not enough responses." and holds no digit but the quarter's; design owns nothing and has
    no page. Neither appears in the survey JSON or any space_* series (test above)."""
    space = section(outputs.pages["tiny"], "space")
    assert space is not None
    shown = text_of(re.sub(r'<p class="note">.*?</p>', "", space, flags=re.S))
    assert shown.startswith(f"SPACE survey scores {Q2}: not enough responses.")
    assert not re.search(r"\d", shown.replace(Q2, "")), shown
    assert "design" not in outputs.pages
    assert not {row["team"] for row in outputs.scores} & set(SUPPRESSED)
    # Differencing (SPEC §7.4): "*" minus the shown teams leaves tiny and design together, 2 + 1 = 3,
    # not below min_group_size 3: no single hidden group can be worked out.
    respondents = {row["team"]: row["respondents"] for row in outputs.scores}
    assert respondents[ORG] - sum(n for team, n in respondents.items() if team != ORG) == 3


def test_the_survey_only_teams_pages_show_their_json_scores(outputs: Outputs) -> None:
    """SPEC §8.3 pages show "the SPACE scores"; research (configured, owns nothing) and ledger (catalog,
    owns an uncollected repository) have pages with no delivery section, and their SPACE section shows
    the JSON's score (one decimal), favourable share and respondents, and research's response rate."""
    for team, want in (
        ("research", ["Satisfaction and well-being", "87.5", "100.0 %", "4", "no earlier quarter"]),
        ("ledger", ["Satisfaction and well-being", "75.0", "66.7 %", "3", "no earlier quarter"]),
    ):
        page = outputs.pages[team]
        assert section(page, "metrics") is None, team
        space = section(page, "space")
        assert space is not None, team
        cells = [text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", space, re.S)]
        assert cells[-5:] == want, team
    research = text_of(section(outputs.pages["research"], "space") or "")
    assert f"{Q2}: 4 respondents, a response rate of 66.7 %" in research


# == 5. --team: every output's team set, asked one team at a time ============================================


@pytest.mark.parametrize("team", METRIC_TEAMS)
def test_metrics_team_is_that_teams_slice_of_the_whole(outputs: Outputs, team: str) -> None:
    """README ``doraspace metrics [--team T]``: one team's rows are its rows of the whole, for every team
    with rows, the escaped and catalog-spelled ones included."""
    out = run_ok(
        *("metrics", "--config", str(outputs.config), "--format", "json"),
        *("--as-of", AS_OF_TEXT, "--team", team),
    )
    assert json.loads(out) == [row for row in outputs.rows if row["team"] == team]


@pytest.mark.parametrize("team", ["research", "design"])
def test_metrics_team_of_a_configured_team_owning_nothing_is_empty_not_an_error(
    outputs: Outputs, team: str
) -> None:
    """A configured team is a known team (doraspace/pipeline.py ``known_teams``: "Every team a metrics row
    can be for"); owning nothing, it has no row: ``[]`` and exit 0."""
    out = run_ok(
        *("metrics", "--config", str(outputs.config), "--format", "json"),
        *("--as-of", AS_OF_TEXT, "--team", team),
    )
    assert json.loads(out) == []


@pytest.mark.parametrize("team", [*SURVEY_TEAMS, *SUPPRESSED, "unowned"])
def test_survey_scores_team_is_that_teams_slice_or_empty_when_every_group_is_hidden(
    outputs: Outputs, team: str
) -> None:
    """README ``doraspace survey scores [--team T]``; doraspace/cli.py: "A team whose every group is hidden
    is known, and shows nothing". tiny and design (suppressed) and unowned (answers nothing) give ``[]``,
    the others their rows of the whole."""
    out = run_ok("survey", "scores", "--config", str(outputs.config), "--format", "json", "--team", team)
    assert json.loads(out) == [row for row in outputs.scores if row["team"] == team]


@pytest.mark.parametrize("team", ["tiny", ZURICH, "research", "unowned"])
def test_report_team_writes_the_page_the_full_report_writes(outputs: Outputs, team: str) -> None:
    """README ``doraspace report --out DIR [--team T]``: the one page written is the page ``doraspace
    report`` writes for that team (same file name, same content), for a team with delivery rows, with an
    escaped name, with survey scores only, and ``unowned``."""
    folder = outputs.tmp / f"one-{len(list(outputs.tmp.iterdir()))}"
    run_ok("report", "--config", str(outputs.config), "--out", str(folder), "--team", team)
    file = page_files(outputs.reports)[team]
    assert page_files(folder) == {team: file}
    assert (folder / file).read_text(encoding="utf-8") == outputs.pages[team]


def test_report_team_of_a_team_with_nothing_shown_writes_nothing_and_succeeds(outputs: Outputs) -> None:
    """doraspace/cli.py ``cmd_report``: "A known team … with no row yet … nothing to write, which is no
    error". design (configured, owns nothing, its only group suppressed): exit 0, no page."""
    folder = outputs.tmp / "design-only"
    status, _, err = run("report", "--config", str(outputs.config), "--out", str(folder), "--team", "design")
    assert status == 0, err
    assert not folder.exists() or not [path for path in folder.iterdir() if path.name.startswith("team-")]


# == 6. A team of the ownership map is known to the survey import and to --team (refused before) ======


def test_report_team_writes_the_page_of_a_catalog_team_owning_an_uncollected_repository(
    outputs: Outputs,
) -> None:
    """ledger is a team of the ownership map (SPEC §4: "A team is its owner"; the component names
    acme/ledger-jobs through ``github.com/project-slug``), so survey import accepted its people
    (docs/surveys.md: "compared … with the team names of the ownership map"), and ``doraspace report``
    writes ``team-ledger.html`` with its SPACE scores (test above). README ``report --out DIR [--team T]``
    "writes the HTML reports": asked for that team alone, it must write that same page, exit 0.
    (It was refused, exit 2, "--team: unknown team 'ledger'", until this round.)"""
    folder = outputs.tmp / "ledger-only"
    status, _, err = run("report", "--config", str(outputs.config), "--out", str(folder), "--team", "ledger")
    assert status == 0, err
    assert (folder / "team-ledger.html").read_text(encoding="utf-8") == outputs.pages["ledger"]


def test_metrics_team_of_a_catalog_team_owning_an_uncollected_repository_is_known(outputs: Outputs) -> None:
    """doraspace/cli.py ``cmd_report``: "A known team (configured, or owning in the catalog) with no row
    yet, as ``metrics --team`` gives []"; docs/surveys.md: the survey team is one "of the ownership map".
    ledger owns acme/ledger-jobs in the catalog and was accepted by ``survey import``; it has no metrics
    row (the repository is not collected), so ``metrics --team ledger`` should print ``[]`` with exit 0,
    as for the configured research (refused, exit 2, until this round)."""
    status, out, err = run(
        *("metrics", "--config", str(outputs.config), "--format", "json"),
        *("--as-of", AS_OF_TEXT, "--team", "ledger"),
    )
    assert status == 0, err
    assert json.loads(out) == []


def scores_for(config: Path, *extra: str) -> tuple[int, str, str]:
    return run("survey", "scores", "--config", str(config), "--format", "json", *extra)


def ledger_suppressed(tmp: Path) -> Path:
    """The organisation again, in a folder of its own, with ledger's three respondents cut to two."""
    config = build_store(tmp)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET_VARIABLE, "audit-r13-team-sets-secret")
        import_answers(tmp, config, [answer for answer in ANSWERS if answer[0] != "LEDGER"])
    return config


def test_survey_scores_team_of_a_suppressed_catalog_team_is_empty_not_unknown(tmp_path: Path) -> None:
    """doraspace/cli.py ``cmd_survey``: "A team whose every group is hidden is known, and shows nothing; an
    unknown one is refused"; docs/metrics.md: "A team that did not take part looks the same as a
    suppressed one, on purpose". With ledger's people cut to two (under 3), ledger is suppressed like
    tiny; ``survey scores --team ledger`` must answer ``[]`` with exit 0, as ``--team tiny`` does — a
    refusal tells the two apart (it was refused, exit 2, until this round)."""
    config = ledger_suppressed(tmp_path)
    status, out, err = scores_for(config, "--team", "tiny")
    assert (status, json.loads(out)) == (0, []), err
    everything = json.loads(scores_for(config)[1])
    assert "ledger" not in {row["team"] for row in everything}
    status, out, err = scores_for(config, "--team", "ledger")
    assert status == 0, err
    assert json.loads(out) == []
