"""Which quarter a survey response belongs to, across the export formats' timestamp spellings, where
two rules meet — audit round 10 (SPEC §2, §7.2–§7.5; docs/surveys.md).

SPEC §2 names the quarter on the command line (``survey import … --quarter 2026-Q3``) and nowhere
assigns a response to a quarter by its date; docs/surveys.md: "import the export once per quarter".
So a response's timestamp never moves it to another quarter: a Q1 download taken after midnight on
1 April holds April answers that count in Q1, and a Q2 form opened early holds March answers that
count in Q2. What the timestamp does decide (docs/surveys.md): which of a respondent's submissions is
the later one, within one file and across the imports of one quarter ("kept as stored"), read "as
the exporting locale wrote them", day-first or month-first for the whole column, a time with a zone
converted to UTC and one without taken as UTC; and, for Google Forms without e-mails, the identity of
the response ("the timestamp as written").

Expected numbers are worked out by hand in each docstring from SPEC §7.4: per item
``(mean answer − 1) / (points − 1) × 100`` (the reverse item scores ``6 − x`` on the five-point
scale), averaged over the dimension's items; ``favourable`` = favourable ÷ valid answers (4–5, after
reversing); ``respondents`` = people with a valid answer; change rising/falling when the score moved
at least 5 points and more than 1.96 × √(SE₁² + SE₂²), SE the standard error of the mean of the
respondents' own dimension scores (sample standard deviation ÷ √n).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from analytics.space import SpaceScore, compute_space
from doraspace.cli import main
from store import schema
from store.engine import open_store
from surveys.definition import parse_definition
from surveys.importer import ImportReport, import_survey, pseudonym, team_spellings

SECRET = "round10-quarter-timestamps-secret"
SECRET_VARIABLE = "ROUND10_QUARTER_TIMESTAMPS_SECRET"
Q1, Q2, Q3 = "2026-Q1", "2026-Q2", "2026-Q3"
SAT = "satisfaction"
TEAM = "Which team are you on?"
TOOLS = "I am satisfied with the tools and processes I use to do my work"
BURNOUT = "I feel burned out from my work"
SA, A, N, D, SD = "Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"
DEFINITION_TEXT = f"""
survey: devex
scales:
  agree5: {{points: 5, labels: [{SD}, {D}, {N}, {A}, {SA}], favourable: [4, 5]}}
missing: ["I don't know", "N/A", ""]
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{BURNOUT}", dimension: satisfaction, scale: agree5, reverse: true}}
"""
SURVEY = parse_definition(DEFINITION_TEXT)
TEAM_NAMES = team_spellings({"orders": ["Orders"], "payments": ["Payments"]})
HEADCOUNTS = {"orders": 4, "payments": 4}


def write_csv(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    store = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    try:
        yield store
    finally:
        store.dispose()


def run(engine: Engine, file: Path, quarter: str) -> ImportReport:
    return import_survey(
        engine, file, SURVEY, quarter=quarter, fmt="auto", secret=SECRET, team_names=TEAM_NAMES
    )


def scores(engine: Engine) -> dict[tuple[str, str], tuple[Any, ...]]:
    rows: list[SpaceScore] = compute_space(engine, teams=HEADCOUNTS, min_group_size=3)
    assert {row.dimension for row in rows} <= {SAT}
    return {
        (row.team, row.quarter): (row.score, row.favourable, row.respondents, row.response_rate, row.change)
        for row in rows
    }


def expect(score: float, favourable: float, respondents: int, rate: float, change: str | None) -> Any:
    return (
        pytest.approx(score, rel=1e-12, abs=1e-12),
        pytest.approx(favourable, rel=1e-12, abs=1e-12),
        respondents,
        pytest.approx(rate, rel=1e-12),
        change,
    )


def stored_responses(engine: Engine) -> dict[tuple[str, str], tuple[str, datetime | None]]:
    """(quarter, respondent pseudonym) → (team, submitted_at as stored, naive UTC)."""
    table = schema.survey_responses
    with engine.connect() as conn:
        return {
            (row.quarter, row.respondent): (row.team, row.submitted_at) for row in conn.execute(select(table))
        }


# ==================================================================================================
# 1. A resubmission straddling midnight of 31 March in one Q1 download × each tool's own spelling of
#    the submission time (locale day/month order decided by another row, zone offsets, Qualtrics'
#    timeZone, workbook dates) × the quarter named on the command line × the team changed by the
#    resubmission × suppression
# ==================================================================================================

# Per format: the submission times of the four rows, in row order — ana's later answer (2026-04-01
# 00:30 UTC), ben (2026-03-30 10:00 UTC), cy (2026-03-31 12:00 UTC), ana's earlier answer (2026-03-31
# 23:30 UTC) — each as that export writes it.
STRADDLE = {
    # The linked Sheet in a US locale: month-first (told by 3/30, 3/31), no zone → UTC.
    "google-sheet-us": ("4/1/2026 0:30:00", "3/30/2026 10:00:00", "3/31/2026 12:00:00", "3/31/2026 23:30:00"),
    # The Sheet in a UK locale: 01/04/2026 alone could be 4 January; rows 3–5 (30/…, 31/…) make the
    # whole column day-first, so it is 1 April, the later of ana's two submissions.
    "google-sheet-uk": (
        "01/04/2026 00:30:00",
        "30/03/2026 10:00:00",
        "31/03/2026 12:00:00",
        "31/03/2026 23:30:00",
    ),
    # Google's own download, the owner in GMT+2: both of ana's answers are 1 April on the owner's wall
    # clock (a Q2 date there), 00:30 and 23:30 UTC on either side of midnight UTC.
    "google-download-gmt+2": (
        "2026/04/01 2:30:00 AM GMT+2",
        "2026/03/30 12:00:00 PM GMT+2",
        "2026/03/31 2:00:00 PM GMT+2",
        "2026/04/01 1:30:00 AM GMT+2",
    ),
    # Microsoft Forms sheet saved as CSV by a German Excel: dotted, day-first, no seconds.
    "microsoft-forms-csv-de": (
        "01.04.2026 00:30",
        "30.03.2026 10:00",
        "31.03.2026 12:00",
        "31.03.2026 23:30",
    ),
    # Microsoft Forms "Open in Excel": real date cells.
    "microsoft-forms-xlsx": (
        datetime(2026, 4, 1, 0, 30),
        datetime(2026, 3, 30, 10, 0),
        datetime(2026, 3, 31, 12, 0),
        datetime(2026, 3, 31, 23, 30),
    ),
    # Qualtrics with the account in New York (EDT, UTC−4, since 8 March): both of ana's answers are
    # 31 March on the local clock; RecordedDate 20:30 is 00:30 UTC on 1 April.
    "qualtrics-new-york": (
        "2026-03-31 20:30:00",
        "2026-03-30 06:00:00",
        "2026-03-31 08:00:00",
        "2026-03-31 19:30:00",
    ),
}
# (e-mail, team, tools, burnout) of the four rows.
PEOPLE = (
    ("ana@example.com", "Orders", SA, D),
    ("ben@example.com", "Orders", A, D),
    ("cy@example.com", "orders", D, A),
    ("ANA@example.com", "Payments", SD, SA),
)


def straddling_export(folder: Path, shape: str) -> Path:
    stamps = STRADDLE[shape]
    rows = [(stamp, *person) for stamp, person in zip(stamps, PEOPLE, strict=True)]
    if shape.startswith("google"):
        header = ["Timestamp", "Email Address", TEAM, TOOLS, BURNOUT]
        return write_csv(folder / "google.csv", [header, *rows])
    ms_header = ["ID", "Start time", "Completion time", "Email", "Name", TEAM, TOOLS, BURNOUT]
    ms_rows = [
        [n, stamp, stamp, email, "", team, tools, burnout]
        for n, (stamp, email, team, tools, burnout) in enumerate(rows, 1)
    ]
    if shape == "microsoft-forms-csv-de":
        return write_csv(folder / "forms.csv", [ms_header, *ms_rows])
    if shape == "microsoft-forms-xlsx":
        import openpyxl  # type: ignore[import-untyped]

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(ms_header)
        for ms_row in ms_rows:
            sheet.append(ms_row)
        path = folder / "forms.xlsx"
        book.save(path)
        return path
    assert shape == "qualtrics-new-york"
    zone = '"timeZone":"America/New_York"'
    meta = [
        ("StartDate", "Start Date", '{"ImportId":"startDate",' + zone + "}"),
        ("EndDate", "End Date", '{"ImportId":"endDate",' + zone + "}"),
        ("Status", "Response Type", '{"ImportId":"status"}'),
        ("Finished", "Finished", '{"ImportId":"finished"}'),
        ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate",' + zone + "}"),
        ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
        ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
        ("Q1", TEAM, '{"ImportId":"QID1"}'),
        ("Q2", TOOLS, '{"ImportId":"QID2"}'),
        ("Q3", BURNOUT, '{"ImportId":"QID3"}'),
    ]
    body = [
        [stamp, stamp, "0", "1", stamp, f"R_{n}", email, team, tools, burnout]
        for n, (stamp, email, team, tools, burnout) in enumerate(rows, 1)
    ]
    return write_csv(folder / "qualtrics.csv", [*zip(*meta, strict=True), *body])


@pytest.mark.parametrize("shape", list(STRADDLE))
def test_a_resubmission_across_midnight_of_the_quarter_end_counts_its_later_answer_in_the_named_quarter(
    tmp_path: Path, engine: Engine, shape: str
) -> None:
    """Teams orders (headcount 4), payments (4); min_group_size 3; one Q1 download, imported with
    ``--quarter 2026-Q1``, e-mail identity (ana twice, the second time as "ANA@example.com").

    Rows (UTC instant, who, team, tools, burnout → reversed 6 − x):
      2. 2026-04-01 00:30  ana  Orders    Strongly agree 5     Disagree 2 → 4
      3. 2026-03-30 10:00  ben  Orders    Agree 4              Disagree 2 → 4
      4. 2026-03-31 12:00  cy   orders    Disagree 2           Agree 4 → 2
      5. 2026-03-31 23:30  ana  Payments  Strongly disagree 1  Strongly agree 5 → 1
    docs/surveys.md: a respondent who answered twice "counts once: the later submission (by its
    submission time, whatever the order of the rows)"; times read per column in the locale's order,
    zones converted to UTC. ana's row 2 (00:30 UTC on 1 April) is the later one, written first. It is a
    1 April answer, but the quarter is the one the export was imported for: it counts in 2026-Q1, and
    nothing is stored for 2026-Q2.

    orders (ana, ben, cy): tools 5 + 4 + 2 = 11/3 → (8/3)/4 × 100 = 200/3; burnout 4 + 4 + 2 = 10/3 →
      (7/3)/4 × 100 = 175/3; score (200/3 + 175/3)/2 = 62.5; favourable tools 5, 4 and burnout 4, 4 →
      4/6 = 2/3; respondents 3; rate 3/4. payments: nobody. "*": the same three people, 62.5, 2/3, 3,
      rate 3/(4 + 4) = 3/8.
    (Had row 5 been taken as the later one — 01/04 read as 4 January, the zone or timeZone ignored,
    the rows' order trusted — orders would hold ben, cy (2 < 3, hidden), payments ana (hidden), and
    "*" 100/3: the figures this test must not see.)
    """
    report = run(engine, straddling_export(tmp_path, shape), Q1)
    assert (report.rows, report.superseded, report.responses, report.new_responses) == (4, 1, 3, 3)
    assert report.respondents_by_team == {"orders": 3}
    kept = stored_responses(engine)
    assert {quarter for quarter, _ in kept} == {Q1}
    assert kept[(Q1, pseudonym(SECRET, "ana@example.com"))] == ("orders", datetime(2026, 4, 1, 0, 30))
    assert kept[(Q1, pseudonym(SECRET, "ben@example.com"))] == ("orders", datetime(2026, 3, 30, 10, 0))
    assert scores(engine) == {
        ("*", Q1): expect(62.5, 2 / 3, 3, 3 / 8, None),
        ("orders", Q1): expect(62.5, 2 / 3, 3, 3 / 4, None),
    }


# ==================================================================================================
# 2. "Kept as stored" (an older export imported after a newer one) × two quarters whose submissions
#    interleave across the boundary × `long` times with and without an offset × change between them
# ==================================================================================================


def long_export(folder: Path, name: str, people: Sequence[tuple[str, str, int, int]]) -> Path:
    """A `long` file: (respondent_id, submitted_at, tools, burnout) per person, all on Orders."""
    rows: list[list[Any]] = [["respondent_id", "team", "submitted_at", "item_id", "answer"]]
    for respondent, at, tools, burnout in people:
        rows.append([respondent, "Orders", at, "sat_tools", tools])
        rows.append([respondent, "Orders", at, "sat_burnout", burnout])
    return write_csv(folder / f"{name}.csv", rows)


LONG_FILES = {
    # The Q1 download taken at 01:00 UTC on 1 April: ana resubmitted at 02:30 GMT+2 = 00:30 UTC.
    "q1": [
        ("ana", "2026-04-01T02:30:00+02:00", 5, 2),
        ("ben", "2026-03-20T10:00:00", 4, 2),
        ("cy", "2026-03-25T10:00:00", 3, 3),
    ],
    # The Q1 download taken just before midnight: ana's first answer, 23:30 UTC (with "Z").
    "q1-older": [
        ("ana", "2026-03-31T23:30:00Z", 1, 5),
        ("ben", "2026-03-20T10:00:00", 4, 2),
        ("cy", "2026-03-25T10:00:00", 3, 3),
    ],
    # The Q2 survey, opened early: ana answered at 23:50 UTC on 31 March — before her stored Q1 00:30.
    "q2": [
        ("ana", "2026-03-31T23:50:00", 2, 4),
        ("ben", "2026-06-10T09:00:00+00:00", 2, 4),
        ("cy", "2026-06-11T11:00:00+02:00", 1, 5),
    ],
}


@pytest.mark.parametrize(
    ("order", "reports"),
    [
        pytest.param(("q1", "q2", "q1-older"), [(3, 3, 0), (3, 3, 0), (2, 0, 1)], id="q1-q2-older"),
        pytest.param(("q2", "q1", "q1-older"), [(3, 3, 0), (3, 3, 0), (2, 0, 1)], id="q2-q1-older"),
        pytest.param(("q1-older", "q2", "q1"), [(3, 3, 0), (3, 3, 0), (3, 0, 0)], id="older-q2-q1"),
    ],
)
def test_kept_as_stored_compares_a_respondents_submissions_within_a_quarter_only(
    tmp_path: Path, engine: Engine, order: tuple[str, ...], reports: list[tuple[int, int, int]]
) -> None:
    """Team orders (headcount 4), payments (4); min_group_size 3; `long` files (respondent =
    respondent_id), tools and burnout (reverse, 6 − x).

    docs/surveys.md: "an older export imported after a newer one leaves a later stored submission as
    it is (kept as stored)"; SPEC §2 the quarter is ``--quarter``. ana's Q2 answer (2026-03-31 23:50
    UTC) is earlier than her stored Q1 one (02:30+02:00 = 2026-04-01 00:30 UTC), but it answers another
    quarter's survey: it is stored for Q2 (new, not kept out). The Q1 download taken before midnight
    holds ana's 23:30 UTC answer: earlier than her stored 00:30 one → kept as stored (1); ben and cy,
    the same times, are replaced by the same answers. Reports (responses, new, kept_later) as listed.

    2026-Q1 (ana 5, 2 → 4; ben 4, 2 → 4; cy 3, 3): tools 12/3 = 4 → 75; burnout 11/3 → (8/3)/4 × 100 =
      200/3; score (75 + 200/3)/2 = 425/6 ≈ 70.833; favourable tools 5, 4 and burnout 4, 4 → 4/6 = 2/3;
      respondents 3; rate 3/4 (orders), 3/8 ("*").
      Own scores: ana (100 + 75)/2 = 87.5, ben 75, cy 50; deviations from 425/6: 100/6, 25/6, −125/6;
      squares (10000 + 625 + 15625)/36 = 26250/36 = 729.17; variance /2 = 364.58; SE² = /3 = 121.53.
    2026-Q2 (ana 2, 4 → 2; ben 2, 4 → 2; cy 1, 5 → 1): tools 5/3 → (2/3)/4 × 100 = 50/3; burnout 5/3 →
      50/3; score 50/3 ≈ 16.667; favourable 0/6; respondents 3; rates 3/4, 3/8.
      Own: 25, 25, 0; deviations 25/3, 25/3, −50/3; squares 3750/9 = 416.67; variance 208.33; SE² 69.44.
    Change: moved 50/3 − 425/6 = −325/6 ≈ −54.17 (≥ 5); 1.96 × √(121.53 + 69.44) = 1.96 × 13.82 =
      27.09 < 54.17 → "falling" (orders and "*", the same people).
    (Had ana's 23:30 answer replaced her 00:30 one, Q1 would be ana 0, ben 75, cy 50 → 125/3.)
    """
    files = {name: long_export(tmp_path, name, people) for name, people in LONG_FILES.items()}
    quarter = {"q1": Q1, "q1-older": Q1, "q2": Q2}
    got = []
    for name in order:
        report = run(engine, files[name], quarter[name])
        got.append((report.responses, report.new_responses, report.kept_later))
    assert got == reports

    kept = stored_responses(engine)
    ana = pseudonym(SECRET, "ana")
    assert kept[(Q1, ana)] == ("orders", datetime(2026, 4, 1, 0, 30))
    assert kept[(Q2, ana)] == ("orders", datetime(2026, 3, 31, 23, 50))
    assert kept[(Q2, pseudonym(SECRET, "cy"))] == ("orders", datetime(2026, 6, 11, 9, 0))
    assert scores(engine) == {
        ("*", Q1): expect(425 / 6, 2 / 3, 3, 3 / 8, None),
        ("*", Q2): expect(50 / 3, 0.0, 3, 3 / 8, "falling"),
        ("orders", Q1): expect(425 / 6, 2 / 3, 3, 3 / 4, None),
        ("orders", Q2): expect(50 / 3, 0.0, 3, 3 / 4, "falling"),
    }


# ==================================================================================================
# 3. Qualtrics' submission time (RecordedDate, EndDate failing that) × a resubmission straddling
#    midnight × the team moved × suppression and differencing
# ==================================================================================================


def qualtrics_export(folder: Path, *, recorded: bool) -> Path:
    """Qualtrics choice-text export, timeZone UTC. ana (RecipientEmail) twice: R_live submitted live at
    00:30 on 1 April (recorded 00:30:05); R_paper an "Imported" (Status 4) response whose EndDate is
    23:30 on 31 March, recorded when it was imported, 09:00 on 1 April."""
    utc = '"timeZone":"UTC"'
    meta = [
        ("StartDate", "Start Date", '{"ImportId":"startDate",' + utc + "}"),
        ("EndDate", "End Date", '{"ImportId":"endDate",' + utc + "}"),
        ("Status", "Response Type", '{"ImportId":"status"}'),
        ("Finished", "Finished", '{"ImportId":"finished"}'),
        ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate",' + utc + "}"),
        ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
        ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
        ("Q1", TEAM, '{"ImportId":"QID1"}'),
        ("Q2", TOOLS, '{"ImportId":"QID2"}'),
        ("Q3", BURNOUT, '{"ImportId":"QID3"}'),
    ]
    # (StartDate, EndDate, Status, RecordedDate, ResponseId, e-mail, team, tools, burnout)
    times = [
        ("2026-04-01 00:20:00", "2026-04-01 00:30:00", "0", "2026-04-01 00:30:05"),
        ("2026-03-30 09:50:00", "2026-03-30 10:00:00", "0", "2026-03-30 10:00:02"),
        ("2026-03-31 11:50:00", "2026-03-31 12:00:00", "0", "2026-03-31 12:00:03"),
        ("2026-03-31 23:20:00", "2026-03-31 23:30:00", "4", "2026-04-01 09:00:00"),
    ]
    who = [
        ("R_live", "ana@example.com", "Orders", SA, D),
        ("R_ben", "ben@example.com", "Orders", A, D),
        ("R_cy", "cy@example.com", "Orders", D, A),
        ("R_paper", "Ana@Example.com", "Payments", SD, SA),
    ]
    body = [
        [start, end, status, "1", at, *rest]
        for (start, end, status, at), rest in zip(times, who, strict=True)
    ]
    keep = [n for n, (column, _, _) in enumerate(meta) if recorded or column != "RecordedDate"]
    header_rows = [[row[n] for n in keep] for row in zip(*meta, strict=True)]
    data = [[cells[n] for n in keep] for cells in body]
    return write_csv(folder / "qualtrics.csv", [*header_rows, *data])


@pytest.mark.parametrize("recorded", [True, False], ids=["with-RecordedDate", "EndDate-only"])
def test_qualtrics_orders_a_resubmission_by_recorded_date_then_end_date(
    tmp_path: Path, engine: Engine, recorded: bool
) -> None:
    """Teams orders (4), payments (4); min_group_size 3; a Qualtrics export imported for 2026-Q1.

    docs/surveys.md leaves open which Qualtrics column is the submission time; the product takes
    RecordedDate, EndDate failing that (surveys/formats/qualtrics.py) — kept here as the product's
    reading (see the report). ana's two responses: R_live (Orders, Strongly agree 5, Disagree 2 → 4)
    ended 2026-04-01 00:30, recorded 00:30:05; R_paper (Payments, Strongly disagree 1, Strongly agree
    5 → 1), an Imported response, ended 2026-03-31 23:30 but recorded 2026-04-01 09:00.

    With RecordedDate: R_paper (09:00) is later → ana on payments. orders ben, cy (2 < 3): hidden;
      payments ana (1): hidden; the hidden teams hold 3 ≥ 3, so "*" (3) is shown and no differencing.
      "*": tools 1 + 4 + 2 = 7/3 → (4/3)/4 × 100 = 100/3; burnout 1 + 4 + 2 = 7/3 → 100/3; score
      100/3; favourable ben's tools 4 and burnout 4 → 2/6 = 1/3; respondents 3; rate 3/8.
    With EndDate only: R_live (00:30) is later than R_paper (23:30) → ana on orders: orders 3 people:
      tools 5, 4, 2 → 200/3; burnout 4, 4, 2 → 175/3; score 62.5; favourable 4/6; rate 3/4; "*" the
      same, rate 3/8.
    Either way both answers are scored in 2026-Q1, the quarter named at import.
    """
    report = run(engine, qualtrics_export(tmp_path, recorded=recorded), Q1)
    assert (report.rows, report.superseded, report.responses) == (4, 1, 3)
    ana = stored_responses(engine)[(Q1, pseudonym(SECRET, "ana@example.com"))]
    if recorded:
        assert ana == ("payments", datetime(2026, 4, 1, 9, 0))
        assert scores(engine) == {("*", Q1): expect(100 / 3, 1 / 3, 3, 3 / 8, None)}
    else:
        assert ana == ("orders", datetime(2026, 4, 1, 0, 30))
        assert scores(engine) == {
            ("*", Q1): expect(62.5, 2 / 3, 3, 3 / 8, None),
            ("orders", Q1): expect(62.5, 2 / 3, 3, 3 / 4, None),
        }


# ==================================================================================================
# 4. Through the CLI: identity by the Google timestamp as written (a later download adds the 1 April
#    response) and by the anonymous Microsoft Forms ID (a Q2 answer given on 31 March) × change between
#    the quarters × `survey scores --quarter` filtering (the previous quarter still read for change)
# ==================================================================================================


class Cli:
    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.config = folder / "doraspace.yaml"
        self.config.write_text(
            f"database:\n  url: duckdb:///{folder}/store.duckdb\n"
            "teams:\n  - {name: orders, headcount: 5, survey_names: [Orders]}\n"
            f"surveys:\n  min_group_size: 3\n  respondent_secret: ${{{SECRET_VARIABLE}}}\n",
            encoding="utf-8",
        )
        self.definition = folder / "devex.yaml"
        self.definition.write_text(DEFINITION_TEXT, encoding="utf-8")

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        status = main([*args[:2], "--config", str(self.config), *args[2:]])
        captured = self.capsys.readouterr()
        return status, captured.out, captured.err

    def survey_import(self, file: Path, quarter: str) -> str:
        status, out, err = self.run(
            "survey", "import", str(file), "--definition", str(self.definition), "--quarter", quarter
        )
        assert status == 0, err
        return out + err

    def scores(self, *args: str) -> list[dict[str, Any]]:
        status, out, err = self.run("survey", "scores", "--format", "json", *args)
        assert status == 0, err
        return json.loads(out)


def json_row(team: str, quarter: str, score: float, favourable: float, change: str | None) -> dict[str, Any]:
    return {
        "team": team,
        "quarter": quarter,
        "dimension": SAT,
        "score": pytest.approx(score, rel=1e-12),
        "favourable": pytest.approx(favourable, rel=1e-12),
        "respondents": 4,
        "response_rate": pytest.approx(4 / 5, rel=1e-12),
        "change": change,
    }


def test_identities_across_the_boundary_change_and_the_quarter_filter_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Team orders (headcount 5); min_group_size 3.

    2026-Q1: a Google Form without e-mails in a UK Sheet (docs/surveys.md: the respondent is "the
    timestamp as written"). The download of 31 March 23:45 holds g1 30/03/2026 10:00 (Neither 3,
    Neither 3 → 3), g2 31/03 12:00 (Agree 4, Disagree 2 → 4), g3 31/03 23:30 (Disagree 2, Agree 4 → 2).
    The download of 1 April 01:00 holds those rows again and g4 01/04/2026 00:30 (Agree 4, Disagree 2 →
    4): same timestamps as written → the same three respondents, g4 new (1 new). Both imported for Q1.
      tools 3 + 4 + 2 + 4 = 13/4 → (9/4)/4 × 100 = 56.25; burnout reversed 3 + 4 + 2 + 4 → 56.25;
      score 56.25; favourable tools 4, 4 and burnout 4, 4 → 4/8 = 1/2; respondents 4; rate 4/5.
      Own scores 50, 75, 25, 75 (mean 56.25): squares 39.0625 + 351.5625 + 976.5625 + 351.5625 =
      1718.75; variance /3 = 572.92; SE² = /4 = 143.23.
    2026-Q2: an anonymous Microsoft Forms CSV (US), "anonymous" e-mails → the response ID. m1 completed
    3/31/2026 23:50 (the Q2 form opened early; Strongly agree 5, Strongly disagree 1 → 5), m2 4/2 9:00
    (5, Disagree 2 → 4), m3 4/3 9:00 (Agree 4, 1 → 5), m4 4/14 9:00 (4, 2 → 4). Imported for Q2.
      tools 18/4 = 4.5 → 87.5; burnout 18/4 → 87.5; score 87.5; favourable 8/8 = 1; respondents 4;
      rate 4/5. Own 100, 87.5, 87.5, 75: squares 156.25 + 0 + 0 + 156.25 = 312.5; variance 104.17;
      SE² 26.04.
    Change Q2: moved 87.5 − 56.25 = 31.25 ≥ 5; 1.96 × √(143.23 + 26.04) = 1.96 × 13.01 = 25.50 < 31.25
      → "rising". "*" is the same four people in each quarter, rate 4/5.
    ``survey scores --quarter 2026-Q2`` shows only Q2 rows, still "rising" (SPEC §7.4 compares with the
    previous quarter whatever is listed); ``--quarter 2026-Q1`` only Q1 rows (change null);
    ``--quarter 2026-Q3`` none.
    """
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    cli = Cli(tmp_path, capsys)
    header = ["Timestamp", TEAM, TOOLS, BURNOUT]
    evening = [
        ["30/03/2026 10:00:00", "Orders", N, N],
        ["31/03/2026 12:00:00", "orders", A, D],
        ["31/03/2026 23:30:00", "Orders", D, A],
    ]
    night = [*evening, ["01/04/2026 00:30:00", "ORDERS", A, D]]
    first = cli.survey_import(write_csv(tmp_path / "q1-evening.csv", [header, *evening]), Q1)
    assert "3 respondents (3 new)" in first
    later = cli.survey_import(write_csv(tmp_path / "q1-night.csv", [header, *night]), Q1)
    assert "4 respondents (1 new)" in later

    ms_header = ["ID", "Start time", "Completion time", "Email", "Name", TEAM, TOOLS, BURNOUT]
    ms_rows = [
        ["1", "3/31/2026 23:41", "3/31/2026 23:50", "anonymous", "", "Orders", SA, SD],
        ["2", "4/2/2026 8:50", "4/2/2026 9:00", "anonymous", "", "Orders", SA, D],
        ["3", "4/3/2026 8:50", "4/3/2026 9:00", "anonymous", "", "Orders", A, SD],
        ["4", "4/14/2026 8:50", "4/14/2026 9:00", "anonymous", "", "Orders", A, D],
    ]
    q2 = cli.survey_import(write_csv(tmp_path / "q2-forms.csv", [ms_header, *ms_rows]), Q2)
    assert "4 respondents (4 new)" in q2

    q1_rows = [json_row("*", Q1, 56.25, 0.5, None), json_row("orders", Q1, 56.25, 0.5, None)]
    q2_rows = [json_row("*", Q2, 87.5, 1.0, "rising"), json_row("orders", Q2, 87.5, 1.0, "rising")]
    assert cli.scores() == [q1_rows[0], q2_rows[0], q1_rows[1], q2_rows[1]]
    assert cli.scores("--quarter", Q2) == q2_rows
    assert cli.scores("--quarter", Q1) == q1_rows
    assert cli.scores("--quarter", Q2, "--team", "orders") == q2_rows[1:]
    assert cli.scores("--quarter", Q3) == []


# ==================================================================================================
# 5. `long`: one respondent's rows writing the same instant with and without an offset × the rule
#    that a respondent's rows agree on the time × the quarter named at import
# ==================================================================================================


@pytest.mark.parametrize(
    "spellings",
    [
        pytest.param(("2026-04-01T01:30:00+02:00", "2026-03-31T23:30:00"), id="offset-then-utc"),
        pytest.param(("2026-03-31 23:30:00", "2026-03-31T19:30:00-04:00"), id="utc-then-offset"),
    ],
)
def test_one_instant_spelled_two_ways_in_a_long_file_is_one_submission(
    tmp_path: Path, engine: Engine, spellings: tuple[str, str]
) -> None:
    """Team orders (4); min_group_size 3; a `long` file imported for 2026-Q2.

    ana's two rows write her submission time two ways that are one instant, 2026-03-31 23:30 UTC
    (docs/surveys.md: a time with a zone is converted to UTC, one without is UTC): one submission,
    stored at 23:30 UTC — in 2026-Q2, the quarter named at import, though it is a 31 March time.
    ana tools Agree 4, burnout (reverse) 2 → 4; ben 5, 1 → 5; cy 2, 4 → 2.
    tools 4 + 5 + 2 = 11/3 → 200/3; burnout 4 + 5 + 2 = 11/3 → 200/3; score 200/3; favourable ana 2,
    ben 2 → 4/6 = 2/3; respondents 3; rate 3/4 (orders), 3/8 ("*").
    """
    rows = [
        ["respondent_id", "team", "submitted_at", "item_id", "answer"],
        ["ana", "Orders", spellings[0], "sat_tools", "Agree"],
        ["ben", "Orders", "2026-04-02T10:00:00", "sat_tools", "5"],
        ["cy", "Orders", "2026-04-02T11:00:00", "sat_tools", "2"],
        ["ben", "Orders", "2026-04-02T10:00:00", "sat_burnout", "1"],
        ["ana", "Orders", spellings[1], "sat_burnout", "Disagree"],
        ["cy", "Orders", "2026-04-02T11:00:00", "sat_burnout", "4"],
    ]
    report = run(engine, write_csv(tmp_path / "long.csv", rows), Q2)
    assert (report.rows, report.superseded, report.responses, report.answers) == (3, 0, 3, 6)
    kept = stored_responses(engine)
    assert kept == {
        (Q2, pseudonym(SECRET, "ana")): ("orders", datetime(2026, 3, 31, 23, 30)),
        (Q2, pseudonym(SECRET, "ben")): ("orders", datetime(2026, 4, 2, 10, 0)),
        (Q2, pseudonym(SECRET, "cy")): ("orders", datetime(2026, 4, 2, 11, 0)),
    }
    assert scores(engine) == {
        ("*", Q2): expect(200 / 3, 2 / 3, 3, 3 / 8, None),
        ("orders", Q2): expect(200 / 3, 2 / 3, 3, 3 / 4, None),
    }
