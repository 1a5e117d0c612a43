"""Audit, round 10: failed deployment recovery time and change failure rate where they meet other rules
(SPEC §6.1–§6.3; docs/metrics.md where SPEC leaves a choice). Every expected number is worked out by hand
in the test's docstring.

June 2026 (``at(day, hour)``), UTC, as of 06-30 00:00 unless a scenario says otherwise: 30d = (05-31
00:00, 06-30 00:00]; bands from 30d (the only, so the longest, configured window). Attribution window
24 h and benchmarks dora-2023 unless a scenario says otherwise. Team ``order-team`` owns acme/orders
(service ``orders``) and PagerDuty service P1; ``payments`` owns acme/pay (service ``pay``) and P2;
acme/stray belongs to nobody (team ``unowned``, its own service). A repo's first deployment (``first``,
06-01 00:00) has compare ``first``: it counts, adds no lead times. Everything goes through
``compute_metrics`` / ``compute_metrics_points`` (what ``doraspace metrics`` and the snapshot run).
DuckDB only (in memory), to keep the module within its time budget; the SQL is the same on PostgreSQL
and the earlier audits run both.

SPEC sentences the scenarios lean on:

* §6.1 a deployment F is failed if: 1 *explicit* "an incident's title or description ... contains a hex
  string of 7 to 40 characters ... that begins the sha of a change of F"; 2 *rollback* "a later
  deployment of the same repo and environment is a rollback whose previous deployment is F"; 3 *revert*
  "a later deployment contains a commit whose message says ``This reverts commit <sha>`` for a change of
  F"; 4 *window* "an incident with no explicit link started in ``(F.deployed_at, F.deployed_at +
  attribution_window]``, on a PagerDuty service or repo of F's service (§4), and F is the latest
  deployment of that service before the incident started";
* §5.2 "If D.sha is an ancestor of P.sha (compare status ``behind``), D is a rollback: it has no
  changes"; "a commit is a change only of the first deployment that ships it";
* §6.2 ``change_failure_rate`` "failed deployments ÷ deployments, both in the window";
  ``failed_deployment_recovery_hours_p50`` "over failed deployments in the window that have recovered by
  ``as_of``: from F.deployed_at to the earliest of the resolution of an incident that failed it
  (explicit/window) and the deployed_at of its rollback or revert deployment"; restore "over incidents
  resolved in the window: resolved_at − started_at"; ``incidents`` "that started in the window";
  rework "a rollback, contains a revert commit, ... or was deployed while an incident of its service was
  open";
* §6 "Medians and p90 are ``percentile_cont`` (linear interpolation)"; "The organisation row "*" covers
  everything collected, team ``unowned`` included"; a window is ``(as_of − N days, as_of]``;
* §6.3 bands (dora-2023): frequency elite ≥ 1/day, high ≥ 1/7, medium ≥ 1/30; lead elite < 1 day; CFR
  ≤ 5 % elite, ≤ 10 % high, ≤ 15 % medium, else low; recovery elite < 1 h, high < 1 day, medium < 1
  week; "Recovery uses failed_deployment_recovery_hours_p50, falling back to time_to_restore_hours_p50
  where the team has no failed deployment with a recovery";
* docs/metrics.md: "An incident resolved after ``as_of`` is still open as of ``as_of``"; "A failure that
  has not recovered by ``as_of`` is left out, not counted as zero"; a failed deployment "counts once
  however many rules or incidents found it".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from analytics.dora import MetricPoint
from analytics.metrics import MetricsResult, compute_metrics_points
from analytics.settings import AnalyticsSettings
from tests.analytics.facts import AS_OF, Facts, add_incident, at, bands, sha
from tests.analytics.scenario import (
    FIRST_SHA,
    LATER,
    ORDERS,
    P1,
    P2,
    PAY,
    PAY_REPO,
    PAY_TEAM,
    SECOND,
    STRAY,
    STRAY_REPO,
    TEAM,
    W30,
    check,
    failed_recovered,
    first,
    rollback,
    rows,
    run,
)


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
) -> int:
    """A deployment shipping one direct commit ``sha(name)`` authored ``lead_hours`` before it."""
    commit = facts.commit(sha(name), deployed_at - timedelta(hours=lead_hours), repo=repo)
    return facts.deployment(deployed_at, ships=[commit], repo=repo)


def reverts(name: str) -> str:
    """A commit message as ``git revert`` writes it, for the commit ``sha(name)``."""
    return f'Revert "{name}"\n\nThis reverts commit {sha(name)}.'


def incident_ids(result: MetricsResult, deployment_id: int) -> tuple[str, ...]:
    """The incidents behind one failed deployment of the latest point's list."""
    (failure,) = [d for d in result.failed_deployments() if d.deployment_id == deployment_id]
    return tuple(sorted(failure.incident_ids))


# -- 1. a forward fix, then a rollback past two deployments: the first failure waits for its incident -----


def build_forward_fix_then_rollback(facts: Facts) -> tuple[int, int]:
    """Test 1's facts (see its docstring); returns (D2, D3)."""
    first(facts)
    d2 = deploy(facts, at(10), "c2", 2)
    add_incident(facts, "I1", at(10, 1), resolved_at=at(10, 9))
    d3 = deploy(facts, at(10, 3), "c3", 1)
    rollback(facts, at(10, 5), FIRST_SHA)
    return d2, d3


def test_forward_fix_then_rollback_past_both_recovers_the_first_failure_only_by_its_incident(
    facts: Facts,
) -> None:
    """F0 06-01 (sha s1). D2 06-10 00:00 ships c2 (lead 2 h). I1 (P1, no sha) 06-10 01:00 → 09:00: the
    latest deployment of orders before it is D2 (1 h) → D2 failed (window). D3 06-10 03:00 ships c3 (lead
    1 h), a forward fix deployed while I1 is open → rework; no incident starts after it, so it fails by
    no incident. R4 06-10 05:00 redeploys s1 (behind D3): a rollback whose previous deployment is D3 → D3
    failed (rollback), recovered at R4: 2 h. R4 takes c2 away too, but rule 2 names the previous
    deployment only, so R4 is not D2's rollback (§6.2 "its rollback"): D2 recovers only at I1's
    resolution, 9 h (the forward fix D3 is no recovery either: §6.2 names incident resolutions,
    rollbacks and reverts only). R4 is rework (rollback, I1 open).

    As of 06-30, 30d: F0, D2, D3, R4 → 4 (4/30 a day); CFR 2/4; recovery 2, 9 → p50 5.5; incidents 1;
    restore 8; rework D3, R4 → 2/4; leads 2, 1 → p50 1.5, p90 1 + 0.9 × 1 = 1.9. Bands: 4/30 (≥ 1/30,
    < 1/7) medium; 1.5 h elite; 50 % low; 5.5 h high.
    As of 06-10 06:00 (I1 still open): same four deployments; D2 failed, not recovered: left out; D3 2 h
    → p50 2 (were R4 D2's recovery: 5 h → p50 3.5); restore null; bands the same but recovery high (2 h).
    """
    d2, d3 = build_forward_fix_then_rollback(facts)
    expected_at = {
        AS_OF: (at(10, 9), 5.5, 8.0),
        at(10, 6): (None, 2.0, None),
    }
    for as_of, (d2_recovered, recovery, restore) in expected_at.items():
        result = run(facts, as_of=as_of)
        assert failed_recovered(result) == {
            d2: (("window",), d2_recovered),
            d3: (("rollback",), at(10, 5)),
        }, as_of
        for team in ("*", TEAM):
            check(
                rows(result)[team, "30d"],
                deployments=4,
                deployment_frequency_per_day=4 / 30,
                change_failure_rate=0.5,
                failed_deployment_recovery_hours_p50=recovery,
                incidents=1,
                time_to_restore_hours_p50=restore,
                rework_rate=0.5,
                lead_time_hours_p50=1.5,
                lead_time_hours_p90=1.9,
                bands=bands("medium", "elite", "low", "high"),
            )


# -- 2. one deployment reverting the changes of two earlier ones, one of them also failed by an incident ---


def test_one_deployment_reverting_two_deployments_recovers_each_from_its_own_deployment(facts: Facts) -> None:
    """F0 06-01. D2 06-10 00:00 ships c2 (lead 1 h). D3 06-11 00:00 ships c3 (lead 2 h). I1 (P1, no sha)
    06-11 01:00 → 04:00: latest before it D3 (1 h) → D3 failed (window); restore 3 h. V4 06-12 00:00
    ships r2 (authored 06-11 22:00, "This reverts commit <c2>") and r3 (authored 06-11 23:00, "This
    reverts commit <c3>"): D2 failed (revert), D3 failed (revert) too. V4 is rework (revert commits). I2
    (P1, no sha) 06-12 01:00, resolved 07-05 (after as_of: open): latest before it V4 (1 h) → V4 failed
    (window), not recovered. D3 was deployed before I1 opened: not rework.

    Recovery, each from its own deployed_at: D2 at V4 → 48 h; D3 at the earliest of I1 (04:00 → 4 h)
    and V4 (24 h) → 4 h; V4 none by as_of: left out (not 0).
    As of 06-30, 30d: deployments 4; CFR 3/4; recovery 4, 48 → p50 26 (not < 1 day, < 1 week: medium;
    with V4 as 0 it would be 0, 4, 48 → 4); incidents 2; restore I1 only: 3; rework 1/4; leads c2 1, c3
    2, r2 2, r3 1 → 1, 1, 2, 2: p50 1.5, p90 at rank 2.7: 2 + 0.7 × 0 = 2. Bands: 4/30 medium; 1.5 h
    elite; 75 % low; 26 h medium.
    As of 06-11 12:00 (V4, I2 not yet): F0, D2, D3 → 3; only D3 failed (window), recovered 4 h → CFR
    1/3, p50 4 (high); incidents 1; rework 0; restore 3; leads 1, 2 → 1.5, p90 1.9. Bands 3/30 medium;
    elite; 33 % low; high.
    """
    first(facts)
    d2 = deploy(facts, at(10), "c2", 1)
    d3 = deploy(facts, at(11), "c3", 2)
    add_incident(facts, "I1", at(11, 1), resolved_at=at(11, 4))
    r2 = facts.commit(sha("r2"), at(11, 22), message=reverts("c2"))
    r3 = facts.commit(sha("r3"), at(11, 23), message=reverts("c3"))
    v4 = facts.deployment(at(12), ships=[r2, r3])
    add_incident(facts, "I2", at(12, 1), resolved_at=LATER)

    result = run(facts)
    assert failed_recovered(result) == {
        d2: (("revert",), at(12)),
        d3: (("revert", "window"), at(11, 4)),
        v4: (("window",), None),
    }
    for team in ("*", TEAM):
        check(
            rows(result)[team, "30d"],
            deployments=4,
            change_failure_rate=0.75,
            failed_deployment_recovery_hours_p50=26.0,
            incidents=2,
            time_to_restore_hours_p50=3.0,
            rework_rate=0.25,
            lead_time_hours_p50=1.5,
            lead_time_hours_p90=2.0,
            bands=bands("medium", "elite", "low", "medium"),
        )

    early = run(facts, as_of=at(11, 12))
    assert failed_recovered(early) == {d3: (("window",), at(11, 4))}
    for team in ("*", TEAM):
        check(
            rows(early)[team, "30d"],
            deployments=3,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=4.0,
            incidents=1,
            time_to_restore_hours_p50=3.0,
            rework_rate=0.0,
            lead_time_hours_p50=1.5,
            lead_time_hours_p90=1.9,
            bands=bands("medium", "elite", "low", "high"),
        )


# -- 3. an incident naming the change a rollback has just put back ----------------------------------------


@pytest.mark.parametrize("names_c2", [True, False])
def test_incident_naming_the_change_a_rollback_restored_fails_its_first_shipper_not_the_rollback(
    facts: Facts, names_c2: bool
) -> None:
    """F0 06-01. D2 06-10 00:00 ships c2 (lead 1 h). D3 06-11 00:00 ships c3 (lead 3 h). R4 06-11 02:00
    redeploys c2's sha (behind D3): rollback of D3, recovered 2 h; R4 has no changes (§5.2) and is
    rework. I1 (P1) 06-11 03:00 → 07:00 (restore 4 h).

    I1's title names ``<c2[:8]>``: c2 is a change of D2 only (its first shipper; R4 redeploys the sha
    but has no changes) → D2 failed (explicit), recovered at I1's resolution measured from D2: 06-10
    00:00 → 06-11 07:00 = 31 h. An explicit link bars the window rule, so R4 (the latest deployment
    before I1, 1 h) is not failed. Recovery 2, 31 → p50 16.5.
    I1 names nothing: no explicit link; the window rule fails R4 (latest, 1 h), recovered at 07:00 → 5
    h. D2 is not failed. Recovery 2, 5 → p50 3.5.

    Either way, 30d: deployments 4; CFR 2/4; incidents 1; restore 4; rework R4 → 1/4 (nothing open at
    any deployment); leads 1, 3 → 2. Bands: 4/30 medium; 2 h elite; 50 % low; 16.5 h or 3.5 h → high.
    """
    first(facts)
    c2 = sha("c2")
    d2 = deploy(facts, at(10), "c2", 1)
    d3 = deploy(facts, at(11), "c3", 3)
    r4 = rollback(facts, at(11, 2), c2)
    title = f"still failing at {c2[:8]}" if names_c2 else "still failing"
    add_incident(facts, "I1", at(11, 3), resolved_at=at(11, 7), title=title)

    result = run(facts)
    if names_c2:
        want = {d2: (("explicit",), at(11, 7)), d3: (("rollback",), at(11, 2))}
        recovery = 16.5
    else:
        want = {d3: (("rollback",), at(11, 2)), r4: (("window",), at(11, 7))}
        recovery = 3.5
    assert failed_recovered(result) == want
    for team in ("*", TEAM):
        check(
            rows(result)[team, "30d"],
            deployments=4,
            change_failure_rate=0.5,
            failed_deployment_recovery_hours_p50=recovery,
            incidents=1,
            time_to_restore_hours_p50=4.0,
            rework_rate=0.25,
            lead_time_hours_p50=2.0,
            bands=bands("medium", "elite", "low", "high"),
        )


# -- 4. an incident opened before a forward fix, within the earlier deployment's window; a later explicit --


def test_window_incident_open_across_a_forward_fix_and_a_later_explicit_incident_on_the_same_failure(
    facts: Facts,
) -> None:
    """F0 06-01. D2 06-10 00:00 ships c2 (lead 2 h). I1 (P1, no sha) 06-10 04:00 → 20:00: latest before it
    D2 (4 h) → D2 failed (window). D3 06-10 06:00 ships c3 (lead 1 h) while I1 is open → rework. I2 (P1)
    06-10 08:00 → 10:00, title ``root cause: <c2[:7]>`` → D2 failed (explicit) again; I2 starts 2 h after
    D3, the latest deployment before it, but an explicit link bars the window rule: D3 is not failed.
    D2 counts once, and recovers at the earliest resolution of I1 (20 h) and I2 (10 h): 10 h, although
    I1, which found it first, is still open then.

    As of 06-30, 30d: F0, D2, D3 → 3; CFR 1/3; recovery 10; incidents 2; restore I1 16, I2 2 → p50 9,
    p90 2 + 0.9 × 14 = 14.6; rework D3 → 1/3; leads 2, 1 → 1.5, 1.9. Bands: 3/30 medium; elite; 33 %
    low; 10 h high.
    As of 06-10 12:00: I2 resolved, I1 open: recovery 10; restore I2 only: 2, 2.
    As of 06-10 09:00: both open: D2 failed, not recovered → recovery null; restore null → band null.
    The three instants are points of one computation (as a snapshot's weekly trend computes them:
    docs/metrics.md "every number equals what computing that as_of alone would give"); 06-10 09:00 is
    also computed alone, its failed list holding D2 not yet recovered.
    """
    first(facts)
    c2 = sha("c2")
    d2 = deploy(facts, at(10), "c2", 2)
    add_incident(facts, "I1", at(10, 4), resolved_at=at(10, 20))
    deploy(facts, at(10, 6), "c3", 1)
    add_incident(facts, "I2", at(10, 8), resolved_at=at(10, 10), title=f"root cause: {c2[:7]}")

    cases = [
        (at(10, 9), None, None, None, None, None),
        (at(10, 12), at(10, 10), 10.0, 2.0, 2.0, "high"),
        (AS_OF, at(10, 10), 10.0, 9.0, 14.6, "high"),
    ]
    settings = AnalyticsSettings(windows=(W30,), attribution_window=timedelta(hours=24))
    results = compute_metrics_points(
        facts.engine,
        [ORDERS],
        [MetricPoint(as_of, (W30,)) for as_of, *_ in cases],
        pagerduty_scopes=[P1],
        settings=settings,
        band_windows=[W30] * len(cases),
    )
    for result, (as_of, _, recovery, p50, p90, recovery_band) in zip(results, cases, strict=True):
        for team in ("*", TEAM):
            row = rows(result)[team, "30d"]
            assert row.as_of == as_of
            check(
                row,
                deployments=3,
                change_failure_rate=1 / 3,
                failed_deployment_recovery_hours_p50=recovery,
                incidents=2,
                time_to_restore_hours_p50=p50,
                time_to_restore_hours_p90=p90,
                rework_rate=1 / 3,
                lead_time_hours_p50=1.5,
                lead_time_hours_p90=1.9,
                bands=bands("medium", "elite", "low", recovery_band),
            )
    latest = results[-1]
    assert failed_recovered(latest) == {d2: (("explicit", "window"), at(10, 10))}
    assert incident_ids(latest, d2) == ("pagerduty:I1", "pagerduty:I2")

    # The same instant alone, as ``doraspace metrics --as-of`` computes it, lists D2 not yet recovered.
    alone = run(facts, as_of=at(10, 9))
    assert failed_recovered(alone) == {d2: (("explicit", "window"), None)}


# -- 5. the organisation's median over three teams, one recovery exactly at as_of, one never -------------


def test_organisation_recovery_over_three_teams_with_a_recovery_exactly_at_as_of(facts: Facts) -> None:
    """order-team: F0 06-01. A1 06-10 00:00 ships a1 (lead 1 h); RA 06-10 06:00 redeploys F0's sha: rollback
    of A1, recovered 6 h; RA rework. A2 06-29 20:00 ships a2 (lead 1 h); I1 (P1, no sha) 06-29 21:00 →
    06-30 00:00 (exactly as_of): window → A2, recovered at as_of (inclusive) → 4 h; restore 3 h.
    payments: first 06-01. B2 06-12 00:00 ships b2 (lead 1 h); I2 (P2) 06-12 01:00, resolved 07-05 (after
    as_of: open) → window → B2, not recovered (left out). B3 06-14 00:00 ships b3 (lead 2 h) while I2 is
    open → rework; not failed (no incident after it).
    unowned: acme/stray (no component: its own service) first 06-01. S2 06-15 00:00 ships s2 (lead 1 h);
    issue acme/stray#7 (a GitHub incident of that repo) 06-15 10:00 → 12:00: window → S2 (10 h ≤ 24 h),
    recovered 12 h; restore 2 h.

    As of 06-30, 30d:
    order-team: deployments 4; CFR 2/4; recovery 4, 6 → 5; incidents 1; restore 3; rework 1/4; lead 1.
    payments: deployments 3; CFR 1/3; recovery null; incidents 1; restore null; rework 1/3; leads 1, 2 →
      1.5.
    unowned: deployments 2; CFR 1/2; recovery 12; incidents 1; restore 2; rework 0; lead 1.
    "*": deployments 9; CFR 4/9; recovery 4, 6, 12 → 6 (B2 left out; counted as 0 it would be 5);
      incidents 3; restore 2, 3 → p50 2.5, p90 2 + 0.9 × 1 = 2.9; rework RA, B3 → 2/9; leads 1, 1, 1, 2,
      1 → 1.
    Bands: order-team 4/30 medium, 1 h elite, 50 % low, 5 h high; payments 3/30 medium, 1.5 h elite,
    33 % low, no recovery and no restore → null; unowned 2/30 medium, elite, 50 % low, 12 h high; "*"
    9/30 = 0.3 ≥ 1/7 high, elite, 44 % low, 6 h high.
    As of one second earlier (06-29 23:59:59; no fact sits at the window's start): I1 is open, A2 not
    recovered → order-team recovery 6, restore null; "*" recovery 6, 12 → 9, restore 2, 2. The rest is
    unchanged (order-team's recovery band: 6 h high).
    """
    first(facts)
    first(facts, repo=PAY_REPO)
    first(facts, repo=STRAY_REPO)
    a1 = deploy(facts, at(10), "a1", 1)
    rollback(facts, at(10, 6), FIRST_SHA)
    a2 = deploy(facts, at(29, 20), "a2", 1)
    add_incident(facts, "I1", at(29, 21), resolved_at=AS_OF)
    b2 = deploy(facts, at(12), "b2", 1, repo=PAY_REPO)
    add_incident(facts, "I2", at(12, 1), resolved_at=LATER, service="P2")
    deploy(facts, at(14), "b3", 2, repo=PAY_REPO)
    s2 = deploy(facts, at(15), "s2", 1, repo=STRAY_REPO)
    add_incident(
        facts, f"{STRAY_REPO}#7", at(15, 10), resolved_at=at(15, 12), source="github", service=STRAY_REPO
    )
    scopes, pagerduty = (ORDERS, PAY, STRAY), (P1, P2)

    result = run(facts, scopes, pagerduty)
    assert failed_recovered(result) == {
        a1: (("rollback",), at(10, 6)),
        a2: (("window",), AS_OF),
        b2: (("window",), None),
        s2: (("window",), at(15, 12)),
    }
    got = rows(result)
    expected = {
        TEAM: (4, 0.5, 5.0, 3.0, 3.0, 0.25, 1.0, bands("medium", "elite", "low", "high")),
        PAY_TEAM: (3, 1 / 3, None, None, None, 1 / 3, 1.5, bands("medium", "elite", "low", None)),
        "unowned": (2, 0.5, 12.0, 2.0, 2.0, 0.0, 1.0, bands("medium", "elite", "low", "high")),
        "*": (9, 4 / 9, 6.0, 2.5, 2.9, 2 / 9, 1.0, bands("high", "elite", "low", "high")),
    }
    assert {team for team, _ in got} == set(expected)
    for team, (deployments, cfr, recovery, p50, p90, rework, lead, want_bands) in expected.items():
        check(
            got[team, "30d"],
            deployments=deployments,
            change_failure_rate=cfr,
            failed_deployment_recovery_hours_p50=recovery,
            incidents=3 if team == "*" else 1,
            time_to_restore_hours_p50=p50,
            time_to_restore_hours_p90=p90,
            rework_rate=rework,
            lead_time_hours_p50=lead,
            bands=want_bands,
        )

    before = rows(run(facts, scopes, pagerduty, as_of=AS_OF - SECOND))
    check(
        before[TEAM, "30d"],
        deployments=4,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=6.0,
        time_to_restore_hours_p50=None,
        bands=bands("medium", "elite", "low", "high"),
    )
    check(
        before["*", "30d"],
        deployments=9,
        change_failure_rate=4 / 9,
        failed_deployment_recovery_hours_p50=9.0,
        time_to_restore_hours_p50=2.0,
        time_to_restore_hours_p90=2.0,
        bands=bands("high", "elite", "low", "high"),
    )


# -- 6. the attribution window decides whether an incident or the rollback recovers a failure -------------


@pytest.mark.parametrize(
    ("attribution_window", "rules", "recovered_at", "recovery", "recovery_band"),
    [
        # I1 starts 30 min after F: inside 24 h → window too; recovered at I1's 00:50 → 5/6 h: elite.
        (timedelta(hours=24), ("rollback", "window"), at(10) + timedelta(minutes=50), 5 / 6, "elite"),
        # 30 min is outside (F, F + 15 min] → rollback only, recovered at R's 01:00 → 1 h: not < 1 h: high.
        (timedelta(minutes=15), ("rollback",), at(10, 1), 1.0, "high"),
    ],
)
def test_attribution_window_decides_whether_the_incident_or_the_rollback_recovers(
    facts: Facts,
    attribution_window: timedelta,
    rules: tuple[str, ...],
    recovered_at: datetime,
    recovery: float,
    recovery_band: str,
) -> None:
    """F0 06-01. F 06-10 00:00 ships f (lead 2 h). I1 (P1, no sha) 06-10 00:30 → 00:50 (restore 20 min =
    1/3 h). R 06-10 01:00 redeploys F0's sha (behind F): F failed (rollback) whatever the attribution
    window; R is rework (rollback; I1 closed before it).

    Attribution window 24 h: I1 in (F, F + 24 h] and F is the latest → window as well; recovery = the
    earliest of I1's resolution (50 min) and R (60 min) = 5/6 h → elite.
    Attribution window 15 min: I1 fails nothing (F0 is 9 days before it); recovery = R, 1 h → high.
    Both: deployments 3; CFR 1/3 (one failed deployment however many rules); incidents 1; restore 1/3
    (an incident counts for restore whether or not it failed anything); rework 1/3; lead 2. Bands: 3/30
    medium; 2 h elite; 33 % low; recovery as parametrised.
    """
    first(facts)
    f = deploy(facts, at(10), "f", 2)
    add_incident(facts, "I1", at(10, 0.5), resolved_at=at(10) + timedelta(minutes=50))
    rollback(facts, at(10, 1), FIRST_SHA)

    result = run(facts, attribution_window=attribution_window)
    assert failed_recovered(result) == {f: (rules, recovered_at)}
    for team in ("*", TEAM):
        check(
            rows(result)[team, "30d"],
            deployments=3,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=recovery,
            incidents=1,
            time_to_restore_hours_p50=1 / 3,
            rework_rate=1 / 3,
            lead_time_hours_p50=2.0,
            bands=bands("medium", "elite", "low", recovery_band),
        )
