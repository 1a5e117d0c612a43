"""``doraspace survey import``: one survey export into the store, all or nothing (SPEC §7.1–7.3).

The whole file is read, matched and validated before anything is written; then one transaction
writes the definition's items, the responses and the answers. Any problem is a ``SurveyImportError``
naming the file, row and column, and the store is left as it was.

What is kept of a respondent: the team (the configured name, not the answer as typed), the submission
time, the answers as scale points, and HMAC-SHA256(secret, identifier) as the respondent, the
identifier being the e-mail where the export has one, else its response id. Names, e-mails, IP
addresses, free text and every column that is not a matched item never leave this module.

Re-importing is safe: rows are keyed by (survey, quarter, respondent[, item]), so the same file twice
stores it once, and a respondent imported again (a later export of the same form) has their answers
replaced, not added to. Within one file, a respondent who answered twice counts once: the later
submission.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, select
from sqlalchemy.exc import SQLAlchemyError

from store import schema
from store.errors import ConfigError, StoreError, SurveyImportError
from store.folding import fold
from store.upsert import upsert
from surveys.definition import Item, Scale, SurveyDefinition, fingerprint
from surveys.formats import (
    FORMATS,
    ParsedExport,
    RawResponse,
    close_hint,
    detect_format,
    find_column,
    google_forms,
    long,
    microsoft_forms,
    qualtrics,
    quoted,
    read_table,
    typeform,
)

__all__ = [
    "ImportReport",
    "PreparedImport",
    "import_survey",
    "parse_export",
    "prepare_import",
    "pseudonym",
    "team_spellings",
    "write_import",
]

QUARTER = re.compile(r"\d{4}-Q[1-4]\Z")
_NUMBER = re.compile(r"(\d{1,3})(?:\.0+)?\Z")
_PARSERS = {
    "long": long.parse,
    "google-forms": google_forms.parse,
    "microsoft-forms": microsoft_forms.parse,
    "typeform": typeform.parse,
    "qualtrics": qualtrics.parse,
}
# Keeps IN (…) lists far below PostgreSQL's bound-parameter limit.
_CHUNK = 1000


@dataclass(frozen=True)
class ImportReport:
    """What an import did, safe to print: counts and column titles, never an answer or identity."""

    file: str
    format: str
    survey: str
    quarter: str
    rows: int
    """Responses read from the file after the export's own filters."""
    skipped: int
    """Rows the export marks as not a finished response (Typeform partial, Qualtrics preview/unfinished)."""
    superseded: int
    """Responses of a respondent who submitted again later in the same file (the later one counts)."""
    responses: int
    """Respondents stored (new or replaced)."""
    new_responses: int
    """Of those, respondents not in the store before: 0 when the same file is imported again."""
    answers: int
    missing_answers: int
    """Blank or ``missing:`` answers, which leave the denominator and are not stored."""
    respondents_by_team: Mapping[str, int] = field(default_factory=dict)
    ignored_columns: tuple[str, ...] = ()
    """Columns that match no item (free text, demographics): not imported."""
    kept_later: int = 0
    """Respondents of the file whose stored submission is later (an older export imported after a
    newer one): their stored answers stay."""


def pseudonym(secret: str, identifier: str) -> str:
    """HMAC-SHA256(secret, identifier), hex: the only trace of a respondent in the store."""
    key = secret.encode("utf-8", "surrogatepass")
    return hmac.new(key, identifier.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def team_spellings(survey_names: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """The ``team_names`` argument of ``import_survey`` from team → its ``survey_names`` (SPEC §3):
    every team's own name and each of its spellings, folded. A spelling claimed by two teams is a
    configuration error, since an answer could not be told apart."""
    spellings: dict[str, str] = {}
    for team, names in survey_names.items():
        for spelling in (team, *names):
            folded = fold(spelling)
            if not folded:
                continue
            other = spellings.setdefault(folded, team)
            if other != team:
                raise ConfigError(f"teams: survey_names: {spelling!r} names both {other!r} and {team!r}")
    return spellings


def parse_export(file: Path | str, definition: SurveyDefinition, fmt: str = "auto") -> ParsedExport:
    """Read ``file`` in format ``fmt`` (``auto``: told from the header) into raw responses."""
    file = Path(file)
    label = str(file)
    if fmt != "auto" and fmt not in _PARSERS:
        raise SurveyImportError(f"unknown format {fmt!r} (expected auto, {', '.join(FORMATS)})", file=label)
    table = read_table(file)
    chosen = fmt if fmt != "auto" else detect_format(table.header)
    if chosen is None:
        raise SurveyImportError(
            f"cannot tell the export format from the header; pass --format ({', '.join(FORMATS)})",
            file=label,
            row=1,
        )
    return _PARSERS[chosen](table, definition)


@dataclass(frozen=True)
class PreparedImport:
    """An export read, matched and validated (``prepare_import``), ready for ``write_import``."""

    file: str
    definition: SurveyDefinition
    quarter: str
    export: ParsedExport
    plan: _Plan


def prepare_import(
    file: Path | str,
    definition: SurveyDefinition,
    *,
    quarter: str,
    fmt: str = "auto",
    secret: str,
    team_names: Mapping[str, str],
) -> PreparedImport:
    """Read and check one export for ``quarter`` (``2026-Q3``) without touching the store, so that a
    bad file is refused before a store is even created.

    ``team_names`` maps spellings (team names and their ``survey_names``; compared folded) to teams.
    """
    label = str(Path(file))
    if not isinstance(quarter, str) or not QUARTER.match(quarter):
        raise SurveyImportError(f"the quarter must look like 2026-Q3 (got {quarter!r})", file=label)
    if not secret:
        raise ConfigError("surveys.respondent_secret: is empty; pseudonyms need a secret key")
    export = parse_export(file, definition, fmt)
    plan = _plan(label, export, definition, quarter, secret, team_names)
    return PreparedImport(label, definition, quarter, export, plan)


def write_import(engine: Engine, prepared: PreparedImport) -> ImportReport:
    """Write a prepared import in one transaction, all or nothing."""
    label, export, plan = prepared.file, prepared.export, prepared.plan
    try:
        with engine.begin() as conn:
            plan, new_responses = _write(conn, label, prepared.definition, prepared.quarter, plan)
    except SQLAlchemyError as exc:
        raise StoreError(f"survey import of {label}: the store failed: {exc}") from exc
    return ImportReport(
        file=label,
        format=export.format,
        survey=prepared.definition.survey,
        quarter=prepared.quarter,
        rows=len(export.responses),
        skipped=export.skipped,
        superseded=plan.superseded,
        responses=len(plan.responses),
        new_responses=new_responses,
        answers=len(plan.answers),
        missing_answers=plan.missing_answers,
        respondents_by_team=dict(sorted(Counter(row["team"] for row in plan.responses).items())),
        ignored_columns=plan.ignored_columns,
        kept_later=plan.kept_later,
    )


def import_survey(
    engine: Engine,
    file: Path | str,
    definition: SurveyDefinition,
    *,
    quarter: str,
    fmt: str = "auto",
    secret: str,
    team_names: Mapping[str, str],
) -> ImportReport:
    """Import one export for ``quarter``, all or nothing: ``prepare_import``, then ``write_import``."""
    prepared = prepare_import(
        file, definition, quarter=quarter, fmt=fmt, secret=secret, team_names=team_names
    )
    return write_import(engine, prepared)


# --------------------------------------------------------------------------------------------------
# Validation: everything is checked before the transaction starts
# --------------------------------------------------------------------------------------------------


def _submitted_before(submitted: datetime | None, other: datetime | None) -> bool:
    """Whether ``submitted`` is known to be earlier than ``other``. Of a respondent's submissions the
    latest counts, in one file whatever the rows' order (a sheet sorted by team) and across imports;
    when the times are equal or unknown, what is read later (the later row, the later import) wins."""
    return submitted is not None and other is not None and submitted < other


@dataclass
class _Plan:
    responses: list[dict[str, Any]]
    answers: list[dict[str, Any]]
    superseded: int
    missing_answers: int
    ignored_columns: tuple[str, ...]
    kept_later: int = 0  # respondents left out at writing: the store holds a later submission


class _Answers:
    """Label → point for one scale, plus the definition's missing labels."""

    def __init__(self, scale: Scale, missing: Sequence[str]) -> None:
        self.scale = scale
        self.points = {fold(label): point for point, label in enumerate(scale.labels, start=1)}
        self.missing = {fold(label) for label in missing}

    def point(self, answer: str) -> int | None:
        """The scale point of ``answer``, None for no answer; ValueError with the reason otherwise."""
        folded = fold(answer)
        if not folded or folded in self.missing:
            return None
        if folded in self.points:
            return self.points[folded]
        number = _NUMBER.match(folded)
        if number:
            value = int(number.group(1))
            if 1 <= value <= self.scale.points:
                return value
            raise ValueError(
                f"{quoted(answer)} is outside scale {self.scale.name} (1 to {self.scale.points})"
            )
        expected = ", ".join(self.scale.labels) or f"1 to {self.scale.points}"
        raise ValueError(f"unknown answer {quoted(answer)} for scale {self.scale.name} (expected {expected})")


def _columns_to_items(
    label: str, export: ParsedExport, definition: SurveyDefinition
) -> tuple[dict[str, Item], tuple[str, ...]]:
    """Column key → item, and the titles of columns left unimported."""
    if export.by_item_id:
        by_id = {item.id: item for item in definition.items}
        return {column.key: by_id[column.key] for column in export.columns}, ()
    item_of: dict[str, Item] = {}
    absent: list[Item] = []
    for item in definition.items:
        found = find_column(export.columns, item.text)
        if not found:
            absent.append(item)
            continue
        if len(found) > 1:
            raise SurveyImportError(
                f"several columns ask item {item.id!r}: {', '.join(column.key for column in found)}",
                file=label,
                column=found[1].key,
            )
        column = found[0]
        if column.key in item_of:
            raise SurveyImportError(
                f"the column matches both item {item_of[column.key].id!r} and item {item.id!r}",
                file=label,
                column=column.key,
            )
        item_of[column.key] = item
    if absent:
        first = absent[0]
        more = f" and {len(absent) - 1} more item(s)" if len(absent) > 1 else ""
        raise SurveyImportError(
            f"no column asks item {first.id!r} ({first.text!r})"
            f"{close_hint(export.columns, first.text)}{more}; "
            "the definition's item text must match the export's question (or grid row) wording",
            file=label,
        )
    ignored = tuple(column.key for column in export.columns if column.key not in item_of)
    return item_of, ignored


def _plan(
    label: str,
    export: ParsedExport,
    definition: SurveyDefinition,
    quarter: str,
    secret: str,
    team_names: Mapping[str, str],
) -> _Plan:
    item_of, ignored = _columns_to_items(label, export, definition)
    scales = {name: _Answers(scale, definition.missing) for name, scale in definition.scales.items()}
    teams = {fold(spelling): team for spelling, team in team_names.items()}

    latest: dict[str, tuple[RawResponse, str, dict[str, int], int]] = {}
    superseded = 0
    for response in export.responses:
        team = teams.get(fold(response.team_answer))
        if team is None:
            raise SurveyImportError(
                f"unknown team {quoted(response.team_answer)}: not a team name or one of its survey_names"
                if response.team_answer.strip()
                else "no answer to the team question",
                file=label,
                row=response.row_number,
                column=export.team_column,
            )
        values: dict[str, int] = {}
        missing = 0
        for key, answer in response.answers.items():
            item = item_of.get(key)
            if item is None:
                continue  # a column that is no item: never read, never stored
            try:
                value = scales[item.scale.name].point(answer)
            except ValueError as exc:
                raise SurveyImportError(
                    str(exc),
                    file=label,
                    row=response.answer_rows.get(key, response.row_number),
                    column="answer" if export.by_item_id else key,
                ) from None
            if value is None:
                missing += 1
            else:
                values[item.id] = value
        respondent = pseudonym(secret, response.identifier)
        kept = latest.get(respondent)
        superseded += kept is not None
        if kept is None or not _submitted_before(response.submitted_at, kept[0].submitted_at):
            latest[respondent] = (response, team, values, missing)

    responses: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    missing_answers = 0
    for respondent, (response, team, values, missing) in latest.items():
        missing_answers += missing
        responses.append(
            {
                "survey": definition.survey,
                "quarter": quarter,
                "respondent": respondent,
                "team": team,
                "submitted_at": response.submitted_at,
            }
        )
        answers.extend(
            {
                "survey": definition.survey,
                "quarter": quarter,
                "respondent": respondent,
                "item_id": item_id,
                "value": value,
            }
            for item_id, value in values.items()
        )
    return _Plan(responses, answers, superseded, missing_answers, ignored)


# --------------------------------------------------------------------------------------------------
# Writing: one transaction
# --------------------------------------------------------------------------------------------------


def _item_rows(definition: SurveyDefinition, quarter: str) -> list[dict[str, Any]]:
    return [
        {
            "survey": definition.survey,
            "quarter": quarter,
            "item_id": item.id,
            "dimension": item.dimension,
            "points": item.scale.points,
            "favourable": ",".join(str(point) for point in item.scale.favourable),
            "reverse": item.reverse,
            "wording_fingerprint": fingerprint(item),
        }
        for item in definition.items
    ]


def _check_items(conn: Connection, label: str, definition: SurveyDefinition, quarter: str) -> None:
    # One quarter is asked one way: answers to differently worded or scaled items must not mix.
    # An item whose id was renamed, its wording kept, is the item it was (analytics score it as one).
    table = schema.survey_items
    rows = conn.execute(
        select(table).where(table.c.survey == definition.survey, table.c.quarter == quarter)
    ).all()
    stored = {row.item_id: row for row in rows}
    asked = {row.wording_fingerprint: row for row in rows}
    for wanted in _item_rows(definition, quarter):
        row = stored.get(wanted["item_id"], asked.get(wanted["wording_fingerprint"]))
        if row is None:
            continue
        changed = [
            name
            for name, words in (
                ("wording", "wording_fingerprint"),
                ("dimension", "dimension"),
                ("points", "points"),
                ("favourable points", "favourable"),
                ("reverse", "reverse"),
            )
            if getattr(row, words) != wanted[words]
        ]
        if changed:
            same = (
                "" if row.item_id == wanted["item_id"] else f" (as item {row.item_id!r}, the same question)"
            )
            raise SurveyImportError(
                f"item {wanted['item_id']!r} of survey {definition.survey!r} was imported for "
                f"{quarter}{same} with a different {' and '.join(changed)}; "
                "a quarter's answers must share one definition",
                file=label,
            )


def _write(
    conn: Connection, label: str, definition: SurveyDefinition, quarter: str, plan: _Plan
) -> tuple[_Plan, int]:
    """Write the plan, less the respondents whose stored submission is later: across imports, as in
    one file, a respondent's latest submission counts, so an older export imported after a newer one
    brings no replaced answer back. Returns the plan written and how many respondents are new."""
    _check_items(conn, label, definition, quarter)
    responses, answers = schema.survey_responses, schema.survey_answers
    respondents = [row["respondent"] for row in plan.responses]
    known: dict[str, datetime | None] = {}
    stored_answers: set[tuple[str, str]] = set()
    for start in range(0, len(respondents), _CHUNK):
        chunk = respondents[start : start + _CHUNK]
        scope = (responses.c.survey == definition.survey, responses.c.quarter == quarter)
        stored = select(responses.c.respondent, responses.c.submitted_at)
        known.update(
            (row.respondent, row.submitted_at)
            for row in conn.execute(stored.where(*scope, responses.c.respondent.in_(chunk)))
        )
        answer_scope = (answers.c.survey == definition.survey, answers.c.quarter == quarter)
        stored_answers.update(
            (row.respondent, row.item_id)
            for row in conn.execute(
                select(answers.c.respondent, answers.c.item_id).where(
                    *answer_scope, answers.c.respondent.in_(chunk)
                )
            )
        )
    later = {
        row["respondent"]
        for row in plan.responses
        if row["respondent"] in known and _submitted_before(row["submitted_at"], known[row["respondent"]])
    }
    plan = replace(
        plan,
        responses=[row for row in plan.responses if row["respondent"] not in later],
        answers=[row for row in plan.answers if row["respondent"] not in later],
        kept_later=len(later),
    )
    stored_answers = {(respondent, item) for respondent, item in stored_answers if respondent not in later}
    upsert(conn, schema.survey_items, _item_rows(definition, quarter))
    upsert(conn, responses, plan.responses)
    upsert(conn, answers, plan.answers)
    # A respondent imported again keeps only the answers of this import (an answer since cleared goes).
    stale = stored_answers - {(row["respondent"], row["item_id"]) for row in plan.answers}
    for respondent, item_id in sorted(stale):
        conn.execute(
            delete(answers).where(
                and_(
                    answers.c.survey == definition.survey,
                    answers.c.quarter == quarter,
                    answers.c.respondent == respondent,
                    answers.c.item_id == item_id,
                )
            )
        )
    return plan, len(set(respondents) - known.keys())
