"""Deployment sources other than GitHub Deployments (SPEC §5.1), through the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from collector.github_sync import GitHubSync, RepoTarget
from collector.sources.github import GitHubClient
from collector.sources.retry import RetryPolicy
from store import schema
from store.engine import open_store
from store.timeutil import to_db
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.github_org import AS_OF, at


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    yield engine
    engine.dispose()


def sync(engine: Engine, dataset: GitHubDataset, target: RepoTarget) -> None:
    with GitHubEmulator(dataset) as emulator:
        client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
        try:
            GitHubSync(engine, client, since=at(1), now=AS_OF).run([target], [], RepoTarget(""))
        finally:
            client.close()


def stored(engine: Engine) -> list[tuple[Any, ...]]:
    d, c = schema.deployments, schema.deployment_compares
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                select(d.c.source, d.c.sha, d.c.deployed_at, c.c.status, c.c.total_commits)
                .select_from(
                    d.outerjoin(c, (c.c.repo == d.c.repo) & (c.c.deployment_id == d.c.deployment_id))
                )
                .order_by(d.c.created_at)
            )
        ]


def linear(repo: RepoData, count: int) -> list[str]:
    return [repo.commit(f"c{i}", author_date=at(1, i)) for i in range(count)]


def test_workflow_runs_of_the_named_workflow_on_the_default_branch(engine: Engine) -> None:
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    c = linear(repo, 4)
    repo.workflow_run(c[0], created_at=at(2), updated_at=at(2, 0.5))
    repo.workflow_run(c[1], created_at=at(3), updated_at=at(3, 0.25), conclusion="failure")
    repo.workflow_run(c[2], created_at=at(3, 1), updated_at=at(3, 1.2), branch="feature")
    repo.workflow_run(c[2], created_at=at(3, 2), updated_at=at(3, 2.5), workflow="ci.yml")
    repo.workflow_run(c[3], created_at=at(4), updated_at=at(4, 0.75))
    sync(engine, dataset, RepoTarget("acme/web", "workflow_runs", "production", "deploy.yml"))
    assert stored(engine) == [
        ("workflow_runs", c[0], to_db(at(2, 0.5)), "first", 0),
        ("workflow_runs", c[1], None, None, None),  # a failed run is an attempt
        ("workflow_runs", c[3], to_db(at(4, 0.75)), "ahead", 3),
    ]


def test_a_forks_run_from_its_own_branch_of_the_default_branchs_name_deploys_nothing(
    tmp_path: Path, engine: Engine
) -> None:
    # GitHub's branch filter matches the branch name in any repository: a fork's pull request from
    # its own `main` is listed among the repository's runs of `main`, with the fork as head_repository
    # (a real payload of the kind: tests/test_audit_round9_real_payloads_e2e.py). SPEC §5.1 counts
    # runs on the default branch, which is this repository's. A store written before, which holds such
    # a run as a deployment, forgets it at the next sync that lists it: the later deployment's compare
    # then starts from the deployment before (c0 ... c2: 2 commits, not 1), as a fresh sync finds.
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    c = linear(repo, 3)
    target = RepoTarget("acme/web", "workflow_runs", "production", "deploy.yml")
    repo.workflow_run(c[0], created_at=at(2), updated_at=at(2, 0.5))
    fork_run = repo.workflow_run(c[1], created_at=at(3), updated_at=at(3, 0.5), event="pull_request")
    sync(engine, dataset, target)  # as an older collector stored it: the fork's run is the repo's
    assert [row[1] for row in stored(engine)] == [c[0], c[1]]
    run = next(item for item in repo.workflow_runs if item["id"] == fork_run)
    run["head_repository"] = {**repo.repo_json(), "id": 999, "full_name": "someone/web"}
    repo.workflow_run(c[2], created_at=at(4), updated_at=at(4, 0.75))
    sync(engine, dataset, target)
    expected = [
        ("workflow_runs", c[0], to_db(at(2, 0.5)), "first", 0),
        ("workflow_runs", c[2], to_db(at(4, 0.75)), "ahead", 2),
    ]
    assert stored(engine) == expected
    fresh = open_store(f"duckdb:///{tmp_path}/fresh.duckdb")
    try:
        sync(fresh, dataset, target)
        assert stored(fresh) == expected
    finally:
        fresh.dispose()


def test_published_releases_deploy_their_tag(engine: Engine) -> None:
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/lib")
    c = linear(repo, 5)
    for name, sha in [("v1", c[0]), ("v2-rc", c[2]), ("v2", c[3]), ("v3", c[4])]:
        repo.tags[name] = sha
    repo.release("v1", created_at=at(2), published_at=at(2, 1))
    repo.release("v2-rc", created_at=at(3), published_at=at(3, 1), prerelease=True)
    repo.release("v2", created_at=at(4), published_at=at(4, 2))
    repo.release("v3", created_at=at(5), published_at=None, draft=True)
    sync(engine, dataset, RepoTarget("acme/lib", "releases"))
    assert stored(engine) == [
        ("releases", c[0], to_db(at(2, 1)), "first", 0),
        ("releases", c[3], to_db(at(4, 2)), "ahead", 3),
    ]


def test_a_release_made_a_draft_again_after_it_was_stored_is_no_deployment(
    tmp_path: Path, engine: Engine
) -> None:
    # SPEC §5.1 counts published, non-draft releases, and §5 re-syncs in place: v2, stored as a
    # deployment, is made a draft again (pulled back); the next sync forgets it, and v3's compare
    # starts from v1 (c0 ... c3: 3 commits), as a fresh sync finds. The same for a prerelease: the
    # round-9 late-changes audit.
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/lib")
    c = linear(repo, 4)
    for name, sha in [("v1", c[0]), ("v2", c[2]), ("v3", c[3])]:
        repo.tags[name] = sha
    repo.release("v1", created_at=at(2), published_at=at(2, 1))
    v2 = repo.release("v2", created_at=at(3), published_at=at(3, 1))
    target = RepoTarget("acme/lib", "releases")
    sync(engine, dataset, target)
    assert [row[1] for row in stored(engine)] == [c[0], c[2]]
    pulled = next(item for item in repo.releases if item["id"] == v2)
    pulled.update(draft=True, published_at=None)
    repo.release("v3", created_at=at(4), published_at=at(4, 1))
    sync(engine, dataset, target)
    expected = [
        ("releases", c[0], to_db(at(2, 1)), "first", 0),
        ("releases", c[3], to_db(at(4, 1)), "ahead", 3),
    ]
    assert stored(engine) == expected
    fresh = open_store(f"duckdb:///{tmp_path}/fresh.duckdb")
    try:
        sync(fresh, dataset, target)
        assert stored(fresh) == expected
    finally:
        fresh.dispose()


def test_merged_prs_deploy_their_merge_commit_at_merge_time(engine: Engine) -> None:
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/svc")
    root = repo.commit("root", author_date=at(1))
    a = repo.commit("a", parents=[root], author_date=at(1, 2), branch="pr-1")
    s1 = repo.squash_merge([a], root, "A (#1)", at(2))
    repo.pull(
        number=1,
        title="A",
        author="x",
        created_at=at(1, 3),
        commits=[a],
        merged_at=at(2),
        merge_commit_sha=s1,
    )
    b = repo.commit("b", parents=[s1], author_date=at(2, 2), branch="pr-2")
    s2 = repo.squash_merge([b], s1, "B (#2)", at(3))
    repo.pull(
        number=2,
        title="B",
        author="x",
        created_at=at(2, 3),
        commits=[b],
        merged_at=at(3),
        merge_commit_sha=s2,
    )
    other = repo.commit("o", parents=[s2], author_date=at(3, 1), branch="release")
    repo.pull(
        number=3,
        title="to release",
        author="x",
        created_at=at(3, 2),
        commits=[other],
        merged_at=at(3, 3),
        merge_commit_sha=other,
        base="release",
    )
    repo.pull(
        number=4,
        title="closed",
        author="x",
        created_at=at(3, 2),
        commits=[other],
        merged_at=None,
        merge_commit_sha=None,
        state="closed",
        closed_at=at(3, 4),
    )
    sync(engine, dataset, RepoTarget("acme/svc", "merged_prs"))
    assert stored(engine) == [
        ("merged_prs", s1, to_db(at(2)), "first", 0),
        ("merged_prs", s2, to_db(at(3)), "ahead", 1),
    ]


def test_a_rerun_below_the_cursor_is_read_from_the_runs_page_at_no_extra_cost(engine: Engine) -> None:
    """Five green runs of c1 … c5, 03-02 … 03-06 at 00:00 (each ends 30 min later), synced as of 03-07
    against one emulator (so its ETags hold). Re-syncs find the runs page unchanged: one free 304 each,
    nothing billed for runs. Then the 03-03 run (of c2) is re-run, as a rollback, ending 03-06 12:00
    (same id and created_at, below the cursor's day of overlap): the changed page is read (one billed
    request) and the run stored at its new end, behind c5; c3 now follows c1, as a fresh sync has it."""
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    c = linear(repo, 6)
    runs = [repo.workflow_run(c[day - 1], created_at=at(day), updated_at=at(day, 0.5)) for day in range(2, 7)]
    target = RepoTarget("acme/web", "workflow_runs", "production", "deploy.yml")
    asked: list[list[tuple[str, int]]] = []
    with GitHubEmulator(dataset) as emulator:
        client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
        try:
            for step in range(4):
                if step == 3:
                    rerun = next(r for r in repo.workflow_runs if r["id"] == runs[1])
                    rerun.update(run_attempt=2, updated_at="2026-03-06T12:00:00Z")
                before = len(emulator.requests)
                GitHubSync(engine, client, since=at(1), now=AS_OF).run([target], [], RepoTarget(""))
                asked.append(
                    [(r.path, r.status) for r in emulator.requests[before:] if "/actions/" in r.path]
                )
        finally:
            client.close()
    page = "/repos/acme/web/actions/workflows/deploy.yml/runs"
    assert asked == [[(page, 200)], [(page, 304)], [(page, 304)], [(page, 200)]]
    assert [row[:4] for row in stored(engine)] == [
        ("workflow_runs", c[1], to_db(at(2, 0.5)), "first"),
        ("workflow_runs", c[2], to_db(at(6, 12)), "behind"),
        ("workflow_runs", c[3], to_db(at(4, 0.5)), "ahead"),
        ("workflow_runs", c[4], to_db(at(5, 0.5)), "ahead"),
        ("workflow_runs", c[5], to_db(at(6, 0.5)), "ahead"),
    ]
