"""Audit round 8: the ``doraspace collect`` command's options and outputs meeting each other.

SPEC §2 (``collect [--source github|pagerduty|all] [--since DATE]``, exit status 0/1/2, one clear line
on stderr), §3 (a command that needs a missing section says so; an unset variable is a configuration
error when the command uses its key; tokens never logged), §9 (a repository that is gone (404) is
skipped with a warning; bad credentials stop with a clear error; a bad config changes nothing), and
docs/operations.md (a configured repository is collected under GitHub's spelling, once, even when its
organisation is discovered too; ``--log-format json`` for JSON log lines).

The organisation (emulated GitHub and PagerDuty, March 2026 UTC, ``at(day, hour)``; every sync runs
"now" = 03-20 00:00 and metrics are read ``--as-of`` 03-20 00:00, window 30d = (02-18, 03-20]):

* acme/orders, listed as ``ACME/Orders`` in ``github.repositories`` and as ``Acme/ORDERS`` in the
  ``teams:`` entry of ``orders-team`` (with PagerDuty service PORD). Its catalog-info.yaml gives it to
  ``group:cat-team`` with service PCAT, but ``catalog.discover`` is false: never read.
  O0 c0 (authored 01 00:00) deployed 01 06:00 — before ``github.since`` 03-03, reached only by a
  ``--since 2026-03-01`` backfill; O1 c1 (03 08:00) deployed 03 10:00; O2 a failed attempt of s2
  (04 09:00, a ``failure`` status only); PR #1 (alice, p1 authored 04 06:00, opened 07:00, no review)
  squash-merged 04 08:00 as s2; O3 deploys s2 at 04 12:00.
* acme/payments, not listed: discovered through ``organizations: [ACME]`` (GitHub's org is ``acme``),
  owned by nobody (team ``unowned``). P0 q0 deployed 03 06:00; P1 q1 (05 08:00) deployed 05 09:00;
  issue #1 labelled ``incident`` opened 05 10:00, closed 12:00.
* acme/gone, listed as ``acme/gone``: deleted on GitHub, every request answers 404.
* PagerDuty: PORD-0 02 01:00 → 02:00 (before since: backfill only); PORD-1 04 13:00 → 15:00; PORD-2
  05 00:00, still triggered; PCAT-1 04 13:00 → 15:00 on the catalog's service (never collected: no
  ownership names it with discovery off, and it is not in ``service_ids``).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from doraspace.cli import main
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator

GH_TOKEN = "ghp_round8CollectCli0123456789abcdef"
PD_TOKEN = "pdRound8CollectCli9876543210"
GH_VAR, PD_VAR = "R8_COLLECT_GH", "R8_COLLECT_PD"
AS_OF = "2026-03-20T00:00:00Z"

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders-svc
  annotations:
    pagerduty.com/service-id: PCAT
spec:
  type: service
  owner: group:cat-team
"""

GITHUB_SUMMARY = re.compile(
    r"github: (?P<repositories>\d+) repositories, (?P<deployments>\d+) deployments updated, "
    r"(?P<compares>\d+) compares, (?P<pulls>\d+) pull requests updated, (?P<issues>\d+) incident issues "
    r"updated, (?P<requests>\d+) requests, (?P<queries>\d+) GraphQL queries \((?P<points>\d+) points\)"
)
PAGERDUTY_SUMMARY = re.compile(
    r"pagerduty: (?P<services>\d+) services, (?P<incidents>\d+) incidents updated "
    r"\((?P<resolved>\d+) newly resolved\), (?P<requests>\d+) requests"
)


def at(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 3, day, tzinfo=UTC) + timedelta(hours=hour)


NOW = at(20)


# ------------------------------------------------------------------------------------ the world


def build_github(dataset: GitHubDataset) -> None:
    orders = dataset.add_repo("acme/orders")
    orders.files["catalog-info.yaml"] = CATALOG
    c0 = orders.commit("root", author_date=at(1))
    orders.deployment(c0, created_at=at(1, 6))  # O0
    c1 = orders.commit("c1", parents=[c0], author_date=at(3, 8))
    orders.deployment(c1, created_at=at(3, 10))  # O1
    p1 = orders.commit("p1", parents=[c1], author_date=at(4, 6), author_login="alice", branch="pr-1")
    s2 = orders.squash_merge([p1], c1, "Checkout (#1)", at(4, 8))
    orders.pull(
        number=1,
        title="Checkout",
        author="alice",
        created_at=at(4, 7),
        commits=[p1],
        merged_at=at(4, 8),
        merge_commit_sha=s2,
    )
    orders.deployment(s2, created_at=at(4, 9), statuses=[("failure", at(4, 9.1))])  # O2, an attempt
    orders.deployment(s2, created_at=at(4, 12))  # O3

    payments = dataset.add_repo("acme/payments")
    q0 = payments.commit("root", author_date=at(1))
    payments.deployment(q0, created_at=at(3, 6))  # P0
    q1 = payments.commit("q1", parents=[q0], author_date=at(5, 8))
    payments.deployment(q1, created_at=at(5, 9))  # P1
    payments.issue(title="Payments outage", created_at=at(5, 10), closed_at=at(5, 12), labels=["incident"])

    gone = dataset.add_repo("acme/gone")
    gone.deployment(gone.commit("root", author_date=at(1)), created_at=at(2))
    dataset.remove_repo("acme/gone")


def build_pagerduty(dataset: PagerDutyDataset) -> None:
    dataset.add_incident("PORD-0", "PORD", "Old outage", at(2, 1), resolved_at=at(2, 2))
    dataset.add_incident("PORD-1", "PORD", "Checkout slow", at(4, 13), resolved_at=at(4, 15))
    dataset.add_incident("PORD-2", "PORD", "Orders queue", at(5), status="triggered")
    dataset.add_incident("PCAT-1", "PCAT", "Catalog's service", at(4, 13), resolved_at=at(4, 15))


@dataclass
class World:
    directory: Path
    github: GitHubEmulator
    pagerduty: PagerDutyEmulator

    @property
    def store(self) -> Path:
        return self.directory / "store.duckdb"

    def config(self, *, since: str = "2026-03-03", pagerduty: bool = True) -> Path:
        """``doraspace.yaml`` in the folder: the module's configuration (without ``pagerduty:`` when
        ``pagerduty`` is false)."""
        text = (
            f"database:\n  url: duckdb:///{self.store}\n"
            f"github:\n  base_url: {self.github.base_url}\n  token: ${{{GH_VAR}}}\n  since: {since}\n"
            "  organizations: [ACME]\n  repositories: [ACME/Orders, acme/gone]\n"
        )
        if pagerduty:
            text += (
                f"pagerduty:\n  base_url: {self.pagerduty.base_url}\n  token: ${{{PD_VAR}}}\n"
                f"  ca_bundle: {self.pagerduty.ca_file}\n"
            )
        text += (
            "catalog: {discover: false}\n"
            "incidents: {attribution_window: 24h}\n"
            "metrics: {windows: [30d]}\n"
            "teams:\n  - {name: orders-team, repositories: [Acme/ORDERS], pagerduty_services: [PORD]}\n"
        )
        path = self.directory / "doraspace.yaml"
        path.write_text(text)
        return path


def emulators() -> tuple[GitHubEmulator, PagerDutyEmulator]:
    """Both emulators serving a freshly built world (not started)."""
    github, pagerduty = GitHubDataset(), PagerDutyDataset()
    build_github(github)
    build_pagerduty(pagerduty)
    return GitHubEmulator(github, token=GH_TOKEN), PagerDutyEmulator(pagerduty, token=PD_TOKEN)


@dataclass
class First:
    """The first ``collect`` (``--source all``) of the world on a fresh store, run once for the module:
    its stderr and what each emulator had answered by its end."""

    world: World
    err: str
    github_requests: int
    graphql_queries: int
    graphql_points: int
    pagerduty_requests: int


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Iterator[First]:
    gh, pd = emulators()
    with gh, pd, pytest.MonkeyPatch.context() as patch:
        patch.setenv(GH_VAR, GH_TOKEN)
        patch.setenv(PD_VAR, PD_TOKEN)
        world = World(tmp_path_factory.mktemp("first"), gh, pd)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["collect", "--config", str(world.config())], now=NOW)
        assert (status, out.getvalue()) == (0, ""), err.getvalue()
        yield First(world, err.getvalue(), len(gh.requests), gh.graphql_queries, gh.graphql_points,
                    len(pd.requests))  # fmt: skip


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv(GH_VAR, GH_TOKEN)
    monkeypatch.setenv(PD_VAR, PD_TOKEN)
    return monkeypatch


@pytest.fixture
def after_first(first: First, tmp_path: Path, tokens: pytest.MonkeyPatch) -> World:
    """A copy of the store of the first collect, in this test's folder, behind the module's (unchanged)
    emulators."""
    for source in first.world.directory.glob("store.duckdb*"):
        shutil.copy(source, tmp_path / source.name)
    return World(tmp_path, first.world.github, first.world.pagerduty)


@pytest.fixture
def fresh(first: First, tmp_path: Path, tokens: pytest.MonkeyPatch) -> World:
    """No store yet, behind the module's (unchanged) emulators."""
    return World(tmp_path, first.world.github, first.world.pagerduty)


@pytest.fixture
def own(tmp_path: Path, tokens: pytest.MonkeyPatch) -> Iterator[World]:
    """Emulators of this test only (it changes what they serve); no store yet."""
    gh, pd = emulators()
    with gh, pd:
        yield World(tmp_path, gh, pd)


# ------------------------------------------------------------------------------------------ helpers


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``doraspace ARGS`` in this process at NOW: exit status (argparse's too), stdout, stderr."""
    capsys.readouterr()
    try:
        status = main(list(args), now=NOW)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def one_line(err: str) -> bool:
    """SPEC §2: "one clear line on stderr", no Python traceback."""
    return err.count("\n") == 1 and err.endswith("\n") and "Traceback" not in err


def summary(err: str, pattern: re.Pattern[str]) -> dict[str, int] | None:
    lines = [line for line in err.splitlines() if pattern.fullmatch(line)]
    assert len(lines) <= 1, err
    match = pattern.fullmatch(lines[0]) if lines else None
    return None if match is None else {key: int(value) for key, value in match.groupdict().items()}


def warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning:")]


def query(store: Path, *sql: str) -> list[list[tuple[Any, ...]]]:
    """The rows of each statement, read over one connection (each open of the file costs ~30 ms)."""
    connection = duckdb.connect(str(store), read_only=True)
    try:
        return [connection.execute(statement).fetchall() for statement in sql]
    finally:
        connection.close()


def rows_of(store: Path, sql: str) -> list[tuple[Any, ...]]:
    return query(store, sql)[0]


def count(store: Path, table: str, where: str = "true") -> int:
    return int(rows_of(store, f"select count(*) from {table} where {where}")[0][0])  # noqa: S608


def dump(store: Path) -> dict[str, list[str]]:
    """Every table of the store, rows as sorted text: equal dumps mean an unchanged store."""
    tables = sorted(row[0] for row in rows_of(store, "select table_name from information_schema.tables"))
    contents = query(store, *(f'select * from "{table}"' for table in tables))  # noqa: S608
    return {table: sorted(repr(row) for row in rows) for table, rows in zip(tables, contents, strict=True)}


def metrics(capsys: pytest.CaptureFixture[str], config: Path) -> dict[str, dict[str, Any]]:
    status, out, err = run(capsys, "metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF)
    assert status == 0, err
    return {row["team"]: row for row in json.loads(out)}


def numbers(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["deployments"],
        row["incidents"],
        row["lead_time_hours_p50"],
        row["change_failure_rate"],
        row["failed_deployment_recovery_hours_p50"],
    )


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-12)


# ------------------------------------------------------------------- summary, 404, case, discovery


def test_first_collect_summary_equals_the_store_with_a_gone_repo_a_case_overlap_and_discovery_off(
    first: First, after_first: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """One ``collect`` (``--source all``) on a fresh store, github.since 03-03.

    Rules met: §9 a gone repository (acme/gone, 404) is skipped with a warning and the sync goes on
    (exit 0); docs "collected under GitHub's spelling … once, even when its organisation is discovered
    too" (``ACME/Orders`` listed, ``ACME`` discovered → acme/orders and acme/payments: 2 repositories,
    not 3); ``catalog.discover: false`` (no catalog-info.yaml asked, no component stored, PCAT not
    collected); §4 the PagerDuty services collected are the ownership map's: PORD only (1 service).

    Summary by hand, each equal to the rows the store holds:
    * deployments since 03-03: O1, O2 (failed attempt, stored with no deployed_at), O3, P0, P1 → 5;
    * compares: O1 first, O3 vs O1 (the attempt O2 has none), P0 first, P1 vs P0 → 4;
    * pull requests: #1 → 1; incident issues: payments #1 → 1;
    * PagerDuty: PORD-1 (resolved) and PORD-2 (open) → 2 incidents, none newly resolved (a first read);
    * requests: what the emulators answered during the run (REST requests + GraphQL queries).

    Metrics (30d): orders-team O1 (first: no lead), O3 (s2 from PR #1, first commit 04 06:00: 6 h);
    PORD-1 (04 13:00) and PORD-2 (05 00:00) both start within 24 h after O3 (04 12:00), its latest
    deployment: O3 failed (rule 4), CFR 1/2, recovery 15:00 − 12:00 = 3 h; incidents 2. unowned P0
    (first), P1 (1 h); issue 05 10:00 within 24 h after P1: P1 failed, 1/2, recovery 12:00 − 09:00 =
    3 h; incidents 1. "*": 4 deployments, leads 1, 6 → p50 3.5; 2/4; recovery 3, 3 → 3; incidents 3."""
    err = first.err
    assert len(warnings(err)) == 1 and "acme/gone" in warnings(err)[0].lower(), err
    assert "skipped" in warnings(err)[0] and "Traceback" not in err
    assert summary(err, GITHUB_SUMMARY) == {
        "repositories": 2,
        "deployments": 5,
        "compares": 4,
        "pulls": 1,
        "issues": 1,
        "requests": first.github_requests - first.graphql_queries,
        "queries": first.graphql_queries,
        "points": first.graphql_points,
    }, err
    assert summary(err, PAGERDUTY_SUMMARY) == {
        "services": 1,
        "incidents": 2,
        "resolved": 0,
        "requests": first.pagerduty_requests,
    }, err
    requested = [r.path for r in first.world.github.requests[: first.github_requests]]
    assert not [path for path in requested if "catalog-info" in path or "/contents" in path]

    store = after_first.store
    assert query(
        store,
        "select full_name from repositories order by 1",
        "select count(*), count(deployed_at) from deployments",
        "select count(*) from deployment_compares",
        "select count(*) from pull_requests",
        "select source, incident_id from incidents order by 1, 2",
        "select count(*) from catalog_components",
    ) == [
        [("acme/orders",), ("acme/payments",)],
        [(5, 4)],
        [(4,)],
        [(1,)],
        [("github", "acme/payments#1"), ("pagerduty", "PORD-1"), ("pagerduty", "PORD-2")],
        [(0,)],
    ]

    rows = metrics(capsys, after_first.config())
    assert sorted(rows) == ["*", "orders-team", "unowned"]
    assert numbers(rows["orders-team"]) == (2, 2, approx(6.0), approx(0.5), approx(3.0))
    assert numbers(rows["unowned"]) == (2, 1, approx(1.0), approx(0.5), approx(3.0))
    assert numbers(rows["*"]) == (4, 3, approx(3.5), approx(0.5), approx(3.0))


def test_second_collect_after_the_listed_repo_is_deleted_and_an_incident_resolved(
    own: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first collect as above; then on GitHub acme/orders is deleted (listed as ``ACME/Orders``) and
    P2 (q2 authored 06 08:00) deployed at 06 10:00; on PagerDuty PORD-2 is resolved at 05 04:00.

    Rules met: §9 a listed repository gone (404) is skipped with a warning naming it, exit 0, and the
    sync goes on; its stored facts stay (nothing in SPEC or docs says a gone repository loses its
    history; docs: a deleted deployment keeps its stored row); §5.4 unresolved incidents are re-read
    until resolved — PORD-2 is read again though its team's repository is gone (PORD stays
    orders-team's by ``teams:``).

    Second summary by hand: 1 repository (payments); 1 deployment (P2), 1 compare (P2 vs P1), no pull
    request, the incident issue unchanged (0); PagerDuty: 1 service, PORD-2 read again and newly
    resolved (1 updated, 1 newly resolved; PORD-1 is not listed again). Store: acme/orders keeps its 3 rows
    (O1, O2, O3), acme/payments 3 (P0, P1, P2); PORD-2 resolved at 05 04:00."""
    config = own.config()
    assert run(capsys, "collect", "--config", str(config))[0] == 0
    own.github.dataset.remove_repo("acme/orders")
    payments = own.github.dataset.find_repo("acme/payments")
    assert payments is not None
    q2 = payments.commit("q2", parents=[payments.resolve("main") or ""], author_date=at(6, 8))
    payments.deployment(q2, created_at=at(6, 10))
    own.pagerduty.dataset.resolve("PORD-2", at(5, 4))

    status, out, err = run(capsys, "collect", "--config", str(config))
    assert (status, out) == (0, ""), err
    gone = sorted(line.lower() for line in warnings(err))
    assert len(gone) == 2 and "acme/gone" in gone[0] and "acme/orders" in gone[1], err
    github = summary(err, GITHUB_SUMMARY)
    assert github is not None, err
    counted = {key: value for key, value in github.items() if key not in ("requests", "queries", "points")}
    assert counted == {"repositories": 1, "deployments": 1, "compares": 1, "pulls": 0, "issues": 0}, err
    pagerduty = summary(err, PAGERDUTY_SUMMARY)
    assert pagerduty is not None, err
    assert (pagerduty["services"], pagerduty["incidents"], pagerduty["resolved"]) == (1, 1, 1), err
    assert query(
        own.store,
        "select repo, count(*) from deployments group by repo order by repo",
        "select resolved_at from incidents where incident_id = 'PORD-2'",
    ) == [[("acme/orders", 3), ("acme/payments", 3)], [(datetime(2026, 3, 5, 4),)]]


# ------------------------------------------------------------------------------ --source × --since


def test_each_source_backfilled_on_its_own_touches_only_its_own_service_and_facts(
    after_first: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """After the first collect (since 03-03): ``collect --source pagerduty --since 2026-03-01``, then
    ``collect --source github --since 2026-03-01``.

    Rules met: §2 ``--source`` picks the source synced (the other emulator gets no request, the other
    source's tables are unchanged) × ``--since`` backfills from that date (the earlier facts arrive)
    × ownership from the store and ``teams:`` (the PagerDuty backfill still collects PORD only).

    1. PagerDuty backfill: PORD-0 (02 01:00) is stored; GitHub is not asked; GitHub facts unchanged.
       Summary: 1 service.
    2. GitHub backfill: O0 (01 06:00) is stored, O1's compare becomes O0...O1 (c1 03 08:00 → 10:00:
       2 h); PagerDuty is not asked; incidents unchanged.
    Metrics: orders-team O0, O1, O3 → 3 deployments; leads 2, 6 → p50 4. PORD-0 (02 01:00) is within
    24 h after O0 (01 06:00), its latest deployment: O0 failed, recovered 02 02:00 − 01 06:00 = 20 h;
    O3 failed as before (3 h): CFR 2/3, recovery p50 over 3, 20 = 11.5; incidents 3."""
    world, config = after_first, after_first.config()
    github_requests, pagerduty_requests = len(world.github.requests), len(world.pagerduty.requests)
    before = dump(world.store)
    status, out, err = run(
        capsys, "collect", "--config", str(config), "--source", "pagerduty", "--since", "2026-03-01"
    )
    assert (status, out) == (0, ""), err
    assert len(world.github.requests) == github_requests
    assert summary(err, GITHUB_SUMMARY) is None
    pagerduty = summary(err, PAGERDUTY_SUMMARY)
    assert pagerduty is not None and pagerduty["services"] == 1, err
    assert pagerduty["requests"] == len(world.pagerduty.requests) - pagerduty_requests
    after = dump(world.store)
    for table in ("repositories", "deployments", "deployment_compares", "pull_requests"):
        assert after[table] == before[table], table
    assert rows_of(
        world.store, "select incident_id from incidents where source = 'pagerduty' order by 1"
    ) == [
        ("PORD-0",),
        ("PORD-1",),
        ("PORD-2",),
    ]

    pagerduty_requests = len(world.pagerduty.requests)
    status, out, err = run(
        capsys, "collect", "--config", str(config), "--source", "github", "--since", "2026-03-01"
    )
    assert (status, out) == (0, ""), err
    assert len(world.pagerduty.requests) == pagerduty_requests
    assert summary(err, PAGERDUTY_SUMMARY) is None and summary(err, GITHUB_SUMMARY) is not None
    final = dump(world.store)
    assert final["incidents"] == after["incidents"]
    assert len(final["deployments"]) == 6

    orders = metrics(capsys, config)["orders-team"]
    assert numbers(orders) == (3, 3, approx(4.0), approx(2 / 3), approx(11.5))


def test_a_first_collect_with_a_later_since_still_reaches_back_to_github_since(
    fresh: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """github.since 03-01, and the store's first sync is ``collect --since 2026-03-04``, then a plain
    ``collect``.

    §3: github.since is "how far back the first sync reaches"; §2: "--since backfills from that date".
    Here the two meet with --since *later* than github.since. Read as this run's lower bound, the
    next incremental sync would resume from its cursors and O0, O1, P0 and PORD-0 (inside github.since)
    would never be collected, where one plain collect stores them. docs/operations.md decides it: a
    backfill never reaches less far back than since. So the store holds what one plain collect from
    03-01 gives: O0 (01 06:00), O1 (03 10:00), O3 (04 12:00); P0 (03 06:00), P1 (05 09:00); the failed
    attempt O2 has no deployed_at; PORD-0, PORD-1, PORD-2."""
    config = fresh.config(since="2026-03-01")
    assert run(capsys, "collect", "--config", str(config), "--since", "2026-03-04")[0] == 0
    status, _, err = run(capsys, "collect", "--config", str(config))
    assert status == 0, err
    assert query(
        fresh.store,
        "select repo, deployed_at from deployments where deployed_at is not null order by 1, 2",
        "select incident_id from incidents where source = 'pagerduty' order by 1",
    ) == [
        [
            ("acme/orders", datetime(2026, 3, 1, 6)),
            ("acme/orders", datetime(2026, 3, 3, 10)),
            ("acme/orders", datetime(2026, 3, 4, 12)),
            ("acme/payments", datetime(2026, 3, 3, 6)),
            ("acme/payments", datetime(2026, 3, 5, 9)),
        ],
        [("PORD-0",), ("PORD-1",), ("PORD-2",)],
    ]


# ---------------------------------------------------------------------- tokens and missing sections


def test_each_source_needs_only_its_own_token(
    fresh: World, tokens: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """§3: "an unset variable is a configuration error when the command uses its key".

    1. $R8_COLLECT_GH unset, ``--source pagerduty`` on a fresh store: the command does not use
       github.token → exit 0; GitHub is not asked; PORD (named by ``teams:``, no repository collected
       yet) is synced: PORD-1 and PORD-2 stored; summary 1 service, 2 incidents.
    2. $R8_COLLECT_PD unset, ``--source github``: exit 0; PagerDuty not asked; 2 repositories.
    3. $R8_COLLECT_GH unset again, ``--source all`` (which uses both keys): exit 2, one line naming
       github.token and the variable, no value; neither emulator asked; the store unchanged (§9)."""
    config = fresh.config()
    github_requests, pagerduty_requests = len(fresh.github.requests), len(fresh.pagerduty.requests)
    tokens.delenv(GH_VAR)
    status, out, err = run(capsys, "collect", "--config", str(config), "--source", "pagerduty")
    assert (status, out) == (0, ""), err
    assert len(fresh.github.requests) == github_requests
    assert summary(err, PAGERDUTY_SUMMARY) == {
        "services": 1,
        "incidents": 2,
        "resolved": 0,
        "requests": len(fresh.pagerduty.requests) - pagerduty_requests,
    }, err
    assert query(fresh.store, "select count(*) from incidents", "select count(*) from repositories") == [
        [(2,)],
        [(0,)],
    ]

    tokens.setenv(GH_VAR, GH_TOKEN)
    tokens.delenv(PD_VAR)
    pagerduty_requests = len(fresh.pagerduty.requests)
    status, out, err = run(capsys, "collect", "--config", str(config), "--source", "github")
    assert (status, out) == (0, ""), err
    assert len(fresh.pagerduty.requests) == pagerduty_requests
    github = summary(err, GITHUB_SUMMARY)
    assert github is not None and github["repositories"] == 2

    tokens.setenv(PD_VAR, PD_TOKEN)
    tokens.delenv(GH_VAR)
    before, github_requests = dump(fresh.store), len(fresh.github.requests)
    status, out, err = run(capsys, "collect", "--config", str(config))
    assert (status, out) == (2, ""), err
    assert one_line(err) and "github.token" in err and GH_VAR in err, err
    assert GH_TOKEN not in err and PD_TOKEN not in err
    assert len(fresh.github.requests) == github_requests
    assert len(fresh.pagerduty.requests) == pagerduty_requests
    assert dump(fresh.store) == before


def test_rejected_tokens_stop_with_one_line_and_leave_the_store_as_it_was(
    after_first: World, tokens: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """§9 "stops on bad credentials (401) with a clear error", "The same for PagerDuty"; §2 exit 1 on a
    runtime failure, one line; §3 the token is never shown. After the first collect:

    * a wrong GitHub token, ``--source all``: exit 1, one line naming github.token; GitHub stops the
      run before PagerDuty is asked; the store is as it was;
    * a wrong PagerDuty token, ``--source pagerduty``: exit 1, one line naming pagerduty.token."""
    world, config = after_first, after_first.config()
    before, pagerduty_requests = dump(world.store), len(world.pagerduty.requests)
    wrong_github, wrong_pagerduty = "ghp_wrongRound8Token000111222", "pdWrongRound8Token333444"
    tokens.setenv(GH_VAR, wrong_github)
    status, out, err = run(capsys, "collect", "--config", str(config))
    assert (status, out) == (1, "") and one_line(err), err
    assert "github.token" in err and "401" in err and wrong_github not in err and GH_TOKEN not in err
    assert len(world.pagerduty.requests) == pagerduty_requests
    assert dump(world.store) == before

    tokens.setenv(GH_VAR, GH_TOKEN)
    tokens.setenv(PD_VAR, wrong_pagerduty)
    status, out, err = run(capsys, "collect", "--config", str(config), "--source", "pagerduty")
    assert (status, out) == (1, "") and one_line(err), err
    assert "pagerduty.token" in err and "401" in err and wrong_pagerduty not in err
    assert dump(world.store) == before


def test_pagerduty_asked_for_without_its_section_on_a_store_with_data(
    after_first: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """§3 "a command that needs a missing section (e.g. collect without github:) says so" × §9 "changes
    nothing" × ``--since``: the config has github: but no pagerduty: (its team still names PORD).

    ``collect --source pagerduty --since 2026-03-01`` → exit 2, one line naming pagerduty and the file;
    no request to either emulator; the store is as it was (no GitHub backfill either). Then a plain
    ``collect`` (``--source all``) syncs whichever section exists: exit 0, the GitHub summary only, no
    PagerDuty request."""
    world, config = after_first, after_first.config(pagerduty=False)
    before = dump(world.store)
    github_requests, pagerduty_requests = len(world.github.requests), len(world.pagerduty.requests)
    status, out, err = run(
        capsys, "collect", "--config", str(config), "--source", "pagerduty", "--since", "2026-03-01"
    )
    assert (status, out) == (2, ""), err
    assert one_line(err) and "pagerduty" in err and str(config) in err, err
    assert len(world.github.requests) == github_requests
    assert dump(world.store) == before

    status, out, err = run(capsys, "collect", "--config", str(config))
    assert (status, out) == (0, ""), err
    assert summary(err, GITHUB_SUMMARY) is not None and summary(err, PAGERDUTY_SUMMARY) is None
    assert len(world.pagerduty.requests) == pagerduty_requests


def test_pagerduty_asked_for_without_its_section_creates_no_store(
    fresh: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """§9 "A bad config … is reported with its location and changes nothing" (§3: a command that needs
    a missing section says so), on a first run: exit 2, one line — and no database left behind, as for
    an unset token (tests/test_audit_cli_contract.py, ``…_creates_no_store``). The product opens (creates
    and migrates) the DuckDB file before it looks for the section (doraspace/cli.py cmd_collect:
    ``open_store`` precedes the section check in doraspace/collect.py collect)."""
    config = fresh.config(pagerduty=False)
    status, out, err = run(capsys, "collect", "--config", str(config), "--source", "pagerduty")
    assert (status, out) == (2, "") and one_line(err) and "pagerduty" in err, err
    assert not fresh.store.exists()


# ------------------------------------------------------------------------------- --log-format json


@dataclass
class JsonRun:
    status: int
    out: str
    err: str


@pytest.fixture(scope="module")
def json_run(first: First, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JsonRun]:
    """``collect --log-format json`` on a fresh store behind the module's emulators, once for the
    module, so the 404 warning, the progress lines and both summaries are written. ``main`` configures
    the logging as the console script does (``configure_logging``: a root handler on stderr), which
    it only can when the root logger has no handler yet: pytest's own capture handlers are set aside
    for the run and put back after it (a child process would cost a second of imports)."""
    world = World(tmp_path_factory.mktemp("json-log"), first.world.github, first.world.pagerduty)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    out, err = io.StringIO(), io.StringIO()
    try:
        root.handlers = []
        with (
            pytest.MonkeyPatch.context() as patch,
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            patch.setenv(GH_VAR, GH_TOKEN)
            patch.setenv(PD_VAR, PD_TOKEN)
            status = main(["collect", "--config", str(world.config()), "--log-format", "json"], now=NOW)
    finally:
        root.handlers = handlers
        root.setLevel(level)
    yield JsonRun(status, out.getvalue(), err.getvalue())


def test_json_log_lines_carry_the_warning_and_progress_and_never_a_token(
    json_run: JsonRun,
) -> None:
    """``--log-format json`` × a gone repository × §3 "secrets are never logged": the JSON lines parse,
    carry time/level/logger/message; the 404 warning is one of them at level warning, naming acme/gone;
    the progress lines name GitHub's spellings (acme/orders, acme/payments: 1/2, 2/2 — the listed
    ``ACME/Orders`` once); no output holds either token or a part of it."""
    assert (json_run.status, json_run.out) == (0, ""), json_run.err
    records = [json.loads(line) for line in json_run.err.splitlines() if line.startswith("{")]
    assert records and all({"time", "level", "logger", "message"} <= set(record) for record in records)
    warned = [r for r in records if r["level"] == "warning"]
    assert len(warned) == 1 and "acme/gone" in warned[0]["message"], warned
    progress = [(r["repository"], r["index"], r["total"]) for r in records if r.get("source") == "github"]
    assert progress == [("acme/orders", 1, 2), ("acme/payments", 2, 2)]
    everything = json_run.out + json_run.err
    for token in (GH_TOKEN, PD_TOKEN, GH_TOKEN[4:20], PD_TOKEN[2:18]):
        assert token not in everything


def test_every_stderr_line_of_a_json_log_run_is_json(json_run: JsonRun) -> None:
    """``--log-format json`` is documented as "json lines, for daemons" (``collect --help``), and
    docs/operations.md: "Run the daemon with --log-format json for JSON log lines". A log shipper reads
    stderr line by line; the run above ends with three lines that are not JSON: ``warning: repository
    acme/gone skipped: …`` (a second copy of the warning the JSON lines already carry) and the
    ``github: …`` and ``pagerduty: …`` summaries (doraspace/cli.py cmd_collect prints them)."""
    lines = json_run.err.splitlines()
    assert lines
    not_json = []
    for line in lines:
        try:
            json.loads(line)
        except ValueError:
            not_json.append(line)
    assert not_json == []
