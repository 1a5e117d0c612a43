"""Recorded schema migrations.

The schema changes only through this list: each step runs once, in order, inside one transaction, and
is recorded in ``schema_migrations``. A new column or table is a new step appended here; a released
step is never edited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, Table, select, text
from sqlalchemy.schema import CreateTable

from store import schema
from store.locks import migration_lock


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


def _create(conn: Connection, *tables: Table) -> None:
    # IF NOT EXISTS rather than create_all's check first: that check is one catalog query per table,
    # which DuckDB answers in 10-20 ms (its pg_catalog is made of views), and schema_migrations is
    # checked at every start. No table has a foreign key or an index that create_all would order or add.
    for table in tables:
        conn.execute(CreateTable(table, if_not_exists=True))


def _initial(conn: Connection) -> None:
    _create(
        conn,
        schema.repositories,
        schema.deployments,
        schema.deployment_statuses,
        schema.commits,
        schema.deployment_compares,
        schema.deployment_commits,
        schema.pull_requests,
        schema.pull_request_commits,
        schema.pull_request_reviews,
        schema.pull_request_labels,
        schema.sync_cursors,
    )


def _incidents_and_catalog(conn: Connection) -> None:
    _create(conn, schema.incidents, schema.catalog_components)


def _surveys(conn: Connection) -> None:
    _create(conn, schema.survey_items, schema.survey_responses, schema.survey_answers)


def _http_etags(conn: Connection) -> None:
    _create(conn, schema.http_etags)


# The access paths of analytics (analytics.dora, analytics.failures) that no primary key covers: a
# change to the PR whose merge produced it, a PR commit by sha, incidents by start, deployments of a
# scope in time order. PostgreSQL only: DuckDB answers these joins by hashing column segments and would
# only pay for the indexes (kept in memory, maintained on every upsert) without reading them.
ANALYTICS_INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ix_pull_requests_merge_commit", "pull_requests", ("repo", "merge_commit_sha")),
    ("ix_pull_request_commits_sha", "pull_request_commits", ("repo", "sha")),
    ("ix_incidents_started_at", "incidents", ("started_at",)),
    ("ix_deployments_scope_time", "deployments", ("repo", "source", "environment", "deployed_at")),
)


def _analytics_indexes(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    for name, table, columns in ANALYTICS_INDEXES:
        # Plain DDL from the constants above: an Index object would attach itself to the shared
        # table, which a DuckDB store must be created without.
        conn.execute(text(f"CREATE INDEX {name} ON {table} ({', '.join(columns)})"))


# The access path of the derived first shipments on PostgreSQL: a repository's rows (replaced whole
# on refresh) and a change by sha (pull requests and explicit links join on it).
DERIVED_INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ix_derived_first_shipments_repo_sha", "derived_first_shipments", ("repo", "sha")),
)


def _derived_first_shipments(conn: Connection) -> None:
    _create(conn, schema.derived_first_shipments, schema.derived_fingerprints)
    if conn.dialect.name == "postgresql":
        for name, table, columns in DERIVED_INDEXES:
            conn.execute(text(f"CREATE INDEX {name} ON {table} ({', '.join(columns)})"))


def _derive_again(conn: Connection) -> None:
    # The derivation changed: the derived rows are emptied, and the next snapshot derives them again
    # from the facts.
    conn.execute(text("DELETE FROM derived_first_shipments"))
    conn.execute(text("DELETE FROM derived_fingerprints"))


def _derived_sha_heads(conn: Connection) -> None:
    # Migration 6 creates the table from today's schema, which has the column: hence IF NOT EXISTS.
    # The rows are derived again, heads included.
    _derive_again(conn)
    conn.execute(text("ALTER TABLE derived_first_shipments ADD COLUMN IF NOT EXISTS head INTEGER"))


def _repository_ids(conn: Connection) -> None:
    # Migration 1 creates the table from today's schema, which has the column: hence IF NOT EXISTS.
    conn.execute(text("ALTER TABLE repositories ADD COLUMN IF NOT EXISTS github_id BIGINT"))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "github facts: deployments, commits, pull requests", _initial),
    Migration(2, "incidents (pagerduty, github issues) and catalog components", _incidents_and_catalog),
    Migration(3, "SPACE survey items, responses and answers", _surveys),
    Migration(4, "ETags of the GitHub URLs a sync re-asks (conditional requests)", _http_etags),
    Migration(5, "indexes for the analytics access paths (PostgreSQL)", _analytics_indexes),
    Migration(6, "derived first shipments, refreshed per repository by analytics", _derived_first_shipments),
    Migration(
        7, "the first 7 hex digits of each derived first shipment's sha, as an integer", _derived_sha_heads
    ),
    Migration(8, "the first deployment of the history ships its own commit (derived again)", _derive_again),
    Migration(9, "a deployment GitHub could not compare ships its own commit (derived again)", _derive_again),
    Migration(10, "GitHub's repository ids, which a rename keeps", _repository_ids),
)


def applied_versions(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return _applied_versions(conn)


def _applied_versions(conn: Connection) -> list[int]:
    _create(conn, schema.schema_migrations)
    conn.commit()
    versions = [row[0] for row in conn.execute(select(schema.schema_migrations.c.version))]
    conn.commit()
    return versions


def migrate(engine: Engine) -> list[int]:
    """Apply every pending migration; returns the versions applied now.

    On PostgreSQL the whole check-and-apply holds the migrations lock (``store.locks``): several
    collectors starting together on a fresh store would otherwise all create the same tables (and all
    but one fail). The others wait, then find every step recorded.
    """
    applied: list[int] = []
    with engine.connect() as conn, migration_lock(conn):
        done = set(_applied_versions(conn))
        for migration in MIGRATIONS:
            if migration.version in done:
                continue
            with conn.begin():
                migration.apply(conn)
                conn.execute(
                    schema.schema_migrations.insert().values(
                        version=migration.version,
                        name=migration.name,
                        applied_at=datetime.now(UTC).replace(tzinfo=None),
                    )
                )
            applied.append(migration.version)
    return applied
