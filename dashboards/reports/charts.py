"""The plotly figures of a team page: weekly trends and the lead-time breakdown.

Figures are plain dicts rendered without plotly's validation, which costs ~70 ms a page (over a minute
for a thousand teams); the tests validate every figure through ``plotly.graph_objects.Figure``. Team,
repo and incident names never go into chart JSON, where HTML escaping would not apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import plotly.io  # type: ignore[import-untyped]

from analytics.dora import BREAKDOWN_STAGES, TeamWindowMetrics
from analytics.snapshot import WeeklyPoint
from dashboards.reports.keys import format_hours, format_ratio

# Okabe–Ito, in an order where neighbouring series stay apart.
SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")

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
