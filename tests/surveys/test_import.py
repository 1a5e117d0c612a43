"""``survey import`` (SPEC §7.2, §7.3): every export format against its ``long`` twin, all or nothing,
idempotent, pseudonymous, and never anything but ``SurveyImportError`` on a bad file.

The samples in ``tests/fixtures/surveys/`` are written from the documented header shapes of each tool
(see the README there); each ``X.long.csv`` holds the same answers in the long format.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from store import schema
from store.engine import open_store
from store.errors import ConfigError, SurveyImportError
from surveys.definition import DEFAULT_DEFINITION, SurveyDefinition, fingerprint, load_definition
from surveys.formats import FORMATS, Table, detect_format, parse_timestamps
from surveys.importer import import_survey, pseudonym, team_spellings

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "surveys"
SECRET = "test-respondent-secret"
TEAM_NAMES = {
    "order-team": "order-team",
    "orders": "order-team",
    "order team": "order-team",
    "payments-team": "payments-team",
    "payments": "payments-team",
    "platform": "platform",
    "platform team": "platform",
}
SURVEY_TABLES = (schema.survey_items, schema.survey_responses, schema.survey_answers)
# What the samples hold about people that must never reach the store.
PERSONAL = (
    "@",
    "García",
    "Garcia",
    "Smith",
    "John",
    "Jane",
    "Kim",
    "Lee",
    "Frank",
    "Gita",
    "Hugo",
    "Patel",
    "Rossi",
    "203.0.113",
    "39.7392",
    "a8c2f0e1d9",
    "flaky",
    "exhausting",
    "focus time",
    "meetings",
    "CI is slow",
    "great",
)


@pytest.fixture(scope="module")
def definition() -> SurveyDefinition:
    return load_definition(DEFAULT_DEFINITION)


def duckdb_store(directory: Path, name: str) -> Engine:
    return open_store(f"duckdb:///{directory}/{name}.duckdb")


def stored(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(tuple(row) for row in conn.execute(select(table))) for table in SURVEY_TABLES
        }


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SURVEY_TABLES
        }


def run(
    engine: Engine, file: Path, definition: SurveyDefinition, *, fmt: str = "auto", quarter: str = "2026-Q3"
) -> Any:
    return import_survey(
        engine, file, definition, quarter=quarter, fmt=fmt, secret=SECRET, team_names=TEAM_NAMES
    )


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def qualtrics_codes_definition(definition: SurveyDefinition) -> SurveyDefinition:
    # A numeric Qualtrics export turns the team question into codes too; the sample takes the team
    # from contact-list embedded data named "Team", as docs/surveys.md advises.
    return dataclasses.replace(definition, team_question="Team")


# --------------------------------------------------------------------------------------------------
# Every format imports to the same stored rows as its long twin
# --------------------------------------------------------------------------------------------------

NATIVE = [
    ("google-forms-grid", "google-forms"),
    ("google-forms-email", "google-forms"),
    ("microsoft-forms", "microsoft-forms"),
    ("typeform", "typeform"),
    ("qualtrics-labels", "qualtrics"),
    ("qualtrics-codes", "qualtrics"),
]


@pytest.mark.parametrize(("sample", "fmt"), NATIVE)
def test_each_export_stores_what_its_long_twin_stores(
    tmp_path: Path, definition: SurveyDefinition, sample: str, fmt: str
) -> None:
    if sample == "qualtrics-codes":
        definition = qualtrics_codes_definition(definition)
    native, twin = duckdb_store(tmp_path, "native"), duckdb_store(tmp_path, "twin")
    try:
        native_report = run(native, SAMPLES / f"{sample}.csv", definition)
        twin_report = run(twin, SAMPLES / f"{sample}.long.csv", definition)
        assert (native_report.format, twin_report.format) == (fmt, "long")
        assert native_report.responses == twin_report.responses >= 4
        assert native_report.answers == twin_report.answers > 50
        assert stored(native) == stored(twin)
        # Named explicitly rather than detected: the same result.
        again = duckdb_store(tmp_path, "explicit")
        run(again, SAMPLES / f"{sample}.csv", definition, fmt=fmt)
        assert stored(again) == stored(native)
        again.dispose()
    finally:
        native.dispose()
        twin.dispose()


def microsoft_forms_workbook(path: Path) -> Path:
    """The .xlsx Microsoft Forms' "Open in Excel" gives: typed cells (ints, datetimes), one sheet."""
    rows = read_csv(SAMPLES / "microsoft-forms.csv")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Sheet1"
    sheet.append(rows[0])
    for row in rows[1:]:
        cells: list[object] = list(row)
        cells[0] = int(row[0])
        cells[1] = datetime.strptime(row[1], "%m/%d/%Y %H:%M:%S")
        cells[2] = datetime.strptime(row[2], "%m/%d/%Y %H:%M:%S")
        cells[5] = None
        sheet.append(cells)
    workbook.save(path)
    return path


def test_microsoft_forms_xlsx_stores_what_its_long_twin_stores(
    tmp_path: Path, definition: SurveyDefinition
) -> None:
    workbook = microsoft_forms_workbook(tmp_path / "Developer experience survey.xlsx")
    native, twin = duckdb_store(tmp_path, "native"), duckdb_store(tmp_path, "twin")
    try:
        report = run(native, workbook, definition)
        run(twin, SAMPLES / "microsoft-forms.long.csv", definition)
        assert report.format == "microsoft-forms"
        assert stored(native) == stored(twin)
    finally:
        native.dispose()
        twin.dispose()


def test_what_the_samples_exercise(tmp_path: Path, definition: SurveyDefinition) -> None:
    engine = duckdb_store(tmp_path, "store")
    try:
        qualtrics = run(engine, SAMPLES / "qualtrics-labels.csv", definition, quarter="2026-Q1")
        # The survey preview (Status 1), the test (Status 2) and the unfinished response are skipped;
        # IP Address (0) and Imported (4) responses count.
        assert (qualtrics.rows, qualtrics.skipped) == (4, 3)
        typeform = run(engine, SAMPLES / "typeform.csv", definition, quarter="2026-Q2")
        assert (typeform.rows, typeform.skipped) == (4, 1)
        grid = run(engine, SAMPLES / "google-forms-grid.csv", definition, quarter="2026-Q3")
        # Two responses in the same second are two respondents.
        assert grid.responses == 6 and grid.superseded == 0
        assert grid.respondents_by_team == {"order-team": 3, "payments-team": 2, "platform": 1}
        assert grid.ignored_columns == ("Anything else you would like to tell us?",)
        with engine.connect() as conn:
            responses = {
                row.respondent: row
                for row in conn.execute(
                    select(schema.survey_responses).where(schema.survey_responses.c.quarter == "2026-Q1")
                )
            }
            # The e-mail (case-folded) identifies a Qualtrics respondent where there is one; the
            # recorded time is converted from the export's time zone (America/Denver, MST in December).
            kim = responses[pseudonym(SECRET, "kim.lee@example.com")]
            assert kim.team == "order-team"
            assert kim.submitted_at == datetime(2026, 12, 2, 6, 30)
            assert pseudonym(SECRET, "R_3fAmS1rNo4Zc9De") in responses
            items = {
                row.item_id: row
                for row in conn.execute(
                    select(schema.survey_items).where(schema.survey_items.c.quarter == "2026-Q1")
                )
            }
        burnout = next(item for item in definition.items if item.id == "sat_burnout")
        assert items["sat_burnout"].reverse is True
        assert (items["sat_burnout"].points, items["sat_burnout"].favourable) == (5, "4,5")
        assert items["sat_burnout"].wording_fingerprint == fingerprint(burnout)
        assert items["sat_burnout"].dimension == "satisfaction"
    finally:
        engine.dispose()


def test_values_are_the_points_answered_before_reversing(
    tmp_path: Path, definition: SurveyDefinition
) -> None:
    file = write_csv(
        tmp_path / "long.csv",
        [
            ["respondent_id", "team", "submitted_at", "item_id", "answer"],
            ["r1", "Orders", "", "sat_burnout", "Strongly agree"],
            ["r1", "Orders", "", "eff_blocked", "always"],
            ["r1", "Orders", "", "sat_tools", " strongly   DISAGREE "],
            ["r1", "Orders", "", "eff_focus", "I don’t know"],
            ["r1", "Orders", "", "perf_quality", "4.0"],
        ],
    )
    engine = duckdb_store(tmp_path, "store")
    try:
        report = run(engine, file, definition)
        assert report.missing_answers == 1
        with engine.connect() as conn:
            values = dict(
                conn.execute(select(schema.survey_answers.c.item_id, schema.survey_answers.c.value)).all()
            )
        assert values == {"sat_burnout": 5, "eff_blocked": 5, "sat_tools": 1, "perf_quality": 4}
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------------
# All or nothing, idempotent (on DuckDB and PostgreSQL)
# --------------------------------------------------------------------------------------------------


def test_importing_the_same_file_twice_stores_it_once(
    store_engine: Engine, definition: SurveyDefinition
) -> None:
    file = SAMPLES / "qualtrics-labels.csv"
    first = run(store_engine, file, definition)
    after_first = stored(store_engine)
    second = run(store_engine, file, definition)
    assert (first.new_responses, second.new_responses) == (4, 0)
    assert stored(store_engine) == after_first
    with store_engine.connect() as conn:
        answers = schema.survey_answers
        keys = select(answers.c.respondent, answers.c.item_id).distinct().subquery()
        distinct = conn.execute(select(func.count()).select_from(keys)).scalar_one()
    assert counts(store_engine)["survey_answers"] == distinct == first.answers


@pytest.mark.parametrize(
    ("edit", "row", "column", "message"),
    [
        # An unknown answer label: the row and the grid column.
        (
            lambda rows: rows[3].__setitem__(4, "Mostly agree"),
            4,
            "How much do you agree with each statement? [I have opportunities to learn and grow in my role]",
            "unknown answer 'Mostly agree' for scale agree5",
        ),
        # A number off the scale.
        (
            lambda rows: rows[2].__setitem__(2, "7"),
            3,
            "How much do you agree with each statement? [I am satisfied with the tools and processes I use "
            "to do my work]",
            "'7' is outside scale agree5 (1 to 5)",
        ),
        # A team nobody configured.
        (lambda rows: rows[5].__setitem__(1, "Growth"), 6, "Which team are you on?", "unknown team 'Growth'"),
        # A timestamp that is none.
        (
            lambda rows: rows[6].__setitem__(0, "yesterday"),
            7,
            "Timestamp",
            "not a date and time: 'yesterday'",
        ),
        # A ragged row.
        (lambda rows: rows[2].append("extra"), 3, None, "has 23 fields, the header has 22"),
    ],
)
def test_one_bad_row_names_row_and_column_and_stores_nothing(
    store_engine: Engine,
    tmp_path: Path,
    definition: SurveyDefinition,
    edit: Any,
    row: int,
    column: str | None,
    message: str,
) -> None:
    rows = read_csv(SAMPLES / "google-forms-grid.csv")
    edit(rows)
    file = write_csv(tmp_path / "responses.csv", rows)
    with pytest.raises(SurveyImportError) as info:
        run(store_engine, file, definition)
    error = info.value
    assert (error.file, error.row, error.column) == (str(file), row, column)
    assert message in str(error)
    assert str(error).startswith(f"{file}, row {row}")
    assert error.exit_status == 2
    assert counts(store_engine) == {"survey_items": 0, "survey_responses": 0, "survey_answers": 0}


def test_a_bad_row_after_good_imports_changes_nothing(
    store_engine: Engine, tmp_path: Path, definition: SurveyDefinition
) -> None:
    run(store_engine, SAMPLES / "typeform.csv", definition)
    before = stored(store_engine)
    rows = read_csv(SAMPLES / "typeform.long.csv")
    rows[-1][4] = "Sometimes-ish"
    file = write_csv(tmp_path / "long.csv", rows)
    with pytest.raises(SurveyImportError) as info:
        run(store_engine, file, definition)
    assert (info.value.row, info.value.column) == (len(rows), "answer")
    assert stored(store_engine) == before


def test_a_later_export_replaces_a_respondents_answers(tmp_path: Path, definition: SurveyDefinition) -> None:
    header = ["respondent_id", "team", "submitted_at", "item_id", "answer"]
    engine = duckdb_store(tmp_path, "store")
    try:
        run(
            engine,
            write_csv(
                tmp_path / "a.csv",
                [
                    header,
                    ["r1", "Orders", "", "sat_tools", "Agree"],
                    ["r1", "Orders", "", "sat_growth", "Agree"],
                ],
            ),
            definition,
        )
        report = run(
            engine,
            write_csv(tmp_path / "b.csv", [header, ["r1", "Payments", "", "sat_tools", "Disagree"]]),
            definition,
        )
        assert report.new_responses == 0
        data = stored(engine)
        respondent = pseudonym(SECRET, "r1")
        assert data["survey_answers"] == [("devex", "2026-Q3", respondent, "sat_tools", 2)]
        assert [row[3] for row in data["survey_responses"]] == ["payments-team"]
    finally:
        engine.dispose()


def test_a_respondent_answering_twice_counts_once_with_the_later_answers(
    tmp_path: Path, definition: SurveyDefinition
) -> None:
    rows = read_csv(SAMPLES / "microsoft-forms.csv")
    resubmitted = list(rows[1])
    resubmitted[0] = "7"
    resubmitted[7] = "Strongly agree"
    rows.append(resubmitted)
    file = write_csv(tmp_path / "forms.csv", rows)
    engine = duckdb_store(tmp_path, "store")
    try:
        report = run(engine, file, definition)
        assert (report.rows, report.superseded, report.responses) == (7, 1, 6)
        respondent = pseudonym(SECRET, "ana.garcia@example.com")
        with engine.connect() as conn:
            value = conn.execute(
                select(schema.survey_answers.c.value).where(
                    schema.survey_answers.c.respondent == respondent,
                    schema.survey_answers.c.item_id == "sat_tools",
                )
            ).scalar_one()
        assert value == 5
    finally:
        engine.dispose()


def test_a_quarter_keeps_one_wording(tmp_path: Path, definition: SurveyDefinition) -> None:
    engine = duckdb_store(tmp_path, "store")
    try:
        run(engine, SAMPLES / "typeform.long.csv", definition)
        before = stored(engine)
        reworded = dataclasses.replace(
            definition,
            items=tuple(
                dataclasses.replace(item, text="I feel burnt out") if item.id == "sat_burnout" else item
                for item in definition.items
            ),
        )
        with pytest.raises(
            SurveyImportError, match="item 'sat_burnout' of survey 'devex' was imported for 2026-Q3"
        ):
            run(engine, SAMPLES / "typeform.long.csv", reworded)
        assert stored(engine) == before
        run(engine, SAMPLES / "typeform.long.csv", reworded, quarter="2026-Q4")  # a new quarter may reword
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------------
# Privacy
# --------------------------------------------------------------------------------------------------


def test_no_stored_row_holds_a_name_an_email_or_free_text(
    tmp_path: Path, definition: SurveyDefinition
) -> None:
    engine = duckdb_store(tmp_path, "store")
    try:
        for number, (sample, _) in enumerate(NATIVE):
            used = qualtrics_codes_definition(definition) if sample == "qualtrics-codes" else definition
            run(engine, SAMPLES / f"{sample}.csv", used, quarter=f"{2020 + number}-Q1")
        run(engine, microsoft_forms_workbook(tmp_path / "forms.xlsx"), definition, quarter="2030-Q1")
        data = stored(engine)
    finally:
        engine.dispose()
    assert len(data["survey_responses"]) > 25
    texts = [str(value) for rows in data.values() for row in rows for value in row]
    for fragment in PERSONAL:
        assert not [text for text in texts if fragment.casefold() in text.casefold()], fragment
    for _, _, respondent, team, _ in data["survey_responses"]:
        assert re.fullmatch(r"[0-9a-f]{64}", respondent)
        assert team in set(TEAM_NAMES.values())


# --------------------------------------------------------------------------------------------------
# Reading: BOM, delimiters, detection, timestamps, bad files
# --------------------------------------------------------------------------------------------------


def test_bom_and_semicolons_are_read(tmp_path: Path, definition: SurveyDefinition) -> None:
    rows = read_csv(SAMPLES / "typeform.long.csv")
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    file = tmp_path / "semicolons.csv"
    file.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode())
    utf16 = tmp_path / "unicode-text.txt"
    tabbed = io.StringIO()
    csv.writer(tabbed, delimiter="\t").writerows(rows)
    utf16.write_bytes(tabbed.getvalue().encode("utf-16"))
    reference, semicolons, tabs = (duckdb_store(tmp_path, name) for name in ("a", "b", "c"))
    try:
        run(reference, SAMPLES / "typeform.long.csv", definition)
        run(semicolons, file, definition)
        run(tabs, utf16, definition)
        assert stored(semicolons) == stored(reference) == stored(tabs)
    finally:
        for engine in (reference, semicolons, tabs):
            engine.dispose()


@pytest.mark.parametrize(
    ("header", "fmt"),
    [
        (["respondent_id", "team", "submitted_at", "item_id", "answer"], "long"),
        (["Timestamp", "Email Address", "Which team are you on?"], "google-forms"),
        (["Marca temporal", "Which team are you on?"], "google-forms"),
        (["ID", "Start time", "Completion time", "Email", "Name", "Q"], "microsoft-forms"),
        (
            ["#", "Q", "Response Type", "Start Date (UTC)", "Submit Date (UTC)", "Network ID", "Tags"],
            "typeform",
        ),
        (
            ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Finished", "ResponseId", "Q1_1"],
            "qualtrics",
        ),
        (["name", "answer"], None),
        ([], None),
    ],
)
def test_formats_are_told_apart_by_their_header(header: list[str], fmt: str | None) -> None:
    assert detect_format(header) == fmt


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # US (Google Sheets, Microsoft Forms in en-US): month first.
        (
            ["7/14/2026 10:23:45", "8/2/2026 9:05:00"],
            [datetime(2026, 7, 14, 10, 23, 45), datetime(2026, 8, 2, 9, 5)],
        ),
        # UK: day first, told by a day over 12 anywhere in the column.
        (
            ["02/08/2026 09:05:00", "14/07/2026 10:23:45"],
            [datetime(2026, 8, 2, 9, 5), datetime(2026, 7, 14, 10, 23, 45)],
        ),
        # German: dotted, day first even when no day is over 12.
        (["02.08.2026 09:05:00"], [datetime(2026, 8, 2, 9, 5)]),
        # Google Forms' own download: zone written, converted to UTC; 12-hour clock.
        (["2026/07/14 12:05:12 AM GMT+2"], [datetime(2026, 7, 13, 22, 5, 12)]),
        (["2026/07/14 1:05:12 PM GMT-4:30"], [datetime(2026, 7, 14, 17, 35, 12)]),
        # Excel's short form, two-digit year, no seconds; ISO with an offset; blank.
        (
            ["7/14/26 10:23", "2026-07-14T10:23:45+01:00", ""],
            [datetime(2026, 7, 14, 10, 23), datetime(2026, 7, 14, 9, 23, 45), None],
        ),
    ],
)
def test_locale_timestamps(cells: list[str], expected: list[datetime | None]) -> None:
    table = Table(file="f.csv", header=("Timestamp",), rows=())
    parsed = parse_timestamps(table, "Timestamp", list(enumerate(cells, start=2)))
    assert list(parsed.values()) == expected


def test_mixed_day_and_month_first_is_an_error() -> None:
    table = Table(file="f.csv", header=("Timestamp",), rows=())
    with pytest.raises(SurveyImportError, match="mixes day-first and month-first"):
        parse_timestamps(table, "Timestamp", [(2, "14/07/2026 10:00"), (3, "07/14/2026 10:00")])


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        (b"", "auto", "the file is empty"),
        (b"\xff\xfe\xfa\x00garbage", "auto", "not UTF-16 text"),
        (b"Timestamp,Which team\n\x80\x81,x\n", "auto", "not UTF-8 text: byte 21 on line 2"),
        (b"name,answer\nann,4\n", "auto", "cannot tell the export format from the header"),
        (b'respondent_id,team,item_id,answer\n"r1,Orders,sat_tools,Agree\n', "long", "malformed CSV"),
        (
            b"#,Which team are you on?\nabc,Orders\n",
            "qualtrics",
            "a Qualtrics export has a ResponseId column",
        ),
        (b"respondent_id,team,item_id,answer\nr1,Orders,sat_tools,Agree\n", "spss", "unknown format 'spss'"),
        (b"PK\x03\x04not really a zip", "auto", "not a readable ZIP archive or .xlsx workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "auto", "an Excel 97-2003 .xls workbook"),
        (
            b"Timestamp,Which team are you on?\n1/1/2026 10:00,Orders\n",
            "auto",
            "no column asks item 'sat_tools'",
        ),
    ],
)
def test_malformed_files_are_import_errors(
    tmp_path: Path, definition: SurveyDefinition, content: bytes, fmt: str, message: str
) -> None:
    file = tmp_path / "export.csv"
    file.write_bytes(content)
    engine = duckdb_store(tmp_path, "store")
    try:
        with pytest.raises(SurveyImportError, match=re.escape(message)) as info:
            run(engine, file, definition, fmt=fmt)
        assert info.value.file == str(file)
        assert counts(engine)["survey_items"] == 0
    finally:
        engine.dispose()


def test_google_forms_zip_download_is_read(tmp_path: Path, definition: SurveyDefinition) -> None:
    # "Download responses (.csv)" in Google Forms gives a ZIP holding the CSV.
    archive = tmp_path / "Developer experience survey.csv.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.write(SAMPLES / "google-forms-email.csv", "Developer experience survey.csv")
    from_zip, from_csv = duckdb_store(tmp_path, "zip"), duckdb_store(tmp_path, "csv")
    try:
        assert run(from_zip, archive, definition).format == "google-forms"
        run(from_csv, SAMPLES / "google-forms-email.csv", definition)
        assert stored(from_zip) == stored(from_csv)
    finally:
        from_zip.dispose()
        from_csv.dispose()


def test_a_blank_team_answer_names_the_row(tmp_path: Path, definition: SurveyDefinition) -> None:
    rows = read_csv(SAMPLES / "typeform.csv")
    rows[4][1] = " "
    engine = duckdb_store(tmp_path, "store")
    try:
        with pytest.raises(SurveyImportError) as info:
            run(engine, write_csv(tmp_path / "typeform.csv", rows), definition)
        assert (info.value.row, info.value.column) == (5, "Which team are you on?")
        assert str(info.value).endswith("no answer to the team question")
    finally:
        engine.dispose()


def test_team_spellings_fold_and_refuse_a_spelling_of_two_teams() -> None:
    assert team_spellings({"order-team": ["Orders", " Order  Team "], "platform": []}) == {
        "order-team": "order-team",
        "orders": "order-team",
        "order team": "order-team",
        "platform": "platform",
    }
    with pytest.raises(ConfigError, match="'Orders' names both 'order-team' and 'payments-team'"):
        team_spellings({"order-team": ["Orders"], "payments-team": ["Orders"]})


def test_the_quarter_is_validated(tmp_path: Path, definition: SurveyDefinition) -> None:
    engine = duckdb_store(tmp_path, "store")
    try:
        with pytest.raises(SurveyImportError, match="the quarter must look like 2026-Q3"):
            run(engine, SAMPLES / "typeform.csv", definition, quarter="2026-Q5")
    finally:
        engine.dispose()


def test_an_empty_secret_is_a_configuration_error(tmp_path: Path, definition: SurveyDefinition) -> None:
    engine = duckdb_store(tmp_path, "store")
    try:
        with pytest.raises(ConfigError, match=r"surveys\.respondent_secret"):
            import_survey(
                engine, str(SAMPLES / "typeform.csv"), definition, quarter="2026-Q3", secret="", team_names={}
            )
        assert counts(engine)["survey_responses"] == 0
    finally:
        engine.dispose()


def test_every_format_name_is_accepted() -> None:
    assert FORMATS == ("long", "google-forms", "microsoft-forms", "typeform", "qualtrics")


# --------------------------------------------------------------------------------------------------
# Property: whatever the bytes, an import or an import error
# --------------------------------------------------------------------------------------------------

HEADERS = [
    ["respondent_id", "team", "submitted_at", "item_id", "answer"],
    ["Timestamp", "Email Address", "Which team are you on?", "I feel burned out from my work"],
    ["ID", "Start time", "Completion time", "Email", "Name", "Which team are you on?"],
    ["#", "Which team are you on?", "I feel burned out from my work", "Response Type", "Submit Date (UTC)"],
    ["StartDate", "Status", "Finished", "RecordedDate", "ResponseId", "Q10", "Q1_1"],
]
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "Orders",
            "Payments",
            "Growth",
            "r1",
            "sat_burnout",
            "sat_tools",
            "Agree",
            "Strongly disagree",
            "N/A",
            "3",
            "0",
            "99999999999999999999",
            "4.0",
            "1",
            "4",
            "completed",
            "partial",
            "2026-07-14 10:23:45",
            "14/07/2026 10:23",
            "7/14/2026 10:23:45 PM GMT+2",
            "99/99/2026 25:61",
            '{"ImportId":"recordedDate","timeZone":"Mars/Olympus"}',
            '{"ImportId":"QID1_1"}',
            "Which team are you on?",
            "Q - I feel burned out from my work",
            "ann@example.com",
            "anonymous",
            '"',
            "\n",
            "\x00",
        ]
    ),
    st.text(max_size=12),
)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    header = draw(st.one_of(st.sampled_from(HEADERS), st.lists(CELLS, min_size=1, max_size=6)))
    width = len(header)
    rows = draw(
        st.lists(
            st.one_of(
                st.lists(CELLS, min_size=width, max_size=width),
                st.lists(CELLS, min_size=0, max_size=width + 2),
            ),
            max_size=6,
        )
    )
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=draw(st.sampled_from([",", ";", "\t"]))).writerows([header, *rows])
    encoded = buffer.getvalue().encode("utf-8", "surrogatepass")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + encoded


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content=st.one_of(st.binary(max_size=400), csv_files()),
    fmt=st.sampled_from(["auto", *FORMATS]),
    suffix=st.sampled_from([".csv", ".xlsx", ".txt"]),
)
def test_any_input_either_imports_or_raises_the_import_error(content: bytes, fmt: str, suffix: str) -> None:
    definition = PROPERTY_DEFINITION
    with tempfile.TemporaryDirectory() as directory:
        file = Path(directory) / f"export{suffix}"
        file.write_bytes(content)
        engine = PROPERTY_STORE.engine()
        try:
            run(engine, file, definition, fmt=fmt)
        except SurveyImportError as error:
            assert error.file == str(file)


class _PropertyStore:
    """One DuckDB store for every example: opening a store per example would dominate the run."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._directory: tempfile.TemporaryDirectory[str] | None = None

    def engine(self) -> Engine:
        if self._engine is None:
            self._directory = tempfile.TemporaryDirectory()
            self._engine = open_store(f"duckdb:///{self._directory.name}/property.duckdb")
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        if self._directory is not None:
            self._directory.cleanup()


PROPERTY_STORE = _PropertyStore()
PROPERTY_DEFINITION = load_definition(DEFAULT_DEFINITION)


@pytest.fixture(scope="module", autouse=True)
def _close_property_store() -> Iterator[None]:
    yield
    PROPERTY_STORE.close()
