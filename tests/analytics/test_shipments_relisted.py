"""Main rolled back past the start of the collected history, then moved forward again: the commits the
first deployment shipped (its own and those before it) come back in a later compare, and stay the first
deployment's (docs/metrics.md "Changes"; SPEC §5.2: a commit is a change only of the first deployment
that ships it).

Repo acme/orders, production. Pre-history: m0 (05-31 00:00), p (06:00, parent m0), q (08:00, parent
m0), s1 (12:00, a merge of p and q). D1 (06-01 00:00, compare ``first``) deploys s1. c2 (06-02 00:00,
parent s1) ships with D2 (06-03 00:00, ahead). D3 (06-04 00:00) rolls back to m0 (behind, nothing
listed). c3 (06-05 00:00, parent c2); D4 (06-06 00:00) moves forward: compare(m0...c3) lists p, q, s1,
c2, c3.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from analytics.dora import compute_dora
from analytics.ownership import RepoScope
from analytics.shipments import refresh_first_shipments
from analytics.windows import WindowSpec
from store import schema
from store.timeutil import to_db
from store.upsert import upsert
from tests.analytics.facts import AS_OF, PRODUCTION, REPO, SOURCE, Facts, at

SCOPE = RepoScope(repo=REPO, team="order-team", source=SOURCE, environment=PRODUCTION)
W30 = WindowSpec("30d", 30)
MAY_31 = at(1) - timedelta(days=1)


def commit(facts: Facts, sha: str, authored: datetime, *parents: str) -> str:
    """A commit with its real parents (Facts.commit names made-up ones)."""
    with facts.engine.begin() as conn:
        upsert(
            conn,
            schema.commits,
            [
                {
                    "repo": REPO,
                    "sha": sha,
                    "parent_shas": " ".join(parents),
                    "parent_count": len(parents),
                    "author_date": to_db(authored),
                    "committed_date": to_db(authored),
                    "message": f"commit {sha}",
                }
            ],
        )
    return sha


@pytest.fixture
def facts(store_engine: Engine) -> Facts:
    history = Facts(store_engine)
    commit(history, "m0", MAY_31)
    commit(history, "p", MAY_31 + timedelta(hours=6), "m0")
    commit(history, "q", MAY_31 + timedelta(hours=8), "m0")
    commit(history, "s1", MAY_31 + timedelta(hours=12), "p", "q")
    history.deployment(at(1), sha="s1", compare="first", deployment_id=1001)
    commit(history, "c2", at(2), "s1")
    history.deployment(at(3), ships=["c2"], deployment_id=1002)
    history.deployment(at(4), sha="m0", compare="behind", deployment_id=1003)
    commit(history, "c3", at(5), "c2")
    history.deployment(at(6), ships=["p", "q", "s1", "c2", "c3"], deployment_id=1004)
    return history


def test_commits_the_first_deployment_shipped_stay_its_own_when_listed_again(facts: Facts) -> None:
    """s1 is D1's own commit; p and q are its parents, listed by D4's compare with it: all three are D1's
    (compare ``first``, never changes). c2 stays D2's change; c3 is D4's only change."""
    with facts.engine.connect() as conn:
        refresh_first_shipments(conn)
        table = schema.derived_first_shipments
        rows = conn.execute(
            select(table.c.sha, table.c.deployment_id, table.c.compare_status, table.c.is_change)
        ).all()
        conn.commit()
    assert sorted((r.sha, int(r.deployment_id), r.compare_status, r.is_change) for r in rows) == [
        ("c2", 1002, "ahead", True),
        ("c3", 1004, "ahead", True),
        ("p", 1001, "first", False),
        ("q", 1001, "first", False),
        ("s1", 1001, "first", False),
    ]


def test_lead_times_count_only_the_commits_that_are_new_after_the_rollback(facts: Facts) -> None:
    """Deployments D1–D4 = 4. Changes: c2 (06-02 → 06-03 = 24 h) and c3 (06-05 → 06-06 = 24 h): p50 and
    p90 24. (Counting p or q as D4's would add 06-06 − 05-31 06:00 = 162 h and 160 h.)"""
    (row,) = (row for row in compute_dora(facts.engine, [SCOPE], [W30], AS_OF) if row.team == "order-team")
    assert row.deployments == 4
    assert row.lead_time_hours_p50 == pytest.approx(24.0)
    assert row.lead_time_hours_p90 == pytest.approx(24.0)


# The same after a deployment GitHub could not compare (compare ``unknown``, e.g. its base was
# force-pushed away): it shipped its own commit and the ancestors before it, whatever they were, so a
# later compare listing them again after a rollback does not make them changes a second time.
# D1 (06-01 00:00, first) deploys m0. u0 (06-01 06:00, parent m0), u1 (06-02 00:00, parent u0); U
# (06-03 00:00, unknown, nothing listed) deploys u1. D3 (06-04 00:00) rolls back to m0 (behind). c3
# (06-05 00:00, parent u1); D4 (06-06 00:00) moves forward: compare(m0...c3) lists u0, u1, c3. PR #7
# was squash-merged as u1.


@pytest.fixture
def unknown_facts(store_engine: Engine) -> Facts:
    history = Facts(store_engine)
    commit(history, "m0", MAY_31)
    history.deployment(at(1), sha="m0", compare="first", deployment_id=1001)
    commit(history, "u0", at(1) + timedelta(hours=6), "m0")
    commit(history, "u1", at(2), "u0")
    history.deployment(at(3), sha="u1", compare="unknown", deployment_id=1002)
    # PR #7 squash-merged as u1: commit 06-01 12:00, opened 18:00, merged 06-02 00:00.
    history.pull_request(
        7,
        created_at=at(1) + timedelta(hours=18),
        merged_at=at(2),
        merge_commit_sha="u1",
        commit_dates=[at(1, 12)],
    )
    history.deployment(at(4), sha="m0", compare="behind", deployment_id=1003)
    commit(history, "c3", at(5), "u1")
    history.deployment(at(6), ships=["u0", "u1", "c3"], deployment_id=1004)
    return history


def test_commits_an_uncompared_deployment_shipped_stay_its_own_when_listed_again(
    unknown_facts: Facts,
) -> None:
    """u1 is U's own commit, u0 its parent listed by D4 with it: both U's (compare ``unknown``, never
    changes); m0 is D1's own; c3 is D4's only change."""
    with unknown_facts.engine.connect() as conn:
        refresh_first_shipments(conn)
        table = schema.derived_first_shipments
        rows = conn.execute(
            select(table.c.sha, table.c.deployment_id, table.c.compare_status, table.c.is_change)
        ).all()
        conn.commit()
    assert sorted((r.sha, int(r.deployment_id), r.compare_status, r.is_change) for r in rows) == [
        ("c3", 1004, "ahead", True),
        ("m0", 1001, "first", False),
        ("u0", 1002, "unknown", False),
        ("u1", 1002, "unknown", False),
    ]


def test_lead_time_after_rolling_back_past_an_uncompared_deployment(unknown_facts: Facts) -> None:
    """Deployments D1, U, D3, D4 = 4. One change: c3 (06-05 → 06-06 = 24 h): p50 and p90 24. (Counting
    u0 and u1 as D4's would add 06-06 − 06-01 06:00 = 114 h and 06-06 − 06-02 = 96 h: p50 96.)"""
    rows = compute_dora(unknown_facts.engine, [SCOPE], [W30], AS_OF)
    (row,) = (row for row in rows if row.team == "order-team")
    assert row.deployments == 4
    assert row.lead_time_hours_p50 == pytest.approx(24.0)
    assert row.lead_time_hours_p90 == pytest.approx(24.0)


def test_the_pull_request_at_an_uncompared_deployment_is_deployed_by_nobody(unknown_facts: Facts) -> None:
    """docs/metrics.md: the PRs of a deployment GitHub could not compare are unknown, so PR #7 (merged as
    u1) is deployed neither by U nor by D4, which lists u1 again: no PR deployed, every stage null. (U
    deploying it would give coding 6 and deploy 24; D4, coding 6 and deploy 96.)"""
    rows = compute_dora(unknown_facts.engine, [SCOPE], [W30], AS_OF)
    (row,) = (row for row in rows if row.team == "order-team")
    assert row.lead_time_breakdown_hours_p50 == dict.fromkeys(("coding", "pickup", "review", "deploy"))
