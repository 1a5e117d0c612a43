"""Static HTML reports for team leads (SPEC §8.3): an index of every team's bands and one page per team.

The pages are Jinja2 templates (``dashboards/templates/reports/``) with autoescape on; this package
keeps the numbers (``keys``, ``standout``), the plotly figures (``charts``) and what each page shows
(``pages``).

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

from dashboards.reports.charts import SERIES_COLOURS, Figure, breakdown_figure, chart_html, weekly_figures
from dashboards.reports.keys import (
    KEYS,
    NO_DATA,
    ORGANISATION_TITLE,
    Key,
    Kind,
    format_delta,
    format_frequency,
    format_hours,
    format_instant,
    format_ratio,
    format_value,
    recovery_hours,
    team_page_names,
    team_title,
)
from dashboards.reports.pages import (
    FAILED_DEPLOYMENTS_SHOWN,
    INDEX_FILE,
    PLOTLY_FILE,
    RULE_TEXT,
    band_badge,
    index_page,
    team_page,
    write_reports,
)
from dashboards.reports.standout import (
    NOTABLE_CHANGE,
    Change,
    changes,
    failed_in_window,
    longest,
    what_stands_out,
)
from dashboards.words import BAND_COLOURS, KEY_TITLES, KEY_WORDS, SPACE_TITLES

__all__ = [
    "BAND_COLOURS",
    "FAILED_DEPLOYMENTS_SHOWN",
    "INDEX_FILE",
    "KEYS",
    "KEY_TITLES",
    "KEY_WORDS",
    "NOTABLE_CHANGE",
    "NO_DATA",
    "ORGANISATION_TITLE",
    "PLOTLY_FILE",
    "RULE_TEXT",
    "SERIES_COLOURS",
    "SPACE_TITLES",
    "Change",
    "Figure",
    "Key",
    "Kind",
    "band_badge",
    "breakdown_figure",
    "changes",
    "chart_html",
    "failed_in_window",
    "format_delta",
    "format_frequency",
    "format_hours",
    "format_instant",
    "format_ratio",
    "format_value",
    "index_page",
    "longest",
    "recovery_hours",
    "team_page",
    "team_page_names",
    "team_title",
    "weekly_figures",
    "what_stands_out",
    "write_reports",
]
