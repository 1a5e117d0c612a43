"""Survey import audit: privacy at import (SPEC §7.3, the project rule "Survey data keeps no names,
e-mails or free text") and the §7 rules where they meet the formats' row filters and the team question.

Each scenario writes a small export in the shape of one tool, full of what a real export carries about
people (e-mail, name, IP address, coordinates, hidden fields, device fingerprint, free-text answers),
imports it with ``import_survey`` and then reads **every table** of the DuckDB file with the ``duckdb``
module. Every expected value is worked out by hand in the comment above its assertion: pseudonyms are
computed here with ``hmac`` from the identifier SPEC §7.3 names for the format, scale points from the
labels' order, submission times from the written time and its zone.

SPEC sentences relied on:
* §7.3 "Names, e-mails, IP addresses and free text are not stored. A respondent is kept only as
  HMAC-SHA256(respondent_secret, identifier), the identifier being the e-mail where the export has one,
  else its response id (Qualtrics ResponseId, Typeform #, Microsoft Forms ID, long respondent_id, Google
  Forms row timestamp); re-importing the same file adds nothing. An import either stores every valid
  row or none, and a bad file gets an error naming the row and column."
* §7.2 Typeform "only completed responses"; Qualtrics "keep Finished = 1 and Status 0 or 4".
* §7.1 the team question "is found by its wording whatever kind of question asked it"; "an unknown team
  is an error naming the row"; "other free-text columns are never read".
* §2 "Errors are one clear line on stderr naming what is wrong and where (file, line/key, row/column)".
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine

from store.engine import open_store
from store.errors import SurveyImportError
from surveys.definition import SurveyDefinition, parse_definition
from surveys.importer import ImportReport, import_survey, team_spellings

# A non-ASCII secret: the HMAC key is the secret's UTF-8 bytes.
SECRET = "audit-privacy-clé-✓"
Q3 = "2026-Q3"
TEAM = "Which team are you on?"
SAT_TOOLS = "I am satisfied with the tools and processes I use to do my work"
SAT_BURNOUT = "I feel burned out from my work"
COM_HELP = "It is easy to get help from other teams when my work depends on them"
GRID = "How much do you agree with each statement?"
MATRIX = "Please rate how much you agree with each statement about your work."
NEITHER = "Neither agree nor disagree"
LONG_HEADER = ["respondent_id", "team", "submitted_at", "item_id", "answer"]
TEAM_NAMES = team_spellings({"orders": ["Orders", "Order team"], "payments": ["Payments"]})

# Scale agree5: Strongly disagree 1, Disagree 2, Neither 3, Agree 4, Strongly agree 5.
DEFINITION = f"""
survey: devex
scales:
  agree5: {{points: 5, labels: [Strongly disagree, Disagree, {NEITHER}, Agree, Strongly agree],
           favourable: [4, 5]}}
missing: ["I don't know", "N/A", "Not applicable", ""]
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{SAT_TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{SAT_BURNOUT}", dimension: satisfaction, scale: agree5, reverse: true}}
  - {{id: com_help, text: "{COM_HELP}", dimension: communication, scale: agree5}}
"""


def survey() -> SurveyDefinition:
    return parse_definition(DEFINITION)


def expected_pseudonym(identifier: str) -> str:
    """HMAC-SHA256(respondent_secret, identifier), hex, worked out here (SPEC §7.3)."""
    return hmac.new(SECRET.encode("utf-8"), identifier.encode("utf-8"), hashlib.sha256).hexdigest()


def write_csv(path: Path, rows: Sequence[Sequence[str]], *, bom: bool = False) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig" if bom else "utf-8")
    return path


class Store:
    """A DuckDB file: imported into through SQLAlchemy, read back whole with the ``duckdb`` module."""

    def __init__(self, folder: Path, name: str = "store") -> None:
        self.path = folder / f"{name}.duckdb"
        self.engine: Engine = open_store(f"duckdb:///{self.path}")

    def run(self, file: Path, *, fmt: str = "auto") -> ImportReport:
        return import_survey(
            self.engine, file, survey(), quarter=Q3, fmt=fmt, secret=SECRET, team_names=TEAM_NAMES
        )

    def _query(self, sql: str) -> list[tuple[object, ...]]:
        # DuckDB has one writer per file: let go of the SQLAlchemy pool while reading directly.
        self.engine.dispose()
        connection = duckdb.connect(str(self.path), read_only=True)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    def dump(self) -> dict[str, list[tuple[object, ...]]]:
        """Every row of every table of the file, as stored."""
        tables = [
            str(name)
            for (name,) in self._query(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
                "ORDER BY table_name"
            )
        ]
        # Table names come from the catalogue just read, not from outside.
        return {
            table: sorted(self._query(f'SELECT * FROM "{table}"'), key=repr)  # noqa: S608
            for table in tables
        }

    def responses(self) -> dict[str, tuple[str, datetime | None]]:
        rows = self._query("SELECT respondent, team, submitted_at FROM survey_responses")
        return {str(respondent): (str(team), at) for respondent, team, at in rows}  # type: ignore[misc]

    def answers(self) -> dict[tuple[str, str], int]:
        rows = self._query("SELECT respondent, item_id, value FROM survey_answers")
        return {(str(respondent), str(item)): int(value) for respondent, item, value in rows}  # type: ignore[call-overload]

    def survey_counts(self) -> tuple[int, int, int]:
        (counts,) = self._query(
            "SELECT (SELECT count(*) FROM survey_items), (SELECT count(*) FROM survey_responses), "
            "(SELECT count(*) FROM survey_answers)"
        )
        return int(counts[0]), int(counts[1]), int(counts[2])  # type: ignore[call-overload]

    def distinct_keys(self) -> tuple[int, int]:
        (counts,) = self._query(
            "SELECT (SELECT count(*) FROM (SELECT DISTINCT survey, quarter, respondent"
            " FROM survey_responses)), (SELECT count(*) FROM (SELECT DISTINCT survey, quarter,"
            " respondent, item_id FROM survey_answers))"
        )
        return int(counts[0]), int(counts[1])  # type: ignore[call-overload]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    made = Store(tmp_path)
    try:
        yield made
    finally:
        made.engine.dispose()


def leaks(texts: Sequence[str], fragments: Sequence[str]) -> list[str]:
    """The fragments found (case-insensitively) in any of ``texts``."""
    folded = [text.casefold() for text in texts]
    return [fragment for fragment in fragments if any(fragment.casefold() in text for text in folded)]


def dump_texts(dump: dict[str, list[tuple[object, ...]]]) -> list[str]:
    return [str(value) for rows in dump.values() for row in rows for value in row]


def import_twice_and_check_privacy(
    store: Store, file: Path, fragments: Sequence[str], caplog: pytest.LogCaptureFixture
) -> tuple[ImportReport, ImportReport]:
    """Import ``file`` twice (logs captured at DEBUG): nothing personal in any table or log record, and
    the second import adds nothing (SPEC §7.3)."""
    caplog.set_level(logging.DEBUG)
    first = store.run(file)
    dump = store.dump()
    assert dump["survey_responses"], "nothing stored"
    assert leaks(dump_texts(dump), fragments) == []
    second = store.run(file)
    assert second.new_responses == 0
    assert store.dump() == dump
    # ARCHITECTURE example 5: row count == distinct key count after two loads.
    _, responses, answers = store.survey_counts()
    assert (responses, answers) == store.distinct_keys()
    logged = [record.getMessage() for record in caplog.records]
    assert leaks(logged, fragments) == []
    for report in (first, second):
        assert leaks([repr(report)], fragments) == []
    return first, second


# ==================================================================================================
# 1. One export full of personal data per format: every table of the store is free of it, and the
#    respondent is HMAC(secret, identifier) with the identifier SPEC §7.3 names for that format.
# ==================================================================================================


def test_google_forms_with_email_name_and_free_text_stores_only_pseudonyms(
    tmp_path: Path, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    header = [
        "Timestamp",
        "Email Address",
        "What is your name? (optional)",
        TEAM,
        f"{GRID} [{SAT_TOOLS}]",
        f"{GRID} [{SAT_BURNOUT}]",
        COM_HELP,
        "Anything else you would like to share?",
    ]
    rows = [
        header,
        [
            "2026/07/14 9:05:12 AM GMT+2",
            " Ana.Garcia@Example.com ",
            "Ana García",
            " ORDERS ",
            "Agree",
            "Strongly disagree",
            "N/A",
            "Ask rafael.oduya@example.com; Bob Lindqvist blocks reviews",
        ],
        [
            "2026/07/14 9:07:40 AM GMT+2",
            "bo.chen@example.com",
            "Bo Chen",
            "order team",
            "Strongly agree",
            "I don't know",
            "Disagree",
            "Call me on +44 20 7946 0958",
        ],
        [
            "2026/07/14 1:15:00 PM GMT+2",
            "CY.DIAZ@EXAMPLE.COM",
            "Cyrus Diaz",
            "Payments",
            "Disagree",
            "Agree",
            "Agree",
            "",
        ],
    ]
    file = write_csv(tmp_path / "google.csv", rows, bom=True)
    personal = [
        "@",
        "example.com",
        "García",
        "Garcia",
        "Bo Chen",
        "Cyrus",
        "Diaz",
        "Lindqvist",
        "blocks reviews",
        "7946",
        "Call me",
        "oduya",
    ]
    first, _ = import_twice_and_check_privacy(store, file, personal, caplog)
    assert (first.format, first.rows, first.responses, first.new_responses) == ("google-forms", 3, 3, 3)
    ana = expected_pseudonym("ana.garcia@example.com")
    bo = expected_pseudonym("bo.chen@example.com")
    cy = expected_pseudonym("cy.diaz@example.com")
    # The e-mail is the identifier (trimmed, compared without case: SPEC is silent on case; see the
    # report); times "h:mm:ss AM GMT+2" → UTC two hours earlier; teams are the configured names.
    assert store.responses() == {
        ana: ("orders", datetime(2026, 7, 14, 7, 5, 12)),
        bo: ("orders", datetime(2026, 7, 14, 7, 7, 40)),
        cy: ("payments", datetime(2026, 7, 14, 11, 15, 0)),
    }
    # Points before reversing; "N/A" and "I don't know" are missing: no row.
    assert store.answers() == {
        (ana, "sat_tools"): 4,
        (ana, "sat_burnout"): 1,
        (bo, "sat_tools"): 5,
        (bo, "com_help"): 2,
        (cy, "sat_tools"): 2,
        (cy, "sat_burnout"): 4,
        (cy, "com_help"): 4,
    }


def test_microsoft_forms_with_email_name_and_free_text_stores_only_pseudonyms(
    tmp_path: Path, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    header = [
        "ID",
        "Start time",
        "Completion time",
        "Email",
        "Name",
        "Last modified time",
        TEAM,
        SAT_TOOLS,
        SAT_BURNOUT,
        COM_HELP,
        "Any other comments?",
    ]
    rows = [
        header,
        [
            "1",
            "7/14/2026 10:20:01",
            "7/14/2026 10:23:45",
            "Ana.Garcia@Example.com",
            "Ana García",
            "",
            "Orders",
            "Strongly agree",
            "Disagree",
            "Agree",
            "Hugo Patel shouts in stand-ups",
        ],
        [
            "2",
            "7/14/2026 10:22:30",
            "7/14/2026 10:29:02",
            "anonymous",
            "",
            "",
            "payments ",
            "Disagree",
            "Strongly agree",
            "",
            "my number is 555-0142",
        ],
        [
            "3",
            "7/14/2026 11:00:00",
            "7/14/2026 11:05:00",
            " BEN.OKAFOR@example.COM ",
            "Ben Okafor",
            "",
            "Order team",
            "N/A",
            NEITHER,
            "Strongly disagree",
            "",
        ],
    ]
    file = write_csv(tmp_path / "forms.csv", rows)
    personal = ["@", "example.com", "García", "Garcia", "Okafor", "Hugo", "Patel", "shouts", "555-0142"]
    first, _ = import_twice_and_check_privacy(store, file, personal, caplog)
    assert (first.format, first.responses) == ("microsoft-forms", 3)
    ana = expected_pseudonym("ana.garcia@example.com")
    anonymous = expected_pseudonym("2")  # "anonymous" is no e-mail: the response ID
    ben = expected_pseudonym("ben.okafor@example.com")
    # Completion time, US month-first, no zone (UTC).
    assert store.responses() == {
        ana: ("orders", datetime(2026, 7, 14, 10, 23, 45)),
        anonymous: ("payments", datetime(2026, 7, 14, 10, 29, 2)),
        ben: ("orders", datetime(2026, 7, 14, 11, 5, 0)),
    }
    assert store.answers() == {
        (ana, "sat_tools"): 5,
        (ana, "sat_burnout"): 2,
        (ana, "com_help"): 4,
        (anonymous, "sat_tools"): 2,
        (anonymous, "sat_burnout"): 5,
        (ben, "sat_burnout"): 3,
        (ben, "com_help"): 1,
    }


def test_typeform_with_hidden_fields_network_id_and_an_email_question_stores_only_pseudonyms(
    tmp_path: Path, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    header = [
        "#",
        TEAM,
        SAT_TOOLS,
        SAT_BURNOUT,
        COM_HELP,
        "What is your work e-mail?",
        "Anything you want to add?",
        "email",  # hidden fields, titled by their names
        "name",
        "employee_id",
        "Response Type",
        "Start Date (UTC)",
        "Stage Date (UTC)",
        "Submit Date (UTC)",
        "Network ID",
        "Tags",
    ]
    rows = [
        header,
        [
            "tf0a1b2c3d4e5f6a7b8c",
            "Orders",
            "4",
            "2",
            "Strongly agree",
            "gita.rossi@example.com",
            "Gita Rossi wants fewer meetings",
            "gita.rossi@example.com",
            "Gita Rossi",
            "E-10442",
            "completed",
            "2026-07-14 08:00:01",
            "",
            "2026-07-14 08:04:31",
            "a8c2f0e1d9",
            "",
        ],
        [
            "tf9z8y7x6w5v4u3t2s1r",
            "Orders",
            "Agree",
            "",
            "",
            "frank.kim@example.com",
            "Frank Kim here",
            "frank.kim@example.com",
            "Frank Kim",
            "E-20931",
            "partial",
            "2026-07-14 08:10:00",
            "2026-07-14 08:10:00",
            "",
            "b7d3e9f1c2",
            "",
        ],
        [
            "tfq1w2e3r4t5y6u7i8o9",
            "PAYMENTS",
            "Strongly disagree",
            "Agree",
            "N/A",
            "hugo.lee@example.com",
            "",
            "hugo.lee@example.com",
            "Hugo Lee",
            "E-31337",
            "completed",
            "2026-07-14 09:00:00",
            "",
            "2026-07-14 09:03:00",
            "c4e5f6a7b8",
            "vip-list",
        ],
    ]
    file = write_csv(tmp_path / "typeform.csv", rows)
    personal = [
        "@",
        "example.com",
        "Gita",
        "Rossi",
        "Frank",
        "Hugo",
        "E-10442",
        "E-20931",
        "E-31337",
        "a8c2f0e1d9",
        "b7d3e9f1c2",
        "c4e5f6a7b8",
        "fewer meetings",
        "tf0a1b2c3d4e5f6a7b8c",
        "tf9z8y7x6w5v4u3t2s1r",
        "tfq1w2e3r4t5y6u7i8o9",
        "vip-list",
    ]
    first, _ = import_twice_and_check_privacy(store, file, personal, caplog)
    # Only completed responses (SPEC §7.2): the partial one is skipped and nothing of it stored.
    assert (first.format, first.responses, first.skipped) == ("typeform", 2, 1)
    # SPEC §7.3 names the Typeform identifier: "#". An e-mail question or hidden field is no export
    # e-mail column (SPEC is silent on it; see the report).
    gita = expected_pseudonym("tf0a1b2c3d4e5f6a7b8c")
    hugo = expected_pseudonym("tfq1w2e3r4t5y6u7i8o9")
    assert store.responses() == {
        gita: ("orders", datetime(2026, 7, 14, 8, 4, 31)),
        hugo: ("payments", datetime(2026, 7, 14, 9, 3, 0)),
    }
    # Opinion-scale numbers are points ("4", "2"); labels by their order.
    assert store.answers() == {
        (gita, "sat_tools"): 4,
        (gita, "sat_burnout"): 2,
        (gita, "com_help"): 5,
        (hugo, "sat_tools"): 1,
        (hugo, "sat_burnout"): 4,
    }


QUALTRICS_IDS = [
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
    "DistributionChannel",
    "UserLanguage",
    "Q1_1",
    "Q1_2",
    "Q1_3",
    "Q10",
    "Q10_4_TEXT",
    "Q9_TEXT",
]
QUALTRICS_WORDS = [
    "Start Date",
    "End Date",
    "Response Type",
    "IP Address",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "Recorded Date",
    "Response ID",
    "Recipient Last Name",
    "Recipient First Name",
    "Recipient Email",
    "External Data Reference",
    "Location Latitude",
    "Location Longitude",
    "Distribution Channel",
    "User Language",
    f"{MATRIX} - {SAT_TOOLS}",
    f"{MATRIX} - {SAT_BURNOUT}",
    f"{MATRIX} - {COM_HELP}",
    f"{TEAM} - Selected Choice",
    f"{TEAM} - Other (please specify) - Text",
    "Is there anything else you would like to share?",
]


def qualtrics_import_ids(zone: str) -> list[str]:
    dated = ("startDate", "endDate", "recordedDate")
    plain = [
        "startDate",
        "endDate",
        "status",
        "ipAddress",
        "progress",
        "duration",
        "finished",
        "recordedDate",
        "_recordId",
        "recipientLastName",
        "recipientFirstName",
        "recipientEmail",
        "externalDataReference",
        "locationLatitude",
        "locationLongitude",
        "distributionChannel",
        "userLanguage",
        "QID1_1",
        "QID1_2",
        "QID1_3",
        "QID10",
        "QID10_4_TEXT",
        "QID9_TEXT",
    ]
    return [
        f'{{"ImportId":"{name}","timeZone":"{zone}"}}' if name in dated else f'{{"ImportId":"{name}"}}'
        for name in plain
    ]


def qualtrics_rows(
    body: Sequence[tuple[Sequence[str], Sequence[str], Sequence[str]]], *, zone: str = "America/Denver"
) -> list[list[str]]:
    """``body``: per response three parts: (Status, IP, Finished, RecordedDate, ResponseId), (last name,
    first name, e-mail, external reference, latitude, longitude, channel), (tools, burnout, help, team
    choice, other text, free text)."""
    rows = [list(QUALTRICS_IDS), list(QUALTRICS_WORDS), qualtrics_import_ids(zone)]
    for (status, ip, finished, recorded, response_id), details, answers in body:
        progress = "100" if finished in ("1", "True") else "40"
        rows.append([recorded, recorded, status, ip, progress, "312", finished, recorded, response_id])
        rows[-1] += [*details, "EN", *answers]
    return rows


def test_qualtrics_with_recipient_ip_location_and_text_entries_stores_only_pseudonyms(
    tmp_path: Path, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    person = ("Smith", "John", "John.Smith@Example.com", "EMP-4471", "39.7392", "-104.9903", "email")
    nobody = ("", "", "", "", "40.0150", "-105.2705", "anonymous")
    body = [
        (
            ("0", "198.51.100.23", "1", "2026-07-14 08:12:40", "R_1aaaaaaaaaaaaaa"),
            person,
            ("Agree", "Disagree", "Strongly agree", "Orders", "", "Jane in payments is great"),
        ),
        (
            ("0", "198.51.100.77", "1", "2026-07-14 09:00:00", "R_2bbbbbbbbbbbbbb"),
            nobody,
            (
                "Strongly disagree",
                "Strongly agree",
                "N/A",
                "Other (please specify)",
                " payments ",
                "Priya Nair",
            ),
        ),
        # A preview (Status 1) and an unfinished response: no responses, nothing of them stored.
        (
            ("1", "198.51.100.99", "1", "2026-07-14 09:30:00", "R_preview00000001"),
            ("Testperson", "Tess", "tess.testperson@example.com", "EMP-9", "1.1", "2.2", "preview"),
            ("Agree", "", "", "Orders", "", "preview comment by Tess"),
        ),
        (
            ("0", "198.51.100.42", "0", "2026-07-14 09:45:00", "R_4ddddddddddddddd"),
            ("Lundgren", "Maja", "maja.lundgren@example.com", "EMP-77", "3.3", "4.4", "email"),
            ("Disagree", "", "", "Payments", "", "Maja did not finish"),
        ),
        (
            ("4", "198.51.100.5", "1", "2026-07-15 10:00:00", "R_3cccccccccccccc"),
            nobody,
            (NEITHER, "", "Disagree", "Order team", "", ""),
        ),
    ]
    file = write_csv(tmp_path / "qualtrics.csv", qualtrics_rows(body))
    personal = [
        "@",
        "example.com",
        "Smith",
        "John",
        "198.51.100",
        "39.7392",
        "104.9903",
        "40.015",
        "105.2705",
        "EMP-",
        "Jane in payments",
        "Priya",
        "Nair",
        "Tess",
        "Maja",
        "Lundgren",
        "R_1aaaa",
        "R_2bbbb",
        "R_3cccc",
        "R_4dddd",
        "R_preview",
    ]
    first, _ = import_twice_and_check_privacy(store, file, personal, caplog)
    assert (first.format, first.responses, first.skipped) == ("qualtrics", 3, 2)
    john = expected_pseudonym("john.smith@example.com")  # RecipientEmail where there is one
    other = expected_pseudonym("R_2bbbbbbbbbbbbbb")  # else ResponseId
    imported = expected_pseudonym("R_3cccccccccccccc")
    # RecordedDate in America/Denver (MDT in July, UTC−6) → UTC six hours later.
    assert store.responses() == {
        john: ("orders", datetime(2026, 7, 14, 14, 12, 40)),
        other: ("payments", datetime(2026, 7, 14, 15, 0, 0)),
        imported: ("orders", datetime(2026, 7, 15, 16, 0, 0)),
    }
    assert store.answers() == {
        (john, "sat_tools"): 4,
        (john, "sat_burnout"): 2,
        (john, "com_help"): 5,
        (other, "sat_tools"): 1,
        (other, "sat_burnout"): 5,
        (imported, "sat_tools"): 3,
        (imported, "com_help"): 2,
    }


def test_long_format_with_extra_identity_columns_stores_only_pseudonyms(
    tmp_path: Path, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    header = [*LONG_HEADER, "name", "email", "comment"]
    pii = ["Olga Petrova", "olga.petrova@example.com", "Olga hates the VPN"]
    rows = [
        header,
        ["resp-001", "Orders", "2026-07-14T08:00:00", "sat_tools", "Agree", *pii],
        ["resp-001", "orders", "2026-07-14T08:00:00", "com_help", "Not applicable", *pii],
        [" resp-002 ", "Payments", "", "sat_burnout", "strongly   AGREE", "", "", "see ticket by Ivo Brandt"],
    ]
    file = write_csv(tmp_path / "long.csv", rows)
    first, _ = import_twice_and_check_privacy(
        store, file, ["@", "Olga", "Petrova", "VPN", "Ivo", "Brandt", "resp-00"], caplog
    )
    assert (first.format, first.responses) == ("long", 2)
    one, two = expected_pseudonym("resp-001"), expected_pseudonym("resp-002")
    assert store.responses() == {one: ("orders", datetime(2026, 7, 14, 8, 0, 0)), two: ("payments", None)}
    assert store.answers() == {(one, "sat_tools"): 4, (two, "sat_burnout"): 5}


# ==================================================================================================
# 2. The e-mail as identifier, written differently in a later export: one respondent, replaced
# ==================================================================================================


def email_export(tool: str, folder: Path, email: str, tools: str) -> Path:
    """One response by ``email`` on Orders in the shape of ``tool``."""
    if tool == "google-forms":
        rows = [["Timestamp", "Email Address", TEAM, SAT_TOOLS, SAT_BURNOUT, COM_HELP]]
        rows.append(["7/14/2026 10:00:00", email, "Orders", tools, "", ""])
    elif tool == "microsoft-forms":
        rows = [
            ["ID", "Start time", "Completion time", "Email", "Name", TEAM, SAT_TOOLS, SAT_BURNOUT, COM_HELP]
        ]
        rows.append(
            ["5", "7/14/2026 9:58:00", "7/14/2026 10:00:00", email, "Ana García", "Orders", tools, "", ""]
        )
    else:
        person = ("García", "Ana", email, "", "", "", "email")
        meta = ("0", "198.51.100.8", "1", "2026-07-14 10:00:00", "R_anaaaaaaaaaaaaa")
        body = [(meta, person, (tools, "", "", "Orders", "", ""))]
        rows = qualtrics_rows(body, zone="UTC")
    return write_csv(folder / f"{tool}-{len(list(folder.iterdir()))}.csv", rows)


@pytest.mark.parametrize("tool", ["google-forms", "microsoft-forms", "qualtrics"])
def test_a_later_export_with_the_email_in_another_case_and_spacing_replaces_the_respondent(
    tmp_path: Path, store: Store, tool: str
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    first = store.run(email_export(tool, exports, "Ana.Garcia@Example.COM", "Agree"))
    assert first.new_responses == 1
    later = email_export(tool, exports, "  ana.garcia@EXAMPLE.com\t", "Disagree")
    report = store.run(later)
    # The same e-mail address: the same person, so the later export replaces the answer (2 = Disagree)
    # and adds nobody; importing it again adds nothing either.
    assert (report.responses, report.new_responses) == (1, 0)
    ana = expected_pseudonym("ana.garcia@example.com")
    assert set(store.responses()) == {ana}
    assert store.answers() == {(ana, "sat_tools"): 2}
    assert store.run(later).new_responses == 0
    assert store.survey_counts() == (3, 1, 1)


# ==================================================================================================
# 3. A refused import's error line names row and column, and echoes no e-mail, name or free text
# ==================================================================================================

TYPED = "Jane Roe <jane.roe@example.com>"


def unknown_team_export(tool: str, folder: Path) -> tuple[Path, int, str]:
    """An export whose one response types ``TYPED`` as its team; (file, row, column) of that answer."""
    if tool == "google-forms":
        rows = [
            ["Timestamp", TEAM, SAT_TOOLS, SAT_BURNOUT, COM_HELP],
            ["14/07/2026 10:00:00", "Orders", "Agree", "", ""],
            ["14/07/2026 10:00:05", TYPED, "Agree", "", ""],
        ]
        return write_csv(folder / "google.csv", rows), 3, TEAM
    if tool == "microsoft-forms":
        rows = [
            ["ID", "Start time", "Completion time", "Email", "Name", TEAM, SAT_TOOLS, SAT_BURNOUT, COM_HELP],
            ["1", "7/14/2026 10:00:00", "7/14/2026 10:01:00", "anonymous", "", "Orders", "Agree", "", ""],
            ["2", "7/14/2026 10:00:00", "7/14/2026 10:02:00", "anonymous", "", TYPED, "Agree", "", ""],
        ]
        return write_csv(folder / "forms.csv", rows), 3, TEAM
    if tool == "typeform":
        meta = ["Response Type", "Start Date (UTC)", "Submit Date (UTC)", "Network ID"]
        rows = [
            ["#", TEAM, SAT_TOOLS, SAT_BURNOUT, COM_HELP, *meta],
            # A partial response typing another unknown team: skipped, so not the row the error names.
            ["tokp", "Growth squad", "Agree", "", "", "partial", "2026-07-14 08:00:00", "", "n0"],
            ["tok1", TYPED, "Agree", "", "", "completed", "2026-07-14 08:00:00", "2026-07-14 08:01:00", "n1"],
        ]
        return write_csv(folder / "typeform.csv", rows), 3, TEAM
    if tool == "qualtrics":
        nobody = ("", "", "", "", "", "", "anonymous")
        body = [
            (  # preview: skipped
                ("1", "198.51.100.1", "1", "2026-07-14 08:00:00", "R_preview"),
                nobody,
                ("Agree", "", "", "Other (please specify)", "Growth squad", ""),
            ),
            (
                ("0", "198.51.100.2", "1", "2026-07-14 08:00:00", "R_typed"),
                nobody,
                ("Agree", "", "", "Other (please specify)", TYPED, ""),
            ),
        ]
        # Header rows 1–3, the preview at row 4, the typed team at row 5; the team question is Q10.
        return write_csv(folder / "qualtrics.csv", qualtrics_rows(body, zone="UTC")), 5, "Q10"
    rows = [LONG_HEADER, ["r1", "Orders", "", "sat_tools", "Agree"], ["r2", TYPED, "", "sat_tools", "Agree"]]
    return write_csv(folder / "long.csv", rows), 3, "team"


@pytest.mark.parametrize("tool", ["google-forms", "microsoft-forms", "typeform", "qualtrics", "long"])
def test_an_unknown_typed_team_is_refused_naming_row_and_column_without_echoing_it(
    tmp_path: Path, store: Store, tool: str
) -> None:
    file, row, column = unknown_team_export(tool, tmp_path)
    with pytest.raises(SurveyImportError) as refused:
        store.run(file)
    error = refused.value
    # SPEC §7.1: an unknown team is an error naming the row; §7.3: ... naming the row and column.
    assert (error.file, error.row, error.column) == (str(file), row, column)
    assert "team" in str(error)
    # SPEC §7.3 / project rule: the team answer was typed (free text) and holds a name and an e-mail;
    # the error line (printed on stderr, kept in CI logs and cron mail) must not repeat it.
    assert leaks([str(error)], ["jane.roe", "@example.com", "Jane Roe"]) == [], str(error)
    assert store.survey_counts() == (0, 0, 0)


def free_text_answer_export(tool: str, folder: Path) -> tuple[Path, int, str]:
    """An export whose item answer is typed free text (a choice question's "Other" option writes the
    typed text in the question's own column in these tools); (file, row, column) of that answer."""
    typed = "Other: ask jane.roe@example.com, Jane Roe"
    if tool == "google-forms":
        rows = [
            ["Timestamp", TEAM, SAT_TOOLS, SAT_BURNOUT, COM_HELP],
            ["14/07/2026 10:00:00", "Orders", "Agree", "", "Agree"],
            ["14/07/2026 10:00:05", "Orders", "Agree", "", typed],
        ]
        return write_csv(folder / "google.csv", rows), 3, COM_HELP
    if tool == "microsoft-forms":
        rows = [
            ["ID", "Start time", "Completion time", "Email", "Name", TEAM, SAT_TOOLS, SAT_BURNOUT, COM_HELP],
            ["1", "7/14/2026 10:00:00", "7/14/2026 10:01:00", "anonymous", "", "Orders", typed, "", ""],
        ]
        return write_csv(folder / "forms.csv", rows), 2, SAT_TOOLS
    if tool == "typeform":
        meta = ["Response Type", "Start Date (UTC)", "Submit Date (UTC)", "Network ID"]
        rows = [
            ["#", TEAM, SAT_TOOLS, SAT_BURNOUT, COM_HELP, *meta],
            [
                "tok1",
                "Orders",
                "",
                typed,
                "",
                "completed",
                "2026-07-14 08:00:00",
                "2026-07-14 08:01:00",
                "n1",
            ],
        ]
        return write_csv(folder / "typeform.csv", rows), 2, SAT_BURNOUT
    rows = [LONG_HEADER, ["r1", "Orders", "", "sat_tools", "Agree"], ["r1", "Orders", "", "com_help", typed]]
    return write_csv(folder / "long.csv", rows), 3, "answer"


@pytest.mark.parametrize("tool", ["google-forms", "microsoft-forms", "typeform", "long"])
def test_a_free_text_item_answer_is_refused_naming_row_and_column_without_echoing_it(
    tmp_path: Path, store: Store, tool: str
) -> None:
    file, row, column = free_text_answer_export(tool, tmp_path)
    with pytest.raises(SurveyImportError) as refused:
        store.run(file)
    error = refused.value
    assert (error.file, error.row, error.column) == (str(file), row, column)
    assert leaks([str(error)], ["jane.roe", "@example.com", "Jane Roe"]) == [], str(error)
    assert store.survey_counts() == (0, 0, 0)


# ==================================================================================================
# 4. The team question found by its wording, asked as a Qualtrics text entry under a renamed export
#    tag, with a matrix, a reverse item and missing labels
# ==================================================================================================


def test_qualtrics_text_entry_team_under_a_renamed_tag_with_matrix_reverse_and_missing(
    tmp_path: Path, store: Store
) -> None:
    ids = ["StartDate", "EndDate", "Status", "Finished", "RecordedDate", "ResponseId", "RecipientEmail"]
    ids += ["Dept", "Q2_1", "Q2_2", "Q2_3", "Q9_TEXT"]
    words = ["Start Date", "End Date", "Response Type", "Finished", "Recorded Date", "Response ID"]
    words += ["Recipient Email", TEAM, f"{MATRIX} - {SAT_TOOLS}", f"{MATRIX} - {SAT_BURNOUT}"]
    words += [f"{MATRIX} - {COM_HELP}", "Anything else?"]
    imports = [
        '{"ImportId":"startDate","timeZone":"UTC"}',
        '{"ImportId":"endDate","timeZone":"UTC"}',
        '{"ImportId":"status"}',
        '{"ImportId":"finished"}',
        '{"ImportId":"recordedDate","timeZone":"UTC"}',
        '{"ImportId":"_recordId"}',
        '{"ImportId":"recipientEmail"}',
        '{"ImportId":"QID7_TEXT"}',  # the team question: a text entry whose export tag was renamed
        '{"ImportId":"QID2_1"}',
        '{"ImportId":"QID2_2"}',
        '{"ImportId":"QID2_3"}',
        '{"ImportId":"QID9_TEXT"}',
    ]
    stamp = "2026-07-14 08:00:00"
    body = [
        ("R_1", "", "  the orders TEAM ", "agree", "STRONGLY DISAGREE", "not applicable", "Orders rock"),
        ("R_2", "", "Order Team", "Strongly agree", "i don't know", "Disagree", ""),
        ("R_3", "", "payments", "disagree", "Agree", "Agree", "payments"),
    ]
    rows = [ids, words, imports]
    rows += [[stamp, stamp, "0", "1", stamp, rid, email, *rest] for rid, email, *rest in body]
    file = write_csv(tmp_path / "qualtrics.csv", rows)
    # "the orders team" is none of orders' spellings (orders, Orders, Order team): an unknown team, row 4.
    with pytest.raises(SurveyImportError) as refused:
        store.run(file)
    assert (refused.value.row, refused.value.column) == (4, "Dept")
    rows[3][7] = "  ORDERS "
    report = store.run(write_csv(tmp_path / "qualtrics.csv", rows))
    # Valid answers: R_1 two, R_2 two, R_3 three = 7; "not applicable" and "i don't know" leave: 2.
    assert (report.responses, report.answers, report.missing_answers) == (3, 7, 2)
    one, two, three = (expected_pseudonym(f"R_{n}") for n in (1, 2, 3))
    assert {key: team for key, (team, _) in store.responses().items()} == {
        one: "orders",
        two: "orders",
        three: "payments",
    }
    # Values are the points answered, before reversing (the reverse applies when scoring).
    assert store.answers() == {
        (one, "sat_tools"): 4,
        (one, "sat_burnout"): 1,
        (two, "sat_tools"): 5,
        (two, "com_help"): 2,
        (three, "sat_tools"): 2,
        (three, "sat_burnout"): 4,
        (three, "com_help"): 4,
    }


# ==================================================================================================
# 5. All or nothing × the formats' own row filters: rows that are no responses are never validated;
#    a bad kept row refuses the whole file, naming its row and column
# ==================================================================================================

TYPEFORM_META = ["Response Type", "Start Date (UTC)", "Stage Date (UTC)", "Submit Date (UTC)", "Network ID"]


def test_typeform_partial_rows_are_never_validated_but_a_bad_completed_row_refuses_the_file(
    tmp_path: Path, store: Store
) -> None:
    header = ["#", TEAM, SAT_TOOLS, SAT_BURNOUT, COM_HELP, *TYPEFORM_META]
    rows = [
        header,
        # Partial: no token, an unknown team, an unknown answer, a date that is none.
        ["", "Growth", "Mostly", "", "", "partial", "soon", "soon", "not yet", "n0"],
        [
            "tok1",
            "Orders",
            "Agree",
            "",
            "",
            "completed",
            "2026-07-14 08:00:00",
            "",
            "2026-07-14 08:01:00",
            "n1",
        ],
        ["tok2", "orders", "5", "", "", "completed", "2026-07-14 08:02:00", "", "2026-07-14 08:03:00", "n2"],
        # Partial: an answer outside the scale.
        ["tok3", "Orders", "9", "", "", "partial", "2026-07-14 08:04:00", "", "", "n3"],
    ]
    report = store.run(write_csv(tmp_path / "typeform.csv", rows))
    # SPEC §7.2 "only completed responses": two kept, two skipped, none refused.
    assert (report.responses, report.skipped) == (2, 2)
    before = store.dump()
    assert store.answers() == {
        (expected_pseudonym("tok1"), "sat_tools"): 4,
        (expected_pseudonym("tok2"), "sat_tools"): 5,
    }

    rows[3][2] = "Mostly"  # now a completed response holds the bad answer, at row 4
    file = write_csv(tmp_path / "typeform-bad.csv", rows)
    with pytest.raises(SurveyImportError) as refused:
        store.run(file)
    assert (refused.value.row, refused.value.column) == (4, SAT_TOOLS)
    assert store.dump() == before


def test_qualtrics_skipped_rows_never_vote_on_dates_nor_are_validated_but_a_bad_kept_row_refuses(
    tmp_path: Path, store: Store
) -> None:
    nobody = ("", "", "", "", "", "", "anonymous")
    body = [
        # Kept (Status 0, Finished 1): a US month-first date (14 > 12 in the second part).
        (("0", "198.51.100.1", "1", "7/14/2026 8:00", "R_1"), nobody, ("Agree", "", "", "Orders", "", "")),
        # Preview: a day-first date (15 > 12 first), no ResponseId, an unknown team, an unknown answer.
        (("1", "198.51.100.2", "1", "15/07/2026 9:00", ""), nobody, ("Mostly", "", "", "Growth", "", "")),
        # Unfinished: an answer outside the scale and a date that is none.
        (("0", "198.51.100.3", "0", "someday", "R_3"), nobody, ("9", "", "", "Orders", "", "")),
        # Spam (8): an unknown team.
        (("8", "198.51.100.4", "1", "7/14/2026 9:30", "R_4"), nobody, ("Agree", "", "", "Spammers", "", "")),
        # Imported (4): kept.
        (
            ("4", "198.51.100.5", "1", "7/16/2026 10:00", "R_5"),
            nobody,
            ("Strongly agree", "", "", "Payments", "", ""),
        ),
    ]
    rows = qualtrics_rows(body, zone="UTC")
    report = store.run(write_csv(tmp_path / "qualtrics.csv", rows))
    # SPEC §7.2: keep Finished = 1 and Status 0 or 4 → R_1 and R_5; the other three are no responses, so
    # their dates do not make the column "mixed" and their answers are not errors.
    assert (report.responses, report.skipped) == (2, 3)
    one, five = expected_pseudonym("R_1"), expected_pseudonym("R_5")
    assert store.responses() == {
        one: ("orders", datetime(2026, 7, 14, 8, 0)),
        five: ("payments", datetime(2026, 7, 16, 10, 0)),
    }
    before = store.dump()

    rows[-1][-6] = "Mostly"  # the Imported response (row 8) now answers sat_tools (Q1_1) with no label
    with pytest.raises(SurveyImportError) as refused:
        store.run(write_csv(tmp_path / "qualtrics-bad.csv", rows))
    assert (refused.value.row, refused.value.column) == (8, "Q1_1")
    assert store.dump() == before


# ==================================================================================================
# 6. Locale timestamps × "a bad file gets an error naming the row and column"
# ==================================================================================================


def test_a_timestamp_column_mixing_day_first_and_month_first_names_a_row(
    tmp_path: Path, store: Store
) -> None:
    rows = [
        ["Timestamp", TEAM, SAT_TOOLS, SAT_BURNOUT, COM_HELP],
        ["14/07/2026 10:00:00", "Orders", "Agree", "", ""],  # day-first (14 > 12)
        ["7/15/2026 10:00:00", "Orders", "Agree", "", ""],  # month-first (15 > 12)
        ["7/7/2026 10:00:00", "Orders", "Agree", "", ""],
    ]
    file = write_csv(tmp_path / "google.csv", rows)
    with pytest.raises(SurveyImportError) as refused:
        store.run(file)
    error = refused.value
    assert error.column == "Timestamp"
    # SPEC §7.3: "a bad file gets an error naming the row and column". Rows 2 and 3 contradict each
    # other; either names the place to fix (row 7/7 tells nothing).
    assert error.row in (2, 3), str(error)
    assert store.survey_counts() == (0, 0, 0)
