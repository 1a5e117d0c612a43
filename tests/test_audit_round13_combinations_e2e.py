"""Audit, round 13, end to end: two combinations of SPEC §5.1, §5.2, §6.1 and §6.2 rules on the payloads
GitHub really produces. Emulated GitHub → ``doraspace collect`` (REST and GraphQL) → ``doraspace metrics
--format json --as-of 2026-03-20T00:00:00Z``.

Each scenario has its own repository and team (``teams:``). Window 30d = (02-18 00:00, 03-20 00:00], which
holds everything below; times are March 2026 UTC, ``at(day, hour)``. Attribution window 24 h;
``github.incident_labels: [incident]``; ``rework.labels: [hotfix, rollback, revert, incident]``. Every
repo's first deployment (03-01 06:00, compare ``first``) counts as a deployment and adds no lead times.
Percentiles are ``percentile_cont``: rank p × (n − 1), linear interpolation. Bands dora-2023 from the
30d window (the only one): frequency 3/30 and 4/30 per day are ≥ 1/30 but < 1/7 → medium.

The same scenarios, written straight into the store, are in
``tests/analytics/test_audit_round13_combinations.py`` (1 and 8); here the collector decides the
environments, the compare statuses (``diverged``, ``ahead``), what is a merge commit and what a PR's
commits are.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulators.github import GitHubDataset
from tests.github_scenarios import APIS, AS_OF, Scenarios, at, breakdown, check_row, started_at_six

TOKEN_VARIABLE = "AUDIT_R13_COMBINATIONS_GITHUB_TOKEN"
TOKEN = "audit-r13-combinations-token"

COMBINATIONS = Scenarios(
    github="incident_labels: [incident]",
    rest="rework: {labels: [hotfix, rollback, revert, incident]}\n",
)


@COMBINATIONS.register(("acme/stagerev", "stagerev", None))
def build_revert_shipped_to_staging_first(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/stagerev")
    c0 = started_at_six(repo)
    repo.deployment(c0, environment="staging", created_at=at(1, 6.5))
    c2 = repo.commit("Add cart", author_date=at(2, 8))
    repo.deployment(c2, created_at=at(2, 12))  # D2
    v = repo.commit(f'Revert "Add cart"\n\nThis reverts commit {c2}.', author_date=at(2, 20))
    repo.deployment(v, environment="staging", created_at=at(2, 22))  # staging ships the revert first
    repo.issue(title="Checkout errors", created_at=at(2, 23), closed_at=at(3, 8), labels=["incident"])
    repo.deployment(v, created_at=at(3, 2))  # D3: production ships the revert


@COMBINATIONS.register(("acme/hotfix", "hotfix", None))
def build_hotfix_branch_merged_back_then_named(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/hotfix")
    c0 = started_at_six(repo)
    c2 = repo.commit("Add cart", author_date=at(2, 8))
    repo.deployment(c2, created_at=at(2, 10))  # D2
    h = repo.commit("Fix totals", parents=[c0], author_date=at(5, 1), author_login="carol", branch="hotfix-5")
    repo.deployment(h, created_at=at(5, 2), ref="hotfix-5")  # H3: the branch, diverged from c2
    m5 = repo.merge_commit(c2, h, "Merge pull request #5 from acme/hotfix-5\n\nFix totals", at(5, 6))
    repo.pull(
        number=5,
        title="Fix totals",
        author="carol",
        created_at=at(5, 1.5),
        commits=[h],
        merged_at=at(5, 6),
        merge_commit_sha=m5,
        labels=["hotfix"],
        reviews=[("bob", "APPROVED", at(5, 2.5))],
    )
    c6 = repo.commit("Tidy", author_date=at(5, 7))
    repo.deployment(c6, created_at=at(5, 9))  # D4
    repo.issue(
        title=f"Totals wrong since {h[:10]}", created_at=at(5, 10), closed_at=at(5, 14), labels=["incident"]
    )


@pytest.fixture(scope="module")
def metrics_by_api(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, Any]]]:
    return COMBINATIONS.collect(tmp_path_factory, TOKEN_VARIABLE, TOKEN, AS_OF)


@pytest.fixture(params=APIS)
def team_rows(
    request: pytest.FixtureRequest, metrics_by_api: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    return metrics_by_api[request.param]


def test_revert_shipped_to_staging_first_fails_its_target_when_production_ships_it(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/stagerev. D1 first (c0, 03-01 06:00); staging deploys c0 at 06:30. D2 c2 (02 08:00) at 02
    12:00: lead 4 h. v, ``This reverts commit <c2>.`` (02 20:00), goes to staging at 02 22:00 (not counted:
    §5.1 "only the production environment counts"). Incident issue 02 23:00 → 03 08:00: production's
    latest deployment before it is D2 (11 h) → window D2. D3 at 03 02:00 deploys v to production:
    compare(c2...v) ahead, change v, lead 6 h; a later production deployment shipping the revert of D2's
    change → revert D2.

    D2 recovers at the earliest of D3 (03 02:00) and the issue's close (08:00): 14 h. D3 is rework (a
    revert commit; deployed while the issue was open), once. Deployments 3; CFR 1/3; recovery 14;
    incidents 1; restore 9 h; rework 1/3; lead 4, 6 → p50 5, p90 4 + 0.9 × 2 = 5.8; no PR. Bands: 3/30
    medium; 5 h elite; 33 % low; 14 h high.
    """
    check_row(
        team_rows["stagerev"],
        team="stagerev",
        deployments=3,
        lead=(5.0, 5.8),
        cfr=1 / 3,
        recovery=14.0,
        restore=(9.0, 9.0),
        incidents=1,
        rework=1 / 3,
        stages=breakdown(),
        row_bands={
            "deployment_frequency": "medium",
            "lead_time": "elite",
            "change_failure_rate": "low",
            "recovery": "high",
        },
    )


def test_hotfix_named_after_its_merge_back_fails_the_branch_deployment_only(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/hotfix. D1 first (c0). D2 c2 (02 08:00) at 02 10:00: lead 2 h. Branch hotfix-5 from c0: h
    (05 01:00) deployed at 05 02:00 (H3): compare(c2...h) diverged, change h (no PR's merge commit: its own
    date), lead 1 h. PR #5 (label hotfix; commit h; opened 01:30; bob approves 02:30) merged 06:00 with
    merge commit m5. D4 c6 (07:00) at 09:00: compare(h...c6) ahead, lists c2 (D2's), m5 (a merge commit)
    and c6 → change c6, lead 2 h. Incident issue 05 10:00 → 14:00 titled ``Totals wrong since
    <h[:10]>``.

    Rule 1: h begins the sha of a change of H3 → explicit H3; the issue has an explicit link, so rule 4
    does not fail D4 (1 h before it). H3 recovers at 14:00: 12 h. Rework: H3 (a change of a PR labelled
    hotfix); D4 ships no change of PR #5 (m5 is no change) and was deployed before the issue: not rework.
    Deployments 4; CFR 1/4; recovery 12; incidents 1; restore 4; rework 1/4; lead 2, 1, 2 → p50 2, p90 2.
    Breakdown: PR #5 is deployed by D4 (first to ship m5): coding 0.5, pickup 1, review 3.5, deploy 06:00
    → 09:00 3. Bands: 4/30 medium; 2 h elite; 25 % low; 12 h high.
    """
    check_row(
        team_rows["hotfix"],
        team="hotfix",
        deployments=4,
        lead=(2.0, 2.0),
        cfr=0.25,
        recovery=12.0,
        restore=(4.0, 4.0),
        incidents=1,
        rework=0.25,
        stages=breakdown(0.5, 1.0, 3.5, 3.0),
        row_bands={
            "deployment_frequency": "medium",
            "lead_time": "elite",
            "change_failure_rate": "low",
            "recovery": "high",
        },
    )
