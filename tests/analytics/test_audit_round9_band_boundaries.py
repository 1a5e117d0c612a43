"""Audit, round 9: benchmark bands exactly at their boundaries × both sets × the recovery fallback × windows.

Every metric here is built from raw facts (``tests.analytics.facts``) to land exactly on a band edge of SPEC
§6.3 (or one step beside it) through the real arithmetic of ``compute_metrics`` (what ``doraspace
metrics`` runs), combined with which window the bands come from and with the recovery fallback. Every
expected number is worked out by hand in the test's docstring.

As of 2026-06-30 00:00 UTC unless a scenario says otherwise; attribution window 24 h. Team ``order-team``
owns acme/orders (service ``orders``) and PagerDuty service P1; ``payments`` owns acme/pay and P2. A repo's
first deployment has compare ``first``: it counts, adds no lead times (§5.2). A deployment "with no
change" has compare ``ahead`` and no commits: it counts and adds no lead time.

SPEC sentences the scenarios lean on:

* §6 "A window ``Nd`` ending at ``as_of`` is the half-open interval ``(as_of − N days, as_of]``";
  "a ratio or percentile with nothing to measure is null, never 0"; "Medians and p90 are percentile_cont".
* §6.2 ``deployment_frequency_per_day`` "deployments / N"; ``change_failure_rate`` "failed deployments ÷
  deployments, both in the window"; recovery "over failed deployments in the window that have recovered
  by as_of".
* §6.3 the band table ("≥" for frequency, "<" for lead time and recovery, "≤" for change failure rate;
  1/month = 1/30 per day, 6 months = 182 days); "Gaps between the report's ranges go to the better
  band"; dora-2021 bands change failure rate "as elite, high or low only"; "Recovery uses
  failed_deployment_recovery_hours_p50, falling back to time_to_restore_hours_p50 where the team has no
  failed deployment with a recovery"; "Bands always come from the 90-day window (or the longest
  configured): every row of a team, whatever its window, carries the same bands"; "null where the metric
  is null".
* docs/metrics.md "Bands": ``deployments = 0`` is a frequency of 0 per day, banded ``low``.

Floating point: ``k / N`` of two integers is correctly rounded, so 3/90, 13/91 or 6/40 are the very doubles
1/30, 1/7 and 0.15 the thresholds are written as; where the scenarios assert such a value they assert it
with ``==`` (the last bit matters at an edge), elsewhere with a 1e-9 tolerance.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from analytics.ownership import PagerDutyScope, RepoScope
from analytics.windows import WindowSpec
from store import schema
from store.timeutil import to_db
from store.upsert import upsert
from tests.analytics.facts import AS_OF, PRODUCTION, REPO, SOURCE, Facts, add_incident, at, bands, sha
from tests.analytics.scenario import (
    FIRST_SHA,
    LATER,
    ORDERS,
    P1,
    P2,
    PAY,
    PAY_REPO,
    PAY_TEAM,
    SECOND,
    TEAM,
    W7,
    W30,
    W90,
    check,
    day,
    failed_recovered,
    first,
    rollback,
    rows,
    run,
)

SETS = ("dora-2023", "dora-2021")
W180, W365 = WindowSpec("180d", 180), WindowSpec("365d", 365)


@pytest.fixture
def facts() -> Facts:
    """An in-memory DuckDB store: these scenarios write a few hundred facts, one transaction each, and the
    module must stay within its time budget (the SQL is the same on PostgreSQL, which the backend-parity
    audits exercise)."""
    return Facts.in_memory()


def deploy(
    facts: Facts, deployed_at: datetime, leads: Sequence[float] = (), *, repo: str = REPO, tag: str = ""
) -> int:
    """A deployment (compare ``ahead``) shipping one direct commit per lead time, authored that many hours
    before it; no leads: a deployment with no change."""
    shas = [
        facts.commit(
            sha(f"{repo}-{deployed_at.isoformat()}-{index}{tag}"),
            deployed_at - timedelta(hours=lead),
            repo=repo,
        )
        for index, lead in enumerate(leads)
    ]
    return facts.deployment(deployed_at, ships=shas, repo=repo)


def chain(
    facts: Facts, repo: str, first_at: datetime, later: Sequence[tuple[datetime, float | None]]
) -> list[int]:
    """A repo's whole deployment history written at once (the rows ``Facts.deployment`` writes one by one,
    chained the same way): the first deployment at ``first_at`` (compare ``first``), then each of ``later``
    in the order given (compare ``ahead`` with the one before), shipping one direct commit of the given lead
    in hours (None: no change). Returns the ids of ``later``. A hundred deployments a scenario would take
    seconds one transaction at a time; the module has a time budget."""
    deployments, compares, shipped, commits, ids = [], [], [], [], []
    previous: tuple[int, str] | None = None
    for number, (deployed_at, lead) in enumerate([(first_at, None), *later], start=1):
        head = sha(f"{repo}-chain-{number}")
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
                "total_commits": 0 if lead is None else 1,
            }
        )
        if lead is not None:
            author_date = deployed_at - timedelta(hours=lead)
            commits.append(
                {
                    "repo": repo,
                    "sha": head,
                    "parent_shas": f"{head}-parent0",
                    "parent_count": 1,
                    "author_date": to_db(author_date),
                    "committed_date": to_db(author_date),
                    "message": f"commit {number}",
                }
            )
            shipped.append(
                {"repo": repo, "source": SOURCE, "deployment_id": number, "sha": head, "position": 0}
            )
        if previous is not None:
            ids.append(number)
        previous = (number, head)
    with facts.engine.begin() as conn:
        for table, rows_ in (
            (schema.commits, commits),
            (schema.deployments, deployments),
            (schema.deployment_compares, compares),
            (schema.deployment_commits, shipped),
        ):
            upsert(conn, table, rows_)
    return ids


def scope(repo: str, team: str) -> RepoScope:
    return RepoScope(repo=repo, team=team, source=SOURCE, environment=PRODUCTION, service=repo)


# -- 1. windows [7d, 30d] only: bands from 30d; 1/day, 24 h, 10 % and a 24 h recovery beating restore ------


def test_7d_and_30d_only_band_from_30d_with_every_key_on_an_edge(facts: Facts) -> None:
    """Windows [7d, 30d] (no 90d: bands from 30d, the longest). 30d = (05-31 00:00, 06-30 00:00], 7d =
    (06-23 00:00, 06-30 00:00].

    Facts: the first deployment exactly at 05-31 00:00 (the 30d exclusive start: out). Then 30 deployments
    in time order: 06-01 … 06-22 at 00:00 (22), 06-01 … 06-06 at 12:00 (6), 06-25 and 06-30 00:00 (= as_of,
    in). Each ships one change. Leads: the 28 deployments up to 06-22 get 12 × 2 h, 20 h, 28 h and 14 ×
    100 h; 06-25 and 06-30 get 2 h each. Incidents on P1 half an hour after the deployments of 06-08,
    06-12, 06-16 (each its service's latest deployment, within 24 h: window rule), resolved 12 h, 24 h and
    48 h after those deployments.

    30d: deployments 30 → 30/30 = 1.0 a day exactly. Leads (n 30): 14 × 2, 20, 28, 14 × 100; p50 rank
    0.5 × 29 = 14.5 → 20 + 0.5 × 8 = 24 h exactly; p90 rank 26.1 → 100. CFR 3/30 = 0.1 (the double 0.10).
    Recovery 12, 24, 48 → p50 24 h. Restore 11.5, 23.5, 47.5 → p50 23.5, p90 rank 1.8 → 23.5 + 0.8 × 24 =
    42.7. Incidents 3.
    7d: 06-25, 06-30 → 2 (2/7 a day); leads 2, 2 → 2 h; CFR 0; no recovery, no restore, no incident.

    Bands (30d) dora-2023: 1.0 "≥ 1 / day" → elite; 24 h not "< 1 day", "< 1 week" → high; 10 % "≤ 10 %"
    → high; recovery 24 h (the team has a recovered failure, so not restore's 23.5 h, which would be high)
    not "< 1 day" → medium. dora-2021: elite; 24 h → high; 10 % "≤ 15 %" → elite; medium.
    (7d's own numbers would give 2023 high, elite, elite, null: they must not show.)
    """
    times = sorted(
        [at(dom) for dom in range(1, 23)] + [at(dom, 12) for dom in range(1, 7)] + [at(25), at(30)]
    )
    assert len(times) == 30 and times[-1] == AS_OF
    leads = [2.0] * 12 + [20.0, 28.0] + [100.0] * 14 + [2.0, 2.0]
    ids = dict(zip(times, chain(facts, REPO, day(5, 31), list(zip(times, leads, strict=True))), strict=True))
    for index, (dom, hours) in enumerate(((8, 12), (12, 24), (16, 48))):
        add_incident(facts, f"I{index}", at(dom, 0.5), resolved_at=at(dom, hours))
    want = {
        "dora-2023": bands("elite", "high", "high", "medium"),
        "dora-2021": bands("elite", "high", "elite", "medium"),
    }
    for benchmarks in SETS:
        result = run(facts, windows=(W7, W30), benchmarks=benchmarks)
        assert failed_recovered(result) == {
            ids[at(8)]: (("window",), at(8, 12)),
            ids[at(12)]: (("window",), at(13)),
            ids[at(16)]: (("window",), at(18)),
        }
        got = rows(result)
        for team in ("*", TEAM):
            month, week = got[team, "30d"], got[team, "7d"]
            assert (month.deployments, month.deployment_frequency_per_day) == (30, 1.0)
            assert month.change_failure_rate == 0.10
            check(
                month,
                lead_time_hours_p50=24.0,
                lead_time_hours_p90=100.0,
                failed_deployment_recovery_hours_p50=24.0,
                time_to_restore_hours_p50=23.5,
                time_to_restore_hours_p90=42.7,
                incidents=3,
            )
            check(
                week,
                deployments=2,
                deployment_frequency_per_day=2 / 7,
                lead_time_hours_p50=2.0,
                change_failure_rate=0.0,
                failed_deployment_recovery_hours_p50=None,
                time_to_restore_hours_p50=None,
                incidents=0,
            )
            assert month.bands == week.bands == want[benchmarks], (benchmarks, team)


# -- 2. windows [7d, 180d, 365d]: bands from 365d, where 1/month, 1/week and 1/6 months are not whole -------

# count → (in 180d, in 7d, band 2023, band 2021); one team per count, team "f<count>" owning acme/f<count>.
YEAR_CASES = {
    # 2/365 = 0.0054795 < 1/182 = 0.0054945: twice a year is below "1 / 6 months" → low in 2021 too
    # (180d's own 1/180 would be medium in 2021).
    2: (1, 1, "low", "low"),
    3: (2, 1, "low", "medium"),  # 3/365 = 0.00822: 2021 ≥ 1/182 → medium; 2023 < 1/30 → low
    12: (6, 1, "low", "medium"),  # 12/365 = 0.032877 < 1/30 = 0.033333: "monthly" is low in 2023
    13: (7, 1, "medium", "high"),  # 13/365 = 0.035616 ≥ 1/30: 2023 medium, 2021 high
    52: (26, 1, "medium", "high"),  # 52/365 = 0.142466 < 1/7 = 0.142857: "weekly" is medium in 2023
    53: (27, 2, "high", "high"),  # 53/365 = 0.145205 ≥ 1/7 → high
}


def test_365d_band_window_frequency_edges_that_365_days_do_not_divide(facts: Facts) -> None:
    """Windows [7d, 180d, 365d]: no 90d, so bands come from 365d, the longest. 365d = (2025-06-30 00:00,
    2026-06-30 00:00]; 180d starts 4,320 h before as_of; 7d 168 h before.

    Facts, per team ``f<k>`` (acme/f<k>), k = 2, 3, 12, 13, 52, 53: the first deployment exactly at
    2025-06-30 00:00 (365d's exclusive start: out of every window), then k deployments with no change at
    as_of − (1 + i × s) hours, i = k − 1 … 0, s = ⌊8700 / k⌋ (the earliest < 8,701 h ≈ 362.5 days back: all
    in 365d). No incident.

    In 180d (1 + i × s < 4,320): k 2 (s 4350): 1, 4351 → 1. 3 (s 2900): 1, 2901 | 5801 → 2. 12 (s 725):
    i ≤ 5 (3626; i 6 → 4351) → 6. 13 (s 669): i ≤ 6 (4015; 7 → 4684) → 7. 52 (s 167): i ≤ 25 (4176; 26 →
    4343) → 26. 53 (s 164): i ≤ 26 (4265; 27 → 4429) → 27.
    In 7d (1 + i × s < 168): i 0 always; 53: 165 too → 2; 52: i 1 is 168 h, exactly the 7d exclusive start →
    out → 1.

    365d: deployments k, frequency k/365; no lead time → null band; CFR 0/k = 0 → elite; no failed
    deployment and no incident → recovery null → null band. Every row of a team carries its 365d bands.
    "*": 2 + 3 + 12 + 13 + 52 + 53 = 135 → 135/365 = 0.37 a day: ≥ 1/7, < 1 → high in both sets.
    """
    scopes = []
    for count in YEAR_CASES:
        repo = f"acme/f{count}"
        step = 8700 // count
        later = [(AS_OF - timedelta(hours=1 + index * step), None) for index in reversed(range(count))]
        chain(facts, repo, AS_OF - timedelta(days=365), later)
        scopes.append(scope(repo, f"f{count}"))
    for set_index, benchmarks in enumerate(SETS):
        got = rows(run(facts, scopes, (), windows=(W365, W7, W180), benchmarks=benchmarks))
        for count, (in_180d, in_7d, *frequency_bands) in YEAR_CASES.items():
            team = f"f{count}"
            year = got[team, "365d"]
            assert (year.deployments, year.deployment_frequency_per_day) == (count, count / 365)
            check(
                year,
                lead_time_hours_p50=None,
                change_failure_rate=0.0,
                failed_deployment_recovery_hours_p50=None,
                time_to_restore_hours_p50=None,
                incidents=0,
            )
            assert (got[team, "180d"].deployments, got[team, "7d"].deployments) == (in_180d, in_7d), team
            for window in ("7d", "180d", "365d"):
                assert got[team, window].bands == bands(frequency_bands[set_index], None, "elite", None), (
                    benchmarks,
                    team,
                    window,
                )
        check(got["*", "365d"], deployments=135, deployment_frequency_per_day=135 / 365)
        for window in ("7d", "180d", "365d"):
            assert got["*", window].bands == bands("high", None, "elite", None), (benchmarks, window)


# -- 3. windows [90d, 180d]: bands from 90d (not the longest), 1/day, 1/week, 1/30 and 1/182 edges ---------

# count → (band 2023, band 2021); one team per count, team "g<count>" owning acme/g<count>.
QUARTER_CASES = {
    90: ("elite", "elite"),  # 90/90 = 1.0 "≥ 1 / day" (180d's 92/180 would be high)
    89: ("high", "high"),  # 89/90 just below 1 a day
    13: (
        "high",
        "high",
    ),  # 13/90 = 0.1444 ≥ 1/7 (a week is 12.857 deployments in 90 days); 180d's 15/180 medium
    12: ("medium", "high"),  # 12/90 = 0.1333 < 1/7
    3: ("medium", "high"),  # 3/90 is the double 1/30: "≥ 1 / month (1/30 per day)" in both sets
    2: ("low", "medium"),  # 2/90 < 1/30 → 2023 low; ≥ 1/182 → 2021 medium
}


def test_90d_band_window_frequency_edges_beside_a_longer_180d(facts: Facts) -> None:
    """Windows [180d, 90d] configured in that order: bands from 90d, although 180d is longer. 90d =
    (04-01 00:00, 06-30 00:00], 180d = (2026-01-01 00:00, 06-30 00:00].

    Facts, per team ``g<k>`` (acme/g<k>), k = 90, 89, 13, 12, 3, 2: the first deployment 01-15 (180d only);
    one with no change exactly at 04-01 00:00 (90d's exclusive start: 180d only); then k with no change at
    as_of − i days, i = k − 1 … 0 (the last exactly at as_of; the earliest at most 89 days back: in 90d).

    90d: k deployments, frequency k/90; 180d: k + 2. No change → lead null; CFR 0 → elite; no incident →
    recovery null. Every row of a team carries its 90d bands.
    "*": 90d 90 + 89 + 13 + 12 + 3 + 2 = 209 → 209/90 ≥ 1 → elite in both; 180d 209 + 12 = 221.
    """
    scopes = []
    for count in QUARTER_CASES:
        repo = f"acme/g{count}"
        later = [(AS_OF - timedelta(days=90), None)]
        later += [(AS_OF - timedelta(days=index), None) for index in reversed(range(count))]
        chain(facts, repo, day(1, 15), later)
        scopes.append(scope(repo, f"g{count}"))
    for set_index, benchmarks in enumerate(SETS):
        got = rows(run(facts, scopes, (), windows=(W180, W90), benchmarks=benchmarks))
        for count, frequency_bands in QUARTER_CASES.items():
            team = f"g{count}"
            quarter, half = got[team, "90d"], got[team, "180d"]
            assert (quarter.deployments, quarter.deployment_frequency_per_day) == (count, count / 90)
            assert (half.deployments, half.deployment_frequency_per_day) == (count + 2, (count + 2) / 180)
            assert (quarter.change_failure_rate, quarter.lead_time_hours_p50) == (0.0, None)
            for row in (quarter, half):
                assert row.bands == bands(frequency_bands[set_index], None, "elite", None), (
                    benchmarks,
                    team,
                    row.window,
                )
        assert got["g3", "90d"].deployment_frequency_per_day == 1 / 30
        check(got["*", "90d"], deployments=209)
        check(got["*", "180d"], deployments=221)
        for window in ("90d", "180d"):
            assert got["*", window].bands == bands("elite", None, "elite", None), (benchmarks, window)


# -- 4. windows [7d, 90d, 365d]: a failure recovered exactly at as_of, or one second later (fallback) -------


@pytest.mark.parametrize(
    ("recovered", "sets"),
    # The recovery thresholds are the same in both sets: the fallback case runs under both, the other
    # under dora-2023 only (the module's time budget).
    [(True, ("dora-2023",)), (False, SETS)],
)
def test_failure_recovered_at_as_of_or_just_after_with_a_365d_window_that_has_an_elite_recovery(
    facts: Facts, recovered: bool, sets: tuple[str, ...]
) -> None:
    """Windows [7d, 90d, 365d]: bands from 90d = (04-01, 06-30], not from 365d = (2025-06-30, 2026-06-30].

    Facts (P1, order-team): the first deployment 01-02. D2 02-01 00:00, no change; I1 02-01 00:10 → 00:40
    (window → D2, recovered 40 min = 2/3 h after it; restore 0.5 h). I3 05-01 00:00 → 05-02 00:00 (restore
    exactly 24 h; the latest deployment before it, D2, is months earlier: fails nothing). D3 06-10 00:00
    ships a change with lead 3 h; I2 06-10 01:00 (window → D3), resolved exactly at as_of (``recovered``)
    or one second after it.

    90d: deployments D3 → 1 (1/90 a day); lead 3; CFR 1/1; incidents I3, I2 → 2.
      recovered: D3 recovered at as_of ("recovered by as_of" includes as_of): 06-10 00:00 → 06-30 00:00 =
        480 h. Restore I3 24, I2 479 → p50 251.5, p90 24 + 0.9 × 455 = 433.5.
      not: D3 not recovered → recovery null; restore I3 only → 24 h; the team has a failed deployment in
        the band window but none with a recovery: falls back to 24 h.
    365d: deployments first, D2, D3 → 3; CFR 2/3; recovery D2 2/3 h (and D3 480 when recovered → p50
      (2/3 + 480) / 2); restore I1 0.5, I3 24 (and I2 479 when recovered).
    7d: no deployment, no incident started; restore: I2 (479 h) when resolved at as_of, else null.

    Bands (90d), dora-2023: 1/90 < 1/30 → low; 3 h elite; 100 % low; recovered: 480 h not "< 1 week" → low;
    not: fallback 24 h not "< 1 day" → medium. dora-2021: 1/90 ≥ 1/182 → medium; 3 h → high; low; the
    same recovery bands. (365d's recovery of 2/3 h — elite — must not be used in either case.)
    """
    first(facts, day(1, 2))
    d2 = deploy(facts, day(2, 1))
    add_incident(
        facts, "I1", day(2, 1) + timedelta(minutes=10), resolved_at=day(2, 1) + timedelta(minutes=40)
    )
    add_incident(facts, "I3", day(5, 1), resolved_at=day(5, 2))
    d3 = deploy(facts, at(10), [3.0])
    resolved = AS_OF if recovered else AS_OF + SECOND
    add_incident(facts, "I2", at(10, 1), resolved_at=resolved)
    recovery_band = "low" if recovered else "medium"
    want = {
        "dora-2023": bands("low", "elite", "low", recovery_band),
        "dora-2021": bands("medium", "high", "low", recovery_band),
    }
    for benchmarks in sets:
        result = run(facts, windows=(W365, W90, W7), benchmarks=benchmarks)
        assert failed_recovered(result) == {
            d2: (("window",), day(2, 1) + timedelta(minutes=40)),
            d3: (("window",), AS_OF if recovered else None),
        }
        got = rows(result)
        for team in ("*", TEAM):
            quarter, year, week = got[team, "90d"], got[team, "365d"], got[team, "7d"]
            check(
                quarter,
                deployments=1,
                deployment_frequency_per_day=1 / 90,
                lead_time_hours_p50=3.0,
                change_failure_rate=1.0,
                incidents=2,
            )
            if recovered:
                check(
                    quarter,
                    failed_deployment_recovery_hours_p50=480.0,
                    time_to_restore_hours_p50=251.5,
                    time_to_restore_hours_p90=433.5,
                )
                check(
                    year,
                    failed_deployment_recovery_hours_p50=(2 / 3 + 480) / 2,
                    time_to_restore_hours_p50=24.0,
                )
            else:
                check(
                    quarter,
                    failed_deployment_recovery_hours_p50=None,
                    time_to_restore_hours_p50=24.0,
                    time_to_restore_hours_p90=24.0,
                )
                check(year, failed_deployment_recovery_hours_p50=2 / 3, time_to_restore_hours_p50=12.25)
            check(year, deployments=3, change_failure_rate=2 / 3, incidents=3)
            # 7d: I2's resolution at as_of is inside it when it counts as resolved by then.
            check(
                week,
                deployments=0,
                incidents=0,
                change_failure_rate=None,
                time_to_restore_hours_p50=479.0 if recovered else None,
            )
            for row in (week, quarter, year):
                assert row.bands == want[benchmarks], (benchmarks, team, row.window)


# -- 5. the organisation's pooled change failure rate exactly at 15 % / 30 %; a failed team with no band -----


@pytest.mark.parametrize(
    ("pay_failures", "pay_2023", "pay_2021", "org_rate", "org_2023", "org_2021"),
    # (None: not run under dora-2023, where 30 % is no edge: the module's time budget.)
    [
        # payments 2/18 = 0.111: 2023 medium, 2021 elite. "*" 3/20 = 0.15 exactly: 2023 "≤ 15 %" medium,
        # 2021 "≤ 15 %" elite (the mean of the teams' rates, 0.306, would be 2021 low).
        (2, "medium", "elite", 0.15, "medium", "elite"),
        # payments 5/18 = 0.278: 2023 low, 2021 high. "*" 6/20 = 0.30 exactly: 2023 low, 2021 "≤ 30 %" high
        # (the mean of the teams' rates, 0.389, would be low).
        (5, None, "high", 0.30, None, "high"),
    ],
)
def test_pooled_change_failure_rate_on_the_edge_and_a_team_whose_failures_give_no_recovery_band(
    facts: Facts,
    pay_failures: int,
    pay_2023: str | None,
    pay_2021: str,
    org_rate: float,
    org_2023: str | None,
    org_2021: str,
) -> None:
    """Windows [7d, 90d]: bands from 90d = (04-01, 06-30].

    order-team: first 03-01 (out); A2 06-10 00:00 and A3 06-20 00:00, no change. IA (P1) 06-10 00:30 →
      01:00: window → A2, recovered exactly 1 h after it; restore 0.5 h. 90d: 2 deployments (2/90), CFR
      1/2, recovery 1 h, restore 0.5 h, incidents 1.
    payments: first 03-01 (out); B 05-01 … 05-18 00:00 (18, no change). For the first ``pay_failures`` of
      those days an incident (P2) at 01:00, never resolved (07-05): window → that day's deployment, not
      recovered. 90d: 18 deployments (0.2 a day), CFR pay_failures/18, recovery null, restore null (nothing
      resolved), incidents pay_failures.
    "*": 20 deployments (20/90), failed 1 + pay_failures; recovery over A2 only → 1 h; restore IA only →
      0.5 h.

    Bands, order-team: 2023 2/90 < 1/30 low, 2021 ≥ 1/182 medium; lead null; 50 % low in both; recovery
    1 h not "< 1 hour" → high (restore's 0.5 h, elite, is not used). payments: 0.2 ≥ 1/7 high (both); lead
    null; CFR as parametrised; it has failed deployments but none with a recovery and nothing to fall back
    to (no incident resolved): recovery null → null band. "*": 20/90 = 0.222 → high (both); lead null; CFR
    as parametrised; recovery 1 h → high.
    """
    a2, _ = chain(facts, REPO, day(3, 1), [(at(10), None), (at(20), None)])
    add_incident(facts, "IA", at(10, 0.5), resolved_at=at(10, 1))
    pays = chain(facts, PAY_REPO, day(3, 1), [(day(5, dom), None) for dom in range(1, 19)])
    for dom in range(1, pay_failures + 1):
        add_incident(facts, f"IB{dom}", day(5, dom, 1), resolved_at=LATER, service="P2")
    expected = {
        "dora-2023": {
            TEAM: bands("low", None, "low", "high"),
            PAY_TEAM: bands("high", None, pay_2023, None),
            "*": bands("high", None, org_2023, "high"),
        }
        if org_2023
        else {},
        "dora-2021": {
            TEAM: bands("medium", None, "low", "high"),
            PAY_TEAM: bands("high", None, pay_2021, None),
            "*": bands("high", None, org_2021, "high"),
        },
    }
    for benchmarks in [name for name in SETS if expected[name]]:
        result = run(
            facts, scopes=(ORDERS, PAY), pagerduty=(P1, P2), windows=(W7, W90), benchmarks=benchmarks
        )
        assert failed_recovered(result) == {
            a2: (("window",), at(10, 1)),
            **{pays[index]: (("window",), None) for index in range(pay_failures)},
        }
        got = rows(result)
        check(
            got[TEAM, "90d"],
            deployments=2,
            change_failure_rate=0.5,
            failed_deployment_recovery_hours_p50=1.0,
            time_to_restore_hours_p50=0.5,
            incidents=1,
        )
        check(
            got[PAY_TEAM, "90d"],
            deployments=18,
            deployment_frequency_per_day=0.2,
            change_failure_rate=pay_failures / 18,
            failed_deployment_recovery_hours_p50=None,
            time_to_restore_hours_p50=None,
            incidents=pay_failures,
        )
        org = got["*", "90d"]
        check(
            org,
            deployments=20,
            failed_deployment_recovery_hours_p50=1.0,
            time_to_restore_hours_p50=0.5,
            incidents=1 + pay_failures,
        )
        assert org.change_failure_rate == org_rate  # the very double of the threshold, not a bit above
        for team, want in expected[benchmarks].items():
            for window in ("7d", "90d"):
                assert got[team, window].bands == want, (benchmarks, team, window)


# -- 6. a team owning PagerDuty services only: frequency 0, restore p50 exactly 1 h in 90d, not 180d's -----

SRE = PagerDutyScope("PS", "sre", ())


def test_pagerduty_only_team_restore_edge_in_90d_with_a_longer_180d_and_an_empty_repo_team(
    facts: Facts,
) -> None:
    """Windows [7d, 90d, 180d]: bands from 90d. ``sre`` owns PagerDuty service PS only (no repository);
    order-team owns acme/orders, which has no deployment at all, and P1, which has no incident.

    PS incidents: J3 02-10 00:00 and J4 02-20 00:00, each resolved 600 s later (180d only); J1 05-10 00:00
    → +1,797 s; J2 06-05 00:00 → +5,403 s; J5 06-25 00:00, never resolved (07-05).

    sre 90d: deployments 0 → frequency 0.0; lead, CFR, recovery null; restore 1,797, 5,403 s → p50 3,600 s
      = 1 h exactly, p90 1,797 + 0.9 × 3,606 = 5,042.4 s; incidents J1, J2, J5 → 3.
    sre 180d: restore 600, 600, 1,797, 5,403 → p50 (600 + 1,797) / 2 = 1,198.5 s ≈ 0.333 h (elite, were it
      the band window); incidents 5. 7d: incidents J5 → 1; restore null.
    order-team: 0 deployments, nothing else.  "*": the same as sre (order-team adds nothing).

    Bands (90d), both sets: frequency 0 → low (docs: a number, banded low); lead null; CFR null (no
    deployment: a ratio with nothing to measure); recovery: no failed deployment → restore 1 h, not "< 1
    hour" → high. order-team: low, null, null, null (nothing to fall back to).
    """
    for index, dom in ((3, 10), (4, 20)):
        add_incident(facts, f"J{index}", day(2, dom), resolved_at=day(2, dom) + 600 * SECOND, service="PS")
    add_incident(facts, "J1", day(5, 10), resolved_at=day(5, 10) + 1797 * SECOND, service="PS")
    add_incident(facts, "J2", at(5), resolved_at=at(5) + 5403 * SECOND, service="PS")
    add_incident(facts, "J5", at(25), resolved_at=LATER, service="PS")
    for benchmarks in SETS:
        got = rows(run(facts, pagerduty=(P1, SRE), windows=(W7, W180, W90), benchmarks=benchmarks))
        for team in ("*", "sre"):
            quarter = got[team, "90d"]
            assert (quarter.deployments, quarter.deployment_frequency_per_day) == (0, 0.0)
            check(
                quarter,
                lead_time_hours_p50=None,
                change_failure_rate=None,
                failed_deployment_recovery_hours_p50=None,
                time_to_restore_hours_p50=1.0,
                time_to_restore_hours_p90=5042.4 / 3600,
                incidents=3,
            )
            check(got[team, "180d"], time_to_restore_hours_p50=1198.5 / 3600, incidents=5)
            check(got[team, "7d"], time_to_restore_hours_p50=None, incidents=1)
            for window in ("7d", "90d", "180d"):
                assert got[team, window].bands == bands("low", None, None, "high"), (benchmarks, team, window)
        check(got[TEAM, "90d"], deployments=0, incidents=0, time_to_restore_hours_p50=None)
        for window in ("7d", "90d", "180d"):
            assert got[TEAM, window].bands == bands("low", None, None, None), (benchmarks, window)


# -- 7. a rollback exactly at as_of recovers, after exactly a week, a failure at the 7d exclusive start ------


@pytest.mark.parametrize(
    ("one_second_earlier", "sets"),
    # One second earlier runs under dora-2023 only (the module's time budget).
    [(False, SETS), (True, ("dora-2023",))],
)
def test_rollback_at_as_of_recovers_a_week_old_failure_at_the_7d_start(
    facts: Facts, one_second_earlier: bool, sets: tuple[str, ...]
) -> None:
    """Windows [7d, 30d]: bands from 30d. Facts: the first deployment 06-01 00:00; F 06-23 00:00 ships a
    change with lead 1 h; I1 (P1) 06-10 00:00 → 01:00 (9 days after the first: fails nothing; restore 1 h);
    R 06-30 00:00 redeploys the first's sha (compare behind): a rollback of F.

    As of 06-30 00:00: 30d = (05-31, 06-30]: first, F, R → 3 (0.1 a day); lead 1 h; F failed (rollback),
      recovered at R: exactly 168 h; CFR 1/3; restore 1 h; incidents 1. 7d = (06-23, 06-30]: F is exactly at
      the exclusive start: out; R → 1 deployment, CFR 0/1, no lead, no recovery.
      Bands 2023: 0.1 ≥ 1/30, < 1/7 → medium; 1 h elite; 33 % low; recovery 168 h (not restore's 1 h: F has
      recovered) not "< 1 week" → low. 2021: 0.1 ≥ 1/30 → high; 1 h not "< 1 hour" → high; 33 % > 30 % → low;
      low.
    As of 06-29 23:59:59: R does not exist yet, so F is not failed. 30d = (05-30 23:59:59, 06-29 23:59:59]:
      first, F → 2 (2/30); lead 1; CFR 0; no failed deployment → restore 1 h. 7d: F is in → 1, lead 1.
      Bands 2023 (the set this case runs under): medium; elite; elite; 1 h not "< 1 hour" → high. (2021
      would give: 2/30 ≥ 1/30 high; high; elite; high.)
    """
    first(facts)
    f = deploy(facts, at(23), [1.0])
    add_incident(facts, "I1", at(10), resolved_at=at(10, 1))
    rollback(facts, AS_OF, FIRST_SHA)
    as_of = AS_OF - SECOND if one_second_earlier else AS_OF
    for benchmarks in sets:
        result = run(facts, windows=(W7, W30), as_of=as_of, benchmarks=benchmarks)
        got = rows(result)
        for team in ("*", TEAM):
            month, week = got[team, "30d"], got[team, "7d"]
            check(month, lead_time_hours_p50=1.0, time_to_restore_hours_p50=1.0, incidents=1)
            if one_second_earlier:
                assert failed_recovered(result) == {}
                check(
                    month, deployments=2, change_failure_rate=0.0, failed_deployment_recovery_hours_p50=None
                )
                check(week, deployments=1, lead_time_hours_p50=1.0, change_failure_rate=0.0)
                want = {
                    "dora-2023": bands("medium", "elite", "elite", "high"),
                    "dora-2021": bands("high", "high", "elite", "high"),
                }[benchmarks]
            else:
                assert failed_recovered(result) == {f: (("rollback",), AS_OF)}
                check(
                    month,
                    deployments=3,
                    change_failure_rate=1 / 3,
                    failed_deployment_recovery_hours_p50=168.0,
                )
                check(
                    week,
                    deployments=1,
                    lead_time_hours_p50=None,
                    change_failure_rate=0.0,
                    failed_deployment_recovery_hours_p50=None,
                )
                want = {
                    "dora-2023": bands("medium", "elite", "low", "low"),
                    "dora-2021": bands("high", "high", "low", "low"),
                }[benchmarks]
            assert month.bands == week.bands == want, (benchmarks, team, one_second_earlier)


# -- 8. the organisation's pooled lead time p50 exactly at each edge, its teams on either side --------------


@pytest.mark.parametrize(
    ("lead_a", "lead_b", "edge", "expected"),
    [
        # benchmark set → bands (order-team, payments, "*"), for the set(s) whose edge it is.
        (0.5, 1.5, 1.0, {"dora-2021": ("elite", "high", "high")}),  # 2021 "< 1 hour"
        (700.0, 740.0, 720.0, {"dora-2023": ("medium", "low", "low")}),  # 2023 "< 1 month (30 days)"
        (4300.0, 4436.0, 4368.0, {"dora-2021": ("medium", "low", "low")}),  # 2021 "< 6 months (182 days)"
    ],
)
def test_organisation_lead_time_p50_pooled_exactly_onto_an_edge(
    facts: Facts, lead_a: float, lead_b: float, edge: float, expected: dict[str, tuple[str, str, str]]
) -> None:
    """Windows [7d, 90d]: bands from 90d. order-team: first 03-01 (out), one deployment 06-10 shipping one
    change of lead ``lead_a``; payments likewise with ``lead_b`` (both whole seconds). Each team's p50 is
    its one value; "*" pools both: p50 (a + b) / 2 = the edge exactly, p90 a + 0.9 × (b − a).

    The edge is not "< edge" → the band below it, in the set(s) whose edge it is (run for those only); each
    team is on its own side: order-team's value is under the edge, payments' over it. Frequency and CFR
    are not the point here; no incident: recovery null → null band.
    """
    first(facts, day(3, 1))
    first(facts, day(3, 1), repo=PAY_REPO)
    deploy(facts, at(10), [lead_a])
    deploy(facts, at(10), [lead_b], repo=PAY_REPO)
    for benchmarks, want in expected.items():
        got = rows(
            run(facts, scopes=(ORDERS, PAY), pagerduty=(P1, P2), windows=(W7, W90), benchmarks=benchmarks)
        )
        check(got[TEAM, "90d"], lead_time_hours_p50=lead_a)
        check(got[PAY_TEAM, "90d"], lead_time_hours_p50=lead_b)
        assert got["*", "90d"].lead_time_hours_p50 == edge  # exactly: interpolated over whole seconds
        check(got["*", "90d"], lead_time_hours_p90=lead_a + 0.9 * (lead_b - lead_a))
        for team, band in zip((TEAM, PAY_TEAM, "*"), want, strict=True):
            for window in ("7d", "90d"):
                assert got[team, window].bands["lead_time"] == band, (benchmarks, team, window)
                assert got[team, window].bands["recovery"] is None
