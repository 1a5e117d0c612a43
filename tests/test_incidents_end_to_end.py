"""Three teams, every deployment source, incidents from PagerDuty and GitHub issues, ownership from
the config and from a Backstage catalog → `doraspace collect` → `doraspace metrics`, by hand.

As of 2026-03-10 00:00 UTC; windows 7d = (03-03 00:00, 03-10] and 30d; attribution window 24 h.

alpha — acme/alpha, GitHub Deployments, PagerDuty service PA (config).
  A1 03-02 00:00 (first), A2 03-03 00:00 (a1 authored 03-02 12:00: 12 h; on the 7d edge, so out of 7d),
  A3 03-04 00:00 (a2 03-03 06:00: 18 h), A4 03-06 00:00 (a3 03-05 00:00: 24 h).
  PA-1 03-04 02:00–05:00 → window failure of A3, recovered after 5 h; time to restore 3 h.
beta — acme/beta, workflow runs of deploy.yml, owned through catalog-info.yaml (group:default/beta,
  PagerDuty service PB).
  B1 run ends 03-02 10:30 (first); a failed run 03-05 10:20 (attempt); B3 03-05 11:30 (b1 authored
  08:00: 3.5 h); B4 03-06 10:00 ships the revert of b1 (authored 09:00: 1 h) → B3 failed (revert),
  recovered after 22.5 h; B4 is rework.
  PB-1 03-07 12:00, resolved per last_status_change_at 14:00 (no resolved_at): 26 h after B4, no
  failure; time to restore 2 h.
gamma — acme/gamma-web (merged PRs) and acme/gamma-lib (releases), config.
  gamma-web: PR 1 (commit 03-01 06:00, opened 07:00) merged 03-01 08:00 (first: coding 1, no deploy
  stage, in the 30d breakdown only); PR 2 (commit 03-04 08:00, opened 09:00, approved 10:00,
  merged 12:00: lead 4 h; coding 1, pickup 1, review 2, deploy 0); PR 3 labelled hotfix (commit
  13:00, opened 13:10, merged 14:00: lead 1 h; coding 1/6 h, deploy 0) → rework.
  Issue #10 labelled incident, 12:30–13:30, body names PR 2's merge commit → explicit failure of
  the PR 2 deployment, recovered after 1.5 h; time to restore 1 h.
  gamma-lib: v1 published 03-01 10:00 (first); v2 published 03-08 06:00 (l1 authored 03-07 00:00:
  30 h); a draft v3 is no deployment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from doraspace.cli import main
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator

AS_OF = "2026-03-10T00:00:00Z"


def at(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 3, day, tzinfo=UTC) + timedelta(hours=hour)


def build_github(dataset: GitHubDataset) -> None:
    alpha = dataset.add_repo("acme/alpha")
    a0 = alpha.commit("root", author_date=at(1))
    alpha.deployment(a0, created_at=at(2))
    for sha_date, deployed in [(at(2, 12), at(3)), (at(3, 6), at(4)), (at(5), at(6))]:
        alpha.deployment(alpha.commit("change", author_date=sha_date), created_at=deployed)

    beta = dataset.add_repo("acme/beta")
    beta.files["catalog-info.yaml"] = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: beta-svc
  annotations:
    pagerduty.com/service-id: PB
spec:
  type: service
  owner: group:default/beta
"""
    b0 = beta.commit("root", author_date=at(1))
    beta.workflow_run(b0, created_at=at(2, 10), updated_at=at(2, 10.5))
    b1 = beta.commit("risky", author_date=at(5, 8))
    beta.workflow_run(b1, created_at=at(5, 10), updated_at=at(5, 10 + 1 / 3), conclusion="failure")
    beta.workflow_run(b1, created_at=at(5, 11), updated_at=at(5, 11.5))
    b2 = beta.commit(f'Revert "risky"\n\nThis reverts commit {b1}.', author_date=at(6, 9))
    beta.workflow_run(b2, created_at=at(6, 9.5), updated_at=at(6, 10))
    beta.workflow_run(b2, created_at=at(6, 12), updated_at=at(6, 12.5), workflow="ci.yml")

    web = dataset.add_repo("acme/gamma-web")
    g0 = web.commit("root", author_date=at(1))
    pulls = [
        # number, commit authored, opened, reviews, merged, labels
        (1, at(1, 6), at(1, 7), [], at(1, 8), []),
        (2, at(4, 8), at(4, 9), [("rev", "APPROVED", at(4, 10))], at(4, 12), []),
        (3, at(4, 13), at(4, 13 + 1 / 6), [], at(4, 14), ["hotfix"]),
    ]
    tip = g0
    merges = {}
    for number, authored, opened, reviews, merged, labels in pulls:
        commit = web.commit(f"pr {number}", parents=[tip], author_date=authored, branch=f"pr-{number}")
        tip = web.squash_merge([commit], tip, f"PR {number} (#{number})", merged)
        merges[number] = tip
        web.pull(
            number=number,
            title=f"PR {number}",
            author="dev",
            created_at=opened,
            commits=[commit],
            merged_at=merged,
            merge_commit_sha=tip,
            reviews=reviews,
            labels=labels,
        )
    web.issue(
        number=10,
        title="checkout broken",
        created_at=at(4, 12.5),
        closed_at=at(4, 13.5),
        labels=["incident"],
        body=f"root cause: {merges[2][:7]}",
    )

    lib = dataset.add_repo("acme/gamma-lib")
    lib.tags["v1"] = lib.commit("root", author_date=at(1))
    lib.release("v1", created_at=at(1, 9), published_at=at(1, 10))
    lib.tags["v2"] = lib.commit("feature", author_date=at(7))
    lib.release("v2", created_at=at(8), published_at=at(8, 6))
    lib.release("v3", created_at=at(9), published_at=None, draft=True)


def build_pagerduty(dataset: PagerDutyDataset) -> None:
    dataset.add_incident("PA-1", "PA", "Checkout latency", at(4, 2), resolved_at=at(4, 5))
    dataset.add_incident(
        "PB-1", "PB", "Queue backlog", at(7, 12), resolved_at=None, last_status_change_at=at(7, 14)
    )
    dataset.add_incident("PZ-1", "PZ", "Not ours and not listed: never collected", at(5))


def config_text(
    store_url: str, github_url: str, pagerduty_url: str, ca_file: str, *, tokens: tuple[str, str]
) -> str:
    """The organisation's config: every deployment source, both incident sources, two config teams
    (beta's ownership comes from its catalog-info.yaml)."""
    github_token, pagerduty_token = tokens
    return f"""
database:
  url: {store_url}
github:
  base_url: {github_url}
  token: ${{{github_token}}}
  since: 2026-02-01
  repositories:
    - acme/alpha
    - name: acme/beta
      deployments: {{source: workflow_runs, workflow: deploy.yml}}
    - name: acme/gamma-web
      deployments: {{source: merged_prs}}
    - name: acme/gamma-lib
      deployments: {{source: releases}}
  incident_labels: [incident]
pagerduty:
  base_url: {pagerduty_url}
  token: ${{{pagerduty_token}}}
  ca_bundle: {ca_file}
teams:
  - name: alpha
    repositories: [acme/alpha]
    pagerduty_services: [PA]
  - name: gamma
    repositories: [acme/gamma-web, acme/gamma-lib]
"""


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str) -> Iterator[Path]:
    github, pagerduty = GitHubDataset(), PagerDutyDataset()
    build_github(github)
    build_pagerduty(pagerduty)
    with GitHubEmulator(github, token="gh-token") as gh, PagerDutyEmulator(pagerduty, token="pd-token") as pd:
        path = tmp_path / "doraspace.yaml"
        path.write_text(
            config_text(store_url, gh.base_url, pd.base_url, str(pd.ca_file), tokens=("E2E_GH", "E2E_PD"))
            + "metrics:\n  windows: [7d, 30d]\n"
        )
        monkeypatch.setenv("E2E_GH", "gh-token")
        monkeypatch.setenv("E2E_PD", "pd-token")
        yield path


BREAKDOWN_NONE = {"coding": None, "pickup": None, "review": None, "deploy": None}
GAMMA_BREAKDOWN = {"coding": (1 + 1 / 6) / 2, "pickup": 1.0, "review": 2.0, "deploy": 0.0}
# 30d also has PR 1, shipped by gamma-web's first deployment (SPEC §5.2 "the PRs it ships have no deploy
# stage"): coding p50 of 1/6, 1, 1 = 1.0; pickup and review from PR 2 only; deploy 0, 0 = 0.0.
GAMMA_BREAKDOWN_30D = {**GAMMA_BREAKDOWN, "coding": 1.0}


def row(
    team: str,
    window: str,
    days: int,
    deployments: int,
    lead: tuple[float | None, float | None],
    failed: int,
    recovery: float | None,
    restore: tuple[float | None, float | None],
    incidents: int,
    rework: int,
    breakdown: dict[str, float | None],
    bands: tuple[str | None, ...],
) -> dict[str, Any]:
    return {
        "team": team,
        "window": window,
        "as_of": AS_OF,
        "deployments": deployments,
        "deployment_frequency_per_day": deployments / days,
        "lead_time_hours_p50": lead[0],
        "lead_time_hours_p90": lead[1],
        "change_failure_rate": failed / deployments,
        "failed_deployment_recovery_hours_p50": recovery,
        "time_to_restore_hours_p50": restore[0],
        "time_to_restore_hours_p90": restore[1],
        "incidents": incidents,
        "rework_rate": rework / deployments,
        "lead_time_breakdown_hours_p50": breakdown,
        "bands": dict(
            zip(("deployment_frequency", "lead_time", "change_failure_rate", "recovery"), bands, strict=True)
        ),
    }


# Bands from 30d: alpha 4/30 medium, 18 h elite, 25 % low, 5 h high; beta 3/30 medium, 2.25 h elite,
# 33 % low, 22.5 h high; gamma 5/30 high, 4 h elite, 20 % low, 1.5 h high; "*" 12/30 high, 8 h elite,
# 25 % low, 5 h high.
# fmt: off
EXPECTED = [
    #   team     window days deps lead p50, p90          failed recovery restore p50, p90 incidents rework
    row("*",     "7d",  7,   7,  (4.0, 24 + 0.4 * 6), 3, 5.0,  (2.0, 2.8), 3, 2, GAMMA_BREAKDOWN,
        ("high", "elite", "low", "high")),
    row("*",     "30d", 30, 12,  (8.0, 24 + 0.3 * 6), 3, 5.0,  (2.0, 2.8), 3, 2, GAMMA_BREAKDOWN_30D,
        ("high", "elite", "low", "high")),
    row("alpha", "7d",  7,   2,  (21.0, 23.4),        1, 5.0,  (3.0, 3.0), 1, 0, BREAKDOWN_NONE,
        ("medium", "elite", "low", "high")),
    row("alpha", "30d", 30,  4,  (18.0, 22.8),        1, 5.0,  (3.0, 3.0), 1, 0, BREAKDOWN_NONE,
        ("medium", "elite", "low", "high")),
    row("beta",  "7d",  7,   2,  (2.25, 3.25),        1, 22.5, (2.0, 2.0), 1, 1, BREAKDOWN_NONE,
        ("medium", "elite", "low", "high")),
    row("beta",  "30d", 30,  3,  (2.25, 3.25),        1, 22.5, (2.0, 2.0), 1, 1, BREAKDOWN_NONE,
        ("medium", "elite", "low", "high")),
    row("gamma", "7d",  7,   3,  (4.0, 24.8),         1, 1.5,  (1.0, 1.0), 1, 1, GAMMA_BREAKDOWN,
        ("high", "elite", "low", "high")),
    row("gamma", "30d", 30,  5,  (4.0, 24.8),         1, 1.5,  (1.0, 1.0), 1, 1, GAMMA_BREAKDOWN_30D,
        ("high", "elite", "low", "high")),
]
# fmt: on


def assert_rows_equal(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert [(r["team"], r["window"]) for r in got] == [(r["team"], r["window"]) for r in want]
    for g, w in zip(got, want, strict=True):
        assert list(g) == list(w)
        for key, value in w.items():
            where = (w["team"], w["window"], key)
            if isinstance(value, dict):
                assert list(g[key]) == list(value), where
                for inner, expected in value.items():
                    assert g[key][inner] == (
                        pytest.approx(expected, rel=1e-9) if isinstance(expected, float) else expected
                    ), (*where, inner)
            elif isinstance(value, float):
                assert g[key] == pytest.approx(value, rel=1e-9), where
            else:
                assert g[key] == value, where


def test_three_teams_every_source_both_incident_sources(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["collect", "--config", str(config_path)]) == 0
    err = capsys.readouterr().err
    assert "pagerduty: 2 services" in err  # PA from the config, PB from the catalog; PZ is nobody's
    assert main(["metrics", "--config", str(config_path), "--format", "json", "--as-of", AS_OF]) == 0
    assert_rows_equal(json.loads(capsys.readouterr().out), EXPECTED)


def test_check_config_shows_catalog_and_config_ownership(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["collect", "--config", str(config_path)]) == 0
    capsys.readouterr()
    assert main(["check-config", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert "repo acme/beta → beta (catalog)" in out
    assert "repo acme/alpha → alpha (config)" in out
    assert "pagerduty PB → beta (catalog)" in out
    assert "pagerduty PA → alpha (config)" in out
