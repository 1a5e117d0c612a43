"""Windows: labels, bounds and the half-open edges (SPEC §6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from analytics.windows import WindowSpec, in_window, parse_window, window_bounds

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(("label", "days"), [("7d", 7), ("30d", 30), ("90d", 90), ("1d", 1), (" 14d ", 14)])
def test_parse_window(label: str, days: int) -> None:
    assert parse_window(label) == WindowSpec(label=label.strip(), days=days)


@pytest.mark.parametrize("label", ["", "d", "7", "7w", "-7d", "0d", "7.5d", "7 d", "7D"])
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


def test_window_is_half_open() -> None:
    start = AS_OF - timedelta(days=7)
    assert not in_window(start, AS_OF, 7)  # exactly N days before as_of: out
    assert in_window(start + timedelta(microseconds=1), AS_OF, 7)
    assert in_window(AS_OF, AS_OF, 7)  # exactly as_of: in
    assert not in_window(AS_OF + timedelta(microseconds=1), AS_OF, 7)
