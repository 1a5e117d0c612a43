"""The store: migrations recorded once, upserts idempotent on natural keys."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, inspect, select

from store import schema
from store.engine import open_store
from store.migrations import MIGRATIONS, applied_versions, migrate
from store.upsert import upsert


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
