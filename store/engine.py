"""Opening the store: an SQLAlchemy engine for ``database.url``, migrated to the current schema."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from store.errors import StoreError
from store.migrations import migrate
from store.urls import duckdb_file, redact

__all__ = [
    "STORE_FAILURES",
    "Engine",
    "is_lock_error",
    "open_store",
    "turn_taking_engine",
]

STORE_FAILURES: tuple[type[Exception], ...] = (StoreError, SQLAlchemyError)
"""What reading the store can raise: ours, or the database's own (a store not migrated, a lost server).
Callers outside ``store`` catch these without importing SQLAlchemy."""

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
    parent = os.path.dirname(duckdb_file(url) or "")
    if parent:
        os.makedirs(parent, exist_ok=True)
    try:
        engine = create_engine(url)
    except Exception as exc:  # a bad URL or missing driver is the user's to fix
        raise StoreError(f"database.url: cannot open {redact(url)!r}: {exc}") from exc
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
                    f"database.url: the store {redact(url)!r} is in use by another doraspace process "
                    f"(waited {lock_timeout:.0f} s)"
                ) from exc
            raise StoreError(f"database.url: cannot open {redact(url)!r}: {exc.orig or exc}") from exc


def store_exists(url: str) -> bool:
    """Whether the store at ``url`` is there to open: false only for a DuckDB file not yet created
    (``open_store`` would create it); a server's database is always there."""
    file = duckdb_file(url)
    return file is None or os.path.exists(file)


class DeferredStore:
    """The store at ``url`` for a command that may refuse its input: opened at once if it exists
    (``existing``, to read), created only when ``open()`` is called, so that a command refused before
    that leaves no store behind. A context manager: the engine is disposed at the end."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.existing: Engine | None = open_store(url) if store_exists(url) else None

    def open(self) -> Engine:
        """The store, created and migrated if it did not exist yet."""
        self.existing = self.existing or open_store(self._url)
        return self.existing

    def __enter__(self) -> DeferredStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.existing is not None:
            self.existing.dispose()


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


def turn_taking_engine(
    url: str,
    stopping: threading.Event,
    stop_error: Callable[[], BaseException],
    *,
    lock_timeout: float,
    open_timeout: float = 30.0,
) -> Engine:
    """An engine for a long-running process: migrated once, and for a DuckDB file, holding the file only
    per connection, so other processes (a CLI command beside a daemon) get their turn.

    Every connection checkout raises ``stop_error()`` once ``stopping`` is set. For a DuckDB file, a
    connect that meets another process' lock waits (up to ``lock_timeout``) instead of failing, then
    raises a ``StoreError`` naming the busy file.
    """
    path = duckdb_file(url)
    if path is None:
        engine = open_store(url, lock_timeout=open_timeout)
    else:
        # Create and migrate with the usual opener, then let go of the file at once.
        open_store(url, lock_timeout=open_timeout).dispose()
        engine = create_engine(url, poolclass=NullPool)
        _pin_utc(engine)

        @event.listens_for(engine, "do_connect")
        def _wait_for_file(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
            deadline = time.monotonic() + lock_timeout
            delay = 0.02
            while True:
                if stopping.is_set():
                    raise stop_error()
                try:
                    return dialect.connect(*cargs, **cparams)
                except Exception as exc:
                    if not is_lock_error(exc):
                        raise
                    if time.monotonic() >= deadline:
                        raise StoreError(
                            f"the store {path} is in use by another doraspace process "
                            f"(waited {lock_timeout:.0f} s); this run is skipped"
                        ) from None
                if stopping.wait(delay):
                    raise stop_error()
                delay = min(delay * 2, 0.5)

    @event.listens_for(engine, "checkout")
    def _refuse_when_stopping(*_args: Any) -> None:
        if stopping.is_set():
            raise stop_error()

    return engine
