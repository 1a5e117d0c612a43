"""The ``long`` format: one row per answer, ``respondent_id, team, submitted_at, item_id, answer``.

It is what a script or a spreadsheet pivot writes, and what the other formats can be checked against.
Items are named by ``item_id`` (not wording); ``submitted_at`` is optional (ISO 8601, UTC without an
offset). A respondent's rows must agree on team and time, and answer an item at most once. Other
columns are never read.
"""

from __future__ import annotations

from datetime import datetime

from store.folding import fold
from surveys.definition import SurveyDefinition
from surveys.formats import Column, ParsedExport, RawResponse, Table, parse_timestamps

FORMAT = "long"
REQUIRED = ("respondent_id", "team", "item_id", "answer")


def parse(table: Table, definition: SurveyDefinition) -> ParsedExport:
    positions: dict[str, int] = {}
    for name in (*REQUIRED, "submitted_at"):
        position = table.index(name)
        if position is not None:
            positions[name] = position
    absent = [name for name in REQUIRED if name not in positions]
    if absent:
        raise table.error(
            f"the long format needs the columns {', '.join(REQUIRED)}; missing {', '.join(absent)}"
        )
    items = {item.id: item for item in definition.items}
    folded_ids = {fold(item_id): item_id for item_id in items}
    times: dict[int, datetime | None] = {}
    if "submitted_at" in positions:
        at = positions["submitted_at"]
        times = parse_timestamps(table, "submitted_at", [(row, cells[at]) for row, cells in table.rows])

    order: list[str] = []
    first_row: dict[str, int] = {}
    teams: dict[str, str] = {}
    submitted: dict[str, datetime | None] = {}
    answers: dict[str, dict[str, str]] = {}
    answer_rows: dict[str, dict[str, int]] = {}
    for row, cells in table.rows:
        respondent = cells[positions["respondent_id"]].strip()
        if not respondent:
            raise table.error("no respondent_id", row=row, column="respondent_id")
        written_id = cells[positions["item_id"]].strip()
        item_id = folded_ids.get(fold(written_id))
        if item_id is None:
            raise table.error(
                f"unknown item {written_id[:40]!r} (not in the definition)", row=row, column="item_id"
            )
        team = cells[positions["team"]].strip()
        at_time = times.get(row)
        if respondent not in first_row:
            order.append(respondent)
            first_row[respondent] = row
            teams[respondent] = team
            submitted[respondent] = at_time
            answers[respondent] = {}
            answer_rows[respondent] = {}
        elif fold(team) != fold(teams[respondent]):
            raise table.error(
                f"team differs from the respondent's row {first_row[respondent]}", row=row, column="team"
            )
        elif at_time is not None:
            if submitted[respondent] is None:
                submitted[respondent] = at_time
            elif submitted[respondent] != at_time:
                raise table.error(
                    f"submitted_at differs from the respondent's row {first_row[respondent]}",
                    row=row,
                    column="submitted_at",
                )
        if item_id in answers[respondent]:
            raise table.error(
                f"item {item_id!r} answered twice by this respondent (first at row "
                f"{answer_rows[respondent][item_id]})",
                row=row,
                column="item_id",
            )
        answers[respondent][item_id] = cells[positions["answer"]]
        answer_rows[respondent][item_id] = row

    responses = tuple(
        RawResponse(
            row_number=first_row[respondent],
            identifier=respondent,
            team_answer=teams[respondent],
            submitted_at=submitted[respondent],
            answers=answers[respondent],
            answer_rows=answer_rows[respondent],
        )
        for respondent in order
    )
    return ParsedExport(
        format=FORMAT,
        team_column="team",
        columns=tuple(Column(key=item.id, title=item.text) for item in definition.items),
        responses=responses,
        by_item_id=True,
    )
