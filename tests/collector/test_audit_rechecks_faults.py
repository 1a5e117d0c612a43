"""Audit: faults and resumes meeting the collector's re-reads of incident issues and re-run workflow runs.

SPEC §5: "a crash or kill at any point loses nothing and a restart resumes"; §9: "A sync interrupted
at any point, resumed, yields exactly the data of an uninterrupted sync", 5xx retried, rate limits
honoured; §5.4: incidents are "GitHub issues ... carrying an incident_labels label in a collected
repo"; §5.1 workflow_runs: "completed runs of workflow on the default branch with conclusion success;
deployed_at = the run's updated_at". The yardstick of every scenario is what one fresh sync of the
same GitHub stores (docs/operations.md: an incremental sync re-reads so "that it stores what a full
sync would"), worked out by hand in each docstring.

The shop (``build_shop``; instants are March 2026, ``at(day, hour)``), first synced at 03-10 12:00:

* acme/web, source ``workflow_runs`` (deploy.yml), commits c0 → c1 → … → c5 on main. Runs:
  R1 c1 created 03-02 00:00, success, ends 00:30; R2 c2 03-03, success 00:30; R3 c3 03-04,
  failure 00:18; R4 c4 03-05, success 00:30; R5 c5 03-08, success 00:30.
  Incident issues (label ``incident``): #11 opened 03-02 02:00 closed 03:00; #10 03-05 02:00 →
  04:00; #14 03-06 10:00 → 12:00; #15 03-07 10:00 → 10:30; #12 03-09 10:00, open; #13 03-10 10:00
  → 11:00.
* acme/api, source ``deployments``: D (a1) created 03-10 09:00, success at once. No issue.

``change_shop`` (between 03-10 12:00 and 03-12 00:00): #11's label is removed (→ ``bug``, 03-11
09:00); #12 is deleted; #13 is transferred to acme/api (03-11 10:00), where it is #1; #14 is
relabelled ``Incident`` (03-11 08:00); #15 loses ``incident`` (03-11 08:30) and gets it back (03-11
12:00); #16 is opened 03-11 15:00, closed 15:30; R2 is re-run (run_attempt 2) as a rollback to c2,
ending 03-11 14:00; c6 (child of c5) is run as R6, created 03-11 16:00, ending 16:30.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from analytics.metrics import compute_metrics
from analytics.ownership import RepoScope
from analytics.settings import AnalyticsSettings
from analytics.windows import WindowSpec
from collector.github_sync import RepoTarget
from store.engine import open_store
from store.errors import SourceError
from store.timeutil import to_db
from tests.collector.test_audit_faults_payloads import (
    APIS,
    RETRIED,
    STOP,
    AuditGitHub,
    deployment_rows,
    incident_rows,
    run,
)
from tests.collector.test_github_sync import dump
from tests.emulators.github import Fault, GitHubDataset, RepoData
from tests.github_org import at

LABELS = ["incident"]
WEB = RepoTarget("acme/web", "workflow_runs", "production", "deploy.yml")
API = RepoTarget("acme/api")
SHOP = [WEB, API]
FIRST = at(10, 12)  # the first sync
SECOND = at(12)  # the second sync, after change_shop
ISSUE_PATH = re.compile(r"^/repos/[^/]+/[^/]+/issues/[0-9]+$")
REFUSED = Fault(403, "Resource not accessible by integration", "https://docs.github.com/rest")


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[Callable[[str], Engine]]:
    made: list[Engine] = []

    def make(name: str) -> Engine:
        engine = open_store(f"duckdb:///{tmp_path}/{name}.duckdb")
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.dispose()


def build_shop(dataset: GitHubDataset) -> dict[str, Any]:
    """The shop of the module docstring, as of its first sync."""
    web = dataset.add_repo("acme/web")
    c = [web.commit("c0", author_date=at(1))]
    for i in range(1, 6):
        c.append(web.commit(f"c{i}", author_date=at(1, 2 + i)))
    runs = {
        "R1": web.workflow_run(c[1], created_at=at(2), updated_at=at(2, 0.5)),
        "R2": web.workflow_run(c[2], created_at=at(3), updated_at=at(3, 0.5)),
        "R3": web.workflow_run(c[3], created_at=at(4), updated_at=at(4, 0.3), conclusion="failure"),
        "R4": web.workflow_run(c[4], created_at=at(5), updated_at=at(5, 0.5)),
        "R5": web.workflow_run(c[5], created_at=at(8), updated_at=at(8, 0.5)),
    }
    web.issue(number=11, title="checkout 500s", created_at=at(2, 2), closed_at=at(2, 3), labels=LABELS)
    web.issue(number=10, title="cart empty", created_at=at(5, 2), closed_at=at(5, 4), labels=LABELS)
    web.issue(number=14, title="slow search", created_at=at(6, 10), closed_at=at(6, 12), labels=LABELS)
    web.issue(number=15, title="login loop", created_at=at(7, 10), closed_at=at(7, 10.5), labels=LABELS)
    web.issue(number=12, title="images missing", created_at=at(9, 10), labels=LABELS)
    web.issue(number=13, title="api timeouts", created_at=at(10, 10), closed_at=at(10, 11), labels=LABELS)
    api = dataset.add_repo("acme/api")
    root = api.commit("root", author_date=at(1))
    a1 = api.commit("a1", parents=[root], author_date=at(9), branch=api.default_branch)
    deployment = api.deployment(a1, created_at=at(10, 9))
    return {"web": web, "api": api, "c": c, "runs": runs, "D": deployment}


def change_shop(built: dict[str, Any]) -> None:
    """The changes of the module docstring, before the second sync."""
    web: RepoData = built["web"]
    api: RepoData = built["api"]
    web.relabel_issue(11, ["bug"], updated_at=at(11, 9))
    web.delete_issue(12)
    assert web.transfer_issue(13, api, updated_at=at(11, 10)) == 1
    web.relabel_issue(14, ["Incident"], updated_at=at(11, 8))
    web.relabel_issue(15, ["sev2"], updated_at=at(11, 8.5))
    web.relabel_issue(15, ["sev2", "incident"], updated_at=at(11, 12))
    web.issue(number=16, title="payments stuck", created_at=at(11, 15), closed_at=at(11, 15.5), labels=LABELS)
    rerun(web, built["runs"]["R2"], at(11, 14))
    c6 = web.commit("c6", author_date=at(11, 15))
    built["c"].append(c6)
    built["runs"]["R6"] = web.workflow_run(c6, created_at=at(11, 16), updated_at=at(11, 16.5))


def rerun(repo: RepoData, run_id: int, ended: datetime, conclusion: str = "success") -> None:
    """GitHub's "Re-run all jobs": same id and created_at, a new attempt ending at ``ended``."""
    item = next(r for r in repo.workflow_runs if r["id"] == run_id)
    item.update(
        run_attempt=2,
        conclusion=conclusion,
        updated_at=ended.strftime("%Y-%m-%dT%H:%M:%SZ"),
        run_started_at=(ended - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def expected_second(built: dict[str, Any]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Deployment rows and incident rows of a fresh sync of the changed shop on 03-12.

    Deployments of acme/web ordered by deployed_at (§5.2): R1 03-02 00:30 (the first: ``first``, 0);
    R4 03-05 00:30: compare(c1...c4) ahead 3 (c2, c3, c4); R5 03-08 00:30: compare(c4...c5) ahead 1;
    R2, re-run, ends 03-11 14:00 (§5.1 deployed_at = updated_at): compare(c5...c2), c2 an ancestor
    of c5, ``behind`` 0 (a rollback); R6 03-11 16:30: compare(c2...c6) ahead 4 (c3, c4, c5, c6).
    acme/api: D 03-10 09:00, its first. R3 never succeeded: a failed attempt, no compare.
    Incidents (§5.4, label matched whatever its case, as GitHub's label filter does): acme/web #10,
    #14 (``Incident``), #15 (label back), #16; #11 has no incident label, #12 is gone, #13 is acme/api
    #1 now (opened 03-10 10:00, closed 11:00).
    """
    runs, web = built["runs"], "acme/web"
    deployments = [
        (web, runs["R1"], to_db(at(2, 0.5)), "success", "first", 0),
        (web, runs["R4"], to_db(at(5, 0.5)), "success", "ahead", 3),
        (web, runs["R5"], to_db(at(8, 0.5)), "success", "ahead", 1),
        ("acme/api", built["D"], to_db(at(10, 9)), "success", "first", 0),
        (web, runs["R2"], to_db(at(11, 14)), "success", "behind", 0),
        (web, runs["R6"], to_db(at(11, 16.5)), "success", "ahead", 4),
        (web, runs["R3"], None, "failure", None, None),
    ]
    incidents = [
        ("acme/api#1", "resolved", to_db(at(10, 10)), to_db(at(10, 11))),
        ("acme/web#10", "resolved", to_db(at(5, 2)), to_db(at(5, 4))),
        ("acme/web#14", "resolved", to_db(at(6, 10)), to_db(at(6, 12))),
        ("acme/web#15", "resolved", to_db(at(7, 10)), to_db(at(7, 10.5))),
        ("acme/web#16", "resolved", to_db(at(11, 15)), to_db(at(11, 15.5))),
    ]
    return deployments, incidents


def issue_asks(emulator: AuditGitHub, since: int) -> list[tuple[str, int]]:
    """(path, status) of the single-issue requests from ``emulator.requests[since:]``."""
    return [(r.path, r.status) for r in emulator.requests[since:] if ISSUE_PATH.match(r.path)]


def copy_store(source: Path, target: Path) -> Engine:
    target.write_bytes(source.read_bytes())
    return open_store(f"duckdb:///{target}")


# ------------------------------------------------------------ 1. stopped anywhere in the second sync


@pytest.mark.parametrize("api", APIS)
def test_second_sync_with_relabels_deletion_transfer_and_rerun_stopped_anywhere_resumes_to_a_fresh_sync(
    tmp_path: Path, api: str
) -> None:
    """§9 at every request of the second sync of the shop (module docstring): a primary rate limit
    resetting two hours away (max_wait one hour) stops it there; the next sync resumes; the store then
    equals the unbroken second sync's, table by table, which equals a fresh sync's and the hand-worked
    rows of ``expected_second``.

    The unbroken second sync asks again, one by one and by started_at, the stored acme/web incidents
    opened since 02-10 (30 days before 03-12) that the label list (read past the cursor 03-10 11:00 −
    5 min, down to 02-10) neither brought nor showed as stored: #11 (03-02; 200, label ``bug``:
    removed), #12 (03-09; 410: removed), #13 (03-10; 301 to acme/api #1, followed: 200, another
    repository: removed). #14, #15, #16 are listed (updated 03-11); #10 (03-05) is shown with its stored
    updated_at 03-05 04:00, so it still has its label here: none of the four is asked. acme/api had no
    incident stored. Then syncs 3 and 4 on the same emulator (its ETags
    hold) with nothing changed cost no rate limit and change nothing.
    """
    dataset = GitHubDataset()
    built = build_shop(dataset)
    emulator = AuditGitHub(dataset)
    with emulator:
        first = open_store(f"duckdb:///{tmp_path}/first.duckdb")
        run(emulator, first, SHOP, now=FIRST, api=api, labels=LABELS)
        assert [row[0] for row in incident_rows(first)] == [f"acme/web#{n}" for n in (10, 11, 12, 13, 14, 15)]
        first.dispose()
        change_shop(built)
        unbroken = copy_store(tmp_path / "first.duckdb", tmp_path / "unbroken.duckdb")
        mark, asked_from = emulator.received, len(emulator.requests)
        run(emulator, unbroken, SHOP, now=SECOND, api=api, labels=LABELS)
        requests = emulator.received - mark
        asked = issue_asks(emulator, asked_from)
        reference = dump(unbroken)
        deployments, incidents = expected_second(built)
        assert deployment_rows(unbroken) == deployments
        assert incident_rows(unbroken) == incidents
        for step in (3, 4):
            billed, free = emulator.billed_requests, emulator.not_modified
            run(emulator, unbroken, SHOP, now=SECOND, api=api, labels=LABELS)
            assert (emulator.billed_requests - billed, dump(unbroken)) == (0, reference), f"sync {step}"
            assert emulator.not_modified > free
        unbroken.dispose()
        fresh = open_store(f"duckdb:///{tmp_path}/fresh.duckdb")
        run(emulator, fresh, SHOP, now=SECOND, api=api, labels=LABELS)
        assert dump(fresh) == reference
        fresh.dispose()
        for n in range(1, requests + 1):
            engine = copy_store(tmp_path / "first.duckdb", tmp_path / f"stopped-{n}.duckdb")
            try:
                emulator.fault_at[emulator.received + n] = STOP
                with pytest.raises(SourceError):
                    run(emulator, engine, SHOP, now=SECOND, api=api, labels=LABELS)
                run(emulator, engine, SHOP, now=SECOND, api=api, labels=LABELS)
                assert dump(engine) == reference, f"second sync stopped at request {n}"
            finally:
                engine.dispose()
    assert asked == [
        ("/repos/acme/web/issues/11", 200),
        ("/repos/acme/web/issues/12", 410),
        ("/repos/acme/web/issues/13", 301),
        ("/repos/acme/api/issues/1", 200),
    ]
    assert emulator.errors == []


@pytest.mark.parametrize("api", APIS)
def test_second_sync_with_a_retried_fault_at_any_request_ends_with_the_fresh_store(
    tmp_path: Path, api: str
) -> None:
    """§9: 5xx retried with backoff, 429 / secondary 403 waited out by retry-after (a minute without),
    a primary 403 until its reset, a dropped connection retried: the n-th request of the shop's second
    sync meets one of them (in turn, the re-asks of #11, #10, #12, #13 and the 301's target included);
    each such sync waits once and ends with the store of the unbroken second sync."""
    dataset = GitHubDataset()
    built = build_shop(dataset)
    emulator = AuditGitHub(dataset)
    with emulator:
        first = open_store(f"duckdb:///{tmp_path}/first.duckdb")
        run(emulator, first, SHOP, now=FIRST, api=api, labels=LABELS)
        first.dispose()
        change_shop(built)
        unbroken = copy_store(tmp_path / "first.duckdb", tmp_path / "unbroken.duckdb")
        mark = emulator.received
        run(emulator, unbroken, SHOP, now=SECOND, api=api, labels=LABELS)
        requests = emulator.received - mark
        reference = dump(unbroken)
        assert (deployment_rows(unbroken), incident_rows(unbroken)) == expected_second(built)
        unbroken.dispose()
        for n in range(1, requests + 1):
            engine = copy_store(tmp_path / "first.duckdb", tmp_path / f"faulted-{n}.duckdb")
            waits: list[float] = []
            fault = RETRIED[n % len(RETRIED)]
            try:
                emulator.fault_at[emulator.received + n] = fault
                run(emulator, engine, SHOP, now=SECOND, api=api, labels=LABELS, waits=waits)
                assert dump(engine) == reference, f"{fault} at request {n}"
                assert len(waits) == 1, f"{fault} at request {n}: waits {waits}"
            finally:
                engine.dispose()
    assert emulator.errors == []


# ------------------------------------------------------------------------ 2. faults on the re-asks


def test_faults_on_each_issue_re_ask_are_waited_out_and_the_store_is_the_fresh_one(
    engines: Callable[[str], Engine],
) -> None:
    """The shop's second sync re-asks #11, #12, #13 (then the 301's target, acme/api #1), in that order
    (started_at); #10, shown as stored by its label list, is not asked. Each first answer is a fault
    (§9): #11 a 502 (backoff 1 s), then again a secondary rate limit with retry-after 3, #12 a 429 with
    retry-after 2, #13 a secondary limit without a hint (GitHub's docs: wait a minute, 60 s), acme/api
    #1 (reached through the redirect) a 503: that is the second attempt of the one GET of #13 (the 301
    is followed inside it), backoff 1 × 2 = 2 s. Waits [1, 3, 2, 60, 2]; the store equals a fresh
    sync's (``expected_second``)."""
    dataset = GitHubDataset()
    built = build_shop(dataset)
    incremental, fresh = engines("incremental"), engines("fresh")
    emulator = AuditGitHub(dataset)
    with emulator:
        run(emulator, incremental, SHOP, now=FIRST, labels=LABELS)
        change_shop(built)
        emulator.inject(r"^/repos/acme/web/issues/11$", Fault.server_error(502))
        emulator.inject(r"^/repos/acme/web/issues/11$", Fault.secondary_rate_limit(retry_after=3))
        emulator.inject(r"^/repos/acme/web/issues/12$", Fault.too_many_requests(retry_after=2))
        emulator.inject(r"^/repos/acme/web/issues/13$", Fault.secondary_rate_limit())
        emulator.inject(r"^/repos/acme/api/issues/1$", Fault.server_error(503))
        waits: list[float] = []
        run(emulator, incremental, SHOP, now=SECOND, labels=LABELS, waits=waits)
        run(emulator, fresh, SHOP, now=SECOND, labels=LABELS)
    assert waits == [1.0, 3.0, 2.0, 60.0, 2.0]
    assert (deployment_rows(incremental), incident_rows(incremental)) == expected_second(built)
    assert dump(incremental) == dump(fresh)
    assert emulator.errors == []


def test_an_issue_re_ask_refused_with_403_keeps_the_stored_incident_until_a_later_sync_reads_it(
    engines: Callable[[str], Engine],
) -> None:
    """A 403 that is no rate limit ("Resource not accessible by integration", no retry-after, no
    x-ratelimit-remaining 0) on the re-ask of #11 (whose label was removed): nothing is known of #11,
    so what is stored stays (§5: nothing lost); the other re-asks still happen (#12 and #13 removed).
    After sync 2: acme/web #10, #11, #14, #15, #16 and acme/api #1. Sync 3 (03-12 01:00, no fault)
    re-asks #11 (If-Modified-Since 03-02 03:00; its update at 03-11 09:00 is later: 200, label ``bug``)
    and removes it: the store of a fresh sync."""
    dataset = GitHubDataset()
    built = build_shop(dataset)
    incremental, fresh = engines("incremental"), engines("fresh")
    emulator = AuditGitHub(dataset)
    with emulator:
        run(emulator, incremental, SHOP, now=FIRST, labels=LABELS)
        change_shop(built)
        emulator.inject(r"^/repos/acme/web/issues/11$", REFUSED)
        run(emulator, incremental, SHOP, now=SECOND, labels=LABELS)
        after_refusal = [row[0] for row in incident_rows(incremental)]
        before = len(emulator.requests)
        run(emulator, incremental, SHOP, now=SECOND + timedelta(hours=1), labels=LABELS)
        third = issue_asks(emulator, before)
        run(emulator, fresh, SHOP, now=SECOND + timedelta(hours=1), labels=LABELS)
    assert after_refusal == ["acme/api#1"] + [f"acme/web#{n}" for n in (10, 11, 14, 15, 16)]
    assert ("/repos/acme/web/issues/11", 200) in third
    assert incident_rows(incremental) == expected_second(built)[1]
    assert dump(incremental) == dump(fresh)


# ------------------------------------------------------- 3. who is asked again: case, re-add, age


def feb(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 2, day, tzinfo=UTC) + timedelta(hours=hour)


def test_only_incident_issues_opened_within_30_days_are_asked_again_and_each_once(
    engines: Callable[[str], Engine],
) -> None:
    """github.since 02-01; syncs on 03-10 12:00 and 03-12 00:00 (30 days before: 02-10 00:00).
    acme/ops' incident issues, each closed an hour after it opened: #1 opened 02-08 00:00, #2 02-09
    23:00 (30 d 1 h before the second sync), #3 02-10 01:00 (29 d 23 h), #4 02-20 00:00, #5 03-01;
    #6 03-02 labelled ``incident``. Before the second sync: #1, #2, #3 lose their label (03-11);
    #5 is relabelled ``INCIDENT`` (03-11, listed again: the list filter ignores case); #6 loses its
    label (03-11 01:00) and gets it back (03-11 02:00), so it is listed.

    The label list brings what changed since its cursor (#6's 03-02 01:00 … now 03-11 02:00): #6 and #5,
    and is read on down to 02-10 00:00, where it shows #4 as stored (updated 02-20 01:00). Asked again:
    the stored incidents opened since 02-10 00:00 that it neither brought nor showed, by started_at: #3
    (200, no label: removed); #1 and #2 are not asked (docs/operations.md: a label removed from an
    issue opened more than 30 days ago goes unseen, they stay).
    Billed by the second sync: the repository (304 free), the deployments list (304), the pulls list
    (304), the issues list (changed: 1) and #3 (1): 2. Stored: #1, #2, #4, #5, #6; a fresh sync
    stores #4, #5, #6."""
    dataset = GitHubDataset()
    ops = dataset.add_repo("acme/ops")
    ops.commit("root", author_date=feb(1))
    opened = {1: feb(8), 2: feb(9, 23), 3: feb(10, 1), 4: feb(20), 5: at(1), 6: at(2)}
    for number, moment in opened.items():
        ops.issue(
            number=number,
            title=f"outage {number}",
            created_at=moment,
            closed_at=moment + timedelta(hours=1),
            labels=LABELS,
        )
    target = [RepoTarget("acme/ops")]
    incremental, fresh = engines("incremental"), engines("fresh")
    emulator = AuditGitHub(dataset)
    with emulator:
        run(emulator, incremental, target, now=FIRST, since=feb(1), labels=LABELS)
        for number in (1, 2, 3):
            ops.relabel_issue(number, ["postmortem"], updated_at=at(11))
        ops.relabel_issue(5, ["INCIDENT"], updated_at=at(11))
        ops.relabel_issue(6, ["sev3"], updated_at=at(11, 1))
        ops.relabel_issue(6, ["sev3", "incident"], updated_at=at(11, 2))
        before, billed = len(emulator.requests), emulator.billed_requests
        run(emulator, incremental, target, now=SECOND, since=feb(1), labels=LABELS)
        asked, cost = issue_asks(emulator, before), emulator.billed_requests - billed
        run(emulator, fresh, target, now=SECOND, since=feb(1), labels=LABELS)
    assert asked == [("/repos/acme/ops/issues/3", 200)]
    assert cost == 2
    assert [row[0] for row in incident_rows(incremental)] == [f"acme/ops#{n}" for n in (1, 2, 4, 5, 6)]
    assert [row[0] for row in incident_rows(fresh)] == [f"acme/ops#{n}" for n in (4, 5, 6)]
    assert incident_rows(incremental)[2:] == incident_rows(fresh)


# ------------------------------------------------------------------------- 4. the metrics after all


def test_removed_deleted_and_transferred_incidents_leave_the_metrics_of_their_team(
    engines: Callable[[str], Engine],
) -> None:
    """The shop after its second sync (``expected_second``), metrics as of 03-12 00:00 over 30d
    (window (02-10, 03-12]), attribution 24 h; web-team owns acme/web (workflow_runs), api-team
    acme/api (deployments).

    web-team: deployments R1, R4, R5, R2 (re-run, 03-11 14:00), R6 = 5 (§6.2). Failed (§6.1): R4 by
    #10 (03-05 02:00, 1.5 h after R4 00:30, R4 the latest before it: window); R5 by the rollback R2
    (behind, its previous deployment R5: rollback); R2 by #16 (03-11 15:00, 1 h after R2, R6 only at
    16:30: window). R1 would be failed by #11 (1.5 h after it) had #11 kept its label: not. CFR 3/5
    = 0.6. Incidents started in the window: #10, #14, #15, #16 = 4 (not #11, #12, #13). Time to
    restore over those resolved in the window: 2, 2, 0.5, 0.5 h → p50 (0.5 + 2) / 2 = 1.25 h.
    api-team: D (03-10 09:00) = 1, failed by acme/api #1 (03-10 10:00, 1 h after: window): CFR 1.0;
    incidents 1; restore 1 h. Organisation ``*``: 6 deployments, 4 failed: 4/6; incidents 5."""
    dataset = GitHubDataset()
    built = build_shop(dataset)
    engine = engines("store")
    emulator = AuditGitHub(dataset)
    with emulator:
        run(emulator, engine, SHOP, now=FIRST, labels=LABELS)
        change_shop(built)
        run(emulator, engine, SHOP, now=SECOND, labels=LABELS)
    window = WindowSpec("30d", 30)
    scopes = [
        RepoScope("acme/web", "web-team", "workflow_runs", "production"),
        RepoScope("acme/api", "api-team", "deployments", "production"),
    ]
    settings = AnalyticsSettings(windows=(window,), attribution_window=timedelta(hours=24))
    result = compute_metrics(engine, scopes, [window], SECOND, settings=settings)
    got = {
        row.team: (
            row.deployments,
            row.change_failure_rate,
            row.incidents,
            row.time_to_restore_hours_p50,
        )
        for row in result.rows
    }
    expected: dict[str, Any] = {
        "*": (6, pytest.approx(4 / 6), 5, pytest.approx(1.0)),
        "web-team": (5, pytest.approx(0.6), 4, pytest.approx(1.25)),
        "api-team": (1, pytest.approx(1.0), 1, pytest.approx(1.0)),
    }
    assert got == expected


# ----------------------------------------------------- 5. re-runs: to failure; and free resyncs


def test_a_successful_run_re_run_to_failure_is_no_deployment_as_a_fresh_sync_finds(
    engines: Callable[[str], Engine],
) -> None:
    """§5.1 workflow_runs: "completed runs ... with conclusion success". After the first sync the
    team re-runs R2 (c2) to roll back, and the new attempt fails (conclusion ``failure``, ends 03-11
    14:00). GitHub's run now says failure: a fresh sync on 03-12 stores R2 as a failed attempt, so
    acme/web's deployments are R1 (first), R4 (compare(c1...c4) ahead 3), R5 (ahead 1); D of acme/api;
    failed attempts R2 (created 03-03) and R3 (03-04). The second sync reads R2 on the runs page it
    reads anyway (its conclusion changed): it must store the same."""
    dataset = GitHubDataset()
    built = build_shop(dataset)
    incremental, fresh = engines("incremental"), engines("fresh")
    emulator = AuditGitHub(dataset)
    with emulator:
        run(emulator, incremental, SHOP, now=FIRST, labels=LABELS)
        rerun(built["web"], built["runs"]["R2"], at(11, 14), conclusion="failure")
        run(emulator, incremental, SHOP, now=SECOND, labels=LABELS)
        run(emulator, fresh, SHOP, now=SECOND, labels=LABELS)
    runs, web = built["runs"], "acme/web"
    expected = [
        (web, runs["R1"], to_db(at(2, 0.5)), "success", "first", 0),
        (web, runs["R4"], to_db(at(5, 0.5)), "success", "ahead", 3),
        (web, runs["R5"], to_db(at(8, 0.5)), "success", "ahead", 1),
        ("acme/api", built["D"], to_db(at(10, 9)), "success", "first", 0),
        (web, runs["R2"], None, "failure", None, None),
        (web, runs["R3"], None, "failure", None, None),
    ]
    assert deployment_rows(fresh) == expected
    assert deployment_rows(incremental) == expected


def young_failed_shop(dataset: GitHubDataset) -> dict[str, Any]:
    """The shop plus R7 (c5 again), created 03-09 12:00, failed at 12:20: a day old on 03-10 12:00."""
    built = build_shop(dataset)
    web: RepoData = built["web"]
    built["runs"]["R7"] = web.workflow_run(
        built["c"][5], created_at=at(9, 12), updated_at=at(9, 12 + 1 / 3), conclusion="failure"
    )
    return built


def test_a_resync_with_nothing_changed_is_free_with_a_young_failed_run_and_incident_issues(
    engines: Callable[[str], Engine],
) -> None:
    """docs/operations.md: "an unchanged repository costs no rate limit (every re-asked URL carries
    its stored ETag and is answered 304)". The shop plus a failed run R7 of 03-09 12:00 (a day old;
    R3, of 03-04 00:00, is 6 d 13 h old: both within the week failed runs are asked again), synced
    on 03-10 12:00, then three times on 03-10 13:00, 14:00, 15:00 against the same emulator with
    nothing changed on GitHub: the runs page, the deployments page, the pulls pages, the issues page,
    the six acme/web incident issues (If-Modified-Since), R3 and R7 are all unchanged: 0 billed each
    time, the store unchanged. (Observed: [2, 0, 0], R3 and R7 asked with no validator.)"""
    dataset = GitHubDataset()
    young_failed_shop(dataset)
    engine = engines("store")
    emulator = AuditGitHub(dataset)
    with emulator:
        run(emulator, engine, SHOP, now=FIRST, labels=LABELS)
        reference = dump(engine)
        billed = []
        for hour in (13, 14, 15):
            before = emulator.billed_requests
            run(emulator, engine, SHOP, now=at(10, hour), labels=LABELS)
            billed.append(emulator.billed_requests - before)
    assert billed == [0, 0, 0]
    assert dump(engine) == reference
