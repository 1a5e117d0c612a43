"""Submission times as spreadsheet locales and survey tools write them, with their zones."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from store.folding import fold
from surveys.formats.shapes import Table

# Dates as spreadsheet locales write them: 2026-07-14, 2026/07/14, 7/14/2026, 14/07/2026, 14.07.2026,
# 14.07.26, optionally with a time (12- or 24-hour) and a zone: Z, UTC, GMT, GMT+2, GMT+05:30, +02:00.
_TIMESTAMP = re.compile(
    r"""^\s*
    (?P<a>\d{1,4})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})\.?
    (?:[ T,]+(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?
       \s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?)?
    \s*(?P<zone>Z|UTC|GMT(?:\s?[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2})?
    \s*$""",
    re.VERBOSE,
)
_ZONE_OFFSET = re.compile(r"(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$")


def parse_timestamps(
    table: Table,
    column: str,
    cells: Sequence[tuple[int, str]],
    *,
    zone: tzinfo | None = None,
) -> dict[int, datetime | None]:
    """Parse one column's timestamps (row → naive UTC datetime, None for a blank cell).

    Day-first or month-first is decided once for the whole column, as a locale is: a first part over
    12 means day-first, a second part over 12 month-first; if no value tells, dotted dates are read
    day-first (German, Russian, …) and slashed ones month-first (Google's and Microsoft's US default).
    A value with no zone is in ``zone`` if given, else taken as UTC.
    """
    parsed: list[tuple[int, re.Match[str]]] = []
    # The first row that can only be read day-first (True) or only month-first (False).
    told: dict[bool, int] = {}
    dotted = False
    for row, text in cells:
        if not text.strip():
            continue
        match = _TIMESTAMP.match(text)
        if match is None:
            raise table.error(f"not a date and time: {text[:40]!r}", row=row, column=column)
        parsed.append((row, match))
        if len(match.group("a")) <= 2:
            first, second = int(match.group("a")), int(match.group("b"))
            if first > 12 or second > 12:
                told.setdefault(first > 12, row)
            dotted = dotted or match.group("sep") == "."
    if len(told) == 2:
        earlier, later = sorted(told.values())
        message = f"mixes day-first and month-first dates (row {earlier} can only be read the other way)"
        raise table.error(message, row=later, column=column)
    day_first = told.get(True) is not None or (dotted and False not in told)
    values: dict[int, datetime | None] = {row: None for row, _ in cells}
    for row, match in parsed:
        values[row] = _timestamp(table, row, column, match, day_first=day_first, zone=zone)
    return values


def _timestamp(
    table: Table, row: int, column: str, match: re.Match[str], *, day_first: bool, zone: tzinfo | None
) -> datetime:
    a, b, c = match.group("a"), match.group("b"), match.group("c")
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    elif len(c) in (2, 4):
        year = int(c) + (2000 if len(c) == 2 else 0)
        month, day = (int(b), int(a)) if day_first else (int(a), int(b))
    else:
        raise table.error(f"not a date and time: {match.string[:40]!r}", row=row, column=column)
    hour = int(match.group("hour") or 0)
    minute = int(match.group("minute") or 0)
    second = int(match.group("second") or 0)
    micro = int((match.group("fraction") or "0")[:6].ljust(6, "0"))
    ampm = match.group("ampm")
    if ampm:
        if not 1 <= hour <= 12:
            raise table.error(f"hour {hour} with {ampm!r}", row=row, column=column)
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    try:
        instant = datetime(year, month, day, hour, minute, second, micro)
    except ValueError as exc:
        raise table.error(
            f"not a valid date and time ({exc}): {match.string[:40]!r}", row=row, column=column
        ) from None
    written_zone = _zone(match.group("zone"))
    effective = written_zone if written_zone is not None else zone
    if effective is None:
        return instant
    try:
        return instant.replace(tzinfo=effective).astimezone(UTC).replace(tzinfo=None)
    except (OverflowError, ValueError) as exc:
        raise table.error(f"cannot convert to UTC: {exc}", row=row, column=column) from None


def _zone(text: str | None) -> tzinfo | None:
    if not text:
        return None
    text = text.replace(" ", "")
    if text in ("Z", "UTC", "GMT"):
        return UTC
    offset = _ZONE_OFFSET.search(text)
    if offset is None:
        return None
    minutes = int(offset.group("hours")) * 60 + int(offset.group("minutes") or 0)
    if minutes >= 24 * 60:
        return None
    sign = -1 if offset.group("sign") == "-" else 1
    return timezone(sign * timedelta(minutes=minutes))


def named_zone(table: Table, name: str, column: str) -> tzinfo:
    """An IANA zone (Qualtrics writes e.g. ``America/Denver``), or an error naming the column."""
    if fold(name) in ("utc", "z", "gmt", "etc/utc", "etc/gmt"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise table.error(f"unknown time zone {name[:40]!r}: {exc}", column=column) from None
