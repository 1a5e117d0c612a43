"""Survey export files as spreadsheets and tools really write them, where a file-level quirk meets a
scoring or privacy rule (audit round 10; SPEC §7.1–§7.4, §9; docs/surveys.md "Export formats").

SPEC §7.1: answers are matched "by label text (case-insensitive, runs of whitespace folded) or by
number", columns by the item's ``text`` against the column's question title, and "Missing answers leave
the denominator". §7.2: Microsoft Forms "CSV or .xlsx"; "A UTF-8 BOM is ignored". §7.3: only HMAC
pseudonyms (e-mail, else the response id; Google: the row timestamp), "re-importing the same file adds
nothing", "An import either stores every valid row or none, and a bad file gets an error naming the row
and column". §9: a bad survey file "is reported with its location and changes nothing". docs/surveys.md:
files are CSV (UTF-8 with or without BOM; comma, semicolon or tab), UTF-16 "Unicode text" from Excel,
``.xlsx`` (first sheet, "read to its last filled row"), or "a ZIP holding one CSV"; a record shorter
than the header ends in empty cells; numbers ``4``, "also ``4.0`` from a spreadsheet"; dates "as the
exporting locale wrote them"; a refusal is one line naming file, row and column, exit 2, nothing stored
(on a first import the store is not even created).

Each file is written here as the spreadsheet or tool writes it: an Excel-for-Mac workbook (1904 date
system, answers as number cells, float cells, numbers-as-text, a title with a line break and trailing
spaces, styled empty trailing rows and columns) and its "Unicode text" save; a Google Sheet saved by
Mac Excel as "CSV (Macintosh)" (CR line ends, two-digit years, no seconds, dropped trailing
separators, a quoted cell holding a comma and a line break); Google's ZIP download; and files that
must be refused (a non-integer number cell, a date that lost its date format, a German decimal comma,
a download cut inside a quoted cell, ANSI/MacRoman text, a macOS-made ZIP, a formula without its
value). Scores follow SPEC §7.4: per item ``(mean answer − 1) / (points − 1) × 100`` (reverse items
``points + 1 − x``), averaged over the dimension's items; ``favourable`` = favourable ÷ valid answers;
``respondents`` = people with a valid answer on the dimension; ``response_rate`` = respondents ÷
headcount (the organisation: the quarter's respondents ÷ all headcounts, 4 + 5 = 9 here);
min_group_size 3 with differencing; numbers compared at 1e-12.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from openpyxl.styles import PatternFill  # type: ignore[import-untyped]
from openpyxl.utils.datetime import CALENDAR_MAC_1904  # type: ignore[import-untyped]
from sqlalchemy import Engine, delete, select

from analytics.space import SpaceScore, compute_space
from doraspace.cli import main
from store import schema
from store.engine import open_store
from surveys.definition import parse_definition
from surveys.importer import import_survey, team_spellings

SECRET = "round10-file-quirks-secret"
SECRET_VARIABLE = "ROUND10_FILE_QUIRKS_SECRET"
Q3 = "2026-Q3"
TEAM = "Which team are you on?"
TOOLS = "I am satisfied with the tools and processes I use to do my work"
BURNOUT = "I feel burned out from my work"
HELP = "It is easy to get help from other teams when my work depends on them"
GRID = "How much do you agree with each statement?"
LABELS = "[Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree]"
EXPECTED_LABELS = "Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree"
DEFINITION_YAML = f"""
survey: devex
scales:
  agree5: {{points: 5, labels: {LABELS}, favourable: [4, 5]}}
missing: ["I don't know", "N/A", "Not applicable", ""]
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{BURNOUT}", dimension: satisfaction, scale: agree5, reverse: true}}
  - {{id: com_help, text: "{HELP}", dimension: communication, scale: agree5}}
"""
SURVEY = parse_definition(DEFINITION_YAML)
TEAM_NAMES = team_spellings({"orders": ["Order team"], "payments": []})
HEADCOUNTS: dict[str, int | None] = {"orders": 4, "payments": 5}
SA, A, N, D, SD = "Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"
SAT, COM = "satisfaction", "communication"
MS_META = ["ID", "Start time", "Completion time", "Email", "Name"]
SURVEY_TABLES = (schema.survey_answers, schema.survey_responses, schema.survey_items)


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def pseudonym_of(identifier: str) -> str:
    """HMAC-SHA256(respondent_secret, identifier), hex (SPEC §7.3), worked out here."""
    return hmac.new(SECRET.encode(), identifier.encode(), hashlib.sha256).hexdigest()


def records(
    rows: Sequence[Sequence[str]], *, delimiter: str = ",", end: str = "\r\n", excel: bool = False
) -> str:
    """Records as a spreadsheet saves them, ``end`` between records (line breaks inside quoted cells
    kept as typed). ``excel``: a record's empty trailing cells lose their separators."""
    lines = []
    for row in rows:
        cells = list(row)
        while excel and cells and cells[-1] == "":
            cells.pop()
        buffer = io.StringIO()
        # The terminator given to ``csv`` decides which cells it quotes: CR and LF both, as Excel does.
        csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerow(cells)
        lines.append(buffer.getvalue().removesuffix("\r\n"))
    return end.join(lines) + end


def workbook(
    path: Path, rows: Sequence[Sequence[object]], *, mac: bool = False, styled: bool = False
) -> Path:
    """An .xlsx of ``rows`` (None: no cell). ``mac``: the 1904 date system of Excel for Mac workbooks.
    ``styled``: what a person leaves behind after deleting rows and columns — a filled but empty
    column right of the header, filled empty rows below the responses, and a cell holding one space."""
    book = openpyxl.Workbook()
    if mac:
        book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    if styled:
        fill = PatternFill(fill_type="solid", fgColor="FFFF00")
        width = max(len(row) for row in rows)
        for number in range(1, len(rows) + 6):
            sheet.cell(row=number, column=width + 2).fill = fill
        for number in range(len(rows) + 1, len(rows) + 6):
            sheet.cell(row=number, column=1).fill = fill
        sheet.cell(row=len(rows) + 3, column=2, value=" ")
    book.save(path)
    return path


def dump(engine: Engine) -> list[list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return [
            sorted((tuple(row) for row in conn.execute(select(table))), key=repr) for table in SURVEY_TABLES
        ]


def stored_texts(engine: Engine) -> list[str]:
    return [str(value).casefold() for rows in dump(engine) for row in rows for value in row]


def responses(engine: Engine) -> dict[str, tuple[str, datetime | None]]:
    """respondent → (team, submitted_at)."""
    with engine.connect() as conn:
        return {
            row.respondent: (row.team, row.submitted_at)
            for row in conn.execute(select(schema.survey_responses))
        }


def answers(engine: Engine) -> dict[tuple[str, str], int]:
    with engine.connect() as conn:
        return {
            (row.respondent, row.item_id): row.value for row in conn.execute(select(schema.survey_answers))
        }


def scores(engine: Engine) -> dict[tuple[str, str], tuple[Any, ...]]:
    rows: list[SpaceScore] = compute_space(engine, teams=HEADCOUNTS, min_group_size=3)
    assert {row.quarter for row in rows} <= {Q3}
    return {
        (row.team, row.dimension): (row.score, row.favourable, row.respondents, row.response_rate)
        for row in rows
    }


def expect(score: float, favourable: float, respondents: int, rate: float) -> tuple[Any, ...]:
    return (
        pytest.approx(score, rel=1e-12, abs=1e-12),
        pytest.approx(favourable, rel=1e-12, abs=1e-12),
        respondents,
        pytest.approx(rate, rel=1e-12),
    )


def run(engine: Engine, file: Path) -> Any:
    return import_survey(engine, file, SURVEY, quarter=Q3, fmt="auto", secret=SECRET, team_names=TEAM_NAMES)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Engine]]:
    folder = tmp_path_factory.mktemp("round10-file-quirks")
    engines = [open_store(f"duckdb:///{folder}/store{n}.duckdb") for n in range(2)]
    try:
        yield engines
    finally:
        for engine in engines:
            engine.dispose()


@pytest.fixture
def engines(stores: list[Engine]) -> list[Engine]:
    """Two stores for the module (creating one costs more than a test), emptied before each test."""
    for engine in stores:
        with engine.begin() as conn:
            for table in SURVEY_TABLES:
                conn.execute(delete(table))
    return stores


class Cli:
    """``doraspace survey import`` in process against a config of its own (orders: headcount 4,
    survey name "Order team"; payments: 5; min_group_size 3) and a store not created yet."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        monkeypatch.setenv(SECRET_VARIABLE, SECRET)
        self.store = folder / "org.duckdb"
        self.config = folder / "doraspace.yaml"
        self.config.write_text(
            f"database:\n  url: duckdb:///{self.store}\nteams:\n"
            "  - {name: orders, headcount: 4, survey_names: [Order team]}\n"
            "  - {name: payments, headcount: 5}\n"
            f"surveys:\n  min_group_size: 3\n  respondent_secret: ${{{SECRET_VARIABLE}}}\n"
        )
        self.definition = folder / "devex.yaml"
        self.definition.write_text(DEFINITION_YAML)
        self.capsys = capsys

    def import_file(self, file: Path) -> tuple[int, str, str]:
        self.capsys.readouterr()
        status = main(
            [
                "survey",
                "import",
                "--config",
                str(self.config),
                str(file),
                "--definition",
                str(self.definition),
                "--quarter",
                Q3,
            ]
        )
        out, err = self.capsys.readouterr()
        return status, out, err


# ==================================================================================================
# 1. Microsoft Forms "Open in Excel", re-saved by Excel for Mac: 1904 date system × answers as number
#    cells, float cells and numbers-as-text × a title with a line break and one with trailing spaces ×
#    styled empty rows and columns × a resubmission sorted above the first × anonymous rows by ID ×
#    free text with a tab and a line break × differencing; and the same sheet saved as "Unicode text"
# ==================================================================================================

MAC_HEADER = [
    *MS_META,
    "Which team\nare you on?",
    f"{TOOLS}   ",
    "I feel burned out\nfrom my work ",
    HELP,
    "Anything else?",
]
# (ID, completion time, e-mail, name, team, tools, burnout, help, comment); None: no cell.
MAC_ROWS: list[tuple[Any, ...]] = [
    (6, datetime(2026, 7, 16, 8, 0), "ANA@Example.com ", "Ana García", "Payments", "1", 5, 2.0, None),
    (2, datetime(2026, 7, 14, 10, 2), "anonymous", None, "Order team", 5.0, 1, "3", None),
    (3.0, datetime(2026, 7, 14, 10, 3), None, None, "orders", "2.0", " 4 ", None, "tabs\there,\nand a line"),
    (4, datetime(2026, 7, 15, 9, 0), "bo@example.com", "Bo Chen", "Payments", SA, 2.0, 5, None),
    (5, datetime(2026, 7, 15, 9, 30), "cy@example.com", "Cy Diaz", "payments", 3, "N/A", A, None),
    (
        1,
        datetime(2026, 7, 14, 10, 1),
        "ana@example.com",
        "Ana García",
        "Orders",
        4,
        D,
        A,
        "call me, ana@ex.org",
    ),
    (7, datetime(2026, 7, 14, 11, 0), "dee@example.com", "Dee", "Order team", A, 3, 4, None),
]


def unicode_text_of(rows: Sequence[tuple[Any, ...]]) -> bytes:
    """The same sheet as Excel's "Unicode text" save writes it: UTF-16 with BOM, tabs, CRLF, each cell
    as displayed (date cells "7/16/2026 8:00", a 5.0 cell "5", text as typed), cells holding a tab or a
    line break quoted."""

    def shown(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return f"{value.month}/{value.day}/{value.year} {value.hour}:{value.minute:02d}"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    lines = [MAC_HEADER]
    for number, stamp, *rest in rows:
        lines.append([shown(number), shown(stamp), shown(stamp), *(shown(value) for value in rest)])
    return records(lines, delimiter="\t").encode("utf-16")


def test_an_excel_for_mac_workbook_of_mixed_cell_types_and_its_unicode_text_save_store_and_score_alike(
    engines: list[Engine], tmp_path: Path
) -> None:
    """Teams orders (headcount 4, "Order team"), payments (5); min_group_size 3.

    The workbook (Excel for Mac, 1904 date system: its date cells hold serials counted from 1904, which
    read as 1900 serials would put every time four years and a day early): the team question titled
    "Which team⏎are you on?" (Alt+Enter), the tools title with three trailing spaces, the burnout title
    "I feel burned out⏎from my work " — SPEC §7.1 folds runs of whitespace, so all three match. A
    filled empty column two to the right, five filled empty rows and a cell holding " " below: no
    column, no response (docs: read to the last filled row; blank records dropped). Answers as number
    cells (5, 1, 3), float cells (5.0, 2.0: "also 4.0 from a spreadsheet"), numbers-as-text ("1", "3",
    "2.0", " 4 ") and labels. The sheet is sorted so that Ana's later submission (ID 6, 7/16 08:00,
    Payments) is above her first (ID 1, 7/14 10:01, Orders): the later by time counts (docs), so Ana is
    on payments with tools 1, burnout 5, help 2.0. IDs 2 and 3 have no e-mail ("anonymous", empty): the
    ID identifies them — 2 a number cell, 3.0 a float cell, both written "2"/"3" (docs: the export's
    response id, as the CSV writes it).

    orders: ID 2 (tools 5.0 → 5, burnout 1 → 5, help "3"), ID 3 (tools "2.0" → 2, burnout " 4 " → 2,
      help blank), dee (tools Agree 4, burnout 3 → 3, help 4).
      satisfaction: tools 5, 2, 4 → 11/3 → (8/3)/4 × 100 = 200/3; burnout 5, 2, 3 → 10/3 → 175/3;
      score (200/3 + 175/3)/2 = 62.5; favourable tools 5, 4 + burnout 5 = 3 of 6; 3 respondents; 3/4.
      communication: 3, 4 → 2 respondents < 3: hidden.
    payments: Ana (tools "1", burnout 5 → 1, help 2.0 → 2), Bo (tools SA 5, burnout 2.0 → 4, help 5),
      Cy (tools 3, burnout N/A: missing, help Agree 4).
      satisfaction: tools 1, 5, 3 → 3 → 50; burnout 1, 4 → 2.5 → 37.5; score 43.75; favourable tools 5 +
      burnout 4 = 2 of 5; 3 respondents; 3/5.
      communication: 2, 5, 4 — 3 respondents, but the hidden orders holds 2 < 3 while "*" is shown, so
      the smallest shown team, payments, is hidden too (SPEC §7.4 differencing).
    "*": satisfaction tools 5, 2, 4, 1, 5, 3 = 20/6 → (14/6)/4 × 100 = 175/3; burnout 5, 2, 3, 1, 4 = 3
      → 50; score (175/3 + 50)/2 = 325/6; favourable 3 + 2 = 5 of 11; 6 respondents; rate 6/9.
      communication 3, 4, 2, 5, 4 = 18/5 → (13/5)/4 × 100 = 65; favourable dee 4, Bo 5, Cy 4 = 3 of 5; 5;
      6/9.
    Stored: 7 rows, 1 superseded, 6 respondents, 3 + 2 + 3 + 3 + 3 + 2 = 16 answers, 2 missing; times as
    written (no zone: UTC); no name, e-mail or comment anywhere.

    The same sheet saved as "Unicode text" (UTF-16, tabs, times shown as "7/16/2026 8:00", 5.0 as "5",
    the comment's tab and line break inside quotes) is the same export: it must store exactly the same.
    """
    xlsx = workbook(
        tmp_path / "DevEx survey(1-7).xlsx",
        [MAC_HEADER, *[(n, t, t, *rest) for n, t, *rest in MAC_ROWS]],
        mac=True,
        styled=True,
    )
    with zipfile.ZipFile(xlsx) as archive:
        assert b'date1904="1"' in archive.read("xl/workbook.xml")
    text = tmp_path / "DevEx survey(1-7).txt"
    text.write_bytes(unicode_text_of(MAC_ROWS))

    engine, twin = engines
    report = run(engine, xlsx)
    assert (report.format, report.rows, report.superseded, report.responses) == ("microsoft-forms", 7, 1, 6)
    assert (report.answers, report.missing_answers) == (16, 2)
    assert report.ignored_columns == ("Anything else?",)

    ana, bo, cy, dee = (pseudonym_of(f"{who}@example.com") for who in ("ana", "bo", "cy", "dee"))
    two, three = pseudonym_of("2"), pseudonym_of("3")
    assert responses(engine) == {
        ana: ("payments", datetime(2026, 7, 16, 8, 0)),
        two: ("orders", datetime(2026, 7, 14, 10, 2)),
        three: ("orders", datetime(2026, 7, 14, 10, 3)),
        bo: ("payments", datetime(2026, 7, 15, 9, 0)),
        cy: ("payments", datetime(2026, 7, 15, 9, 30)),
        dee: ("orders", datetime(2026, 7, 14, 11, 0)),
    }
    assert answers(engine) == {
        (ana, "sat_tools"): 1, (ana, "sat_burnout"): 5, (ana, "com_help"): 2,
        (two, "sat_tools"): 5, (two, "sat_burnout"): 1, (two, "com_help"): 3,
        (three, "sat_tools"): 2, (three, "sat_burnout"): 4,
        (bo, "sat_tools"): 5, (bo, "sat_burnout"): 2, (bo, "com_help"): 5,
        (cy, "sat_tools"): 3, (cy, "com_help"): 4,
        (dee, "sat_tools"): 4, (dee, "sat_burnout"): 3, (dee, "com_help"): 4,
    }  # fmt: skip
    texts = stored_texts(engine)
    assert [w for w in ("@", "garcía", "chen", "diaz", "tabs", "call me") if any(w in t for t in texts)] == []

    assert scores(engine) == {
        ("orders", SAT): expect(62.5, 3 / 6, 3, 3 / 4),
        ("payments", SAT): expect(43.75, 2 / 5, 3, 3 / 5),
        ("*", SAT): expect(325 / 6, 5 / 11, 6, 6 / 9),
        ("*", COM): expect(65.0, 3 / 5, 5, 6 / 9),
    }

    twin_report = run(twin, text)
    assert (twin_report.format, twin_report.responses, twin_report.answers) == ("microsoft-forms", 6, 16)
    assert dump(twin) == dump(engine)


# ==================================================================================================
# 2. A Google Sheet opened and saved by Excel for Mac as "CSV (Macintosh)": CR-only line ends × two-digit
#    years without seconds (three responses in one minute: identity by timestamp, #2) × dropped trailing
#    separators × a quoted comment holding a comma and a line break × e-mails in another case ×
#    per-dimension suppression without differencing
# ==================================================================================================


def test_a_mac_excel_csv_with_cr_line_ends_two_digit_years_and_dropped_separators(
    engines: list[Engine], tmp_path: Path
) -> None:
    """Excel for Mac's "CSV (Macintosh)" ends records with a bare CR; a cell's own line break (Alt+Enter)
    stays an LF inside quotes. Excel shows a Google timestamp as "7/14/26 10:00" (two-digit year, no
    seconds) and writes what it shows; it leaves off the separators of empty trailing cells (docs: "a
    record shorter than the header ends in empty cells"). All text is ASCII (this format is MacRoman).

    Header: Timestamp, Email Address, team, tools, "How much do you agree with each statement?
    [I feel burned out from my work]" (grid row), help, "Anything else?" (free text).
      r2 7/14/26 10:00 ana@…    Orders     A 4   D 2 → 4   A 4    "Slow CI,⏎flaky tests"
      r3 7/14/26 10:00 —        Order team SA 5  SD 1 → 5  blank  (trailing cells dropped)
      r4 7/14/26 10:00 —        orders     D 2   A 4 → 2   D 2
      r5 7/15/26 9:30  BO@…     payments   N 3   N/A       SA 5
      r6 7/15/26 9:31  cy@…     Payments   A 4   A 4 → 2   blank  (dropped)
      r7 7/15/26 9:32  —        PAYMENTS   SD 1  SD 1 → 5  D 2    "ask me: dee@example.com"
    Identity (SPEC §7.3, docs): the e-mail (case-folded), else the timestamp as written: r3
    "7/14/26 10:00", r4 "7/14/26 10:00#2" (same minute as written: told apart by order), r7 "7/15/26
    9:32". "7/15" tells month-first; "26" is 2026. Times as written, no zone: UTC.

    orders satisfaction: tools 4, 5, 2 → 11/3 → 200/3; burnout 4, 5, 2 → 200/3; score 200/3;
      favourable 4, 5 + 4, 5 = 4 of 6; 3; 3/4. communication: 4, 2 → 2 people: hidden.
    payments satisfaction: tools 3, 4, 1 → 8/3 → (5/3)/4 × 100 = 125/3; burnout 2, 5 → 3.5 → 62.5;
      score (125/3 + 62.5)/2 = 625/12; favourable tools 4 + burnout 5 = 2 of 5; 3; 3/5.
      communication: 5, 2 → 2 people: hidden. The hidden teams hold 2 + 2 = 4 ≥ 3: no differencing.
    "*" satisfaction: tools 4, 5, 2, 3, 4, 1 = 19/6 → (13/6)/4 × 100 = 325/6; burnout 4, 5, 2, 2, 5 =
      18/5 → 65; score (325/6 + 65)/2 = 715/12; favourable 3 + 3 = 6 of 11; 6; 6/9.
    "*" communication: 4, 2, 5, 2 = 13/4 → (9/4)/4 × 100 = 56.25; favourable 4, 5 = 2 of 4; 4; 6/9.
    """
    header = ["Timestamp", "Email Address", TEAM, TOOLS, f"{GRID} [{BURNOUT}]", HELP, "Anything else?"]
    rows = [
        header,
        ["7/14/26 10:00", "ana@example.com", "Orders", A, D, A, "Slow CI,\nflaky tests"],
        ["7/14/26 10:00", "", "Order team", SA, SD, "", ""],
        ["7/14/26 10:00", "", "orders", D, A, D, ""],
        ["7/15/26 9:30", "BO@example.com", "payments", N, "N/A", SA, ""],
        ["7/15/26 9:31", "cy@example.com", "Payments", A, A, "", ""],
        ["7/15/26 9:32", "", "PAYMENTS", SD, SD, D, "ask me: dee@example.com"],
    ]
    file = tmp_path / "DevEx (Responses).csv"
    file.write_bytes(records(rows, end="\r", excel=True).encode("ascii"))
    assert b"\n" in file.read_bytes() and b"\r\n" not in file.read_bytes()

    engine = engines[0]
    report = run(engine, file)
    assert (report.format, report.rows, report.responses, report.answers, report.missing_answers) == (
        "google-forms",
        6,
        6,
        15,
        3,
    )
    ana, bo, cy = (pseudonym_of(f"{who}@example.com") for who in ("ana", "bo", "cy"))
    first, second, last = (pseudonym_of(s) for s in ("7/14/26 10:00", "7/14/26 10:00#2", "7/15/26 9:32"))
    assert responses(engine) == {
        ana: ("orders", datetime(2026, 7, 14, 10, 0)),
        first: ("orders", datetime(2026, 7, 14, 10, 0)),
        second: ("orders", datetime(2026, 7, 14, 10, 0)),
        bo: ("payments", datetime(2026, 7, 15, 9, 30)),
        cy: ("payments", datetime(2026, 7, 15, 9, 31)),
        last: ("payments", datetime(2026, 7, 15, 9, 32)),
    }
    texts = stored_texts(engine)
    assert [w for w in ("@", "slow ci", "flaky", "ask me") if any(w in t for t in texts)] == []
    assert scores(engine) == {
        ("orders", SAT): expect(200 / 3, 4 / 6, 3, 3 / 4),
        ("payments", SAT): expect(625 / 12, 2 / 5, 3, 3 / 5),
        ("*", SAT): expect(715 / 12, 6 / 11, 6, 6 / 9),
        ("*", COM): expect(56.25, 2 / 4, 4, 6 / 9),
    }


# ==================================================================================================
# 3. Google's ZIP download × the timestamp with its zone as identity (two in one second) × the CSV
#    inside imported again after the ZIP, and the ZIP again: nothing added, nothing changed
# ==================================================================================================

GOOGLE_DOWNLOAD = [
    ["Timestamp", TEAM, TOOLS, f"{GRID} [{BURNOUT}]", HELP],
    ["2026/07/14 10:23:45 AM GMT+2", "Orders", A, D, A],
    ["2026/07/14 10:23:45 AM GMT+2", "orders", SA, SD, "N/A"],
    ["2026/07/14 1:05:00 PM GMT+2", "Order team", D, A, D],
]


def test_google_zip_download_then_its_csv_then_the_zip_again_add_no_respondent(
    engines: list[Engine], tmp_path: Path
) -> None:
    """Google Forms "Download responses (.csv)" gives a ZIP holding one CSV, timestamps written
    "2026/07/14 10:23:45 AM GMT+2" (docs). Without e-mails a response is its timestamp as written, the
    second in the same second "#2" (docs). Importing the ZIP, then the CSV taken out of it, then the ZIP
    again is one export imported three times (SPEC §7.3: "re-importing the same file adds nothing"):
    3 respondents, 0 new each time after the first, the store unchanged.

    Times: 10:23:45 AM GMT+2 → 08:23:45 UTC; 1:05:00 PM GMT+2 → 11:05:00 UTC.
    orders satisfaction: tools 4, 5, 2 → 200/3; burnout 2 → 4, 1 → 5, 4 → 2 → 200/3; score 200/3;
    favourable 4 of 6; 3 respondents; 3/4. communication: 4, N/A, 2 → 2 people: hidden, and "*"
    communication (2 < 3) too. "*" satisfaction = orders' with rate 3/9.
    """
    inner = records(GOOGLE_DOWNLOAD).encode("utf-8")
    archive = tmp_path / "DevEx.csv.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr("DevEx.csv", inner)
    extracted = tmp_path / "DevEx.csv"
    extracted.write_bytes(inner)

    engine = engines[0]
    first = run(engine, archive)
    assert (first.format, first.responses, first.new_responses, first.answers) == ("google-forms", 3, 3, 8)
    stamp = "2026/07/14 10:23:45 AM GMT+2"
    assert responses(engine) == {
        pseudonym_of(stamp): ("orders", datetime(2026, 7, 14, 8, 23, 45)),
        pseudonym_of(f"{stamp}#2"): ("orders", datetime(2026, 7, 14, 8, 23, 45)),
        pseudonym_of("2026/07/14 1:05:00 PM GMT+2"): ("orders", datetime(2026, 7, 14, 11, 5)),
    }
    before = dump(engine)
    expected = {
        ("orders", SAT): expect(200 / 3, 4 / 6, 3, 3 / 4),
        ("*", SAT): expect(200 / 3, 4 / 6, 3, 3 / 9),
    }
    assert scores(engine) == expected
    for again in (extracted, archive):
        report = run(engine, again)
        assert (report.responses, report.new_responses, report.answers) == (3, 0, 8)
        assert dump(engine) == before
    assert scores(engine) == expected


# ==================================================================================================
# 4. Files to refuse: one line naming file, row and column, exit 2, and nothing stored (the store not
#    even created) — a non-integer number cell, a date pasted as a bare serial, a German decimal comma,
#    a download cut inside a quoted cell, ANSI text, a macOS-made ZIP
# ==================================================================================================

MS_HEADER = [*MS_META, TEAM, TOOLS, BURNOUT, HELP, "Anything else?"]


def ms_rows(tools_of_row_4: object = 3, completion_of_row_5: object = None) -> list[list[object]]:
    """A Microsoft Forms sheet: 4 responses on orders; row 4's tools and row 5's completion time set."""
    rows: list[list[object]] = [list(MS_HEADER)]
    for number in range(1, 5):
        stamp = datetime(2026, 7, 14, 10, number)
        rows.append([number, stamp, stamp, "anonymous", None, "Orders", 4, D, A, None])
    rows[3][6] = tools_of_row_4
    if completion_of_row_5 is not None:
        rows[4][2] = completion_of_row_5
    return rows


def xlsx_half_point(folder: Path) -> Path:
    return workbook(folder / "forms.xlsx", ms_rows(tools_of_row_4=4.5))


def xlsx_bare_serial(folder: Path) -> Path:
    # 2026-07-14 10:04 as a 1900-system serial, pasted as a value into a cell without a date format.
    return workbook(folder / "forms.xlsx", ms_rows(completion_of_row_5=46217.41944444444))


def german_decimal_comma(folder: Path) -> Path:
    rows = [MS_HEADER]
    for number in range(1, 5):
        stamp = f"14.07.2026 10:0{number}"
        rows.append([str(number), stamp, stamp, "anonymous", "", "Orders", "4", D, A, ""])
    rows[2][6] = "4,0"  # a rating shown with one decimal, as a German Excel writes it
    path = folder / "forms.csv"
    path.write_bytes(records(rows, delimiter=";", excel=True).encode("utf-8-sig"))
    return path


def cut_download(folder: Path) -> Path:
    rows = [["Timestamp", TEAM, TOOLS, BURNOUT, HELP, "Anything else?"]]
    rows += [[f"7/14/2026 10:0{n}:00", "Orders", A, D, A, ""] for n in range(1, 4)]
    rows[3][5] = "Too many meetings,\nnot enough focus time"
    text = records(rows)
    path = folder / "responses.csv"
    path.write_bytes(text[: text.index("not enough")].encode("utf-8"))  # the transfer stopped here
    return path


def ansi_text(folder: Path, end: str, code: str, teams: tuple[str, ...]) -> Path:
    rows = [["Timestamp", TEAM, TOOLS, BURNOUT, HELP]]
    rows += [[f"7/14/2026 10:0{n}:00", team, A, D, A] for n, team in enumerate(teams, 1)]
    path = folder / "responses.csv"
    path.write_bytes(records(rows, end=end).encode(code))
    return path


def windows_ansi(folder: Path) -> Path:
    # Excel for Windows "CSV (Comma delimited)": Windows-1252 and CRLF; "’" is byte 0x92.
    return ansi_text(folder, "\r\n", "cp1252", ("Orders", "orders", "Order team", "Orders\u2019"))


def mac_roman(folder: Path) -> Path:
    # Excel for Mac "CSV (Macintosh)": MacRoman and bare CR; "’" is byte 0xD5.
    return ansi_text(folder, "\r", "mac_roman", ("Orders", "orders", "Order team", "Orders\u2019"))


def macos_zip(folder: Path) -> Path:
    # Finder's "Compress" adds the AppleDouble companion of the file under __MACOSX/.
    path = folder / "responses.zip"
    with zipfile.ZipFile(path, "w") as out:
        out.writestr("responses.csv", records(GOOGLE_DOWNLOAD))
        out.writestr("__MACOSX/._responses.csv", b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")
    return path


def formula_without_value(folder: Path) -> Path:
    # A cell holding a formula whose value the file does not hold (a script wrote the workbook; Excel
    # or LibreOffice would show 5): openpyxl writes <f>2+3</f> and an empty <v/>.
    return workbook(folder / "forms.xlsx", ms_rows(tools_of_row_4="=2+3"))


@pytest.mark.parametrize(
    ("build", "where", "message"),
    [
        pytest.param(
            xlsx_half_point,
            f", row 4, column '{TOOLS}'",
            f"unknown answer '4.5' for scale agree5 (expected {EXPECTED_LABELS})",
            id="xlsx-number-cell-4.5",
        ),
        pytest.param(
            xlsx_bare_serial,
            ", row 5, column 'Completion time'",
            "not a date and time: '46217.41944444444'",
            id="xlsx-date-pasted-as-a-bare-serial",
        ),
        pytest.param(
            german_decimal_comma,
            f", row 3, column '{TOOLS}'",
            f"unknown answer '4,0' for scale agree5 (expected {EXPECTED_LABELS})",
            id="semicolon-csv-decimal-comma",
        ),
        pytest.param(
            cut_download, ", row 4", "malformed CSV: unexpected end of data", id="cut-inside-quotes"
        ),
        pytest.param(
            windows_ansi,
            "",
            "not UTF-8 text: byte 371 on line 5 (export the file as UTF-8 CSV)",
            id="windows-1252-crlf",
        ),
        pytest.param(
            macos_zip,
            "",
            "a ZIP archive must hold exactly one CSV export (found 2)",
            id="zip-made-by-macos-finder",
        ),
    ],
)
def test_a_file_to_refuse_is_named_in_one_line_and_stores_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    build: Callable[[Path], Path],
    where: str,
    message: str,
) -> None:
    """Each file holds valid responses but for one cell (or the file itself):

    * a number cell 4.5 in row 4 (a half point typed or averaged): not a point of agree5 (SPEC §7.1 "by
      number"; docs: ``4``, ``4.0``), so not rounded or truncated to 4 but refused at row 4, tools;
    * row 5's Completion time pasted as a value into a cell without a date format (a bare serial
      46217.419…): not a date as any locale writes it (docs), refused at row 5, not read as a time;
    * a German Excel's "4,0" in a semicolon file: SPEC's "by number" and docs' ``4.0`` name the point
      as a spreadsheet writes a number; the product refuses the decimal comma at row 3 (an ambiguity
      kept as the product reads it: a refusal is no silent misreading);
    * a download cut inside a quoted comment: the record starting at row 4 never ends, so the file is
      refused there rather than row 4 dropped or read half;
    * Excel for Windows' "CSV (Comma delimited)" (Windows-1252, CRLF): the "’" typed after row 5's team
      is byte 0x92, not UTF-8, at offset 198 (header: 9 + 22 + 63 + 30 + 68 characters, 4 commas, CRLF)
      + 48 + 48 + 52 (rows 2–4 with CRLF) + 25 ("7/14/2026 10:04:00,Orders") = 371, on line 5;
    * a ZIP made by macOS Finder (the CSV and its ``__MACOSX/._responses.csv`` companion): docs "a ZIP
      holding one CSV"; the product counts the companion and refuses (kept as the product has it).

    SPEC §7.3/§9 and docs: one line on stderr naming the file (and the row and column where there is
    one), exit 2, and on this first import the store is not even created.
    """
    cli = Cli(tmp_path, monkeypatch, capsys)
    file = build(tmp_path)
    status, out, err = cli.import_file(file)
    assert (status, out, err) == (2, "", f"doraspace: error: {file}{where}: {message}\n")
    assert not cli.store.exists()


@pytest.mark.parametrize(
    ("build", "where"),
    [
        pytest.param(
            mac_roman,
            ("line 5", "row 5"),
            id="macroman-cr-only-names-line-1",
        ),
        pytest.param(
            formula_without_value,
            (f"row 4, column '{TOOLS}'",),
            id="xlsx-formula-without-its-value",
        ),
    ],
)
def test_a_file_to_refuse_names_where_its_bad_cell_is(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    build: Callable[[Path], Path],
    where: tuple[str, ...],
) -> None:
    """SPEC §7.3 "a bad file gets an error naming the row and column", §9 "reported with its location and
    changes nothing"; docs: one line, exit 2, the store not created on a first import.

    * Excel for Mac's "CSV (Macintosh)" is MacRoman with bare CR line ends; the curly apostrophe typed
      after "Orders" in row 5 is byte 0xD5, not UTF-8. Refusing is right (docs: UTF-8 or UTF-16), but
      the location must be the byte's: line 5 (= row 5, no cell holds a line break). The product counts
      LF bytes only and says "on line 1" for every byte of a CR-only file.
    * A workbook written by a script, row 4's tools cell a formula (=2+3) with no value stored for it:
      every spreadsheet shows 5 there, but the file does not hold the answer. The product reads it as
      a blank answer and imports: orders tools 4, 4, 4 → 75 instead of 4, 5, 4, 4 → 17/4 → 81.25, and
      11 answers stored instead of 12 — a silent misreading. Like any unreadable cell it must be
      refused at row 4, tools.
    """
    cli = Cli(tmp_path, monkeypatch, capsys)
    file = build(tmp_path)
    status, out, err = cli.import_file(file)
    assert (status, out) == (2, "")
    assert err.startswith(f"doraspace: error: {file}") and err.count("\n") == 1
    assert any(place in err for place in where)
    assert not cli.store.exists()
