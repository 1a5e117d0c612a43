"""Audit, round 5: incidents where they meet the failure rules, recovery, time to restore, rework and the
window / ``as_of`` edges (SPEC §4, §5.4, §6, §6.1–§6.3; docs/metrics.md where SPEC leaves a choice).

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC unless a scenario says otherwise: 7d = (06-23 00:00,
06-30 00:00], 30d = (05-31 00:00, 06-30 00:00]; attribution window 24 h; benchmarks dora-2023; no rework
labels. Team ``order-team`` owns acme/orders (service ``orders``) and PagerDuty service P1; ``payments``
owns acme/pay (service ``pay``) and P2; PU is a PagerDuty service nobody owns (team ``unowned``, no
service). A repo's first deployment (``first``) has compare ``first``: it counts, adds no lead times.
Everything goes through ``compute_metrics`` (what ``doraspace metrics`` runs), on both stores. Every
expected number is worked out by hand in the test's docstring.

SPEC sentences the scenarios lean on:

* §6.1 rule 1 (explicit: "an incident's title or description (a GitHub issue's title or body) contains a
  hex string of 7 to 40 characters … that begins the sha of a change of F"), rule 2 (rollback: "a later
  deployment of the same repo and environment is a rollback whose previous deployment is F"), rule 4
  (window: "an incident with no explicit link started in (F.deployed_at, F.deployed_at +
  attribution_window], on a PagerDuty service or repo of F's service (§4), and F is the latest deployment
  of that service before the incident started");
* §6.2 recovery "over failed deployments in the window that have recovered by as_of: from F.deployed_at
  to the earliest of the resolution of an incident that failed it (explicit/window) and the deployed_at of
  its rollback or revert deployment"; restore "over incidents resolved in the window"; incidents "that
  started in the window"; rework "… or was deployed while an incident of its service was open";
* §6 "a ratio or percentile with nothing to measure is null, never 0"; "The organisation row "*" covers
  everything collected, team unowned included";
* §6.3 "Recovery uses failed_deployment_recovery_hours_p50, falling back to time_to_restore_hours_p50
  where the team has no failed deployment with a recovery. Bands always come from the 90-day window (or
  the longest configured): every row of a team, whatever its window, carries the same bands."
* docs/metrics.md: "An incident counts for the team owning its PagerDuty service or repository"; rule 3
  "a later deployment of the same repository ships … a commit whose message says This reverts commit";
  the window-rule sweep "(an incident before a deployment at the same instant)", and "Open incidents for
  rework are a running count of starts (+1) and resolutions (−1) on the same sweep".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from analytics.dora import MetricPoint
from analytics.metrics import compute_metrics_points
from analytics.ownership import RepoScope
from analytics.settings import AnalyticsSettings
from tests.analytics.facts import AS_OF, PRODUCTION, REPO, SOURCE, Facts, add_incident, at, bands, sha
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

WEB_REPO = "acme/orders-web"
WEB = RepoScope(repo=WEB_REPO, team=TEAM, source=SOURCE, environment=PRODUCTION, service="orders")


def deploy(
    facts: Facts, deployed_at: datetime, name: str, lead_hours: float, *, repo: str = REPO, message: str = ""
) -> int:
    """A deployment shipping one direct commit ``sha(name)`` authored ``lead_hours`` before it."""
    commit = facts.commit(sha(name), deployed_at - timedelta(hours=lead_hours), repo=repo, message=message)
    return facts.deployment(deployed_at, ships=[commit], repo=repo)


# -- 1. an explicit link to team A's change raised on team B's service, with rework on both sides --------


def test_explicit_link_on_another_teams_service_reworks_only_that_services_deployments(facts: Facts) -> None:
    """Firsts of acme/orders and acme/pay 06-01. A2 (orders) 06-10 00:00 ships a2 (lead 2 h). B2 (pay)
    06-10 01:00 ships b2 (lead 1 h). I1 on P2 (payments') 06-10 02:00 → 08:00, "errors since <a2[:8]>":
    explicit → A2; an explicitly linked incident gives no window attribution, so B2 (pay's latest, 1 h
    before) is not failed. A3 (orders) 04:00 ships a3 (lead 1 h) and B3 (pay) 05:00 ships b3 (lead 1 h),
    both while I1 is open: I1 is an incident of service pay only (P2), so B3 is rework, A3 is not.

    order-team: deployments 3 (0.1/day); CFR 1/3; recovery A2 00:00 → I1 resolved 08:00 = 8 h; incidents
    0 and no restore (I1 is payments'); rework 0/3; leads 2, 1 → p50 1.5, p90 1 + 0.9 × 1 = 1.9.
    Bands: 0.1 ≥ 1/30, < 1/7 medium; 1.5 h elite; 33 % low; 8 h high.
    payments: deployments 3; CFR 0/3; recovery null; incidents 1; restore 6 h; rework 1/3; leads 1, 1.
    Bands: medium; elite; 0 % elite; no recovered failure → restore 6 h → high.
    "*": deployments 6 (0.2/day); CFR 1/6; recovery 8; incidents 1; restore 6; rework 1/6; leads 1, 1, 1, 2
    → p50 1, p90 at rank 2.7: 1 + 0.7 × 1 = 1.7. Bands: 0.2 ≥ 1/7 high; elite; 16.7 % low; 8 h high.
    """
    first(facts)
    first(facts, repo=PAY_REPO)
    a2 = deploy(facts, at(10), "a2", 2)
    deploy(facts, at(10, 1), "b2", 1, repo=PAY_REPO)
    add_incident(
        facts, "I1", at(10, 2), resolved_at=at(10, 8), service="P2", title=f"errors since {sha('a2')[:8]}"
    )
    deploy(facts, at(10, 4), "a3", 1)
    deploy(facts, at(10, 5), "b3", 1, repo=PAY_REPO)
    result = run(facts, (ORDERS, PAY), (P1, P2))
    got = rows(result)
    assert failed_recovered(result) == {a2: (("explicit",), at(10, 8))}
    check(
        got[TEAM, "30d"],
        deployments=3,
        deployment_frequency_per_day=0.1,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=8.0,
        incidents=0,
        time_to_restore_hours_p50=None,
        time_to_restore_hours_p90=None,
        rework_rate=0.0,
        lead_time_hours_p50=1.5,
        lead_time_hours_p90=1.9,
        bands=bands("medium", "elite", "low", "high"),
    )
    check(
        got[PAY_TEAM, "30d"],
        deployments=3,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        time_to_restore_hours_p50=6.0,
        time_to_restore_hours_p90=6.0,
        rework_rate=1 / 3,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.0,
        bands=bands("medium", "elite", "elite", "high"),
    )
    check(
        got["*", "30d"],
        deployments=6,
        deployment_frequency_per_day=0.2,
        change_failure_rate=1 / 6,
        failed_deployment_recovery_hours_p50=8.0,
        incidents=1,
        time_to_restore_hours_p50=6.0,
        rework_rate=1 / 6,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.7,
        bands=bands("high", "elite", "low", "high"),
    )


# -- 2. one incident naming changes of two teams' deployments, and a hex word that names nothing ----------


def test_one_incident_with_two_hex_words_fails_two_teams_deployments_and_blocks_the_window(
    facts: Facts,
) -> None:
    """Firsts 06-01. A2 (orders) 06-10 00:00 ships a2 (lead 3 h). B2 (pay) 06-11 00:00 ships b2 (lead 2 h).
    A3 (orders) 06-11 00:30 ships a3 (lead 0.5 h). I1 on P1 06-11 01:00 → 05:00, title "deploys <a2[:7]>
    and <b2[:12]> broke checkout", description "see build deadbeef0" (a hex word beginning no change's
    sha: links nothing). Explicit → A2 and B2 (both words); so no window rule, and A3, orders' latest 30
    min before I1, is not failed. B3 (pay) 03:00 ships b3 (lead 1 h) during I1 (P1 is orders' service: no
    rework); A4 (orders) 04:00 ships a4 (lead 1 h) during I1: rework.

    Recovery from I1's resolution 06-11 05:00: A2 29 h, B2 5 h.
    order-team: deployments 4; CFR 1/4; recovery 29; incidents 1; restore 4; rework 1/4; leads 0.5, 1, 3 →
    p50 1, p90 at 1.8: 1 + 0.8 × 2 = 2.6. Bands: 4/30 < 1/7 medium; elite; 25 % low; 29 h medium.
    payments: deployments 3; CFR 1/3; recovery 5; incidents 0; restore null; rework 0; leads 1, 2 → 1.5,
    1.9. Bands: medium; elite; low; 5 h high.
    "*": deployments 7; CFR 2/7; recovery 5, 29 → 17; incidents 1; restore 4; rework 1/7; leads 0.5, 1, 1,
    2, 3 → p50 1, p90 at 3.6: 2 + 0.6 × 1 = 2.6. Bands: 7/30 ≥ 1/7 high; elite; 28.6 % low; 17 h high.
    """
    first(facts)
    first(facts, repo=PAY_REPO)
    a2 = deploy(facts, at(10), "a2", 3)
    b2 = deploy(facts, at(11), "b2", 2, repo=PAY_REPO)
    a3 = deploy(facts, at(11, 0.5), "a3", 0.5)
    add_incident(
        facts,
        "I1",
        at(11, 1),
        resolved_at=at(11, 5),
        title=f"deploys {sha('a2')[:7]} and {sha('b2')[:12]} broke checkout",
        description="see build deadbeef0",
    )
    deploy(facts, at(11, 3), "b3", 1, repo=PAY_REPO)
    deploy(facts, at(11, 4), "a4", 1)
    result = run(facts, (ORDERS, PAY), (P1, P2))
    got = rows(result)
    assert failed_recovered(result) == {a2: (("explicit",), at(11, 5)), b2: (("explicit",), at(11, 5))}
    assert a3 not in failed_recovered(result)
    check(
        got[TEAM, "30d"],
        deployments=4,
        change_failure_rate=0.25,
        failed_deployment_recovery_hours_p50=29.0,
        incidents=1,
        time_to_restore_hours_p50=4.0,
        time_to_restore_hours_p90=4.0,
        rework_rate=0.25,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=2.6,
        bands=bands("medium", "elite", "low", "medium"),
    )
    check(
        got[PAY_TEAM, "30d"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=5.0,
        incidents=0,
        time_to_restore_hours_p50=None,
        rework_rate=0.0,
        lead_time_hours_p50=1.5,
        lead_time_hours_p90=1.9,
        bands=bands("medium", "elite", "low", "high"),
    )
    check(
        got["*", "30d"],
        deployments=7,
        change_failure_rate=2 / 7,
        failed_deployment_recovery_hours_p50=17.0,
        incidents=1,
        time_to_restore_hours_p50=4.0,
        rework_rate=1 / 7,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=2.6,
        bands=bands("high", "elite", "low", "high"),
    )


# -- 3. one service over two repos: a rollback in one repo while the service's latest is the other -------


def test_rollback_in_one_repo_of_a_two_repo_service_then_the_window_picks_the_rollback(facts: Facts) -> None:
    """Service ``orders`` spans acme/orders and acme/orders-web (both order-team's; P1 is the service's).
    Firsts of both 06-01. D2 (orders) 06-10 00:00 ships o2 (lead 2 h). W2 (web) 01:00 ships w2 (lead 1 h).
    R3 (orders) 03:00 redeploys the first sha: behind, and its previous deployment in acme/orders' chain
    is D2 (rule 2 reads "of the same repo"), so D2 fails (rollback), recovered at 03:00: 3 h; W2, the
    service's latest before R3, is not rolled back. I1 (P1) 04:00 → 10:00, no sha: the service's latest
    deployment before it is R3 (1 h) → R3 fails (window), recovered 10:00: 7 h. W3 (web) 06:00 ships w3
    (lead 1 h) while I1, an incident of its service, is open: rework.

    30d: deployments 6 (0.2/day); CFR 2/6; recovery 3, 7 → 5; incidents 1; restore 6; rework R3
    (rollback), W3 (open incident) → 2/6; leads 2, 1, 1 → p50 1, p90 1 + 0.8 × 1 = 1.8.
    Bands: 0.2 ≥ 1/7 high; elite; 33 % low; 5 h high.
    """
    first(facts)
    first(facts, repo=WEB_REPO)
    d2 = deploy(facts, at(10), "o2", 2)
    w2 = deploy(facts, at(10, 1), "w2", 1, repo=WEB_REPO)
    r3 = rollback(facts, at(10, 3), FIRST_SHA)
    add_incident(facts, "I1", at(10, 4), resolved_at=at(10, 10))
    w3 = deploy(facts, at(10, 6), "w3", 1, repo=WEB_REPO)
    result = run(facts, (ORDERS, WEB), (P1,))
    assert failed_recovered(result) == {d2: (("rollback",), at(10, 3)), r3: (("window",), at(10, 10))}
    assert {w2, w3}.isdisjoint(failed_recovered(result))
    for team in (TEAM, "*"):
        check(
            rows(result)[team, "30d"],
            deployments=6,
            deployment_frequency_per_day=0.2,
            change_failure_rate=2 / 6,
            failed_deployment_recovery_hours_p50=5.0,
            incidents=1,
            time_to_restore_hours_p50=6.0,
            time_to_restore_hours_p90=6.0,
            rework_rate=2 / 6,
            lead_time_hours_p50=1.0,
            lead_time_hours_p90=1.8,
            lead_time_breakdown_hours_p50=NO_BREAKDOWN,
            bands=bands("high", "elite", "low", "high"),
        )


# -- 4. incidents exactly at F.deployed_at and exactly at F + attribution window, a deployment there too --


def build_same_instants(facts: Facts) -> tuple[int, int]:
    """Test 4's facts (see its docstring); returns (F, G)."""
    first(facts)
    add_incident(facts, "I0", at(10), resolved_at=at(10, 1))
    f = deploy(facts, at(10), "f", 2)
    g = deploy(facts, at(11), "g", 1)
    add_incident(facts, "I1", at(11), resolved_at=at(11, 3))
    return f, g


def test_incidents_at_both_ends_of_the_attribution_window_with_deployments_at_the_same_instants(
    facts: Facts,
) -> None:
    """First 06-01. I0 (P1) starts exactly at 06-10 00:00 → 01:00; F deploys at that very instant, shipping
    f (lead 2 h). G 06-11 00:00 ships g (lead 1 h); I1 (P1) starts at that very instant, exactly F + 24 h,
    → 03:00.

    I0: F is not before it (the window (F, F + 24 h] excludes F's own instant); the latest deployment
    before it is the first, 9 days back: fails nothing. I1: G at the same instant is not before it (the
    sweep puts an incident before a deployment at the same instant), so F is the latest, and F + 24 h is
    inside (F, F + 24 h]: F fails (window), recovered at I1's resolution 06-11 03:00: 27 h. G is not
    failed (I1 is not after G).

    30d: deployments 3 (0.1/day); CFR 1/3; recovery 27; incidents 2; restore 1, 3 → p50 2, p90 1 + 0.9 ×
    2 = 2.8; leads 2, 1 → 1.5, 1.9. Bands: medium; elite; low; 27 h ≥ 1 day → medium. (Rework: the next
    test.)
    """
    f, g = build_same_instants(facts)
    result = run(facts)
    assert failed_recovered(result) == {f: (("window",), at(11, 3))}
    assert g not in failed_recovered(result)
    check(
        rows(result)[TEAM, "30d"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=27.0,
        incidents=2,
        time_to_restore_hours_p50=2.0,
        time_to_restore_hours_p90=2.8,
        lead_time_hours_p50=1.5,
        lead_time_hours_p90=1.9,
        bands=bands("medium", "elite", "low", "medium"),
    )


def test_deployments_at_the_instant_an_incident_of_their_service_starts_are_rework(facts: Facts) -> None:
    """Test 4's facts. F is deployed at the very instant I0 starts, G at the very instant I1 starts.

    SPEC §6.2: rework if it "was deployed while an incident of its service was open". An incident is open
    from its start until its resolution; one resolved exactly at a deployment is already closed then
    (test_audit_recovery_pairs: "an incident resolved at an instant is no longer open at it"), so one
    that starts exactly at a deployment is open then. docs/metrics.md says the same of its sweep: "The
    window rule sweeps each service's deployments and incident starts in time order (an incident before a
    deployment at the same instant) … Open incidents for rework are a running count of starts (+1) and
    resolutions (−1) on the same sweep": I0's +1 comes before F, I1's before G → both rework: 2/3.
    (Reading "while … open" as "started strictly before it" gives 0/3.)
    """
    build_same_instants(facts)
    row = rows(run(facts))[TEAM, "30d"]
    check(row, deployments=3, rework_rate=2 / 3)


# -- 5. a GitHub issue naming a full sha in its body beside a PagerDuty incident at the same instant ------


def test_issue_with_a_sha_in_its_body_and_a_pagerduty_incident_at_the_same_instant(facts: Facts) -> None:
    """First 06-01. D2 06-10 00:00 ships c2 (lead 2 h). D3 06-12 00:00 ships c3 (lead 1 h). At 06-12 02:00
    two incidents open: issue acme/orders#7 (incident label; body "Bisected to <c2>", the full 40
    digits) → 12:00, explicit → D2 (and so no window attribution); PagerDuty I2 (P1, no sha) → 06:00: the
    latest deployment of orders before it is D3 (2 h) → window → D3. D4 08:00 ships c4 (lead 1 h): I2 is
    resolved, but the issue (a repo of its service) is still open → rework; nothing starts after D4.

    Recovery: D2 06-10 00:00 → 06-12 12:00 = 60 h; D3 00:00 → 06:00 = 6 h → p50 33.
    30d: deployments 4; CFR 2/4; recovery 33; incidents 2 (both order-team's: its repo and its service);
    restore 10, 4 → p50 7, p90 4 + 0.9 × 6 = 9.4; rework 1/4; leads 2, 1, 1 → p50 1, p90 1.8.
    Bands: 4/30 medium; elite; 50 % low; 33 h medium.
    """
    first(facts)
    d2 = deploy(facts, at(10), "c2", 2)
    d3 = deploy(facts, at(12), "c3", 1)
    add_incident(
        facts,
        "acme/orders#7",
        at(12, 2),
        resolved_at=at(12, 12),
        source="github",
        service=REPO,
        title="Checkout broken",
        description=f"Bisected to {sha('c2')}",
    )
    add_incident(facts, "I2", at(12, 2), resolved_at=at(12, 6))
    d4 = deploy(facts, at(12, 8), "c4", 1)
    result = run(facts)
    assert failed_recovered(result) == {d2: (("explicit",), at(12, 12)), d3: (("window",), at(12, 6))}
    assert d4 not in failed_recovered(result)
    for team in (TEAM, "*"):
        check(
            rows(result)[team, "30d"],
            deployments=4,
            change_failure_rate=0.5,
            failed_deployment_recovery_hours_p50=33.0,
            incidents=2,
            time_to_restore_hours_p50=7.0,
            time_to_restore_hours_p90=9.4,
            rework_rate=0.25,
            lead_time_hours_p50=1.0,
            lead_time_hours_p90=1.8,
            bands=bands("medium", "elite", "low", "medium"),
        )


# -- 6. a failure whose incident and rollback come after as_of beside a recovered one --------------------


def test_failure_recovered_only_after_as_of_is_left_out_of_a_median_of_one(facts: Facts) -> None:
    """First 06-01. F1 06-20 00:00 ships f1 (lead 2 h); I1 (P1) 01:00 → 04:00 → window → F1, recovered 4 h.
    F2 06-29 00:00 ships f2 (lead 3 h); I2 (P1) 06-29 02:00, resolved 07-05 (after as_of) → window → F2.
    R 06-30 00:00:01 (one second after as_of) redeploys f1's sha: behind, a rollback of F2.

    As of 06-30 00:00 (R and I2's end have not happened): F2 failed, not recovered: left out.
    30d: deployments 3 (0.1/day); CFR 2/3; recovery over F1 only: 4; incidents 2; restore I1 3 h (I2 open);
    rework 0 (F2 was deployed before I2 opened); leads 2, 3 → 2.5, 2.9.
    7d (06-23, 06-30]: F2 → 1 (1/7 a day); CFR 1/1; recovery null (F2 not recovered, F1 outside);
    incidents I2 → 1; restore null (I1 resolved 06-20); rework 0; lead 3.
    Bands from 30d, the longest, on both rows: 0.1 medium; 2.5 h elite; 66 % low; recovery 4 h → high (the
    7d row's own recovery is null, but it carries the 30d band).

    As of 06-30 00:00:01 (R exactly at as_of, in the window): 30d = (05-31 00:00:01, …]: deployments 4;
    F2 recovered at R: 24 h + 1 s; rules rollback + window; recovery p50 (4 + 24 + 1/3600) / 2; CFR 2/4;
    rework R (a rollback, deployed while I2 open) 1/4; incidents 2; restore 3. Bands: 4/30 medium; elite;
    50 % low; 14 h high.
    """
    first(facts)
    f1 = deploy(facts, at(20), "f1", 2)
    add_incident(facts, "I1", at(20, 1), resolved_at=at(20, 4))
    f2 = deploy(facts, at(29), "f2", 3)
    add_incident(facts, "I2", at(29, 2), resolved_at=LATER)
    rollback(facts, AS_OF + SECOND, sha("f1"))

    result = run(facts, windows=(W7, W30))
    got = rows(result)
    assert failed_recovered(result) == {f1: (("window",), at(20, 4)), f2: (("window",), None)}
    month_bands = bands("medium", "elite", "low", "high")
    check(
        got[TEAM, "30d"],
        deployments=3,
        deployment_frequency_per_day=0.1,
        change_failure_rate=2 / 3,
        failed_deployment_recovery_hours_p50=4.0,
        incidents=2,
        time_to_restore_hours_p50=3.0,
        time_to_restore_hours_p90=3.0,
        rework_rate=0.0,
        lead_time_hours_p50=2.5,
        lead_time_hours_p90=2.9,
        bands=month_bands,
    )
    check(
        got[TEAM, "7d"],
        deployments=1,
        deployment_frequency_per_day=1 / 7,
        change_failure_rate=1.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        time_to_restore_hours_p50=None,
        time_to_restore_hours_p90=None,
        rework_rate=0.0,
        lead_time_hours_p50=3.0,
        lead_time_hours_p90=3.0,
        bands=month_bands,
    )

    later = run(facts, as_of=AS_OF + SECOND)
    assert failed_recovered(later) == {
        f1: (("window",), at(20, 4)),
        f2: (("rollback", "window"), AS_OF + SECOND),
    }
    check(
        rows(later)[TEAM, "30d"],
        deployments=4,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=(4 + 24 + 1 / 3600) / 2,
        incidents=2,
        time_to_restore_hours_p50=3.0,
        rework_rate=0.25,
        bands=bands("medium", "elite", "low", "high"),
    )


# -- 7. an incident open across a weekly point's as_of, resolved before the latest point ------------------

POINT_A = at(22)
OPEN_ACROSS_POINTS: dict[tuple[datetime, str], dict[str, object]] = {
    (POINT_A, "30d"): {
        "deployments": 3,
        "change_failure_rate": 2 / 3,
        "failed_deployment_recovery_hours_p50": 5.0,
        "incidents": 2,
        "time_to_restore_hours_p50": 3.0,
        "time_to_restore_hours_p90": 3.0,
        "rework_rate": 1 / 3,
        "lead_time_hours_p50": 1.5,
        "lead_time_hours_p90": 1.9,
        "bands": bands("medium", "elite", "low", "high"),
    },
    (POINT_A, "7d"): {
        "deployments": 1,
        "change_failure_rate": 1.0,
        "failed_deployment_recovery_hours_p50": 5.0,
        "incidents": 2,
        "time_to_restore_hours_p50": 3.0,
        "time_to_restore_hours_p90": 3.0,
        "rework_rate": 1.0,
        "lead_time_hours_p50": 1.0,
        "lead_time_hours_p90": 1.0,
        "bands": bands("medium", "elite", "low", "high"),
    },
    (AS_OF, "30d"): {
        "deployments": 3,
        "change_failure_rate": 2 / 3,
        "failed_deployment_recovery_hours_p50": 122.5,
        "incidents": 2,
        "time_to_restore_hours_p50": 121.0,
        "time_to_restore_hours_p90": 215.4,
        "rework_rate": 1 / 3,
        "lead_time_hours_p50": 1.5,
        "lead_time_hours_p90": 1.9,
        "bands": bands("medium", "elite", "low", "medium"),
    },
    (AS_OF, "7d"): {
        "deployments": 0,
        "deployment_frequency_per_day": 0.0,
        "change_failure_rate": None,
        "failed_deployment_recovery_hours_p50": None,
        "incidents": 0,
        "time_to_restore_hours_p50": 239.0,
        "time_to_restore_hours_p90": 239.0,
        "rework_rate": None,
        "lead_time_hours_p50": None,
        "lead_time_hours_p90": None,
        "bands": bands("medium", "elite", "low", "medium"),
    },
}


def test_incident_open_across_a_weekly_points_as_of_fails_and_reworks_the_same_in_both_points(
    facts: Facts,
) -> None:
    """First 06-01. F 06-15 00:00 ships f (lead 2 h). I1 (P1) 06-15 01:00 → 06-25 00:00, no sha → window →
    F. D 06-20 00:00 ships d (lead 1 h) while I1 is open → rework. I2 (P1) 06-20 02:00 → 05:00: the latest
    deployment before it is D (2 h) → window → D, recovered 5 h. Two points: 06-22 00:00 (I1 open) and
    06-30; windows 7d and 30d; bands from 30d.

    As of 06-22: 30d (05-23, 06-22]: first, F, D → 3; CFR 2/3; recovery over D only (F not recovered):
    5; incidents 2; restore I2 3; rework D 1/3; leads 2, 1 → 1.5, 1.9. 7d (06-15 00:00, 06-22]: F exactly
    at the start is out: D → 1; CFR 1; recovery 5; incidents I1 (06-15 01:00), I2 → 2; restore 3; rework
    1; lead 1. Bands: 3/30 medium; elite; low; 5 h high.
    As of 06-30: 30d: 3; CFR 2/3; F recovered at I1's end: 240 h, D 5 h → p50 122.5; incidents 2; restore
    I1 239 h, I2 3 h → p50 121, p90 3 + 0.9 × 236 = 215.4; rework 1/3 (D stays rework: it was deployed
    while I1 was open). 7d (06-23, 06-30]: nothing deployed: 0, nulls; incidents 0; restore I1 (resolved
    06-25) 239. Bands: medium; elite; low; 122.5 h < 1 week → medium.
    Each point alone (``compute_metrics``) and both points of one computation give these numbers.
    """
    first(facts)
    f = deploy(facts, at(15), "f", 2)
    add_incident(facts, "I1", at(15, 1), resolved_at=at(25))
    d = deploy(facts, at(20), "d", 1)
    add_incident(facts, "I2", at(20, 2), resolved_at=at(20, 5))
    expected_failed = {f: (("window",), at(25)), d: (("window",), at(20, 5))}

    for as_of in (POINT_A, AS_OF):
        alone = run(facts, windows=(W7, W30), as_of=as_of)
        for window in ("7d", "30d"):
            check(rows(alone)[TEAM, window], **OPEN_ACROSS_POINTS[as_of, window])
    assert failed_recovered(run(facts, windows=(W7, W30))) == expected_failed

    settings = AnalyticsSettings(windows=(W7, W30), attribution_window=timedelta(hours=24))
    results = compute_metrics_points(
        facts.engine,
        [ORDERS],
        [MetricPoint(POINT_A, (W7, W30)), MetricPoint(AS_OF, (W7, W30))],
        pagerduty_scopes=[P1],
        settings=settings,
        band_windows=[W30, W30],
    )
    for as_of, result in zip((POINT_A, AS_OF), results, strict=True):
        for window in ("7d", "30d"):
            check(rows(result)[TEAM, window], **OPEN_ACROSS_POINTS[as_of, window])
    assert failed_recovered(results[-1]) == expected_failed


# -- 8. null against 0: teams with incidents but no deployments, deployments but no failures -------------


def test_null_and_zero_for_teams_without_deployments_or_failures_bands_from_the_longest_window(
    facts: Facts,
) -> None:
    """Windows 7d and 30d (no 90d: bands from 30d, the longest configured).
    order-team: first 06-01; D2 06-05 00:00 ships c2 (lead 4 h); I1 (P1) 06-20 00:00 → 10:00 (15 days
    after D2: fails nothing). payments: its only deployment 05-20 (before both windows); I2 (P2) 06-25
    00:00 → 02:00 (fails nothing: 36 days after). unowned: I3 on PU 06-26 00:00 → 05:00.

    30d: order-team deployments 2 (2/30); CFR 0 (a ratio with something to measure); recovery null;
    incidents 1; restore 10; rework 0; lead 4. payments and unowned: deployments 0, frequency 0, CFR,
    rework, lead and recovery null; incidents 1 each; restore 2 and 5.
    "*": deployments 2; CFR 0; rework 0; incidents 3; restore 2, 5, 10 → p50 5, p90 5 + 0.8 × 5 = 9.
    7d: order-team 0 deployments, nulls, incidents 0, restore null (I1 resolved 06-20); payments 1 / 2;
    unowned 1 / 5; "*" deployments 0, incidents 2, restore 2, 5 → 3.5, 2 + 0.9 × 3 = 4.7.
    Bands (30d, on both rows): order-team 2/30 ≥ 1/30 medium; 4 h elite; 0 % elite; no recovered failure
    → restore 10 h → high. payments / unowned: 0 a day → low; null; null; restore 2 h / 5 h → high.
    "*": medium; elite; elite; restore 5 h → high.
    """
    first(facts)
    deploy(facts, at(5), "c2", 4)
    first(facts, day(5, 20), repo=PAY_REPO)
    add_incident(facts, "I1", at(20), resolved_at=at(20, 10))
    add_incident(facts, "I2", at(25), resolved_at=at(25, 2), service="P2")
    add_incident(facts, "I3", at(26), resolved_at=at(26, 5), service="PU")
    result = run(facts, (ORDERS, PAY), (P1, P2, PU), windows=(W7, W30))
    got = rows(result)
    assert failed_recovered(result) == {}
    assert {team for team, _ in got} == {"*", TEAM, PAY_TEAM, "unowned"}
    empty = {
        "deployments": 0,
        "deployment_frequency_per_day": 0.0,
        "change_failure_rate": None,
        "failed_deployment_recovery_hours_p50": None,
        "rework_rate": None,
        "lead_time_hours_p50": None,
        "lead_time_hours_p90": None,
        "lead_time_breakdown_hours_p50": NO_BREAKDOWN,
    }
    order_bands = bands("medium", "elite", "elite", "high")
    check(
        got[TEAM, "30d"],
        deployments=2,
        deployment_frequency_per_day=2 / 30,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        time_to_restore_hours_p50=10.0,
        time_to_restore_hours_p90=10.0,
        rework_rate=0.0,
        lead_time_hours_p50=4.0,
        bands=order_bands,
    )
    check(got[TEAM, "7d"], **empty, incidents=0, time_to_restore_hours_p50=None, bands=order_bands)
    for team, restore in ((PAY_TEAM, 2.0), ("unowned", 5.0)):
        for window in ("7d", "30d"):
            check(
                got[team, window],
                **empty,
                incidents=1,
                time_to_restore_hours_p50=restore,
                time_to_restore_hours_p90=restore,
                bands=bands("low", None, None, "high"),
            )
    org_bands = bands("medium", "elite", "elite", "high")
    check(
        got["*", "30d"],
        deployments=2,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.0,
        incidents=3,
        time_to_restore_hours_p50=5.0,
        time_to_restore_hours_p90=9.0,
        bands=org_bands,
    )
    check(
        got["*", "7d"],
        **empty,
        incidents=2,
        time_to_restore_hours_p50=3.5,
        time_to_restore_hours_p90=4.7,
        bands=org_bands,
    )


# -- 9. a failure just before the 7d window whose incident and rollback fall inside it -------------------


def test_failure_before_the_week_with_its_incident_and_rollback_inside_it(facts: Facts) -> None:
    """First 06-01. F 06-22 18:00 ships f (lead 2 h), 6 h before the 7d window opens. I1 (P1) 06-23 06:00 →
    20:00, no sha, 12 h after F. R 06-23 08:00 redeploys the first sha: rollback of F, 14 h after it.

    Attribution window 24 h: I1 is within (F, F + 24 h], F the latest → F fails by rollback and window.
    Attribution window 6 h: I1 is 12 h after F, outside; F (the latest) is the only candidate → by
    rollback only. Either way F recovers at min(R 14 h, I1's end 26 h) = 14 h, and R fails nothing (no
    incident starts after it). The numbers do not change, only the rules.

    7d (06-23, 06-30]: R → 1 (1/7); CFR 0 (R is not failed; F is outside); recovery null; incidents 1;
    restore 14; rework R (rollback, and I1 open) → 1; lead null (a rollback has no changes).
    30d: first, F, R → 3; CFR 1/3; recovery 14; incidents 1; restore 14; rework 1/3; lead 2.
    Bands from 30d on both rows: 0.1 medium; 2 h elite; 33 % low; 14 h high.
    """
    first(facts)
    f = deploy(facts, day(6, 22, 18), "f", 2)
    add_incident(facts, "I1", day(6, 23, 6), resolved_at=day(6, 23, 20))
    rollback(facts, day(6, 23, 8), FIRST_SHA)
    for hours, rules in ((24, ("rollback", "window")), (6, ("rollback",))):
        result = run(facts, windows=(W7, W30), attribution_window=timedelta(hours=hours))
        got = rows(result)
        assert failed_recovered(result) == {f: (rules, day(6, 23, 8))}, hours
        expected_bands = bands("medium", "elite", "low", "high")
        check(
            got[TEAM, "7d"],
            deployments=1,
            deployment_frequency_per_day=1 / 7,
            change_failure_rate=0.0,
            failed_deployment_recovery_hours_p50=None,
            incidents=1,
            time_to_restore_hours_p50=14.0,
            rework_rate=1.0,
            lead_time_hours_p50=None,
            bands=expected_bands,
        )
        check(
            got[TEAM, "30d"],
            deployments=3,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=14.0,
            incidents=1,
            time_to_restore_hours_p50=14.0,
            rework_rate=1 / 3,
            lead_time_hours_p50=2.0,
            bands=expected_bands,
        )


# -- 10. a revert in another repository of a change it names ---------------------------------------------


def test_revert_commit_in_another_repo_fails_nothing_but_is_rework_there(facts: Facts) -> None:
    """Firsts 06-01. A2 (orders) 06-10 00:00 ships a2 (lead 2 h). B2 (pay) 06-11 00:00 ships rv (lead 1 h),
    "This reverts commit <a2>". docs/metrics.md rule 3: "a later deployment of the *same repository*
    ships … a commit whose message says This reverts commit <sha> for one of F's changes": acme/pay is not
    acme/orders, so A2 is not failed. B2 ships a revert commit as one of its changes: rework (§6.2
    "contains a revert commit", whatever it names). No incident.

    order-team: 2 deployments; CFR 0; recovery null; rework 0; lead 2; bands medium, elite, elite, null
    (no failure, no restore). payments: 2; CFR 0; rework 1/2; lead 1. "*": 4; CFR 0; rework 1/4; leads 1,
    2 → 1.5.
    """
    first(facts)
    first(facts, repo=PAY_REPO)
    deploy(facts, at(10), "a2", 2)
    deploy(facts, at(11), "rv", 1, repo=PAY_REPO, message=f'Revert "a2"\n\nThis reverts commit {sha("a2")}.')
    result = run(facts, (ORDERS, PAY), (P1, P2))
    got = rows(result)
    assert failed_recovered(result) == {}
    check(
        got[TEAM, "30d"],
        deployments=2,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.0,
        lead_time_hours_p50=2.0,
        bands=bands("medium", "elite", "elite", None),
    )
    check(
        got[PAY_TEAM, "30d"],
        deployments=2,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.5,
        lead_time_hours_p50=1.0,
    )
    check(got["*", "30d"], deployments=4, change_failure_rate=0.0, rework_rate=0.25, lead_time_hours_p50=1.5)


# -- 11. an attribution window longer than the short metric window --------------------------------------


def test_attribution_window_longer_than_the_week_fails_a_deployment_outside_it(facts: Facts) -> None:
    """Attribution window 10 days. First 06-01. F 06-18 00:00 ships f (lead 2 h). I1 (P1) 06-25 00:00 →
    06:00, no sha: 7 days after F, the latest deployment, inside (F, F + 10 d] → F fails (window),
    recovered 06-25 06:00: 174 h. G 06-26 00:00 ships g (lead 1 h) after I1's end: no rework. I2 (P1)
    06-27 00:00 → 01:00: the latest before it is G → G fails (window), recovered 25 h (F is not the
    latest, although within 10 days).

    7d (06-23, 06-30]: G → 1; CFR 1; recovery 25; incidents 2; restore 6, 1 → p50 3.5, p90 1 + 0.9 × 5 =
    5.5; rework 0; lead 1.
    30d: first, F, G → 3; CFR 2/3; recovery 174, 25 → 99.5; incidents 2; same restores; rework 0; leads
    2, 1 → 1.5, 1.9. Bands (30d) on both rows: 0.1 medium; elite; low; 99.5 h < 1 week → medium.
    """
    first(facts)
    f = deploy(facts, at(18), "f", 2)
    add_incident(facts, "I1", at(25), resolved_at=at(25, 6))
    g = deploy(facts, at(26), "g", 1)
    add_incident(facts, "I2", at(27), resolved_at=at(27, 1))
    result = run(facts, windows=(W7, W30), attribution_window=timedelta(days=10))
    got = rows(result)
    assert failed_recovered(result) == {f: (("window",), at(25, 6)), g: (("window",), at(27, 1))}
    expected_bands = bands("medium", "elite", "low", "medium")
    check(
        got[TEAM, "7d"],
        deployments=1,
        change_failure_rate=1.0,
        failed_deployment_recovery_hours_p50=25.0,
        incidents=2,
        time_to_restore_hours_p50=3.5,
        time_to_restore_hours_p90=5.5,
        rework_rate=0.0,
        lead_time_hours_p50=1.0,
        bands=expected_bands,
    )
    check(
        got[TEAM, "30d"],
        deployments=3,
        change_failure_rate=2 / 3,
        failed_deployment_recovery_hours_p50=99.5,
        incidents=2,
        time_to_restore_hours_p50=3.5,
        time_to_restore_hours_p90=5.5,
        rework_rate=0.0,
        lead_time_hours_p50=1.5,
        lead_time_hours_p90=1.9,
        bands=expected_bands,
    )


# -- 12. an incident in the window naming a change deployed before it -------------------------------------


def test_incident_naming_a_change_before_the_window_fails_nothing_in_it(facts: Facts) -> None:
    """First 03-01 (outside every window). F 05-20 00:00 ships f (lead 2 h). D 06-20 00:00 ships d (lead
    1 h). I1 (P1) 06-20 01:00 → 04:00, "regression from <f[:9]>": explicit → F (31 days back), so no
    window attribution: D, the latest deployment 1 h before I1, is not failed. F recovers at I1's end:
    05-20 00:00 → 06-20 04:00 = 31 × 24 + 4 = 748 h.

    Windows 30d only: 30d (05-31, 06-30] holds D alone → 1 (1/30 a day); CFR 0; recovery null (F is not
    in the window); incidents 1; restore 3; rework 0 (D before I1); lead 1. The failed list holds the
    failures deployed in the longest window: none. Bands (30d): 1/30 ≥ 1/30 medium; elite; 0 % elite;
    no recovered failure in the band window → restore 3 h → high.
    Windows 30d and 90d: 90d (04-01, 06-30]: F, D → 2 (2/90 < 1/30: low); CFR 1/2 (low); recovery 748
    (≥ 1 week: low); incidents 1; restore 3; leads 2, 1 → 1.5, 1.9 (elite). The 30d row's numbers are
    unchanged but it carries the 90d bands: low, elite, low, low. Failed list: F.
    """
    first(facts, day(3, 1))
    f = deploy(facts, day(5, 20), "f", 2)
    deploy(facts, at(20), "d", 1)
    add_incident(facts, "I1", at(20, 1), resolved_at=at(20, 4), title=f"regression from {sha('f')[:9]}")
    month = {
        "deployments": 1,
        "deployment_frequency_per_day": 1 / 30,
        "change_failure_rate": 0.0,
        "failed_deployment_recovery_hours_p50": None,
        "incidents": 1,
        "time_to_restore_hours_p50": 3.0,
        "time_to_restore_hours_p90": 3.0,
        "rework_rate": 0.0,
        "lead_time_hours_p50": 1.0,
        "lead_time_hours_p90": 1.0,
    }
    alone = run(facts)
    assert failed_recovered(alone) == {}
    check(rows(alone)[TEAM, "30d"], **month, bands=bands("medium", "elite", "elite", "high"))

    both = run(facts, windows=(W30, W90))
    got = rows(both)
    assert failed_recovered(both) == {f: (("explicit",), at(20, 4))}
    quarter_bands = bands("low", "elite", "low", "low")
    check(got[TEAM, "30d"], **month, bands=quarter_bands)
    check(
        got[TEAM, "90d"],
        deployments=2,
        deployment_frequency_per_day=2 / 90,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=748.0,
        incidents=1,
        time_to_restore_hours_p50=3.0,
        rework_rate=0.0,
        lead_time_hours_p50=1.5,
        lead_time_hours_p90=1.9,
        bands=quarter_bands,
    )
