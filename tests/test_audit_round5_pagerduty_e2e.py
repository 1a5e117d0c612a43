"""Audit round 5: PagerDuty collection meeting the metrics, end to end.

Emulated GitHub and the loopback HTTPS PagerDuty emulator (real ``pagerduty`` client) → ``doraspace
collect`` (several times, PagerDuty changing in between, with faults) → ``doraspace metrics --format
json --as-of 2026-03-20T00:00:00Z``. Window 30d only: (02-18 00:00, 03-20 00:00]; bands come from it
(the longest configured). Every number is worked out by hand in the test's docstring from SPEC §3, §5.4,
§6, §9 and docs/metrics.md. Collect's own "now" is the wall clock, after every fact here.

Three organisations, each in its own store:

* the **main** one: ``github.since: 2026-02-01``, ``pagerduty.since: 2026-02-20``, ``urgencies: [high]``,
  attribution window 24 h. Collected three times: the emulated PagerDuty changes before the second
  collect (incidents reassigned, renamed, resolved); the third is ``collect --source pagerduty --since
  2026-02-19`` (a backfill). Metrics are read after each collect;
* the **bulk** one: 120 incidents on one service (two listing pages of 100), collected without a fault,
  with a 429 (``ratelimit-reset: 1``) answering the second listing page, and with a 429 whose reset is
  two hours away (the sync ends; the next collect resumes);
* the **cap** one: 10,050 high incidents and 100 low ones created in one 179-day slice: the listing
  passes PagerDuty's 10,000 offset cap and must be split by date range.

Times are UTC; ``at(day, hour)`` is March 2026. Each repo's first deployment has compare ``first``: it
counts as a deployment and adds no lead times (§5.2); every later one made with ``deploy`` ships one
commit authored an hour before it (lead 1 h). No PR is merged anywhere, so every lead-time breakdown
stage is null. Percentiles are ``percentile_cont``: p at position p × (n − 1) of the sorted values.
dora-2023 bands: frequency ≥ 1/day elite, ≥ 1/7 high, ≥ 1/30 medium; lead p50 < 24 h elite; change
failure rate ≤ 5 % elite, ≤ 10 % high, ≤ 15 % medium, else low; recovery < 1 h elite, < 24 h high
(``failed_deployment_recovery_hours_p50``, else ``time_to_restore_hours_p50``).
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from doraspace.cli import main
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.emulators.pagerduty import Fault, PagerDutyDataset, PagerDutyEmulator, Reply, iso
from tests.github_scenarios import at, breakdown, check_row, deploy, run_cli
from tests.github_scenarios import started_at_six as started

AS_OF = "2026-03-20T00:00:00Z"
GH_TOKEN_VARIABLE = "AUDIT_R5_PD_GITHUB_TOKEN"
PD_TOKEN_VARIABLE = "AUDIT_R5_PD_PAGERDUTY_TOKEN"
GH_TOKEN = "audit-r5-pd-gh-token"
PD_TOKEN = "audit-r5-pd-pd-token"

Rows = dict[str, dict[str, Any]]
NO_STAGES = breakdown()


def feb(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 2, day, tzinfo=UTC) + timedelta(hours=hour)


def bands(
    frequency: str | None, lead: str | None, cfr: str | None, recovery: str | None
) -> dict[str, str | None]:
    return {
        "deployment_frequency": frequency,
        "lead_time": lead,
        "change_failure_rate": cfr,
        "recovery": recovery,
    }


def rename(pagerduty: PagerDutyDataset, incident_id: str, title: str, when: datetime) -> None:
    """The responder renames the open incident (PagerDuty's description follows its title)."""
    payload = pagerduty.incidents[incident_id].payload
    payload.update(
        title=title,
        description=title,
        summary=f"[#{payload['incident_number']}] {title}",
        updated_at=iso(when),
    )


def reassign(pagerduty: PagerDutyDataset, incident_id: str, service_id: str, when: datetime) -> None:
    """PagerDuty's "reassign to another service" (incident moved while open)."""
    service = pagerduty.services.get(service_id) or pagerduty.add_service(service_id, service_id)
    payload = pagerduty.incidents[incident_id].payload
    reference = {
        "id": service_id,
        "type": "service_reference",
        "summary": service["name"],
        "self": service["self"],
        "html_url": service["html_url"],
    }
    payload.update(service=reference, updated_at=iso(when))


# ------------------------------------------------------------------------------------------- harness


@dataclass
class World:
    github: GitHubDataset = field(default_factory=GitHubDataset)
    pagerduty: PagerDutyDataset = field(default_factory=PagerDutyDataset)
    # team → (repositories, PagerDuty services) for the config's ``teams:``
    teams: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    # what changes in PagerDuty before the second collect
    between: list[Callable[[PagerDutyDataset], None]] = field(default_factory=list)

    def team(self, name: str, repos: list[str], services: list[str]) -> list[RepoData]:
        self.teams[name] = (repos, services)
        return [self.github.add_repo(repo) for repo in repos]


def config_text(
    world: World, store: str, github_url: str, pd: PagerDutyEmulator, pagerduty_extra: str
) -> str:
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
        f"  ca_bundle: {pd.ca_file}\n{pagerduty_extra}"
        "catalog: {discover: false}\n"
        "incidents: {attribution_window: 24h}\n"
        "metrics: {windows: [30d]}\n"
        f"teams:\n{team_lines}"
    )


def run_status(args: list[str]) -> int:
    """``doraspace ARGS`` in this process; its exit status (output discarded)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(args)


class FaultyListing(PagerDutyEmulator):
    """The emulator, answering the first incidents-listing request at ``offset`` with ``fault`` (the
    emulator's own ``inject`` cannot tell a listing page from the first)."""

    def __init__(
        self, dataset: PagerDutyDataset, *, token: str, fault: Fault | None, offset: int = 100
    ) -> None:
        super().__init__(dataset, token=token)
        self.fault = fault
        self.offset = str(offset)
        self.fired = 0

    def _answer(
        self, method: str, path: str, query: Mapping[str, list[str]], headers: Mapping[str, str]
    ) -> Reply:
        if (
            self.fault is not None
            and not self.fired
            and path.rstrip("/") == "/incidents"
            and (query.get("offset") or [""])[0] == self.offset
        ):
            self.fired += 1
            return Reply(self.fault.status, self.fault.body or {}, self.fault.headers)
        return super()._answer(method, path, query, headers)


def collect_and_read(
    world: World,
    directory: Path,
    *,
    pagerduty_extra: str,
    collects: list[list[str]],
    fault: Fault | None = None,
    failing: frozenset[int] = frozenset(),
    before_second: Callable[[PagerDutyEmulator], None] | None = None,
) -> tuple[list[Rows], FaultyListing]:
    """Run each collect (extra args each; ``world.between`` and ``before_second`` before the second),
    reading the 30d rows after each. The collects numbered in ``failing`` (from 0) must exit with
    status 1 (nothing is read after them)."""
    reads: list[Rows] = []
    pd = FaultyListing(world.pagerduty, token=PD_TOKEN, fault=fault)
    with (
        pytest.MonkeyPatch.context() as patch,
        GitHubEmulator(world.github, token=GH_TOKEN) as gh,
        pd,
    ):
        patch.setenv(GH_TOKEN_VARIABLE, GH_TOKEN)
        patch.setenv(PD_TOKEN_VARIABLE, PD_TOKEN)
        config = directory / "doraspace.yaml"
        config.write_text(config_text(world, f"{directory}/store.duckdb", gh.base_url, pd, pagerduty_extra))
        for number, extra in enumerate(collects):
            if number == 1:
                for change in world.between:
                    change(world.pagerduty)
                if before_second is not None:
                    before_second(pd)
            if number in failing:
                assert run_status(["collect", "--config", str(config), *extra]) == 1
                continue
            run_cli(["collect", "--config", str(config), *extra])
            rows = json.loads(
                run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF])
            )
            reads.append({row["team"]: row for row in rows if row["window"] == "30d"})
    return reads, pd


# =========================================================================================== main world


def build_reassigned(world: World) -> None:
    (ra,) = world.team("ra", ["acme/ra"], ["PRA"])
    (rb,) = world.team("rb", ["acme/rb"], ["PRB"])
    started(ra)
    started(rb)
    deploy(rb, "b2", at(2, 9))  # RB2
    deploy(ra, "a2", at(2, 10))  # RA2
    world.pagerduty.add_incident("PRA-1", "PRA", "Checkout errors", at(2, 11), status="triggered")
    deploy(ra, "a3", at(2, 12))  # RA3, while PRA-1 is open (on PRA, at the first collect)
    deploy(rb, "b3", at(2, 13))  # RB3, while PRA-1 is open (on PRB, from the second collect)

    def move_and_resolve(pagerduty: PagerDutyDataset) -> None:
        reassign(pagerduty, "PRA-1", "PRB", at(2, 12.5))
        pagerduty.resolve("PRA-1", at(2, 15))

    world.between.append(move_and_resolve)


def build_moved_out_of_sight(world: World) -> None:
    (mv,) = world.team("mv", ["acme/mv"], ["PMV"])
    started(mv)
    deploy(mv, "m2", at(3, 10))  # MV2
    world.pagerduty.add_incident("PMV-1", "PMV", "Latency", at(3, 11), status="triggered")

    def move_and_resolve(pagerduty: PagerDutyDataset) -> None:
        reassign(pagerduty, "PMV-1", "PSTRAY", at(3, 11.5))  # a service nobody owns or lists
        pagerduty.resolve("PMV-1", at(3, 12))

    world.between.append(move_and_resolve)


def build_fallbacks_on_reread(world: World) -> None:
    (fb,) = world.team("fb", ["acme/fb"], ["PFB"])
    started(fb)
    deploy(fb, "f2", at(4, 10))  # FB2
    world.pagerduty.add_incident("PFB-1", "PFB", "Queue stuck", at(4, 11), status="triggered")
    world.pagerduty.add_incident("PFB-2", "PFB", "Emails late", at(6, 10), status="acknowledged")

    def resolve_both(pagerduty: PagerDutyDataset) -> None:
        # PFB-1: no resolved_at, a resolve log entry at 13:00, then a later status change at 14:00.
        pagerduty.resolve("PFB-1", at(4, 13), resolved_at_field=False, log_entry=True)
        pagerduty.incidents["PFB-1"].payload.update(
            last_status_change_at=iso(at(4, 14)), updated_at=iso(at(4, 14))
        )
        # PFB-2: neither resolved_at nor a resolve log entry: status resolved at 15:00.
        pagerduty.resolve("PFB-2", at(6, 15), resolved_at_field=False, log_entry=False)

    world.between.append(resolve_both)


def build_since_edges(world: World) -> None:
    (sn,) = world.team("sn", ["acme/sn"], ["PSN"])
    c0 = sn.commit("initial", author_date=feb(19, 5))
    sn.deployment(c0, created_at=feb(19, 6))  # SN1
    deploy(sn, "s2", feb(19, 20))  # SN2
    # Created before pagerduty.since (02-20 00:00), resolved after it.
    world.pagerduty.add_incident("PSN-X", "PSN", "Login slow", feb(19, 22), resolved_at=feb(20, 2))
    # Created exactly at pagerduty.since.
    world.pagerduty.add_incident("PSN-Y", "PSN", "Login down", feb(20, 0), resolved_at=feb(20, 3))


def build_root_cause_of_another_team(world: World) -> None:
    (xa,) = world.team("xa", ["acme/xa"], ["PXA"])
    (xb,) = world.team("xb", ["acme/xb"], [])
    started(xa)
    started(xb)
    b2 = deploy(xb, "b2", at(7, 9))  # XB2
    deploy(xa, "a2", at(7, 10))  # XA2
    world.pagerduty.add_incident("PXA-1", "PXA", "Checkout errors", at(7, 11), status="triggered")
    deploy(xa, "a3", at(7, 12))  # XA3, while PXA-1 is open

    def name_and_resolve(pagerduty: PagerDutyDataset) -> None:
        rename(pagerduty, "PXA-1", f"Checkout errors, root cause: {b2[:9]}", at(7, 14))
        pagerduty.resolve("PXA-1", at(7, 15))

    world.between.append(name_and_resolve)


def build_resolved_before_a_deployment(world: World) -> None:
    (bd,) = world.team("bd", ["acme/bd"], ["PBD"])
    started(bd)
    deploy(bd, "d2", at(8, 10))  # BD2
    world.pagerduty.add_incident("PBD-1", "PBD", "Cache cold", at(8, 11), status="triggered")
    deploy(bd, "d3", at(8, 12))  # BD3: PBD-1 looks open at the first collect

    def resolve_early(pagerduty: PagerDutyDataset) -> None:
        pagerduty.resolve("PBD-1", at(8, 11.5))  # resolved at 11:30, before BD3

    world.between.append(resolve_early)


MAIN_BUILDERS = (
    build_resolved_before_a_deployment,
    build_reassigned,
    build_moved_out_of_sight,
    build_fallbacks_on_reread,
    build_since_edges,
    build_root_cause_of_another_team,
)


@pytest.fixture(scope="module")
def main_reads(tmp_path_factory: pytest.TempPathFactory) -> list[Rows]:
    world = World()
    for build in MAIN_BUILDERS:
        build(world)
    reads, _ = collect_and_read(
        world,
        tmp_path_factory.mktemp("audit-r5-pd-main"),
        pagerduty_extra="  since: 2026-02-20\n  urgencies: [high]\n",
        collects=[[], [], ["--source", "pagerduty", "--since", "2026-02-19"]],
    )
    return reads


def test_incident_reassigned_to_another_teams_service_while_open(main_reads: list[Rows]) -> None:
    """acme/ra (team ra, PRA) and acme/rb (team rb, PRB). RA1, RB1 first (03-01 06:00). RB2 02 09:00,
    RA2 02 10:00, PRA-1 on PRA 02 11:00 (open at the first collect), RA3 02 12:00, RB3 02 13:00. Before
    the second collect PRA-1 is reassigned to PRB (12:30) and resolved at 15:00.

    1st read (PRA-1 open on PRA): ra: RA2 is the latest ra deployment before 11:00 (1 h) → failed
    (window), not recovered; RA3 deployed while it is open → rework. ra: deployments 3, lead 1, 1 → 1.0;
    CFR 1/3; recovery null; incidents 1; restore null; rework 1/3; bands: 3/30 = 0.1/day → medium, lead
    elite, CFR low, recovery null (no recovered failure, no restore). rb: 3 deployments, nothing failed,
    no incident: CFR 0 → elite, recovery null, rework 0.
    2nd and 3rd reads (a fresh sync sees PRA-1 on PRB, 11:00 → 15:00): rb: the latest rb deployment
    before 11:00 is RB2 (2 h) → failed (window), recovered at 15:00 → 6 h; RB3 at 13:00 while it is open
    → rework. rb: deployments 3; lead 1.0; CFR 1/3; recovery 6.0; incidents 1; restore 4 → 4.0, 4.0;
    rework 1/3; bands medium, elite, low, high (6 h < 1 day). ra: nothing left: CFR 0, incidents 0,
    restore null, rework 0; bands medium, elite, elite, null.
    """
    # SPEC §5 "re-syncing updates it in place"; §5.4 "Unresolved incidents are re-read until resolved";
    # §6.1 rule 4 "on a PagerDuty service or repo of F's service"; docs/metrics.md "An incident counts for
    # the team owning its PagerDuty service"; docs/operations.md "a later sync stores what a first sync
    # would".
    first, second, third = main_reads
    check_row(
        first["ra"],
        team="ra",
        deployments=3,
        lead=(1.0, 1.0),
        cfr=1 / 3,
        recovery=None,
        incidents=1,
        rework=1 / 3,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "low", None),
    )
    check_row(
        first["rb"],
        team="rb",
        deployments=3,
        lead=(1.0, 1.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "elite", None),
    )
    for rows in (second, third):
        check_row(
            rows["rb"],
            team="rb",
            deployments=3,
            lead=(1.0, 1.0),
            cfr=1 / 3,
            recovery=6.0,
            restore=(4.0, 4.0),
            incidents=1,
            rework=1 / 3,
            stages=NO_STAGES,
            row_bands=bands("medium", "elite", "low", "high"),
        )
        check_row(
            rows["ra"],
            team="ra",
            deployments=3,
            lead=(1.0, 1.0),
            cfr=0.0,
            recovery=None,
            rework=0.0,
            stages=NO_STAGES,
            row_bands=bands("medium", "elite", "elite", None),
        )


def test_incident_reassigned_to_a_service_not_collected_disappears(main_reads: list[Rows]) -> None:
    """acme/mv (team mv, PMV). MV1 first, MV2 03 10:00; PMV-1 on PMV 03 11:00, open at the first
    collect; then reassigned to PSTRAY (owned by nobody, not in service_ids) and resolved at 12:00.

    1st read: MV2 failed (window, 1 h), not recovered: deployments 2, lead 1.0, CFR 1/2, recovery null,
    incidents 1, restore null, rework 0; bands 2/30 → medium, elite, low, null.
    2nd and 3rd: a fresh sync lists only the collected services, so PMV-1 is nobody's incident: mv has
    deployments 2, CFR 0, incidents 0, restore null, rework 0; bands medium, elite, elite, null. (The
    organisation row, checked below, does not count it either.)
    """
    # SPEC §4 "PagerDuty services that are neither in the ownership map nor in service_ids are not
    # collected"; §9 "yields exactly the data of an uninterrupted sync".
    first, second, third = main_reads
    check_row(
        first["mv"],
        team="mv",
        deployments=2,
        lead=(1.0, 1.0),
        cfr=1 / 2,
        recovery=None,
        incidents=1,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "low", None),
    )
    for rows in (second, third):
        check_row(
            rows["mv"],
            team="mv",
            deployments=2,
            lead=(1.0, 1.0),
            cfr=0.0,
            recovery=None,
            rework=0.0,
            stages=NO_STAGES,
            row_bands=bands("medium", "elite", "elite", None),
        )
        assert "unowned" not in rows


def test_resolution_fallbacks_read_again_by_id(main_reads: list[Rows]) -> None:
    """acme/fb (team fb, PFB). FB1 first, FB2 04 10:00. PFB-1 04 11:00 (triggered), PFB-2 06 10:00
    (acknowledged): both open at the first collect. Before the second, PFB-1 is resolved without a
    ``resolved_at``, its resolve log entry at 04 13:00, and a later status change at 14:00; PFB-2 is
    resolved with neither (``last_status_change_at`` 06 15:00).

    1st read: PFB-1 starts 1 h after FB2 → FB2 failed (window), not recovered; PFB-2 starts 48 h after
    FB2 (> 24 h) → fails nothing. Deployments 2, lead 1.0, CFR 1/2, recovery null, incidents 2, restore
    null, rework 0; bands medium, elite, low, null.
    2nd and 3rd: PFB-1 resolved at its log entry, 13:00 (not 14:00) → restore 2 h, FB2 recovered 3 h;
    PFB-2 at its last status change 15:00 → 5 h. Restore 2, 5 → p50 3.5, p90 2 + 0.9 × 3 = 4.7; recovery
    3.0; bands medium, elite, low, high.
    """
    # SPEC §5.4 "resolved_at = resolved_at, else the created_at of its resolve log entry, else
    # last_status_change_at when status is resolved. Unresolved incidents are re-read until resolved."
    first, second, third = main_reads
    check_row(
        first["fb"],
        team="fb",
        deployments=2,
        lead=(1.0, 1.0),
        cfr=1 / 2,
        recovery=None,
        incidents=2,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "low", None),
    )
    for rows in (second, third):
        check_row(
            rows["fb"],
            team="fb",
            deployments=2,
            lead=(1.0, 1.0),
            cfr=1 / 2,
            recovery=3.0,
            restore=(3.5, 4.7),
            incidents=2,
            rework=0.0,
            stages=NO_STAGES,
            row_bands=bands("medium", "elite", "low", "high"),
        )


def test_incidents_before_and_exactly_at_pagerduty_since_then_backfilled(main_reads: list[Rows]) -> None:
    """acme/sn (team sn, PSN); ``pagerduty.since: 2026-02-20`` (github.since 02-01). SN1 (first) 02-19
    06:00, SN2 02-19 20:00 (lead 1 h). PSN-X created 02-19 22:00 (before since), resolved 02-20 02:00;
    PSN-Y created exactly at since, 02-20 00:00, resolved 03:00.

    1st and 2nd reads: the listing starts at since, inclusive: PSN-Y only. The latest deployment before
    it is SN2 (4 h) → failed (window), recovered at 03:00 → 7 h. Deployments 2, lead 1.0, CFR 1/2,
    recovery 7.0, incidents 1, restore 3.0, 3.0, rework 0; bands medium, elite, low, high.
    3rd read, after ``collect --source pagerduty --since 2026-02-19``: PSN-X collected too (started
    02-19 22:00, in the window); it fails SN2 too (2 h after), recovery the earliest resolution, 02-20
    02:00 → 6 h. Incidents 2; restore 4, 3 → p50 3.5, p90 3 + 0.9 × 1 = 3.9.
    """
    # SPEC §3 "since: null # default: github.since" with github's "how far back the first sync reaches";
    # §2 "--since backfills from that date"; §6.2 recovery "the earliest of the resolution".
    first, second, third = main_reads
    for rows in (first, second):
        check_row(
            rows["sn"],
            team="sn",
            deployments=2,
            lead=(1.0, 1.0),
            cfr=1 / 2,
            recovery=7.0,
            restore=(3.0, 3.0),
            incidents=1,
            rework=0.0,
            stages=NO_STAGES,
            row_bands=bands("medium", "elite", "low", "high"),
        )
    check_row(
        third["sn"],
        team="sn",
        deployments=2,
        lead=(1.0, 1.0),
        cfr=1 / 2,
        recovery=6.0,
        restore=(3.5, 3.9),
        incidents=2,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_root_cause_naming_another_teams_change_while_open(main_reads: list[Rows]) -> None:
    """acme/xa (team xa, PXA) and acme/xb (team xb, no service). XA1, XB1 first. XB2 07 09:00 (sha b2),
    XA2 07 10:00, PXA-1 on PXA 07 11:00 "Checkout errors" (open at the first collect), XA3 07 12:00.
    Before the second collect PXA-1 is renamed "Checkout errors, root cause: <b2[:9]>" and resolved 15:00.

    1st read: xa: XA2 failed (window, 1 h), not recovered; XA3 while open → rework. Deployments 3, lead
    1.0, CFR 1/3, recovery null, incidents 1, restore null, rework 1/3; bands medium, elite, low, null.
    xb: deployments 2, CFR 0, nothing else; bands medium, elite, elite, null.
    2nd and 3rd: PXA-1 now names XB2's change → XB2 failed (explicit), recovered at 15:00 → 6 h; with an
    explicit link the window rule no longer applies → XA2 not failed. XA3 is still rework (deployed while
    an incident of its service was open, whatever it names). xa: CFR 0, recovery null, incidents 1,
    restore 4.0, 4.0, rework 1/3; bands medium, elite, elite, high (fallback: restore 4 h). xb: CFR 1/2,
    recovery 6.0, incidents 0 (PXA is xa's), restore null, rework 0; bands medium, elite, low, high.
    """
    # SPEC §6.1 rule 1 explicit, rule 4 "an incident with no explicit link"; §6.2 recovery, rework.
    first, second, third = main_reads
    check_row(
        first["xa"],
        team="xa",
        deployments=3,
        lead=(1.0, 1.0),
        cfr=1 / 3,
        recovery=None,
        incidents=1,
        rework=1 / 3,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "low", None),
    )
    check_row(
        first["xb"],
        team="xb",
        deployments=2,
        lead=(1.0, 1.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "elite", None),
    )
    for rows in (second, third):
        check_row(
            rows["xa"],
            team="xa",
            deployments=3,
            lead=(1.0, 1.0),
            cfr=0.0,
            recovery=None,
            restore=(4.0, 4.0),
            incidents=1,
            rework=1 / 3,
            stages=NO_STAGES,
            row_bands=bands("medium", "elite", "elite", "high"),
        )
        check_row(
            rows["xb"],
            team="xb",
            deployments=2,
            lead=(1.0, 1.0),
            cfr=1 / 2,
            recovery=6.0,
            rework=0.0,
            stages=NO_STAGES,
            row_bands=bands("medium", "elite", "low", "high"),
        )


def test_resolution_read_later_undoes_rework_of_a_deployment_after_it(main_reads: list[Rows]) -> None:
    """acme/bd (team bd, PBD). BD1 first, BD2 08 10:00, PBD-1 08 11:00 (open at the first collect), BD3
    08 12:00. Before the second collect PagerDuty says PBD-1 was resolved at 11:30, before BD3.

    1st read: BD2 failed (window, 1 h), not recovered; BD3 deployed while PBD-1 is (still) open → rework.
    Deployments 3, lead 1.0, CFR 1/3, recovery null, incidents 1, restore null, rework 1/3; bands medium,
    elite, low, null.
    2nd and 3rd: PBD-1 11:00 → 11:30: restore 0.5; BD2 recovered at 11:30 → 1.5 h; BD3 (12:00) came after
    the resolution → no rework. CFR 1/3, recovery 1.5, rework 0; bands medium, elite, low, high (1.5 h).
    """
    # SPEC §6.2 rework "deployed while an incident of its service was open"; §5.4 re-read until resolved;
    # docs/metrics.md "from the instant it starts until the instant it is resolved".
    first, second, third = main_reads
    check_row(
        first["bd"],
        team="bd",
        deployments=3,
        lead=(1.0, 1.0),
        cfr=1 / 3,
        recovery=None,
        incidents=1,
        rework=1 / 3,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "low", None),
    )
    for rows in (second, third):
        check_row(
            rows["bd"],
            team="bd",
            deployments=3,
            lead=(1.0, 1.0),
            cfr=1 / 3,
            recovery=1.5,
            restore=(0.5, 0.5),
            incidents=1,
            rework=0.0,
            stages=NO_STAGES,
            row_bands=bands("medium", "elite", "low", "high"),
        )


def test_main_organisation_row_after_each_collect(main_reads: list[Rows]) -> None:
    """Team ``"*"``; teams bd, ra, rb, mv, fb, sn, xa, xb (and no ``unowned``).

    Deployments bd 3 + ra 3 + rb 3 + mv 2 + fb 2 + sn 2 + xa 3 + xb 2 = 20 → 20/30 = 0.667/day → high.
    Lead times: every non-first deployment 1 h → 1.0, 1.0.
    1st read: failed BD2, RA2, MV2, FB2, SN2, XA2 = 6 → 6/20; recovered only SN2, 7 h → 7.0; incidents
    PBD-1, PRA-1, PMV-1, PFB-1, PFB-2, PSN-Y, PXA-1 = 7; restore over resolved ones: PSN-Y 3 → 3.0, 3.0;
    rework BD3, RA3, XA3 = 3/20. Bands high, elite, low (0.3), high (7 h).
    2nd read: failed BD2 (1.5), RB2 (6), FB2 (3), SN2 (7), XB2 (6) = 5 → 5/20; recovery sorted 1.5, 3, 6,
    6, 7 → p50 6.0; incidents 6 (PMV-1 moved out of sight); restore PBD-1 0.5, PRA-1 4, PFB-1 2, PFB-2 5,
    PSN-Y 3, PXA-1 4 → sorted 0.5, 2, 3, 4, 4, 5 → p50 (pos 2.5) 3.5, p90 (pos 4.5) 4 + 0.5 × 1 = 4.5;
    rework RB3, XA3 = 2/20. Bands high, elite, low, high.
    3rd read: PSN-X added: SN2 recovers at 6 h → 1.5, 3, 6, 6, 6 → 6.0; incidents 7; restore 0.5, 2, 3,
    4, 4, 4, 5 → p50 (pos 3) 4.0, p90 (pos 5.4) 4 + 0.4 × 1 = 4.4.
    """
    # SPEC §6 "The organisation row "*" covers everything collected, team unowned included."
    first, second, third = main_reads
    for rows in main_reads:
        assert sorted(rows) == ["*", "bd", "fb", "mv", "ra", "rb", "sn", "xa", "xb"]
    common: dict[str, Any] = {"team": "*", "deployments": 20, "lead": (1.0, 1.0), "stages": NO_STAGES}
    check_row(
        first["*"],
        **common,
        cfr=6 / 20,
        recovery=7.0,
        restore=(3.0, 3.0),
        incidents=7,
        rework=3 / 20,
        row_bands=bands("high", "elite", "low", "high"),
    )
    check_row(
        second["*"],
        **common,
        cfr=5 / 20,
        recovery=6.0,
        restore=(3.5, 4.5),
        incidents=6,
        rework=2 / 20,
        row_bands=bands("high", "elite", "low", "high"),
    )
    check_row(
        third["*"],
        **common,
        cfr=5 / 20,
        recovery=6.0,
        restore=(4.0, 4.4),
        incidents=7,
        rework=2 / 20,
        row_bands=bands("high", "elite", "low", "high"),
    )


# =========================================================================================== bulk world


def bulk_world() -> World:
    """Team bk: acme/bk (BK1 first 03-01 06:00, BK2 03-05 10:00) and PBK with 120 high incidents, one an
    hour from 03-10 00:00 (the last 03-14 23:00), incident i lasting 1 h (i even) or 2 h (i odd)."""
    world = World()
    (repo,) = world.team("bk", ["acme/bk"], ["PBK"])
    started(repo)
    deploy(repo, "k2", at(5, 10))
    for i in range(120):
        start = at(10, i)
        world.pagerduty.add_incident(
            f"PBK-{i:03d}", "PBK", f"Alert {i}", start, resolved_at=start + timedelta(hours=1 + i % 2)
        )
    return world


def check_bulk(rows: Rows) -> None:
    assert sorted(rows) == ["*", "bk"]
    for team in ("*", "bk"):
        check_row(
            rows[team],
            team=team,
            deployments=2,
            lead=(1.0, 1.0),
            cfr=0.0,
            recovery=None,
            restore=(1.5, 2.0),
            incidents=120,
            rework=0.0,
            stages=NO_STAGES,
            row_bands=bands("medium", "elite", "elite", "high"),
        )


@pytest.mark.parametrize(
    ("fault", "failures"),
    [(None, 0), (Fault.rate_limited(reset=1), 0), (Fault.rate_limited(reset=7200), 1)],
    ids=["unbroken", "429-waited-out", "429-ends-the-run-then-resumed"],
)
def test_a_429_in_the_middle_of_the_incident_listing(
    tmp_path: Path, fault: Fault | None, failures: int
) -> None:
    """acme/bk and PBK (bulk world): 120 incidents, listed in pages of 100. The listing request at
    offset 100 is answered 429: with ``ratelimit-reset: 1`` the sync waits and goes on; with a reset two
    hours away (past the hour a sync waits) the collect ends with status 1 and the next collect resumes.

    Every read: bk has deployments 2 (lead 1.0, 1.0), no failure (the incidents start 4+ days after BK2,
    past 24 h): CFR 0, recovery null; incidents 120; restore 60 × 1 h and 60 × 2 h → p50 at position 59.5
    → 1.5, p90 at 107.1 → 2.0; rework 0. Bands: 2/30 → medium, elite, elite, high (fallback restore
    1.5 h). Organisation row ``*`` the same numbers: exactly those of the unbroken sync.
    """
    # SPEC §9 "honours ... rate limits (403/429, retry-after ...) The same for PagerDuty"; "A sync
    # interrupted at any point, resumed, yields exactly the data of an uninterrupted sync"; docs/
    # operations.md "a limit that resets further away than an hour ends the run, which the next interval
    # resumes".
    world = bulk_world()
    reads, pd = collect_and_read(
        world,
        tmp_path,
        pagerduty_extra="  urgencies: [high]\n",
        collects=[[]] * (failures + 1),
        fault=fault,
        failing=frozenset(range(failures)),
    )
    assert pd.fired == (0 if fault is None else 1)
    (rows,) = reads
    check_bulk(rows)


def test_a_429_on_the_reread_of_an_open_incident_ends_the_run_and_the_next_resumes(tmp_path: Path) -> None:
    """Team rr: acme/rr (RR1 first, RR2 09 10:00) and PRR; PRR-1 09 11:00, open at the first collect,
    resolved at 14:00 before the second. The second collect's re-read of PRR-1 by id is answered 429
    with a reset two hours away: the run ends (status 1); the third collect reads it again.

    After the 1st collect: RR2 failed (window, 1 h), not recovered: deployments 2, lead 1.0, CFR 1/2,
    recovery null, incidents 1, restore null, rework 0; bands medium, elite, low, null.
    After the 3rd: PRR-1 11:00 → 14:00: restore 3.0, 3.0; RR2 recovered at 14:00 → 4.0; bands medium,
    elite, low, high. The organisation row ``*`` the same each time.
    """
    # SPEC §5.4 "Unresolved incidents are re-read until resolved"; §9 "A sync interrupted at any point,
    # resumed, yields exactly the data of an uninterrupted sync"; docs/operations.md "a limit that resets
    # further away than an hour ends the run, which the next interval resumes".
    world = World()
    (repo,) = world.team("rr", ["acme/rr"], ["PRR"])
    started(repo)
    deploy(repo, "r2", at(9, 10))
    world.pagerduty.add_incident("PRR-1", "PRR", "Search down", at(9, 11), status="triggered")

    def resolve(pagerduty: PagerDutyDataset) -> None:
        pagerduty.resolve("PRR-1", at(9, 14))

    world.between.append(resolve)

    def limit_the_reread(pd: PagerDutyEmulator) -> None:
        pd.inject(r"^/incidents/PRR-1$", Fault.rate_limited(reset=7200))

    (first, last), pd = collect_and_read(
        world,
        tmp_path,
        pagerduty_extra="  urgencies: [high]\n",
        collects=[[], [], []],
        failing=frozenset({1}),
        before_second=limit_the_reread,
    )
    assert [record.status for record in pd.requests_to(r"^/incidents/PRR-1$")] == [429, 200]
    for team in ("*", "rr"):
        check_row(
            first[team],
            team=team,
            deployments=2,
            lead=(1.0, 1.0),
            cfr=1 / 2,
            recovery=None,
            incidents=1,
            rework=0.0,
            stages=NO_STAGES,
            row_bands=bands("medium", "elite", "low", None),
        )
        check_row(
            last[team],
            team=team,
            deployments=2,
            lead=(1.0, 1.0),
            cfr=1 / 2,
            recovery=4.0,
            restore=(3.0, 3.0),
            incidents=1,
            rework=0.0,
            stages=NO_STAGES,
            row_bands=bands("medium", "elite", "low", "high"),
        )


# =========================================================================================== cap world


def test_more_than_10000_incidents_in_one_range_are_split_and_counted_exactly(tmp_path: Path) -> None:
    """Team sre owns PCAP only (no repository); team capapp owns acme/capapp (CA1 first 03-01 06:00, CA2
    03-15 10:00) and no service. PCAP: 10,050 high incidents, incident i created 02-19 00:00 + 3 min × i
    (the last 03-11 22:27), lasting 1 h (i even) or 3 h (i odd), every one resolved by 03-12 01:27; and
    100 low ones (02-19 00:01 + 3 min × j, 30 min each), not collected (urgencies [high]) but listed:
    10,150 in the first 179-day slice, past the 10,000 offset cap → split by date range.

    sre: deployments 0 (frequency 0.0 → low), lead null, CFR null, recovery null, incidents 10,050 (all
    started in the window), restore 5,025 × 1 h and 5,025 × 3 h → p50 at position 5,024.5 → 2.0, p90 at
    9,044.1 → 3.0; rework null; bands low, null, null, high (fallback restore 2 h).
    capapp: deployments 2, lead 1.0, CFR 0, recovery null, incidents 0, restore null, rework 0; bands
    medium, elite, elite, null.
    ``*``: deployments 2, lead 1.0, CFR 0, incidents 10,050, restore 2.0, 3.0, rework 0; bands medium,
    elite, elite, high. No request was refused (no 400).
    """
    # SPEC §9 "The same for PagerDuty (429, its 10,000-offset cap: split the date range)"; §6.2; docs/
    # metrics.md "a team owning PagerDuty services only ... has 0 deployments and its incidents and
    # restore times".
    world = World()
    world.teams["sre"] = ([], ["PCAP"])
    (app,) = world.team("capapp", ["acme/capapp"], [])
    started(app)
    deploy(app, "c2", at(15, 10))
    for i in range(10_050):
        start = feb(19) + timedelta(minutes=3 * i)
        world.pagerduty.add_incident(
            f"PCAP-{i:05d}", "PCAP", "Alert", start, resolved_at=start + timedelta(hours=1 + 2 * (i % 2))
        )
    for j in range(100):
        start = feb(19) + timedelta(minutes=1 + 3 * j)
        world.pagerduty.add_incident(
            f"PLOW-{j:03d}", "PCAP", "Minor", start, urgency="low", resolved_at=start + timedelta(minutes=30)
        )
    reads, pd = collect_and_read(world, tmp_path, pagerduty_extra="  urgencies: [high]\n", collects=[[]])
    (rows,) = reads
    assert [record for record in pd.requests if record.status == 400] == []
    listings = pd.requests_to(r"^/incidents$")
    assert max(int(record.param("offset") or 0) for record in listings) < 10_000
    spans = [
        datetime.fromisoformat(str(record.param("until")))
        - datetime.fromisoformat(str(record.param("since")))
        for record in listings
    ]
    assert min(spans) < timedelta(days=90)  # the 179-day slice was split
    assert sorted(rows) == ["*", "capapp", "sre"]
    check_row(
        rows["sre"],
        team="sre",
        deployments=0,
        lead=(None, None),
        cfr=None,
        recovery=None,
        restore=(2.0, 3.0),
        incidents=10_050,
        rework=None,
        stages=NO_STAGES,
        row_bands=bands("low", None, None, "high"),
    )
    check_row(
        rows["capapp"],
        team="capapp",
        deployments=2,
        lead=(1.0, 1.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "elite", None),
    )
    check_row(
        rows["*"],
        team="*",
        deployments=2,
        lead=(1.0, 1.0),
        cfr=0.0,
        recovery=None,
        restore=(2.0, 3.0),
        incidents=10_050,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "elite", "high"),
    )
