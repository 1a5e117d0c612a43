"""Audit: the command-line contract of SPEC §2, §3, §6.4, §7.5 and §9, where two of its rules meet.

The CLI is run as a user runs it: ``doraspace.cli.main`` in-process, or the ``doraspace`` console script
as a child process where the exit status or a traceback is what is looked at. The stores are written
as the collector writes them (``tests.analytics.facts``), or collected from the emulators; every
expected number is worked out by hand below, every instant is fixed (``--as-of``).

The metrics world (June 2026, UTC; windows 7d and 30d; attribution window 24 h):

* team ``web`` (``teams:``: acme/web and PagerDuty service PW):
  W1 06-01 00:00, the first deployment (counts, no lead time); W2 06-25 00:00 ships c2, the squash
  merge of PR #1 (commit authored 06-24 12:00, opened 13:00, reviewed by bob 15:00, merged 18:00):
  lead 12 h, breakdown coding 1, pickup 2, review 3, deploy 6; W3 06-26 00:00 ships c3 (06-25 20:00):
  lead 4 h; incident PW-1 on PW 06-26 01:00 → 03:00: rule 4 (window) fails W3, the latest
  deployment of the service before it, recovered after 3 h, restored in 2 h; W4 06-29 00:00 ships c4
  (06-28 00:00): lead 24 h.
* acme/misc, owned by nobody (team ``unowned``): M1 06-02 00:00 (first); M2 06-27 12:00 ships m2
  (06-27 06:00): lead 6 h.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from collector.models import RepositoryFact
from collector.writer import write_repositories
from doraspace.cli import main
from store.engine import open_store
from tests.analytics.facts import METRIC_KEYS, Facts, Review, add_incident, at, bands
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator
from tests.test_incidents_end_to_end import build_github, build_pagerduty, config_text

DORASPACE = Path(sys.executable).with_name("doraspace")
AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
AS_OF_TEXT = "2026-06-30T00:00:00Z"
GH_TOKEN = "ghp_auditCliContract0123456789abcdef"
PD_TOKEN = "pdAuditCliContract9876543210"
NO_BREAKDOWN = {"coding": None, "pickup": None, "review": None, "deploy": None}
WEB_BREAKDOWN = {"coding": 1.0, "pickup": 2.0, "review": 3.0, "deploy": 6.0}


# ------------------------------------------------------------------------------------------ helpers


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``main(args)`` as the console script would end: its exit status (argparse's too), stdout, stderr."""
    try:
        status = main(list(args))
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def run_script(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """The console script as a child process (killed after ``timeout`` s: a daemon that should not
    have started fails the test instead of hanging it)."""
    return subprocess.run(
        [str(DORASPACE), *args],
        env=env if env is not None else dict(os.environ),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_line(err: str) -> bool:
    """SPEC §2: "one clear line on stderr", no Python traceback."""
    return err.count("\n") == 1 and err.endswith("\n") and "Traceback" not in err


def dump(store: Path) -> dict[str, list[str]]:
    """Every table of a DuckDB store, rows as sorted text: equal dumps mean an unchanged store."""
    connection = duckdb.connect(str(store), read_only=True)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables order by table_name"
            ).fetchall()
        ]
        rows = {}
        for table in tables:
            query = f'select * from "{table}"'  # noqa: S608 - the names come from the store itself
            rows[table] = sorted(repr(row) for row in connection.execute(query).fetchall())
        return rows
    finally:
        connection.close()


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-12)


def percentile_cont(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# ------------------------------------------------------------------------------------ the world


def write_world(store: Path) -> None:
    engine = open_store(f"duckdb:///{store}")
    try:
        with engine.begin() as conn:
            repos = [RepositoryFact("acme/web", "main"), RepositoryFact("acme/misc", "main")]
            write_repositories(conn, repos, {}, AS_OF)
        facts = Facts(engine)
        web, misc = "acme/web", "acme/misc"
        facts.deployment(at(1), compare="first", sha="a1" * 20, repo=web)
        c2 = facts.commit("c2" * 20, at(24, 12), repo=web)
        facts.pull_request(
            1,
            created_at=at(24, 13),
            merged_at=at(24, 18),
            merge_commit_sha=c2,
            commit_dates=[at(24, 12)],
            reviews=[Review("bob", at(24, 15))],
            repo=web,
        )
        facts.deployment(at(25), ships=[c2], repo=web)
        facts.deployment(at(26), ships=[facts.commit("c3" * 20, at(25, 20), repo=web)], repo=web)
        add_incident(facts, "PW-1", at(26, 1), resolved_at=at(26, 3), service="PW")
        facts.deployment(at(29), ships=[facts.commit("c4" * 20, at(28), repo=web)], repo=web)
        facts.deployment(at(2), compare="first", sha="b1" * 20, repo=misc)
        facts.deployment(at(27, 12), ships=[facts.commit("m2" * 20, at(27, 6), repo=misc)], repo=misc)
    finally:
        engine.dispose()


def write_config(path: Path, store: Path, extra: str = "", windows: str = "[7d, 30d]") -> Path:
    path.write_text(
        f"database:\n  url: duckdb:///{store}\n"
        "teams:\n  - name: web\n    repositories: [acme/web]\n    pagerduty_services: [PW]\n"
        f"metrics:\n  windows: {windows}\n"
        "incidents:\n  attribution_window: 24h\n" + extra
    )
    return path


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """The config of the metrics world; the store beside it."""
    store = tmp_path / "store.duckdb"
    write_world(store)
    return write_config(tmp_path / "doraspace.yaml", store)


def expected_rows() -> list[dict[str, Any]]:
    """Every row as of 06-30 00:00, worked out from the module docstring.

    7d = (06-23, 06-30]: web W2, W3, W4; unowned M2. 30d = (05-31, 06-30]: and W1, M1.
    Bands (dora-2023) from 30d, the longest configured:
    * web: 4/30 = 0.133/day, below 1/7 = 0.1429 but ≥ 1/30 → medium; lead p50 12 h < 1 day → elite;
      CFR 1/4 = 25 % > 15 % → low; recovery 3 h < 1 day → high.
    * unowned: 2/30 → medium; 6 h → elite; 0 % → elite; no failure and no incident → null.
    * "*": 6/30 = 0.2/day ≥ 1/7 → high; lead 4, 6, 12, 24 → p50 9 h → elite; 1/6 = 16.7 % → low;
      recovery 3 h → high.
    """
    web_leads, org_leads = [12.0, 4.0, 24.0], [12.0, 4.0, 24.0, 6.0]
    teams = {
        # team: (7d deployments, 30d deployments, lead times, failed, recovery, restore, incidents,
        #        breakdown, bands)
        "*": (4, 6, org_leads, 1, 3.0, 2.0, 1, WEB_BREAKDOWN, bands("high", "elite", "low", "high")),
        "unowned": (1, 2, [6.0], 0, None, None, 0, NO_BREAKDOWN, bands("medium", "elite", "elite", None)),
        "web": (3, 4, web_leads, 1, 3.0, 2.0, 1, WEB_BREAKDOWN, bands("medium", "elite", "low", "high")),
    }
    rows = []
    for team, (week, month, leads, failed, recovery, restore, incidents, breakdown, banded) in teams.items():
        for window, days, count in (("7d", 7, week), ("30d", 30, month)):
            rows.append(
                {
                    "team": team,
                    "window": window,
                    "as_of": AS_OF_TEXT,
                    "deployments": count,
                    "deployment_frequency_per_day": count / days,
                    "lead_time_hours_p50": percentile_cont(leads, 0.5),
                    "lead_time_hours_p90": percentile_cont(leads, 0.9),
                    "change_failure_rate": failed / count,
                    "failed_deployment_recovery_hours_p50": recovery,
                    "time_to_restore_hours_p50": restore,
                    "time_to_restore_hours_p90": restore,
                    "incidents": incidents,
                    "rework_rate": 0.0,
                    "lead_time_breakdown_hours_p50": breakdown,
                    "bands": banded,
                }
            )
    return rows


def assert_rows(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert [(row["team"], row["window"]) for row in got] == [(row["team"], row["window"]) for row in want]
    for row, expected in zip(got, want, strict=True):
        assert list(row) == METRIC_KEYS
        for key, value in expected.items():
            where = (row["team"], row["window"], key)
            if isinstance(value, float):
                assert row[key] == approx(value), where
            elif isinstance(value, dict):
                assert list(row[key]) == list(value), where
                for inner, inner_value in value.items():
                    if isinstance(inner_value, float):
                        assert row[key][inner] == approx(inner_value), (*where, inner)
                    else:
                        assert row[key][inner] == inner_value, (*where, inner)
            else:
                assert row[key] == value, where


def test_hand_worked_percentiles() -> None:
    assert percentile_cont([12.0, 4.0, 24.0], 0.5) == 12.0
    assert percentile_cont([12.0, 4.0, 24.0], 0.9) == approx(21.6)  # 12 + 0.8 × 12
    assert percentile_cont([12.0, 4.0, 24.0, 6.0], 0.5) == 9.0
    assert percentile_cont([12.0, 4.0, 24.0, 6.0], 0.9) == approx(20.4)  # 12 + 0.7 × 12


# ------------------------------------------------------------------ §6.4: the numbers, every format


@pytest.mark.parametrize(
    "as_of",
    [AS_OF_TEXT, "2026-06-30T02:00:00+02:00", "2026-06-29T20:00:00-04:00", "2026-06-30", "2026-06-30T00:00"],
)
def test_metrics_json_equals_the_hand_worked_rows_for_every_spelling_of_the_instant(
    world: Path, capsys: pytest.CaptureFixture[str], as_of: str
) -> None:
    """§2: ``--as-of`` is ISO 8601, UTC if no offset; §6.4: ``as_of`` echoes that instant in UTC ``Z``.
    All five spellings name 2026-06-30 00:00 UTC, so every output is the same."""
    status, out, err = run(capsys, "metrics", "--config", str(world), "--format", "json", "--as-of", as_of)
    assert status == 0, err
    assert_rows(json.loads(out), expected_rows())


def test_csv_and_table_show_the_json_numbers(world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """§2: one command, three formats: the same rows and numbers. CSV has every JSON field (nested ones
    flattened), null as an empty cell; the table shows each number, null as a placeholder."""
    args = ["metrics", "--config", str(world), "--as-of", AS_OF_TEXT]
    status, out, _ = run(capsys, *args, "--format", "json")
    assert status == 0
    rows = json.loads(out)
    status, out, _ = run(capsys, *args, "--format", "csv")
    assert status == 0
    records = list(csv.DictReader(io.StringIO(out)))
    assert len(records) == len(rows)
    for row, record in zip(rows, records, strict=True):
        flat: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, dict):
                flat.update({f"{key}.{inner}": inner_value for inner, inner_value in value.items()})
            else:
                flat[key] = value
        assert list(record) == list(flat)
        for key, value in flat.items():
            if value is None:
                assert record[key] == "", key
            elif isinstance(value, float):
                assert float(record[key]) == value, key
            else:
                assert record[key] == str(value), key
    status, out, _ = run(capsys, *args, "--format", "table")
    assert status == 0
    lines = out.splitlines()
    assert "2026-06-30T00:00:00Z" in lines[0]
    body = [line.split() for line in lines[2:]]
    assert [(cells[0], cells[1]) for cells in body] == [(row["team"], row["window"]) for row in rows]
    web_week = body[[row["team"] for row in rows].index("web")]
    # 3 deployments, 3/7 per day, p50 12, p90 21.6, CFR 1/3, recovery 3, restore 2 and 2, 1 incident
    assert web_week[2:12] == ["3", "0.43", "12.00", "21.60", "0.33", "3.00", "2.00", "2.00", "1", "0.00"]
    assert web_week[12:16] == ["1.00", "2.00", "3.00", "6.00"]
    assert web_week[16:] == ["medium", "elite", "low", "high"]


def test_as_of_with_an_offset_ignores_the_later_incident_and_keeps_the_deployment_at_the_instant(
    world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 "facts after it are ignored" × §6 "(as_of − N days, as_of]" × an offset: 02:00+02:00 on
    06-26 is W3's own instant (in) and an hour before PW-1 (out). Team web, 7d = (06-19, 06-26]: W2,
    W3 → 2, lead 12 and 4 → p50 8, p90 4 + 0.9 × 8 = 11.2; nothing failed yet → CFR 0; no incident.
    Bands from 30d = (05-27, 06-26]: W1-W3 → 3/30 medium, lead p50 8 elite, 0 % elite, recovery null."""
    status, out, err = run(
        capsys,
        "metrics",
        "--config",
        str(world),
        "--format",
        "json",
        "--team",
        "web",
        "--window",
        "7d",
        "--as-of",
        "2026-06-26T02:00:00+02:00",
    )
    assert status == 0, err
    (row,) = json.loads(out)
    assert row["as_of"] == "2026-06-26T00:00:00Z"
    assert (row["deployments"], row["deployment_frequency_per_day"]) == (2, approx(2 / 7))
    assert (row["lead_time_hours_p50"], row["lead_time_hours_p90"]) == (approx(8.0), approx(11.2))
    assert (row["change_failure_rate"], row["failed_deployment_recovery_hours_p50"]) == (0.0, None)
    assert (row["time_to_restore_hours_p50"], row["incidents"]) == (None, 0)
    assert row["bands"] == bands("medium", "elite", "elite", None)


def test_a_window_asked_for_keeps_the_configured_bands(
    world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 "for every configured window unless --window names one" × §6.3 "Bands always come from the
    90-day window (or the longest configured)": 90d is not configured here, so asking for it gives its
    own numbers but the 30d bands. Web 90d = (04-01, 06-30]: 4 deployments, 4/90 per day.
    ``--window 2w`` and ``--window 14d`` name the same 14 days: web W2-W4, 3/14."""
    base = ["metrics", "--config", str(world), "--format", "json", "--as-of", AS_OF_TEXT, "--team", "web"]
    status, out, err = run(capsys, *base, "--window", "90d")
    assert status == 0, err
    (row,) = json.loads(out)
    assert (row["window"], row["deployments"]) == ("90d", 4)
    assert row["deployment_frequency_per_day"] == approx(4 / 90)
    assert row["bands"] == bands("medium", "elite", "low", "high")
    fortnights = []
    for label in ("2w", "14d"):
        status, out, err = run(capsys, *base, "--window", label)
        assert status == 0, err
        (row,) = json.loads(out)
        assert (row["window"], row["deployments"]) == (label, 3)
        fortnights.append({key: value for key, value in row.items() if key != "window"})
    assert fortnights[0] == fortnights[1]
    assert fortnights[0]["deployment_frequency_per_day"] == approx(3 / 14)


def test_an_empty_as_of_is_a_usage_error(world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """§2: ``--as-of`` takes an ISO 8601 instant ("default now" is for leaving the option out). An
    empty value names no instant: exit 2 naming the option, not the metrics of the wall clock."""
    status, out, err = run(capsys, "metrics", "--config", str(world), "--format", "json", "--as-of", "")
    assert (status, out) == (2, "")
    assert "--as-of" in err and one_line(err)


# ------------------------------------------------------------- §2: --config, $DORASPACE_CONFIG, default


@pytest.fixture
def three_configs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """One store; three configs told apart by their one window: the --config file (1w), the
    $DORASPACE_CONFIG file (2w) and ./doraspace.yaml in the working directory (3w)."""
    store = tmp_path / "store.duckdb"
    write_world(store)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("DORASPACE_CONFIG", raising=False)
    return {
        "option": write_config(tmp_path / "option.yaml", store, windows="[1w]"),
        "environment": write_config(tmp_path / "environment.yaml", store, windows="[2w]"),
        "default": write_config(work / "doraspace.yaml", store, windows="[3w]"),
    }


def windows_shown(capsys: pytest.CaptureFixture[str], *extra: str) -> set[str]:
    status, out, err = run(capsys, "metrics", "--format", "json", "--as-of", AS_OF_TEXT, *extra)
    assert status == 0, err
    return {row["window"] for row in json.loads(out)}


def test_config_option_then_environment_then_working_directory(
    three_configs: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2: "--config PATH after its name. Without it, the DORASPACE_CONFIG environment variable, else
    ./doraspace.yaml"."""
    assert windows_shown(capsys) == {"3w"}
    monkeypatch.setenv("DORASPACE_CONFIG", str(three_configs["environment"]))
    assert windows_shown(capsys) == {"2w"}
    assert windows_shown(capsys, "--config", str(three_configs["option"])) == {"1w"}


def test_a_missing_config_file_is_named_wherever_it_came_from(
    three_configs: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2/§3: the error names the file that was looked for: the $DORASPACE_CONFIG one when set (not
    ./doraspace.yaml, which exists here), else ./doraspace.yaml."""
    missing = three_configs["option"].parent / "gone.yaml"
    monkeypatch.setenv("DORASPACE_CONFIG", str(missing))
    status, out, err = run(capsys, "check-config")
    assert (status, out) == (2, "") and str(missing) in err and one_line(err)
    monkeypatch.delenv("DORASPACE_CONFIG")
    three_configs["default"].unlink()
    status, out, err = run(capsys, "metrics")
    assert (status, out) == (2, "") and "doraspace.yaml" in err and one_line(err)


def test_a_relative_duckdb_path_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """§3: "A relative path in a duckdb:///relative/path URL is relative to the working directory" —
    not to the config file's folder. The world is in work/data/store.duckdb; the config is elsewhere."""
    work, elsewhere = tmp_path / "work", tmp_path / "conf"
    (work / "data").mkdir(parents=True)
    elsewhere.mkdir()
    write_world(work / "data" / "store.duckdb")
    config = write_config(elsewhere / "c.yaml", Path("data/store.duckdb"))
    assert "url: duckdb:///data/store.duckdb" in config.read_text()
    monkeypatch.chdir(work)
    status, out, err = run(
        capsys, "metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF_TEXT
    )
    assert status == 0, err
    assert_rows(json.loads(out), expected_rows())
    assert not (elsewhere / "data").exists()


@pytest.mark.parametrize(
    ("name", "rest"),
    [
        (["metrics"], ["--format", "json"]),
        (["check-config"], []),
        (["survey", "scores"], ["--format", "json"]),
        (["survey", "import"], ["answers.csv", "--definition", "def.yaml", "--quarter", "2026-Q3"]),
        (["dashboards"], ["--out", "dash"]),
        (["report"], ["--out", "reports"]),
        (["collect"], ["--source", "github"]),
        (["serve"], []),
    ],
    ids=lambda words: "-".join(words) or "none",
)
def test_every_command_takes_config_after_its_name(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: list[str],
    rest: list[str],
) -> None:
    """§2: "Every command and subcommand takes --config PATH after its name". The config given here is
    broken on purpose (a 36h window, line 4): a command that read it exits 2 naming that file and line,
    before doing anything else — serve included."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DORASPACE_CONFIG", raising=False)
    config = tmp_path / "given.yaml"
    config.write_text(
        f"database:\n  url: duckdb:///{tmp_path}/store.duckdb\nmetrics:\n  windows: [7d, 36h]\n"
    )
    status, out, err = run(capsys, *name, "--config", str(config), *rest)
    assert (status, out) == (2, ""), err
    assert f"{config}:4: metrics.windows[1]" in err and one_line(err)
    assert not (tmp_path / "store.duckdb").exists()


def test_the_survey_command_takes_config_after_its_name(
    three_configs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """§2: "Every command and subcommand takes --config PATH after its name". ``survey`` is a command of
    the table (its subcommands are ``import`` and ``scores``), so ``doraspace survey --config C scores``
    reads C, as ``doraspace survey scores --config C`` does."""
    status, out, err = run(
        capsys, "survey", "--config", str(three_configs["option"]), "scores", "--format", "json"
    )
    assert (status, err) == (0, "")
    assert json.loads(out) == []


# --------------------------------------------------------------- §2: exit status and the one line


@pytest.mark.parametrize(
    "args",
    [
        ["metrics", "--format", "xml"],
        ["survey"],
        ["report"],
    ],
    ids=["bad-choice", "missing-subcommand", "missing-required-option"],
)
def test_usage_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    """§2: "Exit status … 2 on a usage or configuration error. Errors are one clear line on stderr
    naming what is wrong". A wrong option is a usage error like any other: one line, not argparse's
    usage block followed by the error."""
    status, out, err = run(capsys, *args)
    assert (status, out) == (2, "")
    assert one_line(err), err


def test_a_configuration_error_still_exits_2_with_debug(world: Path) -> None:
    """§2: exit 2 on a usage or configuration error; "no Python traceback unless --debug". --debug adds
    the traceback; it does not turn a configuration error into a runtime failure (exit 1)."""
    result = run_script("metrics", "--config", str(world), "--team", "nobody", "--debug")
    assert result.returncode == 2, result.stderr
    assert "unknown team 'nobody'" in result.stderr


@pytest.mark.parametrize("command", ["report", "dashboards"])
def test_an_output_folder_that_cannot_be_written_is_one_line_and_exit_1(
    world: Path, tmp_path: Path, command: str
) -> None:
    """§2: a runtime failure exits 1 with one line naming what and where, no traceback: ``--out`` names
    an existing regular file, so no folder can be made there."""
    target = tmp_path / "taken"
    target.write_text("not a folder\n")
    result = run_script(command, "--config", str(world), "--out", str(target))
    assert result.returncode == 1, result.stderr
    assert one_line(result.stderr), result.stderr
    assert str(target) in result.stderr
    assert target.read_text() == "not a folder\n"


def test_a_store_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    """§2 one line, no traceback: the DuckDB file's folder would be inside a regular file. Exit 1 (the
    file system refused) or 2 (database.url names an impossible place): either reading, never a
    traceback."""
    (tmp_path / "plain").write_text("")
    config = tmp_path / "doraspace.yaml"
    config.write_text(f"database:\n  url: duckdb:///{tmp_path}/plain/sub/store.duckdb\n")
    result = run_script("metrics", "--config", str(config), "--as-of", AS_OF_TEXT)
    assert result.returncode in (1, 2), result.stderr
    assert one_line(result.stderr), result.stderr
    assert f"{tmp_path}/plain" in result.stderr


def test_an_unreachable_postgresql_store_is_one_line_without_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2: a runtime failure (nothing listens on port 1) exits 1 with one line; §3: secrets are never
    shown. psycopg's message is two lines ("… Connection refused" and "\\tIs the server running …")."""
    config = tmp_path / "doraspace.yaml"
    config.write_text("database:\n  url: postgresql+psycopg://audit:s3cretPassw0rd@127.0.0.1:1/doraspace\n")
    status, out, err = run(capsys, "metrics", "--config", str(config), "--as-of", AS_OF_TEXT)
    assert (status, out) == (1, "")
    assert "s3cretPassw0rd" not in err
    assert "database.url" in err and one_line(err), err


def test_unknown_team_exits_2_and_changes_nothing(world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """§2 exit 2 on a usage error; §9 bad input changes nothing: the store is as it was, for metrics
    and for report (whose --out folder is not made). (A first `metrics` fills the store's derived
    caches, tables the analytics keep beside the raw facts; it runs first, as it would have for a user.)"""
    store = world.parent / "store.duckdb"
    assert run(capsys, "metrics", "--config", str(world), "--as-of", AS_OF_TEXT)[0] == 0
    before = dump(store)
    status, out, err = run(
        capsys, "metrics", "--config", str(world), "--team", "nobody", "--as-of", AS_OF_TEXT
    )
    assert (status, out) == (2, "") and "nobody" in err and one_line(err)
    status, out, err = run(
        capsys, "report", "--config", str(world), "--out", str(world.parent / "r"), "--team", "x"
    )
    assert (status, out) == (2, "") and one_line(err)
    assert not (world.parent / "r").exists()
    assert dump(store) == before


@pytest.mark.parametrize(
    ("args", "deployments"),
    [
        (["--as-of", "0001-01-01"], {"*": 0, "unowned": 0, "web": 0}),
        (["--as-of", AS_OF_TEXT, "--window", "3000000d"], {"*": 6, "unowned": 2, "web": 4}),
    ],
    ids=["as-of-year-1", "window-of-8000-years"],
)
def test_windows_reaching_before_year_one_are_no_traceback(
    world: Path, args: list[str], deployments: dict[str, int]
) -> None:
    """§2: "--as-of … ISO 8601" — 0001-01-01 is one; a window is "a whole number of days" — 3,000,000
    is one (metrics.windows accepts the same words). Either the metrics (nothing before year 1; every
    deployment in 8,000 years) or one line naming the option with exit 2, never a traceback."""
    result = run_script("metrics", "--config", str(world), "--format", "json", *args)
    assert "Traceback" not in result.stderr, result.stderr
    if result.returncode == 2:
        assert args[-2] in result.stderr and one_line(result.stderr)
    else:
        assert result.returncode == 0, result.stderr
        rows = json.loads(result.stdout)
        assert {row["team"]: row["deployments"] for row in rows} == deployments


# ------------------------------------------------------------------------ §9: changes nothing


@pytest.fixture
def emulated(tmp_path: Path) -> Iterator[tuple[Path, GitHubEmulator]]:
    """tests/test_incidents_end_to_end.py's organisation behind both emulators; a config reading the
    tokens from $AUDIT_GH and $AUDIT_PD, and a store (migrated, empty) beside it."""
    github, pagerduty = GitHubDataset(), PagerDutyDataset()
    build_github(github)
    build_pagerduty(pagerduty)
    with (
        GitHubEmulator(github, token=GH_TOKEN) as gh,
        PagerDutyEmulator(pagerduty, token=PD_TOKEN) as pd,
    ):
        path = tmp_path / "doraspace.yaml"
        store = f"duckdb:///{tmp_path}/store.duckdb"
        path.write_text(
            config_text(store, gh.base_url, pd.base_url, str(pd.ca_file), tokens=("AUDIT_GH", "AUDIT_PD"))
        )
        yield path, gh


def test_collect_with_the_pagerduty_token_unset_stores_nothing(
    emulated: tuple[Path, GitHubEmulator], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """§3: "an unset variable is a configuration error when the command uses its key"; `collect`
    (every source) uses pagerduty.token. §9: "A bad config … is reported with its location and changes
    nothing". So: exit 2 naming the key and variable, and the store as it was — no GitHub sync first."""
    config, github = emulated
    monkeypatch.setenv("AUDIT_GH", GH_TOKEN)
    monkeypatch.delenv("AUDIT_PD", raising=False)
    engine = open_store(f"duckdb:///{config.parent}/store.duckdb")
    engine.dispose()
    before = dump(config.parent / "store.duckdb")
    status, _, err = run(capsys, "collect", "--config", str(config))
    assert status == 2, err
    assert "pagerduty.token" in err and "AUDIT_PD" in err
    assert err.splitlines()[-1].startswith("doraspace: error:")
    assert dump(config.parent / "store.duckdb") == before
    assert github.requests == []


def test_collect_with_the_github_token_unset_creates_no_store(
    emulated: tuple[Path, GitHubEmulator], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """§3/§9 as above, on a first run: the configuration error leaves no database behind."""
    config, _ = emulated
    monkeypatch.delenv("AUDIT_GH", raising=False)
    monkeypatch.setenv("AUDIT_PD", PD_TOKEN)
    status, _, err = run(capsys, "collect", "--config", str(config), "--source", "github")
    assert status == 2 and "AUDIT_GH" in err and one_line(err)
    assert not (config.parent / "store.duckdb").exists()


@pytest.mark.long
def test_tokens_appear_in_no_output_log_or_table(
    emulated: tuple[Path, GitHubEmulator], tmp_path: Path
) -> None:
    """§3: tokens "are never logged, never stored, never exported": a collect with --debug (every log
    line, text and JSON), check-config, metrics, the reports and the store hold neither token."""
    config, _ = emulated
    env = {**os.environ, "AUDIT_GH": GH_TOKEN, "AUDIT_PD": PD_TOKEN}
    outputs = []
    for args in (
        ["collect", "--config", str(config), "--debug"],
        ["collect", "--config", str(config), "--debug", "--log-format", "json"],
        ["check-config", "--config", str(config), "--debug"],
        ["metrics", "--config", str(config), "--format", "csv", "--as-of", "2026-03-10"],
        ["report", "--config", str(config), "--out", str(tmp_path / "reports")],
    ):
        result = run_script(*args, env=env)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout + result.stderr)
    everything = "\n".join(outputs) + "".join(
        page.read_text() for page in (tmp_path / "reports").glob("*.html")
    )
    assert "github [1/4] acme/alpha" in everything  # the debug log was there to be read
    stored = repr(dump(config.parent / "store.duckdb"))
    assert "acme/alpha" in stored
    for token in (GH_TOKEN, PD_TOKEN, GH_TOKEN[4:20], PD_TOKEN[2:18]):
        assert token not in everything
        assert token not in stored


SURVEY_DEFINITION = """\
survey: mini
scales:
  agree5:
    points: 5
    labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree]
    favourable: [4, 5]
missing: ["N/A", ""]
team_question: "Which team are you on?"
items:
  - id: s1
    text: "I am satisfied with my tools"
    dimension: satisfaction
    scale: agree5
  - id: s2
    text: "I feel burned out"
    dimension: satisfaction
    scale: agree5
    reverse: true
  - id: e1
    text: "I can focus on my work"
    dimension: efficiency
    scale: agree5
"""
# respondent: (s1, s2 as answered, e1), per quarter
Q2_ANSWERS = {"r1": (2, 4, 4), "r2": (2, 4, 4), "r3": (1, 5, 2), "r4": (2, 4, 5), "r5": (2, 4, 3)}
Q3_ANSWERS = {"r1": (5, 1, 4), "r2": (4, 2, 4), "r3": (3, 3, 2), "r4": (4, "N/A", 5), "r5": (2, 4, 3)}


def long_export(
    path: Path, answers: dict[str, tuple[Any, ...]], team: str = "Alpha", day: str = "07-01"
) -> Path:
    lines = ["respondent_id,team,submitted_at,item_id,answer"]
    for respondent, values in answers.items():
        for item, value in zip(("s1", "s2", "e1"), values, strict=True):
            lines.append(f"{respondent},{team},2026-{day} 10:00:00,{item},{value}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def survey_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AUDIT_SURVEY_SECRET", "pepper")
    (tmp_path / "mini.yaml").write_text(SURVEY_DEFINITION)
    config = tmp_path / "doraspace.yaml"
    config.write_text(
        f"database:\n  url: duckdb:///{tmp_path}/store.duckdb\n"
        "teams:\n  - name: alpha\n    headcount: 8\n    survey_names: [Alpha]\n"
        "surveys:\n  min_group_size: 5\n  respondent_secret: ${AUDIT_SURVEY_SECRET}\n"
    )
    return config


def survey_import(
    capsys: pytest.CaptureFixture[str], config: Path, export: Path, quarter: str
) -> tuple[int, str, str]:
    definition = config.parent / "mini.yaml"
    return run(capsys, "survey", "import", str(export), "--config", str(config), "--definition",
               str(definition), "--quarter", quarter, "--format", "long")  # fmt: skip


def test_a_bad_survey_file_leaves_the_store_as_it_was(
    survey_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§9 on a store holding a quarter: a later file whose row 20 names an unknown team, and the same
    quarter re-imported under a reworded item, both exit 2 naming the place, and the store is unchanged."""
    folder = survey_config.parent
    assert survey_import(capsys, survey_config, long_export(folder / "q3.csv", Q3_ANSWERS), "2026-Q3")[0] == 0
    before = dump(folder / "store.duckdb")
    extra = long_export(folder / "more.csv", {**Q3_ANSWERS, "r6": (4, 2, 4)})
    extra.write_text(extra.read_text() + "r7,Nobody,2026-07-02 10:00:00,s1,4\n")
    status, _, err = survey_import(capsys, survey_config, extra, "2026-Q3")
    assert status == 2 and "row 20" in err and one_line(err)
    (folder / "mini.yaml").write_text(SURVEY_DEFINITION.replace("I feel burned out", "I feel burnt out"))
    status, _, err = survey_import(
        capsys, survey_config, long_export(folder / "r.csv", Q3_ANSWERS), "2026-Q3"
    )
    assert status == 2 and "s2" in err and one_line(err)
    assert dump(folder / "store.duckdb") == before


# ------------------------------------------------------------------------------ §7.5 survey scores


def survey_rows() -> list[dict[str, Any]]:
    """Team alpha (headcount 8, 5 respondents each quarter → rate 5/8); the organisation equals it.

    2026-Q2: satisfaction s1 2,2,1,2,2 (mean 1.8 → 20); s2 answered 4,4,5,4,4, reversed 2,2,1,2,2
    (→ 20): score 20, favourable 0/10; efficiency e1 4,4,2,5,3 (mean 3.6 → 65), favourable 3/5.
    No 2026-Q1: change null.
    2026-Q3: satisfaction s1 5,4,3,4,2 (3.6 → 65); s2 1,2,3,N/A,4 reversed 5,4,3,2 (3.5 → 62.5):
    score 63.75, favourable (3 + 2)/9; efficiency as in Q2: 65, 3/5.
    Change of satisfaction: respondents' own scores Q3 100, 75, 50, 75, 25 (s² = 3250/4 = 812.5, SE² =
    162.5), Q2 25, 25, 0, 25, 25 (s² = 500/4 = 125, SE² = 25): moved 43.75 ≥ 5 and > 1.96 × √187.5 =
    26.8 → rising. Efficiency: the same answers → moved 0 → stable.
    """
    cells = [
        ("2026-Q2", "efficiency", 65.0, 0.6, None),
        ("2026-Q2", "satisfaction", 20.0, 0.0, None),
        ("2026-Q3", "efficiency", 65.0, 0.6, "stable"),
        ("2026-Q3", "satisfaction", 63.75, 5 / 9, "rising"),
    ]
    return [
        {
            "team": team,
            "quarter": quarter,
            "dimension": dimension,
            "score": score,
            "favourable": favourable,
            "respondents": 5,
            "response_rate": 5 / 8,
            "change": change,
        }
        for team in ("*", "alpha")
        for quarter, dimension, score, favourable, change in cells
    ]


@pytest.fixture
def two_quarters(survey_config: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = survey_config.parent
    for quarter, answers, day in (("2026-Q2", Q2_ANSWERS, "04-01"), ("2026-Q3", Q3_ANSWERS, "07-01")):
        export = long_export(folder / f"{quarter}.csv", answers, day=day)
        status, _, err = survey_import(capsys, survey_config, export, quarter)
        assert status == 0, err
    return survey_config


def scores(capsys: pytest.CaptureFixture[str], config: Path, *extra: str) -> str:
    status, out, err = run(capsys, "survey", "scores", "--config", str(config), *extra)
    assert status == 0, err
    return out


def test_survey_scores_json_is_the_hand_worked_rows(
    two_quarters: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = json.loads(scores(capsys, two_quarters, "--format", "json"))
    want = survey_rows()
    assert [list(row) for row in rows] == [list(row) for row in want]
    assert rows == [{key: approx(v) if isinstance(v, float) else v for key, v in row.items()} for row in want]


def test_survey_filters_keep_the_change_and_every_format_agrees(
    two_quarters: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 ``--team``/``--quarter`` select rows of the full result: asking for 2026-Q3 alone still
    compares it with 2026-Q2 (§7.4), and JSON, CSV and table show the same rows."""
    want = [row for row in survey_rows() if row["team"] == "alpha" and row["quarter"] == "2026-Q3"]
    args = ["--team", "alpha", "--quarter", "2026-Q3"]
    rows = json.loads(scores(capsys, two_quarters, *args, "--format", "json"))
    assert [(row["dimension"], row["change"]) for row in rows] == [
        ("efficiency", "stable"),
        ("satisfaction", "rising"),
    ]
    assert rows == [{key: approx(v) if isinstance(v, float) else v for key, v in row.items()} for row in want]
    records = list(csv.DictReader(io.StringIO(scores(capsys, two_quarters, *args, "--format", "csv"))))
    assert [list(record) for record in records] == [list(row) for row in rows]
    for row, record in zip(rows, records, strict=True):
        for key, value in row.items():
            shown = record[key]
            assert (float(shown) == value) if isinstance(value, float) else shown == str(value), key
    table = scores(capsys, two_quarters, *args).splitlines()
    body = [line.split() for line in table[2:]]
    assert body == [
        ["alpha", "2026-Q3", "efficiency", "65.00", "0.60", "5", f"{5 / 8:.2f}", "stable"],
        ["alpha", "2026-Q3", "satisfaction", "63.75", f"{5 / 9:.2f}", "5", f"{5 / 8:.2f}", "rising"],
    ]


# ---------------------------------------------------------------------------------- check-config


@pytest.fixture
def checked(world: Path) -> Path:
    """The metrics world with GitHub (token from $AUDIT_CHECK_GH) and PagerDuty (token from
    $AUDIT_CHECK_PD) sections; acme/misc is listed, acme/web and acme/misc are in the store."""
    config = world.parent / "check.yaml"
    write_config(
        config,
        world.parent / "store.duckdb",
        "github:\n  base_url: http://127.0.0.1:9\n  token: ${AUDIT_CHECK_GH}\n  repositories: [acme/misc]\n"
        "pagerduty:\n  token: ${AUDIT_CHECK_PD}\n  service_ids: [PLOOSE]\n",
    )
    return config


def test_check_config_prints_the_map_and_names_an_unset_secret_without_any_value(
    checked: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2: check-config "validates the config and prints the resolved ownership map (repo/service →
    team)"; §3: tokens are never shown. acme/web and PW are web's (teams:), acme/misc nobody's
    (unowned), PLOOSE (service_ids only) unowned."""
    monkeypatch.setenv("AUDIT_CHECK_GH", GH_TOKEN)
    monkeypatch.delenv("AUDIT_CHECK_PD", raising=False)
    store = checked.parent / "store.duckdb"
    before = dump(store)
    _, out, err = run(capsys, "check-config", "--config", str(checked))
    lines = (out + err).splitlines()

    def line_with(*words: str) -> str:
        found = [line for line in lines if all(word in line for word in words)]
        assert found, (words, out, err)
        return found[0]

    assert "web" in line_with("acme/web").replace("acme/web", "")
    assert "unowned" in line_with("acme/misc")
    assert "web" in line_with(" PW")
    assert "unowned" in line_with("PLOOSE")
    line_with("pagerduty.token", "AUDIT_CHECK_PD")
    assert GH_TOKEN not in out + err and GH_TOKEN[4:20] not in out + err
    assert dump(store) == before


def test_collect_needs_its_section_and_a_good_since(world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """§3: a command that needs a missing section says so (exit 2); §2 ``--since`` takes a date."""
    store = world.parent / "store.duckdb"
    before = dump(store)
    for args, words in (
        (["--source", "github"], "github"),
        (["--source", "pagerduty"], "pagerduty"),
        ([], "github"),
    ):
        status, out, err = run(capsys, "collect", "--config", str(world), *args)
        assert (status, out) == (2, "") and words in err and one_line(err), (args, err)
    status, out, err = run(capsys, "collect", "--config", str(world), "--since", "2026-02-30")
    assert (status, out) == (2, "") and "--since" in err and one_line(err)
    assert dump(store) == before
