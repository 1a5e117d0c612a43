"""The common ground of the analytics audit scenarios: teams, scopes and windows, the deployments they build
with :class:`~tests.analytics.facts.Facts`, and ``compute_metrics`` run over them, read back as rows.

Team ``order-team`` owns acme/orders (service ``orders``) and PagerDuty service P1; team ``payments`` owns
acme/pay (service ``pay``) and P2; acme/stray and PagerDuty service PU belong to nobody (team
``unowned``). A repo's first deployment (:func:`first`) has compare ``first``: it counts, adds no lead
times. Attribution window 24 h and benchmarks dora-2023 unless a scenario says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from analytics.dora import BREAKDOWN_STAGES, TeamWindowMetrics
from analytics.metrics import MetricsResult, compute_metrics
from analytics.ownership import PagerDutyScope, RepoScope
from analytics.settings import AnalyticsSettings
from analytics.windows import WindowSpec
from tests.analytics.facts import AS_OF, PRODUCTION, REPO, SOURCE, Facts, at, sha

TEAM = "order-team"
PAY_TEAM = "payments"
PAY_REPO = "acme/pay"
STRAY_REPO = "acme/stray"
ORDERS = RepoScope(repo=REPO, team=TEAM, source=SOURCE, environment=PRODUCTION, service="orders")
PAY = RepoScope(repo=PAY_REPO, team=PAY_TEAM, source=SOURCE, environment=PRODUCTION, service="pay")
STRAY = RepoScope(repo=STRAY_REPO, team="unowned", source=SOURCE, environment=PRODUCTION)
P1 = PagerDutyScope("P1", TEAM, ("orders",))
P2 = PagerDutyScope("P2", PAY_TEAM, ("pay",))
PU = PagerDutyScope("PU", "unowned", ())
W7, W30, W90 = WindowSpec("7d", 7), WindowSpec("30d", 30), WindowSpec("90d", 90)
REWORK_LABELS = ("hotfix", "rollback", "revert", "incident")
NO_BREAKDOWN = dict.fromkeys(BREAKDOWN_STAGES)
SECOND = timedelta(seconds=1)
JUNE_1 = at(1)
FIRST_SHA = sha(f"first-{REPO}")
LATER = datetime(2026, 7, 5, tzinfo=UTC)  # a resolution after every as_of of the audits: open as of as_of


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-9)


def day(month: int, dom: int, hour: float = 0) -> datetime:
    """An instant of 2026 (UTC) in any month: ``day(3, 31, 12)`` is 2026-03-31 12:00."""
    return datetime(2026, month, dom, tzinfo=UTC) + timedelta(hours=hour)


# -- building the facts ----------------------------------------------------------------------------------


def first(facts: Facts, deployed_at: datetime = JUNE_1, *, repo: str = REPO, head: str | None = None) -> int:
    """The repo's first collected deployment (compare ``first``): counts, unknown changes. Its sha is
    ``head``, else ``sha("first-<repo>")`` (:data:`FIRST_SHA` for acme/orders)."""
    return facts.deployment(deployed_at, compare="first", repo=repo, sha=head or sha(f"first-{repo}"))


def ship(
    facts: Facts,
    deployed_at: datetime,
    commits: Sequence[tuple[str, datetime] | tuple[str, datetime, str]],
    *,
    repo: str = REPO,
    compare: str = "ahead",
    environment: str = PRODUCTION,
) -> int:
    """A deployment shipping direct commits (name, author date[, message]); shas are ``sha(name)``."""
    shas = []
    for commit in commits:
        message = commit[2] if len(commit) == 3 else ""
        shas.append(facts.commit(sha(commit[0]), commit[1], repo=repo, message=message))
    return facts.deployment(deployed_at, ships=shas, repo=repo, compare=compare, environment=environment)


def rollback(facts: Facts, deployed_at: datetime, to_sha: str, *, repo: str = REPO) -> int:
    """A deployment of an ancestor of the previous one's sha: compare ``behind``."""
    return facts.deployment(deployed_at, sha=to_sha, compare="behind", repo=repo)


# -- computing and reading the metrics -------------------------------------------------------------------


def run(
    facts: Facts,
    scopes: Sequence[RepoScope] = (ORDERS,),
    pagerduty: Sequence[PagerDutyScope] = (P1,),
    *,
    windows: Sequence[WindowSpec] = (W30,),
    as_of: datetime = AS_OF,
    benchmarks: str = "dora-2023",
    attribution_window: timedelta = timedelta(hours=24),
    rework_labels: Sequence[str] = (),
) -> MetricsResult:
    """``compute_metrics`` (what ``doraspace metrics`` runs) over the facts, settings as given."""
    settings = AnalyticsSettings(
        windows=tuple(windows),
        attribution_window=attribution_window,
        benchmarks=benchmarks,
        rework_labels=tuple(rework_labels),
    )
    return compute_metrics(
        facts.engine, scopes, windows, as_of, pagerduty_scopes=pagerduty, settings=settings
    )


def rows(result: MetricsResult) -> dict[tuple[str, str], TeamWindowMetrics]:
    """The rows by (team, window)."""
    return {(row.team, row.window): row for row in result.rows}


def rows_30d(result: MetricsResult) -> dict[str, TeamWindowMetrics]:
    """The 30d rows by team."""
    return {row.team: row for row in result.rows if row.window == "30d"}


def failed(result: MetricsResult) -> dict[int, tuple[str, ...]]:
    """Failed deployments of the latest point's windows: id → rules."""
    return {d.deployment_id: d.rules for d in result.failed_deployments()}


def failed_recovered(result: MetricsResult) -> dict[int, tuple[tuple[str, ...], datetime | None]]:
    """Failed deployments of the latest point's windows: id → (rules, recovered_at)."""
    return {d.deployment_id: (d.rules, d.recovered_at) for d in result.failed_deployments()}


def check(row: TeamWindowMetrics, **expected: Any) -> None:
    """Compare the named fields of a row; floats with a tight tolerance; every mismatch is reported at
    once."""
    actual = {name: getattr(row, name) for name in expected}
    want = {name: approx(v) if isinstance(v, float) else v for name, v in expected.items()}
    assert actual == want, (row.team, row.window, row.as_of)
