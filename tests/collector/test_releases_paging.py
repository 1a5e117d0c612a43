"""Releases: ordered by created_at, which is the tagged commit's date, so a release published after
``github.since`` may sit on any page of the list (SPEC §5.1: published, non-draft, non-prerelease;
deployed_at = published_at). Every page is read, each asked with its own validator: an unchanged page
is a free 304, a page where an old draft was published is read again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from collector.github_sync import GitHubSync, RepoTarget
from collector.sources.github import GitHubClient
from collector.sources.retry import RetryPolicy
from store import schema
from store.engine import open_store
from store.timeutil import to_db
from tests.collector.test_github_sync import dump
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.github_org import at

REPO = "acme/rel"
TARGET = RepoTarget(REPO, "releases")
OLD = 105  # releases published before since, created after v0.9's commit: v0.9 lands on page 2


def february(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 2, day, tzinfo=UTC) + timedelta(hours=hour)


def build(dataset: GitHubDataset) -> tuple[RepoData, dict[str, int]]:
    """v0.9 tags c0 (authored 02-20, before since 03-01) and is published 03-01 06:00; 105 releases of
    commits authored 02-21 to 02-25 were published before since; v1.1 tags f1 (03-02 08:00) and is
    published 03-02 10:00; v0.9.1 tags a backport k (02-19) and is a draft. Newest created first, page 1
    holds v1.1 and 99 old releases, page 2 the other 6, v0.9 and the draft."""
    repo = dataset.add_repo(REPO)
    k = repo.commit("backport", author_date=february(19))
    c0 = repo.commit("c0", author_date=february(20))
    ids: dict[str, int] = {}
    parent = c0
    for n in range(OLD):
        when = february(21, n)  # hourly from 02-21 00:00, the last 02-25 08:00
        parent = repo.commit(f"old {n}", parents=[parent], author_date=when)
        repo.tags[f"v0.{n}.0-old"] = parent
        repo.release(f"v0.{n}.0-old", created_at=when, published_at=when + timedelta(minutes=30))
    f1 = repo.commit("f1", parents=[parent], author_date=at(2, 8))
    repo.tags.update({"v0.9": c0, "v1.1": f1, "v0.9.1": k})
    ids["v0.9"] = repo.release("v0.9", created_at=february(20), published_at=at(1, 6))
    ids["v1.1"] = repo.release("v1.1", created_at=at(2, 8), published_at=at(2, 10))
    ids["v0.9.1"] = repo.release("v0.9.1", created_at=february(19), published_at=None, draft=True)
    return repo, ids


@pytest.fixture
def world() -> Iterator[tuple[GitHubEmulator, dict[str, int]]]:
    dataset = GitHubDataset()
    _, ids = build(dataset)
    with GitHubEmulator(dataset) as emulator:
        yield emulator, ids
    assert emulator.errors == []


def store(path: Path) -> Engine:
    return open_store(f"duckdb:///{path}")


def sync(emulator: GitHubEmulator, engine: Engine, now: datetime) -> tuple[int, int]:
    """One sync of the repository; returns (billed, 304) requests of its releases list."""
    mark = len(emulator.requests)
    client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
    try:
        GitHubSync(engine, client, since=at(1), now=now).run([TARGET], [], RepoTarget(""))
    finally:
        client.close()
    lists = [r for r in emulator.requests[mark:] if r.path.endswith("/releases")]
    return sum(r.status == 200 for r in lists), sum(r.status == 304 for r in lists)


def deployments(engine: Engine) -> list[tuple[int, datetime | None]]:
    table = schema.deployments
    with engine.connect() as conn:
        rows = conn.execute(select(table.c.deployment_id, table.c.deployed_at).order_by(table.c.deployed_at))
        return [(row.deployment_id, row.deployed_at) for row in rows]


def test_a_release_of_a_commit_older_than_since_on_the_second_page_is_collected(
    world: tuple[GitHubEmulator, dict[str, int]], tmp_path: Path
) -> None:
    """First sync: both pages read (2 billed). v0.9 (page 2, commit before since, published 03-01
    06:00) and v1.1 are the deployments; the 105 releases published before since and the draft are
    not. A sync with nothing changed asks both pages again and pays nothing (two 304s)."""
    emulator, ids = world
    engine = store(tmp_path / "store.duckdb")
    try:
        assert sync(emulator, engine, at(4)) == (2, 0)
        assert deployments(engine) == [(ids["v0.9"], to_db(at(1, 6))), (ids["v1.1"], to_db(at(2, 10)))]
        stored = dump(engine)
        assert sync(emulator, engine, at(4, 1)) == (0, 2)
        assert dump(engine) == stored
    finally:
        engine.dispose()


def test_an_old_draft_published_deep_in_the_list_is_read_again_and_equals_a_fresh_sync(
    world: tuple[GitHubEmulator, dict[str, int]], tmp_path: Path
) -> None:
    """The draft v0.9.1 (a backport authored 02-19, on page 2) is published 03-04 12:00 between two
    syncs. The second sync pays for page 2 only (page 1 answers 304) and stores it; the store then
    equals one synced once afterwards, table by table."""
    emulator, ids = world
    incremental, fresh = store(tmp_path / "incremental.duckdb"), store(tmp_path / "fresh.duckdb")
    try:
        sync(emulator, incremental, at(4))
        draft = next(r for r in emulator.dataset.repos[REPO].releases if r["id"] == ids["v0.9.1"])
        draft.update(draft=False, published_at=at(4, 12).isoformat().replace("+00:00", "Z"))
        assert sync(emulator, incremental, at(5)) == (1, 1)
        assert deployments(incremental)[-1] == (ids["v0.9.1"], to_db(at(4, 12)))
        assert len(deployments(incremental)) == 3
        sync(emulator, fresh, at(5))
        assert dump(incremental) == dump(fresh)
    finally:
        incremental.dispose()
        fresh.dispose()


def test_a_new_release_shifting_every_page_asks_no_stored_releases_tag_again(
    world: tuple[GitHubEmulator, dict[str, int]], tmp_path: Path
) -> None:
    """v1.2 (tagging f2, 03-04 08:00) is published 03-04 10:00 between two syncs: it shifts both pages,
    so both are read again (2 billed), but the stored v0.9 and v1.1 are as stored (tag, created_at,
    published_at): their tags are not asked again. One tag lookup, v1.2's."""
    emulator, _ = world
    engine = store(tmp_path / "store.duckdb")
    try:
        sync(emulator, engine, at(4))
        repo = emulator.dataset.repos[REPO]
        f2 = repo.commit("f2", parents=[repo.tags["v1.1"]], author_date=at(4, 8))
        repo.tags["v1.2"] = f2
        v12 = repo.release("v1.2", created_at=at(4, 8), published_at=at(4, 10))
        mark = len(emulator.requests)
        assert sync(emulator, engine, at(5)) == (2, 0)
        lookups = [r.path for r in emulator.requests[mark:] if "/commits/" in r.path]
        assert lookups == [f"/repos/{REPO}/commits/v1.2"]
        assert deployments(engine)[-1] == (v12, to_db(at(4, 10)))
    finally:
        engine.dispose()
