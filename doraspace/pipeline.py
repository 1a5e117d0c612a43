"""The analytics wired from the config: the daemon's analytics job, the one-shot commands and the demo
all go through here (and so through ``analytics.assembly``), so they can never disagree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from analytics.assembly import assemble_snapshot, metrics_as_of, scoped_teams, survey_scores
from analytics.metrics import MetricsResult
from analytics.snapshot import Snapshot
from analytics.space import SpaceScore
from analytics.windows import WindowSpec
from doraspace.config import Config
from doraspace.settings import analytics_settings
from store.engine import Engine


def compute_survey_scores(
    config: Config, engine: Engine, *, quarters: Sequence[str] | None = None
) -> list[SpaceScore]:
    """SPACE scores after the anonymity rules (SPEC §7.4), every team's headcount from the config."""
    return survey_scores(engine, analytics_settings(config), quarters=quarters)


def known_teams(config: Config, engine: Engine | None) -> set[str]:
    """Every team a metrics row can be for and every team of the ownership map, "*" included (``engine``
    None: no store yet)."""
    return scoped_teams(engine, analytics_settings(config)) | {"*"}


def compute_all(
    config: Config, engine: Engine, *, as_of: datetime, windows: Sequence[WindowSpec] | None = None
) -> MetricsResult:
    """Every team's metrics as of ``as_of`` for ``windows`` (default: the configured ones)."""
    return metrics_as_of(engine, analytics_settings(config), as_of=as_of, windows=windows)


def build_snapshot(
    config: Config, engine: Engine, *, now: datetime, as_of: datetime | None = None, weeks: int = 26
) -> Snapshot:
    """Every team's metrics for every configured window as of ``as_of`` (default ``now``), with weekly
    trends over the last ``weeks`` whole weeks, the failed deployments and the survey scores."""
    return assemble_snapshot(engine, analytics_settings(config), now=now, as_of=as_of or now, weeks=weeks)
