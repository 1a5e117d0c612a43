"""The store: migrations recorded once, upserts idempotent on natural keys."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import ColumnElement, Engine, event, func, inspect, or_, select
from sqlalchemy.dialects.postgresql import Insert

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


def _commit(number: int, message: str, *, committed: datetime | None) -> dict[str, object]:
    return {
        "repo": "acme/Ω 'q\"",
        "sha": f"{number:040x}",
        "parent_shas": "" if number % 3 else f"{number - 1:040x} {number - 2:040x}",
        "parent_count": 0 if number % 3 else 2,
        "author_date": datetime(2026, 1, 1, 12, 0, 0, number),
        "committed_date": committed,
        "message": message,
    }


@pytest.mark.parametrize("count", [7, 8, 9, 250], ids=["values-7", "arrays-8", "arrays-9", "arrays-250"])
def test_upsert_of_a_few_rows_and_of_many_stores_the_same_values(store_engine: Engine, count: int) -> None:
    """Under 8 rows an upsert is a VALUES list, from 8 on one array per column (store/upsert.py): both
    insert new keys, update existing ones (the last row of a key in a batch wins), keep NULLs, quotes,
    non-ASCII text and microseconds, and leave the keys they do not name alone."""
    untouched = _commit(10_000, "not in the batch", committed=None)
    first = [_commit(n, f"first {n}", committed=datetime(2026, 2, 1)) for n in range(0, count, 2)]
    batch = [
        _commit(n, f"second {n}", committed=None if n % 2 else datetime(2026, 3, n % 28 + 1))
        for n in range(count)
    ]
    batch.append({**batch[0], "message": "last of its key"})
    statements: list[str] = []

    def executed(*args: object) -> None:
        statements.append(str(args[2]))

    with store_engine.begin() as conn:
        assert upsert(conn, schema.commits, [untouched, *first]) == len(first) + 1
        event.listen(conn, "before_cursor_execute", executed)
        assert upsert(conn, schema.commits, batch) == count
        event.remove(conn, "before_cursor_execute", executed)
        stored = {row.sha: row._asdict() for row in conn.execute(select(schema.commits))}
    assert ["unnest" in statement.lower() for statement in statements[:1]] == [count >= 8]
    expected = {row["sha"]: row for row in [untouched, *batch[1:count], batch[-1]]}
    assert stored == expected


def test_upsert_guard_holds_for_many_rows_as_for_a_few(store_engine: Engine) -> None:
    """``only_if`` (here: never replace a deployment's first success with none) decides row by row in
    both shapes: 3 rows and 12 rows, half of them stored with a success and read again without."""

    def unless_settled(statement: Insert) -> ColumnElement[bool]:
        return or_(schema.deployments.c.deployed_at.is_(None), statement.excluded.deployed_at.is_not(None))

    def deployment(number: int, deployed: datetime | None) -> dict[str, object]:
        return {
            "repo": "acme/api",
            "source": "deployments",
            "environment": "production",
            "deployment_id": number,
            "sha": f"{number:040x}",
            "ref": None,
            "created_at": datetime(2026, 1, 1),
            "deployed_at": deployed,
            "last_state": "success" if deployed else "pending",
        }

    for count in (3, 12):
        with store_engine.begin() as conn:
            conn.execute(schema.deployments.delete())
            settled = [deployment(n, datetime(2026, 1, 2, n)) for n in range(0, count, 2)]
            upsert(conn, schema.deployments, settled)
            upsert(
                conn, schema.deployments, [deployment(n, None) for n in range(count)], only_if=unless_settled
            )
            table = schema.deployments.c
            stored = {row[0]: row[1] for row in conn.execute(select(table.deployment_id, table.deployed_at))}
        assert stored == {n: (datetime(2026, 1, 2, n) if n % 2 == 0 else None) for n in range(count)}, count


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
