"""Audit round 5: the one-shot commands against the store of a running `doraspace serve` (SPEC §2, §8, §9).

§2: "While `serve` runs, the other commands still work against the same store: they either ask the
running daemon or wait their turn for the DuckDB file. A user never sees a raw DuckDB lock error."
docs/operations.md ("One DuckDB writer per file"): `metrics`, `collect`, `check-config` and the others
open the store with a retry of up to 30 s.

The daemon runs as a child process on loopback against the GitHub emulator (tests/github_org.py's
organisation) and the PagerDuty emulator (one incident of team orders), with its analytics job every
second (schedule.analytics 1s), so that the one-shot commands meet the file while a snapshot is being
built. Each test checks what the commands print (exit status, one-line errors, no DuckDB lock message,
no traceback) against what the daemon serves after its next analytics run, that /healthz stays 200,
and that SIGTERM ends the daemon with 0. Every wait polls with a deadline.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from store.engine import open_store
from tests.collector.test_github_sync import dump
from tests.dashboards.test_audit_outputs import assert_json_equals_metrics
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator
from tests.github_org import at, build_org

DORASPACE = Path(sys.executable).with_name("doraspace")
GH_TOKEN = "round5-serve-gh-token"
PD_TOKEN = "round5-serve-pd-token"
SECRET = "round5-serve-pepper"
ENV = {
    **os.environ,
    "R5_GH_TOKEN": GH_TOKEN,
    "R5_PD_TOKEN": PD_TOKEN,
    "R5_SURVEY_SECRET": SECRET,
}
SNAPSHOT_LINE = re.compile(r"analytics: snapshot of \d+ teams as of (\S+)")
LOCK_WORDS = ("could not set lock", "conflicting lock", "io error", "duckdb.", "_duckdb")

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
# respondent: (s1, s2 as answered, e1); team orders, 5 respondents (= the default min_group_size 5)
ANSWERS = {"r1": (5, 1, 4), "r2": (4, 2, 4), "r3": (3, 3, 2), "r4": (4, "N/A", 5), "r5": (2, 4, 3)}


def long_export(path: Path, answers: dict[str, tuple[Any, ...]], team: str = "orders") -> Path:
    lines = ["respondent_id,team,submitted_at,item_id,answer"]
    for respondent, values in answers.items():
        for item, value in zip(("s1", "s2", "e1"), values, strict=True):
            lines.append(f"{respondent},{team},2026-07-01 10:00:00,{item},{value}")
    path.write_text("\n".join(lines) + "\n")
    return path


# ------------------------------------------------------------------------------------------ the world


@dataclass
class World:
    folder: Path
    config: Path
    github: GitHubEmulator
    pagerduty: PagerDutyEmulator

    @property
    def store(self) -> Path:
        return self.folder / "store.duckdb"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    dataset = GitHubDataset()
    build_org(dataset)
    incidents = PagerDutyDataset(now=at(7))
    incidents.add_service("PORD", "Orders")
    incidents.add_incident("Q1", "PORD", "checkout down", at(5, 17), resolved_at=at(5, 19))
    with (
        GitHubEmulator(dataset, token=GH_TOKEN) as github,
        PagerDutyEmulator(incidents, token=PD_TOKEN) as pagerduty,
    ):
        (tmp_path / "mini.yaml").write_text(SURVEY_DEFINITION)
        config = tmp_path / "doraspace.yaml"
        config.write_text(
            f"""
database:
  url: duckdb:///{tmp_path}/store.duckdb
github:
  base_url: {github.base_url}
  token: ${{R5_GH_TOKEN}}
  since: 2026-03-01
  organizations: [acme]
pagerduty:
  base_url: {pagerduty.base_url}
  token: ${{R5_PD_TOKEN}}
  ca_bundle: {pagerduty.ca_file}
teams:
  - name: orders
    repositories: [acme/orders]
    pagerduty_services: [PORD]
    headcount: 8
  - name: payments
    repositories: [acme/payments]
    headcount: 10
metrics:
  windows: [7d, 365d]
surveys:
  respondent_secret: ${{R5_SURVEY_SECRET}}
schedule: {{github: 1h, pagerduty: 1h, analytics: 1s}}
http:
  listen: 127.0.0.1:0
"""
        )
        yield World(tmp_path, config, github, pagerduty)


class Daemon:
    """``doraspace serve`` as a child process, its log in a file (no pipe to fill)."""

    def __init__(self, config: Path) -> None:
        self.log_path = config.with_suffix(f".{time.monotonic_ns()}.log")
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [DORASPACE, "serve", "--config", config], env=ENV, stderr=log, stdin=subprocess.DEVNULL
            )
        self.url = ""
        deadline = time.monotonic() + 30
        while not self.url:
            match = re.search(r"serving (\S+)/metrics", self.log())
            if match:
                self.url = match.group(1)
            elif self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"serve did not start ({self.process.returncode}):\n{self.log()}")
            else:
                time.sleep(0.05)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def snapshots(self) -> list[datetime]:
        """The as_of of every snapshot the daemon logged, in order."""
        return [datetime.fromisoformat(found) for found in SNAPSHOT_LINE.findall(self.log())]

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def healthy(self) -> None:
        assert self.process.poll() is None, self.log()
        assert self.get("/healthz")[0] == 200, self.log()

    def scrape_after(
        self, instant: datetime, timeout: float = 30.0
    ) -> dict[tuple[str, frozenset[Any]], float]:
        """/metrics once the daemon logged a snapshot as of ``instant`` or later (its next analytics run)."""
        deadline = time.monotonic() + timeout
        while not any(as_of >= instant for as_of in self.snapshots()):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no snapshot as of {instant} or later in {timeout} s:\n{self.log()[-3000:]}"
                )
            time.sleep(0.05)
        status, body = self.get("/metrics")
        assert status == 200, body
        return samples(body)

    def stop(self) -> None:
        """SIGTERM: exit 0 within 10 s, no traceback in the log."""
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"serve still running 10 s after SIGTERM:\n{self.log()}") from None
        assert code == 0, self.log()
        assert "Traceback" not in self.log()


@pytest.fixture
def serve() -> Iterator[Callable[[Path], Daemon]]:
    started: list[Daemon] = []

    def start(config: Path) -> Daemon:
        started.append(Daemon(config))
        return started[-1]

    yield start
    for daemon in started:
        if daemon.process.poll() is None:
            daemon.process.kill()
            daemon.process.wait()


def samples(body: str) -> dict[tuple[str, frozenset[Any]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def series(
    found: dict[tuple[str, frozenset[Any]], float], prefix: str
) -> dict[tuple[str, frozenset[Any]], float]:
    return {key: value for key, value in found.items() if key[0].startswith(prefix)}


def ready(daemon: Daemon) -> dict[tuple[str, frozenset[Any]], float]:
    """Wait for the snapshot built after the first GitHub and PagerDuty syncs; return its /metrics."""
    deadline = time.monotonic() + 40
    orders = frozenset({("team", "orders"), ("window", "365d")})
    while True:
        status, body = daemon.get("/metrics")
        found = samples(body) if status == 200 else {}
        synced = {labels for (name, labels) in found if name == "doraspace_last_sync_timestamp_seconds"}
        if found.get(("dora_incidents", orders)) == 1 and len(synced) == 2:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"the synced snapshot never came:\n{body[-2000:]}\n{daemon.log()[-3000:]}")
        time.sleep(0.1)
    status, body = daemon.get("/readyz")
    assert (status, body.strip()) == (200, "ok")
    # The snapshot served may predate the last sync's data: wait for one built after both syncs.
    return daemon.scrape_after(datetime.now(UTC))


# ------------------------------------------------------------------------------------------ commands


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(DORASPACE), *args],
        env=ENV,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"{process.args!r} still running after 60 s:\n{err}") from None
    return process.returncode, out, err


def run_all(commands: dict[str, list[str]]) -> dict[str, tuple[int, str, str]]:
    """Start every command at once, then wait for each."""
    running = {name: start(*args) for name, args in commands.items()}
    return {name: finish(process) for name, process in running.items()}


def clean(name: str, result: tuple[int, str, str]) -> None:
    """No DuckDB lock message, no traceback, no secret, in anything a command printed."""
    _, out, err = result
    text = (out + err).lower()
    assert not any(word in text for word in LOCK_WORDS), (name, out[-2000:], err)
    assert "in use by another doraspace process" not in text, (name, err)
    assert "traceback" not in text, (name, err)
    assert GH_TOKEN not in out + err and PD_TOKEN not in out + err and SECRET not in out + err, name


def one_line_error(name: str, result: tuple[int, str, str], *fragments: str) -> None:
    status, out, err = result
    assert status == 2, (name, status, out, err)
    assert out == "", (name, out)
    assert err.count("\n") == 1 and err.endswith("\n"), (name, err)
    for fragment in fragments:
        assert fragment in err, (name, fragment, err)
    clean(name, result)


def without_as_of(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "as_of"}


def stored_facts(world: World) -> dict[str, list[tuple[Any, ...]]]:
    """Every fact table of the store, read beside the daemon (open_store waits its turn)."""
    engine = open_store(f"duckdb:///{world.store}", migrate_schema=False)
    try:
        return dump(engine)
    finally:
        engine.dispose()


def cli(world: World, *args: str) -> list[str]:
    """The command line with --config after the (sub)command's name (SPEC §2)."""
    words = 2 if args[0] == "survey" else 1
    return [*args[:words], "--config", str(world.config), *args[words:]]


# ------------------------------------------------------------------------------------------ the tests


@pytest.mark.long
def test_metrics_beside_the_daemon_equals_its_next_snapshot_and_an_unknown_team_changes_nothing(
    world: World, serve: Callable[[Path], Daemon]
) -> None:
    """Five `metrics` runs start together while the analytics job runs every second: all teams,
    --team orders (json and csv), and --team nosuch (table and json). The JSON rows (every team, "*"
    and window) equal, field by field, what /metrics serves after the daemon's next analytics run;
    --team orders prints exactly the orders rows of the full output; the unknown team exits 2 with one
    line naming it, prints nothing on stdout, and no stored fact changes. /healthz stays 200;
    SIGTERM exits 0."""
    daemon = serve(world.config)
    ready(daemon)
    before = stored_facts(world)

    results = run_all(
        {
            "all": cli(world, "metrics", "--format", "json"),
            "orders": cli(world, "metrics", "--format", "json", "--team", "orders"),
            "orders-csv": cli(world, "metrics", "--format", "csv", "--team", "orders"),
            "unknown": cli(world, "metrics", "--team", "nosuch"),
            "unknown-json": cli(world, "metrics", "--team", "nosuch", "--format", "json"),
        }
    )
    printed = datetime.now(UTC)
    for name in ("all", "orders", "orders-csv"):
        assert results[name][0] == 0, (name, results[name][2])
        clean(name, results[name])
    for name in ("unknown", "unknown-json"):
        one_line_error(name, results[name], "--team", "nosuch")

    rows = json.loads(results["all"][1])
    assert {(row["team"], row["window"]) for row in rows} == {
        (team, window) for team in ("*", "orders", "payments") for window in ("7d", "365d")
    }
    orders = json.loads(results["orders"][1])
    assert [without_as_of(row) for row in orders] == [
        without_as_of(row) for row in rows if row["team"] == "orders"
    ]
    csv_lines = results["orders-csv"][1].strip().splitlines()
    assert len(csv_lines) == 3 and all(",orders," in f",{line}," for line in csv_lines[1:]), csv_lines

    found = daemon.scrape_after(printed)
    served = {dict(labels)["team"] for (name, labels) in found if name == "dora_deployments"}
    assert served == {"*", "orders", "payments"}
    assert_json_equals_metrics(rows, found)
    by_key = {(row["team"], row["window"]): row for row in rows}
    assert by_key[("orders", "365d")]["deployments"] == 4 and by_key[("orders", "365d")]["incidents"] == 1

    assert stored_facts(world) == before
    daemon.healthy()
    daemon.stop()


@pytest.mark.long
def test_survey_import_while_analytics_runs_every_second_then_served_and_scored_alike(
    world: World, serve: Callable[[Path], Daemon]
) -> None:
    """A bad survey file (row 17 names an unknown team) exits 2 with one line naming the row, beside the
    daemon, and the daemon's next snapshot still has no space_* series; the good file then imports
    (exit 0) while analytics runs every second, and the daemon's next snapshot serves space_score,
    space_favourable_ratio, space_respondents and space_response_rate equal to what `survey scores
    --format json` prints. A re-import of the same file adds nothing. `report --team orders` beside
    the daemon writes the orders page with its SPACE scores; `report --team nosuch` exits 2 in one line."""
    daemon = serve(world.config)
    ready(daemon)
    definition = str(world.folder / "mini.yaml")

    def survey_import(export: Path) -> list[str]:
        return cli(world, "survey", "import", str(export), "--definition", definition, "--quarter", "2026-Q3")

    bad = long_export(world.folder / "bad.csv", ANSWERS)  # rows 1 (header) to 16
    bad.write_text(bad.read_text() + "r6,Nobody,2026-07-01 10:00:00,s1,4\n")  # row 17
    results = run_all(
        {
            "bad": survey_import(bad),
            "scores": cli(world, "survey", "scores", "--format", "json"),
        }
    )
    after_bad = datetime.now(UTC)
    one_line_error("bad", results["bad"], "row 17", "Nobody")
    assert results["scores"][0] == 0 and json.loads(results["scores"][1]) == [], results["scores"]
    assert series(daemon.scrape_after(after_bad), "space_") == {}

    good = long_export(world.folder / "good.csv", ANSWERS)
    results = run_all(
        {
            "good": survey_import(good),
            "metrics": cli(world, "metrics", "--format", "json", "--team", "orders"),
        }
    )
    for name, result in results.items():
        assert result[0] == 0, (name, result[2])
        clean(name, result)
    scores_result = finish(start(*cli(world, "survey", "scores", "--format", "json")))
    assert scores_result[0] == 0, scores_result[2]
    clean("scores", scores_result)
    scores = json.loads(scores_result[1])
    found = daemon.scrape_after(datetime.now(UTC))

    assert {(row["team"], row["dimension"]) for row in scores} == {
        (team, dimension) for team in ("*", "orders") for dimension in ("efficiency", "satisfaction")
    }
    expected: dict[tuple[str, frozenset[Any]], float] = {}
    for row in scores:
        labels = {"team": row["team"], "quarter": row["quarter"]}
        dimension = frozenset({**labels, "dimension": row["dimension"]}.items())
        expected[("space_score", dimension)] = row["score"]
        expected[("space_favourable_ratio", dimension)] = row["favourable"]
        expected[("space_respondents", frozenset(labels.items()))] = row["respondents"]
        expected[("space_response_rate", frozenset(labels.items()))] = row["response_rate"]
    served = series(found, "space_")
    assert served.keys() == expected.keys(), sorted(served)
    for key, value in expected.items():
        assert served[key] == pytest.approx(value, rel=1e-9), key
    assert expected[("space_response_rate", frozenset({("team", "orders"), ("quarter", "2026-Q3")}))] == 5 / 8
    assert expected[("space_response_rate", frozenset({("team", "*"), ("quarter", "2026-Q3")}))] == 5 / 18

    again = finish(start(*survey_import(good)))
    assert again[0] == 0 and "(0 new)" in again[2], again
    reports = world.folder / "out"
    results = run_all(
        {
            "report": cli(world, "report", "--out", str(reports), "--team", "orders"),
            "unknown": cli(world, "report", "--out", str(world.folder / "never"), "--team", "nosuch"),
            "scores": cli(world, "survey", "scores", "--format", "json"),
        }
    )
    assert results["report"][0] == 0, results["report"][2]
    clean("report", results["report"])
    one_line_error("unknown", results["unknown"], "--team", "nosuch")
    assert not (world.folder / "never").exists() or not any((world.folder / "never").iterdir())
    assert json.loads(results["scores"][1]) == scores
    pages = {path.name for path in reports.rglob("*.html")}
    assert "index.html" in pages and any("orders" in page for page in pages), pages
    assert not any("payments" in page for page in pages), pages
    daemon.healthy()
    daemon.stop()


@pytest.mark.long
def test_collect_and_check_config_wait_their_turn_beside_the_daemon(
    world: World, serve: Callable[[Path], Daemon], monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/operations.md: "`doraspace metrics`, `collect`, `check-config` and the others open the store
    with a retry of up to 30 s"; SPEC §2: beside `serve` they "wait their turn for the DuckDB file".

    1. After the daemon's first syncs, `collect` (GitHub and PagerDuty), `check-config` and `metrics`
       start together while analytics runs every second: each exits 0 with no lock message, and
       check-config reads the store and prints the ownership map.
    2. A manual `collect --source github` (which keeps the store until it finishes) is held 8 s by a
       slow GitHub, well under 30 s. `check-config` and `metrics`, started while it holds the file,
       wait for it: both exit 0 and check-config reads the store (no "store: not read ... waited 5 s").
    Meanwhile /healthz stays 200; the incremental collects find nothing new, so the daemon's next
    snapshot serves the same dora_* numbers; the daemon's runs waited for the file and none failed
    (doraspace_sync_errors_total 0, doraspace_up 1); SIGTERM exits 0."""
    daemon = serve(world.config)
    first = series(ready(daemon), "dora_")

    quick = run_all(
        {
            "collect": cli(world, "collect"),
            "check": cli(world, "check-config"),
            "metrics": cli(world, "metrics", "--format", "json", "--window", "365d"),
        }
    )
    for name, result in quick.items():
        assert result[0] == 0, (name, result[2])
        clean(name, result)
    assert "store: not read" not in quick["check"][1], quick["check"][1]
    assert re.search(r"acme/orders\s.*orders", quick["check"][1]), quick["check"][1]
    assert {row["window"] for row in json.loads(quick["metrics"][1])} == {"365d"}

    release = threading.Event()
    held = threading.Event()
    answer = world.github.serve

    def slow(*args: Any) -> Any:
        held.set()
        release.wait(30)
        return answer(*args)

    monkeypatch.setattr(world.github, "serve", slow)
    collect = start(*cli(world, "collect", "--source", "github"))
    try:
        assert held.wait(30), "the collect never asked GitHub"
        timer = threading.Timer(8.0, release.set)  # the fault: GitHub answers the collect 8 s late
        timer.daemon = True
        timer.start()
        held_up = run_all(
            {
                "check": cli(world, "check-config"),
                "metrics": cli(world, "metrics", "--format", "json", "--team", "orders"),
            }
        )
        daemon.healthy()
    finally:
        release.set()
    held_up["collect"] = finish(collect)
    for name, result in held_up.items():
        assert result[0] == 0, (name, result[2])
    assert {row["team"] for row in json.loads(held_up["metrics"][1])} == {"orders"}

    found = daemon.scrape_after(datetime.now(UTC))
    assert series(found, "dora_") == first
    for source in ("github", "pagerduty", "analytics"):
        assert found.get(("doraspace_sync_errors_total", frozenset({("source", source)}))) == 0, source
    assert found[("doraspace_up", frozenset())] == 1
    daemon.healthy()
    daemon.stop()

    assert "store: not read" not in held_up["check"][1], held_up["check"][1]
    for name, result in held_up.items():
        clean(name, result)
