"""Bulk mode derives each deployment pair's compare from one compare of the whole range, exactly.

acme/shop, hours after 2026-03-01 00:00 UTC (``h``):
* c0 (root, 0), c1 (1) on main — c1 is the range base A0.
* f1 (0.5) on a branch forked from c0, before A0, merged later.
* c2 (2) on main; x1, x2 (authored 1.5, 1.6) rebase-merged at 3 as r1, r2 (equal committer dates).
* m1 (4) merges f1 into main; h1 (4.5) is a hotfix cut from c2 (diverged from m1).
* c3 (5) on main after m1; m2 (6) merges the hotfix in; o1 (6.5) is a root of unrelated history,
  merged by m3 (7): the range head Bn.

Every pair the range decides must be what GitHub's own compare of that pair says (status, and the
commits in order); the pairs it cannot decide are named: a base outside the range (c0), a base not
descending from A0 (f1), and the unrelated root o1 as a head.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import permutations

import pytest
from sqlalchemy import Engine

from collector.compare_range import PairCompare, RangeCompare
from collector.github_sync import GitHubSync, RepoTarget
from collector.sources.github import GitHubClient
from collector.sources.github_graphql import GitHubGraphQL
from collector.sources.github_parse import parse_commit
from collector.sources.retry import RetryPolicy
from store.engine import open_store
from tests.collector.test_github_sync import dump
from tests.emulators.github import GitHubDataset, GitHubEmulator

START = datetime(2026, 3, 1, tzinfo=UTC)


def h(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def build(dataset: GitHubDataset) -> dict[str, str]:
    repo = dataset.add_repo("acme/shop")
    c: dict[str, str] = {}
    c["c0"] = repo.commit("c0", author_date=h(0))
    c["c1"] = repo.commit("c1", author_date=h(1))
    c["f1"] = repo.commit("f1", parents=[c["c0"]], author_date=h(0.5), branch="feature")
    c["c2"] = repo.commit("c2", author_date=h(2))
    x1 = repo.commit("x1", parents=[c["c2"]], author_date=h(1.5), branch="rebased")
    x2 = repo.commit("x2", parents=[x1], author_date=h(1.6), branch="rebased")
    c["r1"], c["r2"] = repo.rebase_merge([x1, x2], c["c2"], date=h(3))
    c["m1"] = repo.merge_commit(c["r2"], c["f1"], "Merge feature", h(4))
    c["h1"] = repo.commit("h1", parents=[c["c2"]], author_date=h(4.5), branch="hotfix")
    c["c3"] = repo.commit("c3", parents=[c["m1"]], author_date=h(5), branch="main")
    c["m2"] = repo.merge_commit(c["c3"], c["h1"], "Merge hotfix", h(6))
    c["o1"] = repo.commit("o1", parents=[], author_date=h(6.5), branch="vendored")
    c["m3"] = repo.merge_commit(c["m2"], c["o1"], "Merge vendored", h(7))
    return c


@pytest.fixture(scope="module")
def shop() -> Iterator[tuple[GitHubEmulator, dict[str, str]]]:
    dataset = GitHubDataset()
    shas = build(dataset)
    with GitHubEmulator(dataset) as emulator:
        yield emulator, shas
    assert emulator.errors == []


def github_says(client: GitHubClient, base: str, head: str) -> PairCompare:
    summary, items = client.compare("acme/shop", base, head)
    return PairCompare(str(summary["status"]), tuple(parse_commit(item) for item in items))


def test_every_pair_the_range_decides_is_what_github_says(
    shop: tuple[GitHubEmulator, dict[str, str]],
) -> None:
    emulator, c = shop
    client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
    name = {sha: label for label, sha in c.items()}
    try:
        _, items = client.compare("acme/shop", c["c1"], c["m3"])
        bulk = RangeCompare(c["c1"], (parse_commit(item) for item in items))
        decided, undecided = {}, set()
        for base, head in permutations(c.values(), 2):
            answer = bulk.pair(base, head)
            if answer is None:
                undecided.add((name[base], name[head]))
            else:
                assert answer == github_says(client, base, head), (name[base], name[head])
                decided[(name[base], name[head])] = answer
    finally:
        client.close()
    # Named answers, worked by hand.
    assert [(d.status, [name[x.sha] for x in d.commits]) for d in [decided[("c1", "c2")]]] == [
        ("ahead", ["c2"])
    ]
    assert [name[x.sha] for x in decided[("c2", "r2")].commits] == ["r1", "r2"]
    assert [name[x.sha] for x in decided[("r2", "m1")].commits] == ["f1", "m1"]
    assert decided[("m1", "h1")].status == "diverged"
    assert [name[x.sha] for x in decided[("m1", "h1")].commits] == ["h1"]
    assert decided[("c2", "f1")].status == "diverged"  # f1 forked before A0
    assert decided[("c3", "r2")] == PairCompare("behind", ())  # a rollback
    assert decided[("c3", "c1")] == PairCompare("behind", ())  # back to A0 itself
    assert [name[x.sha] for x in decided[("c3", "m3")].commits] == ["h1", "m2", "o1", "m3"]
    # Undecided, and only those: c0 on either side (outside the range), f1 or o1 as base (neither
    # descends from A0), o1 as head (its history never meets A0's): of the 12 × 11 ordered pairs,
    # 3 × 11 by base and 9 × 2 by head.
    outside = {"c0", "f1", "o1"}
    assert undecided == {
        (base, head) for base, head in permutations(c, 2) if base in outside or head in {"c0", "o1"}
    }
    assert len(undecided) == 3 * 11 + 9 * 2 and len(decided) == 12 * 11 - 51


DEPLOYED = ["c1", "c2", "r2", "m1", "h1", "c3", "r2", "c3", "m2", "m3"]


def sync(emulator: GitHubEmulator, engine: Engine, api: str) -> list[str]:
    """One sync of acme/shop; the compare requests it made, as "base...head" labels."""
    seen = len(emulator.requests)
    client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
    try:
        GitHubSync(
            engine,
            client,
            since=h(-24),
            now=h(48),
            graphql=GitHubGraphQL(client) if api == "graphql" else None,
        ).run([RepoTarget("acme/shop")], [], RepoTarget(""))
    finally:
        client.close()
    return [r.path.rsplit("/", 1)[-1] for r in emulator.requests[seen:] if "/compare/" in r.path]


def test_bulk_mode_stores_what_pair_by_pair_compares_store(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    dataset = GitHubDataset()
    c = build(dataset)
    name = {sha: label for label, sha in c.items()}
    repo = dataset.repos["acme/shop"]
    for i, label in enumerate(DEPLOYED):
        repo.deployment(c[label], created_at=h(10 + i))
    with GitHubEmulator(dataset) as emulator:
        asked, stores = {}, {}
        for api in ("rest", "graphql"):
            engine = open_store(f"duckdb:///{tmp_path_factory.mktemp(api)}/store.duckdb")
            asked[api] = sync(emulator, engine, api)
            stores[api] = dump(engine)
            engine.dispose()
        assert emulator.errors == []

    def labels(paths: list[str]) -> list[str]:
        return ["...".join(name[sha] for sha in path.split("...")) for path in paths]

    assert stores["graphql"] == stores["rest"]
    # REST: one compare per pair of consecutive deployments. Bulk: every base descends from
    # A0 = c1 (the hotfix h1 through c2) and every head lies in c1...m3, so the one range answers
    # all nine pairs, the diverged hotfix and the rollbacks included.
    assert labels(asked["rest"]) == [
        "c1...c2",
        "c2...r2",
        "r2...m1",
        "m1...h1",
        "h1...c3",
        "c3...r2",
        "r2...c3",
        "c3...m2",
        "m2...m3",
    ]
    assert labels(asked["graphql"]) == ["c1...m3"]
