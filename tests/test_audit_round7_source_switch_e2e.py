"""Audit, round 7: a repository's deployment source or environment changed in the configuration between two
collects of the same store, end to end: emulated GitHub → ``doraspace collect`` (REST and GraphQL) →
``doraspace metrics --format json --as-of 2026-03-20T00:00:00Z`` (SPEC §3, §5, §5.1, §6.1, §6.2;
docs/operations.md, docs/configuration.md).

Times are March 2026 UTC (``at(day, hour)``); ``github.since`` 2026-03-01; one window 30d = (02-18 00:00,
03-20 00:00]; attribution window 24 h; catalog discovery off; the repository is its team's only one
(``teams:``). Each commit is a direct push on main (its own author date starts its change). Deployments
have one ``success`` status at their ``created_at``, so deployed_at = created_at (§5.1).

SPEC and docs sentences the scenarios lean on:

* §5.1 "Per repository, from its configured source; only the production environment counts.
  deployments: GitHub Deployments in ``environment`` … releases: published, non-draft, non-prerelease
  releases; deployed_at = published_at"; §5.2 "The first deployment in the collected history has unknown
  changes"; §3 ``since`` "how far back the first sync reaches".
* docs/operations.md: "deployments are stored per source, so two collectors with different sources for one
  repository store both"; "What an incremental sync reads again, so that it stores what a full sync
  would"; "Where an incremental sync still differs from a fresh one (raw facts; metrics only as said)",
  a list of exceptions that names no change of deployment source or environment; and, for the other
  source of facts, "A change of pagerduty.urgencies or of the collected services lists from since again".
* docs/metrics.md: "A staging deployment, or one from another source, is not counted and does not take
  part in anything below."
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.facts import bands
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.github_org import write_github_config
from tests.github_scenarios import AS_OF, at, breakdown, check_row, run_cli

TOKEN_VARIABLE = "AUDIT_ROUND7_SWITCH_GITHUB_TOKEN"
TOKEN = "audit-round7-switch-token"
REST = "catalog: {discover: false}\nincidents: {attribution_window: 24h}\nmetrics: {windows: [30d]}\n"


def configure(directory: Path, base_url: str, api: str, repo: str, deployments: str) -> Path:
    """``directory/doraspace.yaml`` (the store beside it, kept across rewrites): ``repo`` with this
    ``deployments`` flow mapping, owned by the team named after it."""
    team = repo.split("/")[1]
    github = f"since: 2026-03-01\napi: {api}\nrepositories:\n  - {{name: {repo}, deployments: {deployments}}}"
    return write_github_config(
        directory,
        base_url,
        TOKEN_VARIABLE,
        github,
        REST + f"teams: [{{name: {team}, repositories: [{repo}]}}]\n",
    )


def collect_and_read(config: Path, team: str) -> dict[str, Any]:
    run_cli(["collect", "--config", str(config)])
    out = run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF])
    return next(row for row in json.loads(out) if row["team"] == team)


def released(repo: RepoData, tag: str, sha: str, published_at: datetime) -> None:
    repo.tags[tag] = sha
    repo.release(tag, created_at=published_at, published_at=published_at)


# -- 1. deployments → releases → deployments -------------------------------------------------------------


def test_source_switched_to_releases_and_back_keeps_each_sources_history(tmp_path: Path) -> None:
    """acme/flip (team flip) publishes a GitHub Deployment and a release of every commit.

    Before collect 1: c0 (03-01 00:00) deployed D1 03-01 06:00, released v1.0 03-01 07:00; c1 (03-02 08:00)
    deployed D2 03-02 10:00, released v1.1 03-02 14:00; an incident issue 03-02 15:00 → 18:00 (3 h).
    Collect 1, source ``deployments``: D1 (first), D2 (change c1, 2 h). The issue is 5 h after D2, the
    latest deployment → D2 failed (window), recovered 18:00: 8 h. Row: 2 deployments; lead 2, 2; CFR 1/2;
    recovery 8; incidents 1; restore 3; rework 0. Bands: 2/30 ≥ 1/30 medium; 2 h elite; 50 % low; 8 h high.

    Then c2 (03-05 08:00), D3 03-05 09:00, v1.2 03-05 11:00. Collect 2, source ``releases`` (a new stream:
    every release since 03-01): v1.0 (first), v1.1 (c1: 14:00 − 08:00 = 6 h), v1.2 (c2: 3 h). D1 and D2
    stay stored but are no deployments now (§5.1, docs/metrics.md); D3 is not collected. The issue is 1 h
    after v1.1, the latest release → v1.1 failed, recovered 4 h. Row: 3; leads 3, 6 → 4.5, 3 + 0.9 × 3 =
    5.7; CFR 1/3; recovery 4; incidents 1; restore 3; rework 0. Bands: 0.1 medium; elite; 33 % low; 4 h
    high.

    Then c3 (03-08 06:00), D4 03-08 08:00, v1.3 03-08 12:00. Collect 3, source ``deployments`` again: its
    stream resumes and brings D3 and D4 (created after its cursor). D1 first, D2 c1 2 h, D3 c2 1 h, D4 c3
    2 h: leads 1, 2, 2 → 2.0, r 1.8 → 2.0; D2 failed (8 h); releases stored but not counted. Row: 4; CFR
    1/4; recovery 8; incidents 1; restore 3; rework 0. Bands: 4/30 medium; elite; 25 % low; 8 h high (what
    a fresh store collected once with ``deployments`` holds).

    REST only (``github.api: rest``): the module's time budget; GraphQL reads deployments through the same
    cursor.
    """
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/flip")
    c0 = repo.commit("c0", author_date=at(1))
    repo.deployment(c0, created_at=at(1, 6))
    released(repo, "v1.0", c0, at(1, 7))
    c1 = repo.commit("c1", author_date=at(2, 8))
    repo.deployment(c1, created_at=at(2, 10))
    released(repo, "v1.1", c1, at(2, 14))
    repo.issue(title="Checkout down", created_at=at(2, 15), closed_at=at(2, 18), labels=["incident"])

    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        store = tmp_path / "switched"

        def config(source: str) -> Path:
            return configure(store, emulator.base_url, "rest", "acme/flip", f"{{source: {source}}}")

        check_row(
            collect_and_read(config("deployments"), "flip"),
            team="flip",
            deployments=2,
            lead=(2.0, 2.0),
            cfr=0.5,
            recovery=8.0,
            restore=(3.0, 3.0),
            incidents=1,
            rework=0.0,
            stages=breakdown(),
            row_bands=bands("medium", "elite", "low", "high"),
        )

        c2 = repo.commit("c2", author_date=at(5, 8))
        repo.deployment(c2, created_at=at(5, 9))
        released(repo, "v1.2", c2, at(5, 11))
        check_row(
            collect_and_read(config("releases"), "flip"),
            team="flip",
            deployments=3,
            lead=(4.5, 5.7),
            cfr=1 / 3,
            recovery=4.0,
            restore=(3.0, 3.0),
            incidents=1,
            rework=0.0,
            stages=breakdown(),
            row_bands=bands("medium", "elite", "low", "high"),
        )

        c3 = repo.commit("c3", author_date=at(8, 6))
        repo.deployment(c3, created_at=at(8, 8))
        released(repo, "v1.3", c3, at(8, 12))
        expected: dict[str, Any] = {
            "team": "flip",
            "deployments": 4,
            "lead": (2.0, 2.0),
            "cfr": 0.25,
            "recovery": 8.0,
            "restore": (3.0, 3.0),
            "incidents": 1,
            "rework": 0.0,
            "stages": breakdown(),
            "row_bands": bands("medium", "elite", "low", "high"),
        }
        check_row(collect_and_read(config("deployments"), "flip"), **expected)


# -- 2. the environment renamed: production → live ---------------------------------------------------------


def test_environment_changed_between_collects_collects_the_new_environments_history(tmp_path: Path) -> None:
    """acme/envs (team envs) deploys every commit to GitHub environments ``live`` and ``production``.

    Before collect 1: c0 (03-01 00:00): live L1 03-01 06:00, production P1 03-01 07:00; c1 (03-02 08:00):
    live L2 03-02 10:00, production P2 03-04 10:00. Collect 1 with ``environment: production``: P1
    (first), P2 (c1, 03-04 10:00 − 03-02 08:00 = 50 h); nothing of ``live``.

    The team renames the environment it deploys to in the config: ``environment: live``. Then c2 (03-06
    08:00): live L3 03-06 09:00. Collect 2 (same store). §5.1 counts "GitHub Deployments in environment",
    and ``since`` is "how far back the first sync reaches": nothing of ``live`` was collected before, so
    this sync is its first, and docs/operations.md names no exception for a changed environment (it lists
    every place where an incremental sync differs from a fresh one, and has the PagerDuty syncs list from
    ``since`` again when their configuration changes). Expected, as a fresh store collected once with
    ``environment: live`` gives (checked by hand with both ``github.api`` modes): L1 (first), L2 (c1,
    2 h), L3 (c2, 1 h) → 3 deployments; leads 1, 2 → 1.5, 1 + 0.9 × 1 = 1.9; CFR 0; rework 0. Bands: 0.1
    medium; 1.5 h elite; 0 % elite; null.

    The product resumes the ``deployments`` stream from production's cursor (P2, 03-04 10:00, less a day of
    overlap) and never lists L1 and L2: 1 deployment (L3 as the first of the history), lead null. The
    same happens with ``github.api: graphql`` (checked by hand; REST only here, for the time budget).
    """
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/envs")
    c0 = repo.commit("c0", author_date=at(1))
    repo.deployment(c0, environment="live", created_at=at(1, 6))
    repo.deployment(c0, created_at=at(1, 7))
    c1 = repo.commit("c1", author_date=at(2, 8))
    repo.deployment(c1, environment="live", created_at=at(2, 10))
    repo.deployment(c1, created_at=at(4, 10))

    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        store = tmp_path / "renamed"

        def config(environment: str) -> Path:
            return configure(
                store,
                emulator.base_url,
                "rest",
                "acme/envs",
                f"{{source: deployments, environment: {environment}}}",
            )

        run_cli(["collect", "--config", str(config("production"))])

        c2 = repo.commit("c2", author_date=at(6, 8))
        repo.deployment(c2, environment="live", created_at=at(6, 9))
        expected: dict[str, Any] = {
            "team": "envs",
            "deployments": 3,
            "lead": (1.5, 1.9),
            "cfr": 0.0,
            "recovery": None,
            "incidents": 0,
            "rework": 0.0,
            "stages": breakdown(),
            "row_bands": bands("medium", "elite", "elite", None),
        }
        check_row(collect_and_read(config("live"), "envs"), **expected)
