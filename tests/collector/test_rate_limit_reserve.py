"""`github.rate_limit_reserve`: a sync never spends the reserve; it waits for the reset instead.

The hand-worked org of ``tests/github_org.py`` (acme/orders, acme/payments configured) against an
emulator with a tiny quota and a fake clock that only the client's waits move. A REST sync makes 28
paid requests: the 2 repositories, 2 deployment lists, 9 status lists (orders 5, payments 4),
7 compare pages (orders 3, payments 3 + 1), 2 pull lists and 3 merged PRs × (commits + reviews).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from collector.github_sync import GitHubSync, RepoTarget
from collector.sources.github import GitHubClient
from collector.sources.github_graphql import GitHubGraphQL
from collector.sources.retry import RetryPolicy
from store.engine import open_store
from tests.collector import test_github_sync
from tests.collector.test_github_sync import REPOS, SINCE, dump
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.github_org import AS_OF, build_org

START = 1000.0
clean_dump = test_github_sync.clean_dump  # the store of an unconstrained sync (a module fixture)


class Clock:
    def __init__(self) -> None:
        self.now = START
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    yield engine
    engine.dispose()


def run(engine: Engine, api: str, rate_limit: int, graphql_limit: int, reserve: float) -> dict[str, Any]:
    dataset = GitHubDataset()
    build_org(dataset)
    clock = Clock()
    lowest = {"rest": rate_limit, "graphql": graphql_limit}
    with GitHubEmulator(dataset, rate_limit=rate_limit, graphql_limit=graphql_limit, clock=clock) as emulator:

        def watch(_status: int) -> None:
            lowest["rest"] = min(lowest["rest"], emulator.rate_remaining)
            lowest["graphql"] = min(lowest["graphql"], emulator._graphql_remaining)

        emulator.after_answer = watch
        policy = RetryPolicy(sleep=clock.sleep, max_wait=7200)
        client = GitHubClient(emulator.base_url, "test-token", retry=policy, clock=clock, reserve=reserve)
        graphql = GitHubGraphQL(client) if api == "graphql" else None
        try:
            GitHubSync(engine, client, since=SINCE, now=AS_OF, graphql=graphql).run(REPOS, [], RepoTarget(""))
        finally:
            client.close()
        return {
            "waits": clock.waits,
            "lowest": lowest,
            "billed": emulator.billed_requests,
            "graphql": emulator.graphql_points,
            "waited": client.reserve_waited,
        }


def test_rest_waits_for_the_reset_instead_of_spending_the_reserve(
    engine: Engine, clean_dump: dict[str, list[tuple[Any, ...]]], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="collector.sources.github"):
        result = run(engine, "rest", rate_limit=10, graphql_limit=5000, reserve=0.2)
    # 10 a window, 2 kept: 8 + 8 + 8 + 4 requests, three waits. The first window opens at the first
    # request (1000, reset 4600): waiting until one second past the reset is 3601 s, and so on.
    assert result["billed"] == 28
    assert result["waits"] == [3601.0, 3601.0, 3601.0]
    assert result["waited"] == 3 * 3601.0
    assert result["lowest"]["rest"] == 2
    assert dump(engine) == clean_dump
    assert (
        "GitHub REST rate limit: 2 of 10 left, the reserve is 2: waiting 3601 s for the reset" in caplog.text
    )


def test_graphql_keeps_its_own_reserve(engine: Engine, clean_dump: dict[str, list[tuple[Any, ...]]]) -> None:
    result = run(engine, "graphql", rate_limit=1000, graphql_limit=4, reserve=0.25)
    # 4 one-point queries (pulls and deployments of 2 repositories), 1 point kept: 3, a wait, 1.
    assert result["graphql"] == 4
    assert result["waits"] == [3601.0]
    assert result["lowest"]["graphql"] == 1
    assert dump(engine) == clean_dump
