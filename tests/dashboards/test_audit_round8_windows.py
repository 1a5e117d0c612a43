"""Audit, round 8: unusual ``metrics.windows`` carried through every output, where the window rules
meet each other and the other rules (SPEC §3, §6, §6.2, §6.3, §8.1, §8.3; docs/metrics.md "Windows",
"Bands", "How the numbers are computed — Points").

Each scenario writes raw facts in process (``tests.analytics.facts``), runs the snapshot the daemon and
``doraspace report`` run (``analytics.assembly.assemble_snapshot``: the configured windows as of
``as_of``, the longest window as of one longest window earlier, and a 7-day window as of the end —
Monday 00:00 UTC — of each of the last 26 whole weeks), and reads what it gives: its rows, the previous
row, the weekly points, the Prometheus exposition rendered from it (``dashboards.exporter``), the team
page and the index (``dashboards.reports``). Every expected number is worked out by hand in the test's
docstring. DuckDB in memory, one snapshot per scenario.

The window rules these scenarios lean on:

* SPEC §6: "A window ``Nd`` ending at ``as_of`` is the half-open interval ``(as_of − N days, as_of]``";
  a window written in weeks (``13w``, ``2w``) is that many days (docs/metrics.md keeps its label).
* SPEC §6.3: "Bands always come from the 90-day window (or the longest configured): every row of a team,
  whatever its window, carries the same bands" — so with [7d, 90d, 13w] the bands are 90d's although
  13w (91 days) is longer, and with [1d, 14d], [2w, 180d] or [365d] they are the longest window's.
* docs/metrics.md "Points": the previous period is "the longest window's as of one longest window
  earlier" (91, 14, 180 or 365 days earlier here, counted in days, not calendar months or years), its
  row banded from the band window as of that instant; the weekly points are 7-day windows as of the
  Mondays, whatever the configured windows.
* SPEC §6: "Counts are numbers (0 where there is nothing); a ratio or percentile with nothing to measure
  is null, never 0"; §6.2's definitions; §6.3 recovery "falling back to time_to_restore_hours_p50".
* SPEC §8.1: the ``window`` label carries the configured windows; ``dora_band`` has no window label.

The report wording ("What stands out", "Previous <window>", "Change") is the product's, as round 6 read
it (tests/dashboards/test_audit_round6_trends.py); these tests hold it to its own rules with these
windows: the span named is the longest window's length in days, the band sentence pairs a band with the
band window's value, "Bands moved" compares the previous and current bands.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from analytics.assembly import assemble_snapshot, metrics_as_of
from analytics.dora import TeamWindowMetrics
from analytics.ownership import OwnershipSettings, TeamClaim
from analytics.settings import AnalyticsSettings
from analytics.snapshot import Snapshot
from analytics.windows import WindowSpec, parse_window
from dashboards.exporter import render_families, snapshot_families
from dashboards.reports import index_page, team_page, team_page_names, what_stands_out
from store import schema
from store.timeutil import to_db
from tests.analytics.facts import Facts, add_incident, bands, sha

NOTHING = (0, None, None, None, None)  # a week without deployments


def t(year: int, month: int, day: int, hour: float = 0) -> datetime:
    """An instant (UTC): ``t(2026, 6, 21, 22)`` is 2026-06-21 22:00."""
    return datetime(year, month, day, tzinfo=UTC) + timedelta(hours=hour)


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-9)


def windows(*labels: str) -> tuple[WindowSpec, ...]:
    """Windows as ``metrics.windows`` reads them (``13w`` is 91 days, label kept)."""
    return tuple(parse_window(label) for label in labels)


# -- building a world --------------------------------------------------------------------------------------


@dataclass
class World:
    facts: Facts
    settings: AnalyticsSettings
    repo: str

    def repository(self) -> None:
        """The collected repository (what the collector writes first), so that ownership sees it."""
        self.facts._write(
            schema.repositories,
            {
                "full_name": self.repo,
                "default_branch": "main",
                "discovered_from": "config",
                "synced_at": to_db(t(2020, 1, 1)),
            },
        )

    def first(self, deployed_at: datetime) -> int:
        """The first collected deployment (compare ``first``): counts, adds no lead times."""
        return self.facts.deployment(
            deployed_at, compare="first", repo=self.repo, sha=sha(f"first-{self.repo}")
        )

    def ship(self, deployed_at: datetime, name: str, lead_hours: float) -> int:
        """A deployment shipping one direct commit ``sha(name)`` authored ``lead_hours`` before it."""
        commit = self.facts.commit(sha(name), deployed_at - timedelta(hours=lead_hours), repo=self.repo)
        return self.facts.deployment(deployed_at, ships=[commit], repo=self.repo)

    def rollback(self, deployed_at: datetime, to_sha: str) -> int:
        """A deployment of an ancestor of the previous one's sha: compare ``behind``."""
        return self.facts.deployment(deployed_at, sha=to_sha, compare="behind", repo=self.repo)

    def snapshot(self, as_of: datetime) -> Snapshot:
        return assemble_snapshot(self.facts.engine, self.settings, now=as_of, as_of=as_of)


def world(team: str, service: str, configured: tuple[WindowSpec, ...], benchmarks: str) -> Iterator[World]:
    facts = Facts.in_memory()
    claim = TeamClaim(team, (f"acme/{team}",), (service,))
    settings = AnalyticsSettings(
        windows=configured, benchmarks=benchmarks, ownership=OwnershipSettings(teams=(claim,))
    )
    try:
        built = World(facts, settings, f"acme/{team}")
        built.repository()
        yield built
    finally:
        facts.engine.dispose()


# -- reading a snapshot and its outputs --------------------------------------------------------------------

Week = tuple[int, float | None, float | None, float | None, float | None]


def week_starts(first: date) -> list[date]:
    return [first + timedelta(weeks=k) for k in range(26)]


def weekly(snapshot: Snapshot, team: str) -> dict[date, Week]:
    """week_start → (deployments, lead p50, lead p90, change failure rate, recovery p50) of ``team``."""
    points = [p for p in snapshot.weekly if p.team == team]
    found = {
        p.week_start: (
            p.deployments,
            p.lead_time_hours_p50,
            p.lead_time_hours_p90,
            p.change_failure_rate,
            p.failed_deployment_recovery_hours_p50,
        )
        for p in points
    }
    assert len(points) == len(found) == 26  # one point per week, 26 weeks
    return found


def expected_weeks(first: date, busy: Mapping[date, Week]) -> dict[date, Any]:
    starts = week_starts(first)
    assert set(busy) <= set(starts)
    return {
        week: tuple(approx(v) if isinstance(v, float) else v for v in busy.get(week, NOTHING))
        for week in starts
    }


def row(snapshot: Snapshot, team: str, window: str) -> TeamWindowMetrics:
    (found,) = [r for r in snapshot.metrics if (r.team, r.window) == (team, window)]
    return found


def previous(snapshot: Snapshot, team: str) -> TeamWindowMetrics:
    assert snapshot.previous is not None
    (found,) = [r for r in snapshot.previous.metrics if r.team == team]
    return found


FIELDS = (
    "deployments",
    "deployment_frequency_per_day",
    "lead_time_hours_p50",
    "lead_time_hours_p90",
    "change_failure_rate",
    "failed_deployment_recovery_hours_p50",
    "time_to_restore_hours_p50",
    "time_to_restore_hours_p90",
    "incidents",
    "rework_rate",
)


def numbers(found: TeamWindowMetrics) -> tuple[Any, ...]:
    return tuple(getattr(found, name) for name in FIELDS)


def expect(*values: Any) -> tuple[Any, ...]:
    """The ``FIELDS`` of a row, floats approximately."""
    assert len(values) == len(FIELDS)
    return tuple(approx(v) if isinstance(v, float) else v for v in values)


def samples(snapshot: Snapshot) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The ``dora_*`` samples of the exposition rendered from ``snapshot``: (name, labels) → value."""
    text = render_families(snapshot_families(snapshot)).decode("utf-8")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("dora_")
    }


def served(
    found: Mapping[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float | None:
    return found.get((name, frozenset(labels.items())))


def served_windows(found: Mapping[tuple[str, frozenset[tuple[str, str]]], float]) -> set[str | None]:
    return {dict(labels).get("window") for _, labels in found}


def served_bands(
    found: Mapping[tuple[str, frozenset[tuple[str, str]]], float], team: str
) -> dict[str, str | None]:
    """metric → the band whose ``dora_band`` series is 1 (None: no series for that metric)."""
    result: dict[str, str | None] = {}
    for metric in ("deployment_frequency", "lead_time", "change_failure_rate", "recovery"):
        ones = [
            dict(labels)["band"]
            for (name, labels), value in found.items()
            if name == "dora_band" and dict(labels).get("team") == team and dict(labels)["metric"] == metric
            if value == 1.0
        ]
        assert len(ones) <= 1, (team, metric)
        result[metric] = ones[0] if ones else None
    return result


def page(snapshot: Snapshot, team: str) -> str:
    return team_page(snapshot, team, previous=snapshot.previous)


def sentences(snapshot: Snapshot, team: str) -> list[str]:
    return what_stands_out(snapshot, team, previous=snapshot.previous)


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


def column_heads(text: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<th scope="col" class="num">(.*?)</th>', text)]


def badges(text: str) -> list[str]:
    """The band badges of a table, in order (``none``: no band)."""
    return re.findall(r'class="band band-(\w+)"', text)


def failed_rows(text: str) -> list[list[str]]:
    body = re.findall(r"<tbody>(.*?)</tbody>", section(text, "failed"), re.S)
    if not body:
        return []
    return [
        [html.unescape(re.sub(r"<[^>]*>", "", c)) for c in re.findall(r"<td>(.*?)</td>", tr, re.S)]
        for tr in re.findall(r"<tr>(.*?)</tr>", body[0], re.S)
    ]


def index_cells(snapshot: Snapshot, team: str) -> list[tuple[str, str]]:
    """(band, value) of each key in ``team``'s row of the index page."""
    names = team_page_names(snapshot.teams)
    text = index_page(snapshot, names)
    (cells,) = re.findall(rf'<th scope="row"><a href="{names[team]}">[^<]*</a></th>(.*?)</tr>', text, re.S)
    return [
        (
            re.findall(r"band-(\w+)", cell)[0],
            html.unescape(re.sub(r"<[^>]*>", "", re.sub(r"<span[^>]*>.*?</span>", "", cell))).strip(),
        )
        for cell in re.findall(r"<td>(.*?)</td>", cells, re.S)
    ]


def index_caption(snapshot: Snapshot) -> str:
    text = index_page(snapshot, team_page_names(snapshot.teams))
    (caption,) = re.findall(r'<p class="meta">(.*?)</p>', text)
    return html.unescape(caption)


# -- 1. [7d, 90d, 13w]: the band window is 90d although 13w (91 days) is longer ------------------------------

AS_OF_13W = t(2026, 6, 30)  # a Tuesday
BANDS_13W_NOW = bands("medium", "elite", "elite", None)
BANDS_13W_BEFORE = bands("low", "elite", "low", "high")


@pytest.fixture(scope="module")
def quarter() -> Iterator[Snapshot]:
    """Windows [7d, 90d, 13w] (13w = 91 days, the longest; bands from 90d), dora-2023, as of Tuesday
    2026-06-30 00:00. Team ``t`` owns acme/t and PagerDuty service PT; attribution window 24 h.

    7d = (06-23, 06-30], 90d = (04-01, 06-30], 13w = (03-31 00:00, 06-30]. The previous period is the
    13w window as of 06-30 − 91 days = 03-31 00:00: (2025-12-30 00:00, 03-31 00:00], whose band window,
    90d as of 03-31, is (2025-12-31 00:00, 03-31 00:00]. So the day (03-31 00:00, 04-01 00:00] is in the
    current 13w only, and (2025-12-30, 2025-12-31] in the previous 13w only.

    F0 2025-12-01 00:00 first (before every window and week).
    P1 2025-12-30 12:00, P2 2025-12-30 18:00: one commit each, authored 200 h before (previous 13w only).
    P3 2026-02-10 12:00, P4 2026-03-10 12:00: lead 2 h each. IP on PT 03-10 13:00 → 16:00: 1 h after P4,
    the latest deployment → P4 failed (window), recovered after 4 h; restore 3 h.
    X 2026-03-31 12:00 (current 13w only): lead 30 h. IX on PT 03-31 13:00 → 14:00 → X failed (window),
    recovered after 2 h; restore 1 h.
    C1 04-10 12:00, C2 05-10 12:00, C3 06-10 12:00, C4 06-25 12:00: leads 1, 3, 5, 7 h.
    No deployment falls inside an open incident: rework 0 everywhere.
    """
    for built in world("t", "PT", windows("7d", "90d", "13w"), "dora-2023"):
        built.first(t(2025, 12, 1))
        built.ship(t(2025, 12, 30, 12), "p1", 200)
        built.ship(t(2025, 12, 30, 18), "p2", 200)
        built.ship(t(2026, 2, 10, 12), "p3", 2)
        built.ship(t(2026, 3, 10, 12), "p4", 2)
        add_incident(built.facts, "IP", t(2026, 3, 10, 13), resolved_at=t(2026, 3, 10, 16), service="PT")
        built.ship(t(2026, 3, 31, 12), "x", 30)
        add_incident(built.facts, "IX", t(2026, 3, 31, 13), resolved_at=t(2026, 3, 31, 14), service="PT")
        for day, lead in (((4, 10), 1), ((5, 10), 3), ((6, 10), 5), ((6, 25), 7)):
            built.ship(t(2026, *day, 12), f"c{lead}", lead)
        yield built.snapshot(AS_OF_13W)


def test_13w_rows_in_length_order_carry_the_bands_of_90d(quarter: Snapshot) -> None:
    """§6.4 rows by window length: 7d, 90d, 13w (7, 90, 91 days), "*" first.

    7d: C4 → 1, 1/7 a day; lead 7 h (p50 = p90); CFR 0/1 = 0.0; no recovery, no restore, 0 incidents,
    rework 0.0.
    90d: C1 … C4 → 4, 4/90; leads 1, 3, 5, 7 → p50 4, p90 at rank 2.7: 5 + 0.7 × 2 = 6.4; CFR 0.0; IX was
    resolved (03-31 14:00) before the window → restore null, and no failed deployment → recovery null.
    13w: X too → 5, 5/91; leads 1, 3, 5, 7, 30 → p50 5, p90 at rank 3.6: 7 + 0.6 × 23 = 20.8; CFR 1/5;
    recovery 2 h; restore 1 h; 1 incident.
    Bands from 90d (dora-2023): 4/90 ≈ 0.044 ≥ 1/30, < 1/7 → medium; 4 h → elite; 0 % → elite;
    recovery: no recovered failure, restore null → null. 13w's own values would give change failure rate
    low (20 %) and recovery high (2 h): every row carries 90d's instead.
    The organisation row has the one team's deployments and incidents: the same numbers.
    """
    assert [(r.team, r.window) for r in quarter.metrics] == [
        (team, window) for team in ("*", "t") for window in ("7d", "90d", "13w")
    ]
    expected = {
        "7d": expect(1, 1 / 7, 7.0, 7.0, 0.0, None, None, None, 0, 0.0),
        "90d": expect(4, 4 / 90, 4.0, 6.4, 0.0, None, None, None, 0, 0.0),
        "13w": expect(5, 5 / 91, 5.0, 20.8, 0.2, 2.0, 1.0, 1.0, 1, 0.0),
    }
    for team in ("*", "t"):
        for window, values in expected.items():
            found = row(quarter, team, window)
            assert numbers(found) == values, (team, window)
            assert found.window_days == {"7d": 7, "90d": 90, "13w": 91}[window]
            assert found.bands == BANDS_13W_NOW, (team, window)
    # The failed deployments listed are those of the longest window: X only (P4 is older).
    assert [(f.deployed_at, f.rules, f.incident_ids) for f in quarter.failed_deployments] == [
        (t(2026, 3, 31, 12), ("window",), ("pagerduty:IX",))
    ]


def test_previous_13w_row_is_91_days_earlier_and_banded_from_its_own_90d(quarter: Snapshot) -> None:
    """The previous period: 13w as of 03-31 00:00 = (2025-12-30 00:00, 03-31 00:00].

    P1, P2, P3, P4 → 4, 4/91 a day; leads 200, 200, 2, 2 → p50 (2 + 200) / 2 = 101, p90 at rank 2.7:
    200 + 0.7 × 0 = 200; P4 failed (IP started 03-10 13:00, before that as_of) → CFR 1/4; recovery 4 h;
    IP resolved inside → restore 3 h; 1 incident; rework 0.0. X (03-31 12:00) is after that as_of.
    Bands from 90d as of 03-31 = (2025-12-31, 03-31]: P3, P4 → 2/90 ≈ 0.022 < 1/30 → low; leads 2, 2 →
    p50 2 h → elite; CFR 1/2 → low; recovery 4 h → high. (The 13w values would band frequency medium —
    4/91 ≥ 1/30 — and lead time high — 101 h.) Only the longest window has a previous row.
    """
    assert quarter.previous is not None
    assert quarter.previous.as_of == t(2026, 3, 31)
    assert [(r.team, r.window) for r in quarter.previous.metrics] == [("*", "13w"), ("t", "13w")]
    for team in ("*", "t"):
        before = previous(quarter, team)
        assert numbers(before) == expect(4, 4 / 91, 101.0, 200.0, 0.25, 4.0, 3.0, 3.0, 1, 0.0), team
        assert before.bands == BANDS_13W_BEFORE, team


def test_13w_weekly_points_are_7_day_windows_whatever_the_configured_windows(quarter: Snapshot) -> None:
    """Weeks (Monday before, Monday], the last ending 06-29 00:00, the first starting 2025-12-29:

    12-29: P1, P2 → 2, leads 200, 200 → p50 = p90 = 200, CFR 0.0. 02-09: P3 → 1, 2 h, 0.0.
    03-09: P4 → 1, 2 h; IP started and was resolved before 03-16 → CFR 1.0, recovery 4.0.
    03-30: X → 1, 30 h, CFR 1.0, recovery 2.0 (IX 03-31 13:00 → 14:00, before 04-06).
    04-06: C1 → 1, 1 h. 05-04: C2 (Sunday 05-10) → 1, 3 h. 06-08: C3 → 1, 5 h. 06-22: C4 → 1, 7 h (CFR 0.0
    each). Every other week: 0 and nulls. "*" the same.
    """
    busy = {
        date(2025, 12, 29): (2, 200.0, 200.0, 0.0, None),
        date(2026, 2, 9): (1, 2.0, 2.0, 0.0, None),
        date(2026, 3, 9): (1, 2.0, 2.0, 1.0, 4.0),
        date(2026, 3, 30): (1, 30.0, 30.0, 1.0, 2.0),
        date(2026, 4, 6): (1, 1.0, 1.0, 0.0, None),
        date(2026, 5, 4): (1, 3.0, 3.0, 0.0, None),
        date(2026, 6, 8): (1, 5.0, 5.0, 0.0, None),
        date(2026, 6, 22): (1, 7.0, 7.0, 0.0, None),
    }
    for team in ("*", "t"):
        assert weekly(quarter, team) == expected_weeks(date(2025, 12, 29), busy), team


def test_13w_exposition_labels_and_bands(quarter: Snapshot) -> None:
    """§8.1: the ``window`` label takes exactly 7d, 90d, 13w (and ``dora_band`` has none). 13w's recovery
    2 h = 7200 s is served, 90d's and 7d's are absent (null); CFR 0.2 (13w) and 0.0 (90d) are numbers.
    ``dora_band`` is 90d's bands: frequency medium, lead time elite, change failure rate elite, no
    recovery series — not 13w's (low, high), although 13w is the longest window."""
    found = samples(quarter)
    assert served_windows(found) == {"7d", "90d", "13w", None}
    for team in ("*", "t"):
        assert served(found, "dora_deployments", team=team, window="13w") == 5.0
        assert served(found, "dora_deployment_frequency_per_day", team=team, window="13w") == approx(5 / 91)
        assert served(found, "dora_change_failure_rate", team=team, window="13w") == approx(0.2)
        assert served(found, "dora_change_failure_rate", team=team, window="90d") == 0.0
        recovery = "dora_failed_deployment_recovery_seconds"
        assert served(found, recovery, team=team, window="13w", percentile="50") == approx(7200.0)
        assert served(found, recovery, team=team, window="90d", percentile="50") is None
        assert served(found, recovery, team=team, window="7d", percentile="50") is None
        assert served_bands(found, team) == BANDS_13W_NOW, team


def test_13w_team_page_index_and_sentences(quarter: Snapshot) -> None:
    """The team page's metrics table: columns 7d, 90d, 13w, "Previous 13w", "Change"; one band column
    (90d's bands); compared with 2026-03-31 00:00 UTC.

    Frequency: 1/7 → "1.0 / week"; 4/90 × 30 = 1.33 → "1.3 / month"; 5/91 × 30 = 1.65 → "1.6 / month";
    previous 4/91 × 30 = 1.32 → "1.3 / month"; change +1/91 a day × 30 = 0.33 → "+0.3 / month (better)".
    Lead p50: 7.0 h, 4.0 h, 5.0 h; previous 101 h = 4.2 d; change −96 h = "−4.0 d (better)". Lead p90: 7.0,
    6.4, 20.8 h. CFR 0.0 %, 0.0 %, 20.0 %; previous 25.0 %; change "−5.0 pp (better)". Recovery n/a, n/a,
    2.0 h; previous 4.0 h; "−2.0 h (better)". Rework 0.0 % ×3, previous 0.0 % → "no change".
    Deployments 1, 4, 5. Badges: medium, elite, elite, none (recovery), then rework has no published band.
    Failed deployments of the last 91 days: X, window, pagerduty:IX, recovered after 2.0 h.

    Index: "values over the 90d window", t's cells are 90d's: medium 1.3 / month, elite 4.0 h, elite
    0.0 %, no band n/a.

    What stands out (the longest window, 91 days, against the previous one; bands from 90d):
    weakest: deployment frequency medium, with 90d's value "1.3 / month"; bands moved: frequency low →
    medium, CFR low → elite (recovery: null now, not a move); biggest change of the 13w values: frequency
    1/91 ÷ 5/91 = 0.2, lead |5 − 101| / 101 = 0.95, CFR 0.05 / 0.25 = 0.2, recovery 2/4 = 0.5, rework 0 →
    lead time "from 4.2 d to 5.0 h (better)". No PR: no stage sentence; X recovered: no open failure.
    """
    text = page(quarter, "t")
    assert "compared with 2026-03-31 00:00 UTC" in text
    metrics = section(text, "metrics")
    assert column_heads(metrics) == ["7d", "90d", "13w", "Previous 13w", "Change"]
    assert table(metrics) == {
        "Deployment frequency": [
            "1.0 / week",
            "1.3 / month",
            "1.6 / month",
            "1.3 / month",
            "+0.3 / month (better)",
        ],
        "Lead time for changes (p50)": ["7.0 h", "4.0 h", "5.0 h", "4.2 d", "−4.0 d (better)"],
        "Lead time for changes (p90)": ["7.0 h", "6.4 h", "20.8 h"],
        "Change failure rate": ["0.0 %", "0.0 %", "20.0 %", "25.0 %", "−5.0 pp (better)"],
        "Failed deployment recovery (p50)": ["n/a", "n/a", "2.0 h", "4.0 h", "−2.0 h (better)"],
        "Rework rate": ["0.0 %", "0.0 %", "0.0 %", "0.0 %", "no change"],
        "Deployments": ["1", "4", "5"],
    }
    assert badges(metrics) == ["medium", "elite", "elite", "none"]
    assert "1 failed deployment in the last 91 days" in section(text, "failed")
    assert [(r[0], r[3], r[4], r[5]) for r in failed_rows(text)] == [
        ("2026-03-31 12:00 UTC", "window", "pagerduty:IX", "2.0 h")
    ]
    assert "values over the 90d window" in index_caption(quarter)
    assert index_cells(quarter, "t") == [
        ("medium", "1.3 / month"),
        ("elite", "4.0 h"),
        ("elite", "0.0 %"),
        ("none", "n/a"),
    ]
    assert sentences(quarter, "t") == [
        "The weakest key is deployment frequency (1.3 / month): medium.",
        "Bands moved against the previous 91 days: deployment frequency from low to medium and change "
        "failure rate from low to elite.",
        "Biggest change against the previous 91 days: lead time went from 4.2 d to 5.0 h (better).",
    ]


# -- 2. [365d] alone, across a leap year: the previous period is 365 days, not a calendar year -----------

AS_OF_YEAR = t(2025, 1, 1)  # a Wednesday; 2024 has a 29 February


@pytest.fixture(scope="module")
def year() -> Iterator[tuple[World, Snapshot]]:
    """Windows [365d] only (bands from it), dora-2023, as of Wednesday 2025-01-01 00:00. Team ``y``
    owns acme/y and PagerDuty service PY.

    365d = (2024-01-02 00:00, 2025-01-01 00:00] — 2024 has 366 days, so not (2024-01-01, …]. The previous
    period is 365d as of 2024-01-02 00:00: (2023-01-02 00:00, 2024-01-02 00:00]. The snapshot's earliest
    window starts 2023-01-02 (docs/metrics.md "From the earliest window on").

    F0 2022-11-01 first. R0 2022-12-20 12:00 lead 5 h (before every window).
    I0 on PY 2022-12-28 00:00 → 2023-01-10 00:00 (opened before the earliest window; 13 days = 312 h).
    Q1 2023-01-05 12:00 redeploys F0's sha (``behind``): a rollback of R0 (R0 failed, in no window), and
    deployed while I0 is open: rework by two rules, once.
    Q2 2023-06-01 12:00 lead 10 h. Q3 2024-01-01 12:00 lead 20 h. Q4 exactly 2024-01-02 00:00 lead 4 h.
    Q5 2024-02-29 12:00 (the leap day) lead 6 h. IZ on PY 2024-06-01 00:00 → 06:00 (fails nothing).
    Q7 2024-09-10 12:00 lead 8 h. Q6 2024-12-31 12:00 lead 2 h; IY on PY 12-31 13:00, resolved
    2025-01-01 02:00 (after as_of: open as of it) → Q6 failed (window), not recovered.
    """
    for built in world("y", "PY", windows("365d"), "dora-2023"):
        built.first(t(2022, 11, 1))
        built.ship(t(2022, 12, 20, 12), "r0", 5)
        add_incident(built.facts, "I0", t(2022, 12, 28), resolved_at=t(2023, 1, 10), service="PY")
        built.rollback(t(2023, 1, 5, 12), sha("first-acme/y"))
        built.ship(t(2023, 6, 1, 12), "q2", 10)
        built.ship(t(2024, 1, 1, 12), "q3", 20)
        built.ship(t(2024, 1, 2), "q4", 4)
        built.ship(t(2024, 2, 29, 12), "q5", 6)
        add_incident(built.facts, "IZ", t(2024, 6, 1), resolved_at=t(2024, 6, 1, 6), service="PY")
        built.ship(t(2024, 9, 10, 12), "q7", 8)
        built.ship(t(2024, 12, 31, 12), "q6", 2)
        add_incident(built.facts, "IY", t(2024, 12, 31, 13), resolved_at=t(2025, 1, 1, 2), service="PY")
        yield built, built.snapshot(AS_OF_YEAR)


def test_365d_current_and_previous_rows_across_the_leap_day(year: tuple[World, Snapshot]) -> None:
    """Current 365d: Q5, Q7, Q6 → 3, 3/365 a day; leads 6, 8, 2 → p50 6, p90 at rank 1.8: 6 + 0.8 × 2 =
    7.6; Q6 failed → CFR 1/3; not recovered by as_of → recovery null; resolved in the window: IZ (6 h) →
    restore 6, 6 (IY is still open); started: IZ, IY → 2; rework 0/3.
    Bands: 3/365 < 1/30 → low; 6 h → elite; 33 % → low; recovery falls back to restore 6 h → high.

    Previous 365d as of 2024-01-02 00:00: Q1, Q2, Q3, Q4 (Q4 exactly at its end, inside; Q3 on 2024-01-01,
    which a calendar-year previous window (…, 2024-01-01 00:00] would leave out) → 4, 4/365; leads 10, 20,
    4 (Q1 has no changes) → p50 10, p90 at rank 1.8: 10 + 0.8 × 10 = 18; no failed deployment among them
    (R0 is before the window) → CFR 0.0; recovery null; I0 resolved inside → restore 312 h; no incident
    started inside → 0; rework: Q1 → 1/4.
    Bands: 4/365 → low; 10 h → elite; 0 % → elite; recovery falls back to 312 h, not < 1 week → low.
    The previous row equals ``doraspace metrics``'s computation as of 2024-01-02 00:00 alone.
    """
    built, snapshot = year
    assert [(r.team, r.window) for r in snapshot.metrics] == [("*", "365d"), ("y", "365d")]
    assert snapshot.previous is not None and snapshot.previous.as_of == t(2024, 1, 2)
    now_bands = bands("low", "elite", "low", "high")
    before_bands = bands("low", "elite", "elite", "low")
    alone = {r.team: r for r in metrics_as_of(built.facts.engine, built.settings, as_of=t(2024, 1, 2)).rows}
    for team in ("*", "y"):
        now = row(snapshot, team, "365d")
        assert numbers(now) == expect(3, 3 / 365, 6.0, 7.6, 1 / 3, None, 6.0, 6.0, 2, 0.0), team
        assert now.bands == now_bands, team
        before = previous(snapshot, team)
        assert numbers(before) == expect(4, 4 / 365, 10.0, 18.0, 0.0, None, 312.0, 312.0, 0, 0.25), team
        assert before.bands == before_bands, team
        assert numbers(alone[team]) == numbers(before) and alone[team].bands == before.bands
    assert [(f.deployed_at, f.rules, f.recovered_at) for f in snapshot.failed_deployments] == [
        (t(2024, 12, 31, 12), ("window",), None)
    ]


def test_365d_weekly_points_exposition_page_and_sentences(year: tuple[World, Snapshot]) -> None:
    """Weekly points: the Monday before as_of, 2024-12-30, ends the last week, so the weeks start
    2024-07-01 … 12-23. Only Q7 (Tuesday 2024-09-10) is in one: week 09-09 → 1, 8 h, CFR 0.0. Q6 (12-31)
    is after the last week end: in no point.

    Exposition: ``window`` is "365d" only; ``dora_band`` low, elite, low, high; no recovery series (null),
    restore p50 6 h = 21600 s.

    Page: columns 365d, "Previous 365d", "Change"; compared with 2024-01-02 00:00 UTC.
    Frequency 3/365 × 30 = 0.25 → "0.2 / month"; previous 4/365 × 30 = 0.33 → "0.3 / month"; change
    −1/365 × 30 = −0.08 → "−0.1 / month (worse)". Lead 6.0 h; 10.0 h; "−4.0 h (better)"; p90 7.6 h.
    CFR 33.3 %; 0.0 %; "+33.3 pp (worse)". Recovery: the restore fallback, marked: "6.0 h*"; previous 312 h
    = "13.0 d*"; change −306 h = 12.75 d → "−12.8 d (better)". Rework 0.0 %; 25.0 %; "−25.0 pp (better)".
    Deployments 3. Failed deployments of the last 365 days: Q6, window, pagerduty:IY, "not yet".

    Sentences (365 days): weakest low, held by deployment frequency (0.2 / month) and change failure rate
    (33.3 %); moved: CFR elite → low, recovery low → high; biggest change: frequency 1/4 = 0.25, lead 4/10
    = 0.4, CFR 1/3 from 0 → 1.0, recovery 306/312 = 0.98, rework 0.25 → 0 = 1.0: the tie goes to the
    earlier key, change failure rate "from 0.0 % to 33.3 % (worse)"; Q6 has not recovered.
    """
    _, snapshot = year
    busy = {date(2024, 9, 9): (1, 8.0, 8.0, 0.0, None)}
    for team in ("*", "y"):
        assert weekly(snapshot, team) == expected_weeks(date(2024, 7, 1), busy), team

    found = samples(snapshot)
    assert served_windows(found) == {"365d", None}
    assert served_bands(found, "y") == bands("low", "elite", "low", "high")
    assert (
        served(found, "dora_failed_deployment_recovery_seconds", team="y", window="365d", percentile="50")
        is None
    )
    assert served(found, "dora_time_to_restore_seconds", team="y", window="365d", percentile="50") == approx(
        21600.0
    )

    text = page(snapshot, "y")
    assert "compared with 2024-01-02 00:00 UTC" in text
    metrics = section(text, "metrics")
    assert column_heads(metrics) == ["365d", "Previous 365d", "Change"]
    assert table(metrics) == {
        "Deployment frequency": ["0.2 / month", "0.3 / month", "−0.1 / month (worse)"],
        "Lead time for changes (p50)": ["6.0 h", "10.0 h", "−4.0 h (better)"],
        "Lead time for changes (p90)": ["7.6 h"],
        "Change failure rate": ["33.3 %", "0.0 %", "+33.3 pp (worse)"],
        "Failed deployment recovery (p50)": ["6.0 h*", "13.0 d*", "−12.8 d (better)"],
        "Rework rate": ["0.0 %", "25.0 %", "−25.0 pp (better)"],
        "Deployments": ["3"],
    }
    assert badges(metrics) == ["low", "elite", "low", "high"]
    assert "1 failed deployment in the last 365 days" in section(text, "failed")
    assert [(r[0], r[3], r[4], r[5]) for r in failed_rows(text)] == [
        ("2024-12-31 12:00 UTC", "window", "pagerduty:IY", "not yet")
    ]
    assert "values over the 365d window" in index_caption(snapshot)
    assert sentences(snapshot, "y") == [
        "The weakest keys are deployment frequency (0.2 / month) and change failure rate (33.3 %): low.",
        "Bands moved against the previous 365 days: change failure rate from elite to low and recovery "
        "from low to high.",
        "Biggest change against the previous 365 days: change failure rate went from 0.0 % to 33.3 % "
        "(worse).",
        "1 failed deployment has not recovered yet.",
    ]


# -- 3. [1d, 14d] with dora-2021 on a Monday: a failure found after the previous period's end -------------

AS_OF_MONDAY = t(2026, 6, 29)


@pytest.fixture(scope="module")
def fortnight() -> Iterator[tuple[World, Snapshot]]:
    """Windows [1d, 14d] (bands from 14d, the longest), dora-2021, as of Monday 2026-06-29 00:00. Team
    ``q`` owns acme/q and PagerDuty service PQ.

    1d = (06-28 00:00, 06-29 00:00], 14d = (06-15 00:00, 06-29 00:00]; previous 14d as of 06-15 00:00 =
    (06-01, 06-15]. The weeks end on Mondays, so the current 14d is exactly the weeks of 06-15 and 06-22,
    and the previous 14d those of 06-01 and 06-08.

    F0 05-01 first. A1 06-03 12:00 lead 2 h. A2 06-10 12:00 lead 4 h. A3 06-10 18:00 redeploys A1's commit
    (``behind``): rollback of A2 → A2 failed, recovered after 6 h; A3 rework. A4 Sunday 06-14 22:00 lead 8 h.
    IQ on PQ Monday 06-15 01:00 → 03:00: 3 h after A4, its latest deployment → A4 failed (window) — but
    only from 06-15 01:00 on, after the previous period's end.
    B1 06-20 12:00 lead 0.5 h. B2 exactly 06-28 00:00 lead 0.25 h. B3 06-28 10:00 lead 0.5 h. B4 exactly
    06-29 00:00 lead 0.9 h.
    """
    for built in world("q", "PQ", windows("1d", "14d"), "dora-2021"):
        built.first(t(2026, 5, 1))
        built.ship(t(2026, 6, 3, 12), "a1", 2)
        built.ship(t(2026, 6, 10, 12), "a2", 4)
        built.rollback(t(2026, 6, 10, 18), sha("a1"))
        built.ship(t(2026, 6, 14, 22), "a4", 8)
        add_incident(built.facts, "IQ", t(2026, 6, 15, 1), resolved_at=t(2026, 6, 15, 3), service="PQ")
        built.ship(t(2026, 6, 20, 12), "b1", 0.5)
        built.ship(t(2026, 6, 28), "b2", 0.25)
        built.ship(t(2026, 6, 28, 10), "b3", 0.5)
        built.ship(t(2026, 6, 29), "b4", 0.9)
        yield built, built.snapshot(AS_OF_MONDAY)


def test_1d_and_14d_rows_previous_row_and_a_failure_no_configured_window_shows(
    fortnight: tuple[World, Snapshot],
) -> None:
    """1d: B3, B4 (B2 exactly at the excluded start) → 2, 2/1 = 2.0 a day; leads 0.5, 0.9 → p50 0.7, p90
    0.5 + 0.9 × 0.4 = 0.86; CFR 0.0; nothing else.
    14d: B1 … B4 → 4, 4/14; leads 0.25, 0.5, 0.5, 0.9 → p50 0.5, p90 at rank 2.7: 0.5 + 0.7 × 0.4 = 0.78;
    CFR 0/4 (A4 is before the window); no failed deployment → recovery null; IQ started and resolved in
    it → 1 incident, restore 2 h; rework 0.0.
    Bands (dora-2021, 14d): 4/14 ≈ 0.29 a day: below 1/day, ≥ 1/month → high; 0.5 h < 1 hour → elite;
    0 % ≤ 15 % → elite; recovery falls back to 2 h: not < 1 hour, < 1 day → high. (1d alone: 2/day would
    be elite.)
    Previous 14d as of 06-15 00:00: A1 … A4 → 4, 4/14; leads 2, 4, 8 → p50 4, p90 at rank 1.8: 4 + 0.8 × 4
    = 7.2; A2 failed (A3, 06-10 18:00) but not A4 (IQ starts after that as_of) → CFR 1/4; recovery 6 h;
    restore null, 0 incidents; rework A3 → 1/4. Bands: 4/14 high; 4 h high; 25 % ≤ 30 % high; 6 h high.
    A4 has failed by now, yet it is in no configured window as of now (before 06-15) nor as of 06-15 (not
    failed then): no row counts it and the snapshot lists no failed deployment. A 21d window asked for
    (``--window 21d``: (06-08, 06-29]) does count it: A2, A3, A4, B1 … B4 → 7, failed A2, A4 → 2/7,
    recoveries 6 h (A2) and 5 h (A4, from 22:00 to IQ's resolution at 03:00) → p50 5.5; and it carries
    14d's bands.
    """
    built, snapshot = fortnight
    now_bands = bands("high", "elite", "elite", "high")
    assert [(r.team, r.window) for r in snapshot.metrics] == [
        (team, window) for team in ("*", "q") for window in ("1d", "14d")
    ]
    for team in ("*", "q"):
        assert numbers(row(snapshot, team, "1d")) == expect(2, 2.0, 0.7, 0.86, 0.0, None, None, None, 0, 0.0)
        assert numbers(row(snapshot, team, "14d")) == expect(
            4, 4 / 14, 0.5, 0.78, 0.0, None, 2.0, 2.0, 1, 0.0
        )
        assert row(snapshot, team, "1d").bands == row(snapshot, team, "14d").bands == now_bands
        before = previous(snapshot, team)
        assert before.window == "14d"
        assert numbers(before) == expect(4, 4 / 14, 4.0, 7.2, 0.25, 6.0, None, None, 0, 0.25), team
        assert before.bands == bands("high", "high", "high", "high")
    assert snapshot.failed_deployments == ()
    asked = metrics_as_of(built.facts.engine, built.settings, as_of=AS_OF_MONDAY, windows=windows("21d"))
    for found in asked.rows:
        assert (found.window, found.deployments, found.change_failure_rate) == ("21d", 7, approx(2 / 7))
        assert found.failed_deployment_recovery_hours_p50 == approx(5.5)
        assert found.bands == now_bands


def test_1d_and_14d_weekly_points_split_both_periods(fortnight: tuple[World, Snapshot]) -> None:
    """Weeks 2025-12-29 … 06-22 (ending 06-29 00:00 = as_of):

    04-27: F0 → 1, lead null, CFR 0.0. 06-01: A1 → 1, 2 h, 0.0. 06-08 (06-08, 06-15]: A2, A3, A4 → 3;
    leads 4, 8 → p50 6, p90 4 + 0.9 × 4 = 7.6; as of 06-15 00:00 only A2 has failed → CFR 1/3, recovery
    6 h. 06-15: B1 → 1, 0.5 h. 06-22 (06-22, 06-29]: B2, B3, B4 → 3; leads 0.25, 0.5, 0.9 → p50 0.5, p90
    at rank 1.8: 0.5 + 0.8 × 0.4 = 0.82; CFR 0.0.
    The two weeks of the previous period hold its 4 deployments (1 + 3) and those of the current 14d its
    4 (1 + 3); the week of 06-08 says 1/3 failed, as the previous row (1/4) does — A4's failure shows in
    no weekly point either.
    """
    _, snapshot = fortnight
    busy = {
        date(2026, 4, 27): (1, None, None, 0.0, None),
        date(2026, 6, 1): (1, 2.0, 2.0, 0.0, None),
        date(2026, 6, 8): (3, 6.0, 7.6, 1 / 3, 6.0),
        date(2026, 6, 15): (1, 0.5, 0.5, 0.0, None),
        date(2026, 6, 22): (3, 0.5, 0.82, 0.0, None),
    }
    for team in ("*", "q"):
        assert weekly(snapshot, team) == expected_weeks(date(2025, 12, 29), busy), team


def test_1d_and_14d_exposition_page_and_sentences(fortnight: tuple[World, Snapshot]) -> None:
    """Exposition: ``window`` takes 1d and 14d only; frequency 2.0 (1d) and 4/14 (14d); ``dora_band``
    high, elite, elite, high (14d's; 1d's own frequency band would be elite).

    Page: columns 1d, 14d, "Previous 14d", "Change".
    Frequency "2.0 / day", 4/14 × 7 = "2.0 / week"; previous "2.0 / week"; shown equal → "no change".
    Lead p50 0.7 h = "42 min", 0.5 h = "30 min"; previous "4.0 h"; "−3.5 h (better)". Lead p90 0.86 h =
    51.6 → "52 min", 0.78 h = 46.8 → "47 min". CFR 0.0 %, 0.0 %; previous 25.0 %; "−25.0 pp (better)".
    Recovery: 1d nothing → "n/a"; 14d the restore fallback "2.0 h*"; previous a real recovery "6.0 h";
    "−4.0 h (better)". Rework 0.0 %, 0.0 %; 25.0 %; "−25.0 pp (better)". Deployments 2, 4. Badges high,
    elite, elite, high. Incidents table: 1d 0, n/a, n/a; 14d 1, 2.0 h, 2.0 h.
    "No failed deployments in the last 14 days." Index: "values over the 14d window".

    Sentences (14 days): weakest high, held by deployment frequency ("2.0 / week") and recovery ("2.0 h");
    moved: lead time high → elite, CFR high → elite; biggest change: frequency 0, lead 3.5/4 = 0.875, CFR
    0.25 → 0 = 1.0, recovery 4/6 = 0.67, rework 0.25 → 0 = 1.0 → the tie to the earlier key: change
    failure rate "from 25.0 % to 0.0 % (better)".
    """
    _, snapshot = fortnight
    found = samples(snapshot)
    assert served_windows(found) == {"1d", "14d", None}
    assert served(found, "dora_deployment_frequency_per_day", team="q", window="1d") == approx(2.0)
    assert served(found, "dora_deployment_frequency_per_day", team="q", window="14d") == approx(4 / 14)
    assert served_bands(found, "q") == bands("high", "elite", "elite", "high")

    text = page(snapshot, "q")
    assert "compared with 2026-06-15 00:00 UTC" in text
    metrics = section(text, "metrics")
    assert column_heads(metrics) == ["1d", "14d", "Previous 14d", "Change"]
    assert table(metrics) == {
        "Deployment frequency": ["2.0 / day", "2.0 / week", "2.0 / week", "no change"],
        "Lead time for changes (p50)": ["42 min", "30 min", "4.0 h", "−3.5 h (better)"],
        "Lead time for changes (p90)": ["52 min", "47 min"],
        "Change failure rate": ["0.0 %", "0.0 %", "25.0 %", "−25.0 pp (better)"],
        "Failed deployment recovery (p50)": ["n/a", "2.0 h*", "6.0 h", "−4.0 h (better)"],
        "Rework rate": ["0.0 %", "0.0 %", "25.0 %", "−25.0 pp (better)"],
        "Deployments": ["2", "4"],
    }
    assert badges(metrics) == ["high", "elite", "elite", "high"]
    incidents = re.findall(
        r'<tr><th scope="row">(.*?)</th><td class="num">(.*?)</td><td class="num">(.*?)</td>'
        r'<td class="num">(.*?)</td></tr>',
        section(text, "incidents"),
    )
    assert incidents == [("1d", "0", "n/a", "n/a"), ("14d", "1", "2.0 h", "2.0 h")]
    assert "No failed deployments in the last 14 days." in section(text, "failed")
    assert "values over the 14d window" in index_caption(snapshot)
    assert sentences(snapshot, "q") == [
        "The weakest keys are deployment frequency (2.0 / week) and recovery (2.0 h): high.",
        "Bands moved against the previous 14 days: lead time from high to elite and change failure rate "
        "from high to elite.",
        "Biggest change against the previous 14 days: change failure rate went from 25.0 % to 0.0 % "
        "(better).",
    ]


# -- 4. [2w, 180d] with dora-2021: 26 weeks reach past the 180-day window into the previous period ---------


def test_2w_and_180d_three_cuts_at_the_previous_period_end() -> None:
    """Windows [2w, 180d] (bands from 180d, the longest; no 90d), dora-2021, as of Tuesday 2026-06-30
    00:00. Team ``h`` owns acme/h (and PagerDuty service PH, quiet).

    180d = (2026-01-01 00:00, 06-30]; 2w = (06-16, 06-30]; the previous 180d as of 2026-01-01 00:00 =
    (2025-07-05, 2026-01-01]. The 26 weeks start 2025-12-29 (182 days before 06-29): their first week
    (12-29, 2026-01-05] straddles the previous period's end.

    F0 2025-06-01 first (before everything). G1 2025-12-31 12:00 lead 48 h. G2 exactly 2026-01-01 00:00
    lead 3 h. G3 2026-01-02 12:00 lead 5 h. G4 06-20 12:00 lead 1 h.

    180d: G3, G4 (G2 at the excluded start) → 2, 2/180 = 1/90 a day; leads 5, 1 → p50 3, p90 1 + 0.9 × 4
    = 4.6; CFR 0.0; no incident: recovery, restore null, 0 incidents; rework 0.0.
    2w: G4 → 1, 1/14; lead 1 h; CFR 0.0.
    Bands (dora-2021, 180d): 1/90 ≈ 0.011 ≥ 1/182 ≈ 0.0055, < 1/30 → medium (dora-2023 would say low);
    3 h → high; 0 % → elite; recovery null.
    Previous 180d: G1, G2 (G2 at its included end) → 2, 1/90; leads 48, 3 → p50 25.5, p90 3 + 0.9 × 45 =
    43.5; CFR 0.0. Bands: medium; 25.5 h < 1 week → high; elite; null — the same bands.
    Week 12-29: G1, G2, G3 → 3; leads 3, 5, 48 → p50 5, p90 at rank 1.8: 5 + 0.8 × 43 = 39.4; CFR 0.0.
    Week 06-15: G4 → 1, 1 h. The 26 weeks hold 4 deployments, the 180d window 2.

    Exposition: ``window`` 2w and 180d only; ``dora_band`` medium, high, elite (no recovery series).
    Sentences (180 days): weakest medium: deployment frequency (1/90 × 30 = "0.3 / month"); no band moved:
    no sentence; biggest change: frequency 0, lead 22.5 / 25.5 = 0.88, CFR 0 → 0, rework 0 → 0 → lead time
    "from 25.5 h to 3.0 h (better)". Page columns 2w, 180d, "Previous 180d", "Change".
    """
    for built in world("h", "PH", windows("2w", "180d"), "dora-2021"):
        built.first(t(2025, 6, 1))
        built.ship(t(2025, 12, 31, 12), "g1", 48)
        built.ship(t(2026, 1, 1), "g2", 3)
        built.ship(t(2026, 1, 2, 12), "g3", 5)
        built.ship(t(2026, 6, 20, 12), "g4", 1)
        snapshot = built.snapshot(t(2026, 6, 30))
    expected_bands = bands("medium", "high", "elite", None)
    for team in ("*", "h"):
        assert numbers(row(snapshot, team, "180d")) == expect(
            2, 1 / 90, 3.0, 4.6, 0.0, None, None, None, 0, 0.0
        )
        assert numbers(row(snapshot, team, "2w")) == expect(
            1, 1 / 14, 1.0, 1.0, 0.0, None, None, None, 0, 0.0
        )
        assert row(snapshot, team, "2w").bands == row(snapshot, team, "180d").bands == expected_bands
        before = previous(snapshot, team)
        assert (before.window, before.as_of) == ("180d", t(2026, 1, 1))
        assert numbers(before) == expect(2, 1 / 90, 25.5, 43.5, 0.0, None, None, None, 0, 0.0), team
        assert before.bands == expected_bands
        busy = {
            date(2025, 12, 29): (3, 5.0, 39.4, 0.0, None),
            date(2026, 6, 15): (1, 1.0, 1.0, 0.0, None),
        }
        assert weekly(snapshot, team) == expected_weeks(date(2025, 12, 29), busy), team
    found = samples(snapshot)
    assert served_windows(found) == {"2w", "180d", None}
    assert served_bands(found, "h") == expected_bands
    assert column_heads(section(page(snapshot, "h"), "metrics")) == ["2w", "180d", "Previous 180d", "Change"]
    assert sentences(snapshot, "h") == [
        "The weakest key is deployment frequency (0.3 / month): medium.",
        "Biggest change against the previous 180 days: lead time went from 25.5 h to 3.0 h (better).",
    ]
