"""Metric windows: ``Nd`` ending at ``as_of`` is the half-open interval ``(as_of − N days, as_of]``.

A deployment exactly N days before ``as_of`` falls outside the window; one exactly at ``as_of`` falls
inside (SPEC §6). Instants here are aware UTC datetimes; a naive one is taken as UTC, as the store does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dateutil.parser import isoparse

# Longer windows reach before any collected fact (and, from an early --as-of, before year 1).
MAX_WINDOW_DAYS = 36_500
# A sum of whole units, largest first: 30s, 15m, 24h, 7d, 2w, 1h30m.
_DURATION = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?\Z")


class SpanError(ValueError):
    """A duration or window that cannot be read. ``problem`` is the bare reason (``must be whole
    days, like 7d``), for callers that name the key or option themselves."""

    def __init__(self, what: str, text: str, problem: str) -> None:
        super().__init__(f"{what} {text!r}: {problem}")
        self.problem = problem


@dataclass(frozen=True)
class WindowSpec:
    """A configured window: its label as configured (``"30d"``) and its length in days."""

    label: str
    days: int

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError(f"window {self.label!r}: length must be at least 1 day, got {self.days}")


def parse_duration(text: str) -> timedelta:
    """``30s``, ``15m``, ``24h``, ``7d``, ``2w`` or a sum such as ``1h30m``; longer than zero."""
    match = _DURATION.match(text)
    if not text or match is None:
        raise SpanError("duration", text, "must be a duration like 30s, 15m, 24h or 7d")
    weeks, days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    try:
        span = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        raise SpanError("duration", text, "must be at most 999999999 days") from None
    if span <= timedelta(0):
        raise SpanError("duration", text, "must be longer than zero")
    return span


def parse_window(label: str) -> WindowSpec:
    """A window as configured (``metrics.windows``) or asked for (``--window``): a duration of whole
    days, e.g. ``30d`` or ``2w``; the label is kept as written."""
    text = label.strip()
    try:
        span = parse_duration(text)
    except SpanError as exc:
        raise SpanError("window", text, exc.problem) from None
    if span % timedelta(days=1):
        raise SpanError("window", text, "must be whole days, like 7d")
    if span.days > MAX_WINDOW_DAYS:
        raise SpanError("window", text, f"must be at most {MAX_WINDOW_DAYS} days (100 years)")
    return WindowSpec(label=text, days=span.days)


def band_window(windows: Sequence[WindowSpec]) -> WindowSpec:
    """Bands come from the 90-day window, else the longest (SPEC §6.3)."""
    return next((w for w in windows if w.days == 90), max(windows, key=lambda w: w.days))


def as_utc(instant: datetime) -> datetime:
    """``instant`` as an aware UTC datetime (naive input is taken as UTC)."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


_WEEK_DATE = re.compile(r"(\d{4})-?W(\d\d)")


def parse_instant(text: str) -> datetime:
    """An instant as written in the configuration (``github.since``) or asked for (``--as-of``,
    ``--since``): an ISO 8601 date (its midnight) or timestamp, UTC unless it gives an offset."""
    week = _WEEK_DATE.match(text.strip())
    try:
        if week:  # dateutil takes a week 53 in any year; the ISO calendar has one only in long years
            date.fromisocalendar(int(week[1]), int(week[2]), 1)
        parsed = isoparse(text.strip())
    except (ValueError, OverflowError):
        raise SpanError("instant", text, "must be a date like 2025-01-01") from None
    try:
        return as_utc(parsed)
    except OverflowError:  # 9999-12-31T23:00-05:00 is a date, but not one in UTC
        raise SpanError("instant", text, "must be within years 1 to 9999 in UTC") from None


def window_bounds(as_of: datetime, days: int) -> tuple[datetime, datetime]:
    """``(start_exclusive, end_inclusive)`` of the window of ``days`` days ending at ``as_of``, aware UTC."""
    if days < 1:
        raise ValueError(f"window length must be at least 1 day, got {days}")
    end = as_utc(as_of)
    return end - timedelta(days=days), end
