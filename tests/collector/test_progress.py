"""`doraspace collect` progress: a bar on a terminal, plain log lines otherwise, JSON lines for daemons."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.progress import BarProgress, CollectProgress, JsonFormatter, progress_for
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.github_org import build_org


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_and_anything_else_plain_progress() -> None:
    assert isinstance(progress_for(Terminal(), "text"), BarProgress)
    assert type(progress_for(io.StringIO(), "text")) is CollectProgress
    assert type(progress_for(Terminal(), "json")) is CollectProgress


def test_the_bar_shows_the_source_the_count_and_the_repository() -> None:
    screen = Terminal()
    bar = BarProgress(screen)
    bar.repository("github", 1, 2, "acme/orders")
    bar.repository("github", 2, 2, "acme/payments")
    bar.message("catalog: reading catalog-info.yaml")
    bar.repository("github", 2, 2, "")
    bar.close()
    text = screen.getvalue()
    assert "catalog: reading catalog-info.yaml" in text
    assert "github" in text and "2/2" in text


def test_plain_progress_is_one_log_record_per_repository_with_its_fields() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("doraspace.progress")
    logger.addHandler(handler)
    try:
        progress = CollectProgress()
        progress.repository("github", 1, 2, "acme/orders")
        progress.repository("github", 2, 2, "")  # the end of the source: nothing to say
    finally:
        logger.removeHandler(handler)
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert {
        k: record[k] for k in ("level", "logger", "message", "source", "repository", "index", "total")
    } == {
        "level": "info",
        "logger": "doraspace.progress",
        "message": "github [1/2] acme/orders",
        "source": "github",
        "repository": "acme/orders",
        "index": 1,
        "total": 2,
    }


@pytest.fixture
def config_path(tmp_path: Path) -> Iterator[Path]:
    dataset = GitHubDataset()
    build_org(dataset)
    with GitHubEmulator(dataset, token="progress-token") as emulator:
        path = tmp_path / "doraspace.yaml"
        path.write_text(
            f"database:\n  url: duckdb:///{tmp_path}/store.duckdb\n"
            f"github:\n  base_url: {emulator.base_url}\n  token: ${{PROGRESS_TOKEN}}\n"
            "  since: 2026-03-01\n  organizations: [acme]\ncatalog:\n  discover: false\n"
        )
        yield path


@pytest.mark.slow
def test_collect_with_log_format_json_writes_json_lines(config_path: Path) -> None:
    script = Path(sys.executable).with_name("doraspace")
    done = subprocess.run(
        [script, "collect", "--source", "github", "--log-format", "json", "--config", config_path],
        env={**os.environ, "PROGRESS_TOKEN": "progress-token"},
        capture_output=True,
        text=True,
        check=True,
    )
    records = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    progress = [
        (r["repository"], r["index"], r["total"]) for r in records if r["logger"] == "doraspace.progress"
    ]
    assert progress == [("acme/orders", 1, 2), ("acme/payments", 2, 2)]
