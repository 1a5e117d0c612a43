"""Many rows as a handful of bound parameters: one array per column, unnested side by side."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeEngine

# A column of ``unnested``: its name, the type of its elements, and its values, one per row.
ArrayColumn = tuple[str, TypeEngine[Any] | type[TypeEngine[Any]], Sequence[Any]]


def unnested(prefix: str, columns: Sequence[ArrayColumn]) -> Select[Any]:
    """A SELECT of one row per position of the equal-length ``columns``, bound as one array parameter
    each (``{prefix}_{name}``). DuckDB and PostgreSQL both zip several unnests in one select list.

    Thousands of rows stay a parameter per column, and the statement compiles once whatever their
    number: as a VALUES list, with a parameter per cell, they cost seconds to compile and bind."""
    return select(
        *[
            func.unnest(
                cast(bindparam(f"{prefix}_{name}", list(values), type_=ARRAY(element)), ARRAY(element)),
                type_=element,
            ).label(name)
            for name, element, values in columns
        ]
    )
