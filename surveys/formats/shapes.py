"""The neutral shapes every format module produces: a file's table, its question columns, raw responses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from store.errors import SurveyImportError
from store.folding import fold

# Nobody's survey export is this big; a bigger file is something else (and would eat memory).
MAX_FILE_BYTES = 200 * 1024 * 1024


# How a format writes a grid row's column title: Google Forms ``Title [Row]``, Qualtrics
# ``Question - Statement``; the other formats give each statement a column of its own title.
Grid = Literal["bracketed", "dashed"] | None


@dataclass(frozen=True)
class Column:
    """A question column: ``key`` names it (unique, used in errors), ``title`` is its question wording,
    ``grid`` how the export spells a grid row in a title, if it has grids."""

    key: str
    title: str
    grid: Grid = None


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


def quoted(cell: str) -> str:
    """A cell as an error quotes it, so that it can be found: its first 40 characters, but never an
    e-mail address (a respondent's identity; errors reach terminals, CI logs and cron mail)."""
    text = cell.strip()
    return "(a value holding an e-mail address)" if "@" in text else repr(text[:40])


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
