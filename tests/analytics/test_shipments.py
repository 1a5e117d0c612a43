"""The derived first shipments stay equal to the facts as history changes, one named scenario each.

Repo acme/orders (and acme/billing where a second repository matters), production, June 2026. Every
scenario checks the refreshed table against the rows written out by hand, how many repositories the
refresh derived again, and that deriving everything from scratch gives the same rows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, delete, literal, select, text, update

from analytics.dora import compute_dora
from analytics.ownership import RepoScope
from analytics.shipments import refresh_first_shipments, sha_head
from analytics.windows import WindowSpec
from store import schema
from store.migrations import migrate
from store.timeutil import to_db
from tests.analytics.facts import AS_OF, PRODUCTION, REPO, SOURCE, Facts, at

OTHER = "acme/billing"
SCOPE = RepoScope(repo=REPO, team="order-team", source=SOURCE, environment=PRODUCTION)
W30 = WindowSpec("30d", 30)


@pytest.fixture
def facts(store_engine: Engine) -> Facts:
    history = Facts(store_engine)
    history.deployment(at(1), compare="first", deployment_id=1000)
    history.commit("c1", at(2))
    history.deployment(at(3), ships=["c1"], deployment_id=1001)
    return history


def refresh(engine: Engine) -> int:
    with engine.connect() as conn:
        stale = refresh_first_shipments(conn)
        conn.commit()
    return stale


def migrates_and_derives_again(engine: Engine, version: int) -> None:
    """Migration ``version`` is the one pending and empties the derived rows; one refresh derives them
    again."""
    assert migrate(engine) == [version]
    with engine.connect() as conn:
        assert conn.execute(select(schema.derived_first_shipments)).all() == []
        assert conn.execute(select(schema.derived_fingerprints)).all() == []
    assert refresh(engine) == 1


Row = tuple[str, str, int, Any, str, bool]


def stored(conn: Connection) -> list[Row]:
    """The derived first shipments as ``conn`` sees them, sorted."""
    table = schema.derived_first_shipments
    rows = conn.execute(
        select(
            table.c.repo,
            table.c.sha,
            table.c.deployment_id,
            table.c.author_date,
            table.c.compare_status,
            table.c.is_change,
        )
    ).all()
    return sorted(
        (r.repo, r.sha, int(r.deployment_id), r.author_date, r.compare_status, r.is_change) for r in rows
    )


def derived(engine: Engine) -> list[Row]:
    with engine.connect() as conn:
        return stored(conn)


def from_scratch(engine: Engine) -> list[Row]:
    """What a refresh derives with no memory of earlier refreshes (the stored rows emptied first)."""
    with engine.connect() as conn:
        conn.execute(delete(schema.derived_first_shipments))
        conn.execute(delete(schema.derived_fingerprints))
        refresh_first_shipments(conn)
        rows = stored(conn)
        conn.rollback()
    return rows


def check(engine: Engine, expected: list[Row]) -> None:
    assert derived(engine) == sorted(expected)
    assert from_scratch(engine) == sorted(expected)


def c(
    name: str, deployment: int, day: int, *, status: str = "ahead", change: bool = True, repo: str = REPO
) -> Row:
    """An expected row: commit ``name`` authored on June ``day`` at 00:00, first shipped by ``deployment``."""
    return (repo, name, deployment, to_db(at(day)) if day else None, status, change)


# The fixture's first deployment (compare ``first``, nothing listed) ships its own commit, never a change.
FIRST = c("sha-1000", 1000, 0, status="first", change=False)


def store_compare_c1_c2(conn: Connection) -> None:
    """Deployment 1002's compare c1...c2 with its one commit, as a sync stores it."""
    conn.execute(
        schema.deployment_compares.insert().values(
            repo=REPO,
            source=SOURCE,
            deployment_id=1002,
            base_deployment_id=1001,
            base_sha="c1",
            head_sha="c2",
            status="ahead",
            total_commits=1,
        )
    )
    conn.execute(
        schema.deployment_commits.insert().values(
            repo=REPO, source=SOURCE, deployment_id=1002, sha="c2", position=0
        )
    )


def test_a_new_compare_adds_its_commits_and_an_unchanged_store_costs_no_derivation(facts: Facts) -> None:
    assert refresh(facts.engine) == 1
    check(facts.engine, [FIRST, c("c1", 1001, 2)])
    assert refresh(facts.engine) == 0  # nothing changed: nothing derived again
    facts.commit("c2", at(4))
    facts.deployment(at(5), ships=["c2"], deployment_id=1002)
    assert refresh(facts.engine) == 1
    check(facts.engine, [FIRST, c("c1", 1001, 2), c("c2", 1002, 4)])


def test_only_the_repositories_that_changed_are_derived_again(facts: Facts) -> None:
    facts.commit("b1", at(2), repo=OTHER)
    facts.deployment(at(2), compare="first", repo=OTHER, deployment_id=2000)
    facts.deployment(at(4), ships=["b1"], repo=OTHER, deployment_id=2001)
    assert refresh(facts.engine) == 2
    facts.commit("c2", at(4))
    facts.deployment(at(5), ships=["c2"], deployment_id=1002)
    assert refresh(facts.engine) == 1
    other_first = c("sha-2000", 2000, 0, status="first", change=False, repo=OTHER)
    check(
        facts.engine, [other_first, c("b1", 2001, 2, repo=OTHER), FIRST, c("c1", 1001, 2), c("c2", 1002, 4)]
    )


def test_a_compare_deleted_and_derived_again_on_resume(facts: Facts) -> None:
    facts.commit("c2", at(4))
    facts.commit("c3", at(4))
    facts.deployment(at(5), ships=["c2", "c3"], deployment_id=1002)
    refresh(facts.engine)
    # A resumed sync drops the compare it had not finished and derives it again, with c2 only.
    with facts.engine.begin() as conn:
        for table in (schema.deployment_commits, schema.deployment_compares):
            conn.execute(delete(table).where(table.c.deployment_id == 1002))
    assert refresh(facts.engine) == 1
    check(facts.engine, [FIRST, c("c1", 1001, 2)])
    with facts.engine.begin() as conn:
        store_compare_c1_c2(conn)
    assert refresh(facts.engine) == 1
    check(facts.engine, [FIRST, c("c1", 1001, 2), c("c2", 1002, 4)])


def test_a_force_push_turns_a_compare_diverged_and_its_commits_change(facts: Facts) -> None:
    facts.commit("c2", at(4))
    facts.deployment(at(5), ships=["c2"], deployment_id=1002)
    refresh(facts.engine)
    # The branch was force-pushed: GitHub now compares 1002 as diverged, shipping c2' instead of c2.
    facts.commit("c2-rewritten", at(4, 6))
    with facts.engine.begin() as conn:
        conn.execute(
            update(schema.deployment_compares)
            .where(schema.deployment_compares.c.deployment_id == 1002)
            .values(status="diverged")
        )
        conn.execute(
            update(schema.deployment_commits)
            .where(schema.deployment_commits.c.deployment_id == 1002)
            .values(sha="c2-rewritten")
        )
    assert refresh(facts.engine) == 1
    check(
        facts.engine,
        [
            FIRST,
            c("c1", 1001, 2),
            ("acme/orders", "c2-rewritten", 1002, to_db(at(4, 6)), "diverged", True),
        ],
    )


def test_a_deployment_reaching_success_later_becomes_the_first_shipment(facts: Facts) -> None:
    facts.commit("c2", at(4))
    # 1002 (June 5) was still running when collected; 1003 (June 7) shipped c2 again after it.
    facts.deployment(None, ships=["c2"], deployment_id=1002)
    facts.deployment(at(7), ships=["c2"], deployment_id=1003)
    refresh(facts.engine)
    check(facts.engine, [FIRST, c("c1", 1001, 2), c("c2", 1003, 4)])
    lead_time = compute_dora(facts.engine, [SCOPE], [W30], AS_OF)[1].lead_time_hours_p50
    assert lead_time == pytest.approx((24 + 72) / 2)  # c1: 1 day; c2: 3 days
    with facts.engine.begin() as conn:
        conn.execute(
            update(schema.deployments)
            .where(schema.deployments.c.deployment_id == 1002)
            .values(deployed_at=to_db(at(5)))
        )
        store_compare_c1_c2(conn)
    # No explicit refresh: computing the metrics refreshes first. c2 now took 1 day (June 4 → 5).
    rows = compute_dora(facts.engine, [SCOPE], [W30], AS_OF)
    assert (rows[1].deployments, rows[1].lead_time_hours_p50) == (4, pytest.approx(24.0))
    check(facts.engine, [FIRST, c("c1", 1001, 2), c("c2", 1002, 4)])


def test_a_commit_collected_late_becomes_a_change_and_a_merge_commit_never_does(facts: Facts) -> None:
    facts.deployment(at(5), ships=["c2", "m1"], deployment_id=1002)  # neither commit collected yet
    refresh(facts.engine)
    check(
        facts.engine,
        [
            FIRST,
            c("c1", 1001, 2),
            c("c2", 1002, 0, change=False),
            c("m1", 1002, 0, change=False),
        ],
    )
    facts.commit("c2", at(4))
    facts.commit("m1", at(4), parents=2)
    assert refresh(facts.engine) == 1
    check(facts.engine, [FIRST, c("c1", 1001, 2), c("c2", 1002, 4), c("m1", 1002, 4, change=False)])


def test_every_fact_of_a_repository_deleted_takes_its_rows_away(facts: Facts) -> None:
    refresh(facts.engine)
    with facts.engine.begin() as conn:
        for table in (
            schema.deployment_commits,
            schema.deployment_compares,
            schema.deployments,
            schema.commits,
        ):
            conn.execute(delete(table).where(table.c.repo == REPO))
    assert refresh(facts.engine) == 1
    check(facts.engine, [])
    with facts.engine.connect() as conn:
        assert conn.execute(select(schema.derived_fingerprints)).all() == []


def test_a_sha_head_is_its_first_seven_hex_digits_as_an_integer(store_engine: Engine) -> None:
    named = {
        "abcdef0123456789": 0xABCDEF0,
        "ABCDEF0aaaa": 0xABCDEF0,  # upper case reads as lower case
        "0000000": 0,
        "fffffff": 0xFFFFFFF,
        "1234567": 0x1234567,
        "c1": None,  # shorter than 7 characters
        "abcdefg123": None,  # a 7th character that is not hex
        "": None,
    }
    with store_engine.connect() as conn:
        found = {sha: conn.execute(select(sha_head(literal(sha)))).scalar_one() for sha in named}
    assert found == named


def test_a_first_shipment_keeps_the_head_of_its_sha(facts: Facts) -> None:
    hex_sha = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
    facts.commit(hex_sha, at(4))
    facts.deployment(at(5), ships=[hex_sha], deployment_id=1002)
    refresh(facts.engine)
    table = schema.derived_first_shipments
    with facts.engine.connect() as conn:
        heads = {row.sha: row.head for row in conn.execute(select(table.c.sha, table.c.head))}
    assert heads == {"sha-1000": None, "c1": None, hex_sha: 0x0A1B2C3}


def test_migration_7_empties_the_derived_rows_and_adds_their_heads(facts: Facts, store_url: str) -> None:
    """A store derived before migration 7 (no head column) is derived again, heads included."""
    refresh(facts.engine)
    with facts.engine.begin() as conn:
        conn.execute(text("ALTER TABLE derived_first_shipments DROP COLUMN head"))
        conn.execute(delete(schema.schema_migrations).where(schema.schema_migrations.c.version == 7))
        assert conn.execute(text("SELECT count(*) FROM derived_first_shipments")).scalar_one() == 2
    migrates_and_derives_again(facts.engine, 7)
    check(facts.engine, [FIRST, c("c1", 1001, 2)])


def test_the_first_deployments_commit_shipped_again_after_a_rollback_stays_its_shipment(facts: Facts) -> None:
    """sha-1000 is main when the history starts (1000, compare ``first``). 1002 rolls back before it
    (behind, nothing listed); 1003 moves forward again and lists sha-1000, c1 and c2: sha-1000 stays
    1000's (not a change of 1003), c1 stays 1001's, and only c2 is 1003's change."""
    facts.commit("sha-1000", at(1) - timedelta(hours=2))
    facts.deployment(at(4), sha="m0", compare="behind", deployment_id=1002)
    facts.commit("c2", at(5))
    facts.deployment(at(6), ships=["sha-1000", "c1", "c2"], deployment_id=1003)
    refresh(facts.engine)
    first = (REPO, "sha-1000", 1000, to_db(at(1) - timedelta(hours=2)), "first", False)
    check(facts.engine, [first, c("c1", 1001, 2), c("c2", 1003, 5)])


def test_migration_8_empties_the_derived_rows_to_derive_them_again(facts: Facts) -> None:
    """A store derived before migration 8 (no row for the first deployment's own commit) is derived
    again from the facts."""
    refresh(facts.engine)
    with facts.engine.begin() as conn:
        conn.execute(
            delete(schema.derived_first_shipments).where(schema.derived_first_shipments.c.sha == "sha-1000")
        )
        conn.execute(delete(schema.schema_migrations).where(schema.schema_migrations.c.version == 8))
    migrates_and_derives_again(facts.engine, 8)
    check(facts.engine, [FIRST, c("c1", 1001, 2)])


def test_migration_9_empties_the_derived_rows_to_derive_them_again(facts: Facts) -> None:
    """A store derived before migration 9 (no row for the own commit of a deployment GitHub could not
    compare) is derived again from the facts: 1002 (unknown) ships u2, never a change."""
    facts.deployment(at(4), sha="u2", compare="unknown", deployment_id=1002)
    refresh(facts.engine)
    with facts.engine.begin() as conn:
        conn.execute(
            delete(schema.derived_first_shipments).where(schema.derived_first_shipments.c.sha == "u2")
        )
        conn.execute(delete(schema.schema_migrations).where(schema.schema_migrations.c.version == 9))
    migrates_and_derives_again(facts.engine, 9)
    check(facts.engine, [FIRST, c("c1", 1001, 2), c("u2", 1002, 0, status="unknown", change=False)])
