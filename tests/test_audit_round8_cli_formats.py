"""Audit, round 8: the CLI's three output formats where options and awkward team names meet (SPEC §2,
§6.4, §7.5, §9).

``doraspace.cli.main`` runs in-process over DuckDB stores written as the collector writes them
(``tests.analytics.facts``), or, for the survey, imported through ``doraspace survey import``. Every
instant is fixed (``--as-of``); every expected number is worked out by hand below.

What is checked, for ``doraspace metrics`` and ``doraspace survey scores``: JSON rows equal the hand-worked
ones; the CSV parses back with the csv module to exactly the JSON's values (nested objects flattened as
``key.inner``, the reading the earlier audits pin; null as an empty cell; floats exactly, as ``repr``
writes them); the table shows the same numbers with two decimals and null as "-". Team names carry a
comma, double quotes, a line break, a leading ``=``, ``+``, ``-`` or ``@`` (spreadsheet formula
prefixes) and non-ASCII text. SPEC and docs/ say nothing about neutralising formula prefixes in CSV,
so the CSV is checked to hold each name exactly as configured (the product's choice, see the report).
To keep within the time budget, the analytics of one (config file, ``as_of``, windows) are computed
once for the module (``computed_once``); options, config, store, filters and formatting run every time.

The metrics store (June 2026, UTC; windows [7d, 30d]; attribution window 24 h; A = 06-30 00:00):

* team FORMULA ``=HYPERLINK("https://x.example/?a=1","a,b")``: acme/formula and PagerDuty service PF.
  F0 06-01 00:00 first (counts, no lead time).
  F1 06-20 00:00 ships c1, the squash merge of PR #1 (commit authored 06-19 10:00, opened 12:00,
  reviewed by bob 15:00, merged 18:00): lead 14 h; stages coding 2, pickup 3, review 3, deploy 6.
  F2 06-25 00:00 ships c2, a direct push authored 06-24 20:00: lead 4 h. Incident PF-1 on PF
  06-25 02:00 → 05:00: rule 4 (window) fails F2 (the latest deployment of the service before it,
  within 24 h); recovered 5 h after F2; restored in 3 h.
  F3 06-28 00:00 ships c3, the merge commit of PR #3 labelled ``hotfix`` (commit authored 06-27 12:00,
  opened 13:00, no review, merged 20:00): lead 12 h, rework; stages coding 1, deploy 4.
* team UNICODE ``(legacy) Zürich 支付 🚀`` (``(`` sorts before ``*`` by code point): acme/uni.
  U0 06-10 00:00 first; U1 06-29 12:00 ships u1 (authored 06:00): lead 6 h.
* team MULTI ``multi⏎line, "team"``: acme/multi and service PN. N0 05-01 00:00 first (outside 30d);
  incident PN-1 on PN starts 06-29 06:00, still open at A.
* team PLUS ``+SUM(1,2)``: service PPLUS only; incident PPLUS-1 06-26 10:00 → 10:30 (0.5 h). It owns no
  repository, so the incident fails nothing.
* team MINUS ``-ops``: acme/minus; M0 06-29 00:00 first.
* team AT ``@ops``: service PAT only, nothing on it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collector.models import RepositoryFact
from collector.writer import write_repositories
from doraspace import cli
from doraspace.cli import main
from store.engine import open_store
from tests.analytics.facts import METRIC_KEYS, Facts, Review, add_incident, add_label, at, bands, sha

A = datetime(2026, 6, 30, tzinfo=UTC)
A_TEXT = "2026-06-30T00:00:00Z"
# "doraspace: error: " for the CLI's own errors, "doraspace metrics: error: " for argparse's.
PREFIX = re.compile(r"doraspace( [a-z]+)*: error: ")

FORMULA = '=HYPERLINK("https://x.example/?a=1","a,b")'
UNICODE = "(legacy) Zürich 支付 🚀"
MULTI = 'multi\nline, "team"'
PLUS = "+SUM(1,2)"
MINUS = "-ops"
AT = "@ops"
LONELY = "=lonely"  # configured, owns nothing

NO_BREAKDOWN = {"coding": None, "pickup": None, "review": None, "deploy": None}
SCORE_KEYS = ["team", "quarter", "dimension", "score", "favourable", "respondents", "response_rate", "change"]


def yaml_text(value: str) -> str:
    """A YAML double-quoted scalar for ``value`` (JSON is YAML): line breaks and quotes escaped."""
    return json.dumps(value, ensure_ascii=False)


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-12)


# ------------------------------------------------------------------------------------------ helpers


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``main(args)`` as the console script would end: exit status (argparse's too), stdout, stderr."""
    try:
        status = main(list(args), now=A)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    status, out, err = run(capsys, *args)
    assert status == 0, err
    return out


def refused(status: int, out: str, err: str) -> str:
    """Exit 2, nothing on stdout, one line on stderr without a traceback: that line's message."""
    assert (status, out) == (2, ""), (status, out, err)
    prefix = PREFIX.match(err)
    assert prefix and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err[prefix.end() : -1]


def flatten(row: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{inner}": inner_value for inner, inner_value in value.items()})
        else:
            flat[key] = value
    return flat


def assert_csv_is_the_json(text: str, rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The CSV parses back (csv module) to exactly the JSON's values: one record per row, the flattened
    keys as header in order, null as "", ints as written, floats exactly (``float(cell) == value``),
    strings character for character."""
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(records) == len(rows)
    for row, record in zip(rows, records, strict=True):
        flat = flatten(row)
        assert list(record) == list(flat)
        for key, value in flat.items():
            cell = record[key]
            where = (row.get("team"), key, cell)
            if value is None:
                assert cell == "", where
            elif isinstance(value, bool):
                raise AssertionError(where)
            elif isinstance(value, float):
                assert "." in cell or "e" in cell, where
                assert float(cell) == value, where
            elif isinstance(value, int):
                assert cell == str(value), where
            else:
                assert cell == value, where
    return records


def table_cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def table_body(text: str, columns: int) -> tuple[str, list[list[str]]]:
    """The heading and the body rows of a table (header line skipped), each split into ``columns``
    cells: every cell after the first holds no blank, so the first (the team) is what is left."""
    lines = text.splitlines()
    body = []
    for line in lines[2:]:
        first, *rest = line.rsplit(None, columns - 1)
        body.append([first.rstrip(), *rest])
    return lines[0], body


def cells(team: str, others: str) -> list[str]:
    """A table row: the team, then the other cells as written, separated by blanks."""
    return [team, *others.split()]


def metric_row(
    team: str, window: str, days: int, count: int, *, as_of: str = A_TEXT, **values: Any
) -> dict[str, Any]:
    expected: dict[str, Any] = {
        "team": team,
        "window": window,
        "as_of": as_of,
        "deployments": count,
        "deployment_frequency_per_day": count / days,
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
    unknown = set(values) - set(expected)
    assert not unknown, unknown
    expected.update(values)
    return expected


def assert_rows(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert [(r["team"], r["window"]) for r in got] == [(r["team"], r["window"]) for r in want]
    for actual, expected in zip(got, want, strict=True):
        assert list(actual) == METRIC_KEYS
        wanted = {
            key: {k: approx(v) if isinstance(v, float) else v for k, v in value.items()}
            if isinstance(value, dict)
            else approx(value)
            if isinstance(value, float)
            else value
            for key, value in expected.items()
        }
        assert actual == wanted, (actual["team"], actual["window"])


# ------------------------------------------------------------------------------- hand-worked rows

FORMULA_BANDS = bands("medium", "elite", "low", "high")
ORG_BANDS = bands("high", "elite", "medium", "high")


def formula_week(window: str = "7d", team: str = FORMULA) -> dict[str, Any]:
    """FORMULA in 7d = (06-23, 06-30]: F2, F3 → 2, 2/7; leads 4, 12 → p50 8, p90 4 + 0.9 × 8 = 11.2;
    F2 failed → CFR 1/2, recovery 5 h; PF-1 resolved in the window → restore 3 (p50 = p90); 1 incident;
    F3 rework → 1/2; stages over PR #3 alone: coding 1, deploy 4, no pickup or review. Bands from 30d
    (see ``formula_month``)."""
    return metric_row(
        team,
        window,
        7,
        2,
        lead_time_hours_p50=8.0,
        lead_time_hours_p90=11.2,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=5.0,
        time_to_restore_hours_p50=3.0,
        time_to_restore_hours_p90=3.0,
        incidents=1,
        rework_rate=0.5,
        lead_time_breakdown_hours_p50={"coding": 1.0, "pickup": None, "review": None, "deploy": 4.0},
        bands=FORMULA_BANDS,
    )


def formula_month() -> dict[str, Any]:
    """FORMULA in 30d = (05-31, 06-30]: F0…F3 → 4, 4/30; leads 14, 4, 12 → sorted 4, 12, 14: p50 12,
    p90 at 1.8: 12 + 0.8 × 2 = 13.6; CFR 1/4; recovery 5; restore 3; 1 incident; rework 1/4; stages over
    PR #1 and PR #3: coding (2, 1) → 1.5, pickup 3, review 3, deploy (6, 4) → 5.
    Bands (dora-2023, from 30d, the longest configured): 4/30 = 0.133 < 1/7 but ≥ 1/30 → medium; 12 h
    < 1 day → elite; 25 % > 15 % → low; recovery 5 h, not < 1 h, < 1 day → high."""
    return metric_row(
        FORMULA,
        "30d",
        30,
        4,
        lead_time_hours_p50=12.0,
        lead_time_hours_p90=13.6,
        change_failure_rate=0.25,
        failed_deployment_recovery_hours_p50=5.0,
        time_to_restore_hours_p50=3.0,
        time_to_restore_hours_p90=3.0,
        incidents=1,
        rework_rate=0.25,
        lead_time_breakdown_hours_p50={"coding": 1.5, "pickup": 3.0, "review": 3.0, "deploy": 5.0},
        bands=FORMULA_BANDS,
    )


def org_window(window: str, days: int) -> dict[str, Any]:
    """ "*" (every repository and service). 7d: F2, F3, U1, M0 → 4, 4/7; leads 4, 12, 6 → sorted 4, 6,
    12: p50 6, p90 at 1.8: 6 + 0.8 × 6 = 10.8; F2 failed → 1/4; recovery 5; restores PF-1 3 and
    PPLUS-1 0.5 → p50 1.75, p90 0.5 + 0.9 × 2.5 = 2.75; incidents PF-1, PPLUS-1, PN-1 → 3; F3 rework →
    1/4; stages PR #3: coding 1, deploy 4.
    14d = (06-16, 06-30]: F1, F2, F3, U1, M0 → 5, 5/14; leads 14, 4, 12, 6 → sorted 4, 6, 12, 14: p50 9,
    p90 at 2.7: 12 + 0.7 × 2 = 13.4; 1/5; recovery 5; restores as in 7d; 3 incidents; rework 1/5;
    stages of PR #1 and #3 (as FORMULA 30d).
    30d: F0…F3, U0, U1, M0 (N0 05-01 is out) → 7, 7/30; leads as in 14d; 1/7; the rest as in 14d.
    Bands from 30d: 7/30 ≥ 1/7 → high; 9 h → elite; 1/7 = 14.3 % ≤ 15 % → medium; 5 h → high."""
    count = {7: 4, 14: 5, 30: 7}[days]
    week = days == 7
    return metric_row(
        "*",
        window,
        days,
        count,
        lead_time_hours_p50=6.0 if week else 9.0,
        lead_time_hours_p90=10.8 if week else 13.4,
        change_failure_rate=1 / count,
        failed_deployment_recovery_hours_p50=5.0,
        time_to_restore_hours_p50=1.75,
        time_to_restore_hours_p90=2.75,
        incidents=3,
        rework_rate=1 / count,
        lead_time_breakdown_hours_p50=(
            {"coding": 1.0, "pickup": None, "review": None, "deploy": 4.0}
            if week
            else {"coding": 1.5, "pickup": 3.0, "review": 3.0, "deploy": 5.0}
        ),
        bands=ORG_BANDS,
    )


def full_run() -> list[dict[str, Any]]:
    """Every row as of A, windows [7d, 30d], "*" first, then by code point: ``(`` < ``+`` < ``-`` <
    ``=`` < ``@`` < ``m``.

    * UNICODE 7d: U1 → 1, 1/7, lead 6 (p50 = p90), CFR 0.0, rework 0.0; 30d: U0, U1 → 2, 2/30, lead 6.
      Bands: 2/30 ≥ 1/30 → medium; 6 h → elite; 0 % → elite; no failure, no restore → null.
    * PLUS: no deployment (0, frequency 0.0); PPLUS-1 in both windows: 1 incident, restore 0.5. Bands:
      0/day → low; lead, CFR null; recovery falls back to the restore p50 0.5 h < 1 h → elite.
    * MINUS: M0 (first) in both: 1, 1/7 and 1/30, no lead, CFR 0.0, rework 0.0. Bands: 1/30 is "≥ 1 /
      month (1/30 per day)" → medium; CFR 0 → elite; lead and recovery null.
    * AT: nothing: 0, 0.0, counts 0, the rest null; bands low and null.
    * MULTI: N0 is outside both windows: 0 deployments; PN-1 started in both, unresolved: 1 incident, no
      restore. Bands: low, null, null, null.
    """
    unicode_bands = bands("medium", "elite", "elite", None)
    plus = {
        "incidents": 1,
        "time_to_restore_hours_p50": 0.5,
        "time_to_restore_hours_p90": 0.5,
        "bands": bands("low", None, None, "elite"),
    }
    minus = {"change_failure_rate": 0.0, "rework_rate": 0.0, "bands": bands("medium", None, "elite", None)}
    return [
        org_window("7d", 7),
        org_window("30d", 30),
        metric_row(
            UNICODE,
            "7d",
            7,
            1,
            lead_time_hours_p50=6.0,
            lead_time_hours_p90=6.0,
            change_failure_rate=0.0,
            rework_rate=0.0,
            bands=unicode_bands,
        ),
        metric_row(
            UNICODE,
            "30d",
            30,
            2,
            lead_time_hours_p50=6.0,
            lead_time_hours_p90=6.0,
            change_failure_rate=0.0,
            rework_rate=0.0,
            bands=unicode_bands,
        ),
        metric_row(PLUS, "7d", 7, 0, **plus),
        metric_row(PLUS, "30d", 30, 0, **plus),
        metric_row(MINUS, "7d", 7, 1, **minus),
        metric_row(MINUS, "30d", 30, 1, **minus),
        formula_week(),
        formula_month(),
        metric_row(AT, "7d", 7, 0),
        metric_row(AT, "30d", 30, 0),
        metric_row(MULTI, "7d", 7, 0, incidents=1),
        metric_row(MULTI, "30d", 30, 0, incidents=1),
    ]


# ------------------------------------------------------------------------------------ the store

_COMPUTED: dict[tuple[Any, ...], Any] = {}


@pytest.fixture(autouse=True)
def computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The analytics of one (config file, as_of, windows) run once for the module (the budget): the
    formats of one option set are formatted by the CLI from the same computation, and every other step
    (options, config, store, ``--team`` filter, output) runs in full each time."""
    real = cli.compute_all

    def once(config: Any, engine: Any, *, as_of: datetime, windows: Any = None) -> Any:
        asked = None if windows is None else tuple((window.label, window.days) for window in windows)
        key = (str(config.path), as_of, asked)
        if key not in _COMPUTED:
            _COMPUTED[key] = real(config, engine, as_of=as_of, windows=windows)
        return _COMPUTED[key]

    monkeypatch.setattr(cli, "compute_all", once)


def write_store(store: Path) -> None:
    engine = open_store(f"duckdb:///{store}")
    try:
        names = ("acme/formula", "acme/uni", "acme/multi", "acme/minus")
        with engine.begin() as conn:
            write_repositories(conn, [RepositoryFact(name, "main") for name in names], {}, A)
        facts = Facts(engine)
        repo = "acme/formula"
        facts.deployment(at(1), compare="first", sha=sha("f0"), repo=repo)
        c1 = facts.commit(sha("c1"), at(19, 18), repo=repo)
        facts.pull_request(
            1,
            created_at=at(19, 12),
            merged_at=at(19, 18),
            merge_commit_sha=c1,
            commit_dates=[at(19, 10)],
            reviews=[Review("bob", at(19, 15))],
            repo=repo,
        )
        facts.deployment(at(20), ships=[c1], repo=repo)
        facts.deployment(at(25), ships=[facts.commit(sha("c2"), at(24, 20), repo=repo)], repo=repo)
        add_incident(facts, "PF-1", at(25, 2), resolved_at=at(25, 5), service="PF")
        c3 = facts.commit(sha("c3"), at(27, 20), repo=repo)
        facts.pull_request(
            3,
            created_at=at(27, 13),
            merged_at=at(27, 20),
            merge_commit_sha=c3,
            commit_dates=[at(27, 12)],
            repo=repo,
        )
        add_label(facts, 3, "hotfix", repo=repo)
        facts.deployment(at(28), ships=[c3], repo=repo)
        facts.deployment(at(10), compare="first", sha=sha("u0"), repo="acme/uni")
        u1 = facts.commit(sha("u1"), at(29, 6), repo="acme/uni")
        facts.deployment(at(29, 12), ships=[u1], repo="acme/uni")
        facts.deployment(datetime(2026, 5, 1, tzinfo=UTC), compare="first", sha=sha("n0"), repo="acme/multi")
        add_incident(facts, "PN-1", at(29, 6), service="PN")
        add_incident(facts, "PPLUS-1", at(26, 10), resolved_at=at(26, 10.5), service="PPLUS")
        facts.deployment(at(29), compare="first", sha=sha("m0"), repo="acme/minus")
    finally:
        engine.dispose()


def teams_yaml(teams: list[tuple[str, list[str], list[str]]]) -> str:
    text = "teams:\n"
    for name, repositories, services in teams:
        text += f"  - name: {yaml_text(name)}\n    repositories: {json.dumps(repositories)}\n"
        text += f"    pagerduty_services: {json.dumps(services)}\n"
    return text


TEAMS = [
    (FORMULA, ["acme/formula"], ["PF"]),
    (UNICODE, ["acme/uni"], []),
    (MULTI, ["acme/multi"], ["PN"]),
    (PLUS, [], ["PPLUS"]),
    (MINUS, ["acme/minus"], []),
    (AT, [], ["PAT"]),
    (LONELY, [], []),
]


def write_config(path: Path, store: Path, teams: list[tuple[str, list[str], list[str]]]) -> Path:
    path.write_text(
        f"database:\n  url: duckdb:///{store}\n{teams_yaml(teams)}"
        "metrics:\n  windows: [7d, 30d]\nincidents:\n  attribution_window: 24h\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("round8-formats")
    write_store(folder / "store.duckdb")
    return write_config(folder / "doraspace.yaml", folder / "store.duckdb", TEAMS)


def metrics(capsys: pytest.CaptureFixture[str], config: Path, *extra: str, fmt: str = "json") -> str:
    return ok(capsys, "metrics", "--config", str(config), "--format", fmt, *extra)


# ------------------------------------------------------------------------------------ metrics


def test_every_format_of_the_full_run_carries_the_hand_worked_rows_whatever_the_names(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§6.4 rows (sorted by team, "*" first — even before ``(legacy)…``, which precedes ``*`` by code
    point — then window length) × names with commas, quotes, a line break, formula prefixes and non-ASCII
    text × the three formats. JSON: the rows of ``full_run``. CSV: one record per row, although the MULTI
    name spans two physical lines, each cell exactly the JSON's value (``=HYPERLINK(…)``, ``+SUM(1,2)``,
    ``-ops`` and ``@ops`` as configured: nothing prefixed). Table: the as_of in the heading and, for every
    row whose name is on one line, the JSON numbers with two decimals."""
    rows = json.loads(metrics(capsys, config, "--as-of", A_TEXT))
    assert_rows(rows, full_run())
    text = metrics(capsys, config, "--as-of", A_TEXT, fmt="csv")
    records = assert_csv_is_the_json(text, rows)
    assert [record["team"] for record in records[::2]] == ["*", UNICODE, PLUS, MINUS, FORMULA, AT, MULTI]
    assert text.count("\n") == len(rows) + 1 + 2  # header, rows, and MULTI's own line break twice
    heading, body = table_body(metrics(capsys, config, "--as-of", A_TEXT, fmt="table"), 20)
    assert A_TEXT in heading
    single_line = [flatten(row) for row in rows if "\n" not in row["team"]]
    expected = [[table_cell(v) for k, v in row.items() if k != "as_of"] for row in single_line]
    assert body[: len(expected)] == expected


def test_a_week_window_asked_where_seven_days_are_configured_in_every_format(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 "unless --window names one" × ``1w`` where ``7d`` is configured × ``--team`` naming the formula
    team × the three formats: one row labelled as asked (``1w``, the product's reading the earlier audits
    pin), the numbers of the 7-day window (``formula_week``) and the bands of 30d (§6.3). The CSV holds
    the name exactly and parses back to that row; the table shows 2, 0.29, 8.00, 11.20, 0.50, 5.00, 3.00,
    3.00, 1, 0.50, stages 1.00 - - 4.00, bands medium elite low high."""
    args = ("--as-of", A_TEXT, "--window", "1w", "--team", FORMULA)
    rows = json.loads(metrics(capsys, config, *args))
    assert_rows(rows, [formula_week("1w")])
    assert_csv_is_the_json(metrics(capsys, config, *args, fmt="csv"), rows)
    _, body = table_body(metrics(capsys, config, *args, fmt="table"), 20)
    assert body == [
        cells(FORMULA, "1w 2 0.29 8.00 11.20 0.50 5.00 3.00 3.00 1 0.50 1.00 - - 4.00 medium elite low high")
    ]


def test_an_as_of_inside_an_open_incident_with_an_offset_and_a_week_window(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 ``--as-of`` (with an offset: 05:00+02:00 is 06-25 03:00 UTC) × §6.2 recovery "by as_of" ×
    ``--window 1w`` × ``--team`` FORMULA × the three formats.

    1w = (06-18 03:00, 06-25 03:00]: F1, F2 → 2, 2/7; leads 14, 4 → p50 9, p90 4 + 0.9 × 10 = 13; PF-1
    started 02:00, within 24 h of F2 → F2 failed, CFR 1/2, but PF-1 is still open at 03:00 → no recovery
    (null, not 0) and no restore; 1 incident; rework 0/2 (F2 was deployed before PF-1 opened); stages of
    PR #1: coding 2, pickup 3, review 3, deploy 6. F3 and PR #3 have not happened yet.
    Bands from 30d = (05-26 03:00, 06-25 03:00]: F0, F1, F2 → 3/30 = 0.1 → medium; leads 14, 4 → 9 h →
    elite; 1/3 → low; no recovered failure and no restore to fall back on → null.
    as_of is echoed in UTC; the CSV has empty recovery and restore cells, the table "-"."""
    args = ("--as-of", "2026-06-25T05:00:00+02:00", "--window", "1w", "--team", FORMULA)
    as_of = "2026-06-25T03:00:00Z"
    rows = json.loads(metrics(capsys, config, *args))
    assert_rows(
        rows,
        [
            metric_row(
                FORMULA,
                "1w",
                7,
                2,
                as_of=as_of,
                lead_time_hours_p50=9.0,
                lead_time_hours_p90=13.0,
                change_failure_rate=0.5,
                incidents=1,
                rework_rate=0.0,
                lead_time_breakdown_hours_p50={"coding": 2.0, "pickup": 3.0, "review": 3.0, "deploy": 6.0},
                bands=bands("medium", "elite", "low", None),
            )
        ],
    )
    (record,) = assert_csv_is_the_json(metrics(capsys, config, *args, fmt="csv"), rows)
    assert (record["as_of"], record["failed_deployment_recovery_hours_p50"], record["bands.recovery"]) == (
        as_of,
        "",
        "",
    )
    heading, body = table_body(metrics(capsys, config, *args, fmt="table"), 20)
    assert as_of in heading
    assert body == [
        cells(FORMULA, "1w 2 0.29 9.00 13.00 0.50 - - - 1 0.00 2.00 3.00 3.00 6.00 medium elite low -")
    ]


def test_an_unconfigured_fortnight_for_the_organisation_in_csv_and_table(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--window 14d`` (not configured) × ``--team '*'`` × CSV and table: the organisation row of 14
    days (``org_window``: 5 deployments, 5/14, leads p50 9, p90 13.4, CFR 0.2, recovery 5, restores 1.75
    and 2.75, 3 incidents, rework 0.2, stages 1.5/3/3/5) with the 30d bands; CSV exact, table rounded
    (5/14 = 0.357 → 0.36)."""
    args = ("--as-of", A_TEXT, "--window", "14d", "--team", "*")
    rows = json.loads(metrics(capsys, config, *args))
    assert_rows(rows, [org_window("14d", 14)])
    assert_csv_is_the_json(metrics(capsys, config, *args, fmt="csv"), rows)
    _, body = table_body(metrics(capsys, config, *args, fmt="table"), 20)
    assert body == [
        cells(
            "*", "14d 5 0.36 9.00 13.40 0.20 5.00 1.75 2.75 3 0.20 1.50 3.00 3.00 5.00 high elite medium high"
        )
    ]


def test_team_names_that_begin_with_a_dash_or_a_plus_are_asked_for_with_an_equals_sign(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 ``--team T`` × a team whose name begins with ``-``: ``--team -ops`` reads as another option,
    a usage error (exit 2, one line, nothing on stdout); ``--team=-ops`` names the team: its two rows
    (M0, first: 1 deployment, CFR 0.0, 1/30 → medium). ``+SUM(1,2)`` needs no ``=``; its CSV row
    carries the restore 0.5 and the recovery band elite from the restore fallback (§6.3)."""
    refused(*run(capsys, "metrics", "--config", str(config), "--as-of", A_TEXT, "--team", MINUS))
    rows = json.loads(metrics(capsys, config, "--as-of", A_TEXT, f"--team={MINUS}"))
    assert_rows(rows, [row for row in full_run() if row["team"] == MINUS])
    args = ("--as-of", A_TEXT, "--team", PLUS)
    rows = json.loads(metrics(capsys, config, *args))
    assert_rows(rows, [row for row in full_run() if row["team"] == PLUS])
    (_, record) = assert_csv_is_the_json(metrics(capsys, config, *args, fmt="csv"), rows)
    assert (record["team"], record["time_to_restore_hours_p50"], record["bands.recovery"]) == (
        PLUS,
        "0.5",
        "elite",
    )


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(("--window", "36h", "--team", FORMULA, "--format", "csv"), id="window-not-whole-days"),
        pytest.param(("--window", "0d", "--format", "table"), id="window-zero"),
        pytest.param(("--as-of", "2026-06-31", "--window", "1w", "--format", "csv"), id="as-of-no-such-day"),
        pytest.param(("--team", FORMULA.lower(), "--format", "csv"), id="team-in-another-case"),
        pytest.param(("--team", 'multi line, "team"', "--format", "table"), id="team-line-break-as-space"),
        pytest.param(("--quarter", "2026-Q3", "--format", "json"), id="survey-option-on-metrics"),
        pytest.param(("--format", "CSV"), id="format-upper-case"),
    ],
)
def test_bad_combinations_are_one_line_and_exit_2(
    config: Path, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...]
) -> None:
    """§2: a usage error exits 2 with one line on stderr and nothing on stdout, whatever the format asked
    and however odd the configured names: the unknown-team line lists the known names, MULTI's line
    break included, on one line. ``--team`` is compared as written (the earlier audits pin it), so the
    formula name in lower case, or MULTI with a blank for its line break, is unknown."""
    message = refused(*run(capsys, "metrics", "--config", str(config), "--as-of", A_TEXT, *extra))
    if extra[0] == "--team":
        assert message.startswith("--team:") and "+SUM(1,2)" in message and "@ops" in message, message
    elif extra[0] == "--window":
        assert message.startswith("--window:"), message
    elif extra[0] == "--as-of":
        assert message.startswith("--as-of:"), message


@pytest.mark.parametrize("command", [("survey", "scores"), ("metrics",)])
def test_the_other_commands_options_are_usage_errors(
    config: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    """§2 lists ``--as-of``/``--window`` for metrics only and ``--quarter`` for survey scores only: the
    other command's option is a usage error, exit 2, one line, before any output."""
    other = (
        ("--as-of", A_TEXT, "--window", "1w") if command == ("survey", "scores") else ("--quarter", "2026-Q3")
    )
    message = refused(*run(capsys, *command, "--config", str(config), "--format", "csv", *other))
    assert "unrecognized arguments" in message and other[0] in message, message


def test_a_team_name_with_a_carriage_return_still_parses_back_from_csv(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CSV must parse back to the JSON's values. ``teams[].name`` accepts any text but leading or
    trailing blanks, so ``cr⏎only`` with a lone carriage return (YAML ``"cr\\ronly"``) is a team;
    here it owns acme/uni (the UNICODE numbers: 7d 1 deployment, lead 6; 30d 2). The csv module writes a
    field holding a line break of its line terminator quoted; the CLI's terminator is ``\\n`` alone, and
    Python 3.11's writer then leaves ``\\r`` bare: read back, each row splits in two records (or the
    reader refuses "new-line character seen in unquoted field"). Expected: two records for the team,
    ``team`` = ``cr\\ronly``."""
    name = "cr\ronly"
    other = write_config(
        config.parent / "carriage-return.yaml", config.parent / "store.duckdb", [(name, ["acme/uni"], [])]
    )
    args = ("--as-of", A_TEXT, "--team", name)
    rows = json.loads(metrics(capsys, other, *args))
    assert [(row["team"], row["window"], row["deployments"]) for row in rows] == [
        (name, "7d", 1),
        (name, "30d", 2),
    ]
    records = assert_csv_is_the_json(metrics(capsys, other, *args, fmt="csv"), rows)
    assert [record["team"] for record in records] == [name, name]


def test_a_known_team_with_no_rows_in_every_format(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A configured team owning nothing (``=lonely``) is known (``--team`` accepts it) but has no row
    (docs/metrics.md: rows for teams owning a repository or a PagerDuty service): JSON ``[]``, the table
    "no teams", and the CSV nothing at all, not even a header (the product's choice; SPEC and docs do not
    say)."""
    args = ("--as-of", A_TEXT, "--team", LONELY)
    assert json.loads(metrics(capsys, config, *args)) == []
    assert metrics(capsys, config, *args, fmt="csv") == ""
    assert metrics(capsys, config, *args, fmt="table") == "no teams\n"


# ------------------------------------------------------------------------------------ survey scores

DEFINITION = """\
survey: mini
scales:
  agree5:
    points: 5
    labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree]
    favourable: [4, 5]
missing: ["N/A", ""]
team_question: "Which team are you on?"
items:
  - id: s1
    text: "I am satisfied with my tools"
    dimension: satisfaction
    scale: agree5
  - id: e1
    text: "I can focus on my work"
    dimension: efficiency
    scale: agree5
"""

# The team as typed in the export (§7.1: matched case-insensitively, blanks folded; docs/surveys.md:
# Unicode compatibility forms and curly quotes ignored too), and (s1, e1) per respondent.
TYPED = {
    FORMULA: ("＝hyperlink(“https://x.example/?a=1”,“A,B”)", [(5, 4), (4, 4), (4, 2), (3, 5), (2, 1)]),
    UNICODE: ("(LEGACY)  ZÜRICH 支付 🚀", [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (5, "N/A")]),
    MULTI: ('Multi Line, "Team"', [(2, 3)] * 5),
}


@pytest.fixture(scope="module")
def survey_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("round8-survey")
    (folder / "mini.yaml").write_text(DEFINITION)
    (folder / "secret").write_text("pepper\n")
    config = folder / "doraspace.yaml"
    config.write_text(
        f"database:\n  url: duckdb:///{folder}/store.duckdb\nteams:\n"
        f"  - name: {yaml_text(FORMULA)}\n    headcount: 8\n"
        f"  - name: {yaml_text(UNICODE)}\n"
        f"  - name: {yaml_text(MULTI)}\n    headcount: 5\n"
        f"  - name: {yaml_text(AT)}\n    headcount: 4\n"
        f"surveys:\n  min_group_size: 5\n  respondent_secret_file: {folder / 'secret'}\n",
        encoding="utf-8",
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["respondent_id", "team", "submitted_at", "item_id", "answer"])
    for index, (typed, answers) in enumerate(TYPED.values()):
        for number, (s1, e1) in enumerate(answers):
            for item, answer in (("s1", s1), ("e1", e1)):
                writer.writerow([f"r{index}-{number}", typed, "2026-07-01 10:00:00", item, answer])
    export = folder / "answers.csv"
    export.write_text(buffer.getvalue(), encoding="utf-8")
    status = main(
        [
            "survey",
            "import",
            str(export),
            "--config",
            str(config),
            "--definition",
            str(folder / "mini.yaml"),
            "--quarter",
            "2026-Q3",
            "--format",
            "long",
        ]
    )
    assert status == 0
    return config


def score_rows() -> list[dict[str, Any]]:
    """2026-Q3 only, so every change is null; min_group_size 5; rows by team ("*" first), dimension.

    * FORMULA (headcount 8; 5 respondents → rate 5/8): s1 5,4,4,3,2 → mean 3.6 → (3.6 − 1)/4 × 100 =
      65.0, favourable 3/5; e1 4,4,2,5,1 → 3.2 → 55.0, favourable 3/5.
    * UNICODE (no headcount → rate null; 6 respondents): s1 1,2,3,4,5,5 → 20/6 → (10/3 − 1)/4 × 100 =
      175/3, favourable 3/6, 6 respondents; e1 1…5 (one N/A leaves the denominator) → 3 → 50.0,
      favourable 2/5, 5 respondents: still ≥ 5, shown.
    * MULTI (headcount 5 → 1.0): s1 2 ×5 → 25.0, favourable 0.0; e1 3 ×5 → 50.0, favourable 0.0.
    * AT took no part: no row. Nothing is suppressed, so differencing hides nobody.
    * "*" (16 respondents; rate null, a headcount is missing — docs/metrics.md): s1 18 + 20 + 10 = 48 over
      16 → 3.0 → 50.0, favourable (3 + 3 + 0)/16 = 0.375; e1 16 + 15 + 15 = 46 over 15 → (46/15 − 1)/4 ×
      100 = 155/3, favourable (3 + 2 + 0)/15 = 1/3, 15 respondents.
    """
    cells = [
        ("*", "efficiency", 155 / 3, 1 / 3, 15, None),
        ("*", "satisfaction", 50.0, 0.375, 16, None),
        (UNICODE, "efficiency", 50.0, 0.4, 5, None),
        (UNICODE, "satisfaction", 175 / 3, 0.5, 6, None),
        (FORMULA, "efficiency", 55.0, 0.6, 5, 5 / 8),
        (FORMULA, "satisfaction", 65.0, 0.6, 5, 5 / 8),
        (MULTI, "efficiency", 50.0, 0.0, 5, 1.0),
        (MULTI, "satisfaction", 25.0, 0.0, 5, 1.0),
    ]
    return [
        dict(
            zip(
                SCORE_KEYS,
                (team, "2026-Q3", dimension, score, favourable, respondents, rate, None),
                strict=True,
            )
        )
        for team, dimension, score, favourable, respondents, rate in cells
    ]


def scores(capsys: pytest.CaptureFixture[str], config: Path, *extra: str, fmt: str = "json") -> str:
    return ok(capsys, "survey", "scores", "--config", str(config), "--format", fmt, *extra)


def assert_scores(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert [list(row) for row in got] == [SCORE_KEYS] * len(want)
    assert got == [{k: approx(v) if isinstance(v, float) else v for k, v in row.items()} for row in want]


def test_survey_scores_name_the_configured_team_however_it_was_typed_in_every_format(
    survey_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§7.1 team matching (case, blanks, a line break read as a blank, full-width ``＝`` and curly quotes)
    × §7.5 rows × the three formats: every row names the team as configured (docs/surveys.md: "stored as
    the configured team name, never as the answer was typed"); numbers of ``score_rows``; CSV exact with
    nulls (response_rate of UNICODE and "*", every change) as empty cells; table with two decimals and
    "-", rows of one-line names in JSON order."""
    rows = json.loads(scores(capsys, survey_config))
    assert_scores(rows, score_rows())
    assert_csv_is_the_json(scores(capsys, survey_config, fmt="csv"), rows)
    text = scores(capsys, survey_config, fmt="table")
    _, body = table_body(text, len(SCORE_KEYS))
    expected = [[table_cell(v) for v in row.values()] for row in rows if "\n" not in row["team"]]
    assert body[: len(expected)] == expected
    assert ["*", "2026-Q3", "efficiency", "51.67", "0.33", "15", "-", "-"] in body


def test_survey_team_option_with_odd_names(survey_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``survey scores --team`` × odd names × formats: the formula team as configured gives its two rows
    (CSV exact: 55.0, 0.6, 5, 0.625); MULTI with its line break, with ``--quarter 2026-Q3``, its two rows;
    ``@ops``, configured but without answers, is known and shows nothing (JSON ``[]``, CSV its header
    alone, the table's sentence); the formula name as typed in the export is no configured name:
    refused, exit 2, one line."""
    want = score_rows()
    rows = json.loads(scores(capsys, survey_config, "--team", FORMULA))
    assert_scores(rows, [row for row in want if row["team"] == FORMULA])
    (first, _) = assert_csv_is_the_json(scores(capsys, survey_config, "--team", FORMULA, fmt="csv"), rows)
    assert [first[key] for key in ("team", "favourable", "respondents", "response_rate", "change")] == [
        FORMULA,
        "0.6",
        "5",
        "0.625",
        "",
    ]
    assert float(first["score"]) == approx(55.0)
    rows = json.loads(scores(capsys, survey_config, "--team", MULTI, "--quarter", "2026-Q3"))
    assert_scores(rows, [row for row in want if row["team"] == MULTI])
    assert_csv_is_the_json(
        scores(capsys, survey_config, "--team", MULTI, "--quarter", "2026-Q3", fmt="csv"), rows
    )
    assert json.loads(scores(capsys, survey_config, "--team", AT)) == []
    assert (
        scores(capsys, survey_config, "--team", AT, fmt="csv")
        == "team,quarter,dimension,score,favourable,respondents,response_rate,change\r\n"
    )
    assert scores(capsys, survey_config, "--team", AT, fmt="table").startswith("no SPACE scores to show")
    typed = TYPED[FORMULA][0]
    message = refused(
        *run(capsys, "survey", "scores", "--config", str(survey_config), "--team", typed, "--format", "csv")
    )
    assert message.startswith("--team:") and typed in message, message
