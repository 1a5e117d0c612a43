"""Audit: windows × percentiles × bands × the organisation row, every number worked out by hand from SPEC.

As of 2026-06-30 00:00 UTC unless a scenario says otherwise, attribution window 24 h. Team
``order-team`` owns acme/orders (service ``orders``) and PagerDuty service P1; ``payments`` owns
acme/pay and P2; acme/stray and PagerDuty service PU are owned by nobody (team ``unowned``). Each
repo's first deployment has compare ``first`` (it counts, adds no lead times). Everything goes through
``compute_metrics``, the code ``doraspace metrics`` runs.

SPEC sentences quoted in the comments: §6 "A window ``Nd`` ending at ``as_of`` is the half-open interval
``(as_of − N days, as_of]``"; §6.3 "Bands always come from the 90-day window (or the longest
configured): every row of a team, whatever its window, carries the same bands"; §6.3 "Recovery uses
failed_deployment_recovery_hours_p50, falling back to time_to_restore_hours_p50 where the team has no
failed deployment with a recovery"; §6 "Medians and p90 are percentile_cont (linear interpolation)";
§6 "The organisation row "*" covers everything collected, team unowned included".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from analytics.metrics import MetricsResult
from analytics.windows import WindowSpec
from tests.analytics.facts import AS_OF, REPO, Facts, Review, add_incident, at, bands, sha
from tests.analytics.scenario import (
    ORDERS,
    P1,
    P2,
    PAY,
    PAY_REPO,
    PAY_TEAM,
    PU,
    STRAY,
    STRAY_REPO,
    TEAM,
    approx,
    day,
    first,
    rows,
    run,
)

SETS = ("dora-2023", "dora-2021")


def ship(
    facts: Facts, deployed_at: datetime, leads: Sequence[float], *, repo: str = REPO, tag: str = ""
) -> int:
    """A deployment shipping one direct commit per lead time (hours; authored that long before it)."""
    shas = [
        facts.commit(
            sha(f"{repo}-{deployed_at.isoformat()}-{index}{tag}"),
            deployed_at - timedelta(hours=lead),
            repo=repo,
        )
        for index, lead in enumerate(leads)
    ]
    return facts.deployment(deployed_at, ships=shas, repo=repo)


def order(result: MetricsResult) -> list[tuple[str, str]]:
    return [(row.team, row.window) for row in result.rows]


# -- 1. band window 60d (no 90d, longest), 1w/2w labels, a window's two ends, frequency at 1/30 ----------

W1W, W2W, W60 = WindowSpec("1w", 7), WindowSpec("2w", 14), WindowSpec("60d", 60)

EXPECTED_60D = {
    # 60d: 2/60 = 1/30 per day: "≥ 1 / month (1/30 per day)" → 2023 medium; 2021 "≥ 1 / month" → high.
    # Lead time p50 29 h: 2023 "< 1 week" → high; 2021 not "< 1 hour", "< 1 week" → high. CFR 0 → elite.
    # No failed deployment: recovery falls back to restore p50 24 h, not "< 1 day" → medium in both.
    "dora-2023": bands("medium", "high", "elite", "medium"),
    "dora-2021": bands("high", "high", "elite", "medium"),
}


@pytest.mark.parametrize("benchmarks", SETS)
def test_bands_from_the_longest_window_when_no_90d_with_week_labels_out_of_order(
    facts: Facts, benchmarks: str
) -> None:
    # as_of − 60 d = 05-01 00:00: the first deployment exactly there is outside (exclusive start).
    first(facts, day(5, 1))
    ship(facts, at(10), [40.0])  # lead 40 h
    ship(facts, AS_OF, [18.0])  # exactly at as_of: inside every window; lead 18 h
    add_incident(facts, "I1", at(12), resolved_at=at(13))  # 2 days after D2: fails nothing; restore 24 h
    result = run(facts, windows=(W60, W1W, W2W), benchmarks=benchmarks)
    got = rows(result)
    # §6.4: sorted by team ("*" first) then by window length, whatever the configured order.
    assert order(result) == [(team, w) for team in ("*", TEAM) for w in ("1w", "2w", "60d")]
    for team in ("*", TEAM):
        week, fortnight, sixty = got[team, "1w"], got[team, "2w"], got[team, "60d"]
        assert (week.deployments, week.deployment_frequency_per_day) == (1, approx(1 / 7))
        assert (fortnight.deployments, fortnight.deployment_frequency_per_day) == (1, approx(1 / 14))
        assert (sixty.deployments, sixty.deployment_frequency_per_day) == (2, approx(1 / 30))
        assert (week.lead_time_hours_p50, week.lead_time_hours_p90) == (approx(18.0), approx(18.0))
        # 18, 40: p50 29, p90 18 + 0.9 × 22 = 37.8.
        assert (sixty.lead_time_hours_p50, sixty.lead_time_hours_p90) == (approx(29.0), approx(37.8))
        assert (sixty.incidents, sixty.time_to_restore_hours_p50) == (1, approx(24.0))
        assert (week.incidents, week.time_to_restore_hours_p50) == (0, None)
        assert sixty.change_failure_rate == 0.0
        # From 1w alone the frequency (1/7) and lead time (18 h) would band high/elite: they must not.
        for row in (week, fortnight, sixty):
            assert row.bands == EXPECTED_60D[benchmarks], (team, row.window)


# -- 2. the 90-day window wins over a longer configured one ---------------------------------------------

W30, W90, W180 = WindowSpec("30d", 30), WindowSpec("90d", 90), WindowSpec("180d", 180)


@pytest.mark.parametrize(
    ("benchmarks", "expected"),
    [
        # 90d: 2/90 per day: below 1/30 → 2023 low; ≥ 1/182 → 2021 medium. Lead p50 20 h: 2023 elite,
        # 2021 high. CFR 1/2: low in both. Recovery 3 h: high in both.
        ("dora-2023", bands("low", "elite", "low", "high")),
        ("dora-2021", bands("medium", "high", "low", "high")),
    ],
)
def test_bands_come_from_90d_not_from_the_longest_180d(facts: Facts, benchmarks: str, expected: dict) -> None:
    first(facts, day(1, 5))  # as_of − 180 d = 01-01 00:00: inside 180d only
    for dom in (10, 20, 30):
        ship(facts, day(1, dom), [100.0])  # lead 100 h each, 180d only
    ship(facts, day(5, 15), [10.0])  # 90d = (04-01, 06-30]
    d5 = ship(facts, at(20), [30.0])
    add_incident(facts, "I1", at(20, 1), resolved_at=at(20, 3))  # window → D5: recovery 3 h, restore 2 h
    result = run(facts, windows=(W180, W30, W90), benchmarks=benchmarks)
    got = rows(result)
    assert {d.deployment_id: d.rules for d in result.failed_deployments()} == {d5: ("window",)}
    assert order(result) == [(team, w) for team in ("*", TEAM) for w in ("30d", "90d", "180d")]
    long, ninety, month = got[TEAM, "180d"], got[TEAM, "90d"], got[TEAM, "30d"]
    # 180d: 6 deployments (1/30 per day), lead 10, 30, 100, 100, 100 → p50 100; CFR 1/6.
    assert (long.deployments, long.lead_time_hours_p50, long.change_failure_rate) == (
        6,
        approx(100.0),
        approx(1 / 6),
    )
    # 90d: 2 deployments, lead 10, 30 → p50 20, p90 28; CFR 1/2; recovery 3; restore 2.
    assert (ninety.deployments, ninety.deployment_frequency_per_day) == (2, approx(2 / 90))
    assert (ninety.lead_time_hours_p50, ninety.lead_time_hours_p90) == (approx(20.0), approx(28.0))
    assert ninety.change_failure_rate == approx(0.5)
    assert ninety.failed_deployment_recovery_hours_p50 == approx(3.0)
    assert (ninety.time_to_restore_hours_p50, ninety.incidents) == (approx(2.0), 1)
    # 30d: 1 deployment (1/30 per day), lead 30, CFR 1.
    assert (month.deployments, month.lead_time_hours_p50, month.change_failure_rate) == (
        1,
        approx(30.0),
        1.0,
    )
    for team in ("*", TEAM):
        for window in ("30d", "90d", "180d"):
            assert got[team, window].bands == expected, (team, window)


# -- 3. change failure rate exactly at 5 %, 10 %, 15 %, 30 % and past it, both sets --------------------


@pytest.mark.parametrize(
    ("failures", "band_2023", "band_2021"),
    [
        (1, "elite", "elite"),  # 1/20 = 5 %: 2023 "≤ 5 %"; 2021 "≤ 15 %"
        (2, "high", "elite"),  # 10 %: 2023 "≤ 10 %"
        (3, "medium", "elite"),  # 15 %: 2023 "≤ 15 %"; 2021 elite "≤ 15 %"
        (6, "low", "high"),  # 30 %: 2023 "otherwise"; 2021 "≤ 30 %" → high (no medium CFR in 2021)
        (7, "low", "low"),  # 35 %: 2021 "> 30 %" → low
    ],
)
def test_change_failure_rate_edges_with_recovery_and_lead_time_edges(
    facts: Facts, failures: int, band_2023: str, band_2021: str
) -> None:
    first(facts)  # 06-01 00:00: inside 30d = (05-31, 06-30]
    deployed = [ship(facts, at(dom, 12), [24.0]) for dom in range(2, 21)]  # 19 more, lead 24 h each
    for index in range(failures):
        # 30 min after a deployment (its latest before): window → that deployment, resolved 1 h after it.
        start = at(2 + index, 12.5)
        add_incident(facts, f"I{index}", start, resolved_at=at(2 + index, 13))
    for benchmarks, cfr_band in (("dora-2023", band_2023), ("dora-2021", band_2021)):
        result = run(facts, windows=(WindowSpec("7d", 7), W30), benchmarks=benchmarks)
        assert {d.deployment_id for d in result.failed_deployments()} == set(deployed[:failures])
        got = rows(result)
        month, week = got[TEAM, "30d"], got[TEAM, "7d"]
        assert (month.deployments, month.change_failure_rate) == (20, approx(failures / 20))
        assert month.lead_time_hours_p50 == approx(24.0)
        assert month.failed_deployment_recovery_hours_p50 == approx(1.0)
        assert month.time_to_restore_hours_p50 == approx(0.5)
        # 20/30 a day: high in both sets. Lead time exactly 24 h: not "< 1 day" → high (2023); 2021
        # high. Recovery exactly 1 h: not "< 1 hour" → high in both.
        expected = bands("high", "high", cfr_band, "high")
        assert month.bands == expected, benchmarks
        # (06-23, 06-30]: no deployment: its ratios are null, its bands the 30-day window's.
        assert (week.deployments, week.change_failure_rate, week.lead_time_hours_p50) == (0, None, None)
        assert week.bands == expected, benchmarks
        assert got["*", "7d"].bands == got["*", "30d"].bands == expected


# -- 4. lead time p50 at each edge, reached by interpolation and after dropping values ≤ 0 -------------


@pytest.mark.parametrize(
    ("leads", "p50", "p90", "band_2023", "band_2021"),
    [
        # −2 h and 0 h are dropped (§5.2 "values ≤ 0 are dropped"): 20, 28 → p50 24 (were 0 kept: 20 →
        # elite), p90 20 + 0.9 × 8 = 27.2. 24 h: not "< 1 day" → 2023 high; 2021 high.
        ((-2.0, 0.0, 20.0, 28.0), 24.0, 27.2, "high", "high"),
        # 0.5, 1.5 → p50 1 h, p90 1.4: 2023 elite; 2021 "< 1 hour" fails → high.
        ((0.5, 1.5), 1.0, 1.4, "elite", "high"),
        # 160, 176 → 168 = 1 week: not "< 1 week" → medium in both. p90 160 + 0.9 × 16 = 174.4.
        ((160.0, 176.0), 168.0, 174.4, "medium", "medium"),
        # 720 h = 30 days: not "< 1 month (30 days)" → 2023 low; 2021 "< 6 months" → medium.
        ((720.0,), 720.0, 720.0, "low", "medium"),
        # 182 days = 4368 h: 2021 not "< 6 months (182 days)" → low.
        ((4368.0,), 4368.0, 4368.0, "low", "low"),
    ],
)
def test_lead_time_band_edges_after_interpolation(
    facts: Facts, leads: tuple[float, ...], p50: float, p90: float, band_2023: str, band_2021: str
) -> None:
    first(facts)
    ship(facts, at(20), leads)
    for benchmarks, expected in (("dora-2023", band_2023), ("dora-2021", band_2021)):
        got = rows(run(facts, windows=(W30,), benchmarks=benchmarks))
        for team in ("*", TEAM):
            row = got[team, "30d"]
            assert (row.lead_time_hours_p50, row.lead_time_hours_p90) == (approx(p50), approx(p90))
            assert row.bands["lead_time"] == expected, (benchmarks, team)


# -- 5. frequency edges exactly: 1/day, 1/week, 1/182 per day ---------------------------------------------


@pytest.mark.parametrize(
    ("window", "count", "band_2023", "band_2021"),
    [
        # 7 in (06-23, 06-30] (one at as_of, one at the excluded start): 7/7 = 1/day → elite in both.
        (WindowSpec("7d", 7), 7, "elite", "elite"),
        # 6 in the week: 6/7 → 2023 "≥ 1 / week" high; 2021 "≥ 1 / month" high.
        (WindowSpec("7d", 7), 6, "high", "high"),
        # 2 in 2w: 2/14 = 1/7 → 2023 high exactly; 2021 high.
        (WindowSpec("2w", 14), 2, "high", "high"),
        # 1 in 182d: 1/182 → 2023 low (below 1/30); 2021 "≥ 1 / 6 months (1/182 per day)" → medium.
        (WindowSpec("182d", 182), 1, "low", "medium"),
    ],
)
def test_deployment_frequency_edges_with_the_half_open_window(
    facts: Facts, window: WindowSpec, count: int, band_2023: str, band_2021: str
) -> None:
    start = AS_OF - timedelta(days=window.days)
    first(facts, start)  # exactly at the window's exclusive start: not counted
    # `count` deployments 20 h apart, in time order, the last exactly at as_of (inside).
    for index in reversed(range(count)):
        ship(facts, AS_OF - timedelta(hours=index * 20), [1.0], tag=str(index))
    for benchmarks, expected in (("dora-2023", band_2023), ("dora-2021", band_2021)):
        row = rows(run(facts, windows=(window,), benchmarks=benchmarks))[TEAM, window.label]
        assert row.deployments == count
        assert row.deployment_frequency_per_day == approx(count / window.days)
        assert row.bands["deployment_frequency"] == expected, benchmarks


# -- 6. recovery band: a failure not recovered by as_of falls back; once recovered it does not ---------


def test_unrecovered_failure_falls_back_to_restore_until_its_rollback(facts: Facts) -> None:
    first(facts)
    d2 = ship(facts, at(10), [2.0])
    # I1 fails D2 (window, 1 h later) and is resolved only after as_of: open as of as_of.
    add_incident(facts, "I1", at(10, 1), resolved_at=AS_OF + timedelta(hours=2))
    add_incident(facts, "I2", at(20), resolved_at=at(20, 10))  # 10 days after D2: fails nothing; 10 h
    add_incident(facts, "I3", at(25), resolved_at=at(25, 1))  # fails nothing; 1 h
    facts.deployment(AS_OF + timedelta(hours=1), sha=sha(f"first-{REPO}"), compare="behind")  # after as_of
    windows = (WindowSpec("7d", 7), W30)
    result = run(facts, windows=windows)
    got = rows(result)
    month, week = got[TEAM, "30d"], got[TEAM, "7d"]
    # D2 failed and not recovered by as_of (its rollback and I1's resolution come later).
    assert [(d.deployment_id, d.recovered_at) for d in result.failed_deployments()] == [(d2, None)]
    assert (month.deployments, month.change_failure_rate) == (2, approx(0.5))
    assert month.failed_deployment_recovery_hours_p50 is None
    # Restored in (05-31, 06-30]: I2 10 h, I3 1 h → p50 5.5, p90 1 + 0.9 × 9 = 9.1. Started: 3.
    assert (month.time_to_restore_hours_p50, month.time_to_restore_hours_p90) == (approx(5.5), approx(9.1))
    assert month.incidents == 3
    assert (week.incidents, week.time_to_restore_hours_p50, week.time_to_restore_hours_p90) == (
        1,
        approx(1.0),
        approx(1.0),
    )
    # "no failed deployment with a recovery": restore p50 5.5 h → high. 2/30 a day: medium; 2 h: elite;
    # 50 %: low.
    expected = bands("medium", "elite", "low", "high")
    assert month.bands == week.bands == expected

    # One day later the rollback (06-30 01:00) has recovered D2: 20 days 1 h = 481 h → low, although
    # restore p50 is 10 h (high). 30d = (06-01, 07-01]: the first deployment is out; D2 and the rollback.
    later = rows(run(facts, windows=windows, as_of=AS_OF + timedelta(days=1)))
    month, week = later[TEAM, "30d"], later[TEAM, "7d"]
    assert (month.deployments, month.change_failure_rate, month.rework_rate) == (2, approx(0.5), approx(0.5))
    assert month.failed_deployment_recovery_hours_p50 == approx(481.0)
    # Restored: I1 (06-10 01:00 → 06-30 02:00, 481 h), I2 10 h, I3 1 h → p50 10, p90 10 + 0.8 × 471.
    assert (month.time_to_restore_hours_p50, month.time_to_restore_hours_p90) == (
        approx(10.0),
        approx(386.8),
    )
    # (06-24, 07-01]: the rollback alone, not failed, rework; I3 started; I3 and I1 restored.
    assert (week.deployments, week.change_failure_rate, week.rework_rate) == (1, 0.0, 1.0)
    assert (week.incidents, week.time_to_restore_hours_p50) == (1, approx(241.0))
    assert week.failed_deployment_recovery_hours_p50 is None
    assert month.bands == week.bands == bands("medium", "elite", "low", "low")


@pytest.mark.parametrize("benchmarks", SETS)
def test_recovery_and_restore_exactly_at_their_edges(facts: Facts, benchmarks: str) -> None:
    first(facts)
    first(facts, repo=PAY_REPO)
    ship(facts, at(10), [2.0])
    add_incident(facts, "I1", at(10, 0.5), resolved_at=at(10, 1))  # fails D2: recovery exactly 1 h
    ship(facts, at(10), [2.0], repo=PAY_REPO)
    add_incident(facts, "I2", at(20), resolved_at=at(21), service="P2")  # fails nothing: restore 24 h
    got = rows(run(facts, windows=(W30,), scopes=(ORDERS, PAY), pagerduty=(P1, P2), benchmarks=benchmarks))
    orders, pay, org = got[TEAM, "30d"], got[PAY_TEAM, "30d"], got["*", "30d"]
    assert (orders.failed_deployment_recovery_hours_p50, orders.time_to_restore_hours_p50) == (
        approx(1.0),
        approx(0.5),
    )
    assert (pay.failed_deployment_recovery_hours_p50, pay.time_to_restore_hours_p50) == (None, approx(24.0))
    # Same recovery thresholds in both sets: 1 h is not "< 1 hour" → high (restore 0.5 h is not used);
    # payments falls back to 24 h: not "< 1 day" → medium. "*" has a failed deployment recovered in 1 h.
    assert orders.bands["recovery"] == "high"
    assert pay.bands["recovery"] == "medium"
    assert org.failed_deployment_recovery_hours_p50 == approx(1.0)
    assert (org.time_to_restore_hours_p50, org.time_to_restore_hours_p90) == (approx(12.25), approx(21.65))
    assert org.bands["recovery"] == "high"


# -- 7. the organisation row: pooled percentiles, unowned included, its own bands --------------------------


def test_organisation_row_pools_every_value_unowned_included(facts: Facts) -> None:
    for repo in (REPO, PAY_REPO, STRAY_REPO):
        first(facts, repo=repo)
    ship(facts, at(10), [1.0, 2.0, 3.0, 4.0, 5.0])
    ship(facts, at(10), [100.0], repo=PAY_REPO)
    ship(facts, at(10), [10.0], repo=STRAY_REPO)
    # Incidents days after every deployment: they fail nothing.
    add_incident(facts, "IA", at(15), resolved_at=at(15, 1))  # order-team, 1 h
    add_incident(facts, "IB", at(16), resolved_at=at(16, 10), service="P2")  # payments, 10 h
    add_incident(facts, "IC", at(17), resolved_at=at(17, 0.5), service="PU")  # unowned, 0.5 h
    add_incident(facts, "ID", at(18), service="P1")  # order-team, still open
    result = run(facts, windows=(W30,), scopes=(ORDERS, PAY, STRAY), pagerduty=(P1, P2, PU))
    got = rows(result)
    assert order(result) == [("*", "30d"), (TEAM, "30d"), (PAY_TEAM, "30d"), ("unowned", "30d")]
    orders, pay, stray, org = (got[t, "30d"] for t in (TEAM, PAY_TEAM, "unowned", "*"))
    assert (orders.lead_time_hours_p50, orders.lead_time_hours_p90) == (approx(3.0), approx(4.6))
    assert (pay.lead_time_hours_p50, stray.lead_time_hours_p50) == (approx(100.0), approx(10.0))
    # "*": 1, 2, 3, 4, 5, 10, 100 → p50 4 (the mean of the teams' medians would be 37.7), p90 at 5.4:
    # 10 + 0.4 × 90 = 46.
    assert (org.lead_time_hours_p50, org.lead_time_hours_p90) == (approx(4.0), approx(46.0))
    assert (org.deployments, org.deployment_frequency_per_day) == (6, approx(0.2))
    # Incidents: order-team 2 (one open), payments 1, unowned 1; "*" 4. Restore "*": 0.5, 1, 10 → p50 1,
    # p90 at 1.8: 1 + 0.8 × 9 = 8.2.
    assert (orders.incidents, pay.incidents, stray.incidents, org.incidents) == (2, 1, 1, 4)
    assert (orders.time_to_restore_hours_p50, orders.time_to_restore_hours_p90) == (approx(1.0), approx(1.0))
    assert stray.time_to_restore_hours_p50 == approx(0.5)
    assert (org.time_to_restore_hours_p50, org.time_to_restore_hours_p90) == (approx(1.0), approx(8.2))
    assert org.change_failure_rate == 0.0
    # Bands (dora-2023, 30d). "*": 0.2/day ≥ 1/7 high; lead 4 h elite; 0 % elite; restore 1 h high.
    assert org.bands == bands("high", "elite", "elite", "high")
    assert orders.bands == bands("medium", "elite", "elite", "high")
    assert pay.bands == bands("medium", "high", "elite", "high")
    assert stray.bands == bands("medium", "elite", "elite", "elite")


def test_percentiles_of_one_two_three_pooled_values_after_drops(facts: Facts) -> None:
    for repo in (REPO, PAY_REPO, STRAY_REPO):
        first(facts, repo=repo)
    ship(facts, at(10), [2.0])
    ship(facts, at(11), [-1.0, 0.0, 4.0, 6.0], repo=PAY_REPO)
    ship(facts, at(12), [0.0, -3.0], repo=STRAY_REPO)
    got = rows(run(facts, windows=(W30,), scopes=(ORDERS, PAY, STRAY), pagerduty=()))
    # One value: p50 = p90 = 2. Two (after dropping −1 and 0): 4, 6 → 5 and 4 + 0.9 × 2 = 5.8.
    assert (got[TEAM, "30d"].lead_time_hours_p50, got[TEAM, "30d"].lead_time_hours_p90) == (
        approx(2.0),
        approx(2.0),
    )
    assert (got[PAY_TEAM, "30d"].lead_time_hours_p50, got[PAY_TEAM, "30d"].lead_time_hours_p90) == (
        approx(5.0),
        approx(5.8),
    )
    # Only values ≤ 0: null, and so is its lead-time band; its frequency still bands (2/30: medium).
    stray = got["unowned", "30d"]
    assert (stray.deployments, stray.lead_time_hours_p50, stray.lead_time_hours_p90) == (2, None, None)
    assert (stray.bands["lead_time"], stray.bands["deployment_frequency"]) == (None, "medium")
    # "*": 2, 4, 6 → p50 4, p90 at 1.8: 4 + 0.8 × 2 = 5.6.
    org = got["*", "30d"]
    assert (org.lead_time_hours_p50, org.lead_time_hours_p90) == (approx(4.0), approx(5.6))
    # No incident anywhere: restore null, incidents 0, no recovery band (nothing to fall back to).
    assert (org.incidents, org.time_to_restore_hours_p50, org.bands["recovery"]) == (0, None, None)


# -- 8. restore and incidents across two windows labelled 1w and 2w ---------------------------------------


def test_restore_by_resolution_and_incidents_by_start_in_week_windows(facts: Facts) -> None:
    first(facts)  # 06-01: outside both windows; no incident is within 24 h of it
    week_start, fortnight_start = AS_OF - timedelta(days=7), AS_OF - timedelta(days=14)  # 06-23, 06-16
    add_incident(facts, "I1", at(10), resolved_at=at(20))  # 240 h, resolved in 2w only
    add_incident(facts, "I2", at(20), resolved_at=at(24))  # 96 h, resolved in both
    add_incident(facts, "I3", at(25))  # open
    add_incident(facts, "I4", at(28), resolved_at=at(28, 2))  # 2 h
    add_incident(facts, "I5", week_start, resolved_at=week_start + timedelta(hours=5))  # 5 h
    add_incident(facts, "I6", fortnight_start, resolved_at=fortnight_start + timedelta(hours=1))  # 1 h
    add_incident(facts, "I7", fortnight_start - timedelta(hours=4), resolved_at=fortnight_start)  # 4 h
    result = run(facts, windows=(W2W, W1W))
    got = rows(result)
    assert order(result) == [("*", "1w"), ("*", "2w"), (TEAM, "1w"), (TEAM, "2w")]
    for team in ("*", TEAM):
        week, fortnight = got[team, "1w"], got[team, "2w"]
        # Started in (06-23, 06-30]: I3, I4 (I5 exactly at the start is out). Restored in it: I2 96, I4 2,
        # I5 5 → p50 5, p90 at 1.8: 5 + 0.8 × 91 = 77.8.
        assert week.incidents == 2
        assert (week.time_to_restore_hours_p50, week.time_to_restore_hours_p90) == (approx(5.0), approx(77.8))
        # Started in (06-16, 06-30]: I2, I3, I4, I5 (I6 exactly at the start is out). Restored in it: I1
        # 240, I2 96, I4 2, I5 5, I6 1 (I7 resolved exactly at the start is out) → 1, 2, 5, 96, 240:
        # p50 5, p90 at 3.6: 96 + 0.6 × 144 = 182.4.
        assert fortnight.incidents == 4
        assert (fortnight.time_to_restore_hours_p50, fortnight.time_to_restore_hours_p90) == (
            approx(5.0),
            approx(182.4),
        )
        # No deployment in either window: counts 0, ratios null (§6 "a ratio … is null, never 0").
        for row in (week, fortnight):
            assert (row.deployments, row.change_failure_rate, row.rework_rate) == (0, None, None)
            assert row.failed_deployment_recovery_hours_p50 is None
            # Band window 2w (the longest): frequency 0 → low; restore p50 5 h → recovery high.
            assert row.bands == bands("low", None, None, "high"), (team, row.window)


# -- 9. lead-time breakdown: pooled for "*", reviews missing or by the author -------------------------------


def test_breakdown_medians_per_team_and_pooled_for_the_organisation(facts: Facts) -> None:
    first(facts)
    first(facts, repo=PAY_REPO)
    # PR 1 (alice): commit 08:00, opened 10:00, her own review 10:30 (ignored), bob 12:00, merged 16:00.
    facts.commit("sq1", at(9, 16))
    facts.pull_request(
        1,
        created_at=at(9, 10),
        merged_at=at(9, 16),
        merge_commit_sha="sq1",
        commit_dates=[at(9, 8)],
        reviews=[Review("alice", at(9, 10.5)), Review("bob", at(9, 12))],
    )
    # PR 2 (alice): commit 09:00, opened 09:30, only her own review: no pickup, no review stage.
    facts.commit("sq2", at(9, 11))
    facts.pull_request(
        2,
        created_at=at(9, 9.5),
        merged_at=at(9, 11),
        merge_commit_sha="sq2",
        commit_dates=[at(9, 9)],
        reviews=[Review("alice", at(9, 10))],
    )
    facts.deployment(at(9, 18), ships=["sq1", "sq2"])
    # PR 3 in acme/pay (dave): commit 06-11 00:00, opened 04:00, carol comments 05:00, merged 06:00.
    facts.commit("sq3", at(11, 6), repo=PAY_REPO)
    facts.pull_request(
        3,
        created_at=at(11, 4),
        merged_at=at(11, 6),
        merge_commit_sha="sq3",
        commit_dates=[at(11)],
        reviews=[Review("carol", at(11, 5), "COMMENTED")],
        author="dave",
        repo=PAY_REPO,
    )
    facts.deployment(at(11, 10), ships=["sq3"], repo=PAY_REPO)
    got = rows(run(facts, windows=(W30,), scopes=(ORDERS, PAY), pagerduty=()))
    # PR 1: coding 2, pickup 2, review 4, deploy 2. PR 2: coding 0.5, deploy 7. PR 3: 4, 1, 1, 4.
    assert got[TEAM, "30d"].lead_time_breakdown_hours_p50 == {
        "coding": approx(1.25),
        "pickup": approx(2.0),
        "review": approx(4.0),
        "deploy": approx(4.5),
    }
    assert got[PAY_TEAM, "30d"].lead_time_breakdown_hours_p50 == {
        "coding": approx(4.0),
        "pickup": approx(1.0),
        "review": approx(1.0),
        "deploy": approx(4.0),
    }
    # "*": coding 0.5, 2, 4 → 2 (not 2.625, the mean of the teams'); pickup 1, 2 → 1.5; review 1, 4 →
    # 2.5; deploy 2, 4, 7 → 4.
    assert got["*", "30d"].lead_time_breakdown_hours_p50 == {
        "coding": approx(2.0),
        "pickup": approx(1.5),
        "review": approx(2.5),
        "deploy": approx(4.0),
    }
    # Lead times: sq1 from 08:00 10 h, sq2 from 09:00 9 h, sq3 10 h → "*" p50 10.
    assert got[TEAM, "30d"].lead_time_hours_p50 == approx(9.5)
    assert got["*", "30d"].lead_time_hours_p50 == approx(10.0)


def test_pull_request_shipped_by_the_first_deployment_has_every_stage_but_deploy(facts: Facts) -> None:
    # SPEC §5.2: "The first deployment in the collected history has unknown changes: it counts as a
    # deployment but adds no lead times, and the PRs it ships have no deploy stage." §5.3: "A PR with no
    # such review has no pickup and review stages" — such a PR still counts for its other stages, and a PR
    # with no deploy stage likewise. §6.2: breakdown "medians over PRs deployed in the window".
    # PR 7 merged as sq7 at 06-05 06:00; the first deployment (06-05 08:00) deploys exactly sq7.
    facts.commit("sq7", at(5, 6))
    facts.pull_request(
        7,
        created_at=at(5, 2),
        merged_at=at(5, 6),
        merge_commit_sha="sq7",
        commit_dates=[at(5)],
        reviews=[Review("bob", at(5, 3))],
    )
    facts.deployment(at(5, 8), sha="sq7", compare="first")
    # PR 8: commit 06-09 20:00, opened 21:00, no review, merged 22:00 as sq8, deployed 06-10 00:00.
    facts.commit("sq8", at(9, 22))
    facts.pull_request(
        8, created_at=at(9, 21), merged_at=at(9, 22), merge_commit_sha="sq8", commit_dates=[at(9, 20)]
    )
    facts.deployment(at(10), ships=["sq8"])
    row = rows(run(facts, windows=(W30,), pagerduty=()))[TEAM, "30d"]
    assert row.deployments == 2
    assert row.lead_time_hours_p50 == approx(4.0)  # sq8 only: the first deployment adds no lead times
    # PR 7: coding 2, pickup 1, review 3, no deploy stage. PR 8: coding 1, deploy 2.
    assert row.lead_time_breakdown_hours_p50 == {
        "coding": approx(1.5),
        "pickup": approx(1.0),
        "review": approx(3.0),
        "deploy": approx(2.0),
    }


# -- 10. a p50 exactly at a band edge, reached by interpolating two values ---------------------------------
# §6: "Medians and p90 are percentile_cont (linear interpolation)"; §6.3 bands on "< 1 hour", "< 1 day",
# "< 1 month (30 days)". The median of two durations a and b is (a + b) / 2: in seconds below it is an
# exact whole number of hours, so the band is the one of that edge, on either database.


def seconds(value: int) -> timedelta:
    return timedelta(seconds=value)


@pytest.mark.parametrize("benchmarks", SETS)
def test_recovery_p50_of_exactly_one_hour_by_interpolation_is_high(facts: Facts, benchmarks: str) -> None:
    first(facts)
    ship(facts, at(10), [2.0])
    # Window failures 10 min after each deployment, recovered after 1797 s and 5403 s: p50 3600 s = 1 h.
    add_incident(facts, "I1", at(10) + seconds(600), resolved_at=at(10) + seconds(1797))
    ship(facts, at(12), [2.0])
    add_incident(facts, "I2", at(12) + seconds(600), resolved_at=at(12) + seconds(5403))
    got = rows(run(facts, windows=(W30,), benchmarks=benchmarks))
    for team in ("*", TEAM):
        row = got[team, "30d"]
        assert (row.deployments, row.change_failure_rate) == (3, approx(2 / 3))
        assert row.failed_deployment_recovery_hours_p50 == approx(1.0)
        # 1 h is not "< 1 hour" (elite) but "< 1 day": high, in both sets.
        assert row.bands["recovery"] == "high", (team, row.failed_deployment_recovery_hours_p50)


@pytest.mark.parametrize("benchmarks", SETS)
def test_restore_fallback_of_exactly_24_hours_by_interpolation_is_medium(
    facts: Facts, benchmarks: str
) -> None:
    first(facts)
    ship(facts, at(10), [2.0])
    # Days after the deployment (no failure): restored after 28799 s and 144001 s → p50 86400 s = 24 h.
    add_incident(facts, "I1", at(15), resolved_at=at(15) + seconds(28799))
    add_incident(facts, "I2", at(20), resolved_at=at(20) + seconds(144001))
    got = rows(run(facts, windows=(W30,), benchmarks=benchmarks))
    for team in ("*", TEAM):
        row = got[team, "30d"]
        assert (row.change_failure_rate, row.failed_deployment_recovery_hours_p50) == (0.0, None)
        assert row.time_to_restore_hours_p50 == approx(24.0)
        # Falls back to 24 h: not "< 1 day" → medium, in both sets.
        assert row.bands["recovery"] == "medium", (team, row.time_to_restore_hours_p50)


@pytest.mark.parametrize(
    ("lead_seconds", "p50", "band_2023", "band_2021"),
    [
        ((1797, 5403), 1.0, "elite", "high"),  # 2021 "< 1 hour": 1 h is high
        ((28799, 144001), 24.0, "high", "high"),  # 2023 "< 1 day": 24 h is high
        ((143998, 1065602), 168.0, "medium", "medium"),  # "< 1 week": 168 h is medium
        ((748799, 4435201), 720.0, "low", "medium"),  # 2023 "< 1 month (30 days)": 720 h is low
        ((979199, 30470401), 4368.0, "low", "low"),  # 2021 "< 6 months (182 days)": 4368 h is low
    ],
)
def test_lead_time_p50_exactly_at_an_edge_by_interpolation(
    facts: Facts, lead_seconds: tuple[int, int], p50: float, band_2023: str, band_2021: str
) -> None:
    first(facts)
    ship(facts, at(20), [value / 3600 for value in lead_seconds])
    for benchmarks, expected in (("dora-2023", band_2023), ("dora-2021", band_2021)):
        got = rows(run(facts, windows=(W30,), pagerduty=(), benchmarks=benchmarks))
        for team in ("*", TEAM):
            row = got[team, "30d"]
            assert row.lead_time_hours_p50 == approx(p50)
            assert row.bands["lead_time"] == expected, (benchmarks, team, row.lead_time_hours_p50)
