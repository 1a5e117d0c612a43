"""Band edges of SPEC §6.3, for both benchmark sets, at exactly the published boundaries."""

from __future__ import annotations

import math

import pytest

from analytics.benchmarks import bands


def band(benchmarks: str, metric: str, value: float | None) -> str | None:
    arguments: dict[str, float | None] = {
        "deployment_frequency_per_day": None,
        "lead_time_hours_p50": None,
        "change_failure_rate": None,
        "recovery_hours_p50": None,
    }
    key = {
        "deployment_frequency": "deployment_frequency_per_day",
        "lead_time": "lead_time_hours_p50",
        "change_failure_rate": "change_failure_rate",
        "recovery": "recovery_hours_p50",
    }[metric]
    arguments[key] = value
    return bands(benchmarks, **arguments)[metric]


def below(value: float) -> float:
    return math.nextafter(value, -math.inf)


def above(value: float) -> float:
    return math.nextafter(value, math.inf)


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        # deployment frequency, per day
        ("deployment_frequency", 7 / 7, "elite"),  # 1 deployment a day is elite
        ("deployment_frequency", below(1.0), "high"),
        ("deployment_frequency", 1 / 7, "high"),
        ("deployment_frequency", below(1 / 7), "medium"),
        ("deployment_frequency", 3 / 90, "medium"),  # once a month = 1/30 per day
        ("deployment_frequency", below(1 / 30), "low"),
        ("deployment_frequency", 0.0, "low"),
        # lead time p50, hours
        ("lead_time", below(24.0), "elite"),
        ("lead_time", 24.0, "high"),  # one day is no longer under a day
        ("lead_time", below(168.0), "high"),
        ("lead_time", 168.0, "medium"),
        ("lead_time", below(720.0), "medium"),
        ("lead_time", 720.0, "low"),
        # change failure rate
        ("change_failure_rate", 0.0, "elite"),
        ("change_failure_rate", 1 / 20, "elite"),  # 5 % is elite
        ("change_failure_rate", above(0.05), "high"),  # just above is high: the gap goes to the better band
        ("change_failure_rate", 0.10, "high"),
        ("change_failure_rate", above(0.10), "medium"),
        ("change_failure_rate", 0.15, "medium"),
        ("change_failure_rate", above(0.15), "low"),
        ("change_failure_rate", 1.0, "low"),
        # recovery p50, hours
        ("recovery", below(1.0), "elite"),
        ("recovery", 1.0, "high"),
        ("recovery", below(24.0), "high"),
        ("recovery", 24.0, "medium"),
        ("recovery", below(168.0), "medium"),
        ("recovery", 168.0, "low"),
    ],
)
def test_dora_2023_edges(metric: str, value: float, expected: str) -> None:
    assert band("dora-2023", metric, value) == expected


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("deployment_frequency", 1.0, "elite"),
        ("deployment_frequency", below(1.0), "high"),
        ("deployment_frequency", 1 / 30, "high"),  # once a month is high in 2021
        ("deployment_frequency", below(1 / 30), "medium"),
        ("deployment_frequency", 1 / 182, "medium"),  # once in six months
        ("deployment_frequency", below(1 / 182), "low"),
        ("lead_time", below(1.0), "elite"),
        ("lead_time", 1.0, "high"),
        ("lead_time", below(168.0), "high"),
        ("lead_time", 168.0, "medium"),
        ("lead_time", below(182 * 24.0), "medium"),
        ("lead_time", 182 * 24.0, "low"),
        ("change_failure_rate", 0.15, "elite"),
        ("change_failure_rate", above(0.15), "high"),
        ("change_failure_rate", 0.30, "high"),
        ("change_failure_rate", above(0.30), "low"),  # 2021 has no medium change failure rate
        ("recovery", below(1.0), "elite"),
        ("recovery", 1.0, "high"),
        ("recovery", 24.0, "medium"),
        ("recovery", 168.0, "low"),
    ],
)
def test_dora_2021_edges(metric: str, value: float, expected: str) -> None:
    assert band("dora-2021", metric, value) == expected


@pytest.mark.parametrize("benchmarks", ["dora-2023", "dora-2021"])
def test_null_metrics_have_null_bands(benchmarks: str) -> None:
    assert bands(
        benchmarks,
        deployment_frequency_per_day=None,
        lead_time_hours_p50=None,
        change_failure_rate=None,
        recovery_hours_p50=None,
    ) == {"deployment_frequency": None, "lead_time": None, "change_failure_rate": None, "recovery": None}


def test_unknown_set_is_refused() -> None:
    with pytest.raises(ValueError, match="dora-2019"):
        band("dora-2019", "lead_time", 1.0)
