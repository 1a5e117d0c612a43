"""Database URLs: which ones the store can open, where a DuckDB store's file is, and how to show one.

The one home of these rules: the configuration checks ``database.url`` with ``check_database_url``,
``open_store``, the daemon and ``check-config`` find the file with ``duckdb_file``, and whatever shows
a URL to a person goes through ``redact``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["check_database_url", "duckdb_file", "is_duckdb_file", "redact"]


def check_database_url(url: str, resolve: Callable[[str], str]) -> str:
    """``url`` as the store opens it, a DuckDB file's path passed through ``resolve`` (relative paths
    are the caller's to anchor). A URL the store cannot open raises ``ValueError`` saying why."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"must be a URL like duckdb:///data/doraspace.duckdb (got {url!r})")
    if scheme == "duckdb":
        # SQLAlchemy's convention: three slashes then the path, so a fourth slash makes it absolute.
        if not rest.startswith("/"):
            raise ValueError(f"must be duckdb:///relative/path or duckdb:////absolute/path (got {url!r})")
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
    return url.removeprefix("duckdb:///").partition("?")[0]


def is_duckdb_file(url: str) -> bool:
    """A DuckDB store in a file (not in memory): one writer at a time, across processes."""
    return url.startswith("duckdb:///") and not url.startswith("duckdb:///:memory:")


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***``, fit for logs and messages."""
    # String surgery rather than urlunsplit, which would turn duckdb:////abs into duckdb://abs.
    scheme, sep, rest = url.partition("://")
    authority, slash, tail = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if at and ":" in userinfo:
        authority = f"{userinfo.partition(':')[0]}:***@{host}"
    tail = re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", tail)
    return f"{scheme}{sep}{authority}{slash}{tail}" if sep else url
