"""The SPACE dashboard (``$team``, ``$quarter``): survey scores per dimension.

SPACE scores are per quarter (a label), so their history is a table of quarters, not a line over time.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import table
from grafana_foundation_sdk.models import dashboard as models

from dashboards.grafana.shared import (
    ORGANISATION,
    TEAM_REGEX,
    TEAMS,
    Json,
    bargauge_panel,
    dashboard,
    merged_on,
    override,
    query_variable,
    stat_panel,
    table_panel,
    target,
    transformation,
)

UID = "doraspace-space"
FILE = "doraspace-space.json"
TEAM = 'team="$team"'
SUPPRESSION_NOTE = (
    "Groups with too few respondents are never exported (SPEC §7.4), so 'No data' means not enough "
    "responses (or not surveyed), never zero."
)
SCORE_RANGE = (0, 100)  # scores are 0–100, shown with one decimal


def space_selector(metric: str, team: str, quarter: str = "$quarter") -> str:
    """``metric{team…,quarter="…"}``; ``team`` is a full matcher such as ``team="$team"``."""
    return f'{metric}{{{team},quarter="{quarter}"}}'


def space_dashboard() -> Json:
    """SPACE survey scores: one team's dimensions in a quarter, against the organisation, by quarter,
    and every shown team side by side."""
    scores = (
        stat_panel(
            "Score by dimension",
            [target(space_selector("space_score", TEAM), legend="{{dimension}}")],
            unit="none",
            decimals=1,
            sparkline=False,
            description="Mean over the dimension's items of the mean answer mapped to 0–100 (reverse items "
            f"reversed first). {SUPPRESSION_NOTE}",
        )
        .min(SCORE_RANGE[0])
        .max(SCORE_RANGE[1])
    )
    favourable = bargauge_panel(
        "Favourable answers by dimension",
        [target(space_selector("space_favourable_ratio", TEAM), legend="{{dimension}}")],
        unit="percentunit",
        description="Favourable answers (e.g. agree or strongly agree, after reversing) ÷ valid answers. "
        + SUPPRESSION_NOTE,
    ).max(1)
    respondents = stat_panel(
        "Respondents",
        [target(space_selector("space_respondents", TEAM), legend="respondents")],
        unit="short",
        decimals=0,
        sparkline=False,
        description="Distinct respondents of the team in the quarter.",
    )
    response_rate = stat_panel(
        "Response rate",
        [target(space_selector("space_response_rate", TEAM), legend="response rate")],
        unit="percentunit",
        decimals=0,
        sparkline=False,
        description="Respondents ÷ the team's configured headcount. No data without a headcount.",
    )
    by_quarter = [
        (
            _matrix_table(
                "Score by quarter",
                f"space_score{{{TEAM}}}",
                rows="dimension",
                columns="quarter",
                unit="none",
                decimals=1,
                min_max=SCORE_RANGE,
                description="Each dimension's score (0–100) in every quarter with enough responses. "
                "Compare quarters only where the questions stayed the same (the reports say where they "
                "did not). " + SUPPRESSION_NOTE,
            ),
            12,
            8,
        ),
        (
            _matrix_table(
                "Favourable by quarter",
                f"space_favourable_ratio{{{TEAM}}}",
                rows="dimension",
                columns="quarter",
                unit="percentunit",
                decimals=0,
                description=f"Each dimension's favourable share in every quarter. {SUPPRESSION_NOTE}",
            ),
            12,
            8,
        ),
    ]
    every_team = _matrix_table(
        "Score per team and dimension",
        space_selector("space_score", TEAMS),
        rows="team",
        columns="dimension",
        unit="none",
        decimals=1,
        min_max=SCORE_RANGE,
        description=f"Every shown team's score per dimension (0–100). {SUPPRESSION_NOTE}",
    )
    return dashboard(
        UID,
        "doraspace — SPACE survey",
        "Developer-experience survey scores per SPACE dimension: a team's quarter, its change over "
        "quarters and every team side by side. Groups too small to stay anonymous are never shown.",
        [
            (
                "$team — SPACE survey, $quarter",
                [(scores, 24, 5), (favourable, 12, 8), (respondents, 6, 8), (response_rate, 6, 8)],
            ),
            ("$team against the organisation", [(_team_against_organisation(), 24, 8)]),
            ("$team by quarter", by_quarter),
            ("Every team, $quarter", [(every_team, 16, 10), (_teams_respondents_table(), 8, 10)]),
        ],
        [
            # Teams with shown scores only: a suppressed team has no space_score series to list.
            query_variable("team", "Team", "label_values(space_score, team)", regex=TEAM_REGEX),
            query_variable(
                "quarter",
                "Quarter",
                "label_values(space_score, quarter)",
                # Alphabetical descending: quarters are YYYY-Qn, so the latest comes first, the default.
                sort=models.VariableSort.ALPHABETICAL_DESC,
            ),
        ],
    )


def _matrix_table(
    title: str,
    expr: str,
    *,
    rows: str,
    columns: str,
    description: str,
    unit: str,
    decimals: int,
    min_max: tuple[float, float] | None = None,
) -> table.Panel:
    """One instant query pivoted to ``rows`` × ``columns`` (e.g. dimension × quarter)."""
    corner = f"{rows}\\{columns}"
    return table_panel(
        title,
        [target(expr, table=True)],
        description=description,
        transformations=[
            transformation(
                "groupingToMatrix", {"columnField": columns, "rowField": rows, "valueField": "Value"}
            ),
            transformation("sortBy", {"sort": [{"field": corner, "desc": False}]}),
        ],
        overrides=[override(corner, displayName=rows.capitalize())],
        unit=unit,
        decimals=decimals,
        min_max=min_max,
    )


def _team_against_organisation() -> table.Panel:
    columns = {
        "A": ("space_score", TEAM, "$team score", "none"),
        "B": ("space_score", ORGANISATION, "Organisation score", "none"),
        "C": ("space_favourable_ratio", TEAM, "$team favourable", "percentunit"),
        "D": ("space_favourable_ratio", ORGANISATION, "Organisation favourable", "percentunit"),
    }
    # `max by (dimension)` leaves only the dimension label, so "merge" joins the four on it.
    targets = [
        target(f"max by (dimension) ({space_selector(metric, matcher)})", ref_id=ref_id, table=True)
        for ref_id, (metric, matcher, _, _) in columns.items()
    ]
    overrides = [
        override(f"Value #{ref_id}", displayName=title, unit=unit, decimals=1 if unit == "none" else 0)
        for ref_id, (_, _, title, unit) in columns.items()
    ]
    overrides.append(override("dimension", displayName="Dimension"))
    return table_panel(
        "$team against the organisation, $quarter",
        targets,
        description="Score (0–100) and favourable share per dimension, for the team and for the whole "
        f"organisation (every respondent, suppressed teams included). {SUPPRESSION_NOTE}",
        transformations=merged_on("dimension"),
        overrides=overrides,
    )


def _teams_respondents_table() -> table.Panel:
    return table_panel(
        "Respondents per team, $quarter",
        [
            target(f"max by (team) ({space_selector('space_respondents', TEAMS)})", ref_id="A", table=True),
            target(f"max by (team) ({space_selector('space_response_rate', TEAMS)})", ref_id="B", table=True),
        ],
        description="Respondents of each shown team and their share of its headcount (empty without a "
        f"headcount). {SUPPRESSION_NOTE}",
        transformations=merged_on("team"),
        overrides=[
            override("team", displayName="Team"),
            override("Value #A", displayName="Respondents", unit="short", decimals=0),
            override("Value #B", displayName="Response rate", unit="percentunit", decimals=0),
        ],
    )
