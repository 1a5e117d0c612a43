"""Audit, round 16: where two or more ownership rules (SPEC §4) meet the window rule (§6.1 rule 4) and
rework (§6.2 "deployed while an incident of its service was open").

Analytics level, as tests/analytics/test_audit_ownership_rules.py: the ownership map is resolved by
``analytics.ownership.resolve_ownership`` from ``teams:`` claims, catalog components (as the collector
stores them, in file order) and ``pagerduty.service_ids``, turned into scopes as ``doraspace`` does
(``repo_scopes``, ``pagerduty_scopes``), and everything goes through ``compute_metrics`` on an in-memory
DuckDB store (one backend keeps the module fast; backend parity is audited elsewhere).

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC, one window 30d = (05-31 00:00, 06-30 00:00];
attribution window 24 h; no rework labels. Every repo's first deployment (06-01 00:00, compare ``first``)
counts as a deployment and has unknown changes (§5.2); every later one ships one direct commit
``sha(name)``. PagerDuty incidents are stored on their service id, GitHub incident issues on their repo.
No incident text holds a hex word unless a scenario says so. Percentiles are ``percentile_cont``: the
value at position p × (n − 1) of the sorted values.

SPEC / docs sentences leaned on:

* §4 "A service is a Backstage Component (kind: Component, metadata.name)"; "github.com/project-slug:
  acme/x names the repo a component lives in (default: the repo holding the file);
  pagerduty.com/service-id names its PagerDuty service"; "teams: ... a repo or PagerDuty service it names
  belongs to that team, whatever the catalog says"; "the PagerDuty services a teams: entry names belong to
  that team's repos"; "A repo or a service_ids service owned by nobody belongs to team unowned".
* §6.1 rule 1 (explicit), rule 4 "an incident with no explicit link started in (F.deployed_at,
  F.deployed_at + attribution_window], on a PagerDuty service or repo of F's service (§4), and F is the
  latest deployment of that service before the incident started".
* docs/metrics.md rule 4: "A repository that teams: gives to a team other than its component's owner
  leaves the component and is its own service: its deployments are no longer "the latest of" the
  component, nor rework for the component's incidents"; "The PagerDuty services a teams: entry names
  belong to that team's repositories only, whatever component names them"; "A component's PagerDuty
  service belongs to the component's repository ... only while the component's owner owns that
  repository"; "A component with no owner leaves its repository and its PagerDuty service to unowned:
  the service is collected, and its incidents can fail that repository's deployments"; "components are
  told apart by metadata.name ..., whatever its letter case"; ties: "the one whose repository name comes
  last in code-point order"; "An incident counts for the team owning its PagerDuty service or
  repository"; a failed deployment "counts once however many rules or incidents found it"; recovery is
  "the earliest of the resolution of an incident that failed it"; rework: "from the instant it starts
  until the instant it is resolved: a deployment at its start is rework, one at its resolution is not".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from analytics.metrics import MetricsResult
from analytics.ownership import (
    TeamClaim,
)
from tests.analytics import scenario
from tests.analytics.facts import Facts, add_incident, at, sha
from tests.analytics.ownership_world import component, first, run, ship, world
from tests.analytics.scenario import check, rows_30d


@pytest.fixture
def facts() -> Iterator[Facts]:
    """A fresh in-memory DuckDB store (this module's own: one backend keeps it fast)."""
    built = Facts.in_memory()
    try:
        yield built
    finally:
        built.engine.dispose()


def issue(
    facts: Facts, repo: str, number: int, started: datetime, resolved: datetime, title: str = "errors"
) -> None:
    add_incident(
        facts,
        f"{repo}#{number}",
        started,
        resolved_at=resolved,
        source="github",
        service=repo,
        title=title,
    )


def failures(result: MetricsResult) -> dict[int, tuple[str, frozenset[str], datetime | None]]:
    """Failed deployments of the window: id → (team, rules, recovered_at)."""
    return {
        d.deployment_id: (d.team, frozenset(d.rules), d.recovered_at) for d in result.failed_deployments()
    }


WINDOW = frozenset({"window"})
EXPLICIT = frozenset({"explicit"})


# -- 1. one component over three repos (slug, file repo, second file); teams: takes the third -


def test_three_repo_component_with_one_repo_given_away_fails_the_latest_of_the_other_two(
    facts: Facts,
) -> None:
    """acme/shop-web's file: document 0 ``shop`` (owner shop, project-slug acme/shop-api, PSHOP), document
    1 ``shop`` (owner shop, no slug → acme/shop-web). acme/shop-jobs's file: ``shop`` (owner shop, PSHOP
    too). ``teams:`` ops names acme/shop-jobs: a team other than the component's owner, so acme/shop-jobs
    leaves the component and is its own service (ops's); service ``shop`` is acme/shop-api + acme/shop-web;
    PSHOP is shop's (catalog) and belongs to service shop only — the shop-jobs document annotating it is a
    component whose owner no longer owns its repository.

    A1, W1, J1 first (06-01).
    A2 (api) 10 08:00; W2 (web) 10 09:00; J2 (jobs) 10 10:00. PSHOP-1 10 11:00 → 15:00 (shop's): the
    latest deployment of service shop before it is W2 (2 h ≤ 24 h) → failed, recovery 15 − 9 = 6 h. J2
    (1 h before, the latest of all three repos) is not of service shop → not failed.
    A3 (api) 10 12:00 while PSHOP-1 is open → rework. J3 (jobs) 10 13:00 while PSHOP-1 is open → no
    rework (not its service).
    Issue acme/shop-jobs#1 11 09:00 → 10:00 (ops's): service acme/shop-jobs, latest J3 (20 h) → failed,
    recovery 11 10:00 − 10 13:00 = 21 h.
    W3 (web) 12 06:00. Issue acme/shop-api#2 12 09:00 → 12:00 (shop's): service shop, latest W3 (web,
    another repo of the service than the issue's; 3 h) → failed, recovery 12 − 6 = 6 h. J4 (jobs) 12 10:00
    while it is open → no rework.

    shop: deployments A1, A2, A3, W1, W2, W3 = 6; failed W2, W3 → CFR 2/6; recovery 6, 6 → 6.0; incidents
    PSHOP-1, shop-api#2 = 2; restore 4, 3 → p50 3.5; rework A3 → 1/6.
    ops: deployments J1–J4 = 4; failed J3 → 1/4; recovery 21.0; incidents 1; restore 1.0; rework 0/4.
    "*": deployments 10; failed 3 → 3/10; recovery 6, 6, 21 → 6.0; incidents 3; restore 1, 3, 4 → 3.0;
    rework 1/10.
    """
    api, web, jobs = "acme/shop-api", "acme/shop-web", "acme/shop-jobs"
    w = world(
        [api, web, jobs],
        teams=[TeamClaim("ops", (jobs,))],
        components=[
            component(web, 0, "shop", "shop", repo=api, pd="PSHOP"),
            component(web, 1, "shop", "shop"),
            component(jobs, 0, "shop", "shop", pd="PSHOP"),
        ],
    )
    assert w.ownership.service_of_repo(api) == w.ownership.service_of_repo(web) == "shop"
    assert w.ownership.service_of_repo(jobs) == jobs
    assert w.ownership.team_of_pagerduty_service("PSHOP") == "shop"
    for repo in (api, web, jobs):
        first(facts, repo)
    ship(facts, api, at(10, 8), "a2")
    w2 = ship(facts, web, at(10, 9), "w2")
    ship(facts, jobs, at(10, 10), "j2")
    add_incident(facts, "PSHOP-1", at(10, 11), resolved_at=at(10, 15), service="PSHOP")
    ship(facts, api, at(10, 12), "a3")
    j3 = ship(facts, jobs, at(10, 13), "j3")
    issue(facts, jobs, 1, at(11, 9), at(11, 10))
    w3 = ship(facts, web, at(12, 6), "w3")
    issue(facts, api, 2, at(12, 9), at(12, 12))
    ship(facts, jobs, at(12, 10), "j4")
    result = run(facts, w)
    assert failures(result) == {
        w2: ("shop", WINDOW, at(10, 15)),
        j3: ("ops", WINDOW, at(11, 10)),
        w3: ("shop", WINDOW, at(12, 12)),
    }
    got = rows_30d(result)
    check(got["shop"], deployments=6, change_failure_rate=2 / 6, failed_deployment_recovery_hours_p50=6.0)
    check(got["shop"], incidents=2, time_to_restore_hours_p50=3.5, rework_rate=1 / 6)
    check(got["ops"], deployments=4, change_failure_rate=1 / 4, failed_deployment_recovery_hours_p50=21.0)
    check(got["ops"], incidents=1, time_to_restore_hours_p50=1.0, rework_rate=0.0)
    check(got["*"], deployments=10, change_failure_rate=3 / 10, failed_deployment_recovery_hours_p50=6.0)
    check(got["*"], incidents=3, time_to_restore_hours_p50=3.0, rework_rate=1 / 10)


# -- 2. one service shared by two teams (same name, different owners), a tie in code-point order -------------


def test_shared_service_of_two_teams_tie_goes_to_the_code_point_last_repo_and_reworks_across_teams(
    facts: Facts,
) -> None:
    """acme/Cart-B's file: ``cart`` (beta, PCB). acme/cart-a's file: ``Cart`` (alpha, PCA). No repo and no
    PagerDuty service is named twice, so no conflict; the two are one service (metadata.name, whatever its
    case), owned by two teams. PCA belongs to acme/cart-a, PCB to acme/Cart-B: both to service cart.

    A1 (cart-a), B1 (Cart-B) first.
    A2 (cart-a) and B2 (Cart-B) both at 10 08:00. PCB-1 10 09:00 → 11:00 (beta's): the latest of service
    cart before it is a tie at 08:00; "the one whose repository name comes last in code-point order":
    "acme/Cart-B" < "acme/cart-a" ('C' = 0x43 < 'c' = 0x63) → A2 (alpha's) failed, recovery 11 − 8 = 3 h; B2
    not. (Letter case aside, cart-a < cart-b would pick B2.)
    B3 (Cart-B) 10 10:00 while PCB-1 is open → rework.
    PCA-1 11 09:00 → 09:30 (alpha's): latest of cart before it is B3 (23 h ≤ 24 h) → failed (beta's),
    recovery 11 09:30 − 10 10:00 = 23.5 h. A3 (cart-a) 11 09:00, the instant PCA-1 starts: not before it
    (not failed by it), and rework (open from its start).

    alpha: deployments A1, A2, A3 = 3; failed A2 → 1/3; recovery 3.0; incidents PCA-1 = 1; restore 0.5;
    rework A3 → 1/3.
    beta: B1, B2, B3 = 3; failed B3 → 1/3; recovery 23.5; incidents PCB-1 = 1; restore 2.0; rework B3 → 1/3.
    "*": 6; failed A2, B3 → 2/6; recovery 3, 23.5 → 13.25; incidents 2 (each once); restore 0.5, 2 →
    1.25; rework 2/6.
    """
    a, b = "acme/cart-a", "acme/Cart-B"
    w = world(
        [a, b],
        components=[
            component(b, 0, "cart", "beta", pd="PCB"),
            component(a, 0, "Cart", "alpha", pd="PCA"),
        ],
    )
    assert w.ownership.warnings == []
    assert w.ownership.service_of_repo(a) == w.ownership.service_of_repo(b)
    first(facts, a)
    first(facts, b)
    a2 = ship(facts, a, at(10, 8), "a2")
    ship(facts, b, at(10, 8), "b2")
    add_incident(facts, "PCB-1", at(10, 9), resolved_at=at(10, 11), service="PCB")
    b3 = ship(facts, b, at(10, 10), "b3")
    add_incident(facts, "PCA-1", at(11, 9), resolved_at=at(11, 9.5), service="PCA")
    ship(facts, a, at(11, 9), "a3")
    result = run(facts, w)
    assert failures(result) == {
        a2: ("alpha", WINDOW, at(10, 11)),
        b3: ("beta", WINDOW, at(11, 9.5)),
    }
    got = rows_30d(result)
    check(got["alpha"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=3.0)
    check(got["alpha"], incidents=1, time_to_restore_hours_p50=0.5, rework_rate=1 / 3)
    check(got["beta"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=23.5)
    check(got["beta"], incidents=1, time_to_restore_hours_p50=2.0, rework_rate=1 / 3)
    check(got["*"], deployments=6, change_failure_rate=2 / 6, failed_deployment_recovery_hours_p50=13.25)
    check(got["*"], incidents=2, time_to_restore_hours_p50=1.25, rework_rate=2 / 6)


# -- 3. teams: A names a PagerDuty service and a repo that B's component annotates and catalogues ------------


def test_teams_pagerduty_service_annotated_by_another_teams_component_fails_and_reworks_its_repos_only(
    facts: Facts,
) -> None:
    """Component ``b-svc`` (owner beta, annotating PX) is catalogued in acme/a and in acme/b. ``teams:``
    alpha names acme/a and PX. acme/a is alpha's (a team other than its component's owner) → it leaves
    b-svc and is its own service; service b-svc is acme/b. PX is alpha's "whatever the catalog says" and
    belongs to alpha's repos only (acme/a), not to acme/b although b-svc's documents name it.

    A1, B1 first.
    A2 (a) 12 06:00; B2 (b) 12 08:00. PX-1 12 09:00 → 12:00 (alpha's): latest of acme/a is A2 (3 h) →
    failed, recovery 12 − 6 = 6 h; B2 (the more recent) not.
    B3 (b) 12 10:00 while PX-1 is open → no rework; A3 (a) 12 11:00 → rework.
    Issue acme/b#1 13 08:00 → 10:00 (beta's): service b-svc = acme/b: latest B3 (22 h) → failed, recovery
    13 10:00 − 12 10:00 = 24 h; A3 (21 h, more recent) is another service's. A4 (a) 13 09:00 while the
    issue is open → no rework.

    alpha: A1–A4 = 4; failed A2 → 1/4; recovery 6.0; incidents 1; restore 3.0; rework A3 → 1/4.
    beta: B1–B3 = 3; failed B3 → 1/3; recovery 24.0; incidents 1; restore 2.0; rework 0/3.
    "*": 7; 2/7; recovery 6, 24 → 15.0; incidents 2; restore 2, 3 → 2.5; rework 1/7.
    """
    a, b = "acme/a", "acme/b"
    w = world(
        [a, b],
        teams=[TeamClaim("alpha", (a,), ("PX",))],
        components=[
            component(a, 0, "b-svc", "beta", pd="PX"),
            component(b, 0, "b-svc", "beta", pd="PX"),
        ],
    )
    assert w.ownership.team_of_pagerduty_service("PX") == "alpha"
    first(facts, a)
    first(facts, b)
    a2 = ship(facts, a, at(12, 6), "a2")
    ship(facts, b, at(12, 8), "b2")
    add_incident(facts, "PX-1", at(12, 9), resolved_at=at(12, 12), service="PX")
    b3 = ship(facts, b, at(12, 10), "b3")
    ship(facts, a, at(12, 11), "a3")
    issue(facts, b, 1, at(13, 8), at(13, 10))
    ship(facts, a, at(13, 9), "a4")
    result = run(facts, w)
    assert failures(result) == {
        a2: ("alpha", WINDOW, at(12, 12)),
        b3: ("beta", WINDOW, at(13, 10)),
    }
    got = rows_30d(result)
    check(got["alpha"], deployments=4, change_failure_rate=1 / 4, failed_deployment_recovery_hours_p50=6.0)
    check(got["alpha"], incidents=1, time_to_restore_hours_p50=3.0, rework_rate=1 / 4)
    check(got["beta"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=24.0)
    check(got["beta"], incidents=1, time_to_restore_hours_p50=2.0, rework_rate=0.0)
    check(got["*"], deployments=7, change_failure_rate=2 / 7, failed_deployment_recovery_hours_p50=15.0)
    check(got["*"], incidents=2, time_to_restore_hours_p50=2.5, rework_rate=1 / 7)


# -- 4. an unowned service_ids service annotated by an ownerless component; teams: takes one of its repos -


def test_ownerless_components_service_ids_service_fails_its_unowned_repo_not_the_repo_teams_took(
    facts: Facts,
) -> None:
    """acme/g's file and acme/g2's file: ``ghost`` with no owner, annotating PG. ``service_ids``: PG and PN.
    ``teams:`` tools names acme/g2. acme/g is nobody's → unowned, service ghost; acme/g2 is tools' (a team
    other than its component's — absent — owner) → its own service. PG: unowned, collected, and "its
    incidents can fail that repository's deployments" (acme/g's, the repository its owner — nobody — still
    holds); not acme/g2's. PN: named by no component → unowned, of no service: it fails a deployment only
    by naming one of its changes.

    G1, H1 (g2) first.
    G2 (g) 14 06:00; H2 (g2) 14 08:00. PG-1 14 09:00 → 10:00 (unowned's): latest of ghost is G2 (3 h) →
    failed, recovery 10 − 6 = 4 h; H2 (more recent) not.
    H3 (g2) 14 09:30 while PG-1 is open → no rework; G3 (g) 14 09:45 → rework.
    PN-1 15 08:00 → 12:00 (unowned's) says ``root cause: <sha(h3)[:10]>`` → H3 failed (explicit), recovery
    15 12:00 − 14 09:30 = 26.5 h. G4 (g) 15 09:00 while PN-1 is open → no rework (PN is of no service).

    tools: H1, H2, H3 = 3; failed H3 → 1/3; recovery 26.5; incidents 0; restore null; rework 0/3.
    unowned: G1–G4 = 4; failed G2 → 1/4; recovery 4.0; incidents PG-1, PN-1 = 2; restore 1, 4 → 2.5;
    rework G3 → 1/4.
    "*": 7; 2/7; recovery 4, 26.5 → 15.25; incidents 2; restore 2.5; rework 1/7.
    """
    g, g2 = "acme/g", "acme/g2"
    w = world(
        [g, g2],
        teams=[TeamClaim("tools", (g2,))],
        components=[
            component(g, 0, "ghost", None, pd="PG"),
            component(g2, 0, "ghost", None, pd="PG"),
        ],
        service_ids=["PG", "PN"],
    )
    assert w.ownership.team_of_repo(g) == "unowned"
    assert w.ownership.team_of_repo(g2) == "tools"
    first(facts, g)
    first(facts, g2)
    g2_ = ship(facts, g, at(14, 6), "g2")
    ship(facts, g2, at(14, 8), "h2")
    add_incident(facts, "PG-1", at(14, 9), resolved_at=at(14, 10), service="PG")
    h3 = ship(facts, g2, at(14, 9.5), "h3")
    ship(facts, g, at(14, 9.75), "g3")
    add_incident(
        facts, "PN-1", at(15, 8), resolved_at=at(15, 12), service="PN", title=f"root cause: {sha('h3')[:10]}"
    )
    ship(facts, g, at(15, 9), "g4")
    result = run(facts, w)
    assert failures(result) == {
        g2_: ("unowned", WINDOW, at(14, 10)),
        h3: ("tools", EXPLICIT, at(15, 12)),
    }
    got = rows_30d(result)
    check(got["tools"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=26.5)
    check(got["tools"], incidents=0, time_to_restore_hours_p50=None, rework_rate=0.0)
    check(got["unowned"], deployments=4, change_failure_rate=1 / 4, failed_deployment_recovery_hours_p50=4.0)
    check(got["unowned"], incidents=2, time_to_restore_hours_p50=2.5, rework_rate=1 / 4)
    check(got["*"], deployments=7, change_failure_rate=2 / 7, failed_deployment_recovery_hours_p50=15.25)
    check(got["*"], incidents=2, time_to_restore_hours_p50=2.5, rework_rate=1 / 7)


# -- 5. a slug repo that teams: gives away, with rework from two overlapping incidents -


def test_slug_repo_given_away_by_teams_and_rework_from_two_overlapping_incidents(facts: Facts) -> None:
    """acme/pay-ui's file: document 0 ``pay`` (owner pay, project-slug acme/pay-core, PPAY), document 1
    ``pay`` (owner pay, acme/pay-ui, PPAY). ``teams:`` sre names acme/pay-core → it leaves service pay and
    is its own (sre's). PPAY stays pay's (catalog) and belongs to service pay = acme/pay-ui only (document
    0's owner no longer owns its repository; document 1's does).

    C1 (core), U1 (ui) first.
    U2 (ui) 16 06:00; C2 (core) 16 08:00. PPAY-1 16 09:00 → 13:00 (pay's): latest of pay is U2 (3 h) →
    failed, recovery 13 − 6 = 7 h; C2 not.
    C3 (core) 16 10:00 while PPAY-1 is open → no rework; U3 (ui) 16 11:00 → rework.
    Issue acme/pay-core#1 16 12:00 → 14:00 (sre's): service acme/pay-core, latest C3 (2 h) → failed,
    recovery 14 − 10 = 4 h; U3 (1 h, more recent) not.
    C4 (core) and U4 (ui) both 16 13:00: PPAY-1 resolves at that instant (not open: U4 no rework); the
    issue is open (C4 rework, its service's).

    pay: U1–U4 = 4; failed U2 → 1/4; recovery 7.0; incidents 1; restore 4.0; rework U3 → 1/4.
    sre: C1–C4 = 4; failed C3 → 1/4; recovery 4.0; incidents 1; restore 2.0; rework C4 → 1/4.
    "*": 8; 2/8; recovery 4, 7 → 5.5; incidents 2; restore 2, 4 → 3.0; rework 2/8.
    """
    core, ui = "acme/pay-core", "acme/pay-ui"
    w = world(
        [core, ui],
        teams=[TeamClaim("sre", (core,))],
        components=[
            component(ui, 0, "pay", "pay", repo=core, pd="PPAY"),
            component(ui, 1, "pay", "pay", pd="PPAY"),
        ],
    )
    assert w.ownership.service_of_repo(core) == core
    assert w.ownership.service_of_repo(ui) == "pay"
    first(facts, core)
    first(facts, ui)
    u2 = ship(facts, ui, at(16, 6), "u2")
    ship(facts, core, at(16, 8), "c2")
    add_incident(facts, "PPAY-1", at(16, 9), resolved_at=at(16, 13), service="PPAY")
    c3 = ship(facts, core, at(16, 10), "c3")
    ship(facts, ui, at(16, 11), "u3")
    issue(facts, core, 1, at(16, 12), at(16, 14))
    ship(facts, core, at(16, 13), "c4")
    ship(facts, ui, at(16, 13), "u4")
    result = run(facts, w)
    assert failures(result) == {
        u2: ("pay", WINDOW, at(16, 13)),
        c3: ("sre", WINDOW, at(16, 14)),
    }
    got = rows_30d(result)
    check(got["pay"], deployments=4, change_failure_rate=1 / 4, failed_deployment_recovery_hours_p50=7.0)
    check(got["pay"], incidents=1, time_to_restore_hours_p50=4.0, rework_rate=1 / 4)
    check(got["sre"], deployments=4, change_failure_rate=1 / 4, failed_deployment_recovery_hours_p50=4.0)
    check(got["sre"], incidents=1, time_to_restore_hours_p50=2.0, rework_rate=1 / 4)
    check(got["*"], deployments=8, change_failure_rate=2 / 8, failed_deployment_recovery_hours_p50=5.5)
    check(got["*"], incidents=2, time_to_restore_hours_p50=3.0, rework_rate=2 / 8)


# -- 6. an explicit link to another service's change beside the window rule on the incident's own service ----


def test_explicit_link_to_another_service_suppresses_the_window_rule_but_not_rework(facts: Facts) -> None:
    """Component ``shop`` (owner shop) in acme/shop-api (PSHOP) and acme/shop-web; ``teams:`` blue names
    acme/blue (no component: its own service).

    A1, W1, B1 first.
    B2 (blue) 18 06:00; A2 (api) 18 07:00; W2 (web) 18 08:00.
    PSHOP-1 18 09:00 → 12:00 (shop's) says ``root cause: <sha(b2)[:9]>`` → B2 failed (explicit), recovery
    12 − 6 = 6 h. It has an explicit link, so no window rule: W2 (latest of shop, 1 h) not failed.
    A3 (api) 18 10:00 while PSHOP-1 is open → rework (an incident of its service, linked or not); B3 (blue)
    18 10:30 → no rework (PSHOP is not blue's service).
    PSHOP-2 19 09:00 → 10:00 says ``deadbeef00 spotted``: a hex word that begins no change's sha links
    nothing → window rule: latest of shop is A3 (23 h) → failed, recovery 19 10:00 − 18 10:00 = 24 h.
    Issue acme/blue#1 19 10:00 → 11:00 (blue's) names A3 (``<sha(a3)[:12]>``) → A3 explicit too; counted
    once, recovered at the earliest resolution (PSHOP-2, 10:00) → 24 h. Not window: B3 (23.5 h before,
    the latest of acme/blue) not failed.

    blue: B1, B2, B3 = 3; failed B2 → 1/3; recovery 6.0; incidents 1; restore 1.0; rework 0/3.
    shop: A1, A2, A3, W1, W2 = 5; failed A3 → 1/5; recovery 24.0; incidents 2; restore 3, 1 → 2.0;
    rework A3 → 1/5.
    "*": 8; 2/8; recovery 6, 24 → 15.0; incidents 3; restore 1, 1, 3 → 1.0; rework 1/8.
    """
    api, web, blue = "acme/shop-api", "acme/shop-web", "acme/blue"
    w = world(
        [api, web, blue],
        teams=[TeamClaim("blue", (blue,))],
        components=[
            component(api, 0, "shop", "shop", pd="PSHOP"),
            component(web, 0, "shop", "shop"),
        ],
    )
    names = ["a2", "a3", "w2", "b2", "b3", *(f"first-{r}" for r in (api, web, blue))]
    assert not any(sha(name).startswith("deadbeef00") for name in names)
    for repo in (api, web, blue):
        first(facts, repo)
    b2 = ship(facts, blue, at(18, 6), "b2")
    ship(facts, api, at(18, 7), "a2")
    ship(facts, web, at(18, 8), "w2")
    add_incident(
        facts,
        "PSHOP-1",
        at(18, 9),
        resolved_at=at(18, 12),
        service="PSHOP",
        title=f"root cause: {sha('b2')[:9]}",
    )
    a3 = ship(facts, api, at(18, 10), "a3")
    ship(facts, blue, at(18, 10.5), "b3")
    add_incident(
        facts, "PSHOP-2", at(19, 9), resolved_at=at(19, 10), service="PSHOP", title="deadbeef00 spotted"
    )
    issue(facts, blue, 1, at(19, 10), at(19, 11), title=f"caused by {sha('a3')[:12]}")
    result = run(facts, w)
    assert failures(result) == {
        b2: ("blue", EXPLICIT, at(18, 12)),
        a3: ("shop", EXPLICIT | WINDOW, at(19, 10)),
    }
    got = rows_30d(result)
    check(got["blue"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=6.0)
    check(got["blue"], incidents=1, time_to_restore_hours_p50=1.0, rework_rate=0.0)
    check(got["shop"], deployments=5, change_failure_rate=1 / 5, failed_deployment_recovery_hours_p50=24.0)
    check(got["shop"], incidents=2, time_to_restore_hours_p50=2.0, rework_rate=1 / 5)
    check(got["*"], deployments=8, change_failure_rate=2 / 8, failed_deployment_recovery_hours_p50=15.0)
    check(got["*"], incidents=3, time_to_restore_hours_p50=1.0, rework_rate=1 / 8)


# -- 7. a tie of three repos of one component, the code-point last of them given away by teams: -


def test_tie_of_three_repos_where_teams_took_the_code_point_last_one(facts: Facts) -> None:
    """Component ``svc`` (owner core) is catalogued in acme/svc-a (with PSVC), acme/svc-b and acme/svc-z.
    ``teams:`` ops names acme/svc-z → its own service; service svc = acme/svc-a + acme/svc-b.

    A1, B1, Z1 first. A2, B2, Z2 all at 10 08:00.
    PSVC-1 10 09:00 → 10:00 (core's): latest of svc before it is a tie of A2 and B2 (Z2 is another
    service's, though "acme/svc-z" is the code-point last of the three) → "acme/svc-b" > "acme/svc-a" → B2
    failed, recovery 10 − 8 = 2 h.
    Issue acme/svc-z#1 10 09:00 → 11:00 (ops's): service acme/svc-z, latest Z2 (1 h) → failed, recovery 3 h.
    A3 (svc-a) and Z3 (svc-z) at 10 09:00, the instant both incidents start: each rework (its service's
    incident is open from its start), neither failed by them (not before them). B3 (svc-b) 10 10:00, the
    instant PSVC-1 resolves, while the svc-z issue is open: no rework (resolved; not its service).

    core: A1–A3, B1–B3 = 6; failed B2 → 1/6; recovery 2.0; incidents 1; restore 1.0; rework A3 → 1/6.
    ops: Z1–Z3 = 3; failed Z2 → 1/3; recovery 3.0; incidents 1; restore 2.0; rework Z3 → 1/3.
    "*": 9; 2/9; recovery 2, 3 → 2.5; incidents 2; restore 1, 2 → 1.5; rework 2/9.
    """
    a, b, z = "acme/svc-a", "acme/svc-b", "acme/svc-z"
    w = world(
        [a, b, z],
        teams=[TeamClaim("ops", (z,))],
        components=[
            component(a, 0, "svc", "core", pd="PSVC"),
            component(b, 0, "svc", "core"),
            component(z, 0, "svc", "core"),
        ],
    )
    for repo in (a, b, z):
        first(facts, repo)
    ship(facts, a, at(10, 8), "a2")
    b2 = ship(facts, b, at(10, 8), "b2")
    z2 = ship(facts, z, at(10, 8), "z2")
    add_incident(facts, "PSVC-1", at(10, 9), resolved_at=at(10, 10), service="PSVC")
    issue(facts, z, 1, at(10, 9), at(10, 11))
    ship(facts, a, at(10, 9), "a3")
    ship(facts, z, at(10, 9), "z3")
    ship(facts, b, at(10, 10), "b3")
    result = run(facts, w)
    assert failures(result) == {
        b2: ("core", WINDOW, at(10, 10)),
        z2: ("ops", WINDOW, at(10, 11)),
    }
    got = rows_30d(result)
    check(got["core"], deployments=6, change_failure_rate=1 / 6, failed_deployment_recovery_hours_p50=2.0)
    check(got["core"], incidents=1, time_to_restore_hours_p50=1.0, rework_rate=1 / 6)
    check(got["ops"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=3.0)
    check(got["ops"], incidents=1, time_to_restore_hours_p50=2.0, rework_rate=1 / 3)
    check(got["*"], deployments=9, change_failure_rate=2 / 9, failed_deployment_recovery_hours_p50=2.5)
    check(got["*"], incidents=2, time_to_restore_hours_p50=1.5, rework_rate=2 / 9)


# -- 8. a contested slug repo (file order, letter case aside), a teams: PagerDuty-only claim, a shared name -


def test_contested_slug_repo_and_a_teams_pagerduty_service_fail_across_two_teams_of_one_service(
    facts: Facts,
) -> None:
    """acme/Zed's file: document 0 ``cart`` (zeta, project-slug acme/x, PZ), document 1 ``cart`` (zeta,
    project-slug acme/z-web, PZ). acme/alpha's file: ``cart`` (alpha, project-slug acme/x). Files in order
    of their repository's name, letter case aside: acme/alpha < acme/Zed (in code points 'Z' < 'a' would
    put acme/Zed first) → acme/x is alpha's (one warning); acme/z-web is zeta's. Both are service cart.
    ``teams:`` alpha names PA (no repository): PA belongs to alpha's repos, acme/x, hence to service cart.
    PZ is zeta's and belongs to cart through document 1 (zeta owns acme/z-web), not through document 0.
    acme/Zed and acme/alpha are collected, have no component of their own → unowned, no deployments.

    X1, Z1 first.
    X2 (x) 20 06:00; Z2 (z-web) 20 08:00. PA-1 20 09:00 → 10:00 (alpha's): latest of cart is Z2 (zeta's,
    1 h) → failed, recovery 10 − 8 = 2 h. X3 (x) 20 09:30 while PA-1 is open → rework.
    PZ-1 21 08:00 → 09:00 (zeta's): latest of cart is X3 (22.5 h) → failed, recovery 23.5 h. Z3 (z-web)
    21 08:30 while PZ-1 is open → rework.

    alpha: X1–X3 = 3; failed X3 → 1/3; recovery 23.5; incidents 1; restore 1.0; rework X3 → 1/3.
    zeta: Z1–Z3 = 3; failed Z2 → 1/3; recovery 2.0; incidents 1; restore 1.0; rework Z3 → 1/3.
    unowned: 0 deployments; CFR null; recovery null; incidents 0; restore null; rework null.
    "*": 6; 2/6; recovery 2, 23.5 → 12.75; incidents 2; restore 1.0; rework 2/6.
    """
    x, zweb, zed, alpha = "acme/x", "acme/z-web", "acme/Zed", "acme/alpha"
    w = world(
        [x, zweb, zed, alpha],
        teams=[TeamClaim("alpha", (), ("PA",))],
        components=[
            component(zed, 0, "cart", "zeta", repo=x, pd="PZ"),
            component(zed, 1, "cart", "zeta", repo=zweb, pd="PZ"),
            component(alpha, 0, "cart", "alpha", repo=x),
        ],
    )
    assert len(w.ownership.warnings) == 1
    assert w.ownership.team_of_repo(x) == "alpha"
    assert w.ownership.team_of_repo(zweb) == "zeta"
    first(facts, x)
    first(facts, zweb)
    ship(facts, x, at(20, 6), "x2")
    z2 = ship(facts, zweb, at(20, 8), "z2")
    add_incident(facts, "PA-1", at(20, 9), resolved_at=at(20, 10), service="PA")
    x3 = ship(facts, x, at(20, 9.5), "x3")
    add_incident(facts, "PZ-1", at(21, 8), resolved_at=at(21, 9), service="PZ")
    ship(facts, zweb, at(21, 8.5), "z3")
    result = run(facts, w)
    assert failures(result) == {
        z2: ("zeta", WINDOW, at(20, 10)),
        x3: ("alpha", WINDOW, at(21, 9)),
    }
    got = rows_30d(result)
    check(got["alpha"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=23.5)
    check(got["alpha"], incidents=1, time_to_restore_hours_p50=1.0, rework_rate=1 / 3)
    check(got["zeta"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=2.0)
    check(got["zeta"], incidents=1, time_to_restore_hours_p50=1.0, rework_rate=1 / 3)
    check(got["unowned"], deployments=0, change_failure_rate=None, failed_deployment_recovery_hours_p50=None)
    check(got["unowned"], incidents=0, time_to_restore_hours_p50=None, rework_rate=None)
    check(got["*"], deployments=6, change_failure_rate=2 / 6, failed_deployment_recovery_hours_p50=12.75)
    check(got["*"], incidents=2, time_to_restore_hours_p50=1.0, rework_rate=2 / 6)


# -- 9. an explicit link to an old change of the service's own other repo silences the window rule ---------


def test_explicit_link_to_an_old_change_of_the_service_silences_the_window_rule_on_its_other_repo(
    facts: Facts,
) -> None:
    """Component ``inv`` (owner inv) in acme/inv-api (PINV) and acme/inv-web: one service.

    A0 (api) 05-10 first; A1 (api) 05-20 ships ``a-old`` — both before the window (05-31, 06-30].
    W1 (web) 06-01 first; W2 (web) 10 08:00.
    PINV-1 10 09:00 → 11:00 says ``root cause: <sha(a-old)[:8]>``: explicit link to A1 (outside the
    window: not counted, not listed); "an incident with no explicit link" only is window-attributed, so W2
    (the latest of inv, 1 h) is not failed. A2 (api) 10 10:00 while PINV-1 is open → rework.
    Issue acme/inv-web#1 11 09:00 → 10:00, no hex word: window rule, latest of inv is A2 (api, the other
    repo; 23 h) → failed, recovery 11 10:00 − 10 10:00 = 24 h.

    inv (= "*"): deployments W1, W2, A2 = 3; failed A2 → 1/3; recovery 24.0; incidents 2; restore 2, 1 →
    1.5; rework A2 → 1/3.
    """
    api, web = "acme/inv-api", "acme/inv-web"
    w = world(
        [api, web],
        components=[component(api, 0, "inv", "inv", pd="PINV"), component(web, 0, "inv", "inv")],
    )
    facts.deployment(scenario.day(5, 10), compare="first", repo=api, sha=sha(f"first-{api}"))
    ship(facts, api, scenario.day(5, 20), "a-old")
    first(facts, web)
    ship(facts, web, at(10, 8), "w2")
    add_incident(
        facts,
        "PINV-1",
        at(10, 9),
        resolved_at=at(10, 11),
        service="PINV",
        title=f"root cause: {sha('a-old')[:8]}",
    )
    a2 = ship(facts, api, at(10, 10), "a2")
    issue(facts, web, 1, at(11, 9), at(11, 10))
    result = run(facts, w)
    assert failures(result) == {a2: ("inv", WINDOW, at(11, 10))}
    got = rows_30d(result)
    for team in ("inv", "*"):
        check(got[team], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=24.0)
        check(got[team], incidents=2, time_to_restore_hours_p50=1.5, rework_rate=1 / 3)


# -- 10. a teams: PagerDuty service over a given-away repo and a catalog component of the same team ----------


def test_teams_pagerduty_service_over_a_given_away_repo_and_a_catalog_service_fails_the_latest_of_each(
    facts: Facts,
) -> None:
    """Component ``shop`` (owner shop) in acme/shop-api and acme/jobs; component ``tool`` (owner ops) in
    acme/tool. ``teams:`` ops names acme/jobs (→ its own service) and POPS. POPS belongs to ops's repos:
    acme/jobs (service acme/jobs) and acme/tool (service tool) — two services, each with its own latest.

    S1, J1, T1 first. J2 (jobs) 22 06:00; S2 (shop-api) 22 07:00; T2 (tool) 22 08:00.
    POPS-1 22 09:00 → 12:00 (ops's): latest of acme/jobs is J2 (3 h) → failed, recovery 6 h; latest of tool
    is T2 (1 h) → failed, recovery 4 h; S2 (service shop) not.
    S3 (shop-api) 22 10:00 → no rework; J3 (jobs) 22 10:30 and T3 (tool) 22 11:00 → rework.

    ops: J1–J3, T1–T3 = 6; failed J2, T2 → 2/6; recovery 4, 6 → 5.0; incidents 1; restore 3.0; rework 2/6.
    shop: S1–S3 = 3; CFR 0.0; recovery null; incidents 0; restore null; rework 0.0.
    "*": 9; 2/9; recovery 5.0; incidents 1 (one incident, two failures); restore 3.0; rework 2/9.
    """
    api, jobs, tool = "acme/shop-api", "acme/jobs", "acme/tool"
    w = world(
        [api, jobs, tool],
        teams=[TeamClaim("ops", (jobs,), ("POPS",))],
        components=[
            component(api, 0, "shop", "shop"),
            component(jobs, 0, "shop", "shop"),
            component(tool, 0, "tool", "ops"),
        ],
    )
    assert w.ownership.services_of_pagerduty_service("POPS") == (jobs, "tool")
    for repo in (api, jobs, tool):
        first(facts, repo)
    j2 = ship(facts, jobs, at(22, 6), "j2")
    ship(facts, api, at(22, 7), "s2")
    t2 = ship(facts, tool, at(22, 8), "t2")
    add_incident(facts, "POPS-1", at(22, 9), resolved_at=at(22, 12), service="POPS")
    ship(facts, api, at(22, 10), "s3")
    ship(facts, jobs, at(22, 10.5), "j3")
    ship(facts, tool, at(22, 11), "t3")
    result = run(facts, w)
    assert failures(result) == {
        j2: ("ops", WINDOW, at(22, 12)),
        t2: ("ops", WINDOW, at(22, 12)),
    }
    got = rows_30d(result)
    check(got["ops"], deployments=6, change_failure_rate=2 / 6, failed_deployment_recovery_hours_p50=5.0)
    check(got["ops"], incidents=1, time_to_restore_hours_p50=3.0, rework_rate=2 / 6)
    check(got["shop"], deployments=3, change_failure_rate=0.0, failed_deployment_recovery_hours_p50=None)
    check(got["shop"], incidents=0, time_to_restore_hours_p50=None, rework_rate=0.0)
    check(got["*"], deployments=9, change_failure_rate=2 / 9, failed_deployment_recovery_hours_p50=5.0)
    check(got["*"], incidents=1, time_to_restore_hours_p50=3.0, rework_rate=2 / 9)
