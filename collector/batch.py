"""Facts and the cursor that covers them, written in one transaction as a sync commits a page, for
callers that hold facts already (the demo's load) and must not handle connections themselves."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, Engine

from collector import cursors, writer
from collector.cursors import CursorKey
from collector.models import CompareFact, DeploymentFact, IncidentFact, PullRequestFact, RepositoryFact


class FactBatch:
    """The writes of one transaction; each method is the collector's own writer."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def repositories(
        self, facts: Iterable[RepositoryFact], discovered_from: Mapping[str, str], now: datetime
    ) -> None:
        writer.write_repositories(self._conn, facts, dict(discovered_from), now)

    def deployments(self, facts: Iterable[DeploymentFact]) -> int:
        return writer.write_deployments(self._conn, facts)

    def pull_requests(self, facts: Iterable[PullRequestFact]) -> int:
        return writer.write_pull_requests(self._conn, facts)

    def compares(self, facts: Iterable[CompareFact]) -> None:
        writer.write_compares(self._conn, facts)

    def incidents(self, facts: Iterable[IncidentFact]) -> int:
        return writer.write_incidents(self._conn, facts)

    def cursor(self, key: CursorKey, value: str) -> None:
        cursors.write(self._conn, key, value)


@contextmanager
def fact_batch(engine: Engine) -> Iterator[FactBatch]:
    """A batch committed when the block ends, rolled back if it raises."""
    with engine.begin() as conn:
        yield FactBatch(conn)
