"""Audit, round 9, end to end: deployment sources × changes × the lead-time breakdown, where two or more
rules meet (SPEC §5.1 the four sources, §5.2 changes and their start, §5.3 the breakdown stages, §6.2).
Emulated GitHub → ``doraspace collect`` (REST and GraphQL) → ``doraspace metrics --format json``. Every
number is worked out by hand from SPEC's words in the test's docstring.

Not repeated here (sources ``acme/mpflow``, ``acme/relx``, ``acme/wfrerun``, ``acme/legacy``; pairs
``acme/mp``, ``acme/rel``; round 6 ``acme/stacked``; round 7 ``acme/stackmc``, ``acme/wfrel``; round 5
config inheritance): here the *first* merge of a merged_prs history is itself a rebase merge of three
commits, or a promotion of ``develop`` that also ships a PR merged into develop; an identical release
of the first release's commit and a rollback followed by a release that re-lists a PR's squash; two
successful deploy.yml runs of one commit finishing in the other order than they started; a stacked PR
squash-merged after its squash-merged base was deployed; and one team owning a repository that keeps
the module's default source beside one that overrides it.

The module's default source is ``github.deployments: {source: merged_prs}``. One emulated organisation
holds every scenario, each in its own repositories owned by its own team (config ``teams:``). It is
collected once per ``github.api`` mode into its own store and read with ``--as-of 2026-03-20T00:00:00Z``;
one window, 30d = (02-18 00:00, 03-20 00:00], holds everything, so the bands come from it (SPEC §6.3 "or
the longest configured"), dora-2023. ``github.since`` 2026-03-01. Times are March 2026 UTC,
``at(day, hour)``. No incident anywhere. Percentiles are ``percentile_cont``: p at position p × (n − 1)
of the sorted values. Whole 30d rows are asserted.

SPEC sentences the scenarios lean on:

* §5.1 "merged_prs: each PR merged into the default branch is a deployment at merged_at of its
  merge_commit_sha"; "workflow_runs: completed runs of workflow on the default branch with conclusion
  success; deployed_at = the run's updated_at"; "releases: published, non-draft, non-prerelease releases;
  deployed_at = published_at"; "Per repository, from its configured source".
* §5.2 "Deployments of one repo and environment are ordered by deployed_at"; "a commit is a change only
  of the first deployment that ships it"; "The first deployment in the collected history has unknown
  changes: it counts as a deployment but adds no lead times, and the PRs it ships have no deploy stage";
  "If D.sha is an ancestor of P.sha (compare status behind), D is a rollback: it has no changes. A
  redeploy of P.sha itself (identical) is a deployment with no changes and no rollback"; "A change's
  start is the earliest author date among the commits of the merged PR whose merge_commit_sha is the
  change's sha (a squash merge's commit; for a rebase merge only its last commit), else the commit's own
  author date".
* §5.3 coding (first commit → opened), pickup (opened → first review), review (first review → merged),
  deploy (merged → deployed_at of the deployment that shipped the merge commit); docs/metrics.md: "A PR
  is deployed by the first deployment with a known compare … whose compare contains the PR's merge
  commit"; "The first deployment of the collected history ships the PR whose merge commit is its own sha:
  that PR has its coding, pickup and review stages but no deploy stage … and no later deployment deploys
  it again"; the first review is by someone other than the author, at or before the merge.

Bands (dora-2023): frequency ≥ 1/day elite, ≥ 1/7 high, ≥ 1/30 medium; lead p50 < 24 h elite; CFR ≤ 5 %
elite, else (here) low; recovery p50 < 24 h high.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.analytics.facts import bands
from tests.emulators.github import GitHubDataset
from tests.github_scenarios import (
    APIS,
    AS_OF,
    Scenarios,
    at,
    breakdown,
    check_row,
    first_merged_pr,
    squash_merged_pr,
    started,
)

TOKEN_VARIABLE = "AUDIT_ROUND9_SOURCES_CHAINS_GITHUB_TOKEN"
TOKEN = "audit-round9-sources-chains-token"

CHAINS = Scenarios(github="deployments: {source: merged_prs}")
RELEASES = "{source: releases}"
WORKFLOW = "{source: workflow_runs, workflow: deploy.yml}"
DEPLOYMENTS = "{source: deployments}"


# ------------------------------------------------------------------------------------------- scenarios


@CHAINS.register(("acme/mprb", "mprb", None))
def build_first_merge_is_a_rebase_of_three(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/mprb")
    c0 = repo.commit("initial", author_date=at(1))
    # PR #1 (carol): three commits, the second authored first; rebase-merged as the first merge.
    b1 = repo.commit("b1", parents=[c0], author_date=at(1, 2), author_login="carol", branch="pr-1")
    b2 = repo.commit("b2", parents=[b1], author_date=at(1, 1), author_login="carol", branch="pr-1")
    b3 = repo.commit("b3", parents=[b2], author_date=at(1, 3), author_login="carol", branch="pr-1")
    *_, r3 = repo.rebase_merge([b1, b2, b3], c0, date=at(1, 6))
    repo.pull(
        number=1,
        title="Three steps",
        author="carol",
        created_at=at(1, 4),
        commits=[b1, b2, b3],
        merged_at=at(1, 6),
        merge_commit_sha=r3,
        reviews=[("dave", "COMMENTED", at(1, 5))],
    )
    assert repo.branches["main"] == r3
    # PR #2 (erin) from r3: e1 02 08:00, e2 (its child) authored 06:00; meanwhile a direct push d.
    e1 = repo.commit("e1", parents=[r3], author_date=at(2, 8), author_login="erin", branch="pr-2")
    e2 = repo.commit("e2", parents=[e1], author_date=at(2, 6), author_login="erin", branch="pr-2")
    d = repo.commit("direct push", author_date=at(2, 7))
    s2 = squash_merged_pr(
        repo,
        [e1, e2],
        d,
        number=2,
        title="Squashed",
        author="erin",
        created_at=at(2, 8.5),
        merged_at=at(2, 10),
        reviews=[("frank", "APPROVED", at(2, 9))],
    )
    # PR #3 (carol): rebase of three again, the middle one authored first; reviewed by its author
    # before the merge and by dave only after it.
    g1 = repo.commit("g1", parents=[s2], author_date=at(3, 4), author_login="carol", branch="pr-3")
    g2 = repo.commit("g2", parents=[g1], author_date=at(3, 2), author_login="carol", branch="pr-3")
    g3 = repo.commit("g3", parents=[g2], author_date=at(3, 5), author_login="carol", branch="pr-3")
    *_, h3 = repo.rebase_merge([g1, g2, g3], s2, date=at(3, 8))
    repo.pull(
        number=3,
        title="Three more",
        author="carol",
        created_at=at(3, 5.5),
        commits=[g1, g2, g3],
        merged_at=at(3, 8),
        merge_commit_sha=h3,
        reviews=[("carol", "COMMENTED", at(3, 6)), ("dave", "APPROVED", at(3, 9))],
    )


@CHAINS.register(("acme/mpdev", "mpdev", None))
def build_first_merge_is_a_promotion_of_develop(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/mpdev")
    c0 = repo.commit("initial", author_date=at(1))
    a1 = repo.commit("a1", parents=[c0], author_date=at(1, 2), author_login="alice", branch="pr-1")
    sd = repo.commit(
        "Feature (#1)", parents=[c0], author_date=at(1, 5), author_login="alice", branch="develop"
    )
    repo.pull(
        number=1,
        title="Feature",
        author="alice",
        created_at=at(1, 3),
        commits=[a1],
        merged_at=at(1, 5),
        merge_commit_sha=sd,
        reviews=[("bob", "APPROVED", at(1, 4))],
        base="develop",
    )
    mp = repo.merge_commit(c0, sd, "Merge pull request #2 from acme/develop\n\nRelease", at(1, 7))
    repo.pull(
        number=2,
        title="Release",
        author="bob",
        created_at=at(1, 5.5),
        commits=[sd],
        merged_at=at(1, 7),
        merge_commit_sha=mp,
        reviews=[("carol", "APPROVED", at(1, 6))],
    )
    f1 = repo.commit("f1", parents=[mp], author_date=at(2, 6), author_login="alice", branch="pr-3")
    s3 = squash_merged_pr(
        repo, [f1], mp, number=3, title="Fix", author="alice", created_at=at(2, 7), merged_at=at(2, 8)
    )
    g1 = repo.commit("g1", parents=[sd], author_date=at(2, 9), author_login="alice", branch="pr-4")
    sd2 = repo.commit(
        "More (#4)", parents=[sd], author_date=at(2, 11), author_login="alice", branch="develop"
    )
    repo.pull(
        number=4,
        title="More",
        author="alice",
        created_at=at(2, 10),
        commits=[g1],
        merged_at=at(2, 11),
        merge_commit_sha=sd2,
        base="develop",
    )
    mp2 = repo.merge_commit(s3, sd2, "Merge pull request #5 from acme/develop\n\nRelease 2", at(2, 13))
    repo.pull(
        number=5,
        title="Release 2",
        author="bob",
        created_at=at(2, 12),
        commits=[sd2],
        merged_at=at(2, 13),
        merge_commit_sha=mp2,
    )


@CHAINS.register(("acme/relsame", "relsame", RELEASES))
def build_releases_identical_first_then_rollback_and_relist(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/relsame")
    c0 = repo.commit("initial", author_date=at(1))
    q1 = repo.commit("q1", parents=[c0], author_date=at(1, 2), author_login="alice", branch="pr-1")
    s1 = squash_merged_pr(
        repo,
        [q1],
        c0,
        number=1,
        title="Init",
        author="alice",
        created_at=at(1, 3),
        merged_at=at(1, 5),
        reviews=[("bob", "APPROVED", at(1, 4))],
    )
    a1 = repo.commit("a1", parents=[s1], author_date=at(2, 5), author_login="alice", branch="pr-2")
    s2 = squash_merged_pr(
        repo,
        [a1],
        s1,
        number=2,
        title="Feature",
        author="alice",
        created_at=at(2, 7),
        merged_at=at(2, 9),
        reviews=[("bob", "APPROVED", at(2, 8))],
    )
    d1 = repo.commit("d1", parents=[s2], author_date=at(3, 6), author_login="dave", branch="pr-3")
    s3 = squash_merged_pr(
        repo, [d1], s2, number=3, title="Risky", author="dave", created_at=at(3, 7), merged_at=at(3, 8)
    )
    e1 = repo.commit("e1", parents=[s3], author_date=at(4, 6), author_login="dave", branch="pr-4")
    s4 = squash_merged_pr(
        repo,
        [e1],
        s3,
        number=4,
        title="Fix forward",
        author="dave",
        created_at=at(4, 7),
        merged_at=at(4, 8),
        reviews=[("erin", "APPROVED", at(4, 7.5))],
    )
    repo.tags.update({"v1.0.0": s1, "v1.0.1": s1, "v1.1.0": s2, "v1.2.0": s3, "v1.1.1": s2, "v1.3.0": s4})
    repo.release("v1.0.0", created_at=at(1, 5.5), published_at=at(1, 6))  # R1 first
    repo.release("v1.0.1", created_at=at(1, 11), published_at=at(1, 12))  # R2 the same commit
    repo.release("v1.1.0", created_at=at(2, 11), published_at=at(2, 12))  # R3
    repo.release("v1.2.0", created_at=at(3, 9), published_at=at(3, 10))  # R4
    repo.release("v1.1.1", created_at=at(3, 13), published_at=at(3, 14))  # R5 an older commit
    repo.release("v1.3.0", created_at=at(4, 11), published_at=at(4, 12))  # R6


@CHAINS.register(("acme/wfsame", "wfsame", WORKFLOW))
def build_two_runs_of_one_commit_finishing_out_of_order(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/wfsame")
    c0 = repo.commit("initial", author_date=at(1))
    repo.workflow_run(c0, created_at=at(1, 5), updated_at=at(1, 6))  # W1 first
    a1 = repo.commit("a1", parents=[c0], author_date=at(2, 6), author_login="alice", branch="pr-2")
    # deploy.yml green on the PR's branch: not the default branch.
    repo.workflow_run(a1, branch="pr-2", event="pull_request", created_at=at(2, 7.5), updated_at=at(2, 8))
    s2 = squash_merged_pr(
        repo,
        [a1],
        c0,
        number=2,
        title="Feature",
        author="alice",
        created_at=at(2, 7),
        merged_at=at(2, 9),
        reviews=[("bob", "APPROVED", at(2, 8))],
    )
    repo.workflow_run(s2, workflow="ci.yml", created_at=at(2, 9 + 5 / 60), updated_at=at(2, 9.5))
    # Wa (push) starts first and ends 11:00; Wb (workflow_dispatch) starts later and ends 10:00.
    repo.workflow_run(s2, created_at=at(2, 9 + 10 / 60), updated_at=at(2, 11))
    repo.workflow_run(s2, event="workflow_dispatch", created_at=at(2, 9 + 20 / 60), updated_at=at(2, 10))
    x = repo.commit("experiment", parents=[s2], author_date=at(3, 9), branch="experiment")
    repo.workflow_run(x, branch="experiment", created_at=at(3, 9.5), updated_at=at(3, 10))
    c3 = repo.commit("direct push", author_date=at(3, 7))
    repo.workflow_run(c3, workflow="ci.yml", created_at=at(3, 10.5), updated_at=at(3, 11))
    repo.workflow_run(c3, created_at=at(3, 11), updated_at=at(3, 12))  # W4


@CHAINS.register(("acme/stk", "stk", DEPLOYMENTS))
def build_stacked_squash_after_its_squashed_base_was_deployed(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/stk")
    c0 = started(repo, at(1, 6))  # D1 first
    a1 = repo.commit("a1", parents=[c0], author_date=at(2, 4), author_login="alice", branch="pr-2")
    a2 = repo.commit("a2", parents=[a1], author_date=at(2, 6), author_login="alice", branch="pr-2")
    s2 = squash_merged_pr(
        repo,
        [a1, a2],
        c0,
        number=2,
        title="Base",
        author="alice",
        created_at=at(2, 6.5),
        merged_at=at(2, 8),
        reviews=[("bob", "APPROVED", at(2, 7))],
    )
    repo.deployment(s2, created_at=at(2, 10))  # D2
    b1 = repo.commit("b1", parents=[a2], author_date=at(2, 9), author_login="carol", branch="pr-3")
    # Stacked on pr-2, retargeted to main: GitHub lists a1, a2 (not on main: s2 is their squash), b1.
    s3 = squash_merged_pr(
        repo,
        [a1, a2, b1],
        s2,
        number=3,
        title="Follow-up",
        author="carol",
        created_at=at(2, 9.5),
        merged_at=at(3, 9),
        labels=["hotfix"],
        reviews=[("dave", "APPROVED", at(3, 8))],
    )
    repo.deployment(s3, created_at=at(3, 12))  # D3


@CHAINS.register(("acme/duo-def", "duo", None), ("acme/duo-rel", "duo", RELEASES))
def build_one_team_default_and_override(dataset: GitHubDataset) -> None:
    default = dataset.add_repo("acme/duo-def")
    _, s1 = first_merged_pr(default)  # M1 at 01 06:00
    default.deployment(s1, created_at=at(1, 7))  # another source: ignored
    p1 = default.commit("p1", parents=[s1], author_date=at(2, 5), author_login="alice", branch="pr-2")
    s2 = squash_merged_pr(
        default,
        [p1],
        s1,
        number=2,
        title="Feature",
        author="alice",
        created_at=at(2, 6),
        merged_at=at(2, 8),
        reviews=[("bob", "APPROVED", at(2, 7))],
    )
    default.tags["v1"] = s2
    default.release("v1", created_at=at(2, 11), published_at=at(2, 11))  # another source: ignored
    default.deployment(s2, created_at=at(2, 12))  # another source: ignored

    override = dataset.add_repo("acme/duo-rel")
    t0 = override.commit("initial", author_date=at(1))
    r1 = override.commit("r1", parents=[t0], author_date=at(2, 3), author_login="bob", branch="pr-1")
    t1 = squash_merged_pr(
        override, [r1], t0, number=1, title="Fix", author="bob", created_at=at(2, 5), merged_at=at(2, 6)
    )
    override.deployment(t1, created_at=at(2, 7))  # another source: ignored
    override.tags.update({"v1": t0, "v2": t1})
    override.release("v1", created_at=at(1, 5), published_at=at(1, 6))  # V1 first
    override.release("v2", created_at=at(2, 15), published_at=at(2, 16))  # V2


# ------------------------------------------------------------------------------------------- pipeline


@pytest.fixture(scope="module")
def metrics_by_api(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, Any]]]:
    return CHAINS.collect(tmp_path_factory, TOKEN_VARIABLE, TOKEN, AS_OF)


@pytest.fixture(params=APIS)
def team_rows(
    request: pytest.FixtureRequest, metrics_by_api: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    return metrics_by_api[request.param]


# ------------------------------------------------------------------------------------------- the tests


def test_merged_prs_history_starting_with_a_rebase_of_three_then_a_squash_and_another_rebase(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/mprb (team mprb), the module's default source merged_prs.

    * PR #1 (carol): b1 03-01 02:00, b2 (child of b1) 01:00, b3 03:00; opened 04:00; dave comments
      05:00; rebase-merged 06:00 as r1, r2, r3 (merge_commit_sha r3) → M1 at 01 06:00, the first
      deployment: unknown changes, no lead times; PR #1 has coding from its earliest commit b2 01:00 →
      04:00 = 3 (from the first listed, b1: 2), pickup 1, review 1 and no deploy stage.
    * A direct push d (02 07:00) lands on main. PR #2 (erin): e1 02 08:00, e2 (child) 06:00, opened
      08:30, frank approves 09:00, squash-merged onto d at 10:00 as s2 → M2 at 02 10:00:
      compare(r3...s2) = d, s2 → d its own date, 3 h; s2 PR #2's earliest, e2 06:00 → 4 h.
      PR #2: coding 06:00 → 08:30 = 2.5, pickup 0.5, review 1, deploy 0.
    * PR #3 (carol): g1 03 04:00, g2 (child) 02:00, g3 05:00; opened 05:30; reviewed by carol herself
      06:00 (not a first review) and by dave only at 09:00, after the merge (not one either);
      rebase-merged 08:00 as h1, h2, h3 → M3 at 03 08:00: h1 own 04:00 → 4 h, h2 own 02:00 → 6 h, h3
      (the merge_commit_sha) PR #3's earliest, g2 02:00 → 6 h. PR #3: coding 02:00 → 05:30 = 3.5, no
      pickup or review, deploy 0.
    Deployments 3; lead 3, 4, 4, 6, 6 → p50 4; p90 at 3.6: 6. CFR 0; rework 0.
    Breakdown: coding (3, 2.5, 3.5) → 3.0; pickup (1, 0.5) → 0.75; review (1, 1) → 1.0; deploy (0, 0)
    → 0.0.
    Bands: 3/30 = 0.1 medium; 4 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["mprb"],
        team="mprb",
        deployments=3,
        lead=(4.0, 6.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=3.0, pickup=0.75, review=1.0, deploy=0.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_merged_prs_history_starting_with_a_promotion_of_develop(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/mpdev (team mpdev), the module's default source merged_prs.

    * PR #1 (alice; a1 03-01 02:00, opened 03:00, bob approves 04:00) squash-merged into ``develop`` at
      05:00 as sd (authored 05:00): not into the default branch, no deployment.
    * PR #2 (bob, develop → main, lists sd; opened 05:30, carol approves 06:00) merged 07:00 with merge
      commit mp = merge(c0, sd) → M1 at 01 07:00, the first deployment: unknown changes. PR #2, whose
      merge commit is M1's own sha, has coding sd 05:00 → 05:30 = 0.5, pickup 0.5, review 1, no deploy
      stage. PR #1's sd is shipped by M1 too, but "Other PRs it may ship are unknown" (docs/metrics.md):
      PR #1 is in no median (were it: pickup (0.5, 1) 0.75; deploy 05:00 → 07:00 = 2).
    * PR #3 (alice; f1 02 06:00, opened 07:00, no review) squash-merged onto mp at 08:00 as s3 → M2:
      compare(mp...s3) = s3 from f1 → 2 h. PR #3: coding 1, deploy 0.
    * PR #4 (alice; g1 02 09:00, opened 10:00, no review) squash-merged into develop at 11:00 as sd2.
      PR #5 (bob, develop → main, lists sd2; opened 12:00, no review) merged 13:00 with merge commit
      mp2 = merge(s3, sd2) → M3 at 02 13:00: compare(s3...mp2) = sd2, mp2 (sd is reachable from s3);
      sd2, PR #4's merge_commit_sha, starts at g1 → 4 h; mp2 no change. PR #4 deployed by M3: coding 1,
      deploy 11:00 → 13:00 = 2; PR #5: coding sd2 11:00 → 12:00 = 1, deploy 0.
    Deployments 3; lead 2, 4 → p50 3, p90 3.8. CFR 0; rework 0.
    Breakdown: coding (0.5, 1, 1, 1) → 1.0; pickup 0.5; review 1.0; deploy (0, 2, 0) → 0.0.
    Bands: 3/30 medium; 3 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["mpdev"],
        team="mpdev",
        deployments=3,
        lead=(3.0, 3.8),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=1.0, pickup=0.5, review=1.0, deploy=0.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_releases_identical_to_the_first_then_rollback_and_a_release_relisting_a_squash(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/relsame (team relsame), source releases.

    PR #1 (alice; q1 03-01 02:00, opened 03:00, bob approves 04:00) squash-merged 05:00 as s1.
    R1 v1.0.0 (s1) published 01 06:00: first, unknown changes; PR #1 ships with it → coding 1, pickup 1,
    review 1, no deploy stage. R2 v1.0.1, another tag on the same commit s1, published 12:00:
    ``identical``, no changes, no rollback, and it does not deploy PR #1 (were it: deploy 7).
    PR #2 (alice; a1 02 05:00, opened 07:00, bob approves 08:00) squash-merged 09:00 as s2. R3 v1.1.0
    (s2) published 02 12:00: compare(s1...s2) = s2 from a1 → 7 h. PR #2: coding 2, pickup 1, review 1,
    deploy 3.
    PR #3 (dave; d1 03 06:00, opened 07:00, no review) squash-merged 08:00 as s3. R4 v1.2.0 (s3)
    published 03 10:00: s3 from d1 → 4 h. PR #3: coding 1, deploy 2.
    R5 v1.1.1 (s2, older) published 03 14:00: compare(s3...s2) ``behind`` → rollback of R4: R4 failed,
    recovered at 14:00 → 4 h; R5 rework.
    PR #4 (dave; e1 04 06:00, opened 07:00, erin approves 07:30) squash-merged onto s3 at 08:00 as s4.
    R6 v1.3.0 (s4) published 04 12:00: compare(s2...s4) = s3, s4; s3 was R4's change → only s4, from
    e1 → 6 h. PR #3 stays deployed by R4 (were it R6's too: deploy 28). PR #4: coding 1, pickup 0.5,
    review 0.5, deploy 4.
    Deployments 6; lead 4, 6, 7 → p50 6; p90 at 1.8: 6 + 0.8 × 1 = 6.8. CFR 1/6; recovery 4; rework 1/6.
    Breakdown: coding (1, 2, 1, 1) → 1.0; pickup (1, 1, 0.5) → 1.0; review (1, 1, 0.5) → 1.0; deploy
    (3, 2, 4) → 3.0 (with R2 deploying PR #1: 3.5).
    Bands: 6/30 = 0.2 high; 6 h elite; 16.7 % low; 4 h high.
    """
    check_row(
        team_rows["relsame"],
        team="relsame",
        deployments=6,
        lead=(6.0, 6.8),
        cfr=1 / 6,
        recovery=4.0,
        rework=1 / 6,
        stages=breakdown(coding=1.0, pickup=1.0, review=1.0, deploy=3.0),
        row_bands=bands("high", "elite", "low", "high"),
    )


def test_workflow_runs_two_runs_of_one_commit_order_by_their_end_beside_other_branches_and_workflows(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/wfsame (team wfsame), source workflow_runs of deploy.yml.

    W1 c0 ends 03-01 06:00 (first). PR #2 (alice; a1 02 06:00, opened 07:00, bob approves 08:00);
    deploy.yml green on branch pr-2 (a1, ends 08:00): not the default branch, no deployment. Squash-merged
    09:00 as s2. ci.yml green on s2 (09:30): another workflow. Two deploy.yml runs of s2 on main: Wa
    created 09:10 ends 11:00, Wb (workflow_dispatch) created 09:20 ends 10:00. deployed_at is the run's
    updated_at, so Wb (10:00) comes first: compare(c0...s2) = s2, from a1 → 4 h; Wa (11:00) redeploys s2
    (``identical``): no change, no rollback. PR #2 is deployed by Wb: coding 1, pickup 1, review 1, deploy
    1 (ordered by creation: lead 5, deploy 2).
    deploy.yml green on branch ``experiment`` (x, child of s2, ends 03 10:00): no deployment. Direct push
    c3 (03 07:00); ci.yml green on it 11:00; W4 deploy.yml of c3 ends 12:00: compare(s2...c3) = c3 → 5 h.
    Deployments 4 (W1, Wb, Wa, W4); lead 4, 5 → p50 4.5, p90 4.9. CFR 0; rework 0.
    Bands: 4/30 ≈ 0.133 < 1/7 → medium; 4.5 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["wfsame"],
        team="wfsame",
        deployments=4,
        lead=(4.5, 4.9),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=1.0, pickup=1.0, review=1.0, deploy=1.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_deployments_stacked_squash_after_its_squashed_base_was_deployed(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/stk (team stk), ``{source: deployments}`` overriding the module's merged_prs: its merged PRs
    are no deployments.

    D1 c0 03-01 06:00 (first). PR #2 (alice; a1 02 04:00, a2 06:00; opened 06:30; bob approves 07:00)
    squash-merged 08:00 as s2. D2 s2 at 02 10:00: s2 from a1 → 6 h. PR #2: coding 04:00 → 06:30 = 2.5,
    pickup 0.5, review 1, deploy 2.
    PR #3 (carol, label hotfix) stacked on pr-2: b1 (child of a2) 02 09:00, opened 09:30; retargeted to
    main, GitHub lists a1, a2, b1; dave approves 03 08:00; squash-merged 09:00 as s3. D3 s3 at 03 12:00:
    compare(s2...s3) = s3, PR #3's merge_commit_sha → the earliest author date among PR #3's commits,
    a1 02 04:00 → 32 h (from b1: 27) — §5.2's words, though a1's work already went out in D2.
    PR #3: coding a1 04:00 → 09:30 = 5.5, pickup 09:30 → 03 08:00 = 22.5, review 1, deploy 3.
    Rework: D3 ships s3, the squash of the hotfix PR #3 → rework. D2's change s2 is PR #2's (unlabelled);
    PR #3 lists a1 and a2, but neither is a change of any deployment → D2 not rework. 1/3.
    Deployments 3; lead 6, 32 → p50 19, p90 6 + 0.9 × 26 = 29.4. CFR 0.
    Breakdown: coding (2.5, 5.5) 4.0; pickup (0.5, 22.5) 11.5; review 1.0; deploy (2, 3) 2.5.
    Bands: 3/30 medium; 19 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["stk"],
        team="stk",
        deployments=3,
        lead=(19.0, 29.4),
        cfr=0.0,
        recovery=None,
        rework=1 / 3,
        stages=breakdown(coding=4.0, pickup=11.5, review=1.0, deploy=2.5),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_one_team_with_a_repository_on_the_default_source_and_one_overriding_it(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """Team duo owns acme/duo-def (listed by name: the module's default, merged_prs) and acme/duo-rel
    (``{source: releases}``). Each also carries signals of the other sources, which are not its source
    (§5.1 "Per repository, from its configured source").

    acme/duo-def: PR #1 (alice; q1 03-01 02:00, opened 03:00, no review) squash-merged 06:00 as s1 → M1,
    first: PR #1 coding 1, no deploy stage. PR #2 (alice; p1 02 05:00, opened 06:00, bob approves 07:00)
    squash-merged 08:00 as s2 → M2 at 02 08:00: s2 from p1 → 3 h; PR #2 coding 1, pickup 1, review 1,
    deploy 0. Ignored: GitHub production deployments of s1 (01 07:00) and s2 (02 12:00: would give
    lead 7, deploy 4) and release v1 of s2 (02 11:00).
    acme/duo-rel: V1 v1 (t0) published 01 06:00, first. PR #1 (bob; r1 02 03:00, opened 05:00, no
    review) squash-merged 06:00 as t1 (as merged_prs, a deployment at 06:00: ignored, as is the GitHub
    deployment of t1 at 07:00). V2 v2 (t1) published 02 16:00: t1 from r1 → 13 h; PR #1 coding 2,
    deploy 10.
    Team duo: deployments 2 + 2 = 4; lead 3, 13 → p50 8, p90 3 + 0.9 × 10 = 12. CFR 0; rework 0.
    Breakdown: coding (1, 1, 2) → 1.0; pickup 1.0; review 1.0; deploy (0, 10) → 5.0.
    Bands: 4/30 medium; 8 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["duo"],
        team="duo",
        deployments=4,
        lead=(8.0, 12.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=1.0, pickup=1.0, review=1.0, deploy=5.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_the_organisation_row_pools_every_source(team_rows: dict[str, dict[str, Any]]) -> None:
    """Team ``*`` over the seven repositories, four sources.

    Deployments mprb 3 + mpdev 3 + relsame 6 + wfsame 4 + stk 3 + duo 4 = 23 → 23/30 a day (high).
    Failed: R4 of relsame → CFR 1/23 ≈ 4.3 % (elite); recovery 4 h (high). Rework: relsame R5, stk D3 →
    2/23.
    Lead times (16): mprb 3, 4, 4, 6, 6; mpdev 2, 4; relsame 4, 6, 7; wfsame 4, 5; stk 6, 32; duo 3, 13
    → sorted 2 (0), 3 ×2 (1–2), 4 ×5 (3–7), 5 (8), 6 ×4 (9–12), 7 (13), 13 (14), 32 (15) → p50 at 7.5:
    (4 + 5) / 2 = 4.5; p90 at 13.5: 7 + 0.5 × 6 = 10.0.
    Breakdown (coding, pickup, review, deploy): mprb #1 (3, 1, 1, -), #2 (2.5, 0.5, 1, 0), #3 (3.5, -,
    -, 0); mpdev #2 (0.5, 0.5, 1, -), #3 (1, -, -, 0), #4 (1, -, -, 2), #5 (1, -, -, 0); relsame #1 (1,
    1, 1, -), #2 (2, 1, 1, 3), #3 (1, -, -, 2), #4 (1, 0.5, 0.5, 4); wfsame #2 (1, 1, 1, 1); stk #2 (2.5,
    0.5, 1, 2), #3 (5.5, 22.5, 1, 3); duo-def #1 (1, -, -, -), #2 (1, 1, 1, 0); duo-rel #1 (2, -, -, 10).
    Coding (17): 0.5, 1 ×9, 2 ×2, 2.5 ×2, 3, 3.5, 5.5 → 9th: 1.0. Pickup (10): 0.5 ×4, 1 ×5, 22.5 →
    (1 + 1) / 2 = 1.0. Review (10): 0.5, 1 ×9 → 1.0. Deploy (13): 0 ×5, 1, 2 ×3, 3 ×2, 4, 10 → 7th: 2.0.
    Bands: 0.767 a day high; 4.5 h elite; 4.3 % elite; 4 h high.
    """
    check_row(
        team_rows["*"],
        team="*",
        deployments=23,
        lead=(4.5, 10.0),
        cfr=1 / 23,
        recovery=4.0,
        rework=2 / 23,
        stages=breakdown(coding=1.0, pickup=1.0, review=1.0, deploy=2.0),
        row_bands=bands("high", "elite", "elite", "high"),
    )
