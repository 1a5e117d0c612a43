"""Opening the store: an SQLAlchemy engine for ``database.url``, migrated to the current schema."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError

from store.errors import StoreError
from store.migrations import migrate

# Another process holds the DuckDB file: DuckDB allows one writer per file across processes.
_LOCK_MARKERS = ("Could not set lock on file", "Conflicting lock is held")


def is_lock_error(exc: BaseException) -> bool:
    return any(marker in str(exc) for marker in _LOCK_MARKERS)


def open_store(
    url: str,
    *,
    migrate_schema: bool = True,
    lock_timeout: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Engine:
    """Open (creating if needed) and migrate the store at ``url``.

    A DuckDB file held by another process is retried until ``lock_timeout`` seconds have passed; then
    the error says which file is busy instead of DuckDB's raw lock message.
    """
    if url.startswith("duckdb:///") and not url.startswith("duckdb:///:memory:"):
        path = url.removeprefix("duckdb:///")
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
    try:
        engine = create_engine(url)
    except Exception as exc:  # a bad URL or missing driver is the user's to fix
        raise StoreError(f"database.url: cannot open {url!r}: {exc}") from exc
    if url.startswith("duckdb"):
        _pin_utc(engine)
    deadline = time.monotonic() + lock_timeout
    delay = 0.05
    while True:
        try:
            if migrate_schema:
                migrate(engine)
            else:
                with engine.connect():
                    pass
            return engine
        except (OperationalError, DBAPIError) as exc:
            engine.dispose()
            if is_lock_error(exc) and time.monotonic() < deadline:
                sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            if is_lock_error(exc):
                raise StoreError(
                    f"database.url: the store {url!r} is in use by another doraspace process "
                    f"(waited {lock_timeout:.0f} s)"
                ) from exc
            raise StoreError(f"database.url: cannot open {url!r}: {exc.orig or exc}") from exc


def _pin_utc(engine: Engine) -> None:
    # Naive timestamps are UTC by convention; keep DuckDB from applying a local zone to any cast.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("SET TimeZone = 'UTC'")
        except Exception:  # noqa: S110 - builds without ICU have no TimeZone setting; naive is UTC anyway
            pass
        finally:
            cursor.close()
