"""Audit, round 10, end to end: the null and absent fields real GitHub sends, through the collector, where
they meet the metric rules. Emulated GitHub → ``doraspace collect`` (REST and GraphQL) → ``doraspace
metrics --format json``. Every number is worked out by hand in the test's docstring.

What GitHub really sends, and what these scenarios copy:

* A deleted account ("ghost"). REST shows a deleted PR or issue author as the ghost user (``login:
  ghost``, ``id: 10137``), but a deleted *reviewer* as ``user: null`` (hub4j/github-api#771,
  slapperwan/gh4a#1102 "GitHub API returns a null user instead of ghost as it usually does",
  ``GET /repos/dart-lang/http2/pulls/83/reviews``). GraphQL answers ``author: null`` for both
  (atlassian/github-for-jira#164: "In the REST API, we return the Ghost User … In GraphQL we handle this
  by returning null"). The emulator derives its GraphQL answers from its REST data, so this module makes
  it answer the ghost user as ``null`` in GraphQL (a monkeypatch of its ``_actor``, inside this module's
  fixture only). A commit by a deleted account keeps its git author and dates; its ``author`` and
  ``committer`` (the GitHub accounts) are ``null``.
* A pull request whose fork was deleted: ``head.repo: null`` (its ``head.sha`` stays).
* A deployment and its statuses with ``creator: null``; statuses of the older API without
  ``environment`` and ``environment_url``, with ``log_url`` and ``target_url`` null; a deployment
  ``payload`` of ``""``.
* A release whose author was deleted: ``author: null``; an incident issue opened by a deleted account
  (``user`` ghost), closed before ``state_reason`` existed (``state_reason: null``, ``closed_by: null``).
* A workflow run of a fork's pull request whose fork was deleted: ``head_repository: null``, from the
  fork's branch named like the default branch (GitHub's ``branch=`` filter lists it), ``pull_requests:
  []``.

Not repeated here: round 9 ``prshapes`` (REST ``user: null`` PR author with null reviewers — a shape
REST does not give for a PR author; a bot; PENDING; DISMISSED), round 6 parser-level ghost/bot tests,
round 9 ``forkci`` (a fork's run *with* its head repository). Issues with ``closed_at: null`` and ``state:
closed`` are left out: GitHub does not send them.

One emulated organisation holds every scenario, each in its own repository owned by the team of its
short name (config ``teams:``). It is collected once per ``github.api`` mode into its own store and read
with ``--as-of 2026-03-20T00:00:00Z``; one window, 30d = (02-18 00:00, 03-20 00:00], holds every
deployment, so the bands come from it (SPEC §6.3 "or the longest configured"), dora-2023.
``github.since`` 2026-03-01, ``incident_labels`` the default ``[incident]``, ``attribution_window:
24h``. Times are March 2026 UTC, ``at(day, hour)``. Each repository's first deployment has compare
``first`` (no lead times, no deploy stage, §5.2). Percentiles are ``percentile_cont``: p at position
p × (n − 1) of the sorted values. Whole 30d rows are asserted.

Bands (dora-2023): frequency n/30 with 1/30 ≤ n/30 < 1/7 (n = 1…4) medium; lead p50 < 24 h elite;
change failure rate ≤ 5 % elite, > 15 % low; recovery < 24 h high, < 168 h medium.

SPEC sentences the scenarios lean on: §5.1 (deployed_at = ``created_at`` of the first ``success``
status; workflow runs "on the default branch"; releases at ``published_at``), §5.2 (changes, start,
rollback ``behind``), §5.3 "first review by someone other than the author", §5.4 issues, §6.1 rules 1
explicit, 2 rollback, 3 revert, 4 window, §6.2 recovery, restore and rework; docs/metrics.md "The first
review is the earliest submitted review … by someone other than the PR's author, submitted at or before
the merge"; docs/configuration.md ``github.api``: REST and GraphQL store the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.analytics.facts import bands
from tests.emulators import github_graphql
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

TOKEN_VARIABLE = "AUDIT_ROUND10_PAYLOAD_NULLS_GITHUB_TOKEN"
TOKEN = "audit-round10-payload-nulls-token"

NULLS = Scenarios()

GHOST_ID = 10137
GHOST = {
    **user_json("ghost"),
    "id": GHOST_ID,
    "node_id": "MDQ6VXNlcjEwMTM3",
    "html_url": "https://github.com/ghost",
    "avatar_url": "https://avatars.githubusercontent.com/u/10137?v=4",
}


def _ghost_pull(repo: RepoData, number: int) -> dict[str, Any]:
    """PR ``number`` was opened by an account since deleted: REST ``user`` is the ghost user."""
    pull = next(p for p in repo.pulls if p["number"] == number)
    pull["user"] = dict(GHOST)
    return pull


def _deleted_reviewer(repo: RepoData, number: int, index: int) -> None:
    """Review ``index`` of PR ``number`` was written by an account since deleted: REST ``user: null``."""
    repo.reviews[number][index]["user"] = None


def _deleted_committer(repo: RepoData, *shas: str) -> None:
    """Commits by an account since deleted: git author and dates kept, GitHub accounts null."""
    for sha in shas:
        repo.commits[sha]["author"] = None
        repo.commits[sha]["committer"] = None


def _release(repo: RepoData, tag: str, sha: str, published_at: datetime) -> None:
    """Tag ``sha`` and publish its release (created at the commit's date); its author was deleted."""
    repo.tags[tag] = sha
    created = datetime.fromisoformat(repo.commits[sha]["commit"]["author"]["date"].replace("Z", "+00:00"))
    repo.release(tag, created_at=created, published_at=published_at)
    repo.releases[-1]["author"] = None


def _old_api_nulls(repo: RepoData, deployment_id: int) -> None:
    """A deployment whose creator was deleted, with statuses as the older API wrote them."""
    deployment = next(d for d in repo.deployments if d["id"] == deployment_id)
    deployment["creator"] = None
    deployment["payload"] = ""
    for status in repo.statuses[deployment_id]:
        status["creator"] = None
        status.pop("environment", None)
        status.pop("environment_url", None)
        status["log_url"] = None
        status["target_url"] = None


# ------------------------------------------------------------------------------------------- scenarios


@NULLS.register(("acme/ghostpr", "ghostpr", None))
def build_ghost_author_and_deleted_reviewer(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/ghostpr")
    c0 = started_at_six(repo)  # D1 first
    q1 = repo.commit("q1", parents=[c0], author_date=at(2, 1), author_login="former", branch="pr-1")
    s1 = squash_merged_pr(
        repo,
        [q1],
        c0,
        number=1,
        title="Orphaned",
        author="former",
        created_at=at(2, 2),
        merged_at=at(2, 6),
        reviews=[("zed", "COMMENTED", at(2, 3)), ("bob", "APPROVED", at(2, 5))],
    )
    _ghost_pull(repo, 1)
    _deleted_reviewer(repo, 1, 0)
    q2 = repo.commit("q2", parents=[s1], author_date=at(2, 2), author_login="former", branch="pr-2")
    s2 = squash_merged_pr(
        repo,
        [q2],
        s1,
        number=2,
        title="Orphaned too",
        author="former",
        created_at=at(2, 4),
        merged_at=at(2, 7),
        reviews=[("carol", "COMMENTED", at(2, 5))],
    )
    _ghost_pull(repo, 2)
    _deleted_committer(repo, q1, q2, s1, s2)
    repo.deployment(s2, created_at=at(2, 12))  # D2


@NULLS.register(("acme/forkgone", "forkgone", None))
def build_deleted_fork_then_reverted(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/forkgone")
    c0 = started_at_six(repo)  # D1 first
    f1 = repo.commit("f1", parents=[c0], author_date=at(2, 1), author_login="former", branch="fork-main")
    s1 = squash_merged_pr(
        repo,
        [f1],
        c0,
        number=1,
        title="Fork feature",
        author="former",
        created_at=at(2, 2),
        merged_at=at(2, 5),
        reviews=[("bob", "COMMENTED", at(2, 3))],
    )
    pull = _ghost_pull(repo, 1)
    pull["head"]["repo"] = None  # the fork was deleted with its account
    pull["head"]["label"] = "unknown:fork-main"
    _deleted_committer(repo, f1, s1)
    repo.deployment(s1, created_at=at(2, 6))  # D2
    revert = f'Revert "Fork feature (#1)"\n\nThis reverts commit {s1}.'
    r = repo.commit(revert, parents=[s1], author_date=at(3, 9), author_login="bob", branch="revert-1")
    s2 = squash_merged_pr(
        repo,
        [r],
        s1,
        number=2,
        title='Revert "Fork feature (#1)"',
        author="bob",
        created_at=at(3, 9.5),
        merged_at=at(3, 11),
        reviews=[("carol", "APPROVED", at(3, 10))],
        message=f'Revert "Fork feature (#1)" (#2)\n\nThis reverts commit {s1}.',
    )
    repo.deployment(s2, created_at=at(3, 12))  # D3


@NULLS.register(("acme/nullcreator", "nullcreator", None))
def build_null_creators_and_old_statuses_with_a_rollback(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/nullcreator")
    c0 = started_at_six(repo)  # D1 first
    _old_api_nulls(repo, repo.deployments[-1]["id"])
    c1 = repo.commit("c1", author_date=at(2, 10))
    d2 = repo.deployment(
        c1,
        created_at=at(2, 11),
        statuses=[("queued", at(2, 11)), ("in_progress", at(2, 11.5)), ("success", at(2, 12))],
    )
    _old_api_nulls(repo, d2)
    d3 = repo.deployment(c0, created_at=at(3, 12), ref=c0)  # the rollback to c0
    _old_api_nulls(repo, d3)
    c2 = repo.commit("c2", parents=[c1], author_date=at(4, 8))
    d4 = repo.deployment(c2, created_at=at(4, 12))
    _old_api_nulls(repo, d4)


@NULLS.register(("acme/relghost", "relghost", "{source: releases}"))
def build_releases_by_deleted_accounts_with_an_explicit_incident(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/relghost")
    c0 = repo.commit("initial", author_date=at(1, 5))
    _release(repo, "v1.0.0", c0, at(1, 6))  # R1 first
    c1 = repo.commit("Checkout rewrite", author_date=at(2, 8), author_login="former")
    _deleted_committer(repo, c1)
    _release(repo, "v1.1.0", c1, at(2, 12))  # R2
    number = repo.issue(
        title="Checkout errors",
        created_at=at(3, 0),
        closed_at=at(3, 6),
        labels=["incident"],
        body=f"Customers cannot pay.\n\nroot cause: {c1[:10]}",
    )
    issue = next(i for i in repo.issues if i["number"] == number)
    issue.update(user=dict(GHOST), state_reason=None, closed_by=None)
    c2 = repo.commit(
        "Fix typo", author_date=at(3, 2), author_login="alice", committer_login="web-flow"
    )  # edited in the web UI
    _release(repo, "v1.1.1", c2, at(3, 3))  # R3, while the incident is open


@NULLS.register(("acme/runsgone", "runsgone", "{source: workflow_runs, workflow: deploy.yml}"))
def build_a_deleted_forks_run_beside_the_deployments(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/runsgone")
    c0 = repo.commit("initial", author_date=at(1, 10))
    repo.workflow_run(c0, created_at=at(1, 11), updated_at=at(1, 12))  # W1 first
    f = repo.commit("fork work", parents=[c0], author_date=at(2, 7), branch="contrib-main")
    repo.workflow_run(f, event="pull_request", created_at=at(2, 9), updated_at=at(2, 10))
    fork_run = repo.workflow_runs[-1]
    fork_run.update(head_repository=None, pull_requests=[])
    c1 = repo.commit("c1", author_date=at(2, 8))
    repo.workflow_run(c1, created_at=at(2, 11), updated_at=at(2, 12))  # W2
    repo.issue(
        title="Errors after release", created_at=at(2, 10.5), closed_at=at(2, 12.5), labels=["incident"]
    )


# ------------------------------------------------------------------------------------------- pipeline


@pytest.fixture(scope="module")
def metrics_by_api(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, Any]]]:
    actor = github_graphql._actor

    def graphql_actor(user: dict[str, Any] | None) -> dict[str, Any] | None:
        # GitHub's GraphQL answers a deleted account as ``author: null`` where REST shows the ghost user.
        if user and user.get("login") == "ghost" and user.get("id") == GHOST_ID:
            return None
        return actor(user)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(github_graphql, "_actor", graphql_actor)
        return NULLS.collect(tmp_path_factory, TOKEN_VARIABLE, TOKEN, AS_OF)


# ------------------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_ghost_author_with_a_deleted_reviewer_is_no_first_review_in_either_api(
    metrics_by_api: dict[str, dict[str, dict[str, Any]]], api: str
) -> None:
    """acme/ghostpr. Rules: §5.3 first review by someone other than the author × GitHub's two spellings
    of a deleted account × §5.2 start of a squash whose commits' accounts are null × one deployment
    shipping two PRs.

    D1 03-01 06:00 (c0, first). Two PRs opened by an account since deleted (REST ``user`` = ghost;
    GraphQL ``author: null``), their commits' accounts null (git author dates kept), squash-merged s1,
    s2 and shipped together by D2 03-02 12:00 (compare(c0...s2) = s1, s2):

    * PR #1: q1 authored 02 01:00, opened 02:00; a deleted account comments 03:00 (REST ``user: null``,
      GraphQL ``author: null``); bob approves 05:00; merged 06:00. The deleted reviewer cannot be told
      from the deleted author: as round 6 (``test_deleted_author_and_deleted_reviewer_…``) and round 9
      (``prshapes`` #3) read it, and as GraphQL mode stores it (null, null), it is not a first review;
      bob's is. coding 1, pickup 02:00 → 05:00 = 3, review 05:00 → 06:00 = 1, deploy 06:00 → 12:00 = 6;
      lead 12:00 − 01:00 = 11.
    * PR #2: q2 02:00, opened 04:00; carol comments 05:00 (someone other than a deleted author in both
      modes); merged 07:00. coding 2, pickup 1, review 2, deploy 5; lead 10.

    Deployments 2; leads [10, 11] → p50 10.5, p90 10 + 0.9 × 1 = 10.9. Medians: coding (1, 2) 1.5,
    pickup (3, 1) 2, review (1, 2) 1.5, deploy (6, 5) 5.5. CFR 0/2, rework 0/2. Bands: 2/30 medium,
    10.5 h elite, 0 % elite, recovery null.

    REST mode stores PR #1's author ``ghost`` and the reviewer null: ``null IS DISTINCT FROM 'ghost'``
    makes the deleted account's 03:00 comment the first review: PR #1 pickup 1, review 03:00 → 06:00 =
    3 → medians pickup (1, 1) 1, review (3, 2) 2.5. The two modes give two numbers for the same GitHub.
    """
    check_row(
        metrics_by_api[api]["ghostpr"],
        team="ghostpr",
        deployments=2,
        lead=(10.5, 10.9),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(1.5, 2.0, 1.5, 5.5),
        row_bands=bands("medium", "elite", "elite", None),
    )


@pytest.mark.parametrize("api", APIS)
def test_deleted_fork_by_a_ghost_squashed_then_reverted_by_the_revert_button(
    metrics_by_api: dict[str, dict[str, dict[str, Any]]], api: str
) -> None:
    """acme/forkgone. Rules: a PR whose fork and author were deleted (``head.repo: null``, REST ghost /
    GraphQL null author, commit accounts null) × §5.3 first review by a real reviewer × §5.2 squash
    start × §6.1 rule 3 revert (GitHub's Revert button: a PR whose squash message says ``This reverts
    commit <s1>``) × §6.2 recovery and rework.

    D1 03-01 06:00 (c0, first).
    PR #1 (deleted account, from its deleted fork's branch ``fork-main``): f1 authored 02 01:00; opened
    02:00; bob comments 03:00 (someone other than the deleted author in both modes: the first review);
    squash-merged 05:00 as s1; D2 02 06:00 ships s1: lead 5; coding 1, pickup 1, review 2, deploy 1.
    PR #2 (bob, branch revert-1): r authored 03 09:00 "Revert … This reverts commit s1"; opened 09:30;
    carol approves 10:00; squash-merged 11:00 as s2 (message keeps ``This reverts commit <s1>``); D3
    03 12:00 ships s2: lead 3; coding 0.5, pickup 0.5, review 1, deploy 1.

    D2 failed (revert: D3 contains a commit reverting s1, a change of D2). Recovery = D3 − D2 = 03 12:00
    − 02 06:00 = 30 h. Rework: D3 contains a revert commit: 1/3. CFR 1/3.
    Deployments 3; leads [3, 5] → p50 4, p90 3 + 0.9 × 2 = 4.8. Medians: coding (1, 0.5) 0.75, pickup
    (1, 0.5) 0.75, review (2, 1) 1.5, deploy (1, 1) 1. Bands: 3/30 medium; 4 h elite; 33 % low; 30 h
    (≥ 24 h, < 168 h) medium.
    """
    check_row(
        metrics_by_api[api]["forkgone"],
        team="forkgone",
        deployments=3,
        lead=(4.0, 4.8),
        cfr=1 / 3,
        recovery=30.0,
        rework=1 / 3,
        stages=breakdown(0.75, 0.75, 1.5, 1.0),
        row_bands=bands("medium", "elite", "low", "medium"),
    )


@pytest.mark.parametrize("api", APIS)
def test_null_creators_and_old_api_statuses_meet_a_rollback(
    metrics_by_api: dict[str, dict[str, dict[str, Any]]], api: str
) -> None:
    """acme/nullcreator. Rules: deployments whose ``creator`` is null, ``payload`` ``""``, statuses of
    the older API (no ``environment`` / ``environment_url``; ``log_url``, ``target_url``, ``creator``
    null) × §5.1 deployed_at = first ``success`` × §5.2 rollback (``behind``) and first shipment ×
    §6.1 rule 2 × §6.2 recovery and rework.

    D1 03-01 06:00 (c0, first). D2 of c1 (authored 02 10:00): queued 11:00, in_progress 11:30, success
    12:00 → deployed 02 12:00, lead 2. D3 03 12:00 redeploys c0: compare(c1...c0) ``behind``: a
    rollback whose previous deployment is D2 → D2 failed; D3 has no changes. D4 04 12:00 of c2 (child
    of c1, authored 04 08:00): compare(c0...c2) lists c1 and c2, c1 already shipped by D2 → one change,
    lead 4.

    Deployments 4; leads [2, 4] → p50 3, p90 2 + 0.9 × 2 = 3.8. CFR 1/4. Recovery D2 → D3 = 24 h.
    Rework: D3 (rollback) 1/4. No PRs: every stage null. Bands: 4/30 = 0.133 < 1/7 medium; 3 h elite;
    25 % low; 24 h is not < 1 day: medium.
    """
    check_row(
        metrics_by_api[api]["nullcreator"],
        team="nullcreator",
        deployments=4,
        lead=(3.0, 3.8),
        cfr=0.25,
        recovery=24.0,
        rework=0.25,
        stages=breakdown(),
        row_bands=bands("medium", "elite", "low", "medium"),
    )


@pytest.mark.parametrize("api", APIS)
def test_releases_with_deleted_authors_and_a_ghosts_explicit_incident(
    metrics_by_api: dict[str, dict[str, dict[str, Any]]], api: str
) -> None:
    """acme/relghost (``source: releases``). Rules: releases with ``author: null`` × a commit whose
    accounts are null × an incident issue opened by the ghost user, ``state_reason`` and ``closed_by``
    null × §6.1 rule 1 explicit (``root cause: <c1[:10]>``) × §6.2 recovery, restore and rework
    (a release published while the incident is open) × a web-UI commit (committer ``web-flow``).

    R1 v1.0.0 of c0 published 03-01 06:00 (first). c1 authored 02 08:00 by a deleted account; R2 v1.1.0
    published 02 12:00: lead 4. Issue #1 (ghost) opened 03 00:00, closed 06:00, body names c1: R2 failed
    (explicit), recovery 03 06:00 − 02 12:00 = 18 h; restore 6 h. c2 (alice, committed through the web
    UI) authored 03 02:00; R3 v1.1.1 published 03 03:00: lead 1; the incident of its repo is open
    (00:00–06:00): rework. The incident is linked explicitly, so no window failure (R3 fails nothing).

    Deployments 3; leads [1, 4] → p50 2.5, p90 1 + 0.9 × 3 = 3.7. CFR 1/3; recovery 18; restore p50 =
    p90 = 6; incidents 1; rework 1/3. No PR: stages null. Bands: 3/30 medium; 2.5 h elite; 33 % low;
    18 h high.
    """
    check_row(
        metrics_by_api[api]["relghost"],
        team="relghost",
        deployments=3,
        lead=(2.5, 3.7),
        cfr=1 / 3,
        recovery=18.0,
        restore=(6.0, 6.0),
        incidents=1,
        rework=1 / 3,
        stages=breakdown(),
        row_bands=bands("medium", "elite", "low", "high"),
    )


@pytest.mark.parametrize("api", APIS)
def test_a_deleted_forks_run_is_no_deployment_and_cannot_take_the_incident(
    metrics_by_api: dict[str, dict[str, dict[str, Any]]], api: str
) -> None:
    """acme/runsgone (``source: workflow_runs, workflow: deploy.yml``). Rules: §5.1 "completed runs of
    workflow on the default branch" × a fork's pull-request run whose fork was deleted
    (``head_repository: null``, ``head_branch: main`` — the fork's — ``pull_requests: []``) × §6.1 rule 4
    window ("F is the latest deployment of that service before the incident") × §6.2 recovery, restore
    and rework.

    W1 (push, c0) ends 03-01 12:00 (first). The fork's run (head f, not on main) succeeds 02 10:00: no
    deployment. W2 (push, c1 authored 02 08:00) ends 02 12:00: lead 4. Issue #1 (incident, no sha)
    opened 02 10:30, closed 12:30: the latest deployment before it is W1 (03-01 12:00; 02 10:30 is
    within its 24 h) → W1 failed, recovery 02 12:30 − 01 12:00 = 24.5 h; restore 2 h. W2 ends while the
    incident is open: rework.

    Deployments 2; lead 4 / 4; CFR 1/2; recovery 24.5; restore 2 / 2; incidents 1; rework 1/2. Bands:
    2/30 medium; 4 h elite; 50 % low; 24.5 h medium. (Were the fork's run a deployment: 3 deployments,
    it would take the incident, recovery 2.5 h.)
    """
    check_row(
        metrics_by_api[api]["runsgone"],
        team="runsgone",
        deployments=2,
        lead=(4.0, 4.0),
        cfr=0.5,
        recovery=24.5,
        restore=(2.0, 2.0),
        incidents=1,
        rework=0.5,
        stages=breakdown(),
        row_bands=bands("medium", "elite", "low", "medium"),
    )
