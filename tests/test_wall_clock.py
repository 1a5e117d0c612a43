"""Code that reads the wall clock, under a frozen clock (freezegun): the default ``--as-of`` of
`doraspace metrics`, the default ``github.since`` and the snapshot age of `doraspace serve`'s /metrics."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from freezegun import freeze_time

from dashboards.exporter import Exposition
from doraspace.cli import main
from doraspace.config import parse_config
from tests.dashboards.test_exporter import AS_OF, snapshot
from tests.test_cli_end_to_end import config_path, expected_rows

__all__ = ["config_path"]  # the fixture, shared with the end-to-end test


def test_metrics_without_as_of_are_as_of_now(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["collect", "--config", str(config_path)]) == 0
    capsys.readouterr()
    with freeze_time("2026-03-07T00:00:00Z"):
        assert main(["metrics", "--config", str(config_path), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["as_of"] for row in rows] == ["2026-03-07T00:00:00Z"] * len(expected_rows())
    assert [(r["team"], r["window"], r["deployments"]) for r in rows] == [
        (r["team"], r["window"], r["deployments"]) for r in expected_rows()
    ]


@freeze_time("2026-12-04T15:30:00Z")
def test_github_since_defaults_to_a_year_before_today_at_midnight() -> None:
    config = parse_config(
        "database: {url: 'duckdb:///:memory:'}\ngithub: {token: '${GH}', repositories: [acme/x]}\n",
        environ={"GH": "token"},
    )
    assert config.github is not None
    assert config.github.since == datetime(2025, 12, 4, tzinfo=UTC)


def test_snapshot_age_follows_the_wall_clock() -> None:
    exposition = Exposition()  # the default clock: the wall clock
    exposition.update(snapshot(created_at=AS_OF))
    with freeze_time(AS_OF) as frozen:
        frozen.tick(90)
        assert b"doraspace_snapshot_age_seconds 90.0" in exposition.render()
        frozen.tick(15)
        assert b"doraspace_snapshot_age_seconds 105.0" in exposition.render()
