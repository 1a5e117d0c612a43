"""``github.api: graphql`` stores exactly what REST stores, table by table, for less rate limit.

The organisation: the hand-worked one of ``tests/github_org.py`` (acme/orders, acme/payments, found
through organisation discovery), a generated repository (scale/service-000, six weeks), and on
acme/orders a merged PR of 150 commits (paged inside the GraphQL query past 100) and a deployment with
120 statuses (more than one GraphQL page: read through REST).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine

from collector.github_sync import GitHubSync, RepoTarget
from collector.sources.github import GitHubClient
from collector.sources.github_graphql import GitHubGraphQL, database_id
from collector.sources.retry import RetryPolicy
from store import schema
from store.engine import open_store
from store.errors import FatalSourceError, TransientSourceError
from tests.collector.test_github_sync import dump
from tests.emulators.github import Fault, GitHubDataset, GitHubEmulator
from tests.emulators.github_graphql import legacy_node_id
from tests.github_org import AS_OF, at, build_org
from tests.github_scale import build_scale_org

SINCE = at(1)


@dataclass
class Cost:
    billed: int
    not_modified: int
    graphql_points: int

    @property
    def points(self) -> int:
        return self.billed + self.graphql_points


def build(dataset: GitHubDataset) -> None:
    build_org(dataset)
    build_scale_org(dataset, repos=1, weeks=6, now=AS_OF, deploy_every=7, pulls_per_deploy=3)
    orders = dataset.repos["acme/orders"]
    tip = orders.branches["main"]
    shas = [tip]
    for i in range(150):
        shas.append(orders.commit(f"big {i}", parents=[shas[-1]], author_date=at(6, 1), branch="big"))
    merged = orders.merge_commit(tip, shas[-1], "Merge the big one", at(6, 2))
    orders.pull(
        title="Big",
        author="dave",
        created_at=at(6, 1.5),
        commits=shas[1:],
        merged_at=at(6, 2),
        merge_commit_sha=merged,
    )
    statuses = [("in_progress", at(6, 3) + (at(1, i / 60) - at(1))) for i in range(119)]
    # Deployed by sha (as CI jobs often do): GraphQL has no Ref for it, REST gives the sha as ref.
    orders.deployment(merged, created_at=at(6, 3), statuses=[*statuses, ("success", at(6, 5))], ref=merged)


@pytest.fixture(scope="module")
def emulator() -> Iterator[GitHubEmulator]:
    dataset = GitHubDataset()
    build(dataset)
    with GitHubEmulator(dataset, rate_limit=100_000, graphql_limit=100_000) as running:
        yield running
    assert running.errors == []


def sync(emulator: GitHubEmulator, engine: Engine, api: str) -> Cost:
    before = (emulator.billed_requests, emulator.not_modified, emulator.graphql_points)
    client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
    graphql = GitHubGraphQL(client) if api == "graphql" else None
    try:
        GitHubSync(engine, client, since=SINCE, now=AS_OF, graphql=graphql).run(
            [RepoTarget("acme/orders")], ["acme", "scale"], RepoTarget("")
        )
    finally:
        client.close()
    if graphql is not None:
        # What the answers' rateLimit { cost } said, summed by the client, is what the emulator charged.
        assert graphql.points == emulator.graphql_points - before[2]
    return Cost(
        emulator.billed_requests - before[0],
        emulator.not_modified - before[1],
        emulator.graphql_points - before[2],
    )


@pytest.fixture(scope="module")
def stores(emulator: GitHubEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    out: dict[str, Any] = {}
    engines = []
    for api in ("rest", "graphql"):
        engine = open_store(f"duckdb:///{tmp_path_factory.mktemp(api)}/store.duckdb")
        engines.append(engine)
        first = sync(emulator, engine, api)
        first_dump = dump(engine)
        second = sync(emulator, engine, api)
        out[api] = {"first": first, "second": second, "dump": first_dump, "after_second": dump(engine)}
    yield out
    for engine in engines:
        engine.dispose()


@pytest.mark.parametrize("table", [t.name for t in schema.FACT_TABLES])
def test_both_modes_store_the_same_facts(stores: dict[str, Any], table: str) -> None:
    assert stores["graphql"]["dump"][table] == stores["rest"]["dump"][table]
    assert stores["graphql"]["after_second"][table] == stores["rest"]["dump"][table]


def test_the_scenario_has_data_in_every_github_table(stores: dict[str, Any]) -> None:
    github_tables = [t.name for t in schema.FACT_TABLES[:10]]
    assert all(stores["rest"]["dump"][name] for name in github_tables)


def test_graphql_costs_fewer_points_and_a_resync_costs_none(stores: dict[str, Any]) -> None:
    rest, graphql = stores["rest"], stores["graphql"]
    # REST: discovery 3 (acme/orders, two org pages); lists 6 (deployments and pulls of 3 repos);
    # statuses 11 (orders: 5 deployments + 2 pages of the 120-status one; payments: 4); compares 9
    # (orders: 3 + the big merge's 151 commits in 2 pages; payments: 3 pages of 260 + 1); PR lists 15
    # (orders: 4 reviews + 5 commits, the big PR's 150 in 2 pages; scale: 2 PRs since 03-01 × 2).
    assert rest["first"] == Cost(3 + 6 + 11 + 9 + 13, 0, 0)
    # GraphQL: the same discovery, the 6 list first pages (the probes that make re-syncs free), REST
    # statuses for the 120-status deployment (2) and the young failed attempt (1, for its ETag); 6
    # compare pages for ranges (collector.compare_range): orders D1...D4 (1 page; D4, deployed after
    # the big merge, is its ancestor, so the big merge lies outside that range), then D3...big merge
    # (153 commits, 2 pages; it answers the step back to D4 too); payments P1...P2 (3 pages of 260;
    # the rollback P3 and the redeploy P4 come with it);
    # 7 one-point queries: pulls (49 a query) and deployments per repo, and the big PR's commits
    # 101-150.
    assert graphql["first"] == Cost(3 + 6 + 3 + 6, 0, 7)
    # Re-sync: acme/orders, 2 org pages, 6 first pages and the failed attempt's statuses, all 304.
    assert rest["second"] == Cost(0, 10, 0)
    assert graphql["second"] == Cost(0, 10, 0)


def test_node_ids_give_the_rest_id() -> None:
    assert database_id("MDE2OkRlcGxveW1lbnRTdGF0dXMx") == 1  # "016:DeploymentStatus1", GitHub's example
    assert database_id(legacy_node_id("DeploymentStatus", 4_123_456_789)) == 4_123_456_789
    # Next format: "DES_" + base64url(MessagePack [0, 12345, 987654321]).
    assert database_id("DES_kwDNMDnOOt5osQ") == 987_654_321


def test_a_github_without_graphql_is_collected_over_rest(
    stores: dict[str, Any], emulator: GitHubEmulator, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A GitHub Enterprise Server, proxy or mirror answering 404 at /graphql: that is no repository
    gone (each would be skipped, and the sync would store nothing), so the sync warns once and goes on
    over REST, storing what a REST sync stores."""
    engine = open_store(f"duckdb:///{tmp_path_factory.mktemp('no-graphql')}/store.duckdb")
    emulator.inject("/graphql", Fault(404, "Not Found"), times=1)
    queries = emulator.graphql_queries
    client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
    try:
        report = GitHubSync(engine, client, since=SINCE, now=AS_OF, graphql=GitHubGraphQL(client)).run(
            [RepoTarget("acme/orders")], ["acme", "scale"], RepoTarget("")
        )
    finally:
        client.close()
    try:
        assert [warning for warning in report.warnings if "GraphQL" in warning] == [
            f"GitHub answers 404 at its GraphQL endpoint {emulator.base_url}/graphql: collecting over REST "
            "(github.api: rest skips this try)"
        ]
        assert not [warning for warning in report.warnings if "skipped" in warning]
        assert emulator.graphql_queries == queries  # the one query asked was the 404: none after it
        stored = dump(engine)
        for table in schema.FACT_TABLES:
            assert stored[table.name] == stores["rest"]["dump"][table.name], table.name
    finally:
        engine.dispose()


# -- errors in a 200 answer --------------------------------------------------------------------------

TIMEOUT = (
    "Something went wrong while executing your query. This may be the result of a timeout, or it could be "
    "a GitHub bug. Please include `DC62:0D71:19D3BA:47EC9C:614CEB86` when reporting this issue."
)


class _Requester:
    graphql_url = "https://ghe.example.com/api/graphql"

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers, self.asked = answers, 0

    def requestJsonAndCheck(self, verb: str, url: str, input: Any) -> tuple[dict[str, str], Any]:
        self.asked += 1
        return {}, self.answers.pop(0)


class _Client:
    """What ``GitHubGraphQL`` reads of a ``GitHubClient``: its requester, retry policy and clock."""

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.requester = _Requester(answers)
        self.retry = RetryPolicy(sleep=lambda _: None)
        self.graphql_remaining = self.graphql_limit = self.graphql_reset = None

    def keep_reserve(self, *_: Any) -> None:
        pass

    def clock(self) -> float:
        return 0.0


def test_githubs_untyped_failure_in_a_200_answer_is_asked_again_like_a_5xx() -> None:
    """GitHub answers a query that timed out on its side with 200 and one untyped error without a place
    in the query ("Something went wrong while executing your query. This may be the result of a
    timeout…"); asked again after the first back-off (1 s), it answers."""
    data = {"data": {"repository": None, "rateLimit": {"cost": 1, "remaining": 4999}}}
    client = _Client([{"data": None, "errors": [{"message": TIMEOUT, "path": ["repository"]}]}, data])
    assert GitHubGraphQL(client).query("query {}", {}) == data["data"]  # type: ignore[arg-type]
    assert (client.requester.asked, client.retry.waits) == (2, [1.0])


def test_githubs_untyped_failure_every_time_stops_after_the_retries() -> None:
    client = _Client([{"errors": [{"message": TIMEOUT}]}] * 8)
    with pytest.raises(TransientSourceError, match=r"^GitHub GraphQL error: Something went wrong"):
        GitHubGraphQL(client).query("query {}", {})  # type: ignore[arg-type]
    assert (client.requester.asked, client.retry.waits) == (8, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0])


@pytest.mark.parametrize(
    "error",
    [
        {"message": "Field 'x' doesn't exist on type 'Repository'", "locations": [{"line": 2, "column": 3}]},
        {"message": "Argument 'first' is invalid", "extensions": {"code": "argumentLiteralsIncompatible"}},
        {"type": "FORBIDDEN", "message": "Resource protected by organization SAML enforcement."},
    ],
)
def test_an_error_of_the_query_or_a_typed_one_stops_at_once(error: dict[str, Any]) -> None:
    client = _Client([{"errors": [error]}])
    with pytest.raises(FatalSourceError, match=r"^GitHub GraphQL error: "):
        GitHubGraphQL(client).query("query {}", {})  # type: ignore[arg-type]
    assert (client.requester.asked, client.retry.waits) == (1, [])


def test_a_repository_whose_requests_keep_failing_is_skipped_and_named(
    emulator: GitHubEmulator, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """acme/payments' deployments answer 502 at all 8 attempts: the repository is skipped for this sync
    (a compare GitHub cannot compute, a repository too large for its time limit, fails again at every
    sync, and would otherwise stop every later repository for good), named in a warning and in the
    report's failures that end the run in error; a rejected token or a rate limit, the whole sync's,
    still stops it."""
    engine = open_store(f"duckdb:///{tmp_path_factory.mktemp('failing')}/store.duckdb")
    emulator.inject(r"^/repos/acme/payments/deployments$", Fault.server_error(502), times=8)
    client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
    try:
        report = GitHubSync(engine, client, since=SINCE, now=AS_OF).run(
            [RepoTarget("acme/payments")], [], RepoTarget("")
        )
        assert report.failed == {"acme/payments": "GitHub server error 502"}
        assert report.warnings == [
            "repository acme/payments skipped this sync: GitHub server error 502; "
            "asked again at the next sync"
        ]
        assert client.retry.waits == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0]
    finally:
        client.close()
        engine.dispose()
