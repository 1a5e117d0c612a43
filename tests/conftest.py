"""Fixtures shared by the whole suite: one test suite over every backend (DuckDB and PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import freezegun
import pytest
from sqlalchemy import Engine

from store.engine import open_store
from tests.postgres import PostgresServer
from tests.test_survey_end_to_end_pairs import SECRET, SECRET_VARIABLE, Org

# freezegun patches every loaded module that holds a datetime or time function, at start and at stop:
# seconds in a worker that has imported plotly, pandas and the rest. None of these libraries' clocks is
# what a test freezes (ours are read in our own modules), so they are left alone.
freezegun.configure(
    extend_ignore_list=[
        *("plotly", "pandas", "numpy", "sqlalchemy", "pydantic", "pydantic_core", "duckdb", "duckdb_engine"),
        *("jinja2", "github", "urllib3", "requests", "grafana_foundation_sdk", "_pytest", "pluggy"),
        *("pygments", "rich", "yaml", "openpyxl", "psycopg", "cryptography"),
    ]
)


# Where the tests' files go (stores, emulators' certificates, PostgreSQL's data): DuckDB syncs its file
# to disk at every checkpoint, and a test run on a disk waits for those syncs (two analytics modules
# run alone: 33 s on disk, 23 s in memory, the same CPU; a parallel run hides part of the wait behind
# its other worker). No test needs a file to outlive the machine: a process killed with SIGKILL leaves
# its writes in the page cache. So memory-backed /dev/shm, when it has room, unless TMPDIR says
# where; the header of the run says which.
_MEMORY_BACKED = Path("/dev/shm")
# A whole run writes 7.6 GB; the files of passing tests go at their end (pyproject.toml: retention
# "failed"), but the module and session fixtures' (about 1.8 GB) stay until the run ends. A /dev/shm
# this roomy is on a machine with memory for that (it is half the memory by default).
_ROOM_NEEDED = 8 * 1024**3


def _memory_backed_tmp() -> Path | None:
    if os.environ.get("TMPDIR") or not _MEMORY_BACKED.is_dir() or not os.access(_MEMORY_BACKED, os.W_OK):
        return None
    stats = os.statvfs(_MEMORY_BACKED)
    return _MEMORY_BACKED if stats.f_bavail * stats.f_frsize >= _ROOM_NEEDED else None


def pytest_configure(config: pytest.Config) -> None:
    # The workers of a parallel run (pytest-xdist) start after this and inherit TMPDIR (so find it set),
    # as do the processes the tests start.
    memory = _memory_backed_tmp()
    if memory is None:
        return
    root = memory / f"doraspace-tests-{os.getuid()}"
    root.mkdir(exist_ok=True)
    if root.is_symlink() or root.stat().st_uid != os.getuid():
        return  # /dev/shm is everyone's: a folder of that name made by someone else is not used
    # Others may pass through, not list: PostgreSQL's server runs as its own user (tests/postgres.py) in
    # a folder of its own inside, as it does in /tmp.
    root.chmod(0o711)
    os.environ["TMPDIR"] = str(root)
    tempfile.tempdir = None  # read TMPDIR again at the next use


def pytest_report_header(config: pytest.Config) -> str:
    return f"temporary files: {tempfile.gettempdir()}"


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's headless Chromium, for the tests that look at pages as a team lead would."""
    binary = Path("/usr/bin/chromium")
    if not binary.exists():
        message = "chromium missing: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return binary


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests first (a stable sort keeps every other order): pytest-xdist hands tests out in this
    order, so the run ends on short ones and both workers finish together."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def duckdb_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB store as ``open_store`` leaves a new file: migrated, with no facts."""
    path = tmp_path_factory.mktemp("template") / "store.duckdb"
    open_store(f"duckdb:///{path}").dispose()
    return path


@pytest.fixture(params=["duckdb", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store on each backend, as ``open_store`` leaves an empty database: a copy of one migrated
    once per session, since migrating a thousand stores anew cost the suite about a minute."""
    if request.param == "duckdb":
        path = tmp_path / "store.duckdb"
        shutil.copyfile(request.getfixturevalue("duckdb_template"), path)
        return f"duckdb:///{path}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database(migrated=True)


@pytest.fixture
def store_engine(store_url: str) -> Iterator[Engine]:
    engine = open_store(store_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def org_factory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., Org]]:
    """Survey organisations run through the CLI (``tests.test_survey_end_to_end_pairs.Org``) in the
    test's folder, the respondent secret set: ``org_factory(teams, minimum=3)``."""
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)

    def make(teams: Sequence[tuple[str, int | None, Sequence[str]]], **options: Any) -> Org:
        return Org(tmp_path, capsys, teams, **options)

    yield make
