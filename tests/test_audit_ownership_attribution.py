"""Audit: where ownership (SPEC §4) meets failure attribution and rework (§6.1, §6.2), end to end.

Emulated GitHub (with ``catalog-info.yaml`` files) and an emulated PagerDuty (HTTPS, test-time CA) →
``doraspace collect`` → ``doraspace metrics --format json --as-of 2026-03-20T00:00:00Z``, every number
worked out by hand from SPEC. Window 30d only: (02-18 00:00, 03-20 00:00]. Attribution window 24 h;
``github.since: 2026-02-01`` (and so ``pagerduty.since``); ``incident_labels`` and ``rework.labels`` the
defaults (``incident``; ``hotfix, rollback, revert, incident``); urgencies the default, both.

Times are March 2026 UTC, ``at(day, hour)``. Each repo's first deployment (03-01 06:00, compare ``first``)
counts as a deployment and adds no lead times (§5.2). Percentiles are ``percentile_cont``: p at position
p × (n − 1) of the sorted values. Incidents are PagerDuty ``high`` ones unless said to be GitHub issues
(labelled ``incident``). No title or description holds a hex word of 7 or more characters unless it
names a sha on purpose.

Four organisations, each collected into its own store:

* the **main** one (catalog discovery on): scenarios whose every number SPEC decides;
* the **overridden** one: a ``teams:`` entry overriding the catalog owner of a repo but not of the
  repo's PagerDuty service, and the reverse; the numbers SPEC decides either way are asserted apart
  from those that depend on whether a ``teams:`` override also moves the service (see those tests);
* the **edges** one: two components of one name in two namespaces, and a component without an owner
  naming a PagerDuty service;
* the **discovery-off** one, collected once with ``catalog.discover: false`` into a fresh store, and
  once with discovery on then off again into a second store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator
from tests.github_scenarios import approx, at, check, deploy, run_cli
from tests.github_scenarios import started_at_six as started

AS_OF = "2026-03-20T00:00:00Z"
GH_TOKEN_VARIABLE = "AUDIT_OWNERSHIP_GITHUB_TOKEN"
PD_TOKEN_VARIABLE = "AUDIT_OWNERSHIP_PAGERDUTY_TOKEN"
GH_TOKEN = "audit-ownership-gh-token"
PD_TOKEN = "audit-ownership-pd-token"

Rows = dict[str, dict[str, Any]]


def incident_issue(repo: RepoData, title: str, opened: datetime, closed: datetime) -> None:
    repo.issue(title=title, created_at=opened, closed_at=closed, labels=["incident"])


def component(
    name: str,
    owner: str | None,
    *,
    slug: str | None = None,
    pagerduty: str | None = None,
    namespace: str | None = None,
    kind: str = "Component",
    kind_spec: str = "  type: service\n  lifecycle: production\n",
) -> str:
    """One Backstage entity document (without the ``---`` separator); ``owner`` None leaves
    ``spec.owner`` out."""
    annotations = ""
    if slug is not None:
        annotations += f"    github.com/project-slug: {slug}\n"
    if pagerduty is not None:
        annotations += f"    pagerduty.com/service-id: {pagerduty}\n"
    return (
        "apiVersion: backstage.io/v1alpha1\n"
        f"kind: {kind}\n"
        "metadata:\n"
        f"  name: {name}\n"
        + (f"  namespace: {namespace}\n" if namespace else "")
        + (f"  annotations:\n{annotations}" if annotations else "")
        + "spec:\n"
        + kind_spec
        + (f"  owner: {owner}\n" if owner is not None else "")
    )


def catalog(*documents: str) -> str:
    return "---\n".join(documents)


# ------------------------------------------------------------------------------------------- harness


@dataclass
class World:
    github: GitHubDataset = field(default_factory=GitHubDataset)
    pagerduty: PagerDutyDataset = field(default_factory=PagerDutyDataset)
    # team → (repositories, PagerDuty services) of the config's ``teams:``
    teams: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    service_ids: list[str] = field(default_factory=list)

    def repo(self, name: str) -> RepoData:
        return self.github.add_repo(name)


def config_text(world: World, store: str, github_url: str, pd: PagerDutyEmulator, *, discover: bool) -> str:
    repo_lines = "".join(f"    - {repo}\n" for repo in world.github.repos)
    team_lines = "".join(
        f"  - {{name: {team}, repositories: [{', '.join(repos)}], "
        f"pagerduty_services: [{', '.join(services)}]}}\n"
        for team, (repos, services) in world.teams.items()
    )
    return (
        f"database:\n  url: duckdb:///{store}\n"
        f"github:\n  base_url: {github_url}\n  token: ${{{GH_TOKEN_VARIABLE}}}\n  since: 2026-02-01\n"
        f"  repositories:\n{repo_lines}"
        f"pagerduty:\n  base_url: {pd.base_url}\n  token: ${{{PD_TOKEN_VARIABLE}}}\n"
        f"  ca_bundle: {pd.ca_file}\n"
        f"  service_ids: [{', '.join(world.service_ids)}]\n"
        f"catalog: {{discover: {'true' if discover else 'false'}}}\n"
        "incidents: {attribution_window: 24h}\n"
        "metrics: {windows: [30d]}\n" + (f"teams:\n{team_lines}" if team_lines else "")
    )


@dataclass
class Running:
    """A world served by both emulators; ``collect`` and ``metrics`` against a store of its own."""

    world: World
    github_url: str
    pagerduty: PagerDutyEmulator
    directory: Path

    def config(self, store: str, *, discover: bool) -> Path:
        path = self.directory / f"{store}-{'on' if discover else 'off'}.yaml"
        path.write_text(
            config_text(
                self.world,
                f"{self.directory}/{store}.duckdb",
                self.github_url,
                self.pagerduty,
                discover=discover,
            )
        )
        return path

    def collect(self, config: Path) -> None:
        run_cli(["collect", "--config", str(config)])

    def metrics(self, config: Path) -> list[dict[str, Any]]:
        rows = json.loads(run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF]))
        assert isinstance(rows, list)
        return rows


@contextmanager
def serve(world: World, directory: Path) -> Iterator[Running]:
    with (
        pytest.MonkeyPatch.context() as patch,
        GitHubEmulator(world.github, token=GH_TOKEN) as gh,
        PagerDutyEmulator(world.pagerduty, token=PD_TOKEN) as pd,
    ):
        patch.setenv(GH_TOKEN_VARIABLE, GH_TOKEN)
        patch.setenv(PD_TOKEN_VARIABLE, PD_TOKEN)
        yield Running(world, gh.base_url, pd, directory)


def by_team(rows: list[dict[str, Any]]) -> Rows:
    return {row["team"]: row for row in rows if row["window"] == "30d"}


# =========================================================================================== main world


def build_main(world: World) -> None:
    world.service_ids = ["PORPHAN"]
    pagerduty = world.pagerduty

    # -- mono: one catalog file, five documents (Group, API, three Components, owners spelled three ways).
    mono, mono_web, mono_docs = (
        world.repo("acme/mono"),
        world.repo("acme/mono-web"),
        world.repo("acme/mono-docs"),
    )
    mono.files["catalog-info.yaml"] = catalog(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: mono-team\n"
        "spec:\n  type: team\n  children: []\n",
        component(
            "mono-api",
            "group:default/api-team",
            slug="acme/mono-web",
            pagerduty="PAPI",
            kind="API",
            kind_spec="  type: openapi\n  lifecycle: production\n  definition: |\n    openapi: 3.0.0\n",
        ),
        component("mono-core", "group:default/mono", pagerduty="PMONO"),
        component("mono-web", "group:mono", slug="acme/mono-web", pagerduty="PWEB"),
        component("mono-docs", "mono", slug="acme/mono-docs"),
    )
    for repo in (mono, mono_web, mono_docs):
        started(repo)
    deploy(mono, "m2", at(2, 10))  # M2
    pagerduty.add_incident("PMONO-1", "PMONO", "Core errors", at(2, 12), resolved_at=at(2, 15))
    deploy(mono_web, "w2", at(2, 12.5))  # W2, while PMONO-1 (another service) is open
    pagerduty.add_incident("PAPI-1", "PAPI", "Schema mismatch", at(2, 13), resolved_at=at(2, 14))
    pagerduty.add_incident("PWEB-1", "PWEB", "Web blank", at(3, 9), resolved_at=at(3, 10))
    deploy(mono_docs, "x2", at(4, 9))  # X2
    deploy(mono, "m3", at(4, 9.5))  # M3
    incident_issue(mono_docs, "Docs down", at(4, 10), at(4, 11))

    # -- billing: a component (and a second one) living in repos other than the file's.
    platform, billing = world.repo("acme/platform-catalog"), world.repo("acme/billing")
    platform.files["catalog-info.yaml"] = catalog(
        component("billing", "group:default/billing", slug="acme/billing", pagerduty="PBILL"),
        component("ghost", "group:default/billing", slug="acme/ghost", pagerduty="PGHOST"),
    )
    started(platform)
    started(billing)
    deploy(billing, "b2", at(5, 10))  # B2
    deploy(platform, "k2", at(5, 11))  # K2
    pagerduty.add_incident("PBILL-1", "PBILL", "Invoices stuck", at(5, 12), resolved_at=at(5, 13))
    deploy(billing, "b3", at(5, 12.25))  # B3, while PBILL-1 is open
    incident_issue(platform, "Catalog pipeline red", at(5, 12.5), at(5, 14.5))
    pagerduty.add_incident("PGHOST-1", "PGHOST", "Ghost alarm", at(5, 16), resolved_at=at(5, 17))

    # -- shop: a teams: entry with a PagerDuty service, owning one repo by config and one by the catalog.
    world.teams["shop"] = (["acme/shop-api"], ["PSHOP"])
    shop_api, shop_web = world.repo("acme/shop-api"), world.repo("acme/shop-web")
    shop_web.files["catalog-info.yaml"] = component("shop-web", "group:default/shop")
    started(shop_api)
    started(shop_web)
    deploy(shop_api, "a2", at(6, 8))  # A2
    deploy(shop_web, "w2", at(6, 10))  # W2
    pagerduty.add_incident("PSHOP-1", "PSHOP", "Checkout down", at(6, 11), resolved_at=at(6, 14))
    deploy(shop_api, "a3", at(6, 12))  # A3, while PSHOP-1 is open
    deploy(shop_web, "w3", at(6, 13))  # W3, while PSHOP-1 is open
    incident_issue(shop_web, "Images broken", at(7, 10), at(7, 12))
    deploy(shop_api, "a4", at(7, 11))  # A4, while the shop-web issue is open
    deploy(shop_web, "w4", at(7, 11.5))  # W4, while the shop-web issue is open

    # -- orphans: a repo nobody owns, a service_ids service nobody owns, a service nobody names.
    orphan = world.repo("acme/orphan-app")
    started(orphan)
    deploy(orphan, "o2", at(8, 10))  # O2
    pagerduty.add_incident("PSTRAY-1", "PSTRAY", "Someone else's", at(8, 10.5), resolved_at=at(8, 20))
    pagerduty.add_incident("PORPHAN-1", "PORPHAN", "Shared LB", at(8, 11), resolved_at=at(8, 12))
    deploy(orphan, "o3", at(8, 11.5))  # O3, while PORPHAN-1 and PSTRAY-1 are open

    # -- shared: two components of different owners name the same repo; the first wins.
    shared = world.repo("acme/shared")
    shared.files["catalog-info.yaml"] = catalog(
        component("shared-core", "group:default/core", pagerduty="PCORE"),
        component("shared-ui", "group:ui", slug="acme/shared", pagerduty="PUI"),
    )
    started(shared)
    deploy(shared, "s2", at(9, 10))  # S2
    pagerduty.add_incident("PUI-1", "PUI", "Buttons gone", at(9, 11), resolved_at=at(9, 12))
    deploy(shared, "s3", at(9, 11.5))  # S3, while PUI-1 is open
    pagerduty.add_incident("PCORE-1", "PCORE", "Core slow", at(10, 9), resolved_at=at(10, 10))

    # -- broken: a catalog file with a YAML error in its second document.
    broken = world.repo("acme/broken")
    broken.files["catalog-info.yaml"] = catalog(
        component("broken-svc", "group:default/broken", pagerduty="PBROKEN"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: broken-web\n"
        "  annotations: {pagerduty.com/service-id: PBROKEN2\nspec:\n  owner: group:default/broken\n",
    )
    started(broken)
    deploy(broken, "z2", at(13, 10))  # Z2
    pagerduty.add_incident("PBROKEN-1", "PBROKEN", "Broken alarm", at(13, 11), resolved_at=at(13, 12))
    deploy(broken, "z3", at(13, 11.5))  # Z3, while PBROKEN-1 is open

    # -- blue: an incident on the unowned service_ids service names blue's change.
    world.teams["blue"] = (["acme/blue"], [])
    blue = world.repo("acme/blue")
    started(blue)
    bl2 = deploy(blue, "bl2", at(14, 10))  # BL2
    pagerduty.add_incident(
        "PORPHAN-2",
        "PORPHAN",
        "LB errors",
        at(14, 12),
        resolved_at=at(14, 13.5),
        description=f"after {bl2[:8]}",
    )
    deploy(blue, "bl3", at(14, 12.5))  # BL3, while PORPHAN-2 is open


@pytest.fixture(scope="module")
def main_rows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rows]:
    world = World()
    build_main(world)
    with serve(world, tmp_path_factory.mktemp("audit-ownership-main")) as running:
        config = running.config("main", discover=True)
        running.collect(config)
        yield by_team(running.metrics(config))


def test_main_world_has_a_row_per_owning_team_and_no_other(main_rows: Rows) -> None:
    """Teams: the catalog's mono, billing, core, ui; the config's shop (also the catalog owner of
    acme/shop-web) and blue; unowned. Not mono-team (a Group document gives no ownership), not api-team
    (the owner of an API document), not broken (its catalog file is malformed, skipped whole)."""
    # SPEC §4 "Only kind: Component documents give ownership"; "A malformed catalog file is reported
    # (repo, reason) and skipped whole"; §6.4 "one object per team and window".
    assert sorted(main_rows) == ["*", "billing", "blue", "core", "mono", "shop", "ui", "unowned"]


def test_one_catalog_file_of_several_documents_gives_one_team_three_services(main_rows: Rows) -> None:
    """acme/mono's catalog-info.yaml: a Group, an API (owner api-team, project-slug acme/mono-web,
    PagerDuty PAPI), then Components mono-core (acme/mono, PMONO; owner ``group:default/mono``), mono-web
    (project-slug acme/mono-web, PWEB; ``group:mono``) and mono-docs (acme/mono-docs; ``mono``): team mono
    owns the three repos, each its component's service.

    M1, W1, X1 first (03-01 06:00). M2 02 10:00. PMONO-1 02 12:00 → 15:00 on mono-core: its latest
    deployment is M2 (2 h) → failed, recovery 5 h. W2 (mono-web) 02 12:30 while PMONO-1 is open: another
    service's incident → no rework, and no failure (the incident started before it). PAPI-1 (02 13:00):
    PAPI is no component's service, neither in the map nor in service_ids → not collected. PWEB-1 03
    09:00 → 10:00 on mono-web: latest W2, 20.5 h → failed, recovery 21.5 h. X2 (mono-docs) 04 09:00, M3
    04 09:30. Issue in acme/mono-docs 04 10:00 → 11:00: service mono-docs, latest X2 (1 h) → failed,
    recovery 2 h; M3, 30 min before it, is another service's.
    Deployments 7; CFR 3/7; recovery 2, 5, 21.5 → 5.0; incidents 3 (PAPI-1 not); restore 3, 1, 1 →
    p50 1.0, p90 1 + 0.8 × 2 = 2.6; rework 0.
    """
    # SPEC §4 "spec.owner: group:order-team, group:default/order-team or order-team all mean team
    # order-team"; "catalog-info.yaml (possibly several YAML documents)"; "github.com/project-slug names
    # the repo a component lives in (default: the repo holding the file)"; §6.1 rule 4 "on a PagerDuty
    # service or repo of F's service (§4), and F is the latest deployment of that service"; §6.2 rework
    # "deployed while an incident of its service was open".
    check(
        main_rows["mono"],
        deployments=7,
        change_failure_rate=3 / 7,
        failed_deployment_recovery_hours_p50=5.0,
        incidents=3,
        time_to_restore_hours_p50=1.0,
        time_to_restore_hours_p90=2.6,
        rework_rate=0.0,
    )


def test_component_living_in_another_repo_than_its_file(main_rows: Rows) -> None:
    """acme/platform-catalog holds components billing (project-slug acme/billing, PBILL) and ghost
    (project-slug acme/ghost, not collected, PGHOST), both ``group:default/billing``. acme/platform-catalog
    itself has no component: its own service, team unowned.

    B1, K1 first. B2 05 10:00, K2 (platform-catalog) 05 11:00. PBILL-1 05 12:00 → 13:00: service billing,
    latest B2 (2 h; K2 is another service) → failed, recovery 3 h. B3 05 12:15 while PBILL-1 is open →
    rework. PGHOST-1 05 16:00 → 17:00: billing's (it owns PGHOST through the catalog), on service ghost,
    which has no deployment → fails nothing (B3, 3.75 h before it, is service billing's).
    billing: deployments 3; CFR 1/3; recovery 3.0; incidents 2; restore 1, 1 → 1.0; rework 1/3.
    (The issue in acme/platform-catalog is unowned's: see the unowned test.)
    """
    # SPEC §4 "github.com/project-slug: acme/x names the repo a component lives in"; "A repo with no
    # component is its own service"; §6.1 rule 4; §6.2 rework.
    check(
        main_rows["billing"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=3.0,
        incidents=2,
        time_to_restore_hours_p50=1.0,
        time_to_restore_hours_p90=1.0,
        rework_rate=1 / 3,
    )


def test_team_pagerduty_service_over_a_config_repo_and_a_catalog_repo(main_rows: Rows) -> None:
    """Team shop: ``teams:`` names acme/shop-api and PSHOP; acme/shop-web's component shop-web (no
    PagerDuty service) is owned by ``group:default/shop``. PSHOP belongs to both repos, each its own
    service (acme/shop-api; shop-web).

    A1, W1 first. A2 06 08:00, W2 06 10:00. PSHOP-1 06 11:00 → 14:00: the latest deployment of service
    acme/shop-api is A2 (3 h), of shop-web W2 (1 h) → both failed, recovery 6 h and 4 h. A3 06 12:00 and
    W3 06 13:00 while PSHOP-1 is open → rework, both. Issue in acme/shop-web 07 10:00 → 12:00: service
    shop-web only; latest W3 (21 h) → failed, recovery 23 h. A4 07 11:00 (acme/shop-api) while the issue is
    open: not its service → no rework; W4 07 11:30 → rework.
    Deployments 8; CFR 3/8; recovery 4, 6, 23 → 6.0; incidents 2; restore 3, 2 → p50 2.5, p90 2.9;
    rework A3, W3, W4 → 3/8.
    """
    # SPEC §4 "the PagerDuty services a teams: entry names belong to that team's repos"; "A repo with no
    # component is its own service"; §6.1 rule 4 "F is the latest deployment of that service"; §6.2
    # rework "deployed while an incident of its service was open".
    check(
        main_rows["shop"],
        deployments=8,
        change_failure_rate=3 / 8,
        failed_deployment_recovery_hours_p50=6.0,
        incidents=2,
        time_to_restore_hours_p50=2.5,
        time_to_restore_hours_p90=2.9,
        rework_rate=3 / 8,
    )


def test_first_component_wins_the_repo_and_the_losers_service_fails_nothing(main_rows: Rows) -> None:
    """acme/shared's file: shared-core (``group:default/core``, PCORE), then shared-ui (``group:ui``,
    project-slug acme/shared, PUI). The first in file order wins the repo: core. PUI stays ui's.

    S1 first; S2 09 10:00. PUI-1 09 11:00 → 12:00: ui's incident; shared-ui lost its repo, so it is on no
    service of S2 → fails nothing. S3 09 11:30 while PUI-1 is open → no rework. PCORE-1 10 09:00 → 10:00:
    latest S3 (21.5 h) → failed, recovery 22.5 h.
    core: deployments 3; CFR 1/3; recovery 22.5; incidents 1; restore 1.0; rework 0.
    ui: deployments 0; CFR null; recovery null; incidents 1; restore 1.0; rework null.
    """
    # SPEC §4 "Where components of different owners name the same repo, the first in file order wins";
    # "pagerduty.com/service-id names its PagerDuty service" (ui's); §6 "a ratio ... with nothing to
    # measure is null".
    check(
        main_rows["core"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=22.5,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        rework_rate=0.0,
    )
    check(
        main_rows["ui"],
        deployments=0,
        change_failure_rate=None,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        rework_rate=None,
    )


def test_unowned_service_with_an_explicit_link_fails_the_named_deployment(main_rows: Rows) -> None:
    """Team blue (``teams:``, acme/blue, no PagerDuty service). BL1 first; BL2 14 10:00. PORPHAN-2 (on
    PORPHAN, a ``service_ids`` service nobody owns) 14 12:00 → 13:30, description ``after <BL2's sha[:8]>``:
    an explicit link → BL2 failed, recovery 3.5 h. BL3 14 12:30 while PORPHAN-2 is open: PORPHAN is no
    service of blue → no rework. The incident is unowned's, not blue's.
    Deployments 3; CFR 1/3; recovery 3.5; incidents 0; restore null; rework 0.
    """
    # SPEC §6.1 rule 1 (no condition on the incident's service): "an incident's title or description ...
    # contains a hex string of 7 to 40 characters ... that begins the sha of a change of F"; §4 "a
    # service_ids service owned by nobody belongs to team unowned".
    check(
        main_rows["blue"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=3.5,
        incidents=0,
        time_to_restore_hours_p50=None,
        rework_rate=0.0,
    )


def test_unowned_repos_services_and_a_malformed_catalog(main_rows: Rows) -> None:
    """Team unowned: acme/platform-catalog (no component of its own), acme/orphan-app (no component, no
    ``teams:``), acme/broken (its catalog file has a YAML error in its second document: skipped whole,
    so its first, valid component gives nothing either), and PORPHAN (``service_ids``, named by nobody).

    platform-catalog: K1, K2 05 11:00; its issue 05 12:30 → 14:30, service acme/platform-catalog, latest
    K2 (1.5 h) → failed, recovery 3.5 h. orphan-app: O1, O2 08 10:00; PORPHAN-1 08 11:00 → 12:00 belongs
    to no service → fails nothing; O3 08 11:30 while it is open → no rework. PSTRAY-1 (neither in the map
    nor in service_ids) → not collected. broken: Z1, Z2 13 10:00, Z3 13 11:30; PBROKEN (named only by the
    skipped file) is not collected: PBROKEN-1 counts nowhere, fails nothing, and Z3 is no rework.
    PORPHAN-2 (14 12:00 → 13:30) is unowned's too.
    Deployments 8; CFR 1/8; recovery 3.5; incidents 3; restore 1, 1.5, 2 → p50 1.5, p90 1.5 + 0.8 × 0.5
    = 1.9; rework 0.
    """
    # SPEC §4 "A repo or a service_ids service owned by nobody belongs to team unowned; PagerDuty services
    # that are neither in the ownership map nor in service_ids are not collected"; "A malformed catalog
    # file is reported (repo, reason) and skipped whole; it never stops a sync".
    check(
        main_rows["unowned"],
        deployments=8,
        change_failure_rate=1 / 8,
        failed_deployment_recovery_hours_p50=3.5,
        incidents=3,
        time_to_restore_hours_p50=1.5,
        time_to_restore_hours_p90=1.9,
        rework_rate=0.0,
    )


def test_main_organisation_row(main_rows: Rows) -> None:
    """Team ``"*"``: everything collected, unowned included; never PAPI-1, PSTRAY-1 or PBROKEN-1.

    Deployments: mono 7, billing 3, shop 8, core 3, ui 0, blue 3, unowned 8 = 32. Failed: mono 3,
    billing 1, shop 3, core 1, blue 1, unowned 1 = 10 → CFR 10/32. Recoveries 2, 3, 3.5, 3.5, 4, 5, 6,
    21.5, 22.5, 23 → p50 (4 + 5) / 2 = 4.5. Incidents: mono 3, billing 2, shop 2, core 1, ui 1, unowned 3
    = 12. Restore: mono 3, 1, 1; billing 1, 1; shop 3, 2; core 1; ui 1; unowned 2, 1, 1.5 → sorted 1 ×7,
    1.5, 2, 2, 3, 3 → p50 (position 5.5) 1.0, p90 (position 9.9) 2 + 0.9 × 1 = 2.9. Rework: billing 1,
    shop 3 → 4/32.
    """
    # SPEC §6 "The organisation row "*" covers everything collected, team unowned included".
    check(
        main_rows["*"],
        deployments=32,
        change_failure_rate=10 / 32,
        failed_deployment_recovery_hours_p50=4.5,
        incidents=12,
        time_to_restore_hours_p50=1.0,
        time_to_restore_hours_p90=2.9,
        rework_rate=4 / 32,
    )


# ====================================================================================== overridden world


def build_overridden(world: World) -> None:
    pagerduty = world.pagerduty

    # -- teams: takes the repo; the component's PagerDuty service keeps its catalog owner.
    world.teams["newteam"] = (["acme/legacy"], [])
    legacy = world.repo("acme/legacy")
    legacy.files["catalog-info.yaml"] = component("legacy-svc", "group:platform", pagerduty="PLEG")
    started(legacy)
    deploy(legacy, "l2", at(3, 10))  # L2
    pagerduty.add_incident("PLEG-1", "PLEG", "Legacy alarms", at(3, 11), resolved_at=at(3, 13))
    deploy(legacy, "l3", at(3, 12))  # L3, while PLEG-1 is open
    incident_issue(legacy, "Legacy reports empty", at(4, 10), at(4, 11))

    # -- teams: takes the PagerDuty service; the repo keeps its catalog owner.
    world.teams["sre"] = (["acme/sre-tools"], ["PLED"])
    ledger, tools = world.repo("acme/ledger"), world.repo("acme/sre-tools")
    ledger.files["catalog-info.yaml"] = component("ledger", "group:default/finance", pagerduty="PLED")
    started(ledger)
    started(tools)
    deploy(tools, "t2", at(5, 9))  # T2
    deploy(ledger, "g2", at(5, 10))  # G2
    pagerduty.add_incident("PLED-1", "PLED", "Ledger drift", at(5, 11), resolved_at=at(5, 12))
    deploy(ledger, "g3", at(5, 11.5))  # G3, while PLED-1 is open
    deploy(tools, "t3", at(5, 11.75))  # T3, while PLED-1 is open


@pytest.fixture(scope="module")
def overridden_rows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rows]:
    world = World()
    build_overridden(world)
    with serve(world, tmp_path_factory.mktemp("audit-ownership-overridden")) as running:
        config = running.config("overridden", discover=True)
        running.collect(config)
        yield by_team(running.metrics(config))


def test_teams_override_of_a_repo_counts_each_incident_for_its_owner(overridden_rows: Rows) -> None:
    """acme/legacy: component legacy-svc (``group:platform``, PLEG); ``teams:`` gives the repo to newteam
    and names no PagerDuty service, so PLEG stays platform's.

    L1 first; L2 03 10:00; PLEG-1 03 11:00 → 13:00 (platform's); L3 03 12:00. Issue in acme/legacy 04
    10:00 → 11:00: newteam's; on the repo of L3's service, latest L3 (22 h) → L3 failed, recovery 23 h.
    Decided either way: newteam deployments 3, incidents 1, restore 1.0; platform deployments 0,
    incidents 1, restore 2.0, CFR null, rework null. (Whether PLEG-1 fails L2 and makes L3 rework: the
    next test.)
    """
    # SPEC §4 "a repo or PagerDuty service it names belongs to that team, whatever the catalog says;
    # everything else keeps its catalog owner"; §6 "Team metrics cover the repos and PagerDuty services
    # the team owns".
    check(overridden_rows["newteam"], deployments=3, incidents=1, time_to_restore_hours_p50=1.0)
    check(
        overridden_rows["platform"],
        deployments=0,
        incidents=1,
        time_to_restore_hours_p50=2.0,
        change_failure_rate=None,
        rework_rate=None,
    )


def test_teams_override_of_a_repo_unlinks_its_components_pagerduty_service(overridden_rows: Rows) -> None:
    """acme/legacy as above. ``teams:`` gives the repo to newteam; PLEG, named by legacy-svc, stays
    platform's. docs/metrics.md rule 4: "A component's PagerDuty service belongs to the component's
    repository only while the component's owner owns it: when ... ``teams:`` gives the repository to
    another team, that service's incidents still count for its own team but fail none of the
    repository's deployments." platform no longer owns acme/legacy, so PLEG is no PagerDuty service of
    acme/legacy's service.

    L1 03-01 06:00 (first), L2 03 10:00, L3 03 12:00. PLEG-1 03 11:00 → 13:00: platform's incident,
    fails nothing (L2 stays unfailed); L3, deployed while it is open, is no rework (PLEG is not of its
    service). Issue in acme/legacy 04 10:00 → 11:00: on the repo of L3's service; latest deployment of
    that service before it is L3 (04 10:00 − 03 12:00 = 22 h ≤ 24 h) → L3 failed, recovery 04 11:00 −
    03 12:00 = 23 h. No hex word, no rollback, no revert.
    newteam: deployments 3 (L1, L2, L3 in (02-18, 03-20]); CFR 1/3 (L3); recovery p50 over [23] = 23.0;
    rework 0/3 = 0.0.
    """
    # SPEC §4 "a repo or PagerDuty service it names belongs to that team, whatever the catalog says;
    # everything else keeps its catalog owner"; docs/metrics.md "Failed deployments", rule 4 (quoted
    # above); §6.1 rule 4 "on a PagerDuty service or repo of F's service (§4)"; §6.2 rework "deployed
    # while an incident of its service was open".
    check(
        overridden_rows["newteam"],
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=23.0,
        rework_rate=0.0,
    )


def test_teams_override_of_a_pagerduty_service_fails_the_teams_repos(overridden_rows: Rows) -> None:
    """acme/ledger: component ledger (``group:default/finance``, PLED); ``teams:`` gives PLED (and
    acme/sre-tools) to sre. acme/ledger stays finance's.

    T1, G1 first. T2 (sre-tools) 05 09:00, G2 (ledger) 05 10:00. PLED-1 05 11:00 → 12:00: sre's
    incident; PLED belongs to sre's repos, so on service acme/sre-tools its latest deployment T2 (2 h) →
    failed, recovery 3 h. T3 05 11:45 while PLED-1 is open → rework.
    Decided either way: sre deployments 3, CFR 1/3, recovery 3.0, incidents 1, restore 1.0, rework 1/3;
    finance deployments 3, incidents 0. (Whether PLED-1 also fails G2: the next test.)
    """
    # SPEC §4 "the PagerDuty services a teams: entry names belong to that team's repos"; §6.1 rule 4.
    check(
        overridden_rows["sre"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=3.0,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        rework_rate=1 / 3,
    )
    check(overridden_rows["finance"], deployments=3, incidents=0, time_to_restore_hours_p50=None)


def test_teams_override_of_a_pagerduty_service_takes_it_from_its_component(overridden_rows: Rows) -> None:
    """acme/ledger as above. ``teams:`` gives PLED to sre; the component ledger still names it, and
    acme/ledger is still finance's. docs/metrics.md rule 4: "The PagerDuty services a ``teams:`` entry
    names belong to that team's repositories only, whatever component names them". So PLED is linked to
    acme/sre-tools alone, not to acme/ledger.

    G1 03-01 06:00 (first), G2 05 10:00, G3 05 11:30. PLED-1 05 11:00 → 12:00: on no PagerDuty service of
    ledger → G2 (1 h before it) is not failed; G3, deployed while it is open, is no rework. finance has
    no other incident (its incidents are 0: previous test).
    finance: CFR 0/3 = 0.0; recovery null (no failed deployment); rework 0/3 = 0.0.
    """
    # SPEC §4 "a repo or PagerDuty service it names belongs to that team, whatever the catalog says";
    # "the PagerDuty services a teams: entry names belong to that team's repos"; docs/metrics.md "Failed
    # deployments", rule 4 (quoted above); §6.1 rule 4; §6.2 rework "deployed while an incident of its
    # service was open".
    check(
        overridden_rows["finance"],
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.0,
    )


def test_overridden_organisation_row_what_either_reading_gives(overridden_rows: Rows) -> None:
    """Team ``"*"`` of the overridden world, the numbers both readings agree on: deployments 9 (3 + 3
    + 3); incidents 3 (issue, PLEG-1, PLED-1); restore 1, 2, 1 → p50 1.0, p90 1 + 0.8 × 1 = 1.8."""
    # SPEC §6 "The organisation row "*" covers everything collected".
    check(
        overridden_rows["*"],
        deployments=9,
        incidents=3,
        time_to_restore_hours_p50=1.0,
        time_to_restore_hours_p90=1.8,
    )


# ========================================================================================== edges world


def build_edges(world: World) -> None:
    pagerduty = world.pagerduty
    # Two components named "api", in the namespaces payments and orders, in two repos.
    pay_api, ord_api = world.repo("acme/pay-api"), world.repo("acme/ord-api")
    pay_api.files["catalog-info.yaml"] = component(
        "api", "group:payments/payments", namespace="payments", pagerduty="PNSA"
    )
    ord_api.files["catalog-info.yaml"] = component(
        "api", "group:orders/orders", namespace="orders", pagerduty="PNSB"
    )
    started(pay_api)
    started(ord_api)
    deploy(pay_api, "pa2", at(15, 10))  # PA2
    deploy(ord_api, "oa2", at(15, 11))  # OA2
    pagerduty.add_incident("PNSA-1", "PNSA", "Payments API errors", at(15, 12), resolved_at=at(15, 13))
    deploy(ord_api, "oa3", at(15, 12.5))  # OA3, while PNSA-1 is open
    pagerduty.add_incident("PNSB-1", "PNSB", "Orders API errors", at(16, 10), resolved_at=at(16, 11))

    # A component without spec.owner, alone in its file, naming a PagerDuty service.
    loner = world.repo("acme/loner")
    loner.files["catalog-info.yaml"] = component("loner", None, pagerduty="PLONE")
    started(loner)
    deploy(loner, "lo2", at(17, 10))  # LO2
    pagerduty.add_incident("PLONE-1", "PLONE", "Loner alarm", at(17, 11), resolved_at=at(17, 12))
    deploy(loner, "lo3", at(17, 11.5))  # LO3, while PLONE-1 is open


@pytest.fixture(scope="module")
def edges_rows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rows]:
    world = World()
    build_edges(world)
    with serve(world, tmp_path_factory.mktemp("audit-ownership-edges")) as running:
        config = running.config("edges", discover=True)
        running.collect(config)
        yield by_team(running.metrics(config))


def test_components_of_one_name_in_two_namespaces_are_one_service(edges_rows: Rows) -> None:
    """acme/pay-api: Component ``payments/api`` (owner ``group:payments/payments``, PNSA); acme/ord-api:
    Component ``orders/api`` (``group:orders/orders``, PNSB). Components are told apart by
    ``metadata.name`` only, so both are ONE service "api": repos acme/pay-api and acme/ord-api,
    PagerDuty services PNSA (payments owns it and acme/pay-api) and PNSB (orders owns it and
    acme/ord-api). Each incident counts for its PagerDuty service's team.

    Service api in time order: PA1, OA1 03-01 06:00 (first); PA2 15 10:00; OA2 15 11:00; OA3 15 12:30.
    PNSA-1 15 12:00 → 13:00 (payments'): the latest deployment of service api before it is OA2 (1 h ≤
    24 h) → OA2 failed, recovery 13:00 − 11:00 = 2 h; PA2 (2 h before) is not the latest → not failed.
    OA3 15 12:30 while PNSA-1 (of its service) is open → rework. PNSB-1 16 10:00 → 11:00 (orders'):
    latest of service api OA3 (16 10:00 − 15 12:30 = 21.5 h ≤ 24 h) → failed, recovery 16 11:00 − 15
    12:30 = 22.5 h. No deployment while PNSB-1 is open.
    payments: deployments 2 (PA1, PA2); CFR 0/2 = 0.0; recovery null; incidents 1 (PNSA-1); restore 1.0;
    rework 0/2 = 0.0.
    orders: deployments 3 (OA1, OA2, OA3); CFR 2/3; recovery 2, 22.5 → p50 (2 + 22.5) / 2 = 12.25;
    incidents 1 (PNSB-1); restore 1.0; rework 1/3 (OA3).
    """
    # SPEC §4 "A service is a Backstage Component (kind: Component, metadata.name)"; docs/metrics.md
    # "Failed deployments", rule 4 "components are told apart by metadata.name (SPEC §4)"; §6.1 rule 4
    # "on a PagerDuty service or repo of F's service (§4), and F is the latest deployment of that
    # service"; §6.2 rework "deployed while an incident of its service was open".
    fields = ("deployments", "change_failure_rate", "failed_deployment_recovery_hours_p50", "incidents")
    fields += ("time_to_restore_hours_p50", "rework_rate")
    got = {team: {name: edges_rows[team][name] for name in fields} for team in ("payments", "orders")}
    assert got == {
        "payments": dict(zip(fields, (2, approx(0.0), None, 1, approx(1.0), approx(0.0)), strict=True)),
        "orders": dict(
            zip(fields, (3, approx(2 / 3), approx(12.25), 1, approx(1.0), approx(1 / 3)), strict=True)
        ),
    }


def test_pagerduty_service_of_a_component_without_owner_is_collected_for_unowned(edges_rows: Rows) -> None:
    """acme/loner: its only component, loner, names PLONE and has no ``spec.owner``. docs/metrics.md rule 4:
    "A component with no owner leaves its repository and its PagerDuty service to ``unowned``: the
    service is collected, and its incidents can fail that repository's deployments." So acme/loner and
    PLONE are unowned's, and PLONE belongs to service loner (repo acme/loner).
    LO1 03-01 06:00 (first); LO2 17 10:00; PLONE-1 17 11:00 → 12:00: collected, unowned's; the latest
    deployment of service loner before it is LO2 (1 h ≤ 24 h) → failed, recovery 12:00 − 10:00 = 2 h.
    LO3 17 11:30 while PLONE-1 is open → rework.
    unowned: deployments 3; CFR 1/3; recovery 2.0; incidents 1; restore 12:00 − 11:00 = 1.0; rework 1/3.
    """
    # SPEC §4 "A repo ... owned by nobody belongs to team unowned"; docs/metrics.md "Failed deployments",
    # rule 4 (quoted above) and "An incident counts for the team owning its PagerDuty service or
    # repository"; §6.1 rule 4; §6.2 rework "deployed while an incident of its service was open".
    check(
        edges_rows["unowned"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=2.0,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        rework_rate=1 / 3,
    )


def test_edges_organisation_row(edges_rows: Rows) -> None:
    """Team ``"*"`` of the edges world: deployments 2 + 3 + 3 = 8; failed OA2, OA3, LO2 → 3/8;
    recoveries 2 (OA2), 22.5 (OA3), 2 (LO2) → sorted 2, 2, 22.5 → p50 2.0; incidents PNSA-1, PNSB-1,
    PLONE-1 = 3; restore 1, 1, 1 → 1.0; rework OA3, LO3 → 2/8."""
    # SPEC §6 "The organisation row "*" covers everything collected, team unowned included";
    # docs/metrics.md rule 4 (one service "api"; PLONE collected, unowned's, failing acme/loner).
    assert sorted(edges_rows) == ["*", "orders", "payments", "unowned"]
    check(
        edges_rows["*"],
        deployments=8,
        change_failure_rate=3 / 8,
        failed_deployment_recovery_hours_p50=2.0,
        incidents=3,
        time_to_restore_hours_p50=1.0,
        rework_rate=2 / 8,
    )


# ===================================================================================== discovery world


def build_discovery(world: World) -> None:
    pagerduty = world.pagerduty
    # acme/cat-a: owned only through the catalog (cat-team, PCA).
    cat_a = world.repo("acme/cat-a")
    cat_a.files["catalog-info.yaml"] = component("cat-a", "group:default/cat-team", pagerduty="PCA")
    started(cat_a)
    deploy(cat_a, "a2", at(5, 10))  # A2
    pagerduty.add_incident("PCA-1", "PCA", "Cat A down", at(5, 11), resolved_at=at(5, 12))
    deploy(cat_a, "a3", at(5, 11.5))  # A3, while PCA-1 is open
    # acme/cat-b: teams: gives it to cfg-team with PCB; its catalog says other-team with PCB2.
    world.teams["cfg-team"] = (["acme/cat-b"], ["PCB"])
    cat_b = world.repo("acme/cat-b")
    cat_b.files["catalog-info.yaml"] = component("cat-b", "group:default/other-team", pagerduty="PCB2")
    started(cat_b)
    deploy(cat_b, "b2", at(6, 10))  # B2
    pagerduty.add_incident("PCB-1", "PCB", "Cat B slow", at(7, 9), resolved_at=at(7, 10))
    pagerduty.add_incident("PCB2-1", "PCB2", "Cat B noise", at(8, 12), resolved_at=at(8, 13))


@dataclass
class DiscoveryRows:
    off_fresh: list[dict[str, Any]]
    on: list[dict[str, Any]]
    on_then_off: list[dict[str, Any]]


@pytest.fixture(scope="module")
def discovery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DiscoveryRows]:
    world = World()
    build_discovery(world)
    with serve(world, tmp_path_factory.mktemp("audit-ownership-discovery")) as running:
        off = running.config("fresh", discover=False)
        running.collect(off)
        off_fresh = running.metrics(off)
        on = running.config("switched", discover=True)
        running.collect(on)
        with_catalog = running.metrics(on)
        switched_off = running.config("switched", discover=False)
        running.collect(switched_off)
        yield DiscoveryRows(off_fresh, with_catalog, running.metrics(switched_off))


def test_discovery_on_gives_catalog_owners(discovery: DiscoveryRows) -> None:
    """Discovery on. cat-team owns acme/cat-a and PCA: A1 first, A2 05 10:00, PCA-1 05 11:00 → 12:00 →
    A2 failed (1 h), recovery 2 h; A3 05 11:30 while it is open → rework. cfg-team owns acme/cat-b and PCB
    (``teams:``): B1, B2 06 10:00; PCB-1 07 09:00 → 10:00 → B2 failed (23 h), recovery 24 h. PCB2 stays
    other-team's (not named by teams:): PCB2-1 08 12:00 → 13:00, 50 h after B2 and no deployment while it
    is open, so it fails nothing whichever reading of the override.
    cat-team: 3, CFR 1/3, recovery 2.0, incidents 1, restore 1.0, rework 1/3.
    cfg-team: 2, CFR 1/2, recovery 24.0, incidents 1, restore 1.0, rework 0.
    other-team: 0, CFR null, incidents 1, restore 1.0.
    ``*``: 5, CFR 2/5, recovery 2, 24 → 13.0, incidents 3, restore 1.0, rework 1/5.
    """
    # SPEC §4; §3 "catalog: discover: true # read catalog-info.yaml at each repo's default branch".
    rows = by_team(discovery.on)
    assert sorted(rows) == ["*", "cat-team", "cfg-team", "other-team"]
    check(
        rows["cat-team"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=2.0,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        rework_rate=1 / 3,
    )
    check(
        rows["cfg-team"],
        deployments=2,
        change_failure_rate=1 / 2,
        failed_deployment_recovery_hours_p50=24.0,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        rework_rate=0.0,
    )
    check(
        rows["other-team"],
        deployments=0,
        change_failure_rate=None,
        incidents=1,
        time_to_restore_hours_p50=1.0,
    )
    check(
        rows["*"],
        deployments=5,
        change_failure_rate=2 / 5,
        failed_deployment_recovery_hours_p50=13.0,
        incidents=3,
        time_to_restore_hours_p50=1.0,
        rework_rate=1 / 5,
    )


def test_discovery_off_ignores_the_catalog_and_its_pagerduty_services(discovery: DiscoveryRows) -> None:
    """``catalog.discover: false`` on a fresh store: no catalog is read. acme/cat-a belongs to nobody →
    unowned; PCA is neither in the map nor in service_ids → not collected: PCA-1 counts nowhere, fails
    nothing, and A3 is no rework. cfg-team keeps acme/cat-b and PCB; PCB2 is not collected.
    unowned: 3, CFR 0.0, recovery null, incidents 0, restore null, rework 0.0.
    cfg-team: 2, CFR 1/2, recovery 24.0, incidents 1, restore 1.0, rework 0.0.
    ``*``: 5, CFR 1/5, recovery 24.0, incidents 1, restore 1.0, rework 0.0.
    """
    # SPEC §3 "catalog: discover"; §4 "A repo ... owned by nobody belongs to team unowned; PagerDuty
    # services that are neither in the ownership map nor in service_ids are not collected".
    rows = by_team(discovery.off_fresh)
    assert sorted(rows) == ["*", "cfg-team", "unowned"]
    check(
        rows["unowned"],
        deployments=3,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=0,
        time_to_restore_hours_p50=None,
        rework_rate=0.0,
    )
    check(
        rows["cfg-team"],
        deployments=2,
        change_failure_rate=1 / 2,
        failed_deployment_recovery_hours_p50=24.0,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        rework_rate=0.0,
    )
    check(
        rows["*"],
        deployments=5,
        change_failure_rate=1 / 5,
        failed_deployment_recovery_hours_p50=24.0,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        rework_rate=0.0,
    )


def test_turning_discovery_off_gives_what_a_fresh_store_gives(discovery: DiscoveryRows) -> None:
    """The second store was collected with discovery on (catalog rows and PCA, PCB2 incidents stored),
    then with it off: the map is the config's alone, so the metrics are those of the fresh store
    collected with discovery off (the previous test), row for row."""
    # SPEC §3 "catalog: discover"; §4 "PagerDuty services that are neither in the ownership map nor in
    # service_ids are not collected"; §6 "The organisation row "*" covers everything collected".
    assert discovery.on_then_off == discovery.off_fresh
