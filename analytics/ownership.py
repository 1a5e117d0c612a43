"""Plain-value inputs of analytics: which deployments of which repo count, and for which team.

The configuration and the catalog are resolved elsewhere (``doraspace``); analytics only receives the
result as ``RepoScope`` values, one per collected repository.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.windows import WindowSpec

__all__ = ["ORGANISATION", "UNOWNED", "RepoScope", "WindowSpec"]

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
