"""Every DORA metric of SPEC §6.2 for every team and window, with bands (§6.3): the delivery metrics
of ``analytics.dora`` joined with the failure metrics of ``analytics.failures``."""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine

from analytics.benchmarks import bands
from analytics.dora import (
    MetricPoint,
    TeamWindowMetrics,
    compute_dora_points,
    earliest_start,
    latest_as_of,
    materialized_facts,
    refresh_derived,
    temporary_tables,
)
from analytics.failures import Deployment, FailureResult, compute_failures_points
from analytics.ownership import PagerDutyScope, RepoScope
from analytics.settings import DEFAULT_SETTINGS, AnalyticsSettings
from analytics.shipments import set_up_postgresql
from analytics.snapshot import FailedDeployment
from analytics.windows import WindowSpec, as_utc
from analytics.windows import band_window as default_band_window


@dataclass(frozen=True)
class MetricsResult:
    rows: list[TeamWindowMetrics]
    failures: FailureResult

    def failed_deployments(self) -> list[FailedDeployment]:
        as_of = self.rows[0].as_of if self.rows else None
        return [_failed(deployment, as_of) for deployment in self.failures.failed]


def _failed(deployment: Deployment, as_of: datetime | None) -> FailedDeployment:
    return FailedDeployment(
        team=deployment.team,
        repo=deployment.repo,
        deployment_id=deployment.key[3],
        deployed_at=deployment.deployed_at,
        rules=tuple(
            rule for rule in ("explicit", "rollback", "revert", "window") if rule in deployment.rules
        ),
        incident_ids=tuple(sorted(deployment.incident_ids)),
        recovered_at=deployment.recovered_at(as_of) if as_of is not None else None,
    )


def compute_metrics(
    engine: Engine,
    scopes: Sequence[RepoScope],
    windows: Sequence[WindowSpec],
    as_of: datetime,
    *,
    pagerduty_scopes: Sequence[PagerDutyScope] = (),
    settings: AnalyticsSettings = DEFAULT_SETTINGS,
    band_window: WindowSpec | None = None,
) -> MetricsResult:
    """All metrics as of ``as_of``. Bands come from ``band_window`` (default: the 90-day window if
    among ``windows``, else the longest) so that every row of a team carries the same bands."""
    return compute_metrics_points(
        engine,
        scopes,
        [MetricPoint(as_utc(as_of), tuple(windows))],
        pagerduty_scopes=pagerduty_scopes,
        settings=settings,
        band_windows=[band_window or (default_band_window(windows) if windows else None)],
    )[0]


def compute_metrics_points(
    engine: Engine,
    scopes: Sequence[RepoScope],
    points: Sequence[MetricPoint],
    *,
    pagerduty_scopes: Sequence[PagerDutyScope] = (),
    settings: AnalyticsSettings = DEFAULT_SETTINGS,
    band_windows: Sequence[WindowSpec | None],
    with_incidents: bool = True,
) -> list[MetricsResult]:
    """``compute_metrics`` for several points at once, each fact read once for all of them.

    ``band_windows[i]`` is the band window of ``points[i]`` (None: no bands). The failed deployments
    and incidents are those as of the latest point: a result of an earlier point has none. Only the
    deployments from the start of the earliest window on are read (``analytics.dora.fact_ctes``), so
    the failed deployments listed are those deployed since then."""
    points = [MetricPoint(as_utc(point.as_of), point.windows) for point in points]
    for point, band_window in zip(points, band_windows, strict=True):
        if band_window is not None and band_window.label not in {w.label for w in point.windows}:
            raise ValueError(f"band window {band_window.label} is not among the windows")
    # One connection, its transaction never committed: the facts, the failure evidence and rework are
    # computed once into temporary tables that every statement of every point reads, then dropped.
    with _cyclic_gc_paused(), engine.connect() as conn, _bounded_memory(conn):
        refresh_derived(conn, owned=True)
        if conn.dialect.name == "postgresql":
            set_up_postgresql(conn)
        latest = latest_as_of(points) if points else None
        since = earliest_start(points)  # what the facts leave out: the failures read it from them
        # The owners of PagerDuty services are teams too, with rows of their own, deployments or not.
        owners = [scope.team for scope in pagerduty_scopes]
        facts = (
            materialized_facts(conn, scopes, latest, since=since, other_teams=owners)
            if (scopes or owners) and latest
            else None
        )

        delivery = compute_dora_points(conn, scopes, points, facts)
        failures = compute_failures_points(
            conn,
            scopes,
            points,
            pagerduty_scopes=pagerduty_scopes,
            attribution_window=settings.attribution_window,
            rework_labels=settings.rework_labels,
            with_incidents=with_incidents,
            facts=facts,
            materialize=temporary_tables(conn),
        )
        conn.rollback()
    results = []
    for index, (point, band_window) in enumerate(zip(points, band_windows, strict=True)):
        by_team_window = failures.by_point[index]
        rows = []
        for row in delivery[index]:
            failure = by_team_window[(row.team, row.window)]
            # One definition of "deployment" feeds both halves; a mismatch would be a bug, not data.
            assert failure.deployments == row.deployments, (row.team, row.window)
            rows.append(
                dataclasses.replace(
                    row,
                    change_failure_rate=failure.change_failure_rate,
                    failed_deployment_recovery_hours_p50=failure.failed_deployment_recovery_hours_p50,
                    time_to_restore_hours_p50=failure.time_to_restore_hours_p50,
                    time_to_restore_hours_p90=failure.time_to_restore_hours_p90,
                    incidents=failure.incidents,
                    rework_rate=failure.rework_rate,
                )
            )
        if band_window is not None:
            benchmarks = settings.benchmarks
            banded = {row.team: _bands(row, benchmarks) for row in rows if row.window == band_window.label}
            rows = [dataclasses.replace(row, bands=banded[row.team]) for row in rows]
        current = point.as_of == latest
        results.append(
            MetricsResult(
                rows,
                FailureResult(
                    by_team_window,
                    failures.deployments if current else (),
                    failures.incidents if current else (),
                    failures.failed if current else (),
                ),
            )
        )
    return results


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Python's cycle collector paused for the duration. The computation makes tens of thousands of
    short-lived objects (rows, metrics, failed deployments), which reference counting frees; their
    allocations alone would trigger full collections, each a pass over every object of the process
    (all its modules), about 0.1 s at a million deployments for next to nothing found. What cycles it
    leaves are collected as usual afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# DuckDB's own memory during a snapshot. By default DuckDB keeps up to 80 % of the machine's memory
# in hash tables and temporary tables; bounded, it spills the rest to the temporary directory beside
# the store. At a million deployments this keeps the peak RSS under 0.8 GB instead of 2.2 GB. At
# 512 MB the temporary tables and the lead times' hash tables spilled, 0.1 s slower for 0.1 GB less
# (measured in docs/operations.md).
DUCKDB_MEMORY_LIMIT = "640MB"


@contextmanager
def _bounded_memory(conn: Connection) -> Iterator[None]:
    """DuckDB stores in a file get ``DUCKDB_MEMORY_LIMIT`` for the duration (an in-memory store has
    nowhere to spill). The setting is the database's, not the connection's: it is reset after."""
    database = conn.engine.url.database
    if conn.dialect.name != "duckdb" or not database or database == ":memory:":
        yield
        return
    conn.exec_driver_sql(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    try:
        yield
    finally:
        conn.exec_driver_sql("RESET memory_limit")


def _bands(row: TeamWindowMetrics, benchmarks: str) -> dict[str, str | None]:
    recovery = row.failed_deployment_recovery_hours_p50
    if recovery is None:
        recovery = row.time_to_restore_hours_p50
    return dict(
        bands(
            benchmarks,
            deployment_frequency_per_day=row.deployment_frequency_per_day,
            lead_time_hours_p50=row.lead_time_hours_p50,
            change_failure_rate=row.change_failure_rate,
            recovery_hours_p50=recovery,
        )
    )
