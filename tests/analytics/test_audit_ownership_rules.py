"""Audit, round 4: where ownership (SPEC §4) meets the failure and rework rules (§6.1, §6.2).

Analytics level: the ownership map is resolved by ``analytics.ownership.resolve_ownership`` from
``teams:`` claims, catalog components (as the collector stores them, in file order) and
``pagerduty.service_ids``, then turned into scopes exactly as ``doraspace`` does (``repo_scopes``,
``pagerduty_scopes``), and everything goes through ``compute_metrics``.

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC, one window 30d = (05-31 00:00, 06-30 00:00],
attribution window 24 h, no rework labels. Every repo's first deployment (06-01 00:00, compare
``first``) counts as a deployment and has unknown changes (§5.2). PagerDuty incidents are stored on
their service id; GitHub incident issues on their repo. No incident text holds a hex word of 7 or more
characters unless it names a sha on purpose. Percentiles are ``percentile_cont``: p at position
p × (n − 1) of the sorted values.

Readings used (docs/metrics.md, "Incidents" and "Failed deployments" rule 4):
* "An incident counts for the team owning its PagerDuty service or repository";
* "The PagerDuty services a teams: entry names belong to that team's repositories only, whatever
  component names them";
* "A component's PagerDuty service belongs to the component's repository only while the component's
  owner owns it: when another component (first in file order) or teams: gives the repository to another
  team, that service's incidents still count for its own team but fail none of the repository's
  deployments".
"""

from __future__ import annotations

from datetime import datetime

from analytics.ownership import (
    TeamClaim,
)
from tests.analytics.facts import Facts, add_incident, at, sha
from tests.analytics.ownership_world import component, first, run, ship, world
from tests.analytics.scenario import check, failed, rows_30d


def issue(facts: Facts, repo: str, number: int, started: datetime, resolved: datetime, **text: str) -> None:
    add_incident(
        facts, f"{repo}#{number}", started, resolved_at=resolved, source="github", service=repo, **text
    )


# -- 1. a repo lost to the first component; the loser's PagerDuty service and its team's other repo ----------


def test_losing_components_service_fails_its_teams_other_repo_not_the_newer_contested_deployment(
    facts: Facts,
) -> None:
    """acme/shared's file: shared-core (core, PCORE), then shared-ui (ui, PUI): the first in file order
    wins acme/shared for core (one warning). acme/ui-web's file: shared-ui again (ui, PUI): service
    shared-ui is acme/ui-web alone; acme/shared is service shared-core.

    U2 (ui-web) 10 08:00, S2 (shared) 10 10:00. PUI-1 10 11:00 → 14:00, ui's: the latest deployment of
    service shared-ui before it is U2 (3 h ≤ 24 h) → U2 failed, recovery 14:00 − 08:00 = 6 h. S2 (1 h
    before, more recent) is not of that service → not failed. S3 (shared) 10 12:00 while PUI-1 is open: not
    an incident of its service → no rework; U3 (ui-web) 10 13:00 → rework. PCORE-1 11 10:00 → 11:00, core's:
    latest of shared-core is S3 (22 h) → failed, recovery 23 h.
    ui: deployments U1, U2, U3 = 3; CFR 1/3; recovery 6.0; incidents 1; restore 3.0; rework 1/3.
    core: deployments 3; CFR 1/3; recovery 23.0; incidents 1; restore 1.0; rework 0/3.
    "*": 6; failed U2, S3 → 2/6; recovery 6, 23 → 14.5; incidents 2; restore 1, 3 → 2.0; rework 1/6.
    """
    # SPEC §4 "Where components of different owners name the same repo, the first in file order wins,
    # with a warning"; "A service is a Backstage Component (metadata.name)"; §6.1 rule 4 "F is the latest
    # deployment of that service"; §6.2 rework "an incident of its service".
    w = world(
        ["acme/shared", "acme/ui-web"],
        components=[
            component("acme/shared", 0, "shared-core", "core", pd="PCORE"),
            component("acme/shared", 1, "shared-ui", "ui", pd="PUI"),
            component("acme/ui-web", 0, "shared-ui", "ui", pd="PUI"),
        ],
    )
    assert len(w.ownership.warnings) == 1
    first(facts, "acme/shared")
    first(facts, "acme/ui-web")
    u2 = ship(facts, "acme/ui-web", at(10, 8), "u2")
    s2 = ship(facts, "acme/shared", at(10, 10), "s2")
    add_incident(facts, "PUI-1", at(10, 11), resolved_at=at(10, 14), service="PUI")
    s3 = ship(facts, "acme/shared", at(10, 12), "s3")
    ship(facts, "acme/ui-web", at(10, 13), "u3")
    add_incident(facts, "PCORE-1", at(11, 10), resolved_at=at(11, 11), service="PCORE")
    result = run(facts, w)
    assert failed(result) == {u2: ("window",), s3: ("window",)}
    assert s2 not in failed(result)
    got = rows_30d(result)
    check(got["ui"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=6.0)
    check(got["ui"], incidents=1, time_to_restore_hours_p50=3.0, rework_rate=1 / 3)
    check(got["core"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=23.0)
    check(got["core"], incidents=1, time_to_restore_hours_p50=1.0, rework_rate=0.0)
    check(got["*"], deployments=6, change_failure_rate=2 / 6, failed_deployment_recovery_hours_p50=14.5)
    check(got["*"], incidents=2, time_to_restore_hours_p50=2.0, rework_rate=1 / 6)


def test_losing_components_incident_naming_the_winners_change_fails_it_but_stays_the_losers(
    facts: Facts,
) -> None:
    """acme/shared as above (core wins; PUI is ui's and links to no repo). S2 10 10:00 ships s2.
    PUI-1 10 11:00 → 15:00 says ``root cause: <s2[:8]>``: explicit → S2 failed, recovery 5 h (core's
    CFR), while the incident stays ui's (it is on ui's service). S3 10 12:00 while PUI-1 is open: no
    rework (PUI is no service of acme/shared).
    core: deployments 3; CFR 1/3; recovery 5.0; incidents 0; restore null; rework 0/3.
    ui: deployments 0; CFR null; incidents 1; restore 4.0; rework null.
    "*": 3; 1/3; recovery 5.0; incidents 1; restore 4.0; rework 0/3.
    """
    # SPEC §6.1 rule 1 (no condition on the incident's service); docs/metrics.md "An incident counts for
    # the team owning its PagerDuty service or repository".
    w = world(
        ["acme/shared"],
        components=[
            component("acme/shared", 0, "shared-core", "core", pd="PCORE"),
            component("acme/shared", 1, "shared-ui", "ui", pd="PUI"),
        ],
    )
    first(facts, "acme/shared")
    s2 = ship(facts, "acme/shared", at(10, 10), "s2")
    add_incident(
        facts,
        "PUI-1",
        at(10, 11),
        resolved_at=at(10, 15),
        service="PUI",
        title=f"root cause: {sha('s2')[:8]}",
    )
    ship(facts, "acme/shared", at(10, 12), "s3")
    result = run(facts, w)
    assert failed(result) == {s2: ("explicit",)}
    got = rows_30d(result)
    check(got["core"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=5.0)
    check(got["core"], incidents=0, time_to_restore_hours_p50=None, rework_rate=0.0)
    check(got["ui"], deployments=0, change_failure_rate=None, incidents=1, time_to_restore_hours_p50=4.0)
    check(got["ui"], rework_rate=None)
    check(got["*"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=5.0)
    check(got["*"], incidents=1, time_to_restore_hours_p50=4.0, rework_rate=0.0)


# -- 2. teams: takes one repo of a component that spans two repos -------------------------------------------


def test_teams_override_of_one_repo_of_a_two_repo_component_unlinks_that_repo(facts: Facts) -> None:
    """Component legacy-svc (owner platform, PLEG) is catalogued in acme/legacy and in acme/legacy-2 (one
    service of two repos). ``teams:`` gives acme/legacy to newteam (no PagerDuty service); acme/legacy-2
    stays platform's, and so does PLEG.

    docs/metrics.md rule 4: when teams: gives the repository to another team, the component's PagerDuty
    service's "incidents still count for its own team but fail none of the repository's deployments".
    So PLEG fails no deployment of acme/legacy, and none of acme/legacy's deployments is rework for it.

    K2 (legacy-2) 12 08:00; L2 (legacy) 12 10:00; PLEG-1 12 11:00 → 13:00 (platform's). L2 is 1 h before
    it, but PLEG fails none of acme/legacy's deployments → L2 not failed. L3 (legacy) 12 12:00 while PLEG-1
    is open → no rework. K3 (legacy-2) 12 12:30 while PLEG-1 is open: PLEG belongs to acme/legacy-2 →
    rework.
    newteam: deployments L1, L2, L3 = 3; CFR 0/3 = 0.0; recovery null; incidents 0; rework 0/3 = 0.0.
    platform: deployments K1, K2, K3 = 3; incidents 1; restore 2.0; rework 1/3. (Whether K2 fails —
    is acme/legacy still of service legacy-svc, making L2 the latest? — is not asserted.)
    """
    w = world(
        ["acme/legacy", "acme/legacy-2"],
        teams=[TeamClaim("newteam", ("acme/legacy",))],
        components=[
            component("acme/legacy", 0, "legacy-svc", "platform", pd="PLEG"),
            component("acme/legacy-2", 0, "legacy-svc", "platform", pd="PLEG"),
        ],
    )
    assert w.ownership.team_of_repo("acme/legacy") == "newteam"
    assert w.ownership.team_of_pagerduty_service("PLEG") == "platform"
    first(facts, "acme/legacy")
    first(facts, "acme/legacy-2")
    ship(facts, "acme/legacy-2", at(12, 8), "k2")
    l2 = ship(facts, "acme/legacy", at(12, 10), "l2")
    add_incident(facts, "PLEG-1", at(12, 11), resolved_at=at(12, 13), service="PLEG")
    ship(facts, "acme/legacy", at(12, 12), "l3")
    ship(facts, "acme/legacy-2", at(12, 12.5), "k3")
    result = run(facts, w)
    got = rows_30d(result)
    check(got["platform"], deployments=3, incidents=1, time_to_restore_hours_p50=2.0, rework_rate=1 / 3)
    assert l2 not in failed(result)
    check(got["newteam"], deployments=3, change_failure_rate=0.0, failed_deployment_recovery_hours_p50=None)
    check(got["newteam"], incidents=0, rework_rate=0.0)


def test_teams_pagerduty_service_over_a_repo_whose_component_spans_another_teams_repo(facts: Facts) -> None:
    """Component ops (owner web) is catalogued in acme/ops-tools and acme/ops-web. ``teams:`` gives
    acme/ops-tools and PSRE to sre.

    docs/metrics.md rule 4: the PagerDuty services a teams: entry names "belong to that team's
    repositories only", and a repository teams: gives to a team other than its component's owner leaves
    the component (it is its own service). So PSRE's incidents can fail acme/ops-tools's deployments only,
    never web's acme/ops-web, although both repos were catalogued under ops.

    T2 (ops-tools) 13 08:00; W2 (ops-web) 13 10:00; PSRE-1 13 11:00 → 12:00, sre's: the latest
    deployment of acme/ops-tools (its own service) before it is T2 (3 h, within the 24 h window) → T2
    failed, recovery 12:00 − 08:00 = 4 h; W2 is not of PSRE's repositories.
    sre: deployments 2; CFR 1/2; recovery 4.0; incidents 1; restore 1.0. web: deployments 2; CFR 0/2;
    recovery null; incidents 0. "*": 4; 1/4; incidents 1.
    """
    w = world(
        ["acme/ops-tools", "acme/ops-web"],
        teams=[TeamClaim("sre", ("acme/ops-tools",), ("PSRE",))],
        components=[
            component("acme/ops-tools", 0, "ops", "web"),
            component("acme/ops-web", 0, "ops", "web"),
        ],
    )
    assert w.ownership.service_of_repo("acme/ops-tools") == "acme/ops-tools"
    assert w.ownership.service_of_repo("acme/ops-web") == "ops"
    first(facts, "acme/ops-tools")
    first(facts, "acme/ops-web")
    t2 = ship(facts, "acme/ops-tools", at(13, 8), "t2")
    ship(facts, "acme/ops-web", at(13, 10), "w2")
    add_incident(facts, "PSRE-1", at(13, 11), resolved_at=at(13, 12), service="PSRE")
    result = run(facts, w)
    assert failed(result) == {t2: ("window",)}
    got = rows_30d(result)
    check(got["sre"], deployments=2, change_failure_rate=1 / 2, failed_deployment_recovery_hours_p50=4.0)
    check(got["sre"], incidents=1, time_to_restore_hours_p50=1.0)
    check(got["web"], deployments=2, change_failure_rate=0.0, failed_deployment_recovery_hours_p50=None)
    check(got["web"], incidents=0)
    check(got["*"], deployments=4, change_failure_rate=1 / 4, incidents=1)


# -- 3. teams: naming a PagerDuty service the catalog gives another team, for a team with no repos ----------


def test_pagerduty_only_team_takes_a_components_service_and_names_its_change(facts: Facts) -> None:
    """Component ledger (finance, acme/ledger, PLED). ``teams:`` gives PLED to sre, which owns no repo:
    PLED belongs to sre's repos, none; acme/ledger keeps finance and no PagerDuty service.

    G2 20 08:00. PLED-1 20 09:00 → 10:00 (no link): on no service → fails nothing. G3 20 09:30 while
    PLED-1 is open → no rework. PLED-2 20 11:00 → 15:00 says ``root cause: <g3[:7]>`` → G3 failed
    (explicit), recovery 15:00 − 09:30 = 5.5 h; the incident stays sre's.
    finance: deployments 3; CFR 1/3; recovery 5.5; incidents 0; restore null; rework 0/3.
    sre: deployments 0; CFR null; incidents 2; restore 1, 4 → p50 2.5, p90 1 + 0.9 × 3 = 3.7; rework null.
    "*": 3; 1/3; recovery 5.5; incidents 2; restore p50 2.5; rework 0/3.
    """
    # SPEC §4 "a repo or PagerDuty service it names belongs to that team, whatever the catalog says";
    # "the PagerDuty services a teams: entry names belong to that team's repos"; §6.1 rule 1.
    w = world(
        ["acme/ledger"],
        teams=[TeamClaim("sre", (), ("PLED",))],
        components=[component("acme/ledger", 0, "ledger", "finance", pd="PLED")],
    )
    first(facts, "acme/ledger")
    g2 = ship(facts, "acme/ledger", at(20, 8), "g2")
    add_incident(facts, "PLED-1", at(20, 9), resolved_at=at(20, 10), service="PLED")
    g3 = ship(facts, "acme/ledger", at(20, 9.5), "g3")
    add_incident(
        facts,
        "PLED-2",
        at(20, 11),
        resolved_at=at(20, 15),
        service="PLED",
        title=f"root cause: {sha('g3')[:7]}",
    )
    result = run(facts, w)
    assert failed(result) == {g3: ("explicit",)}
    assert g2 not in failed(result)
    got = rows_30d(result)
    check(got["finance"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=5.5)
    check(got["finance"], incidents=0, time_to_restore_hours_p50=None, rework_rate=0.0)
    check(got["sre"], deployments=0, change_failure_rate=None, incidents=2, rework_rate=None)
    check(got["sre"], time_to_restore_hours_p50=2.5, time_to_restore_hours_p90=3.7)
    check(got["*"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=5.5)
    check(got["*"], incidents=2, time_to_restore_hours_p50=2.5, rework_rate=0.0)


def test_teams_entry_naming_its_own_catalog_repo_keeps_the_components_service_linked(facts: Facts) -> None:
    """Component cart (owner spelled ``Shop``, acme/cart, PCART). ``teams:`` entry shop names acme/cart
    (the same team: a catalog owner is matched to a config team whatever its case) and PSHOP2. Nothing
    changes hands, so PCART still belongs to acme/cart, and PSHOP2 to shop's repos, acme/cart. No row
    ``Shop``.

    C2 21 08:00. PCART-1 21 09:00 → 11:00 → C2 failed (window, 1 h), recovery 3 h. C3 21 10:00 while
    PCART-1 is open → rework. PSHOP2-1 21 12:00 → 12:30: latest C3 (2 h) → failed, recovery 2.5 h. C4 21
    12:15 while PSHOP2-1 is open → rework.
    shop: deployments C1..C4 = 4; CFR 2/4; recovery 3, 2.5 → 2.75; incidents 2; restore 2, 0.5 → 1.25;
    rework 2/4.
    """
    # SPEC §4 "teams: ... adds and overrides"; "pagerduty.com/service-id names its PagerDuty service";
    # §6.1 rule 4; §6.2 rework.
    w = world(
        ["acme/cart"],
        teams=[TeamClaim("shop", ("acme/cart",), ("PSHOP2",))],
        components=[component("acme/cart", 0, "cart", "Shop", pd="PCART")],
    )
    first(facts, "acme/cart")
    c2 = ship(facts, "acme/cart", at(21, 8), "c2")
    add_incident(facts, "PCART-1", at(21, 9), resolved_at=at(21, 11), service="PCART")
    c3 = ship(facts, "acme/cart", at(21, 10), "c3")
    add_incident(facts, "PSHOP2-1", at(21, 12), resolved_at=at(21, 12.5), service="PSHOP2")
    ship(facts, "acme/cart", at(21, 12.25), "c4")
    result = run(facts, w)
    assert failed(result) == {c2: ("window",), c3: ("window",)}
    got = rows_30d(result)
    assert sorted(got) == ["*", "shop"]
    check(got["shop"], deployments=4, change_failure_rate=2 / 4, failed_deployment_recovery_hours_p50=2.75)
    check(got["shop"], incidents=2, time_to_restore_hours_p50=1.25, rework_rate=2 / 4)


# -- 4. one owner, two components in one repo; a component name over two repos ------------------------------


def test_second_component_of_the_same_owner_links_its_pagerduty_service_to_the_repo(facts: Facts) -> None:
    """acme/mono's file: mono-core (mono, no PagerDuty service), then mono-jobs (mono, PJOBS): no
    conflict (same owner), acme/mono is service mono-core. acme/mono-web's file: mono-jobs (mono, PJOBS):
    service mono-jobs is acme/mono-web. PJOBS belongs to both components' repos, so to both services.

    M2 (mono) 15 08:00; J2 (mono-web) 15 09:00. PJOBS-1 15 10:00 → 12:00: latest of mono-core M2 (2 h) →
    failed, recovery 4 h; latest of mono-jobs J2 (1 h) → failed, recovery 3 h. M3 15 11:00 while it is open
    → rework. One incident.
    mono: deployments 5 (M1, J1, M2, J2, M3); CFR 2/5; recovery 3, 4 → 3.5; incidents 1; restore 2.0;
    rework 1/5.
    """
    # docs/metrics.md rule 4 "A component's PagerDuty service belongs to the component's repository only
    # while the component's owner owns it"; SPEC §4 "pagerduty.com/service-id names its PagerDuty service".
    w = world(
        ["acme/mono", "acme/mono-web"],
        components=[
            component("acme/mono", 0, "mono-core", "mono"),
            component("acme/mono", 1, "mono-jobs", "mono", pd="PJOBS"),
            component("acme/mono-web", 0, "mono-jobs", "mono", pd="PJOBS"),
        ],
    )
    assert w.ownership.warnings == []
    first(facts, "acme/mono")
    first(facts, "acme/mono-web")
    m2 = ship(facts, "acme/mono", at(15, 8), "m2")
    j2 = ship(facts, "acme/mono-web", at(15, 9), "j2")
    add_incident(facts, "PJOBS-1", at(15, 10), resolved_at=at(15, 12), service="PJOBS")
    ship(facts, "acme/mono", at(15, 11), "m3")
    result = run(facts, w)
    assert failed(result) == {m2: ("window",), j2: ("window",)}
    got = rows_30d(result)
    check(got["mono"], deployments=5, change_failure_rate=2 / 5, failed_deployment_recovery_hours_p50=3.5)
    check(got["mono"], incidents=1, time_to_restore_hours_p50=2.0, rework_rate=1 / 5)
    assert got["*"].incidents == 1


def test_component_over_two_slug_repos_with_the_file_repo_its_own_unowned_service(facts: Facts) -> None:
    """acme/catalog's file: billing (billing, project-slug acme/billing-api, PBILL) and billing again
    (billing, project-slug acme/billing-worker): one service billing of two repos. acme/catalog holds
    no component of its own: its own service, team unowned.

    A2 (api) 22 08:00; K2 (worker) 22 10:00; a staging deployment of the worker 22 10:45 (not counted);
    C2 (acme/catalog) 22 10:30. PBILL-1 22 11:00 → 13:00: the latest deployment of service billing before
    it is K2 (1 h; the staging one is no deployment, C2 another service's) → K2 failed, recovery 3 h; A2
    not. A3 (api) 22 12:00 while PBILL-1 is open → rework; C3 (catalog) 22 12:00 → no rework. Issue in
    acme/billing-worker 23 09:00 → 10:00: latest of service billing is A3 (other repo, 21 h) → failed,
    recovery 22 h.
    billing: deployments A1, K1, A2, K2, A3 = 5; CFR 2/5; recovery 3, 22 → 12.5; incidents 2; restore 2,
    1 → 1.5; rework 1/5. unowned: deployments 3; CFR 0; incidents 0; rework 0.
    "*": 8; 2/8; 12.5; incidents 2; rework 1/8.
    """
    # SPEC §4 "github.com/project-slug: acme/x names the repo a component lives in"; "A repo with no
    # component is its own service"; "A repo ... owned by nobody belongs to team unowned"; §6.1 rule 4;
    # §5.1 "only the production environment counts".
    repos = ["acme/billing-api", "acme/billing-worker", "acme/catalog"]
    w = world(
        repos,
        components=[
            component("acme/catalog", 0, "billing", "billing", "acme/billing-api", "PBILL"),
            component("acme/catalog", 1, "billing", "billing", "acme/billing-worker"),
        ],
    )
    for repo in repos:
        first(facts, repo)
    a2 = ship(facts, "acme/billing-api", at(22, 8), "a2")
    k2 = ship(facts, "acme/billing-worker", at(22, 10), "k2")
    ship(facts, "acme/catalog", at(22, 10.5), "cat2")
    ship(facts, "acme/billing-worker", at(22, 10.75), "k2-staging", environment="staging")
    add_incident(facts, "PBILL-1", at(22, 11), resolved_at=at(22, 13), service="PBILL")
    a3 = ship(facts, "acme/billing-api", at(22, 12), "a3")
    ship(facts, "acme/catalog", at(22, 12), "cat3")
    issue(facts, "acme/billing-worker", 4, at(23, 9), at(23, 10))
    result = run(facts, w)
    assert failed(result) == {k2: ("window",), a3: ("window",)}
    assert a2 not in failed(result)
    got = rows_30d(result)
    check(got["billing"], deployments=5, change_failure_rate=2 / 5, failed_deployment_recovery_hours_p50=12.5)
    check(got["billing"], incidents=2, time_to_restore_hours_p50=1.5, rework_rate=1 / 5)
    check(got["unowned"], deployments=3, change_failure_rate=0.0, incidents=0, rework_rate=0.0)
    check(got["*"], deployments=8, change_failure_rate=2 / 8, failed_deployment_recovery_hours_p50=12.5)
    check(got["*"], incidents=2, rework_rate=1 / 8)


# -- 5. explicit links across teams: the window rule stays quiet, rework stays with the service -------------


def test_explicit_link_from_one_teams_incident_to_another_teams_change_with_a_revert(facts: Facts) -> None:
    """red: acme/red, PRED (``teams:``); blue: acme/blue (``teams:``, no PagerDuty service).

    B2 (blue) 14 08:00 ships b2; R2 (red) 14 10:00. PRED-1 14 11:00 → 17:00 says ``root cause:
    <b2[:10]>``: explicit → B2 failed. It has an explicit link, so the window rule does not fail R2 (1 h
    before it, the latest of red's service). R3 (red) 14 12:00 while PRED-1 is open → rework: an incident
    of its service, linked or not. B3 (blue) 14 12:30 while it is open → no rework (not blue's service),
    not failed. B4 (blue) 14 13:00 ships ``This reverts commit <b2>.`` → B2 failed by revert too; B4
    rework. B2's recovery: the earliest of PRED-1 resolved (17:00) and B4 (13:00) → 5 h.
    red: deployments 3; CFR 0/3 = 0.0; recovery null; incidents 1; restore 6.0; rework 1/3.
    blue: deployments 4; CFR 1/4; recovery 5.0; incidents 0; restore null; rework 1/4.
    "*": 7; 1/7; 5.0; incidents 1; restore 6.0; rework 2/7.
    """
    # SPEC §6.1 rules 1, 3, 4 ("an incident with no explicit link"); §6.2 recovery "the earliest of the
    # resolution of an incident that failed it ... and the deployed_at of its ... revert deployment";
    # rework "deployed while an incident of its service was open"; docs/metrics.md "An incident counts for
    # the team owning its PagerDuty service or repository".
    w = world(
        ["acme/red", "acme/blue"],
        teams=[TeamClaim("red", ("acme/red",), ("PRED",)), TeamClaim("blue", ("acme/blue",))],
    )
    first(facts, "acme/red")
    first(facts, "acme/blue")
    b2 = ship(facts, "acme/blue", at(14, 8), "b2")
    r2 = ship(facts, "acme/red", at(14, 10), "r2")
    add_incident(
        facts,
        "PRED-1",
        at(14, 11),
        resolved_at=at(14, 17),
        service="PRED",
        title=f"root cause: {sha('b2')[:10]}",
    )
    ship(facts, "acme/red", at(14, 12), "r3")
    ship(facts, "acme/blue", at(14, 12.5), "b3")
    ship(facts, "acme/blue", at(14, 13), "b4", message=f'Revert "b2"\n\nThis reverts commit {sha("b2")}.')
    result = run(facts, w)
    assert failed(result) == {b2: ("explicit", "revert")}
    assert r2 not in failed(result)
    got = rows_30d(result)
    check(got["red"], deployments=3, change_failure_rate=0.0, failed_deployment_recovery_hours_p50=None)
    check(got["red"], incidents=1, time_to_restore_hours_p50=6.0, rework_rate=1 / 3)
    check(got["blue"], deployments=4, change_failure_rate=1 / 4, failed_deployment_recovery_hours_p50=5.0)
    check(got["blue"], incidents=0, time_to_restore_hours_p50=None, rework_rate=1 / 4)
    check(got["*"], deployments=7, change_failure_rate=1 / 7, failed_deployment_recovery_hours_p50=5.0)
    check(got["*"], incidents=1, time_to_restore_hours_p50=6.0, rework_rate=2 / 7)


def test_one_deployment_failed_by_its_teams_incident_and_another_teams_issue_counts_once(
    facts: Facts,
) -> None:
    """red: acme/red, PRED; blue: acme/blue (``teams:``).

    R2 (red) 24 08:00 ships r2. PRED-1 24 09:00 → 14:00 (no link) → R2 failed (window, 1 h). B2 (blue) 24
    09:30. Issue acme/blue#3 24 10:00 → 12:00 says ``see <r2[:9]>``: explicit → R2 again (counted once);
    the issue has a link, so B2 (30 min before it, the latest of blue's service) is not failed. R2's
    recovery: the earliest of 14:00 and 12:00 → 4 h. R3 (red) 24 11:00 while PRED-1 is open → rework;
    B3 (blue) 24 11:00 while its repo's issue is open → rework (an incident of its service). The issue is
    blue's (its repo's team), PRED-1 red's.
    red: deployments 3; CFR 1/3; recovery 4.0; incidents 1; restore 5.0; rework 1/3.
    blue: deployments 3; CFR 0/3; recovery null; incidents 1; restore 2.0; rework 1/3.
    "*": 6; 1/6; recovery 4.0; incidents 2; restore 2, 5 → 3.5; rework 2/6.
    """
    # SPEC §6.1 ("counts once" — docs/metrics.md "counts once however many rules or incidents found it");
    # §6.2 recovery "the earliest of the resolution of an incident that failed it"; docs/metrics.md "An
    # incident counts for the team owning its PagerDuty service or repository".
    w = world(
        ["acme/red", "acme/blue"],
        teams=[TeamClaim("red", ("acme/red",), ("PRED",)), TeamClaim("blue", ("acme/blue",))],
    )
    first(facts, "acme/red")
    first(facts, "acme/blue")
    r2 = ship(facts, "acme/red", at(24, 8), "r2")
    add_incident(facts, "PRED-1", at(24, 9), resolved_at=at(24, 14), service="PRED")
    b2 = ship(facts, "acme/blue", at(24, 9.5), "b2")
    issue(
        facts,
        "acme/blue",
        3,
        at(24, 10),
        at(24, 12),
        title="checkout slow",
        description=f"see {sha('r2')[:9]}",
    )
    ship(facts, "acme/red", at(24, 11), "r3")
    ship(facts, "acme/blue", at(24, 11), "b3")
    result = run(facts, w)
    assert failed(result) == {r2: ("explicit", "window")}
    assert b2 not in failed(result)
    got = rows_30d(result)
    check(got["red"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=4.0)
    check(got["red"], incidents=1, time_to_restore_hours_p50=5.0, rework_rate=1 / 3)
    check(got["blue"], deployments=3, change_failure_rate=0.0, failed_deployment_recovery_hours_p50=None)
    check(got["blue"], incidents=1, time_to_restore_hours_p50=2.0, rework_rate=1 / 3)
    check(got["*"], deployments=6, change_failure_rate=1 / 6, failed_deployment_recovery_hours_p50=4.0)
    check(got["*"], incidents=2, time_to_restore_hours_p50=3.5, rework_rate=2 / 6)


# -- 6. an issue and a PagerDuty incident of one team, overlapping, with another team deploying --------------


def test_overlapping_issue_and_pagerduty_incident_rework_their_own_services_only(facts: Facts) -> None:
    """shop: acme/shop-api, acme/shop-web, PSHOP (``teams:``: PSHOP belongs to both repos, each its own
    service); pay: acme/pay, PPAY.

    A2 (api) 16 08:00; W2 (web) 16 09:00; P2 (pay) 16 09:30. Issue acme/shop-web#7 16 10:00 → 15:00:
    service acme/shop-web, latest W2 (1 h) → failed. PSHOP-1 16 10:30 → 12:00: latest of acme/shop-api A2
    (2.5 h) → failed, recovery 4 h; latest of acme/shop-web W2 → failed again (once), recovery the
    earliest of 15:00 and 12:00 → 3 h.
    Rework: W3 (web) 11:00, both open → once; P3 (pay) 11:00 → no; A3 (api) 11:30, PSHOP-1 open → yes;
    A4 (api) 13:00, only the web issue open → no; W4 (web) 14:00, the issue open → yes; P4 (pay) 14:00 → no.
    shop: deployments 8; CFR 2/8; recovery 3, 4 → 3.5; incidents 2; restore 5, 1.5 → p50 3.25, p90 1.5 +
    0.9 × 3.5 = 4.65; rework W3, A3, W4 = 3/8.
    pay: deployments 4; CFR 0/4; incidents 0; rework 0/4.
    "*": 12; 2/12; 3.5; incidents 2; rework 3/12.
    """
    # SPEC §4 "the PagerDuty services a teams: entry names belong to that team's repos"; "A repo with no
    # component is its own service"; §6.1 rule 4; §6.2 rework "an incident of its service".
    w = world(
        ["acme/shop-api", "acme/shop-web", "acme/pay"],
        teams=[
            TeamClaim("shop", ("acme/shop-api", "acme/shop-web"), ("PSHOP",)),
            TeamClaim("pay", ("acme/pay",), ("PPAY",)),
        ],
    )
    for repo in ("acme/shop-api", "acme/shop-web", "acme/pay"):
        first(facts, repo)
    a2 = ship(facts, "acme/shop-api", at(16, 8), "a2")
    w2 = ship(facts, "acme/shop-web", at(16, 9), "w2")
    ship(facts, "acme/pay", at(16, 9.5), "p2")
    issue(facts, "acme/shop-web", 7, at(16, 10), at(16, 15))
    add_incident(facts, "PSHOP-1", at(16, 10.5), resolved_at=at(16, 12), service="PSHOP")
    ship(facts, "acme/shop-web", at(16, 11), "w3")
    ship(facts, "acme/pay", at(16, 11), "p3")
    ship(facts, "acme/shop-api", at(16, 11.5), "a3")
    ship(facts, "acme/shop-api", at(16, 13), "a4")
    ship(facts, "acme/shop-web", at(16, 14), "w4")
    ship(facts, "acme/pay", at(16, 14), "p4")
    result = run(facts, w)
    assert failed(result) == {a2: ("window",), w2: ("window",)}
    got = rows_30d(result)
    check(got["shop"], deployments=8, change_failure_rate=2 / 8, failed_deployment_recovery_hours_p50=3.5)
    check(got["shop"], incidents=2, time_to_restore_hours_p50=3.25, time_to_restore_hours_p90=4.65)
    check(got["shop"], rework_rate=3 / 8)
    check(got["pay"], deployments=4, change_failure_rate=0.0, incidents=0, rework_rate=0.0)
    check(got["*"], deployments=12, change_failure_rate=2 / 12, failed_deployment_recovery_hours_p50=3.5)
    check(got["*"], incidents=2, rework_rate=3 / 12)


# -- 7. unowned: an unowned repo's issue naming a team's change, and a service_ids service -------------------


def test_unowned_repos_issue_naming_a_teams_change_and_an_unowned_service_ids_incident(facts: Facts) -> None:
    """blue: acme/blue (``teams:``). acme/orphan: collected, no component, no ``teams:`` → unowned, its own
    service. PNOB: in ``service_ids``, named by nobody → unowned, of no service.

    B2 (blue) 18 08:00 ships bx2. PNOB-1 18 09:00 → 09:30: unowned's, on no service → fails nothing. O2
    (orphan) 18 10:00. Issue acme/orphan#1 18 11:00 → 13:00, body ``caused by <bx2[:12]>``: explicit → B2
    failed, recovery 5 h; it has a link, so O2 (1 h before, the latest of its service) is not failed. O3
    (orphan) 18 12:00 while its repo's issue is open → rework; B3 (blue) 18 12:00 → no rework.
    unowned: deployments O1, O2, O3 = 3; CFR 0/3; recovery null; incidents 2; restore 0.5, 2 → 1.25; rework
    1/3. blue: deployments 3; CFR 1/3; recovery 5.0; incidents 0; rework 0/3.
    "*": 6; 1/6; 5.0; incidents 2 (each once); restore 1.25; rework 1/6.
    """
    # SPEC §4 "A repo or a service_ids service owned by nobody belongs to team unowned"; §6 "The
    # organisation row "*" covers everything collected, team unowned included"; §6.1 rules 1 and 4;
    # §6.2 rework.
    w = world(["acme/blue", "acme/orphan"], teams=[TeamClaim("blue", ("acme/blue",))], service_ids=["PNOB"])
    first(facts, "acme/blue")
    first(facts, "acme/orphan")
    b2 = ship(facts, "acme/blue", at(18, 8), "bx2")
    add_incident(facts, "PNOB-1", at(18, 9), resolved_at=at(18, 9.5), service="PNOB")
    o2 = ship(facts, "acme/orphan", at(18, 10), "o2")
    issue(
        facts,
        "acme/orphan",
        1,
        at(18, 11),
        at(18, 13),
        title="login broken",
        description=f"caused by {sha('bx2')[:12]}",
    )
    ship(facts, "acme/orphan", at(18, 12), "o3")
    ship(facts, "acme/blue", at(18, 12), "bx3")
    result = run(facts, w)
    assert failed(result) == {b2: ("explicit",)}
    assert o2 not in failed(result)
    got = rows_30d(result)
    check(got["unowned"], deployments=3, change_failure_rate=0.0, failed_deployment_recovery_hours_p50=None)
    check(got["unowned"], incidents=2, time_to_restore_hours_p50=1.25, rework_rate=1 / 3)
    check(got["blue"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=5.0)
    check(got["blue"], incidents=0, rework_rate=0.0)
    check(got["*"], deployments=6, change_failure_rate=1 / 6, failed_deployment_recovery_hours_p50=5.0)
    check(got["*"], incidents=2, time_to_restore_hours_p50=1.25, rework_rate=1 / 6)


def test_ownerless_component_of_a_teams_name_puts_its_unowned_repo_in_that_service(facts: Facts) -> None:
    """acme/pay-api's file: api (payments, PAPI). acme/api-legacy's file: api with no ``spec.owner`` (no
    PagerDuty service). acme/api-legacy is unowned's (a component without owner gives no team), and of
    service api: components are told apart by ``metadata.name``, so service api is both repos.

    P2 (pay-api) 25 08:00; X2 (api-legacy) 25 10:00. PAPI-1 25 11:00 → 14:00, payments': the latest
    deployment of service api before it is X2 (1 h) → X2 failed, recovery 4 h; P2 not the latest. P3
    (pay-api) 25 12:00 and X3 (api-legacy) 25 12:30 while PAPI-1 is open → both rework (an incident of
    their service).
    payments: deployments 3; CFR 0/3; recovery null; incidents 1; restore 3.0; rework 1/3.
    unowned: deployments 3; CFR 1/3; recovery 4.0; incidents 0; rework 1/3.
    "*": 6; failed once → 1/6; recovery 4.0; incidents 1; restore 3.0; rework 2/6.
    """
    # SPEC §4 "A service is a Backstage Component (kind: Component, metadata.name)"; "A repo ... owned by
    # nobody belongs to team unowned"; docs/metrics.md rule 4 "components are told apart by metadata.name";
    # §6.1 rule 4; §6.2 rework; §6 "The organisation row "*" covers everything collected".
    w = world(
        ["acme/pay-api", "acme/api-legacy"],
        components=[
            component("acme/api-legacy", 0, "api", None),
            component("acme/pay-api", 0, "api", "payments", pd="PAPI"),
        ],
    )
    assert w.ownership.team_of_repo("acme/api-legacy") == "unowned"
    first(facts, "acme/pay-api")
    first(facts, "acme/api-legacy")
    p2 = ship(facts, "acme/pay-api", at(25, 8), "p2")
    x2 = ship(facts, "acme/api-legacy", at(25, 10), "x2")
    add_incident(facts, "PAPI-1", at(25, 11), resolved_at=at(25, 14), service="PAPI")
    ship(facts, "acme/pay-api", at(25, 12), "p3")
    ship(facts, "acme/api-legacy", at(25, 12.5), "x3")
    result = run(facts, w)
    assert failed(result) == {x2: ("window",)}
    assert p2 not in failed(result)
    got = rows_30d(result)
    check(got["payments"], deployments=3, change_failure_rate=0.0, failed_deployment_recovery_hours_p50=None)
    check(got["payments"], incidents=1, time_to_restore_hours_p50=3.0, rework_rate=1 / 3)
    check(got["unowned"], deployments=3, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=4.0)
    check(got["unowned"], incidents=0, rework_rate=1 / 3)
    check(got["*"], deployments=6, change_failure_rate=1 / 6, failed_deployment_recovery_hours_p50=4.0)
    check(got["*"], incidents=1, time_to_restore_hours_p50=3.0, rework_rate=2 / 6)
