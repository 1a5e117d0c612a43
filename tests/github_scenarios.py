"""Scenarios on one emulated GitHub organisation, end to end: emulated GitHub → ``doraspace collect``
(REST and GraphQL) → ``doraspace metrics --format json``.

A module registers builders on its ``Scenarios``; each builder adds its repositories, each owned by its
own team (config ``teams:``) so that scenarios cannot see each other. ``Scenarios.collect`` builds the
organisation once, collects it once per ``github.api`` mode into a store of its own and reads it with
``--as-of``. Times are March 2026 UTC, ``at(day, hour)``. ``check_row`` asserts a whole 30d row read as of
``AS_OF``: window 30d = (02-18 00:00, 03-20 00:00].
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from doraspace.cli import main
from tests.analytics.facts import METRIC_KEYS
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.github_org import write_github_config

APIS = ("rest", "graphql")
AS_OF = "2026-03-20T00:00:00Z"
Builder = Callable[[GitHubDataset], None]
Built = TypeVar("Built")


def at(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 3, day, tzinfo=UTC) + timedelta(hours=hour)


def started_at_six(repo: RepoData) -> str:
    """The repo's root commit (03-01 05:00) and its first deployment at 03-01 06:00: compare ``first``."""
    c0 = repo.commit("initial", author_date=at(1, 5))
    repo.deployment(c0, created_at=at(1, 6))
    return c0


def started(repo: RepoData, deployed_at: datetime) -> str:
    """The repo's root commit (03-01 00:00) and its first deployment: compare ``first``."""
    c0 = repo.commit("initial", author_date=at(1))
    repo.deployment(c0, created_at=deployed_at)
    return c0


def squash_merged_pr(
    repo: RepoData,
    commits: Sequence[str],
    onto: str,
    *,
    number: int,
    title: str,
    author: str,
    created_at: datetime,
    merged_at: datetime,
    message: str | None = None,
    labels: Iterable[str] = (),
    reviews: Iterable[tuple[str, str, datetime]] = (),
    body: str | None = None,
) -> str:
    """PR #``number`` of ``commits``, opened at ``created_at``, squash-merged onto ``onto`` at ``merged_at``
    (GitHub's squash commit, its message ``<title> (#<number>)`` unless ``message`` is given), then the
    PR itself. Returns the squash commit, the PR's merge_commit_sha."""
    sha = repo.squash_merge(commits, onto, f"{title} (#{number})" if message is None else message, merged_at)
    repo.pull(
        number=number,
        title=title,
        author=author,
        created_at=created_at,
        commits=commits,
        merged_at=merged_at,
        merge_commit_sha=sha,
        labels=labels,
        reviews=reviews,
        body=body,
    )
    return sha


def first_merged_pr(repo: RepoData) -> tuple[str, str]:
    """Source merged_prs: the root c0 (03-01 00:00) and PR #1 "Init" (alice; q1 authored 01 02:00, opened
    03:00, no review) squash-merged 01 06:00 as s1, the first deployment. Returns (c0, s1)."""
    c0 = repo.commit("initial", author_date=at(1))
    q1 = repo.commit("q1", parents=[c0], author_date=at(1, 2), author_login="alice", branch="pr-1")
    s1 = squash_merged_pr(
        repo, [q1], c0, number=1, title="Init", author="alice", created_at=at(1, 3), merged_at=at(1, 6)
    )
    return c0, s1


def squashed_into_develop(repo: RepoData, parent: str, number: int) -> str:
    """PR #``number`` "Feature" (alice; a1 authored 02 08:00 on branch pr-``number``, opened 09:00)
    squash-merged at 02 12:00 into ``develop`` (not the default branch) as sd, a child of ``parent``.
    Returns sd."""
    a1 = repo.commit(
        "a1", parents=[parent], author_date=at(2, 8), author_login="alice", branch=f"pr-{number}"
    )
    sd = repo.commit(
        f"Feature (#{number})",
        parents=[parent],
        author_date=at(2, 12),
        author_login="alice",
        branch="develop",
    )
    repo.pull(
        number=number,
        title="Feature",
        author="alice",
        created_at=at(2, 9),
        commits=[a1],
        merged_at=at(2, 12),
        merge_commit_sha=sd,
        base="develop",
    )
    return sd


def deploy(repo: RepoData, name: str, deployed_at: datetime) -> str:
    """A commit authored an hour before ``deployed_at`` and its production deployment."""
    sha = repo.commit(name, author_date=deployed_at - timedelta(hours=1))
    repo.deployment(sha, created_at=deployed_at)
    return sha


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-9)


def breakdown(
    coding: float | None = None,
    pickup: float | None = None,
    review: float | None = None,
    deploy: float | None = None,
) -> dict[str, Any]:
    return {
        stage: None if value is None else approx(value)
        for stage, value in (("coding", coding), ("pickup", pickup), ("review", review), ("deploy", deploy))
    }


def run_cli(args: list[str], *, now: datetime | None = None) -> str:
    """``doraspace ARGS`` in this process (at ``now``, else the wall clock); its standard output, after
    asserting exit status 0."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(args, now=now)
    assert status == 0, err.getvalue()
    return out.getvalue()


def check(row: dict[str, Any], **expected: Any) -> None:
    """Compare the named fields of a metrics row; every mismatch is reported at once."""
    actual = {name: row[name] for name in expected}
    want = {name: approx(value) if isinstance(value, float) else value for name, value in expected.items()}
    assert actual == want


def check_row(
    row: dict[str, Any],
    *,
    team: str,
    deployments: int,
    lead: tuple[float | None, float | None],
    cfr: float | None,
    recovery: float | None,
    restore: tuple[float | None, float | None] = (None, None),
    incidents: int = 0,
    rework: float | None,
    stages: dict[str, Any],
    row_bands: dict[str, str | None],
) -> None:
    """The whole 30d row of ``team`` as of ``AS_OF``, every field; every mismatch is shown at once."""

    def number(value: float | None) -> Any:
        return None if value is None else approx(value)

    expected = {
        "team": team,
        "window": "30d",
        "as_of": AS_OF,
        "deployments": deployments,
        "deployment_frequency_per_day": approx(deployments / 30),
        "lead_time_hours_p50": number(lead[0]),
        "lead_time_hours_p90": number(lead[1]),
        "change_failure_rate": number(cfr),
        "failed_deployment_recovery_hours_p50": number(recovery),
        "time_to_restore_hours_p50": number(restore[0]),
        "time_to_restore_hours_p90": number(restore[1]),
        "incidents": incidents,
        "rework_rate": number(rework),
        "lead_time_breakdown_hours_p50": stages,
        "bands": row_bands,
    }
    assert list(row) == METRIC_KEYS
    assert row == expected


class Scenarios:
    """The scenarios of one test module. ``github`` and ``rest`` are extra lines of the ``github:``
    section and extra top-level sections of the configuration."""

    def __init__(self, *, github: str = "", rest: str = "") -> None:
        self.repos: dict[str, tuple[str, str | None]] = {}  # repo → (team, deployments config or None)
        self.builders: list[Builder] = []
        self.github, self.rest = github, rest

    def register(self, *repos: tuple[str, str, str | None]) -> Callable[[Builder], Builder]:
        """A decorator registering a builder of ``repos``: (name, team, deployments config or None)."""

        def register(builder: Builder) -> Builder:
            for repo, team, source in repos:
                self.repos[repo] = (team, source)
            self.builders.append(builder)
            return builder

        return register

    def github_section(self, api: str) -> str:
        lines = ["since: 2026-03-01", f"api: {api}", *filter(None, [self.github]), "repositories:"]
        for repo, (_, source) in self.repos.items():
            lines.append(f"  - {repo}" if source is None else f"  - {{name: {repo}, deployments: {source}}}")
        return "\n".join(lines)

    def rest_sections(self) -> str:
        teams: dict[str, list[str]] = {}
        for repo, (team, _) in self.repos.items():
            teams.setdefault(team, []).append(repo)
        team_lines = "".join(
            f"  - {{name: {team}, repositories: [{', '.join(repos)}]}}\n" for team, repos in teams.items()
        )
        return (
            "catalog: {discover: false}\n"
            "incidents: {attribution_window: 24h}\n"
            f"{self.rest}"
            "metrics: {windows: [30d]}\n"
            f"teams:\n{team_lines}"
        )

    def write_config(self, directory: Path, base_url: str, token_variable: str, api: str) -> Path:
        """``directory/doraspace.yaml``: every registered repository, collected in ``github.api`` mode
        ``api`` from the emulator at ``base_url``."""
        return write_github_config(
            directory, base_url, token_variable, self.github_section(api), self.rest_sections()
        )

    def collect(
        self, tmp_path_factory: pytest.TempPathFactory, token_variable: str, token: str, as_of: str
    ) -> dict[str, dict[str, dict[str, Any]]]:
        """Per ``github.api`` mode, the 30d row of each team as of ``as_of``."""
        dataset = GitHubDataset()
        for build in self.builders:
            build(dataset)
        result: dict[str, dict[str, dict[str, Any]]] = {}
        with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=token) as emulator:
            patch.setenv(token_variable, token)
            for api in APIS:
                config = self.write_config(
                    tmp_path_factory.mktemp(api), emulator.base_url, token_variable, api
                )
                run_cli(["collect", "--config", str(config)])
                rows = json.loads(
                    run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", as_of])
                )
                result[api] = {row["team"]: row for row in rows if row["window"] == "30d"}
        assert os.environ.get(token_variable) is None
        return result


def check_team_row(
    rows: dict[str, dict[str, Any]],
    team: str,
    *,
    deployments: int,
    cfr: float | None,
    recovery: float | None,
    incidents: int,
    restore: tuple[float | None, float | None],
    rework: float | None,
    row_bands: dict[str, str | None],
    lead: tuple[float | None, float | None] = (1.0, 1.0),
) -> None:
    """The whole 30d row of ``team`` among ``rows`` (by team), every field, bands included, in a world
    where no PR is merged: every breakdown stage null."""
    assert team in rows, sorted(rows)
    check_row(
        rows[team],
        team=team,
        deployments=deployments,
        lead=lead,
        cfr=cfr,
        recovery=recovery,
        restore=restore,
        incidents=incidents,
        rework=rework,
        stages=breakdown(),
        row_bands=row_bands,
    )


def rows_before_and_after(
    tmp_path_factory: pytest.TempPathFactory,
    *,
    repo: str,
    deployments: str,
    build: Callable[[GitHubDataset], Built],
    change: Callable[[GitHubDataset, Built], None],
    token: tuple[str, str],
) -> dict[str, dict[str, Any]]:
    """The 30d row of ``repo``'s team (its short name) in three stores: ``incremental`` (REST) and
    ``graphql``, each synced before and after ``change``, and ``fresh`` (REST), synced once after.
    ``deployments`` is the repository's deployments config (a flow mapping); ``token`` is (variable,
    value)."""
    team = repo.split("/")[1]
    dataset = GitHubDataset()
    built = build(dataset)

    def github(api: str) -> str:
        return (
            f"since: 2026-03-01\napi: {api}\nrepositories:\n  - {{name: {repo}, deployments: {deployments}}}"
        )

    rest = (
        "catalog: {discover: false}\nmetrics: {windows: [30d]}\n"
        f"teams: [{{name: {team}, repositories: [{repo}]}}]\n"
    )
    configs: dict[str, Path] = {}
    rows: dict[str, dict[str, Any]] = {}
    variable, value = token
    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=value) as emulator:
        patch.setenv(variable, value)
        for name, api in (("incremental", "rest"), ("graphql", "graphql"), ("fresh", "rest")):
            configs[name] = write_github_config(
                tmp_path_factory.mktemp(f"{team}-{name}"), emulator.base_url, variable, github(api), rest
            )
        for name in ("incremental", "graphql"):
            run_cli(["collect", "--config", str(configs[name])])
        change(dataset, built)
        for name in ("incremental", "graphql", "fresh"):
            run_cli(["collect", "--config", str(configs[name])])
            out = run_cli(["metrics", "--config", str(configs[name]), "--format", "json", "--as-of", AS_OF])
            rows[name] = next(row for row in json.loads(out) if row["team"] == team)
    return rows
