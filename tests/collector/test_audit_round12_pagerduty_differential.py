"""Audit, round 12: PagerDuty incident collection, differential over seeded random worlds.

Audited (SPEC §3 ``pagerduty``: ``urgencies``, ``service_ids``, ``since``; §4 which services are
collected; §5 "re-syncing updates it in place: running a sync twice never adds a row"; §5.4 first bullet;
§6 windows, §6.2 ``incidents`` / ``time_to_restore_hours_p50``/``_p90``, §6.3 recovery band fallback;
§6.4 JSON; §9 PagerDuty's 10,000-offset cap "split the date range"): the real CLI, in process
(``tests.github_scenarios.run_cli`` → ``doraspace.cli.main`` at a fixed ``now``), ``doraspace collect
--source pagerduty`` against the loopback HTTPS PagerDuty emulator (``tests/emulators/pagerduty.py``,
test-made CA given as ``pagerduty.ca_bundle``), a DuckDB file store read back with plain SQLAlchemy over
``store.schema.incidents``, then ``doraspace metrics --format json --as-of <sync instant>``.

A world (``generate(seed)``): collected services owned through ``teams:`` (1–3, over one or two
teams; now and then one of them also named in ``service_ids``), one service named only in
``pagerduty.service_ids`` (team ``unowned``), and one service nobody owns or lists (``PXOTHER``: never
listed, its incidents never read). 5–40 incidents each: created from 15 days before ``pagerduty.since``
(2026-05-01) up to sync 1 (T1 = 2026-06-10 12:00); urgency high/low (config ``urgencies`` ``[high, low]``
or ``[high]``); status triggered / acknowledged / resolved; a resolved one carries ``resolved_at`` or
not, a resolve log entry or not (up to 30 min after ``resolved_at``), and a ``last_status_change_at`` at
or up to 2 h after it, so the three sources of §5.4 give different instants. Boundary incidents in
every world (``add_edges``): created exactly at ``since`` and 1 s before it, exactly at T1, exactly at
T2 − 7 d, resolved exactly at T2 − 30 d and exactly at T2. Between sync 1 and sync 2 (T2 = T1 + 2–3
days) PagerDuty changes: open incidents resolved (same variants), open incidents' urgency flipped
(escalated into ``[high]`` from pending, de-escalated out of it), open incidents of a collected service
moved to another collected service (maybe another team) or to ``PXOTHER``, new incidents on every
service. Then sync 2, and for odd seeds sync 2 again at the same instant (§5 idempotence; half the
seeds only, for the time budget).

Independent reference (plain Python, below): after sync k the store holds exactly the incidents PagerDuty
has then with ``created_at`` in ``[since, Tk)``, a collected service and a configured urgency, each with
its current service, urgency, status, started_at = ``created_at`` and resolved_at = ``resolved_at``, else
the resolve log entry's ``created_at``, else ``last_status_change_at`` when status is resolved (§5.4).
After sync 2, ``metrics --format json --as-of T2`` per team (``*``, the teams, ``unowned``) and window
(7d, 30d): ``incidents`` started in ``(T2 − N, T2]``; restore p50/p90 = ``percentile_cont`` over
resolved − started of the incidents resolved in the window (null if none); ``deployments`` 0; the
recovery band from the 30d restore p50 (no failed deployment: §6.3 fallback; < 1 h elite, < 24 h high,
< 168 h medium, else low). Also: no request answered other than 200, ``PXOTHER`` in no listing.

Readings taken:

* The changes are limited to those docs/operations.md says an incremental sync follows as a fresh one
  does: only open incidents change (PagerDuty changes no resolved incident's urgency or service), and
  none moves out of ``PXOTHER`` into a collected service (documented as not collected by an
  incremental sync, "a PagerDuty incident reassigned into a collected service after the listing passed
  its creation"). So the reference is "a fresh sync of PagerDuty as it is at Tk".
* An open incident carries no ``resolved_at`` and no resolve log entry (PagerDuty does not reopen), so
  the "when status is resolved" of §5.4 never has to decide between branches for an open one.
* A sync at ``now`` lists ``[since, now)`` (docs/configuration.md "incidents created at or after
  it"); an incident created exactly at ``now`` is left to the next sync (SPEC is silent; it is what a
  fresh sync at that instant would store too).

Offset cap: the emulator models it (offset + limit past 10,000 → 400, code 2002). The cap world
(``SEED_CAP``) adds 10,050 resolved incidents (``resolved_at`` set, ~5 % ``high``, the rest ``low``:
listed, since the collector lists every urgency, but not stored under ``urgencies: [high]``) on one
collected service, so sync 1's range [since, T1) holds more than 10,000: checked that no request was
refused, that the range was listed in halves and never past offset 10,000, that sync 2 resumed from
T1 (less the overlap), and that store and metrics hold every incident once.

Seeds in the suite: ``SEEDS`` (8) plus ``SEED_CAP``, kept to 8 for the 20 s budget (the cap world alone
costs ~4 s of CPU). Run by hand besides with this module's ``run_world`` (2026-12-07): seeds 0–59
(52 more than the suite), and the cap world for seeds 1003, 1005 and 1006: all agreed. Mutations of the
reference (resolve log before ``resolved_at``; ``last_status_change_at`` only; closed windows;
``since`` exclusive or ``now`` inclusive; nearest-rank percentiles) were each caught by seeds 2 and 3.
No product disagreement found: no DEFECT test here.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from store import schema
from store.engine import open_store
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator, iso
from tests.github_scenarios import approx, run_cli

TOKEN_VARIABLE = "AUDIT_R12_PDDIFF_TOKEN"
TOKEN = "audit-r12-pd-diff-token"
SINCE = datetime(2026, 5, 1, tzinfo=UTC)
T1 = datetime(2026, 6, 10, 12, tzinfo=UTC)
WINDOWS = (7, 30)
UNOWNED = "PUNOWNED"
OTHER = "PXOTHER"
OWNED = ("PSVCA", "PSVCB", "PSVCC")
SEEDS = (1, 2, 3, 4, 5, 6, 7, 8)
SEED_CAP = 1000
CAP_BULK = 10_050


# ----------------------------------------------------------------------------------- the model


@dataclass
class Incident:
    """One PagerDuty incident as the reference sees it (whole-second UTC instants)."""

    incident_id: str
    service: str
    urgency: str
    status: str
    created_at: datetime
    last_change: datetime
    resolved_field: datetime | None = None
    resolve_log: datetime | None = None

    def resolved_at(self) -> datetime | None:
        """SPEC §5.4: resolved_at, else its resolve log entry's created_at, else last_status_change_at
        when status is resolved."""
        if self.resolved_field is not None:
            return self.resolved_field
        if self.status == "resolved" and self.resolve_log is not None:
            return self.resolve_log
        if self.status == "resolved":
            return self.last_change
        return None


@dataclass
class World:
    seed: int
    teams: dict[str, list[str]]
    urgencies: list[str]
    incidents: dict[str, Incident] = field(default_factory=dict)
    t2: datetime = T1
    listed_too: list[str] = field(default_factory=list)  # owned services also in service_ids

    @property
    def collected(self) -> list[str]:
        return sorted({s for services in self.teams.values() for s in services} | {UNOWNED})

    def team_of(self, service: str) -> str:
        for team, services in self.teams.items():
            if service in services:
                return team
        return "unowned"


def seconds(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(seconds=rng.randint(int(low), int(high)))


def add(dataset: PagerDutyDataset, world: World, incident: Incident) -> None:
    """Write ``incident`` into the emulator (and the model), as PagerDuty shapes it."""
    dataset.add_incident(
        incident.incident_id,
        incident.service,
        f"alert {incident.incident_id}",
        incident.created_at,
        urgency=incident.urgency,
        status=incident.status,
        resolved_at=incident.resolved_field,
        last_status_change_at=incident.last_change,
        resolve_log_at=incident.resolve_log,
    )
    world.incidents[incident.incident_id] = incident


def random_incident(
    rng: random.Random, incident_id: str, service: str, low: datetime, high: datetime
) -> Incident:
    """An incident created in [low, high) (exactly at ``SINCE`` now and then), resolved before ``high``
    or still open."""
    if low <= SINCE < high and rng.random() < 0.05:
        created = SINCE
    else:
        created = low + seconds(rng, 0, (high - low).total_seconds() - 1)
    urgency = rng.choice(["high", "low"])
    status = rng.choice(["triggered", "acknowledged", "resolved", "resolved"])
    incident = Incident(incident_id, service, urgency, status, created, created)
    if status == "acknowledged":
        incident.last_change = min(created + seconds(rng, 30, 3600), high - timedelta(seconds=1))
    if status == "resolved":
        resolve(rng, incident, created, high)
    return incident


def resolve(rng: random.Random, incident: Incident, after: datetime, before: datetime) -> None:
    """Resolved at R in (after, before); ``resolved_at`` and the resolve log entry each present or not
    (the log entry up to 30 min after R), ``last_status_change_at`` at or up to 2 h after R."""
    latest = before - timedelta(seconds=1)
    moment = min(after + seconds(rng, 60, 3 * 86400), latest)
    if moment <= after:
        moment = after + timedelta(seconds=1)
    incident.status = "resolved"
    incident.resolved_field = moment if rng.random() < 0.5 else None
    incident.resolve_log = min(moment + seconds(rng, 0, 1800), latest) if rng.random() < 0.5 else None
    incident.last_change = min(moment + seconds(rng, 0, 7200), latest) if rng.random() < 0.5 else moment
    incident.last_change = max(incident.last_change, moment)


def generate(seed: int, dataset: PagerDutyDataset) -> World:
    rng = random.Random(seed)
    owned = list(OWNED[: rng.randint(1, 3)])
    teams: dict[str, list[str]] = {}
    for service in owned:
        teams.setdefault(rng.choice(["team-a", "team-b"]), []).append(service)
    urgencies = rng.choice([["high", "low"], ["high"]])
    world = World(seed, teams, urgencies, t2=T1 + seconds(rng, 2 * 86400, 3 * 86400))
    number = 0
    for service in [*owned, UNOWNED, OTHER]:
        for _ in range(rng.randint(5, 40)):
            number += 1
            add(
                dataset,
                world,
                random_incident(rng, f"Q{seed}N{number:04d}", service, SINCE - timedelta(days=15), T1),
            )
    world.listed_too = [owned[-1]] if rng.random() < 0.3 else []
    add_edges(rng, dataset, world)
    return world


def add_edges(rng: random.Random, dataset: PagerDutyDataset, world: World) -> None:
    """Incidents on the boundaries, each on a random collected service, urgency ``high``: created
    exactly at ``since`` (collected: "created at or after it"); created 1 s before ``since`` (never
    collected); created exactly at T1 (not in sync 1's ``[since, T1)``, listed by
    sync 2); started exactly at T2 − 7 d (outside that 7d window, inside the 30d one), resolved 1 h
    later; resolved exactly at T2 − 30 d (outside the 30d window's restore times); and ``EDGE5``, open at
    T1 and resolved exactly at T2 (inside every window: ``(as_of − N, as_of]``)."""
    t2, seed = world.t2, world.seed
    hour = timedelta(hours=1)
    edges = [
        Incident(f"Q{seed}EDGE0", "", "high", "resolved", SINCE, SINCE + hour / 2),
        Incident(
            f"Q{seed}EDGE1", "", "high", "resolved", SINCE - timedelta(seconds=1), SINCE + hour, SINCE + hour
        ),
        Incident(f"Q{seed}EDGE2", "", "high", "triggered", T1, T1),
        Incident(
            f"Q{seed}EDGE3", "", "high", "resolved", t2 - timedelta(days=7), t2 - timedelta(days=7) + hour
        ),
        Incident(
            f"Q{seed}EDGE4", "", "high", "resolved", t2 - timedelta(days=30, hours=2), t2 - timedelta(days=30)
        ),
        Incident(f"Q{seed}EDGE5", "", "high", "acknowledged", T1 - hour, T1 - hour / 2),
    ]
    for edge in edges:
        edge.service = rng.choice(world.collected)
        if edge.status == "resolved":
            edge.resolved_field = edge.last_change
        add(dataset, world, edge)


def change(seed: int, dataset: PagerDutyDataset, world: World) -> None:
    """What happens in PagerDuty between sync 1 (T1) and sync 2 (``world.t2``)."""
    rng = random.Random(seed * 7919 + 1)
    for incident in list(world.incidents.values()):
        if incident.status == "resolved" or incident.incident_id == f"Q{seed}EDGE5":
            continue
        payload = dataset.incidents[incident.incident_id].payload
        if rng.random() < 0.25:
            incident.urgency = "low" if incident.urgency == "high" else "high"
            payload["urgency"] = incident.urgency
        if incident.service != OTHER and rng.random() < 0.2:
            target = rng.choice([s for s in [*world.collected, OTHER] if s != incident.service])
            incident.service = target
            payload["service"] = dict(payload["service"], id=target, summary=target)
        if rng.random() < 0.45:
            resolve(rng, incident, T1, world.t2)
            if incident.resolve_log is not None:
                dataset.resolve(incident.incident_id, incident.resolve_log, resolved_at_field=False)
            payload.update(status="resolved", last_status_change_at=iso(incident.last_change))
            payload.update(updated_at=iso(incident.last_change))
            if incident.resolved_field is not None:
                payload["resolved_at"] = iso(incident.resolved_field)
    edge = world.incidents[f"Q{seed}EDGE5"]
    edge.status, edge.resolved_field, edge.last_change = "resolved", world.t2, world.t2
    dataset.resolve(edge.incident_id, world.t2)
    number = 0
    for service in [*world.collected, OTHER]:
        for _ in range(rng.randint(0, 6)):
            number += 1
            add(dataset, world, random_incident(rng, f"Q{seed}M{number:04d}", service, T1, world.t2))


def add_bulk(dataset: PagerDutyDataset, world: World) -> None:
    """``CAP_BULK`` resolved incidents (``resolved_at`` set) on the first collected service, one every
    3 minutes from since + 1 day, lasting 10 min to 5 h; about one in twenty ``high`` (collected, the
    world's urgencies being ``[high]``), the others ``low``: listed (every urgency is), not stored."""
    assert world.urgencies == ["high"]
    rng = random.Random(4242)
    service = world.collected[0]
    for n in range(CAP_BULK):
        created = SINCE + timedelta(days=1, minutes=3 * n)
        end = created + seconds(rng, 600, 5 * 3600)
        incident = Incident(
            f"QBULK{n:05d}", service, "high" if rng.random() < 0.05 else "low", "resolved", created, end, end
        )
        add(dataset, world, incident)


# ----------------------------------------------------------------------------------- the reference

Row = tuple[str, str, str, datetime, datetime | None]


def expected_store(world: World, now: datetime) -> dict[str, Row]:
    return {
        i.incident_id: (i.service, i.urgency, i.status, i.created_at, i.resolved_at())
        for i in world.incidents.values()
        if SINCE <= i.created_at < now and i.service in world.collected and i.urgency in world.urgencies
    }


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def band(p50: float | None) -> str | None:
    if p50 is None:
        return None
    return "elite" if p50 < 1 else "high" if p50 < 24 else "medium" if p50 < 168 else "low"


def expected_metrics(world: World, now: datetime) -> list[dict[str, Any]]:
    stored = [world.incidents[i] for i in expected_store(world, now)]
    teams = ["*", *sorted({*world.teams, "unowned"})]
    rows = []
    for team in teams:
        mine = [i for i in stored if team == "*" or world.team_of(i.service) == team]
        by_window: dict[int, dict[str, Any]] = {}
        for days in WINDOWS:
            start = now - timedelta(days=days)
            restores = []
            for i in mine:
                resolved = i.resolved_at()
                if resolved is not None and start < resolved <= now:
                    restores.append((resolved - i.created_at).total_seconds() / 3600)
            by_window[days] = {
                "team": team,
                "window": f"{days}d",
                "deployments": 0,
                "incidents": sum(1 for i in mine if start < i.created_at <= now),
                "time_to_restore_hours_p50": percentile(restores, 0.5),
                "time_to_restore_hours_p90": percentile(restores, 0.9),
            }
        recovery = band(by_window[max(WINDOWS)]["time_to_restore_hours_p50"])
        rows += [dict(row, recovery=recovery) for row in by_window.values()]
    return rows


# ----------------------------------------------------------------------------------- the harness


@pytest.fixture(scope="module")
def emulator() -> Iterator[PagerDutyEmulator]:
    with PagerDutyEmulator(PagerDutyDataset(now=T1), token=TOKEN) as pd:
        yield pd


def write_config(world: World, pd: PagerDutyEmulator, directory: Path) -> str:
    team_lines = "".join(
        f"  - {{name: {team}, pagerduty_services: [{', '.join(services)}]}}\n"
        for team, services in sorted(world.teams.items())
    )
    text = (
        f"database:\n  url: duckdb:///{directory}/store.duckdb\n"
        f"pagerduty:\n  base_url: {pd.base_url}\n  token: ${{{TOKEN_VARIABLE}}}\n"
        f"  ca_bundle: {pd.ca_file}\n  since: {SINCE.date().isoformat()}\n"
        f"  urgencies: [{', '.join(world.urgencies)}]\n"
        f"  service_ids: [{', '.join([*world.listed_too, UNOWNED])}]\n"
        f"metrics: {{windows: [{', '.join(f'{d}d' for d in WINDOWS)}]}}\n"
        f"teams:\n{team_lines}"
    )
    path = directory / "doraspace.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def stored(directory: Path) -> tuple[int, dict[str, Row]]:
    """The store's PagerDuty incidents (row count, and by id), read with plain SQLAlchemy."""
    engine = open_store(f"duckdb:///{directory}/store.duckdb")
    try:
        t = schema.incidents
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    t.c.incident_id, t.c.service, t.c.urgency, t.c.status, t.c.started_at, t.c.resolved_at
                ).where(t.c.source == "pagerduty")
            ).all()
    finally:
        engine.dispose()
    by_id: dict[str, Row] = {}
    for r in rows:
        started = utc(r.started_at)
        assert started is not None
        by_id[str(r.incident_id)] = (
            str(r.service),
            str(r.urgency),
            str(r.status),
            started,
            utc(r.resolved_at),
        )
    return len(rows), by_id


def metrics(config: str, now: datetime) -> list[dict[str, Any]]:
    out = run_cli(["metrics", "--config", config, "--format", "json", "--as-of", iso(now)], now=now)
    rows = json.loads(out)
    for row in rows:
        assert row["as_of"] == iso(now)
    return [
        {
            "team": row["team"],
            "window": row["window"],
            "deployments": row["deployments"],
            "incidents": row["incidents"],
            "time_to_restore_hours_p50": row["time_to_restore_hours_p50"],
            "time_to_restore_hours_p90": row["time_to_restore_hours_p90"],
            "recovery": row["bands"]["recovery"],
        }
        for row in rows
    ]


def approximate(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: approx(v) if isinstance(v, float) else v for k, v in row.items()} for row in rows]


def sync_and_check(
    world: World, config: str, directory: Path, now: datetime, *, with_metrics: bool = True
) -> None:
    run_cli(["collect", "--config", config, "--source", "pagerduty"], now=now)
    count, actual = stored(directory)
    expected = expected_store(world, now)
    assert count == len(actual)
    missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    assert (missing, extra) == ([], [])
    wrong = {i: (actual[i], expected[i]) for i in expected if actual[i] != expected[i]}
    assert wrong == {}
    if with_metrics:
        assert metrics(config, now) == approximate(expected_metrics(world, now))


def run_world(
    seed: int,
    emulator: PagerDutyEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    bulk: bool = False,
    again: bool = True,
) -> World:
    monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
    dataset = PagerDutyDataset(now=T1)
    world = generate(seed, dataset)
    if bulk:
        add_bulk(dataset, world)
    emulator.dataset = dataset
    emulator.requests.clear()
    config = write_config(world, emulator, tmp_path)

    sync_and_check(world, config, tmp_path, T1, with_metrics=False)
    first_services = {i.incident_id: i.service for i in world.incidents.values()}
    change(seed, dataset, world)
    sync_and_check(world, config, tmp_path, world.t2)
    # §5: the same sync run again adds no row and changes nothing (the metrics read the same rows).
    if again:
        sync_and_check(world, config, tmp_path, world.t2, with_metrics=False)

    listings = emulator.requests_to(r"^/incidents$")
    assert [r for r in emulator.requests if r.status != 200] == []
    assert all(OTHER not in r.query.get("service_ids[]", []) for r in listings)
    # The uncollected service's own incidents are never read by id (nor their log entries).
    own = {i for i, incident in world.incidents.items() if first_services.get(i, incident.service) == OTHER}
    assert [r.path for r in emulator.requests if r.path.split("/")[2:3] and r.path.split("/")[2] in own] == []
    return world


# ----------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("seed", SEEDS)
def test_random_pagerduty_world_two_syncs_match_the_reference(
    seed: int, emulator: PagerDutyEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_world(seed, emulator, tmp_path, monkeypatch, again=seed % 2 == 1)


def test_a_listing_past_the_offset_cap_is_split_and_every_incident_stored_once(
    emulator: PagerDutyEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SEED_CAP's world plus 10,050 incidents on one collected service: the first range's ``total``
    passes 10,000, so it is listed in halves (SPEC §9), with no 400 and no incident lost or doubled."""
    run_world(SEED_CAP, emulator, tmp_path, monkeypatch, bulk=True, again=False)
    listings = emulator.requests_to(r"^/incidents$")
    ranges = {(r.param("since"), r.param("until")) for r in listings}
    first_sync = [r for r in listings if r.param("since") == iso(SINCE)]
    assert len({r.param("until") for r in first_sync}) >= 2  # [since, T1) and at least one half of it
    assert max(int(r.param("offset") or 0) + int(r.param("limit") or 0) for r in listings) <= 10_000
    assert len(ranges) >= 3
    # Sync 2 resumes from sync 1's cursor (T1, less the 10-minute overlap), not from a half's end.
    early = [
        r for r in listings if datetime.fromisoformat(str(r.param("since"))) < T1 - timedelta(minutes=10)
    ]
    assert all(datetime.fromisoformat(str(r.param("until"))) <= T1 for r in early)
