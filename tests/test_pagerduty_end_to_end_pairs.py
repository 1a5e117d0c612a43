"""End to end where PagerDuty meets another SPEC rule: emulated GitHub deployments and an emulated
PagerDuty (HTTPS, test-time CA) → `doraspace collect` (twice) → `doraspace metrics --format json`, every
number worked out by hand from SPEC §3–§6.

One emulated organisation holds every scenario, each in its own repository (or pair) and PagerDuty
service, owned by its own team (config ``teams:``), so the scenarios cannot see each other. Config:
``github.since: 2026-02-01`` (and so ``pagerduty.since``), ``pagerduty.urgencies: [high]``,
``pagerduty.service_ids: [PNOBODY, PRED]``, attribution window 24 h, window 30d only, catalog discovery on
(one scenario owns its service through ``catalog-info.yaml``). The store is collected once, the
emulated PagerDuty then changes (an incident escalated, one de-escalated, both resolved), and it is
collected again; then read once with ``doraspace metrics --format json --as-of 2026-03-20T00:00:00Z``:
window 30d = (02-18 00:00, 03-20 00:00]. Collect's own "now" is the wall clock, which is after every
fact here; nothing depends on it (every fact is in Feb/March 2026 and ``since`` is explicit).

Times are March 2026 UTC, ``at(day, hour)``. Every repo's first deployment has compare ``first``: it
counts as a deployment and adds no lead times (§5.2). Percentiles are ``percentile_cont``: p at position
p × (n − 1) of the sorted values. Incidents are ``high`` unless said otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator, iso
from tests.github_scenarios import approx, check, run_cli

AS_OF = "2026-03-20T00:00:00Z"
GH_TOKEN_VARIABLE = "PD_PAIRS_GITHUB_TOKEN"
PD_TOKEN_VARIABLE = "PD_PAIRS_PAGERDUTY_TOKEN"
GH_TOKEN = "pd-pairs-gh-token"
PD_TOKEN = "pd-pairs-pd-token"


def at(day: int, hour: float = 0.0, month: int = 3) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC) + timedelta(hours=hour)


def started(repo: RepoData, deployed_at: datetime) -> str:
    """The repo's root commit (an hour before) and its first deployment: compare ``first``."""
    c0 = repo.commit("initial", author_date=deployed_at - timedelta(hours=1))
    repo.deployment(c0, created_at=deployed_at)
    return c0


def deploy(repo: RepoData, name: str, deployed_at: datetime) -> str:
    """A commit authored an hour before ``deployed_at`` and its production deployment."""
    sha = repo.commit(name, author_date=deployed_at - timedelta(hours=1))
    repo.deployment(sha, created_at=deployed_at)
    return sha


# ------------------------------------------------------------------------------------------- scenarios


@dataclass
class World:
    github: GitHubDataset
    pagerduty: PagerDutyDataset
    # team → (repositories, PagerDuty services) for the config's ``teams:``
    teams: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    # what happens in PagerDuty between the first and the second collect
    between: list[Callable[[PagerDutyDataset], None]] = field(default_factory=list)

    def team(self, name: str, repos: list[str], services: list[str]) -> list[RepoData]:
        self.teams[name] = (repos, services)
        return [self.github.add_repo(repo) for repo in repos]


BUILDERS: list[Callable[[World], None]] = []


def scenario(builder: Callable[[World], None]) -> Callable[[World], None]:
    BUILDERS.append(builder)
    return builder


@scenario
def build_window(world: World) -> None:
    (repo,) = world.team("pdwin", ["acme/pdwin"], ["PWIN"])
    started(repo, at(1, 6))
    deploy(repo, "f1", at(2, 10))  # D2
    world.pagerduty.add_incident("PWIN-1", "PWIN", "Checkout errors", at(2, 12), resolved_at=at(2, 15))
    deploy(repo, "f2", at(2, 14))  # D3 while PWIN-1 is open
    world.pagerduty.add_incident("PWIN-2", "PWIN", "Slow search", at(5, 10), resolved_at=at(5, 11))


@scenario
def build_open_at_as_of(world: World) -> None:
    (repo,) = world.team("pdopen", ["acme/pdopen"], ["POPEN"])
    started(repo, at(1, 6))
    deploy(repo, "f1", at(10, 10))  # D2
    # Resolved only after as_of: open as of as_of.
    world.pagerduty.add_incident("POPEN-1", "POPEN", "Cart empty", at(10, 12), resolved_at=at(21))
    deploy(repo, "f2", at(11, 10))  # D3
    deploy(repo, "f3", at(12, 10))  # D4
    world.pagerduty.add_incident("POPEN-2", "POPEN", "Still burning", at(15, 12), status="triggered")
    deploy(repo, "f4", at(16, 10))  # D5


@scenario
def build_resolve_log(world: World) -> None:
    (repo,) = world.team("pdlog", ["acme/pdlog"], ["PLOG"])
    started(repo, at(1, 6))
    deploy(repo, "f1", at(5, 10))  # D2
    world.pagerduty.add_incident(
        "PLOG-1",
        "PLOG",
        "Queue stuck",
        at(5, 12),
        resolved_at=None,
        resolve_log_at=at(5, 14),
        last_status_change_at=at(5, 16),  # a later status change: not the resolution
    )


@scenario
def build_offset(world: World) -> None:
    (repo,) = world.team("pdtz", ["acme/pdtz"], ["PTZ"])
    started(repo, at(1, 6))
    deploy(repo, "f1", at(7, 13))  # D2 at 13:00Z
    payload = world.pagerduty.add_incident(
        "PTZ-1", "PTZ", "Berlin outage", at(7, 12), resolved_at=at(7, 14.5)
    )
    payload.update(
        created_at="2026-03-07T14:00:00+02:00",  # 12:00Z
        resolved_at="2026-03-07T16:30:00+02:00",  # 14:30Z
        last_status_change_at="2026-03-07T16:30:00+02:00",
    )
    # Resolved through its resolve log entry only, whose created_at carries an offset: 12:00+02:00 = 10:00Z.
    world.pagerduty.add_incident(
        "PTZ-2", "PTZ", "Berlin again", at(8, 9), resolved_at=None, resolve_log_at=at(8, 10)
    )
    world.pagerduty.incidents["PTZ-2"].log_entries[-1]["created_at"] = "2026-03-08T12:00:00+02:00"


@scenario
def build_low_urgency(world: World) -> None:
    (repo,) = world.team("pdlow", ["acme/pdlow"], ["PLOW"])
    started(repo, at(1, 6))
    deploy(repo, "f1", at(8, 10))  # D2
    world.pagerduty.add_incident(
        "PLOW-1", "PLOW", "Disk 80%", at(8, 12), urgency="low", resolved_at=at(8, 13)
    )
    deploy(repo, "f2", at(8, 12.5))  # D3 while the low incident is open


@scenario
def build_escalated(world: World) -> None:
    (repo,) = world.team("pdesc", ["acme/pdesc"], ["PESC"])
    started(repo, at(1, 6))
    deploy(repo, "f1", at(9, 10))  # D2
    world.pagerduty.add_incident(
        "PESC-1", "PESC", "Errors creeping", at(9, 12), urgency="low", status="triggered"
    )
    deploy(repo, "f2", at(9, 14))  # D3 while PESC-1 is open

    def escalate(pagerduty: PagerDutyDataset) -> None:
        pagerduty.incidents["PESC-1"].payload.update(urgency="high", updated_at=iso(at(9, 13)))
        pagerduty.resolve("PESC-1", at(9, 16))

    world.between.append(escalate)


@scenario
def build_deescalated(world: World) -> None:
    (repo,) = world.team("pddesc", ["acme/pddesc"], ["PDESC"])
    started(repo, at(1, 6))
    deploy(repo, "f1", at(9, 10))  # D2
    world.pagerduty.add_incident("PDESC-1", "PDESC", "False alarm", at(9, 12), status="triggered")
    deploy(repo, "f2", at(9, 14))  # D3

    def deescalate(pagerduty: PagerDutyDataset) -> None:
        pagerduty.incidents["PDESC-1"].payload.update(urgency="low", updated_at=iso(at(9, 13)))
        pagerduty.resolve("PDESC-1", at(9, 15))

    world.between.append(deescalate)


@scenario
def build_two_teams(world: World) -> None:
    (red,) = world.team("pdred", ["acme/pdred"], ["PRED"])
    (blue,) = world.team("pdblue", ["acme/pdblue"], ["PBLUE"])
    started(red, at(1, 6))
    started(blue, at(1, 6))
    deploy(red, "r1", at(11, 10))  # R2
    deploy(blue, "b1", at(11, 11))  # B2: the latest deployment of all before the incident
    world.pagerduty.add_incident("PRED-1", "PRED", "Red is down", at(11, 12), resolved_at=at(11, 14))
    deploy(blue, "b2", at(11, 13))  # B3 while red's incident is open


@scenario
def build_unowned_service(world: World) -> None:
    (repo,) = world.team("pdnear", ["acme/pdnear"], [])
    started(repo, at(1, 6))
    deploy(repo, "n1", at(12, 11))  # N2
    world.pagerduty.add_incident("PNOBODY-1", "PNOBODY", "Shared LB", at(12, 12), resolved_at=at(12, 13))
    deploy(repo, "n2", at(12, 12.5))  # N3 while PNOBODY-1 is open
    # A service nobody owns and nobody lists: never collected.
    world.pagerduty.add_incident("PSTRAY-1", "PSTRAY", "Not ours", at(12, 12), resolved_at=at(12, 20))


@scenario
def build_attribution_edges(world: World) -> None:
    (repo,) = world.team("pdedge", ["acme/pdedge"], ["PEDGE"])
    started(repo, at(1, 6))
    deploy(repo, "f1", at(13, 10))  # D2
    world.pagerduty.add_incident("PEDGE-1", "PEDGE", "At the edge", at(14, 10), resolved_at=at(14, 11))
    deploy(repo, "f2", at(15, 10))  # D3
    world.pagerduty.add_incident("PEDGE-2", "PEDGE", "Same instant", at(15, 10), resolved_at=at(15, 12))


@scenario
def build_window_edges(world: World) -> None:
    (repo,) = world.team("pdspan", ["acme/pdspan"], ["PSPAN"])
    started(repo, at(16, 0, month=2))  # D1 02-16 00:00, before the window
    world.pagerduty.add_incident(
        "PSPAN-X", "PSPAN", "Spans the start", at(17, 0, month=2), resolved_at=at(19, 0, month=2)
    )
    world.pagerduty.add_incident(
        "PSPAN-Y", "PSPAN", "At the start", at(18, 0, month=2), resolved_at=at(18, 6, month=2)
    )
    deploy(repo, "f1", at(18, 12, month=2))  # D2 while X is open
    deploy(repo, "f2", at(19, 12))  # D3 03-19 12:00
    world.pagerduty.add_incident("PSPAN-Z", "PSPAN", "At as_of", at(20), resolved_at=at(20, 1))


@scenario
def build_issue_and_incident(world: World) -> None:
    (repo,) = world.team("pdboth", ["acme/pdboth"], ["PBOTH"])
    started(repo, at(1, 6))
    deploy(repo, "f1", at(16, 10))  # D2
    world.pagerduty.add_incident("PBOTH-1", "PBOTH", "Payments down", at(16, 12), resolved_at=at(16, 14))
    repo.issue(
        title="Payments down", created_at=at(16, 12 + 5 / 60), closed_at=at(16, 14.5), labels=["incident"]
    )


@scenario
def build_two_repos_one_service(world: World) -> None:
    api, web = world.team("pdpair", ["acme/pdpair-api", "acme/pdpair-web"], ["PPAIR"])
    started(api, at(1, 6))
    started(web, at(1, 6))
    deploy(api, "a1", at(17, 10))  # A2
    deploy(web, "w1", at(17, 11))  # W2
    world.pagerduty.add_incident("PPAIR-1", "PPAIR", "Shop down", at(17, 12), resolved_at=at(17, 13))


@scenario
def build_explicit_description(world: World) -> None:
    (repo,) = world.team("pdexp", ["acme/pdexp"], ["PEXP"])
    started(repo, at(1, 6))
    f1 = deploy(repo, "f1", at(17, 10))  # D2
    deploy(repo, "f2", at(18, 10))  # D3
    world.pagerduty.add_incident(
        "PEXP-1",
        "PEXP",
        "Prices wrong",
        at(18, 12),
        resolved_at=at(18, 13),
        description=f"Prices wrong since yesterday. root cause: {f1[:8]}",
    )


@scenario
def build_catalog_owned(world: World) -> None:
    # No teams: entry: the repo and its PagerDuty service belong to the component's owner.
    repo = world.github.add_repo("acme/pdcat")
    repo.files["catalog-info.yaml"] = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: pdcat-svc
  annotations:
    pagerduty.com/service-id: PCAT
spec:
  type: service
  owner: group:default/pdcat
"""
    started(repo, at(1, 6))
    deploy(repo, "f1", at(18, 10))  # D2
    world.pagerduty.add_incident("PCAT-1", "PCAT", "Catalogued", at(18, 11), resolved_at=at(18, 12.5))


@scenario
def build_hex_word_that_is_no_sha(world: World) -> None:
    (repo,) = world.team("pdhex", ["acme/pdhex"], ["PHEX"])
    started(repo, at(1, 6))
    deploy(repo, "f1", at(15, 10))  # D2
    world.pagerduty.add_incident("PHEX-1", "PHEX", "Order 1234567 stuck", at(15, 11), resolved_at=at(15, 12))


@scenario
def build_rollback_while_open(world: World) -> None:
    (repo,) = world.team("pdroll", ["acme/pdroll"], ["PROLL"])
    c0 = started(repo, at(1, 6))
    deploy(repo, "f1", at(14, 10))  # D2
    # Resolved only after as_of.
    world.pagerduty.add_incident("PROLL-1", "PROLL", "Refunds fail", at(14, 11), resolved_at=at(22))
    repo.deployment(c0, created_at=at(14, 13))  # D3 redeploys c0: a rollback of D2


@scenario
def build_open_since_before_the_window(world: World) -> None:
    (repo,) = world.team("pdlong", ["acme/pdlong"], ["PLONG"])
    started(repo, at(4, 12, month=2))  # D1 02-04 12:00
    world.pagerduty.add_incident("PLONG-1", "PLONG", "Slow leak", at(5, 0, month=2), status="triggered")
    deploy(repo, "f1", at(3, 10))  # D2 03-03 10:00, PLONG-1 still open


@scenario
def build_catalog_overridden(world: World) -> None:
    # The catalog gives the component (and its PagerDuty service PCATX) to catowner; teams: gives the
    # repository to pdcatcfg, and names no PagerDuty service.
    (repo,) = world.team("pdcatcfg", ["acme/pdcatx"], [])
    repo.files["catalog-info.yaml"] = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: pdcatx-svc
  annotations:
    pagerduty.com/service-id: PCATX
spec:
  type: service
  owner: catowner
"""
    started(repo, at(1, 6))
    deploy(repo, "f1", at(19, 10))  # D2
    world.pagerduty.add_incident("PCATX-1", "PCATX", "Overridden", at(19, 11), resolved_at=at(19, 14))


# ------------------------------------------------------------------------------------------- pipeline


def config_text(world: World, store: str, github_url: str, pagerduty_url: str, ca_file: str) -> str:
    repos = list(world.github.repos)
    team_lines = "".join(
        f"  - {{name: {team}, repositories: [{', '.join(team_repos)}], "
        f"pagerduty_services: [{', '.join(services)}]}}\n"
        for team, (team_repos, services) in world.teams.items()
    )
    repo_lines = "".join(f"    - {repo}\n" for repo in repos)
    return (
        f"database:\n  url: duckdb:///{store}\n"
        f"github:\n  base_url: {github_url}\n  token: ${{{GH_TOKEN_VARIABLE}}}\n  since: 2026-02-01\n"
        f"  repositories:\n{repo_lines}"
        f"pagerduty:\n  base_url: {pagerduty_url}\n  token: ${{{PD_TOKEN_VARIABLE}}}\n"
        f"  ca_bundle: {ca_file}\n"
        "  urgencies: [high]\n  service_ids: [PNOBODY, PRED]\n"
        "catalog: {discover: true}\n"
        "incidents: {attribution_window: 24h}\n"
        "metrics: {windows: [30d]}\n"
        f"teams:\n{team_lines}"
    )


@pytest.fixture(scope="module")
def team_rows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    world = World(GitHubDataset(), PagerDutyDataset())
    for build in BUILDERS:
        build(world)
    directory = tmp_path_factory.mktemp("pd-pairs")
    with (
        pytest.MonkeyPatch.context() as patch,
        GitHubEmulator(world.github, token=GH_TOKEN) as gh,
        PagerDutyEmulator(world.pagerduty, token=PD_TOKEN) as pd,
    ):
        patch.setenv(GH_TOKEN_VARIABLE, GH_TOKEN)
        patch.setenv(PD_TOKEN_VARIABLE, PD_TOKEN)
        config = directory / "doraspace.yaml"
        config.write_text(
            config_text(world, f"{directory}/store.duckdb", gh.base_url, pd.base_url, pd.ca_file)
        )
        run_cli(["collect", "--config", str(config)])
        for change in world.between:
            change(world.pagerduty)
        run_cli(["collect", "--config", str(config)])
        rows = json.loads(run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF]))
    yield {row["team"]: row for row in rows if row["window"] == "30d"}


# ------------------------------------------------------------------------------------------- the tests


def test_pagerduty_incident_in_the_attribution_window_fails_the_latest_deployment(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/pdwin (team pdwin, config ``pagerduty_services: [PWIN]``).

    D1 03-01 06:00 (first). D2 f1 (02 09:00) at 02 10:00: lead 1 h. PWIN-1 02 12:00 → 15:00 (resolved_at):
    the latest deployment of pdwin before 12:00 is D2, 2 h before → D2 failed (window), recovered at the
    resolution, 15:00: 5 h. D3 f2 (13:00) at 14:00 while PWIN-1 is open → rework; lead 1 h. PWIN-2 05
    10:00 → 11:00: 68 h after D3, outside the 24 h window → fails nothing.
    Deployments 3; CFR 1/3; recovery 5.0; incidents 2; restore 3, 1 → p50 2.0, p90 1 + 0.9 × 2 = 2.8;
    rework 1/3.
    """
    # SPEC §6.1 rule 4: "an incident with no explicit link started in (F.deployed_at, F.deployed_at +
    # attribution_window], on a PagerDuty service or repo of F's service (§4), and F is the latest deployment
    # of that service"; §4 "the PagerDuty services a teams: entry names belong to that team's repos";
    # §6.2 recovery "from F.deployed_at to the earliest of the resolution of an incident that failed it";
    # rework "deployed while an incident of its service was open".
    check(
        team_rows["pdwin"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=5.0,
        incidents=2,
        time_to_restore_hours_p50=2.0,
        time_to_restore_hours_p90=2.8,
        rework_rate=1 / 3,
        lead_time_hours_p50=1.0,
    )


def test_incidents_open_at_as_of_make_rework_but_no_restore_or_recovery(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/pdopen (team pdopen, service POPEN).

    D1 first. D2 at 10 10:00. POPEN-1 10 12:00, resolved 03-21 00:00 — after as_of, so open as of
    as_of. D2 failed (window, 2 h before), not recovered by as_of → no recovery value. D3 11 10:00 and
    D4 12 10:00 deployed while POPEN-1 is open → rework (and they are 22 h / 46 h after the incident's
    start, not before it: not failed). POPEN-2 15 12:00, still triggered: 74 h after D4 → fails nothing.
    D5 16 10:00 while both are open → rework.
    Deployments 5; CFR 1/5; recovery null; incidents 2; restore null (none resolved in the window);
    rework 3/5.
    """
    # SPEC §3/§2 --as-of: "facts after it are ignored, as if they had not happened yet"; §6.2 recovery
    # "over failed deployments in the window that have recovered by as_of"; time_to_restore "over incidents
    # resolved in the window"; rework "deployed while an incident of its service was open"; "a ratio or
    # percentile with nothing to measure is null".
    check(
        team_rows["pdopen"],
        deployments=5,
        change_failure_rate=1 / 5,
        failed_deployment_recovery_hours_p50=None,
        incidents=2,
        time_to_restore_hours_p50=None,
        time_to_restore_hours_p90=None,
        rework_rate=3 / 5,
    )


def test_incident_resolved_only_by_its_resolve_log_entry(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/pdlog (team pdlog, service PLOG).

    D1 first. D2 at 05 10:00. PLOG-1 05 12:00, status resolved, no ``resolved_at``, a resolve log entry
    at 14:00, ``last_status_change_at`` 16:00. resolved_at = the log entry, 14:00 (not 16:00).
    D2 failed (window), recovered at 14:00: 4 h (6 h if last_status_change_at were used).
    Deployments 2; CFR 1/2; recovery 4.0; incidents 1; restore 2.0; rework 0.
    """
    # SPEC §5.4: "resolved_at = resolved_at, else the created_at of its resolve log entry, else
    # last_status_change_at when status is resolved".
    check(
        team_rows["pdlog"],
        deployments=2,
        change_failure_rate=1 / 2,
        failed_deployment_recovery_hours_p50=4.0,
        incidents=1,
        time_to_restore_hours_p50=2.0,
        rework_rate=0.0,
    )


def test_incident_timestamps_with_an_offset_are_instants(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/pdtz (team pdtz, service PTZ).

    D1 03-01 06:00 (first). D2 at 07 13:00Z. PTZ-1 created ``2026-03-07T14:00:00+02:00`` = 12:00Z,
    resolved ``16:30+02:00`` = 14:30Z. The incident starts 1 h *before* D2: the latest deployment before
    it is D1, 6 days earlier → PTZ-1 fails nothing. D2 is deployed while PTZ-1 is open → rework.
    (Reading the wall-clock 14:00 as UTC would put the incident after D2 and fail it.)
    PTZ-2 08 09:00Z, status resolved, no ``resolved_at``, its resolve log entry created
    ``2026-03-08T12:00:00+02:00`` = 10:00Z: restore 1 h. It starts 20 h after D2 → D2 failed (window),
    recovered at 08 10:00Z: 21 h (23 h if the offset were dropped).
    Deployments 2; CFR 1/2; recovery 21.0; incidents 2; restore 1, 2.5 → p50 1.75, p90 1 + 0.9 × 1.5 =
    2.35; rework 1/2.
    """
    # SPEC §6: "All instants are UTC"; §5.4 "else the created_at of its resolve log entry"; §6.1 rule 4
    # "F is the latest deployment of that service before the incident started"; §6.2 rework.
    check(
        team_rows["pdtz"],
        deployments=2,
        change_failure_rate=1 / 2,
        failed_deployment_recovery_hours_p50=21.0,
        incidents=2,
        time_to_restore_hours_p50=1.75,
        time_to_restore_hours_p90=2.35,
        rework_rate=1 / 2,
    )


def test_low_urgency_incident_is_not_collected_when_only_high_is(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/pdlow (team pdlow, service PLOW); ``pagerduty.urgencies: [high]``.

    D1 first. D2 at 08 10:00. PLOW-1 (low) 08 12:00 → 13:00: not collected, so it fails nothing and D3
    (08 12:30, while it is open) is no rework.
    Deployments 3; CFR 0.0; incidents 0; restore null; rework 0.0.
    """
    # SPEC §5.4: "PagerDuty incidents of the owned services, in the configured urgencies"; §3
    # "urgencies: [high, low]".
    check(
        team_rows["pdlow"],
        deployments=3,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=0,
        time_to_restore_hours_p50=None,
        rework_rate=0.0,
    )


def test_incident_escalated_between_two_collects_counts(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/pdesc (team pdesc, service PESC); urgencies [high].

    D1 first. D2 at 09 10:00. PESC-1 09 12:00, low and triggered at the first collect (not collected).
    D3 at 14:00. Between the collects it is escalated to high and resolved at 16:00 (resolved_at and a
    resolve log entry). The second collect lists nothing new before its cursor, but re-reads the open
    incident and stores it: as a fresh store would.
    D2 failed (window, 2 h before), recovered 16:00: 6 h. D3 deployed while PESC-1 is open → rework.
    Deployments 3; CFR 1/3; recovery 6.0; incidents 1; restore 4.0; rework 1/3.
    """
    # SPEC §5.4 "in the configured urgencies ... Unresolved incidents are re-read until resolved"; §5
    # "re-syncing updates it in place"; §9 "A sync ... resumed, yields exactly the data of an uninterrupted
    # sync"; docs/metrics.md "one escalated into a configured urgency while open is collected then".
    check(
        team_rows["pdesc"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=6.0,
        incidents=1,
        time_to_restore_hours_p50=4.0,
        rework_rate=1 / 3,
    )


def test_incident_deescalated_between_two_collects_is_dropped(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/pddesc (team pddesc, service PDESC); urgencies [high].

    D1 first. D2 at 09 10:00. PDESC-1 09 12:00, high and triggered at the first collect (stored, open).
    D3 at 14:00. Between the collects it is de-escalated to low and resolved at 15:00. As of the second
    collect it is a low incident: a fresh store would not hold it, so it fails nothing and makes no rework.
    Deployments 3; CFR 0.0; incidents 0; restore null; rework 0.0.
    """
    # SPEC §5.4 "in the configured urgencies"; docs/metrics.md "An incident counts in its urgency of the
    # latest sync: ... one de-escalated out of them is dropped".
    check(
        team_rows["pddesc"],
        deployments=3,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=0,
        time_to_restore_hours_p50=None,
        rework_rate=0.0,
    )


def test_incident_on_one_teams_service_fails_nothing_of_another_team(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/pdred (team pdred, PRED) and acme/pdblue (team pdblue, PBLUE).

    PRED is also listed in ``pagerduty.service_ids``: it is owned, so it stays pdred's (not ``unowned``).
    red: R1 first, R2 at 11 10:00. blue: B1 first, B2 at 11 11:00 (the latest deployment of the whole
    org before the incident). PRED-1 11 12:00 → 14:00: red's service → R2 failed (window), recovered
    14:00: 4 h; B2 is another service's → not failed. B3 at 11 13:00 while PRED-1 is open: not blue's
    service → no rework.
    red: deployments 2, CFR 1/2, recovery 4.0, incidents 1, restore 2.0, rework 0.0.
    blue: deployments 3, CFR 0.0, recovery null, incidents 0, restore null, rework 0.0.
    """
    # SPEC §6.1 rule 4 "on a PagerDuty service or repo of F's service (§4)"; §6 "Team metrics cover the
    # repos and PagerDuty services the team owns"; §6.2 rework "an incident of its service".
    check(
        team_rows["pdred"],
        deployments=2,
        change_failure_rate=1 / 2,
        failed_deployment_recovery_hours_p50=4.0,
        incidents=1,
        time_to_restore_hours_p50=2.0,
        rework_rate=0.0,
    )
    check(
        team_rows["pdblue"],
        deployments=3,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=0,
        time_to_restore_hours_p50=None,
        rework_rate=0.0,
    )


def test_service_ids_service_owned_by_nobody_counts_for_unowned_only(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """PNOBODY (``pagerduty.service_ids``, named by no team) and acme/pdnear (team pdnear, no service).

    PNOBODY-1 12 12:00 → 13:00 belongs to team ``unowned``: a row with deployments 0, incidents 1,
    restore 1.0, and ratios null (no deployments). pdnear: N1 first, N2 at 12 11:00 (1 h before the
    incident, but PNOBODY is no service of pdnear), N3 at 12:30 while it is open → no failure, no rework.
    PSTRAY (neither owned nor listed) is not collected: its 8 h incident appears nowhere; PRED, listed in
    ``service_ids`` too but owned by pdred, is not ``unowned``'s either: ``unowned`` has exactly one
    incident.
    unowned: deployments 0, CFR null, recovery null, incidents 1, restore 1.0, rework null.
    pdnear: deployments 3, CFR 0.0, incidents 0, rework 0.0.
    """
    # SPEC §4 "A repo or a service_ids service owned by nobody belongs to team unowned; PagerDuty services
    # that are neither in the ownership map nor in service_ids are not collected"; §6 "a ratio or
    # percentile with nothing to measure is null, never 0"; "Counts are numbers (0 where there is nothing)".
    check(
        team_rows["unowned"],
        deployments=0,
        change_failure_rate=None,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        time_to_restore_hours_p90=1.0,
        rework_rate=None,
    )
    check(
        team_rows["pdnear"],
        deployments=3,
        change_failure_rate=0.0,
        incidents=0,
        time_to_restore_hours_p50=None,
        rework_rate=0.0,
    )


def test_incident_exactly_at_the_attribution_windows_end_and_at_a_deployment(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/pdedge (team pdedge, service PEDGE).

    D1 first. D2 at 13 10:00. PEDGE-1 at 14 10:00 = D2 + 24 h exactly: inside (F, F + 24 h] → D2 failed,
    recovered 14 11:00: 25 h. D3 at 15 10:00. PEDGE-2 starts at 15 10:00, the very instant of D3: not in
    (D3, D3 + 24 h], and D3 is not *before* it; the latest deployment before it is D2, 48 h earlier → fails
    nothing. Resolved 12:00.
    Deployments 3; CFR 1/3; recovery 25.0; incidents 2; restore 1, 2 → p50 1.5, p90 1.9.
    Rework: D3 was "deployed while an incident of its service was open": PEDGE-2 is open from the instant
    it starts (docs/metrics.md: one sweep, an incident before a deployment at the same instant) → 1/3.
    """
    # SPEC §6.1 rule 4: "started in (F.deployed_at, F.deployed_at + attribution_window] ... and F is the
    # latest deployment of that service before the incident started".
    check(
        team_rows["pdedge"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=25.0,
        incidents=2,
        time_to_restore_hours_p50=1.5,
        time_to_restore_hours_p90=1.9,
        rework_rate=1 / 3,
    )


def test_incidents_across_the_window_start_and_at_as_of(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/pdspan (team pdspan, service PSPAN); window (02-18 00:00, 03-20 00:00].

    D1 02-16 00:00 (first, before the window). X 02-17 00:00 → 02-19 00:00: started before the window,
    resolved in it: restore 48 h counted, not an incident of the window (it does fail D1, exactly 24 h
    before it, but D1 is out of the window). Y 02-18 00:00 → 06:00: started exactly at the window's open
    start (out), resolved in it: restore 6 h; the latest deployment before it is D1, 48 h earlier: fails
    nothing. D2 at 02-18 12:00 while X is open → rework. D3 at 03-19 12:00. Z starts at 03-20 00:00 =
    as_of (in the window), resolved 01:00 (after as_of: open): an incident; 12 h after D3 → D3 failed,
    not recovered by as_of.
    Deployments 2 (D2, D3); CFR 1/2; recovery null; incidents 1 (Z); restore 6, 48 → p50 27.0, p90 6 +
    0.9 × 42 = 43.8; rework 1/2.
    """
    # SPEC §6: "A window Nd ending at as_of is the half-open interval (as_of − N days, as_of]"; §6.2
    # "incidents: incidents that started in the window"; time_to_restore "over incidents resolved in the
    # window"; --as-of "facts after it are ignored".
    check(
        team_rows["pdspan"],
        deployments=2,
        change_failure_rate=1 / 2,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        time_to_restore_hours_p50=27.0,
        time_to_restore_hours_p90=43.8,
        rework_rate=1 / 2,
    )


def test_github_issue_and_pagerduty_incident_for_the_same_outage(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/pdboth (team pdboth, service PBOTH).

    D1 first. D2 at 16 10:00. PBOTH-1 16 12:00 → 14:00 and an issue labelled incident in acme/pdboth
    12:05 → 14:30, both without a sha: each fails D2 by the window rule; D2 counts once. Recovery: the
    earliest resolution of an incident that failed it, 14:00 → 4 h.
    Deployments 2; CFR 1/2; recovery 4.0; rework 0.

    Not asserted: ``incidents`` and the restore times. SPEC §5.4 makes both an incident and says nothing
    of two records of one outage, so read literally: incidents 2, restore 2 h and 2 h 25 min (p50
    2.2083…); a product merging them would say 1.
    """
    # SPEC §6.2 recovery "the earliest of the resolution of an incident that failed it"; change failure
    # rate "failed deployments ÷ deployments".
    check(
        team_rows["pdboth"],
        deployments=2,
        change_failure_rate=1 / 2,
        failed_deployment_recovery_hours_p50=4.0,
        rework_rate=0.0,
    )


def test_one_pagerduty_service_for_two_repositories_of_a_team(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/pdpair-api and acme/pdpair-web (team pdpair, ``pagerduty_services: [PPAIR]``).

    Each repo (no component) is its own service, and PPAIR belongs to both (§4). A1, W1 first; A2 at
    17 10:00; W2 at 17 11:00. PPAIR-1 17 12:00 → 13:00: for service pdpair-api the latest deployment
    before it is A2 (2 h), for pdpair-web W2 (1 h): both failed (window), recovered at 13:00: 3 h and 2 h.
    Deployments 4; CFR 2/4; recovery 2, 3 → p50 2.5; incidents 1; restore 1.0; rework 0.
    """
    # SPEC §4 "A repo with no component is its own service; the PagerDuty services a teams: entry names
    # belong to that team's repos"; §6.1 rule 4 "F is the latest deployment of that service".
    check(
        team_rows["pdpair"],
        deployments=4,
        change_failure_rate=2 / 4,
        failed_deployment_recovery_hours_p50=2.5,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        rework_rate=0.0,
    )


def test_explicit_sha_in_a_pagerduty_description_wins_over_the_window(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/pdexp (team pdexp, service PEXP).

    D1 first. D2 f1 at 17 10:00; D3 f2 at 18 10:00. PEXP-1 18 12:00 → 13:00, its description says
    ``root cause: <f1[:8]>``: an explicit link to D2's change → D2 failed, recovered 13:00: 27 h; D3 (2 h
    before the incident, same service) is not failed by the window rule.
    Deployments 3; CFR 1/3; recovery 27.0; incidents 1; restore 1.0; rework 0.
    """
    # SPEC §6.1 rule 1 "an incident's title or description ... contains a hex string of 7 to 40 characters,
    # with or without root cause: before it, that begins the sha of a change of F"; rule 4 "an incident
    # with no explicit link".
    check(
        team_rows["pdexp"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=27.0,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        rework_rate=0.0,
    )


def test_pagerduty_service_owned_through_the_catalog(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/pdcat: no ``teams:`` entry; its catalog-info.yaml has component pdcat-svc owned by
    ``group:default/pdcat`` with ``pagerduty.com/service-id: PCAT``.

    Team pdcat owns the repo and PCAT. D1 first; D2 at 18 10:00. PCAT-1 18 11:00 → 12:30: the component's
    own PagerDuty service → D2 failed (window), recovered 12:30: 2.5 h.
    Deployments 2; CFR 1/2; recovery 2.5; incidents 1; restore 1.5; rework 0.
    """
    # SPEC §4 "spec.owner: group:default/order-team ... all mean team order-team"; "pagerduty.com/
    # service-id names its PagerDuty service"; §6.1 rule 4.
    check(
        team_rows["pdcat"],
        deployments=2,
        change_failure_rate=1 / 2,
        failed_deployment_recovery_hours_p50=2.5,
        incidents=1,
        time_to_restore_hours_p50=1.5,
        rework_rate=0.0,
    )


def test_hex_word_that_begins_no_change_is_no_explicit_link(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/pdhex (team pdhex, service PHEX).

    D1 first; D2 at 15 10:00. PHEX-1 15 11:00 → 12:00 titled ``Order 1234567 stuck``: ``1234567`` is a
    7-character hex string, but it begins no change's sha, so the incident has no explicit link and the
    window rule fails D2 (1 h before it), recovered at 12:00: 2 h.
    Deployments 2; CFR 1/2; recovery 2.0; incidents 1; restore 1.0; rework 0.
    """
    # SPEC §6.1 rule 1 "a hex string ... that begins the sha of a change of F"; rule 4 "an incident with no
    # explicit link".
    check(
        team_rows["pdhex"],
        deployments=2,
        change_failure_rate=1 / 2,
        failed_deployment_recovery_hours_p50=2.0,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        rework_rate=0.0,
    )


def test_rollback_recovers_a_deployment_whose_incident_is_still_open(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/pdroll (team pdroll, service PROLL).

    D1 c0 03-01 06:00 (first). D2 f1 at 14 10:00. PROLL-1 14 11:00, resolved 03-22 (after as_of: open).
    D3 redeploys c0 at 14 13:00: compare ``behind``, a rollback of D2. D2 is failed (window and rollback);
    its recovery is the earliest end by as_of: the rollback, 3 h (the incident has not ended). D3 is
    rework (a rollback, and deployed while PROLL-1 is open), and it is not failed (the incident started
    before it).
    Deployments 3; CFR 1/3; recovery 3.0; incidents 1; restore null; rework 1/3.
    """
    # SPEC §6.2 recovery "over failed deployments in the window that have recovered by as_of: from
    # F.deployed_at to the earliest of the resolution of an incident that failed it (explicit/window) and
    # the deployed_at of its rollback or revert deployment"; rework "if it is a rollback ... or was deployed
    # while an incident of its service was open" (once).
    check(
        team_rows["pdroll"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=3.0,
        incidents=1,
        time_to_restore_hours_p50=None,
        rework_rate=1 / 3,
    )


def test_incident_opened_before_the_window_still_makes_rework(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/pdlong (team pdlong, service PLONG).

    D1 02-04 12:00 (first, out of the window). PLONG-1 opened 02-05 00:00 and still triggered: it started
    before the window (not one of its incidents, no restore time). D2 at 03-03 10:00, while it is open →
    rework. (It fails D1, 12 h before it, which is out of the window.)
    Deployments 1; CFR 0.0; recovery null; incidents 0; restore null; rework 1.0.
    """
    # SPEC §6.2 rework "was deployed while an incident of its service was open" (no bound on when the
    # incident started); incidents "that started in the window".
    check(
        team_rows["pdlong"],
        deployments=1,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=0,
        time_to_restore_hours_p50=None,
        rework_rate=1.0,
    )


def test_catalog_pagerduty_service_stays_with_its_owner_when_teams_takes_the_repo(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/pdcatx: its catalog-info.yaml gives component pdcatx-svc (``pagerduty.com/service-id: PCATX``)
    to ``catowner``; ``teams:`` gives the repository to pdcatcfg and names no PagerDuty service.

    PCATX is not named by ``teams:``, so it keeps its catalog owner: catowner's incidents, 1 (19 11:00 →
    14:00, restore 3.0), a team with no deployments. pdcatcfg owns the repo: D1 first, D2 at 19 10:00;
    incidents 0.

    Not asserted: whether PCATX-1 fails D2 (1 h before it). SPEC §4 keeps PCATX with catowner and the repo
    with pdcatcfg, but does not say whether the component is still "F's service" for §6.1 rule 4;
    docs/metrics.md says it fails none of the repository's deployments (pdcatcfg CFR 0.0).
    """
    # SPEC §4 "teams: ... a repo or PagerDuty service it names belongs to that team, whatever the catalog
    # says; everything else keeps its catalog owner"; §6 "Team metrics cover the repos and PagerDuty
    # services the team owns".
    check(
        team_rows["catowner"],
        deployments=0,
        incidents=1,
        time_to_restore_hours_p50=3.0,
        change_failure_rate=None,
    )
    check(team_rows["pdcatcfg"], deployments=2, incidents=0, time_to_restore_hours_p50=None)


def test_organisation_row_covers_every_team_and_unowned(team_rows: dict[str, dict[str, Any]]) -> None:
    """Team ``"*"``: every repository and collected service, ``unowned`` included.

    Deployments in the window: pdwin 3, pdopen 5, pdlog 2, pdtz 2, pdlow 3, pdesc 3, pddesc 3, pdred 2,
    pdblue 3, pdnear 3, pdedge 3, pdspan 2, pdboth 2, pdpair 4, pdexp 3, pdcat 2, pdhex 2, pdroll 3,
    pdlong 1, pdcatcfg 2 = 53. Failed (SPEC-certain ones): pdwin 1, pdopen 1, pdlog 1, pdtz 1, pdesc 1,
    pdred 1, pdedge 1, pdspan 1, pdboth 1, pdpair 2, pdexp 1, pdcat 1, pdhex 1, pdroll 1 = 15, plus
    pdcatcfg's D2 if PCATX fails it (SPEC open; docs/metrics.md: no) → CFR 15/53. Recovery over pdwin 5,
    pdlog 4, pdtz 21, pdesc 6, pdred 4, pdedge 25, pdboth 4, pdpair 2 and 3, pdexp 27, pdcat 2.5, pdhex 2,
    pdroll 3 (13 values): sorted 2, 2, 2.5, 3, 3, 4, 4, 4, 5, 6, 21, 25, 27 → p50 the 7th, 4.0 (with
    pdcatcfg's 1 h as a 14th value: the mean of the 7th and 8th, 4.0 too).
    """
    # SPEC §6 "The organisation row "*" covers everything collected, team unowned included".
    row = team_rows["*"]
    check(row, deployments=53, failed_deployment_recovery_hours_p50=4.0)  # 4.0 with or without pdcatcfg's
    assert row["change_failure_rate"] == approx(15 / 53)  # docs/metrics.md: PCATX no longer fails pdcatcfg
