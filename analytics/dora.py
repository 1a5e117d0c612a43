"""DORA delivery metrics per team and window: deployments, lead time for changes and its breakdown.

The definitions, in plain words, are in ``docs/metrics.md``; SPEC §5.2, §5.3 and §6.2 are the contract.
All of it is one SQL statement over the raw facts of ``store.schema``, in portable SQL that runs
unchanged on DuckDB and PostgreSQL. Values (scopes, windows, ``as_of``) travel as bound parameters:
the scopes and windows as ``VALUES`` lists. This module reads the store and never writes to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    DateTime,
    Double,
    Engine,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    column,
    extract,
    func,
    literal,
    select,
    true,
    values,
)

from analytics.benchmarks import METRICS as BAND_METRICS
from analytics.ownership import ORGANISATION, RepoScope
from analytics.windows import WindowSpec, as_utc, window_bounds
from store import schema
from store.timeutil import to_db

BREAKDOWN_STAGES: tuple[str, ...] = ("coding", "pickup", "review", "deploy")
"""The stages of a PR's way to production, in order (SPEC §5.3)."""

# A compare GitHub answered: what the deployment shipped is known (possibly nothing).
_KNOWN_COMPARES = ("ahead", "behind", "identical", "diverged")
# Compares whose commits are changes. ``behind`` is a rollback and ``identical`` a redeploy: no changes.
# ``first`` (start of the collected history) and ``unknown`` (GitHub could not compare): changes unknown.
_COMPARES_WITH_CHANGES = ("ahead", "diverged")


@dataclass(frozen=True)
class TeamWindowMetrics:
    """The DORA metrics of one team (``"*"``: the organisation) over one window (SPEC §6.2)."""

    team: str
    window: str
    window_days: int
    as_of: datetime
    deployments: int
    deployment_frequency_per_day: float
    lead_time_hours_p50: float | None
    lead_time_hours_p90: float | None
    lead_time_breakdown_hours_p50: dict[str, float | None]
    change_failure_rate: float | None = None
    failed_deployment_recovery_hours_p50: float | None = None
    time_to_restore_hours_p50: float | None = None
    time_to_restore_hours_p90: float | None = None
    incidents: int = 0
    rework_rate: float | None = None
    # deployment_frequency | lead_time | change_failure_rate | recovery → elite | high | medium | low | None
    bands: dict[str, str | None] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        """The SPEC §6.4 object, keys in the SPEC's order."""
        return {
            "team": self.team,
            "window": self.window,
            "as_of": format_instant(self.as_of),
            "deployments": self.deployments,
            "deployment_frequency_per_day": self.deployment_frequency_per_day,
            "lead_time_hours_p50": self.lead_time_hours_p50,
            "lead_time_hours_p90": self.lead_time_hours_p90,
            "change_failure_rate": self.change_failure_rate,
            "failed_deployment_recovery_hours_p50": self.failed_deployment_recovery_hours_p50,
            "time_to_restore_hours_p50": self.time_to_restore_hours_p50,
            "time_to_restore_hours_p90": self.time_to_restore_hours_p90,
            "incidents": self.incidents,
            "rework_rate": self.rework_rate,
            "lead_time_breakdown_hours_p50": {
                stage: self.lead_time_breakdown_hours_p50.get(stage) for stage in BREAKDOWN_STAGES
            },
            "bands": {metric: self.bands.get(metric) for metric in BAND_METRICS},
        }


def format_instant(instant: datetime) -> str:
    """An instant as ISO 8601 UTC with a ``Z``: ``2026-06-30T00:00:00Z``."""
    return as_utc(instant).isoformat().replace("+00:00", "Z")


def compute_dora(
    engine: Engine,
    scopes: Sequence[RepoScope],
    windows: Sequence[WindowSpec],
    as_of: datetime,
) -> list[TeamWindowMetrics]:
    """Metrics of every team owning a scope, and of the organisation (``"*"``), for every window.

    Facts after ``as_of`` are ignored, as if they had not happened yet. A naive ``as_of`` is UTC.
    Rows are sorted by team (``"*"`` first), then by window length.
    """
    as_of = as_utc(as_of)
    labels = [window.label for window in windows]
    if len(set(labels)) != len(labels):
        raise ValueError(f"windows: each label must be given once, got {labels}")
    if not scopes or not windows:
        return []
    statement = _metrics_statement(scopes, windows, as_of)
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    days_of = {window.label: window.days for window in windows}
    metrics = [
        TeamWindowMetrics(
            team=row.team,
            window=row.window,
            window_days=days_of[row.window],
            as_of=as_of,
            deployments=int(row.deployments),
            deployment_frequency_per_day=int(row.deployments) / days_of[row.window],
            lead_time_hours_p50=_hours(row.lead_time_hours_p50),
            lead_time_hours_p90=_hours(row.lead_time_hours_p90),
            lead_time_breakdown_hours_p50={
                stage: _hours(getattr(row, f"{stage}_hours_p50")) for stage in BREAKDOWN_STAGES
            },
        )
        for row in rows
    ]
    # Sorted here, not in SQL: PostgreSQL's collation may not put "*" first.
    return sorted(metrics, key=lambda m: (m.team != ORGANISATION, m.team, m.window_days, m.window))


def _hours(value: float | None) -> float | None:
    return None if value is None else float(value)


def _hours_between(later: ColumnElement[Any], earlier: ColumnElement[Any]) -> ColumnElement[Any]:
    # Timestamp difference in hours; EXTRACT(epoch FROM interval) means the same on DuckDB and PostgreSQL
    # (PostgreSQL answers numeric, hence the cast to a 64-bit float).
    return cast(extract("epoch", later - earlier), Double) / literal(3600.0, Double)


def _stage_hours(later: ColumnElement[Any], earlier: ColumnElement[Any]) -> ColumnElement[Any]:
    # A stage that would be negative (clock skew, odd data) is dropped; null when either end is unknown.
    return case((later >= earlier, _hours_between(later, earlier)), else_=None)


def _median(value: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.percentile_cont(literal(0.5, Double)).within_group(value)


@dataclass(frozen=True)
class FactCtes:
    """The derived facts every metric stands on, as CTEs (shared by delivery and failure metrics)."""

    counted_deployments: CTE
    first_shipments: CTE
    merged_pull_requests: CTE
    changes: CTE


def fact_ctes(scopes: Sequence[RepoScope], as_of: datetime) -> FactCtes:
    """Counted deployments, what each first shipped, merged PRs and changes, as of ``as_of``."""
    as_of_db = to_db(as_of)
    deployment_scopes = select(
        values(
            column("repo", String),
            column("source", String),
            column("environment", String),
            name="deployment_scope_values",
        ).data(sorted({(scope.repo, scope.source, scope.environment) for scope in scopes}))
    ).cte("deployment_scopes")

    # -- deployments --------------------------------------------------------------------------------
    d, compares = schema.deployments, schema.deployment_compares
    # A deployment counts when it is of its repo's configured source and environment, reached success
    # (deployed_at set; a failed attempt has none) and happened by as_of. Its compare with the previous
    # deployment says what it shipped; no compare row means unknown.
    counted_deployments = (
        select(
            d.c.repo,
            d.c.source,
            d.c.environment,
            d.c.deployment_id,
            d.c.deployed_at,
            compares.c.status.label("compare_status"),
            compares.c.base_deployment_id,
        )
        .select_from(
            d.join(
                deployment_scopes,
                and_(
                    deployment_scopes.c.repo == d.c.repo,
                    deployment_scopes.c.source == d.c.source,
                    deployment_scopes.c.environment == d.c.environment,
                ),
            ).outerjoin(
                compares,
                and_(
                    compares.c.repo == d.c.repo,
                    compares.c.source == d.c.source,
                    compares.c.deployment_id == d.c.deployment_id,
                ),
            )
        )
        .where(d.c.deployed_at.is_not(None), d.c.deployed_at <= as_of_db)
        .cte("counted_deployments")
    )

    # -- what each deployment shipped ---------------------------------------------------------------
    dc = schema.deployment_commits
    # Every commit (merge commits included) of a deployment with a known compare, numbered per commit in
    # deployment order (deployed_at, then id): number 1 is the deployment that first shipped it.
    shipments = (
        select(
            counted_deployments.c.repo,
            counted_deployments.c.source,
            counted_deployments.c.environment,
            counted_deployments.c.deployment_id,
            counted_deployments.c.deployed_at,
            counted_deployments.c.compare_status,
            dc.c.sha,
            func.row_number()
            .over(
                partition_by=(
                    counted_deployments.c.repo,
                    counted_deployments.c.source,
                    counted_deployments.c.environment,
                    dc.c.sha,
                ),
                order_by=(counted_deployments.c.deployed_at, counted_deployments.c.deployment_id),
            )
            .label("shipment_order"),
        )
        .select_from(
            counted_deployments.join(
                dc,
                and_(
                    dc.c.repo == counted_deployments.c.repo,
                    dc.c.source == counted_deployments.c.source,
                    dc.c.deployment_id == counted_deployments.c.deployment_id,
                ),
            )
        )
        .where(counted_deployments.c.compare_status.in_(_KNOWN_COMPARES))
        .cte("shipments")
    )
    # A commit re-shipped later (after a rollback) belongs to the deployment that shipped it first.
    first_shipments = (
        select(*[c for c in shipments.c if c.name != "shipment_order"])
        .where(shipments.c.shipment_order == 1)
        .cte("first_shipments")
    )

    # -- pull requests ------------------------------------------------------------------------------
    pr, pr_commits = schema.pull_requests, schema.pull_request_commits
    pull_request_first_commits = (
        select(
            pr_commits.c.repo,
            pr_commits.c.number,
            func.min(pr_commits.c.author_date).label("first_commit_at"),  # earliest, whatever the order
        )
        .group_by(pr_commits.c.repo, pr_commits.c.number)
        .cte("pull_request_first_commits")
    )
    # A PR merged after as_of has not been merged yet.
    merged_pull_requests = (
        select(
            pr.c.repo,
            pr.c.number,
            pr.c.author,
            pr.c.created_at,
            pr.c.merged_at,
            pr.c.merge_commit_sha,
            pull_request_first_commits.c.first_commit_at,
        )
        .select_from(
            pr.outerjoin(
                pull_request_first_commits,
                and_(
                    pull_request_first_commits.c.repo == pr.c.repo,
                    pull_request_first_commits.c.number == pr.c.number,
                ),
            )
        )
        .where(pr.c.merged_at.is_not(None), pr.c.merged_at <= as_of_db, pr.c.merge_commit_sha.is_not(None))
        .cte("merged_pull_requests")
    )

    # -- changes and their lead times ---------------------------------------------------------------
    commits = schema.commits
    # A change is a non-merge commit (at most one parent) first shipped by a deployment that moved
    # forward (ahead or diverged); rollbacks and redeploys have none.
    changes = (
        select(
            first_shipments.c.repo,
            first_shipments.c.source,
            first_shipments.c.environment,
            first_shipments.c.deployment_id,
            first_shipments.c.deployed_at,
            first_shipments.c.sha,
            commits.c.author_date,
        )
        .select_from(
            first_shipments.join(
                commits,
                and_(commits.c.repo == first_shipments.c.repo, commits.c.sha == first_shipments.c.sha),
            )
        )
        .where(commits.c.parent_count <= 1, first_shipments.c.compare_status.in_(_COMPARES_WITH_CHANGES))
        .cte("changes")
    )
    return FactCtes(counted_deployments, first_shipments, merged_pull_requests, changes)


def _metrics_statement(
    scopes: Sequence[RepoScope], windows: Sequence[WindowSpec], as_of: datetime
) -> Select[Any]:
    # -- inputs -------------------------------------------------------------------------------------
    # Each scope reports to its team and to the organisation row "*", which covers every scope.
    team_scope_rows = sorted(
        {(scope.team, scope.repo, scope.source, scope.environment) for scope in scopes}
        | {(ORGANISATION, scope.repo, scope.source, scope.environment) for scope in scopes}
    )
    team_scopes = select(
        values(
            column("team", String),
            column("repo", String),
            column("source", String),
            column("environment", String),
            name="team_scope_values",
        ).data(team_scope_rows)
    ).cte("team_scopes")
    # Window Nd is (as_of − N days, as_of]: its exclusive start travels with it.
    window_rows = [
        (window.label, window.days, to_db(window_bounds(as_of, window.days)[0])) for window in windows
    ]
    metric_windows = select(
        values(
            column("window_label", String),
            column("window_days", Integer),
            column("starts_after", DateTime),
            name="metric_window_values",
        ).data(window_rows)
    ).cte("metric_windows")
    facts = fact_ctes(scopes, as_of)
    counted_deployments, first_shipments = facts.counted_deployments, facts.first_shipments
    merged_pull_requests, changes = facts.merged_pull_requests, facts.changes
    reviews = schema.pull_request_reviews

    # A change starts at the first commit of the PR it merged (a squash merge's commit, or the last
    # commit of a rebase merge), else at its own author date.
    change_starts = (
        select(
            changes.c.repo,
            changes.c.source,
            changes.c.environment,
            changes.c.deployed_at,
            func.coalesce(func.min(merged_pull_requests.c.first_commit_at), changes.c.author_date).label(
                "started_at"
            ),
        )
        .select_from(
            changes.outerjoin(
                merged_pull_requests,
                and_(
                    merged_pull_requests.c.repo == changes.c.repo,
                    merged_pull_requests.c.merge_commit_sha == changes.c.sha,
                ),
            )
        )
        .group_by(
            changes.c.repo,
            changes.c.source,
            changes.c.environment,
            changes.c.deployment_id,
            changes.c.deployed_at,
            changes.c.sha,
            changes.c.author_date,
        )
        .cte("change_starts")
    )
    # Lead time = deployed_at − start; a change that did not start before its deployment is dropped.
    lead_times = (
        select(
            change_starts.c.repo,
            change_starts.c.source,
            change_starts.c.environment,
            change_starts.c.deployed_at,
            _hours_between(change_starts.c.deployed_at, change_starts.c.started_at).label("lead_time_hours"),
        )
        .where(change_starts.c.deployed_at > change_starts.c.started_at)
        .cte("lead_times")
    )

    # -- lead time breakdown ------------------------------------------------------------------------
    # The first review by someone other than the author, submitted (not PENDING) by the merge: a review
    # after the merge is not on the way to production.
    first_reviews = (
        select(
            merged_pull_requests.c.repo,
            merged_pull_requests.c.number,
            func.min(reviews.c.submitted_at).label("first_review_at"),
        )
        .select_from(
            merged_pull_requests.join(
                reviews,
                and_(
                    reviews.c.repo == merged_pull_requests.c.repo,
                    reviews.c.number == merged_pull_requests.c.number,
                ),
            )
        )
        .where(
            func.upper(reviews.c.state) != "PENDING",
            reviews.c.submitted_at.is_not(None),
            reviews.c.submitted_at <= merged_pull_requests.c.merged_at,
            reviews.c.reviewer.is_distinct_from(merged_pull_requests.c.author),
        )
        .group_by(merged_pull_requests.c.repo, merged_pull_requests.c.number)
        .cte("first_reviews")
    )
    # A PR is deployed by the deployment that first shipped its merge commit. Without a review it has
    # no pickup and no review stage.
    pr_stages = (
        select(
            first_shipments.c.repo,
            first_shipments.c.source,
            first_shipments.c.environment,
            first_shipments.c.deployed_at,
            _stage_hours(merged_pull_requests.c.created_at, merged_pull_requests.c.first_commit_at).label(
                "coding_hours"
            ),
            _stage_hours(first_reviews.c.first_review_at, merged_pull_requests.c.created_at).label(
                "pickup_hours"
            ),
            _stage_hours(merged_pull_requests.c.merged_at, first_reviews.c.first_review_at).label(
                "review_hours"
            ),
            _stage_hours(first_shipments.c.deployed_at, merged_pull_requests.c.merged_at).label(
                "deploy_hours"
            ),
        )
        .select_from(
            first_shipments.join(
                merged_pull_requests,
                and_(
                    merged_pull_requests.c.repo == first_shipments.c.repo,
                    merged_pull_requests.c.merge_commit_sha == first_shipments.c.sha,
                ),
            ).outerjoin(
                first_reviews,
                and_(
                    first_reviews.c.repo == merged_pull_requests.c.repo,
                    first_reviews.c.number == merged_pull_requests.c.number,
                ),
            )
        )
        .cte("deployed_pull_request_stages")
    )

    # -- per team and window ------------------------------------------------------------------------
    def in_team_window(facts: Any) -> Any:
        """``facts`` (with repo, source, environment, deployed_at) joined to each team and window
        that they fall in. The window's end (as_of) is already applied to every deployment."""
        return facts.join(
            team_scopes,
            and_(
                team_scopes.c.repo == facts.c.repo,
                team_scopes.c.source == facts.c.source,
                team_scopes.c.environment == facts.c.environment,
            ),
        ).join(metric_windows, facts.c.deployed_at > metric_windows.c.starts_after)

    team_window = (team_scopes.c.team, metric_windows.c.window_label)
    deployment_counts = (
        select(*team_window, func.count().label("deployments"))
        .select_from(in_team_window(counted_deployments))
        .group_by(*team_window)
        .cte("deployment_counts")
    )
    lead_time_percentiles = (
        select(
            *team_window,
            _median(lead_times.c.lead_time_hours).label("p50"),
            func.percentile_cont(literal(0.9, Double))
            .within_group(lead_times.c.lead_time_hours)
            .label("p90"),
        )
        .select_from(in_team_window(lead_times))
        .group_by(*team_window)
        .cte("lead_time_percentiles")
    )
    # percentile_cont skips nulls: each stage's median is over the PRs that have that stage.
    breakdown_medians = (
        select(
            *team_window,
            *[_median(pr_stages.c[f"{stage}_hours"]).label(stage) for stage in BREAKDOWN_STAGES],
        )
        .select_from(in_team_window(pr_stages))
        .group_by(*team_window)
        .cte("breakdown_medians")
    )

    # Every team with a scope gets a row per window, with 0 deployments and nulls when nothing happened.
    teams = select(team_scopes.c.team).distinct().cte("teams")

    def same_team_window(aggregate: Any) -> ColumnElement[bool]:
        return and_(
            aggregate.c.team == teams.c.team,
            aggregate.c.window_label == metric_windows.c.window_label,
        )

    return select(
        teams.c.team,
        metric_windows.c.window_label.label("window"),
        func.coalesce(deployment_counts.c.deployments, 0).label("deployments"),
        lead_time_percentiles.c.p50.label("lead_time_hours_p50"),
        lead_time_percentiles.c.p90.label("lead_time_hours_p90"),
        *[breakdown_medians.c[stage].label(f"{stage}_hours_p50") for stage in BREAKDOWN_STAGES],
    ).select_from(
        teams.join(metric_windows, true())
        .outerjoin(deployment_counts, same_team_window(deployment_counts))
        .outerjoin(lead_time_percentiles, same_team_window(lead_time_percentiles))
        .outerjoin(breakdown_medians, same_team_window(breakdown_medians))
    )
