"""The GitHub collector against the loopback emulator, through the real PyGithub client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from collector.github_sync import GitHubSync, RepoTarget, SyncReport
from collector.sources.github import GitHubClient
from collector.sources.retry import RetryPolicy
from store import schema
from store.engine import open_store
from store.errors import FatalSourceError, TransientSourceError
from store.timeutil import to_db
from tests.emulators.github import Fault, GitHubDataset, GitHubEmulator
from tests.github_org import AS_OF, OrgShas, at, build_org

REPOS = [RepoTarget("acme/orders"), RepoTarget("acme/payments")]
SINCE = at(1)


class Org:
    def __init__(self, emulator: GitHubEmulator, ids: OrgShas) -> None:
        self.emulator = emulator
        self.ids = ids
        self.waits: list[float] = []

    def client(self, token: str = "test-token", max_attempts: int = 8) -> GitHubClient:
        policy = RetryPolicy(max_attempts=max_attempts, sleep=self.waits.append)
        return GitHubClient(self.emulator.base_url, token, retry=policy, clock=self.emulator.clock)

    def sync(
        self,
        engine: Engine,
        *,
        since: datetime = SINCE,
        backfill: datetime | None = None,
        token: str = "test-token",
        max_attempts: int = 8,
    ) -> SyncReport:
        client = self.client(token, max_attempts)
        try:
            return GitHubSync(engine, client, since=since, now=AS_OF, backfill_since=backfill).run(
                REPOS, [], RepoTarget("")
            )
        finally:
            client.close()


@pytest.fixture
def org() -> Iterator[Org]:
    dataset = GitHubDataset()
    ids = build_org(dataset)
    with GitHubEmulator(dataset) as emulator:
        yield Org(emulator, ids)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    yield engine
    engine.dispose()


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored fact, minus the instants at which the sync itself ran."""
    volatile = {"synced_at", "updated_at"}
    out = {}
    with engine.connect() as conn:
        for table in schema.FACT_TABLES:
            columns = [c for c in table.columns if c.name not in volatile or table.name == "pull_requests"]
            out[table.name] = sorted(tuple(row) for row in conn.execute(select(*columns)))
    return out


@pytest.fixture(scope="module")
def clean_dump(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[Any, ...]]]:
    dataset = GitHubDataset()
    ids = build_org(dataset)
    engine = open_store(f"duckdb:///{tmp_path_factory.mktemp('clean')}/store.duckdb")
    with GitHubEmulator(dataset) as emulator:
        Org(emulator, ids).sync(engine)
    result = dump(engine)
    engine.dispose()
    return result


def deployment(engine: Engine, repo: str, deployment_id: int) -> Any:
    table = schema.deployments
    with engine.connect() as conn:
        return conn.execute(
            select(table).where(table.c.repo == repo, table.c.deployment_id == deployment_id)
        ).first()


def compare(engine: Engine, repo: str, deployment_id: int) -> tuple[Any, int]:
    compares, commits = schema.deployment_compares, schema.deployment_commits
    with engine.connect() as conn:
        row = conn.execute(
            select(compares).where(compares.c.repo == repo, compares.c.deployment_id == deployment_id)
        ).first()
        count = conn.execute(
            select(func.count())
            .select_from(commits)
            .where(commits.c.repo == repo, commits.c.deployment_id == deployment_id)
        ).scalar_one()
    return row, count


def test_staging_deployments_are_not_stored(org: Org, engine: Engine) -> None:
    org.sync(engine)
    assert deployment(engine, "acme/orders", org.ids.staging_id) is None
    assert not any(
        request.query.get("environment") not in (None, "production") for request in org.emulator.requests
    )


def test_failure_only_deployment_is_an_attempt(org: Org, engine: Engine) -> None:
    org.sync(engine)
    row = deployment(engine, "acme/orders", org.ids.failed_id)
    assert row.deployed_at is None
    assert row.last_state == "failure"
    assert compare(engine, "acme/orders", org.ids.failed_id) == (None, 0)


def test_pending_then_success_takes_the_success_time(org: Org, engine: Engine) -> None:
    org.sync(engine)
    row = deployment(engine, "acme/orders", org.ids.orders_deployments[3])
    assert row.created_at == to_db(at(6, 16))
    assert row.deployed_at == to_db(at(6, 16.5))


def test_first_deployment_has_no_known_changes(org: Org, engine: Engine) -> None:
    org.sync(engine)
    row, count = compare(engine, "acme/orders", org.ids.orders_deployments[0])
    assert (row.status, row.base_deployment_id, count) == ("first", None, 0)


def test_compare_range_of_more_than_250_commits_is_complete(org: Org, engine: Engine) -> None:
    org.sync(engine)
    first, second, _, _ = org.ids.payments_deployments
    row, count = compare(engine, "acme/payments", second)
    assert (row.status, row.total_commits, row.base_deployment_id, count) == ("ahead", 260, first, 260)


def test_rollback_compare_is_behind_with_no_commits(org: Org, engine: Engine) -> None:
    org.sync(engine)
    _, second, rollback, redeploy = org.ids.payments_deployments
    row, count = compare(engine, "acme/payments", rollback)
    assert (row.status, row.base_deployment_id, count) == ("behind", second, 0)
    row, count = compare(engine, "acme/payments", redeploy)
    assert (row.status, count) == ("ahead", 260)


def test_merged_pull_requests_with_commits_reviews_and_labels(org: Org, engine: Engine) -> None:
    org.sync(engine)
    with engine.connect() as conn:
        pulls = conn.execute(select(schema.pull_requests.c.number).order_by("number")).scalars().all()
        reviews = conn.execute(
            select(schema.pull_request_reviews.c.reviewer, schema.pull_request_reviews.c.state).where(
                schema.pull_request_reviews.c.number == 3
            )
        ).all()
        labels = conn.execute(select(schema.pull_request_labels.c.label)).scalars().all()
        commits = (
            conn.execute(
                select(schema.pull_request_commits.c.author_date)
                .where(schema.pull_request_commits.c.number == 1)
                .order_by(schema.pull_request_commits.c.position)
            )
            .scalars()
            .all()
        )
    assert pulls == [1, 2, 3]
    assert sorted(reviews) == [("carol", "COMMENTED"), ("erin", "COMMENTED")]
    assert labels == ["feature"]
    assert commits == [to_db(at(2, 8)), to_db(at(2, 6))]  # as GitHub lists them, not sorted


def test_two_syncs_store_every_fact_once_and_the_second_costs_seven_requests(
    org: Org, engine: Engine, clean_dump: dict[str, list[tuple[Any, ...]]]
) -> None:
    org.sync(engine)
    first_requests = len(org.emulator.requests)
    first_billed = org.emulator.billed_requests
    report = org.sync(engine)
    second_requests = len(org.emulator.requests) - first_requests
    assert dump(engine) == clean_dump
    with engine.connect() as conn:
        for table in schema.FACT_TABLES:
            key = [column for column in table.primary_key.columns]
            rows = conn.execute(select(func.count()).select_from(table)).scalar_one()
            distinct = conn.execute(
                select(func.count()).select_from(select(*key).distinct().subquery())
            ).scalar_one()
            assert rows == distinct, table.name
    # Per repo: the repository, one page of deployments, one page of pulls; plus the statuses of
    # the one failed attempt younger than the recheck period. No compare, no PR details again.
    assert second_requests == 7
    # Each of them conditional, answered 304: the second sync costs no rate limit at all.
    assert org.emulator.billed_requests == first_billed
    assert (report.compares, report.pull_requests) == (0, 0)


def test_a_late_success_status_is_picked_up_by_the_next_sync(org: Org, engine: Engine) -> None:
    repo = org.emulator.dataset.repos["acme/orders"]
    tip = repo.branches["main"]
    late = repo.deployment(tip, created_at=at(6, 20), statuses=[("in_progress", at(6, 20))])
    org.sync(engine)
    assert deployment(engine, "acme/orders", late).deployed_at is None
    repo.add_status(late, "success", at(6, 21))
    org.sync(engine)
    assert deployment(engine, "acme/orders", late).deployed_at == to_db(at(6, 21))
    row, count = compare(engine, "acme/orders", late)
    assert (row.status, row.base_deployment_id, count) == ("identical", org.ids.orders_deployments[3], 0)


@pytest.mark.parametrize(
    ("fault", "times", "waits"),
    [
        (Fault.secondary_rate_limit(retry_after=3), 1, [3.0]),
        (Fault.secondary_rate_limit(), 1, [60.0]),
        (Fault.too_many_requests(retry_after=2), 1, [2.0]),
        (Fault.too_many_requests(), 1, [60.0]),
        (Fault.server_error(502), 3, [1.0, 2.0, 4.0]),
        (Fault.server_error(500), 1, [1.0]),
        (Fault.connection_reset(), 2, [1.0, 2.0]),
    ],
    ids=["403-retry-after", "403-secondary", "429-retry-after", "429-bare", "502-burst", "500", "reset"],
)
@pytest.mark.parametrize("path", [r"/deployments$", r"/compare/", r"/pulls$", r"/pulls/\d+/reviews"])
def test_a_retried_fault_ends_with_the_data_of_a_clean_sync(
    org: Org,
    engine: Engine,
    clean_dump: dict[str, list[tuple[Any, ...]]],
    fault: Fault,
    times: int,
    waits: list[float],
    path: str,
) -> None:
    org.emulator.inject(path, fault, times=times)
    org.sync(engine)
    assert org.waits == waits
    assert dump(engine) == clean_dump


def test_primary_rate_limit_waits_for_the_reset(
    org: Org, engine: Engine, clean_dump: dict[str, list[tuple[Any, ...]]]
) -> None:
    org.emulator.inject(r"/pulls$", Fault.primary_rate_limit(reset_in=30), times=1)
    org.sync(engine)
    assert len(org.waits) == 1
    assert 29.0 <= org.waits[0] <= 32.0  # until x-ratelimit-reset (whole epoch seconds) plus one
    assert dump(engine) == clean_dump


def test_5xx_beyond_the_retry_budget_skips_the_repository_and_a_rerun_completes(
    org: Org, engine: Engine, clean_dump: dict[str, list[tuple[Any, ...]]]
) -> None:
    """acme/payments' compare answers 503 at all 3 attempts: that repository is skipped for this sync
    (what it stored before the compare stays), acme/orders is collected whole, and the next sync
    completes the data of a clean one."""
    org.emulator.inject(r"/repos/acme/payments/compare/", Fault.server_error(503), times=3)
    report = org.sync(engine, max_attempts=3)
    assert report.failed == {"acme/payments": "GitHub server error 503"}
    assert report.warnings == [
        "repository acme/payments skipped this sync: GitHub server error 503; asked again at the next sync"
    ]
    faulted = dump(engine)
    assert faulted != clean_dump
    assert _of_repo(faulted, "acme/orders") == _of_repo(clean_dump, "acme/orders")
    assert org.sync(engine).failed == {}
    assert dump(engine) == clean_dump


def _of_repo(dumped: dict[str, list[tuple[Any, ...]]], repo: str) -> dict[str, list[tuple[Any, ...]]]:
    return {table: [row for row in rows if row[0] == repo] for table, rows in dumped.items()}


def test_three_repositories_failing_in_a_row_stop_the_sync_as_an_outage(org: Org, engine: Engine) -> None:
    """GitHub failing for every repository is an outage: the sync stops at the third failing in a row,
    naming them, rather than wait out every repository's back-offs."""
    org.emulator.dataset.add_repo("acme/search")
    org.emulator.inject(r"^/repos/acme/[a-z]+/deployments$", Fault.server_error(502), times=3 * 2)
    client = org.client(max_attempts=2)
    targets = [RepoTarget("acme/orders"), RepoTarget("acme/payments"), RepoTarget("acme/search")]
    try:
        with pytest.raises(TransientSourceError) as stopped:
            GitHubSync(engine, client, since=SINCE, now=AS_OF).run(targets, [], RepoTarget(""))
    finally:
        client.close()
    assert str(stopped.value) == (
        "GitHub failed for 3 repositories in a row (acme/orders, acme/payments, acme/search); "
        "stopped: GitHub server error 502"
    )
    assert stopped.value.status == 502


def test_a_repository_collected_between_two_failing_ones_keeps_the_sync_going(
    org: Org, engine: Engine
) -> None:
    """Failures apart from one another are the repositories' own: each is skipped, the rest collected."""
    org.emulator.dataset.add_repo("acme/search")
    org.emulator.dataset.add_repo("acme/users")
    org.emulator.inject(
        r"^/repos/acme/(orders|search|users)/deployments$", Fault.server_error(502), times=3 * 2
    )
    targets = [RepoTarget(f"acme/{name}") for name in ("orders", "payments", "search", "users")]
    client = org.client(max_attempts=2)
    try:
        report = GitHubSync(engine, client, since=SINCE, now=AS_OF).run(targets, [], RepoTarget(""))
    finally:
        client.close()
    assert report.failed == dict.fromkeys(
        ("acme/orders", "acme/search", "acme/users"), "GitHub server error 502"
    )
    assert _of_repo(dump(engine), "acme/payments")["deployments"] != []


@pytest.mark.parametrize(
    "path",
    [r"/repos/acme/orders/pulls$", r"/repos/acme/orders/pulls/3/commits", r"/repos/acme/payments/compare/"],
)
def test_a_sync_stopped_anywhere_resumes_to_the_data_of_a_clean_sync(
    org: Org, engine: Engine, clean_dump: dict[str, list[tuple[Any, ...]]], path: str
) -> None:
    org.emulator.inject(path, Fault.bad_credentials(), times=1)
    with pytest.raises(FatalSourceError):
        org.sync(engine)
    org.sync(engine)
    assert dump(engine) == clean_dump


def test_bad_credentials_stop_the_sync_with_a_clear_error_and_write_nothing(org: Org, engine: Engine) -> None:
    with pytest.raises(FatalSourceError, match=r"401 Bad credentials.*github\.token"):
        org.sync(engine, token="wrong")
    assert all(rows == [] for rows in dump(engine).values())


def test_a_vanished_repository_is_skipped_with_a_warning(org: Org, engine: Engine) -> None:
    org.emulator.dataset.remove_repo("acme/payments")
    report = org.sync(engine)
    assert len(report.warnings) == 1
    assert "acme/payments" in report.warnings[0]
    assert report.repositories == 1
    assert deployment(engine, "acme/orders", org.ids.orders_deployments[0]) is not None


def test_backfill_since_reaches_older_deployments_and_fixes_the_first_compare(
    org: Org, engine: Engine, clean_dump: dict[str, list[tuple[Any, ...]]]
) -> None:
    org.sync(engine, since=at(3))
    second = org.ids.orders_deployments[1]
    assert deployment(engine, "acme/orders", org.ids.orders_deployments[0]) is None
    assert compare(engine, "acme/orders", second)[0].status == "first"
    org.sync(engine, since=at(3), backfill=SINCE)
    row, count = compare(engine, "acme/orders", second)
    assert (row.status, row.base_deployment_id, count) == ("ahead", org.ids.orders_deployments[0], 1)
    assert dump(engine)["deployments"] == clean_dump["deployments"]
    assert dump(engine)["deployment_compares"] == clean_dump["deployment_compares"]


def test_two_syncs_on_every_backend_store_each_fact_once(
    org: Org, store_engine: Engine, clean_dump: dict[str, list[tuple[Any, ...]]]
) -> None:
    org.sync(store_engine)
    org.sync(store_engine)
    assert dump(store_engine) == clean_dump
    with store_engine.connect() as conn:
        for table in schema.FACT_TABLES:
            key = list(table.primary_key.columns)
            rows = conn.execute(select(func.count()).select_from(table)).scalar_one()
            distinct = conn.execute(
                select(func.count()).select_from(select(*key).distinct().subquery())
            ).scalar_one()
            assert rows == distinct, table.name
