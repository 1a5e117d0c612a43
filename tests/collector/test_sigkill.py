"""`doraspace collect` killed with SIGKILL anywhere in a backfill loses nothing.

A real process collects from the emulator: the uninterrupted reference run is the console script;
the killed runs are children forked by ``collect_zygote`` (which has imported the console script's
``main``; an interpreter start costs three seconds here, and there are 20 and more runs). The
emulator kills a run right after deciding the answer to its N-th paid request of the run (a REST
request that was not a 304, or a GraphQL query) and before sending it. The next run resumes the
store and is killed in turn after its N-th paid request, and so on until a run completes; each run
starts where the last left off, so the kills fall at 20 and more different points of the backfill.
The final store is compared, table by table, with that of one uninterrupted run. Both modes.

The organisation: the hand-worked two repositories of ``tests/github_org.py`` and eight generated
ones with eight weeks of weekly deployments (``tests/github_scale.py``), with incident issues.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collector.github_sync import FLUSH_EVERY
from store import schema
from store.engine import open_store
from tests.collector.test_github_sync import dump
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.github_org import AS_OF, build_org, write_github_config
from tests.github_scale import INCIDENT_LABEL, build_scale_org

TOKEN = "kill-token"
SCRIPT = Path(sys.executable).with_name("doraspace")
MIN_KILLS = 20


@pytest.fixture(scope="module")
def emulator() -> Iterator[GitHubEmulator]:
    dataset = GitHubDataset()
    build_org(dataset)
    build_scale_org(dataset, repos=8, weeks=8, now=AS_OF, deploy_every=7, pulls_per_deploy=3)
    with GitHubEmulator(dataset, token=TOKEN, rate_limit=1_000_000, graphql_limit=1_000_000) as running:
        yield running
    assert running.errors == []


def write_config(directory: Path, emulator: GitHubEmulator, api: str) -> Path:
    github = (
        f"since: 2026-01-15\norganizations: [acme, scale]\nincident_labels: [{INCIDENT_LABEL}]\napi: {api}"
    )
    return write_github_config(
        directory, emulator.base_url, "KILL_GITHUB_TOKEN", github, "catalog: {discover: false}\n"
    )


class Zygote:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.collector.collect_zygote"],
            env={**os.environ, "KILL_GITHUB_TOKEN": TOKEN},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def start(self, argv: list[str]) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(argv) + "\n")
        self.process.stdin.flush()
        return int(json.loads(self.process.stdout.readline())["pid"])

    def wait(self) -> int:
        assert self.process.stdout is not None
        return int(json.loads(self.process.stdout.readline())["status"])

    def close(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    running = Zygote()
    yield running
    running.close()


def collect(
    emulator: GitHubEmulator, config: Path, zygote: Zygote | None = None, kill_after: int | None = None
) -> tuple[int, int]:
    """Run `doraspace collect` (the console script, or a child of the zygote); kill it at its
    ``kill_after``-th paid request. Returns (exit status, paid requests the run made)."""
    paid = 0
    pid: int | None = None

    def after_answer(status: int) -> None:
        nonlocal paid
        if status == 304:
            return
        paid += 1
        if kill_after is not None and paid == kill_after and pid is not None:
            os.kill(pid, signal.SIGKILL)

    argv = ["collect", "--source", "github", "--config", str(config)]
    emulator.after_answer = after_answer
    try:
        if zygote is None:
            env = {**os.environ, "KILL_GITHUB_TOKEN": TOKEN}
            done = subprocess.run([SCRIPT, *argv], env=env, capture_output=True, timeout=120)
            assert done.returncode == 0, done.stderr.decode()[-2000:]
            return 0, paid
        # The child cannot reach the emulator before its pid is known: it first opens the store.
        pid = zygote.start(argv)
        return zygote.wait(), paid
    finally:
        emulator.after_answer = None


def stored(config: Path) -> dict[str, list[tuple[Any, ...]]]:
    engine = open_store(f"duckdb:///{config.parent}/store.duckdb")
    try:
        return dump(engine)
    finally:
        engine.dispose()


@pytest.mark.long
@pytest.mark.slow
@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_a_backfill_killed_at_20_points_resumes_to_the_store_of_an_uninterrupted_one(
    emulator: GitHubEmulator, zygote: Zygote, tmp_path: Path, api: str
) -> None:
    reference = write_config(tmp_path / "reference", emulator, api)
    code, total = collect(emulator, reference)
    assert code == 0
    # A resumed run repeats the unit of work it was killed in: in REST, up to FLUSH_EVERY pull requests
    # (2 requests each) and their list page; in GraphQL, one range compare of up to 3 pages. The step
    # between kills is larger than that, so every run moves the backfill on.
    unit = 2 * FLUSH_EVERY + 2 if api == "rest" else 4
    step = max(unit, total // (MIN_KILLS + 4))
    killed = write_config(tmp_path / "killed", emulator, api)
    kills = 0
    while True:
        code, _ = collect(emulator, killed, zygote, kill_after=step)
        if code == 0:
            break
        assert code == -signal.SIGKILL
        kills += 1
        assert kills < 4 * MIN_KILLS, "the backfill does not move on between kills"
    print(f"{api}: {total} paid requests uninterrupted, killed {kills} times every {step}")
    assert kills >= MIN_KILLS
    expected, actual = stored(reference), stored(killed)
    for table in schema.FACT_TABLES:
        assert actual[table.name] == expected[table.name], table.name
