"""Audit round 11, end to end: GitHub Deployments as real tools write them, where the deployment-source
rules meet (SPEC §5.1 "GitHub Deployments in environment. A deployment succeeded at the created_at of
its first success status", §5.2 changes from ``compare(P.sha...D.sha)``, ``identical`` redeploys, §6.1
failure rules, §6.2 recovery and rework; docs/operations.md "A deployment environment matches whatever
its letter case (GitHub's ``Production`` is the configured ``production``) and is stored as configured";
docs/configuration.md ``github.deployments.environment`` and ``github.repositories[].deployments``, "keys
left out are inherited"). Emulated GitHub → ``doraspace collect`` → ``doraspace metrics --format json``.
Every number is worked out by hand from SPEC's and the docs' words, in each test's docstring.

Quirks combined: one repository written ``production`` by one tool and ``Production``/``PRODUCTION`` by
another (an ``identical`` redeploy across spellings, failed by a window incident); a configured ``prod``
beside GitHub's ``production`` (no alias either way); a deployment whose ``ref`` is a tag or a branch
that has moved on since, while its ``sha`` is the commit deployed; ``task: deploy:migrations`` beside
``task: deploy``; ``transient_environment``/``production_environment`` flags; statuses ``in_progress``
→ ``success`` → ``inactive``; a ``failure`` retried in place to ``success`` hours later, across an
incident; an older sha reported by another pipeline in the same second as a newer one.

Collected once per ``github.api`` mode (REST, GraphQL): GraphQL reads the statuses with the listing
(the first 100, nested), REST asks each deployment's statuses, so the three scenarios whose status
orders matter (casemix, tasks, retried) are asserted in both modes; the others, whose statuses are a
plain success, on the REST store. GitHub's environment names ignore letter case in both listings;
the stock GraphQL emulator filters ``environments:`` by exact spelling, so this module's collect makes
that filter ignore letter case, as GitHub's does (and as round 6's recognition audit does), and
changes nothing else.

One emulated organisation holds the scenarios, each repository owned by the team of its short name
(config ``teams:``), read with ``--as-of 2026-03-20T00:00:00Z``: one window, 30d = (02-18 00:00, 03-20
00:00], holds everything, so the bands come from it (SPEC §6.3 "or the longest configured"), dora-2023.
``github.since`` 2026-03-01; attribution window 24 h; incident issues carry the label ``incident``;
rework labels the defaults. Times are March 2026 UTC, ``at(day, hour)``. Each repository's first
deployment has unknown changes (SPEC §5.2: no lead times). Percentiles are ``percentile_cont``: p at
position p × (n − 1) of the sorted values. Whole 30d rows are asserted.

The stock emulator does not add GitHub's ``inactive`` to the previous deployment of an environment when
a new one succeeds: the builders add it by hand, at the instant of the new success.

Bands (dora-2023): frequency ≥ 1/7 per day high, ≥ 1/30 medium (4/30 and 2/30 are medium; 0 is low);
lead p50 < 24 h elite; CFR ≤ 5 % elite, > 15 % low; recovery p50 (else restore p50) < 1 h elite,
< 24 h high, < 168 h medium.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

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

TOKEN_VARIABLE = "AUDIT_ROUND11_DEPLOYMENT_QUIRKS_GITHUB_TOKEN"
TOKEN = "audit-round11-deployment-quirks-token"

QUIRKS = Scenarios()
Rows = dict[str, dict[str, Any]]  # team → its 30d row
RepoBuilder = Callable[[RepoData], None]


def scenario(repo_name: str, deployments: str | None = None) -> Callable[[RepoBuilder], RepoBuilder]:
    """Register a builder of ``repo_name`` (deployments config ``deployments``, default GitHub
    Deployments in ``production``), owned by the team of its short name."""

    def register(builder: RepoBuilder) -> RepoBuilder:
        def build(dataset: GitHubDataset) -> None:
            builder(dataset.add_repo(repo_name))

        QUIRKS.register((repo_name, repo_name.split("/")[1], deployments))(build)
        return builder

    return register


def inactive(repo: RepoData, deployment_id: int, moment: datetime) -> None:
    """GitHub's ``inactive`` on the previous successful deployment when a new one succeeds."""
    repo.add_status(deployment_id, "inactive", moment)


NO_STAGES = breakdown()


# ------------------------------------------------------------------------------------------- scenarios


@scenario("acme/casemix")
def build_two_tools_two_spellings(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    d1 = repo.deployment(c0, environment="production", created_at=at(1, 6))  # D1, first
    f1 = repo.commit("f1", author_date=at(2, 8))
    d2 = repo.deployment(  # D2: the CI's spelling
        f1,
        environment="Production",
        created_at=at(2, 9),
        statuses=[("in_progress", at(2, 9)), ("success", at(2, 10))],
    )
    inactive(repo, d1, at(2, 10))
    d3 = repo.deployment(  # D3: the same sha again, by the CD tool's spelling, flagged transient
        f1,
        environment="production",
        created_at=at(3, 9),
        statuses=[("queued", at(3, 9)), ("in_progress", at(3, 9.25)), ("success", at(3, 9.5))],
    )
    repo.deployments[-1].update(transient_environment=True, production_environment=False)
    inactive(repo, d2, at(3, 9.5))
    repo.issue(title="Latency up", created_at=at(3, 11), closed_at=at(3, 13), labels=["incident"])
    f2 = repo.commit("f2", author_date=at(4, 8))
    repo.deployment(  # D4: a third spelling; torn down (inactive) an hour after its success
        f2,
        environment="PRODUCTION",
        created_at=at(4, 10),
        statuses=[("in_progress", at(4, 10)), ("success", at(4, 11)), ("inactive", at(4, 12))],
    )
    inactive(repo, d3, at(4, 11))


@scenario("acme/prodalias", "{source: deployments, environment: prod}")
def build_configured_prod_beside_production(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    repo.deployment(c0, environment="prod", created_at=at(1, 6))  # P1, first
    f1 = repo.commit("f1", author_date=at(2, 8))
    repo.deployment(f1, environment="production", created_at=at(2, 9))  # X1: not the environment
    repo.issue(title="Checkout slow", created_at=at(2, 10), closed_at=at(2, 10.5), labels=["incident"])
    repo.deployment(  # P2
        f1,
        environment="Prod",
        created_at=at(2, 12),
        statuses=[("in_progress", at(2, 12)), ("success", at(2, 12))],
    )
    f2 = repo.commit("f2", author_date=at(3, 8))
    repo.deployment(f2, environment="production", created_at=at(3, 9))  # X2: not the environment


@scenario("acme/prodless")
def build_prod_only_under_the_default_production(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    repo.deployment(c0, environment="prod", created_at=at(1, 6))
    f1 = repo.commit("f1", author_date=at(2, 8))
    repo.deployment(f1, environment="prod", created_at=at(2, 9))
    repo.deployment(f1, environment="prod-eu", created_at=at(2, 9.5))
    repo.issue(title="Search down", created_at=at(2, 10), closed_at=at(2, 11), labels=["incident"])


@scenario("acme/refs")
def build_tag_and_branch_refs_moved_since(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    repo.deployment(c0, created_at=at(1, 6))  # D1, first (ref main)
    f1 = repo.commit("f1", author_date=at(2, 8))
    repo.tags["v1.1.0"] = f1
    repo.deployment(  # D2: asked for the tag v1.1.0, which GitHub resolved to f1
        f1, ref="v1.1.0", created_at=at(2, 11), statuses=[("in_progress", at(2, 11)), ("success", at(2, 12))]
    )
    q1 = repo.commit("q1", parents=[f1], author_date=at(2, 6), author_login="alice", branch="pr-1")
    s2 = squash_merged_pr(
        repo,
        [q1],
        f1,
        number=1,
        title="Release notes",
        author="alice",
        created_at=at(2, 7),
        merged_at=at(2, 9),
        reviews=[("bob", "APPROVED", at(2, 8))],
    )
    repo.branches["release"] = s2
    repo.deployment(s2, ref="release", created_at=at(3, 10))  # D3: asked for the branch release
    f3 = repo.commit("f3", author_date=at(3, 12))
    repo.deployment(f3, ref=f3, created_at=at(4, 10))  # D4: asked for the sha itself
    # Since then: v1.1.0 re-tagged onto f3 (git tag -f) and the release branch moved on to f3.
    repo.tags["v1.1.0"] = f3
    repo.branches["release"] = f3


@scenario("acme/tasks")
def build_migrations_task_beside_deploy_task(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    d1 = repo.deployment(c0, created_at=at(1, 6))  # D1, first (task deploy)
    f1 = repo.commit("f1", author_date=at(2, 8))
    m2 = repo.deployment(  # M2: the migrations step of f1
        f1,
        task="deploy:migrations",
        created_at=at(2, 9),
        statuses=[("in_progress", at(2, 9)), ("success", at(2, 9.5))],
    )
    inactive(repo, d1, at(2, 9.5))
    repo.issue(title="Orders fail", created_at=at(2, 9.75), closed_at=at(2, 10.25), labels=["incident"])
    d2 = repo.deployment(  # D2: the code of f1
        f1,
        task="deploy",
        created_at=at(2, 9.6),
        statuses=[("in_progress", at(2, 9 + 2 / 3)), ("success", at(2, 10))],
    )
    inactive(repo, m2, at(2, 10))
    f2 = repo.commit("f2", author_date=at(3, 8))
    repo.deployment(  # M3: f2's migrations fail: an attempt
        f2,
        task="deploy:migrations",
        created_at=at(3, 9),
        statuses=[("in_progress", at(3, 9)), ("failure", at(3, 9.25))],
    )
    repo.deployment(f2, task="deploy", created_at=at(3, 9.5), statuses=[("success", at(3, 10))])  # D3
    inactive(repo, d2, at(3, 10))


@scenario("acme/retried")
def build_failure_retried_in_place_across_an_incident(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    d1 = repo.deployment(c0, environment="Production", created_at=at(1, 6))  # D1, first
    f1 = repo.commit("f1", author_date=at(5, 8))
    d2 = repo.deployment(f1, environment="production", created_at=at(5, 12))  # D2
    inactive(repo, d1, at(5, 12))
    f2 = repo.commit("f2", author_date=at(6, 8))
    d3 = repo.deployment(  # D3: fails, is retried in place, succeeds three hours later
        f2,
        environment="PRODUCTION",
        created_at=at(6, 9),
        statuses=[
            ("in_progress", at(6, 9)),
            ("failure", at(6, 9 + 1 / 6)),
            ("in_progress", at(6, 11)),
            ("success", at(6, 12)),
        ],
    )
    inactive(repo, d2, at(6, 12))
    repo.issue(title="Payments 502", created_at=at(6, 10), closed_at=at(6, 12.5), labels=["incident"])
    f3 = repo.commit("f3", author_date=at(7, 8))
    repo.deployment(  # D4
        f3,
        environment="production",
        created_at=at(7, 9),
        statuses=[("queued", at(7, 9)), ("in_progress", at(7, 9.5)), ("success", at(7, 10))],
    )
    inactive(repo, d3, at(7, 10))


@scenario("acme/samesec")
def build_two_tools_reporting_in_the_same_second(repo: RepoData) -> None:
    c0 = repo.commit("initial", author_date=at(1))
    d1 = repo.deployment(c0, created_at=at(1, 6))  # D1, first
    f1 = repo.commit("f1", author_date=at(2, 8))
    d2 = repo.deployment(f1, created_at=at(2, 10))  # D2
    inactive(repo, d1, at(2, 10))
    f2 = repo.commit("f2", author_date=at(3, 8))
    da = repo.deployment(  # Da: the service pipeline ships f2
        f2,
        environment="Production",
        created_at=at(3, 9),
        statuses=[("in_progress", at(3, 9)), ("success", at(3, 10))],
    )
    db = repo.deployment(  # Db: another service's pipeline, on f1 still, reports in the same second
        f1,
        environment="production",
        created_at=at(3, 9.5),
        statuses=[("in_progress", at(3, 9.5)), ("success", at(3, 10))],
    )
    inactive(repo, d2, at(3, 10))
    inactive(repo, da, at(3, 10))
    f3 = repo.commit("f3", author_date=at(4, 8))
    repo.deployment(f3, environment="PRODUCTION", created_at=at(4, 10))  # D4
    inactive(repo, db, at(4, 10))


# ------------------------------------------------------------------------------------------- pipeline


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


@pytest.fixture(scope="module")
def rows_by_api(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rows]:
    """Per ``github.api`` mode, every team's 30d row as of ``AS_OF``."""
    dataset = GitHubDataset()
    for build in QUIRKS.builders:
        build(dataset)
    result: dict[str, Rows] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(github_graphql.GraphQLResolver, "_deployments", graphql_deployments_any_case)
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        with GitHubEmulator(dataset, token=TOKEN) as emulator:
            for api in APIS:
                config = QUIRKS.write_config(
                    tmp_path_factory.mktemp(api), emulator.base_url, TOKEN_VARIABLE, api
                )
                run_cli(["collect", "--config", str(config)])
                out = run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF])
                result[api] = {row["team"]: row for row in json.loads(out) if row["window"] == "30d"}
    assert os.environ.get(TOKEN_VARIABLE) is None
    return result


@pytest.fixture
def rows(rows_by_api: dict[str, Rows]) -> Rows:
    """The REST store's rows, for the scenarios whose statuses are read alike in both modes."""
    return rows_by_api["rest"]


@pytest.fixture(params=APIS)
def rows_each_api(request: pytest.FixtureRequest, rows_by_api: dict[str, Rows]) -> Rows:
    """Each mode's rows, for the scenarios whose status orders matter (REST asks each deployment's
    statuses, GraphQL reads them with the listing)."""
    return rows_by_api[request.param]


# ------------------------------------------------------------------------------------------- the tests


def test_identical_redeploy_across_environment_spellings_is_failed_by_a_window_incident(
    rows_each_api: Rows,
) -> None:
    """acme/casemix (environment ``production``): one environment written three ways, ``production``,
    ``Production``, ``PRODUCTION`` (docs/operations.md: matched whatever its letter case, stored as
    configured), so the four deployments form one ordered history (SPEC §5.2 "of one repo and
    environment").
    D1 c0 ``production`` 03-01 06:00 (first). D2 f1 (02 08:00) ``Production``: in_progress 09:00,
    success 10:00 (D1 inactive then, which undoes nothing): compare(c0...f1) = f1: 2 h.
    D3 f1 again, ``production``, flagged ``transient_environment: true``, ``production_environment:
    false`` (SPEC keys only on the name): queued, in_progress, success 03 09:30 (D2 inactive):
    compare(f1...f1) ``identical``: a deployment with no changes and no rollback (§5.2).
    Issue 03 11:00 → 13:00, no sha: the latest deployment before it is D3 (1.5 h earlier) → D3 failed
    (window, §6.1 rule 4), recovered at 13:00: 3.5 h; D2 is not the latest and is not failed.
    D4 f2 (04 08:00) ``PRODUCTION``: in_progress 10:00, success 11:00, then ``inactive`` 12:00 (an
    inactive after a success does not undo it: deployed_at stays 11:00): compare(f1...f2) = f2: 3 h.
    Were ``Production`` another environment, D3 would ship f1 (25.5 h) and D2 would not count.
    30d: 4 deployments; lead 2, 3 → p50 2.5, p90 2 + 0.9 × 1 = 2.9; CFR 1/4; recovery 3.5; incidents 1,
    restore 2; no deployment while the incident is open: rework 0.
    Bands: 4/30 medium; 2.5 h elite; 25 % low; 3.5 h high.
    """
    check_row(
        rows_each_api["casemix"],
        team="casemix",
        deployments=4,
        lead=(2.5, 2.9),
        cfr=0.25,
        recovery=3.5,
        restore=(2.0, 2.0),
        incidents=1,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_configured_prod_counts_prod_in_any_case_and_never_production(rows: Rows) -> None:
    """acme/prodalias, ``deployments: {source: deployments, environment: prod}`` (per-repository,
    docs/configuration.md). ``prod`` is not ``production``: no alias unless configured.
    P1 c0 ``prod`` 03-01 06:00 (first). X1 f1 (02 08:00) ``production`` 02 09:00: another environment,
    no deployment. Issue 02 10:00 → 10:30, no sha: the latest ``prod`` deployment before it is P1, 28 h
    earlier (beyond 24 h) → no failure (were X1 counted, X1 would fail). P2 f1 ``Prod`` (the
    configured name in another case) in_progress then success 02 12:00: compare(c0...f1) = f1: 4 h
    (were X1 its previous deployment, P2 would be ``identical``, no lead time); deployed after the
    incident closed: not rework. X2 f2 ``production`` 03 09:00: no deployment.
    30d: 2 deployments; lead 4 → p50 4, p90 4; CFR 0/2 = 0; recovery null; incidents 1, restore 0.5;
    rework 0. Bands: 2/30 medium; 4 h elite; 0 % elite; recovery falls back to restore 0.5 h: elite.
    """
    check_row(
        rows["prodalias"],
        team="prodalias",
        deployments=2,
        lead=(4.0, 4.0),
        cfr=0.0,
        recovery=None,
        restore=(0.5, 0.5),
        incidents=1,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "elite", "elite"),
    )


def test_default_production_counts_no_prod_deployment(rows: Rows) -> None:
    """acme/prodless, the default environment ``production``; GitHub shows deployments to ``prod``
    (two) and ``prod-eu`` only: none is a deployment (SPEC §5.1 "only the production environment
    counts", the configured name, no alias; docs/metrics.md: a deployment of another environment "does
    not take part in anything below"). Issue 03-02 10:00 → 11:00 (an incident of the repository).
    30d: 0 deployments, frequency 0; lead, CFR, recovery and rework null (nothing to measure, SPEC
    §6); incidents 1, restore 1. Bands: frequency 0 is ``low`` (docs/metrics.md); lead and CFR null;
    recovery falls back to restore 1 h: not < 1 h, so high.
    """
    check_row(
        rows["prodless"],
        team="prodless",
        deployments=0,
        lead=(None, None),
        cfr=None,
        recovery=None,
        restore=(1.0, 1.0),
        incidents=1,
        rework=None,
        stages=NO_STAGES,
        row_bands=bands("low", None, None, "high"),
    )


def test_tag_and_branch_refs_moved_since_do_not_move_what_was_deployed(rows: Rows) -> None:
    """acme/refs. SPEC §5.2 compares the deployments' shas (``compare(P.sha...D.sha)``); the ref a
    deployment was asked for (a tag, a branch) is what GitHub resolved into ``sha`` at the time.
    D1 c0 03-01 06:00 (first). D2: ref ``v1.1.0`` (then f1), sha f1 (02 08:00), success 02 12:00:
    compare(c0...f1) = f1: 4 h. PR #1 (alice; q1 authored 02 06:00, opened 07:00, approved by bob 08:00)
    squash-merged onto f1 at 02 09:00 as s2. D3: ref ``release`` (then s2), sha s2, 03 10:00:
    compare(f1...s2) = s2, which starts at its PR's earliest commit, 02 06:00: 28 h. f3 (03 12:00)
    deployed by D4 (ref = the sha) at 04 10:00: 22 h. Since then the tag ``v1.1.0`` was re-tagged onto
    f3 and the ``release`` branch moved on to f3: were the refs resolved now, D2 would ship f1, s2 and
    f3 and D3, D4 nothing.
    30d: 4 deployments; lead 4, 22, 28 → p50 22, p90 at 1.8: 22 + 0.8 × 6 = 26.8; CFR 0; recovery and
    restore null; no incident; rework 0. Breakdown (PR #1, deployed by D3): coding 07:00 − 06:00 = 1,
    pickup 08:00 − 07:00 = 1, review 09:00 − 08:00 = 1, deploy 03 10:00 − 02 09:00 = 25.
    Bands: 4/30 medium; 22 h elite; 0 % elite; recovery null (no failure, no incident).
    """
    check_row(
        rows["refs"],
        team="refs",
        deployments=4,
        lead=(22.0, 26.8),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(1.0, 1.0, 1.0, 25.0),
        row_bands=bands("medium", "elite", "elite", None),
    )


def test_migrations_task_beside_deploy_task_both_count(rows_each_api: Rows) -> None:
    """acme/tasks. SPEC §5.1 counts "GitHub Deployments in environment"; neither SPEC nor the docs
    filter on ``task`` (Heroku and Capistrano write ``deploy:migrations`` beside ``deploy``), so every
    deployment of ``production`` that reached success counts, whatever its task (undecided: SPEC's
    literal words, which the product follows; nothing says whether a non-``deploy`` task should count).
    D1 c0 03-01 06:00 (first). M2 f1 (02 08:00) ``deploy:migrations``: in_progress 09:00, success 09:30
    (D1 inactive): compare(c0...f1) = f1: 1.5 h. Issue 02 09:45 → 10:15, no sha: the latest deployment
    before it is M2 (15 min earlier) → M2 failed (window), recovered 0.75 h. D2 f1 ``deploy``: in_progress
    09:40, success 10:00 (M2 inactive): ``identical``, no changes, no rollback; deployed while the
    incident is open → rework. M3 f2 (03 08:00) ``deploy:migrations``: in_progress, ``failure``: an
    attempt. D3 f2 ``deploy`` success 03 10:00: compare(f1...f2) = f2: 2 h.
    Were only ``task: deploy`` counted: D1 would be the latest before the incident (27.75 h, beyond
    24 h), no failure, and D2 would ship f1 (2 h).
    30d: D1, M2, D2, D3 = 4; lead 1.5, 2 → p50 1.75, p90 1.5 + 0.9 × 0.5 = 1.95; CFR 1/4; recovery
    0.75; incidents 1, restore 0.5; rework 1/4.
    Bands: 4/30 medium; 1.75 h elite; 25 % low; 0.75 h elite.
    """
    check_row(
        rows_each_api["tasks"],
        team="tasks",
        deployments=4,
        lead=(1.75, 1.95),
        cfr=0.25,
        recovery=0.75,
        restore=(0.5, 0.5),
        incidents=1,
        rework=0.25,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "low", "elite"),
    )


def test_failure_retried_in_place_deploys_at_its_success_after_an_incident_began(rows_each_api: Rows) -> None:
    """acme/retried (``Production``, ``production``, ``PRODUCTION``: one environment).
    D1 c0 ``Production`` 03-01 06:00 (first). D2 f1 (05 08:00) ``production`` at 05 12:00 (D1
    inactive): compare(c0...f1) = f1: 4 h. D3 f2 (06 08:00) ``PRODUCTION`` created 06 09:00:
    in_progress, ``failure`` 09:10, in_progress 11:00 (retried in place), ``success`` 12:00 (D2
    inactive): deployed_at = its first success, 12:00 (§5.1), not its creation nor its failure:
    compare(f1...f2) = f2: 4 h. Issue 06 10:00 → 12:30, no sha: D3 had not succeeded yet, so the
    latest deployment before it is D2 (22 h earlier, within 24 h) → D2 failed (window), recovered at
    12:30: 24.5 h. D3 deployed at 12:00 while the incident is open → rework (were D3 deployed at 09:00,
    D3 would be failed instead and not rework). D4 f3 (07 08:00) ``production``: queued, in_progress,
    success 10:00 (D3 inactive): 2 h.
    30d: 4 deployments; lead 2, 4, 4 → p50 4, p90 4; CFR 1/4; recovery 24.5; incidents 1, restore
    2.5; rework 1/4.
    Bands: 4/30 medium; 4 h elite; 25 % low; 24.5 h medium (not < 24 h).
    """
    check_row(
        rows_each_api["retried"],
        team="retried",
        deployments=4,
        lead=(4.0, 4.0),
        cfr=0.25,
        recovery=24.5,
        restore=(2.5, 2.5),
        incidents=1,
        rework=0.25,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "low", "medium"),
    )


def test_an_older_sha_reported_in_the_same_second_across_spellings_is_no_rollback(rows: Rows) -> None:
    """acme/samesec (a monorepo whose pipelines write ``production`` and ``Production``: one
    environment). D1 c0 03-01 06:00 (first). D2 f1 (02 08:00) at 02 10:00: 2 h. Da f2 (03 08:00)
    ``Production``, created 09:00, success 10:00: compare(f1...f2) = f2: 2 h. Db f1 ``production``,
    created 09:30 (a higher id), success 10:00 too: ordered after Da (docs/metrics.md "by deployed_at
    (then by id)"), compare(f2...f1) ``behind``, but "a deployment compared behind one made at the same
    instant has no changes but is no rollback ... It fails nothing and is not rework" (docs/metrics.md):
    Da is not failed. D4 f3 (04 08:00) ``PRODUCTION`` at 04 10:00: compare(f1...f3) = f2, f3; f2 was
    shipped by Da already (§5.2 "that no earlier deployment shipped") → f3 only: 2 h.
    Were Db a rollback: Da failed (rule 2, recovered at once, 0 h), CFR 1/5, rework 1/5.
    30d: 5 deployments; lead 2, 2, 2 → p50 2, p90 2; CFR 0; recovery, restore null; no incident;
    rework 0. Bands: 5/30 ≥ 1/7 high; 2 h elite; 0 % elite; recovery null.
    """
    check_row(
        rows["samesec"],
        team="samesec",
        deployments=5,
        lead=(2.0, 2.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("high", "elite", "elite", None),
    )
