"""Audit, round 14, end to end: two or more failure, incident and ownership rules meeting in one timeline
(SPEC §4, §5.1, §5.2, §5.4, §6.1, §6.2; docs/metrics.md "Incidents", "Failed deployments", "Rework").

Emulated GitHub (deployments, commits, incident issues, ``catalog-info.yaml`` files) and the emulated
PagerDuty (HTTPS, test-time CA, the real ``pagerduty`` client) → ``doraspace collect`` (once) →
``doraspace metrics --format json --as-of 2026-03-20T00:00:00Z``.

Config::

    github:    since: 2026-03-01 (so pagerduty.since too); incident_labels the default [incident]
    pagerduty: urgencies: [high]
    catalog: {discover: true}
    incidents: {attribution_window: 24h}
    metrics: {windows: [7d, 30d]}
    teams: as TEAM_LINES says

Windows as of 03-20 00:00: 30d = (02-18 00:00, 03-20 00:00], 7d = (03-13 00:00, 03-20 00:00]. Times are
March 2026 UTC, ``at(day, hour)``. Every repository's first deployment (03-01 06:00, compare ``first``)
counts as a deployment and adds nothing else (§5.2). Each scenario has repositories, PagerDuty services
and teams of its own, so none sees another's incidents. Incidents are ``high`` unless said ``low``; no
incident text holds a hex word of 7+ characters unless it names a sha on purpose. Collect's own "now" is
the wall clock, after every fact here.

Percentiles are ``percentile_cont``: with n sorted values, p at position p × (n − 1), interpolated
linearly between its two neighbours.

SPEC sentences leaned on throughout: §6.1 rule 1 "an incident's title or description (a GitHub issue's
title or body) contains a hex string of 7 to 40 characters, with or without root cause: before it, that
begins the sha of a change of F"; rule 2 rollback; rule 3 revert; rule 4 "an incident with no explicit
link started in (F.deployed_at, F.deployed_at + attribution_window], on a PagerDuty service or repo of F's
service (§4), and F is the latest deployment of that service before the incident started"; §6.2
recovery "over failed deployments in the window that have recovered by as_of: from F.deployed_at to the
earliest of the resolution of an incident that failed it (explicit/window) and the deployed_at of its
rollback or revert deployment"; time_to_restore "over incidents resolved in the window: resolved_at −
started_at"; incidents "incidents that started in the window"; rework "a rollback, contains a revert
commit, ... or was deployed while an incident of its service was open"; §5.4 "resolved_at =
resolved_at, else the created_at of its resolve log entry, else last_status_change_at when status is
resolved"; §2 ``--as-of`` "facts after it are ignored, as if they had not happened yet".

State of verification: every number below was worked out by hand (the organisation rows cross-checked
by summing the teams' lists) before the product was run; all tests pass on the product as written, so
this module holds no DEFECT test. Scenarios are kept as regression guards for the combinations.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator
from tests.github_scenarios import approx, at, deploy, run_cli, started_at_six

AS_OF = "2026-03-20T00:00:00Z"
GH_TOKEN_VARIABLE = "AUDIT_R14_INCIDENTS_GITHUB_TOKEN"
PD_TOKEN_VARIABLE = "AUDIT_R14_INCIDENTS_PAGERDUTY_TOKEN"
GH_TOKEN = "audit-r14-incidents-gh-token"
PD_TOKEN = "audit-r14-incidents-pd-token"

Rows = dict[str, dict[str, Any]]  # team → row, for one window
Reads = dict[str, Rows]  # window → rows

TEAM_LINES = [
    "  - {name: kettle, repositories: [acme/ktl-web]}",
    "  - {name: pfxa, repositories: [acme/pfx-a], pagerduty_services: [PPFXA]}",
    "  - {name: pfxb, repositories: [acme/pfx-b]}",
    "  - {name: dual, repositories: [acme/dual], pagerduty_services: [PDUAL]}",
    "  - {name: rvt, repositories: [acme/rvt], pagerduty_services: [PRVT]}",
    "  - {name: strd, repositories: [acme/strd], pagerduty_services: [PSTRD]}",
    "  - {name: edge, repositories: [acme/edge], pagerduty_services: [PEDGE]}",
    "  - {name: idn, repositories: [acme/idn], pagerduty_services: [PIDN]}",
    "  - {name: stg, repositories: [acme/stg], pagerduty_services: [PSTG]}",
    "  - {name: rvx, repositories: [acme/rvx], pagerduty_services: [PRVX]}",
    "  - {name: fut, repositories: [acme/fut], pagerduty_services: [PFUT]}",
    "  - {name: wst, repositories: [acme/wst], pagerduty_services: [PWST]}",
    "  - {name: eow, repositories: [acme/eow], pagerduty_services: [PEOW]}",
    "  - {name: sre, pagerduty_services: [PSRE]}",
    "  - {name: sreapp, repositories: [acme/sre-app]}",
]
# Repositories whose deployment source is not the default (GitHub Deployments in production).
REPO_SOURCES = {
    "acme/shp-rel": "{source: releases}",
    "acme/shp-run": "{source: workflow_runs, workflow: deploy.yml}",
}
SHAS: dict[str, str] = {}


def component(name: str, owner: str, *, slug: str | None = None, pagerduty: str | None = None) -> str:
    """One Backstage Component document (no ``---``)."""
    annotations = ""
    if slug is not None:
        annotations += f"    github.com/project-slug: {slug}\n"
    if pagerduty is not None:
        annotations += f"    pagerduty.com/service-id: {pagerduty}\n"
    return (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
        f"metadata:\n  name: {name}\n"
        + (f"  annotations:\n{annotations}" if annotations else "")
        + f"spec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"
    )


def deploy_with_prefix(repo: RepoData, prefix: str, name: str, deployed_at: datetime) -> str:
    """``deploy``, with the new commit's sha made to begin with ``prefix`` (every 40-hex string is a sha
    GitHub could give). The commit is renamed before anything refers to it."""
    sha = repo.commit(name, author_date=deployed_at - timedelta(hours=1))
    renamed = prefix + sha[len(prefix) :]
    repo.commits[renamed] = json.loads(json.dumps(repo.commits.pop(sha)).replace(sha, renamed))
    for branch, tip in repo.branches.items():
        if tip == sha:
            repo.branches[branch] = renamed
    repo.deployment(renamed, created_at=deployed_at)
    return renamed


# ------------------------------------------------------------------------------------------- the world


def build_kettle(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """Catalog PagerDuty service × project-slug second repo × ``teams:`` override × urgency filter."""
    api, web = gh.add_repo("acme/ktl-api"), gh.add_repo("acme/ktl-web")
    api.files["catalog-info.yaml"] = (
        component("kettle", "group:default/Kettle", pagerduty="PKTL")
        + "---\n"
        + component("kettle", "group:kettle", slug="acme/ktl-web")
    )
    started_at_six(api)  # A1
    started_at_six(web)  # W1
    deploy(api, "a2", at(5, 8))  # A2
    deploy(web, "w2", at(5, 10))  # W2
    pd.add_incident("PKTL-1", "PKTL", "Kettle boiling over", at(5, 11), resolved_at=at(5, 14))
    deploy(api, "a3", at(5, 12))  # A3, while PKTL-1 is open
    web.issue(title="Kettle cold", created_at=at(6, 9), closed_at=at(6, 10), labels=["incident"])
    pd.add_incident("PKTL-LOW", "PKTL", "Kettle slow", at(6, 20), urgency="low", resolved_at=at(7, 1))
    deploy(web, "w3", at(6, 22))  # W3, while only the low incident is open


def build_prefix(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """A 7-character sha prefix beginning a change in two teams' repositories."""
    a, b = gh.add_repo("acme/pfx-a"), gh.add_repo("acme/pfx-b")
    started_at_six(a)  # A1
    started_at_six(b)  # B1
    SHAS["pfx-a2"] = deploy_with_prefix(a, "c0ffee1a", "a2", at(10, 9))  # A2
    SHAS["pfx-b2"] = deploy_with_prefix(b, "c0ffee1b", "b2", at(10, 10))  # B2
    deploy(a, "a3", at(10, 11))  # A3
    deploy(b, "b3", at(10, 11.5))  # B3
    pd.add_incident(
        "PPFXA-1",
        "PPFXA",
        "Checkout and search down",
        at(10, 12),
        resolved_at=at(10, 15),
        description="Root cause: C0FFEE1 (shared config)",
    )
    deploy(b, "b4", at(10, 13))  # B4, while PPFXA-1 (not pfx-b's service) is open
    deploy(a, "a4", at(10, 14))  # A4, while PPFXA-1 is open


def build_dual(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """One failure found by a GitHub issue (window), a PagerDuty incident (explicit, resolved through its
    log entry only) and a rollback."""
    repo = gh.add_repo("acme/dual")
    c0 = started_at_six(repo)  # D1
    d2 = deploy(repo, "d2", at(8, 10))  # D2
    repo.issue(title="Errors after deploy", created_at=at(8, 11), closed_at=at(8, 18), labels=["incident"])
    pd.add_incident(
        "PDUAL-1",
        "PDUAL",
        f"Payments failing, root cause: {d2[:9]}",
        at(8, 12),
        status="resolved",
        resolve_log_at=at(8, 15),
        last_status_change_at=at(8, 16),
        description="See the payments runbook.",
    )
    repo.deployment(c0, created_at=at(8, 16.5))  # D3 redeploys c0: a rollback of D2


def build_revert_open_at_as_of(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """Revert × an incident resolved (last_status_change_at only) after as_of × another resolved by its
    last_status_change_at only."""
    repo = gh.add_repo("acme/rvt")
    started_at_six(repo)  # R1
    r2 = deploy(repo, "r2", at(16, 10))  # R2
    pd.add_incident(
        "PRVT-1", "PRVT", "Latency", at(16, 11), status="resolved", last_status_change_at=at(21, 6)
    )
    revert = repo.commit(f'Revert "r2"\n\nThis reverts commit {r2}.', author_date=at(17, 11))
    repo.deployment(revert, created_at=at(17, 12))  # R3
    pd.add_incident(
        "PRVT-2", "PRVT", "Errors", at(18, 10), status="resolved", last_status_change_at=at(18, 12)
    )


def build_one_name_two_teams(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """Service ``gateway`` of two teams' components × an incident still open at as_of × an issue."""
    a, b = gh.add_repo("acme/nm-a"), gh.add_repo("acme/nm-b")
    a.files["catalog-info.yaml"] = component("gateway", "group:nma", pagerduty="PNMA")
    b.files["catalog-info.yaml"] = component("gateway", "group:default/nmb")
    started_at_six(a)  # NA1
    started_at_six(b)  # NB1
    deploy(b, "nb2", at(17, 10))  # NB2
    pd.add_incident("PNMA-1", "PNMA", "Gateway timeouts", at(17, 11), resolved_at=at(21))  # after as_of
    deploy(a, "na2", at(17, 12))  # NA2, while PNMA-1 is open
    deploy(b, "nb3", at(18, 9))  # NB3, while PNMA-1 is open
    a.issue(title="Gateway 502s", created_at=at(18, 10), closed_at=at(18, 11), labels=["incident"])


def build_straddle(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """An incident straddling the 7d window's start × a second one failing the same deployment."""
    repo = gh.add_repo("acme/strd")
    started_at_six(repo)  # S1
    deploy(repo, "s2", at(12, 18))  # S2
    pd.add_incident("PSTRD-1", "PSTRD", "Queue lag", at(12, 20), resolved_at=at(13, 4))
    pd.add_incident("PSTRD-2", "PSTRD", "Queue errors", at(13, 1), resolved_at=at(13, 1.5))
    deploy(repo, "s3", at(13, 2))  # S3, while PSTRD-1 is open


def build_edges(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """Incidents exactly at a deployment's instant, exactly at +24 h and one second past it; a deployment
    exactly at a resolution."""
    repo = gh.add_repo("acme/edge")
    second = timedelta(seconds=1)
    started_at_six(repo)  # E1
    deploy(repo, "e2", at(9, 10))  # E2
    deploy(repo, "e3", at(9, 14))  # E3
    pd.add_incident("PEDGE-1", "PEDGE", "Login errors", at(9, 14), resolved_at=at(9, 15))
    deploy(repo, "e4", at(10, 16))  # E4
    pd.add_incident("PEDGE-2", "PEDGE", "Login slow", at(11, 16), resolved_at=at(11, 17))
    deploy(repo, "e5", at(12, 10))  # E5
    pd.add_incident("PEDGE-3", "PEDGE", "Login loops", at(13, 10) + second, resolved_at=at(13, 11) + second)
    deploy(repo, "e6", at(13, 11) + second)  # E6, at PEDGE-3's resolution


def build_identical_redeploy(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """An issue body naming a change (``Root cause:``) after its identical redeploy × a low incident."""
    repo = gh.add_repo("acme/idn")
    started_at_six(repo)  # I1
    s2 = deploy(repo, "s2", at(11, 10))  # I2
    repo.deployment(s2, created_at=at(11, 12))  # I3: the same sha again (compare identical)
    repo.issue(
        title="Checkout errors",
        body=f"Root cause: {s2[:12]}",
        created_at=at(11, 13),
        closed_at=at(11, 16),
        labels=["incident"],
    )
    i4 = deploy(repo, "i4", at(11, 14))  # I4, while the issue is open
    pd.add_incident(
        "PIDN-LOW",
        "PIDN",
        "Checkout slow",
        at(11, 15),
        urgency="low",
        resolved_at=at(11, 15.5),
        description=f"root cause: {i4[:10]}",
    )


def build_staging_first(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """An incident naming a sha then only in staging, started in the window of the production deployment
    before it; production ships the sha after the incident started."""
    repo = gh.add_repo("acme/stg")
    started_at_six(repo)  # T1
    deploy(repo, "t2", at(14, 10))  # T2
    f = repo.commit("Cache prices", author_date=at(14, 11))
    repo.deployment(f, environment="staging", created_at=at(14, 11.5))
    pd.add_incident(
        "PSTG-1",
        "PSTG",
        "Prices wrong",
        at(14, 12),
        resolved_at=at(14, 18),
        description=f"root cause: {f[:10]}",
    )
    repo.deployment(f, created_at=at(14, 13))  # T3: production ships f


def build_revert_before_explicit_incident(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """A revert deployed before the incident naming the reverted change; the revert deployment is the
    window's latest."""
    repo = gh.add_repo("acme/rvx")
    started_at_six(repo)  # X1
    x2 = deploy(repo, "x2", at(15, 10))  # X2
    revert = repo.commit(f'Revert "x2"\n\nThis reverts commit {x2}.', author_date=at(15, 11))
    repo.deployment(revert, created_at=at(15, 12))  # X3
    pd.add_incident(
        "PRVX-1",
        "PRVX",
        "Search empty",
        at(15, 13),
        resolved_at=at(15, 20),
        description=f"root cause {x2[:7]}",
    )
    deploy(repo, "x4", at(15, 14))  # X4, while PRVX-1 is open


def build_future_link(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """An incident naming a sha that production ships only after as_of, and a revert after as_of."""
    repo = gh.add_repo("acme/fut")
    started_at_six(repo)  # U1
    deploy(repo, "u2", at(19, 10))  # U2
    u3 = deploy(repo, "u3", at(19, 12))  # U3
    g = repo.commit("Tune pool", author_date=at(19, 12.5))
    pd.add_incident(
        "PFUT-1",
        "PFUT",
        "Pool exhausted",
        at(19, 13),
        resolved_at=at(20, 2),
        description=f"root cause: {g[:8]}",
    )
    repo.deployment(g, created_at=at(20, 1))  # U4, after as_of
    revert = repo.commit(f'Revert "u3"\n\nThis reverts commit {u3}.', author_date=at(20, 2.5))
    repo.deployment(revert, created_at=at(20, 3))  # U5, after as_of


def build_window_start(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """A deployment and an incident exactly at the 7d window's start (03-13 00:00)."""
    repo = gh.add_repo("acme/wst")
    started_at_six(repo)  # V1
    deploy(repo, "v2", at(12, 20))  # V2
    deploy(repo, "v3", at(13))  # V3, exactly at the 7d window's start
    pd.add_incident("PWST-1", "PWST", "Stock sync stuck", at(13), resolved_at=at(13, 2))
    deploy(repo, "v4", at(13, 1))  # V4, while PWST-1 is open


def build_as_of_edge(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """An incident resolved exactly at as_of, another started exactly at as_of, and a deployment there."""
    repo = gh.add_repo("acme/eow")
    started_at_six(repo)  # W1
    deploy(repo, "w2", at(19, 20))  # W2
    pd.add_incident("PEOW-1", "PEOW", "Emails delayed", at(19, 21), resolved_at=at(20))
    deploy(repo, "w3", at(20))  # W3, exactly at as_of
    pd.add_incident("PEOW-2", "PEOW", "Emails lost", at(20), resolved_at=at(20, 1))


def build_mixed_sources(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """One component over a ``releases`` repository and a ``workflow_runs`` repository."""
    rel, run = gh.add_repo("acme/shp-rel"), gh.add_repo("acme/shp-run")
    rel.files["catalog-info.yaml"] = (
        component("shop", "group:shp", pagerduty="PSHP")
        + "---\n"
        + component("shop", "shp", slug="acme/shp-run")
    )
    r0 = rel.commit("initial", author_date=at(1, 5))
    r1 = rel.commit("r1", author_date=at(15, 8))
    r2 = rel.commit("r2", author_date=at(15, 11))
    rel.tags.update({"v1": r0, "v2": r1, "v3-rc": r2, "v3": r2})
    rel.release("v1", published_at=at(1, 6))  # R1 first
    rel.release("v2", published_at=at(15, 9))  # R2
    q0 = run.commit("initial", author_date=at(1, 5))
    run.workflow_run(q0, created_at=at(1, 5.5), updated_at=at(1, 6))  # Q1 first
    q1 = run.commit("q1", author_date=at(15, 9))
    run.workflow_run(q1, created_at=at(15, 9.5), updated_at=at(15, 10))  # Q2
    pd.add_incident("PSHP-1", "PSHP", "Shop down", at(15, 11), resolved_at=at(15, 13))
    rel.release("v3", published_at=at(15, 12))  # R3, while PSHP-1 is open
    run.workflow_run(q1, created_at=at(16, 7.5), updated_at=at(16, 8), conclusion="failure")
    rel.release("v3-rc", published_at=at(16, 8.5), prerelease=True)
    rel.issue(title="Cart empty", created_at=at(16, 9), closed_at=at(16, 10), labels=["incident"])


def build_sre_only(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """A team owning a PagerDuty service only, whose incident names another team's change."""
    repo = gh.add_repo("acme/sre-app")
    started_at_six(repo)  # SA1
    sa2 = deploy(repo, "sa2", at(18, 10))  # SA2
    pd.add_incident(
        "PSRE-1",
        "PSRE",
        "DNS flapping",
        at(18, 11),
        resolved_at=at(18, 11.5),
        description=f"root cause: {sa2[:7]}",
    )
    pd.add_incident("PSRE-2", "PSRE", "DNS slow", at(18, 12), resolved_at=at(18, 14))
    deploy(repo, "sa3", at(18, 13))  # SA3, while PSRE-2 (no service of acme/sre-app) is open


def build_tie(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    """Two teams' repositories of one service deploying at one instant, named in two letter cases."""
    lower, upper = gh.add_repo("acme/tie-a"), gh.add_repo("acme/Tie-B")
    lower.files["catalog-info.yaml"] = component("tie", "group:tiea", pagerduty="PTIE")
    upper.files["catalog-info.yaml"] = component("tie", "group:tieb")
    started_at_six(lower)  # TA1
    started_at_six(upper)  # TB1
    deploy(upper, "tb2", at(16, 10))  # TB2
    deploy(lower, "ta2", at(16, 10))  # TA2, the same instant
    pd.add_incident("PTIE-1", "PTIE", "Ties everywhere", at(16, 11), resolved_at=at(16, 12))


BUILDERS = [
    build_kettle,
    build_prefix,
    build_dual,
    build_revert_open_at_as_of,
    build_one_name_two_teams,
    build_straddle,
    build_edges,
    build_identical_redeploy,
    build_staging_first,
    build_revert_before_explicit_incident,
    build_future_link,
    build_window_start,
    build_as_of_edge,
    build_mixed_sources,
    build_sre_only,
    build_tie,
]


def config_text(gh: GitHubDataset, store: str, github_url: str, pd: PagerDutyEmulator) -> str:
    repo_lines = "".join(
        f"    - {{name: {repo}, deployments: {REPO_SOURCES[repo]}}}\n"
        if repo in REPO_SOURCES
        else f"    - {repo}\n"
        for repo in gh.repos
    )
    return (
        f"database:\n  url: duckdb:///{store}\n"
        f"github:\n  base_url: {github_url}\n  token: ${{{GH_TOKEN_VARIABLE}}}\n  since: 2026-03-01\n"
        f"  repositories:\n{repo_lines}"
        f"pagerduty:\n  base_url: {pd.base_url}\n  token: ${{{PD_TOKEN_VARIABLE}}}\n"
        f"  ca_bundle: {pd.ca_file}\n"
        "  urgencies: [high]\n"
        "catalog: {discover: true}\n"
        "incidents: {attribution_window: 24h}\n"
        "metrics: {windows: [7d, 30d]}\n"
        "teams:\n" + "\n".join(TEAM_LINES) + "\n"
    )


@pytest.fixture(scope="module")
def reads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reads]:
    gh, pd_data = GitHubDataset(), PagerDutyDataset()
    for build in BUILDERS:
        build(gh, pd_data)
    directory = tmp_path_factory.mktemp("r14-incident-combinations")
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
        week = run_cli(
            ["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF, "--window", "7d"]
        )
    result: Reads = {"7d": {}, "30d": {}, "7d alone": {}}
    for row in json.loads(out):
        assert row["as_of"] == AS_OF
        result[row["window"]][row["team"]] = row
    result["7d alone"] = {row["team"]: row for row in json.loads(week)}
    yield result


def expect(
    row: dict[str, Any],
    *,
    deployments: int,
    cfr: float | None,
    recovery: float | None,
    restore: tuple[float | None, float | None],
    incidents: int,
    rework: float | None,
) -> None:
    """Every failure and incident number of one row and its bands, compared at once (every mismatch
    shown)."""

    def number(value: float | None) -> Any:
        return None if value is None else approx(value)

    names = (
        "deployments",
        "change_failure_rate",
        "failed_deployment_recovery_hours_p50",
        "time_to_restore_hours_p50",
        "time_to_restore_hours_p90",
        "incidents",
        "rework_rate",
    )
    got = {name: row[name] for name in names} | {"bands": row["bands"]}
    want = {
        "bands": dict(zip(BAND_KEYS, BANDS[row["team"]], strict=True)),
        "deployments": deployments,
        "change_failure_rate": number(cfr),
        "failed_deployment_recovery_hours_p50": number(recovery),
        "time_to_restore_hours_p50": number(restore[0]),
        "time_to_restore_hours_p90": number(restore[1]),
        "incidents": incidents,
        "rework_rate": number(rework),
    }
    assert got == want


BAND_KEYS = ("deployment_frequency", "lead_time", "change_failure_rate", "recovery")
# Each team's bands (dora-2023), from its 30d window, the longest configured: every row of a team, 7d too,
# carries them (SPEC §6.3). Frequency: deployments / 30 per day; ≥ 1/7 high, ≥ 1/30 medium. Lead time:
# every change here is authored 1 h before its deployment (f of acme/stg 2 h) → p50 < 1 day, elite.
# Change failure rate: 0 elite, anything from 1/6 up low. Recovery: the recovery p50 (< 1 day high,
# < 1 week medium), else the restore p50 (nma: 1.0 h, not < 1 hour: high; fut: none → null).
BANDS: dict[str, tuple[str | None, ...]] = {
    "*": ("elite", "elite", "low", "high"),  # 67/30 per day; recovery 5.0 h
    "kettle": ("high", "elite", "low", "high"),  # 6/30; 13 h
    "pfxa": ("medium", "elite", "low", "high"),  # 4/30; 6 h
    "pfxb": ("medium", "elite", "low", "high"),  # 4/30; 5 h
    "dual": ("medium", "elite", "low", "high"),  # 3/30; 5 h
    "rvt": ("medium", "elite", "low", "medium"),  # 3/30; 25 h
    "nma": ("medium", "elite", "elite", "high"),  # 2/30; CFR 0; restore 1.0 h
    "nmb": ("medium", "elite", "low", "high"),  # 3/30; 2 h
    "strd": ("medium", "elite", "low", "high"),  # 3/30; 7.5 h
    "edge": ("high", "elite", "low", "high"),  # 6/30; 15 h
    "idn": ("medium", "elite", "low", "high"),  # 4/30; 6 h
    "stg": ("medium", "elite", "low", "high"),  # 3/30; lead 1, 2 → 1.5 h; 5 h
    "rvx": ("medium", "elite", "low", "high"),  # 4/30; 2 h
    "fut": ("medium", "elite", "low", None),  # 3/30; no recovery, no restore
    "wst": ("medium", "elite", "low", "high"),  # 4/30; 6 h
    "eow": ("medium", "elite", "low", "high"),  # 3/30; 4 h
    "shp": ("high", "elite", "low", "high"),  # 5/30; 12.5 h
    "sre": ("low", None, None, "high"),  # 0/30 (a number: low); no lead time; no CFR; restore 1.25 h
    "sreapp": ("medium", "elite", "low", "high"),  # 3/30; 1.5 h
    "tiea": ("medium", "elite", "low", "high"),  # 2/30; 2 h
    "tieb": ("medium", "elite", "elite", None),  # 2/30; CFR 0; no recovery, no restore
}


def expect_nothing(row: dict[str, Any]) -> None:
    """A row with nothing in its window: 0 deployments, 0 incidents, every ratio and percentile null."""
    expect(row, deployments=0, cfr=None, recovery=None, restore=(None, None), incidents=0, rework=None)


# ------------------------------------------------------------------------------------------- the tests


def test_team_set(reads: Reads) -> None:
    """The ``teams:`` teams (sre owning a PagerDuty service only), the catalog's nma, nmb, shp, tiea and
    tieb, and ``*``. Not ``Kettle`` (the catalog owner ``group:default/Kettle`` is the configured team
    kettle, whatever its case), not ``unowned`` (every repository has an owner and no ``service_ids``
    service is configured)."""
    # SPEC §4 ownership; docs/metrics.md "A catalog owner is compared whatever its letter case".
    expected = ["*", "dual", "edge", "eow", "fut", "idn", "kettle", "nma", "nmb", "pfxa", "pfxb", "rvt"]
    expected += ["rvx", "shp", "sre", "sreapp", "stg", "strd", "tiea", "tieb", "wst"]
    assert sorted(reads["30d"]) == expected
    assert sorted(reads["7d"]) == expected


def test_the_short_window_asked_alone_gives_the_same_rows(reads: Reads) -> None:
    """``metrics --window 7d`` prints the 7d rows only, each equal to the 7d row of the full read, bands
    included (SPEC §2 "for every configured window unless --window names one"; §6.3 "Bands always come
    from the 90-day window (or the longest configured)": the 30d window, though not asked for). The
    incidents open across the 7d window's start (PSTRD-1, PNMA-1) and the failures before it (S2) are read
    whatever the window asked."""
    assert reads["7d alone"] == reads["7d"]


def test_catalog_pagerduty_service_over_a_slug_repo_given_to_its_own_team_by_teams(reads: Reads) -> None:
    """acme/ktl-api's catalog-info.yaml: Component kettle (``group:default/Kettle``, PagerDuty PKTL; lives
    in acme/ktl-api), then Component kettle again with ``github.com/project-slug: acme/ktl-web``
    (``group:kettle``). ``teams:`` gives acme/ktl-web to team kettle, the component's own owner (the
    catalog's ``Kettle`` is the configured ``kettle``): nothing is overridden away, so service kettle is
    acme/ktl-api + acme/ktl-web, and PKTL belongs to it.

    A1, W1 first (03-01 06:00). A2 (api) 05 08:00; W2 (web) 05 10:00. PKTL-1 05 11:00 → 14:00: the
    latest deployment of service kettle before it is W2 (the other repo's, 1 h) → W2 failed (window),
    recovery 14:00 − 10:00 = 4 h; A2 is not the latest. A3 (api) 05 12:00 while PKTL-1 is open →
    rework. Issue in acme/ktl-web 06 09:00 → 10:00: service kettle; its latest deployment is A3 (21 h)
    → A3 failed, recovery 06 10:00 − 05 12:00 = 22 h. PKTL-LOW (low; ``urgencies: [high]``) 06 20:00 →
    07 01:00 is not collected: W3 (web) 06 22:00 is deployed while no collected incident is open → no
    rework.
    30d: deployments 6 (A1, A2, A3, W1, W2, W3); CFR 2/6; recovery 4, 22 → p50 13.0; incidents 2;
    restore 3, 1 → p50 2.0, p90 1 + 0.9 × 2 = 2.8; rework 1/6 (A3).
    (Were ktl-web taken out of the component, PKTL-1 would fail A2 (3 h) instead; were PKTL-LOW
    collected, W3 would be rework: 2/6.)
    7d: nothing of it.
    """
    # SPEC §4 "github.com/project-slug: acme/x names the repo a component lives in"; "teams: ... a repo
    # ... it names belongs to that team, whatever the catalog says"; §5.4 "in the configured urgencies".
    expect(
        reads["30d"]["kettle"],
        deployments=6,
        cfr=2 / 6,
        recovery=13.0,
        restore=(2.0, 2.8),
        incidents=2,
        rework=1 / 6,
    )
    expect_nothing(reads["7d"]["kettle"])


def test_seven_character_prefix_beginning_changes_of_two_teams(reads: Reads) -> None:
    """acme/pfx-a (team pfxa, PPFXA) and acme/pfx-b (team pfxb, no PagerDuty service). A2's commit sha
    begins ``c0ffee1a``, B2's ``c0ffee1b``: their first 7 characters are the same.

    A1, B1 first. A2 10 09:00, B2 10 10:00, A3 10 11:00, B3 10 11:30. PPFXA-1 10 12:00 → 15:00,
    description ``Root cause: C0FFEE1 (shared config)``: ``c0ffee1`` (7 hex characters, case aside)
    begins the sha of a change of A2 and of one of B2 → both failed (explicit). The incident has an
    explicit link, so the window rule does not apply: A3 (pfx-a's latest, 1 h before) is not failed. B4
    10 13:00 while PPFXA-1 is open: PPFXA is no service of acme/pfx-b → no rework. A4 10 14:00 → rework.
    pfxa 30d: deployments 4; CFR 1/4; recovery 15:00 − 09:00 = 6.0; incidents 1; restore 3.0; rework
    1/4. pfxb 30d: deployments 4; CFR 1/4; recovery 15:00 − 10:00 = 5.0; incidents 0; restore null;
    rework 0.0. 7d: nothing.
    """
    # SPEC §6.1 rule 1 "a hex string of 7 to 40 characters ... that begins the sha of a change of F"
    # (no condition on the repository or service); rule 4 "an incident with no explicit link".
    assert SHAS["pfx-a2"][:7] == SHAS["pfx-b2"][:7] == "c0ffee1"
    expect(
        reads["30d"]["pfxa"],
        deployments=4,
        cfr=1 / 4,
        recovery=6.0,
        restore=(3.0, 3.0),
        incidents=1,
        rework=1 / 4,
    )
    expect(
        reads["30d"]["pfxb"],
        deployments=4,
        cfr=1 / 4,
        recovery=5.0,
        restore=(None, None),
        incidents=0,
        rework=0.0,
    )
    expect_nothing(reads["7d"]["pfxa"])
    expect_nothing(reads["7d"]["pfxb"])


def test_one_failure_found_by_an_issue_a_pagerduty_incident_and_a_rollback(reads: Reads) -> None:
    """acme/dual (team dual, PDUAL).

    D1 c0 first. D2 08 10:00. Issue "Errors after deploy" 08 11:00 → 18:00 (no hex word): latest deployment
    before it D2 → window. PDUAL-1 08 12:00, titled ``Payments failing, root cause: <D2's sha[:9]>`` (its
    description names nothing) → explicit D2. PDUAL-1's payload has status ``resolved``, no ``resolved_at``, a
    resolve log entry at 15:00 and ``last_status_change_at`` 16:00: resolved_at = the log entry's 15:00 (§5.4,
    before last_status_change_at). D3 redeploys c0 at 16:30: compare behind → a rollback of D2. D2 is failed
    by three rules and counts once; recovery = the earliest of 18:00 (issue), 15:00 (PDUAL-1) and 16:30
    (rollback) → 15:00 − 10:00 = 5 h. D3 is rework (a rollback; the issue is open too), once.
    30d: deployments 3; CFR 1/3; recovery 5.0; incidents 2 (one issue, one PagerDuty incident); restore 7
    (issue), 3 (PDUAL-1) → p50 5.0, p90 3 + 0.9 × 4 = 6.6; rework 1/3. (With last_status_change_at: recovery
    6, restore 4 and 7 → 5.5.) 7d: nothing.
    """
    # SPEC §5.4 "resolved_at = resolved_at, else the created_at of its resolve log entry, else
    # last_status_change_at"; §6.1 rules 1, 2, 4; §6.2 recovery "the earliest of ...".
    expect(
        reads["30d"]["dual"],
        deployments=3,
        cfr=1 / 3,
        recovery=5.0,
        restore=(5.0, 6.6),
        incidents=2,
        rework=1 / 3,
    )
    expect_nothing(reads["7d"]["dual"])


def test_revert_recovers_a_failure_whose_incident_resolves_after_as_of(reads: Reads) -> None:
    """acme/rvt (team rvt, PRVT).

    R1 first. R2 16 10:00. PRVT-1 16 11:00: status resolved, no ``resolved_at``, no resolve log entry,
    ``last_status_change_at`` 03-21 06:00 → resolved_at 03-21 06:00, after as_of: open as of as_of.
    It fails R2 (window, 1 h). R3 17 12:00 ships ``This reverts commit <R2's change>`` → revert R2.
    R2's recovery: PRVT-1 is not resolved by as_of; the revert at 17 12:00 → 26 h. R3 is rework (a
    revert commit; PRVT-1 open). PRVT-2 18 10:00, resolved by its ``last_status_change_at`` 12:00 only:
    the latest deployment before it is R3 (22 h) → R3 failed (window), recovery 18 12:00 − 17 12:00 =
    24 h.
    30d: deployments 3; CFR 2/3; recovery 24, 26 → p50 25.0; incidents 2; restore over PRVT-2 only
    (PRVT-1 is resolved after as_of) 2.0, 2.0; rework 1/3.
    7d (03-13, 03-20]: deployments 2 (R2, R3); CFR 2/2; recovery 25.0; incidents 2; restore 2.0;
    rework 1/2.
    """
    # SPEC §5.4 resolution fallbacks; §2 --as-of; §6.1 rules 3 and 4; §6.2 recovery "that have recovered
    # by as_of", time_to_restore "over incidents resolved in the window".
    expect(
        reads["30d"]["rvt"],
        deployments=3,
        cfr=2 / 3,
        recovery=25.0,
        restore=(2.0, 2.0),
        incidents=2,
        rework=1 / 3,
    )
    expect(
        reads["7d"]["rvt"],
        deployments=2,
        cfr=1.0,
        recovery=25.0,
        restore=(2.0, 2.0),
        incidents=2,
        rework=1 / 2,
    )


def test_incident_open_at_as_of_on_a_service_of_two_teams(reads: Reads) -> None:
    """acme/nm-a: Component gateway (``group:nma``, PNMA); acme/nm-b: Component gateway
    (``group:default/nmb``). Components are told apart by ``metadata.name``: one service gateway over
    two teams' repositories (docs/metrics.md rule 4).

    NA1, NB1 first. NB2 17 10:00. PNMA-1 (nma's) 17 11:00, resolved 03-21 00:00 (after as_of: open):
    the latest deployment of gateway before it is NB2 (1 h) → NB2 failed (window), not recovered by
    as_of. NA2 17 12:00 and NB3 18 09:00 are deployed while PNMA-1 is open → rework, each for its own
    team. Issue in acme/nm-a 18 10:00 → 11:00 (nma's): latest of gateway NB3 (1 h) → NB3 failed,
    recovery 2 h.
    nma 30d: deployments 2; CFR 0.0; recovery null; incidents 2; restore over the issue only 1.0;
    rework 1/2. nmb 30d: deployments 3; CFR 2/3; recovery over NB3 only 2.0; incidents 0; restore
    null; rework 1/3.
    nma 7d: deployments 1 (NA2); CFR 0.0; recovery null; incidents 2; restore 1.0; rework 1/1.
    nmb 7d: deployments 2 (NB2, NB3); CFR 2/2; recovery 2.0; incidents 0; restore null; rework 1/2.
    """
    # SPEC §4 "A service is a Backstage Component (kind: Component, metadata.name)"; §6.1 rule 4;
    # §6.2 rework "deployed while an incident of its service was open"; docs/metrics.md "An incident
    # resolved after as_of is still open as of as_of".
    expect(
        reads["30d"]["nma"],
        deployments=2,
        cfr=0.0,
        recovery=None,
        restore=(1.0, 1.0),
        incidents=2,
        rework=1 / 2,
    )
    expect(
        reads["30d"]["nmb"],
        deployments=3,
        cfr=2 / 3,
        recovery=2.0,
        restore=(None, None),
        incidents=0,
        rework=1 / 3,
    )
    expect(
        reads["7d"]["nma"],
        deployments=1,
        cfr=0.0,
        recovery=None,
        restore=(1.0, 1.0),
        incidents=2,
        rework=1.0,
    )
    expect(
        reads["7d"]["nmb"],
        deployments=2,
        cfr=1.0,
        recovery=2.0,
        restore=(None, None),
        incidents=0,
        rework=1 / 2,
    )


def test_incident_straddling_the_window_start_restores_in_it_without_starting_in_it(reads: Reads) -> None:
    """acme/strd (team strd, PSTRD). 7d = (03-13 00:00, 03-20 00:00].

    S1 first. S2 12 18:00. PSTRD-1 12 20:00 → 13 04:00 (straddles the 7d start): latest S2 (2 h) →
    window. PSTRD-2 13 01:00 → 01:30: the latest deployment before it is still S2 (7 h) → S2 again,
    counted once; recovery = the earliest resolution of the two, 13 01:30 − 12 18:00 = 7.5 h. S3 13
    02:00 while PSTRD-1 is open → rework; not failed (no incident starts after it).
    30d: deployments 3; CFR 1/3; recovery 7.5; incidents 2; restore 8, 0.5 → p50 4.25, p90 0.5 + 0.9 ×
    7.5 = 7.25; rework 1/3.
    7d: deployments 1 (S3); CFR 0.0; recovery null (S2 is before the window); incidents 1 (PSTRD-2 only:
    PSTRD-1 started before the window); restore: both are resolved in the window → 4.25, 7.25;
    rework 1/1.
    """
    # SPEC §6.2 time_to_restore "over incidents resolved in the window"; incidents "that started in the
    # window"; recovery "over failed deployments in the window".
    expect(
        reads["30d"]["strd"],
        deployments=3,
        cfr=1 / 3,
        recovery=7.5,
        restore=(4.25, 7.25),
        incidents=2,
        rework=1 / 3,
    )
    expect(
        reads["7d"]["strd"],
        deployments=1,
        cfr=0.0,
        recovery=None,
        restore=(4.25, 7.25),
        incidents=1,
        rework=1.0,
    )


def test_incidents_at_a_deployment_instant_and_at_the_attribution_windows_end(reads: Reads) -> None:
    """acme/edge (team edge, PEDGE).

    E1 first. E2 09 10:00. E3 09 14:00. PEDGE-1 starts at 09 14:00, E3's very instant → 15:00: E3 is
    not before it (the window is (E3.deployed_at, …], exclusive), so the latest deployment before it is
    E2 (4 h) → E2 failed, recovery 15:00 − 10:00 = 5 h; E3 is deployed at the start of an incident of
    its service → rework (docs/metrics.md: "a deployment at its start is rework"). E4 10 16:00; PEDGE-2
    at 11 16:00, exactly E4 + 24 h (closed end) → E4 failed, recovery 11 17:00 − 10 16:00 = 25 h. E5 12
    10:00; PEDGE-3 at 13 10:00:01, one second past E5 + 24 h → fails nothing; resolved 13 11:00:01. E6
    at 13 11:00:01, PEDGE-3's resolution instant → not rework ("one at its resolution is not").
    30d: deployments 6; CFR 2/6; recovery 5, 25 → p50 15.0; incidents 3; restore 1, 1, 1 → 1.0, 1.0;
    rework 1/6 (E3).
    7d: deployments 1 (E6); CFR 0.0; recovery null; incidents 1 (PEDGE-3); restore 1.0; rework 0.0.
    """
    # SPEC §6.1 rule 4 "started in (F.deployed_at, F.deployed_at + attribution_window]", "the latest
    # deployment of that service before the incident started"; §6.2 rework.
    expect(
        reads["30d"]["edge"],
        deployments=6,
        cfr=2 / 6,
        recovery=15.0,
        restore=(1.0, 1.0),
        incidents=3,
        rework=1 / 6,
    )
    expect(
        reads["7d"]["edge"],
        deployments=1,
        cfr=0.0,
        recovery=None,
        restore=(1.0, 1.0),
        incidents=1,
        rework=0.0,
    )


def test_issue_body_naming_a_change_after_its_identical_redeploy(reads: Reads) -> None:
    """acme/idn (team idn, PIDN).

    I1 first. I2 (s2) 11 10:00. I3 11 12:00 redeploys s2: compare identical, a deployment with no
    changes and no rollback. Issue "Checkout errors", body ``Root cause: <s2[:12]>``, 11 13:00 → 16:00:
    s2 is a change of I2 only → I2 failed (explicit); the issue has an explicit link, so I3, the latest
    deployment before it (1 h), is not failed by the window rule. I4 11 14:00 while the issue is open →
    rework. PIDN-LOW (low) 11 15:00 naming I4's sha: not collected (``urgencies: [high]``) → fails
    nothing, counts nowhere.
    30d: deployments 4; CFR 1/4; recovery 16:00 − 10:00 = 6.0; incidents 1; restore 3.0; rework 1/4.
    (With the window rule on I3 as well: CFR 2/4; with PIDN-LOW: I4 failed too, incidents 2.)
    7d: nothing.
    """
    # SPEC §5.2 "A redeploy of P.sha itself (identical) is a deployment with no changes and no rollback";
    # §6.1 rule 1 "(a GitHub issue's title or body)"; rule 4 "an incident with no explicit link"; §5.4
    # "in the configured urgencies".
    expect(
        reads["30d"]["idn"],
        deployments=4,
        cfr=1 / 4,
        recovery=6.0,
        restore=(3.0, 3.0),
        incidents=1,
        rework=1 / 4,
    )
    expect_nothing(reads["7d"]["idn"])


def test_incident_naming_a_sha_production_ships_after_the_incident_started(reads: Reads) -> None:
    """acme/stg (team stg, PSTG).

    T1 first. T2 14 10:00. Commit f (authored 11:00) goes to staging at 11:30 (not a deployment: §5.1
    "only the production environment counts"). PSTG-1 14 12:00 → 18:00, description ``root cause:
    <f[:10]>``. T3 deploys f to production at 13:00 (compare ahead, change f). As of as_of, f begins the
    sha of a change of T3 → T3 failed (explicit), and PSTG-1 has an explicit link, so T2, the latest
    deployment before it (2 h), is not failed by the window rule. T3's recovery: PSTG-1's resolution,
    18:00 − 13:00 = 5 h. T3 is deployed while PSTG-1 is open → rework.
    30d: deployments 3; CFR 1/3; recovery 5.0; incidents 1; restore 6.0; rework 1/3.
    7d: deployments 2 (T2, T3); CFR 1/2; recovery 5.0; incidents 1; restore 6.0; rework 1/2.
    """
    # SPEC §5.1 "only the production environment counts"; §6.1 rules 1 and 4; §6.2 recovery, rework.
    expect(
        reads["30d"]["stg"],
        deployments=3,
        cfr=1 / 3,
        recovery=5.0,
        restore=(6.0, 6.0),
        incidents=1,
        rework=1 / 3,
    )
    expect(
        reads["7d"]["stg"],
        deployments=2,
        cfr=1 / 2,
        recovery=5.0,
        restore=(6.0, 6.0),
        incidents=1,
        rework=1 / 2,
    )


def test_revert_before_the_incident_naming_the_reverted_change(reads: Reads) -> None:
    """acme/rvx (team rvx, PRVX).

    X1 first. X2 15 10:00. X3 15 12:00 ships ``This reverts commit <X2's change>`` → revert X2. PRVX-1
    15 13:00 → 20:00, description ``root cause <X2's sha[:7]>`` → explicit X2. PRVX-1 has an explicit
    link: X3, the latest deployment before it (1 h), is not failed. X2's recovery: the earliest of its
    revert deployment (12:00) and PRVX-1's resolution (20:00) → 2 h. X3 is rework (a revert commit;
    no incident is open at 12:00). X4 15 14:00 while PRVX-1 is open → rework.
    30d: deployments 4; CFR 1/4; recovery 2.0; incidents 1; restore 7.0; rework 2/4.
    7d: deployments 3 (X2, X3, X4); CFR 1/3; recovery 2.0; incidents 1; restore 7.0; rework 2/3.
    """
    # SPEC §6.1 rules 1, 3, 4; §6.2 recovery "the earliest of the resolution of an incident that failed
    # it (explicit/window) and the deployed_at of its rollback or revert deployment"; rework.
    expect(
        reads["30d"]["rvx"],
        deployments=4,
        cfr=1 / 4,
        recovery=2.0,
        restore=(7.0, 7.0),
        incidents=1,
        rework=2 / 4,
    )
    expect(
        reads["7d"]["rvx"],
        deployments=3,
        cfr=1 / 3,
        recovery=2.0,
        restore=(7.0, 7.0),
        incidents=1,
        rework=2 / 3,
    )


def test_incident_naming_a_sha_production_ships_only_after_as_of(reads: Reads) -> None:
    """acme/fut (team fut, PFUT).

    U1 first. U2 19 10:00, U3 19 12:00. Commit g (authored 12:30) is deployed to production only at 03-20
    01:00 (U4), after as_of; U5 reverts U3's change at 03-20 03:00, after as_of too. PFUT-1 19 13:00 →
    03-20 02:00, description ``root cause: <g[:8]>``. As of as_of U4 has not happened: g begins the sha
    of no change of any deployment, so PFUT-1 has no explicit link, and the window rule fails U3, the
    latest deployment before it (1 h). U3 has not recovered by as_of (PFUT-1 resolves after it; its
    revert is after it) → no recovery value. No deployment while PFUT-1 is open by as_of → rework 0.
    30d: deployments 3; CFR 1/3; recovery null; incidents 1; restore null (resolved after as_of);
    rework 0.0. 7d: deployments 2 (U2, U3); CFR 1/2; the rest as 30d.
    (Reading U4 before it happened: U3 not failed, CFR 0.)
    """
    # SPEC §2 --as-of "facts after it are ignored, as if they had not happened yet"; §6.1 rules 1, 3, 4;
    # §6.2 recovery "that have recovered by as_of".
    expect(
        reads["30d"]["fut"],
        deployments=3,
        cfr=1 / 3,
        recovery=None,
        restore=(None, None),
        incidents=1,
        rework=0.0,
    )
    expect(
        reads["7d"]["fut"],
        deployments=2,
        cfr=1 / 2,
        recovery=None,
        restore=(None, None),
        incidents=1,
        rework=0.0,
    )


def test_deployment_and_incident_exactly_at_the_short_windows_start(reads: Reads) -> None:
    """acme/wst (team wst, PWST). 7d = (03-13 00:00, 03-20 00:00]: 03-13 00:00 itself is out.

    V1 first. V2 12 20:00. V3 at 13 00:00. PWST-1 starts at 13 00:00, V3's instant → 02:00: V3 is not
    before it, so the latest deployment before it is V2 (4 h) → V2 failed (window), recovery 13 02:00 −
    12 20:00 = 6 h. V3, deployed at the incident's start, and V4 13 01:00 are deployed while it is open →
    rework, both.
    30d: deployments 4; CFR 1/4; recovery 6.0; incidents 1; restore 2.0; rework 2/4.
    7d: deployments 1 (V4; V3 is exactly at the start, out); CFR 0.0; recovery null (V2 is before the
    window); incidents 0 (PWST-1 started exactly at the start, out); restore 2.0 (resolved at 02:00, in
    the window); rework 1/1.
    """
    # SPEC §6 "A window Nd ending at as_of is the half-open interval (as_of − N days, as_of]"; §6.1 rule 4;
    # §6.2 time_to_restore "over incidents resolved in the window", incidents "that started in the window",
    # rework.
    expect(
        reads["30d"]["wst"],
        deployments=4,
        cfr=1 / 4,
        recovery=6.0,
        restore=(2.0, 2.0),
        incidents=1,
        rework=2 / 4,
    )
    expect(
        reads["7d"]["wst"],
        deployments=1,
        cfr=0.0,
        recovery=None,
        restore=(2.0, 2.0),
        incidents=0,
        rework=1.0,
    )


def test_incident_resolved_at_as_of_another_started_there_and_a_deployment_there(reads: Reads) -> None:
    """acme/eow (team eow, PEOW); as_of 03-20 00:00, the windows' closed end.

    W1 first. W2 19 20:00. PEOW-1 19 21:00 → resolved exactly at as_of: W2 failed (window, 1 h), recovered
    by as_of (at it): 4 h; restored in the window: 3 h. W3 at 03-20 00:00, as_of itself (in the windows).
    PEOW-2 starts at 03-20 00:00 too (in the windows; W3 is not before it: the latest deployment before
    it is W2, 4 h → W2 again, counted once; its recovery stays PEOW-1's 4 h) and is resolved at 01:00,
    after as_of: open as of as_of, no restore. At W3's instant PEOW-1 is resolved (not open) and PEOW-2
    starts (open) → W3 rework.
    30d: deployments 3; CFR 1/3; recovery 4.0; incidents 2; restore 3.0; rework 1/3.
    7d: deployments 2 (W2, W3); CFR 1/2; recovery 4.0; incidents 2; restore 3.0; rework 1/2.
    """
    # SPEC §6 windows "(as_of − N days, as_of]"; §2 --as-of; §6.1 rule 4; §6.2; docs/metrics.md rework
    # "a deployment at its start is rework, one at its resolution is not".
    expect(
        reads["30d"]["eow"],
        deployments=3,
        cfr=1 / 3,
        recovery=4.0,
        restore=(3.0, 3.0),
        incidents=2,
        rework=1 / 3,
    )
    expect(
        reads["7d"]["eow"],
        deployments=2,
        cfr=1 / 2,
        recovery=4.0,
        restore=(3.0, 3.0),
        incidents=2,
        rework=1 / 2,
    )


def test_one_component_over_a_releases_repository_and_a_workflow_runs_repository(reads: Reads) -> None:
    """acme/shp-rel (``source: releases``) holds Component shop (``group:shp``, PagerDuty PSHP) and
    Component shop again with ``github.com/project-slug: acme/shp-run`` (owner ``shp``); acme/shp-run is
    ``source: workflow_runs, workflow: deploy.yml``. One service, two deployment sources.

    R1 (release v1, published 03-01 06:00) and Q1 (run of q0, updated 03-01 06:00) first. R2: release
    v2 of r1 (authored 15 08:00) published 15 09:00; Q2: run of q1 (09:00) completed (updated) 15 10:00.
    PSHP-1 15 11:00 → 13:00: the latest deployment of shop before it is Q2 (the run, 1 h; R2 is 2 h) →
    Q2 failed (window), recovery 3 h. R3: release v3 of r2 (11:00) published 15 12:00 while PSHP-1 is
    open → rework. A run of q1 that concluded ``failure`` (16 08:00) and a prerelease v3-rc (16 08:30)
    are no deployments. Issue in acme/shp-rel 16 09:00 → 10:00: the latest of shop is R3 (21 h) → R3
    failed, recovery 16 10:00 − 15 12:00 = 22 h.
    30d: deployments 5; CFR 2/5; recovery 3, 22 → p50 12.5; incidents 2; restore 2, 1 → p50 1.5, p90
    1 + 0.9 × 1 = 1.9; rework 1/5.
    7d: deployments 3 (R2, Q2, R3); CFR 2/3; recovery 12.5; incidents 2; restore 1.5, 1.9; rework 1/3.
    """
    # SPEC §5.1 workflow_runs "deployed_at = the run's updated_at", releases "published, non-draft,
    # non-prerelease releases; deployed_at = published_at"; §4 project-slug; §6.1 rule 4 "the latest
    # deployment of that service"; §6.2 rework.
    expect(
        reads["30d"]["shp"],
        deployments=5,
        cfr=2 / 5,
        recovery=12.5,
        restore=(1.5, 1.9),
        incidents=2,
        rework=1 / 5,
    )
    expect(
        reads["7d"]["shp"],
        deployments=3,
        cfr=2 / 3,
        recovery=12.5,
        restore=(1.5, 1.9),
        incidents=2,
        rework=1 / 3,
    )


def test_team_owning_only_a_pagerduty_service_names_another_teams_change(reads: Reads) -> None:
    """``teams:`` sre owns PSRE only (no repository); sreapp owns acme/sre-app only.

    SA1 first. SA2 18 10:00. PSRE-1 (sre's) 18 11:00 → 11:30, description ``root cause: <SA2's
    sha[:7]>`` → SA2 failed (explicit; rule 1 has no condition on the incident's service), recovery
    1.5 h. PSRE-2 18 12:00 → 14:00, no hex word: PSRE belongs to sre's repositories, of which there are
    none → fails nothing. SA3 18 13:00 while PSRE-2 is open: PSRE is no service of acme/sre-app → no
    rework.
    sre (30d and 7d alike): deployments 0; CFR null; recovery null; incidents 2; restore 0.5, 2 → p50
    1.25, p90 0.5 + 0.9 × 1.5 = 1.85; rework null. Bands: frequency 0 per day, a number → low; lead
    time, CFR null; recovery: no failed deployment → the restore p50 1.25 h → high.
    sreapp 30d: deployments 3; CFR 1/3; recovery 1.5; incidents 0; restore null; rework 0.0.
    sreapp 7d: deployments 2 (SA2, SA3); CFR 1/2; recovery 1.5; incidents 0; restore null; rework 0.0.
    """
    # SPEC §4 "the PagerDuty services a teams: entry names belong to that team's repos"; §6 "Team
    # metrics cover the repos and PagerDuty services the team owns"; "a ratio or percentile with nothing
    # to measure is null"; §6.1 rule 1; §6.3 "falling back to time_to_restore_hours_p50"; docs/metrics.md
    # "deployments = 0 is a frequency of 0 per day, a number, so it is banded low".
    for window in ("30d", "7d"):
        expect(
            reads[window]["sre"],
            deployments=0,
            cfr=None,
            recovery=None,
            restore=(1.25, 1.85),
            incidents=2,
            rework=None,
        )
    expect(
        reads["30d"]["sreapp"],
        deployments=3,
        cfr=1 / 3,
        recovery=1.5,
        restore=(None, None),
        incidents=0,
        rework=0.0,
    )
    expect(
        reads["7d"]["sreapp"],
        deployments=2,
        cfr=1 / 2,
        recovery=1.5,
        restore=(None, None),
        incidents=0,
        rework=0.0,
    )


def test_tie_between_two_teams_repositories_of_one_service_goes_by_code_points(reads: Reads) -> None:
    """acme/tie-a: Component tie (``group:tiea``, PTIE); acme/Tie-B: Component tie (``group:tieb``). One
    service tie over two teams' repositories.

    TA1, TB1 first. TB2 and TA2 both at 16 10:00. PTIE-1 16 11:00 → 12:00: two deployments of service
    tie share the latest instant before it; docs/metrics.md: "the one whose repository name comes last in
    code-point order". ``acme/Tie-B`` < ``acme/tie-a`` in code points ('T' U+0054 < 't' U+0074), so TA2
    is the latest → failed, recovery 2 h; TB2 is not (a case-insensitive order would pick acme/Tie-B).
    tiea 30d: deployments 2; CFR 1/2; recovery 2.0; incidents 1; restore 1.0; rework 0.0.
    tieb 30d: deployments 2; CFR 0.0; recovery null; incidents 0; restore null; rework 0.0.
    7d: tiea deployments 1 (TA2); CFR 1/1; the rest as 30d. tieb deployments 1 (TB2); CFR 0.0; the rest
    as 30d.
    """
    # SPEC §6.1 rule 4 "F is the latest deployment of that service before the incident started";
    # docs/metrics.md "Failed deployments" (ties between repositories of one service).
    expect(
        reads["30d"]["tiea"],
        deployments=2,
        cfr=1 / 2,
        recovery=2.0,
        restore=(1.0, 1.0),
        incidents=1,
        rework=0.0,
    )
    expect(
        reads["30d"]["tieb"],
        deployments=2,
        cfr=0.0,
        recovery=None,
        restore=(None, None),
        incidents=0,
        rework=0.0,
    )
    expect(
        reads["7d"]["tiea"], deployments=1, cfr=1.0, recovery=2.0, restore=(1.0, 1.0), incidents=1, rework=0.0
    )
    expect(
        reads["7d"]["tieb"],
        deployments=1,
        cfr=0.0,
        recovery=None,
        restore=(None, None),
        incidents=0,
        rework=0.0,
    )


def test_organisation_rows(reads: Reads) -> None:
    """Team ``"*"``: every team above (no ``unowned``).

    30d, per team (deployments / failed / recoveries / incidents / restores / rework):
    kettle 6 / 2 / 4, 22 / 2 / 3, 1 / 1; pfxa 4 / 1 / 6 / 1 / 3 / 1; pfxb 4 / 1 / 5 / 0 / – / 0;
    dual 3 / 1 / 5 / 2 / 7, 3 / 1; rvt 3 / 2 / 26, 24 / 2 / 2 / 1; nma 2 / 0 / – / 2 / 1 / 1;
    nmb 3 / 2 / 2 (NB2 unrecovered) / 0 / – / 1; strd 3 / 1 / 7.5 / 2 / 8, 0.5 / 1;
    edge 6 / 2 / 5, 25 / 3 / 1, 1, 1 / 1; idn 4 / 1 / 6 / 1 / 3 / 1; stg 3 / 1 / 5 / 1 / 6 / 1;
    rvx 4 / 1 / 2 / 1 / 7 / 2; fut 3 / 1 / – / 1 / – / 0; wst 4 / 1 / 6 / 1 / 2 / 2;
    eow 3 / 1 / 4 / 2 / 3 / 1; shp 5 / 2 / 3, 22 / 2 / 2, 1 / 1; sre 0 / 0 / – / 2 / 0.5, 2 / 0;
    sreapp 3 / 1 / 1.5 / 0 / – / 0; tiea 2 / 1 / 2 / 1 / 1 / 0; tieb 2 / 0 / – / 0 / – / 0.
    Deployments 6+4+4+3+3+2+3+3+6+4+3+4+3+4+3+5+0+3+2+2 = 67. Failed 2+1+1+1+2+0+2+1+2+1+1+1+1+1+1+2+0+
    1+1+0 = 22 → CFR 22/67 (PPFXA-1 fails A2 and B2: two failed deployments, one incident; PSRE-1 fails
    another team's SA2). Recoveries sorted: 1.5, 2, 2, 2, 3, 4, 4, 5, 5, 5, 5, 6, 6, 6, 7.5, 22, 22, 24,
    25, 26 (20) → p50 at position 9.5: (5 + 5) / 2 = 5.0. Incidents 2+1+0+2+2+2+0+2+3+1+1+1+1+1+2+2+2+
    0+1+0 = 26 (PPFXA-1 once). Restores sorted: 0.5, 0.5, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3,
    6, 7, 7, 8 (22) → p50 at position 10.5: (2 + 2) / 2 = 2.0; p90 at position 18.9: 6 + 0.9 × 1 = 6.9.
    Rework 1+1+0+1+1+1+1+1+1+1+1+2+0+2+1+1+0+0+0+0 = 16 → 16/67.

    7d, per team: rvt 2 / 2 / 26, 24 / 2 / 2 / 1; nma 1 / 0 / – / 2 / 1 / 1; nmb 2 / 2 / 2 / 0 / – / 1;
    strd 1 / 0 / – / 1 / 8, 0.5 / 1; edge 1 / 0 / – / 1 / 1 / 0; stg 2 / 1 / 5 / 1 / 6 / 1;
    rvx 3 / 1 / 2 / 1 / 7 / 2; fut 2 / 1 / – / 1 / – / 0; wst 1 / 0 / – / 0 / 2 / 1;
    eow 2 / 1 / 4 / 2 / 3 / 1; shp 3 / 2 / 3, 22 / 2 / 2, 1 / 1; sre 0 / 0 / – / 2 / 0.5, 2 / 0;
    sreapp 2 / 1 / 1.5 / 0 / – / 0; tiea 1 / 1 / 2 / 1 / 1 / 0; tieb 1 / 0 / – / 0 / – / 0; the others
    nothing.
    Deployments 2+1+2+1+1+2+3+2+1+2+3+0+2+1+1 = 24. Failed 2+0+2+0+0+1+1+1+0+1+2+0+1+1+0 = 12 → 12/24.
    Recoveries sorted: 1.5, 2, 2, 2, 3, 4, 5, 22, 24, 26 (10) → p50 at position 4.5: (3 + 4) / 2 = 3.5.
    Incidents 2+2+0+1+1+1+1+1+0+2+2+2+0+1+0 = 16. Restores sorted: 0.5, 0.5, 1, 1, 1, 1, 2, 2, 2, 2, 3,
    6, 7, 8 (14) → p50 at position 6.5: 2.0; p90 at position 11.7: 6 + 0.7 × 1 = 6.7. Rework
    1+1+1+1+0+1+2+0+1+1+1+0+0+0+0 = 10 → 10/24.
    """
    # SPEC §6 "The organisation row "*" covers everything collected"; §6.2.
    expect(
        reads["30d"]["*"],
        deployments=67,
        cfr=22 / 67,
        recovery=5.0,
        restore=(2.0, 6.9),
        incidents=26,
        rework=16 / 67,
    )
    expect(
        reads["7d"]["*"],
        deployments=24,
        cfr=12 / 24,
        recovery=3.5,
        restore=(2.0, 6.7),
        incidents=16,
        rework=10 / 24,
    )
