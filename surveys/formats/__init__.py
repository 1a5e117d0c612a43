"""Survey export formats (SPEC §7.2): reading a file into rows, telling the tool from the header, and
the neutral shapes every format module produces.

Each module (``long``, ``google_forms``, ``microsoft_forms``, ``typeform``, ``qualtrics``) has
``parse(table, definition) -> ParsedExport``. A parser keeps the respondent's identifier (needed for
the pseudonym, never stored), the team answer, the submission time and the answers of question
columns; it leaves out every column that names, mails or locates a person, so they never travel further.

Rows are numbered as a spreadsheet shows them: the header is row 1 (Qualtrics data starts at row 4).
Every malformed input becomes ``SurveyImportError`` naming the file, and the row and column where
there is one.
"""

from __future__ import annotations

from surveys.formats.matching import (
    GOOGLE_EMAIL,
    GOOGLE_TIMESTAMP,
    LONG_COLUMNS,
    close_hint,
    detect_format,
    email_identifier,
    find_column,
    question_columns,
    question_texts,
    team_column,
    unique_keys,
    wide_export,
)
from surveys.formats.reading import read_table
from surveys.formats.shapes import MAX_FILE_BYTES, Column, ParsedExport, RawResponse, Table, quoted
from surveys.formats.timestamps import named_zone, parse_timestamps

__all__ = [
    "FORMATS",
    "GOOGLE_EMAIL",
    "GOOGLE_TIMESTAMP",
    "LONG_COLUMNS",
    "MAX_FILE_BYTES",
    "Column",
    "ParsedExport",
    "RawResponse",
    "Table",
    "close_hint",
    "detect_format",
    "email_identifier",
    "find_column",
    "named_zone",
    "parse_timestamps",
    "question_columns",
    "question_texts",
    "quoted",
    "read_table",
    "team_column",
    "unique_keys",
    "wide_export",
]

FORMATS = ("long", "google-forms", "microsoft-forms", "typeform", "qualtrics")
