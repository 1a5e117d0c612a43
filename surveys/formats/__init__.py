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

import codecs
import csv
import difflib
import io
import re
import warnings
import zipfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from store.errors import SurveyImportError
from surveys.definition import fold

__all__ = [
    "FORMATS",
    "Column",
    "ParsedExport",
    "RawResponse",
    "Table",
    "detect_format",
    "find_column",
    "parse_timestamps",
    "question_texts",
    "read_table",
]

FORMATS = ("long", "google-forms", "microsoft-forms", "typeform", "qualtrics")

# Nobody's survey export is this big; a bigger file is something else (and would eat memory).
MAX_FILE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    """A question column: ``key`` names it (unique, used in errors), ``title`` is its question wording."""

    key: str
    title: str


@dataclass(frozen=True)
class RawResponse:
    """One response as the export holds it, before any matching. ``identifier`` is never stored."""

    row_number: int
    identifier: str
    team_answer: str
    submitted_at: datetime | None
    answers: Mapping[str, str]
    """Column key → the answer as written."""
    answer_rows: Mapping[str, int] = field(default_factory=dict)
    """Column key → its row, where answers come from several rows (the long format)."""


@dataclass(frozen=True)
class ParsedExport:
    format: str
    team_column: str
    columns: tuple[Column, ...]
    """Candidate question columns (not the team question, not identity or metadata columns)."""
    responses: tuple[RawResponse, ...]
    skipped: int = 0
    """Rows the export itself marks as not a finished response (partial, preview, unfinished)."""
    by_item_id: bool = False
    """Column keys are item ids (the long format), not question wording."""


@dataclass(frozen=True)
class Table:
    """The records of a file, every one as long as the header (blank records dropped)."""

    file: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    """(row number, cells) of every non-blank record after the header."""

    def error(self, message: str, *, row: int | None = None, column: str | None = None) -> SurveyImportError:
        return SurveyImportError(message, file=self.file, row=row, column=column)

    def index(self, *names: str) -> int | None:
        """Position of the first header cell matching one of ``names`` (folded), or None."""
        wanted = {fold(name) for name in names}
        for position, title in enumerate(self.header):
            if fold(title) in wanted:
                return position
        return None


# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------


def read_table(path: Path) -> Table:
    """Read an export: CSV (UTF-8 with or without BOM, or UTF-16 with BOM; comma, semicolon or tab
    separated), an .xlsx workbook (its first sheet), or a ZIP holding one CSV (Google Forms' download).
    The content decides, not the file name."""
    label = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SurveyImportError(f"file is {size} bytes, over the {MAX_FILE_BYTES} limit", file=label)
        data = path.read_bytes()
    except OSError as exc:
        raise SurveyImportError(f"cannot read: {exc.strerror or exc}", file=label) from None
    if data.startswith(_OLE_MAGIC):
        raise SurveyImportError("an Excel 97-2003 .xls workbook: save it as .xlsx or CSV UTF-8", file=label)
    if data.startswith(b"PK\x03\x04"):
        return _table(label, _zip_records(label, data))
    return _table(label, _csv_records(label, data))


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _zip_records(label: str, data: bytes) -> list[tuple[int, list[str]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            if any(info.filename == "[Content_Types].xml" for info in members):
                return _xlsx_records(label, data)
            exports = [info for info in members if info.filename.lower().endswith((".csv", ".tsv", ".txt"))]
            if len(exports) != 1:
                raise SurveyImportError(
                    f"a ZIP archive must hold exactly one CSV export (found {len(exports)})", file=label
                )
            if exports[0].file_size > MAX_FILE_BYTES:
                raise SurveyImportError(f"{exports[0].filename} in the archive is too large", file=label)
            content = archive.read(exports[0])
    except SurveyImportError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        EOFError,
        OSError,
        ValueError,
    ) as exc:
        # NotImplementedError: an unsupported compression method; the others: a damaged archive.
        raise SurveyImportError(f"not a readable ZIP archive or .xlsx workbook: {exc}", file=label) from None
    return _csv_records(label, content)


def _decode(label: str, data: bytes) -> str:
    # Excel's "Unicode text" save is UTF-16 with a BOM (and tab-separated).
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    encoding = "utf-16" if utf16 else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SurveyImportError(
            f"not {encoding.removesuffix('-sig').upper()} text: byte {exc.start} on line {line} "
            "(export the file as UTF-8 CSV)",
            file=label,
        ) from None


def _csv_records(label: str, data: bytes) -> list[tuple[int, list[str]]]:
    text = _decode(label, data)
    if "\x00" in text:
        raise SurveyImportError("contains NUL characters: not a text export", file=label)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            records.append((number, record))
    except csv.Error as exc:
        raise SurveyImportError(f"malformed CSV: {exc}", file=label, row=number + 1) from None
    return records


def _delimiter(text: str) -> str:
    # European Excel saves CSV with semicolons and "Unicode text" with tabs. The header decides: the
    # delimiter that splits the first record into the most fields.
    first = text[: text.find("\n") + 1 if "\n" in text else len(text)]
    best, best_fields = ",", 1
    for candidate in (",", ";", "\t"):
        try:
            fields = next(csv.reader(io.StringIO(first, newline=""), delimiter=candidate), [])
        except csv.Error:
            continue
        if len(fields) > best_fields:
            best, best_fields = candidate, len(fields)
    return best


def _xlsx_records(label: str, data: bytes) -> list[tuple[int, list[str]]]:
    # openpyxl parses untrusted XML and ZIP: anything it raises means "not a readable workbook".
    import openpyxl  # type: ignore[import-untyped]  # no stubs; imported late: only .xlsx needs it

    try:
        with warnings.catch_warnings():
            # "Workbook contains no default style" and friends say nothing about the answers.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    raise SurveyImportError("the workbook has no worksheet", file=label)
                sheet = workbook.worksheets[0]
                records = [
                    (number, [_cell_text(value) for value in values])
                    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
                ]
            finally:
                workbook.close()
    except SurveyImportError:
        raise
    except Exception as exc:  # see above: any parser failure means a malformed file
        raise SurveyImportError(
            f"cannot read the .xlsx workbook: {type(exc).__name__}: {exc}", file=label
        ) from None
    return records


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _table(label: str, records: list[tuple[int, list[str]]]) -> Table:
    rows = [(number, record) for number, record in records if any(cell.strip() for cell in record)]
    if not rows:
        raise SurveyImportError("the file is empty", file=label)
    (_, header), body = rows[0], rows[1:]
    # Spreadsheets pad rows with empty cells; only trailing empties are padding.
    while header and not header[-1].strip():
        header = header[:-1]
    width = len(header)
    shaped: list[tuple[int, tuple[str, ...]]] = []
    for number, record in body:
        cells = list(record)
        if len(cells) > width:
            if any(cell.strip() for cell in cells[width:]):
                raise SurveyImportError(
                    f"has {len(cells)} fields, the header has {width}", file=label, row=number
                )
            cells = cells[:width]
        if len(cells) < width:
            raise SurveyImportError(
                f"has {len(cells)} fields, the header has {width}", file=label, row=number
            )
        shaped.append((number, tuple(cells)))
    return Table(file=label, header=tuple(cell.strip() for cell in header), rows=tuple(shaped))


# --------------------------------------------------------------------------------------------------
# Detection and matching
# --------------------------------------------------------------------------------------------------

# Google Forms names its first column in the form owner's language.
GOOGLE_TIMESTAMP = (
    "Timestamp",
    "Marca temporal",
    "Zeitstempel",
    "Horodateur",
    "Carimbo de data/hora",
    "Informazioni cronologiche",
    "Tijdstempel",
)
GOOGLE_EMAIL = (
    "Email Address",
    "Email",
    "Dirección de correo electrónico",
    "E-Mail-Adresse",
    "Adresse e-mail",
    "Endereço de e-mail",
    "Indirizzo email",
    "E-mailadres",
)
LONG_COLUMNS = ("respondent_id", "team", "item_id", "answer")


def detect_format(header: Sequence[str]) -> str | None:
    """The export format a header row belongs to, or None if it is none of ours."""
    names = {fold(cell) for cell in header}
    first = fold(header[0]) if header else ""
    if {fold(name) for name in LONG_COLUMNS} <= names:
        return "long"
    if "responseid" in names and ({"startdate", "finished", "status"} & names):
        return "qualtrics"
    if first == "#" and names & {"response type", "submit date (utc)", "network id", "start date (utc)"}:
        return "typeform"
    if {"id", "start time", "completion time"} <= names:
        return "microsoft-forms"
    if first in {fold(name) for name in GOOGLE_TIMESTAMP}:
        return "google-forms"
    return None


_GRID_ROW = re.compile(r"^(?P<title>.*\S)\s*\[(?P<row>[^\[\]]+)\]\s*$", re.DOTALL)


def question_texts(title: str) -> tuple[str, ...]:
    """Folded wordings a column title can stand for: the whole title, a grid's row label (Google Forms
    ``Title [Row]``), a matrix statement (Qualtrics ``Question - Statement``), or a Qualtrics choice
    question with its ``- Selected Choice`` suffix removed."""
    candidates = [fold(title)]
    grid = _GRID_ROW.match(title)
    if grid:
        candidates.append(fold(grid.group("row")))
    parts = title.split(" - ")
    for split in range(1, len(parts)):
        head, tail = " - ".join(parts[:split]), " - ".join(parts[split:])
        if fold(tail) == "selected choice":
            candidates.append(fold(head))
        else:
            candidates.append(fold(tail))
    return tuple(dict.fromkeys(candidate for candidate in candidates if candidate))


def find_column(columns: Iterable[Column], wording: str) -> list[Column]:
    """The columns whose question is ``wording`` (folded comparison)."""
    wanted = fold(wording)
    return [column for column in columns if wanted in question_texts(column.title)]


def unique_keys(titles: Sequence[str]) -> list[str]:
    """Column keys for ``titles``: the title itself, numbered where a title repeats."""
    seen: dict[str, int] = {}
    keys: list[str] = []
    for title in titles:
        count = seen.get(title, 0) + 1
        seen[title] = count
        keys.append(title if count == 1 else f"{title} ({count})")
    return keys


def team_column(table: Table, columns: Sequence[Column], team_question: str) -> Column:
    """The one column asking ``team_question``; an error naming the question otherwise."""
    found = find_column(columns, team_question)
    if len(found) == 1:
        return found[0]
    if found:
        raise table.error(
            f"several columns ask the team question {team_question!r}: {', '.join(c.key for c in found)}"
        )
    raise table.error(
        f"no column asks the team question {team_question!r}{close_hint(columns, team_question)}"
    )


def close_hint(columns: Iterable[Column], wording: str) -> str:
    titles = [column.title for column in columns]
    close = _close_matches(wording, titles)
    return f" (closest: {close!r})" if close else ""


def _close_matches(wording: str, titles: Sequence[str]) -> str | None:
    folded = {fold(title): title for title in titles}
    best = difflib.get_close_matches(fold(wording), list(folded), n=1, cutoff=0.6)
    return folded[best[0]] if best else None


# --------------------------------------------------------------------------------------------------
# Timestamps
# --------------------------------------------------------------------------------------------------

# Dates as spreadsheet locales write them: 2026-07-14, 2026/07/14, 7/14/2026, 14/07/2026, 14.07.2026,
# 14.07.26, optionally with a time (12- or 24-hour) and a zone: Z, UTC, GMT, GMT+2, GMT+05:30, +02:00.
_TIMESTAMP = re.compile(
    r"""^\s*
    (?P<a>\d{1,4})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})\.?
    (?:[ T,]+(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?
       \s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?)?
    \s*(?P<zone>Z|UTC|GMT(?:\s?[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2})?
    \s*$""",
    re.VERBOSE,
)
_ZONE_OFFSET = re.compile(r"(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$")


def parse_timestamps(
    table: Table,
    column: str,
    cells: Sequence[tuple[int, str]],
    *,
    zone: tzinfo | None = None,
) -> dict[int, datetime | None]:
    """Parse one column's timestamps (row → naive UTC datetime, None for a blank cell).

    Day-first or month-first is decided once for the whole column, as a locale is: a first part over
    12 means day-first, a second part over 12 month-first; if no value tells, dotted dates are read
    day-first (German, Russian, …) and slashed ones month-first (Google's and Microsoft's US default).
    A value with no zone is in ``zone`` if given, else taken as UTC.
    """
    parsed: list[tuple[int, re.Match[str]]] = []
    day_first_votes = month_first_votes = 0
    dotted = False
    for row, text in cells:
        if not text.strip():
            continue
        match = _TIMESTAMP.match(text)
        if match is None:
            raise table.error(f"not a date and time: {text[:40]!r}", row=row, column=column)
        parsed.append((row, match))
        if len(match.group("a")) <= 2:
            first, second = int(match.group("a")), int(match.group("b"))
            day_first_votes += first > 12
            month_first_votes += second > 12
            dotted = dotted or match.group("sep") == "."
    if day_first_votes and month_first_votes:
        raise table.error("mixes day-first and month-first dates", column=column)
    day_first = bool(day_first_votes) or (dotted and not month_first_votes)
    values: dict[int, datetime | None] = {row: None for row, _ in cells}
    for row, match in parsed:
        values[row] = _timestamp(table, row, column, match, day_first=day_first, zone=zone)
    return values


def _timestamp(
    table: Table, row: int, column: str, match: re.Match[str], *, day_first: bool, zone: tzinfo | None
) -> datetime:
    a, b, c = match.group("a"), match.group("b"), match.group("c")
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    elif len(c) in (2, 4):
        year = int(c) + (2000 if len(c) == 2 else 0)
        month, day = (int(b), int(a)) if day_first else (int(a), int(b))
    else:
        raise table.error(f"not a date and time: {match.string[:40]!r}", row=row, column=column)
    hour = int(match.group("hour") or 0)
    minute = int(match.group("minute") or 0)
    second = int(match.group("second") or 0)
    micro = int((match.group("fraction") or "0")[:6].ljust(6, "0"))
    ampm = match.group("ampm")
    if ampm:
        if not 1 <= hour <= 12:
            raise table.error(f"hour {hour} with {ampm!r}", row=row, column=column)
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    try:
        instant = datetime(year, month, day, hour, minute, second, micro)
    except ValueError as exc:
        raise table.error(
            f"not a valid date and time ({exc}): {match.string[:40]!r}", row=row, column=column
        ) from None
    written_zone = _zone(match.group("zone"))
    effective = written_zone if written_zone is not None else zone
    if effective is None:
        return instant
    try:
        return instant.replace(tzinfo=effective).astimezone(UTC).replace(tzinfo=None)
    except (OverflowError, ValueError) as exc:
        raise table.error(f"cannot convert to UTC: {exc}", row=row, column=column) from None


def _zone(text: str | None) -> tzinfo | None:
    if not text:
        return None
    text = text.replace(" ", "")
    if text in ("Z", "UTC", "GMT"):
        return UTC
    offset = _ZONE_OFFSET.search(text)
    if offset is None:
        return None
    minutes = int(offset.group("hours")) * 60 + int(offset.group("minutes") or 0)
    if minutes >= 24 * 60:
        return None
    sign = -1 if offset.group("sign") == "-" else 1
    return timezone(sign * timedelta(minutes=minutes))


def named_zone(table: Table, name: str, column: str) -> tzinfo:
    """An IANA zone (Qualtrics writes e.g. ``America/Denver``), or an error naming the column."""
    if fold(name) in ("utc", "z", "gmt", "etc/utc", "etc/gmt"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise table.error(f"unknown time zone {name[:40]!r}: {exc}", column=column) from None


# --------------------------------------------------------------------------------------------------
# Building an export from a wide table (one row per response)
# --------------------------------------------------------------------------------------------------


def question_columns(
    table: Table, excluded: Iterable[int], *, titles: Sequence[str] | None = None
) -> list[tuple[int, Column]]:
    """(position, column) of every titled column not in ``excluded``; ``titles`` overrides the header
    as the question wording (Qualtrics keeps ids in row 1 and wording in row 2)."""
    skip = set(excluded)
    wording = list(titles) if titles is not None else list(table.header)
    keys = unique_keys(list(table.header))
    return [
        (position, Column(key=keys[position], title=wording[position]))
        for position in range(len(table.header))
        if position not in skip and wording[position].strip()
    ]


def email_identifier(text: str) -> str | None:
    """The normalised e-mail of a cell, or None where it holds none (blank, ``anonymous``)."""
    address = text.strip().casefold()
    return address if "@" in address else None


def wide_export(
    table: Table,
    *,
    fmt: str,
    team_question: str,
    columns: Sequence[tuple[int, Column]],
    rows: Sequence[tuple[int, tuple[str, ...], str, datetime | None]],
    skipped: int,
    free_text: Collection[int] = (),
) -> ParsedExport:
    """The export of a wide table: ``rows`` are (row number, cells, identifier, submitted at).

    ``free_text`` are the positions of text-entry columns the format can tell apart (Qualtrics ``_TEXT``).
    They are never read as items, but the team question is found whatever kind of question asked it
    (SPEC §7.1): among the other columns first, so a choice question's "Other - Text" box beside it does
    not count twice, else among the text entries."""
    chosen = list(columns)
    for kind in (False, True):
        of_kind = [(position, column) for position, column in columns if (position in free_text) is kind]
        if find_column([column for _, column in of_kind], team_question):
            chosen = of_kind
            break
    team = team_column(table, [column for _, column in chosen], team_question)
    team_position = next(position for position, column in chosen if column is team)
    questions = [
        (position, column) for position, column in columns if column is not team and position not in free_text
    ]
    responses = tuple(
        RawResponse(
            row_number=row,
            identifier=identifier,
            team_answer=cells[team_position].strip(),
            submitted_at=submitted_at,
            answers={column.key: cells[position] for position, column in questions},
        )
        for row, cells, identifier, submitted_at in rows
    )
    return ParsedExport(
        format=fmt,
        team_column=team.key,
        columns=tuple(column for _, column in questions),
        responses=responses,
        skipped=skipped,
    )
