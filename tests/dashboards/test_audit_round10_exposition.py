"""Audit, round 10: /metrics (SPEC §8.1) field by field against the JSON (§6.4, §7.5) where two rules meet.

One small store, built in process with the analytics harness, read three ways for one instant: the
Prometheus text of the snapshot the daemon serves (parsed with ``prometheus_client.parser``),
``doraspace metrics --format json --as-of`` and ``doraspace survey scores --format json``. Every
expected number below is worked out by hand from SPEC's words.

as_of 2026-06-30 00:00 UTC (``at(d, h)`` = 2026-06-<d> <h>:00 UTC). Windows **7d and 30d only** (no 90d):
7d = (06-23, 06-30], 30d = (05-31, 06-30]; §6.3 "bands always come from the 90-day window (or the
longest configured)" → the band window is 30d. dora-2023, attribution 24 h, min_group_size 5.

Team ``steady`` (acme/steady, PagerDuty PS, headcount 8) — change failure rate defined, recovery not:
    F0 03-01 first deployment (before every window, adds nothing).
    D1 06-20 12:00 ships a direct commit authored 06-20 06:00 → lead 6 h.
    D2 06-25 12:00 ships d2, the squash commit of PR 7 (commit authored 06-25 00:00, opened 02:00,
       no review, merged 06:00; d2 itself authored 06:00) → §5.2 start = the PR's earliest commit
       06-25 00:00 → lead 12 h; breakdown coding 2 h, deploy 6 h, pickup and review none (§5.3).
    I1 on PS 06-20 14:00, resolved 07-02 (after as_of: still open as of as_of): 2 h after D1, D1 the
       latest deployment of PS → D1 failed by the window rule; its only recovery is after as_of → D1
       has not recovered. D2 is deployed while I1 is open → rework.
    I2 on PS 06-10 00:00 → 00:30 (0.5 h) and I3 06-12 00:00 → 01:00 (1 h): the latest deployment
       before them is F0, months earlier → they fail nothing; no deployment while they are open.
  7d: D2 → 1, 1/7; lead 12 h (p50 = p90 = 43200 s); CFR 0/1 = 0; recovery null; nothing resolved in
      the window → TTR null; no incident started → 0; rework 1/1 = 1.0; coding 7200 s, deploy 21600 s.
  30d: D1, D2 → 2, 2/30; leads [6, 12] → p50 9 h = 32400 s, p90 6 + 0.9 × 6 = 11.4 h = 41040 s;
      CFR 1/2; recovery null (D1 not recovered); TTR over I2, I3: p50 0.75 h = 2700 s, p90 0.5 + 0.9 ×
      0.5 = 0.95 h = 3420 s; incidents I1, I2, I3 → 3; rework 1/2; breakdown as 7d.
  bands (30d): 2/30 ≥ 1/30, < 1/7 → medium; 9 h < 1 day → elite; 50 % → low; recovery null → falls
      back to TTR p50 0.75 h < 1 h → elite.

Team LAG = ``la"g\\ging<newline>team`` (acme/lagging, PagerDuty PL, headcount 10): a quote, a backslash
and a newline to escape — an incident resolved in a window it did not start in:
    G0 03-01 first. L1 06-05 12:00 ships a commit authored 06-04 12:00 → lead 24 h.
    J1 on PL 06-05 18:00 → 06-24 18:00: 6 h after L1 → L1 failed (window rule), recovered at J1's
       resolution: 19 d 6 h = 462 h; TTR 19 d = 456 h. L1 is not rework (J1 opens after it).
  7d: 0 deployments, frequency 0; lead, CFR, recovery, rework null; J1 resolved 06-24 18:00 in the
      window → TTR p50 = p90 = 456 h = 1641600 s, while incidents (started in the window) = 0.
  30d: 1, 1/30; lead 24 h = 86400 s; CFR 1/1; recovery 462 h = 1663200 s; TTR 456 h; incidents 1;
      rework 0/1 = 0.0; no PR → no breakdown.
  bands (30d): 1/30 ≥ 1/30 → medium; 24 h is not < 1 day → high; 100 % → low; 462 h ≥ 1 week → low.

Organisation ``*`` (both teams):
  7d: D2 → 1, 1/7; lead 12 h; CFR 0/1; recovery null; TTR J1 456 h; incidents 0; rework 1/1; PR 7.
  30d: L1, D1, D2 → 3, 0.1; leads [6, 12, 24] → p50 12 h = 43200 s, p90 rank 1.8 → 12 + 0.8 × 12 =
      21.6 h = 77760 s; CFR 2/3 (L1, D1); recovery over the recovered L1 only → 462 h; TTR over
      I2, I3, J1 [0.5, 1, 456] → p50 1 h = 3600 s, p90 rank 1.8 → 1 + 0.8 × 455 = 365 h = 1314000 s;
      incidents I1, I2, I3, J1 → 4; rework 1/3; PR 7.
  bands (30d): 0.1 → medium; 12 h → elite; 2/3 → low; recovery 462 h → low (the TTR fallback, 1 h,
      would be high: the organisation has a recovered failed deployment, so no fallback).

SPACE: items s1 (satisfaction) and e1 (efficiency), 5 points, favourable 4–5, same wording both
quarters; score = (mean − 1) × 25.
  2026-Q1: steady 6 people, s1 [4, 4, 4, 5, 5, 2], e1 answered by 4 of them [3, 3, 4, 4];
      LAG 5 people, s1 [3, 3, 3, 3, 3], e1 [5, 5, 5, 4, 2]. Both teams (6, 5 ≥ 5) and "*" (11) shown.
      satisfaction: steady 24/6 = 4 → 75.0, favourable 5/6; LAG 3 → 50.0, 0/5 = 0.0;
          "*" 39/11 → (28/11) × 25 = 700/11, 5/11.
      efficiency: steady 4 < 5 → hidden; docs/metrics.md "per dimension as well": the hidden group
          (4) < 5 while "*" efficiency (9) is shown → the smallest shown team's efficiency, LAG's, is
          hidden too (4 + 5 = 9 ≥ 5). Only "*": 35/9 → (26/9) × 25 = 650/9, favourable 6/9 = 2/3.
      space_respondents (team-quarter): steady 6, LAG 5, "*" 11; response rate 6/8, 5/10, 11/18.
  2026-Q2 (the latest): steady 4 people s1 = e1 = [5, 5, 5, 5]; LAG 8 people s1 [4, 4, 4, 4, 4, 2, 2, 2],
      e1 [3, 3, 3, 3, 3, 3, 3, 4]. steady 4 < 5 → suppressed; "*" 12 shown; suppressed 4 < 5 → the
      smallest shown team, LAG, suppressed too. Only "*": satisfaction 46/12 → 425/6, favourable 9/12;
      efficiency 45/12 → 68.75, favourable 5/12; respondents 12, response rate 12/18.
  Hidden scores that no space_* sample may carry: steady Q1 efficiency 62.5, LAG Q1 efficiency 80.0,
  steady Q2 100.0, LAG Q2 satisfaction 56.25 and efficiency 53.125.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from collector.models import RepositoryFact
from collector.writer import write_repositories
from dashboards.exporter import Exposition, Health
from doraspace.cli import main
from doraspace.config import load_config
from doraspace.pipeline import build_snapshot
from store.engine import open_store
from tests.analytics.facts import Facts, add_incident, at, sha
from tests.analytics.test_space import Survey

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
AS_OF_TEXT = "2026-06-30T00:00:00Z"
H = 3600.0
WINDOWS = ("7d", "30d")
DAYS = {"7d": 7, "30d": 30}
STEADY = "steady"
LAG = 'la"g\\ging\nteam'
ORG = "*"
Q1, Q2 = "2026-Q1", "2026-Q2"
BANDS = ("elite", "high", "medium", "low")
KEYS = ("deployment_frequency", "lead_time", "change_failure_rate", "recovery")

# (team, quarter) → respondents' answers {item: value}; an item left out is not answered.
ANSWERS: dict[tuple[str, str], list[dict[str, int]]] = {
    (STEADY, Q1): [
        {"s1": 4, "e1": 3},
        {"s1": 4, "e1": 3},
        {"s1": 4, "e1": 4},
        {"s1": 5, "e1": 4},
        {"s1": 5},
        {"s1": 2},
    ],
    (LAG, Q1): [{"s1": 3, "e1": e} for e in (5, 5, 5, 4, 2)],
    (STEADY, Q2): [{"s1": 5, "e1": 5} for _ in range(4)],
    (LAG, Q2): [{"s1": s, "e1": e} for s, e in zip((4, 4, 4, 4, 4, 2, 2, 2), (3,) * 7 + (4,), strict=True)],
}


def build_store(tmp: Path) -> Path:
    url = f"duckdb:///{tmp}/store.duckdb"
    config = tmp / "doraspace.yaml"
    teams = [
        {"name": STEADY, "repositories": ["acme/steady"], "pagerduty_services": ["PS"], "headcount": 8},
        {"name": LAG, "repositories": ["acme/lagging"], "pagerduty_services": ["PL"], "headcount": 10},
    ]
    config.write_text(
        "database:\n"
        f"  url: {url}\n"
        f"teams: {json.dumps(teams)}\n"
        f"metrics:\n  windows: {json.dumps(list(WINDOWS))}\n  benchmarks: dora-2023\n"
        "incidents:\n  attribution_window: 24h\n"
        "surveys:\n  min_group_size: 5\n"
    )
    engine = open_store(url)
    try:
        with engine.begin() as conn:
            write_repositories(
                conn, [RepositoryFact(r, "main") for r in ("acme/steady", "acme/lagging")], {}, AS_OF
            )
        facts = Facts(engine)
        march = datetime(2026, 3, 1, tzinfo=UTC)
        for repo in ("acme/steady", "acme/lagging"):
            facts.deployment(march, compare="first", sha=sha(f"first-{repo}"), repo=repo)
        # steady
        d1 = facts.commit(sha("d1"), at(20, 6), repo="acme/steady")
        facts.deployment(at(20, 12), ships=[d1], repo="acme/steady")
        d2 = facts.commit(sha("d2"), at(25, 6), repo="acme/steady")
        facts.pull_request(
            7,
            created_at=at(25, 2),
            merged_at=at(25, 6),
            merge_commit_sha=d2,
            commit_dates=[at(25, 0)],
            reviews=[],
            repo="acme/steady",
        )
        facts.deployment(at(25, 12), ships=[d2], repo="acme/steady")
        add_incident(
            facts,
            "I1",
            at(20, 14),
            resolved_at=datetime(2026, 7, 2, tzinfo=UTC),
            service="PS",
            title="latency",
        )
        add_incident(facts, "I2", at(10, 0), resolved_at=at(10, 0.5), service="PS", title="queue full")
        add_incident(facts, "I3", at(12, 0), resolved_at=at(12, 1), service="PS", title="disk full")
        # LAG
        l1 = facts.commit(sha("l1"), at(4, 12), repo="acme/lagging")
        facts.deployment(at(5, 12), ships=[l1], repo="acme/lagging")
        add_incident(facts, "J1", at(5, 18), resolved_at=at(24, 18), service="PL", title="timeouts")
        # surveys
        survey = Survey(engine)
        for quarter in (Q1, Q2):
            survey.item(quarter, "s1", "satisfaction", wording="I am satisfied with my tools")
            survey.item(quarter, "e1", "efficiency", wording="I can work without interruptions")
        for (team, quarter), people in ANSWERS.items():
            for answers in people:
                survey.respond(quarter, team, answers)
    finally:
        engine.dispose()
    return config


@dataclass(frozen=True)
class Outputs:
    rows: list[dict[str, Any]]  # doraspace metrics --format json
    scores: list[dict[str, Any]]  # doraspace survey scores --format json
    text: str  # /metrics


def run_cli(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv), now=AS_OF)
    assert status == 0, err.getvalue()
    return out.getvalue()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outputs]:
    tmp = tmp_path_factory.mktemp("round10_exposition")
    config_path = build_store(tmp)
    rows = json.loads(
        run_cli("metrics", "--config", str(config_path), "--format", "json", "--as-of", AS_OF_TEXT)
    )
    scores = json.loads(run_cli("survey", "scores", "--config", str(config_path), "--format", "json"))
    config = load_config(config_path, environ={})
    engine = open_store(config.database_url)
    try:
        snapshot = build_snapshot(config, engine, now=AS_OF, as_of=AS_OF, weeks=1)
    finally:
        engine.dispose()
    exposition = Exposition(health=lambda: Health(sources=("github", "pagerduty")), clock=lambda: AS_OF)
    exposition.update(snapshot)
    yield Outputs(rows, scores, exposition.render().decode("utf-8"))


Key = tuple[str, frozenset[tuple[str, str]]]


def parse(text: str) -> dict[Key, float]:
    found: dict[Key, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            key = (s.name, frozenset(s.labels.items()))
            assert key not in found, key
            found[key] = s.value
    return found


def key(name: str, **labels: str) -> Key:
    return name, frozenset(labels.items())


# -- expected dora_* series (band aside), by hand: (team, window) → {(family, extra labels): value} ----------

LT, REC, TTR, BD = (
    "dora_lead_time_seconds",
    "dora_failed_deployment_recovery_seconds",
    "dora_time_to_restore_seconds",
    "dora_lead_time_breakdown_seconds",
)
PR7 = {
    (BD, (("stage", "coding"), ("percentile", "50"))): 2 * H,
    (BD, (("stage", "deploy"), ("percentile", "50"))): 6 * H,
}


def series(
    deployments: int,
    days: int,
    *,
    lead: tuple[float, float] | None = None,
    cfr: float | None = None,
    recovery: float | None = None,
    ttr: tuple[float, float] | None = None,
    incidents: int = 0,
    rework: float | None = None,
    breakdown: dict[tuple[str, tuple[tuple[str, str], ...]], float] | None = None,
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Only the non-null values: SPEC §8.1 "Null values are absent series, not NaN"."""
    out = {
        ("dora_deployments", ()): float(deployments),
        ("dora_deployment_frequency_per_day", ()): deployments / days,
        ("dora_incidents", ()): float(incidents),
    }
    if lead is not None:
        out[(LT, (("percentile", "50"),))] = lead[0]
        out[(LT, (("percentile", "90"),))] = lead[1]
    if cfr is not None:
        out[("dora_change_failure_rate", ())] = cfr
    if recovery is not None:
        out[(REC, (("percentile", "50"),))] = recovery
    if ttr is not None:
        out[(TTR, (("percentile", "50"),))] = ttr[0]
        out[(TTR, (("percentile", "90"),))] = ttr[1]
    if rework is not None:
        out[("dora_rework_rate", ())] = rework
    out.update(breakdown or {})
    return out


EXPECTED_DORA = {
    (STEADY, "7d"): series(1, 7, lead=(12 * H, 12 * H), cfr=0.0, rework=1.0, breakdown=PR7),
    (STEADY, "30d"): series(
        2,
        30,
        lead=(9 * H, 11.4 * H),
        cfr=0.5,
        ttr=(0.75 * H, 0.95 * H),
        incidents=3,
        rework=0.5,
        breakdown=PR7,
    ),
    (LAG, "7d"): series(0, 7, ttr=(456 * H, 456 * H)),
    (LAG, "30d"): series(
        1,
        30,
        lead=(24 * H, 24 * H),
        cfr=1.0,
        recovery=462 * H,
        ttr=(456 * H, 456 * H),
        incidents=1,
        rework=0.0,
    ),
    (ORG, "7d"): series(
        1, 7, lead=(12 * H, 12 * H), cfr=0.0, ttr=(456 * H, 456 * H), rework=1.0, breakdown=PR7
    ),
    (ORG, "30d"): series(
        3,
        30,
        lead=(12 * H, 21.6 * H),
        cfr=2 / 3,
        recovery=462 * H,
        ttr=(1 * H, 365 * H),
        incidents=4,
        rework=1 / 3,
        breakdown=PR7,
    ),
}

EXPECTED_BANDS = {
    STEADY: {
        "deployment_frequency": "medium",
        "lead_time": "elite",
        "change_failure_rate": "low",
        "recovery": "elite",
    },
    LAG: {
        "deployment_frequency": "medium",
        "lead_time": "high",
        "change_failure_rate": "low",
        "recovery": "low",
    },
    ORG: {
        "deployment_frequency": "medium",
        "lead_time": "elite",
        "change_failure_rate": "low",
        "recovery": "low",
    },
}


def served_dora(
    found: dict[Key, float], team: str, window: str
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The dora_* samples (band aside) of one team and window, keyed like EXPECTED_DORA."""
    out = {}
    for (name, labels), value in found.items():
        labels_d = dict(labels)
        if not name.startswith("dora_") or name == "dora_band":
            continue
        if labels_d.get("team") != team or labels_d.get("window") != window:
            continue
        extra = tuple((k, labels_d[k]) for k in ("stage", "percentile") if k in labels_d)
        out[(name, extra)] = value
    return out


def approx(expected: dict) -> dict:
    return {k: pytest.approx(v, rel=1e-9) for k, v in expected.items()}


@pytest.mark.parametrize(("team", "window"), list(EXPECTED_DORA), ids=lambda v: repr(v))
def test_each_teams_dora_series_are_exactly_its_non_null_values_by_hand(
    outputs: Outputs, team: str, window: str
) -> None:
    """§8.1 per team and window: which series exist and their values (seconds, ratios 0–1), from the
    module docstring. Null → no series at all: steady has a change failure rate but no recovery series in
    either window (D1 failed by the window rule, its incident resolved only after as_of) and no TTR in 7d;
    LAG's 7d has a TTR series (J1 resolved in the window) beside dora_incidents 0 (J1 started before it)
    and no deployment-based ratio; only PR 7's coding and deploy stages exist (no review → no pickup and
    no review series)."""
    got = served_dora(parse(outputs.text), team, window)
    assert set(got) == set(EXPECTED_DORA[(team, window)])
    assert got == approx(EXPECTED_DORA[(team, window)])


def test_no_series_exists_for_a_window_that_is_not_configured(outputs: Outputs) -> None:
    """§6.3/§8.1: the band window here is the longest configured (30d), and no 90d row is computed for
    display: every dora_* sample's window label is 7d or 30d; dora_band has no window label."""
    found = parse(outputs.text)
    windows = {dict(labels).get("window") for (name, labels) in found if name.startswith("dora_")}
    assert windows == {"7d", "30d", None}
    assert {dict(labels).get("window") for (name, labels) in found if name == "dora_band"} == {None}


@pytest.mark.parametrize("team", [STEADY, LAG, ORG], ids=repr)
def test_bands_come_from_the_30d_band_window_with_the_recovery_fallback_only_where_nothing_recovered(
    outputs: Outputs, team: str
) -> None:
    """§6.3 bands from the longest configured window (30d), and recovery falls back to the TTR p50 "where
    the team has no failed deployment with a recovery": steady (D1 failed, unrecovered by as_of) → TTR
    0.75 h → elite; "*" has L1 recovered (462 h → low), so no fallback (its TTR 1 h would be high); LAG
    recovered 462 h → low. dora_band is a state set: 1 for the band, 0 for the other three, 16 samples."""
    found = parse(outputs.text)
    for metric, band in EXPECTED_BANDS[team].items():
        got = {b: found.get(key("dora_band", team=team, metric=metric, band=b)) for b in BANDS}
        assert got == {b: 1.0 if b == band else 0.0 for b in BANDS}, metric
    assert sum(1 for (name, labels) in found if name == "dora_band" and ("team", team) in labels) == 16


def test_metrics_json_rows_by_hand(outputs: Outputs) -> None:
    """§6.4: the CLI's rows for the same instant carry the docstring's numbers (hours, null where §8.1 has
    no series), sorted "*" first then by team, then by window length, each with the 30d bands."""
    assert [(r["team"], r["window"]) for r in outputs.rows] == [
        (ORG, "7d"),
        (ORG, "30d"),
        (LAG, "7d"),
        (LAG, "30d"),
        (STEADY, "7d"),
        (STEADY, "30d"),
    ]
    by = {(r["team"], r["window"]): r for r in outputs.rows}
    s7, s30 = by[(STEADY, "7d")], by[(STEADY, "30d")]
    assert (s7["change_failure_rate"], s7["failed_deployment_recovery_hours_p50"]) == (0.0, None)
    assert (s7["time_to_restore_hours_p50"], s7["incidents"], s7["rework_rate"]) == (None, 0, 1.0)
    assert s30["change_failure_rate"] == 0.5 and s30["failed_deployment_recovery_hours_p50"] is None
    assert s30["time_to_restore_hours_p50"] == pytest.approx(0.75)
    assert s30["time_to_restore_hours_p90"] == pytest.approx(0.95)
    assert s30["lead_time_breakdown_hours_p50"] == {
        "coding": 2.0,
        "pickup": None,
        "review": None,
        "deploy": 6.0,
    }
    l7, l30 = by[(LAG, "7d")], by[(LAG, "30d")]
    assert (l7["deployments"], l7["change_failure_rate"], l7["rework_rate"], l7["incidents"]) == (
        0,
        None,
        None,
        0,
    )
    assert l7["time_to_restore_hours_p50"] == pytest.approx(456.0)
    assert l30["failed_deployment_recovery_hours_p50"] == pytest.approx(462.0)
    o30 = by[(ORG, "30d")]
    assert o30["failed_deployment_recovery_hours_p50"] == pytest.approx(462.0)
    assert (o30["time_to_restore_hours_p50"], o30["time_to_restore_hours_p90"]) == (
        pytest.approx(1.0),
        pytest.approx(365.0),
    )
    assert o30["change_failure_rate"] == pytest.approx(2 / 3) and o30["incidents"] == 4
    for row in outputs.rows:
        assert row["as_of"] == AS_OF_TEXT
        assert row["bands"] == EXPECTED_BANDS[row["team"]], (row["team"], row["window"])


JSON_TO_SERIES = {
    "deployments": ("dora_deployments", ()),
    "deployment_frequency_per_day": ("dora_deployment_frequency_per_day", ()),
    "change_failure_rate": ("dora_change_failure_rate", ()),
    "incidents": ("dora_incidents", ()),
    "rework_rate": ("dora_rework_rate", ()),
    "lead_time_hours_p50": (LT, (("percentile", "50"),)),
    "lead_time_hours_p90": (LT, (("percentile", "90"),)),
    "failed_deployment_recovery_hours_p50": (REC, (("percentile", "50"),)),
    "time_to_restore_hours_p50": (TTR, (("percentile", "50"),)),
    "time_to_restore_hours_p90": (TTR, (("percentile", "90"),)),
}
DURATIONS = {k for k in JSON_TO_SERIES if "hours" in k}


def test_every_served_dora_value_is_the_json_value_of_the_same_instant(outputs: Outputs) -> None:
    """§8.1 against §6.4 for one instant: for every JSON row, each non-null field is exactly one sample
    (hours × 3600 for durations, breakdown stages with percentile="50") and each null field none; the
    JSON's bands are the dora_band states of that team. Nothing is served that the JSON does not have."""
    found = parse(outputs.text)
    for row in outputs.rows:
        team, window = row["team"], row["window"]
        expected = {}
        for field, target in JSON_TO_SERIES.items():
            value = row[field]
            if value is not None:
                expected[target] = value * H if field in DURATIONS else float(value)
        for stage, hours in row["lead_time_breakdown_hours_p50"].items():
            if hours is not None:
                expected[(BD, (("stage", stage), ("percentile", "50")))] = hours * H
        assert served_dora(found, team, window) == approx(expected), (team, window)
        for metric, band in row["bands"].items():
            states = {b: found.get(key("dora_band", team=team, metric=metric, band=b)) for b in BANDS}
            if band is None:
                assert states == dict.fromkeys(BANDS), (team, metric)
            else:
                assert states == {b: float(b == band) for b in BANDS}, (team, metric)
    teams = {dict(labels).get("team") for (name, labels) in found if name.startswith("dora_")}
    assert teams == {row["team"] for row in outputs.rows}


def test_a_team_name_with_quote_backslash_and_newline_is_escaped_on_every_one_of_its_lines(
    outputs: Outputs,
) -> None:
    """§9 "escaped wherever rendered (… Prometheus text …)": LAG is written team="la\\"g\\\\ging\\nteam" on
    each of its lines, never raw. Its lines by hand: 7d deployments, frequency, incidents, TTR ×2 = 5;
    30d + lead ×2, CFR, recovery, rework = 10; dora_band 4 × 4 = 16; space_score and
    space_favourable_ratio for Q1 satisfaction = 2, space_respondents and space_response_rate for Q1 =
    2 (Q1 efficiency hidden by differencing, Q2 suppressed) → 35."""
    escaped = 'team="la\\"g\\\\ging\\nteam"'
    lines = [line for line in outputs.text.splitlines() if "ging" in line]
    assert len(lines) == 35, lines
    assert all(escaped in line for line in lines)
    assert "ging\nteam" not in outputs.text
    found = parse(outputs.text)
    assert found[
        key("dora_time_to_restore_seconds", team=LAG, window="7d", percentile="90")
    ] == pytest.approx(456 * H)


# -- SPACE ----------------------------------------------------------------------------------------------

EXPECTED_SPACE = {
    # (team, quarter, dimension) → (score, favourable, dimension respondents for the JSON)
    (ORG, Q1, "efficiency"): (650 / 9, 2 / 3, 9),
    (ORG, Q1, "satisfaction"): (700 / 11, 5 / 11, 11),
    (ORG, Q2, "efficiency"): (68.75, 5 / 12, 12),
    (ORG, Q2, "satisfaction"): (425 / 6, 9 / 12, 12),
    (LAG, Q1, "satisfaction"): (50.0, 0.0, 5),
    (STEADY, Q1, "satisfaction"): (75.0, 5 / 6, 6),
}
EXPECTED_QUARTERS = {
    # (team, quarter) → (space_respondents, space_response_rate)
    (ORG, Q1): (11, 11 / 18),
    (ORG, Q2): (12, 12 / 18),
    (LAG, Q1): (5, 0.5),
    (STEADY, Q1): (6, 0.75),
}
HIDDEN_SCORES = (62.5, 80.0, 100.0, 56.25, 53.125)


def test_space_series_are_exactly_the_shown_groups_by_hand(outputs: Outputs) -> None:
    """§7.4 + §8.1: steady is shown in 2026-Q1 and suppressed (4 < 5) in the latest quarter; LAG is
    suppressed there by differencing; in Q1 the efficiency dimension of steady (4 < 5) and, by the
    per-dimension differencing of docs/metrics.md, of LAG are hidden while both teams' team-quarter
    series stay. So space_score/space_favourable_ratio exist for exactly the six groups of the docstring,
    space_respondents/space_response_rate for the four shown team-quarters, and no sample carries a
    hidden group's score."""
    found = parse(outputs.text)
    scores = {
        (d["team"], d["quarter"], d["dimension"]): v
        for (n, labels), v in found.items()
        if n == "space_score"
        for d in [dict(labels)]
    }
    ratios = {
        (d["team"], d["quarter"], d["dimension"]): v
        for (n, labels), v in found.items()
        if n == "space_favourable_ratio"
        for d in [dict(labels)]
    }
    assert scores == {k: pytest.approx(v[0], rel=1e-9) for k, v in EXPECTED_SPACE.items()}
    assert ratios == {k: pytest.approx(v[1], rel=1e-9) for k, v in EXPECTED_SPACE.items()}
    for name, position in (("space_respondents", 0), ("space_response_rate", 1)):
        got = {
            (d["team"], d["quarter"]): v
            for (n, labels), v in found.items()
            if n == name
            for d in [dict(labels)]
        }
        assert got == {k: pytest.approx(v[position], rel=1e-9) for k, v in EXPECTED_QUARTERS.items()}, name
    space_values = [v for (n, _), v in found.items() if n.startswith("space_")]
    for hidden in HIDDEN_SCORES:
        assert not any(math.isclose(v, hidden) for v in space_values), hidden


def test_space_series_equal_the_survey_scores_json(outputs: Outputs) -> None:
    """§7.5 against §8.1: the JSON lists the same six groups with the same score and favourable; its
    per-dimension respondents are the docstring's; each JSON row's response_rate is its team-quarter's
    space_response_rate (the same for every dimension of a team-quarter)."""
    found = parse(outputs.text)
    by = {(r["team"], r["quarter"], r["dimension"]): r for r in outputs.scores}
    assert set(by) == set(EXPECTED_SPACE)
    for group, (score, favourable, respondents) in EXPECTED_SPACE.items():
        row = by[group]
        team, quarter, dimension = group
        labels = {"team": team, "quarter": quarter, "dimension": dimension}
        assert row["score"] == pytest.approx(score, rel=1e-9)
        assert row["favourable"] == pytest.approx(favourable, rel=1e-9)
        assert found[key("space_score", **labels)] == row["score"]
        assert found[key("space_favourable_ratio", **labels)] == row["favourable"]
        assert row["respondents"] == respondents
        assert found[key("space_response_rate", team=team, quarter=quarter)] == row["response_rate"]
