"""Audit, end to end: deployment sources × changes × failure and rework rules (SPEC §5.1–§5.3, §6.1,
§6.2), through the GitHub emulator → ``doraspace collect`` (REST and GraphQL) → ``doraspace metrics
--format json``. Every number is worked out by hand from SPEC's words, in each test's docstring.

One emulated organisation holds every scenario, each in its own repository owned by its own team
(config ``teams:``). It is collected once per ``github.api`` mode into its own store and read with
``--as-of 2026-03-20T00:00:00Z``, one window 30d = (02-18 00:00, 03-20 00:00], which holds everything
below; the bands therefore come from that window (SPEC §6.3 "or the longest configured"), dora-2023.
Times are March 2026 UTC, ``at(day, hour)``. Attribution window 24 h; rework and incident labels the
defaults. Every repo's first deployment has unknown changes (SPEC §5.2). Percentiles are
``percentile_cont``: p at position p × (n − 1) of the sorted values. Whole rows are asserted.

Bands (dora-2023): frequency ≥ 1/day elite, ≥ 1/7 high, ≥ 1/30 medium; lead p50 < 24 h elite, < 168 h
high; CFR ≤ 5 % elite, ≤ 10 % high, ≤ 15 % medium, else low; recovery p50 (else restore p50) < 1 h
elite, < 24 h high, < 168 h medium.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.analytics.facts import bands
from tests.emulators.github import GitHubDataset, iso
from tests.github_scenarios import (
    APIS,
    AS_OF,
    Builder,
    Scenarios,
    at,
    breakdown,
    check_row,
    first_merged_pr,
    rows_before_and_after,
    squash_merged_pr,
    squashed_into_develop,
    started,
)

TOKEN_VARIABLE = "AUDIT_SOURCES_GITHUB_TOKEN"
TOKEN = "audit-sources-token"


# ------------------------------------------------------------------------------------------- scenarios

SOURCES = Scenarios()


def scenario(repo: str, team: str, source: str | None = None) -> Callable[[Builder], Builder]:
    return SOURCES.register((repo, team, source))


@scenario("acme/wfrerun", "wfrerun", "{source: workflow_runs, workflow: deploy.yml}")
def build_workflow_rerun(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/wfrerun")
    c0 = repo.commit("initial", author_date=at(1))
    repo.workflow_run(c0, created_at=at(1, 5), updated_at=at(1, 6))  # W1 first
    f = repo.commit("feature", parents=[c0], author_date=at(2, 8), author_login="alice", branch="feature-1")
    # deploy.yml green on the feature branch: not the default branch, no deployment.
    repo.workflow_run(f, branch="feature-1", event="pull_request", created_at=at(2, 9), updated_at=at(2, 9.5))
    m1 = repo.merge_commit(c0, f, "Merge pull request #1 from acme/feature-1\n\nFeature", at(2, 12))
    repo.pull(
        number=1,
        title="Feature",
        author="alice",
        created_at=at(2, 8.5),
        commits=[f],
        merged_at=at(2, 12),
        merge_commit_sha=m1,
        reviews=[("bob", "APPROVED", at(2, 10))],
    )
    repo.workflow_run(m1, workflow="ci.yml", created_at=at(2, 12 + 5 / 60), updated_at=at(2, 12 + 20 / 60))
    # W2: deploy.yml of m1, attempt 1 failed, re-run (same run, attempt 2) succeeded at 14:00.
    rerun = repo.workflow_run(m1, created_at=at(2, 12 + 10 / 60), updated_at=at(2, 14), run_attempt=2)
    next(r for r in repo.workflow_runs if r["id"] == rerun)["run_started_at"] = iso(at(2, 13.75))
    c2 = repo.commit("direct push", author_date=at(2, 13))
    repo.workflow_run(c2, created_at=at(2, 13 + 10 / 60), updated_at=at(2, 13.5))  # W3
    c3 = repo.commit("fix", author_date=at(3, 8))
    repo.workflow_run(c3, created_at=at(3, 8.5), updated_at=at(3, 9))  # W4
    c4 = repo.commit(f'Revert "direct push"\n\nThis reverts commit {c2}.', author_date=at(3, 10))
    repo.workflow_run(c4, created_at=at(3, 10.25), updated_at=at(3, 10.5))  # W5


@scenario("acme/legacy", "legacy", "{source: workflow_runs, workflow: deploy.yml}")
def build_workflow_master(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/legacy", default_branch="master")
    c0 = repo.commit("initial", author_date=at(1))
    repo.workflow_run(c0, branch="master", created_at=at(1, 5), updated_at=at(1, 6))  # W1 first
    f1 = repo.commit("f1", author_date=at(2, 8))
    repo.workflow_run(f1, branch="master", created_at=at(2, 9), updated_at=at(2, 10))  # W2
    g1 = repo.commit("g1", parents=[f1], author_date=at(2, 11), branch="main")
    repo.workflow_run(g1, branch="main", created_at=at(2, 11 + 10 / 60), updated_at=at(2, 11.5))
    f2 = repo.commit("f2", author_date=at(2, 12))
    repo.workflow_run(
        f2,
        workflow="deploy-staging.yml",
        branch="master",
        created_at=at(2, 12 + 10 / 60),
        updated_at=at(2, 12.5),
    )
    repo.issue(title="Slow search", created_at=at(2, 13), closed_at=at(2, 15), labels=["incident"])
    repo.workflow_run(f2, branch="master", created_at=at(2, 14), updated_at=at(2, 14.5))  # W3


@scenario("acme/relx", "relx", "{source: releases}")
def build_releases(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/relx")
    c0 = repo.commit("initial", author_date=at(1))
    f1 = repo.commit("f1", author_date=at(2, 8))
    f2 = repo.commit("f2", author_date=at(2, 9))
    f3 = repo.commit("f3", author_date=at(4, 8))
    f4 = repo.commit("f4", author_date=at(5, 8))
    repo.tags.update(
        {
            "v1.0.0": c0,
            "v1.1.0": f2,
            "v1.1.1": f2,
            "v1.0.1": f1,
            "v1.2.0": f3,
            "v1.3.0-rc.1": f4,
            "v2.0.0": f4,
        }
    )
    repo.release("v1.0.0", created_at=at(1, 5), published_at=at(1, 6))  # R1 first
    repo.release("v1.1.0", created_at=at(2, 10), published_at=at(2, 15))  # drafted 10:00, published 15:00
    repo.release("v1.1.1", created_at=at(2, 15.5), published_at=at(2, 16))  # the same commit
    repo.issue(
        title="Orders API 500s",
        body=f"Regression from {f1[:8]}",
        created_at=at(3, 8),
        closed_at=at(3, 11),
        labels=["incident"],
    )
    repo.release("v1.0.1", created_at=at(3, 9.5), published_at=at(3, 10))  # an older commit
    repo.release("v1.2.0", created_at=at(4, 11), published_at=at(4, 12))
    repo.release("v1.3.0-rc.1", created_at=at(5, 9), published_at=at(5, 9), prerelease=True)
    repo.release("v2.0.0", created_at=at(5, 10), published_at=None, draft=True)


@scenario("acme/relbr", "relbr", "{source: releases}")
def build_release_branch(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/relbr")
    c0 = repo.commit("initial", author_date=at(1))
    repo.commit("f1", author_date=at(2, 8))
    f2 = repo.commit("f2", author_date=at(2, 9))
    k = repo.commit("Backport fix", parents=[c0], author_date=at(3, 8), branch="release-1.0")
    f3 = repo.commit("f3", author_date=at(4, 8))
    repo.tags.update({"v1.0.0": c0, "v1.1.0": f2, "v1.0.1": k, "v1.2.0-rc.1": f3, "v1.2.0": f3})
    repo.release("v1.0.0", created_at=at(1, 5), published_at=at(1, 6))  # R1 first
    repo.release("v1.1.0", created_at=at(2, 11), published_at=at(2, 12))
    repo.release("v1.0.1", created_at=at(3, 9), published_at=at(3, 10), target_commitish="release-1.0")
    repo.release("v1.2.0-rc.1", created_at=at(4, 8.5), published_at=at(4, 9), prerelease=True)
    repo.issue(title="Login fails", created_at=at(4, 10), closed_at=at(4, 13), labels=["incident"])
    repo.release("v1.2.0", created_at=at(4, 14), published_at=at(4, 15))


@scenario("acme/mpflow", "mpflow", "{source: merged_prs}")
def build_merged_prs(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/mpflow")
    _, s1 = first_merged_pr(repo)  # M1
    sd = squashed_into_develop(repo, s1, number=2)
    mp = repo.merge_commit(
        s1, sd, "Merge pull request #3 from acme/develop\n\nRelease", at(3, 10), author_login="bob"
    )
    repo.pull(
        number=3,
        title="Release",
        author="bob",
        created_at=at(3, 9),
        commits=[sd],
        merged_at=at(3, 10),
        merge_commit_sha=mp,
    )
    b1 = repo.commit("b1", parents=[mp], author_date=at(3, 12), author_login="carol", branch="pr-4")
    b2 = repo.commit("b2", parents=[b1], author_date=at(3, 13), author_login="carol", branch="pr-4")
    b3 = repo.commit("b3", parents=[b2], author_date=at(3, 14), author_login="carol", branch="pr-4")
    *_, r3 = repo.rebase_merge([b1, b2, b3], mp, date=at(3, 16))
    repo.pull(
        number=4,
        title="Three steps",
        author="carol",
        created_at=at(3, 14.5),
        commits=[b1, b2, b3],
        merged_at=at(3, 16),
        merge_commit_sha=r3,
        reviews=[("dave", "APPROVED", at(3, 15))],
    )
    # GitHub's "Revert" button on a PR merged with a merge commit, squash-merged.
    reverts_merge = f"This reverts commit {mp}, reversing\nchanges made to {s1}."
    v = repo.commit(
        f'Revert "Merge pull request #3 from acme/develop"\n\n{reverts_merge}',
        parents=[r3],
        author_date=at(4, 9),
        author_login="erin",
        branch="revert-3-develop",
    )
    sv = squash_merged_pr(
        repo,
        [v],
        r3,
        number=5,
        title='Revert "Release"',
        author="erin",
        created_at=at(4, 9.5),
        merged_at=at(4, 10),
        message=f'Revert "Release" (#5)\n\n{reverts_merge}',
        body="Reverts acme/mpflow#3",
    )
    v2 = repo.commit(
        f'Reapply "Release"\n\nThis reverts commit {sv}.',
        parents=[sv],
        author_date=at(5, 8),
        author_login="erin",
        branch="revert-5-revert-3-develop",
    )
    squash_merged_pr(
        repo,
        [v2],
        sv,
        number=6,
        title='Reapply "Release"',
        author="erin",
        created_at=at(5, 8.5),
        merged_at=at(5, 9),
        message=f'Reapply "Release" (#6)\n\nThis reverts commit {sv}.',
        body="Reverts acme/mpflow#5",
    )


@scenario("acme/ffwd", "ffwd", "{source: merged_prs}")
def build_fast_forward(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/ffwd")
    _, s1 = first_merged_pr(repo)  # M1
    sd = squashed_into_develop(repo, s1, number=2)
    # develop pushed to main (a fast-forward): GitHub marks PR #3 merged, its merge_commit_sha is sd.
    repo.branches["main"] = sd
    repo.pull(
        number=3,
        title="Release",
        author="bob",
        created_at=at(3, 9),
        commits=[sd],
        merged_at=at(3, 10),
        merge_commit_sha=sd,
    )
    b1 = repo.commit("b1", parents=[sd], author_date=at(3, 12), author_login="carol", branch="pr-4")
    d = repo.commit("direct push", author_date=at(3, 13))
    mm = repo.commit(
        "Merge branch 'main' into pr-4",
        parents=[b1, d],
        author_date=at(3, 14),
        author_login="carol",
        branch="pr-4",
    )
    b2 = repo.commit("b2", parents=[mm], author_date=at(3, 15), author_login="carol", branch="pr-4")
    m4 = repo.merge_commit(d, b2, "Merge pull request #4 from acme/pr-4\n\nFix cart", at(3, 16))
    repo.pull(
        number=4,
        title="Fix cart",
        author="carol",
        created_at=at(3, 12.5),
        commits=[b1, mm, b2],
        merged_at=at(3, 16),
        merge_commit_sha=m4,
        labels=["hotfix"],
    )


@scenario("acme/statuses", "statuses")
def build_statuses(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/statuses")
    c0 = started(repo, at(1, 6))  # D1 first
    b1 = repo.commit("b1", parents=[c0], author_date=at(2, 6), author_login="dave", branch="pr-2")
    b2 = repo.commit("b2", parents=[b1], author_date=at(2, 7), author_login="dave", branch="pr-2")
    m2 = repo.merge_commit(c0, b2, "Merge pull request #2 from acme/pr-2\n\nCart", at(2, 9))
    repo.pull(
        number=2,
        title="Cart",
        author="dave",
        created_at=at(2, 7.5),
        commits=[b1, b2],
        merged_at=at(2, 9),
        merge_commit_sha=m2,
    )
    repo.deployment(m2, created_at=at(2, 10))  # D2
    c3 = repo.commit("c3", author_date=at(2, 11))
    repo.deployment(  # D3: success, then a failure and a success again
        c3,
        created_at=at(2, 11.5),
        statuses=[
            ("in_progress", at(2, 11.5)),
            ("success", at(2, 12)),
            ("failure", at(2, 12.5)),
            ("success", at(2, 13)),
        ],
    )
    repo.issue(
        title="Cart totals wrong",
        body=f"Started after {m2[:10]} went out",
        created_at=at(2, 14),
        closed_at=at(2, 16),
        labels=["incident"],
    )
    c4 = repo.commit("c4", author_date=at(3, 8))
    c5 = repo.commit("c5", author_date=at(3, 9))
    repo.deployment(  # D4: created first, first success last
        c4,
        created_at=at(3, 8.5),
        statuses=[("queued", at(3, 8.5)), ("failure", at(3, 8.75)), ("success", at(3, 12))],
    )
    repo.deployment(c5, created_at=at(3, 9.5), statuses=[("in_progress", at(3, 9.5)), ("success", at(3, 10))])
    repo.deployment(c5, created_at=at(3, 14))  # D6
    # PR #9 merged after the last deployment: never deployed, so in no median of the breakdown.
    b9 = repo.commit("b9", parents=[c5], author_date=at(4, 8), author_login="dave", branch="pr-9")
    squash_merged_pr(
        repo,
        [b9],
        c5,
        number=9,
        title="Tidy",
        author="dave",
        created_at=at(4, 9),
        merged_at=at(4, 10),
        reviews=[("erin", "APPROVED", at(4, 9.5))],
    )


@scenario("acme/hotmain", "hotmain")
def build_hotfix_then_main(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/hotmain")
    started(repo, at(1, 6))  # D1 first
    f1 = repo.commit("f1", author_date=at(2, 8))
    repo.deployment(f1, created_at=at(2, 10))  # D2
    repo.issue(
        title="Checkout totals wrong",
        body=f"root cause: {f1[:12]}",
        created_at=at(2, 12),
        closed_at=at(3, 12),
        labels=["incident"],
    )
    h1 = repo.commit(
        "Fix totals", parents=[f1], author_date=at(2, 13), author_login="erin", branch="hotfix-7"
    )
    repo.deployment(h1, created_at=at(2, 14), ref="hotfix-7")  # D3 from the branch
    f2 = repo.commit("f2", author_date=at(2, 15))
    repo.deployment(f2, created_at=at(2, 18))  # D4: main, without the hotfix
    s7 = squash_merged_pr(
        repo,
        [h1],
        f2,
        number=7,
        title="Fix totals",
        author="erin",
        created_at=at(2, 13.5),
        merged_at=at(3, 9),
        labels=["hotfix"],
        reviews=[("dave", "APPROVED", at(2, 13.75))],
    )
    repo.deployment(s7, created_at=at(3, 10))  # D5
    f3 = repo.commit("f3", author_date=at(4, 8))
    repo.deployment(f3, created_at=at(4, 9))  # D6


# ------------------------------------------------------------------------------------------- pipeline


@pytest.fixture(scope="module")
def metrics_by_api(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, Any]]]:
    return SOURCES.collect(tmp_path_factory, TOKEN_VARIABLE, TOKEN, AS_OF)


@pytest.fixture(params=APIS)
def team_rows(
    request: pytest.FixtureRequest, metrics_by_api: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    return metrics_by_api[request.param]


# ------------------------------------------------------------------------------------------- the tests


def test_workflow_rerun_of_an_older_commit_is_a_rollback_then_a_revert(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/wfrerun (team wfrerun), source workflow_runs of deploy.yml, default branch main.

    W1 run of c0 ends 03-01 06:00 (first). Not deployments: deploy.yml green on branch feature-1 (02
    09:30; SPEC §5.1 "on the default branch"), ci.yml green on main (another workflow).
    PR #1 (alice; f authored 02 08:00, opened 08:30, bob approves 10:00) merged 12:00 with merge commit
    m1 = merge(c0, f). W2: deploy.yml of m1, created 12:10, attempt 1 failed, attempt 2 (same run)
    succeeded: updated_at 14:00 = deployed_at. Meanwhile direct push c2 (13:00) and W3 of c2 ends
    13:30. Ordered by deployed_at (§5.2): W1, W3 (13:30), W2 (14:00), W4, W5.
    * W3: compare(c0...c2) = f, m1, c2; m1 is a merge commit; f is no PR's merge_commit_sha → its own
      date: lead 13:30 − 08:00 = 5.5 h; c2 0.5 h.
    * W2: m1 is an ancestor of c2: ``behind`` → rollback of W3, no changes; W3 failed, W2 rework.
    * W4: c3 (03 08:00) ends 03 09:00: compare(m1...c3) = c2, c3; c2 shipped by W3 → c3, lead 1 h.
    * W5: c4 ``This reverts commit <c2>`` (03 10:00) ends 10:30: lead 0.5 h; reverts W3's change →
      W3 failed (revert) too, counted once; W5 rework (revert commit).
    Deployments 5. Lead 0.5, 0.5, 1, 5.5 → p50 0.75, p90 at 2.7: 1 + 0.7 × 4.5 = 4.15. CFR 1/5.
    Recovery of W3: earliest of rollback (02 14:00) and revert (03 10:30) → 0.5 h. Rework 2/5.
    Breakdown: PR #1 is shipped by W3 (first compare holding m1): coding 0.5, pickup 1.5, review 2,
    deploy 12:00 → 13:30 = 1.5.
    Bands: 5/30 ≥ 1/7 high; 0.75 h elite; 20 % low; 0.5 h elite.
    """
    check_row(
        team_rows["wfrerun"],
        team="wfrerun",
        deployments=5,
        lead=(0.75, 4.15),
        cfr=1 / 5,
        recovery=0.5,
        rework=2 / 5,
        stages=breakdown(coding=0.5, pickup=1.5, review=2.0, deploy=1.5),
        row_bands=bands("high", "elite", "low", "elite"),
    )


def test_workflow_runs_of_another_branch_or_workflow_are_not_the_latest_deployment(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/legacy (team legacy), workflow_runs of deploy.yml, default branch ``master``.

    W1 c0 ends 03-01 06:00 (first). W2 f1 (02 08:00) ends 02 10:00: lead 2 h. deploy.yml green on a
    branch named ``main`` (g1, ends 11:30) and deploy-staging.yml green on master (f2, ends 12:30):
    neither is a deployment (§5.1: the configured workflow, on the default branch). Issue (incident)
    13:00 → 15:00, no sha: the latest deployment of the service before 13:00 is W2 (3 h before) →
    W2 failed (window), recovered 15:00: 5 h. W3 f2 (12:00) ends 14:30 while the issue is open →
    rework; lead 2.5 h.
    Deployments 3; lead 2, 2.5 → p50 2.25, p90 2.45; CFR 1/3; recovery 5; incidents 1, restore 2;
    rework 1/3; no PRs → breakdown null.
    Bands: 3/30 = 0.1 < 1/7, ≥ 1/30 → medium; 2.25 h elite; 33 % low; 5 h high.
    """
    check_row(
        team_rows["legacy"],
        team="legacy",
        deployments=3,
        lead=(2.25, 2.45),
        cfr=1 / 3,
        recovery=5.0,
        restore=(2.0, 2.0),
        incidents=1,
        rework=1 / 3,
        stages=breakdown(),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_releases_identical_then_rollback_fails_the_redeploy_and_an_explicit_incident_the_first(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/relx (team relx), source releases.

    R1 v1.0.0 (c0) published 03-01 06:00 (first). f1 (02 08:00), f2 (02 09:00). R2 v1.1.0 on f2,
    drafted 10:00, published 15:00 → deployed_at 15:00 (§5.1 published_at): compare(c0...f2) = f1 7 h,
    f2 6 h. R3 v1.1.1 on the same commit f2, published 16:00: ``identical``, no changes, no rollback.
    Issue 03 08:00 → 11:00 says ``Regression from <f1[:8]>``: explicit link to f1, a change of R2 →
    R2 failed, recovered at 11:00: 20 h (no window failure: the incident has an explicit link).
    R4 v1.0.1 on f1 published 03 10:00: compare(f2...f1) ``behind`` → a rollback whose previous
    deployment is R3 (not R2) → R3 failed (rollback), recovered at 10:00: 18 h. R4 is rework (rollback;
    the issue is open too). R5 v1.2.0 on f3 (04 08:00) published 04 12:00: compare(f1...f3) = f2, f3;
    f2 was R2's → change f3, 4 h. A prerelease v1.3.0-rc.1 and a draft v2.0.0: no deployments.
    Deployments 5; lead 4, 6, 7 → p50 6, p90 at 1.8: 6 + 0.8 × 1 = 6.8; CFR 2/5; recovery 18, 20 →
    19; incidents 1, restore 3; rework 1/5; breakdown null (no PR).
    Bands: 5/30 high; 6 h elite; 40 % low; 19 h high.
    """
    check_row(
        team_rows["relx"],
        team="relx",
        deployments=5,
        lead=(6.0, 6.8),
        cfr=2 / 5,
        recovery=19.0,
        restore=(3.0, 3.0),
        incidents=1,
        rework=1 / 5,
        stages=breakdown(),
        row_bands=bands("high", "elite", "low", "high"),
    )


def test_release_of_a_maintenance_branch_is_failed_at_the_window_end_not_the_prerelease(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/relbr (team relbr), source releases.

    R1 v1.0.0 (c0) 03-01 06:00 (first). R2 v1.1.0 on f2 published 02 12:00: f1 (08:00) 4 h, f2 (09:00)
    3 h. R3 v1.0.1 on k, a backport on branch release-1.0 cut from c0 (03 08:00), published 03 10:00:
    compare(f2...k) is ``diverged`` (k is no ancestor of f2): not a rollback; change k, 2 h. A
    prerelease v1.2.0-rc.1 on f3 published 04 09:00 is no deployment (§5.1). Issue 04 10:00 → 13:00, no
    sha: the latest deployment before it is R3, exactly 24 h before: inside (R3, R3 + 24 h] (§6.1 rule
    4, closed end) → R3 failed, recovered at 13:00: 27 h. R4 v1.2.0 on f3 published 15:00 (issue
    closed): compare(k...f3) = f1, f2, f3; f1, f2 shipped → f3, 7 h; not rework.
    Deployments 4; lead 2, 3, 4, 7 → p50 3.5, p90 at 2.7: 4 + 0.7 × 3 = 6.1; CFR 1/4; recovery 27;
    incidents 1, restore 3; rework 0; no PR → breakdown null.
    Bands: 4/30 < 1/7, ≥ 1/30 → medium; 3.5 h elite; 25 % low; 27 h medium.
    """
    check_row(
        team_rows["relbr"],
        team="relbr",
        deployments=4,
        lead=(3.5, 6.1),
        cfr=1 / 4,
        recovery=27.0,
        restore=(3.0, 3.0),
        incidents=1,
        rework=0.0,
        stages=breakdown(),
        row_bands=bands("medium", "elite", "low", "medium"),
    )


def test_merged_prs_promotion_rebase_of_three_revert_of_a_merge_and_revert_of_the_revert(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/mpflow (team mpflow), source merged_prs.

    * PR #1 (q1 01 02:00, opened 03:00, no review) squash-merged 01 06:00 as s1: first deployment M1.
    * PR #2 (a1 02 08:00, opened 09:00) squash-merged into ``develop`` at 12:00 as sd: not a deployment.
    * PR #3 (bob, develop → main, opened 03 09:00) merged 03 10:00 with merge commit mp → M2 at 10:00:
      compare(s1...mp) = sd, mp → change sd, PR #2's merge_commit_sha → starts at a1: lead 26 h.
    * PR #4 (carol: b1 03 12:00, b2 13:00, b3 14:00; opened 14:30; dave approves 15:00) rebase-merged
      16:00 as r1, r2, r3 (merge_commit_sha r3) → M3 at 16:00: r1 4 h, r2 3 h (own dates), r3 starts at
      the PR's earliest, 12:00: 4 h.
    * PR #5 (erin; v 04 09:00, opened 09:30) squash-merged 10:00 as sv, GitHub's revert of a merge:
      ``This reverts commit <mp>, reversing changes made to <s1>`` → M4: lead 1 h. mp is a merge
      commit, no change of M2 (nor is s1 of anything): rule 3 ("for a change of F") fails nothing. M4
      contains a revert commit → rework.
    * PR #6 (v2 05 08:00, opened 08:30) squash-merged 09:00 as sv2 ``This reverts commit <sv>`` → M5:
      lead 1 h; sv is M4's change → M4 failed (revert), recovered at 05 09:00: 23 h. M5 rework.
    Deployments 5; lead 1, 1, 3, 4, 4, 26 → p50 3.5, p90 at 4.5: 4 + 0.5 × 22 = 15; CFR 1/5; recovery
    23; rework 2/5.
    Breakdown (PRs whose merge commit a deployment shipped; PR #1 by the first one: no deploy stage):
    coding #1 1, #2 1, #3 sd 02 12:00 → 03 09:00 = 21, #4 2.5, #5 0.5, #6 0.5 → p50 1.0; pickup #4 0.5;
    review #4 1.0; deploy #2 02 12:00 → M2 03 10:00 = 22, #3..#6 0 → p50 0.0.
    Bands: 5/30 high; 3.5 h elite; 20 % low; 23 h high.
    """
    check_row(
        team_rows["mpflow"],
        team="mpflow",
        deployments=5,
        lead=(3.5, 15.0),
        cfr=1 / 5,
        recovery=23.0,
        rework=2 / 5,
        stages=breakdown(coding=1.0, pickup=0.5, review=1.0, deploy=0.0),
        row_bands=bands("high", "elite", "low", "high"),
    )


def test_merged_prs_fast_forward_shares_a_merge_commit_sha_and_a_branch_merging_main_in(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/ffwd (team ffwd), source merged_prs.

    * PR #1 (q1 01 02:00, opened 03:00) squash-merged 01 06:00 as s1: first deployment M1.
    * PR #2 (a1 02 08:00, opened 09:00) squash-merged into ``develop`` 12:00 as sd: no deployment.
    * PR #3 (bob, develop → main, opened 03 09:00) merged 03 10:00 by a fast-forward: its
      merge_commit_sha is sd too → M2 at 10:00: compare(s1...sd) = sd, one change. Both PR #2 and PR #3
      have sd as merge_commit_sha; the earliest author date among their commits is a1, 02 08:00 → lead
      26 h, counted once (one change).
    * PR #4 (carol, label hotfix; b1 03 12:00, opened 12:30, then ``Merge branch 'main' into pr-4`` mm
      14:00 bringing the direct push d (13:00), then b2 15:00) merged 16:00 with merge commit m4 → M3
      at 16:00: compare(sd...m4) = d, b1, mm, b2, m4; mm and m4 are merge commits → changes d 3 h,
      b1 4 h, b2 1 h. M3 ships changes of a PR labelled hotfix → rework.
    Deployments 3; lead 1, 3, 4, 26 → p50 3.5, p90 at 2.7: 4 + 0.7 × 22 = 19.4; CFR 0; recovery null;
    rework 1/3. Breakdown: coding #1 1, #2 1, #3 sd 02 12:00 → 03 09:00 = 21, #4 0.5 → p50 1.0; no
    review; deploy #2 02 12:00 → M2 03 10:00 = 22, #3 0, #4 0 → 0.0 (#1 shipped by the first one).
    Bands: 3/30 = 0.1 medium; 3.5 h elite; 0 % elite; no failure and no incident → null.
    """
    check_row(
        team_rows["ffwd"],
        team="ffwd",
        deployments=3,
        lead=(3.5, 19.4),
        cfr=0.0,
        recovery=None,
        rework=1 / 3,
        stages=breakdown(coding=1.0, deploy=0.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_statuses_order_by_first_success_with_a_late_rollback_and_a_merge_sha_named(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/statuses (team statuses), source deployments.

    D1 c0 03-01 06:00 (first). PR #2 (dave; b1 02 06:00, b2 07:00, opened 07:30, no review) merged 09:00
    with merge commit m2 → D2 at 10:00: b1 4 h, b2 3 h (m2 no change). D3 c3 (11:00): statuses
    success 12:00, failure 12:30, success 13:00 → deployed_at = first success 12:00: lead 1 h.
    Issue 14:00 → 16:00 whose body names ``m2[:10]``: a merge commit, the sha of no change → no
    explicit link (§6.1 rule 1) → window: the latest deployment before 14:00 is D3 (2 h) → D3 failed,
    recovered 16:00: 4 h (D2 is not failed).
    c4 (03 08:00), c5 (09:00). D4 of c4 created 08:30, failure 08:45, first success 03 12:00; D5 of c5
    created 09:30, success 10:00. By deployed_at: D5 (10:00) then D4 (12:00). D5: compare(c3...c5) =
    c4 2 h, c5 1 h. D4: c4 is an ancestor of c5 → rollback of D5 → D5 failed, recovered 2 h; D4
    rework. D6 redeploys c5 at 14:00: compare(c4...c5) = c5, already shipped → no change.
    Deployments 6; lead 1, 1, 2, 3, 4 → p50 2, p90 at 3.6: 3 + 0.6 × 1 = 3.6; CFR 2/6; recovery 2, 4 →
    3; incidents 1, restore 2; rework 1/6. Breakdown: PR #2 coding 1.5, deploy 09:00 → 10:00 = 1;
    PR #9 (squash-merged 04 10:00, approved) is shipped by no deployment: in no median (§6.2 "over PRs
    deployed in the window"), so pickup and review stay null.
    Bands: 6/30 high; 2 h elite; 33 % low; 3 h high.
    """
    check_row(
        team_rows["statuses"],
        team="statuses",
        deployments=6,
        lead=(2.0, 3.6),
        cfr=2 / 6,
        recovery=3.0,
        restore=(2.0, 2.0),
        incidents=1,
        rework=1 / 6,
        stages=breakdown(coding=1.5, deploy=1.0),
        row_bands=bands("high", "elite", "low", "high"),
    )


def test_hotfix_from_a_branch_then_main_without_it_then_squash_merged_during_an_incident(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/hotmain (team hotmain), source deployments.

    D1 c0 03-01 06:00 (first). D2 f1 (02 08:00) at 10:00: lead 2 h. Issue 02 12:00 → 03 12:00
    ``root cause: <f1[:12]>`` → D2 failed (explicit), recovered 26 h; restore 24 h.
    Hotfix h1 (erin, cut from f1, 02 13:00) deployed from branch hotfix-7 by D3 at 14:00: compare
    (f1...h1) ahead: h1, 1 h. f2 on main (15:00) deployed by D4 at 18:00: compare(h1...f2) is
    ``diverged`` (not a rollback), ahead by f2: 3 h. PR #7 (label hotfix; opened 13:30, dave approves
    13:45) squash-merged 03 09:00 as s7 onto f2 → D5 at 03 10:00: compare(f2...s7) = s7, a new change
    starting at h1 (02 13:00): 21 h. D6 f3 (04 08:00) at 04 09:00: 1 h.
    Rework: D3 (change of PR #7; issue open), D4 (issue open), D5 (squash commit of PR #7; issue open
    until 03 12:00); D6 not → 3/6.
    Deployments 6; lead 1, 1, 2, 3, 21 → p50 2, p90 at 3.6: 3 + 0.6 × 18 = 13.8; CFR 1/6; recovery 26;
    incidents 1, restore 24.
    Breakdown: PR #7 coding 0.5, pickup 0.25, review 13:45 → 03 09:00 = 19.25, deploy 1.
    Bands: 6/30 high; 2 h elite; 16.7 % low; 26 h medium.
    """
    check_row(
        team_rows["hotmain"],
        team="hotmain",
        deployments=6,
        lead=(2.0, 13.8),
        cfr=1 / 6,
        recovery=26.0,
        restore=(24.0, 24.0),
        incidents=1,
        rework=3 / 6,
        stages=breakdown(coding=0.5, pickup=0.25, review=19.25, deploy=1.0),
        row_bands=bands("high", "elite", "low", "medium"),
    )


def test_the_organisation_row_adds_every_scenario(team_rows: dict[str, dict[str, Any]]) -> None:
    """Team ``*`` over all eight repositories.

    Deployments wfrerun 5 + legacy 3 + relx 5 + relbr 4 + mpflow 5 + ffwd 3 + statuses 6 + hotmain 6
    = 37 → 37/30 per day (elite). Failed 1 + 1 + 2 + 1 + 1 + 0 + 2 + 1 = 9 → CFR 9/37 (low). Rework
    2 + 1 + 1 + 0 + 2 + 1 + 1 + 3 = 11 → 11/37. Incidents legacy, relx, relbr, statuses, hotmain = 5;
    restore 2, 3, 3, 2, 24 → p50 3, p90 at 3.6: 3 + 0.6 × 21 = 15.6.
    Lead times (33): wfrerun 0.5, 0.5, 1, 5.5; legacy 2, 2.5; relx 4, 6, 7; relbr 2, 3, 4, 7; mpflow
    1, 1, 3, 4, 4, 26; ffwd 1, 3, 4, 26; statuses 1, 1, 2, 3, 4; hotmain 1, 1, 2, 3, 21 → sorted: 0.5
    ×2 (0–1), 1 ×8 (2–9), 2 ×4 (10–13), 2.5 (14), 3 ×5 (15–19), 4 ×6 (20–25), 5.5, 6 (26, 27), 7 ×2
    (28–29), 21, 26, 26 → p50 at 16: 3.0; p90 at 28.8: 7.0.
    Recoveries: 0.5, 5, 20, 18, 27, 23, 4, 2, 26 → sorted 0.5 2 4 5 18 20 23 26 27 → p50 18.
    Breakdown (coding, pickup, review, deploy): wfrerun #1 (0.5, 1.5, 2, 1.5); mpflow #1 (1, -, -, -),
    #2 (1, -, -, 22), #3 (21, -, -, 0), #4 (2.5, 0.5, 1, 0), #5 (0.5, -, -, 0), #6 (0.5, -, -, 0);
    ffwd #1 (1, -, -, -), #2 (1, -, -, 22), #3 (21, -, -, 0), #4 (0.5, -, -, 0); statuses #2 (1.5, -,
    -, 1); hotmain #7 (0.5, 0.25, 19.25, 1). Coding 0.5 ×5, 1 ×4, 1.5, 2.5, 21 ×2 → 7th of 13: 1.0;
    pickup 0.25 0.5 1.5 → 0.5; review 1 2 19.25 → 2.0; deploy 0 ×6, 1, 1, 1.5, 22, 22 → 6th of 11: 0.0.
    Bands: 37/30 per day elite; 3 h elite; 24 % low; 18 h high.
    """
    check_row(
        team_rows["*"],
        team="*",
        deployments=37,
        lead=(3.0, 7.0),
        cfr=9 / 37,
        recovery=18.0,
        restore=(3.0, 15.6),
        incidents=5,
        rework=11 / 37,
        stages=breakdown(coding=1.0, pickup=0.5, review=2.0, deploy=0.0),
        row_bands=bands("elite", "elite", "low", "high"),
    )


# ------------------------------------------------------------------ a re-run of an old run, synced twice


def build_rollback_by_rerun(dataset: GitHubDataset) -> dict[str, str]:
    """acme/wfroll before the re-run: four green deploy.yml runs on main."""
    repo = dataset.add_repo("acme/wfroll")
    shas = {"c0": repo.commit("initial", author_date=at(1))}
    repo.workflow_run(shas["c0"], created_at=at(1, 5), updated_at=at(1, 6))  # W1 first
    for name, day in (("c1", 2), ("c2", 3), ("c3", 4)):
        shas[name] = repo.commit(name, author_date=at(day, 8))
        shas[f"run-{name}"] = str(
            repo.workflow_run(shas[name], created_at=at(day, 9), updated_at=at(day, 10))
        )
    return shas


def rerun_old_run_then_fix(dataset: GitHubDataset, shas: dict[str, str]) -> None:
    """On 03-04 c3 is bad: W2 (the run that deployed c1) is re-run (same run, attempt 2) and ends 12:00,
    deploying c1 again; then a fix c4 is deployed by W5 at 15:00."""
    repo = dataset.repos["acme/wfroll"]
    run = next(r for r in repo.workflow_runs if r["id"] == int(shas["run-c1"]))
    run.update(run_attempt=2, run_started_at=iso(at(4, 11.75)), updated_at=iso(at(4, 12)))
    c4 = repo.commit("fix", author_date=at(4, 14))
    repo.workflow_run(c4, created_at=at(4, 14.5), updated_at=at(4, 15))


@pytest.fixture(scope="module")
def rerun_rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The wfroll row of three stores: ``incremental`` (synced before and after the re-run),
    ``fresh`` (one sync after it) and ``graphql`` (incremental, github.api graphql)."""
    return rows_before_and_after(
        tmp_path_factory,
        repo="acme/wfroll",
        deployments="{source: workflow_runs, workflow: deploy.yml}",
        build=build_rollback_by_rerun,
        change=rerun_old_run_then_fix,
        token=(TOKEN_VARIABLE, TOKEN),
    )


@pytest.mark.parametrize(
    "store",
    [
        "incremental",
        "graphql",
        "fresh",
    ],
)
def test_rollback_by_rerunning_an_old_successful_run(
    rerun_rows: dict[str, dict[str, Any]], store: str
) -> None:
    """acme/wfroll (team wfroll), workflow_runs of deploy.yml; ``incremental`` and ``graphql`` were
    synced before the re-run and again after it, ``fresh`` once after it: all three must agree (SPEC
    §5 "re-syncing updates it in place").

    W1 c0 ends 03-01 06:00 (first). W2 c1 (02 08:00) ends 02 10:00, W3 c2 (03 08:00) ends 03 10:00, W4
    c3 (04 08:00) ends 04 10:00. On 03-04 W2 is re-run to put c1 back: the same run, attempt 2,
    updated_at 04 12:00. W5 fix c4 (14:00) ends 15:00. What GitHub now says (SPEC §5.1: deployed_at =
    the run's updated_at): W1 06:00, W3 03 10:00, W4 04 10:00, W2 04 12:00, W5 04 15:00.
    * W3: compare(c0...c2) = c1 26 h, c2 2 h. W4: c3 2 h.
    * W2: c1 is an ancestor of c3: ``behind`` → a rollback of W4 (§5.2, §6.1 rule 2): W4 failed,
      recovered after 2 h; W2 rework.
    * W5: compare(c1...c4) = c2, c3, c4; c2, c3 shipped → c4 1 h.
    Deployments 5; lead 1, 2, 2, 26 → p50 2, p90 at 2.7: 2 + 0.7 × 24 = 18.8; CFR 1/5; recovery 2;
    rework 1/5. Bands: 5/30 high; 2 h elite; 20 % low; 2 h high.
    """
    check_row(
        rerun_rows[store],
        team="wfroll",
        deployments=5,
        lead=(2.0, 18.8),
        cfr=1 / 5,
        recovery=2.0,
        rework=1 / 5,
        stages=breakdown(),
        row_bands=bands("high", "elite", "low", "high"),
    )
