"""Audit, end to end: realistic git histories where two or three rules of SPEC §5 (collection, changes)
and §6 (DORA metrics) meet. Emulated GitHub → ``doraspace collect`` (REST and GraphQL) → ``doraspace
metrics --format json``. Every number is worked out by hand from SPEC's and docs/metrics.md's words, in
each test's docstring.

One emulated organisation holds every scenario, each in its own repository owned by its own team (config
``teams:``, team = the repo's short name). It is collected once per ``github.api`` mode into its own store
and read with ``--as-of 2026-03-20T00:00:00Z``, one window 30d = (02-18 00:00, 03-20 00:00], which holds
everything below; the bands therefore come from that window (SPEC §6.3 "or the longest configured"),
dora-2023. Times are March 2026 UTC, ``at(day, hour)``. Attribution window 24 h; rework and incident
labels the defaults. Every repo's first deployment has unknown changes (SPEC §5.2). Percentiles are
``percentile_cont``: p at position p × (n − 1) of the sorted values. Whole 30d rows are asserted.

Bands (dora-2023): frequency ≥ 1/day elite, ≥ 1/7 high, ≥ 1/30 medium; lead p50 < 24 h elite, < 168 h
high; CFR ≤ 5 % elite, ≤ 10 % high, ≤ 15 % medium, else low; recovery p50 (else restore p50) < 1 h
elite, < 24 h high, < 168 h medium.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.analytics.facts import bands
from tests.emulators.github import GitHubDataset, RepoData, iso
from tests.github_scenarios import (
    APIS,
    AS_OF,
    Scenarios,
    at,
    breakdown,
    check_row,
    rows_before_and_after,
    squash_merged_pr,
    started,
)

TOKEN_VARIABLE = "AUDIT_HISTORIES_GITHUB_TOKEN"
TOKEN = "audit-histories-token"

HISTORIES = Scenarios()


def scenario(
    repo_name: str, source: str | None = None
) -> Callable[[Callable[[RepoData], None]], Callable[[RepoData], None]]:
    """Register a builder of repository ``repo_name`` (deployments config ``source``, default GitHub
    Deployments in production), owned by the team of its short name."""

    def register(builder: Callable[[RepoData], None]) -> Callable[[RepoData], None]:
        HISTORIES.register((repo_name, repo_name.split("/")[1], source))(
            lambda dataset: builder(dataset.add_repo(repo_name))
        )
        return builder

    return register


# ------------------------------------------------------------------------------------------- scenarios


@scenario("acme/mrev")
def build_merge_commit_with_a_revert_on_its_branch(repo: RepoData) -> None:
    started(repo, at(1, 6))  # D1 first
    f1 = repo.commit("Add coupons", author_date=at(2, 8))
    repo.deployment(f1, created_at=at(2, 10))  # D2
    b1 = repo.commit(
        f'Revert "Add coupons"\n\nThis reverts commit {f1}.',
        parents=[f1],
        author_date=at(2, 11),
        author_login="bob",
        branch="pr-2",
    )
    b2 = repo.commit("New coupons", parents=[b1], author_date=at(2, 12), author_login="bob", branch="pr-2")
    d = repo.commit("direct push", author_date=at(2, 14))
    m2 = repo.merge_commit(d, b2, "Merge pull request #2 from acme/pr-2\n\nCoupons v2", at(2, 15))
    repo.pull(
        number=2,
        title="Coupons v2",
        author="bob",
        created_at=at(2, 12.5),
        commits=[b1, b2],
        merged_at=at(2, 15),
        merge_commit_sha=m2,
        reviews=[("carol", "CHANGES_REQUESTED", at(2, 13)), ("carol", "APPROVED", at(2, 14.5))],
    )
    repo.issue(title="Coupons broken", created_at=at(2, 15.5), closed_at=at(2, 17), labels=["incident"])
    repo.deployment(m2, created_at=at(2, 16))  # D3


@scenario("acme/rerevert")
def build_revert_rollback_and_revert_of_the_revert(repo: RepoData) -> None:
    started(repo, at(1, 6))  # D1 first
    f1 = repo.commit("Add banner", author_date=at(2, 8))
    repo.deployment(f1, created_at=at(2, 10))  # D2
    v1 = repo.commit(f'Revert "Add banner"\n\nThis reverts commit {f1}.', author_date=at(2, 11))
    repo.deployment(v1, created_at=at(2, 12))  # D3
    repo.deployment(f1, created_at=at(2, 14))  # D4: f1 again, a rollback of D3
    v2 = repo.commit(
        f'Reapply "Add banner"\n\nThis reverts commit {v1}.',
        parents=[v1],
        author_date=at(3, 8),
        branch="main",
    )
    repo.deployment(v2, created_at=at(3, 9))  # D5


@scenario("acme/forced")
def build_force_push_between_deployments(repo: RepoData) -> None:
    c0 = started(repo, at(1, 6))  # D1 first
    f1 = repo.commit("Add search", author_date=at(2, 8))
    f2 = repo.commit("Tune search", author_date=at(2, 9))
    repo.deployment(f2, created_at=at(2, 10))  # D2
    # main force-pushed: f1 amended (author date kept), f2 dropped, g2 on top.
    f1b = repo.commit("Add search (amended)", parents=[c0], author_date=at(2, 8), branch="main")
    g2 = repo.commit("Search v2", parents=[f1b], author_date=at(3, 8), branch="main")
    assert repo.branches["main"] == g2 and f1 != f1b
    repo.deployment(g2, created_at=at(3, 10))  # D3
    repo.issue(
        title="Search returns nothing",
        body=f"root cause: {f2[:7]}",
        created_at=at(3, 11),
        closed_at=at(3, 12),
        labels=["incident"],
    )
    g3 = repo.commit("g3", author_date=at(3, 13))
    repo.deployment(g3, created_at=at(3, 14))  # D4


@scenario("acme/rbsq")
def build_rebase_of_three_and_a_squash_in_one_deployment(repo: RepoData) -> None:
    c0 = started(repo, at(1, 6))  # D1 first
    b1 = repo.commit("b1", parents=[c0], author_date=at(2, 6), author_login="carol", branch="pr-2")
    b2 = repo.commit(
        "b2 (cherry-picked)", parents=[b1], author_date=at(2, 4), author_login="carol", branch="pr-2"
    )
    b3 = repo.commit("b3", parents=[b2], author_date=at(2, 8), author_login="carol", branch="pr-2")
    *_, r3 = repo.rebase_merge([b1, b2, b3], c0, date=at(2, 10))
    repo.pull(
        number=2,
        title="Three steps",
        author="carol",
        created_at=at(2, 8.5),
        commits=[b1, b2, b3],
        merged_at=at(2, 10),
        merge_commit_sha=r3,
        reviews=[("dave", "COMMENTED", at(2, 9)), ("dave", "APPROVED", at(2, 9.5))],
    )
    p1 = repo.commit("p1", parents=[c0], author_date=at(2, 7), author_login="erin", branch="pr-3")
    s3 = squash_merged_pr(
        repo,
        [p1],
        r3,
        number=3,
        title="Small fix",
        author="erin",
        created_at=at(2, 7.5),
        merged_at=at(2, 11),
        reviews=[("erin", "COMMENTED", at(2, 8))],  # the author's own: no first review
    )
    repo.deployment(s3, created_at=at(2, 12))  # D2
    d = repo.commit("direct", author_date=at(3, 8))
    repo.deployment(d, created_at=at(3, 9))  # D3


@scenario("acme/stg")
def build_statuses_staging_and_an_incident_naming_a_staged_commit(repo: RepoData) -> None:
    started(repo, at(1, 6))  # D1 first
    f1 = repo.commit("f1", author_date=at(2, 8))
    repo.deployment(  # D2: success at 10:00, superseded (inactive) at 20:00
        f1,
        created_at=at(2, 9),
        statuses=[("in_progress", at(2, 9)), ("success", at(2, 10)), ("inactive", at(2, 20))],
    )
    f2 = repo.commit("f2", author_date=at(2, 21))
    repo.deployment(f2, environment="staging", created_at=at(2, 22))  # S1
    repo.deployment(  # a failed attempt, never a success
        f2, created_at=at(3, 1), statuses=[("pending", at(3, 1)), ("error", at(3, 1.5))]
    )
    repo.issue(title="Latency up", created_at=at(3, 2), closed_at=at(3, 4), labels=["incident"])
    repo.deployment(  # D4
        f2,
        created_at=at(3, 5),
        statuses=[("queued", at(3, 5)), ("in_progress", at(3, 5.5)), ("success", at(3, 6))],
    )
    f3 = repo.commit("f3", author_date=at(4, 7))
    repo.deployment(f3, environment="staging", created_at=at(4, 8))  # S2
    repo.issue(
        title="Staging checkout broken",
        body=f"Seen on staging after {f3[:9]}",
        created_at=at(4, 9),
        closed_at=at(4, 10),
        labels=["incident"],
    )
    repo.deployment(f3, created_at=at(4, 12))  # D5


@scenario("acme/twosrc", "{source: workflow_runs, workflow: deploy.yml}")
def build_one_commit_shipped_by_three_signals(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    repo.workflow_run(c0, created_at=at(1, 5), updated_at=at(1, 6))  # W1 first
    f1 = repo.commit("f1", author_date=at(2, 8))
    repo.workflow_run(f1, created_at=at(2, 9.5), updated_at=at(2, 10))  # W2
    repo.deployment(f1, created_at=at(2, 10))  # another source: ignored
    f2 = repo.commit("f2", author_date=at(2, 11))
    repo.deployment(f2, created_at=at(2, 12))  # ignored
    repo.tags["v1.0.0"] = f2
    repo.release("v1.0.0", created_at=at(2, 12), published_at=at(2, 12.5))  # ignored
    repo.workflow_run(f2, conclusion="failure", created_at=at(2, 12.5), updated_at=at(2, 12.75))
    repo.issue(title="Errors", created_at=at(2, 13), closed_at=at(2, 15), labels=["incident"])
    repo.workflow_run(f2, created_at=at(2, 13.5), updated_at=at(2, 14))  # W3


@scenario("acme/mix")
def build_direct_push_and_pull_requests_in_deployments(repo: RepoData) -> None:
    c0 = started(repo, at(1, 6))  # D1 first
    q = repo.commit("q", parents=[c0], author_date=at(1, 4), author_login="carol", branch="pr-3")
    p = repo.commit("p", parents=[c0], author_date=at(2, 6), author_login="alice", branch="pr-2")
    d = repo.commit("direct push", author_date=at(2, 7))
    s2 = squash_merged_pr(
        repo,
        [p],
        d,
        number=2,
        title="Feature",
        author="alice",
        created_at=at(2, 8),
        merged_at=at(2, 10),
        reviews=[("bob", "APPROVED", at(2, 9))],
    )
    repo.deployment(s2, created_at=at(2, 12))  # D2
    m3 = repo.merge_commit(s2, q, "Merge pull request #3 from acme/pr-3\n\nOld work", at(3, 9))
    repo.pull(
        number=3,
        title="Old work",
        author="carol",
        created_at=at(2, 13),
        commits=[q],
        merged_at=at(3, 9),
        merge_commit_sha=m3,
    )
    repo.deployment(m3, created_at=at(3, 10))  # D3


@scenario("acme/featroll")
def build_feature_branch_deployed_then_main_redeployed(repo: RepoData) -> None:
    started(repo, at(1, 6))  # D1 first
    f1 = repo.commit("f1", author_date=at(2, 8))
    repo.deployment(f1, created_at=at(2, 10))  # D2
    x = repo.commit("x", parents=[f1], author_date=at(2, 11), author_login="alice", branch="feat-4")
    repo.deployment(x, created_at=at(2, 12), ref="feat-4")  # D3 from the feature branch
    repo.deployment(f1, created_at=at(2, 13))  # D4: main (still f1) again
    s4 = squash_merged_pr(
        repo,
        [x],
        f1,
        number=4,
        title="Feature x",
        author="alice",
        created_at=at(2, 11.5),
        merged_at=at(3, 9),
        reviews=[("bob", "APPROVED", at(2, 14))],
    )
    repo.deployment(s4, created_at=at(3, 10))  # D5


@scenario("acme/pastfirst")
def build_rollback_past_the_first_deployment_then_revert_its_commit(repo: RepoData) -> None:
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
    repo.deployment(s1, created_at=at(1, 6))  # D1 first
    f2 = repo.commit("f2", author_date=at(2, 8))
    repo.deployment(f2, created_at=at(2, 10))  # D2
    repo.deployment(c0, created_at=at(2, 12))  # D3: back to before the first deployment
    v = repo.commit(f'Revert "Init (#1)"\n\nThis reverts commit {s1}.', author_date=at(3, 8))
    g = repo.commit("g", author_date=at(3, 9))
    assert repo.commits[v]["parents"][0]["sha"] == f2
    repo.deployment(g, created_at=at(3, 10))  # D4


@scenario("acme/revbr")
def build_revert_naming_the_branch_commit_of_a_squash(repo: RepoData) -> None:
    c0 = started(repo, at(1, 6))  # D1 first
    p1 = repo.commit("Add export", parents=[c0], author_date=at(2, 6), author_login="alice", branch="pr-2")
    s2 = squash_merged_pr(
        repo,
        [p1],
        c0,
        number=2,
        title="Add export",
        author="alice",
        created_at=at(2, 7),
        merged_at=at(2, 8),
    )
    repo.deployment(s2, created_at=at(2, 10))  # D2
    repo.issue(title="Exports time out", created_at=at(2, 11), closed_at=at(2, 12.5), labels=["incident"])
    v = repo.commit(f'Revert "Add export"\n\nThis reverts commit {p1}.', author_date=at(2, 12))
    repo.deployment(v, created_at=at(2, 13))  # D3


def author_date_written(repo: RepoData, sha: str, text: str) -> None:
    """Rewrite ``sha``'s author date as ``text`` (an ISO 8601 time with the author's UTC offset, as
    GitHub's GraphQL ``authoredDate`` gives it)."""
    repo.commits[sha]["commit"]["author"]["date"] = text


@scenario("acme/tz")
def build_author_dates_with_offsets(repo: RepoData) -> None:
    c0 = started(repo, at(1, 6))  # D1 first
    pa = repo.commit("pa", parents=[c0], author_date=at(2, 8), author_login="alice", branch="pr-2")
    pb = repo.commit("pb", parents=[pa], author_date=at(2, 7), author_login="alice", branch="pr-2")
    author_date_written(repo, pa, "2026-03-02T03:00:00-05:00")  # 08:00 UTC
    author_date_written(repo, pb, "2026-03-02T12:30:00+05:30")  # 07:00 UTC
    s2 = squash_merged_pr(
        repo,
        [pa, pb],
        c0,
        number=2,
        title="Offsets",
        author="alice",
        created_at=at(2, 9),
        merged_at=at(2, 10),
    )
    repo.deployment(s2, created_at=at(2, 12))  # D2
    d = repo.commit("direct", author_date=at(2, 13))
    author_date_written(repo, d, "2026-03-02T05:00:00-08:00")  # 13:00 UTC
    repo.deployment(d, created_at=at(2, 14))  # D3


@scenario("acme/tie")
def build_two_deployments_succeeding_at_the_same_instant_as_an_incident(repo: RepoData) -> None:
    started(repo, at(1, 6))  # D1 first
    f1 = repo.commit("f1", author_date=at(2, 7))
    f2 = repo.commit("f2", author_date=at(2, 8))
    repo.deployment(f1, created_at=at(2, 9), statuses=[("in_progress", at(2, 9)), ("success", at(2, 10))])
    repo.deployment(f2, created_at=at(2, 9.5), statuses=[("success", at(2, 10))])
    repo.issue(title="Slow pages", created_at=at(2, 10), closed_at=at(2, 12), labels=["incident"])
    f3 = repo.commit("f3", author_date=at(2, 11))
    repo.deployment(f3, created_at=at(2, 12))  # D4, at the incident's resolution


@scenario("acme/gone")
def build_deployment_of_a_commit_github_no_longer_has(repo: RepoData) -> None:
    started(repo, at(1, 6))  # D1 first
    f1 = repo.commit("f1", author_date=at(2, 8))
    repo.deployment(f1, created_at=at(2, 10))  # D2
    repo.deployment("0badc0de" * 5, created_at=at(2, 12))  # D3: a commit garbage-collected since
    f2 = repo.commit("f2", author_date=at(2, 13))
    repo.deployment(f2, created_at=at(2, 14))  # D4
    repo.issue(
        title="Timeouts",
        body=f"since {f2[:8]}",
        created_at=at(2, 15),
        closed_at=at(2, 16),
        labels=["incident"],
    )
    f3 = repo.commit("f3", author_date=at(3, 8))
    repo.deployment(f3, created_at=at(3, 9))  # D5


# ------------------------------------------------------------------------------------------- pipeline


@pytest.fixture(scope="module")
def metrics_by_api(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, Any]]]:
    return HISTORIES.collect(tmp_path_factory, TOKEN_VARIABLE, TOKEN, AS_OF)


@pytest.fixture(params=APIS)
def team_rows(
    request: pytest.FixtureRequest, metrics_by_api: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    return metrics_by_api[request.param]


# ------------------------------------------------------------------------------------------- the tests


def test_merge_commit_pr_whose_branch_reverts_a_deployed_change(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/mrev, source deployments.

    D1 c0 03-01 06:00 (first). D2 f1 "Add coupons" (02 08:00) at 02 10:00: lead 2 h.
    PR #2 (bob): b1 ``This reverts commit <f1>`` (11:00) and b2 (12:00) on branch pr-2, opened 12:30;
    carol requests changes 13:00, approves 14:30. A direct push d (14:00) lands on main; the PR is
    merged 15:00 with a real merge commit m2 = merge(d, b2). Issue (incident, no sha) 15:30 → 17:00.
    D3 m2 at 16:00: compare(f1...m2) = b1, b2, d, m2; m2 is a merge commit → changes b1 5 h, b2 4 h,
    d 2 h (b1, b2 are no PR's merge_commit_sha: their own dates, §5.2).
    Failures: b1 reverts f1, a change of D2, shipped by D3 → D2 failed (revert, §6.1 rule 3). The
    incident at 15:30: latest deployment before it is D2 (5.5 h ≤ 24 h) → D2 failed (window) too:
    counted once. Recovery of D2: earliest of incident resolution 17:00 and revert deployment 16:00 →
    6 h. Rework: D3 ships a revert commit (and the incident is open) → 1.
    Deployments 3; lead 2, 2, 4, 5 → p50 3, p90 at 2.7: 4 + 0.7 × 1 = 4.7; CFR 1/3; recovery 6;
    incidents 1, restore 1.5; rework 1/3.
    Breakdown PR #2 (deployed by D3, the first compare holding m2): coding 11:00 → 12:30 = 1.5;
    pickup 12:30 → 13:00 = 0.5 (a changes-requested review counts, §5.3); review 13:00 → 15:00 = 2;
    deploy 15:00 → 16:00 = 1.
    Bands: 3/30 = 0.1 medium; 3 h elite; 33 % low; 6 h high.
    """
    check_row(
        team_rows["mrev"],
        team="mrev",
        deployments=3,
        lead=(3.0, 4.7),
        cfr=1 / 3,
        recovery=6.0,
        restore=(1.5, 1.5),
        incidents=1,
        rework=1 / 3,
        stages=breakdown(coding=1.5, pickup=0.5, review=2.0, deploy=1.0),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_revert_then_rollback_then_revert_of_the_revert(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/rerevert, source deployments, direct pushes.

    D1 c0 03-01 06:00 (first). D2 f1 (02 08:00) at 10:00: 2 h. v1 ``This reverts commit <f1>``
    (11:00), D3 at 12:00: 1 h; reverts D2's change → D2 failed (revert), recovered 2 h; D3 rework.
    D4 deploys f1 again at 14:00: compare(v1...f1) ``behind`` → rollback whose previous deployment is
    D3 → D3 failed (rollback); D4 rework; no changes.
    v2 ``This reverts commit <v1>`` (child of v1, 03 08:00), D5 at 03 09:00: compare(f1...v2) = v1, v2;
    v1 was shipped by D3 → change v2 only, 1 h. v2 reverts v1, a change of D3 → D3 failed (revert)
    too, once. Recovery of D3: earliest of rollback D4 (02 14:00) and revert D5 → 2 h. D5 rework
    (ships a revert commit).
    Deployments 5; lead 1, 1, 2 → p50 1, p90 at 1.8: 1 + 0.8 × 1 = 1.8; CFR 2/5; recovery 2, 2 → 2;
    rework 3/5; no PR → breakdown null.
    Bands: 5/30 high; 1 h elite; 40 % low; 2 h high.
    """
    check_row(
        team_rows["rerevert"],
        team="rerevert",
        deployments=5,
        lead=(1.0, 1.8),
        cfr=2 / 5,
        recovery=2.0,
        rework=3 / 5,
        stages=breakdown(),
        row_bands=bands("high", "elite", "low", "high"),
    )


def test_force_push_between_deployments_and_an_incident_naming_the_dropped_commit(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/forced, source deployments.

    D1 c0 03-01 06:00 (first). f1 (02 08:00), f2 (09:00); D2 f2 at 02 10:00: f1 2 h, f2 1 h.
    main is force-pushed: f1b (f1 amended, author date 02 08:00 kept, parent c0), g2 (03 08:00). D3 g2
    at 03 10:00: compare(f2...g2) is ``diverged`` (not ``behind``: no rollback, §5.2); changes the
    commits ahead: f1b 26 h, g2 2 h (f1b is a new sha, shipped by nobody before).
    Issue 03 11:00 → 12:00 ``root cause: <f2[:7]>``: f2 is a change of D2 (no longer on main) → D2
    failed (explicit); recovered 03 12:00: 26 h. The incident has an explicit link → no window rule for
    D3. D4 g3 (03 13:00) at 14:00: 1 h; no incident open → not rework.
    Deployments 4; lead 1, 1, 2, 2, 26 → p50 2, p90 at 3.6: 2 + 0.6 × 24 = 16.4; CFR 1/4; recovery 26;
    incidents 1, restore 1; rework 0; breakdown null.
    Bands: 4/30 medium; 2 h elite; 25 % low; 26 h medium.
    """
    check_row(
        team_rows["forced"],
        team="forced",
        deployments=4,
        lead=(2.0, 16.4),
        cfr=1 / 4,
        recovery=26.0,
        restore=(1.0, 1.0),
        incidents=1,
        rework=0.0,
        stages=breakdown(),
        row_bands=bands("medium", "elite", "low", "medium"),
    )


def test_rebase_of_three_with_an_earlier_middle_commit_deployed_with_a_squash(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/rbsq, source deployments.

    D1 c0 03-01 06:00 (first). PR #2 (carol): b1 02 06:00, b2 04:00 (cherry-picked, authored earlier),
    b3 08:00; opened 08:30; dave comments 09:00, approves 09:30; rebase-merged 10:00 as r1, r2, r3
    (merge_commit_sha r3). PR #3 (erin): p1 07:00, opened 07:30, only erin's own review; squash-merged
    11:00 onto r3 as s3. D2 s3 at 12:00: compare(c0...s3) = r1, r2, r3, s3.
    Starts (§5.2, docs "a rebase merge"): r1 own 06:00 → 6 h; r2 own 04:00 → 8 h; r3 the PR's earliest
    author date 04:00 → 8 h; s3 PR #3's p1 07:00 → 5 h. D3 direct d (03 08:00) at 09:00: 1 h.
    Deployments 3; lead 1, 5, 6, 8, 8 → p50 6, p90 at 3.6: 8 + 0.6 × 0 = 8; CFR 0; no failure or
    incident → recovery null; rework 0.
    Breakdown: PR #2 coding 04:00 → 08:30 = 4.5, pickup 0.5, review 09:00 → 10:00 = 1, deploy 2;
    PR #3 coding 0.5, no pickup/review (own review), deploy 1 → coding 2.5, pickup 0.5, review 1,
    deploy 1.5.
    Bands: 3/30 medium; 6 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["rbsq"],
        team="rbsq",
        deployments=3,
        lead=(6.0, 8.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=2.5, pickup=0.5, review=1.0, deploy=1.5),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_status_sequences_staging_and_an_incident_naming_a_commit_before_production(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/stg, source deployments (production).

    D1 c0 03-01 06:00 (first). D2 f1 (02 08:00): in_progress 09:00, success 10:00, inactive 20:00 →
    deployed_at 10:00 (first success): 2 h. S1 staging of f2 (21:00) at 22:00: no deployment. A
    production deployment of f2 03 01:00: pending, error → a failed attempt, no deployment.
    Issue 03 02:00 → 04:00, no sha: the latest deployment before it is D2 (16 h ≤ 24 h; not S1, not the
    failed attempt) → D2 failed (window), recovered 18 h.
    D4 f2: queued 05:00, in_progress 05:30, success 06:00: compare(f1...f2) = f2, 9 h; the issue is
    closed → not rework.
    S2 staging of f3 (04 07:00) at 04 08:00. Issue 04 09:00 → 10:00 naming ``f3[:9]``. D5 f3 at 04
    12:00: change f3, 5 h. f3 is a change of D5 → D5 failed (explicit; rule 1 has no time condition).
    Its only incident was resolved before D5: no recovery (docs "an incident resolved before F was even
    deployed ... is no recovery"); no rollback or revert → not recovered, left out of the median.
    Deployments 4; lead 2, 5, 9 → p50 5, p90 at 1.8: 5 + 0.8 × 4 = 8.2; CFR 2/4; recovery 18;
    incidents 2, restore 1, 2 → p50 1.5, p90 1.9; rework 0; breakdown null.
    Bands: 4/30 medium; 5 h elite; 50 % low; 18 h high.
    """
    check_row(
        team_rows["stg"],
        team="stg",
        deployments=4,
        lead=(5.0, 8.2),
        cfr=2 / 4,
        recovery=18.0,
        restore=(1.5, 1.9),
        incidents=2,
        rework=0.0,
        stages=breakdown(),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_only_the_configured_source_is_the_latest_deployment(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/twosrc, source workflow_runs of deploy.yml.

    W1 c0 ends 03-01 06:00 (first). W2 f1 (02 08:00) ends 02 10:00: 2 h. Not deployments (§5.1, docs
    "one from another source ... does not take part"): GitHub Deployments of f1 (10:00) and f2 (12:00),
    a published release v1.0.0 of f2 (12:30), a failed deploy.yml run of f2 (ends 12:45).
    Issue 13:00 → 15:00, no sha: the latest deployment before it is W2 (3 h) → W2 failed (window),
    recovered 5 h. W3 f2 (11:00) ends 14:00 while the issue is open → rework; lead 3 h.
    Deployments 3; lead 2, 3 → p50 2.5, p90 2.9; CFR 1/3; recovery 5; incidents 1, restore 2;
    rework 1/3; breakdown null.
    Bands: 3/30 medium; 2.5 h elite; 33 % low; 5 h high.
    """
    check_row(
        team_rows["twosrc"],
        team="twosrc",
        deployments=3,
        lead=(2.5, 2.9),
        cfr=1 / 3,
        recovery=5.0,
        restore=(2.0, 2.0),
        incidents=1,
        rework=1 / 3,
        stages=breakdown(),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_direct_push_with_a_squash_pr_then_a_merge_commit_pr_of_an_old_commit(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/mix, source deployments.

    D1 c0 03-01 06:00 (first). Direct push d (02 07:00) on main; PR #2 (alice; p 02 06:00, opened
    08:00, bob approves 09:00) squash-merged 10:00 onto d as s2. D2 s2 at 12:00: compare(c0...s2) =
    d, s2 → d 5 h; s2 starts at p (06:00): 6 h.
    PR #3 (carol; q authored 03-01 04:00 on a branch from c0, before D1; opened 02 13:00; no review)
    merged 03 09:00 with merge commit m3 = merge(s2, q). D3 m3 at 03 10:00: compare(s2...m3) = q, m3;
    q is no ancestor of c0 (D1 did not ship it) → change q, its own date: 54 h; m3 no change.
    Deployments 3; lead 5, 6, 54 → p50 6, p90 at 1.8: 6 + 0.8 × 48 = 44.4; CFR 0; recovery null;
    rework 0.
    Breakdown (PRs only; d is no PR): #2 coding 2, pickup 1, review 1, deploy 10:00 → 12:00 = 2;
    #3 coding 01 04:00 → 02 13:00 = 33, deploy 03 09:00 → 10:00 = 1 → coding 17.5, pickup 1,
    review 1, deploy 1.5.
    Bands: 3/30 medium; 6 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["mix"],
        team="mix",
        deployments=3,
        lead=(6.0, 44.4),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=17.5, pickup=1.0, review=1.0, deploy=1.5),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_feature_branch_deployment_rolled_back_by_redeploying_main(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/featroll, source deployments.

    D1 c0 03-01 06:00 (first). D2 f1 (02 08:00) at 10:00: 2 h. x (alice, 11:00) on branch feat-4
    (parent f1), deployed from the branch by D3 at 12:00: compare(f1...x) ahead → x 1 h. D4 deploys main
    (still f1) at 13:00: f1 is an ancestor of x → ``behind`` → a rollback whose previous deployment is
    D3 → D3 failed, recovered 1 h; D4 rework. PR #4 (alice, x; opened 11:30, bob approves 14:00)
    squash-merged 03 09:00 onto f1 as s4. D5 s4 at 03 10:00: compare(f1...s4) = s4, a new sha shipped by
    nobody → a change starting at the PR's first commit x (02 11:00): 23 h.
    Deployments 5; lead 1, 2, 23 → p50 2, p90 at 1.8: 2 + 0.8 × 21 = 18.8; CFR 1/5; recovery 1;
    rework 1/5 (D4; PR #4 has no label).
    Breakdown PR #4 (deployed by D5, the first compare holding its merge commit s4): coding 0.5,
    pickup 2.5, review 14:00 → 03 09:00 = 19, deploy 1.
    Bands: 5/30 high; 2 h elite; 20 % low; 1 h is not < 1 h → high.
    """
    check_row(
        team_rows["featroll"],
        team="featroll",
        deployments=5,
        lead=(2.0, 18.8),
        cfr=1 / 5,
        recovery=1.0,
        rework=1 / 5,
        stages=breakdown(coding=0.5, pickup=2.5, review=19.0, deploy=1.0),
        row_bands=bands("high", "elite", "low", "high"),
    )


def test_rollback_past_the_first_deployment_then_a_revert_of_its_own_commit(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/pastfirst, source deployments.

    c0 root (03-01 00:00). PR #1 (alice; q1 01 02:00, opened 03:00, bob approves 04:00) squash-merged
    05:00 onto c0 as s1. D1 s1 at 01 06:00: the first deployment (changes unknown; PR #1 has no deploy
    stage, §5.2). D2 f2 (02 08:00) at 10:00: 2 h. D3 deploys c0 at 12:00: compare(f2...c0) ``behind``
    → rollback of D2 → D2 failed, recovered 2 h; D3 rework.
    v ``This reverts commit <s1>`` (03 08:00, child of f2), g (09:00); D4 g at 03 10:00:
    compare(c0...g) = s1, f2, v, g. s1 is D1's own commit (docs "Changes": it stays that deployment's,
    never a change of the later one); f2 was D2's → changes v 2 h, g 1 h. v reverts s1, which is no
    change of D1 (unknown) → fails nothing (docs rule 3); D4 ships a revert commit → rework.
    Deployments 4; lead 1, 2, 2 → p50 2, p90 at 1.8: 2; CFR 1/4; recovery 2; rework 2/4.
    Breakdown: PR #1 by D1 only (docs: "no later deployment deploys it again"): coding 1, pickup 1,
    review 1, deploy null.
    Bands: 4/30 medium; 2 h elite; 25 % low; 2 h high.
    """
    check_row(
        team_rows["pastfirst"],
        team="pastfirst",
        deployments=4,
        lead=(2.0, 2.0),
        cfr=1 / 4,
        recovery=2.0,
        rework=2 / 4,
        stages=breakdown(coding=1.0, pickup=1.0, review=1.0),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_revert_naming_the_branch_commit_of_a_squash_fails_nothing_the_window_does(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/revbr, source deployments.

    D1 c0 03-01 06:00 (first). PR #2 (alice; p1 02 06:00, opened 07:00, no review) squash-merged 08:00
    as s2; D2 s2 at 10:00: lead from p1, 4 h. Issue 11:00 → 12:30, no sha: latest deployment D2 (1 h)
    → D2 failed (window), recovered 12:30: 2.5 h. A revert made from the branch, ``This reverts commit
    <p1>`` (12:00), D3 at 13:00: 1 h. p1 is no change of any deployment (s2 is) → rule 3 fails nothing
    and gives D2 no revert recovery; D3 ships a revert commit → rework (the issue is closed by then).
    Deployments 3; lead 1, 4 → p50 2.5, p90 3.7; CFR 1/3; recovery 2.5; incidents 1, restore 1.5;
    rework 1/3. Breakdown PR #2: coding 1, deploy 08:00 → 10:00 = 2.
    Bands: 3/30 medium; 2.5 h elite; 33 % low; 2.5 h high.
    """
    check_row(
        team_rows["revbr"],
        team="revbr",
        deployments=3,
        lead=(2.5, 3.7),
        cfr=1 / 3,
        recovery=2.5,
        restore=(1.5, 1.5),
        incidents=1,
        rework=1 / 3,
        stages=breakdown(coding=1.0, deploy=2.0),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_author_dates_with_utc_offsets(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/tz, source deployments. SPEC §6 "All instants are UTC".

    D1 c0 03-01 06:00 (first). PR #2 (alice): pa authored ``2026-03-02T03:00:00-05:00`` (08:00 UTC), pb
    ``2026-03-02T12:30:00+05:30`` (07:00 UTC: the earliest, though its text sorts last); opened 09:00,
    no review; squash-merged 10:00 as s2. D2 s2 at 12:00: s2 starts at 07:00 → 5 h. Direct push d
    authored ``2026-03-02T05:00:00-08:00`` (13:00 UTC), D3 at 14:00: 1 h.
    Deployments 3; lead 1, 5 → p50 3, p90 4.6; CFR 0; recovery null; rework 0.
    Breakdown PR #2: coding 07:00 → 09:00 = 2; deploy 10:00 → 12:00 = 2.
    Bands: 3/30 medium; 3 h elite; 0 % elite; null.
    """
    check_row(
        team_rows["tz"],
        team="tz",
        deployments=3,
        lead=(3.0, 4.6),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=2.0, deploy=2.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_two_deployments_and_an_incident_at_the_same_instant(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/tie, source deployments.

    D1 c0 03-01 06:00 (first). f1 (02 07:00), f2 (08:00, child of f1). D2 of f1 created 09:00 and D3 of
    f2 created 09:30 (a higher id) both first succeed at 10:00: ordered by deployed_at, then by id (docs
    "Changes") → D2 then D3: D2 f1 3 h, D3 f2 2 h (no rollback).
    Issue 02 10:00 → 12:00, no sha: the window rule looks at deployments before the incident started
    (docs: "an incident before a deployment at the same instant"): only D1 (28 h before, outside 24 h) →
    no failure. D4 f3 (11:00) at 12:00, the instant the issue is closed: 1 h.
    Rework, docs "Rework": open "from the instant it starts until the instant it is resolved: a
    deployment at its start is rework, one at its resolution is not" → D2 and D3 rework, D4 not.
    Deployments 4; lead 1, 2, 3 → p50 2, p90 at 1.8: 2 + 0.8 × 1 = 2.8; CFR 0; recovery null;
    incidents 1, restore 2; rework 2/4; breakdown null.
    Bands: 4/30 medium; 2 h elite; 0 % elite; no recovered failure → restore 2 h high.
    """
    check_row(
        team_rows["tie"],
        team="tie",
        deployments=4,
        lead=(2.0, 2.8),
        cfr=0.0,
        recovery=None,
        restore=(2.0, 2.0),
        incidents=1,
        rework=2 / 4,
        stages=breakdown(),
        row_bands=bands("medium", "elite", "elite", "high"),
    )


def test_deployment_of_a_commit_github_cannot_compare(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/gone, source deployments.

    D1 c0 03-01 06:00 (first). D2 f1 (02 08:00) at 10:00: 2 h. D3 at 12:00 deploys a sha GitHub no
    longer has: compare(f1...X) cannot be answered → ``unknown`` (docs "Changes"): a deployment, no lead
    times. D4 f2 (13:00) at 14:00: compare(X...f2) cannot be answered either → ``unknown``, no lead
    times. Issue 15:00 → 16:00 naming ``f2[:8]``: f2 is no change of any deployment (D4's changes are
    unknown) → "a hex word that begins no change's sha links nothing" → window rule: latest deployment
    before 15:00 is D4 (1 h) → D4 failed, recovered 16:00: 2 h. D5 f3 (03 08:00) at 09:00:
    compare(f2...f3) = f3, 1 h.
    Deployments 5; lead 1, 2 → p50 1.5, p90 1.9; CFR 1/5; recovery 2; incidents 1, restore 1;
    rework 0; breakdown null.
    Bands: 5/30 high; 1.5 h elite; 20 % low; 2 h high.
    """
    check_row(
        team_rows["gone"],
        team="gone",
        deployments=5,
        lead=(1.5, 1.9),
        cfr=1 / 5,
        recovery=2.0,
        restore=(1.0, 1.0),
        incidents=1,
        rework=0.0,
        stages=breakdown(),
        row_bands=bands("high", "elite", "low", "high"),
    )


# -------------------------------------------------- releases: a draft published and a release re-published


def build_releases_before(dataset: GitHubDataset) -> dict[str, int]:
    """acme/relrep as the first sync sees it; returns the release ids by tag."""
    repo = dataset.add_repo("acme/relrep")
    c0 = repo.commit("initial", author_date=at(1))
    f1 = repo.commit("f1", author_date=at(2, 8))
    f2 = repo.commit("f2", author_date=at(2, 11))
    f3 = repo.commit("f3", author_date=at(3, 6))
    repo.tags.update({"v1.0.0": c0, "v1.1.0": f1, "v1.2.0-rc.1": f2, "v1.2.0": f2, "v1.3.0": f3})
    return {
        "v1.0.0": repo.release("v1.0.0", created_at=at(1, 5), published_at=at(1, 6)),
        "v1.1.0": repo.release("v1.1.0", created_at=at(2, 9), published_at=at(2, 10)),
        "v1.2.0": repo.release("v1.2.0", created_at=at(2, 11.5), published_at=None, draft=True),
        "v1.2.0-rc.1": repo.release(
            "v1.2.0-rc.1", created_at=at(2, 11.75), published_at=at(2, 12), prerelease=True
        ),
        "v1.3.0": repo.release("v1.3.0", created_at=at(3, 7), published_at=at(3, 8)),
    }


def republish(dataset: GitHubDataset, ids: dict[str, int]) -> None:
    """v1.1.0 was turned back into a draft and published again at 02 20:00 (same release, new
    published_at); the draft v1.2.0 was published at 03 04:00."""
    releases = {r["id"]: r for r in dataset.repos["acme/relrep"].releases}
    releases[ids["v1.1.0"]]["published_at"] = iso(at(2, 20))
    releases[ids["v1.2.0"]].update(draft=False, published_at=iso(at(3, 4)))


@pytest.fixture(scope="module")
def relrep_rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The relrep row of three stores: ``incremental`` (REST) and ``graphql`` synced before and after the
    releases changed, ``fresh`` (REST) synced once after."""
    return rows_before_and_after(
        tmp_path_factory,
        repo="acme/relrep",
        deployments="{source: releases}",
        build=build_releases_before,
        change=republish,
        token=(TOKEN_VARIABLE, TOKEN),
    )


@pytest.mark.parametrize("store", ["incremental", "graphql", "fresh"])
def test_release_republished_and_a_draft_published_between_two_syncs(
    relrep_rows: dict[str, dict[str, Any]], store: str
) -> None:
    """acme/relrep, source releases. All three stores must agree (SPEC §5 "re-syncing updates it in
    place"; docs "a deployment reaching success late ... change a fingerprint").

    First sync: v1.0.0 c0 published 03-01 06:00; v1.1.0 f1 published 02 10:00; v1.2.0 (f2) a draft;
    v1.2.0-rc.1 (f2) a prerelease published 02 12:00; v1.3.0 f3 published 03 08:00.
    Then v1.1.0 is re-published at 02 20:00 (same release, published_at moved) and the draft v1.2.0 is
    published at 03 04:00. What GitHub now says (§5.1: published, non-draft, non-prerelease,
    deployed_at = published_at): R1 01 06:00 (first), v1.1.0 02 20:00: compare(c0...f1) = f1 (02 08:00)
    → 12 h; v1.2.0 03 04:00: compare(f1...f2) = f2 (02 11:00) → 17 h; v1.3.0 03 08:00:
    compare(f2...f3) = f3 (03 06:00) → 2 h. The prerelease is never a deployment.
    Deployments 4; lead 2, 12, 17 → p50 12, p90 at 1.8: 12 + 0.8 × 5 = 16; CFR 0; recovery null;
    rework 0; breakdown null.
    Bands: 4/30 medium; 12 h elite; 0 % elite; null.
    """
    check_row(
        relrep_rows[store],
        team="relrep",
        deployments=4,
        lead=(12.0, 16.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(),
        row_bands=bands("medium", "elite", "elite", None),
    )
