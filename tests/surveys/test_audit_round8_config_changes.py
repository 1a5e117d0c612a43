"""SPACE surveys while the configuration changes between (or within) quarters, audit round 8 (SPEC §3,
§7.1, §7.3, §7.4, §7.5; docs/surveys.md, docs/metrics.md, docs/configuration.md).

Every scenario keeps one DuckDB store open and changes the configuration between two steps, as an
operator editing doraspace.yaml would: the config text is parsed by the real loader (``parse_config``),
imports go through ``import_survey`` with the config's secret and ``team_spellings`` of its ``teams:``
(what ``doraspace survey import`` does when no catalog is stored), and scores through
``compute_survey_scores(config, engine)``, the function behind ``doraspace survey scores --format json``
(headcounts and ``min_group_size`` from the config). Changes covered:
``min_group_size`` raised and lowered after import, a team renamed and its old export imported again, a
team removed from ``teams:`` after its answers were stored, headcounts changed and a team added between
quarters, a ``survey_names`` spelling moved to another team between two exports of one quarter, the
respondent secret rotated between two exports of one quarter, a team renamed in letter case only.
The round-6 file tests/analytics/test_audit_round6_space_quarters.py already covers a rename through
``survey_names`` before both imports and a rename after the older import (the history splits); these
scenarios start where it stops.

Every expected number is worked out by hand in the docstrings from SPEC §7.4:

* an answer's point on 0–100 is ``(x − 1) / 4 × 100`` on the five-point agreement scale used here
  (1 → 0, 2 → 25, 3 → 50, 4 → 75, 5 → 100); favourable = 4 or 5;
* ``score`` = mean over the dimension's items of ``(item mean − 1) / 4 × 100``; ``favourable`` =
  favourable ÷ valid answers; ``respondents`` = people (pseudonyms) with a valid answer on it;
* a team-quarter or a single dimension with fewer than ``min_group_size`` respondents is hidden;
  ``"*"`` counts everyone; differencing: while ``"*"`` is shown and the hidden teams together hold
  fewer than ``min_group_size`` respondents, the smallest shown team is hidden too, repeatedly;
* change: the calendar quarter before, both shown, wordings unchanged; rising/falling when moved ≥ 5
  and > 1.96 × √(SE₁² + SE₂²), SE² = (sample variance of the respondents' own 0–100 scores) ÷ n;
* ``response_rate`` = team-quarter respondents ÷ headcount; ``"*"`` ÷ the sum of the headcounts.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from doraspace.config import Config, parse_config
from doraspace.pipeline import compute_survey_scores
from store import schema
from store.engine import open_store
from store.errors import SurveyImportError
from surveys.definition import parse_definition
from surveys.importer import ImportReport, import_survey, team_spellings

Q2, Q3 = "2026-Q2", "2026-Q3"
SAT, COM = "satisfaction", "communication"
SECRET = "round8-config-changes"
TEAM = "Which team are you on?"
TOOLS = "I am satisfied with the tools and processes I use to do my work"
HELP = "It is easy to get help from other teams when my work depends on them"
DEFINITION = parse_definition(f"""
survey: devex
scales:
  agree5:
    points: 5
    labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree]
    favourable: [4, 5]
missing: ["I don't know", "N/A", ""]
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: com_help, text: "{HELP}", dimension: communication, scale: agree5}}
""")
Teams = Sequence[tuple[str, int | None, Sequence[str]]]
# (respondent id, team as typed, tools answer, help answer); "" leaves an item unanswered.
Person = tuple[str, str, str, str]
AGREE = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def long_export(path: Path, people: Sequence[Person]) -> Path:
    """A ``long`` export (SPEC §7.2) answering sat_tools and com_help: one row per answer given (a
    person answering tools only has one row), so the n-th person answering tools only is row n + 1."""
    rows = [["respondent_id", "team", "submitted_at", "item_id", "answer"]]
    for who, team, tools, help_ in people:
        answered = (("sat_tools", tools), ("com_help", help_))
        rows += [[who, team, "", item, answer] for item, answer in answered if answer]
    return write_csv(path, rows)


def tools(team: str, answers: dict[str, int]) -> list[Person]:
    """People answering only sat_tools (by the scale's label): respondent id → point."""
    return [(who, team, AGREE[answer], "") for who, answer in answers.items()]


def config_text(teams: Teams, minimum: int) -> str:
    lines = []
    for name, headcount, names in teams:
        spelled = ", ".join(json.dumps(spelling) for spelling in names)
        count = "null" if headcount is None else headcount
        lines.append(f"  - {{name: {name}, headcount: {count}, survey_names: [{spelled}]}}")
    team_lines = "\n".join(lines)
    return f"""
database:
  url: "duckdb:///:memory:"
teams:
{team_lines}
surveys:
  min_group_size: {minimum}
  respondent_secret: ${{ROUND8_SURVEY_SECRET}}
"""


class Operator:
    """One organisation's store, and the configuration of the day (rewritten at will)."""

    def __init__(self, folder: Path, engine: Engine) -> None:
        self.folder, self.engine = folder, engine
        self.config: Config | None = None

    def configure(self, teams: Teams, *, minimum: int, secret: str = SECRET) -> Config:
        self.config = parse_config(config_text(teams, minimum), environ={"ROUND8_SURVEY_SECRET": secret})
        return self.config

    @property
    def current(self) -> Config:
        assert self.config is not None
        return self.config

    def import_file(self, file: Path, quarter: str, fmt: str = "long") -> ImportReport:
        """What ``doraspace survey import FILE --quarter Q`` does with the config of the day."""
        return import_survey(
            self.engine,
            file,
            DEFINITION,
            quarter=quarter,
            fmt=fmt,
            secret=self.current.surveys.respondent_secret.value(),
            team_names=team_spellings({team.name: team.survey_names for team in self.current.teams}),
        )

    def load(self, name: str, people: Sequence[Person], quarter: str) -> ImportReport:
        return self.import_file(long_export(self.folder / name, people), quarter)

    def refused(self, name: str, people: Sequence[Person], quarter: str) -> SurveyImportError:
        """Imports a file that must be refused whole; returns the error, the store unchanged."""
        before = self.dump()
        with pytest.raises(SurveyImportError) as refusal:
            self.load(name, people, quarter)
        assert self.dump() == before
        return refusal.value

    def scores(self) -> list[dict[str, Any]]:
        """``doraspace survey scores --format json`` under the config of the day."""
        return [score.to_json_dict() for score in compute_survey_scores(self.current, self.engine)]

    def stored(self) -> dict[str, dict[str, int]]:
        """quarter → team → stored respondents (pseudonyms)."""
        table = schema.survey_responses
        with self.engine.connect() as conn:
            found = conn.execute(select(table.c.quarter, table.c.team)).all()
        counted: dict[str, Counter[str]] = {}
        for quarter, team in found:
            counted.setdefault(quarter, Counter())[team] += 1
        return {quarter: dict(teams) for quarter, teams in sorted(counted.items())}

    def dump(self) -> list[tuple[Any, ...]]:
        tables = (schema.survey_items, schema.survey_responses, schema.survey_answers)
        with self.engine.connect() as conn:
            return sorted((tuple(r) for table in tables for r in conn.execute(select(table))), key=str)


@pytest.fixture
def operator(tmp_path: Path) -> Iterator[Operator]:
    engine = open_store("duckdb:///:memory:")
    try:
        yield Operator(tmp_path, engine)
    finally:
        engine.dispose()


def row(
    team: str,
    quarter: str,
    dimension: str,
    score: float,
    favourable: float,
    respondents: int,
    rate: float | None,
    change: str | None,
) -> dict[str, Any]:
    """A whole SPEC §7.5 object, floats compared to 1e-12."""
    return {
        "team": team,
        "quarter": quarter,
        "dimension": dimension,
        "score": pytest.approx(score, rel=1e-12, abs=1e-12),
        "favourable": pytest.approx(favourable, rel=1e-12, abs=1e-12),
        "respondents": respondents,
        "response_rate": None if rate is None else pytest.approx(rate, rel=1e-12),
        "change": change,
    }


# ==================================================================================================
# 1. min_group_size lowered and raised after import × per-dimension suppression × differencing ×
#    the change, which needs the previous quarter shown under the threshold of the day
# ==================================================================================================

THREE_TEAMS: Teams = [("a", 6, []), ("b", 5, []), ("c", 4, [])]
MIN_Q2 = [
    *((f"a{n}", "A", "Agree", "Agree" if n < 5 else "") for n in range(1, 6)),
    *((f"b{n}", "b", "Disagree", "Disagree") for n in range(1, 5)),
    *((f"c{n}", "C", "Strongly agree", "Strongly agree") for n in range(1, 4)),
]
MIN_Q3 = [
    *((f"a{n}", "a", "Strongly agree", "Strongly agree") for n in range(1, 7)),
    *((f"b{n}", "B", "Neither agree nor disagree", "Neither agree nor disagree") for n in range(1, 6)),
    *((f"c{n}", "c", "Strongly disagree", "Strongly disagree") for n in range(1, 4)),
]


def test_min_group_size_changed_after_import_rejudges_every_quarter_and_its_change(
    operator: Operator,
) -> None:
    """Teams a (headcount 6), b (5), c (4); items tools (satisfaction) and help (communication), agree5.
    Both quarters are imported while min_group_size is 5, then scored at 5, 3 and 4: SPEC §7.4 judges
    "a team's quarter with fewer than min_group_size respondents" with the configured value, and
    nothing in SPEC ties that judgement to the import, so the stored answers are judged again.

    2026-Q2: a1–a5 tools 4, help 4 (a5 leaves help blank); b1–b4 2, 2; c1–c3 5, 5.
      counts a 5, b 4, c 3; help respondents a 4, b 4, c 3.
      a 75 (both), favourable 1, sat 5 / com 4 respondents, rate 5/6; b 25, 0, 4, 4/5; c 100, 1, 3, 3/4.
      "*" sat (20 + 8 + 15)/12 = 43/12 → (31/12)/4 × 100 = 775/12, favourable (5 + 3)/12 = 2/3, 12;
      "*" com (16 + 8 + 15)/11 = 39/11 → (28/11)/4 × 100 = 700/11, favourable (4 + 3)/11 = 7/11, 11;
      "*" rate 12 ÷ (6 + 5 + 4) = 12/15.
    2026-Q3: a1–a6 5, 5; b1–b5 3, 3; c1–c3 1, 1 (every group answers alike: SE 0 everywhere but "*").
      a 100, 1, 6, rate 1; b 50, 0, 5, rate 1; c 0, 0, 3, rate 3/4.
      "*" both dimensions (30 + 15 + 3)/14 = 24/7 → (17/7)/4 × 100 = 425/7, favourable 6/14 = 3/7, 14,
      rate 14/15. "*" change: sat moved 425/7 − 775/12 = −325/84 ≈ −3.87, com 425/7 − 700/11 =
      −225/77 ≈ −2.92: both under 5 points, stable.

    min 5: Q2 b 4 and c 3 hidden (together 7 ≥ 5: no differencing), a shown; a's help has 4 < 5
      respondents: that dimension hidden (the hidden teams' help people a, b, c = 11 ≥ 5). Q3 c 3
      hidden, 3 < 5 → the smallest shown team, b (5 < 6), hidden too (8). a com Q3 change null (Q2 a com
      hidden); a sat Q3 rising (75 → 100, SE 0, moved 25).
    min 3: everyone shown in both quarters, no hidden team. Q3 changes: a and b rising (+25, SE 0),
      c falling (−100, SE 0).
    min 4: Q2 c 3 hidden, 3 < 4 → b (4 < 5) hidden too (7); a shown with both dimensions (help 4 ≥ 4).
      Q3 as at 5 (c hidden, b by differencing); a com Q3 now rising (its Q2 is shown).
    """
    operator.configure(THREE_TEAMS, minimum=5)
    operator.load("q2.csv", MIN_Q2, Q2)
    operator.load("q3.csv", MIN_Q3, Q3)
    org_q2 = [
        row("*", Q2, COM, 700 / 11, 7 / 11, 11, 12 / 15, None),
        row("*", Q2, SAT, 775 / 12, 2 / 3, 12, 12 / 15, None),
    ]
    org_q3 = [
        row("*", Q3, COM, 425 / 7, 3 / 7, 14, 14 / 15, "stable"),
        row("*", Q3, SAT, 425 / 7, 3 / 7, 14, 14 / 15, "stable"),
    ]
    a_q2_sat = row("a", Q2, SAT, 75.0, 1.0, 5, 5 / 6, None)
    a_q3_sat = row("a", Q3, SAT, 100.0, 1.0, 6, 1.0, "rising")

    assert operator.scores() == [
        *org_q2,
        *org_q3,
        a_q2_sat,
        row("a", Q3, COM, 100.0, 1.0, 6, 1.0, None),
        a_q3_sat,
    ]

    operator.configure(THREE_TEAMS, minimum=3)
    assert operator.scores() == [
        *org_q2,
        *org_q3,
        row("a", Q2, COM, 75.0, 1.0, 4, 5 / 6, None),
        a_q2_sat,
        row("a", Q3, COM, 100.0, 1.0, 6, 1.0, "rising"),
        a_q3_sat,
        row("b", Q2, COM, 25.0, 0.0, 4, 4 / 5, None),
        row("b", Q2, SAT, 25.0, 0.0, 4, 4 / 5, None),
        row("b", Q3, COM, 50.0, 0.0, 5, 1.0, "rising"),
        row("b", Q3, SAT, 50.0, 0.0, 5, 1.0, "rising"),
        row("c", Q2, COM, 100.0, 1.0, 3, 3 / 4, None),
        row("c", Q2, SAT, 100.0, 1.0, 3, 3 / 4, None),
        row("c", Q3, COM, 0.0, 0.0, 3, 3 / 4, "falling"),
        row("c", Q3, SAT, 0.0, 0.0, 3, 3 / 4, "falling"),
    ]

    operator.configure(THREE_TEAMS, minimum=4)
    assert operator.scores() == [
        *org_q2,
        *org_q3,
        row("a", Q2, COM, 75.0, 1.0, 4, 5 / 6, None),
        a_q2_sat,
        row("a", Q3, COM, 100.0, 1.0, 6, 1.0, "rising"),
        a_q3_sat,
    ]
    # What is stored never depended on the threshold.
    assert operator.stored() == {Q2: {"a": 5, "b": 4, "c": 3}, Q3: {"a": 6, "b": 5, "c": 3}}


# ==================================================================================================
# 2. A team renamed after its quarter was imported (the history splits, round 6) × the older export
#    imported again under the new config: refused while one spelling is unknown, then re-mapped
#    (a re-import adds nothing and replaces) × the organisation's rate × the change rejoined
# ==================================================================================================

RENAME_Q2 = [
    ("k1", "Checkout squad", AGREE[2], ""),
    ("k2", "checkout", AGREE[3], ""),
    ("k3", "CHECKOUT  SQUAD", AGREE[3], ""),
    ("k4", "Checkout", AGREE[4], ""),
    *tools("Payments", {"p1": 4, "p2": 4, "p3": 5, "p4": 5}),
]
RENAME_Q3 = [
    ("k1", "Orders", AGREE[5], ""),
    ("k2", "Checkout squad", AGREE[5], ""),
    ("k3", "orders", AGREE[4], ""),
    ("k4", "ORDERS", AGREE[4], ""),
    *tools("payments", {"p1": 4, "p2": 4, "p3": 5, "p4": 5}),
]


def test_a_renamed_teams_older_export_imported_again_under_the_new_config_rejoins_its_history(
    operator: Operator,
) -> None:
    """2026-Q2 imported under teams checkout (headcount 4, survey_names "Checkout squad") and payments
    (5); then checkout was renamed orders (headcount 4, survey_names "Checkout squad") and 2026-Q3
    imported; min_group_size 3 throughout; tools only.

    Own scores (tools point on 0–100): Q2 k1–k4 2, 3, 3, 4 → 25, 50, 50, 75; p1–p4 4, 4, 5, 5 → 75, 75,
    100, 100. Q3 k1–k4 5, 5, 4, 4 → 100, 100, 75, 75; p1–p4 as in Q2.
    Step 1, split (as round 6): Q2 stored as checkout 4 + payments 4, Q3 as orders 4 + payments 4.
      checkout Q2: 12/4 = 3 → 50, favourable 1/4, 4, rate null (no team checkout in today's config).
      payments both quarters: 18/4 = 4.5 → 87.5, favourable 1, 4, rate 4/5; Q3 stable (moved 0).
      "*" Q2: 30/8 = 3.75 → 68.75, favourable 5/8, 8, rate null (checkout answered, no headcount).
      orders Q3: 87.5, 1, 4, rate 4/4, change null (no orders row in Q2).
      "*" Q3: 36/8 = 4.5 → 87.5, favourable 1, 8, rate 8 ÷ (4 + 5) = 8/9. Change, moved 18.75:
        Q2 own mean 68.75, squared deviations 1914.06 + 351.56 × 2 + 39.06 × 3 + 976.56 × 2 = 4687.5,
        variance 669.64, SE² 83.71; Q3 own mean 87.5, SS 8 × 156.25 = 1250, variance 178.57, SE² 22.32;
        1.96 × √106.03 = 20.18 > 18.75: stable.
    Step 2: the Q2 file again under that config: k2 answered "checkout", which is no team and no
      survey name any more: refused naming row 3 (k2's only row), column team; nothing changes.
    Step 3: "Checkout" added to orders' survey_names, the Q2 file again: 8 respondents, 0 new
      (SPEC §7.3: the same file adds nothing), and docs/surveys.md "replaces the answers of those
      already imported" with the team of today's config: Q2 is now orders 4 + payments 4.
      orders Q2: 50, 1/4, 4, rate 4/4; orders Q3 change: moved 37.5, SE² Q2 1250/3/4 = 104.17, Q3
        625/3/4 = 52.08, 1.96 × √156.25 = 24.5 < 37.5: rising.
      "*" Q2 rate now 8/9 (every answering team has a headcount); "*" Q3 unchanged, stable.
    """
    old_config: Teams = [("checkout", 4, ["Checkout squad"]), ("payments", 5, [])]
    operator.configure(old_config, minimum=3)
    operator.load("q2.csv", RENAME_Q2, Q2)
    operator.configure([("orders", 4, ["Checkout squad"]), ("payments", 5, [])], minimum=3)
    operator.load("q3.csv", RENAME_Q3, Q3)
    assert operator.stored() == {Q2: {"checkout": 4, "payments": 4}, Q3: {"orders": 4, "payments": 4}}
    org_q3 = row("*", Q3, SAT, 87.5, 1.0, 8, 8 / 9, "stable")
    payments = [
        row("payments", Q2, SAT, 87.5, 1.0, 4, 0.8, None),
        row("payments", Q3, SAT, 87.5, 1.0, 4, 0.8, "stable"),
    ]
    assert operator.scores() == [
        row("*", Q2, SAT, 68.75, 5 / 8, 8, None, None),
        org_q3,
        row("checkout", Q2, SAT, 50.0, 0.25, 4, None, None),
        row("orders", Q3, SAT, 87.5, 1.0, 4, 1.0, None),
        *payments,
    ]

    refusal = operator.refused("q2.csv", RENAME_Q2, Q2)
    assert (refusal.row, refusal.column) == (3, "team")
    assert "unknown team" in str(refusal)

    operator.configure([("orders", 4, ["Checkout squad", "Checkout"]), ("payments", 5, [])], minimum=3)
    again = operator.load("q2.csv", RENAME_Q2, Q2)
    assert (again.responses, again.new_responses) == (8, 0)
    assert operator.stored() == {Q2: {"orders": 4, "payments": 4}, Q3: {"orders": 4, "payments": 4}}
    assert operator.scores() == [
        row("*", Q2, SAT, 68.75, 5 / 8, 8, 8 / 9, None),
        org_q3,
        row("orders", Q2, SAT, 50.0, 0.25, 4, 1.0, None),
        row("orders", Q3, SAT, 87.5, 1.0, 4, 1.0, "rising"),
        *payments,
    ]


# ==================================================================================================
# 3. A team removed from teams: after its answers were stored × differencing still protecting its
#    hidden answers × the organisation's rate × its old spelling refused in the next export × the
#    change of the teams that stay
# ==================================================================================================

REMOVED_Q2 = [
    *tools("Search", {"s1": 1, "s2": 2, "s3": 2}),
    *tools("Orders", {"o1": 3, "o2": 3, "o3": 4, "o4": 4}),
    *tools("Payments", {"p1": 4, "p2": 4, "p3": 4, "p4": 5, "p5": 5, "p6": 5}),
]
REMOVED_Q3 = [
    *tools("Orders", {"o1": 4, "o2": 4, "o3": 5, "o4": 5, "s1": 3, "s2": 3, "s3": 3}),
    *tools("Payments", {f"p{n}": 4 for n in range(1, 7)}),
]


def test_a_team_removed_from_the_config_keeps_its_stored_answers_hidden_and_counted(
    operator: Operator,
) -> None:
    """2026-Q2 imported under teams search (headcount 3), orders (4), payments (6); then search was
    merged into orders (removed from teams:, orders' headcount 7) and 2026-Q3 imported; min_group_size
    4. Tools only. Nothing in SPEC or docs/ deletes or re-maps stored answers when a team leaves the
    config; SPEC §7.4 "the organisation-wide row counts every respondent, suppressed teams included", so
    search's stored people stay in "*" and among the suppressed teams of differencing.

    Q2: search s1–s3 1, 2, 2 (own 0, 25, 25); orders o1–o4 3, 3, 4, 4 (50, 50, 75, 75); payments p1–p6
      4, 4, 4, 5, 5, 5 (75 × 3, 100 × 3). search 3 < 4 hidden; "*" 13 shown; hidden 3 < 4 → the
      smallest shown team, orders (4 < 6), hidden too (7). Shown: "*", payments — under either config.
      payments: 27/6 = 4.5 → 87.5, favourable 1, 6, rate 6/6.
      "*": (5 + 14 + 27)/13 = 46/13 → (33/13)/4 × 100 = 825/13, favourable (2 + 6)/13 = 8/13, 13;
        rate under the old config 13 ÷ (3 + 4 + 6) = 1; under the new one null: search answered and has
        no headcount any more (docs/metrics.md: "null where a headcount is missing").
    Q3 first file: s3 still answers "Search": refused (an unknown team names its row, SPEC §7.1), row 8
      (o1–o4, s1, s2 on rows 2–7), column team; nothing stored. The corrected file: s3 "Orders".
    Q3: orders o1–o4 4, 4, 5, 5 + s1–s3 3, 3, 3 = 27/7 → (20/7)/4 × 100 = 500/7, favourable 4/7, 7,
      rate 7/7, change null (its Q2 was hidden); payments 4 × 6 → 75, favourable 1, 6, rate 1.
      payments change: moved −12.5; SE² Q2 (SS 6 × 156.25 = 937.5, variance 187.5) ÷ 6 = 31.25, Q3 0;
      1.96 × 5.59 = 10.96 < 12.5: falling.
      "*": (27 + 24)/13 = 51/13 → (38/13)/4 × 100 = 950/13, favourable (4 + 6)/13 = 10/13, 13, rate
      13 ÷ (7 + 6) = 1. Change, moved 125/13 ≈ 9.62: Q2 own Σx² = 1250 + 16250 + 46875 = 64375, n·mean²
      = 825²/13 = 52355.77, SS 12019.23, variance 1001.60, SE² 77.05; Q3 own 75, 75, 100, 100, 50 × 3,
      75 × 6: Σx² 72500, n·mean² 950²/13 = 69423.08, SS 3076.92, variance 256.41, SE² 19.72;
      1.96 × √96.77 = 19.28 > 9.62: stable.
    """
    operator.configure([("search", 3, []), ("orders", 4, []), ("payments", 6, [])], minimum=4)
    operator.load("q2.csv", REMOVED_Q2, Q2)
    payments_q2 = row("payments", Q2, SAT, 87.5, 1.0, 6, 1.0, None)
    assert operator.scores() == [row("*", Q2, SAT, 825 / 13, 8 / 13, 13, 1.0, None), payments_q2]

    operator.configure([("orders", 7, []), ("payments", 6, [])], minimum=4)
    stale = [
        (who, "Search" if who == "s3" else team, tools_, help_) for who, team, tools_, help_ in REMOVED_Q3
    ]
    refusal = operator.refused("q3-first.csv", stale, Q3)
    assert (refusal.row, refusal.column) == (8, "team")
    operator.load("q3.csv", REMOVED_Q3, Q3)
    assert operator.stored() == {
        Q2: {"search": 3, "orders": 4, "payments": 6},
        Q3: {"orders": 7, "payments": 6},
    }
    assert operator.scores() == [
        row("*", Q2, SAT, 825 / 13, 8 / 13, 13, None, None),
        row("*", Q3, SAT, 950 / 13, 10 / 13, 13, 1.0, "stable"),
        row("orders", Q3, SAT, 500 / 7, 4 / 7, 7, 1.0, None),
        payments_q2,
        row("payments", Q3, SAT, 75.0, 1.0, 6, 1.0, "falling"),
    ]


# ==================================================================================================
# 4. Headcounts changed and a team added between quarters × the response rate of every quarter ×
#    differencing hiding the new team's neighbour × the organisation's change
# ==================================================================================================


def test_headcounts_changed_and_a_team_added_rate_every_quarter_by_todays_headcounts(
    operator: Operator,
) -> None:
    """2026-Q2 under orders (headcount 10), payments (5); then mobile was split out of orders: orders 4,
    payments 5, mobile 5 (survey_names "Mobile apps"); 2026-Q3 imported; min_group_size 3; tools only.

    SPEC §3 gives one headcount per team and §7.4 "response_rate = the team-quarter's respondents ÷
    headcount; the organisation row divides by the sum of all headcounts". There is no headcount per
    quarter, so the product divides every quarter, the older ones too, by today's headcounts: SPEC and
    docs/ say nothing more (an ambiguity named in the audit report; the product's reading kept here).

    Q2: orders o1–o8 4 (75); payments p1–p4 2 (25). All shown (8, 4).
      orders 75, favourable 1, 8; payments 25, 0, 4; "*" (32 + 8)/12 = 10/3 → 175/3, favourable 8/12, 12.
      Rates under the old config: orders 8/10, payments 4/5, "*" 12/15.
      Under the new one: orders 8/4 = 2 (above 1: Q2's orders still held mobile's people), payments
      4/5, "*" 12 ÷ (4 + 5 + 5) = 12/14 (mobile, which did not exist in Q2, is in the sum).
    Q3: orders o1–o4 5 (100); payments p1–p3 2 (25); mobile o5, o6 "Mobile apps" 3 (50).
      mobile 2 < 3 hidden; "*" 9 shown; hidden 2 < 3 → the smallest shown team, payments (3 < 4),
      hidden too (5). Shown: "*", orders.
      orders 100, 1, 4, rate 4/4, change 75 → 100 with SE 0 on both sides: rising.
      "*": (20 + 6 + 6)/9 = 32/9 → (23/9)/4 × 100 = 575/9, favourable 4/9, 9, rate 9/14.
      "*" change, moved 575/9 − 175/3 = 50/9 ≈ 5.56 ≥ 5: Q2 own 75 × 8, 25 × 4 (mean 58.33, SS 60000/9
      = 6666.67, variance 606.06, SE² 50.51); Q3 own 100 × 4, 25 × 3, 50 × 2 (mean 63.89, Σx² 46875,
      n·mean² 575²/9 = 36736.11, SS 10138.89, variance 1267.36, SE² 140.82); 1.96 × √191.33 = 27.11
      > 5.56: stable.
    """
    operator.configure([("orders", 10, []), ("payments", 5, [])], minimum=3)
    q2 = [
        *tools("Orders", {f"o{n}": 4 for n in range(1, 9)}),
        *tools("Payments", {f"p{n}": 2 for n in range(1, 5)}),
    ]
    operator.load("q2.csv", q2, Q2)
    assert operator.scores() == [
        row("*", Q2, SAT, 175 / 3, 2 / 3, 12, 12 / 15, None),
        row("orders", Q2, SAT, 75.0, 1.0, 8, 0.8, None),
        row("payments", Q2, SAT, 25.0, 0.0, 4, 0.8, None),
    ]

    operator.configure([("orders", 4, []), ("payments", 5, []), ("mobile", 5, ["Mobile apps"])], minimum=3)
    q3 = [
        *tools("Orders", {f"o{n}": 5 for n in range(1, 5)}),
        *tools("Payments", {f"p{n}": 2 for n in range(1, 4)}),
        *tools("Mobile apps", {"o5": 3, "o6": 3}),
    ]
    operator.load("q3.csv", q3, Q3)
    assert operator.scores() == [
        row("*", Q2, SAT, 175 / 3, 2 / 3, 12, 12 / 14, None),
        row("*", Q3, SAT, 575 / 9, 4 / 9, 9, 9 / 14, "stable"),
        row("orders", Q2, SAT, 75.0, 1.0, 8, 2.0, None),
        row("orders", Q3, SAT, 100.0, 1.0, 4, 1.0, "rising"),
        row("payments", Q2, SAT, 25.0, 0.0, 4, 0.8, None),
    ]


# ==================================================================================================
# 5. A survey_names spelling moved to another team between two exports of one quarter × a later
#    export replacing the respondents it holds (and not those it lost) × differencing × the change
#    against the quarter before, imported under the old spelling
# ==================================================================================================

MOVED_Q2 = [
    *tools("Orders", {"o1": 4, "o2": 4, "o3": 4}),
    *tools("Checkout", {"k1": 2, "k2": 2}),
    *tools("Payments", {"p1": 3, "p2": 3, "p3": 3}),
    *tools("Platform", {"f1": 5, "f2": 5, "f3": 4}),
]
MONDAY = [
    *tools("Orders", {"o1": 4, "o2": 5, "o3": 4}),
    *tools("Checkout", {"k1": 2, "k2": 1, "k3": 2}),
    *tools("Payments", {"p1": 3, "p2": 3, "p3": 4}),
    *tools("Platform", {"f1": 5, "f2": 5}),
]
# Friday's download of the same form: k3 deleted her response, k4 and p4 answered since.
FRIDAY = [
    *tools("Orders", {"o1": 4, "o2": 5, "o3": 4}),
    *tools("Checkout", {"k1": 2, "k2": 1, "k4": 1}),
    *tools("Payments", {"p1": 3, "p2": 3, "p3": 4, "p4": 3}),
    *tools("Platform", {"f1": 5, "f2": 5}),
]


def test_a_survey_name_moved_to_another_team_between_two_exports_of_one_quarter(
    operator: Operator,
) -> None:
    """Teams orders (headcount 6, survey_names "Checkout"), payments (8), platform (4); min_group_size 3;
    tools only. 2026-Q2 and Monday's export of 2026-Q3 are imported; then the checkout people joined
    payments ("Checkout" moved to payments' survey_names) and Friday's export of the same form is
    imported. docs/surveys.md: a later export "adds the new respondents and replaces the answers of
    those already imported" — with the team of the day; k3, absent from Friday's export, keeps
    Monday's stored answer and team (nothing in SPEC or docs/ removes a respondent a later export lacks).

    Q2 stored: orders o1–o3 + k1, k2 (5), payments 3, platform 3; all shown, nobody hidden.
      orders (12 + 4)/5 = 3.2 → 55, favourable 3/5, 5, rate 5/6; payments 3 → 50, 0, 3, rate 3/8;
      platform 14/3 → (11/3)/4 × 100 = 275/3, favourable 1, 3, rate 3/4.
      "*": (16 + 9 + 14)/11 = 39/11 → (28/11)/4 × 100 = 700/11, favourable 6/11, 11, rate 11/18.
    After Monday (old spelling): Q3 orders 6 (o1–o3, k1–k3), payments 3, platform 2 → platform hidden,
      2 < 3 → payments (3 < 6) hidden too.
    After Friday: 12 respondents in the file, 2 new (k4, p4). Q3 stored: orders o1–o3 + k3 (4),
      payments k1, k2, k4, p1–p4 (7), platform 2.
      platform 2 < 3 hidden; "*" 13 shown; hidden 2 < 3 → the smallest shown team, orders (4 < 7),
      hidden too (6). Shown: "*", payments.
      payments: k1 2, k2 1, k4 1, p1–p4 3, 3, 4, 3 = 17/7 → (10/7)/4 × 100 = 250/7, favourable 1/7, 7,
        rate 7/8. Change against payments' Q2 (p1–p3 only: 50, SE 0), moved −100/7 ≈ −14.29; Q3 own 25,
        0, 0, 50, 50, 75, 50: Σx² 13750, n·mean² 62500/7 = 8928.57, SS 4821.43, variance 803.57,
        SE² 114.80; 1.96 × 10.71 = 21.0 > 14.29: stable.
      "*": o1–o3 13 + k3 2 + payments 17 + platform 10 = 42/13 → (29/13)/4 × 100 = 725/13, favourable
        (3 + 1 + 2)/13 = 6/13, 13, rate 13/18. Change, moved 725/13 − 700/11 = −1125/143 ≈ −7.87:
        Q2 own 75 × 3, 25 × 2, 50 × 3, 100, 100, 75: Σx² 51250, n·mean² 700²/11 = 44545.45, SS 6704.55,
        variance 670.45, SE² 60.95; Q3 own 75, 100, 75, 25, (payments) 25, 0, 0, 50, 50, 75, 50, 100,
        100: Σx² 55625, n·mean² 725²/13 = 40432.69, SS 15192.31, variance 1266.03, SE² 97.39;
        1.96 × √158.34 = 24.66 > 7.87: stable.
    """
    operator.configure([("orders", 6, ["Checkout"]), ("payments", 8, []), ("platform", 4, [])], minimum=3)
    operator.load("q2.csv", MOVED_Q2, Q2)
    operator.load("monday.csv", MONDAY, Q3)
    assert operator.stored()[Q3] == {"orders": 6, "payments": 3, "platform": 2}
    assert [(got["team"], got["quarter"]) for got in operator.scores()] == [
        ("*", Q2),
        ("*", Q3),
        ("orders", Q2),
        ("orders", Q3),
        ("payments", Q2),
        ("platform", Q2),
    ]

    operator.configure([("orders", 6, []), ("payments", 8, ["Checkout"]), ("platform", 4, [])], minimum=3)
    friday = operator.load("friday.csv", FRIDAY, Q3)
    assert (friday.responses, friday.new_responses) == (12, 2)
    assert operator.stored() == {
        Q2: {"orders": 5, "payments": 3, "platform": 3},
        Q3: {"orders": 4, "payments": 7, "platform": 2},
    }
    assert operator.scores() == [
        row("*", Q2, SAT, 700 / 11, 6 / 11, 11, 11 / 18, None),
        row("*", Q3, SAT, 725 / 13, 6 / 13, 13, 13 / 18, "stable"),
        row("orders", Q2, SAT, 55.0, 3 / 5, 5, 5 / 6, None),
        row("payments", Q2, SAT, 50.0, 0.0, 3, 3 / 8, None),
        row("payments", Q3, SAT, 250 / 7, 1 / 7, 7, 7 / 8, "stable"),
        row("platform", Q2, SAT, 275 / 3, 1.0, 3, 3 / 4, None),
    ]


# ==================================================================================================
# 6. The respondent secret rotated between two exports of one quarter × e-mail identity (Google
#    Forms) × the threshold × differencing × the change's standard error
# ==================================================================================================


def google(path: Path, people: Sequence[tuple[str, str, str, int]]) -> Path:
    """A Google Forms download with e-mails (SPEC §7.2: ``Timestamp``, ``Email Address``, question
    titles): (timestamp, e-mail, team, tools point); help left blank."""
    header = ["Timestamp", "Email Address", TEAM, TOOLS, HELP]
    return write_csv(path, [header, *([*person[:3], AGREE[person[3]], ""] for person in people)])


def answered(day: str, team: str, points: Sequence[int], start: int = 1) -> list[tuple[str, str, str, int]]:
    """People of ``team`` answering on ``day``, one a minute: ``orders1@example.com`` …"""
    return [
        (f"{day} 9:{n:02d}:00", f"{team.lower()}{n}@example.com", team, point)
        for n, point in enumerate(points, start)
    ]


def test_a_secret_rotated_between_two_exports_of_one_quarter_makes_every_respondent_new(
    operator: Operator,
) -> None:
    """Teams orders (headcount 5), payments (6), platform (7); min_group_size 5; Google Forms with
    e-mails (the respondent is HMAC(secret, e-mail), SPEC §7.3); tools only.

    docs/surveys.md: "Keep the secret stable (rotating it makes every respondent new)"; README: "keep it
    stable, or re-imports create new pseudonyms". SPEC §7.3 keeps nothing else of a respondent, so the
    product cannot tell that two pseudonyms are one person: after a rotation, a later export of the
    same quarter adds every one of its people again. The documented reading is kept here; its
    consequences for anonymity and the change are named in the audit report.

    Q2 (secret S1): orders o1–o5 4 (75); payments p1–p5 3 (50); platform f1–f6 3 (50). All shown.
      orders 75, 1, 5, rate 5/5; payments 50, 0, 5, 5/6; platform 50, 0, 6, 6/7.
      "*": (20 + 15 + 18)/16 = 53/16 → (37/16)/4 × 100 = 925/16, favourable 5/16, 16, rate 16/18.
    Q3 Monday (S1): orders o1–o3 4, 4, 5; payments p1–p5 2; platform f1–f6 2, 2, 5, 5, 5, 5.
      orders 3 < 5 hidden; "*" 14 shown; hidden 3 < 5 → payments (5 < 6) hidden too (8).
      platform: 24/6 = 4 → 75, favourable 4/6, 6, rate 6/7. Change, moved 25: Q2 SE 0; Q3 own 25, 25,
        100 × 4 (SS 2 × 2500 + 4 × 625 = 7500, variance 1500, SE² 250); 1.96 × 15.81 = 30.99 > 25:
        stable.
      "*": (13 + 10 + 24)/14 = 47/14 → (33/14)/4 × 100 = 825/14, favourable (3 + 4)/14 = 1/2, 14, rate
        14/18; moved 825/14 − 925/16 = 125/112 ≈ 1.12 < 5: stable.
    Secret rotated to S2; Friday's download (Monday's 14 rows and o4, who answered 1 on 7/16) imported:
      15 respondents, 15 new. Q3 now holds 14 + 15 = 29 pseudonyms: orders 3 + 4 = 7, payments 10,
      platform 12 — all at least 5, nobody hidden, no differencing.
      orders: (13 + 14)/7 = 27/7 → (20/7)/4 × 100 = 500/7, favourable 6/7, 7, rate 7/5; moved
        500/7 − 75 = −25/7 under 5: stable. (Four people: hidden by SPEC's count.)
      payments: 25, 0, 10, rate 10/6; 50 → 25 with SE 0: falling.
      platform: 75, 8/12, 12, rate 12/7; the six own scores twice: SS 15000, variance 15000/11 =
        1363.64, SE² 113.64; 1.96 × 10.66 = 20.89 < 25: rising (stable when each person counts once).
      "*": (27 + 20 + 48)/29 = 95/29 → (66/29)/4 × 100 = 1650/29, favourable (6 + 8)/29 = 14/29, 29,
        rate 29/18; moved 1650/29 − 925/16 = −425/464 ≈ −0.92: stable.
    """
    teams: Teams = [("orders", 5, []), ("payments", 6, []), ("platform", 7, [])]
    operator.configure(teams, minimum=5, secret="S1-before-rotation")
    q2 = [
        *answered("4/14/2026", "Orders", [4] * 5),
        *answered("4/15/2026", "Payments", [3] * 5),
        *answered("4/16/2026", "Platform", [3] * 6),
    ]
    operator.import_file(google(operator.folder / "q2.csv", q2), Q2, fmt="google-forms")
    monday = [
        *answered("7/13/2026", "Orders", [4, 4, 5]),
        *answered("7/13/2026", "Payments", [2] * 5),
        *answered("7/13/2026", "Platform", [2, 2, 5, 5, 5, 5]),
    ]
    operator.import_file(google(operator.folder / "monday.csv", monday), Q3, fmt="google-forms")
    q2_rows = [
        row("orders", Q2, SAT, 75.0, 1.0, 5, 1.0, None),
        row("payments", Q2, SAT, 50.0, 0.0, 5, 5 / 6, None),
        row("platform", Q2, SAT, 50.0, 0.0, 6, 6 / 7, None),
    ]
    org_q2 = row("*", Q2, SAT, 925 / 16, 5 / 16, 16, 16 / 18, None)
    assert operator.scores() == [
        org_q2,
        row("*", Q3, SAT, 825 / 14, 0.5, 14, 14 / 18, "stable"),
        *q2_rows[:2],
        q2_rows[2],
        row("platform", Q3, SAT, 75.0, 2 / 3, 6, 6 / 7, "stable"),
    ]

    operator.configure(teams, minimum=5, secret="S2-after-rotation")
    friday = [*monday, *answered("7/16/2026", "Orders", [1], start=4)]
    report = operator.import_file(google(operator.folder / "friday.csv", friday), Q3, fmt="google-forms")
    assert (report.responses, report.new_responses) == (15, 15)
    assert operator.stored()[Q3] == {"orders": 7, "payments": 10, "platform": 12}
    assert operator.scores() == [
        org_q2,
        row("*", Q3, SAT, 1650 / 29, 14 / 29, 29, 29 / 18, "stable"),
        q2_rows[0],
        row("orders", Q3, SAT, 500 / 7, 6 / 7, 7, 7 / 5, "stable"),
        q2_rows[1],
        row("payments", Q3, SAT, 25.0, 0.0, 10, 10 / 6, "falling"),
        q2_rows[2],
        row("platform", Q3, SAT, 75.0, 2 / 3, 12, 12 / 7, "rising"),
    ]


# ==================================================================================================
# 7. A team renamed in letter case only between two quarters × case-insensitive team identity ×
#    the headcount, the organisation's rate and the change
# ==================================================================================================


def test_a_team_renamed_in_letter_case_only_keeps_its_history(operator: Operator) -> None:
    """2026-Q2 imported under teams Orders (headcount 4) and payments (3); then the config wrote the
    name in lower case, orders (4), and 2026-Q3 was imported; min_group_size 3; tools only. Every
    orders respondent typed "orders" in both quarters.

    SPEC §7.1: "The team answer is matched case-insensitively to a team name of the ownership map";
    docs/configuration.md: teams[].name is "unique whatever its letter case (catalog owners and survey
    answers are matched to it so)" — Orders and orders are one team, which the config cannot even hold
    twice, and whose DORA rows follow the new spelling (ownership is resolved at analytics time). The
    answers stored under "Orders" (docs/surveys.md: "stored as the configured team name") are answers
    of today's orders; the product scores them as a team "Orders" that no longer exists: no headcount,
    no rate for "*", no change for orders.

    Q2: orders o1–o4 2, 3, 3, 4 (own 25, 50, 50, 75); payments p1–p3 4 (75).
      orders 12/4 = 3 → 50, favourable 1/4, 4, rate 4/4; payments 75, 1, 3, rate 3/3.
      "*": 24/7 → (17/7)/4 × 100 = 425/7, favourable 4/7, 7, rate 7/7.
    Q3: orders 5, 5, 4, 4 (100, 100, 75, 75); payments 4 × 3.
      orders 18/4 = 4.5 → 87.5, favourable 1, 4, rate 1; change moved 37.5, SE² 1250/3/4 = 104.17 and
        625/3/4 = 52.08, 1.96 × √156.25 = 24.5 < 37.5: rising.
      payments 75, 1, 3, rate 1, stable (moved 0).
      "*": 30/7 → (23/7)/4 × 100 = 575/7, favourable 1, 7, rate 1; moved 150/7 ≈ 21.43: Q2 own Σx²
        28125, n·mean² 425²/7 = 25803.57, SS 2321.43, variance 386.90, SE² 55.27; Q3 own Σx² 48125,
        n·mean² 575²/7 = 47232.14, SS 892.86, variance 148.81, SE² 21.26; 1.96 × √76.53 = 17.15 <
        21.43: rising.
    """
    people = tools("orders", {"o1": 2, "o2": 3, "o3": 3, "o4": 4})
    operator.configure([("Orders", 4, []), ("payments", 3, [])], minimum=3)
    operator.load("q2.csv", [*people, *tools("Payments", {"p1": 4, "p2": 4, "p3": 4})], Q2)
    operator.configure([("orders", 4, []), ("payments", 3, [])], minimum=3)
    later = tools("orders", {"o1": 5, "o2": 5, "o3": 4, "o4": 4})
    operator.load("q3.csv", [*later, *tools("Payments", {"p1": 4, "p2": 4, "p3": 4})], Q3)
    assert operator.scores() == [
        row("*", Q2, SAT, 425 / 7, 4 / 7, 7, 1.0, None),
        row("*", Q3, SAT, 575 / 7, 1.0, 7, 1.0, "rising"),
        row("orders", Q2, SAT, 50.0, 0.25, 4, 1.0, None),
        row("orders", Q3, SAT, 87.5, 1.0, 4, 1.0, "rising"),
        row("payments", Q2, SAT, 75.0, 1.0, 3, 1.0, None),
        row("payments", Q3, SAT, 75.0, 1.0, 3, 1.0, "stable"),
    ]
