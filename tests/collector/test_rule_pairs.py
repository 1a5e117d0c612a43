"""Collector scenarios where two SPEC rules meet (SPEC §3, §4, §5, §9), through the loopback emulators.

Every expected value is worked out from the SPEC's wording (a short note per test), not from what the
code stores. Times are March 2026 (``tests.github_org.at``); no test depends on today's date.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from collector.github_sync import GitHubSync, RepoTarget
from collector.pagerduty_sync import PagerDutySync
from collector.sources.github import GitHubClient
from collector.sources.github_graphql import GitHubGraphQL
from collector.sources.pagerduty import PagerDutyClient
from collector.sources.retry import RetryPolicy
from store import schema
from store.engine import open_store
from store.timeutil import to_db
from tests.collector.test_github_sync import dump
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData, iso
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator
from tests.github_org import at

SINCE = at(1)
NO_DEFAULT = RepoTarget("")


# ------------------------------------------------------------------------------------------ helpers


@pytest.fixture
def tmp_engines(tmp_path: Path) -> Iterator[Any]:
    made: list[Engine] = []

    def make(name: str = "store") -> Engine:
        engine = open_store(f"duckdb:///{tmp_path}/{name}.duckdb")
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.dispose()


def run_sync(
    emulator: GitHubEmulator,
    engine: Engine,
    targets: Sequence[RepoTarget],
    *,
    now: datetime,
    api: str = "rest",
    organizations: Sequence[str] = (),
    default: RepoTarget = NO_DEFAULT,
    labels: Sequence[str] = (),
) -> None:
    client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
    graphql = GitHubGraphQL(client) if api == "graphql" else None
    try:
        GitHubSync(engine, client, since=SINCE, now=now, graphql=graphql).run(
            list(targets), list(organizations), default, incident_labels=list(labels)
        )
    finally:
        client.close()


def emulator_for(dataset: GitHubDataset) -> GitHubEmulator:
    return GitHubEmulator(dataset, rate_limit=100_000, graphql_limit=100_000)


def deployments(engine: Engine) -> list[tuple[Any, ...]]:
    """(repo, source, sha, deployed_at, compare status, total_commits), in deployed_at order."""
    d, c = schema.deployments, schema.deployment_compares
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                select(d.c.repo, d.c.source, d.c.sha, d.c.deployed_at, c.c.status, c.c.total_commits)
                .select_from(
                    d.outerjoin(
                        c,
                        (c.c.repo == d.c.repo)
                        & (c.c.source == d.c.source)
                        & (c.c.deployment_id == d.c.deployment_id),
                    )
                )
                .order_by(d.c.deployed_at.nulls_last(), d.c.created_at)
            )
        ]


def compare_commits(engine: Engine, repo: str, deployment_id: int) -> list[str]:
    t = schema.deployment_commits
    with engine.connect() as conn:
        return [
            row.sha
            for row in conn.execute(
                select(t.c.sha)
                .where(t.c.repo == repo, t.c.deployment_id == deployment_id)
                .order_by(t.c.position)
            )
        ]


def a_pull(
    repo: RepoData, number: int, commits: list[str], merged: str | None, at_: datetime, **kw: Any
) -> int:
    return repo.pull(
        number=number,
        title=f"PR {number}",
        author=kw.pop("author", "alice"),
        created_at=kw.pop("created_at", at_ - timedelta(hours=2)),
        commits=commits,
        merged_at=at_ if merged else None,
        merge_commit_sha=merged,
        **kw,
    )


def find(items: list[dict[str, Any]], item_id: int) -> dict[str, Any]:
    return next(item for item in items if item["id"] == item_id)


# ------------------------------------------------------------------ 1. REST vs GraphQL, tricky history


def build_tricky(dataset: GitHubDataset) -> dict[str, Any]:
    """acme/tricky: squash, rebase and merge-commit merges, a force-pushed PR, a PR into ``release``, a
    diverged hotfix deployed then merged, a rollback, and statuses in_progress → success → inactive."""
    repo = dataset.add_repo("acme/tricky")
    c0 = repo.commit("root", author_date=at(1, 1))
    d0 = repo.deployment(c0, created_at=at(1, 2))
    a1 = repo.commit("a1", parents=[c0], author_date=at(1, 3), author_login="alice", branch="pr-1")
    a2 = repo.commit("a2", parents=[a1], author_date=at(1, 4), author_login="alice", branch="pr-1")
    s1 = repo.squash_merge([a1, a2], c0, "A (#1)", at(2))
    a_pull(repo, 1, [a1, a2], s1, at(2), reviews=[("bob", "APPROVED", at(1, 20))], labels=["Feature", "bug"])
    b1 = repo.commit("b1", parents=[s1], author_date=at(2, 2), author_login="carol", branch="pr-2")
    b2 = repo.commit("b2", parents=[b1], author_date=at(2, 3), author_login="carol", branch="pr-2")
    r1, r2 = repo.rebase_merge([b1, b2], s1, date=at(3))
    a_pull(
        repo,
        2,
        [b1, b2],
        r2,
        at(3),
        author="carol",
        reviews=[("carol", "COMMENTED", at(2, 4)), ("dave", "CHANGES_REQUESTED", at(2, 5))],
    )
    # PR 3 was force-pushed: x1 was replaced by x1b; the PR lists only x1b. Merged with a merge commit.
    repo.commit("x1", parents=[r2], author_date=at(3, 1), author_login="erin", branch="pr-3")
    x1b = repo.commit("x1b", parents=[r2], author_date=at(3, 2), author_login="erin", branch="pr-3b")
    m3 = repo.merge_commit(r2, x1b, "Merge pull request #3", at(3, 5))
    a_pull(repo, 3, [x1b], m3, at(3, 5), author="erin", labels=["BUG"])
    d1 = repo.deployment(
        m3,
        created_at=at(4),
        statuses=[("in_progress", at(4)), ("success", at(4, 1)), ("inactive", at(4, 8))],
    )
    # A PR into the release branch: stored as a PR, deploys nothing.
    rel = repo.commit("rel", parents=[s1], author_date=at(4, 2), branch="release")
    a_pull(repo, 4, [rel], rel, at(4, 3), base="release")
    # A hotfix cut from s1 (older than the deployed m3): deployed, then merged into main.
    h1 = repo.commit("hotfix", parents=[s1], author_date=at(4, 9), author_login="bob", branch="hotfix")
    d2 = repo.deployment(h1, created_at=at(4, 10), ref="hotfix")
    m4 = repo.commit("m4", author_date=at(4, 12), author_login="alice")
    n = repo.merge_commit(m4, h1, "Merge hotfix", at(5))
    a_pull(repo, 5, [h1], n, at(5), author="bob")
    d3 = repo.deployment(n, created_at=at(5, 2))
    d4 = repo.deployment(m3, created_at=at(6))  # rollback to m3
    return {
        "ids": [d0, d1, d2, d3, d4],
        "shas": {"c0": c0, "s1": s1, "r1": r1, "r2": r2, "x1b": x1b, "m3": m3, "h1": h1, "m4": m4, "n": n},
    }


@pytest.fixture(scope="module")
def tricky_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    dataset = GitHubDataset()
    built = build_tricky(dataset)
    engines: dict[str, Engine] = {}
    with emulator_for(dataset) as emulator:
        for api in ("rest", "graphql"):
            engine = open_store(f"duckdb:///{tmp_path_factory.mktemp(api)}/store.duckdb")
            engines[api] = engine
            run_sync(emulator, engine, [RepoTarget("acme/tricky")], now=at(7), api=api)
        out = {"built": built, "engines": engines, "dumps": {api: dump(e) for api, e in engines.items()}}
        yield out
    for engine in engines.values():
        engine.dispose()


@pytest.mark.parametrize("table", [t.name for t in schema.FACT_TABLES])
def test_rest_and_graphql_store_the_same_facts_for_a_tricky_history(
    tricky_stores: dict[str, Any], table: str
) -> None:
    # The two API modes read the same GitHub: every raw fact (§5) must be the same.
    dumps = tricky_stores["dumps"]
    assert dumps["graphql"][table] == dumps["rest"][table]


@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_tricky_history_compares_follow_the_spec(tricky_stores: dict[str, Any], api: str) -> None:
    # §5.1: deployed_at = created_at of the first success (d1: 04 01:00, not the later inactive).
    # §5.2: ordered by deployed_at; d0 first; d1 = compare(c0...m3) = s1, r1, r2, x1b, m3 (ahead 5);
    # d2 hotfix h1 vs m3: diverged, ahead by h1 only; d3 n vs h1: r1, r2, x1b, m3, m4, n (ahead 6);
    # d4 m3 vs n: m3 is n's ancestor → behind, no changes.
    engine = tricky_stores["engines"][api]
    s = tricky_stores["built"]["shas"]
    ids = tricky_stores["built"]["ids"]
    repo = "acme/tricky"
    assert deployments(engine) == [
        (repo, "deployments", s["c0"], to_db(at(1, 2)), "first", 0),
        (repo, "deployments", s["m3"], to_db(at(4, 1)), "ahead", 5),
        (repo, "deployments", s["h1"], to_db(at(4, 10)), "diverged", 1),
        (repo, "deployments", s["n"], to_db(at(5, 2)), "ahead", 6),
        (repo, "deployments", s["m3"], to_db(at(6)), "behind", 0),
    ]
    assert compare_commits(engine, repo, ids[2]) == [s["h1"]]
    assert set(compare_commits(engine, repo, ids[3])) == {
        s["r1"],
        s["r2"],
        s["x1b"],
        s["m3"],
        s["m4"],
        s["n"],
    }


@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_tricky_history_pull_requests_labels_and_reviews(tricky_stores: dict[str, Any], api: str) -> None:
    # §5.3: merged PRs with commits, reviews (any state, the author's own kept as a fact) and labels;
    # the PR into ``release`` is a merged PR too (§5.3 says merged, not merged into the default branch).
    engine = tricky_stores["engines"][api]
    with engine.connect() as conn:
        pulls = [
            tuple(r)
            for r in conn.execute(
                select(schema.pull_requests.c.number, schema.pull_requests.c.base_ref).order_by(
                    schema.pull_requests.c.number
                )
            )
        ]
        labels = sorted(
            tuple(r)
            for r in conn.execute(
                select(schema.pull_request_labels.c.number, schema.pull_request_labels.c.label)
            )
        )
        reviews = sorted(
            tuple(r)
            for r in conn.execute(
                select(
                    schema.pull_request_reviews.c.number,
                    schema.pull_request_reviews.c.reviewer,
                    schema.pull_request_reviews.c.state,
                )
            )
        )
        pr3 = [
            r.sha
            for r in conn.execute(
                select(schema.pull_request_commits.c.sha).where(schema.pull_request_commits.c.number == 3)
            )
        ]
    assert pulls == [(1, "main"), (2, "main"), (3, "main"), (4, "release"), (5, "main")]
    assert labels == [(1, "Feature"), (1, "bug"), (3, "BUG")]
    assert reviews == [(1, "bob", "APPROVED"), (2, "carol", "COMMENTED"), (2, "dave", "CHANGES_REQUESTED")]
    assert pr3 == [tricky_stores["built"]["shas"]["x1b"]]


# ------------------------------------------------------------- 2. workflow_runs re-run + incremental


def test_workflow_run_rerun_after_the_cursor_moved_is_a_deployment(tmp_engines: Any) -> None:
    # §5.1 workflow_runs: a completed run with conclusion success is a deployment at its updated_at.
    # §5 / §9: a re-sync updates facts in place; the incremental store must equal a full sync's.
    # R1 (c1) fails on 03-03; R2 (c2) succeeds on 03-05; sync; R1 is re-run (same id, attempt 2) and
    # succeeds on 03-06 → R1 is a deployment at 03-06 (updated_at), as a full sync would store it.
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    c = [repo.commit(f"c{i}", author_date=at(1, i)) for i in range(3)]
    repo.workflow_run(c[0], created_at=at(2), updated_at=at(2, 0.5))
    r1 = repo.workflow_run(c[1], created_at=at(3), updated_at=at(3, 0.3), conclusion="failure")
    repo.workflow_run(c[2], created_at=at(5), updated_at=at(5, 0.5))
    target = RepoTarget("acme/web", "workflow_runs", "production", "deploy.yml")
    incremental, full = tmp_engines("incremental"), tmp_engines("full")
    with emulator_for(dataset) as emulator:
        run_sync(emulator, incremental, [target], now=at(5, 1))
        run = find(repo.workflow_runs, r1)
        run.update(conclusion="success", run_attempt=2, updated_at=iso(at(6)), run_started_at=iso(at(5, 23)))
        run_sync(emulator, incremental, [target], now=at(6, 1))
        run_sync(emulator, full, [target], now=at(6, 1))
    rows = {row[2]: row[3] for row in deployments(incremental)}
    assert rows[c[1]] == to_db(at(6))
    assert dump(incremental) == dump(full)


def test_failed_runs_are_not_asked_one_by_one_the_runs_page_tells_a_rerun(tmp_engines: Any) -> None:
    # The re-run check's cost: R1 failed on 03-02 and R2 on 03-09; synced on 03-10, then twice more the
    # same day. The runs page (all of them: the newest 100 come on it) is unchanged, a free 304, so no
    # run is asked on its own: a re-run would have changed the page. R2 is then re-run to success
    # (ends 03-10 02:00): the fourth sync reads the changed page, and nothing else, and stores R2 there.
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    c = [repo.commit(f"c{i}", author_date=at(1, i)) for i in range(3)]
    repo.workflow_run(c[0], created_at=at(2), updated_at=at(2, 1), conclusion="failure")
    repo.workflow_run(c[1], created_at=at(8), updated_at=at(8, 1))
    r2 = repo.workflow_run(c[2], created_at=at(9), updated_at=at(9, 1), conclusion="failure")
    target = RepoTarget("acme/web", "workflow_runs", "production", "deploy.yml")
    engine = tmp_engines()
    with emulator_for(dataset) as emulator:
        run_sync(emulator, engine, [target], now=at(10))
        asked = []
        for step in range(3):
            if step == 2:
                find(repo.workflow_runs, r2).update(
                    conclusion="success", run_attempt=2, updated_at=iso(at(10, 2))
                )
            seen = len(emulator.requests)
            run_sync(emulator, engine, [target], now=at(10, 3))
            asked.append([(r.path, r.status) for r in emulator.requests[seen:] if "/actions/" in r.path])
    page = "/repos/acme/web/actions/workflows/deploy.yml/runs"
    assert asked == [[(page, 304)], [(page, 304)], [(page, 200)]]
    assert {row[2]: row[3] for row in deployments(engine)}[c[2]] == to_db(at(10, 2))


def test_workflow_run_attempts_and_a_failure_between_successes(tmp_engines: Any) -> None:
    # §5.1: only conclusion success counts, at updated_at; a run re-run to success (attempt 2, same id)
    # is one deployment. §5.2: R2's changes are compare(c0...c2) = c1, c2 (the failed c1 was never
    # shipped); R3 re-deploys c2 in a later run → identical, no changes.
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    c = [repo.commit(f"c{i}", author_date=at(1, i)) for i in range(3)]
    repo.workflow_run(c[0], created_at=at(2), updated_at=at(2, 1), run_attempt=2)
    repo.workflow_run(c[1], created_at=at(3), updated_at=at(3, 1), conclusion="failure")
    repo.workflow_run(c[2], created_at=at(4), updated_at=at(4, 1))
    repo.workflow_run(c[2], created_at=at(5), updated_at=at(5, 1), event="workflow_dispatch")
    engine = tmp_engines()
    with emulator_for(dataset) as emulator:
        run_sync(
            emulator, engine, [RepoTarget("acme/web", "workflow_runs", "production", "deploy.yml")], now=at(7)
        )
    assert deployments(engine) == [
        ("acme/web", "workflow_runs", c[0], to_db(at(2, 1)), "first", 0),
        ("acme/web", "workflow_runs", c[2], to_db(at(4, 1)), "ahead", 2),
        ("acme/web", "workflow_runs", c[2], to_db(at(5, 1)), "identical", 0),
        ("acme/web", "workflow_runs", c[1], None, None, None),
    ]


# ------------------------------------------------------------------ 3. releases: draft + cursor


def test_a_draft_or_prerelease_published_after_a_newer_release_is_a_deployment(tmp_engines: Any) -> None:
    # §5.1 releases: published, non-draft, non-prerelease releases, deployed_at = published_at.
    # v2 is drafted on 03-03 and v2.1 is a prerelease of 03-03 12:00; v3 is published on 03-05; sync.
    # On 03-06 v2 is published and v2.1 promoted to a full release: both are now deployments, as a
    # full sync of the same GitHub would store them (§5: re-syncing updates in place).
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/lib")
    c = [repo.commit(f"c{i}", author_date=at(1, i)) for i in range(4)]
    for name, sha in [("v1", c[0]), ("v2", c[1]), ("v2.1", c[2]), ("v3", c[3])]:
        repo.tags[name] = sha
    repo.release("v1", created_at=at(2), published_at=at(2))
    v2 = repo.release("v2", created_at=at(3), published_at=None, draft=True)
    v21 = repo.release("v2.1", created_at=at(3, 12), published_at=at(3, 12), prerelease=True)
    repo.release("v3", created_at=at(5), published_at=at(5))
    target = RepoTarget("acme/lib", "releases")
    incremental, full = tmp_engines("incremental"), tmp_engines("full")
    with emulator_for(dataset) as emulator:
        run_sync(emulator, incremental, [target], now=at(5, 1))
        find(repo.releases, v2).update(draft=False, published_at=iso(at(6)))
        find(repo.releases, v21).update(prerelease=False, published_at=iso(at(6, 1)))
        run_sync(emulator, incremental, [target], now=at(6, 2))
        run_sync(emulator, full, [target], now=at(6, 2))
    shipped = {row[2]: row[3] for row in deployments(incremental)}
    assert shipped.get(c[1]) == to_db(at(6))
    assert shipped.get(c[2]) == to_db(at(6, 1))
    assert dump(incremental) == dump(full)


def test_a_hotfix_release_of_an_older_commit_published_after_the_cursor_is_a_deployment(
    tmp_engines: Any,
) -> None:
    # §5.1 releases: deployed_at = published_at. GitHub's release created_at is its commit's date, so a
    # hotfix v1.0.1 tagged on a commit of 03-03 and published on 03-06 sorts below v2 (03-05), which the
    # cursor has passed: the incremental sync stores it at 03-06, as a full sync does.
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/lib")
    c = [repo.commit(f"c{i}", author_date=at(1, i)) for i in range(3)]
    for name, sha in [("v1", c[0]), ("v1.0.1", c[1]), ("v2", c[2])]:
        repo.tags[name] = sha
    repo.release("v1", created_at=at(2), published_at=at(2))
    repo.release("v2", created_at=at(5), published_at=at(5))
    target = RepoTarget("acme/lib", "releases")
    incremental, full = tmp_engines("incremental"), tmp_engines("full")
    with emulator_for(dataset) as emulator:
        run_sync(emulator, incremental, [target], now=at(5, 1))
        repo.release("v1.0.1", created_at=at(3), published_at=at(6))
        run_sync(emulator, incremental, [target], now=at(6, 1))
        run_sync(emulator, full, [target], now=at(6, 1))
    assert {row[2]: row[3] for row in deployments(incremental)}.get(c[1]) == to_db(at(6))
    assert dump(incremental) == dump(full)


# ------------------------------------------------------------ 4. merged_prs + merge kinds + revert


@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_merged_prs_with_every_merge_kind_and_a_revert(tmp_engines: Any, api: str) -> None:
    # §5.1 merged_prs: each PR merged into the default branch deploys merge_commit_sha at merged_at.
    # #1 squash s1 (first); #2 rebase r1, r2 → sha r2, compare(s1...r2) ahead 2; #3 merge commit m
    # with b1 → ahead 2 (b1 and m); #4 into ``release`` deploys nothing; #5 reverts #1 (squash v) →
    # ahead 1. Both API modes store the same.
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/svc")
    root = repo.commit("root", author_date=at(1))
    a = repo.commit("a", parents=[root], author_date=at(1, 2), branch="pr-1")
    s1 = repo.squash_merge([a], root, "A (#1)", at(2))
    a_pull(repo, 1, [a], s1, at(2))
    p = repo.commit("p", parents=[s1], author_date=at(2, 1), branch="pr-2")
    q = repo.commit("q", parents=[p], author_date=at(2, 2), branch="pr-2")
    _, r2 = repo.rebase_merge([p, q], s1, date=at(3))
    a_pull(repo, 2, [p, q], r2, at(3))
    b1 = repo.commit("b1", parents=[r2], author_date=at(3, 1), branch="pr-3")
    m = repo.merge_commit(r2, b1, "Merge #3", at(4))
    a_pull(repo, 3, [b1], m, at(4))
    rel = repo.commit("rel", parents=[m], author_date=at(4, 1), branch="release")
    a_pull(repo, 4, [rel], rel, at(4, 2), base="release")
    rv = repo.commit('Revert "A"', parents=[m], author_date=at(4, 3), branch="pr-5")
    v = repo.squash_merge([rv], m, 'Revert "A" (#5)', at(5))
    a_pull(repo, 5, [rv], v, at(5), labels=["revert"])
    engine = tmp_engines()
    with emulator_for(dataset) as emulator:
        run_sync(emulator, engine, [RepoTarget("acme/svc", "merged_prs")], now=at(7), api=api)
    assert deployments(engine) == [
        ("acme/svc", "merged_prs", s1, to_db(at(2)), "first", 0),
        ("acme/svc", "merged_prs", r2, to_db(at(3)), "ahead", 2),
        ("acme/svc", "merged_prs", m, to_db(at(4)), "ahead", 2),
        ("acme/svc", "merged_prs", v, to_db(at(5)), "ahead", 1),
    ]


# ------------------------------------------------ 5. deployment statuses + deployed_at ordering


def test_late_first_success_orders_by_deployed_at_and_makes_a_rollback(tmp_engines: Any) -> None:
    # §5.1: deployed_at = created_at of the FIRST success (failure before it, inactive after it do not
    # matter); never-success = failed attempt. §5.2: ordered by deployed_at, not created_at.
    # D1 c1 03-02; D2 c2 created 03-03, failure then success at 03-04 12:00; D3 c3 created 03-04,
    # success 03-04 01:00 then inactive. Order D1, D3, D2: D3 ahead 2 (c2, c3); D2 (c2, ancestor of
    # c3) behind: a rollback. D4 (error only) is an attempt.
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/api")
    c = [repo.commit(f"c{i}", author_date=at(1, i)) for i in range(4)]
    repo.deployment(c[1], created_at=at(2))
    repo.deployment(
        c[2],
        created_at=at(3),
        statuses=[("queued", at(3)), ("failure", at(3, 1)), ("success", at(4, 12)), ("success", at(4, 13))],
    )
    repo.deployment(
        c[3],
        created_at=at(4),
        statuses=[("in_progress", at(4)), ("success", at(4, 1)), ("inactive", at(4, 12))],
    )
    repo.deployment(c[3], created_at=at(5), statuses=[("error", at(5, 1))])
    engine = tmp_engines()
    with emulator_for(dataset) as emulator:
        run_sync(emulator, engine, [RepoTarget("acme/api")], now=at(7))
    assert deployments(engine) == [
        ("acme/api", "deployments", c[1], to_db(at(2)), "first", 0),
        ("acme/api", "deployments", c[3], to_db(at(4, 1)), "ahead", 2),
        ("acme/api", "deployments", c[2], to_db(at(4, 12)), "behind", 0),
        ("acme/api", "deployments", c[3], None, None, None),
    ]


# ------------------------------------------------------ 6. incremental vs full (deployments + PRs)


@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_an_incremental_sync_stores_what_a_full_sync_stores(tmp_engines: Any, api: str) -> None:
    # §5: cursors only decide what is re-read; §9: resumed = uninterrupted. After a first sync on
    # 03-04, a new deployment, a late success of a pending one, a PR merged and a label added to an
    # already stored PR: the store equals a fresh full sync of the same GitHub on 03-07.
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/inc")
    c0 = repo.commit("c0", author_date=at(1, 1))
    repo.deployment(c0, created_at=at(1, 2))
    a = repo.commit("a", parents=[c0], author_date=at(2), branch="pr-1")
    s1 = repo.squash_merge([a], c0, "A (#1)", at(2, 5))
    a_pull(repo, 1, [a], s1, at(2, 5), reviews=[("bob", "APPROVED", at(2, 4))])
    pending = repo.deployment(s1, created_at=at(3), statuses=[("in_progress", at(3))])
    incremental, full = tmp_engines("incremental"), tmp_engines("full")
    with emulator_for(dataset) as emulator:
        run_sync(emulator, incremental, [RepoTarget("acme/inc")], now=at(4), api=api)
        repo.add_status(pending, "success", at(4, 2))
        pull = next(p for p in repo.pulls if p["number"] == 1)
        pull["labels"].append(
            {
                "name": "hotfix",
                "id": 99,
                "node_id": "L99",
                "url": "",
                "color": "",
                "default": False,
                "description": None,
            }
        )
        pull["updated_at"] = iso(at(5))
        b = repo.commit("b", parents=[s1], author_date=at(5, 1), branch="pr-2")
        s2 = repo.squash_merge([b], s1, "B (#2)", at(5, 3))
        a_pull(repo, 2, [b], s2, at(5, 3))
        repo.deployment(s2, created_at=at(6))
        run_sync(emulator, incremental, [RepoTarget("acme/inc")], now=at(7), api=api)
        run_sync(emulator, full, [RepoTarget("acme/inc")], now=at(7), api=api)
    assert dump(incremental) == dump(full)
    assert [row[4:] for row in deployments(incremental)] == [("first", 0), ("ahead", 1), ("ahead", 1)]


# ------------------------------------------------------------ 7. incident issues: reopen + labels


def test_an_incident_issue_with_two_labels_reopened_then_closed_again(tmp_engines: Any) -> None:
    # §5.4: an issue carrying an incident label: started_at = created_at, resolved_at = closed_at.
    # §5: one row per natural key whatever the number of labels. Reopened, it is unresolved again
    # (GitHub clears closed_at); closed again, resolved_at is the new closed_at. A PR with the label
    # is not an incident.
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    number = repo.issue(title="Outage", created_at=at(2), closed_at=at(2, 3), labels=["incident", "sev1"])
    repo.commit("c0", author_date=at(1))
    engine = tmp_engines()
    target = [RepoTarget("acme/web")]
    issue = next(i for i in repo.issues if i["number"] == number)
    table = schema.incidents
    with emulator_for(dataset) as emulator:
        run_sync(emulator, engine, target, now=at(3), labels=["incident", "sev1"])
        issue.update(state="open", closed_at=None, state_reason="reopened", updated_at=iso(at(4)))
        run_sync(emulator, engine, target, now=at(4, 1), labels=["incident", "sev1"])
        with engine.connect() as conn:
            reopened = [
                tuple(r)
                for r in conn.execute(select(table.c.incident_id, table.c.status, table.c.resolved_at))
            ]
        issue.update(state="closed", closed_at=iso(at(5)), state_reason="completed", updated_at=iso(at(5)))
        run_sync(emulator, engine, target, now=at(6), labels=["incident", "sev1"])
        with engine.connect() as conn:
            closed = [
                tuple(r)
                for r in conn.execute(select(table.c.incident_id, table.c.started_at, table.c.resolved_at))
            ]
    assert reopened == [(f"acme/web#{number}", "open", None)]
    assert closed == [(f"acme/web#{number}", to_db(at(2)), to_db(at(5)))]


# ----------------------------------------------- 8. per-repo source + organisation discovery + case


@pytest.mark.parametrize("configured", ["acme/web", "Acme/Web"])
def test_a_configured_repo_keeps_its_own_source_when_its_org_is_discovered_too(
    tmp_engines: Any, configured: str
) -> None:
    # §3: repositories are names or objects that override the deployment source; organizations add
    # every repo of the org with the default source. acme/web is configured (also in another letter
    # case: GitHub names are case-insensitive) with workflow_runs; acme/api comes from discovery with the
    # default (deployments). acme/web is one repository, collected from its own source only, and its
    # facts carry GitHub's spelling of the name (the repositories row's).
    dataset = GitHubDataset()
    web = dataset.add_repo("acme/web")
    w = web.commit("w", author_date=at(1))
    web.workflow_run(w, created_at=at(2), updated_at=at(2, 1))
    web.deployment(w, created_at=at(3))  # a Deployment too: not its configured source
    api = dataset.add_repo("acme/api")
    a = api.commit("a", author_date=at(1))
    api.deployment(a, created_at=at(2))
    engine = tmp_engines()
    with emulator_for(dataset) as emulator:
        run_sync(
            emulator,
            engine,
            [RepoTarget(configured, "workflow_runs", "production", "deploy.yml")],
            now=at(7),
            organizations=["acme"],
            default=RepoTarget("", "deployments", "production"),
        )
    with engine.connect() as conn:
        repos = sorted(r.full_name for r in conn.execute(select(schema.repositories.c.full_name)))
    assert repos == ["acme/api", "acme/web"]
    assert sorted(row[:3] for row in deployments(engine)) == [
        ("acme/api", "deployments", a),
        ("acme/web", "workflow_runs", w),
    ]


# --------------------------------------------------- 9. PagerDuty: unowned service_ids + urgencies


PD_NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


def pd_at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 6, 1, tzinfo=UTC) + timedelta(days=day, hours=hour)


def pd_sync(emulator: PagerDutyEmulator, engine: Engine, now: datetime, services: Sequence[str]) -> None:
    client = PagerDutyClient(
        emulator.base_url, "test-token", ca_bundle=emulator.ca_file, retry=RetryPolicy(sleep=lambda _: None)
    )
    with client:
        PagerDutySync(engine, client, since=pd_at(0), now=now, service_ids=services, urgencies=["high"]).run()


def test_pagerduty_unowned_service_ids_with_an_urgency_raised_after_the_cursor(tmp_engines: Any) -> None:
    # §4: a service_ids service owned by nobody is collected (team unowned); others are not.
    # §5.4: incidents in the configured urgencies ([high]). PUNOWN's low incident on 06-02 is escalated
    # to high on 06-04 while still open: it is now a high incident of a collected service, which a
    # full sync stores; the incremental sync must too (§5: re-syncing updates in place).
    dataset = PagerDutyDataset(now=PD_NOW)
    dataset.add_service("PUNOWN", "Nobody's")
    dataset.add_service("POTHER", "Not collected")
    dataset.add_incident("QHIGH", "PUNOWN", "high one", pd_at(1), resolved_at=pd_at(1, 2))
    dataset.add_incident("QLOW", "PUNOWN", "low one", pd_at(1, 3), urgency="low", resolved_at=pd_at(1, 4))
    dataset.add_incident("QESC", "PUNOWN", "escalated", pd_at(2), urgency="low", status="triggered")
    dataset.add_incident("QOTHER", "POTHER", "elsewhere", pd_at(2, 1))
    incremental, full = tmp_engines("incremental"), tmp_engines("full")
    with PagerDutyEmulator(dataset) as emulator:
        pd_sync(emulator, incremental, pd_at(3), ["PUNOWN"])
        dataset.incidents["QESC"].payload.update(
            urgency="high", updated_at=pd_at(4).strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        pd_sync(emulator, incremental, pd_at(5), ["PUNOWN"])
        pd_sync(emulator, full, pd_at(5), ["PUNOWN"])

    def ids(engine: Engine) -> list[tuple[str, str, str | None]]:
        t = schema.incidents
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    select(t.c.incident_id, t.c.service, t.c.urgency).order_by(t.c.incident_id)
                )
            ]  # type: ignore[misc]

    assert ids(full) == [("QESC", "PUNOWN", "high"), ("QHIGH", "PUNOWN", "high")]
    assert ids(incremental) == ids(full)
