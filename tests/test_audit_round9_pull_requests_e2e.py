"""Audit, round 9, end to end: pull requests as GitHub really serves them × lead time and its breakdown
(SPEC §5.2 a change's start and lead time, §5.3 the breakdown stages and the first review, §6.2 the
medians over PRs deployed in the window). Emulated GitHub → ``doraspace collect`` (REST and GraphQL) →
``doraspace metrics --format json``. Every number is worked out by hand in the test's docstring.

Not repeated here (analytics-level: ``test_audit_breakdown_pairs`` #11–#15 and ``test_audit_round5_lead``
review states, bots and negative stages; parser-level: ``test_audit_round6_payloads`` ghost/bot/PENDING;
end to end: ``acme/hugepr`` a 260-commit PR merged with a merge commit, ``acme/promo`` develop promoted
by a merge commit): here the real payload shapes (a reviewer or author ``user: null``, a PENDING review
without ``submitted_at``, a GitHub App's ``[bot]`` login that GraphQL spells without it, a DISMISSED
review) meet the first-review rule and each other in one deployment; a squash whose PR lists a merge of
main into its branch, a PR authored after its own deployment, and a rebase merge whose last commit is
authored after the merge; develop promoted to main first by a *squash* and then by a merge commit that
ships develop's commits for the first time; a squash of exactly 250 commits and one of 251.

One emulated organisation holds every scenario, each in its own repository owned by the team of its
short name (config ``teams:``). Source: GitHub Deployments in production. It is collected once per
``github.api`` mode into its own store and read with ``--as-of 2026-03-20T00:00:00Z``; one window, 30d =
(02-18 00:00, 03-20 00:00], holds every deployment, so the bands come from it (SPEC §6.3 "or the longest
configured"), dora-2023. ``github.since`` 2026-03-01. Times are March 2026 UTC, ``at(day, hour)``. Each
repository's root commit c0 is authored 03-01 05:00 and deployed by D1 at 03-01 06:00, the first
deployment (compare ``first``: no lead times, §5.2). No incident, no rework label: CFR 0, recovery and
restore null, rework 0. Percentiles are ``percentile_cont``: p at position p × (n − 1) of the sorted
values. Whole 30d rows are asserted.

SPEC sentences the scenarios lean on:

* §5.2 "D's changes are the non-merge commits (one parent or none) in compare(P.sha...D.sha) that no
  earlier deployment shipped"; "A change's start is the earliest author date among the commits of the
  merged PR whose merge_commit_sha is the change's sha (a squash merge's commit; for a rebase merge only
  its last commit), else the commit's own author date. Its lead time is D.deployed_at − start; values ≤ 0
  are dropped."
* §5.3 "first review by someone other than the author (a submitted review in any state: commented,
  approved, changes requested). A PR with no such review has no pickup and review stages"; coding (first
  commit → opened), pickup (opened → first review), review (first review → merged), deploy (merged →
  deployed_at of the deployment that shipped the merge commit).
* docs/metrics.md: the first review is "the earliest submitted review (any state but PENDING: commented,
  approved, changes requested, dismissed) by someone other than the PR's author, submitted at or before
  the merge"; "A stage that comes out negative … is dropped for that PR; the PR's other stages still
  count. A stage of exactly 0 is kept"; "A PR is deployed by the first deployment with a known compare …
  whose compare contains the PR's merge commit (merge commits count here)".

Bands (dora-2023): frequency n/30 below 1/7 (n ≤ 4) and ≥ 1/30: medium; lead p50 < 24 h elite, < 168 h
high; CFR 0 elite; recovery null.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.analytics.facts import bands
from tests.emulators.github import GitHubDataset, RepoData, user_json
from tests.github_scenarios import (
    APIS,
    AS_OF,
    Scenarios,
    at,
    breakdown,
    check_row,
    squash_merged_pr,
    started_at_six,
)

TOKEN_VARIABLE = "AUDIT_ROUND9_PULL_REQUESTS_GITHUB_TOKEN"
TOKEN = "audit-round9-pull-requests-token"

PULLS = Scenarios()


def _last_pull(repo: RepoData) -> dict[str, Any]:
    return repo.pulls[-1]


def _deleted_reviewer(repo: RepoData, number: int, index: int) -> None:
    """Review ``index`` of PR ``number`` was written by an account since deleted: REST ``user: null``
    (GraphQL ``author: null``; GitHub's web shows it as ``ghost``)."""
    repo.reviews[number][index]["user"] = None


def _bot_reviewer(repo: RepoData, number: int, index: int) -> None:
    """Review ``index`` of PR ``number`` was written by a GitHub App: REST ``type: Bot``."""
    review = repo.reviews[number][index]
    review["user"] = user_json(review["user"]["login"], kind="Bot")


# ------------------------------------------------------------------------------------------- scenarios


@PULLS.register(("acme/prshapes", "prshapes", None))
def build_review_shapes_in_one_deployment(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/prshapes")
    c0 = started_at_six(repo)  # D1 first
    # PR #1 (alice), opened as a draft: bob's review at 03:00, later dismissed; a deleted account approves.
    q1 = repo.commit("q1", parents=[c0], author_date=at(2, 1), author_login="alice", branch="pr-1")
    s1 = squash_merged_pr(
        repo,
        [q1],
        c0,
        number=1,
        title="Draft first",
        author="alice",
        created_at=at(2, 2),
        merged_at=at(2, 6),
        reviews=[("bob", "DISMISSED", at(2, 3)), ("zed", "APPROVED", at(2, 5.5))],
    )
    _deleted_reviewer(repo, 1, 1)
    # PR #2 (alice): bob's review PENDING (never submitted), a deleted account comments, carol approves.
    q2 = repo.commit("q2", parents=[s1], author_date=at(2, 2), author_login="alice", branch="pr-2")
    s2 = squash_merged_pr(
        repo,
        [q2],
        s1,
        number=2,
        title="Pending",
        author="alice",
        created_at=at(2, 4),
        merged_at=at(2, 8),
        reviews=[
            ("bob", "PENDING", at(2, 4.5)),
            ("zed", "COMMENTED", at(2, 7)),
            ("carol", "APPROVED", at(2, 7.5)),
        ],
    )
    _deleted_reviewer(repo, 2, 1)
    # PR #3 by an account since deleted; a deleted account comments, then dependabot.
    q3 = repo.commit("q3", parents=[s2], author_date=at(2, 3), author_login="former", branch="pr-3")
    s3 = squash_merged_pr(
        repo,
        [q3],
        s2,
        number=3,
        title="Orphan",
        author="former",
        created_at=at(2, 5),
        merged_at=at(2, 10),
        reviews=[("zed", "COMMENTED", at(2, 6)), ("dependabot[bot]", "COMMENTED", at(2, 9))],
    )
    _last_pull(repo)["user"] = None
    _deleted_reviewer(repo, 3, 0)
    _bot_reviewer(repo, 3, 1)
    # PR #4 by dependabot: its own comment, then github-actions', then bob's approval.
    q4 = repo.commit(
        "Bump lib", parents=[s3], author_date=at(2, 4), author_login="dependabot[bot]", branch="pr-4"
    )
    s4 = squash_merged_pr(
        repo,
        [q4],
        s3,
        number=4,
        title="Bump lib",
        author="dependabot[bot]",
        created_at=at(2, 4),
        merged_at=at(2, 11),
        reviews=[
            ("dependabot[bot]", "COMMENTED", at(2, 4.5)),
            ("github-actions[bot]", "COMMENTED", at(2, 6)),
            ("bob", "APPROVED", at(2, 7)),
        ],
    )
    _last_pull(repo)["user"] = user_json("dependabot[bot]", kind="Bot")
    _bot_reviewer(repo, 4, 0)
    _bot_reviewer(repo, 4, 1)
    # PR #5 (alice): bob's review is stamped an hour before the PR was opened (clock skew).
    q5 = repo.commit("q5", parents=[s4], author_date=at(2, 5), author_login="alice", branch="pr-5")
    s5 = squash_merged_pr(
        repo,
        [q5],
        s4,
        number=5,
        title="Skewed",
        author="alice",
        created_at=at(2, 8),
        merged_at=at(2, 12),
        reviews=[("bob", "COMMENTED", at(2, 7))],
    )
    repo.deployment(s5, created_at=at(3, 12))  # D2


@PULLS.register(("acme/prcommits", "prcommits", None))
def build_commit_dates_against_the_merge(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/prcommits")
    c0 = started_at_six(repo)  # D1 first
    x = repo.commit("direct push", author_date=at(2, 2))  # main: c0 → x
    # PR #1's branch starts from c0 with a --no-ff merge of main (parents c0, x), then a1.
    m = repo.commit(
        "Merge branch 'main' into pr-1", parents=[c0, x], author_date=at(2, 3), author_login="alice"
    )
    a1 = repo.commit("a1", parents=[m], author_date=at(2, 6), author_login="alice", branch="pr-1")
    s1 = squash_merged_pr(
        repo,
        [m, a1],
        x,
        number=1,
        title="Synced",
        author="alice",
        created_at=at(2, 7),
        merged_at=at(2, 10),
        reviews=[("carol", "APPROVED", at(2, 8))],
    )
    repo.deployment(s1, created_at=at(2, 12))  # D2
    # PR #2 (bob): its only commit is stamped 03 20:00, after its merge and its deployment.
    b1 = repo.commit("b1", parents=[s1], author_date=at(3, 20), author_login="bob", branch="pr-2")
    s2 = squash_merged_pr(
        repo,
        [b1],
        s1,
        number=2,
        title="Future",
        author="bob",
        created_at=at(3, 8),
        merged_at=at(3, 9),
        reviews=[("carol", "APPROVED", at(3, 8.5))],
    )
    repo.deployment(s2, created_at=at(3, 10))  # D3
    # PR #3 (alice): r1 04 01:00, r2 04 09:00 (after the merge and the deployment), rebase-merged 06:00.
    r1 = repo.commit("r1", parents=[s2], author_date=at(4, 1), author_login="alice", branch="pr-3")
    r2 = repo.commit("r2", parents=[r1], author_date=at(4, 9), author_login="alice", branch="pr-3")
    *_, r2_copy = repo.rebase_merge([r1, r2], s2, date=at(4, 6))
    repo.pull(
        number=3,
        title="Rebased",
        author="alice",
        created_at=at(4, 2),
        commits=[r1, r2],
        merged_at=at(4, 6),
        merge_commit_sha=r2_copy,
    )
    repo.deployment(r2_copy, created_at=at(4, 8))  # D4


@PULLS.register(("acme/prdevelop", "prdevelop", None))
def build_develop_squashed_then_merged_into_main(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/prdevelop")
    c0 = started_at_six(repo)  # D1 first
    # PR #1 (alice) squash-merged into develop as sd.
    a1 = repo.commit("a1", parents=[c0], author_date=at(2, 8), author_login="alice", branch="pr-1")
    sd = repo.commit(
        "Feature (#1)", parents=[c0], author_date=at(2, 12), author_login="alice", branch="develop"
    )
    repo.pull(
        number=1,
        title="Feature",
        author="alice",
        created_at=at(2, 9),
        commits=[a1],
        merged_at=at(2, 12),
        merge_commit_sha=sd,
        reviews=[("bob", "APPROVED", at(2, 9.5))],
        base="develop",
    )
    # PR #2 (bob) promotes develop into main by a squash: sq (parent c0); sd stays off main.
    sq = squash_merged_pr(
        repo,
        [sd],
        c0,
        number=2,
        title="Release 1",
        author="bob",
        created_at=at(3, 8),
        merged_at=at(3, 10),
        reviews=[("carol", "APPROVED", at(3, 9))],
    )
    repo.deployment(sq, created_at=at(3, 12))  # D2
    # PR #3 (alice) squash-merged into develop as sd2 (child of sd); no review.
    b1 = repo.commit("b1", parents=[sd], author_date=at(4, 8), author_login="alice", branch="pr-3")
    sd2 = repo.commit(
        "More (#3)", parents=[sd], author_date=at(4, 10), author_login="alice", branch="develop"
    )
    repo.pull(
        number=3,
        title="More",
        author="alice",
        created_at=at(4, 9),
        commits=[b1],
        merged_at=at(4, 10),
        merge_commit_sha=sd2,
        base="develop",
    )
    # PR #4 (bob) promotes develop again, now with a merge commit mp (parents sq, sd2).
    mp = repo.merge_commit(sq, sd2, "Merge pull request #4 from acme/develop\n\nRelease 2", at(4, 13))
    repo.pull(
        number=4,
        title="Release 2",
        author="bob",
        created_at=at(4, 10.5),
        commits=[sd, sd2],
        merged_at=at(4, 13),
        merge_commit_sha=mp,
        reviews=[("carol", "APPROVED", at(4, 12.5))],
    )
    repo.deployment(mp, created_at=at(4, 15))  # D3


@PULLS.register(("acme/pr250", "pr250", None))
def build_squashes_of_250_and_251_commits(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/pr250")
    c0 = started_at_six(repo)  # D1 first

    def chain(parent: str, day: int, count: int, branch: str) -> list[str]:
        """``count`` commits from ``parent``, the i-th authored ``day`` 06:00 + i min, but the last
        authored ``day`` 00:00 (moved to the end by an interactive rebase: the earliest)."""
        shas: list[str] = []
        for i in range(count):
            authored = at(day) if i == count - 1 else at(day, 6) + timedelta(minutes=i)
            shas.append(
                repo.commit(
                    f"{branch}-{i}",
                    parents=[shas[-1] if shas else parent],
                    author_date=authored,
                    author_login="alice",
                    branch=branch,
                )
            )
        return shas

    p = chain(c0, 2, 250, "big-1")
    s1 = squash_merged_pr(
        repo,
        p,
        c0,
        number=1,
        title="Two hundred fifty",
        author="alice",
        created_at=at(2, 12),
        merged_at=at(2, 14),
        reviews=[("bob", "APPROVED", at(2, 13))],
    )
    repo.deployment(s1, created_at=at(2, 16))  # D2
    q = chain(s1, 3, 251, "big-2")
    s2 = squash_merged_pr(
        repo,
        q,
        s1,
        number=2,
        title="Two hundred fifty-one",
        author="alice",
        created_at=at(3, 12),
        merged_at=at(3, 14),
    )
    repo.deployment(s2, created_at=at(3, 18))  # D3


# ------------------------------------------------------------------------------------------- pipeline


@pytest.fixture(scope="module")
def metrics_by_api(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, Any]]]:
    return PULLS.collect(tmp_path_factory, TOKEN_VARIABLE, TOKEN, AS_OF)


@pytest.fixture(params=APIS)
def team_rows(
    request: pytest.FixtureRequest, metrics_by_api: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    return metrics_by_api[request.param]


# ------------------------------------------------------------------------------------------- the tests


def test_review_shapes_github_serves_meet_the_first_review_rule_in_one_deployment(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/prshapes. Five squash-merged PRs (q_k → s_k, chained on main), all shipped by D2 (03 12:00,
    compare(c0...s5) = s1…s5: five changes, each starting at its PR's only commit).

    * PR #1 (alice): q1 02 01:00; opened 02:00 as a draft (marked ready later: a timeline event; opened
      is created_at); bob's review 03:00, later dismissed (REST state DISMISSED, submitted_at kept: it
      was submitted); a deleted account (``user: null``) approves 05:30; merged 06:00. First review
      03:00: coding 1, pickup 1, review 3, deploy 30; lead 35.
    * PR #2 (alice): q2 02:00; opened 04:00; bob's review PENDING (served without submitted_at: not
      submitted); the deleted account comments 07:00 (null is someone other than alice: the first
      review); carol approves 07:30; merged 08:00. coding 2, pickup 3, review 1, deploy 28; lead 34.
    * PR #3 by an account since deleted (``user: null``): q3 03:00; opened 05:00; a deleted account
      comments 06:00 — both null, the product cannot tell them apart and takes it for the author's own
      (as test_audit_round6_payloads reads it; SPEC cannot decide who a deleted account was); dependabot[bot]
      comments 09:00 (the first review); merged 10:00. coding 2, pickup 4, review 1, deploy 26; lead 33.
    * PR #4 by dependabot[bot] (REST type Bot; GraphQL ``Bot`` ``dependabot``, which the collector spells
      ``dependabot[bot]`` again): q4 04:00, opened 04:00 (coding 0, kept); its own comment 04:30 (the
      author's: not a first review in either mode); github-actions[bot] comments 06:00 (the first);
      bob approves 07:00; merged 11:00. coding 0, pickup 2, review 5, deploy 25; lead 32.
    * PR #5 (alice): q5 05:00; opened 08:00; bob's review is stamped 07:00, before the opening (clock
      skew): the earliest, so the first review; pickup −1 dropped (docs), review 12:00 − 07:00 = 5;
      coding 3, deploy 24; lead 31.

    Deployments 2. Leads 31…35 → p50 33, p90 at 3.6: 34 + 0.6 = 34.6. Medians: coding (1, 2, 2, 0, 3)
    → 2; pickup (1, 3, 4, 2) → 2.5; review (3, 1, 1, 5, 5) → 3; deploy (30, 28, 26, 25, 24) → 26.
    Each misreading moves the pickup median off 2.5: the dismissed review ignored (#1 3.5) → 3.25; the
    deleted reviewer ignored (#2 carol 3.5) → 2.75; the null–null review counted (#3 1) → 1.5; the bot's
    own comment counted (#4 0.5) → 2; the negative pickup kept (−1) → 2.
    Bands: 2/30 medium; 33 h high; elite; null.
    """
    check_row(
        team_rows["prshapes"],
        team="prshapes",
        deployments=2,
        lead=(33.0, 34.6),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(2.0, 2.5, 3.0, 26.0),
        row_bands=bands("medium", "high", "elite", None),
    )


def test_merge_of_main_in_a_squash_a_pr_authored_after_its_deployment_and_a_late_rebased_commit(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/prcommits.

    * A direct push x (02 02:00) lands on main. PR #1 (alice) lists two commits: m, a ``--no-ff`` merge
      of main into its branch (parents c0, x; authored 03:00; two parents, still one of the PR's
      commits: §5.2 reads "the commits of the merged PR", the non-merge restriction is on a deployment's
      changes), and a1 (06:00); x itself is on main, not listed. Opened 07:00; carol approves 08:00;
      squash-merged onto x at 10:00 as s1. D2 (02 12:00): compare(c0...s1) = x, s1 → x its own date,
      10 h; s1 PR #1's earliest, m 03:00 → 9 h (from a1 it would be 6). PR #1: coding 07:00 − 03:00 =
      4, pickup 1, review 2, deploy 2.
    * PR #2 (bob): its only commit b1 is stamped 03 20:00 (a skewed clock: after the merge and the
      deployment). Opened 03 08:00, carol approves 08:30, squash-merged 09:00 as s2 (the squash commit's
      own author date 09:00). D3 (03 10:00): change s2 starts at b1, 20:00 → lead −10 h, dropped (not
      the squash's own 09:00: "else" applies only to a commit no PR merged). PR #2: coding −12 dropped,
      pickup 0.5, review 0.5, deploy 1.
    * PR #3 (alice): r1 04 01:00, r2 04 09:00 (after the merge), opened 02:00, rebase-merged at 06:00 as
      r1′, r2′ (author dates kept; merge_commit_sha r2′). D4 (04 08:00): compare(s2...r2′) = r1′, r2′ →
      r1′ its own 01:00 → 7 h; r2′ the PR's earliest, r1 01:00 → 7 h (its own 09:00 would be −1,
      dropped). PR #3: coding 1, no review, deploy 2.

    Deployments 4. Leads (10, 9, 7, 7) → p50 8; p90 at 2.7: 9 + 0.7 = 9.7. Medians: coding (4, 1) →
    2.5; pickup (1, 0.5) → 0.75; review (2, 0.5) → 1.25; deploy (2, 1, 2) → 2.
    Bands: 4/30 medium; 8 h elite; elite; null.
    """
    check_row(
        team_rows["prcommits"],
        team="prcommits",
        deployments=4,
        lead=(8.0, 9.7),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(2.5, 0.75, 1.25, 2.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_develop_promoted_by_a_squash_then_by_a_merge_commit_ships_develops_commits_late(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/prdevelop.

    * PR #1 (alice, base develop): a1 02 08:00, opened 09:00, bob approves 09:30, squash-merged into
      develop at 12:00 as sd (authored 12:00, parent c0).
    * PR #2 (bob, develop → main) lists sd; opened 03 08:00, carol approves 09:00, *squash*-merged at
      10:00 as sq (parent c0): sd stays off main. D2 (03 12:00): compare(c0...sq) = sq → change sq,
      PR #2's merge commit: start = PR #2's earliest commit, sd 02 12:00 → lead 24 h. PR #1 is not
      deployed (sd is in no compare yet). PR #2: coding 03 08:00 − 02 12:00 = 20, pickup 1, review 1,
      deploy 2.
    * PR #3 (alice, base develop): b1 04 08:00, opened 09:00, no review, squash-merged into develop at
      10:00 as sd2 (parent sd).
    * PR #4 (bob, develop → main) lists sd and sd2 (neither reachable from main); opened 10:30, carol
      approves 12:30, merged 13:00 with a merge commit mp (parents sq, sd2). D3 (04 15:00):
      compare(sq...mp) = sd, sd2, mp. sd was never shipped (sq is another commit): a change of D3,
      PR #1's merge commit → start a1 02 08:00 → 55 h; sd2 PR #3's → b1 04 08:00 → 7 h; mp is a merge,
      no change. D3 deploys PR #1 (coding 1, pickup 0.5, review 2.5, deploy 04 15:00 − 02 12:00 = 51),
      PR #3 (coding 1, deploy 5) and PR #4 (coding 04 10:30 − sd 02 12:00 = 46.5, pickup 2, review 0.5,
      deploy 2).

    Deployments 3. Leads (24, 55, 7) → p50 24; p90 at 1.8: 24 + 0.8 × 31 = 48.8. Medians: coding (20,
    1, 1, 46.5) → 10.5; pickup (1, 0.5, 2) → 1; review (1, 2.5, 0.5) → 1; deploy (2, 51, 5, 2) → 3.5
    (without PR #1: 20, 1.5, 0.75, 2).
    Bands: 3/30 medium; 24 h high; elite; null.
    """
    check_row(
        team_rows["prdevelop"],
        team="prdevelop",
        deployments=3,
        lead=(24.0, 48.8),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(10.5, 1.0, 1.0, 3.5),
        row_bands=bands("medium", "high", "elite", None),
    )


def test_squashes_of_exactly_250_and_of_251_commits(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/pr250. GitHub lists at most 250 commits of a PR, in REST (3 pages of 100) and in GraphQL
    (the PR's first 100, then its own pages) alike.

    * PR #1 (alice): 250 commits, p_i authored 02 06:00 + i min, but the last, p249, authored 02 00:00
      (the earliest: moved to the end by an interactive rebase). Opened 12:00, bob approves 13:00,
      squash-merged 14:00 as s1; D2 (02 16:00): change s1 starts at p249, 00:00 → 16 h (listed:
      exactly 250). PR #1: coding 12, pickup 1, review 1, deploy 2.
    * PR #2 (alice): 251 commits, q_i 03 06:00 + i min, the 251st authored 03 00:00; opened 12:00, no
      review, squash-merged 14:00 as s2; D3 (03 18:00). GitHub does not list the 251st, but SPEC's
      "the earliest author date among the commits of the merged PR" takes all of them (read from the
      compare of the PR's base and head): 03 00:00 → lead 18 h, coding 12, deploy 4. (The first 250
      alone would give q0 06:00: 12 h and coding 6, what the product gave before.)

    Deployments 3. Leads (16, 18) → p50 17; p90 16 + 0.9 × 2 = 17.8. Medians: coding (12, 12) → 12;
    pickup 1; review 1; deploy (2, 4) → 3.
    Bands: 3/30 medium; 17 h elite; elite; null.
    """
    check_row(
        team_rows["pr250"],
        team="pr250",
        deployments=3,
        lead=(17.0, 17.8),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(12.0, 1.0, 1.0, 3.0),
        row_bands=bands("medium", "elite", "elite", None),
    )
