"""Audit, round 6, end to end: lead time and its breakdown across merge strategies where two or more rules
meet (SPEC §5.2 changes, §5.3 pull requests, §6.2 lead time and breakdown; docs/metrics.md "Changes",
"Lead time for changes", "Lead time breakdown"). Emulated GitHub → ``doraspace collect`` (REST and
GraphQL) → ``doraspace metrics --format json``. Every number is worked out by hand in the test's docstring.

One emulated organisation holds every scenario, each in its own repository owned by the team of its short
name (config ``teams:``). It is collected once per ``github.api`` mode into its own store and read with
``--as-of 2026-03-20T00:00:00Z``; one window, 30d = (02-18 00:00, 03-20 00:00], holds every deployment
below, so the bands come from it (SPEC §6.3 "or the longest configured"), dora-2023. ``github.since`` is
2026-03-01. Times are March 2026 UTC, ``at(day, hour)``, or February, ``feb(day, hour)``. Source: GitHub
Deployments in production. Every repository's first deployment has compare ``first`` (no lead times,
§5.2). No incident and no rework label anywhere: change failure rate 0, recovery and restore null,
rework 0, except acme/pastancestor's rollback. Percentiles are ``percentile_cont``: p at position
p × (n − 1) of the sorted values. Whole 30d rows are asserted. A frequency of n/30 a day is ``high``
from 1/7 (n ≥ 5), ``medium`` below it down to 1/30.

SPEC sentences the scenarios lean on:

* §5.2 "D's changes are the non-merge commits (one parent or none) in compare(P.sha...D.sha) that no
  earlier deployment shipped"; "A redeploy of P.sha itself (identical) is a deployment with no changes";
  "If D.sha is an ancestor of P.sha (compare status behind), D is a rollback" (only then).
* §5.2 "A change's start is the earliest author date among the commits of the merged PR whose
  merge_commit_sha is the change's sha (a squash merge's commit; for a rebase merge only its last
  commit), else the commit's own author date. Its lead time is D.deployed_at − start".
* §5.3 the breakdown: coding (first commit → opened), pickup (opened → first review), review (first
  review → merged), deploy (merged → deployed_at of the deployment that shipped the merge commit).
* docs/metrics.md: "A PR is deployed by the first deployment with a known compare … whose compare
  contains the PR's merge commit (merge commits count here)"; "A stage that comes out negative … is
  dropped for that PR; the PR's other stages still count"; "The first review is the earliest submitted
  review … by someone other than the PR's author, submitted at or before the merge".
* A PR's commits are what GitHub lists for it: after a force-push, the final list only; after merging
  the base branch into the PR's branch, the base's commits are not listed (they are reachable from it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.analytics.facts import bands
from tests.emulators.github import RepoData
from tests.github_scenarios import (
    APIS,
    AS_OF,
    Scenarios,
    at,
    breakdown,
    check_row,
    squash_merged_pr,
    started,
)

TOKEN_VARIABLE = "AUDIT_ROUND6_MERGES_GITHUB_TOKEN"
TOKEN = "audit-round6-merges-token"

MERGES = Scenarios()


def feb(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 2, day, tzinfo=UTC) + timedelta(hours=hour)


def scenario(repo_name: str) -> Callable[[Callable[[RepoData], None]], Callable[[RepoData], None]]:
    """Register a builder of repository ``repo_name`` (GitHub Deployments in production), owned by the
    team of its short name."""

    def register(builder: Callable[[RepoData], None]) -> Callable[[RepoData], None]:
        MERGES.register((repo_name, repo_name.split("/")[1], None))(
            lambda dataset: builder(dataset.add_repo(repo_name))
        )
        return builder

    return register


# ------------------------------------------------------------------------------------------- scenarios


@scenario("acme/forcerb")
def build_rebase_and_force_pushed_squash_shipped_together_then_redeployed(repo: RepoData) -> None:
    c0 = started(repo, at(1, 6))  # D1 first
    # PR #2: its second commit was authored on 02-20, before github.since, and the two are rebase-merged.
    e1 = repo.commit("e1", parents=[c0], author_date=at(2, 8), author_login="erin", branch="pr-2")
    e2 = repo.commit("e2", parents=[e1], author_date=feb(20, 10), author_login="erin", branch="pr-2")
    r1, r2 = repo.rebase_merge([e1, e2], c0, date=at(2, 12))
    repo.pull(
        number=2,
        title="Old work",
        author="erin",
        created_at=feb(25, 9),
        commits=[e1, e2],
        merged_at=at(2, 12),
        merge_commit_sha=r2,
        reviews=[("frank", "APPROVED", at(2, 10))],
    )
    assert repo.commits[r1]["commit"]["author"]["date"] == "2026-03-02T08:00:00Z"
    # PR #3: o1 was force-pushed away after bob's first review; GitHub lists n1, n2 only.
    repo.commit("o1", parents=[c0], author_date=at(2, 6), author_login="alice", branch="pr-3-before")
    n1 = repo.commit("n1", parents=[c0], author_date=at(2, 11), author_login="alice", branch="pr-3")
    n2 = repo.commit("n2", parents=[n1], author_date=at(2, 13), author_login="alice", branch="pr-3")
    s3 = squash_merged_pr(
        repo,
        [n1, n2],
        r2,
        number=3,
        title="Rewritten",
        author="alice",
        created_at=at(2, 8),
        merged_at=at(3, 9),
        reviews=[("bob", "CHANGES_REQUESTED", at(2, 9)), ("bob", "APPROVED", at(2, 14))],
    )
    repo.deployment(s3, created_at=at(3, 12))  # D2
    repo.deployment(s3, created_at=at(3, 15))  # D3: redeploy
    g = repo.commit("g", author_date=at(4, 8))
    repo.deployment(g, created_at=at(4, 9))  # D4


@scenario("acme/backport")
def build_cherry_pick_onto_a_release_branch(repo: RepoData) -> None:
    c0 = started(repo, at(1, 6))  # D1 first
    p2 = repo.commit("Feature", parents=[c0], author_date=at(2, 6), author_login="alice", branch="pr-2")
    s2 = squash_merged_pr(
        repo,
        [p2],
        c0,
        number=2,
        title="Feature",
        author="alice",
        created_at=at(2, 7),
        merged_at=at(2, 9),
        reviews=[("bob", "APPROVED", at(2, 8))],
    )
    repo.deployment(s2, created_at=at(2, 10))  # D2
    # The cherry-pick keeps s2's author and author date (02 09:00); carol commits it on 03-03.
    k3 = repo.commit(
        f"Feature (#2)\n\n(cherry picked from commit {s2})",
        parents=[c0],
        author_date=at(2, 9),
        committer_date=at(3, 7.5),
        author_login="alice",
        committer_login="carol",
        branch="pr-3",
    )
    s3 = repo.squash_merge([k3], c0, "Backport: Feature (#3)", at(3, 10), author_login="carol")
    repo.branches["release-1"] = s3
    repo.pull(
        number=3,
        title="Backport: Feature",
        author="carol",
        created_at=at(3, 8),
        commits=[k3],
        merged_at=at(3, 10),
        merge_commit_sha=s3,
        reviews=[("dave", "APPROVED", at(3, 9))],
        base="release-1",
    )
    q4 = repo.commit("Next", parents=[s2], author_date=at(3, 10), author_login="erin", branch="pr-4")
    s4 = squash_merged_pr(
        repo, [q4], s2, number=4, title="Next", author="erin", created_at=at(3, 10.5), merged_at=at(3, 11)
    )
    repo.deployment(s3, created_at=at(3, 12), ref="release-1")  # D3
    repo.deployment(s4, created_at=at(3, 16))  # D4
    repo.deployment(s3, created_at=at(3, 18), ref="release-1")  # D5: the release again


@scenario("acme/mergemain")
def build_merge_commit_pr_whose_branch_merged_main(repo: RepoData) -> None:
    c0 = started(repo, at(1, 6))  # D1 first
    a1 = repo.commit("a1", parents=[c0], author_date=at(2, 4), author_login="bob", branch="pr-2")
    s2 = squash_merged_pr(
        repo,
        [a1],
        c0,
        number=2,
        title="Small fix",
        author="bob",
        created_at=at(2, 4.5),
        merged_at=at(2, 5.5),
        # carol's comment is dated before the PR was opened (an imported review, a skewed clock).
        reviews=[("carol", "COMMENTED", at(2, 4.25)), ("carol", "APPROVED", at(2, 5))],
    )
    b1 = repo.commit("b1", parents=[c0], author_date=at(2, 3), author_login="alice", branch="pr-3")
    mm = repo.commit(
        "Merge branch 'main' into pr-3",
        parents=[b1, s2],
        author_date=at(2, 7),
        author_login="alice",
        branch="pr-3",
    )
    b2 = repo.commit("b2", parents=[mm], author_date=at(2, 8), author_login="alice", branch="pr-3")
    m3 = repo.merge_commit(s2, b2, "Merge pull request #3 from acme/pr-3\n\nBig change", at(2, 10))
    repo.pull(
        number=3,
        title="Big change",
        author="alice",
        created_at=at(2, 6),
        commits=[b1, mm, b2],
        merged_at=at(2, 10),
        merge_commit_sha=m3,
        reviews=[("dave", "COMMENTED", at(2, 6.5)), ("dave", "APPROVED", at(2, 9))],
    )
    # Two deployments of m3: X, created first, succeeds last.
    repo.deployment(m3, created_at=at(2, 11), statuses=[("in_progress", at(2, 11)), ("success", at(2, 13))])
    repo.deployment(m3, created_at=at(2, 11.5), statuses=[("success", at(2, 12))])
    g = repo.commit("g", author_date=at(3, 8))
    repo.deployment(g, created_at=at(3, 9))  # D4


@scenario("acme/branchforce")
def build_branch_deployed_then_force_pushed_and_squashed(repo: RepoData) -> None:
    started(repo, at(1, 6))  # D1 first
    f1 = repo.commit("f1", author_date=at(2, 8))
    repo.deployment(f1, created_at=at(2, 10))  # D2
    o1 = repo.commit("o1", parents=[f1], author_date=at(2, 11), author_login="alice", branch="pr-2")
    repo.deployment(o1, created_at=at(2, 12), ref="pr-2")  # D3, from the PR's branch
    n1 = repo.commit("n1", parents=[f1], author_date=at(2, 14), author_login="alice", branch="pr-2")
    f2 = repo.commit("f2", author_date=at(2, 15.5))
    s2 = squash_merged_pr(
        repo,
        [n1],
        f2,
        number=2,
        title="Reworked",
        author="alice",
        created_at=at(2, 11.5),
        merged_at=at(2, 16),
        reviews=[("bob", "CHANGES_REQUESTED", at(2, 13)), ("bob", "APPROVED", at(2, 15))],
    )
    repo.deployment(s2, created_at=at(2, 17))  # D4


@scenario("acme/presince")
def build_pull_requests_merged_before_since(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=feb(20))
    q1 = repo.commit("q1", parents=[c0], author_date=feb(26, 8), author_login="alice", branch="pr-1")
    s1 = squash_merged_pr(
        repo, [q1], c0, number=1, title="One", author="alice", created_at=feb(26, 10), merged_at=feb(27, 12)
    )
    q2 = repo.commit("q2", parents=[c0], author_date=feb(26, 6), author_login="bob", branch="pr-2")
    s2 = repo.squash_merge([q2], s1, "Two (#2)", feb(28, 12))
    repo.pull(
        number=2,
        title="Two",
        author="bob",
        created_at=feb(26, 9),
        commits=[q2],
        merged_at=feb(28, 12),
        merge_commit_sha=s2,
        reviews=[("carol", "APPROVED", feb(27, 9))],
        updated_at=at(2, 9),  # a comment on the merged PR, after github.since
    )
    repo.deployment(c0, created_at=at(1, 6))  # D1 first: main had moved on, c0 deployed
    repo.deployment(s2, created_at=at(2, 10))  # D2
    d = repo.commit("d", author_date=at(3, 8))
    repo.deployment(d, created_at=at(3, 9))  # D3


@scenario("acme/viabranch")
def build_main_merged_into_a_branch_that_is_deployed(repo: RepoData) -> None:
    c0 = started(repo, at(1, 6))  # D1 first
    a1 = repo.commit("a1", parents=[c0], author_date=at(2, 6), author_login="bob", branch="pr-2")
    s2 = squash_merged_pr(
        repo, [a1], c0, number=2, title="Tweak", author="bob", created_at=at(2, 7), merged_at=at(2, 8)
    )
    b1 = repo.commit("b1", parents=[c0], author_date=at(2, 5), author_login="alice", branch="pr-3")
    mm = repo.commit(
        "Merge branch 'main' into pr-3",
        parents=[b1, s2],
        author_date=at(2, 9),
        author_login="alice",
        branch="pr-3",
    )
    repo.deployment(mm, created_at=at(2, 10), ref="pr-3")  # D2, from the PR's branch
    m3 = repo.merge_commit(s2, mm, "Merge pull request #3 from acme/pr-3\n\nFeature", at(2, 12))
    repo.pull(
        number=3,
        title="Feature",
        author="alice",
        created_at=at(2, 5.5),
        commits=[b1, mm],
        merged_at=at(2, 12),
        merge_commit_sha=m3,
        reviews=[("dave", "APPROVED", at(2, 11))],
    )
    repo.deployment(m3, created_at=at(2, 13))  # D3
    g = repo.commit("g", author_date=at(3, 8))
    repo.deployment(g, created_at=at(3, 9))  # D4


@scenario("acme/stacked")
def build_stacked_pull_request_after_its_base_was_rebase_merged(repo: RepoData) -> None:
    c0 = started(repo, at(1, 6))  # D1 first
    a1 = repo.commit("a1", parents=[c0], author_date=at(2, 6), author_login="alice", branch="pr-2")
    a2 = repo.commit("a2", parents=[a1], author_date=at(2, 4), author_login="alice", branch="pr-2")
    r1, r2 = repo.rebase_merge([a1, a2], c0, date=at(2, 10))
    assert repo.commits[r1]["commit"]["author"]["date"] == "2026-03-02T06:00:00Z"
    repo.pull(
        number=2,
        title="Base",
        author="alice",
        created_at=at(2, 8),
        commits=[a1, a2],
        merged_at=at(2, 10),
        merge_commit_sha=r2,
        reviews=[("bob", "APPROVED", at(2, 9))],
    )
    b1 = repo.commit("b1", parents=[a2], author_date=at(2, 11), author_login="alice", branch="pr-3")
    # Retargeted to main once PR #2 was merged: GitHub lists a1, a2 (not on main: r1, r2 are copies), b1.
    squash_merged_pr(
        repo,
        [a1, a2, b1],
        r2,
        number=3,
        title="On top",
        author="alice",
        created_at=at(2, 11.5),
        merged_at=at(3, 9),
        reviews=[("carol", "APPROVED", at(3, 8))],
    )
    assert repo.branches["main"] != r2
    repo.deployment(repo.branches["main"], created_at=at(3, 10))  # D2
    g = repo.commit("g", author_date=at(3, 12))
    repo.deployment(g, created_at=at(3, 13))  # D3


@scenario("acme/pastancestor")
def build_rollback_past_a_first_deployment_that_shipped_a_squash(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    q1 = repo.commit("q1", parents=[c0], author_date=at(1, 1), author_login="alice", branch="pr-1")
    squash_merged_pr(
        repo,
        [q1],
        c0,
        number=1,
        title="Init",
        author="alice",
        created_at=at(1, 2),
        merged_at=at(1, 4),
        reviews=[("bob", "APPROVED", at(1, 3))],
    )
    f2 = repo.commit("f2", author_date=at(1, 5))
    repo.deployment(f2, created_at=at(1, 6))  # D1 first: ships s1 too, unknown to the history
    h = repo.commit("h", author_date=at(2, 8))
    repo.deployment(h, created_at=at(2, 10))  # D2
    repo.deployment(c0, created_at=at(2, 12))  # D3: back past the first deployment
    g = repo.commit("g", author_date=at(3, 7))
    repo.deployment(g, created_at=at(3, 10))  # D4


# ------------------------------------------------------------------------------------------- pipeline


@pytest.fixture(scope="module")
def metrics_by_api(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, Any]]]:
    return MERGES.collect(tmp_path_factory, TOKEN_VARIABLE, TOKEN, AS_OF)


@pytest.fixture(params=APIS)
def team_rows(
    request: pytest.FixtureRequest, metrics_by_api: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    return metrics_by_api[request.param]


# ------------------------------------------------------------------------------------------- the tests


def test_rebase_merge_from_before_since_and_force_pushed_squash_shipped_together_then_redeployed(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/forcerb.

    D1 c0 03-01 06:00 (first).
    PR #2 (erin): e1 authored 02 08:00, e2 (its child) authored 02-20 10:00 — before github.since and
    before the window; opened 02-25 09:00 (before since too; collected: updated at its merge, 03-02);
    frank approves 02 10:00; rebase-merged 02 12:00 as r1 (e1's copy, author date 02 08:00 kept) and r2
    (e2's, 02-20 10:00 kept), merge_commit_sha r2. Not deployed until D2.
    PR #3 (alice): o1 (02 06:00) opened 02 08:00; bob requests changes 09:00; alice force-pushes n1
    (11:00) and n2 (13:00): GitHub lists n1, n2 only; bob approves 14:00; squash-merged 03 09:00 onto r2
    as s3.
    D2 s3 at 03 12:00: compare(c0...s3) = r1, r2, s3, all changes:
      r1 is no PR's merge commit: its own date 02 08:00 → 28 h;
      r2 is PR #2's merge commit: the PR's earliest, e2 02-20 10:00 → 11 d 2 h = 266 h;
      s3 is PR #3's: the final list's earliest, n1 02 11:00 → 25 h (o1 would give 30).
    D3 redeploys s3 at 03 15:00: ``identical``, no changes, deploys no PR again.
    D4 g (04 08:00) at 04 09:00: 1 h.
    Deployments 4; lead 1, 25, 28, 266 → p50 at 1.5: 26.5; p90 at 2.7: 28 + 0.7 × 238 = 194.6.
    Breakdown (both PRs deployed by D2, the first to ship their merge commits):
      PR #2: coding 02-20 10:00 → 02-25 09:00 = 119; pickup 02-25 09:00 → 03-02 10:00 = 121; review
        10:00 → 12:00 = 2; deploy 03-02 12:00 → 03-03 12:00 = 24.
      PR #3: coding n1 02 11:00 → opened 08:00 = −3: dropped; pickup 08:00 → bob 09:00 (the review
        before the final commits is still the first review) = 1; review 02 09:00 → 03 09:00 = 24;
        deploy 09:00 → 12:00 = 3.
      Medians: coding 119; pickup (1, 121) 61; review (2, 24) 13; deploy (3, 24) 13.5.
    Bands: 4/30 medium; 26.5 h ≥ 1 day → high; 0 % elite; null.
    """
    check_row(
        team_rows["forcerb"],
        team="forcerb",
        deployments=4,
        lead=(26.5, 194.6),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=119.0, pickup=61.0, review=13.0, deploy=13.5),
        row_bands=bands("medium", "high", "elite", None),
    )


def test_cherry_pick_onto_a_release_branch_deployed_between_main_deployments(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/backport.

    D1 c0 03-01 06:00 (first).
    PR #2 (alice): p2 02 06:00, opened 07:00, bob approves 08:00, squash-merged 09:00 as s2 (authored
    09:00). D2 s2 at 02 10:00: s2 from p2 → 4 h.
    PR #3 (carol, base ``release-1``, cut from c0): k3, the cherry-pick of s2 (author alice, author date
    02 09:00 kept), opened 03 08:00, dave approves 09:00, squash-merged 10:00 into release-1 as s3.
    PR #4 (erin): q4 03 10:00, opened 10:30, no review, squash-merged 11:00 onto s2 as s4 (main).
    D3 deploys s3 from release-1 at 03 12:00: compare(s2...s3) ``diverged`` (no rollback), ahead by s3,
      shipped by nobody → a change; PR #3's merge commit → from k3 02 09:00: 27 h. PR #4, merged an
      hour before, is not shipped by it.
    D4 deploys s4 (main) at 03 16:00: compare(s3...s4) ``diverged``, ahead by s2 (D2's) and s4 → change
      s4 from q4 10:00: 6 h. PR #4 is deployed here: deploy 11:00 → 16:00 = 5.
    D5 deploys s3 again at 03 18:00: compare(s4...s3) ``diverged`` (s3 is no ancestor of s4: no
      rollback), ahead by s3, which D3 shipped → no change, no PR deployed again, nothing failed.
    Deployments 5; lead 4, 6, 27 → p50 6; p90 at 1.8: 6 + 0.8 × 21 = 22.8.
    Breakdown: PR #2 coding 1, pickup 1, review 1, deploy 1; PR #3 coding 02 09:00 → 03 08:00 = 23,
    pickup 1, review 1, deploy 2; PR #4 coding 0.5, deploy 5 → coding (0.5, 1, 23) 1, pickup 1, review
    1, deploy (1, 2, 5) 2. (PR #4 taken as deployed by D3 would give deploy 1; D5 deploying PR #3 again
    would add a deploy of 8.)
    Bands: 5/30 high; 6 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["backport"],
        team="backport",
        deployments=5,
        lead=(6.0, 22.8),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=1.0, pickup=1.0, review=1.0, deploy=2.0),
        row_bands=bands("high", "elite", "elite", None),
    )


def test_merge_commit_pr_whose_branch_merged_main_deployed_twice_out_of_order(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/mergemain.

    D1 c0 03-01 06:00 (first).
    PR #2 (bob): a1 02 04:00; carol comments at 04:15, before the PR is opened at 04:30; carol approves
    05:00; squash-merged 05:30 as s2 (main).
    PR #3 (alice): b1 02 03:00 (branch from c0), opened 06:00, dave comments 06:30; alice merges main
    into the branch, mm = merge(b1, s2) at 07:00; b2 08:00; dave approves 09:00; merged 10:00 with merge
    commit m3 = merge(s2, b2). GitHub lists PR #3's commits b1, mm, b2 (s2 is main's, not the PR's).
    Two deployments of m3: X created 11:00, first success 13:00; Y created 11:30, success 12:00. Ordered
    by deployed_at (§5.2): Y then X.
    Y at 02 12:00: compare(c0...m3) = b1, s2, mm, b2, m3; mm and m3 have two parents (no changes) →
      b1 its own date 03:00 → 9 h; s2 is PR #2's merge commit → from a1 04:00: 8 h; b2 own 08:00 → 4 h.
    X at 13:00: ``identical``, no changes, no PR.
    D4 g (03 08:00) at 03 09:00: 1 h.
    Deployments 4; lead 1, 4, 8, 9 → p50 6; p90 at 2.7: 8 + 0.7 × 1 = 8.7.
    Breakdown, both PRs deployed by Y (the first to ship s2 and m3; merge commits count here):
      PR #2: coding 0.5; first review carol 04:15 (earliest, at or before the merge): pickup 04:30 →
        04:15 = −0.25, dropped; review 04:15 → 05:30 = 1.25; deploy 05:30 → 12:00 = 6.5.
      PR #3: coding b1 03:00 → 06:00 = 3; pickup 0.5; review 06:30 → 10:00 = 3.5; deploy 2.
      Medians: coding (0.5, 3) 1.75; pickup 0.5; review (1.25, 3.5) 2.375; deploy (2, 6.5) 4.25.
    (X taken as the shipper: leads 5, 9, 10 and deploys 3, 7.5.)
    Bands: 4/30 medium; 6 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["mergemain"],
        team="mergemain",
        deployments=4,
        lead=(6.0, 8.7),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=1.75, pickup=0.5, review=2.375, deploy=4.25),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_branch_deployed_then_force_pushed_and_squash_merged(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/branchforce.

    D1 c0 03-01 06:00 (first). D2 f1 (02 08:00) at 02 10:00: 2 h.
    PR #2 (alice): o1 authored 02 11:00 on pr-2 (from f1), opened 11:30; D3 deploys o1 from the branch
    at 12:00: compare(f1...o1) ahead → change o1, its own date (no PR's merge commit): 1 h. bob requests
    changes 13:00; alice force-pushes n1 (14:00, from f1): GitHub lists n1 only. f2 (15:30) lands on
    main; bob approves 15:00; squash-merged 16:00 onto f2 as s2.
    D4 s2 at 02 17:00: compare(o1...s2) ``diverged`` (no rollback), ahead by f2, s2: f2 own 15:30 → 1.5
    h; s2 is PR #2's merge commit → from n1 14:00: 3 h (o1, no longer listed, would give 6).
    Deployments 4; lead 1, 1.5, 2, 3 → p50 1.75; p90 at 2.7: 2 + 0.7 × 1 = 2.7.
    Breakdown PR #2 (deployed by D4, the first to ship s2): coding n1 14:00 → opened 11:30 = −2.5,
    dropped (null: no other PR); pickup 11:30 → 13:00 = 1.5; review 13:00 → 16:00 = 3; deploy 1.
    Bands: 4/30 medium; 1.75 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["branchforce"],
        team="branchforce",
        deployments=4,
        lead=(1.75, 2.7),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(pickup=1.5, review=3.0, deploy=1.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_pull_requests_merged_before_since_deployed_after_it(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/presince. SPEC is silent on a PR merged before ``github.since`` ("how far back the first sync
    reaches") whose merge commit a collected deployment ships; docs do not decide it either. The
    product's reading is asserted (see the report): a PR last updated before ``since`` is not collected.

    c0 (02-20). PR #1 (alice): q1 02-26 08:00, opened 10:00, no review, squash-merged 02-27 12:00 as s1;
    last updated then. PR #2 (bob): q2 02-26 06:00, opened 09:00, carol approves 02-27 09:00,
    squash-merged 02-28 12:00 onto s1 as s2; a comment on 03-02 09:00 updated it after ``since``.
    D1 deploys c0 at 03-01 06:00 (first; main was already at s2). D2 s2 at 03-02 10:00:
    compare(c0...s2) = s1, s2:
      s2: PR #2 (collected) → from q2 02-26 06:00 → 100 h;
      s1: PR #1 is not collected → its own author date, the merge 02-27 12:00 → 70 h (from q1, as §5.2
        reads with PR #1 known: 98 h).
    D3 d (03 08:00) at 03 09:00: 1 h.
    Deployments 3; lead 1, 70, 100 → p50 70; p90 at 1.8: 70 + 0.8 × 30 = 94 (with PR #1: 1, 98, 100 →
    98 and 99.6).
    Breakdown: PR #2 coding 3, pickup 24, review 27, deploy 02-28 12:00 → 03-02 10:00 = 46 (with PR #1:
    coding (2, 3) 2.5, deploy (46, 70) 58).
    Bands: 3/30 medium; 70 h high; 0 % elite; null.
    """
    check_row(
        team_rows["presince"],
        team="presince",
        deployments=3,
        lead=(70.0, 94.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=3.0, pickup=24.0, review=27.0, deploy=46.0),
        row_bands=bands("medium", "high", "elite", None),
    )


def test_main_merged_into_a_branch_deployed_from_it_deploys_the_other_pull_request(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/viabranch.

    D1 c0 03-01 06:00 (first).
    PR #2 (bob): a1 02 06:00, opened 07:00, no review, squash-merged 08:00 as s2 (main); main itself is
    not deployed.
    PR #3 (alice): b1 02 05:00 (from c0), opened 05:30; alice merges main into the branch, mm =
    merge(b1, s2) at 09:00. D2 deploys mm from the branch at 10:00: compare(c0...mm) ahead = b1, s2, mm
    → changes b1 (no PR's merge commit: own 05:00 → 5 h) and s2 (PR #2's → from a1 06:00: 4 h); mm has
    two parents. D2 is the first deployment to ship s2: it deploys PR #2 (deploy 08:00 → 10:00 = 2).
    dave approves PR #3 at 11:00; merged 12:00 with m3 = merge(s2, mm); GitHub lists b1, mm.
    D3 m3 at 13:00: compare(mm...m3) ahead = m3 only, a merge commit: no change; it deploys PR #3
    (deploy 1).
    D4 g (03 08:00) at 03 09:00: 1 h.
    Deployments 4; lead 1, 4, 5 → p50 4; p90 at 1.8: 4 + 0.8 × 1 = 4.8.
    Breakdown: PR #2 coding 1, deploy 2; PR #3 coding 05:00 → 05:30 = 0.5, pickup 05:30 → 11:00 =
    5.5, review 1, deploy 1 → coding 0.75, pickup 5.5, review 1, deploy 1.5. (PR #2 left undeployed,
    as main never deployed s2 on its own: deploy 1.)
    Bands: 4/30 medium; 4 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["viabranch"],
        team="viabranch",
        deployments=4,
        lead=(4.0, 4.8),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=0.75, pickup=5.5, review=1.0, deploy=1.5),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_stacked_pull_request_lists_its_rebase_merged_bases_commits(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/stacked.

    D1 c0 03-01 06:00 (first).
    PR #2 (alice): a1 02 06:00, a2 (its child) 02 04:00; opened 08:00; bob approves 09:00;
    rebase-merged 10:00 as r1 (a1's copy, 06:00), r2 (a2's, 04:00), merge_commit_sha r2.
    PR #3 (alice) stacked on pr-2: b1 02 11:00 (child of a2), opened 11:30; retargeted to main when PR
    #2 merged, GitHub lists a1, a2 (the originals, which main does not contain), b1; carol approves 03
    08:00; squash-merged 09:00 onto r2 as s3.
    D2 s3 at 03 10:00: compare(c0...s3) = r1, r2, s3:
      r1 own 02 06:00 → 28 h; r2 PR #2's earliest, a2 04:00 → 30 h; s3 PR #3's earliest among what
      GitHub lists, a2 04:00 → 30 h (SPEC §5.2's words: "the earliest author date among the commits of
      the merged PR"; from b1 it would be 23 h).
    D3 g (03 12:00) at 03 13:00: 1 h.
    Deployments 3; lead 1, 28, 30, 30 → p50 29; p90 at 2.7: 30.
    Breakdown (both deployed by D2): PR #2 coding 04:00 → 08:00 = 4, pickup 1, review 1, deploy 02
    10:00 → 03 10:00 = 24; PR #3 coding 04:00 → 11:30 = 7.5, pickup 11:30 → 03 08:00 = 20.5, review 1,
    deploy 1 → coding 5.75, pickup 10.75, review 1, deploy 12.5.
    Bands: 3/30 medium; 29 h high; 0 % elite; null.
    """
    check_row(
        team_rows["stacked"],
        team="stacked",
        deployments=3,
        lead=(29.0, 30.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=5.75, pickup=10.75, review=1.0, deploy=12.5),
        row_bands=bands("medium", "high", "elite", None),
    )


def test_rollback_past_the_first_deployment_relists_a_squash_it_had_shipped(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/pastancestor.

    c0 (03-01 00:00). PR #1 (alice): q1 01:00, opened 02:00, bob approves 03:00, squash-merged 04:00
    as s1. f2 (05:00) lands on main. D1 deploys f2 at 01 06:00: the first deployment, its changes
    unknown — it ships s1 (an ancestor of f2), but nothing listed says so yet.
    D2 h (02 08:00) at 02 10:00: 2 h. D3 deploys c0 at 02 12:00: compare(h...c0) ``behind`` → a
    rollback of D2 (D2 failed, recovered 2 h; D3 rework).
    D4 g (03 07:00) at 03 10:00: compare(c0...g) = s1, f2, h, g. f2 is D1's own commit and s1 its
    ancestor among the listed: they stay D1's (docs "Changes"), never changes of D4; h was D2's →
    change g, 3 h.
    Deployments 4; lead 2, 3 → p50 2.5, p90 2.9; CFR 1/4; recovery 2; rework 1/4.
    Breakdown: D4's compare now shows that D1 shipped s1, PR #1's merge commit: PR #1 is shipped by
    the first deployment, so (SPEC §5.2 "the PRs it ships have no deploy stage") it has coding 1,
    pickup 1, review 1 and no deploy stage; no other PR. (Read as deployed by D4, the first known
    compare listing s1: deploy 03 10:00 − 01 04:00 = 54.)
    Bands: 4/30 medium; 2.5 h elite; 25 % low; 2 h high.
    """
    check_row(
        team_rows["pastancestor"],
        team="pastancestor",
        deployments=4,
        lead=(2.5, 2.9),
        cfr=1 / 4,
        recovery=2.0,
        rework=1 / 4,
        stages=breakdown(coding=1.0, pickup=1.0, review=1.0),
        row_bands=bands("medium", "elite", "low", "high"),
    )
