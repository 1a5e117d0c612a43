"""Fixtures shared by the whole suite: one test suite over every backend (DuckDB and PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.engine import open_store
from tests.postgres import PostgresServer


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


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["duckdb", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store on each backend."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path}/store.duckdb"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def store_engine(store_url: str) -> Iterator[Engine]:
    engine = open_store(store_url)
    try:
        yield engine
    finally:
        engine.dispose()
