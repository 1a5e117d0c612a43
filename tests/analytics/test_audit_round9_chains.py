"""Audit, round 9: chains of reverts, rollbacks and redeploys, where each metric meets the next (SPEC §5.2,
§6.1 rules 1–4, §6.2 recovery and rework; docs/metrics.md "Changes", "Failed deployments", "Rework").

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC unless a scenario says otherwise; window 30d =
(05-31 00:00, 06-30 00:00]; attribution window 24 h; benchmarks dora-2023. Team ``order-team`` owns
acme/orders (service ``orders``) and PagerDuty service P1; ``payments`` owns acme/pay (service ``pay``) and
P2 (tests/analytics/scenario.py). A repo's first deployment F0 (06-01 00:00, compare ``first``) counts as a
deployment with unknown changes. Everything goes through ``compute_metrics`` (what ``doraspace metrics``
runs), or ``compute_metrics_points`` where a scenario is also read at an earlier instant (points of one
computation, as a snapshot computes them), on an in-memory DuckDB store (the module's time budget). Every
scenario asserts the four keys (CFR, recovery p50, rework rate, lead time p50/p90), each worked out by hand
in the test's docstring.

SPEC sentences the scenarios lean on:

* §5.2 "D's changes are the non-merge commits … in compare(P.sha...D.sha) that no earlier deployment
  shipped: a commit is a change only of the first deployment that ships it … If D.sha is an ancestor of
  P.sha (compare status ``behind``), D is a rollback: it has no changes. A redeploy of P.sha itself
  (``identical``) is a deployment with no changes and no rollback."
* §6.1 "2. rollback — a later deployment … is a rollback whose previous deployment is F; 3. revert — a
  later deployment contains a commit whose message says ``This reverts commit <sha>`` for a change of F;
  4. window — an incident with no explicit link …, and F is the latest deployment of that service before
  the incident started."
* §6.2 recovery "from F.deployed_at to the earliest of the resolution of an incident that failed it
  (explicit/window) and the deployed_at of its rollback or revert deployment"; rework "a rollback,
  contains a revert commit, contains a change from a PR labelled with a ``rework.labels`` label, or was
  deployed while an incident of its service was open".
* docs/metrics.md: rule 3 is read as "a later deployment *of the same repository* ships, *as one of its
  changes*, a commit …"; the reverted sha is "7 to 40 hex characters, read as a prefix"; rework counts a
  revert commit shipped "as one of its changes"; "A change belongs to a PR when it is one of the PR's
  commits or the commit its squash or rebase merge produced".

percentile_cont of n sorted values v0 … v(n−1) at fraction p: rank r = p × (n − 1); value v⌊r⌋ + (r − ⌊r⌋)
× (v⌊r⌋+1 − v⌊r⌋).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from analytics.dora import MetricPoint
from analytics.metrics import MetricsResult, compute_metrics_points
from analytics.settings import AnalyticsSettings
from store import schema
from store.timeutil import to_db
from tests.analytics.facts import AS_OF, REPO, Facts, add_incident, add_label, at, bands, sha
from tests.analytics.scenario import (
    FIRST_SHA,
    LATER,
    ORDERS,
    P1,
    P2,
    PAY,
    PAY_REPO,
    PAY_TEAM,
    REWORK_LABELS,
    TEAM,
    W7,
    W30,
    approx,
    check,
    failed_recovered,
    first,
    rollback,
    rows_30d,
    run,
    ship,
)


@pytest.fixture
def facts() -> Facts:
    """An in-memory DuckDB store: the module must stay within its time budget (the SQL is the same on
    PostgreSQL, which the backend-parity audits exercise)."""
    return Facts.in_memory()


def run_then_and_now(facts: Facts, then: datetime) -> tuple[MetricsResult, MetricsResult]:
    """The 30d metrics as of ``then`` and as of 06-30, as two points of one computation (docs/metrics.md:
    "every number equals what computing that as_of alone would give"); the failed list is the latest
    point's."""
    settings = AnalyticsSettings(windows=(W30,), attribution_window=timedelta(hours=24))
    early, late = compute_metrics_points(
        facts.engine,
        [ORDERS],
        [MetricPoint(then, (W30,)), MetricPoint(AS_OF, (W30,))],
        pagerduty_scopes=[P1],
        settings=settings,
        band_windows=[W30, W30],
    )
    return early, late


def reverts(target: str, subject: str = "Add cart") -> str:
    """The message ``git revert`` writes for the commit ``target`` (a full sha or a prefix)."""
    return f'Revert "{subject}"\n\nThis reverts commit {target}.'


# -- 1. a rollback two deployments back, the rolled-back sha redeployed, the skipped change reverted ------


def test_rollback_two_back_then_redeploy_then_revert_of_the_change_the_rollback_skipped(facts: Facts) -> None:
    """F0 first 06-01 (sha FIRST_SHA). D2 06-10 00:00 ships c2 (06-09 22:00: lead 2 h). D3 06-11 00:00
    ships c3 (06-10 21:00: lead 3 h). R4 06-11 06:00 deploys FIRST_SHA: ``behind`` D3 (FIRST_SHA is an
    ancestor of D3's sha and of D2's) → a rollback whose previous deployment is D3 → D3 failed (rollback),
    recovered 6 h; D2, whose change R4 also takes away, is not R4's previous deployment → not failed by
    rule 2. R4 rework. D5 06-11 12:00 redeploys c3's sha, compare ``ahead`` of R4 listing c2 and c3, both
    first shipped earlier (D2, D3) → no changes, no lead time, no rollback, not rework, not failed.
    V6 06-12 00:00 ships v6 (06-11 23:00: lead 1 h) ``This reverts commit <c2>``: c2 is a change of D2
    (its first shipment) → D2 failed (revert), recovered at V6: 48 h. V6 rework (a revert commit).

    As of 06-30, 30d: deployments F0, D2, D3, R4, D5, V6 → 6; CFR 2/6; recovery 6, 48 → p50 27; rework
    R4, V6 → 2/6; leads 2, 3, 1 → sorted 1, 2, 3: p50 2, p90 r 1.8 → 2 + 0.8 × 1 = 2.8. Bands: 6/30 = 0.2
    a day ≥ 1/7 → high; 2 h elite; 33 % low; 27 h is not < 1 day → medium.
    As of 06-11 12:00 (after D5, before V6): F0, D2, D3, R4, D5 → 5; only D3 failed → CFR 1/5; recovery
    6; rework R4 → 1/5; leads 2, 3 → p50 2.5, p90 2 + 0.9 × 1 = 2.9. Bands: 5/30 high; elite; 20 % low;
    6 h high.
    """
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 22))])
    d3 = ship(facts, at(11), [("c3", at(10, 21))])
    r4 = rollback(facts, at(11, 6), FIRST_SHA)
    d5 = facts.deployment(at(11, 12), sha=sha("c3"), ships=[sha("c2"), sha("c3")])
    v6 = ship(facts, at(12), [("v6", at(11, 23), reverts(sha("c2")))])

    early, result = run_then_and_now(facts, at(11, 12))
    assert failed_recovered(result) == {d3: (("rollback",), at(11, 6)), d2: (("revert",), at(12))}
    assert {r4, d5, v6}.isdisjoint(failed_recovered(result))
    for team in ("*", TEAM):
        check(
            rows_30d(result)[team],
            deployments=6,
            change_failure_rate=2 / 6,
            failed_deployment_recovery_hours_p50=27.0,
            rework_rate=2 / 6,
            lead_time_hours_p50=2.0,
            lead_time_hours_p90=2.8,
            bands=bands("high", "elite", "low", "medium"),
        )

    for team in ("*", TEAM):
        check(
            rows_30d(early)[team],
            deployments=5,
            change_failure_rate=0.2,
            failed_deployment_recovery_hours_p50=6.0,
            rework_rate=0.2,
            lead_time_hours_p50=2.5,
            lead_time_hours_p90=2.9,
            bands=bands("high", "elite", "low", "high"),
        )


# -- 2. a rollback whose previous deployment is an identical redeploy ------------------------------------


def test_rollback_after_an_identical_redeploy_fails_the_redeploy_and_the_window_fails_the_shipper(
    facts: Facts,
) -> None:
    """F0 first 06-01. D2 06-10 00:00 ships c2 (06-09 21:00: lead 3 h). I1 (P1, no sha) 06-10 05:00 →
    07:00: the latest orders deployment before it is D2 (5 h) → D2 failed (window), recovered at 07:00:
    7 h. D3 06-10 06:00 redeploys c2's sha (``identical``): no change, no rollback, but I1 is open → rework.
    R4 06-10 08:00 deploys FIRST_SHA, ``behind`` D3: a rollback whose previous deployment is D3 (§6.1 rule
    2 names the previous deployment, here the redeploy, not D2 which shipped c2) → D3 failed (rollback),
    recovered 2 h; R4 rework. D2 is failed by the window rule only (its recovery is I1's end, not R4).
    D5 06-11 00:00, compare ``ahead`` of R4 listing c2 (D2's) and c5 (06-10 23:00): change c5 only, lead
    1 h; not rework, not failed.

    30d: deployments F0, D2, D3, R4, D5 → 5; CFR 2/5; recovery 7, 2 → p50 4.5; rework D3, R4 → 2/5;
    incidents 1, restore 2; leads 3, 1 → p50 2, p90 1 + 0.9 × 2 = 2.8. Bands: 5/30 ≈ 0.167 ≥ 1/7 → high;
    elite; 40 % low; 4.5 h high.
    """
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 21))])
    add_incident(facts, "I1", at(10, 5), resolved_at=at(10, 7))
    d3 = facts.deployment(at(10, 6), sha=sha("c2"), compare="identical")
    r4 = rollback(facts, at(10, 8), FIRST_SHA)
    c5 = facts.commit(sha("c5"), at(10, 23))
    d5 = facts.deployment(at(11), ships=[sha("c2"), c5])

    result = run(facts)
    assert failed_recovered(result) == {d2: (("window",), at(10, 7)), d3: (("rollback",), at(10, 8))}
    assert {r4, d5}.isdisjoint(failed_recovered(result))
    for team in ("*", TEAM):
        check(
            rows_30d(result)[team],
            deployments=5,
            change_failure_rate=0.4,
            failed_deployment_recovery_hours_p50=4.5,
            rework_rate=0.4,
            incidents=1,
            time_to_restore_hours_p50=2.0,
            lead_time_hours_p50=2.0,
            lead_time_hours_p90=2.8,
            bands=bands("high", "elite", "low", "high"),
        )


# -- 3. a revert of a commit a rollback had already withdrawn, listed in one compare with it -------------


def test_revert_listed_with_its_already_withdrawn_target_fails_the_target_deployment(facts: Facts) -> None:
    """F0 first 06-01. D2 06-10 00:00 ships c2 (06-09 22:00: lead 2 h). R3 06-10 04:00 deploys FIRST_SHA
    (``behind`` D2) → D2 failed (rollback), recovered 4 h; R3 rework. Main keeps c2 and reverts it: D4
    06-10 10:00, compare ``ahead`` of R3, lists c2 and v4 (06-10 09:00) ``This reverts commit <c2>``. c2
    was first shipped by D2, so D4's only change is v4 (lead 1 h). Unlike a revert shipped together with
    its target's first shipment, v4 ships in a deployment *later* than D2, whose change c2 is → D2 failed
    (revert) too; recovery = the earliest of R3 (4 h) and D4 (10 h) = 4 h. D4 rework (a revert commit
    among its changes); c2 gives no second lead time.

    30d: deployments 4; CFR 1/4; recovery 4; rework R3, D4 → 2/4; leads 2, 1 → p50 1.5, p90 1 + 0.9 × 1
    = 1.9. Bands: 4/30 ≈ 0.133 < 1/7, ≥ 1/30 → medium; elite; 25 % low; 4 h high.
    As of 06-10 06:00 (before D4): F0, D2, R3 → 3; D2 failed (rollback) recovered 4 h; CFR 1/3; rework 1/3;
    lead 2 → p50 = p90 = 2. Bands: 3/30 = 0.1 medium; elite; 33 % low; high.
    """
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 22))])
    r3 = rollback(facts, at(10, 4), FIRST_SHA)
    v4 = facts.commit(sha("v4"), at(10, 9), message=reverts(sha("c2")))
    d4 = facts.deployment(at(10, 10), ships=[sha("c2"), v4])

    early, result = run_then_and_now(facts, at(10, 6))
    assert failed_recovered(result) == {d2: (("rollback", "revert"), at(10, 4))}
    assert {r3, d4}.isdisjoint(failed_recovered(result))
    for team in ("*", TEAM):
        check(
            rows_30d(result)[team],
            deployments=4,
            change_failure_rate=0.25,
            failed_deployment_recovery_hours_p50=4.0,
            rework_rate=0.5,
            lead_time_hours_p50=1.5,
            lead_time_hours_p90=1.9,
            bands=bands("medium", "elite", "low", "high"),
        )

    check(
        rows_30d(early)[TEAM],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=4.0,
        rework_rate=1 / 3,
        lead_time_hours_p50=2.0,
        lead_time_hours_p90=2.0,
        bands=bands("medium", "elite", "low", "high"),
    )


# -- 4. a revert shipped with its target, rolled back, then listed again ---------------------------------


def test_revert_shipped_with_its_target_then_rolled_back_and_relisted_stays_the_first_deployments(
    facts: Facts,
) -> None:
    """F0 first 06-01. D2 06-10 00:00 ships c2 (06-09 20:00: lead 4 h) and r2 (06-09 22:00: lead 2 h)
    ``This reverts commit <c2>``: rule 3 needs a *later* deployment → r2 fails nothing; D2 rework (r2 is
    one of its changes). R3 06-10 03:00 deploys FIRST_SHA (``behind`` D2) → D2 failed (rollback), recovered
    3 h; R3 rework. D4 06-10 09:00, ``ahead`` of R3, lists c2, r2 and c4 (06-10 08:00): c2 and r2 stay D2's
    (a commit is a change only of the first deployment that ships it) → D4's only change is c4 (lead 1 h);
    D4 is a later deployment than D2 but ships r2 only again, not as one of its changes → D2 is not failed
    by rule 3 (rules: rollback only, no 0-hour recovery from D4 either) and D4 is not rework.

    30d: deployments 4; CFR 1/4; recovery 3; rework D2, R3 → 2/4; leads 4, 2, 1 → sorted 1, 2, 4: p50 2,
    p90 r 1.8 → 2 + 0.8 × 2 = 3.6. Bands: medium; elite; 25 % low; 3 h high.
    """
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 20)), ("r2", at(9, 22), reverts(sha("c2")))])
    r3 = rollback(facts, at(10, 3), FIRST_SHA)
    c4 = facts.commit(sha("c4"), at(10, 8))
    d4 = facts.deployment(at(10, 9), ships=[sha("c2"), sha("r2"), c4])

    result = run(facts)
    assert failed_recovered(result) == {d2: (("rollback",), at(10, 3))}
    assert {r3, d4}.isdisjoint(failed_recovered(result))
    for team in ("*", TEAM):
        check(
            rows_30d(result)[team],
            deployments=4,
            change_failure_rate=0.25,
            failed_deployment_recovery_hours_p50=3.0,
            rework_rate=0.5,
            lead_time_hours_p50=2.0,
            lead_time_hours_p90=3.6,
            bands=bands("medium", "elite", "low", "high"),
        )


# -- 5. a revert and its own revert in one deployment, then reverted again -------------------------------


def test_revert_and_its_revert_in_one_deployment_then_a_third_revert(facts: Facts) -> None:
    """F0 first 06-01. D2 06-10 00:00 ships c2 (06-09 22:00: lead 2 h). D3 06-11 00:00 ships r3 (06-10
    20:00: lead 4 h) ``This reverts commit <c2>`` and rr3 (06-10 22:00: lead 2 h) ``This reverts commit
    <r3>``. r3 → D2 failed (revert), recovered at D3: 24 h. rr3 reverts r3, a change of D3 itself: no
    *later* deployment → D3 is not failed by it (else it would recover at once: 0 h). D3 rework (two
    revert commits, once). D4 06-12 00:00 ships rrr4 (06-11 23:00: lead 1 h) ``This reverts commit
    <rr3[:12]>`` → rr3 is a change of D3 → D3 failed (revert), recovered at D4: 24 h; D4 rework.

    As of 06-30, 30d: deployments 4; CFR 2/4; recovery 24, 24 → p50 24 (a same-deployment reading would
    give 24, 0 → 12); rework D3, D4 → 2/4; leads 2, 4, 2, 1 → sorted 1, 2, 2, 4: p50 2, p90 r 2.7 → 2 + 0.7
    × 2 = 3.4. Bands: 4/30 medium; elite; 50 % low; 24 h is not < 1 day → medium.
    As of 06-11 12:00 (before D4): F0, D2, D3 → 3; D2 failed (24 h); D3 not → CFR 1/3; rework D3 → 1/3;
    leads 2, 4, 2 → p50 2, p90 r 1.8 → 2 + 0.8 × 2 = 3.6.
    """
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 22))])
    d3 = ship(
        facts,
        at(11),
        [
            ("r3", at(10, 20), reverts(sha("c2"))),
            ("rr3", at(10, 22), reverts(sha("r3"), 'Revert "Add cart"')),
        ],
    )
    d4 = ship(facts, at(12), [("rrr4", at(11, 23), reverts(sha("rr3")[:12], 'Revert "Revert "Add cart""'))])

    early, result = run_then_and_now(facts, at(11, 12))
    assert failed_recovered(result) == {d2: (("revert",), at(11)), d3: (("revert",), at(12))}
    assert d4 not in failed_recovered(result)
    for team in ("*", TEAM):
        check(
            rows_30d(result)[team],
            deployments=4,
            change_failure_rate=0.5,
            failed_deployment_recovery_hours_p50=24.0,
            rework_rate=0.5,
            lead_time_hours_p50=2.0,
            lead_time_hours_p90=3.4,
            bands=bands("medium", "elite", "low", "medium"),
        )

    check(
        rows_30d(early)[TEAM],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=24.0,
        rework_rate=1 / 3,
        lead_time_hours_p50=2.0,
        lead_time_hours_p90=3.6,
    )


# -- 6. recovery: an earlier incident end that failed another deployment does not count ------------------


def test_an_incident_that_failed_a_later_deployment_does_not_recover_a_reverted_one(facts: Facts) -> None:
    """F0 first 06-01. D2 06-10 00:00 ships c2 (06-09 23:00: lead 1 h). D3 06-10 06:00 ships c3 (04:00:
    lead 2 h). I1 (P1, no sha) 07:00 → 09:00: the latest deployment before it is D3 → D3 failed (window),
    recovered 3 h; D2 (7 h before, also within 24 h) is not the latest → not failed by I1. V4 12:00 ships
    v4 (11:00: lead 1 h) ``This reverts commit <c2>`` → D2 failed (revert). I2 (P1) 13:00 → 14:00,
    ``checkout errors since <c2[:7]>`` → D2 failed (explicit) too; its explicit link keeps the window
    rule off V4 (the latest deployment, 1 h before I2). D2's recovery: the earliest of V4 (12 h) and I2's
    end (14 h) = 12 h — I1 ended earlier (9 h after D2) but did not fail D2. D5 13:30 ships c5 (13:00:
    lead 0.5 h) while I2 is open → rework; no incident starts after it → not failed.

    30d: deployments F0, D2, D3, V4, D5 → 5; CFR 2/5; recovery 12, 3 → p50 7.5; rework V4 (revert), D5
    (I2 open) → 2/5; incidents 2; restore 2, 1 → p50 1.5, p90 1 + 0.9 × 1 = 1.9; leads 1, 2, 1, 0.5 →
    sorted 0.5, 1, 1, 2: p50 1, p90 r 2.7 → 1 + 0.7 × 1 = 1.7. Bands: 5/30 high; 1 h elite; 40 % low;
    7.5 h high.
    """
    first(facts)
    c2 = sha("c2")
    d2 = ship(facts, at(10), [("c2", at(9, 23))])
    d3 = ship(facts, at(10, 6), [("c3", at(10, 4))])
    add_incident(facts, "I1", at(10, 7), resolved_at=at(10, 9))
    v4 = ship(facts, at(10, 12), [("v4", at(10, 11), reverts(c2))])
    add_incident(facts, "I2", at(10, 13), resolved_at=at(10, 14), title=f"checkout errors since {c2[:7]}")
    d5 = ship(facts, at(10, 13.5), [("c5", at(10, 13))])

    result = run(facts)
    assert failed_recovered(result) == {
        d2: (("explicit", "revert"), at(10, 12)),
        d3: (("window",), at(10, 9)),
    }
    assert {v4, d5}.isdisjoint(failed_recovered(result))
    for team in ("*", TEAM):
        check(
            rows_30d(result)[team],
            deployments=5,
            change_failure_rate=0.4,
            failed_deployment_recovery_hours_p50=7.5,
            rework_rate=0.4,
            incidents=2,
            time_to_restore_hours_p50=1.5,
            time_to_restore_hours_p90=1.9,
            lead_time_hours_p50=1.0,
            lead_time_hours_p90=1.7,
            bands=bands("high", "elite", "low", "high"),
        )


# -- 7. GitHub's "Revert" button PR merged with a merge commit, then a squash-merged, labelled reapply ----


def test_revert_pr_merged_with_a_merge_commit_then_a_labelled_squash_reapply(facts: Facts) -> None:
    """F0 first 06-01. PR #12 (label ``hotfix``): commits 06-08 20:00 and 06-09 10:00, opened 06-09 11:00,
    squash-merged 22:00 as c2. D2 06-10 00:00 ships c2: lead from the PR's first commit 28 h; rework by the
    label only (rework labels ``hotfix``, ``rollback``, ``revert``, ``incident``).
    I1 (P1, no sha) 06-10 01:00 → 05:00 → D2 failed (window: the latest deployment, 1 h before).
    PR #21 (no label), GitHub's "Revert" button: its one commit r21 (06-10 02:00) ``Revert "Add cart
    (#12)" / This reverts commit <c2>.``, opened 02:30, merged 03:00 with merge commit m21 (two parents). D3
    06-10 04:00 lists r21 and m21: m21 is no change; r21 is (its own author date, being no PR's merge
    commit: lead 2 h) → D2 failed (revert) too, recovered at the earliest of D3 (4 h) and I1's end (5 h)
    = 4 h. D3 rework (a revert commit; I1 open; once).
    PR #23 (label ``Revert``): commit 06-10 20:00, opened 21:00, squash-merged 22:00 as s23 whose body
    (GitHub's squash of a ``git revert``) holds ``This reverts commit <r21>.`` D4 06-11 00:00 ships s23:
    lead from the PR's first commit 4 h; r21 is a change of D3 → D3 failed (revert), recovered 20 h; D4
    rework (revert commit and label, once).

    30d: deployments 4; CFR 2/4; recovery 4, 20 → p50 12; rework D2 (label), D3, D4 → 3/4; incidents 1,
    restore 4; leads 28, 2, 4 → sorted 2, 4, 28: p50 4, p90 r 1.8 → 4 + 0.8 × 24 = 23.2. Breakdown (PRs
    deployed: #12 by D2, #21 by D3 whose compare holds m21, #23 by D4): coding 15, 0.5, 1 → 1; deploy 2,
    1, 2 → 2; no reviews → pickup, review null.
    Bands: 4/30 medium; 4 h elite; 50 % low; 12 h high.
    """
    first(facts)
    c2 = facts.commit(sha("c2"), at(9, 22))
    facts.pull_request(
        12,
        created_at=at(9, 11),
        merged_at=at(9, 22),
        merge_commit_sha=c2,
        commit_dates=[at(8, 20), at(9, 10)],
    )
    add_label(facts, 12, "hotfix")
    d2 = facts.deployment(at(10), ships=[c2])
    add_incident(facts, "I1", at(10, 1), resolved_at=at(10, 5))

    r21 = facts.commit(sha("r21"), at(10, 2), message=reverts(c2, "Add cart (#12)"))
    m21 = facts.commit(
        sha("m21"),
        at(10, 3),
        parents=2,
        message='Merge pull request #21 from acme/revert-12\n\nRevert "Add cart (#12)"',
    )
    facts.pull_request(21, created_at=at(10, 2.5), merged_at=at(10, 3), merge_commit_sha=m21)
    facts._write(
        schema.pull_request_commits,
        {"repo": REPO, "number": 21, "sha": r21, "author_date": to_db(at(10, 2)), "position": 0},
    )
    d3 = facts.deployment(at(10, 4), ships=[r21, m21])

    squash = f'Reapply "Add cart" (#23)\n\n* Revert "Revert "Add cart (#12)""\n\nThis reverts commit {r21}.'
    s23 = facts.commit(sha("s23"), at(10, 22), message=squash)
    facts.pull_request(
        23, created_at=at(10, 21), merged_at=at(10, 22), merge_commit_sha=s23, commit_dates=[at(10, 20)]
    )
    add_label(facts, 23, "Revert")
    d4 = facts.deployment(at(11), ships=[s23])

    result = run(facts, rework_labels=REWORK_LABELS)
    assert failed_recovered(result) == {d2: (("revert", "window"), at(10, 4)), d3: (("revert",), at(11))}
    assert d4 not in failed_recovered(result)
    for team in ("*", TEAM):
        check(
            rows_30d(result)[team],
            deployments=4,
            change_failure_rate=0.5,
            failed_deployment_recovery_hours_p50=12.0,
            rework_rate=0.75,
            incidents=1,
            time_to_restore_hours_p50=4.0,
            lead_time_hours_p50=4.0,
            lead_time_hours_p90=23.2,
            bands=bands("medium", "elite", "low", "high"),
        )
        assert rows_30d(result)[team].lead_time_breakdown_hours_p50 == {
            "coding": approx(1.0),
            "pickup": None,
            "review": None,
            "deploy": approx(2.0),
        }


# -- 8. one 7-digit prefix in two repos: a revert reaches its own repo only, an incident both -------------


def test_a_prefix_shared_across_repos_is_reverted_in_its_own_repo_and_named_in_both(facts: Facts) -> None:
    """Shas so and sp share their first 7 digits ``abcdef1``: so a change of acme/orders, sp of acme/pay.

    orders: O1 first 06-01. O2 06-10 00:00 ships so (06-09 22:00: lead 2 h). O3 06-11 00:00 ships v3
    (06-10 23:00: lead 1 h) ``This reverts commit abcdef1.`` (a prefix): rule 3 reaches a later deployment
    of the *same repository* (docs/metrics.md) → O2 failed (revert), recovered 24 h; P2 (acme/pay) is not
    failed by it although sp begins with that prefix. O3 rework.
    pay: G1 first 06-01. G2 06-10 00:00 ships sp (06-09 21:00: lead 3 h). G3 06-11 23:00 ships p3 (22:00:
    lead 1 h).
    I1 on P2 (payments) 06-12 00:00 → 04:00, ``root cause: abcdef1``: the hex word begins a change of O2
    and one of G2 → both failed (explicit); with an explicit link the window rule does not fail G3 (pay's
    latest deployment, 1 h before I1). O2's recovery: the earliest of O3 (24 h) and I1's end (52 h) = 24
    h; G2's: I1's end, 52 h. G3 is deployed before I1 → not rework.

    order-team: deployments 3; CFR 1/3; recovery 24; rework O3 → 1/3; incidents 0 (P2 is not theirs);
    leads 2, 1 → p50 1.5, p90 1.9. Bands: 3/30 = 0.1 medium; elite; 33 % low; 24 h medium.
    payments: deployments 3; CFR 1/3; recovery 52; rework 0; incidents 1, restore 4; leads 3, 1 → p50 2,
    p90 1 + 0.9 × 2 = 2.8. Bands: medium; elite; 33 % low; 52 h medium.
    "*": deployments 6; CFR 2/6; recovery 24, 52 → p50 38; rework 1/6; incidents 1; leads 1, 1, 2, 3 → p50
    1.5, p90 r 2.7 → 2 + 0.7 × 1 = 2.7. Bands: 6/30 = 0.2 high; elite; 33 % low; 38 h medium.
    """
    so, sp = "abcdef1" + "0" * 33, "abcdef1" + "9" * 33
    first(facts)
    first(facts, repo=PAY_REPO)
    o2 = facts.deployment(at(10), ships=[facts.commit(so, at(9, 22))])
    g2 = facts.deployment(at(10), ships=[facts.commit(sp, at(9, 21), repo=PAY_REPO)], repo=PAY_REPO)
    o3 = ship(facts, at(11), [("v3", at(10, 23), reverts("abcdef1", "Add tax"))])
    g3 = ship(facts, at(11, 23), [("p3", at(11, 22))], repo=PAY_REPO)
    add_incident(
        facts, "I1", at(12), resolved_at=at(12, 4), service="P2", title="Refunds fail, root cause: abcdef1"
    )

    result = run(facts, (ORDERS, PAY), (P1, P2))
    assert failed_recovered(result) == {o2: (("explicit", "revert"), at(11)), g2: (("explicit",), at(12, 4))}
    assert {o3, g3}.isdisjoint(failed_recovered(result))
    got = rows_30d(result)
    check(
        got[TEAM],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=24.0,
        rework_rate=1 / 3,
        incidents=0,
        lead_time_hours_p50=1.5,
        lead_time_hours_p90=1.9,
        bands=bands("medium", "elite", "low", "medium"),
    )
    check(
        got[PAY_TEAM],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=52.0,
        rework_rate=0.0,
        incidents=1,
        time_to_restore_hours_p50=4.0,
        lead_time_hours_p50=2.0,
        lead_time_hours_p90=2.8,
        bands=bands("medium", "elite", "low", "medium"),
    )
    check(
        got["*"],
        deployments=6,
        change_failure_rate=2 / 6,
        failed_deployment_recovery_hours_p50=38.0,
        rework_rate=1 / 6,
        incidents=1,
        lead_time_hours_p50=1.5,
        lead_time_hours_p90=2.7,
        bands=bands("high", "elite", "low", "medium"),
    )


# -- 9. a failure not recovered by one point, recovered by its rollback at the next, reverted after ---------


def test_failure_unrecovered_at_one_point_recovered_by_its_rollback_at_the_next(facts: Facts) -> None:
    """Three points of one computation (as a snapshot's weekly trend), windows 7d and 30d, bands from 30d.

    F0 first 06-01 00:00. D2 06-20 00:00 ships c2 (06-19 22:00: lead 2 h). I1 (P1) 06-20 02:00 ``root
    cause: <c2[:8]>``, resolved 07-05 (after every point: open) → D2 failed (explicit) from 06-20 02:00.
    R3 06-24 00:00 deploys FIRST_SHA (``behind`` D2) → D2 failed (rollback) from R3 on, recovered at R3
    (96 h after D2); R3 rework (a rollback; I1 open). V4 06-27 00:00, ``ahead`` of R3, lists c2 (D2's) and
    v4 (06-26 23:00: lead 1 h) ``This reverts commit <c2>`` → D2 failed (revert) too, recovery still
    min(R3, V4) = R3; V4 rework (a revert; I1 open).

    As of 06-22: 7d (06-15, 06-22]: D2 → 1; CFR 1/1; recovery null (I1 open, no rollback yet); rework 0;
    lead 2; incidents 1; restore null. 30d (05-23, 06-22]: F0, D2 → 2; CFR 1/2; recovery null; rework 0;
    lead 2. Bands: 2/30 ≥ 1/30 medium; elite; 50 % low; recovery null and no restore → null.
    As of 06-25: 7d (06-18, 06-25]: D2, R3 → 2; CFR 1/2; recovery 96; rework R3 → 1/2; lead 2. 30d: F0,
    D2, R3 → 3; CFR 1/3; recovery 96; rework 1/3. Bands: 3/30 medium; elite; 33 % low; 96 h < 1 week →
    medium.
    As of 06-29: 7d (06-22, 06-29]: R3, V4 → 2; D2 is before it → CFR 0/2; recovery null; rework 2/2;
    lead 1; incidents 0 (I1 started 06-20). 30d (05-30, 06-29]: F0, D2, R3, V4 → 4; CFR 1/4; recovery 96;
    rework 2/4; leads 2, 1 → p50 1.5, p90 1.9; incidents 1. Bands: 4/30 medium; elite; 25 % low; medium.
    """
    c2 = sha("c2")
    first(facts)
    d2 = ship(facts, at(20), [("c2", at(19, 22))])
    add_incident(facts, "I1", at(20, 2), resolved_at=LATER, title=f"Checkout 500s, root cause: {c2[:8]}")
    r3 = rollback(facts, at(24), FIRST_SHA)
    v4 = facts.commit(sha("v4"), at(26, 23), message=reverts(c2))
    facts.deployment(at(27), ships=[c2, v4])

    settings = AnalyticsSettings(windows=(W7, W30), attribution_window=timedelta(hours=24))
    instants = [at(22), at(25), at(29)]
    results = compute_metrics_points(
        facts.engine,
        [ORDERS],
        [MetricPoint(instant, (W7, W30)) for instant in instants],
        pagerduty_scopes=[P1],
        settings=settings,
        band_windows=[W30] * 3,
    )
    expected = {
        at(22): (
            {"deployments": 1, "change_failure_rate": 1.0, "failed_deployment_recovery_hours_p50": None},
            {
                "rework_rate": 0.0,
                "lead_time_hours_p50": 2.0,
                "incidents": 1,
            },
            {"deployments": 2, "change_failure_rate": 0.5, "failed_deployment_recovery_hours_p50": None},
            {"rework_rate": 0.0, "lead_time_hours_p50": 2.0, "lead_time_hours_p90": 2.0, "incidents": 1},
            bands("medium", "elite", "low", None),
        ),
        at(25): (
            {"deployments": 2, "change_failure_rate": 0.5, "failed_deployment_recovery_hours_p50": 96.0},
            {
                "rework_rate": 0.5,
                "lead_time_hours_p50": 2.0,
                "incidents": 1,
            },
            {"deployments": 3, "change_failure_rate": 1 / 3, "failed_deployment_recovery_hours_p50": 96.0},
            {"rework_rate": 1 / 3, "lead_time_hours_p50": 2.0, "lead_time_hours_p90": 2.0, "incidents": 1},
            bands("medium", "elite", "low", "medium"),
        ),
        at(29): (
            {"deployments": 2, "change_failure_rate": 0.0, "failed_deployment_recovery_hours_p50": None},
            {
                "rework_rate": 1.0,
                "lead_time_hours_p50": 1.0,
                "incidents": 0,
            },
            {"deployments": 4, "change_failure_rate": 0.25, "failed_deployment_recovery_hours_p50": 96.0},
            {"rework_rate": 0.5, "lead_time_hours_p50": 1.5, "lead_time_hours_p90": 1.9, "incidents": 1},
            bands("medium", "elite", "low", "medium"),
        ),
    }
    for instant, result in zip(instants, results, strict=True):
        week_failure, week_delivery, month_failure, month_delivery, expected_bands = expected[instant]
        got = {(row.team, row.window): row for row in result.rows}
        for team in ("*", TEAM):
            check(got[team, "7d"], **week_failure, **week_delivery, time_to_restore_hours_p50=None)
            assert got[team, "7d"].bands == expected_bands
            check(got[team, "30d"], **month_failure, **month_delivery, time_to_restore_hours_p50=None)
            assert got[team, "30d"].bands == expected_bands
    assert failed_recovered(results[-1]) == {d2: (("explicit", "rollback", "revert"), at(24))}
    assert r3 not in failed_recovered(results[-1])
