"""Google Forms: the responses CSV (from Forms or from its linked Sheet).

Header: ``Timestamp`` (named in the form owner's language), ``Email Address`` when the form collects
e-mails, then one column per question titled with the question; a multiple-choice grid gives one
column per row, ``Title [Row]``. Timestamps are written in the Sheet's locale (``7/14/2026 10:23:45``,
``14/07/2026 10:23:45``, ``14.07.2026 10:23:45``) or, in the download from Forms, with the zone
(``2026/07/14 10:23:45 AM GMT+2``). The respondent is the e-mail where there is one, else the row's
timestamp as written (a second response in the same second gets ``#2``).
"""

from __future__ import annotations

from store.folding import fold
from surveys.definition import SurveyDefinition
from surveys.formats import (
    GOOGLE_EMAIL,
    GOOGLE_TIMESTAMP,
    ParsedExport,
    Table,
    email_identifier,
    parse_timestamps,
    question_columns,
    wide_export,
)

FORMAT = "google-forms"
# Quiz forms add a score column; it is not a question.
_NOT_QUESTIONS = ("Score", "Puntuación", "Punktzahl", "Note", "Pontuação", "Punteggio")


def parse(table: Table, definition: SurveyDefinition) -> ParsedExport:
    stamp = table.index(*GOOGLE_TIMESTAMP)
    if stamp is None:
        raise table.error("a Google Forms export starts with a Timestamp column")
    email = table.index(*GOOGLE_EMAIL)
    not_questions = {fold(name) for name in _NOT_QUESTIONS}
    excluded = {stamp} | ({email} if email is not None else set())
    excluded |= {position for position, title in enumerate(table.header) if fold(title) in not_questions}
    columns = question_columns(table, excluded, grid="bracketed")
    stamp_title = table.header[stamp]
    times = parse_timestamps(table, stamp_title, [(row, cells[stamp]) for row, cells in table.rows])

    seen: dict[str, int] = {}
    rows = []
    for row, cells in table.rows:
        identifier = email_identifier(cells[email]) if email is not None else None
        if identifier is None:
            written = cells[stamp].strip()
            if not written:
                raise table.error("no timestamp (it identifies the response)", row=row, column=stamp_title)
            count = seen.get(written, 0) + 1
            seen[written] = count
            identifier = written if count == 1 else f"{written}#{count}"
        rows.append((row, cells, identifier, times[row]))
    return wide_export(
        table, fmt=FORMAT, team_question=definition.team_question, columns=columns, rows=rows, skipped=0
    )
