"""Audit, round 6: failures, recovery and rework where they meet the window and ``as_of`` edges (SPEC §2,
§6, §6.1–§6.3; docs/metrics.md where SPEC leaves a choice). Every expected number is worked out by hand
in the test's docstring.

June 2026 (``at(day, hour)``), UTC, as of 06-30 00:00 unless a scenario says otherwise: 7d = (06-23
00:00, 06-30 00:00], 30d = (05-31 00:00, 06-30 00:00]. Attribution window 24 h, benchmarks dora-2023.
Team ``order-team`` owns acme/orders (service ``orders``) and PagerDuty service P1; ``payments`` owns
acme/pay (service ``pay``) and P2. A repo's first deployment (``first``) has compare ``first``: it
counts, adds no lead times. Everything goes through ``compute_metrics`` / ``compute_metrics_points``
(what ``doraspace metrics`` and the snapshot run). DuckDB only (in memory), to keep the module within
its time budget; the SQL is the same on PostgreSQL and the earlier audits run both.

SPEC sentences the scenarios lean on:

* §2 ``--as-of``: "facts after it are ignored, as if they had not happened yet"; §6 "A window ``Nd``
  ending at ``as_of`` is the half-open interval ``(as_of − N days, as_of]``";
* §6.1 rule 4 (window): "an incident with no explicit link started in ``(F.deployed_at, F.deployed_at +
  attribution_window]``, on a PagerDuty service or repo of F's service (§4), and F is the latest
  deployment of that service before the incident started"; rule 1 (explicit), 2 (rollback: "a later
  deployment … is a rollback whose previous deployment is F"), 3 (revert);
* §6.2 ``change_failure_rate`` "failed deployments ÷ deployments, both in the window"; recovery "over
  failed deployments in the window that have recovered by ``as_of``: from F.deployed_at to the earliest
  of the resolution of an incident that failed it (explicit/window) and the deployed_at of its rollback
  or revert deployment"; restore "over incidents resolved in the window"; incidents "that started in
  the window"; rework "a rollback, contains a revert commit, contains a change from a PR labelled with a
  ``rework.labels`` label, or was deployed while an incident of its service was open";
* §6.3 recovery band "falling back to time_to_restore_hours_p50 where the team has no failed deployment
  with a recovery"; bands from the 90-day window "(or the longest configured)";
* docs/metrics.md: "An incident resolved after ``as_of`` is still open as of ``as_of``"; the sweep puts
  "an incident before a deployment at the same instant" and a deployment at an incident's start is
  rework; a labelled PR makes rework "from its merge"; the snapshot's points (its own ``as_of``, one
  longest window earlier, the end of each of the last weeks) each give "what computing that as_of alone
  would give".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from analytics.assembly import WEEK, week_ends
from analytics.dora import MetricPoint, TeamWindowMetrics
from analytics.metrics import MetricsResult, compute_metrics_points
from analytics.ownership import PagerDutyScope
from analytics.settings import AnalyticsSettings
from tests.analytics.facts import AS_OF, Facts, Review, add_incident, add_label, at, bands, sha
from tests.analytics.scenario import (
    FIRST_SHA,
    LATER,
    NO_BREAKDOWN,
    ORDERS,
    P1,
    P2,
    PAY,
    PAY_REPO,
    PAY_TEAM,
    REWORK_LABELS,
    SECOND,
    TEAM,
    W7,
    W30,
    approx,
    check,
    day,
    failed_recovered,
    first,
    rollback,
    rows,
    run,
)

P2_ONLY = PagerDutyScope("P2", PAY_TEAM, ())  # payments' PagerDuty service, no repo of its own here


@pytest.fixture
def facts() -> Iterator[Facts]:
    """A fresh in-memory DuckDB store (this module's own: one backend keeps it within its budget)."""
    built = Facts.in_memory()
    try:
        yield built
    finally:
        built.engine.dispose()


def deploy(
    facts: Facts,
    deployed_at: datetime,
    name: str,
    lead_hours: float,
    *,
    repo: str = ORDERS.repo,
    message: str = "",
) -> int:
    """A deployment shipping one direct commit ``sha(name)`` authored ``lead_hours`` before it."""
    commit = facts.commit(sha(name), deployed_at - timedelta(hours=lead_hours), repo=repo, message=message)
    return facts.deployment(deployed_at, ships=[commit], repo=repo)


def incident_ids(result: MetricsResult, deployment_id: int) -> tuple[str, ...]:
    """The incidents behind one failed deployment of the latest point's list."""
    (failure,) = [d for d in result.failed_deployments() if d.deployment_id == deployment_id]
    return failure.incident_ids


def no_bands(row: TeamWindowMetrics) -> TeamWindowMetrics:
    return dataclasses.replace(row, bands={})


# -- 1. an attribution window as long as the week: every edge met at once, seen from two instants ---------


def test_attribution_window_of_a_week_with_every_window_edge_met_at_once(facts: Facts) -> None:
    """Attribution window 7 days (as long as the 7d metric window). F0 06-01 (first). E 06-16 00:00 ships e
    (lead 2 h). J (P1, no sha) starts 06-23 00:00 → 06:00. F deploys at that very instant, 06-23 00:00,
    shipping f (lead 1 h). I (P1, no sha) starts 06-30 00:00 (exactly as_of), never resolved.

    J: F at the same instant is not before it (docs: an incident before a deployment at the same
    instant), so the latest deployment of orders before J is E, exactly 7 days earlier: inside (E, E +
    7 d] → E failed (window), recovered at J's end: 7 d 6 h = 174 h. F is deployed at J's start: J is
    open then → F is rework. I: the latest before it is F, exactly 7 days earlier → F failed (window),
    not recovered (I never resolved).

    As of 06-30 00:00:
    7d (06-23, 06-30]: F exactly at the start is out → 0 deployments: frequency 0, CFR, rework, lead and
    recovery null. J started exactly at the start: out; I at as_of: in → incidents 1. J resolved
    06-23 06:00, inside → restore 6 h (I open).
    30d (05-31, 06-30]: F0, E, F → 3 (0.1/day); failed E, F → CFR 2/3; recovery E only: 174 h; rework F
    → 1/3; incidents J, I → 2; restore 6; leads 2, 1 → p50 1.5, p90 1 + 0.9 × 1 = 1.9.
    Bands (30d, on both rows): 0.1 ≥ 1/30, < 1/7 → medium; 1.5 h elite; 66.7 % low; 174 h ≥ 1 week → low.

    As of 06-29 23:59:59 (one second earlier): I has not started, so F has not failed.
    7d (06-22 23:59:59, 06-29 23:59:59]: F is in → 1 (1/7 a day); CFR 0/1; rework 1/1; J is in →
    incidents 1; restore 6; lead 1; recovery null (E is outside).
    30d: F0, E, F → 3; CFR 1/3 (E); recovery 174; rework 1/3; incidents 1 (J); restore 6.
    Bands: medium; elite; 33 % low; 174 h low.
    """
    first(facts)
    e = deploy(facts, at(16), "e", 2)
    add_incident(facts, "J", at(23), resolved_at=at(23, 6))
    f = deploy(facts, at(23), "f", 1)
    add_incident(facts, "I", AS_OF)
    week = timedelta(days=7)

    result = run(facts, windows=(W7, W30), attribution_window=week)
    assert failed_recovered(result) == {e: (("window",), at(23, 6)), f: (("window",), None)}
    got = rows(result)
    expected_bands = bands("medium", "elite", "low", "low")
    for team in ("*", TEAM):
        check(
            got[team, "7d"],
            deployments=0,
            deployment_frequency_per_day=0.0,
            change_failure_rate=None,
            failed_deployment_recovery_hours_p50=None,
            rework_rate=None,
            lead_time_hours_p50=None,
            incidents=1,
            time_to_restore_hours_p50=6.0,
            time_to_restore_hours_p90=6.0,
            bands=expected_bands,
        )
        check(
            got[team, "30d"],
            deployments=3,
            deployment_frequency_per_day=0.1,
            change_failure_rate=2 / 3,
            failed_deployment_recovery_hours_p50=174.0,
            rework_rate=1 / 3,
            incidents=2,
            time_to_restore_hours_p50=6.0,
            lead_time_hours_p50=1.5,
            lead_time_hours_p90=1.9,
            bands=expected_bands,
        )

    earlier = run(facts, windows=(W7, W30), attribution_window=week, as_of=AS_OF - SECOND)
    assert failed_recovered(earlier) == {e: (("window",), at(23, 6))}
    got = rows(earlier)
    expected_bands = bands("medium", "elite", "low", "low")
    for team in ("*", TEAM):
        check(
            got[team, "7d"],
            deployments=1,
            deployment_frequency_per_day=1 / 7,
            change_failure_rate=0.0,
            failed_deployment_recovery_hours_p50=None,
            rework_rate=1.0,
            lead_time_hours_p50=1.0,
            incidents=1,
            time_to_restore_hours_p50=6.0,
            bands=expected_bands,
        )
        check(
            got[team, "30d"],
            deployments=3,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=174.0,
            rework_rate=1 / 3,
            incidents=1,
            time_to_restore_hours_p50=6.0,
            bands=expected_bands,
        )


# -- 2. the snapshot's points: a Monday as_of whose last weekly point is the same instant ----------------

MONDAY = at(29)  # 2026-06-29 is a Monday: the snapshot's last week ends exactly at its as_of


def test_snapshot_points_with_the_last_week_ending_at_as_of(facts: Facts) -> None:
    """The points a snapshot as of Monday 06-29 00:00 computes together (``assemble_snapshot``): its own
    (7d, 30d; bands from 30d), the previous one a longest window earlier (05-30 00:00, 30d) and the
    weeks ending 06-15, 06-22 and 06-29 (7d, no bands): the last week ends at the snapshot's as_of.
    P2 is payments' PagerDuty service (no repo).

    F0 05-20 (first). E 05-29 12:00 ships e (lead 1 h); I0 (P1) 05-29 13:00 → 05-30 01:00: window → E,
    recovered 13 h. A 06-14 22:00 ships a (lead 2 h); I1 (P1) 06-15 00:00 (exactly a week end) → 04:00:
    window → A, recovered 6 h. B 06-22 00:00 (exactly a week end) ships b (lead 1 h); I3 (P2) 06-22
    03:00 → 04:00 names ``b[:8]``: explicit → B (payments' incident); R 06-22 05:00 redeploys a's sha
    (behind B): rollback of B, rework. B recovers at the earliest: I3's 04:00 → 4 h. C 06-28 23:00 ships c
    (lead 3 h); I2 (P1) 06-29 00:00 (exactly as_of), open: window → C, not recovered.

    Previous, 05-30, 30d (04-30, 05-30]: F0, E → 2; E failed (I0 started), not recovered (I0 ends
    after) → CFR 1/2, recovery null; incidents 1; restore null; lead 1. Bands: 2/30 medium; elite;
    low; no recovery, no restore → null.
    Week to 06-15 (06-08, 06-15]: A → 1; I1 at the week's end is in: CFR 1; recovery null (04:00 is
    after); incidents 1; lead 2.
    Week to 06-22 (06-15, 06-22]: B at the week's end is in → 1; I3 and R come later: CFR 0; I1 started
    exactly at the start: incidents 0, but resolved inside: restore 4; lead 1.
    Week to 06-29 = the snapshot's own 7d (06-22, 06-29]: B is out; R, C → 2; CFR 1/2 (C); recovery null;
    rework R 1/2; order-team incidents I2 → 1, no restore; lead 3. payments: 0 deployments, incidents
    I3 → 1, restore 1. "*": incidents 2, restore 1.
    Own 30d (05-30, 06-29]: A, B, R, C → 4 (E is out); failed A, B, C → 3/4; recovery 6, 4 → p50 5; rework
    1/4; order-team incidents I1, I2 → 2; restore I0 12 (resolved 05-30 01:00, inside), I1 4 → p50 8, p90
    4 + 0.9 × 8 = 11.2; leads 2, 1, 3 → p50 2, p90 2 + 0.8 × 1 = 2.8. payments: incidents 1, restore 1.
    "*": incidents 3; restore 1, 4, 12 → p50 4, p90 4 + 0.8 × 8 = 10.4.
    Bands (30d): order-team and "*": 4/30 medium; 2 h elite; 75 % low; 5 h high. payments: 0/day low;
    null; null; restore 1 h (not < 1 h) → high.
    The failed list (the latest point's windows, from 05-30 on): A, B (explicit, rollback; I3;
    recovered 06-22 04:00), C; not E.
    """
    first(facts, day(5, 20))
    deploy(facts, day(5, 29, 12), "e", 1)
    add_incident(facts, "I0", day(5, 29, 13), resolved_at=day(5, 30, 1))
    a = deploy(facts, at(14, 22), "a", 2)
    add_incident(facts, "I1", at(15), resolved_at=at(15, 4))
    b = deploy(facts, at(22), "b", 1)
    add_incident(
        facts, "I3", at(22, 3), resolved_at=at(22, 4), service="P2", title=f"refunds: {sha('b')[:8]}"
    )
    rollback(facts, at(22, 5), sha("a"))
    c = deploy(facts, at(28, 23), "c", 3)
    add_incident(facts, "I2", MONDAY, resolved_at=LATER)

    ends = week_ends(MONDAY, 3)
    assert ends == [at(15), at(22), MONDAY]
    previous = MONDAY - timedelta(days=30)
    settings = AnalyticsSettings(windows=(W7, W30), attribution_window=timedelta(hours=24))
    own, before, *weeks = compute_metrics_points(
        facts.engine,
        [ORDERS],
        [
            MetricPoint(MONDAY, (W7, W30)),
            MetricPoint(previous, (W30,)),
            *[MetricPoint(end, (WEEK,)) for end in ends],
        ],
        band_windows=[W30, W30, None, None, None],
        with_incidents=False,
        pagerduty_scopes=[P1, P2_ONLY],
        settings=settings,
    )

    assert failed_recovered(own) == {
        a: (("window",), at(15, 4)),
        b: (("explicit", "rollback"), at(22, 4)),
        c: (("window",), None),
    }
    assert incident_ids(own, b) == ("pagerduty:I3",)

    check(
        rows(before)[TEAM, "30d"],
        deployments=2,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        time_to_restore_hours_p50=None,
        lead_time_hours_p50=1.0,
        bands=bands("medium", "elite", "low", None),
    )

    week_15, week_22, week_29 = (rows(week) for week in weeks)
    check(
        week_15[TEAM, "7d"],
        deployments=1,
        change_failure_rate=1.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        lead_time_hours_p50=2.0,
        bands={},
    )
    check(
        week_22[TEAM, "7d"],
        deployments=1,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=0,
        time_to_restore_hours_p50=4.0,
        lead_time_hours_p50=1.0,
    )
    mine = rows(own)
    for team in ("*", TEAM, PAY_TEAM):
        assert week_29[team, "7d"] == no_bands(mine[team, "7d"]), team
    check(
        mine[TEAM, "7d"],
        deployments=2,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.5,
        incidents=1,
        time_to_restore_hours_p50=None,
        lead_time_hours_p50=3.0,
    )
    check(
        mine[PAY_TEAM, "7d"],
        deployments=0,
        change_failure_rate=None,
        incidents=1,
        time_to_restore_hours_p50=1.0,
    )
    check(mine["*", "7d"], deployments=2, change_failure_rate=0.5, incidents=2, time_to_restore_hours_p50=1.0)
    month = {
        "deployments": 4,
        "change_failure_rate": 0.75,
        "failed_deployment_recovery_hours_p50": 5.0,
        "rework_rate": 0.25,
        "lead_time_hours_p50": 2.0,
        "lead_time_hours_p90": 2.8,
        "bands": bands("medium", "elite", "low", "high"),
    }
    check(
        mine[TEAM, "30d"], **month, incidents=2, time_to_restore_hours_p50=8.0, time_to_restore_hours_p90=11.2
    )
    check(
        mine["*", "30d"], **month, incidents=3, time_to_restore_hours_p50=4.0, time_to_restore_hours_p90=10.4
    )
    check(
        mine[PAY_TEAM, "30d"],
        deployments=0,
        change_failure_rate=None,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        bands=bands("low", None, None, "high"),
    )


# -- 3. two incidents on one deployment: the later one resolved first, the earlier never ------------------


def test_two_window_incidents_on_one_deployment_recover_it_at_the_first_resolution(facts: Facts) -> None:
    """F0 06-01. F 06-20 00:00 ships f (lead 2 h). I1 (P1, no sha) 06-20 01:00, never resolved. I2 (P1, no
    sha) 06-20 02:00 → 05:00. F is the latest deployment of orders before both, within 24 h: failed by
    both (window). G 06-20 06:00 ships g (lead 1 h) while I1 is open: rework. I3 (P1) 06-20 07:00,
    resolved 07-05 (after as_of): the latest before it is G → G failed (window). H 06-21 00:00 ships h
    (lead 1 h) while I1 and I3 are open: rework.

    Recovery of F: the earliest resolution of an incident that failed it, by as_of: I1 none, I2 05:00
    → 5 h. G: I3 resolves after as_of → not recovered, left out.

    As of 06-30, 30d: F0, F, G, H → 4; CFR 2/4; recovery 5; rework G, H → 2/4; incidents 3; restore I2
    3 h → 3; leads 2, 1, 1 → p50 1, p90 1 + 0.8 × 1 = 1.8. Bands: 4/30 medium; 1 h elite; 50 % low;
    5 h high.
    As of 06-20 04:59:59: F0, F → 2; F failed by I1 and I2, neither resolved: CFR 1/2, recovery null;
    incidents 2; restore null; rework 0. Bands: 2/30 medium; 2 h elite; low; null (nothing recovered,
    nothing restored).
    As of 06-20 05:00 (I2's resolution, inclusive): recovery 5 h, restore 3 h → recovery band high.
    """
    first(facts)
    f = deploy(facts, at(20), "f", 2)
    add_incident(facts, "I1", at(20, 1))
    add_incident(facts, "I2", at(20, 2), resolved_at=at(20, 5))
    g = deploy(facts, at(20, 6), "g", 1)
    add_incident(facts, "I3", at(20, 7), resolved_at=LATER)
    deploy(facts, at(21), "h", 1)

    result = run(facts)
    assert failed_recovered(result) == {f: (("window",), at(20, 5)), g: (("window",), None)}
    assert incident_ids(result, f) == ("pagerduty:I1", "pagerduty:I2")
    for team in ("*", TEAM):
        check(
            rows(result)[team, "30d"],
            deployments=4,
            change_failure_rate=0.5,
            failed_deployment_recovery_hours_p50=5.0,
            rework_rate=0.5,
            incidents=3,
            time_to_restore_hours_p50=3.0,
            time_to_restore_hours_p90=3.0,
            lead_time_hours_p50=1.0,
            lead_time_hours_p90=1.8,
            bands=bands("medium", "elite", "low", "high"),
        )

    for as_of, recovery, restore, band in (
        (at(20, 5) - SECOND, None, None, None),
        (at(20, 5), 5.0, 3.0, "high"),
    ):
        early = run(facts, as_of=as_of)
        assert failed_recovered(early) == {f: (("window",), None if recovery is None else at(20, 5))}
        for team in ("*", TEAM):
            check(
                rows(early)[team, "30d"],
                deployments=2,
                change_failure_rate=0.5,
                failed_deployment_recovery_hours_p50=recovery,
                rework_rate=0.0,
                incidents=2,
                time_to_restore_hours_p50=restore,
                lead_time_hours_p50=2.0,
                bands=bands("medium", "elite", "low", band),
            )


# -- 4. another team's incident, opened before the week and never resolved, names a change in it ---------


def test_never_resolved_incident_of_another_team_from_before_the_week_and_a_rollback_at_as_of(
    facts: Facts,
) -> None:
    """Firsts of acme/orders and acme/pay 06-01. I1 on P2 (payments' service) starts 06-21 00:00, before
    the 7d window, never resolved; its description says "regression in <c[:12]>". D (orders) 06-24 00:00
    ships c (lead 2 h): explicit → D from D's deployment on (I1 started before it: no window rule; pay's
    latest deployment before I1 is its first, 20 days back). B (pay) 06-25 00:00 ships b (lead 1 h) while
    I1, an incident of pay, is open: rework. D is no rework (I1 is not an incident of orders). R (orders)
    06-30 00:00, exactly as_of, redeploys the first sha: behind D → rollback of D, rework; D recovers at
    R: 6 days = 144 h (I1 never resolves).

    As of 06-30 00:00:
    order-team 7d: D, R → 2; CFR 1/2; recovery 144; rework 1/2; incidents 0; restore null; lead 2.
    order-team 30d: first, D, R → 3; CFR 1/3; recovery 144; rework 1/3; incidents 0.
    payments 7d: B → 1; CFR 0; rework 1; incidents 0 (I1 started 06-21); restore null; lead 1.
    payments 30d: first, B → 2; CFR 0; rework 1/2; incidents 1; restore null.
    "*" 30d: 5; CFR 1/5; recovery 144; rework 2/5; incidents 1; leads 1, 2 → p50 1.5.
    Bands (30d): order-team 3/30 medium; 2 h elite; 33 % low; 144 h < 1 week → medium. payments 2/30
    medium; elite; 0 % elite; no failure, no restore → null. "*" 5/30 ≥ 1/7 → high; elite; 20 % low;
    medium.
    As of 06-29 23:59:59 (R not yet): order-team 30d: first, D → 2; CFR 1/2; recovery null; rework 0;
    7d: D → 1, CFR 1. Recovery band: no recovered failure and no restore → null.
    """
    first(facts)
    first(facts, repo=PAY_REPO)
    c = sha("c")
    add_incident(
        facts, "I1", at(21), service="P2", title="refunds stuck", description=f"regression in {c[:12]}"
    )
    d = deploy(facts, at(24), "c", 2)
    deploy(facts, at(25), "b", 1, repo=PAY_REPO)
    rollback(facts, AS_OF, FIRST_SHA)

    result = run(facts, (ORDERS, PAY), (P1, P2), windows=(W7, W30))
    assert failed_recovered(result) == {d: (("explicit", "rollback"), AS_OF)}
    assert incident_ids(result, d) == ("pagerduty:I1",)
    got = rows(result)
    order_bands = bands("medium", "elite", "low", "medium")
    check(
        got[TEAM, "7d"],
        deployments=2,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=144.0,
        rework_rate=0.5,
        incidents=0,
        time_to_restore_hours_p50=None,
        lead_time_hours_p50=2.0,
        bands=order_bands,
    )
    check(
        got[TEAM, "30d"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=144.0,
        rework_rate=1 / 3,
        incidents=0,
        bands=order_bands,
    )
    pay_bands = bands("medium", "elite", "elite", None)
    check(
        got[PAY_TEAM, "7d"],
        deployments=1,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=1.0,
        incidents=0,
        time_to_restore_hours_p50=None,
        lead_time_hours_p50=1.0,
        bands=pay_bands,
    )
    check(
        got[PAY_TEAM, "30d"],
        deployments=2,
        change_failure_rate=0.0,
        rework_rate=0.5,
        incidents=1,
        time_to_restore_hours_p50=None,
        bands=pay_bands,
    )
    check(
        got["*", "30d"],
        deployments=5,
        change_failure_rate=0.2,
        failed_deployment_recovery_hours_p50=144.0,
        rework_rate=0.4,
        incidents=1,
        time_to_restore_hours_p50=None,
        lead_time_hours_p50=1.5,
        bands=bands("high", "elite", "low", "medium"),
    )

    before = rows(run(facts, (ORDERS, PAY), (P1, P2), windows=(W7, W30), as_of=AS_OF - SECOND))
    check(
        before[TEAM, "30d"],
        deployments=2,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.0,
        bands=bands("medium", "elite", "low", None),
    )
    check(
        before[TEAM, "7d"], deployments=1, change_failure_rate=1.0, failed_deployment_recovery_hours_p50=None
    )


# -- 5. rework inside the week for a failure exactly at its start; the incident at F + the window ---------


@pytest.mark.parametrize(
    ("attribution_window", "rules", "recovered_at", "recovery"),
    [
        # I1 exactly F + 24 h: inside (F, F + 24 h] → window too; recovered at I1's end (27 h).
        (timedelta(hours=24), ("revert", "window"), at(24, 3), 27.0),
        # One second shorter: I1 fails nothing, so its end is no recovery of F; the revert's is (48 h).
        (timedelta(hours=24) - SECOND, ("revert",), at(25), 48.0),
    ],
)
def test_hotfix_and_revert_in_the_week_rework_a_failure_deployed_at_its_start(
    facts: Facts,
    attribution_window: timedelta,
    rules: tuple[str, ...],
    recovered_at: datetime,
    recovery: float,
) -> None:
    """Rework labels ``hotfix``, ``rollback``, ``revert``, ``incident``. F0 06-01. F 06-23 00:00 (exactly the
    7d window's start: out of it) ships f (lead 2 h). I1 (P1, no sha) 06-24 00:00 → 03:00. Hotfix PR #9
    (erin, label ``hotfix``): its commit authored 06-24 00:30, opened 00:40, bob approves 00:50,
    squash-merged as h at 01:00. H 06-24 02:00 ships h (lead from 00:30: 1.5 h): rework (a labelled PR's
    change, and I1 open) counted once; not failed (I1 started before it). V 06-25 00:00 ships v (lead 1 h)
    "This reverts commit <f>": F failed (revert), V rework.

    F's recovery is the earliest of V (48 h) and, only if I1 failed F, I1's end (27 h): parametrised.

    7d (06-23, 06-30]: H, V → 2 (2/7 a day); CFR 0 (F is out); recovery null; rework 2/2; incidents I1 →
    1; restore 3; leads 1.5, 1 → p50 1.25, p90 1 + 0.9 × 0.5 = 1.45. Breakdown of PR #9 (deployed by H):
    coding, pickup and review 1/6 h each, deploy 1 h.
    30d: F0, F, H, V → 4; CFR 1/4; recovery 27 or 48; rework 2/4; incidents 1; restore 3; leads 2, 1.5, 1
    → p50 1.5, p90 1.5 + 0.8 × 0.5 = 1.9.
    Bands (30d, both rows): 4/30 medium; 1.5 h elite; 25 % low; 27 h or 48 h (≥ 1 day, < 1 week) medium.
    """
    first(facts)
    f = deploy(facts, at(23), "f", 2)
    add_incident(facts, "I1", at(24), resolved_at=at(24, 3))
    h = facts.commit(sha("h"), at(24, 1))
    facts.pull_request(
        9,
        created_at=at(24, 0 + 40 / 60),
        merged_at=at(24, 1),
        merge_commit_sha=h,
        commit_dates=[at(24, 0.5)],
        reviews=[Review("bob", at(24, 0 + 50 / 60))],
        author="erin",
    )
    add_label(facts, 9, "hotfix")
    facts.deployment(at(24, 2), ships=[h])
    deploy(facts, at(25), "v", 1, message=f'Revert "Speed up cart"\n\nThis reverts commit {sha("f")}.')

    result = run(facts, windows=(W7, W30), attribution_window=attribution_window, rework_labels=REWORK_LABELS)
    assert failed_recovered(result) == {f: (rules, recovered_at)}
    got = rows(result)
    expected_bands = bands("medium", "elite", "low", "medium")
    breakdown = {
        "coding": approx(1 / 6),
        "pickup": approx(1 / 6),
        "review": approx(1 / 6),
        "deploy": approx(1.0),
    }
    for team in ("*", TEAM):
        check(
            got[team, "7d"],
            deployments=2,
            deployment_frequency_per_day=2 / 7,
            change_failure_rate=0.0,
            failed_deployment_recovery_hours_p50=None,
            rework_rate=1.0,
            incidents=1,
            time_to_restore_hours_p50=3.0,
            lead_time_hours_p50=1.25,
            lead_time_hours_p90=1.45,
            bands=expected_bands,
        )
        check(
            got[team, "30d"],
            deployments=4,
            change_failure_rate=0.25,
            failed_deployment_recovery_hours_p50=recovery,
            rework_rate=0.5,
            incidents=1,
            time_to_restore_hours_p50=3.0,
            lead_time_hours_p50=1.5,
            lead_time_hours_p90=1.9,
            bands=expected_bands,
        )
        for window in ("7d", "30d"):
            assert got[team, window].lead_time_breakdown_hours_p50 == breakdown, (team, window)


# -- 6. another team's incident at the week's start: its deployment 24 h before, deployments at that instant


def test_other_teams_incident_at_the_week_start_fails_its_own_deployment_24_hours_back(facts: Facts) -> None:
    """Firsts 06-01. B (pay) 06-22 00:00 ships b (lead 1 h). A (orders) 06-22 23:00 ships a (lead 2 h).
    I (P2, no sha) starts 06-23 00:00, exactly the 7d window's start, → 02:00. At that very instant A2
    (orders) ships a2 (lead 1 h) and B2 (pay) ships b2 (lead 1 h). J (P1, no sha) 06-23 01:00 → 04:00.
    C (orders) 06-29 00:00 ships c (lead 1 h).

    I is pay's: the latest deployment of service pay before it is B (B2 at the same instant is not before
    it), exactly 24 h back: inside (B, B + 24 h] → B failed (window), recovered 26 h. A, 1 h before I,
    is orders': not failed. B2 is deployed at I's start: rework; A2 is not (I is no incident of orders).
    J: orders' latest before it is A2 (1 h) → A2 failed (window), recovered 4 h.

    order-team 7d (06-23, 06-30]: A2 is out; C → 1; CFR 0; recovery null; rework 0; incidents J → 1;
    restore 3; lead 1.
    order-team 30d: first, A, A2, C → 4; CFR 1/4; recovery 4; rework 0; incidents 1; restore 3; leads 2,
    1, 1 → p50 1, p90 1 + 0.8 × 1 = 1.8.
    payments 7d: 0 deployments; incidents 0 (I exactly at the start); restore I 2 (resolved inside).
    payments 30d: first, B, B2 → 3; CFR 1/3; recovery 26; rework 1/3; incidents 1; restore 2; leads 1, 1.
    "*" 7d: 1; CFR 0; incidents 1; restore 2, 3 → p50 2.5, p90 2.9.
    "*" 30d: 7; CFR 2/7; recovery 4, 26 → p50 15; rework 1/7; incidents 2; restore 2.5, 2.9; leads 1, 1,
    1, 1, 2 → p50 1, p90 at rank 3.6: 1 + 0.6 × 1 = 1.6.
    Bands (30d): order-team 4/30 medium; 1 h elite; 25 % low; 4 h high. payments 3/30 medium; elite; 33 %
    low; 26 h medium. "*" 7/30 ≥ 1/7 high; elite; 28.6 % low; 15 h high.
    """
    first(facts)
    first(facts, repo=PAY_REPO)
    b = deploy(facts, at(22), "b", 1, repo=PAY_REPO)
    a = deploy(facts, at(22, 23), "a", 2)
    add_incident(facts, "I", at(23), resolved_at=at(23, 2), service="P2")
    a2 = deploy(facts, at(23), "a2", 1)
    b2 = deploy(facts, at(23), "b2", 1, repo=PAY_REPO)
    add_incident(facts, "J", at(23, 1), resolved_at=at(23, 4))
    deploy(facts, at(29), "c", 1)

    result = run(facts, (ORDERS, PAY), (P1, P2), windows=(W7, W30))
    assert failed_recovered(result) == {b: (("window",), at(23, 2)), a2: (("window",), at(23, 4))}
    assert {a, b2}.isdisjoint(failed_recovered(result))
    got = rows(result)
    order_bands = bands("medium", "elite", "low", "high")
    check(
        got[TEAM, "7d"],
        deployments=1,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.0,
        incidents=1,
        time_to_restore_hours_p50=3.0,
        lead_time_hours_p50=1.0,
        bands=order_bands,
    )
    check(
        got[TEAM, "30d"],
        deployments=4,
        change_failure_rate=0.25,
        failed_deployment_recovery_hours_p50=4.0,
        rework_rate=0.0,
        incidents=1,
        time_to_restore_hours_p50=3.0,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.8,
        bands=order_bands,
    )
    pay_bands = bands("medium", "elite", "low", "medium")
    check(
        got[PAY_TEAM, "7d"],
        deployments=0,
        change_failure_rate=None,
        rework_rate=None,
        incidents=0,
        time_to_restore_hours_p50=2.0,
        lead_time_breakdown_hours_p50=NO_BREAKDOWN,
        bands=pay_bands,
    )
    check(
        got[PAY_TEAM, "30d"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=26.0,
        rework_rate=1 / 3,
        incidents=1,
        time_to_restore_hours_p50=2.0,
        lead_time_hours_p50=1.0,
        bands=pay_bands,
    )
    org_bands = bands("high", "elite", "low", "high")
    check(
        got["*", "7d"],
        deployments=1,
        change_failure_rate=0.0,
        incidents=1,
        time_to_restore_hours_p50=2.5,
        time_to_restore_hours_p90=2.9,
        bands=org_bands,
    )
    check(
        got["*", "30d"],
        deployments=7,
        change_failure_rate=2 / 7,
        failed_deployment_recovery_hours_p50=15.0,
        rework_rate=1 / 7,
        incidents=2,
        time_to_restore_hours_p50=2.5,
        time_to_restore_hours_p90=2.9,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.6,
        bands=org_bands,
    )


# -- 7. a labelled PR merged just after a week's end, its branch deployed and failed just before it -------


def test_labelled_branch_deployment_is_rework_only_in_points_after_the_merge(facts: Facts) -> None:
    """Rework labels ``hotfix``, ``rollback``, ``revert``, ``incident``. Points of one computation as a
    snapshot as of Monday 06-29 00:00 takes them: its own (7d, 30d; bands from 30d) and the weeks ending
    06-22 and 06-29 (7d, no bands).

    F0 06-01. PR #5 (erin, label ``incident``): its commit pr5-c0 authored 06-21 20:00, opened 21:00. D
    deploys the branch 06-21 22:00, shipping pr5-c0 (lead 2 h: it is no PR's merge commit). I (P1, no
    sha) 06-21 23:00 → 06-22 02:00: window → D, recovered 4 h. bob reviews 06-22 00:30; the PR is merged
    at 01:00 with a merge commit m5, after the week's end. G 06-24 00:00 ships m5 (a merge commit: no
    change) and g (lead 1 h): it deploys PR #5; not rework (m5 is no change).

    Week to 06-22 (06-15, 06-22]: D → 1; CFR 1 (I started); recovery null (02:00 is later); incidents 1;
    restore null; rework 0 (a labelled PR counts from its merge, 01:00, after this point); lead 2; no PR
    deployed (m5 ships later).
    Week to 06-29 = the own 7d (06-22, 06-29]: G → 1; CFR 0; rework 0; incidents 0; restore 3 (I resolved
    06-22 02:00, inside); lead 1; PR #5: coding 1 h, pickup 3.5 h, review 0.5 h, deploy 06-22 01:00 →
    06-24 00:00 = 47 h.
    Own 30d (05-30, 06-29]: F0, D, G → 3; CFR 1/3; recovery 4; rework D → 1/3; incidents 1; restore 3;
    leads 2, 1 → p50 1.5, p90 1.9; the same PR stages. Bands: 3/30 medium; 1.5 h elite; 33 % low; 4 h
    high.
    """
    first(facts)
    c0 = facts.commit("pr5-c0", at(21, 20))
    d = facts.deployment(at(21, 22), ships=[c0])
    add_incident(facts, "I", at(21, 23), resolved_at=at(22, 2))
    m5 = facts.commit(sha("m5"), at(22, 1), parents=2)
    facts.pull_request(
        5,
        created_at=at(21, 21),
        merged_at=at(22, 1),
        merge_commit_sha=m5,
        commit_dates=[at(21, 20)],
        reviews=[Review("bob", at(22, 0.5))],
        author="erin",
    )
    add_label(facts, 5, "incident")
    g = facts.commit(sha("g"), at(23, 23))
    facts.deployment(at(24), ships=[m5, g])

    ends = week_ends(MONDAY, 2)
    assert ends == [at(22), MONDAY]
    settings = AnalyticsSettings(
        windows=(W7, W30), attribution_window=timedelta(hours=24), rework_labels=REWORK_LABELS
    )
    own, week_22, week_29 = compute_metrics_points(
        facts.engine,
        [ORDERS],
        [MetricPoint(MONDAY, (W7, W30)), *[MetricPoint(end, (WEEK,)) for end in ends]],
        band_windows=[W30, None, None],
        with_incidents=False,
        pagerduty_scopes=[P1],
        settings=settings,
    )
    assert failed_recovered(own) == {d: (("window",), at(22, 2))}
    stages = {"coding": approx(1.0), "pickup": approx(3.5), "review": approx(0.5), "deploy": approx(47.0)}
    for team in ("*", TEAM):
        check(
            rows(week_22)[team, "7d"],
            deployments=1,
            change_failure_rate=1.0,
            failed_deployment_recovery_hours_p50=None,
            rework_rate=0.0,
            incidents=1,
            time_to_restore_hours_p50=None,
            lead_time_hours_p50=2.0,
            lead_time_breakdown_hours_p50=NO_BREAKDOWN,
        )
        mine = rows(own)
        assert rows(week_29)[team, "7d"] == no_bands(mine[team, "7d"])
        check(
            mine[team, "7d"],
            deployments=1,
            change_failure_rate=0.0,
            rework_rate=0.0,
            incidents=0,
            time_to_restore_hours_p50=3.0,
            lead_time_hours_p50=1.0,
            lead_time_breakdown_hours_p50=stages,
        )
        check(
            mine[team, "30d"],
            deployments=3,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=4.0,
            rework_rate=1 / 3,
            incidents=1,
            time_to_restore_hours_p50=3.0,
            lead_time_hours_p50=1.5,
            lead_time_hours_p90=1.9,
            lead_time_breakdown_hours_p50=stages,
            bands=bands("medium", "elite", "low", "high"),
        )
