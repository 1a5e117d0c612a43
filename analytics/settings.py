"""What the analytics read of the configuration, as one object of plain values: the configuration is
parsed in ``doraspace``, which builds this once and hands it to every computation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from analytics.ownership import OwnershipSettings
from analytics.windows import WindowSpec, band_window

DEFAULT_WINDOWS = (WindowSpec("7d", 7), WindowSpec("30d", 30), WindowSpec("90d", 90))


@dataclass(frozen=True)
class AnalyticsSettings:
    windows: tuple[WindowSpec, ...] = DEFAULT_WINDOWS
    attribution_window: timedelta = timedelta(hours=24)  # SPEC §6.2: an incident fails a deployment
    rework_labels: tuple[str, ...] = ()
    benchmarks: str = "dora-2023"
    ownership: OwnershipSettings = field(default_factory=OwnershipSettings)
    headcounts: tuple[tuple[str, int | None], ...] = ()  # (team, headcount) for survey response rates
    min_group_size: int = 5  # SPEC §7.4: no score of fewer respondents

    @property
    def band_window(self) -> WindowSpec:
        return band_window(self.windows)


DEFAULT_SETTINGS = AnalyticsSettings()
