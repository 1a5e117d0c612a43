"""Audit, round 7, end to end: branch topologies where two or more rules meet — stacked pull requests,
a release branch merged back to main, a PR retargeted from a release branch, one commit shipped by two
repositories, the three merge strategies in one deployment (SPEC §5.1–§5.3, §6.1, §6.2 lead time and
its breakdown, rework). Emulated GitHub → ``doraspace collect`` (REST and GraphQL) → ``doraspace
metrics --format json``. Every number is worked out by hand in the test's docstring.

Not repeated here (round 6 ``acme/stacked``, ``acme/backport``, ``acme/mergemain``, ``acme/viabranch``;
histories ``acme/rbsq``; pairs ``acme/hotfix``, ``acme/promo``; analytics-level mirrors in
``test_audit_breakdown_pairs`` and ``test_audit_round5_lead``): a stacked PR squash-merged after its base
was rebase-merged, a cherry-pick onto a release branch, a merge-commit PR whose branch merged main.

One emulated organisation holds every scenario, each in its own repository owned by the team of its
short name (config ``teams:``). It is collected once per ``github.api`` mode into its own store and read
with ``--as-of 2026-03-20T00:00:00Z``; one window, 30d = (02-18 00:00, 03-20 00:00], holds every
deployment below, so the bands come from it (SPEC §6.3 "or the longest configured"), dora-2023.
``github.since`` is 2026-03-01; attribution window 24 h; rework and incident labels the defaults. Times
are March 2026 UTC, ``at(day, hour)``. Every repository's first deployment has compare ``first`` (no
lead times, §5.2). Percentiles are ``percentile_cont``: p at position p × (n − 1) of the sorted values.
Whole 30d rows are asserted.

Bands (dora-2023): frequency n/30 ≥ 1/7 (n ≥ 5) high, ≥ 1/30 medium; lead p50 < 24 h elite, < 168 h
high; CFR ≤ 5 % elite, else (> 15 %) low here; recovery p50 < 24 h high, < 168 h medium.

SPEC sentences the scenarios lean on:

* §5.2 "D's changes are the non-merge commits (one parent or none) in compare(P.sha...D.sha) that no
  earlier deployment shipped"; "If D.sha is an ancestor of P.sha (compare status behind), D is a
  rollback" (only then: ``diverged`` is no rollback).
* §5.2 "A change's start is the earliest author date among the commits of the merged PR whose
  merge_commit_sha is the change's sha (a squash merge's commit; for a rebase merge only its last
  commit), else the commit's own author date."
* §5.3 the breakdown stages; docs/metrics.md "A PR is deployed by the first deployment with a known
  compare … whose compare contains the PR's merge commit (merge commits count here)", "A stage of
  exactly 0 is kept", the first deployment's own PR has no deploy stage.
* §6.1 rule 1 (explicit: "begins the sha of a change of F"), rule 3 (docs: "a later deployment of the
  same repository ships … a commit whose message says This reverts commit <sha> for one of F's
  changes"), rule 4 ("an incident with no explicit link"; docs: "A hex word that begins no change's sha
  links nothing").
* §6.2 rework: "contains a change from a PR labelled with a rework.labels label, or was deployed while an
  incident of its service was open"; docs: "A change belongs to a PR when it is one of the PR's commits
  or the commit its squash or rebase merge produced. A merge commit is no change".
* A PR's commits are what GitHub lists for it: the commits of its head branch not reachable from its
  base. After a stacked PR is retargeted to main, commits of its former base that main holds only as
  squashed or rebased copies are still listed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.analytics.facts import bands
from tests.emulators.github import GitHubDataset, RepoData
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

TOKEN_VARIABLE = "AUDIT_ROUND7_BRANCHES_GITHUB_TOKEN"
TOKEN = "audit-round7-branches-token"

BRANCHES = Scenarios()


def scenario(
    repo_name: str, source: str | None = None
) -> Callable[[Callable[[RepoData], None]], Callable[[RepoData], None]]:
    """Register a builder of repository ``repo_name`` (deployments config ``source``, default GitHub
    Deployments in production), owned by the team of its short name."""

    def register(builder: Callable[[RepoData], None]) -> Callable[[RepoData], None]:
        BRANCHES.register((repo_name, repo_name.split("/")[1], source))(
            lambda dataset: builder(dataset.add_repo(repo_name))
        )
        return builder

    return register


# ------------------------------------------------------------------------------------------- scenarios


@scenario("acme/stackin")
def build_stacked_pr_squashed_into_its_base_branch_then_base_merge_committed(repo: RepoData) -> None:
    c0 = started(repo, at(1, 6))  # D1 first
    a1 = repo.commit("a1", parents=[c0], author_date=at(2, 6), author_login="alice", branch="pr-2")
    b1 = repo.commit("b1", parents=[a1], author_date=at(2, 8), author_login="bob", branch="pr-3")
    # PR #3 (base pr-2) squash-merged into pr-2: sb, a child of a1, moves pr-2.
    sb = repo.squash_merge([b1], a1, "Stacked fix (#3)", at(2, 11))
    repo.branches["pr-2"] = sb
    assert repo.branches["main"] == c0
    repo.pull(
        number=3,
        title="Stacked fix",
        author="bob",
        created_at=at(2, 9),
        commits=[b1],
        merged_at=at(2, 11),
        merge_commit_sha=sb,
        labels=["hotfix"],
        reviews=[("alice", "APPROVED", at(2, 10))],
        base="pr-2",
    )
    m2 = repo.merge_commit(c0, sb, "Merge pull request #2 from acme/pr-2\n\nBase", at(2, 13))
    repo.pull(
        number=2,
        title="Base",
        author="alice",
        created_at=at(2, 7),
        commits=[a1, sb],
        merged_at=at(2, 13),
        merge_commit_sha=m2,
        reviews=[("carol", "APPROVED", at(2, 12))],
    )
    repo.deployment(m2, created_at=at(2, 14))  # D2
    g = repo.commit("g", author_date=at(3, 8))
    repo.deployment(g, created_at=at(3, 9))  # D3


@scenario("acme/stacksq")
def build_stacked_pr_merge_committed_into_its_base_branch_then_base_squashed(repo: RepoData) -> None:
    c0 = started(repo, at(1, 6))  # D1 first
    a1 = repo.commit("a1", parents=[c0], author_date=at(2, 6), author_login="alice", branch="pr-2")
    # bob's commit, rebased onto a1, keeps its earlier author date.
    b1 = repo.commit("b1", parents=[a1], author_date=at(2, 4), author_login="bob", branch="pr-3")
    mb = repo.merge_commit(a1, b1, "Merge pull request #3 from acme/pr-3\n\nStacked", at(2, 10))
    repo.branches["pr-2"] = mb
    assert repo.branches["main"] == c0
    repo.pull(
        number=3,
        title="Stacked",
        author="bob",
        created_at=at(2, 8),
        commits=[b1],
        merged_at=at(2, 10),
        merge_commit_sha=mb,
        reviews=[("alice", "APPROVED", at(2, 9))],
        base="pr-2",
    )
    squash_merged_pr(
        repo,
        [a1, b1, mb],
        c0,
        number=2,
        title="Base",
        author="alice",
        created_at=at(2, 7),
        merged_at=at(2, 12),
        reviews=[("carol", "APPROVED", at(2, 11))],
    )
    repo.deployment(repo.branches["main"], created_at=at(2, 14))  # D2
    g = repo.commit("g", author_date=at(3, 8))
    repo.deployment(g, created_at=at(3, 9))  # D3


@scenario("acme/stackmc")
def build_stacked_pr_retargeted_after_squash_then_merge_committed(repo: RepoData) -> None:
    c0 = started(repo, at(1, 6))  # D1 first
    a1 = repo.commit("a1", parents=[c0], author_date=at(2, 6), author_login="alice", branch="pr-2")
    b1 = repo.commit("b1", parents=[a1], author_date=at(2, 8.5), author_login="carol", branch="pr-3")
    s2 = squash_merged_pr(
        repo,
        [a1],
        c0,
        number=2,
        title="Base",
        author="alice",
        created_at=at(2, 7),
        merged_at=at(2, 9),
        reviews=[("bob", "APPROVED", at(2, 8))],
    )
    repo.deployment(s2, created_at=at(2, 10))  # D2
    m3 = repo.merge_commit(s2, b1, "Merge pull request #3 from acme/pr-3\n\nOn top", at(3, 10))
    repo.pull(
        number=3,
        title="On top",
        author="carol",
        created_at=at(2, 8.75),
        commits=[a1, b1],  # retargeted to main: a1 is not on main (s2 is its squash)
        merged_at=at(3, 10),
        merge_commit_sha=m3,
        reviews=[("dave", "APPROVED", at(3, 8))],
    )
    repo.deployment(m3, created_at=at(3, 12))  # D3
    g = repo.commit("g", author_date=at(3, 13))
    repo.deployment(g, created_at=at(3, 14))  # D4


@scenario("acme/threeway")
def build_merge_rebase_and_squash_in_one_deployment(repo: RepoData) -> None:
    c0 = started(repo, at(1, 6))  # D1 first
    b1 = repo.commit("b1", parents=[c0], author_date=at(2, 4), author_login="alice", branch="pr-2")
    b2 = repo.commit("b2", parents=[b1], author_date=at(2, 5), author_login="alice", branch="pr-2")
    m2 = repo.merge_commit(c0, b2, "Merge pull request #2 from acme/pr-2\n\nFix totals", at(2, 8))
    repo.pull(
        number=2,
        title="Fix totals",
        author="alice",
        created_at=at(2, 6),
        commits=[b1, b2],
        merged_at=at(2, 8),
        merge_commit_sha=m2,
        labels=["hotfix"],
        reviews=[("bob", "APPROVED", at(2, 7))],
    )
    e1 = repo.commit("e1", parents=[c0], author_date=at(2, 3), author_login="carol", branch="pr-3")
    e2 = repo.commit("e2", parents=[e1], author_date=at(2, 6), author_login="carol", branch="pr-3")
    r1, r2 = repo.rebase_merge([e1, e2], m2, date=at(2, 9))
    assert repo.commits[r1]["commit"]["author"]["date"] == "2026-03-02T03:00:00Z"
    repo.pull(
        number=3,
        title="Refactor",
        author="carol",
        created_at=at(2, 6.5),
        commits=[e1, e2],
        merged_at=at(2, 9),
        merge_commit_sha=r2,
        reviews=[("dave", "COMMENTED", at(2, 7.5))],
    )
    q1 = repo.commit("q1", parents=[c0], author_date=at(2, 2), author_login="erin", branch="pr-4")
    s4 = squash_merged_pr(
        repo, [q1], r2, number=4, title="Tidy", author="erin", created_at=at(2, 5), merged_at=at(2, 10)
    )
    repo.deployment(s4, created_at=at(2, 12))  # D2
    g = repo.commit("g", author_date=at(2, 14))
    repo.deployment(g, created_at=at(2, 15))  # D3
    repo.issue(
        title="Totals wrong",
        body=f"root cause: {m2[:10]}",
        created_at=at(2, 16),
        closed_at=at(2, 18),
        labels=["incident"],
    )
    h = repo.commit("h", author_date=at(2, 17))
    repo.deployment(h, created_at=at(2, 17.5))  # D4


@scenario("acme/relback", "{source: releases}")
def build_release_branch_hotfix_released_by_tag_then_merged_back(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    repo.tags["v1.0.0"] = c0
    repo.release("v1.0.0", created_at=at(1, 5), published_at=at(1, 6))  # R1 first
    a1 = repo.commit("a1", parents=[c0], author_date=at(2, 6), author_login="alice", branch="pr-2")
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
    repo.tags["v1.1.0"] = s2
    repo.release("v1.1.0", created_at=at(2, 11), published_at=at(2, 12))  # R2
    repo.branches["release-1.1"] = s2
    e1 = repo.commit("e1", parents=[s2], author_date=at(3, 9), author_login="erin", branch="pr-4")
    s4 = squash_merged_pr(
        repo, [e1], s2, number=4, title="Next", author="erin", created_at=at(3, 9.5), merged_at=at(3, 13)
    )
    assert repo.branches["main"] == s4
    h1 = repo.commit("h1", parents=[s2], author_date=at(3, 7), author_login="carol", branch="pr-3")
    sh = repo.squash_merge([h1], s2, "Fix rounding (#3)", at(3, 11))
    repo.branches["release-1.1"] = sh
    assert repo.branches["main"] == s4
    repo.pull(
        number=3,
        title="Fix rounding",
        author="carol",
        created_at=at(3, 8),
        commits=[h1],
        merged_at=at(3, 11),
        merge_commit_sha=sh,
        labels=["hotfix"],
        reviews=[("dave", "APPROVED", at(3, 10))],
        base="release-1.1",
    )
    repo.tags["v1.1.1"] = sh
    repo.release("v1.1.1", created_at=at(3, 11.5), published_at=at(3, 12), target_commitish="release-1.1")
    repo.tags["v1.2.0"] = s4
    repo.release("v1.2.0", created_at=at(3, 15), published_at=at(3, 16))  # R4
    mb = repo.merge_commit(s4, sh, "Merge pull request #5 from acme/release-1.1\n\nBack-merge", at(4, 10))
    repo.pull(
        number=5,
        title="Back-merge release-1.1",
        author="carol",
        created_at=at(4, 8),
        commits=[sh],
        merged_at=at(4, 10),
        merge_commit_sha=mb,
        labels=["hotfix"],
        reviews=[("erin", "APPROVED", at(4, 9))],
    )
    repo.tags["v1.2.1"] = mb
    repo.release("v1.2.1", created_at=at(4, 11), published_at=at(4, 12))  # R5


@scenario("acme/mprel", "{source: merged_prs}")
def build_merged_prs_with_a_release_branch_pr_retargeted_and_merged_back(repo: RepoData) -> None:
    _, s1 = first_merged_pr(repo)  # M1 at 01 06:00
    k1 = repo.commit("k1", parents=[s1], author_date=at(2, 6), author_login="bob", branch="pr-2")
    sr = repo.commit("Fix (#2)", parents=[s1], author_date=at(2, 9), author_login="bob", branch="release-1")
    repo.pull(
        number=2,
        title="Fix",
        author="bob",
        created_at=at(2, 7),
        commits=[k1],
        merged_at=at(2, 9),
        merge_commit_sha=sr,
        labels=["hotfix"],
        reviews=[("carol", "APPROVED", at(2, 8))],
        base="release-1",
    )
    a1 = repo.commit("a1", parents=[sr], author_date=at(2, 10), author_login="alice", branch="pr-3")
    assert repo.branches["main"] == s1
    s3 = squash_merged_pr(
        repo,
        [sr, a1],  # opened against release-1, retargeted to main: sr is not on main
        s1,
        number=3,
        title="Feature",
        author="alice",
        created_at=at(2, 11),
        merged_at=at(3, 9),
        reviews=[("dave", "APPROVED", at(3, 8))],
    )
    mb = repo.merge_commit(s3, sr, "Merge pull request #4 from acme/release-1\n\nBack-merge", at(3, 12))
    repo.pull(
        number=4,
        title="Back-merge release-1",
        author="carol",
        created_at=at(3, 10),
        commits=[sr],
        merged_at=at(3, 12),
        merge_commit_sha=mb,
    )


@scenario("acme/wfrel", "{source: workflow_runs, workflow: deploy.yml}")
def build_workflow_runs_release_branch_run_then_merge_back(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    repo.workflow_run(c0, created_at=at(1, 5), updated_at=at(1, 6))  # W1 first
    a1 = repo.commit("a1", parents=[c0], author_date=at(2, 6), author_login="alice", branch="pr-2")
    s2 = squash_merged_pr(
        repo, [a1], c0, number=2, title="Feature", author="alice", created_at=at(2, 7), merged_at=at(2, 8)
    )
    repo.workflow_run(s2, created_at=at(2, 9), updated_at=at(2, 10))  # W2
    h1 = repo.commit("h1", parents=[s2], author_date=at(2, 11), author_login="bob", branch="pr-3")
    sh = repo.commit("Fix (#3)", parents=[s2], author_date=at(2, 14), author_login="bob", branch="release-1")
    repo.pull(
        number=3,
        title="Fix",
        author="bob",
        created_at=at(2, 12),
        commits=[h1],
        merged_at=at(2, 14),
        merge_commit_sha=sh,
        labels=["hotfix"],
        reviews=[("carol", "APPROVED", at(2, 13))],
        base="release-1",
    )
    # deploy.yml run on the release branch: not on the default branch, no deployment (§5.1).
    repo.workflow_run(sh, branch="release-1", created_at=at(2, 14.5), updated_at=at(2, 15))
    repo.issue(title="Checkout slow", created_at=at(2, 16), closed_at=at(2, 18), labels=["incident"])
    assert repo.branches["main"] == s2
    mb = repo.merge_commit(s2, sh, "Merge pull request #4 from acme/release-1\n\nBack-merge", at(3, 9))
    repo.pull(
        number=4,
        title="Back-merge release-1",
        author="bob",
        created_at=at(2, 19),
        commits=[sh],
        merged_at=at(3, 9),
        merge_commit_sha=mb,
    )
    repo.workflow_run(mb, created_at=at(3, 9.5), updated_at=at(3, 10))  # W3


@scenario("acme/relfirst")
def build_history_starting_on_a_release_branch_later_merged_back(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    k1 = repo.commit("k1", parents=[c0], author_date=at(1, 2), author_login="bob", branch="pr-1")
    k = repo.commit("Fix (#1)", parents=[c0], author_date=at(1, 5), author_login="bob", branch="release-1")
    repo.pull(
        number=1,
        title="Fix",
        author="bob",
        created_at=at(1, 3),
        commits=[k1],
        merged_at=at(1, 5),
        merge_commit_sha=k,
        reviews=[("carol", "APPROVED", at(1, 4))],
        base="release-1",
    )
    repo.deployment(k, created_at=at(1, 6), ref="release-1")  # D1 first
    a1 = repo.commit("a1", parents=[c0], author_date=at(2, 6), author_login="alice", branch="pr-2")
    s2 = squash_merged_pr(
        repo, [a1], c0, number=2, title="Feature", author="alice", created_at=at(2, 7), merged_at=at(2, 8)
    )
    repo.deployment(s2, created_at=at(2, 10))  # D2
    mb = repo.merge_commit(s2, k, "Merge pull request #3 from acme/release-1\n\nBack-merge", at(3, 10))
    repo.pull(
        number=3,
        title="Back-merge release-1",
        author="carol",
        created_at=at(3, 8),
        commits=[k],
        merged_at=at(3, 10),
        merge_commit_sha=mb,
        reviews=[("dave", "APPROVED", at(3, 9))],
    )
    repo.deployment(mb, created_at=at(3, 13))  # D3
    g = repo.commit("g", author_date=at(3, 14))
    repo.deployment(g, created_at=at(3, 15))  # D4


def build_upstream_and_mirror(dataset: GitHubDataset) -> None:
    up = dataset.add_repo("acme/upstream")
    c0 = started(up, at(1, 6))  # U1 first
    p1 = up.commit("p1", parents=[c0], author_date=at(2, 6), author_login="alice", branch="pr-2")
    s2 = squash_merged_pr(
        up,
        [p1],
        c0,
        number=2,
        title="Pricing",
        author="alice",
        created_at=at(2, 7),
        merged_at=at(2, 9),
        reviews=[("bob", "APPROVED", at(2, 8))],
    )
    up.deployment(s2, created_at=at(2, 10))  # U2
    up.issue(
        title="Prices wrong",
        body=f"root cause: {s2[:12]}",
        created_at=at(2, 15),
        closed_at=at(3, 12),
        labels=["incident"],
    )
    u3 = up.commit("u3", author_date=at(3, 7))
    up.deployment(u3, created_at=at(3, 9))  # U3

    mirror = dataset.add_repo("acme/mirror")
    for sha in (c0, s2):  # the same commits, the same shas
        mirror.commits[sha] = copy.deepcopy(up.commits[sha])
    mirror.branches["main"] = s2
    mirror.deployment(c0, created_at=at(1, 7))  # M1 first
    mirror.deployment(s2, created_at=at(2, 14))  # M2
    v = mirror.commit(f'Revert "Pricing (#2)"\n\nThis reverts commit {s2}.', author_date=at(2, 19))
    mirror.deployment(v, created_at=at(2, 20))  # M3
    w = mirror.commit("w", author_date=at(3, 8))
    mirror.deployment(w, created_at=at(3, 10))  # M4


BRANCHES.register(("acme/upstream", "upstream", None), ("acme/mirror", "mirror", None))(
    build_upstream_and_mirror
)


# ------------------------------------------------------------------------------------------- pipeline


@pytest.fixture(scope="module")
def metrics_by_api(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, Any]]]:
    return BRANCHES.collect(tmp_path_factory, TOKEN_VARIABLE, TOKEN, AS_OF)


@pytest.fixture(params=APIS)
def team_rows(
    request: pytest.FixtureRequest, metrics_by_api: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    return metrics_by_api[request.param]


# ------------------------------------------------------------------------------------------- the tests


def test_stacked_pr_squashed_into_its_base_branch_is_deployed_by_the_bases_merge_commit(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/stackin: the stacked PR is merged into its base's branch before the base merges.

    D1 c0 03-01 06:00 (first).
    PR #2 (alice, base main): a1 02 06:00 on pr-2, opened 07:00.
    PR #3 (bob, base pr-2, label hotfix): b1 02 08:00 (child of a1), opened 09:00, alice approves 10:00,
    squash-merged into pr-2 at 11:00 as sb (a child of a1). GitHub now lists PR #2's commits a1, sb.
    carol approves PR #2 at 12:00; merged 13:00 with merge commit m2 = merge(c0, sb).
    D2 m2 at 02 14:00: compare(c0...m2) = a1, sb, m2; m2 has two parents (no change):
      a1 is no PR's merge commit → its own date 06:00: 8 h;
      sb is PR #3's merge_commit_sha (whatever its base) → from b1 08:00: 6 h (own date 11:00 would be 3).
    Rework (§6.2): sb is a change of PR #3, labelled hotfix → D2 is rework.
    D3 g (03 08:00) at 03 09:00: 1 h.
    Deployments 3; lead 1, 6, 8 → p50 6; p90 at 1.8: 6 + 0.8 × 2 = 7.6. CFR 0; rework 1/3.
    Breakdown, both PRs deployed by D2 (its compare holds sb and m2):
      PR #2: coding a1 06:00 → 07:00 = 1; pickup 07:00 → 12:00 = 5; review 1; deploy 13:00 → 14:00 = 1.
      PR #3: coding 1; pickup 1; review 1; deploy 11:00 → 14:00 = 3.
      Medians: coding 1; pickup (1, 5) 3; review 1; deploy (1, 3) 2.
    Bands: 3/30 medium; 6 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["stackin"],
        team="stackin",
        deployments=3,
        lead=(6.0, 7.6),
        cfr=0.0,
        recovery=None,
        rework=1 / 3,
        stages=breakdown(coding=1.0, pickup=3.0, review=1.0, deploy=2.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_stacked_pr_merged_into_a_base_that_is_then_squashed_is_never_deployed(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/stacksq: the stacked PR is merged (merge commit) into its base's branch; the base is then
    squash-merged into main, so the stacked PR's merge commit never reaches main.

    D1 c0 03-01 06:00 (first).
    PR #2 (alice, base main): a1 02 06:00 on pr-2, opened 07:00.
    PR #3 (bob, base pr-2): b1 (child of a1, rebased: author date 02 04:00 kept), opened 08:00, alice
    approves 09:00, merged into pr-2 at 10:00 with merge commit mb = merge(a1, b1).
    GitHub lists PR #2's commits a1, b1, mb; carol approves 11:00; squash-merged onto c0 at 12:00 as s2.
    D2 s2 at 02 14:00: compare(c0...s2) = s2 → its start is the earliest author date among PR #2's
    commits, b1 04:00 → 10 h (from a1: 8).
    mb, PR #3's merge commit, is in no compare → PR #3 is deployed by no deployment (not in the
    breakdown).
    D3 g (03 08:00) at 03 09:00: 1 h.
    Deployments 3; lead 1, 10 → p50 5.5; p90 1 + 0.9 × 9 = 9.1. CFR 0; rework 0.
    Breakdown PR #2 only: coding b1 04:00 → 07:00 = 3; pickup 07:00 → 11:00 = 4; review 1; deploy
    12:00 → 14:00 = 2. (PR #3 counted too: coding (3, 4) 3.5, pickup (1, 4) 2.5.)
    Bands: 3/30 medium; 5.5 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["stacksq"],
        team="stacksq",
        deployments=3,
        lead=(5.5, 9.1),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=3.0, pickup=4.0, review=1.0, deploy=2.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_stacked_pr_merge_committed_after_its_squashed_base_reships_the_base_commit(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/stackmc: the base PR is squash-merged and deployed; the stacked PR, retargeted to main, is
    merged with a merge commit, which brings the base's original commit onto main.

    D1 c0 03-01 06:00 (first).
    PR #2 (alice): a1 02 06:00, opened 07:00, bob approves 08:00, squash-merged 09:00 as s2.
    D2 s2 at 02 10:00: s2 from a1 → 4 h.
    PR #3 (carol) stacked on pr-2: b1 02 08:30 (child of a1), opened 08:45; retargeted to main, GitHub
    lists a1, b1; dave approves 03 08:00; merged 03 10:00 with merge commit m3 = merge(s2, b1).
    D3 m3 at 03 12:00: compare(s2...m3) = a1, b1, m3. a1 is a non-merge commit that no earlier
    deployment shipped (D2 shipped s2, its squashed copy) → a change, no PR's merge commit → its own
    date 02 06:00: 30 h; b1 own 08:30: 27.5 h; m3 no change.
    D4 g (03 13:00) at 03 14:00: 1 h.
    Deployments 4; lead 1, 4, 27.5, 30 → p50 at 1.5: 4 + 0.5 × 23.5 = 15.75; p90 at 2.7: 27.5 + 0.7 ×
    2.5 = 29.25. CFR 0; rework 0.
    Breakdown: PR #2 (D2) coding 1, pickup 1, review 1, deploy 1; PR #3 (D3) coding a1 06:00 → 08:45 =
    2.75, pickup 08:45 → 03 08:00 = 23.25, review 2, deploy 2 → coding 1.875, pickup 12.125, review 1.5,
    deploy 1.5.
    Bands: 4/30 medium; 15.75 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["stackmc"],
        team="stackmc",
        deployments=4,
        lead=(15.75, 29.25),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=1.875, pickup=12.125, review=1.5, deploy=1.5),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_merge_rebase_and_squash_in_one_deployment_with_a_hotfix_label_and_a_merge_commit_sha(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/threeway.

    D1 c0 03-01 06:00 (first).
    PR #2 (alice, label hotfix): b1 02 04:00, b2 05:00; opened 06:00; bob approves 07:00; merged 08:00
    with merge commit m2 = merge(c0, b2).
    PR #3 (carol): e1 03:00, e2 06:00; opened 06:30; dave comments 07:30; rebase-merged onto m2 at
    09:00 as r1 (e1's copy, 03:00), r2 (e2's, 06:00), merge_commit_sha r2.
    PR #4 (erin): q1 02:00; opened 05:00; no review; squash-merged onto r2 at 10:00 as s4.
    D2 s4 at 02 12:00: compare(c0...s4) = b1, b2, m2, r1, r2, s4:
      b1 own 04:00 → 8; b2 own 05:00 → 7; m2 merge, no change; r1 own 03:00 → 9; r2 PR #3's earliest
      e1 03:00 → 9; s4 PR #4's q1 02:00 → 10.
    Rework: b1, b2 are commits of PR #2, labelled hotfix → D2 rework.
    D3 g (14:00) at 15:00: 1 h.
    Issue 02 16:00 → 18:00, body ``root cause: <m2[:10]>``: m2 is no change of any deployment (a merge
    commit) → no explicit link (docs: links nothing) → the window rule: the latest deployment before
    16:00 is D3 (1 h ≤ 24 h) → D3 failed (window), recovered 18:00: 3 h. (Linked to D2 instead: 6 h.)
    D4 h (17:00) at 17:30, while the issue is open → rework; 0.5 h.
    Deployments 4; lead 0.5, 1, 7, 8, 9, 9, 10 → p50 8; p90 at 5.4: 9 + 0.4 × 1 = 9.4. CFR 1/4;
    recovery 3; incidents 1, restore 2; rework (D2, D4) 2/4.
    Breakdown (all three deployed by D2):
      PR #2: coding 04:00 → 06:00 = 2; pickup 1; review 1; deploy 08:00 → 12:00 = 4.
      PR #3: coding 03:00 → 06:30 = 3.5; pickup 1; review 07:30 → 09:00 = 1.5; deploy 3.
      PR #4: coding 3; no review; deploy 2.
      Medians: coding (2, 3, 3.5) 3; pickup 1; review (1, 1.5) 1.25; deploy (2, 3, 4) 3.
    Bands: 4/30 medium; 8 h elite; 25 % low; 3 h high.
    """
    check_row(
        team_rows["threeway"],
        team="threeway",
        deployments=4,
        lead=(8.0, 9.4),
        cfr=1 / 4,
        recovery=3.0,
        restore=(2.0, 2.0),
        incidents=1,
        rework=2 / 4,
        stages=breakdown(coding=3.0, pickup=1.0, review=1.25, deploy=3.0),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_release_branch_hotfix_released_by_tag_then_merged_back_counts_once(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/relback, source releases.

    R1 v1.0.0 (c0) 03-01 06:00 (first).
    PR #2 (alice): a1 02 06:00, opened 07:00, bob approves 08:00, squash-merged 09:00 as s2.
    R2 v1.1.0 (s2) published 02 12:00: s2 from a1 → 6 h. Branch release-1.1 cut at s2.
    PR #4 (erin): e1 03 09:00, opened 09:30, no review, squash-merged onto s2 at 03 13:00 as s4 (main).
    PR #3 (carol, base release-1.1, label hotfix): h1 03 07:00, opened 08:00, dave approves 10:00,
    squash-merged into release-1.1 at 11:00 as sh.
    R3 v1.1.1 (sh, target release-1.1) published 03 12:00: compare(s2...sh) ahead → sh from h1 → 5 h;
      sh is a change of the hotfix PR → R3 rework. PR #3 deployed by R3.
    R4 v1.2.0 (s4) published 03 16:00: compare(sh...s4) ``diverged`` (s4 is no ancestor of sh: no
      rollback, R3 not failed); ahead by s4 → from e1 → 7 h.
    PR #5 (carol, release-1.1 → main, label hotfix): GitHub lists sh; opened 04 08:00, erin approves
    09:00, merged 10:00 with merge commit mb = merge(s4, sh).
    R5 v1.2.1 (mb) published 04 12:00: compare(s4...mb) = sh, mb; sh was shipped by R3, mb is a merge
      commit → no changes, so no change of a labelled PR: not rework. PR #5 is deployed by R5 (mb in
      its compare); PR #3 is not deployed again.
    Deployments 5; lead 5, 6, 7 → p50 6, p90 6.8. CFR 0; rework 1/5.
    Breakdown: PR #2 coding 1, pickup 1, review 1, deploy 3; PR #3 coding 1, pickup 2, review 1, deploy 1;
    PR #4 coding 0.5, deploy 16:00 − 13:00 = 3; PR #5 coding sh 03 11:00 → 04 08:00 = 21, pickup 1,
    review 1, deploy 2. Medians: coding (0.5, 1, 1, 21) 1; pickup (1, 1, 2) 1; review 1; deploy (1, 2,
    3, 3) 2.5. (PR #3 taken as deployed by R5: deploy 25 → 3; PR #5 left out: deploy 3.)
    Bands: 5/30 high; 6 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["relback"],
        team="relback",
        deployments=5,
        lead=(6.0, 6.8),
        cfr=0.0,
        recovery=None,
        rework=1 / 5,
        stages=breakdown(coding=1.0, pickup=1.0, review=1.0, deploy=2.5),
        row_bands=bands("high", "elite", "elite", None),
    )


def test_merged_prs_release_branch_pr_ships_only_with_the_merge_back(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/mprel, source merged_prs (§5.1: "each PR merged into the default branch is a deployment at
    merged_at of its merge_commit_sha").

    M1: PR #1 (alice; q1 03-01 02:00, opened 03:00, no review) squash-merged 06:00 as s1, the first
    deployment (no lead times; PR #1 has coding 1 and no deploy stage).
    PR #2 (bob, base release-1, label hotfix): k1 02 06:00, opened 07:00, carol approves 08:00,
    squash-merged into release-1 at 09:00 as sr (child of s1). Not into main → no deployment.
    PR #3 (alice): a1 02 10:00 (child of sr), opened 11:00 against release-1 and retargeted to main:
    GitHub lists sr, a1; dave approves 03 08:00; squash-merged onto s1 at 03 09:00 as s3.
    M2 (PR #3) s3 at 03 09:00: compare(s1...s3) = s3 → from the earliest of PR #3's commits, sr 02
      09:00 → 24 h. Its change s3 belongs to PR #3 (unlabelled; sr is no change of M2) → not rework.
    PR #4 (carol, release-1 → main): lists sr; opened 03 10:00, no review; merged 12:00 with merge
    commit mb = merge(s3, sr).
    M3 (PR #4) mb at 03 12:00: compare(s3...mb) = sr, mb: sr, shipped by nobody before, is PR #2's
      merge commit → from k1 02 06:00: 30 h; mb no change. sr is a change of the hotfix PR #2 → rework.
    Deployments 3; lead 24, 30 → p50 27, p90 29.4. CFR 0; rework 1/3.
    Breakdown: PR #1 coding 1; PR #2 (deployed by M3, the first compare holding sr) coding 1, pickup 1,
    review 1, deploy 02 09:00 → 03 12:00 = 27; PR #3 coding sr 09:00 → 11:00 = 2, pickup 11:00 → 03
    08:00 = 21, review 1, deploy 0 (kept); PR #4 coding sr 02 09:00 → 03 10:00 = 25, deploy 0.
    Medians: coding (1, 1, 2, 25) 1.5; pickup (1, 21) 11; review 1; deploy (0, 0, 27) 0.
    Bands: 3/30 medium; 27 h high; 0 % elite; null.
    """
    check_row(
        team_rows["mprel"],
        team="mprel",
        deployments=3,
        lead=(27.0, 29.4),
        cfr=0.0,
        recovery=None,
        rework=1 / 3,
        stages=breakdown(coding=1.5, pickup=11.0, review=1.0, deploy=0.0),
        row_bands=bands("medium", "high", "elite", None),
    )


def test_workflow_runs_ignore_the_release_branch_run_until_the_merge_back(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/wfrel, source workflow_runs of deploy.yml (§5.1: "completed runs of workflow on the default
    branch with conclusion success").

    W1 c0 ends 03-01 06:00 (first).
    PR #2 (alice): a1 02 06:00, opened 07:00, no review, squash-merged 08:00 as s2. W2 s2 ends 02 10:00:
    from a1 → 4 h. Branch release-1 cut at s2.
    PR #3 (bob, base release-1, label hotfix): h1 02 11:00, opened 12:00, carol approves 13:00, squash-
    merged into release-1 at 14:00 as sh. A deploy.yml run of sh on release-1 ends 15:00: not on the
    default branch → no deployment.
    Issue 02 16:00 → 18:00, no sha: the latest deployment before it is W2 (6 h ≤ 24 h) → W2 failed
    (window), recovered 18:00: 8 h. (The release run counted: it would fail instead, 3 h.)
    PR #4 (bob, release-1 → main): lists sh; opened 02 19:00, no review; merged 03 09:00 with merge commit
    mb = merge(s2, sh). W3 mb ends 03 10:00: compare(s2...mb) = sh, mb; sh is PR #3's merge commit →
    from h1 02 11:00: 23 h; mb no change. sh is a change of the hotfix PR → W3 rework (the issue is
    closed by then).
    Deployments 3; lead 4, 23 → p50 13.5; p90 4 + 0.9 × 19 = 21.1. CFR 1/3; recovery 8; incidents 1,
    restore 2; rework 1/3.
    Breakdown: PR #2 coding 1, deploy 2; PR #3 (deployed by W3) coding 1, pickup 1, review 1, deploy 02
    14:00 → 03 10:00 = 20; PR #4 coding sh 14:00 → 19:00 = 5, deploy 1. Medians: coding (1, 1, 5) 1;
    pickup 1; review 1; deploy (1, 2, 20) 2.
    Bands: 3/30 medium; 13.5 h elite; 33 % low; 8 h high.
    """
    check_row(
        team_rows["wfrel"],
        team="wfrel",
        deployments=3,
        lead=(13.5, 21.1),
        cfr=1 / 3,
        recovery=8.0,
        restore=(2.0, 2.0),
        incidents=1,
        rework=1 / 3,
        stages=breakdown(coding=1.0, pickup=1.0, review=1.0, deploy=2.0),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_history_starting_on_a_release_branch_keeps_its_commit_when_merged_back(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/relfirst: the first collected deployment is of a release branch, merged back into main later.

    c0 03-01 00:00. PR #1 (bob, base release-1): k1 01 02:00, opened 03:00, carol approves 04:00,
    squash-merged into release-1 (cut from c0) at 05:00 as k. D1 deploys k from release-1 at 01 06:00:
    the first deployment (changes unknown; PR #1, whose merge commit is its sha, has no deploy stage).
    PR #2 (alice): a1 02 06:00, opened 07:00, no review, squash-merged onto c0 at 08:00 as s2. D2 s2 at
    02 10:00: compare(k...s2) ``diverged`` (no rollback), ahead by s2 → from a1: 4 h.
    PR #3 (carol, release-1 → main): lists k; opened 03 08:00, dave approves 09:00, merged 10:00 with
    merge commit mb = merge(s2, k). D3 mb at 03 13:00: compare(s2...mb) = k, mb. k is D1's own commit:
    D1 shipped it (§5.2 "that no earlier deployment shipped"; docs "Changes": it stays that deployment's,
    never a change of the later one) → no change; mb merge → none. D3 deploys PR #3, not PR #1 again.
    D4 g (03 14:00) at 15:00: 1 h.
    Deployments 4; lead 1, 4 → p50 2.5, p90 3.7. CFR 0; rework 0. (k as D3's change, from k1: 1, 4, 58
    → p50 4.)
    Breakdown: PR #1 coding 1, pickup 1, review 1; PR #2 coding 1, deploy 2; PR #3 coding k 01 05:00 →
    03 08:00 = 51, pickup 1, review 1, deploy 3. Medians: coding (1, 1, 51) 1; pickup 1; review 1;
    deploy (2, 3) 2.5. (PR #1 deployed by D3: deploy 55 → 3.)
    Bands: 4/30 medium; 2.5 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["relfirst"],
        team="relfirst",
        deployments=4,
        lead=(2.5, 3.7),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=1.0, pickup=1.0, review=1.0, deploy=2.5),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_one_commit_shipped_by_a_repository_and_its_mirror(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/upstream (team upstream) and acme/mirror (team mirror), which holds the same commits c0 and
    s2 (same shas) and deploys them on its own.

    acme/upstream: U1 c0 03-01 06:00 (first). PR #2 (alice): p1 02 06:00, opened 07:00, bob approves
    08:00, squash-merged 09:00 as s2. U2 s2 at 02 10:00: from p1 → 4 h. Issue in acme/upstream 02 15:00
    → 03 12:00, body ``root cause: <s2[:12]>`` → U2 failed (explicit), recovered 03 12:00: 26 h. U3 u3
    (03 07:00) at 03 09:00: 2 h; deployed while the issue is open → rework. The mirror's revert is no
    deployment of acme/upstream (rule 3, docs "of the same repository") → not U2's recovery (10 h).
    Upstream: deployments 3; lead 2, 4 → p50 3, p90 3.8; CFR 1/3; recovery 26; incidents 1, restore
    21; rework 1/3; breakdown PR #2 coding 1, pickup 1, review 1, deploy 1. Bands: 3/30 medium; 3 h
    elite; 33 % low; 26 h medium.

    acme/mirror: M1 c0 03-01 07:00 (first). M2 s2 at 02 14:00: compare(c0...s2) = s2, a change of this
    repository's M2 (what acme/upstream shipped does not count here: "Deployments of one repo … are
    ordered"); acme/mirror has no PR → s2's own date 09:00 → 5 h. M3 v ``This reverts commit <s2>``
    (19:00) at 20:00: 1 h; v is a revert commit → M3 rework; it reverts s2, a change of M2 → M2 failed
    (revert). The upstream issue names s2, a change of M2 too → M2 failed (explicit) as well; counted
    once. Recovery of M2: earliest of the issue's resolution (03 12:00) and M3 (02 20:00) → 6 h.
    M4 w (03 08:00) at 03 10:00: 2 h; the open issue is acme/upstream's, not of the mirror's service →
    not rework.
    Mirror: deployments 4; lead 1, 2, 5 → p50 2; p90 at 1.8: 2 + 0.8 × 3 = 4.4; CFR 1/4; recovery 6;
    incidents 0, restore null; rework 1/4; breakdown null. Bands: 4/30 medium; 2 h elite; 25 % low;
    6 h high.
    """
    check_row(
        team_rows["upstream"],
        team="upstream",
        deployments=3,
        lead=(3.0, 3.8),
        cfr=1 / 3,
        recovery=26.0,
        restore=(21.0, 21.0),
        incidents=1,
        rework=1 / 3,
        stages=breakdown(coding=1.0, pickup=1.0, review=1.0, deploy=1.0),
        row_bands=bands("medium", "elite", "low", "medium"),
    )
    check_row(
        team_rows["mirror"],
        team="mirror",
        deployments=4,
        lead=(2.0, 4.4),
        cfr=1 / 4,
        recovery=6.0,
        rework=1 / 4,
        stages=breakdown(),
        row_bands=bands("medium", "elite", "low", "high"),
    )
