"""Audit, round 10: PagerDuty incidents × ownership × another rule, end to end (SPEC §3 ``pagerduty:``,
§4, §5.1, §5.4, §6.1–§6.2).

Emulated GitHub (deployments, ``catalog-info.yaml`` files) and the emulated PagerDuty (HTTPS, test-time
CA, the real ``pagerduty`` client) → ``doraspace collect`` (once) → ``doraspace metrics --format json
--as-of 2026-03-20T00:00:00Z``. Window 30d only: (02-18 00:00, 03-20 00:00]. Collect's own "now" is the
wall clock, after every fact here (incidents resolved after ``as_of`` are stored resolved; ``--as-of``
must hide what happened after it).

Config (the ``teams:`` lines are written as the scenarios say, some ids as unquoted YAML numbers)::

    github:    since: 2026-03-01            # deployments created before it are not collected
    pagerduty: since: 2026-02-20            # EARLIER than github.since: incidents from 02-20 on
               urgencies: [high]
               service_ids: [2345678, PSIDS] # 2345678 an unquoted YAML number
    catalog: {discover: true}
    incidents: {attribution_window: 24h}
    metrics: {windows: [30d]}

Each scenario has its own repositories, PagerDuty services and teams, so none sees another. Times are
UTC; ``at(day, hour)`` is March 2026, ``feb(day, hour)`` February. Every repo's first collected
deployment has compare ``first`` (§5.2): it counts and adds no lead time; every later one made with
``deploy`` ships one commit authored an hour before it (lead 1 h). Incidents are ``high`` unless said
``low``, and no incident text holds a hex word. Percentiles are ``percentile_cont``: p at position
p × (n − 1) of the sorted values.

SPEC sentences leaned on: §5.4 "PagerDuty incidents of the owned services, in the configured urgencies.
started_at = created_at; resolved_at = resolved_at"; §6.1 rule 4 "an incident with no explicit link
started in (F.deployed_at, F.deployed_at + attribution_window], on a PagerDuty service or repo of F's
service (§4), and F is the latest deployment of that service before the incident started"; §6.2
recovery "over failed deployments in the window that have recovered by as_of: from F.deployed_at to the
earliest of the resolution of an incident that failed it"; restore "over incidents resolved in the
window"; incidents "that started in the window"; rework "deployed while an incident of its service was
open"; §2 ``--as-of`` "facts after it are ignored, as if they had not happened yet"; §3 ``pagerduty.since``
"default: github.since".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator
from tests.github_scenarios import at, check, deploy, run_cli, started_at_six

AS_OF = "2026-03-20T00:00:00Z"
GH_TOKEN_VARIABLE = "AUDIT_R10_PDOWN_GITHUB_TOKEN"
PD_TOKEN_VARIABLE = "AUDIT_R10_PDOWN_PAGERDUTY_TOKEN"
GH_TOKEN = "audit-r10-pdown-gh-token"
PD_TOKEN = "audit-r10-pdown-pd-token"

Rows = dict[str, dict[str, Any]]


def feb(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 2, day, tzinfo=UTC) + timedelta(hours=hour)


def component(name: str, owner: str, service: str) -> str:
    """A catalog-info.yaml of one Component; ``service`` is written as is (unquoted)."""
    return (
        "apiVersion: backstage.io/v1alpha1\n"
        "kind: Component\n"
        "metadata:\n"
        f"  name: {name}\n"
        "  annotations:\n"
        f"    pagerduty.com/service-id: {service}\n"
        "spec:\n"
        "  type: service\n"
        f"  owner: {owner}\n"
    )


# ------------------------------------------------------------------------------------------- the world

TEAM_LINES = [
    "  - {name: urt, repositories: [acme/urt], pagerduty_services: [PURT]}",
    "  - {name: retrig, repositories: [acme/retrig], pagerduty_services: [PRETRIG]}",
    "  - {name: span, repositories: [acme/span], pagerduty_services: [PSPANX]}",
    "  - {name: early, repositories: [acme/early], pagerduty_services: [PEARLY]}",
    "  - {name: nums, repositories: [acme/nums], pagerduty_services: [1234567]}",
    "  - {name: zeros, repositories: [acme/zeros], pagerduty_services: [0123456]}",
    "  - {name: duo, repositories: [acme/duo-api, acme/duo-web], pagerduty_services: [PDUO]}",
]


def build_urgency_routes(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """urt owns acme/urt and PURT through ``teams:``; urc owns acme/urc and PURC through its catalog
    component only. The same timeline on each."""
    urt = gh.add_repo("acme/urt")
    urc = gh.add_repo("acme/urc")
    urc.files["catalog-info.yaml"] = component("urc-svc", "group:default/urc", "PURC")
    for repo, service in ((urt, "PURT"), (urc, "PURC")):
        started_at_six(repo)  # R1
        deploy(repo, "r2", at(2, 10))  # R2
        low = f"{service}-LOW"
        pd.add_incident(low, service, "Disk filling", at(2, 11), urgency="low", resolved_at=at(2, 14))
        deploy(repo, "r3", at(2, 12))  # R3, while the low incident is open
        pd.add_incident(f"{service}-HIGH", service, "Checkout down", at(2, 13), resolved_at=at(2, 15))


def build_retriggered(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    repo = gh.add_repo("acme/retrig")
    started_at_six(repo)  # T1
    deploy(repo, "t2", at(3, 10))  # T2
    first = pd.add_incident("PRETRIG-1", "PRETRIG", "Checkout errors", at(3, 11), resolved_at=at(3, 12))
    deploy(repo, "t3", at(3, 12.5))  # T3, the fix
    # The same alert fires again: PagerDuty opens a NEW incident (no reopen), same dedup key and title.
    again = pd.add_incident("PRETRIG-2", "PRETRIG", "Checkout errors", at(3, 13), resolved_at=at(3, 16.5))
    again["incident_key"] = first["incident_key"]
    deploy(repo, "t4", at(3, 15))  # T4, while PRETRIG-2 is open


def build_across_as_of(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    repo = gh.add_repo("acme/span")
    started_at_six(repo)  # S1
    deploy(repo, "s2", at(18, 10))  # S2
    pd.add_incident("PSPANX-1", "PSPANX", "Latency", at(18, 12), resolved_at=at(20, 6))  # after as_of
    deploy(repo, "s3", at(19, 10))  # S3, while PSPANX-1 is open
    pd.add_incident("PSPANX-2", "PSPANX", "Errors", at(19, 12), resolved_at=at(19, 13))
    deploy(repo, "s4", at(19, 20))  # S4, while PSPANX-1 is open
    pd.add_incident("PSPANX-3", "PSPANX", "Outage", at(20, 2), resolved_at=at(20, 3))  # after as_of


def build_since(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    repo = gh.add_repo("acme/early")
    x0 = repo.commit("x0", author_date=feb(25, 9))
    repo.deployment(x0, created_at=feb(25, 10))  # X: before github.since, never collected
    pd.add_incident("PEARLY-1", "PEARLY", "Before since", feb(19, 12), resolved_at=feb(19, 13))
    pd.add_incident("PEARLY-2", "PEARLY", "After X", feb(25, 11), resolved_at=feb(26, 11))
    pd.add_incident("PEARLY-3", "PEARLY", "Overnight", feb(28, 12), resolved_at=at(1, 8))
    started_at_six(repo)  # E1 03-01 06:00, the first collected deployment, while PEARLY-3 is open
    deploy(repo, "e2", at(4, 10))  # E2
    pd.add_incident("PEARLY-4", "PEARLY", "After E2", at(4, 11), resolved_at=at(4, 12))


def build_numbers(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    nums = gh.add_repo("acme/nums")
    started_at_six(nums)  # N1
    deploy(nums, "n2", at(5, 10))  # N2
    pd.add_incident("NUM-1", "1234567", "Numbers", at(5, 11), resolved_at=at(5, 13))

    numcat = gh.add_repo("acme/numcat")
    numcat.files["catalog-info.yaml"] = component("numcat-svc", "group:numcat", "0765432")
    started_at_six(numcat)  # C1
    deploy(numcat, "c2", at(6, 10))  # C2
    pd.add_incident("NUMCAT-1", "0765432", "Leading zero", at(6, 12), resolved_at=at(6, 13))

    pd.add_incident("NUMSID-1", "2345678", "Shared DNS", at(7, 10), resolved_at=at(7, 12))

    zeros = gh.add_repo("acme/zeros")
    started_at_six(zeros)  # Z1
    deploy(zeros, "z2", at(8, 10))  # Z2
    pd.add_incident("ZERO-1", "0123456", "Zeros", at(8, 11), resolved_at=at(8, 12))


def build_two_repos(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    api = gh.add_repo("acme/duo-api")
    web = gh.add_repo("acme/duo-web")
    started_at_six(api)  # A1
    started_at_six(web)  # W1
    deploy(api, "a2", at(10, 8))  # A2
    a3 = api.commit("a3", author_date=at(10, 8.5))
    # A3 created 09:00, approved late: its first success (its deployed_at) is 12:30.
    api.deployment(a3, created_at=at(10, 9), statuses=[("in_progress", at(10, 9)), ("success", at(10, 12.5))])
    deploy(web, "w2", at(10, 10))  # W2
    w3 = web.commit("w3", author_date=at(10, 10.5))
    web.deployment(w3, created_at=at(10, 11), statuses=[("failure", at(10, 11) + timedelta(minutes=5))])
    web.deployment(w3, environment="staging", created_at=at(10, 11.5))
    pd.add_incident("PDUO-1", "PDUO", "Shop down", at(10, 12), resolved_at=at(10, 14))
    pd.add_incident("PDUO-LOW", "PDUO", "Slow images", at(10, 13), urgency="low", resolved_at=at(10, 15))


BUILDERS = [
    build_urgency_routes,
    build_retriggered,
    build_across_as_of,
    build_since,
    build_numbers,
    build_two_repos,
]


def config_text(gh: GitHubDataset, store: str, github_url: str, pd: PagerDutyEmulator) -> str:
    repo_lines = "".join(f"    - {repo}\n" for repo in gh.repos)
    return (
        f"database:\n  url: duckdb:///{store}\n"
        f"github:\n  base_url: {github_url}\n  token: ${{{GH_TOKEN_VARIABLE}}}\n  since: 2026-03-01\n"
        f"  repositories:\n{repo_lines}"
        f"pagerduty:\n  base_url: {pd.base_url}\n  token: ${{{PD_TOKEN_VARIABLE}}}\n"
        f"  ca_bundle: {pd.ca_file}\n"
        "  since: 2026-02-20\n  urgencies: [high]\n  service_ids: [2345678, PSIDS]\n"
        "catalog: {discover: true}\n"
        "incidents: {attribution_window: 24h}\n"
        "metrics: {windows: [30d]}\n"
        "teams:\n" + "\n".join(TEAM_LINES) + "\n"
    )


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rows]:
    gh, pd_data = GitHubDataset(), PagerDutyDataset()
    for build in BUILDERS:
        build(gh, pd_data)
    directory = tmp_path_factory.mktemp("r10-pd-ownership")
    with (
        pytest.MonkeyPatch.context() as patch,
        GitHubEmulator(gh, token=GH_TOKEN) as github,
        PagerDutyEmulator(pd_data, token=PD_TOKEN) as pd,
    ):
        patch.setenv(GH_TOKEN_VARIABLE, GH_TOKEN)
        patch.setenv(PD_TOKEN_VARIABLE, PD_TOKEN)
        config = directory / "doraspace.yaml"
        config.write_text(config_text(gh, f"{directory}/store.duckdb", github.base_url, pd))
        run_cli(["collect", "--config", str(config)])
        out = run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF])
    yield {row["team"]: row for row in json.loads(out) if row["window"] == "30d"}


# ------------------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("team", ["urt", "urc"])
def test_low_incident_filtered_out_on_a_teams_service_and_on_a_catalog_service(rows: Rows, team: str) -> None:
    """urt: ``teams:`` gives it acme/urt and PURT. urc: no ``teams:`` entry; acme/urc's component urc-svc
    (``group:default/urc``, ``pagerduty.com/service-id: PURC``) gives it the repo and PURC. Same timeline:

    R1 first (03-01 06:00). R2 02 10:00. LOW (urgency low) 02 11:00 → 14:00: not in ``urgencies: [high]``,
    so not collected. R3 02 12:00 (lead 1 h). HIGH 02 13:00 → 15:00: the latest deployment of the
    service before 13:00 is R3 (1 h) → R3 failed (window), recovered at 15:00: 3 h.
    Were LOW collected it would fail R2 (1 h before it; CFR 2/3), make R3 rework (deployed while it is
    open; 1/3) and count (incidents 2, restore 3 and 2). It is not:
    deployments 3; CFR 1/3; recovery 3.0; incidents 1; restore 2.0 (p50 = p90); rework 0.0; lead 1.0.
    """
    check(
        rows[team],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=3.0,
        incidents=1,
        time_to_restore_hours_p50=2.0,
        time_to_restore_hours_p90=2.0,
        rework_rate=0.0,
        lead_time_hours_p50=1.0,
    )


def test_retriggered_alert_is_a_new_incident_that_fails_the_fix(rows: Rows) -> None:
    """acme/retrig and PRETRIG (team retrig). PagerDuty has no reopen: the alert firing again after the
    resolution opens a new incident (PRETRIG-2, same title and same ``incident_key`` as PRETRIG-1).

    T1 first. T2 03 10:00. PRETRIG-1 03 11:00 → 12:00: latest before it T2 (1 h) → T2 failed, recovered
    12:00: 2 h. T3 (the fix) 03 12:30: PRETRIG-1 is resolved → no rework. PRETRIG-2 03 13:00 → 16:30:
    latest before it T3 (0.5 h) → T3 failed, recovered 16:30: 4 h (T2 is not the latest: PRETRIG-2 does
    not fail it again). T4 03 15:00 while PRETRIG-2 is open → rework; not failed (no incident after it).
    Deployments 4; CFR 2/4; recovery 2, 4 → p50 3.0; incidents 2; restore 1, 3.5 → p50 2.25,
    p90 1 + 0.9 × 2.5 = 3.25; rework 1/4.
    (Merged into one incident by its dedup key, it would give incidents 1 and T3 not failed.)
    """
    check(
        rows["retrig"],
        deployments=4,
        change_failure_rate=2 / 4,
        failed_deployment_recovery_hours_p50=3.0,
        incidents=2,
        time_to_restore_hours_p50=2.25,
        time_to_restore_hours_p90=3.25,
        rework_rate=1 / 4,
    )


def test_incident_open_across_as_of_and_one_after_it(rows: Rows) -> None:
    """acme/span and PSPANX (team span); as_of 03-20 00:00.

    S1 first. S2 18 10:00. PSPANX-1 18 12:00, resolved 03-20 06:00 (after as_of: open as of it) → S2
    failed (window, 2 h), not recovered by as_of: no recovery value (not 0). S3 19 10:00 while
    PSPANX-1 is open → rework. PSPANX-2 19 12:00 → 13:00: latest before it S3 (2 h) → S3 failed,
    recovered 13:00: 3 h. S4 19 20:00 while PSPANX-1 is open → rework. PSPANX-3 03-20 02:00 → 03:00 is
    after as_of: it has not happened — not an incident, and does not fail S4 (6 h before it).
    Deployments 4; CFR 2/4 (S2, S3); recovery over S3 only: 3.0; incidents 2 (PSPANX-1, -2); restore
    over PSPANX-2 only (PSPANX-1 resolves after as_of): 1.0, 1.0; rework 2/4 (S3, S4).
    """
    check(
        rows["span"],
        deployments=4,
        change_failure_rate=2 / 4,
        failed_deployment_recovery_hours_p50=3.0,
        incidents=2,
        time_to_restore_hours_p50=1.0,
        time_to_restore_hours_p90=1.0,
        rework_rate=2 / 4,
    )


def test_pagerduty_since_earlier_than_github_since(rows: Rows) -> None:
    """acme/early and PEARLY (team early); ``github.since`` 03-01, ``pagerduty.since`` 02-20.

    X (deployment of x0 at 02-25 10:00) was created before github.since: not collected, so E1 (03-01
    06:00) is the first collected deployment (compare ``first``). PEARLY-1 02-19 12:00 → 13:00 was
    created before pagerduty.since: not collected (though it started in the window). PEARLY-2 02-25
    11:00 → 02-26 11:00 is collected: an incident of the window, restore 24 h; it fails nothing (no
    collected deployment before it; X is not collected). PEARLY-3 02-28 12:00 → 03-01 08:00: restore
    20 h; E1 is deployed while it is open → rework; not failed (it started before E1). E2 03-04 10:00;
    PEARLY-4 04 11:00 → 12:00 → E2 failed, recovered 2 h; restore 1 h.
    Deployments 2; CFR 1/2; recovery 2.0; incidents 3; restore 1, 20, 24 → p50 20.0, p90 20 + 0.8 × 4 =
    23.2; rework 1/2.
    (With pagerduty.since = github.since: incidents 1, restore 1.0, rework 0.)
    """
    check(
        rows["early"],
        deployments=2,
        change_failure_rate=1 / 2,
        failed_deployment_recovery_hours_p50=2.0,
        incidents=3,
        time_to_restore_hours_p50=20.0,
        time_to_restore_hours_p90=23.2,
        rework_rate=1 / 2,
    )


def test_service_ids_written_as_yaml_numbers(rows: Rows) -> None:
    """``teams: [{name: nums, pagerduty_services: [1234567]}]``, ``service_ids: [2345678, …]`` and acme/
    numcat's annotation ``pagerduty.com/service-id: 0765432``, all unquoted: each names the service
    whose id is that text (a PagerDuty id is a string).

    nums: N1 first; N2 05 10:00; NUM-1 (service 1234567) 05 11:00 → 13:00 → N2 failed, recovered 3 h.
    Deployments 2; CFR 1/2; recovery 3.0; incidents 1; restore 2.0.
    numcat (owner ``group:numcat``, service ``0765432``): C1 first; C2 06 10:00; NUMCAT-1 06 12:00 →
    13:00 → C2 failed, recovered 3 h. Deployments 2; CFR 1/2; recovery 3.0; incidents 1; restore 1.0.
    unowned (service 2345678, named by no team): NUMSID-1 07 10:00 → 12:00: deployments 0; incidents 1;
    restore 2.0; CFR null.
    """
    check(
        rows["nums"],
        deployments=2,
        change_failure_rate=1 / 2,
        failed_deployment_recovery_hours_p50=3.0,
        incidents=1,
        time_to_restore_hours_p50=2.0,
    )
    check(
        rows["numcat"],
        deployments=2,
        change_failure_rate=1 / 2,
        failed_deployment_recovery_hours_p50=3.0,
        incidents=1,
        time_to_restore_hours_p50=1.0,
    )
    unowned = rows["unowned"]
    check(unowned, deployments=0, change_failure_rate=None, incidents=1, time_to_restore_hours_p50=2.0)


def test_leading_zero_service_id_in_teams_is_the_service_as_written(rows: Rows) -> None:
    """``teams: [{name: zeros, repositories: [acme/zeros], pagerduty_services: [0123456]}]`` (unquoted).

    SPEC §4: "a repo or PagerDuty service it names belongs to that team"; the service named is
    ``0123456``, as the catalog reader already reads the same annotation (collector/catalog.py keeps
    ``012345`` as text; tests/collector/test_audit_round6_catalog_files.py). Z1 first; Z2 08 10:00;
    ZERO-1 (service 0123456) 08 11:00 → 12:00 → Z2 failed, recovered 2 h.
    Deployments 2; CFR 1/2; recovery 2.0; incidents 1; restore 1.0.
    (Found by this audit: the config read ``0123456`` as the YAML 1.1 octal 42798, then the text "42798":
    the team owned a service nobody named, ZERO-1 was never collected → incidents 0, CFR 0.0.)
    """
    check(
        rows["zeros"],
        deployments=2,
        change_failure_rate=1 / 2,
        failed_deployment_recovery_hours_p50=2.0,
        incidents=1,
        time_to_restore_hours_p50=1.0,
    )


def test_teams_service_over_two_repos_fails_the_latest_deployment_of_each_by_deployed_at(rows: Rows) -> None:
    """Team duo: ``teams:`` names acme/duo-api, acme/duo-web (no components: each its own service) and
    PDUO, which belongs to both repos (§4 "the PagerDuty services a teams: entry names belong to that
    team's repos").

    A1, W1 first (03-01 06:00). A2 10 08:00 (lead 1 h). A3 (a3 authored 08:30) created 09:00, its first
    ``success`` at 12:30: deployed_at 12:30 (§5.1), lead 4 h. W2 10 10:00 (lead 1 h). W3 created 11:00
    only ever reached ``failure``: a failed attempt, no deployment; w3 deployed to staging at 11:30: not
    production, no deployment either. PDUO-1 10 12:00 → 14:00. Service duo-api: the latest deployment
    before 12:00 is A2 (A3's deployed_at 12:30 is after) → A2 failed (4 h after it), recovered 14:00: 6 h.
    Service duo-web: W2 (neither the failed attempt nor staging counts) → failed, recovered 14:00: 4 h.
    A3 deployed 12:30 while PDUO-1 is open → rework; not failed. PDUO-LOW (low, 13:00 → 15:00) is not
    collected: no incident, fails nothing.
    Deployments 5 (A1, A2, A3, W1, W2); CFR 2/5; recovery 4, 6 → p50 5.0; incidents 1; restore 2.0;
    rework 1/5; lead 1, 4, 1 → sorted 1, 1, 4 → p50 1.0, p90 1 + 0.8 × 3 = 3.4.
    """
    check(
        rows["duo"],
        deployments=5,
        change_failure_rate=2 / 5,
        failed_deployment_recovery_hours_p50=5.0,
        incidents=1,
        time_to_restore_hours_p50=2.0,
        rework_rate=1 / 5,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=3.4,
    )


def test_team_set_is_the_owners_and_unowned(rows: Rows) -> None:
    """Every configured team, the two catalog-only owners (urc, numcat), ``unowned`` (service 2345678 of
    ``service_ids``) and the organisation row; nothing else (PSIDS has no incident but is collected for
    ``unowned`` all the same)."""
    assert sorted(rows) == sorted(
        ["*", "urt", "urc", "retrig", "span", "early", "nums", "numcat", "zeros", "duo", "unowned"]
    )
