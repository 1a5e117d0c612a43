"""Audit, round 5: faults at every request of a sync, on the collection paths that changed recently.

SPEC §5: "a cursor that moves only after the data behind it is committed, so a crash or kill at any
point loses nothing and a restart resumes"; §9: "A sync interrupted at any point, resumed, yields
exactly the data of an uninterrupted sync", 5xx retried with backoff, 429/403 rate limits waited out
(PagerDuty: 429). docs/operations.md: an incremental sync re-reads "every ``releases`` release back to
``github.since`` whenever the list's first page changed"; a PagerDuty incident "reassigned while open
to a service not collected is no longer stored, as a first sync would not list it, and is read again
while open, in case it comes back".

Each scenario runs a first sync, changes the source, then runs the second (and for PagerDuty a third)
sync three ways from a copy of the store before it: unbroken (the reference), killed after its n-th
answered request (a ``BaseException`` raised in the client, the way SIGKILL stops the process between
two requests) then resumed, and stopped by a far rate limit at its n-th request (``SourceError``) then
resumed; and once with a retried fault (5xx, 429, rate limits, dropped connection) at its n-th request.
Every fact table and cursor (``tests.collector.test_github_sync.dump``) must equal the unbroken run's,
for every n; the unbroken run's facts must equal a fresh first sync of the final state.

GitHub, ``build_releases`` (March 2026, ``at(day, hour)``; ``github.since`` 03-02): acme/rel deploys
its releases. Commits c0 (03-01) → f0 … f104 on main; one release per filler commit fNNN, created at
its commit date (03-02 01:00 + NNN × 1 h, so the list, newest created first, takes two pages of 100)
and published an hour later. Besides them:
* ``v0.1`` of c0, created 03-01 12:00, published 13:00: below ``since``, never collected;
* ``v0.9.1``, a draft of the maintenance commit m1 (a child of f0 on branch lts), created 03-02 00:30:
  the oldest release of the list (page 2), unpublished;
* ``v1.0-rc`` of f50, a prerelease (published 03-04 04:00): not a deployment;
* merged PR #1 (03-03).
Between the syncs (03-07 12:00 → 03-09 00:00): v0.9.1 is published in place (03-08 03:00); v1.0-rc is
promoted to a full release in place (its published_at stays 03-04 04:00); f105 is committed and
released as ``v2.0`` (created 03-08 00:00, published 01:00); PR #2 is merged (03-08 06:00).
A fresh sync of that state: the releases of f0 … f104, f105 (v2.0), f50 again (v1.0-rc, 03-04 04:00,
the same sha as its filler release) and m1 (v0.9.1, 03-08 03:00).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from collector.cursors import pending_incidents_cursor
from collector.github_sync import GitHubSync, RepoTarget, SyncReport
from collector.pagerduty_sync import PagerDutySync
from collector.sources.github import GitHubClient
from collector.sources.github_graphql import GitHubGraphQL
from collector.sources.pagerduty import PagerDutyClient
from collector.sources.retry import RetryPolicy
from store import schema
from store.engine import open_store
from store.errors import SourceError
from store.timeutil import to_db
from tests.collector.test_audit_faults_payloads import APIS, RETRIED, STOP, AuditGitHub
from tests.collector.test_github_sync import dump
from tests.emulators.github import GitHubDataset, RepoData, iso
from tests.emulators.pagerduty import Fault as PagerDutyFault
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator, Reply
from tests.emulators.pagerduty import iso as pd_iso
from tests.github_org import at

Facts = dict[str, list[tuple[Any, ...]]]


class Killed(BaseException):
    """What a SIGKILL does to a sync: it stops between two requests, mid-work, committing nothing more."""


# ================================================================================= GitHub releases

SINCE = at(2)
FIRST = at(7, 12)
SECOND = at(9)
REL = RepoTarget("acme/rel", "releases")
FILLERS = 105


def build_releases(dataset: GitHubDataset) -> dict[str, Any]:
    """acme/rel as of the first sync (module docstring)."""
    repo = dataset.add_repo("acme/rel")
    c0 = repo.commit("c0", author_date=at(1))
    repo.tags["v0.1"] = c0
    repo.release("v0.1", created_at=at(1, 12), published_at=at(1, 13))
    fillers: list[str] = []
    for n in range(FILLERS):
        moment = at(2, 1 + n)
        sha = repo.commit(f"f{n}", author_date=moment)
        fillers.append(sha)
        repo.tags[f"f{n:03d}"] = sha
        repo.release(f"f{n:03d}", created_at=moment, published_at=moment + timedelta(hours=1))
    m1 = repo.commit("lts fix", parents=[fillers[0]], author_date=at(2, 0.5), branch="lts")
    repo.tags["v0.9.1"] = m1
    draft = repo.release(
        "v0.9.1", created_at=at(2, 0.5), published_at=None, draft=True, target_commitish="lts"
    )
    repo.tags["v1.0-rc"] = fillers[50]
    rc = repo.release("v1.0-rc", created_at=at(4, 3), published_at=at(4, 4), prerelease=True)
    x = repo.commit("x", parents=[fillers[20]], author_date=at(3, 1), branch="pr-1")
    s1 = repo.squash_merge([x], fillers[20], "X (#1)", at(3, 3))
    repo.pull(
        number=1,
        title="X",
        author="alice",
        created_at=at(3, 2),
        commits=[x],
        merged_at=at(3, 3),
        merge_commit_sha=s1,
        reviews=[("bob", "APPROVED", at(3, 2.5))],
    )
    return {"repo": repo, "fillers": fillers, "m1": m1, "draft": draft, "rc": rc}


def change_releases(built: dict[str, Any]) -> None:
    """The changes between the two syncs (module docstring)."""
    repo: RepoData = built["repo"]
    next(r for r in repo.releases if r["id"] == built["draft"]).update(
        draft=False, published_at=iso(at(8, 3))
    )
    next(r for r in repo.releases if r["id"] == built["rc"]).update(prerelease=False)
    f105 = repo.commit("f105", author_date=at(8))
    built["f105"] = f105
    repo.tags["v2.0"] = f105
    repo.release("v2.0", created_at=at(8), published_at=at(8, 1))
    y = repo.commit("y", parents=[f105], author_date=at(8, 2), branch="pr-2")
    s2 = repo.squash_merge([y], f105, "Y (#2)", at(8, 6))
    repo.pull(
        number=2,
        title="Y",
        author="carol",
        created_at=at(8, 4),
        commits=[y],
        merged_at=at(8, 6),
        merge_commit_sha=s2,
        reviews=[("bob", "COMMENTED", at(8, 5))],
    )


def run_github(
    emulator: AuditGitHub,
    engine: Engine,
    *,
    now: datetime,
    api: str,
    die_at: int | None = None,
    waits: list[float] | None = None,
) -> SyncReport:
    """One sync of acme/rel; with ``die_at``, killed right after its ``die_at``-th answered request
    (REST or GraphQL, 304s and errors included), before the sync sees the answer."""
    policy = RetryPolicy(max_wait=3600.0, sleep=(waits if waits is not None else []).append)
    client = GitHubClient(emulator.base_url, "test-token", retry=policy, clock=emulator.clock)
    if die_at is not None:
        requester = client.requester
        real = requester.requestJsonAndCheck
        answered = [0]

        def dying(*args: Any, **kwargs: Any) -> Any:
            try:
                return real(*args, **kwargs)
            finally:
                answered[0] += 1
                if answered[0] == die_at:
                    raise Killed(f"killed after request {die_at}")

        requester.requestJsonAndCheck = dying
    graphql = GitHubGraphQL(client) if api == "graphql" else None
    try:
        return GitHubSync(engine, client, since=SINCE, now=now, graphql=graphql).run(
            [REL], [], RepoTarget(""), incident_labels=[]
        )
    finally:
        client.close()


def release_rows(engine: Engine) -> list[tuple[Any, ...]]:
    """(sha, deployed_at, compare status) of every stored release, by deployed_at then sha."""
    d, c = schema.deployments, schema.deployment_compares
    join = d.outerjoin(
        c, (c.c.repo == d.c.repo) & (c.c.source == d.c.source) & (c.c.deployment_id == d.c.deployment_id)
    )
    query = select(d.c.sha, d.c.deployed_at, c.c.status).select_from(join).order_by(d.c.deployed_at, d.c.sha)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def copy_store(source: Path, target: Path) -> Engine:
    target.write_bytes(source.read_bytes())
    return open_store(f"duckdb:///{target}")


class GitHubRound:
    """The first sync done, the source changed, the unbroken second sync and a fresh sync run."""

    def __init__(self, tmp_path: Path, emulator: AuditGitHub, built: dict[str, Any], api: str) -> None:
        self.tmp_path, self.emulator, self.api, self.built = tmp_path, emulator, api, built
        first = open_store(f"duckdb:///{tmp_path}/first.duckdb")
        run_github(emulator, first, now=FIRST, api=api)
        self.after_first = release_rows(first)
        first.dispose()
        change_releases(built)
        unbroken = copy_store(tmp_path / "first.duckdb", tmp_path / "unbroken.duckdb")
        mark, logged = emulator.received, len(emulator.requests)
        run_github(emulator, unbroken, now=SECOND, api=api)
        self.requests = emulator.received - mark
        self.asked = [(r.path, r.query.get("page"), r.status) for r in emulator.requests[logged:]]
        self.reference = dump(unbroken)
        self.rows = release_rows(unbroken)
        unbroken.dispose()
        fresh = open_store(f"duckdb:///{tmp_path}/fresh.duckdb")
        run_github(emulator, fresh, now=SECOND, api=api)
        self.fresh = dump(fresh)
        fresh.dispose()

    def store(self, name: str) -> Engine:
        return copy_store(self.tmp_path / "first.duckdb", self.tmp_path / f"{name}.duckdb")


@pytest.fixture(scope="module", params=APIS)
def github_round(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GitHubRound]:
    """Shared by the tests of one mode (the first sync of 105 releases is the slow part): each test
    copies the store of the first sync and counts requests from the emulator's current count."""
    dataset = GitHubDataset()
    built = build_releases(dataset)
    emulator = AuditGitHub(dataset)
    with emulator:
        round_ = GitHubRound(
            tmp_path_factory.mktemp(f"rel-{request.param}"), emulator, built, str(request.param)
        )
        yield round_
    assert emulator.errors == []


def differing(got: Facts, want: Facts) -> dict[str, tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Per table: (rows only in ``got``, rows only in ``want``), for the tables that differ."""
    out = {}
    for table in sorted(set(got) | set(want)):
        mine, theirs = got.get(table, []), want.get(table, [])
        if mine != theirs:
            out[table] = ([r for r in mine if r not in theirs], [r for r in theirs if r not in mine])
    return out


def test_releases_second_sync_matches_a_fresh_sync_and_the_hand_worked_rows(
    github_round: GitHubRound,
) -> None:
    """The yardstick of the fault tests below: the unbroken second sync stores what a fresh sync of the
    changed acme/rel stores (docs/operations.md: releases re-read back to ``since``), and the rows are
    those of the module docstring."""
    built = github_round.built
    fillers = built["fillers"]
    assert len(github_round.after_first) == FILLERS  # the fillers only: the draft, rc and v0.1 not
    assert differing(github_round.reference, github_round.fresh) == {}
    deployed = {(row[0], row[1]) for row in github_round.rows}
    assert (built["m1"], to_db(at(8, 3))) in deployed  # the draft of page 2, published in place
    assert (fillers[50], to_db(at(4, 4))) in deployed  # the prerelease promoted in place
    assert (built["f105"], to_db(at(8, 1))) in deployed
    assert len(github_round.rows) == FILLERS + 3
    # the repository, both list pages, the commits of v0.9.1 and v2.0, compares, the pulls
    assert github_round.requests > 8, github_round.requests
    releases = [(page, status) for path, page, status in github_round.asked if path.endswith("/releases")]
    assert [status for _page, status in releases] == [200, 200], github_round.asked  # both pages read


def test_releases_second_sync_killed_after_each_request_resumes_to_the_unbroken_store(
    github_round: GitHubRound,
) -> None:
    failures: list[str] = []
    for n in range(1, github_round.requests + 1):
        engine = github_round.store(f"killed-{n}")
        try:
            with pytest.raises(Killed):
                run_github(github_round.emulator, engine, now=SECOND, api=github_round.api, die_at=n)
            run_github(github_round.emulator, engine, now=SECOND, api=github_round.api)
            diff = differing(dump(engine), github_round.reference)
            if diff:
                failures.append(f"killed after request {n}: {diff}")
        finally:
            engine.dispose()
    assert failures == []


def test_releases_second_sync_stopped_at_each_request_resumes_to_the_unbroken_store(
    github_round: GitHubRound,
) -> None:
    emulator = github_round.emulator
    failures: list[str] = []
    for n in range(1, github_round.requests + 1):
        engine = github_round.store(f"stopped-{n}")
        try:
            emulator.fault_at[emulator.received + n] = STOP
            with pytest.raises(SourceError):
                run_github(emulator, engine, now=SECOND, api=github_round.api)
            run_github(emulator, engine, now=SECOND, api=github_round.api)
            diff = differing(dump(engine), github_round.reference)
            if diff:
                failures.append(f"stopped at request {n}: {diff}")
        finally:
            engine.dispose()
    assert failures == []


def test_releases_second_sync_with_a_retried_fault_at_each_request_ends_with_the_unbroken_store(
    github_round: GitHubRound,
) -> None:
    emulator = github_round.emulator
    failures: list[str] = []
    for n in range(1, github_round.requests + 1):
        engine = github_round.store(f"faulted-{n}")
        fault = RETRIED[n % len(RETRIED)]
        waits: list[float] = []
        try:
            emulator.fault_at[emulator.received + n] = fault
            run_github(emulator, engine, now=SECOND, api=github_round.api, waits=waits)
            diff = differing(dump(engine), github_round.reference)
            if diff or len(waits) != 1:
                failures.append(f"{fault} at request {n}: waits {waits}, {diff}")
        finally:
            engine.dispose()
    assert failures == []


# ==================================================================== PagerDuty: reassigned services

SERVICE = "PCOLL"
OTHER = "POTHER"
COLLECTED = ["high"]


def june(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 6, 1, tzinfo=UTC) + timedelta(days=day, hours=hour)


PD_SINCE = june(0)
SYNCS = [june(3), june(5), june(7)]


class KilledPagerDuty(PagerDutyClient):
    """Dies right after the ``die_at``-th request is answered (errors included), before the sync sees it."""

    def __init__(self, *args: Any, die_at: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.die_at = die_at
        self.answered = 0

    def _get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            return super()._get(path, params)
        finally:
            self.answered += 1
            if self.answered == self.die_at:
                raise Killed(f"killed after request {self.answered}: {path}")


class CountingPagerDuty(PagerDutyEmulator):
    """PagerDuty whose ``fault_at[n]``-th received request is answered with that fault."""

    def __init__(self, dataset: PagerDutyDataset) -> None:
        super().__init__(dataset)
        self.received = 0
        self.fault_at: dict[int, PagerDutyFault] = {}

    def serve(self, method: str, target: str, headers: Mapping[str, str]) -> Reply:
        self.received += 1
        fault = self.fault_at.pop(self.received, None)
        if fault is not None:
            path = urllib.parse.urlsplit(target).path
            self.inject("^" + re.escape(path) + "$", fault)
        return super().serve(method, target, headers)


def move(dataset: PagerDutyDataset, incident_id: str, service_id: str, moment: datetime) -> None:
    service = {"id": service_id, "type": "service_reference", "summary": service_id}
    dataset.incidents[incident_id].payload.update(service=service, updated_at=pd_iso(moment))


def build_incidents(dataset: PagerDutyDataset) -> None:
    """Before sync 1 (06-04): 105 resolved high incidents of PCOLL (two list pages), and open ones:
    QA, QB, QF, QG high of PCOLL; QE low of PCOLL (pending: not collected, open)."""
    for n in range(105):
        moment = june(1, n / 10)
        dataset.add_incident(
            f"QOLD{n:03d}", SERVICE, f"old {n}", moment, resolved_at=moment + timedelta(hours=1)
        )
    for incident_id, hour in (("QA", 1), ("QB", 2), ("QF", 3), ("QG", 4)):
        dataset.add_incident(incident_id, SERVICE, incident_id, june(2, hour), status="triggered")
    dataset.add_incident("QE", SERVICE, "low", june(2, 5), urgency="low", status="triggered")


def change_1(dataset: PagerDutyDataset) -> None:
    """Before sync 2 (06-06): QA moved to POTHER, open; QB moved to POTHER and resolved there; QE (pending)
    moved to POTHER, open; QF moved to POTHER and back; QN new in PCOLL, open; QM new in PCOLL, moved
    to POTHER, open; QG resolved in PCOLL."""
    move(dataset, "QA", OTHER, june(4))
    move(dataset, "QB", OTHER, june(4))
    dataset.resolve("QB", june(4, 1))
    move(dataset, "QE", OTHER, june(4))
    move(dataset, "QF", OTHER, june(4))
    move(dataset, "QF", SERVICE, june(4, 2))
    dataset.add_incident("QN", SERVICE, "new", june(3, 5), status="triggered")
    dataset.add_incident("QM", SERVICE, "new, moved", june(3, 6), status="triggered")
    move(dataset, "QM", OTHER, june(4, 3))
    dataset.resolve("QG", june(4, 4))


def change_2(dataset: PagerDutyDataset) -> None:
    """Before sync 3 (06-08): QA moved back to PCOLL, open; QE resolved in POTHER; QN moved to POTHER
    and resolved there; QF resolved in PCOLL; QP new in POTHER, open, escalated... never in PCOLL."""
    move(dataset, "QA", SERVICE, june(6))
    dataset.resolve("QE", june(6, 1))
    move(dataset, "QN", OTHER, june(6, 2))
    dataset.resolve("QN", june(6, 3))
    dataset.resolve("QF", june(6, 4))
    dataset.add_incident("QP", OTHER, "elsewhere", june(5, 6), status="triggered")


class PagerDutyRound:
    def __init__(self, emulator: CountingPagerDuty, tmp_path: Path) -> None:
        self.emulator, self.tmp_path = emulator, tmp_path

    def sync(
        self, engine: Engine, now: datetime, die_at: int | None = None, waits: list[float] | None = None
    ) -> None:
        retry = RetryPolicy(sleep=(waits if waits is not None else []).append)
        args = (self.emulator.base_url, "test-token")
        client = (
            PagerDutyClient(*args, ca_bundle=self.emulator.ca_file, retry=retry)
            if die_at is None
            else KilledPagerDuty(*args, ca_bundle=self.emulator.ca_file, retry=retry, die_at=die_at)
        )
        with client:
            PagerDutySync(
                engine, client, since=PD_SINCE, now=now, service_ids=[SERVICE], urgencies=COLLECTED
            ).run()

    def path(self, name: str) -> Path:
        return self.tmp_path / f"{name}.duckdb"

    def open(self, name: str) -> Engine:
        return open_store(f"duckdb:///{self.path(name)}")


def incident_states(engine: Engine) -> list[tuple[Any, ...]]:
    t = schema.incidents
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(t.c.incident_id, t.c.status).order_by(t.c.incident_id))]


def pending(engine: Engine) -> str | None:
    c = schema.sync_cursors.c
    scope = pending_incidents_cursor([SERVICE], COLLECTED)
    with engine.connect() as conn:
        row = conn.execute(
            select(c.value).where((c.source == scope[0]) & (c.stream == scope[1]) & (c.scope == scope[2]))
        ).first()
    return None if row is None else str(row[0])


@pytest.fixture
def pd_round(tmp_path: Path) -> Iterator[PagerDutyRound]:
    dataset = PagerDutyDataset(now=june(30))
    dataset.add_service(SERVICE, "Collected")
    dataset.add_service(OTHER, "Someone else's")
    build_incidents(dataset)
    emulator = CountingPagerDuty(dataset)
    with emulator:
        yield PagerDutyRound(emulator, tmp_path)


def _old(final_status: str = "resolved") -> list[tuple[Any, ...]]:
    return [(f"QOLD{n:03d}", final_status) for n in range(105)]


def test_pagerduty_reassigned_incidents_match_a_fresh_sync_after_each_sync(pd_round: PagerDutyRound) -> None:
    """By hand. After sync 1: the old ones, QA QB QF QG open; pending QE. After sync 2: QA, QB gone
    (moved), QF open (back), QG resolved, QN open; pending QA and QE (open elsewhere; QB is over; QM was
    never seen). After sync 3: QA open again (back), QF resolved, QN gone (moved, over); nothing pending
    (QE resolved). Each time the incidents equal a fresh sync's."""
    dataset = pd_round.emulator.dataset
    engine = pd_round.open("store")
    expected = [
        (
            sorted(
                [*_old(), ("QA", "triggered"), ("QB", "triggered"), ("QF", "triggered"), ("QG", "triggered")]
            ),
            '["QE"]',
        ),
        (sorted([*_old(), ("QF", "triggered"), ("QG", "resolved"), ("QN", "triggered")]), '["QA", "QE"]'),
        (sorted([*_old(), ("QA", "triggered"), ("QF", "resolved"), ("QG", "resolved")]), None),
    ]
    try:
        for step, (now, change) in enumerate(zip(SYNCS, [None, change_1, change_2], strict=True)):
            if change is not None:
                change(dataset)
            pd_round.sync(engine, now)
            fresh = pd_round.open(f"fresh-{step}")
            pd_round.sync(fresh, now)
            assert (incident_states(engine), pending(engine)) == expected[step], f"sync {step + 1}"
            assert dump(engine)["incidents"] == dump(fresh)["incidents"], f"sync {step + 1}"
            fresh.dispose()
    finally:
        engine.dispose()


@pytest.mark.parametrize("fault", ["killed", "429 / 5xx"])
def test_pagerduty_syncs_2_and_3_faulted_at_each_request_resume_to_the_unbroken_store(
    pd_round: PagerDutyRound, fault: str
) -> None:
    """Syncs 2 and 3 of the scenario above, each from a copy of the unbroken store before it: killed
    after its n-th answered request then resumed, or meeting a 429 (with and without PagerDuty's
    ratelimit-reset), a 500/502/503 or a dropped connection at its n-th request; every table and cursor
    equals the unbroken sync's."""
    emulator, dataset = pd_round.emulator, pd_round.emulator.dataset
    base = pd_round.open("unbroken")
    pd_round.sync(base, SYNCS[0])
    base.dispose()
    retried = [
        PagerDutyFault.rate_limited(),
        PagerDutyFault.server_error(500),
        PagerDutyFault.rate_limited(reset=5),
        PagerDutyFault.server_error(503),
        PagerDutyFault.connection_reset(),
        PagerDutyFault.server_error(502),
    ]
    failures: list[str] = []
    for step, (now, change) in enumerate(zip(SYNCS[1:], [change_1, change_2], strict=True), start=2):
        change(dataset)
        before = pd_round.tmp_path / f"before-{step}.duckdb"
        before.write_bytes(pd_round.path("unbroken").read_bytes())
        unbroken = pd_round.open("unbroken")
        mark = emulator.received
        pd_round.sync(unbroken, now)
        requests = emulator.received - mark
        reference = dump(unbroken)
        unbroken.dispose()
        assert requests > 3
        for n in range(1, requests + 1):
            engine = copy_store(before, pd_round.tmp_path / f"{step}-{n}.duckdb")
            try:
                if fault == "killed":
                    with pytest.raises(Killed):
                        pd_round.sync(engine, now, die_at=n)
                    pd_round.sync(engine, now)
                else:
                    waits: list[float] = []
                    emulator.fault_at[emulator.received + n] = retried[n % len(retried)]
                    pd_round.sync(engine, now, waits=waits)
                    if len(waits) != 1:
                        failures.append(f"sync {step}, {retried[n % len(retried)]} at {n}: waits {waits}")
                diff = differing(dump(engine), reference)
                if diff:
                    failures.append(f"sync {step}, {fault} at request {n}: {diff}")
            finally:
                engine.dispose()
    assert failures == []
