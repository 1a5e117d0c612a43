"""Audit: failed deployment recovery time and time to restore where several rules meet (SPEC §6.1–§6.3).

Every number is worked out by hand from SPEC's words (and docs/metrics.md where SPEC leaves a choice),
with the arithmetic in each test's docstring. Everything goes through ``compute_metrics``, the code
``doraspace metrics`` runs, on both stores.

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC unless a scenario says otherwise, attribution window
24 h. Team ``order-team`` owns acme/orders (service ``orders``) and PagerDuty service P1; ``payments``
owns acme/pay (service ``pay``) and P2; PagerDuty service PU belongs to nobody (team ``unowned``). A
repo's first deployment has compare ``first``: it counts, adds no lead times (§5.2).

SPEC sentences the scenarios lean on:

* §6.2 ``failed_deployment_recovery_hours_p50`` "over failed deployments in the window that have recovered
  by ``as_of``: from F.deployed_at to the earliest of the resolution of an incident that failed it
  (explicit/window) and the deployed_at of its rollback or revert deployment";
* §6.2 ``time_to_restore_hours_p50/_p90`` "over incidents resolved in the window: resolved_at −
  started_at"; ``incidents`` "incidents that started in the window";
* §6 "A window ``Nd`` ending at ``as_of`` is the half-open interval ``(as_of − N days, as_of]``";
  "Medians and p90 are ``percentile_cont``"; "The organisation row "*" covers everything collected,
  team ``unowned`` included";
* §6.3 "Recovery uses failed_deployment_recovery_hours_p50, falling back to time_to_restore_hours_p50
  where the team has no failed deployment with a recovery. Bands always come from the 90-day window (or
  the longest configured): every row of a team, whatever its window, carries the same bands."
* docs/metrics.md: a recovery counts only "among those not before F itself: an incident resolved before
  F was even deployed ... is no recovery"; an incident resolved at or before its start "was never open
  ... its time to restore is resolved − started as written, 0 or less".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from analytics.dora import MetricPoint
from analytics.metrics import compute_metrics_points
from analytics.settings import AnalyticsSettings
from tests.analytics.facts import AS_OF, REPO, Facts, add_incident, at, bands, sha
from tests.analytics.scenario import (
    FIRST_SHA,
    LATER,
    ORDERS,
    P1,
    P2,
    PAY,
    PAY_REPO,
    PAY_TEAM,
    PU,
    SECOND,
    TEAM,
    W7,
    W30,
    W90,
    check,
    day,
    failed_recovered,
    first,
    rollback,
    rows,
    run,
)


def ship(
    facts: Facts,
    deployed_at: datetime,
    name: str,
    lead_hours: float,
    *,
    message: str = "",
    repo: str = REPO,
) -> int:
    """A deployment shipping one direct commit ``sha(name)`` authored ``lead_hours`` before it."""
    commit = facts.commit(sha(name), deployed_at - timedelta(hours=lead_hours), repo=repo, message=message)
    return facts.deployment(deployed_at, ships=[commit], repo=repo)


def reverts(name: str) -> str:
    return f'Revert "{name}"\n\nThis reverts commit {sha(name)}.'


# -- 1. one failure found by explicit link, rollback and revert, seen from five instants -------------------


def build_one_failure(facts: Facts) -> int:
    """Test 1's facts (see its docstring); returns D2's id."""
    first(facts)
    c2 = sha("c2")
    d2 = ship(facts, at(10), "c2", 2)
    add_incident(facts, "I1", at(10, 1), resolved_at=at(10, 9), title=f"Checkout 500s, root cause: {c2[:8]}")
    rollback(facts, at(10, 4), FIRST_SHA)
    ship(facts, at(10, 6), "v4", 1, message=reverts("c2"))
    return d2


# (as_of, the failed list entry of D2, row values, bands) of test 1, also computed as one point each.
ONE_FAILURE_OVER_TIME: list[tuple[datetime, dict[str, Any], dict[str, Any], dict[str, str | None]]] = [
    # I1 has started (explicit from its start): D2 failed, nothing has recovered it yet.
    (
        at(10, 2),
        {"rules": ("explicit",), "recovered_at": None},
        {
            "deployments": 2,
            "change_failure_rate": 0.5,
            "failed_deployment_recovery_hours_p50": None,
            "incidents": 1,
            "time_to_restore_hours_p50": None,
            "rework_rate": 0.0,
            "lead_time_hours_p50": 2.0,
        },
        bands("medium", "elite", "low", None),
    ),
    # One second before R3: still nothing.
    (
        at(10, 4) - SECOND,
        {"rules": ("explicit",), "recovered_at": None},
        {"deployments": 2, "change_failure_rate": 0.5, "failed_deployment_recovery_hours_p50": None},
        bands("medium", "elite", "low", None),
    ),
    # Exactly R3 (inclusive): the rollback is the earliest recovery, 4 h.
    (
        at(10, 4),
        {"rules": ("explicit", "rollback"), "recovered_at": at(10, 4)},
        {
            "deployments": 3,
            "change_failure_rate": 1 / 3,
            "failed_deployment_recovery_hours_p50": 4.0,
            "time_to_restore_hours_p50": None,
            "rework_rate": 1 / 3,
        },
        bands("medium", "elite", "low", "high"),
    ),
    # After V4, before I1's resolution: three rules, recovered at R3 still; I1 not restored.
    (
        at(10, 7),
        {"rules": ("explicit", "rollback", "revert"), "recovered_at": at(10, 4)},
        {
            "deployments": 4,
            "change_failure_rate": 0.25,
            "failed_deployment_recovery_hours_p50": 4.0,
            "incidents": 1,
            "time_to_restore_hours_p50": None,
            "rework_rate": 0.5,
            "lead_time_hours_p50": 1.5,
        },
        bands("medium", "elite", "low", "high"),
    ),
    # Everything has happened: the earliest of 09:00, 04:00 and 06:00 is still R3's 04:00.
    (
        AS_OF,
        {"rules": ("explicit", "rollback", "revert"), "recovered_at": at(10, 4)},
        {
            "deployments": 4,
            "change_failure_rate": 0.25,
            "failed_deployment_recovery_hours_p50": 4.0,
            "incidents": 1,
            "time_to_restore_hours_p50": 8.0,
            "time_to_restore_hours_p90": 8.0,
            "rework_rate": 0.5,
            "lead_time_hours_p50": 1.5,
        },
        bands("medium", "elite", "low", "high"),
    ),
]


@pytest.mark.parametrize(
    ("as_of", "expected_failed", "expected", "expected_bands"),
    ONE_FAILURE_OVER_TIME,
)
def test_explicit_rollback_and_revert_of_one_deployment_recover_at_the_earliest_by_as_of(
    facts: Facts,
    as_of: datetime,
    expected_failed: dict[str, Any],
    expected: dict[str, Any],
    expected_bands: dict[str, str | None],
) -> None:
    """F0 06-01 (first). D2 06-10 00:00 ships c2 (lead 2 h). I1 (P1) 06-10 01:00 → 09:00 names
    ``root cause: <c2[:8]>`` (explicit; so no window rule). R3 06-10 04:00 redeploys F0's sha (behind,
    previous D2: rollback of D2). V4 06-10 06:00 ships v4 (lead 1 h) "This reverts commit <c2>" (revert
    of D2). R3 and V4 fail nothing (no incident starts after them).

    Recovery of D2 = earliest of I1 resolved (09:00 → 9 h), R3 (4 h), V4 (6 h), among those ≤ as_of.
    Window 30d (its own band window).
    * 02:00: F0, D2 → 2/30 a day (medium); lead 2 (elite); CFR 1/2 (low); no recovery, I1 open: no
      restore → recovery band null. Rework 0 (D2 was deployed before I1 started).
    * 03:59:59: same.
    * 04:00: + R3 → 3, CFR 1/3, recovery 4 h (high); rework R3 (rollback) 1/3.
    * 07:00: + V4 → 4, CFR 1/4, recovery 4; rework R3, V4 (revert; both while I1 open) → 2/4; leads
      2, 1 → p50 1.5; I1 resolved 09:00 > as_of: no restore.
    * 06-30: I1 restored 8 h; recovery still min(9, 4, 6) = 4 h.
    """
    d2 = build_one_failure(facts)
    result = run(facts, as_of=as_of)
    assert failed_recovered(result) == {d2: (expected_failed["rules"], expected_failed["recovered_at"])}
    for team in ("*", TEAM):
        row = rows(result)[team, "30d"]
        check(row, **expected)
        assert row.bands == expected_bands


def test_the_same_failure_computed_as_points_of_one_computation(facts: Facts) -> None:
    """The five instants of the test above as points of one computation (as a snapshot computes its
    weekly trend: the evidence is attributed once, as of the latest point; docs/metrics.md "every number
    equals what computing that as_of alone would give"). Each point gives the same numbers and bands,
    and the failed list (the latest point's) is D2 recovered at R3."""
    d2 = build_one_failure(facts)
    settings = AnalyticsSettings(windows=(W30,), attribution_window=timedelta(hours=24))
    instants = [as_of for as_of, *_ in ONE_FAILURE_OVER_TIME]
    results = compute_metrics_points(
        facts.engine,
        [ORDERS],
        [MetricPoint(as_of, (W30,)) for as_of in instants],
        pagerduty_scopes=[P1],
        settings=settings,
        band_windows=[W30] * len(instants),
    )
    for result, (as_of, _, expected, expected_bands) in zip(results, ONE_FAILURE_OVER_TIME, strict=True):
        for team in ("*", TEAM):
            row = rows(result)[team, "30d"]
            assert row.as_of == as_of
            check(row, **expected)
            assert row.bands == expected_bands, (team, as_of)
    assert failed_recovered(results[-1]) == {d2: (("explicit", "rollback", "revert"), at(10, 4))}


# -- 2. an explicit incident resolved one second before, at, or one second after its deployment --------


@pytest.mark.parametrize(
    ("offset", "recovery", "rework", "recovery_band"),
    [
        # Resolved before F: no recovery; F has none other → fall back to restore 28 h − 1 s: medium.
        (-SECOND, None, 0.0, "medium"),
        # Resolved exactly at F: "not before F" → a recovery of 0 h (elite); I1 was closed at F: no rework.
        (timedelta(0), 0.0, 0.0, "elite"),
        # Resolved 1 s after F: recovery 1 s (elite); F deployed while I1 open → rework.
        (SECOND, 1 / 3600, 0.5, "elite"),
    ],
)
def test_incident_naming_a_change_resolved_around_its_deployment(
    facts: Facts, offset: timedelta, recovery: float | None, rework: float, recovery_band: str
) -> None:
    """F0 06-01. I1 (P1) starts 06-09 20:00 naming c2 (explicit), resolved at 06-11 00:00 + offset. D2
    06-11 00:00 ships c2 (lead 2 h): failed (explicit) whatever the offset.

    Recovery: "from F.deployed_at to ... the resolution of an incident that failed it", docs: among
    those not before F. −1 s: none (F never recovers; null); 0: 0 h; +1 s: 1/3600 h.
    Restore: 28 h + offset. Deployments 2; CFR 1/2. Rework: D2 deployed while I1 open only at +1 s (an
    incident resolved at an instant is no longer open at it, docs' sweep: resolutions first).
    Bands (30d): 2/30 medium; lead 2 elite; 50 % low; recovery as parametrised (fallback at −1 s).
    """
    first(facts)
    c2 = sha("c2")
    add_incident(
        facts, "I1", at(9, 20), resolved_at=at(11) + offset, title="cart broken", description=f"see {c2[:7]}"
    )
    d2 = ship(facts, at(11), "c2", 2)
    result = run(facts)
    recovered_at = None if recovery is None else at(11) + offset
    assert failed_recovered(result) == {d2: (("explicit",), recovered_at)}
    for team in ("*", TEAM):
        row = rows(result)[team, "30d"]
        check(
            row,
            deployments=2,
            change_failure_rate=0.5,
            failed_deployment_recovery_hours_p50=recovery,
            incidents=1,
            time_to_restore_hours_p50=28 + offset.total_seconds() / 3600,
            rework_rate=rework,
        )
        assert row.bands == bands("medium", "elite", "low", recovery_band)


# -- 3. one incident naming changes of two deployments, one of them also rolled back ----------------------


def test_one_incident_naming_two_deployments_recovers_them_differently(facts: Facts) -> None:
    """F0 06-01. D2 06-10 00:00 ships c2 (lead 1 h); D3 06-12 00:00 ships c3 (lead 2 h). I1 (P1) 06-12
    02:00 → 10:00, title ``errors since <c2[:7]>``, description ``root cause: <c3[:10]>``: explicit for
    D2 and D3 (and so no window rule, although it starts 2 h after D3). R4 06-12 05:00 redeploys c2's sha
    (behind, previous D3): rollback of D3.

    As of 06-30: D2 recovers at I1's resolution: 06-10 00:00 → 06-12 10:00 = 58 h; D3 at the earliest of
    R4 (5 h) and I1 (10 h): 5 h. p50 (5 + 58) / 2 = 31.5. Deployments 4; CFR 2/4; rework R4 (rollback,
    while I1 open) 1/4; incidents 1; restore 8; leads 1, 2 → 1.5. Bands: 4/30 medium; elite; 50 % low;
    31.5 h: not < 1 day, < 1 week → medium.
    As of 06-12 06:00: D2 failed, not recovered (left out, not zero); D3 recovered at R4: p50 = 5 →
    high; I1 open: no restore.
    """
    first(facts)
    c2, c3 = sha("c2"), sha("c3")
    d2 = ship(facts, at(10), "c2", 1)
    d3 = ship(facts, at(12), "c3", 2)
    add_incident(
        facts,
        "I1",
        at(12, 2),
        resolved_at=at(12, 10),
        title=f"errors since {c2[:7]}",
        description=f"root cause: {c3[:10]}",
    )
    rollback(facts, at(12, 5), c2)
    result = run(facts)
    assert failed_recovered(result) == {
        d2: (("explicit",), at(12, 10)),
        d3: (("explicit", "rollback"), at(12, 5)),
    }
    for team in ("*", TEAM):
        row = rows(result)[team, "30d"]
        check(
            row,
            deployments=4,
            change_failure_rate=0.5,
            failed_deployment_recovery_hours_p50=31.5,
            incidents=1,
            time_to_restore_hours_p50=8.0,
            rework_rate=0.25,
            lead_time_hours_p50=1.5,
        )
        assert row.bands == bands("medium", "elite", "low", "medium")

    early = run(facts, as_of=at(12, 6))
    assert failed_recovered(early) == {d2: (("explicit",), None), d3: (("explicit", "rollback"), at(12, 5))}
    for team in ("*", TEAM):
        row = rows(early)[team, "30d"]
        check(
            row,
            deployments=4,
            change_failure_rate=0.5,
            failed_deployment_recovery_hours_p50=5.0,
            incidents=1,
            time_to_restore_hours_p50=None,
        )
        assert row.bands == bands("medium", "elite", "low", "high")


# -- 4. the rollback of a rollback, the first rollback also failed by the window rule ---------------------


def test_rollback_of_a_rollback_fails_the_first_rollback_not_the_deployment_it_skips(facts: Facts) -> None:
    """F0 06-01 (sha s1). D2 06-10 00:00 ships c2 (lead 1 h). D3 06-11 00:00 ships c3 (lead 3 h). R4 06-11
    02:00 redeploys c2's sha (behind D3): rollback of D3, recovered at R4: 2 h. I1 (P1) 06-11 03:00 →
    09:00, no sha: the latest deployment of orders before it is R4 (1 h): R4 failed (window). R5 06-11
    06:00 redeploys s1 (behind R4): its previous deployment is R4, so R5 is a rollback of R4 (not of D2,
    whose change it also takes away: rule 2 names the previous deployment only). R4 recovers at the
    earliest of R5 (4 h) and I1 resolved (7 h): 4 h. D6 06-12 00:00 redeploys c3's sha, compare ahead
    of R5 listing c2 and c3, both shipped before: no changes, no rollback, not failed.

    As of 06-30, 30d: deployments 6; failed D3, R4 → CFR 2/6; recovery 2, 4 → p50 3; rework R4
    (rollback), R5 (rollback, I1 open) → 2/6; incidents 1; restore 6; leads 1, 3 → p50 2, p90 1 + 0.9 ×
    2 = 2.8. Bands: 6/30 = 0.2 ≥ 1/7 high; 2 h elite; 33 % low; 3 h high.
    As of 06-11 05:00: F0, D2, D3, R4 → 4; D3 recovered (2 h); R4 failed, not recovered (I1 open, R5 not
    yet) → p50 2; CFR 2/4; rework R4 → 1/4; I1 open: no restore.
    """
    first(facts)
    ship(facts, at(10), "c2", 1)
    d3 = ship(facts, at(11), "c3", 3)
    r4 = rollback(facts, at(11, 2), sha("c2"))
    add_incident(facts, "I1", at(11, 3), resolved_at=at(11, 9))
    rollback(facts, at(11, 6), FIRST_SHA)
    facts.deployment(at(12), sha=sha("c3"), ships=[sha("c2"), sha("c3")], compare="ahead")
    result = run(facts)
    assert failed_recovered(result) == {
        d3: (("rollback",), at(11, 2)),
        r4: (("rollback", "window"), at(11, 6)),
    }
    for team in ("*", TEAM):
        row = rows(result)[team, "30d"]
        check(
            row,
            deployments=6,
            change_failure_rate=2 / 6,
            failed_deployment_recovery_hours_p50=3.0,
            rework_rate=2 / 6,
            incidents=1,
            time_to_restore_hours_p50=6.0,
            lead_time_hours_p50=2.0,
            lead_time_hours_p90=2.8,
        )
        assert row.bands == bands("high", "elite", "low", "high")

    early = run(facts, as_of=at(11, 5))
    assert failed_recovered(early) == {d3: (("rollback",), at(11, 2)), r4: (("window",), None)}
    for team in ("*", TEAM):
        check(
            rows(early)[team, "30d"],
            deployments=4,
            change_failure_rate=0.5,
            failed_deployment_recovery_hours_p50=2.0,
            rework_rate=0.25,
            incidents=1,
            time_to_restore_hours_p50=None,
        )


# -- 5. a revert of a revert, the first revert also failed by the window rule -----------------------------


def test_revert_of_a_revert_recovers_the_first_revert_before_its_incident_ends(facts: Facts) -> None:
    """F0 06-01. D2 06-10 00:00 ships c2 (lead 1 h). V3 06-11 00:00 ships v3 (lead 1 h) "This reverts
    commit <c2>": D2 failed (revert), recovered at V3: 24 h. I1 (P1) 06-11 00:30 → 12:00: latest
    deployment before it V3 (30 min) → V3 failed (window). W4 06-11 04:00 ships w4 (lead 1 h) "This
    reverts commit <v3>" → V3 failed (revert) too, recovered at the earliest of W4 (4 h) and I1 (12 h).

    As of 06-30: deployments 4; CFR 2/4; recovery 24, 4 → p50 14 (high); rework V3, W4 (revert commits)
    → 2/4; incidents 1; restore 11.5; leads 1, 1, 1. Bands: 4/30 medium; elite; low; high.
    As of 06-11 03:00: F0, D2, V3 → 3; D2 recovered (24 h), V3 failed (window) and not recovered → p50
    24: exactly 1 day is not "< 1 day" → medium; CFR 2/3; rework V3 → 1/3; no restore.
    """
    first(facts)
    d2 = ship(facts, at(10), "c2", 1)
    v3 = ship(facts, at(11), "v3", 1, message=reverts("c2"))
    add_incident(facts, "I1", at(11, 0.5), resolved_at=at(11, 12))
    ship(facts, at(11, 4), "w4", 1, message=reverts("v3"))
    result = run(facts)
    assert failed_recovered(result) == {d2: (("revert",), at(11)), v3: (("revert", "window"), at(11, 4))}
    for team in ("*", TEAM):
        row = rows(result)[team, "30d"]
        check(
            row,
            deployments=4,
            change_failure_rate=0.5,
            failed_deployment_recovery_hours_p50=14.0,
            rework_rate=0.5,
            incidents=1,
            time_to_restore_hours_p50=11.5,
            lead_time_hours_p50=1.0,
        )
        assert row.bands == bands("medium", "elite", "low", "high")

    early = run(facts, as_of=at(11, 3))
    assert failed_recovered(early) == {d2: (("revert",), at(11)), v3: (("window",), None)}
    for team in ("*", TEAM):
        row = rows(early)[team, "30d"]
        check(
            row,
            deployments=3,
            change_failure_rate=2 / 3,
            failed_deployment_recovery_hours_p50=24.0,
            rework_rate=1 / 3,
            time_to_restore_hours_p50=None,
        )
        assert row.bands == bands("medium", "elite", "low", "medium")


# -- 6. a failure before the 7-day window, recovered inside it; bands from 90d on the 7d row --------------


def test_failure_before_the_short_window_recovered_inside_it_counts_only_in_the_longer_ones(
    facts: Facts,
) -> None:
    """F0 04-15 (first). D1 05-10 ships c1 (lead 4 h). D2 06-20 00:00 ships c2 (lead 2 h). I1 (P1) 06-20
    01:00 names c2 (explicit), resolved 06-29 12:00 (restore 9 d 11 h = 227 h). R3 06-24 00:00 redeploys
    F0's sha (behind D2): rollback of D2. D2 recovers at min(R3: 96 h, I1: 228 h) = 96 h.

    7d (06-23, 06-30]: R3 only → CFR 0 (R3 failed nothing), recovery null (D2 is outside), rework 1/1
    (rollback, I1 open), incidents 0 (I1 started 06-20), restore 227 (resolved inside), lead null.
    30d (05-31, 06-30]: D2, R3 → CFR 1/2, recovery 96, rework 1/2, incidents 1, restore 227, lead 2.
    90d (04-01, 06-30]: F0, D1, D2, R3 → CFR 1/4, recovery 96, rework 1/4, incidents 1, restore 227,
    leads 4, 2 → 3.
    Bands from 90d on every row: 4/90 ≥ 1/30, < 1/7 medium; 3 h elite; 25 % low; recovery 96 h: medium —
    not the 7d row's own fallback (restore 227 h would be low).
    """
    first(facts, day(4, 15))
    ship(facts, day(5, 10), "c1", 4)
    c2 = sha("c2")
    d2 = ship(facts, at(20), "c2", 2)
    add_incident(facts, "I1", at(20, 1), resolved_at=at(29, 12), title=f"root cause: {c2}")
    rollback(facts, at(24), FIRST_SHA)
    result = run(facts, windows=(W7, W30, W90))
    assert failed_recovered(result) == {d2: (("explicit", "rollback"), at(24))}
    got = rows(result)
    for team in ("*", TEAM):
        check(
            got[team, "7d"],
            deployments=1,
            change_failure_rate=0.0,
            failed_deployment_recovery_hours_p50=None,
            rework_rate=1.0,
            incidents=0,
            time_to_restore_hours_p50=227.0,
            lead_time_hours_p50=None,
        )
        check(
            got[team, "30d"],
            deployments=2,
            change_failure_rate=0.5,
            failed_deployment_recovery_hours_p50=96.0,
            rework_rate=0.5,
            incidents=1,
            time_to_restore_hours_p50=227.0,
            lead_time_hours_p50=2.0,
        )
        check(
            got[team, "90d"],
            deployments=4,
            change_failure_rate=0.25,
            failed_deployment_recovery_hours_p50=96.0,
            rework_rate=0.25,
            incidents=1,
            time_to_restore_hours_p50=227.0,
            lead_time_hours_p50=3.0,
        )
        for window in ("7d", "30d", "90d"):
            assert got[team, window].bands == bands("medium", "elite", "low", "medium"), (team, window)


# -- 7. a failure before the band window recovered inside it: the band falls back to restore -------------


def test_failure_before_the_band_window_recovered_inside_it_leaves_the_band_to_restore(facts: Facts) -> None:
    """F0 03-01 (first). D2 03-31 12:00 ships c2 (lead 2 h). I1 (P1) 03-31 13:00 (1 h after D2, no sha:
    window → D2) → 04-02 00:00 (restore 35 h). R3 04-01 06:00 redeploys F0's sha: rollback of D2,
    recovered 18 h after it (high, were it counted). D4 05-15 ships c4 (lead 5 h).

    90d (04-01, 06-30]: D2 is before it. R3, D4 → 2; CFR 0 (R3 failed nothing: I1 started before it);
    recovery null; rework R3 (rollback; deployed while I1, opened before the window, was open) → 1/2;
    incidents 0 (I1 started 03-31); restore 35 (resolved 04-02, inside); lead 5. 7d: nothing: 0, null.
    Bands (90d): 2/90 < 1/30 → low; 5 h elite; 0 % elite; the team has no failed deployment with a
    recovery in the band window → restore 35 h: not < 1 day, < 1 week → medium (not D2's 18 h: high).
    The failed list (the latest point's windows) holds nothing.
    """
    first(facts, day(3, 1))
    ship(facts, day(3, 31, 12), "c2", 2)
    add_incident(facts, "I1", day(3, 31, 13), resolved_at=day(4, 2))
    rollback(facts, day(4, 1, 6), FIRST_SHA)
    ship(facts, day(5, 15), "c4", 5)
    result = run(facts, windows=(W7, W90))
    assert failed_recovered(result) == {}
    got = rows(result)
    for team in ("*", TEAM):
        check(
            got[team, "90d"],
            deployments=2,
            change_failure_rate=0.0,
            failed_deployment_recovery_hours_p50=None,
            rework_rate=0.5,
            incidents=0,
            time_to_restore_hours_p50=35.0,
            lead_time_hours_p50=5.0,
        )
        check(got[team, "7d"], deployments=0, incidents=0, time_to_restore_hours_p50=None)
        for window in ("7d", "90d"):
            assert got[team, window].bands == bands("low", "elite", "elite", "medium"), (team, window)


# -- 8. an incident closed before it opened fails by its start, recovers nothing, restores negatively ----


@pytest.mark.parametrize("rolled_back", [False, True])
def test_skewed_incident_fails_by_window_gives_no_recovery_and_a_negative_restore(
    facts: Facts, rolled_back: bool
) -> None:
    """F0 06-01. D2 06-10 10:00 ships c2 (lead 2 h). An incident issue of acme/orders opened 06-10 11:00,
    closed_at 09:00 (imported: two hours before it opened): started 1 h after D2, the latest
    deployment of orders → D2 failed (window). Its resolution precedes D2: no recovery (docs). I2 (P1)
    06-20 00:00 → 06-22 12:00 (60 h), 10 days after D2: fails nothing. Optionally R3 06-10 12:00
    redeploys F0's sha: rollback of D2, recovered at R3 (2 h).

    Restore "as written": −2 h and 60 h → p50 29, p90 −2 + 0.9 × 62 = 53.8; incidents 2.
    Without R3: deployments 2; CFR 1/2; recovery null → band falls back to restore 29 h → medium;
    rework 0 (the skewed issue was never open).
    With R3: deployments 3; CFR 1/3; recovery 2 h (the skewed end ignored) → high; rework R3 → 1/3.
    Other bands: 2/30 or 3/30 medium; lead 2 elite; CFR low.
    """
    first(facts)
    d2 = ship(facts, at(10, 10), "c2", 2)
    add_incident(facts, "acme/orders#4", at(10, 11), resolved_at=at(10, 9), source="github", service=REPO)
    add_incident(facts, "I2", at(20), resolved_at=at(22, 12))
    if rolled_back:
        rollback(facts, at(10, 12), FIRST_SHA)
    result = run(facts)
    if rolled_back:
        assert failed_recovered(result) == {d2: (("rollback", "window"), at(10, 12))}
        expected = {
            "deployments": 3,
            "change_failure_rate": 1 / 3,
            "failed_deployment_recovery_hours_p50": 2.0,
        }
        expected |= {"rework_rate": 1 / 3}
        recovery_band = "high"
    else:
        assert failed_recovered(result) == {d2: (("window",), None)}
        expected = {
            "deployments": 2,
            "change_failure_rate": 0.5,
            "failed_deployment_recovery_hours_p50": None,
        }
        expected |= {"rework_rate": 0.0}
        recovery_band = "medium"
    for team in ("*", TEAM):
        row = rows(result)[team, "30d"]
        check(row, **expected)
        check(row, incidents=2, time_to_restore_hours_p50=29.0, time_to_restore_hours_p90=53.8)
        assert row.bands == bands("medium", "elite", "low", recovery_band)


# -- 9. restore and incidents at every window edge, three windows, the organisation pooling unowned ------


def test_restore_and_incidents_at_every_window_edge_with_the_organisation_pooling_unowned(
    facts: Facts,
) -> None:
    """F0 03-01 (first: outside every window, so 0 deployments). Incidents (start → resolved, restore):
    Ix P1 03-31 00:00 → 04-01 00:00 (24 h; resolved exactly at the 90d start: out);
    Ia P1 05-25 00:00 → 06-02 00:00 (192 h); Ib P1 05-30 00:00 → 05-31 00:00 (24 h; exactly the 30d
    start: out of 30d); Ic P1 06-22 12:00 → 06-23 00:00 (12 h; exactly the 7d start: out of 7d);
    Id P1 06-29 00:00 → 06-30 00:00 (24 h; exactly as_of: in); Ie P1 06-29 12:00 → 06-30 00:00:01
    (after as_of: open); Iu PU (unowned) 06-25 00:00 → 06:00 (6 h). None fails anything (no deployment
    within 24 h before any of them).

    order-team: 7d (06-23, 06-30]: started Id, Ie → 2; restored Id → 24, 24.
      30d (05-31, 06-30]: started Ic, Id, Ie → 3; restored Ia 192, Ic 12, Id 24 → sorted 12, 24, 192:
      p50 24, p90 at 1.8: 24 + 0.8 × 168 = 158.4.
      90d (04-01, 06-30]: started Ia, Ib, Ic, Id, Ie → 5; restored Ib 24, Ia 192, Ic 12, Id 24 → 12,
      24, 24, 192: p50 24, p90 at 2.7: 24 + 0.7 × 168 = 141.6.
    unowned: Iu in every window: 1; 6, 6.
    "*": 7d 3; 6, 24 → p50 15, p90 6 + 0.9 × 18 = 22.2. 30d 4; 6, 12, 24, 192 → p50 18, p90 at 2.7:
      24 + 0.7 × 168 = 141.6. 90d 6; 6, 12, 24, 24, 192 → p50 24, p90 at 3.6: 24 + 0.6 × 168 = 124.8.
    Bands (90d, every row): 0 deployments → frequency low; lead, CFR null; no failure → restore:
    order-team 24 h (not < 1 day) medium; unowned 6 h high; "*" 24 h medium.
    """
    first(facts, day(3, 1))
    add_incident(facts, "Ix", day(3, 31), resolved_at=day(4, 1))
    add_incident(facts, "Ia", day(5, 25), resolved_at=at(2))
    add_incident(facts, "Ib", day(5, 30), resolved_at=day(5, 31))
    add_incident(facts, "Ic", at(22, 12), resolved_at=at(23))
    add_incident(facts, "Id", at(29), resolved_at=AS_OF)
    add_incident(facts, "Ie", at(29, 12), resolved_at=AS_OF + SECOND)
    add_incident(facts, "Iu", at(25), resolved_at=at(25, 6), service="PU")
    got = rows(run(facts, windows=(W7, W30, W90), pagerduty=(P1, PU)))
    expected = {
        (TEAM, "7d"): (2, 24.0, 24.0),
        (TEAM, "30d"): (3, 24.0, 158.4),
        (TEAM, "90d"): (5, 24.0, 141.6),
        ("unowned", "7d"): (1, 6.0, 6.0),
        ("unowned", "30d"): (1, 6.0, 6.0),
        ("unowned", "90d"): (1, 6.0, 6.0),
        ("*", "7d"): (3, 15.0, 22.2),
        ("*", "30d"): (4, 18.0, 141.6),
        ("*", "90d"): (6, 24.0, 124.8),
    }
    recovery_band = {TEAM: "medium", "unowned": "high", "*": "medium"}
    assert sorted(got) == sorted(expected)
    for key, (incidents, p50, p90) in expected.items():
        row = got[key]
        check(
            row,
            deployments=0,
            change_failure_rate=None,
            failed_deployment_recovery_hours_p50=None,
            incidents=incidents,
            time_to_restore_hours_p50=p50,
            time_to_restore_hours_p90=p90,
        )
        assert row.bands == bands("low", None, None, recovery_band[key[0]]), key


# -- 10. recovery and restore exactly one week, both benchmark sets; fallback beside a real recovery -----


@pytest.mark.parametrize("benchmarks", ["dora-2023", "dora-2021"])
@pytest.mark.parametrize("offset", [timedelta(0), -SECOND])
def test_one_week_recovery_and_fallback_restore_in_both_benchmark_sets(
    facts: Facts, benchmarks: str, offset: timedelta
) -> None:
    """order-team: F0 06-01; F 06-10 00:00 ships cF (lead 2 h); I1 (P1) 06-10 01:00 names cF (explicit),
    resolved 07-05 (after as_of: open). R 06-17 00:00 + offset redeploys F0's sha: rollback of F,
    recovered 168 h + offset later. D 06-20 ships cD (lead 4 h). Deployments 4; CFR 1/4; recovery 168 h
    (+ offset); incidents 1; no restore; rework R (rollback, I1 open), D (I1 open) → 2/4; leads 2, 4 → 3.
    payments: first 06-01; P 06-12 00:00 ships cP (lead 1 h); I2 (P2) 06-12 02:00, open → P failed
    (window), not recovered. I3 (P2) 06-20 00:00 → 06-27 00:00 + offset: 168 h (+ offset), fails nothing.
    Deployments 2; CFR 1/2; recovery null → falls back to restore 168 h (+ offset); incidents 2.
    "*": deployments 6; CFR 2/6; recovery over F only: 168 (+ offset); restore I3 only; incidents 3;
    leads 2, 4, 1 → 2.

    Recovery thresholds are the same in both sets: 168 h is not "< 1 week" → low; 1 s less → medium.
    Others, dora-2023: order 4/30 (≥ 1/30, < 1/7) medium, 3 h elite, 25 % low; payments 2/30 medium,
    1 h elite, 50 % low; "*" 6/30 ≥ 1/7 high, 2 h elite, 33 % low. dora-2021: order ≥ 1/30 high, 3 h
    (not < 1 h, < 1 week) high, 25 % ≤ 30 % high; payments high, 1 h high, 50 % low; "*" high, 2 h high,
    33 % > 30 % low.
    """
    first(facts)
    first(facts, repo=PAY_REPO)
    cf = sha("cF")
    f = ship(facts, at(10), "cF", 2)
    add_incident(facts, "I1", at(10, 1), resolved_at=LATER, title=f"orders down (root cause: {cf[:9]})")
    rollback(facts, at(17) + offset, FIRST_SHA)
    ship(facts, at(20), "cD", 4)
    p = ship(facts, at(12), "cP", 1, repo=PAY_REPO)
    add_incident(facts, "I2", at(12, 2), resolved_at=LATER, service="P2")
    add_incident(facts, "I3", at(20), resolved_at=at(27) + offset, service="P2")
    result = run(facts, scopes=(ORDERS, PAY), pagerduty=(P1, P2), benchmarks=benchmarks)
    assert failed_recovered(result) == {
        f: (("explicit", "rollback"), at(17) + offset),
        p: (("window",), None),
    }
    week = 168 + offset.total_seconds() / 3600
    got = rows(result)
    check(
        got[TEAM, "30d"],
        deployments=4,
        change_failure_rate=0.25,
        failed_deployment_recovery_hours_p50=week,
        incidents=1,
        time_to_restore_hours_p50=None,
        rework_rate=0.5,
        lead_time_hours_p50=3.0,
    )
    check(
        got[PAY_TEAM, "30d"],
        deployments=2,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=None,
        incidents=2,
        time_to_restore_hours_p50=week,
        rework_rate=0.0,
        lead_time_hours_p50=1.0,
    )
    check(
        got["*", "30d"],
        deployments=6,
        change_failure_rate=2 / 6,
        failed_deployment_recovery_hours_p50=week,
        incidents=3,
        time_to_restore_hours_p50=week,
        lead_time_hours_p50=2.0,
    )
    recovery = "low" if offset == timedelta(0) else "medium"
    if benchmarks == "dora-2023":
        want = {
            TEAM: bands("medium", "elite", "low", recovery),
            PAY_TEAM: bands("medium", "elite", "low", recovery),
            "*": bands("high", "elite", "low", recovery),
        }
    else:
        want = {
            TEAM: bands("high", "high", "high", recovery),
            PAY_TEAM: bands("high", "high", "low", recovery),
            "*": bands("high", "high", "low", recovery),
        }
    assert {team: got[team, "30d"].bands for team in want} == want


# -- 11. an incident opened before the window names a change deployed inside it; a window incident too ----


def test_incident_opened_before_the_window_recovers_the_change_it_names_from_its_deployment(
    facts: Facts,
) -> None:
    """F0 06-01. I1 (P1) 06-22 00:00 (before the 7d window (06-23, 06-30]) names c2; the latest deployment
    before it is F0, 21 days earlier: no window failure. D2 06-24 00:00 ships c2 (lead 2 h), deployed
    while I1 is open → rework; D2 failed (explicit). I1 resolved 06-24 06:00: restore 2 d 6 h = 54 h.
    I2 (P1) 06-24 01:00 → 06-25 00:00, no sha: latest deployment before it D2 (1 h) → window; restore
    23 h.

    D2's recovery is counted from D2's deployment, not from I1's start: the earliest of I1 (6 h) and I2
    (24 h) = 6 h.
    7d: deployments D2 → 1; CFR 1; recovery 6; rework 1; incidents I2 → 1 (I1 started before the window);
    restore I1 54, I2 23 → p50 38.5, p90 23 + 0.9 × 31 = 50.9 (resolved in the window, wherever started).
    30d: F0, D2 → 2; CFR 1/2; recovery 6; rework 1/2; incidents 2; same restores.
    Bands (30d) on both rows: 2/30 medium; 2 h elite; 50 % low; 6 h high.
    """
    first(facts)
    c2 = sha("c2")
    add_incident(facts, "I1", at(22), resolved_at=at(24, 6), title=f"payments failing after {c2[:11]}")
    d2 = ship(facts, at(24), "c2", 2)
    add_incident(facts, "I2", at(24, 1), resolved_at=at(25))
    result = run(facts, windows=(W7, W30))
    assert failed_recovered(result) == {d2: (("explicit", "window"), at(24, 6))}
    got = rows(result)
    for team in ("*", TEAM):
        check(
            got[team, "7d"],
            deployments=1,
            change_failure_rate=1.0,
            failed_deployment_recovery_hours_p50=6.0,
            rework_rate=1.0,
            incidents=1,
            time_to_restore_hours_p50=38.5,
            time_to_restore_hours_p90=50.9,
        )
        check(
            got[team, "30d"],
            deployments=2,
            change_failure_rate=0.5,
            failed_deployment_recovery_hours_p50=6.0,
            rework_rate=0.5,
            incidents=2,
            time_to_restore_hours_p50=38.5,
            time_to_restore_hours_p90=50.9,
        )
        for window in ("7d", "30d"):
            assert got[team, window].bands == bands("medium", "elite", "low", "high"), (team, window)


# -- 12. the organisation's median over the union of recovered failures, unrecovered ones left out -------


def test_organisation_recovery_median_pools_recovered_failures_only(facts: Facts) -> None:
    """order-team: F0 06-01; A2 06-10 00:00 ships a2 (lead 1 h); I1 (P1) 06-10 01:00 → 02:00: window → A2,
    recovered 2 h. A3 06-15 00:00 ships a3 (lead 1 h); R 06-15 10:00 redeploys a2's sha: rollback of A3,
    recovered 10 h. Deployments 4; CFR 2/4; recovery 2, 10 → 6; rework R → 1/4; incidents 1; restore 1.
    payments: first 06-01; B2 06-11 00:00 ships b2 (lead 1 h); RB 06-11 04:00 redeploys the first sha:
    rollback of B2, recovered 4 h. B4 06-20 00:00 ships b4 (lead 1 h); I2 (P2) 06-20 01:00, open → B4
    failed (window), not recovered: left out. Deployments 4; CFR 2/4; recovery 4; rework RB → 1/4 (B4 was
    deployed before I2 opened); incidents 1; restore null.
    "*": deployments 8; CFR 4/8; recovery over 2, 10, 4 → sorted 2, 4, 10: p50 4 (were B4 counted as
    0: 0, 2, 4, 10 → 3); incidents 2; restore 1.
    Bands (dora-2023): each team 4/30 medium, 1 h elite, 50 % low; orders 6 h high, payments 4 h high
    (a recovered failure: no fallback, although its restore is null). "*" 8/30 ≥ 1/7 high, elite, low,
    4 h high.
    """
    first(facts)
    first(facts, repo=PAY_REPO)
    a2 = ship(facts, at(10), "a2", 1)
    add_incident(facts, "I1", at(10, 1), resolved_at=at(10, 2))
    a3 = ship(facts, at(15), "a3", 1)
    rollback(facts, at(15, 10), sha("a2"))
    b2 = ship(facts, at(11), "b2", 1, repo=PAY_REPO)
    rollback(facts, at(11, 4), sha(f"first-{PAY_REPO}"), repo=PAY_REPO)
    b4 = ship(facts, at(20), "b4", 1, repo=PAY_REPO)
    add_incident(facts, "I2", at(20, 1), resolved_at=LATER, service="P2")
    result = run(facts, scopes=(ORDERS, PAY), pagerduty=(P1, P2))
    assert failed_recovered(result) == {
        a2: (("window",), at(10, 2)),
        a3: (("rollback",), at(15, 10)),
        b2: (("rollback",), at(11, 4)),
        b4: (("window",), None),
    }
    got = rows(result)
    check(
        got[TEAM, "30d"],
        deployments=4,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=6.0,
        rework_rate=0.25,
        incidents=1,
        time_to_restore_hours_p50=1.0,
    )
    check(
        got[PAY_TEAM, "30d"],
        deployments=4,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=4.0,
        rework_rate=0.25,
        incidents=1,
        time_to_restore_hours_p50=None,
    )
    check(
        got["*", "30d"],
        deployments=8,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=4.0,
        rework_rate=0.25,
        incidents=2,
        time_to_restore_hours_p50=1.0,
    )
    assert got[TEAM, "30d"].bands == bands("medium", "elite", "low", "high")
    assert got[PAY_TEAM, "30d"].bands == bands("medium", "elite", "low", "high")
    assert got["*", "30d"].bands == bands("high", "elite", "low", "high")


# -- a revert that is the own commit of a deployment GitHub could not compare ------------------------------


def test_a_revert_deployed_by_an_uncompared_deployment_is_no_change_so_fails_nothing(facts: Facts) -> None:
    """§5.2: a deployment GitHub could not compare has unknown changes; docs/metrics.md rule 3 and rework
    read a revert among a deployment's changes. F (06-03 00:00) ships x (06-02 00:00). U (06-05 00:00)
    deploys r, which reverts x, but its compare is unknown: r is U's own commit (its first shipment, so no
    later deployment counts it either), never a change. F does not fail: CFR 0/3, recovery null, rework
    0/3; lead x 24 h. (Reading U's own commit as a change would fail F, recovered at U: 48 h, CFR and
    rework 1/3.)"""
    first(facts)
    ship(facts, at(3), "x", 24)
    revert = facts.commit(sha("r"), at(4), message=reverts("x"))
    facts.deployment(at(5), sha=revert, compare="unknown")
    got = run(facts)
    assert failed_recovered(got) == {}
    check(
        rows(got)[TEAM, "30d"],
        deployments=3,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.0,
        lead_time_hours_p50=24.0,
    )
