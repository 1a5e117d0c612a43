"""One team's dashboard (``$team``, ``$window``): its keys with band thresholds, detail, trends against
the organisation and the lead-time breakdown."""

from __future__ import annotations

from grafana_foundation_sdk.builders import stat

from analytics.benchmarks import METRICS
from analytics.dora import BREAKDOWN_STAGES
from analytics.windows import WindowSpec
from dashboards.grafana.shared import (
    DEFAULT_BAND_WINDOW,
    DEFAULT_BENCHMARKS,
    KEY_UNITS,
    NEUTRAL,
    ORGANISATION,
    TEAM_UID,
    Json,
    Placed,
    Query,
    band_mapping_models,
    band_score_expr,
    bargauge_panel,
    dashboard,
    dashed,
    key_expr,
    key_stat,
    key_thresholds_config,
    override,
    selector,
    stat_panel,
    target,
    team_variable,
    timeseries_panel,
    window_variable,
)
from dashboards.words import KEY_TITLES

UID = TEAM_UID
FILE = "doraspace-team.json"
TEAM = 'team="$team"'
TREND = "Each point is the window's value at that time; the dashed line is the organisation."
BREAKDOWN = (
    "Median of each stage over the PRs deployed in the window: coding (first commit → PR opened), "
    "pickup (opened → first review), review (first review → merged), deploy (merged → deployed). "
    "Each median is over the PRs that have that stage, so they need not add up to the lead time."
)


def team_dashboard(benchmarks: str = DEFAULT_BENCHMARKS, band: WindowSpec = DEFAULT_BAND_WINDOW) -> Json:
    """One team's keys (stat panels with band thresholds), detail, trends and lead-time breakdown;
    ``band`` is the configured band window."""
    thresholds = key_thresholds_config(benchmarks)
    keys: list[Placed] = [
        (key_stat(key, TEAM, thresholds[key], benchmarks, "$team"), 6, 5) for key in METRICS
    ]
    keys.append((_band_stat(band), 24, 4))
    return dashboard(
        UID,
        "doraspace — team",
        f"One team's DORA four keys with {benchmarks} band thresholds, trends and lead-time breakdown.",
        [
            ("$team — four keys, $window window", keys),
            ("$team — detail, $window window", _details()),
            ("$team — trends, $window window", _trends()),
            (
                "$team — lead-time breakdown, $window window",
                [
                    (
                        bargauge_panel(
                            "Lead-time breakdown (p50)", _stages(), unit="s", description=BREAKDOWN
                        ),
                        12,
                        8,
                    ),
                    (
                        timeseries_panel(
                            "Lead-time breakdown over time (p50)",
                            _stages(),
                            unit="s",
                            description=BREAKDOWN,
                        ),
                        12,
                        8,
                    ),
                ],
            ),
        ],
        [team_variable(), window_variable(band)],
    )


def _band_stat(band: WindowSpec) -> stat.Panel:
    return stat_panel(
        f"Bands ({band.days}-day window)",
        [target(band_score_expr(TEAM, "metric"), legend="{{metric}}")],
        unit="none",
        mappings=band_mapping_models(),
        thresholds=NEUTRAL,
        sparkline=False,
        description="The bands the analytics gave (from the 90-day window, or the longest configured, "
        "whatever window is selected). Absent where the metric has nothing to measure.",
        overrides=[override(key, displayName=KEY_TITLES[key]) for key in METRICS],
    )


def _details() -> list[Placed]:
    details = [
        ("Deployments", selector("dora_deployments", TEAM), "short", "Deployments in the window."),
        (
            "Lead time (p90)",
            selector("dora_lead_time_seconds", TEAM, percentile="90"),
            "s",
            "90th percentile of the lead times of the window's changes.",
        ),
        (
            "Rework rate",
            selector("dora_rework_rate", TEAM),
            "percentunit",
            "Rework deployments (rollbacks, reverts, rework-labelled PRs, deployed during an open "
            "incident) ÷ deployments. No published bands.",
        ),
        ("Incidents", selector("dora_incidents", TEAM), "short", "Incidents that started in the window."),
        (
            "Time to restore (p50)",
            selector("dora_time_to_restore_seconds", TEAM, percentile="50"),
            "s",
            "Median time from an incident's start to its resolution, over incidents resolved in the window.",
        ),
        (
            "Time to restore (p90)",
            selector("dora_time_to_restore_seconds", TEAM, percentile="90"),
            "s",
            "90th percentile of the same.",
        ),
    ]
    return [
        (stat_panel(title, [target(expr, legend=title)], unit=unit, description=description), 4, 4)
        for title, expr, unit, description in details
    ]


def _trends() -> list[Placed]:
    return [
        (
            timeseries_panel(
                "Deployment frequency",
                [
                    target(key_expr("deployment_frequency", TEAM), legend="$team"),
                    target(key_expr("deployment_frequency", ORGANISATION), ref_id="B", legend="organisation"),
                ],
                unit=KEY_UNITS["deployment_frequency"],
                decimals=2,
                description=f"Deployments per day. {TREND}",
                overrides=[dashed("organisation")],
            ),
            12,
            8,
        ),
        (
            timeseries_panel(
                "Lead time for changes",
                [
                    target(selector("dora_lead_time_seconds", TEAM, percentile="50"), legend="p50"),
                    target(
                        selector("dora_lead_time_seconds", TEAM, percentile="90"), ref_id="B", legend="p90"
                    ),
                    target(key_expr("lead_time", ORGANISATION), ref_id="C", legend="organisation p50"),
                ],
                unit="s",
                description=f"Median and 90th percentile lead time. {TREND}",
                overrides=[dashed("organisation p50")],
            ),
            12,
            8,
        ),
        (
            timeseries_panel(
                "Change failure and rework rate",
                [
                    target(key_expr("change_failure_rate", TEAM), legend="change failure rate"),
                    target(selector("dora_rework_rate", TEAM), ref_id="B", legend="rework rate"),
                    target(
                        key_expr("change_failure_rate", ORGANISATION), ref_id="C", legend="organisation CFR"
                    ),
                ],
                unit="percentunit",
                decimals=1,
                description=f"Failed and rework deployments as shares of all deployments. {TREND}",
                overrides=[dashed("organisation CFR")],
            ),
            12,
            8,
        ),
        (
            timeseries_panel(
                "Recovery and time to restore",
                [
                    target(
                        selector("dora_failed_deployment_recovery_seconds", TEAM, percentile="50"),
                        legend="failed deployment recovery p50",
                    ),
                    target(
                        selector("dora_time_to_restore_seconds", TEAM, percentile="50"),
                        ref_id="B",
                        legend="time to restore p50",
                    ),
                    target(
                        selector("dora_time_to_restore_seconds", TEAM, percentile="90"),
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
        ),
        (
            timeseries_panel(
                "Deployments and incidents",
                [
                    target(selector("dora_deployments", TEAM), legend="deployments"),
                    target(selector("dora_incidents", TEAM), ref_id="B", legend="incidents"),
                ],
                unit="short",
                decimals=0,
                description="Counts in the window. Each point is the window's value at that time.",
            ),
            24,
            7,
        ),
    ]


def _stages() -> list[Query]:
    """The median of each breakdown stage (a range query: the bar gauge shows its last value)."""
    return [
        target(
            selector("dora_lead_time_breakdown_seconds", TEAM, stage=stage, percentile="50"),
            ref_id="ABCD"[index],
            legend=stage,
        )
        for index, stage in enumerate(BREAKDOWN_STAGES)
    ]
