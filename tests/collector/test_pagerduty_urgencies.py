"""PagerDuty incidents whose urgency changes while open, with only ``high`` collected.

SPEC §5: an incremental sync stores exactly what a full sync (a fresh store) of the same PagerDuty state
stores. A full sync lists each incident in its urgency of the moment; the incremental one lists only
after its cursor, so an incident escalated (or de-escalated) behind the cursor must be caught by its
re-read by id. Each scenario states by hand what both stores hold, and which ids stay pending (open in an
urgency not collected, read again by id on every sync).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from collector import cursors
from collector.cursors import pending_incidents_cursor
from collector.pagerduty_sync import PagerDutySync, PagerDutySyncReport
from collector.sources.pagerduty import PagerDutyClient
from collector.sources.retry import RetryPolicy
from store import schema
from store.engine import open_store
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator, iso

SERVICE = "PURGENT"
COLLECTED = ["high"]
Row = tuple[str, str | None, str, datetime | None]


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 6, 1, tzinfo=UTC) + timedelta(days=day, hours=hour, minutes=minute)


def naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


SINCE = at(0)


class Killed(BaseException):
    """What a SIGKILL does to the sync: it stops between two requests, mid-work."""


class KilledClient(PagerDutyClient):
    """Dies right after the ``die_at``-th request is answered, before the sync sees the answer."""

    def __init__(self, *args: Any, die_at: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.die_at = die_at
        self.answered = 0

    def _get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        body = super()._get(path, params)
        self.answered += 1
        if self.answered == self.die_at:
            raise Killed(f"killed after request {self.answered}: {path}")
        return body


class World:
    """The emulated PagerDuty and the syncs of one service, ``high`` only."""

    def __init__(self, emulator: PagerDutyEmulator, tmp_path: Path) -> None:
        self.emulator = emulator
        self.dataset = emulator.dataset
        self.tmp_path = tmp_path
        self.engines: list[Engine] = []

    def engine(self, name: str) -> Engine:
        engine = open_store(f"duckdb:///{self.tmp_path}/{name}.duckdb")
        self.engines.append(engine)
        return engine

    def client(self, die_at: int | None = None) -> PagerDutyClient:
        args = (self.emulator.base_url, "test-token")
        retry = RetryPolicy(sleep=lambda _: None)
        if die_at is None:
            return PagerDutyClient(*args, ca_bundle=self.emulator.ca_file, retry=retry)
        return KilledClient(*args, ca_bundle=self.emulator.ca_file, retry=retry, die_at=die_at)

    def sync(self, engine: Engine, now: datetime, die_at: int | None = None) -> PagerDutySyncReport:
        with self.client(die_at) as client:
            return PagerDutySync(
                engine, client, since=SINCE, now=now, service_ids=[SERVICE], urgencies=COLLECTED
            ).run()

    def full(self, now: datetime) -> list[Row]:
        """What a first sync, on a fresh store, stores of PagerDuty as it is now."""
        engine = self.engine(f"full-{len(self.engines)}")
        self.sync(engine, now)
        return incidents(engine)

    def set_urgency(self, incident_id: str, urgency: str, moment: datetime) -> None:
        self.dataset.incidents[incident_id].payload.update(urgency=urgency, updated_at=iso(moment))

    def set_service(self, incident_id: str, service_id: str, moment: datetime) -> None:
        service = {"id": service_id, "type": "service_reference", "summary": service_id}
        self.dataset.incidents[incident_id].payload.update(service=service, updated_at=iso(moment))

    def by_id_reads(self, incident_id: str) -> int:
        return len(self.emulator.requests_to(rf"^/incidents/{incident_id}$"))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    dataset = PagerDutyDataset(now=at(30))
    dataset.add_service(SERVICE, "Urgent things")
    with PagerDutyEmulator(dataset) as emulator:
        running = World(emulator, tmp_path)
        yield running
        for engine in running.engines:
            engine.dispose()


def incidents(engine: Engine) -> list[Row]:
    t = schema.incidents
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.incident_id, t.c.urgency, t.c.status, t.c.resolved_at).order_by(t.c.incident_id)
        )
        return [(str(r[0]), r[1], str(r[2]), r[3]) for r in rows]


def pending(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return cursors.read(conn, pending_incidents_cursor([SERVICE], COLLECTED))


def dump(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every stored incident and every cursor value (not the instant the cursor was written)."""
    c = schema.sync_cursors.c
    with engine.connect() as conn:
        rows = sorted(tuple(r) for r in conn.execute(select(schema.incidents)))
        values = sorted(tuple(r) for r in conn.execute(select(c.source, c.stream, c.scope, c.value)))
    return rows, values


# ------------------------------------------------------------------------------------------ scenarios


def test_a_low_incident_escalated_while_open_after_the_cursor_passed_it_is_stored(world: World) -> None:
    world.dataset.add_incident("QHIGH", SERVICE, "high", at(1), resolved_at=at(1, 2))
    world.dataset.add_incident("QESC", SERVICE, "escalated later", at(2), urgency="low", status="triggered")
    store = world.engine("incremental")

    world.sync(store, at(3))
    # Listed while low: not stored, but remembered, as it is open and may still be escalated.
    assert incidents(store) == [("QHIGH", "high", "resolved", naive(at(1, 2)))]
    assert pending(store) == '["QESC"]'

    world.set_urgency("QESC", "high", at(4))
    world.sync(store, at(5))  # lists from 3 days less 10 minutes: QESC (created day 2) is behind it
    expected = [("QESC", "high", "triggered", None), ("QHIGH", "high", "resolved", naive(at(1, 2)))]
    assert incidents(store) == world.full(at(5)) == expected
    assert pending(store) is None  # now stored: read again as a stored open incident, not as pending


def test_a_low_incident_escalated_then_resolved_between_two_syncs_is_stored_resolved(world: World) -> None:
    world.dataset.add_incident(
        "QESC", SERVICE, "escalated, then over", at(2), urgency="low", status="triggered"
    )
    store = world.engine("incremental")
    world.sync(store, at(3))
    assert incidents(store) == [] and pending(store) == '["QESC"]'

    world.set_urgency("QESC", "high", at(4))
    world.dataset.resolve("QESC", at(4, 6))
    report = world.sync(store, at(5))

    assert incidents(store) == world.full(at(5)) == [("QESC", "high", "resolved", naive(at(4, 6)))]
    assert pending(store) is None
    assert (report.reread, report.resolved) == (1, 1)
    reads = world.by_id_reads("QESC")
    world.sync(store, at(6))
    assert world.by_id_reads("QESC") == reads  # resolved and stored: never read again


def test_a_high_incident_de_escalated_while_open_is_no_longer_stored(world: World) -> None:
    world.dataset.add_incident("QDOWN", SERVICE, "de-escalated", at(2), status="triggered")
    world.dataset.add_incident("QGONE", SERVICE, "de-escalated, then over", at(2, 1), status="triggered")
    store = world.engine("incremental")
    world.sync(store, at(3))
    assert incidents(store) == [("QDOWN", "high", "triggered", None), ("QGONE", "high", "triggered", None)]

    # A full sync lists both as low now, and stores neither: the incremental store drops them. QDOWN is
    # still open, so it stays pending; QGONE is over and can change no more.
    world.set_urgency("QDOWN", "low", at(4))
    world.set_urgency("QGONE", "low", at(4))
    world.dataset.resolve("QGONE", at(4, 1))
    world.sync(store, at(5))
    assert incidents(store) == world.full(at(5)) == []
    assert pending(store) == '["QDOWN"]'

    # Escalated back: stored again.
    world.set_urgency("QDOWN", "high", at(6))
    world.sync(store, at(7))
    assert incidents(store) == world.full(at(7)) == [("QDOWN", "high", "triggered", None)]
    assert pending(store) is None


def test_an_open_incident_moved_to_a_service_not_collected_is_no_longer_stored(world: World) -> None:
    """Reassigned while open to a service nobody collects, an incident is one a full sync would not list
    (the listing asks for the collected services): the incremental store drops it, and reads it again by
    id while it is open, as a pending one. Moved back, it is stored again; resolved elsewhere, forgotten."""
    world.dataset.add_service("POTHER", "Someone else's")
    world.dataset.add_incident("QMOVE", SERVICE, "moved away and back", at(2), status="triggered")
    world.dataset.add_incident("QLEFT", SERVICE, "moved away, then over", at(2, 1), status="triggered")
    store = world.engine("incremental")
    world.sync(store, at(3))
    assert incidents(store) == [("QLEFT", "high", "triggered", None), ("QMOVE", "high", "triggered", None)]

    for incident_id in ("QMOVE", "QLEFT"):
        world.set_service(incident_id, "POTHER", at(4))
    world.dataset.resolve("QLEFT", at(4, 1))
    world.sync(store, at(5))
    assert incidents(store) == world.full(at(5)) == []
    assert pending(store) == '["QMOVE"]'

    world.set_service("QMOVE", SERVICE, at(6))
    world.sync(store, at(7))
    assert incidents(store) == world.full(at(7)) == [("QMOVE", "high", "triggered", None)]
    assert pending(store) is None


def test_a_low_incident_that_stays_low_and_resolves_is_never_stored_and_no_longer_read(
    world: World,
) -> None:
    world.dataset.add_incident("QQUIET", SERVICE, "low all along", at(2), urgency="low", status="triggered")
    world.dataset.add_incident(
        "QDONE", SERVICE, "low and over", at(2, 1), urgency="low", resolved_at=at(2, 2)
    )
    store = world.engine("incremental")
    world.sync(store, at(3))
    assert incidents(store) == [] and pending(store) == '["QQUIET"]'  # QDONE can change no more

    world.sync(store, at(4))  # still open and low: read again, still pending
    assert world.by_id_reads("QQUIET") == 1 and pending(store) == '["QQUIET"]'

    world.dataset.resolve("QQUIET", at(4, 3))
    world.sync(store, at(5))
    assert incidents(store) == world.full(at(5)) == []
    assert pending(store) is None
    world.sync(store, at(6))
    assert world.by_id_reads("QQUIET") == 2 and world.by_id_reads("QDONE") == 0


def test_a_pending_incident_deleted_from_pagerduty_is_forgotten_with_a_warning(world: World) -> None:
    world.dataset.add_incident("QLOST", SERVICE, "deleted later", at(2), urgency="low", status="triggered")
    store = world.engine("incremental")
    world.sync(store, at(3))
    assert pending(store) == '["QLOST"]'

    world.dataset.delete("QLOST")
    report = world.sync(store, at(5))
    assert pending(store) is None and incidents(store) == world.full(at(5)) == []
    assert [w for w in report.warnings if "QLOST" in w]


def test_the_listing_asks_for_both_urgencies_and_stores_only_the_collected(world: World) -> None:
    world.dataset.add_incident("QHIGH", SERVICE, "high", at(1), resolved_at=at(1, 2))
    world.dataset.add_incident("QLOW", SERVICE, "low", at(1, 3), urgency="low", resolve_log_at=at(1, 4))
    store = world.engine("incremental")
    report = world.sync(store, at(3))
    lists = world.emulator.requests_to(r"^/incidents$")
    assert [r.query["urgencies[]"] for r in lists] == [["high", "low"]]
    assert report.listed == 1 and incidents(store) == [("QHIGH", "high", "resolved", naive(at(1, 2)))]
    # QLOW is resolved without resolved_at, but it is not collected: no log-entry request for it.
    assert world.emulator.requests_to(r"/log_entries$") == []


# ------------------------------------------------------------------------------------------ kills


def build_history(world: World) -> None:
    """Before the first sync (day 3): highs and lows, open and resolved, two pages' worth."""
    for n in range(120):
        urgency = "high" if n % 2 else "low"
        moment = at(1, minute=10 * n)
        is_open = n % 5 == 0
        world.dataset.add_incident(
            f"QOLD{n:03d}",
            SERVICE,
            f"old {n}",
            moment,
            urgency=urgency,
            status="triggered" if is_open else "resolved",
            # Every seventh resolved one only by its log entry: one more request to be killed at.
            resolved_at=None if is_open or n % 7 == 0 else moment + timedelta(hours=1),
            resolve_log_at=moment + timedelta(hours=2) if not is_open and n % 7 == 0 else None,
        )


def change_history(world: World) -> None:
    """Between the syncs (days 3 to 5): urgencies change both ways, some open ones resolve, and new
    incidents of both urgencies arrive behind and past the listing's page size."""
    for n in range(0, 120, 5):  # the open ones: lows pending, highs stored
        incident_id = f"QOLD{n:03d}"
        urgency = world.dataset.incidents[incident_id].payload["urgency"]
        world.set_urgency(incident_id, "low" if urgency == "high" else "high", at(4))
        if n % 3 == 0:
            world.dataset.resolve(incident_id, at(4, 2))
    for n in range(130):
        world.dataset.add_incident(
            f"QNEW{n:03d}",
            SERVICE,
            f"new {n}",
            at(3, 1, minute=10 * n),
            urgency="low" if n % 3 else "high",
            status="triggered" if n % 4 == 0 else "resolved",
            resolved_at=None if n % 4 == 0 else at(4, 23),
        )


def expected_after_changes(world: World) -> tuple[list[Row], list[str]]:
    """By hand from the two functions above: the high incidents, and the open low ones."""
    rows: list[Row] = []
    still_low_open: list[str] = []
    for incident_id, stored in sorted(world.dataset.incidents.items()):
        payload = stored.payload
        is_open = payload["status"] != "resolved"
        if payload["urgency"] == "low":
            if is_open:
                still_low_open.append(incident_id)
            continue
        n = int(incident_id[4:])
        if is_open:
            resolved_at = None
        elif incident_id.startswith("QOLD") and n % 5 == 0:
            resolved_at = at(4, 2)  # resolved after its urgency changed
        elif incident_id.startswith("QOLD"):
            resolved_at = at(1, minute=10 * n) + timedelta(hours=2 if n % 7 == 0 else 1)
        else:
            resolved_at = at(4, 23)
        rows.append((incident_id, "high", payload["status"], naive(resolved_at) if resolved_at else None))
    return rows, still_low_open


@pytest.mark.parametrize("killed_sync", ["first", "second"])
def test_a_sync_killed_after_any_request_resumes_to_the_store_of_an_unbroken_one(
    world: World, tmp_path: Path, killed_sync: str
) -> None:
    build_history(world)
    unbroken = world.engine("unbroken")
    world.sync(unbroken, at(3))
    first_requests = len(world.emulator.requests)
    after_first = tmp_path / "after-first.duckdb"
    unbroken.dispose()
    shutil.copy(tmp_path / "unbroken.duckdb", after_first)
    unbroken = world.engine("unbroken")

    if killed_sync == "first":
        reference = dump(unbroken)
        requests = first_requests
    else:
        change_history(world)
        mark = len(world.emulator.requests)
        world.sync(unbroken, at(5))
        requests = len(world.emulator.requests) - mark
        reference = dump(unbroken)
        rows, low_open = expected_after_changes(world)
        assert incidents(unbroken) == world.full(at(5)) == rows
        assert pending(unbroken) == json.dumps(low_open)
        assert len(rows) > 40 and len(low_open) > 10  # the scenario does what it means to
    assert requests > 5  # two list pages, then log entries (first) or re-reads by id (second)

    for die_at in range(1, requests + 1):
        path = tmp_path / f"killed-{die_at}.duckdb"
        if killed_sync == "second":
            shutil.copy(after_first, path)
        killed = world.engine(path.stem)
        try:
            with pytest.raises(Killed):
                world.sync(killed, at(3) if killed_sync == "first" else at(5), die_at=die_at)
            world.sync(killed, at(3) if killed_sync == "first" else at(5))
            assert dump(killed) == reference, f"killed after request {die_at}"
        finally:
            killed.dispose()
