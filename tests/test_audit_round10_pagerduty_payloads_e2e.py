"""Audit, round 10: PagerDuty incident payload quirks × metric rules, end to end (SPEC §2 ``--as-of``, §3
``pagerduty:``, §5.4, §6, §6.1 rule 4, §6.2).

Emulated GitHub (deployments) and the emulated PagerDuty (HTTPS, test-time CA, the real ``pagerduty``
client) → ``doraspace collect`` (once) → ``doraspace metrics --format json --as-of 2026-03-20T00:00:00Z``.
Window 30d only: (02-18 00:00, 03-20 00:00]. Collect's own "now" is the wall clock, after every fact here.

The incident payloads are PagerDuty's shape (``tests/emulators/pagerduty.py``), with their timestamp
strings then rewritten as real payloads may carry them: fractional seconds (the recorded devlake payloads
carry six digits, ``2022-11-03T06:23:06.000000Z``), non-UTC offsets, a ``resolved_at`` that differs from
``last_status_change_at``, a service ``summary`` other than the service's name, a ``priority`` object.

Config::

    github:    since: 2026-03-01           # pagerduty.since defaults to it
    pagerduty: urgencies: [high, low]
               service_ids: ["https://acme.pagerduty.com/service-directory/PURL10", "Payments API"]
    incidents: {attribution_window: 24h}
    metrics:   {windows: [30d]}
    teams:     edge, tie, tz, asof — each one repo acme/<team> and one service (below)

Every repo's first deployment (03-01 06:00) has compare ``first`` (§5.2): it counts and adds no lead time;
every later one (``deploy``) ships one commit authored an hour before it: lead 1 h. No incident text
holds a hex word. Percentiles are ``percentile_cont``: p at position p × (n − 1) of the sorted values.
``at(day, hour)`` is March 2026 UTC. µs = one microsecond; durations below are in seconds, / 3600 for
hours.

SPEC sentences leaned on: §5.4 "started_at = created_at; resolved_at = resolved_at, else the created_at of
its resolve log entry, else last_status_change_at when status is resolved"; §6 "All instants are UTC. A
window Nd ending at as_of is the half-open interval (as_of − N days, as_of]"; §6.1 rule 4 "an incident
with no explicit link started in (F.deployed_at, F.deployed_at + attribution_window] … and F is the latest
deployment of that service before the incident started"; §6.2 recovery "over failed deployments in the
window that have recovered by as_of: from F.deployed_at to the earliest of the resolution of an incident
that failed it", restore "over incidents resolved in the window: resolved_at − started_at", incidents
"that started in the window", rework "deployed while an incident of its service was open"; §2 ``--as-of``
"facts after it are ignored, as if they had not happened yet". docs/metrics.md: "a deployment at its
start is rework, one at its resolution is not"; "An incident resolved after as_of is still open as of
as_of".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator, parse_timestamp
from tests.github_scenarios import approx, at, check, deploy, run_cli, started_at_six

AS_OF = "2026-03-20T00:00:00Z"
GH_TOKEN_VARIABLE = "AUDIT_R10_PDPAY_GITHUB_TOKEN"
PD_TOKEN_VARIABLE = "AUDIT_R10_PDPAY_PAGERDUTY_TOKEN"
GH_TOKEN = "audit-r10-pdpay-gh-token"
PD_TOKEN = "audit-r10-pdpay-pd-token"
H = 3600.0
US = 1e-6  # one microsecond, in seconds

Rows = dict[str, dict[str, Any]]

URL_SERVICE = "https://acme.pagerduty.com/service-directory/PURL10"
SUMMARY_SERVICE = "Payments API"


def incident(
    pd: PagerDutyDataset,
    incident_id: str,
    service: str,
    title: str,
    created: str,
    *,
    resolved_at: str | None,
    last_status_change_at: str | None = None,
    status: str = "resolved",
) -> dict[str, Any]:
    """An incident whose timestamps are served exactly as the strings given (the emulator itself writes
    whole-second ``Z`` strings). ``last_status_change_at`` and ``updated_at`` default to ``resolved_at``
    (else ``created``); ``resolved_at`` None leaves the key out."""
    payload = pd.add_incident(incident_id, service, title, parse_timestamp(created), status=status)
    changed = last_status_change_at or resolved_at or created
    payload.update(created_at=created, last_status_change_at=changed, updated_at=changed)
    if resolved_at is not None:
        payload["resolved_at"] = resolved_at
    else:
        payload.pop("resolved_at", None)
    return payload


# ------------------------------------------------------------------------------------------- the world


def build_window_edge(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    repo = gh.add_repo("acme/edge")
    started_at_six(repo)  # D1
    deploy(repo, "d2", at(4, 10))  # D2 03-04 10:00:00
    incident(
        pd,
        "PEDGE-1",
        "PEDGE10",
        "Checkout slow",
        "2026-03-05T10:00:00.000001Z",  # D2 + 24 h + 1 µs
        resolved_at="2026-03-05T10:30:00.500000Z",
        last_status_change_at="2026-03-05T10:30:00Z",  # whole second, half a second before resolved_at
    )
    deploy(repo, "d3", at(5, 10.5))  # D3 03-05 10:30:00


def build_same_second(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    repo = gh.add_repo("acme/tie")
    started_at_six(repo)  # T1
    deploy(repo, "t2", at(6, 10))  # T2 03-06 10:00:00
    deploy(repo, "t3", at(6, 12))  # T3 03-06 12:00:00
    payload = incident(
        pd,
        "PTIE-1",
        "PTIE10",
        "Errors on login",
        "2026-03-06T12:00:00.400000Z",  # 0.4 s after T3
        resolved_at="2026-03-06T13:00:00.000000Z",
    )
    payload["priority"] = {
        "id": "PPRIO01",
        "type": "priority_reference",
        "summary": "P1",
        "self": "https://api.pagerduty.com/priorities/PPRIO01",
        "html_url": None,
    }


def build_offsets(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    repo = gh.add_repo("acme/tz")
    started_at_six(repo)  # Z1
    deploy(repo, "z2", at(7, 10))  # Z2 03-07 10:00:00Z
    incident(
        pd,
        "PTZ-1",
        "PTZ10",
        "Payments failing",
        "2026-03-07T12:30:00+02:00",  # 10:30:00Z
        resolved_at="2026-03-07T15:00:00.000001+02:00",  # 13:00:00.000001Z
    )
    deploy(repo, "z3", at(7, 13))  # Z3 03-07 13:00:00Z
    renamed = incident(
        pd,
        "PTZ-2",
        "PTZ10",
        "Payments failing again",
        "2026-03-07T08:00:00.000001-05:00",  # 13:00:00.000001Z
        resolved_at="2026-03-07T09:00:00-05:00",  # 14:00:00Z
    )
    # The service was renamed between the two incidents: same id, another summary.
    renamed["service"] = dict(renamed["service"], summary="Payments (renamed)")


def build_as_of(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    repo = gh.add_repo("acme/asof")
    started_at_six(repo)  # A1
    deploy(repo, "a2", at(19, 23))  # A2 03-19 23:00:00
    incident(
        pd,
        "PASOF-1",
        "PASOF10",
        "Queue backlog",
        "2026-03-19T23:30:00.000000Z",
        resolved_at="2026-03-20T00:00:00.500000Z",  # half a second after as_of
    )
    deploy(repo, "a3", at(20))  # A3 03-20 00:00:00, exactly as_of
    incident(
        pd,
        "PASOF-2",
        "PASOF10",
        "Queue backlog again",
        "2026-03-20T00:00:00.000001Z",  # one microsecond after as_of
        resolved_at="2026-03-20T01:00:00Z",
    )


def build_service_given_by_url_or_name(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    pd.add_service("PURL10", SUMMARY_SERVICE)
    incident(
        pd, "PURL-1", "PURL10", "Card declines", "2026-03-10T10:00:00Z", resolved_at="2026-03-10T11:00:00Z"
    )


BUILDERS = [
    build_window_edge,
    build_same_second,
    build_offsets,
    build_as_of,
    build_service_given_by_url_or_name,
]
TEAM_LINES = [
    "  - {name: edge, repositories: [acme/edge], pagerduty_services: [PEDGE10]}",
    "  - {name: tie, repositories: [acme/tie], pagerduty_services: [PTIE10]}",
    "  - {name: tz, repositories: [acme/tz], pagerduty_services: [PTZ10]}",
    "  - {name: asof, repositories: [acme/asof], pagerduty_services: [PASOF10]}",
]


def config_text(gh: GitHubDataset, store: str, github_url: str, pd: PagerDutyEmulator) -> str:
    repo_lines = "".join(f"    - {repo}\n" for repo in gh.repos)
    return (
        f"database:\n  url: duckdb:///{store}\n"
        f"github:\n  base_url: {github_url}\n  token: ${{{GH_TOKEN_VARIABLE}}}\n  since: 2026-03-01\n"
        f"  repositories:\n{repo_lines}"
        f"pagerduty:\n  base_url: {pd.base_url}\n  token: ${{{PD_TOKEN_VARIABLE}}}\n"
        f"  ca_bundle: {pd.ca_file}\n"
        f'  urgencies: [high, low]\n  service_ids: ["{URL_SERVICE}", "{SUMMARY_SERVICE}"]\n'
        "incidents: {attribution_window: 24h}\n"
        "metrics: {windows: [30d]}\n"
        "teams:\n" + "\n".join(TEAM_LINES) + "\n"
    )


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rows]:
    gh, pd_data = GitHubDataset(), PagerDutyDataset()
    for build in BUILDERS:
        build(gh, pd_data)
    directory = tmp_path_factory.mktemp("r10-pd-payloads")
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


def test_microsecond_past_the_attribution_window_and_resolved_at_over_last_status_change(rows: Rows) -> None:
    """acme/edge and PEDGE10 (team edge). Rules met: the window rule's closed end at the microsecond, and
    the resolution precedence (``resolved_at`` before ``last_status_change_at``) at the rework edge.

    D1 first; D2 03-04 10:00:00. PEDGE-1 created ``2026-03-05T10:00:00.000001Z``: D2 + 24 h + 1 µs, past
    (D2, D2 + 24 h] → D2 is not failed (read to the whole second it would be exactly D2 + 24 h, inside).
    Its ``resolved_at`` ``10:30:00.500000Z``, its ``last_status_change_at`` ``10:30:00Z``: resolved at
    10:30:00.5 (SPEC: resolved_at first). D3 03-05 10:30:00: PEDGE-1 still open (half a second more) →
    rework (resolved at last_status_change_at, D3 would be at the resolution: not rework). PEDGE-1 started
    before D3 → it fails nothing.
    Deployments 3; lead 1, 1; CFR 0/3 = 0.0; recovery null; incidents 1; restore 10:30:00.5 −
    10:00:00.000001 = 1800.5 − 0.000001 = 1800.499999 s (p50 = p90); rework 1/3.
    """
    restore = (1800.5 - US) / H
    check(
        rows["edge"],
        deployments=3,
        lead_time_hours_p50=1.0,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        time_to_restore_hours_p50=restore,
        time_to_restore_hours_p90=restore,
        rework_rate=1 / 3,
    )
    assert rows["edge"]["time_to_restore_hours_p50"] != approx(0.5)  # the 0.5 s counts


def test_incident_a_fraction_of_a_second_after_a_deployment_of_the_same_second(rows: Rows) -> None:
    """acme/tie and PTIE10 (team tie; the incident carries a ``priority`` object). Rules met: "the latest
    deployment before the incident started" and rework's "a deployment at its start is rework", decided
    by the fraction of the second.

    T1 first; T2 03-06 10:00:00; T3 12:00:00. PTIE-1 created ``2026-03-06T12:00:00.400000Z``, 0.4 s after
    T3, resolved ``13:00:00.000000Z``. The latest deployment before it is T3 → T3 failed (window),
    recovered 13:00 → 1 h; T2 is not the latest. T3 was deployed before PTIE-1 opened → not rework.
    (Truncated to 12:00:00 the incident would start at T3's instant: T2 failed (3 h), T3 rework.)
    Deployments 3; lead 1, 1; CFR 1/3; recovery 1.0; incidents 1; restore 13:00:00 − 12:00:00.4 =
    3599.6 s (p50 = p90); rework 0.
    """
    check(
        rows["tie"],
        deployments=3,
        lead_time_hours_p50=1.0,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=1.0,
        incidents=1,
        time_to_restore_hours_p50=3599.6 / H,
        time_to_restore_hours_p90=3599.6 / H,
        rework_rate=0.0,
    )


def test_offset_timestamps_with_microseconds_at_a_deployment_instant(rows: Rows) -> None:
    """acme/tz and PTZ10 (team tz). Offsets and microseconds: the rework interval's open end and the
    window rule's "latest before", at one deployment instant; the second incident's service ``summary`` is
    a new name of the same service id.

    Z1 first; Z2 03-07 10:00:00Z; Z3 13:00:00Z.
    PTZ-1 created ``12:30:00+02:00`` = 10:30:00Z, resolved ``15:00:00.000001+02:00`` = 13:00:00.000001Z.
    PTZ-2 created ``08:00:00.000001-05:00`` = 13:00:00.000001Z, resolved ``09:00:00-05:00`` = 14:00:00Z.
    PTZ-1: latest before 10:30 is Z2 (30 min) → Z2 failed, recovered 13:00:00.000001 → 3 h + 1 µs.
    Z3 at 13:00:00: PTZ-1 still open (1 µs more) → rework. PTZ-2 starts 1 µs after Z3 → latest before it
    is Z3 → Z3 failed, recovered 14:00 → 1 h. (Read to the whole second: Z3 at PTZ-1's resolution, not
    rework; PTZ-2 at Z3's instant, so Z2 the latest and Z3 not failed. Offsets dropped: PTZ-1 12:30Z–15:00Z
    would fail Z2 only; PTZ-2 08:00Z–09:00Z fails nothing.)
    Deployments 3; lead 1, 1; CFR 2/3; recovery [1 h, 3 h + 1 µs] → p50 2 h + 0.5 µs; incidents 2;
    restore PTZ-1 2.5 h + 1 µs, PTZ-2 1 h − 1 µs → p50 (9000 + 3600) / 2 s = 1.75 h; p90 (3600 − 1 µs) +
    0.9 × (5400 + 2 µs) = 8460 + 0.8 µs s = 2.35 h; rework 1/3.
    """
    check(
        rows["tz"],
        deployments=3,
        lead_time_hours_p50=1.0,
        change_failure_rate=2 / 3,
        failed_deployment_recovery_hours_p50=(7200 + US / 2) / H,
        incidents=2,
        time_to_restore_hours_p50=6300 / H,
        time_to_restore_hours_p90=(8460 + 0.8 * US) / H,
        rework_rate=1 / 3,
    )


def test_fractions_of_a_second_around_as_of(rows: Rows) -> None:
    """acme/asof and PASOF10 (team asof); as_of 03-20 00:00:00. Rules met: ``--as-of`` ("facts after it are
    ignored") at the microsecond, with the window rule, recovery, restore and rework.

    A1 first; A2 03-19 23:00:00. PASOF-1 created 23:30:00.000000, resolved ``2026-03-20T00:00:00.500000Z``,
    half a second after as_of → open as of it: A2 failed (window, 30 min), not recovered → recovery null
    (not 0); no restore. A3 deployed at 03-20 00:00:00 = as_of (in the window's closed end) while PASOF-1
    is open → rework. PASOF-2 created ``2026-03-20T00:00:00.000001Z``, 1 µs after as_of: it has not
    happened — no incident, and it fails nothing (it would fail A3, 1 µs before it).
    (Read to the whole second: PASOF-1 resolved at as_of → restore 0.5 h, A2 recovered 1 h, A3 at the
    resolution not rework; PASOF-2 at as_of counted.)
    Deployments 3; lead 1, 1; CFR 1/3; recovery null; incidents 1; restore null; rework 1/3.
    """
    check(
        rows["asof"],
        deployments=3,
        lead_time_hours_p50=1.0,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        time_to_restore_hours_p50=None,
        time_to_restore_hours_p90=None,
        rework_rate=1 / 3,
    )


def test_service_ids_given_as_the_html_url_or_the_summary(rows: Rows) -> None:
    """``pagerduty.service_ids`` lists the service PURL10 by its web address
    (``https://acme.pagerduty.com/service-directory/PURL10``) and by its summary ("Payments API"), not by
    its id. SPEC §3 ``service_ids`` and §4 speak of service ids and say nothing of other spellings, and
    the configuration does not validate an id's form: each entry is taken as an id. So both are
    ``service_ids`` services owned by nobody → team ``unowned`` has a row (0 deployments, 0 incidents),
    and PURL-1 (03-10 10:00 → 11:00, on PURL10) is not collected: "PagerDuty services that are neither
    in the ownership map nor in service_ids are not collected". (Product's reading, kept: SPEC is silent.)
    """
    check(
        rows["unowned"],
        deployments=0,
        incidents=0,
        time_to_restore_hours_p50=None,
        change_failure_rate=None,
    )


def test_organisation_row_counts_each_incident_once(rows: Rows) -> None:
    """Team ``"*"``: every repository and collected service above.
    Deployments 3 + 3 + 3 + 3 = 12. Failed: T3 (tie), Z2 and Z3 (tz), A2 (asof) → CFR 4/12. Recovery:
    T3 1 h, Z3 1 h, Z2 3 h + 1 µs → sorted [3600, 3600, 10800 + 1 µs] s → p50 1.0 h. Incidents as of as_of:
    PEDGE-1, PTIE-1, PTZ-1, PTZ-2, PASOF-1 = 5 (PASOF-2 after as_of; PURL-1 not collected). Restore over
    the four resolved in the window, in seconds: PEDGE-1 1800.5 − 1 µs, PTIE-1 3599.6, PTZ-2 3600 − 1 µs,
    PTZ-1 9000 + 1 µs. p50 at position 1.5 = (3599.6 + 3600 − 1 µs) / 2 = 3599.8 − 0.5 µs; p90 at
    position 2.7 = (3600 − 1 µs) + 0.7 × (5400 + 2 µs) = 7380 + 0.4 µs. Rework: D3, Z3, A3 → 3/12.
    """
    check(
        rows["*"],
        deployments=12,
        change_failure_rate=4 / 12,
        failed_deployment_recovery_hours_p50=1.0,
        incidents=5,
        time_to_restore_hours_p50=(3599.8 - US / 2) / H,
        time_to_restore_hours_p90=(7380 + 0.4 * US) / H,
        rework_rate=3 / 12,
    )
