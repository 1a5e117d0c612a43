"""The Jinja2 environment of every HTML page doraspace writes (reports, the ``/dashboards/`` index).

Autoescape is on for every template: team, repository and incident names are data, and a value that
reaches a page unescaped would be script. Only markup a template builds itself is ever trusted.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

ENVIRONMENT = Environment(
    loader=PackageLoader("dashboards", "templates"),
    autoescape=True,
    # A misspelt name fails loudly instead of rendering as an empty string.
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(template: str, **values: Any) -> str:
    """``template`` (a file of ``dashboards/templates/``) rendered with ``values``."""
    return ENVIRONMENT.get_template(template).render(**values)
