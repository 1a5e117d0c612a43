"""Sync cursors: where each source, stream and scope has got to.

A cursor is written in the same transaction as the facts behind it, so it never runs ahead of them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, and_, select

from store.schema import sync_cursors
from store.upsert import upsert


def read_cursor(conn: Connection, source: str, stream: str, scope: str) -> str | None:
    row = conn.execute(
        select(sync_cursors.c.value).where(
            and_(
                sync_cursors.c.source == source,
                sync_cursors.c.stream == stream,
                sync_cursors.c.scope == scope,
            )
        )
    ).first()
    return None if row is None else str(row[0])


def write_cursor(conn: Connection, source: str, stream: str, scope: str, value: str) -> None:
    upsert(
        conn,
        sync_cursors,
        [
            {
                "source": source,
                "stream": stream,
                "scope": scope,
                "value": value,
                "updated_at": datetime.now(UTC).replace(tzinfo=None),
            }
        ],
    )
