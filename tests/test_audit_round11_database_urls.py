"""Audit, round 11: database URLs written several ways, where the configuration, secrecy and store
rules meet (SPEC §2, §3, §9; docs/configuration.md; store/urls.py).

The rules leaned on, as written:

* SPEC §2: exit status 1 on a runtime failure, 2 on a configuration error; "Errors are one clear line on
  stderr naming what is wrong and where (file, line/key …); no Python traceback unless ``--debug``".
* SPEC §3: "``${VAR}`` is replaced from the environment"; "A relative path in a
  ``duckdb:///relative/path`` URL is relative to the working directory"; secrets "are never logged, never
  stored, never exported".
* configuration.md: "``${VAR}`` is replaced from the environment in every string value"; "Every error is
  one line: ``config.yaml:12: …``"; "Secrets are never shown: … and the database password is
  redacted"; "Relative paths (a ``duckdb:///relative/path`` URL, …) are relative to the working
  directory, not the config file"; ``database.url`` is "``duckdb:///relative/path``,
  ``duckdb:////absolute/path``, ``duckdb:///:memory:`` or ``postgresql+psycopg://user@host/db``";
  ``check-config`` "validates the file and prints the resolved ownership map … (never their values)".

No PostgreSQL is started: every PostgreSQL URL points at a loopback port that was free a moment ago and
that nothing listens on, so every use of the store is a refused connection. Every run is ``main(argv)``
in this process, stdout and stderr redirected, log records captured by ``caplog`` at DEBUG. The password
holds ``HUNTER`` so that any piece of it shown, encoded or not, is caught by one substring test.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from doraspace.cli import main

NOW = datetime(2026, 3, 20, tzinfo=UTC)
AS_OF = "2026-03-01T00:00:00Z"
PASSWORD = "HUNTER@r11:db/pw#9%z q"  # @ : / # % and a space: each needs percent-encoding in a URL
ENCODED = quote(PASSWORD, safe="")  # HUNTER%40r11%3Adb%2Fpw%239%25z%20q
MARK = "HUNTER"  # in the password, in every form of it, and in no other text here
SURVEY_SECRET = "r11-database-urls-survey-secret"
REFUSED = (  # psycopg's words for a refused TCP connection, first line and second line joined
    'connection failed: connection to server at "127.0.0.1", port {port} failed: Connection refused'
)
HINT = "Is the server running on that host and accepting TCP/IP connections?"


@dataclass
class Run:
    status: int
    out: str
    err: str
    logs: str

    def everything(self) -> str:
        return self.out + self.err + self.logs


def free_port() -> int:
    """A loopback port nothing listens on (bound, read, released: no PostgreSQL is ever started)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(caplog: pytest.LogCaptureFixture, *argv: str) -> Run:
    """``doraspace ARGV`` in this process at NOW; ``logs`` is every log record's message at DEBUG."""
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv), now=NOW)
    logs = "\n".join(record.getMessage() for record in caplog.records)
    return Run(status, out.getvalue(), err.getvalue(), logs)


def config_file(directory: Path, url_line: str = "${DATABASE_URL}", extra: str = "") -> Path:
    """``database.url`` on line 2, as written (single-quoted when it has a space)."""
    path = directory / "doraspace.yaml"
    path.write_text(f"database:\n  url: {url_line}\n{extra}", encoding="utf-8")
    return path


def check_config_lines(path: Path, database: str, store: str) -> list[str]:
    """What ``check-config`` prints for a config with only ``database`` (and the survey secret set)."""
    return [
        f"{path}: OK",
        f"database: {database}",
        "surveys.respondent_secret: set",
        f"store: {store}",
        "ownership (repository/PagerDuty service → team):",
        "  (no repositories or PagerDuty services)",
    ]


@pytest.fixture
def postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, int]:
    """``database.url: ${DATABASE_URL}`` with ``DATABASE_URL`` =
    ``postgresql+psycopg://dora:<ENCODED>@127.0.0.1:<port>/dora``, the password percent-encoded as
    RFC 3986 (and SQLAlchemy's docs) ask; ``http.listen`` on another free port."""
    port = free_port()
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://dora:{ENCODED}@127.0.0.1:{port}/dora")
    monkeypatch.setenv("DORASPACE_SURVEY_SECRET", SURVEY_SECRET)
    extra = f"http: {{listen: '127.0.0.1:{free_port()}'}}\n"
    return config_file(tmp_path, extra=extra), port


# ------------------------------------------------------------------ PostgreSQL, password from ${VAR}


def test_check_config_accepts_an_encoded_password_from_the_environment_and_never_shows_it(
    postgres: tuple[Path, int], caplog: pytest.LogCaptureFixture
) -> None:
    """``${VAR}`` (§3) × "the database password is redacted" × a refused connection.

    ``check-config`` validates; the URL is a valid ``postgresql+psycopg://user@host/db`` with a password,
    so: exit 0, stderr empty. The store cannot be read (nothing listens), which check-config reports on
    its store line and goes on with the config alone (the product's wording). The database line and the
    store line show ``dora:***@127.0.0.1:<port>/dora``: not ``HUNTER`` in any form, anywhere, logs
    included."""
    path, port = postgres
    result = run(caplog, "check-config", "--config", str(path))
    shown = f"postgresql+psycopg://dora:***@127.0.0.1:{port}/dora"
    failure = f"database.url: cannot open {shown!r}: {REFUSED.format(port=port)}"
    assert (result.status, result.err) == (0, "")
    assert result.out.splitlines() == check_config_lines(
        path, shown, f"not read ({failure}); showing the config alone"
    )
    assert MARK not in result.everything()


def test_a_refused_connection_is_one_line_without_the_password(
    postgres: tuple[Path, int], caplog: pytest.LogCaptureFixture
) -> None:
    """A runtime failure (§2: exit 1, one line) × never logged (§3).

    ``metrics --format json`` (a JSON output that would hold the store's rows) and ``serve`` (which
    opens the store before it serves ``/metrics``, so no scrape is possible) both fail to connect.
    Expected for each: exit 1, stdout empty (no JSON, no partial output), stderr the one line
    ``doraspace: error: database.url: cannot open '<redacted URL>': <psycopg's reason>`` with psycopg's
    two lines folded into one, and ``HUNTER`` in no output or log record."""
    path, port = postgres
    shown = f"postgresql+psycopg://dora:***@127.0.0.1:{port}/dora"
    line = f"doraspace: error: database.url: cannot open {shown!r}: {REFUSED.format(port=port)} {HINT}\n"
    for argv in (["metrics", "--as-of", AS_OF, "--format", "json"], ["serve"]):
        result = run(caplog, *argv, "--config", str(path))
        assert (result.status, result.out, result.err) == (1, "", line), argv
        assert MARK not in result.everything(), argv


def test_debug_traceback_and_json_log_lines_of_a_refused_connection_hold_no_password(
    postgres: tuple[Path, int], caplog: pytest.LogCaptureFixture
) -> None:
    """``--debug`` (§2: a traceback is allowed, debug logs on) and ``--log-format json`` (the daemon's
    log) × never logged (§3).

    With ``--debug``, stderr is psycopg's, SQLAlchemy's and our chained traceback and ends with the same
    one error line as without it; every DEBUG log record is captured too. With ``serve --log-format
    json`` the error is a log record of ``doraspace`` at ERROR, the same line without the
    ``doraspace: error:`` prefix. Expected: exit 1 both times; ``HUNTER`` in neither."""
    path, port = postgres
    shown = f"postgresql+psycopg://dora:***@127.0.0.1:{port}/dora"
    line = f"database.url: cannot open {shown!r}: {REFUSED.format(port=port)} {HINT}"
    debug = run(caplog, "metrics", "--debug", "--as-of", AS_OF, "--config", str(path))
    assert debug.status == 1
    assert "Traceback (most recent call last):" in debug.err
    assert debug.err.endswith(f"doraspace: error: {line}\n")
    assert MARK not in debug.everything()
    logged = run(caplog, "serve", "--log-format", "json", "--config", str(path))
    assert (logged.status, logged.out) == (1, "")
    errors = [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [("doraspace", line)]
    assert MARK not in logged.everything()


def test_a_raw_slash_in_the_password_is_redacted_as_the_driver_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """ "the database password is redacted" × a password whose ``/`` was not percent-encoded.

    ``${DB}`` = ``postgresql+psycopg://dora:HUNTER/r11@127.0.0.1:<port>/dora``. The URL is accepted
    (``check-config`` exits 0) and SQLAlchemy, which opens the store, reads user ``dora``, password
    ``HUNTER/r11``, host ``127.0.0.1``: that is the password the product uses, so that is the one the
    docs say is redacted. Expected: check-config's database line
    ``postgresql+psycopg://dora:***@127.0.0.1:<port>/dora``, and ``metrics`` exit 1 with ``HUNTER``
    neither in its one line nor anywhere else. The product prints
    ``database: postgresql+psycopg://dora:HUNTER/r11@127.0.0.1:<port>/dora``."""
    port = free_port()
    monkeypatch.setenv("DB", f"postgresql+psycopg://dora:{MARK}/r11@127.0.0.1:{port}/dora")
    monkeypatch.setenv("DORASPACE_SURVEY_SECRET", SURVEY_SECRET)
    path = config_file(tmp_path, "${DB}")
    checked = run(caplog, "check-config", "--config", str(path))
    assert checked.status == 0
    assert checked.out.splitlines()[1] == f"database: postgresql+psycopg://dora:***@127.0.0.1:{port}/dora"
    failed = run(caplog, "metrics", "--as-of", AS_OF, "--config", str(path))
    assert failed.status == 1 and failed.err.count("\n") == 1
    assert MARK not in checked.everything() + failed.everything()


# ------------------------------------------------------------------------ URLs refused at load


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(
            f"mysql://dora:{ENCODED}@db.internal:3306/dora",
            "must start with duckdb:/// or postgresql+psycopg:// (got mysql://)",
            id="mysql",
        ),
        pytest.param(  # Heroku's DATABASE_URL spelling
            f"postgres://dora:{ENCODED}@db.internal:5432/dora",
            "use the psycopg 3 driver: postgresql+psycopg://dora:***@db.internal:5432/dora (got postgres://)",
            id="heroku-postgres",
        ),
    ],
)
def test_an_unsupported_scheme_is_one_line_naming_database_url_without_the_password(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    value: str,
    message: str,
) -> None:
    """An unknown scheme (a configuration error: exit 2, §2) × ``${VAR}`` × the password redacted.

    ``database.url: ${DATABASE_URL}`` on line 2. Expected: exit 2, stdout empty, stderr the one line
    ``doraspace: error: <config>:2: database.url: <why>``, where a ``postgres://`` URL (the psycopg 3
    driver is missing from it) is shown back with ``***`` for the password; ``HUNTER`` nowhere."""
    monkeypatch.setenv("DATABASE_URL", value)
    path = config_file(tmp_path)
    result = run(caplog, "check-config", "--config", str(path))
    assert (result.status, result.out) == (2, "")
    assert result.err == f"doraspace: error: {path}:2: database.url: {message}\n"
    assert MARK not in result.everything()


def test_a_libpq_keyword_connection_string_is_refused_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A value that is not a URL × the password redacted.

    ``DATABASE_URL`` = ``host=127.0.0.1 port=5432 dbname=dora user=dora password=<PASSWORD>``, the
    keyword/value connection string libpq and psycopg take (many platforms hand out this form). It is no
    URL ``database.url`` accepts, so: exit 2, one line naming ``<config>:2: database.url`` (§2, the
    product says "must be a URL like duckdb:///data/doraspace.duckdb"), and, the docs' redaction, no
    ``HUNTER``. The product quotes the value back whole, password included."""
    monkeypatch.setenv("DATABASE_URL", f"host=127.0.0.1 port=5432 dbname=dora user=dora password={PASSWORD}")
    path = config_file(tmp_path)
    result = run(caplog, "check-config", "--config", str(path))
    assert (result.status, result.out) == (2, "")
    assert result.err.startswith(f"doraspace: error: {path}:2: database.url: ")
    assert result.err.count("\n") == 1
    assert MARK not in result.everything()


def test_a_password_written_literally_in_the_file_is_accepted_and_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """ "A secret written in the file itself is refused" × a password inside ``database.url``.

    Undecided: the docs refuse a secret written in the file for the keys that have a ``_file``/``${VAR}``
    pair (``github.token``, ``pagerduty.token``, ``surveys.respondent_secret``; SPEC §3 says "Secrets
    (tokens)"), and for the database password say only that it "is redacted". The product accepts
    ``url: postgresql+psycopg://dora:<ENCODED>@127.0.0.1:<port>/dora`` written in the file: check-config
    exit 0, database line redacted, store line the refused connection; this test records that, and that
    ``HUNTER`` is still shown nowhere."""
    monkeypatch.setenv("DORASPACE_SURVEY_SECRET", SURVEY_SECRET)
    port = free_port()
    path = config_file(tmp_path, f"postgresql+psycopg://dora:{ENCODED}@127.0.0.1:{port}/dora")
    result = run(caplog, "check-config", "--config", str(path))
    shown = f"postgresql+psycopg://dora:***@127.0.0.1:{port}/dora"
    failure = f"database.url: cannot open {shown!r}: {REFUSED.format(port=port)}"
    assert (result.status, result.err) == (0, "")
    assert result.out.splitlines() == check_config_lines(
        path, shown, f"not read ({failure}); showing the config alone"
    )
    assert MARK not in result.everything()


# ----------------------------------------------------------------------------------------- DuckDB


@pytest.mark.parametrize("relative", ["team data/store.duckdb", "~/store.duckdb"], ids=["spaces", "tilde"])
def test_a_relative_duckdb_path_is_under_the_working_directory_not_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, relative: str
) -> None:
    """ "relative to the working directory, not the config file" × a path with spaces, or with ``~``.

    The config is in ``<tmp>/conf``, the working directory ``<tmp>/work``, ``$HOME`` ``<tmp>/home``;
    ``database.url: 'duckdb:///<relative>'``. Expected: check-config (before any store) prints
    ``database: duckdb:///<tmp>/work/<relative>`` (the resolved, absolute path: four slashes) and
    ``store: not created yet; …``; ``metrics --format json`` (no teams, no facts) prints ``[]`` and
    creates the store there, and nothing under ``conf``; check-config then reads it: 0 repositories, 0
    catalog components.

    Undecided, ``~``: the docs know no home expansion and say relative paths are relative to the working
    directory; the product takes ``~`` as a folder of that name in the working directory
    (``<tmp>/work/~/store.duckdb``), never ``$HOME``: asserted as it does."""
    conf, work, home = tmp_path / "conf", tmp_path / "work", tmp_path / "home"
    for folder in (conf, work, home):
        folder.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("DORASPACE_SURVEY_SECRET", SURVEY_SECRET)
    path = config_file(conf, f"'duckdb:///{relative}'")
    expected = f"duckdb:///{work / relative}"
    before = run(caplog, "check-config", "--config", str(path))
    assert (before.status, before.err) == (0, "")
    assert before.out.splitlines() == check_config_lines(
        path, expected, "not created yet; the catalog is read by `doraspace collect`"
    )
    metrics = run(caplog, "metrics", "--as-of", AS_OF, "--format", "json", "--config", str(path))
    assert (metrics.status, metrics.out, metrics.err) == (0, "[]\n", "")
    assert (work / relative).is_file()
    assert sorted(p.name for p in conf.iterdir()) == ["doraspace.yaml"]
    assert list(home.iterdir()) == []
    after = run(caplog, "check-config", "--config", str(path))
    assert after.out.splitlines() == check_config_lines(
        path, expected, "0 repositories collected, 0 catalog components"
    )


def test_a_percent_encoded_space_in_a_duckdb_path_opens_one_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A DuckDB path written URL-style (``%20`` for a space) × "check-config validates" × the store
    made where the URL says.

    ``database.url: duckdb:///team%20data/store.duckdb`` from ``<tmp>``. check-config accepts it (exit
    0). Whether the folder is ``team data`` (the URL decoded, as SQLAlchemy reads it) or ``team%20data``
    is undecided; either way, a URL check-config accepts must open: expected ``metrics --format json``
    exit 0 printing ``[]``, one store file under ``<tmp>`` (besides the config), and check-config
    afterwards reading it (0 repositories, 0 catalog components)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DORASPACE_SURVEY_SECRET", SURVEY_SECRET)
    path = config_file(tmp_path, "duckdb:///team%20data/store.duckdb")
    assert run(caplog, "check-config", "--config", str(path)).status == 0
    metrics = run(caplog, "metrics", "--as-of", AS_OF, "--format", "json", "--config", str(path))
    assert (metrics.status, metrics.out, metrics.err) == (0, "[]\n", "")
    stores = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.duckdb"))
    assert stores in (["team data/store.duckdb"], ["team%20data/store.duckdb"])
    after = run(caplog, "check-config", "--config", str(path))
    assert after.out.splitlines()[3] == "store: 0 repositories collected, 0 catalog components"


def test_an_in_memory_duckdb_store_is_accepted_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """``duckdb:///:memory:`` is listed among the ``database.url`` forms × check-config never creating a
    store × the working directory.

    Given through ``${DATABASE_URL}``. Expected: check-config exit 0, ``database: duckdb:///:memory:``
    (nothing to resolve against the working directory), store line ``not created yet; …`` (the product's
    wording for a store it does not open); ``metrics --format json`` exit 0, ``[]`` (an empty store made
    and dropped in memory); no file or folder appears in the working directory (no ``:memory:`` file)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("DATABASE_URL", "duckdb:///:memory:")
    monkeypatch.setenv("DORASPACE_SURVEY_SECRET", SURVEY_SECRET)
    path = config_file(tmp_path)
    checked = run(caplog, "check-config", "--config", str(path))
    assert (checked.status, checked.err) == (0, "")
    assert checked.out.splitlines() == check_config_lines(
        path, "duckdb:///:memory:", "not created yet; the catalog is read by `doraspace collect`"
    )
    metrics = run(caplog, "metrics", "--as-of", AS_OF, "--format", "json", "--config", str(path))
    assert (metrics.status, metrics.out, metrics.err) == (0, "[]\n", "")
    assert list(work.iterdir()) == []
