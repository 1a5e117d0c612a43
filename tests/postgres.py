"""A throwaway PostgreSQL server on loopback for the tests: the real server, started from Debian's
postgresql package, one fresh database per test.

Where the server binaries are missing the tests that need it skip, naming the package; under CI
(``CI`` set) they fail instead, because CI installs it.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from store.engine import open_store

PACKAGE_HINT = "postgresql missing: apt-get install postgresql"


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    def __init__(self) -> None:
        bin_dir = _bin_dir()
        if bin_dir is None:
            if os.environ.get("CI"):
                pytest.fail(PACKAGE_HINT)
            pytest.skip(PACKAGE_HINT)
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="doraspace-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._names = itertools.count(1)
        self._template: str | None = None  # the URL of the migrated template database, once made
        # PostgreSQL refuses to run as root: run it as the postgres user the package created.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "doraspace", "--auth=trust", "-E", "UTF8")
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        self.admin_url = f"postgresql://doraspace@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self._as, str(self.bin_dir / program), *args], check=True, capture_output=True)

    def new_database(self, *, migrated: bool = False) -> str:
        """A fresh database, empty or (``migrated``) as ``open_store`` leaves an empty one: a copy of a
        template migrated once. Returns its SQLAlchemy URL."""
        name = f"t{next(self._names)}"
        if migrated and self._template is None:
            self._template = self.new_database()
            open_store(self._template).dispose()  # no connection left: a template must have none
        template = f" TEMPLATE {self._template.rpartition('/')[2]}" if migrated and self._template else ""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}{template}")  # generated names, never outside input
        return f"postgresql+psycopg://doraspace@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
