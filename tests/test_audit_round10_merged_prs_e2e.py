"""Audit, round 10, end to end: the ``merged_prs`` deployment source (SPEC §5.1 "each PR merged into the
default branch is a deployment at merged_at of its merge_commit_sha") where it meets other rules: the order
of deployments and rollbacks (§5.2), the four failure rules (§6.1), recovery and rework (§6.2), the
default branch, compares GitHub cannot answer, and the organisation row. Emulated GitHub → ``doraspace
collect`` (REST and GraphQL) → ``doraspace metrics --format json``. Every number is worked out by hand
from SPEC's words in the test's docstring.

Not repeated here (``test_audit_sources_e2e`` mpflow/ffwd, ``test_end_to_end_pairs`` mp, round 7 mprel,
round 9 mprb/mpdev, round 6 recognition mpsince/mpold, the analytics-level same-instant merges of
round 6 pooling): a merge-queue group whose two PRs share merged_at while the higher-numbered one landed
first in git; a hotfix-labelled revert merged with a *merge commit* while the incident it fixes is open;
a merged squash force-pushed off main and named by an incident, once still comparable and once garbage
collected (compares ``unknown``); a repository whose default branch is ``trunk`` beside a branch called
``main``; PRs merged into the default branch under its name before a rename; the organisation row over
all of them.

The module's default source is ``github.deployments: {source: merged_prs}``. One emulated organisation
holds every scenario, each in its own repository owned by the team of its short name (config ``teams:``).
It is collected once per ``github.api`` mode into its own store and read with ``--as-of
2026-03-20T00:00:00Z``; one window, 30d = (02-18 00:00, 03-20 00:00], holds everything, so the bands come
from it (SPEC §6.3 "or the longest configured"), dora-2023. ``github.since`` 2026-03-01;
``incidents.attribution_window`` 24h; incident issues carry the label ``incident``; ``rework.labels`` is
the default (hotfix, rollback, revert, incident). Times are March 2026 UTC, ``at(day, hour)``. Each
repository's first merge is the first deployment (compare ``first``: no lead times, its own PR has no
deploy stage). Percentiles are ``percentile_cont``: p at position p × (n − 1) of the sorted values. Whole
30d rows are asserted.

SPEC sentences the scenarios lean on:

* §5.2 "Deployments of one repo and environment are ordered by deployed_at"; "D's changes are the
  non-merge commits (one parent or none) in compare(P.sha...D.sha) that no earlier deployment shipped";
  "If D.sha is an ancestor of P.sha (compare status behind), D is a rollback: it has no changes"; a
  change's start is the earliest author date of the merged PR whose merge_commit_sha it is, else its own.
* §6.1 rules 1 (explicit hex prefix of a change of F), 2 (rollback), 3 (``This reverts commit <sha>`` for
  a change of F), 4 (window: no explicit link, within 24 h, F the latest deployment of its service).
* §6.2 recovery "from F.deployed_at to the earliest of the resolution of an incident that failed it
  (explicit/window) and the deployed_at of its rollback or revert deployment"; rework "is a rollback,
  contains a revert commit, contains a change from a PR labelled with a rework.labels label, or was
  deployed while an incident of its service was open".
* docs/metrics.md: "ordered by deployed_at (then by id)"; compare ``unknown``: "counts as a deployment
  and adds no lead times", and "the PR whose merge commit is that deployment's own sha is deployed by
  nobody"; "A change belongs to a PR when it is one of the PR's commits or the commit its squash or
  rebase merge produced"; "A hex word that begins no change's sha links nothing".

Bands (dora-2023): frequency ≥ 1/7 high, ≥ 1/30 medium; lead p50 < 24 h elite; CFR ≤ 5 % elite, > 15 %
low; recovery < 1 h elite, < 24 h high, < 1 week medium.
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
)

TOKEN_VARIABLE = "AUDIT_ROUND10_MERGED_PRS_GITHUB_TOKEN"
TOKEN = "audit-round10-merged-prs-token"

MERGES = Scenarios(github="deployments: {source: merged_prs}")


# ------------------------------------------------------------------------------------------- scenarios


@MERGES.register(("acme/mq", "mq", None))
def build_merge_queue(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/mq")
    _, s1 = first_merged_pr(repo)  # M1 at 01 06:00
    a1 = repo.commit("a1", parents=[s1], author_date=at(2, 4), author_login="alice", branch="pr-2")
    b1 = repo.commit("b1", parents=[s1], author_date=at(2, 6), author_login="bob", branch="pr-3")
    # One merge-queue group at 02 10:00: PR #3's squash lands first, PR #2's on top of it.
    s3 = squash_merged_pr(
        repo,
        [b1],
        s1,
        number=3,
        title="Search",
        author="bob",
        created_at=at(2, 7),
        merged_at=at(2, 10),
        reviews=[("carol", "APPROVED", at(2, 8))],
    )
    s2 = squash_merged_pr(
        repo, [a1], s3, number=2, title="Cart", author="alice", created_at=at(2, 5), merged_at=at(2, 10)
    )
    repo.issue(title="Search slow", created_at=at(2, 12), closed_at=at(2, 14), labels=["incident"])
    d1 = repo.commit("d1", parents=[s2], author_date=at(3, 6), author_login="dave", branch="pr-4")
    squash_merged_pr(
        repo, [d1], s2, number=4, title="Tidy", author="dave", created_at=at(3, 7), merged_at=at(3, 9)
    )


@MERGES.register(("acme/mprev", "mprev", None))
def build_merge_commit_revert_during_incident(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/mprev")
    _, s1 = first_merged_pr(repo)  # M1 at 01 06:00
    a1 = repo.commit("a1", parents=[s1], author_date=at(2, 6), author_login="alice", branch="pr-2")
    m2 = repo.merge_commit(s1, a1, "Merge pull request #2 from acme/pr-2\n\nFeature", at(2, 10))
    repo.pull(
        number=2,
        title="Feature",
        author="alice",
        created_at=at(2, 7),
        commits=[a1],
        merged_at=at(2, 10),
        merge_commit_sha=m2,
        reviews=[("bob", "APPROVED", at(2, 8))],
    )
    repo.issue(title="Checkout errors", created_at=at(2, 12), closed_at=at(2, 20), labels=["incident"])
    v = repo.commit(
        f'Revert "a1"\n\nThis reverts commit {a1}.',
        parents=[m2],
        author_date=at(2, 13),
        author_login="erin",
        branch="revert-2",
    )
    m3 = repo.merge_commit(m2, v, "Merge pull request #3 from acme/revert-2\n\nRevert Feature", at(2, 15))
    repo.pull(
        number=3,
        title='Revert "Feature"',
        author="erin",
        created_at=at(2, 13.5),
        commits=[v],
        merged_at=at(2, 15),
        merge_commit_sha=m3,
        labels=["hotfix"],
        reviews=[("frank", "APPROVED", at(2, 14))],
    )
    r1 = repo.commit("r1", parents=[m3], author_date=at(3, 8), author_login="alice", branch="pr-4")
    squash_merged_pr(
        repo, [r1], m3, number=4, title="Again", author="alice", created_at=at(3, 9), merged_at=at(3, 10)
    )


@MERGES.register(("acme/mpforce", "mpforce", None))
def build_merge_force_pushed_away(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/mpforce")
    _, s1 = first_merged_pr(repo)  # M1 at 01 06:00
    a1 = repo.commit("a1", parents=[s1], author_date=at(2, 6), author_login="alice", branch="pr-2")
    s2 = squash_merged_pr(
        repo, [a1], s1, number=2, title="Feature", author="alice", created_at=at(2, 7), merged_at=at(2, 9)
    )
    repo.branches["main"] = s1  # force-pushed back: s2 is no longer on main
    b1 = repo.commit("b1", parents=[s1], author_date=at(3, 6), author_login="bob", branch="pr-3")
    squash_merged_pr(
        repo,
        [b1],
        s1,
        number=3,
        title="Other",
        author="bob",
        created_at=at(3, 7),
        merged_at=at(3, 10),
        reviews=[("carol", "APPROVED", at(3, 8))],
    )
    repo.issue(
        title="Checkout broken",
        body=f"root cause: {s2[:8]}",
        created_at=at(3, 12),
        closed_at=at(3, 13),
        labels=["incident"],
    )


@MERGES.register(("acme/trunk", "trunk", None))
def build_trunk_with_a_main_branch(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/trunk", default_branch="trunk")
    _, s1 = first_merged_pr(repo)  # M1 at 01 06:00
    b1 = repo.commit("b1", parents=[s1], author_date=at(2, 6), author_login="bob", branch="pr-2")
    sm = repo.commit("Legacy (#2)", parents=[s1], author_date=at(2, 9), author_login="bob", branch="main")
    repo.pull(
        number=2,
        title="Legacy",
        author="bob",
        created_at=at(2, 7),
        commits=[b1],
        merged_at=at(2, 9),
        merge_commit_sha=sm,
        base="main",
    )
    h1 = repo.commit("h1", parents=[s1], author_date=at(2, 10), author_login="carol", branch="pr-3")
    s3 = squash_merged_pr(
        repo,
        [h1],
        s1,
        number=3,
        title="Hotfix",
        author="carol",
        created_at=at(2, 11),
        merged_at=at(2, 13),
        labels=["hotfix"],
        reviews=[("dave", "APPROVED", at(2, 12))],
    )
    assert repo.branches["trunk"] == s3
    repo.issue(title="Login down", created_at=at(2, 14), closed_at=at(2, 18), labels=["incident"])
    mm = repo.merge_commit(s3, sm, "Merge pull request #4 from acme/main\n\nSync main", at(2, 16))
    repo.pull(
        number=4,
        title="Sync main",
        author="bob",
        created_at=at(2, 15),
        commits=[sm],
        merged_at=at(2, 16),
        merge_commit_sha=mm,
    )


@MERGES.register(("acme/renamed", "renamed", None))
def build_default_branch_renamed(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/renamed")  # default branch main, renamed from master on 02 12:00
    c0 = repo.commit("initial", author_date=at(1))
    q1 = repo.commit("q1", parents=[c0], author_date=at(1, 2), author_login="alice", branch="pr-1")
    s1 = repo.squash_merge([q1], c0, "Init (#1)", at(1, 6))
    repo.pull(
        number=1,
        title="Init",
        author="alice",
        created_at=at(1, 3),
        commits=[q1],
        merged_at=at(1, 6),
        merge_commit_sha=s1,
        base="master",
    )
    p2 = repo.commit("p2", parents=[s1], author_date=at(2, 6), author_login="bob", branch="pr-2")
    s2 = repo.squash_merge([p2], s1, "Feature (#2)", at(2, 9))
    repo.pull(
        number=2,
        title="Feature",
        author="bob",
        created_at=at(2, 7),
        commits=[p2],
        merged_at=at(2, 9),
        merge_commit_sha=s2,
        reviews=[("carol", "APPROVED", at(2, 8))],
        base="master",
    )
    repo.issue(title="Feature broken", created_at=at(2, 10), closed_at=at(2, 11), labels=["incident"])
    a3 = repo.commit("a3", parents=[s2], author_date=at(3, 6), author_login="alice", branch="pr-3")
    s3 = squash_merged_pr(
        repo, [a3], s2, number=3, title="Next", author="alice", created_at=at(3, 7), merged_at=at(3, 9)
    )
    d4 = repo.commit("d4", parents=[s3], author_date=at(4, 6), author_login="dave", branch="pr-4")
    squash_merged_pr(
        repo,
        [d4],
        s3,
        number=4,
        title="More",
        author="dave",
        created_at=at(4, 7),
        merged_at=at(4, 10),
        reviews=[("erin", "APPROVED", at(4, 8))],
    )


@MERGES.register(("acme/mpgone", "mpgone", None))
def build_merge_force_pushed_away_and_gone(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/mpgone")
    _, s1 = first_merged_pr(repo)  # M1 at 01 06:00
    a1 = repo.commit("a1", parents=[s1], author_date=at(2, 6), author_login="alice", branch="pr-2")
    s2 = squash_merged_pr(
        repo, [a1], s1, number=2, title="Feature", author="alice", created_at=at(2, 7), merged_at=at(2, 9)
    )
    repo.branches["main"] = s1  # force-pushed back, and s2 garbage-collected: GitHub knows it no more
    b1 = repo.commit("b1", parents=[s1], author_date=at(3, 6), author_login="bob", branch="pr-3")
    s3 = squash_merged_pr(
        repo,
        [b1],
        s1,
        number=3,
        title="Other",
        author="bob",
        created_at=at(3, 7),
        merged_at=at(3, 10),
        reviews=[("carol", "APPROVED", at(3, 8))],
    )
    repo.issue(
        title="Checkout broken",
        body=f"root cause: {s2[:8]}",
        created_at=at(3, 12),
        closed_at=at(3, 13),
        labels=["incident"],
    )
    d1 = repo.commit("d1", parents=[s3], author_date=at(4, 6), author_login="dave", branch="pr-4")
    squash_merged_pr(
        repo, [d1], s3, number=4, title="More", author="dave", created_at=at(4, 7), merged_at=at(4, 9)
    )
    del repo.commits[s2]


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


def test_merge_queue_group_merged_at_one_instant_is_no_rollback_and_the_window_fails_the_later_by_number(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/mq (team mq), source merged_prs. AMBIGUOUS in SPEC (§5.2 orders deployments by deployed_at
    only); docs/metrics.md decides ties: "ordered by deployed_at (then by id)", and a merged_prs
    deployment's id is its PR number.

    * PR #1 (alice; q1 03-01 02:00, opened 03:00, no review) squash-merged 06:00 as s1 → M1, the first
      deployment: unknown changes; PR #1 coding 1, no deploy stage.
    * PR #2 (alice; a1 02 04:00, opened 05:00, no review) and PR #3 (bob; b1 02 06:00, opened 07:00,
      carol approves 08:00) leave one merge-queue group at 02 10:00: PR #3's squash s3 lands on s1
      first, PR #2's squash s2 on s3. Both merged_at 10:00 → two deployments at one instant, ordered
      by number: M#2 (s2) then M#3 (s3).
      M#2: compare(s1...s2) = s3, s2, both new → s3 is PR #3's merge_commit_sha → from b1 06:00: 4 h;
        s2 PR #2's → from a1 04:00: 6 h. M#2's compare contains both merge commits → PR #2 (coding 1,
        deploy 0) and PR #3 (coding 1, pickup 1, review 2, deploy 0) are deployed by it.
      M#3: s3 is an ancestor of s2 → compare ``behind``: no changes (§5.2). Rule 2 wants a *later*
        deployment: at one instant neither is later (docs/metrics.md), so M#3 is no rollback: M#2 not
        failed, M#3 not rework. (The audit found M#2 failed by a 0 h "rollback" and M#3 rework: CFR 2/4,
        recovery 2.0, rework 1/4, where git's order gives 1/4, 4, 0.)
    * Issue "Search slow" (incident) 02 12:00 → 14:00, no sha: the latest deployment before 12:00 is
      M#3 (the later of the two at 10:00 in the same order) → M#3 failed (rule 4), recovered 14:00: 4 h.
    * PR #4 (dave; d1 03 06:00, opened 07:00, no review) squash-merged onto s2 at 03 09:00 → M#4:
      compare(s3...s4) = s2, s4; s2 was M#2's change → s4 from d1: 3 h. PR #4 coding 1, deploy 0.
    Deployments 4; lead 3, 4, 6 → p50 4, p90 at 1.8: 4 + 0.8 × 2 = 5.6. CFR 1/4 = 0.25; recovery 4 h;
    restore 2 h; incidents 1; rework 0.
    (Ordered as git merged them, s3 then s2, the window fails M#2 instead: the same numbers.)
    Breakdown: coding (1, 1, 1, 1) 1.0; pickup 1.0; review 2.0; deploy (0, 0, 0) 0.0.
    Bands: 4/30 < 1/7 → medium; 4 h elite; 25 % low; 4 h high.
    """
    check_row(
        team_rows["mq"],
        team="mq",
        deployments=4,
        lead=(4.0, 5.6),
        cfr=0.25,
        recovery=4.0,
        restore=(2.0, 2.0),
        incidents=1,
        rework=0.0,
        stages=breakdown(coding=1.0, pickup=1.0, review=2.0, deploy=0.0),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_hotfix_labelled_revert_merged_with_a_merge_commit_during_the_incident_it_fixes(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/mprev (team mprev), source merged_prs: merge-commit merges, whose changes are the branch
    commits (§5.2 "non-merge commits").

    * PR #1 squash-merged 03-01 06:00 as s1 → M1 first (PR #1 coding 1, no deploy stage).
    * PR #2 (alice; a1 02 06:00, opened 07:00, bob approves 08:00) merged 10:00 with merge commit
      m2 = merge(s1, a1) → M2: compare(s1...m2) = a1, m2; m2 is a merge commit → change a1, which is no
      PR's merge_commit_sha → its own date: 4 h. PR #2: coding 1, pickup 1, review 2, deploy 0.
    * Issue "Checkout errors" (incident) 02 12:00 → 20:00, no sha: latest deployment before 12:00
      within 24 h is M2 → M2 failed (rule 4).
    * PR #3 (erin, label hotfix; v ``This reverts commit <a1>`` authored 02 13:00, opened 13:30, frank
      approves 14:00) merged 15:00 with merge commit m3 = merge(m2, v) → M3: compare(m2...m3) = v, m3 →
      change v, own date: 2 h. v reverts a1, a change of M2 → M2 failed (rule 3) as well: counted once.
      M2's recovery: the earliest of the incident's resolution (20:00) and the revert deployment
      (15:00) → 5 h. M3 is rework three times over (a revert commit; v is one of the hotfix PR's
      commits; deployed while the incident was open): once. PR #3: coding 0.5, pickup 0.5, review 1,
      deploy 0.
    * PR #4 (alice; r1 03 08:00, opened 09:00, no review) squash-merged 10:00 onto m3 → M4: 2 h; not
      rework (the incident closed 02 20:00). PR #4 coding 1, deploy 0.
    Deployments 4; lead 2, 2, 4 → p50 2, p90 at 1.8: 2 + 0.8 × 2 = 3.6. CFR 1/4; recovery 5; restore
    8 h; incidents 1; rework 1/4.
    Breakdown: coding (1, 1, 0.5, 1) 1.0; pickup (1, 0.5) 0.75; review (2, 1) 1.5; deploy 0.0.
    Bands: 4/30 medium; 2 h elite; 25 % low; 5 h high.
    """
    check_row(
        team_rows["mprev"],
        team="mprev",
        deployments=4,
        lead=(2.0, 3.6),
        cfr=0.25,
        recovery=5.0,
        restore=(8.0, 8.0),
        incidents=1,
        rework=0.25,
        stages=breakdown(coding=1.0, pickup=0.75, review=1.5, deploy=0.0),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_merged_squash_force_pushed_off_main_is_named_by_an_incident_and_the_next_merge_diverges(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/mpforce (team mpforce), source merged_prs.

    * PR #1 squash-merged 03-01 06:00 as s1 → M1 first (PR #1 coding 1).
    * PR #2 (alice; a1 02 06:00, opened 07:00, no review) squash-merged 09:00 as s2 → M2: compare(s1...s2)
      = s2 → from a1: 3 h. PR #2 coding 1, deploy 0.
    * main is force-pushed back to s1; GitHub still shows PR #2 merged with merge_commit_sha s2, and s2
      can still be compared.
    * PR #3 (bob; b1 03 06:00, opened 07:00, carol approves 08:00) squash-merged onto s1 at 10:00 as s3
      → M3: compare(s2...s3) ``diverged`` (ahead s3, behind s2): s3 is not an ancestor of s2 → no
      rollback; change s3 from b1: 4 h. PR #3 coding 1, pickup 1, review 2, deploy 0.
    * Issue "Checkout broken" (incident) 03 12:00 → 13:00, body ``root cause: <s2[:8]>``: s2 is a
      change of M2 → M2 failed (rule 1, whether or not s2 is still on main); recovered at the
      resolution: 03 13:00 − 02 09:00 = 28 h. The incident has an explicit link, so rule 4 does not
      fail M3 (2 h before it).
    Deployments 3; lead 3, 4 → p50 3.5, p90 3.9. CFR 1/3; recovery 28; restore 1 h; incidents 1; rework
    0 (no label, no revert, no rollback, nothing deployed in 12:00–13:00).
    Breakdown: coding 1.0; pickup 1.0; review 2.0; deploy 0.0.
    Bands: 3/30 medium; 3.5 h elite; 33 % low; 28 h ≥ 1 day → medium.
    """
    check_row(
        team_rows["mpforce"],
        team="mpforce",
        deployments=3,
        lead=(3.5, 3.9),
        cfr=1 / 3,
        recovery=28.0,
        restore=(1.0, 1.0),
        incidents=1,
        rework=0.0,
        stages=breakdown(coding=1.0, pickup=1.0, review=2.0, deploy=0.0),
        row_bands=bands("medium", "elite", "low", "medium"),
    )


def test_merged_squash_force_pushed_away_and_gone_leaves_two_unknown_compares_and_the_window(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/mpgone (team mpgone), source merged_prs: acme/mpforce's history, but GitHub has
    garbage-collected s2 (compare with it answers 404), and a PR #4 follows.

    * M1 s1 03-01 06:00 first (PR #1 coding 1).
    * M2 (PR #2, s2) at 02 09:00: compare(s1...s2) cannot be answered → changes unknown (docs/metrics.md
      "unknown"): a deployment with no lead times; PR #2, whose merge commit is M2's own sha, is
      deployed by nobody.
    * M3 (PR #3, s3) at 03 10:00: compare(s2...s3) cannot be answered either → unknown: no lead time
      for s3; PR #3 deployed by nobody (its pickup 1 and review 2 count nowhere).
    * Issue 03 12:00 → 13:00 ``root cause: <s2[:8]>``: s2 is no change of any deployment → no explicit
      link → rule 4: the latest deployment before 12:00 is M3 (2 h before) → M3 failed, recovered at
      13:00: 3 h.
    * PR #4 (dave; d1 04 06:00, opened 07:00, no review) squash-merged onto s3 at 04 09:00 → M4:
      compare(s3...s4) = s4 → from d1: 3 h. PR #4 coding 1, deploy 0.
    Deployments 4; lead 3 → p50 = p90 = 3. CFR 1/4; recovery 3; restore 1; incidents 1; rework 0.
    Breakdown: coding (1, 1) 1.0; pickup and review null (no deployed PR has a review); deploy 0.0.
    Bands: 4/30 medium; 3 h elite; 25 % low; 3 h high.
    """
    check_row(
        team_rows["mpgone"],
        team="mpgone",
        deployments=4,
        lead=(3.0, 3.0),
        cfr=0.25,
        recovery=3.0,
        restore=(1.0, 1.0),
        incidents=1,
        rework=0.0,
        stages=breakdown(coding=1.0, deploy=0.0),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_default_branch_trunk_beside_a_main_branch_hotfix_window_and_open_incident_rework(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/trunk (team trunk), source merged_prs, default branch ``trunk``; a branch named ``main``
    also takes merges.

    * PR #1 squash-merged into trunk 03-01 06:00 as s1 → M1 first (PR #1 coding 1).
    * PR #2 (bob; b1 02 06:00, opened 07:00, no review) squash-merged into ``main`` at 09:00 as sm (child
      of s1): not the default branch → no deployment (§5.1).
    * PR #3 (carol, label hotfix; h1 02 10:00, opened 11:00, dave approves 12:00) squash-merged into
      trunk 13:00 as s3 → M3: compare(s1...s3) = s3 → from h1: 3 h. Rework (hotfix). PR #3: coding 1,
      pickup 1, review 1, deploy 0.
    * Issue "Login down" (incident) 02 14:00 → 18:00: latest deployment before it is M3 (1 h) → M3 failed
      (rule 4), recovered 18:00: 5 h. Not M1, and not PR #2's merge (no deployment).
    * PR #4 (bob, main → trunk, lists sm; opened 15:00, no review) merged 16:00 with merge commit
      mm = merge(s3, sm) → M4: compare(s3...mm) = sm, mm → change sm, PR #2's merge_commit_sha (merged
      into main, still a merged PR) → from b1 06:00: 10 h. M4 deployed while the incident was open →
      rework. PR #2 deployed by M4: coding 1, deploy 09:00 → 16:00 = 7. PR #4: coding sm 09:00 → 15:00
      = 6, deploy 0.
    Deployments 3; lead 3, 10 → p50 6.5, p90 3 + 0.9 × 7 = 9.3. CFR 1/3; recovery 5; restore 4;
    incidents 1; rework 2/3.
    Breakdown: coding (1, 1, 1, 6) 1.0; pickup 1.0; review 1.0; deploy (7, 0, 0) 0.0.
    Bands: 3/30 medium; 6.5 h elite; 33 % low; 5 h high.
    """
    check_row(
        team_rows["trunk"],
        team="trunk",
        deployments=3,
        lead=(6.5, 9.3),
        cfr=1 / 3,
        recovery=5.0,
        restore=(4.0, 4.0),
        incidents=1,
        rework=2 / 3,
        stages=breakdown(coding=1.0, pickup=1.0, review=1.0, deploy=0.0),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_prs_merged_into_the_default_branch_under_its_old_name_are_no_deployments(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/renamed (team renamed), source merged_prs. AMBIGUOUS in SPEC ("each PR merged into the
    default branch": the default branch now, or when it merged?), undecided in docs/: the product's
    reading — today's default branch — is kept here.

    The default branch was ``master`` until 03-02 12:00 and is ``main`` since (GitHub renames the
    branch and retargets open PRs only: merged PRs keep ``base.ref: master``).
    * PR #1 (alice; q1 01 02:00, opened 03:00) squash-merged into master 01 06:00 as s1; PR #2 (bob; p2
      02 06:00, opened 07:00, carol approves 08:00) squash-merged into master 02 09:00 as s2: their base
      is no longer the default branch → no deployments.
    * Issue "Feature broken" (incident) 02 10:00 → 11:00: no deployment before it → fails nothing;
      incidents 1, restore 1 h.
    * PR #3 (alice; a3 03 06:00, opened 07:00) squash-merged into main 09:00 as s3 → M3, the first
      deployment: unknown changes; PR #3 coding 1, no deploy stage.
    * PR #4 (dave; d4 04 06:00, opened 07:00, erin approves 08:00) squash-merged 10:00 as s4 → M4:
      compare(s3...s4) = s4 → from d4: 4 h. PR #4: coding 1, pickup 1, review 2, deploy 0.
    Deployments 2; lead 4 → p50 = p90 = 4. CFR 0; recovery null; rework 0.
    (Counting the merges into master as deployments at their time: 4 deployments, M2 s2 3 h, M3 s3
    (from a3) 3 h, M4 4 h → lead p50 3; the incident 1 h after M2 fails it → CFR 1/4, recovery 2.)
    Breakdown: coding (1, 1) 1.0; pickup 1.0; review 2.0; deploy 0.0.
    Bands: 2/30 ≥ 1/30 medium; 4 h elite; 0 % elite; no failure → restore 1 h → high.
    """
    check_row(
        team_rows["renamed"],
        team="renamed",
        deployments=2,
        lead=(4.0, 4.0),
        cfr=0.0,
        recovery=None,
        restore=(1.0, 1.0),
        incidents=1,
        rework=0.0,
        stages=breakdown(coding=1.0, pickup=1.0, review=2.0, deploy=0.0),
        row_bands=bands("medium", "elite", "elite", "high"),
    )


def test_the_organisation_row_pools_every_merged_prs_repository(team_rows: dict[str, dict[str, Any]]) -> None:
    """Team ``*`` over the six repositories (SPEC §6: "The organisation row "*" covers everything
    collected").

    Deployments mq 4 + mprev 4 + mpforce 3 + mpgone 4 + trunk 3 + renamed 2 = 20 → 20/30 a day.
    Failed: mq M#3; mprev M2; mpforce M2; mpgone M3; trunk M3 → 5/20 = 0.25. Recoveries 4, 5, 28, 3, 5 →
    sorted 3, 4, 5, 5, 28 → p50 5.
    Restores 2, 8, 1, 1, 4, 1 → sorted 1, 1, 1, 2, 4, 8 → p50 at 2.5: 1.5; p90 at 4.5: 4 + 0.5 × 4 = 6.
    Incidents 6. Rework mprev 1, trunk 2 → 3/20 = 0.15.
    Lead (12): mq 3, 4, 6; mprev 2, 2, 4; mpforce 3, 4; mpgone 3; trunk 3, 10; renamed 4 → sorted 2, 2, 3,
    3, 3, 3, 4, 4, 4, 4, 6, 10 → p50 at 5.5: (3 + 4) / 2 = 3.5; p90 at 9.9: 4 + 0.9 × 2 = 5.8.
    Breakdown: coding — every deployed PR 1 but mprev #3 0.5 and trunk #4 6 → 1.0; pickup mq #3 1, mprev
    #2 1, #3 0.5, mpforce #3 1, trunk #3 1, renamed #4 1 → 1.0; review 2, 2, 1, 2, 1, 2 → sorted 1, 1,
    2, 2, 2, 2 → 2.0; deploy all 0 but trunk #2 7 → 0.0.
    Bands: 0.667 a day ≥ 1/7 → high; 3.5 h elite; 25 % low; 5 h high.
    """
    check_row(
        team_rows["*"],
        team="*",
        deployments=20,
        lead=(3.5, 5.8),
        cfr=0.25,
        recovery=5.0,
        restore=(1.5, 6.0),
        incidents=6,
        rework=0.15,
        stages=breakdown(coding=1.0, pickup=1.0, review=2.0, deploy=0.0),
        row_bands=bands("high", "elite", "low", "high"),
    )
