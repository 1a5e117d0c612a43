"""Text ordered by code point on every backend.

PostgreSQL orders text by the database's collation, which on many servers is linguistic (en_US: `a-team`
before `B-team`); DuckDB orders by code point. Wherever an order of text decides a result (which of two
deployments at one instant is the latest, which catalog component comes first), the order is bytewise,
so that both stores give the same numbers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class bytewise(FunctionElement[str]):  # lower case, like the SQL functions it stands beside
    """``bytewise(column)``: ``column COLLATE "C"`` on PostgreSQL, the column itself elsewhere."""

    type = String()
    inherit_cache = True


@compiles(bytewise)
def _compile_bytewise(element: bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    (expression,) = element.clauses
    sql = compiler.process(expression, **kw)
    return f'({sql}) COLLATE "C"' if compiler.dialect.name == "postgresql" else sql
