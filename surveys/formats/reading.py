"""Reading an export file into a :class:`Table`: CSV (UTF-8 or UTF-16, comma, semicolon or tab), .xlsx,
or a ZIP holding one CSV. Rows are numbered as a spreadsheet shows them: the header is row 1."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import warnings
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from store.errors import SurveyImportError
from surveys.formats.shapes import MAX_FILE_BYTES, Table


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
        # Lines end as the file ends them: CRLF, LF, or a bare CR (Excel for Mac's "CSV (Macintosh)").
        before = data[: exc.start].decode(encoding, errors="replace")
        line = len(re.findall(r"\r\n|\r|\n", before)) + 1
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
    # European Excel saves CSV with semicolons and "Unicode text" with tabs, quoting only the cells that
    # hold the delimiter: a question title's commas then stand bare in a semicolon file. So the header
    # alone cannot decide; the delimiter is the one under which the first data records have as many
    # fields as the header, then the one that splits the header into the most fields. Records, not
    # lines: a quoted question title may hold line breaks.
    best, best_score = ",", (False, 0, 1)
    for candidate in (",", ";", "\t"):
        try:
            records = [
                record
                for record in itertools.islice(
                    csv.reader(io.StringIO(text, newline=""), delimiter=candidate), 21
                )
                if any(cell.strip() for cell in record)
            ]
        except csv.Error:
            continue
        if not records:
            continue
        header = len(records[0])
        agreeing = sum(len(record) == header for record in records[1:])
        score = (header > 1, agreeing, header)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _xlsx_records(label: str, data: bytes) -> list[tuple[int, list[str]]]:
    # openpyxl parses untrusted XML and ZIP: anything it raises means "not a readable workbook".
    import openpyxl  # type: ignore[import-untyped]  # no stubs; imported late: only .xlsx needs it

    try:
        with warnings.catch_warnings():
            # "Workbook contains no default style" and friends say nothing about the answers.
            warnings.simplefilter("ignore")
            rows = _xlsx_rows(openpyxl, label, data, data_only=True)
            if any(value is None for row in rows for value in row):
                # A formula saved without its value (a workbook written by a script; Excel and
                # LibreOffice save both) reads as an empty cell: an answer would go missing without a
                # word. Its formula text instead is no answer, refused with its row and column.
                rows = _with_unsaved_formulas(rows, _xlsx_rows(openpyxl, label, data, data_only=False))
            records = [(number, [_cell_text(value) for value in row]) for number, row in enumerate(rows, 1)]
    except SurveyImportError:
        raise
    except Exception as exc:  # see above: any parser failure means a malformed file
        raise SurveyImportError(
            f"cannot read the .xlsx workbook: {type(exc).__name__}: {exc}", file=label
        ) from None
    return records


def _xlsx_rows(openpyxl: Any, label: str, data: bytes, *, data_only: bool) -> list[tuple[object, ...]]:
    """The first sheet's cells, row by row: values (``data_only``), else formulas where there are any."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    try:
        if not workbook.worksheets:
            raise SurveyImportError("the workbook has no worksheet", file=label)
        sheet = workbook.worksheets[0]
        # Read-only mode trusts the sheet's <dimension>, which is optional (openpyxl's own streamed
        # writer leaves it out) and can be stale: rows past it would be lost silently.
        sheet.reset_dimensions()
        return [tuple(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _with_unsaved_formulas(
    values: list[tuple[object, ...]], formulas: list[tuple[object, ...]]
) -> list[tuple[object, ...]]:
    def cell(value: object, formula: object) -> object:
        unsaved = value is None and isinstance(formula, str) and formula.startswith("=")
        return formula if unsaved else value

    return [
        tuple(cell(value, formula) for value, formula in itertools.zip_longest(row, formula_row))
        for row, formula_row in itertools.zip_longest(values, formulas, fillvalue=())
    ]


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
        # A missing trailing cell is an empty one: a workbook row stops at its last filled cell, and
        # Excel's "Save as CSV" may leave off the trailing separators of empty last cells.
        cells += [""] * (width - len(cells))
        shaped.append((number, tuple(cells)))
    return Table(file=label, header=tuple(cell.strip() for cell in header), rows=tuple(shaped))
