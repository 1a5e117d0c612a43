"""Audit, round 5: ownership from Backstage ``catalog-info.yaml`` meeting ``teams:``, PagerDuty services and
GitHub-issue incidents, end to end (SPEC §3 ``teams:``, §4, §5.4, §6.1 rule 4, §6.2; docs/metrics.md
"Failed deployments" rule 4, authoritative where SPEC leaves a choice).

Emulated GitHub (catalog files, deployments, issues) and emulated PagerDuty (HTTPS, test-time CA) →
``doraspace collect`` → ``doraspace metrics --format json --as-of 2026-03-20T00:00:00Z``. The harness is
the one of ``tests/test_audit_ownership_attribution.py``: window 30d only, (02-18 00:00, 03-20 00:00],
so bands come from it (the longest configured); attribution window 24 h; ``github.since: 2026-02-01``;
``incident_labels`` ``[incident]``; default urgencies and rework labels.

Times are March 2026 UTC, ``at(day, hour)``. Each repo's first deployment (03-01 06:00, compare
``first``) counts as a deployment and adds no lead time (§5.2); every later deployment (``deploy``) ships
one commit authored an hour before it: lead time 1 h, so a team with any later deployment has lead time
p50 = p90 = 1.0 (band elite, < 1 day). No PR is merged anywhere: every lead-time breakdown stage is null.
Percentiles are ``percentile_cont``: p at position p × (n − 1) of the sorted values. Incidents are
PagerDuty ``high`` ones unless said to be GitHub issues (labelled ``incident``); no text holds a hex word.

Bands (dora-2023) used below: deployment frequency n/30 per day — 3/30 = 0.1 and 2/30 are ≥ 1/30 and
< 1/7 → medium; 6/30 = 0.2 and 26/30 are ≥ 1/7 and < 1 → high; 0 → low. Change failure rate 1/3, 2/6,
8/26 > 15 % → low; 0 → elite. Recovery (failed-deployment recovery p50, else restore p50): ≥ 1 h and
< 24 h → high.

Two organisations:

* **round5** (collected once): a multi-document catalog whose project-slug spells the repo ``Acme/Web``;
  two components of different owners naming one repo, the loser also living in a second repo; ``teams:``
  taking a repo and its component's PagerDuty service; a PagerDuty service both catalogued and in
  ``service_ids``; GitHub issues in the repos of a two-repo component one repo of which ``teams:`` takes.
* **edited** (collected twice, the catalog edited in between): a component's owner changes; a
  component's PagerDuty service changes from one in ``service_ids`` to another.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.github_scenarios import at, breakdown, check_row, deploy
from tests.github_scenarios import started_at_six as started
from tests.test_audit_ownership_attribution import (
    Rows,
    World,
    by_team,
    catalog,
    component,
    incident_issue,
    serve,
)

MEDIUM_ELITE_LOW_HIGH: dict[str, str | None] = {
    "deployment_frequency": "medium",
    "lead_time": "elite",
    "change_failure_rate": "low",
    "recovery": "high",
}


def expect(
    rows: Rows,
    team: str,
    *,
    deployments: int,
    cfr: float | None,
    recovery: float | None,
    incidents: int,
    restore: tuple[float | None, float | None],
    rework: float | None,
    bands: dict[str, str | None],
    lead: tuple[float | None, float | None] = (1.0, 1.0),
) -> None:
    """The whole 30d row of ``team`` (every field, bands included)."""
    assert team in rows, sorted(rows)
    check_row(
        rows[team],
        team=team,
        deployments=deployments,
        lead=lead,
        cfr=cfr,
        recovery=recovery,
        restore=restore,
        incidents=incidents,
        rework=rework,
        stages=breakdown(),
        row_bands=bands,
    )


# ========================================================================================= round5 world


def build_round5(world: World) -> None:
    pagerduty = world.pagerduty

    # -- hub: one file, a Group, Component hub (acme/hub) and Component web whose slug is Acme/Web.
    hub, web = world.repo("acme/hub"), world.repo("acme/web")
    hub.files["catalog-info.yaml"] = catalog(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: webteam\n"
        "spec:\n  type: team\n  children: []\n",
        component("hub", "group:default/hubteam"),
        component("web", "group:webteam", slug="Acme/Web", pagerduty="PWEB"),
    )
    started(hub)
    started(web)
    deploy(web, "w2", at(2, 10))  # W2
    pagerduty.add_incident("PWEB-1", "PWEB", "Web blank", at(2, 11), resolved_at=at(2, 13))
    deploy(web, "w3", at(2, 12))  # W3, while PWEB-1 is open
    deploy(hub, "h2", at(3, 10))  # H2

    # -- dup: dup-core (core2) wins acme/dup; dup-ui (ui2, PUI2) loses it but also lives in acme/dup-ui.
    dup, dup_ui = world.repo("acme/dup"), world.repo("acme/dup-ui")
    dup.files["catalog-info.yaml"] = catalog(
        component("dup-core", "group:default/core2", pagerduty="PCORE2"),
        component("dup-ui", "group:ui2", slug="acme/dup", pagerduty="PUI2"),
        component("dup-ui", "ui2", slug="acme/dup-ui", pagerduty="PUI2"),
    )
    started(dup)
    started(dup_ui)
    deploy(dup_ui, "u2", at(4, 8))  # U2
    deploy(dup, "d2", at(4, 10))  # D2
    pagerduty.add_incident("PUI2-1", "PUI2", "Buttons gone", at(4, 11), resolved_at=at(4, 14))
    deploy(dup, "d3", at(4, 12))  # D3, while PUI2-1 is open
    deploy(dup_ui, "u3", at(4, 13))  # U3, while PUI2-1 is open
    pagerduty.add_incident("PCORE2-1", "PCORE2", "Core slow", at(5, 10), resolved_at=at(5, 11))

    # -- pay: component pay (finance, PPAY) in acme/pay and acme/pay-web; teams: gives acme/pay AND PPAY
    # to ops2.
    world.teams["ops2"] = (["acme/pay"], ["PPAY"])
    pay, pay_web = world.repo("acme/pay"), world.repo("acme/pay-web")
    pay.files["catalog-info.yaml"] = component("pay", "group:default/finance", pagerduty="PPAY")
    pay_web.files["catalog-info.yaml"] = component("pay", "group:default/finance")
    started(pay)
    started(pay_web)
    deploy(pay, "p2", at(6, 8))  # P2
    deploy(pay_web, "pw2", at(6, 9))  # PW2
    pagerduty.add_incident("PPAY-1", "PPAY", "Payments failing", at(6, 10), resolved_at=at(6, 12))
    deploy(pay_web, "pw3", at(6, 11))  # PW3, while PPAY-1 is open
    deploy(pay, "p3", at(6, 11.5))  # P3, while PPAY-1 is open
    incident_issue(pay_web, "Pay page 500s", at(7, 9), at(7, 10))

    # -- svc: a catalogued PagerDuty service that is also listed in service_ids.
    world.service_ids = ["PSVC"]
    svc = world.repo("acme/svc")
    svc.files["catalog-info.yaml"] = component("svc", "group:default/svcteam", pagerduty="PSVC")
    started(svc)
    deploy(svc, "s2", at(8, 10))  # S2
    pagerduty.add_incident("PSVC-1", "PSVC", "Svc errors", at(8, 11), resolved_at=at(8, 12))
    deploy(svc, "s3", at(8, 11.5))  # S3, while PSVC-1 is open

    # -- legacy: component legacy (platform, PLEG) in acme/leg-a and acme/leg-b; teams: takes leg-a.
    world.teams["newteam"] = (["acme/leg-a"], [])
    leg_a, leg_b = world.repo("acme/leg-a"), world.repo("acme/leg-b")
    leg_a.files["catalog-info.yaml"] = component("legacy", "group:default/platform", pagerduty="PLEG")
    leg_b.files["catalog-info.yaml"] = component("legacy", "group:default/platform", pagerduty="PLEG")
    started(leg_a)
    started(leg_b)
    deploy(leg_b, "b2", at(9, 8))  # B2
    deploy(leg_a, "a2", at(9, 10))  # A2
    incident_issue(leg_b, "Legacy reports empty", at(9, 11), at(9, 13))
    deploy(leg_b, "b3", at(9, 12))  # B3, while the leg-b issue is open
    deploy(leg_a, "a3", at(9, 12.5))  # A3, while the leg-b issue is open
    incident_issue(leg_a, "Legacy export stuck", at(10, 9), at(10, 10))


@pytest.fixture(scope="module")
def round5_rows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rows]:
    world = World()
    build_round5(world)
    with serve(world, tmp_path_factory.mktemp("audit-round5-ownership")) as running:
        config = running.config("round5", discover=True)
        running.collect(config)
        yield by_team(running.metrics(config))


def test_round5_teams_are_the_owners_and_nobody_else(round5_rows: Rows) -> None:
    """Teams: hubteam, webteam (catalog of acme/hub; the Group document gives nothing), core2 and ui2
    (acme/dup's file), ops2 (``teams:``), finance (acme/pay-web), svcteam, platform (acme/leg-b) and newteam
    (``teams:``). No ``unowned``: acme/web is webteam's (``Acme/Web`` is the same repo), acme/hub has its
    own component, PSVC (in ``service_ids``) is owned by svcteam; no repo or listed service is nobody's.
    """
    # SPEC §4 "Only kind: Component documents give ownership"; "A repo or a service_ids service owned by
    # nobody belongs to team unowned"; docs/configuration.md "Repository names are owner/name and compared
    # case-insensitively, as GitHub does".
    assert sorted(round5_rows) == [
        "*",
        "core2",
        "finance",
        "hubteam",
        "newteam",
        "ops2",
        "platform",
        "svcteam",
        "ui2",
        "webteam",
    ]


def test_project_slug_in_other_letter_case_names_the_collected_repo(round5_rows: Rows) -> None:
    """acme/hub's catalog-info.yaml: a Group ``webteam``, Component hub (``group:default/hubteam``, no slug:
    acme/hub), Component web (``group:webteam``, project-slug ``Acme/Web``, PagerDuty PWEB). The config
    collects ``acme/web``; repo names compare case-insensitively, so component web lives in acme/web.

    W1 03-01 06:00 (first). W2 02 10:00. PWEB-1 02 11:00 → 13:00 on service web: latest W2 (1 h) → failed,
    recovery 13:00 − 10:00 = 3 h. W3 02 12:00 while PWEB-1 is open → rework.
    webteam: deployments 3; lead W2, W3 1 h → 1.0/1.0; CFR 1/3; recovery 3.0; incidents 1; restore 2.0 /
    2.0; rework 1/3; bands medium, elite, low, high (3 h < 1 day).
    hubteam: H1 first, H2 03 10:00 → deployments 2; lead 1.0/1.0; CFR 0/2 = 0.0; recovery null; incidents
    0; restore null; rework 0.0; bands: frequency 2/30 ≥ 1/30 medium, lead elite, CFR elite, recovery
    null (no recovery, no restore).
    """
    # SPEC §4 "github.com/project-slug: acme/x names the repo a component lives in"; "spec.owner:
    # group:order-team, group:default/order-team or order-team all mean team order-team"; docs/
    # configuration.md "Repository names are owner/name and compared case-insensitively, as GitHub does";
    # §6.1 rule 4; §6.2 rework "deployed while an incident of its service was open".
    expect(
        round5_rows,
        "webteam",
        deployments=3,
        cfr=1 / 3,
        recovery=3.0,
        incidents=1,
        restore=(2.0, 2.0),
        rework=1 / 3,
        bands=MEDIUM_ELITE_LOW_HIGH,
    )
    expect(
        round5_rows,
        "hubteam",
        deployments=2,
        cfr=0.0,
        recovery=None,
        incidents=0,
        restore=(None, None),
        rework=0.0,
        bands={
            "deployment_frequency": "medium",
            "lead_time": "elite",
            "change_failure_rate": "elite",
            "recovery": None,
        },
    )


def test_losing_component_keeps_its_other_repo_and_its_service_fails_only_that(round5_rows: Rows) -> None:
    """acme/dup's file, in order: dup-core (``group:default/core2``, PCORE2, acme/dup), dup-ui
    (``group:ui2``, project-slug acme/dup, PUI2), dup-ui again (``ui2``, project-slug acme/dup-ui, PUI2).
    Two owners name acme/dup: the first, core2, wins it (warning). Service dup-ui is acme/dup-ui alone;
    PUI2 stays ui2's and belongs to acme/dup-ui only.

    D1, U1 first. U2 (dup-ui) 04 08:00, D2 (dup) 04 10:00. PUI2-1 04 11:00 → 14:00: latest deployment of
    service dup-ui is U2 (3 h) → failed, recovery 14:00 − 08:00 = 6 h; D2 (more recent) is not of that
    service → not failed. D3 04 12:00 while PUI2-1 is open → no rework (not its service); U3 04 13:00 →
    rework. PCORE2-1 05 10:00 → 11:00: latest of dup-core D3 (22 h) → failed, recovery 23 h.
    ui2: deployments 3; lead 1.0; CFR 1/3; recovery 6.0; incidents 1; restore 3.0; rework 1/3.
    core2: deployments 3; lead 1.0; CFR 1/3; recovery 23.0; incidents 1; restore 1.0; rework 0.0.
    Bands both: medium, elite, low, high (6 h and 23 h < 1 day).
    """
    # SPEC §4 "Where components of different owners name the same repo, the first in file order wins";
    # docs/metrics.md rule 4 "A component's PagerDuty service belongs to the component's repository only
    # while the component's owner owns it: when another component (first in file order) ... gives the
    # repository to another team, that service's incidents still count for its own team but fail none of
    # the repository's deployments"; §6.1 rule 4 "F is the latest deployment of that service".
    expect(
        round5_rows,
        "ui2",
        deployments=3,
        cfr=1 / 3,
        recovery=6.0,
        incidents=1,
        restore=(3.0, 3.0),
        rework=1 / 3,
        bands=MEDIUM_ELITE_LOW_HIGH,
    )
    expect(
        round5_rows,
        "core2",
        deployments=3,
        cfr=1 / 3,
        recovery=23.0,
        incidents=1,
        restore=(1.0, 1.0),
        rework=0.0,
        bands=MEDIUM_ELITE_LOW_HIGH,
    )


def test_teams_taking_a_repo_and_its_service_splits_a_two_repo_component(round5_rows: Rows) -> None:
    """Component pay (``group:default/finance``) is catalogued in acme/pay (with PPAY) and acme/pay-web.
    ``teams:`` gives acme/pay and PPAY to ops2. acme/pay leaves component pay (its own service, ops2's);
    PPAY belongs to ops2's repos only (acme/pay); service pay is acme/pay-web alone, finance's.

    P1, PW1 first. P2 06 08:00, PW2 06 09:00. PPAY-1 06 10:00 → 12:00 (ops2's): latest of service
    acme/pay is P2 (2 h) → failed, recovery 4 h; PW2 (more recent) is not of PPAY's repos → not failed.
    PW3 06 11:00 while PPAY-1 is open → no rework; P3 06 11:30 → rework. Issue in acme/pay-web 07 09:00 →
    10:00 (finance's): latest of service pay is PW3 (22 h) → failed, recovery 23 h; P3 (06 11:30, later)
    is no longer of service pay → not failed.
    ops2: deployments 3; lead 1.0; CFR 1/3; recovery 4.0; incidents 1; restore 2.0; rework 1/3.
    finance: deployments 3; lead 1.0; CFR 1/3; recovery 23.0; incidents 1; restore 1.0; rework 0.0.
    Bands both: medium, elite, low, high.
    """
    # SPEC §4 "teams: ... a repo or PagerDuty service it names belongs to that team, whatever the catalog
    # says"; "the PagerDuty services a teams: entry names belong to that team's repos"; docs/metrics.md
    # rule 4 "A repository that teams: gives to a team other than its component's owner leaves the
    # component and is its own service: its deployments are no longer 'the latest of' the component, nor
    # rework for the component's incidents"; "The PagerDuty services a teams: entry names belong to that
    # team's repositories only, whatever component names them".
    expect(
        round5_rows,
        "ops2",
        deployments=3,
        cfr=1 / 3,
        recovery=4.0,
        incidents=1,
        restore=(2.0, 2.0),
        rework=1 / 3,
        bands=MEDIUM_ELITE_LOW_HIGH,
    )
    expect(
        round5_rows,
        "finance",
        deployments=3,
        cfr=1 / 3,
        recovery=23.0,
        incidents=1,
        restore=(1.0, 1.0),
        rework=0.0,
        bands=MEDIUM_ELITE_LOW_HIGH,
    )


def test_catalogued_service_also_in_service_ids_is_its_owners(round5_rows: Rows) -> None:
    """acme/svc: Component svc (``group:default/svcteam``, PSVC); PSVC is also in ``pagerduty.service_ids``.
    It is owned, so it is svcteam's (not unowned's) and belongs to service svc; collected once.

    S1 first; S2 08 10:00; PSVC-1 08 11:00 → 12:00 → S2 failed (1 h), recovery 2 h; S3 08 11:30 while it is
    open → rework.
    svcteam: deployments 3; lead 1.0; CFR 1/3; recovery 2.0; incidents 1; restore 1.0; rework 1/3; bands
    medium, elite, low, high.
    """
    # SPEC §3 "service_ids: [] # collected besides every service of the ownership map"; §4 "a service_ids
    # service owned by nobody belongs to team unowned" (PSVC is owned); §5 "Every fact is stored once
    # under its natural key".
    expect(
        round5_rows,
        "svcteam",
        deployments=3,
        cfr=1 / 3,
        recovery=2.0,
        incidents=1,
        restore=(1.0, 1.0),
        rework=1 / 3,
        bands=MEDIUM_ELITE_LOW_HIGH,
    )


def test_issues_in_the_repos_of_a_component_split_by_teams(round5_rows: Rows) -> None:
    """Component legacy (``group:default/platform``, PLEG) is catalogued in acme/leg-a and acme/leg-b.
    ``teams:`` gives acme/leg-a to newteam: it leaves the component and is its own service; service legacy
    is acme/leg-b alone.

    A1, B1 first. B2 (leg-b) 09 08:00, A2 (leg-a) 09 10:00. Issue in acme/leg-b 09 11:00 → 13:00
    (platform's): latest deployment of service legacy is B2 (3 h) → failed, recovery 5 h; A2 (1 h before
    it) is no longer of service legacy → not failed. B3 (leg-b) 09 12:00 while it is open → rework; A3
    (leg-a) 09 12:30 → no rework. Issue in acme/leg-a 10 09:00 → 10:00 (newteam's): service acme/leg-a,
    latest A3 (20.5 h) → failed, recovery 21.5 h; B3 is another service's.
    platform: deployments 3; lead 1.0; CFR 1/3; recovery 5.0; incidents 1; restore 2.0; rework 1/3.
    newteam: deployments 3; lead 1.0; CFR 1/3; recovery 21.5; incidents 1; restore 1.0; rework 0.0.
    Bands both: medium, elite, low, high.
    """
    # SPEC §5.4 "GitHub issues ... carrying an incident_labels label in a collected repo"; §6.1 rule 4 "on a
    # PagerDuty service or repo of F's service (§4), and F is the latest deployment of that service";
    # docs/metrics.md rule 4 "A repository that teams: gives to a team other than its component's owner
    # leaves the component and is its own service: its deployments are no longer 'the latest of' the
    # component, nor rework for the component's incidents".
    expect(
        round5_rows,
        "platform",
        deployments=3,
        cfr=1 / 3,
        recovery=5.0,
        incidents=1,
        restore=(2.0, 2.0),
        rework=1 / 3,
        bands=MEDIUM_ELITE_LOW_HIGH,
    )
    expect(
        round5_rows,
        "newteam",
        deployments=3,
        cfr=1 / 3,
        recovery=21.5,
        incidents=1,
        restore=(1.0, 1.0),
        rework=0.0,
        bands=MEDIUM_ELITE_LOW_HIGH,
    )


def test_round5_organisation_row(round5_rows: Rows) -> None:
    """Team ``"*"``. Deployments: webteam 3, hubteam 2, ui2 3, core2 3, ops2 3, finance 3, svcteam 3,
    platform 3, newteam 3 = 26; lead times all 1 h → 1.0/1.0. Failed: W2, U2, D3, P2, PW3, S2, B2, A3 = 8 →
    CFR 8/26. Recoveries 3, 6, 23, 4, 23, 2, 5, 21.5 → sorted 2, 3, 4, 5, 6, 21.5, 23, 23 → p50 (5 + 6) / 2
    = 5.5. Incidents PWEB-1, PUI2-1, PCORE2-1, PPAY-1, pay-web issue, PSVC-1, leg-b issue, leg-a issue = 8
    (PSVC-1 once). Restore 2, 3, 1, 2, 1, 1, 2, 1 → sorted 1, 1, 1, 1, 2, 2, 2, 3 → p50 (position 3.5)
    1.5, p90 (position 6.3) 2 + 0.3 × 1 = 2.3. Rework W3, U3, P3, S3, B3 = 5/26.
    Bands: frequency 26/30 ≈ 0.87 (≥ 1/7, < 1) high; lead elite; CFR ≈ 31 % low; recovery 5.5 h high.
    """
    # SPEC §6 "The organisation row "*" covers everything collected, team unowned included".
    expect(
        round5_rows,
        "*",
        deployments=26,
        cfr=8 / 26,
        recovery=5.5,
        incidents=8,
        restore=(1.5, 2.3),
        rework=5 / 26,
        bands={
            "deployment_frequency": "high",
            "lead_time": "elite",
            "change_failure_rate": "low",
            "recovery": "high",
        },
    )


# ========================================================================================= edited world


FLIP_BEFORE = component("flip", "group:alpha", pagerduty="PFLIP")
FLIP_AFTER = component("flip", "group:default/beta", pagerduty="PFLIP")
SWAP_BEFORE = component("swap", "group:default/swapteam", pagerduty="PSWA")
SWAP_AFTER = component("swap", "group:default/swapteam", pagerduty="PSWB")


def build_edited(world: World) -> None:
    pagerduty = world.pagerduty
    world.service_ids = ["PSWA"]

    flip = world.repo("acme/flip")
    flip.files["catalog-info.yaml"] = FLIP_BEFORE
    started(flip)
    deploy(flip, "f2", at(10, 10))  # F2
    pagerduty.add_incident("PFLIP-1", "PFLIP", "Flip alarm", at(10, 11), resolved_at=at(10, 12))
    deploy(flip, "f3", at(10, 11.5))  # F3, while PFLIP-1 is open

    swap = world.repo("acme/swap")
    swap.files["catalog-info.yaml"] = SWAP_BEFORE
    started(swap)
    deploy(swap, "w2", at(11, 10))  # W2
    pagerduty.add_incident("PSWA-1", "PSWA", "Swap old pager", at(11, 11), resolved_at=at(11, 12))
    deploy(swap, "w3", at(12, 10))  # W3
    pagerduty.add_incident("PSWB-1", "PSWB", "Swap new pager", at(12, 11), resolved_at=at(12, 13))

    # A service nobody names and nobody lists: never collected.
    pagerduty.add_incident("PSTRAY5-1", "PSTRAY5", "Someone else's", at(13, 10), resolved_at=at(13, 11))


def edit_catalogs(world: World) -> None:
    """Both catalog files change, each with a commit on main (deployed by nobody)."""
    flip, swap = world.github.repos["acme/flip"], world.github.repos["acme/swap"]
    for repo, text in ((flip, FLIP_AFTER), (swap, SWAP_AFTER)):
        repo.commit("Update catalog-info.yaml", author_date=at(18, 9))
        repo.files["catalog-info.yaml"] = text


@pytest.fixture(scope="module")
def edited_reads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Rows, Rows]]:
    world = World()
    build_edited(world)
    with serve(world, tmp_path_factory.mktemp("audit-round5-edited")) as running:
        config = running.config("edited", discover=True)
        running.collect(config)
        first = by_team(running.metrics(config))
        edit_catalogs(world)
        running.collect(config)
        yield first, by_team(running.metrics(config))


FLIP_ROW: dict[str, Any] = {
    "deployments": 3,
    "cfr": 1 / 3,
    "recovery": 2.0,
    "incidents": 1,
    "restore": (1.0, 1.0),
    "rework": 1 / 3,
    "bands": MEDIUM_ELITE_LOW_HIGH,
}


def test_owner_changed_between_syncs_moves_the_whole_history(edited_reads: tuple[Rows, Rows]) -> None:
    """acme/flip: Component flip, PFLIP; owner ``group:alpha`` at the first sync, ``group:default/beta``
    at the second (the file edited in a commit on main).

    F1 first; F2 10 10:00; PFLIP-1 10 11:00 → 12:00 → F2 failed (1 h), recovery 2 h; F3 10 11:30 while it
    is open → rework. Deployments 3; lead 1.0; CFR 1/3; recovery 2.0; incidents 1; restore 1.0; rework
    1/3; bands medium, elite, low, high.
    First read: that row is alpha's, no beta row. Second read: the same row is beta's, no alpha row (the
    catalog is read at each sync; alpha owns nothing any more).
    """
    # SPEC §3 "catalog: discover: true # read catalog-info.yaml at each repo's default branch"; §4 "A
    # team is its owner"; §6 "Team metrics cover the repos and PagerDuty services the team owns".
    first, second = edited_reads
    assert "beta" not in first
    expect(first, "alpha", **FLIP_ROW)
    assert "alpha" not in second
    expect(second, "beta", **FLIP_ROW)


def test_component_pagerduty_service_changed_between_syncs(edited_reads: tuple[Rows, Rows]) -> None:
    """acme/swap: Component swap (``group:default/swapteam``); its PagerDuty service is PSWA (also in
    ``service_ids``) at the first sync, PSWB at the second.

    W1 first; W2 11 10:00; PSWA-1 11 11:00 → 12:00; W3 12 10:00; PSWB-1 12 11:00 → 13:00. No deployment
    while either is open.
    First read: PSWA belongs to swap, PSWB is neither in the map nor in service_ids (not collected):
    W2 failed (1 h), recovery 2 h. swapteam: deployments 3; lead 1.0; CFR 1/3; recovery 2.0; incidents 1;
    restore 1.0; rework 0.0; bands medium, elite, low, high. No unowned row (PSWA is owned).
    Second read: PSWB is swap's (collected from ``since``): W3 failed (1 h), recovery 3 h; PSWA is still
    in service_ids but owned by nobody → team unowned, of no service: W2 no longer failed.
    swapteam: deployments 3; lead 1.0; CFR 1/3; recovery 3.0; incidents 1; restore 2.0; rework 0.0; bands
    medium, elite, low, high.
    unowned: deployments 0; lead null; CFR null; recovery null; incidents 1 (PSWA-1); restore 1.0; rework
    null; bands: frequency 0 → low, lead null, CFR null, recovery falls back to restore 1 h → high.
    """
    # SPEC §4 "pagerduty.com/service-id names its PagerDuty service"; "A repo or a service_ids service
    # owned by nobody belongs to team unowned"; docs/metrics.md "Incidents": "An incident on a service_ids
    # service nobody owns counts for unowned (and the organisation row); no deployment is of its service";
    # "Teams, windows and as_of": "a team owning PagerDuty services only (... unowned for a service_ids
    # service nobody owns) has 0 deployments and its incidents and restore times"; §6.3 recovery fallback.
    first, second = edited_reads
    assert "unowned" not in first
    expect(
        first,
        "swapteam",
        deployments=3,
        cfr=1 / 3,
        recovery=2.0,
        incidents=1,
        restore=(1.0, 1.0),
        rework=0.0,
        bands=MEDIUM_ELITE_LOW_HIGH,
    )
    expect(
        second,
        "swapteam",
        deployments=3,
        cfr=1 / 3,
        recovery=3.0,
        incidents=1,
        restore=(2.0, 2.0),
        rework=0.0,
        bands=MEDIUM_ELITE_LOW_HIGH,
    )
    expect(
        second,
        "unowned",
        deployments=0,
        lead=(None, None),
        cfr=None,
        recovery=None,
        incidents=1,
        restore=(1.0, 1.0),
        rework=None,
        bands={
            "deployment_frequency": "low",
            "lead_time": None,
            "change_failure_rate": None,
            "recovery": "high",
        },
    )


def test_edited_organisation_rows(edited_reads: tuple[Rows, Rows]) -> None:
    """Team ``"*"`` after each sync; PSTRAY5-1 (named by nobody, not in service_ids) never counts.

    First: teams ``*``, alpha, swapteam. Deployments 3 + 3 = 6; lead 1.0/1.0; failed F2, W2 → 2/6;
    recovery 2, 2 → 2.0; incidents PFLIP-1, PSWA-1 = 2; restore 1, 1 → 1.0/1.0; rework F3 → 1/6.
    Second: teams ``*``, beta, swapteam, unowned. Deployments 6; failed F2, W3 → 2/6; recovery 2, 3 →
    2.5; incidents PFLIP-1, PSWA-1 (unowned), PSWB-1 = 3; restore 1, 1, 2 → p50 1.0, p90 (position 1.8)
    1 + 0.8 × 1 = 1.8; rework 1/6.
    Bands both: frequency 6/30 = 0.2 (≥ 1/7) high; lead elite; CFR 33 % low; recovery 2.0 / 2.5 h high.
    """
    # SPEC §6 "The organisation row "*" covers everything collected, team unowned included"; §4
    # "PagerDuty services that are neither in the ownership map nor in service_ids are not collected".
    first, second = edited_reads
    assert sorted(first) == ["*", "alpha", "swapteam"]
    assert sorted(second) == ["*", "beta", "swapteam", "unowned"]
    org_bands: dict[str, str | None] = {
        "deployment_frequency": "high",
        "lead_time": "elite",
        "change_failure_rate": "low",
        "recovery": "high",
    }
    expect(
        first,
        "*",
        deployments=6,
        cfr=2 / 6,
        recovery=2.0,
        incidents=2,
        restore=(1.0, 1.0),
        rework=1 / 6,
        bands=org_bands,
    )
    expect(
        second,
        "*",
        deployments=6,
        cfr=2 / 6,
        recovery=2.5,
        incidents=3,
        restore=(1.0, 1.8),
        rework=1 / 6,
        bands=org_bands,
    )


# =========================================================================================== case world


def build_case(world: World) -> None:
    pagerduty = world.pagerduty
    world.teams["caseteam"] = (["ACME/Case"], [])
    repo = world.repo("acme/case")
    repo.files["catalog-info.yaml"] = component("case-svc", "group:catalog-owner", pagerduty="PCASE")
    started(repo)
    deploy(repo, "c2", at(14, 10))  # C2
    pagerduty.add_incident("PCASE-1", "PCASE", "Case alarm", at(14, 11), resolved_at=at(14, 12))
    deploy(repo, "c3", at(14, 11.5))  # C3, while PCASE-1 is open
    incident_issue(repo, "Case page blank", at(15, 9), at(15, 10))


@pytest.fixture(scope="module")
def case_rows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rows]:
    world = World()
    build_case(world)
    with serve(world, tmp_path_factory.mktemp("audit-round5-case")) as running:
        config = running.config("case", discover=True)
        running.collect(config)
        yield by_team(running.metrics(config))


def test_teams_entry_spelling_the_repo_in_other_case_overrides_the_catalog(case_rows: Rows) -> None:
    """``github.repositories`` collects ``acme/case``; its catalog gives it (Component case-svc, PCASE) to
    ``group:catalog-owner``; ``teams:`` entry caseteam names ``ACME/Case`` — the same repo (names compare
    case-insensitively), so caseteam owns it; PCASE keeps its catalog owner and, its component having
    lost the repo, fails none of its deployments.

    C1 first; C2 14 10:00; PCASE-1 14 11:00 → 12:00 (catalog-owner's): fails nothing (C2 stays unfailed);
    C3 14 11:30 while it is open → no rework (not an incident of its service). Issue in acme/case 15
    09:00 → 10:00 (caseteam's): latest C3 (21.5 h) → failed, recovery 22.5 h.
    caseteam: deployments 3; lead 1.0; CFR 1/3; recovery 22.5; incidents 1; restore 1.0; rework 0.0; bands
    medium, elite, low, high.
    catalog-owner: deployments 0; lead null; CFR null; recovery null; incidents 1; restore 1.0; rework null;
    bands low, null, null, recovery fallback restore 1 h → high.
    ``*``: deployments 3; CFR 1/3; recovery 22.5; incidents 2; restore 1, 1 → 1.0/1.0; rework 0.0; bands
    medium, elite, low, high. No unowned row.
    """
    # docs/configuration.md "Repository names are owner/name and compared case-insensitively, as GitHub
    # does"; SPEC §4 "teams: ... a repo or PagerDuty service it names belongs to that team, whatever the
    # catalog says; everything else keeps its catalog owner"; docs/metrics.md rule 4 "when ... teams:
    # gives the repository to another team, that service's incidents still count for its own team but fail
    # none of the repository's deployments".
    assert sorted(case_rows) == ["*", "caseteam", "catalog-owner"]
    expect(
        case_rows,
        "caseteam",
        deployments=3,
        cfr=1 / 3,
        recovery=22.5,
        incidents=1,
        restore=(1.0, 1.0),
        rework=0.0,
        bands=MEDIUM_ELITE_LOW_HIGH,
    )
    expect(
        case_rows,
        "catalog-owner",
        deployments=0,
        lead=(None, None),
        cfr=None,
        recovery=None,
        incidents=1,
        restore=(1.0, 1.0),
        rework=None,
        bands={
            "deployment_frequency": "low",
            "lead_time": None,
            "change_failure_rate": None,
            "recovery": "high",
        },
    )
    expect(
        case_rows,
        "*",
        deployments=3,
        cfr=1 / 3,
        recovery=22.5,
        incidents=2,
        restore=(1.0, 1.0),
        rework=0.0,
        bands=MEDIUM_ELITE_LOW_HIGH,
    )
