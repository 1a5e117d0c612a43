"""Audit round 9, end to end: GitHub issues as incidents, shaped as GitHub really serves them, where they
meet the failure metrics (SPEC §5.4, §6.1 rules 1 and 4, §6.2; docs/metrics.md "Incidents", "Failed
deployments", "How the numbers are computed: Text rules in SQL"). Emulated GitHub → ``doraspace collect``
(REST and GraphQL; incident issues are listed over REST in both) → the stored incident rows and
``doraspace metrics --format json --as-of 2026-03-20T00:00:00Z``: one window 30d = (02-18 00:00, 03-20
00:00] (and, for r9i/late, ``--as-of 2026-04-15T00:00:00Z``: (03-16 00:00, 04-15 00:00]). One collect per
mode, on 04-20, after every fact. Every number is worked out by hand from SPEC's words, in each test's
docstring.

One emulated GitHub holds every scenario. Configured repositories ``r9i/<name>`` are each owned by team
``<name>`` (config ``teams:``); ``r9org/edge`` is only discovered through ``github.organizations:
[r9org]`` and, with no catalog and no ``teams:`` entry, belongs to team ``unowned`` (SPEC §4).
Config: ``github.since`` 2026-03-01, ``github.incident_labels: [incident, outage, "🔥 sev1"]`` (GitHub
compares label names whatever their case), ``rework.labels`` the default (``hotfix, rollback, revert,
incident``), attribution window 24 h.

Times are March 2026 UTC, ``at(day, hour)``; February ``feb(day, hour)`` (February 2026 has 28 days).
Each repo's first deployment (root commit authored 03-01 05:00, deployed 06:00: compare ``first``) counts
as a deployment and adds no lead time (§5.2); ``deploy`` ships one commit authored an hour before its
deployment (lead 1 h). Percentiles are ``percentile_cont``: the value at position p × (n − 1) of the
sorted values. No text holds a word of 7 or more hex characters unless said so.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from store import schema
from store.engine import open_store
from store.timeutil import to_db
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.github_scenarios import APIS, AS_OF, Scenarios, at, check, deploy, run_cli
from tests.github_scenarios import started_at_six as started

TOKEN_VARIABLE = "AUDIT_ROUND9_ISSUE_INCIDENTS_GITHUB_TOKEN"
TOKEN = "audit-round9-issue-incidents-token"
LATER = "2026-04-15T00:00:00Z"  # a second read: window 30d = (03-16 00:00, 04-15 00:00]
COLLECTED_AT = datetime(2026, 4, 20, tzinfo=UTC)  # the one collect, after every fact

ISSUES = Scenarios(github='incident_labels: [incident, outage, "🔥 sev1"]\norganizations: [r9org]')
SHAS: dict[str, str] = {}  # shas by name, as the builders made them

# (status, started_at, resolved_at) of each stored GitHub incident, by repository then incident id
Stored = dict[str, dict[str, tuple[Any, ...]]]


@dataclass
class Read:
    rows: dict[str, dict[str, Any]]  # the 30d row of each team as of AS_OF (03-20 00:00)
    later: dict[str, dict[str, Any]]  # the 30d row of each team as of LATER (04-15 00:00)
    stored: Stored


def feb(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 2, day, tzinfo=UTC) + timedelta(hours=hour)


def db(moment: datetime | None) -> Any:
    return None if moment is None else to_db(moment)


def own(name: str) -> Any:
    """Register a builder of ``r9i/<name>``, owned by team ``name``."""
    return ISSUES.register((f"r9i/{name}", name, None))


def deploy_with_prefix(repo: RepoData, prefix: str, name: str, deployed_at: datetime) -> str:
    """``deploy``, with the new commit's sha made to begin with ``prefix`` (a sha GitHub could give:
    every 40-hex string can be one). The commit is renamed before anything refers to it."""
    sha = repo.commit(name, author_date=deployed_at - timedelta(hours=1))
    renamed = prefix + sha[len(prefix) :]
    repo.commits[renamed] = json.loads(json.dumps(repo.commits.pop(sha)).replace(sha, renamed))
    for branch, tip in repo.branches.items():
        if tip == sha:
            repo.branches[branch] = renamed
    repo.deployment(renamed, created_at=deployed_at)
    return renamed


def issue_item(repo: RepoData, number: int) -> dict[str, Any]:
    return next(item for item in repo.issues if item["number"] == number)


# ------------------------------------------------------------------------------------------- scenarios


@own("np")
def build_not_planned_with_an_uppercase_root_cause(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("r9i/np")
    started(repo)  # N1
    n2 = deploy(repo, "n2", at(4, 10))  # N2
    n3 = deploy(repo, "n3", at(4, 12))  # N3
    SHAS["n2"], SHAS["n3"] = n2, n3
    number = repo.issue(
        title="Checkout errors",
        body=f"Root Cause: {n2[:7].upper()}",
        created_at=at(4, 13),
        closed_at=at(4, 16),
        labels=["incident"],
    )
    issue_item(repo, number)["state_reason"] = "not_planned"
    SHAS["np#"] = str(number)
    deploy(repo, "n4", at(4, 14))  # N4
    # An open (never merged) pull request labelled ``outage`` naming N3's change: the issues API lists it
    # under ``outage`` with a ``pull_request`` key; ``outage`` is no rework label.
    head = repo.commit("Undo n3", parents=[n3], author_date=at(4, 14.5), branch="pr-9")
    body = f"root cause: {n3[:8]}"
    repo.pull(
        number=9,
        title="Undo n3",
        author="dev",
        created_at=at(4, 15),
        commits=[head],
        merged_at=None,
        merge_commit_sha=None,
        labels=["outage"],
        body=body,
    )
    repo.issue(number=9, title="Undo n3", body=body, created_at=at(4, 15), labels=["outage"])
    repo.issues[-1]["pull_request"] = {
        "url": f"{repo.api_url}/pulls/9",
        "html_url": f"https://github.com/{repo.full_name}/pull/9",
        "diff_url": f"https://github.com/{repo.full_name}/pull/9.diff",
        "patch_url": f"https://github.com/{repo.full_name}/pull/9.patch",
        "merged_at": None,
    }


@own("reopen")
def build_issue_from_before_since_reopened_and_closed_again(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("r9i/reopen")
    started(repo)  # R1
    r2 = deploy(repo, "r2", at(3, 10))  # R2
    SHAS["r2"] = r2
    deploy(repo, "r3", at(5, 11))  # R3
    deploy(repo, "r4", at(6, 10))  # R4
    # Opened 02-20 10:00 and first closed 12:00; reopened 03-05 09:00 (its body then edited to name R2's
    # change) and closed again 03-05 13:00: GitHub now shows closed_at = the last close.
    number = repo.issue(
        title="Invoices sent twice",
        body=f"Came back after the deploy; root cause: {r2[:10]}",
        created_at=feb(20, 10),
        closed_at=at(5, 13),
        labels=["incident"],
    )
    SHAS["reopen#"] = str(number)


@own("labels")
def build_issues_with_several_incident_labels(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("r9i/labels")
    started(repo)  # L1
    deploy(repo, "l2", at(8, 10))  # L2
    a = repo.issue(
        title="Search down",
        created_at=at(8, 11),
        closed_at=at(8, 13),
        labels=["Incident", "outage", "🔥 sev1", "bug"],
    )
    deploy(repo, "l3", at(8, 20))  # L3
    b = repo.issue(title="Search slow", created_at=at(8, 21), closed_at=at(9, 3), labels=["🔥 Sev1"])
    SHAS["labels#a"], SHAS["labels#b"] = str(a), str(b)


@own("core")
def build_core_and_the_discovered_edge(dataset: GitHubDataset) -> None:
    core = dataset.add_repo("r9i/core")
    started(core)  # C1
    SHAS["c2"] = deploy_with_prefix(core, "20260310", "c2", at(10, 10))  # C2
    SHAS["c3"] = deploy_with_prefix(core, "deadbeef", "c3", at(10, 10.5))  # C3
    edge = dataset.add_repo("r9org/edge")  # in no ``repositories:`` entry: discovered only
    started(edge)  # E1
    deploy(edge, "e2", at(10, 11))  # E2
    first = edge.issue(
        title="Upstream timeouts",
        body=(
            "Seen in the gateway log:\r\n```\r\n"
            "20260310 12:01:07.120 ERROR upstream timeout (worker 0xDEADBEEF)\r\n"
            "```\r\nSince 2026-03-10 12:00 UTC."
        ),
        created_at=at(10, 12),
        closed_at=at(10, 14),
        labels=["incident"],
    )
    deploy(edge, "e3", at(11, 10))  # E3
    second = edge.issue(
        title="Edge returns 502", created_at=at(11, 10.5), closed_at=at(11, 11.5), labels=["incident"]
    )
    SHAS["edge#1"], SHAS["edge#2"] = str(first), str(second)


@own("merge")
def build_issue_naming_a_merge_commit_in_full(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("r9i/merge")
    c0 = started(repo)  # M1
    b2 = repo.commit("Add coupons", parents=[c0], author_date=at(12, 8), branch="pr-2")
    m2 = repo.merge_commit(c0, b2, "Merge pull request #2 from r9i/pr-2", at(12, 10))
    repo.pull(
        number=2,
        title="Add coupons",
        author="dev",
        created_at=at(12, 9),
        commits=[b2],
        merged_at=at(12, 10),
        merge_commit_sha=m2,
    )
    repo.deployment(m2, created_at=at(12, 11))  # M2
    deploy(repo, "m3", at(12, 14))  # M3
    SHAS["m2"] = m2
    number = repo.issue(
        title=f"Coupons broken since {m2.upper()}",
        body=f"Deployed {m2} at 11:00, rolled forward at 14:00.",
        created_at=at(12, 15),
        closed_at=at(12, 17),
        labels=["incident"],
    )
    SHAS["merge#"] = str(number)


@own("late")
def build_issue_naming_a_change_older_than_the_window(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("r9i/late")
    started(repo)  # H1
    h2 = deploy(repo, "h2", at(5, 10))  # H2
    deploy(repo, "h3", datetime(2026, 4, 10, 10, tzinfo=UTC))  # H3
    number = repo.issue(
        title="Duplicate charges again",
        body=f"Same bug as {h2[:7]} last month.",
        created_at=datetime(2026, 4, 10, 11, tzinfo=UTC),
        closed_at=datetime(2026, 4, 10, 13, tzinfo=UTC),
        labels=["incident"],
    )
    SHAS["late#"] = str(number)


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
def collected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Read]:
    """Per ``github.api`` mode, one collect (on 04-20) and its reads as of 03-20 and 04-15 00:00."""
    dataset = GitHubDataset()
    for build in ISSUES.builders:
        build(dataset)
    reads: dict[str, Read] = {}

    def rows(config: Path, as_of: str) -> dict[str, dict[str, Any]]:
        args = ["metrics", "--config", str(config), "--format", "json", "--as-of", as_of]
        return {
            row["team"]: row for row in json.loads(run_cli(args, now=COLLECTED_AT)) if row["window"] == "30d"
        }

    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        for api in APIS:
            config = ISSUES.write_config(tmp_path_factory.mktemp(api), emulator.base_url, TOKEN_VARIABLE, api)
            run_cli(["collect", "--config", str(config)], now=COLLECTED_AT)
            reads[api] = Read(
                rows(config, AS_OF), rows(config, LATER), stored_incidents(config.parent / "store.duckdb")
            )
    assert os.environ.get(TOKEN_VARIABLE) is None
    return reads


@pytest.fixture(params=APIS)
def read(request: pytest.FixtureRequest, collected: dict[str, Read]) -> Read:
    return collected[request.param]


def key(repo: str, name: str) -> str:
    return f"{repo}#{SHAS[name]}"


# ------------------------------------------------------------------------------------------- the tests


def test_issue_closed_as_not_planned_with_an_uppercase_root_cause_and_an_open_pull_request(
    read: Read,
) -> None:
    """r9i/np (team np). N1 first; N2 04 10:00, N3 04 12:00, N4 04 14:00 (lead 1 h each).

    Issue "Checkout errors" labelled ``incident``, 04 13:00, closed 16:00 with ``state_reason:
    not_planned``, body ``Root Cause: <N2's sha[:7] in upper case>``. §5.4 keeps no close reason: it is
    an incident (resolved_at = closed_at). §6.1 rule 1: the hex string (case aside, docs/metrics.md
    "lower-cased") begins N2's change → N2 failed (explicit), recovered 16:00: 6 h. The incident has an
    explicit link → rule 4 does not fail N3 (were the upper-case word missed: N3 by the window, 4 h).
    N4 (14:00) is deployed while it is open → rework.
    Pull request #9, open and never merged, labelled ``outage`` (an incident label, no rework label),
    body ``root cause: <N3's sha[:8]>``: listed by the issues API with ``pull_request`` → no incident
    (§5.4), so no link: N3 stays unfailed, no second incident, no restore.
    Deployments 4; lead 1, 1, 1 → 1.0, 1.0; CFR 1/4; recovery 6.0; incidents 1; restore 3.0, 3.0;
    rework 1/4.
    """
    # SPEC §5.4 "GitHub issues (not pull requests ...) carrying an incident_labels label ...: started_at =
    # created_at, resolved_at = closed_at"; §6.1 rules 1 and 4; §6.2.
    assert read.stored["r9i/np"] == {key("r9i/np", "np#"): ("resolved", db(at(4, 13)), db(at(4, 16)))}
    check(
        read.rows["np"],
        deployments=4,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.0,
        change_failure_rate=1 / 4,
        failed_deployment_recovery_hours_p50=6.0,
        incidents=1,
        time_to_restore_hours_p50=3.0,
        time_to_restore_hours_p90=3.0,
        rework_rate=1 / 4,
    )


def test_issue_opened_before_since_reopened_and_closed_again_names_a_later_change(read: Read) -> None:
    """r9i/reopen (team reopen); github.since 03-01. R1 first (03-01 06:00); R2 03-03 10:00, R3 03-05
    11:00, R4 03-06 10:00 (lead 1 h each).

    Issue labelled ``incident`` opened 02-20 10:00 (before since, inside the window), closed 02-20 12:00,
    reopened 03-05 09:00 and closed again 13:00: GitHub's ``closed_at`` is the last close, 03-05 13:00,
    and it was updated after since, so the list asked from since holds it. §5.4: started 02-20 10:00,
    resolved 03-05 13:00 (the first close is nowhere in GitHub's issue). Body ``... root cause:
    <R2's sha[:10]>`` → R2 failed (explicit; rule 1 has no condition on when the incident started),
    recovered at the resolution 03-05 13:00, after R2: 03-03 10:00 → 03-05 13:00 = 51 h. No deployment
    precedes 02-20 → rule 4 has nothing to fail anyway. Open from 02-20 10:00 to 03-05 13:00: R1, R2 and
    R3 (03-05 11:00, between the reopening and the last close) are rework; R4 not.
    Deployments 4; lead 1.0, 1.0; CFR 1/4; recovery 51.0; incidents 1 (02-20 ∈ (02-18, 03-20]); restore
    02-20 10:00 → 03-05 13:00 = 13 d 3 h = 315.0 (p50 = p90); rework 3/4.
    """
    assert read.stored["r9i/reopen"] == {
        key("r9i/reopen", "reopen#"): ("resolved", db(feb(20, 10)), db(at(5, 13)))
    }
    check(
        read.rows["reopen"],
        deployments=4,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.0,
        change_failure_rate=1 / 4,
        failed_deployment_recovery_hours_p50=51.0,
        incidents=1,
        time_to_restore_hours_p50=315.0,
        time_to_restore_hours_p90=315.0,
        rework_rate=3 / 4,
    )


def test_issue_with_three_incident_labels_counts_once_and_an_emoji_label_alone_counts(read: Read) -> None:
    """r9i/labels (team labels). L1 first; L2 08 10:00, L3 08 20:00 (lead 1 h each).

    Issue A labelled ``Incident``, ``outage``, ``🔥 sev1`` and ``bug`` (three configured labels, one in
    another case), 08 11:00 → 13:00: listed under each configured label, stored once under its natural
    key (§5) → one incident. No hex word → rule 4: L2 is the latest deployment before 11:00 (1 h) → L2
    failed, recovered 13:00: 3 h. Issue B labelled only ``🔥 Sev1`` (the configured ``🔥 sev1``,
    case aside), 08 21:00 → 09 03:00 → L3 failed (window, 1 h), recovered 09 03:00: 7 h.
    Deployments 3; lead 1.0, 1.0; CFR 2/3; recovery 3, 7 → p50 5.0; incidents 2; restore 2, 6 → p50 4.0,
    p90 2 + 0.9 × 4 = 5.6; rework 0.0 (L3 at 20:00 after A closed). (A counted per label: incidents 4,
    restore 2, 2, 2, 6 → p50 2.0, p90 4.8; B missed: incidents 1, CFR 1/3.)
    """
    assert read.stored["r9i/labels"] == {
        key("r9i/labels", "labels#a"): ("resolved", db(at(8, 11)), db(at(8, 13))),
        key("r9i/labels", "labels#b"): ("resolved", db(at(8, 21)), db(at(9, 3))),
    }
    check(
        read.rows["labels"],
        deployments=3,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.0,
        change_failure_rate=2 / 3,
        failed_deployment_recovery_hours_p50=5.0,
        incidents=2,
        time_to_restore_hours_p50=4.0,
        time_to_restore_hours_p90=5.6,
        rework_rate=0.0,
    )


def test_a_date_in_a_log_excerpt_of_a_discovered_repos_issue_links_another_teams_change(read: Read) -> None:
    """r9i/core (team core) and r9org/edge (discovered through ``github.organizations`` only: team
    ``unowned``). C1 first; C2 10 10:00, its sha beginning ``20260310``; C3 10 10:30, its sha beginning
    ``deadbeef`` (lead 1 h each). E1 first; E2 10 11:00; E3 11 10:00 (lead 1 h each).

    Edge issue #1 labelled ``incident``, 10 12:00 → 14:00, body a log excerpt (GitHub's ``\\r\\n`` line
    ends) ``20260310 12:01:07.120 ERROR upstream timeout (worker 0xDEADBEEF)`` and ``Since 2026-03-10
    12:00 UTC.``. §6.1 rule 1: ``20260310`` is a hex string of 8 characters that begins the sha of C2's
    change, whatever repo or team (docs/metrics.md: explicit links join every change; an incident
    "fails one only by naming one of its changes" across services) → C2 failed (explicit), recovered
    14:00: 4 h. ``0xDEADBEEF`` is one word ``0xdeadbeef`` (docs/metrics.md: split on every character
    outside [0-9a-z]), not hex → C3 not failed; ``2026-03-10`` gives words of 2–4 digits → nothing. The
    issue has an explicit link → rule 4 does not fail E2 (the latest of edge before 12:00).
    Edge issue #2 labelled ``incident``, no text, 11 10:30 → 11:30 → E3 failed (window, 0.5 h),
    recovered 11:30: 1.5 h.
    core: deployments 3; lead 1.0, 1.0; CFR 1/3; recovery 4.0; incidents 0; restore null; rework 0.0
    (edge's issue is not of core's service).
    unowned: deployments 3; lead 1.0, 1.0; CFR 1/3; recovery 1.5; incidents 2; restore 2, 1 → p50 1.5,
    p90 1 + 0.9 × 1 = 1.9; rework 0.0 (E3 at 10:00 before #2, after #1 closed).
    (Date not linked: core CFR 0; unowned CFR 2/3, recovery p50 of 3, 1.5 = 2.25. ``0xDEADBEEF`` linked:
    core CFR 2/3, recovery p50 of 4, 3.5 = 3.75.)
    """
    assert SHAS["c2"].startswith("20260310") and SHAS["c3"].startswith("deadbeef")
    assert "r9i/core" not in read.stored
    assert read.stored["r9org/edge"] == {
        key("r9org/edge", "edge#1"): ("resolved", db(at(10, 12)), db(at(10, 14))),
        key("r9org/edge", "edge#2"): ("resolved", db(at(11, 10.5)), db(at(11, 11.5))),
    }
    check(
        read.rows["core"],
        deployments=3,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.0,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=4.0,
        incidents=0,
        time_to_restore_hours_p50=None,
        time_to_restore_hours_p90=None,
        rework_rate=0.0,
    )
    check(
        read.rows["unowned"],
        deployments=3,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.0,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=1.5,
        incidents=2,
        time_to_restore_hours_p50=1.5,
        time_to_restore_hours_p90=1.9,
        rework_rate=0.0,
    )


def test_issue_naming_the_full_sha_of_a_deployed_merge_commit_falls_to_the_window_rule(read: Read) -> None:
    """r9i/merge (team merge). M1 first. PR #2 (b2 authored 12 08:00 on its branch, opened 09:00) merged
    with GitHub's merge commit m2 (parents c0, b2) at 10:00; M2 deploys m2 at 12 11:00: compare(c0...m2)
    lists b2 and m2; m2 has two parents → no change; b2 is no PR's merge commit → starts at its own
    author date: lead 3 h. M3 12 14:00 (lead 1 h).
    Issue labelled ``incident``, 12 15:00 → 17:00, title ``Coupons broken since <m2, 40 characters, upper
    case>``, body ``Deployed <m2> at 11:00, ...``: a hex string of 40 characters, but it begins no change's
    sha (m2 is M2's own sha, not a change of it) → no explicit link (docs/metrics.md "A hex word that
    begins no change's sha links nothing") → rule 4: M3 is the latest deployment before 15:00 (1 h) → M3
    failed, recovered 17:00: 3 h. (Linked to M2: M2 failed instead, recovery 6 h.)
    Deployments 3; lead 3, 1 → p50 2.0, p90 1 + 0.9 × 2 = 2.8; CFR 1/3; recovery 3.0; incidents 1;
    restore 2.0, 2.0; rework 0.0.
    """
    assert read.stored["r9i/merge"] == {
        key("r9i/merge", "merge#"): ("resolved", db(at(12, 15)), db(at(12, 17)))
    }
    check(
        read.rows["merge"],
        deployments=3,
        lead_time_hours_p50=2.0,
        lead_time_hours_p90=2.8,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=3.0,
        incidents=1,
        time_to_restore_hours_p50=2.0,
        time_to_restore_hours_p90=2.0,
        rework_rate=0.0,
    )


def test_issue_naming_a_change_older_than_the_window_fails_no_recent_deployment_by_the_window(
    read: Read,
) -> None:
    """r9i/late (team late). H1 first (03-01 06:00); H2 03-05 10:00, H3 04-10 10:00 (lead 1 h each).
    Issue labelled ``incident``, 04-10 11:00 → 13:00, body ``Same bug as <H2's sha[:7]> last month.``.

    As of 03-20 (window (02-18, 03-20]): H3 and the issue come after as_of and do not exist yet
    (docs/metrics.md "as_of") → deployments 2 (H1, H2); lead 1.0; CFR 0.0; recovery null; incidents 0;
    restore null; rework 0.0.
    As of 04-15 (window (03-16, 04-15]): the hex word begins H2's change → H2 failed (explicit), but H2
    is not in this window. The incident has an explicit link, so §6.1 rule 4 ("an incident with no
    explicit link") does not fail H3, the latest deployment before it (1 h; docs/metrics.md: an explicit
    link "may name an older change (and then does not fail a recent deployment by the window rule)").
    Deployments 1 (H3); lead 1.0; CFR 0/1 = 0.0; recovery null (H2's failure is outside the window);
    incidents 1; restore 2.0, 2.0; rework 0.0 (H3 before the issue). (Window rule applied: CFR 1.0,
    recovery 3.0.)
    """
    assert read.stored["r9i/late"] == {
        key("r9i/late", "late#"): (
            "resolved",
            db(datetime(2026, 4, 10, 11, tzinfo=UTC)),
            db(datetime(2026, 4, 10, 13, tzinfo=UTC)),
        )
    }
    check(
        read.rows["late"],
        deployments=2,
        lead_time_hours_p50=1.0,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=0,
        time_to_restore_hours_p50=None,
        rework_rate=0.0,
    )
    check(
        read.later["late"],
        deployments=1,
        lead_time_hours_p50=1.0,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        time_to_restore_hours_p50=2.0,
        time_to_restore_hours_p90=2.0,
        rework_rate=0.0,
    )


def test_organisation_row(read: Read) -> None:
    """Team ``"*"``: every repository above, configured or discovered (SPEC §6 "covers everything
    collected, team unowned included").

    As of 03-20. Deployments: np 4, reopen 4, labels 3, core 3, edge 3, merge 3, late 2 = 22.
    Failed: N2, R2, L2, L3, C2, E3, M3 = 7 → CFR 7/22.
    Recoveries: 6, 51, 3, 7, 4, 1.5, 3 → sorted 1.5, 3, 3, 4, 6, 7, 51 → p50 (position 3) 4.0.
    Incidents started in the window: np 1, reopen 1 (02-20), labels 2, edge 2, merge 1 = 7 (the pull
    request is none; late's is after as_of).
    Restore: 3, 315, 2, 6, 2, 1, 2 → sorted 1, 2, 2, 2, 3, 6, 315 → p50 (position 3) 2.0, p90 (position
    5.4) 6 + 0.4 × 309 = 129.6.
    Rework: N4, R1, R2, R3 = 4 → 4/22.
    Lead times: fifteen of 1 h and one of 3 h → p50 1.0, p90 (position 13.5, both neighbours 1) 1.0.
    """
    check(
        read.rows["*"],
        deployments=22,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.0,
        change_failure_rate=7 / 22,
        failed_deployment_recovery_hours_p50=4.0,
        incidents=7,
        time_to_restore_hours_p50=2.0,
        time_to_restore_hours_p90=129.6,
        rework_rate=4 / 22,
    )
    assert sorted(read.rows) == ["*", "core", "labels", "late", "merge", "np", "reopen", "unowned"]


def test_both_api_modes_store_the_same(collected: dict[str, Read]) -> None:
    """The two ``github.api`` modes (REST, GraphQL) store the same incidents and give the same rows: the
    mode changes how facts are fetched, not what they are."""
    rest, graphql = collected["rest"], collected["graphql"]
    assert rest.stored == graphql.stored
    assert rest.rows == graphql.rows
    assert rest.later == graphql.later
