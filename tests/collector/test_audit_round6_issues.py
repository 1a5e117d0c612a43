"""Audit round 6, end to end: GitHub incident issues where two rules meet (SPEC §3 ``incident_labels`` and
``rework.labels``, §5.4, §6.1, §6.2; docs/metrics.md, docs/operations.md). Emulated GitHub → ``doraspace
collect`` (REST and GraphQL; incident issues are listed over REST in both) → the stored incident rows and
``doraspace metrics --format json --as-of 2026-03-20T00:00:00Z``. Every number is worked out by hand from
SPEC's words, in each test's docstring.

One emulated organisation holds every scenario, each in its own repositories owned by their own teams
(config ``teams:``, team = the repo's short name). It is collected twice per ``github.api`` mode, each mode
into its own store (module-scoped fixture): a first collect on 03-15 00:00, then the changes of
``BETWEEN`` happen on GitHub (an issue transferred to another collected repository, an issue reopened and
closed again, a new deployment), then a second collect on 03-21 00:00. The collects run at those instants
(``main(now=...)``): the collector re-asks the incident issues opened in the 30 days before its own
``now`` (docs/operations.md), so for the second collect those opened after 02-19 00:00. Metrics are read
after each collect, always as of 03-20 00:00: one window 30d = (02-18 00:00, 03-20 00:00].

Config: ``github.since`` 2026-03-01, ``github.incident_labels: [incident, outage]``, ``rework.labels`` the
default (``hotfix, rollback, revert, incident``), attribution window 24 h. Times are March 2026 UTC,
``at(day, hour)``; February instants ``feb(day, hour)`` (February 2026 has 28 days). Every repo's first
deployment (03-01 06:00, its root commit authored 05:00: compare ``first``) counts as a deployment and adds
no lead times (§5.2); ``deploy`` ships one commit authored an hour before the deployment (lead 1 h).
Percentiles are ``percentile_cont``: p at position p × (n − 1) of the sorted values. No text holds a hex
word of 7 or more characters unless it names a sha on purpose.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from store import schema
from store.engine import open_store
from store.timeutil import to_db
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData, iso
from tests.github_scenarios import APIS, AS_OF, Scenarios, at, check, deploy, run_cli, squash_merged_pr
from tests.github_scenarios import started_at_six as started

TOKEN_VARIABLE = "AUDIT_ROUND6_ISSUES_GITHUB_TOKEN"
TOKEN = "audit-round6-issues-token"
FIRST = at(15)  # the first collect
SECOND = at(21)  # the second collect, after BETWEEN

ISSUES = Scenarios(github="incident_labels: [incident, outage]")
BETWEEN: list[Callable[[], None]] = []  # what happens on GitHub between the two collects
NUMBERS: dict[str, int] = {}  # issue numbers by name, as the builders (and BETWEEN) made them

# (status, started_at, resolved_at) of each stored incident, by repository then incident id
Stored = dict[str, dict[str, tuple[Any, ...]]]


@dataclass
class Read:
    rows: dict[str, dict[str, Any]]  # the 30d row of each team
    stored: Stored


def feb(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 2, day, tzinfo=UTC) + timedelta(hours=hour)


def db(moment: datetime | None) -> Any:
    return None if moment is None else to_db(moment)


def listed_pull(
    repo: RepoData, number: int, title: str, opened: datetime, merged: datetime, labels: list[str], body: str
) -> None:
    """GitHub's issues API lists pull request #``number`` too: an item with its labels, body and a
    ``pull_request`` key."""
    repo.issue(number=number, title=title, body=body, created_at=opened, closed_at=merged, labels=labels)
    repo.issues[-1]["pull_request"] = {
        "url": f"{repo.api_url}/pulls/{number}",
        "html_url": f"https://github.com/{repo.full_name}/pull/{number}",
        "diff_url": f"https://github.com/{repo.full_name}/pull/{number}.diff",
        "patch_url": f"https://github.com/{repo.full_name}/pull/{number}.patch",
        "merged_at": iso(merged),
    }


def own(*repos: str) -> Callable[[Callable[[GitHubDataset], None]], Callable[[GitHubDataset], None]]:
    """Register a builder of ``repos``, each owned by the team of its short name."""
    return ISSUES.register(*((repo, repo.split("/")[1], None) for repo in repos))


# ------------------------------------------------------------------------------------------- scenarios


@own("acme/lblcase")
def build_label_case(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/lblcase")
    started(repo)  # L1
    l2 = deploy(repo, "l2", at(5, 10))  # L2
    NUMBERS["lblcase"] = repo.issue(
        title="Checkout down", created_at=at(5, 11), closed_at=at(5, 13), labels=["INCIDENT", "Outage"]
    )
    p5 = repo.commit("Retry payment calls", parents=[l2], author_date=at(5, 11.5), branch="pr-5")
    s5 = squash_merged_pr(
        repo,
        [p5],
        l2,
        number=5,
        title="Retry payment calls",
        author="dev",
        created_at=at(5, 11.75),
        merged_at=at(5, 12.5),
        labels=["HotFix", "Outage"],
    )
    listed_pull(repo, 5, "Retry payment calls", at(5, 11.75), at(5, 12.5), ["HotFix", "Outage"], "")
    repo.deployment(s5, created_at=at(5, 12.75))  # L3
    repo.issue(
        title="Checkout follow-up", created_at=at(5, 20), closed_at=at(5, 21), labels=["incident-review"]
    )


@own("acme/presince")
def build_issue_opened_before_since(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/presince")
    NUMBERS["presince"] = repo.issue(
        title="Payments queue stuck", created_at=feb(26, 9), closed_at=at(2, 9), labels=["incident"]
    )
    started(repo)  # P1
    deploy(repo, "p2", at(2, 8))  # P2
    deploy(repo, "p3", at(3, 10))  # P3


@own("acme/oldnote")
def build_old_issue_commented_after_since(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/oldnote")
    started(repo)  # Q1
    deploy(repo, "q2", at(2, 10))  # Q2
    # Opened and closed before since; commented on 03-05 12:00 (GitHub moves updated_at).
    NUMBERS["oldnote"] = repo.issue(
        title="Search down",
        created_at=feb(20, 10),
        closed_at=feb(21, 10),
        updated_at=at(5, 12),
        labels=["incident"],
    )
    # Opened and closed before since, untouched since.
    repo.issue(title="Search slow", created_at=feb(22, 10), closed_at=feb(23, 10), labels=["incident"])


@own("acme/xsvc", "acme/xlib")
def build_transfer_with_explicit_link(dataset: GitHubDataset) -> None:
    xsvc, xlib = dataset.add_repo("acme/xsvc"), dataset.add_repo("acme/xlib")
    started(xsvc)  # V1
    started(xlib)  # B1
    b2 = deploy(xlib, "b2", at(8, 9))  # B2
    deploy(xsvc, "v2", at(8, 10))  # V2
    number = xsvc.issue(
        title="Checkout 500s",
        body=f"Regression from acme/xlib@{b2[:7]} (see acme/xlib#3).",
        created_at=at(8, 11),
        closed_at=at(8, 15),
        labels=["incident"],
    )
    NUMBERS["xsvc"] = number
    deploy(xlib, "b3", at(8, 12))  # B3
    deploy(xsvc, "v3", at(8, 13))  # V3

    def transfer() -> None:
        NUMBERS["xlib"] = xsvc.transfer_issue(number, xlib, updated_at=at(16, 9))

    BETWEEN.append(transfer)


@own("acme/oldsrc", "acme/olddst")
def build_transfer_of_an_old_issue(dataset: GitHubDataset) -> None:
    src, dst = dataset.add_repo("acme/oldsrc"), dataset.add_repo("acme/olddst")
    started(src)  # O1
    started(dst)  # N1
    deploy(src, "o2", at(3, 10))  # O2
    deploy(dst, "n2", at(3, 11))  # N2
    number = src.issue(
        title="Nightly export missing", created_at=feb(16, 10), closed_at=at(2, 10), labels=["incident"]
    )
    NUMBERS["oldsrc"] = number

    def transfer() -> None:
        NUMBERS["olddst"] = src.transfer_issue(number, dst, updated_at=at(16, 11))

    BETWEEN.append(transfer)


@own("acme/xout")
def build_transfer_out_of_the_collected_repositories(dataset: GitHubDataset) -> None:
    repo, elsewhere = dataset.add_repo("acme/xout"), dataset.add_repo("acme/elsewhere")  # not collected
    started(repo)  # X1
    x2 = deploy(repo, "x2", at(9, 10))  # X2
    number = repo.issue(
        title="Uploads rejected",
        body=f"root cause: {x2[:9]}",
        created_at=at(9, 11),
        closed_at=at(9, 13),
        labels=["incident"],
    )
    NUMBERS["xout"] = number
    deploy(repo, "x3", at(9, 12))  # X3

    def transfer() -> None:
        repo.transfer_issue(number, elsewhere, updated_at=at(16, 10))

    BETWEEN.append(transfer)


@own("acme/firstsha")
def build_issue_naming_the_first_deployments_commit(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/firstsha")
    c0 = started(repo)  # D1
    deploy(repo, "f1", at(1, 7))  # D2
    NUMBERS["firstsha"] = repo.issue(
        title=f"Broken since {c0[:7]}", created_at=at(1, 8), closed_at=at(1, 9), labels=["incident"]
    )


@own("acme/hotpr")
def build_pull_request_labelled_incident_fixing_an_explicit_incident(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/hotpr")
    c0 = started(repo)  # H1
    p2 = repo.commit("Cache prices", parents=[c0], author_date=at(10, 8), branch="pr-2")
    s2 = squash_merged_pr(
        repo,
        [p2],
        c0,
        number=2,
        title="Cache prices",
        author="dev",
        created_at=at(10, 9),
        merged_at=at(10, 10),
    )
    repo.deployment(s2, created_at=at(10, 11))  # H2
    NUMBERS["hotpr"] = repo.issue(
        number=3,
        title="Prices stale",
        body=f"root cause: {s2[:12]}",
        created_at=at(10, 12),
        closed_at=at(10, 14),
        labels=["incident"],
    )
    p4 = repo.commit("Turn price cache off", parents=[s2], author_date=at(10, 12.5), branch="pr-4")
    body = f"Fixes #3: the cache from {s2[:7]} serves stale prices."
    s4 = squash_merged_pr(
        repo,
        [p4],
        s2,
        number=4,
        title="Turn price cache off",
        author="dev",
        created_at=at(10, 12.75),
        merged_at=at(10, 13),
        labels=["incident"],
        body=body,
    )
    listed_pull(repo, 4, "Turn price cache off", at(10, 12.75), at(10, 13), ["incident"], body)
    repo.deployment(s4, created_at=at(10, 13.5))  # H3
    deploy(repo, "h4", at(10, 20))  # H4


@own("acme/reopen")
def build_reopened_and_closed_again_after_as_of(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/reopen")
    started(repo)  # R1
    deploy(repo, "r2", at(12, 9))  # R2
    number = repo.issue(title="Login loop", created_at=at(12, 10), closed_at=at(12, 11), labels=["incident"])
    NUMBERS["reopen"] = number
    deploy(repo, "r3", at(14, 10))  # R3
    issue = next(item for item in repo.issues if item["number"] == number)

    def reopen_deploy_and_close_again() -> None:
        issue.update(state="open", closed_at=None, state_reason="reopened", updated_at=iso(at(16, 9)))
        deploy(repo, "r4", at(17, 10))  # R4
        issue.update(
            state="closed", closed_at=iso(at(20, 6)), state_reason="completed", updated_at=iso(at(20, 6))
        )

    BETWEEN.append(reopen_deploy_and_close_again)


# ------------------------------------------------------------------------------------------- pipeline


def stored_incidents(store: Path) -> Stored:
    engine = open_store(f"duckdb:///{store}")
    t = schema.incidents
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(t.c.service, t.c.incident_id, t.c.status, t.c.started_at, t.c.resolved_at)
                .where(t.c.source == "github")
                .order_by(t.c.service, t.c.incident_id)
            ).all()
    finally:
        engine.dispose()
    result: Stored = {}
    for service, incident_id, *rest in rows:
        result.setdefault(service, {})[incident_id] = tuple(rest)
    return result


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Read]]:
    """Per ``github.api`` mode, what the first and the second collect give."""
    dataset = GitHubDataset()
    for build in ISSUES.builders:
        build(dataset)
    reads: dict[str, list[Read]] = {api: [] for api in APIS}
    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        configs = {
            api: ISSUES.write_config(tmp_path_factory.mktemp(api), emulator.base_url, TOKEN_VARIABLE, api)
            for api in APIS
        }
        for now in (FIRST, SECOND):
            if now is SECOND:
                for change in BETWEEN:
                    change()
            for api, config in configs.items():
                run_cli(["collect", "--config", str(config)], now=now)
                out = run_cli(
                    ["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF], now=now
                )
                rows = {row["team"]: row for row in json.loads(out) if row["window"] == "30d"}
                reads[api].append(Read(rows, stored_incidents(config.parent / "store.duckdb")))
    assert os.environ.get(TOKEN_VARIABLE) is None
    return reads


@pytest.fixture(params=APIS)
def reads(request: pytest.FixtureRequest, collected: dict[str, list[Read]]) -> list[Read]:
    """The first and the second read of one ``github.api`` mode."""
    return collected[request.param]


def incident(repo: str, name: str) -> str:
    return f"{repo}#{NUMBERS[name]}"


# ------------------------------------------------------------------------------------------- the tests


def test_two_incident_labels_in_other_case_a_near_miss_and_a_pull_request_with_an_incident_label(
    reads: list[Read],
) -> None:
    """acme/lblcase (team lblcase); ``incident_labels: [incident, outage]``.

    L1 first. L2 05 10:00 (lead 1 h). Issue "Checkout down" labelled ``INCIDENT`` and ``Outage`` (both
    configured labels, in another letter case: GitHub's label names ignore case, docs/metrics.md
    "``HotFix`` is ``hotfix``, as on GitHub"), 05 11:00 → 13:00: one incident, stored once under its
    natural key (§5). No hex word → no explicit link; L2 is the latest deployment before it (1 h ≤ 24 h)
    → L2 failed (window), recovered 13:00: 3 h; restore 2 h.
    PR #5 (p5 authored 11:30, opened 11:45, squash-merged 12:30 as s5) labelled ``HotFix`` and ``Outage``:
    the issues API lists it under ``outage``, but a pull request is no incident (§5.4). L3 deploys s5 at
    12:45: lead 12:45 − 11:30 = 1.25 h; rework, both because it ships a change of a PR labelled
    ``hotfix`` and because the issue of its repo is open (counted once). L3 is not failed: the issue
    started before it.
    Issue "Checkout follow-up" labelled ``incident-review`` (no configured label; were it an incident,
    L3, 7.25 h before it, would be failed), 05 20:00 → 21:00: not stored.
    Both reads: deployments 3; CFR 1/3; recovery 3.0; incidents 1 (2 with the PR); restore 2.0, 2.0;
    rework 1/3; lead 1, 1.25 → p50 1.125, p90 1 + 0.9 × 0.25 = 1.225.
    """
    # SPEC §3 "incident_labels: [incident] # GitHub issues with these labels are incidents"; §5.4 "GitHub
    # issues (not pull requests, which the issues API also lists)"; §6.1 rule 4; §6.2 rework.
    expected = {
        incident("acme/lblcase", "lblcase"): ("resolved", db(at(5, 11)), db(at(5, 13))),
    }
    for read in reads:
        assert read.stored["acme/lblcase"] == expected
        check(
            read.rows["lblcase"],
            deployments=3,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=3.0,
            incidents=1,
            time_to_restore_hours_p50=2.0,
            time_to_restore_hours_p90=2.0,
            rework_rate=1 / 3,
            lead_time_hours_p50=1.125,
            lead_time_hours_p90=1.225,
        )


def test_issue_opened_before_since_and_closed_after_it_makes_the_first_deployment_rework(
    reads: list[Read],
) -> None:
    """acme/presince (team presince); github.since 03-01.

    Issue labelled ``incident`` opened 02-26 09:00 (before since, inside the window), closed 03-02 09:00:
    updated after since, so the issues list (asked from since) holds it; started_at = created_at, resolved
    = closed_at (§5.4). P1, the first deployment, 03-01 06:00, and P2 03-02 08:00 (lead 1 h) are deployed
    while it is open → rework; P3 03-03 10:00 (lead 1 h) after it closed → not. No deployment of the repo
    precedes 02-26 09:00 → the window rule fails nothing.
    Both reads: deployments 3; CFR 0.0; recovery null; incidents 1 (started 02-26, in (02-18, 03-20]);
    restore 02-26 09:00 → 03-02 09:00 = 4 d = 96 h; rework 2/3; lead 1, 1 → 1.0, 1.0.
    """
    # SPEC §5.4; §6.2 incidents "incidents that started in the window", time_to_restore "over incidents
    # resolved in the window", rework "deployed while an incident of its service was open"; §6.1 rule 4
    # "F is the latest deployment of that service before the incident started".
    expected = {
        incident("acme/presince", "presince"): ("resolved", db(feb(26, 9)), db(at(2, 9))),
    }
    for read in reads:
        assert read.stored["acme/presince"] == expected
        check(
            read.rows["presince"],
            deployments=3,
            change_failure_rate=0.0,
            failed_deployment_recovery_hours_p50=None,
            incidents=1,
            time_to_restore_hours_p50=96.0,
            time_to_restore_hours_p90=96.0,
            rework_rate=2 / 3,
            lead_time_hours_p50=1.0,
            lead_time_hours_p90=1.0,
        )


def test_issue_closed_before_since_is_collected_only_when_updated_after_it(reads: list[Read]) -> None:
    """acme/oldnote (team oldnote). AMBIGUOUS in SPEC (``since``: "how far back the first sync
    reaches", §3; §5.4 says nothing of since): this test keeps the product's reading, that of the other
    sources (an item is listed by its ``updated_at`` since ``since``; see ``mpold`` in
    tests/collector/test_audit_round6_recognition.py).

    Q1 first; Q2 03-02 10:00 (lead 1 h). Issue "Search down" labelled ``incident``, 02-20 10:00 → 02-21
    10:00, commented on 03-05 12:00 (updated_at moves): listed (updated after since) → stored. Issue
    "Search slow", 02-22 10:00 → 02-23 10:00, untouched since: not listed → not stored.
    Both reads: deployments 2; CFR 0.0; incidents 1 (02-20 is in (02-18, 03-20]); restore 24 h; rework 0.0
    (both closed before Q1). (Bounding incidents by since would give incidents 0, restore null.)
    """
    expected = {
        incident("acme/oldnote", "oldnote"): ("resolved", db(feb(20, 10)), db(feb(21, 10))),
    }
    for read in reads:
        assert read.stored["acme/oldnote"] == expected
        check(
            read.rows["oldnote"],
            deployments=2,
            change_failure_rate=0.0,
            incidents=1,
            time_to_restore_hours_p50=24.0,
            rework_rate=0.0,
        )


def test_issue_naming_another_teams_change_transferred_to_that_teams_repository(reads: list[Read]) -> None:
    """acme/xsvc (team xsvc) and acme/xlib (team xlib), each its own service.

    V1, B1 first. B2 08 09:00, V2 08 10:00, B3 08 12:00, V3 08 13:00 (lead 1 h each). Issue in acme/xsvc
    labelled ``incident``, 08 11:00 → 15:00, body ``Regression from acme/xlib@<B2's sha[:7]> (see
    acme/xlib#3).`` (GitHub's cross-repository commit reference): the hex word begins the sha of B2's
    change → B2 failed (explicit), recovered 15:00: 6 h. The issue has an explicit link, so the window
    rule does not fail V2 (the latest of xsvc before it, 1 h). ``#3`` is no hex string of 7 or more.
    First read: the issue is xsvc's. xsvc: deployments 3; CFR 0.0; recovery null; incidents 1; restore 4;
    rework 1/3 (V3 13:00 while an incident of its repo is open). xlib: deployments 3; CFR 1/3; recovery
    6.0; incidents 0; restore null; rework 0.0 (B3 12:00: the open issue is not of xlib's service).
    On 03-16 the issue is transferred to acme/xlib (a new number there, created_at and closed_at kept).
    The second collect (03-21) re-asks xsvc's incident issues opened since 02-19: GitHub answers 301 to
    acme/xlib → no incident of xsvc any more (docs/operations.md); acme/xlib lists it.
    Second read: xsvc: deployments 3; CFR 0.0; incidents 0; restore null; rework 0.0 (V3 no longer during
    an incident of its service). xlib: deployments 3; CFR 1/3 (the link is in the text, wherever the
    issue lives); recovery 6.0; incidents 1; restore 4.0; rework 1/3 (B3 12:00 now during an incident
    of its repo).
    """
    # SPEC §5.4 "in a collected repo"; §6.1 rule 1 (no condition on the incident's service) and rule 4
    # "an incident with no explicit link"; §6.2 rework "an incident of its service"; §5 "re-syncing updates
    # it in place".
    first, second = reads
    common = {"deployments": 3, "lead_time_hours_p50": 1.0}
    before = ("resolved", db(at(8, 11)), db(at(8, 15)))
    assert first.stored["acme/xsvc"] == {incident("acme/xsvc", "xsvc"): before}
    assert "acme/xlib" not in first.stored
    check(
        first.rows["xsvc"],
        **common,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        time_to_restore_hours_p50=4.0,
        rework_rate=1 / 3,
    )
    check(
        first.rows["xlib"],
        **common,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=6.0,
        incidents=0,
        time_to_restore_hours_p50=None,
        rework_rate=0.0,
    )
    assert "acme/xsvc" not in second.stored
    assert second.stored["acme/xlib"] == {incident("acme/xlib", "xlib"): before}
    check(
        second.rows["xsvc"],
        **common,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=0,
        time_to_restore_hours_p50=None,
        rework_rate=0.0,
    )
    check(
        second.rows["xlib"],
        **common,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=6.0,
        incidents=1,
        time_to_restore_hours_p50=4.0,
        rework_rate=1 / 3,
    )


def test_issue_opened_more_than_30_days_before_its_transfer_stays_and_is_found_in_its_new_repo(
    reads: list[Read],
) -> None:
    """acme/oldsrc (team oldsrc) and acme/olddst (team olddst).

    O1, N1 first (03-01 06:00); O2 03-03 10:00, N2 03-03 11:00 (lead 1 h each). Issue in acme/oldsrc
    labelled ``incident``, 02-16 10:00 (before since and before the window) → 03-02 10:00 (updated after
    since: listed). Not in the window → incidents 0; resolved in it → restore 02-16 10:00 → 03-02 10:00
    = 14 d = 336 h. No deployment before it → fails nothing. O1 deployed while it is open → rework.
    First read: oldsrc: deployments 2; CFR 0.0; incidents 0; restore 336; rework 1/2. olddst: deployments
    2; incidents 0; restore null; rework 0.0.
    On 03-16 it is transferred to acme/olddst. The second collect (03-21) re-asks only the incident
    issues opened since 02-19: docs/operations.md, "an incident issue opened more than 30 days ago
    whose label is then removed, or that is then transferred or deleted, stays an incident of its
    repository". acme/olddst lists it, as a fresh sync would.
    Second read: oldsrc unchanged; olddst: restore 336; rework 1/2 (N1 03-01 06:00 while it is open);
    incidents 0. (Documented: the organisation row counts its restore twice, see the last test.)
    """
    first, second = reads
    span = ("resolved", db(feb(16, 10)), db(at(2, 10)))
    src = {incident("acme/oldsrc", "oldsrc"): span}
    assert first.stored["acme/oldsrc"] == src
    assert "acme/olddst" not in first.stored
    assert second.stored["acme/oldsrc"] == src
    assert second.stored["acme/olddst"] == {incident("acme/olddst", "olddst"): span}
    common = {"deployments": 2, "change_failure_rate": 0.0, "incidents": 0, "lead_time_hours_p50": 1.0}
    for read in (first, second):
        check(read.rows["oldsrc"], **common, time_to_restore_hours_p50=336.0, rework_rate=1 / 2)
    check(first.rows["olddst"], **common, time_to_restore_hours_p50=None, rework_rate=0.0)
    check(second.rows["olddst"], **common, time_to_restore_hours_p50=336.0, rework_rate=1 / 2)


def test_issue_with_an_explicit_link_transferred_out_of_the_collected_repositories(
    reads: list[Read],
) -> None:
    """acme/xout (team xout); acme/elsewhere exists on GitHub but is not collected.

    X1 first. X2 09 10:00, X3 09 12:00 (lead 1 h each). Issue in acme/xout labelled ``incident``, 09 11:00
    → 13:00, body ``root cause: <X2's sha[:9]>`` → X2 failed (explicit), recovered 13:00: 3 h; X3 deployed
    while it is open → rework; the window rule does not apply (explicit link).
    First read: deployments 3; CFR 1/3; recovery 3.0; incidents 1; restore 2.0; rework 1/3.
    On 03-16 the issue is transferred to acme/elsewhere. The second collect re-asks it (opened 03-09, within
    30 days of 03-21): GitHub answers 301 to acme/elsewhere → no incident of acme/xout, and none of any
    collected repo (§5.4 "in a collected repo"; docs/operations.md). Its text no longer fails X2, and X3
    is no longer deployed during an incident.
    Second read: deployments 3; CFR 0.0; recovery null; incidents 0; restore null; rework 0.0.
    """
    first, second = reads
    assert first.stored["acme/xout"] == {
        incident("acme/xout", "xout"): ("resolved", db(at(9, 11)), db(at(9, 13)))
    }
    assert "acme/xout" not in second.stored
    assert "acme/elsewhere" not in second.stored
    check(
        first.rows["xout"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=3.0,
        incidents=1,
        time_to_restore_hours_p50=2.0,
        rework_rate=1 / 3,
        lead_time_hours_p50=1.0,
    )
    check(
        second.rows["xout"],
        deployments=3,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=0,
        time_to_restore_hours_p50=None,
        rework_rate=0.0,
        lead_time_hours_p50=1.0,
    )


def test_issue_naming_the_commit_of_the_first_deployment_links_nothing(reads: list[Read]) -> None:
    """acme/firstsha (team firstsha); github.since 03-01.

    D1 deploys the root c0 at 03-01 06:00: the first deployment of the collected history, its changes
    unknown (§5.2: it "adds no lead times"), so c0 is no change of any deployment. D2 deploys f1 at 07:00
    (compare(c0...f1) = f1, authored 06:00: lead 1 h). Issue labelled ``incident``, 08:00 → 09:00, titled
    ``Broken since <c0[:7]>``: the hex word begins no change's sha → no explicit link (docs/metrics.md "A
    hex word that begins no change's sha links nothing") → window rule: D2 is the latest deployment before
    it (1 h) → D2 failed, recovered 09:00: 2 h. (Were c0 taken as D1's change: D1 failed, 3 h; D2 not.)
    Both reads: deployments 2; CFR 1/2; recovery 2.0; incidents 1; restore 1.0; rework 0.0; lead 1.0.
    """
    # SPEC §5.2 "The first deployment in the collected history has unknown changes"; §6.1 rules 1 and 4.
    expected = {incident("acme/firstsha", "firstsha"): ("resolved", db(at(1, 8)), db(at(1, 9)))}
    for read in reads:
        assert read.stored["acme/firstsha"] == expected
        check(
            read.rows["firstsha"],
            deployments=2,
            change_failure_rate=1 / 2,
            failed_deployment_recovery_hours_p50=2.0,
            incidents=1,
            time_to_restore_hours_p50=1.0,
            rework_rate=0.0,
            lead_time_hours_p50=1.0,
        )


def test_pull_request_labelled_incident_fixing_an_explicitly_linked_incident(reads: list[Read]) -> None:
    """acme/hotpr (team hotpr); ``incident`` is both an incident label and a rework label.

    H1 first. PR #2 (p2 10 08:00, opened 09:00) squash-merged 10:00 as s2 → H2 at 11:00: lead 3 h.
    Issue #3 labelled ``incident``, 10 12:00 → 14:00, body ``root cause: <s2[:12]>`` → H2 failed
    (explicit), recovered 14:00: 3 h; the window rule does not apply to it. PR #4 labelled ``incident``
    (p4 12:30, opened 12:45, squash-merged 13:00 as s4), body ``Fixes #3: the cache from <s2[:7]> serves
    stale prices.``: listed by the issues API under ``incident``, but no incident (§5.4) — it adds no
    incident, no restore time (0.25 h) and no link. H3 deploys s4 at 13:30: lead 1 h; rework (a change of
    a PR labelled ``incident``, and issue #3 of its repo is open; once). H4 20:00 (lead 1 h): after #3
    closed, not failed (#3 has an explicit link), not rework.
    Both reads: deployments 4; CFR 1/4; recovery 3.0; incidents 1; restore 2.0, 2.0; rework 1/4; lead 1,
    1, 3 → p50 1.0, p90 1 + 0.8 × 2 = 2.6.
    """
    # SPEC §3 "rework: labels: [hotfix, rollback, revert, incident]"; §5.4; §6.1 rule 1; §6.2.
    expected = {"acme/hotpr#3": ("resolved", db(at(10, 12)), db(at(10, 14)))}
    for read in reads:
        assert read.stored["acme/hotpr"] == expected
        check(
            read.rows["hotpr"],
            deployments=4,
            change_failure_rate=1 / 4,
            failed_deployment_recovery_hours_p50=3.0,
            incidents=1,
            time_to_restore_hours_p50=2.0,
            time_to_restore_hours_p90=2.0,
            rework_rate=1 / 4,
            lead_time_hours_p50=1.0,
            lead_time_hours_p90=2.6,
        )


def test_issue_reopened_and_closed_again_after_as_of_is_open_as_of_as_of(reads: list[Read]) -> None:
    """acme/reopen (team reopen).

    R1 first. R2 12 09:00 (lead 1 h). Issue labelled ``incident`` opened 12 10:00 → R2 failed (window,
    1 h). R3 14 10:00 (lead 1 h).
    First collect: the issue is closed at 12 11:00 → resolved 11:00: recovery 2 h, restore 1 h; R3 after
    it closed → rework 0. Deployments 3; CFR 1/3; incidents 1.
    On 03-16 09:00 it is reopened (GitHub: closed_at null), R4 is deployed 17 10:00 (lead 1 h), and on
    03-20 06:00 it is closed again: GitHub's closed_at is now 03-20 06:00, the last close, and that is its
    resolved_at (§5.4). As of 03-20 00:00 it is not resolved yet (docs/metrics.md: "An incident resolved
    after as_of is still open as of as_of"), so it is open from 12 10:00 on: R2 not recovered (null), no
    restore in the window (null), R3 (14 10:00, while GitHub showed it closed) and R4 deployed while it
    is open → rework 2/4.
    Second read: deployments 4; CFR 1/4; recovery null; incidents 1; restore null; rework 2/4.
    """
    # SPEC §5.4 "resolved_at = closed_at"; §2 "--as-of ...: facts after it are ignored"; §6.2 recovery
    # "recovered by as_of", time_to_restore "resolved in the window", rework.
    first, second = reads
    key = incident("acme/reopen", "reopen")
    assert first.stored["acme/reopen"] == {key: ("resolved", db(at(12, 10)), db(at(12, 11)))}
    assert second.stored["acme/reopen"] == {key: ("resolved", db(at(12, 10)), db(at(20, 6)))}
    check(
        first.rows["reopen"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=2.0,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        rework_rate=0.0,
        lead_time_hours_p50=1.0,
    )
    check(
        second.rows["reopen"],
        deployments=4,
        change_failure_rate=1 / 4,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        time_to_restore_hours_p50=None,
        rework_rate=2 / 4,
        lead_time_hours_p50=1.0,
    )


def test_organisation_row_at_each_read(reads: list[Read]) -> None:
    """Team ``"*"`` covers every repository above.

    First read. Deployments: lblcase 3, presince 3, oldnote 2, xsvc 3, xlib 3, oldsrc 2, olddst 2, xout 3,
    firstsha 2, hotpr 4, reopen 3 = 30. Failed: L2, B2, X2, D2 (firstsha), H2, R2 = 6 → CFR 6/30.
    Recoveries: lblcase 3, xlib 6, xout 3, firstsha 2, hotpr 3, reopen 2 → sorted 2, 2, 3, 3, 3, 6 → p50
    (position 2.5) 3.0. Incidents started in the window: lblcase, presince, oldnote, xsvc, xout, firstsha,
    hotpr, reopen = 8 (not oldsrc's, 02-16). Restore (resolved in the window): lblcase 2, presince 96,
    oldnote 24, xsvc 4, oldsrc 336, xout 2, firstsha 1, hotpr 2, reopen 1 → sorted 1, 1, 2, 2, 2, 4, 24,
    96, 336 → p50 (position 4) 2.0, p90 (position 7.2) 96 + 0.2 × 240 = 144.0. Rework: L3, P1, P2, V3,
    O1, X3, H3 = 7 → 7/30.
    Second read. Deployments 31 (R4). Failed: L2, B2, D2 (firstsha), H2, R2 = 5 (X2 no longer) → 5/31.
    Recoveries: lblcase 3, xlib 6, firstsha 2, hotpr 3 (R2 not recovered by as_of) → sorted 2, 3, 3, 6 →
    p50 3.0. Incidents: lblcase, presince, oldnote, xlib (the transferred one, once), firstsha, hotpr,
    reopen = 7. Restore: lblcase 2, presince 96, oldnote 24, xlib 4, oldsrc 336, olddst 336 (the old
    issue in both repositories, as documented), firstsha 1, hotpr 2; reopen's none → sorted 1, 2, 2, 4,
    24, 96, 336, 336 → p50 (position 3.5) (4 + 24) / 2 = 14.0, p90 (position 6.3) 336.0. Rework: L3, P1,
    P2, B3, O1, N1, H3, R3, R4 = 9 → 9/31.
    """
    # SPEC §6 "The organisation row "*" covers everything collected"; §6.2.
    first, second = (read.rows["*"] for read in reads)
    check(
        first,
        deployments=30,
        change_failure_rate=6 / 30,
        failed_deployment_recovery_hours_p50=3.0,
        incidents=8,
        time_to_restore_hours_p50=2.0,
        time_to_restore_hours_p90=144.0,
        rework_rate=7 / 30,
    )
    check(
        second,
        deployments=31,
        change_failure_rate=5 / 31,
        failed_deployment_recovery_hours_p50=3.0,
        incidents=7,
        time_to_restore_hours_p50=14.0,
        time_to_restore_hours_p90=336.0,
        rework_rate=9 / 31,
    )
