"""The derived first shipments (``store.schema.derived_first_shipments``), kept in step with the facts.

Which deployment first shipped each commit is the costliest fact of a snapshot (a window over every
shipped commit: 9 of 17 seconds at a million deployments), and it does not depend on as_of, the windows
or the configured scopes. So it is stored, and refreshed at the start of every computation: a
fingerprint per repository (row count and sum of row hashes of the deployments, compares, shipped
commits and commits it reads) says which repositories changed since the last refresh, and only their
rows are derived again, in the same transaction. Any change is caught this way (a new deployment, a
compare re-derived on resume, a force-push, a commit collected late, a deleted row), with no change to
the collector: the facts stay the only truth and the derived table can be dropped at any time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ARRAY, Connection, Integer, String, bindparam, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from store import schema
from store.schema import FIRST_COMPARE, UNKNOWN_COMPARE
from store.upsert import upsert

# What the derivation reads of each fact table, per repository: a change to any other column (a
# deployment's ref, a commit's message) cannot move a first shipment.
_FINGERPRINTED: tuple[tuple[str, tuple[str, ...]], ...] = (
    # A deployment's sha (read for the first deployment's own commit) never changes: its id names it.
    ("deployments", ("source", "deployment_id", "environment", "deployed_at")),
    ("deployment_compares", ("source", "deployment_id", "status")),
    ("deployment_commits", ("source", "deployment_id", "sha")),
    # A commit's sha names its content (message and parents included): a row can only appear or
    # disappear. Hashing fewer columns keeps the check that runs before every snapshot cheap.
    ("commits", ("sha", "parent_count", "author_date")),
)

# Serialises refreshes of several processes on one PostgreSQL (a daemon and a CLI run): the second
# waits for the first to commit, then finds nothing left to do. Any fixed number, unique to this use.
_REFRESH_LOCK = 0x64657269766564  # "derived"

# A change whose message holds this reverts the commit named after it (SPEC §6.1 rule 3).
REVERT_MARKER = "This reverts commit"
# A compare GitHub answered: what the deployment shipped is known (possibly nothing).
_KNOWN_COMPARES = "'ahead', 'behind', 'identical', 'diverged'"
# Compares whose commits are changes. ``behind`` is a rollback and ``identical`` a redeploy: no changes.
# ``first`` (start of the collected history) and ``unknown`` (GitHub could not compare): changes unknown.
_COMPARES_WITH_CHANGES = "'ahead', 'diverged'"
# Compares that list nothing although the deployment shipped something: its own commit and those before it.
UNLISTED_COMPARES = (FIRST_COMPARE, UNKNOWN_COMPARE)
_UNLISTED_IN_SQL = ", ".join(f"'{status}'" for status in UNLISTED_COMPARES)

# The derivation of analytics.dora's first shipments over every deployment of the stale repositories:
# every commit of a deployment that reached success with a known compare, numbered per commit in
# deployment order (deployed_at, then id); number 1 first shipped it. The first deployment of the
# collected history (compare ``first``) and one GitHub could not compare (``unknown``) list no commits,
# but each shipped its own and all before it: when a later deployment lists that commit again (main
# rolled back past it, then moved forward), the commit and its ancestors among that listing are that
# deployment's shipments (never changes), so they are not counted a second time. A change is a non-merge
# commit (at most one parent) first shipped by a deployment that moved forward (ahead or diverged).
_DERIVE = f"""
INSERT INTO derived_first_shipments
    (repo, source, environment, sha, deployment_id, deployed_at, compare_status, author_date, is_change,
     revert_message, head)
WITH RECURSIVE deployed AS (
    SELECT d.repo, d.source, d.environment, d.deployment_id, d.deployed_at, d.sha, c.status
    FROM deployments AS d
    JOIN derived_refresh_stale AS stale ON stale.repo = d.repo
    JOIN deployment_compares AS c
        ON c.repo = d.repo AND c.source = d.source AND c.deployment_id = d.deployment_id
    WHERE d.deployed_at IS NOT NULL
),
unlisted AS (SELECT * FROM deployed WHERE status IN ({_UNLISTED_IN_SQL})),
relisted (repo, source, environment, deployment_id, deployed_at, status, listing_id, sha) AS (
    SELECT f.repo, f.source, f.environment, f.deployment_id, f.deployed_at, f.status, dc.deployment_id, dc.sha
    FROM unlisted AS f
    JOIN deployment_commits AS dc ON dc.repo = f.repo AND dc.source = f.source AND dc.sha = f.sha
    JOIN deployments AS later
        ON later.repo = dc.repo AND later.source = dc.source AND later.deployment_id = dc.deployment_id
        AND later.environment = f.environment
    UNION
    SELECT r.repo, r.source, r.environment, r.deployment_id, r.deployed_at, r.status, r.listing_id, dc.sha
    FROM relisted AS r
    JOIN commits AS cm ON cm.repo = r.repo AND cm.sha = r.sha
    JOIN deployment_commits AS dc
        ON dc.repo = r.repo AND dc.source = r.source AND dc.deployment_id = r.listing_id
        AND position(' ' || dc.sha || ' ' IN ' ' || cm.parent_shas || ' ') > 0
),
-- A sha may come several times (its own and relisted): the numbering below keeps one.
shipped AS (
    SELECT k.repo, k.source, k.environment, k.deployment_id, k.deployed_at, k.status AS compare_status, dc.sha
    FROM deployed AS k
    JOIN deployment_commits AS dc
        ON dc.repo = k.repo AND dc.source = k.source AND dc.deployment_id = k.deployment_id
    WHERE k.status IN ({_KNOWN_COMPARES})
    UNION ALL
    SELECT repo, source, environment, deployment_id, deployed_at, status, sha FROM unlisted
    UNION ALL
    SELECT repo, source, environment, deployment_id, deployed_at, status, sha FROM relisted
),
shipments AS (
    SELECT *, row_number() OVER (
               PARTITION BY repo, source, environment, sha ORDER BY deployed_at, deployment_id
           ) AS shipment_order
    FROM shipped
)
SELECT s.repo, s.source, s.environment, s.sha, s.deployment_id, s.deployed_at, s.compare_status,
       cm.author_date,
       (cm.sha IS NOT NULL AND cm.parent_count <= 1 AND s.compare_status IN ({_COMPARES_WITH_CHANGES})),
       CASE WHEN cm.message LIKE '%{REVERT_MARKER}%' THEN cm.message END,
       {{head}}
FROM shipments AS s
LEFT JOIN commits AS cm ON cm.repo = s.repo AND cm.sha = s.sha
WHERE s.shipment_order = 1
ORDER BY s.deployed_at
"""  # noqa: S608 - constants only


def sha_head_sql(dialect: str, sha: str) -> str:
    """SQL for the first 7 characters of ``sha`` (a sha, or a prefix of one that an incident or a
    revert names) as an integer, null unless they are 7 hex digits. Kept with each first shipment
    (``head``), it lets a prefix find its changes by an integer equality: the only other way is to cut
    and lower-case every sha of the history at each snapshot."""
    head = f"lower(substr({sha}, 1, 7))"
    if dialect == "postgresql":
        return (
            f"CASE WHEN {head} ~ '^[0-9a-f]{{7}}$' THEN CAST(CAST('x' || {head} AS BIT(28)) AS INTEGER) END"
        )
    return f"CASE WHEN regexp_full_match({head}, '[0-9a-f]{{7}}') THEN CAST('0x' || {head} AS INTEGER) END"


class sha_head(FunctionElement[int]):
    """``sha_head_sql`` as an expression: ``sha_head(tokens.c.token)``."""

    type = Integer()
    inherit_cache = True


@compiles(sha_head)
def _compile_sha_head(element: sha_head, compiler: SQLCompiler, **kw: Any) -> str:
    (sha,) = element.clauses
    return sha_head_sql(compiler.dialect.name, compiler.process(sha, **kw))


def set_up_postgresql(conn: Connection) -> None:
    """Planner settings for the set-based statements of analytics, for ``conn``'s transaction only.

    PostgreSQL cannot see through the scopes (arrays unnested) or the temporary tables (never
    analysed when a statement is planned), so it estimates a handful of rows where there are
    hundreds of thousands, and picks nested loops that take minutes; every statement here reads whole
    tables, where hash joins are right. Merge joins are off too: on those same wrong estimates it sorted
    millions of rows to join them to a few thousand (a million-deployment snapshot took 20.7 s with
    them, 17.9 s without, medians, the same numbers; docs/operations.md). Hash joins and sorts of
    millions of rows want more than the default 4 MB each; and JIT compiling these large plans costs
    more than it saves."""
    for setting in ("enable_nestloop = off", "enable_mergejoin = off", "work_mem = '256MB'", "jit = off"):
        conn.execute(text(f"SET LOCAL {setting}"))


def _row_hash(dialect: str, columns: tuple[str, ...]) -> str:
    if dialect == "postgresql":
        # hashtextextended: a 64-bit hash of text (PostgreSQL 11+); '~' keeps a null apart from ''.
        parts = ", ".join(f"coalesce(CAST({column} AS TEXT), '~')" for column in columns)
        return f"hashtextextended(concat_ws('|', {parts}), 0)"
    return f"hash({', '.join(columns)})"  # DuckDB: a 64-bit hash of several values, nulls included


def _fingerprints(dialect: str) -> str:
    return "\nUNION ALL\n".join(
        f"SELECT repo, '{table}' AS facts, "  # noqa: S608 - constants only
        f"CAST(count(*) AS VARCHAR) || ':' || CAST(sum({_row_hash(dialect, columns)}) AS VARCHAR) "
        f"AS fingerprint FROM {table} GROUP BY repo"
        for table, columns in _FINGERPRINTED
    )


def refresh_first_shipments(conn: Connection) -> int:
    """Derive again the first shipments of every repository whose facts changed since the last refresh;
    returns how many repositories that was. Runs in ``conn``'s transaction, which the caller commits
    (or rolls back: the next refresh then does the same work again)."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _REFRESH_LOCK})
        set_up_postgresql(conn)
    # A repository is stale when any of its fingerprints differs from the stored one, or exists on
    # one side only (new facts, or every fact of it deleted). One statement, and when nothing changed
    # (the common case between two syncs) the only one.
    rows = conn.execute(
        text(
            f"""WITH fresh AS ({_fingerprints(dialect)}),
            stale AS (
                SELECT DISTINCT coalesce(fresh.repo, stored.repo) AS repo
                FROM fresh
                FULL OUTER JOIN derived_fingerprints AS stored
                    ON stored.repo = fresh.repo AND stored.facts = fresh.facts
                WHERE fresh.fingerprint IS DISTINCT FROM stored.fingerprint
            )
            SELECT stale.repo, fresh.facts, fresh.fingerprint
            FROM stale LEFT JOIN fresh ON fresh.repo = stale.repo"""  # noqa: S608 - constants only
        )
    ).all()
    stale = sorted({row.repo for row in rows})
    if not stale:
        return 0
    repos = {"repos": stale}
    conn.execute(
        text(
            "CREATE TEMPORARY TABLE derived_refresh_stale AS SELECT unnest(CAST(:repos AS VARCHAR[])) AS repo"
        ).bindparams(bindparam("repos", type_=ARRAY(String))),
        repos,
    )
    conn.execute(
        text("DELETE FROM derived_first_shipments WHERE repo IN (SELECT repo FROM derived_refresh_stale)")
    )
    conn.execute(text(_DERIVE.format(head=sha_head_sql(dialect, "s.sha"))))
    conn.execute(
        text("DELETE FROM derived_fingerprints WHERE repo IN (SELECT repo FROM derived_refresh_stale)")
    )
    fingerprints = [
        {"repo": row.repo, "facts": row.facts, "fingerprint": row.fingerprint}
        for row in rows
        if row.facts is not None
    ]
    upsert(conn, schema.derived_fingerprints, fingerprints)
    conn.execute(text("DROP TABLE derived_refresh_stale"))
    if dialect == "postgresql":
        conn.execute(text("ANALYZE derived_first_shipments"))
    return len(stale)
