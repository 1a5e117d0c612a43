"""Metric windows: ``Nd`` ending at ``as_of`` is the half-open interval ``(as_of − N days, as_of]``.

A deployment exactly N days before ``as_of`` falls outside the window; one exactly at ``as_of`` falls
inside (SPEC §6). Instants here are aware UTC datetimes; a naive one is taken as UTC, as the store does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_WINDOW_LABEL = re.compile(r"(?P<days>[0-9]+)d")


@dataclass(frozen=True)
class WindowSpec:
    """A configured window: its label as configured (``"30d"``) and its length in days."""

    label: str
    days: int

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError(f"window {self.label!r}: length must be at least 1 day, got {self.days}")


def parse_window(label: str) -> WindowSpec:
    """``"30d"`` → ``WindowSpec("30d", 30)``. Only whole days are windows."""
    match = _WINDOW_LABEL.fullmatch(label.strip())
    if match is None:
        raise ValueError(f"window {label!r}: expected a number of days such as '7d' or '30d'")
    return WindowSpec(label=label.strip(), days=int(match["days"]))


def as_utc(instant: datetime) -> datetime:
    """``instant`` as an aware UTC datetime (naive input is taken as UTC)."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def window_bounds(as_of: datetime, days: int) -> tuple[datetime, datetime]:
    """``(start_exclusive, end_inclusive)`` of the window of ``days`` days ending at ``as_of``, aware UTC."""
    if days < 1:
        raise ValueError(f"window length must be at least 1 day, got {days}")
    end = as_utc(as_of)
    return end - timedelta(days=days), end


def in_window(instant: datetime, as_of: datetime, days: int) -> bool:
    """Whether ``instant`` lies in ``(as_of − days, as_of]``."""
    start_exclusive, end_inclusive = window_bounds(as_of, days)
    return start_exclusive < as_utc(instant) <= end_inclusive
