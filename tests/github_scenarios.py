"""Scenarios on one emulated GitHub organisation, end to end: emulated GitHub → ``doraspace collect``
(REST and GraphQL) → ``doraspace metrics --format json``.

A module registers builders on its ``Scenarios``; each builder adds its repositories, each owned by its
own team (config ``teams:``) so that scenarios cannot see each other. ``Scenarios.collect`` builds the
organisation once, collects it once per ``github.api`` mode into a store of its own and reads it with
``--as-of``. Times are March 2026 UTC, ``at(day, hour)``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from doraspace.cli import main
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.github_org import write_github_config

APIS = ("rest", "graphql")
Builder = Callable[[GitHubDataset], None]


def at(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 3, day, tzinfo=UTC) + timedelta(hours=hour)


def started_at_six(repo: RepoData) -> str:
    """The repo's root commit (03-01 05:00) and its first deployment at 03-01 06:00: compare ``first``."""
    c0 = repo.commit("initial", author_date=at(1, 5))
    repo.deployment(c0, created_at=at(1, 6))
    return c0


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


def run_cli(args: list[str]) -> str:
    """``doraspace ARGS`` in this process; its standard output, after asserting exit status 0."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(args)
    assert status == 0, err.getvalue()
    return out.getvalue()


def check(row: dict[str, Any], **expected: Any) -> None:
    """Compare the named fields of a metrics row; every mismatch is reported at once."""
    actual = {name: row[name] for name in expected}
    want = {name: approx(value) if isinstance(value, float) else value for name, value in expected.items()}
    assert actual == want


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
                config = write_github_config(
                    tmp_path_factory.mktemp(api),
                    emulator.base_url,
                    token_variable,
                    self.github_section(api),
                    self.rest_sections(),
                )
                run_cli(["collect", "--config", str(config)])
                rows = json.loads(
                    run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", as_of])
                )
                result[api] = {row["team"]: row for row in rows if row["window"] == "30d"}
        assert os.environ.get(token_variable) is None
        return result
