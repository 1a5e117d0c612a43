"""One analytics snapshot: everything the exporter, the dashboards and the reports need.

A snapshot is built by a scheduled job (or a CLI command) from the store and is immutable; readers
take the latest one and never touch the store or run analytics themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from analytics.dora import TeamWindowMetrics
from analytics.space import SpaceQuarter, SpaceScore


@dataclass(frozen=True)
class WeeklyPoint:
    """One team's delivery in one ISO week (Monday 00:00 UTC to the next Monday), for trend charts."""

    team: str
    week_start: date
    deployments: int
    lead_time_hours_p50: float | None
    lead_time_hours_p90: float | None
    change_failure_rate: float | None
    failed_deployment_recovery_hours_p50: float | None


@dataclass(frozen=True)
class FailedDeployment:
    """A failed deployment and how it was found (SPEC §6.1): rules ⊆ explicit, rollback, revert, window."""

    team: str
    repo: str
    deployment_id: int
    deployed_at: datetime
    rules: tuple[str, ...]
    incident_ids: tuple[str, ...]
    recovered_at: datetime | None


@dataclass(frozen=True)
class FailedAttempt:
    """A production deployment that never reached success (SPEC §5.1): shown, counted nowhere."""

    team: str
    repo: str
    deployment_id: int
    created_at: datetime
    state: str | None  # its last status (failure, error, inactive, …) as the source gave it


@dataclass(frozen=True)
class Snapshot:
    created_at: datetime
    as_of: datetime
    benchmarks: str
    teams: tuple[str, ...]  # every team with a row, "*" first
    metrics: tuple[TeamWindowMetrics, ...]  # one per team and window, sorted like `doraspace metrics`
    weekly: tuple[WeeklyPoint, ...] = ()
    failed_deployments: tuple[FailedDeployment, ...] = ()
    # Failed attempts created in the longest window, newest first.
    failed_attempts: tuple[FailedAttempt, ...] = ()
    # The longest window's metrics (banded as ever) one longest window earlier, for "change against
    # the previous window"; the shorter windows have no previous one there.
    previous: Snapshot | None = None
    # Shown SPACE scores only (suppressed groups are absent), sorted as `doraspace survey scores`.
    space: tuple[SpaceScore, ...] = ()
    # Shown team-quarters (respondents, response rate), with or without a shown dimension.
    space_quarters: tuple[SpaceQuarter, ...] = ()

    def team_metrics(self, team: str) -> list[TeamWindowMetrics]:
        return [row for row in self.metrics if row.team == team]
