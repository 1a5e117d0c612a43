"""Typeform: the responses CSV.

Header: ``#`` (the response token), one column per question titled with the question, hidden fields,
then ``Response Type`` (``completed`` or ``partial``), ``Start Date (UTC)``, ``Stage Date (UTC)``,
``Submit Date (UTC)``, ``Network ID`` (a device fingerprint) and ``Tags``. Only completed responses
count; exports from before ``Response Type`` existed hold only completed ones. The respondent is the
``#`` token; the submission time is ``Submit Date (UTC)``.
"""

from __future__ import annotations

from store.folding import fold
from surveys.definition import SurveyDefinition
from surveys.formats import ParsedExport, Table, parse_timestamps, question_columns, wide_export

FORMAT = "typeform"
_METADATA = (
    "#",
    "Response Type",
    "Start Date (UTC)",
    "Stage Date (UTC)",
    "Submit Date (UTC)",
    "Network ID",
    "Tags",
    "Ending",
    "Score",
)


def parse(table: Table, definition: SurveyDefinition) -> ParsedExport:
    token = table.index("#")
    if token is None:
        raise table.error("a Typeform export starts with a # column")
    response_type = table.index("Response Type")
    submitted = table.index("Submit Date (UTC)")
    metadata = {fold(name) for name in _METADATA}
    excluded = {position for position, title in enumerate(table.header) if fold(title) in metadata}
    columns = question_columns(table, excluded)

    kept = [
        (row, cells)
        for row, cells in table.rows
        if response_type is None or fold(cells[response_type]) == "completed"
    ]
    times = (
        parse_timestamps(table, table.header[submitted], [(row, cells[submitted]) for row, cells in kept])
        if submitted is not None
        else {}
    )
    rows = []
    for row, cells in kept:
        identifier = cells[token].strip()
        if not identifier:
            raise table.error("no response token", row=row, column="#")
        rows.append((row, cells, identifier, times.get(row)))
    return wide_export(
        table,
        fmt=FORMAT,
        team_question=definition.team_question,
        columns=columns,
        rows=rows,
        skipped=len(table.rows) - len(kept),
    )
