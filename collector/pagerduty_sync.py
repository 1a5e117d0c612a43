"""One PagerDuty sync: cursor → fetch → upsert → commit, for one set of services and urgencies.

* New incidents: listed by ``created_at`` from the cursor (less a short overlap) up to ``now``, in the
  source's chronological ranges (≤ 179 days, halved below the 10,000 offset cap). Each page is written in
  its own transaction; the cursor, one per service set and urgencies (stream ``incidents``), moves to a
  range's end in the transaction that writes the range's last page. A sync killed mid-range lists that
  range again on resume and upserts the same rows: the data ends up as an uninterrupted sync leaves it.
* Urgencies: PagerDuty lets an open incident's urgency change, and the listing shows an incident in its
  urgency of the moment. So the listing asks for every urgency and stores those collected; an open one
  in another urgency is remembered as pending (stream ``incidents-pending``, in the page's transaction)
  and read again by id, since an escalation after the cursor passed it would never bring it back into a
  listing. A stored incident seen in an urgency not collected, or reassigned to a service not collected,
  is deleted, and read again while open (pending): a full sync would not store it.
* Open incidents: every stored incident of these services that is not resolved yet, and every pending
  one, that was not just listed, is read again by id, on every sync, until PagerDuty says it is resolved
  (SPEC §5.4).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, and_, delete, select

from collector import cursors
from collector.cursors import (
    INCIDENTS_STREAM,
    incidents_cursor,
    overlapping_incident_cursors,
    pending_incidents_cursor,
)
from collector.cursors import cursor_scope as cursor_scope  # re-exported: the tests read the cursor
from collector.models import IncidentFact
from collector.sources.pagerduty import (
    Json,
    NotFoundError,
    PagerDutyClient,
    format_instant,
    parse_incident,
    parse_instant,
    whole_second,
)
from collector.writer import delete_incidents
from collector.writer import write_incidents as write_incidents  # re-exported: shared with GitHub issues
from store import schema
from store.locks import lock_scopes

log = logging.getLogger(__name__)

SOURCE = "pagerduty"
STREAM = INCIDENTS_STREAM
# An incident may show up in the listing a moment after its created_at: re-list the last minutes.
LIST_OVERLAP = timedelta(minutes=10)
REREAD_BATCH = 50
# Every urgency PagerDuty gives an incident (its urgencies[] filter takes no other).
URGENCIES = ("high", "low")


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
        # Never less far back than since (see GitHubSync): a later date would leave a gap for good.
        earliest = min(_aware(backfill_since), _aware(since)) if backfill_since is not None else _aware(since)
        self.since = whole_second(earliest)
        self.backfill = backfill_since is not None
        self.now = whole_second(_aware(now))
        self.service_ids = tuple(sorted(set(service_ids)))
        self.urgencies = tuple(sorted(set(urgencies)))
        self.cursor = incidents_cursor(self.service_ids, self.urgencies)
        self.pending_cursor = pending_incidents_cursor(self.service_ids, self.urgencies)
        # Listing every urgency costs the pages of the incidents not collected too (and, where they are
        # many, more splits below the offset cap), but it is the one listing whose set does not shift
        # while paged when urgencies change, and it sees each incident in its urgency of the moment. A
        # second listing of the other urgencies' open incidents would be cheaper, but an incident
        # escalated and de-escalated between the two listings would be in neither.
        self.listed_urgencies = tuple(sorted(set(self.urgencies) | set(URGENCIES)))
        self.progress = progress
        self.report = PagerDutySyncReport()
        self._listed_ids: set[str] = set()

    def _warn(self, message: str) -> None:
        log.warning("%s", message)
        self.report.warnings.append(message)
        self.progress(f"warning: {message}")

    def sync_new(self) -> None:
        with self.engine.begin() as conn:
            # The store holds these services' incidents in the configured urgencies only, whenever they
            # started (a backfill reaches before since): an urgency no longer configured goes at once.
            table = schema.incidents
            conn.execute(
                delete(table).where(
                    table.c.source == SOURCE,
                    table.c.service.in_(self.service_ids),
                    table.c.urgency.not_in(self.urgencies),
                )
            )
            # The cursors of the other service sets or urgencies over these services are stale (a set
            # used before, urgencies narrowed and then widened back, would resume past what the sets
            # between deleted or stored), so a return to one lists from ``since`` again, as a new set
            # does. With one set, there are none.
            for key in overlapping_incident_cursors(conn, self.service_ids, self.cursor.scope):
                cursors.delete(conn, key)
            stored = cursors.read(conn, self.cursor)
        cursor = parse_instant(stored)
        start = self.since
        if cursor is not None and not self.backfill:
            start = max(self.since, cursor - LIST_OVERLAP)
        if start >= self.now:
            return
        for page in self.client.incident_pages(self.service_ids, self.listed_urgencies, start, self.now):
            facts = [self.client.to_fact(item) for item in page.incidents if self._collected(item)]
            others = [parse_incident(item) for item in page.incidents if not self._collected(item)]
            moves = page.complete and (cursor is None or page.until > cursor)
            with self.engine.begin() as conn:
                self.report.listed += write_incidents(conn, facts)
                self._not_collected(conn, facts, others)
                if moves:
                    cursors.write(conn, self.cursor, format_instant(page.until))
            if moves:
                cursor = page.until
            self._listed_ids.update(str(item["id"]) for item in page.incidents)
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
            pending_ids = self._pending(conn)
        stored_open = set(open_ids)
        candidates = open_ids + sorted(pending_ids - stored_open)
        to_read = [incident_id for incident_id in candidates if incident_id not in self._listed_ids]
        for start in range(0, len(to_read), REREAD_BATCH):
            facts: list[IncidentFact] = []
            others: list[IncidentFact] = []
            gone: list[str] = []
            for incident_id in to_read[start : start + REREAD_BATCH]:
                try:
                    item = self.client.incident(incident_id)
                    if self._collected(item):
                        facts.append(self.client.to_fact(item))
                    else:
                        others.append(parse_incident(item))
                except NotFoundError as exc:
                    # Deleted, or out of this token's sight: keep what we have and say so. A pending one
                    # has nothing stored, and a full sync would not list it: forget it.
                    self._warn(f"PagerDuty incident {incident_id} could not be read again: {exc}")
                    if incident_id not in stored_open:
                        gone.append(incident_id)
            with self.engine.begin() as conn:
                self.report.reread += write_incidents(conn, facts)
                self._not_collected(conn, facts, others, gone)
            self.report.resolved += sum(1 for fact in facts if fact.status == "resolved")

    # -- urgencies not collected ------------------------------------------------------------------

    def _collected(self, item: Json) -> bool:
        # An incident reassigned while open to a service not collected is one a full sync would not list.
        service = str((item.get("service") or {}).get("id") or "")
        return item.get("urgency") in self.urgencies and service in self.service_ids

    def _pending(self, conn: Connection) -> set[str]:
        value = cursors.read(conn, self.pending_cursor)
        return set(json.loads(value)) if value else set()

    def _not_collected(
        self,
        conn: Connection,
        collected: Sequence[IncidentFact],
        others: Sequence[IncidentFact],
        gone: Iterable[str] = (),
    ) -> None:
        """In the caller's transaction, with the facts it writes: delete the stored ``others`` (a full
        sync of PagerDuty as it is now would not store them) and keep pending exactly the open ones."""
        delete_incidents(conn, others)
        settled = {fact.incident_id for fact in collected} | {fact.incident_id for fact in others} | set(gone)
        still_open = {fact.incident_id for fact in others if fact.status != "resolved"}
        if not still_open and not settled & self._pending(conn):
            return  # nothing to change: the common case, a page of collected incidents, nothing pending
        # Two collectors of the same services must not lose each other's changes to the one row.
        lock_scopes(conn, {"cursor:" + "/".join(self.pending_cursor)})
        before = self._pending(conn)
        after = (before - settled) | still_open
        if after == before:
            return
        if after:
            cursors.write(conn, self.pending_cursor, json.dumps(sorted(after)))
        else:
            cursors.delete(conn, self.pending_cursor)

    def run(self) -> PagerDutySyncReport:
        if not self.service_ids:
            # Without service_ids[] PagerDuty lists every service of the account; SPEC §4 collects only
            # the owned and configured ones.
            self._warn("no PagerDuty services to collect (ownership map and pagerduty.service_ids are empty)")
            return self.report
        self.sync_new()
        self.reread_open()
        return self.report
