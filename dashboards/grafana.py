"""Grafana dashboards for the SPEC §8.1 metrics, generated from code (SPEC §8.2).

Three dashboards: an organisation overview (every team's four keys with band colours), a team
dashboard (``$team``, ``$window``) and a SPACE dashboard (``$team``, ``$quarter``: survey scores per
dimension). All take their data source from a ``datasource`` template variable, never from a fixed
uid or an ``__inputs`` placeholder, so the same file works imported through the UI and provisioned
from disk. ``write_dashboards`` writes them, a file-provider YAML and an
``index.html`` for ``/dashboards/``.

Band colours come from ``analytics.benchmarks`` so that a stat panel's colour and the band the
analytics give can never drift apart. Grafana thresholds mean "value ≥ step": for the "lower is
better" metrics the steps are placed so the edges agree with SPEC §6.3 (see ``docs/grafana.md``).

The exporter serves windowed gauges, so a trend is the gauge plotted over time; ``rate()`` over these
gauges would measure the exporter's uptime, not delivery, and is never used. SPACE scores are per
quarter (a label), so their history is a table of quarters, not a line over time.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from analytics.benchmarks import BANDS, BENCHMARK_SETS, METRICS

Json = dict[str, Any]

SCHEMA_VERSION = 39  # Grafana 10.4 / 11.0; later versions migrate it on load
OVERVIEW_UID = "doraspace-overview"
TEAM_UID = "doraspace-team"
OVERVIEW_FILE = "doraspace-overview.json"
TEAM_FILE = "doraspace-team.json"
SPACE_UID = "doraspace-space"
SPACE_FILE = "doraspace-space.json"
PROVIDER_FILE = "doraspace-dashboards.yaml"
INDEX_FILE = "index.html"
DEFAULT_BENCHMARKS = "dora-2023"
DEFAULT_WINDOW = "90d"  # bands come from the 90-day window: by default a stat's colour is its band
TAGS = ["doraspace", "dora"]

DATASOURCE: Json = {"type": "prometheus", "uid": "${datasource}"}

# Okabe–Ito colours, a diverging blue → orange scale that stays readable with red-green colour
# blindness; value mappings add the band's name so colour never carries the meaning alone.
BAND_COLOURS: dict[str, str] = {
    "elite": "#0072B2",
    "high": "#56B4E9",
    "medium": "#E69F00",
    "low": "#D55E00",
}
# dora_band is one 0/1 series per band; a dashboard needs one number per (team, metric): the score.
BAND_SCORES: dict[str, int] = {"elite": 4, "high": 3, "medium": 2, "low": 1}
KEY_TITLES: dict[str, str] = {
    "deployment_frequency": "Deployment frequency",
    "lead_time": "Lead time for changes (p50)",
    "change_failure_rate": "Change failure rate",
    "recovery": "Failed deployment recovery (p50)",
}
BREAKDOWN_STAGES: tuple[str, ...] = ("coding", "pickup", "review", "deploy")

HOUR = 3600


# -- PromQL ----------------------------------------------------------------------------------------


def selector(metric: str, team: str, window: str = "$window", **labels: str) -> str:
    """``metric{team…,window="…",…}``; ``team`` is a full matcher such as ``team="$team"``."""
    matchers = [team, f'window="{window}"', *(f'{name}="{value}"' for name, value in labels.items())]
    return f"{metric}{{{','.join(matchers)}}}"


def recovery_expr(team: str, window: str = "$window") -> str:
    """Failed deployment recovery p50, falling back to time to restore p50 (SPEC §6.3).

    ``or`` matches on every label but the metric name, so a team's recovery series wins over its
    time-to-restore series and the latter only fills in where recovery is absent (null).
    """
    recovery = selector("dora_failed_deployment_recovery_seconds", team, window, percentile="50")
    restore = selector("dora_time_to_restore_seconds", team, window, percentile="50")
    return f"{recovery} or {restore}"


def band_score_expr(team: str, by: str) -> str:
    """4 elite … 1 low per ``by`` group, from the one-hot ``dora_band`` series.

    Multiplying drops the metric name but keeps ``band``, so the four products never match each other
    under ``or`` and all survive; exactly one is non-zero per (team, metric), so the sum is the score.
    """
    parts = [
        f'{score} * dora_band{{{team},band="{band}"}}' if score != 1 else f'dora_band{{{team},band="{band}"}}'
        for band, score in BAND_SCORES.items()
    ]
    return f"sum by ({by}) ({' or '.join(parts)})"


# -- field config ----------------------------------------------------------------------------------


def _number(value: float) -> float | int:
    # 86400 rather than 86400.0 in the JSON, for people reading it.
    return int(value) if float(value).is_integer() else value


def thresholds_higher_is_better(at_least: Sequence[float | None]) -> Json:
    """Steps for a metric whose bands are ``value ≥ limit`` (elite, high, medium limits).

    Grafana's "value ≥ step" is exactly that rule, so a value on a limit gets the better band.
    """
    steps: list[Json] = [{"color": BAND_COLOURS["low"], "value": None}]
    for band, limit in reversed(list(zip(("elite", "high", "medium"), at_least, strict=True))):
        if limit is not None:
            steps.append({"color": BAND_COLOURS[band], "value": _number(limit)})
    return {"mode": "absolute", "steps": steps}


def thresholds_lower_is_better(limits: Sequence[float | None], *, inclusive: bool) -> Json:
    """Steps for a metric whose bands are ``value < limit`` (or ``≤`` when ``inclusive``).

    The base colour is the best band and each step starts the next worse band. For ``<`` a step on the
    limit itself is exact (a value equal to the limit is no longer in the better band). For ``≤`` the
    step is the next double above the limit, so the limit itself keeps the better band.
    """
    present = [
        (band, limit)
        for band, limit in zip(("elite", "high", "medium"), limits, strict=True)
        if limit is not None
    ]
    if not present:
        return {"mode": "absolute", "steps": [{"color": BAND_COLOURS["low"], "value": None}]}
    steps: list[Json] = [{"color": BAND_COLOURS[present[0][0]], "value": None}]
    for index, (_, limit) in enumerate(present):
        worse = present[index + 1][0] if index + 1 < len(present) else "low"
        edge = math.nextafter(limit, math.inf) if inclusive else limit
        steps.append({"color": BAND_COLOURS[worse], "value": _number(edge)})
    return {"mode": "absolute", "steps": steps}


def key_thresholds(benchmarks: str) -> dict[str, Json]:
    """Thresholds of the four keys in the exporter's units (per day, seconds, ratio)."""
    try:
        limits = BENCHMARK_SETS[benchmarks]
    except KeyError:
        raise ValueError(f"unknown benchmark set {benchmarks!r}") from None

    def seconds(hours: Sequence[float | None]) -> list[float | None]:
        return [None if h is None else h * HOUR for h in hours]

    return {
        "deployment_frequency": thresholds_higher_is_better(limits.deployment_frequency_at_least),
        "lead_time": thresholds_lower_is_better(seconds(limits.lead_time_hours_below), inclusive=False),
        "change_failure_rate": thresholds_lower_is_better(limits.change_failure_rate_at_most, inclusive=True),
        "recovery": thresholds_lower_is_better(seconds(limits.recovery_hours_below), inclusive=False),
    }


def band_mappings() -> list[Json]:
    """Band score → band name and colour."""
    return [
        {
            "type": "value",
            "options": {
                str(BAND_SCORES[band]): {"text": band.capitalize(), "color": BAND_COLOURS[band], "index": i}
                for i, band in enumerate(BANDS)
            },
        }
    ]


NEUTRAL_THRESHOLDS: Json = {"mode": "absolute", "steps": [{"color": "text", "value": None}]}
KEY_UNITS: dict[str, str] = {
    "deployment_frequency": "suffix:/day",
    "lead_time": "s",
    "change_failure_rate": "percentunit",
    "recovery": "s",
}
KEY_DECIMALS: dict[str, int | None] = {
    "deployment_frequency": 2,
    "lead_time": None,
    "change_failure_rate": 1,
    "recovery": None,
}


# -- panels ----------------------------------------------------------------------------------------


def target(
    expr: str, *, ref_id: str = "A", legend: str = "", instant: bool = False, table: bool = False
) -> Json:
    """One Prometheus query; ``table`` makes it an instant query in table format."""
    return {
        "datasource": dict(DATASOURCE),
        "refId": ref_id,
        "expr": expr,
        "legendFormat": legend or "__auto",
        "range": not (instant or table),
        "instant": instant or table,
        "format": "table" if table else "time_series",
        "editorMode": "code",
    }


def _field_defaults(
    *,
    unit: str,
    thresholds: Json | None = None,
    decimals: int | None = None,
    mappings: list[Json] | None = None,
    custom: Json | None = None,
) -> Json:
    defaults: Json = {
        "unit": unit,
        "thresholds": thresholds or NEUTRAL_THRESHOLDS,
        "mappings": mappings or [],
        "color": {"mode": "thresholds"},
    }
    if decimals is not None:
        defaults["decimals"] = decimals
    if custom is not None:
        defaults["custom"] = custom
    return defaults


def stat_panel(
    title: str,
    targets: Sequence[Json],
    *,
    unit: str,
    description: str,
    thresholds: Json | None = None,
    decimals: int | None = None,
    mappings: list[Json] | None = None,
    sparkline: bool = True,
    overrides: Sequence[Json] = (),
) -> Json:
    """A stat coloured by ``thresholds`` (background), last non-null value of each series."""
    return {
        "type": "stat",
        "title": title,
        "description": description,
        "datasource": dict(DATASOURCE),
        "targets": list(targets),
        "fieldConfig": {
            "defaults": _field_defaults(
                unit=unit, thresholds=thresholds, decimals=decimals, mappings=mappings
            ),
            "overrides": list(overrides),
        },
        "options": {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "background" if thresholds or mappings else "none",
            "graphMode": "area" if sparkline else "none",
            "justifyMode": "auto",
            "orientation": "auto",
            "textMode": "auto",
            "wideLayout": True,
            "showPercentChange": False,
        },
    }


def timeseries_panel(
    title: str,
    targets: Sequence[Json],
    *,
    unit: str,
    description: str,
    decimals: int | None = None,
    overrides: Sequence[Json] = (),
) -> Json:
    """Lines over time; nulls are not connected, so an absent (null) value shows as a gap."""
    custom: Json = {
        "drawStyle": "line",
        "lineWidth": 2,
        "fillOpacity": 0,
        "showPoints": "never",
        "spanNulls": False,
        "axisSoftMin": 0,
        "lineInterpolation": "stepAfter",  # a gauge holds its value until the next snapshot
    }
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": dict(DATASOURCE),
        "targets": list(targets),
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "custom": custom,
                "color": {"mode": "palette-classic-by-name"},
                **({"decimals": decimals} if decimals is not None else {}),
            },
            "overrides": list(overrides),
        },
        "options": {
            "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
    }


def table_panel(
    title: str,
    targets: Sequence[Json],
    *,
    description: str,
    transformations: Sequence[Json],
    overrides: Sequence[Json],
    defaults: Json | None = None,
) -> Json:
    return {
        "type": "table",
        "title": title,
        "description": description,
        "datasource": dict(DATASOURCE),
        "targets": list(targets),
        "transformations": list(transformations),
        "fieldConfig": {
            "defaults": defaults or {"custom": {"align": "auto", "cellOptions": {"type": "auto"}}},
            "overrides": list(overrides),
        },
        "options": {"showHeader": True, "cellHeight": "sm", "footer": {"show": False}},
    }


def bargauge_panel(title: str, targets: Sequence[Json], *, unit: str, description: str) -> Json:
    return {
        "type": "bargauge",
        "title": title,
        "description": description,
        "datasource": dict(DATASOURCE),
        "targets": list(targets),
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "min": 0,
                "thresholds": NEUTRAL_THRESHOLDS,
                "color": {"mode": "fixed", "fixedColor": BAND_COLOURS["elite"]},
            },
            "overrides": [],
        },
        "options": {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "orientation": "horizontal",
            "displayMode": "basic",
            "showUnfilled": True,
            "valueMode": "color",
            "namePlacement": "auto",
            "sizing": "auto",
        },
    }


def override(field_name: str, **properties: Any) -> Json:
    """A field override matched by name; keyword ``custom_x`` sets ``custom.x``."""
    return {
        "matcher": {"id": "byName", "options": field_name},
        "properties": [
            {"id": name.replace("custom_", "custom.", 1), "value": value}
            for name, value in properties.items()
        ],
    }


def dashed(series_name: str) -> Json:
    """An organisation reference line, drawn dashed so it reads as a reference, not a team."""
    return override(series_name, custom_lineStyle={"fill": "dash", "dash": [10, 10]})


# -- layout ----------------------------------------------------------------------------------------


@dataclass
class Layout:
    """Places panels left to right on Grafana's 24-column grid and numbers them (stable ids)."""

    panels: list[Json] = field(default_factory=list)
    _x: int = 0
    _y: int = 0
    _row_height: int = 0

    def row(self, title: str) -> None:
        self._newline()
        self._add({"type": "row", "title": title, "collapsed": False, "panels": []}, 24, 1)
        self._newline()

    def add(self, panel: Json, width: int, height: int) -> None:
        if self._x + width > 24:
            self._newline()
        self._add(panel, width, height)

    def _add(self, panel: Json, width: int, height: int) -> None:
        panel["id"] = len(self.panels) + 1
        panel["gridPos"] = {"x": self._x, "y": self._y, "w": width, "h": height}
        self.panels.append(panel)
        self._x += width
        self._row_height = max(self._row_height, height)

    def _newline(self) -> None:
        self._y += self._row_height
        self._x = 0
        self._row_height = 0


# -- variables and dashboards ----------------------------------------------------------------------


def datasource_variable() -> Json:
    """Every panel's data source; empty ``current`` makes Grafana pick the default Prometheus."""
    return {
        "name": "datasource",
        "label": "Data source",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
        "hide": 0,
        "includeAll": False,
        "multi": False,
        "options": [],
        "refresh": 1,
        "regex": "",
        "skipUrlSync": False,
    }


def query_variable(
    name: str, label: str, query: str, *, regex: str = "", default: str | None = None, sort: int = 1
) -> Json:
    """A single-value variable from a Prometheus ``label_values`` query, refreshed with the time range."""
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": dict(DATASOURCE),
        "query": query,
        "definition": query,
        "regex": regex,
        "current": {"selected": True, "text": default, "value": default} if default else {},
        "hide": 0,
        "includeAll": False,
        "multi": False,
        "options": [],
        "refresh": 2,
        "sort": sort,
        "skipUrlSync": False,
    }


# `*` is the organisation row; a team variable lists teams. The regex keeps names not starting with `*`.
TEAM_REGEX = "/^[^*].*$/"
# Grafana's sort 3 is "numerical (asc)": 7d, 30d, 90d rather than 30d, 7d, 90d.
NUMERICAL_ASC = 3


def window_variable() -> Json:
    return query_variable(
        "window",
        "Window",
        "label_values(dora_deployments, window)",
        default=DEFAULT_WINDOW,
        sort=NUMERICAL_ASC,
    )


def team_variable() -> Json:
    return query_variable("team", "Team", "label_values(dora_deployments, team)", regex=TEAM_REGEX)


def dashboard(uid: str, title: str, description: str, panels: list[Json], variables: list[Json]) -> Json:
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "id": None,
        "version": 1,
        "schemaVersion": SCHEMA_VERSION,
        "tags": list(TAGS),
        "editable": True,
        "graphTooltip": 1,
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "timezone": "utc",
        "weekStart": "",
        "time": {"from": "now-30d", "to": "now"},
        "timepicker": {},
        "refresh": "1m",  # a snapshot changes every few minutes; more often only costs queries
        "annotations": {
            "list": [
                {
                    "builtIn": 1,
                    "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                    "enable": True,
                    "hide": True,
                    "iconColor": "rgba(0, 211, 255, 1)",
                    "name": "Annotations & Alerts",
                    "type": "dashboard",
                }
            ]
        },
        # The other doraspace dashboards, carrying the time range and the variables along.
        "links": [
            {
                "type": "dashboards",
                "title": "doraspace",
                "tags": ["doraspace"],
                "asDropdown": False,
                "includeVars": True,
                "keepTime": True,
                "targetBlank": False,
                "icon": "external link",
                "tooltip": "",
                "url": "",
            }
        ],
        "panels": panels,
        "templating": {"list": [datasource_variable(), *variables]},
    }


_KEY_DESCRIPTIONS: dict[str, str] = {
    "deployment_frequency": "Deployments per day over the window (deployments ÷ window days).",
    "lead_time": "Median time from a change's first commit to its deployment, over the window.",
    "change_failure_rate": "Failed deployments ÷ deployments, both in the window.",
    "recovery": (
        "Median time from a failed deployment to its recovery (incident resolved, rollback or revert);"
        " where the team has none, the median time to restore of its incidents."
    ),
}


def _key_expr(key: str, team: str, window: str = "$window") -> str:
    if key == "deployment_frequency":
        return selector("dora_deployment_frequency_per_day", team, window)
    if key == "lead_time":
        return selector("dora_lead_time_seconds", team, window, percentile="50")
    if key == "change_failure_rate":
        return selector("dora_change_failure_rate", team, window)
    if key == "recovery":
        return recovery_expr(team, window)
    raise ValueError(f"unknown key {key!r}")


def _key_stat(key: str, team: str, thresholds: Json, edges: str, legend: str) -> Json:
    return stat_panel(
        KEY_TITLES[key],
        [target(_key_expr(key, team), legend=legend)],
        unit=KEY_UNITS[key],
        decimals=KEY_DECIMALS[key],
        thresholds=thresholds,
        description=f"{_KEY_DESCRIPTIONS[key]} Colour: the {edges} band this value falls in. "
        "No value: nothing to measure in the window.",
    )


def _band_stat(team: str, title: str) -> Json:
    return stat_panel(
        title,
        [target(band_score_expr(team, "metric"), legend="{{metric}}")],
        unit="none",
        mappings=band_mappings(),
        thresholds=NEUTRAL_THRESHOLDS,
        sparkline=False,
        description="The bands the analytics gave (from the 90-day window, or the longest configured, "
        "whatever window is selected). Absent where the metric has nothing to measure.",
        overrides=[override(key, displayName=KEY_TITLES[key]) for key in METRICS],
    )


def overview_dashboard(benchmarks: str = DEFAULT_BENCHMARKS) -> Json:
    """The organisation overview: organisation keys, every team's keys and bands, trends, health."""
    thresholds = key_thresholds(benchmarks)
    layout = Layout()
    org = 'team="*"'
    teams = 'team!="*"'

    layout.row("Organisation — $window window")
    for key in METRICS:
        layout.add(_key_stat(key, org, thresholds[key], benchmarks, "organisation"), 6, 5)

    layout.row("Teams — $window window")
    layout.add(_teams_table(teams, thresholds), 24, 10)
    layout.add(_bands_table(teams), 24, 10)

    layout.row("Trends per team — $window window")
    for key in METRICS:
        layout.add(
            timeseries_panel(
                KEY_TITLES[key],
                [target(_key_expr(key, teams), legend="{{team}}")],
                unit=KEY_UNITS[key],
                decimals=KEY_DECIMALS[key],
                description=f"{_KEY_DESCRIPTIONS[key]} Each point is the window's value at that time.",
            ),
            12,
            8,
        )

    layout.row("doraspace health")
    for panel, width in _health_panels():
        layout.add(panel, width, 5)

    return dashboard(
        OVERVIEW_UID,
        "doraspace — organisation",
        f"Every team's DORA four keys with {benchmarks} band colours.",
        layout.panels,
        [window_variable()],
    )


def _teams_table(teams: str, thresholds: Mapping[str, Json]) -> Json:
    ref_ids = dict(zip(METRICS, "ABCD", strict=True))
    # `max by (team)` leaves only the team label on every query, so "merge" joins the four on team.
    targets = [
        target(f"max by (team) ({_key_expr(key, teams)})", ref_id=ref_ids[key], table=True) for key in METRICS
    ]
    overrides = [
        override(
            f"Value #{ref_ids[key]}",
            displayName=KEY_TITLES[key],
            unit=KEY_UNITS[key],
            thresholds=thresholds[key],
            custom_cellOptions={"type": "color-background", "mode": "basic"},
            **({"decimals": KEY_DECIMALS[key]} if KEY_DECIMALS[key] is not None else {}),
        )
        for key in METRICS
    ]
    overrides.append(
        override(
            "team",
            displayName="Team",
            links=[
                {
                    "title": "Open ${__value.raw}'s dashboard",
                    "url": f"/d/{TEAM_UID}/{TEAM_UID}?var-team=${{__value.raw}}"
                    "&${datasource:queryparam}&${window:queryparam}&${__url_time_range}",
                }
            ],
        )
    )
    return table_panel(
        "Four keys per team",
        targets,
        description="Each team's value over the selected window, coloured by band. An empty cell: "
        "nothing to measure. Click a team for its dashboard.",
        transformations=[
            {"id": "merge", "options": {}},
            {"id": "organize", "options": {"excludeByName": {"Time": True}, "renameByName": {}}},
            {"id": "sortBy", "options": {"sort": [{"field": "team", "desc": False}]}},
        ],
        overrides=overrides,
    )


def _bands_table(teams: str) -> Json:
    # Grouping to a matrix names its first column "<row field>\\<column field>". Names are set by
    # overrides rather than by renaming, so the overrides can match the columns' original names.
    corner = "team\\metric"
    order = {corner: 0, **{key: index + 1 for index, key in enumerate(METRICS)}}
    return table_panel(
        "Bands per team (90-day window)",
        [target(band_score_expr(teams, "team, metric"), table=True)],
        description="The band of each key, as the analytics gave it (always from the 90-day window, or "
        "the longest configured). An empty cell: nothing to measure.",
        transformations=[
            {
                "id": "groupingToMatrix",
                "options": {"columnField": "metric", "rowField": "team", "valueField": "Value"},
            },
            {"id": "organize", "options": {"indexByName": order}},
            {"id": "sortBy", "options": {"sort": [{"field": corner, "desc": False}]}},
        ],
        overrides=[
            override(corner, displayName="Team"),
            *(
                override(
                    key,
                    displayName=KEY_TITLES[key],
                    mappings=band_mappings(),
                    custom_cellOptions={"type": "color-background", "mode": "basic"},
                )
                for key in METRICS
            ),
        ],
    )


def _health_panels() -> Iterator[tuple[Json, int]]:
    up_mappings = [
        {
            "type": "value",
            "options": {
                "1": {"text": "Up", "color": BAND_COLOURS["elite"], "index": 0},
                "0": {"text": "Down", "color": BAND_COLOURS["low"], "index": 1},
            },
        }
    ]
    yield (
        stat_panel(
            "doraspace up",
            [target("doraspace_up", legend="up")],
            unit="none",
            mappings=up_mappings,
            description="1 when the last analytics refresh succeeded.",
        ),
        4,
    )
    yield (
        stat_panel(
            "Snapshot age",
            [target("doraspace_snapshot_age_seconds", legend="age")],
            unit="s",
            description="How old the numbers on these dashboards are.",
        ),
        4,
    )
    yield (
        stat_panel(
            "Since last sync",
            [target("time() - doraspace_last_sync_timestamp_seconds", legend="{{source}}")],
            unit="s",
            sparkline=False,
            description="Time since each source's last successful sync.",
        ),
        6,
    )
    yield (
        stat_panel(
            "Sync errors in range",
            [target("increase(doraspace_sync_errors_total[$__range])", legend="{{source}}")],
            unit="short",
            decimals=0,
            sparkline=False,
            description="Failed syncs per source over the dashboard's time range.",
        ),
        5,
    )
    yield (
        stat_panel(
            "GitHub rate limit left",
            [target("doraspace_github_rate_limit_remaining", legend="remaining")],
            unit="short",
            description="GitHub API requests left in the current rate-limit window.",
        ),
        5,
    )


def team_dashboard(benchmarks: str = DEFAULT_BENCHMARKS) -> Json:
    """One team's keys (stat panels with band thresholds), detail, trends and lead-time breakdown."""
    thresholds = key_thresholds(benchmarks)
    layout = Layout()
    team = 'team="$team"'
    org = 'team="*"'

    layout.row("$team — four keys, $window window")
    for key in METRICS:
        layout.add(_key_stat(key, team, thresholds[key], benchmarks, "$team"), 6, 5)
    layout.add(_band_stat(team, "Bands (90-day window)"), 24, 4)

    layout.row("$team — detail, $window window")
    details = [
        ("Deployments", selector("dora_deployments", team), "short", "Deployments in the window."),
        (
            "Lead time (p90)",
            selector("dora_lead_time_seconds", team, percentile="90"),
            "s",
            "90th percentile of the lead times of the window's changes.",
        ),
        (
            "Rework rate",
            selector("dora_rework_rate", team),
            "percentunit",
            "Rework deployments (rollbacks, reverts, rework-labelled PRs, deployed during an open "
            "incident) ÷ deployments. No published bands.",
        ),
        ("Incidents", selector("dora_incidents", team), "short", "Incidents that started in the window."),
        (
            "Time to restore (p50)",
            selector("dora_time_to_restore_seconds", team, percentile="50"),
            "s",
            "Median time from an incident's start to its resolution, over incidents resolved in the window.",
        ),
        (
            "Time to restore (p90)",
            selector("dora_time_to_restore_seconds", team, percentile="90"),
            "s",
            "90th percentile of the same.",
        ),
    ]
    for title, expr, unit, description in details:
        layout.add(stat_panel(title, [target(expr, legend=title)], unit=unit, description=description), 4, 4)

    layout.row("$team — trends, $window window")
    trend = "Each point is the window's value at that time; the dashed line is the organisation."
    layout.add(
        timeseries_panel(
            "Deployment frequency",
            [
                target(_key_expr("deployment_frequency", team), legend="$team"),
                target(_key_expr("deployment_frequency", org), ref_id="B", legend="organisation"),
            ],
            unit=KEY_UNITS["deployment_frequency"],
            decimals=2,
            description=f"Deployments per day. {trend}",
            overrides=[dashed("organisation")],
        ),
        12,
        8,
    )
    layout.add(
        timeseries_panel(
            "Lead time for changes",
            [
                target(selector("dora_lead_time_seconds", team, percentile="50"), legend="p50"),
                target(selector("dora_lead_time_seconds", team, percentile="90"), ref_id="B", legend="p90"),
                target(_key_expr("lead_time", org), ref_id="C", legend="organisation p50"),
            ],
            unit="s",
            description=f"Median and 90th percentile lead time. {trend}",
            overrides=[dashed("organisation p50")],
        ),
        12,
        8,
    )
    layout.add(
        timeseries_panel(
            "Change failure and rework rate",
            [
                target(_key_expr("change_failure_rate", team), legend="change failure rate"),
                target(selector("dora_rework_rate", team), ref_id="B", legend="rework rate"),
                target(_key_expr("change_failure_rate", org), ref_id="C", legend="organisation CFR"),
            ],
            unit="percentunit",
            decimals=1,
            description=f"Failed and rework deployments as shares of all deployments. {trend}",
            overrides=[dashed("organisation CFR")],
        ),
        12,
        8,
    )
    layout.add(
        timeseries_panel(
            "Recovery and time to restore",
            [
                target(
                    selector("dora_failed_deployment_recovery_seconds", team, percentile="50"),
                    legend="failed deployment recovery p50",
                ),
                target(
                    selector("dora_time_to_restore_seconds", team, percentile="50"),
                    ref_id="B",
                    legend="time to restore p50",
                ),
                target(
                    selector("dora_time_to_restore_seconds", team, percentile="90"),
                    ref_id="C",
                    legend="time to restore p90",
                ),
            ],
            unit="s",
            description="Recovery of failed deployments, and restoring service after incidents. "
            "Each point is the window's value at that time.",
        ),
        12,
        8,
    )
    layout.add(
        timeseries_panel(
            "Deployments and incidents",
            [
                target(selector("dora_deployments", team), legend="deployments"),
                target(selector("dora_incidents", team), ref_id="B", legend="incidents"),
            ],
            unit="short",
            decimals=0,
            description="Counts in the window. Each point is the window's value at that time.",
        ),
        24,
        7,
    )

    layout.row("$team — lead-time breakdown, $window window")
    stage_targets = [
        target(
            selector("dora_lead_time_breakdown_seconds", team, stage=stage, percentile="50"),
            ref_id="ABCD"[index],
            legend=stage,
        )
        for index, stage in enumerate(BREAKDOWN_STAGES)
    ]
    breakdown = (
        "Median of each stage over the PRs deployed in the window: coding (first commit → PR opened), "
        "pickup (opened → first review), review (first review → merged), deploy (merged → deployed). "
        "Each median is over the PRs that have that stage, so they need not add up to the lead time."
    )
    layout.add(
        bargauge_panel("Lead-time breakdown (p50)", stage_targets, unit="s", description=breakdown), 12, 8
    )
    layout.add(
        timeseries_panel(
            "Lead-time breakdown over time (p50)",
            [dict(t, instant=False, range=True) for t in stage_targets],
            unit="s",
            description=breakdown,
        ),
        12,
        8,
    )

    return dashboard(
        TEAM_UID,
        "doraspace — team",
        f"One team's DORA four keys with {benchmarks} band thresholds, trends and lead-time breakdown.",
        layout.panels,
        [team_variable(), window_variable()],
    )


# -- SPACE -----------------------------------------------------------------------------------------

# Alphabetical "desc": quarters are YYYY-Qn, so the latest comes first and is the default.
ALPHABETICAL_DESC = 2
SPACE_SUPPRESSION_NOTE = (
    "Groups with too few respondents are never exported (SPEC §7.4), so 'No data' means not enough "
    "responses (or not surveyed), never zero."
)
SPACE_SCORE_FIELD: Json = {"min": 0, "max": 100, "decimals": 1}


def quarter_variable() -> Json:
    return query_variable("quarter", "Quarter", "label_values(space_score, quarter)", sort=ALPHABETICAL_DESC)


def space_team_variable() -> Json:
    # Teams with shown scores only: a suppressed team has no space_score series to list.
    return query_variable("team", "Team", "label_values(space_score, team)", regex=TEAM_REGEX)


def space_selector(metric: str, team: str, quarter: str = "$quarter") -> str:
    """``metric{team…,quarter="…"}``; ``team`` is a full matcher such as ``team="$team"``."""
    return f'{metric}{{{team},quarter="{quarter}"}}'


def _matrix_table(
    title: str, expr: str, *, rows: str, columns: str, description: str, unit: str, extra: Json | None = None
) -> Json:
    """One instant query pivoted to ``rows`` × ``columns`` (e.g. dimension × quarter)."""
    corner = f"{rows}\\{columns}"
    return table_panel(
        title,
        [target(expr, table=True)],
        description=description,
        transformations=[
            {
                "id": "groupingToMatrix",
                "options": {"columnField": columns, "rowField": rows, "valueField": "Value"},
            },
            {"id": "sortBy", "options": {"sort": [{"field": corner, "desc": False}]}},
        ],
        overrides=[override(corner, displayName=rows.capitalize())],
        defaults={
            "unit": unit,
            **(extra or {}),
            "custom": {"align": "auto", "cellOptions": {"type": "auto"}},
        },
    )


def _team_against_organisation() -> Json:
    team, org = 'team="$team"', 'team="*"'
    columns = {
        "A": ("space_score", team, "$team score", "none"),
        "B": ("space_score", org, "Organisation score", "none"),
        "C": ("space_favourable_ratio", team, "$team favourable", "percentunit"),
        "D": ("space_favourable_ratio", org, "Organisation favourable", "percentunit"),
    }
    # `max by (dimension)` leaves only the dimension label, so "merge" joins the four on it.
    targets = [
        target(f"max by (dimension) ({space_selector(metric, matcher)})", ref_id=ref_id, table=True)
        for ref_id, (metric, matcher, _, _) in columns.items()
    ]
    overrides = [
        override(
            f"Value #{ref_id}",
            displayName=title,
            unit=unit,
            decimals=1 if unit == "none" else 0,
        )
        for ref_id, (_, _, title, unit) in columns.items()
    ]
    overrides.append(override("dimension", displayName="Dimension"))
    return table_panel(
        "$team against the organisation, $quarter",
        targets,
        description="Score (0–100) and favourable share per dimension, for the team and for the whole "
        f"organisation (every respondent, suppressed teams included). {SPACE_SUPPRESSION_NOTE}",
        transformations=[
            {"id": "merge", "options": {}},
            {"id": "organize", "options": {"excludeByName": {"Time": True}, "renameByName": {}}},
            {"id": "sortBy", "options": {"sort": [{"field": "dimension", "desc": False}]}},
        ],
        overrides=overrides,
    )


def _teams_respondents_table() -> Json:
    teams = 'team!="*"'
    return table_panel(
        "Respondents per team, $quarter",
        [
            target(f"max by (team) ({space_selector('space_respondents', teams)})", ref_id="A", table=True),
            target(f"max by (team) ({space_selector('space_response_rate', teams)})", ref_id="B", table=True),
        ],
        description="Respondents of each shown team and their share of its headcount (empty without a "
        f"headcount). {SPACE_SUPPRESSION_NOTE}",
        transformations=[
            {"id": "merge", "options": {}},
            {"id": "organize", "options": {"excludeByName": {"Time": True}, "renameByName": {}}},
            {"id": "sortBy", "options": {"sort": [{"field": "team", "desc": False}]}},
        ],
        overrides=[
            override("team", displayName="Team"),
            override("Value #A", displayName="Respondents", unit="short", decimals=0),
            override("Value #B", displayName="Response rate", unit="percentunit", decimals=0),
        ],
    )


def space_dashboard() -> Json:
    """SPACE survey scores: one team's dimensions in a quarter, against the organisation, by quarter,
    and every shown team side by side."""
    layout = Layout()
    team = 'team="$team"'

    layout.row("$team — SPACE survey, $quarter")
    scores = stat_panel(
        "Score by dimension",
        [target(space_selector("space_score", team), legend="{{dimension}}")],
        unit="none",
        sparkline=False,
        description="Mean over the dimension's items of the mean answer mapped to 0–100 (reverse items "
        f"reversed first). {SPACE_SUPPRESSION_NOTE}",
    )
    scores["fieldConfig"]["defaults"].update(SPACE_SCORE_FIELD)
    layout.add(scores, 24, 5)
    favourable = bargauge_panel(
        "Favourable answers by dimension",
        [target(space_selector("space_favourable_ratio", team), legend="{{dimension}}")],
        unit="percentunit",
        description="Favourable answers (e.g. agree or strongly agree, after reversing) ÷ valid answers. "
        + SPACE_SUPPRESSION_NOTE,
    )
    favourable["fieldConfig"]["defaults"]["max"] = 1
    layout.add(favourable, 12, 8)
    layout.add(
        stat_panel(
            "Respondents",
            [target(space_selector("space_respondents", team), legend="respondents")],
            unit="short",
            decimals=0,
            sparkline=False,
            description="Distinct respondents of the team in the quarter.",
        ),
        6,
        8,
    )
    layout.add(
        stat_panel(
            "Response rate",
            [target(space_selector("space_response_rate", team), legend="response rate")],
            unit="percentunit",
            decimals=0,
            sparkline=False,
            description="Respondents ÷ the team's configured headcount. No data without a headcount.",
        ),
        6,
        8,
    )

    layout.row("$team against the organisation")
    layout.add(_team_against_organisation(), 24, 8)

    layout.row("$team by quarter")
    layout.add(
        _matrix_table(
            "Score by quarter",
            f"space_score{{{team}}}",
            rows="dimension",
            columns="quarter",
            unit="none",
            extra=SPACE_SCORE_FIELD,
            description="Each dimension's score (0–100) in every quarter with enough responses. Compare "
            "quarters only where the questions stayed the same (the reports say where they did not). "
            + SPACE_SUPPRESSION_NOTE,
        ),
        12,
        8,
    )
    layout.add(
        _matrix_table(
            "Favourable by quarter",
            f"space_favourable_ratio{{{team}}}",
            rows="dimension",
            columns="quarter",
            unit="percentunit",
            extra={"decimals": 0},
            description=f"Each dimension's favourable share in every quarter. {SPACE_SUPPRESSION_NOTE}",
        ),
        12,
        8,
    )

    layout.row("Every team, $quarter")
    layout.add(
        _matrix_table(
            "Score per team and dimension",
            space_selector("space_score", 'team!="*"'),
            rows="team",
            columns="dimension",
            unit="none",
            extra=SPACE_SCORE_FIELD,
            description=f"Every shown team's score per dimension (0–100). {SPACE_SUPPRESSION_NOTE}",
        ),
        16,
        10,
    )
    layout.add(_teams_respondents_table(), 8, 10)

    return dashboard(
        SPACE_UID,
        "doraspace — SPACE survey",
        "Developer-experience survey scores per SPACE dimension: a team's quarter, its change over "
        "quarters and every team side by side. Groups too small to stay anonymous are never shown.",
        layout.panels,
        [space_team_variable(), quarter_variable()],
    )


def build_dashboards(benchmarks: str = DEFAULT_BENCHMARKS) -> dict[str, Json]:
    """File name → dashboard, in the order ``/dashboards/`` lists them."""
    return {
        OVERVIEW_FILE: overview_dashboard(benchmarks),
        TEAM_FILE: team_dashboard(benchmarks),
        SPACE_FILE: space_dashboard(),
    }


def all_exprs(dashboard: Mapping[str, Any]) -> list[str]:
    """Every target expression of a dashboard, panels nested in rows included, in panel order."""

    def panels(items: Sequence[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
        for panel in items:
            yield panel
            yield from panels(panel.get("panels", []))

    return [
        target["expr"]
        for panel in panels(dashboard.get("panels", []))
        for target in panel.get("targets", [])
        if "expr" in target
    ]


# -- files -----------------------------------------------------------------------------------------


def provider_yaml(dashboards_path: str) -> str:
    """A Grafana file-provisioning provider for the folder holding the dashboard JSON."""
    provider = {
        "apiVersion": 1,
        "providers": [
            {
                "name": "doraspace",
                "orgId": 1,
                "folder": "doraspace",
                "type": "file",
                "disableDeletion": False,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 60,
                "options": {"path": dashboards_path, "foldersFromFilesStructure": False},
            }
        ],
    }
    header = (
        "# Grafana dashboard provider for doraspace (file provisioning).\n"
        "# Copy this file into Grafana's provisioning/dashboards/ folder and set options.path to where\n"
        "# Grafana can read the doraspace-*.json files (in a container: the mounted folder).\n"
    )
    return header + yaml.safe_dump(provider, sort_keys=False)


def index_html(dashboards: Mapping[str, Mapping[str, Any]], provider_file: str = PROVIDER_FILE) -> str:
    """The ``/dashboards/`` page: one link per dashboard file and the provider YAML."""
    items = "\n".join(
        f'    <li><a href="{html.escape(quote(name))}">{html.escape(str(board.get("title", name)))}</a>'
        f" <code>{html.escape(name)}</code></li>"
        for name, board in dashboards.items()
    )
    provider = html.escape(quote(provider_file))
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>doraspace dashboards</title>\n</head>\n'
        "<body>\n<h1>doraspace Grafana dashboards</h1>\n"
        "<p>Import a file in Grafana (Dashboards → New → Import) and pick your Prometheus data source, "
        f'or provision them with <a href="{provider}">{html.escape(provider_file)}</a>.</p>\n'
        f"<ul>\n{items}\n</ul>\n</body>\n</html>\n"
    )


def dashboard_json(board: Mapping[str, Any]) -> str:
    return json.dumps(board, indent=2, ensure_ascii=False) + "\n"


def write_dashboards(
    out_dir: Path, *, benchmarks: str = DEFAULT_BENCHMARKS, provider_path: str | None = None
) -> list[Path]:
    """Writes the dashboards, the provider YAML and ``index.html`` into ``out_dir``; returns the paths.

    The provider's ``options.path`` is ``provider_path``, by default ``out_dir`` made absolute: right
    when Grafana runs on this machine, to be adjusted when it reads the files from elsewhere.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    boards = build_dashboards(benchmarks)
    written: list[Path] = []
    for name, board in boards.items():
        path = out_dir / name
        path.write_text(dashboard_json(board), encoding="utf-8")
        written.append(path)
    provider = out_dir / PROVIDER_FILE
    provider.write_text(provider_yaml(provider_path or str(out_dir.resolve())), encoding="utf-8")
    index = out_dir / INDEX_FILE
    index.write_text(index_html(boards), encoding="utf-8")
    return [*written, provider, index]
