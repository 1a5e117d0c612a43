"""Audit, round 7: time zones and instant boundaries where two rules meet (SPEC §2 ``--as-of``, §6, §6.1,
§6.2; docs/metrics.md where SPEC leaves a choice). Every expected number is worked out by hand in the
test's docstring.

The facts are written as people and tools write instants: with an offset (``+05:30``, ``-08:00``) or in
a zone with summer time (America/New_York, America/Chicago, America/Los_Angeles, Europe/Berlin). SPEC §6
says "All instants are UTC": an instant is the same whatever zone spells it, a day is 24 hours, and
"N days" before ``as_of`` is N × 24 hours before it, never N calendar days of some wall clock. So the
docstrings convert every instant to UTC first ("= …Z") and reason in UTC; where a wall-clock reading
would give another number, they say which.

2026's changes of summer time: the United States spring forward on Sunday 03-08 at 02:00 (EST −05:00 →
EDT −04:00) and fall back on Sunday 11-01 at 02:00 (PDT −07:00 → PST −08:00); Europe falls back on
Sunday 10-25 at 03:00 CEST (+02:00 → CET +01:00), so Berlin's 02:00–03:00 happens twice that night
(``fold=0``: the first time, CEST; ``fold=1``: the second time, CET).

Team ``order-team`` owns acme/orders (service ``orders``) and PagerDuty service P1 (scenario.py);
attribution window 24 h, benchmarks dora-2023 unless a test says otherwise. A repo's first deployment
(compare ``first``) counts and adds no lead times. DuckDB in memory (one backend keeps the module within
its time budget; the SQL is the same on PostgreSQL and earlier audits run both).

SPEC sentences the scenarios lean on:

* §2 ``--as-of``: "evaluates the windows as of that instant (ISO 8601, UTC if no offset …): facts after
  it are ignored, as if they had not happened yet"; §6 "All instants are UTC. A window ``Nd`` ending at
  ``as_of`` is the half-open interval ``(as_of − N days, as_of]``";
* §6.1 rule 4 (window): "an incident with no explicit link started in ``(F.deployed_at, F.deployed_at +
  attribution_window]`` … and F is the latest deployment of that service before the incident started";
  rule 2 (rollback);
* §6.2 recovery "over failed deployments in the window that have recovered by ``as_of``: from
  F.deployed_at to the earliest of the resolution of an incident that failed it … and the deployed_at of
  its rollback or revert deployment"; restore "over incidents resolved in the window"; rework "… or was
  deployed while an incident of its service was open";
* §6.3 recovery band "falling back to ``time_to_restore_hours_p50`` where the team has no failed
  deployment with a recovery"; bands from the longest window when none is 90 days;
* docs/metrics.md: the sweep puts "an incident before a deployment at the same instant"; a deployment
  at an incident's start is rework, one at its resolution is not; the snapshot's points are its own
  ``as_of``, "the longest window's as of one longest window earlier" and "the end of each of the last
  26 weeks" (``WeeklyPoint``: "one ISO week (Monday 00:00 UTC to the next Monday)").
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from analytics.assembly import assemble_snapshot, week_ends
from analytics.metrics import MetricsResult
from analytics.ownership import OwnershipSettings, TeamClaim
from analytics.settings import AnalyticsSettings
from analytics.snapshot import Snapshot
from analytics.windows import WindowSpec
from doraspace.cli import main
from store import schema
from store.engine import open_store
from store.timeutil import to_db
from tests.analytics.facts import METRIC_KEYS, REPO, Facts, add_incident, bands, sha
from tests.analytics.scenario import (
    TEAM,
    W7,
    W30,
    approx,
    check,
    failed_recovered,
    first,
    rollback,
    rows,
    run,
)

NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")


def zone(hours: float) -> timezone:
    """A fixed offset: ``zone(5.5)`` is +05:30, ``zone(-8)`` is −08:00."""
    return timezone(timedelta(hours=hours))


def utc(month: int, dom: int, hour: float = 0) -> datetime:
    """An instant of 2026 in UTC: ``utc(3, 8, 16.5)`` is 2026-03-08 16:30Z."""
    return datetime(2026, month, dom, tzinfo=UTC) + timedelta(hours=hour)


def local(
    where: tzinfo, month: int, dom: int, hour: int, minute: int = 0, second: int = 0, *, fold: int = 0
) -> datetime:
    """A wall-clock time of 2026 in ``where`` (``fold=1``: the second pass of a repeated hour)."""
    return datetime(2026, month, dom, hour, minute, second, tzinfo=where, fold=fold)


def deploy(facts: Facts, deployed_at: datetime, name: str, authored_at: datetime) -> int:
    """A deployment shipping one direct commit ``sha(name)`` authored at ``authored_at``."""
    commit = facts.commit(sha(name), authored_at)
    return facts.deployment(deployed_at, ships=[commit])


def incident_ids(result: MetricsResult, deployment_id: int) -> tuple[str, ...]:
    (failure,) = [d for d in result.failed_deployments() if d.deployment_id == deployment_id]
    return failure.incident_ids


@pytest.fixture
def facts() -> Iterator[Facts]:
    """A fresh in-memory DuckDB store."""
    built = Facts.in_memory()
    try:
        yield built
    finally:
        built.engine.dispose()


def test_wall_clock_instants_are_checked_as_utc() -> None:
    """The conversions every docstring below relies on (Python's zone database, not the product):
    a guard so that a wrong expectation is not blamed on the product."""
    assert local(NEW_YORK, 3, 7, 12) == utc(3, 7, 17)  # EST −05:00
    assert local(NEW_YORK, 3, 8, 12, 30) == utc(3, 8, 16.5)  # EDT −04:00
    assert local(CHICAGO, 3, 8, 11, 30) == utc(3, 8, 16.5)  # CDT −05:00
    assert local(LOS_ANGELES, 11, 1, 11, 30) == utc(11, 1, 19.5)  # PST −08:00
    # Inside the repeated hour Python compares across zones as unequal (PEP 495): compare in UTC.
    assert local(BERLIN, 10, 25, 2, 45).astimezone(UTC) == utc(10, 25, 0.75)  # CEST, first pass
    assert local(BERLIN, 10, 25, 2, 5, fold=1).astimezone(UTC) == utc(10, 25, 1 + 1 / 12)  # CET, second pass
    assert datetime(2026, 6, 30, 14, 0, 1, tzinfo=zone(14)) == utc(6, 30) + timedelta(seconds=1)


# -- 1. spring forward: a wall-clock day is 23 hours; the attribution window is 24 ---------------------


def test_attribution_window_and_rework_across_spring_forward_with_an_as_of_in_new_york(facts: Facts) -> None:
    """§6.1 rule 4 × §6 "All instants are UTC" × the same instant spelled in two zones × an ``as_of``
    given in New York whose 7-day window starts before the change of time.

    as_of = 2026-03-09 20:00 New York (EDT) = 03-10 00:00Z. 7d = (03-03 00:00Z, 03-10 00:00Z] (N × 24 h
    in UTC: 03-02 19:00 EST; seven wall-clock days back would be 03-02 20:00 EST = 03-03 01:00Z);
    30d = (02-08 00:00Z, 03-10 00:00Z].

    * D0, first: 03-02 19:30 EST = 03-03 00:30Z → inside 7d (outside a wall-clock week).
    * F: 03-07 12:00 EST = 17:00Z, ships f authored 03-07 08:00 PST (LA, −08:00) = 16:00Z → lead 1 h.
    * I1 (P1): 03-08 12:30 EDT = 16:30Z, 23.5 h after F (24.5 h on the wall clock) → inside F's window
      (03-07 17:00Z, 03-08 17:00Z]: F failed. Resolved 12:45 EDT = 16:45Z: restore 0.25 h; F recovers
      at 16:45Z → 23.75 h.
    * G: 03-08 11:30 Chicago (CDT) = 16:30Z, the very instant I1 starts, ships g authored 03-08 08:30
      PDT = 15:30Z → lead 1 h. The sweep puts the incident first: F is the latest deployment before I1,
      and I1 (not after G) does not fail G. G is deployed at I1's start → rework.
    * I2 (P1): 03-09 12:30 EDT = 16:30Z = G + 24 h exactly → the window's closed end: G failed. Resolved
      13:00 EDT = 17:00Z: restore 0.5 h; G recovers in 24.5 h. I2 is 47.5 h after F: nothing for F.

    7d: D0, F, G → 3, 3/7 a day; leads 1, 1 → p50 1, p90 1; CFR 2/3; recovery 23.75, 24.5 → p50 24.125;
    incidents 2; restore 0.25, 0.5 → p50 0.375, p90 0.25 + 0.9 × 0.25 = 0.475; rework G → 1/3.
    30d: the same three → 3/30 = 0.1 a day, the rest as 7d.
    Bands (30d, the longest): 0.1/day ≥ 1/30 but < 1/7 → medium; 1 h → elite; 67 % → low; 24.125 h is
    not < 1 day, < 1 week → medium.
    """
    first(facts, local(NEW_YORK, 3, 2, 19, 30))
    f = deploy(facts, local(NEW_YORK, 3, 7, 12), "f", local(LOS_ANGELES, 3, 7, 8))
    add_incident(facts, "I1", local(NEW_YORK, 3, 8, 12, 30), resolved_at=local(NEW_YORK, 3, 8, 12, 45))
    g = deploy(facts, local(CHICAGO, 3, 8, 11, 30), "g", local(LOS_ANGELES, 3, 8, 8, 30))
    add_incident(facts, "I2", local(NEW_YORK, 3, 9, 12, 30), resolved_at=local(NEW_YORK, 3, 9, 13))

    result = run(facts, windows=(W7, W30), as_of=local(NEW_YORK, 3, 9, 20))

    assert failed_recovered(result) == {
        f: (("window",), utc(3, 8, 16.75)),
        g: (("window",), utc(3, 9, 17)),
    }
    assert incident_ids(result, f) == ("pagerduty:I1",)
    assert incident_ids(result, g) == ("pagerduty:I2",)
    found = rows(result)
    common = {
        "deployments": 3,
        "lead_time_hours_p50": 1.0,
        "lead_time_hours_p90": 1.0,
        "change_failure_rate": 2 / 3,
        "failed_deployment_recovery_hours_p50": 24.125,
        "incidents": 2,
        "time_to_restore_hours_p50": 0.375,
        "time_to_restore_hours_p90": 0.475,
        "rework_rate": 1 / 3,
        "bands": bands("medium", "elite", "low", "medium"),
    }
    for team in (TEAM, "*"):
        check(found[team, "7d"], deployment_frequency_per_day=3 / 7, **common)
        check(found[team, "30d"], deployment_frequency_per_day=0.1, **common)
        assert found[team, "7d"].as_of == utc(3, 10)
        assert found[team, "7d"].to_json_dict()["as_of"] == "2026-03-10T00:00:00Z"


# -- 2. fall back: a wall-clock day is 25 hours ---------------------------------------------------------


@pytest.mark.parametrize(
    ("attribution_hours", "failed", "cfr_7d", "cfr_30d", "recovery", "recovery_band", "cfr_band"),
    [
        (24, False, 0.0, 0.0, None, "elite", "elite"),
        (25, True, 1.0, 0.5, 25.0, "medium", "low"),
    ],
    ids=["24h-outside", "25h-at-the-closed-end"],
)
def test_incident_a_wall_clock_day_after_fall_back_is_25_hours_after(
    facts: Facts,
    attribution_hours: int,
    failed: bool,
    cfr_7d: float,
    cfr_30d: float,
    recovery: float | None,
    recovery_band: str,
    cfr_band: str,
) -> None:
    """§6.1 rule 4 × the fall-back night × §6.3's recovery band falling back to restore time.

    Los Angeles falls back on 11-01 at 02:00 PDT. D0, first: 10-20 10:00 PDT = 17:00Z. F: 10-31 12:00
    PDT = 19:00Z, ships f authored 09:00 PDT = 16:00Z → lead 3 h. I3 (P1): 11-01 11:30 PST = 19:30Z,
    resolved 12:00 PST = 20:00Z → restore 0.5 h. On the wall clock I3 starts 23.5 h after F; in UTC 24.5 h.

    as_of 11-03 00:00Z: 7d = (10-27, 11-03]: F; 30d = (10-04, 11-03]: D0, F.

    * attribution window 24 h: F's window (10-31 19:00Z, 11-01 19:00Z] ends before I3 → F is not failed.
      7d: 1 deployment, CFR 0.0, recovery null; 30d: 2, CFR 0.0. Incidents 1, restore 0.5 (p50 = p90),
      rework 0.0, lead 3 (p50 = p90). Bands (30d): 2/30 → medium; 3 h → elite; 0 % → elite; no failed
      deployment with a recovery → restore 0.5 h → elite.
    * attribution window 25 h: (…, 11-01 20:00Z] holds 19:30Z → F failed (window), recovered at I3's
      20:00Z: 25 h. 7d CFR 1/1, 30d 1/2; recovery 25.0 → not < 1 day, < 1 week → medium; CFR 50 % → low.
    """
    first(facts, local(LOS_ANGELES, 10, 20, 10))
    f = deploy(facts, local(LOS_ANGELES, 10, 31, 12), "f", local(LOS_ANGELES, 10, 31, 9))
    add_incident(facts, "I3", local(LOS_ANGELES, 11, 1, 11, 30), resolved_at=local(LOS_ANGELES, 11, 1, 12))

    result = run(
        facts, windows=(W7, W30), as_of=utc(11, 3), attribution_window=timedelta(hours=attribution_hours)
    )

    assert failed_recovered(result) == ({f: (("window",), utc(11, 1, 20))} if failed else {})
    found = rows(result)
    common = {
        "lead_time_hours_p50": 3.0,
        "lead_time_hours_p90": 3.0,
        "failed_deployment_recovery_hours_p50": recovery,
        "incidents": 1,
        "time_to_restore_hours_p50": 0.5,
        "time_to_restore_hours_p90": 0.5,
        "rework_rate": 0.0,
        "bands": bands("medium", "elite", cfr_band, recovery_band),
    }
    for team in (TEAM, "*"):
        check(found[team, "7d"], deployments=1, change_failure_rate=cfr_7d, **common)
        check(found[team, "30d"], deployments=2, change_failure_rate=cfr_30d, **common)


# -- 3. the repeated hour: what the wall clock orders one way, UTC orders the other ----------------------


def test_recovery_rollback_and_open_incident_inside_the_repeated_hour(facts: Facts) -> None:
    """§6.1 rules 2 and 4 × §6.2 recovery ("the earliest of …") and rework (open incident, rollback) ×
    Berlin's repeated hour (10-25: 02:00–03:00 CEST, then 02:00–03:00 CET again).

    * D0, first: 10-01 08:00Z.
    * F: 02:45 CEST = 00:45Z, ships f authored 02:15 CEST = 00:15Z → lead 0.5 h.
    * I5 (P1): 02:50 CEST = 00:50Z, resolved 02:05 CET = 01:05Z (on the wall clock "before" it started):
      restore 0.25 h. 5 min after F, F the latest before it → F failed (window), recovered 01:05Z:
      20 min = 1/3 h (the wall clock would say −40 min).
    * G: 02:00 CET = 01:00Z (the wall clock puts it before F), ships g authored 02:40 CEST = 00:40Z →
      lead 1/3 h. I5 is open at 01:00Z ([00:50Z, 01:05Z)) → G is rework; I5 started before G → it fails
      no G.
    * R: 02:30 CET = 01:30Z, a rollback to f (compare ``behind``): its previous deployment is G → G failed
      (rollback), recovered at R: 0.5 h. R is rework (a rollback); I5 is resolved by then.

    as_of 10-27 00:00Z: 7d = (10-20, 10-27]: F, G, R; 30d = (09-27, 10-27]: D0, F, G, R.
    7d: 3; CFR 2/3; recovery 1/3, 1/2 → p50 5/12; incidents 1; restore 0.25; rework G, R → 2/3; leads
    1/3, 1/2 → p50 5/12, p90 1/3 + 0.9 × 1/6 = 0.48333….
    30d: 4 (4/30 a day); CFR 2/4; rework 2/4; the rest as 7d.
    Bands (30d): 4/30 < 1/7 → medium; elite; 50 % → low; 5/12 h < 1 hour → elite.
    """
    first(facts, utc(10, 1, 8))
    f = deploy(facts, local(BERLIN, 10, 25, 2, 45), "f", local(BERLIN, 10, 25, 2, 15))
    add_incident(facts, "I5", local(BERLIN, 10, 25, 2, 50), resolved_at=local(BERLIN, 10, 25, 2, 5, fold=1))
    g = deploy(facts, local(BERLIN, 10, 25, 2, 0, fold=1), "g", local(BERLIN, 10, 25, 2, 40))
    rollback(facts, local(BERLIN, 10, 25, 2, 30, fold=1), sha("f"))

    result = run(facts, windows=(W7, W30), as_of=utc(10, 27))

    assert failed_recovered(result) == {
        f: (("window",), utc(10, 25, 1 + 1 / 12)),
        g: (("rollback",), utc(10, 25, 1.5)),
    }
    found = rows(result)
    common = {
        "failed_deployment_recovery_hours_p50": 5 / 12,
        "incidents": 1,
        "time_to_restore_hours_p50": 0.25,
        "time_to_restore_hours_p90": 0.25,
        "lead_time_hours_p50": 5 / 12,
        "lead_time_hours_p90": 1 / 3 + 0.9 / 6,
        "bands": bands("medium", "elite", "low", "elite"),
    }
    for team in (TEAM, "*"):
        check(found[team, "7d"], deployments=3, change_failure_rate=2 / 3, rework_rate=2 / 3, **common)
        check(found[team, "30d"], deployments=4, change_failure_rate=0.5, rework_rate=0.5, **common)


# -- 4. an as_of with an offset meets recovery by as_of, a resolution at as_of and the window start -----


def test_as_of_with_an_offset_meets_recovery_and_resolution_at_as_of(facts: Facts) -> None:
    """§2 ``--as-of`` "that instant" given as 2026-06-30 05:30+05:30 = 06-30 00:00Z × §6.2 "recovered by
    as_of" × restore "resolved in the window" (closed end) × rework "one at its resolution is not" × the
    7d window's open start, every fact written in another offset.

    * D0, first: 06-23 05:30+05:30 = 06-23 00:00Z, exactly the 7d start → out of 7d, in 30d.
    * F: 06-29 13:00−07:00 = 20:00Z, ships f authored 06-29 21:00+02:00 = 19:00Z → lead 1 h.
    * I (P1): 06-29 22:00+01:00 = 21:00Z, 1 h after F → F failed (window); resolved 06-29 19:00−05:00 =
      06-30 00:00Z = as_of: recovered by as_of → 4 h; restore 3 h.
    * H: 06-29 17:00−07:00 = 06-30 00:00Z = as_of (the window's closed end), at I's resolution → not
      rework; ships h authored 06-30 04:30+05:30 = 06-29 23:00Z → lead 1 h.
    * X: 06-30 14:00:01+14:00 = 06-30 00:00:01Z, a rollback to f: after as_of, it has not happened.

    As of 06-30 00:00Z: 7d = (06-23, 06-30]: F, H → 2; CFR 1/2; recovery 4; incidents 1; restore 3;
    rework 0.0; leads 1, 1. 30d: D0, F, H → 3; CFR 1/3. Bands (30d): 0.1/day → medium; elite; low; 4 h →
    high. The same rows as with as_of written in UTC; ``as_of`` in JSON "2026-06-30T00:00:00Z".

    One microsecond earlier (05:29:59.999999+05:30): I is not resolved yet → F not recovered, no
    restore; H has not happened; the 7d start 06-22 23:59:59.999999Z lets D0 in. 7d: D0, F → 2; CFR 1/2;
    recovery null; incidents 1; restore null; rework 0.0; lead 1 (D0 adds none). 30d: D0, F → 2; CFR
    1/2. Bands: 2/30 → medium; elite; low; no recovery and no restore → null.
    """
    first(facts, datetime(2026, 6, 23, 5, 30, tzinfo=zone(5.5)))
    f = deploy(
        facts, datetime(2026, 6, 29, 13, tzinfo=zone(-7)), "f", datetime(2026, 6, 29, 21, tzinfo=zone(2))
    )
    add_incident(
        facts,
        "I",
        datetime(2026, 6, 29, 22, tzinfo=zone(1)),
        resolved_at=datetime(2026, 6, 29, 19, tzinfo=zone(-5)),
    )
    deploy(
        facts, datetime(2026, 6, 29, 17, tzinfo=zone(-7)), "h", datetime(2026, 6, 30, 4, 30, tzinfo=zone(5.5))
    )
    rollback(facts, datetime(2026, 6, 30, 14, 0, 1, tzinfo=zone(14)), sha("f"))

    as_of = datetime(2026, 6, 30, 5, 30, tzinfo=zone(5.5))
    result = run(facts, windows=(W7, W30), as_of=as_of)
    assert failed_recovered(result) == {f: (("window",), utc(6, 30))}
    found = rows(result)
    common = {
        "failed_deployment_recovery_hours_p50": 4.0,
        "incidents": 1,
        "time_to_restore_hours_p50": 3.0,
        "time_to_restore_hours_p90": 3.0,
        "rework_rate": 0.0,
        "lead_time_hours_p50": 1.0,
        "lead_time_hours_p90": 1.0,
        "bands": bands("medium", "elite", "low", "high"),
    }
    for team in (TEAM, "*"):
        check(found[team, "7d"], deployments=2, change_failure_rate=0.5, **common)
        check(found[team, "30d"], deployments=3, change_failure_rate=1 / 3, **common)
        assert found[team, "7d"].to_json_dict()["as_of"] == "2026-06-30T00:00:00Z"
    in_utc = run(facts, windows=(W7, W30), as_of=utc(6, 30))
    assert [row.to_json_dict() for row in in_utc.rows] == [row.to_json_dict() for row in result.rows]

    earlier = run(facts, windows=(W7, W30), as_of=as_of - timedelta(microseconds=1))
    assert failed_recovered(earlier) == {f: (("window",), None)}
    found = rows(earlier)
    common = {
        "deployments": 2,
        "change_failure_rate": 0.5,
        "failed_deployment_recovery_hours_p50": None,
        "incidents": 1,
        "time_to_restore_hours_p50": None,
        "rework_rate": 0.0,
        "lead_time_hours_p50": 1.0,
        "bands": bands("medium", "elite", "low", None),
    }
    for team in (TEAM, "*"):
        check(found[team, "7d"], **common)
        check(found[team, "30d"], **common)


# -- snapshots (assemble_snapshot): weekly points and the previous window --------------------------------


def snapshot_settings(*windows: WindowSpec) -> AnalyticsSettings:
    """order-team owns acme/orders and P1 through ``teams:``; no catalog."""
    return AnalyticsSettings(
        windows=tuple(windows),
        ownership=OwnershipSettings(teams=(TeamClaim(TEAM, (REPO,), ("P1",)),), catalog_discover=False),
    )


def collected(facts: Facts) -> None:
    """acme/orders as the collector records a repository, so that ownership sees it."""
    facts._write(
        schema.repositories,
        {
            "full_name": REPO,
            "default_branch": "main",
            "discovered_from": "config",
            "synced_at": to_db(utc(6, 1)),
        },
    )


def weekly(snapshot: Snapshot, team: str) -> dict[date, tuple[Any, ...]]:
    return {
        p.week_start: (
            p.deployments,
            p.lead_time_hours_p50,
            p.lead_time_hours_p90,
            p.change_failure_rate,
            p.failed_deployment_recovery_hours_p50,
        )
        for p in snapshot.weekly
        if p.team == team
    }


def metric_rows(snapshot: Snapshot) -> dict[tuple[str, str], Any]:
    return {(row.team, row.window): row for row in snapshot.metrics}


def test_weekly_points_place_offset_deployments_by_their_utc_instant(facts: Facts) -> None:
    """§8.3 weekly trends (7 days as of each Monday 00:00 UTC) × deployments and incidents written with
    offsets on both sides of the Sunday/Monday boundary × rework at an incident's start × the window rule.

    as_of 06-30 00:00Z (Tuesday), windows 7d, 30d, 3 weeks: ends 06-15, 06-22, 06-29 (Mondays 00:00Z).

    * D0, first: 06-01 00:00Z.
    * Z: Monday 06-22 01:00+02:00 = Sunday 06-21 23:00Z → week (06-15, 06-22]; ships z authored 06-21
      18:00−03:00 = 21:00Z → lead 2 h.
    * I (P1): 06-22 04:00+05:00 = 06-21 23:00Z, Z's very instant: Z is rework (deployed at its start);
      I is no failure of Z (not after it), and D0, the latest before it, is 20 days earlier. Resolved
      06-21 20:30−05:00 = 06-22 01:30Z → restore 2.5 h.
    * Y: Sunday 06-21 23:30−05:00 = Monday 06-22 04:30Z → week (06-22, 06-29]; ships y authored 06-22
      09:00+05:30 = 03:30Z → lead 1 h. I is resolved by then: not rework.
    * X: Sunday 06-28 19:00−05:00 = Monday 06-29 00:00Z exactly: the closed end of week (06-22, 06-29];
      ships x authored 06-29 02:00+05:00 = 06-28 21:00Z → lead 3 h.
    * J (P1): 06-29 02:00+02:00 = 06-29 00:00Z, X's instant: X is rework; the latest deployment before J
      is Y, 6 days earlier → no failure. Resolved 06-29 01:00Z → restore 1 h.
    * K (P1): 06-29 08:00+05:30 = 02:30Z, 2.5 h after X → X failed (window); resolved 03:30Z → restore
      1 h, X recovers in 3.5 h.

    Weeks (deployments, lead p50, p90, CFR, recovery): 06-08 (06-08, 06-15]: nothing → (0, null, null,
    null, null). 06-15: Z → (1, 2, 2, 0.0, null). 06-22: Y, X → leads 1, 3: (2, 2, 1 + 0.9 × 2 = 2.8,
    0.0 — K starts after the week's end —, null). Read by local dates instead, Z and Y would swap weeks.
    7d (06-23, 06-30]: X → 1; CFR 1.0; recovery 3.5; incidents J, K → 2; restore 1, 1; rework 1.0; lead 3.
    30d (05-31, 06-30]: D0, Z, Y, X → 4; CFR 1/4; recovery 3.5; incidents 3; restore 1, 1, 2.5 → p50 1,
    p90 1 + 0.8 × 1.5 = 2.2; rework Z, X → 1/2; leads 2, 1, 3 → p50 2, p90 2.8.
    Bands (30d): 4/30 → medium; elite; 25 % → low; 3.5 h → high. Previous (30d as of 05-31 00:00Z):
    nothing → 0 deployments.
    """
    collected(facts)
    first(facts, utc(6, 1))
    deploy(facts, datetime(2026, 6, 22, 1, tzinfo=zone(2)), "z", datetime(2026, 6, 21, 18, tzinfo=zone(-3)))
    add_incident(
        facts,
        "I",
        datetime(2026, 6, 22, 4, tzinfo=zone(5)),
        resolved_at=datetime(2026, 6, 21, 20, 30, tzinfo=zone(-5)),
    )
    deploy(
        facts, datetime(2026, 6, 21, 23, 30, tzinfo=zone(-5)), "y", datetime(2026, 6, 22, 9, tzinfo=zone(5.5))
    )
    x = deploy(
        facts, datetime(2026, 6, 28, 19, tzinfo=zone(-5)), "x", datetime(2026, 6, 29, 2, tzinfo=zone(5))
    )
    add_incident(facts, "J", datetime(2026, 6, 29, 2, tzinfo=zone(2)), resolved_at=utc(6, 29, 1))
    add_incident(
        facts,
        "K",
        datetime(2026, 6, 29, 8, tzinfo=zone(5.5)),
        resolved_at=datetime(2026, 6, 29, 9, tzinfo=zone(5.5)),
    )

    snapshot = assemble_snapshot(
        facts.engine, snapshot_settings(W7, W30), now=utc(6, 30), as_of=utc(6, 30), weeks=3
    )

    expected_weeks = {
        date(2026, 6, 8): (0, None, None, None, None),
        date(2026, 6, 15): (1, 2.0, 2.0, 0.0, None),
        date(2026, 6, 22): (2, 2.0, approx(2.8), 0.0, None),
    }
    for team in (TEAM, "*"):
        assert weekly(snapshot, team) == expected_weeks, team
    assert {(d.deployment_id, d.rules, d.recovered_at) for d in snapshot.failed_deployments} == {
        (x, ("window",), utc(6, 29, 3.5))
    }
    found = metric_rows(snapshot)
    for team in (TEAM, "*"):
        check(
            found[team, "7d"],
            deployments=1,
            change_failure_rate=1.0,
            failed_deployment_recovery_hours_p50=3.5,
            incidents=2,
            time_to_restore_hours_p50=1.0,
            time_to_restore_hours_p90=1.0,
            rework_rate=1.0,
            lead_time_hours_p50=3.0,
            bands=bands("medium", "elite", "low", "high"),
        )
        check(
            found[team, "30d"],
            deployments=4,
            change_failure_rate=0.25,
            failed_deployment_recovery_hours_p50=3.5,
            incidents=3,
            time_to_restore_hours_p50=1.0,
            time_to_restore_hours_p90=2.2,
            rework_rate=0.5,
            lead_time_hours_p50=2.0,
            lead_time_hours_p90=2.8,
            bands=bands("medium", "elite", "low", "high"),
        )
    assert snapshot.previous is not None
    assert {(row.team, row.window, row.deployments) for row in snapshot.previous.metrics} == {
        ("*", "30d", 0),
        (TEAM, "30d", 0),
    }


def test_previous_window_ends_where_the_current_one_starts_across_a_change_of_time(facts: Facts) -> None:
    """docs/metrics.md "Points": the previous row is "the longest window's as of one longest window
    earlier" × §6 "All instants are UTC", window ``(as_of − N days, as_of]`` × an ``as_of`` given in New
    York whose 30 days back cross the spring-forward night (03-08).

    as_of = 03-20 12:00 New York (EDT) = 16:00Z; 30d = (02-18 16:00Z, 03-20 16:00Z]. One window earlier,
    N × 24 h: as of 02-18 16:00Z (= 11:00 EST), previous 30d = (01-19 16:00Z, 02-18 16:00Z]: the two
    windows meet, each deployment is in at most one of them. (Thirty wall-clock days back is 02-18
    12:00 EST = 17:00Z: an hour later.)

    * D0, first: 01-05 00:00Z (in neither).
    * E: 01-19 11:30 EST = 16:30Z, ships e authored 3 h before → lead 3 h. In the previous window (after
      its start 16:00Z); a previous window starting at 17:00Z would miss it.
    * Q: 02-18 10:30 EST = 15:30Z, ships q, lead 2 h → previous window.
    * P: 02-18 11:30 EST = 16:30Z, ships p, lead 1 h → the current window only (after 16:00Z); a previous
      window ending at 17:00Z would count it twice.

    Current 30d: P → 1, lead 1. Previous 30d (as of 02-18 16:00Z): E, Q → 2, leads 3, 2 → p50 2.5,
    p90 2 + 0.9 × 1 = 2.9. The snapshot's previous as_of is 02-18 16:00Z.
    """
    collected(facts)
    first(facts, utc(1, 5))
    for name, deployed_at, lead in (
        ("e", local(NEW_YORK, 1, 19, 11, 30), 3),
        ("q", local(NEW_YORK, 2, 18, 10, 30), 2),
        ("p", local(NEW_YORK, 2, 18, 11, 30), 1),
    ):
        deploy(facts, deployed_at, name, deployed_at - timedelta(hours=lead))
    as_of = local(NEW_YORK, 3, 20, 12)

    snapshot = assemble_snapshot(facts.engine, snapshot_settings(W30), now=as_of, as_of=as_of, weeks=1)

    found = metric_rows(snapshot)
    check(found[TEAM, "30d"], deployments=1, lead_time_hours_p50=1.0)
    assert snapshot.previous is not None
    previous = metric_rows(snapshot.previous)
    for team in (TEAM, "*"):
        check(previous[team, "30d"], deployments=2, lead_time_hours_p50=2.5, lead_time_hours_p90=2.9)
    assert {row.as_of for row in snapshot.previous.metrics} == {utc(2, 18, 16)}


@pytest.fixture
def process_in_kolkata() -> Iterator[None]:
    """The process's local zone set to Asia/Kolkata (+05:30), as on a server configured so; restored."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "Asia/Kolkata")
        time.tzset()
        try:
            yield
        finally:
            patch.undo()
            time.tzset()


def test_weekly_points_of_a_naive_as_of_are_utc_weeks_whatever_the_process_zone(
    facts: Facts, process_in_kolkata: None
) -> None:
    """§6 "All instants are UTC" × the analytics' own convention ("A naive ``as_of`` is UTC",
    analytics/dora.py, windows.py) × weekly points × a process whose local zone is +05:30.

    as_of naive 2026-06-29 00:30 = Monday 06-29 00:30Z: the last whole week ends Monday 06-29 00:00Z, and
    2 weeks are (06-15, 06-22] and (06-22, 06-29]. The 7d window is (06-22 00:30Z, 06-29 00:30Z].
    (Read as 00:30 in Kolkata it would be Sunday 06-28 19:00Z, and the weeks one earlier.)

    D0, first: 06-01. A: Sunday 06-28 12:00Z, ships a authored 2 h before → lead 2 h. Weeks: 06-15
    (06-15, 06-22]: nothing → (0, null, null, null, null); 06-22: A → (1, 2, 2, 0.0, null). 7d: A → 1.
    """
    collected(facts)
    first(facts, utc(6, 1))
    deploy(facts, utc(6, 28, 12), "a", utc(6, 28, 10))
    as_of = datetime(2026, 6, 29, 0, 30)  # naive: UTC

    snapshot = assemble_snapshot(
        facts.engine, snapshot_settings(W7), now=utc(6, 29, 0.5), as_of=as_of, weeks=2
    )
    check(metric_rows(snapshot)[TEAM, "7d"], deployments=1, lead_time_hours_p50=2.0)
    assert weekly(snapshot, TEAM) == {
        date(2026, 6, 15): (0, None, None, None, None),
        date(2026, 6, 22): (1, 2.0, 2.0, 0.0, None),
    }
    assert week_ends(as_of, 2) == [utc(6, 22), utc(6, 29)]


# -- 5. `doraspace metrics --as-of` in the other spellings of ISO 8601, at the window's edges ------------

MIDNIGHT = "2026-06-30T00:00:00Z"
MIDNIGHT_SPELLINGS = (
    "2026-06-29T24:00Z",  # the end of 06-29
    "20260630T053000+0530",  # basic format
)
HALF_SECOND = "2026-06-30T05:30:00,5+05:30"  # a decimal comma, an offset


@pytest.fixture
def edge_config(tmp_path: Path) -> Path:
    """Team ``orders`` owns acme/orders; windows 30d only; a DuckDB file written as the collector would.

    D0, first: 05-01. A: 05-31 00:00:00Z, exactly 30 days before midnight → lead 5 h. B: 05-31
    00:00:00.25Z → lead 1 h. E: 06-29 12:00Z → lead 4 h. C: 06-30 00:00:00.25Z → lead 2 h.
    """
    url = f"duckdb:///{tmp_path}/store.duckdb"
    path = tmp_path / "doraspace.yaml"
    path.write_text(
        f"database:\n  url: {url}\n"
        'teams: [{"name": "orders", "repositories": ["acme/orders"]}]\n'
        "metrics:\n  windows: [30d]\n"
    )
    engine = open_store(url)
    try:
        facts = Facts(engine)
        facts._write(
            schema.repositories,
            {
                "full_name": REPO,
                "default_branch": "main",
                "discovered_from": "config",
                "synced_at": to_db(utc(6, 1)),
            },
        )
        first(facts, utc(5, 1))
        quarter_second = timedelta(milliseconds=250)
        for name, deployed_at, lead in (
            ("a", utc(5, 31), 5),
            ("b", utc(5, 31) + quarter_second, 1),
            ("e", utc(6, 29, 12), 4),
            ("c", utc(6, 30) + quarter_second, 2),
        ):
            deploy(facts, deployed_at, name, deployed_at - timedelta(hours=lead))
    finally:
        engine.dispose()
    return path


def metrics_json(capsys: pytest.CaptureFixture[str], config: Path, as_of: str) -> list[dict[str, Any]]:
    status = main(["metrics", "--config", str(config), "--format", "json", "--as-of", as_of], now=utc(7, 1))
    captured = capsys.readouterr()
    assert status == 0, captured.err
    found: list[dict[str, Any]] = json.loads(captured.out)
    assert all(list(row) == METRIC_KEYS for row in found)
    return found


def test_as_of_in_every_iso_8601_spelling_meets_the_window_edges_to_the_microsecond(
    edge_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 "``--as-of`` … (ISO 8601, UTC if no offset …): facts after it are ignored" × §6's half-open
    window, with instants a quarter of a second apart.

    As of 06-30 00:00Z, 30d = (05-31 00:00:00Z, 06-30 00:00:00Z]: A (at the open start) out, B in, E in,
    C (a quarter second after as_of) out → 2, leads 1, 4 → p50 2.5, p90 1 + 0.9 × 3 = 3.7. Bands
    (30d): 2/30 → medium; 2.5 h → elite; 0 % → elite; null.
    Other spellings of that instant (24:00 of the day before, the basic format 20260630T053000+0530)
    give the very same rows, ``as_of`` "2026-06-30T00:00:00Z".

    As of half a second later (written 2026-06-30T05:30:00,5+05:30): 30d = (05-31 00:00:00.5Z, 06-30
    00:00:00.5Z]: B out, E and C in → 2, leads 4, 2 → p50 3.0, p90 2 + 0.9 × 2 = 3.8; ``as_of`` keeps its
    fraction, "2026-06-30T00:00:00.500000Z" (SPEC §6.4 shows whole seconds only: the product's spelling).
    """
    reference = metrics_json(capsys, edge_config, MIDNIGHT)
    assert [(row["team"], row["window"]) for row in reference] == [("*", "30d"), ("orders", "30d")]
    for row in reference:
        assert row["as_of"] == MIDNIGHT
        assert row["deployments"] == 2
        assert row["lead_time_hours_p50"] == approx(2.5)
        assert row["lead_time_hours_p90"] == approx(3.7)
        assert row["bands"] == bands("medium", "elite", "elite", None)
    for spelling in MIDNIGHT_SPELLINGS:
        assert metrics_json(capsys, edge_config, spelling) == reference, spelling

    for row in metrics_json(capsys, edge_config, HALF_SECOND):
        assert row["as_of"] == "2026-06-30T00:00:00.500000Z"
        assert row["deployments"] == 2
        assert row["lead_time_hours_p50"] == approx(3.0)
        assert row["lead_time_hours_p90"] == approx(3.8)
