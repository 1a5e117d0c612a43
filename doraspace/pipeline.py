"""From the store to an analytics snapshot, wired from the config (the daemon's analytics job and the
one-shot commands share this)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from analytics.dora import compute_dora
from analytics.snapshot import Snapshot
from analytics.windows import WindowSpec
from doraspace.config import Config
from doraspace.ownership import collected_repositories, load_components, repo_scopes, resolve_ownership


def windows_of(config: Config) -> list[WindowSpec]:
    return [WindowSpec(label=window.label, days=window.days) for window in config.windows]


def build_snapshot(
    config: Config, engine: Engine, *, now: datetime, as_of: datetime | None = None
) -> Snapshot:
    """Every team's metrics for every configured window, as of ``as_of`` (default ``now``)."""
    as_of = as_of or now
    repositories = collected_repositories(engine)
    ownership = resolve_ownership(config, repositories, load_components(engine))
    metrics = compute_dora(engine, repo_scopes(config, repositories, ownership), windows_of(config), as_of)
    teams = tuple(dict.fromkeys(row.team for row in metrics))
    return Snapshot(
        created_at=now,
        as_of=as_of,
        benchmarks=config.benchmarks,
        teams=teams,
        metrics=tuple(metrics),
    )
