"""Windows: labels, bounds and the half-open edges (SPEC §6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from analytics.windows import (
    SpanError,
    WindowSpec,
    parse_duration,
    parse_instant,
    parse_window,
    window_bounds,
)

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("label", "days"),
    [("7d", 7), ("30d", 30), ("90d", 90), ("1d", 1), (" 14d ", 14), ("2w", 14), ("1w2d", 9)],
)
def test_parse_window(label: str, days: int) -> None:
    assert parse_window(label) == WindowSpec(label=label.strip(), days=days)


@pytest.mark.parametrize("label", ["", "d", "7", "36h", "-7d", "0d", "7.5d", "7 d", "7D"])
def test_parse_window_rejects_what_is_not_whole_days(label: str) -> None:
    with pytest.raises(ValueError, match="window"):
        parse_window(label)


def test_window_of_no_days_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1 day"):
        WindowSpec("0d", 0)
    with pytest.raises(ValueError, match="at least 1 day"):
        window_bounds(AS_OF, 0)


def test_window_bounds() -> None:
    assert window_bounds(AS_OF, 7) == (datetime(2026, 6, 23, tzinfo=UTC), AS_OF)
    assert window_bounds(AS_OF, 30) == (datetime(2026, 5, 31, tzinfo=UTC), AS_OF)


def test_window_bounds_are_aware_utc_whatever_the_input_zone() -> None:
    start, end = window_bounds(datetime(2026, 6, 30, 2, tzinfo=timezone(timedelta(hours=2))), 7)
    assert (start, end) == (datetime(2026, 6, 23, tzinfo=UTC), AS_OF)
    assert start.tzinfo == UTC
    assert end.tzinfo == UTC


def test_naive_as_of_is_utc() -> None:
    assert window_bounds(datetime(2026, 6, 30), 7) == (datetime(2026, 6, 23, tzinfo=UTC), AS_OF)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30s", timedelta(seconds=30)), ("15m", timedelta(minutes=15)), ("1h30m", timedelta(minutes=90))],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("3600", "must be a duration like 30s, 15m, 24h or 7d"),
        ("0m", "must be longer than zero"),
        ("99999999999999d", "must be at most 999999999 days"),
    ],
)
def test_parse_duration_says_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=f"^duration {text!r}: {problem}$"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-W53", datetime(2026, 12, 28, tzinfo=UTC)),  # 2026 starts on a Thursday: 53 ISO weeks
        ("2026-W53-7T24:00Z", datetime(2027, 1, 4, tzinfo=UTC)),
        ("2027W011", datetime(2027, 1, 4, tzinfo=UTC)),
    ],
)
def test_iso_week_dates_are_instants(text: str, instant: datetime) -> None:
    assert parse_instant(text) == instant


@pytest.mark.parametrize("text", ["2027-W53", "2027-W53-1", "2027W537", "2025-W00"])
def test_a_week_the_iso_year_does_not_have_is_refused(text: str) -> None:
    """2027 starts on a Friday: 52 ISO weeks, so its week 53 names no day (dateutil would take it as the
    first week of 2028)."""
    with pytest.raises(SpanError, match="must be a date like 2025-01-01"):
        parse_instant(text)
