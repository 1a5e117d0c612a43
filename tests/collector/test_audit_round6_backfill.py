"""Audit, round 6: ``collect --since`` backfills where two rules meet (SPEC §2 ``collect --since``, §3
``github.since``/``pagerduty.since``, §5, §9; docs/operations.md on what an incremental sync reads
again and where it still differs from a fresh one; docs/configuration.md: each list is bounded by its
own date, deployments and runs by ``created_at``, releases by ``published_at``).

The yardstick is SPEC's: ``--since D`` "backfills from that date", so after it the store holds what
one fresh sync with ``since = D`` holds, table by table, except where docs/operations.md says an
incremental sync (SPEC §2: ``collect`` *is* one incremental sync, ``--since`` only moves its lower
bound) still differs from a fresh one: the statuses of a deployment after its first success (GitHub's
``inactive``) are not read again, so ``deployment_statuses`` and ``deployments.last_state`` of a
deployment stored as successful before the backfill may lag. Every other fact table, and the cursors,
must be equal. Where the numbers matter the rows are also asserted by hand.

The GitHub and PagerDuty loopback emulators and the sync classes run in process (as
``test_audit_faults_payloads.py`` does); each scenario has its own small organisation and DuckDB stores.
GitHub times are March 2026 (``at(day, hour)``), PagerDuty June 2026. No test reads the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from collector.github_sync import GitHubSync, RepoTarget
from collector.pagerduty_sync import PagerDutySync
from collector.sources.github import GitHubClient
from collector.sources.pagerduty import PagerDutyClient
from collector.sources.retry import RetryPolicy
from store import schema
from store.engine import open_store
from store.errors import TransientSourceError
from store.timeutil import to_db
from tests.collector.test_github_sync import dump
from tests.emulators.github import Fault, GitHubDataset, GitHubEmulator, iso
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator
from tests.github_org import at

LABEL = "incident"
NO_DEFAULT = RepoTarget("")


# ------------------------------------------------------------------------------------------ helpers


@pytest.fixture
def engines() -> Iterator[Callable[[str], Engine]]:
    """In-memory DuckDB stores (one connection each, kept by the engine's pool)."""
    made: list[Engine] = []

    def make(name: str) -> Engine:
        engine = open_store("duckdb:///:memory:")
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.dispose()


def gh(
    emulator: GitHubEmulator,
    engine: Engine,
    targets: Sequence[RepoTarget],
    *,
    now: datetime,
    since: datetime,
    backfill: datetime | None = None,
) -> None:
    """One REST GitHub sync as ``doraspace collect [--since backfill]`` runs it (retries never sleep)."""
    client = GitHubClient(
        emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None), clock=emulator.clock
    )
    try:
        GitHubSync(engine, client, since=since, now=now, backfill_since=backfill).run(
            list(targets), [], NO_DEFAULT, incident_labels=[LABEL]
        )
    finally:
        client.close()


def deployment_rows(engine: Engine) -> list[tuple[Any, ...]]:
    """(repo, deployment_id, deployed_at, last_state, compare status, base id, total_commits), in
    deployed_at order (failed attempts last)."""
    d, c = schema.deployments, schema.deployment_compares
    join = d.outerjoin(
        c, (c.c.repo == d.c.repo) & (c.c.source == d.c.source) & (c.c.deployment_id == d.c.deployment_id)
    )
    query = (
        select(
            d.c.repo,
            d.c.deployment_id,
            d.c.deployed_at,
            d.c.last_state,
            c.c.status,
            c.c.base_deployment_id,
            c.c.total_commits,
        )
        .select_from(join)
        .order_by(d.c.repo, d.c.deployed_at.nulls_last(), d.c.created_at)
    )
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def shipped(engine: Engine, deployment_id: int) -> list[str]:
    """The shas of a deployment's compare, in GitHub's order."""
    t = schema.deployment_commits
    query = select(t.c.sha).where(t.c.deployment_id == deployment_id).order_by(t.c.position)
    with engine.connect() as conn:
        return [row.sha for row in conn.execute(query)]


def cursor_values(engine: Engine) -> dict[tuple[str, str], str]:
    t = schema.sync_cursors
    with engine.connect() as conn:
        return {(r.stream, r.scope): r.value for r in conn.execute(select(t.c.stream, t.c.scope, t.c.value))}


def without(tables: dict[str, list[tuple[Any, ...]]], *names: str) -> dict[str, list[tuple[Any, ...]]]:
    return {name: rows for name, rows in tables.items() if name not in names}


def deployments_but_last_state(engine: Engine) -> list[tuple[Any, ...]]:
    d = schema.deployments
    columns = [c for c in d.columns if c.name != "last_state"]
    with engine.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(select(*columns)))


# ------------------------------------- 1. late successes, a waiting deployment, inactive statuses


def test_backfill_reaches_deployments_created_before_since_that_succeeded_late(
    engines: Callable[[str], Engine],
) -> None:
    """§2 ``--since`` backfills; §5.1 deployed_at = first success; §5.2 compares in deployed_at order;
    docs/operations.md: a deployment without a success is re-read for 3 days (30 while ``waiting``),
    statuses after the first success are not read again. github.since = 03-05; backfill from 03-01.

    acme/shop, main c0 → c1 → c2 → c3 → c4 → c5 (c3 = squash of PR #1 merged 03-04 20:00, c4 = squash
    of PR #2 merged 03-06 20:00). GitHub marks the previous production deployment ``inactive`` when a
    new one succeeds:

    ====  ====  ===========  ==============================================================
    D0    c0    03-01 10:00  success 03-01 10:00; inactive 03-05 10:00
    D1    c1    03-02 10:00  failure 03-02 10:05; success 03-12 12:00 (a job retried);
                             inactive 03-14 09:00
    D2    c2    03-03 10:00  waiting 03-03 10:00 (required reviewers); success 03-09 12:00;
                             inactive 03-12 12:00
    D3    c3    03-05 10:00  success 03-05 10:00; inactive 03-07 10:00
    D4    c4    03-07 10:00  success 03-07 10:00; inactive 03-09 12:00
    D5    c5    03-12 10:00  waiting 03-12 10:00; success 03-14 09:00
    ====  ====  ===========  ==============================================================

    Incremental syncs (since 03-05) on 03-06, 03-08, 03-13 store D3, D4 (read when they were new, so
    with their one ``success`` status) and D5 (waiting). D1 and D2 are created before 03-05: never
    listed, although both succeed after it (docs/configuration.md: deployments are bounded by
    created_at). The backfill on 03-13 lists D0…D5: D0, D1, D2 are new, D5 is asked again (304: no new
    status), D3 and D4 are settled. By deployed_at: D0 03-01 10:00 (first), D3 03-05 10:00 (c0...c3
    ahead 3: c1, c2, c3), D4 03-07 10:00 (ahead 1: c4), D2 03-09 12:00 (c4...c2: behind, 0 commits),
    D1 03-12 12:00 (c2...c1: behind, 0), D5 pending. PR #1 (updated 03-04 20:00) and incident issue #3
    (03-02 12:00 → 14:00) come with the backfill; PR #2 and issue #4 (03-09 13:00 → 15:00) were there.

    Equal to one fresh sync from 03-01 on 03-13 except D3 and D4: fresh reads their ``inactive``
    status (last_state inactive, 2 status rows), the backfilled store keeps 1 row and ``success``.
    On 03-15 D5 is approved (waiting < 30 days: re-read): deployed 03-14 09:00, compared with D1:
    c1...c5 ahead 4 (c2, c3, c4, c5). Equal to a fresh sync on 03-15 except D1, D3, D4's inactive
    statuses; one more sync changes nothing."""
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/shop")
    c0 = repo.commit("c0", author_date=at(1, 8))
    c1 = repo.commit("c1", author_date=at(2, 8))
    c2 = repo.commit("c2", author_date=at(3, 8))
    p1 = repo.commit("p1", parents=[c2], author_date=at(4, 6), branch="pr-1", author_login="alice")
    c3 = repo.squash_merge([p1], c2, "P1 (#1)", at(4, 20))
    repo.pull(
        number=1, title="P1", author="alice", created_at=at(4, 7), commits=[p1], merged_at=at(4, 20),
        merge_commit_sha=c3,
    )  # fmt: skip
    d0 = repo.deployment(c0, created_at=at(1, 10))
    d1 = repo.deployment(c1, created_at=at(2, 10), statuses=[("failure", at(2, 10 + 1 / 12))])
    repo.issue(title="shop down", created_at=at(2, 12), closed_at=at(2, 14), labels=[LABEL], number=3)
    d2 = repo.deployment(c2, created_at=at(3, 10), statuses=[("waiting", at(3, 10))])
    d3 = repo.deployment(c3, created_at=at(5, 10))
    repo.add_status(d0, "inactive", at(5, 10))
    since, back = at(5), at(1)
    target = [RepoTarget("acme/shop")]
    incremental, fresh13, fresh15 = engines("incremental"), engines("fresh13"), engines("fresh15")
    with GitHubEmulator(dataset, rate_limit=100_000, graphql_limit=100_000) as emulator:
        gh(emulator, incremental, target, now=at(6), since=since)
        p2 = repo.commit("p2", parents=[c3], author_date=at(6, 6), branch="pr-2", author_login="bob")
        c4 = repo.squash_merge([p2], c3, "P2 (#2)", at(6, 20))
        repo.pull(
            number=2, title="P2", author="bob", created_at=at(6, 7), commits=[p2], merged_at=at(6, 20),
            merge_commit_sha=c4,
        )  # fmt: skip
        d4 = repo.deployment(c4, created_at=at(7, 10))
        repo.add_status(d3, "inactive", at(7, 10))
        gh(emulator, incremental, target, now=at(8), since=since)
        repo.add_status(d2, "success", at(9, 12))
        repo.add_status(d4, "inactive", at(9, 12))
        repo.issue(title="slow", created_at=at(9, 13), closed_at=at(9, 15), labels=[LABEL], number=4)
        c5 = repo.commit("c5", author_date=at(12, 8))
        d5 = repo.deployment(c5, created_at=at(12, 10), statuses=[("waiting", at(12, 10))])
        repo.add_status(d1, "success", at(12, 12))
        repo.add_status(d2, "inactive", at(12, 12))
        gh(emulator, incremental, target, now=at(13), since=since)
        assert [row[1:5] for row in deployment_rows(incremental)] == [
            (d3, to_db(at(5, 10)), "success", "first"),
            (d4, to_db(at(7, 10)), "success", "ahead"),
            (d5, None, "waiting", None),
        ]
        gh(emulator, incremental, target, now=at(13), since=since, backfill=back)
        gh(emulator, fresh13, target, now=at(13), since=back)
        expected = [
            ("acme/shop", d0, to_db(at(1, 10)), "inactive", "first", None, 0),
            ("acme/shop", d3, to_db(at(5, 10)), "success", "ahead", d0, 3),
            ("acme/shop", d4, to_db(at(7, 10)), "success", "ahead", d3, 1),
            ("acme/shop", d2, to_db(at(9, 12)), "inactive", "behind", d4, 0),
            ("acme/shop", d1, to_db(at(12, 12)), "success", "behind", d2, 0),
            ("acme/shop", d5, None, "waiting", None, None, None),
        ]
        assert deployment_rows(incremental) == expected
        assert [shipped(incremental, d) for d in (d3, d4)] == [[c1, c2, c3], [c4]]
        backfilled, reference = dump(incremental), dump(fresh13)
        assert [row[:3] for row in deployment_rows(fresh13)] == [row[:3] for row in expected]
        assert {row[1]: row[3] for row in deployment_rows(fresh13)}[d3] == "inactive"
        assert {row[1]: row[3] for row in deployment_rows(fresh13)}[d4] == "inactive"
        assert without(backfilled, "deployments", "deployment_statuses") == without(
            reference, "deployments", "deployment_statuses"
        )
        assert deployments_but_last_state(incremental) == deployments_but_last_state(fresh13)
        lagging = set(reference["deployment_statuses"]) - set(backfilled["deployment_statuses"])
        assert sorted((row[1], row[3]) for row in lagging) == [(d3, "inactive"), (d4, "inactive")]
        assert set(backfilled["deployment_statuses"]) < set(reference["deployment_statuses"])
        assert sorted(row[1] for row in backfilled["pull_requests"]) == [1, 2]
        assert sorted(row[1] for row in backfilled["incidents"]) == ["acme/shop#3", "acme/shop#4"]

        repo.add_status(d5, "success", at(14, 9))
        repo.add_status(d1, "inactive", at(14, 9))
        gh(emulator, incremental, target, now=at(15), since=since)
        gh(emulator, fresh15, target, now=at(15), since=back)
        assert deployment_rows(incremental)[-1] == (
            "acme/shop",
            d5,
            to_db(at(14, 9)),
            "success",
            "ahead",
            d1,
            4,
        )
        assert shipped(incremental, d5) == [c2, c3, c4, c5]
        after, reference = dump(incremental), dump(fresh15)
        assert without(after, "deployments", "deployment_statuses") == without(
            reference, "deployments", "deployment_statuses"
        )
        assert deployments_but_last_state(incremental) == deployments_but_last_state(fresh15)
        lagging = set(reference["deployment_statuses"]) - set(after["deployment_statuses"])
        assert sorted((row[1], row[3]) for row in lagging) == sorted(
            [(d1, "inactive"), (d3, "inactive"), (d4, "inactive")]
        )
        gh(emulator, incremental, target, now=at(15, 1), since=since)
        assert dump(incremental) == after
    assert emulator.errors == []


# -------------------------------------------------- 2. a workflow run re-run past the newest 100


def test_backfill_finds_a_rerun_below_the_newest_100_runs_that_incremental_syncs_miss(
    engines: Callable[[str], Engine],
) -> None:
    """§5.1 workflow_runs: deployed_at = the run's ``updated_at``; docs/operations.md: "a re-run of a
    run no longer among the newest 100 is missed until a ``collect --since DATE`` backfill".
    github.since = 03-01; the backfill is ``--since 2026-03-01``.

    acme/web, main k1 → k2. R_old (k1) created 03-02 10:00, success at 03-02 10:10; 100 failed runs of
    k2 (F0…F99, every 20 min from 03-04 00:00, the last 03-05 09:00); R_ok (k2) created 03-06 10:00,
    success 03-06 10:10. Newest first, page 1 = R_ok, F99…F1; page 2 = F0, R_old.
    Sync 03-06 12:00: R_old 03-02 10:10 (first), R_ok 03-06 10:10 (k1...k2 ahead 1), 100 failed
    attempts (no deployed_at). On 03-07 09:00 R_old is re-run (attempt 2, success): the rollback to
    the last good commit, a deployment at 03-07 09:00. Sync 03-07 12:00: page 1 unchanged (304),
    R_old unseen: the store keeps 03-02 10:10. Backfill 03-07 12:00 reads both pages: R_ok is now
    the first deployment (03-06 10:10) and R_old (03-07 09:00) compares k2...k1: behind, 0 commits.
    That is one fresh sync's store, every table but ``commits`` (below); one more sync (page 1: a
    304) changes nothing."""
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    k1 = repo.commit("k1", author_date=at(1, 20))
    r_old = repo.workflow_run(k1, created_at=at(2, 10), updated_at=at(2, 10) + timedelta(minutes=10))
    k2 = repo.commit("k2", author_date=at(3, 20))
    for i in range(100):
        start = at(4) + timedelta(minutes=20 * i)
        repo.workflow_run(k2, conclusion="failure", created_at=start, updated_at=start + timedelta(minutes=5))
    r_ok = repo.workflow_run(k2, created_at=at(6, 10), updated_at=at(6, 10) + timedelta(minutes=10))
    target = [RepoTarget("acme/web", "workflow_runs", workflow="deploy.yml")]
    since = at(1)
    incremental, fresh = engines("incremental"), engines("fresh")
    with GitHubEmulator(dataset, rate_limit=100_000) as emulator:
        gh(emulator, incremental, target, now=at(6, 12), since=since)
        succeeded = [row for row in deployment_rows(incremental) if row[2] is not None]
        assert [row[1:7] for row in succeeded] == [
            (r_old, to_db(at(2, 10) + timedelta(minutes=10)), "success", "first", None, 0),
            (r_ok, to_db(at(6, 10) + timedelta(minutes=10)), "success", "ahead", r_old, 1),
        ]
        assert len(deployment_rows(incremental)) == 102
        run = next(r for r in repo.workflow_runs if r["id"] == r_old)
        run.update(updated_at=iso(at(7, 9)), run_attempt=2, run_started_at=iso(at(7, 8)))
        gh(emulator, incremental, target, now=at(7, 12), since=since)
        assert [row[1] for row in deployment_rows(incremental) if row[2] is not None] == [r_old, r_ok]
        mark = len(emulator.requests)
        gh(emulator, incremental, target, now=at(7, 12), since=since, backfill=since)
        runs = [r for r in emulator.requests[mark:] if r.path.endswith("/runs")]
        assert [(r.query.get("page", "1"), r.status, "if-none-match" in r.headers) for r in runs] == [
            ("1", 200, False),
            ("2", 200, False),
        ]
        gh(emulator, fresh, target, now=at(7, 12), since=since)
        succeeded = [row for row in deployment_rows(incremental) if row[2] is not None]
        assert [row[1:7] for row in succeeded] == [
            (r_ok, to_db(at(6, 10) + timedelta(minutes=10)), "success", "first", None, 0),
            (r_old, to_db(at(7, 9)), "success", "behind", r_ok, 0),
        ]
        backfilled, reference = dump(incremental), dump(fresh)
        assert without(backfilled, "commits") == without(reference, "commits")
        # The one difference: k2, listed by R_ok's old compare (ahead of R_old), stays in ``commits``
        # although no compare lists it any more (R_ok is now the first deployment). SPEC §5 is silent
        # on the commits GitHub still has but no deployment lists; no metric reads them.
        assert reference["commits"] == []
        assert [row[1] for row in backfilled["commits"]] == [k2]
        assert backfilled["deployment_commits"] == []
        gh(emulator, incremental, target, now=at(7, 13), since=since)
        assert dump(incremental) == backfilled
    assert emulator.errors == []


# ------------------------------------ 3. releases: every page read again, without stored ETags


def test_backfill_of_releases_reads_every_unchanged_page_without_its_etag(
    engines: Callable[[str], Engine],
) -> None:
    """§5.1 releases: published, non-draft, non-prerelease, deployed_at = published_at;
    docs/operations.md: every page of the list, each with its own ETag (an unchanged page is a free
    304). github.since = 03-05; backfill from 03-01.

    acme/lib: k (02-19, root) → c0 (02-20) → o (02-21) → f0 (03-03 08:00) → f1 (03-05 08:00). By
    created_at, newest first: v1.1 (f1, created 03-05 08:00, published 03-06 10:00), v1.2-rc
    (prerelease, created 03-04, published 03-04 10:00), v1.0 (f0, created 03-03 08:00, published
    03-03 10:00), 105 old releases (created hourly from 02-21, published in February), v0.9 (c0,
    created 02-20, published 03-02 06:00), the draft v0.9.1 (k, created 02-19). Page 1 = v1.1,
    v1.2-rc, v1.0 and 97 old; page 2 = 8 old, v0.9, v0.9.1.
    Sync 03-06 12:00: both pages (2 billed): v1.1 only (published ≥ 03-05): first. The draft is
    published 03-06 18:00; sync 03-07: page 1 a 304, page 2 billed: v0.9.1 (f1...k behind, 0).
    Backfill 03-07 12:00: every page is unchanged since its stored ETag, yet must be read (a 304
    would hide v0.9 and v1.0): 2 billed, neither asked with If-None-Match. By deployed_at: v0.9
    03-02 06:00 (first), v1.0 03-03 10:00 (c0...f0 ahead 2: o, f0), v1.1 03-06 10:00 (ahead 1: f1),
    v0.9.1 03-06 18:00 (behind, 0). The cursor stays v1.1's created_at, 03-05 08:00. Equal to one
    fresh sync from 03-01, every table; the next sync asks both pages with the backfill's ETags:
    two 304s, nothing billed, nothing changed."""
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/lib")
    k = repo.commit("backport", author_date=datetime(2026, 2, 19, tzinfo=UTC))
    c0 = repo.commit("c0", author_date=datetime(2026, 2, 20, tzinfo=UTC))
    o = repo.commit("o", author_date=datetime(2026, 2, 21, tzinfo=UTC))
    for n in range(105):
        when = datetime(2026, 2, 21, tzinfo=UTC) + timedelta(hours=n)
        repo.release(f"v0.{n}.0-old", created_at=when, published_at=when + timedelta(minutes=30))
    f0 = repo.commit("f0", author_date=at(3, 8))
    f1 = repo.commit("f1", author_date=at(5, 8))
    repo.tags.update({"v0.9": c0, "v0.9.1": k, "v1.0": f0, "v1.2-rc": f0, "v1.1": f1})
    v09 = repo.release("v0.9", created_at=datetime(2026, 2, 20, tzinfo=UTC), published_at=at(2, 6))
    draft = repo.release(
        "v0.9.1", created_at=datetime(2026, 2, 19, tzinfo=UTC), published_at=None, draft=True
    )
    v10 = repo.release("v1.0", created_at=at(3, 8), published_at=at(3, 10))
    repo.release("v1.2-rc", created_at=at(4), published_at=at(4, 10), prerelease=True)
    v11 = repo.release("v1.1", created_at=at(5, 8), published_at=at(6, 10))
    target = [RepoTarget("acme/lib", "releases")]
    since, back = at(5), at(1)
    incremental, fresh = engines("incremental"), engines("fresh")

    def lists(mark: int) -> list[tuple[str, int, bool]]:
        return [
            (r.query.get("page", "1"), r.status, "if-none-match" in r.headers)
            for r in emulator.requests[mark:]
            if r.path.endswith("/releases")
        ]

    with GitHubEmulator(dataset, rate_limit=100_000) as emulator:
        gh(emulator, incremental, target, now=at(6, 12), since=since)
        assert [row[1:5] for row in deployment_rows(incremental)] == [
            (v11, to_db(at(6, 10)), "published", "first")
        ]
        released = next(r for r in repo.releases if r["id"] == draft)
        released.update(draft=False, published_at=iso(at(6, 18)))
        mark = len(emulator.requests)
        gh(emulator, incremental, target, now=at(7), since=since)
        assert lists(mark) == [("1", 304, True), ("2", 200, True)]
        mark = len(emulator.requests)
        gh(emulator, incremental, target, now=at(7, 12), since=since, backfill=back)
        assert lists(mark) == [("1", 200, False), ("2", 200, False)]
        gh(emulator, fresh, target, now=at(7, 12), since=back)
        assert deployment_rows(incremental) == [
            ("acme/lib", v09, to_db(at(2, 6)), "published", "first", None, 0),
            ("acme/lib", v10, to_db(at(3, 10)), "published", "ahead", v09, 2),
            ("acme/lib", v11, to_db(at(6, 10)), "published", "ahead", v10, 1),
            ("acme/lib", draft, to_db(at(6, 18)), "published", "behind", v11, 0),
        ]
        assert [shipped(incremental, d) for d in (v10, v11)] == [[o, f0], [f1]]
        assert cursor_values(incremental) == {("releases", "acme/lib"): "2026-03-05T08:00:00+00:00"}
        backfilled = dump(incremental)
        assert backfilled == dump(fresh)
        mark = len(emulator.requests)
        gh(emulator, incremental, target, now=at(7, 13), since=since)
        assert lists(mark) == [("1", 304, True), ("2", 304, True)]
        assert dump(incremental) == backfilled
    assert emulator.errors == []


# -------------------------------------- 4. a backfill stopped by the primary rate limit, resumed


def test_backfill_stopped_by_a_primary_rate_limit_is_continued_by_the_same_backfill_only(
    engines: Callable[[str], Engine],
) -> None:
    """§9: a primary rate limit is honoured (docs/operations.md: a reset further away than an hour
    ends the run); a sync interrupted and resumed yields the data of an uninterrupted one.
    github.since = 03-05; backfill from 03-01 on 03-07.

    acme/a: a0 (03-01 08:00) deployed A0 03-01 10:00; a1 (03-06 08:00) deployed A1 03-06 10:00.
    acme/b: b0 (03-02 08:00) deployed B0 03-02 10:00; PR #1 (q, authored 03-03 06:00) squash-merged as
    bq 03-03 12:00 (its last update); b1 (03-06 08:00) deployed B1 03-06 12:00.
    The sync of 03-07 (since 03-05) stores A1 and B1, each ``first``, and no PR.
    The backfill's request for acme/b's deployments gets GitHub's primary limit (remaining 0, reset in
    2 h > the hour it may wait): it stops with no wait, after acme/a was done (A0 first, A1 ahead 1).
    Resumed by a plain ``collect`` (what the daemon runs next), the sync is incremental again: acme/b
    is read from its cursor (B1 03-06 12:00 less a day), so B0 and PR #1 stay missing and B1 stays
    ``first``: the backfill is not continued (SPEC does not say that a stopped ``--since`` is
    remembered). Running the same ``collect --since 2026-03-01`` again completes it: A0 first, A1
    ahead 1 (a1); B0 first, B1 ahead 2 (bq, b1); PR #1 stored, its cursor at 03-03 12:00, every table
    equal to one uninterrupted backfill's, which is one fresh sync from 03-01."""
    dataset = GitHubDataset()
    a = dataset.add_repo("acme/a")
    b = dataset.add_repo("acme/b")
    a0 = a.commit("a0", author_date=at(1, 8))
    dep_a0 = a.deployment(a0, created_at=at(1, 10))
    b0 = b.commit("b0", author_date=at(2, 8))
    dep_b0 = b.deployment(b0, created_at=at(2, 10))
    q = b.commit("q", parents=[b0], author_date=at(3, 6), branch="pr-1", author_login="alice")
    bq = b.squash_merge([q], b0, "Q (#1)", at(3, 12))
    b.pull(
        number=1, title="Q", author="alice", created_at=at(3, 7), commits=[q], merged_at=at(3, 12),
        merge_commit_sha=bq,
    )  # fmt: skip
    a1 = a.commit("a1", author_date=at(6, 8))
    dep_a1 = a.deployment(a1, created_at=at(6, 10))
    b1 = b.commit("b1", author_date=at(6, 8))
    dep_b1 = b.deployment(b1, created_at=at(6, 12))
    targets = [RepoTarget("acme/a"), RepoTarget("acme/b")]
    since, back = at(5), at(1)
    stopped, fresh = engines("stopped"), engines("fresh")
    with GitHubEmulator(dataset, rate_limit=100_000) as emulator:
        gh(emulator, stopped, targets, now=at(7), since=since)
        emulator.inject("^/repos/acme/b/deployments$", Fault.primary_rate_limit(reset_in=7200))
        waits: list[float] = []
        client = GitHubClient(
            emulator.base_url, "test-token", retry=RetryPolicy(sleep=waits.append), clock=emulator.clock
        )
        try:
            with pytest.raises(TransientSourceError, match="rate limit"):
                GitHubSync(stopped, client, since=since, now=at(7), backfill_since=back).run(
                    targets, [], NO_DEFAULT, incident_labels=[LABEL]
                )
        finally:
            client.close()
        assert waits == []
        half = [
            ("acme/a", dep_a0, to_db(at(1, 10)), "success", "first", None, 0),
            ("acme/a", dep_a1, to_db(at(6, 10)), "success", "ahead", dep_a0, 1),
            ("acme/b", dep_b1, to_db(at(6, 12)), "success", "first", None, 0),
        ]
        assert deployment_rows(stopped) == half
        gh(emulator, stopped, targets, now=at(7, 1), since=since)
        assert deployment_rows(stopped) == half
        assert dump(stopped)["pull_requests"] == []
        gh(emulator, stopped, targets, now=at(7, 2), since=since, backfill=back)
        gh(emulator, fresh, targets, now=at(7, 2), since=back)
        assert deployment_rows(stopped) == [
            *half[:2],
            ("acme/b", dep_b0, to_db(at(2, 10)), "success", "first", None, 0),
            ("acme/b", dep_b1, to_db(at(6, 12)), "success", "ahead", dep_b0, 2),
        ]
        assert [shipped(stopped, dep_a1), shipped(stopped, dep_b1)] == [[a1], [bq, b1]]
        assert [row[:2] for row in dump(stopped)["pull_requests"]] == [("acme/b", 1)]
        assert cursor_values(stopped) == {
            ("deployments", "acme/a;environment=production"): "2026-03-06T10:00:00+00:00",
            ("deployments", "acme/b;environment=production"): "2026-03-06T12:00:00+00:00",
            ("pulls", "acme/b"): "2026-03-03T12:00:00+00:00",
        }
        assert dump(stopped) == dump(fresh)
    assert emulator.errors == []


# ------------------------------- 5. PagerDuty: urgencies narrowed, backfilled, widened back


def june(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 6, day, tzinfo=UTC) + timedelta(hours=hour)


PD_SINCE = june(10)


def pd(
    emulator: PagerDutyEmulator,
    engine: Engine,
    *,
    now: datetime,
    urgencies: Sequence[str],
    since: datetime = PD_SINCE,
    backfill: datetime | None = None,
) -> None:
    """One PagerDuty sync of PSHOP, as ``doraspace collect --source pagerduty [--since]`` runs it."""
    policy = RetryPolicy(sleep=lambda _: None)
    with PagerDutyClient(emulator.base_url, "test-token", ca_bundle=emulator.ca_file, retry=policy) as client:
        PagerDutySync(
            engine,
            client,
            since=since,
            now=now,
            service_ids=["PSHOP"],
            urgencies=urgencies,
            backfill_since=backfill,
        ).run()


def incident_rows(engine: Engine) -> list[tuple[Any, ...]]:
    t = schema.incidents
    query = select(t.c.incident_id, t.c.urgency, t.c.status, t.c.started_at, t.c.resolved_at).order_by(
        t.c.started_at
    )
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def pd_store(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    t, c = schema.incidents, schema.sync_cursors
    with engine.connect() as conn:
        incidents = sorted(tuple(row) for row in conn.execute(select(t)))
        values = sorted(tuple(row) for row in conn.execute(select(c.c.stream, c.c.scope, c.c.value)))
    return incidents, values


def test_pagerduty_backfill_after_urgencies_were_narrowed_then_widened_back(
    engines: Callable[[str], Engine],
) -> None:
    """§5.4 incidents in the configured urgencies; §2 ``--since`` backfills; docs/operations.md: a
    sync deletes the stored incidents of an urgency no longer collected, and a set whose incidents
    were deleted "lists from ``since`` again" when it comes back. pagerduty.since = 06-10.

    PSHOP: L1 low 06-05 → 06-05 01:00; H1 high 06-06 → 06-06 02:00; L2 low 06-12 → 06-12 01:00; H2
    high 06-13 → 06-13 03:00; LO low 06-14, open.
    06-15, urgencies [high, low]: L2, H2, LO. 06-16, narrowed to [high]: L2 and LO deleted (LO kept
    pending: it is open), H2 stays. LO is escalated to high on 06-17, still open. Backfill of [high]
    from 06-01 on 06-18: H1 (06-06), H2, LO (now high, open; no longer pending); L1 is low. Equal to one
    fresh [high] sync from 06-01, incidents and cursors (one cursor, [high] at 06-18, nothing pending).
    LO resolved 06-18 12:00. Widened back to [high, low] on 06-19, incrementally: that set's cursor
    was dropped when its incidents were deleted, so it lists from pagerduty.since (06-10): L2 again,
    H2, LO resolved (06-14 → 06-18 12:00). H1 stays from the backfill; L1 (06-05, before since) is not
    listed: the store holds H1, H2, L2, LO, which is no fresh sync's (from 06-10: no H1; from 06-01:
    L1 too). ``--since 2026-06-01`` with [high, low] then gives one fresh sync's store from 06-01:
    L1, H1, L2, H2, LO; the old [high] cursor stays behind (06-18), the only difference."""
    dataset = PagerDutyDataset(now=june(19))
    dataset.add_service("PSHOP", "Shop")
    dataset.add_incident("L1", "PSHOP", "l1", june(5), urgency="low", resolved_at=june(5, 1))
    dataset.add_incident("H1", "PSHOP", "h1", june(6), resolved_at=june(6, 2))
    dataset.add_incident("L2", "PSHOP", "l2", june(12), urgency="low", resolved_at=june(12, 1))
    dataset.add_incident("H2", "PSHOP", "h2", june(13), resolved_at=june(13, 3))
    lo = dataset.add_incident("LO", "PSHOP", "lo", june(14), urgency="low", status="triggered")
    both, high = ["high", "low"], ["high"]
    store, fresh_high, fresh_both = engines("store"), engines("fresh_high"), engines("fresh_both")
    with PagerDutyEmulator(dataset) as emulator:
        pd(emulator, store, now=june(15), urgencies=both)
        assert [row[0] for row in incident_rows(store)] == ["L2", "H2", "LO"]
        pd(emulator, store, now=june(16), urgencies=high)
        assert [row[0] for row in incident_rows(store)] == ["H2"]
        lo.update(urgency="high", updated_at="2026-06-17T00:00:00Z")
        pd(emulator, store, now=june(18), urgencies=high, backfill=june(1))
        pd(emulator, fresh_high, now=june(18), urgencies=high, since=june(1))
        assert incident_rows(store) == [
            ("H1", "high", "resolved", to_db(june(6)), to_db(june(6, 2))),
            ("H2", "high", "resolved", to_db(june(13)), to_db(june(13, 3))),
            ("LO", "high", "triggered", to_db(june(14)), None),
        ]
        backfilled = pd_store(store)
        assert backfilled == pd_store(fresh_high)
        assert [value for *_, value in backfilled[1]] == ["2026-06-18T00:00:00Z"]

        dataset.resolve("LO", june(18, 12))
        pd(emulator, store, now=june(19), urgencies=both)
        assert incident_rows(store) == [
            ("H1", "high", "resolved", to_db(june(6)), to_db(june(6, 2))),
            ("L2", "low", "resolved", to_db(june(12)), to_db(june(12, 1))),
            ("H2", "high", "resolved", to_db(june(13)), to_db(june(13, 3))),
            ("LO", "high", "resolved", to_db(june(14)), to_db(june(18, 12))),
        ]
        pd(emulator, store, now=june(19), urgencies=both, backfill=june(1))
        pd(emulator, fresh_both, now=june(19), urgencies=both, since=june(1))
        incidents, values = pd_store(store)
        reference, reference_values = pd_store(fresh_both)
        assert [row[1] for row in sorted(incidents, key=lambda row: row[7])] == ["L1", "H1", "L2", "H2", "LO"]
        assert incidents == reference
        # No cursor of the [high] set is left behind: the [high, low] syncs forgot it.
        assert len(reference_values) == 1
        assert values == reference_values


def test_pagerduty_backfill_of_both_urgencies_then_narrowed_again_keeps_no_low_incident(
    engines: Callable[[str], Engine],
) -> None:
    """§5.4: "PagerDuty incidents of the owned services, in the configured urgencies"; docs/operations.md:
    "A change of ``pagerduty.urgencies`` … lists from ``since`` again", and a sync deletes the stored
    incidents of an urgency it does not collect. pagerduty.since = 06-10.

    PSHOP: L1 low 06-05 → 01:00; H1 high 06-06 → 02:00; L2 low 06-12 → 01:00; H2 high 06-13 → 03:00.
    06-15 [high, low]: L2, H2. 06-16 narrowed to [high]: L2 deleted, the [high] cursor at 06-16.
    06-19 ``--since 2026-06-01`` with [high, low] again: L1, H1, L2, H2 (one fresh sync's store from
    06-01). 06-20 narrowed to [high] again: only high incidents may stay. By SPEC the store is H1
    (the backfill's history, high) and H2: 2 incidents, no low one (one fresh [high] sync from 06-01
    holds exactly these). Even by docs' mechanism alone ("lists from since again") L2 (06-12, after
    since) must go. The product resumes the [high] set from its cursor of 06-16 (its place is kept
    while the wider set collected more), lists 06-15 23:50 → 06-20 only, and keeps L1 and L2: 4
    incidents, 2 of them low, which the team's ``incidents`` and time to restore then count."""
    dataset = PagerDutyDataset(now=june(20))
    dataset.add_service("PSHOP", "Shop")
    dataset.add_incident("L1", "PSHOP", "l1", june(5), urgency="low", resolved_at=june(5, 1))
    dataset.add_incident("H1", "PSHOP", "h1", june(6), resolved_at=june(6, 2))
    dataset.add_incident("L2", "PSHOP", "l2", june(12), urgency="low", resolved_at=june(12, 1))
    dataset.add_incident("H2", "PSHOP", "h2", june(13), resolved_at=june(13, 3))
    both, high = ["high", "low"], ["high"]
    store = engines("store")
    with PagerDutyEmulator(dataset) as emulator:
        pd(emulator, store, now=june(15), urgencies=both)
        pd(emulator, store, now=june(16), urgencies=high)
        assert [row[0] for row in incident_rows(store)] == ["H2"]
        pd(emulator, store, now=june(19), urgencies=both, backfill=june(1))
        assert [row[0] for row in incident_rows(store)] == ["L1", "H1", "L2", "H2"]
        pd(emulator, store, now=june(20), urgencies=high)
        assert incident_rows(store) == [
            ("H1", "high", "resolved", to_db(june(6)), to_db(june(6, 2))),
            ("H2", "high", "resolved", to_db(june(13)), to_db(june(13, 3))),
        ]
