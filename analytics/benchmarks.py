"""DORA performance bands (SPEC §6.3).

Each band is a threshold on one metric, checked from the best band down; a value in a gap between the
report's ranges therefore lands in the better band. Deployment frequency is per day; durations are in
hours; change failure rate is a ratio (0.05 = 5 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Band = Literal["elite", "high", "medium", "low"]
METRICS = ("deployment_frequency", "lead_time", "change_failure_rate", "recovery")
BANDS: tuple[Band, ...] = ("elite", "high", "medium", "low")
DAY = 24.0


@dataclass(frozen=True)
class Thresholds:
    """Per band, from elite down; ``None`` where a set has no such band (``low`` is the rest)."""

    deployment_frequency_at_least: tuple[float | None, float | None, float | None]
    lead_time_hours_below: tuple[float | None, float | None, float | None]
    change_failure_rate_at_most: tuple[float | None, float | None, float | None]
    recovery_hours_below: tuple[float | None, float | None, float | None]


BENCHMARK_SETS: dict[str, Thresholds] = {
    "dora-2023": Thresholds(
        deployment_frequency_at_least=(1.0, 1.0 / 7, 1.0 / 30),
        lead_time_hours_below=(DAY, 7 * DAY, 30 * DAY),
        change_failure_rate_at_most=(0.05, 0.10, 0.15),
        recovery_hours_below=(1.0, DAY, 7 * DAY),
    ),
    # The 2021 report gives 16–30 % change failure rate to high, medium and low alike: no medium band.
    "dora-2021": Thresholds(
        deployment_frequency_at_least=(1.0, 1.0 / 30, 1.0 / 182),
        lead_time_hours_below=(1.0, 7 * DAY, 182 * DAY),
        change_failure_rate_at_most=(0.15, 0.30, None),
        recovery_hours_below=(1.0, DAY, 7 * DAY),
    ),
}

# DORA 2024's change failure rates per cluster; not monotonic, so shown for reference only.
DORA_2024_CHANGE_FAILURE_RATE = {"elite": 0.05, "high": 0.20, "medium": 0.10, "low": 0.40}


def _band(
    value: float | None,
    limits: tuple[float | None, float | None, float | None],
    better_high: bool,
    inclusive: bool,
) -> Band | None:
    if value is None:
        return None
    for band, limit in zip(BANDS, limits, strict=False):
        if limit is None:
            continue
        if better_high and value >= limit:
            return band
        if not better_high and (value <= limit if inclusive else value < limit):
            return band
    return "low"


def bands(
    benchmarks: str,
    *,
    deployment_frequency_per_day: float | None,
    lead_time_hours_p50: float | None,
    change_failure_rate: float | None,
    recovery_hours_p50: float | None,
) -> dict[str, Band | None]:
    """The band of each of the four keys under ``benchmarks`` (``dora-2023`` or ``dora-2021``)."""
    try:
        thresholds = BENCHMARK_SETS[benchmarks]
    except KeyError:
        raise ValueError(f"unknown benchmark set {benchmarks!r}") from None
    return {
        "deployment_frequency": _band(
            deployment_frequency_per_day, thresholds.deployment_frequency_at_least, True, True
        ),
        "lead_time": _band(lead_time_hours_p50, thresholds.lead_time_hours_below, False, False),
        "change_failure_rate": _band(
            change_failure_rate, thresholds.change_failure_rate_at_most, False, True
        ),
        "recovery": _band(recovery_hours_p50, thresholds.recovery_hours_below, False, False),
    }
