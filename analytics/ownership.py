"""Plain-value inputs of analytics: which deployments of which repo count, and for which team.

The configuration and the catalog are resolved elsewhere (``doraspace``); analytics only receives the
result as ``RepoScope`` values, one per collected repository.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.windows import WindowSpec

__all__ = ["ORGANISATION", "UNOWNED", "PagerDutyScope", "RepoScope", "WindowSpec"]

UNOWNED = "unowned"
"""The team of a repository nobody owns (SPEC §4)."""

ORGANISATION = "*"
"""The team name of the organisation-wide row, covering every scope (SPEC §6)."""


@dataclass(frozen=True)
class RepoScope:
    """A repository's configured deployment source and environment, and the team that owns it."""

    repo: str
    team: str
    source: str
    environment: str
    # The service (SPEC §4) the repo belongs to; a repo with no Backstage component is its own.
    service: str | None = None

    @property
    def service_name(self) -> str:
        return self.service or self.repo


@dataclass(frozen=True)
class PagerDutyScope:
    """A collected PagerDuty service: the team its incidents count for, and the services (SPEC §4)
    whose deployments they may fail. An unowned service has team ``unowned`` and no services."""

    service_id: str
    team: str
    services: tuple[str, ...] = ()
