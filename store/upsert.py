"""Idempotent writes on natural keys, one statement for DuckDB and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table
from sqlalchemy.dialects.postgresql import Insert, insert

# Given the statement (for its ``excluded`` row), when an existing row may be updated.
UpdateGuard = Callable[[Insert], ColumnElement[bool]]


def upsert(
    conn: Connection,
    table: Table,
    rows: Iterable[Mapping[str, Any]],
    *,
    only_if: UpdateGuard | None = None,
) -> int:
    """Insert ``rows`` into ``table``, updating every non-key column of rows whose key exists (only where
    ``only_if`` holds, if given: e.g. never replace a newer stored row with an older one).

    PostgreSQL's ``INSERT … ON CONFLICT DO UPDATE`` compiles for DuckDB through duckdb-engine too.
    Returns the number of rows written.
    """
    key = [column.name for column in table.primary_key.columns]
    # PostgreSQL refuses to update one row twice in a statement: the last row for a key wins.
    by_key = {tuple(row[name] for name in key): dict(row) for row in rows}
    # Rows in key order: every statement locks existing rows in the same order, so two collectors
    # upserting overlapping rows of a table wait for each other instead of deadlocking.
    batch = [by_key[k] for k in sorted(by_key)]
    if not batch:
        return 0
    # One multi-row VALUES statement per chunk: duckdb-engine runs executemany row by row, which is
    # two orders of magnitude slower. Chunks keep the bound parameters well under PostgreSQL's 65,535.
    chunk_rows = max(1, 20_000 // max(1, len(batch[0])))
    for start in range(0, len(batch), chunk_rows):
        statement = insert(table).values(batch[start : start + chunk_rows])
        updates = {name: statement.excluded[name] for name in batch[0] if name not in key}
        if updates:
            statement = statement.on_conflict_do_update(
                index_elements=key, set_=updates, where=None if only_if is None else only_if(statement)
            )
        else:
            statement = statement.on_conflict_do_nothing(index_elements=key)
        conn.execute(statement)
    return len(batch)
