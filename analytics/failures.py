"""Failed deployments, recovery, incidents and rework (SPEC §6.1, §6.2).

The facts come from the store through the same CTEs as the delivery metrics (``analytics.dora``), so
"deployment" and "change" mean exactly the same thing in both. Attribution is set-based SQL that runs
unchanged on DuckDB and PostgreSQL: each rule yields evidence rows once, for every deployment, and each
point in time (a snapshot's as_of, the previous window, every week of the trend) reads which evidence
holds by then.

A deployment F is failed when
1. *explicit*: an incident's title or description holds a 7–40 character hex string that begins the
   sha of a change of F;
2. *rollback*: a later deployment is a rollback (compare ``behind``) whose previous deployment is F;
3. *revert*: a later deployment ships a commit saying ``This reverts commit <sha>`` of a change of F;
4. *window*: an incident with no explicit link started in (F.deployed_at, F.deployed_at + window] on
   F's service, and F is that service's latest deployment before the incident started.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, overload

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Connection,
    DateTime,
    Double,
    Engine,
    FromClause,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)

from analytics.dora import (
    MICROSECONDS_PER_HOUR,
    ORGANISATION_ID,
    FactCtes,
    Materialize,
    MetricPoint,
    connected,
    counts_per_team,
    earliest_start,
    fact_ctes,
    fact_windows,
    in_window,
    latest_as_of,
    microseconds_between,
    per_team,
    point_windows,
    refresh_derived,
    rows_cte,
    same_scope,
)
from analytics.ordering import bytewise
from analytics.ownership import ORGANISATION, PagerDutyScope, RepoScope
from analytics.shipments import sha_head
from analytics.windows import WindowSpec, as_utc
from store import schema
from store.timeutil import from_db, to_db

RULES = ("explicit", "rollback", "revert", "window")
_REVERTS_SPLIT = "this reverts commit "

DeploymentKey = tuple[str, str, str, int]  # repo, source, environment, deployment id


@dataclass
class Deployment:
    """A failed deployment: the rules that found it, the incidents behind them, when it may recover."""

    key: DeploymentKey
    team: str
    deployed_at: datetime
    rules: set[str] = field(default_factory=set)
    incident_ids: set[str] = field(default_factory=set)
    recovery_candidates: list[datetime] = field(default_factory=list)

    @property
    def repo(self) -> str:
        return self.key[0]

    @property
    def failed(self) -> bool:
        return bool(self.rules)

    def recovered_at(self, as_of: datetime) -> datetime | None:
        """Earliest end of the failure by ``as_of``: an incident resolved, a rollback or revert deployed;
        never before the deployment (an incident resolved before it shipped ended nothing of it)."""
        ends = [moment for moment in self.recovery_candidates if self.deployed_at <= moment <= as_of]
        return min(ends) if ends else None


@dataclass(frozen=True)
class Incident:
    source: str
    incident_id: str
    team: str
    services: tuple[str, ...]
    text: str
    started_at: datetime
    resolved_at: datetime | None  # None while open as of as_of


@dataclass(frozen=True)
class FailureMetrics:
    change_failure_rate: float | None
    failed_deployment_recovery_hours_p50: float | None
    time_to_restore_hours_p50: float | None
    time_to_restore_hours_p90: float | None
    incidents: int
    rework_rate: float | None
    deployments: int


class EveryDeployment(Sequence[Deployment]):
    """Every counted deployment as of the latest point, in deployment order, the failed ones with their
    flags: read from the store on first use only, as a snapshot needs just the failed ones (and a
    million Python objects would cost more than the whole snapshot)."""

    def __init__(
        self, engine: Engine, statement: Select[Any] | None, failed: dict[DeploymentKey, Deployment]
    ):
        self._engine, self._statement, self._failed = engine, statement, failed
        self._loaded: list[Deployment] | None = None

    def _all(self) -> list[Deployment]:
        if self._loaded is None:
            found = dict(self._failed)
            if self._statement is not None:
                with self._engine.connect() as conn:
                    for row in conn.execute(self._statement):
                        key = (row.repo, row.source, row.environment, int(row.deployment_id))
                        if key not in found:
                            deployed_at = from_db(row.deployed_at)
                            assert deployed_at is not None  # counted deployments have one
                            found[key] = Deployment(key=key, team=row.team, deployed_at=deployed_at)
            self._loaded = _in_order(found.values())
        return self._loaded

    @overload
    def __getitem__(self, index: int) -> Deployment: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Deployment]: ...
    def __getitem__(self, index: int | slice) -> Deployment | Sequence[Deployment]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())


def _in_order(deployments: Iterable[Deployment]) -> list[Deployment]:
    return sorted(deployments, key=lambda d: (d.key[:3], d.deployed_at, d.key[3]))


@dataclass(frozen=True)
class FailureResult:
    by_team_window: dict[tuple[str, str], FailureMetrics]
    deployments: Sequence[Deployment]  # every counted deployment, flags filled in (read on first use)
    incidents: tuple[Incident, ...]
    failed: tuple[Deployment, ...] = ()  # the failed ones, in deployment order


_MICROSECOND = timedelta(microseconds=1)


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600.0


def load_incidents(
    bind: Engine | Connection,
    scopes: Sequence[RepoScope],
    pagerduty_scopes: Sequence[PagerDutyScope],
    as_of: datetime,
) -> list[Incident]:
    """Incidents started by ``as_of`` on a collected repo or PagerDuty service, with their team and
    services; one resolved after ``as_of`` is still open."""
    incidents = schema.incidents
    repo_scope = {scope.repo: scope for scope in scopes}
    pagerduty_scope = {scope.service_id: scope for scope in pagerduty_scopes}
    as_of_db = to_db(as_of)
    found: list[Incident] = []
    with connected(bind) as conn:
        for row in conn.execute(select(incidents).where(incidents.c.started_at <= as_of_db)):
            if row.source == "pagerduty" and row.service in pagerduty_scope:
                pd = pagerduty_scope[row.service]
                team, services = pd.team, pd.services
            elif row.source == "github" and row.service in repo_scope:
                scope = repo_scope[row.service]
                team, services = scope.team, (scope.service_name,)
            else:
                continue
            resolved = from_db(row.resolved_at)
            found.append(
                Incident(
                    source=row.source,
                    incident_id=f"{row.source}:{row.incident_id}",
                    team=team,
                    services=services,
                    text=f"{row.title}\n{row.description or ''}".lower(),
                    started_at=from_db(row.started_at),  # type: ignore[arg-type]
                    resolved_at=resolved if resolved is not None and resolved <= as_of else None,
                )
            )
    return sorted(found, key=lambda incident: (incident.started_at, incident.incident_id))


# -- the facts of attribution, as CTEs ---------------------------------------------------------------


@dataclass(frozen=True)
class _Attribution:
    """Failure evidence and rework of every counted deployment as of the latest point, as CTEs.

    An evidence row says: deployment F failed by ``rule`` for every as_of in [valid_from, valid_until)
    (``valid_until`` null: from then on), found through ``incident_id`` (explicit and window rules),
    recovering at ``recovery_at`` once that instant is past. Earlier points read the same rows, so the
    snapshot attributes once for its own as_of, the previous window and every week of the trend."""

    deployments: FromClause  # counted deployments with their team and service
    evidence: FromClause
    rework: FromClause  # deployment key, deployed_at, rework_at: rework for every as_of from rework_at
    incidents: CTE  # in-scope incidents: incident_id, team, started_at, resolved_at (as stored)
    deployment_teams: FromClause  # ``FactCtes.scope_teams``: each scope's team and team_id


def _key(table: Any) -> tuple[Any, ...]:
    return (table.c.repo, table.c.source, table.c.environment, table.c.deployment_id)


def _rollbacks(deployments: Any) -> Any:
    """The rollbacks (compare ``behind`` their previous deployment), with their deployed_at twice (the
    instant they became rework): none made at its previous deployment's own instant (rule 2)."""
    base = deployments.alias("rollback_base")
    same_instant = and_(
        base.c.repo == deployments.c.repo,
        base.c.source == deployments.c.source,
        base.c.environment == deployments.c.environment,
        base.c.deployment_id == deployments.c.base_deployment_id,
        base.c.deployed_at == deployments.c.deployed_at,
    )
    return (
        select(*_key(deployments), deployments.c.deployed_at, deployments.c.deployed_at.label("rework_at"))
        .select_from(deployments.outerjoin(base, same_instant))
        .where(
            deployments.c.compare_status == "behind",
            deployments.c.base_deployment_id.is_not(None),
            base.c.deployment_id.is_(None),
        )
    )


def _same_deployment(left: Any, right: Any) -> ColumnElement[bool]:
    return and_(*[a == b for a, b in zip(_key(left), _key(right), strict=True)])


def _hex_prefix_of(sha: ColumnElement[Any], head: ColumnElement[Any], token: ColumnElement[Any]) -> Any:
    # Tokens are 7–40 hex characters: equal heads (their first 7 digits as an integer, kept with each
    # first shipment) let the database hash-join on integers, and starts_with then checks the whole
    # prefix, lower-cased for the few pairs the join finds only.
    return and_(head == sha_head(token), func.starts_with(func.lower(sha), token))


def _attribution(
    scopes: Sequence[RepoScope],
    pagerduty_scopes: Sequence[PagerDutyScope],
    as_of: datetime,
    attribution_window: timedelta,
    rework_labels: Sequence[str],
    facts: FactCtes | None = None,
    materialize: Materialize | None = None,
) -> _Attribution:
    """The attribution CTEs; with ``materialize``, the evidence and rework become what it makes of
    them (temporary tables), read by several statements."""
    facts = facts or fact_ctes(scopes, as_of, other_teams=(p.team for p in pagerduty_scopes))
    changes, counted, since = facts.changes, facts.counted_deployments, facts.since
    repo_scopes = rows_cte(
        "repo_scopes",
        ("repo", "source", "environment", "team", "service"),
        ((s.repo, s.source, s.environment, s.team, s.service_name) for s in scopes),
    )
    # Whom an incident counts for, and whose deployments it may fail (SPEC §4): a GitHub incident issue
    # is its repository's; a PagerDuty incident its service's team's, failing the mapped services.
    incident_owners = rows_cte(
        "incident_owners",
        ("source", "service_key", "team"),
        [("github", s.repo, s.team) for s in scopes]
        + [("pagerduty", p.service_id, p.team) for p in pagerduty_scopes],
    )
    incident_services = rows_cte(
        "incident_services",
        ("source", "service_key", "service"),
        [("github", s.repo, s.service_name) for s in scopes]
        + [("pagerduty", p.service_id, service) for p in pagerduty_scopes for service in p.services],
    )
    scoped = select(counted, repo_scopes.c.team, repo_scopes.c.service).select_from(
        counted.join(repo_scopes, same_scope(repo_scopes, counted))
    )
    # Read by the sweep, the evidence and the aggregates: joined to the scopes once when materialized.
    deployments = (
        materialize("scoped_deployments", scoped) if materialize else scoped.cte("scoped_deployments")
    )
    raw = schema.incidents
    incidents = (
        select(
            (raw.c.source + literal(":") + raw.c.incident_id).label("incident_id"),
            raw.c.source,
            raw.c.service.label("service_key"),
            incident_owners.c.team,
            raw.c.started_at,
            raw.c.resolved_at,
            raw.c.title,
            raw.c.description,
        )
        .select_from(
            raw.join(
                incident_owners,
                and_(
                    incident_owners.c.source == raw.c.source, incident_owners.c.service_key == raw.c.service
                ),
            )
        )
        .where(raw.c.started_at <= to_db(as_of))
        .cte("scoped_incidents")
    )
    on_services = select(
        incidents.c.incident_id,
        incidents.c.started_at,
        incidents.c.resolved_at,
        incident_services.c.service,
    ).select_from(
        incidents.join(
            incident_services,
            and_(
                incident_services.c.source == incidents.c.source,
                incident_services.c.service_key == incidents.c.service_key,
            ),
        )
    )
    if since is not None:  # what ended before since changes nothing after it (the sweep below)
        since_db = to_db(since)
        on_services = on_services.where(
            or_(
                incidents.c.started_at > since_db,
                incidents.c.resolved_at.is_(None),
                incidents.c.resolved_at > since_db,
            )
        )
    incident_on_services = on_services.cte("incident_services_of")

    def shas_of(changes: FromClause, name: str) -> Any:
        return select(*_key(changes), changes.c.deployed_at, changes.c.sha, changes.c.head).subquery(name)

    change_shas = shas_of(changes, "change_shas")
    every_change_sha = shas_of(facts.every_change, "every_change_sha")

    # 1. explicit: the words of an incident's text (runs of [0-9a-z], as the regex's boundaries say)
    # that are 7–40 hex characters, each the beginning of a change's sha.
    words = select(
        incidents.c.incident_id,
        func.unnest(
            func.regexp_split_to_array(
                func.lower(incidents.c.title + literal("\n") + func.coalesce(incidents.c.description, "")),
                literal("[^0-9a-z]+"),
            )
        ).label("token"),
    ).subquery("incident_words")
    tokens = (
        select(words.c.incident_id, words.c.token)
        .where(
            func.length(words.c.token).between(7, 40),
            func.translate(words.c.token, literal("0123456789abcdef"), literal("")) == literal(""),
        )
        .distinct()
        .cte("incident_tokens")
    )
    explicit_links = (
        select(tokens.c.incident_id, *_key(every_change_sha), every_change_sha.c.deployed_at)
        .select_from(
            tokens.join(
                every_change_sha,
                _hex_prefix_of(every_change_sha.c.sha, every_change_sha.c.head, tokens.c.token),
            )
        )
        .distinct()
        .cte("explicit_links")
    )
    # An incident with an explicit link is explicit from the moment the linked deployment is counted.
    linked = (
        select(explicit_links.c.incident_id, func.min(explicit_links.c.deployed_at).label("linked_at"))
        .group_by(explicit_links.c.incident_id)
        .cte("linked_incidents")
    )
    no_end, no_incident = cast(null(), DateTime), cast(null(), String)
    explicit = select(
        *_evidence(explicit_links, "explicit", incidents.c.started_at, no_end, incidents.c.incident_id),
        incidents.c.resolved_at.label("recovery_at"),
    ).select_from(explicit_links.join(incidents, incidents.c.incident_id == explicit_links.c.incident_id))
    if since is not None:  # a link to a deployment before since only ends the window rule (below)
        explicit = explicit.where(explicit_links.c.deployed_at > to_db(since))

    # 2. rollback: a later deployment compared "behind" against F, its previous deployment. Later in
    # time: of two deployments at one instant (a merge queue's group, merged_prs), the order by id is no
    # order in time, and the one compared behind the other is no rollback of it (``_rollbacks``).
    later, failed = deployments.alias("later"), deployments.alias("rolled_back")
    rollback = (
        select(
            *_evidence(failed, "rollback", later.c.deployed_at, no_end, no_incident),
            later.c.deployed_at.label("recovery_at"),
        )
        .select_from(
            later.join(
                failed,
                and_(
                    failed.c.repo == later.c.repo,
                    failed.c.source == later.c.source,
                    failed.c.environment == later.c.environment,
                    failed.c.deployment_id == later.c.base_deployment_id,
                ),
            )
        )
        .where(later.c.compare_status == "behind", later.c.deployed_at > failed.c.deployed_at)
    )

    # 3. revert: a change saying "This reverts commit <sha>" reverts an earlier deployment's change
    # (the derived first shipments keep the message of such commits only).
    revert_commits = (
        select(*_key(changes), changes.c.deployed_at, changes.c.revert_message.label("message"))
        .where(changes.c.revert_message.is_not(None))
        .cte("revert_commits")
    )
    # Split after each "this reverts commit "; the leading '#' keeps the text before the first one from
    # passing for a sha. Each piece then begins with the reverted sha, 7–40 hex characters.
    pieces = select(
        *_key(revert_commits),
        revert_commits.c.deployed_at,
        func.unnest(
            func.regexp_split_to_array(
                literal("#") + func.lower(revert_commits.c.message), literal(_REVERTS_SPLIT)
            )
        ).label("piece"),
    ).subquery("revert_pieces")
    reverted = select(
        *_key(pieces),
        pieces.c.deployed_at,
        func.regexp_replace(
            func.substr(pieces.c.piece, 1, 40), literal("[^0-9a-f].*"), literal(""), literal("s")
        ).label("prefix"),
    ).subquery("reverted_prefixes")
    target = change_shas.alias("reverted_change")
    revert = (
        select(
            *_evidence(target, "revert", reverted.c.deployed_at, no_end, no_incident),
            reverted.c.deployed_at.label("recovery_at"),
        )
        .select_from(
            reverted.join(
                target,
                and_(
                    _hex_prefix_of(target.c.sha, target.c.head, reverted.c.prefix),
                    target.c.repo == reverted.c.repo,
                    target.c.source == reverted.c.source,
                    target.c.environment == reverted.c.environment,
                    or_(
                        target.c.deployed_at < reverted.c.deployed_at,
                        and_(
                            target.c.deployed_at == reverted.c.deployed_at,
                            target.c.deployment_id < reverted.c.deployment_id,
                        ),
                    ),
                ),
            )
        )
        .where(func.length(reverted.c.prefix) >= 7)
        .distinct()
    )

    # 4. window: the service's latest deployment before an incident started, within the window, while
    # the incident has no explicit link. One sweep per service over its events in time order numbers
    # each deployment and counts the deployments before each incident start: the latest is the
    # deployment with that number. The same sweep keeps the count of open incidents for rework (below).
    # At one instant the events come in kind order: resolutions (0), incident starts (1), deployments
    # (2, in key order). So a deployment at the instant an incident starts is not before it (the window
    # rule), and that incident is open at it (rework), open from its start until its resolution. The
    # frame is the default one (up to the current row's peers): the order is total among deployments,
    # the only rows whose sums are read for rework, so every row read sees what a running count gives,
    # at a fraction of the cost; both sums share one sort.
    no_id = cast(null(), String).label("incident_id")
    # An incident resolved at or before its start (clock skew, an imported issue) was never open: its
    # -1 would otherwise cancel another incident's +1. It still counts for the window rule.
    open_for_a_while = incident_on_services.c.resolved_at > incident_on_services.c.started_at
    opens = case((or_(incident_on_services.c.resolved_at.is_(None), open_for_a_while), 1), else_=0)
    events = union_all(
        select(
            incident_on_services.c.service,
            incident_on_services.c.resolved_at.label("at"),
            literal(0, Integer).label("kind"),
            literal(0, Integer).label("is_deployment"),
            literal(-1, Integer).label("delta"),
            *_null_key(),
            no_id,
        ).where(open_for_a_while),
        select(
            incident_on_services.c.service,
            incident_on_services.c.started_at,
            literal(1, Integer),
            literal(0, Integer),
            opens,
            *_null_key(),
            incident_on_services.c.incident_id,
        ),
        select(
            deployments.c.service,
            deployments.c.deployed_at,
            literal(2, Integer),
            literal(1, Integer),
            literal(0, Integer),
            *_key(deployments),
            no_id,
        ),
    ).subquery("service_events")
    # Deployments at one instant: by repository, source and environment in code-point order on every
    # backend (a linguistic collation would pick another latest deployment), then by id.
    *texts, deployment_id = _key(events)
    in_order = (events.c.at, events.c.kind, *map(bytewise, texts), deployment_id)
    counted_events = select(
        events.c.service,
        events.c.at,
        events.c.kind,
        *_key(events),
        events.c.incident_id,
        func.sum(events.c.is_deployment)
        .over(partition_by=events.c.service, order_by=in_order)
        .label("number"),
        func.sum(events.c.delta)
        .over(partition_by=events.c.service, order_by=in_order)
        .label("open_incidents"),
    ).subquery("service_events_counted")
    # Only deployments and the window rule's incident starts are read, by two statements.
    sweep_rows = select(counted_events).where(counted_events.c.kind.in_((1, 2)))
    swept = materialize("service_sweep", sweep_rows) if materialize else sweep_rows.cte("service_sweep")
    struck = select(swept).where(swept.c.kind == 1).subquery("struck")
    latest = select(swept).where(swept.c.kind == 2).subquery("latest_before")
    window = (
        select(
            *_evidence(
                latest,
                "window",
                incidents.c.started_at,
                linked.c.linked_at,
                incidents.c.incident_id,
                latest.c.at,
            ),
            incidents.c.resolved_at.label("recovery_at"),
        )
        .select_from(
            struck.join(
                latest,
                and_(latest.c.service == struck.c.service, latest.c.number == struck.c.number),
            )
            .join(incidents, incidents.c.incident_id == struck.c.incident_id)
            .outerjoin(linked, linked.c.incident_id == struck.c.incident_id)
        )
        .where(microseconds_between(struck.c.at, latest.c.at) <= attribution_window // _MICROSECOND)
    )
    evidence_rows = union_all(explicit, rollback, revert, window)
    evidence = (
        materialize("failure_evidence", select(evidence_rows.subquery("evidence_rows")))
        if materialize
        else evidence_rows.cte("failure_evidence")
    )

    # Rework (SPEC §6.2): a rollback, a deployment shipping a revert, a deployment of a change of a
    # merged PR labelled as rework (from its merge on), or one made while its service had an open
    # incident (started at or before it, not resolved at or before it).
    rework_from = [
        _rollbacks(deployments),
        select(*_key(revert_commits), revert_commits.c.deployed_at, revert_commits.c.deployed_at),
    ]
    if rework_labels:
        rework_from.append(_labelled_rework(facts, rework_labels))
    open_at_deployment = (
        select(swept).where(swept.c.kind == 2, swept.c.open_incidents > 0).subquery("open_at_deployment")
    )
    rework_from.append(select(*_key(open_at_deployment), open_at_deployment.c.at, open_at_deployment.c.at))
    rework_rows = union_all(*rework_from).subquery("rework_reasons")
    rework = (
        select(
            *_key(rework_rows),
            rework_rows.c.deployed_at,
            func.min(rework_rows.c.rework_at).label("rework_at"),
        )
        .group_by(*_key(rework_rows), rework_rows.c.deployed_at)
        .cte("rework")
    )
    deployment_teams = facts.scope_teams
    return _Attribution(deployments, evidence, rework, incidents, deployment_teams)


def _evidence(
    failed: Any,
    rule: str,
    valid_from: ColumnElement[Any],
    valid_until: ColumnElement[Any],
    incident_id: ColumnElement[Any],
    deployed_at: ColumnElement[Any] | None = None,
) -> list[Any]:
    """The columns of an evidence row but its recovery: the failed deployment (``failed``'s key and
    deployed_at), the rule, when it holds and the incident it comes through."""
    return [
        *_key(failed),
        (failed.c.deployed_at if deployed_at is None else deployed_at).label("deployed_at"),
        literal(rule).label("rule"),
        valid_from.label("valid_from"),
        valid_until.label("valid_until"),
        incident_id.label("incident_id"),
    ]


def _null_key() -> list[Any]:
    return [
        cast(null(), String).label("repo"),
        cast(null(), String).label("source"),
        cast(null(), String).label("environment"),
        cast(null(), BigInteger).label("deployment_id"),
    ]


def _stored_spellings(conn: Connection, labels: Sequence[str]) -> tuple[str, ...]:
    """The pull request labels stored that are one of ``labels`` whatever their case (GitHub's label names
    are case-insensitive: a repository cannot hold both Hotfix and hotfix), as stored. Case-folded (ß is
    ss), as the collector compares incident labels, and here, not with SQL's lower(), which on
    PostgreSQL follows the database's locale (under C, ASCII only)."""
    wanted = {label.casefold() for label in labels}
    if not wanted:
        return ()
    stored = conn.scalars(select(schema.pull_request_labels.c.label).distinct())
    return tuple(sorted(label for label in stored if label.casefold() in wanted))


def _labelled_rework(facts: FactCtes, labels: Sequence[str]) -> Select[Any]:
    """Deployments one of whose changes belongs to a merged PR carrying one of the rework ``labels``,
    rework from the PR's merge on.

    A change belongs to a PR when it is one of the PR's commits, or the commit its merge produced (a
    squash or rebase merge's ``merge_commit_sha``). The merge commit of a true merge is no change: a
    hotfix deployed from its branch before the merge is the rework, not the deployment that later ships
    the merge commit."""
    changes, merged = facts.changes, facts.merged_pull_requests
    pr_commits, pr_labels = schema.pull_request_commits, schema.pull_request_labels
    rework_pulls = (
        select(merged.c.repo, merged.c.number, merged.c.merge_commit_sha, merged.c.merged_at)
        .select_from(
            merged.join(
                pr_labels, and_(pr_labels.c.repo == merged.c.repo, pr_labels.c.number == merged.c.number)
            )
        )
        .where(pr_labels.c.label.in_(labels))  # the stored spellings (_stored_spellings)
        .distinct()
        .cte("rework_pulls")
    )
    from_merge = func.greatest(changes.c.deployed_at, rework_pulls.c.merged_at)
    by_pull_commit = select(*_key(changes), changes.c.deployed_at, from_merge.label("rework_at")).select_from(
        changes.join(
            pr_commits, and_(pr_commits.c.repo == changes.c.repo, pr_commits.c.sha == changes.c.sha)
        ).join(
            rework_pulls,
            and_(rework_pulls.c.repo == pr_commits.c.repo, rework_pulls.c.number == pr_commits.c.number),
        )
    )
    by_merge_result = (
        select(*_key(changes), changes.c.deployed_at, from_merge)
        .select_from(
            changes.join(
                rework_pulls,
                and_(rework_pulls.c.repo == changes.c.repo, rework_pulls.c.merge_commit_sha == changes.c.sha),
            )
        )
        .where(changes.c.pr_last_merged_at.is_not(None))  # the few that merged a PR, before the join
    )
    return union_all(by_pull_commit, by_merge_result)  # type: ignore[return-value]


def _aggregates_statement(
    attribution: _Attribution, points: Sequence[MetricPoint], *, dialect: str = "duckdb"
) -> Select[Any]:
    """Per team (and "*"), point and window: deployments, failed ones and their median recovery,
    rework, incidents started and their restore times. Grouped by the integer ids of teams and
    windows. The organisation's counts of deployments, failures and rework are the sums of its
    teams' (``counts_per_team``); its incidents are a second aggregate (``per_team``: an incident may
    belong to no team with deployments); its percentiles come from the few failure and incident rows
    doubled for it (``with_organisation``)."""
    evidence, rework, incidents, teams_of = (
        attribution.evidence,
        attribution.rework,
        attribution.incidents,
        attribution.deployment_teams,
    )
    windows = point_windows(points)
    days = fact_windows(points, windows, dialect)  # what the deployments are joined to (``in_window``)

    def of_team(facts: Any) -> Any:
        return facts.join(teams_of, same_scope(teams_of, facts))

    def with_organisation(rows: Any) -> Any:
        """``rows`` (team_id, window_id, hours…) and the same once more as the organisation's."""
        columns = [column_ for column_ in rows.c if column_.name != "team_id"]
        return union_all(
            select(rows),
            select(literal(ORGANISATION_ID, Integer).label("team_id"), *columns),
        ).subquery(f"{rows.name}_with_organisation")

    window_id = days.c.window_id
    deployments = attribution.deployments  # they carry their team_id (``fact_ctes``)
    deployed_now = (
        select(deployments.c.team_id, window_id)
        .select_from(deployments.join(days, in_window(deployments, days)))
        .subquery("deployed_now")
    )
    deployed = counts_per_team(deployed_now, "n", "deployment_counts")
    # A failure counts at a point when its evidence holds then; it recovered at the earliest recovery
    # by then that is not before the deployment itself: an old incident naming its sha, resolved before
    # it shipped, ended nothing of it, and must not hide its rollback.
    recovered_then = and_(
        evidence.c.recovery_at <= days.c.ends_at, evidence.c.recovery_at >= evidence.c.deployed_at
    )
    failed_now = (
        select(
            window_id,
            *_key(evidence),
            evidence.c.deployed_at,
            func.min(case((recovered_then, evidence.c.recovery_at))).label("recovered_at"),
        )
        .select_from(
            evidence.join(
                days,
                and_(
                    in_window(evidence, days),
                    evidence.c.valid_from <= days.c.ends_at,
                    or_(evidence.c.valid_until.is_(None), days.c.ends_at < evidence.c.valid_until),
                ),
            )
        )
        .group_by(window_id, *_key(evidence), evidence.c.deployed_at)
        .subquery("failed_now")
    )
    failed_rows = (
        select(
            teams_of.c.team_id,
            failed_now.c.window_id,
            microseconds_between(failed_now.c.recovered_at, failed_now.c.deployed_at).label("us"),
        )
        .select_from(of_team(failed_now))
        .cte("failed_rows")
    )
    group = ("team_id", "window_id")
    failed = counts_per_team(failed_rows, "failed", "failed_counts")
    recovery = _exact_percentiles(
        with_organisation(failed_rows), group, {"recovery_p50": 0.5}, "recovery_percentiles"
    )
    rework_now = (
        select(teams_of.c.team_id, window_id)
        .select_from(
            of_team(rework).join(days, and_(in_window(rework, days), rework.c.rework_at <= days.c.ends_at))
        )
        .subquery("rework_now")
    )
    reworked = counts_per_team(rework_now, "rework", "rework_counts")
    team_ids = select(teams_of.c.team, teams_of.c.team_id).distinct().cte("team_ids")
    started_in = incidents.c.started_at > windows.c.starts_after
    restored_in = and_(
        incidents.c.resolved_at > windows.c.starts_after, incidents.c.resolved_at <= windows.c.ends_at
    )
    restore_us = case((restored_in, microseconds_between(incidents.c.resolved_at, incidents.c.started_at)))
    incident_rows = (
        select(
            team_ids.c.team_id,
            windows.c.window_id,
            case((started_in, 1), else_=0).label("started"),
            restore_us.label("us"),
        )
        .select_from(
            # An incident of a team without deployments (a null team_id) is still the organisation's.
            incidents.outerjoin(team_ids, team_ids.c.team == incidents.c.team).join(
                windows, and_(incidents.c.started_at <= windows.c.ends_at, or_(started_in, restored_in))
            )
        )
        .cte("incident_rows")
    )
    incident_stats = per_team(
        incident_rows, [func.sum(incident_rows.c.started).label("incidents")], "incident_counts"
    )
    restore = _exact_percentiles(
        with_organisation(incident_rows),
        group,
        {"restore_p50": 0.5, "restore_p90": 0.9},
        "restore_percentiles",
    )
    teams = (
        select(team_ids)
        .union(select(literal(ORGANISATION, String).label("team"), literal(ORGANISATION_ID, Integer)))
        .subquery("teams")
    )

    def same(aggregate: Any) -> ColumnElement[bool]:
        return and_(aggregate.c.team_id == teams.c.team_id, aggregate.c.window_id == windows.c.window_id)

    return select(
        teams.c.team,
        windows.c.point,
        windows.c.window_label.label("window"),
        func.coalesce(deployed.c.n, 0).label("deployments"),
        func.coalesce(failed.c.failed, 0).label("failed"),
        recovery.c.recovery_p50,
        func.coalesce(reworked.c.rework, 0).label("rework"),
        func.coalesce(incident_stats.c.incidents, 0).label("incidents"),
        restore.c.restore_p50,
        restore.c.restore_p90,
    ).select_from(
        teams.join(windows, true())
        .outerjoin(deployed, same(deployed))
        .outerjoin(failed, same(failed))
        .outerjoin(reworked, same(reworked))
        .outerjoin(incident_stats, same(incident_stats))
        .outerjoin(recovery, same(recovery))
        .outerjoin(restore, same(restore))
    )


def _exact_percentiles(rows: Any, group: Sequence[str], fractions: dict[str, float], name: str) -> CTE:
    """``percentile_cont`` of ``rows.us`` per ``group`` in hours, nulls skipped, with one arithmetic
    on both databases (PostgreSQL's own: low + (high − low) × fraction), so that the numbers do not
    move by the last bit from one database to the other. Interpolated over whole microseconds, then
    divided: a median of exactly 3,600 s is exactly 1 h (see ``analytics.dora._hours``)."""
    keys = [rows.c[column_name] for column_name in group]
    ranked = (
        select(
            *keys,
            rows.c.us,
            func.row_number().over(partition_by=keys, order_by=rows.c.us).label("rank"),
            func.count().over(partition_by=keys).label("n"),
        )
        .where(rows.c.us.is_not(None))
        .subquery(f"{name}_ranked")
    )
    columns = []
    for label, fraction in fractions.items():
        position = literal(fraction, Double) * cast(ranked.c.n - 1, Double)
        low = cast(func.floor(position), BigInteger)
        low_value = func.max(case((ranked.c.rank == low + 1, ranked.c.us)))
        high_value = func.max(case((ranked.c.rank == func.least(low + 2, ranked.c.n), ranked.c.us)))
        part = func.max(position - func.floor(position))
        hours = (low_value + (high_value - low_value) * part) / literal(MICROSECONDS_PER_HOUR, Double)
        columns.append(hours.label(label))
    group_keys = [ranked.c[column_name] for column_name in group]
    return select(*group_keys, *columns).group_by(*group_keys).cte(name)


def _failed_statement(attribution: _Attribution, as_of: datetime, since: datetime | None) -> Select[Any]:
    """Evidence holding at ``as_of`` of the deployments after ``since``, with each deployment's team,
    for the list of failed deployments."""
    evidence, teams_of = attribution.evidence, attribution.deployment_teams
    as_of_db = to_db(as_of)
    statement = (
        select(
            *_key(evidence),
            evidence.c.deployed_at,
            evidence.c.rule,
            evidence.c.incident_id,
            evidence.c.recovery_at,
            teams_of.c.team,
        )
        .select_from(evidence.join(teams_of, same_scope(teams_of, evidence)))
        .where(
            evidence.c.deployed_at <= as_of_db,
            evidence.c.valid_from <= as_of_db,
            or_(evidence.c.valid_until.is_(None), evidence.c.valid_until > as_of_db),
        )
    )
    return statement if since is None else statement.where(evidence.c.deployed_at > to_db(since))


@dataclass(frozen=True)
class FailurePoints:
    by_point: list[dict[tuple[str, str], FailureMetrics]]  # per point: (team, window) → metrics
    deployments: EveryDeployment  # as of the latest point
    failed: tuple[Deployment, ...]  # failed as of the latest point, in its windows, flags filled in
    incidents: tuple[Incident, ...]  # incidents as of the latest point (when asked for)


def compute_failures_points(
    bind: Engine | Connection,
    scopes: Sequence[RepoScope],
    points: Sequence[MetricPoint],
    *,
    pagerduty_scopes: Sequence[PagerDutyScope] = (),
    attribution_window: timedelta = timedelta(hours=24),
    rework_labels: Sequence[str] = (),
    with_incidents: bool = True,
    facts: FactCtes | None = None,
    materialize: Materialize | None = None,
) -> FailurePoints:
    """Failure, recovery, incident and rework metrics of every team (and ``"*"``) for every window of
    every point, and the deployments failed as of the latest point in its windows (those its change
    failure rates count; what the reports list). ``facts`` and ``materialize`` (on a connection
    ``bind``) let the snapshot compute each intermediate result once."""
    engine = bind.engine if isinstance(bind, Connection) else bind
    points = [MetricPoint(as_utc(point.as_of), point.windows) for point in points]
    if (not scopes and not pagerduty_scopes) or not points:
        return FailurePoints([{} for _ in points], EveryDeployment(engine, None, {}), (), ())
    latest = latest_as_of(points)
    by_point: list[dict[tuple[str, str], FailureMetrics]] = [{} for _ in points]
    failed: dict[DeploymentKey, Deployment] = {}
    with connected(bind) as conn:
        if facts is None:
            refresh_derived(conn, owned=not isinstance(bind, Connection))
        labels = _stored_spellings(conn, rework_labels)
        attribution = _attribution(
            scopes, pagerduty_scopes, latest, attribution_window, labels, facts, materialize
        )
        if any(point.windows for point in points):
            # A row per team, point and window: fetched at once and unpacked by position (the order
            # of ``_aggregates_statement``'s columns).
            aggregates = conn.execute(
                _aggregates_statement(attribution, points, dialect=conn.dialect.name)
            ).all()
            for team, point, window, count, failed_count, recovery, rework, incidents, p50, p90 in aggregates:
                deployments = int(count)
                by_point[point][(team, window)] = FailureMetrics(
                    change_failure_rate=int(failed_count) / deployments if deployments else None,
                    failed_deployment_recovery_hours_p50=_float(recovery),
                    time_to_restore_hours_p50=_float(p50),
                    time_to_restore_hours_p90=_float(p90),
                    incidents=int(incidents),
                    rework_rate=int(rework) / deployments if deployments else None,
                    deployments=deployments,
                )
        # Tens of thousands of rows over a long history: fetched at once and unpacked by position.
        # Only the latest point's windows: the earlier points' failed deployments (half a year of a
        # snapshot's weekly trend) would be fetched and made into objects for nothing.
        latest_since = earliest_start([point for point in points if point.as_of == latest])
        rows = conn.execute(_failed_statement(attribution, latest, latest_since)).all()
        for (
            repo,
            source,
            environment,
            deployment_id,
            deployed_at,
            rule,
            incident_id,
            recovery_at,
            team,
        ) in rows:
            key = (repo, source, environment, int(deployment_id))
            deployment = failed.get(key)
            if deployment is None:
                deployment = failed[key] = Deployment(key=key, team=team, deployed_at=_aware(deployed_at))
            deployment.rules.add(rule)
            if incident_id is not None:
                deployment.incident_ids.add(incident_id)
            if recovery_at is not None:
                deployment.recovery_candidates.append(_aware(recovery_at))
    incidents = load_incidents(bind, scopes, pagerduty_scopes, latest) if with_incidents else []
    # Read later, maybe after ``bind``'s temporary tables are gone: from the store's own tables.
    stored = fact_ctes(scopes, latest)
    counted, teams = stored.counted_deployments, stored.scope_teams
    every = select(*_key(counted), counted.c.deployed_at, teams.c.team).select_from(
        counted.join(teams, same_scope(teams, counted))
    )
    return FailurePoints(
        by_point, EveryDeployment(engine, every, failed), tuple(_in_order(failed.values())), tuple(incidents)
    )


def _aware(value: datetime) -> datetime:
    """``store.timeutil.from_db`` for a value known not to be null."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def compute_failures(
    engine: Engine,
    scopes: Sequence[RepoScope],
    windows: Sequence[WindowSpec],
    as_of: datetime,
    *,
    pagerduty_scopes: Sequence[PagerDutyScope] = (),
    attribution_window: timedelta = timedelta(hours=24),
    rework_labels: Sequence[str] = (),
) -> FailureResult:
    """Failure, recovery, incident and rework metrics of every team (and ``"*"``) for every window."""
    result = compute_failures_points(
        engine,
        scopes,
        [MetricPoint(as_utc(as_of), tuple(windows))],
        pagerduty_scopes=pagerduty_scopes,
        attribution_window=attribution_window,
        rework_labels=rework_labels,
    )
    return FailureResult(result.by_point[0], result.deployments, result.incidents, result.failed)
