"""The organisation overview: organisation keys, every team's keys and bands, trends, doraspace health."""

from __future__ import annotations

from collections.abc import Mapping

from grafana_foundation_sdk.builders import stat, table
from grafana_foundation_sdk.models import dashboard as models

from analytics.benchmarks import METRICS
from analytics.windows import WindowSpec
from dashboards.grafana.shared import (
    DEFAULT_BAND_WINDOW,
    DEFAULT_BENCHMARKS,
    KEY_DECIMALS,
    KEY_DESCRIPTIONS,
    KEY_UNITS,
    ORGANISATION,
    TEAM_UID,
    TEAMS,
    Json,
    Placed,
    band_mapping_models,
    band_score_expr,
    coloured_cells,
    dashboard,
    key_expr,
    key_stat,
    key_thresholds_config,
    merged_on,
    override,
    stat_panel,
    table_panel,
    target,
    timeseries_panel,
    transformation,
    window_variable,
)
from dashboards.words import BAND_COLOURS, KEY_TITLES

UID = "doraspace-overview"
FILE = "doraspace-overview.json"


def overview_dashboard(benchmarks: str = DEFAULT_BENCHMARKS, band: WindowSpec = DEFAULT_BAND_WINDOW) -> Json:
    """The organisation overview: organisation keys, every team's keys and bands, trends, health;
    ``band`` is the configured band window."""
    thresholds = key_thresholds_config(benchmarks)
    organisation: list[Placed] = [
        (key_stat(key, ORGANISATION, thresholds[key], benchmarks, "organisation"), 6, 5) for key in METRICS
    ]
    trends: list[Placed] = [
        (
            timeseries_panel(
                KEY_TITLES[key],
                [target(key_expr(key, TEAMS), legend="{{team}}")],
                unit=KEY_UNITS[key],
                decimals=KEY_DECIMALS[key],
                description=f"{KEY_DESCRIPTIONS[key]} Each point is the window's value at that time.",
            ),
            12,
            8,
        )
        for key in METRICS
    ]
    return dashboard(
        UID,
        "doraspace — organisation",
        f"Every team's DORA four keys with {benchmarks} band colours.",
        [
            ("Organisation — $window window", organisation),
            ("Teams — $window window", [(_teams_table(thresholds), 24, 10), (_bands_table(band), 24, 10)]),
            ("Trends per team — $window window", trends),
            ("doraspace health", _health_panels()),
        ],
        [window_variable(band)],
    )


def _teams_table(thresholds: Mapping[str, models.ThresholdsConfig]) -> table.Panel:
    ref_ids = dict(zip(METRICS, "ABCD", strict=True))
    # `max by (team)` leaves only the team label on every query, so "merge" joins the four on team.
    targets = [
        target(f"max by (team) ({key_expr(key, TEAMS)})", ref_id=ref_ids[key], table=True) for key in METRICS
    ]
    overrides = [
        override(
            f"Value #{ref_ids[key]}",
            displayName=KEY_TITLES[key],
            unit=KEY_UNITS[key],
            thresholds=thresholds[key],
            custom_cellOptions=coloured_cells(),
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
        transformations=merged_on("team"),
        overrides=overrides,
    )


def _bands_table(band: WindowSpec) -> table.Panel:
    # Grouping to a matrix names its first column "<row field>\\<column field>". Names are set by
    # overrides rather than by renaming, so the overrides can match the columns' original names.
    corner = "team\\metric"
    order = {corner: 0, **{key: index + 1 for index, key in enumerate(METRICS)}}
    return table_panel(
        f"Bands per team ({band.days}-day window)",
        [target(band_score_expr(TEAMS, "team, metric"), table=True)],
        description="The band of each key, as the analytics gave it (always from the 90-day window, or "
        "the longest configured). An empty cell: nothing to measure.",
        transformations=[
            transformation(
                "groupingToMatrix", {"columnField": "metric", "rowField": "team", "valueField": "Value"}
            ),
            transformation("organize", {"indexByName": order}),
            transformation("sortBy", {"sort": [{"field": corner, "desc": False}]}),
        ],
        overrides=[
            override(corner, displayName="Team"),
            *(
                override(
                    key,
                    displayName=KEY_TITLES[key],
                    mappings=band_mapping_models(),
                    custom_cellOptions=coloured_cells(),
                )
                for key in METRICS
            ),
        ],
    )


def _health_panels() -> list[Placed]:
    up_mappings = [
        models.ValueMap(
            options={
                "1": models.ValueMappingResult(text="Up", color=BAND_COLOURS["elite"], index=0),
                "0": models.ValueMappingResult(text="Down", color=BAND_COLOURS["low"], index=1),
            }
        )
    ]
    panels: list[tuple[stat.Panel, int]] = [
        (
            stat_panel(
                "doraspace up",
                [target("doraspace_up", legend="up")],
                unit="none",
                mappings=up_mappings,
                description="1 when the last analytics refresh succeeded.",
            ),
            4,
        ),
        (
            stat_panel(
                "Snapshot age",
                [target("doraspace_snapshot_age_seconds", legend="age")],
                unit="s",
                description="How old the numbers on these dashboards are.",
            ),
            4,
        ),
        (
            stat_panel(
                "Since last sync",
                [target("time() - doraspace_last_sync_timestamp_seconds", legend="{{source}}")],
                unit="s",
                sparkline=False,
                description="Time since each source's last successful sync.",
            ),
            6,
        ),
        (
            stat_panel(
                "Sync errors in range",
                [target("increase(doraspace_sync_errors_total[$__range])", legend="{{source}}")],
                unit="short",
                decimals=0,
                sparkline=False,
                description="Failed syncs per source over the dashboard's time range.",
            ),
            5,
        ),
        (
            stat_panel(
                "GitHub rate limit left",
                [target("doraspace_github_rate_limit_remaining", legend="remaining")],
                unit="short",
                description="GitHub API requests left in the current rate-limit window.",
            ),
            5,
        ),
    ]
    return [(panel, width, 5) for panel, width in panels]
