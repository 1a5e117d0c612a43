"""Fixtures of the analytics tests (a module may override them with its own)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.analytics.facts import Facts


@pytest.fixture
def facts(store_engine: Engine) -> Facts:
    """An empty fact builder over a fresh store of each backend."""
    return Facts(store_engine)
