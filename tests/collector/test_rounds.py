"""A sync shares the rate limit fairly: every repository's most recent pull requests (a page) come
before any repository's older ones. Two generated repositories with over 100 merged PRs each since the
start, and one with a handful."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from collector.github_sync import GitHubSync, RepoTarget
from collector.sources.github import GitHubClient
from collector.sources.retry import RetryPolicy
from store import schema
from store.engine import open_store
from tests.emulators.github import Fault, GitHubDataset, GitHubEmulator
from tests.github_scale import ORG, build_scale_org, minimum_rest_pages


def test_recent_pull_requests_of_every_repository_come_before_older_ones(tmp_path: Path) -> None:
    dataset = GitHubDataset()
    org = build_scale_org(dataset, repos=3, weeks=5, deploy_every=7, pulls_per_deploy=26)
    small = dataset.repos[org.repos[2]]
    small.pulls[:] = small.pulls[:5]
    merged = {name: len(dataset.repos[name].pulls) for name in org.repos}
    assert merged[org.repos[0]] > 100 and merged[org.repos[1]] > 100
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    with GitHubEmulator(dataset, rate_limit=100_000) as emulator:
        client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
        GitHubSync(engine, client, since=org.since, now=org.now).run([], [ORG], RepoTarget(""))
        client.close()
    lists = [
        (r.path.split("/")[3], r.query.get("page", "1"))
        for r in emulator.requests
        if r.path.endswith("/pulls")
    ]
    # Round one: each repository's first page; round two: the two large ones, from their first page.
    names = [name.split("/")[1] for name in org.repos]
    assert lists == [
        (names[0], "1"),
        (names[1], "1"),
        (names[2], "1"),
        (names[0], "1"),
        (names[0], "2"),
        (names[1], "1"),
        (names[1], "2"),
    ]
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(schema.pull_requests)).scalar_one()
    engine.dispose()
    assert stored == sum(merged.values())
    # The second round asks each large repository's first page again: 2 requests over the minimum.
    assert emulator.billed_requests == minimum_rest_pages(dataset, org, labels=0) + 2


def test_a_repository_skipped_in_the_first_round_is_not_asked_again_in_the_second(tmp_path: Path) -> None:
    """The first large repository's compares answer 502 at all 8 attempts, after its first page of pull
    requests: it is skipped for this sync, and the second round reads only the other one's older pages."""
    dataset = GitHubDataset()
    org = build_scale_org(dataset, repos=3, weeks=5, deploy_every=7, pulls_per_deploy=26)
    small = dataset.repos[org.repos[2]]
    small.pulls[:] = small.pulls[:5]
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    with GitHubEmulator(dataset, rate_limit=100_000) as emulator:
        emulator.inject(rf"^/repos/{org.repos[0]}/compare/", Fault.server_error(502), times=8)
        client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
        report = GitHubSync(engine, client, since=org.since, now=org.now).run([], [ORG], RepoTarget(""))
        client.close()
    engine.dispose()
    assert list(report.failed) == [org.repos[0]]
    names = [name.split("/")[1] for name in org.repos]
    lists = [
        (r.path.split("/")[3], r.query.get("page", "1"))
        for r in emulator.requests
        if r.path.endswith("/pulls")
    ]
    assert lists == [(names[0], "1"), (names[1], "1"), (names[2], "1"), (names[1], "1"), (names[1], "2")]
