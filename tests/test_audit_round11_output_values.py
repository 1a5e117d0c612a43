"""Audit, round 11: the same numbers in every output format, where formatting rules meet edge values
(SPEC §2, §6.2, §6.4, §7.5, §8.1, §8.3, §9; README "--format csv"; docs/metrics.md "Percentiles and empty
values", "Bands"; docs/configuration.md "Durations", ``metrics.windows``).

The rules leaned on, as written:

* §6 "Counts are numbers (0 where there is nothing); a ratio or percentile with nothing to measure is
  ``null``, never 0"; §6.4 and §7.5 "Numbers are unrounded floats; missing values are ``null``";
  docs/metrics.md "Values are unrounded hours, computed as 64-bit floats from the timestamps".
* README: "``--format csv`` writes RFC 4180 CSV (CRLF line ends, names quoted where they hold a comma,
  quote or line break), one column per JSON field, the breakdown flattened as
  ``lead_time_breakdown_hours_p50.coding``".
* §8.1: durations in seconds, "Null values are absent series, not NaN"; §9: label values "escaped
  wherever they are rendered (HTML, Prometheus text ...)".
* docs/configuration.md: durations take ``d`` or ``w``, "Windows must be whole days", windows unique;
  §6.3 bands "always come from the 90-day window (or the longest configured)".

The store is built in process (``tests.analytics.facts``, ``tests.analytics.test_space.Survey``) and read
through ``doraspace.cli.main`` (metrics, survey scores, report), and through the daemon's
``Exposition`` over ``build_snapshot`` for ``/metrics``. as_of A = 2026-06-30 00:00 UTC. Config windows
``[30d, 1w]`` (written longest first, and the week as ``1w``): rows come sorted by length, 1w = (06-23,
06-30] then 30d = (05-31, 06-30]; no 90d, so the band window is 30d. dora-2023, attribution 24 h,
min_group_size 5.

Team FORM = ``=cost, "ops"`` (a leading ``=``, a comma, double quotes): acme/a, PagerDuty PA, headcount 6.
    A0 05-01 first (outside both windows). A1 06-10, A2 06-12, A3 06-14 (00:00 each), each shipping one
    direct commit authored 30 min earlier → three leads of exactly 0.5 h.
    PA-1 06-12 01:00 → 01:30: 1 h after A2, the latest deployment of the service → A2 failed (window
    rule), recovered at 01:30 → 1.5 h; restored in 0.5 h. No deployment while it is open → no rework.
    PA-2 06-27 00:00, resolved at 06-27 00:00 (docs: resolved at its start → never open; its time to
    restore is 0 as written); A3 is 13 days before it → fails nothing.
  1w: 0 deployments, frequency 0/7 = 0.0 (a number); lead, CFR, recovery, rework null; TTR over PA-2 →
      p50 = p90 = 0.0 (measured: a number, not null); incidents 1.
  30d: 3, 3/30 = 0.1; leads [0.5, 0.5, 0.5] → 0.5, 0.5; CFR 1/3; recovery 1.5; TTR over [0.5, 0.0] →
      p50 0.25, p90 0 + 0.9 × 0.5 = 0.45; incidents 2; rework 0/3 = 0.0.
  bands (30d): 0.1 ≥ 1/30 and < 1/7 → medium; 0.5 h → elite; 1/3 > 15 % → low; 1.5 h → high.

Team UNI = ``Zürich Øst`` (non-ASCII): acme/u, PagerDuty PU, headcount 9.
    U0 05-01 first. U1 06-29 12:00 ships a commit authored 3600 µs earlier → lead 3600 µs = 1e-6 h.
    PU-1 06-26 00:00 → 00:30: the latest deployment before it is U0, months earlier → fails nothing;
    restored in 0.5 h.
  1w: 1, 1/7; lead 1e-6, 1e-6; CFR 0/1 = 0.0; recovery null; TTR 0.5, 0.5; incidents 1; rework 0.0.
  30d: 1, 1/30; the rest as 1w.
  bands: 1/30 ≥ 1/30 → medium; 1e-6 h → elite; 0 → elite; no failed deployment → TTR p50 0.5 h < 1 h →
      elite.

Organisation ``*``:
  1w: U1 → 1, 1/7; lead 1e-6; CFR 0.0; recovery null; TTR over [0.5, 0.0] → 0.25, 0.45; incidents 2;
      rework 0.0.
  30d: A1-A3, U1 → 4, 4/30; leads [1e-6, 0.5, 0.5, 0.5] → p50 (rank 1.5) 0.5, p90 (rank 2.7) 0.5;
      CFR 1/4; recovery 1.5; TTR [0.0, 0.5, 0.5] → p50 0.5, p90 (rank 1.8) 0.5; incidents 3; rework 0.0.
  bands: 4/30 → medium; elite; 0.25 → low; 1.5 h → high.

Survey 2026-Q2, one item s1 (satisfaction, 5 points, favourable 4-5): score = (mean − 1) / 4 × 100.
  UNI 6 people [5, 4, 3, 3, 2, 1]: mean 3 → 50.0; favourable 2/6 = 1/3; response rate 6/9 = 2/3.
  FORM 5 people [5, 5, 5, 4, 4]: mean 4.6 → 90; favourable 1.0; response rate 5/6.
  ``*`` 11 people: mean 41/11 → 750/11; favourable 7/11; response rate 11/15. No earlier quarter →
  change null.

Undecided readings (SPEC and docs silent; the product's behaviour is asserted and named here):
* JSON escapes non-ASCII as ``\\uXXXX`` (``json.dumps`` default), e.g. ``"Z\\u00fcrich \\u00d8st"``:
  valid JSON that parses back to the name.
* CSV writes floats as Python's ``repr`` (``1e-06``, ``0.3333333333333333``), has no BOM, and keeps a
  name with a leading ``=`` as written (no formula neutralising: only README's quoting rule applies).
* The table rounds every float to two decimals: a measured lead time of 1e-6 h shows ``0.00`` (a
  null shows ``-``), CFR 1/3 shows ``0.33``.
* ``--window 7d`` where ``1w`` is configured gives the 7-day numbers labelled as asked (``7d``).
* Reports write hours under 1 as whole minutes (1e-6 h → ``0 min``), ratios with one decimal
  (``33.3 %``), a frequency of 0 as ``none``.
* A survey score is the float the formula gives: (4.6 − 1) / 4 × 100 is 89.99999999999999, not 90.0
  (the same float in JSON, CSV and /metrics; the table shows 90.00).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
from tests.analytics.facts import METRIC_KEYS, Facts, add_incident, at, bands, sha
from tests.analytics.test_space import Survey

A = datetime(2026, 6, 30, tzinfo=UTC)
A_TEXT = "2026-06-30T00:00:00Z"
FORM = '=cost, "ops"'
UNI = "Zürich Øst"
ORG = "*"
QUARTER = "2026-Q2"
H = 3600.0
NO_BREAKDOWN = {"coding": None, "pickup": None, "review": None, "deploy": None}
FORMATS = ("json", "csv", "table")
SCORE_KEYS = ["team", "quarter", "dimension", "score", "favourable", "respondents", "response_rate", "change"]


def build_store(tmp: Path) -> Path:
    url = f"duckdb:///{tmp}/store.duckdb"
    teams = [
        {"name": FORM, "repositories": ["acme/a"], "pagerduty_services": ["PA"], "headcount": 6},
        {"name": UNI, "repositories": ["acme/u"], "pagerduty_services": ["PU"], "headcount": 9},
    ]
    config = tmp / "doraspace.yaml"
    config.write_text(
        f"database:\n  url: {url}\n"
        f"teams: {json.dumps(teams, ensure_ascii=False)}\n"
        "metrics:\n  windows: [30d, 1w]\n  benchmarks: dora-2023\n"
        "incidents:\n  attribution_window: 24h\n"
        "surveys:\n  min_group_size: 5\n",
        encoding="utf-8",
    )
    engine = open_store(url)
    try:
        with engine.begin() as conn:
            write_repositories(conn, [RepositoryFact(r, "main") for r in ("acme/a", "acme/u")], {}, A)
        facts = Facts(engine)
        may = datetime(2026, 5, 1, tzinfo=UTC)
        for repo in ("acme/a", "acme/u"):
            facts.deployment(may, compare="first", sha=sha(f"first-{repo}"), repo=repo)
        for name, day in (("a1", 10), ("a2", 12), ("a3", 14)):
            commit = facts.commit(sha(name), at(day - 1, 23.5), repo="acme/a")
            facts.deployment(at(day), ships=[commit], repo="acme/a")
        add_incident(facts, "PA-1", at(12, 1), resolved_at=at(12, 1.5), service="PA", title="errors")
        add_incident(facts, "PA-2", at(27), resolved_at=at(27), service="PA", title="blip")
        u1 = facts.commit(sha("u1"), at(29, 12) - timedelta(microseconds=3600), repo="acme/u")
        facts.deployment(at(29, 12), ships=[u1], repo="acme/u")
        add_incident(facts, "PU-1", at(26), resolved_at=at(26, 0.5), service="PU", title="slow")
        survey = Survey(engine)
        survey.item(QUARTER, "s1", "satisfaction", wording="I am satisfied with my tools")
        for value in (5, 4, 3, 3, 2, 1):
            survey.respond(QUARTER, UNI, {"s1": value})
        for value in (5, 5, 5, 4, 4):
            survey.respond(QUARTER, FORM, {"s1": value})
    finally:
        engine.dispose()
    return config


def run_cli(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv), now=A)
    assert status == 0, err.getvalue()
    return out.getvalue()


@dataclass(frozen=True)
class World:
    config: Path
    reports: Path
    metrics: dict[str, str]  # format → stdout of `doraspace metrics --as-of A`
    scores: dict[str, str]  # format → stdout of `doraspace survey scores`
    exposition: str  # /metrics


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("round11_output_values")
    config_path = build_store(tmp)
    cfg = str(config_path)
    metrics = {
        fmt: run_cli("metrics", "--config", cfg, "--format", fmt, "--as-of", A_TEXT) for fmt in FORMATS
    }
    scores = {fmt: run_cli("survey", "scores", "--config", cfg, "--format", fmt) for fmt in FORMATS}
    reports = tmp / "reports"
    run_cli("report", "--config", cfg, "--out", str(reports))
    config = load_config(config_path, environ={})
    engine = open_store(config.database_url)
    try:
        snapshot = build_snapshot(config, engine, now=A, as_of=A, weeks=1)
    finally:
        engine.dispose()
    exposition = Exposition(health=lambda: Health(sources=("github",)), clock=lambda: A)
    exposition.update(snapshot)
    yield World(config_path, reports, metrics, scores, exposition.render().decode("utf-8"))


# ------------------------------------------------------------------------------------ hand-worked rows


def row(
    team: str,
    window: str,
    days: int,
    count: int,
    band: dict[str, str | None],
    *,
    lead: tuple[float, float] | None = None,
    cfr: float | None = None,
    recovery: float | None = None,
    ttr: tuple[float, float] | None = None,
    incidents: int = 0,
    rework: float | None = None,
) -> dict[str, Any]:
    return {
        "team": team,
        "window": window,
        "as_of": A_TEXT,
        "deployments": count,
        "deployment_frequency_per_day": count / days,
        "lead_time_hours_p50": lead and lead[0],
        "lead_time_hours_p90": lead and lead[1],
        "change_failure_rate": cfr,
        "failed_deployment_recovery_hours_p50": recovery,
        "time_to_restore_hours_p50": ttr and ttr[0],
        "time_to_restore_hours_p90": ttr and ttr[1],
        "incidents": incidents,
        "rework_rate": rework,
        "lead_time_breakdown_hours_p50": NO_BREAKDOWN,
        "bands": band,
    }


ORG_BANDS = bands("medium", "elite", "low", "high")
FORM_BANDS = bands("medium", "elite", "low", "high")
UNI_BANDS = bands("medium", "elite", "elite", "elite")


def uni_row(window: str, days: int) -> dict[str, Any]:
    return row(
        UNI, window, days, 1, UNI_BANDS, lead=(1e-6, 1e-6), cfr=0.0, ttr=(0.5, 0.5), incidents=1, rework=0.0
    )


def org_week(window: str = "1w") -> dict[str, Any]:
    return row(
        ORG, window, 7, 1, ORG_BANDS, lead=(1e-6, 1e-6), cfr=0.0, ttr=(0.25, 0.45), incidents=2, rework=0.0
    )


def form_week(window: str = "1w") -> dict[str, Any]:
    return row(FORM, window, 7, 0, FORM_BANDS, ttr=(0.0, 0.0), incidents=1)


EXPECTED = [
    org_week(),
    row(
        ORG,
        "30d",
        30,
        4,
        ORG_BANDS,
        lead=(0.5, 0.5),
        cfr=0.25,
        recovery=1.5,
        ttr=(0.5, 0.5),
        incidents=3,
        rework=0.0,
    ),
    form_week(),
    row(
        FORM,
        "30d",
        30,
        3,
        FORM_BANDS,
        lead=(0.5, 0.5),
        cfr=1 / 3,
        recovery=1.5,
        ttr=(0.25, 0.45),
        incidents=2,
        rework=0.0,
    ),
    uni_row("1w", 7),
    uni_row("30d", 30),
]


def flatten(value: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, inner in value.items():
        if isinstance(inner, dict):
            flat.update({f"{key}.{k}": v for k, v in inner.items()})
        else:
            flat[key] = inner
    return flat


CSV_HEADER = ",".join(flatten(EXPECTED[0])) + "\r\n"
CSV_BODY = [
    "*,1w,2026-06-30T00:00:00Z,1,0.14285714285714285,1e-06,1e-06,0.0,,0.25,0.45,2,0.0,,,,,"
    "medium,elite,low,high\r\n",
    "*,30d,2026-06-30T00:00:00Z,4,0.13333333333333333,0.5,0.5,0.25,1.5,0.5,0.5,3,0.0,,,,,"
    "medium,elite,low,high\r\n",
    '"=cost, ""ops""",1w,2026-06-30T00:00:00Z,0,0.0,,,,,0.0,0.0,1,,,,,,medium,elite,low,high\r\n',
    '"=cost, ""ops""",30d,2026-06-30T00:00:00Z,3,0.1,0.5,0.5,0.3333333333333333,1.5,0.25,0.45,2,0.0,,,,,'
    "medium,elite,low,high\r\n",
    "Zürich Øst,1w,2026-06-30T00:00:00Z,1,0.14285714285714285,1e-06,1e-06,0.0,,0.5,0.5,1,0.0,,,,,"
    "medium,elite,elite,elite\r\n",
    "Zürich Øst,30d,2026-06-30T00:00:00Z,1,0.03333333333333333,1e-06,1e-06,0.0,,0.5,0.5,1,0.0,,,,,"
    "medium,elite,elite,elite\r\n",
]


def assert_csv_parses_back_to(text: str, rows: list[dict[str, Any]]) -> None:
    """Every cell read back with the csv module is the JSON value: "" for null, ints as written, floats
    equal bit for bit (``float(cell) == value``), names character for character."""
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(records) == len(rows)
    for record, expected in zip(records, rows, strict=True):
        flat = flatten(expected)
        assert list(record) == list(flat)
        for key, value in flat.items():
            cell = record[key]
            if value is None:
                assert cell == "", (key, cell)
            elif isinstance(value, float):
                assert float(cell) == value, (key, cell)
            else:
                assert cell == str(value), (key, cell)


# ------------------------------------------------------------------------------------------------ tests


def test_metrics_json_rows_are_the_hand_worked_values_bit_for_bit(world: World) -> None:
    """§6.4 rows, "*" first, then by code point ("=" < "Z"), then by window length (1w before 30d although
    the config lists 30d first). The module docstring works each number out: FORM's 1w has 0
    deployments and frequency 0.0 (counts are numbers) but null lead, CFR, recovery and rework, while its
    restore time over PA-2 is a measured 0.0, not null; 1/3, 1/7, 4/30 and 1e-6 h are the unrounded
    floats Python computes for them (the float of 3600 µs ÷ 3.6e9 µs/h is the float 1e-06). Bands of
    every row come from 30d."""
    rows = json.loads(world.metrics["json"])
    assert [list(r) for r in rows] == [METRIC_KEYS] * 6
    assert rows == EXPECTED
    for got in rows:  # ints stay ints, floats floats: 0 deployments is 0, its frequency 0.0
        assert type(got["deployments"]) is int and type(got["incidents"]) is int
        assert type(got["deployment_frequency_per_day"]) is float


def test_metrics_json_text_writes_full_floats_and_escaped_names(world: World) -> None:
    """The JSON text itself (``indent=2``): CFR 1/3 is ``0.3333333333333333`` (17 significant digits
    would add nothing: it is ``repr``, the shortest text that reads back to the same float), 1e-6 h is
    ``1e-06``, the quotes of FORM are ``\\"``, and (undecided) the non-ASCII letters of UNI are escaped as
    ``\\u00fc`` and ``\\u00d8``; nulls are ``null``, never ``NaN`` (not JSON)."""
    text = world.metrics["json"]
    assert text.endswith("}\n]\n") and "NaN" not in text and "Infinity" not in text
    assert '    "team": "=cost, \\"ops\\"",\n    "window": "30d",\n' in text
    assert '    "change_failure_rate": 0.3333333333333333,\n' in text
    assert '    "lead_time_hours_p50": 1e-06,\n    "lead_time_hours_p90": 1e-06,\n' in text
    assert '    "team": "Z\\u00fcrich \\u00d8st",\n' in text and UNI not in text
    form_week_text = (
        '  {\n    "team": "=cost, \\"ops\\"",\n    "window": "1w",\n    "as_of": "2026-06-30T00:00:00Z",\n'
        '    "deployments": 0,\n    "deployment_frequency_per_day": 0.0,\n'
        '    "lead_time_hours_p50": null,\n    "lead_time_hours_p90": null,\n'
        '    "change_failure_rate": null,\n    "failed_deployment_recovery_hours_p50": null,\n'
        '    "time_to_restore_hours_p50": 0.0,\n    "time_to_restore_hours_p90": 0.0,\n'
        '    "incidents": 1,\n    "rework_rate": null,\n'
        '    "lead_time_breakdown_hours_p50": {\n      "coding": null,\n      "pickup": null,\n'
        '      "review": null,\n      "deploy": null\n    },\n'
        '    "bands": {\n      "deployment_frequency": "medium",\n      "lead_time": "elite",\n'
        '      "change_failure_rate": "low",\n      "recovery": "high"\n    }\n  },\n'
    )
    assert form_week_text in text


def test_metrics_csv_is_the_exact_text_and_reads_back_to_the_json(world: World) -> None:
    """README: RFC 4180, CRLF, one column per JSON field (breakdown and bands flattened with a dot), FORM
    quoted (it holds a comma and quotes; quotes doubled). Nulls are empty cells, a measured 0 is ``0.0``
    (FORM 1w restore) and a count 0 is ``0``: the CSV tells null from 0 as the JSON does. Floats in full
    (``0.3333333333333333``, ``1e-06``, ``0.14285714285714285``), so CSV and JSON agree bit for bit.
    Undecided: no BOM (the text starts with ``team,``), ``Zürich Øst`` written as is, unquoted (no comma,
    quote or line break), and the leading ``=`` of FORM kept as configured."""
    text = world.metrics["csv"]
    assert text == CSV_HEADER + "".join(CSV_BODY)
    assert CSV_HEADER.startswith("team,window,as_of,deployments,") and "bands.recovery\r\n" in CSV_HEADER
    assert "lead_time_breakdown_hours_p50.coding" in CSV_HEADER
    assert_csv_parses_back_to(text, json.loads(world.metrics["json"]))


def trow(team: str, others: str) -> list[str]:
    """A table row: the team, then the other cells (none holds a blank) as written."""
    return [team, *others.split()]


def table_cells(line: str) -> list[str]:
    """A table line split into its cells: columns are two or more blanks apart, names hold single ones."""
    return re.split(r" {2,}", line)


def test_metrics_table_rounds_to_two_decimals_and_shows_null_as_a_dash(world: World) -> None:
    """The table (SPEC §2 offers it; no document fixes its look, so undecided: the product's format) shows
    the same rows with floats to two decimals and null as ``-``: CFR 1/3 → ``0.33``, 1/7 → ``0.14``,
    4/30 → ``0.13``, 1/30 → ``0.03``; a lead time of 1e-6 h → ``0.00`` and FORM's measured 0 h restore →
    ``0.00`` (both told from a null ``-``); counts as integers; ``as_of`` in the heading, not a column;
    names as written (``=cost, "ops"``, ``Zürich Øst``). Columns line up under their headers."""
    lines = world.metrics["table"].splitlines()
    assert lines[0] == "as of 2026-06-30T00:00:00Z (hours; '-' = nothing to measure)"
    header = [
        column.replace("lead_time_breakdown_hours_p50.", "")
        for column in flatten(EXPECTED[0])
        if column != "as_of"
    ]
    assert table_cells(lines[1]) == header
    assert [table_cells(line) for line in lines[2:]] == [
        trow(ORG, "1w 1 0.14 0.00 0.00 0.00 - 0.25 0.45 2 0.00 - - - - medium elite low high"),
        trow(ORG, "30d 4 0.13 0.50 0.50 0.25 1.50 0.50 0.50 3 0.00 - - - - medium elite low high"),
        trow(FORM, "1w 0 0.00 - - - - 0.00 0.00 1 - - - - - medium elite low high"),
        trow(FORM, "30d 3 0.10 0.50 0.50 0.33 1.50 0.25 0.45 2 0.00 - - - - medium elite low high"),
        trow(UNI, "1w 1 0.14 0.00 0.00 0.00 - 0.50 0.50 1 0.00 - - - - medium elite elite elite"),
        trow(UNI, "30d 1 0.03 0.00 0.00 0.00 - 0.50 0.50 1 0.00 - - - - medium elite elite elite"),
    ]
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", lines[1])]
    for line in lines[2:]:
        assert [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", line)] == starts, line


# The dora_* samples (dora_band aside) for FORM and UNI, exactly as served: only non-null values (§8.1),
# durations in seconds (0.5 h = 1800.0, 0.25 h = 900.0, 0.45 h = 1620.0, 1.5 h = 5400.0, 1e-6 h =
# 0.0036), label values escaped (the quotes of FORM as \"), non-ASCII as UTF-8.
EXPOSITION_LINES = [
    'dora_deployments{team="=cost, \\"ops\\"",window="1w"} 0.0',
    'dora_deployments{team="=cost, \\"ops\\"",window="30d"} 3.0',
    'dora_deployments{team="Zürich Øst",window="1w"} 1.0',
    'dora_deployments{team="Zürich Øst",window="30d"} 1.0',
    'dora_deployment_frequency_per_day{team="=cost, \\"ops\\"",window="1w"} 0.0',
    'dora_deployment_frequency_per_day{team="=cost, \\"ops\\"",window="30d"} 0.1',
    'dora_deployment_frequency_per_day{team="Zürich Øst",window="1w"} 0.14285714285714285',
    'dora_deployment_frequency_per_day{team="Zürich Øst",window="30d"} 0.03333333333333333',
    'dora_lead_time_seconds{percentile="50",team="=cost, \\"ops\\"",window="30d"} 1800.0',
    'dora_lead_time_seconds{percentile="90",team="=cost, \\"ops\\"",window="30d"} 1800.0',
    'dora_lead_time_seconds{percentile="50",team="Zürich Øst",window="1w"} 0.0036',
    'dora_lead_time_seconds{percentile="90",team="Zürich Øst",window="1w"} 0.0036',
    'dora_lead_time_seconds{percentile="50",team="Zürich Øst",window="30d"} 0.0036',
    'dora_lead_time_seconds{percentile="90",team="Zürich Øst",window="30d"} 0.0036',
    'dora_change_failure_rate{team="=cost, \\"ops\\"",window="30d"} 0.3333333333333333',
    'dora_change_failure_rate{team="Zürich Øst",window="1w"} 0.0',
    'dora_change_failure_rate{team="Zürich Øst",window="30d"} 0.0',
    'dora_failed_deployment_recovery_seconds{percentile="50",team="=cost, \\"ops\\"",window="30d"} 5400.0',
    'dora_time_to_restore_seconds{percentile="50",team="=cost, \\"ops\\"",window="1w"} 0.0',
    'dora_time_to_restore_seconds{percentile="90",team="=cost, \\"ops\\"",window="1w"} 0.0',
    'dora_time_to_restore_seconds{percentile="50",team="=cost, \\"ops\\"",window="30d"} 900.0',
    'dora_time_to_restore_seconds{percentile="90",team="=cost, \\"ops\\"",window="30d"} 1620.0',
    'dora_time_to_restore_seconds{percentile="50",team="Zürich Øst",window="1w"} 1800.0',
    'dora_time_to_restore_seconds{percentile="90",team="Zürich Øst",window="1w"} 1800.0',
    'dora_time_to_restore_seconds{percentile="50",team="Zürich Øst",window="30d"} 1800.0',
    'dora_time_to_restore_seconds{percentile="90",team="Zürich Øst",window="30d"} 1800.0',
    'dora_incidents{team="=cost, \\"ops\\"",window="1w"} 1.0',
    'dora_incidents{team="=cost, \\"ops\\"",window="30d"} 2.0',
    'dora_incidents{team="Zürich Øst",window="1w"} 1.0',
    'dora_incidents{team="Zürich Øst",window="30d"} 1.0',
    'dora_rework_rate{team="=cost, \\"ops\\"",window="30d"} 0.0',
    'dora_rework_rate{team="Zürich Øst",window="1w"} 0.0',
    'dora_rework_rate{team="Zürich Øst",window="30d"} 0.0',
]

SECONDS = {
    "lead_time_hours_p50": ("dora_lead_time_seconds", {"percentile": "50"}),
    "lead_time_hours_p90": ("dora_lead_time_seconds", {"percentile": "90"}),
    "failed_deployment_recovery_hours_p50": ("dora_failed_deployment_recovery_seconds", {"percentile": "50"}),
    "time_to_restore_hours_p50": ("dora_time_to_restore_seconds", {"percentile": "50"}),
    "time_to_restore_hours_p90": ("dora_time_to_restore_seconds", {"percentile": "90"}),
}
PLAIN = {
    "deployments": "dora_deployments",
    "deployment_frequency_per_day": "dora_deployment_frequency_per_day",
    "change_failure_rate": "dora_change_failure_rate",
    "incidents": "dora_incidents",
    "rework_rate": "dora_rework_rate",
}


def test_exposition_serves_each_non_null_value_once_in_seconds_and_no_series_for_nulls(world: World) -> None:
    """§8.1 × the edge values. FORM 1w: ``dora_deployments`` 0.0 and ``dora_incidents`` 1.0 exist (counts),
    its restore time 0.0 exists (a measured 0), while lead time, CFR, recovery and rework have no series
    (null, "absent series, not NaN"). CFR 1/3 is ``0.3333333333333333``, the JSON's float; the 1e-6 h lead
    is 0.0036 s. The window label is ``1w`` as configured. Parsed back, every served dora_* value of
    every row (the organisation's too) is its JSON value (hours × 3600 for durations), and the samples
    of (team, window) are exactly the JSON's non-null keys."""
    text = world.exposition
    assert "NaN" not in text
    mine = [
        line for line in text.splitlines() if line.startswith("dora_") and not line.startswith("dora_band")
    ]
    assert [line for line in mine if f'team="{ORG}"' not in line] == EXPOSITION_LINES
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("dora_") and sample.name != "dora_band":
                key = (sample.name, tuple(sorted(sample.labels.items())))
                assert key not in samples, key
                samples[key] = sample.value
    expected: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for got in json.loads(world.metrics["json"]):
        labels = {"team": got["team"], "window": got["window"]}
        for field, name in PLAIN.items():
            if got[field] is not None:
                expected[(name, tuple(sorted(labels.items())))] = float(got[field])
        for field, (name, extra) in SECONDS.items():
            if got[field] is not None:
                expected[(name, tuple(sorted({**labels, **extra}.items())))] = got[field] * H
    assert samples == expected


def test_exposition_bands_carry_no_window_and_equal_every_row_of_the_team(world: World) -> None:
    """§6.3 × §8.1: ``dora_band{team, metric, band}`` is 1 for the band every JSON row of the team carries
    (the 30d bands, the 1w rows included, although FORM has no deployment in 1w) and 0 for the other
    three; no ``window`` label."""
    served: dict[tuple[str, str], str] = {}
    for family in text_string_to_metric_families(world.exposition):
        for sample in family.samples:
            if sample.name == "dora_band":
                assert set(sample.labels) == {"team", "metric", "band"}
                if sample.value == 1.0:
                    served[(sample.labels["team"], sample.labels["metric"])] = sample.labels["band"]
                else:
                    assert sample.value == 0.0
    want = {
        (t, m): b for t, bs in ((ORG, ORG_BANDS), (FORM, FORM_BANDS), (UNI, UNI_BANDS)) for m, b in bs.items()
    }
    assert served == want
    for got in json.loads(world.metrics["json"]):
        assert got["bands"] == {m: served[(got["team"], m)] for m in got["bands"]}


@pytest.mark.parametrize("asked", ["7d", "1w"])
def test_a_week_asked_as_7d_or_1w_where_1w_is_configured(world: World, asked: str) -> None:
    """§2 "unless --window names one" × docs/configuration.md durations (``1w`` = 7 days) × the config
    naming ``1w``. Either spelling gives the 7-day numbers of the configured week, with the bands of 30d
    (the longest configured, §6.3), one row per team in JSON and CSV; undecided: the row is labelled as
    asked (``7d`` or ``1w``). The CSV is exact and reads back to the JSON."""
    cfg = str(world.config)
    args = ("--as-of", A_TEXT, "--window", asked)
    rows = json.loads(run_cli("metrics", "--config", cfg, "--format", "json", *args))
    assert rows == [org_week(asked), form_week(asked), uni_row(asked, 7)]
    text = run_cli("metrics", "--config", cfg, "--format", "csv", *args)
    week_body = [line.replace(",1w,", f",{asked},", 1) for line in CSV_BODY if ",1w," in line]
    assert text == CSV_HEADER + "".join(week_body)
    assert_csv_parses_back_to(text, rows)


def test_survey_scores_agree_in_json_csv_table_and_exposition(world: World) -> None:
    """§7.4/§7.5 × the same names and repeating decimals: UNI favourable 1/3 and response rate 2/3, FORM
    response rate 5/6, "*" score 750/11, favourable 7/11 and response rate 11/15 (sorted "*", FORM, UNI).
    JSON: unrounded floats (the score up to the formula's last bit: FORM's (4.6 − 1) / 4 × 100 is
    89.99999999999999, see the docstring); change null (no earlier quarter). CSV: the same floats as
    text, change an empty cell. Table: two decimals, null "-". /metrics: ``space_score``,
    ``space_favourable_ratio``, ``space_respondents``, ``space_response_rate`` with the JSON's floats."""
    rows = json.loads(world.scores["json"])
    assert [list(r) for r in rows] == [SCORE_KEYS] * 3
    by_team = {r["team"]: r for r in rows}
    assert [r["team"] for r in rows] == [ORG, FORM, UNI]
    hand = {
        ORG: (750 / 11, 7 / 11, 11, 11 / 15),
        FORM: (90.0, 1.0, 5, 5 / 6),
        UNI: (50.0, 1 / 3, 6, 2 / 3),
    }
    for team, (score, favourable, respondents, rate) in hand.items():
        got = by_team[team]
        assert (got["quarter"], got["dimension"], got["change"]) == (QUARTER, "satisfaction", None)
        assert got["score"] == pytest.approx(score, rel=1e-14)
        assert (got["favourable"], got["respondents"], got["response_rate"]) == (
            favourable,
            respondents,
            rate,
        )
    assert world.scores["csv"] == (
        "team,quarter,dimension,score,favourable,respondents,response_rate,change\r\n"
        f"*,2026-Q2,satisfaction,{by_team[ORG]['score']!r},0.6363636363636364,11,0.7333333333333333,\r\n"
        f'"=cost, ""ops""",2026-Q2,satisfaction,{by_team[FORM]["score"]!r},1.0,5,0.8333333333333334,\r\n'
        "Zürich Øst,2026-Q2,satisfaction,50.0,0.3333333333333333,6,0.6666666666666666,\r\n"
    )
    assert_csv_parses_back_to(world.scores["csv"], rows)
    lines = world.scores["table"].splitlines()
    assert lines[0] == "SPACE scores (0-100; suppressed groups are not shown)"
    assert [table_cells(line) for line in lines[1:]] == [
        SCORE_KEYS[:],
        [ORG, QUARTER, "satisfaction", "68.18", "0.64", "11", "0.73", "-"],
        [FORM, QUARTER, "satisfaction", "90.00", "1.00", "5", "0.83", "-"],
        [UNI, QUARTER, "satisfaction", "50.00", "0.33", "6", "0.67", "-"],
    ]
    served: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(world.exposition):
        for sample in family.samples:
            if sample.name.startswith("space_"):
                assert sample.labels["quarter"] == QUARTER
                assert sample.labels.get("dimension", "satisfaction") == "satisfaction"
                served[(sample.name, sample.labels["team"])] = sample.value
    want: dict[tuple[str, str], float] = {}
    for r in rows:
        want[("space_score", r["team"])] = r["score"]
        want[("space_favourable_ratio", r["team"])] = r["favourable"]
        want[("space_respondents", r["team"])] = float(r["respondents"])
        want[("space_response_rate", r["team"])] = r["response_rate"]
    assert served == want
    uni_line = 'space_favourable_ratio{dimension="satisfaction",quarter="2026-Q2",team="Zürich Øst"}'
    assert f"{uni_line} 0.3333333333333333\n" in world.exposition


def test_reports_show_the_same_values_for_people_with_names_escaped(world: World) -> None:
    """§8.3 × §9: the index and FORM's page show the 30d values (the band window) rounded for people
    (undecided: the product's format): FORM 3/30 per day → ``3.0 / month``, 0.5 h → ``30 min``, CFR 1/3
    → ``33.3 %``, recovery 1.5 h → ``1.5 h``; UNI's 1e-6 h lead → ``0 min``, CFR 0 → ``0.0 %``, recovery
    from the TTR fallback 0.5 h → ``30 min*``. FORM's page shows its 1w column as ``none`` (frequency 0)
    and ``n/a`` (nulls), but its recovery as ``0 min*``: the page shows each window's recovery with the
    band's fallback (§6.3) to the restore p50, marked ``*`` and explained in a note, so the 0 h restore
    of PA-2 (never open, docs/metrics.md) reads as a recovery in a week without a deployment (undecided:
    SPEC names the fallback for bands only); its restore times 0 h (1w) → ``0 min``, 0.25/0.45 h (30d)
    → ``15 min``/``27 min``, and the name HTML-escaped (``=cost, &quot;ops&quot;``), never raw."""
    index = (world.reports / "index.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in index
    assert FORM not in index and "=cost, &quot;ops&quot;</a>" in index and f"{UNI}</a>" in index
    form_cells = re.search(r"=cost, &quot;ops&quot;</a></th>(.*?)</tr>", index, re.S)
    uni_cells = re.search(rf"{UNI}</a></th>(.*?)</tr>", index, re.S)
    assert form_cells and uni_cells
    strip = re.compile(r"<[^>]+>")

    def texts(cells: str) -> list[str]:
        return [" ".join(strip.sub(" ", c).split()) for c in re.findall(r"<td>(.*?)</td>", cells, re.S)]

    assert texts(form_cells.group(1)) == ["Medium 3.0 / month", "Elite 30 min", "Low 33.3 %", "High 1.5 h"]
    assert texts(uni_cells.group(1)) == ["Medium 1.0 / month", "Elite 0 min", "Elite 0.0 %", "Elite 30 min*"]
    pages = [
        p for p in world.reports.glob("team-*.html") if "<h1>=cost, &quot;ops&quot;</h1>" in p.read_text()
    ]
    assert len(pages) == 1
    page = pages[0].read_text(encoding="utf-8")
    assert FORM not in page

    def metric_row(title: str) -> list[str]:
        found = re.search(rf'<th scope="row">{re.escape(title)}</th>(.*?)</tr>', page, re.S)
        assert found, title
        return [
            " ".join(strip.sub(" ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1))
        ]

    assert metric_row("Deployment frequency")[:2] == ["none", "3.0 / month"]
    assert metric_row("Lead time for changes (p50)")[:2] == ["n/a", "30 min"]
    assert metric_row("Change failure rate")[:2] == ["n/a", "33.3 %"]
    assert metric_row("Failed deployment recovery (p50)")[:2] == ["0 min*", "1.5 h"]
    assert "* No failed deployment of that window has recovered" in page
    assert metric_row("Rework rate")[:2] == ["n/a", "0.0 %"]
    assert metric_row("Deployments")[:2] == ["0", "3"]
    assert metric_row("1w") == ["1", "0 min", "0 min"]
    assert metric_row("30d") == ["2", "15 min", "27 min"]
