"""Audit, end to end: ``github.api: rest`` and ``github.api: graphql`` store the same facts and give the
same metrics (SPEC §5, §6) where the two payload shapes meet GitHub's page and list limits, through the
GitHub emulator → ``doraspace collect`` (each mode into its own store) → ``doraspace metrics --format
json --as-of 2026-03-20T00:00:00Z``. Every number is worked out by hand from SPEC's words, in each
test's docstring; then every fact table and every metrics field of the two modes is compared.

Where the shapes differ: GraphQL lists 100 statuses per deployment (more: read through REST), 100
commits per PR in the bulk query (more: a query of their own), 100 reviews (more: read through REST),
49 PRs a query, and compares whole ranges of deployments at once (``collector.compare_range``); REST
pages everything by 100 and compares each pair of deployments.

One emulated organisation holds every scenario, each in its own repository owned by its own team (config
``teams:``). Each mode collects twice, on 03-06 00:00 and on 03-20 00:00 (acme/resync's later history
appears between the two). One window 30d = (02-18 00:00, 03-20 00:00] holds everything, so the bands
come from it (SPEC §6.3 "or the longest configured"), dora-2023: frequency ≥ 1/day elite, ≥ 1/7 high, ≥
1/30 medium; lead p50 < 24 h elite, < 168 h high; CFR ≤ 5 % elite, ≤ 10 % high, ≤ 15 % medium, else low;
recovery p50 (else restore p50) < 1 h elite, < 24 h high. Attribution window 24 h; incident and rework
labels the defaults. Every repo's first deployment has unknown changes (SPEC §5.2). Percentiles are
``percentile_cont``: p at position p × (n − 1) of the sorted values. Times are March 2026 UTC, ``at(day,
hour)``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from store import schema
from store.engine import open_store
from tests.analytics.facts import METRIC_KEYS, bands
from tests.collector.test_github_sync import dump
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.github_scenarios import (
    APIS,
    AS_OF,
    Builder,
    Scenarios,
    at,
    breakdown,
    check_row,
    run_cli,
    squash_merged_pr,
    started_at_six,
)

TOKEN_VARIABLE = "AUDIT_API_PARITY_GITHUB_TOKEN"
TOKEN = "audit-api-parity-token"

PARITY = Scenarios()
IDS: dict[str, int] = {}  # deployment ids, filled by the builders
RESYNC: dict[str, Any] = {}
SYNC_1, SYNC_2 = at(6), at(20)  # the instants of the two ``collect`` runs


def scenario(repo: str, team: str, source: str | None = None) -> Callable[[Builder], Builder]:
    return PARITY.register((repo, team, source))


# ------------------------------------------------------------------------------------------- scenarios


@scenario("acme/pagedstatus", "pagedstatus")
def build_paged_statuses(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/pagedstatus")
    started_at_six(repo)  # D1 first
    c1 = repo.commit("c1", author_date=at(2, 8))
    repo.deployment(c1, created_at=at(2, 9), statuses=[("in_progress", at(2, 9)), ("success", at(2, 9.5))])
    c2 = repo.commit("c2", author_date=at(2, 10))
    statuses = [
        ("queued", at(2, 11)),
        ("in_progress", at(2, 11) + timedelta(minutes=5)),
        ("success", at(2, 14)),
    ]
    statuses += [("in_progress", at(2, 14) + timedelta(minutes=10 + i)) for i in range(104)]
    statuses += [("failure", at(2, 16)), ("inactive", at(3, 9))]
    IDS["pagedstatus.D3"] = repo.deployment(c2, created_at=at(2, 11), statuses=statuses)
    repo.deployment(c1, created_at=at(2, 12), statuses=[("success", at(2, 12.5))])  # D4
    repo.deployment(c1, created_at=at(3, 9))  # D5


@scenario("acme/bigpr", "bigpr")
def build_big_pull(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/bigpr")
    c0 = started_at_six(repo)  # D1 first
    commits: list[str] = []
    for i in range(130):
        authored = at(1, 20) if i == 120 else at(2) + timedelta(minutes=5 * i)
        parent = commits[-1] if commits else c0
        commits.append(repo.commit(f"b{i}", parents=[parent], author_date=authored, branch="big"))
    reviews = [("alice", "COMMENTED", at(2, 13) + timedelta(minutes=i)) for i in range(102)]
    reviews += [
        ("carol", "COMMENTED", at(3, 12)),
        ("bob", "APPROVED", at(4, 8)),
        ("erin", "PENDING", at(4, 9)),
        ("dave", "APPROVED", at(4, 11)),
    ]
    s1 = squash_merged_pr(
        repo,
        commits,
        c0,
        number=1,
        title="Big",
        author="alice",
        created_at=at(2, 12),
        merged_at=at(4, 10),
        labels=["HotFix"],
        reviews=reviews,
    )
    repo.deployment(s1, created_at=at(4, 12))  # D2


@scenario("acme/bigcompare", "bigcompare")
def build_big_compare(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/bigcompare")
    c0 = started_at_six(repo)  # D1 first
    h = repo.commit("hotfix", parents=[c0], author_date=at(2, 8), branch="hotfix")
    repo.deployment(h, created_at=at(2, 10), ref="hotfix")  # D2
    k = [repo.commit(f"k{i}", author_date=at(3) + timedelta(minutes=i)) for i in range(260)]
    repo.deployment(k[-1], created_at=at(3, 6))  # D3
    mh = repo.merge_commit(k[-1], h, "Merge branch 'hotfix'", at(3, 8))
    repo.deployment(mh, created_at=at(3, 9))  # D4
    c5 = repo.commit("c5", author_date=at(3, 10))
    repo.deployment(c5, created_at=at(3, 11))  # D5
    repo.issue(
        title="Search returns nothing",
        body=f"root cause: {k[230][:10]}",
        created_at=at(3, 12),
        closed_at=at(3, 15),
        labels=["incident"],
    )


@scenario("acme/labelled", "labelled")
def build_labelled_pull_in_issues(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/labelled")
    started_at_six(repo)  # D1 first
    c1 = repo.commit("c1", author_date=at(2, 8))
    repo.deployment(c1, created_at=at(2, 9))  # D2
    f = repo.commit("Fix checkout", parents=[c1], author_date=at(2, 13), author_login="alice", branch="pr-5")
    body = f"root cause: {c1[:10]}"
    s5 = squash_merged_pr(
        repo,
        [f],
        c1,
        number=5,
        title="Fix checkout",
        author="alice",
        created_at=at(2, 13.5),
        merged_at=at(2, 15),
        labels=["incident"],
        reviews=[("bob", "APPROVED", at(2, 14))],
        body=body,
    )
    # The issues API lists PR #5 too (it carries the incident label), on the page of issue #6.
    repo.issue(
        title="Fix checkout",
        body=body,
        created_at=at(2, 13.5),
        closed_at=at(2, 15),
        labels=["incident"],
        number=5,
    )
    repo.issues[-1]["pull_request"] = {"url": f"{repo.api_url}/pulls/5"}
    repo.issue(
        title="Checkout errors", created_at=at(2, 12), closed_at=at(2, 18), labels=["incident"], number=6
    )
    repo.deployment(s5, created_at=at(2, 16))  # D3


@scenario("acme/forcepush", "forcepush")
def build_force_pushed_merge(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/forcepush")
    c0 = started_at_six(repo)  # D1 first
    x = repo.commit("Feature x", parents=[c0], author_date=at(2, 8), author_login="alice", branch="pr-3")
    s3 = squash_merged_pr(
        repo,
        [x],
        c0,
        number=3,
        title="Feature x",
        author="alice",
        created_at=at(2, 9),
        merged_at=at(2, 11),
        reviews=[("bob", "APPROVED", at(2, 10))],
    )
    repo.deployment(s3, created_at=at(2, 12))  # D2
    repo.branches["main"] = c0  # force-push: s3 leaves the default branch
    c4 = repo.commit("c4", author_date=at(2, 13))
    repo.deployment(c4, created_at=at(2, 14))  # D3
    s5 = squash_merged_pr(
        repo,
        [x],
        c4,
        number=5,
        title="Feature x again",
        author="alice",
        created_at=at(3, 8),
        merged_at=at(3, 10),
        reviews=[("carol", "APPROVED", at(3, 9)), ("erin", "PENDING", at(3, 9.5))],
    )
    repo.deployment(s5, created_at=at(3, 11))  # D4


@scenario("acme/forcemerged", "forcemerged", "{source: merged_prs}")
def build_force_pushed_merged_prs(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/forcemerged")
    c0 = repo.commit("initial", author_date=at(1, 1))
    a1 = repo.commit("a1", parents=[c0], author_date=at(1, 2), author_login="alice", branch="pr-1")
    s1 = squash_merged_pr(
        repo,
        [a1],
        c0,
        number=1,
        title="A",
        author="alice",
        created_at=at(1, 3),
        merged_at=at(1, 6),
        reviews=[("alice", "COMMENTED", at(1, 4))],
    )
    b = repo.commit("b", parents=[s1], author_date=at(2, 8), author_login="carol", branch="pr-2")
    squash_merged_pr(
        repo,
        [b],
        s1,
        number=2,
        title="B",
        author="carol",
        created_at=at(2, 9),
        merged_at=at(2, 11),
        reviews=[("bob", "APPROVED", at(2, 10))],
    )
    repo.branches["main"] = s1  # force-push: s2 leaves the default branch
    c = repo.commit("c", parents=[s1], author_date=at(2, 12), author_login="dave", branch="pr-3")
    squash_merged_pr(
        repo,
        [c],
        s1,
        number=3,
        title="C",
        author="dave",
        created_at=at(2, 12.5),
        merged_at=at(2, 14),
        reviews=[("bob", "APPROVED", at(2, 15))],
    )


@scenario("acme/hugepr", "hugepr")
def build_huge_pull(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/hugepr")
    c0 = started_at_six(repo)  # D1 first
    commits: list[str] = []
    for i in range(260):
        authored = at(2) if i == 255 else at(2, 6) + timedelta(minutes=i)
        parent = commits[-1] if commits else c0
        commits.append(repo.commit(f"p{i}", parents=[parent], author_date=authored, branch="huge"))
    m = repo.merge_commit(c0, commits[-1], "Merge pull request #7 from acme/huge", at(3, 12))
    repo.pull(
        number=7,
        title="Huge",
        author="alice",
        created_at=at(2, 12),
        commits=commits,
        merged_at=at(3, 12),
        merge_commit_sha=m,
    )
    repo.deployment(m, created_at=at(3, 14))  # D2


@scenario("acme/resync", "resync")
def build_resync(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/resync")
    started_at_six(repo)  # D1 first
    c1 = repo.commit("c1", author_date=at(5, 18))
    statuses = [("queued", at(5, 20)), ("in_progress", at(5, 20) + timedelta(minutes=5))]
    IDS["resync.D2"] = repo.deployment(c1, created_at=at(5, 20), statuses=statuses)
    RESYNC["repo"] = repo


def extend_resync() -> None:
    """What happens on acme/resync between the two syncs (03-06 00:00 and 03-20 00:00)."""
    repo: RepoData = RESYNC["repo"]
    d2 = IDS["resync.D2"]
    repo.add_status(d2, "success", at(6, 2))
    c2 = repo.commit("c2", author_date=at(7, 8))
    c3 = repo.commit("c3", author_date=at(7, 9))
    repo.deployment(c3, created_at=at(7, 11), statuses=[("in_progress", at(7, 11)), ("success", at(7, 12))])
    repo.add_status(d2, "inactive", at(7, 12))
    repo.deployment(c2, created_at=at(7, 14))  # D4, a rollback
    c4 = repo.commit("c4", author_date=at(7, 15))
    repo.deployment(c4, created_at=at(7, 16))  # D5


# ------------------------------------------------------------------------------------------- pipeline


def _facts(url: str) -> dict[str, Any]:
    """Every fact table (``dump``), and a few hand-checkable aggregates."""
    engine = open_store(url)
    try:
        d, c = schema.deployments, schema.deployment_compares
        statuses, pr_commits, reviews = (
            schema.deployment_statuses,
            schema.pull_request_commits,
            schema.pull_request_reviews,
        )
        with engine.connect() as conn:
            compares = {
                (row.repo, row.deployment_id): (row.status, row.total_commits)
                for row in conn.execute(select(c.c.repo, c.c.deployment_id, c.c.status, c.c.total_commits))
            }
            deployed = {
                (row.repo, row.deployment_id): row.deployed_at
                for row in conn.execute(select(d.c.repo, d.c.deployment_id, d.c.deployed_at))
            }
            status_count = {
                (row.repo, row.deployment_id): row.n
                for row in conn.execute(
                    select(statuses.c.repo, statuses.c.deployment_id, func.count().label("n")).group_by(
                        statuses.c.repo, statuses.c.deployment_id
                    )
                )
            }
            pull_commits = {
                (row.repo, row.number): (row.n, row.earliest)
                for row in conn.execute(
                    select(
                        pr_commits.c.repo,
                        pr_commits.c.number,
                        func.count().label("n"),
                        func.min(pr_commits.c.author_date).label("earliest"),
                    ).group_by(pr_commits.c.repo, pr_commits.c.number)
                )
            }
            review_rows = {
                (row.repo, row.number): row.n
                for row in conn.execute(
                    select(reviews.c.repo, reviews.c.number, func.count().label("n")).group_by(
                        reviews.c.repo, reviews.c.number
                    )
                )
            }
        return {
            "dump": dump(engine),
            "compares": compares,
            "deployed": deployed,
            "statuses": status_count,
            "pull_commits": pull_commits,
            "reviews": review_rows,
        }
    finally:
        engine.dispose()


def _traffic(emulator: GitHubEmulator, before: tuple[int, int]) -> dict[str, Any]:
    """What one sync asked: REST paths with their page (200 answers only) and GraphQL operations."""
    rest = [(r.path, r.query.get("page", "1")) for r in emulator.requests[before[0] :] if r.status == 200]
    return {"rest": rest, "graphql": [name for name, _ in emulator.graphql_operations[before[1] :]]}


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Per mode: ``rows`` (team → 30d metrics row) and ``facts`` (see ``_facts``), after two syncs:
    one on 03-06 00:00 (everything but acme/resync's later history), one on 03-20 00:00."""
    dataset = GitHubDataset()
    for build in PARITY.builders:
        build(dataset)
    result: dict[str, dict[str, Any]] = {}
    traffic: dict[tuple[str, int], dict[str, Any]] = {}
    with (
        pytest.MonkeyPatch.context() as patch,
        GitHubEmulator(dataset, token=TOKEN, rate_limit=100_000, graphql_limit=100_000) as emulator,
    ):
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        configs = {}
        for api in APIS:
            directory = tmp_path_factory.mktemp(f"parity-{api}")
            configs[api] = PARITY.write_config(directory, emulator.base_url, TOKEN_VARIABLE, api)
            before = (len(emulator.requests), len(emulator.graphql_operations))
            run_cli(["collect", "--config", str(configs[api])], now=SYNC_1)
            traffic[api, 1] = _traffic(emulator, before)
        extend_resync()
        for api in APIS:
            config = configs[api]
            before = (len(emulator.requests), len(emulator.graphql_operations))
            run_cli(["collect", "--config", str(config)], now=SYNC_2)
            traffic[api, 2] = _traffic(emulator, before)
            rows = json.loads(
                run_cli(
                    ["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF], now=SYNC_2
                )
            )
            result[api] = {
                "rows": {row["team"]: row for row in rows if row["window"] == "30d"},
                "facts": _facts(f"duckdb:///{config.parent}/store.duckdb"),
            }
        for api in APIS:
            result[api]["traffic"] = {sync: traffic[api, sync] for sync in (1, 2)}
        assert emulator.errors == []
    return result


@pytest.fixture(params=APIS)
def team_rows(
    request: pytest.FixtureRequest, collected: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    return collected[request.param]["rows"]


@pytest.fixture(params=APIS)
def facts(request: pytest.FixtureRequest, collected: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return collected[request.param]["facts"]


# ------------------------------------------------------------------------------------ the two modes agree

TEAMS = [
    "*",
    "bigcompare",
    "bigpr",
    "forcemerged",
    "forcepush",
    "hugepr",
    "labelled",
    "pagedstatus",
    "resync",
]


@pytest.mark.parametrize("table", [t.name for t in schema.FACT_TABLES])
def test_both_modes_store_the_same_rows_in_every_fact_table(collected: dict[str, Any], table: str) -> None:
    """SPEC §5: a fact is stored once under its natural key, whatever API read it: each table's rows,
    every column (but the instants at which the sync ran), equal between REST and GraphQL."""
    assert collected["graphql"]["facts"]["dump"][table] == collected["rest"]["facts"]["dump"][table]


@pytest.mark.parametrize("team", TEAMS)
def test_both_modes_give_the_same_metrics_field_by_field(collected: dict[str, Any], team: str) -> None:
    """SPEC §6.4: the metrics are computed from the store only, so equal stores give equal rows; every
    field of every team's row (and of the organisation row), compared one by one."""
    rest, graphql = collected["rest"]["rows"], collected["graphql"]["rows"]
    assert sorted(rest) == sorted(graphql) == TEAMS
    assert {field: graphql[team][field] for field in METRIC_KEYS} == {
        field: rest[team][field] for field in METRIC_KEYS
    }


def _asked(traffic: dict[str, Any], repo: str, kind: str) -> list[tuple[str, str]]:
    """The 200 answers of one sync on ``repo`` whose path names ``kind`` (``/compare/``, ``/reviews``…)."""
    return [
        (path, page) for path, page in traffic["rest"] if path.startswith(f"/repos/{repo}/") and kind in path
    ]


def test_graphql_mode_takes_the_paths_the_scenarios_aim_at(collected: dict[str, Any]) -> None:
    """The equalities above mean something only if GraphQL mode read each shape its own way:

    * statuses through REST only for pagedstatus D3 (109 > 100: two pages) and, at the first sync,
      resync D2 (created 03-05 20:00, in_progress at the first sync: young, re-read once for its
      ETag); every other deployment's came in the GraphQL query;
    * reviews through REST only for bigpr #1 (106 > 100: two pages); no PR's commits through REST, but
      3 ``DoraspacePullCommits`` queries: bigpr #1's commits 101–130, hugepr #7's 101–200 and 201–250;
    * bigcompare: one range compare c0...c5 of 263 commits (3 pages of 100) where REST asks each pair,
      1 + 3 (260 commits) + 1 + 1 = 6 pages; resync's second sync: one range c0...c4 against REST's 4.
    """
    graphql_1, graphql_2 = collected["graphql"]["traffic"][1], collected["graphql"]["traffic"][2]
    rest_1, rest_2 = collected["rest"]["traffic"][1], collected["rest"]["traffic"][2]
    statuses = [(path, page) for path, page in graphql_1["rest"] if path.endswith("/statuses")]
    d3, d2 = IDS["pagedstatus.D3"], IDS["resync.D2"]
    assert sorted(statuses) == [
        (f"/repos/acme/pagedstatus/deployments/{d3}/statuses", "1"),
        (f"/repos/acme/pagedstatus/deployments/{d3}/statuses", "2"),
        (f"/repos/acme/resync/deployments/{d2}/statuses", "1"),
    ]
    reviews = [(path, page) for path, page in graphql_1["rest"] if path.endswith("/reviews")]
    assert reviews == [("/repos/acme/bigpr/pulls/1/reviews", "1"), ("/repos/acme/bigpr/pulls/1/reviews", "2")]
    assert [path for path, _ in graphql_1["rest"] if "/pulls/" in path and path.endswith("/commits")] == []
    assert graphql_1["graphql"].count("DoraspacePullCommits") == 3
    assert len(_asked(graphql_1, "acme/bigcompare", "/compare/")) == 3
    assert len({path for path, _ in _asked(graphql_1, "acme/bigcompare", "/compare/")}) == 1
    assert len(_asked(rest_1, "acme/bigcompare", "/compare/")) == 6
    assert len(_asked(graphql_2, "acme/resync", "/compare/")) == 1
    assert len(_asked(rest_2, "acme/resync", "/compare/")) == 4


# ------------------------------------------------------------------------------------- hand-worked facts


def test_the_paged_facts_each_mode_stores(facts: dict[str, Any]) -> None:
    """What each mode must have read past a first page (SPEC §5.1, §5.3, §5.2):

    * pagedstatus D3: 109 statuses (queued, in_progress, success 03-02 14:00, 104 in_progress, failure,
      inactive), newest first: the first success is the 107th listed, on the second page of 100 (REST)
      and past GraphQL's ``statuses(first: 100)``: all 109 stored, deployed_at 03-02 14:00.
    * bigpr #1: 130 commits (two pages of 100; GraphQL pages them past 100), the earliest b120 at 03-01
      20:00; 106 reviews (102 by the author, carol, bob, erin's PENDING one, dave): GraphQL's
      ``reviews(first: 100)`` cannot hold them, so all come through REST: 106 rows.
    * hugepr #7: 260 commits, GitHub lists 250 (p0…p249), so they are read from the compare of its
      base and head, all 260, the earliest p255 at 03-02 00:00; its merge's compare with c0 lists all
      261 (260 + the merge commit): ahead 261.
    * bigcompare: compare(h...k259) diverged, 260 commits.
    * resync D2: no success at the first sync; its success 03-06 02:00, read by the second, is its
      deployed_at.
    """
    assert facts["statuses"][("acme/pagedstatus", IDS["pagedstatus.D3"])] == 109
    assert facts["deployed"][("acme/pagedstatus", IDS["pagedstatus.D3"])] == at(2, 14).replace(tzinfo=None)
    assert facts["pull_commits"][("acme/bigpr", 1)] == (130, at(1, 20).replace(tzinfo=None))
    assert facts["reviews"][("acme/bigpr", 1)] == 106
    assert facts["deployed"][("acme/resync", IDS["resync.D2"])] == at(6, 2).replace(tzinfo=None)
    assert facts["pull_commits"][("acme/hugepr", 7)] == (260, at(2).replace(tzinfo=None))
    statuses = sorted(
        value for (repo, _), value in facts["compares"].items() if repo in ("acme/hugepr", "acme/bigcompare")
    )
    assert statuses == [
        ("ahead", 1),  # bigcompare D2 (h)
        ("ahead", 1),  # bigcompare D5 (c5)
        ("ahead", 2),  # bigcompare D4 (h, the merge)
        ("ahead", 261),  # hugepr D2
        ("diverged", 260),  # bigcompare D3
        ("first", 0),
        ("first", 0),
    ]


# ------------------------------------------------------------------------------------ hand-worked metrics


def test_statuses_past_the_first_page_order_a_late_success_after_a_redeploy_then_a_rollback(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/pagedstatus: more than 100 statuses × first success × ordering by deployed_at × identical ×
    rollback × ``inactive`` after success.

    D1 c0 03-01 06:00 (first). D2 c1 (authored 03-02 08:00), success 09:30. D3 c2 (authored 10:00),
    created 11:00, 109 statuses: its first success 14:00 lies on the second page (above), later ones
    are in_progress, failure, inactive (03-03 09:00): deployed_at 14:00 (§5.1 "first success"). D4 c1,
    created 12:00, success 12:30. D5 c1, 03-03 09:00.
    §5.2 orders by deployed_at: D1, D2 (09:30), D4 (12:30), D3 (14:00), D5. D4 redeploys D2's c1:
    identical, no changes, no rollback. D3: compare(c1...c2) ahead, change c2: 14:00 − 10:00 = 4 h.
    D5: c1 is an ancestor of c2: behind, a rollback whose previous deployment is D3 → D3 failed
    (rule 2), recovered at D5: 03-03 09:00 − 03-02 14:00 = 19 h; D5 rework (a rollback).
    (Ordered by created_at instead, D4 would be the rollback of D3; read from page 1 only, D3 would
    be a failed attempt. At the first sync, 03-06 00:00, D3 is more than 3 days old, so GraphQL mode
    reads its statuses through REST for their number alone, not as a young deployment re-read.)
    Leads [1.5 (c1: 09:30 − 08:00), 4]: p50 2.75, p90 1.5 + 0.9 × 2.5 = 3.75. 5 deployments: CFR 1/5,
    rework 1/5. No PR, no incident. Bands: 5/30 ≥ 1/7 high; 2.75 h elite; 20 % low; 19 h high.
    """
    check_row(
        team_rows["pagedstatus"],
        team="pagedstatus",
        deployments=5,
        lead=(2.75, 3.75),
        cfr=0.2,
        recovery=19.0,
        rework=0.2,
        stages=breakdown(),
        row_bands=bands("high", "elite", "low", "high"),
    )


def test_a_squash_merged_pr_of_130_commits_and_106_reviews_starts_at_its_earliest_commit(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/bigpr: PR commits past 100 × squash-merge start × reviews past 100 × first review by someone
    else × review after merge × rework label in another letter case.

    PR #1 (alice) opened 03-02 12:00; 130 commits b0…b129 authored 03-02 00:00 + 5 i min, but b120
    (on the second page) at 03-01 20:00; squash-merged as s1 03-04 10:00; label ``HotFix``. Reviews:
    102 by alice herself from 03-02 13:00 (not a first review: §5.3 "by someone other than the
    author"), carol COMMENTED 03-03 12:00 (the first review: any state), bob APPROVED 03-04 08:00,
    erin PENDING (never submitted), dave APPROVED 03-04 11:00 (after the merge).
    D1 c0 first; D2 s1 03-04 12:00: compare(c0...s1) ahead, change s1, start = earliest author date of
    PR #1's commits (§5.2) = 03-01 20:00 → lead 64 h. Breakdown: coding 03-01 20:00 → 03-02 12:00 =
    16 h; pickup → carol 03-03 12:00 = 24 h; review → merge 03-04 10:00 = 22 h; deploy → 12:00 = 2 h.
    Rework: D2 ships a change of a PR labelled ``HotFix`` (= hotfix, docs/metrics.md) → 1/2.
    2 deployments; CFR 0; no incident. Bands: 2/30 ≥ 1/30 medium; 64 h high; 0 elite; recovery null.
    """
    check_row(
        team_rows["bigpr"],
        team="bigpr",
        deployments=2,
        lead=(64.0, 64.0),
        cfr=0.0,
        recovery=None,
        rework=0.5,
        stages=breakdown(16.0, 24.0, 22.0, 2.0),
        row_bands=bands("medium", "high", "elite", None),
    )


def test_a_compare_of_260_commits_past_a_diverged_hotfix_fails_by_a_sha_on_its_third_page(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/bigcompare: compare past 250 commits × diverged (no rollback) × commit shipped earlier ×
    merge commit × explicit link to a deep commit (GraphQL mode derives these pairs from one range
    compare c0...c5 of 263 commits; REST compares each pair).

    D1 c0 03-01 06:00 (first). D2 deploys hotfix h (branch from c0, authored 03-02 08:00) at 10:00:
    ahead [h], lead 2 h. main: k0…k259 authored 03-03 00:00 + i min; D3 deploys k259 at 03-03 06:00:
    compare(h...k259) diverged (h is no ancestor: not a rollback, D2 not failed), 260 changes, lead
    6 − i/60 h. D4 deploys mh = merge(k259, h) at 09:00: ahead [h, mh]; h was shipped by D2 and mh is a
    merge commit: no change. c5 (10:00) deployed 11:00 by D5: lead 1 h.
    Issue "root cause: <k230[:10]>" 03-03 12:00–15:00: explicit link to D3's change k230 → D3 failed
    (rule 1), recovered 15:00 − 06:00 = 9 h; linked explicitly, so no window failure of D5.
    Leads, 262 values: c5 1; k_m for m = 259…241 (19 values < 2); 2 twice (h and k240); then k_m for
    m = 239…0 at sorted index j = 261 − m. p50 at 130.5: (k131 + k130)/2 = 6 − 130.5/60 = 3.825;
    p90 at 234.9: k27 + 0.9 × (k26 − k27) = 6 − 26.1/60 = 5.565.
    5 deployments: CFR 1/5; incidents 1, restore 3 h; rework 0 (no rollback, revert, label or open
    incident at a deployment). Bands: 5/30 high; 3.825 h elite; 20 % low; 9 h high.
    """
    check_row(
        team_rows["bigcompare"],
        team="bigcompare",
        deployments=5,
        lead=(6 - 130.5 / 60, 6 - 26.1 / 60),
        cfr=0.2,
        recovery=9.0,
        restore=(3.0, 3.0),
        incidents=1,
        rework=0.0,
        stages=breakdown(),
        row_bands=bands("high", "elite", "low", "high"),
    )


def test_a_pr_labelled_incident_in_the_issues_list_is_rework_not_an_incident(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/labelled: issues API listing a PR × incident label as a rework label × window attribution
    × explicit-looking text in the PR × deployed while an incident is open.

    D1 c0 first. D2 c1 (authored 03-02 08:00) at 09:00: lead 1 h. Issue #6 (incident) 12:00–18:00, no
    sha: window rule, the latest deployment before 12:00 within 24 h is D2 → failed, recovered at 18:00
    = 9 h. PR #5 (alice) labelled ``incident``, body "root cause: <c1[:10]>", is listed by the issues
    API on the same page: a pull request, no incident (§5.4) — else it would add an incident and an
    explicit recovery of D2 at 15:00. Its commit f authored 13:00, opened 13:30, bob approved 14:00,
    squash s5 15:00; D3 deploys s5 at 16:00: change s5 starts 13:00 → 3 h; D3 is rework (a change of a
    PR labelled ``incident``, and deployed while #6 was open: once).
    Leads [1, 3]: p50 2, p90 1 + 0.9 × 2 = 2.8. CFR 1/3, rework 1/3, incidents 1, restore 6 h.
    Breakdown (PR #5): coding 0.5, pickup 0.5, review 1, deploy 1.
    Bands: 3/30 ≥ 1/30 medium; 2 h elite; 33 % low; 9 h high.
    """
    check_row(
        team_rows["labelled"],
        team="labelled",
        deployments=3,
        lead=(2.0, 2.8),
        cfr=1 / 3,
        recovery=9.0,
        restore=(6.0, 6.0),
        incidents=1,
        rework=1 / 3,
        stages=breakdown(0.5, 0.5, 1.0, 1.0),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_a_deployed_squash_merge_force_pushed_away_then_relanded(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/forcepush: merge_commit_sha force-pushed off the default branch × diverged is no rollback ×
    the same PR commit re-landed by a second PR.

    D1 c0 first. PR #3 (x authored 03-02 08:00, opened 09:00, bob 10:00, squash s3 11:00); D2 s3 at
    12:00: ahead [s3], start 08:00 → 4 h. main force-pushed back to c0; c4 (13:00) deployed by D3 at
    14:00: compare(s3...c4) diverged, [c4] → 1 h; c4 is no ancestor of s3, so D3 is no rollback and
    D2 not failed. PR #5 re-lands x: opened 03-03 08:00, carol 09:00 (erin's PENDING review is no
    review: never submitted), squash s5 onto c4 at 10:00; D4 at 11:00: [s5], start = x's 03-02 08:00 → 27 h.
    Leads [1, 4, 27]: p50 4, p90 4 + 0.8 × 23 = 22.4. Breakdown: PR #3 (1, 1, 1, 1), PR #5 (coding
    24, 1, 1, 1): coding (1 + 24)/2 = 12.5, pickup 1, review 1, deploy 1.
    4 deployments, CFR 0, rework 0. Bands: 4/30 medium; 4 h elite; 0 elite; recovery null.
    """
    check_row(
        team_rows["forcepush"],
        team="forcepush",
        deployments=4,
        lead=(4.0, 22.4),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(12.5, 1.0, 1.0, 1.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_merged_prs_whose_merge_was_force_pushed_away_still_deployed_at_merge(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/forcemerged, source merged_prs: each PR merged into main is a deployment at merged_at of
    its merge_commit_sha (§5.1) × force-push × diverged × first deployment's own PR × deploy stage 0.

    PR #1 (a1 03-01 02:00, opened 03:00, only the author's own COMMENTED review at 04:00: no
    first review, §5.3) squash s1 at 06:00: P1, the first. PR #2 (b 03-02
    08:00, opened 09:00, bob 10:00) squash s2 onto s1 at 11:00: P2, [s2] → 3 h. main force-pushed back
    to s1; PR #3 (c 12:00, opened 12:30; bob's approval at 15:00 came after the merge:
    no first review, docs/metrics.md) squash s3 onto s1 at 14:00: P3, compare(s2...s3)
    diverged [s3] → 2 h; no rollback.
    Leads [3, 2]: p50 2.5, p90 2 + 0.9 = 2.9. Breakdown: PR #1 shipped by the first deployment (its own
    sha): coding 1, no deploy stage (docs/metrics.md); PR #2 coding 1, pickup 1, review 1, deploy 0;
    PR #3 coding 0.5, deploy 0. coding median of [0.5, 1, 1] = 1; pickup 1; review 1; deploy 0.
    3 deployments, CFR 0, rework 0. Bands: 3/30 medium; elite; elite; null.
    """
    check_row(
        team_rows["forcemerged"],
        team="forcemerged",
        deployments=3,
        lead=(2.5, 2.9),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(1.0, 1.0, 1.0, 0.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_a_merge_commit_pr_of_260_commits_past_both_list_limits(team_rows: dict[str, dict[str, Any]]) -> None:
    """acme/hugepr: a PR of more than 250 commits × a compare of more than 250 × merge commit not a
    change × each change's own author date.

    PR #7 (opened 03-02 12:00, no review): p0…p259, p_i authored 03-02 06:00 + i min but p255 at 03-02
    00:00; merged with merge commit m at 03-03 12:00; D2 deploys m at 03-03 14:00 (D1 c0 first).
    compare(c0...m) lists all 261 (compares page past 250): changes p0…p259 (m is a merge): each its
    own author date (no PR's merge commit): p_i 32 − i/60 h, p255 38 h. Sorted: p259…p256 (j 0–3),
    p_i at j = 258 − i for i ≤ 254, 38 at j 259. p50 at 129.5: p129, p128 → 32 − 128.5/60; p90 at
    233.1: p25 + 0.1 × (p24 − p25) = 32 − 24.9/60.
    Breakdown: GitHub cuts a PR's commit list at 250 (both APIs), so the commits of a PR listed 250
    are read from the compare of its base and head: all 260, the earliest p255 at 03-02 00:00 → coding
    12 h (SPEC §5.3, the first commit; the first 250 alone would give p0's 06:00, 6 h); no review;
    deploy 2 h.
    2 deployments, CFR 0, rework 0. Bands: 2/30 medium; 29.9 h high; elite; null.
    """
    check_row(
        team_rows["hugepr"],
        team="hugepr",
        deployments=2,
        lead=(32 - 128.5 / 60, 32 - 24.9 / 60),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(12.0, None, None, 2.0),
        row_bands=bands("medium", "high", "elite", None),
    )


def test_two_syncs_take_a_late_success_then_a_range_with_a_rollback(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/resync, synced on 03-06 00:00 and again on 03-20 00:00: a deployment without a success yet
    (GraphQL re-reads its statuses through REST) × its late first success × a second sync's range of
    new pairs (GraphQL derives them from one compare) × rollback × commit shipped earlier.

    D1 c0 03-01 06:00 (first). D2 c1 (authored 03-05 18:00), created 03-05 20:00, queued, in_progress:
    at the first sync it has no success (stored, not a deployment). Then: D2 success 03-06 02:00
    (deployed_at, §5.1; a sync updates it in place, §5), inactive 03-07 12:00; c2 (03-07 08:00), c3
    (09:00) deployed by D3 at 12:00; D4 redeploys c2 at 14:00; c4 (15:00) deployed by D5 at 16:00.
    D2: compare(c0...c1) ahead [c1] → 03-06 02:00 − 03-05 18:00 = 8 h. D3: [c2, c3] → 4 h, 3 h. D4: c2 is
    an ancestor of c3: behind, a rollback → D3 failed, recovered 14:00 − 12:00 = 2 h; D4 rework.
    D5: compare(c2...c4) ahead [c3, c4]; c3 was shipped by D3 → change c4 only: 1 h.
    Leads [1, 3, 4, 8]: p50 3.5, p90 at 2.7: 4 + 0.7 × 4 = 6.8. 5 deployments, CFR 1/5, rework 1/5.
    Bands: 5/30 high; 3.5 h elite; 20 % low; 2 h high.
    """
    check_row(
        team_rows["resync"],
        team="resync",
        deployments=5,
        lead=(3.5, 6.8),
        cfr=0.2,
        recovery=2.0,
        rework=0.2,
        stages=breakdown(),
        row_bands=bands("high", "elite", "low", "high"),
    )


def test_the_organisation_row_adds_every_scenario(team_rows: dict[str, dict[str, Any]]) -> None:
    """Team ``*``: deployments 5 + 2 + 5 + 3 + 4 + 3 + 2 + 5 = 29. Failed: pagedstatus D3, bigcompare
    D3, labelled D2, resync D3 → CFR 4/29; recoveries [2, 9, 9, 19] → p50 9. Incidents 2, restore
    [3, 6]: p50 4.5, p90 3 + 0.9 × 3 = 5.7. Rework: pagedstatus D5, bigpr D2, labelled D3, resync D4
    → 4/29.
    Leads, 536 values: 273 ≤ 6 h (bigcompare's 262, pagedstatus 1.5 and 4, labelled 1 and 3, forcepush
    4 and 1, forcemerged 3 and 2, resync 1, 3 and 4), of which the 120 above 4 h are bigcompare's
    k119…k0 at indices 153…272 (k_m at 272 − m); then resync 8 (273), forcepush 27 (274), hugepr's
    260 (275…534, ordered as in its test), bigpr 64 (535). p50 at 267.5: (k5 + k4)/2 = 6 − 4.5/60;
    p90 at 481.5: hugepr's j = 206, 207 (p52, p51): 32 − 52/60 + 0.5/60 = 32 − 51.5/60.
    Breakdown over the 8 deployed PRs: coding [16, 0.5, 1, 24, 1, 1, 0.5, 6] → 1; pickup [24, 0.5, 1,
    1, 1] → 1; review [22, 1, 1, 1, 1] → 1; deploy [2, 1, 1, 1, 0, 0, 2] → 1.
    Bands: 29/30 high; 5.93 h elite; 13.8 % medium; 9 h high.
    """
    check_row(
        team_rows["*"],
        team="*",
        deployments=29,
        lead=(6 - 4.5 / 60, 32 - 51.5 / 60),
        cfr=4 / 29,
        recovery=9.0,
        restore=(4.5, 5.7),
        incidents=2,
        rework=4 / 29,
        stages=breakdown(1.0, 1.0, 1.0, 1.0),
        row_bands=bands("high", "elite", "medium", "high"),
    )
