"""`doraspace survey import` and what follows it, audited for privacy (SPEC §7.3, §2, §8.3, and the project
rule "Survey data keeps no names, e-mails or free text").

A Google Forms export full of personal data (collected e-mail addresses, a name question, free-text
answers naming colleagues) goes through the CLI in-process, at a fixed instant; nothing of it may appear
on stdout or stderr, in ``survey scores`` (table, json, csv), in the HTML reports, or in any table of the
store. A refused import prints one line on stderr naming the file, row and column (SPEC §2, §7.3), and
must not repeat the e-mail or free text that made the row bad.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from doraspace.cli import main

NOW = datetime(2026, 10, 2, 12, 0, tzinfo=UTC)
SECRET_VARIABLE = "AUDIT_PRIVACY_CLI_SECRET"
TEAM = "Which team are you on?"
SAT_TOOLS = "I am satisfied with the tools and processes I use to do my work"
SAT_BURNOUT = "I feel burned out from my work"
COM_HELP = "It is easy to get help from other teams when my work depends on them"
HEADER = [
    "Timestamp",
    "Email Address",
    "What is your name?",
    TEAM,
    SAT_TOOLS,
    SAT_BURNOUT,
    COM_HELP,
    "What would you change?",
]
# (e-mail, name, team as typed, tools, burnout, help, free text)
PEOPLE = [
    ("Ana.Garcia@Example.com", "Ana García", "Orders", "Agree", "Disagree", "Agree", "Fire Bob Lindqvist"),
    (
        "bo.chen@example.com",
        "Bo Chen",
        " orders ",
        "Strongly agree",
        "Agree",
        "N/A",
        "ask ana.garcia@example.com",
    ),
    ("cy.diaz@example.com", "Cyrus Diaz", "Order team", "Disagree", "Strongly agree", "Disagree", ""),
    ("dee.ng@example.com", "Dee Ng", "Payments", "Agree", "Disagree", "Agree", "Priya Nair is great"),
    ("eli.moss@example.com", "Eli Moss", "payments", "Agree", "", "Strongly agree", "my phone 555-0199"),
    ("fay.ortiz@example.com", "Fay Ortiz", "PAYMENTS", "Neither agree nor disagree", "Agree", "Agree", ""),
]
PERSONAL = [
    "@",
    "example.com",
    "García",
    "Garcia",
    "Bo Chen",
    "Cyrus",
    "Diaz",
    "Dee Ng",
    "Eli Moss",
    "Ortiz",
    "Lindqvist",
    "Priya",
    "Nair",
    "555-0199",
    "Fire Bob",
]


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def export_rows(people: Sequence[tuple[str, ...]] = PEOPLE) -> list[list[str]]:
    rows = [list(HEADER)]
    for minute, (email, name, team, *rest) in enumerate(people):
        rows.append([f"7/14/2026 10:{minute:02d}:00", email, name, team, *rest])
    return rows


class Org:
    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.folder = folder
        self.capsys = capsys
        self.database = folder / "store.duckdb"
        self.config = folder / "doraspace.yaml"
        self.config.write_text(f"""
database:
  url: duckdb:///{self.database}
teams:
  - {{name: orders, headcount: 4, survey_names: [Orders, Order team]}}
  - {{name: payments, headcount: 5, survey_names: [Payments]}}
surveys:
  min_group_size: 3
  respondent_secret: ${{{SECRET_VARIABLE}}}
""")
        self.definition = folder / "devex.yaml"
        self.definition.write_text(f"""
survey: devex
scales:
  agree5: {{points: 5, favourable: [4, 5],
           labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree]}}
missing: ["I don't know", "N/A", "Not applicable", ""]
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{SAT_TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{SAT_BURNOUT}", dimension: satisfaction, scale: agree5, reverse: true}}
  - {{id: com_help, text: "{COM_HELP}", dimension: communication, scale: agree5}}
""")

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        words = 2 if args[0] == "survey" else 1  # --config goes after the (sub)command's name
        status = main([*args[:words], "--config", str(self.config), *args[words:]], now=NOW)
        captured = self.capsys.readouterr()
        return status, captured.out, captured.err

    def survey_import(self, file: Path) -> tuple[int, str, str]:
        return self.run(
            "survey", "import", str(file), "--definition", str(self.definition), "--quarter", "2026-Q3"
        )

    def stored_texts(self) -> list[str]:
        if not self.database.exists():
            return []
        connection = duckdb.connect(str(self.database), read_only=True)
        try:
            tables = [
                str(name)
                for (name,) in connection.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
                ).fetchall()
            ]
            return [
                str(value)
                for table in tables
                # Table names come from the catalogue just read, not from outside.
                for row in connection.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608
                for value in row
            ]
        finally:
            connection.close()


@pytest.fixture
def org(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Org:
    monkeypatch.setenv(SECRET_VARIABLE, "audit-privacy-cli-secret")
    return Org(tmp_path, capsys)


def leaks(texts: Sequence[str], fragments: Sequence[str] = PERSONAL) -> list[str]:
    folded = [text.casefold() for text in texts]
    return [fragment for fragment in fragments if any(fragment.casefold() in text for text in folded)]


def test_nothing_personal_in_import_output_scores_reports_or_store(org: Org) -> None:
    export = write_csv(org.folder / "devex.csv", export_rows())
    status, out, err = org.survey_import(export)
    assert status == 0, err
    # Six respondents; valid answers 3 + 2 + 3 + 3 + 2 + 3 = 16; missing: Bo's N/A and Eli's blank = 2.
    assert "6 respondents (6 new), 16 answers, 2 missing answers" in err
    assert leaks([out, err]) == []

    outputs = []
    for fmt in ("table", "json", "csv"):
        status, out, err = org.run("survey", "scores", "--format", fmt)
        assert status == 0, err
        outputs += [out, err]
    assert leaks(outputs) == []
    rows = json.loads(org.run("survey", "scores", "--format", "json")[1])
    # Both teams have 3 respondents ≥ 3: orders, payments and "*" are shown.
    assert {row["team"] for row in rows} == {"*", "orders", "payments"}
    orders = next(row for row in rows if (row["team"], row["dimension"]) == ("orders", "satisfaction"))
    # orders: tools 4, 5, 2 → 11/3 → 200/3; burnout (reverse) 2→4, 4→2, 5→1 → 7/3 → 100/3.
    # Score (200/3 + 100/3)/2 = 50; favourable: tools 4, 5 and burnout reversed 4 → 3 of 6.
    assert (orders["score"], orders["favourable"], orders["respondents"]) == (
        pytest.approx(50.0),
        pytest.approx(0.5),
        3,
    )

    reports = org.folder / "reports"
    status, out, err = org.run("report", "--out", str(reports))
    assert status == 0, err
    pages = [page.read_text(encoding="utf-8") for page in reports.rglob("*.html")]
    assert pages
    assert leaks([out, err, *pages]) == []
    assert leaks(org.stored_texts()) == []


BAD_ROWS = [
    # An unknown team typed as free text (a short-answer team question): row 3, the team column.
    (
        "team",
        ("jane.roe@example.com", "Jane Roe", "Jane Roe <jane.roe@example.com>", "Agree", "", "", ""),
        TEAM,
    ),
    # A choice question's "Other" option: the typed text lands in the item's own column, row 3.
    (
        "answer",
        ("jane.roe@example.com", "Jane Roe", "Orders", "Other: jane.roe@example.com", "", "", ""),
        SAT_TOOLS,
    ),
]


@pytest.mark.parametrize(("what", "person", "column"), BAD_ROWS, ids=[what for what, _, _ in BAD_ROWS])
def test_a_refused_import_prints_one_line_naming_row_and_column_and_no_personal_data(
    org: Org, what: str, person: tuple[str, ...], column: str
) -> None:
    export = write_csv(org.folder / "devex.csv", export_rows([PEOPLE[0], person, PEOPLE[2]]))
    status, out, err = org.survey_import(export)
    # SPEC §2: exit 2 on bad input, one line on stderr naming file, row and column; §7.3: nothing stored.
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert str(export) in err and "row 3" in err and f"column {column!r}" in err, err
    assert not org.database.exists()  # the first import: its store is not even created (§9)
    # The row's e-mail, name and typed text stay out of the error line.
    assert leaks([err], ["jane.roe", "@example.com", "Jane Roe"]) == [], err
