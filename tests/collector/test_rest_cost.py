"""What a REST backfill costs against the minimum number of pages its data needs."""

from __future__ import annotations

from pathlib import Path

from collector.github_sync import GitHubSync, RepoTarget
from collector.sources.github import GitHubClient
from collector.sources.retry import RetryPolicy
from store.engine import open_store
from tests.collector.test_github_sync import REPOS, SINCE
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.github_org import AS_OF, build_org
from tests.github_scale import INCIDENT_LABEL, ORG, build_scale_org, minimum_rest_pages


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
