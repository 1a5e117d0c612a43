"""The store: migrations recorded once, upserts idempotent on natural keys."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from store import schema
from store.engine import open_store
from store.errors import StoreError
from store.migrations import MIGRATIONS, applied_versions, migrate
from store.upsert import upsert
from store.urls import duckdb_file, redact


def test_every_table_is_created_by_a_recorded_migration(tmp_path: Path) -> None:
    engine = open_store(f"duckdb:///{tmp_path}/s.duckdb")
    assert applied_versions(engine) == [m.version for m in MIGRATIONS]
    assert set(inspect(engine).get_table_names()) == {t.name for t in schema.metadata.sorted_tables}
    assert migrate(engine) == []  # a second open applies nothing
    engine.dispose()


def test_upsert_updates_in_place_and_keeps_the_last_row_of_a_key(tmp_path: Path) -> None:
    engine = open_store(f"duckdb:///{tmp_path}/s.duckdb")
    row = {
        "repo": "a/b",
        "sha": "1" * 40,
        "parent_shas": "",
        "parent_count": 0,
        "author_date": datetime(2026, 1, 1),
        "committed_date": None,
        "message": "first",
    }
    with engine.begin() as conn:
        upsert(conn, schema.commits, [row, {**row, "message": "second"}])
        upsert(conn, schema.commits, [{**row, "message": "third"}])
        assert conn.execute(select(func.count()).select_from(schema.commits)).scalar_one() == 1
        assert conn.execute(select(schema.commits.c.message)).scalar_one() == "third"
    engine.dispose()


def test_database_url_helpers() -> None:
    assert duckdb_file("duckdb:////srv/dora/s.duckdb?threads=2") == "/srv/dora/s.duckdb"
    assert duckdb_file("duckdb:///:memory:") is None
    assert duckdb_file("postgresql+psycopg://dora@db/dora") is None
    assert redact("postgresql+psycopg://dora:hunter2@db/dora?password=hunter2") == (
        "postgresql+psycopg://dora:***@db/dora?password=***"
    )
    assert redact("duckdb:////srv/dora/s.duckdb") == "duckdb:////srv/dora/s.duckdb"


def test_redact_hides_the_password_the_driver_reads() -> None:
    """SQLAlchemy reads the password from the user's ':' to the next '@', a raw '/' or ':' in it
    included; a libpq keyword string is no URL, but its password is hidden too, spaces and all."""
    assert (
        redact("postgresql+psycopg://dora:p/w:x@db:5432/dora") == "postgresql+psycopg://dora:***@db:5432/dora"
    )
    assert redact("postgresql+psycopg://db:5432/dora") == "postgresql+psycopg://db:5432/dora"
    assert redact("host=db user=dora password=p w@x dbname=d") == "host=db user=dora password=***"
    assert redact("data.duckdb") == "data.duckdb"


def test_a_duckdb_file_is_its_path_percent_decoded_as_sqlalchemy_reads_it() -> None:
    assert duckdb_file("duckdb:///team%20data/s.duckdb") == "team data/s.duckdb"
    assert duckdb_file("duckdb:////srv/a%25b/s.duckdb?threads=2") == "/srv/a%b/s.duckdb"


def test_a_store_that_cannot_be_opened_is_named_without_its_password() -> None:
    with pytest.raises(StoreError) as info:
        open_store("postgresql+psycopg://dora:hunter2@127.0.0.1:1/dora", lock_timeout=0)
    assert "postgresql+psycopg://dora:***@127.0.0.1:1/dora" in str(info.value)
    assert "hunter2" not in str(info.value)
