"""Failed attempts (SPEC §5.1): production deployments that never reached success. They are stored and
shown in the reports, and counted in no metric; this is the one place that reads them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, select

from analytics.ownership import RepoScope
from analytics.snapshot import FailedAttempt
from analytics.windows import as_utc, window_bounds
from store import schema
from store.timeutil import to_db


def failed_attempts(
    engine: Engine, scopes: Sequence[RepoScope], *, as_of: datetime, days: int
) -> list[FailedAttempt]:
    """The failed attempts of every scope created in the ``days``-day window ending at ``as_of``,
    newest first. A deployment still waiting for its first success is one too, with its last state."""
    teams = {(scope.repo, scope.source, scope.environment): scope.team for scope in scopes}
    start, end = window_bounds(as_of, days)
    table = schema.deployments
    query = select(
        table.c.repo,
        table.c.source,
        table.c.environment,
        table.c.deployment_id,
        table.c.created_at,
        table.c.last_state,
    ).where(
        table.c.deployed_at.is_(None), table.c.created_at > to_db(start), table.c.created_at <= to_db(end)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    found = [
        FailedAttempt(
            team=teams[(row.repo, row.source, row.environment)],
            repo=row.repo,
            deployment_id=row.deployment_id,
            created_at=as_utc(row.created_at),
            state=row.last_state,
        )
        for row in rows
        if (row.repo, row.source, row.environment) in teams
    ]
    return sorted(found, key=lambda a: (a.created_at, a.repo, a.deployment_id), reverse=True)
