"""Several collectors on one PostgreSQL store lose and double nothing (issue 12; docs/operations.md,
"Several collectors on one PostgreSQL").

* Two real ``doraspace collect`` processes, started at the same instant (behind ``collect_gate``) on
  a fresh store, collect overlapping repositories in opposite orders from the loopback GitHub and
  PagerDuty: both succeed, and the store equals, table by table, that of one collect into another
  fresh store; every fact table has as many rows as distinct keys.
* The races the locks exist for, made certain with two connections: the second writer is blocked on
  the first (seen in ``pg_stat_activity``) before the first commits.
* An older read committed after a newer one (on both backends) never undoes it.
* DuckDB: a second process gets one line naming the busy file.

The organisation is the three-team one of ``tests/test_incidents_end_to_end.py``: every deployment
source, incident issues, PagerDuty incidents, a catalog file.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, select, text

from collector.models import (
    CommitFact,
    CompareFact,
    DeploymentFact,
    DeploymentStatusFact,
    IncidentFact,
    PullRequestFact,
)
from collector.writer import write_compares, write_deployments, write_incidents, write_pull_requests
from doraspace.cli import main
from store import schema
from store.engine import open_store
from store.upsert import upsert
from tests.collector.test_github_sync import dump
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator
from tests.postgres import PostgresServer
from tests.test_incidents_end_to_end import build_github, build_pagerduty

GITHUB_TOKEN, PAGERDUTY_TOKEN = "gh-token", "pd-token"
TOKENS = {"CONCURRENT_GH": GITHUB_TOKEN, "CONCURRENT_PD": PAGERDUTY_TOKEN}

# The organisation's repositories, each with its deployment source (YAML list items).
REPOSITORIES = [
    "acme/alpha",
    "{name: acme/beta, deployments: {source: workflow_runs, workflow: deploy.yml}}",
    "{name: acme/gamma-web, deployments: {source: merged_prs}}",
    "{name: acme/gamma-lib, deployments: {source: releases}}",
]


@pytest.fixture(scope="module")
def sources() -> Iterator[tuple[GitHubEmulator, PagerDutyEmulator]]:
    github, pagerduty = GitHubDataset(), PagerDutyDataset()
    build_github(github)
    build_pagerduty(pagerduty)
    with (
        GitHubEmulator(github, token=GITHUB_TOKEN) as gh,
        PagerDutyEmulator(pagerduty, token=PAGERDUTY_TOKEN) as pd,
    ):
        yield gh, pd
        assert gh.errors == []


def write_config(
    path: Path, store_url: str, sources: tuple[GitHubEmulator, PagerDutyEmulator], repositories: list[str]
) -> Path:
    gh, pd = sources
    listed = "".join(f"    - {entry}\n" for entry in repositories)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"database:\n  url: {store_url}\n"
        f"github:\n  base_url: {gh.base_url}\n  token: ${{CONCURRENT_GH}}\n  since: 2026-02-01\n"
        f"  repositories:\n{listed}  incident_labels: [incident]\n"
        f"pagerduty:\n  base_url: {pd.base_url}\n  token: ${{CONCURRENT_PD}}\n  ca_bundle: {pd.ca_file}\n"
        "teams:\n"
        "  - {name: alpha, repositories: [acme/alpha], pagerduty_services: [PA]}\n"
        "  - {name: gamma, repositories: [acme/gamma-web, acme/gamma-lib]}\n"
    )
    return path


def distinct_keys(engine: Engine) -> dict[str, tuple[int, int]]:
    """(rows, distinct primary keys) of every fact table."""
    counts = {}
    with engine.connect() as conn:
        for table in schema.FACT_TABLES:
            rows = conn.execute(select(func.count()).select_from(table)).scalar_one()
            keys = select(*table.primary_key.columns).distinct().subquery()
            counts[table.name] = (rows, conn.execute(select(func.count()).select_from(keys)).scalar_one())
    return counts


def test_two_collectors_started_together_on_a_fresh_store_equal_one_collect(
    postgres: PostgresServer,
    sources: tuple[GitHubEmulator, PagerDutyEmulator],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    began = datetime.now(UTC).replace(microsecond=0)
    shared = postgres.new_database()
    configs = [
        write_config(tmp_path / "a" / "doraspace.yaml", shared, sources, REPOSITORIES),
        write_config(tmp_path / "b" / "doraspace.yaml", shared, sources, REPOSITORIES[::-1]),
    ]
    collectors = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.collector.collect_gate", "collect", "--config", str(config)],
            env={**os.environ, **TOKENS},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for config in configs
    ]
    for collector in collectors:
        assert collector.stdout is not None and collector.stdout.readline() == "ready\n"
    # Both are imported and waiting: open the gate of both at once. Each first migrates the fresh
    # store, then syncs the same repositories from opposite ends of the list.
    for collector in collectors:
        assert collector.stdin is not None
        collector.stdin.write("go\n")
        collector.stdin.flush()
    for collector in collectors:
        _, err = collector.communicate(timeout=120)
        assert collector.returncode == 0, err
        assert "doraspace: error" not in err, err

    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    alone = postgres.new_database()
    assert (
        main(
            [
                "collect",
                "--config",
                str(write_config(tmp_path / "one" / "doraspace.yaml", alone, sources, REPOSITORIES)),
            ]
        )
        == 0
    )

    engines = open_store(shared), open_store(alone)
    try:
        together, expected = (dump(engine) for engine in engines)
        counts, expected_counts = (distinct_keys(engine) for engine in engines)
    finally:
        for engine in engines:
            engine.dispose()
    # Every table the scenario fills is compared (the survey tables have no source here).
    assert {name for name, (rows, _) in expected_counts.items() if rows == 0} == {
        "survey_items",
        "survey_responses",
        "survey_answers",
    }
    # PagerDuty's cursor is the instant its listing reached: the run's own clock.
    for cursors in (together["sync_cursors"], expected["sync_cursors"]):
        for index, (source, stream, scope, value) in enumerate(cursors):
            if source == "pagerduty":
                assert began <= datetime.fromisoformat(value) <= datetime.now(UTC), value
                cursors[index] = (source, stream, scope, "<the run's now>")
    for table in schema.FACT_TABLES:
        rows, keys = counts[table.name]
        assert rows == keys == expected_counts[table.name][0], table.name
        assert together[table.name] == expected[table.name], table.name


# -- the races, one at a time --------------------------------------------------------------------


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def pg_engine(postgres: PostgresServer) -> Iterator[Engine]:
    engine = open_store(postgres.new_database())
    yield engine
    engine.dispose()


def wait_until_blocked(engine: Engine, pid: int) -> None:
    """Until backend ``pid`` waits on a lock (a row's, or an advisory one)."""
    deadline = time.monotonic() + 20
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar()
            conn.rollback()  # a fresh snapshot of pg_stat_activity each time
            if waiting == "Lock":
                return
            time.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited on a lock")


def race(
    engine: Engine,
    first: Callable[[Connection], None],
    second: Callable[[Connection], None],
    then: Callable[[Connection], None] = lambda _: None,
) -> None:
    """``first`` writes in a transaction left open; ``second`` writes in another connection and thread
    until it waits on ``first``; then ``first`` runs ``then`` and commits, and ``second`` finishes."""
    errors: list[BaseException] = []
    pids: list[int] = []
    started = threading.Event()

    def run_second() -> None:
        try:
            with engine.begin() as conn:
                pids.append(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
                started.set()
                second(conn)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            started.set()

    with engine.connect() as conn:
        first(conn)
        thread = threading.Thread(target=run_second)
        thread.start()
        assert started.wait(20)
        if not errors:
            wait_until_blocked(engine, pids[0])
        then(conn)
        conn.commit()
    thread.join(30)
    assert not thread.is_alive()
    assert errors == []


def pull(updated: datetime, labels: tuple[str, ...]) -> PullRequestFact:
    return PullRequestFact(
        repo="acme/orders",
        number=7,
        title="Refunds",
        author="erin",
        state="closed",
        base_ref="main",
        created_at=at(2),
        updated_at=updated,
        merged_at=at(3),
        closed_at=at(3),
        merge_commit_sha="f" * 40,
        labels=labels,
    )


def labels_of(engine: Engine) -> tuple[datetime, list[str]]:
    with engine.connect() as conn:
        updated = conn.execute(select(schema.pull_requests.c.updated_at)).scalar_one()
        labels = conn.execute(select(schema.pull_request_labels.c.label).order_by("label")).scalars().all()
    return updated, list(labels)


def test_a_pull_request_written_by_two_collectors_at_once_keeps_one_reads_labels(pg_engine: Engine) -> None:
    # The first collector read the PR with labels bug and feature; the second read it later, after
    # "feature" was removed. Without the repository lock the second deletes the labels it can see
    # (none yet), then merges its rows into the first's: bug, feature.
    race(
        pg_engine,
        lambda conn: write_pull_requests(conn, [pull(at(4), ("bug", "feature"))]),
        lambda conn: write_pull_requests(conn, [pull(at(5), ("bug",))]),
    )
    assert labels_of(pg_engine) == (at(5).replace(tzinfo=None), ["bug"])


def commit(sha: str) -> CommitFact:
    return CommitFact(sha=sha * 40, parents=(), author_date=at(1), committed_date=None, message=sha)


def compared(commits: str) -> CompareFact:
    return CompareFact(
        repo="acme/orders",
        source="deployments",
        deployment_id=2,
        base_deployment_id=1,
        base_sha="0" * 40,
        head_sha=commits[-1] * 40,
        status="ahead",
        total_commits=len(commits),
        commits=tuple(commit(sha) for sha in commits),
    )


def test_a_compare_written_by_two_collectors_at_once_is_one_of_them(pg_engine: Engine) -> None:
    # Two collectors compared deployment 2 against different bases (one saw a deployment the other
    # had not): the stored commits are the last writer's, not the union of both.
    race(
        pg_engine,
        lambda conn: write_compares(conn, [compared("ab")]),
        lambda conn: write_compares(conn, [compared("c")]),
    )
    with pg_engine.connect() as conn:
        shipped = conn.execute(select(schema.deployment_commits.c.sha)).scalars().all()
    assert shipped == ["c" * 40]


def test_upserts_lock_rows_in_key_order_so_two_writers_never_deadlock(pg_engine: Engine) -> None:
    # The second writer's rows come k2, k1. Locking them in that order, it would hold k2 while waiting
    # for k1, which the first holds and then needs k2 too: PostgreSQL would abort one as a deadlock.
    k1, k2 = commit("1"), commit("2")

    def row(fact: CommitFact, message: str) -> dict[str, object]:
        return {
            "repo": "acme/orders",
            "sha": fact.sha,
            "parent_shas": "",
            "parent_count": 0,
            "author_date": fact.author_date.replace(tzinfo=None),
            "committed_date": None,
            "message": message,
        }

    with pg_engine.begin() as conn:
        upsert(conn, schema.commits, [row(k1, "old"), row(k2, "old")])
    race(
        pg_engine,
        lambda conn: upsert(conn, schema.commits, [row(k1, "first")]),
        lambda conn: upsert(conn, schema.commits, [row(k2, "second"), row(k1, "second")]),
        then=lambda conn: upsert(conn, schema.commits, [row(k2, "first")]),
    )
    with pg_engine.connect() as conn:
        messages = conn.execute(select(schema.commits.c.message).order_by(schema.commits.c.sha)).all()
    assert [message for (message,) in messages] == ["second", "second"]


# -- an older read committed later -------------------------------------------------------------------


def test_an_older_read_committed_later_never_undoes_a_newer_one(store_engine: Engine) -> None:
    pending = DeploymentFact.from_statuses(
        repo="acme/orders",
        deployment_id=4,
        environment="production",
        sha="d" * 40,
        ref="main",
        created_at=at(6, 16),
        statuses=(DeploymentStatusFact(41, "pending", at(6, 16)),),
    )
    succeeded = replace(
        pending,
        deployed_at=at(6, 17),
        last_state="success",
        statuses=(*pending.statuses, DeploymentStatusFact(42, "success", at(6, 17))),
    )
    open_incident = IncidentFact(
        source="pagerduty",
        incident_id="PA-1",
        service="PA",
        title="Checkout latency",
        description=None,
        urgency="high",
        status="triggered",
        started_at=at(4, 2),
        resolved_at=None,
        updated_at=at(4, 2),
    )
    resolved = replace(open_incident, status="resolved", resolved_at=at(4, 5), updated_at=at(4, 5))
    with store_engine.begin() as conn:  # the collector that read last commits first
        write_deployments(conn, [succeeded])
        write_pull_requests(conn, [pull(at(5), ("bug",))])
        write_incidents(conn, [resolved])
    with store_engine.begin() as conn:
        write_deployments(conn, [pending])
        stale_pulls = write_pull_requests(conn, [pull(at(4), ("bug", "feature"))])
        write_incidents(conn, [open_incident])
    with store_engine.connect() as conn:
        deployment = conn.execute(select(schema.deployments)).one()
        statuses = conn.execute(select(schema.deployment_statuses.c.status_id)).scalars().all()
        incident = conn.execute(select(schema.incidents)).one()
    assert (deployment.deployed_at, deployment.last_state) == (at(6, 17).replace(tzinfo=None), "success")
    assert sorted(statuses) == [41, 42]
    assert labels_of(store_engine) == (at(5).replace(tzinfo=None), ["bug"])
    assert stale_pulls == 0
    assert (incident.status, incident.resolved_at) == ("resolved", at(4, 5).replace(tzinfo=None))
    # A newer read still replaces an older one.
    with store_engine.begin() as conn:
        assert write_pull_requests(conn, [pull(at(6), ())]) == 1
    assert labels_of(store_engine) == (at(6).replace(tzinfo=None), [])


# -- DuckDB: one process per file ------------------------------------------------------------------

HOLD = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()"


def test_a_second_collector_on_a_duckdb_file_in_use_gets_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "store.duckdb"
    open_store(f"duckdb:///{path}").dispose()
    config = tmp_path / "doraspace.yaml"
    config.write_text(
        f"database:\n  url: duckdb:///{path}\ngithub:\n  token: ${{CONCURRENT_GH}}\n"
        "  repositories: [acme/alpha]\n"
    )
    monkeypatch.setenv("CONCURRENT_GH", GITHUB_TOKEN)
    # The CLI waits 30 s for the file; the same wait, shortened.
    monkeypatch.setattr("doraspace.cli.open_store", functools.partial(open_store, lock_timeout=0.2))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert main(["collect", "--source", "github", "--config", str(config)]) == 1
    finally:
        holder.communicate(timeout=10)
    err = capsys.readouterr().err
    assert err == (
        f"doraspace: error: database.url: the store 'duckdb:///{path}' is in use by another doraspace "
        "process (waited 0 s)\n"
    )
