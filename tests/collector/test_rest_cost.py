"""What a REST backfill costs against the minimum number of pages its data needs."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from sqlalchemy import select

from collector.github_sync import FLUSH_EVERY, GitHubSync, RepoTarget
from collector.sources.github import GitHubClient
from collector.sources.retry import RetryPolicy
from store import schema
from store.engine import open_store
from tests.collector.test_github_sync import REPOS, SINCE
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.github_org import AS_OF, build_org
from tests.github_scale import INCIDENT_LABEL, ORG, build_scale_org, minimum_rest_pages
from tests.github_scenarios import at, deploy


def test_a_rest_backfill_costs_the_minimum_pages_of_its_data(tmp_path: Path) -> None:
    dataset = GitHubDataset()
    org = build_scale_org(dataset, repos=2, weeks=8, deploy_every=7, pulls_per_deploy=3)
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    with GitHubEmulator(dataset, rate_limit=100_000) as emulator:
        client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
        GitHubSync(engine, client, since=org.since, now=org.now).run(
            [], [ORG], RepoTarget(""), incident_labels=[INCIDENT_LABEL]
        )
        client.close()
    engine.dispose()
    minimum = minimum_rest_pages(dataset, org)
    assert emulator.errors == []
    assert minimum > 100  # a scenario with enough data for the bound to mean something
    assert emulator.billed_requests <= 1.1 * minimum
    assert emulator.billed_requests == minimum


def test_a_pair_of_deployments_is_compared_once(tmp_path: Path) -> None:
    """acme/payments: P2 (q0 → k259) and P4 (q0 after the rollback P3 → k259 again) are the same pair."""
    dataset = GitHubDataset()
    build_org(dataset)
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    with GitHubEmulator(dataset) as emulator:
        client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
        report = GitHubSync(engine, client, since=SINCE, now=AS_OF).run(REPOS, [], RepoTarget(""))
        client.close()
    engine.dispose()
    compares = [r.path for r in emulator.requests if "/compare/" in r.path]
    # orders: D1→D2, D2→D3, D3→D4 one page each; payments: P1→P2 three pages of 100 (260 commits),
    # P2→P3 one page (behind); P3→P4 repeats P1→P2 and is not asked.
    assert len(compares) == 3 + 3 + 1
    assert report.compares == 8


def test_a_pair_compared_in_an_earlier_batch_of_the_same_sync_is_not_asked_again(tmp_path: Path) -> None:
    """acme/ship deploys s0 … s4 (03-01 … 03-05: first, then four compares s0→s1 … s3→s4, which fill
    the first batch of FLUSH_EVERY), rolls back to s0 (s4→s0, behind) and ships s1 again (03-07): the
    pair s0→s1, written with the first batch, is read back, not asked. Five compares asked, seven
    written."""
    assert FLUSH_EVERY == 5  # the scenario puts the repeated pair in the second batch
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/ship")
    shas = [deploy(repo, f"s{day}", at(day + 1, 12)) for day in range(5)]
    repo.deployment(shas[0], created_at=at(6, 12))
    repo.deployment(shas[1], created_at=at(7, 12))
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    with GitHubEmulator(dataset) as emulator:
        client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
        report = GitHubSync(engine, client, since=SINCE, now=AS_OF).run(
            [RepoTarget("acme/ship")], [], RepoTarget("")
        )
        client.close()
    with engine.connect() as conn:
        stored = conn.execute(
            select(schema.deployment_compares.c.status, schema.deployment_compares.c.total_commits).order_by(
                schema.deployment_compares.c.deployment_id
            )
        ).all()
    engine.dispose()
    compares = [r.path.rsplit("/", 1)[1] for r in emulator.requests if "/compare/" in r.path]
    pairs = [*pairwise(shas), (shas[4], shas[0])]
    assert compares == [f"{base}...{head}" for base, head in pairs]
    assert report.compares == 7
    assert [tuple(row) for row in stored] == [
        ("first", 0),
        *[("ahead", 1)] * 4,
        ("behind", 0),
        ("ahead", 1),
    ]
