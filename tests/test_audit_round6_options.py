"""Audit, round 6: command-line options and configuration where two rules meet (SPEC §2, §3, §6.3, §6.4;
docs/configuration.md).

``doraspace.cli.main`` is run in-process as a user runs the console script, over one DuckDB store
written as the collector writes it (``tests.analytics.facts``). Every instant is fixed (``--as-of``);
every expected number is worked out by hand below and in the tests' docstrings.

The store (2026, UTC; attribution window 24 h by default):

* acme/pay, team ``Payments`` (``teams:``: acme/pay and PagerDuty service PP):
  F0 05-15 00:00 (first: counts, no lead time); D0 05-31 00:00 ships one commit authored 5 h before
  (lead 5 h); D1…D10 at 00:00 of June 3, 6, 9, 12, 15, 18, 21, 23, 27 and 30, each shipping one commit
  authored 1 h before (lead 1 h), but D10's 2 h before (lead 2 h). Incidents on PP start 10 min after D2
  (06-06), D5 (06-15) and D9 (06-27) and are resolved 30, 60 and 120 min after that deployment: rule 4
  (window) fails D2, D5, D9, recovered in 0.5, 1.0, 2.0 h; restored in 20, 50, 110 min = 1/3, 5/6,
  11/6 h. Every incident is over days before the next deployment: nothing is rework.
* acme/stray, owned by nobody (team ``unowned``): S0 03-01 00:00 (first), outside every window here.

As of A = 2026-06-30T00:00:00Z, windows ``[1w, 30d]`` (no 90d: the bands come from 30d, the longest):

* Payments 1w = (06-23 00:00, 06-30 00:00]: D8 (exactly 06-23 00:00) is out, D9 and D10 (exactly at A)
  in → 2, 2/7 a day; leads 1, 2 → p50 1.5, p90 1 + 0.9 × 1 = 1.9; D9 failed → CFR 1/2, recovery 2.0;
  I9 resolved 06-27 02:00 → restore 11/6 (p50 = p90); 1 incident; rework 0/2.
* Payments 30d = (05-31 00:00, 06-30 00:00]: D0 (exactly at the start) is out, D1…D10 in → 10, 1/3 a
  day; leads nine × 1 and 2 → p50 (position 4.5) 1.0, p90 (position 8.1) 1 + 0.1 × 1 = 1.1; 3 failed →
  CFR 0.3; recovery 0.5, 1, 2 → p50 1.0; restore 1/3, 5/6, 11/6 → p50 5/6, p90 (position 1.8)
  5/6 + 0.8 × 1 = 49/30; 3 incidents; rework 0/10.
* "*" equals Payments (acme/stray adds nothing); unowned has 0 deployments: frequency 0.0, every ratio
  and percentile null, 0 incidents.
* Bands from 30d. dora-2023: 1/3 a day ≥ 1/7, < 1 → high; lead 1.0 h < 1 day → elite; CFR 30 % > 15 %
  → low; recovery 1.0 h, not < 1 hour, < 1 day → high. dora-2021: 1/3 ≥ 1/30, < 1 → high; lead 1.0 h,
  not < 1 hour, < 1 week → high; CFR 30 % "≤ 30 %" → high; recovery → high. unowned: frequency 0 → low
  in both sets, the three others null.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dateutil.parser import isoparse

from collector.models import RepositoryFact
from collector.writer import write_repositories
from doraspace.cli import main
from store.engine import open_store
from tests.analytics.facts import METRIC_KEYS, Facts, add_incident, bands, sha

A = datetime(2026, 6, 30, tzinfo=UTC)
A_TEXT = "2026-06-30T00:00:00Z"
PREFIX = "doraspace: error: "
NO_BREAKDOWN = {"coding": None, "pickup": None, "review": None, "deploy": None}
DAYS = (3, 6, 9, 12, 15, 18, 21, 23, 27, 30)  # D1…D10
FAILED = {2: 30, 5: 60, 9: 120}  # D index → minutes from the deployment to its incident's resolution
BANDS_2023 = bands("high", "elite", "low", "high")
BANDS_2021 = bands("high", "high", "high", "high")
UNOWNED_BANDS = bands("low", None, None, None)


def june(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 6, day, tzinfo=UTC) + timedelta(hours=hour)


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


def metrics(capsys: pytest.CaptureFixture[str], config: Path | None, *extra: str) -> list[dict[str, Any]]:
    """``metrics --format json`` rows (``config`` None: no ``--config`` option); each in §6.4's key order."""
    option = ["--config", str(config)] if config is not None else []
    status, out, err = run(capsys, "metrics", *option, "--format", "json", *extra)
    assert status == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    assert all(list(row) == METRIC_KEYS for row in rows)
    return rows


def refused(status: int, out: str, err: str) -> str:
    """Exit 2, nothing on stdout, one line on stderr without a traceback: that line's message."""
    assert (status, out) == (2, ""), (status, out, err)
    assert err.startswith(PREFIX) and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err[len(PREFIX) : -1]


def row(
    team: str, window: str, *, as_of: str = A_TEXT, days: int, count: int, **values: Any
) -> dict[str, Any]:
    """A whole expected row; keys not given are null (counts 0), as for a team with nothing to measure."""
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
        "bands": UNOWNED_BANDS,
    }
    unknown = set(values) - set(expected)
    assert not unknown, unknown
    expected.update(values)
    return expected


def assert_rows(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    """Same rows in the same order; floats compared to 1e-9."""
    assert [(r["team"], r["window"]) for r in got] == [(r["team"], r["window"]) for r in want]
    for actual, expected in zip(got, want, strict=True):
        wanted = {k: approx(v) if isinstance(v, float) else v for k, v in expected.items()}
        assert actual == wanted, (actual["team"], actual["window"])


def payments_week(
    label: str = "1w", row_bands: dict[str, str | None] = BANDS_2023, **over: Any
) -> dict[str, Any]:
    """Payments (or "*") in 1w as of A: see the module docstring."""
    values: dict[str, Any] = {
        "lead_time_hours_p50": 1.5,
        "lead_time_hours_p90": 1.9,
        "change_failure_rate": 0.5,
        "failed_deployment_recovery_hours_p50": 2.0,
        "time_to_restore_hours_p50": 11 / 6,
        "time_to_restore_hours_p90": 11 / 6,
        "incidents": 1,
        "rework_rate": 0.0,
        "bands": row_bands,
    }
    values.update(over)
    team = values.pop("team", "Payments")
    return row(team, label, days=7, count=2, **values)


def payments_month(
    label: str = "30d", row_bands: dict[str, str | None] = BANDS_2023, **over: Any
) -> dict[str, Any]:
    """Payments (or "*") in 30d as of A: see the module docstring."""
    values: dict[str, Any] = {
        "lead_time_hours_p50": 1.0,
        "lead_time_hours_p90": 1.1,
        "change_failure_rate": 0.3,
        "failed_deployment_recovery_hours_p50": 1.0,
        "time_to_restore_hours_p50": 5 / 6,
        "time_to_restore_hours_p90": 49 / 30,
        "incidents": 3,
        "rework_rate": 0.0,
        "bands": row_bands,
    }
    values.update(over)
    team = values.pop("team", "Payments")
    return row(team, label, days=30, count=10, **values)


def full_run(row_bands: dict[str, str | None], team: str = "Payments") -> list[dict[str, Any]]:
    """Every row as of A with windows [1w, 30d]: "*", then the team, then unowned; 1w before 30d."""
    return [
        payments_week(row_bands=row_bands, team="*"),
        payments_month(row_bands=row_bands, team="*"),
        payments_week(row_bands=row_bands, team=team),
        payments_month(row_bands=row_bands, team=team),
        row("unowned", "1w", days=7, count=0),
        row("unowned", "30d", days=30, count=0),
    ]


# ------------------------------------------------------------------------------------------ the store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store of the module docstring."""
    path = tmp_path_factory.mktemp("round6-options") / "store.duckdb"
    engine = open_store(f"duckdb:///{path}")
    try:
        with engine.begin() as conn:
            repos = [RepositoryFact("acme/pay", "main"), RepositoryFact("acme/stray", "main")]
            write_repositories(conn, repos, {}, A)
        facts = Facts(engine)
        pay = "acme/pay"
        facts.deployment(datetime(2026, 5, 15, tzinfo=UTC), compare="first", sha=sha("pay-first"), repo=pay)
        d0 = datetime(2026, 5, 31, tzinfo=UTC)
        facts.deployment(d0, ships=[facts.commit(sha("pay-0"), d0 - timedelta(hours=5), repo=pay)], repo=pay)
        for index, day in enumerate(DAYS, start=1):
            lead = 2.0 if index == 10 else 1.0
            commit = facts.commit(sha(f"pay-{index}"), june(day) - timedelta(hours=lead), repo=pay)
            facts.deployment(june(day), ships=[commit], repo=pay)
            if index in FAILED:
                add_incident(
                    facts,
                    f"PP-{index}",
                    june(day) + timedelta(minutes=10),
                    resolved_at=june(day) + timedelta(minutes=FAILED[index]),
                    service="PP",
                )
        facts.deployment(
            datetime(2026, 3, 1, tzinfo=UTC), compare="first", sha=sha("stray-first"), repo="acme/stray"
        )
    finally:
        engine.dispose()
    return path


TEAMS = "teams:\n  - name: Payments\n    repositories: [acme/pay]\n    pagerduty_services: [PP]\n"


def write_config(path: Path, store: Path, windows: str = "[1w, 30d]", extra: str = "") -> Path:
    path.write_text(f"database:\n  url: duckdb:///{store}\n{TEAMS}metrics:\n  windows: {windows}\n{extra}")
    return path


@pytest.fixture(scope="module")
def config(store: Path) -> Path:
    return write_config(store.parent / "doraspace.yaml", store)


# ------------------------------------------------- --window × metrics.windows: one window, many spellings


@pytest.mark.parametrize("spelling", [A_TEXT, "2026-06-30", "2026-06-30T02:00:00+02:00"])
def test_the_full_run_is_the_hand_worked_rows(
    config: Path, capsys: pytest.CaptureFixture[str], spelling: str
) -> None:
    """Windows [1w, 30d] as of A, every row of the module docstring: sorted by team ("*" first), then by
    window length (1w before 30d); bands from 30d, the longest (no 90d configured) on both rows of a
    team; D8 and D0, exactly at the 1w and 30d starts, are out; D10, exactly at A, is in. §2 "ISO 8601,
    UTC if no offset": the bare date is its midnight UTC, 02:00+02:00 the same instant — A either way,
    echoed as 2026-06-30T00:00:00Z, with the deployments at both edges on the same sides."""
    assert_rows(metrics(capsys, config, "--as-of", spelling), full_run(BANDS_2023))


@pytest.mark.parametrize(
    ("asked", "days"),
    [("7d", 7), ("168h", 7), ("4w2d", 30)],
)
def test_window_option_spelling_a_configured_window_otherwise(
    config: Path, capsys: pytest.CaptureFixture[str], asked: str, days: int
) -> None:
    """§2 "for every configured window unless --window names one" × docs/configuration.md "Durations: a
    number and a unit … combinable; windows must be whole days" (and ``metrics.windows`` refuses 1w beside
    7d as the same window): 7d and 168h name the configured 1w window, 4w2d the 30d one.
    Each gives one row per team with the numbers of the full run's row of that length (2 or 10
    deployments, frequency over 7 or 30 days), and the bands of 30d; the row is labelled as the option
    wrote it (the product's reading: SPEC and docs do not say whether it takes the configured label)."""
    rows = metrics(capsys, config, "--as-of", A_TEXT, "--window", asked)
    shape = payments_week if days == 7 else payments_month
    assert_rows(
        rows,
        [
            shape(asked, team="*"),
            shape(asked),
            row("unowned", asked, days=days, count=0),
        ],
    )


# ------------------------------------------------ --as-of: a microsecond before A moves both window edges


A_MINUS_1US = (
    "2026-06-29T23:59:59.999999Z",
    "2026-06-30T01:59:59.999999+02:00",
    "2026-06-29T23:59:59,999999999+00:00",  # `date --iso-8601=ns`: beyond microseconds, still before A
)


def rows_a_microsecond_before(as_of: str) -> list[dict[str, Any]]:
    """As of B = 2026-06-29 23:59:59.999999 UTC (echoed as that instant):

    * 1w = (06-22 23:59:59.999999, B]: D8 (06-23 00:00) and D9 in, D10 (06-30 00:00, after B: not yet
      happened) out → 2, 2/7; leads 1, 1 → p50 = p90 = 1.0; D9 failed → CFR 1/2, recovery 2.0; restore
      11/6; 1 incident.
    * 30d = (05-30 23:59:59.999999, B]: D0 (05-31 00:00) and D1…D9 in → 10, 1/3; leads 5 and nine × 1 →
      p50 1.0, p90 at 8.1: 1 + 0.1 × 4 = 1.4; D2, D5, D9 failed → 0.3; recovery 1.0; restore as at A.
    * Bands from this 30d: 1/3 → high, 1.0 h → elite, 30 % → low, 1.0 h → high (dora-2023)."""
    return [
        payments_week("1w", team="*", as_of=as_of, lead_time_hours_p50=1.0, lead_time_hours_p90=1.0),
        payments_month("30d", team="*", as_of=as_of, lead_time_hours_p90=1.4),
        payments_week("1w", as_of=as_of, lead_time_hours_p50=1.0, lead_time_hours_p90=1.0),
        payments_month("30d", as_of=as_of, lead_time_hours_p90=1.4),
        row("unowned", "1w", as_of=as_of, days=7, count=0),
        row("unowned", "30d", as_of=as_of, days=30, count=0),
    ]


@pytest.mark.parametrize("spelling", A_MINUS_1US)
def test_as_of_a_microsecond_before_midnight_in_any_offset_moves_both_edges(
    config: Path, capsys: pytest.CaptureFixture[str], spelling: str
) -> None:
    """§2 "--as-of evaluates the windows as of that instant (ISO 8601, UTC if no offset) … facts after it
    are ignored" × §6 "(as_of − N days, as_of]": one microsecond before A, written in UTC, with +02:00,
    or with nine fraction digits and a comma (as ``date --iso-8601=ns`` writes it), D10 at A is
    after the instant and both windows' starts move back past D8 and D0. Numbers: see
    ``rows_a_microsecond_before``. ``as_of`` is echoed as the same UTC instant."""
    rows = metrics(capsys, config, "--as-of", spelling)
    instants = {isoparse(r["as_of"]) for r in rows}
    assert instants == {datetime(2026, 6, 29, 23, 59, 59, 999999, tzinfo=UTC)}, instants
    echoed = rows[0]["as_of"]
    assert echoed.endswith("Z")
    assert_rows(rows, rows_a_microsecond_before(echoed))


def test_formats_carry_the_same_numbers_nulls_and_instant_for_a_fractional_as_of_and_a_spelled_window(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 one command, three formats × a fractional ``--as-of`` with an offset × ``--window 168h``:
    the CSV holds every JSON field (nested ones flattened as ``key.inner``), null as an empty cell, the
    same ``as_of`` text; the table has the instant in its heading, one line per row in the JSON order, and
    null as "-". Rows as of B (see above), 7 days: "*" and Payments 2 deployments, leads 1, 1; unowned 0
    deployments, frequency 0.0 (a number: "0.0", "0.00"), its ratios and percentiles null."""
    args = ["metrics", "--config", str(config), "--as-of", A_MINUS_1US[1], "--window", "168h"]
    status, out, err = run(capsys, *args, "--format", "json")
    assert status == 0, err
    rows = json.loads(out)
    echoed = rows[0]["as_of"]
    assert_rows(
        rows,
        [
            payments_week("168h", team="*", as_of=echoed, lead_time_hours_p50=1.0, lead_time_hours_p90=1.0),
            payments_week("168h", as_of=echoed, lead_time_hours_p50=1.0, lead_time_hours_p90=1.0),
            row("unowned", "168h", as_of=echoed, days=7, count=0),
        ],
    )
    status, out, err = run(capsys, *args, "--format", "csv")
    assert status == 0, err
    records = list(csv.DictReader(io.StringIO(out)))
    assert len(records) == len(rows)
    for json_row, record in zip(rows, records, strict=True):
        flat: dict[str, Any] = {}
        for key, value in json_row.items():
            if isinstance(value, dict):
                flat.update({f"{key}.{inner}": inner_value for inner, inner_value in value.items()})
            else:
                flat[key] = value
        assert list(record) == list(flat)
        for key, value in flat.items():
            if value is None:
                assert record[key] == "", key
            elif isinstance(value, float):
                assert float(record[key]) == value, key
            else:
                assert record[key] == str(value), key
    unowned = records[2]
    assert (unowned["deployments"], unowned["deployment_frequency_per_day"]) == ("0", "0.0")
    assert (unowned["change_failure_rate"], unowned["rework_rate"], unowned["bands.lead_time"]) == (
        "",
        "",
        "",
    )
    status, out, err = run(capsys, *args, "--format", "table")
    assert status == 0, err
    lines = out.splitlines()
    assert echoed in lines[0]
    body = [line.split() for line in lines[2:]]
    assert [(cells[0], cells[1]) for cells in body] == [(r["team"], r["window"]) for r in rows]
    # team, window, deployments, frequency, lead p50, p90, CFR, recovery, restore p50, p90, incidents,
    # rework, four stages, four bands
    assert body[1] == [
        "Payments",
        "168h",
        "2",
        "0.29",
        "1.00",
        "1.00",
        "0.50",
        "2.00",
        "1.83",
        "1.83",
        "1",
        "0.00",
    ] + ["-"] * 4 + ["high", "elite", "low", "high"]
    assert body[2] == ["unowned", "168h", "0", "0.00"] + ["-"] * 6 + ["0", "-"] + ["-"] * 4 + [
        "low",
        "-",
        "-",
        "-",
    ]


# ------------------------------------------------------------- --team in another letter case


def test_team_option_in_another_letter_case_is_refused_naming_the_known_spelling(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2: exit 2 and one line naming what is wrong for a usage error. The configured team is
    ``Payments``; ``teams[].name`` is compared as written (the config accepts ``Web`` and ``web`` as two
    teams, so a case-folded ``--team`` could name either): another case is an unknown team, refused
    before any output whatever the format, naming ``--team``, the value, and the known spellings —
    ``Unowned`` is not the default team ``unowned`` either. The exact spelling, with ``--window 7d``
    beside it, gives the 1w numbers (module docstring) under the label 7d."""
    for team, fmt in (("payments", "json"), ("PAYMENTS", "csv"), ("Unowned", "table")):
        args = ["metrics", "--config", str(config), "--as-of", A_TEXT, "--team", team, "--format", fmt]
        message = refused(*run(capsys, *args))
        assert message.startswith("--team:") and repr(team) in message, message
        assert "Payments" in message and "unowned" in message, message
    rows = metrics(capsys, config, "--as-of", A_TEXT, "--team", "Payments", "--window", "7d")
    assert_rows(rows, [payments_week("7d")])


# ------------------------------------------------------------- ${VAR} in names, windows and benchmarks


INTERPOLATED = """\
database:
  url: duckdb:///${R6_STORE}
github:
  token: ${R6_UNSET_TOKEN}
  repositories: ["${R6_ORG}/Pay"]
teams:
  - name: ${R6_TEAM}
    repositories: ["${R6_ORG}/PAY"]
    pagerduty_services: ["${R6_SERVICE}"]
metrics:
  windows: ["${R6_SHORT}", 30d]
  benchmarks: ${R6_SET}
surveys:
  respondent_secret: ${R6_UNSET_SECRET}
"""
# Lines: 5 github.repositories[0], 7 teams[0].name, 8 teams[0].repositories[0], 11 metrics.windows,
# 12 metrics.benchmarks.


@pytest.fixture
def interpolated(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in {
        "R6_STORE": str(store),
        "R6_ORG": "Acme",
        "R6_TEAM": "Payments",
        "R6_SERVICE": "PP",
        "R6_SHORT": "1w",
        "R6_SET": "dora-2021",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("R6_UNSET_TOKEN", "R6_UNSET_SECRET"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "interpolated.yaml"
    path.write_text(INTERPOLATED)
    return path


def test_interpolated_names_windows_and_benchmarks_give_the_hand_worked_rows(
    interpolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """§3 "${VAR} is replaced from the environment" × docs/configuration.md "Repository names … compared
    case-insensitively" × §6.3 band sets: the team name, its repository (``Acme/PAY`` from
    ``${R6_ORG}/PAY``, collected as acme/pay), its PagerDuty service, the short window (1w) and the
    benchmark set all come from the environment. If the repository did not match, acme/pay would be
    unowned and Payments would have 0 deployments. The unset token and survey secret are secrets that
    ``metrics`` never uses: no error (docs: "only when a command uses the secret").
    dora-2021 gives high on all four keys (module docstring); switching the variable to dora-2023 gives
    high, elite, low, high on the very same numbers."""
    assert_rows(metrics(capsys, interpolated, "--as-of", A_TEXT), full_run(BANDS_2021))
    monkeypatch.setenv("R6_SET", "dora-2023")
    assert_rows(metrics(capsys, interpolated, "--as-of", A_TEXT), full_run(BANDS_2023))


def test_a_variable_whose_value_looks_like_a_reference_is_taken_as_written(
    interpolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """§3 replaces ``${VAR}`` in the file once: a value holding ``${R6_SET}`` is a team name, not a
    second reference (its environment value is data, not configuration text). ``--team '${R6_SET}'``
    selects that team's rows: the Payments numbers of 30d, dora-2021 bands."""
    monkeypatch.setenv("R6_TEAM", "${R6_SET}")
    rows = metrics(capsys, interpolated, "--as-of", A_TEXT, "--team", "${R6_SET}", "--window", "30d")
    assert_rows(rows, [payments_month(team="${R6_SET}", row_bands=BANDS_2021)])


@pytest.mark.parametrize(
    ("variable", "value", "where", "words"),
    [
        ("R6_TEAM", "*", "7: teams[0].name", "'*' is reserved"),
        ("R6_TEAM", "unowned", "7: teams[0].name", "'unowned' is reserved"),
        ("R6_ORG", "", "5: github.repositories[0]", "'/Pay'"),
        ("R6_SHORT", "4w2d", "11: metrics.windows[1]", "duplicate window 30d"),
        ("R6_SHORT", "36h", "11: metrics.windows[0]", "whole days"),
        ("R6_SET", "dora-2024", "12: metrics.benchmarks", "'dora-2024'"),
        ("R6_SET", None, "12: metrics.benchmarks", "R6_SET"),
    ],
    ids=["reserved-star", "reserved-unowned", "empty-owner", "duplicate-window", "hours", "set", "unset"],
)
def test_an_interpolated_value_that_breaks_a_rule_is_a_configuration_error_at_its_line(
    interpolated: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str | None,
    where: str,
    words: str,
) -> None:
    """§3 × every rule a value must keep: the value read from the environment is checked as if written in
    the file — a reserved team name (docs: "``*`` and ``unowned`` are reserved"), an owner-less
    repository, a window equal to another (4w2d is 30 days, docs: "unique"), a window that is not whole
    days, an unknown benchmark set, an unset variable. Each is exit 2 with one line naming the file, the
    line of the ``${…}`` and the key; nothing is computed, and a store that did not exist is not made."""
    fresh = tmp_path / "never.duckdb"
    monkeypatch.setenv("R6_STORE", str(fresh))
    if value is None:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, value)
    message = refused(*run(capsys, "metrics", "--config", str(interpolated), "--as-of", A_TEXT))
    assert message.startswith(f"{interpolated}:{where}: "), message
    assert words in message, message
    assert not fresh.exists()


# ----------------------------------------------------------------- --config × $DORASPACE_CONFIG


def test_config_option_wins_over_a_broken_environment_file_which_is_never_read(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 "--config PATH … Without it, the DORASPACE_CONFIG environment variable, else ./doraspace.yaml"
    × §9 a bad config is reported: $DORASPACE_CONFIG names a broken file (a 36h window, line 4); with
    ``--config`` naming the good one the broken file is not read — the good config's rows, exit 0; without
    ``--config`` the broken file is the config, and its error names it and its line."""
    broken = tmp_path / "broken.yaml"
    broken.write_text(f"database:\n  url: duckdb:///{store}\nmetrics:\n  windows: [7d, 36h]\n")
    good = write_config(tmp_path / "good.yaml", store, windows="[30d]")
    monkeypatch.setenv("DORASPACE_CONFIG", str(broken))
    rows = metrics(capsys, good, "--as-of", A_TEXT, "--team", "Payments")
    assert_rows(rows, [payments_month()])
    message = refused(*run(capsys, "metrics", "--as-of", A_TEXT))
    assert message.startswith(f"{broken}:4: metrics.windows[1]"), message


def test_relative_and_empty_doraspace_config_values(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 × docs/configuration.md "Relative paths … are relative to the working directory": a relative
    $DORASPACE_CONFIG (conf/env.yaml, windows [30d]) is found from the working directory. An empty
    $DORASPACE_CONFIG names no file: ./doraspace.yaml (windows [1w]) is read, as when it is unset (the
    product's reading; SPEC does not say). An empty ``--config`` is a usage error naming the option.
    Payments: 10 deployments in 30d, 2 in 1w (module docstring). With [1w] alone the bands come from 1w:
    2/7 a day ≥ 1/7 → high, lead 1.5 h → elite, CFR 50 % → low, recovery 2.0 h → high: the same four."""
    work = tmp_path / "work"
    (work / "conf").mkdir(parents=True)
    write_config(work / "conf" / "env.yaml", store, windows="[30d]")
    write_config(work / "doraspace.yaml", store, windows="[1w]")
    monkeypatch.chdir(work)
    monkeypatch.setenv("DORASPACE_CONFIG", "conf/env.yaml")
    assert_rows(metrics(capsys, None, "--as-of", A_TEXT, "--team", "Payments"), [payments_month()])
    monkeypatch.setenv("DORASPACE_CONFIG", "")
    assert_rows(metrics(capsys, None, "--as-of", A_TEXT, "--team", "Payments"), [payments_week()])
    message = refused(*run(capsys, "metrics", "--config", "", "--as-of", A_TEXT))
    assert message.startswith("--config"), message
