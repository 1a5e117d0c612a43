"""DORA delivery metrics per team and window: deployments, lead time for changes and its breakdown.

The definitions, in plain words, are in ``docs/metrics.md``; SPEC §5.2, §5.3 and §6.2 are the contract.
All of it is one SQL statement over the raw facts of ``store.schema``, in portable SQL that runs
unchanged on DuckDB and PostgreSQL. Values (scopes, windows, ``as_of``) travel as bound parameters:
the scopes and windows as ``VALUES`` lists. This module reads the facts and never writes them; the
derived first shipments it reads are brought up to date first (``analytics.shipments``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    CTE,
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Double,
    Engine,
    FromClause,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    true,
    type_coerce,
    union_all,
    values,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType

from analytics.benchmarks import METRICS as BAND_METRICS
from analytics.ownership import ORGANISATION, RepoScope
from analytics.shipments import UNLISTED_COMPARES, refresh_first_shipments
from analytics.windows import WindowSpec, as_utc, window_bounds
from store import schema
from store.arrays import unnested
from store.schema import UNKNOWN_COMPARE
from store.timeutil import to_db

BREAKDOWN_STAGES: tuple[str, ...] = ("coding", "pickup", "review", "deploy")
"""The stages of a PR's way to production, in order (SPEC §5.3)."""


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


@dataclass(frozen=True)
class MetricPoint:
    """One ``as_of`` and the windows ending at it: a snapshot asks for several at once (its own, the
    previous one, one per week of the trend), so every fact is read and joined once for all of them."""

    as_of: datetime
    windows: tuple[WindowSpec, ...]


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
    return compute_dora_points(engine, scopes, [MetricPoint(as_utc(as_of), tuple(windows))])[0]


def compute_dora_points(
    bind: Engine | Connection,
    scopes: Sequence[RepoScope],
    points: Sequence[MetricPoint],
    facts: FactCtes | None = None,
) -> list[list[TeamWindowMetrics]]:
    """``compute_dora`` for each point, in one statement: the rows of ``points[i]`` are element ``i``.
    ``facts`` (from ``materialized_facts`` on ``bind``) saves computing them again."""
    points = [MetricPoint(as_utc(point.as_of), point.windows) for point in points]
    for point in points:
        labels = [window.label for window in point.windows]
        if len(set(labels)) != len(labels):
            raise ValueError(f"windows: each label must be given once, got {labels}")
    results: list[list[TeamWindowMetrics]] = [[] for _ in points]
    if (not scopes and facts is None) or not any(point.windows for point in points):
        return results
    statement = _metrics_statement(scopes, points, facts, dialect=bind.dialect.name)
    with connected(bind) as conn:
        if facts is None:
            refresh_derived(conn, owned=not isinstance(bind, Connection))
        rows = conn.execute(statement).all()
    days_of = [{window.label: window.days for window in point.windows} for point in points]
    # Unpacked by position, in the order of ``_metrics_statement``'s columns.
    for team, index, window, count, p50, p90, *stages in rows:
        days = days_of[index][window]
        results[index].append(
            TeamWindowMetrics(
                team=team,
                window=window,
                window_days=days,
                as_of=points[index].as_of,
                deployments=int(count),
                deployment_frequency_per_day=int(count) / days,
                lead_time_hours_p50=_hours(p50),
                lead_time_hours_p90=_hours(p90),
                lead_time_breakdown_hours_p50={
                    stage: _hours(span) for stage, span in zip(BREAKDOWN_STAGES, stages, strict=True)
                },
            )
        )
    # Sorted here, not in SQL: PostgreSQL's collation may not put "*" first.
    return [
        sorted(metrics, key=lambda m: (m.team != ORGANISATION, m.team, m.window_days, m.window))
        for metrics in results
    ]


def point_windows(points: Sequence[MetricPoint], *, by_day: bool = False) -> CTE:
    """Every (point, window) as a VALUES list: window Nd of a point is (as_of − N days, as_of], its
    exclusive start and inclusive end travelling with it, numbered by ``window_id``.

    ``by_day`` (for PostgreSQL): a row for each calendar day a window touches, with that ``day``, for
    ``in_window``. A fact falls in a window at most once (on its own day), and its join to the windows
    can then be an equality (a hash join) before the range test: PostgreSQL has no range join, and
    tested every fact against every window of every point, about 30 per snapshot (3.5 times the
    snapshot's time at 100,000 deployments). DuckDB's range join is faster than the equality there."""
    pairs = [(index, point, window) for index, point in enumerate(points) for window in point.windows]
    rows: list[tuple[Any, ...]] = []
    for number, (index, point, window) in enumerate(pairs):
        start, end = window_bounds(point.as_of, window.days)
        row = (index, number, window.label, window.days, to_db(start), to_db(end))
        days = range((end.date() - start.date()).days + 1) if by_day else ()
        rows.extend([(*row, start.date() + timedelta(days=day)) for day in days] if by_day else [row])
    columns: list[ColumnClause[Any]] = [
        column("point", Integer),
        column("window_id", Integer),  # (point, window) as one small key to group by
        column("window_label", String),
        column("window_days", Integer),
        column("starts_after", DateTime),
        column("ends_at", DateTime),
        *([column("day", Date)] if by_day else []),
    ]
    name = "metric_window_days" if by_day else "metric_windows"
    return select(values(*columns, name=f"{name}_values").data(rows)).cte(name)


def fact_windows(points: Sequence[MetricPoint], windows: CTE, dialect: str) -> CTE:
    """What the facts are joined to with ``in_window``: ``windows`` (``point_windows(points)``) itself,
    or on PostgreSQL its rows by day (see ``point_windows``)."""
    return point_windows(points, by_day=True) if dialect == "postgresql" else windows


def in_window(facts: Any, windows: Any) -> ColumnElement[bool]:
    """``facts.deployed_at`` in the window of a row of ``windows`` (``point_windows``), on its day."""
    on_its_day = [cast(facts.c.deployed_at, Date) == windows.c.day] if "day" in windows.c else []
    return and_(
        *on_its_day, facts.c.deployed_at > windows.c.starts_after, facts.c.deployed_at <= windows.c.ends_at
    )


def scope_teams_cte(
    scopes: Sequence[RepoScope], name: str = "scope_teams", other_teams: Iterable[str] = ()
) -> CTE:
    """The team of each scope (a scope belongs to one team; the organisation row "*" covers them all).
    ``other_teams`` (the owners of PagerDuty services) that own no scope get a row with an empty
    repository, which no deployment has: they are teams, with rows of their own, but deploy nothing."""
    teams: dict[tuple[str, str, str], str] = {}
    for scope in scopes:
        key = (scope.repo, scope.source, scope.environment)
        if teams.setdefault(key, scope.team) != scope.team:
            raise ValueError(f"scope {key} is given for two teams, {teams[key]} and {scope.team}")
    for team in set(other_teams) - set(teams.values()):
        teams[("", "", team)] = team
    number = {team: index for index, team in enumerate(sorted(set(teams.values())))}
    return rows_cte(
        name,
        ("team", "team_id", "repo", "source", "environment"),
        [(team, number[team], *key) for key, team in teams.items()],
        integers=("team_id",),
    )


def rows_cte(
    name: str,
    columns: Sequence[str],
    rows: Iterable[tuple[str | int, ...]],
    *,
    integers: Collection[str] = (),
) -> CTE:
    """Distinct ``rows`` as a CTE, strings but for the ``integers`` columns, one array parameter per
    column (``store.arrays.unnested``): thousands of scopes stay a handful of parameters."""
    distinct = sorted(set(rows))
    return unnested(
        name,
        [
            (column, Integer if column in integers else String, [row[i] for row in distinct])
            for i, column in enumerate(columns)
        ],
    ).cte(name)


def refresh_derived(conn: Connection, *, owned: bool) -> None:
    """Bring the derived first shipments up to date before reading them; committed at once on a
    connection of our own, else left to the caller's transaction."""
    refresh_first_shipments(conn)
    if owned:
        conn.commit()


@contextmanager
def connected(bind: Engine | Connection) -> Iterator[Connection]:
    """``bind`` itself when it is a connection (its temporary tables visible), else a new one."""
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


def same_scope(left: Any, right: Any) -> ColumnElement[bool]:
    """``left`` and ``right`` are of one scope: the same repo, deployment source and environment."""
    return and_(*[left.c[name] == right.c[name] for name in ("repo", "source", "environment")])


def latest_as_of(points: Sequence[MetricPoint]) -> datetime:
    return max(point.as_of for point in points)


def earliest_start(points: Sequence[MetricPoint]) -> datetime | None:
    """Where the earliest window of ``points`` starts (exclusive): nothing before it is counted."""
    starts = [window_bounds(point.as_of, window.days)[0] for point in points for window in point.windows]
    return min(starts) if starts else None


MICROSECONDS_PER_HOUR = 3_600_000_000.0


def _hours(microseconds: float | None) -> float | None:
    # Percentiles are taken over whole microseconds and only then turned into hours: a median is exact
    # there (the halves of two whole numbers), and one of exactly 3,600 s is exactly 1 h, not
    # 0.9999999999999999 h on the wrong side of a band edge (SPEC §6.3 "< 1 hour"), which interpolating
    # over seconds gave for spans with microseconds (60.000001 s and 7,139.999999 s).
    return None if microseconds is None else float(microseconds) / MICROSECONDS_PER_HOUR


class microseconds_between(FunctionElement[float]):  # lower case, like the SQL functions it stands beside
    """``microseconds_between(later, earlier)``: the span in whole microseconds, as a 64-bit float (exact
    below 285 years) on both databases. PostgreSQL's EXTRACT(epoch FROM interval) is exact (numeric);
    DuckDB subtracts whole microseconds."""

    type = Double()
    inherit_cache = True


@compiles(microseconds_between)
def _compile_microseconds_between(element: microseconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    if compiler.dialect.name == "postgresql":
        return f"CAST(EXTRACT(epoch FROM ({later}) - ({earlier})) * 1000000 AS DOUBLE PRECISION)"
    return f"CAST(epoch_us({later}) - epoch_us({earlier}) AS DOUBLE)"


def _stage_us(later: ColumnElement[Any], earlier: ColumnElement[Any]) -> ColumnElement[Any]:
    # A stage that would be negative (clock skew, odd data) is dropped; null when either end is unknown.
    return case((later >= earlier, microseconds_between(later, earlier)), else_=None)


def _median(value: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.percentile_cont(literal(0.5, Double)).within_group(value)


def _percentiles(value: ColumnElement[Any], *fractions: float) -> ColumnElement[Any]:
    # One ordered-set aggregate for several fractions (an array, 1-based on both databases): the
    # values of a group are gathered and sorted once, not once per fraction.
    wanted = cast(bindparam(None, list(fractions), type_=ARRAY(Double)), ARRAY(Double))
    return type_coerce(func.percentile_cont(wanted).within_group(value), ARRAY(Double))


@dataclass(frozen=True)
class FactCtes:
    """The derived facts every metric stands on, as CTEs (shared by delivery and failure metrics)."""

    scope_teams: FromClause  # each scope (repo, source, environment) with its team and team_id
    counted_deployments: FromClause
    first_shipments: FromClause
    merged_pull_requests: FromClause
    changes: FromClause  # the changes of the counted deployments
    # The changes of every deployment by as_of, whatever ``since``: an incident may name any of them.
    every_change: FromClause
    since: datetime | None = None  # the deployments before it are left out (``fact_ctes``)


Materialize = Callable[[str, Select[Any]], FromClause]


def _as_cte(name: str, statement: Select[Any]) -> FromClause:
    return statement.cte(name)


def fact_ctes(
    scopes: Sequence[RepoScope],
    as_of: datetime,
    materialize: Materialize = _as_cte,
    *,
    since: datetime | None = None,
    other_teams: Iterable[str] = (),
) -> FactCtes:
    """Counted deployments, what each first shipped, merged PRs and changes, as of ``as_of``.

    ``since`` (exclusive) leaves out the deployments before it: a snapshot whose earliest window starts
    there reads a quarter of a two-year history. Every rule that decides about a deployment looks at
    it or later (SPEC §6.1), except an incident's explicit link, which may name an older change:
    ``every_change`` keeps those. ``materialize`` turns the scopes with their teams and each of the
    first three into a CTE (the default) or anything else that can be selected from, such as a
    temporary table (``materialized_facts``)."""
    as_of_db = to_db(as_of)
    since_db = to_db(since) if since is not None else None
    # The scopes and their teams, a table of its own when materialized: the database then knows how
    # many there are (an unnest's rows it guesses, low, and builds its hash joins on the wrong side).
    scope_teams = materialize("scope_teams", select(scope_teams_cte(scopes, "scope_team_rows", other_teams)))

    # -- deployments --------------------------------------------------------------------------------
    d, compares = schema.deployments, schema.deployment_compares
    # A deployment counts when it is of its repo's configured source and environment, reached success
    # (deployed_at set; a failed attempt has none) and happened by as_of. Its compare with the previous
    # deployment says what it shipped; no compare row means unknown.
    counted_deployments = materialize(
        "counted_deployments",
        select(
            d.c.repo,
            d.c.source,
            d.c.environment,
            d.c.deployment_id,
            d.c.deployed_at,
            d.c.sha,
            compares.c.status.label("compare_status"),
            compares.c.base_deployment_id,
            scope_teams.c.team_id,
        )
        .select_from(
            d.join(scope_teams, same_scope(scope_teams, d)).outerjoin(
                compares,
                and_(
                    compares.c.repo == d.c.repo,
                    compares.c.source == d.c.source,
                    compares.c.deployment_id == d.c.deployment_id,
                ),
            )
        )
        .where(
            d.c.deployed_at.is_not(None),
            d.c.deployed_at <= as_of_db,
            *([d.c.deployed_at > since_db] if since_db is not None else []),
        ),
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
    merged_pull_requests = materialize(
        "merged_pull_requests",
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
        .where(pr.c.merged_at.is_not(None), pr.c.merged_at <= as_of_db, pr.c.merge_commit_sha.is_not(None)),
    )

    # Each commit that merged PRs (merge_commit_sha): their earliest first commit and latest merge.
    # Joined to what each deployment shipped once, here, rather than by every statement that asks.
    pull_requests_by_commit = (
        select(
            merged_pull_requests.c.repo,
            merged_pull_requests.c.merge_commit_sha.label("sha"),
            func.min(merged_pull_requests.c.first_commit_at).label("first_commit_at"),
            func.max(merged_pull_requests.c.merged_at).label("last_merged_at"),
        )
        .group_by(merged_pull_requests.c.repo, merged_pull_requests.c.merge_commit_sha)
        .subquery("pull_requests_by_commit")
    )

    # -- what each deployment shipped ---------------------------------------------------------------
    # The deployment that first shipped each commit, from the derived table (``analytics.shipments``,
    # refreshed before any statement reads it): over the whole history, so as of as_of it is the first
    # shipment when that happened by then. A commit re-shipped later (after a rollback) belongs to the
    # deployment that shipped it first; a change is a non-merge commit first shipped by a deployment
    # that moved forward (ahead or diverged). Only the configured scopes count.
    derived = schema.derived_first_shipments
    scoped_derived = derived.join(scope_teams, same_scope(scope_teams, derived))
    first_shipments = materialize(
        "first_shipments",
        select(
            derived.c.repo,
            derived.c.source,
            derived.c.environment,
            derived.c.deployment_id,
            derived.c.deployed_at,
            derived.c.sha,
            derived.c.author_date,
            derived.c.is_change,
            derived.c.revert_message,
            derived.c.head,
            # Null when no PR merged as of as_of has this commit as its merge commit.
            pull_requests_by_commit.c.first_commit_at.label("pr_first_commit_at"),
            pull_requests_by_commit.c.last_merged_at.label("pr_last_merged_at"),
            scope_teams.c.team_id,
        )
        .select_from(
            scoped_derived.outerjoin(
                pull_requests_by_commit,
                and_(
                    pull_requests_by_commit.c.repo == derived.c.repo,
                    pull_requests_by_commit.c.sha == derived.c.sha,
                ),
            )
        )
        .where(
            derived.c.deployed_at <= as_of_db,
            *([derived.c.deployed_at > since_db] if since_db is not None else []),
        ),
    )

    # -- changes ------------------------------------------------------------------------------------
    changes = (
        select(
            first_shipments.c.repo,
            first_shipments.c.source,
            first_shipments.c.environment,
            first_shipments.c.deployment_id,
            first_shipments.c.deployed_at,
            first_shipments.c.sha,
            first_shipments.c.author_date,
            first_shipments.c.revert_message,
            first_shipments.c.head,
            first_shipments.c.pr_first_commit_at,
            first_shipments.c.pr_last_merged_at,
            first_shipments.c.team_id,
        )
        .where(first_shipments.c.is_change)
        .subquery("changes")
    )
    every_change = (
        changes
        if since_db is None
        else select(
            derived.c.repo,
            derived.c.source,
            derived.c.environment,
            derived.c.deployment_id,
            derived.c.deployed_at,
            derived.c.sha,
            derived.c.head,
        )
        .select_from(scoped_derived)
        .where(derived.c.is_change, derived.c.deployed_at <= as_of_db)
        .subquery("every_change")
    )
    return FactCtes(
        scope_teams,
        counted_deployments,
        first_shipments,
        merged_pull_requests,
        changes,
        every_change,
        since,
    )


def materialized_facts(
    conn: Connection,
    scopes: Sequence[RepoScope],
    as_of: datetime,
    *,
    since: datetime | None = None,
    other_teams: Iterable[str] = (),
) -> FactCtes:
    """The facts as temporary tables on ``conn``, for several statements to read: the window over every
    shipped commit and the join with the commits then run once per snapshot instead of once per
    statement. They live in ``conn``'s transaction, which is never committed: they are gone with it."""

    return fact_ctes(scopes, as_of, temporary_tables(conn), since=since, other_teams=other_teams)


def temporary_tables(conn: Connection) -> Materialize:
    """A ``Materialize`` that makes each statement a temporary table on ``conn``."""

    def temporary(name: str, statement: Select[Any]) -> FromClause:
        # Created empty, then filled by INSERT … SELECT: CREATE TABLE … AS is DDL and would render the
        # scopes' arrays as literals, thousands of them that the database parses and folds each time.
        columns = [
            Column(selected.name, selected.type, quote=True) for selected in statement.selected_columns
        ]
        for column_ in columns:
            if isinstance(column_.type, NullType):
                raise TypeError(f"analytics_{name}.{column_.name}: the statement gives the column no type")
        table = Table(f"analytics_{name}", MetaData(), *columns, prefixes=["TEMPORARY"])
        table.create(conn)
        conn.execute(insert(table).from_select([column_.name for column_ in columns], statement))
        return table

    return temporary


def _metrics_statement(
    scopes: Sequence[RepoScope],
    points: Sequence[MetricPoint],
    facts: FactCtes | None = None,
    *,
    dialect: str = "duckdb",
) -> Select[Any]:
    # -- inputs -------------------------------------------------------------------------------------
    metric_windows = point_windows(points)
    window_days = fact_windows(points, metric_windows, dialect)
    # The facts as of the latest point; an earlier point sees the deployments up to its own as_of
    # (a prefix in time, so what each of them first shipped is the same) and the PRs merged by then.
    facts = facts or fact_ctes(scopes, latest_as_of(points))
    scope_teams = facts.scope_teams
    counted_deployments, first_shipments = facts.counted_deployments, facts.first_shipments
    merged_pull_requests, changes = facts.merged_pull_requests, facts.changes
    reviews = schema.pull_request_reviews

    window_key = (window_days.c.window_id,)

    # A change starts at the first commit of the PR it merged (a squash merge's commit, or the last
    # commit of a rebase merge), else at its own author date. Which PRs are merged depends on the
    # point: a change whose PRs were all merged by its deployment (or that has none, the common case)
    # has one start for every window that counts it, so its lead time is computed once and only
    # (team, deployed_at, hours) meet the windows; a change deployed before one of its PRs was merged
    # takes the aggregate where every PR is merged by the window's end, else reads the PRs one by one.
    # The PRs each change merged come with it (``fact_ctes``: ``pr_first_commit_at``, ``pr_last_merged_at``).
    # A subquery, not a CTE: read twice, a CTE is written out whole first (a million rows at a million
    # deployments), where each reader can scan the changes with its own filter (this statement 1.15
    # times faster on DuckDB, 1.02 to 1.10 on PostgreSQL, the same rows).
    team_changes = (
        select(
            changes.c.team_id,
            changes.c.repo,
            changes.c.deployment_id,
            changes.c.deployed_at,
            changes.c.sha,
            changes.c.author_date,
            changes.c.pr_last_merged_at.label("last_merged_at"),
            case(
                (changes.c.pr_last_merged_at.is_(None), changes.c.author_date),
                else_=func.coalesce(changes.c.pr_first_commit_at, changes.c.author_date),
            ).label("settled_start"),
        )
        .select_from(changes)
        .subquery("team_changes")
    )
    settled_at_deployment = or_(
        team_changes.c.last_merged_at.is_(None), team_changes.c.last_merged_at <= team_changes.c.deployed_at
    )
    fixed_leads = (
        select(
            team_changes.c.team_id,
            team_changes.c.deployed_at,
            microseconds_between(team_changes.c.deployed_at, team_changes.c.settled_start).label(
                "lead_time_us"
            ),
        )
        .where(settled_at_deployment, team_changes.c.deployed_at > team_changes.c.settled_start)
        .subquery("fixed_lead_times")
    )
    fixed_rows = select(
        fixed_leads.c.team_id, *window_key, fixed_leads.c.lead_time_us.label("lead_time_us")
    ).select_from(fixed_leads.join(window_days, in_window(fixed_leads, window_days)))
    early = (
        select(team_changes, window_days.c.window_id, window_days.c.ends_at)
        .select_from(team_changes.join(window_days, in_window(team_changes, window_days)))
        .where(~settled_at_deployment)
        .cte("deployed_before_merge")
    )
    early_settled = select(
        early.c.team_id,
        early.c.window_id,
        microseconds_between(early.c.deployed_at, early.c.settled_start).label("lead_time_us"),
    ).where(early.c.last_merged_at <= early.c.ends_at, early.c.deployed_at > early.c.settled_start)
    unsettled_starts = (
        select(
            early.c.team_id,
            early.c.window_id,
            early.c.deployed_at,
            func.coalesce(func.min(merged_pull_requests.c.first_commit_at), early.c.author_date).label(
                "started_at"
            ),
        )
        .select_from(
            early.outerjoin(
                merged_pull_requests,
                and_(
                    merged_pull_requests.c.repo == early.c.repo,
                    merged_pull_requests.c.merge_commit_sha == early.c.sha,
                    merged_pull_requests.c.merged_at <= early.c.ends_at,
                ),
            )
        )
        .where(early.c.last_merged_at > early.c.ends_at)
        .group_by(
            early.c.team_id,
            early.c.window_id,
            early.c.repo,
            early.c.deployment_id,
            early.c.deployed_at,
            early.c.sha,
            early.c.author_date,
        )
        .subquery("unsettled_starts")
    )
    # Lead time = deployed_at − start; a change that did not start before its deployment is dropped.
    early_unsettled = select(
        unsettled_starts.c.team_id,
        unsettled_starts.c.window_id,
        microseconds_between(unsettled_starts.c.deployed_at, unsettled_starts.c.started_at).label(
            "lead_time_us"
        ),
    ).where(unsettled_starts.c.deployed_at > unsettled_starts.c.started_at)
    lead_times = union_all(fixed_rows, early_settled, early_unsettled).cte("lead_times")

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

    # A PR is deployed by the deployment that first shipped its merge commit, once it is merged as of
    # the point. Without a review it has no pickup and no review stage. The first deployment of the
    # collected history ships the PR its own commit merged, with its changes unknown: that PR has
    # every stage but deploy (SPEC §5.2); its commit is its first shipment, so a deployment that ships
    # it again does not deploy that PR a second time. The PR at the commit of a deployment GitHub could
    # not compare (unknown) is deployed by nobody, and for the same reason not by a later deployment.
    # A few rows (one per repository, and the rare unknown compares): cheaper to join to the PRs' few
    # commits than to carry a flag on each of the millions of first shipments.
    unlisted_deployments = (
        select(
            counted_deployments.c.repo,
            counted_deployments.c.source,
            counted_deployments.c.deployment_id,
            counted_deployments.c.compare_status,
        )
        .where(counted_deployments.c.compare_status.in_(UNLISTED_COMPARES))
        .subquery("unlisted_deployments")
    )
    pr_stages = (
        select(
            first_shipments.c.team_id,
            *window_key,
            _stage_us(merged_pull_requests.c.created_at, merged_pull_requests.c.first_commit_at).label(
                "coding_us"
            ),
            _stage_us(first_reviews.c.first_review_at, merged_pull_requests.c.created_at).label("pickup_us"),
            _stage_us(merged_pull_requests.c.merged_at, first_reviews.c.first_review_at).label("review_us"),
            case(
                (unlisted_deployments.c.deployment_id.is_not(None), cast(null(), Double)),
                else_=_stage_us(first_shipments.c.deployed_at, merged_pull_requests.c.merged_at),
            ).label("deploy_us"),
        )
        .select_from(
            first_shipments.join(
                merged_pull_requests,
                and_(
                    merged_pull_requests.c.repo == first_shipments.c.repo,
                    merged_pull_requests.c.merge_commit_sha == first_shipments.c.sha,
                ),
            )
            .outerjoin(
                first_reviews,
                and_(
                    first_reviews.c.repo == merged_pull_requests.c.repo,
                    first_reviews.c.number == merged_pull_requests.c.number,
                ),
            )
            .outerjoin(
                unlisted_deployments,
                and_(
                    unlisted_deployments.c.repo == first_shipments.c.repo,
                    unlisted_deployments.c.source == first_shipments.c.source,
                    unlisted_deployments.c.deployment_id == first_shipments.c.deployment_id,
                ),
            )
            .join(
                window_days,
                and_(
                    in_window(first_shipments, window_days),
                    merged_pull_requests.c.merged_at <= window_days.c.ends_at,
                ),
            )
        )
        # The few commits that merged a PR, before the join reads the PRs.
        .where(
            first_shipments.c.pr_last_merged_at.is_not(None),
            unlisted_deployments.c.compare_status.is_distinct_from(UNKNOWN_COMPARE),
        )
        .cte("deployed_pull_request_stages")
    )

    # -- per team and window ------------------------------------------------------------------------
    team_deployments = (
        select(counted_deployments.c.team_id, counted_deployments.c.deployed_at)
        .select_from(counted_deployments)
        .subquery("team_deployments")
    )
    windowed_deployments = (
        select(team_deployments.c.team_id, *window_key)
        .select_from(team_deployments.join(window_days, in_window(team_deployments, window_days)))
        .subquery("windowed_deployments")
    )
    deployment_counts = counts_per_team(windowed_deployments, "deployments", "deployment_counts")
    lead_time_percentiles = per_team(
        lead_times,
        [_percentiles(lead_times.c.lead_time_us, 0.5, 0.9).label("p50_p90")],
        "lead_time_percentiles",
    )
    # percentile_cont skips nulls: each stage's median is over the PRs that have that stage.
    breakdown_medians = per_team(
        pr_stages,
        [_median(pr_stages.c[f"{stage}_us"]).label(stage) for stage in BREAKDOWN_STAGES],
        "breakdown_medians",
    )

    # Every team with a scope gets a row per window, with 0 deployments and nulls when nothing happened.
    teams = (
        select(scope_teams.c.team, scope_teams.c.team_id)
        .union(select(literal(ORGANISATION, String).label("team"), literal(ORGANISATION_ID, Integer)))
        .cte("teams")
    )

    def same_team_window(aggregate: Any) -> ColumnElement[bool]:
        return and_(
            aggregate.c.team_id == teams.c.team_id,
            aggregate.c.window_id == metric_windows.c.window_id,
        )

    return select(
        teams.c.team,
        metric_windows.c.point,
        metric_windows.c.window_label.label("window"),
        func.coalesce(deployment_counts.c.deployments, 0).label("deployments"),
        lead_time_percentiles.c.p50_p90[1].label("lead_time_us_p50"),
        lead_time_percentiles.c.p50_p90[2].label("lead_time_us_p90"),
        *[breakdown_medians.c[stage].label(f"{stage}_us_p50") for stage in BREAKDOWN_STAGES],
    ).select_from(
        teams.join(metric_windows, true())
        .outerjoin(deployment_counts, same_team_window(deployment_counts))
        .outerjoin(lead_time_percentiles, same_team_window(lead_time_percentiles))
        .outerjoin(breakdown_medians, same_team_window(breakdown_medians))
    )


ORGANISATION_ID = -1  # the team_id of the organisation's rows ("*")


def per_team(rows: Any, aggregates: Sequence[ColumnElement[Any]], name: str) -> CTE:
    """``aggregates`` over ``rows`` (team_id, window_id, …) per team and window, and the same over all
    of them as the organisation's ("*") rows. Small integer keys: these group millions of rows."""
    return union_all(
        select(rows.c.team_id, rows.c.window_id, *aggregates).group_by(rows.c.team_id, rows.c.window_id),
        select(literal(ORGANISATION_ID, Integer).label("team_id"), rows.c.window_id, *aggregates).group_by(
            rows.c.window_id
        ),
    ).cte(name)


def counts_per_team(rows: Any, label: str, name: str) -> CTE:
    """``count(*)`` of ``rows`` (team_id, window_id; every row of a team) per team and window as
    ``label``, and the organisation's as the sum of its teams': the rows are read once."""
    of_teams = (
        select(rows.c.team_id, rows.c.window_id, func.count().label(label))
        .group_by(rows.c.team_id, rows.c.window_id)
        .cte(f"{name}_of_teams")
    )
    organisation = select(
        literal(ORGANISATION_ID, Integer).label("team_id"),
        of_teams.c.window_id,
        cast(func.sum(of_teams.c[label]), BigInteger).label(label),
    ).group_by(of_teams.c.window_id)
    return union_all(select(of_teams), organisation).cte(name)
