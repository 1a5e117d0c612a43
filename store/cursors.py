"""Sync cursors: where each source, stream and scope has got to.

A cursor is written in the same transaction as the facts behind it, so it never runs ahead of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, delete, select

from store.schema import http_etags, sync_cursors
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


def delete_cursor(conn: Connection, source: str, stream: str, scope: str) -> None:
    conn.execute(
        delete(sync_cursors).where(
            and_(
                sync_cursors.c.source == source,
                sync_cursors.c.stream == stream,
                sync_cursors.c.scope == scope,
            )
        )
    )


def cursor_scopes(conn: Connection, source: str, stream: str) -> list[str]:
    """The scopes of ``source``'s cursors of ``stream``."""
    rows = conn.execute(
        select(sync_cursors.c.scope).where(
            and_(sync_cursors.c.source == source, sync_cursors.c.stream == stream)
        )
    )
    return sorted(str(row[0]) for row in rows)


def read_etag(conn: Connection, source: str, url: str) -> tuple[str, str | None] | None:
    """The stored validator of ``url`` and its memo, or None if the URL was never answered."""
    row = conn.execute(
        select(http_etags.c.etag, http_etags.c.memo).where(
            and_(http_etags.c.source == source, http_etags.c.url == url)
        )
    ).first()
    return None if row is None else (str(row[0]), None if row[1] is None else str(row[1]))


def read_etags(conn: Connection, source: str) -> dict[str, tuple[str, str | None]]:
    """Every stored validator of ``source`` by URL (one query for a sync's many repositories)."""
    rows = conn.execute(
        select(http_etags.c.url, http_etags.c.etag, http_etags.c.memo).where(http_etags.c.source == source)
    )
    return {str(row[0]): (str(row[1]), None if row[2] is None else str(row[2])) for row in rows}


def write_etags(conn: Connection, source: str, answers: Mapping[str, tuple[str, str | None]]) -> None:
    """Store each URL's validator and memo (``url -> (etag, memo)``) in the caller's transaction."""
    moment = datetime.now(UTC).replace(tzinfo=None)
    upsert(
        conn,
        http_etags,
        [
            {"source": source, "url": url, "etag": etag, "memo": memo, "updated_at": moment}
            for url, (etag, memo) in answers.items()
        ],
    )
