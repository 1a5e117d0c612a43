"""Audit round 6, end to end: where two deployment-recognition rules meet (SPEC §5.1–§5.3,
docs/operations.md), emulated GitHub → ``doraspace collect`` (REST and GraphQL) → the stored rows and
``doraspace metrics --format json``. Every number is worked out by hand from SPEC's words, in each
test's docstring.

One emulated organisation holds every scenario, each in its own repository owned by its own team (config
``teams:``, team = the repo's short name). It is collected once per ``github.api`` mode into its own store
(module-scoped fixture) and read with ``--as-of 2026-03-20T00:00:00Z``: one window 30d = (02-18 00:00,
03-20 00:00], which holds everything below, so the bands come from it (SPEC §6.3 "or the longest
configured"), dora-2023. ``github.since`` is 2026-03-01. Times are March 2026 UTC, ``at(day, hour)``;
February instants are written out. Attribution window 24 h; rework and incident labels the defaults.
Every repo's first deployment has unknown changes (SPEC §5.2). Percentiles are ``percentile_cont``: p at
position p × (n − 1) of the sorted values. Whole 30d rows are asserted.

GitHub's environment names ignore letter case (docs/operations.md: "A deployment environment matches
whatever its letter case (GitHub's ``Production`` is the configured ``production``) and is stored as
configured"). The stock emulator filters the deployments list (REST ``?environment=``, GraphQL
``environments:``) by exact spelling; this module's collect makes both filters ignore letter case, as
GitHub does, and nothing else.

Bands (dora-2023): frequency ≥ 1/day elite, ≥ 1/7 high, ≥ 1/30 medium; lead p50 < 24 h elite, < 168 h
high; CFR ≤ 5 % elite, ≤ 10 % high, ≤ 15 % medium, else low; recovery p50 (else restore p50) < 1 h
elite, < 24 h high, < 168 h medium.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from store import schema
from store.engine import open_store
from store.timeutil import to_db
from tests.analytics.facts import bands
from tests.emulators import github as github_emulator
from tests.emulators import github_graphql
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.github_scenarios import (
    APIS,
    AS_OF,
    Scenarios,
    at,
    breakdown,
    check_row,
    run_cli,
    squash_merged_pr,
)

TOKEN_VARIABLE = "AUDIT_ROUND6_RECOGNITION_GITHUB_TOKEN"
TOKEN = "audit-round6-recognition-token"

RECOGNITION = Scenarios()
# The shas each builder made, by repo and name (the emulator's shas are deterministic).
SHAS: dict[str, dict[str, str]] = {}


def feb(day: int, hour: float = 0.0) -> datetime:
    return at(1, hour) - (datetime(2026, 3, 1, tzinfo=UTC) - datetime(2026, 2, day, tzinfo=UTC))


def scenario(
    repo_name: str, source: str | None = None
) -> Callable[[Callable[[RepoData], dict[str, str]]], Callable[[RepoData], dict[str, str]]]:
    """Register a builder of ``repo_name`` (deployments config ``source``, default GitHub Deployments in
    production), owned by the team of its short name; the builder returns its shas by name."""

    def register(builder: Callable[[RepoData], dict[str, str]]) -> Callable[[RepoData], dict[str, str]]:
        def build(dataset: GitHubDataset) -> None:
            SHAS[repo_name] = builder(dataset.add_repo(repo_name))

        RECOGNITION.register((repo_name, repo_name.split("/")[1], source))(build)
        return builder

    return register


# ------------------------------------------------------------------------------------------- scenarios


@scenario("acme/envcase")
def build_environment_spellings_statuses_redeploy_and_rollback(repo: RepoData) -> dict[str, str]:
    c0 = repo.commit("initial", author_date=at(1))
    repo.deployment(c0, environment="production", created_at=at(1, 6))  # D1 first
    f1 = repo.commit("f1", author_date=at(2, 8))
    repo.deployment(  # D2: an error, then a success
        f1,
        environment="Production",
        created_at=at(2, 9),
        statuses=[("pending", at(2, 9)), ("error", at(2, 9.25)), ("success", at(2, 10))],
    )
    f2 = repo.commit("f2", author_date=at(2, 10.5))
    repo.deployment(f2, environment="Staging", created_at=at(2, 11))  # not production
    repo.deployment(  # D3: f1 again, superseded (inactive) later
        f1,
        environment="production",
        created_at=at(2, 11.5),
        statuses=[("in_progress", at(2, 11.5)), ("success", at(2, 12)), ("inactive", at(2, 15))],
    )
    repo.issue(title="Errors up", created_at=at(2, 13), closed_at=at(2, 14), labels=["incident"])
    repo.deployment(  # a failed attempt while the incident is open
        f2, environment="PRODUCTION", created_at=at(2, 13.5), statuses=[("failure", at(2, 13.5))]
    )
    repo.deployment(  # D5
        f2,
        environment="production",
        created_at=at(2, 15),
        statuses=[("queued", at(2, 15)), ("success", at(2, 16))],
    )
    repo.deployment(f1, environment="Production", created_at=at(3, 10))  # D6: back to f1
    return {"c0": c0, "f1": f1, "f2": f2}


@scenario("acme/envlive", "{source: deployments, environment: Live}")
def build_configured_environment_in_another_case_and_production(repo: RepoData) -> dict[str, str]:
    c0 = repo.commit("initial", author_date=at(1))
    repo.deployment(c0, environment="live", created_at=at(1, 6))  # L1 first
    c1 = repo.commit("c1", author_date=at(2, 8))
    repo.deployment(c1, environment="production", created_at=at(2, 9))  # not the environment
    repo.issue(title="Slow", created_at=at(2, 10), closed_at=at(2, 11), labels=["incident"])
    c2 = repo.commit("c2", author_date=at(2, 12))
    repo.deployment(
        c2,
        environment="LIVE",
        created_at=at(2, 13),
        statuses=[("in_progress", at(2, 13)), ("success", at(2, 14))],
    )  # L2
    return {"c0": c0, "c1": c1, "c2": c2}


@scenario("acme/wfatt", "{source: workflow_runs, workflow: deploy.yml}")
def build_workflow_attempts_branch_runs_and_a_dispatch_redeploy(repo: RepoData) -> dict[str, str]:
    c0 = repo.commit("initial", author_date=at(1))
    repo.workflow_run(c0, created_at=at(1, 5), updated_at=at(1, 6))  # W1 first
    c1 = repo.commit("c1", author_date=at(2, 6))
    # W2: attempt 1 failed, attempt 2 (the same run) succeeded at 09:00.
    repo.workflow_run(c1, created_at=at(2, 7), updated_at=at(2, 9), run_attempt=2)
    x = repo.commit("x", parents=[c1], author_date=at(2, 10), author_login="alice", branch="feature-x")
    repo.workflow_run(x, branch="feature-x", created_at=at(2, 10.25), updated_at=at(2, 11))  # not main
    c2 = repo.commit("c2", author_date=at(2, 12))
    # W3: attempt 1 succeeded, its re-run (attempt 2, what GitHub now shows) failed: an attempt.
    repo.workflow_run(
        c2, created_at=at(2, 12.25), updated_at=at(2, 13.5), run_attempt=2, conclusion="failure"
    )
    c3 = repo.commit("c3", author_date=at(2, 14))
    repo.workflow_run(c3, created_at=at(2, 14.25), updated_at=at(2, 15))  # W4
    repo.workflow_run(  # W5: the same commit dispatched again
        c3, event="workflow_dispatch", created_at=at(2, 16), updated_at=at(2, 16.5)
    )
    repo.issue(title="Timeouts", created_at=at(2, 17), closed_at=at(2, 18), labels=["incident"])
    c4 = repo.commit("c4", author_date=at(2, 20))
    repo.workflow_run(  # still running: no deployment
        c4, status="in_progress", conclusion=None, created_at=at(2, 20 + 1 / 6), updated_at=at(2, 20.25)
    )
    return {"c0": c0, "c1": c1, "x": x, "c2": c2, "c3": c3, "c4": c4}


@scenario("acme/reldraft", "{source: releases}")
def build_draft_published_after_a_later_release_and_a_prerelease(repo: RepoData) -> dict[str, str]:
    c0 = repo.commit("initial", author_date=at(1))
    f1 = repo.commit("f1", author_date=at(2, 8))
    f2 = repo.commit("f2", author_date=at(2, 9))
    f3 = repo.commit("f3", author_date=at(3, 8))
    f4 = repo.commit("f4", author_date=at(4, 8))
    repo.tags.update(
        {
            "v1.0.0": c0,
            "v1.1.0-rc.1": f1,
            "v1.1.0": f1,
            "v1.2.0": f3,
            "v1.1.1": f1,
            "v1.3.0-rc.1": f4,
            "v2.0.0": f4,
        }
    )
    # A release's created_at is its commit's date (GitHub's REST docs), however late it is drafted.
    repo.release("v1.0.0", created_at=at(1), published_at=at(1, 6))  # R1 first
    repo.release("v1.1.0-rc.1", created_at=at(2, 8), published_at=at(2, 9.5), prerelease=True)
    repo.release("v1.1.0", created_at=at(2, 8), published_at=at(2, 14))  # R2
    repo.release("v1.2.0", created_at=at(3, 8), published_at=at(3, 15))  # R4: a draft until 15:00
    repo.release("v1.1.1", created_at=at(2, 8), published_at=at(3, 10.5))  # R3: the same commit as R2
    repo.release("v1.3.0-rc.1", created_at=at(4, 8), published_at=at(4, 9), prerelease=True)
    repo.issue(title="Login fails", created_at=at(4, 10), closed_at=at(4, 11), labels=["incident"])
    repo.release("v2.0.0", created_at=at(4, 8), published_at=None, draft=True)
    return {"c0": c0, "f1": f1, "f2": f2, "f3": f3, "f4": f4}


@scenario("acme/mpsince", "{source: merged_prs}")
def build_pr_begun_before_since_and_a_pr_into_a_release_branch(repo: RepoData) -> dict[str, str]:
    c0 = repo.commit("initial", author_date=feb(20))
    q0 = repo.commit("q0", parents=[c0], author_date=at(1, 1), author_login="alice", branch="pr-1")
    s1 = squash_merged_pr(
        repo, [q0], c0, number=1, title="Init", author="alice", created_at=at(1, 2), merged_at=at(1, 6)
    )
    p1 = repo.commit("p1", parents=[c0], author_date=feb(25, 10), author_login="alice", branch="pr-2")
    p2 = repo.commit("p2", parents=[p1], author_date=at(2, 8), author_login="alice", branch="pr-2")
    s2 = squash_merged_pr(
        repo,
        [p1, p2],
        s1,
        number=2,
        title="Big feature",
        author="alice",
        created_at=feb(26, 10),
        merged_at=at(2, 12),
        reviews=[("bob", "COMMENTED", at(2, 9)), ("bob", "APPROVED", at(2, 10))],
    )
    h = repo.commit("h", parents=[s1], author_date=at(3, 8), author_login="erin", branch="pr-3")
    r = repo.commit(
        "Merge pull request #3 from acme/pr-3", parents=[s1, h], author_date=at(3, 10), branch="release-1.x"
    )
    repo.pull(
        number=3,
        title="Hotfix for 1.x",
        author="erin",
        created_at=at(3, 9),
        commits=[h],
        merged_at=at(3, 10),
        merge_commit_sha=r,
        base="release-1.x",
    )
    repo.issue(title="Checkout down", created_at=at(3, 11), closed_at=at(3, 12), labels=["incident"])
    t1 = repo.commit("t1", parents=[s2], author_date=at(3, 13), author_login="carol", branch="pr-4")
    s4 = squash_merged_pr(
        repo, [t1], s2, number=4, title="Tidy", author="carol", created_at=at(3, 13.5), merged_at=at(3, 14)
    )
    return {"c0": c0, "q0": q0, "s1": s1, "p1": p1, "p2": p2, "s2": s2, "h": h, "r": r, "t1": t1, "s4": s4}


@scenario("acme/relold", "{source: releases}")
def build_releases_of_commits_older_than_since(repo: RepoData) -> dict[str, str]:
    c0 = repo.commit("initial", author_date=feb(20))
    k = repo.commit("Backport fix", parents=[c0], author_date=feb(27), branch="release-1.0")
    f1 = repo.commit("f1", author_date=at(2, 8))
    f2 = repo.commit("f2", author_date=at(4, 8))
    repo.tags.update({"v1.0.0": c0, "v1.1.0": f1, "v1.0.1": k, "v1.2.0": f2})
    # created_at is each release's commit date (GitHub's REST docs): c0 and k are older than since.
    repo.release("v1.0.0", created_at=feb(20), published_at=at(1, 6))  # R1 first
    repo.release("v1.1.0", created_at=at(2, 8), published_at=at(2, 10))  # R2
    repo.release("v1.0.1", created_at=feb(27), published_at=at(3, 10), target_commitish="release-1.0")
    repo.release("v1.2.0", created_at=at(4, 8), published_at=at(4, 9))  # R4
    return {"c0": c0, "k": k, "f1": f1, "f2": f2}


@scenario("acme/mpold", "{source: merged_prs}")
def build_pr_merged_before_since_and_updated_after(repo: RepoData) -> dict[str, str]:
    c0 = repo.commit("initial", author_date=feb(10))
    q1 = repo.commit("q1", parents=[c0], author_date=feb(20), author_login="alice", branch="pr-1")
    s1 = repo.squash_merge([q1], c0, "Old work (#1)", feb(27, 10))
    repo.pull(  # merged before since; a label added on 03-02 moved its updated_at
        number=1,
        title="Old work",
        author="alice",
        created_at=feb(21),
        commits=[q1],
        merged_at=feb(27, 10),
        merge_commit_sha=s1,
        labels=["docs"],
        updated_at=at(2, 9),
    )
    q2 = repo.commit("q2", parents=[s1], author_date=at(2, 8), author_login="bob", branch="pr-2")
    s2 = squash_merged_pr(
        repo, [q2], s1, number=2, title="New", author="bob", created_at=at(2, 9), merged_at=at(2, 12)
    )
    q3 = repo.commit("q3", parents=[s2], author_date=at(3, 8), author_login="bob", branch="pr-3")
    s3 = squash_merged_pr(
        repo, [q3], s2, number=3, title="Newer", author="bob", created_at=at(3, 9), merged_at=at(3, 10)
    )
    return {"s1": s1, "s2": s2, "s3": s3}


# ------------------------------------------------------------------------------------------- pipeline


def _any_case(wanted: str | None, environment: Any) -> bool:
    return wanted is None or str(environment or "").casefold() == wanted.casefold()


def list_deployments_any_case(req: github_emulator.ApiRequest, repo: RepoData) -> github_emulator.Reply:
    """The stock handler, with GitHub's case-insensitive ``environment`` filter."""
    items = [
        d
        for d in repo.deployments
        if _any_case(req.query.get("environment"), d.get("environment"))
        and all(req.query.get(k) in (None, d.get(k)) for k in ("sha", "ref", "task"))
    ]
    return github_emulator.paginate(req, github_emulator._sorted_by(items, "created_at", descending=True))


def graphql_deployments_any_case(
    self: github_graphql.GraphQLResolver, variables: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """The stock resolver, with GitHub's case-insensitive ``environments`` filter."""
    repo = self._repo(variables)
    if repo is None:
        return self._not_found(variables)
    first = int(variables.get("first", 100))
    environments = [str(e).casefold() for e in variables.get("environments") or []]
    items = [
        d
        for d in repo.deployments
        if not environments or str(d.get("environment") or "").casefold() in environments
    ]
    ordered = github_emulator._sorted_by(items, "created_at", descending=True)
    page = github_graphql._connection(
        ordered, first, variables.get("after"), lambda d: self._deployment(repo, d)
    )
    return {"data": {"repository": {"deployments": page}}}, github_graphql.query_cost(first, 1)


Stored = dict[str, list[tuple[Any, ...]]]  # repo → its deployments, with their compares


def stored_deployments(store: Path) -> Stored:
    """Per repo: (environment, sha, deployed_at, last_state, compare status, total commits) of each stored
    deployment, by created_at then id."""
    d, c = schema.deployments, schema.deployment_compares
    engine = open_store(f"duckdb:///{store}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    d.c.repo,
                    d.c.environment,
                    d.c.sha,
                    d.c.deployed_at,
                    d.c.last_state,
                    c.c.status,
                    c.c.total_commits,
                )
                .select_from(
                    d.outerjoin(
                        c,
                        (c.c.repo == d.c.repo)
                        & (c.c.source == d.c.source)
                        & (c.c.deployment_id == d.c.deployment_id),
                    )
                )
                .order_by(d.c.repo, d.c.created_at, d.c.deployment_id)
            ).all()
    finally:
        engine.dispose()
    result: Stored = {}
    for repo, *rest in rows:
        result.setdefault(repo, []).append(tuple(rest))
    return result


@pytest.fixture(scope="module")
def collected(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[dict[str, dict[str, Any]], Stored]]:
    """Per ``github.api`` mode: the 30d row of each team as of AS_OF, and the stored deployments."""
    dataset = GitHubDataset()
    for build in RECOGNITION.builders:
        build(dataset)
    index = next(
        i for i, route in enumerate(github_emulator._ROUTES) if route[1] is github_emulator.list_deployments
    )
    regex, _, wants_repo = github_emulator._ROUTES[index]
    result: dict[str, tuple[dict[str, dict[str, Any]], Stored]] = {}
    with pytest.MonkeyPatch.context() as patch:
        routes = list(github_emulator._ROUTES)
        routes[index] = (regex, list_deployments_any_case, wants_repo)
        patch.setattr(github_emulator, "_ROUTES", routes)
        patch.setattr(github_graphql.GraphQLResolver, "_deployments", graphql_deployments_any_case)
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        with GitHubEmulator(dataset, token=TOKEN) as emulator:
            for api in APIS:
                directory = tmp_path_factory.mktemp(api)
                config = RECOGNITION.write_config(directory, emulator.base_url, TOKEN_VARIABLE, api)
                run_cli(["collect", "--config", str(config)])
                rows = json.loads(
                    run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF])
                )
                teams = {row["team"]: row for row in rows if row["window"] == "30d"}
                result[api] = (teams, stored_deployments(directory / "store.duckdb"))
    assert os.environ.get(TOKEN_VARIABLE) is None
    return result


@pytest.fixture(params=APIS)
def api(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def team_rows(
    api: str, collected: dict[str, tuple[dict[str, dict[str, Any]], Stored]]
) -> dict[str, dict[str, Any]]:
    return collected[api][0]


@pytest.fixture
def stored(api: str, collected: dict[str, tuple[dict[str, dict[str, Any]], Stored]]) -> Stored:
    return collected[api][1]


def db(moment: datetime) -> Any:
    return to_db(moment)


# ------------------------------------------------------------------------------------------- the tests


def test_environment_spellings_stored_as_configured(stored: Stored) -> None:
    """acme/envcase (default: deployments in ``production``): GitHub's ``Production``, ``production``
    and ``PRODUCTION`` are one environment, stored as configured; ``Staging`` is not collected (SPEC
    §5.1 "only the production environment counts"). deployed_at = the first ``success``'s created_at,
    whatever came before or after it (error, inactive); one with no success is a failed attempt: stored,
    no deployed_at, no compare.
    D1 c0 first. D2 f1 (error 09:15, success 10:00): compare(c0...f1) ahead 1. D3 f1 again (success
    12:00, inactive 15:00): ``identical``, 0. The failure-only attempt of f2: last state failure.
    D5 f2 (queued, success 16:00): compare(f1...f2) ahead 1. D6 f1 (03 10:00): ``behind``, 0."""
    s = SHAS["acme/envcase"]
    assert stored["acme/envcase"] == [
        ("production", s["c0"], db(at(1, 6)), "success", "first", 0),
        ("production", s["f1"], db(at(2, 10)), "success", "ahead", 1),
        ("production", s["f1"], db(at(2, 12)), "inactive", "identical", 0),
        ("production", s["f2"], None, "failure", None, None),
        ("production", s["f2"], db(at(2, 16)), "success", "ahead", 1),
        ("production", s["f1"], db(at(3, 10)), "success", "behind", 0),
    ]


def test_environment_spellings_statuses_redeploy_window_and_rollback(
    team_rows: dict[str, dict[str, Any]],
) -> None:
    """acme/envcase (team envcase), deployments in ``production`` (stored rows: the test above).

    D1 c0 03-01 06:00 (first). D2 f1 (02 08:00) in ``Production``: pending, error 09:15, success 10:00
    → deployed 10:00: lead 2 h. A ``Staging`` deployment of f2 at 11:00: none. D3 redeploys f1 in
    ``production`` at 12:00: ``identical``: a deployment, no changes, no rollback (§5.2).
    Issue 13:00 → 14:00, no sha: the latest production deployment before 13:00 is D3 (1 h; not D2, not
    the staging one) → D3 failed (window), recovered 14:00: 2 h. A ``PRODUCTION`` attempt of f2 at
    13:30 only fails: no deployment, so no rework either.
    D5 f2 (02 10:30) first succeeds 16:00: compare(f1...f2) = f2: 5.5 h. D6 f1 in ``Production`` at 03
    10:00: f1 is an ancestor of f2, ``behind`` → a rollback of D5 (D5 failed, recovered 03 10:00 − 02
    16:00 = 18 h); D6 rework.
    Deployments 5; lead 2, 5.5 → p50 3.75, p90 at 0.9: 2 + 0.9 × 3.5 = 5.15; CFR 2/5; recovery 2, 18 →
    10; incidents 1, restore 1; rework 1/5; no PR → breakdown null.
    Bands: 5/30 ≥ 1/7 high; 3.75 h elite; 40 % low; 10 h high.
    """
    check_row(
        team_rows["envcase"],
        team="envcase",
        deployments=5,
        lead=(3.75, 5.15),
        cfr=2 / 5,
        recovery=10.0,
        restore=(1.0, 1.0),
        incidents=1,
        rework=1 / 5,
        stages=breakdown(),
        row_bands=bands("high", "elite", "low", "high"),
    )


def test_configured_environment_in_another_case_ignores_production(
    stored: Stored, team_rows: dict[str, dict[str, Any]]
) -> None:
    """acme/envlive (team envlive), ``{source: deployments, environment: Live}``.

    Stored: L1 c0 (``live``, 03-01 06:00, first) and L2 c2 (``LIVE``, in_progress 13:00, success 02
    14:00), both as ``Live`` (as configured); the ``production`` deployment of c1 (02 09:00) is not the
    environment: not stored. L2: compare(c0...c2) = c1, c2 → ahead 2.
    Issue 02 10:00 → 11:00, no sha: the latest ``Live`` deployment before it is L1, 28 h before: outside
    the 24 h window → no failure (were production counted, its deployment 1 h before would fail).
    L2 at 14:00: c1 (02 08:00) 6 h, c2 (12:00) 2 h; the issue is closed → not rework.
    Deployments 2; lead 2, 6 → p50 4, p90 at 0.9: 2 + 0.9 × 4 = 5.6; CFR 0; recovery null; incidents 1,
    restore 1; rework 0.
    Bands: 2/30 ≥ 1/30 medium; 4 h elite; 0 % elite; no failure recovered → restore 1 h, not < 1 h → high.
    """
    s = SHAS["acme/envlive"]
    assert stored["acme/envlive"] == [
        ("Live", s["c0"], db(at(1, 6)), "success", "first", 0),
        ("Live", s["c2"], db(at(2, 14)), "success", "ahead", 2),
    ]
    check_row(
        team_rows["envlive"],
        team="envlive",
        deployments=2,
        lead=(4.0, 5.6),
        cfr=0.0,
        recovery=None,
        restore=(1.0, 1.0),
        incidents=1,
        rework=0.0,
        stages=breakdown(),
        row_bands=bands("medium", "elite", "elite", "high"),
    )


def test_workflow_attempts_branch_run_rerun_to_failure_and_a_dispatch_redeploy(
    stored: Stored, team_rows: dict[str, dict[str, Any]]
) -> None:
    """acme/wfatt (team wfatt), workflow_runs of deploy.yml on main.

    W1 c0 ends 03-01 06:00 (first). W2 c1 (02 06:00): attempt 1 failed, attempt 2 of the same run
    succeeded, updated_at 09:00 → one deployment at 09:00 (§5.1 the run's updated_at): compare(c0...c1)
    = c1, 3 h. A green deploy.yml run of x on branch feature-x (ends 11:00): not the default branch,
    nothing stored. W3 c2 (12:00): attempt 1 succeeded, its re-run (attempt 2, what GitHub shows)
    failed → a failed attempt (conclusion failure), no deployment. W4 c3 (14:00) ends 15:00:
    compare(c1...c3) = c2, c3 → c2 3 h, c3 1 h (c2's failed run shipped nothing). W5, a
    workflow_dispatch run of c3 ending 16:30: a new run, so a second deployment of the same sha:
    ``identical``, no changes (frequency counts it, changes once). Issue 17:00 → 18:00, no sha: the
    latest deployment before it is W5 → W5 failed (window), recovered 1.5 h; W4 not. c4's run is still
    in progress: not a completed run (§5.1), no deployment (whether it is kept as an attempt is no
    rule of SPEC's: such a row is left out of the comparison).
    Deployments 4; lead 1, 3, 3 → p50 3, p90 at 1.8: 3; CFR 1/4; recovery 1.5; incidents 1, restore 1;
    rework 0 (nothing deployed while the issue was open); breakdown null.
    Bands: 4/30 < 1/7 → medium; 3 h elite; 25 % low; 1.5 h high.
    """
    s = SHAS["acme/wfatt"]
    assert [row for row in stored["acme/wfatt"] if row[3] != "in_progress"] == [
        ("production", s["c0"], db(at(1, 6)), "success", "first", 0),
        ("production", s["c1"], db(at(2, 9)), "success", "ahead", 1),
        ("production", s["c2"], None, "failure", None, None),
        ("production", s["c3"], db(at(2, 15)), "success", "ahead", 2),
        ("production", s["c3"], db(at(2, 16.5)), "success", "identical", 0),
    ]
    check_row(
        team_rows["wfatt"],
        team="wfatt",
        deployments=4,
        lead=(3.0, 3.0),
        cfr=1 / 4,
        recovery=1.5,
        restore=(1.0, 1.0),
        incidents=1,
        rework=0.0,
        stages=breakdown(),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_draft_published_after_a_later_release_of_an_older_tag_and_a_prerelease_before_an_incident(
    stored: Stored, team_rows: dict[str, dict[str, Any]]
) -> None:
    """acme/reldraft (team reldraft), source releases.

    R1 v1.0.0 c0 published 03-01 06:00 (first). v1.1.0-rc.1 (f1) a prerelease published 02 09:30: none.
    R2 v1.1.0 on f1 (02 08:00) published 14:00: compare(c0...f1) = f1, 6 h.
    v1.2.0 on f3 (03 08:00) is a draft until 03 15:00; meanwhile v1.1.1, again on f1, is published 03
    10:30. Ordered by deployed_at = published_at (§5.1, §5.2): R3 v1.1.1 (03 10:30) redeploys f1:
    ``identical``, no changes, no rollback; R4 v1.2.0 (03 15:00): compare(f1...f3) = f2, f3 → f2 (02
    09:00) 30 h, f3 (03 08:00) 7 h. (Had the draft counted from its creation, v1.1.1 would follow it
    and be a rollback.)
    v1.3.0-rc.1 (f4) a prerelease published 04 09:00: none. Issue 04 10:00 → 11:00, no sha: the latest
    deployment before it is R4 (19 h ≤ 24 h; not the prerelease) → R4 failed (window), recovered 20 h.
    A draft v2.0.0: none.
    Deployments 4; lead 6, 7, 30 → p50 7, p90 at 1.8: 7 + 0.8 × 23 = 25.4; CFR 1/4; recovery 20;
    incidents 1, restore 1; rework 0; breakdown null.
    Bands: 4/30 medium; 7 h elite; 25 % low; 20 h high.
    """
    s = SHAS["acme/reldraft"]
    assert sorted(stored["acme/reldraft"], key=lambda row: row[2]) == [
        ("production", s["c0"], db(at(1, 6)), "published", "first", 0),
        ("production", s["f1"], db(at(2, 14)), "published", "ahead", 1),
        ("production", s["f1"], db(at(3, 10.5)), "published", "identical", 0),
        ("production", s["f3"], db(at(3, 15)), "published", "ahead", 2),
    ]
    check_row(
        team_rows["reldraft"],
        team="reldraft",
        deployments=4,
        lead=(7.0, 25.4),
        cfr=1 / 4,
        recovery=20.0,
        restore=(1.0, 1.0),
        incidents=1,
        rework=0.0,
        stages=breakdown(),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_merged_prs_begun_before_since_and_a_merge_into_a_release_branch_before_an_incident(
    stored: Stored, team_rows: dict[str, dict[str, Any]]
) -> None:
    """acme/mpsince (team mpsince), source merged_prs; github.since 2026-03-01.

    c0 root (02-20). PR #1 (alice; q0 03-01 01:00, opened 02:00, no review) squash-merged 06:00 as s1 →
    M1 (first).
    PR #2 (alice; p1 authored 02-25 10:00, before since; p2 03-02 08:00; opened 02-26 10:00; bob
    comments 03-02 09:00, approves 10:00) squash-merged 03-02 12:00 as s2 → M2 at 12:00:
    compare(s1...s2) = s2, PR #2's merge_commit_sha → starts at the earliest author date of its commits,
    p1 (§5.2; since bounds what is listed, not a PR's commits): 02-25 10:00 → 03-02 12:00 = 5 d 2 h =
    122 h.
    PR #3 (erin; h 03 08:00, opened 09:00) merged 03 10:00 into ``release-1.x``, not the default branch:
    no deployment (§5.1). Issue 03 11:00 → 12:00, no sha: the latest deployment before it is M2 (23 h
    ≤ 24 h) → M2 failed (window), recovered 03 12:00: 24 h (were PR #3 a deployment, it would be the
    one failed).
    PR #4 (carol; t1 03 13:00, opened 13:30) squash-merged 14:00 as s4 → M3: 1 h; not rework.
    Stored (merged_prs, created_at = merged_at): M1 s1 first; M2 s2 ahead 1; M3 s4 ahead 1.
    Deployments 3; lead 1, 122 → p50 61.5, p90 at 0.9: 1 + 0.9 × 121 = 109.9; CFR 1/3; recovery 24;
    incidents 1, restore 1; rework 0.
    Breakdown over PRs shipped by a deployment (#3 by none; #1 by the first: no deploy stage): coding #1 1,
    #2 02-25 10:00 → 02-26 10:00 = 24, #4 0.5 → 1.0; pickup #2 02-26 10:00 → 03-02 09:00 = 95; review
    #2 09:00 → 12:00 = 3; deploy #2 0, #4 0 → 0.
    Bands: 3/30 medium; 61.5 h < 168 h high; 33 % low; 24 h not < 24 h → medium.
    """
    s = SHAS["acme/mpsince"]
    assert stored["acme/mpsince"] == [
        ("production", s["s1"], db(at(1, 6)), "merged", "first", 0),
        ("production", s["s2"], db(at(2, 12)), "merged", "ahead", 1),
        ("production", s["s4"], db(at(3, 14)), "merged", "ahead", 1),
    ]
    check_row(
        team_rows["mpsince"],
        team="mpsince",
        deployments=3,
        lead=(61.5, 109.9),
        cfr=1 / 3,
        recovery=24.0,
        restore=(1.0, 1.0),
        incidents=1,
        rework=0.0,
        stages=breakdown(coding=1.0, pickup=95.0, review=3.0, deploy=0.0),
        row_bands=bands("medium", "high", "low", "medium"),
    )


def test_releases_of_commits_older_than_since_published_after_it(
    stored: Stored, team_rows: dict[str, dict[str, Any]]
) -> None:
    """acme/relold (team relold), source releases; github.since 2026-03-01.

    GitHub gives a release the created_at of its commit, not of its drafting or publication; SPEC §5.1
    counts a release at published_at, and since is how far back the first sync reaches (§3). Every
    release here is published after since.
    c0 (02-20) and a backport k (02-27, branch release-1.0 from c0) predate since; f1 (03-02 08:00) and
    f2 (03-04 08:00) on main.
    R1 v1.0.0 on c0 published 03-01 06:00: first. R2 v1.1.0 on f1 published 02 10:00: compare(c0...f1)
    = f1, 2 h. R3 v1.0.1 on k published 03 10:00: compare(f1...k) ``diverged`` (no rollback), ahead by
    k → 03 10:00 − 02-27 00:00 = 4 d 10 h = 106 h. R4 v1.2.0 on f2 published 04 09:00:
    compare(k...f2) ``diverged`` again, ahead by f1, f2; f1 shipped by R2 → f2, 1 h.
    Deployments 4; lead 1, 2, 106 → p50 2, p90 at 1.8: 2 + 0.8 × 104 = 85.2; CFR 0; recovery null;
    rework 0; breakdown null.
    Bands: 4/30 medium; 2 h elite; 0 % elite; null.
    (Found: R1 and R3 are not stored — the releases list, newest created first, is read only down to a
    created_at of since — so 2 deployments, R2 first and R4 with f2's 1 h.)
    """
    s = SHAS["acme/relold"]
    assert sorted(stored["acme/relold"], key=lambda row: row[2]) == [
        ("production", s["c0"], db(at(1, 6)), "published", "first", 0),
        ("production", s["f1"], db(at(2, 10)), "published", "ahead", 1),
        ("production", s["k"], db(at(3, 10)), "published", "diverged", 1),
        ("production", s["f2"], db(at(4, 9)), "published", "diverged", 2),
    ]
    check_row(
        team_rows["relold"],
        team="relold",
        deployments=4,
        lead=(2.0, 85.2),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_merged_prs_pr_merged_before_since_and_updated_after_it(
    stored: Stored, team_rows: dict[str, dict[str, Any]]
) -> None:
    """acme/mpold (team mpold), source merged_prs; github.since 2026-03-01. AMBIGUOUS in SPEC (since is
    "how far back the first sync reaches", §3): this test keeps the product's reading.

    PR #1 (alice; q1 02-20, opened 02-21) squash-merged 02-27 10:00 as s1 — before since — and labelled
    ``docs`` on 03-02 09:00, so the closed-PR list (by updated_at) still reaches it: the product stores
    it as a deployment at 02-27 10:00, inside the 30d window (02-18, 03-20]: M1, the first.
    PR #2 (bob; q2 03-02 08:00, opened 09:00) squash-merged 12:00 as s2 → M2: compare(s1...s2) = s2,
    starts at q2: 4 h. PR #3 (q3 03 08:00, opened 09:00) merged 10:00 as s3 → M3: 2 h.
    Deployments 3; lead 2, 4 → p50 3, p90 at 0.9: 2 + 0.9 × 2 = 3.8; CFR 0; recovery null; rework 0.
    Breakdown: #1 coding 02-20 → 02-21 = 24 (first deployment: no deploy stage), #2 1, #3 1 → coding 1;
    no review; deploy #2 0, #3 0 → 0.
    (The other reading — since bounds the deployments too — gives M2 first, M3 2 h: 2 deployments.)
    Bands: 3/30 medium; 3 h elite; 0 % elite; null.
    """
    s = SHAS["acme/mpold"]
    assert stored["acme/mpold"] == [
        ("production", s["s1"], db(feb(27, 10)), "merged", "first", 0),
        ("production", s["s2"], db(at(2, 12)), "merged", "ahead", 1),
        ("production", s["s3"], db(at(3, 10)), "merged", "ahead", 1),
    ]
    check_row(
        team_rows["mpold"],
        team="mpold",
        deployments=3,
        lead=(3.0, 3.8),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=1.0, deploy=0.0),
        row_bands=bands("medium", "elite", "elite", None),
    )
