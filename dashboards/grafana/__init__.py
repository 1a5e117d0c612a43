"""Grafana dashboards for the SPEC §8.1 metrics, generated from code (SPEC §8.2).

Three dashboards, one module each: an organisation overview (``overview``: every team's four keys with
band colours), a team dashboard (``team``: ``$team``, ``$window``) and a SPACE dashboard (``space``:
``$team``, ``$quarter``, survey scores per dimension); ``shared`` holds the PromQL, the band thresholds
and the panel kinds they share. All take their data source from a ``datasource`` template variable,
never from a fixed uid or an ``__inputs`` placeholder, so the same file works imported through the UI
and provisioned from disk. ``write_dashboards`` writes them, a file-provider YAML and an ``index.html``
for ``/dashboards/``.

Band colours come from ``dashboards.words`` and band limits from ``analytics.benchmarks``, so a stat
panel's colour and the band the analytics give can never drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from analytics.dora import BREAKDOWN_STAGES
from analytics.windows import WindowSpec
from dashboards.grafana import overview, space, team
from dashboards.grafana.overview import overview_dashboard
from dashboards.grafana.shared import (
    BAND_SCORES,
    DEFAULT_BAND_WINDOW,
    DEFAULT_BENCHMARKS,
    TEAM_REGEX,
    Json,
    band_mappings,
    band_score_expr,
    key_thresholds,
    recovery_expr,
    selector,
)
from dashboards.grafana.space import space_dashboard
from dashboards.grafana.team import team_dashboard
from dashboards.pages import render
from dashboards.words import BAND_COLOURS, KEY_TITLES

__all__ = [
    "BAND_COLOURS",
    "BAND_SCORES",
    "BREAKDOWN_STAGES",
    "DEFAULT_BENCHMARKS",
    "INDEX_FILE",
    "KEY_TITLES",
    "OVERVIEW_FILE",
    "PROVIDER_FILE",
    "SPACE_FILE",
    "TEAM_FILE",
    "TEAM_REGEX",
    "all_exprs",
    "band_mappings",
    "band_score_expr",
    "build_dashboards",
    "dashboard_json",
    "index_html",
    "key_thresholds",
    "overview_dashboard",
    "provider_yaml",
    "recovery_expr",
    "selector",
    "space_dashboard",
    "team_dashboard",
    "write_dashboards",
]

OVERVIEW_UID, OVERVIEW_FILE = overview.UID, overview.FILE
TEAM_UID, TEAM_FILE = team.UID, team.FILE
SPACE_UID, SPACE_FILE = space.UID, space.FILE
PROVIDER_FILE = "doraspace-dashboards.yaml"
INDEX_FILE = "index.html"


def build_dashboards(
    benchmarks: str = DEFAULT_BENCHMARKS, band: WindowSpec = DEFAULT_BAND_WINDOW
) -> dict[str, Json]:
    """File name → dashboard, in the order ``/dashboards/`` lists them; ``band`` is the configured band
    window (``analytics.windows.band_window``), named in the bands' titles and shown first."""
    return {
        OVERVIEW_FILE: overview_dashboard(benchmarks, band),
        TEAM_FILE: team_dashboard(benchmarks, band),
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
    listed = [(name, str(board.get("title", name))) for name, board in dashboards.items()]
    return render("grafana_index.html", dashboards=listed, provider_file=provider_file)


def dashboard_json(board: Mapping[str, Any]) -> str:
    return json.dumps(board, indent=2, ensure_ascii=False) + "\n"


def write_dashboards(
    out_dir: Path,
    *,
    benchmarks: str = DEFAULT_BENCHMARKS,
    band: WindowSpec = DEFAULT_BAND_WINDOW,
    provider_path: str | None = None,
) -> list[Path]:
    """Writes the dashboards, the provider YAML and ``index.html`` into ``out_dir``; returns the paths.

    The provider's ``options.path`` is ``provider_path``, by default ``out_dir`` made absolute: right
    when Grafana runs on this machine, to be adjusted when it reads the files from elsewhere.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    boards = build_dashboards(benchmarks, band)
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
