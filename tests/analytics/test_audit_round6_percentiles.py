"""Audit, round 6: percentile arithmetic and rounding across every metric and output format (SPEC §5.2,
§5.3, §6, §6.2, §6.4, §8.1; docs/metrics.md "Percentiles and empty values").

SPEC §6: "Medians and p90 are percentile_cont (linear interpolation)". For n sorted values v0 … v(n−1) at
fraction p: rank r = p × (n − 1); value = v⌊r⌋ + (r − ⌊r⌋) × (v⌊r⌋+1 − v⌊r⌋). SPEC §6.4: "Numbers are
unrounded floats". docs/metrics.md: "Values are unrounded hours, computed as 64-bit floats from the
timestamps". SPEC §8.1: "Durations are in seconds". The CSV and table formats are not specified beyond
their names (SPEC §2); the table is a human display and the product shows two decimals there.

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC, window 30d = (05-31 00:00, 06-30 00:00]. Team
``order-team`` owns acme/orders and PagerDuty service P1. A repo's first deployment (compare ``first``)
counts and adds no lead times. Expected values are written as the hand arithmetic itself (1 s = 1/3600 h).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from collector.models import RepositoryFact
from collector.writer import write_repositories
from dashboards.exporter import render_families, snapshot_families
from doraspace.cli import main
from doraspace.config import load_config
from doraspace.pipeline import build_snapshot
from store.engine import open_store
from tests.analytics.facts import AS_OF, REPO, Facts, Review, add_incident, at, sha
from tests.analytics.scenario import TEAM, approx, first, rollback, rows, run

S = 1 / 3600  # one second, in hours
T = at(20, 12)  # the instant most scenarios deploy at


@pytest.fixture
def facts() -> Facts:
    """An in-memory DuckDB store (the module's time budget)."""
    return Facts.in_memory()


def h(hours: float) -> timedelta:
    return timedelta(hours=hours)


# (name, durations in hours in no particular order, p50, p90), every p worked by hand.
CASES = [
    # n = 1: r = 0 for both.
    ("n1", [5.0], 5.0, 5.0),
    # n = 2: p50 r = 0.5 → 1 + 0.5 × 1 = 1.5; p90 r = 0.9 → 1 + 0.9 × 1 = 1.9.
    ("n2", [2.0, 1.0], 1.5, 1.9),
    # n = 3 with a tie: sorted 2, 2, 5; p50 r = 1 → 2; p90 r = 1.8 → 2 + 0.8 × 3 = 4.4.
    ("n3_tie", [5.0, 2.0, 2.0], 2.0, 4.4),
    # n = 4 differing only in seconds: 1 h + 0/1/2/3 s; p50 r = 1.5 → 1 h + 1.5 s; p90 r = 2.7 → 1 h + 2.7 s.
    ("n4_seconds", [1 + 3 * S, 1.0, 1 + 2 * S, 1 + S], 1 + 1.5 * S, 1 + 2.7 * S),
    # n = 10: 1 … 10; p50 r = 4.5 → 5 + 0.5 = 5.5; p90 r = 8.1 → 9 + 0.1 = 9.1.
    ("n10", [float(v) for v in range(10, 0, -1)], 5.5, 9.1),
    # n = 11: 1 … 11; p50 r = 5 → 6; p90 r = 9 (exact rank) → 10.
    ("n11", [float(v) for v in range(1, 12)], 6.0, 10.0),
    # n = 6: p90 r = 0.9 × 5 = 4.5, exactly between v4 = 4 and v5 = 6 → 5; p50 r = 2.5 → (2 + 3) / 2 = 2.5.
    ("n6_p90_midpoint", [6.0, 0.5, 4.0, 1.0, 3.0, 2.0], 2.5, 5.0),
    # Fractions of an hour: 1 h 20 min = 4/3 h, 2 h 40 min = 8/3 h; p50 = (4/3 + 8/3) / 2 = 2;
    # p90 r = 0.9 → 4/3 + 0.9 × 4/3 = 1.9 × 4/3 = 7.6/3 = 2.5333….
    ("fractions", [8 / 3, 4 / 3], 2.0, 7.6 / 3),
]
IDS = [case[0] for case in CASES]
# The other metrics: the cases where ties, seconds, fractions and the p90 midpoint meet (time budget).
SOME = [case for case in CASES if case[0] in ("n4_seconds", "n6_p90_midpoint", "fractions")]
SOME_IDS = [case[0] for case in SOME]


@pytest.mark.parametrize(("name", "durations", "p50", "p90"), CASES, ids=IDS)
def test_lead_time_percentiles_after_dropping_non_positive(
    facts: Facts, name: str, durations: list[float], p50: float, p90: float
) -> None:
    """Lead time p50/p90 (§6.2) over one deployment's changes, combined with §5.2 "values ≤ 0 are dropped".

    D at 06-20 12:00 ships one direct commit per duration d, authored at D − d: lead time d. It also ships a
    commit authored exactly at D (lead 0) and one authored 1 s after D (lead −1 s): both dropped, so n is
    the number of durations and the percentiles are the table's (a 0 kept would shift every rank)."""
    first(facts, at(1))
    shas = [facts.commit(sha(f"{name}-{i}"), T - h(d)) for i, d in enumerate(durations)]
    shas.append(facts.commit(sha(f"{name}-zero"), T))
    shas.append(facts.commit(sha(f"{name}-after"), T + h(S)))
    facts.deployment(T, ships=shas)
    row = rows(run(facts))[(TEAM, "30d")]
    assert (row.lead_time_hours_p50, row.lead_time_hours_p90) == (approx(p50), approx(p90))


@pytest.mark.parametrize(("name", "durations", "p50", "p90"), SOME, ids=SOME_IDS)
def test_time_to_restore_percentiles_same_rule(
    facts: Facts, name: str, durations: list[float], p50: float, p90: float
) -> None:
    """Time to restore p50/p90 (§6.2 "over incidents resolved in the window: resolved_at − started_at") by
    the same percentile_cont as lead time. Incident i is resolved at 06-20 12:00 + i h (all in the window)
    and started d hours earlier. One more incident, started 06-20 and resolved 07-05 (after as_of), is
    open as of as_of: not resolved in the window, so not a value (it counts in ``incidents``)."""
    for i, d in enumerate(durations):
        resolved = T + h(i)
        add_incident(facts, f"{name}-{i}", resolved - h(d), resolved_at=resolved)
    add_incident(facts, f"{name}-open", T, resolved_at=at(30) + h(24 * 5))
    row = rows(run(facts))[(TEAM, "30d")]
    assert (row.time_to_restore_hours_p50, row.time_to_restore_hours_p90) == (approx(p50), approx(p90))
    assert row.incidents == len(durations) + 1


@pytest.mark.parametrize(("name", "durations", "p50", "p90"), SOME, ids=SOME_IDS)
def test_failed_deployment_recovery_p50_same_rule(
    facts: Facts, name: str, durations: list[float], p50: float, p90: float
) -> None:
    """Failed-deployment recovery p50 (§6.2) by the same percentile_cont: each failed
    deployment F_i is rolled back d_i hours later (§6.1 rule 2;
    recovery = rollback deployed_at −
    F.deployed_at, no incident). F_i at 06-02 00:00 + 2i days (i ≤ 10 → at most 06-22), rollback at F_i + d_i
    (d ≤ 11 h). Only p50 is published; ``p90`` is unused here. Rollbacks fail nothing themselves."""
    del p90
    first(facts, at(1))
    for i, d in enumerate(durations):
        deployed = at(2 + 2 * i)
        change = facts.commit(sha(f"{name}-f{i}"), deployed - h(1))
        facts.deployment(deployed, ships=[change])
        rollback(facts, deployed + h(d), sha(f"first-{REPO}") if i == 0 else sha(f"{name}-f{i - 1}"))
    row = rows(run(facts))[(TEAM, "30d")]
    n = len(durations)
    assert row.deployments == 1 + 2 * n
    assert row.change_failure_rate == approx(n / (1 + 2 * n))
    assert row.failed_deployment_recovery_hours_p50 == approx(p50)


def test_breakdown_stages_each_by_the_same_rule(facts: Facts) -> None:
    """Lead-time breakdown medians (§5.3, §6.2) and lead-time p50/p90 of the same four PRs, one rule.

    D at 06-20 12:00 ships the merge commits of PRs 1–4 (squash merges; start = the PR's only commit).
    Stage hours per PR (coding, pickup, review, deploy):
    PR1 (4/3, 1, 1/3, 1); PR2 (4/3, 1 + 1 s, 2/3, 2); PR3 (8/3, 1 + 1 s, 1, 3); PR4 (24, 1 + 5 s, 4/3, 10).
    Medians (n = 4, r = 1.5, mean of the 2nd and 3rd sorted):
    coding 4/3, 4/3, 8/3, 24 → (4/3 + 8/3)/2 = 2; pickup 1, 1+1s, 1+1s, 1+5s → 1 + 1 s;
    review 1/3, 2/3, 1, 4/3 → (2/3 + 1)/2 = 5/6; deploy 1, 2, 3, 10 → 2.5.
    Lead times = sum of stages: PR1 11/3; PR2 5 + 1 s; PR3 23/3 + 1 s; PR4 109/3 + 5 s.
    p50 = (5 + 1 s + 23/3 + 1 s)/2 = 19/3 + 1 s; p90 r = 2.7 → 23/3 + 1 s + 0.7 × (86/3 + 4 s)
    = 83.2/3 + 3.8 s. The stage medians need not add up to the lead-time median (docs/metrics.md):
    2 + 1 + 1 s + 5/6 + 2.5 = 6 1/3 + 1 s — here they happen to, which the test does not rely on."""
    stages = [
        (4 / 3, 1.0, 1 / 3, 1.0),
        (4 / 3, 1 + S, 2 / 3, 2.0),
        (8 / 3, 1 + S, 1.0, 3.0),
        (24.0, 1 + 5 * S, 4 / 3, 10.0),
    ]
    first(facts, at(1))
    merges = []
    for number, (coding, pickup, review, deploy) in enumerate(stages, start=1):
        merged = T - h(deploy)
        reviewed = merged - h(review)
        opened = reviewed - h(pickup)
        authored = opened - h(coding)
        merge = facts.commit(sha(f"merge-{number}"), merged)
        facts.pull_request(
            number,
            created_at=opened,
            merged_at=merged,
            merge_commit_sha=merge,
            commit_dates=[authored],
            reviews=[Review("bob", reviewed)],
        )
        merges.append(merge)
    facts.deployment(T, ships=merges)
    row = rows(run(facts))[(TEAM, "30d")]
    assert row.lead_time_breakdown_hours_p50 == {
        "coding": approx(2.0),
        "pickup": approx(1 + S),
        "review": approx(5 / 6),
        "deploy": approx(2.5),
    }
    assert row.lead_time_hours_p50 == approx(19 / 3 + S)
    assert row.lead_time_hours_p90 == approx(83.2 / 3 + 3.8 * S)


# -- the output formats: JSON, CSV, table and the Prometheus exposition of one store ---------------------


@pytest.fixture
def org(tmp_path: Path) -> Iterator[tuple[Path, Facts]]:
    url = f"duckdb:///{tmp_path}/store.duckdb"
    config = tmp_path / "doraspace.yaml"
    config.write_text(
        "database:\n"
        f"  url: {url}\n"
        'teams: [{"name": "order-team", "repositories": ["acme/orders"]}]\n'
        'metrics:\n  windows: ["30d"]\n  benchmarks: dora-2023\n'
        "incidents:\n  attribution_window: 24h\n"
        "http:\n  listen: 127.0.0.1:0\n"
    )
    engine = open_store(url)
    with engine.begin() as conn:
        write_repositories(conn, [RepositoryFact(REPO, "main")], {}, AS_OF)
    built = Facts(engine)
    yield config, built
    engine.dispose()


def cli(capsys: pytest.CaptureFixture[str], config: Path, fmt: str) -> str:
    status = main(
        ["metrics", "--config", str(config), "--format", fmt, "--as-of", "2026-06-30T00:00:00Z"], now=AS_OF
    )
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return captured.out


def build_fraction_store(facts: Facts) -> None:
    """Direct commits with lead times 1 h 20 min and 2 h 40 min (4/3, 8/3 h) beside the PR's 5 h; GitHub
    issue incidents of acme/orders of 1 h 20 min and 20 min (4/3, 1/3 h): restore p50 5/6 = 0.8333…,
    p90 1/3 + 0.9 × 1 = 1.2333…; F (the 06-20 12:00
    deployment) rolled back 1 h 20 min + 1 s later: recovery p50 4/3 + 1 s; one PR (merge shipped by F):
    coding 20 min (1/3), pickup 1 h 20 min (4/3), review 2 h 40 min (8/3), deploy 40 min (2/3)."""
    first(facts, at(1))
    merged = T - h(2 / 3)
    reviewed = merged - h(8 / 3)
    opened = reviewed - h(4 / 3)
    merge = facts.commit(sha("fmt-merge"), merged)
    facts.pull_request(
        7,
        created_at=opened,
        merged_at=merged,
        merge_commit_sha=merge,
        commit_dates=[opened - h(1 / 3)],
        reviews=[Review("bob", reviewed)],
    )
    # The PR's change starts at opened − 1/3 h = T − (2/3 + 8/3 + 4/3 + 1/3) = T − 5 h: a lead time of 5 h,
    # so the lead times are 4/3, 8/3 and 5: p50 8/3; p90 r = 1.8 → 8/3 + 0.8 × (5 − 8/3) = 8/3 + 5.6/3
    # = 13.6/3 = 4.5333….
    a = facts.commit(sha("fmt-a"), T - h(4 / 3))
    b = facts.commit(sha("fmt-b"), T - h(8 / 3))
    facts.deployment(T, ships=[a, b, merge])
    rollback(facts, T + h(4 / 3 + S), sha(f"first-{REPO}"))
    add_incident(facts, "I1", at(22), resolved_at=at(22) + h(4 / 3), source="github", service=REPO)
    add_incident(facts, "I2", at(23), resolved_at=at(23) + h(1 / 3), source="github", service=REPO)


FORMAT_EXPECTED = {
    "lead_time_hours_p50": 8 / 3,
    "lead_time_hours_p90": 13.6 / 3,
    "failed_deployment_recovery_hours_p50": 4 / 3 + S,
    "time_to_restore_hours_p50": 5 / 6,
    "time_to_restore_hours_p90": 1 / 3 + 0.9,
    "lead_time_breakdown_hours_p50.coding": 1 / 3,
    "lead_time_breakdown_hours_p50.pickup": 4 / 3,
    "lead_time_breakdown_hours_p50.review": 8 / 3,
    "lead_time_breakdown_hours_p50.deploy": 2 / 3,
}
# Two decimals, as the table shows floats (a product choice: SPEC leaves the table's look open).
TABLE_CELLS = {
    "lead_time_hours_p50": "2.67",
    "lead_time_hours_p90": "4.53",
    "failed_deployment_recovery_hours_p50": "1.33",
    "time_to_restore_hours_p50": "0.83",
    "time_to_restore_hours_p90": "1.23",
    "coding": "0.33",
    "pickup": "1.33",
    "review": "2.67",
    "deploy": "0.67",
}


def flat_json(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if not isinstance(v, dict)}
    out.update(
        {f"lead_time_breakdown_hours_p50.{k}": v for k, v in row["lead_time_breakdown_hours_p50"].items()}
    )
    return out


def test_json_unrounded_csv_identical_table_two_decimals(
    org: tuple[Path, Facts], capsys: pytest.CaptureFixture[str]
) -> None:
    """Fractions of an hour through the three formats (values in :func:`build_fraction_store`).

    JSON (§6.4 "unrounded floats"): each value equals the hand value to 1e-9 and is NOT its two-decimal
    rounding (|v − round(v, 2)| ≥ 1e-3 for every value here: 2.666…, 4.533…, 1.3336…, 0.8333…, 1.2333…,
    0.333…, 1.333…, 2.666…, 0.666…). CSV: the same floats, the cell parsing back to the JSON number
    exactly. Table: two decimals, half away from nothing (none of these values is a tie)."""
    config, facts = org
    build_fraction_store(facts)
    facts.engine.dispose()
    json_rows = {(r["team"], r["window"]): flat_json(r) for r in json.loads(cli(capsys, config, "json"))}
    for key in (("*", "30d"), (TEAM, "30d")):
        row = json_rows[key]
        for name, value in FORMAT_EXPECTED.items():
            assert row[name] == approx(value), (key, name)
            assert abs(row[name] - round(row[name], 2)) >= 1e-3, (key, name, row[name])
        assert row["deployments"] == 3
        assert row["change_failure_rate"] == approx(1 / 3)

    csv_rows = {(r["team"], r["window"]): r for r in csv.DictReader(io.StringIO(cli(capsys, config, "csv")))}
    assert set(csv_rows) == set(json_rows)
    for key, row in csv_rows.items():
        for name in FORMAT_EXPECTED:
            assert float(row[name]) == json_rows[key][name], (key, name, row[name])
        assert float(row["change_failure_rate"]) == json_rows[key]["change_failure_rate"]

    lines = cli(capsys, config, "table").splitlines()
    header = lines[1].split()
    for line in lines[2:]:
        cells = dict(zip(header, line.split(), strict=True))
        assert cells["team"] in ("*", TEAM)
        assert {name: cells[name] for name in TABLE_CELLS} == TABLE_CELLS, cells["team"]
        assert cells["change_failure_rate"] == "0.33"


def test_prometheus_seconds_equal_json_hours_times_3600(
    org: tuple[Path, Facts], capsys: pytest.CaptureFixture[str]
) -> None:
    """§8.1 "Durations are in seconds": every duration series is the JSON hours × 3600, compared exactly
    (==) to the float the JSON row gives, and to the hand value in seconds to 1e-9 relative:
    lead 9600 s / 16320 s, recovery 4801 s, restore 3000 s / 4440 s, stages 1200 / 4800 / 9600 / 2400 s."""
    config, facts = org
    build_fraction_store(facts)
    engine = facts.engine
    json_rows = {r["team"]: flat_json(r) for r in json.loads(cli(capsys, config, "json"))}
    snapshot = build_snapshot(load_config(config, environ={}), engine, now=AS_OF, as_of=AS_OF)
    text = render_families(snapshot_families(snapshot)).decode()
    series = {
        ("dora_lead_time_seconds", "50"): "lead_time_hours_p50",
        ("dora_lead_time_seconds", "90"): "lead_time_hours_p90",
        ("dora_failed_deployment_recovery_seconds", "50"): "failed_deployment_recovery_hours_p50",
        ("dora_time_to_restore_seconds", "50"): "time_to_restore_hours_p50",
        ("dora_time_to_restore_seconds", "90"): "time_to_restore_hours_p90",
    }
    seen: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "dora_lead_time_breakdown_seconds":
                key = f"lead_time_breakdown_hours_p50.{labels['stage']}"
            elif (sample.name, labels.get("percentile", "")) in series:
                key = series[(sample.name, labels["percentile"])]
            else:
                continue
            assert labels["window"] == "30d"
            seen[(labels["team"], key)] = sample.value
    assert set(seen) == {(team, name) for team in ("*", TEAM) for name in FORMAT_EXPECTED}
    for (team, name), value in seen.items():
        assert value == json_rows[team][name] * 3600, (team, name)
        assert value == pytest.approx(FORMAT_EXPECTED[name] * 3600, rel=1e-9), (team, name)
