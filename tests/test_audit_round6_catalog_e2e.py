"""Audit, round 6: ownership from Backstage ``catalog-info.yaml`` changing between syncs, where two rules
meet (SPEC §3 ``catalog.discover`` and ``teams:``, §4, §5, §6.1 rule 4, §6.2; docs/configuration.md,
docs/metrics.md "Teams, windows and as_of", "Incidents", "Failed deployments" rule 4).

One emulated GitHub organisation ``acme`` (discovered through ``github.organizations``) and an emulated
PagerDuty (HTTPS, test-time CA), synced three times into ONE DuckDB store, over REST:

1. **sync 1** — ``catalog.discover: true``, the catalog files as built;
2. **sync 2** — the same config after five changes on GitHub: a second component of acme/ord-api's
   multi-document file changes owner, acme/pay's component changes owner to the team ``teams:`` gives
   the repo to, acme/led's file breaks, acme/gone's file is deleted, acme/relic is archived;
3. **sync 3** — the same store, ``catalog.discover: false``.

A second store is synced twice in ``github.api: graphql`` mode (sync 1 and sync 2 only): its rows must be
those of the REST store (the catalog is read over REST in both modes).

After each sync ``doraspace metrics --format json --as-of 2026-03-20T00:00:00Z`` (window 30d only:
(02-18 00:00, 03-20 00:00], so the bands come from it) and ``doraspace check-config`` (its map lines
``repo X → team`` / ``pagerduty P → team``, SPEC §2 "prints the resolved ownership map (repo/service →
team)") are read. ``github.since: 2026-02-01``; attribution window 24 h; default incident labels
(``incident``), urgencies and rework labels. ``teams:`` is

    - {name: orders, pagerduty_services: [PORD]}   # a team with a PagerDuty service and no repo
    - {name: ledger, repositories: [acme/pay]}

SPEC §6/§4 read as the earlier rounds did (tests/test_audit_round5_ownership_e2e.py
"owner changed between syncs moves the whole history", tests/test_audit_ownership_attribution.py
"turning discovery off gives what a fresh store gives"): metrics use the ownership map as of the last
sync, for every fact; a PagerDuty service that has left the map (and is not in ``service_ids``) counts
nowhere, its stored incidents included.

Times are March 2026 UTC, ``at(day, hour)``. Every repo's first deployment is at 03-01 06:00 (compare
``first``: a deployment with no lead time, §5.2); every later one ships one commit authored an hour
before it (lead time 1 h), so any team with a later deployment has lead p50 = p90 = 1.0 (band elite).
No PR is merged: every lead-time breakdown stage is null. Percentiles are ``percentile_cont``: p at
position p × (n − 1) of the sorted values. No incident text holds a hex word.

Bands (dora-2023): frequency n/30 per day — 2/30, 3/30, 4/30 (≥ 1/30, < 1/7 ≈ 0.1429) medium; 5/30,
8/30, 20/30, 23/30 (≥ 1/7, < 1) high; 0 low. CFR ≤ 5 % elite, ≤ 15 % medium, above low. Recovery
(failed-deployment recovery p50, else restore p50): ≥ 1 h and < 24 h high.

The islands (each has repos and services of its own):

* **orders** — acme/ord-api's file: component ord-api (``group:default/orders``, PORDAPI), then component
  ord-worker (``orders``, project-slug acme/ord-worker, PORDAPI too). Sync 2: ord-worker's owner becomes
  ``group:default/ops``.
* **billing** — acme/bill-a: component bill-a (``group:default/billing``, PBILL); acme/bill-b: component
  bill-b (``Billing``, PBILL): one team, billing (owner letter case: see that test). Unchanged.
* **ledger** — ``teams:`` gives acme/pay to ledger; acme/pay's component pay (``group:finance``, PPAY);
  acme/led's component led (``ledger``, PLED). Sync 2: pay's owner becomes ``group:default/ledger``;
  acme/led's file becomes malformed (a good first document naming another owner, then a YAML error).
* **gone** — acme/gone's file: component gone (``group:default/gteam``, PGONE) and component gone again
  (project-slug acme/gone-web): one service of two repos; a GitHub incident issue in acme/gone-web.
  Sync 2: the file is deleted.
* **archive** — acme/attic is archived from the start: its file (component live, ``attic-team``,
  project-slug acme/live, PATTIC) is never read; acme/live has no file. acme/relic (component relic,
  ``relic-team``, PRELIC) is archived between sync 1 and sync 2.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from doraspace.cli import main
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator
from tests.github_scenarios import at, check_team_row, deploy, run_cli
from tests.github_scenarios import started_at_six as started
from tests.test_audit_ownership_attribution import catalog, component, incident_issue

AS_OF = "2026-03-20T00:00:00Z"
NOW = datetime(2026, 3, 20, tzinfo=UTC)
GH_TOKEN_VARIABLE = "AUDIT_ROUND6_CATALOG_GITHUB_TOKEN"
PD_TOKEN_VARIABLE = "AUDIT_ROUND6_CATALOG_PAGERDUTY_TOKEN"
GH_TOKEN = "audit-round6-catalog-gh-token"
PD_TOKEN = "audit-round6-catalog-pd-token"
CATALOG = "catalog-info.yaml"

Rows = dict[str, dict[str, Any]]
Bands = dict[str, str | None]


def bands(frequency: str, lead: str | None, cfr: str | None, recovery: str | None) -> Bands:
    return {
        "deployment_frequency": frequency,
        "lead_time": lead,
        "change_failure_rate": cfr,
        "recovery": recovery,
    }


ORD_API_BEFORE = catalog(
    component("ord-api", "group:default/orders", pagerduty="PORDAPI"),
    component("ord-worker", "orders", slug="acme/ord-worker", pagerduty="PORDAPI"),
)
ORD_API_AFTER = catalog(
    component("ord-api", "group:default/orders", pagerduty="PORDAPI"),
    component("ord-worker", "group:default/ops", slug="acme/ord-worker", pagerduty="PORDAPI"),
)
PAY_BEFORE = component("pay", "group:finance", pagerduty="PPAY")
PAY_AFTER = component("pay", "group:default/ledger", pagerduty="PPAY")
# A good first document giving led (and PLED) to another team, then a YAML error: skipped whole.
LED_BROKEN = catalog(
    component("led", "group:default/thief", pagerduty="PLED"),
    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: led-jobs\n"
    "  annotations: {pagerduty.com/service-id: PLED2\nspec:\n  owner: group:default/thief\n",
)


def build(github: GitHubDataset, pagerduty: PagerDutyDataset) -> None:
    # -- orders
    ord_api, ord_worker = github.add_repo("acme/ord-api"), github.add_repo("acme/ord-worker")
    ord_api.files[CATALOG] = ORD_API_BEFORE
    started(ord_api)  # OA1
    started(ord_worker)  # OW1
    deploy(ord_api, "oa2", at(2, 8))  # OA2
    deploy(ord_worker, "ow2", at(2, 10))  # OW2
    pagerduty.add_incident("PORDAPI-1", "PORDAPI", "Orders API errors", at(2, 11), resolved_at=at(2, 13))
    deploy(ord_worker, "ow3", at(2, 12))  # OW3, while PORDAPI-1 is open
    pagerduty.add_incident("PORD-1", "PORD", "Orders paging", at(3, 11), resolved_at=at(3, 12))

    # -- billing
    bill_a, bill_b = github.add_repo("acme/bill-a"), github.add_repo("acme/bill-b")
    bill_a.files[CATALOG] = component("bill-a", "group:default/billing", pagerduty="PBILL")
    bill_b.files[CATALOG] = component("bill-b", "Billing", pagerduty="PBILL")
    started(bill_a)  # BA1
    started(bill_b)  # BB1
    deploy(bill_a, "ba2", at(4, 8))  # BA2
    deploy(bill_b, "bb2", at(4, 10))  # BB2
    pagerduty.add_incident("PBILL-1", "PBILL", "Invoices late", at(4, 11), resolved_at=at(4, 12))

    # -- ledger
    pay, led = github.add_repo("acme/pay"), github.add_repo("acme/led")
    pay.files[CATALOG] = PAY_BEFORE
    led.files[CATALOG] = component("led", "ledger", pagerduty="PLED")
    started(pay)  # P1
    started(led)  # L1
    deploy(pay, "p2", at(5, 10))  # P2
    pagerduty.add_incident("PPAY-1", "PPAY", "Payments failing", at(5, 11), resolved_at=at(5, 12))
    deploy(pay, "p3", at(5, 11.5))  # P3, while PPAY-1 is open
    pagerduty.add_incident("PLED-1", "PLED", "Ledger drift", at(6, 9), resolved_at=at(6, 10))

    # -- gone
    gone, gone_web = github.add_repo("acme/gone"), github.add_repo("acme/gone-web")
    gone.files[CATALOG] = catalog(
        component("gone", "group:default/gteam", pagerduty="PGONE"),
        component("gone", "group:default/gteam", slug="acme/gone-web"),
    )
    started(gone)  # G1
    started(gone_web)  # GW1
    deploy(gone_web, "gw2", at(8, 8))  # GW2
    deploy(gone, "g2", at(8, 10))  # G2
    incident_issue(gone_web, "Gone web pages blank", at(8, 11), at(8, 13))
    pagerduty.add_incident("PGONE-1", "PGONE", "Gone alarm", at(8, 12), resolved_at=at(8, 12.5))
    deploy(gone, "g3", at(8, 12.25))  # G3, while the issue and PGONE-1 are open

    # -- archive
    attic, live = github.add_repo("acme/attic"), github.add_repo("acme/live")
    relic = github.add_repo("acme/relic")
    attic.archived = True
    attic.files[CATALOG] = component("live", "group:default/attic-team", slug="acme/live", pagerduty="PATTIC")
    started(attic)  # AT1: never collected
    started(live)  # LV1
    deploy(live, "lv2", at(10, 10))  # LV2
    pagerduty.add_incident("PATTIC-1", "PATTIC", "Attic alarm", at(10, 11), resolved_at=at(10, 12))
    deploy(live, "lv3", at(10, 11.5))  # LV3, while PATTIC-1 is open
    relic.files[CATALOG] = component("relic", "relic-team", pagerduty="PRELIC")
    started(relic)  # RL1
    deploy(relic, "rl2", at(11, 10))  # RL2
    pagerduty.add_incident("PRELIC-1", "PRELIC", "Relic down", at(11, 11), resolved_at=at(11, 13))


def change(github: GitHubDataset) -> None:
    """What happens on GitHub between sync 1 and sync 2."""
    github.repos["acme/ord-api"].files[CATALOG] = ORD_API_AFTER
    github.repos["acme/pay"].files[CATALOG] = PAY_AFTER
    del github.repos["acme/gone"].files[CATALOG]
    github.repos["acme/led"].files[CATALOG] = LED_BROKEN
    github.repos["acme/relic"].archived = True


# ------------------------------------------------------------------------------------------- harness

MAP_LINE = re.compile(r"^  (repo|pagerduty) (\S+) → (\S+) \(")


@dataclass
class Read:
    rows: Rows
    repos: dict[str, str]  # check-config: repo → team
    services: dict[str, str]  # check-config: PagerDuty service → team
    warnings: list[str]  # check-config warning lines


@dataclass
class Reads:
    sync1: Read
    sync2: Read
    sync3: Read
    graphql1: Rows
    graphql2: Rows
    collect2: str  # what the REST store's sync 2 printed (stdout and stderr)


def config_text(store: Path, github_url: str, pd: PagerDutyEmulator, *, api: str, discover: bool) -> str:
    return (
        f"database:\n  url: duckdb:///{store}\n"
        f"github:\n  base_url: {github_url}\n  token: ${{{GH_TOKEN_VARIABLE}}}\n  since: 2026-02-01\n"
        f"  api: {api}\n  organizations: [acme]\n"
        f"pagerduty:\n  base_url: {pd.base_url}\n  token: ${{{PD_TOKEN_VARIABLE}}}\n"
        f"  ca_bundle: {pd.ca_file}\n"
        f"catalog: {{discover: {'true' if discover else 'false'}}}\n"
        "incidents: {attribution_window: 24h}\n"
        "metrics: {windows: [30d]}\n"
        "teams:\n"
        "  - {name: orders, pagerduty_services: [PORD]}\n"
        "  - {name: ledger, repositories: [acme/pay]}\n"
    )


def metrics(config: Path) -> Rows:
    rows = json.loads(run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF]))
    return {row["team"]: row for row in rows if row["window"] == "30d"}


def read(config: Path) -> Read:
    out = run_cli(["check-config", "--config", str(config)], now=NOW)
    repos: dict[str, str] = {}
    services: dict[str, str] = {}
    for line in out.splitlines():
        if found := MAP_LINE.match(line):
            kind, key, team = found.groups()
            (repos if kind == "repo" else services)[key] = team
    warnings = [line for line in out.splitlines() if line.startswith("warning: ")]
    return Read(metrics(config), repos, services, warnings)


@pytest.fixture(scope="module")
def reads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reads]:
    github, pagerduty = GitHubDataset(), PagerDutyDataset()
    build(github, pagerduty)
    directory = tmp_path_factory.mktemp("audit-round6-catalog")
    with (
        pytest.MonkeyPatch.context() as patch,
        GitHubEmulator(github, token=GH_TOKEN) as gh,
        PagerDutyEmulator(pagerduty, token=PD_TOKEN) as pd,
    ):
        patch.setenv(GH_TOKEN_VARIABLE, GH_TOKEN)
        patch.setenv(PD_TOKEN_VARIABLE, PD_TOKEN)
        configs: dict[str, Path] = {}
        for name, store, api, discover in (
            ("on", "rest", "rest", True),
            ("off", "rest", "rest", False),
            ("graphql", "graphql", "graphql", True),
        ):
            configs[name] = directory / f"{name}.yaml"
            configs[name].write_text(
                config_text(directory / f"{store}.duckdb", gh.base_url, pd, api=api, discover=discover)
            )

        def collect(name: str) -> str:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = main(["collect", "--config", str(configs[name])], now=NOW)
            assert status == 0, err.getvalue()
            return out.getvalue() + err.getvalue()

        collect("on")
        collect("graphql")
        sync1, graphql1 = read(configs["on"]), metrics(configs["graphql"])
        change(github)
        collect2 = collect("on")
        collect("graphql")
        sync2, graphql2 = read(configs["on"]), metrics(configs["graphql"])
        collect("off")
        yield Reads(sync1, sync2, read(configs["off"]), graphql1, graphql2, collect2)


def pagerduty_only(rows: Rows, team: str, *, incidents: int, restore: float) -> None:
    """A team owning PagerDuty services only: 0 deployments, its incidents and restore times."""
    check_team_row(
        rows,
        team,
        deployments=0,
        lead=(None, None),
        cfr=None,
        recovery=None,
        incidents=incidents,
        restore=(restore, restore),
        rework=None,
        row_bands=bands("low", None, None, "high"),
    )


def no_failures(rows: Rows, team: str, deployments: int, frequency: str) -> None:
    """A team with deployments and no failure, no incident, no rework."""
    check_team_row(
        rows,
        team,
        deployments=deployments,
        cfr=0.0,
        recovery=None,
        incidents=0,
        restore=(None, None),
        rework=0.0,
        row_bands=bands(frequency, "elite", "elite", None),
    )


# ============================================================================================ sync 1


def test_sync1_team_set_and_ownership_map(reads: Reads) -> None:
    """Sync 1. Repos (acme/attic is archived: never collected, its file never read, so acme/live, which
    only attic's component names, is nobody's): ord-api and ord-worker → orders (``group:default/orders``
    and ``orders`` are one team), bill-a and bill-b → billing (see the letter-case test), pay →
    ledger (``teams:``, whatever pay's component says), led → ledger, gone and gone-web → gteam, live →
    unowned, relic → relic-team. PagerDuty: PORD → orders (``teams:``), PORDAPI → orders (both components
    naming it are orders'), PBILL → billing, PPAY → finance (``teams:`` names the repo, not the service:
    "everything else keeps its catalog owner"), PLED → ledger, PGONE → gteam, PRELIC → relic-team; PATTIC
    is in no read catalog → not in the map, not collected.
    Teams with a row: every owner, finance included (it owns PPAY only).
    """
    # SPEC §4 "spec.owner: group:order-team, group:default/order-team or order-team all mean team
    # order-team"; "teams: ... a repo or PagerDuty service it names belongs to that team, whatever the
    # catalog says; everything else keeps its catalog owner"; "A repo ... owned by nobody belongs to team
    # unowned"; docs/configuration.md github.organizations "every repository of these organizations but
    # the archived ones"; docs/metrics.md "Every team owning a repository or a collected PagerDuty service
    # gets a row".
    read1 = reads.sync1
    assert read1.repos == {
        "acme/bill-a": "billing",
        "acme/bill-b": "billing",
        "acme/gone": "gteam",
        "acme/gone-web": "gteam",
        "acme/led": "ledger",
        "acme/live": "unowned",
        "acme/ord-api": "orders",
        "acme/ord-worker": "orders",
        "acme/pay": "ledger",
        "acme/relic": "relic-team",
    }
    assert read1.services == {
        "PBILL": "billing",
        "PGONE": "gteam",
        "PLED": "ledger",
        "PORD": "orders",
        "PORDAPI": "orders",
        "PPAY": "finance",
        "PRELIC": "relic-team",
    }
    assert sorted(read1.rows) == sorted(
        ["*", "billing", "finance", "gteam", "ledger", "orders", "relic-team", "unowned"]
    )


def test_sync1_two_components_of_one_owner_spelled_twice_share_a_pagerduty_service(reads: Reads) -> None:
    """orders, sync 1. Component ord-api (acme/ord-api) and component ord-worker (acme/ord-worker), owners
    ``group:default/orders`` and ``orders`` (one team), both name PORDAPI: PORDAPI belongs to both
    services. PORD, named by ``teams:`` entry orders, belongs to orders' repos: both.

    OA1, OW1 first (03-01 06:00). OA2 02 08:00; OW2 02 10:00. PORDAPI-1 02 11:00 → 13:00: latest of ord-api
    OA2 (3 h) → failed, recovery 5 h; latest of ord-worker OW2 (1 h) → failed, recovery 3 h. OW3 02 12:00
    while PORDAPI-1 is open → rework. PORD-1 03 11:00 → 12:00: latest of ord-worker OW3 (23 h ≤ 24 h) →
    failed, recovery 03 12:00 − 02 12:00 = 24 h; latest of ord-api OA2 is 27 h before → not.
    Deployments 5; lead 1.0/1.0; CFR 3/5; recovery 3, 5, 24 → p50 5.0; incidents 2; restore 1, 2 → p50
    1.5, p90 1 + 0.9 × 1 = 1.9; rework 1/5. Bands: 5/30 high, elite, low, 5 h high.
    """
    # SPEC §4 owner spellings; "catalog-info.yaml (possibly several YAML documents)"; "the PagerDuty services
    # a teams: entry names belong to that team's repos"; §6.1 rule 4; §6.2 rework.
    check_team_row(
        reads.sync1.rows,
        "orders",
        deployments=5,
        cfr=3 / 5,
        recovery=5.0,
        incidents=2,
        restore=(1.5, 1.9),
        rework=1 / 5,
        row_bands=bands("high", "elite", "low", "high"),
    )


def test_sync1_teams_repo_override_leaves_the_catalog_pagerduty_service_to_its_owner(reads: Reads) -> None:
    """ledger, sync 1. ``teams:`` gives acme/pay to ledger; pay's component says ``group:finance`` with
    PPAY: acme/pay leaves component pay (its own service), PPAY stays finance's and fails none of acme/pay's
    deployments. ledger's own catalog service PLED (component led) belongs to acme/led only.

    P1, L1 first. P2 05 10:00; PPAY-1 05 11:00 → 12:00 (finance's): fails nothing; P3 05 11:30 while it is
    open → no rework (not its service's incident). PLED-1 06 09:00 → 10:00: latest of led is L1 (5 days) →
    nothing; P3 (21.5 h before) is another service's → not failed.
    ledger: deployments 4; lead 1.0/1.0; CFR 0.0; recovery null; incidents 1 (PLED-1); restore 1.0; rework
    0.0; bands 4/30 medium, elite, elite, recovery falls back to restore 1 h (not < 1 h) → high.
    finance: deployments 0; incidents 1 (PPAY-1); restore 1.0; bands low, null, null, high.
    """
    # SPEC §4 "teams: ... a repo or PagerDuty service it names belongs to that team, whatever the catalog
    # says; everything else keeps its catalog owner"; docs/metrics.md rule 4 "A repository that teams:
    # gives to a team other than its component's owner leaves the component and is its own service"; "when
    # ... teams: gives the repository to another team, that service's incidents still count for its own
    # team but fail none of the repository's deployments"; §6.3 recovery fallback.
    check_team_row(
        reads.sync1.rows,
        "ledger",
        deployments=4,
        cfr=0.0,
        recovery=None,
        incidents=1,
        restore=(1.0, 1.0),
        rework=0.0,
        row_bands=bands("medium", "elite", "elite", "high"),
    )
    pagerduty_only(reads.sync1.rows, "finance", incidents=1, restore=1.0)


def test_sync1_one_component_over_two_repos_with_an_issue_and_a_pagerduty_service(reads: Reads) -> None:
    """gteam, sync 1. acme/gone's file: component gone (acme/gone, PGONE) and component gone again
    (project-slug acme/gone-web): one service of two repos.

    G1, GW1 first. GW2 08 08:00; G2 08 10:00. Issue in acme/gone-web 08 11:00 → 13:00: latest of service
    gone is G2 (1 h) → failed. PGONE-1 08 12:00 → 12:30: latest G2 again (2 h). G2's recovery: earliest
    resolution 12:30 − 10:00 = 2.5 h. G3 08 12:15 while both are open → rework.
    Deployments 5; lead 1.0/1.0; CFR 1/5; recovery 2.5; incidents 2; restore 0.5, 2 → p50 1.25, p90 0.5 +
    0.9 × 1.5 = 1.85; rework 1/5. Bands: 5/30 high, elite, 20 % low, 2.5 h high.
    """
    # SPEC §4 "github.com/project-slug ... names the repo a component lives in"; §5.4 GitHub issues; §6.1
    # rule 4; §6.2 recovery "the earliest of the resolution of an incident that failed it", rework.
    check_team_row(
        reads.sync1.rows,
        "gteam",
        deployments=5,
        cfr=1 / 5,
        recovery=2.5,
        incidents=2,
        restore=(1.25, 1.85),
        rework=1 / 5,
        row_bands=bands("high", "elite", "low", "high"),
    )


def test_sync1_archived_repos_catalog_is_not_read(reads: Reads) -> None:
    """archive, sync 1. acme/attic is archived: not collected, so neither its deployment AT1 nor its
    catalog (component live, project-slug acme/live, PATTIC) counts. acme/live is nobody's; PATTIC is not
    collected: PATTIC-1 counts nowhere and LV3 (during it) is no rework.
    unowned: LV1, LV2 (10 10:00), LV3 (10 11:30) → deployments 3; CFR 0.0; incidents 0; rework 0.0; bands
    3/30 medium, elite, elite, null.
    relic-team: RL1 first, RL2 11 10:00; PRELIC-1 11 11:00 → 13:00 → RL2 failed (1 h), recovery 3 h.
    Deployments 2; CFR 1/2; recovery 3.0; incidents 1; restore 2.0; rework 0.0; bands medium, elite, low,
    high.
    """
    # docs/configuration.md github.organizations "collect every repository of these organizations but the
    # archived ones"; SPEC §3 "catalog: discover: read catalog-info.yaml at each repo's default branch";
    # §4 "PagerDuty services that are neither in the ownership map nor in service_ids are not collected".
    no_failures(reads.sync1.rows, "unowned", 3, "medium")
    check_team_row(
        reads.sync1.rows,
        "relic-team",
        deployments=2,
        cfr=1 / 2,
        recovery=3.0,
        incidents=1,
        restore=(2.0, 2.0),
        rework=0.0,
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_sync1_organisation_row(reads: Reads) -> None:
    """Team ``"*"``, sync 1: deployments orders 5 + billing 4 + ledger 4 + gteam 5 + relic-team 2 +
    unowned 3 = 23 (AT1 not). Failed OA2, OW2, OW3, BA2, BB2, G2, RL2 = 7 → CFR 7/23. Recoveries 5, 3,
    24, 4, 2, 2.5, 3 → sorted 2, 2.5, 3, 3, 4, 5, 24 → p50 (the 4th of 7) 3.0. Incidents PORDAPI-1, PORD-1,
    PBILL-1, PPAY-1, PLED-1, the issue, PGONE-1, PRELIC-1 = 8 (PATTIC-1 not). Restore 2, 1, 1, 1, 1, 2,
    0.5, 2 → sorted 0.5, 1, 1, 1, 1, 2, 2, 2 → p50 (position 3.5) 1.0, p90 (position 6.3) 2.0. Rework OW3,
    G3 = 2/23. Bands: 23/30 high, elite, 30 % low, 3 h high.
    """
    # SPEC §6 "The organisation row "*" covers everything collected, team unowned included".
    check_team_row(
        reads.sync1.rows,
        "*",
        deployments=23,
        cfr=7 / 23,
        recovery=3.0,
        incidents=8,
        restore=(1.0, 2.0),
        rework=2 / 23,
        row_bands=bands("high", "elite", "low", "high"),
    )


def test_owner_letter_case_without_a_config_team(reads: Reads) -> None:
    """billing (both syncs). acme/bill-a: bill-a (``group:default/billing``, PBILL); acme/bill-b: bill-b
    (``Billing``, PBILL). SPEC §4 lists ``group:x``, ``group:default/x`` and ``x`` as one team; Backstage
    entity references ignore letter case, and SPEC §7.1 matches survey answers to team names whatever
    their case, so ``Billing`` and ``billing`` are one team, spelled as first met in file order
    (acme/bill-a's file sorts first): billing. Both components name PBILL for one owner: no conflict, and
    PBILL belongs to both services (as PORDAPI does for orders).

    BA1, BB1 first. BA2 04 08:00; BB2 04 10:00. PBILL-1 04 11:00 → 12:00: latest of bill-a BA2 (3 h) →
    failed, recovery 4 h; latest of bill-b BB2 (1 h) → failed, recovery 2 h.
    billing: deployments 4; CFR 2/4; recovery 2, 4 → p50 3.0; incidents 1; restore 1.0; rework 0.0;
    bands 4/30 medium, elite, 50 % low, 3 h high. No ``Billing`` row.
    """
    # SPEC §4 "spec.owner: group:order-team, group:default/order-team or order-team all mean team
    # order-team"; §7.1 "The team answer is matched case-insensitively to a team name of the ownership map";
    # docs/metrics.md (Team): catalog owners differing only in letter case are one team.
    for read in (reads.sync1, reads.sync2):
        check_team_row(
            read.rows,
            "billing",
            deployments=4,
            cfr=2 / 4,
            recovery=3.0,
            incidents=1,
            restore=(1.0, 1.0),
            rework=0.0,
            row_bands=bands("medium", "elite", "low", "high"),
        )
        assert "Billing" not in read.rows
        assert not [w for w in read.warnings if "PBILL" in w]


# ============================================================================================ sync 2


def test_sync2_team_set_and_ownership_map(reads: Reads) -> None:
    """Sync 2, after the changes. ord-worker → ops (its component's new owner); pay → ledger (still
    ``teams:``); led → ledger and PLED → ledger still: acme/led's file is now malformed, so it is reported
    (the sync names acme/led) and skipped whole — not even its good first document (owner thief) is
    taken, and what the last good read said stands; gone and gone-web → unowned (the file that named them
    is deleted); relic → relic-team (archived after it was collected: it stays collected, and its file is
    still read). PPAY → ledger (its component's new owner); PGONE is named by no catalog any more and is
    not in service_ids → out of the map, not collected. PORDAPI → orders: ord-api, first in file order,
    names it for orders; ord-worker's claim for ops is a warning (SPEC says "the first in file order wins"
    of repos; the product does the same for PagerDuty services, which no rule of SPEC/docs gives
    otherwise). finance and gteam own nothing: no rows.
    """
    # SPEC §3 "catalog: discover: read catalog-info.yaml at each repo's default branch" (at each sync);
    # §4 "A malformed catalog file is reported (repo, reason) and skipped whole; it never stops a sync";
    # §9 "A bad config, catalog file or survey file is reported with its location and changes nothing";
    # docs/operations.md "a repository archived after it was collected keeps its facts".
    read2 = reads.sync2
    assert [line for line in reads.collect2.splitlines() if "acme/led" in line and CATALOG in line]
    assert "thief" not in read2.rows
    assert read2.repos == {
        "acme/bill-a": "billing",
        "acme/bill-b": "billing",
        "acme/gone": "unowned",
        "acme/gone-web": "unowned",
        "acme/led": "ledger",
        "acme/live": "unowned",
        "acme/ord-api": "orders",
        "acme/ord-worker": "ops",
        "acme/pay": "ledger",
        "acme/relic": "relic-team",
    }
    assert read2.services == {
        "PBILL": "billing",
        "PLED": "ledger",
        "PORD": "orders",
        "PORDAPI": "orders",
        "PPAY": "ledger",
        "PRELIC": "relic-team",
    }
    assert [w for w in read2.warnings if "PORDAPI" in w and "ord-worker" in w]
    assert sorted(read2.rows) == sorted(["*", "billing", "ledger", "ops", "orders", "relic-team", "unowned"])


def test_sync2_second_component_changes_owner_and_unlinks_the_shared_service(reads: Reads) -> None:
    """orders and ops, sync 2. ord-worker now says ``group:default/ops``: acme/ord-worker is ops', with its
    whole history. PORDAPI stays orders' (ord-api is first) and belongs to ord-api only; PORD (``teams:``
    orders) belongs to orders' repos: acme/ord-api only.

    PORDAPI-1 02 11:00 → 13:00: OA2 failed (3 h), recovery 5 h; OW2 no longer. PORD-1 03 11:00: latest of
    ord-api OA2 is 27 h before → nothing; OW3 no longer of a service of PORD. OW3 is no rework (PORDAPI-1
    is not its service's any more).
    orders: OA1, OA2 → deployments 2; lead 1.0; CFR 1/2; recovery 5.0; incidents 2; restore 1.5 / 1.9;
    rework 0.0; bands 2/30 medium, elite, low, high.
    ops: OW1, OW2, OW3 → deployments 3; CFR 0.0; incidents 0; rework 0.0; bands medium, elite, elite, null.
    """
    # SPEC §4 "A team is its owner"; "the PagerDuty services a teams: entry names belong to that team's
    # repos"; docs/metrics.md rule 4 "A component's PagerDuty service belongs to the component's repository
    # only while the component's owner owns it"; §6 "Team metrics cover the repos and PagerDuty services
    # the team owns".
    rows = reads.sync2.rows
    check_team_row(
        rows,
        "orders",
        deployments=2,
        cfr=1 / 2,
        recovery=5.0,
        incidents=2,
        restore=(1.5, 1.9),
        rework=0.0,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    no_failures(rows, "ops", 3, "medium")


def test_sync2_component_owner_becomes_the_teams_owner_and_relinks_its_service(reads: Reads) -> None:
    """ledger, sync 2. pay's component now says ``group:default/ledger``, the team ``teams:`` gives
    acme/pay to: the repo is no longer given to "a team other than its component's owner", so it stays in
    component pay, and PPAY, now ledger's, belongs to acme/pay.

    PPAY-1 05 11:00 → 12:00: latest of pay P2 (1 h) → failed, recovery 2 h; P3 05 11:30 while it is open →
    rework. acme/led's malformed file changes nothing: led and PLED stay ledger's; PLED-1 fails nothing
    (as in sync 1).
    ledger: deployments 4; lead 1.0; CFR 1/4; recovery 2.0; incidents 2 (PPAY-1, PLED-1); restore 1.0 /
    1.0; rework 1/4; bands 4/30 medium, elite, 25 % low, 2 h high. No finance row.
    """
    # SPEC §4; docs/metrics.md rule 4 "A repository that teams: gives to a team other than its component's
    # owner leaves the component"; "A component's PagerDuty service belongs to the component's repository
    # only while the component's owner owns it"; §6.2 rework "deployed while an incident of its service was
    # open".
    check_team_row(
        reads.sync2.rows,
        "ledger",
        deployments=4,
        cfr=1 / 4,
        recovery=2.0,
        incidents=2,
        restore=(1.0, 1.0),
        rework=1 / 4,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    assert "finance" not in reads.sync2.rows


def test_sync2_deleted_catalog_file_leaves_repos_unowned_and_splits_the_service(reads: Reads) -> None:
    """unowned, sync 2. acme/gone's file is deleted: acme/gone and acme/gone-web are nobody's, each its own
    service (no component names them); PGONE is out of the map → PGONE-1, although stored by sync 1,
    counts nowhere. acme/live as in sync 1. relic-team is unchanged (archived, still collected, its file
    still read).

    The gone-web issue 08 11:00 → 13:00: latest of acme/gone-web GW2 (08 08:00, 3 h) → failed, recovery
    5 h; G2 (acme/gone) is no longer of its service. G3 (acme/gone) during it → no rework.
    unowned: LV1–LV3, G1–G3, GW1–GW2 → deployments 8; lead 1.0; CFR 1/8; recovery 5.0; incidents 1;
    restore 2.0; rework 0.0; bands 8/30 high, elite, 12.5 % medium, 5 h high. No gteam row.
    relic-team: deployments 2; CFR 1/2; recovery 3.0; incidents 1; restore 2.0; rework 0.0.
    """
    # SPEC §4 "A repo with no component is its own service"; "A repo ... owned by nobody belongs to team
    # unowned"; "PagerDuty services that are neither in the ownership map nor in service_ids are not
    # collected"; docs/operations.md "a repository archived after it was collected keeps its facts".
    rows = reads.sync2.rows
    check_team_row(
        rows,
        "unowned",
        deployments=8,
        cfr=1 / 8,
        recovery=5.0,
        incidents=1,
        restore=(2.0, 2.0),
        rework=0.0,
        row_bands=bands("high", "elite", "medium", "high"),
    )
    assert "gteam" not in rows
    check_team_row(
        rows,
        "relic-team",
        deployments=2,
        cfr=1 / 2,
        recovery=3.0,
        incidents=1,
        restore=(2.0, 2.0),
        rework=0.0,
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_sync2_organisation_row(reads: Reads) -> None:
    """Team ``"*"``, sync 2: deployments orders 2 + ops 3 + billing 4 + ledger 4 + relic-team 2 + unowned
    8 = 23, as in sync 1 (no deployment changed hands out of the organisation). Failed OA2, BA2, BB2, P2,
    RL2, GW2 = 6 → 6/23. Recoveries 5, 4, 2, 2, 3, 5 → sorted 2, 2, 3, 4, 5, 5 → p50 (3 + 4) / 2 = 3.5.
    Incidents
    PORDAPI-1, PORD-1, PBILL-1, PPAY-1, PLED-1, PRELIC-1, the issue = 7 (PGONE-1 no longer). Restore 2, 1,
    1, 1, 1, 2, 2 → sorted 1, 1, 1, 1, 2, 2, 2 → p50 1.0, p90 (position 5.4) 2.0. Rework P3 = 1/23.
    Bands: 23/30 high, elite, 26 % low, 3.5 h high.
    """
    # SPEC §6 "The organisation row "*" covers everything collected, team unowned included".
    check_team_row(
        reads.sync2.rows,
        "*",
        deployments=23,
        cfr=6 / 23,
        recovery=3.5,
        incidents=7,
        restore=(1.0, 2.0),
        rework=1 / 23,
        row_bands=bands("high", "elite", "low", "high"),
    )


# ============================================================================================ sync 3


def test_sync3_discovery_off_keeps_only_the_config_map(reads: Reads) -> None:
    """Sync 3: the same store, ``catalog.discover: false``; the catalog files are still on GitHub and
    their rows still stored, but ignored. Map: acme/pay → ledger (``teams:``), PORD → orders (``teams:``),
    every other collected repo unowned (acme/relic included); no other PagerDuty service is collected.
    PORD belongs to orders' repos: none.

    orders: deployments 0; incidents 1 (PORD-1); restore 1.0; bands low, null, null, high.
    ledger: P1, P2, P3 → deployments 3; CFR 0.0 (PPAY not collected); incidents 0; rework 0.0; bands 3/30
    medium, elite, elite, null.
    unowned: ord-api 2 + ord-worker 3 + bill-a 2 + bill-b 2 + led 1 + gone 3 + gone-web 2 + live 3 +
    relic 2 = 20 deployments. Only the gone-web issue is an incident in scope: GW2 failed (3 h), recovery
    5 h. CFR 1/20; incidents 1; restore 2.0; rework 0.0; bands 20/30 high, elite, 5 % elite, 5 h high.
    ``*``: deployments 23; CFR 1/23; recovery 5.0; incidents 2 (PORD-1, the issue); restore 1, 2 → p50 1.5,
    p90 1.9; rework 0.0; bands high, elite, 4.3 % elite, high.
    """
    # SPEC §3 "catalog: discover"; §4 "the PagerDuty services a teams: entry names belong to that team's
    # repos"; "PagerDuty services that are neither in the ownership map nor in service_ids are not
    # collected"; docs/metrics.md "a team owning PagerDuty services only ... has 0 deployments and its
    # incidents and restore times".
    read3 = reads.sync3
    assert read3.repos == {
        "acme/bill-a": "unowned",
        "acme/bill-b": "unowned",
        "acme/gone": "unowned",
        "acme/gone-web": "unowned",
        "acme/led": "unowned",
        "acme/live": "unowned",
        "acme/ord-api": "unowned",
        "acme/ord-worker": "unowned",
        "acme/pay": "ledger",
        "acme/relic": "unowned",
    }
    assert read3.services == {"PORD": "orders"}
    assert read3.warnings == []
    rows = read3.rows
    assert sorted(rows) == ["*", "ledger", "orders", "unowned"]
    pagerduty_only(rows, "orders", incidents=1, restore=1.0)
    no_failures(rows, "ledger", 3, "medium")
    check_team_row(
        rows,
        "unowned",
        deployments=20,
        cfr=1 / 20,
        recovery=5.0,
        incidents=1,
        restore=(2.0, 2.0),
        rework=0.0,
        row_bands=bands("high", "elite", "elite", "high"),
    )
    check_team_row(
        rows,
        "*",
        deployments=23,
        cfr=1 / 23,
        recovery=5.0,
        incidents=2,
        restore=(1.5, 1.9),
        rework=0.0,
        row_bands=bands("high", "elite", "elite", "high"),
    )


# ============================================================================================ GraphQL


def test_graphql_store_gives_the_rest_rows_after_each_sync(reads: Reads) -> None:
    """The GraphQL store, synced at the same two moments, gives the REST store's rows, team for team (the
    numbers asserted above): ``github.api`` changes how deployments are read, not whose they are."""
    # docs/configuration.md github.api "graphql: pull requests and deployments in bulk GraphQL queries;
    # rest: REST only"; SPEC §5 "Every fact is stored once under its natural key".
    assert reads.graphql1 == reads.sync1.rows
    assert reads.graphql2 == reads.sync2.rows
