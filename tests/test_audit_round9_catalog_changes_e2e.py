"""Audit, round 9: Backstage ``catalog-info.yaml`` files that change between two syncs × ownership × the
metrics, end to end (emulated GitHub and PagerDuty → ``doraspace collect`` → ``metrics --format json`` and
``check-config``). SPEC §3 ``catalog.discover``, §4, §5 (re-sync in place), §6, §6.1 rule 4, §6.2.

Property under test: sync at T1, the catalog files change, sync at T2 ⇒ the rows and the ownership map
equal those of a FRESH store synced once at T2 — and the hand-worked numbers below. One documented
exception: a file that is malformed at T2 is "reported (repo, reason) and skipped whole" (SPEC §4); SPEC
does not say whether the rows of its last good read stand. README (Troubleshooting: "the catalog file is
malformed; the repo keeps its previous owner") and ``collector/catalog.py`` ("the repository keeps the rows
of its last good read") decide it: the re-synced store keeps what T1 read, while a fresh store never read
the file. The foxtrot island asserts both, and the two stores differ exactly there.

Three reads, REST, ``--as-of 2026-03-20T00:00:00Z``, window 30d = (02-18 00:00, 03-20 00:00] (the bands
come from it): ``t1`` (store ``inc`` after sync 1), ``t2`` (store ``inc`` after sync 2), ``fresh`` (store
``fresh``, synced once after the changes). Repositories are discovered through ``organizations: [acme]``;
``github.since: 2026-02-01``; attribution window 24 h; default urgencies and rework labels. Config::

    pagerduty.service_ids: [PDJOB]
    teams: [{name: tango, repositories: [acme/aside]}]

Times are March 2026 UTC, ``at(day, hour)``. Each repo's first deployment is at 03-01 06:00 (compare
``first``: no lead time); each later one ships one commit authored an hour before it (lead 1 h), so every
team with a later deployment has lead p50 = p90 = 1.0 (elite). No PR is merged (every breakdown stage is
null); no incident text holds a hex word (rule 4, the window rule, is the only link). Percentiles are
``percentile_cont``: position p × (n − 1) in the sorted values. Bands (dora-2023): frequency n/30 per day —
2/30, 3/30, 4/30 medium; 5/30, 6/30, 8/30 high; 39/30 elite. CFR ≤ 5 % elite, ≤ 15 % medium, above
low. Recovery (p50 of failed-deployment recovery, else restore p50) ≥ 1 h and < 24 h: high. Reading as
in rounds 5/6: metrics use the ownership map of the last sync for every stored fact.

The islands (own repos, own teams, own services), the change between the syncs in brackets:

* **A** acme/amain's file: two documents of component alpha, ``group:default/anna`` (acme/amain, PALPHA)
  and ``anna`` (slug acme/aside); ``teams:`` gives acme/aside to tango. [Both owners become tango, spelled
  ``group:tango`` and ``group:default/tango``.]
* **B** acme/bolt's file: component bolt (``bravo``, PBOLT); acme/bsat's file: component bsat
  (``group:default/sierra``). [acme/bolt's file gains a second document, bolt (``group:bravo``) with slug
  acme/bsat: acme/bolt's file sorts first, so it wins acme/bsat from sierra, with a warning.]
* **C** acme/cat's file: cat-api (``charlie``, PCAT, acme/cat), cat-web (``group:default/delta``, slug
  acme/catweb). [The PagerDuty annotation moves from cat-api to cat-web.]
* **D** acme/dock's file: dock (``echo``, PDOCK), dock-jobs (``echo``, slug acme/dockjobs, PDJOB; PDJOB is
  also in ``service_ids``). [The dock-jobs document is removed.]
* **F** acme/fox's file: fox (``foxtrot``, PFOX), fox-ui (``foxtrot``, slug acme/foxui); acme/foxui has no
  file. [acme/fox's file becomes malformed (a good first document naming another owner, then a YAML
  error); acme/foxui gets a file of its own: component foxui (``golf``).]
* **H** acme/hub's file: hub (``hotel``); acme/hubx's file: hubx-claim (``india``, slug acme/hub, PHUB) —
  acme/hub's own file sorts first and wins, with a warning; acme/hubx has no component. [acme/hub's file
  is deleted.]
* **K** acme/kilo, default branch main, no catalog file. [The default branch is renamed main → trunk,
  and trunk has a file: component kilo (``juliet``, PKILO).]
* **L** acme/lima's file: component lima (``group:lteam``, PLIMA); acme/limb's file: component lima too
  (``lteam``, no annotation): one service (components are told apart by ``metadata.name``) of two repos.
  [acme/limb's component is renamed limb: two services.]
* **M** acme/mike's file: component mike (``group:default/mteam``, PMIKE). [Its owner becomes
  ``user:default/bob``, a user, not a group: a component with no owner.]
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
from tests.test_audit_ownership_attribution import catalog, component

AS_OF = "2026-03-20T00:00:00Z"
NOW = datetime(2026, 3, 20, tzinfo=UTC)
GH_TOKEN_VARIABLE = "AUDIT_ROUND9_CATALOG_CHANGES_GITHUB_TOKEN"
PD_TOKEN_VARIABLE = "AUDIT_ROUND9_CATALOG_CHANGES_PAGERDUTY_TOKEN"
GH_TOKEN = "audit-round9-catalog-changes-gh-token"
PD_TOKEN = "audit-round9-catalog-changes-pd-token"
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


# ------------------------------------------------------------------------------------------- the files

AMAIN_BEFORE = catalog(
    component("alpha", "group:default/anna", pagerduty="PALPHA"),
    component("alpha", "anna", slug="acme/aside"),
)
AMAIN_AFTER = catalog(
    component("alpha", "group:tango", pagerduty="PALPHA"),
    component("alpha", "group:default/tango", slug="acme/aside"),
)
BOLT_BEFORE = component("bolt", "bravo", pagerduty="PBOLT")
BOLT_AFTER = catalog(BOLT_BEFORE, component("bolt", "group:bravo", slug="acme/bsat"))
CAT_BEFORE = catalog(
    component("cat-api", "charlie", pagerduty="PCAT"),
    component("cat-web", "group:default/delta", slug="acme/catweb"),
)
CAT_AFTER = catalog(
    component("cat-api", "charlie"),
    component("cat-web", "group:default/delta", slug="acme/catweb", pagerduty="PCAT"),
)
DOCK_BEFORE = catalog(
    component("dock", "echo", pagerduty="PDOCK"),
    component("dock-jobs", "echo", slug="acme/dockjobs", pagerduty="PDJOB"),
)
DOCK_AFTER = component("dock", "echo", pagerduty="PDOCK")
FOX_BEFORE = catalog(
    component("fox", "foxtrot", pagerduty="PFOX"),
    component("fox-ui", "foxtrot", slug="acme/foxui"),
)
# A good first document giving fox (and PFOX) to another team, then an unclosed flow mapping.
FOX_BROKEN = catalog(
    component("fox", "group:default/thief", pagerduty="PFOX"),
    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: fox-ui\n"
    "  annotations: {github.com/project-slug: acme/foxui\nspec:\n  owner: group:default/thief\n",
)
FOXUI_AFTER = component("foxui", "golf")
HUB = component("hub", "hotel")
HUBX = component("hubx-claim", "india", slug="acme/hub", pagerduty="PHUB")
KILO_TRUNK = component("kilo", "juliet", pagerduty="PKILO")
LIMB_BEFORE = component("lima", "lteam")
LIMB_AFTER = component("limb", "lteam")
MIKE_BEFORE = component("mike", "group:default/mteam", pagerduty="PMIKE")
MIKE_AFTER = component("mike", "user:default/bob", pagerduty="PMIKE")


def build(github: GitHubDataset, pagerduty: PagerDutyDataset) -> None:
    # -- A
    amain, aside = github.add_repo("acme/amain"), github.add_repo("acme/aside")
    amain.files[CATALOG] = AMAIN_BEFORE
    started(amain)  # AM1
    started(aside)  # AS1
    deploy(amain, "am2", at(2, 8))  # AM2
    deploy(aside, "as2", at(2, 10))  # AS2
    pagerduty.add_incident("PALPHA-1", "PALPHA", "Alpha errors", at(2, 11), resolved_at=at(2, 13))
    deploy(aside, "as3", at(2, 12))  # AS3, while PALPHA-1 is open

    # -- B
    bolt, bsat = github.add_repo("acme/bolt"), github.add_repo("acme/bsat")
    bolt.files[CATALOG] = BOLT_BEFORE
    bsat.files[CATALOG] = component("bsat", "group:default/sierra")
    started(bolt)  # BO1
    started(bsat)  # BS1
    deploy(bolt, "bo2", at(4, 8))  # BO2
    deploy(bsat, "bs2", at(4, 10))  # BS2
    pagerduty.add_incident("PBOLT-1", "PBOLT", "Bolt slow", at(4, 11), resolved_at=at(4, 12))
    deploy(bsat, "bs3", at(4, 11.5))  # BS3, while PBOLT-1 is open

    # -- C
    cat, catweb = github.add_repo("acme/cat"), github.add_repo("acme/catweb")
    cat.files[CATALOG] = CAT_BEFORE
    started(cat)  # CA1
    started(catweb)  # CW1
    deploy(cat, "ca2", at(6, 8))  # CA2
    deploy(catweb, "cw2", at(6, 10))  # CW2
    pagerduty.add_incident("PCAT-1", "PCAT", "Cat pages blank", at(6, 11), resolved_at=at(6, 14))
    deploy(catweb, "cw3", at(6, 12))  # CW3, while PCAT-1 is open
    deploy(cat, "ca3", at(6, 12.5))  # CA3, while PCAT-1 is open

    # -- D
    dock, dockjobs = github.add_repo("acme/dock"), github.add_repo("acme/dockjobs")
    dock.files[CATALOG] = DOCK_BEFORE
    started(dock)  # DK1
    started(dockjobs)  # DJ1
    deploy(dockjobs, "dj2", at(9, 8))  # DJ2
    pagerduty.add_incident("PDJOB-1", "PDJOB", "Jobs stuck", at(9, 9), resolved_at=at(9, 10))
    deploy(dockjobs, "dj3", at(9, 9.5))  # DJ3, while PDJOB-1 is open
    deploy(dock, "dk2", at(9, 12))  # DK2

    # -- F
    fox, foxui = github.add_repo("acme/fox"), github.add_repo("acme/foxui")
    fox.files[CATALOG] = FOX_BEFORE
    started(fox)  # F1
    started(foxui)  # FU1
    deploy(fox, "f2", at(11, 8))  # F2
    deploy(foxui, "fu2", at(11, 10))  # FU2
    pagerduty.add_incident("PFOX-1", "PFOX", "Fox down", at(11, 11), resolved_at=at(11, 13))

    # -- H
    hub, hubx = github.add_repo("acme/hub"), github.add_repo("acme/hubx")
    hub.files[CATALOG] = HUB
    hubx.files[CATALOG] = HUBX
    started(hub)  # H1
    deploy(hub, "h2", at(13, 8))  # H2
    pagerduty.add_incident("PHUB-1", "PHUB", "Hub alarm", at(13, 9), resolved_at=at(13, 11))
    deploy(hub, "h3", at(13, 10))  # H3, while PHUB-1 is open

    # -- K
    kilo = github.add_repo("acme/kilo")
    started(kilo)  # K1
    deploy(kilo, "k2", at(15, 8))  # K2
    pagerduty.add_incident("PKILO-1", "PKILO", "Kilo errors", at(15, 9), resolved_at=at(15, 10))
    deploy(kilo, "k3", at(15, 12))  # K3, after PKILO-1 is resolved

    # -- L
    lima, limb = github.add_repo("acme/lima"), github.add_repo("acme/limb")
    lima.files[CATALOG] = component("lima", "group:lteam", pagerduty="PLIMA")
    limb.files[CATALOG] = LIMB_BEFORE
    started(lima)  # LA1
    started(limb)  # LB1
    deploy(lima, "la2", at(17, 8))  # LA2
    deploy(limb, "lb2", at(17, 10))  # LB2
    pagerduty.add_incident("PLIMA-1", "PLIMA", "Lima errors", at(17, 11), resolved_at=at(17, 12))
    deploy(lima, "la3", at(17, 11.5))  # LA3, while PLIMA-1 is open

    # -- M
    mike = github.add_repo("acme/mike")
    mike.files[CATALOG] = MIKE_BEFORE
    started(mike)  # M1
    deploy(mike, "m2", at(18, 8))  # M2
    pagerduty.add_incident("PMIKE-1", "PMIKE", "Mike down", at(18, 9), resolved_at=at(18, 10.5))
    deploy(mike, "m3", at(18, 10))  # M3, while PMIKE-1 is open


def change(github: GitHubDataset) -> None:
    """What happens on GitHub between sync 1 and sync 2."""
    repos = github.repos
    repos["acme/amain"].files[CATALOG] = AMAIN_AFTER
    repos["acme/bolt"].files[CATALOG] = BOLT_AFTER
    repos["acme/cat"].files[CATALOG] = CAT_AFTER
    repos["acme/dock"].files[CATALOG] = DOCK_AFTER
    repos["acme/fox"].files[CATALOG] = FOX_BROKEN
    repos["acme/foxui"].files[CATALOG] = FOXUI_AFTER
    del repos["acme/hub"].files[CATALOG]
    kilo = repos["acme/kilo"]
    kilo.branches["trunk"] = kilo.branches.pop("main")
    kilo.default_branch = "trunk"
    kilo.files[CATALOG] = KILO_TRUNK  # the emulator serves the default branch's files
    repos["acme/limb"].files[CATALOG] = LIMB_AFTER
    repos["acme/mike"].files[CATALOG] = MIKE_AFTER


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
    t1: Read
    t2: Read
    fresh: Read
    collect2: str  # what the re-sync printed (stdout and stderr)


def config_text(store: Path, github_url: str, pd: PagerDutyEmulator) -> str:
    return (
        f"database:\n  url: duckdb:///{store}\n"
        f"github:\n  base_url: {github_url}\n  token: ${{{GH_TOKEN_VARIABLE}}}\n  since: 2026-02-01\n"
        "  api: rest\n  organizations: [acme]\n"
        f"pagerduty:\n  base_url: {pd.base_url}\n  token: ${{{PD_TOKEN_VARIABLE}}}\n"
        f"  ca_bundle: {pd.ca_file}\n  service_ids: [PDJOB]\n"
        "catalog: {discover: true}\n"
        "incidents: {attribution_window: 24h}\n"
        "metrics: {windows: [30d]}\n"
        "teams:\n"
        "  - {name: tango, repositories: [acme/aside]}\n"
    )


def read(config: Path) -> Read:
    rows = json.loads(run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF]))
    out = run_cli(["check-config", "--config", str(config)], now=NOW)
    repos: dict[str, str] = {}
    services: dict[str, str] = {}
    for line in out.splitlines():
        if found := MAP_LINE.match(line):
            kind, key, team = found.groups()
            (repos if kind == "repo" else services)[key] = team
    warnings = [line for line in out.splitlines() if line.startswith("warning: ")]
    return Read({row["team"]: row for row in rows if row["window"] == "30d"}, repos, services, warnings)


@pytest.fixture(scope="module")
def reads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reads]:
    github, pagerduty = GitHubDataset(), PagerDutyDataset()
    build(github, pagerduty)
    directory = tmp_path_factory.mktemp("audit-round9-catalog-changes")
    with (
        pytest.MonkeyPatch.context() as patch,
        GitHubEmulator(github, token=GH_TOKEN) as gh,
        PagerDutyEmulator(pagerduty, token=PD_TOKEN) as pd,
    ):
        patch.setenv(GH_TOKEN_VARIABLE, GH_TOKEN)
        patch.setenv(PD_TOKEN_VARIABLE, PD_TOKEN)
        configs: dict[str, Path] = {}
        for name in ("inc", "fresh"):
            configs[name] = directory / f"{name}.yaml"
            configs[name].write_text(config_text(directory / f"{name}.duckdb", gh.base_url, pd))

        def collect(name: str) -> str:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = main(["collect", "--config", str(configs[name])], now=NOW)
            assert status == 0, err.getvalue()
            return out.getvalue() + err.getvalue()

        collect("inc")
        t1 = read(configs["inc"])
        change(github)
        collect2 = collect("inc")
        t2 = read(configs["inc"])
        collect("fresh")
        yield Reads(t1, t2, read(configs["fresh"]), collect2)


def no_failures(rows: Rows, team: str, deployments: int, frequency: str = "medium") -> None:
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


CONFLICT = re.compile(r"^warning: repo (\S+): owned by (\S+) from ")


def conflicts(read: Read) -> dict[str, str]:
    """check-config's "first in file order wins" warnings: repo → the winning owner."""
    found = [CONFLICT.match(line) for line in read.warnings]
    return {match[1]: match[2] for match in found if match}


def after(reads: Reads) -> list[Read]:
    """The re-synced store and the fresh store (for islands where they must agree)."""
    return [reads.t2, reads.fresh]


# ============================================================================================ the maps


def test_ownership_maps_after_each_sync(reads: Reads) -> None:
    """check-config's map lines.

    T1: amain → anna; aside → tango (``teams:``); bolt → bravo, bsat → sierra; cat → charlie, catweb →
    delta; dock, dockjobs → echo; fox, foxui → foxtrot; hub → hotel (acme/hub's own file sorts before
    acme/hubx's, whose claim loses: a warning); hubx → unowned (its file's only component names acme/hub);
    kilo → unowned (no file). PagerDuty: PALPHA anna, PBOLT bravo, PCAT charlie, PDJOB echo (also in
    service_ids), PFOX foxtrot, PHUB india (the losing component's owner keeps its service: docs/metrics.md
    rule 4); PDOCK echo; lima, limb → lteam, PLIMA lteam; mike → mteam, PMIKE mteam. PKILO is named
    nowhere.

    T2 (re-sync) and fresh: amain, aside → tango; bsat → bravo (acme/bolt's file sorts before acme/bsat's:
    a warning naming acme/bsat); dockjobs → unowned (its document is gone); hub → india (the file that won
    it is deleted); kilo → juliet (the file on the renamed default branch); mike → unowned (its owner is a
    user); PALPHA tango, PCAT delta, PDJOB unowned (in service_ids, named by no component), PKILO juliet,
    PMIKE unowned (named by an ownerless component: still in the map).
    The malformed acme/fox: the re-synced store keeps T1's rows (fox, foxui → foxtrot, PFOX foxtrot),
    and those rows, from the file sorting first, still win acme/foxui against acme/foxui's own new file
    (golf): a warning naming acme/foxui. The fresh store never read a good acme/fox file: fox → unowned,
    foxui → golf, PFOX not in the map.
    """
    # SPEC §2 check-config "prints the resolved ownership map (repo/service → team)"; §4 (owner
    # spellings, project-slug, teams:, unowned, "first in file order wins, with a warning", malformed
    # file skipped whole); docs/metrics.md rule 4 ("First in file order" across files); README
    # Troubleshooting "the catalog file is malformed; the repo keeps its previous owner".
    assert reads.t1.repos == {
        "acme/amain": "anna",
        "acme/aside": "tango",
        "acme/bolt": "bravo",
        "acme/bsat": "sierra",
        "acme/cat": "charlie",
        "acme/catweb": "delta",
        "acme/dock": "echo",
        "acme/dockjobs": "echo",
        "acme/fox": "foxtrot",
        "acme/foxui": "foxtrot",
        "acme/hub": "hotel",
        "acme/hubx": "unowned",
        "acme/kilo": "unowned",
        "acme/lima": "lteam",
        "acme/limb": "lteam",
        "acme/mike": "mteam",
    }
    assert reads.t1.services == {
        "PALPHA": "anna",
        "PBOLT": "bravo",
        "PCAT": "charlie",
        "PDJOB": "echo",
        "PDOCK": "echo",
        "PFOX": "foxtrot",
        "PHUB": "india",
        "PLIMA": "lteam",
        "PMIKE": "mteam",
    }
    assert conflicts(reads.t1) == {"acme/hub": "hotel"}

    common = {
        "acme/amain": "tango",
        "acme/aside": "tango",
        "acme/bolt": "bravo",
        "acme/bsat": "bravo",
        "acme/cat": "charlie",
        "acme/catweb": "delta",
        "acme/dock": "echo",
        "acme/dockjobs": "unowned",
        "acme/hub": "india",
        "acme/hubx": "unowned",
        "acme/kilo": "juliet",
        "acme/lima": "lteam",
        "acme/limb": "lteam",
        "acme/mike": "unowned",
    }
    services = {
        "PALPHA": "tango",
        "PBOLT": "bravo",
        "PCAT": "delta",
        "PDJOB": "unowned",
        "PDOCK": "echo",
        "PHUB": "india",
        "PKILO": "juliet",
        "PLIMA": "lteam",
        "PMIKE": "unowned",
    }
    assert reads.t2.repos == {**common, "acme/fox": "foxtrot", "acme/foxui": "foxtrot"}
    assert reads.t2.services == {**services, "PFOX": "foxtrot"}
    assert reads.fresh.repos == {**common, "acme/fox": "unowned", "acme/foxui": "golf"}
    assert reads.fresh.services == services
    assert conflicts(reads.t2) == {"acme/bsat": "bravo", "acme/foxui": "foxtrot"}
    assert conflicts(reads.fresh) == {"acme/bsat": "bravo"}


def test_team_sets_after_each_sync(reads: Reads) -> None:
    """Rows: every owner of a repo or a collected service. T1: anna, tango, bravo, sierra, charlie, delta,
    echo, foxtrot, hotel, india (PHUB only), lteam, mteam, unowned. T2: anna, sierra, hotel, mteam own
    nothing any more (no rows); juliet joins; unowned stays (dockjobs, hubx, mike, PDJOB, PMIKE). The
    re-synced store keeps foxtrot; the fresh one has golf instead."""
    # docs/metrics.md "Every team owning a repository or a collected PagerDuty service gets a row".
    t1 = ["bravo", "charlie", "delta", "echo", "foxtrot", "hotel", "india", "sierra", "tango", "unowned"]
    assert sorted(reads.t1.rows) == sorted(["*", "anna", "lteam", "mteam", *t1])
    t2 = ["bravo", "charlie", "delta", "echo", "india", "juliet", "lteam", "tango", "unowned"]
    assert sorted(reads.t2.rows) == sorted(["*", "foxtrot", *t2])
    assert sorted(reads.fresh.rows) == sorted(["*", "golf", *t2])
    assert "thief" not in reads.t2.rows


# ============================================================================================ islands


def test_owner_change_rejoins_a_teams_overridden_repo_to_its_component(reads: Reads) -> None:
    """A. ``teams:`` gives acme/aside to tango. T1: component alpha's owner is anna, so acme/aside leaves
    alpha (its own service) and PALPHA belongs to acme/amain only. T2: both documents say tango (two other
    spellings): acme/aside is no longer given to "a team other than its component's owner", so alpha is
    acme/amain + acme/aside, all tango's, with PALPHA.

    AM1, AS1 first; AM2 02 08:00; AS2 02 10:00; PALPHA-1 02 11:00 → 13:00; AS3 02 12:00.
    T1 anna: AM1, AM2 → 2; the latest of alpha (acme/amain) before 11:00 is AM2 (3 h) → failed, recovery
    13 − 8 = 5 h; CFR 1/2; incidents 1; restore 2.0; rework 0.0; bands 2/30 medium, elite, 50 % low, 5 h
    high. T1 tango: AS1–AS3 → 3; no failure (PALPHA is not acme/aside's service; AS3 is no rework).
    T2 tango: 5 deployments; the latest of alpha before 11:00 is now AS2 (10:00, 1 h) → failed, recovery
    13 − 10 = 3 h; AM2 no longer failed; AS3 during PALPHA-1, an incident of its service → rework.
    CFR 1/5; recovery 3.0; incidents 1; restore 2.0; rework 1/5; bands 5/30 high, elite, 20 % low, high.
    """
    # SPEC §4 owner spellings, teams:; docs/metrics.md rule 4 "A repository that teams: gives to a team
    # other than its component's owner leaves the component and is its own service"; §6.1 rule 4 "F is the
    # latest deployment of that service"; §6.2 rework "deployed while an incident of its service was open".
    check_team_row(
        reads.t1.rows,
        "anna",
        deployments=2,
        cfr=1 / 2,
        recovery=5.0,
        incidents=1,
        restore=(2.0, 2.0),
        rework=0.0,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    no_failures(reads.t1.rows, "tango", 3)
    for read in after(reads):
        check_team_row(
            read.rows,
            "tango",
            deployments=5,
            cfr=1 / 5,
            recovery=3.0,
            incidents=1,
            restore=(2.0, 2.0),
            rework=1 / 5,
            row_bands=bands("high", "elite", "low", "high"),
        )
        assert "anna" not in read.rows


def test_second_document_slug_takes_a_repo_from_its_own_files_owner(reads: Reads) -> None:
    """B. T1: bolt (acme/bolt, PBOLT) is bravo's; bsat (acme/bsat) sierra's. T2: acme/bolt's file adds
    a document of bolt with slug acme/bsat: two components of different owners name acme/bsat, and acme/bolt's
    file is first in file order (repository name), so acme/bsat joins service bolt, bravo's.

    BO1, BS1 first; BO2 04 08:00; BS2 04 10:00; PBOLT-1 04 11:00 → 12:00; BS3 04 11:30.
    T1 bravo: BO1, BO2 → 2; latest of bolt BO2 (3 h) → failed, recovery 4 h; CFR 1/2; incidents 1;
    restore 1.0; rework 0.0; bands medium, elite, low, high. T1 sierra: BS1–BS3 → 3, no failure.
    T2 bravo: 5; latest of bolt (acme/bolt + acme/bsat) before 11:00 is BS2 (1 h) → failed, recovery
    12 − 10 = 2 h; BO2 no longer failed; BS3 during PBOLT-1 → rework. CFR 1/5; recovery 2.0; incidents 1;
    restore 1.0; rework 1/5; bands 5/30 high, elite, low, high. No sierra row.
    """
    # SPEC §4 "catalog-info.yaml (possibly several YAML documents)"; project-slug "names the repo a
    # component lives in"; "Where components of different owners name the same repo, the first in file
    # order wins, with a warning"; docs/metrics.md rule 4 "First in file order" across files.
    check_team_row(
        reads.t1.rows,
        "bravo",
        deployments=2,
        cfr=1 / 2,
        recovery=4.0,
        incidents=1,
        restore=(1.0, 1.0),
        rework=0.0,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    no_failures(reads.t1.rows, "sierra", 3)
    for read in after(reads):
        check_team_row(
            read.rows,
            "bravo",
            deployments=5,
            cfr=1 / 5,
            recovery=2.0,
            incidents=1,
            restore=(1.0, 1.0),
            rework=1 / 5,
            row_bands=bands("high", "elite", "low", "high"),
        )
        assert "sierra" not in read.rows


def test_pagerduty_annotation_moved_to_another_component_moves_its_failures(reads: Reads) -> None:
    """C. PCAT moves from cat-api (charlie, acme/cat) to cat-web (delta, acme/catweb).

    CA1, CW1 first; CA2 06 08:00; CW2 06 10:00; PCAT-1 06 11:00 → 14:00; CW3 06 12:00; CA3 06 12:30.
    T1 charlie: CA1–CA3 → 3; latest of cat-api CA2 (3 h) → failed, recovery 14 − 8 = 6 h; CA3 during
    PCAT-1 → rework. CFR 1/3; recovery 6.0; incidents 1; restore 3.0; rework 1/3; bands medium, elite,
    low, high. T1 delta: CW1–CW3 → 3, no failure (CW3 no rework).
    T2 delta: latest of cat-web CW2 (1 h) → failed, recovery 14 − 10 = 4 h; CW3 → rework. CFR 1/3;
    recovery 4.0; incidents 1; restore 3.0; rework 1/3; bands medium, elite, low, high. T2 charlie: 3, no
    failure, no incident, no rework (CA2, CA3 no longer).
    """
    # SPEC §4 "pagerduty.com/service-id names its PagerDuty service"; §6 "Team metrics cover the repos
    # and PagerDuty services the team owns"; §6.1 rule 4; §6.2 rework.
    delta = {
        "deployments": 3,
        "cfr": 1 / 3,
        "incidents": 1,
        "restore": (3.0, 3.0),
        "rework": 1 / 3,
        "row_bands": bands("medium", "elite", "low", "high"),
    }
    check_team_row(reads.t1.rows, "charlie", recovery=6.0, **delta)
    no_failures(reads.t1.rows, "delta", 3)
    for read in after(reads):
        check_team_row(read.rows, "delta", recovery=4.0, **delta)
        no_failures(read.rows, "charlie", 3)


def test_removed_component_leaves_its_repo_and_its_service_ids_service_to_unowned(reads: Reads) -> None:
    """D. dock-jobs (echo, slug acme/dockjobs, PDJOB; PDJOB also in ``service_ids``) is removed from
    acme/dock's file. T2: acme/dockjobs is a repo with no component — its own service, nobody's →
    unowned; PDJOB is a ``service_ids`` service owned by nobody → unowned, still collected, the service of
    no repo: PDJOB-1 fails nothing and makes nothing rework.

    DK1, DJ1 first; DJ2 09 08:00; PDJOB-1 09 09:00 → 10:00; DJ3 09 09:30; DK2 09 12:00.
    T1 echo: 5; latest of dock-jobs DJ2 (1 h) → failed, recovery 2 h; DJ3 rework. CFR 1/5; recovery 2.0;
    incidents 1; restore 1.0; rework 1/5; bands 5/30 high, elite, low, high.
    T2 echo: DK1, DK2 → 2, no failure. (unowned: see the unowned test.)
    """
    # SPEC §4 "A repo with no component is its own service"; "A repo or a service_ids service owned by
    # nobody belongs to team unowned"; docs/metrics.md "Incidents": "An incident on a service_ids service
    # nobody owns counts for unowned ...; no deployment is of its service".
    check_team_row(
        reads.t1.rows,
        "echo",
        deployments=5,
        cfr=1 / 5,
        recovery=2.0,
        incidents=1,
        restore=(1.0, 1.0),
        rework=1 / 5,
        row_bands=bands("high", "elite", "low", "high"),
    )
    for read in after(reads):
        no_failures(read.rows, "echo", 2)


def test_malformed_file_keeps_its_last_good_rows_against_a_new_claim(reads: Reads) -> None:
    """F. acme/fox's file is malformed at T2 (reported: the re-sync's output names acme/fox and
    catalog-info.yaml; skipped whole: not even its good first document, owner thief, counts). The
    re-synced store keeps T1's rows (README: "the repo keeps its previous owner"), which still claim
    acme/foxui for foxtrot ahead of acme/foxui's new file (golf), acme/fox sorting first. A fresh store
    never read a good acme/fox file: acme/fox unowned, acme/foxui golf's, PFOX not collected.

    F1, FU1 first; F2 11 08:00; FU2 11 10:00; PFOX-1 11 11:00 → 13:00. fox and fox-ui are two services;
    PFOX is fox's.
    T1 and T2 (re-sync) foxtrot: F1, F2, FU1, FU2 → 4; latest of fox F2 (3 h) → failed, recovery 5 h;
    CFR 1/4; incidents 1; restore 2.0; rework 0.0; bands 4/30 medium, elite, 25 % low, 5 h high.
    Fresh golf: FU1, FU2 → 2, no failure; no foxtrot row (acme/fox's deployments are unowned's there).
    """
    # SPEC §4 "A malformed catalog file is reported (repo, reason) and skipped whole; it never stops a
    # sync"; §9 "A bad ... catalog file is reported with its location and changes nothing"; README
    # Troubleshooting; collector/catalog.py "the repository keeps the rows of its last good read".
    assert [line for line in reads.collect2.splitlines() if "acme/fox" in line and CATALOG in line]
    for read in (reads.t1, reads.t2):
        check_team_row(
            read.rows,
            "foxtrot",
            deployments=4,
            cfr=1 / 4,
            recovery=5.0,
            incidents=1,
            restore=(2.0, 2.0),
            rework=0.0,
            row_bands=bands("medium", "elite", "low", "high"),
        )
        assert "golf" not in read.rows
    no_failures(reads.fresh.rows, "golf", 2)
    assert "foxtrot" not in reads.fresh.rows


def test_deleted_file_hands_the_repo_to_the_losing_claim_and_links_its_service(reads: Reads) -> None:
    """H. T1: acme/hub is named by hub (hotel, its own file) and by hubx-claim (india, PHUB, in
    acme/hubx's file); acme/hub's file sorts first → hotel's; PHUB stays india's but, its component having
    lost its repo, is the service of no repo: PHUB-1 counts for india and fails nothing. T2: acme/hub's
    file is deleted → hubx-claim is the only claim: acme/hub is india's, of service hubx-claim with PHUB.

    H1 first; H2 13 08:00; PHUB-1 13 09:00 → 11:00; H3 13 10:00.
    T1 hotel: H1–H3 → 3, no failure. T1 india: 0 deployments; incidents 1; restore 2.0; bands low, null,
    null, recovery falls back to restore 2 h → high.
    T2 india: 3; latest of hubx-claim H2 (1 h) → failed, recovery 11 − 8 = 3 h; H3 during PHUB-1 → rework.
    CFR 1/3; recovery 3.0; incidents 1; restore 2.0; rework 1/3; bands medium, elite, low, high. No hotel
    row.
    """
    # SPEC §4 "first in file order wins, with a warning"; docs/metrics.md rule 4 "when another component
    # (first in file order) ... gives the repository to another team, that service's incidents still count
    # for its own team but fail none of the repository's deployments"; §6.3 recovery fallback.
    no_failures(reads.t1.rows, "hotel", 3)
    check_team_row(
        reads.t1.rows,
        "india",
        deployments=0,
        lead=(None, None),
        cfr=None,
        recovery=None,
        incidents=1,
        restore=(2.0, 2.0),
        rework=None,
        row_bands=bands("low", None, None, "high"),
    )
    for read in after(reads):
        check_team_row(
            read.rows,
            "india",
            deployments=3,
            cfr=1 / 3,
            recovery=3.0,
            incidents=1,
            restore=(2.0, 2.0),
            rework=1 / 3,
            row_bands=bands("medium", "elite", "low", "high"),
        )
        assert "hotel" not in read.rows


def test_file_on_the_renamed_default_branch_gives_the_repo_and_a_new_service(reads: Reads) -> None:
    """K. T1: acme/kilo (default branch main) has no file → unowned; PKILO is named nowhere → not
    collected. T2: main is renamed trunk, whose file says kilo (juliet, PKILO): the catalog is read at the
    default branch of the moment, and PKILO, new to the map, is collected from ``since``.

    K1 first; K2 15 08:00; PKILO-1 15 09:00 → 10:00; K3 15 12:00 (after it was resolved: no rework).
    T2 juliet: 3; latest of kilo K2 (1 h) → failed, recovery 2 h; CFR 1/3; recovery 2.0; incidents 1;
    restore 1.0; rework 0.0; bands medium, elite, low, high. (T1: K1–K3 are unowned's.)
    """
    # SPEC §3 "catalog: discover: read catalog-info.yaml at each repo's default branch"; §4 "PagerDuty
    # services that are neither in the ownership map nor in service_ids are not collected" (at T1 only).
    assert "juliet" not in reads.t1.rows
    for read in after(reads):
        check_team_row(
            read.rows,
            "juliet",
            deployments=3,
            cfr=1 / 3,
            recovery=2.0,
            incidents=1,
            restore=(1.0, 1.0),
            rework=0.0,
            row_bands=bands("medium", "elite", "low", "high"),
        )


def test_renamed_component_splits_a_service_of_two_files(reads: Reads) -> None:
    """L. T1: acme/lima's and acme/limb's files each hold a component named lima (owner lteam, spelled
    ``group:lteam`` and ``lteam``): one service of two repos, PLIMA (named in acme/lima's file) its
    PagerDuty service. T2: acme/limb's component is renamed limb: service lima is acme/lima alone (with
    PLIMA), service limb is acme/limb, still lteam's.

    LA1, LB1 first; LA2 17 08:00; LB2 17 10:00; PLIMA-1 17 11:00 → 12:00; LA3 17 11:30 (acme/lima, during
    PLIMA-1: rework at both syncs, lima being its service).
    T1: the latest of lima (both repos) before 11:00 is LB2 (1 h) → failed, recovery 12 − 10 = 2 h.
    T2: the latest of lima (acme/lima) is LA2 (3 h) → failed, recovery 12 − 8 = 4 h; LB2 no longer.
    lteam both: deployments 5; CFR 1/5; incidents 1; restore 1.0; rework 1/5; bands 5/30 high, elite,
    20 % low, high; recovery 2.0 at T1, 4.0 at T2.
    """
    # SPEC §4 "A service is a Backstage Component (kind: Component, metadata.name)"; docs/metrics.md rule
    # 4 "components are told apart by metadata.name"; §6.1 rule 4 "F is the latest deployment of that
    # service before the incident started"; §6.2 rework.
    lteam = {
        "deployments": 5,
        "cfr": 1 / 5,
        "incidents": 1,
        "restore": (1.0, 1.0),
        "rework": 1 / 5,
        "row_bands": bands("high", "elite", "low", "high"),
    }
    check_team_row(reads.t1.rows, "lteam", recovery=2.0, **lteam)
    for read in after(reads):
        check_team_row(read.rows, "lteam", recovery=4.0, **lteam)


def test_owner_becoming_a_user_leaves_repo_and_service_to_unowned_still_linked(reads: Reads) -> None:
    """M. T1: mike (``group:default/mteam``, PMIKE). T2: its owner is ``user:default/bob`` — a user is no
    team, so the component has no owner: acme/mike and PMIKE go to unowned; PMIKE is still collected and
    still mike's service, so its incident still fails acme/mike's deployment and makes M3 rework.

    M1 first; M2 18 08:00; PMIKE-1 18 09:00 → 10:30; M3 18 10:00 (during it).
    T1 mteam: 3 deployments; M2 (1 h before) failed, recovery 10.5 − 8 = 2.5 h; CFR 1/3; incidents 1;
    restore 1.5; rework 1/3; bands 3/30 medium, elite, low, 2.5 h high. T2: no mteam row (see unowned).
    """
    # SPEC §4 "A team is its owner"; docs/metrics.md rule 4 "A component with no owner leaves its
    # repository and its PagerDuty service to unowned: the service is collected, and its incidents can
    # fail that repository's deployments".
    check_team_row(
        reads.t1.rows,
        "mteam",
        deployments=3,
        cfr=1 / 3,
        recovery=2.5,
        incidents=1,
        restore=(1.5, 1.5),
        rework=1 / 3,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    for read in after(reads):
        assert "mteam" not in read.rows


def test_unowned_after_each_sync(reads: Reads) -> None:
    """unowned. T1: acme/kilo K1–K3 (acme/hubx has no deployment) → 3, no failure, no incident, no rework;
    bands 3/30 medium, elite, elite, null.
    T2 (re-sync): acme/dockjobs DJ1–DJ3 + acme/mike M1–M3 → 6 (acme/kilo is juliet's). PDJOB-1
    (service_ids, the service of no component) fails nothing and makes DJ3 no rework; PMIKE-1 (the ownerless
    component mike's service) fails M2 (recovery 2.5 h) and makes M3 rework. CFR 1/6; recovery 2.5;
    incidents 2; restore 1, 1.5 → p50 1.25, p90 1 + 0.9 × 0.5 = 1.45; rework 1/6; bands 6/30 high, elite,
    16.7 % low, 2.5 h high.
    Fresh: also acme/fox F1, F2 → 8 deployments (PFOX not collected: F2 not failed); CFR 1/8; recovery
    2.5; incidents 2; restore 1.25 / 1.45; rework 1/8; bands 8/30 high, elite, 12.5 % medium, high.
    """
    # SPEC §4 "A repo or a service_ids service owned by nobody belongs to team unowned"; docs/metrics.md
    # "Incidents" (a service_ids service nobody owns: "no deployment is of its service") and rule 4 (a
    # component with no owner).
    no_failures(reads.t1.rows, "unowned", 3)
    for read, deployments, cfr_band in ((reads.t2, 6, "low"), (reads.fresh, 8, "medium")):
        check_team_row(
            read.rows,
            "unowned",
            deployments=deployments,
            cfr=1 / deployments,
            recovery=2.5,
            incidents=2,
            restore=(1.25, 1.45),
            rework=1 / deployments,
            row_bands=bands("high", "elite", cfr_band, "high"),
        )


def test_organisation_rows(reads: Reads) -> None:
    """Team ``"*"``: 39 deployments in every read (A 5, B 5, C 6, D 5, F 4, H 3, K 3, L 5, M 3): 39/30 →
    elite.

    T1: failed AM2 5 h, BO2 4 h, CA2 6 h, DJ2 2 h, F2 5 h, LB2 2 h, M2 2.5 h → CFR 7/39; recovery sorted
    2, 2, 2.5, 4, 5, 5, 6 → p50 4.0. Incidents PALPHA-1 2 h, PBOLT-1 1 h, PCAT-1 3 h, PDJOB-1 1 h, PFOX-1
    2 h, PHUB-1 2 h, PLIMA-1 1 h, PMIKE-1 1.5 h = 8 (PKILO-1 not collected); restore sorted 1, 1, 1, 1.5,
    2, 2, 2, 3 → p50 (position 3.5) 1.75, p90 (position 6.3) 2.3. Rework CA3, DJ3, LA3, M3 → 4/39. Bands
    elite, elite, 17.9 % low, 4 h high.
    T2 (re-sync): failed AS2 3 h, BS2 2 h, CW2 4 h, F2 5 h, H2 3 h, K2 2 h, LA2 4 h, M2 2.5 h → 8/39;
    recovery sorted 2, 2, 2.5, 3, 3, 4, 4, 5 → p50 3.0. Incidents the eight + PKILO-1 1 h = 9; restore
    sorted 1, 1, 1, 1, 1.5, 2, 2, 2, 3 → p50 1.5, p90 (position 7.2) 2.2. Rework AS3, BS3, CW3, H3, LA3,
    M3 → 6/39. Bands elite, elite, 20.5 % low, 3 h high.
    Fresh: as T2 without PFOX: failed AS2, BS2, CW2, H2, K2, LA2, M2 → 7/39; recovery sorted 2, 2, 2.5,
    3, 3, 4, 4 → 3.0. Incidents 8; restore sorted 1, 1, 1, 1, 1.5, 2, 2, 3 → p50 (position 3.5) 1.25, p90
    (position 6.3) 2.3. Rework 6/39. Bands elite, elite, low, high.
    """
    # SPEC §6 "The organisation row "*" covers everything collected, team unowned included".
    org = bands("elite", "elite", "low", "high")
    check_team_row(
        reads.t1.rows,
        "*",
        deployments=39,
        cfr=7 / 39,
        recovery=4.0,
        incidents=8,
        restore=(1.75, 2.3),
        rework=4 / 39,
        row_bands=org,
    )
    check_team_row(
        reads.t2.rows,
        "*",
        deployments=39,
        cfr=8 / 39,
        recovery=3.0,
        incidents=9,
        restore=(1.5, 2.2),
        rework=6 / 39,
        row_bands=org,
    )
    check_team_row(
        reads.fresh.rows,
        "*",
        deployments=39,
        cfr=7 / 39,
        recovery=3.0,
        incidents=8,
        restore=(1.25, 2.3),
        rework=6 / 39,
        row_bands=org,
    )


def test_resync_equals_a_fresh_sync_but_for_the_malformed_file(reads: Reads) -> None:
    """The property: every row of every team but those the malformed acme/fox file touches (foxtrot,
    golf, unowned, ``*``) is the same in the re-synced store and in the fresh store."""
    # SPEC §5 "re-syncing updates it in place"; §3 catalog read at each sync.
    touched = {"foxtrot", "golf", "unowned", "*"}
    kept = {team: row for team, row in reads.t2.rows.items() if team not in touched}
    assert kept == {team: row for team, row in reads.fresh.rows.items() if team not in touched}
    assert set(kept) == {"bravo", "charlie", "delta", "echo", "india", "juliet", "lteam", "tango"}
