"""Audit, round 6: deployments from ``workflow_runs`` where a re-run meets another rule (SPEC §5.1, §5.2,
§6.1, §6.2; docs/operations.md on re-runs, docs/metrics.md on attempts, rollbacks and rework).

SPEC §5.1: "workflow_runs: completed runs of workflow on the default branch with conclusion success;
deployed_at = the run's updated_at; sha = head_sha". GitHub re-runs a run in place: it keeps its id and
created_at and ends again at a new ``updated_at``. docs/operations.md: "a run re-run, say the run of the
last good commit re-run as a rollback, is a deployment at its new updated_at … and a successful run re-run
to failure is a failed attempt". So a run is one row: one deployment at most, at the instant of its last
successful end; its earlier successes are gone. The store is written here exactly as the collector writes
it (``collector.writer``: ``write_deployments`` for the run, ``unsettle_runs`` for a re-run to failure,
``write_compares`` for each compare ``sync_compares`` derives again when the order of the runs changed), and
the metrics are computed before and after the re-run on the same store, as a running daemon does
(docs/metrics.md "Kept between snapshots": a deployment re-derived in place must change the numbers).

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC; 30d = (05-31 00:00, 06-30 00:00], 7d = (06-23 00:00,
06-30 00:00]. acme/orders (team order-team, service ``orders``, PagerDuty service P1) deploys from
``workflow_runs``. Attribution window 24 h, benchmarks dora-2023. percentile_cont of sorted v0 … v(n−1) at
p: r = p(n−1), v⌊r⌋ + (r − ⌊r⌋)(v⌊r⌋+1 − v⌊r⌋).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from analytics.metrics import MetricsResult
from analytics.ownership import RepoScope
from analytics.windows import WindowSpec
from collector.models import CommitFact, CompareFact, DeploymentFact
from collector.writer import unsettle_runs, write_compares, write_deployments
from tests.analytics.facts import PRODUCTION, REPO, Facts, add_incident, at, sha
from tests.analytics.scenario import P1, TEAM, W7, W30, check, failed, failed_recovered, rows, run

RUNS = "workflow_runs"
WF = RepoScope(repo=REPO, team=TEAM, source=RUNS, environment=PRODUCTION, service="orders")
FIRST = sha("first-run")


@pytest.fixture
def facts() -> Facts:
    """An in-memory DuckDB store (the module's time budget; the SQL is the same on PostgreSQL)."""
    return Facts.in_memory()


def ended(
    facts: Facts,
    run_id: int,
    head: str,
    created_at: datetime,
    updated_at: datetime,
    conclusion: str = "success",
) -> None:
    """Run ``run_id`` of ``head`` completed (again) at ``updated_at``, as ``parse_workflow_run`` reads it and
    ``write_deployments`` stores it: a deployment at ``updated_at`` when it succeeded, else an attempt."""
    fact = DeploymentFact(
        repo=REPO,
        source=RUNS,
        deployment_id=run_id,
        environment=PRODUCTION,
        sha=head,
        ref="main",
        created_at=created_at,
        deployed_at=updated_at if conclusion == "success" else None,
        last_state=conclusion,
    )
    with facts.engine.begin() as conn:
        write_deployments(conn, [fact])


def rerun_failed(facts: Facts, run_id: int, updated_at: datetime) -> None:
    """A stored success re-run to failure, as the collector undoes it (``unsettle_runs``)."""
    with facts.engine.begin() as conn:
        assert unsettle_runs(conn, REPO, [(run_id, updated_at, "failure")]) == 1


def compared(
    facts: Facts,
    run_id: int,
    head: str,
    base: tuple[int, str] | None,
    status: str,
    commits: Sequence[tuple[str, datetime]] = (),
) -> None:
    """The compare of ``run_id`` with its previous run ``base`` (id, sha), as ``sync_compares`` writes it
    (replacing any earlier one); ``commits`` are (sha, author date), single-parent."""
    fact = CompareFact(
        repo=REPO,
        source=RUNS,
        deployment_id=run_id,
        base_deployment_id=None if base is None else base[0],
        base_sha=None if base is None else base[1],
        head_sha=head,
        status=status,
        total_commits=len(commits),
        commits=tuple(
            CommitFact(
                sha=c, parents=(f"{c}-parent",), author_date=d, committed_date=d, message=f"commit {c}"
            )
            for c, d in commits
        ),
    )
    with facts.engine.begin() as conn:
        write_compares(conn, [fact])


def first_run(facts: Facts) -> None:
    """Run 100 of FIRST at 06-01 00:00, the first of the collected history: counts, unknown changes
    (compare ``first``)."""
    run_id, deployed_at = 100, at(1)
    ended(facts, run_id, FIRST, deployed_at - timedelta(minutes=10), deployed_at)
    compared(facts, run_id, FIRST, None, "first")


def metrics(facts: Facts, windows: Sequence[WindowSpec] = (W30,)) -> MetricsResult:
    return run(facts, (WF,), (P1,), windows=windows)


def test_failed_attempt_re_run_to_success_deploys_at_the_re_runs_end_against_open_incidents(
    facts: Facts,
) -> None:
    """Run 501 of c1 (c1 authored 06-09 12:00) is created 06-10 09:00 and fails: an attempt. Incident A on P1
    starts 06-10 10:00 (resolved 06-10 12:30). Run 501 is re-run and succeeds at 06-10 12:00 (updated_at).
    Incident B starts 06-10 14:00, resolved 06-10 16:00. First run 100 at 06-01 00:00.

    Before the re-run (501 an attempt): deployments 1 (run 100); lead null; A (10:00) and B (14:00) have as
    latest deployment run 100 (06-01), more than 24 h before: CFR 0/1 = 0.0; rework 0/1 = 0.0 (an attempt
    is no deployment, SPEC §5.1); TTR A 2.5 h, B 2.0 h: p50 2.25, p90 2.0 + 0.9 × 0.5 = 2.45; incidents 2.

    After (501 deployed at its updated_at 06-10 12:00, compare ahead of run 100, ships c1): deployments 2;
    lead c1 = 06-10 12:00 − 06-09 12:00 = 24.0 h (p50 = p90 = 24.0). A started 10:00, before 501: the
    latest deployment before A is still run 100, out of window: A fails nothing; but 501 is deployed while A
    is open (10:00 ≤ 12:00 < 12:30): rework. B at 14:00 ∈ (12:00, 06-11 12:00], 501 its latest
    deployment: 501 failed (window), recovered at B's resolution: 16:00 − 12:00 = 4.0 h. CFR 1/2 = 0.5,
    rework 1/2 = 0.5. Had the attempt's created_at (09:00) been the deployment instant, A would fail 501
    and it would not be rework.
    """
    first_run(facts)
    c1 = facts.commit(sha("c1"), at(9, 12))
    ended(facts, 501, c1, at(10, 9), at(10, 9.5), "failure")
    add_incident(facts, "A", at(10, 10), resolved_at=at(10, 12.5))
    add_incident(facts, "B", at(10, 14), resolved_at=at(10, 16))

    before = rows(metrics(facts))[(TEAM, "30d")]
    check(
        before,
        deployments=1,
        deployment_frequency_per_day=1 / 30,
        lead_time_hours_p50=None,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        time_to_restore_hours_p50=2.25,
        time_to_restore_hours_p90=2.45,
        incidents=2,
        rework_rate=0.0,
    )

    ended(facts, 501, c1, at(10, 9), at(10, 12))  # the re-run succeeds
    compared(facts, 501, c1, (100, FIRST), "ahead", [(c1, at(9, 12))])
    result = metrics(facts)
    check(
        rows(result)[(TEAM, "30d")],
        deployments=2,
        deployment_frequency_per_day=2 / 30,
        lead_time_hours_p50=24.0,
        lead_time_hours_p90=24.0,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=4.0,
        time_to_restore_hours_p50=2.25,
        incidents=2,
        rework_rate=0.5,
    )
    assert failed_recovered(result) == {501: (("window",), at(10, 16))}


def test_success_re_run_to_failure_hands_its_commit_and_its_failure_to_the_next_run(facts: Facts) -> None:
    """First run 100 (06-01). Run 601 of c1 (authored 06-09 00:00) succeeds 06-10 00:00; run 602 of c2
    (authored 06-11 00:00) succeeds 06-12 00:00, compare ahead of 601 shipping c2. Incident X starts
    06-10 06:00, resolved 06-10 08:00.

    Before: deployments 3; lead c1 = 24 h, c2 = 24 h: p50 = p90 = 24.0. X ∈ (06-10 00:00, 06-11 00:00], 601
    the latest deployment before it: 601 failed (window), recovered 8.0 h after. CFR 1/3; rework 0/3.

    Then 601 is re-run and fails (updated_at 06-13 00:00): an attempt now, no deployment (docs/operations.md),
    its compare gone; ``sync_compares`` compares 602 with run 100 again: ahead, shipping c1 and c2. After:
    deployments 2; lead c1 = 06-12 − 06-09 = 72 h, c2 = 24 h: p50 48.0, p90 24 + 0.9 × 48 = 67.2. X's latest
    deployment is run 100 (06-01), out of window: no failure; CFR 0/2 = 0.0, recovery null (TTR 2.0 stays).
    """
    first_run(facts)
    c1 = facts.commit(sha("c1"), at(9))
    c2 = facts.commit(sha("c2"), at(11))
    ended(facts, 601, c1, at(9, 23), at(10))
    compared(facts, 601, c1, (100, FIRST), "ahead", [(c1, at(9))])
    ended(facts, 602, c2, at(11, 23), at(12))
    compared(facts, 602, c2, (601, c1), "ahead", [(c2, at(11))])
    add_incident(facts, "X", at(10, 6), resolved_at=at(10, 8))

    result = metrics(facts)
    check(
        rows(result)[(TEAM, "30d")],
        deployments=3,
        lead_time_hours_p50=24.0,
        lead_time_hours_p90=24.0,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=8.0,
        time_to_restore_hours_p50=2.0,
        rework_rate=0.0,
    )
    assert failed(result) == {601: ("window",)}

    rerun_failed(facts, 601, at(13))
    compared(facts, 602, c2, (100, FIRST), "ahead", [(c1, at(9)), (c2, at(11))])
    result = metrics(facts)
    check(
        rows(result)[(TEAM, "30d")],
        deployments=2,
        deployment_frequency_per_day=2 / 30,
        lead_time_hours_p50=48.0,
        lead_time_hours_p90=67.2,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        time_to_restore_hours_p50=2.0,
        incidents=1,
        rework_rate=0.0,
    )
    assert failed(result) == {}


def test_rollback_by_re_running_an_older_run_inside_the_incidents_window(facts: Facts) -> None:
    """First run 100 (06-01). Run 701 of c1 (authored 06-14 00:00) succeeds 06-15 00:00; run 702 of c2 (c1's
    child, authored 06-15 12:00) succeeds 06-16 00:00. Incident I starts 06-16 02:00, resolved 06-16 10:00.

    Before: deployments 3; lead c1 = 24 h, c2 = 12 h: p50 18.0, p90 12 + 0.9 × 12 = 22.8. I's latest
    deployment is 702 (2 h before): 702 failed (window), recovered at 10:00: 10.0 h. CFR 1/3, rework 0/3
    (702 deployed before I started).

    At 06-16 03:00 run 701 is re-run as a rollback: it ends again, its one row now deployed 06-16 03:00; its
    success of 06-15 is gone. ``sync_compares`` orders the runs 100, 702, 701: 702 against 100 (ahead, c1
    and c2), 701 against 702 (behind). After: deployments 3 (the re-run adds none); lead c1 = 06-16 00:00 −
    06-14 00:00 = 48 h, c2 = 12 h: p50 30.0, p90 12 + 0.9 × 36 = 44.4. 702 failed by window and rollback
    (the rollback's previous deployment is 702, though its run id is higher), recovered at the earliest of
    I's resolution (10:00) and the rollback (03:00): 3.0 h. 701 is rework (a rollback, and deployed while
    I is open), counted once: rework 1/3. 701 started after I: the window rule does not fail it.
    CFR 1/3; TTR 8.0; incidents 1.
    """
    first_run(facts)
    c1 = facts.commit(sha("c1"), at(14))
    c2 = facts.commit(sha("c2"), at(15, 12))
    ended(facts, 701, c1, at(14, 23), at(15))
    compared(facts, 701, c1, (100, FIRST), "ahead", [(c1, at(14))])
    ended(facts, 702, c2, at(15, 23), at(16))
    compared(facts, 702, c2, (701, c1), "ahead", [(c2, at(15, 12))])
    add_incident(facts, "I", at(16, 2), resolved_at=at(16, 10))

    result = metrics(facts)
    check(
        rows(result)[(TEAM, "30d")],
        deployments=3,
        lead_time_hours_p50=18.0,
        lead_time_hours_p90=22.8,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=10.0,
        rework_rate=0.0,
    )
    assert failed(result) == {702: ("window",)}

    ended(facts, 701, c1, at(14, 23), at(16, 3))  # the re-run: same id and created_at, a new updated_at
    compared(facts, 702, c2, (100, FIRST), "ahead", [(c1, at(14)), (c2, at(15, 12))])
    compared(facts, 701, c1, (702, c2), "behind")
    result = metrics(facts)
    check(
        rows(result)[(TEAM, "30d")],
        deployments=3,
        deployment_frequency_per_day=3 / 30,
        lead_time_hours_p50=30.0,
        lead_time_hours_p90=44.4,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=3.0,
        time_to_restore_hours_p50=8.0,
        incidents=1,
        rework_rate=1 / 3,
    )
    rules, recovered_at = failed_recovered(result)[702]
    assert (sorted(rules), recovered_at) == (["rollback", "window"], at(16, 3))
    assert set(failed(result)) == {702}


def test_failed_attempts_during_an_open_incident_are_no_rework_and_no_deployment(facts: Facts) -> None:
    """First run 100 (06-01). Incident J on P1: 06-20 00:00 → 06-20 06:00. During J run 801 of c1 (authored
    06-19 19:00) fails at 06-20 01:00 and run 803 of c1 fails at 06-20 03:00 (attempts); 801 is re-run and
    succeeds at 06-20 07:00, after J resolved: not rework. Incident L: 06-22 00:00 → 06-22 04:00. During L
    run 804 of c2 fails at 06-22 01:00 (attempt); run 805 of c2 (authored 06-21 20:00) succeeds at
    06-22 02:00, while L is open: rework.

    Deployments 3 (100, 801 at 06-20 07:00, 805); the attempts neither count nor make rework: rework 1/3.
    J's latest deployment is run 100 (06-01) and L's is 801 (06-20 07:00, 41 h before L): out of the 24 h
    window, so CFR 0/3 = 0.0, recovery null. Lead c1 = 06-20 07:00 − 06-19 19:00 = 12 h, c2 = 06-22 02:00
    − 06-21 20:00 = 6 h: p50 9.0, p90 6 + 0.9 × 6 = 11.4. TTR J 6 h, L 4 h: p50 5.0, p90 4 + 0.9 × 2 = 5.8;
    incidents 2.
    """
    first_run(facts)
    c1 = facts.commit(sha("c1"), at(19, 19))
    c2 = facts.commit(sha("c2"), at(21, 20))
    add_incident(facts, "J", at(20), resolved_at=at(20, 6))
    add_incident(facts, "L", at(22), resolved_at=at(22, 4))
    ended(facts, 801, c1, at(20, 0.5), at(20, 1), "failure")
    ended(facts, 803, c1, at(20, 2.5), at(20, 3), "failure")
    ended(facts, 801, c1, at(20, 0.5), at(20, 7))  # re-run of 801 succeeds
    compared(facts, 801, c1, (100, FIRST), "ahead", [(c1, at(19, 19))])
    ended(facts, 804, c2, at(22, 0.5), at(22, 1), "cancelled")
    ended(facts, 805, c2, at(22, 1.5), at(22, 2))
    compared(facts, 805, c2, (801, c1), "ahead", [(c2, at(21, 20))])

    result = metrics(facts)
    check(
        rows(result)[(TEAM, "30d")],
        deployments=3,
        deployment_frequency_per_day=0.1,
        lead_time_hours_p50=9.0,
        lead_time_hours_p90=11.4,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        time_to_restore_hours_p50=5.0,
        time_to_restore_hours_p90=5.8,
        incidents=2,
        rework_rate=1 / 3,
    )
    assert failed(result) == {}


def test_latest_run_re_run_moves_into_the_week_and_into_the_incidents_window(facts: Facts) -> None:
    """Windows 7d and 30d (bands from 30d). First run 100 (06-01). Run 901 of c1 (authored 06-22 00:00)
    succeeds 06-22 12:00, compare ahead of 100. Incident M on P1 starts 06-24 03:00, resolved 06-24 05:00.

    Before: 7d (06-23, 06-30]: no deployment: deployments 0, frequency 0.0, CFR null, rework null; M
    counts (incidents 1, TTR 2.0). 30d: deployments 2, lead c1 12.0 h; M's latest deployment 901 ended
    06-22 12:00, 39 h before: CFR 0/2 = 0.0.

    Then 901 is re-run (same commit, same previous run, so its compare stands) and succeeds again at
    06-23 06:00: one deployment still, now at 06-23 06:00. 7d: deployments 1, frequency 1/7, lead c1 =
    06-23 06:00 − 06-22 00:00 = 30.0 h; M at 06-24 03:00 ∈ (06-23 06:00, 06-24 06:00]: 901 failed
    (window), recovered at 06-24 05:00: 23.0 h; CFR 1/1 = 1.0; rework 0/1. 30d: deployments 2 (not 3: a
    re-run is the same run), frequency 2/30, lead 30.0, CFR 1/2 = 0.5, recovery 23.0, rework 0.0. Bands
    (30d): 2/30 ≈ 0.067/day ≥ 1/30 but < 1/7 → medium; 30 h < 1 week → high; 50 % → low; 23 h < 1 day → high.
    """
    first_run(facts)
    c1 = facts.commit(sha("c1"), at(22))
    ended(facts, 901, c1, at(22, 11), at(22, 12))
    compared(facts, 901, c1, (100, FIRST), "ahead", [(c1, at(22))])
    add_incident(facts, "M", at(24, 3), resolved_at=at(24, 5))

    before = rows(metrics(facts, (W7, W30)))
    check(
        before[(TEAM, "7d")],
        deployments=0,
        deployment_frequency_per_day=0.0,
        lead_time_hours_p50=None,
        change_failure_rate=None,
        incidents=1,
        time_to_restore_hours_p50=2.0,
        rework_rate=None,
    )
    check(before[(TEAM, "30d")], deployments=2, lead_time_hours_p50=12.0, change_failure_rate=0.0)

    ended(facts, 901, c1, at(22, 11), at(23, 6))
    result = metrics(facts, (W7, W30))
    after = rows(result)
    check(
        after[(TEAM, "7d")],
        deployments=1,
        deployment_frequency_per_day=1 / 7,
        lead_time_hours_p50=30.0,
        lead_time_hours_p90=30.0,
        change_failure_rate=1.0,
        failed_deployment_recovery_hours_p50=23.0,
        incidents=1,
        rework_rate=0.0,
    )
    check(
        after[(TEAM, "30d")],
        deployments=2,
        deployment_frequency_per_day=2 / 30,
        lead_time_hours_p50=30.0,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=23.0,
        rework_rate=0.0,
    )
    assert (
        after[(TEAM, "30d")].bands
        == after[(TEAM, "7d")].bands
        == {
            "deployment_frequency": "medium",
            "lead_time": "high",
            "change_failure_rate": "low",
            "recovery": "high",
        }
    )
    assert failed_recovered(result) == {901: (("window",), at(24, 5))}


def test_re_running_the_historys_first_run_makes_the_next_run_first_and_rolls_it_back(facts: Facts) -> None:
    """Run 100 of a (the first of the collected history) succeeds 06-01 00:00; run 101 of b (a's child,
    authored 06-25 00:00) succeeds 06-25 12:00, ahead of 100 shipping b: lead 12.0 h. Incident N starts
    06-25 14:00, resolved 06-25 20:00.

    Before: deployments 2; lead 12.0; N's latest deployment is 101 (2 h before): failed (window), recovered
    06-25 20:00: 8.0 h. CFR 1/2, rework 0/2.

    At 06-25 15:00 run 100 is re-run as a rollback: its only deployment is now at 06-25 15:00, the one of
    06-01 is gone. ``sync_compares`` orders 101, 100: 101 is the first of the collected history (compare
    ``first``: counts, unknown changes, no lead times, SPEC §5.2), 100 is behind 101, a rollback whose
    previous deployment is 101. After: deployments 2; lead null (b is no change of anyone: the first
    deployment shipped it); 101 failed by window and rollback, recovered at the rollback, 15:00 − 12:00 =
    3.0 h (before N's 20:00); 100 rework (rollback, and deployed while N is open): 1/2. CFR 1/2.
    """
    a, b = FIRST, facts.commit(sha("b"), at(25))
    first_run(facts)
    ended(facts, 101, b, at(25, 11), at(25, 12))
    compared(facts, 101, b, (100, a), "ahead", [(b, at(25))])
    add_incident(facts, "N", at(25, 14), resolved_at=at(25, 20))

    result = metrics(facts)
    check(
        rows(result)[(TEAM, "30d")],
        deployments=2,
        lead_time_hours_p50=12.0,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=8.0,
        rework_rate=0.0,
    )
    assert failed(result) == {101: ("window",)}

    ended(facts, 100, a, at(1) - timedelta(minutes=10), at(25, 15))
    compared(facts, 101, b, None, "first")
    compared(facts, 100, a, (101, b), "behind")
    result = metrics(facts)
    check(
        rows(result)[(TEAM, "30d")],
        deployments=2,
        deployment_frequency_per_day=2 / 30,
        lead_time_hours_p50=None,
        lead_time_hours_p90=None,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=3.0,
        time_to_restore_hours_p50=6.0,
        incidents=1,
        rework_rate=0.5,
    )
    rules, recovered_at = failed_recovered(result)[101]
    assert (sorted(rules), recovered_at) == (["rollback", "window"], at(25, 15))
    assert set(failed(result)) == {101}
