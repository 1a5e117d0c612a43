"""Qualtrics: the "CSV" download of Data & Analysis (current format, not legacy).

Three header rows: row 1 the column ids (``StartDate``, ``Status``, ``ResponseId``, ``Q1_1`` …), row 2
the question wording (a matrix statement as ``Question - Statement``, a choice with a text entry as
``Question - Selected Choice``), row 3 ``{"ImportId":"QID1_1"}`` JSON, whose date columns also carry
the ``timeZone`` of the times. Answers are choice text or, with "Use numeric values", recode numbers.

Only real, finished responses count: ``Finished`` 1 (or ``True``) and ``Status`` 0 (IP Address) or 4
(Imported), or their labels; previews, tests, spam and partial responses are skipped. Name, e-mail,
IP address, location, external reference and text-entry (``_TEXT``) columns are never read as
questions; a text entry is read only when it asks the definition's team question. The respondent is
``RecipientEmail`` where there is one, else ``ResponseId``; the submission time is ``RecordedDate``
(``EndDate`` failing that).
"""

from __future__ import annotations

import json

from store.folding import fold
from surveys.definition import SurveyDefinition
from surveys.formats import (
    ParsedExport,
    Table,
    email_identifier,
    named_zone,
    parse_timestamps,
    question_columns,
    wide_export,
)

FORMAT = "qualtrics"
_METADATA = (
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
    "ExternalDataReference",
    "LocationLatitude",
    "LocationLongitude",
    "DistributionChannel",
    "UserLanguage",
)
_KEPT_STATUS = ("0", "4", "ip address", "imported")
_FINISHED = ("1", "true")


def _import_id(cell: str) -> dict[str, object] | None:
    text = cell.strip()
    if not text.startswith("{") or len(text) > 1000:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) and "ImportId" in value else None


def parse(table: Table, definition: SurveyDefinition) -> ParsedExport:
    response_id = table.index("ResponseId")
    if response_id is None:
        raise table.error("a Qualtrics export has a ResponseId column")
    if not table.rows:
        raise table.error("a Qualtrics export has three header rows: ids, question texts, import ids")
    wording = table.rows[0][1]
    body = list(table.rows[1:])
    import_ids: list[dict[str, object] | None] = [None] * len(table.header)
    if body and any(_import_id(cell) for cell in body[0][1]):
        import_ids = [_import_id(cell) for cell in body[0][1]]
        body = body[1:]

    metadata = {fold(name) for name in _METADATA}
    excluded, free_text = set(), set()
    for position, column_id in enumerate(table.header):
        folded = fold(column_id)
        import_id = import_ids[position]
        imported = fold(str(import_id["ImportId"])) if import_id else ""
        # Q_… ids are Qualtrics' own metadata (reCAPTCHA score, duplicate checks, total duration),
        # unless the import id says a question (QID…): an author may name a question's export tag Q_….
        if folded in metadata or (folded.startswith("q_") and not imported.startswith("qid")):
            excluded.add(position)
        elif folded.endswith("_text") or imported.endswith("_text"):
            free_text.add(position)
    columns = question_columns(table, excluded, titles=wording, grid="dashed")

    status = table.index("Status")
    finished = table.index("Finished")
    kept = [
        (row, cells)
        for row, cells in body
        if (status is None or fold(cells[status]) in _KEPT_STATUS)
        and (finished is None or fold(cells[finished]) in _FINISHED)
    ]
    email = table.index("RecipientEmail")
    submitted = table.index("RecordedDate")
    if submitted is None:
        submitted = table.index("EndDate")
    times = {}
    if submitted is not None:
        submitted_id = table.header[submitted]
        zone_name = (import_ids[submitted] or {}).get("timeZone")
        zone = (
            named_zone(table, zone_name, submitted_id) if isinstance(zone_name, str) and zone_name else None
        )
        times = parse_timestamps(
            table, submitted_id, [(row, cells[submitted]) for row, cells in kept], zone=zone
        )

    rows = []
    for row, cells in kept:
        identifier = email_identifier(cells[email]) if email is not None else None
        if identifier is None:
            identifier = cells[response_id].strip()
            if not identifier:
                raise table.error("no ResponseId", row=row, column="ResponseId")
        rows.append((row, cells, identifier, times.get(row)))
    return wide_export(
        table,
        fmt=FORMAT,
        team_question=definition.team_question,
        columns=columns,
        free_text=free_text,
        rows=rows,
        skipped=len(body) - len(kept),
    )
