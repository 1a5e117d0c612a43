"""The pages: the numbers each template shows, already written for people, and the files.

Python decides what a page says (which rows, which values, which notes apply); the templates in
``dashboards/templates/reports/`` decide how it looks, and autoescape every value. The only markup
passed in as trusted is plotly's chart HTML, whose figures carry no names (see ``charts``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.offline  # type: ignore[import-untyped]
from markupsafe import Markup

from analytics.benchmarks import BANDS, DORA_2024_CHANGE_FAILURE_RATE, METRICS
from analytics.dora import BREAKDOWN_STAGES, TeamWindowMetrics
from analytics.ownership import ORGANISATION
from analytics.snapshot import Snapshot
from analytics.space import SpaceScore, previous_quarter, quarter_key
from analytics.windows import as_utc
from dashboards.pages import ENVIRONMENT, render
from dashboards.reports.charts import breakdown_figure, chart_html, weekly_figures
from dashboards.reports.keys import (
    KEYS,
    NO_DATA,
    TEAM_PAGES,
    Key,
    format_delta,
    format_hours,
    format_instant,
    format_ratio,
    format_value,
    team_page_names,
    team_title,
)
from dashboards.reports.standout import (
    banded,
    changes,
    failed_in_window,
    longest,
    previous_row,
    what_stands_out,
)
from dashboards.words import BAND_COLOURS, BAND_TEXT_COLOURS, KEY_TITLES, SPACE_TITLES

INDEX_FILE = "index.html"
PLOTLY_FILE = "plotly.min.js"
# Failed deployments listed per page; older ones are counted, not listed, to keep pages light.
FAILED_DEPLOYMENTS_SHOWN = 50
NOT_ENOUGH = "not enough responses"
# rising/falling in the report's better/worse colours: every SPACE score is "higher is better".
CHANGE_CLASSES: dict[str, str] = {"rising": "better", "falling": "worse", "stable": ""}
# How SPEC §6.1 found a failed deployment, in the words a team lead would use.
RULE_TEXT: dict[str, str] = {
    "explicit": "an incident names one of its commits",
    "rollback": "a later deployment rolled it back",
    "revert": "a later deployment reverted one of its commits",
    "window": "an incident on its service started soon after it",
}
# What every template may use.
ENVIRONMENT.globals.update(
    band_colours=BAND_COLOURS,
    band_text_colours=BAND_TEXT_COLOURS,
    plotly_file=PLOTLY_FILE,
    index_file=INDEX_FILE,
    not_enough=NOT_ENOUGH,
)


def band_badge(band: str | None) -> str:
    """A band's colour with its name in words (no band: a dashed outline)."""
    return str(ENVIRONMENT.get_template("reports/macros.html").module.band_badge(band))  # type: ignore[attr-defined]


# -- the team page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricRow:
    title: str
    cells: list[str]  # one per window
    key: bool = False  # a key: a band cell, and the change columns when compared
    banded: bool = False
    band: str | None = None
    before: str = ""
    change: str = ""
    verdict: str = ""  # "better" or "worse": the change cell's class


KEYS_BY_NAME = {key.name: key for key in KEYS}


def _restores(row: TeamWindowMetrics) -> bool:
    """The recovery value shown is the time-to-restore fallback (SPEC §6.3), marked "*" where shown."""
    return row.failed_deployment_recovery_hours_p50 is None and row.time_to_restore_hours_p50 is not None


def _cell(key: Key, row: TeamWindowMetrics) -> str:
    shown = format_value(key.kind, key.value(row))
    return shown + "*" if key.name == "recovery" and _restores(row) else shown


def _metrics(rows: Sequence[TeamWindowMetrics], previous: TeamWindowMetrics | None) -> dict[str, Any]:
    row = longest(rows)
    found = changes(row, previous)
    table: list[MetricRow] = []
    for key in KEYS:
        before, shown, verdict = "", "", ""
        if previous is not None:
            change = found.get(key.name)
            before = _cell(key, previous)
            if change is None:
                shown = NO_DATA
            elif format_value(key.kind, key.value(previous)) == format_value(key.kind, change.current):
                # Equal as shown: a "+0.0 pp (worse)" would report noise below the display's precision.
                shown = "no change"
            else:
                shown, verdict = f"{format_delta(key.kind, change.delta)} ({change.verdict})", change.verdict
        table.append(
            MetricRow(
                key.title,
                [_cell(key, r) for r in rows],
                key=True,
                banded=key.name in METRICS,
                band=row.bands.get(key.name),
                before=before,
                change=shown,
                verdict=verdict,
            )
        )
    table.insert(
        2, MetricRow("Lead time for changes (p90)", [format_hours(r.lead_time_hours_p90) for r in rows])
    )
    table.append(MetricRow("Deployments", [str(r.deployments) for r in rows]))
    return {
        "windows": [r.window for r in rows],
        "window": row.window,
        "band_window": banded(rows).window,
        "compared": previous is not None,
        "rows": table,
        "reference": ", ".join(
            f"{band} {format_ratio(DORA_2024_CHANGE_FAILURE_RATE[band])}" for band in BANDS
        ),
        "restore_fallback": any(_restores(r) for r in [*rows, *([previous] if previous else [])]),
    }


def _failed(snapshot: Snapshot, team: str, days: int) -> dict[str, Any]:
    failed = failed_in_window(snapshot, team, days)
    with_team = team == ORGANISATION
    rows = [
        {
            "deployed": format_instant(deployment.deployed_at),
            "team": team_title(deployment.team),
            "repo": deployment.repo,
            "deployment": deployment.deployment_id,
            "rules": ", ".join(deployment.rules),
            "incidents": ", ".join(deployment.incident_ids) or "none",
            "recovered": (
                format_hours(
                    (as_utc(deployment.recovered_at) - as_utc(deployment.deployed_at)).total_seconds() / 3600
                )
                if deployment.recovered_at is not None
                else "not yet"
            ),
        }
        for deployment in failed[:FAILED_DEPLOYMENTS_SHOWN]
    ]
    heads = [
        "Deployed",
        *(["Team"] if with_team else []),
        "Repository",
        "Deployment",
        "Found by",
        "Incidents",
    ]
    # The snapshot holds the failed attempts of its longest window, the ``days`` here, newest first.
    attempts = [attempt for attempt in snapshot.failed_attempts if team in (ORGANISATION, attempt.team)]
    return {
        "days": days,
        "total": len(failed),
        "attempts": [
            {
                "created": format_instant(attempt.created_at),
                "team": team_title(attempt.team),
                "repo": attempt.repo,
                "deployment": attempt.deployment_id,
                "state": attempt.state or "none",
            }
            for attempt in attempts[:FAILED_DEPLOYMENTS_SHOWN]
        ],
        "attempts_total": len(attempts),
        "rows": rows,
        "with_team": with_team,
        "heads": [*heads, "Recovered after"],
        "more": len(failed) - FAILED_DEPLOYMENTS_SHOWN,
        "rules": list(RULE_TEXT.items()),
    }


def _dimension_title(dimension: str) -> str:
    return SPACE_TITLES.get(dimension, dimension.capitalize())


def _dimension_order(dimension: str) -> tuple[int, str]:
    """S, P, A, C, E as the framework names them; any other dimension after them, by name."""
    known = list(SPACE_TITLES)
    return (known.index(dimension) if dimension in SPACE_TITLES else len(known), dimension)


def _space_row(dimension: str, row: SpaceScore | None, previous: SpaceScore | None) -> dict[str, Any]:
    if row is None:
        return {"title": _dimension_title(dimension), "score": None}
    if row.change is None:
        # A shown previous row with no change: the items or their wording differ between the quarters.
        change = "not comparable: the questions changed" if previous is not None else "no earlier quarter"
    else:
        change = row.change + (f" (from {previous.score:.1f})" if previous is not None else "")
    return {
        "title": _dimension_title(dimension),
        "score": f"{row.score:.1f}",
        "favourable": format_ratio(row.favourable),
        "respondents": row.respondents,
        "change": change,
        "change_class": CHANGE_CLASSES.get(row.change, "") if row.change is not None else "",
    }


def _space(snapshot: Snapshot, team: str) -> dict[str, Any] | None:
    """The team's SPACE scores of the latest survey quarter, with change, and its earlier quarters.

    Only shown groups are in the snapshot, so whatever a team lacks is "not enough responses" — which
    also covers a team that did not take part: telling the two apart would say how many answered.
    """
    if not snapshot.space and not snapshot.space_quarters:
        return None
    shown = {row.quarter for row in snapshot.space} | {row.quarter for row in snapshot.space_quarters}
    quarters = sorted(shown, key=quarter_key)
    dimensions_by_quarter: dict[str, set[str]] = {quarter: set() for quarter in quarters}
    for row in snapshot.space:
        dimensions_by_quarter[row.quarter].add(row.dimension)
    team_rows = {(row.quarter, row.dimension): row for row in snapshot.space if row.team == team}
    latest = quarters[-1]
    before = previous_quarter(latest)
    # The team-quarter is shown (respondents, rate) even when each of its dimensions is too small.
    own = next((row for row in snapshot.space_quarters if (row.team, row.quarter) == (team, latest)), None)
    history = None
    if len(quarters) > 1 and team_rows:
        dimensions = sorted(set().union(*dimensions_by_quarter.values()), key=_dimension_order)
        history = {
            "quarters": quarters,
            "rows": [
                (
                    _dimension_title(dimension),
                    [
                        _history_cell(team_rows, quarter, dimension, dimensions_by_quarter)
                        for quarter in quarters
                    ],
                )
                for dimension in dimensions
            ],
        }
    return {
        "latest": latest,
        "before": before,
        "respondents": own.respondents if own else None,
        "response_rate": format_ratio(own.response_rate) if own and own.response_rate is not None else None,
        "quarter_rows": None
        if own is None
        else [
            _space_row(dimension, team_rows.get((latest, dimension)), team_rows.get((before, dimension)))
            for dimension in sorted(dimensions_by_quarter[latest], key=_dimension_order)
        ],
        "history": history,
    }


def _history_cell(
    team_rows: Mapping[tuple[str, str], SpaceScore],
    quarter: str,
    dimension: str,
    dimensions_by_quarter: Mapping[str, set[str]],
) -> str:
    row = team_rows.get((quarter, dimension))
    if row is not None:
        return f"{row.score:.1f}"
    # Not enough responses where some group has the dimension that quarter; — where no group has it.
    return NOT_ENOUGH if dimension in dimensions_by_quarter[quarter] else "—"


def team_page(snapshot: Snapshot, team: str, *, previous: Snapshot | None = None) -> str:
    """The HTML page of one team (``"*"``: the organisation)."""
    rows = sorted(snapshot.team_metrics(team), key=lambda r: (r.window_days, r.window))
    # Compared only when the previous snapshot has this team's row: a new team gets no made-up change.
    before = previous_row(previous, team, longest(rows).window) if rows else None
    values: dict[str, Any] = {
        "name": team_title(team),
        "as_of": format_instant(snapshot.as_of),
        "benchmarks": snapshot.benchmarks,
        "created_at": format_instant(snapshot.created_at),
        "has_previous": previous is not None,
        "previous_as_of": format_instant(previous.as_of) if previous is not None and before else None,
        "sentences": what_stands_out(snapshot, team, previous=previous),
        "metrics": None,
        "space": _space(snapshot, team),
        "with_plotly": bool(rows),
    }
    if rows:
        row = longest(rows)
        points = sorted((p for p in snapshot.weekly if p.team == team), key=lambda p: p.week_start)
        breakdown_chart = (
            Markup(chart_html(breakdown_figure(row), "chart-breakdown"))  # noqa: S704 - plotly's own markup
            if any(v is not None for v in row.lead_time_breakdown_hours_p50.values())
            else None
        )
        values |= {
            "metrics": _metrics(rows, before),
            "charts": [
                (Markup(chart_html(figure, div_id)), caption)  # noqa: S704 - plotly's own markup
                for div_id, caption, figure in weekly_figures(points)
            ]
            if points
            else [],
            "breakdown": {
                "chart": breakdown_chart,
                "rows": [
                    (
                        stage.capitalize(),
                        [format_hours(r.lead_time_breakdown_hours_p50.get(stage)) for r in rows],
                    )
                    for stage in BREAKDOWN_STAGES
                ],
            },
            "failed": _failed(snapshot, team, row.window_days),
            "incidents": [
                (
                    r.window,
                    r.incidents,
                    format_hours(r.time_to_restore_hours_p50),
                    format_hours(r.time_to_restore_hours_p90),
                )
                for r in rows
            ],
        }
    return render("reports/team.html", **values)


# -- the index and the files -----------------------------------------------------------------------


def index_page(snapshot: Snapshot, pages: Mapping[str, str]) -> str:
    """Every team of the snapshot with its four bands; a team links to its page when one was written."""
    teams = []
    for team in snapshot.teams:
        rows = snapshot.team_metrics(team)
        row = banded(rows) if rows else None
        teams.append(
            {
                "name": team_title(team),
                "page": pages.get(team),
                "cells": None
                if row is None
                else [(row.bands.get(metric), _cell(KEYS_BY_NAME[metric], row)) for metric in METRICS],
                "restores": row is not None and _restores(row),
            }
        )
    return render(
        "reports/index.html",
        as_of=format_instant(snapshot.as_of),
        window=banded(snapshot.metrics).window if snapshot.metrics else NO_DATA,
        benchmarks=snapshot.benchmarks,
        key_titles=[KEY_TITLES[metric] for metric in METRICS],
        teams=teams,
        restore_fallback=any(team["restores"] for team in teams),
        with_plotly=False,
    )


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
    then plotly.js. An unknown team is a ``ValueError`` naming it. Writing every team's page removes
    the pages of teams the snapshot no longer has (a team removed or renamed in the config): the
    folder, served at ``/reports/``, would otherwise keep a page with old numbers.
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
    if teams is None:
        # After the new index is in place, so that no link of the index served points at a removed page.
        for stale in sorted(set(out_dir.glob(TEAM_PAGES)) - set(written)):
            stale.unlink(missing_ok=True)
    return written


def _write(path: Path, text: str) -> Path:
    # Write beside, then rename: a reader (the /reports/ server) never sees half a page.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return path
