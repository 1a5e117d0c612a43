"""Database URLs: which ones the store can open, where a DuckDB store's file is, and how to show one.

The one home of these rules: the configuration checks ``database.url`` with ``check_database_url``,
``open_store``, the daemon and ``check-config`` find the file with ``duckdb_file``, and whatever shows
a URL to a person goes through ``redact``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

__all__ = ["check_database_url", "duckdb_file", "is_duckdb_file", "redact"]


def check_database_url(url: str, resolve: Callable[[str], str]) -> str:
    """``url`` as the store opens it, a DuckDB file's path passed through ``resolve`` (relative paths
    are the caller's to anchor). A URL the store cannot open raises ``ValueError`` saying why."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"must be a URL like duckdb:///data/doraspace.duckdb (got {redact(url)!r})")
    if scheme == "duckdb":
        # SQLAlchemy's convention: three slashes then the path, so a fourth slash makes it absolute.
        if not rest.startswith("/"):
            raise ValueError(
                f"must be duckdb:///relative/path or duckdb:////absolute/path (got {redact(url)!r})"
            )
        location, qmark, query = rest[1:].partition("?")
        if not location:
            raise ValueError("needs a file path after duckdb:/// (or :memory:)")
        return f"duckdb:///{location if location == ':memory:' else resolve(location)}{qmark}{query}"
    if scheme == "postgresql+psycopg" and rest not in ("", "/"):
        return url
    if scheme == "postgresql+psycopg":
        raise ValueError("needs a host or database: postgresql+psycopg://user@host/db")
    if scheme in ("postgresql", "postgres", "postgresql+psycopg2"):  # redacted: it goes to stderr
        raise ValueError(
            f"use the psycopg 3 driver: {redact('postgresql+psycopg://' + rest)} (got {scheme}://)"
        )
    raise ValueError(f"must start with duckdb:/// or postgresql+psycopg:// (got {scheme}://)")


def duckdb_file(url: str) -> str | None:
    """The file of a DuckDB store (without the URL's query), None for one in memory or a server."""
    if not is_duckdb_file(url):
        return None
    # Percent-decoded, as SQLAlchemy reads the database part: team%20data is the folder "team data".
    return unquote(url.removeprefix("duckdb:///").partition("?")[0])


def is_duckdb_file(url: str) -> bool:
    """A DuckDB store in a file (not in memory): one writer at a time, across processes."""
    return url.startswith("duckdb:///") and not url.startswith("duckdb:///:memory:")


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***``, fit for logs and messages."""
    scheme, sep, rest = url.partition("://")
    if not sep:  # not a URL (a libpq "host=… password=…" string): all from password= on, spaces and all
        return re.sub(r"(?i)(password\s*=).*", r"\1***", url)
    # String surgery rather than urlunsplit, which would turn duckdb:////abs into duckdb://abs. The
    # password is what SQLAlchemy reads as one: after the user and its ':', up to the next '@' (a raw
    # '/' or ':' in it included).
    rest = re.sub(r"^([^:/]*):[^@]*@", r"\1:***@", rest, count=1)
    rest = re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", rest)
    return f"{scheme}{sep}{rest}"
