"""Locks that let several collectors share one PostgreSQL store (docs/operations.md, "Several collectors").

PostgreSQL advisory locks, keyed by a name:

* ``migration_lock`` — session-level, held by a process while it reads and applies the migrations, so
  that two processes starting on a fresh store do not both create the tables;
* ``lock_scopes`` — transaction-level (``pg_advisory_xact_lock``), one per repository, taken by every
  writer that replaces a set of rows (a compare's commits, a pull request's commits, reviews and
  labels) or compares a fact with the stored one before writing it. A second collector writing the same
  repository waits for the first one's commit (transactions are short: no network call happens inside
  one) and then, in READ COMMITTED, sees its rows: a replacement is always one collector's whole set,
  never the union of two.

DuckDB needs neither: one process at a time can open a DuckDB file (``store.engine``), so both are
no-ops there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

MIGRATIONS_SCOPE = "doraspace:migrations"


def lock_key(scope: str) -> int:
    """A stable signed 64-bit key for ``scope`` (advisory locks are keyed by bigint). Two scopes that
    collide only wait for each other needlessly."""
    digest = hashlib.blake2b(scope.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def repository_scope(repo: str) -> str:
    # GitHub names are case-insensitive; the catalog reads them lower-cased.
    return f"repo:{repo.lower()}"


def lock_scopes(conn: Connection, scopes: set[str] | list[str]) -> None:
    """Take the transaction-level lock of each scope (released at commit or rollback).

    Keys are taken in sorted order, so two transactions locking overlapping sets never deadlock.
    """
    if conn.dialect.name != "postgresql":
        return
    for key in sorted({lock_key(scope) for scope in scopes}):
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


@contextmanager
def migration_lock(conn: Connection) -> Iterator[None]:
    """Hold the session-level migrations lock on ``conn`` for the block. A process that dies holding it
    loses its session, and with it the lock."""
    if conn.dialect.name != "postgresql":
        yield
        return
    key = lock_key(MIGRATIONS_SCOPE)
    conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
    conn.commit()
    try:
        yield
    finally:
        if conn.in_transaction():
            conn.rollback()
        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        conn.commit()
