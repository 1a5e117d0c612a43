"""Audit, round 15: exact boundaries reached through arithmetic, and instants a microsecond apart.

Round 14 found a SPACE move of exactly 1.96 × √(SE₁² + SE₂²) called "rising" because floating point put
it a hair above the bound. This module hunts the same class of defect everywhere else: a number that is
*exactly* on an edge of SPEC §6.3 (or §7.4) by the SPEC's own arithmetic, but computed a last bit on the
wrong side of it; and half-open instants (windows, the attribution window, lead times ≤ 0) met at the
microsecond.

Microseconds matter: the store keeps instants to the microsecond (docs/metrics.md: "Durations are rounded
once from whole microseconds"), and a duration of 60.000001 s is not a binary fraction. The median of
two durations a and b is (a + b) / 2 (§6 "Medians and p90 are percentile_cont (linear interpolation)").
When a + b is exactly twice an edge, the median *is* the edge, and "< edge" must not hold. Computed as
``low + (high − low) × 0.5`` over the float seconds (PostgreSQL's ``percentile_cont`` arithmetic, and the
failure metrics' own SQL on both databases), two roundings (each duration to a double, then high − low)
can leave the result one ulp below the edge: 60.000001 s and 7,139.999999 s give 3,599.9999999999995 s,
0.9999999999999999 h, "< 1 hour" → elite. DuckDB's own ``percentile_cont`` (``low × 0.5 + high × 0.5``,
both halves exact) gives 3,600.0 s. The pairs below were chosen so: (a + b) / 2 is the edge exactly,
a whole number of seconds.

Analytics scenarios run ``compute_metrics`` (what ``doraspace metrics`` runs) on DuckDB and PostgreSQL;
as of 2026-06-30 00:00 UTC, attribution window 24 h; team ``order-team`` owns acme/orders (service
``orders``) and PagerDuty service P1 (``tests.analytics.scenario``). A repo's first deployment has
compare ``first``: it counts, adds no lead times (§5.2). SPACE scenarios go through the CLI (``doraspace
survey import`` a ``long`` file, then ``survey scores --format json``) with the scaffolding of
``tests/surveys/test_audit_round14_combinations.py``.

SPEC sentences leaned on: §6 "A window Nd ending at as_of is the half-open interval (as_of − N days,
as_of]"; §6.1 rule 4 "(F.deployed_at, F.deployed_at + attribution_window]" and "F is the latest
deployment of that service before the incident started"; §5.2 "values ≤ 0 are dropped"; §6.3 the band
table ("≥" frequency, "<" lead time and recovery, "≤" change failure rate), "Gaps between the report's
ranges go to the better band", "Recovery uses failed_deployment_recovery_hours_p50, falling back to
time_to_restore_hours_p50 where the team has no failed deployment with a recovery", "Bands always come
from the 90-day window (or the longest configured): every row of a team, whatever its window, carries
the same bands"; §7.4 "fewer than min_group_size respondents ... is suppressed", "until the suppressed
teams together reach min_group_size", "rising or falling when the score moved at least 5 points and
more than 1.96 × √(SE₁² + SE₂²)".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from analytics.ownership import PagerDutyScope, RepoScope
from analytics.windows import WindowSpec
from store import schema
from store.engine import open_store
from store.timeutil import to_db
from store.upsert import upsert
from tests.analytics.facts import AS_OF, PRODUCTION, SOURCE, Facts, add_incident, at, bands, sha
from tests.analytics.scenario import (
    TEAM,
    W30,
    W90,
    approx,
    day,
    failed_recovered,
    first,
    rows,
    run,
    ship,
)
from tests.surveys.test_audit_round14_combinations import SECRET_VARIABLE, Cli, row, write_csv

SETS = ("dora-2023", "dora-2021")
BACKENDS = ("duckdb", "postgresql")
MICRO = timedelta(microseconds=1)
HOUR_US = 3_600_000_000  # microseconds in an hour


def us(value: int) -> timedelta:
    return timedelta(microseconds=value)


@pytest.fixture
def facts(backend: str, request: pytest.FixtureRequest) -> Iterator[Facts]:
    """A fresh store on ``backend``: an in-memory DuckDB, or a migrated database of the session's real
    PostgreSQL server (``tests/postgres.py``)."""
    if backend == "duckdb":
        url = "duckdb:///:memory:"
    else:
        url = request.getfixturevalue("postgres").new_database(migrated=True)
    engine = open_store(url)
    try:
        yield Facts(engine)
    finally:
        engine.dispose()


def deploy_nothing(facts: Facts, deployed_at: datetime, *, repo: str = "acme/orders") -> int:
    """A deployment (compare ``ahead``) shipping no change: counts, adds no lead time."""
    return facts.deployment(deployed_at, repo=repo)


def history(facts: Facts, repo: str, first_at: datetime, times: Sequence[datetime]) -> list[int]:
    """A repo's whole history in one transaction (the rows ``Facts.deployment`` writes one at a time,
    chained the same way): its first deployment at ``first_at`` (compare ``first``), then one deployment
    with no change at each of ``times`` (compare ``ahead``), in the order given. Returns their ids."""
    deployments, compares = [], []
    previous: tuple[int, str] | None = None
    for number, deployed_at in enumerate([first_at, *times], start=1):
        head = sha(f"{repo}-history-{number}")
        deployments.append(
            {
                "repo": repo,
                "source": SOURCE,
                "deployment_id": number,
                "environment": PRODUCTION,
                "sha": head,
                "ref": "main",
                "created_at": to_db(deployed_at - timedelta(minutes=5)),
                "deployed_at": to_db(deployed_at),
                "last_state": "success",
            }
        )
        compares.append(
            {
                "repo": repo,
                "source": SOURCE,
                "deployment_id": number,
                "base_deployment_id": None if previous is None else previous[0],
                "base_sha": None if previous is None else previous[1],
                "head_sha": head,
                "status": "first" if previous is None else "ahead",
                "total_commits": 0,
            }
        )
        previous = (number, head)
    with facts.engine.begin() as conn:
        upsert(conn, schema.deployments, deployments)
        upsert(conn, schema.deployment_compares, compares)
    return list(range(2, len(times) + 2))


def incidents(facts: Facts, service: str, spans: Sequence[tuple[str, datetime, datetime]]) -> None:
    """Resolved PagerDuty incidents (id, started, resolved) of ``service``, in one transaction."""
    with facts.engine.begin() as conn:
        upsert(
            conn,
            schema.incidents,
            [
                {
                    "source": "pagerduty",
                    "incident_id": incident_id,
                    "service": service,
                    "title": "errors",
                    "description": None,
                    "urgency": "high",
                    "status": "resolved",
                    "started_at": to_db(started),
                    "resolved_at": to_db(resolved),
                    "updated_at": to_db(resolved),
                }
                for incident_id, started, resolved in spans
            ],
        )


def scope(repo: str, team: str) -> RepoScope:
    return RepoScope(repo=repo, team=team, source=SOURCE, environment=PRODUCTION, service=repo)


# Pairs of durations (whole microseconds) whose mean is exactly the edge: a + b = 2 × edge.
# edge hours → (a µs, b µs). a is a minute and a few microseconds; b the rest.
PAIRS = {
    1: (60_000_001, 7_139_999_999),  # 60.000001 s + 7,139.999999 s = 7,200 s
    24: (60_000_001, 172_739_999_999),  # 60.000001 s + 172,739.999999 s = 172,800 s
    168: (60_000_008, 1_209_539_999_992),  # 60.000008 s + 1,209,539.999992 s = 1,209,600 s
    720: (60_000_001, 5_183_939_999_999),  # 60.000001 s + 5,183,939.999999 s = 5,184,000 s
    4368: (60_000_004, 31_449_539_999_996),  # 60.000004 s + 31,449,539.999996 s = 31,449,600 s
}
# What low + (high − low) × 0.5 over the float seconds, ÷ 3600, gives (one ulp below each edge).
LOW_BY_ONE_ULP = {
    1: 0.9999999999999999,
    24: 23.999999999999996,
    168: 167.99999999999997,
    720: 719.9999999999999,
    4368: 4367.999999999999,
}

# Both were defects found by this round, fixed by interpolating over whole microseconds: the lead-time
# median on PostgreSQL (its own percentile_cont over float seconds) and the failure medians on both
# databases (analytics.failures._exact_percentiles over float seconds) came out one ulp below each edge.


# -- 0. the arithmetic the scenarios stand on (no product code) -------------------------------------------


@pytest.mark.parametrize("edge", list(PAIRS))
def test_the_pairs_are_exact_edges_that_interpolating_float_seconds_misses_by_one_ulp(edge: int) -> None:
    """(a + b) / 2 is the edge exactly, in integers. Over float seconds, ``low + (high − low) × 0.5``
    (PostgreSQL's ``percentile_cont``, and ``analytics.failures._exact_percentiles`` on both databases)
    lands one ulp below it; ``low × 0.5 + high × 0.5`` (DuckDB's ``percentile_cont``) and an interpolation
    over whole microseconds land on it."""
    a, b = PAIRS[edge]
    assert a + b == 2 * edge * HOUR_US
    low, high = a / 1_000_000, b / 1_000_000  # seconds_between: whole microseconds ÷ 10⁶, one rounding
    assert (low + (high - low) * 0.5) / 3600.0 == LOW_BY_ONE_ULP[edge] < edge
    assert (low * 0.5 + high * 0.5) / 3600.0 == edge
    assert (a + (b - a) * 0.5) / HOUR_US == edge


# -- 1. lead time p50 exactly at each edge, from two microsecond leads ---------------------------------

LEAD_BANDS = {
    # edge hours → (dora-2023, dora-2021)
    1: ("elite", "high"),  # 2023 "< 1 day"; 2021 "< 1 hour" fails → "< 1 week" high
    24: ("high", "high"),  # 2023 "< 1 day" fails → "< 1 week"; 2021 "< 1 week"
    168: ("medium", "medium"),  # "< 1 week" fails in both → 2023 "< 30 days", 2021 "< 182 days"
    720: ("low", "medium"),  # 2023 "< 1 month (30 days)" fails → low; 2021 "< 182 days"
    4368: ("low", "low"),  # 2021 "< 6 months (182 days)" fails → low; 2023 low
}


@pytest.mark.parametrize(
    ("edge", "backend"),
    [pytest.param(edge, backend, id=f"{edge}h-{backend}") for edge in PAIRS for backend in BACKENDS],
)
def test_lead_time_p50_exactly_on_each_edge_from_microsecond_leads(
    facts: Facts, edge: int, backend: str
) -> None:
    """Windows [30d, 90d]: bands from 90d = (04-01, 06-30]. The first deployment 03-01 (out of both
    windows). D at 06-20 00:00 ships two direct commits authored a and b before it (``PAIRS[edge]``,
    whole microseconds; both > 0, kept).

    Both windows: deployments D → 1 (1/30, 1/90 a day); leads [a, b]: p50 = (a + b) / 2 = the edge
    exactly (e.g. 1 h: (60.000001 + 7,139.999999) / 2 = 3,600 s); p90 = a + 0.9 × (b − a). CFR 0/1 = 0.0;
    no incident: recovery and restore null, incidents 0.

    Bands (90d): frequency 1/90 < 1/30 → 2023 low, ≥ 1/182 → 2021 medium; lead as ``LEAD_BANDS`` (the
    edge is not "< edge"); CFR 0 ≤ 5 % / ≤ 15 % → elite; recovery null (nothing to fall back to) → null.
    Every row carries the 90d bands. (One ulp below the edge, ``LOW_BY_ONE_ULP``, would band one better.)
    """
    a, b = PAIRS[edge]
    first(facts, day(3, 1))
    d = at(20)
    ship(facts, d, [("lead-a", d - us(a)), ("lead-b", d - us(b))])
    for set_index, benchmarks in enumerate(SETS):
        got = rows(run(facts, windows=(W30, W90), pagerduty=(), benchmarks=benchmarks))
        want = bands(("low", "medium")[set_index], LEAD_BANDS[edge][set_index], "elite", None)
        for team in ("*", TEAM):
            for window, days in (("30d", 30), ("90d", 90)):
                found = got[team, window]
                assert (found.deployments, found.deployment_frequency_per_day) == (1, 1 / days)
                assert found.change_failure_rate == 0.0
                assert (found.failed_deployment_recovery_hours_p50, found.time_to_restore_hours_p50) == (
                    None,
                    None,
                )
                assert found.lead_time_hours_p90 == approx((a + 0.9 * (b - a)) / HOUR_US)
                assert found.lead_time_hours_p50 == approx(float(edge))
                assert found.bands == want, (benchmarks, team, window, found.lead_time_hours_p50)


# -- 2. failed-deployment recovery p50 exactly at each recovery edge, from two microsecond recoveries ------

RECOVERY_BANDS = {1: "high", 24: "medium", 168: "low"}  # "< 1 hour" / "< 1 day" / "< 1 week" fail


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("edge", list(RECOVERY_BANDS))
def test_recovery_p50_exactly_on_each_edge_from_microsecond_recoveries(
    facts: Facts, edge: int, backend: str
) -> None:
    """Windows [30d, 90d]: bands from 90d. The first deployment 03-01 (out of both windows).

    F_b 06-01 00:00 and F_a 06-20 00:00, no change. I_b (P1) starts F_b + 30 s, resolved F_b + b; I_a
    starts F_a + 30 s, resolved F_a + a (``PAIRS[edge]``). Each starts 30 s after its deployment, the
    latest of the service before it, within 24 h: window rule → each fails its deployment, recovered at
    its resolution (b is at most 14 days: I_b is resolved before F_a; nothing is rework).

    Both windows: deployments 2 (2/30, 2/90), failed 2 → CFR 1.0; recovery [a, b] → p50 (a + b) / 2 =
    the edge exactly (e.g. 1 h: 60.000001 s and 7,139.999999 s); restore [a − 30 s, b − 30 s] → p50 the
    edge − 30 s, p90 (a − 30 s) + 0.9 × (b − a); incidents 2; lead null.

    Bands (90d): frequency 2/90 < 1/30 → 2023 low, ≥ 1/182 → 2021 medium; lead null; CFR 100 % → low;
    recovery (the team has recovered failures: not restore's) the edge, not "< edge" → ``RECOVERY_BANDS``
    (the same thresholds in both sets). One ulp below (0.9999999999999999 h) would be one band better.
    """
    a, b = PAIRS[edge]
    first(facts, day(3, 1))
    f_b = deploy_nothing(facts, at(1))
    add_incident(facts, "I_b", at(1) + timedelta(seconds=30), resolved_at=at(1) + us(b))
    f_a = deploy_nothing(facts, at(20))
    add_incident(facts, "I_a", at(20) + timedelta(seconds=30), resolved_at=at(20) + us(a))
    for set_index, benchmarks in enumerate(SETS):
        result = run(facts, windows=(W30, W90), benchmarks=benchmarks)
        assert failed_recovered(result) == {
            f_b: (("window",), at(1) + us(b)),
            f_a: (("window",), at(20) + us(a)),
        }
        got = rows(result)
        want = bands(("low", "medium")[set_index], None, "low", RECOVERY_BANDS[edge])
        for team in ("*", TEAM):
            for window, days in (("30d", 30), ("90d", 90)):
                found = got[team, window]
                assert (found.deployments, found.deployment_frequency_per_day) == (2, 2 / days)
                assert (found.change_failure_rate, found.incidents, found.lead_time_hours_p50) == (
                    1.0,
                    2,
                    None,
                )
                assert found.time_to_restore_hours_p50 == approx(edge - 30 / 3600)
                assert found.time_to_restore_hours_p90 == approx((a - 30_000_000 + 0.9 * (b - a)) / HOUR_US)
                assert found.failed_deployment_recovery_hours_p50 == approx(float(edge))
                assert found.bands == want, (
                    benchmarks,
                    team,
                    window,
                    found.failed_deployment_recovery_hours_p50,
                )


# -- 3. the recovery fallback: restore p50 exactly at each edge, no failed deployment -------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("edge", list(RECOVERY_BANDS))
def test_restore_fallback_p50_exactly_on_each_edge_from_microsecond_restores(
    facts: Facts, edge: int, backend: str
) -> None:
    """Windows [30d, 90d]: bands from 90d. The first deployment 03-01 (out of both windows); D 06-01 00:00,
    no change. I_b (P1) starts 06-05 00:00, resolved b later; I_a starts 06-20 00:00, resolved a later
    (``PAIRS[edge]``; I_b's at most 14 days end before I_a starts). The latest deployment before each is D,
    4 and 19 days earlier (> 24 h): nothing fails.

    Both windows: deployments D → 1 (1/30, 1/90); CFR 0.0; recovery null; restore [a, b] → p50 the edge
    exactly, p90 a + 0.9 × (b − a); incidents 2; lead null.

    Bands (90d): 2023 low / 2021 medium frequency; lead null; CFR elite; recovery: no failed deployment
    with a recovery → restore p50, the edge, not "< edge" → ``RECOVERY_BANDS``.
    """
    a, b = PAIRS[edge]
    first(facts, day(3, 1))
    deploy_nothing(facts, at(1))
    add_incident(facts, "I_b", at(5), resolved_at=at(5) + us(b))
    add_incident(facts, "I_a", at(20), resolved_at=at(20) + us(a))
    for set_index, benchmarks in enumerate(SETS):
        result = run(facts, windows=(W30, W90), benchmarks=benchmarks)
        assert failed_recovered(result) == {}
        got = rows(result)
        want = bands(("low", "medium")[set_index], None, "elite", RECOVERY_BANDS[edge])
        for team in ("*", TEAM):
            for window in ("30d", "90d"):
                found = got[team, window]
                assert (found.deployments, found.change_failure_rate, found.incidents) == (1, 0.0, 2)
                assert found.failed_deployment_recovery_hours_p50 is None
                assert found.time_to_restore_hours_p90 == approx((a + 0.9 * (b - a)) / HOUR_US)
                assert found.time_to_restore_hours_p50 == approx(float(edge))
                assert found.bands == want, (benchmarks, team, window, found.time_to_restore_hours_p50)


# -- 4. windows, the attribution window and lead times met at the microsecond ---------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_window_attribution_and_lead_time_instants_a_microsecond_apart(facts: Facts, backend: str) -> None:
    """Windows [30d, 90d]: 30d = (05-31 00:00, 06-30 00:00], 90d = (04-01 00:00, 06-30 00:00]; bands
    from 90d. acme/orders, PagerDuty P1 (order-team). Deployments (no change unless said), in time order:

    * first 03-01 (out of both);
    * Q0 exactly 04-01 00:00 (90d's exclusive start: out); Q1 at 04-01 00:00:00.000001 (in 90d);
    * D0 exactly 05-31 00:00 (30d's exclusive start: out of 30d, in 90d); D1 at 05-31 00:00:00.000001;
    * A0 06-01 12:00; A 06-02 00:00;
    * B 06-05 00:00 ships b, authored 3 h before (lead 3 h);
    * C 06-10 00:00; E 06-15 00:00;
    * Z exactly at as_of 06-30 00:00 (in) ships z1 authored 1 h before (lead 1 h), z2 authored exactly
      at Z (lead 0: dropped) and z3 authored 1 µs after Z (lead −1 µs: dropped), §5.2 "values ≤ 0 are
      dropped";
    * Y at as_of + 1 µs: after as_of, does not exist yet.

    Incidents on P1 (§6.1 rule 4, "(F.deployed_at, F.deployed_at + attribution_window]" and "the latest
    deployment of that service before the incident started"):

    * IA starts exactly at A (06-02 00:00), resolved 01:00. A is not before it (+0 is outside A's
      window); the latest before it is A0, 12 h earlier → A0 fails; recovery 06-02 01:00 − 06-01 12:00 =
      13 h. Restore 1 h.
    * IB starts B + 1 µs, resolved B + 2 h → B fails (1 µs after B is inside); recovery 2 h; restore
      2 h − 1 µs.
    * IC starts exactly C + 24 h (the window's inclusive end), resolved C + 25 h → C fails; recovery
      25 h; restore 1 h.
    * IE starts E + 24 h + 1 µs, resolved E + 26 h: the latest deployment before it is E, but 1 µs too
      late → fails nothing; restore 2 h − 1 µs.

    30d: D1, A0, A, B, C, E, Z → 7 (7/30 a day); failed A0, B, C → CFR 3/7; recovery [2, 13, 25] → p50
      13 h; restore [1, 1, 2 h − 1 µs, 2 h − 1 µs] → p50 at 1.5 → 1 + 0.5 × (1 h − 1 µs) = 1.5 h − 0.5 µs,
      p90 at 2.7 → 2 h − 1 µs; incidents 4; leads [1, 3] → p50 2.0, p90 1 + 0.9 × 2 = 2.8; rework (§6.2
      "deployed while an incident of its service was open", open from its start): A at IA's start → 1/7.
    90d: also Q1 and D0 → 9 (0.1 a day); CFR 3/9; the rest as 30d; rework 1/9.

    Bands (90d), dora-2023: 0.1 ≥ 1/30, < 1/7 → medium; lead 2 h → elite; 33 % → low; recovery 13 h →
    high. dora-2021: 0.1 ≥ 1/30 → high; 2 h not "< 1 hour" → high; 33 % > 30 % → low; 13 h → high.
    """
    first(facts, day(3, 1))
    q_start, month_start = AS_OF - timedelta(days=90), AS_OF - timedelta(days=30)
    for instant in (q_start, q_start + MICRO, month_start, month_start + MICRO):
        deploy_nothing(facts, instant)
    a0 = deploy_nothing(facts, at(1, 12))
    deploy_nothing(facts, at(2))
    b = ship(facts, at(5), [("b", at(5) - timedelta(hours=3))])
    c = deploy_nothing(facts, at(10))
    deploy_nothing(facts, at(15))
    ship(facts, AS_OF, [("z1", AS_OF - timedelta(hours=1)), ("z2", AS_OF), ("z3", AS_OF + MICRO)])
    deploy_nothing(facts, AS_OF + MICRO)
    add_incident(facts, "IA", at(2), resolved_at=at(2, 1))
    add_incident(facts, "IB", at(5) + MICRO, resolved_at=at(5, 2))
    add_incident(facts, "IC", at(11), resolved_at=at(11, 1))
    add_incident(facts, "IE", at(16) + MICRO, resolved_at=at(16, 2))
    micro_hours = 1 / HOUR_US
    want = {
        "dora-2023": bands("medium", "elite", "low", "high"),
        "dora-2021": bands("high", "high", "low", "high"),
    }
    for benchmarks in SETS:
        result = run(facts, windows=(W30, W90), benchmarks=benchmarks)
        assert failed_recovered(result) == {
            a0: (("window",), at(2, 1)),
            b: (("window",), at(5, 2)),
            c: (("window",), at(11, 1)),
        }
        got = rows(result)
        for team in ("*", TEAM):
            for window, count in (("30d", 7), ("90d", 9)):
                found = got[team, window]
                assert (found.deployments, found.deployment_frequency_per_day) == (
                    count,
                    count / int(window[:-1]),
                )
                assert found.change_failure_rate == 3 / count
                assert found.rework_rate == 1 / count
                assert found.incidents == 4
                assert (found.lead_time_hours_p50, found.lead_time_hours_p90) == (approx(2.0), approx(2.8))
                assert found.failed_deployment_recovery_hours_p50 == approx(13.0)
                assert found.time_to_restore_hours_p50 == approx(1.5 - micro_hours / 2)
                assert found.time_to_restore_hours_p90 == approx(2.0 - micro_hours)
                assert found.bands == want[benchmarks], (benchmarks, team, window)


# -- 5. change failure rate exactly 5 %, 10 %, 15 %, 30 % as k / n with n ≠ 20 ----------------------------

CFR_TEAMS = {
    # team → (deployments n, failed k, rate, band 2023, band 2021, frequency band in both sets)
    "c5": (140, 7, 0.05, "elite", "elite", "elite"),  # 7/140; 140/90 ≥ 1 → elite
    "c10": (70, 7, 0.10, "high", "elite", "high"),  # 7/70; 70/90 ≥ 1/7 (2023), ≥ 1/30 (2021) → high
    "c15": (60, 9, 0.15, "medium", "elite", "high"),  # 9/60; 60/90
    "c30": (70, 21, 0.30, "low", "high", "high"),  # 21/70: 2023 > 15 % low; 2021 "≤ 30 %" high
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_change_failure_rate_exactly_on_each_edge_as_k_over_n(facts: Facts, backend: str) -> None:
    """Windows [30d, 90d]: bands from 90d. Team ``c<p>`` owns acme/c<p> (its own service) and PagerDuty
    service P-c<p>. Per team (``CFR_TEAMS``): the first deployment 01-01 (out), then n deployments with
    no change at as_of − i × 15 h, i = n − 1 … 0 (the earliest 139 × 15 h = 86.9 days back: all in 90d).
    The k earliest each get an incident 1 h after them (within 24 h, they are the latest before it:
    window rule), resolved 3 h after them (recovery 3 h, restore 2 h).

    90d: deployments n (n/90 a day), failed k → CFR k/n = 0.05, 0.10, 0.15, 0.30: the very doubles the
    thresholds are written as (an integer division is correctly rounded), "≤" holds; recovery p50 3.0;
    restore p50 2.0; incidents k; lead null.
    30d (i × 15 h < 720 h → i ≤ 47): 48 deployments, none failed (the failures are at i ≥ 49), CFR 0.0;
    nothing resolved in it (the last resolution is as_of − 49 × 15 h + 3 h = as_of − 732 h): restore null.
    "*" 90d: 140 + 70 + 60 + 70 = 340 deployments, 7 + 7 + 9 + 21 = 44 failed: CFR 44/340 = 11/85 ≈ 0.129
    → 2023 medium, 2021 elite; 340/90 → elite; recovery 3 h → high. 30d: 4 × 48 = 192, CFR 0.0.

    Bands per team (90d), every row: frequency and CFR as ``CFR_TEAMS``; lead null; recovery 3 h → high.
    """
    scopes, pagerduty = [], []
    for team, (count, failures, *_) in CFR_TEAMS.items():
        repo = f"acme/{team}"
        times = [AS_OF - timedelta(hours=15 * i) for i in reversed(range(count))]
        history(facts, repo, day(1, 1), times)
        incidents(
            facts,
            f"P-{team}",
            [
                (f"{team}-{n}", t + timedelta(hours=1), t + timedelta(hours=3))
                for n, t in enumerate(times[:failures])
            ],
        )
        scopes.append(scope(repo, team))
        pagerduty.append(PagerDutyScope(f"P-{team}", team, (repo,)))
    for set_index, benchmarks in enumerate(SETS):
        got = rows(run(facts, scopes, pagerduty, windows=(W30, W90), benchmarks=benchmarks))
        for team, (count, failures, rate, band_2023, band_2021, frequency) in CFR_TEAMS.items():
            quarter, month = got[team, "90d"], got[team, "30d"]
            assert (quarter.deployments, quarter.deployment_frequency_per_day) == (count, count / 90)
            assert quarter.change_failure_rate == rate, team  # the very double: not a bit above
            assert (quarter.incidents, quarter.lead_time_hours_p50) == (failures, None)
            assert quarter.failed_deployment_recovery_hours_p50 == approx(3.0)
            assert quarter.time_to_restore_hours_p50 == approx(2.0)
            assert (month.deployments, month.change_failure_rate, month.time_to_restore_hours_p50) == (
                48,
                0.0,
                None,
            )
            want = bands(frequency, None, (band_2023, band_2021)[set_index], "high")
            assert quarter.bands == month.bands == want, (benchmarks, team)
        org_quarter, org_month = got["*", "90d"], got["*", "30d"]
        assert (org_quarter.deployments, org_quarter.change_failure_rate) == (340, 44 / 340)
        assert (org_quarter.incidents, org_quarter.failed_deployment_recovery_hours_p50) == (44, approx(3.0))
        assert (org_month.deployments, org_month.change_failure_rate) == (192, 0.0)
        want = bands("elite", None, ("medium", "elite")[set_index], "high")
        assert org_quarter.bands == org_month.bands == want, benchmarks


# -- 6. deployment frequency exactly 1/day, 1/7, 1/30, 1/182 as n / N, N the band window's days ----------

FREQUENCY_CASES = [
    # (window, deployments, per day, band 2023, band 2021)
    (WindowSpec("30d", 30), 30, 1.0, "elite", "elite"),  # 30/30: "≥ 1 / day"
    (WindowSpec("13w", 91), 13, 1 / 7, "high", "high"),  # 13/91: 2023 "≥ 1 / week"; 2021 ≥ 1/30
    (WindowSpec("360d", 360), 12, 1 / 30, "medium", "high"),  # 12/360: "≥ 1 / month (1/30 per day)"
    (WindowSpec("52w", 364), 2, 1 / 182, "low", "medium"),  # 2/364: 2021 "≥ 1 / 6 months (1/182 per day)"
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_deployment_frequency_exactly_on_each_edge_with_microsecond_window_ends(
    facts: Facts, backend: str
) -> None:
    """One team per case, ``f<n>`` owning acme/f<n>; the case's window is the only one configured, so the
    bands come from it (the longest). Window W = (as_of − N days, as_of]. Deployments (no change): the
    first one day before W's start (out); one exactly at W's start (out: the start is exclusive); one at
    W's start + 1 µs (in); then n − 1 at as_of − j × ⌊24N / n⌋ h, j = n − 2 … 0 (the last exactly at
    as_of, in); and one at as_of + 1 µs (after as_of: does not exist yet).

    Counted: n; frequency n / N — an integer division, correctly rounded, so the very double 1.0, 1/7,
    1/30, 1/182 the thresholds are written as: "≥" holds. Lead null; CFR 0/n → elite; no incident:
    recovery null. Bands as ``FREQUENCY_CASES``.
    """
    for window, count, _, _, _ in FREQUENCY_CASES:
        repo = f"acme/f{count}"
        start = AS_OF - timedelta(days=window.days)
        step = timedelta(hours=(24 * window.days) // count)
        times = [start, start + MICRO]
        times += [AS_OF - j * step for j in reversed(range(count - 1))]
        times.append(AS_OF + MICRO)
        history(facts, repo, start - timedelta(days=1), times)
    for set_index, benchmarks in enumerate(SETS):
        for window, count, per_day, band_2023, band_2021 in FREQUENCY_CASES:
            team = f"f{count}"
            got = rows(
                run(facts, [scope(f"acme/{team}", team)], (), windows=(window,), benchmarks=benchmarks)
            )
            for group in ("*", team):
                found = got[group, window.label]
                assert (found.deployments, found.deployment_frequency_per_day) == (count, per_day)
                assert (found.lead_time_hours_p50, found.change_failure_rate) == (None, 0.0)
                want = bands((band_2023, band_2021)[set_index], None, "elite", None)
                assert found.bands == want, (benchmarks, group, window.label)


# -- 7. SPACE: a move of exactly 5 points that floats put below 5, SE 0 on one side ------------------------

TOOLS = "I am satisfied with the tools and processes I use to do my work"
AGREE5 = (
    "{points: 5, labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree], "
    "favourable: [4, 5]}"
)
ONE_ITEM = f"""
survey: devex
scales:
  agree5: {AGREE5}
missing: ["I don't know", "N/A", "Not applicable", ""]
team_question: "Which team are you on?"
items:
  - {{id: sat_tools, text: "{TOOLS}", dimension: satisfaction, scale: agree5}}
"""
LONG_HEADER = ["respondent_id", "team", "submitted_at", "item_id", "answer"]
Q2, Q3 = "2026-Q2", "2026-Q3"
SAT = "satisfaction"


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv(SECRET_VARIABLE, "round15-exact-boundaries-secret")
    return Cli(tmp_path, capsys)


def long_quarter(cli: Cli, quarter: str, answers: Sequence[tuple[str, str, str]]) -> None:
    """Imports ``answers`` (respondent id, team, sat_tools answer) as a ``long`` file for ``quarter``."""
    definition = cli.definition("devex", ONE_ITEM)
    rows_ = [LONG_HEADER, *([who, team, "", "sat_tools", answer] for who, team, answer in answers)]
    cli.imported(write_csv(cli.folder / f"{quarter}.csv", rows_), definition, quarter)


def people(prefix: str, team: str, answers: Sequence[str]) -> list[tuple[str, str, str]]:
    return [(f"{prefix}{n}", team, answer) for n, answer in enumerate(answers)]


def test_a_move_of_exactly_five_points_computed_below_five_with_one_side_unanimous(cli: Cli) -> None:
    """min_group_size 3; teams orders and payments (no headcount: rates null); one item, tools
    (satisfaction, agree5, favourable 4–5), so each respondent's own score is their answer on 0–100.

    Q2: orders 40 × "1" (0); payments 32 × "1", 8 × "2" (25). Q3: orders 32 × "1", 8 × "2"; payments
    40 × "1".
    * orders Q2: mean 1 → score 0, SE 0 (unanimous); Q3: mean 48/40 = 1.2 → (0.2 / 4) × 100 = 5 exactly
      (in floats (1.2 − 1) / 4 × 100 = 4.999999999999999). Own scores 32 × 0, 8 × 25: mean 5, Σ(y − ȳ)² =
      32 × 25 + 8 × 400 = 4,000, sample variance 4,000/39, SE² = 100/39, SE = 1.601; 1.96 × √(0 + 100/39)
      = 3.139. Moved exactly 5: "at least 5 points" and more than 3.139 → rising.
    * payments: the mirror, 5 → 0, moved −5 → falling.
    * "*": both quarters 72 × 1 and 8 × 2 → mean 1.1 → score 2.5, moved 0 → stable; 80 respondents.
    favourable 0 everywhere (no 4 or 5).
    """
    cli.configure("  - {name: orders}\n  - {name: payments}\n", minimum=3)
    some_twos = ["1"] * 32 + ["2"] * 8
    long_quarter(cli, Q2, people("o", "orders", ["1"] * 40) + people("p", "payments", some_twos))
    long_quarter(cli, Q3, people("o", "orders", some_twos) + people("p", "payments", ["1"] * 40))
    assert cli.scores() == [
        row("*", Q2, SAT, 2.5, 0.0, 80, None),
        row("*", Q3, SAT, 2.5, 0.0, 80, None, "stable"),
        row("orders", Q2, SAT, 0.0, 0.0, 40, None),
        row("orders", Q3, SAT, 5.0, 0.0, 40, None, "rising"),
        row("payments", Q2, SAT, 5.0, 0.0, 40, None),
        row("payments", Q3, SAT, 0.0, 0.0, 40, None, "falling"),
    ]


# -- 8. SPACE: groups of exactly min_group_size, hidden teams reaching it exactly -------------------------


def test_groups_and_hidden_teams_exactly_at_min_group_size(cli: Cli) -> None:
    """min_group_size 4; teams orders, search, ops, infra (no headcount); one item, tools (agree5).

    Q2: orders 5 × "3", search 4 × "3", ops 3 × "3". ops 3 < 4 → suppressed. "*" 12 ≥ 4 is shown; the
      hidden hold 3 < 4 → the smallest shown team, search (4), is hidden too; now 7 ≥ 4. Shown: "*"
      (score 50, favourable 0, 12 respondents), orders (50, 0, 5).
    Q3: orders 4 × "4" and one "N/A" (5 in the quarter, 4 on the dimension: exactly 4, shown); search
      4 × "4" (exactly 4: "fewer than" does not hold, shown); ops 3 × "2" and infra 1 × "5" suppressed:
      together exactly 4 — "until the suppressed teams together reach min_group_size" is met, nobody else
      is hidden.
      * orders: 75, favourable 1.0, 4; vs Q2 50 (SE 0 and 0): moved 25 → rising.
      * search: 75, 1.0, 4; Q2 hidden → change null.
      * "*": answers 8 × 4, 3 × 2, 1 × 5 = 43 over 12 → (31/12)/4 × 100 = 775/12 ≈ 64.583; favourable
        (8 + 1)/12 = 0.75; 12 respondents. Own scores 8 × 75, 3 × 25, 1 × 100: Σy² = 56,875, SS = 56,875
        − 12 × (775/12)² = 81,875/12, variance SS/11, SE² = 81,875/1,584 ≈ 51.69, SE ≈ 7.190; 1.96 × SE ≈
        14.09 < moved 775/12 − 50 = 175/12 ≈ 14.58 (≥ 5) → rising.
    """
    cli.configure("  - {name: orders}\n  - {name: search}\n  - {name: ops}\n  - {name: infra}\n", minimum=4)
    long_quarter(
        cli,
        Q2,
        people("o", "orders", ["3"] * 5) + people("s", "search", ["3"] * 4) + people("x", "ops", ["3"] * 3),
    )
    long_quarter(
        cli,
        Q3,
        people("o", "orders", ["4"] * 4 + ["N/A"])
        + people("s", "search", ["4"] * 4)
        + people("x", "ops", ["2"] * 3)
        + people("i", "infra", ["5"]),
    )
    assert cli.scores() == [
        row("*", Q2, SAT, 50.0, 0.0, 12, None),
        row("*", Q3, SAT, 775 / 12, 0.75, 12, None, "rising"),
        row("orders", Q2, SAT, 50.0, 0.0, 5, None),
        row("orders", Q3, SAT, 75.0, 1.0, 4, None, "rising"),
        row("search", Q3, SAT, 75.0, 1.0, 4, None),
    ]
