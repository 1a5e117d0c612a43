"""Audit, round 11: one instant written several ways, where two time rules meet (SPEC §2 ``--as-of``,
§5.2 lead time, §5.4, §6, §6.1 rule 4, §6.2; docs/metrics.md where SPEC leaves a choice). Every
expected number is worked out by hand in the test's docstring; the module goes for the combinations that
tests/analytics/test_audit_round7_timezones.py and tests/test_audit_as_of_cli.py leave out.

Instants come as PagerDuty and GitHub write them: ``…Z``, with an offset (``+01:00``, PagerDuty's form for
an account with a time zone; GraphQL's ``authoredDate`` carries the author's own offset) and with
fractional seconds (``.123Z``). Every docstring converts them to UTC first ("= …Z") and reasons in UTC.
There is no time-zone setting in the configuration (docs/configuration.md): no summer time to cross here.

Team ``order-team`` owns acme/orders (service ``orders``) and PagerDuty service P1 (tests/analytics/
scenario.py); attribution window 24 h, benchmarks dora-2023. A repo's first deployment (compare
``first``) counts and adds no lead times. DuckDB (in memory for the analytics tests).

SPEC / docs sentences leaned on:

* §2 ``--as-of`` "evaluates the windows as of that instant (ISO 8601, UTC if no offset …)"; exit status 2
  "on a usage or configuration error", errors "one clear line on stderr naming what is wrong";
* §6 "All instants are UTC. A window ``Nd`` ending at ``as_of`` is the half-open interval ``(as_of − N
  days, as_of]``"; docs: "a deployment exactly N days before ``as_of`` is out, one exactly at ``as_of``
  is in";
* §5.2 "Its lead time is ``D.deployed_at − start``; values ≤ 0 are dropped";
* §6.1 rule 4 "started in ``(F.deployed_at, F.deployed_at + attribution_window]`` … and F is the latest
  deployment of that service before the incident started"; docs: the sweep puts "an incident before a
  deployment at the same instant";
* §6.2 recovery "recovered by ``as_of``"; restore "over incidents resolved in the window"; rework
  "deployed while an incident of its service was open"; docs: "a deployment at its start is rework, one
  at its resolution is not";
* docs/metrics.md "Points": a snapshot's points are "as of the end of each of the last 26 weeks";
  ``WeeklyPoint`` is "one ISO week (Monday 00:00 UTC to the next Monday)", computed as "a 7-day window as
  of the week's end" (analytics/assembly.py), so a deployment at Monday 00:00 exactly belongs to the
  week that ends then (round 7 pins this).

ISO weeks at the end of 2026: 2026-01-01 is a Thursday, so ISO year 2026 has 53 weeks; 2026-W53 runs
Monday 12-28 to Sunday 2027-01-03, and 2027-W01 starts Monday 2027-01-04. 2027-01-01 is a Friday, so ISO
year 2027 has 52 weeks: there is no 2027-W53.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from analytics.assembly import assemble_snapshot, week_ends
from analytics.dora import TeamWindowMetrics
from analytics.ownership import OwnershipSettings, TeamClaim
from analytics.settings import AnalyticsSettings
from analytics.snapshot import Snapshot
from doraspace.cli import main
from store import schema
from store.engine import open_store
from store.timeutil import to_db
from tests.analytics.facts import METRIC_KEYS, REPO, Facts, add_incident, bands, sha
from tests.analytics.scenario import NO_BREAKDOWN, TEAM, W7, W30, approx, failed_recovered, first, rows, run
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator, parse_timestamp
from tests.github_scenarios import deploy as gh_deploy
from tests.github_scenarios import started_at_six

H = 3600.0
PLUS_ONE = timezone(timedelta(hours=1))
MINUS_FIVE = timezone(timedelta(hours=-5))


def utc(year: int, month: int, dom: int, hour: float = 0, *, us: int = 0) -> datetime:
    """An instant in UTC: ``utc(2026, 3, 2, 10, us=1)`` is 2026-03-02 10:00:00.000001Z."""
    return datetime(year, month, dom, tzinfo=UTC) + timedelta(hours=hour, microseconds=us)


def deploy(facts: Facts, deployed_at: datetime, *authored: tuple[str, datetime]) -> int:
    """A deployment shipping direct commits ``sha(name)`` authored at the given instants."""
    shipped = [facts.commit(sha(name), author_date) for name, author_date in authored]
    return facts.deployment(deployed_at, ships=shipped)


def whole_row(row: TeamWindowMetrics, **expected: Any) -> None:
    """Every field of a SPEC §6.4 row: ``expected`` gives all but team, window and breakdown (no PR here:
    every stage null); floats compared with a tight tolerance; every mismatch shown at once."""
    actual = row.to_json_dict()
    want = {"team": row.team, "window": row.window, "lead_time_breakdown_hours_p50": NO_BREAKDOWN}
    want |= {k: approx(v) if isinstance(v, float) else v for k, v in expected.items()}
    assert set(want) == set(METRIC_KEYS), sorted(set(METRIC_KEYS) ^ set(want))
    assert actual == want, (row.team, row.window)


@pytest.fixture
def facts() -> Iterator[Facts]:
    built = Facts.in_memory()
    try:
        yield built
    finally:
        built.engine.dispose()


# -- 1. an incident in +01:00 at a deployment's instant in Z, at the attribution window's closed end ------


@pytest.mark.parametrize("late_us", [0, 1], ids=["at-the-instant", "one-microsecond-later"])
def test_offset_incident_at_a_z_deployment_instant_and_the_previous_ones_window_end(
    facts: Facts, late_us: int
) -> None:
    """§6.1 rule 4's closed end × "the latest deployment before the incident" with the sweep's tie rule ×
    rework at an incident's start × restore and recovery resolved exactly at ``as_of`` × a deployment at
    ``as_of`` at the incident's resolution; every one of those instants spelled in another offset.

    * D0, first: 02-20 00:00Z (in 30d, not 7d).
    * P: 03-01 10:00Z, ships p authored 09:00Z → lead 1 h.
    * D: 03-02 10:00:00Z, ships d authored 08:00Z → lead 2 h.
    * I (P1), PagerDuty with the account's zone: created ``2026-03-02T11:00:00+01:00`` = 10:00:00Z (case
      a), or ``11:00:00.000001+01:00`` = 10:00:00.000001Z (case b); resolved ``2026-03-02T19:00:00-05:00``
      = 03-03 00:00Z = as_of.
    * E: ``2026-03-03T01:00:00+01:00`` = 03-03 00:00Z = as_of, ships e authored 02 23:00Z → lead 1 h. In
      the window (closed end); deployed at I's resolution → not rework; after I's start → I fails no E.
    * as_of given as ``2026-03-03T01:00:00+01:00`` = 03-03 00:00Z. 7d = (02-24, 03-03]: P, D, E → 3;
      30d = (02-01, 03-03]: D0, P, D, E → 4.

    (a) I at D's instant: the sweep puts I first, so P is the latest before it, and I is at P + 24 h
    exactly, the closed end of (P, P + 24 h] → P failed (window), recovered at as_of: 03-01 10:00 →
    03-03 00:00 = 38 h. D deployed at I's start → rework. Restore 10:00 → 00:00 = 14 h.
    (b) I one µs after D: D is the latest before it, I within (D, D + 24 h] → D failed, recovered 14 h;
    P's window ended a µs before I (and P is not the latest). D was deployed before I opened → no rework.
    Restore 14 h − 1 µs.

    Both: incidents 1; leads 1, 2, 1 → p50 1, p90 1 + 0.8 × 1 = 1.8; CFR 7d 1/3, 30d 1/4.
    7d rework (a) 1/3, (b) 0; 30d (a) 1/4, (b) 0. Bands (30d, the longest): 4/30 ≥ 1/30 → medium; 1 h →
    elite; 25 % → low; recovery (a) 38 h ≥ 1 day → medium, (b) 14 h < 1 day → high.
    """
    first(facts, utc(2026, 2, 20))
    p = deploy(facts, utc(2026, 3, 1, 10), ("p", utc(2026, 3, 1, 9)))
    d = deploy(facts, utc(2026, 3, 2, 10), ("d", utc(2026, 3, 2, 8)))
    started = parse_timestamp(f"2026-03-02T11:00:00.{late_us:06d}+01:00")
    add_incident(facts, "I", started, resolved_at=parse_timestamp("2026-03-02T19:00:00-05:00"))
    as_of = parse_timestamp("2026-03-03T01:00:00+01:00")
    deploy(facts, as_of, ("e", utc(2026, 3, 2, 23)))

    result = run(facts, windows=(W7, W30), as_of=datetime(2026, 3, 3, 1, tzinfo=PLUS_ONE))

    failed, recovery, restore = (p, 38.0, 14.0) if late_us == 0 else (d, 14.0, 14.0 - 1e-6 / H)
    assert failed_recovered(result) == {failed: (("window",), utc(2026, 3, 3))}
    (failure,) = result.failed_deployments()
    assert failure.incident_ids == ("pagerduty:I",)
    found = rows(result)
    rework = 1 if late_us == 0 else 0
    common = {
        "as_of": "2026-03-03T00:00:00Z",
        "lead_time_hours_p50": 1.0,
        "lead_time_hours_p90": 1.8,
        "failed_deployment_recovery_hours_p50": recovery,
        "time_to_restore_hours_p50": restore,
        "time_to_restore_hours_p90": restore,
        "incidents": 1,
        "bands": bands("medium", "elite", "low", "medium" if late_us == 0 else "high"),
    }
    for team in (TEAM, "*"):
        whole_row(
            found[team, "7d"],
            deployments=3,
            deployment_frequency_per_day=3 / 7,
            change_failure_rate=1 / 3,
            rework_rate=rework / 3,
            **common,
        )
        whole_row(
            found[team, "30d"],
            deployments=4,
            deployment_frequency_per_day=4 / 30,
            change_failure_rate=0.25,
            rework_rate=rework / 4,
            **common,
        )


# -- 2. fractional seconds against author dates with offsets: lead 0.0003 h, 0 and below ----------------


def test_sub_second_lead_times_kept_zero_and_negative_dropped_as_the_as_of_moves(facts: Facts) -> None:
    """§5.2 "values ≤ 0 are dropped" × author dates written with an offset × deployed_at with a fraction ×
    the window's closed end at that fraction × percentile_cont.

    * D0, first: 03-01 00:00Z.
    * A: 03-04 10:00:00Z, ships a authored ``11:00:00+01:00`` = 10:00:00Z → lead exactly 0 → dropped.
    * B: 03-05 ``10:00:01.080Z``, ships b authored ``11:00:00+01:00`` = 10:00:00Z → 1.08 s = 0.0003 h.
    * C: 03-06 ``10:00:00.123Z``, ships c authored ``05:00:01-05:00`` = 10:00:01Z → −0.877 s → dropped.
    * G: 03-07 12:00Z ships g1 authored ``11:00+01:00`` = 10:00Z (2 h) and g2 authored ``13:00+01:00`` =
      12:00Z (0 → dropped).

    As of 03-05 10:00:01Z (80 ms before B): 7d and 30d hold D0, A → 2; A's only lead is 0, D0 adds none →
    lead null, band null. Bands (30d): 2/30 → medium; null; CFR 0 → elite; null.
    As of 03-05 10:00:01.080Z (B's instant, the closed end): D0, A, B → 3; leads [0.0003] → p50 = p90 =
    0.0003 (elite); 3/30 → medium.
    As of 03-10 00:00Z: 7d = (03-03, 03-10]: A, B, C, G → 4; 30d: D0 too → 5 (5/30 ≥ 1/7 → high). Leads
    0.0003, 2 → p50 1.00015, p90 0.0003 + 0.9 × 1.9997 = 1.80003. No incident: CFR 0, restore and
    recovery null, rework 0.
    """
    first(facts, utc(2026, 3, 1))
    deploy(facts, utc(2026, 3, 4, 10), ("a", datetime(2026, 3, 4, 11, tzinfo=PLUS_ONE)))
    b_at = parse_timestamp("2026-03-05T10:00:01.080Z")
    deploy(facts, b_at, ("b", datetime(2026, 3, 5, 11, tzinfo=PLUS_ONE)))
    deploy(
        facts,
        parse_timestamp("2026-03-06T10:00:00.123Z"),
        ("c", datetime(2026, 3, 6, 5, 0, 1, tzinfo=MINUS_FIVE)),
    )
    deploy(
        facts,
        utc(2026, 3, 7, 12),
        ("g1", datetime(2026, 3, 7, 11, tzinfo=PLUS_ONE)),
        ("g2", datetime(2026, 3, 7, 13, tzinfo=PLUS_ONE)),
    )
    quiet = {
        "change_failure_rate": 0.0,
        "failed_deployment_recovery_hours_p50": None,
        "time_to_restore_hours_p50": None,
        "time_to_restore_hours_p90": None,
        "incidents": 0,
        "rework_rate": 0.0,
    }
    cases: list[tuple[datetime, str, int, int, float | None, float | None, str | None]] = [
        (b_at - timedelta(milliseconds=80), "2026-03-05T10:00:01Z", 2, 2, None, None, None),
        (b_at, "2026-03-05T10:00:01.080000Z", 3, 3, 0.0003, 0.0003, "elite"),
        (utc(2026, 3, 10), "2026-03-10T00:00:00Z", 4, 5, 1.00015, 1.80003, "elite"),
    ]
    for as_of, written, in_7d, in_30d, p50, p90, lead_band in cases:
        frequency_band = "high" if in_30d / 30 >= 1 / 7 else "medium"
        found = rows(run(facts, windows=(W7, W30), as_of=as_of))
        for team in (TEAM, "*"):
            for window, count, days in (("7d", in_7d, 7), ("30d", in_30d, 30)):
                whole_row(
                    found[team, window],
                    as_of=written,
                    deployments=count,
                    deployment_frequency_per_day=count / days,
                    lead_time_hours_p50=p50,
                    lead_time_hours_p90=p90,
                    bands=bands(frequency_band, lead_band, "elite", None),
                    **quiet,
                )


# -- 3. weekly points across the end of a year with 53 ISO weeks ----------------------------------------


def build_year_end(facts: Facts) -> None:
    """D0, first: 2026-12-01. Then, each shipping one commit authored ``lead`` hours before it:

    * V 2026-12-28 00:00:00Z exactly (Monday 00:00, the start of 2026-W53), lead 1 h;
    * W 2026-12-28 00:00:00.5Z (half a second into W53), lead 2 h;
    * Y 2027-01-01 12:00Z written ``2027-01-01T13:00:00+01:00`` (New Year's Day, still 2026-W53), 3 h;
    * X 2027-01-04 00:00Z written ``2027-01-04T01:00:00+01:00`` (Monday 00:00 of 2027-W01), 4 h;
    * Z 2027-01-04 00:00:00.000001Z, lead 5 h.
    """
    first(facts, utc(2026, 12, 1))
    for name, text, lead in (
        ("v", "2026-12-28T00:00:00Z", 1),
        ("w", "2026-12-28T00:00:00.5Z", 2),
        ("y", "2027-01-01T13:00:00+01:00", 3),
        ("x", "2027-01-04T01:00:00+01:00", 4),
        ("z", "2027-01-04T00:00:00.000001Z", 5),
    ):
        deployed_at = parse_timestamp(text)
        deploy(facts, deployed_at, (name, deployed_at - timedelta(hours=lead)))


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


def test_weekly_points_around_iso_week_53_with_an_as_of_in_plus_one(facts: Facts) -> None:
    """docs "Points" (the end of each of the last weeks, Monday 00:00 UTC) × ISO week 53 of 2026 × an
    ``as_of`` whose local date is in 2027-W01 but whose UTC instant is still in 2026-W53 × deployments at
    Monday 00:00 exactly and half a second after × the previous window (one longest window earlier).

    Facts: :func:`build_year_end`. Windows 7d only (so 7d is the longest), 3 weeks.

    (a) as_of ``2027-01-04T00:30:00Z`` (Monday): weeks end 12-21, 12-28, 01-04 → starts 12-14, 12-21,
    12-28. Week 12-14 = (12-14, 12-21]: nothing → (0, null, null, null, null). Week 12-21 = (12-21,
    12-28]: V at its closed end → (1, 1, 1, 0.0, null). Week 12-28 (2026-W53) = (12-28, 01-04]: W, Y, X
    (X at its closed end; V at its open start is out) → leads 2, 3, 4: (3, 3, 3.8, 0.0, null).
    7d = (12-28 00:30, 01-04 00:30]: Y, X, Z → 3 (3/7 a day, high); leads 3, 4, 5 → p50 4, p90 4.8.
    Previous (7d as of 12-28 00:30Z) = (12-21 00:30, 12-28 00:30]: V, W → 2, leads 1, 2 → p50 1.5.

    (b) as_of ``2027-01-04T00:30:00+01:00`` = Sunday 01-03 23:30Z: the last whole week ends Monday
    12-28: starts 12-07, 12-14, 12-21 → (0, …), (0, …), V (1, 1, 1, 0.0, null). 7d = (12-27 23:30,
    01-03 23:30]: V, W, Y → 3; leads 1, 2, 3 → p50 2, p90 2.8. X and Z have not happened yet.

    Bands (7d): 3/7 ≥ 1/7 → high; elite; 0 % → elite; no recovery, no restore → null.
    """
    build_year_end(facts)
    facts._write(
        schema.repositories,
        {
            "full_name": REPO,
            "default_branch": "main",
            "discovered_from": "config",
            "synced_at": to_db(utc(2026, 12, 1)),
        },
    )
    settings = AnalyticsSettings(
        windows=(W7,),
        ownership=OwnershipSettings(teams=(TeamClaim(TEAM, (REPO,), ("P1",)),), catalog_discover=False),
    )
    empty = (0, None, None, None, None)
    v_week = (1, 1.0, 1.0, 0.0, None)
    cases = [
        (
            utc(2027, 1, 4, 0.5),
            {
                date(2026, 12, 14): empty,
                date(2026, 12, 21): v_week,
                date(2026, 12, 28): (3, 3.0, approx(3.8), 0.0, None),
            },
            (4.0, 4.8),
            [utc(2026, 12, 21), utc(2026, 12, 28), utc(2027, 1, 4)],
        ),
        (
            datetime(2027, 1, 4, 0, 30, tzinfo=PLUS_ONE),
            {date(2026, 12, 7): empty, date(2026, 12, 14): empty, date(2026, 12, 21): v_week},
            (2.0, 2.8),
            [utc(2026, 12, 14), utc(2026, 12, 21), utc(2026, 12, 28)],
        ),
    ]
    for as_of, weeks, (p50, p90), ends in cases:
        assert week_ends(as_of, 3) == ends
        snapshot = assemble_snapshot(facts.engine, settings, now=as_of, as_of=as_of, weeks=3)
        for team in (TEAM, "*"):
            assert weekly(snapshot, team) == weeks, (as_of, team)
        found = {(row.team, row.window): row for row in snapshot.metrics}
        for team in (TEAM, "*"):
            whole_row(
                found[team, "7d"],
                as_of=as_of.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                deployments=3,
                deployment_frequency_per_day=3 / 7,
                lead_time_hours_p50=p50,
                lead_time_hours_p90=p90,
                change_failure_rate=0.0,
                failed_deployment_recovery_hours_p50=None,
                time_to_restore_hours_p50=None,
                time_to_restore_hours_p90=None,
                incidents=0,
                rework_rate=0.0,
                bands=bands("high", "elite", "elite", None),
            )
    # (a)'s previous window, computed on its own.
    snapshot = assemble_snapshot(
        facts.engine, settings, now=utc(2027, 1, 4, 0.5), as_of=utc(2027, 1, 4, 0.5), weeks=1
    )
    assert snapshot.previous is not None
    previous = {(row.team, row.window): row for row in snapshot.previous.metrics}
    for team in (TEAM, "*"):
        row = previous[team, "7d"]
        assert row.as_of == utc(2026, 12, 28, 0.5)
        assert (row.deployments, row.lead_time_hours_p50) == (2, approx(1.5))


# -- 4. `--as-of` as an ISO week date, around week 53 ------------------------------------------------------


@pytest.fixture
def year_end_config(tmp_path: Path) -> Path:
    """Team ``orders`` owns acme/orders; windows 7d and 30d; :func:`build_year_end` in a DuckDB file."""
    url = f"duckdb:///{tmp_path}/store.duckdb"
    path = tmp_path / "doraspace.yaml"
    path.write_text(
        f"database:\n  url: {url}\n"
        'teams: [{"name": "orders", "repositories": ["acme/orders"]}]\n'
        "metrics:\n  windows: [7d, 30d]\n"
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
                "synced_at": to_db(utc(2026, 12, 1)),
            },
        )
        build_year_end(facts)
    finally:
        engine.dispose()
    return path


def cli(config: Path, as_of: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(
            ["metrics", "--config", str(config), "--format", "json", "--as-of", as_of], now=utc(2027, 2, 1)
        )
    return status, out.getvalue(), err.getvalue()


def metrics_json(config: Path, as_of: str) -> list[dict[str, Any]]:
    status, out, err = cli(config, as_of)
    assert status == 0, err
    found: list[dict[str, Any]] = json.loads(out)
    assert all(list(row) == METRIC_KEYS for row in found)
    return found


def test_as_of_written_as_an_iso_week_date_at_week_53(year_end_config: Path) -> None:
    """§2 "``--as-of`` … ISO 8601, UTC if no offset" × ISO week dates at the end of a 53-week year × the
    window's closed end at Monday 00:00 × a deployment a microsecond after it.

    ``2027-W01`` (its Monday), ``2026-W53-7T24:00Z`` (the end of W53's Sunday), ``2027-004`` (ordinal),
    ``2027-01-04T01:00+01:00`` are all 2027-01-04 00:00Z: the same rows as ``2027-01-04T00:00:00Z``.
    7d = (12-28, 01-04]: V at the open start out; W, Y, X (at the closed end) in; Z (1 µs later) out →
    3 (3/7), leads 2, 3, 4 → p50 3, p90 3.8 — the very numbers of 2026-W53's weekly point. 30d = (12-05,
    01-04]: V, W, Y, X → 4 (4/30), leads 1–4 → p50 2.5, p90 3.7. Bands (30d): medium; elite; elite; null.

    ``2026-W53`` (= ``2026-W53-1`` = 12-28 00:00Z): 7d = (12-21, 12-28]: V → 1, lead 1. 30d = (11-28,
    12-28]: D0, V → 2 (2/30), lead 1. Bands: medium; elite; elite; null. No incident anywhere.
    """
    reference = metrics_json(year_end_config, "2027-01-04T00:00:00Z")
    quiet = {
        "change_failure_rate": 0.0,
        "failed_deployment_recovery_hours_p50": None,
        "time_to_restore_hours_p50": None,
        "time_to_restore_hours_p90": None,
        "incidents": 0,
        "rework_rate": 0.0,
        "lead_time_breakdown_hours_p50": NO_BREAKDOWN,
    }

    def expect(
        as_of: str, seven: tuple[int, float, float], thirty: tuple[int, float, float]
    ) -> list[dict[str, Any]]:
        made = []
        for team in ("*", "orders"):
            for window, days, (count, p50, p90) in (("7d", 7, seven), ("30d", 30, thirty)):
                made.append(
                    {
                        "team": team,
                        "window": window,
                        "as_of": as_of,
                        "deployments": count,
                        "deployment_frequency_per_day": approx(count / days),
                        "lead_time_hours_p50": approx(p50),
                        "lead_time_hours_p90": approx(p90),
                        **quiet,
                        "bands": bands("medium", "elite", "elite", None),
                    }
                )
        return made

    assert reference == expect("2027-01-04T00:00:00Z", (3, 3.0, 3.8), (4, 2.5, 3.7))
    for spelling in ("2027-W01", "2026-W53-7T24:00Z", "2027-004", "2027-01-04T01:00+01:00"):
        assert metrics_json(year_end_config, spelling) == reference, spelling
    week_53 = metrics_json(year_end_config, "2026-W53")
    assert week_53 == expect("2026-12-28T00:00:00Z", (1, 1.0, 1.0), (2, 1.0, 1.0))
    assert metrics_json(year_end_config, "2026-W53-1") == week_53


def test_a_week_53_that_the_year_does_not_have_is_refused(year_end_config: Path) -> None:
    """§2 "``--as-of`` … ISO 8601" × exit status 2 "on a usage or configuration error" × ISO week dates.

    ISO 8601 week years have 52 or 53 weeks; 2027 (starting on a Friday) has 52, so ``2027-W53-1`` and
    ``2027-W53`` name no day, as ``2026-02-30`` and the ordinal ``2026-366`` name none: the product
    refuses those two with exit 2 and one line naming ``--as-of`` (checked here first), and so should it
    this one. ``2026-W53`` exists (12-28) and is accepted (the test above).
    """
    for impossible in ("2026-02-30", "2026-366"):
        status, out, err = cli(year_end_config, impossible)
        assert (status, out) == (2, ""), impossible
        assert "--as-of" in err and len(err.strip().splitlines()) == 1, err
    for impossible in ("2027-W53-1", "2027-W53"):
        status, out, err = cli(year_end_config, impossible)
        assert (status, out) == (2, ""), (impossible, out)
        assert "--as-of" in err and len(err.strip().splitlines()) == 1, err


# -- 5. end to end: GraphQL/REST author dates with offsets, a PagerDuty incident in +01:00 ------------------

GH_TOKEN_VARIABLE = "AUDIT_R11_TS_GITHUB_TOKEN"
PD_TOKEN_VARIABLE = "AUDIT_R11_TS_PAGERDUTY_TOKEN"
GH_TOKEN = "audit-r11-ts-gh-token"
PD_TOKEN = "audit-r11-ts-pd-token"
E2E_AS_OF = "2026-03-20T01:00:00+01:00"  # 03-20 00:00Z


def build_e2e(gh: GitHubDataset, pd: PagerDutyDataset) -> None:
    repo = gh.add_repo("acme/tz")
    started_at_six(repo)  # D0: 03-01 06:00Z, first
    gh_deploy(repo, "p", datetime(2026, 3, 1, 10, tzinfo=UTC))  # P: 03-01 10:00Z, lead 1 h
    d1 = repo.commit("d1", author_date=utc(2026, 3, 2, 9))
    d2 = repo.commit("d2", author_date=utc(2026, 3, 2, 10))
    # As GraphQL's authoredDate writes them: the author's own offset.
    repo.commits[d1]["commit"]["author"]["date"] = "2026-03-02T10:59:59+01:00"  # 09:59:59Z
    repo.commits[d2]["commit"]["author"]["date"] = "2026-03-02T11:00:00+01:00"  # 10:00:00Z
    repo.deployment(d2, created_at=utc(2026, 3, 2, 10))  # D: success 10:00:00Z
    payload = pd.add_incident("PTZ-1", "PTZ10", "Checkout failing", utc(2026, 3, 2, 10))
    created, resolved = "2026-03-02T11:00:00+01:00", "2026-03-02T12:30:00.250+01:00"
    payload.update(
        created_at=created, resolved_at=resolved, last_status_change_at=resolved, updated_at=resolved
    )


@pytest.fixture(scope="module")
def e2e_rows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[dict[str, Any]]]]:
    gh, pd_data = GitHubDataset(), PagerDutyDataset()
    build_e2e(gh, pd_data)
    found: dict[str, list[dict[str, Any]]] = {}
    with (
        pytest.MonkeyPatch.context() as patch,
        GitHubEmulator(gh, token=GH_TOKEN) as github,
        PagerDutyEmulator(pd_data, token=PD_TOKEN) as pd,
    ):
        patch.setenv(GH_TOKEN_VARIABLE, GH_TOKEN)
        patch.setenv(PD_TOKEN_VARIABLE, PD_TOKEN)
        for api in ("rest", "graphql"):
            directory = tmp_path_factory.mktemp(f"r11-ts-{api}")
            config = directory / "doraspace.yaml"
            config.write_text(
                f"database:\n  url: duckdb:///{directory}/store.duckdb\n"
                f"github:\n  base_url: {github.base_url}\n  token: ${{{GH_TOKEN_VARIABLE}}}\n"
                f"  since: 2026-03-01\n  api: {api}\n  repositories: [acme/tz]\n"
                f"pagerduty:\n  base_url: {pd.base_url}\n  token: ${{{PD_TOKEN_VARIABLE}}}\n"
                f"  ca_bundle: {pd.ca_file}\n"
                "incidents: {attribution_window: 24h}\n"
                "metrics: {windows: [30d]}\n"
                "teams: [{name: tz, repositories: [acme/tz], pagerduty_services: [PTZ10]}]\n"
            )
            for args in (["collect"], ["metrics", "--format", "json", "--as-of", E2E_AS_OF]):
                out, err = io.StringIO(), io.StringIO()
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    status = main([args[0], "--config", str(config), *args[1:]], now=utc(2026, 3, 21))
                assert status == 0, err.getvalue()
            found[api] = json.loads(out.getvalue())
    yield found


@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_offset_author_dates_and_a_plus_one_incident_end_to_end(
    e2e_rows: dict[str, list[dict[str, Any]]], api: str
) -> None:
    """Payload parsing of offsets and fractions (§5.2, §5.4) × the sweep's tie × §6.1 rule 4's closed end ×
    "values ≤ 0 are dropped" × rework at the start, through collect and ``metrics --as-of`` with an offset.

    GitHub acme/tz (team tz): D0 first 03-01 06:00Z; P 03-01 10:00Z ships p authored 09:00Z → 1 h; D
    03-02 10:00:00Z ships d1 authored ``2026-03-02T10:59:59+01:00`` = 09:59:59Z → 1 s = 1/3600 h, and
    d2 authored ``11:00:00+01:00`` = 10:00:00Z → 0, dropped. (Read without the offset, as 10:59:59Z and
    11:00:00Z, both would be negative and dropped: lead p50 1 h, p90 1 h.)
    PagerDuty PTZ-1 on PTZ10: created ``2026-03-02T11:00:00+01:00`` = 10:00Z, D's very instant and
    P + 24 h: P is the latest before it (incident first at a tie), inside (P, P + 24 h] → P failed
    (window); D deployed at its start → rework. Resolved ``12:30:00.250+01:00`` = 11:30:00.25Z: restore
    1.5 h + 0.25 s; P recovers 25.5 h + 0.25 s.
    As of ``2026-03-20T01:00:00+01:00`` = 03-20 00:00Z, 30d = (02-18, 03-20]: D0, P, D → 3 (0.1 a day);
    leads 1/3600, 1 → p50 (1 + 1/3600) / 2, p90 1/3600 + 0.9 × (1 − 1/3600); CFR 1/3; incidents 1;
    rework 1/3; no PR → no breakdown. Bands (30d): medium; elite; low; 25.5 h → medium.
    Both API modes give the same rows ("*" and tz).
    """
    second = 1 / H
    restore = 1.5 + 0.25 / H
    expected = [
        {
            "team": team,
            "window": "30d",
            "as_of": "2026-03-20T00:00:00Z",
            "deployments": 3,
            "deployment_frequency_per_day": approx(0.1),
            "lead_time_hours_p50": approx((1 + second) / 2),
            "lead_time_hours_p90": approx(second + 0.9 * (1 - second)),
            "change_failure_rate": approx(1 / 3),
            "failed_deployment_recovery_hours_p50": approx(24 + restore),
            "time_to_restore_hours_p50": approx(restore),
            "time_to_restore_hours_p90": approx(restore),
            "incidents": 1,
            "rework_rate": approx(1 / 3),
            "lead_time_breakdown_hours_p50": NO_BREAKDOWN,
            "bands": bands("medium", "elite", "low", "medium"),
        }
        for team in ("*", "tz")
    ]
    assert e2e_rows[api] == expected
