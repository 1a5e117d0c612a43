"""Audit round 9, end to end: GitHub Deployments as GitHub really writes them (statuses ``queued`` →
``in_progress`` → ``success``, ``error``/``failure`` attempts retried as new deployments, ``inactive``
on the previous deployment when the next one succeeds, more than 100 statuses listed newest first,
two deployments of one sha, ``production-eu`` and flags, a late approval) × the metrics (SPEC §5.1,
§5.2, §6.1, §6.2; docs/operations.md on what an incremental sync reads again), through the GitHub
emulator → ``doraspace collect`` (REST and GraphQL) → ``doraspace metrics --format json``. Every number
is worked out by hand from SPEC's words, in each test's docstring.

The stock emulator does not add GitHub's ``inactive`` status to the previous deployment of an
environment when a new one succeeds: the builders add it by hand, at the instant of the new success
(GitHub adds it only to deployments that had a ``success``).

One emulated organisation holds the scenarios, each in its own repository owned by its own team (config
``teams:``, team = the repo's short name), collected once per ``github.api`` mode into its own store and
read with ``--as-of 2026-04-05T00:00:00Z`` and windows ``[30d, 90d]``: 30d = (03-06 00:00, 04-05
00:00], 90d = (01-05 00:00, 04-05 00:00]. ``github.since`` is 2026-03-01, so the 90d window holds every
fact and the 30d window all but what happened 03-01 … 03-05; the bands come from the 90d window (SPEC
§6.3 "or the longest configured") and every row carries them. dora-2023. Times are March 2026 UTC,
``at(day, hour)``. Attribution window 24 h; rework and incident labels the defaults. Every repo's
first deployment has unknown changes (SPEC §5.2). Percentiles are ``percentile_cont``: p at position
p × (n − 1) of the sorted values. Whole 30d and 90d rows are asserted. No scenario has a pull request,
so every lead-time breakdown stage is null.

Bands (dora-2023, from 90d): frequency ≥ 1/day elite, ≥ 1/7 high, ≥ 1/30 medium (4/90 and 5/90 are
medium); lead p50 < 24 h elite; CFR ≤ 5 % elite … > 15 % low; recovery p50 (else restore p50) < 1 h
elite, < 24 h high, < 168 h medium.

Already covered elsewhere and not repeated: ``Production``/``PRODUCTION`` spellings, ``error`` then
``success``, an ``identical`` redeploy failed by a window incident, a failure-only attempt of a sha
later deployed (test_audit_round6_recognition); success → failure → success inside one window and a
created-first-succeeded-last rollback (test_audit_sources_e2e); 109 statuses stored (test_audit_api_
parity).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.facts import METRIC_KEYS, bands
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.github_org import write_github_config
from tests.github_scenarios import APIS, Scenarios, approx, at, run_cli

TOKEN_VARIABLE = "AUDIT_ROUND9_DEPLOYMENT_STATUSES_GITHUB_TOKEN"
TOKEN = "audit-round9-deployment-statuses-token"
AS_OF = "2026-04-05T00:00:00Z"
WINDOWS = "metrics: {windows: [30d, 90d]}"

Rows = dict[tuple[str, str], dict[str, Any]]  # (team, window) → row
RepoBuilder = Callable[[RepoData], None]


class TwoWindows(Scenarios):
    """``Scenarios`` with windows 30d and 90d."""

    def rest_sections(self) -> str:
        sections = super().rest_sections()
        assert "metrics: {windows: [30d]}" in sections
        return sections.replace("metrics: {windows: [30d]}", WINDOWS)


STATUSES = TwoWindows()


def scenario(repo_name: str) -> Callable[[RepoBuilder], RepoBuilder]:
    """Register a builder of ``repo_name`` (GitHub Deployments in ``production``), team = short name."""

    def register(builder: RepoBuilder) -> RepoBuilder:
        def build(dataset: GitHubDataset) -> None:
            builder(dataset.add_repo(repo_name))

        STATUSES.register((repo_name, repo_name.split("/")[1], None))(build)
        return builder

    return register


def expected_row(
    team: str,
    window: str,
    *,
    deployments: int,
    lead: tuple[float | None, float | None],
    cfr: float | None,
    recovery: float | None,
    restore: tuple[float | None, float | None] = (None, None),
    incidents: int = 0,
    rework: float | None,
    row_bands: dict[str, str | None],
) -> dict[str, Any]:
    def number(value: float | None) -> Any:
        return None if value is None else approx(value)

    days = int(window.removesuffix("d"))
    return {
        "team": team,
        "window": window,
        "as_of": AS_OF,
        "deployments": deployments,
        "deployment_frequency_per_day": approx(deployments / days),
        "lead_time_hours_p50": number(lead[0]),
        "lead_time_hours_p90": number(lead[1]),
        "change_failure_rate": number(cfr),
        "failed_deployment_recovery_hours_p50": number(recovery),
        "time_to_restore_hours_p50": number(restore[0]),
        "time_to_restore_hours_p90": number(restore[1]),
        "incidents": incidents,
        "rework_rate": number(rework),
        "lead_time_breakdown_hours_p50": {"coding": None, "pickup": None, "review": None, "deploy": None},
        "bands": row_bands,
    }


def check_rows(rows: Rows, team: str, d30: dict[str, Any], d90: dict[str, Any]) -> None:
    """Both rows of ``team``, every field; every mismatch is shown at once."""
    assert list(rows[(team, "30d")]) == METRIC_KEYS
    actual = {"30d": rows[(team, "30d")], "90d": rows[(team, "90d")]}
    assert actual == {"30d": expected_row(team, "30d", **d30), "90d": expected_row(team, "90d", **d90)}


def inactive(repo: RepoData, deployment_id: int, moment: datetime) -> None:
    """GitHub's ``inactive`` on the previous successful deployment when a new one succeeds."""
    repo.add_status(deployment_id, "inactive", moment)


# ------------------------------------------------------------------------------------------- scenarios


@scenario("acme/retry")
def build_failed_attempts_retried_as_new_deployments(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    c1 = repo.commit("c1", author_date=at(1, 4))
    # A0: the very first attempt (c0) fails; D1 (c1) is the first deployment of the history.
    repo.deployment(c0, created_at=at(1, 5), statuses=[("queued", at(1, 5)), ("failure", at(1, 5 + 1 / 6))])
    d1 = repo.deployment(c1, created_at=at(1, 6))
    f1 = repo.commit("f1", author_date=at(7, 8))
    d2 = repo.deployment(
        f1,
        created_at=at(7, 9),
        statuses=[("queued", at(7, 9)), ("in_progress", at(7, 9 + 1 / 12)), ("success", at(7, 9.5))],
    )
    inactive(repo, d1, at(7, 9.5))
    f2 = repo.commit("f2", author_date=at(7, 10))
    repo.deployment(  # A1: error, never a success
        f2,
        created_at=at(7, 11),
        statuses=[("queued", at(7, 11)), ("in_progress", at(7, 11 + 1 / 12)), ("error", at(7, 11 + 1 / 3))],
    )
    repo.issue(title="Checkout 500s", created_at=at(7, 12), closed_at=at(7, 15), labels=["incident"])
    repo.deployment(  # A2: failure, never a success, while the incident is open
        f2,
        created_at=at(7, 12.5),
        statuses=[("in_progress", at(7, 12.5 + 1 / 12)), ("failure", at(7, 12 + 5 / 6))],
    )
    d3 = repo.deployment(  # D3: f2 retried as a new deployment
        f2,
        created_at=at(7, 13),
        statuses=[("queued", at(7, 13)), ("in_progress", at(7, 13 + 1 / 6)), ("success", at(7, 14))],
    )
    inactive(repo, d2, at(7, 14))
    f3 = repo.commit("f3", author_date=at(8, 8))
    repo.deployment(f3, created_at=at(8, 10))  # D4
    inactive(repo, d3, at(8, 10))


@scenario("acme/twice")
def build_two_deployments_of_one_sha_and_an_explicit_incident(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    d1 = repo.deployment(c0, created_at=at(1, 6))
    f1 = repo.commit("f1", author_date=at(10, 8))
    da = repo.deployment(  # Da: created first, a slow rollout, succeeds last
        f1,
        created_at=at(10, 9),
        statuses=[("queued", at(10, 9)), ("in_progress", at(10, 9 + 1 / 6)), ("success", at(10, 12))],
    )
    db = repo.deployment(  # Db: the same sha triggered again, succeeds first
        f1,
        created_at=at(10, 10),
        statuses=[("in_progress", at(10, 10 + 1 / 12)), ("success", at(10, 11))],
    )
    inactive(repo, d1, at(10, 11))
    inactive(repo, db, at(10, 12))
    repo.issue(
        title="Prices rounded wrong",
        body=f"root cause: {f1[:9]}",
        created_at=at(10, 13),
        closed_at=at(10, 17),
        labels=["incident"],
    )
    f2 = repo.commit("f2", author_date=at(11, 8))
    repo.deployment(f2, created_at=at(11, 9))  # D4
    inactive(repo, da, at(11, 9))


@scenario("acme/flap")
def build_first_success_on_the_second_page_before_the_window(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    d1 = repo.deployment(c0, created_at=at(1, 6))
    f1 = repo.commit("f1", author_date=at(5, 18))
    statuses = [("queued", at(5, 20)), ("in_progress", at(5, 20 + 1 / 12)), ("success", at(5, 21))]
    statuses.append(("failure", at(6, 1)))  # the health check fails after the rollout
    statuses += [("in_progress", at(6, 1 + 1 / 6) + timedelta(minutes=i)) for i in range(110)]
    statuses.append(("success", at(6, 3)))  # rolled out again in place
    d2 = repo.deployment(f1, created_at=at(5, 20), statuses=statuses)
    inactive(repo, d1, at(5, 21))
    repo.issue(title="Search times out", created_at=at(6, 1.5), closed_at=at(6, 4), labels=["incident"])
    f2 = repo.commit("f2", author_date=at(6, 5))
    d3 = repo.deployment(f2, created_at=at(6, 6), statuses=[("success", at(6, 7))])
    inactive(repo, d2, at(6, 7))
    f3 = repo.commit("f3", author_date=at(12, 8))
    repo.deployment(
        f3,
        created_at=at(12, 9),
        statuses=[("queued", at(12, 9)), ("in_progress", at(12, 9 + 1 / 12)), ("success", at(12, 9.5))],
    )
    inactive(repo, d3, at(12, 9.5))


@scenario("acme/envs")
def build_other_environments_flags_and_a_branch_ref(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    d1 = repo.deployment(c0, created_at=at(1, 6))
    f1 = repo.commit("f1", author_date=at(8, 8))
    repo.deployment(f1, environment="production-eu", created_at=at(8, 9))  # E1
    repo.issue(title="EU logins fail", created_at=at(8, 10), closed_at=at(8, 12), labels=["incident"])
    repo.branches["release-1.4"] = f1
    d2 = repo.deployment(  # D2: asked for the branch release-1.4, GitHub resolved it to f1
        f1,
        ref="release-1.4",
        created_at=at(8, 13),
        statuses=[("queued", at(8, 13)), ("in_progress", at(8, 13 + 1 / 30)), ("success", at(8, 13.5))],
    )
    repo.deployments[-1].update(transient_environment=True, production_environment=False)
    inactive(repo, d1, at(8, 13.5))
    f2 = repo.commit("f2", author_date=at(8, 14))
    repo.deployment(f2, environment="staging", created_at=at(8, 15))  # S1, flagged production
    repo.deployments[-1].update(production_environment=True)
    repo.deployment(f2, environment="production-eu", created_at=at(8, 16))  # E2
    d3 = repo.deployment(f2, created_at=at(9, 9), statuses=[("success", at(9, 9.25))])  # D3
    inactive(repo, d2, at(9, 9.25))
    f3 = repo.commit("f3", author_date=at(9, 9.5))
    repo.deployment(f3, environment="production-eu", created_at=at(9, 9.75))  # E3
    repo.issue(title="Orders stuck", created_at=at(9, 10), closed_at=at(9, 10.75), labels=["incident"])
    repo.deployment(  # D4: f2 redeployed by its sha while the incident is open
        f2, ref=f2, created_at=at(9, 10.25), statuses=[("success", at(9, 10.5))]
    )
    inactive(repo, d3, at(9, 10.5))


# ------------------------------------------------------------------------------------------- pipeline


def metrics_rows(config: Path) -> Rows:
    out = run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF])
    return {(row["team"], row["window"]): row for row in json.loads(out)}


@pytest.fixture(scope="module")
def rows_by_api(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rows]:
    dataset = GitHubDataset()
    for build in STATUSES.builders:
        build(dataset)
    result: dict[str, Rows] = {}
    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        for api in APIS:
            config = STATUSES.write_config(
                tmp_path_factory.mktemp(api), emulator.base_url, TOKEN_VARIABLE, api
            )
            run_cli(["collect", "--config", str(config)])
            result[api] = metrics_rows(config)
    assert os.environ.get(TOKEN_VARIABLE) is None
    return result


@pytest.fixture(params=APIS)
def rows(request: pytest.FixtureRequest, rows_by_api: dict[str, Rows]) -> Rows:
    return rows_by_api[request.param]


# ------------------------------------------------------------------------------------------- the tests


def test_failed_attempts_retried_as_new_deployments_and_a_window_incident_between(rows: Rows) -> None:
    """acme/retry. A0 c0 (03-01 05:00) queued → failure: never a success, a failed attempt, not a
    deployment (§5.1), so D1 c1 (03-01 06:00) is the first deployment of the history: unknown changes,
    no lead time (were A0 its previous deployment, c1 would add 2 h).
    D2 f1 (07 08:00): queued, in_progress, success 09:30 (D1 inactive then): compare(c1...f1) = f1:
    1.5 h. A1 f2 (07 10:00) queued, in_progress, ``error`` 11:20: an attempt. Issue 12:00 → 15:00, no
    sha: the latest deployment before 12:00 is D2 (2.5 h earlier; A1 is no deployment) → D2 failed
    (window), recovered at 15:00: 5.5 h. A2 f2: in_progress, ``failure`` 12:50: an attempt, during the
    incident but no deployment, so no rework. D3 f2 retried as a new deployment: queued 13:00,
    in_progress, success 14:00 (D2 inactive): its previous deployment is D2, compare(f1...f2) = f2
    (``ahead``, not an identical redeploy of the attempts' sha): 4 h; deployed while the incident is
    open → rework. D4 f3 (08 08:00) at 08 10:00: 2 h.
    30d (03-06 …): D2, D3, D4 = 3; lead 1.5, 2, 4 → p50 2, p90 at 1.8: 2 + 0.8 × 2 = 3.6; CFR 1/3;
    recovery 5.5; incidents 1, restore 3; rework 1/3.
    90d: D1 too = 4; the same lead times (D1 none); CFR 1/4; rework 1/4.
    Bands (90d): 4/90 medium; 2 h elite; 25 % low; 5.5 h high.
    """
    row_bands = bands("medium", "elite", "low", "high")
    common = {
        "lead": (2.0, 3.6),
        "recovery": 5.5,
        "restore": (3.0, 3.0),
        "incidents": 1,
        "row_bands": row_bands,
    }
    check_rows(
        rows,
        "retry",
        {"deployments": 3, "cfr": 1 / 3, "rework": 1 / 3, **common},
        {"deployments": 4, "cfr": 1 / 4, "rework": 1 / 4, **common},
    )


def test_two_deployments_of_one_sha_succeeding_out_of_order_and_an_explicit_incident(rows: Rows) -> None:
    """acme/twice. D1 c0 03-01 06:00 (first). f1 (10 08:00). Da of f1 created 10 09:00, first success
    12:00 (slow rollout); Db of f1 created 10:00, first success 11:00. By deployed_at: Db (11:00) then
    Da (12:00) (GitHub's inactive on D1 at 11:00, on Db at 12:00 change nothing). Db: compare(c0...f1)
    = f1: 3 h. Da: compare(f1...f1) ``identical``: a deployment with no changes and no rollback (§5.2).
    Issue 13:00 → 17:00, body ``root cause: <f1[:9]>``: begins the sha of a change of Db (the first
    deployment that shipped f1; Da has no changes) → Db failed (explicit), recovered at 17:00: 6 h. An
    explicitly linked incident fails no one by the window rule (§6.1 rule 4 "with no explicit link"):
    Da, the latest deployment before 13:00, is not failed (else CFR 2/3 and recovery p50 5.5).
    D4 f2 (11 08:00) at 11 09:00: 1 h. No deployment while the incident is open: rework 0.
    30d: Db, Da, D4 = 3; lead 1, 3 → p50 2, p90 1 + 0.9 × 2 = 2.8; CFR 1/3; recovery 6; incidents 1,
    restore 4; rework 0. 90d: 4; CFR 1/4; rework 0.
    Bands (90d): 4/90 medium; 2 h elite; 25 % low; 6 h high.
    """
    row_bands = bands("medium", "elite", "low", "high")
    common = {
        "lead": (2.0, 2.8),
        "recovery": 6.0,
        "restore": (4.0, 4.0),
        "incidents": 1,
        "row_bands": row_bands,
    }
    check_rows(
        rows,
        "twice",
        {"deployments": 3, "cfr": 1 / 3, "rework": 0.0, **common},
        {"deployments": 4, "cfr": 1 / 4, "rework": 0.0, **common},
    )


def test_first_success_on_the_second_status_page_falls_before_the_30d_window(rows: Rows) -> None:
    """acme/flap. D1 c0 03-01 06:00 (first). D2 f1 (05 18:00) created 05 20:00: queued, in_progress,
    success 05 21:00, failure 06 01:00, 110 in_progress (06 01:10 …), success 06 03:00, inactive 06
    07:00: 116 statuses, listed newest first, 100 a page (GraphQL: 100, then REST): the first
    ``success`` is on the second page. deployed_at = 05 21:00 (§5.1 "its first success"), before the
    30d window (03-06 00:00); the success of 06 03:00 would put it inside. compare(c0...f1) = f1: 3 h.
    Issue 06 01:30 → 04:00, no sha: the latest deployment before it is D2 (4.5 h) → D2 failed
    (window), recovered 7 h. The incident starts and is resolved in both windows: restore 2.5 h.
    D3 f2 (06 05:00) at 06 07:00: 2 h, not rework (incident closed). D4 f3 (12 08:00) queued,
    in_progress, success 12 09:30: 1.5 h.
    30d: D3, D4 = 2; lead 1.5, 2 → p50 1.75, p90 1.5 + 0.9 × 0.5 = 1.95; CFR 0/2 = 0 (D2, the failed
    one, is not in the window); recovery null; incidents 1, restore 2.5; rework 0.
    90d: D1, D2, D3, D4 = 4; lead 1.5, 2, 3 → p50 2, p90 at 1.8: 2 + 0.8 × 1 = 2.8; CFR 1/4; recovery
    7; incidents 1, restore 2.5; rework 0.
    Bands (90d): 4/90 medium; 2 h elite; 25 % low; 7 h high (the 30d row too).
    """
    row_bands = bands("medium", "elite", "low", "high")
    common = {"restore": (2.5, 2.5), "incidents": 1, "rework": 0.0, "row_bands": row_bands}
    check_rows(
        rows,
        "flap",
        {"deployments": 2, "lead": (1.75, 1.95), "cfr": 0.0, "recovery": None, **common},
        {"deployments": 4, "lead": (2.0, 2.8), "cfr": 1 / 4, "recovery": 7.0, **common},
    )


def test_other_environments_flags_a_branch_ref_and_an_identical_redeploy_during_an_incident(
    rows: Rows,
) -> None:
    """acme/envs (environment ``production``; SPEC keys only on the environment's name).
    D1 c0 03-01 06:00 (first). E1 f1 (08 08:00) to ``production-eu`` at 08 09:00: another
    environment, no deployment. Issue 08 10:00 → 12:00, no sha: the latest production deployment
    before it is D1, 7 days earlier (beyond 24 h) → no failure (were E1 counted, E1 would fail).
    D2: asked for ref ``release-1.4``, sha f1 as GitHub resolved it, flagged ``transient_environment:
    true``, ``production_environment: false`` — a production deployment all the same: queued 13:00,
    success 13:30; compare(c0...f1) = f1: 5.5 h (the incident closed at 12:00: not rework).
    S1 f2 (08 14:00) to ``staging`` flagged ``production_environment: true`` and E2 f2 to
    ``production-eu``: no deployments. D3 f2 at 09 09:15: compare(f1...f2) = f2 (E2 shipped it to
    another environment only): 19.25 h. E3 f3 to ``production-eu`` at 09 09:45. Issue 09 10:00 →
    10:45, no sha: the latest production deployment before it is D3 (not E3) → D3 failed, recovered
    10:45: 1.5 h. D4 redeploys f2 by its sha (ref = the sha) at 10:30: ``identical``, no changes, no
    rollback, so it does not end D3's failure (§6.2 recovery: only a rollback or revert deployment);
    deployed while the incident is open → rework.
    30d: D2, D3, D4 = 3; lead 5.5, 19.25 → p50 12.375, p90 5.5 + 0.9 × 13.75 = 17.875; CFR 1/3;
    recovery 1.5; incidents 2, restore 2, 0.75 → p50 1.375, p90 0.75 + 0.9 × 1.25 = 1.875; rework
    1/3. 90d: 4; CFR 1/4; rework 1/4.
    Bands (90d): 4/90 medium; 12.375 h elite; 25 % low; 1.5 h high.
    """
    row_bands = bands("medium", "elite", "low", "high")
    common = {
        "lead": (12.375, 17.875),
        "recovery": 1.5,
        "restore": (1.375, 1.875),
        "incidents": 2,
        "row_bands": row_bands,
    }
    check_rows(
        rows,
        "envs",
        {"deployments": 3, "cfr": 1 / 3, "rework": 1 / 3, **common},
        {"deployments": 4, "cfr": 1 / 4, "rework": 1 / 4, **common},
    )


# ------------------------------------------------------------- a late approval, synced before and after


def build_waiting_for_approval(dataset: GitHubDataset) -> dict[str, Any]:
    """acme/approve as GitHub shows it on 03-12 12:00."""
    repo = dataset.add_repo("acme/approve")
    c0 = repo.commit("initial", author_date=at(1))
    d1 = repo.deployment(c0, created_at=at(1, 6))
    f1 = repo.commit("f1", author_date=at(10, 8))
    d2 = repo.deployment(f1, created_at=at(10, 9), statuses=[("queued", at(10, 9)), ("success", at(10, 9.5))])
    inactive(repo, d1, at(10, 9.5))
    f2 = repo.commit("f2", author_date=at(10, 10))
    # D3: the environment's required reviewers have not approved it yet.
    d3 = repo.deployment(f2, created_at=at(10, 12), statuses=[("waiting", at(10, 12))])
    f3 = repo.commit("f3", author_date=at(11, 10))
    d4 = repo.deployment(
        f3, created_at=at(11, 13), statuses=[("queued", at(11, 13)), ("success", at(11, 13.5))]
    )
    inactive(repo, d2, at(11, 13.5))
    return {"repo": repo, "d3": d3, "d4": d4}


def approve_late(built: dict[str, Any]) -> None:
    """After the first sync: D4's health check fails (03-13 08:00, a status after its first success);
    D3 is approved on 03-14 and succeeds at 10:00 (D4 inactive); D5 f4 at 03-15 09:30 (D3 inactive)."""
    repo: RepoData = built["repo"]
    repo.add_status(built["d4"], "failure", at(13, 8))
    repo.add_status(built["d3"], "in_progress", at(14, 9))
    repo.add_status(built["d3"], "success", at(14, 10))
    inactive(repo, built["d4"], at(14, 10))
    f4 = repo.commit("f4", author_date=at(15, 8))
    repo.deployment(f4, created_at=at(15, 9), statuses=[("in_progress", at(15, 9)), ("success", at(15, 9.5))])
    inactive(repo, built["d3"], at(15, 9.5))


@pytest.fixture(scope="module")
def approve_rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rows]:
    """The approve rows of three stores: ``incremental`` (REST) and ``graphql``, synced on 03-12 12:00
    and again on 03-16 00:00, and ``fresh`` (REST), synced once on 03-16 00:00."""
    dataset = GitHubDataset()
    built = build_waiting_for_approval(dataset)
    rest = (
        f"catalog: {{discover: false}}\n{WINDOWS}\nteams: [{{name: approve, repositories: [acme/approve]}}]\n"
    )
    rows: dict[str, Rows] = {}
    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        configs = {
            name: write_github_config(
                tmp_path_factory.mktemp(f"approve-{name}"),
                emulator.base_url,
                TOKEN_VARIABLE,
                f"since: 2026-03-01\napi: {api}\nrepositories: [acme/approve]",
                rest,
            )
            for name, api in (("incremental", "rest"), ("graphql", "graphql"), ("fresh", "rest"))
        }
        for name in ("incremental", "graphql"):
            run_cli(["collect", "--config", str(configs[name])], now=at(12, 12))
        approve_late(built)
        for name in ("incremental", "graphql", "fresh"):
            run_cli(["collect", "--config", str(configs[name])], now=at(16))
            rows[name] = metrics_rows(configs[name])
    return rows


@pytest.mark.parametrize("store", ["incremental", "graphql", "fresh"])
def test_a_stale_deployment_approved_late_rolls_back_a_newer_one(
    approve_rows: dict[str, Rows], store: str
) -> None:
    """acme/approve (team approve); ``incremental`` and ``graphql`` synced on 03-12 12:00 and 03-16
    00:00, ``fresh`` once on 03-16 00:00: all three must agree (docs/operations.md: a deployment whose
    last status is ``waiting`` is read again for thirty days; statuses after a first success are not
    read again, and need not be: the first success stays).
    D1 c0 03-01 06:00 (first). D2 f1 (10 08:00) queued, success 10 09:30: compare(c0...f1) = f1: 1.5 h.
    D3 f2 (10 10:00) created 10 12:00, ``waiting`` (required reviewers). D4 f3 (11 10:00) created 11
    13:00 (more than a day after D3, so D3 is below the re-listed last day), success 13:30. Synced
    03-12 12:00. Then D4 gets ``failure`` 13 08:00 (its deployed_at stays 11 13:30); D3 is approved:
    in_progress 14 09:00, success 14 10:00 — 3.6 days after it was created, read again only by the
    thirty-day rule. By deployed_at: D1, D2, D4 (11 13:30), D3 (14 10:00), D5.
    D4: compare(f1...f3) = f2, f3: f2 11 13:30 − 10 10:00 = 27.5 h, f3 3.5 h. D3: f2 is an ancestor of
    f3 (``behind``) → a rollback of D4 (§5.2, §6.1 rule 2): D4 failed, recovered 14 10:00 − 11 13:30 =
    68.5 h; D3 rework, no changes. D5 f4 (15 08:00) at 15 09:30: compare(f2...f4) = f3, f4; f3 already
    shipped by D4 → f4: 1.5 h.
    30d: D2, D4, D3, D5 = 4; lead 1.5, 1.5, 3.5, 27.5 → p50 2.5, p90 at 2.7: 3.5 + 0.7 × 24 = 20.3;
    CFR 1/4; recovery 68.5; no incident; rework 1/4. 90d: 5; CFR 1/5; rework 1/5.
    Bands (90d): 5/90 medium; 2.5 h elite; 20 % low; 68.5 h medium.
    """
    row_bands = bands("medium", "elite", "low", "medium")
    common = {"lead": (2.5, 20.3), "recovery": 68.5, "row_bands": row_bands}
    check_rows(
        approve_rows[store],
        "approve",
        {"deployments": 4, "cfr": 1 / 4, "rework": 1 / 4, **common},
        {"deployments": 5, "cfr": 1 / 5, "rework": 1 / 5, **common},
    )
