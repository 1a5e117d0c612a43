"""An ownership map and its scopes for the analytics-level ownership tests: config ``teams:`` claims,
catalog components and ``service_ids`` resolved as ``doraspace`` resolves them, and deployments of one
direct commit each (tests/analytics/facts.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from analytics.metrics import MetricsResult
from analytics.ownership import (
    CatalogComponent,
    Ownership,
    OwnershipSettings,
    TeamClaim,
    pagerduty_scopes,
    repo_scopes,
    resolve_ownership,
)
from tests.analytics import scenario
from tests.analytics.facts import PRODUCTION, Facts, at, sha


@dataclass
class World:
    ownership: Ownership
    settings: OwnershipSettings
    repos: list[str]


def world(
    repos: Sequence[str],
    *,
    teams: Sequence[TeamClaim] = (),
    components: Sequence[CatalogComponent] = (),
    service_ids: Sequence[str] = (),
) -> World:
    settings = OwnershipSettings(teams=tuple(teams), pagerduty_service_ids=tuple(service_ids))
    return World(resolve_ownership(settings, list(repos), list(components)), settings, list(repos))


def component(
    file_repo: str,
    position: int,
    name: str,
    owner: str | None,
    repo: str | None = None,
    pd: str | None = None,
) -> CatalogComponent:
    """A stored component: ``repo`` None lives in the repo holding the file (SPEC §4)."""
    return CatalogComponent(file_repo, position, name, owner, repo or file_repo, pd)


def run(facts: Facts, w: World) -> MetricsResult:
    """The world's scopes as ``doraspace`` derives them; 30d as of 06-30, no rework labels."""
    return scenario.run(
        facts,
        repo_scopes(w.settings, w.repos, w.ownership),
        pagerduty_scopes(w.ownership, w.settings),
    )


def first(facts: Facts, repo: str) -> int:
    return facts.deployment(at(1), compare="first", repo=repo, sha=sha(f"first-{repo}"))


def ship(
    facts: Facts,
    repo: str,
    deployed_at: datetime,
    name: str,
    *,
    authored: datetime | None = None,
    message: str = "",
    environment: str = PRODUCTION,
) -> int:
    """A deployment of one direct commit ``sha(name)`` authored an hour before it (unless said)."""
    commit = facts.commit(sha(name), authored or deployed_at - timedelta(hours=1), repo=repo, message=message)
    return facts.deployment(deployed_at, ships=[commit], repo=repo, environment=environment)
