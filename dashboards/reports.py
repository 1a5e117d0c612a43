"""Static HTML reports for team leads (SPEC §8.3): an index of every team's bands and one page per team.

A report folder is self-contained so it can be zipped and mailed: the pages load only
``plotly.min.js``, written once beside them from the installed plotly package, and nothing from a
network. Every value comes from an analytics ``Snapshot`` (plus, optionally, the snapshot of the
previous window for the "change" column); nothing here reads the store or runs analytics.

Privacy: a snapshot carries team-level figures only, and this module adds no other source, so no page
can name, count or quote a person. SPACE survey groups too small to stay anonymous (SPEC §7.4) are not
in the snapshot at all; a page says "not enough responses" there and shows no number for them. Team,
repo and incident names are data and are always escaped; they never go into chart JSON, where HTML
escaping would not apply.

Accessibility: colours are the Okabe–Ito palette (readable with the common colour-vision deficiencies),
every band colour also carries the band's name, lines differ by dash and marker as well as colour, and
every chart's numbers are also in a table or a caption.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import plotly.io  # type: ignore[import-untyped]
import plotly.offline  # type: ignore[import-untyped]

from analytics.benchmarks import BANDS, DORA_2024_CHANGE_FAILURE_RATE, METRICS
from analytics.dora import BREAKDOWN_STAGES, TeamWindowMetrics
from analytics.ownership import ORGANISATION
from analytics.snapshot import FailedDeployment, Snapshot, WeeklyPoint
from analytics.space import SpaceScore, previous_quarter, quarter_key
from analytics.windows import as_utc

INDEX_FILE = "index.html"
PLOTLY_FILE = "plotly.min.js"
ORGANISATION_TITLE = "Organisation"
NO_DATA = "n/a"
# A change smaller than this (relative) is not worth a sentence in "what stands out".
NOTABLE_CHANGE = 0.10
# Failed deployments listed per page; older ones are counted, not listed, to keep pages light.
FAILED_DEPLOYMENTS_SHOWN = 50

# Okabe–Ito. Bands use a blue → orange diverging pair so "better" and "worse" stay apart without red
# and green; text colour is chosen per band for a contrast of at least 4.5:1.
BAND_COLOURS: dict[str, tuple[str, str]] = {  # band → (background, text)
    "elite": ("#0072B2", "#ffffff"),
    "high": ("#56B4E9", "#000000"),
    "medium": ("#E69F00", "#000000"),
    "low": ("#D55E00", "#000000"),
}
SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")

KEY_TITLES: dict[str, str] = {
    "deployment_frequency": "Deployment frequency",
    "lead_time": "Lead time for changes (p50)",
    "change_failure_rate": "Change failure rate",
    "recovery": "Failed deployment recovery (p50)",
    "rework_rate": "Rework rate",
}
# How SPEC §6.1 found a failed deployment, in the words a team lead would use.
RULE_TEXT: dict[str, str] = {
    "explicit": "an incident names one of its commits",
    "rollback": "a later deployment rolled it back",
    "revert": "a later deployment reverted one of its commits",
    "window": "an incident on its service started soon after it",
}

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


def format_hours(hours: float | None) -> str:
    """``0.5`` → ``30 min``, ``3.2`` → ``3.2 h``, ``50.4`` → ``2.1 d``."""
    if hours is None:
        return NO_DATA
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


# -- what stands out -------------------------------------------------------------------------------


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

    rank = {band: position for position, band in enumerate(BANDS)}
    banded = {
        metric: band for metric in METRICS if (band := row.bands.get(metric)) is not None and band in rank
    }
    if banded:
        worst = max(banded.values(), key=rank.__getitem__)
        weakest = [metric for metric, band in banded.items() if band == worst]
        if worst == "elite":
            sentences.append(f"All {len(banded)} banded keys are elite.")
        else:
            described = _join([f"{_lower(metric)} ({_key_value(metric, row)})" for metric in weakest])
            noun = "key is" if len(weakest) == 1 else "keys are"
            sentences.append(f"The weakest {noun} {described}: {worst}.")

    previous_row = _previous_row(previous, team, row.window)
    if previous is not None and previous_row is not None:
        moved = [
            f"{_lower(metric)} from {before} to {after}"
            for metric in METRICS
            if (before := previous_row.bands.get(metric))
            and (after := row.bands.get(metric))
            and before != after
        ]
        if moved:
            sentences.append(f"Bands moved against the previous {row.window_days} days: {_join(moved)}.")
        ranked = sorted(changes(row, previous_row).values(), key=lambda c: -c.size)  # stable: KEYS order
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


# The keys as they read inside a sentence.
KEY_WORDS: dict[str, str] = {
    "deployment_frequency": "deployment frequency",
    "lead_time": "lead time",
    "change_failure_rate": "change failure rate",
    "recovery": "recovery",
    "rework_rate": "rework rate",
}


def _lower(metric: str) -> str:
    return KEY_WORDS[metric]


def _key_value(metric: str, row: TeamWindowMetrics) -> str:
    key = next(k for k in KEYS if k.name == metric)
    return format_value(key.kind, key.value(row))


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def longest(rows: Sequence[TeamWindowMetrics]) -> TeamWindowMetrics:
    """The row of the longest window: the one compared with the previous window."""
    return max(rows, key=lambda row: (row.window_days, row.window))


def _previous_row(previous: Snapshot | None, team: str, window: str) -> TeamWindowMetrics | None:
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
# for a thousand teams); the tests validate every figure through ``plotly.graph_objects.Figure``.
Figure = dict[str, Any]

_PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def _layout(title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    axis = {"gridcolor": "#dddddd", "linecolor": "#555555", "zerolinecolor": "#999999", "automargin": True}
    return {
        # An empty template: the stock one adds ~7 kB of JSON per chart that these charts never use.
        "template": {},
        "title": {"text": title, "font": {"size": 15}, "x": 0, "xanchor": "left"},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13},
        "colorway": list(SERIES_COLOURS),
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "height": 300,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "xaxis": dict(axis),
        "yaxis": {**axis, "title": {"text": y_title}, "rangemode": "tozero"},
        # Below the plot: at the top it would sit under plotly's mode bar.
        "legend": {"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0, "xanchor": "left"},
        "hovermode": "x unified",
        **extra,
    }


def chart_html(figure: Figure, div_id: str) -> str:
    # A fixed div id keeps the output of one snapshot byte-for-byte the same on every run.
    return str(
        plotly.io.to_html(
            figure,
            validate=False,
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            div_id=div_id,
            config=_PLOTLY_CONFIG,
            default_height="300px",
        )
    )


def _duration_unit(values: Iterable[float | None]) -> tuple[float, str]:
    """Hours or days for a chart's axis, whichever keeps its numbers small."""
    largest = max((v for v in values if v is not None), default=0.0)
    return (24.0, "days") if largest >= 72 else (1.0, "hours")


def _scaled(values: Sequence[float | None], divisor: float) -> list[float | None]:
    return [None if v is None else v / divisor for v in values]


def _line(
    name: str,
    x: list[str],
    values: Sequence[float | None],
    text: list[str],
    colour: str,
    dash: str,
    symbol: str,
) -> dict[str, Any]:
    # Series differ by dash and marker as well as by colour.
    return {
        "type": "scatter",
        "x": x,
        "y": list(values),
        "name": name,
        "mode": "lines+markers",
        "line": {"color": colour, "dash": dash, "width": 2},
        "marker": {"symbol": symbol, "size": 7},
        "customdata": text,
        "hovertemplate": f"{name}: %{{customdata}}<extra></extra>",
    }


def weekly_figures(points: Sequence[WeeklyPoint]) -> list[tuple[str, str, Figure]]:
    """(div id, caption, figure) of the four weekly trends."""
    weeks = [point.week_start.isoformat() for point in points]
    deployments: Figure = {
        "data": [
            {
                "type": "bar",
                "x": weeks,
                "y": [p.deployments for p in points],
                "name": "deployments",
                "marker": {"color": SERIES_COLOURS[0]},
                "hovertemplate": "%{y} deployments<extra></extra>",
            }
        ],
        "layout": _layout("Deployments per week", "deployments"),
    }

    p50 = [p.lead_time_hours_p50 for p in points]
    p90 = [p.lead_time_hours_p90 for p in points]
    divisor, unit = _duration_unit(p50 + p90)
    lead_time: Figure = {
        "data": [
            _line(
                "p50",
                weeks,
                _scaled(p50, divisor),
                [format_hours(v) for v in p50],
                SERIES_COLOURS[0],
                "solid",
                "circle",
            ),
            _line(
                "p90",
                weeks,
                _scaled(p90, divisor),
                [format_hours(v) for v in p90],
                SERIES_COLOURS[1],
                "dash",
                "diamond",
            ),
        ],
        "layout": _layout("Lead time for changes", unit),
    }

    rates = [p.change_failure_rate for p in points]
    failure_layout = _layout("Change failure rate", "failed share of deployments")
    failure_layout["yaxis"]["tickformat"] = ".0%"
    failure: Figure = {
        "data": [
            _line(
                "change failure rate",
                weeks,
                rates,
                [format_ratio(v) for v in rates],
                SERIES_COLOURS[5],
                "solid",
                "square",
            )
        ],
        "layout": failure_layout,
    }

    recovery = [p.failed_deployment_recovery_hours_p50 for p in points]
    divisor, unit = _duration_unit(recovery)
    recovering: Figure = {
        "data": [
            _line(
                "recovery p50",
                weeks,
                _scaled(recovery, divisor),
                [format_hours(v) for v in recovery],
                SERIES_COLOURS[2],
                "solid",
                "triangle-up",
            )
        ],
        "layout": _layout("Failed deployment recovery (p50)", unit),
    }
    return [
        ("chart-deployments", "Deployments per week.", deployments),
        (
            "chart-lead-time",
            "Lead time for changes per week: median (p50, solid) and p90 (dashed).",
            lead_time,
        ),
        ("chart-cfr", "Change failure rate per week; gaps are weeks without deployments.", failure),
        (
            "chart-recovery",
            "Median recovery of the week's failed deployments; gaps are weeks without a recovered failure.",
            recovering,
        ),
    ]


def breakdown_figure(row: TeamWindowMetrics) -> Figure:
    """The median of each lead-time stage over ``row``'s window, as horizontal bars."""
    hours = [row.lead_time_breakdown_hours_p50.get(stage) for stage in BREAKDOWN_STAGES]
    divisor, unit = _duration_unit(hours)
    layout = _layout(f"Median time per stage, last {row.window_days} days", "", hovermode="closest")
    layout["xaxis"].update({"title": {"text": unit}, "rangemode": "tozero"})
    layout["yaxis"].update({"autorange": "reversed", "title": {"text": ""}})
    return {
        "data": [
            {
                "type": "bar",
                "y": [stage.capitalize() for stage in BREAKDOWN_STAGES],
                "x": _scaled(hours, divisor),
                "orientation": "h",
                "marker": {"color": list(SERIES_COLOURS[:4])},
                # The value is written on each bar: the numbers must not depend on hover or on colour.
                "text": [format_hours(v) for v in hours],
                "textposition": "auto",
                "hovertemplate": "%{y}: %{text}<extra></extra>",
                "showlegend": False,
            }
        ],
        "layout": layout,
    }


# -- HTML ------------------------------------------------------------------------------------------


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


_STYLE = """
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a;
       background: #f6f6f4; margin: 0; }
header, main, footer { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 16px; }
h1 { font-size: 1.7rem; margin: 0.2rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 0 0 0.6rem; }
section { background: #ffffff; border: 1px solid #d8d8d8; border-radius: 6px; padding: 14px 18px;
          margin: 14px 0; }
.meta, .note, figcaption, footer { color: #4a4a4a; font-size: 0.9rem; }
a { color: #005a8c; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #e2e2e2; vertical-align: top; }
th { font-weight: 600; background: #f0f0ee; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.band { display: inline-block; min-width: 4.5em; text-align: center; padding: 1px 8px; border-radius: 10px;
        font-weight: 600; font-size: 0.85rem; }
.band-none { border: 1px dashed #888888; color: #4a4a4a; }
.better { color: #005a8c; } .worse { color: #a33f00; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 12px; }
figure { margin: 0; border: 1px solid #ececec; border-radius: 4px; padding: 6px; min-width: 0; }
ul.standout { margin: 0; padding-left: 1.2em; } ul.standout li { margin: 0.15rem 0; }
dl.rules { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; font-size: 0.9rem; }
dl.rules dt { font-weight: 600; } dl.rules dd { margin: 0; }
code { overflow-wrap: anywhere; }
"""


def _page(title: str, body: str, *, with_plotly: bool) -> str:
    script = f'<script src="{PLOTLY_FILE}" charset="utf-8"></script>\n' if with_plotly else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n{script}</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def band_badge(band: str | None) -> str:
    if band not in BAND_COLOURS:
        return '<span class="band band-none">no band</span>'
    background, text = BAND_COLOURS[band]
    return (
        f'<span class="band band-{band}" style="background:{background};color:{text}">'
        f"{band.capitalize()}</span>"
    )


def _metrics_table(rows: Sequence[TeamWindowMetrics], previous_row: TeamWindowMetrics | None) -> str:
    row = longest(rows)
    found = changes(row, previous_row)
    heads = "".join(f'<th scope="col" class="num">{_e(r.window)}</th>' for r in rows)
    compare_heads = (
        f'<th scope="col" class="num">Previous {_e(row.window)}</th><th scope="col" class="num">Change</th>'
        if previous_row is not None
        else ""
    )
    body = []
    for key in KEYS:
        cells = "".join(f'<td class="num">{_e(format_value(key.kind, key.value(r)))}</td>' for r in rows)
        band = band_badge(row.bands.get(key.name)) if key.name in METRICS else "no published bands"
        title = key.title
        if key.name == "recovery" and row.failed_deployment_recovery_hours_p50 is None:
            title += "*"  # the time-to-restore fallback, explained below the table
        compare = ""
        if previous_row is not None:
            change = found.get(key.name)
            before = format_value(key.kind, key.value(previous_row))
            if change is None:
                shown = f'<td class="num">{NO_DATA}</td>'
            elif before == format_value(key.kind, change.current):
                # Equal as shown: a "+0.0 pp (worse)" would report noise below the display's precision.
                shown = '<td class="num">no change</td>'
            else:
                shown = (
                    f'<td class="num {change.verdict}">'
                    f"{_e(format_delta(key.kind, change.delta))} ({change.verdict})</td>"
                )
            compare = f'<td class="num">{_e(before)}</td>{shown}'
        body.append(f'<tr><th scope="row">{_e(title)}</th>{cells}<td>{band}</td>{compare}</tr>')
    lead_p90 = "".join(f'<td class="num">{_e(format_hours(r.lead_time_hours_p90))}</td>' for r in rows)
    padding = "<td></td><td></td><td></td>" if previous_row is not None else "<td></td>"
    body.insert(2, f'<tr><th scope="row">Lead time for changes (p90)</th>{lead_p90}{padding}</tr>')
    deployments = "".join(f'<td class="num">{r.deployments}</td>' for r in rows)
    body.append(f'<tr><th scope="row">Deployments</th>{deployments}{padding}</tr>')
    return (
        '<table>\n<thead><tr><th scope="col">Metric</th>'
        f'{heads}<th scope="col">Band</th>{compare_heads}</tr></thead>\n<tbody>\n'
        + "\n".join(body)
        + "\n</tbody>\n</table>"
    )


def _metrics_notes(row: TeamWindowMetrics, benchmarks: str, previous_as_of: datetime | None) -> str:
    reference = ", ".join(f"{band} {format_ratio(DORA_2024_CHANGE_FAILURE_RATE[band])}" for band in BANDS)
    notes = [
        f"Bands follow the {_e(benchmarks)} benchmarks, from the 90-day window (or the longest "
        "configured). Rework rate has no published bands.",
        f"For reference only, DORA 2024's change failure rates per cluster: {_e(reference)}. They are "
        "not in order of the clusters, so they are not used as bands.",
    ]
    if row.failed_deployment_recovery_hours_p50 is None and row.time_to_restore_hours_p50 is not None:
        notes.append(
            "* No failed deployment has recovered in this window, so recovery shows the median time to "
            "restore of incidents instead."
        )
    if previous_as_of is not None:
        notes.append(
            f"Change compares the {_e(row.window)} window with the {_e(row.window)} before it "
            f"(as of {_e(format_instant(previous_as_of))}). For lead time, recovery and rates lower is "
            "better; for deployment frequency higher is better."
        )
    return "".join(f'<p class="note">{note}</p>' for note in notes)


def _breakdown_table(rows: Sequence[TeamWindowMetrics]) -> str:
    heads = "".join(f'<th scope="col" class="num">{_e(r.window)}</th>' for r in rows)
    body = "".join(
        f'<tr><th scope="row">{stage.capitalize()}</th>'
        + "".join(
            f'<td class="num">{_e(format_hours(r.lead_time_breakdown_hours_p50.get(stage)))}</td>'
            for r in rows
        )
        + "</tr>"
        for stage in BREAKDOWN_STAGES
    )
    return _table(f'<th scope="col">Stage (median)</th>{heads}', body)


def _failed_table(snapshot: Snapshot, team: str, days: int) -> str:
    failed = failed_in_window(snapshot, team, days)
    if not failed:
        return f"<p>No failed deployments in the last {days} days.</p>"
    with_team = team == ORGANISATION
    heads = [
        "Deployed",
        *(["Team"] if with_team else []),
        "Repository",
        "Deployment",
        "Found by",
        "Incidents",
        "Recovered after",
    ]
    rows = []
    for deployment in failed[:FAILED_DEPLOYMENTS_SHOWN]:
        recovered = (
            format_hours(
                (as_utc(deployment.recovered_at) - as_utc(deployment.deployed_at)).total_seconds() / 3600
            )
            if deployment.recovered_at is not None
            else "not yet"
        )
        cells = [
            _e(format_instant(deployment.deployed_at)),
            *([_e(team_title(deployment.team))] if with_team else []),
            f"<code>{_e(deployment.repo)}</code>",
            _e(deployment.deployment_id),
            _e(", ".join(deployment.rules)),
            _e(", ".join(deployment.incident_ids)) or "none",
            _e(recovered),
        ]
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    more = len(failed) - FAILED_DEPLOYMENTS_SHOWN
    rules = "".join(f"<dt>{_e(rule)}</dt><dd>{_e(text)}</dd>" for rule, text in RULE_TEXT.items())
    return (
        f"<p>{len(failed)} failed deployment{'s' if len(failed) != 1 else ''} in the last {days} days, "
        "newest first.</p>"
        "<table><thead><tr>"
        + "".join(f'<th scope="col">{h}</th>' for h in heads)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + (f'<p class="note">… and {more} older ones.</p>' if more > 0 else "")
        + f'<dl class="rules">{rules}</dl>'
    )


def _incidents_table(rows: Sequence[TeamWindowMetrics]) -> str:
    body = "".join(
        f'<tr><th scope="row">{_e(r.window)}</th><td class="num">{r.incidents}</td>'
        f'<td class="num">{_e(format_hours(r.time_to_restore_hours_p50))}</td>'
        f'<td class="num">{_e(format_hours(r.time_to_restore_hours_p90))}</td></tr>'
        for r in rows
    )
    heads = "".join(
        f'<th scope="col" class="num">{head}</th>'
        for head in ("Incidents started", "Time to restore p50", "Time to restore p90")
    )
    return _table(f'<th scope="col">Window</th>{heads}', body)


SPACE_TITLES: dict[str, str] = {
    "satisfaction": "Satisfaction and well-being",
    "performance": "Performance",
    "activity": "Activity",
    "communication": "Communication and collaboration",
    "efficiency": "Efficiency and flow",
}
NOT_ENOUGH = "not enough responses"
# rising/falling in the report's better/worse colours: every SPACE score is "higher is better".
CHANGE_CLASSES: dict[str, str] = {"rising": "better", "falling": "worse", "stable": ""}


def _dimension_title(dimension: str) -> str:
    return SPACE_TITLES.get(dimension, dimension.capitalize())


def _dimension_order(dimension: str) -> tuple[int, str]:
    """S, P, A, C, E as the framework names them; any other dimension after them, by name."""
    known = list(SPACE_TITLES)
    return (known.index(dimension) if dimension in SPACE_TITLES else len(known), dimension)


def _space_change(row: SpaceScore, previous: SpaceScore | None) -> str:
    if row.change is None:
        # A shown previous row with no change: the items or their wording differ between the quarters.
        text = "not comparable: the questions changed" if previous is not None else "no earlier quarter"
        return f"<td>{_e(text)}</td>"
    since = f" (from {previous.score:.1f})" if previous is not None else ""
    css = CHANGE_CLASSES.get(row.change, "")
    return (
        f'<td class="{css}">{_e(row.change)}{_e(since)}</td>'
        if css
        else f"<td>{_e(row.change)}{_e(since)}</td>"
    )


def _space_quarter_table(
    team_rows: Mapping[tuple[str, str], SpaceScore], quarter: str, dimensions: Sequence[str]
) -> str:
    before = previous_quarter(quarter)
    heads = (
        '<th scope="col">Dimension</th><th scope="col" class="num">Score (0–100)</th>'
        '<th scope="col" class="num">Favourable</th><th scope="col" class="num">Respondents</th>'
        f'<th scope="col">Change since {_e(before)}</th>'
    )
    body = []
    for dimension in dimensions:
        row = team_rows.get((quarter, dimension))
        title = f'<th scope="row">{_e(_dimension_title(dimension))}</th>'
        if row is None:
            body.append(f'<tr>{title}<td colspan="4">{NOT_ENOUGH}</td></tr>')
            continue
        body.append(
            f'<tr>{title}<td class="num">{row.score:.1f}</td>'
            f'<td class="num">{_e(format_ratio(row.favourable))}</td><td class="num">{row.respondents}</td>'
            + _space_change(row, team_rows.get((before, dimension)))
            + "</tr>"
        )
    return _table(heads, "".join(body))


def _space_history_table(
    team_rows: Mapping[tuple[str, str], SpaceScore],
    quarters: Sequence[str],
    dimensions_by_quarter: Mapping[str, set[str]],
) -> str:
    dimensions = sorted(set().union(*dimensions_by_quarter.values()), key=_dimension_order)
    heads = '<th scope="col">Dimension</th>' + "".join(
        f'<th scope="col" class="num">{_e(quarter)}</th>' for quarter in quarters
    )
    body = []
    for dimension in dimensions:
        cells = []
        for quarter in quarters:
            row = team_rows.get((quarter, dimension))
            if row is not None:
                cells.append(f'<td class="num">{row.score:.1f}</td>')
            elif dimension in dimensions_by_quarter[quarter]:
                cells.append(f'<td class="num">{NOT_ENOUGH}</td>')
            else:
                cells.append('<td class="num">—</td>')  # no group at all has this dimension that quarter
        body.append(f'<tr><th scope="row">{_e(_dimension_title(dimension))}</th>{"".join(cells)}</tr>')
    return _table(heads, "".join(body))


def _space_section(snapshot: Snapshot, team: str) -> str:
    """The team's SPACE scores of the latest survey quarter, with change, and its earlier quarters.

    Only shown groups are in the snapshot, so whatever a team lacks is "not enough responses" — which
    also covers a team that did not take part: telling the two apart would say how many answered.
    """
    if not snapshot.space:
        return _section("space", "SPACE survey scores", "<p>No survey scores in this snapshot.</p>")
    quarters = sorted({row.quarter for row in snapshot.space}, key=quarter_key)
    dimensions_by_quarter: dict[str, set[str]] = {quarter: set() for quarter in quarters}
    for row in snapshot.space:
        dimensions_by_quarter[row.quarter].add(row.dimension)
    team_rows = {(row.quarter, row.dimension): row for row in snapshot.space if row.team == team}
    latest = quarters[-1]
    latest_rows = [row for (quarter, _), row in team_rows.items() if quarter == latest]
    parts = []
    if not latest_rows:
        parts.append(
            f"<p>{_e(latest)}: {NOT_ENOUGH}. Scores are shown only for groups large enough that no "
            "answer can be traced to a person.</p>"
        )
    else:
        first = latest_rows[0]
        rate = (
            f"a response rate of {_e(format_ratio(first.response_rate))}"
            if first.response_rate is not None
            else "no headcount configured for a response rate"
        )
        parts.append(f"<p>{_e(latest)}: {first.quarter_respondents} respondents, {rate}.</p>")
        parts.append(
            _space_quarter_table(
                team_rows, latest, sorted(dimensions_by_quarter[latest], key=_dimension_order)
            )
        )
    if len(quarters) > 1 and team_rows:
        parts.append("<h3>Score by quarter</h3>")
        parts.append(_space_history_table(team_rows, quarters, dimensions_by_quarter))
    parts.append(
        '<p class="note">Score: the mean answer of each question on 0–100 (0 the least favourable end of '
        "the scale, reverse-worded questions turned round), averaged over the dimension's questions. "
        "Favourable: the share of answers at the favourable end (e.g. agree, strongly agree). Change is "
        "rising or falling only when the score moved at least 5 points and more than its sampling noise "
        "(1.96 standard errors); it is not comparable when the questions changed. Groups with too few "
        f"respondents to stay anonymous show “{NOT_ENOUGH}” and no number, here and everywhere else.</p>"
    )
    return _section("space", "SPACE survey scores", "".join(parts))


def _table(head_row: str, body_rows: str) -> str:
    return f"<table><thead><tr>{head_row}</tr></thead><tbody>{body_rows}</tbody></table>"


def _section(anchor: str, title: str, content: str) -> str:
    return (
        f'<section id="{anchor}" aria-labelledby="{anchor}-title"><h2 id="{anchor}-title">{title}</h2>\n'
        f"{content}\n</section>"
    )


def team_page(snapshot: Snapshot, team: str, *, previous: Snapshot | None = None) -> str:
    """The HTML page of one team (``"*"``: the organisation)."""
    rows = sorted(snapshot.team_metrics(team), key=lambda r: (r.window_days, r.window))
    name = team_title(team)
    # Compared only when the previous snapshot has this team's row: a new team gets no made-up change.
    previous_row = _previous_row(previous, team, longest(rows).window) if rows else None
    previous_as_of = previous.as_of if previous is not None and previous_row is not None else None
    meta = f"As of {_e(format_instant(snapshot.as_of))} · benchmarks {_e(snapshot.benchmarks)}"
    if previous_as_of is not None:
        meta += f" · compared with {_e(format_instant(previous_as_of))}"
    elif previous is not None:
        meta += " · no previous window to compare with"
    header = (
        f'<header><p><a href="{INDEX_FILE}">All teams</a></p>'
        f'<h1>{_e(name)}</h1><p class="meta">{meta}</p></header>'
    )
    sentences = what_stands_out(snapshot, team, previous=previous)
    sections = [
        _section(
            "standout",
            "What stands out",
            '<ul class="standout">' + "".join(f"<li>{_e(s)}</li>" for s in sentences) + "</ul>",
        )
    ]
    if rows:
        row = longest(rows)
        sections.append(
            _section(
                "metrics",
                "The five metrics",
                _metrics_table(rows, previous_row) + _metrics_notes(row, snapshot.benchmarks, previous_as_of),
            )
        )
        points = sorted((p for p in snapshot.weekly if p.team == team), key=lambda p: p.week_start)
        if points:
            figures = "".join(
                f"<figure>{chart_html(figure, div_id)}<figcaption>{_e(caption)}</figcaption></figure>"
                for div_id, caption, figure in weekly_figures(points)
            )
            trends = f'<div class="charts">{figures}</div>'
        else:
            trends = "<p>This snapshot holds no weekly figures for this team.</p>"
        sections.append(_section("trends", "Weekly trends", trends))
        if any(v is not None for v in row.lead_time_breakdown_hours_p50.values()):
            chart = chart_html(breakdown_figure(row), "chart-breakdown")
            breakdown = (
                f"<figure>{chart}<figcaption>Medians per stage over the pull requests deployed in the "
                "window; they need not add up to the lead time.</figcaption></figure>"
            )
        else:
            breakdown = "<p>No deployed pull requests in this window.</p>"
        sections.append(
            _section(
                "breakdown",
                "Lead-time breakdown",
                breakdown
                + _breakdown_table(rows)
                + '<p class="note">Coding: first commit to PR opened. Pickup: PR opened to first review. '
                "Review: first review to merge. Deploy: merge to production.</p>",
            )
        )
        sections.append(
            _section("failed", "Failed deployments", _failed_table(snapshot, team, row.window_days))
        )
        sections.append(_section("incidents", "Incidents", _incidents_table(rows)))
    sections.append(_space_section(snapshot, team))
    footer = (
        f"<footer><p>doraspace report from the snapshot of {_e(format_instant(snapshot.created_at))}. "
        "Team-level figures only: no person is named or measured.</p></footer>"
    )
    body = header + "\n<main>\n" + "\n".join(sections) + "\n</main>\n" + footer
    return _page(f"{name} — doraspace DORA report", body, with_plotly=bool(rows))


def index_page(snapshot: Snapshot, pages: Mapping[str, str]) -> str:
    """Every team of the snapshot with its four bands; a team links to its page when one was written."""
    heads = "".join(f'<th scope="col">{_e(KEY_TITLES[metric])}</th>' for metric in METRICS)
    body = []
    for team in snapshot.teams:
        rows = snapshot.team_metrics(team)
        name = _e(team_title(team))
        link = f'<a href="{_e(pages[team])}">{name}</a>' if team in pages else name
        if rows:
            row = longest(rows)
            cells = "".join(
                f"<td>{band_badge(row.bands.get(metric))} {_e(_key_value(metric, row))}</td>"
                for metric in METRICS
            )
        else:
            cells = "".join("<td>no data</td>" for _ in METRICS)
        body.append(f'<tr><th scope="row">{link}</th>{cells}</tr>')
    windows = sorted({(r.window_days, r.window) for r in snapshot.metrics})
    window = _e(windows[-1][1]) if windows else NO_DATA
    content = (
        f'<header><h1>DORA metrics by team</h1><p class="meta">As of {_e(format_instant(snapshot.as_of))}'
        f" · values over the {window} window · benchmarks {_e(snapshot.benchmarks)}</p></header>\n<main>\n"
        + _section(
            "teams",
            "Teams",
            _table(f'<th scope="col">Team</th>{heads}', "".join(body))
            + '<p class="note">Each key shows its band (elite, high, medium, low) and its value. The '
            "organisation row covers every repository collected, unowned ones included.</p>",
        )
        + "\n</main>\n"
        "<footer><p>Team-level figures only: no person is named or measured.</p></footer>"
    )
    return _page("doraspace — DORA metrics by team", content, with_plotly=False)


def write_reports(
    snapshot: Snapshot,
    out_dir: Path,
    *,
    previous: Snapshot | None = None,
    teams: Sequence[str] | None = None,
) -> list[Path]:
    """Write ``index.html``, a page per team (``teams``: only these) and ``plotly.min.js`` into ``out_dir``.

    ``previous`` is the snapshot as of ``as_of`` minus the longest window; when given, pages show each
    metric's change against it. Returns the files written: the index, the team pages in snapshot order,
    then plotly.js. An unknown team is a ``ValueError`` naming it.
    """
    names = team_page_names(snapshot.teams)
    wanted = list(snapshot.teams) if teams is None else list(dict.fromkeys(teams))
    unknown = [team for team in wanted if team not in names]
    if unknown:
        raise ValueError(f"teams not in the snapshot: {unknown!r} (known: {list(snapshot.teams)!r})")
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = {team: names[team] for team in snapshot.teams if team in wanted}
    written = [_write(out_dir / INDEX_FILE, index_page(snapshot, pages))]
    for team, file_name in pages.items():
        written.append(_write(out_dir / file_name, team_page(snapshot, team, previous=previous)))
    written.append(_write(out_dir / PLOTLY_FILE, str(plotly.offline.get_plotlyjs())))
    return written


def _write(path: Path, text: str) -> Path:
    # Write beside, then rename: a reader (the /reports/ server) never sees half a page.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return path
