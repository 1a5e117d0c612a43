"""From the store to metrics and snapshots: who owns what (SPEC §4), the metrics as of an instant, and
the snapshot the dashboards serve. The daemon's analytics job, the one-shot commands and the demo all
go through here, so they can never disagree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from analytics.attempts import failed_attempts
from analytics.dora import MetricPoint, TeamWindowMetrics
from analytics.metrics import MetricsResult, compute_metrics_points
from analytics.ownership import (
    ORGANISATION,
    Ownership,
    PagerDutyScope,
    RepoScope,
    collected_repositories,
    load_components,
    pagerduty_scopes,
    repo_scopes,
    resolve_ownership,
)
from analytics.settings import AnalyticsSettings
from analytics.snapshot import Snapshot, WeeklyPoint
from analytics.space import SpaceQuarter, SpaceScore, compute_space_quarters
from analytics.windows import WindowSpec, as_utc

WEEK = WindowSpec(label="7d", days=7)


@dataclass(frozen=True)
class Scopes:
    """Who owns what, resolved once from the settings and the store's catalog (SPEC §4)."""

    repos: list[RepoScope]
    pagerduty: list[PagerDutyScope]


def _ownership(engine: Engine | None, settings: AnalyticsSettings) -> tuple[list[str], Ownership]:
    """The collected repositories and the ownership map (``engine`` None: a store not created yet, with
    no repository collected and no catalog)."""
    repositories = collected_repositories(engine) if engine else []
    return repositories, resolve_ownership(
        settings.ownership, repositories, load_components(engine) if engine else []
    )


def _scopes(settings: AnalyticsSettings, repositories: list[str], ownership: Ownership) -> Scopes:
    return Scopes(
        repo_scopes(settings.ownership, repositories, ownership),
        pagerduty_scopes(ownership, settings.ownership),
    )


def resolve_scopes(engine: Engine | None, settings: AnalyticsSettings) -> Scopes:
    return _scopes(settings, *_ownership(engine, settings))


def scoped_teams(engine: Engine | None, settings: AnalyticsSettings) -> set[str]:
    """The teams besides "*": those the metrics have a row for (the owners of the collected
    repositories and of the PagerDuty services, ``unowned`` among them), every team of the ownership
    map (survey answers name them) and the configured teams."""
    repositories, ownership = _ownership(engine, settings)
    scopes = _scopes(settings, repositories, ownership)
    owners = {scope.team for scope in scopes.repos} | {scope.team for scope in scopes.pagerduty}
    return owners | ownership.teams | {team for team, _ in settings.headcounts}


def survey_scores(
    engine: Engine, settings: AnalyticsSettings, *, quarters: Sequence[str] | None = None
) -> list[SpaceScore]:
    """SPACE scores after the anonymity rules (SPEC §7.4), every team's headcount from the settings."""
    return survey_results(engine, settings, quarters=quarters)[0]


def survey_results(
    engine: Engine, settings: AnalyticsSettings, *, quarters: Sequence[str] | None = None
) -> tuple[list[SpaceScore], list[SpaceQuarter]]:
    """``survey_scores`` and the shown team-quarters. Every team of the ownership map is named, so
    that answers stored under an earlier spelling of a team known from the catalog alone are scored
    under today's (the first in file order); the configured teams bring their headcounts."""
    _, ownership = _ownership(engine, settings)
    teams: dict[str, int | None] = dict.fromkeys(sorted(ownership.teams)) | dict(settings.headcounts)
    return compute_space_quarters(
        engine, teams=teams, min_group_size=settings.min_group_size, quarters=quarters
    )


def _with_band_window(
    settings: AnalyticsSettings, windows: Sequence[WindowSpec] | None
) -> tuple[list[str], tuple[WindowSpec, ...]]:
    """The windows asked for (default: the configured ones) and the point to compute: those plus the
    band window, which is always computed so that bands do not depend on which windows were asked for."""
    band_window = settings.band_window
    wanted = list(windows) if windows is not None else list(settings.windows)
    computed = wanted + ([band_window] if band_window.label not in {w.label for w in wanted} else [])
    return [w.label for w in wanted], tuple(computed)


def _only(result: MetricsResult, labels: Sequence[str]) -> MetricsResult:
    return MetricsResult([row for row in result.rows if row.window in set(labels)], result.failures)


def metrics_as_of(
    engine: Engine,
    settings: AnalyticsSettings,
    *,
    as_of: datetime,
    windows: Sequence[WindowSpec] | None = None,
) -> MetricsResult:
    """Every team's metrics as of ``as_of`` for ``windows`` (default: the configured ones); the band
    window is always computed so that bands do not depend on which windows were asked for."""
    scopes = resolve_scopes(engine, settings)
    labels, computed = _with_band_window(settings, windows)
    (result,) = compute_metrics_points(
        engine,
        scopes.repos,
        [MetricPoint(as_of, computed)],
        pagerduty_scopes=scopes.pagerduty,
        settings=settings,
        band_windows=[settings.band_window],
    )
    return _only(result, labels)


def week_ends(as_of: datetime, weeks: int) -> list[datetime]:
    """The ends (Monday 00:00 UTC) of the last ``weeks`` whole ISO weeks before ``as_of``, oldest first."""
    utc = as_utc(as_of)
    this_monday = (utc - timedelta(days=utc.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return [this_monday - timedelta(weeks=back - 1) for back in range(weeks, 0, -1)]


def _weekly(week_end: datetime, rows: Sequence[TeamWindowMetrics]) -> list[WeeklyPoint]:
    """Each team's week ending at ``week_end`` (Monday 00:00 UTC), with the very same definitions as
    every other number: a 7-day window as of the week's end. Weekly points carry no bands."""
    week_start = (week_end - timedelta(days=7)).date()
    return [
        WeeklyPoint(
            team=row.team,
            week_start=week_start,
            deployments=row.deployments,
            lead_time_hours_p50=row.lead_time_hours_p50,
            lead_time_hours_p90=row.lead_time_hours_p90,
            change_failure_rate=row.change_failure_rate,
            failed_deployment_recovery_hours_p50=row.failed_deployment_recovery_hours_p50,
        )
        for row in rows
    ]


def assemble_snapshot(
    engine: Engine, settings: AnalyticsSettings, *, now: datetime, as_of: datetime, weeks: int = 26
) -> Snapshot:
    """Every team's metrics for every configured window as of ``as_of``, with weekly trends over the
    last ``weeks`` whole weeks, the failed deployments and the survey scores; ``now`` is its creation.

    The current metrics, the previous window's and every week are points of one computation, so each
    fact is read, and each failure attributed, once per snapshot."""
    # In UTC before any arithmetic: a day back from a zone with summer time is not 24 hours (SPEC §6).
    as_of = as_utc(as_of)
    scopes = resolve_scopes(engine, settings)
    labels, computed = _with_band_window(settings, None)
    longest = max(settings.windows, key=lambda window: window.days)
    previous_as_of = as_of - timedelta(days=longest.days)
    # The reports compare the longest window with the one before it, nothing else: a shorter window
    # "as of one longest window earlier" would be no one's previous window.
    previous_labels, previous_computed = _with_band_window(settings, [longest])
    ends = week_ends(as_of, weeks)
    band_window = settings.band_window
    results = compute_metrics_points(
        engine,
        scopes.repos,
        [
            MetricPoint(as_of, computed),
            MetricPoint(previous_as_of, previous_computed),
            *[MetricPoint(end, (WEEK,)) for end in ends],
        ],
        band_windows=[band_window, band_window, *[None] * len(ends)],
        with_incidents=False,
        pagerduty_scopes=scopes.pagerduty,
        settings=settings,
    )
    result, previous_result = _only(results[0], labels), _only(results[1], previous_labels)
    previous_rows = previous_result.rows
    previous = Snapshot(
        created_at=now,
        as_of=previous_as_of,
        benchmarks=settings.benchmarks,
        teams=tuple(dict.fromkeys(row.team for row in previous_rows)),
        metrics=tuple(previous_rows),
    )
    weekly = [point for end, week in zip(ends, results[2:], strict=True) for point in _weekly(end, week.rows)]
    space, space_quarters = survey_results(engine, settings)
    # A team with survey scores but nothing to deploy (a teams: entry without repositories) is still a
    # team with a page (SPEC §8.3); the order is the metrics' own: "*" first, then by name.
    teams = sorted(
        {row.team for row in result.rows} | {row.team for row in space_quarters},
        key=lambda t: (t != ORGANISATION, t),
    )
    return Snapshot(
        created_at=now,
        as_of=as_of,
        benchmarks=settings.benchmarks,
        teams=tuple(teams),
        metrics=tuple(result.rows),
        weekly=tuple(weekly),
        failed_deployments=tuple(result.failed_deployments()),
        failed_attempts=tuple(failed_attempts(engine, scopes.repos, as_of=as_of, days=longest.days)),
        previous=previous,
        space=tuple(space),
        space_quarters=tuple(space_quarters),
    )
