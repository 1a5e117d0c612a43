"""Audit: faults, resumes and real-payload quirks of the collector, where two SPEC rules meet.

SPEC §5: every fact is stored once under its natural key, re-syncing updates it in place; §9: a sync
interrupted anywhere and resumed yields the data of an uninterrupted one, faults (5xx, 429/403 with
``retry-after``, ``x-ratelimit-reset``, dropped connections) are waited out. The yardstick of every
scenario is what SPEC says the store holds, which is also what one fresh sync of the same GitHub or
PagerDuty stores; each expected value is worked out by hand in the comment above it.

Times: GitHub scenarios in March 2026 (``tests.github_org.at``), the real facebook/OpenBIC deployment
timeline of February 2026 (devlake's ``_raw_github_graphql_deployment.csv``, values copied by hand),
PagerDuty in June 2026. No test reads the clock.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from collector.github_sync import GitHubSync, RepoTarget, SyncReport
from collector.pagerduty_sync import PagerDutySync
from collector.sources.github import GitHubClient
from collector.sources.github_graphql import GitHubGraphQL
from collector.sources.pagerduty import OFFSET_CAP, PagerDutyClient
from collector.sources.retry import RetryPolicy
from store import schema
from store.engine import open_store
from store.errors import SourceError
from store.timeutil import to_db
from tests.collector.test_github_sync import dump
from tests.emulators.github import Fault, GitHubDataset, GitHubEmulator, RepoData, _Outcome
from tests.emulators.pagerduty import Fault as PagerDutyFault
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator
from tests.github_org import at

SINCE = at(1)
NO_DEFAULT = RepoTarget("")
APIS = ["rest", "graphql"]


# ------------------------------------------------------------------------------------------ helpers


class AuditGitHub(GitHubEmulator):
    """The loopback GitHub with two things the stock emulator does not do.

    * ``fault_at[n]``: the n-th request it receives (REST or GraphQL, 304s included) is answered with
      that fault;
    * ``any_case_environment``: GitHub environment names are case-insensitive ("Production" and
      "production" are one environment), so the deployments list's ``environment`` filter matches any
      letter case. The scenarios using it deploy to no other environment, so dropping the parameter
      is exactly that filter.
    """

    def __init__(self, dataset: GitHubDataset) -> None:
        super().__init__(dataset, rate_limit=1_000_000, graphql_limit=1_000_000)
        self.received = 0
        self.fault_at: dict[int, Fault] = {}
        self.any_case_environment = False

    def serve(self, method: str, target: str, headers: Mapping[str, str], body: bytes = b"") -> _Outcome:
        parts = urllib.parse.urlsplit(target)
        self.received += 1
        fault = self.fault_at.pop(self.received, None)
        if fault is not None:
            self.inject("^" + re.escape(parts.path) + "$", fault)
        if self.any_case_environment and re.match(r"^/repos/[^/]+/[^/]+/deployments$", parts.path):
            query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "environment"]
            target = f"{parts.path}?{urllib.parse.urlencode(query)}"
        return super().serve(method, target, headers, body)


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[Callable[[str], Engine]]:
    made: list[Engine] = []

    def make(name: str) -> Engine:
        engine = open_store(f"duckdb:///{tmp_path}/{name}.duckdb")
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.dispose()


def run(
    emulator: GitHubEmulator,
    engine: Engine,
    targets: Sequence[RepoTarget],
    *,
    now: datetime,
    api: str = "rest",
    labels: Sequence[str] = (),
    organizations: Sequence[str] = (),
    default: RepoTarget = NO_DEFAULT,
    since: datetime = SINCE,
    backfill: datetime | None = None,
    max_wait: float = 3600.0,
    waits: list[float] | None = None,
) -> SyncReport:
    policy = RetryPolicy(max_wait=max_wait, sleep=(waits if waits is not None else []).append)
    client = GitHubClient(emulator.base_url, "test-token", retry=policy, clock=emulator.clock)
    graphql = GitHubGraphQL(client) if api == "graphql" else None
    try:
        return GitHubSync(engine, client, since=since, now=now, backfill_since=backfill, graphql=graphql).run(
            list(targets), list(organizations), default, incident_labels=list(labels)
        )
    finally:
        client.close()


def deployment_rows(engine: Engine) -> list[tuple[Any, ...]]:
    """(repo, deployment_id, deployed_at, last_state, compare status, total_commits) by deployed_at."""
    d, c = schema.deployments, schema.deployment_compares
    join = d.outerjoin(
        c, (c.c.repo == d.c.repo) & (c.c.source == d.c.source) & (c.c.deployment_id == d.c.deployment_id)
    )
    query = (
        select(d.c.repo, d.c.deployment_id, d.c.deployed_at, d.c.last_state, c.c.status, c.c.total_commits)
        .select_from(join)
        .order_by(d.c.deployed_at.nulls_last(), d.c.created_at, d.c.repo)
    )
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def status_rows(engine: Engine, deployment_id: int) -> list[tuple[str, datetime]]:
    t = schema.deployment_statuses
    query = (
        select(t.c.state, t.c.created_at).where(t.c.deployment_id == deployment_id).order_by(t.c.created_at)
    )
    with engine.connect() as conn:
        return [(row.state, row.created_at) for row in conn.execute(query)]


def incident_rows(engine: Engine) -> list[tuple[Any, ...]]:
    t = schema.incidents
    query = select(t.c.incident_id, t.c.status, t.c.started_at, t.c.resolved_at).order_by(t.c.incident_id)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def pull_numbers(engine: Engine) -> list[tuple[str, int]]:
    t = schema.pull_requests
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(t.c.repo, t.c.number).order_by(t.c.repo, t.c.number))]  # type: ignore[misc]


def repositories(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(r.full_name for r in conn.execute(select(schema.repositories.c.full_name)))


def merged_pull(
    repo: RepoData, number: int, commits: list[str], merge_sha: str, merged: datetime, **kw: Any
) -> int:
    return repo.pull(
        number=number,
        title=f"PR {number}",
        author=kw.pop("author", "alice"),
        created_at=kw.pop("created_at", merged - timedelta(hours=3)),
        commits=commits,
        merged_at=merged,
        merge_commit_sha=merge_sha,
        **kw,
    )


# ------------------------------------------------------------ 2. environment in another letter case


def test_a_deployment_github_reports_in_production_with_a_capital_is_a_production_deployment(
    engines: Callable[[str], Engine],
) -> None:
    # §3 deployments.environment: production; §5.1 "GitHub Deployments in environment". GitHub's
    # environment names are case-insensitive: a workflow with ``environment: Production`` deploys to
    # the repository's one production environment, and GitHub lists the deployment under that spelling.
    # D0 (c0, "production", 03-02 00:00) is the first; D1 (c1, "Production", success 03-03 01:00)
    # is a deployment: compare(c0...c1) ahead 1.
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/shop")
    c0 = repo.commit("c0", author_date=at(1, 1))
    d0 = repo.deployment(c0, created_at=at(2))
    c1 = repo.commit("c1", author_date=at(2, 5))
    d1 = repo.deployment(
        c1,
        environment="Production",
        created_at=at(3),
        statuses=[("in_progress", at(3)), ("success", at(3, 1))],
    )
    engine = engines("store")
    with AuditGitHub(dataset) as emulator:
        emulator.any_case_environment = True
        run(emulator, engine, [RepoTarget("acme/shop")], now=at(5))
    assert [row[1:3] + row[4:] for row in deployment_rows(engine)] == [
        (d0, to_db(at(2)), "first", 0),
        (d1, to_db(at(3, 1)), "ahead", 1),
    ]


# ---------------------------------------------- 6. workflow_runs source on a repo without the workflow


@pytest.mark.parametrize("refusal", ["no workflow (404)", "actions not readable (403)"])
@pytest.mark.parametrize("api", APIS)
def test_a_repository_without_the_deploy_workflow_still_has_its_pull_requests_and_incidents(
    engines: Callable[[str], Engine], api: str, refusal: str
) -> None:
    # §3: the default deployment source applies to every discovered repository (here workflow_runs,
    # deploy.yml). acme/lib has no deploy.yml (a library: GitHub answers 404 for the workflow's runs),
    # so it has no deployments (§5.1) — but it is a collected repository: its merged PR #1 (§5.3) and
    # its incident issue #2 (§5.4, "in a collected repo") are facts all the same. §9 skips a repo
    # only when it "is gone (404)"; acme/lib is not gone. acme/app's run (03-02 01:00) is its deployment.
    # Variant: acme/lib has the workflow, but the token may not read its Actions (GitHub's 403
    # "Resource not accessible by personal access token"): the same facts, minus the runs.
    dataset = GitHubDataset()
    app = dataset.add_repo("acme/app")
    w = app.commit("w", author_date=at(1))
    app.workflow_run(w, created_at=at(2), updated_at=at(2, 1))
    lib = dataset.add_repo("acme/lib")
    root = lib.commit("root", author_date=at(1))
    x = lib.commit("x", parents=[root], author_date=at(2), branch="pr-1")
    s = lib.squash_merge([x], root, "X (#1)", at(2, 4))
    merged_pull(lib, 1, [x], s, at(2, 4), reviews=[("bob", "APPROVED", at(2, 3))])
    lib.issue(title="lib broke prod", created_at=at(3), closed_at=at(3, 2), labels=["incident"], number=2)
    default = RepoTarget("", "workflow_runs", "production", "deploy.yml")
    engine = engines("store")
    if refusal.endswith("(403)"):
        lib.workflow_run(s, created_at=at(2, 5), updated_at=at(2, 6))
    with AuditGitHub(dataset) as emulator:
        if refusal.endswith("(403)"):
            forbidden = Fault(
                403, "Resource not accessible by personal access token", "https://docs.github.com/rest"
            )
            emulator.inject(r"^/repos/acme/lib/actions/", forbidden, times=5)
        run(
            emulator,
            engine,
            [],
            now=at(5),
            api=api,
            organizations=["acme"],
            default=default,
            labels=["incident"],
        )
    assert [row[0:3] for row in deployment_rows(engine)] == [
        ("acme/app", app.workflow_runs[0]["id"], to_db(at(2, 1)))
    ]
    assert pull_numbers(engine) == [("acme/lib", 1)]
    assert incident_rows(engine) == [("acme/lib#2", "resolved", to_db(at(3)), to_db(at(3, 2)))]


# ------------------------------------------- 7. a fault at every request of a paged, quirky history


def build_paged(dataset: GitHubDataset) -> dict[str, Any]:
    """acme/paged: every list longer than a page, and the payload quirks of the real files.

    * D0 c0 (03-01 02:00, first).
    * PR #1 (alice): 130 commits b0…b129 whose author dates are not in list order (03-01 06:00 +
      (37·i mod 130) min), merged with a merge commit m1 at 03-02 12:00; reviews bob COMMENTED 10:00,
      carol APPROVED 11:00; label feature.
    * D1 deploys m1, created 03-02 13:00 with 128 statuses (two pages): queued 13:00, success 13:06,
      125 × in_progress from 14:00, failure 15:00 → deployed_at 13:06 (the first success, on the
      second page of the newest-first list); compare(c0...m1) = b0…b129, m1: ahead 131 (two pages).
    * PR #2 (carol): p1 (03-03 02:00), p2 (03-03 01:00), rebase-merged as r1, r2 at 03-03 05:00;
      created ``2026-03-02T20:00:00.250-07:00`` (03-03 03:00:00.25 UTC), updated
      ``2026-03-03T06:00:00+01:00``; dave APPROVED 04:00. D2 deploys r2 at 03-03 06:00: ahead 2.
    * D3 redeploys m1 at 03-03 08:00: behind (a rollback), no changes. D4 (r2, 03-03 09:00) fails
      at 09:06: a failed attempt.
    * 100 closed, unmerged PRs #200…#299 updated 03-03 12:00 + i min: the first PR page is full.
    * 105 incident issues #400…#504, opened 03-01 00:00 + 40 i min, closed an hour later (#400
      opened ``2026-02-28T17:00:00.500-07:00``, closed ``2026-03-01T03:00:00+02:00``), and PR #505
      labelled incident, which the issues API lists too.
    Added by ``extend_paged`` before a second sync: PR #3 (q, squash s3 at 03-04 01:00) and D5 (s3,
    03-04 02:00): compare(m1...s3) = r1, r2, s3, ahead 3 (D3, the rollback, is D5's predecessor).
    """
    repo = dataset.add_repo("acme/paged")
    c0 = repo.commit("root", author_date=at(1, 1))
    d0 = repo.deployment(c0, created_at=at(1, 2))
    big: list[str] = []
    for i in range(130):
        parent = big[-1] if big else c0
        minutes = (37 * i) % 130
        big.append(
            repo.commit(
                f"b{i}", parents=[parent], author_date=at(1, 6) + timedelta(minutes=minutes), branch="big"
            )
        )
    m1 = repo.merge_commit(c0, big[-1], "Merge pull request #1", at(2, 12))
    merged_pull(
        repo,
        1,
        big,
        m1,
        at(2, 12),
        created_at=at(1, 9),
        reviews=[("bob", "COMMENTED", at(2, 10)), ("carol", "APPROVED", at(2, 11))],
        labels=["feature"],
    )
    statuses = [("queued", at(2, 13)), ("success", at(2, 13.1))]
    statuses += [("in_progress", at(2, 14) + timedelta(seconds=i)) for i in range(125)]
    statuses += [("failure", at(2, 15))]
    d1 = repo.deployment(m1, created_at=at(2, 13), statuses=statuses)
    p1 = repo.commit("p1", parents=[m1], author_date=at(3, 2), branch="pr-2")
    p2 = repo.commit("p2", parents=[p1], author_date=at(3, 1), branch="pr-2")
    r1, r2 = repo.rebase_merge([p1, p2], m1, date=at(3, 5))
    merged_pull(repo, 2, [p1, p2], r2, at(3, 5), author="carol", reviews=[("dave", "APPROVED", at(3, 4))])
    pull2 = next(p for p in repo.pulls if p["number"] == 2)
    pull2.update(created_at="2026-03-02T20:00:00.250-07:00", updated_at="2026-03-03T06:00:00+01:00")
    d2 = repo.deployment(r2, created_at=at(3, 6))
    d3 = repo.deployment(m1, created_at=at(3, 8))
    d4 = repo.deployment(r2, created_at=at(3, 9), statuses=[("failure", at(3, 9.1))])
    for i in range(100):
        moment = at(3, 12) + timedelta(minutes=i)
        repo.pull(
            number=200 + i,
            title=f"abandoned {i}",
            author="bot",
            created_at=at(1, 3),
            commits=[],
            merged_at=None,
            merge_commit_sha=None,
            state="closed",
            updated_at=moment,
        )
    for i in range(105):
        opened = at(1) + timedelta(minutes=40 * i)
        repo.issue(
            title=f"outage {i}",
            created_at=opened,
            closed_at=opened + timedelta(hours=1),
            labels=["incident"],
            number=400 + i,
        )
    first = next(i for i in repo.issues if i["number"] == 400)
    first.update(created_at="2026-02-28T17:00:00.500-07:00", closed_at="2026-03-01T03:00:00+02:00")
    first["updated_at"] = first["closed_at"]
    repo.issue(title="fix the outage", created_at=at(2, 1), labels=["incident"], number=505)
    repo.issues[-1]["pull_request"] = {"url": f"{repo.api_url}/pulls/505"}
    shas = {"c0": c0, "m1": m1, "r1": r1, "r2": r2}
    return {"repo": repo, "ids": [d0, d1, d2, d3, d4], "shas": shas, "big": big}


def extend_paged(built: dict[str, Any]) -> int:
    repo: RepoData = built["repo"]
    r2 = built["shas"]["r2"]
    q = repo.commit("q", parents=[r2], author_date=at(3, 10), branch="pr-3")
    s3 = repo.squash_merge([q], r2, "Q (#3)", at(4, 1))
    merged_pull(repo, 3, [q], s3, at(4, 1), author="erin")
    built["shas"]["s3"] = s3
    return repo.deployment(s3, created_at=at(4, 2))


PAGED = [RepoTarget("acme/paged")]
STOP = Fault.primary_rate_limit(reset_in=7200)  # the reset is further than max_wait: the sync stops
RETRIED = [
    Fault.server_error(502),
    Fault.too_many_requests(retry_after=2),
    Fault.secondary_rate_limit(retry_after=3),
    Fault.primary_rate_limit(reset_in=30),
    Fault.connection_reset(),
    Fault.secondary_rate_limit(),
]


def check_paged_reference(engine: Engine, built: dict[str, Any], d5: int | None) -> None:
    """The hand-worked facts of ``build_paged`` (see its docstring)."""
    d0, d1, d2, d3, d4 = built["ids"]
    repo = "acme/paged"
    expected = [
        (repo, d0, to_db(at(1, 2)), "success", "first", 0),
        (repo, d1, to_db(at(2, 13.1)), "failure", "ahead", 131),
        (repo, d2, to_db(at(3, 6)), "success", "ahead", 2),
        (repo, d3, to_db(at(3, 8)), "success", "behind", 0),
    ]
    if d5 is not None:
        expected.append((repo, d5, to_db(at(4, 2)), "success", "ahead", 3))
    expected.append((repo, d4, None, "failure", None, None))
    assert deployment_rows(engine) == expected
    assert len(status_rows(engine, d1)) == 128
    pulls, commits, reviews = schema.pull_requests, schema.pull_request_commits, schema.pull_request_reviews
    with engine.connect() as conn:
        stored = {r.number: r for r in conn.execute(select(pulls))}
        listed = [
            (r.number, r.sha, r.author_date)
            for r in conn.execute(select(commits).order_by(commits.c.number, commits.c.position))
        ]
        review_rows = sorted((r.number, r.reviewer, r.state) for r in conn.execute(select(reviews)))
    assert sorted(stored) == ([1, 2, 3] if d5 is not None else [1, 2])
    # Offsets and fractions kept as instants: 2026-03-02T20:00:00.250-07:00 is 03-03 03:00:00.25 UTC.
    assert stored[2].created_at == datetime(2026, 3, 3, 3, 0, 0, 250000)
    assert stored[2].updated_at == to_db(at(3, 5))
    # PR #1's 130 commits as GitHub lists them (author dates out of order), the earliest 03-01 06:00.
    pr1 = [(sha, when) for number, sha, when in listed if number == 1]
    assert [sha for sha, _ in pr1] == built["big"]
    assert min(when for _, when in pr1) == to_db(at(1, 6)) and pr1[1][1] == to_db(
        at(1, 6) + timedelta(minutes=37)
    )
    assert review_rows == [(1, "bob", "COMMENTED"), (1, "carol", "APPROVED"), (2, "dave", "APPROVED")]
    rows = incident_rows(engine)
    assert len(rows) == 105 and "acme/paged#505" not in {r[0] for r in rows}
    assert rows[0] == ("acme/paged#400", "resolved", datetime(2026, 3, 1, 0, 0, 0, 500000), to_db(at(1, 1)))


@pytest.mark.long
@pytest.mark.parametrize("api", APIS)
def test_a_sync_stopped_at_any_request_resumes_to_the_store_of_an_unbroken_one(
    tmp_path: Path, api: str
) -> None:
    # §9: "A sync interrupted at any point, resumed, yields exactly the data of an uninterrupted
    # sync", and primary limits are honoured: a 403 whose x-ratelimit-reset is two hours away stops
    # the sync (max_wait one hour); the next sync resumes. For each request n of the first sync (on
    # 03-04 00:00) and of the second (03-05 00:00, after PR #3 and D5): stop there, resume, and the
    # store equals the unbroken one, table by table, whose facts are those of ``build_paged``.
    dataset = GitHubDataset()
    built = build_paged(dataset)
    with AuditGitHub(dataset) as emulator:
        unbroken = open_store(f"duckdb:///{tmp_path}/unbroken.duckdb")
        mark = emulator.received
        run(emulator, unbroken, PAGED, now=at(4), api=api, labels=["incident"])
        first_requests = emulator.received - mark
        check_paged_reference(unbroken, built, None)
        first_dump = dump(unbroken)
        unbroken.dispose()
        after_first = tmp_path / "after-first.duckdb"
        after_first.write_bytes((tmp_path / "unbroken.duckdb").read_bytes())
        # Each stopped sync starts from a copy of one empty, migrated store: what open_store would
        # create, without running the migrations a hundred times.
        empty = tmp_path / "empty.duckdb"
        open_store(f"duckdb:///{empty}").dispose()
        for n in range(1, first_requests + 1):
            path = tmp_path / f"first-{n}.duckdb"
            path.write_bytes(empty.read_bytes())
            engine = open_store(f"duckdb:///{path}")
            try:
                emulator.fault_at[emulator.received + n] = STOP
                with pytest.raises(SourceError):
                    run(emulator, engine, PAGED, now=at(4), api=api, labels=["incident"])
                run(emulator, engine, PAGED, now=at(4), api=api, labels=["incident"])
                assert dump(engine) == first_dump, f"first sync stopped at request {n}"
            finally:
                engine.dispose()
        d5 = extend_paged(built)
        unbroken = open_store(f"duckdb:///{tmp_path}/unbroken.duckdb")
        mark = emulator.received
        run(emulator, unbroken, PAGED, now=at(5), api=api, labels=["incident"])
        second_requests = emulator.received - mark
        check_paged_reference(unbroken, built, d5)
        second_dump = dump(unbroken)
        unbroken.dispose()
        for n in range(1, second_requests + 1):
            path = tmp_path / f"second-{n}.duckdb"
            path.write_bytes(after_first.read_bytes())
            engine = open_store(f"duckdb:///{path}")
            try:
                emulator.fault_at[emulator.received + n] = STOP
                with pytest.raises(SourceError):
                    run(emulator, engine, PAGED, now=at(5), api=api, labels=["incident"])
                run(emulator, engine, PAGED, now=at(5), api=api, labels=["incident"])
                assert dump(engine) == second_dump, f"second sync stopped at request {n}"
            finally:
                engine.dispose()
    assert emulator.errors == []
    assert first_requests > 10 and second_requests > 3


@pytest.mark.long
@pytest.mark.parametrize("api", APIS)
def test_a_retried_fault_at_any_request_ends_with_the_store_of_an_unbroken_sync(
    tmp_path: Path, api: str
) -> None:
    # §9: 5xx retried with backoff, 429 and secondary 403 with retry-after (or a minute without),
    # a primary 403 waited out until x-ratelimit-reset, a dropped connection retried: the n-th request
    # of the sync meets one of them (in turn) and the sync ends with the unbroken store.
    dataset = GitHubDataset()
    built = build_paged(dataset)
    with AuditGitHub(dataset) as emulator:
        unbroken = open_store(f"duckdb:///{tmp_path}/unbroken.duckdb")
        mark = emulator.received
        run(emulator, unbroken, PAGED, now=at(4), api=api, labels=["incident"])
        requests = emulator.received - mark
        check_paged_reference(unbroken, built, None)
        reference = dump(unbroken)
        unbroken.dispose()
        for n in range(1, requests + 1):
            engine = open_store(f"duckdb:///{tmp_path}/faulted-{n}.duckdb")
            waits: list[float] = []
            try:
                fault = RETRIED[n % len(RETRIED)]
                emulator.fault_at[emulator.received + n] = fault
                run(emulator, engine, PAGED, now=at(4), api=api, labels=["incident"], waits=waits)
                assert dump(engine) == reference, f"{fault} at request {n}"
                assert len(waits) == 1, f"{fault} at request {n}: waits {waits}"
            finally:
                engine.dispose()
    assert emulator.errors == []


# ----------------------------------------------------------------- 8. --since backfill after syncs


@pytest.mark.parametrize("api", APIS)
def test_a_backfill_after_incremental_syncs_stores_what_one_full_sync_from_that_date_stores(
    engines: Callable[[str], Engine], api: str
) -> None:
    # §2 ``collect --since`` "backfills from that date". github.since is 03-03: the syncs of 03-04
    # and 03-05 (after PR #3 and D5) see D2…D5, PR #2 and the issues updated since 03-03, and D2 is
    # their first deployment. ``collect --since 2026-03-01`` on 03-05 must leave the store a single
    # sync from 03-01 on 03-05 leaves: ``build_paged``'s facts, D2 then ahead 2 of D1.
    dataset = GitHubDataset()
    built = build_paged(dataset)
    incremental, full = engines("incremental"), engines("full")
    with AuditGitHub(dataset) as emulator:
        run(emulator, incremental, PAGED, now=at(4), api=api, labels=["incident"], since=at(3))
        d5 = extend_paged(built)
        run(emulator, incremental, PAGED, now=at(5), api=api, labels=["incident"], since=at(3))
        assert deployment_rows(incremental)[0][4] == "first"
        run(
            emulator, incremental, PAGED, now=at(5), api=api, labels=["incident"], since=at(3), backfill=at(1)
        )
        run(emulator, full, PAGED, now=at(5), api=api, labels=["incident"], since=at(1))
    check_paged_reference(full, built, d5)
    assert dump(incremental) == dump(full)


# ------------------------------------------------------------------------------- 9. PagerDuty


class AuditPagerDuty(PagerDutyEmulator):
    """The loopback PagerDuty; ``when(test, fault, times)`` answers the first request ``test`` accepts
    (path and query) with ``fault``, ``times`` times in a row."""

    def __init__(self, dataset: PagerDutyDataset) -> None:
        super().__init__(dataset)
        self._when: list[tuple[Callable[[str, dict[str, list[str]]], bool], PagerDutyFault, int]] = []

    def when(
        self, test: Callable[[str, dict[str, list[str]]], bool], fault: PagerDutyFault, times: int = 1
    ) -> None:
        self._when.append((test, fault, times))

    def serve(self, method: str, target: str, headers: Mapping[str, str]) -> Any:
        parts = urllib.parse.urlsplit(target)
        query = urllib.parse.parse_qs(parts.query)
        for entry in list(self._when):
            test, fault, times = entry
            if test(parts.path, query):
                self._when.remove(entry)
                self.inject("^" + re.escape(parts.path) + "$", fault, times)
                break
        return super().serve(method, target, headers)


def pd_run(
    emulator: PagerDutyEmulator,
    engine: Engine,
    *,
    since: datetime,
    now: datetime,
    backfill: datetime | None = None,
    max_attempts: int = 8,
    waits: list[float] | None = None,
) -> None:
    policy = RetryPolicy(max_attempts=max_attempts, sleep=(waits if waits is not None else []).append)
    with PagerDutyClient(emulator.base_url, "test-token", ca_bundle=emulator.ca_file, retry=policy) as client:
        PagerDutySync(
            engine,
            client,
            since=since,
            now=now,
            service_ids=["PSHOP"],
            urgencies=["high", "low"],
            backfill_since=backfill,
        ).run()


def pd_dump(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    t, c = schema.incidents, schema.sync_cursors
    with engine.connect() as conn:
        incidents = sorted(tuple(r) for r in conn.execute(select(t)))
        values = sorted(tuple(r) for r in conn.execute(select(c.c.source, c.c.stream, c.c.scope, c.c.value)))
    return incidents, values


def june(day: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(2026, 6, day, hh, mm, ss, tzinfo=UTC)


@pytest.mark.long
def test_pagerduty_offset_cap_split_with_incidents_on_the_boundary_faults_and_a_resume(
    tmp_path: Path,
) -> None:
    # §9: PagerDuty's 10,000-offset cap: split the date range; faults retried; a stopped sync resumed
    # yields the unbroken store. 06-01 → 06-29: 10,105 incidents, so [06-01, 06-29) is halved at
    # 06-15 00:00:00. 5,050 every 3 min from 06-01 00:02, 5,050 from 06-15 00:02, and on the edges:
    # QSINCE at 06-01 00:00:00 (resolved_at 00:30); QMIDM1 at 06-14 23:59:59, resolved with neither
    # resolved_at nor a resolve log entry (last_status_change_at 06-15 00:30); QMID1 and QMID2 at
    # 06-15 00:00:00 exactly: QMID1 resolved by its log entry at 01:00 (no resolved_at), QMID2
    # triggered; QEND at 06-28 23:59:59, acknowledged. Each stored once (§5), with those
    # resolved_at (§5.4), the cursor at 06-29. The faulted run meets a 429 (ratelimit-reset 7 s) on
    # the second half's first page and a dropped connection on its 11th, then 502s past its attempts
    # at offset 3,000 of the second half: it stops; the next sync completes it.
    dataset = PagerDutyDataset(now=june(29))
    dataset.add_service("PSHOP", "Shop")
    for i in range(5050):
        first, second = june(1, 0, 2) + timedelta(minutes=3 * i), june(15, 0, 2) + timedelta(minutes=3 * i)
        dataset.add_incident(f"QA{i:05d}", "PSHOP", "bulk", first, resolved_at=first + timedelta(minutes=1))
        dataset.add_incident(f"QB{i:05d}", "PSHOP", "bulk", second, resolved_at=second + timedelta(minutes=1))
    dataset.add_incident("QSINCE", "PSHOP", "edge", june(1), resolved_at=june(1, 0, 30))
    dataset.add_incident(
        "QMIDM1", "PSHOP", "edge", june(14, 23, 59, 59), last_status_change_at=june(15, 0, 30)
    )
    dataset.add_incident("QMID1", "PSHOP", "edge", june(15), resolve_log_at=june(15, 1), urgency="low")
    dataset.add_incident("QMID2", "PSHOP", "edge", june(15), status="triggered")
    dataset.add_incident("QEND", "PSHOP", "edge", june(28, 23, 59, 59), status="acknowledged")
    assert len(dataset.incidents) > OFFSET_CAP
    middle = "2026-06-15T00:00:00Z"

    def second_half(offset: int) -> Callable[[str, dict[str, list[str]]], bool]:
        return lambda path, query: (
            path == "/incidents" and query.get("since") == [middle] and query.get("offset") == [str(offset)]
        )

    with AuditPagerDuty(dataset) as emulator:
        unbroken = open_store(f"duckdb:///{tmp_path}/unbroken.duckdb")
        pd_run(emulator, unbroken, since=june(1), now=june(29))
        reference = pd_dump(unbroken)
        unbroken.dispose()
        ranges = sorted(
            {
                (r.param("since"), r.param("until"))
                for r in emulator.requests_to("^/incidents$")
                if r.status == 200
            }
        )
        emulator.when(second_half(0), PagerDutyFault.rate_limited(reset=7))
        emulator.when(second_half(1000), PagerDutyFault.connection_reset())
        emulator.when(second_half(3000), PagerDutyFault.server_error(502), times=3)
        resumed = open_store(f"duckdb:///{tmp_path}/resumed.duckdb")
        waits: list[float] = []
        try:
            with pytest.raises(SourceError):
                pd_run(emulator, resumed, since=june(1), now=june(29), max_attempts=3, waits=waits)
            pd_run(emulator, resumed, since=june(1), now=june(29))
            stored = pd_dump(resumed)
        finally:
            resumed.dispose()
    assert ranges == [
        ("2026-06-01T00:00:00Z", middle),
        ("2026-06-01T00:00:00Z", "2026-06-29T00:00:00Z"),
        (middle, "2026-06-29T00:00:00Z"),
    ]
    assert waits[:2] == [7.0, 1.0]
    incidents, cursors = reference
    by_id = {row[1]: row for row in incidents}
    t = [c.name for c in schema.incidents.columns]
    status, started, resolved = t.index("status"), t.index("started_at"), t.index("resolved_at")
    assert len(incidents) == len(by_id) == 10_105
    assert [by_id[i][status] for i in ("QSINCE", "QMIDM1", "QMID1", "QMID2", "QEND")] == [
        "resolved",
        "resolved",
        "resolved",
        "triggered",
        "acknowledged",
    ]
    assert [
        (by_id[i][started], by_id[i][resolved]) for i in ("QSINCE", "QMIDM1", "QMID1", "QMID2", "QEND")
    ] == [
        (to_db(june(1)), to_db(june(1, 0, 30))),
        (to_db(june(14, 23, 59, 59)), to_db(june(15, 0, 30))),
        (to_db(june(15)), to_db(june(15, 1))),
        (to_db(june(15)), None),
        (to_db(june(28, 23, 59, 59)), None),
    ]
    assert [value for *_, value in cursors] == ["2026-06-29T00:00:00Z"]
    assert stored == reference


def test_pagerduty_resolve_log_entry_on_the_second_page_with_real_timestamp_forms(tmp_path: Path) -> None:
    # §5.4: resolved_at = resolved_at, else the created_at of its resolve log entry, else
    # last_status_change_at. QNOTE (created 2026-06-02T10:00:00.000000Z, PagerDuty's fractional form)
    # is open at the first sync (06-03 00:00), then resolved at 06-03T05:00:00.000000Z without a
    # resolved_at field; 120 notes are added after it, so the log (newest first) has the resolve
    # entry on its second page; last_status_change_at says 05:00:01, a second after the entry.
    # That page's first ask gets a 503. Re-read by id on 06-04: resolved_at 05:00:00 (the entry).
    # QOFFSET, created 2026-06-02T12:00:00+02:00 (10:00 UTC), resolved_at 2026-06-02T13:30:00-05:00
    # (18:30 UTC): instants, stored in UTC.
    dataset = PagerDutyDataset(now=june(4))
    dataset.add_service("PSHOP", "Shop")
    note = dataset.add_incident("QNOTE", "PSHOP", "disk full", june(2, 10), status="triggered")
    note["created_at"] = "2026-06-02T10:00:00.000000Z"
    offset = dataset.add_incident("QOFFSET", "PSHOP", "slow", june(2, 10), resolved_at=june(2, 18, 30))
    offset.update(created_at="2026-06-02T12:00:00+02:00", resolved_at="2026-06-02T13:30:00-05:00")
    with AuditPagerDuty(dataset) as emulator:
        engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
        try:
            pd_run(emulator, engine, since=june(1), now=june(3))
            stored = dataset.incidents["QNOTE"]
            dataset.resolve("QNOTE", june(3, 5), resolved_at_field=False)
            stored.log_entries[-1]["created_at"] = "2026-06-03T05:00:00.000000Z"
            note["last_status_change_at"] = "2026-06-03T05:00:01Z"
            for i in range(120):
                dataset._log(stored, "annotate", f"note {i}", june(3, 6) + timedelta(minutes=i))
            emulator.when(
                lambda path, query: path.endswith("/log_entries") and query.get("offset") == ["100"],
                PagerDutyFault.server_error(503),
            )
            waits: list[float] = []
            pd_run(emulator, engine, since=june(1), now=june(4), waits=waits)
            rows = incident_rows(engine)
        finally:
            engine.dispose()
    assert waits == [1.0]
    assert rows == [
        ("QNOTE", "resolved", to_db(june(2, 10)), to_db(june(3, 5))),
        ("QOFFSET", "resolved", to_db(june(2, 10)), to_db(june(2, 18, 30))),
    ]


def test_pagerduty_backfill_after_incremental_syncs_equals_one_sync_from_that_date(tmp_path: Path) -> None:
    # §2 --since backfills: pagerduty.since 06-10; syncs on 06-12 and 06-21 (QOPEN, opened 06-11,
    # resolved 06-20 between them); then ``--since 2026-06-01`` on 06-21. One sync from 06-01 on
    # 06-21 stores Q1 (06-02, resolved 06-02 01:00), Q2 (06-05 low, resolved by log entry 06-05
    # 03:00), Q3 (06-09 23:59:59, the second before the configured since, resolved 06-10 00:10),
    # QOPEN (06-11 → 06-20) and Q4 (06-15, acknowledged); the backfilled store must equal it.
    dataset = PagerDutyDataset(now=june(21))
    dataset.add_service("PSHOP", "Shop")
    dataset.add_incident("Q1", "PSHOP", "one", june(2), resolved_at=june(2, 1))
    dataset.add_incident("Q2", "PSHOP", "two", june(5), resolve_log_at=june(5, 3), urgency="low")
    dataset.add_incident("Q3", "PSHOP", "three", june(9, 23, 59, 59), resolved_at=june(10, 0, 10))
    dataset.add_incident("QOPEN", "PSHOP", "open", june(11), status="triggered")
    dataset.add_incident("Q4", "PSHOP", "four", june(15), status="acknowledged")
    with AuditPagerDuty(dataset) as emulator:
        incremental = open_store(f"duckdb:///{tmp_path}/incremental.duckdb")
        full = open_store(f"duckdb:///{tmp_path}/full.duckdb")
        try:
            pd_run(emulator, incremental, since=june(10), now=june(12))
            dataset.resolve("QOPEN", june(20))
            pd_run(emulator, incremental, since=june(10), now=june(21))
            pd_run(emulator, incremental, since=june(10), now=june(21), backfill=june(1))
            pd_run(emulator, full, since=june(1), now=june(21))
            rows, full_rows = incident_rows(incremental), incident_rows(full)
            backfilled, reference = pd_dump(incremental)[0], pd_dump(full)[0]
        finally:
            incremental.dispose()
            full.dispose()
    assert full_rows == [
        ("Q1", "resolved", to_db(june(2)), to_db(june(2, 1))),
        ("Q2", "resolved", to_db(june(5)), to_db(june(5, 3))),
        ("Q3", "resolved", to_db(june(9, 23, 59, 59)), to_db(june(10, 0, 10))),
        ("Q4", "acknowledged", to_db(june(15)), None),
        ("QOPEN", "resolved", to_db(june(11)), to_db(june(20))),
    ]
    assert rows == full_rows
    assert backfilled == reference


# ---------------------------------------------- 10. a failed attempt deleted while still rechecked


@pytest.mark.parametrize("api", APIS)
def test_a_failed_attempt_deleted_from_github_does_not_hide_the_rest_of_the_repository(
    engines: Callable[[str], Engine], api: str
) -> None:
    # §5.1: a deployment that never succeeded is a failed attempt, stored. D1 (c1, 03-04 02:00,
    # failure 02:10) is stored by the sync of 03-04 12:00; the team then cleans it up (GitHub lets an
    # inactive deployment be deleted: marked inactive, then DELETE). Meanwhile D2 (03-05 01:00)
    # deploys PR #1's squash s2 (merged 03-05 00:00) and incident issue #2 is opened 03-05 02:00
    # (closed 03:00). §9 skips a repository only when it is gone; this one is not: the sync of 03-05
    # 12:00 stores D2 (ahead 2 of D0: c1, s2), PR #1 and the incident, as a fresh sync does.
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/svc")
    c0 = repo.commit("c0", author_date=at(1))
    d0 = repo.deployment(c0, created_at=at(2))
    c1 = repo.commit("c1", author_date=at(3))
    d1 = repo.deployment(c1, created_at=at(4, 2), statuses=[("failure", at(4, 2) + timedelta(minutes=10))])
    target = [RepoTarget("acme/svc")]
    incremental, fresh = engines("incremental"), engines("fresh")
    with AuditGitHub(dataset) as emulator:
        run(emulator, incremental, target, now=at(4, 12), api=api, labels=["incident"])
        assert [row[1:3] for row in deployment_rows(incremental)] == [(d0, to_db(at(2))), (d1, None)]
        repo.deployments = [d for d in repo.deployments if d["id"] != d1]
        del repo.statuses[d1]
        x = repo.commit("x", parents=[c1], author_date=at(4, 20), branch="pr-1")
        s2 = repo.squash_merge([x], c1, "X (#1)", at(5))
        merged_pull(repo, 1, [x], s2, at(5))
        d2 = repo.deployment(s2, created_at=at(5, 1))
        repo.issue(title="svc down", created_at=at(5, 2), closed_at=at(5, 3), labels=["incident"], number=2)
        run(emulator, incremental, target, now=at(5, 12), api=api, labels=["incident"])
        run(emulator, fresh, target, now=at(5, 12), api=api, labels=["incident"])
    for name, engine in (("fresh", fresh), ("incremental", incremental)):
        assert [row for row in deployment_rows(engine) if row[1] != d1] == [
            ("acme/svc", d0, to_db(at(2)), "success", "first", 0),
            ("acme/svc", d2, to_db(at(5, 1)), "success", "ahead", 2),
        ], name
        assert pull_numbers(engine) == [("acme/svc", 1)], name
        assert incident_rows(engine) == [("acme/svc#2", "resolved", to_db(at(5, 2)), to_db(at(5, 3)))], name


# --------------------------------------------------------- 11. REST and GraphQL, the quirky history


def test_rest_and_graphql_store_the_same_facts_for_the_paged_quirky_history(
    engines: Callable[[str], Engine],
) -> None:
    # github.api picks how GitHub is read, not what is stored: the ``build_paged`` history (offsets,
    # fractions, out-of-order PR commits, 128 statuses with the success on the second page, a PR in
    # the issues list) synced on 03-04 and, extended, on 03-05: every table equal, and hand-worked.
    dumps = {}
    for api in APIS:
        dataset = GitHubDataset()
        built = build_paged(dataset)
        engine = engines(api)
        with AuditGitHub(dataset) as emulator:
            run(emulator, engine, PAGED, now=at(4), api=api, labels=["incident"])
            d5 = extend_paged(built)
            run(emulator, engine, PAGED, now=at(5), api=api, labels=["incident"])
        check_paged_reference(engine, built, d5)
        dumps[api] = dump(engine)
    for table in schema.FACT_TABLES:
        assert dumps["graphql"][table.name] == dumps["rest"][table.name], table.name


# ------------------------------------------- 12. a deployment approved after a long weekend's wait


@pytest.mark.parametrize("api", APIS)
def test_a_deployment_waiting_for_approval_over_a_long_weekend_is_stored_when_it_succeeds(
    engines: Callable[[str], Engine], api: str
) -> None:
    # An environment with required reviewers: GitHub creates the deployment with a ``waiting``
    # status and runs it once approved (it waits up to 30 days). D1 (c1) is created Friday 03-06
    # 17:00, waiting; D2 (c2, child of c1) is created Monday 03-09 09:00 and approved at once
    # (success 09:30); D1 is approved Tuesday 03-10 (queued 09:00, in_progress 09:01, success 09:10).
    # §5.1: D1 succeeded at 09:10, its deployed_at. §5.2 orders by deployed_at: D0 (03-02, first),
    # D2 (ahead 2: c1, c2), D1 (c1, an ancestor of c2: behind, a rollback). A fresh sync on 03-10
    # 12:00 stores that; so must the syncs of 03-06 18:00, 03-09 12:00 and 03-10 12:00 (§5: a sync
    # updates what it stored; §9).
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/pay")
    c0 = repo.commit("c0", author_date=at(1))
    d0 = repo.deployment(c0, created_at=at(2))
    c1 = repo.commit("c1", author_date=at(6, 15))
    d1 = repo.deployment(c1, created_at=at(6, 17), statuses=[("waiting", at(6, 17))])
    target = [RepoTarget("acme/pay")]
    incremental, fresh = engines("incremental"), engines("fresh")
    with AuditGitHub(dataset) as emulator:
        run(emulator, incremental, target, now=at(6, 18), api=api)
        c2 = repo.commit("c2", author_date=at(8, 20))
        d2 = repo.deployment(
            c2, created_at=at(9, 9), statuses=[("waiting", at(9, 9)), ("success", at(9, 9.5))]
        )
        run(emulator, incremental, target, now=at(9, 12), api=api)
        for state, moment in [("queued", at(10, 9)), ("in_progress", at(10, 9) + timedelta(minutes=1))]:
            repo.add_status(d1, state, moment)
        repo.add_status(d1, "success", at(10, 9) + timedelta(minutes=10))
        run(emulator, incremental, target, now=at(10, 12), api=api)
        run(emulator, fresh, target, now=at(10, 12), api=api)
    expected = [
        ("acme/pay", d0, to_db(at(2)), "success", "first", 0),
        ("acme/pay", d2, to_db(at(9, 9.5)), "success", "ahead", 2),
        ("acme/pay", d1, to_db(at(10, 9) + timedelta(minutes=10)), "success", "behind", 0),
    ]
    assert deployment_rows(fresh) == expected
    assert deployment_rows(incremental) == expected
