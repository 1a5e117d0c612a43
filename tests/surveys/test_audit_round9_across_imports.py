"""SPACE surveys across several imports, audit round 9 (SPEC §7.1–§7.5; docs/surveys.md).

What happens between imports rather than inside one file: one respondent (one e-mail) in two exports
of a quarter written by two tools whose clocks are written in two ways; a second and a third download
of a quarter holding the earlier rows plus new people, the threshold reached only by the later file and
then undone by differencing; a definition whose item id is renamed between two imports of one quarter;
a definition whose wording changes (one reworded item, one added item) between quarters while a third
dimension keeps its questions; a refused import of a quarter, after a good one, whose definition adds
an item. Imports go through ``import_survey`` (what ``doraspace survey import`` runs) and scores through
``compute_space`` (what ``doraspace survey scores --format json`` prints, SPEC §7.5).

Every expected number is worked out by hand in the docstrings from SPEC §7.4, on the five-point
agreement scale used here (an answer x is (x − 1)/4 × 100 on 0–100: 1 → 0, 2 → 25, 3 → 50, 4 → 75,
5 → 100; favourable 4 and 5; the reverse item scores 6 − x first):

* ``score`` = mean over the dimension's items of (item mean − 1)/4 × 100 (items, not answers, are
  averaged); ``favourable`` = favourable ÷ valid answers; ``respondents`` = people with a valid answer
  on the dimension; a blank answer leaves every denominator;
* a team-quarter or a dimension with fewer than ``min_group_size`` respondents is hidden; ``"*"``
  counts everyone; differencing: while ``"*"`` is shown and the hidden teams hold fewer than
  ``min_group_size`` people together, the smallest shown team is hidden too;
* change: both quarters shown, the dimension's wordings unchanged; rising/falling when the score moved
  ≥ 5 and > 1.96 × √(SE₁² + SE₂²), SE² = sample variance of the respondents' own dimension scores
  (mean of their 0–100 answers on it) ÷ n;
* ``response_rate`` = the team-quarter's respondents ÷ headcount; ``"*"`` ÷ the sum of headcounts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from analytics.space import compute_space
from store import schema
from store.engine import open_store
from store.errors import SurveyImportError
from surveys.definition import SurveyDefinition, parse_definition
from surveys.importer import ImportReport, import_survey, pseudonym, team_spellings

Q2, Q3 = "2026-Q2", "2026-Q3"
SAT, COM, EFF = "satisfaction", "communication", "efficiency"
SECRET = "round9-across-imports"
TEAM = "Which team are you on?"
TOOLS = "I am satisfied with the tools and processes I use to do my work"
TOOLS_REWORDED = "I am satisfied with the tools I use to do my work"
BURNOUT = "I feel burned out from my work"
GROWTH = "I have good opportunities to grow in my role"
HELP = "It is easy to get help from other teams when my work depends on them"
DOCS = "I can find the documentation I need"
FLOW = "I can stay focused on my work for long stretches"
WAIT = "I often wait on builds and reviews"
AGREE = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}


def definition(*items: tuple[str, str, str, bool], survey: str = "devex") -> SurveyDefinition:
    """A definition on agree5 with ``items``: (id, text, dimension, reverse)."""
    lines = "\n".join(
        f'  - {{id: {item_id}, text: "{text}", dimension: {dimension}, scale: agree5'
        + (", reverse: true}" if reverse else "}")
        for item_id, text, dimension, reverse in items
    )
    return parse_definition(f"""
survey: {survey}
scales:
  agree5:
    points: 5
    labels: [{", ".join(AGREE.values())}]
    favourable: [4, 5]
missing: ["I don't know", "N/A", ""]
team_question: "{TEAM}"
items:
{lines}
""")


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


# (respondent id, team as typed, {item id: point}); an item absent from the mapping is not answered.
Person = tuple[str, str, Mapping[str, int]]


def long_export(path: Path, people: Sequence[Person], *, bad: tuple[str, str] | None = None) -> Path:
    """A ``long`` export (SPEC §7.2), one row per answer given, in the people's order; ``bad``
    (respondent, item id) writes that answer as "Mostly", no label of agree5."""
    rows = [["respondent_id", "team", "submitted_at", "item_id", "answer"]]
    for who, team, answers in people:
        for item_id, point in answers.items():
            answer = "Mostly" if bad == (who, item_id) else AGREE[point]
            rows.append([who, team, "", item_id, answer])
    return write_csv(path, rows)


class Store:
    """One organisation's DuckDB store, imported into as ``doraspace survey import`` does."""

    def __init__(self, folder: Path, engine: Engine, teams: Mapping[str, int | None]) -> None:
        self.folder, self.engine, self.teams = folder, engine, dict(teams)

    def import_file(
        self, file: Path, survey: SurveyDefinition, quarter: str, fmt: str = "long"
    ) -> ImportReport:
        return import_survey(
            self.engine,
            file,
            survey,
            quarter=quarter,
            fmt=fmt,
            secret=SECRET,
            team_names=team_spellings({team: [] for team in self.teams}),
        )

    def load(
        self, name: str, people: Sequence[Person], survey: SurveyDefinition, quarter: str
    ) -> ImportReport:
        return self.import_file(long_export(self.folder / name, people), survey, quarter)

    def scores(self, minimum: int) -> list[dict[str, Any]]:
        found = compute_space(self.engine, teams=self.teams, min_group_size=minimum)
        return [score.to_json_dict() for score in found]

    def dump(self) -> list[tuple[Any, ...]]:
        tables = (schema.survey_items, schema.survey_responses, schema.survey_answers)
        with self.engine.connect() as conn:
            return sorted((tuple(r) for table in tables for r in conn.execute(select(table))), key=str)

    def answers_of(self, identifier: str, quarter: str) -> tuple[str, datetime | None, dict[str, int]]:
        """(team, submitted_at, item id → stored point) of one respondent in ``quarter``."""
        who = pseudonym(SECRET, identifier)
        responses, answers = schema.survey_responses, schema.survey_answers
        with self.engine.connect() as conn:
            team, submitted = conn.execute(
                select(responses.c.team, responses.c.submitted_at).where(
                    responses.c.respondent == who, responses.c.quarter == quarter
                )
            ).one()
            given = conn.execute(
                select(answers.c.item_id, answers.c.value).where(
                    answers.c.respondent == who, answers.c.quarter == quarter
                )
            ).all()
        return team, submitted, {item: int(value) for item, value in given}

    def item_ids(self, quarter: str) -> list[str]:
        items = schema.survey_items
        with self.engine.connect() as conn:
            found = conn.execute(select(items.c.item_id).where(items.c.quarter == quarter)).scalars()
            return sorted(found)


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = open_store("duckdb:///:memory:")
    try:
        yield engine
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
# 1. One e-mail in a Google Forms download (times written with their zone) and in a Microsoft Forms
#    export (times without one, read as UTC) of one quarter × the latest submission by its UTC
#    instant, whichever file is imported last × the later submission answering only one item (its
#    earlier answers do not survive) × the team it moved to × per-dimension differencing
# ==================================================================================================

THREE_ITEMS = definition(
    ("sat_tools", TOOLS, SAT, False),
    ("sat_burnout", BURNOUT, SAT, True),
    ("com_help", HELP, COM, False),
)
GOOGLE_META = ["Timestamp", "Email Address", TEAM]
MS_META = ["ID", "Start time", "Completion time", "Email", "Name", TEAM]


def cells(points: Sequence[int | None]) -> list[str]:
    return ["" if point is None else AGREE[point] for point in points]


def google_download(path: Path) -> Path:
    """Google's own download: each time with its zone (GMT+2: 10:30 AM is 08:30 UTC)."""
    people = [
        ("2026/07/14 10:30:00 AM GMT+2", "ana@example.com", "Payments", (4, 2, 4)),
        ("2026/07/14 10:31:00 AM GMT+2", "ben@example.com", "Payments", (2, 4, 2)),
        ("2026/07/14 10:32:00 AM GMT+2", "cy@example.com", "Payments", (3, 3, None)),
        ("2026/07/14 10:33:00 AM GMT+2", "dee@example.com", "Payments", (5, 1, 5)),
        ("2026/07/14 10:34:00 AM GMT+2", "eve@example.com", "Orders", (4, 2, 4)),
    ]
    header = [*GOOGLE_META, TOOLS, BURNOUT, HELP]
    return write_csv(path, [header, *([when, who, team, *cells(p)] for when, who, team, p in people)])


def microsoft_export(path: Path) -> Path:
    """Another office's Microsoft Forms export of the same questions (times without a zone: UTC)."""
    people = [
        ("1", "7/14/2026 8:58:00", "7/14/2026 9:00:00", "ANA@Example.com", "Orders", (5, None, None)),
        ("2", "7/14/2026 9:00:00", "7/14/2026 9:01:00", "o1@example.com", "Orders", (3, 3, 3)),
        ("3", "7/14/2026 9:01:00", "7/14/2026 9:02:00", "o2@example.com", "Orders", (2, 5, 1)),
    ]
    header = [*MS_META, TOOLS, BURNOUT, HELP]
    return write_csv(
        path,
        [
            header,
            *([n, start, end, who, "A Person", team, *cells(p)] for n, start, end, who, team, p in people),
        ],
    )


@pytest.mark.parametrize("microsoft_first", [True, False], ids=["microsoft-first", "google-first"])
def test_one_email_in_two_tools_counts_once_by_its_utc_instant_with_only_its_later_answers(
    tmp_path: Path, engine: Engine, microsoft_first: bool
) -> None:
    """Teams orders (headcount 5), payments (4); min_group_size 3; items tools, burnout (reverse,
    satisfaction) and help (communication).

    ana answered the Google form at 10:30 AM GMT+2 = 08:30 UTC (Payments: tools 4, burnout 2, help 4)
    and the Microsoft form at 9:00 UTC (Orders: tools 5, the rest blank). SPEC §7.3: the respondent is
    the e-mail (docs: case-folded), so ANA@Example.com is ana; docs/surveys.md: "across imports, as
    within one file, a respondent's latest submission counts" — 9:00 UTC, although its wall-clock time
    reads earlier than 10:30. Imported Microsoft first, the Google file leaves her as stored
    (kept_later 1); imported Google first, the Microsoft file replaces her ("replaces the answers"):
    either way her burnout and help answers of 08:30 are gone.

    Final people (answers after reversing; burnout 6 − x):
      orders: ana tools 5; eve 4, 4, help 4; o1 3, 3, 3; o2 2, 1, help 1 → 4 people, rate 4/5.
      payments: ben 2, 2, help 2; cy 3, 3, —; dee 5, 5, help 5 → 3 people, rate 3/4.
    satisfaction:
      orders: tools 5, 4, 3, 2 → 3.5 → 62.5; burnout 4, 3, 1 → 8/3 → (5/3)/4 × 100 = 125/3;
        score (62.5 + 125/3)/2 = 625/12; favourable tools 5, 4 + burnout 4 → 3/7; 4 respondents.
      payments: tools 2, 3, 5 → 10/3 → 175/3; burnout 2, 3, 5 → 175/3; score 175/3; favourable 2/6.
      "*": tools 5, 4, 3, 2, 2, 3, 5 = 24/7 → (17/7)/4 × 100 = 425/7; burnout 4, 3, 1, 2, 3, 5 = 3 → 50;
        score (425/7 + 50)/2 = 775/14; favourable (3 + 2)/13 = 5/13; 7; rate 7/9.
    communication: orders help eve 4, o1 3, o2 1 (3 people); payments ben 2, dee 5 (2 < 3: hidden).
      "*" has 5 ≥ 3: shown; the hidden dimension's people 2 < 3 → the smallest shown team of the
      dimension, orders, is hidden too (4, 3, 1, 2, 5 would give payments' away). "*": 15/5 = 3 → 50,
      favourable 2/5, 5, rate 7/9.
    (Read by wall clock, ana would be on payments with 4, 2, 4: payments 4 people, "*" tools 23/7.)
    """
    store = Store(tmp_path, engine, {"orders": 5, "payments": 4})
    google = google_download(tmp_path / "google.csv")
    microsoft = microsoft_export(tmp_path / "microsoft.csv")
    if microsoft_first:
        store.import_file(microsoft, THREE_ITEMS, Q3, fmt="microsoft-forms")
        last = store.import_file(google, THREE_ITEMS, Q3, fmt="google-forms")
        assert (last.responses, last.new_responses, last.kept_later) == (4, 4, 1)
    else:
        store.import_file(google, THREE_ITEMS, Q3, fmt="google-forms")
        last = store.import_file(microsoft, THREE_ITEMS, Q3, fmt="microsoft-forms")
        assert (last.responses, last.new_responses, last.kept_later) == (3, 2, 0)

    assert store.answers_of("ana@example.com", Q3) == (
        "orders",
        datetime(2026, 7, 14, 9, 0),
        {"sat_tools": 5},
    )
    assert store.scores(3) == [
        row("*", Q3, COM, 50.0, 2 / 5, 5, 7 / 9, None),
        row("*", Q3, SAT, 775 / 14, 5 / 13, 7, 7 / 9, None),
        row("orders", Q3, SAT, 625 / 12, 3 / 7, 4, 4 / 5, None),
        row("payments", Q3, SAT, 175 / 3, 2 / 6, 3, 3 / 4, None),
    ]


# ==================================================================================================
# 2. Later downloads of one quarter holding the earlier rows plus new people × only the new ones added
#    × the threshold reached only by a later file, undone by differencing, then reached for good ×
#    a new person answering one dimension only: per-dimension suppression and differencing
# ==================================================================================================


def everyone(team: str, prefix: str, count: int, answers: Mapping[str, int]) -> list[Person]:
    return [(f"{prefix}{n}", team, answers) for n in range(1, count + 1)]


MONDAY = [
    *everyone("Orders", "o", 6, {"sat_tools": 4, "sat_burnout": 2, "com_help": 4}),
    *everyone("Payments", "p", 4, {"sat_tools": 2, "sat_burnout": 4, "com_help": 3}),
    *everyone("Platform", "f", 4, {"sat_tools": 3, "sat_burnout": 3, "com_help": 5}),
]
WEDNESDAY = [*MONDAY, ("p5", "Payments", {"sat_tools": 5})]
FRIDAY = [*WEDNESDAY, ("f5", "Platform", {"sat_tools": 1, "sat_burnout": 5, "com_help": 1})]


def test_later_downloads_add_only_new_people_and_the_threshold_is_judged_on_the_whole_quarter(
    tmp_path: Path, engine: Engine
) -> None:
    """Teams orders (headcount 8), payments (6), platform (5) = 19; min_group_size 5.
    o1–o6 tools 4, burnout 2 (→ 4), help 4; p1–p4 2, 4 (→ 2), 3; f1–f4 3, 3 (→ 3), 5.
    Wednesday's download adds p5 (tools 5 only), Friday's adds f5 (1, 5 → 1, help 1). SPEC §7.3:
    re-importing adds nothing; docs/surveys.md: a later export "adds the new respondents".

    Monday: orders 6 shown; payments 4 and platform 4 hidden, together 8 ≥ 5: no differencing.
      orders both dimensions 75, favourable 1, 6, rate 6/8.
      "*" satisfaction: tools 24 + 8 + 12 = 44/14 = 22/7 → (15/7)/4 × 100 = 375/7; burnout after
        reversing the same points → 375/7; score 375/7; favourable (6 + 6)/28 = 3/7; 14; rate 14/19.
      "*" communication: 24 + 12 + 20 = 56/14 = 4 → 75; favourable (6 + 4)/14 = 5/7; 14; rate 14/19.
    Wednesday (15 read, 1 new): payments reaches 5, but platform's 4 alone are fewer than 5, so the
      smallest shown team, payments (5 < 6), is hidden again (hidden 9). Shown: "*", orders.
      "*" satisfaction: tools 49/15 → (34/15)/4 × 100 = 170/3; burnout still 375/7 (p5 left it blank);
        score (170/3 + 375/7)/2 = 2315/42; favourable (7 + 6)/29 = 13/29; 15; rate 15/19.
      "*" communication: the same 14 answers: 75, 5/7, 14, rate 15/19 (the quarter's 15 people).
    Friday (16 read, 1 new): orders 6, payments 5, platform 5: every team shown, none hidden.
      satisfaction: payments tools 2, 2, 2, 2, 5 = 13/5 → 40; burnout 2 × 4 → 25; score 32.5;
        favourable 1/9; 5; rate 5/6. platform tools 3 × 4 + 1 = 13/5 → 40; burnout 13/5 → 40; 40;
        favourable 0; 5; rate 1. "*" tools 50/16 → (34/16)/4 × 100 = 53.125; burnout 45/15 = 3 → 50;
        score 51.5625; favourable 13/31; 16; rate 16/19.
      communication: payments has 4 people (p5 skipped it): hidden; the hidden 4 < 5 → the smallest
        shown team of the dimension, platform (5 < 6), hidden too. "*": 57/15 = 3.8 → 70, favourable
        10/15, 15, rate 16/19.
    """
    store = Store(tmp_path, engine, {"orders": 8, "payments": 6, "platform": 5})
    monday = store.load("monday.csv", MONDAY, THREE_ITEMS, Q3)
    assert (monday.responses, monday.new_responses) == (14, 14)
    orders = [
        row("orders", Q3, COM, 75.0, 1.0, 6, 6 / 8, None),
        row("orders", Q3, SAT, 75.0, 1.0, 6, 6 / 8, None),
    ]
    assert store.scores(5) == [
        row("*", Q3, COM, 75.0, 5 / 7, 14, 14 / 19, None),
        row("*", Q3, SAT, 375 / 7, 3 / 7, 14, 14 / 19, None),
        *orders,
    ]
    again = store.load("monday-again.csv", MONDAY, THREE_ITEMS, Q3)
    assert (again.responses, again.new_responses) == (14, 0)

    wednesday = store.load("wednesday.csv", WEDNESDAY, THREE_ITEMS, Q3)
    assert (wednesday.responses, wednesday.new_responses) == (15, 1)
    assert store.scores(5) == [
        row("*", Q3, COM, 75.0, 5 / 7, 14, 15 / 19, None),
        row("*", Q3, SAT, 2315 / 42, 13 / 29, 15, 15 / 19, None),
        *orders,
    ]

    friday = store.load("friday.csv", FRIDAY, THREE_ITEMS, Q3)
    assert (friday.responses, friday.new_responses) == (16, 1)
    assert store.scores(5) == [
        row("*", Q3, COM, 70.0, 10 / 15, 15, 16 / 19, None),
        row("*", Q3, SAT, 51.5625, 13 / 31, 16, 16 / 19, None),
        *orders,
        row("payments", Q3, SAT, 32.5, 1 / 9, 5, 5 / 6, None),
        row("platform", Q3, SAT, 40.0, 0.0, 5, 1.0, None),
    ]


# ==================================================================================================
# 3. An item id renamed in the definition between two imports of one quarter (the wording kept) × the
#    later export replacing everyone's answers × the change against the quarter before, for the renamed
#    item's dimension and for another one
# ==================================================================================================

TOOLS_HELP = definition(("sat_tools", TOOLS, SAT, False), ("com_help", HELP, COM, False))
TOOLING_HELP = definition(("sat_tooling", TOOLS, SAT, False), ("com_help", HELP, COM, False))
RENAME_Q2 = [(f"a{n}", "Orders", {"sat_tools": t, "com_help": 3}) for n, t in ((1, 2), (2, 2), (3, 3))]
RENAME_WAVE1 = [(f"a{n}", "Orders", {"sat_tools": 5, "com_help": 4}) for n in (1, 2, 3)]
RENAME_WAVE2 = [(f"a{n}", "Orders", {"sat_tooling": 5, "com_help": 4}) for n in (1, 2, 3, 4)]


def renamed_within_a_quarter(tmp_path: Path, engine: Engine) -> Store:
    store = Store(tmp_path, engine, {"orders": 4})
    store.load("q2.csv", RENAME_Q2, TOOLS_HELP, Q2)
    store.load("q3-wave1.csv", RENAME_WAVE1, TOOLS_HELP, Q3)
    wave2 = store.load("q3-wave2.csv", RENAME_WAVE2, TOOLING_HELP, Q3)
    assert (wave2.responses, wave2.new_responses, wave2.answers) == (4, 1, 8)
    return store


RENAME_Q2_ROWS = [
    row("orders", Q2, COM, 50.0, 0.0, 3, 3 / 4, None),
    row("orders", Q2, SAT, 100 / 3, 0.0, 3, 3 / 4, None),
]


def test_an_item_id_renamed_between_two_imports_of_a_quarter_replaces_the_answers(
    tmp_path: Path, engine: Engine
) -> None:
    """Team orders (headcount 4); min_group_size 3. 2026-Q2: a1–a3 tools 2, 2, 3, help 3. 2026-Q3 first
    wave: a1–a3 tools 5, help 4; the definition then renames the item sat_tools to sat_tooling (its
    wording unchanged, which docs/surveys.md allows: "an item id … renamed, its questions as they
    were") and the second wave, a1–a4 tools 5, help 4, is imported for 2026-Q3: 4 read, 1 new, 8
    answers; a1–a3 keep only the answers of the later export (docs: "replaces the answers"), so no
    answer is left under the old id and nobody is counted twice.

    Q2: satisfaction 7/3 → (4/3)/4 × 100 = 100/3, favourable 0, 3, rate 3/4; communication 50, 0, 3.
    Q3: satisfaction 5 × 4 → 100, favourable 1, 4, rate 1; communication 4 × 4 → 75, 1, 4, rate 1.
    communication change: moved 25, SE 0 in both quarters → rising.
    (The satisfaction change is the next test.)
    """
    store = renamed_within_a_quarter(tmp_path, engine)
    assert store.answers_of("a1", Q3)[2] == {"sat_tooling": 5, "com_help": 4}
    got = {(r["team"], r["quarter"], r["dimension"]): r for r in store.scores(3)}
    assert sorted(got) == [
        ("*", Q2, COM),
        ("*", Q2, SAT),
        ("*", Q3, COM),
        ("*", Q3, SAT),
        ("orders", Q2, COM),
        ("orders", Q2, SAT),
        ("orders", Q3, COM),
        ("orders", Q3, SAT),
    ]
    assert [got[("orders", Q2, COM)], got[("orders", Q2, SAT)]] == RENAME_Q2_ROWS
    assert got[("orders", Q3, COM)] == row("orders", Q3, COM, 75.0, 1.0, 4, 1.0, "rising")
    assert got[("*", Q3, COM)] == row("*", Q3, COM, 75.0, 1.0, 4, 1.0, "rising")
    for team in ("*", "orders"):
        assert {k: v for k, v in got[(team, Q3, SAT)].items() if k != "change"} == {
            k: v for k, v in row(team, Q3, SAT, 100.0, 1.0, 4, 1.0, None).items() if k != "change"
        }


def test_an_item_id_renamed_between_two_imports_of_a_quarter_keeps_the_change(
    tmp_path: Path, engine: Engine
) -> None:
    """As above. SPEC §7.4: change is shown "where both quarters are shown and the item wording is
    unchanged"; docs/surveys.md: "an item id … renamed, its questions as they were, keeps the change".
    2026-Q3's satisfaction asked one question, worded as in 2026-Q2, and every answer of the quarter is
    stored under sat_tooling.

    satisfaction change: moved 100 − 100/3 = 200/3 ≈ 66.67. Q2 own scores 25, 25, 50: mean 100/3,
    squared deviations 69.44 + 69.44 + 277.78 = 416.67, variance 208.33, SE² 69.44; Q3 own 100 × 4, SE 0.
    1.96 × √69.44 = 16.33 < 66.67 → rising (team and "*", the same people).
    """
    store = renamed_within_a_quarter(tmp_path, engine)
    got = {(r["team"], r["quarter"], r["dimension"]): r for r in store.scores(3)}
    assert got[("orders", Q3, SAT)] == row("orders", Q3, SAT, 100.0, 1.0, 4, 1.0, "rising")
    assert got[("*", Q3, SAT)] == row("*", Q3, SAT, 100.0, 1.0, 4, 1.0, "rising")


def test_a_renamed_items_old_and_new_answers_of_one_quarter_are_one_item(
    tmp_path: Path, engine: Engine
) -> None:
    """Fixed after the audit above. 2026-Q3's first wave: a1–a3 tools 5 (sat_tools); the second wave,
    under the renamed id sat_tooling, holds a4 only, tools 1; a1–a3 keep their first-wave answers. The
    question is one (same wording), so satisfaction is one item of 4 answers: mean 16/4 = 4 → (4 − 1)/4
    × 100 = 75, not the mean of two items (100 + 0)/2 = 50; favourable 3/4; 4 respondents, rate 4/4.
    Q2 (RENAME_Q2: 2, 2, 3) asked the same one question: change 75 − 100/3 = 41.67 ≥ 5; SE² Q2 69.44
    (as above), Q3 own scores 100, 100, 100, 0: variance 2500, SE² 625; 1.96 × √694.44 = 51.65 > 41.67
    → stable.
    """
    store = Store(tmp_path, engine, {"orders": 4})
    store.load("q2.csv", RENAME_Q2, TOOLS_HELP, Q2)
    store.load("q3-wave1.csv", [(f"a{n}", "Orders", {"sat_tools": 5}) for n in (1, 2, 3)], TOOLS_HELP, Q3)
    store.load("q3-wave2.csv", [("a4", "Orders", {"sat_tooling": 1})], TOOLING_HELP, Q3)
    got = {(r["team"], r["quarter"], r["dimension"]): r for r in store.scores(3)}
    assert got[("orders", Q3, SAT)] == row("orders", Q3, SAT, 75.0, 0.75, 4, 1.0, "stable")


def test_a_renamed_item_asking_the_same_question_on_another_dimension_is_refused(
    tmp_path: Path, engine: Engine
) -> None:
    """A quarter's answers share one definition: sat_tools's question, renamed eff_tools and moved to
    efficiency in the second wave, would be one item on two dimensions. Refused, naming both ids; the
    store unchanged."""
    store = Store(tmp_path, engine, {"orders": 4})
    store.load("q3-wave1.csv", RENAME_WAVE1, TOOLS_HELP, Q3)
    before = store.dump()
    moved = definition(("eff_tools", TOOLS, EFF, False), ("com_help", HELP, COM, False))
    with pytest.raises(SurveyImportError) as refused:
        store.load("q3-wave2.csv", [("a4", "Orders", {"eff_tools": 5, "com_help": 4})], moved, Q3)
    assert (
        "item 'eff_tools' of survey 'devex' was imported for 2026-Q3 (as item 'sat_tools', the same"
        in str(refused.value)
    )
    assert "different dimension" in str(refused.value)
    assert store.dump() == before


# ==================================================================================================
# 4. The definition changes between quarters (one item reworded, one item added, one dimension as it
#    was) × people answering only some items of a dimension (item means, favourable denominators, own
#    scores of the standard error)
# ==================================================================================================

DEF_Q2 = definition(
    ("sat_tools", TOOLS, SAT, False),
    ("com_help", HELP, COM, False),
    ("eff_flow", FLOW, EFF, False),
    ("eff_wait", WAIT, EFF, True),
)
DEF_Q3 = definition(
    ("sat_tools", TOOLS_REWORDED, SAT, False),
    ("com_help", HELP, COM, False),
    ("com_docs", DOCS, COM, False),
    ("eff_flow", FLOW, EFF, False),
    ("eff_wait", WAIT, EFF, True),
)
WORDING_Q2 = [
    ("r1", "Orders", {"sat_tools": 3, "com_help": 3, "eff_flow": 3, "eff_wait": 2}),
    ("r2", "Orders", {"sat_tools": 2, "com_help": 2, "eff_flow": 2}),
    ("r3", "Orders", {"sat_tools": 4, "com_help": 4, "eff_wait": 4}),
    ("r4", "Orders", {"sat_tools": 4, "com_help": 3, "eff_flow": 4, "eff_wait": 3}),
]
WORDING_Q3 = [
    ("r1", "Orders", {"sat_tools": 5, "com_help": 5, "com_docs": 4, "eff_flow": 5, "eff_wait": 1}),
    ("r2", "Orders", {"sat_tools": 4, "com_help": 4, "eff_flow": 4}),
    ("r3", "Orders", {"sat_tools": 5, "com_help": 4, "com_docs": 5, "eff_wait": 2}),
    ("r4", "Orders", {"sat_tools": 5, "com_help": 5, "com_docs": 5, "eff_flow": 5, "eff_wait": 1}),
]


def test_a_reworded_and_an_added_item_drop_their_dimensions_change_only(
    tmp_path: Path, engine: Engine
) -> None:
    """Team orders (headcount 5); min_group_size 3. 2026-Q3's definition rewords the tools question
    (satisfaction) and adds a documentation question to communication; efficiency (flow, and wait
    reverse-scored) is asked as before. docs/surveys.md: "a question reworded, added or dropped loses
    it" — for its own dimension only.

    2026-Q2 (r2 skips wait, r3 skips flow):
      satisfaction tools 3, 2, 4, 4 = 13/4 → (9/4)/4 × 100 = 56.25; favourable 2/4; 4.
      communication help 3, 2, 4, 3 = 3 → 50; favourable 1/4; 4.
      efficiency flow 3, 2, 4 → 3 → 50; wait 2, 4, 3 → 6 − x = 4, 2, 3 → 3 → 50; score 50;
        favourable flow 4 + wait 4 → 2/6; 4. Own: r1 (50 + 75)/2 = 62.5, r2 25, r3 25, r4
        (75 + 50)/2 = 62.5: mean 43.75, squared deviations 4 × 351.5625 = 1406.25, variance 468.75,
        SE² 117.19.
    2026-Q3 (r2 skips docs and wait, r3 skips flow):
      satisfaction 5, 4, 5, 5 = 19/4 → 93.75; favourable 1; 4; change null (reworded).
      communication help 5, 4, 4, 5 → 4.5 → 87.5; docs 4, 5, 5 → 14/3 → 275/3; score
        (87.5 + 275/3)/2 = 1075/12; favourable 7/7; 4; change null (an item added).
      efficiency flow 5, 4, 5 → 14/3 → 275/3; wait 1, 2, 1 → 5, 4, 5 → 275/3; score 275/3 (the mean
        of the own scores, 87.5, is not the score); favourable 6/6; 4. Own: r1 100, r2 75, r3 75,
        r4 100: mean 87.5, squared deviations 4 × 156.25 = 625, variance 208.33, SE² 52.08.
        moved 275/3 − 50 = 125/3 ≈ 41.67; 1.96 × √(117.19 + 52.08) = 1.96 × 13.01 = 25.50 → rising.
    Every rate 4/5; "*" is orders alone.
    """
    store = Store(tmp_path, engine, {"orders": 5})
    store.load("q2.csv", WORDING_Q2, DEF_Q2, Q2)
    store.load("q3.csv", WORDING_Q3, DEF_Q3, Q3)
    expected = [
        row(team, quarter, dimension, score, favourable, 4, 0.8, change)
        for team in ("*", "orders")
        for quarter, dimension, score, favourable, change in (
            (Q2, COM, 50.0, 1 / 4, None),
            (Q2, EFF, 50.0, 2 / 6, None),
            (Q2, SAT, 56.25, 2 / 4, None),
            (Q3, COM, 1075 / 12, 1.0, None),
            (Q3, EFF, 275 / 3, 1.0, "rising"),
            (Q3, SAT, 93.75, 1.0, None),
        )
    ]
    assert store.scores(3) == expected


# ==================================================================================================
# 5. A refused second import of a quarter (a bad row) whose definition adds an item × the earlier good
#    import of that quarter left whole (answers, items, wording) × the threshold reached by the
#    corrected file × the change against the quarter before
# ==================================================================================================

TOOLS_ONLY = definition(("sat_tools", TOOLS, SAT, False))
TOOLS_AND_GROWTH = definition(("sat_tools", TOOLS, SAT, False), ("sat_growth", GROWTH, SAT, False))
REFUSED_Q2 = [(f"r{n}", "Orders", {"sat_tools": t}) for n, t in ((1, 2), (2, 3), (3, 3), (4, 4))]
REFUSED_WAVE1 = [(f"r{n}", "Orders", {"sat_tools": t}) for n, t in ((1, 4), (2, 4), (3, 5))]
REFUSED_WAVE2 = [
    ("r1", "Orders", {"sat_tools": 5, "sat_growth": 5}),
    ("r2", "Orders", {"sat_tools": 4, "sat_growth": 4}),
    ("r3", "Orders", {"sat_tools": 5, "sat_growth": 4}),
    ("r4", "Orders", {"sat_tools": 5, "sat_growth": 2}),
]
CORRECTED_WAVE2 = [(f"r{n}", "Orders", {"sat_tools": t}) for n, t in ((1, 5), (2, 4), (3, 5), (4, 5))]


def test_a_refused_import_after_a_good_one_of_the_quarter_changes_nothing_not_even_its_items(
    tmp_path: Path, engine: Engine
) -> None:
    """Team orders (headcount 5); min_group_size 4; satisfaction asked by tools alone.

    2026-Q2: r1–r4 tools 2, 3, 3, 4 (own 25, 50, 50, 75): 3 → 50, favourable 1/4, 4, rate 4/5.
    2026-Q3 wave 1: r1–r3 tools 4, 4, 5: 3 people < 4, and "*" is the same 3: nothing of 2026-Q3 shown.
    Wave 2, imported with a definition that adds a growth item to satisfaction: r1 changes to 5, r4
      is new, and r4's growth answer "Mostly" is no label: refused naming row 9 (header, then two rows
      each for r1–r3 and r4's tools), column answer. SPEC §7.3: "stores every valid row or none" —
      the store is as it was: no growth item for 2026-Q3 (its wording would have dropped the change),
      r1 still 4, no r4, 2026-Q3 still hidden.
    The corrected wave 2 (tools only, under the first definition): 4 read, 1 new.
      2026-Q3: tools 5, 4, 5, 5 = 19/4 → 93.75, favourable 1, 4, rate 4/5.
      change: moved 43.75; Q2 SE² = (625 + 0 + 0 + 625)/3/4 = 104.17; Q3 own 100, 75, 100, 100: mean
      93.75, squared deviations 3 × 39.0625 + 351.5625 = 468.75, variance 156.25, SE² 39.06;
      1.96 × √143.23 = 23.46 < 43.75 → rising.
    """
    store = Store(tmp_path, engine, {"orders": 5})
    store.load("q2.csv", REFUSED_Q2, TOOLS_ONLY, Q2)
    store.load("q3-wave1.csv", REFUSED_WAVE1, TOOLS_ONLY, Q3)
    q2_rows = [row(team, Q2, SAT, 50.0, 0.25, 4, 0.8, None) for team in ("*", "orders")]
    assert store.scores(4) == q2_rows
    before = store.dump()

    bad = long_export(tmp_path / "q3-wave2.csv", REFUSED_WAVE2, bad=("r4", "sat_growth"))
    with pytest.raises(SurveyImportError) as refusal:
        store.import_file(bad, TOOLS_AND_GROWTH, Q3)
    assert (refusal.value.row, refusal.value.column) == (9, "answer")
    assert store.dump() == before
    assert store.item_ids(Q3) == ["sat_tools"]
    assert store.answers_of("r1", Q3)[2] == {"sat_tools": 4}
    assert store.scores(4) == q2_rows

    corrected = store.load("q3-wave2-corrected.csv", CORRECTED_WAVE2, TOOLS_ONLY, Q3)
    assert (corrected.responses, corrected.new_responses) == (4, 1)
    assert store.scores(4) == [
        q2_rows[0],
        row("*", Q3, SAT, 93.75, 1.0, 4, 0.8, "rising"),
        q2_rows[1],
        row("orders", Q3, SAT, 93.75, 1.0, 4, 0.8, "rising"),
    ]


# ==================================================================================================
# 6. Two anonymous Microsoft Forms exports of two forms (two offices) in one quarter × the response ID
#    as the identifier (SPEC §7.3) × the latest submission across imports × differencing
# ==================================================================================================


def anonymous_export(path: Path, day: int, team: str, points: Sequence[int]) -> Path:
    """One office's own anonymous form: IDs restart at 1, the e-mail is ``anonymous``."""
    header = [*MS_META, TOOLS, BURNOUT, HELP]
    rows = [
        [
            str(n),
            f"7/{day}/2026 9:{n:02d}:00",
            f"7/{day}/2026 10:{n:02d}:00",
            "anonymous",
            "",
            team,
            AGREE[p],
            "",
            "",
        ]
        for n, p in enumerate(points, start=1)
    ]
    return write_csv(path, [header, *rows])


@pytest.mark.parametrize("berlin_first", [False, True], ids=["lisbon-first", "berlin-first"])
def test_two_anonymous_microsoft_forms_of_one_quarter_share_their_response_ids(
    tmp_path: Path, engine: Engine, berlin_first: bool
) -> None:
    """Teams orders (headcount 6), payments (4); min_group_size 3; tools only. The Lisbon office ran
    its own anonymous Microsoft form on 7/14 (orders, IDs 1–4: tools 4, 4, 5, 3), the Berlin office
    another on 7/15 (payments, IDs 1–3: tools 2, 2, 1). Both are imported for 2026-Q3.

    SPEC §7.3 takes the respondent as HMAC(secret, identifier), the identifier being "its response id
    (… Microsoft Forms ID …)" where there is no e-mail (docs: anonymous forms write ``anonymous``, "the
    response ID is used then"). Nothing in the export names the form, so Berlin's IDs 1–3 are the same
    identifiers as Lisbon's: by the letter of SPEC, one respondent each, whose latest submission (7/15,
    Berlin) counts whatever the import order. The product follows that letter (see the report: two
    forms' IDs collide, and seven people are scored as four).

    Stored: IDs 1–3 on payments (2, 2, 1), ID 4 on orders (3). orders 1 < 3 hidden; payments 3; "*" 4
      shown; hidden 1 < 3 → payments, the smallest shown team, hidden too. Shown: "*" only.
      "*": 2 + 2 + 1 + 3 = 8/4 = 2 → 25; favourable 0/4; 4 respondents; rate 4/10.
    (Seven people would show orders 75, payments 50/3 and "*" 50 over 7.)
    Import counts: Berlin after Lisbon reads 3, all known, later: 3 stored, 0 new. Lisbon after Berlin
      reads 4: IDs 1–3 kept as stored (their stored submission is later), ID 4 new.
    """
    store = Store(tmp_path, engine, {"orders": 6, "payments": 4})
    lisbon = anonymous_export(tmp_path / "lisbon.csv", 14, "Orders", (4, 4, 5, 3))
    berlin = anonymous_export(tmp_path / "berlin.csv", 15, "Payments", (2, 2, 1))
    if berlin_first:
        store.import_file(berlin, THREE_ITEMS, Q3, fmt="microsoft-forms")
        last = store.import_file(lisbon, THREE_ITEMS, Q3, fmt="microsoft-forms")
        assert (last.responses, last.new_responses, last.kept_later) == (1, 1, 3)
    else:
        store.import_file(lisbon, THREE_ITEMS, Q3, fmt="microsoft-forms")
        last = store.import_file(berlin, THREE_ITEMS, Q3, fmt="microsoft-forms")
        assert (last.responses, last.new_responses, last.kept_later) == (3, 0, 0)
    assert store.answers_of("1", Q3) == ("payments", datetime(2026, 7, 15, 10, 1), {"sat_tools": 2})
    assert store.scores(3) == [row("*", Q3, SAT, 25.0, 0.0, 4, 4 / 10, None)]


# ==================================================================================================
# 7. The definition's survey: name renamed between two imports of one quarter × a later export of the
#    same form with an edited response × the change against the quarter before
# ==================================================================================================


def test_a_survey_renamed_between_two_imports_of_a_quarter_keeps_both_answers_of_a_respondent(
    tmp_path: Path, engine: Engine
) -> None:
    """Team orders (headcount 4); min_group_size 3; tools only. 2026-Q2: a1–a3 tools 2, 2, 3 (100/3).
    2026-Q3: Monday's export a1–a3 5, 4, 5 under survey devex; then the definition's ``survey:`` is
    renamed devex-2026 (its questions as they were) and Friday's export of the same form is imported:
    a1 edited her response to 1, a4 answered 4.

    Undecided in SPEC and docs/: docs/surveys.md says a renamed survey keeps the change across
    quarters and that a later export of the same form "replaces the answers of those already imported",
    but the store keys answers by survey, and a second survey of a quarter asking the same question
    (a pulse survey) is a separate questionnaire whose answers all count (analytics/space.py). The
    product reads the renamed survey as a second questionnaire; its values are kept here (see report).

    Product: Friday's 4 are new to devex-2026 (4 new); a1–a3 have two answers each, one per survey, and
      are one person each (SPEC §7.4 distinct respondents).
      devex's item 5, 4, 5 → 14/3 → 275/3; devex-2026's item 1, 4, 5, 4 → 3.5 → 62.5; score
      (275/3 + 62.5)/2 = 925/12; favourable (3 + 3)/7 = 6/7; 4 respondents; rate 1; change null (the
      quarter asks the wording twice against once).
    (Replacing instead: 1, 4, 5, 4 → 62.5, favourable 3/4, 4, and change moved 62.5 − 100/3 = 29.17;
      SE² 69.44 (Q2) and own 0, 75, 100, 75 → SS 5625, variance 1875, SE² 468.75; 1.96 × √538.19 =
      45.47 > 29.17 → stable.)
    """
    store = Store(tmp_path, engine, {"orders": 4})
    devex = definition(("sat_tools", TOOLS, SAT, False))
    renamed = definition(("sat_tools", TOOLS, SAT, False), survey="devex-2026")
    store.load(
        "q2.csv", [(f"a{n}", "Orders", {"sat_tools": t}) for n, t in ((1, 2), (2, 2), (3, 3))], devex, Q2
    )
    monday = [(f"a{n}", "Orders", {"sat_tools": t}) for n, t in ((1, 5), (2, 4), (3, 5))]
    store.load("monday.csv", monday, devex, Q3)
    friday = [(f"a{n}", "Orders", {"sat_tools": t}) for n, t in ((1, 1), (2, 4), (3, 5), (4, 4))]
    report = store.load("friday.csv", friday, renamed, Q3)
    assert (report.responses, report.new_responses) == (4, 4)
    q2 = [row(team, Q2, SAT, 100 / 3, 0.0, 3, 3 / 4, None) for team in ("*", "orders")]
    assert store.scores(3) == [
        q2[0],
        row("*", Q3, SAT, 925 / 12, 6 / 7, 4, 1.0, None),
        q2[1],
        row("orders", Q3, SAT, 925 / 12, 6 / 7, 4, 1.0, None),
    ]
