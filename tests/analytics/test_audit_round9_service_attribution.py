"""Audit, round 9: which deployment an incident fails, and which deployments are rework, "by service" where
ownership (SPEC §4) decides what a service is (§6.1 rule 4, §6.2 rework "deployed while an incident of its
service was open"), and what the per-team and organisation rows then say.

Analytics level, as tests/analytics/test_audit_ownership_rules.py: the ownership map is resolved by
``analytics.ownership.resolve_ownership`` from ``teams:`` claims, catalog components (as the collector
stores them, in file order) and ``pagerduty.service_ids``, turned into scopes as ``doraspace`` does
(``repo_scopes``, ``pagerduty_scopes``), and everything goes through ``compute_metrics``, on an in-memory
DuckDB store (one backend keeps the module within its time budget; backend parity is audited elsewhere).

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC, one window 30d = (05-31 00:00, 06-30 00:00];
attribution window 24 h; no rework labels. Every repo's first deployment (06-01 00:00, compare ``first``)
counts as a deployment and has unknown changes (§5.2); every later one ships one direct commit. PagerDuty
incidents are stored on their service id, GitHub incident issues on their repo. No incident text holds a
hex word. Percentiles are ``percentile_cont``: the value at position p × (n − 1) of the sorted values.

SPEC sentences the scenarios lean on:

* §4 "A service is a Backstage Component (kind: Component, metadata.name). A team is its owner";
  "github.com/project-slug: acme/x names the repo a component lives in (default: the repo holding the
  file); pagerduty.com/service-id names its PagerDuty service"; "teams: ... a repo or PagerDuty service it
  names belongs to that team, whatever the catalog says"; "the PagerDuty services a teams: entry names
  belong to that team's repos"; "A repo or a service_ids service owned by nobody belongs to team unowned";
  "Where components of different owners name the same repo, the first in file order wins";
* §6.1 rule 2 (rollback) and rule 4 "an incident with no explicit link started in (F.deployed_at,
  F.deployed_at + attribution_window], on a PagerDuty service or repo of F's service (§4), and F is the
  latest deployment of that service before the incident started";
* §6.2 recovery "from F.deployed_at to the earliest of the resolution of an incident that failed it ... and
  the deployed_at of its rollback or revert deployment"; rework "... is a rollback ... or was deployed
  while an incident of its service was open"; §6 "The organisation row "*" covers everything collected,
  team unowned included".

Readings of docs/metrics.md used: "An incident counts for the team owning its PagerDuty service or
repository"; a failed deployment "counts once however many rules or incidents found it"; "components are
told apart by metadata.name"; "The PagerDuty services a teams: entry names belong to that team's
repositories only, whatever component names them"; "A component's PagerDuty service belongs to the
component's repository only while the component's owner owns it"; the window-rule sweep puts "an incident
before a deployment at the same instant"; an incident is open "from the instant it starts until the
instant it is resolved: a deployment at its start is rework".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from analytics.metrics import MetricsResult
from analytics.ownership import (
    TeamClaim,
)
from tests.analytics.facts import Facts, add_incident, at, sha
from tests.analytics.ownership_world import component, first, run, ship, world
from tests.analytics.scenario import check, rows_30d


@pytest.fixture
def facts() -> Iterator[Facts]:
    """A fresh in-memory DuckDB store (this module's own: one backend keeps it within its budget)."""
    built = Facts.in_memory()
    try:
        yield built
    finally:
        built.engine.dispose()


def issue(facts: Facts, repo: str, number: int, started: datetime, resolved: datetime) -> None:
    add_incident(facts, f"{repo}#{number}", started, resolved_at=resolved, source="github", service=repo)


def failures(result: MetricsResult) -> dict[int, tuple[str, tuple[str, ...], datetime | None]]:
    """Failed deployments of the window: id → (team, rules, recovered_at)."""
    return {d.deployment_id: (d.team, d.rules, d.recovered_at) for d in result.failed_deployments()}


# -- 1. a teams: PagerDuty service over two repos that are ONE catalog service -----------------------------


def test_teams_pagerduty_service_over_two_repos_of_one_component_fails_only_the_services_latest(
    facts: Facts,
) -> None:
    """Component ``shop`` (owner shop) is catalogued in acme/shop-api (with PagerDuty PCAT) and in
    acme/shop-web. ``teams:`` shop names acme/shop-api (its catalog owner already: nothing changes hands)
    and PSHOP. So both repos are ONE service, ``shop``, and PSHOP ("the team's repos") and PCAT (the
    component's) are both PagerDuty services of it: an incident fails only the latest deployment of the
    two repos together — unlike two repos without a component, each its own service, where it fails the
    latest of each (tests/analytics/test_rule_pairs.py, tests/test_audit_ownership_attribution.py).

    A1, W1 first. A2 (api) 10 08:00; W2 (web) 10 09:00. PSHOP-1 10 10:00 → 12:00: latest of service shop
    is W2 (1 h) → failed, recovery 12:00 − 09:00 = 3 h; A2 not. A3 (api) 10 11:00 while PSHOP-1 is open →
    rework.
    A4 (api) 11 09:00. Issue acme/shop-web#1 11 10:00 → 14:00, and W3 (web) deployed at 11 10:00, the very
    instant it opens: W3 is not "before the incident started", so the latest of service shop before it is
    A4 (api, another repo than the issue's; 1 h) → A4 failed, recovery 14:00 − 09:00 = 5 h. W3 is rework
    (deployed while the issue is open: at its start), and not failed by it (the window (W3, W3 + 24 h] is
    open at W3).
    PCAT-1 12 08:00 → 09:00: latest of shop is W3 (22 h) → failed, recovery 12 09:00 − 11 10:00 = 23 h.

    shop: deployments A1, W1, A2, W2, A3, A4, W3 = 7; failed W2, A4, W3 → CFR 3/7; recovery 3, 5, 23 →
    p50 5.0; incidents 3; restore 2, 4, 1 → p50 2.0, p90 2 + 0.8 × 2 = 3.6; rework A3, W3 → 2/7.
    "*" is shop alone: the same numbers.
    """
    api, web = "acme/shop-api", "acme/shop-web"
    w = world(
        [api, web],
        teams=[TeamClaim("shop", (api,), ("PSHOP",))],
        components=[component(api, 0, "shop", "shop", pd="PCAT"), component(web, 0, "shop", "shop")],
    )
    assert (w.ownership.service_of_repo(api), w.ownership.service_of_repo(web)) == ("shop", "shop")
    assert w.ownership.services_of_pagerduty_service("PSHOP") == ("shop",)
    assert w.ownership.services_of_pagerduty_service("PCAT") == ("shop",)
    first(facts, api)
    first(facts, web)
    a2 = ship(facts, api, at(10, 8), "a2")
    w2 = ship(facts, web, at(10, 9), "w2")
    add_incident(facts, "PSHOP-1", at(10, 10), resolved_at=at(10, 12), service="PSHOP")
    ship(facts, api, at(10, 11), "a3")
    a4 = ship(facts, api, at(11, 9), "a4")
    issue(facts, web, 1, at(11, 10), at(11, 14))
    w3 = ship(facts, web, at(11, 10), "w3")
    add_incident(facts, "PCAT-1", at(12, 8), resolved_at=at(12, 9), service="PCAT")
    result = run(facts, w)
    assert failures(result) == {
        w2: ("shop", ("window",), at(10, 12)),
        a4: ("shop", ("window",), at(11, 14)),
        w3: ("shop", ("window",), at(12, 9)),
    }
    assert a2 not in failures(result)
    got = rows_30d(result)
    assert sorted(got) == ["*", "shop"]
    for team in ("shop", "*"):
        check(got[team], deployments=7, change_failure_rate=3 / 7, failed_deployment_recovery_hours_p50=5.0)
        check(got[team], incidents=3, time_to_restore_hours_p50=2.0, time_to_restore_hours_p90=3.6)
        check(got[team], rework_rate=2 / 7)


# -- 2. one incident fails deployments of two teams; the organisation counts it once -----------------------


def test_one_pagerduty_incident_fails_the_latest_of_two_services_owned_by_two_teams(facts: Facts) -> None:
    """acme/a's file: component ``api`` (alpha, PA). acme/w's file: component ``web`` (alpha, PA too).
    acme/z's file: component ``web`` (beta, no PagerDuty service). No conflict: no repo is named twice;
    PA is named twice by one owner. PA (alpha's) belongs to acme/a and acme/w, hence to services ``api``
    and ``web``; service ``web`` is acme/w (alpha) and acme/z (beta), components being told apart by
    metadata.name.

    A1, W1, Z1 first. A2 (a) 12 06:00; W2 (w) 12 07:00; Z2 (z) 12 08:00. PA-1 12 09:00 → 13:00 (alpha's):
    latest of api is A2 (3 h) → failed, recovery 7 h; latest of web is Z2 (beta's, 1 h; W2 is older) →
    failed, recovery 5 h. One incident, two failed deployments of two teams.
    Z3 (z) 12 10:00, W3 (w) 12 11:00, A3 (a) 12 12:00, all while PA-1 is open → rework, each (an incident
    of its service: api or web).
    Issue acme/z#1 13 09:00 → 10:00 (beta's): service web, latest W3 (alpha's, 22 h; Z3 is older, A3 of
    api) → failed, recovery 23 h.

    alpha: deployments A1, W1, A2, W2, A3, W3 = 6; CFR A2, W3 → 2/6; recovery 7, 23 → 15.0; incidents 1;
    restore 4.0; rework A3, W3 → 2/6.
    beta: deployments Z1, Z2, Z3 = 3; CFR Z2 → 1/3; recovery 5.0; incidents 1; restore 1.0; rework Z3 → 1/3.
    "*": deployments 9; CFR 3/9; recovery 5, 7, 23 → 7.0; incidents 2 (PA-1 once, though it failed two
    teams' deployments); restore 1, 4 → p50 2.5, p90 1 + 0.9 × 3 = 3.7; rework 3/9.
    """
    a, w_, z = "acme/a", "acme/w", "acme/z"
    w = world(
        [a, w_, z],
        components=[
            component(a, 0, "api", "alpha", pd="PA"),
            component(w_, 0, "web", "alpha", pd="PA"),
            component(z, 0, "web", "beta"),
        ],
    )
    assert w.ownership.warnings == []
    assert w.ownership.services_of_pagerduty_service("PA") == ("api", "web")
    for repo in (a, w_, z):
        first(facts, repo)
    a2 = ship(facts, a, at(12, 6), "a2")
    ship(facts, w_, at(12, 7), "w2")
    z2 = ship(facts, z, at(12, 8), "z2")
    add_incident(facts, "PA-1", at(12, 9), resolved_at=at(12, 13), service="PA")
    ship(facts, z, at(12, 10), "z3")
    w3 = ship(facts, w_, at(12, 11), "w3")
    ship(facts, a, at(12, 12), "a3")
    issue(facts, z, 1, at(13, 9), at(13, 10))
    result = run(facts, w)
    assert failures(result) == {
        a2: ("alpha", ("window",), at(12, 13)),
        z2: ("beta", ("window",), at(12, 13)),
        w3: ("alpha", ("window",), at(13, 10)),
    }
    got = rows_30d(result)
    assert sorted(got) == ["*", "alpha", "beta"]
    check(got["alpha"], deployments=6, change_failure_rate=2 / 6, failed_deployment_recovery_hours_p50=15.0)
    check(got["alpha"], incidents=1, time_to_restore_hours_p50=4.0, rework_rate=2 / 6)
    check(got["beta"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=5.0)
    check(got["beta"], incidents=1, time_to_restore_hours_p50=1.0, rework_rate=1 / 3)
    check(got["*"], deployments=9, change_failure_rate=3 / 9, failed_deployment_recovery_hours_p50=7.0)
    check(got["*"], incidents=2, time_to_restore_hours_p50=2.5, time_to_restore_hours_p90=3.7)
    check(got["*"], rework_rate=3 / 9)


# -- 3. unowned service_ids services: one named by an ownerless component, one by nobody --------------------


def test_unowned_service_ids_service_of_an_ownerless_component_fails_a_teams_deployment(facts: Facts) -> None:
    """acme/pay-api's file: component ``api`` (payments, PAPI). acme/api-legacy's file: component ``api``
    with no ``spec.owner``, PagerDuty PLEG. ``service_ids``: PLEG and PNOB. acme/api-legacy and PLEG are
    owned by nobody → team unowned; PNOB is named by no component → unowned, of no service. Service ``api``
    is both repos (metadata.name), and PLEG is its component's PagerDuty service (SPEC §4
    "pagerduty.com/service-id names its PagerDuty service"; docs "A component with no owner leaves its
    repository and its PagerDuty service to unowned: the service is collected, and its incidents can fail"
    deployments) — so an unowned incident may fail payments' deployment, the latest of service api.

    P1, X1 first. X2 (api-legacy) 14 07:00; P2 (pay-api) 14 08:00. PLEG-1 14 09:00 → 11:00 (unowned's):
    latest of api is P2 (payments', 1 h) → failed, recovery 3 h; X2 not. P3 (pay-api) 14 10:00 while PLEG-1
    is open → rework.
    X3 (api-legacy) 15 08:30. PNOB-1 15 09:00 → 09:30 (unowned's): on no service → fails nothing, though X3
    (an unowned repo's deployment, 30 min before) is the latest of its service. X4 (api-legacy) 15 09:15
    while PNOB-1 is open → no rework: one team (unowned) is not one service.

    payments: deployments 3; CFR 1/3; recovery 3.0; incidents 0; restore null; rework 1/3.
    unowned: deployments X1–X4 = 4; CFR 0.0; recovery null; incidents 2; restore 2, 0.5 → p50 1.25, p90 0.5
    + 0.9 × 1.5 = 1.85; rework 0.0.
    "*": deployments 7; CFR 1/7; recovery 3.0; incidents 2; restore p50 1.25, p90 1.85; rework 1/7.
    """
    pay, legacy = "acme/pay-api", "acme/api-legacy"
    w = world(
        [pay, legacy],
        components=[
            component(pay, 0, "api", "payments", pd="PAPI"),
            component(legacy, 0, "api", None, pd="PLEG"),
        ],
        service_ids=["PLEG", "PNOB"],
    )
    assert w.ownership.team_of_pagerduty_service("PLEG") == "unowned"
    assert w.ownership.team_of_pagerduty_service("PNOB") == "unowned"
    first(facts, pay)
    first(facts, legacy)
    x2 = ship(facts, legacy, at(14, 7), "x2")
    p2 = ship(facts, pay, at(14, 8), "p2")
    add_incident(facts, "PLEG-1", at(14, 9), resolved_at=at(14, 11), service="PLEG")
    ship(facts, pay, at(14, 10), "p3")
    x3 = ship(facts, legacy, at(15, 8.5), "x3")
    add_incident(facts, "PNOB-1", at(15, 9), resolved_at=at(15, 9.5), service="PNOB")
    ship(facts, legacy, at(15, 9.25), "x4")
    result = run(facts, w)
    assert failures(result) == {p2: ("payments", ("window",), at(14, 11))}
    assert {x2, x3}.isdisjoint(failures(result))
    got = rows_30d(result)
    assert sorted(got) == ["*", "payments", "unowned"]
    check(got["payments"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=3.0)
    check(got["payments"], incidents=0, time_to_restore_hours_p50=None, rework_rate=1 / 3)
    check(got["unowned"], deployments=4, change_failure_rate=0.0, failed_deployment_recovery_hours_p50=None)
    check(got["unowned"], incidents=2, time_to_restore_hours_p50=1.25, time_to_restore_hours_p90=1.85)
    check(got["unowned"], rework_rate=0.0)
    check(got["*"], deployments=7, change_failure_rate=1 / 7, failed_deployment_recovery_hours_p50=3.0)
    check(got["*"], incidents=2, time_to_restore_hours_p50=1.25, time_to_restore_hours_p90=1.85)
    check(got["*"], rework_rate=1 / 7)


# -- 4. teams: takes the PagerDuty service of the component that lost the repo, for the winner --------------


def test_teams_gives_the_losing_components_pagerduty_service_to_the_repos_winner(facts: Facts) -> None:
    """acme/shared's file: ``shared-core`` (core, PCORE), then ``shared-ui`` (ui, PUI): the first in file
    order wins acme/shared for core (one warning). acme/ui-web's file: ``shared-ui`` (ui, PUI) again:
    service shared-ui is acme/ui-web. ``teams:`` core names PUI (no repository). PUI is core's "whatever the
    catalog says", and belongs to core's repos — acme/shared, service shared-core — not to acme/ui-web,
    although both catalog documents naming PUI are shared-ui's.

    S1, U1 first. S2 (shared) 16 08:00; U2 (ui-web) 16 09:00. PUI-1 16 10:00 → 12:00 (core's): latest of
    shared-core is S2 (2 h) → failed, recovery 4 h; U2 (1 h before, the latest of shared-ui) not. U3
    (ui-web) 16 11:00 while PUI-1 is open → no rework; S3 (shared) 16 11:30 → rework.
    Issue acme/ui-web#1 17 09:00 → 10:00 (ui's): service shared-ui, latest U3 (22 h) → failed, recovery
    23 h; S3 (21.5 h before) is another service's.

    core: deployments 3; CFR 1/3; recovery 4.0; incidents 1; restore 2.0; rework 1/3.
    ui: deployments 3; CFR 1/3; recovery 23.0; incidents 1; restore 1.0; rework 0.0.
    "*": 6; 2/6; recovery 4, 23 → 13.5; incidents 2; restore 1, 2 → 1.5; rework 1/6.
    """
    shared, ui_web = "acme/shared", "acme/ui-web"
    w = world(
        [shared, ui_web],
        teams=[TeamClaim("core", (), ("PUI",))],
        components=[
            component(shared, 0, "shared-core", "core", pd="PCORE"),
            component(shared, 1, "shared-ui", "ui", pd="PUI"),
            component(ui_web, 0, "shared-ui", "ui", pd="PUI"),
        ],
    )
    assert len(w.ownership.warnings) == 1
    assert w.ownership.team_of_repo(shared) == "core"
    assert w.ownership.team_of_pagerduty_service("PUI") == "core"
    first(facts, shared)
    first(facts, ui_web)
    s2 = ship(facts, shared, at(16, 8), "s2")
    u2 = ship(facts, ui_web, at(16, 9), "u2")
    add_incident(facts, "PUI-1", at(16, 10), resolved_at=at(16, 12), service="PUI")
    u3 = ship(facts, ui_web, at(16, 11), "u3")
    ship(facts, shared, at(16, 11.5), "s3")
    issue(facts, ui_web, 1, at(17, 9), at(17, 10))
    result = run(facts, w)
    assert failures(result) == {
        s2: ("core", ("window",), at(16, 12)),
        u3: ("ui", ("window",), at(17, 10)),
    }
    assert u2 not in failures(result)
    got = rows_30d(result)
    assert sorted(got) == ["*", "core", "ui"]
    check(got["core"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=4.0)
    check(got["core"], incidents=1, time_to_restore_hours_p50=2.0, rework_rate=1 / 3)
    check(got["ui"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=23.0)
    check(got["ui"], incidents=1, time_to_restore_hours_p50=1.0, rework_rate=0.0)
    check(got["*"], deployments=6, change_failure_rate=2 / 6, failed_deployment_recovery_hours_p50=13.5)
    check(got["*"], incidents=2, time_to_restore_hours_p50=1.5, rework_rate=1 / 6)


# -- 5. the latest deployment of a two-repo service is a rollback in the other repo -------------------------


def test_issue_in_one_repo_fails_a_rollback_in_the_other_repo_of_its_service(facts: Facts) -> None:
    """acme/orders-api's file: component ``orders`` (orders, PORD), then ``orders`` again with project-slug
    acme/orders-web: one service, two repos, one team.

    A1, W1 first. W2 (web) 18 08:00 ships w2; A2 (api) 18 09:00. W3 (web) 18 10:00 deploys W1's sha again
    (compare ``behind``): a rollback whose previous deployment is W2 → W2 failed (rollback), recovery 2 h;
    W3 rework (rollback). Issue acme/orders-api#1 18 11:00 → 13:00: the latest deployment of service orders
    before it is the rollback W3 (web, 1 h; A2 is older) → W3 failed (window), recovery 13:00 − 10:00 = 3 h.
    A3 (api) 18 12:00 while the issue is open → rework. PORD-1 19 09:00 → 09:30: latest A3 (21 h) → failed,
    recovery 21.5 h.

    orders (and "*"): deployments A1, W1, W2, A2, W3, A3 = 6; CFR W2, W3, A3 → 3/6; recovery 2, 3, 21.5 →
    p50 3.0; incidents 2; restore 2, 0.5 → p50 1.25, p90 0.5 + 0.9 × 1.5 = 1.85; rework W3, A3 → 2/6.
    """
    api, web = "acme/orders-api", "acme/orders-web"
    w = world(
        [api, web],
        components=[
            component(api, 0, "orders", "orders", pd="PORD"),
            component(api, 1, "orders", "orders", web),
        ],
    )
    assert w.ownership.repos_of_service("orders") == (api, web)
    first(facts, api)
    first(facts, web)
    w2 = ship(facts, web, at(18, 8), "w2")
    a2 = ship(facts, api, at(18, 9), "a2")
    w3 = facts.deployment(at(18, 10), sha=sha(f"first-{web}"), compare="behind", repo=web)
    issue(facts, api, 1, at(18, 11), at(18, 13))
    a3 = ship(facts, api, at(18, 12), "a3")
    add_incident(facts, "PORD-1", at(19, 9), resolved_at=at(19, 9.5), service="PORD")
    result = run(facts, w)
    assert failures(result) == {
        w2: ("orders", ("rollback",), at(18, 10)),
        w3: ("orders", ("window",), at(18, 13)),
        a3: ("orders", ("window",), at(19, 9.5)),
    }
    assert a2 not in failures(result)
    got = rows_30d(result)
    for team in ("orders", "*"):
        check(got[team], deployments=6, change_failure_rate=3 / 6, failed_deployment_recovery_hours_p50=3.0)
        check(got[team], incidents=2, time_to_restore_hours_p50=1.25, time_to_restore_hours_p90=1.85)
        check(got[team], rework_rate=2 / 6)


# -- 6. two teams' repos of one service deploy at the same instant before an incident ----------------------


def test_tie_between_two_teams_repos_of_one_service_goes_to_one_deployment_by_repository_order(
    facts: Facts,
) -> None:
    """acme/cart-api's file: component ``cart`` (alpha, PCART); acme/cart-web's file: component ``cart``
    (beta): one service ``cart`` over alpha's and beta's repo (metadata.name).

    C1, D1 first. D2 (cart-web, beta) and C2 (cart-api, alpha) are both deployed at 20 08:00 (D2 stored
    first, so C2 has the higher id). PCART-1 20 09:00 → 10:00 (alpha's): "F is the latest deployment of
    that service before the incident started" — neither is later than the other.

    AMBIGUOUS, undecided by SPEC and docs/metrics.md (which order only one repository's deployments: "by
    deployed_at (then by id)"). The product's reading (analytics/failures.py, the window-rule sweep:
    deployments at one instant "by repository, source and environment in code-point order ..., then by
    id") makes exactly one of them the latest: acme/cart-web > acme/cart-api, so D2 (beta's) fails,
    recovery 2 h, whatever the ids. Asserted as the product gives it, so a change of reading shows. (The
    other reading — both are latest — would give alpha CFR 1/2 and "*" 2/4, recovery p50 2.0 each.)

    alpha: deployments 2; CFR 0/2; recovery null; incidents 1; restore 1.0; rework 0.
    beta: deployments 2; CFR 1/2; recovery 2.0; incidents 0; restore null; rework 0.
    "*": 4; CFR 1/4; recovery 2.0; incidents 1; restore 1.0; rework 0.
    """
    api, web = "acme/cart-api", "acme/cart-web"
    w = world(
        [api, web],
        components=[component(api, 0, "cart", "alpha", pd="PCART"), component(web, 0, "cart", "beta")],
    )
    first(facts, api)
    first(facts, web)
    d2 = ship(facts, web, at(20, 8), "d2")
    c2 = ship(facts, api, at(20, 8), "c2")
    assert c2 > d2
    add_incident(facts, "PCART-1", at(20, 9), resolved_at=at(20, 10), service="PCART")
    result = run(facts, w)
    assert failures(result) == {d2: ("beta", ("window",), at(20, 10))}
    got = rows_30d(result)
    check(got["alpha"], deployments=2, change_failure_rate=0.0, failed_deployment_recovery_hours_p50=None)
    check(got["alpha"], incidents=1, time_to_restore_hours_p50=1.0, rework_rate=0.0)
    check(got["beta"], deployments=2, change_failure_rate=1 / 2, failed_deployment_recovery_hours_p50=2.0)
    check(got["beta"], incidents=0, time_to_restore_hours_p50=None, rework_rate=0.0)
    check(got["*"], deployments=4, change_failure_rate=1 / 4, failed_deployment_recovery_hours_p50=2.0)
    check(got["*"], incidents=1, time_to_restore_hours_p50=1.0, rework_rate=0.0)
