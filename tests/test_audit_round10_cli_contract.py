"""Audit, round 10: ``doraspace metrics`` options and the §6.4 JSON contract where two rules meet (SPEC §2,
§6.2, §6.3, §6.4, §9).

``doraspace.cli.main`` runs in process over one DuckDB store written as the collector writes it
(``tests.analytics.facts``). Every instant is fixed (``--as-of``); every number is worked out by hand
below. Earlier rounds asked for windows shorter than or equal to a configured one; new here: a
``--window`` LONGER than every configured window (it reaches facts no configured window holds, while
its bands still come from the longest configured one, so a row can carry a metric whose band is null,
and the reverse), the band window configured under another spelling of 90 days than the one asked for,
a team owning only a PagerDuty service whose incidents started and resolved in different windows,
spellings of ``--as-of`` on one calendar date that see different facts (a rework deployment at the
window's inclusive end), a rollback at the ``--as-of`` instant, a reduced-precision ``--as-of``
(``2026-07``), a single configured 1-day window, and bad values that must leave the store untouched.

The store (UTC; ``incidents.attribution_window`` 24 h by default; A = 2026-06-30 00:00):

* team ``web`` (``teams:``: acme/web and PagerDuty service PW):
  W0 2026-01-10 00:00, first of the history (counts, no lead time).
  W1 2026-02-01 00:00 ships c1 (authored 01-31 00:00): lead 24 h.
  W2 2026-02-01 06:00 redeploys W0's sha, compare ``behind``: a rollback whose previous deployment is
  W1 → W1 failed (rule 2), recovered by W2 in 6 h; W2 is rework (a rollback).
  W3 2026-06-25 00:00 ships c3, the merge commit of PR #3 (commit authored 06-24 00:00, opened 02:00,
  reviewed by bob 05:00, merged 12:00): lead 24 h; stages coding 2, pickup 3, review 7, deploy 12.
  PW-1 on PW starts 06-25 01:00, resolved 06-30 02:00 (after A): rule 4 (window) fails W3 (within
  24 h, the latest deployment of the service before it). As of A it is open: no recovery, no restore.
  W4 2026-06-29 23:00 ships c4, a direct push authored 20:00: lead 3 h; deployed while PW-1 is open →
  rework; no incident after it → not failed.
* team ``sre`` (PagerDuty service PS only, no repository): PS-1 06-20 00:00 → 06-24 12:00 (108 h);
  PS-2 06-28 00:00 → 00:30 (0.5 h); PS-3 06-29 12:00, open. Its service belongs to no repository, so
  they fail nothing and make nothing rework.
* team ``idle``: acme/idle, no deployment at all.
* acme/stray, nobody's (team ``unowned``): S0 2026-03-01 00:00, first.

Configured windows ``[7d, 30d]``: no 90d, so the bands come from 30d, the longest configured (§6.3).
Rows are sorted "*", idle, sre, unowned, web (code points), then by window length.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from collector.models import RepositoryFact
from collector.writer import write_repositories
from doraspace import cli
from doraspace.cli import main
from store.engine import open_store
from tests.analytics.facts import METRIC_KEYS, Facts, Review, add_incident, at, bands, sha

A = datetime(2026, 6, 30, tzinfo=UTC)
A_TEXT = "2026-06-30T00:00:00Z"
NOW = datetime(2026, 7, 5, tzinfo=UTC)  # the commands' "now": every run below gives --as-of
PREFIX = "doraspace: error: "
ARGPARSE_PREFIX = "doraspace metrics: error: "
NO_BREAKDOWN = {"coding": None, "pickup": None, "review": None, "deploy": None}
PR3_STAGES = {"coding": 2.0, "pickup": 3.0, "review": 7.0, "deploy": 12.0}
WEB, IDLE, SRE, STRAY = "acme/web", "acme/idle", "sre", "acme/stray"
TEAMS = (
    "teams:\n"
    "  - name: web\n    repositories: [acme/web]\n    pagerduty_services: [PW]\n"
    "  - name: sre\n    pagerduty_services: [PS]\n"
    "  - name: idle\n    repositories: [acme/idle]\n"
)


def day(month: int, dom: int, hour: float = 0.0) -> datetime:
    return datetime(2026, month, dom, tzinfo=UTC) + timedelta(hours=hour)


# ------------------------------------------------------------------------------------------ helpers


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``main(args)`` as the console script would end: exit status (argparse's too), stdout, stderr."""
    try:
        status = main(list(args), now=NOW)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def metrics(capsys: pytest.CaptureFixture[str], config: Path, *extra: str, fmt: str = "json") -> str:
    status, out, err = run(capsys, "metrics", "--config", str(config), "--format", fmt, *extra)
    assert status == 0, err
    return out


def metrics_json(capsys: pytest.CaptureFixture[str], config: Path, *extra: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(metrics(capsys, config, *extra))
    assert all(list(row) == METRIC_KEYS for row in rows)
    return rows


def assert_typed(got: Any, want: Any, where: tuple[Any, ...] = ()) -> None:
    """Equal leaf by leaf with the same JSON type (int, float, null, string) and the same key order."""
    if isinstance(want, dict):
        assert isinstance(got, dict), where
        assert list(got) == list(want), where
        for key, value in want.items():
            assert_typed(got[key], value, (*where, key))
    elif want is None:
        assert got is None, (where, got)
    elif isinstance(want, int):
        assert type(got) is int and got == want, (where, got)
    elif isinstance(want, float):
        assert type(got) is float, (where, got)
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12), (where, got)
    else:
        assert type(got) is type(want) and got == want, (where, got)


def assert_rows(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert [(r["team"], r["window"]) for r in got] == [(r["team"], r["window"]) for r in want]
    for actual, expected in zip(got, want, strict=True):
        assert_typed(actual, expected, (expected["team"], expected["window"]))


def row(
    team: str, window: str, days: int, count: int, *, as_of: str = A_TEXT, **values: Any
) -> dict[str, Any]:
    """A whole expected row; what is not given is as for nothing to measure: ratios and percentiles
    null, counts 0, the frequency ``count / days`` (a float even when whole)."""
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


def flatten(values: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{inner}": inner_value for inner, inner_value in value.items()})
        else:
            flat[key] = value
    return flat


def assert_csv_is_the_json(text: str, rows: list[dict[str, Any]]) -> None:
    """One record per row, the flattened keys in order, null as "", ints as written, floats with a point
    and exactly the JSON's value."""
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(records) == len(rows)
    for values, record in zip(rows, records, strict=True):
        flat = flatten(values)
        assert list(record) == list(flat)
        for key, value in flat.items():
            cell = record[key]
            if value is None:
                assert cell == "", (key, cell)
            elif isinstance(value, float):
                assert "." in cell or "e" in cell, (key, cell)
                assert float(cell) == value, (key, cell)
            else:
                assert cell == str(value), (key, cell)


def dump(store: Path) -> dict[str, list[str]]:
    """Every table of the DuckDB store, rows as sorted text: equal dumps mean an unchanged store."""
    connection = duckdb.connect(str(store), read_only=True)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables order by table_name"
            ).fetchall()
        ]
        return {
            table: sorted(repr(r) for r in connection.execute(f'select * from "{table}"').fetchall())  # noqa: S608
            for table in tables
        }
    finally:
        connection.close()


_COMPUTED: dict[tuple[Any, ...], Any] = {}


@pytest.fixture(autouse=True)
def computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The analytics of one (config file, as_of, windows) run once for the module (the time budget):
    the three formats and the ``--team`` filter of one option set read the same computation; parsing,
    validation, the store's opening, filtering and formatting run in full every time."""
    real = cli.compute_all

    def once(config: Any, engine: Any, *, as_of: datetime, windows: Any = None) -> Any:
        asked = None if windows is None else tuple((window.label, window.days) for window in windows)
        key = (str(config.path), as_of, asked)
        if key not in _COMPUTED:
            _COMPUTED[key] = real(config, engine, as_of=as_of, windows=windows)
        return _COMPUTED[key]

    monkeypatch.setattr(cli, "compute_all", once)


# ------------------------------------------------------------------------------------------ the store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store of the module docstring."""
    path = tmp_path_factory.mktemp("round10-cli") / "store.duckdb"
    engine = open_store(f"duckdb:///{path}")
    try:
        with engine.begin() as conn:
            repos = [RepositoryFact(name, "main") for name in (WEB, IDLE, STRAY)]
            write_repositories(conn, repos, {}, A)
        facts = Facts(engine)
        w0 = sha("web-0")
        facts.deployment(day(1, 10), compare="first", sha=w0, repo=WEB)
        c1 = facts.commit(sha("web-c1"), day(1, 31), repo=WEB)
        facts.deployment(day(2, 1), ships=[c1], repo=WEB)
        facts.deployment(day(2, 1, 6), sha=w0, compare="behind", repo=WEB)
        c3 = facts.commit(sha("web-c3"), at(24), repo=WEB)
        facts.pull_request(
            3,
            created_at=at(24, 2),
            merged_at=at(24, 12),
            merge_commit_sha=c3,
            commit_dates=[at(24)],
            reviews=[Review("bob", at(24, 5))],
            repo=WEB,
        )
        facts.deployment(at(25), ships=[c3], repo=WEB)
        add_incident(facts, "PW-1", at(25, 1), resolved_at=at(30, 2), service="PW")
        c4 = facts.commit(sha("web-c4"), at(29, 20), repo=WEB)
        facts.deployment(at(29, 23), ships=[c4], repo=WEB)
        add_incident(facts, "PS-1", at(20), resolved_at=at(24, 12), service="PS")
        add_incident(facts, "PS-2", at(28), resolved_at=at(28, 0.5), service="PS")
        add_incident(facts, "PS-3", at(29, 12), service="PS")
        facts.deployment(day(3, 1), compare="first", sha=sha("stray-0"), repo=STRAY)
    finally:
        engine.dispose()
    return path


def write_config(path: Path, store: Path, windows: str) -> Path:
    path.write_text(f"database:\n  url: duckdb:///{store}\n{TEAMS}metrics:\n  windows: {windows}\n")
    return path


@pytest.fixture(scope="module")
def config(store: Path) -> Path:
    return write_config(store.parent / "doraspace.yaml", store, "[7d, 30d]")


# Bands from 30d as of A (dora-2023):
# * "*": W3, W4 → 2/30 ≥ 1/30 → medium; leads 24, 3 → p50 13.5 h < 1 day → elite; CFR 1/2 → low;
#   no recovered failed deployment (W3's PW-1 is open), so recovery falls back to the restore p50:
#   PS-1 108 h and PS-2 0.5 h resolved in 30d → 54.25 h < 1 week → medium.
# * web: medium, elite, low; no recovery and no restore of its own → null.
# * sre: 0 deployments → frequency 0.0 → low; lead and CFR null; restore 54.25 h → medium.
# * idle and unowned (S0 is 03-01, outside 30d): low, then three nulls.
ORG_BANDS = bands("medium", "elite", "low", "medium")
WEB_BANDS = bands("medium", "elite", "low", None)
SRE_BANDS = bands("low", None, None, "medium")
NOTHING_BANDS = bands("low", None, None, None)
SRE_RESTORE = {"time_to_restore_hours_p50": 54.25, "time_to_restore_hours_p90": 97.25}


# ----------------------------------------------- a --window longer than every configured window


def half_year_rows() -> list[dict[str, Any]]:
    """``--window 180d`` as of A: (2026-01-01 00:00, 06-30 00:00], 50 days past the 30d band window.

    * web: W0, W1, W2, W3, W4 → 5, 5/180 = 1/36; leads W1 24, W3 24, W4 3 → p50 24.0, p90 (position
      1.8) 24 + 0.8 × 0 = 24.0; failed W1 (rollback) and W3 (window) → CFR 2/5 = 0.4; recovered: W1 in
      6 h (W3 not by A) → p50 6.0; restore: PW-1 not resolved by A → null; incidents PW-1 → 1; rework W2
      (rollback), W4 (open incident) → 2/5 = 0.4; stages of PR #3 (deployed by W3): 2, 3, 7, 12.
      Bands from 30d: medium, elite, low, **null** — although the row's recovery is 6.0.
    * unowned: S0 → 1, 1/180; no lead; CFR 0/1 = 0.0 (a float); rework 0.0; recovery null. Bands from
      30d, where it has no deployment: low and **null** CFR — although the row's CFR is 0.0.
    * sre: 0 deployments; restore over PS-1, PS-2 (resolved in the window) → 54.25, p90 0.5 + 0.9 ×
      107.5 = 97.25; incidents PS-1, PS-2, PS-3 → 3. idle: nothing.
    * "*": web + unowned (+ sre's incidents): 6, 6/180 = 1/30; leads as web; CFR 2/6; recovery 6.0;
      restore 54.25 / 97.25; incidents 4; rework 2/6; PR #3's stages.
    """
    return [
        row(
            "*",
            "180d",
            180,
            6,
            lead_time_hours_p50=24.0,
            lead_time_hours_p90=24.0,
            change_failure_rate=2 / 6,
            failed_deployment_recovery_hours_p50=6.0,
            incidents=4,
            rework_rate=2 / 6,
            lead_time_breakdown_hours_p50=PR3_STAGES,
            bands=ORG_BANDS,
            **SRE_RESTORE,
        ),
        row("idle", "180d", 180, 0),
        row("sre", "180d", 180, 0, incidents=3, bands=SRE_BANDS, **SRE_RESTORE),
        row("unowned", "180d", 180, 1, change_failure_rate=0.0, rework_rate=0.0),
        row(
            "web",
            "180d",
            180,
            5,
            lead_time_hours_p50=24.0,
            lead_time_hours_p90=24.0,
            change_failure_rate=0.4,
            failed_deployment_recovery_hours_p50=6.0,
            incidents=1,
            rework_rate=0.4,
            lead_time_breakdown_hours_p50=PR3_STAGES,
            bands=WEB_BANDS,
        ),
    ]


def test_a_window_longer_than_every_configured_one_reaches_older_facts_with_the_configured_bands(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 "for every configured window unless --window names one" × §6.3 "Bands always come from the
    90-day window (or the longest configured): every row of a team, whatever its window, carries the same
    bands" × "null where the metric is null": ``--window 180d`` where [7d, 30d] are configured. The rows
    hold the rollback of February (outside every configured window), and carry the 30d bands: web's
    recovery 6.0 with a null recovery band, unowned's CFR 0.0 with a null CFR band. Every row of the
    module docstring, typed (ints for counts, floats for the rest even when whole, null present).
    ``--team unowned`` with the same window is that row alone: no "*" row; ``--team web`` is web's row,
    in CSV the same values, in the table recovery 6.00 beside a recovery band "-"."""
    assert_rows(metrics_json(capsys, config, "--as-of", A_TEXT, "--window", "180d"), half_year_rows())
    only = metrics_json(capsys, config, "--as-of", A_TEXT, "--window", "180d", "--team", "unowned")
    assert_rows(only, [half_year_rows()[3]])
    args = ("--as-of", A_TEXT, "--window", "180d", "--team", "web")
    web = metrics_json(capsys, config, *args)
    assert_rows(web, [half_year_rows()[4]])
    assert_csv_is_the_json(metrics(capsys, config, *args, fmt="csv"), web)
    lines = metrics(capsys, config, *args, fmt="table").splitlines()
    # team, window, deployments, frequency (1/36 = 0.0278), lead p50, p90, CFR, recovery, restore p50,
    # p90, incidents, rework, four stages, four bands: recovery 6.00 beside a recovery band "-".
    shown = "web 180d 5 0.03 24.00 24.00 0.40 6.00 - - 1 0.40 2.00 3.00 7.00 12.00 medium elite low -"
    assert [line.split() for line in lines[2:]] == [shown.split()]


# ------------------------------------------------ a team with PagerDuty services only, in every format


def sre_rows() -> list[dict[str, Any]]:
    """sre as of A (a team owning no repository: deployments 0, frequency 0.0, CFR, lead, recovery and
    rework null — §6 "Counts are numbers (0 where there is nothing); a ratio or percentile with nothing
    to measure is null, never 0"):

    * 7d = (06-23 00:00, 06-30 00:00]: restore over incidents resolved in the window: PS-1 (started
      06-20, before the window; resolved 06-24 12:00) 108 h and PS-2 0.5 h → p50 54.25, p90 97.25;
      incidents that started in the window: PS-2, PS-3 (open) → 2 — PS-1 is restored here but not
      counted here.
    * 30d = (05-31, 06-30]: the same restores; incidents PS-1, PS-2, PS-3 → 3.
    Bands (30d): low, null, null, medium (restore fallback)."""
    return [
        row("sre", "7d", 7, 0, incidents=2, bands=SRE_BANDS, **SRE_RESTORE),
        row("sre", "30d", 30, 0, incidents=3, bands=SRE_BANDS, **SRE_RESTORE),
    ]


def test_a_pagerduty_only_team_has_zero_counts_null_ratios_and_its_restores_in_every_format(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 ``--team`` × §6.2 "incidents that started in the window" vs restore "over incidents resolved
    in the window" × §6.3 recovery falling back to restore × the three formats (``sre_rows``). The CSV
    parses back to the JSON's values (0 as "0", 0.0 as "0.0", null as ""); the table shows 0.00 for the
    frequency and "-" for every null, the restores 54.25 and 97.25 with two decimals."""
    args = ("--as-of", A_TEXT, "--team", "sre")
    rows = metrics_json(capsys, config, *args)
    assert_rows(rows, sre_rows())
    text = metrics(capsys, config, *args, fmt="csv")
    assert_csv_is_the_json(text, rows)
    first = next(csv.DictReader(io.StringIO(text, newline="")))
    assert (first["deployments"], first["deployment_frequency_per_day"], first["change_failure_rate"]) == (
        "0",
        "0.0",
        "",
    )
    lines = metrics(capsys, config, *args, fmt="table").splitlines()
    assert A_TEXT in lines[0]
    body = [line.split() for line in lines[2:]]
    # team, window, deployments, frequency, lead p50, p90, CFR, recovery, restore p50, p90, incidents,
    # rework, four stages, four bands
    assert body == [
        ["sre", "7d", "0", "0.00", "-", "-", "-", "-", "54.25", "97.25", "2", "-"]
        + ["-"] * 4
        + ["low", "-", "-", "medium"],
        ["sre", "30d", "0", "0.00", "-", "-", "-", "-", "54.25", "97.25", "3", "-"]
        + ["-"] * 4
        + ["low", "-", "-", "medium"],
    ]


# ------------------------------------- the band window configured as 12w6d, a 90d window asked for


def ninety_day_rows(label: str) -> list[dict[str, Any]]:
    """Windows [7d, 12w6d] (12 weeks and 6 days = 90 days: the band window, §6.3 "the 90-day window"),
    the 90-day window as of A = (04-01 00:00, 06-30 00:00]:

    * web: W3, W4 → 2, 2/90; leads 24, 3 → 13.5, 3 + 0.9 × 21 = 21.9; CFR 1/2; recovery and restore
      null (PW-1 open); incidents 1; rework 1/2 (W4); PR #3's stages. Bands from these same 90 days:
      2/90 < 1/30 → low; 13.5 h → elite; 50 % → low; null.
    * sre: 0; restores 54.25 / 97.25 (PS-1, PS-2); incidents 3; bands low, null, null, medium.
    * unowned: S0 (03-01) is before the window → 0; idle 0.
    * "*": web's deployments, sre's restores, incidents 4; bands low, elite, low, medium (restore)."""
    delivery = {
        "lead_time_hours_p50": 13.5,
        "lead_time_hours_p90": 21.9,
        "change_failure_rate": 0.5,
        "rework_rate": 0.5,
        "lead_time_breakdown_hours_p50": PR3_STAGES,
    }
    return [
        row(
            "*",
            label,
            90,
            2,
            incidents=4,
            bands=bands("low", "elite", "low", "medium"),
            **delivery,
            **SRE_RESTORE,
        ),
        row("idle", label, 90, 0),
        row("sre", label, 90, 0, incidents=3, bands=SRE_BANDS, **SRE_RESTORE),
        row("unowned", label, 90, 0),
        row("web", label, 90, 2, incidents=1, bands=bands("low", "elite", "low", None), **delivery),
    ]


def test_ninety_days_asked_as_90d_where_the_band_window_is_configured_as_12w6d(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§6.3 "Bands always come from the 90-day window" × §2 ``--window`` × docs/configuration.md
    "Durations … combinable": the 90-day window is configured as ``12w6d``; ``--window 90d`` names the
    same 90 days under another label. One row per team labelled ``90d`` (the label as asked, the reading
    earlier rounds pin), never a second row for ``12w6d`` nor a doubled count, the bands from the
    configured 90 days (``ninety_day_rows``). The full run has 7d then 12w6d (ordered by length, 7 < 90),
    and its 12w6d rows are the 90d rows under their configured label."""
    other = write_config(store.parent / "twelve-weeks.yaml", store, "[12w6d, 7d]")
    asked = metrics_json(capsys, other, "--as-of", A_TEXT, "--window", "90d")
    assert_rows(asked, ninety_day_rows("90d"))
    full = metrics_json(capsys, other, "--as-of", A_TEXT)
    assert [(r["team"], r["window"]) for r in full] == [
        (team, window) for team in ("*", "idle", "sre", "unowned", "web") for window in ("7d", "12w6d")
    ]
    assert_rows([r for r in full if r["window"] == "12w6d"], ninety_day_rows("12w6d"))


# ----------------------------------------- three spellings of one date: the window's inclusive end


@pytest.mark.parametrize(
    ("as_of", "echoed", "want"),
    [
        pytest.param(
            "2026-06-30",
            A_TEXT,
            row(
                "web",
                "1d",
                1,
                1,
                lead_time_hours_p50=3.0,
                lead_time_hours_p90=3.0,
                change_failure_rate=0.0,
                rework_rate=1.0,
                bands=WEB_BANDS,
            ),
            id="date-is-midnight-utc",
        ),
        pytest.param(
            "20260630",
            A_TEXT,
            row(
                "web",
                "1d",
                1,
                1,
                lead_time_hours_p50=3.0,
                lead_time_hours_p90=3.0,
                change_failure_rate=0.0,
                rework_rate=1.0,
                bands=WEB_BANDS,
            ),
            id="basic-date",
        ),
        pytest.param(
            "2026-W27-2",
            A_TEXT,
            row(
                "web",
                "1d",
                1,
                1,
                lead_time_hours_p50=3.0,
                lead_time_hours_p90=3.0,
                change_failure_rate=0.0,
                rework_rate=1.0,
                bands=WEB_BANDS,
            ),
            id="week-date",
        ),
        pytest.param(
            "2026-181",
            A_TEXT,
            row(
                "web",
                "1d",
                1,
                1,
                lead_time_hours_p50=3.0,
                lead_time_hours_p90=3.0,
                change_failure_rate=0.0,
                rework_rate=1.0,
                bands=WEB_BANDS,
            ),
            id="ordinal-date",
        ),
        pytest.param(
            "2026-06-30T01:00:00+02:00",
            "2026-06-29T23:00:00Z",
            row(
                "web",
                "1d",
                1,
                1,
                as_of="2026-06-29T23:00:00Z",
                lead_time_hours_p50=3.0,
                lead_time_hours_p90=3.0,
                change_failure_rate=0.0,
                rework_rate=1.0,
                bands=WEB_BANDS,
            ),
            id="offset-exactly-at-w4",
        ),
        pytest.param(
            "2026-06-30T00:30:00+02:00",
            "2026-06-29T22:30:00Z",
            row(
                "web",
                "1d",
                1,
                0,
                as_of="2026-06-29T22:30:00Z",
                bands=bands("medium", "high", "low", None),
            ),
            id="offset-before-w4",
        ),
    ],
)
def test_as_of_spellings_of_one_date_with_an_unconfigured_day_window(
    config: Path, capsys: pytest.CaptureFixture[str], as_of: str, echoed: str, want: dict[str, Any]
) -> None:
    """§2 "--as-of … ISO 8601, UTC if no offset … facts after it are ignored" × §6 "(as_of − N days,
    as_of]" × §6.2 rework "deployed while an incident of its service was open" × ``--window 1d`` (not
    configured) × ``--team web``. Values that all read "June 30th":

    * ``2026-06-30`` is its midnight UTC = A, and so are the other ISO 8601 spellings of that date: basic
      ``20260630``, the week date ``2026-W27-2`` (week 1 of 2026 starts Monday 2025-12-29; week 27 on
      Monday 06-29; day 2 is Tuesday 06-30) and the ordinal date ``2026-181`` (31 + 28 + 31 + 30 + 31 +
      30 = 181). 1d = (06-29 00:00, A]: W4 → 1, frequency 1/1 = 1.0 (a
      float); lead 3.0 = p90; CFR 0/1 = 0.0 (no incident after W4); no recovery, no restore (PW-1 open),
      incidents 0 (PW-1 started 06-25); rework 1/1 = 1.0 (PW-1 open at 23:00); no PR → four null stages.
      Bands (30d): medium, elite, low, null.
    * ``2026-06-30T01:00:00+02:00`` is 06-29 23:00Z, W4's instant: the window's end is inclusive → the
      very same numbers, ``as_of`` echoed in UTC.
    * ``2026-06-30T00:30:00+02:00`` is 06-29 22:30Z: W4 has not happened → 0 deployments, frequency 0.0,
      every ratio null, incidents 0. Bands from 30d = (05-30 22:30, 06-29 22:30]: W3 alone → 1/30 per day,
      exactly "≥ 1 / month (1/30 per day)" → medium; lead 24.0 h, not "< 1 day" → high; CFR 1/1 (PW-1
      started 06-25 01:00, before as_of) → low; no recovery nor restore → null.
    The CSV carries the same values."""
    args = ("--as-of", as_of, "--window", "1d", "--team", "web")
    rows = metrics_json(capsys, config, *args)
    assert_rows(rows, [want])
    assert rows[0]["as_of"] == echoed
    assert_csv_is_the_json(metrics(capsys, config, *args, fmt="csv"), rows)


# ------------------------------------ --as-of around February's rollback, through the 180-day window


@pytest.mark.parametrize(
    ("as_of", "want"),
    [
        pytest.param(
            "2026-02-01T03:00:00Z",
            row(
                "web",
                "180d",
                180,
                2,
                as_of="2026-02-01T03:00:00Z",
                lead_time_hours_p50=24.0,
                lead_time_hours_p90=24.0,
                change_failure_rate=0.0,
                rework_rate=0.0,
                bands=bands("medium", "high", "elite", None),
            ),
            id="before-the-rollback",
        ),
        pytest.param(
            "2026-02-01T07:00:00+01:00",
            row(
                "web",
                "180d",
                180,
                3,
                as_of="2026-02-01T06:00:00Z",
                lead_time_hours_p50=24.0,
                lead_time_hours_p90=24.0,
                change_failure_rate=1 / 3,
                failed_deployment_recovery_hours_p50=6.0,
                rework_rate=1 / 3,
                bands=bands("medium", "high", "low", "high"),
            ),
            id="exactly-at-the-rollback",
        ),
    ],
)
def test_a_rollback_at_the_as_of_instant_fails_and_recovers_its_predecessor(
    config: Path, capsys: pytest.CaptureFixture[str], as_of: str, want: dict[str, Any]
) -> None:
    """§2 "facts after it are ignored, as if they had not happened yet" × §6.1 rule 2 (rollback) × §6.2
    recovery "by as_of" × §6 "(as_of − N days, as_of]" × ``--window 180d`` (unconfigured) × ``--team``:

    * As of 02-01 03:00Z, between W1 and its rollback W2 (06:00): 180d = (2025-08-05 03:00, 02-01
      03:00]: W0, W1 → 2, 2/180; lead W1 24.0 (p50 = p90); nothing failed yet → CFR 0/2 = 0.0, rework
      0.0, recovery null; no incident. Bands from 30d = (01-02 03:00, 02-01 03:00]: W0, W1 → 2/30 ≥ 1/30
      → medium; 24 h, not "< 1 day" → high; 0 % → elite; no failure, no restore → null.
    * As of 07:00+01:00 = 06:00Z, W2's instant (the window's end is inclusive): W0, W1, W2 → 3, 3/180; W1
      failed by the rollback → CFR 1/3; recovered at 06:00, "by as_of" → 6.0; W2 rework → 1/3. Bands
      from 30d: W0, W1, W2 → 3/30 = 0.1 → medium; high; 33 % → low; 6 h < 1 day → high."""
    rows = metrics_json(capsys, config, "--as-of", as_of, "--window", "180d", "--team", "web")
    assert_rows(rows, [want])


def test_before_any_fact_every_team_and_the_organisation_have_rows_of_nothing(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 "facts after it are ignored" × §6 "Counts are numbers (0 where there is nothing); a ratio or
    percentile with nothing to measure is null" × docs/metrics.md "Every team owning a repository or a
    collected PagerDuty service gets a row for every window, even with nothing in it" × the organisation
    row: as of 2025-12-01 (a date: its midnight UTC), before W0 and every incident, each of "*", idle,
    sre, unowned and web has a 7d and a 30d row with 0 deployments, frequency 0.0, 0 incidents, every
    ratio, percentile and stage null, and bands low (frequency 0.0 is a number), null, null, null."""
    rows = metrics_json(capsys, config, "--as-of", "2025-12-01")
    as_of = "2025-12-01T00:00:00Z"
    assert_rows(
        rows,
        [
            row(team, window, days, 0, as_of=as_of)
            for team in ("*", "idle", "sre", "unowned", "web")
            for window, days in (("7d", 7), ("30d", 30))
        ],
    )


def test_a_reduced_precision_as_of_sees_a_restore_whose_incident_started_outside_the_window(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 "--as-of … ISO 8601" (``2026-07``, a calendar month: its first midnight, UTC — the reading
    docs/configuration.md gives ``github.since``, "read as … --as-of reads theirs") × ``--window 1d`` ×
    §6.2 restore "over incidents resolved in the window" vs incidents "that started in the window" ×
    §6.3 recovery from the band window's failed deployments. As of 07-01 00:00Z, 1d = (06-30 00:00,
    07-01 00:00]: no deployment, no incident started; PW-1 (06-25 01:00 → 06-30 02:00) resolved in it →
    web's restore 121.0 h (p50 = p90), "*" the same (no other resolution in that day); deployments 0,
    frequency 0.0, CFR, lead, recovery, rework null. Bands from 30d = (06-01, 07-01]:
    web W3, W4 → 2/30 → medium; 13.5 h → elite; 1/2 → low; W3 recovered at PW-1's resolution: 122 h
    < 1 week → medium. "*" the same delivery bands, and recovery medium too."""
    rows = metrics_json(capsys, config, "--as-of", "2026-07", "--window", "1d", "--team", "web")
    as_of = "2026-07-01T00:00:00Z"
    restore = {"time_to_restore_hours_p50": 121.0, "time_to_restore_hours_p90": 121.0}
    assert_rows(
        rows,
        [row("web", "1d", 1, 0, as_of=as_of, bands=bands("medium", "elite", "low", "medium"), **restore)],
    )
    rows = metrics_json(capsys, config, "--as-of", "2026-07", "--window", "1d", "--team", "*")
    assert_rows(
        rows, [row("*", "1d", 1, 0, as_of=as_of, bands=bands("medium", "elite", "low", "medium"), **restore)]
    )


def test_with_a_single_one_day_window_an_incident_opened_days_earlier_still_makes_rework(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§6.2 rework "deployed while an incident of its service was open" × ``metrics.windows: [1d]`` (the
    band window too, §6.3 "or the longest configured") × docs/metrics.md "an incident opened before
    that start may still be open when F is deployed (rework)": the computation starts at the window,
    06-29 00:00, four days after PW-1 opened (06-25 01:00, resolved after A). As of A, 1d = (06-29 00:00,
    A]:

    * web: W4 → 1, 1.0 a day; lead 3.0; CFR 0/1 = 0.0; no recovery, no restore; incidents 0; rework
      1/1 = 1.0 (PW-1 open at 23:00); no PR. Bands from this 1d: 1/day → elite; 3 h → elite; 0 % →
      elite; null (no failure, no restore).
    * sre: PS-3 (06-29 12:00, open) → incidents 1, no restore (PS-2 resolved 06-28); bands low, null,
      null, null. idle, unowned: nothing.
    * "*": W4's numbers, incidents 1 (PS-3), bands elite, elite, elite, null."""
    other = write_config(store.parent / "one-day.yaml", store, "[1d]")
    w4 = {
        "lead_time_hours_p50": 3.0,
        "lead_time_hours_p90": 3.0,
        "change_failure_rate": 0.0,
        "rework_rate": 1.0,
        "bands": bands("elite", "elite", "elite", None),
    }
    assert_rows(
        metrics_json(capsys, other, "--as-of", A_TEXT),
        [
            row("*", "1d", 1, 1, incidents=1, **w4),
            row("idle", "1d", 1, 0),
            row("sre", "1d", 1, 0, incidents=1),
            row("unowned", "1d", 1, 0),
            row("web", "1d", 1, 1, **w4),
        ],
    )


# ------------------------------------------------------ bad values: exit 2, one line, nothing changed


BAD = [
    (("--window", "36501d"), "--window"),
    (("--window", "7"), "--window"),
    (("--window", "-7d"), "--window"),
    (("--window", ""), "--window"),
    (("--window", "30d", "--as-of", "2026-02-30"), "--as-of"),
    (("--as-of", "2026-06-30T00:00:00+24:00"), "--as-of"),
    (("--as-of", "30/06/2026"), "--as-of"),
    (("--team", "", "--window", "7d"), "--team"),
    (("--team", "web ", "--as-of", A_TEXT), "--team"),
    (("--format", "yaml"), "--format"),
]


def test_bad_values_are_one_line_naming_their_option_and_leave_the_store_as_it_was(
    config: Path, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 "Exit status … 2 on a usage or configuration error. Errors are one clear line on stderr
    naming what is wrong" × §9 "changes nothing": after a good run (which fills the analytics' derived
    table, as a user's first run would), each bad value — a window over the 100-year limit
    (docs/configuration.md), without a unit, negative, empty; a date that does not exist, an offset of
    24 h (ISO 8601 offsets stay below it), a day-first date; an empty team or one with a trailing blank
    (compared as written); an unknown format — exits 2 with nothing on stdout and one line on stderr,
    without a traceback, that names the option; and the store is, table for table, what it was."""
    metrics_json(capsys, config, "--as-of", A_TEXT, "--team", "sre")
    before = dump(store)
    for extra, option in BAD:
        status, out, err = run(capsys, "metrics", "--config", str(config), *extra)
        assert (status, out) == (2, ""), (extra, status, out, err)
        assert err.count("\n") == 1 and err.endswith("\n") and "Traceback" not in err, (extra, err)
        assert err.startswith((PREFIX, ARGPARSE_PREFIX)), (extra, err)
        assert option in err, (extra, err)
    assert dump(store) == before
