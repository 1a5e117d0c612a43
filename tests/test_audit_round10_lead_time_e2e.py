"""Audit, round 10, end to end: lead time for changes where the collector meets two or more rules (SPEC
§5.1 deployment sources, §5.2 changes and a change's start, §5.3 pull requests, §6.2 lead time and its
breakdown; docs/metrics.md "Changes", "Lead time for changes", "Lead time breakdown"). Emulated GitHub →
``doraspace collect`` (REST and GraphQL) → ``doraspace metrics --format json``. Every number is worked out
by hand in the test's docstring.

Not repeated here: a rebase merge whose commit predates ``since`` (round 6 ``forcerb``), a cherry-pick PR
into a release branch after the PR's own squash was deployed (round 6 ``backport``), the first rebased
copy deployed alone (``test_end_to_end_pairs``), staging beside production with status sequences
(``test_audit_histories_e2e`` ``stg``). Here: one rebase merge deployed by a *release* and by *workflow
runs*, each beside a branch signal that is no deployment (a prerelease, a run on the PR's branch); a
*squash* whose earliest commit predates both ``github.since`` and the window; a commit listed by a closed
PR and by the PR that reopened it; a cherry-pick of a PR's *branch* commit deployed from a release branch
*before* the PR's own merge, with staging deployments of both; co-authored commits whose co-author
reviews; a branch deployed before GitHub marks its PR merged by a fast-forward, then redeployed from main
(analytics-level in ``test_audit_breakdown_pairs`` #4; here through the collector, with the redeploy).

One emulated organisation holds every scenario, each in its own repository owned by the team of its short
name (config ``teams:``). It is collected once per ``github.api`` mode into its own store and read with
``--as-of 2026-03-20T00:00:00Z``; one window, 30d = (02-18 00:00, 03-20 00:00], holds every deployment, so
the bands come from it (SPEC §6.3 "or the longest configured"), dora-2023. ``github.since`` is 2026-03-01.
Times are March 2026 UTC, ``at(day, hour)``, or February, ``feb(day, hour)``. Every repository's first
deployment has compare ``first`` (no lead times, §5.2). No incident, no rework label, no rollback: change
failure rate 0, recovery and restore null, rework 0. Percentiles are ``percentile_cont``: p at position
p × (n − 1) of the sorted values. Whole 30d rows are asserted. Bands (dora-2023): frequency n/30 below 1/7
(n ≤ 4) and ≥ 1/30 is medium; lead p50 < 24 h elite, < 168 h high, < 720 h medium; CFR 0 elite; recovery
null.

SPEC sentences the scenarios lean on:

* §5.1 "``workflow_runs``: completed runs of ``workflow`` on the default branch with conclusion
  ``success``"; "``releases``: published, non-draft, non-prerelease releases"; "only the production
  environment counts".
* §5.2 "D's changes are the non-merge commits (one parent or none) in ``compare(P.sha...D.sha)`` that no
  earlier deployment shipped"; "A change's start is the earliest author date among the commits of the
  merged PR whose ``merge_commit_sha`` is the change's sha (a squash merge's commit; for a rebase merge
  only its last commit), else the commit's own author date. Its lead time is ``D.deployed_at − start``".
* §5.3 "Merged PRs with their commits and reviews: … first review by someone other than the author";
  coding (first commit → opened), pickup (opened → first review), review (first review → merged), deploy
  (merged → deployed_at of the deployment that shipped the merge commit).
* docs/metrics.md: "A PR is deployed by the first deployment with a known compare … whose compare contains
  the PR's merge commit"; "A staging deployment … is not counted and does not take part in anything".
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
    started_at_six,
)

TOKEN_VARIABLE = "AUDIT_ROUND10_LEAD_TIME_GITHUB_TOKEN"
TOKEN = "audit-round10-lead-time-token"

LEAD = Scenarios()
WORKFLOW_RUNS = "{source: workflow_runs, workflow: deploy.yml}"
RELEASES = "{source: releases}"


def feb(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 2, day, tzinfo=UTC) + timedelta(hours=hour)


def scenario(
    repo_name: str, source: str | None = None
) -> Callable[[Callable[[RepoData], None]], Callable[[RepoData], None]]:
    """Register a builder of repository ``repo_name`` (deployments config ``source``, default GitHub
    Deployments in production), owned by the team of its short name."""

    def register(builder: Callable[[RepoData], None]) -> Callable[[RepoData], None]:
        LEAD.register((repo_name, repo_name.split("/")[1], source))(
            lambda dataset: builder(dataset.add_repo(repo_name))
        )
        return builder

    return register


def co_author(login: str) -> str:
    return f"Co-authored-by: {login} <{login}@users.noreply.github.com>"


# ------------------------------------------------------------------------------------------- scenarios


def _rebase_merged_pr(repo: RepoData) -> tuple[str, str, str]:
    """c0 (03-01 00:00); PR #2 (alice): a1 02 02:00, a2 05:00, a3 06:00 on pr-2, opened 07:00, bob comments
    08:00, rebase-merged 10:00 as r1, r2, r3 (author dates kept; r3 is the merge_commit_sha); then a
    direct push d3 (11:00) on main. Returns (c0, a3, d3)."""
    c0 = repo.commit("initial", author_date=at(1))
    a1 = repo.commit("a1", parents=[c0], author_date=at(2, 2), author_login="alice", branch="pr-2")
    a2 = repo.commit("a2", parents=[a1], author_date=at(2, 5), author_login="alice", branch="pr-2")
    a3 = repo.commit("a3", parents=[a2], author_date=at(2, 6), author_login="alice", branch="pr-2")
    r1, r2, r3 = repo.rebase_merge([a1, a2, a3], c0, date=at(2, 10))
    assert {r1, r2, r3}.isdisjoint({a1, a2, a3})
    repo.pull(
        number=2,
        title="Rebased",
        author="alice",
        created_at=at(2, 7),
        commits=[a1, a2, a3],
        merged_at=at(2, 10),
        merge_commit_sha=r3,
        reviews=[("bob", "COMMENTED", at(2, 8))],
    )
    d3 = repo.commit("d3", author_date=at(2, 11))
    assert repo.commits[d3]["parents"][0]["sha"] == r3
    return c0, a3, d3


@scenario("acme/rbrel", RELEASES)
def build_rebase_merge_released(repo: RepoData) -> None:
    c0, a3, d3 = _rebase_merged_pr(repo)
    repo.tags["v1.0.0"] = c0
    repo.release("v1.0.0", created_at=at(1, 5), published_at=at(1, 6))  # R1, first
    repo.tags["v1.1.0-rc1"] = a3
    repo.release(
        "v1.1.0-rc1", created_at=at(2, 9), published_at=at(2, 9), prerelease=True, target_commitish="pr-2"
    )
    repo.tags["v1.1.0"] = d3
    repo.release("v1.1.0", created_at=at(2, 11.5), published_at=at(2, 12))  # R2


@scenario("acme/rbwf", WORKFLOW_RUNS)
def build_rebase_merge_run(repo: RepoData) -> None:
    c0, a3, d3 = _rebase_merged_pr(repo)
    repo.workflow_run(c0, created_at=at(1, 5.5), updated_at=at(1, 6))  # W1, first
    repo.workflow_run(a3, branch="pr-2", created_at=at(2, 8.5), updated_at=at(2, 9))  # not main
    repo.workflow_run(d3, created_at=at(2, 11.5), updated_at=at(2, 12))  # W2


@scenario("acme/presq")
def build_squash_from_before_since(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=feb(1))
    repo.deployment(c0, created_at=at(1, 6))  # D1, first
    e = repo.commit("e", author_date=feb(27, 8))  # authored before since, pushed onto c0 after D1
    q1 = repo.commit("q1", parents=[c0], author_date=feb(10, 10), author_login="alice", branch="pr-2")
    q2 = repo.commit("q2", parents=[q1], author_date=at(2, 8), author_login="alice", branch="pr-2")
    s2 = repo.squash_merge([q1, q2], e, "Long-lived (#2)", at(2, 12))
    repo.pull(
        number=2,
        title="Long-lived",
        author="alice",
        created_at=at(2, 9),
        commits=[q1, q2],
        merged_at=at(2, 12),
        merge_commit_sha=s2,
        reviews=[("carol", "APPROVED", at(2, 10))],
    )
    repo.deployment(s2, created_at=at(2, 14))  # D2
    f = repo.commit("f", author_date=at(3, 8))
    repo.deployment(f, created_at=at(3, 9))  # D3


@scenario("acme/reopen")
def build_commit_listed_by_a_closed_pr_and_its_reopening(repo: RepoData) -> None:
    c0 = started_at_six(repo)  # D1, first
    a1 = repo.commit("a1", parents=[c0], author_date=at(2, 5), author_login="alice", branch="pr-2")
    # GitHub keeps the last test merge commit of a closed, unmerged PR as its merge_commit_sha.
    t2 = repo.commit("Merge a1 into c0", parents=[c0, a1], author_date=at(2, 6), author_login="web-flow")
    repo.pull(
        number=2,
        title="First try",
        author="alice",
        created_at=at(2, 6),
        commits=[a1],
        merged_at=None,
        merge_commit_sha=t2,
        reviews=[("bob", "CHANGES_REQUESTED", at(2, 7))],
        state="closed",
        closed_at=at(2, 8),
    )
    a2 = repo.commit("a2", parents=[a1], author_date=at(3, 5), author_login="alice", branch="pr-3")
    s3 = repo.squash_merge([a1, a2], c0, "Second try (#3)", at(3, 8))
    repo.pull(
        number=3,
        title="Second try",
        author="alice",
        created_at=at(3, 6),
        commits=[a1, a2],
        merged_at=at(3, 8),
        merge_commit_sha=s3,
        reviews=[("carol", "APPROVED", at(3, 7))],
    )
    repo.deployment(s3, created_at=at(3, 10))  # D2
    g = repo.commit("g", author_date=at(4, 8))
    repo.deployment(g, created_at=at(4, 9))  # D3


@scenario("acme/pick")
def build_cherry_pick_deployed_before_the_prs_merge(repo: RepoData) -> None:
    c0 = started_at_six(repo)  # D1, first
    p1 = repo.commit("Parse dates", parents=[c0], author_date=at(2, 6), author_login="alice", branch="pr-2")
    p2 = repo.commit("Tests", parents=[p1], author_date=at(2, 9), author_login="alice", branch="pr-2")
    repo.deployment(p2, environment="staging", ref="pr-2", created_at=at(2, 11))  # staging
    # carol cherry-picks p1 (author alice, author date kept) onto release-1, cut from c0, and pushes it.
    k = repo.commit(
        f"Parse dates\n\n(cherry picked from commit {p1})",
        parents=[c0],
        author_date=at(2, 6),
        committer_date=at(2, 14),
        author_login="alice",
        committer_login="carol",
        branch="release-1",
    )
    repo.deployment(k, ref="release-1", created_at=at(2, 16))  # D2
    s2 = repo.squash_merge([p1, p2], c0, "Parse dates (#2)", at(3, 10))
    repo.pull(
        number=2,
        title="Parse dates",
        author="alice",
        created_at=at(2, 10),
        commits=[p1, p2],
        merged_at=at(3, 10),
        merge_commit_sha=s2,
        reviews=[("bob", "APPROVED", at(2, 12))],
    )
    repo.deployment(s2, environment="staging", created_at=at(3, 11))  # staging
    repo.deployment(s2, created_at=at(3, 12))  # D3
    f = repo.commit("f", author_date=at(4, 8))
    repo.deployment(f, environment="staging", created_at=at(4, 8.5))  # staging
    repo.deployment(f, created_at=at(4, 9))  # D4


@scenario("acme/coauth")
def build_co_authored_commits(repo: RepoData) -> None:
    c0 = started_at_six(repo)  # D1, first
    b1 = repo.commit(
        f"Pair on parser\n\n{co_author('alice')}",
        parents=[c0],
        author_date=at(2, 3),
        author_login="bob",
        branch="pr-2",
    )
    a1 = repo.commit(
        f"Finish parser\n\n{co_author('bob')}",
        parents=[b1],
        author_date=at(2, 6),
        author_login="alice",
        branch="pr-2",
    )
    s2 = repo.squash_merge(
        [b1, a1],
        c0,
        f"Parser (#2)\n\n* Pair on parser\n\n{co_author('bob')}",
        at(2, 10),
        author_login="alice",
    )
    repo.pull(
        number=2,
        title="Parser",
        author="alice",
        created_at=at(2, 7),
        commits=[b1, a1],
        merged_at=at(2, 10),
        merge_commit_sha=s2,
        reviews=[
            ("alice", "COMMENTED", at(2, 7.5)),
            ("bob", "COMMENTED", at(2, 8)),
            ("carol", "APPROVED", at(2, 9)),
        ],
    )
    d = repo.commit(f"Fix typo\n\n{co_author('carol')}", author_date=at(2, 11), author_login="dave")
    repo.deployment(d, created_at=at(2, 12))  # D2
    c1 = repo.commit("Schema", parents=[d], author_date=at(3, 2), author_login="carol", branch="pr-4")
    b4 = repo.commit(
        f"Wire schema\n\n{co_author('carol')}",
        parents=[c1],
        author_date=at(3, 4),
        author_login="bob",
        branch="pr-4",
    )
    s4 = repo.squash_merge([c1, b4], d, f"Schema (#4)\n\n{co_author('carol')}", at(3, 8), author_login="bob")
    repo.pull(
        number=4,
        title="Schema",
        author="bob",
        created_at=at(3, 5),
        commits=[c1, b4],
        merged_at=at(3, 8),
        merge_commit_sha=s4,
        reviews=[("carol", "COMMENTED", at(3, 6)), ("dave", "APPROVED", at(3, 7))],
    )
    repo.deployment(s4, created_at=at(3, 9))  # D3


@scenario("acme/early")
def build_branch_deployed_before_a_fast_forward_merge(repo: RepoData) -> None:
    c0 = started_at_six(repo)  # D1, first
    b1 = repo.commit("b1", parents=[c0], author_date=at(2, 2), author_login="alice", branch="pr-2")
    b2 = repo.commit("b2", parents=[b1], author_date=at(2, 5), author_login="alice", branch="pr-2")
    repo.deployment(b2, ref="pr-2", created_at=at(2, 8))  # D2, from the branch
    # main fast-forwarded to the branch at 12:00: GitHub marks PR #2 merged, merge_commit_sha b2.
    repo.branches["main"] = b2
    repo.pull(
        number=2,
        title="Branch first",
        author="alice",
        created_at=at(2, 6),
        commits=[b1, b2],
        merged_at=at(2, 12),
        merge_commit_sha=b2,
        reviews=[("bob", "APPROVED", at(2, 7))],
    )
    repo.deployment(b2, created_at=at(2, 14))  # D3, the same commit from main
    q3 = repo.commit("q3", parents=[b2], author_date=at(3, 2), author_login="carol", branch="pr-3")
    s3 = repo.squash_merge([q3], b2, "Small (#3)", at(3, 5))
    repo.pull(
        number=3,
        title="Small",
        author="carol",
        created_at=at(3, 3),
        commits=[q3],
        merged_at=at(3, 5),
        merge_commit_sha=s3,
    )
    repo.deployment(s3, created_at=at(3, 6))  # D4


# ------------------------------------------------------------------------------------------- pipeline


@pytest.fixture(scope="module")
def metrics_by_api(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, Any]]]:
    return LEAD.collect(tmp_path_factory, TOKEN_VARIABLE, TOKEN, AS_OF)


@pytest.fixture(params=APIS)
def team_rows(
    request: pytest.FixtureRequest, metrics_by_api: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    return metrics_by_api[request.param]


# ------------------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("team", ["rbrel", "rbwf"])
def test_rebase_merge_deployed_by_a_release_or_a_workflow_run_beside_a_branch_signal(
    team_rows: dict[str, dict[str, Any]], team: str
) -> None:
    """acme/rbrel (source releases) and acme/rbwf (source workflow_runs of deploy.yml): one history.

    c0 (03-01 00:00) deployed first at 01 06:00 (R1 v1.0.0 published then; W1 on main ending then).
    PR #2 (alice): a1 02 02:00, a2 05:00, a3 06:00 on pr-2; opened 07:00; bob comments 08:00.
    A signal from the PR's branch at 09:00 is no deployment: rbrel's v1.1.0-rc1 on a3 is a prerelease;
    rbwf's run of a3 is on branch pr-2, not the default branch (§5.1).
    Rebase-merged 10:00: new shas r1, r2, r3 on main (author dates 02:00, 05:00, 06:00 kept); a1…a3 are
    never on main; r3 is the merge_commit_sha. Direct push d3 (11:00). R2 v1.1.0 on d3 published 12:00 /
    W2 on d3 ends 12:00: compare(c0...d3) = r1, r2, r3, d3, all changes:
      r1 no PR's merge commit: own 02:00 → 10 h; r2 own 05:00 → 7 h;
      r3 PR #2's merge commit: the PR's earliest, a1 02:00 → 10 h (its own 06:00 would give 6);
      d3 own 11:00 → 1 h.
    Deployments 2. Leads 1, 7, 10, 10 (an even count) → p50 at 1.5: (7 + 10) / 2 = 8.5; p90 at 2.7: 10.
    (r3 from its own date: 1, 6, 7, 10 → 6.5 and 9.1; every copy from a1: 1, 10, 10, 10 → 10; the rc or
    branch run counted: 3 deployments and leads 3, 4, 7, 7 then 1.)
    PR #2, deployed by R2 / W2 (the first to ship r3): coding 02:00 → 07:00 = 5, pickup 1, review 2,
    deploy 10:00 → 12:00 = 2.
    Bands: 2/30 medium; 8.5 h elite; 0 % elite; null.
    """
    check_row(
        team_rows[team],
        team=team,
        deployments=2,
        lead=(8.5, 10.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=5.0, pickup=1.0, review=2.0, deploy=2.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_squash_whose_first_commit_predates_since_and_the_window(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/presq. c0 (02-01) deployed first at 03-01 06:00 (D1). e, a direct push authored 02-27 08:00
    (before ``since``), is main's next commit.
    PR #2 (alice): q1 authored 02-10 10:00 — before ``github.since`` (03-01) and before the 30d window
    (02-18) — and q2 03-02 08:00; opened 03-02 09:00; carol approves 10:00; squash-merged onto e at 12:00
    as s2. D2 s2 at 03-02 14:00: compare(c0...s2) = e, s2:
      e own 02-27 08:00 → 3 d 6 h = 78 h;
      s2 PR #2's merge commit → from q1 02-10 10:00: 20 d 4 h = 484 h (from q2 it would be 6).
    D3 f (03-03 08:00) at 09:00: 1 h.
    Deployments 3. Leads 1, 78, 484 → p50 78; p90 at 1.8: 78 + 0.8 × 406 = 402.8.
    PR #2 (deployed by D2): coding 02-10 10:00 → 03-02 09:00 = 19 d 23 h = 479; pickup 1; review 2;
    deploy 2.
    Bands: 3/30 medium; 78 h high; 0 % elite; null.
    """
    check_row(
        team_rows["presq"],
        team="presq",
        deployments=3,
        lead=(78.0, 402.8),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=479.0, pickup=1.0, review=2.0, deploy=2.0),
        row_bands=bands("medium", "high", "elite", None),
    )


def test_commit_listed_by_a_closed_pr_and_by_the_pr_reopening_it(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/reopen. c0 (03-01 05:00) deployed first at 01 06:00 (D1).
    PR #2 (alice): a1 02 05:00; opened 06:00; bob requests changes 07:00; closed unmerged 08:00 (GitHub
    keeps its test merge commit t2 = merge(c0, a1), never on main, as merge_commit_sha): not a merged PR
    (§5.3), no stages.
    PR #3 (alice) reopens the work from a new branch: lists a1 (the same sha) and a2 03 05:00; opened
    03 06:00; carol approves 07:00; squash-merged 08:00 as s3. D2 s3 at 03 10:00: compare(c0...s3) = s3
    → PR #3's earliest commit, a1 02 05:00 → 29 h (a1 is PR #3's first commit too, whatever PR #2 did).
    D3 g (04 08:00) at 04 09:00: 1 h.
    Deployments 3. Leads 1, 29 → p50 15; p90 at 0.9: 1 + 0.9 × 28 = 26.2.
    PR #3 (deployed by D2): coding a1 02 05:00 → 03 06:00 = 25; pickup 06:00 → carol 07:00 = 1 (bob's
    review was of PR #2, 02 07:00, before PR #3 existed: it would give −23, dropped); review 1; deploy 2.
    PR #2 in the medians (coding 1, pickup 1, no deploy) would give coding 13, pickup 1.
    Bands: 3/30 medium; 15 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["reopen"],
        team="reopen",
        deployments=3,
        lead=(15.0, 26.2),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=25.0, pickup=1.0, review=1.0, deploy=2.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_cherry_pick_of_a_branch_commit_deployed_before_the_prs_merge_with_staging(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/pick. c0 (03-01 05:00) deployed first at 01 06:00 (D1).
    PR #2 (alice): p1 02 06:00, p2 09:00 on pr-2; opened 10:00; p2 deployed to *staging* from pr-2 at
    11:00 (no deployment); bob approves 12:00.
    carol cherry-picks p1 onto release-1 (cut from c0) as k (author alice, author date 02 06:00 kept,
    committed 14:00) and pushes it — no PR. D2 deploys k (ref release-1) at 02 16:00: compare(c0...k)
    ahead by k → no PR's merge commit: own 02 06:00 → 10 h.
    PR #2 squash-merged 03 10:00 onto c0 as s2 (main); staging of s2 at 11:00 (no deployment). D3 s2 in
    production at 03 12:00: compare(k...s2) ``diverged`` (s2 is no ancestor of k: no rollback), ahead by
    s2 → PR #2's earliest, p1 02 06:00 → 30 h (the cherry-pick shipped p1's content first, but s2 is a
    change of its own, §5.2).
    Staging of f at 04 08:30; D4 f (04 08:00) in production at 09:00: compare(s2...f) ahead → 1 h.
    Deployments 4. Leads 1, 10, 30 → p50 10; p90 at 1.8: 10 + 0.8 × 20 = 26.
    PR #2 (deployed by D3, the first production deployment to ship s2): coding 4, pickup 2, review
    02 12:00 → 03 10:00 = 22, deploy 10:00 → 12:00 = 2.
    (Staging counted: 7 deployments, s2 first shipped at 11:00 → lead 29, deploy 1.)
    Bands: 4/30 medium; 10 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["pick"],
        team="pick",
        deployments=4,
        lead=(10.0, 26.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=4.0, pickup=2.0, review=22.0, deploy=2.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_co_authored_commits_and_a_co_author_reviewing(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/coauth. c0 (03-01 05:00) deployed first at 01 06:00 (D1). Co-authors live only in commit
    message trailers (``Co-authored-by:``); SPEC's author is the commit's author date and the PR's author.
    PR #2 (alice): b1 authored by bob 02 03:00 (alice co-author), a1 by alice 06:00 (bob co-author);
    opened by alice 07:00; alice's own comment 07:30 (not a first review); bob — a co-author of the
    commits, not the PR's author — comments 08:00: the first review; carol approves 09:00; squash-merged
    10:00 as s2 (author alice, trailer naming bob).
    A direct push d by dave (carol co-author) authored 11:00. D2 d at 02 12:00: compare(c0...d) = s2, d:
      s2 PR #2's earliest, bob's b1 02 03:00 (not the PR author's first, a1 06:00) → 9 h;
      d own 11:00 → 1 h.
    PR #4 (bob): carol's c1 03 02:00, bob's b4 04:00 (carol co-author); opened 05:00; carol comments
    06:00 (first review: she authored a commit but is not the PR's author); dave approves 07:00;
    squash-merged 08:00 as s4. D3 s4 at 03 09:00: from c1 03 02:00 → 7 h.
    Deployments 3. Leads 1, 7, 9 → p50 7; p90 at 1.8: 7 + 0.8 × 2 = 8.6.
    Breakdown: PR #2 coding 03:00 → 07:00 = 4, pickup 1, review 2, deploy 2; PR #4 coding 3, pickup 1,
    review 2, deploy 1. Medians: coding 3.5, pickup 1, review 2, deploy 1.5.
    (Co-authors taken for authors: PR #2's first review carol 09:00 → pickup 2, review 1; PR #4's dave
    07:00 → pickup 2, review 1: medians 2 and 1.)
    Bands: 3/30 medium; 7 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["coauth"],
        team="coauth",
        deployments=3,
        lead=(7.0, 8.6),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=3.5, pickup=1.0, review=2.0, deploy=1.5),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_branch_deployed_before_its_fast_forward_merge_then_redeployed_from_main(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/early. c0 (03-01 05:00) deployed first at 01 06:00 (D1).
    PR #2 (alice): b1 02 02:00, b2 05:00 on pr-2; opened 06:00; bob approves 07:00. D2 deploys b2 from
    pr-2 at 08:00: compare(c0...b2) ahead by b1, b2, both changes. main is fast-forwarded to b2 at 12:00:
    GitHub marks PR #2 merged at 12:00 with merge_commit_sha b2. D3 deploys b2 from main at 14:00:
    ``identical``, no changes, deploys no PR again.
    As of 03-20 PR #2 is merged, so b2 is its merge commit: start b1 02:00 → 8:00 − 02:00 = 6 h (its own
    05:00 would give 3); b1 own 02:00 → 6 h.
    PR #3 (carol): q3 03 02:00; opened 03:00; no review; squash-merged 05:00 as s3. D4 s3 at 06:00: 4 h.
    Deployments 4. Leads 4, 6, 6 → p50 6; p90 at 1.8: 6. (b2 from its own date: 3, 4, 6 → 4 and 5.6.)
    Breakdown: PR #2 is deployed by D2, the first known compare holding b2: coding 02:00 → 06:00 = 4,
    pickup 1, review 07:00 → 12:00 = 5, deploy 12:00 → 08:00 = −4, dropped (docs). PR #3: coding 1, no
    pickup or review, deploy 1. Medians: coding (1, 4) 2.5, pickup 1, review 5, deploy 1. (D3 taken as
    PR #2's deployment: deploy (1, 2) 1.5.)
    Bands: 4/30 medium; 6 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["early"],
        team="early",
        deployments=4,
        lead=(6.0, 6.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=2.5, pickup=1.0, review=5.0, deploy=1.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_the_organisation_row_pools_every_repository(team_rows: dict[str, dict[str, Any]]) -> None:
    """Team ``*`` over the seven repositories.
    Deployments 2 + 2 + 3 + 3 + 4 + 3 + 4 = 21.
    Leads: rbrel 1, 7, 10, 10; rbwf 1, 7, 10, 10; presq 1, 78, 484; reopen 1, 29; pick 1, 10, 30;
    coauth 1, 7, 9; early 4, 6, 6 — 22 values (an even count). Sorted: 1 ×6 (positions 0–5), 4 (6), 6 ×2
    (7–8), 7 ×3 (9–11), 9 (12), 10 ×5 (13–17), 29 (18), 30 (19), 78 (20), 484 (21).
    p50 at 0.5 × 21 = 10.5: positions 10 and 11 are 7 → 7.
    p90 at 0.9 × 21 = 18.9: 29 + 0.9 × (30 − 29) = 29.9.
    Breakdown over nine deployed PRs (rbrel #2, rbwf #2, presq #2, reopen #3, pick #2, coauth #2, #4,
    early #2, #3):
      coding 5, 5, 479, 25, 4, 4, 3, 4, 1 → sorted 1, 3, 4, 4, 4, 5, 5, 25, 479 → 4;
      pickup 1, 1, 1, 1, 2, 1, 1, 1 (early #3 has none) → 1;
      review 2, 2, 2, 1, 22, 2, 2, 5 → sorted 1, 2, 2, 2, 2, 2, 5, 22 → 2;
      deploy 2, 2, 2, 2, 2, 2, 1, 1 (early #2's −4 dropped) → sorted 1, 1, 2, … → at 3.5: 2.
    Bands: 21/30 ≥ 1/7 → high; 7 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["*"],
        team="*",
        deployments=21,
        lead=(7.0, 29.9),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=4.0, pickup=1.0, review=2.0, deploy=2.0),
        row_bands=bands("high", "elite", "elite", None),
    )
