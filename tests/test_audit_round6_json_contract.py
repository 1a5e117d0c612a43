"""Audit round 6: the JSON outputs of SPEC §6.4 and §7.5 field by field — keys, JSON types, spellings, order.

``doraspace metrics --format json`` and ``doraspace survey scores --format json`` are run in process
(``doraspace.cli.main``) over small stores written as the collector and the importer leave them
(``tests.analytics.facts``; ``Survey`` of ``tests/analytics/test_space.py``). Every leaf is compared with
its JSON type: an int must be a JSON integer (``42``), a float a JSON number with a point (``0.0``,
``1.0``: SPEC "Numbers are unrounded floats"), null must be present as ``null`` (not absent).
``tests/test_audit_cli_contract.py`` compares floats with ``approx`` only (so ``1`` would pass for
``1.0``) and never has a team without deployments, a rate of exactly 1, a window configured out of
length order, or a survey team without a headcount; those are what this module adds.

The metrics world (June 2026, UTC; ``metrics.windows: [7d, 1d]``, given out of order; attribution 24 h):

* team ``web`` (acme/web, PagerDuty service PW): W1 06-24 00:00 (first deployment: no changes);
  W2 06-29 12:00 ships c2, the squash merge of PR #1 (commit authored 06-29 00:00, PR opened 01:00,
  reviewed by bob 03:00, merged 06:00): lead 12 h, breakdown coding 1, pickup 2, review 3, deploy 6.
  Incident PW-1 on PW 06-29 13:00 → 15:00: rule 4 (window) fails W2, the latest deployment of PW's
  service before it; recovered 15:00 − 12:00 = 3 h; restored in 2 h. W2 was deployed before the
  incident opened, so it is not rework.
* team ``idle`` (acme/idle): no deployment, no incident.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from collector.models import RepositoryFact
from collector.writer import write_repositories
from doraspace.cli import main
from store.engine import open_store
from tests.analytics.facts import AS_OF, METRIC_KEYS, Facts, Review, add_incident, at, bands
from tests.analytics.test_space import Survey

AS_OF_TEXT = "2026-06-30T00:00:00Z"
BAND_NAMES = {"elite", "high", "medium", "low", None}
SCORE_KEYS = ["team", "quarter", "dimension", "score", "favourable", "respondents", "response_rate", "change"]
NO_BREAKDOWN = {"coding": None, "pickup": None, "review": None, "deploy": None}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        status = main(list(args))
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_typed(got: Any, want: Any, where: tuple[Any, ...] = ()) -> None:
    """``got == want`` leaf by leaf *and* with the same JSON type: int vs float vs null vs string,
    the same keys in the same order for objects."""
    if isinstance(want, dict):
        assert isinstance(got, dict), where
        assert list(got) == list(want), where
        for key, value in want.items():
            assert_typed(got[key], value, (*where, key))
    elif want is None:
        assert got is None, where
    elif isinstance(want, bool):  # pragma: no cover - no booleans in either contract
        raise AssertionError(where)
    elif isinstance(want, int):
        assert type(got) is int, (where, got)
        assert got == want, where
    elif isinstance(want, float):
        assert type(got) is float, (where, got)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12), where
    else:
        assert type(got) is type(want) and got == want, (where, got)


# ------------------------------------------------------------------------------------ §6.4 metrics


@pytest.fixture
def metrics_config(tmp_path: Path) -> Path:
    store = tmp_path / "store.duckdb"
    engine = open_store(f"duckdb:///{store}")
    try:
        web = "acme/web"
        with engine.begin() as conn:
            repos = [RepositoryFact(web, "main"), RepositoryFact("acme/idle", "main")]
            write_repositories(conn, repos, {}, AS_OF)
        facts = Facts(engine)
        facts.deployment(at(24), compare="first", sha="a1" * 20, repo=web)
        c2 = facts.commit("c2" * 20, at(29), repo=web)
        facts.pull_request(
            1,
            created_at=at(29, 1),
            merged_at=at(29, 6),
            merge_commit_sha=c2,
            commit_dates=[at(29)],
            reviews=[Review("bob", at(29, 3))],
            repo=web,
        )
        facts.deployment(at(29, 12), ships=[c2], repo=web)
        add_incident(facts, "PW-1", at(29, 13), resolved_at=at(29, 15), service="PW")
    finally:
        engine.dispose()
    config = tmp_path / "doraspace.yaml"
    config.write_text(
        f"database:\n  url: duckdb:///{store}\n"
        "teams:\n  - name: web\n    repositories: [acme/web]\n    pagerduty_services: [PW]\n"
        "  - name: idle\n    repositories: [acme/idle]\n"
        "metrics:\n  windows: [7d, 1d]\n"
        "incidents:\n  attribution_window: 24h\n"
    )
    return config


def metric_row(team: str, window: str, **values: Any) -> dict[str, Any]:
    row = {"team": team, "window": window, "as_of": AS_OF_TEXT, **values}
    return {key: row[key] for key in METRIC_KEYS}


def expected_metrics() -> list[dict[str, Any]]:
    """Rows as of 06-30 00:00, "*" first, then by team; within a team 1d before 7d (window length, not
    the configured order [7d, 1d]).

    web, 1d = (06-29 00:00, 06-30 00:00]: W2 only. deployments 1 (int); frequency 1/1 = 1.0 (a float,
    not 1); lead p50 = p90 = 12.0; CFR 1/1 = 1.0; recovery 3.0; restore p50 = p90 = 2.0; incidents 1;
    rework 0/1 = 0.0 (a float, not 0); breakdown 1.0, 2.0, 3.0, 6.0.
    web, 7d = (06-23 00:00, 06-30]: W1 and W2. deployments 2; frequency 2/7; lead (W1 has no change)
    12.0; CFR 1/2 = 0.5; the rest as in 1d.
    Bands (dora-2023) from 7d, the longest: 2/7 = 0.286/day ≥ 1/7 → high; lead 12 h < 1 day → elite;
    CFR 50 % > 15 % → low; recovery 3 h < 1 day → high — on both rows.
    idle: deployments 0 (int), frequency 0/N = 0.0 (a count-derived number, not null); every ratio and
    percentile null ("a ratio or percentile with nothing to measure is null, never 0"): lead, CFR,
    recovery, restore, rework; incidents 0; breakdown four nulls (the object keeps its keys). Bands:
    frequency 0/day is below 1/30 → "low" (the metric is 0.0, not null); lead, CFR, recovery null
    ("null where the metric is null").
    "*" covers web and idle: web's numbers.
    """
    web_bands = bands("high", "elite", "low", "high")
    breakdown = {"coding": 1.0, "pickup": 2.0, "review": 3.0, "deploy": 6.0}

    def web_like(team: str) -> list[dict[str, Any]]:
        common = {
            "lead_time_hours_p50": 12.0,
            "lead_time_hours_p90": 12.0,
            "failed_deployment_recovery_hours_p50": 3.0,
            "time_to_restore_hours_p50": 2.0,
            "time_to_restore_hours_p90": 2.0,
            "incidents": 1,
            "rework_rate": 0.0,
            "lead_time_breakdown_hours_p50": breakdown,
            "bands": web_bands,
        }
        return [
            metric_row(
                team, "1d", deployments=1, deployment_frequency_per_day=1.0, change_failure_rate=1.0, **common
            ),
            metric_row(
                team,
                "7d",
                deployments=2,
                deployment_frequency_per_day=2 / 7,
                change_failure_rate=0.5,
                **common,
            ),
        ]

    idle = {
        "deployments": 0,
        "deployment_frequency_per_day": 0.0,
        "lead_time_hours_p50": None,
        "lead_time_hours_p90": None,
        "change_failure_rate": None,
        "failed_deployment_recovery_hours_p50": None,
        "time_to_restore_hours_p50": None,
        "time_to_restore_hours_p90": None,
        "incidents": 0,
        "rework_rate": None,
        "lead_time_breakdown_hours_p50": NO_BREAKDOWN,
        "bands": bands("low", None, None, None),
    }
    return [
        *web_like("*"),
        metric_row("idle", "1d", **idle),
        metric_row("idle", "7d", **idle),
        *web_like("web"),
    ]


def test_metrics_rows_have_exactly_the_spec_keys_types_and_order(
    metrics_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§6.4 field by field for a team with data, a team with no deployments, "*", and null values."""
    status, out, err = run(capsys, "metrics", "--config", str(metrics_config), "--format", "json",
                           "--as-of", AS_OF_TEXT)  # fmt: skip
    assert status == 0, err
    rows = json.loads(out)
    assert isinstance(rows, list)
    want = expected_metrics()
    assert [(row["team"], row["window"]) for row in rows] == [(row["team"], row["window"]) for row in want]
    for row, expected in zip(rows, want, strict=True):
        assert set(row) == set(METRIC_KEYS)
        assert set(row["bands"]) == {"deployment_frequency", "lead_time", "change_failure_rate", "recovery"}
        assert set(row["bands"].values()) <= BAND_NAMES
        assert set(row["lead_time_breakdown_hours_p50"]) == {"coding", "pickup", "review", "deploy"}
        assert_typed(row, expected, (row["team"], row["window"]))


def test_metrics_json_text_writes_whole_floats_with_a_point_and_nulls_as_null(
    metrics_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same run read as text, as a non-Python consumer (jq, Go's encoding/json into int fields)
    sees it: counts without a point, a rate of exactly 1 or 0 with one, null spelled ``null``."""
    status, out, err = run(capsys, "metrics", "--config", str(metrics_config), "--format", "json",
                           "--team", "idle", "--window", "1d", "--as-of", AS_OF_TEXT)  # fmt: skip
    assert status == 0, err
    compact = re.sub(r"\s+", "", out)
    assert '"deployments":0,' in compact
    assert '"deployment_frequency_per_day":0.0,' in compact
    assert '"incidents":0,' in compact
    assert '"change_failure_rate":null,' in compact
    assert '"rework_rate":null,' in compact
    assert '"recovery":null}' in compact
    assert "NaN" not in out and "Infinity" not in out
    status, out, err = run(capsys, "metrics", "--config", str(metrics_config), "--format", "json",
                           "--team", "web", "--window", "1d", "--as-of", AS_OF_TEXT)  # fmt: skip
    assert status == 0, err
    compact = re.sub(r"\s+", "", out)
    assert '"deployments":1,' in compact
    assert '"deployment_frequency_per_day":1.0,' in compact
    assert '"change_failure_rate":1.0,' in compact
    assert '"rework_rate":0.0,' in compact
    assert '"lead_time_hours_p50":12.0,' in compact


@pytest.mark.parametrize(
    ("as_of", "shown"),
    [
        ("2026-06-30T00:00:00Z", "2026-06-30T00:00:00Z"),
        ("2026-06-30T00:00:00+00:00", "2026-06-30T00:00:00Z"),
        ("2026-06-30T02:00:00+02:00", "2026-06-30T00:00:00Z"),
        ("2026-06-30", "2026-06-30T00:00:00Z"),
        ("2026-06-30T00:00:00.000Z", "2026-06-30T00:00:00Z"),
        # Not in SPEC's example: a fractional instant keeps its fraction, as microseconds (product's choice).
        ("2026-06-30T00:00:00.5Z", "2026-06-30T00:00:00.500000Z"),
    ],
)
def test_as_of_is_written_as_in_the_spec_example(
    metrics_config: Path, capsys: pytest.CaptureFixture[str], as_of: str, shown: str
) -> None:
    """§6.4's example writes ``"as_of": "2026-06-30T00:00:00Z"``: UTC with ``Z`` (never ``+00:00``), no
    fraction for a whole second, whatever spelling ``--as-of`` used; every row carries the same one."""
    status, out, err = run(capsys, "metrics", "--config", str(metrics_config), "--format", "json",
                           "--as-of", as_of)  # fmt: skip
    assert status == 0, err
    rows = json.loads(out)
    assert len(rows) == 6
    assert {row["as_of"] for row in rows} == {shown}


def test_a_window_configured_in_weeks_is_ordered_by_its_length(
    metrics_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§6.4 "sorted … then by window length": [2w, 10d, 1d] → 1d, 10d, 2w (14 days), not by the text
    ("10d" < "1d" < "2w") nor by the configured order. The ``window`` value echoes the configured
    spelling ("2w"; SPEC only ever shows ``Nd``: product's choice, reported). 2w = (06-16, 06-30]:
    W1, W2 → 2/14 = 1/7 per day, a float."""
    config = metrics_config.read_text().replace("windows: [7d, 1d]", "windows: [2w, 10d, 1d]")
    metrics_config.write_text(config)
    status, out, err = run(capsys, "metrics", "--config", str(metrics_config), "--format", "json",
                           "--team", "web", "--as-of", AS_OF_TEXT)  # fmt: skip
    assert status == 0, err
    rows = json.loads(out)
    assert [row["window"] for row in rows] == ["1d", "10d", "2w"]
    assert [row["deployments"] for row in rows] == [1, 2, 2]
    assert_typed(rows[2]["deployment_frequency_per_day"], 1 / 7)


# ----------------------------------------------------------------------------------- §7.5 scores


def survey_world(tmp_path: Path, alpha_headcount: str) -> Path:
    """Items (5 points, favourable 4–5): s1 satisfaction, a1 activity, p1 performance. min_group_size 3.

    2026-Q3 answers (s1, a1, p1) per respondent:
      alpha (headcount 3): (5, 1, 3) × 3;
      beta (headcount 4): (4, 2, 5), (4, 2, 5), (4, 2, 1), (4, 2, 1);
      gamma (headcount 5): (1, 3, 3) × 2 → hidden (2 < 3); delta (headcount 2): (1, 3, 3) → hidden.
    2026-Q2: alpha, gamma and delta as in Q3; beta did not answer.
    Hidden teams hold 2 + 1 = 3 ≥ 3 in each quarter, so differencing hides nobody else.
    """
    store = tmp_path / "store.duckdb"
    engine = open_store(f"duckdb:///{store}")
    try:
        survey = Survey(engine)
        for quarter in ("2026-Q2", "2026-Q3"):
            survey.item(quarter, "s1", "satisfaction")
            survey.item(quarter, "a1", "activity")
            survey.item(quarter, "p1", "performance")
            teams = {"alpha": [(5, 1, 3)] * 3, "gamma": [(1, 3, 3)] * 2, "delta": [(1, 3, 3)]}
            if quarter == "2026-Q3":
                teams["beta"] = [(4, 2, 5), (4, 2, 5), (4, 2, 1), (4, 2, 1)]
            for team, answers in teams.items():
                for s1, a1, p1 in answers:
                    survey.respond(quarter, team, {"s1": s1, "a1": a1, "p1": p1})
    finally:
        engine.dispose()
    config = tmp_path / "doraspace.yaml"
    config.write_text(
        f"database:\n  url: duckdb:///{store}\n"
        f"teams:\n  - name: alpha\n    repositories: [acme/a]\n{alpha_headcount}"
        "  - name: beta\n    repositories: [acme/b]\n    headcount: 4\n"
        "  - name: gamma\n    repositories: [acme/g]\n    headcount: 5\n"
        "  - name: delta\n    repositories: [acme/d]\n    headcount: 2\n"
        "surveys:\n  min_group_size: 3\n"
    )
    return config


def score_row(team: str, quarter: str, dimension: str, score: float, favourable: float, respondents: int,
              response_rate: float | None, change: str | None) -> dict[str, Any]:  # fmt: skip
    return dict(zip(SCORE_KEYS, (team, quarter, dimension, score, favourable, respondents, response_rate,
                                 change), strict=True))  # fmt: skip


def expected_scores(org_rate: dict[str, float | None], alpha_rate: float | None) -> list[dict[str, Any]]:
    """Sorted by team ("*" first), quarter, then dimension by name (activity, performance, satisfaction
    — not SPEC §7.1's listing order satisfaction, performance, activity).

    alpha (both quarters): s1 5,5,5 → (5 − 1)/4 × 100 = 100.0, favourable 3/3 = 1.0; a1 1,1,1 → 0.0,
    favourable 0.0; p1 3,3,3 → 50.0, favourable 0.0; respondents 3; rate 3/3 = 1.0 (float). Change:
    Q2 null (no Q1); Q3 stable (moved 0).
    beta Q3: s1 4 ×4 → 75.0, fav 1.0; a1 2 ×4 → 25.0, fav 0.0; p1 5,5,1,1 → mean 3 → 50.0, fav 2/4 = 0.5;
    respondents 4; rate 4/4 = 1.0; change null (beta has no Q2).
    "*" Q2 (alpha, gamma, delta: 6): s1 5,5,5,1,1,1 → mean 3 → 50.0, fav 3/6; a1 1,1,1,3,3,3 → 2 → 25.0,
    fav 0.0; p1 3 ×6 → 50.0, fav 0.0; rate 6 / (3 + 4 + 5 + 2 = 14) = 3/7. Change null.
    "*" Q3 (10): s1 5×3, 4×4, 1×3 → 34/10 = 3.4 → 60.0, fav 7/10; a1 1×3, 2×4, 3×3 → 20/10 = 2 → 25.0,
    fav 0.0; p1 3,3,3,5,5,1,1,3,3,3 → 30/10 = 3 → 50.0, fav 2/10; rate 10/14 = 5/7. Change vs Q2:
    satisfaction moved 10 ≥ 5 but SE² Q3 = (3 × 40² + 4 × 15² + 3 × 60²)/9/10 = 16500/90 = 183.3,
    Q2 = (6 × 50²)/5/6 = 500; 1.96 × √683.3 = 51.2 > 10 → stable; activity and performance moved 0 →
    stable.
    """
    dims = ("activity", "performance", "satisfaction")
    alpha = {"activity": (0.0, 0.0), "performance": (50.0, 0.0), "satisfaction": (100.0, 1.0)}
    beta = {"activity": (25.0, 0.0), "performance": (50.0, 0.5), "satisfaction": (75.0, 1.0)}
    org_q2 = {"activity": (25.0, 0.0), "performance": (50.0, 0.0), "satisfaction": (50.0, 0.5)}
    org_q3 = {"activity": (25.0, 0.0), "performance": (50.0, 0.2), "satisfaction": (60.0, 0.7)}
    groups = [
        ("*", "2026-Q2", org_q2, 6, org_rate["2026-Q2"], None),
        ("*", "2026-Q3", org_q3, 10, org_rate["2026-Q3"], "stable"),
        ("alpha", "2026-Q2", alpha, 3, alpha_rate, None),
        ("alpha", "2026-Q3", alpha, 3, alpha_rate, "stable"),
        ("beta", "2026-Q3", beta, 4, 1.0, None),
    ]
    return [
        score_row(team, quarter, dim, *cells[dim], respondents, rate, change)
        for team, quarter, cells, respondents, rate, change in groups
        for dim in dims
    ]


def test_survey_scores_rows_have_exactly_the_spec_keys_types_and_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§7.5 field by field: whole scores and rates of 0 and 1 as floats, respondents an int, change a
    string or null (present), hidden teams absent, rows in (team, quarter, dimension) order."""
    config = survey_world(tmp_path, "    headcount: 3\n")
    status, out, err = run(capsys, "survey", "scores", "--config", str(config), "--format", "json")
    assert status == 0, err
    rows = json.loads(out)
    want = expected_scores({"2026-Q2": 3 / 7, "2026-Q3": 5 / 7}, 1.0)
    assert [(r["team"], r["quarter"], r["dimension"]) for r in rows] == [
        (r["team"], r["quarter"], r["dimension"]) for r in want
    ]
    for row, expected in zip(rows, want, strict=True):
        assert set(row) == set(SCORE_KEYS)
        assert_typed(row, expected, (row["team"], row["quarter"], row["dimension"]))
    compact = re.sub(r"\s+", "", out)
    assert '"score":100.0,"favourable":1.0,"respondents":3,"response_rate":1.0,"change":null}' in compact


def test_survey_scores_without_a_headcount_write_a_null_response_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§7.5 "response_rate is null without a headcount": alpha has none, so its rows carry
    ``"response_rate": null`` (the key present); "*" divides by the sum of all headcounts, which is
    missing alpha's, so null as well (docs/metrics.md: "null where a headcount is missing"). beta keeps
    4/4 = 1.0. Every other field as with the headcount."""
    config = survey_world(tmp_path, "")
    status, out, err = run(capsys, "survey", "scores", "--config", str(config), "--format", "json")
    assert status == 0, err
    rows = json.loads(out)
    want = expected_scores({"2026-Q2": None, "2026-Q3": None}, None)
    assert len(rows) == len(want)
    for row, expected in zip(rows, want, strict=True):
        assert set(row) == set(SCORE_KEYS)
        assert_typed(row, expected, (row["team"], row["quarter"], row["dimension"]))
