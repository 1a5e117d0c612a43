"""Team-quarter figures for snapshots built by hand from SPACE score rows."""

from __future__ import annotations

from collections.abc import Iterable

from analytics.space import SpaceQuarter, SpaceScore


def quarters_of(rows: Iterable[SpaceScore]) -> tuple[SpaceQuarter, ...]:
    """The shown team-quarters the rows stand for: each row's team-quarter respondents and rate."""
    shown = {(row.team, row.quarter): (row.quarter_respondents, row.response_rate) for row in rows}
    return tuple(SpaceQuarter(team, quarter, *figures) for (team, quarter), figures in shown.items())
