"""What the three dashboards share: PromQL, band thresholds, the panel kinds and the dashboard frame.

Panels, variables and dashboards are built with the ``grafana-foundation-sdk`` builders, which own
Grafana's schema (field names, enums, schemaVersion); the PromQL and the band thresholds are ours.
Grafana thresholds mean "value ≥ step": for the "lower is better" metrics the steps are placed so the
edges agree with SPEC §6.3 (see ``docs/grafana.md``).

The exporter serves windowed gauges, so a trend is the gauge plotted over time; ``rate()`` over these
gauges would measure the exporter's uptime, not delivery, and is never used.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any, TypeVar

from grafana_foundation_sdk.builders import bargauge, stat, table, timeseries
from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as builders
from grafana_foundation_sdk.builders import prometheus as prometheus_builders
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as models
from grafana_foundation_sdk.models import prometheus as prometheus_models

from analytics.benchmarks import BANDS, BENCHMARK_SETS
from analytics.windows import WindowSpec
from dashboards.words import BAND_COLOURS, KEY_TITLES

Json = dict[str, Any]
Query = prometheus_builders.Dataquery
Threshold = models.Threshold
Override = tuple[str, list[models.DynamicConfigValue]]

DEFAULT_BENCHMARKS = "dora-2023"
# Bands come from the band window (SPEC §6.3: 90 days, else the longest configured): it is the window
# shown first, so that by default a stat's colour is its band.
DEFAULT_BAND_WINDOW = WindowSpec("90d", 90)
TAGS = ["doraspace", "dora"]
TEAM_UID = "doraspace-team"
DATASOURCE = models.DataSourceRef(type_val="prometheus", uid="${datasource}")

# dora_band is one 0/1 series per band; a dashboard needs one number per (team, metric): the score.
BAND_SCORES: dict[str, int] = {"elite": 4, "high": 3, "medium": 2, "low": 1}
HOUR = 3600

# `*` is the organisation row; a team variable lists teams. The regex keeps every name but `*` itself
# (a team may be called `*ops`: config reserves only `*`). Grafana applies it as a JavaScript regex,
# whose `.` stops at a carriage return or U+2028: `[\s\S]` takes every character.
TEAM_REGEX = "/^(?!\\*$)[\\s\\S]+$/"
ORGANISATION = 'team="*"'
TEAMS = 'team!="*"'


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


def key_expr(key: str, team: str, window: str = "$window") -> str:
    if key == "deployment_frequency":
        return selector("dora_deployment_frequency_per_day", team, window)
    if key == "lead_time":
        return selector("dora_lead_time_seconds", team, window, percentile="50")
    if key == "change_failure_rate":
        return selector("dora_change_failure_rate", team, window)
    if key == "recovery":
        return recovery_expr(team, window)
    raise ValueError(f"unknown key {key!r}")


KEY_DESCRIPTIONS: dict[str, str] = {
    "deployment_frequency": "Deployments per day over the window (deployments ÷ window days).",
    "lead_time": "Median time from a change's first commit to its deployment, over the window.",
    "change_failure_rate": "Failed deployments ÷ deployments, both in the window.",
    "recovery": (
        "Median time from a failed deployment to its recovery (incident resolved, rollback or revert);"
        " where the team has none, the median time to restore of its incidents."
    ),
}
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


# -- thresholds and mappings -----------------------------------------------------------------------


def _number(value: float) -> float | int:
    # 86400 rather than 86400.0 in the JSON, for people reading it.
    return int(value) if float(value).is_integer() else value


def thresholds_higher_is_better(at_least: Sequence[float | None]) -> models.ThresholdsConfig:
    """Steps for a metric whose bands are ``value ≥ limit`` (elite, high, medium limits).

    Grafana's "value ≥ step" is exactly that rule, so a value on a limit gets the better band.
    """
    steps = [Threshold(None, BAND_COLOURS["low"])]
    for band, limit in reversed(list(zip(("elite", "high", "medium"), at_least, strict=True))):
        if limit is not None:
            steps.append(Threshold(_number(limit), BAND_COLOURS[band]))
    return models.ThresholdsConfig(mode=models.ThresholdsMode.ABSOLUTE, steps=steps)


def thresholds_lower_is_better(limits: Sequence[float | None], *, inclusive: bool) -> models.ThresholdsConfig:
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
        return models.ThresholdsConfig(
            mode=models.ThresholdsMode.ABSOLUTE, steps=[Threshold(None, BAND_COLOURS["low"])]
        )
    steps = [Threshold(None, BAND_COLOURS[present[0][0]])]
    for index, (_, limit) in enumerate(present):
        worse = present[index + 1][0] if index + 1 < len(present) else "low"
        edge = math.nextafter(limit, math.inf) if inclusive else limit
        steps.append(Threshold(_number(edge), BAND_COLOURS[worse]))
    return models.ThresholdsConfig(mode=models.ThresholdsMode.ABSOLUTE, steps=steps)


def key_thresholds_config(benchmarks: str) -> dict[str, models.ThresholdsConfig]:
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


def key_thresholds(benchmarks: str) -> dict[str, Json]:
    """The same thresholds as Grafana JSON (``{"mode": …, "steps": [{"color", "value"}, …]}``)."""
    return {key: to_json(config) for key, config in key_thresholds_config(benchmarks).items()}


def band_mapping_models() -> list[models.ValueMap]:
    """Band score → band name and colour."""
    return [
        models.ValueMap(
            options={
                str(BAND_SCORES[band]): models.ValueMappingResult(
                    text=band.capitalize(), color=BAND_COLOURS[band], index=i
                )
                for i, band in enumerate(BANDS)
            }
        )
    ]


def band_mappings() -> list[Json]:
    return [to_json(mapping) for mapping in band_mapping_models()]


# No band: the value in the theme's text colour.
NEUTRAL = models.ThresholdsConfig(mode=models.ThresholdsMode.ABSOLUTE, steps=[Threshold(None, "text")])


def thresholds_builder(config: models.ThresholdsConfig) -> builders.ThresholdsConfig:
    return builders.ThresholdsConfig().mode(config.mode).steps(list(config.steps))


def colour_by(mode: models.FieldColorModeId, fixed: str | None = None) -> builders.FieldColor:
    colour = builders.FieldColor().mode(mode)
    return colour.fixed_color(fixed) if fixed is not None else colour


# -- targets and overrides -------------------------------------------------------------------------


def target(
    expr: str, *, ref_id: str = "A", legend: str = "", instant: bool = False, table: bool = False
) -> Query:
    """One Prometheus query; ``table`` makes it an instant query in table format."""
    query = (
        Query()
        .datasource(DATASOURCE)
        .ref_id(ref_id)
        .expr(expr)
        .legend_format(legend or "__auto")
        .format(
            prometheus_models.PromQueryFormat.TABLE
            if table
            else prometheus_models.PromQueryFormat.TIME_SERIES
        )
        .editor_mode(prometheus_models.QueryEditorMode.CODE)
    )
    return query.instant() if instant or table else query.range()


def override(field_name: str, **properties: Any) -> Override:
    """A field override matched by name; keyword ``custom_x`` sets ``custom.x``."""
    return (
        field_name,
        [
            models.DynamicConfigValue(id_val=name.replace("custom_", "custom.", 1), value=value)
            for name, value in properties.items()
        ],
    )


def coloured_cells() -> common.TableColoredBackgroundCellOptions:
    return common.TableColoredBackgroundCellOptions(mode=common.TableCellBackgroundDisplayMode.BASIC)


def dashed(series_name: str) -> Override:
    """An organisation reference line, drawn dashed so it reads as a reference, not a team."""
    return override(series_name, custom_lineStyle={"fill": "dash", "dash": [10, 10]})


def transformation(kind: str, options: Json) -> models.DataTransformerConfig:
    return models.DataTransformerConfig(id_val=kind, options=options)


def merged_on(field_name: str) -> list[models.DataTransformerConfig]:
    """Instant table queries joined on ``field_name`` (each ``max by`` it), without Time, sorted by it."""
    return [
        transformation("merge", {}),
        transformation("organize", {"excludeByName": {"Time": True}, "renameByName": {}}),
        transformation("sortBy", {"sort": [{"field": field_name, "desc": False}]}),
    ]


# -- panels ----------------------------------------------------------------------------------------

Panel = stat.Panel | timeseries.Panel | table.Panel | bargauge.Panel
Placed = tuple[Panel, int, int]  # a panel, its width (of 24 columns) and its height
P = TypeVar("P", stat.Panel, timeseries.Panel, table.Panel, bargauge.Panel)


def _common(
    panel: P,
    title: str,
    targets: Sequence[Query],
    description: str,
    overrides: Sequence[Override],
    unit: str | None,
    decimals: int | None,
) -> P:
    panel.title(title).description(description).datasource(DATASOURCE).targets(list(targets))
    if unit is not None:
        panel.unit(unit)
    if decimals is not None:
        panel.decimals(decimals)
    for name, properties in overrides:
        panel.override_by_name(name, properties)
    return panel


def stat_panel(
    title: str,
    targets: Sequence[Query],
    *,
    unit: str,
    description: str,
    thresholds: models.ThresholdsConfig | None = None,
    decimals: int | None = None,
    mappings: list[models.ValueMap] | None = None,
    sparkline: bool = True,
    overrides: Sequence[Override] = (),
) -> stat.Panel:
    """A stat coloured by ``thresholds`` (background), last non-null value of each series."""
    panel = _common(stat.Panel(), title, targets, description, overrides, unit, decimals)
    return (
        panel.thresholds(thresholds_builder(thresholds or NEUTRAL))
        .mappings(list(mappings or []))
        .color_scheme(colour_by(models.FieldColorModeId.THRESHOLDS))
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).fields("").values(False))
        .color_mode(
            common.BigValueColorMode.BACKGROUND if thresholds or mappings else common.BigValueColorMode.NONE
        )
        .graph_mode(common.BigValueGraphMode.AREA if sparkline else common.BigValueGraphMode.NONE)
        .justify_mode(common.BigValueJustifyMode.AUTO)
        .orientation(common.VizOrientation.AUTO)
        .text_mode(common.BigValueTextMode.AUTO)
        .wide_layout(True)
        .show_percent_change(False)
    )


def timeseries_panel(
    title: str,
    targets: Sequence[Query],
    *,
    unit: str,
    description: str,
    decimals: int | None = None,
    overrides: Sequence[Override] = (),
) -> timeseries.Panel:
    """Lines over time; nulls are not connected, so an absent (null) value shows as a gap."""
    panel = _common(timeseries.Panel(), title, targets, description, overrides, unit, decimals)
    return (
        panel.draw_style(common.GraphDrawStyle.LINE)
        .line_width(2)
        .fill_opacity(0)
        .show_points(common.VisibilityMode.NEVER)
        .span_nulls(False)
        .axis_soft_min(0)
        .line_interpolation(
            common.LineInterpolation.STEP_AFTER
        )  # a gauge holds its value until the next snapshot
        .color_scheme(colour_by(models.FieldColorModeId.PALETTE_CLASSIC_BY_NAME))
        .legend(
            common_builders.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
        )
        .tooltip(
            common_builders.VizTooltipOptions()
            .mode(common.TooltipDisplayMode.MULTI)
            .sort(common.SortOrder.DESCENDING)
        )
    )


def table_panel(
    title: str,
    targets: Sequence[Query],
    *,
    description: str,
    transformations: Sequence[models.DataTransformerConfig],
    overrides: Sequence[Override],
    unit: str | None = None,
    decimals: int | None = None,
    min_max: tuple[float, float] | None = None,
) -> table.Panel:
    panel = _common(table.Panel(), title, targets, description, overrides, unit, decimals)
    if min_max is not None:
        panel.min(min_max[0]).max(min_max[1])
    return (
        panel.transformations(list(transformations))
        .align(common.FieldTextAlignment.AUTO)
        .cell_options(common.TableAutoCellOptions())
        .show_header(True)
        .cell_height(common.TableCellHeight.SM)
        .footer(common_builders.TableFooterOptions().show(False))
    )


def bargauge_panel(title: str, targets: Sequence[Query], *, unit: str, description: str) -> bargauge.Panel:
    panel = _common(bargauge.Panel(), title, targets, description, (), unit, None)
    return (
        panel.min(0)
        .thresholds(thresholds_builder(NEUTRAL))
        .color_scheme(colour_by(models.FieldColorModeId.FIXED, BAND_COLOURS["elite"]))
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).fields("").values(False))
        .orientation(common.VizOrientation.HORIZONTAL)
        .display_mode(common.BarGaugeDisplayMode.BASIC)
        .show_unfilled(True)
        .value_mode(common.BarGaugeValueMode.COLOR)
        .name_placement(common.BarGaugeNamePlacement.AUTO)
        .sizing(common.BarGaugeSizing.AUTO)
    )


def key_stat(key: str, team: str, thresholds: models.ThresholdsConfig, edges: str, legend: str) -> stat.Panel:
    return stat_panel(
        KEY_TITLES[key],
        [target(key_expr(key, team), legend=legend)],
        unit=KEY_UNITS[key],
        decimals=KEY_DECIMALS[key],
        thresholds=thresholds,
        description=f"{KEY_DESCRIPTIONS[key]} Colour: the {edges} band this value falls in. "
        "No value: nothing to measure in the window.",
    )


# -- variables and the dashboard frame -------------------------------------------------------------


def datasource_variable() -> builders.DatasourceVariable:
    """Every panel's data source; no ``current`` makes Grafana pick the default Prometheus."""
    return (
        builders.DatasourceVariable("datasource")
        .label("Data source")
        .type("prometheus")
        .hide(models.VariableHide.DONT_HIDE)
        .regex("")
    )


def query_variable(
    name: str,
    label: str,
    query: str,
    *,
    regex: str = "",
    default: str | None = None,
    sort: models.VariableSort = models.VariableSort.ALPHABETICAL_ASC,
) -> builders.QueryVariable:
    """A single-value variable from a Prometheus ``label_values`` query, refreshed with the time range."""
    variable = (
        builders.QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query(query)
        .regex(regex)
        .hide(models.VariableHide.DONT_HIDE)
        .include_all(False)
        .multi(False)
        .refresh(models.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(sort)
        .options([])  # filled by Grafana from the query
    )
    if default:
        variable.current(models.VariableOption(selected=True, text=default, value=default))
    return variable


def window_variable(band: WindowSpec) -> builders.QueryVariable:
    # Numerical: 7d, 30d, 90d rather than 30d, 7d, 90d.
    return query_variable(
        "window",
        "Window",
        "label_values(dora_deployments, window)",
        default=band.label,
        sort=models.VariableSort.NUMERICAL_ASC,
    )


def team_variable() -> builders.QueryVariable:
    return query_variable("team", "Team", "label_values(dora_deployments, team)", regex=TEAM_REGEX)


Section = tuple[str, Sequence[Placed]]  # a row's title and its panels


def dashboard(
    uid: str,
    title: str,
    description: str,
    sections: Sequence[Section],
    variables: Sequence[builders.QueryVariable],
) -> Json:
    """The dashboard as Grafana JSON: rows of panels placed left to right, numbered in order (stable ids).

    Every row fills its 24 columns exactly, so the SDK's placement (next panel to the right, a new line
    once a line is full) lays the panels out as written.
    """
    board = (
        builders.Dashboard(title)
        .uid(uid)
        .description(description)
        .version(1)
        .tags(list(TAGS))
        .editable()
        .tooltip(models.DashboardCursorSync.CROSSHAIR)
        .fiscal_year_start_month(0)
        .live_now(False)
        .timezone("utc")
        .week_start("")
        .time("now-30d", "now")
        .refresh("1m")  # a snapshot changes every few minutes; more often only costs queries
        .annotation(
            builders.AnnotationQuery()
            .name("Annotations & Alerts")
            .datasource(models.DataSourceRef(type_val="grafana", uid="-- Grafana --"))
            .built_in(1)
            .enable(True)
            .hide(True)
            .icon_color("rgba(0, 211, 255, 1)")
            .type("dashboard")
        )
        # The other doraspace dashboards, carrying the time range and the variables along.
        .link(
            builders.DashboardLink("doraspace")
            .type(models.DashboardLinkType.DASHBOARDS)
            .tags(["doraspace"])
            .as_dropdown(False)
            .include_vars(True)
            .keep_time(True)
            .target_blank(False)
            .icon("external link")
            .tooltip("")
            .url("")
        )
        .with_variable(datasource_variable())
    )
    for variable in variables:
        board.with_variable(variable)
    for row_title, placed in sections:
        board.with_row(builders.Row(row_title).collapsed(False))
        for panel, width, height in placed:
            board.with_panel(panel.span(width).height(height))
    built = board.build()
    for number, built_panel in enumerate(built.panels or [], start=1):
        built_panel.id_val = number
    return to_json(built)


def to_json(model: object) -> Json:
    """A built SDK object as plain JSON values (dicts, lists, numbers, strings)."""
    value: Json = json.loads(JSONEncoder().encode(model))
    return value
