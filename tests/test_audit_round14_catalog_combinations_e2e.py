"""Audit, round 14, end to end: where two or more OWNERSHIP/CATALOG rules meet (SPEC §4, with §2
``check-config``, §5.4, §6, §6.1 rule 4, §6.2) in combinations earlier rounds did not make. Emulated GitHub
(``catalog-info.yaml`` files at each repository's root) and an emulated PagerDuty (HTTPS, test-time CA) →
``doraspace collect`` (REST) → ``doraspace metrics --format json --as-of 2026-03-20T00:00:00Z`` and
``doraspace check-config``. Every number is worked out by hand in the test's docstring.

Read first, and not repeated: rounds 5, 6, 9, 12 and the attribution audit (owner spellings one at a time,
a slug in another letter case, the first component winning a repo, ``teams:`` taking a repo or a service,
files changed between syncs one change per island, a random differential that left "components without an
owner, slugs naming a repo outside the collected ones, namespaces other than default … rework" to other
audits), round 10's YAML quirks (unit level) and round 14's ``Cart``/``cart`` fix.

Four organisations, each collected into stores of its own (``github.since`` 2026-02-01, attribution window
24 h, default ``incident_labels`` [incident], urgencies and ``rework.labels``; window 30d = (02-18 00:00,
03-20 00:00], the only and so the band window). Times are March 2026 UTC, ``at(day, hour)``. Each repo's
first deployment is at 03-01 06:00 (compare ``first``: counted, no lead time, SPEC §5.2); every later one
ships one commit authored an hour before it (lead time 1 h), so every lead p50/p90 is 1.0 (elite). No PR
is merged (every breakdown stage null) and no incident text holds a hex word (rule 4, the window rule, is
the only link). Percentiles are ``percentile_cont``: position p × (n − 1) of the sorted values.

* **MAIN** (``teams:`` ``{Order-Team, pagerduty_services: [PORD]}``, ``{team-c, pagerduty_services:
  [PTA]}``, ``{team-b, repositories: [acme/target2]}``), five islands:

  - **M** multi-document file (Group, System, Component, API, lower-case ``kind: component``), owners
    ``Group:Default/Order-Team`` and ``order-team`` folding into a configured team that names only a
    PagerDuty service, a slug in another letter case, a System's PagerDuty annotation;
  - **U** a ``user:`` owner, an owner in namespace ``other``, a slug naming a repository not collected,
    each with a PagerDuty service;
  - **C** one repo claimed by components of two owners in two files (file order letter case aside:
    ``acme/alpha`` before ``acme/Beta``) × ``teams:`` taking the winner's PagerDuty service; a second repo
    claimed the same way × ``teams:`` giving it to the LOSER's owner; GitHub issue and four services;
  - **Y** YAML 1.2 names: component ``no`` (owner ``no``) and ``No`` (owner ``group:default/No``) in two
    files are one service of team ``no``; a component named ``2026-03-09`` is another service;
  - **P** one PagerDuty service named by components of two owners in two files.

* **NAMES**: a component whose ``metadata.name`` is a repository's full name (``acme/web``), in another
  repository's file — the component's service against the repository that "is its own service".

* **SPLIT**: a monorepo's file with two components (shop-core, then shop-web with a PagerDuty service),
  shop-web declared again in its own repository's file — a component's PagerDuty service against the
  component's other repository.

* **CHANGE** (two stores: ``inc`` collected before and after the files change, ``fresh`` collected once
  after): a component moved from the first file to the last one flips a contested repo to the other
  claim (with its PagerDuty link); a file made malformed by a key written twice keeps its previous owner.

Readings taken where SPEC is silent (each test says which it leans on): a ``user:`` owner is no team (SPEC
§4 names only group forms as teams; §8.3 "No page shows a per-person figure or identity (login, …)"; the
collector's docstring "only a group is a team"); an owner in another namespace (``group:other/x``) is team
``x`` (collector/catalog.py ``parse_owner``: "group:ns/x … give x"; the attribution audit's "one name in two
namespaces is one service"); a PagerDuty service named by components of two owners follows the repo rule,
first in file order, with a warning (round 12's reading); check-config lists a repo the catalog names even
when it is not collected (SPEC §2 "prints the resolved ownership map").
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
from tests.analytics.facts import bands
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator
from tests.github_scenarios import at, check_team_row, deploy, run_cli
from tests.github_scenarios import started_at_six as started
from tests.test_audit_ownership_attribution import catalog, component

AS_OF = "2026-03-20T00:00:00Z"
NOW = datetime(2026, 3, 20, tzinfo=UTC)
GH_TOKEN_VARIABLE = "AUDIT_R14_CATALOG_COMBOS_GITHUB_TOKEN"
PD_TOKEN_VARIABLE = "AUDIT_R14_CATALOG_COMBOS_PAGERDUTY_TOKEN"
GH_TOKEN = "audit-r14-catalog-combos-gh-token"
PD_TOKEN = "audit-r14-catalog-combos-pd-token"
CATALOG = "catalog-info.yaml"

Rows = dict[str, dict[str, Any]]
Bands = dict[str, str | None]
MAP_LINE = re.compile(r"^  (repo|pagerduty) (\S+) → (\S+) \((\w+)\)$")


def incident_issue(repo: RepoData, title: str, opened: datetime, closed: datetime) -> None:
    repo.issue(title=title, created_at=opened, closed_at=closed, labels=["incident"])


def plain(repo: RepoData) -> None:
    """A repository with a commit and no deployment (it only holds a catalog file)."""
    repo.commit("initial", author_date=at(1))


# ============================================================================================ the worlds


def build_main(github: GitHubDataset, pagerduty: PagerDutyDataset) -> None:
    # -- M: one file of five documents; owners folding into the configured team Order-Team.
    orders, orders_web = github.add_repo("acme/orders"), github.add_repo("acme/orders-web")
    orders.files[CATALOG] = catalog(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: order-team\n"
        "spec:\n  type: team\n  children: []\n",
        component(
            "orders-system",
            "group:sys-team",
            slug="acme/orders-web",
            pagerduty="PSYS",
            kind="System",
            kind_spec="",
        ),
        component("orders-api", "Group:Default/Order-Team", pagerduty="PAPI"),
        component(
            "orders-openapi",
            "group:api-team",
            slug="ACME/ORDERS-WEB",
            kind="API",
            kind_spec="  type: openapi\n  lifecycle: production\n  definition: |\n    openapi: 3.0.0\n",
        ),
        component("orders-web", "order-team", slug="ACME/Orders-Web", kind="component"),
    )
    started(orders)  # O1
    started(orders_web)  # W1
    deploy(orders, "o2", at(2, 10))  # O2
    deploy(orders_web, "w2", at(2, 11))  # W2
    pagerduty.add_incident("PORD-1", "PORD", "Orders paging", at(2, 12), resolved_at=at(2, 14))
    deploy(orders, "o3", at(2, 13))  # O3, while PORD-1 is open
    pagerduty.add_incident("PAPI-1", "PAPI", "Orders API errors", at(3, 9), resolved_at=at(3, 10))
    pagerduty.add_incident("PSYS-1", "PSYS", "System alarm", at(4, 9), resolved_at=at(4, 11))
    deploy(orders_web, "w3", at(4, 10))  # W3, while PSYS-1 (never collected) is open

    # -- U: a user owner, an owner in another namespace, a slug naming a repository not collected.
    ledger, jobs = github.add_repo("acme/ledger"), github.add_repo("acme/ledger-jobs")
    archive = github.add_repo("acme/ledger-archive")  # on GitHub, not in github.repositories
    ledger.files[CATALOG] = catalog(
        component("ledger", "user:default/alice", pagerduty="PLEDGER"),
        component("ledger-jobs", "group:other/fin-team", slug="acme/ledger-jobs", pagerduty="PJOBS"),
        component("ledger-archive", "group:fin-team", slug="acme/ledger-archive", pagerduty="PARCH"),
    )
    started(ledger)  # L1
    started(jobs)  # J1
    started(archive)  # never collected
    deploy(ledger, "l2", at(5, 10))  # L2
    pagerduty.add_incident("PLEDGER-1", "PLEDGER", "Ledger drift", at(5, 11), resolved_at=at(5, 12))
    deploy(jobs, "j2", at(5, 11.5))  # J2, while PLEDGER-1 (another service) is open
    deploy(archive, "ar2", at(5, 11.75))  # never collected
    pagerduty.add_incident("PARCH-1", "PARCH", "Archive slow", at(5, 12), resolved_at=at(5, 13))
    deploy(jobs, "j3", at(5, 12.5))  # J3, while PARCH-1 (another service) is open
    pagerduty.add_incident("PJOBS-1", "PJOBS", "Jobs stuck", at(6, 10), resolved_at=at(6, 10.5))

    # -- C: two repos, each claimed by components of two owners in two files.
    alpha, beta = github.add_repo("acme/alpha"), github.add_repo("acme/Beta")
    target, target2 = github.add_repo("acme/target"), github.add_repo("acme/target2")
    alpha.files[CATALOG] = catalog(
        component("target-a", "group:team-a", slug="acme/target", pagerduty="PTA"),
        component("target2-a", "group:team-a", slug="acme/target2", pagerduty="PTA2"),
    )
    beta.files[CATALOG] = catalog(
        component("target-b", "group:default/team-b", slug="ACME/Target", pagerduty="PTB"),
        component("target2-b", "team-b", slug="acme/TARGET2", pagerduty="PTB2"),
    )
    plain(alpha)
    plain(beta)
    started(target)  # T1
    started(target2)  # U1
    deploy(target, "t2", at(7, 10))  # T2
    pagerduty.add_incident("PTA-1", "PTA", "Target A alarm", at(7, 11), resolved_at=at(7, 12))
    deploy(target, "t3", at(7, 11.5))  # T3, while PTA-1 is open
    pagerduty.add_incident("PTB-1", "PTB", "Target B alarm", at(7, 13), resolved_at=at(7, 15))
    deploy(target, "t4", at(7, 14))  # T4, while PTB-1 is open
    incident_issue(target, "Target pages blank", at(7, 16), at(7, 18))
    deploy(target2, "u2", at(8, 10))  # U2
    pagerduty.add_incident("PTA2-1", "PTA2", "Target2 A alarm", at(8, 11), resolved_at=at(8, 12))
    deploy(target2, "u3", at(8, 11.5))  # U3, while PTA2-1 is open
    pagerduty.add_incident("PTB2-1", "PTB2", "Target2 B alarm", at(8, 13), resolved_at=at(8, 14))
    deploy(target2, "u4", at(8, 13.5))  # U4, while PTB2-1 is open

    # -- Y: YAML 1.2 names (no, No, a date), one service over two files.
    no_api, no_web, no_date = (
        github.add_repo("acme/no-api"),
        github.add_repo("acme/no-web"),
        github.add_repo("acme/no-date"),
    )
    no_api.files[CATALOG] = component("no", "no", pagerduty="PNO")
    no_web.files[CATALOG] = catalog(
        component("No", "group:default/No"),
        component("2026-03-09", "no", slug="acme/no-date"),
    )
    started(no_api)  # N1
    started(no_web)  # NW1
    started(no_date)  # ND1
    deploy(no_web, "nw2", at(9, 8))  # NW2
    deploy(no_api, "n2", at(9, 9))  # N2
    pagerduty.add_incident("PNO-1", "PNO", "No alarm", at(9, 10), resolved_at=at(9, 11))
    deploy(no_date, "nd2", at(9, 10.25))  # ND2, while PNO-1 (another service) is open
    deploy(no_web, "nw3", at(9, 10.5))  # NW3, while PNO-1 is open
    incident_issue(no_web, "No web down", at(10, 9), at(10, 10))

    # -- P: one PagerDuty service named by components of two owners.
    ps_one, ps_two = github.add_repo("acme/ps-one"), github.add_repo("acme/ps-two")
    ps_one.files[CATALOG] = component("ps-one", "group:team-s", pagerduty="PSH")
    ps_two.files[CATALOG] = component("ps-two", "team-t", pagerduty="PSH")
    started(ps_one)  # S1
    started(ps_two)  # Q1
    deploy(ps_one, "s2", at(13, 8))  # S2
    deploy(ps_two, "q2", at(13, 9))  # Q2
    pagerduty.add_incident("PSH-1", "PSH", "Shared alarm", at(13, 10), resolved_at=at(13, 12))
    deploy(ps_two, "q3", at(13, 11))  # Q3, while PSH-1 is open
    deploy(ps_one, "s3", at(13, 11.5))  # S3, while PSH-1 is open


MAIN_REPOSITORIES = [
    "acme/orders",
    "acme/orders-web",
    "acme/ledger",
    "acme/ledger-jobs",
    "acme/alpha",
    "acme/Beta",
    "acme/target",
    "acme/target2",
    "acme/no-api",
    "acme/no-web",
    "acme/no-date",
    "acme/ps-one",
    "acme/ps-two",
]
MAIN_TEAMS = (
    "teams:\n"
    "  - {name: Order-Team, pagerduty_services: [PORD]}\n"
    "  - {name: team-c, pagerduty_services: [PTA]}\n"
    "  - {name: team-b, repositories: [acme/target2]}\n"
)


def build_names(github: GitHubDataset) -> None:
    api, web = github.add_repo("acme/api"), github.add_repo("acme/web")
    api.files[CATALOG] = component("acme/web", "x-team")
    started(api)  # A1
    started(web)  # B1
    deploy(web, "b2", at(14, 8))  # B2
    deploy(api, "a2", at(14, 10))  # A2
    incident_issue(web, "Web down", at(14, 11), at(14, 12))
    deploy(api, "a3", at(14, 11.5))  # A3, while the acme/web issue is open


NAMES_REPOSITORIES = ["acme/api", "acme/web"]
NAMES_TEAMS = "teams:\n  - {name: x-team, repositories: [acme/api]}\n"


def build_split(github: GitHubDataset, pagerduty: PagerDutyDataset) -> None:
    shop, shop_web = github.add_repo("acme/shop"), github.add_repo("acme/shop-web")
    shop.files[CATALOG] = catalog(
        component("shop-core", "group:team-k"),
        component("shop-web", "team-k", pagerduty="PSW"),
    )
    shop_web.files[CATALOG] = component("shop-web", "group:default/team-k")
    started(shop)  # SH1
    started(shop_web)  # SW1
    deploy(shop, "sh2", at(13, 10))  # SH2
    deploy(shop_web, "sw2", at(15, 10))  # SW2
    pagerduty.add_incident("PSW-1", "PSW", "Shop web down", at(15, 11), resolved_at=at(15, 13))
    deploy(shop_web, "sw3", at(15, 11.5))  # SW3, while PSW-1 is open


SPLIT_REPOSITORIES = ["acme/shop", "acme/shop-web"]

MV_ANN = component("mv", "group:ann", slug="acme/mv-target", pagerduty="PANN")
MV_MAX = component("mv-claim", "group:default/max", slug="ACME/MV-TARGET", pagerduty="PMAX")
MF_GOOD = component("mf", "group:mf-team", pagerduty="PMF")
# The owner written twice (README Troubleshooting: "a key written twice" is a malformed file).
MF_DUPLICATE_KEY = (
    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: mf\n"
    "  annotations:\n    pagerduty.com/service-id: PMF\n"
    "spec:\n  type: service\n  owner: group:mf-team\n  owner: group:thief\n"
)


def build_change(github: GitHubDataset, pagerduty: PagerDutyDataset) -> None:
    mv_a, mv_m, mv_z = (
        github.add_repo("acme/mv-a"),
        github.add_repo("acme/mv-m"),
        github.add_repo("acme/mv-z"),
    )
    mv_target = github.add_repo("acme/mv-target")
    mv_a.files[CATALOG] = MV_ANN
    mv_m.files[CATALOG] = MV_MAX
    for repo in (mv_a, mv_m, mv_z):
        plain(repo)
    started(mv_target)  # MT1
    deploy(mv_target, "mt2", at(11, 10))  # MT2
    pagerduty.add_incident("PANN-1", "PANN", "Ann alarm", at(11, 11), resolved_at=at(11, 12))
    deploy(mv_target, "mt3", at(11, 11.5))  # MT3, while PANN-1 is open
    pagerduty.add_incident("PMAX-1", "PMAX", "Max alarm", at(11, 14), resolved_at=at(11, 16))
    deploy(mv_target, "mt4", at(11, 15))  # MT4, while PMAX-1 is open

    mf = github.add_repo("acme/mf")
    mf.files[CATALOG] = MF_GOOD
    started(mf)  # MF1
    deploy(mf, "mf2", at(12, 10))  # MF2
    pagerduty.add_incident("PMF-1", "PMF", "MF alarm", at(12, 11), resolved_at=at(12, 13))


def change_files(github: GitHubDataset) -> None:
    """Between the two collects of the CHANGE organisation: component mv moves from acme/mv-a's file (the
    first in file order) to acme/mv-z's (the last); acme/mf's file gets its owner written twice."""
    del github.repos["acme/mv-a"].files[CATALOG]
    github.repos["acme/mv-z"].files[CATALOG] = MV_ANN
    github.repos["acme/mf"].files[CATALOG] = MF_DUPLICATE_KEY


CHANGE_REPOSITORIES = ["acme/mv-a", "acme/mv-m", "acme/mv-z", "acme/mv-target", "acme/mf"]


# ============================================================================================== harness


@dataclass
class Read:
    rows: Rows  # 30d rows by team
    repos: dict[str, tuple[str, str]]  # check-config: repo → (team, origin)
    services: dict[str, tuple[str, str]]  # check-config: PagerDuty service → (team, origin)
    warnings: list[str]  # check-config warning lines


def config_text(
    store: Path, repositories: list[str], teams: str, github_url: str, pd: PagerDutyEmulator | None
) -> str:
    repo_lines = "".join(f"    - {repo}\n" for repo in repositories)
    pagerduty = (
        f"pagerduty:\n  base_url: {pd.base_url}\n  token: ${{{PD_TOKEN_VARIABLE}}}\n"
        f"  ca_bundle: {pd.ca_file}\n"
        if pd is not None
        else ""
    )
    return (
        f"database:\n  url: duckdb:///{store}\n"
        f"github:\n  base_url: {github_url}\n  token: ${{{GH_TOKEN_VARIABLE}}}\n  since: 2026-02-01\n"
        f"  api: rest\n  repositories:\n{repo_lines}" + pagerduty + "catalog: {discover: true}\n"
        "incidents: {attribution_window: 24h}\n"
        "metrics: {windows: [30d]}\n" + teams
    )


def collect(config: Path) -> str:
    """``doraspace collect``; asserts exit 0 and returns what it printed (stdout and stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["collect", "--config", str(config)], now=NOW)
    assert status == 0, err.getvalue()
    return out.getvalue() + err.getvalue()


def read(config: Path) -> Read:
    rows = json.loads(run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF]))
    out = run_cli(["check-config", "--config", str(config)], now=NOW)
    repos: dict[str, tuple[str, str]] = {}
    services: dict[str, tuple[str, str]] = {}
    for line in out.splitlines():
        if found := MAP_LINE.match(line):
            kind, key, team, origin = found.groups()
            (repos if kind == "repo" else services)[key] = (team, origin)
    warnings = [line for line in out.splitlines() if line.startswith("warning: ")]
    return Read({row["team"]: row for row in rows if row["window"] == "30d"}, repos, services, warnings)


@contextlib.contextmanager
def emulators(github: GitHubDataset, pagerduty: PagerDutyDataset) -> Iterator[tuple[str, PagerDutyEmulator]]:
    with (
        pytest.MonkeyPatch.context() as patch,
        GitHubEmulator(github, token=GH_TOKEN) as gh,
        PagerDutyEmulator(pagerduty, token=PD_TOKEN) as pd,
    ):
        patch.setenv(GH_TOKEN_VARIABLE, GH_TOKEN)
        patch.setenv(PD_TOKEN_VARIABLE, PD_TOKEN)
        yield gh.base_url, pd


@dataclass
class MainRead:
    read: Read
    collect: str
    listed_services: set[str]  # every service_ids[] a PagerDuty /incidents request named


@pytest.fixture(scope="module")
def main_world(tmp_path_factory: pytest.TempPathFactory) -> MainRead:
    github, pagerduty = GitHubDataset(), PagerDutyDataset()
    build_main(github, pagerduty)
    directory = tmp_path_factory.mktemp("r14-catalog-main")
    with emulators(github, pagerduty) as (github_url, pd):
        config = directory / "main.yaml"
        config.write_text(
            config_text(directory / "main.duckdb", MAIN_REPOSITORIES, MAIN_TEAMS, github_url, pd)
        )
        printed = collect(config)
        listed = {
            service
            for record in pd.requests
            if record.path.endswith("/incidents")
            for service in record.query.get("service_ids[]", [])
        }
        return MainRead(read(config), printed, listed)


@pytest.fixture(scope="module")
def names_world(tmp_path_factory: pytest.TempPathFactory) -> Read:
    github = GitHubDataset()
    build_names(github)
    directory = tmp_path_factory.mktemp("r14-catalog-names")
    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(github, token=GH_TOKEN) as gh:
        patch.setenv(GH_TOKEN_VARIABLE, GH_TOKEN)
        config = directory / "names.yaml"
        config.write_text(
            config_text(directory / "names.duckdb", NAMES_REPOSITORIES, NAMES_TEAMS, gh.base_url, None)
        )
        collect(config)
        return read(config)


@pytest.fixture(scope="module")
def split_world(tmp_path_factory: pytest.TempPathFactory) -> Read:
    github, pagerduty = GitHubDataset(), PagerDutyDataset()
    build_split(github, pagerduty)
    directory = tmp_path_factory.mktemp("r14-catalog-split")
    with emulators(github, pagerduty) as (github_url, pd):
        config = directory / "split.yaml"
        config.write_text(config_text(directory / "split.duckdb", SPLIT_REPOSITORIES, "", github_url, pd))
        collect(config)
        return read(config)


@dataclass
class ChangeReads:
    t1: Read  # store inc after the first collect
    t2: Read  # store inc after the second collect (the files changed in between)
    fresh: Read  # store fresh, collected once after the change
    collect2: str  # what inc's second collect printed


@pytest.fixture(scope="module")
def change_world(tmp_path_factory: pytest.TempPathFactory) -> ChangeReads:
    github, pagerduty = GitHubDataset(), PagerDutyDataset()
    build_change(github, pagerduty)
    directory = tmp_path_factory.mktemp("r14-catalog-change")
    with emulators(github, pagerduty) as (github_url, pd):
        configs = {}
        for name in ("inc", "fresh"):
            configs[name] = directory / f"{name}.yaml"
            configs[name].write_text(
                config_text(directory / f"{name}.duckdb", CHANGE_REPOSITORIES, "", github_url, pd)
            )
        collect(configs["inc"])
        t1 = read(configs["inc"])
        change_files(github)
        collect2 = collect(configs["inc"])
        collect(configs["fresh"])
        return ChangeReads(t1, read(configs["inc"]), read(configs["fresh"]), collect2)


def pagerduty_only(rows: Rows, team: str, *, incidents: int, restore: tuple[float, float]) -> None:
    """A team owning PagerDuty services only (docs/metrics.md "Teams": 0 deployments, its incidents and
    restore times); recovery falls back to the restore p50 (SPEC §6.3): ≥ 1 h and < 24 h → high."""
    check_team_row(
        rows,
        team,
        deployments=0,
        lead=(None, None),
        cfr=None,
        recovery=None,
        incidents=incidents,
        restore=restore,
        rework=None,
        row_bands=bands("low", None, None, "high"),
    )


# ============================================================================================== MAIN


def test_multi_document_owner_spellings_fold_into_a_configured_pagerduty_only_team(
    main_world: MainRead,
) -> None:
    """M. acme/orders's file: (1) Group order-team, (2) System orders-system (``group:sys-team``, slug
    acme/orders-web, PSYS), (3) Component orders-api (``Group:Default/Order-Team``, PAPI), (4) API
    orders-openapi (``group:api-team``, slug ``ACME/ORDERS-WEB``), (5) ``kind: component`` orders-web
    (``order-team``, slug ``ACME/Orders-Web``). ``teams:`` has ``Order-Team`` with PORD and no repository.

    Only (3) and (5) give ownership (SPEC §4 "Only kind: Component documents give ownership"; Backstage
    reads kinds whatever their case). Both owners are team Order-Team: kind ``Group``/``group``, namespace
    ``Default``/absent, name ``Order-Team``/``order-team`` (SPEC §4 spellings; docs/metrics.md "A catalog
    owner is compared whatever its letter case … Billing is the configured team billing"). The slug in
    another case names the collected acme/orders-web (docs/configuration.md "Repository names … compared
    case-insensitively"). Services: orders-api = {acme/orders} with PAPI; orders-web = {acme/orders-web};
    PORD (a ``teams:`` service) belongs to every repo of Order-Team, so to both services. PSYS is named by
    a System only: in no map, so not collected (SPEC §4): PSYS-1 counts nowhere, W3 during it is no rework.

    O1, W1 first. O2 02 10:00; W2 02 11:00. PORD-1 02 12:00 → 14:00: latest of orders-api O2 (2 h) →
    failed, latest of orders-web W2 (1 h) → failed. O3 02 13:00 while PORD-1 is open → rework. PAPI-1 03
    09:00 → 10:00: latest of orders-api O3 (20 h ≤ 24 h) → failed. W3 04 10:00.
    Order-Team: deployments 6 (O1–O3, W1–W3); lead 1/1 (four changes of 1 h); CFR 3/6; recoveries O2 14:00 −
    10:00 = 4, W2 14:00 − 11:00 = 3, O3 03 10:00 − 02 13:00 = 21 → p50 4.0; incidents 2; restore 2, 1 → p50
    1.5, p90 1 + 0.9 × 1 = 1.9; rework 1/6. Bands: 6/30 = 0.2 ≥ 1/7 high, elite, 50 % low, 4 h high. No row
    for ``order-team``, sys-team or api-team.
    """
    rows = main_world.read.rows
    check_team_row(
        rows,
        "Order-Team",
        deployments=6,
        cfr=3 / 6,
        recovery=4.0,
        incidents=2,
        restore=(1.5, 1.9),
        rework=1 / 6,
        row_bands=bands("high", "elite", "low", "high"),
    )
    assert not {"order-team", "sys-team", "api-team"} & set(rows)
    # SPEC §4 "PagerDuty services that are neither in the ownership map nor in service_ids are not collected".
    assert "PSYS" not in main_world.listed_services
    assert {"PORD", "PAPI"} <= main_world.listed_services


def test_user_owner_other_namespace_and_a_slug_to_a_repository_not_collected(main_world: MainRead) -> None:
    """U. acme/ledger's file: ledger (``user:default/alice``, PLEDGER), ledger-jobs (``group:other/fin-team``,
    slug acme/ledger-jobs, PJOBS), ledger-archive (``group:fin-team``, slug acme/ledger-archive, PARCH);
    acme/ledger-archive exists on GitHub (with deployments) but is not in ``github.repositories``.

    A user is no team (module doc): acme/ledger and PLEDGER are unowned, PLEDGER is collected and fails
    acme/ledger's deployments (docs/metrics.md rule 4 "A component with no owner leaves its repository and
    its PagerDuty service to unowned: the service is collected, and its incidents can fail that
    repository's deployments"). ``group:other/fin-team`` and ``group:fin-team`` are one team fin-team
    (module doc). PARCH is fin-team's (it is in the map), so collected, and its incidents count for
    fin-team (SPEC §6 "Team metrics cover the repos and PagerDuty services the team owns"); its service
    ledger-archive has no collected repo, so it fails nothing and reworks nothing; acme/ledger-archive's
    deployments count nowhere ("*" covers "everything collected").

    L1, J1 first. L2 05 10:00. PLEDGER-1 05 11:00 → 12:00: latest of service ledger is L2 (1 h) → failed,
    recovery 2 h (unowned). J2 05 11:30 (PLEDGER-1 open: another service, no rework). PARCH-1 05 12:00 →
    13:00; J3 05 12:30 while it is open: no rework; J2 not failed. PJOBS-1 06 10:00 → 10:30: latest of
    ledger-jobs J3 (21.5 h ≤ 24 h) → failed, recovery 06 10:30 − 05 12:30 = 22 h.
    fin-team: deployments 3; lead 1/1; CFR 1/3; recovery 22.0; incidents 2 (PARCH-1, PJOBS-1); restore 1,
    0.5 → p50 0.75, p90 0.5 + 0.9 × 0.5 = 0.95; rework 0/3. Bands: 3/30 medium, elite, low, 22 h high.
    No row for alice, ``other/fin-team`` or ``user:default/alice``.
    """
    rows = main_world.read.rows
    check_team_row(
        rows,
        "fin-team",
        deployments=3,
        cfr=1 / 3,
        recovery=22.0,
        incidents=2,
        restore=(0.75, 0.95),
        rework=0.0,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    assert not {team for team in rows if "alice" in team or "/" in team}
    assert {"PLEDGER", "PJOBS", "PARCH"} <= main_world.listed_services


def test_contested_repos_with_teams_taking_the_winners_service_and_giving_a_repo_to_the_loser(
    main_world: MainRead,
) -> None:
    """C. acme/alpha's file: target-a (``group:team-a``, slug acme/target, PTA), target2-a (``group:team-a``,
    slug acme/target2, PTA2). acme/Beta's file: target-b (``group:default/team-b``, slug ``ACME/Target``,
    PTB), target2-b (``team-b``, slug ``acme/TARGET2``, PTB2). ``teams:`` gives PTA to team-c and acme/target2
    to team-b.

    File order: "acme/alpha" before "acme/Beta" letter case aside (docs/metrics.md rule 4 "the catalog
    files ordered by the name of the repository holding them (letter case aside, then exactly)"; exactly,
    "B" < "a"), so target-a wins acme/target for team-a, with a warning (SPEC §4). PTA is team-c's whatever
    the catalog says and "belong[s] to that team's repositories only" (docs rule 4): team-c has none, so
    PTA-1 fails nothing and T3 is no rework. PTB stays team-b's, but its component lost acme/target: "that
    service's incidents still count for its own team but fail none of the repository's deployments" (docs
    rule 4): T4 is no rework, T2/T3 not failed by it. acme/target2 is team-b's by ``teams:``, another team
    than its first component's owner: it "leaves the component and is its own service"; PTA2 (team-a's,
    repo given away) fails none of it; PTB2 (target2-b, whose owner team-b owns the repo) belongs to it.

    acme/target: T1 first; T2 07 10:00; PTA-1 07 11:00 → 12:00; T3 07 11:30; PTB-1 07 13:00 → 15:00; T4 07
    14:00; issue in acme/target 07 16:00 → 18:00: latest of target-a T4 (2 h) → failed, recovery 4 h.
    acme/target2: U1 first; U2 08 10:00; PTA2-1 08 11:00 → 12:00; U3 08 11:30 (no rework); PTB2-1 08 13:00 →
    14:00: latest of acme/target2 U3 (1.5 h) → failed, recovery 14:00 − 11:30 = 2.5 h; U4 08 13:30 while
    PTB2-1 is open → rework.
    team-a: deployments 4 (T1–T4); CFR 1/4; recovery 4.0; incidents 2 (issue 2 h, PTA2-1 1 h); restore p50
    1.5, p90 1.9; rework 0/4. Bands: 4/30 medium, elite, 25 % low, 4 h high.
    team-b: deployments 4 (U1–U4); CFR 1/4; recovery 2.5; incidents 2 (PTB-1 2 h, PTB2-1 1 h); restore 1.5,
    1.9; rework 1/4. Bands: medium, elite, low, high.
    team-c: PagerDuty only: incidents 1 (PTA-1, 1 h); restore 1.0.
    """
    rows = main_world.read.rows
    check_team_row(
        rows,
        "team-a",
        deployments=4,
        cfr=1 / 4,
        recovery=4.0,
        incidents=2,
        restore=(1.5, 1.9),
        rework=0.0,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    check_team_row(
        rows,
        "team-b",
        deployments=4,
        cfr=1 / 4,
        recovery=2.5,
        incidents=2,
        restore=(1.5, 1.9),
        rework=1 / 4,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    pagerduty_only(rows, "team-c", incidents=1, restore=(1.0, 1.0))


def test_yaml_1_2_names_fold_into_one_service_across_files_beside_a_date_named_component(
    main_world: MainRead,
) -> None:
    """Y. acme/no-api's file: component ``no`` (owner ``no``, PNO). acme/no-web's file: component ``No``
    (owner ``group:default/No``), then component ``2026-03-09`` (owner ``no``, slug acme/no-date). All
    unquoted: YAML 1.1 would read ``no``/``No`` as false and ``2026-03-09`` as a date; Backstage reads YAML
    1.2, where they are text (README Troubleshooting "The file is read as Backstage reads it (YAML 1.2):
    no, 2026-01-01 and 0123 are text there").

    One team spelled ``no`` (acme/no-api's file first in file order; docs/metrics.md "catalog owners Billing
    and billing are one team, spelled as first met in file order"). ``no`` and ``No`` are one service
    (docs/metrics.md rule 4 "components are told apart by metadata.name … whatever its letter case"):
    {acme/no-api, acme/no-web} with PNO; ``2026-03-09`` is another: {acme/no-date}.

    N1, NW1, ND1 first. NW2 09 08:00; N2 09 09:00. PNO-1 09 10:00 → 11:00: latest of service no is N2 (1 h)
    → failed, recovery 2 h. ND2 09 10:15 (another service: no rework). NW3 09 10:30 while PNO-1 is open →
    rework. Issue in acme/no-web 10 09:00 → 10:00: latest of service no NW3 (22.5 h) → failed, recovery 10
    10:00 − 09 10:30 = 23.5 h.
    no: deployments 7; lead 1/1; CFR 2/7; recoveries 2, 23.5 → p50 12.75; incidents 2; restore 1, 1; rework
    1/7. Bands: 7/30 high, elite, low, 12.75 h high. No row ``No``, ``false`` or ``False``.
    """
    rows = main_world.read.rows
    check_team_row(
        rows,
        "no",
        deployments=7,
        cfr=2 / 7,
        recovery=12.75,
        incidents=2,
        restore=(1.0, 1.0),
        rework=1 / 7,
        row_bands=bands("high", "elite", "low", "high"),
    )
    assert not {"No", "false", "False"} & set(rows)


def test_pagerduty_service_named_by_two_owners_fails_and_reworks_the_first_ones_repo_only(
    main_world: MainRead,
) -> None:
    """P. acme/ps-one's file: ps-one (``group:team-s``, PSH); acme/ps-two's file: ps-two (``team-t``, PSH).
    The first in file order (acme/ps-one) gets PSH, with a warning (module doc reading). PSH then belongs
    to ps-one's repository only: ps-two's owner does not own PSH (docs rule 4: a component's PagerDuty
    service belongs to its repository "only while the component's owner owns it").

    S1, Q1 first. S2 13 08:00; Q2 13 09:00. PSH-1 13 10:00 → 12:00: latest of ps-one S2 (2 h) → failed,
    recovery 4 h; Q2 (1 h before, service ps-two) not. Q3 13 11:00 (no rework); S3 13 11:30 → rework.
    team-s: deployments 3; CFR 1/3; recovery 4.0; incidents 1; restore 2; rework 1/3. Bands: 3/30 medium,
    elite, low, high.
    team-t: deployments 3; CFR 0; recovery null; incidents 0; restore null; rework 0. Bands: medium,
    elite, elite, null.
    """
    rows = main_world.read.rows
    check_team_row(
        rows,
        "team-s",
        deployments=3,
        cfr=1 / 3,
        recovery=4.0,
        incidents=1,
        restore=(2.0, 2.0),
        rework=1 / 3,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    check_team_row(
        rows,
        "team-t",
        deployments=3,
        cfr=0.0,
        recovery=None,
        incidents=0,
        restore=(None, None),
        rework=0.0,
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_main_ownership_map_and_warnings(main_world: MainRead) -> None:
    """check-config after the collect: the whole map (SPEC §2), as each island's test reads it. Repos in
    GitHub's spelling (acme/Beta), origins config / catalog / unowned. acme/ledger-archive is listed
    (named by the catalog, module doc), PSYS is not (a System's). Warnings (SPEC §4 "the first in file
    order wins, with a warning"): acme/target (team-a over team-b) and PSH (team-s over team-t)."""
    read = main_world.read
    assert read.repos == {
        "acme/alpha": ("unowned", "unowned"),
        "acme/Beta": ("unowned", "unowned"),
        "acme/ledger": ("unowned", "unowned"),
        "acme/ledger-archive": ("fin-team", "catalog"),
        "acme/ledger-jobs": ("fin-team", "catalog"),
        "acme/no-api": ("no", "catalog"),
        "acme/no-date": ("no", "catalog"),
        "acme/no-web": ("no", "catalog"),
        "acme/orders": ("Order-Team", "catalog"),
        "acme/orders-web": ("Order-Team", "catalog"),
        "acme/ps-one": ("team-s", "catalog"),
        "acme/ps-two": ("team-t", "catalog"),
        "acme/target": ("team-a", "catalog"),
        "acme/target2": ("team-b", "config"),
    }
    assert read.services == {
        "PAPI": ("Order-Team", "catalog"),
        "PARCH": ("fin-team", "catalog"),
        "PJOBS": ("fin-team", "catalog"),
        "PLEDGER": ("unowned", "unowned"),
        "PNO": ("no", "catalog"),
        "PORD": ("Order-Team", "config"),
        "PSH": ("team-s", "catalog"),
        "PTA": ("team-c", "config"),
        "PTA2": ("team-a", "catalog"),
        "PTB": ("team-b", "catalog"),
        "PTB2": ("team-b", "catalog"),
    }
    target = [w for w in read.warnings if w.startswith("warning: repo acme/target:")]
    assert len(target) == 1 and "team-a" in target[0] and "team-b" in target[0], read.warnings
    assert "acme/alpha" in target[0] and "acme/Beta" in target[0]
    shared = [w for w in read.warnings if w.startswith("warning: pagerduty PSH:")]
    assert len(shared) == 1 and "team-s" in shared[0] and "team-t" in shared[0], read.warnings
    # Nothing in the catalog is malformed here: no file is reported skipped.
    assert "skipped" not in main_world.collect


def test_main_team_set_unowned_and_organisation_rows(main_world: MainRead) -> None:
    """Rows: "*" and every team owning a collected repository or a collected PagerDuty service, unowned
    among them (docs/metrics.md "Teams").

    unowned: acme/ledger (L1, L2; L2 failed by PLEDGER-1, recovery 2 h), acme/alpha and acme/Beta (no
    deployment). Deployments 2; lead 1/1; CFR 1/2; recovery 2.0; incidents 1 (PLEDGER-1, 1 h); restore 1;
    rework 0. Bands: 2/30 medium, elite, low, high.

    "*": deployments M 6 + U 5 (L1, L2, J1–J3) + C 8 + Y 7 + P 6 = 32 (acme/ledger-archive's not); 21 lead
    times of 1 h (32 − 11 first deployments). Failed O2, W2, O3, L2, J3, T4, U3, N2, NW3, S2 = 10 → CFR
    10/32. Recoveries 4, 3, 21, 2, 22, 4, 2.5, 2, 23.5, 4 → sorted 2, 2, 2.5, 3, 4, 4, 4, 21, 22, 23.5 → p50
    (position 4.5) 4.0. Incidents PORD-1, PAPI-1, PLEDGER-1, PARCH-1, PJOBS-1, PTA-1, PTB-1, the target issue,
    PTA2-1, PTB2-1, PNO-1, the no-web issue, PSH-1 = 13 (PSYS-1 not collected). Restore 0.5, eight of 1,
    four of 2 → p50 (position 6) 1.0, p90 (position 10.8) 2.0. Rework O3, U4, NW3, S3 = 4/32. Bands: 32/30
    elite, elite, low, 4 h high.
    """
    rows = main_world.read.rows
    assert set(rows) == {
        "*",
        "Order-Team",
        "fin-team",
        "team-a",
        "team-b",
        "team-c",
        "no",
        "team-s",
        "team-t",
        "unowned",
    }
    check_team_row(
        rows,
        "unowned",
        deployments=2,
        cfr=1 / 2,
        recovery=2.0,
        incidents=1,
        restore=(1.0, 1.0),
        rework=0.0,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    check_team_row(
        rows,
        "*",
        deployments=32,
        cfr=10 / 32,
        recovery=4.0,
        incidents=13,
        restore=(1.0, 2.0),
        rework=4 / 32,
        row_bands=bands("elite", "elite", "low", "high"),
    )


# ============================================================================================== NAMES


def test_component_named_like_a_repository_is_not_that_repositorys_service(names_world: Read) -> None:
    """NAMES. acme/api's file: a component whose ``metadata.name`` is ``acme/web`` (owner ``x-team``);
    acme/web has no catalog file. ``teams:`` gives acme/api to x-team (its component's own owner, so it
    stays in the component, docs rule 4).

    SPEC §4: "A service is a Backstage Component (kind: Component, metadata.name) … A repo with no component
    is its own service". acme/web has no component: it is its own service, which is not the component
    named ``acme/web`` that acme/api belongs to. (Backstage itself refuses a name with a slash, and the
    collector calls slashes in entity names typos; read as malformed and skipped, acme/api is x-team's by
    ``teams:`` and its own service: the same numbers.)

    A1, B1 first. B2 (acme/web) 14 08:00; A2 (acme/api) 14 10:00. Issue in acme/web 14 11:00 → 12:00: an
    incident of acme/web's service, whose latest deployment is B2 (3 h ≤ 24 h) → B2 failed, recovery 12:00
    − 08:00 = 4 h; A2 is another service's. A3 (acme/api) 14 11:30 while the issue is open: not its
    service's incident → no rework.
    x-team: deployments 3; lead 1/1; CFR 0; recovery null; incidents 0; rework 0. Bands: 3/30 medium,
    elite, elite, null.
    unowned: deployments 2; lead 1/1; CFR 1/2; recovery 4.0; incidents 1; restore 1; rework 0. Bands:
    medium, elite, low, high.
    "*": deployments 5; lead 1/1 (three changes); CFR 1/5; recovery 4.0; incidents 1; restore 1; rework 0.
    Bands: 5/30 high, elite, 20 % low, 4 h high.

    Found by this round, and fixed (collector/catalog.py refuses the name, as Backstage does): services
    are plain strings in ``analytics/ownership.py`` (``repo_service``: a component's name, or the
    repository's own name when it has none), so acme/api (service "acme/web", the component) and acme/web
    (service "acme/web", itself) were one service: the issue failed A2 (x-team CFR 1/3, recovery 2 h)
    instead of B2 (unowned CFR 0) and A3 is rework (x-team 1/3; "*" rework 1/5, recovery 2 h).
    """
    rows = names_world.rows
    assert names_world.repos == {
        "acme/api": ("x-team", "config"),
        "acme/web": ("unowned", "unowned"),
    }
    check_team_row(
        rows,
        "x-team",
        deployments=3,
        cfr=0.0,
        recovery=None,
        incidents=0,
        restore=(None, None),
        rework=0.0,
        row_bands=bands("medium", "elite", "elite", None),
    )
    check_team_row(
        rows,
        "unowned",
        deployments=2,
        cfr=1 / 2,
        recovery=4.0,
        incidents=1,
        restore=(1.0, 1.0),
        rework=0.0,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    check_team_row(
        rows,
        "*",
        deployments=5,
        cfr=1 / 5,
        recovery=4.0,
        incidents=1,
        restore=(1.0, 1.0),
        rework=0.0,
        row_bands=bands("high", "elite", "low", "high"),
    )


# ============================================================================================== SPLIT


def test_pagerduty_service_of_a_component_sharing_its_repo_reaches_the_components_other_repo(
    split_world: Read,
) -> None:
    """SPLIT. acme/shop's file: shop-core (``group:team-k``), then shop-web (``team-k``, PSW), both living in
    acme/shop (no slug: a monorepo of two components). acme/shop-web's file: shop-web again
    (``group:default/team-k``). One owner throughout: no conflict, no warning.

    SPEC §4: "A service is a Backstage Component (kind: Component, metadata.name)"; "pagerduty.com/service-id
    names its PagerDuty service"; the slug (default: the file's repo) "names the repo a component lives in".
    So component shop-web lives in acme/shop-web (its only component) and its PagerDuty service is PSW.
    §6.1 rule 4: an incident "on a PagerDuty service or repo of F's service … and F is the latest deployment
    of that service before the incident started" fails F. docs/metrics.md: components are told apart by
    ``metadata.name`` (shop-web in two files is one service, as the Cart/cart fix reads it).

    SH1, SW1 first. SH2 (acme/shop) 13 10:00. SW2 (acme/shop-web) 15 10:00. PSW-1 15 11:00 → 13:00: an
    incident of shop-web's PagerDuty service; the latest deployment of shop-web before it is SW2 (1 h ≤ 24 h),
    whether or not acme/shop counts in shop-web too (SH2 is 49 h older) → SW2 failed, recovery 13:00 − 10:00
    = 3 h. SH2 is failed under no reading (49 h > 24 h). SW3 (acme/shop-web) 15 11:30 while PSW-1, an
    incident of its service, is open → rework.
    team-k (and "*", the same repos and service): deployments 5; lead 1/1 (SH2, SW2, SW3); CFR 1/5;
    recovery 3.0; incidents 1; restore 2; rework 1/5. Bands: 5/30 high, elite, 20 % low, 3 h high.

    Found by this round, and fixed (the PagerDuty service now also belongs to the component's own
    service): acme/shop's service is shop-core (the first component naming it), and ``resolve_ownership``
    linked PSW to ``repo_service[acme/shop]`` (shop-core), not to shop-web: PSW-1 looks for shop-core's latest
    deployment (SH2, too old) and fails nothing; SW3 is no rework (CFR 0, rework 0, recovery null).
    """
    assert split_world.repos == {"acme/shop": ("team-k", "catalog"), "acme/shop-web": ("team-k", "catalog")}
    assert split_world.services == {"PSW": ("team-k", "catalog")}
    assert split_world.warnings == []
    assert set(split_world.rows) == {"*", "team-k"}
    for team in ("team-k", "*"):
        check_team_row(
            split_world.rows,
            team,
            deployments=5,
            cfr=1 / 5,
            recovery=3.0,
            incidents=1,
            restore=(2.0, 2.0),
            rework=1 / 5,
            row_bands=bands("high", "elite", "low", "high"),
        )


# ============================================================================================== CHANGE


def test_component_moved_to_the_last_file_hands_a_contested_repo_to_the_other_claim(
    change_world: ChangeReads,
) -> None:
    """CHANGE, mv. Collect 1: acme/mv-a's file: mv (``group:ann``, slug acme/mv-target, PANN); acme/mv-m's
    file: mv-claim (``group:default/max``, slug ``ACME/MV-TARGET``, PMAX); acme/mv-z: no file. acme/mv-a is
    first in file order → ann owns acme/mv-target (service mv, PANN linked); PMAX is max's and fails nothing
    (docs rule 4). Between the collects the same mv document moves to acme/mv-z's file (acme/mv-a's is
    deleted; acme/mv-m's unchanged, a 304): acme/mv-m's claim is now first → max owns acme/mv-target (service
    mv-claim, PMAX linked), PANN stays ann's and fails nothing. The re-synced store equals a fresh one here
    (SPEC §5 re-syncing updates in place; nothing in the docs keeps a moved claim).

    MT1 first; MT2 11 10:00; PANN-1 11 11:00 → 12:00; MT3 11 11:30; PMAX-1 11 14:00 → 16:00; MT4 11 15:00.
    Collect 1: PANN-1 fails MT2 (1 h; recovery 2 h); MT3 rework (PANN-1 open); PMAX-1 fails nothing, MT4
    no rework. ann: deployments 4; CFR 1/4; recovery 2.0; incidents 1; restore 1; rework 1/4; bands 4/30
    medium, elite, low, high. max: PagerDuty only, PMAX-1 (2 h).
    Collect 2: PMAX-1 fails MT3 (latest before 14:00, 2.5 h; recovery 16:00 − 11:30 = 4.5 h); MT4 rework;
    MT2 not failed, MT3 no rework. max: deployments 4; CFR 1/4; recovery 4.5; incidents 1; restore 2;
    rework 1/4; same bands. ann: PagerDuty only, PANN-1 (1 h).
    check-config: acme/mv-target → ann, then max (catalog), with the warning naming the winner.
    """
    t1, t2, fresh = change_world.t1, change_world.t2, change_world.fresh
    check_team_row(
        t1.rows,
        "ann",
        deployments=4,
        cfr=1 / 4,
        recovery=2.0,
        incidents=1,
        restore=(1.0, 1.0),
        rework=1 / 4,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    pagerduty_only(t1.rows, "max", incidents=1, restore=(2.0, 2.0))
    for after in (t2, fresh):
        check_team_row(
            after.rows,
            "max",
            deployments=4,
            cfr=1 / 4,
            recovery=4.5,
            incidents=1,
            restore=(2.0, 2.0),
            rework=1 / 4,
            row_bands=bands("medium", "elite", "low", "high"),
        )
        pagerduty_only(after.rows, "ann", incidents=1, restore=(1.0, 1.0))
    assert t1.repos["acme/mv-target"] == ("ann", "catalog")
    assert t2.repos["acme/mv-target"] == fresh.repos["acme/mv-target"] == ("max", "catalog")
    for before_or_after, winner, loser in ((t1, "ann", "max"), (t2, "max", "ann"), (fresh, "max", "ann")):
        (warning,) = [w for w in before_or_after.warnings if w.startswith("warning: repo acme/mv-target:")]
        assert warning.index(winner) < warning.index(loser), warning


def test_file_malformed_by_a_key_written_twice_keeps_its_previous_owner_and_service(
    change_world: ChangeReads,
) -> None:
    """CHANGE, mf. Collect 1: acme/mf's file: mf (``group:mf-team``, PMF). Between the collects the file
    writes ``spec.owner`` twice (``group:mf-team`` then ``group:thief``). SPEC §4 "A malformed catalog file
    is reported (repo, reason) and skipped whole; it never stops a sync"; README Troubleshooting: "a key
    written twice … the repo keeps its previous owner". So the re-synced store keeps mf-team (and PMF, still
    in the map, still collected and linked), never ``thief``; a fresh store never read a good file: acme/mf
    is unowned and PMF in no map, not collected (SPEC §4), PMF-1 counts nowhere.

    MF1 first; MF2 12 10:00; PMF-1 12 11:00 → 13:00: latest of mf MF2 (1 h) → failed, recovery 3 h.
    inc (both collects): mf-team: deployments 2; CFR 1/2; recovery 3.0; incidents 1; restore 2; rework 0;
    bands 2/30 medium, elite, low, high. unowned: acme/mv-a, mv-m, mv-z, no deployment: 0, nulls, bands
    low, null, null, null.
    fresh: no mf-team row; unowned: MF1, MF2: deployments 2; CFR 0; recovery null; incidents 0; rework 0;
    bands medium, elite, elite, null.
    """
    t1, t2, fresh = change_world.t1, change_world.t2, change_world.fresh
    for kept in (t1, t2):
        check_team_row(
            kept.rows,
            "mf-team",
            deployments=2,
            cfr=1 / 2,
            recovery=3.0,
            incidents=1,
            restore=(2.0, 2.0),
            rework=0.0,
            row_bands=bands("medium", "elite", "low", "high"),
        )
        check_team_row(
            kept.rows,
            "unowned",
            deployments=0,
            lead=(None, None),
            cfr=None,
            recovery=None,
            incidents=0,
            restore=(None, None),
            rework=None,
            row_bands=bands("low", None, None, None),
        )
        assert kept.repos["acme/mf"] == ("mf-team", "catalog")
        assert kept.services["PMF"] == ("mf-team", "catalog")
        assert "thief" not in kept.rows
    reported = [line for line in change_world.collect2.splitlines() if "acme/mf" in line and CATALOG in line]
    assert reported, change_world.collect2
    assert "mf-team" not in fresh.rows and "thief" not in fresh.rows
    assert fresh.repos["acme/mf"] == ("unowned", "unowned")
    assert "PMF" not in fresh.services
    check_team_row(
        fresh.rows,
        "unowned",
        deployments=2,
        cfr=0.0,
        recovery=None,
        incidents=0,
        restore=(None, None),
        rework=0.0,
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_change_world_resync_equals_a_fresh_store_but_for_the_malformed_file(
    change_world: ChangeReads,
) -> None:
    """CHANGE, the stores side by side. Every row and map line of the re-synced store equals the fresh
    store's but those the malformed file decides (module doc): acme/mf, PMF, mf-team, unowned and "*".

    "*" (inc after collect 2): deployments MT1–MT4, MF1, MF2 = 6; lead 1/1 (four changes); failed MT3, MF2 →
    2/6; recoveries 4.5, 3 → p50 3.75; incidents PANN-1, PMAX-1, PMF-1 = 3; restore 1, 2, 2 → p50 2.0, p90
    2.0; rework MT4 → 1/6. Bands: 6/30 high, elite, low, 3.75 h high.
    "*" (fresh): failed MT3 only → 1/6; recovery 4.5; incidents 2; restore 1, 2 → p50 1.5, p90 1.9; rework
    1/6. Bands: high, elite, 16.7 % low, high.
    """
    t2, fresh = change_world.t2, change_world.fresh
    decided_by_the_malformed_file = {"mf-team", "unowned", "*"}
    assert {team: row for team, row in t2.rows.items() if team not in decided_by_the_malformed_file} == {
        team: row for team, row in fresh.rows.items() if team not in decided_by_the_malformed_file
    }
    assert {repo: owner for repo, owner in t2.repos.items() if repo != "acme/mf"} == {
        repo: owner for repo, owner in fresh.repos.items() if repo != "acme/mf"
    }
    assert {s: owner for s, owner in t2.services.items() if s != "PMF"} == fresh.services
    check_team_row(
        t2.rows,
        "*",
        deployments=6,
        cfr=2 / 6,
        recovery=3.75,
        incidents=3,
        restore=(2.0, 2.0),
        rework=1 / 6,
        row_bands=bands("high", "elite", "low", "high"),
    )
    check_team_row(
        fresh.rows,
        "*",
        deployments=6,
        cfr=1 / 6,
        recovery=4.5,
        incidents=2,
        restore=(1.5, 1.9),
        rework=1 / 6,
        row_bands=bands("high", "elite", "low", "high"),
    )
