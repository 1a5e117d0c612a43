"""Conditional requests: every URL a sync re-asks carries its stored ETag, and GitHub's 304 costs no
rate-limit point. The org of ``tests/github_org.py`` is collected through organisation discovery
(acme/orders also configured), with one archived repository and one incident issue on acme/orders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, select

from collector.catalog import CATALOG_PATH, sync_catalog
from collector.github_sync import GitHubSync, RepoTarget
from collector.sources.github import GitHubClient
from collector.sources.retry import RetryPolicy
from store import schema
from store.engine import open_store
from tests.collector.test_github_sync import dump
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.github_org import AS_OF, at, build_org

LABEL = "incident"


@pytest.fixture
def emulator() -> Iterator[GitHubEmulator]:
    dataset = GitHubDataset()
    build_org(dataset)
    dataset.add_repo("acme/legacy").archived = True
    dataset.repos["acme/orders"].issue(
        title="Checkout down", created_at=at(5, 17), closed_at=at(5, 18), labels=[LABEL]
    )
    with GitHubEmulator(dataset) as running:
        yield running
    assert running.errors == []


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    yield engine
    engine.dispose()


def sync(emulator: GitHubEmulator, engine: Engine, backfill: bool = False) -> tuple[int, int]:
    """One sync; returns (billed requests, 304s) it cost."""
    billed, free = emulator.billed_requests, emulator.not_modified
    client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
    try:
        GitHubSync(engine, client, since=at(1), now=AS_OF, backfill_since=at(1) if backfill else None).run(
            [RepoTarget("acme/orders")], ["acme"], RepoTarget(""), incident_labels=[LABEL]
        )
    finally:
        client.close()
    return emulator.billed_requests - billed, emulator.not_modified - free


def test_a_resync_with_no_change_costs_no_rate_limit(emulator: GitHubEmulator, engine: Engine) -> None:
    sync(emulator, engine)
    stored = dump(engine)
    # All answered 304: acme/orders itself, the org's one page of repositories; per repository the
    # first page of deployments, of closed pulls and of incident issues; and the statuses of the one
    # failed attempt of acme/orders younger than the recheck period (03-05 15:30, now 03-07). The one
    # incident issue (opened 03-05, within the 30 days its labels are checked again) is not asked: the
    # unchanged list shows it as stored.
    assert sync(emulator, engine) == (0, 1 + 1 + 2 * 3 + 1)
    assert sync(emulator, engine) == (0, 9)
    assert dump(engine) == stored


def test_a_resync_with_no_change_writes_no_validator_again(emulator: GitHubEmulator, engine: Engine) -> None:
    """Every answer of an unchanged resync is a 304 whose validator is stored as it is: none is written
    again (each was an upsert, three per repository and sync), so the stored rows, their
    ``updated_at`` included, stay as the first sync left them."""
    sync(emulator, engine)
    with engine.connect() as conn:
        before = sorted(conn.execute(select(schema.http_etags)).all())
    written: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "http_etags" in statement and not statement.lstrip().upper().startswith("SELECT"):
            written.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert sync(emulator, engine) == (0, 9)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as conn:
        after = sorted(conn.execute(select(schema.http_etags)).all())
    # The 9 URLs re-asked, and the statuses of 8 settled deployments, never asked again.
    assert len(before) == 9 + 8
    assert (written, after) == ([], before)


def test_a_resync_after_a_change_pays_only_for_what_changed(emulator: GitHubEmulator, engine: Engine) -> None:
    sync(emulator, engine)
    payments = emulator.dataset.repos["acme/payments"]
    fix = payments.commit("hotfix", parents=[payments.deployments[-1]["sha"]], author_date=at(6, 9))
    deployment = payments.deployment(fix, created_at=at(6, 10))
    # The deployments page, the new deployment's statuses, and the one-commit compare with P4.
    assert sync(emulator, engine) == (3, 9 - 1)
    compares = {row[2]: row for row in dump(engine)["deployment_compares"]}
    assert compares[deployment][6:8] == ("ahead", 1)


def test_a_backfill_asks_lists_unconditionally(emulator: GitHubEmulator, engine: Engine) -> None:
    sync(emulator, engine)
    stored = dump(engine)
    emulator.requests.clear()
    billed, _ = sync(emulator, engine, backfill=True)
    lists = [r for r in emulator.requests if r.path.endswith(("/deployments", "/pulls", "/issues"))]
    assert len(lists) == 6
    assert all("if-none-match" not in r.headers for r in lists)
    assert billed == 6
    assert dump(engine) == stored


def sync_with_catalog(
    emulator: GitHubEmulator, engine: Engine, now: datetime
) -> tuple[int, list[tuple[str, int]]]:
    """One sync and its catalog read, as `doraspace collect` runs them; returns (billed requests, the
    catalog files asked with their answers)."""
    billed, served = emulator.billed_requests, len(emulator.requests)
    client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
    try:
        sync = GitHubSync(engine, client, since=at(1), now=now)
        report = sync.run([RepoTarget("acme/orders")], ["acme"], RepoTarget(""), incident_labels=[LABEL])
        repos = ["acme/orders", "acme/payments"]
        assert sync_catalog(engine, client, repos, heads=report.heads) == []
    finally:
        client.close()
    asked = [
        (r.path.split("/")[3], r.status)
        for r in emulator.requests[served:]
        if r.path.endswith(f"/contents/{CATALOG_PATH}")
    ]
    return emulator.billed_requests - billed, asked


def test_a_missing_catalog_file_is_asked_again_only_after_a_push(
    emulator: GitHubEmulator, engine: Engine
) -> None:
    """GitHub answers a missing catalog-info.yaml with a 404: a point each time, and no validator. Most
    repositories of an organisation without Backstage have none, so re-asking them at every sync would
    cost a point per repository per sync. A file found absent is asked again only when the listing
    shows its repository pushed to (pushed_at or the default branch changed).

    Sync 1: both files asked, 404 (2 points beside the sync's own). Sync 2, nothing changed: none
    asked, 0 points in all. A catalog file is pushed to acme/payments: the organisation's page shows
    its new pushed_at (200, 1 point), so its file is asked (200, 1 point) and acme/orders' is not: 2
    points. From then on acme/payments' file is asked with its ETag (a free 304), and acme/orders' is
    not asked, a day later too: 0 points. A store holding the mark of a file found absent is the same
    whenever the sync ran (no clock in it)."""
    first, asked = sync_with_catalog(emulator, engine, AS_OF)
    assert asked == [("orders", 404), ("payments", 404)]
    assert first > 2
    assert sync_with_catalog(emulator, engine, AS_OF) == (0, [])
    emulator.dataset.repos["acme/payments"].files[CATALOG_PATH] = (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: pay}\nspec: {owner: pay-team}\n"
    )
    assert sync_with_catalog(emulator, engine, AS_OF + timedelta(hours=1)) == (2, [("payments", 200)])
    assert sync_with_catalog(emulator, engine, AS_OF + timedelta(days=1)) == (0, [("payments", 304)])
    with engine.connect() as conn:
        owners = conn.execute(
            select(schema.catalog_components.c.file_repo, schema.catalog_components.c.owner)
        )
        assert [tuple(row) for row in owners] == [("acme/payments", "pay-team")]
