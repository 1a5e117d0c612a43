"""Audit: ``--as-of`` meeting every other rule (SPEC §2, §6, §6.1, §6.2, §6.3), numbers worked out by hand.

SPEC §2: "``--as-of`` evaluates the windows as of that instant …: facts after it are ignored, as if they
had not happened yet". §6: "A window ``Nd`` ending at ``as_of`` is the half-open interval ``(as_of − N
days, as_of]``". Each scenario computes the same store at several instants and checks that every rule
(failures, recovery, restore, incidents, rework, lead times, breakdown, bands) sees only what had
happened by then.

June–July 2026, UTC, attribution window 24 h. Team ``order-team`` owns acme/orders (service ``orders``)
and PagerDuty service P1; team ``payments`` owns PagerDuty service P2 only. The repo's first deployment
(compare ``first``) counts and adds no lead times. Everything goes through ``compute_metrics``, the code
``doraspace metrics`` runs, on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest

from analytics.dora import TeamWindowMetrics
from analytics.metrics import MetricsResult
from analytics.ownership import PagerDutyScope
from analytics.windows import WindowSpec
from tests.analytics import scenario
from tests.analytics.facts import Facts, Review, add_incident, add_label, at, bands, sha
from tests.analytics.scenario import (
    NO_BREAKDOWN,
    P1,
    PAY_TEAM,
    REWORK_LABELS,
    SECOND,
    TEAM,
    W7,
    W30,
    W90,
    approx,
    check,
    day,
    failed_recovered,
    first,
    rows,
    ship,
)

P2 = PagerDutyScope("P2", PAY_TEAM, ())  # payments owns P2 only: no service, so no repo of its own here


def run(
    facts: Facts,
    as_of: datetime,
    *,
    windows: Sequence[WindowSpec] = (W7, W30),
    pagerduty: Sequence[PagerDutyScope] = (P1, P2),
    benchmarks: str = "dora-2023",
    rework_labels: Sequence[str] = (),
) -> MetricsResult:
    """acme/orders as of ``as_of`` (named at every call), 7d and 30d, both PagerDuty services."""
    return scenario.run(
        facts,
        pagerduty=pagerduty,
        windows=windows,
        as_of=as_of,
        benchmarks=benchmarks,
        rework_labels=rework_labels,
    )


def same_week_alone(facts: Facts, result: MetricsResult, as_of: datetime, **kwargs: Any) -> None:
    """The 7d rows computed alone (the deployments before its start are then not read at all) hold the
    same numbers as beside the 30d window; only the bands differ (their window is then 7d)."""
    alone = rows(run(facts, as_of, windows=(W7,), **kwargs))
    for team in ("*", TEAM):
        together = rows(result)[team, "7d"]
        assert dataclasses.replace(alone[team, "7d"], bands={}) == dataclasses.replace(together, bands={})


# -- 1. a revert and a rollback deployed after as_of: nothing failed yet; exactly at as_of: failed ----------


def test_revert_and_rollback_after_as_of_fail_nothing_until_they_are_deployed(facts: Facts) -> None:
    """F0 06-01 (first); D2 06-20 ships c2 (lead 4 h); D3 06-25 ships c3 (lead 2 h); V4 07-01 00:00 ships v,
    authored 06-29 12:00, "This reverts commit <c2>" (lead 36 h); R5 07-02 00:00 rolls back to c3
    (``behind``, previous deployment V4).

    As of 06-30: V4 and R5 have not happened. 30d = (05-31, 06-30]: F0, D2, D3 → 3, 0.1/day; leads 2, 4 →
    p50 3, p90 2 + 0.9 × 2 = 3.8; CFR 0; rework 0; no recovery. v, authored before as_of but not deployed,
    adds nothing. 7d = (06-23, 06-30]: D3 → lead 2. Bands (30d, the longest): 0.1 ≥ 1/30 but < 1/7 →
    medium; 3 h elite; 0 % elite; no failure, no incident → null.

    As of 07-01 00:00, exactly V4: 30d = (06-01, 07-01] (F0 exactly at the start is out): D2, D3, V4 → 3;
    leads 2, 4, 36 → p50 4, p90 4 + 0.8 × 32 = 29.6; D2 failed (revert), recovered at V4, exactly as_of:
    11 days = 264 h; rework V4 (a revert commit) 1/3. 7d = (06-24, 07-01]: D3, V4 → leads 2, 36 → p50 19,
    p90 2 + 0.9 × 34 = 32.6; CFR 0 (D2 is out); rework 1/2. Bands: medium, elite, 33 % low, 264 h ≥ a
    week → low.

    As of 07-02 00:00, exactly R5: 30d = (06-02, 07-02]: D2, D3, V4, R5 → 4 (4/30 < 1/7: medium); leads
    unchanged (R5 has none); failed D2 (revert) and V4 (rollback, recovered at R5: 24 h) → 2/4; recovery
    264, 24 → p50 144 (< a week: medium); rework V4, R5 → 2/4. 7d = (06-25, 07-02]: D3 exactly at the
    start is out; V4, R5 → lead 36; CFR 1/2; recovery 24; rework 2/2.
    """
    first(facts)
    c2 = sha("c2")
    d2 = ship(facts, at(20), [("c2", at(19, 20))])
    d3 = ship(facts, at(25), [("c3", at(24, 22))])
    v4 = ship(facts, day(7, 1), [("v", at(29, 12), f'Revert "Add cart"\n\nThis reverts commit {c2}.')])
    facts.deployment(day(7, 2), sha=sha("c3"), compare="behind")

    before = run(facts, at(30))
    assert failed_recovered(before) == {}
    for team in ("*", TEAM):
        month, week = rows(before)[team, "30d"], rows(before)[team, "7d"]
        check(month, deployments=3, deployment_frequency_per_day=0.1, lead_time_hours_p50=3.0)
        check(month, lead_time_hours_p90=3.8, change_failure_rate=0.0, rework_rate=0.0)
        check(month, failed_deployment_recovery_hours_p50=None, incidents=0)
        check(week, deployments=1, lead_time_hours_p50=2.0, change_failure_rate=0.0, rework_rate=0.0)
        assert month.bands == week.bands == bands("medium", "elite", "elite", None)

    at_revert = run(facts, day(7, 1))
    assert failed_recovered(at_revert) == {d2: (("revert",), day(7, 1))}
    for team in ("*", TEAM):
        month, week = rows(at_revert)[team, "30d"], rows(at_revert)[team, "7d"]
        check(month, deployments=3, lead_time_hours_p50=4.0, lead_time_hours_p90=29.6)
        check(month, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=264.0, rework_rate=1 / 3)
        check(week, deployments=2, lead_time_hours_p50=19.0, lead_time_hours_p90=32.6)
        check(week, change_failure_rate=0.0, rework_rate=0.5, failed_deployment_recovery_hours_p50=None)
        assert month.bands == week.bands == bands("medium", "elite", "low", "low")

    at_rollback = run(facts, day(7, 2))
    assert failed_recovered(at_rollback) == {d2: (("revert",), day(7, 1)), v4: (("rollback",), day(7, 2))}
    assert d3 not in failed_recovered(at_rollback)
    for team in ("*", TEAM):
        month, week = rows(at_rollback)[team, "30d"], rows(at_rollback)[team, "7d"]
        check(month, deployments=4, deployment_frequency_per_day=4 / 30, lead_time_hours_p50=4.0)
        check(month, change_failure_rate=0.5, failed_deployment_recovery_hours_p50=144.0, rework_rate=0.5)
        check(week, deployments=2, lead_time_hours_p50=36.0, lead_time_hours_p90=36.0)
        check(week, change_failure_rate=0.5, failed_deployment_recovery_hours_p50=24.0, rework_rate=1.0)
        assert month.bands == week.bands == bands("medium", "elite", "low", "medium")
    # 7d alone: D2 (reverted by V4) and D3 are before its start; V4 and R5 keep their failure and rework.
    for result, as_of in ((before, at(30)), (at_revert, day(7, 1)), (at_rollback, day(7, 2))):
        same_week_alone(facts, result, as_of)


# -- 2. an incident open across as_of: fails by window, makes rework, restores nothing yet ----------------


def test_incident_open_across_as_of_fails_by_window_makes_rework_and_restores_nothing(facts: Facts) -> None:
    """F0 06-01 (first). I2 (P1) 06-10 00:00 → 05:00: 9 days after F0, fails nothing; restore 5 h.
    D2 06-20 00:00 ships c2 (lead 4 h). I1 (P1) 06-20 02:00 → 07-01 02:00: window → D2.
    D3 06-25 00:00 ships c3 (lead 2 h), while I1 is open: rework.
    I3 on P2 (payments) 06-28 00:00 → 02:00 says "root cause: <c2[:7]>": explicit → D2 (another team's
    service names it); it is payments' incident.

    As of 06-27: I1 open, I3 not started. order 30d (05-28, 06-27]: 3 deployments; CFR 1/3 (D2, window);
    recovery null (I1 open); rework 1/3; incidents I1, I2 → 2; restore I2 only: 5 h. Bands: 0.1/day
    medium; 3 h elite; 33 % low; no recovered failure → restore 5 h → high. 7d (06-20, 06-27]: D2
    exactly at the start is out: D3 → CFR 0, rework 1; I1 started in it; nothing restored in it.

    As of 06-30: D2 also explicit (I3), recovered at I3's resolution (I1 still open): 06-20 00:00 →
    06-28 02:00 = 194 h (≥ a week: low). order incidents still 2, restore 5. payments: 0 deployments,
    incidents 1, restore 2 (bands: low, null, null, high). "*": incidents 3; restore 2, 5 → p50 3.5,
    p90 2 + 0.9 × 3 = 4.7; recovery 194. 7d (06-23, 06-30]: order D3 (rework 1, no incident started);
    "*" incident I3 (restore 2).

    As of 07-02: 30d (06-02, 07-02]: D2, D3 → CFR 1/2, rework 1/2; recovery still 194 (the earlier of I3's
    06-28 02:00 and I1's 07-01 02:00); I1 now restored: 264 h; with I2 5 h → p50 134.5, p90 5 + 0.9 ×
    259 = 238.1; incidents I1, I2 → 2.
    """
    first(facts)
    add_incident(facts, "I2", at(10), resolved_at=at(10, 5))
    d2 = ship(facts, at(20), [("c2", at(19, 20))])
    add_incident(facts, "I1", at(20, 2), resolved_at=day(7, 1, 2))
    d3 = ship(facts, at(25), [("c3", at(24, 22))])
    title = f"Refunds fail, root cause: {sha('c2')[:7]}"
    add_incident(facts, "I3", at(28), resolved_at=at(28, 2), service="P2", title=title)

    early = run(facts, at(27))
    assert failed_recovered(early) == {d2: (("window",), None)}
    for team in ("*", TEAM):
        month, week = rows(early)[team, "30d"], rows(early)[team, "7d"]
        check(month, deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=None)
        check(
            month,
            rework_rate=1 / 3,
            incidents=2,
            time_to_restore_hours_p50=5.0,
            time_to_restore_hours_p90=5.0,
        )
        check(week, deployments=1, change_failure_rate=0.0, rework_rate=1.0, incidents=1)
        check(week, time_to_restore_hours_p50=None)
        assert month.bands == week.bands == bands("medium", "elite", "low", "high")
    check(rows(early)[PAY_TEAM, "30d"], deployments=0, incidents=0, time_to_restore_hours_p50=None)

    then = run(facts, at(30))
    assert failed_recovered(then) == {d2: (("explicit", "window"), at(28, 2))}
    assert d3 not in failed_recovered(then)
    got = rows(then)
    check(
        got[TEAM, "30d"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=194.0
    )
    check(got[TEAM, "30d"], rework_rate=1 / 3, incidents=2, time_to_restore_hours_p50=5.0)
    check(
        got["*", "30d"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=194.0
    )
    check(got["*", "30d"], incidents=3, time_to_restore_hours_p50=3.5, time_to_restore_hours_p90=4.7)
    check(got[PAY_TEAM, "30d"], deployments=0, change_failure_rate=None, incidents=1)
    check(got[PAY_TEAM, "30d"], time_to_restore_hours_p50=2.0, failed_deployment_recovery_hours_p50=None)
    check(got[TEAM, "7d"], deployments=1, rework_rate=1.0, incidents=0, time_to_restore_hours_p50=None)
    check(got["*", "7d"], deployments=1, incidents=1, time_to_restore_hours_p50=2.0)
    for team in ("*", TEAM):
        assert got[team, "30d"].bands == got[team, "7d"].bands == bands("medium", "elite", "low", "low")
    assert got[PAY_TEAM, "7d"].bands == bands("low", None, None, "high")

    # 7d alone: I1, open since before its start, still makes D3 rework; D2 is before it.
    for result, as_of in ((early, at(27)), (then, at(30))):
        same_week_alone(facts, result, as_of)

    later = rows(run(facts, day(7, 2)))[TEAM, "30d"]
    check(
        later,
        deployments=2,
        change_failure_rate=0.5,
        rework_rate=0.5,
        failed_deployment_recovery_hours_p50=194.0,
    )
    check(later, incidents=2, time_to_restore_hours_p50=134.5, time_to_restore_hours_p90=238.1)


# -- 3. an incident starting exactly at as_of names an earlier change: explicit, not the window rule ------


def test_incident_starting_exactly_at_as_of_names_an_earlier_change_not_the_latest(facts: Facts) -> None:
    """F0 06-01; D2 06-28 00:00 ships c2 (lead 4 h); D3 06-29 23:00 ships c3 (lead 1 h). I1 (P1) starts
    06-30 00:00, 1 h after D3 (D3 is the latest deployment of "orders" before it, inside 24 h), but its
    title names c2's first 10 characters: explicit → D2 only, so no window attribution to D3; resolved
    03:00.

    As of 06-29 23:59:59: I1 has not started: nothing failed, incidents 0. 30d holds F0, D2, D3.
    As of 06-30 00:00 (I1's start, inside (as_of − 30 d, as_of]): CFR 1/3 (D2); incidents 1; nothing
    resolved: recovery and restore null, so the recovery band is null. D3 was deployed before I1 opened:
    no rework.
    As of 06-30 03:00 (I1's resolution, inclusive): recovery of D2 06-28 00:00 → 06-30 03:00 = 51 h (<
    a week, not < a day: medium); restore 3 h. Leads 4, 1 → p50 2.5 (elite); 0.1/day medium.
    """
    first(facts)
    d2 = ship(facts, at(28), [("c2", at(27, 20))])
    d3 = ship(facts, at(29, 23), [("c3", at(29, 22))])
    add_incident(facts, "I1", at(30), resolved_at=at(30, 3), title=f"Checkout 500s after {sha('c2')[:10]}")

    before = run(facts, at(30) - SECOND, windows=(W30,))
    assert failed_recovered(before) == {}
    check(rows(before)[TEAM, "30d"], deployments=3, change_failure_rate=0.0, incidents=0, rework_rate=0.0)

    opened = run(facts, at(30), windows=(W30,))
    assert failed_recovered(opened) == {d2: (("explicit",), None)}
    assert d3 not in failed_recovered(opened)
    for team in ("*", TEAM):
        row = rows(opened)[team, "30d"]
        check(row, deployments=3, change_failure_rate=1 / 3, incidents=1, rework_rate=0.0)
        check(row, failed_deployment_recovery_hours_p50=None, time_to_restore_hours_p50=None)
        assert row.bands == bands("medium", "elite", "low", None)

    resolved = run(facts, at(30, 3), windows=(W30,))
    assert failed_recovered(resolved) == {d2: (("explicit",), at(30, 3))}
    for team in ("*", TEAM):
        row = rows(resolved)[team, "30d"]
        check(row, deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=51.0)
        check(row, time_to_restore_hours_p50=3.0, incidents=1, lead_time_hours_p50=2.5)
        assert row.bands == bands("medium", "elite", "low", "medium")


# -- 4. clock skew: changes authored after as_of, deployed before it ----------------------------------


def test_changes_authored_after_as_of_but_deployed_before_it_still_fail_and_are_reverted(
    facts: Facts,
) -> None:
    """A skewed clock: c2 is authored 06-30 03:00 and PR #7's only commit 06-30 05:00, both after as_of
    06-30 00:00, yet D2 shipped them on 06-28 00:00. They are changes of D2 (deployed before as_of); their
    lead times are ≤ 0 and dropped (§5.2).

    * PR #7: opened 06-27 20:00, bob reviews 21:00, squash-merged as s7 at 23:30 (s7 authored then).
      s7 starts at the PR's earliest commit, 06-30 05:00: lead < 0, dropped. Breakdown: coding (05:00 on
      06-30 → opened 06-27 20:00) is negative, dropped; pickup 1 h; review 2.5 h; deploy 0.5 h.
    * I1 on P2 (payments' service) 06-29 12:00, still open, "Refunds failing since <c2[:8]>": explicit →
      D2, whatever the service.
    * V3 06-29 18:00 ships v3 (authored 17:00, lead 1 h), "This reverts commit <c2>": revert → D2, which
      recovers at V3: 42 h (< a week: medium). V3 is rework.

    As of 06-30, 30d: F0, D2, V3 → 3; lead p50 = p90 = 1; CFR 1/3; rework 1/3; order incidents 0,
    payments 1 (open: restore null).
    """
    first(facts)
    c2 = facts.commit(sha("c2"), at(30, 3))
    s7 = facts.commit(sha("s7"), at(27, 23.5))
    facts.pull_request(
        7,
        created_at=at(27, 20),
        merged_at=at(27, 23.5),
        merge_commit_sha=s7,
        commit_dates=[at(30, 5)],
        reviews=[Review("bob", at(27, 21))],
    )
    d2 = facts.deployment(at(28), ships=[c2, s7])
    add_incident(facts, "I1", at(29, 12), service="P2", title=f"Refunds failing since {c2[:8]}")
    ship(facts, at(29, 18), [("v3", at(29, 17), f'Revert "Speed up checkout"\n\nThis reverts commit {c2}.')])

    result = run(facts, at(30), windows=(W30,))
    (failure,) = result.failed_deployments()
    assert (failure.deployment_id, failure.rules, failure.recovered_at) == (
        d2,
        ("explicit", "revert"),
        at(29, 18),
    )
    assert failure.incident_ids == ("pagerduty:I1",)
    got = rows(result)
    for team in ("*", TEAM):
        row = got[team, "30d"]
        check(row, deployments=3, lead_time_hours_p50=1.0, lead_time_hours_p90=1.0)
        check(row, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=42.0, rework_rate=1 / 3)
        assert row.lead_time_breakdown_hours_p50 == {
            "coding": None,
            "pickup": approx(1.0),
            "review": approx(2.5),
            "deploy": approx(0.5),
        }
        assert row.bands == bands("medium", "elite", "low", "medium")
    check(got[TEAM, "30d"], incidents=0)
    check(got[PAY_TEAM, "30d"], incidents=1, time_to_restore_hours_p50=None)
    check(got["*", "30d"], incidents=1, time_to_restore_hours_p50=None)


# -- 5. one failure's life seen from six instants: every window edge met by as_of --------------------------


@pytest.mark.parametrize(
    ("as_of", "expected", "expected_bands"),
    [
        # I not started: F deployed, lead 2 h, 1/7 a day (≥ 1/week: high), CFR 0.
        (
            at(10, 1) - SECOND,
            {"deployments": 1, "change_failure_rate": 0.0, "incidents": 0, "time_to_restore_hours_p50": None},
            bands("high", "elite", "elite", None),
        ),
        # I started exactly at as_of: F failed (window), not recovered; I counts, not restored.
        (
            at(10, 1),
            {"deployments": 1, "change_failure_rate": 1.0, "incidents": 1, "time_to_restore_hours_p50": None},
            bands("high", "elite", "low", None),
        ),
        # I resolved exactly at as_of: recovery 3 h (high), restore 2 h.
        (
            at(10, 3),
            {"deployments": 1, "failed_deployment_recovery_hours_p50": 3.0, "time_to_restore_hours_p50": 2.0},
            bands("high", "elite", "low", "high"),
        ),
        # as_of − 7 d = F's deployed_at: F is out (frequency 0: low; ratios null). I started and was
        # resolved in the window: incidents 1, restore 2 h; no failed deployment → recovery band from 2 h.
        (
            at(17),
            {
                "deployments": 0,
                "change_failure_rate": None,
                "failed_deployment_recovery_hours_p50": None,
                "incidents": 1,
                "time_to_restore_hours_p50": 2.0,
                "lead_time_hours_p50": None,
            },
            bands("low", None, None, "high"),
        ),
        # as_of − 7 d = I's start: I no longer started in the window, but still resolved in it.
        (
            at(17, 1),
            {"deployments": 0, "incidents": 0, "time_to_restore_hours_p50": 2.0},
            bands("low", None, None, "high"),
        ),
        # as_of − 7 d = I's resolution: resolved before the window, nothing to restore.
        (
            at(17, 3),
            {"deployments": 0, "incidents": 0, "time_to_restore_hours_p50": None},
            bands("low", None, None, None),
        ),
    ],
)
def test_one_failure_seen_as_the_as_of_slides_over_every_edge(
    facts: Facts, as_of: datetime, expected: dict[str, Any], expected_bands: dict[str, str | None]
) -> None:
    """F0 06-01 (first: before every 7-day window below). F 06-10 00:00 ships cf (lead 2 h). I (P1)
    06-10 01:00 → 03:00: window → F, recovery 3 h, restore 2 h. One 7d window (its own band window)."""
    first(facts)
    ship(facts, at(10), [("cf", at(9, 22))])
    add_incident(facts, "I", at(10, 1), resolved_at=at(10, 3))
    got = rows(run(facts, as_of, windows=(W7,)))
    for team in ("*", TEAM):
        row = got[team, "7d"]
        check(row, **expected)
        if row.deployments:
            check(row, deployment_frequency_per_day=1 / 7, lead_time_hours_p50=2.0, rework_rate=0.0)
        assert row.bands == expected_bands


# -- 6. bands from the 90-day window while as_of moves the first deployment (a failed one) out of it ------


@pytest.mark.parametrize(
    ("benchmarks", "at_june_30", "at_july_1", "at_july_2"),
    [
        # 06-30: 3/90 = 1/30 a day → medium; lead 20 h → elite; CFR 1/3 → low; recovery 4 h → high.
        # 07-01: 2/90 → low; CFR 0 → elite; no failure: restore 3 h → high. 07-02: restore null → null.
        (
            "dora-2023",
            bands("medium", "elite", "low", "high"),
            bands("low", "elite", "elite", "high"),
            bands("low", "elite", "elite", None),
        ),
        # 2021: 1/30 → high ("≥ 1 / month"), 2/90 ≥ 1/182 → medium; 20 h → high; 33 % > 30 % → low.
        (
            "dora-2021",
            bands("high", "high", "low", "high"),
            bands("medium", "high", "elite", "high"),
            bands("medium", "high", "elite", None),
        ),
    ],
)
def test_bands_follow_the_90d_window_as_the_first_deployment_leaves_it(
    facts: Facts,
    benchmarks: str,
    at_june_30: dict[str, str | None],
    at_july_1: dict[str, str | None],
    at_july_2: dict[str, str | None],
) -> None:
    """F0, the first deployment of the history, 04-02 00:00; I0 (P1) 04-02 01:00 → 04:00 fails it (window):
    recovery 4 h, restore 3 h. D2 05-15 ships c2 (lead 10 h); D3 06-20 ships c3 (lead 30 h).

    As of 06-30: 90d = (04-01, 06-30]: F0, D2, D3 → 3; leads 10, 30 → p50 20 (F0 adds none); CFR 1/3;
    recovery 4; incidents 1; restore 3.
    As of 07-01: 90d = (04-02, 07-01]: F0 exactly at the start is out → 2 deployments, CFR 0, no recovery;
    I0 started 04-02 01:00 and resolved 04:00, both inside: incidents 1, restore 3 (the band falls back).
    As of 07-02: 90d = (04-03, 07-02]: I0 is out too: incidents 0, restore null.
    Lead p50 stays 20 h throughout. Every 30d row (D3 alone: lead 30 h) carries its 90d bands.
    """
    f0 = first(facts, day(4, 2))
    add_incident(facts, "I0", day(4, 2, 1), resolved_at=day(4, 2, 4))
    ship(facts, day(5, 15), [("c2", day(5, 14, 14))])
    ship(facts, at(20), [("c3", at(18, 18))])
    windows = (W30, W90)

    june_30 = run(facts, at(30), windows=windows, benchmarks=benchmarks)
    assert failed_recovered(june_30) == {f0: (("window",), day(4, 2, 4))}
    july_1 = run(facts, day(7, 1), windows=windows, benchmarks=benchmarks)
    july_2 = run(facts, day(7, 2), windows=windows, benchmarks=benchmarks)
    assert failed_recovered(july_1) == failed_recovered(july_2) == {}
    for team in ("*", TEAM):
        ninety = rows(june_30)[team, "90d"]
        check(ninety, deployments=3, deployment_frequency_per_day=1 / 30, lead_time_hours_p50=20.0)
        check(ninety, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=4.0)
        check(ninety, incidents=1, time_to_restore_hours_p50=3.0)
        ninety = rows(july_1)[team, "90d"]
        check(ninety, deployments=2, deployment_frequency_per_day=2 / 90, lead_time_hours_p50=20.0)
        check(ninety, change_failure_rate=0.0, failed_deployment_recovery_hours_p50=None)
        check(ninety, incidents=1, time_to_restore_hours_p50=3.0)
        ninety = rows(july_2)[team, "90d"]
        check(ninety, deployments=2, change_failure_rate=0.0, incidents=0, time_to_restore_hours_p50=None)
        for result, expected in ((june_30, at_june_30), (july_1, at_july_1), (july_2, at_july_2)):
            month = rows(result)[team, "30d"]
            check(month, deployments=1, lead_time_hours_p50=30.0, change_failure_rate=0.0)
            assert month.bands == rows(result)[team, "90d"].bands == expected, (team, month.as_of)


# -- 7. a hotfix PR merged (and reviewed) exactly at as_of; a PR merged before as_of, deployed after -------


def test_hotfix_merged_exactly_at_as_of_is_rework_from_that_instant(facts: Facts) -> None:
    """Hotfix PR #5 (erin, label ``hotfix``): its commit h1 ("pr5-c0", authored 06-29 20:00) is deployed
    from its branch by D2 at 22:00 (lead 2 h: h1 is no PR's merge commit). Opened 20:30; bob approves at
    06-30 00:00, the very instant the PR is merged with a merge commit m5. PR #6 (label ``bug``): first
    commit 06-29 08:00, opened 09:00, carol reviews 10:00, squash-merged as s6 at 12:00. D3 06-30 01:00
    ships s6, f3 (authored 00:30) and m5 (a merge commit: no change).

    As of 06-29 23:59:59: PR #5 is not merged: D2 is no rework (0/2). As of 06-30 00:00 (merged at as_of,
    inclusive): D2 ships a change of a merged PR labelled hotfix: rework 1/2. Neither PR is deployed yet
    (their merge commits ship with D3, after as_of): no breakdown. Lead h1 2 h.

    As of 06-30 02:00: 3 deployments; rework D2 only (D3 ships m5, no change, and s6 of a ``bug`` PR): 1/3.
    Leads h1 2, s6 from 06-29 08:00 17, f3 0.5 → p50 2, p90 2 + 0.8 × 15 = 14. Breakdown: PR #5 coding
    0.5, pickup 3.5, review 0 (reviewed at the merge: kept), deploy 1; PR #6 coding 1, pickup 1, review 2,
    deploy 13 → medians 0.75, 2.25, 1, 7.
    """
    first(facts)
    h1 = facts.commit("pr5-c0", at(29, 20))
    facts.deployment(at(29, 22), ships=[h1])  # D2
    m5 = facts.commit(sha("m5"), at(30), parents=2)
    facts.pull_request(
        5,
        created_at=at(29, 20.5),
        merged_at=at(30),
        merge_commit_sha=m5,
        commit_dates=[at(29, 20)],
        reviews=[Review("bob", at(30))],
        author="erin",
    )
    add_label(facts, 5, "hotfix")
    s6 = facts.commit(sha("s6"), at(29, 12))
    facts.pull_request(
        6,
        created_at=at(29, 9),
        merged_at=at(29, 12),
        merge_commit_sha=s6,
        commit_dates=[at(29, 8)],
        reviews=[Review("carol", at(29, 10), "COMMENTED")],
    )
    add_label(facts, 6, "bug")
    f3 = facts.commit(sha("f3"), at(30, 0.5))
    facts.deployment(at(30, 1), ships=[s6, f3, m5])

    def team_row(as_of: datetime) -> TeamWindowMetrics:
        result = run(facts, as_of, windows=(W30,), rework_labels=REWORK_LABELS)
        assert failed_recovered(result) == {}
        team, organisation = rows(result)[TEAM, "30d"], rows(result)["*", "30d"]
        assert organisation == dataclasses.replace(team, team="*")  # one repo: the same numbers
        return team

    check(team_row(at(30) - SECOND), deployments=2, rework_rate=0.0, lead_time_hours_p50=2.0)
    merged = team_row(at(30))
    check(merged, deployments=2, rework_rate=0.5, lead_time_hours_p50=2.0, lead_time_hours_p90=2.0)
    assert merged.lead_time_breakdown_hours_p50 == NO_BREAKDOWN
    shipped = team_row(at(30, 2))
    check(shipped, deployments=3, rework_rate=1 / 3, lead_time_hours_p50=2.0, lead_time_hours_p90=14.0)
    assert shipped.lead_time_breakdown_hours_p50 == {
        "coding": approx(0.75),
        "pickup": approx(2.25),
        "review": approx(1.0),
        "deploy": approx(7.0),
    }


# -- 8. a branch deployed, then main fast-forwarded to it: the PR merges after its deployment ---------------


def test_pull_request_merged_by_fast_forward_after_its_deployment_changes_start_at_as_of(
    facts: Facts,
) -> None:
    """Hotfix PR #5 (erin, label ``hotfix``) has commits pr5-c0 (authored 06-29 10:00) and pr5-c1 (20:00);
    D2 deploys its branch at 22:00 (compare ``ahead``: both are changes). Opened 20:30; bob approves at
    06-30 00:00 and main is fast-forwarded to the branch at that instant: GitHub records the PR merged at
    00:00 with merge_commit_sha = pr5-c1, already deployed by D2.

    As of 06-29 23:59:59 the PR is not merged (§2: "as if they had not happened yet"): pr5-c1 starts at
    its own date → leads 12 h (pr5-c0) and 2 h → p50 7, p90 2 + 0.9 × 10 = 11; no rework; no breakdown.
    As of 06-30 00:00 it is (inclusive): pr5-c1 is the merge commit of PR #5, so it starts at the PR's
    earliest commit (§5.2): 10:00 → 12 h; leads 12, 12. D2 ships a change of a merged PR labelled hotfix:
    rework 1/2. PR #5 is deployed by D2 (the deployment that shipped its merge commit): coding 10:00 →
    20:30 = 10.5 h, pickup 3.5 h, review 0 h (kept), deploy 22:00 − 00:00 < 0 (dropped) → null.
    """
    first(facts)
    c0, c1 = facts.commit("pr5-c0", at(29, 10)), facts.commit("pr5-c1", at(29, 20))
    facts.deployment(at(29, 22), ships=[c0, c1])
    facts.pull_request(
        5,
        created_at=at(29, 20.5),
        merged_at=at(30),
        merge_commit_sha=c1,
        commit_dates=[at(29, 10), at(29, 20)],
        reviews=[Review("bob", at(30))],
        author="erin",
    )
    add_label(facts, 5, "hotfix")

    before = rows(run(facts, at(30) - SECOND, rework_labels=REWORK_LABELS))
    merged = rows(run(facts, at(30), rework_labels=REWORK_LABELS))
    for as_of, result in ((at(30) - SECOND, before), (at(30), merged)):
        alone = rows(run(facts, as_of, windows=(W7,), rework_labels=REWORK_LABELS))
        assert dataclasses.replace(alone[TEAM, "7d"], bands={}) == dataclasses.replace(
            result[TEAM, "7d"], bands={}
        )
    for team in ("*", TEAM):
        for window in ("7d", "30d"):
            deployments = 1 if window == "7d" else 2
            row = before[team, window]
            check(row, deployments=deployments, lead_time_hours_p50=7.0, lead_time_hours_p90=11.0)
            check(row, rework_rate=0.0, change_failure_rate=0.0)
            assert row.lead_time_breakdown_hours_p50 == NO_BREAKDOWN
            row = merged[team, window]
            check(row, deployments=deployments, lead_time_hours_p50=12.0, lead_time_hours_p90=12.0)
            check(row, rework_rate=1 / deployments, change_failure_rate=0.0)
            assert row.lead_time_breakdown_hours_p50 == {
                "coding": approx(10.5),
                "pickup": approx(3.5),
                "review": approx(0.0),
                "deploy": None,
            }
