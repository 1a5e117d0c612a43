"""The five keys as the reports show them, and numbers written for people."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from analytics.dora import TeamWindowMetrics
from analytics.ownership import ORGANISATION
from analytics.windows import as_utc
from dashboards.words import KEY_TITLES

ORGANISATION_TITLE = "Organisation"
NO_DATA = "n/a"

Kind = Literal["frequency", "hours", "ratio"]


@dataclass(frozen=True)
class Key:
    """One of the five metrics as a report shows it."""

    name: str  # a band key of analytics.benchmarks.METRICS, or "rework_rate" (no published bands)
    kind: Kind
    higher_is_better: bool
    value: Callable[[TeamWindowMetrics], float | None]

    @property
    def title(self) -> str:
        return KEY_TITLES[self.name]


def recovery_hours(row: TeamWindowMetrics) -> float | None:
    """Failed deployment recovery p50, else time to restore p50: the value the recovery band uses."""
    if row.failed_deployment_recovery_hours_p50 is not None:
        return row.failed_deployment_recovery_hours_p50
    return row.time_to_restore_hours_p50


KEYS: tuple[Key, ...] = (
    Key("deployment_frequency", "frequency", True, lambda row: row.deployment_frequency_per_day),
    Key("lead_time", "hours", False, lambda row: row.lead_time_hours_p50),
    Key("change_failure_rate", "ratio", False, lambda row: row.change_failure_rate),
    Key("recovery", "hours", False, recovery_hours),
    Key("rework_rate", "ratio", False, lambda row: row.rework_rate),
)


# -- numbers for humans ----------------------------------------------------------------------------


def key_value(metric: str, row: TeamWindowMetrics) -> str:
    """The value of ``metric`` (a name of ``KEYS``) in ``row``, written for people."""
    key = next(k for k in KEYS if k.name == metric)
    return format_value(key.kind, key.value(row))


# -- numbers for humans ----------------------------------------------------------------------------


def format_hours(hours: float | None) -> str:
    """``0.5`` → ``30 min``, ``3.2`` → ``3.2 h``, ``50.4`` → ``2.1 d``, ``-6`` → ``−6.0 h``."""
    if hours is None:
        return NO_DATA
    if hours < 0:  # a restore time of an incident resolved before it started: its unit by its size
        return "−" + format_hours(-hours)
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


def format_ratio(ratio: float | None) -> str:
    """``0.0714`` → ``7.1 %``."""
    return NO_DATA if ratio is None else f"{ratio * 100:.1f} %"


def format_frequency(per_day: float | None) -> str:
    """Per day, per week or per month, whichever gives a number a person can picture."""
    if per_day is None:
        return NO_DATA
    if per_day == 0:
        return "none"
    if per_day >= 1:
        return f"{per_day:.1f} / day"
    if per_day >= 1 / 7:
        return f"{per_day * 7:.1f} / week"
    return f"{per_day * 30:.1f} / month"


def format_value(kind: Kind, value: float | None) -> str:
    if kind == "hours":
        return format_hours(value)
    if kind == "ratio":
        return format_ratio(value)
    return format_frequency(value)


def format_delta(kind: Kind, delta: float) -> str:
    """A signed difference: ``+3.2 h``, ``−1.5 pp`` (percentage points), ``+2.0 / week``."""
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    if kind == "ratio":
        return f"{sign}{abs(delta) * 100:.1f} pp"
    magnitude = abs(delta)
    return sign + (format_hours(magnitude) if kind == "hours" else format_frequency(magnitude))


def format_instant(instant: datetime) -> str:
    return as_utc(instant).strftime("%Y-%m-%d %H:%M UTC")


def team_title(team: str) -> str:
    return ORGANISATION_TITLE if team == ORGANISATION else team


# -- file names ------------------------------------------------------------------------------------


TEAM_PAGES = "team-*.html"  # every team page's file name matches it, and no other file's


def team_page_names(teams: Iterable[str]) -> dict[str, str]:
    """Each team's page file name: ``team-<slug>.html``, unique, from ASCII letters, digits and ``-``.

    Names depend only on the teams given and their order, so the pages of one snapshot keep their
    names whichever subset is written. The ``team-`` prefix keeps them clear of ``index.html``.
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for team in teams:
        if team in names:
            continue
        slug = "organisation" if team == ORGANISATION else _slug(team)
        candidate, suffix = slug, 2
        while candidate in taken:
            candidate, suffix = f"{slug}-{suffix}", suffix + 1
        taken.add(candidate)
        names[team] = f"team-{candidate}.html"
    return names


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    return slug or "team"
