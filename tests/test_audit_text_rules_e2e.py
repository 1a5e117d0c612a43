"""Audit, end to end: the text rules of SPEC §6.1 (explicit links, ``This reverts commit``), §6.2 (rework
labels) and §5.4 (incident labels) on the messages, bodies and labels GitHub really produces. Emulated
GitHub → ``doraspace collect`` (REST and GraphQL) → ``doraspace metrics --format json``.

Each scenario has its own repository and team (``teams:``). Metrics as of 2026-03-20 00:00 UTC, window
30d = (02-18 00:00, 03-20 00:00], which holds everything below; times are March 2026 UTC, ``at(day,
hour)``. Attribution window 24 h. ``github.incident_labels: [incident, outage]`` and ``rework.labels:
[HotFix, Rollback, REVERT, Incident]`` (label names are compared case-insensitively, as GitHub does:
docs/configuration.md). Every repo's first deployment (03-01 06:00, compare ``first``) counts as a
deployment and adds no lead times. Percentiles are ``percentile_cont``: p at position p × (n − 1).

Reading of §6.1 rule 1 (docs/metrics.md "Text rules in SQL"): the hex string is a whole word of the text
(a run of [0-9a-z], case folded); a 64-digit digest is no "hex string of 7 to 40 characters".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData, iso, label_json
from tests.github_org import write_github_config
from tests.github_scenarios import APIS, Scenarios, at, check, run_cli

AS_OF = "2026-03-20T00:00:00Z"
TOKEN_VARIABLE = "AUDIT_TEXT_RULES_GITHUB_TOKEN"
TOKEN = "audit-text-rules-token"


def started(repo: RepoData) -> str:
    """The repo's root commit (03-01 00:00), deployed at 03-01 06:00: the first deployment."""
    c0 = repo.commit("initial", author_date=at(1))
    repo.deployment(c0, created_at=at(1, 6))
    return c0


TEXT = Scenarios(
    github="incident_labels: [incident, outage]",
    rest="rework: {labels: [HotFix, Rollback, REVERT, Incident]}\n",
)


def scenario(repo_name: str) -> Callable[[Callable[[RepoData], None]], Callable[[RepoData], None]]:
    """Register a builder of repository ``repo_name``, owned by the team of its short name."""

    def register(builder: Callable[[RepoData], None]) -> Callable[[RepoData], None]:
        TEXT.register((repo_name, team(repo_name), None))(
            lambda dataset: builder(dataset.add_repo(repo_name))
        )
        return builder

    return register


def team(repo_name: str) -> str:
    return repo_name.split("/")[1]


@scenario("acme/twice")
def build_squashed_double_revert(repo: RepoData) -> None:
    started(repo)
    f1 = repo.commit("Add cart", author_date=at(2, 8))
    repo.deployment(f1, created_at=at(2, 10))  # D2
    f2 = repo.commit("Add tax", author_date=at(3, 8))
    repo.deployment(f2, created_at=at(3, 9))  # D3
    m1 = f'Revert "Add tax"\n\nThis reverts commit {f2}.'
    m2 = f'Revert "Add cart"\n\nThis reverts commit {f1}.'
    v1 = repo.commit(m1, parents=[f2], author_date=at(3, 10), author_login="erin", branch="revert-both")
    v2 = repo.commit(m2, parents=[v1], author_date=at(3, 10.5), author_login="erin", branch="revert-both")
    # GitHub's default squash message of a PR of several commits: the title, then "* " and each message.
    s4 = repo.squash_merge([v1, v2], f2, f"Revert cart and tax (#4)\n\n* {m1}\n\n* {m2}", at(3, 12))
    repo.pull(
        number=4,
        title="Revert cart and tax",
        author="erin",
        created_at=at(3, 10.75),
        commits=[v1, v2],
        merged_at=at(3, 12),
        merge_commit_sha=s4,
    )
    repo.deployment(s4, created_at=at(3, 13))  # D4


@scenario("acme/revmerge")
def build_revert_of_a_merge_commit(repo: RepoData) -> None:
    started(repo)
    c2 = repo.commit("Add banner", author_date=at(2, 8))
    repo.deployment(c2, created_at=at(2, 10))  # D2
    b3 = repo.commit(
        "Add search", parents=[c2], author_date=at(2, 12), author_login="dave", branch="feature-3"
    )
    m3 = repo.merge_commit(c2, b3, "Merge pull request #3 from acme/feature-3\n\nAdd search", at(2, 14))
    repo.pull(
        number=3,
        title="Add search",
        author="dave",
        created_at=at(2, 12.5),
        commits=[b3],
        merged_at=at(2, 14),
        merge_commit_sha=m3,
    )
    repo.deployment(m3, created_at=at(2, 15))  # D3
    # GitHub's "Revert" button on PR #3: a branch with git's revert of the merge commit (-m 1).
    message = (
        'Revert "Merge pull request #3 from acme/feature-3"\n\n'
        f"This reverts commit {m3}, reversing\nchanges made to {c2}."
    )
    v4 = repo.commit(message, parents=[m3], author_date=at(3, 9), author_login="erin", branch="revert-3")
    m4 = repo.merge_commit(
        m3,
        v4,
        'Merge pull request #4 from acme/revert-3\n\nRevert "Merge pull request #3 from acme/feature-3"',
        at(3, 10),
    )
    repo.pull(
        number=4,
        title='Revert "Merge pull request #3 from acme/feature-3"',
        author="erin",
        created_at=at(3, 9.5),
        commits=[v4],
        merged_at=at(3, 10),
        merge_commit_sha=m4,
        body="Reverts acme/revmerge#3",
    )
    repo.deployment(m4, created_at=at(3, 11))  # D4


@scenario("acme/revbody")
def build_revert_squashed_with_the_pull_request_body(repo: RepoData) -> None:
    c0 = started(repo)
    p5 = repo.commit("Add coupons", parents=[c0], author_date=at(2, 8), author_login="alice", branch="pr-5")
    s5 = repo.squash_merge([p5], c0, "Add coupons (#5)", at(2, 10))
    repo.pull(
        number=5,
        title="Add coupons",
        author="alice",
        created_at=at(2, 9),
        commits=[p5],
        merged_at=at(2, 10),
        merge_commit_sha=s5,
    )
    repo.deployment(s5, created_at=at(2, 11))  # D2
    v6 = repo.commit(
        f'Revert "Add coupons (#5)"\n\nThis reverts commit {s5}.',
        parents=[s5],
        author_date=at(2, 12),
        author_login="erin",
        branch="revert-5",
    )
    # Squash-merged with the repository's "pull request title and description" default message.
    s6 = repo.squash_merge([v6], s5, 'Revert "Add coupons (#5)" (#6)\n\nReverts acme/revbody#5', at(2, 13))
    repo.pull(
        number=6,
        title='Revert "Add coupons (#5)"',
        author="erin",
        created_at=at(2, 12.25),
        commits=[v6],
        merged_at=at(2, 13),
        merge_commit_sha=s6,
        labels=["revert"],
        body="Reverts acme/revbody#5",
    )
    repo.deployment(s6, created_at=at(2, 14))  # D3


@scenario("acme/hexes")
def build_incident_text_shapes(repo: RepoData) -> None:
    started(repo)
    f1 = repo.commit("Round totals", author_date=at(5, 8))
    repo.deployment(f1, created_at=at(5, 10))  # D2
    f2 = repo.commit("New image", author_date=at(6, 7))
    repo.deployment(f2, created_at=at(6, 10))  # D3
    repo.issue(
        title="Totals off by one",
        body=(
            f"Root Cause: https://github.com/acme/hexes/commit/{f1.upper()}\n\n"
            f"Running image sha256:{f2}{'a' * 24}"
        ),
        created_at=at(6, 12),
        closed_at=at(6, 16),
        labels=["incident", "outage"],
    )


@scenario("acme/incpr")
def build_pull_request_labelled_incident(repo: RepoData) -> None:
    started(repo)
    f1 = repo.commit("Rounding", author_date=at(2, 8))
    repo.deployment(f1, created_at=at(2, 10))  # D2
    p8 = repo.commit("Fix rounding", parents=[f1], author_date=at(2, 11), author_login="carol", branch="pr-8")
    s8 = repo.squash_merge([p8], f1, "Fix rounding (#8)", at(2, 13))
    body = f"root cause: {f1[:7]}"
    number = repo.pull(
        number=8,
        title="Fix rounding",
        author="carol",
        created_at=at(2, 11.5),
        commits=[p8],
        merged_at=at(2, 13),
        merge_commit_sha=s8,
        labels=["incident"],
        body=body,
    )
    # The issues API lists the pull request too, with its labels, body and a "pull_request" key.
    repo.issue(
        number=number,
        title="Fix rounding",
        body=body,
        created_at=at(2, 11.5),
        closed_at=at(2, 13),
        labels=["incident"],
    )
    repo.issues[-1]["pull_request"] = {"url": f"{repo.api_url}/pulls/{number}"}
    repo.deployment(s8, created_at=at(2, 14))  # D3


@scenario("acme/branchsha")
def build_incident_naming_a_squashed_branch_commit(repo: RepoData) -> None:
    c0 = started(repo)
    p9 = repo.commit("Search index", parents=[c0], author_date=at(3, 8), author_login="bob", branch="pr-9")
    s9 = repo.squash_merge([p9], c0, "Search index (#9)", at(3, 10))
    repo.pull(
        number=9,
        title="Search index",
        author="bob",
        created_at=at(3, 9),
        commits=[p9],
        merged_at=at(3, 10),
        merge_commit_sha=s9,
    )
    repo.deployment(s9, created_at=at(3, 11))  # D2
    f3 = repo.commit("Copy change", author_date=at(3, 11.25))
    repo.deployment(f3, created_at=at(3, 11.5))  # D3
    repo.issue(
        title=f"Search broken since {p9[:8]}", created_at=at(3, 12), closed_at=at(3, 14), labels=["incident"]
    )


# ------------------------------------------------------------------------------------------- pipeline


@pytest.fixture(scope="module")
def metrics_by_api(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, Any]]]:
    return TEXT.collect(tmp_path_factory, TOKEN_VARIABLE, TOKEN, AS_OF)


@pytest.fixture(params=APIS)
def team_rows(
    request: pytest.FixtureRequest, metrics_by_api: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    return metrics_by_api[request.param]


# ------------------------------------------------------------------------------------------- the tests


def test_squash_merged_revert_of_two_changes_fails_two_deployments(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/twice. D1 first. D2 f1 (02 08:00) at 02 10:00: lead 2 h. D3 f2 (03 08:00) at 03 09:00: lead
    1 h. PR #4: v1 ``This reverts commit <f2>.`` (03 10:00), v2 ``This reverts commit <f1>.`` (10:30),
    squash-merged 12:00 as s4 whose message quotes both (GitHub's "* message" list) → D4 at 13:00; s4
    starts at the PR's first commit, 10:00: lead 3 h.

    §6.1 rule 3: D4 contains a commit saying ``This reverts commit <sha>`` for a change of D2 and for a
    change of D3 → both failed (revert), recovered at D4: 27 h and 4 h → p50 15.5. Deployments 4; CFR
    2/4; rework 1/4 (D4 contains a revert commit); lead 1, 2, 3 → p50 2, p90 2 + 0.8 × 1 = 2.8.
    """
    check(
        team_rows["twice"],
        deployments=4,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=15.5,
        rework_rate=0.25,
        lead_time_hours_p50=2.0,
        lead_time_hours_p90=2.8,
    )


def test_github_revert_of_a_merge_commit_pull_request_fails_nothing(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/revmerge. D1 first. D2 c2 (02 08:00) at 02 10:00: lead 2 h. PR #3 (b3, 02 12:00) merged with
    merge commit m3 at 14:00 → D3 at 15:00: change b3 (m3 is no change), lead 3 h. GitHub's Revert button:
    v4 (03 09:00) ``This reverts commit <m3>, reversing\\nchanges made to <c2>.``, PR #4 (body ``Reverts
    acme/revmerge#3``) merged with merge commit m4 at 03 10:00 → D4 at 11:00: change v4, lead 2 h.

    Rule 3 needs the reverted sha to be that of a change of F: <m3> is a merge commit, no change (§5.2),
    so D3 is not failed (reading: SPEC's words, not the merge's second-parent commits); <c2> follows
    "changes made to", not "This reverts commit", so D2 is not failed. D4 contains a revert commit →
    rework. Deployments 4; CFR 0; recovery null; rework 1/4; lead 2, 2, 3 → p50 2, p90 2 + 0.8 × 1 = 2.8.
    """
    check(
        team_rows["revmerge"],
        deployments=4,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.25,
        lead_time_hours_p50=2.0,
        lead_time_hours_p90=2.8,
    )


def test_revert_squashed_with_the_pull_request_body_has_no_sha_but_its_label_counts(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/revbody. D1 first. PR #5 (p5 02 08:00) squash-merged 10:00 as s5 → D2 at 11:00: lead 3 h.
    Revert PR #6, labelled ``revert``: branch commit v6 ``This reverts commit <s5>.`` (12:00),
    squash-merged 13:00 as s6 with message ``Revert "Add coupons (#5)" (#6) / Reverts acme/revbody#5`` →
    D3 at 14:00 ships s6 only (v6 is not on main): lead from v6, 2 h.

    Rule 3 needs a commit *contained in* a later deployment whose message says ``This reverts commit
    <sha>``: s6's message names no sha → D2 is not failed. D3 is rework by its PR's label ``revert``
    (config ``REVERT``, case-insensitive). Deployments 3; CFR 0; rework 1/3; lead 3, 2 → p50 2.5.
    """
    check(
        team_rows["revbody"],
        deployments=3,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=1 / 3,
        lead_time_hours_p50=2.5,
    )


def test_issue_with_two_incident_labels_a_capitalised_commit_url_and_a_digest(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/hexes. D1 first. D2 f1 (05 08:00) at 05 10:00: lead 2 h. D3 f2 (06 07:00) at 06 10:00: lead 3 h.
    Issue #N labelled ``incident`` and ``outage`` (both configured: one incident, stored once), 06 12:00 →
    16:00, body ``Root Cause: https://github.com/acme/hexes/commit/<F1 IN CAPITALS>`` and ``Running image
    sha256:<f2 + 24 a's>``.

    The URL holds f1 (case folded) → D2 failed (explicit), recovered 16:00: 30 h. The 64-digit digest is
    no 7–40 character hex string. The issue has an explicit link, so rule 4 does not fail D3 (2 h before
    it). Deployments 3; CFR 1/3; recovery 30; incidents 1; restore 4; rework 0 (nothing deployed while it
    was open); lead 2, 3 → p50 2.5.
    """
    check(
        team_rows["hexes"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=30.0,
        incidents=1,
        time_to_restore_hours_p50=4.0,
        rework_rate=0.0,
        lead_time_hours_p50=2.5,
    )


def test_pull_request_labelled_incident_is_rework_not_an_incident(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/incpr. D1 first. D2 f1 (02 08:00) at 02 10:00: lead 2 h. PR #8 labelled ``incident``, body
    ``root cause: <f1[:7]>``, squash-merged 13:00 as s8 (p8 11:00) → D3 at 14:00: lead 3 h. The issues API
    lists PR #8 under the label ``incident``.

    §5.4: pull requests are not incidents → incidents 0, and its body links nothing (D2 not failed).
    §6.2: D3 contains a change from a PR labelled ``incident`` (a rework label; config ``Incident``) →
    rework. Deployments 3; CFR 0; incidents 0; restore null; rework 1/3; lead 2, 3 → p50 2.5.
    """
    check(
        team_rows["incpr"],
        deployments=3,
        change_failure_rate=0.0,
        incidents=0,
        time_to_restore_hours_p50=None,
        rework_rate=1 / 3,
        lead_time_hours_p50=2.5,
    )


def test_incident_naming_a_squashed_branch_commit_falls_to_the_window_rule(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/branchsha. D1 first. PR #9 (p9 03 08:00) squash-merged 10:00 as s9 → D2 at 11:00: lead 3 h.
    D3 f3 (11:15) at 11:30: lead 0.25 h. Issue (incident) 12:00 → 14:00 titled ``Search broken since
    <p9[:8]>``: p9 is the PR's branch commit, never deployed (squashed), so it is no change of any
    deployment → no explicit link. Rule 4: D3 is the latest deployment before 12:00 (0.5 h) → D3 failed
    (window), recovered 14:00: 2.5 h.

    Deployments 3; CFR 1/3; recovery 2.5; incidents 1; restore 2; rework 0; lead 3, 0.25 → p50 1.625.
    """
    check(
        team_rows["branchsha"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=2.5,
        incidents=1,
        time_to_restore_hours_p50=2.0,
        rework_rate=0.0,
        lead_time_hours_p50=1.625,
    )


def _pull_labels(repo: RepoData, number: int, labels: list[str], updated_at: datetime) -> None:
    """A label added to or removed from a merged PR on GitHub: its labels change, its updated_at moves."""
    pull = next(p for p in repo.pulls if p["number"] == number)
    pull["labels"] = [label_json(repo.full_name, name) for name in labels]
    pull["updated_at"] = iso(updated_at)


@pytest.mark.parametrize("api", APIS)
def test_rework_labels_added_and_removed_after_deployment_count_after_the_next_collect(
    api: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """acme/relabel. D1 first. PR #1 (p1 02 08:00, labelled ``hotfix``) squash-merged 10:00 → D2 at 11:00:
    lead 3 h. PR #2 (p2 03 08:00, no label) squash-merged 10:00 → D3 at 12:00: lead 4 h. PR #3 (p3 04
    09:00, no label) squash-merged 11:00 → D4 at 12:00: lead 3 h.

    First collect: rework D2 only → 1/4. Then, after the deployments, ``hotfix`` is removed from PR #1
    (false alarm, 03-10), ``hotfix`` added to PR #2 and ``Rollback`` to PR #3 (03-11): GitHub moves each
    PR's updated_at. Second collect (§5: "re-syncing updates it in place"; §6.2 has no time for a label):
    rework D3, D4 → 2/4. Both times: deployments 4; CFR 0; lead 3, 4, 3 → p50 3.
    """
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/relabel")
    c0 = started(repo)
    parent = c0
    for number, day, authored, merged, deployed, labels in (
        (1, 2, 8, 10, 11, ["hotfix"]),
        (2, 3, 8, 10, 12, []),
        (3, 4, 9, 11, 12, []),
    ):
        p = repo.commit(f"p{number}", parents=[parent], author_date=at(day, authored), branch=f"pr-{number}")
        parent = repo.squash_merge([p], parent, f"Change {number} (#{number})", at(day, merged))
        repo.pull(
            number=number,
            title=f"Change {number}",
            author="dev",
            created_at=at(day, authored + 0.5),
            commits=[p],
            merged_at=at(day, merged),
            merge_commit_sha=parent,
            labels=labels,
        )
        repo.deployment(parent, created_at=at(day, deployed))
    sections = (
        "catalog: {discover: false}\n"
        "rework: {labels: [HotFix, Rollback, REVERT, Incident]}\n"
        "metrics: {windows: [30d]}\n"
        "teams:\n  - {name: relabel, repositories: [acme/relabel]}\n"
    )
    github = "\n".join(["since: 2026-03-01", f"api: {api}", "repositories:", "  - acme/relabel"])

    def relabel_row(config: Any) -> dict[str, Any]:
        run_cli(["collect", "--config", str(config)])
        rows = json.loads(run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF]))
        return next(row for row in rows if row["team"] == "relabel" and row["window"] == "30d")

    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        config = write_github_config(
            tmp_path_factory.mktemp(api), emulator.base_url, TOKEN_VARIABLE, github, sections
        )
        check(
            relabel_row(config),
            deployments=4,
            change_failure_rate=0.0,
            rework_rate=0.25,
            lead_time_hours_p50=3.0,
        )
        _pull_labels(repo, 1, [], at(10))
        _pull_labels(repo, 2, ["hotfix"], at(11))
        _pull_labels(repo, 3, ["Rollback"], at(11, 1))
        check(
            relabel_row(config),
            deployments=4,
            change_failure_rate=0.0,
            rework_rate=0.5,
            lead_time_hours_p50=3.0,
        )
