"""Emulated organisation with two teams → `doraspace collect` → `doraspace metrics`, numbers by hand.

The organisation and every number below are worked out in tests/github_org.py.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import doraspace.collect
from analytics.windows import WindowSpec
from collector.sources.retry import RetryPolicy
from doraspace.cli import main, parse_window_arg
from tests.emulators.github import Fault, GitHubDataset, GitHubEmulator
from tests.github_org import ORDERS_LEAD_TIMES, build_org, payments_lead_times, write_github_config

ROOT = Path(__file__).resolve().parent.parent


def percentile_cont(values: list[float], fraction: float) -> float:
    """The SQL definition, written out: linear interpolation between the closest ranks."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    dataset = GitHubDataset()
    build_org(dataset)
    with GitHubEmulator(dataset, token="e2e-token") as emulator:
        path = write_github_config(
            tmp_path,
            emulator.base_url,
            "E2E_GITHUB_TOKEN",
            "since: 2026-03-01\norganizations: [acme]",
            """
            teams:
              - name: orders
                repositories: [acme/orders]
              - name: payments
                repositories: [acme/payments]
            metrics:
              windows: [7d, 30d]
            """,
        )
        monkeypatch.setenv("E2E_GITHUB_TOKEN", "e2e-token")
        yield path


def expected_rows() -> list[dict[str, Any]]:
    """P2 of payments is failed (rule: rollback) and recovered when P3 rolled it back 24 h later;
    P3, the rollback, is rework. Bands come from the longest window, 30d."""
    everything = ORDERS_LEAD_TIMES + payments_lead_times()
    orders_breakdown = {"coding": 3.0, "pickup": 13.0, "review": 2.5, "deploy": 2.0}
    nothing = {"coding": None, "pickup": None, "review": None, "deploy": None}
    teams = [
        # team, deployments, lead times, failed, recovery p50, rework, breakdown, bands
        ("*", 8, everything, 1, 24.0, 1, orders_breakdown, ("high", "elite", "medium", "medium")),
        ("orders", 4, ORDERS_LEAD_TIMES, 0, None, 0, orders_breakdown, ("medium", "high", "elite", None)),
        ("payments", 4, payments_lead_times(), 1, 24.0, 1, nothing, ("medium", "elite", "low", "medium")),
    ]
    rows = []
    for team, count, lead_times, failed, recovery, rework, breakdown, bands in teams:
        for window, days in [("7d", 7), ("30d", 30)]:
            rows.append(
                {
                    "team": team,
                    "window": window,
                    "as_of": "2026-03-07T00:00:00Z",
                    "deployments": count,
                    "deployment_frequency_per_day": count / days,
                    "lead_time_hours_p50": percentile_cont(lead_times, 0.5),
                    "lead_time_hours_p90": percentile_cont(lead_times, 0.9),
                    "change_failure_rate": failed / count,
                    "failed_deployment_recovery_hours_p50": recovery,
                    "time_to_restore_hours_p50": None,
                    "time_to_restore_hours_p90": None,
                    "incidents": 0,
                    "rework_rate": rework / count,
                    "lead_time_breakdown_hours_p50": breakdown,
                    "bands": dict(
                        zip(
                            ("deployment_frequency", "lead_time", "change_failure_rate", "recovery"),
                            bands,
                            strict=True,
                        )
                    ),
                }
            )
    return rows


def test_hand_worked_numbers_match_the_reference_percentile() -> None:
    assert percentile_cont(ORDERS_LEAD_TIMES, 0.5) == 29.0
    assert percentile_cont(ORDERS_LEAD_TIMES, 0.9) == pytest.approx(31.6)
    assert percentile_cont(payments_lead_times(), 0.5) == pytest.approx(24 - 129.5 / 60)
    assert percentile_cont(payments_lead_times(), 0.9) == pytest.approx(24 - 25.9 / 60)


def test_collect_then_metrics_json_equals_the_numbers_worked_out_by_hand(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["collect", "--config", str(config_path)]) == 0
    summary = capsys.readouterr().err
    assert "2 repositories" in summary
    assert (
        main(["metrics", "--config", str(config_path), "--format", "json", "--as-of", "2026-03-07T00:00:00Z"])
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert [(row["team"], row["window"]) for row in rows] == [
        (row["team"], row["window"]) for row in expected_rows()
    ]
    for got, want in zip(rows, expected_rows(), strict=True):
        assert list(got) == list(want)
        for key, value in want.items():
            if isinstance(value, float):
                assert got[key] == pytest.approx(value, rel=1e-9), (got["team"], got["window"], key)
            elif isinstance(value, dict):
                assert got[key].keys() == value.keys()
                for stage, expected in value.items():
                    if isinstance(expected, float):
                        assert got[key][stage] == pytest.approx(expected, rel=1e-9), (key, stage)
                    else:
                        assert got[key][stage] == expected, (got["team"], key, stage)
            else:
                assert got[key] == value, (got["team"], got["window"], key)


def test_collect_twice_gives_equal_metrics(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["metrics", "--config", str(config_path), "--format", "json", "--as-of", "2026-03-07T00:00:00Z"]
    assert main(["collect", "--config", str(config_path)]) == 0
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(["collect", "--config", str(config_path)]) == 0
    assert main(args) == 0
    assert capsys.readouterr().out == first


def test_as_of_ignores_later_facts(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["collect", "--config", str(config_path)]) == 0
    capsys.readouterr()
    # As of 03-04 00:00 only orders' D1 and D2 (lead 32 h) and payments' P1 and P2 exist.
    assert (
        main(
            [
                "metrics",
                "--config",
                str(config_path),
                "--format",
                "json",
                "--window",
                "7d",
                "--team",
                "orders",
                "--as-of",
                "2026-03-04T01:00:00+01:00",
            ]
        )
        == 0
    )
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["as_of"], row["deployments"], row["lead_time_hours_p50"]) == ("2026-03-04T00:00:00Z", 2, 32.0)
    assert row["lead_time_breakdown_hours_p50"] == {
        "coding": 3.0,
        "pickup": 25.0,
        "review": 2.0,
        "deploy": 2.0,
    }


def test_console_script_prints_csv_and_table(config_path: Path) -> None:
    env = {**os.environ, "E2E_GITHUB_TOKEN": "e2e-token"}
    script = Path(sys.executable).with_name("doraspace")
    subprocess.run([script, "collect", "--config", config_path], check=True, env=env, capture_output=True)
    as_of = ["--as-of", "2026-03-07"]
    csv_out = subprocess.run(
        [script, "metrics", "--config", config_path, "--format", "csv", "--team", "orders", *as_of],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert csv_out[0].split(",")[:4] == ["team", "window", "as_of", "deployments"]
    assert csv_out[1].startswith("orders,7d,2026-03-07T00:00:00Z,4,0.5714285714285714,29.0,31.6")
    table = subprocess.run(
        [script, "metrics", "--config", config_path, *as_of],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    assert "orders" in table and "payments" in table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["metrics", "--as-of", "yesterday"], "--as-of: not an ISO 8601"),
        (["metrics", "--window", "36h"], "--window: expected a whole number of days"),
        (["metrics", "--team", "nobody"], "--team: unknown team 'nobody'"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    config_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main([*args, "--config", str(config_path)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_window_argument_reads_as_the_configured_windows() -> None:
    # metrics.windows accepts weeks, so --window does too; still whole days only.
    assert parse_window_arg("2w") == WindowSpec("2w", 14)
    assert parse_window_arg("30d") == WindowSpec("30d", 30)


def test_missing_token_is_a_config_error(
    config_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("E2E_GITHUB_TOKEN")
    assert main(["collect", "--config", str(config_path)]) == 2
    assert "E2E_GITHUB_TOKEN" in capsys.readouterr().err


def test_snapshot_weekly_trend_uses_the_same_definitions(config_path: Path) -> None:
    from datetime import UTC, date, datetime

    from doraspace.config import load_config
    from doraspace.pipeline import build_snapshot
    from store.engine import open_store

    assert main(["collect", "--config", str(config_path)]) == 0
    config = load_config(config_path, environ={"E2E_GITHUB_TOKEN": "e2e-token"})
    engine = open_store(config.database_url)
    try:
        monday = datetime(2026, 3, 9, tzinfo=UTC)
        snapshot = build_snapshot(config, engine, now=monday, weeks=2)
    finally:
        engine.dispose()
    orders = [point for point in snapshot.weekly if point.team == "orders"]
    assert [(p.week_start, p.deployments, p.lead_time_hours_p50) for p in orders] == [
        (date(2026, 2, 23), 0, None),
        (date(2026, 3, 2), 4, 29.0),  # the whole week of 03-02: every orders deployment
    ]
    assert [f.repo for f in snapshot.failed_deployments] == ["acme/payments"]
    assert snapshot.failed_deployments[0].rules == ("rollback",)
    assert snapshot.teams == ("*", "orders", "payments")
    # The previous snapshot holds the longest window one longest window earlier (30 days before
    # 03-09), the one the reports compare with: the organisation had not deployed yet.
    assert snapshot.previous is not None
    previous = [(row.team, row.window, row.as_of, row.deployments) for row in snapshot.previous.metrics]
    before = datetime(2026, 2, 7, tzinfo=UTC)
    assert previous == [(team, "30d", before, 0) for team in ("*", "orders", "payments")]


def test_dashboards_and_report_commands_write_their_files(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["collect", "--config", str(config_path)]) == 0
    assert main(["dashboards", "--config", str(config_path), "--out", str(tmp_path / "dash")]) == 0
    assert sorted(p.name for p in (tmp_path / "dash").iterdir()) == [
        "doraspace-dashboards.yaml",
        "doraspace-overview.json",
        "doraspace-space.json",
        "doraspace-team.json",
        "index.html",
    ]
    assert (
        main(["report", "--config", str(config_path), "--out", str(tmp_path / "rep"), "--team", "orders"])
        == 0
    )
    written = sorted(p.name for p in (tmp_path / "rep").iterdir())
    assert written == ["index.html", "plotly.min.js", "team-orders.html"]
    page = (tmp_path / "rep" / "team-orders.html").read_text()
    assert "orders" in page and "alice" not in page and "@" not in page
    capsys.readouterr()
    assert (
        main(["report", "--config", str(config_path), "--out", str(tmp_path / "x"), "--team", "nobody"]) == 2
    )
    assert "--team: unknown team 'nobody'" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    # A configured team owning nothing yet is known, with nothing to show: as `metrics --team` prints
    # [], `report --team` writes no page, says so, and is no error.
    document = yaml.safe_load(config_path.read_text())
    document["teams"].append({"name": "design"})
    config_path.write_text(yaml.safe_dump(document))
    assert main(["metrics", "--config", str(config_path), "--team", "design", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert (
        main(["report", "--config", str(config_path), "--out", str(tmp_path / "y"), "--team", "design"]) == 0
    )
    assert "team 'design' has nothing to report yet" in capsys.readouterr().err
    assert not (tmp_path / "y").exists()


def test_repositories_configured_in_another_letter_case_give_the_same_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """GitHub names are case-insensitive, and the collected spelling is the one ownership keeps (SPEC
    §4): a config listing ``ACME/Orders`` and ``Acme/Payments`` (GitHub: ``acme/orders``,
    ``acme/payments``), without the organisation, measures what the lower-case config measures. Before,
    the facts were stored under the config's spelling and matched no collected repository: 0
    deployments."""
    dataset = GitHubDataset()
    build_org(dataset)
    monkeypatch.setenv("E2E_GITHUB_TOKEN", "e2e-token")
    with GitHubEmulator(dataset, token="e2e-token") as emulator:
        path = write_github_config(
            tmp_path,
            emulator.base_url,
            "E2E_GITHUB_TOKEN",
            "since: 2026-03-01\nrepositories: [ACME/Orders, Acme/Payments]",
            """
            teams:
              - name: orders
                repositories: [ACME/Orders]
              - name: payments
                repositories: [Acme/Payments]
            metrics:
              windows: [7d, 30d]
            """,
        )
        assert main(["collect", "--config", str(path)]) == 0
    capsys.readouterr()
    args = ["metrics", "--config", str(path), "--format", "json", "--as-of", "2026-03-07T00:00:00Z"]
    assert main(args) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(row["team"], row["window"], row["deployments"]) for row in rows] == [
        (row["team"], row["window"], row["deployments"]) for row in expected_rows()
    ]
    want = {(row["team"], row["window"]): row["lead_time_hours_p50"] for row in expected_rows()}
    assert {(row["team"], row["window"]): row["lead_time_hours_p50"] for row in rows} == pytest.approx(want)


def test_a_repository_github_keeps_failing_for_ends_collect_in_error_after_the_rest_is_collected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """acme/orders' deployments answer 502 at all 8 attempts (no wait here): `collect` still collects
    acme/payments and reports it, then exits 1 with one line naming what it left for the next sync.
    The next run, GitHub answering again, exits 0 with the metrics of a sync never faulted."""
    waits: list[float] = []
    real = doraspace.collect.collect
    monkeypatch.setattr(
        doraspace.collect,
        "collect",
        lambda *args, **kwargs: real(*args, **{**kwargs, "retry": lambda: RetryPolicy(sleep=waits.append)}),
    )
    monkeypatch.setenv("E2E_GITHUB_TOKEN", "e2e-token")
    dataset = GitHubDataset()
    build_org(dataset)
    teams = (
        "teams:\n"
        "  - {name: orders, repositories: [acme/orders]}\n"
        "  - {name: payments, repositories: [acme/payments]}\n"
    )
    with GitHubEmulator(dataset, token="e2e-token") as emulator:
        stores = {
            name: write_github_config(
                tmp_path / name, emulator.base_url, "E2E_GITHUB_TOKEN", "since: 2026-03-01", teams
            )
            for name in ("faulted", "clean")
        }
        emulator.inject(r"^/repos/acme/orders/deployments$", Fault.server_error(502), times=8)
        assert main(["collect", "--config", str(stores["faulted"])]) == 1
        lines = capsys.readouterr().err.splitlines()
        assert [line for line in lines if line.startswith(("warning:", "doraspace: error:"))] == [
            "warning: repository acme/orders skipped this sync: GitHub server error 502; "
            "asked again at the next sync",
            "doraspace: error: github: 1 repository not collected, asked again at the next sync: "
            "acme/orders (GitHub server error 502)",
        ]
        assert any(line.startswith("github: 2 repositories,") for line in lines)
        assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0]

        def metrics(name: str) -> list[dict[str, Any]]:
            as_of = ["--format", "json", "--as-of", "2026-03-07T00:00:00Z"]
            assert main(["metrics", "--config", str(stores[name]), *as_of]) == 0
            rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
            return rows

        faulted = {row["window"]: row["deployments"] for row in metrics("faulted") if row["team"] == "orders"}
        assert faulted == {"7d": 0, "30d": 0, "90d": 0}
        payments = [row for row in metrics("faulted") if row["team"] == "payments"]
        assert main(["collect", "--config", str(stores["faulted"])]) == 0
        assert main(["collect", "--config", str(stores["clean"])]) == 0
        capsys.readouterr()
        assert metrics("faulted") == metrics("clean")
        assert payments == [row for row in metrics("clean") if row["team"] == "payments"]
