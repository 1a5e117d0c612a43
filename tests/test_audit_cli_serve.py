"""Audit: the one-shot commands beside a running `doraspace serve` (SPEC §2, §3), as processes.

§2: "While serve runs, the other commands still work against the same store: they either ask the
running daemon or wait their turn for the DuckDB file. A user never sees a raw DuckDB lock error."
tests/test_serve.py runs `metrics` beside the daemon; here every other command that reads or writes the
store runs there too, several at once, while the daemon's sync is held in the middle by the emulated
GitHub (tests/github_org.py's organisation). And §3 at the daemon's start: an unset token is a
configuration error of the command that uses it.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_audit_cli_contract import Q3_ANSWERS, SURVEY_DEFINITION, long_export
from tests.test_serve import (
    DORASPACE,
    ENV,
    TOKEN,
    Emulator,
    ServeProcess,
    emulator,
    serve_process,
    wait_for_metrics,
    write_config,
)

__all__ = ["emulator", "serve_process"]  # the fixtures, shared with tests/test_serve.py

SECRET_VARIABLE = "AUDIT_SERVE_SURVEY_SECRET"


def start(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(DORASPACE), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"{process.args} still running after 90 s:\n{err}") from None
    return process.returncode, out, err


@pytest.mark.long
def test_every_command_waits_its_turn_beside_a_daemon_in_the_middle_of_a_sync(
    tmp_path: Path, emulator: Emulator, serve_process: Callable[[Path], ServeProcess]
) -> None:
    """The daemon is held between two transactions of its first sync. Meanwhile: `survey import`
    writes; then `metrics`, `report`, `survey scores` and `check-config` start together. Each exits
    0 with its output, none mentions a lock or shows a traceback, and check-config reads the store
    (not "store: not read"). The survey (teams orders, 5 respondents: ≥ min_group_size 5) is scored.
    The daemon's log, like every output, never holds the token."""
    config = write_config(tmp_path, github_url=emulator.github.base_url)
    config.write_text(config.read_text() + f"surveys:\n  respondent_secret: ${{{SECRET_VARIABLE}}}\n")
    (tmp_path / "mini.yaml").write_text(SURVEY_DEFINITION)
    export = long_export(tmp_path / "answers.csv", Q3_ANSWERS, team="orders")
    emulator.pause_at = 8
    server = serve_process(config)
    assert emulator.paused.wait(30), server.log()
    env = {**ENV, SECRET_VARIABLE: "pepper"}

    imported = finish(
        start(
            "survey",
            "import",
            str(export),
            "--config",
            str(config),
            "--definition",
            str(tmp_path / "mini.yaml"),
            "--quarter",
            "2026-Q3",
            "--format",
            "long",
            env=env,
        )
    )
    assert imported[0] == 0, imported[2]
    commands = {
        "metrics": ["metrics", "--config", str(config), "--format", "json", "--as-of", "2026-03-07"],
        "report": ["report", "--config", str(config), "--out", str(tmp_path / "reports")],
        "scores": ["survey", "scores", "--config", str(config), "--format", "json"],
        "check": ["check-config", "--config", str(config)],
    }
    running = {name: start(*args, env=env) for name, args in commands.items()}
    results = {name: finish(process) for name, process in running.items()}
    for name, (status, out, err) in results.items():
        assert status == 0, (name, err)
        assert "lock" not in (out + err).lower() and "Traceback" not in err, (name, out, err)
    assert isinstance(json.loads(results["metrics"][1]), list)
    assert (tmp_path / "reports" / "index.html").exists()
    scores = json.loads(results["scores"][1])
    assert {(row["team"], row["dimension"], row["respondents"]) for row in scores} == {
        (team, dimension, 5) for team in ("*", "orders") for dimension in ("efficiency", "satisfaction")
    }
    assert "store: not read" not in results["check"][1]

    emulator.resume.set()
    wait_for_metrics(server.url, lambda body: 'team="orders",window="365d"' in body, "the synced snapshot")
    server.stop()
    everything = server.log() + "".join(out + err for _, out, err in [imported, *results.values()])
    assert TOKEN not in everything


def test_serve_with_its_token_unset_is_a_configuration_error_at_start(tmp_path: Path) -> None:
    """§3: "an unset variable is a configuration error when the command uses its key"; serve uses
    github.token (its github job syncs from the first minute). §2: exit 2, one line naming the key and
    the variable — not a daemon that starts, serves, and logs the same failure at every interval."""
    config = write_config(tmp_path, github_url="http://127.0.0.1:9")
    env = {key: value for key, value in os.environ.items() if key != "SERVE_GITHUB_TOKEN"}
    began = time.monotonic()
    try:
        result = subprocess.run(
            [str(DORASPACE), "serve", "--config", str(config)],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=20,
        )
    except subprocess.TimeoutExpired as exc:
        log = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else str(exc.stderr)
        pytest.fail(f"serve still running 20 s after start with github.token unset:\n{log}")
    assert time.monotonic() - began < 20
    assert result.returncode == 2, result.stderr
    assert "github.token" in result.stderr and "SERVE_GITHUB_TOKEN" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
