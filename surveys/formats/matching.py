"""Telling the tool from the header, matching columns to question wording, and building the export of a
wide table (one row per response). The team question is found by its wording (SPEC §7.1)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from store.folding import fold
from surveys.formats.shapes import Column, Grid, ParsedExport, RawResponse, Table

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


# Where a grid's row label may begin (Google Forms ``Title [Row]``): after the title, at a bracket. The
# label runs to the closing bracket at the end and may hold brackets itself (``Tools [CI [GitHub]]``).
_GRID_ROW_START = re.compile(r"(?<=\S)\s*\[")


def question_texts(title: str, grid: Grid = None) -> tuple[str, ...]:
    """Folded wordings a column title can stand for: the whole title, and in the export's own grid
    spelling only (elsewhere a question may well hold brackets or a dash) a grid's row label (Google
    Forms ``Title [Row]``), or a matrix statement (Qualtrics ``Question - Statement``) or a Qualtrics
    choice question with its ``- Selected Choice`` suffix removed."""
    candidates = [fold(title)]
    if grid == "bracketed" and title.rstrip().endswith("]"):
        label = title.rstrip()[:-1]
        rows = (label[start.end() :] for start in _GRID_ROW_START.finditer(label))
        candidates.extend(fold(row) for row in rows if row.count("[") == row.count("]"))
    parts = title.split(" - ") if grid == "dashed" else [title]
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
    return [column for column in columns if wanted in question_texts(column.title, column.grid)]


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


def question_columns(
    table: Table, excluded: Iterable[int], *, titles: Sequence[str] | None = None, grid: Grid = None
) -> list[tuple[int, Column]]:
    """(position, column) of every titled column not in ``excluded``; ``titles`` overrides the header
    as the question wording (Qualtrics keeps ids in row 1 and wording in row 2); ``grid`` is how the
    format spells a grid row."""
    skip = set(excluded)
    wording = list(titles) if titles is not None else list(table.header)
    keys = unique_keys(list(table.header))
    return [
        (position, Column(key=keys[position], title=wording[position], grid=grid))
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
    boxes = _choice_boxes(team, [(p, c) for p, c in columns if p in free_text])

    def team_answer(cells: tuple[str, ...]) -> str:
        box = boxes.get(fold(cells[team_position]))
        typed = cells[box].strip() if box is not None else ""
        return typed or cells[team_position].strip()

    questions = [
        (position, column) for position, column in columns if column is not team and position not in free_text
    ]
    responses = tuple(
        RawResponse(
            row_number=row,
            identifier=identifier,
            team_answer=team_answer(cells),
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


def _choice_boxes(team: Column, text_entries: Sequence[tuple[int, Column]]) -> dict[str, int]:
    """The typed boxes of the team question's choices (Qualtrics ``Question - Other - Text`` beside
    ``Question - Selected Choice``), by folded choice label. A respondent who picks that choice names
    the team in its box, as the other tools write the typed text in the team column itself; the box is
    read for that alone, only when its choice is picked."""
    stem = fold(re.sub(r"(?i)\s+-\s+selected choice\s*$", "", team.title)) + " - "
    boxes: dict[str, int] = {}
    for position, column in text_entries:
        title = fold(column.title)
        if title.startswith(stem) and title.endswith(" - text") and len(title) > len(stem) + 7:
            boxes[title[len(stem) : -len(" - text")]] = position
    return boxes
