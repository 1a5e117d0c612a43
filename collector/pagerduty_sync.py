"""One PagerDuty sync: cursor → fetch → upsert → commit, for one set of services and urgencies.

* New incidents: listed by ``created_at`` from the cursor (less a short overlap) up to ``now``, in the
  source's chronological ranges (≤ 179 days, halved below the 10,000 offset cap). Each page is written in
  its own transaction; the cursor, one per service set and urgencies (stream ``incidents``), moves to a
  range's end in the transaction that writes the range's last page. A sync killed mid-range lists that
  range again on resume and upserts the same rows: the data ends up as an uninterrupted sync leaves it.
* Open incidents: every stored incident of these services that is not resolved yet, and was not just
  listed, is read again by id, on every sync, until PagerDuty says it is resolved (SPEC §5.4).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, and_, select

from collector import cursors
from collector.cursors import INCIDENTS_STREAM, incidents_cursor
from collector.cursors import cursor_scope as cursor_scope  # re-exported: the tests read the cursor
from collector.models import IncidentFact
from collector.sources.pagerduty import (
    NotFoundError,
    PagerDutyClient,
    format_instant,
    parse_instant,
    whole_second,
)
from collector.writer import write_incidents as write_incidents  # re-exported: shared with GitHub issues
from store import schema

log = logging.getLogger(__name__)

SOURCE = "pagerduty"
STREAM = INCIDENTS_STREAM
# An incident may show up in the listing a moment after its created_at: re-list the last minutes.
LIST_OVERLAP = timedelta(minutes=10)
REREAD_BATCH = 50


@dataclass
class PagerDutySyncReport:
    listed: int = 0  # incidents written from the created_at listing
    reread: int = 0  # open incidents read again by id
    resolved: int = 0  # of those, how many PagerDuty now says are resolved
    warnings: list[str] = field(default_factory=list)

    @property
    def incidents(self) -> int:
        return self.listed + self.reread


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class PagerDutySync:
    def __init__(
        self,
        engine: Engine,
        client: PagerDutyClient,
        *,
        since: datetime,
        now: datetime,
        service_ids: Sequence[str],
        urgencies: Sequence[str],
        backfill_since: datetime | None = None,
        progress: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.engine = engine
        self.client = client
        self.since = whole_second(_aware(backfill_since or since))
        self.backfill = backfill_since is not None
        self.now = whole_second(_aware(now))
        self.service_ids = tuple(sorted(set(service_ids)))
        self.urgencies = tuple(sorted(set(urgencies)))
        self.cursor = incidents_cursor(self.service_ids, self.urgencies)
        self.progress = progress
        self.report = PagerDutySyncReport()
        self._listed_ids: set[str] = set()

    def _warn(self, message: str) -> None:
        log.warning("%s", message)
        self.report.warnings.append(message)
        self.progress(f"warning: {message}")

    def sync_new(self) -> None:
        with self.engine.connect() as conn:
            stored = cursors.read(conn, self.cursor)
        cursor = parse_instant(stored)
        start = self.since
        if cursor is not None and not self.backfill:
            start = max(self.since, cursor - LIST_OVERLAP)
        if start >= self.now:
            return
        for page in self.client.incident_pages(self.service_ids, self.urgencies, start, self.now):
            facts = [self.client.to_fact(item) for item in page.incidents]
            moves = page.complete and (cursor is None or page.until > cursor)
            with self.engine.begin() as conn:
                self.report.listed += write_incidents(conn, facts)
                if moves:
                    cursors.write(conn, self.cursor, format_instant(page.until))
            if moves:
                cursor = page.until
            self._listed_ids.update(fact.incident_id for fact in facts)
            if page.complete:
                self.progress(f"pagerduty: incidents listed up to {format_instant(page.until)}")

    def reread_open(self) -> None:
        table = schema.incidents
        with self.engine.connect() as conn:
            open_ids = [
                str(row.incident_id)
                for row in conn.execute(
                    select(table.c.incident_id)
                    .where(
                        and_(
                            table.c.source == SOURCE,
                            table.c.service.in_(self.service_ids),
                            table.c.status != "resolved",
                        )
                    )
                    .order_by(table.c.started_at, table.c.incident_id)
                )
            ]
        pending = [incident_id for incident_id in open_ids if incident_id not in self._listed_ids]
        for start in range(0, len(pending), REREAD_BATCH):
            facts: list[IncidentFact] = []
            for incident_id in pending[start : start + REREAD_BATCH]:
                try:
                    facts.append(self.client.to_fact(self.client.incident(incident_id)))
                except NotFoundError as exc:
                    # Deleted, or out of this token's sight: keep what we have and say so.
                    self._warn(f"PagerDuty incident {incident_id} could not be read again: {exc}")
            with self.engine.begin() as conn:
                self.report.reread += write_incidents(conn, facts)
            self.report.resolved += sum(1 for fact in facts if fact.status == "resolved")

    def run(self) -> PagerDutySyncReport:
        if not self.service_ids:
            # Without service_ids[] PagerDuty lists every service of the account; SPEC §4 collects only
            # the owned and configured ones.
            self._warn("no PagerDuty services to collect (ownership map and pagerduty.service_ids are empty)")
            return self.report
        self.sync_new()
        self.reread_open()
        return self.report
