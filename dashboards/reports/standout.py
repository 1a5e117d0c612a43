"""What stands out: a few plain sentences about a team, derived from its numbers only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from analytics.benchmarks import BANDS, METRICS
from analytics.dora import BREAKDOWN_STAGES, TeamWindowMetrics
from analytics.ownership import ORGANISATION
from analytics.snapshot import FailedDeployment, Snapshot
from analytics.windows import WindowSpec, as_utc, band_window
from dashboards.reports.keys import KEYS, Key, format_hours, format_value, key_value
from dashboards.words import KEY_WORDS

# A change smaller than this (relative) is not worth a sentence in "what stands out".
NOTABLE_CHANGE = 0.10


@dataclass(frozen=True)
class Change:
    key: Key
    previous: float
    current: float

    @property
    def delta(self) -> float:
        return self.current - self.previous

    @property
    def size(self) -> float:
        """Relative size in [0, 1], symmetric so that a change from 0 still compares with the others."""
        largest = max(abs(self.current), abs(self.previous))
        return 0.0 if largest == 0 else abs(self.delta) / largest

    @property
    def verdict(self) -> str:
        if self.delta == 0:
            return "no change"
        return "better" if (self.delta > 0) == self.key.higher_is_better else "worse"


def changes(current: TeamWindowMetrics, previous: TeamWindowMetrics | None) -> dict[str, Change]:
    """The change of each key that has a value in both windows."""
    if previous is None:
        return {}
    found: dict[str, Change] = {}
    for key in KEYS:
        now, before = key.value(current), key.value(previous)
        if now is not None and before is not None:
            found[key.name] = Change(key, before, now)
    return found


def what_stands_out(snapshot: Snapshot, team: str, *, previous: Snapshot | None = None) -> list[str]:
    """A few plain sentences about ``team``, derived from the numbers only and in a fixed order:
    deployments, the weakest band, the biggest change, the longest lead-time stage, open failures."""
    rows = snapshot.team_metrics(team)
    if not rows:
        return ["This snapshot holds no metrics for this team."]
    row = longest(rows)
    span = f"the last {row.window_days} days"
    sentences: list[str] = []
    if row.deployments == 0:
        sentences.append(f"No deployments in {span}.")

    # A band is shown beside the value it was read from: the band window's (SPEC §6.3), not the longest.
    band_row = banded(rows)
    rank = {band: position for position, band in enumerate(BANDS)}
    band_of = {metric: band for metric in METRICS if (band := band_row.bands.get(metric)) in rank}
    if band_of:
        worst = max(band_of.values(), key=rank.__getitem__)
        weakest = [metric for metric, band in band_of.items() if band == worst]
        if worst == "elite":
            sentences.append(f"All {len(band_of)} banded keys are elite.")
        else:
            described = _join([f"{_lower(metric)} ({key_value(metric, band_row)})" for metric in weakest])
            noun = "key is" if len(weakest) == 1 else "keys are"
            sentences.append(f"The weakest {noun} {described}: {worst}.")

    before_row = previous_row(previous, team, row.window)
    if previous is not None and before_row is not None:
        moved = [
            f"{_lower(metric)} from {before} to {after}"
            for metric in METRICS
            if (before := before_row.bands.get(metric))
            and (after := row.bands.get(metric))
            and before != after
        ]
        if moved:
            sentences.append(f"Bands moved against the previous {row.window_days} days: {_join(moved)}.")
        ranked = sorted(changes(row, before_row).values(), key=lambda c: -c.size)  # stable: KEYS order
        if ranked and ranked[0].size >= NOTABLE_CHANGE:
            top = ranked[0]
            sentences.append(
                f"Biggest change against the previous {row.window_days} days: {_lower(top.key.name)} "
                f"went from {format_value(top.key.kind, top.previous)} to "
                f"{format_value(top.key.kind, top.current)} ({top.verdict})."
            )
        else:
            sentences.append(
                f"No key changed by {NOTABLE_CHANGE:.0%} or more against the previous {row.window_days} days."
            )

    stages = {
        stage: hours
        for stage in BREAKDOWN_STAGES
        if (hours := row.lead_time_breakdown_hours_p50.get(stage)) is not None
    }
    if stages:
        stage = max(stages, key=lambda name: stages[name])  # ties: the earlier stage, as max keeps it
        sentences.append(
            f"{stage.capitalize()} is the longest lead-time stage (median {format_hours(stages[stage])})."
        )

    unrecovered = [f for f in failed_in_window(snapshot, team, row.window_days) if f.recovered_at is None]
    if unrecovered:
        count = len(unrecovered)
        noun = "deployment has" if count == 1 else "deployments have"
        sentences.append(f"{count} failed {noun} not recovered yet.")
    return sentences


def _lower(metric: str) -> str:
    return KEY_WORDS[metric]


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def longest(rows: Sequence[TeamWindowMetrics]) -> TeamWindowMetrics:
    """The row of the longest window: the one compared with the previous window."""
    return max(rows, key=lambda row: (row.window_days, row.window))


def banded(rows: Sequence[TeamWindowMetrics]) -> TeamWindowMetrics:
    """The row of the window the bands come from (SPEC §6.3): the value shown beside a band."""
    window = band_window([WindowSpec(row.window, row.window_days) for row in rows])
    return next(row for row in rows if row.window == window.label)


def previous_row(previous: Snapshot | None, team: str, window: str) -> TeamWindowMetrics | None:
    if previous is None:
        return None
    return next((row for row in previous.team_metrics(team) if row.window == window), None)


def failed_in_window(snapshot: Snapshot, team: str, days: int) -> list[FailedDeployment]:
    """Failed deployments of ``team`` (all teams for the organisation) deployed in the ``days``-day
    window ending at the snapshot's as_of, newest first: the ones its change failure rate counts."""
    end = as_utc(snapshot.as_of)
    start = end - timedelta(days=days)
    found = [
        failed
        for failed in snapshot.failed_deployments
        if team in (ORGANISATION, failed.team) and start < as_utc(failed.deployed_at) <= end
    ]
    return sorted(found, key=lambda f: (as_utc(f.deployed_at), f.repo, f.deployment_id), reverse=True)


# -- charts ----------------------------------------------------------------------------------------

# Figures are plain dicts rendered without plotly's validation, which costs ~70 ms a page (over a minute
