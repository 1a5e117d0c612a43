"""The team question in every import format, asked every way, where other SPACE rules meet it (audit
round 9; SPEC §7.1–§7.4, docs/surveys.md).

The last acceptance run found a wrong number for a Qualtrics team question asked as a text entry
(``Q1`` with import id ``QID1_TEXT``; fixed, tests/test_survey_team_question.py). Its siblings here:
one set of seven respondents written in the shape of each format and each kind of team question (a
``long`` team column, a Google Forms drop-down beside a grid, a Microsoft Forms choice in CSV and in
.xlsx, a Typeform short text, a Qualtrics text entry with choice-text and with numeric values, a
Qualtrics drop-down), their team typed through a ``survey_names:`` alias in another letter case and
with runs of (non-breaking) spaces, next to free-text columns whose titles resemble the team question,
with reverse items, missing-answer labels, skipped rows (Typeform partial, Qualtrics preview and
unfinished) holding unknown teams, a BOM, respondents identified by e-mail or by response id. Then:
the unknown-team refusal naming the row and storing nothing; a Qualtrics "Other" box that must not be
read; unfinished Qualtrics attempts by the same e-mail; and a Google Forms free-text title ``… - Which
team are you on?``.

Every expected number is worked out by hand from SPEC §7.4 in the test's docstring: per item
``(mean − 1) / (points − 1) × 100`` (a reverse item scores ``points + 1 − x``), averaged over the
dimension's items; ``favourable`` = favourable ÷ valid answers; ``respondents`` = people with a valid
answer on the dimension; ``response_rate`` = the team-quarter's respondents ÷ headcount (the
organisation ÷ the sum of headcounts). Scores are read with ``analytics.space.compute_space``, what
``doraspace survey scores`` prints.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from sqlalchemy import Engine, delete, select

from analytics.space import SpaceScore, compute_space
from store import schema
from store.engine import open_store
from store.errors import SurveyImportError
from surveys.definition import parse_definition
from surveys.importer import ImportReport, import_survey, team_spellings

SECRET = "round9-team-question-secret"
Q3 = "2026-Q3"
TEAM = "Which team are you on?"
TOOLS = "I am satisfied with the tools and processes I use to do my work"
BURNOUT = "I feel burned out from my work"
HELP = "It is easy to get help from other teams when my work depends on them"
GRID = "How much do you agree with each statement?"
MATRIX = "Please rate how much you agree with each statement about your work."
# Free-text questions whose titles resemble the team question: never read (SPEC §7.1).
SECOND_TEAM = "Which team are you on? (if you are on two, the other one)"
LAST_TEAM = "Which team were you on last quarter?"
LABELS = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
NEITHER = LABELS[2]
SURVEY = parse_definition(f"""
survey: devex
scales:
  agree5: {{points: 5, labels: [{", ".join(LABELS)}], favourable: [4, 5]}}
missing: ["I don't know", "N/A", "Not applicable", ""]
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{BURNOUT}", dimension: satisfaction, scale: agree5, reverse: true}}
  - {{id: com_help, text: "{HELP}", dimension: communication, scale: agree5}}
""")
TEAM_NAMES = team_spellings(
    {
        "order-team": ["The Orders squad", "Orders"],
        "payments-team": ["Payments"],
        "platform": ["Platform team"],
    }
)
HEADCOUNTS: dict[str, int | None] = {"order-team": 8, "payments-team": 5, "platform": 4}
BOM = "\ufeff"
NBSP = "\u00a0"


# The seven respondents every format writes: (key, e-mail or "", team as typed, tools, burnout, help).
# Teams: O1-O4 → order-team through "Orders", "The Orders squad" (lower/upper case, spaces and
# non-breaking spaces), the team's own name and its upper-case form; P1-P3 → payments-team.
PEOPLE: list[tuple[str, str, str, str, str, str]] = [
    ("o1", "Olga@Example.com", "Orders", "Agree", "Disagree", "Agree"),
    ("o2", "", f"  the ORDERS {NBSP}{NBSP} squad ", "Strongly agree", "I don't know", NEITHER),
    ("o3", "", "order-team", "Disagree", "Strongly agree", "N/A"),
    ("o4", "", "ORDER-TEAM", NEITHER, NEITHER, "Strongly agree"),
    ("p1", "pat@example.com", "PAYMENTS", "Agree", "Agree", "Disagree"),
    ("p2", "", "payments", "Strongly disagree", "Strongly disagree", "Agree"),
    ("p3", "", "Payments   ", "", NEITHER, "Agree"),
]
# What a respondent writes in the free-text columns: another team's name, to be never read.
ASIDE = {"o1": "Payments", "o2": "platform", "p1": "Orders", "p2": "order-team"}


def code(label: str) -> str:
    """A Qualtrics numeric ("Use numeric values") answer: the point, blank for no answer."""
    return str(LABELS.index(label) + 1) if label in LABELS else ""


def write_csv(path: Path, rows: Sequence[Sequence[object]], *, bom: bool = False) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text((BOM if bom else "") + buffer.getvalue(), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------
# Export writers: each returns the rows of a file holding PEOPLE (plus what the format skips)
# --------------------------------------------------------------------------------------------------


def long_rows(people: Sequence[tuple[str, ...]] = PEOPLE) -> list[list[str]]:
    rows = [["respondent_id", "team", "submitted_at", "item_id", "answer", "comment"]]
    for n, (key, _, team, tools, burnout, help_) in enumerate(people):
        at = f"2026-07-14T08:0{n}:00"
        for item, answer in (("sat_tools", tools), ("sat_burnout", burnout), ("com_help", help_)):
            rows.append([key, team, at, item, answer, ASIDE.get(key, "")])
    return rows


def google_rows(people: Sequence[tuple[str, ...]] = PEOPLE) -> list[list[str]]:
    """Google Forms with an e-mail on some rows only (the others identified by their timestamp), the
    team a drop-down beside a grid ``How much do you agree with each statement? [Row]``."""
    header = [
        "Timestamp",
        "Email Address",
        TEAM,
        f"{GRID} [{TOOLS}]",
        f"{GRID} [{BURNOUT}]",
        HELP,
        SECOND_TEAM,
        LAST_TEAM,
    ]
    rows = [header]
    for n, (key, email, team, tools, burnout, help_) in enumerate(people):
        aside = ASIDE.get(key, "")
        rows.append([f"14/07/2026 10:0{n}:00", email, team, tools, burnout, help_, aside, aside])
    return rows


MS_HEADER = ["ID", "Start time", "Completion time", "Email", "Name", TEAM, TOOLS, BURNOUT, HELP, LAST_TEAM]


def microsoft_rows(people: Sequence[tuple[str, ...]] = PEOPLE) -> list[list[str]]:
    """Microsoft Forms: the team a choice; ``anonymous`` e-mails (identified by ID) but for two."""
    rows = [MS_HEADER]
    for n, (key, email, team, tools, burnout, help_) in enumerate(people, start=1):
        stamp = f"7/14/2026 10:{n:02d}:00"
        name = "Olga Ortiz" if email else ""
        rows.append(
            [
                str(n),
                stamp,
                stamp,
                email or "anonymous",
                name,
                team,
                tools,
                burnout,
                help_,
                ASIDE.get(key, ""),
            ]
        )
    return rows


def microsoft_workbook(path: Path, people: Sequence[tuple[str, ...]] = PEOPLE) -> Path:
    """The same as Microsoft Forms' "Open in Excel" .xlsx: typed cells (int ID, datetimes)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    rows = microsoft_rows(people)
    sheet.append(rows[0])
    for row in rows[1:]:
        cells: list[object] = [cell or None for cell in row]
        cells[0] = int(row[0])
        cells[1] = cells[2] = datetime.strptime(row[1], "%m/%d/%Y %H:%M:%S")
        sheet.append(cells)
    workbook.save(path)
    return path


TYPEFORM_META = [
    "Response Type",
    "Start Date (UTC)",
    "Stage Date (UTC)",
    "Submit Date (UTC)",
    "Network ID",
    "Tags",
]


def typeform_rows(people: Sequence[tuple[str, ...]] = PEOPLE) -> list[list[str]]:
    """Typeform: the team a short text typed as is; the tools item an opinion scale (numbers); a
    partial response (unknown team, unknown answer) between the completed ones, skipped."""
    rows = [["#", TEAM, TOOLS, BURNOUT, HELP, LAST_TEAM, *TYPEFORM_META]]
    for n, (key, _, team, tools, burnout, help_) in enumerate(people):
        start, end = f"2026-07-14 08:0{n}:00", f"2026-07-14 08:0{n}:40"
        rows.append(
            [
                f"tok{key}",
                team,
                code(tools),
                burnout,
                help_,
                ASIDE.get(key, ""),
                "completed",
                start,
                "",
                end,
                "",
                "",
            ]
        )
        if n == 1:
            partial = ["tokpartial", "Growth", "9", "Mostly", "", "", "partial", start, start, "", "", ""]
            rows.append(partial)
    return rows


QUALTRICS_META = [
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"UTC"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"UTC"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"UTC"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientLastName", "Recipient Last Name", '{"ImportId":"recipientLastName"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
]
QUALTRICS_TEXT_TEAM = ("Q1", TEAM, '{"ImportId":"QID1_TEXT"}')
QUALTRICS_DROPDOWN_TEAM = ("Q10", TEAM, '{"ImportId":"QID10"}')
QUALTRICS_QUESTIONS = [
    ("Q2_1", f"{MATRIX} - {TOOLS}", '{"ImportId":"QID2_1"}'),
    ("Q2_2", f"{MATRIX} - {BURNOUT}", '{"ImportId":"QID2_2"}'),
    ("Q3", HELP, '{"ImportId":"QID3"}'),
    ("Q9_TEXT", LAST_TEAM, '{"ImportId":"QID9_TEXT"}'),
]


STATUS_LABELS = {"0": "IP Address", "1": "Survey Preview", "4": "Imported"}
FINISHED_LABELS = {"1": "True", "0": "False"}
# A Qualtrics response: (Status code, Finished code, "HH:MM" recorded, ResponseId, e-mail, *answers).
QualtricsRow = tuple[str, ...]


def qualtrics_export(
    columns: Sequence[tuple[str, str, str]], body: Sequence[QualtricsRow], *, numeric: bool = False
) -> list[list[str]]:
    """A Qualtrics CSV: three header rows (ids, texts, import ids) for the metadata and ``columns``;
    Status and Finished as codes (numeric values) or as their labels (choice text)."""
    header = [*QUALTRICS_META, *columns]
    rows = [[column[n] for column in header] for n in range(3)]
    for status, done, clock, rid, email, *answers in body:
        stamp = f"2026-07-14 {clock}:00"
        progress = "100" if done == "1" else "40"
        if not numeric:
            status, done = STATUS_LABELS[status], FINISHED_LABELS[done]
        last_name = "Ortiz" if email else ""
        rows.append(
            [stamp, stamp, status, "203.0.113.9", progress, done, stamp, rid, last_name, email, *answers]
        )
    return rows


def qualtrics_rows(
    people: Sequence[tuple[str, ...]] = PEOPLE,
    *,
    numeric: bool = False,
    team: tuple[str, str, str] = QUALTRICS_TEXT_TEAM,
) -> list[list[str]]:
    """A Qualtrics CSV of ``people``: the team column ``team`` (by default a text entry ``Q1`` with
    import id ``QID1_TEXT``), a matrix ``Question - Statement`` beside it, a free text ``Q9_TEXT``.
    P1 is an ``Imported`` response (Status 4), the others ``IP Address`` (0). After O2 come a survey
    preview (Status 1, unknown team) and an unfinished response (Finished 0, blank team): skipped."""
    body: list[QualtricsRow] = []
    for n, (key, email, team_answer, tools, burnout, help_) in enumerate(people):
        items = [tools, burnout, help_]
        answers = [team_answer, *(map(code, items) if numeric else items), ASIDE.get(key, "")]
        body.append(("4" if key == "p1" else "0", "1", f"08:{n:02d}", f"R_{key}", email, *answers))
        if n == 1:
            body.append(("1", "1", "08:20", "R_preview", "", "Growth", "Mostly", "", "", ""))
            body.append(("0", "0", "08:21", "R_unfinished", "", "", "", "", "", ""))
    return qualtrics_export([team, *QUALTRICS_QUESTIONS], body, numeric=numeric)


def engine_at(directory: Path, name: str) -> Engine:
    return open_store(f"duckdb:///{directory}/{name}.duckdb")


SURVEY_TABLES = (schema.survey_answers, schema.survey_responses, schema.survey_items)


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    store = engine_at(tmp_path_factory.mktemp("round9-team-question"), "store")
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture
def engine(shared_store: Engine) -> Engine:
    """One store for the module (creating one costs more than the tests), emptied before each test."""
    with shared_store.begin() as conn:
        for table in SURVEY_TABLES:
            conn.execute(delete(table))
    assert all(not rows for rows in stored(shared_store).values())
    return shared_store


def run(engine: Engine, file: Path) -> ImportReport:
    return import_survey(engine, file, SURVEY, quarter=Q3, fmt="auto", secret=SECRET, team_names=TEAM_NAMES)


def scores(engine: Engine, minimum: int = 3) -> dict[tuple[str, str], SpaceScore]:
    rows = compute_space(engine, teams=HEADCOUNTS, min_group_size=minimum)
    assert {row.quarter for row in rows} <= {Q3}
    return {(row.team, row.dimension): row for row in rows}


def figures(row: SpaceScore) -> tuple[Any, ...]:
    return (row.score, row.favourable, row.respondents, row.response_rate)


def expect(score: float, favourable: float, respondents: int, rate: float | None) -> tuple[Any, ...]:
    return (
        pytest.approx(score, rel=1e-12, abs=1e-12),
        pytest.approx(favourable, rel=1e-12, abs=1e-12),
        respondents,
        None if rate is None else pytest.approx(rate, rel=1e-12),
    )


def stored(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    tables = (schema.survey_items, schema.survey_responses, schema.survey_answers)
    with engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=str)
            for table in tables
        }


# Format → (file name, writer of the file from people, BOM, format told from the header, skipped rows).
Writer = Callable[[Path, Sequence[tuple[str, ...]]], Path]


def csv_writer(rows_of: Callable[[Sequence[tuple[str, ...]]], list[list[str]]], bom: bool) -> Writer:
    return lambda path, people: write_csv(path, rows_of(people), bom=bom)


FORMATS: dict[str, tuple[str, Writer, str, int]] = {
    "long": ("answers.csv", csv_writer(long_rows, True), "long", 0),
    "google-forms-dropdown-grid": ("google.csv", csv_writer(google_rows, True), "google-forms", 0),
    "microsoft-forms-choice-csv": ("ms.csv", csv_writer(microsoft_rows, False), "microsoft-forms", 0),
    "microsoft-forms-choice-xlsx": (
        "ms.xlsx",
        lambda path, people: microsoft_workbook(path, people),
        "microsoft-forms",
        0,
    ),
    "typeform-short-text": ("typeform.csv", csv_writer(typeform_rows, True), "typeform", 1),
    "qualtrics-text-entry-labels": ("qualtrics.csv", csv_writer(qualtrics_rows, True), "qualtrics", 2),
    "qualtrics-text-entry-numeric": (
        "qualtrics.csv",
        csv_writer(lambda people: qualtrics_rows(people, numeric=True), False),
        "qualtrics",
        2,
    ),
    "qualtrics-dropdown-labels": (
        "qualtrics.csv",
        csv_writer(lambda people: qualtrics_rows(people, team=QUALTRICS_DROPDOWN_TEAM), True),
        "qualtrics",
        2,
    ),
}
# The team column an error names, per format (its key: the header title, Qualtrics' column id).
TEAM_COLUMN = {
    "long": "team",
    "google-forms-dropdown-grid": TEAM,
    "microsoft-forms-choice-csv": TEAM,
    "microsoft-forms-choice-xlsx": TEAM,
    "typeform-short-text": TEAM,
    "qualtrics-text-entry-labels": "Q1",
    "qualtrics-text-entry-numeric": "Q1",
    "qualtrics-dropdown-labels": "Q10",
}


def assert_people_scores(engine: Engine) -> None:
    """The scores of PEOPLE, worked out in the docstring of the first test."""
    got = scores(engine)
    assert set(got) == {
        (team, dimension)
        for team in ("*", "order-team", "payments-team")
        for dimension in ("communication", "satisfaction")
    }
    assert figures(got[("order-team", "satisfaction")]) == expect(625 / 12, 3 / 7, 4, 4 / 8)
    assert figures(got[("order-team", "communication")]) == expect(75.0, 2 / 3, 3, 4 / 8)
    assert figures(got[("payments-team", "satisfaction")]) == expect(575 / 12, 2 / 5, 3, 3 / 5)
    assert figures(got[("payments-team", "communication")]) == expect(175 / 3, 2 / 3, 3, 3 / 5)
    assert figures(got[("*", "satisfaction")]) == expect(625 / 12, 5 / 12, 7, 7 / 17)
    assert figures(got[("*", "communication")]) == expect(200 / 3, 4 / 6, 6, 7 / 17)


# ==================================================================================================
# 1. Every format × every kind of team question × aliases in odd case and spacing × free-text look-
#    alikes × grid/matrix beside the team × reverse item × missing labels × skipped rows × BOM ×
#    identity by e-mail or id × re-import (the .xlsx re-imported as its CSV) adds nothing
# ==================================================================================================


@pytest.mark.parametrize("shape", list(FORMATS))
def test_every_format_and_kind_of_team_question_scores_the_same_hand_worked_numbers(
    tmp_path: Path, engine: Engine, shape: str
) -> None:
    """Seven respondents (PEOPLE), whatever the export, at min_group_size 3 and headcounts order-team 8,
    payments-team 5, platform 4 (17 in all):

    Teams (SPEC §7.1, team answer folded, survey_names): "Orders", "  the ORDERS ·· squad " (· a
    no-break space; alias "The Orders squad" in another case with runs of spaces), "order-team",
    "ORDER-TEAM" → order-team (O1-O4); "PAYMENTS", "payments", "Payments   " → payments-team (P1-P3).
    The free-text columns (``Which team were you on last quarter?``, ``Which team are you on? (if you
    are on two, …)``) hold other teams' names and are never read; the skipped rows (Typeform partial
    "Growth", Qualtrics preview "Growth" and an unfinished response with no team) are not validated.

    order-team satisfaction: tools 4, 5, 2, 3 → mean 3.5 → 62.5; burnout (reverse) Disagree 2→4,
    I don't know (missing), Strongly agree 5→1, Neither 3→3 → mean 8/3 → 125/3; score (62.5 + 125/3)/2
    = 625/12; favourable tools 4, 5 + burnout 4 = 3 of 7 valid; 4 respondents; rate 4/8.
    order-team communication: 4, 3, N/A (missing), 5 → mean 4 → 75; favourable 2/3; 3 respondents;
    rate: the team-quarter's 4 respondents ÷ 8.
    payments-team satisfaction: tools 4, 1, blank → 2.5 → 37.5; burnout Agree 4→2, Strongly disagree
    1→5, Neither 3→3 → 10/3 → 175/3; score (37.5 + 175/3)/2 = 575/12; favourable tools 4 + burnout 5
    = 2 of 5; 3 respondents; rate 3/5.
    payments-team communication: 2, 4, 4 → 10/3 → 175/3; favourable 2/3; 3 respondents; rate 3/5.
    Organisation satisfaction: tools 4, 5, 2, 3, 4, 1 → 19/6 → 325/6; burnout reversed 4, 1, 3, 2, 5,
    3 → 3 → 50; score (325/6 + 50)/2 = 625/12; favourable 3 + 2 = 5 of 12; 7 respondents; rate 7/17.
    Organisation communication: 4, 3, 5, 2, 4, 4 → 11/3 → 200/3; favourable 4/6; 6 respondents; 7/17.
    platform has nobody: no row. Valid answers stored: 4×3 − 2 missing + 3×3 − 1 blank = 18.
    """
    file_name, write, fmt, skipped = FORMATS[shape]
    file = write(tmp_path / file_name, PEOPLE)
    report = run(engine, file)
    assert (report.format, report.rows, report.skipped, report.superseded) == (fmt, 7, skipped, 0)
    assert (report.responses, report.new_responses, report.answers, report.missing_answers) == (7, 7, 18, 3)
    assert dict(report.respondents_by_team) == {"order-team": 4, "payments-team": 3}

    assert_people_scores(engine)

    # Re-importing adds nothing (SPEC §7.3): the same file, or for the workbook the CSV "Save as" of the
    # same responses (the e-mail or the ID identifies them in both: 1 == the typed cell 1).
    before = stored(engine)
    again = (
        file if not file.name.endswith(".xlsx") else write_csv(tmp_path / "ms-again.csv", microsoft_rows())
    )
    second = run(engine, again)
    assert (second.responses, second.new_responses, second.kept_later) == (7, 0, 0)
    assert stored(engine) == before


# ==================================================================================================
# 2. A later export of every format with one unknown (or blank) team after skipped rows: the error
#    names the row (as a spreadsheet shows it) and the team column; nothing of the file is stored
# ==================================================================================================

# The row of the eighth respondent, appended to PEOPLE: long 3 rows each after the header (2 + 3 × 7);
# one row each (2 + 7); Typeform with its partial row before (3 + 7); Qualtrics with 3 header rows and
# the preview and unfinished rows before (6 + 7).
BAD_ROW = {
    "long": 23,
    "google-forms-dropdown-grid": 9,
    "microsoft-forms-choice-csv": 9,
    "microsoft-forms-choice-xlsx": 9,
    "typeform-short-text": 10,
    "qualtrics-text-entry-labels": 13,
    "qualtrics-text-entry-numeric": 13,
    "qualtrics-dropdown-labels": 13,
}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("N/A", "unknown team 'N/A'"),  # a missing-answer label is no team either
        (f" {NBSP} ", "no answer to the team question"),
        ("Order  squad", "unknown team 'Order  squad'"),  # close to an alias, but no alias
    ],
    ids=["missing-label", "blank", "near-alias"],
)
@pytest.mark.parametrize("shape", list(FORMATS))
def test_an_unknown_team_after_skipped_rows_names_its_row_and_stores_nothing(
    tmp_path: Path, engine: Engine, shape: str, typed: str, message: str
) -> None:
    """SPEC §7.1: "an unknown team is an error naming the row"; §7.3: "An import either stores every
    valid row or none". The first export of PEOPLE is stored (7 respondents); a later export of the same
    form adds an eighth respondent whose team answer is ``N/A`` (a ``missing:`` label, which leaves the
    denominator for an item but names no team), blank (spaces and a non-breaking space), or
    ``Order  squad`` (neither ``Orders`` nor ``The Orders squad``). The refusal names the spreadsheet row
    of that respondent (BAD_ROW: skipped Typeform/Qualtrics rows and header rows count) and the team
    column (its title; Qualtrics' column id ``Q1``/``Q10``; ``team`` in the long format). The store holds
    exactly what the first import wrote, and the scores stay those of PEOPLE."""
    file_name, write, _, _ = FORMATS[shape]
    run(engine, write(tmp_path / file_name, PEOPLE))
    before = stored(engine)
    later = write(tmp_path / f"later-{file_name}", [*PEOPLE, ("x8", "", typed, "Agree", "Agree", "Agree")])
    with pytest.raises(SurveyImportError) as refused:
        run(engine, later)
    assert str(refused.value) == (
        f"{later}, row {BAD_ROW[shape]}, column {TEAM_COLUMN[shape]!r}: {message}"
        + (": not a team name or one of its survey_names" if message.startswith("unknown") else "")
    )
    assert stored(engine) == before
    assert_people_scores(engine)


# ==================================================================================================
# 3. Qualtrics: a team choice with an "Other" text box × a box left filled beside another choice ×
#    a typed team in odd case × reverse item × suppression and differencing at min_group_size 3
# ==================================================================================================

QUALTRICS_CHOICE_TEAM = [
    ("Q10", f"{TEAM} - Selected Choice", '{"ImportId":"QID10"}'),
    ("Q10_4_TEXT", f"{TEAM} - Other - Text", '{"ImportId":"QID10_4_TEXT"}'),
]


def test_an_other_box_left_filled_beside_another_choice_is_not_read(engine: Engine, tmp_path: Path) -> None:
    """docs/surveys.md: the team choice's own typed box is "read only for a respondent who picked that
    choice". R3 picked Orders but left "Payments" in the Other box; R6 picked Other and typed
    "  PAYMENTS ". So order-team = R1, R2, R3 and payments-team = R4, R5, R6 — 3 each at min_group_size
    3, both shown. (Reading R3's box would leave order-team 2, suppressed, and by differencing hide
    payments-team too: only the organisation would show.)

    order-team satisfaction: tools Agree 4, Strongly agree 5, Disagree 2 → 11/3 → 200/3; burnout R3
    Strongly agree 5 → reversed 1 → 0; score (200/3 + 0)/2 = 100/3; favourable 4, 5 → 2 of 4;
    3 respondents; rate 3/8.
    payments-team satisfaction: tools 2, 3, 1 → 2 → 25; burnout R4 Agree 4→2, R6 Disagree 2→4 → 3 →
    50; score 37.5; favourable R6's burnout 4 → 1 of 5; 3 respondents; rate 3/5.
    Organisation: tools 4, 5, 2, 2, 3, 1 → 17/6 → 275/6; burnout 1, 2, 4 → 7/3 → 100/3 = 200/6; score
    (275/6 + 200/6)/2 = 475/12; favourable 3 of 9; 6 respondents; rate 6/17.
    """
    columns = [*QUALTRICS_CHOICE_TEAM, *QUALTRICS_QUESTIONS]
    body = [
        ("0", "1", "08:01", "R_1", "", "Orders", "", "Agree", "", "", ""),
        ("0", "1", "08:02", "R_2", "", "Orders", "", "Strongly agree", "", "", ""),
        ("0", "1", "08:03", "R_3", "", "Orders", "Payments", "Disagree", "Strongly agree", "", ""),
        ("0", "1", "08:04", "R_4", "", "Payments", "", "Disagree", "Agree", "", "Orders"),
        ("4", "1", "08:05", "R_5", "", "Payments", "", NEITHER, "", "", ""),
        ("0", "1", "08:06", "R_6", "", "Other", "  PAYMENTS ", "Strongly disagree", "Disagree", "", ""),
    ]
    report = run(engine, write_csv(tmp_path / "qualtrics.csv", qualtrics_export(columns, body), bom=True))
    assert dict(report.respondents_by_team) == {"order-team": 3, "payments-team": 3}
    got = scores(engine)
    assert set(got) == {
        ("*", "satisfaction"),
        ("order-team", "satisfaction"),
        ("payments-team", "satisfaction"),
    }
    assert figures(got[("order-team", "satisfaction")]) == expect(100 / 3, 2 / 4, 3, 3 / 8)
    assert figures(got[("payments-team", "satisfaction")]) == expect(37.5, 1 / 5, 3, 3 / 5)
    assert figures(got[("*", "satisfaction")]) == expect(475 / 12, 3 / 9, 6, 6 / 17)


# ==================================================================================================
# 4. Qualtrics text-entry team × RecipientEmail identity (case-folded) × the Finished and Status
#    filters on a respondent's other attempts × a resubmission out of order × re-import adds nothing
# ==================================================================================================


def test_unfinished_and_preview_attempts_of_an_email_respondent_do_not_move_their_team(
    engine: Engine, tmp_path: Path
) -> None:
    """Team asked as a text entry (Q1, QID1_TEXT). SPEC §7.2 keeps Finished = 1 and Status 0 or 4; §7.3
    identifies a respondent by the e-mail where the export has one (case-folded), else the ResponseId;
    docs: of one respondent's submissions the later (by time, whatever the row order) counts.

    Ana: finished 08:00 as " orders " (kept); unfinished 09:00 as "payments" (Finished False: skipped,
    so not her later submission). Ben: finished 08:20 as "ORDER-team"; a survey preview 11:00 as
    "Payments" (skipped). Cy: finished 10:00 as "Orders" (row first) and 08:05 as "Payments" (row
    later): the 10:00 one counts (1 superseded). D, E, F (ResponseIds) type "Payments", "PAYMENTS",
    "payments" (F an Imported response, Status 4).
    So order-team = Ana, Ben, Cy (3) and payments-team = D, E, F (3), both shown at 3; taking any of
    the skipped or earlier rows would move a person and leave order-team at 2, suppressed.

    order-team satisfaction (tools only): 4, 2, 4 → 10/3 → 175/3; favourable 2/3; 3; rate 3/8.
    payments-team: Neither 3, Agree 4, Disagree 2 → 3 → 50; favourable 1/3; 3; rate 3/5.
    Organisation: 4, 2, 4, 3, 4, 2 → 19/6 → 325/6; favourable 3/6; 6; rate 6/17.
    Kept rows 7 (Ana, Ben, Cy twice, D, E, F), skipped 2, superseded 1, 6 respondents stored.
    """
    body = [
        ("0", "1", "08:00", "R_a1", "Ana@Example.com", " orders ", "Agree", "", "", ""),
        ("0", "0", "09:00", "R_a2", "ana@example.com", "payments", "Strongly disagree", "", "", ""),
        ("0", "1", "08:20", "R_b1", "ben@example.com", "ORDER-team", "Disagree", "", "", ""),
        ("1", "1", "11:00", "R_b2", "BEN@example.com", "Payments", "Strongly agree", "", "", ""),
        ("0", "1", "10:00", "R_c2", "cy@example.com", "Orders", "Agree", "", "", ""),
        ("0", "1", "08:30", "R_d", "", "Payments", NEITHER, "", "", ""),
        ("0", "1", "08:40", "R_e", "", "PAYMENTS", "Agree", "", "", ""),
        ("4", "1", "08:50", "R_f", "", "payments", "Disagree", "", "", ""),
        ("0", "1", "08:05", "R_c1", "Cy@Example.com", "Payments", "Strongly agree", "", "", ""),
    ]
    file = write_csv(
        tmp_path / "qualtrics.csv", qualtrics_export([QUALTRICS_TEXT_TEAM, *QUALTRICS_QUESTIONS], body)
    )
    report = run(engine, file)
    assert (report.rows, report.skipped, report.superseded, report.responses) == (7, 2, 1, 6)
    assert dict(report.respondents_by_team) == {"order-team": 3, "payments-team": 3}

    def check() -> None:
        got = scores(engine)
        assert set(got) == {
            ("*", "satisfaction"),
            ("order-team", "satisfaction"),
            ("payments-team", "satisfaction"),
        }
        assert figures(got[("order-team", "satisfaction")]) == expect(175 / 3, 2 / 3, 3, 3 / 8)
        assert figures(got[("payments-team", "satisfaction")]) == expect(50.0, 1 / 3, 3, 3 / 5)
        assert figures(got[("*", "satisfaction")]) == expect(325 / 6, 3 / 6, 6, 6 / 17)

    check()
    before = stored(engine)
    again = run(engine, file)
    assert (again.responses, again.new_responses) == (6, 0)
    assert stored(engine) == before
    check()


# ==================================================================================================
# 5. Qualtrics numeric values × the team asked as a choice: choice codes are no team names
# ==================================================================================================


def test_a_numeric_export_of_a_team_choice_is_refused_at_its_first_kept_row(
    engine: Engine, tmp_path: Path
) -> None:
    """docs/surveys.md: "Qualtrics numeric exports turn the team question into choice codes too"; a code
    names no team (SPEC §7.1: the team is matched to a team name or survey_name), so the import is
    refused at the first kept response — row 5, the row-4 preview (Status 1, code 9) being skipped —
    naming the team column Q10, even for a respondent who picked Other (code 4) and typed a known team:
    nothing is stored."""
    columns = [*QUALTRICS_CHOICE_TEAM, *QUALTRICS_QUESTIONS]
    body = [
        ("1", "1", "08:00", "R_0", "", "9", "", "4", "", "", ""),
        ("0", "1", "08:01", "R_1", "", "4", "payments", "4", "", "", ""),
        ("0", "1", "08:02", "R_2", "", "1", "", "5", "", "", ""),
    ]
    file = write_csv(tmp_path / "codes.csv", qualtrics_export(columns, body, numeric=True))
    with pytest.raises(SurveyImportError) as refused:
        run(engine, file)
    assert str(refused.value) == (
        f"{file}, row 5, column 'Q10': unknown team '4': not a team name or one of its survey_names"
    )
    assert all(not rows for rows in stored(engine).values())


# ==================================================================================================
# 6. Google Forms × a free-text question titled "… - Which team are you on?" beside the team drop-down
# ==================================================================================================


def test_a_google_free_text_title_ending_with_the_team_question_is_never_read(
    engine: Engine, tmp_path: Path
) -> None:
    """A Google Forms drop-down has no "Other" option, so a form adds a free-text question "If your team
    is not listed - which team are you on?". SPEC §7.1 matches a column by its question title, or by its
    row label for grids — Google Forms ``Title [Row]``; ``Question - Statement`` is Qualtrics' matrix
    form — and "other free-text columns are never read". This free text is not the team question: the
    export is PEOPLE (plus the free text, holding other teams' names) and scores as PEOPLE do
    (numbers in the first test's docstring). The product instead refuses the file: "several columns ask
    the team question"."""
    rows = google_rows()
    rows[0].append("If your team is not listed - which team are you on?")
    for row, (key, *_) in zip(rows[1:], PEOPLE, strict=True):
        row.append(ASIDE.get(key, ""))
    report = run(engine, write_csv(tmp_path / "google.csv", rows))
    assert dict(report.respondents_by_team) == {"order-team": 4, "payments-team": 3}
    assert_people_scores(engine)


# ==================================================================================================
# 7. Google Forms: the team question asked as a grid row beside an item grid and a look-alike row ×
#    e-mail identity with a resubmission × reverse item × min_group_size 3
# ==================================================================================================


def test_the_team_question_asked_as_a_grid_row_beside_the_item_grid(engine: Engine, tmp_path: Path) -> None:
    """SPEC §7.1: the team question is found by its wording whatever kind of question asked it, a grid's
    row label being its wording (``About you [Which team are you on?]``); the grid's other row
    ``About you [Which team were you on last quarter?]`` and the free text are never read; nobody
    answered the communication item (no communication row).
    Ana answered twice (same e-mail, case aside): 10:00 as "Payments", 10:09 as "orders" — the later
    counts (SPEC §7.3 identity; docs: the later submission). So order-team = Ana, Bo, Cy and
    payments-team = Di, Ed, Fay: 3 each, both shown (Ana's earlier answer would make 2 and 4, hiding
    order-team and, by differencing, payments-team).

    order-team satisfaction: tools Strongly agree 5, Agree 4, Disagree 2 → 11/3 → 200/3; burnout
    (reverse) Disagree 2→4, Agree 4→2, "Not applicable" missing → 3 → 50; score (200/3 + 50)/2 =
    175/3; favourable tools 5, 4 + burnout 4 → 3 of 5; 3 respondents; rate 3/8.
    payments-team satisfaction: tools 1, 3, 2 → 2 → 25; burnout 1→5, 5→1, 3→3 → 3 → 50; score 37.5;
    favourable burnout 5 → 1 of 6; 3 respondents; rate 3/5.
    Organisation: tools 5, 4, 2, 1, 3, 2 → 17/6 → 275/6; burnout 4, 2, 5, 1, 3 → 3 → 50 = 300/6; score
    (275/6 + 300/6)/2 = 575/12; favourable 4 of 11; 6 respondents; rate 6/17.
    """
    header = [
        "Timestamp",
        "Email Address",
        f"About you [{LAST_TEAM}]",
        f"About you [{TEAM}]",
        f"{GRID} [{TOOLS}]",
        f"{GRID} [{BURNOUT}]",
        HELP,
        SECOND_TEAM,
    ]
    # (minute, e-mail, last quarter's team, team, tools, burnout, free text); help left blank.
    answers = [
        ("00", "ana@example.com", "Orders", "Payments", "Strongly disagree", "", "Orders"),
        ("01", "bo@example.com", "Payments", "THE orders  SQUAD", "Agree", "Agree", "Payments"),
        ("02", "cy@example.com", "", "Order-Team", "Disagree", "Not applicable", ""),
        ("03", "di@example.com", "Orders", "payments", "Strongly disagree", "Strongly disagree", ""),
        ("04", "ed@example.com", "", "PAYMENTS", NEITHER, "Strongly agree", "Orders"),
        ("05", "fay@example.com", "", "Payments-Team", "Disagree", NEITHER, ""),
        ("09", "Ana@Example.com", "Payments", "orders", "Strongly agree", "Disagree", ""),
    ]
    rows = [header]
    rows += [[f"14/07/2026 10:{m}:00", *cells, "", aside] for m, *cells, aside in answers]
    report = run(engine, write_csv(tmp_path / "google.csv", rows, bom=True))
    assert (report.rows, report.superseded, report.responses) == (7, 1, 6)
    assert dict(report.respondents_by_team) == {"order-team": 3, "payments-team": 3}
    got = scores(engine)
    assert set(got) == {
        ("*", "satisfaction"),
        ("order-team", "satisfaction"),
        ("payments-team", "satisfaction"),
    }
    assert figures(got[("order-team", "satisfaction")]) == expect(175 / 3, 3 / 5, 3, 3 / 8)
    assert figures(got[("payments-team", "satisfaction")]) == expect(37.5, 1 / 6, 3, 3 / 5)
    assert figures(got[("*", "satisfaction")]) == expect(575 / 12, 4 / 11, 6, 6 / 17)
