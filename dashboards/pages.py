"""The Jinja2 environment of every HTML page doraspace writes (reports, the ``/dashboards/`` index).

Autoescape is on for every template: team, repository and incident names are data, and a value that
reaches a page unescaped would be script. Only markup a template builds itself (a macro's output) and
plotly's chart HTML are ever trusted, as ``Markup``.
"""

from __future__ import annotations

import html
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup


def _escaped(value: Any) -> Any:
    """Every ``{{ value }}`` escaped with the standard library's entities (``&quot;``, ``&#x27;``).

    Autoescape would escape it too, with markupsafe's ``&#34;`` and ``&#39;``: the same text in a
    browser, but different bytes from the pages written before the templates, which readers and tests
    compare. Trusted markup (``Markup``) passes unchanged.
    """
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))  # noqa: S704 - it is the escaped text


ENVIRONMENT = Environment(
    loader=PackageLoader("dashboards", "templates"),
    autoescape=True,
    finalize=_escaped,
    # A misspelt name fails loudly instead of rendering as an empty string.
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(template: str, **values: Any) -> str:
    """``template`` (a file of ``dashboards/templates/``) rendered with ``values``."""
    return ENVIRONMENT.get_template(template).render(**values)
