"""Audit, round 13: a repository renamed only in letter case between two collects of the same store
(``acme/Orders`` → ``acme/orders``), end to end: emulated GitHub → ``doraspace collect`` (REST and GraphQL) →
``doraspace metrics --format json --as-of 2026-03-20T00:00:00Z`` (SPEC §3, §4, §5, §6).

GitHub names are case-insensitive: after such a rename the API answers every old URL and returns the new
``full_name`` in every payload. The configuration lists the repository once, as ``acme/Orders`` (config
repository names compare case-insensitively). docs/operations.md promises that an incremental sync stores
what a full sync would, and names no exception for a renamed repository. So the second collect of the
renamed store must give the same metrics rows as a fresh store collected once after the rename.

Times are March 2026 UTC (``at(day, hour)``); ``github.since`` 2026-03-01; one window 30d; catalog
discovery off. Each commit is a direct push on main; deployments have one ``success`` status at their
``created_at``.

Before collect 1: c0 (03-01 00:00) deployed D1 03-01 06:00; c1 (03-02 08:00) deployed D2 03-02 10:00.
Collect 1 (the repository is ``acme/Orders``): D1 first, D2 (c1, 2 h). Then GitHub renames it to
``acme/orders``; c2 (03-05 08:00) deployed D3 03-05 09:00. Collect 2 (same store).

A fresh store collected once now: D1 first, D2 (c1 2 h), D3 (c2 1 h) → 3 deployments; leads 1, 2 → p50
1.5, p90 1.9; one row for team orders. (Until this round the second collect listed the deployments
again from since under the new spelling and stored D1 and D2 twice: 5 deployments.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.github_org import write_github_config
from tests.github_scenarios import AS_OF, at, run_cli

TOKEN_VARIABLE = "AUDIT_ROUND13_CASE_RENAME_GITHUB_TOKEN"
TOKEN = "audit-round13-case-rename-token"
REST = "catalog: {discover: false}\nincidents: {attribution_window: 24h}\nmetrics: {windows: [30d]}\n"


def configure(directory: Path, base_url: str, api: str) -> Path:
    """``directory/doraspace.yaml``: ``acme/Orders`` (as first spelled), owned by team orders."""
    github = (
        f"since: 2026-03-01\napi: {api}\nrepositories:\n"
        "  - {name: acme/Orders, deployments: {source: deployments}}"
    )
    return write_github_config(
        directory,
        base_url,
        TOKEN_VARIABLE,
        github,
        REST + "teams: [{name: orders, repositories: [acme/Orders]}]\n",
    )


def collect(config: Path) -> None:
    run_cli(["collect", "--config", str(config)])


def metrics(config: Path) -> list[dict[str, Any]]:
    out = run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF])
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def rename(dataset: GitHubDataset, repo: RepoData, new_name: str) -> None:
    """GitHub renames ``repo``: from now on every payload carries ``new_name`` (the emulator builds its
    URLs and ``full_name`` from it; lookups are case-insensitive, so the old spelling still answers)."""
    old = repo.full_name
    del dataset.repos[old]
    repo.full_name = new_name
    dataset.repos[new_name] = repo
    names = dataset.orgs[repo.owner]
    names[:] = [new_name if name == old else name for name in names]


@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_case_only_rename_between_collects_matches_a_fresh_store(tmp_path: Path, api: str) -> None:
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/Orders")
    c0 = repo.commit("c0", author_date=at(1))
    repo.deployment(c0, created_at=at(1, 6))
    c1 = repo.commit("c1", author_date=at(2, 8))
    repo.deployment(c1, created_at=at(2, 10))

    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        renamed = configure(tmp_path / "renamed", emulator.base_url, api)
        collect(renamed)
        before = metrics(renamed)
        assert [row["deployments"] for row in before if row["team"] == "orders"] == [2], before

        rename(dataset, repo, "acme/orders")
        c2 = repo.commit("c2", author_date=at(5, 8))
        repo.deployment(c2, created_at=at(5, 9))
        collect(renamed)

        fresh = configure(tmp_path / "fresh", emulator.base_url, api)
        collect(fresh)

        expected = metrics(fresh)
        actual = metrics(renamed)

    # The fresh store is what the scenario says: 3 deployments, leads 1 h and 2 h.
    orders = [row for row in expected if row["team"] == "orders"]
    assert len(orders) == 1, expected
    assert orders[0]["deployments"] == 3, orders[0]
    # Each deployment counted once (not once per spelling), then the whole rows alike.
    assert [row["deployments"] for row in actual if row["team"] == "orders"] == [3], actual
    assert actual == expected
