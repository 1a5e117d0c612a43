"""Microsoft Forms: the "Open in Excel" workbook (.xlsx) or that sheet saved as CSV.

Header: ``ID, Start time, Completion time, Email, Name`` (newer exports add ``Last modified time``),
then one column per question; a Likert question gives one column per statement. An anonymous form
writes ``anonymous`` as the e-mail. Quiz forms add ``Total points``, ``Quiz feedback`` and
``Points - …`` / ``Feedback - …`` columns, which are not questions. The respondent is the e-mail where
there is one, else the response ``ID``; the submission time is ``Completion time``.
"""

from __future__ import annotations

from store.folding import fold
from surveys.definition import SurveyDefinition
from surveys.formats import (
    ParsedExport,
    Table,
    email_identifier,
    parse_timestamps,
    question_columns,
    wide_export,
)

FORMAT = "microsoft-forms"
_METADATA = (
    "ID",
    "Start time",
    "Completion time",
    "Email",
    "Name",
    "Last modified time",
    "Total points",
    "Quiz feedback",
    "Grade posted time",
)
_QUIZ_PREFIXES = ("points - ", "feedback - ")


def parse(table: Table, definition: SurveyDefinition) -> ParsedExport:
    response_id = table.index("ID")
    completed = table.index("Completion time")
    if response_id is None or completed is None:
        raise table.error("a Microsoft Forms export has the columns ID and Completion time")
    email = table.index("Email")
    metadata = {fold(name) for name in _METADATA}
    excluded = {
        position
        for position, title in enumerate(table.header)
        if fold(title) in metadata or fold(title).startswith(_QUIZ_PREFIXES)
    }
    columns = question_columns(table, excluded)
    completed_title = table.header[completed]
    times = parse_timestamps(table, completed_title, [(row, cells[completed]) for row, cells in table.rows])

    rows = []
    for row, cells in table.rows:
        identifier = email_identifier(cells[email]) if email is not None else None
        if identifier is None:
            identifier = cells[response_id].strip()
            if not identifier:
                raise table.error("no response ID", row=row, column=table.header[response_id])
        rows.append((row, cells, identifier, times[row]))
    return wide_export(
        table, fmt=FORMAT, team_question=definition.team_question, columns=columns, rows=rows, skipped=0
    )
