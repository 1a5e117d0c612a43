"""Failed deployments, recovery, incidents and rework (SPEC §6.1, §6.2).

The facts come from the store through the same CTEs as the delivery metrics (``analytics.dora``), so
"deployment" and "change" mean exactly the same thing in both. Attribution then runs here, rule by
rule, because it matches text (shas in incident titles, ``This reverts commit``) and walks deployments
in order, which reads more plainly in Python than in SQL that must run on DuckDB and PostgreSQL alike.

A deployment F is failed when
1. *explicit*: an incident's title or description holds a 7–40 character hex string that begins the
   sha of a change of F;
2. *rollback*: a later deployment is a rollback (compare ``behind``) whose previous deployment is F;
3. *revert*: a later deployment ships a commit saying ``This reverts commit <sha>`` of a change of F;
4. *window*: an incident with no explicit link started in (F.deployed_at, F.deployed_at + window] on
   F's service, and F is that service's latest deployment before the incident started.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, select

from analytics.dora import fact_ctes
from analytics.ownership import ORGANISATION, PagerDutyScope, RepoScope
from analytics.percentile import percentile_cont
from analytics.windows import WindowSpec, as_utc, window_bounds
from store import schema
from store.timeutil import from_db, to_db

RULES = ("explicit", "rollback", "revert", "window")
_HEX = re.compile(r"(?<![0-9a-z])[0-9a-f]{7,40}(?![0-9a-z])")
_REVERTS = re.compile(r"this reverts commit ([0-9a-f]{7,40})")
_REVERT_MARKER = "This reverts commit"

DeploymentKey = tuple[str, str, str, int]  # repo, source, environment, deployment id


@dataclass
class Deployment:
    key: DeploymentKey
    team: str
    service: str
    deployed_at: datetime
    compare_status: str | None
    base_deployment_id: int | None
    changes: set[str] = field(default_factory=set)
    rules: set[str] = field(default_factory=set)
    incident_ids: set[str] = field(default_factory=set)
    recovery_candidates: list[datetime] = field(default_factory=list)
    rework: bool = False

    @property
    def repo(self) -> str:
        return self.key[0]

    @property
    def failed(self) -> bool:
        return bool(self.rules)

    def recovered_at(self, as_of: datetime) -> datetime | None:
        """Earliest end of the failure by ``as_of``: an incident resolved, a rollback or revert deployed."""
        ends = [moment for moment in self.recovery_candidates if moment <= as_of]
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


@dataclass(frozen=True)
class FailureResult:
    by_team_window: dict[tuple[str, str], FailureMetrics]
    deployments: tuple[Deployment, ...]  # every counted deployment, flags filled in
    incidents: tuple[Incident, ...]


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600.0


def load_deployments(engine: Engine, scopes: Sequence[RepoScope], as_of: datetime) -> list[Deployment]:
    """Counted deployments with their changes, in deployment order per repo, source and environment."""
    facts = fact_ctes(scopes, as_of)
    scope_of = {(s.repo, s.source, s.environment): s for s in scopes}
    deployments: dict[DeploymentKey, Deployment] = {}
    counted, changes = facts.counted_deployments, facts.changes
    with engine.connect() as conn:
        for row in conn.execute(select(counted)):
            scope = scope_of[(row.repo, row.source, row.environment)]
            key = (row.repo, row.source, row.environment, int(row.deployment_id))
            deployments[key] = Deployment(
                key=key,
                team=scope.team,
                service=scope.service_name,
                deployed_at=from_db(row.deployed_at),  # type: ignore[arg-type]
                compare_status=row.compare_status,
                base_deployment_id=None if row.base_deployment_id is None else int(row.base_deployment_id),
            )
        for row in conn.execute(
            select(
                changes.c.repo,
                changes.c.source,
                changes.c.environment,
                changes.c.deployment_id,
                changes.c.sha,
            )
        ):
            deployments[(row.repo, row.source, row.environment, int(row.deployment_id))].changes.add(
                row.sha.lower()
            )
    return sorted(deployments.values(), key=lambda d: (d.key[:3], d.deployed_at, d.key[3]))


def load_revert_commits(
    engine: Engine, scopes: Sequence[RepoScope], as_of: datetime
) -> list[tuple[DeploymentKey, str]]:
    """(deployment, message) of every revert commit, attributed to the deployment that first shipped it.

    Only changes count: a merge commit ships no change of its own (SPEC §5.2), so a merge commit whose
    message quotes a revert does not make a second deployment the reverting one."""
    changes = fact_ctes(scopes, as_of).changes
    commits = schema.commits
    statement = (
        select(
            changes.c.repo,
            changes.c.source,
            changes.c.environment,
            changes.c.deployment_id,
            commits.c.message,
        )
        .select_from(
            changes.join(commits, and_(commits.c.repo == changes.c.repo, commits.c.sha == changes.c.sha))
        )
        .where(commits.c.message.contains(_REVERT_MARKER))
    )
    with engine.connect() as conn:
        return [
            ((row.repo, row.source, row.environment, int(row.deployment_id)), row.message)
            for row in conn.execute(statement)
        ]


def load_rework_pull_deployments(
    engine: Engine, scopes: Sequence[RepoScope], as_of: datetime, labels: Sequence[str]
) -> set[DeploymentKey]:
    """Deployments one of whose changes belongs to a merged PR carrying one of the rework ``labels``.

    A change belongs to a PR when it is one of the PR's commits, or the commit its merge produced (a
    squash or rebase merge's ``merge_commit_sha``). The merge commit of a true merge is no change: a
    hotfix deployed from its branch before the merge is the rework, not the deployment that later ships
    the merge commit."""
    if not labels:
        return set()
    facts = fact_ctes(scopes, as_of)
    changes, merged = facts.changes, facts.merged_pull_requests
    pr_commits, pr_labels = schema.pull_request_commits, schema.pull_request_labels
    rework_pulls = (
        select(merged.c.repo, merged.c.number, merged.c.merge_commit_sha)
        .select_from(
            merged.join(
                pr_labels, and_(pr_labels.c.repo == merged.c.repo, pr_labels.c.number == merged.c.number)
            )
        )
        .where(pr_labels.c.label.in_(list(labels)))
        .distinct()
        .cte("rework_pulls")
    )
    deployment = (changes.c.repo, changes.c.source, changes.c.environment, changes.c.deployment_id)
    by_pull_commit = select(*deployment).select_from(
        changes.join(
            pr_commits, and_(pr_commits.c.repo == changes.c.repo, pr_commits.c.sha == changes.c.sha)
        ).join(
            rework_pulls,
            and_(rework_pulls.c.repo == pr_commits.c.repo, rework_pulls.c.number == pr_commits.c.number),
        )
    )
    by_merge_result = select(*deployment).select_from(
        changes.join(
            rework_pulls,
            and_(rework_pulls.c.repo == changes.c.repo, rework_pulls.c.merge_commit_sha == changes.c.sha),
        )
    )
    with engine.connect() as conn:
        return {
            (row.repo, row.source, row.environment, int(row.deployment_id))
            for row in conn.execute(by_pull_commit.union(by_merge_result))
        }


def load_incidents(
    engine: Engine,
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
    with engine.connect() as conn:
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


class _ChangeIndex:
    """Change shas of every deployment, searchable by prefix (a 7-character sha matches its commit)."""

    def __init__(self, deployments: Iterable[Deployment]) -> None:
        self._entries = sorted(
            (sha, deployment.key) for deployment in deployments for sha in deployment.changes
        )
        self._shas = [sha for sha, _ in self._entries]

    def deployments_of(self, prefix: str) -> set[DeploymentKey]:
        start = bisect.bisect_left(self._shas, prefix)
        keys: set[DeploymentKey] = set()
        for sha, key in self._entries[start:]:
            if not sha.startswith(prefix):
                break
            keys.add(key)
        return keys


def attribute(
    deployments: Sequence[Deployment],
    incidents: Sequence[Incident],
    reverts: Sequence[tuple[DeploymentKey, str]],
    rework_pulls: set[DeploymentKey],
    attribution_window: timedelta,
) -> None:
    """Mark failed and rework deployments in place, with how each failure was found."""
    by_key = {deployment.key: deployment for deployment in deployments}
    order = {deployment.key: index for index, deployment in enumerate(deployments)}
    changes = _ChangeIndex(deployments)

    # 1. explicit: an incident names a change of F by (a prefix of) its sha.
    explicit: set[str] = set()
    for incident in incidents:
        for token in set(_HEX.findall(incident.text)):
            for key in changes.deployments_of(token):
                failed = by_key[key]
                failed.rules.add("explicit")
                failed.incident_ids.add(incident.incident_id)
                if incident.resolved_at is not None:
                    failed.recovery_candidates.append(incident.resolved_at)
                explicit.add(incident.incident_id)

    # 2. rollback: a later deployment went back to before F (compare "behind" against F).
    for later in deployments:
        if later.compare_status == "behind" and later.base_deployment_id is not None:
            previous = by_key.get((*later.key[:3], later.base_deployment_id))
            if previous is not None:
                previous.rules.add("rollback")
                previous.recovery_candidates.append(later.deployed_at)
            later.rework = True

    # 3. revert: a later deployment ships "This reverts commit <sha>" for a change of F.
    for later_key, message in reverts:
        later = by_key[later_key]
        later.rework = True
        for reverted in _REVERTS.findall(message.lower()):
            for key in changes.deployments_of(reverted):
                if key[:3] == later_key[:3] and order[key] < order[later_key]:
                    by_key[key].rules.add("revert")
                    by_key[key].recovery_candidates.append(later.deployed_at)

    # 4. window: the service's latest deployment before an incident with no explicit link.
    by_service: dict[str, list[Deployment]] = defaultdict(list)
    for deployment in deployments:
        by_service[deployment.service].append(deployment)
    for service_deployments in by_service.values():
        service_deployments.sort(key=lambda d: (d.deployed_at, d.key))
    for incident in incidents:
        if incident.incident_id in explicit:
            continue
        for service in incident.services:
            candidates = by_service.get(service, [])
            times = [d.deployed_at for d in candidates]
            index = bisect.bisect_left(times, incident.started_at) - 1
            if index < 0:
                continue
            latest = candidates[index]
            if incident.started_at - latest.deployed_at <= attribution_window:
                latest.rules.add("window")
                latest.incident_ids.add(incident.incident_id)
                if incident.resolved_at is not None:
                    latest.recovery_candidates.append(incident.resolved_at)

    # Rework: a deployment of a PR labelled as rework, or one made while its service had an open incident.
    for deployment in deployments:
        if deployment.key in rework_pulls:
            deployment.rework = True
    for incident in incidents:
        for service in incident.services:
            for deployment in by_service.get(service, []):
                if incident.started_at < deployment.deployed_at and (
                    incident.resolved_at is None or deployment.deployed_at < incident.resolved_at
                ):
                    deployment.rework = True


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
    as_of = as_utc(as_of)
    if not scopes:
        return FailureResult(by_team_window={}, deployments=(), incidents=())
    deployments = load_deployments(engine, scopes, as_of)
    incidents = load_incidents(engine, scopes, pagerduty_scopes, as_of)
    attribute(
        deployments,
        incidents,
        load_revert_commits(engine, scopes, as_of),
        load_rework_pull_deployments(engine, scopes, as_of, rework_labels),
        attribution_window,
    )
    teams = {scope.team for scope in scopes} | {ORGANISATION}
    result: dict[tuple[str, str], FailureMetrics] = {}
    for window in windows:
        start, end = window_bounds(as_of, window.days)
        deployed = [d for d in deployments if start < d.deployed_at <= end]
        started = [i for i in incidents if start < i.started_at <= end]
        restored = [
            (i.team, _hours(i.resolved_at - i.started_at))
            for i in incidents
            if i.resolved_at is not None and start < i.resolved_at <= end
        ]
        for team in teams:
            mine = [d for d in deployed if team in (ORGANISATION, d.team)]
            failed = [d for d in mine if d.failed]
            recoveries = []
            for deployment in failed:
                recovered = deployment.recovered_at(as_of)
                # A resolution before the deployment itself (an old incident naming its sha) is no recovery.
                if recovered is not None and recovered >= deployment.deployed_at:
                    recoveries.append(_hours(recovered - deployment.deployed_at))
            restores = [hours for owner, hours in restored if team in (ORGANISATION, owner)]
            result[(team, window.label)] = FailureMetrics(
                change_failure_rate=len(failed) / len(mine) if mine else None,
                failed_deployment_recovery_hours_p50=percentile_cont(recoveries, 0.5),
                time_to_restore_hours_p50=percentile_cont(restores, 0.5),
                time_to_restore_hours_p90=percentile_cont(restores, 0.9),
                incidents=sum(1 for i in started if team in (ORGANISATION, i.team)),
                rework_rate=sum(1 for d in mine if d.rework) / len(mine) if mine else None,
                deployments=len(mine),
            )
    return FailureResult(by_team_window=result, deployments=tuple(deployments), incidents=tuple(incidents))
