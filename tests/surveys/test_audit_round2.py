"""SPACE surveys where two SPEC rules meet, second audit round (SPEC §7.1–§7.5).

Scenarios not covered by ``test_rule_pairs.py`` and ``test_survey_end_to_end_pairs.py``: one Microsoft
Forms export written out the ways Excel and other tools write it (CSV, a workbook, a streamed workbook
without the optional ``<dimension>`` record, a workbook whose ``<dimension>`` is stale, an Excel CSV
whose rows lost their trailing delimiters), re-imports across renderings and formats (e-mail identity,
Qualtrics Finished/Status, Typeform partial → completed), and the change rule at its edges (exactly 5
points with a non-zero standard error; the score from item means while the SE is from respondents' own
scores, most of them with a single answer in the dimension; a dimension hidden by differencing in the
previous quarter).

Every expected number is worked out by hand from SPEC §7 in the comment above its assertion:
``score`` = mean over the dimension's items of ``(mean answer − 1) / (points − 1) × 100``; ``favourable``
= favourable ÷ valid answers; a reverse item scores ``points + 1 − x`` and is favourable when that
reversed score is; rising/falling when the score moved ≥ 5 points and > 1.96 × √(SE₁² + SE₂²), SE being
the sample standard deviation of the respondents' own 0–100 dimension scores ÷ √n.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.engine import open_store
from tests.surveys.test_rule_pairs import (
    COM_HELP,
    LONG_HEADER,
    MATRIX,
    MS_HEADER,
    Q2,
    Q3,
    QUALTRICS_META,
    QUALTRICS_WORDS,
    SAT_BURNOUT,
    SAT_TOOLS,
    TEAM,
    definition,
    run,
    scores,
    stored_text,
    write_csv,
)

NEITHER = "Neither agree nor disagree"


def approx(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-12)


@pytest.fixture
def store_factory(tmp_path: Path) -> Iterator[Callable[[str], Engine]]:
    """Fresh DuckDB stores by name (several per test, to compare what two renderings store)."""
    engines: list[Engine] = []

    def make(name: str) -> Engine:
        engine = open_store(f"duckdb:///{tmp_path}/{name}.duckdb")
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


# ==================================================================================================
# 1. One Microsoft Forms export, five renderings (SPEC §7.2: "Microsoft Forms (ID, Start time,
#    Completion time, Email, Name, question titles; CSV or .xlsx)") × missing answers in the last
#    question (SPEC §7.1: "Missing answers leave the denominator") × identity (§7.3)
# ==================================================================================================

# (ID, e-mail, team, tools, burnout (reverse), help); "" is an answer left blank.
MS_ANSWERS: list[tuple[int, str, str, str, str, str]] = [
    (1, "ana@example.com", "Orders", "Agree", "Disagree", "Agree"),
    (2, "anonymous", "Orders", "Strongly agree", "", ""),
    (3, "ben@example.com", "Orders", "Disagree", "Strongly disagree", "Disagree"),
    (4, "anonymous", "Orders", NEITHER, "Agree", "Strongly agree"),
]


def ms_csv_rows(answers: Sequence[tuple[int, str, str, str, str, str]] = MS_ANSWERS) -> list[list[str]]:
    rows = [list(MS_HEADER)]
    for number, email, team, *given in answers:
        stamp = f"7/14/2026 10:{number:02d}:00"
        name = "" if email == "anonymous" else "Ana García"
        rows.append([str(number), stamp, stamp, email, name, team, *given])
    return rows


def ms_workbook_rows(
    answers: Sequence[tuple[int, str, str, str, str, str]] = MS_ANSWERS,
) -> list[list[object]]:
    """As "Open in Excel" types them: the ID a number, the times date cells, an empty answer no cell."""
    rows: list[list[object]] = [list(MS_HEADER)]
    for number, email, team, *given in answers:
        stamp = datetime(2026, 7, 14, 10, number)
        name = None if email == "anonymous" else "Ana García"
        rows.append([number, stamp, stamp, email, name, team, *(answer or None for answer in given)])
    return rows


def write_workbook(path: Path, rows: Sequence[Sequence[object]], *, streamed: bool = False) -> Path:
    import openpyxl  # type: ignore[import-untyped]

    workbook = openpyxl.Workbook(write_only=streamed)
    sheet = workbook.create_sheet("Sheet1") if streamed else workbook.active
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def with_dimension(path: Path, reference: str) -> Path:
    """``path`` with its first sheet's ``<dimension ref=…>`` replaced by ``reference``."""
    source = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as archive, zipfile.ZipFile(out, "w") as rewritten:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(
                    rb"<dimension ref=\"[^\"]*\"\s*/>", f'<dimension ref="{reference}"/>'.encode(), data
                )
                assert count == 1
            rewritten.writestr(info, data)
    path.write_bytes(out.getvalue())
    return path


def excel_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    """CSV as Excel's "Save as CSV" may write it: a record's empty trailing cells without their commas
    (StataCorp FAQ "How Excel writes empty cells"). Every other field as ``csv`` writes it."""
    lines = []
    for row in rows:
        cells = list(row)
        while cells and cells[-1] == "":
            cells.pop()
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(cells)
        lines.append(buffer.getvalue())
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def render(kind: str, folder: Path) -> Path:
    if kind == "csv":
        return write_csv(folder / "forms.csv", ms_csv_rows())
    if kind == "workbook":
        return write_workbook(folder / "forms.xlsx", ms_workbook_rows())
    if kind == "streamed workbook":
        # openpyxl's write-only mode (like other streaming writers) writes no <dimension> record: it is
        # optional in SpreadsheetML. Respondent 2 left the last two questions blank: no cells there.
        return write_workbook(folder / "forms.xlsx", ms_workbook_rows(), streamed=True)
    if kind == "stale dimension":
        # A workbook whose <dimension> says A1:I3 (header and two responses) while four responses follow.
        return with_dimension(write_workbook(folder / "forms.xlsx", ms_workbook_rows()), "A1:I3")
    if kind == "excel csv":
        return excel_csv(folder / "forms.csv", ms_csv_rows())
    raise AssertionError(kind)


def check_ms_scores(engine: Engine) -> None:
    got = scores(engine, minimum=3)
    sat = got[("orders", Q3, "satisfaction")]
    # tools: 4, 5, 2, 3 → 3.5 → 2.5/4 × 100 = 62.5. burnout (reverse): Disagree 2 → 4, Strongly disagree
    # 1 → 5, Agree 4 → 2, respondent 2 blank (leaves): 11/3 → (8/3)/4 × 100 = 200/3.
    # Score (62.5 + 200/3)/2 = 775/12. Favourable: tools 4, 5; burnout reversed 4, 5 → 4 of 7 valid.
    assert (sat.score, sat.favourable, sat.respondents) == (approx(775 / 12), approx(4 / 7), 4)
    com = got[("orders", Q3, "communication")]
    # help: 4, 2, 5 (respondent 2 blank) → 11/3 → 200/3; favourable 4, 5 → 2/3; 3 respondents ≥ 3.
    assert (com.score, com.favourable, com.respondents) == (approx(200 / 3), approx(2 / 3), 3)
    assert got[("*", Q3, "satisfaction")].score == approx(775 / 12)


@pytest.mark.parametrize("kind", ["csv", "workbook", "streamed workbook", "stale dimension", "excel csv"])
def test_one_microsoft_forms_export_stores_and_scores_alike_however_it_was_written(
    tmp_path: Path, store_factory: Callable[[str], Engine], kind: str
) -> None:
    baseline = store_factory("baseline")
    run(baseline, render("csv", tmp_path), definition())
    folder = tmp_path / kind.replace(" ", "-")
    folder.mkdir()
    engine = store_factory(kind.replace(" ", "-"))
    report = run(engine, render(kind, folder), definition())
    # SPEC §7.3: "An import either stores every valid row or none": four responses, the same
    # pseudonyms (e-mail, else the ID "1".."4"), times and answer points as the CSV.
    assert (report.format, report.responses) == ("microsoft-forms", 4)
    assert stored_text(engine) == stored_text(baseline)
    check_ms_scores(engine)


# ==================================================================================================
# 2. The workbook first, then the CSV of the same form (corrected): the same respondents (§7.3:
#    e-mail, else the Microsoft Forms ID), answers replaced, nothing added; the CSV again changes nothing
# ==================================================================================================


def test_a_workbook_then_its_corrected_csv_adds_no_respondent(
    tmp_path: Path, store_factory: Callable[[str], Engine]
) -> None:
    engine = store_factory("store")
    first = run(engine, write_workbook(tmp_path / "forms.xlsx", ms_workbook_rows()), definition())
    assert (first.responses, first.new_responses) == (4, 4)
    check_ms_scores(engine)

    corrected = list(MS_ANSWERS)
    corrected[0] = (1, "ANA@example.com ", "orders", "Strongly agree", "Disagree", "Agree")  # tools 4 → 5
    corrected[1] = (2, "anonymous", "Orders", "Strongly agree", "", "Agree")  # help now answered
    export = write_csv(tmp_path / "forms-corrected.csv", ms_csv_rows(corrected))
    second = run(engine, export, definition())
    # ana by her e-mail (case and spaces aside), respondent 2 by its ID 2 (a number cell in the
    # workbook, "2" in the CSV): no one new.
    assert (second.responses, second.new_responses) == (4, 0)
    got = scores(engine, minimum=3)
    sat = got[("orders", Q3, "satisfaction")]
    # tools 5, 5, 2, 3 → 3.75 → 68.75; burnout unchanged 200/3: (275/4 + 200/3)/2 = 1625/24.
    # Favourable: tools 5, 5; burnout 4, 5 → 4/7.
    assert (sat.score, sat.favourable, sat.respondents) == (approx(1625 / 24), approx(4 / 7), 4)
    com = got[("orders", Q3, "communication")]
    # help 4, 4, 2, 5 → 3.75 → 68.75; favourable 3/4; 4 respondents.
    assert (com.score, com.favourable, com.respondents) == (approx(68.75), approx(0.75), 4)

    before = stored_text(engine)
    again = run(engine, export, definition())
    assert (again.responses, again.new_responses) == (4, 0)
    assert stored_text(engine) == before


# ==================================================================================================
# 3. Qualtrics Finished/Status filters × RecipientEmail identity × re-import: a response finished
#    between two exports, a spam and an unfinished retake under known e-mails
# ==================================================================================================


def qualtrics_with_email(rows: Sequence[tuple[str, str, str, str, str, str, str, str]]) -> list[list[str]]:
    """(Status, Finished, ResponseId, RecipientEmail, tools, burnout, help, team choice)."""
    ids = [*QUALTRICS_META, "RecipientEmail", "Q1_1", "Q1_2", "Q1_3", "Q10"]
    words = [
        *QUALTRICS_WORDS,
        "Recipient Email",
        f"{MATRIX} - {SAT_TOOLS}",
        f"{MATRIX} - {SAT_BURNOUT}",
        f"{MATRIX} - {COM_HELP}",
        TEAM,
    ]
    imports = [
        '{"ImportId":"startDate","timeZone":"UTC"}',
        '{"ImportId":"endDate","timeZone":"UTC"}',
        '{"ImportId":"status"}',
        '{"ImportId":"progress"}',
        '{"ImportId":"finished"}',
        '{"ImportId":"recordedDate","timeZone":"UTC"}',
        '{"ImportId":"_recordId"}',
        '{"ImportId":"recipientEmail"}',
        '{"ImportId":"QID1_1"}',
        '{"ImportId":"QID1_2"}',
        '{"ImportId":"QID1_3"}',
        '{"ImportId":"QID10"}',
    ]
    body = []
    for minute, (status, finished, response_id, *rest) in enumerate(rows):
        stamp = f"2026-07-14 08:{minute:02d}:00"
        body.append(
            [stamp, stamp, status, "100" if finished == "1" else "40", finished, stamp, response_id, *rest]
        )
    return [ids, words, imports, *body]


def test_qualtrics_filters_email_identity_and_reimport(
    tmp_path: Path, store_factory: Callable[[str], Engine]
) -> None:
    engine = store_factory("store")
    first = write_csv(
        tmp_path / "first.csv",
        qualtrics_with_email(
            [
                ("0", "0", "R_1", "ana@example.com", "Agree", "", "", "Orders"),  # still in progress
                ("0", "1", "R_2", "ben@example.com", "Disagree", "", "", "Orders"),
                ("0", "1", "R_3", "cy@example.com", "Strongly agree", "", "", "Orders"),
                ("1", "1", "R_4", "dee@example.com", "Strongly disagree", "", "", "Orders"),  # preview
            ]
        ),
    )
    report = run(engine, first, definition())
    # SPEC §7.2: keep Finished = 1 and Status 0 or 4: ben and cy.
    assert (report.responses, report.new_responses, report.skipped) == (2, 2, 2)
    assert scores(engine, minimum=3) == {}  # 2 < 3: nothing shown, the organisation neither

    later = write_csv(
        tmp_path / "later.csv",
        qualtrics_with_email(
            [
                ("0", "1", "R_1", "ana@example.com", "Agree", "Strongly disagree", "", "Orders"),  # finished
                ("0", "1", "R_2", "ben@example.com", "Disagree", "", "", "Orders"),
                ("0", "1", "R_3", "cy@example.com", "Strongly agree", "", "", "Orders"),
                ("1", "1", "R_4", "dee@example.com", "Strongly disagree", "", "", "Orders"),  # preview
                ("8", "1", "R_5", "BEN@Example.com", "Strongly agree", "", "", "Orders"),  # spam: not ben's
                ("0", "0", "R_6", "cy@example.com", "Strongly disagree", "", "", "Orders"),  # unfinished
            ]
        ),
    )
    report = run(engine, later, definition())
    # Kept: R_1 (ana, new), R_2 (ben), R_3 (cy). The spam and the unfinished retake are no responses, so
    # they neither replace ben's nor cy's answers.
    assert (report.responses, report.new_responses, report.skipped) == (3, 1, 3)
    got = scores(engine, minimum=3)
    sat = got[("orders", Q3, "satisfaction")]
    # tools: ana 4, ben 2, cy 5 → 11/3 → 200/3; burnout: ana Strongly disagree 1 → 5 → 100.
    # Score (200/3 + 100)/2 = 250/3. Favourable: tools 4, 5; burnout 5 → 3 of 4.
    assert (sat.score, sat.favourable, sat.respondents) == (approx(250 / 3), approx(0.75), 3)
    assert ("orders", Q3, "communication") not in got  # nobody answered help

    before = stored_text(engine)
    report = run(engine, later, definition())
    assert (report.responses, report.new_responses) == (3, 0)
    assert stored_text(engine) == before


# ==================================================================================================
# 4. Typeform: a partial response completed between two exports (Response Type × the # token identity)
# ==================================================================================================

TYPEFORM_HEADER = [
    "#",
    TEAM,
    SAT_TOOLS,
    SAT_BURNOUT,
    COM_HELP,
    "Response Type",
    "Start Date (UTC)",
    "Stage Date (UTC)",
    "Submit Date (UTC)",
    "Network ID",
    "Tags",
]


def typeform(rows: Sequence[tuple[str, str, str]]) -> list[list[str]]:
    """(token, tools, response type), all on Orders."""
    out = [list(TYPEFORM_HEADER)]
    for token, tools, kind in rows:
        start = "2026-09-30 23:50:00"
        submit = "2026-10-01 00:10:00" if kind == "completed" else ""  # after the quarter's last UTC day
        stage = start if kind == "partial" else ""
        out.append([token, "Orders", tools, "", "", kind, start, stage, submit, "n1", ""])
    return out


def test_typeform_partial_completed_later_counts_once_with_its_completed_answers(
    tmp_path: Path, store_factory: Callable[[str], Engine]
) -> None:
    engine = store_factory("store")
    first = write_csv(
        tmp_path / "first.csv",
        typeform(
            [
                ("t1", "Strongly agree", "partial"),
                ("t2", "Agree", "completed"),
                ("t3", "Disagree", "completed"),
                ("t4", "Agree", "completed"),
            ]
        ),
    )
    report = run(engine, first, definition())
    assert (report.responses, report.skipped) == (3, 1)
    # SPEC §7.2 "only completed responses": tools 4, 2, 4 → 10/3 → 175/3; favourable 2/3.
    row = scores(engine, minimum=3)[("orders", Q3, "satisfaction")]
    assert (row.score, row.favourable, row.respondents) == (approx(175 / 3), approx(2 / 3), 3)

    later = write_csv(
        tmp_path / "later.csv",
        typeform(
            [
                ("t1", "Strongly disagree", "completed"),
                ("t2", "Agree", "completed"),
                ("t3", "Disagree", "completed"),
                ("t4", "Agree", "completed"),
                ("t5", "Agree", "partial"),
            ]
        ),
    )
    report = run(engine, later, definition())
    assert (report.responses, report.new_responses, report.skipped) == (4, 1, 1)
    # The quarter is the one named on the command line (SPEC §2 `--quarter`), whatever the submit dates.
    # tools 1, 4, 2, 4 → 11/4 → 1.75/4 × 100 = 43.75; favourable 2/4; 4 respondents.
    row = scores(engine, minimum=3)[("orders", Q3, "satisfaction")]
    assert (row.score, row.favourable, row.respondents) == (approx(43.75), approx(0.5), 4)
    before = stored_text(engine)
    assert run(engine, later, definition()).new_responses == 0
    assert stored_text(engine) == before


# ==================================================================================================
# 5. Change at the 5-point edge with a non-zero standard error: the same move, decided by n
# ==================================================================================================


def long_rows(respondents: Sequence[tuple[str, str, str, str, str]]) -> list[list[str]]:
    """(respondent, team, tools, burnout, help) → long rows; blank answers are written (they leave)."""
    rows = [list(LONG_HEADER)]
    for respondent, team, tools, burnout, help_ in respondents:
        rows += [
            [respondent, team, "", "sat_tools", tools],
            [respondent, team, "", "sat_burnout", burnout],
            [respondent, team, "", "com_help", help_],
        ]
    return rows


def test_exactly_five_points_is_rising_or_stable_by_the_standard_error(
    tmp_path: Path, store_factory: Callable[[str], Engine]
) -> None:
    engine = store_factory("store")
    q2 = [(f"o{n}", "orders", NEITHER, NEITHER, "") for n in range(20)]
    q2 += [(f"p{n}", "payments", NEITHER, NEITHER, "") for n in range(5)]
    run(engine, write_csv(tmp_path / "q2.csv", long_rows(q2)), definition(), quarter=Q2)
    # Q3: in each team one respondent in five answers tools "Agree" (4) and burnout "Disagree" (2 → 4).
    q3 = [
        (f"o{n}", "orders", *(("Agree", "Disagree") if n < 4 else (NEITHER, NEITHER)), "") for n in range(20)
    ]
    q3 += [
        (f"p{n}", "payments", *(("Agree", "Disagree") if n < 1 else (NEITHER, NEITHER)), "") for n in range(5)
    ]
    run(engine, write_csv(tmp_path / "q3.csv", long_rows(q3)), definition(), quarter=Q3)
    got = scores(engine, minimum=3)

    # Q2: every answer 3 (burnout reversed 3): score 50, own scores all 50, SE 0.
    # Q3: tools mean 3.2 → 55, burnout reversed mean 3.2 → 55: score 55, moved exactly 5 (≥ 5).
    for team in ("orders", "payments", "*"):
        assert got[(team, Q2, "satisfaction")].score == approx(50.0)
        assert got[(team, Q3, "satisfaction")].score == pytest.approx(55.0, rel=1e-12)
    # orders: own scores 4 × 75, 16 × 50: mean 55, squares 4 × 400 + 16 × 25 = 2000, variance 2000/19,
    # SE = √(2000/19/20) = √(100/19) ≈ 2.294; 1.96 × 2.294 ≈ 4.497 < 5: rising.
    assert 1.96 * math.sqrt(100 / 19) < 5
    assert got[("orders", Q3, "satisfaction")].change == "rising"
    # payments: own scores 75, 4 × 50: squares 400 + 4 × 25 = 500, variance 125, SE = √125/√5 = 5;
    # 1.96 × 5 = 9.8 > 5: stable.
    assert got[("payments", Q3, "satisfaction")].change == "stable"
    # "*": 5 × 75, 20 × 50: squares 5 × 400 + 20 × 25 = 2500, variance 2500/24, SE = √(100/24) ≈ 2.041;
    # 1.96 × 2.041 ≈ 4.001 < 5: rising.
    assert got[("*", Q3, "satisfaction")].change == "rising"
    # Favourable, orders Q3: tools 4 of 20, burnout reversed 4 of 20 → 8/40.
    assert got[("orders", Q3, "satisfaction")].favourable == approx(0.2)


# ==================================================================================================
# 6. The score is the mean of item means while the SE is over respondents' own dimension scores, most
#    of them with a single answer in the dimension (SPEC §7.4)
# ==================================================================================================


def test_change_moves_by_item_means_with_one_answer_respondents(
    tmp_path: Path, store_factory: Callable[[str], Engine]
) -> None:
    engine = store_factory("store")
    q2 = [(f"x{n}", "platform team", NEITHER, NEITHER, "") for n in range(20)]
    run(engine, write_csv(tmp_path / "q2.csv", long_rows(q2)), definition(), quarter=Q2)
    # Q3: everyone answers tools 3; only two answer burnout, "Disagree" (2 → reversed 4); the rest leave
    # it blank and so have one answer in the dimension.
    q3 = [(f"x{n}", "Platform Team", NEITHER, "Disagree" if n < 2 else "", "") for n in range(20)]
    run(engine, write_csv(tmp_path / "q3.csv", long_rows(q3)), definition(), quarter=Q3)
    row = scores(engine, minimum=3)[("platform", Q3, "satisfaction")]
    # Score: tools mean 3 → 50, burnout reversed mean 4 → 75: (50 + 75)/2 = 62.5. Moved 12.5 from 50.
    # (The mean of the respondents' own scores would be (18 × 50 + 2 × 62.5)/20 = 51.25, a move of 1.25.)
    assert row.score == approx(62.5)
    # Own scores: 18 × 50 (tools alone) and 2 × 62.5 ((50 + 75)/2). Mean 51.25; squares
    # 18 × 1.25² + 2 × 11.25² = 281.25; variance 281.25/19; SE = √(281.25/19/20) ≈ 0.860;
    # 1.96 × 0.860 ≈ 1.686 < 12.5, and 12.5 ≥ 5: rising.
    assert 1.96 * math.sqrt(281.25 / 19 / 20) < 12.5
    assert row.change == "rising"
    # Favourable: tools 0 of 20, burnout reversed 4 twice → 2 of 22.
    assert (row.favourable, row.respondents) == (approx(2 / 22), 20)


# ==================================================================================================
# 7. A dimension hidden by the differencing rule in the previous quarter × quarter-over-quarter change
#    × response rates of the organisation row
# ==================================================================================================


def test_change_is_null_for_a_dimension_hidden_by_differencing_in_the_previous_quarter(
    tmp_path: Path, store_factory: Callable[[str], Engine]
) -> None:
    engine = store_factory("store")
    q2 = [(f"o{n}", "orders", "Disagree", "", "Disagree" if n < 2 else "") for n in range(5)]
    q2 += [(f"p{n}", "payments", "Disagree", "", "Disagree") for n in range(5)]
    run(engine, write_csv(tmp_path / "q2.csv", long_rows(q2)), definition(), quarter=Q2)
    q3 = [(f"o{n}", "orders", "Agree", "", "Agree") for n in range(5)]
    q3 += [(f"p{n}", "payments", "Agree", "", "Agree") for n in range(5)]
    run(engine, write_csv(tmp_path / "q3.csv", long_rows(q3)), definition(), quarter=Q3)
    got = scores(engine, minimum=3, teams={"orders": 5, "payments": 10})

    # Q2 communication: orders 2 < 3 hidden; "*" has 7 ≥ 3 and is shown; the hidden teams hold 2 < 3,
    # so the smallest shown team of the dimension (payments, 5) is hidden too (hidden 7 ≥ 3).
    assert {team for team, quarter, dimension in got if (quarter, dimension) == (Q2, "communication")} == {
        "*"
    }
    q2_com = got[("*", Q2, "communication")]
    # "*" Q2 communication: 7 × "Disagree" 2 → 25; respondents 7; the quarter's 10 respondents ÷ 15.
    assert (q2_com.score, q2_com.respondents, q2_com.response_rate) == (approx(25.0), 7, approx(10 / 15))
    # Q3: everything shown, every answer "Agree" 4 → 75.
    for team in ("orders", "payments", "*"):
        for dimension in ("satisfaction", "communication"):
            assert got[(team, Q3, dimension)].score == approx(75.0)
    # Change: satisfaction was shown in both quarters everywhere: 25 → 75 with SE 0 on both sides,
    # rising. Communication: only "*" was shown in Q2 (rising); orders and payments: null.
    assert [got[(team, Q3, "satisfaction")].change for team in ("orders", "payments", "*")] == ["rising"] * 3
    assert [got[(team, Q3, "communication")].change for team in ("orders", "payments", "*")] == [
        None,
        None,
        "rising",
    ]
    # Response rates: orders 5/5, payments 5/10, "*" 10/(5 + 10).
    assert got[("orders", Q3, "communication")].response_rate == approx(1.0)
    assert got[("payments", Q3, "communication")].response_rate == approx(0.5)
    assert got[("*", Q3, "communication")].response_rate == approx(10 / 15)
