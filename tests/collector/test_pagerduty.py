"""The PagerDuty collector against the loopback HTTPS emulator, through the real ``pagerduty`` client."""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pagerduty
import pytest
from sqlalchemy import Engine, func, select

from collector.models import IncidentFact
from collector.pagerduty_sync import STREAM, PagerDutySync, PagerDutySyncReport, cursor_scope
from collector.sources.pagerduty import (
    MAX_RANGE,
    OFFSET_CAP,
    OffsetCapError,
    PagerDutyClient,
    classify,
    parse_instant,
)
from collector.sources.retry import RetryPolicy
from store import schema
from store.cursors import read_cursor
from store.engine import open_store
from store.errors import FatalSourceError, TransientSourceError
from tests.emulators.pagerduty import (
    Fault,
    PagerDutyDataset,
    PagerDutyEmulator,
    add_months,
    load_devlake_incidents,
)

ORDERS, PAYMENTS, OTHER = "PORDERS", "PPAYMNT", "POTHERS"
SERVICES = (ORDERS, PAYMENTS)
URGENCIES = ("high", "low")
SINCE = datetime(2025, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
INCIDENTS = r"^/incidents$"


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant ``day`` days after 2026-06-01 (all well inside one 179-day slice of NOW)."""
    return datetime(2026, 6, 1, tzinfo=UTC) + timedelta(days=day, hours=hour, minutes=minute)


class PagerDuty:
    """The emulator plus clients and syncs wired to it, waits recorded instead of slept."""

    def __init__(self, emulator: PagerDutyEmulator) -> None:
        self.emulator = emulator
        self.dataset = emulator.dataset
        self.waits: list[float] = []

    def client(self, token: str = "test-token", max_attempts: int = 8) -> PagerDutyClient:
        policy = RetryPolicy(max_attempts=max_attempts, sleep=self.waits.append)
        return PagerDutyClient(self.emulator.base_url, token, ca_bundle=self.emulator.ca_file, retry=policy)

    def sync(
        self,
        engine: Engine,
        *,
        now: datetime = NOW,
        since: datetime = SINCE,
        services: Sequence[str] = SERVICES,
        urgencies: Sequence[str] = URGENCIES,
        token: str = "test-token",
        max_attempts: int = 8,
        client: PagerDutyClient | None = None,
    ) -> PagerDutySyncReport:
        client = client or self.client(token, max_attempts)
        with client:
            return PagerDutySync(
                engine, client, since=since, now=now, service_ids=services, urgencies=urgencies
            ).run()


@pytest.fixture
def pd() -> Iterator[PagerDuty]:
    dataset = PagerDutyDataset(now=NOW)
    dataset.add_service(ORDERS, "Orders")
    dataset.add_service(PAYMENTS, "Payments")
    dataset.add_service(OTHER, "Someone else's")
    with PagerDutyEmulator(dataset) as emulator:
        yield PagerDuty(emulator)


def new_engine(path: Path) -> Engine:
    return open_store(f"duckdb:///{path}")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = new_engine(tmp_path / "store.duckdb")
    yield engine
    engine.dispose()


def stored(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {row.incident_id: row._asdict() for row in conn.execute(select(schema.incidents))}


def dump(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every stored incident and every cursor value (not the instant the cursor was written)."""
    cursors = schema.sync_cursors
    with engine.connect() as conn:
        incidents = sorted(tuple(row) for row in conn.execute(select(schema.incidents)))
        values = sorted(
            tuple(row)
            for row in conn.execute(
                select(cursors.c.source, cursors.c.stream, cursors.c.scope, cursors.c.value)
            )
        )
    return incidents, values


def cursor(
    engine: Engine, services: Sequence[str] = SERVICES, urgencies: Sequence[str] = URGENCIES
) -> str | None:
    with engine.connect() as conn:
        return read_cursor(conn, "pagerduty", STREAM, cursor_scope(services, urgencies))


def naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def list_ranges(emulator: PagerDutyEmulator) -> list[tuple[datetime, datetime]]:
    return sorted(
        {
            (parse_instant(r.param("since")), parse_instant(r.param("until")))  # type: ignore[misc]
            for r in emulator.requests_to(INCIDENTS)
            if r.status == 200
        }
    )


# ------------------------------------------------------------------------------------ listing


def test_pages_past_100_and_collects_only_the_services_and_urgencies_asked(
    pd: PagerDuty, engine: Engine, tmp_path: Path
) -> None:
    for n in range(230):
        pd.dataset.add_incident(
            f"QORD{n:04d}", ORDERS, f"orders {n}", at(25, minute=5 * n), resolved_at=at(26)
        )
    pd.dataset.add_incident("QPAY0001", PAYMENTS, "payments", at(3), urgency="low", resolved_at=at(3, 1))
    pd.dataset.add_incident("QOTHER01", OTHER, "not ours", at(3), resolved_at=at(3, 1))

    report = pd.sync(engine)

    rows = stored(engine)
    assert len(rows) == 231 and "QOTHER01" not in rows
    assert report.listed == 231
    pages = [r for r in pd.emulator.requests_to(INCIDENTS) if r.param("until") == "2026-06-30T12:00:00Z"]
    assert [(r.param("offset"), r.param("limit")) for r in pages] == [
        ("0", "100"),
        ("100", "100"),
        ("200", "100"),
    ]
    assert pages[0].query["service_ids[]"] == sorted(SERVICES)
    assert pages[0].query["urgencies[]"] == ["high", "low"]
    # ``total`` only where it decides whether to split: the first page of a range.
    assert [r.param("total") for r in pages] == ["true", "false", "false"]
    assert all(r.headers["authorization"] == "Token token=test-token" for r in pd.emulator.requests)

    high_only = new_engine(tmp_path / "high-only.duckdb")
    try:
        pd.sync(high_only, urgencies=["high"])
        assert "QPAY0001" not in stored(high_only) and len(stored(high_only)) == 230
    finally:
        high_only.dispose()


def test_a_range_longer_than_six_months_is_listed_in_slices(pd: PagerDuty, engine: Engine) -> None:
    # One incident a fortnight over 18 months (the last on 2026-06-17).
    created = [SINCE + timedelta(days=14 * n, hours=3) for n in range(39)]
    for n, moment in enumerate(created):
        pd.dataset.add_incident(
            f"QSLICE{n:02d}", ORDERS, f"slice {n}", moment, resolved_at=moment + timedelta(hours=1)
        )

    pd.sync(engine)

    assert len(stored(engine)) == 39
    ranges = list_ranges(pd.emulator)
    assert len(ranges) == 4  # 546 days in ranges of at most 179
    assert ranges[0][0] == SINCE and ranges[-1][1] == NOW
    assert all(until - since <= MAX_RANGE for since, until in ranges)
    assert all(ranges[i][1] == ranges[i + 1][0] for i in range(len(ranges) - 1))  # no gap, no overlap
    assert not [r for r in pd.emulator.requests if r.status != 200]
    assert cursor(engine) == "2026-06-30T12:00:00Z"


def test_the_emulator_refuses_a_range_longer_than_six_months_as_pagerduty_does(pd: PagerDuty) -> None:
    with pagerduty.RestApiV2Client(
        "test-token",
        base_url=pd.emulator.base_url,
        verify=ssl.create_default_context(cafile=pd.emulator.ca_file),
    ) as raw:
        since = datetime(2025, 8, 31, tzinfo=UTC)
        ok = raw.get(
            "/incidents", params={"since": since.isoformat(), "until": add_months(since, 6).isoformat()}
        )
        refused = raw.get(
            "/incidents",
            params={
                "since": since.isoformat(),
                "until": (add_months(since, 6) + timedelta(seconds=1)).isoformat(),
            },
        )
    assert ok.status_code == 200
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == 2001


def test_more_than_10000_incidents_in_one_range_are_split_none_lost_none_twice(pd: PagerDuty) -> None:
    count = OFFSET_CAP + 150
    # Cheap to build: one every 3 minutes from June 1st, about 21 days.
    for n in range(count):
        pd.dataset.add_incident(f"QBULK{n:05d}", ORDERS, "bulk", at(0, minute=3 * n), resolved_at=at(25))

    with pd.client() as client:
        items = client.incidents(SERVICES, URGENCIES, at(0), at(29))

    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) == count
    assert set(ids) == set(pd.dataset.incidents)
    requests = pd.emulator.requests_to(INCIDENTS)
    assert all(r.status == 200 for r in requests)  # never a 400 from the offset cap
    assert max(int(r.param("offset") or 0) + int(r.param("limit") or 0) for r in requests) <= OFFSET_CAP
    assert len(list_ranges(pd.emulator)) == 3  # the whole range (total > 10,000), then its two halves


def test_the_offset_cap_answer_is_pagerdutys_and_is_recognised(pd: PagerDuty) -> None:
    with pagerduty.RestApiV2Client(
        "test-token",
        base_url=pd.emulator.base_url,
        verify=ssl.create_default_context(cafile=pd.emulator.ca_file),
    ) as raw:
        assert raw.get("/incidents", params={"offset": 9900, "limit": 100}).status_code == 200
        with pytest.raises(pagerduty.HttpError) as refused:
            raw.jget("/incidents", params={"offset": 9901, "limit": 100})
    assert refused.value.response is not None
    body = refused.value.response.json()
    assert body["error"]["code"] == 2002
    assert body["error"]["errors"][0].startswith("Offset+limit exceeds maximum allowed value of 10000")
    assert isinstance(classify(refused.value), OffsetCapError)


# ------------------------------------------------------------------------------------ faults


def seed(pd: PagerDuty, count: int = 5) -> None:
    for n in range(count):
        pd.dataset.add_incident(f"QSEED{n:03d}", ORDERS, f"seed {n}", at(n + 1), resolved_at=at(n + 1, 2))


@pytest.mark.parametrize(
    ("fault", "wait"), [(Fault.rate_limited(reset=17), 17.0), (Fault.rate_limited(), 1.0)]
)
def test_a_429_is_waited_out_once(pd: PagerDuty, engine: Engine, fault: Fault, wait: float) -> None:
    seed(pd)
    pd.emulator.inject(INCIDENTS, fault)

    pd.sync(engine)

    # With ratelimit-reset the wait is what PagerDuty asked; without, the policy's first backoff.
    assert pd.waits == [wait]
    # The client itself did not retry (it would have, forever and really sleeping): one 429, then ours.
    assert [r.status for r in pd.emulator.requests_to(INCIDENTS)][:2] == [429, 200]
    assert len(stored(engine)) == 5


def test_a_burst_of_5xx_is_retried_with_backoff(pd: PagerDuty, engine: Engine) -> None:
    seed(pd)
    pd.emulator.inject(INCIDENTS, Fault.server_error(503), times=3)
    pd.emulator.inject(INCIDENTS, Fault.connection_reset())

    pd.sync(engine)

    assert pd.waits == [1.0, 2.0, 4.0, 8.0]
    assert len(stored(engine)) == 5


def test_a_5xx_burst_longer_than_the_attempts_stops_the_sync_with_nothing_moved(
    pd: PagerDuty, engine: Engine
) -> None:
    seed(pd)
    pd.emulator.inject(INCIDENTS, Fault.server_error(502), times=3)

    with pytest.raises(TransientSourceError) as stopped:
        pd.sync(engine, max_attempts=3)

    assert stopped.value.status == 502
    assert stored(engine) == {} and cursor(engine) is None
    pd.sync(engine)  # the next scheduled sync simply succeeds
    assert len(stored(engine)) == 5


def test_a_bad_token_stops_with_a_clear_error_and_writes_nothing(pd: PagerDuty, engine: Engine) -> None:
    seed(pd)

    with pytest.raises(FatalSourceError) as stopped:
        pd.sync(engine, token="wrong-token")

    message = str(stopped.value)
    assert message == "PagerDuty rejected the token (401 Unauthorized): check pagerduty.token"
    assert "wrong-token" not in message and "\n" not in message
    assert stopped.value.status == 401
    assert pd.waits == [] and len(pd.emulator.requests) == 1
    assert stored(engine) == {} and cursor(engine) is None


def test_a_401_in_the_middle_of_a_range_keeps_the_cursor_behind_it(pd: PagerDuty, engine: Engine) -> None:
    # The first page has resolved_at everywhere; the second needs log entries, and meets a 401.
    for n in range(100):
        pd.dataset.add_incident(f"QMID{n:04d}", ORDERS, "mid", at(1, minute=n), resolved_at=at(3))
    for n in range(100, 150):
        pd.dataset.add_incident(f"QMID{n:04d}", ORDERS, "mid", at(1, minute=n), resolve_log_at=at(3))
    pd.emulator.inject(r"/log_entries$", Fault.unauthorized())

    with pytest.raises(FatalSourceError, match=r"pagerduty\.token"):
        pd.sync(engine, since=at(0))

    # The first page is stored (an upsert a resumed sync repeats), but the range is not done.
    assert len(stored(engine)) == 100 and cursor(engine) is None


def test_an_http_base_url_is_a_configuration_error(pd: PagerDuty) -> None:
    with pytest.raises(FatalSourceError, match=r"pagerduty\.base_url"):
        PagerDutyClient("http://127.0.0.1:1", "test-token")


# ------------------------------------------------------------------------------------ resolution


def test_resolved_at_falls_back_to_the_resolve_log_entry_then_the_last_status_change(
    pd: PagerDuty, engine: Engine
) -> None:
    add = pd.dataset.add_incident
    add("QFIELD", ORDERS, "has resolved_at", at(1), resolved_at=at(1, 2), last_status_change_at=at(1, 3))
    add(
        "QLOG",
        ORDERS,
        "resolve log entry only",
        at(2),
        resolve_log_at=at(2, 4),
        last_status_change_at=at(2, 5),
    )
    add("QCHANGE", ORDERS, "last status change only", at(3), last_status_change_at=at(3, 6))
    add("QOPEN", ORDERS, "still open", at(4), status="acknowledged", last_status_change_at=at(4, 1))

    pd.sync(engine)

    rows = stored(engine)
    assert rows["QFIELD"]["resolved_at"] == naive(at(1, 2))
    assert rows["QLOG"]["resolved_at"] == naive(at(2, 4))
    assert rows["QCHANGE"]["resolved_at"] == naive(at(3, 6))
    assert rows["QOPEN"]["resolved_at"] is None and rows["QOPEN"]["status"] == "acknowledged"
    assert {r.path for r in pd.emulator.requests_to(r"/log_entries$")} == {
        "/incidents/QLOG/log_entries",
        "/incidents/QCHANGE/log_entries",
    }


def test_an_open_incident_is_read_again_until_it_is_resolved(pd: PagerDuty, engine: Engine) -> None:
    pd.dataset.add_incident("QOPEN", ORDERS, "database down", at(1), status="triggered")
    pd.dataset.add_incident("QDONE", ORDERS, "already over", at(1, 1), resolved_at=at(1, 2))
    first_now = at(5)
    pd.sync(engine, now=first_now)
    assert stored(engine)["QOPEN"]["resolved_at"] is None

    # Still open at the next sync: read again by id, though it lies before the listed range.
    pd.sync(engine, now=at(6))
    assert [r.path for r in pd.emulator.requests_to(r"^/incidents/Q")] == ["/incidents/QOPEN"]

    # Resolved without resolved_at in the payload: the resolve log entry gives the instant.
    pd.dataset.resolve("QOPEN", at(6, 7), resolved_at_field=False)
    report = pd.sync(engine, now=at(7))
    row = stored(engine)["QOPEN"]
    assert (row["status"], row["resolved_at"]) == ("resolved", naive(at(6, 7)))
    assert report.reread == 1 and report.resolved == 1

    before = len(pd.emulator.requests_to(r"^/incidents/Q"))
    pd.sync(engine, now=at(8))
    assert len(pd.emulator.requests_to(r"^/incidents/Q")) == before  # resolved: no longer read


# ------------------------------------------------------------------------------------ idempotence


def test_two_syncs_store_each_incident_once(pd: PagerDuty, engine: Engine) -> None:
    for n in range(120):
        pd.dataset.add_incident(
            f"QTWICE{n:03d}",
            PAYMENTS,
            "twice",
            SINCE + timedelta(days=4 * n),
            resolved_at=SINCE + timedelta(days=4 * n, hours=1),
        )
    pd.dataset.add_incident("QLATE", ORDERS, "late", NOW - timedelta(minutes=2), status="triggered")

    pd.sync(engine)
    first = dump(engine)
    listed_before = len(pd.emulator.requests_to(INCIDENTS))
    report = pd.sync(engine, now=NOW + timedelta(minutes=30))

    assert dump(engine)[0] == first[0]
    assert cursor(engine) == "2026-06-30T12:30:00Z"
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(schema.incidents)).scalar_one()
        keys = conn.execute(select(func.count(func.distinct(schema.incidents.c.incident_id)))).scalar_one()
    assert rows == keys == 121
    # The second sync lists only the overlap up to the new now: one request.
    assert len(pd.emulator.requests_to(INCIDENTS)) - listed_before == 1
    assert report.listed == 1 and report.reread == 0  # QLATE came with the listing, not re-read


class KilledClient(PagerDutyClient):
    """Dies (as a killed process would) before parsing the ``die_at``-th incident."""

    def __init__(self, *args: Any, die_at: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.die_at = die_at
        self.parsed = 0

    def to_fact(self, item: dict[str, Any]) -> IncidentFact:
        self.parsed += 1
        if self.parsed == self.die_at:
            raise KeyboardInterrupt("killed")
        return super().to_fact(item)


@pytest.mark.parametrize("die_at", [1, 150, 255])
def test_an_interrupted_sync_resumes_to_the_same_data(pd: PagerDuty, tmp_path: Path, die_at: int) -> None:
    # 260 incidents over 390 days: three slices, pages of 100 and the rest. Some are open, some
    # lack resolved_at (a log-entry request each), so a kill can land between any two requests.
    for n in range(260):
        moment = SINCE + timedelta(days=n * 1.5)
        is_open, by_log = n % 17 == 0, n % 5 == 0
        pd.dataset.add_incident(
            f"QKILL{n:04d}",
            ORDERS if n % 2 else PAYMENTS,
            f"kill {n}",
            moment,
            status="triggered" if is_open else "resolved",
            resolved_at=None if is_open or by_log else moment + timedelta(hours=1),
            resolve_log_at=moment + timedelta(hours=2) if by_log and not is_open else None,
        )
    reference = new_engine(tmp_path / "reference.duckdb")
    resumed = new_engine(tmp_path / "resumed.duckdb")
    try:
        pd.sync(reference)
        killed = KilledClient(
            pd.emulator.base_url, "test-token", ca_bundle=pd.emulator.ca_file, die_at=die_at
        )
        with pytest.raises(KeyboardInterrupt):
            pd.sync(resumed, client=killed)
        pd.sync(resumed)
        assert dump(resumed) == dump(reference)
        assert len(dump(resumed)[0]) == 260
    finally:
        reference.dispose()
        resumed.dispose()


# ------------------------------------------------------------------------------------ real payloads


def test_the_devlake_recorded_incidents_parse(pd: PagerDuty, engine: Engine) -> None:
    ids = load_devlake_incidents(pd.dataset)
    assert ids == ["Q3YON8WNWTZMRQ", "Q3CZAU7Q4008QD", "Q1OHFWFP3GPXOG"]

    pd.sync(
        engine,
        services=["PIKL83L"],
        since=datetime(2022, 10, 1, tzinfo=UTC),
        now=datetime(2022, 12, 1, tzinfo=UTC),
    )

    rows = stored(engine)
    crash, slow, spam = (rows[i] for i in ids)
    assert (crash["status"], crash["started_at"], crash["resolved_at"]) == (
        "triggered",
        datetime(2022, 11, 3, 6, 23, 6),
        None,
    )
    assert (slow["status"], slow["started_at"], slow["resolved_at"]) == (
        "acknowledged",
        datetime(2022, 11, 3, 6, 44, 28),
        None,
    )
    # No resolved_at in the payload: its resolve log entry says 06:51:44.
    assert (spam["status"], spam["started_at"], spam["resolved_at"]) == (
        "resolved",
        datetime(2022, 11, 3, 6, 45, 36),
        datetime(2022, 11, 3, 6, 51, 44),
    )
    assert (spam["title"], spam["urgency"], spam["service"]) == ("Spamming logs", "low", "PIKL83L")
    assert crash["updated_at"] == datetime(2022, 11, 3, 7, 2, 36)  # last_status_change_at stands in


def test_a_long_service_list_goes_in_chunks_and_the_cursor_waits_for_the_last(
    pd: PagerDuty, engine: Engine
) -> None:
    services = [f"PSVC{n:03d}" for n in range(120)]
    for n, service in enumerate(services):
        pd.dataset.add_service(service, service)
        pd.dataset.add_incident(
            f"QSVC{n:03d}", service, f"incident {n}", at(10, minute=n), resolved_at=at(11)
        )
    report = pd.sync(engine, services=services)
    assert report.listed == 120 and len(stored(engine)) == 120
    lists = [r for r in pd.emulator.requests_to(INCIDENTS) if r.status == 200]
    sizes = [len(r.query["service_ids[]"]) for r in lists]
    assert sizes == [50, 50, 20] * 4  # 18 months from SINCE: four slices of at most 179 days, 3 chunks each
    assert sorted(s for r in lists[:3] for s in r.query["service_ids[]"]) == sorted(
        services
    )  # each once a slice
    assert cursor(engine, services) is not None


def test_an_interrupted_chunked_listing_leaves_the_cursor_where_it_was(pd: PagerDuty, engine: Engine) -> None:
    services = [f"PSVC{n:03d}" for n in range(60)]
    for n, service in enumerate(services):
        pd.dataset.add_service(service, service)
        pd.dataset.add_incident(
            f"QSVC{n:03d}", service, f"incident {n}", at(10, minute=n), resolved_at=at(11)
        )

    class RefusesTheSecondChunk(PagerDutyClient):
        def _incident_list(self, service_ids: Sequence[str], *args: Any, **kwargs: Any) -> Any:
            if service_ids and service_ids[0] == services[50]:
                raise FatalSourceError("refused", source="pagerduty")
            return super()._incident_list(service_ids, *args, **kwargs)

    failing = RefusesTheSecondChunk(pd.emulator.base_url, "test-token", ca_bundle=pd.emulator.ca_file)
    with pytest.raises(FatalSourceError):
        pd.sync(engine, services=services, client=failing, since=at(0))  # one slice
    assert len(stored(engine)) == 50  # the first chunk is kept…
    assert cursor(engine, services) is None  # …but the range is not done until every chunk is
    pd.sync(engine, services=services, since=at(0))
    assert len(stored(engine)) == 60 and cursor(engine, services) is not None
