"""Audit, round 6: weekly points, the previous period and "What stands out" in the reports, where two
rules meet (SPEC §6, §6.2, §6.3, §8.3; docs/metrics.md "Points", "Bands", "Percentiles and empty values").

Each scenario builds raw facts in process (``tests.analytics.facts``), runs the snapshot the daemon and
``doraspace report`` run (``analytics.assembly.assemble_snapshot``: the current windows, the longest window
as of one longest window earlier, and a 7-day window as of the end of each of the last 26 whole ISO weeks)
and reads the snapshot's weekly points, its previous rows, the sentences of "What stands out" and the team
pages (``dashboards.reports.team_page``). Every expected number and sentence is worked out by hand in the
test's docstring. DuckDB only (in memory), to keep the module within its time budget.

Unless a scenario says otherwise: as_of is **Wednesday 2026-07-01 15:00 UTC** (not on a week boundary);
windows 7d, 30d, 90d (bands from 90d, dora-2023), attribution window 24 h. So

* 7d = (06-24 15:00, 07-01 15:00], 30d = (06-01 15:00, 07-01 15:00], 90d = (04-02 15:00, 07-01 15:00];
* the previous period is the 90d window as of 2026-04-02 15:00: (01-02 15:00, 04-02 15:00];
* the weekly points end on the Mondays 2026-01-05 … 2026-06-29 (00:00 UTC), 26 of them, each a 7-day
  window (Monday before, Monday] (docs/metrics.md "Points": "as of the end of each of the last 26 weeks";
  analytics.snapshot.WeeklyPoint labels each by its week_start, 2025-12-29 … 2026-06-22). The part of
  the current week up to as_of (06-29 00:00, 07-01 15:00] is in no weekly point.

SPEC sentences the scenarios lean on: §6 "Counts are numbers (0 where there is nothing); a ratio or
percentile with nothing to measure is null, never 0"; §5.2 "The first deployment in the collected history
has unknown changes: it counts as a deployment but adds no lead times", "A redeploy of P.sha itself
(identical) is a deployment with no changes", "Its lead time is D.deployed_at − start; values ≤ 0 are
dropped"; §6.2 (every definition) and "The organisation row "*" covers everything collected"; §6.3 bands
from the 90-day window, recovery "falling back to time_to_restore_hours_p50"; docs/metrics.md "Bands":
"deployments = 0 is a frequency of 0 per day, a number, so it is banded low"; §8.3 "the five metrics with
their bands, weekly trends".

The report's own wording (dashboards/reports/standout.py, the team page's "Previous 90d" and "Change"
columns) is the product's: SPEC §8.3 does not word it. The tests hold the product to its own rules there
(a band change is said "from <before> to <after>" in the order of the four keys, the biggest relative
change is named, a value shown equal on both sides is "no change", a null on either side is "n/a").
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from analytics.assembly import assemble_snapshot
from analytics.dora import TeamWindowMetrics
from analytics.ownership import OwnershipSettings, TeamClaim
from analytics.settings import AnalyticsSettings
from analytics.snapshot import Snapshot
from analytics.windows import WindowSpec
from dashboards.reports import team_page, what_stands_out
from store import schema
from store.timeutil import to_db
from tests.analytics.facts import Facts, add_incident, sha

AS_OF = datetime(2026, 7, 1, 15, tzinfo=UTC)  # a Wednesday afternoon
WEEK_STARTS = [date(2025, 12, 29) + timedelta(weeks=k) for k in range(26)]  # … 2026-06-22
W7 = WindowSpec("7d", 7)
NOTHING = (0, None, None, None, None)  # a week without deployments: 0, and null for every ratio/percentile


def t(month: int, day: int, hour: float = 0, year: int = 2026) -> datetime:
    """An instant (UTC): ``t(6, 21, 22)`` is 2026-06-21 22:00."""
    return datetime(year, month, day, tzinfo=UTC) + timedelta(hours=hour)


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-9)


# -- building a world ---------------------------------------------------------------------------------


@dataclass
class World:
    facts: Facts
    settings: AnalyticsSettings

    def repository(self, name: str) -> None:
        """A collected repository (what the collector writes first), so that ownership sees it."""
        self.facts._write(
            schema.repositories,
            {
                "full_name": name,
                "default_branch": "main",
                "discovered_from": "config",
                "synced_at": to_db(AS_OF),
            },
        )

    def first(self, repo: str, deployed_at: datetime) -> int:
        """The repo's first collected deployment (compare ``first``): counts, adds no lead times."""
        return self.facts.deployment(deployed_at, compare="first", repo=repo, sha=sha(f"first-{repo}"))

    def ship(self, repo: str, deployed_at: datetime, name: str, lead_hours: float) -> int:
        """A deployment shipping one direct commit ``sha(name)`` authored ``lead_hours`` before it (a
        negative ``lead_hours``: authored after it)."""
        commit = self.facts.commit(sha(name), deployed_at - timedelta(hours=lead_hours), repo=repo)
        return self.facts.deployment(deployed_at, ships=[commit], repo=repo)

    def redeploy(self, repo: str, deployed_at: datetime, of: str) -> int:
        """A redeploy of the previous deployment's own sha: compare ``identical``, no changes."""
        return self.facts.deployment(deployed_at, sha=sha(of), compare="identical", repo=repo)

    def rollback(self, repo: str, deployed_at: datetime, to: str) -> int:
        """A deployment of an ancestor of the previous one's sha: compare ``behind``."""
        return self.facts.deployment(deployed_at, sha=sha(to), compare="behind", repo=repo)

    def snapshot(self, as_of: datetime = AS_OF) -> Snapshot:
        return assemble_snapshot(self.facts.engine, self.settings, now=as_of, as_of=as_of)


def world(*teams: TeamClaim, benchmarks: str = "dora-2023") -> Iterator[World]:
    facts = Facts.in_memory()
    settings = AnalyticsSettings(benchmarks=benchmarks, ownership=OwnershipSettings(teams=tuple(teams)))
    try:
        yield World(facts, settings)
    finally:
        facts.engine.dispose()


# -- reading a snapshot and its pages -------------------------------------------------------------------


Week = tuple[int, float | None, float | None, float | None, float | None]


def weekly(snapshot: Snapshot, team: str) -> dict[date, Week]:
    """week_start → (deployments, lead p50, lead p90, change failure rate, recovery p50) of ``team``."""
    found = {
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
    assert len([p for p in snapshot.weekly if p.team == team]) == len(found)  # one point per week
    return found


def expected_weeks(busy: Mapping[date, Week]) -> dict[date, Any]:
    """All 26 weeks: ``busy`` as given (floats approximately), every other week ``NOTHING``."""
    assert set(busy) <= set(WEEK_STARTS)
    return {
        week: tuple(approx(v) if isinstance(v, float) else v for v in busy.get(week, NOTHING))
        for week in WEEK_STARTS
    }


def row(snapshot: Snapshot, team: str, window: str) -> TeamWindowMetrics:
    (found,) = [r for r in snapshot.metrics if (r.team, r.window) == (team, window)]
    return found


def previous(snapshot: Snapshot, team: str) -> TeamWindowMetrics:
    assert snapshot.previous is not None
    (found,) = [r for r in snapshot.previous.metrics if r.team == team]
    assert found.window == "90d"
    return found


def check(found: TeamWindowMetrics, **expected: Any) -> None:
    actual = {name: getattr(found, name) for name in expected}
    want = {name: approx(v) if isinstance(v, float) else v for name, v in expected.items()}
    assert actual == want, (found.team, found.window, found.as_of)


def sentences(snapshot: Snapshot, team: str) -> list[str]:
    return what_stands_out(snapshot, team, previous=snapshot.previous)


def page(snapshot: Snapshot, team: str) -> str:
    return team_page(snapshot, team, previous=snapshot.previous)


def section(text: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}".*?</section>', text, re.S)
    assert match, anchor
    return match.group(0)


def table(text: str) -> dict[str, list[str]]:
    """Row title → the row's numeric cells as shown (``<td class="num…">``), unescaped."""
    return {
        html.unescape(title): [
            html.unescape(c) for c in re.findall(r'<td class="num[^"]*">(.*?)</td>', cells)
        ]
        for title, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', text, re.S)
    }


def page_sentences(text: str) -> list[str]:
    return [html.unescape(li) for li in re.findall(r"<li>(.*?)</li>", section(text, "standout"), re.S)]


def chart(text: str, div_id: str) -> list[dict[str, Any]]:
    """The data plotly draws in the chart ``div_id`` of a page."""
    match = re.search(rf'Plotly\.newPlot\(\s*"{div_id}",\s*', text)
    assert match, div_id
    data: list[dict[str, Any]] = json.JSONDecoder().raw_decode(text, match.end())[0]
    return data


def by_week(trace: dict[str, Any]) -> dict[str, Any]:
    return dict(zip(trace["x"], trace["y"], strict=True))


# -- 1. a team that starts mid-trend and a team that stops: weekly points, previous period, sentences ------


@pytest.fixture(scope="module")
def relay() -> Iterator[tuple[World, Snapshot]]:
    """Team ``late`` (acme/late) starts deploying in the middle of the 26 weeks; team ``old`` (acme/old)
    deploys only in the previous period. No incidents, no PRs.

    late:  L1 04-15 12:00 first (compare ``first``: counts, no lead time)       → week of 04-13
           L2 04-22 10:00 ships l2 authored 04-22 08:00: lead 2 h              → week of 04-20
           L3 04-29 09:00 redeploys L2's sha (``identical``): no changes        → week of 04-27
           L4 05-06 12:00 ships l4 authored 05-06 13:00: lead −1 h, dropped     → week of 05-04
           L5 06-29 00:00 (exactly the last week end) ships l5, lead 4 h        → week of 06-22
           L6 06-30 10:00 ships l6, lead 6 h: after the last week end           → no weekly point
    old:   O0 01-10 12:00 first → week of 01-05; O1 02-03 12:00 lead 5 h → week of 02-02;
           O2 03-03 12:00 lead 7 h → week of 03-02; O3 03-24 12:00 lead 9 h → week of 03-23.
    """
    for built in world(TeamClaim("late", ("acme/late",)), TeamClaim("old", ("acme/old",))):
        built.repository("acme/late")
        built.repository("acme/old")
        built.first("acme/late", t(4, 15, 12))
        built.ship("acme/late", t(4, 22, 10), "l2", 2)
        built.redeploy("acme/late", t(4, 29, 9), of="l2")
        built.ship("acme/late", t(5, 6, 12), "l4", -1)
        built.ship("acme/late", t(6, 29), "l5", 4)
        built.ship("acme/late", t(6, 30, 10), "l6", 6)
        built.first("acme/old", t(1, 10, 12))
        built.ship("acme/old", t(2, 3, 12), "o1", 5)
        built.ship("acme/old", t(3, 3, 12), "o2", 7)
        built.ship("acme/old", t(3, 24, 12), "o3", 9)
        yield built, built.snapshot()


def test_weekly_points_of_a_team_that_starts_mid_trend_and_of_one_that_stops(
    relay: tuple[World, Snapshot],
) -> None:
    """§8.3 weekly trends with §6's "0 where there is nothing … null, never 0" and §5.2's first/identical/
    dropped lead times, point by point over the 26 weeks:

    late: 15 weeks 12-29 … 04-06 before its first deployment: 0 deployments, lead/CFR/recovery null
    (not 0: nothing to measure). 04-13: L1 → 1 deployment, lead null (first: unknown changes), CFR 0/1 =
    0.0 (a deployment, none failed: a number), recovery null. 04-20: L2 → 1, lead 2 h (p50 = p90 = 2.0),
    CFR 0.0. 04-27: L3 → 1 deployment with no change: lead null, CFR 0.0. 05-04: L4 → 1, its only lead
    time −1 h is dropped: lead null, CFR 0.0. 05-11 … 06-15: nothing. 06-22: L5 at 06-29 00:00 is in
    (06-22, 06-29] → 1, lead 4.0, CFR 0.0. L6 (06-30) is in no point. 15 + 4 + 6 + 1 = 26 weeks.

    old: 01-05: O0 → 1, lead null, CFR 0.0; 02-02: O1 → 1, 5.0; 03-02: O2 → 1, 7.0; 03-23: O3 → 1, 9.0
    (CFR 0.0 each); every other week nothing.

    "*" pools both (their weeks never overlap): the union of the two lists.
    """
    _, snapshot = relay
    late = {
        date(2026, 4, 13): (1, None, None, 0.0, None),
        date(2026, 4, 20): (1, 2.0, 2.0, 0.0, None),
        date(2026, 4, 27): (1, None, None, 0.0, None),
        date(2026, 5, 4): (1, None, None, 0.0, None),
        date(2026, 6, 22): (1, 4.0, 4.0, 0.0, None),
    }
    old = {
        date(2026, 1, 5): (1, None, None, 0.0, None),
        date(2026, 2, 2): (1, 5.0, 5.0, 0.0, None),
        date(2026, 3, 2): (1, 7.0, 7.0, 0.0, None),
        date(2026, 3, 23): (1, 9.0, 9.0, 0.0, None),
    }
    assert snapshot.teams == ("*", "late", "old")
    assert weekly(snapshot, "late") == expected_weeks(late)
    assert weekly(snapshot, "old") == expected_weeks(old)
    assert weekly(snapshot, "*") == expected_weeks({**late, **old})


def test_current_and_previous_rows_of_a_team_that_starts_and_of_one_that_stops(
    relay: tuple[World, Snapshot],
) -> None:
    """§6.2 per window, and the previous 90d as of 04-02 15:00 (docs/metrics.md "Points").

    late 7d and 30d: L5 (06-29 00:00), L6 → 2 deployments, leads 4, 6 → p50 5.0, p90 4 + 0.9 × 2 = 5.8;
    CFR 0/2 = 0.0; rework 0.0; recovery null (no failure, no incident). 90d: L1 … L6 → 6, leads 2, 4, 6
    (L1 first, L3 identical, L4 dropped) → p50 4.0, p90 4 + 0.8 × 2 = 5.6; CFR 0/6 = 0.0. Bands (90d):
    6/90 = 0.067/day (≥ 1/30, < 1/7) medium; 4 h elite; 0 % elite; recovery null → null.
    Previous late: nothing in (01-02 15:00, 04-02 15:00] → 0 deployments, frequency 0.0 (banded low), every
    ratio and percentile null — not 0.

    old now: 0 deployments in every window, nulls; bands low, null, null, null. Previous old: O0 … O3 →
    4, frequency 4/90; leads 5, 7, 9 → p50 7.0, p90 7 + 0.8 × 2 = 8.6; CFR 0.0; rework 0.0; bands 4/90 =
    0.044 medium, 7 h elite, 0 % elite, null.

    "*" now = late's numbers; "*" previous = old's numbers (each period has one team's deployments only).
    """
    _, snapshot = relay
    late_7 = {
        "deployments": 2,
        "lead_time_hours_p50": 5.0,
        "lead_time_hours_p90": 5.8,
        "change_failure_rate": 0.0,
        "rework_rate": 0.0,
        "failed_deployment_recovery_hours_p50": None,
        "time_to_restore_hours_p50": None,
    }
    late_90 = {
        "deployments": 6,
        "deployment_frequency_per_day": 6 / 90,
        "lead_time_hours_p50": 4.0,
        "lead_time_hours_p90": 5.6,
        "change_failure_rate": 0.0,
        "rework_rate": 0.0,
        "failed_deployment_recovery_hours_p50": None,
        "time_to_restore_hours_p50": None,
        "bands": {
            "deployment_frequency": "medium",
            "lead_time": "elite",
            "change_failure_rate": "elite",
            "recovery": None,
        },
    }
    empty = {
        "deployments": 0,
        "deployment_frequency_per_day": 0.0,
        "lead_time_hours_p50": None,
        "change_failure_rate": None,
        "rework_rate": None,
        "failed_deployment_recovery_hours_p50": None,
        "time_to_restore_hours_p50": None,
        "incidents": 0,
        "bands": {
            "deployment_frequency": "low",
            "lead_time": None,
            "change_failure_rate": None,
            "recovery": None,
        },
    }
    old_before = {
        "deployments": 4,
        "deployment_frequency_per_day": 4 / 90,
        "lead_time_hours_p50": 7.0,
        "lead_time_hours_p90": 8.6,
        "change_failure_rate": 0.0,
        "rework_rate": 0.0,
        "failed_deployment_recovery_hours_p50": None,
        "bands": {
            "deployment_frequency": "medium",
            "lead_time": "elite",
            "change_failure_rate": "elite",
            "recovery": None,
        },
    }
    for team in ("late", "*"):
        check(row(snapshot, team, "7d"), **late_7)
        check(row(snapshot, team, "30d"), **late_7)
        check(row(snapshot, team, "90d"), **late_90)
    check(previous(snapshot, "late"), **empty)
    for window in ("7d", "30d", "90d"):
        check(
            row(snapshot, "old", window),
            **{k: v for k, v in empty.items() if k != "deployment_frequency_per_day"},
        )
    check(previous(snapshot, "old"), **old_before)
    check(previous(snapshot, "*"), **old_before)
    assert snapshot.previous is not None and snapshot.previous.as_of == t(4, 2, 15)


def test_what_stands_out_when_the_previous_period_had_nothing_or_this_one_has_nothing(
    relay: tuple[World, Snapshot],
) -> None:
    """The sentences (standout.py's order: no deployments, weakest band, bands moved, biggest change,
    longest stage, unrecovered failures), from the rows above.

    late: 6 deployments. Bands medium, elite, elite, null → the weakest is deployment frequency, written
    with its 90d value 6/90 × 30 = 2.0 a month: "(2.0 / month): medium". Previous bands low, null, null,
    null: only deployment frequency has a band on both sides → "from low to medium" (a null band did not
    "move"). Changes where both sides have a value: frequency 0 → 6/90 (size 1.0; CFR and lead have no
    previous value, rework none) → "went from none to 2.0 / month (better)". No PR → no stage sentence.

    old: 0 deployments in 90 days → "No deployments in the last 90 days."; bands low, null, null, null →
    "The weakest key is deployment frequency (none): low."; moved medium → low; frequency 4/90 (1.3 a
    month: 4/90 × 30 = 1.33) → 0: size 1.0, "went from 1.3 / month to none (worse)".

    "*": now 6/90 medium, 4 h elite, 0 % elite; before 4/90 medium, 7 h elite, 0 % elite → no band moved, no
    "Bands moved" sentence. Changes: frequency 4/90 → 6/90, size 2/6 = 0.33; lead 7 → 4, size 3/7 = 0.43;
    CFR 0 → 0 and rework 0 → 0, size 0 → the biggest is lead time, "from 7.0 h to 4.0 h (better)".
    The team pages list the same sentences.
    """
    _, snapshot = relay
    expected = {
        "late": [
            "The weakest key is deployment frequency (2.0 / month): medium.",
            "Bands moved against the previous 90 days: deployment frequency from low to medium.",
            "Biggest change against the previous 90 days: deployment frequency went from none to "
            "2.0 / month (better).",
        ],
        "old": [
            "No deployments in the last 90 days.",
            "The weakest key is deployment frequency (none): low.",
            "Bands moved against the previous 90 days: deployment frequency from medium to low.",
            "Biggest change against the previous 90 days: deployment frequency went from 1.3 / month to "
            "none (worse).",
        ],
        "*": [
            "The weakest key is deployment frequency (2.0 / month): medium.",
            "Biggest change against the previous 90 days: lead time went from 7.0 h to 4.0 h (better).",
        ],
    }
    for team, wanted in expected.items():
        assert sentences(snapshot, team) == wanted, team
        assert page_sentences(page(snapshot, team)) == wanted, team


def test_previous_column_says_n_a_for_nothing_measured_and_none_for_zero_deployments(
    relay: tuple[World, Snapshot],
) -> None:
    """The team page's metrics table: columns 7d, 30d, 90d, "Previous 90d", "Change" (key rows; the
    p90 and Deployments rows have the three window cells only).

    late: frequency 7d 2/7 = 2.0 a week ("2.0 / week"), 30d 2/30 and 90d 6/90 both "2.0 / month",
    previous 0 → "none", change +6/90 a day = "+2.0 / month (better)". Lead p50 5.0 h, 5.0 h, 4.0 h;
    previous null → "n/a", change "n/a". CFR 0.0 % ×3, previous n/a (no deployment: nothing to measure,
    not 0 %), change n/a. Recovery n/a everywhere. Rework 0.0 % ×3, n/a, n/a. Lead p90 5.8 h, 5.8 h,
    5.6 h. Deployments 2, 2, 6 (7d and 30d count L6, which no weekly point shows).

    old: frequency "none" ×3, previous 4/90 → "1.3 / month", change −4/90 → "−1.3 / month (worse)". Lead
    n/a ×3, previous "7.0 h", change n/a. CFR n/a ×3, previous "0.0 %", change n/a. Rework likewise.
    The header says "compared with 2026-04-02 15:00 UTC".
    """
    _, snapshot = relay
    late = page(snapshot, "late")
    assert "compared with 2026-04-02 15:00 UTC" in late
    assert table(section(late, "metrics")) == {
        "Deployment frequency": ["2.0 / week", "2.0 / month", "2.0 / month", "none", "+2.0 / month (better)"],
        "Lead time for changes (p50)": ["5.0 h", "5.0 h", "4.0 h", "n/a", "n/a"],
        "Lead time for changes (p90)": ["5.8 h", "5.8 h", "5.6 h"],
        "Change failure rate": ["0.0 %", "0.0 %", "0.0 %", "n/a", "n/a"],
        "Failed deployment recovery (p50)": ["n/a", "n/a", "n/a", "n/a", "n/a"],
        "Rework rate": ["0.0 %", "0.0 %", "0.0 %", "n/a", "n/a"],
        "Deployments": ["2", "2", "6"],
    }
    old = page(snapshot, "old")
    assert table(section(old, "metrics")) == {
        "Deployment frequency": ["none", "none", "none", "1.3 / month", "−1.3 / month (worse)"],
        "Lead time for changes (p50)": ["n/a", "n/a", "n/a", "7.0 h", "n/a"],
        "Lead time for changes (p90)": ["n/a", "n/a", "n/a"],
        "Change failure rate": ["n/a", "n/a", "n/a", "0.0 %", "n/a"],
        "Failed deployment recovery (p50)": ["n/a", "n/a", "n/a", "n/a", "n/a"],
        "Rework rate": ["n/a", "n/a", "n/a", "0.0 %", "n/a"],
        "Deployments": ["0", "0", "0"],
    }


def test_trend_charts_draw_zero_bars_and_gaps_where_the_weekly_point_is_null(
    relay: tuple[World, Snapshot],
) -> None:
    """§8.3 weekly trends as drawn on late's page (plotly data): the deployments bar is 1 in the weeks
    04-13, 04-20, 04-27, 05-04, 06-22 and 0 in the other 21; the lead-time p50 line has a value (hours:
    the largest value 4 h < 72 h) only in 04-20 (2.0) and 06-22 (4.0) — the weeks of L1 (first), L3
    (identical) and L4 (dropped lead time) have deployments but a gap, not 0; the change failure rate is
    0.0 in the five weeks with deployments and a gap (null) in the others."""
    _, snapshot = relay
    text = page(snapshot, "late")
    busy = ["2026-04-13", "2026-04-20", "2026-04-27", "2026-05-04", "2026-06-22"]
    weeks = [week.isoformat() for week in WEEK_STARTS]
    (bars,) = chart(text, "chart-deployments")
    assert by_week(bars) == {week: (1 if week in busy else 0) for week in weeks}
    p50, _ = chart(text, "chart-lead-time")
    assert by_week(p50) == {week: {"2026-04-20": 2.0, "2026-06-22": 4.0}.get(week) for week in weeks}
    (failure,) = chart(text, "chart-cfr")
    assert by_week(failure) == {week: (0.0 if week in busy else None) for week in weeks}


# -- 2. the organisation's weekly points pool the teams, across a week end ----------------------------------


@pytest.fixture(scope="module")
def pooled() -> Iterator[tuple[World, Snapshot]]:
    """Teams ``a`` (acme/a, PagerDuty PA), ``b`` (acme/b), ``sre`` (PagerDuty PS only, no repository)
    and ``unowned`` (acme/stray, claimed by nobody).

    05-01 00:00 first deployments of acme/a, acme/b, acme/stray (week of 04-27).
    a:  A1 06-16 10:00 lead 1 h; A2 Sunday 06-21 22:00 lead 3 h; incident IA on PA from 06-21 23:00 to
        Monday 06-22 02:00 (across the week end): window rule → A2 failed, recovered 06-22 02:00 (4 h).
    b:  B1 06-17 12:00 lead 10 h; B2 Sunday 06-28 20:00 lead 4 h; B3 Monday 06-29 02:00 redeploys B1's sha
        (``behind``): a rollback of B2 (rework), which recovers B2 after 6 h.
    unowned: S1 06-18 12:00 lead 6 h.  sre: incident IS on PS 06-19 00:00 → 01:00 (fails nothing).
    """
    teams = (TeamClaim("a", ("acme/a",), ("PA",)), TeamClaim("b", ("acme/b",)), TeamClaim("sre", (), ("PS",)))
    for built in world(*teams):
        for repo in ("acme/a", "acme/b", "acme/stray"):
            built.repository(repo)
            built.first(repo, t(5, 1))
        built.ship("acme/a", t(6, 16, 10), "a1", 1)
        built.ship("acme/a", t(6, 21, 22), "a2", 3)
        add_incident(built.facts, "IA", t(6, 21, 23), resolved_at=t(6, 22, 2), service="PA", title="timeouts")
        built.ship("acme/b", t(6, 17, 12), "b1", 10)
        built.ship("acme/b", t(6, 28, 20), "b2", 4)
        built.rollback("acme/b", t(6, 29, 2), to="b1")
        built.ship("acme/stray", t(6, 18, 12), "s1", 6)
        add_incident(built.facts, "IS", t(6, 19), resolved_at=t(6, 19, 1), service="PS", title="disk full")
        yield built, built.snapshot()


def test_organisation_weekly_points_pool_every_team_across_a_week_end(pooled: tuple[World, Snapshot]) -> None:
    """§6 "The organisation row "*" covers everything collected, team unowned included", with the very
    same definitions per weekly point (7 days as of each Monday 00:00):

    Week of 04-27 (04-27, 05-04]: the three first deployments → a, b, unowned 1 each, lead null, CFR 0.0;
    "*" 3, lead null, CFR 0/3 = 0.0.
    Week of 06-15 (06-15, 06-22]: a: A1, A2 → 2, leads 1, 3 → p50 2.0, p90 1 + 0.9 × 2 = 2.8; IA started
    06-21 23:00, inside the week, 1 h after A2, the latest deployment of a's service → A2 failed: CFR 1/2;
    IA resolved 06-22 02:00, after the week end → A2 not recovered as of it: recovery null. b: B1 → 1,
    10.0, CFR 0.0. unowned: S1 → 1, 6.0, 0.0. sre: nothing (IS fails nothing; incidents are not in the
    weekly points). "*" pools the 4 deployments: leads 1, 3, 6, 10 → p50 3 + 0.5 × 3 = 4.5 (not the
    median 6 of the team medians 2, 10, 6), p90 at rank 2.7: 6 + 0.7 × 4 = 8.8; CFR 1/4 = 0.25 (not a mean
    of team rates); recovery null.
    Week of 06-22 (06-22, 06-29]: a: nothing — A2's recovery (06-22 02:00) is in this week, but A2 is not,
    so no weekly point ever shows it. b: B2 (Sunday 20:00) → 1, lead 4.0; B3, the rollback, is at 06-29
    02:00, after the week end: as of 06-29 00:00 B2 has not failed → CFR 0.0, recovery null. "*": the
    same as b. sre has 26 points, all nothing.
    """
    _, snapshot = pooled
    first_week = {date(2026, 4, 27): (1, None, None, 0.0, None)}
    expected = {
        "a": {**first_week, date(2026, 6, 15): (2, 2.0, 2.8, 0.5, None)},
        "b": {
            **first_week,
            date(2026, 6, 15): (1, 10.0, 10.0, 0.0, None),
            date(2026, 6, 22): (1, 4.0, 4.0, 0.0, None),
        },
        "unowned": {**first_week, date(2026, 6, 15): (1, 6.0, 6.0, 0.0, None)},
        "sre": {},
        "*": {
            date(2026, 4, 27): (3, None, None, 0.0, None),
            date(2026, 6, 15): (4, 4.5, 8.8, 0.25, None),
            date(2026, 6, 22): (1, 4.0, 4.0, 0.0, None),
        },
    }
    assert snapshot.teams == ("*", "a", "b", "sre", "unowned")
    for team, busy in expected.items():
        assert weekly(snapshot, team) == expected_weeks(busy), team


def test_the_windows_count_what_the_week_ends_cut_off(pooled: tuple[World, Snapshot]) -> None:
    """The same facts through the current windows (as of 07-01 15:00), where the week ends do not cut:

    b 7d (06-24 15:00, 07-01 15:00]: B2, B3 → 2; lead 4 (B3 has no changes) → p50 = p90 = 4.0; B2 failed
    (rollback) → CFR 1/2 although the last weekly point said 0.0; recovery 6.0 (20:00 → 02:00); rework 1/2
    (B3). "*" 7d: the same two deployments and numbers.
    a 30d (06-01 15:00, 07-01 15:00]: A1, A2 → 2; CFR 1/2; recovery 4.0 (22:00 → IA's 02:00), the recovery no
    weekly point shows; incidents 1 (IA); restore 3.0 (23:00 → 02:00).
    "*" 30d: A1, A2, B1, B2, B3, S1 → 6; failed A2, B2 → 2/6; recovery 4, 6 → p50 5.0; leads 1, 3, 10, 4, 6
    → sorted 1, 3, 4, 6, 10: p50 4.0, p90 at rank 3.6: 6 + 0.6 × 4 = 8.4; rework 1/6; incidents IA, IS → 2;
    restore 3 h and 1 h → p50 2.0. sre 30d: 0 deployments, incidents 1, restore 1.0.
    The organisation's page lists 2 failed deployments in the last 90 days: B2 (rollback, 6.0 h) then A2
    (window, IA, 4.0 h), newest first."""
    _, snapshot = pooled
    for team in ("b", "*"):
        check(
            row(snapshot, team, "7d"),
            deployments=2,
            lead_time_hours_p50=4.0,
            lead_time_hours_p90=4.0,
            change_failure_rate=0.5,
            failed_deployment_recovery_hours_p50=6.0,
            rework_rate=0.5,
        )
    check(
        row(snapshot, "a", "30d"),
        deployments=2,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=4.0,
        incidents=1,
        time_to_restore_hours_p50=3.0,
    )
    check(
        row(snapshot, "*", "30d"),
        deployments=6,
        change_failure_rate=2 / 6,
        failed_deployment_recovery_hours_p50=5.0,
        lead_time_hours_p50=4.0,
        lead_time_hours_p90=8.4,
        rework_rate=1 / 6,
        incidents=2,
        time_to_restore_hours_p50=2.0,
    )
    check(row(snapshot, "sre", "30d"), deployments=0, incidents=1, time_to_restore_hours_p50=1.0)
    failed = section(page(snapshot, "*"), "failed")
    assert "2 failed deployments in the last 90 days" in failed
    listed = [
        [html.unescape(re.sub(r"<[^>]*>", "", c)) for c in re.findall(r"<td>(.*?)</td>", tr, re.S)]
        for tr in re.findall(r"<tr>(.*?)</tr>", re.findall(r"<tbody>(.*?)</tbody>", failed, re.S)[0], re.S)
    ]
    assert [(r[0], r[1], r[4], r[5], r[6]) for r in listed] == [
        ("2026-06-28 20:00 UTC", "b", "rollback", "none", "6.0 h"),
        ("2026-06-21 22:00 UTC", "a", "window", "pagerduty:IA", "4.0 h"),
    ]


def test_organisation_sentences_come_from_the_pooled_rows(pooled: tuple[World, Snapshot]) -> None:
    """ "*" 90d (04-02 15:00, 07-01 15:00]: 3 first + A1, A2, B1, B2, B3, S1 = 9 deployments → 9/90 = 0.1 a
    day (≥ 1/30, < 1/7) medium, written 0.1 × 30 = "3.0 / month"; leads 1, 3, 10, 4, 6 → p50 4 h elite;
    CFR 2/9 = 22.2 % low; recovery 4, 6 → p50 5 h high. Weakest: change failure rate (22.2 %): low.
    Previous (01-02 15:00, 04-02 15:00]: nothing at all → 0 deployments (low), the rest null. Bands moved:
    only frequency has a band on both sides, low → medium. Changes with both values: frequency 0 → 0.1
    (size 1.0) → "went from none to 3.0 / month (better)". No PR, no unrecovered failure (A2 and B2 have
    recovered)."""
    _, snapshot = pooled
    assert sentences(snapshot, "*") == [
        "The weakest key is change failure rate (22.2 %): low.",
        "Bands moved against the previous 90 days: deployment frequency from low to medium.",
        "Biggest change against the previous 90 days: deployment frequency went from none to 3.0 / month "
        "(better).",
    ]


# -- 3. every band moves between the periods; the previous recovery is a time-to-restore fallback -----------


def ops_world(benchmarks: str) -> Iterator[tuple[World, Snapshot]]:
    """Team ``ops`` (acme/ops, PagerDuty PO).

    F0 2025-12-01 first (before every window and week). Previous period (01-02 15:00, 04-02 15:00]: P1
    02-10 12:00 and P2 03-10 12:00, each lead 30 h; incident I0 on PO 03-20 00:00 → 03:00 (ten days after
    P2: fails nothing; time to restore 3 h). Current 90d: C1 05-05 12:00, C2 05-20 12:00, C3 06-10 12:00,
    C4 06-24 12:00, each lead 2 h; incident I1 on PO 06-24 12:10 → 12:30: window rule → C4 failed,
    recovered after 30 min (time to restore 20 min).
    """
    for built in world(TeamClaim("ops", ("acme/ops",), ("PO",)), benchmarks=benchmarks):
        built.repository("acme/ops")
        built.first("acme/ops", t(12, 1, year=2025))
        built.ship("acme/ops", t(2, 10, 12), "p1", 30)
        built.ship("acme/ops", t(3, 10, 12), "p2", 30)
        add_incident(built.facts, "I0", t(3, 20), resolved_at=t(3, 20, 3), service="PO")
        for k, when in enumerate((t(5, 5, 12), t(5, 20, 12), t(6, 10, 12), t(6, 24, 12))):
            built.ship("acme/ops", when, f"c{k + 1}", 2)
        add_incident(built.facts, "I1", t(6, 24, 12 + 10 / 60), resolved_at=t(6, 24, 12.5), service="PO")
        yield built, built.snapshot()


@pytest.fixture(scope="module")
def ops() -> Iterator[tuple[World, Snapshot]]:
    yield from ops_world("dora-2023")


@pytest.fixture(scope="module")
def ops_2021() -> Iterator[tuple[World, Snapshot]]:
    yield from ops_world("dora-2021")


def test_every_band_moves_and_the_report_words_each_move_and_the_biggest_change(
    ops: tuple[World, Snapshot],
) -> None:
    """dora-2023. Previous 90d: P1, P2 → 2/90 = 0.022 a day (< 1/30) low; lead 30 h (≥ 1 day, < 1 week)
    high; CFR 0/2 elite; no failed deployment → recovery falls back to I0's restore 3 h (≥ 1 h, < 1 day)
    high; rework 0.0. Current 90d: C1–C4 → 4/90 = 0.044 medium; 2 h elite; C4 failed → 1/4 = 25 % low; C4's
    recovery 0.5 h elite; rework 0.0.

    Sentences: weakest: change failure rate (25.0 %): low. Bands moved, in the order of the four keys:
    "deployment frequency from low to medium, lead time from high to elite, change failure rate from elite
    to low and recovery from high to elite". Relative sizes: frequency 2/90 → 4/90: 0.5; lead 30 → 2:
    28/30 = 0.93; CFR 0 → 0.25: 1.0; recovery 3 → 0.5: 2.5/3 = 0.83; rework 0 → 0: 0 → the biggest is CFR,
    "from 0.0 % to 25.0 % (worse)". C4 has recovered: no unrecovered sentence.

    Page: frequency 7d "none" (C4 06-24 12:00 is before 06-24 15:00), 30d 2/30 → "2.0 / month", 90d 4/90 →
    "1.3 / month", previous 2/90 → "0.7 / month", change +2/90 a day → "+0.7 / month (better)". Lead 7d n/a,
    2.0 h, 2.0 h, previous 30.0 h, "−28.0 h (better)". CFR n/a, 50.0 % (C3, C4: 1/2), 25.0 %, 0.0 %, "+25.0 pp
    (worse)". Recovery n/a, 30 min, 30 min, previous "3.0 h*" (the fallback is marked), "−2.5 h (better)".
    Rework n/a, 0.0 %, 0.0 %, 0.0 %, "no change". Weekly: C4's week (06-22) shows 1 deployment, lead 2.0,
    CFR 1.0, recovery 0.5; P1's week (02-09) 1, 30.0, CFR 0.0.
    """
    _, snapshot = ops
    check(
        previous(snapshot, "ops"),
        deployments=2,
        lead_time_hours_p50=30.0,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        time_to_restore_hours_p50=3.0,
        bands={
            "deployment_frequency": "low",
            "lead_time": "high",
            "change_failure_rate": "elite",
            "recovery": "high",
        },
    )
    check(
        row(snapshot, "ops", "90d"),
        deployments=4,
        change_failure_rate=0.25,
        failed_deployment_recovery_hours_p50=0.5,
        time_to_restore_hours_p50=1 / 3,
        bands={
            "deployment_frequency": "medium",
            "lead_time": "elite",
            "change_failure_rate": "low",
            "recovery": "elite",
        },
    )
    wanted = [
        "The weakest key is change failure rate (25.0 %): low.",
        "Bands moved against the previous 90 days: deployment frequency from low to medium, lead time from "
        "high to elite, change failure rate from elite to low and recovery from high to elite.",
        "Biggest change against the previous 90 days: change failure rate went from 0.0 % to 25.0 % (worse).",
    ]
    assert sentences(snapshot, "ops") == wanted
    text = page(snapshot, "ops")
    assert page_sentences(text) == wanted
    shown = table(section(text, "metrics"))
    assert {title: cells for title, cells in shown.items() if len(cells) == 5} == {
        "Deployment frequency": [
            "none",
            "2.0 / month",
            "1.3 / month",
            "0.7 / month",
            "+0.7 / month (better)",
        ],
        "Lead time for changes (p50)": ["n/a", "2.0 h", "2.0 h", "30.0 h", "−28.0 h (better)"],
        "Change failure rate": ["n/a", "50.0 %", "25.0 %", "0.0 %", "+25.0 pp (worse)"],
        "Failed deployment recovery (p50)": ["n/a", "30 min", "30 min", "3.0 h*", "−2.5 h (better)"],
        "Rework rate": ["n/a", "0.0 %", "0.0 %", "0.0 %", "no change"],
    }
    points = weekly(snapshot, "ops")
    assert points[date(2026, 6, 22)] == (1, approx(2.0), approx(2.0), approx(1.0), approx(0.5))
    assert points[date(2026, 2, 9)] == (1, approx(30.0), approx(30.0), approx(0.0), None)


def test_under_dora_2021_the_same_facts_move_three_bands_and_tie_three_weakest_keys(
    ops_2021: tuple[World, Snapshot],
) -> None:
    """dora-2021 (§6.3; change failure rate banded elite, high or low only). Previous: 2/90 = 0.022 a day
    (< 1/30, ≥ 1/182) medium; 30 h (≥ 1 h, < 1 week) high; 0 % (≤ 15 %) elite; restore 3 h (≥ 1 h, < 1
    day) high. Current: 4/90 = 0.044 (≥ 1/30) high; 2 h high; 25 % (> 15 %, ≤ 30 %) high; 0.5 h elite.

    Weakest band high, held by three keys in the order of the four keys: "The weakest keys are deployment
    frequency (1.3 / month), lead time (2.0 h) and change failure rate (25.0 %): high." Moved: frequency
    medium → high, CFR elite → high, recovery high → elite (lead time stays high). Biggest change: the same
    numbers as under dora-2023, so change failure rate 0.0 % → 25.0 % (worse)."""
    _, snapshot = ops_2021
    assert row(snapshot, "ops", "90d").bands == {
        "deployment_frequency": "high",
        "lead_time": "high",
        "change_failure_rate": "high",
        "recovery": "elite",
    }
    assert sentences(snapshot, "ops") == [
        "The weakest keys are deployment frequency (1.3 / month), lead time (2.0 h) and change failure rate "
        "(25.0 %): high.",
        "Bands moved against the previous 90 days: deployment frequency from medium to high, change failure "
        "rate from elite to high and recovery from high to elite.",
        "Biggest change against the previous 90 days: change failure rate went from 0.0 % to 25.0 % (worse).",
    ]


# -- 4. a team of a PagerDuty service only, with an incident across the previous period's end --------------


@pytest.fixture(scope="module")
def sre() -> Iterator[tuple[World, Snapshot]]:
    """Team ``sre`` owns PagerDuty service PS and no repository; nothing else is collected.

    S1 03-01 00:00 → 00:30 (restore 0.5 h). S2 04-02 12:00 → 20:00 (restore 8 h), across the previous
    period's end 04-02 15:00. S3 06-10 00:00 → 02:00 (restore 2 h).
    """
    for built in world(TeamClaim("sre", (), ("PS",))):
        add_incident(built.facts, "S1", t(3, 1), resolved_at=t(3, 1, 0.5), service="PS")
        add_incident(built.facts, "S2", t(4, 2, 12), resolved_at=t(4, 2, 20), service="PS")
        add_incident(built.facts, "S3", t(6, 10), resolved_at=t(6, 10, 2), service="PS")
        yield built, built.snapshot()


def test_a_pagerduty_only_team_compares_restore_times_across_the_previous_period_end(
    sre: tuple[World, Snapshot],
) -> None:
    """§6.2 incidents "that started in the window", restore "over incidents resolved in the window";
    docs/metrics.md: a team owning PagerDuty services only has a row for every window with 0 deployments
    and "an incident resolved after as_of is still open as of as_of"; §6.3 recovery falls back to time to
    restore.

    Previous 90d (01-02 15:00, 04-02 15:00]: started S1, S2 → incidents 2; resolved in it: S1 only (S2 at
    20:00 is after 15:00) → restore p50 = p90 = 0.5 h → recovery band (fallback) elite; 0 deployments →
    low. Current 90d (04-02 15:00, 07-01 15:00]: started S3 → incidents 1; resolved S2 (8 h) and S3 (2 h)
    → p50 5.0, p90 2 + 0.9 × 6 = 7.4 → high. 30d (06-01 15:00, …]: S3 → 1 incident, restore 2.0. 7d: 0,
    null.

    Sentences: "No deployments in the last 90 days."; bands low, null, null, high → "The weakest key is
    deployment frequency (none): low."; moved: recovery elite → high (frequency low → low did not move);
    changes: frequency 0 → 0 (size 0), recovery 0.5 → 5.0 (size 4.5/5 = 0.9) → "recovery went from 30 min
    to 5.0 h (worse)".
    Page: recovery n/a, "2.0 h*", "5.0 h*", previous "30 min*", change "+4.5 h (worse)"; frequency none ×4,
    "no change"; the incidents table 7d 0 n/a n/a, 30d 1 2.0 h 2.0 h, 90d 1 5.0 h 7.4 h. Weekly: 26 points,
    all nothing (incidents are no weekly figure). "*" = sre.
    """
    _, snapshot = sre
    assert snapshot.teams == ("*", "sre")
    for team in ("*", "sre"):
        check(
            previous(snapshot, team),
            deployments=0,
            incidents=2,
            time_to_restore_hours_p50=0.5,
            time_to_restore_hours_p90=0.5,
            bands={
                "deployment_frequency": "low",
                "lead_time": None,
                "change_failure_rate": None,
                "recovery": "elite",
            },
        )
        check(
            row(snapshot, team, "90d"),
            deployments=0,
            incidents=1,
            time_to_restore_hours_p50=5.0,
            time_to_restore_hours_p90=7.4,
            bands={
                "deployment_frequency": "low",
                "lead_time": None,
                "change_failure_rate": None,
                "recovery": "high",
            },
        )
        assert weekly(snapshot, team) == expected_weeks({}), team
        wanted = [
            "No deployments in the last 90 days.",
            "The weakest key is deployment frequency (none): low.",
            "Bands moved against the previous 90 days: recovery from elite to high.",
            "Biggest change against the previous 90 days: recovery went from 30 min to 5.0 h (worse).",
        ]
        assert sentences(snapshot, team) == wanted, team
    text = page(snapshot, "sre")
    assert page_sentences(text) == wanted
    shown = table(section(text, "metrics"))
    assert shown["Failed deployment recovery (p50)"] == [
        "n/a",
        "2.0 h*",
        "5.0 h*",
        "30 min*",
        "+4.5 h (worse)",
    ]
    assert shown["Deployment frequency"] == ["none", "none", "none", "none", "no change"]
    assert table(section(text, "incidents")) == {
        "7d": ["0", "n/a", "n/a"],
        "30d": ["1", "2.0 h", "2.0 h"],
        "90d": ["1", "5.0 h", "7.4 h"],
    }


# -- 5. as_of with an offset: a local Monday that is a Sunday in UTC ----------------------------------------


def test_weeks_end_on_utc_mondays_when_as_of_is_given_with_an_offset() -> None:
    """§2 "--as-of … (ISO 8601, UTC if no offset)", §6 "All instants are UTC"; WeeklyPoint: "one ISO week
    (Monday 00:00 UTC to the next Monday)". as_of = 2026-06-29 01:00+02:00 = Sunday 06-28 23:00 UTC: in
    UTC the week of 06-22 is not over, so the last weekly point is the week of 06-15 (06-15, 06-22], and the
    26 weeks start 2025-12-22 … 2026-06-15 (ends 12-29 … 06-22). A week taken from the local date (Monday
    06-29 +02:00) would end a week at 06-28 22:00 UTC instead.

    Team ``tz`` (acme/tz): T0 06-01 12:00 first (week of 06-01); T1 Sunday 06-21 23:30 UTC, lead 1 h (week
    of 06-15); T2 06-28 22:30 UTC (Monday 00:30 at +02:00), lead 2 h: after the last UTC week end, so in no
    weekly point. 7d (06-21 23:00, 06-28 23:00] UTC: T1, T2 → 2, leads 1, 2 → p50 1.5, p90 1 + 0.9 × 1 = 1.9;
    30d: T0, T1, T2 → 3. Previous as of 2026-03-30 23:00 UTC: nothing. The page says "As of 2026-06-28
    23:00 UTC" and "compared with 2026-03-30 23:00 UTC"."""
    for built in world(TeamClaim("tz", ("acme/tz",))):
        built.repository("acme/tz")
        built.first("acme/tz", t(6, 1, 12))
        built.ship("acme/tz", t(6, 21, 23.5), "t1", 1)
        built.ship("acme/tz", t(6, 28, 22.5), "t2", 2)
        as_of = datetime(2026, 6, 29, 1, tzinfo=timezone(timedelta(hours=2)))
        snapshot = built.snapshot(as_of)
    starts = [date(2025, 12, 22) + timedelta(weeks=k) for k in range(26)]
    points = sorted(
        (p.week_start, p.deployments, p.lead_time_hours_p50) for p in snapshot.weekly if p.team == "tz"
    )
    assert [p[0] for p in points] == starts
    assert [(start, n, lead) for start, n, lead in points if n] == [
        (date(2026, 6, 1), 1, None),
        (date(2026, 6, 15), 1, approx(1.0)),
    ]
    check(row(snapshot, "tz", "7d"), deployments=2, lead_time_hours_p50=1.5, lead_time_hours_p90=1.9)
    check(row(snapshot, "tz", "30d"), deployments=3)
    check(previous(snapshot, "tz"), deployments=0)
    text = page(snapshot, "tz")
    assert "As of 2026-06-28 23:00 UTC" in text
    assert "compared with 2026-03-30 23:00 UTC" in text


# -- 6. the organisation's weekly recovery pools recovered failures, each once; re-shipped commits ----


@pytest.fixture(scope="module")
def recovered() -> Iterator[tuple[World, Snapshot]]:
    """Teams ``a`` (acme/a, PagerDuty PA), ``b`` (acme/b, PagerDuty PB), ``sre`` (PagerDuty PS only).
    05-01 00:00 first deployments of acme/a and acme/b (week of 04-27).

    a:  A1 06-09 10:00 ships a1 (lead 1 h). IS on sre's PS 06-09 10:30 → 11:30 names a1 ("root cause
        <a1[:7]>"): explicit. IA on PA 06-09 11:00 → 12:00, no sha: window (1 h after A1, the latest
        deployment of a's service). A1 is failed once, by both; recovered at the earliest resolution,
        IS's 11:30 → 1.5 h.
    b:  B1 06-10 10:00 ships b1 (lead 2 h); B2 06-10 13:00 redeploys the first sha (``behind``): rollback
        of B1, recovered after 3 h. B3 Sunday 06-14 20:00 ships b1 again and b3 (b3 authored 16:00: lead
        4 h; b1 was shipped by B1, so it is no change of B3). IB on PB 06-14 21:00 → Monday 06-15 05:00:
        window → B3 failed, recovered 06-15 05:00 (9 h). B4 06-17 10:00 redeploys the first sha: rollback
        of B3. B5 06-18 10:00 ships b1 and b3 again: both shipped before, so B5 has no change.
    """
    teams = (
        TeamClaim("a", ("acme/a",), ("PA",)),
        TeamClaim("b", ("acme/b",), ("PB",)),
        TeamClaim("sre", (), ("PS",)),
    )
    for built in world(*teams):
        for repo in ("acme/a", "acme/b"):
            built.repository(repo)
            built.first(repo, t(5, 1))
        built.ship("acme/a", t(6, 9, 10), "a1", 1)
        add_incident(
            built.facts,
            "IS",
            t(6, 9, 10.5),
            resolved_at=t(6, 9, 11.5),
            service="PS",
            title=f"root cause {sha('a1')[:7]}",
        )
        add_incident(built.facts, "IA", t(6, 9, 11), resolved_at=t(6, 9, 12), service="PA", title="latency")
        built.ship("acme/b", t(6, 10, 10), "b1", 2)
        built.rollback("acme/b", t(6, 10, 13), to="first-acme/b")
        b3 = built.facts.commit(sha("b3"), t(6, 14, 16), repo="acme/b")
        built.facts.deployment(t(6, 14, 20), ships=[sha("b1"), b3], repo="acme/b")
        add_incident(built.facts, "IB", t(6, 14, 21), resolved_at=t(6, 15, 5), service="PB", title="5xx")
        built.rollback("acme/b", t(6, 17, 10), to="first-acme/b")
        built.facts.deployment(t(6, 18, 10), ships=[sha("b1"), b3], repo="acme/b")
        yield built, built.snapshot()


def test_organisation_weekly_recovery_pools_each_recovered_failure_once(
    recovered: tuple[World, Snapshot],
) -> None:
    """Weekly points (7 days as of each Monday 00:00) where failures of two teams, one found by two rules
    through two teams' incidents, meet in one week:

    Week of 06-08 (06-08, 06-15]: a: A1 → 1, lead 1.0, CFR 1/1 (counted once though two incidents found
    it), recovery 1.5. b: B1, B2, B3 → 3; leads b1 2 h, b3 4 h (B2 none) → p50 3.0, p90 2 + 0.9 × 2 = 3.8;
    failed B1 (rolled back in the week) and B3 (IB started 06-14 21:00, inside) → 2/3; recovered by the
    week's end: B1 (3 h) only, B3 at 06-15 05:00 is after → recovery p50 3.0. sre: nothing (its incident
    counts for sre, fails a's deployment; incidents are no weekly figure).
    "*": 4 deployments; leads 1, 2, 4 → p50 2.0, p90 2 + 0.8 × 2 = 3.6; failed A1, B1, B3 → 3/4 = 0.75;
    recovery over A1 1.5 and B1 3 → p50 2.25.
    Week of 06-15 (06-15, 06-22]: b: B4 (rollback), B5 (only commits shipped before) → 2 deployments, no
    change: lead null; neither failed → CFR 0.0; recovery null (B3's recovery on 06-15 is in this week, B3
    is not). "*" the same. Week of 04-27: the first deployments → a 1, b 1, "*" 2; lead null; CFR 0.0.

    The organisation page lists A1 as found by "explicit, window" through both incidents, recovered after
    1.5 h; B3 as "rollback, window" (B4 rolled it back; IB), recovered after 9.0 h (IB's 05:00, before
    B4); B1 "rollback", 3.0 h. And the organisation's 30d row (06-01 15:00, 07-01 15:00]: A1, B1 … B5 → 6
    deployments, failed 3 → 0.5, recovery 1.5, 3, 9 → p50 3.0.
    """
    _, snapshot = recovered
    first_week = {date(2026, 4, 27): (1, None, None, 0.0, None)}
    expected = {
        "a": {**first_week, date(2026, 6, 8): (1, 1.0, 1.0, 1.0, 1.5)},
        "b": {
            **first_week,
            date(2026, 6, 8): (3, 3.0, 3.8, 2 / 3, 3.0),
            date(2026, 6, 15): (2, None, None, 0.0, None),
        },
        "sre": {},
        "*": {
            date(2026, 4, 27): (2, None, None, 0.0, None),
            date(2026, 6, 8): (4, 2.0, 3.6, 0.75, 2.25),
            date(2026, 6, 15): (2, None, None, 0.0, None),
        },
    }
    for team, busy in expected.items():
        assert weekly(snapshot, team) == expected_weeks(busy), team
    check(
        row(snapshot, "*", "30d"),
        deployments=6,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=3.0,
    )
    failed = section(page(snapshot, "*"), "failed")
    listed = [
        [html.unescape(re.sub(r"<[^>]*>", "", c)) for c in re.findall(r"<td>(.*?)</td>", tr, re.S)]
        for tr in re.findall(r"<tr>(.*?)</tr>", re.findall(r"<tbody>(.*?)</tbody>", failed, re.S)[0], re.S)
    ]
    assert [(r[0], r[1], r[4], r[5], r[6]) for r in listed] == [
        ("2026-06-14 20:00 UTC", "b", "rollback, window", "pagerduty:IB", "9.0 h"),
        ("2026-06-10 10:00 UTC", "b", "rollback", "none", "3.0 h"),
        ("2026-06-09 10:00 UTC", "a", "explicit, window", "pagerduty:IA, pagerduty:IS", "1.5 h"),
    ]


# -- 7. one 7-day window and a Monday as_of: the previous period is the week before last -----------------


def test_with_only_a_7d_window_on_a_monday_the_previous_row_is_the_weekly_point_before_last() -> None:
    """Windows 7d only (bands from 7d, the longest), as_of Monday 06-29 00:00: the previous period is the
    7d window as of 06-22 00:00 — the very week (06-15, 06-22] of the weekly point of 06-15 — and the
    current 7d (06-22, 06-29] is the weekly point of 06-22. An incident starts exactly on that shared
    boundary.

    Team ``w`` (acme/w, PagerDuty PW): W0 05-01 first; W1 06-16 10:00 lead 3 h; W2 Sunday 06-21 23:00 lead
    5 h; incident I on PW 06-22 00:00 → 02:00; W3 06-24 10:00 lead 1 h.
    Previous = week of 06-15: W1, W2 → 2; leads 3, 5 → p50 4.0, p90 3 + 0.9 × 2 = 4.8; I started at 06-22
    00:00, inside (the end is included), 1 h after W2, the latest deployment → W2 failed: CFR 1/2; I is not
    resolved by then → no recovery, no restore; incidents 1. Bands: 2/7 (≥ 1/7) high, 4 h elite, 50 % low,
    recovery null.
    Current 7d = week of 06-22: W3 → 1, lead 1.0, CFR 0.0, recovery null; incidents 0 (I started at the
    excluded start) but restore 2.0 (I resolved inside) → recovery band from restore: high. Bands: 1/7
    (exactly 1 a week) high, 1 h elite, 0 % elite, 2 h high.
    Sentences: weakest high, held by deployment frequency ("1.0 / week") and recovery ("2.0 h"); moved: CFR
    low → elite only (recovery had no band before); biggest change: frequency 2/7 → 1/7 size 0.5, lead 4 →
    1 size 0.75, CFR 0.5 → 0 size 1.0, rework 0 → 0 → "change failure rate went from 50.0 % to 0.0 %
    (better)"."""
    for built in world(TeamClaim("w", ("acme/w",), ("PW",))):
        built.settings = AnalyticsSettings(
            windows=(W7,), ownership=OwnershipSettings(teams=(TeamClaim("w", ("acme/w",), ("PW",)),))
        )
        built.repository("acme/w")
        built.first("acme/w", t(5, 1))
        built.ship("acme/w", t(6, 16, 10), "w1", 3)
        built.ship("acme/w", t(6, 21, 23), "w2", 5)
        add_incident(built.facts, "I", t(6, 22), resolved_at=t(6, 22, 2), service="PW")
        built.ship("acme/w", t(6, 24, 10), "w3", 1)
        snapshot = built.snapshot(t(6, 29))
    assert snapshot.previous is not None
    (before,) = [r for r in snapshot.previous.metrics if r.team == "w"]
    check(
        before,
        window="7d",
        as_of=t(6, 22),
        deployments=2,
        lead_time_hours_p50=4.0,
        lead_time_hours_p90=4.8,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=None,
        time_to_restore_hours_p50=None,
        incidents=1,
        bands={
            "deployment_frequency": "high",
            "lead_time": "elite",
            "change_failure_rate": "low",
            "recovery": None,
        },
    )
    now = row(snapshot, "w", "7d")
    check(
        now,
        deployments=1,
        lead_time_hours_p50=1.0,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        time_to_restore_hours_p50=2.0,
        incidents=0,
        bands={
            "deployment_frequency": "high",
            "lead_time": "elite",
            "change_failure_rate": "elite",
            "recovery": "high",
        },
    )
    points = weekly(snapshot, "w")
    for week, source in ((date(2026, 6, 15), before), (date(2026, 6, 22), now)):
        assert points[week] == (
            source.deployments,
            source.lead_time_hours_p50,
            source.lead_time_hours_p90,
            source.change_failure_rate,
            source.failed_deployment_recovery_hours_p50,
        ), week
    assert sentences(snapshot, "w") == [
        "The weakest keys are deployment frequency (1.0 / week) and recovery (2.0 h): high.",
        "Bands moved against the previous 7 days: change failure rate from low to elite.",
        "Biggest change against the previous 7 days: change failure rate went from 50.0 % to 0.0 % (better).",
    ]
