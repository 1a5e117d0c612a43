"""Audit, round 6: the same numbers and the same order on DuckDB and PostgreSQL where two rules meet
(SPEC: "the store may be DuckDB or PostgreSQL with identical results"; SPEC §6, §6.1, §6.2, §6.4;
docs/metrics.md "Rows are sorted by team ("*" first)", "ordered by deployed_at (then by id)", "the window
rule sweeps each service's deployments and incident starts in time order").

One history, written once per backend (``store_engine``: DuckDB and a real PostgreSQL on loopback), and
once more into a PostgreSQL database created with an ICU ``en-US`` collation (what a user's server with a
linguistic default collation gives), where the server supports it.

Teams and repos whose byte order and linguistic order differ: ``B-team``, ``a-team``, ``_ops``, ``Ärger``,
``zed``, ``Zed``. Code-point order: ``*`` (42) < ``B`` (66) < ``Z`` (90) < ``_`` (95) < ``a`` (97) < ``z``
(122) < ``Ä`` (196); en-US would give ``_ops, a-team, Ärger, B-team, zed, Zed``.

The history (June 2026, as of 06-30 00:00 UTC, window 30d = (05-31, 06-30], attribution 24 h), with
T = 06-10 12:00:00.123456 (microseconds):

* every repo's first deployment on 06-01 (compare ``first``: counts, no lead times);
* acme/B-team and acme/a-team are one service ``shop`` (PagerDuty P1, team ``a-team``'s scope listing
  ``shop``); both deploy at exactly T, B-team shipping a commit authored T − 2 h, a-team a commit
  authored T − 4 h. Incident P1-tie starts T + 1 h (no sha in its text), resolved T + 3 h.
* acme/zed and acme/Zed each deploy at exactly T: zed ships a commit authored 1 µs before T (lead time
  1 µs > 0, kept) and one authored exactly at T (lead 0, dropped, §5.2 "values ≤ 0 are dropped"); Zed
  ships a commit authored T − 1 h.
* acme/Ärger deploys at T + 2 d shipping commit ``ärger-fix`` authored 6 h before. Incident P9-long on
  service P9 (team ``_ops``, no services) starts T + 5 d, resolved T + 5 d 2 h; its description is
  100,000 characters of prose with ``root cause: <first 12 hex of sha(ärger-fix)>`` 30 characters before
  its end (§6.1 explicit: any incident's text naming a change's sha fails its deployment).
* acme/_ops deploys only its first deployment.
"""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import Engine, text

from analytics.metrics import MetricsResult, compute_metrics
from analytics.ownership import PagerDutyScope, RepoScope
from analytics.settings import AnalyticsSettings
from store.engine import open_store
from tests.analytics.facts import AS_OF, Facts, add_incident, at, sha
from tests.analytics.scenario import W30, approx
from tests.postgres import PostgresServer

TEAMS = ("B-team", "a-team", "_ops", "Ärger", "zed", "Zed")
SERVICE = {"B-team": "shop", "a-team": "shop"}
SCOPES = [
    RepoScope(f"acme/{team}", team, "deployments", "production", SERVICE.get(team, f"acme/{team}"))
    for team in TEAMS
]
PAGERDUTY = [PagerDutyScope("P1", "a-team", ("shop",)), PagerDutyScope("P9", "_ops", ())]
T = at(10, 12) + timedelta(microseconds=123456)
HOUR = timedelta(hours=1)
MICRO = timedelta(microseconds=1)
CODE_POINT_ORDER = ["*", "B-team", "Zed", "_ops", "a-team", "zed", "Ärger"]
FILLER = "lorem ipsum dolor sit amet, "


def build(facts: Facts) -> dict[str, int]:
    """Writes the module's history; returns the ids of the deployments at T and of Ärger's."""
    for team in TEAMS:
        facts.deployment(at(1), compare="first", repo=f"acme/{team}", sha=sha(f"first-{team}"))
    ids = {}
    for team, authored in (("B-team", [T - 2 * HOUR]), ("a-team", [T - 4 * HOUR]), ("Zed", [T - HOUR])):
        repo = f"acme/{team}"
        shipped = [facts.commit(sha(f"{team}-{i}"), when, repo=repo) for i, when in enumerate(authored)]
        ids[team] = facts.deployment(T, ships=shipped, repo=repo)
    shipped = [
        facts.commit(sha("zed-0"), T - MICRO, repo="acme/zed"),
        facts.commit(sha("zed-1"), T, repo="acme/zed"),
    ]
    ids["zed"] = facts.deployment(T, ships=shipped, repo="acme/zed")
    fix = facts.commit(sha("ärger-fix"), T + timedelta(days=2) - 6 * HOUR, repo="acme/Ärger")
    ids["Ärger"] = facts.deployment(T + timedelta(days=2), ships=[fix], repo="acme/Ärger")
    add_incident(facts, "P1-tie", T + HOUR, resolved_at=T + 3 * HOUR, service="P1", description="shop down")
    tail = f" root cause: {sha('ärger-fix')[:12]} see the timeline."
    body = FILLER * ((100_000 - len(tail)) // len(FILLER))
    body += "x" * (100_000 - len(tail) - len(body)) + tail
    assert len(body) == 100_000
    add_incident(
        facts,
        "P9-long",
        T + timedelta(days=5),
        resolved_at=T + timedelta(days=5, hours=2),
        service="P9",
        title="slow pages",
        description=body,
    )
    return ids


def compute(engine: Engine) -> MetricsResult:
    settings = AnalyticsSettings(
        windows=(W30,), attribution_window=timedelta(hours=24), benchmarks="dora-2023", rework_labels=()
    )
    return compute_metrics(engine, SCOPES, (W30,), AS_OF, pagerduty_scopes=PAGERDUTY, settings=settings)


def check_result(engine: Engine, ids: dict[str, int]) -> None:
    """The expected numbers, worked out by hand:

    * Order: rows ``*, B-team, Zed, _ops, a-team, zed, Ärger`` (code points, "*" first), whatever the
      database's collation.
    * Window rule tie: P1-tie starts T + 1 h, in (T, T + 24 h] of both shop deployments at T; "F is the
      latest deployment of that service before the incident started" names one deployment. The two are
      at the same instant; the tie is broken as docs/metrics.md orders deployments (instant, then key:
      repo, …) in code points: ``acme/B-team`` < ``acme/a-team``, so a-team's deployment is the latest
      and alone failed by ``window``. Recovery: T + 3 h − T = 3 h.
    * Explicit link through 100 kB: Ärger's deployment at T + 2 d is failed (``explicit``), recovered at
      the incident's resolution T + 5 d 2 h: 3 d 2 h = 74 h.
    * a-team: 2 deployments (06-01, T), 1 failed: CFR 0.5; lead 4 h (p50 = p90); incidents 1 (P1-tie
      counts for a-team, who owns P1); restore 2 h; frequency 2/30.
    * B-team: 2 deployments, none failed: CFR 0.0; lead 2 h; incidents 0, restore null.
    * zed: leads [1 µs] (the T commit's 0 is dropped): p50 = p90 = 1e-6/3600 h; CFR 0.0.
    * Zed: lead 1 h; CFR 0.0.
    * Ärger: 2 deployments, 1 failed: CFR 0.5; lead 6 h; recovery 74 h.
    * _ops: 1 deployment, lead null, CFR 0.0, recovery null; incidents 1 (P9-long); restore 2 h.
    * "*": 11 deployments (6 first + 5 later: _ops has none), 2 failed: CFR 2/11; leads sorted
      [1 µs, 1 h, 2 h, 4 h, 6 h]: p50 = 2 h; p90 rank 0.9 × 4 = 3.6 → 4 + 0.6 × (6 − 4) = 5.2 h;
      recovery [3 h, 74 h] p50 = 38.5 h; incidents 2, restore [2 h, 2 h] p50 = p90 = 2 h.
    """
    result = compute(engine)
    assert [row.team for row in result.rows] == CODE_POINT_ORDER
    failed = {d.deployment_id: (d.repo, d.rules, d.recovered_at) for d in result.failed_deployments()}
    assert failed == {
        ids["a-team"]: ("acme/a-team", ("window",), T + 3 * HOUR),
        ids["Ärger"]: ("acme/Ärger", ("explicit",), T + timedelta(days=5, hours=2)),
    }
    got = {
        row.team: (
            row.deployments,
            row.change_failure_rate,
            row.lead_time_hours_p50,
            row.lead_time_hours_p90,
            row.failed_deployment_recovery_hours_p50,
            row.incidents,
            row.time_to_restore_hours_p50,
        )
        for row in result.rows
    }
    micro_h = 1e-6 / 3600
    expected = {
        "*": (11, approx(2 / 11), approx(2.0), approx(5.2), approx(38.5), 2, approx(2.0)),
        "B-team": (2, 0.0, approx(2.0), approx(2.0), None, 0, None),
        "Zed": (2, 0.0, approx(1.0), approx(1.0), None, 0, None),
        "_ops": (1, 0.0, None, None, None, 1, approx(2.0)),
        "a-team": (2, approx(0.5), approx(4.0), approx(4.0), approx(3.0), 1, approx(2.0)),
        "zed": (2, 0.0, pytest.approx(micro_h, rel=1e-6), pytest.approx(micro_h, rel=1e-6), None, 0, None),
        "Ärger": (2, approx(0.5), approx(6.0), approx(6.0), approx(74.0), 0, None),
    }
    assert got == expected
    freq = {row.team: row.deployment_frequency_per_day for row in result.rows}
    assert freq == {team: approx(n[0] / 30) for team, n in expected.items()}


def test_collation_sensitive_names_ties_and_long_text_give_the_same_rows_on_each_backend(
    store_engine: Engine,
) -> None:
    """See :func:`check_result` for the arithmetic; run on DuckDB and on PostgreSQL."""
    ids = build(Facts(store_engine))
    check_result(store_engine, ids)


def test_postgresql_database_with_an_icu_en_us_collation_orders_and_breaks_ties_as_in_code_points(
    postgres: PostgresServer,
) -> None:
    """The same history and the same numbers in a database whose default collation is ICU en-US: a
    deployment at a user whose server sorts linguistically must not reorder rows nor pick another
    deployment of a tie (docs/operations.md: PostgreSQL runs the same SQL)."""
    name = "icu_en_us_audit6"
    with psycopg.connect(postgres.admin_url, autocommit=True) as conn:
        has_icu = conn.execute("SELECT count(*) FROM pg_collation WHERE collprovider = 'i'").fetchone()[0]
        if not has_icu:
            pytest.skip("the test server has no ICU collations")
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(
            f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
            "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'"
        )
        assert conn.execute("SELECT 'a-team' < 'B-team' COLLATE \"en-US-x-icu\"").fetchone()[0]
    engine = open_store(f"postgresql+psycopg://doraspace@127.0.0.1:{postgres.port}/{name}")
    try:
        with engine.connect() as conn:
            # The database really sorts linguistically: the premise of the test.
            assert conn.execute(text("SELECT 'acme/a-team' < 'acme/B-team'")).scalar() is True
        ids = build(Facts(engine))
        check_result(engine, ids)
    finally:
        engine.dispose()
