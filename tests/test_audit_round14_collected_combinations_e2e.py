"""Audit, round 14, end to end: scenarios where two or more rules of SPEC §5 and §6 meet, that earlier rounds
did not combine. Emulated GitHub → ``doraspace collect`` (``github.api`` REST and GraphQL, one store each)
→ ``doraspace metrics --format json --as-of 2026-03-20T00:00:00Z``. Every number is worked out by hand
from SPEC's words in the test's docstring.

Combined here (and not in rounds 5–13, whose scenarios were read first):

* ``workflow_runs`` × a squash-merged, ``revert``-labelled revert PR × the window rule × a run that
  started before an incident but ended after it × a failed run of the revert's commit (``acme/wfrevpr``);
* ``releases`` × a rollback two releases back to the first release's commit × an ``identical`` re-release
  of it failed by the window × a revert release re-listing the rolled-back commits (``acme/relrb``);
* ``merged_prs`` × a ``hotfix``-labelled rebase merge × an incident naming a pre-rebase commit (links
  nothing) × a revert of a non-last rebased copy × an incident naming the last copy, which keeps the
  window rule off the revert's deployment (``acme/mprb``);
* GitHub Deployments × staging deployments interleaved (a staging rollback) × a deployment retried in place
  (failure, then success after a later-created redeploy) × a failed rollback attempt × a rollback × the
  window rule failing the rollback itself × a revert (``acme/stgroll``);
* a release branch of two commits, one deployed as a diverged hotfix, merged back into main by a
  ``hotfix``-labelled merge-commit PR × an incident naming the undeployed commit (``acme/hotrel``);
* one catalog service over two repositories with different sources (GitHub Deployments and
  ``merged_prs``) × the window rule across them × rework across them × a revert PR, beside another
  service of the same team (``acme/shop-api``, ``acme/shop-web``, ``acme/billing``, catalog discovery);
* a rollback across the 7d window's start, failed by the window rule, and the 7d rows (``acme/edge7``);
* a squash PR whose first commit predates ``github.since`` × an incident naming a PR branch commit (links
  nothing: the window) × an incident naming the squash commit (explicit, no window) (``acme/presince``);
* the organisation row over all of them, and REST against GraphQL row by row;
* every row read again ``--as-of 2026-03-02T15:00:00Z``, half-way through the scenarios, with facts
  exactly at that instant (a release, a revert merge, two issue closes);
* in a second organisation (``CASES``), one Backstage component spelled ``Cart`` in one repository's
  catalog file and ``cart`` in the other's × the window rule and rework across the two repositories (a defect
  this round found and fixed: they were two services), beside its control ``tea``/``tea``.

The main emulated organisation holds every other scenario; each repository but the ``shop`` ones is owned
by the team of its short name (config ``teams:``); ``acme/shop-api``, ``acme/shop-web`` and
``acme/billing`` are owned by ``shop-team`` through their ``catalog-info.yaml`` (``catalog.discover:
true``; the ``CASES`` repositories likewise, by ``cart-team`` and ``tea-team``). ``github.since``
2026-03-01; ``incidents.attribution_window`` 24h; ``github.incident_labels: [incident]``;
``rework.labels: [hotfix, rollback, revert, incident]``; windows 7d = (03-13 00:00, 03-20 00:00] and 30d =
(02-18 00:00, 03-20 00:00]; bands (dora-2023) from the 30d window, the longest (SPEC §6.3), on both rows.
Times are March 2026 UTC, ``at(day, hour)``, or February, ``feb(day, hour)``. Each repository's first
deployment has compare ``first``: a deployment with no lead times (SPEC §5.2). Percentiles are
``percentile_cont``: p at position p × (n − 1) of the sorted values, linear interpolation. Collected with
the clock at 2026-03-25.

SPEC sentences the scenarios lean on:

* §5.1 "A deployment succeeded at the created_at of its first success status; that instant is its
  deployed_at. One that never reached success is a failed attempt: … not counted as a deployment";
  "workflow_runs: completed runs of workflow on the default branch with conclusion success; deployed_at =
  the run's updated_at"; "releases: published, non-draft, non-prerelease releases; deployed_at =
  published_at"; "merged_prs: each PR merged into the default branch is a deployment at merged_at of its
  merge_commit_sha"; "only the production environment counts".
* §5.2 "Deployments of one repo and environment are ordered by deployed_at"; "D's changes are the non-merge
  commits (one parent or none) in compare(P.sha...D.sha) that no earlier deployment shipped"; "If D.sha is
  an ancestor of P.sha (compare status behind), D is a rollback: it has no changes. A redeploy of P.sha
  itself (identical) is a deployment with no changes and no rollback"; a change's start is "the earliest
  author date among the commits of the merged PR whose merge_commit_sha is the change's sha (a squash
  merge's commit; for a rebase merge only its last commit), else the commit's own author date".
* §6.1 rules 1–4; §6.2 recovery "from F.deployed_at to the earliest of the resolution of an incident that
  failed it (explicit/window) and the deployed_at of its rollback or revert deployment"; rework "is a
  rollback, contains a revert commit, contains a change from a PR labelled with a rework.labels label, or
  was deployed while an incident of its service was open"; §4 a service is a Backstage Component.
* docs/metrics.md: "A change belongs to a PR when it is one of the PR's commits or the commit its squash or
  rebase merge produced"; "A hex word that begins no change's sha links nothing"; "A staging deployment
  … is not counted and does not take part in anything below"; a PR "is deployed by the first deployment
  with a known compare … whose compare contains the PR's merge commit"; window rule "F is the latest
  deployment of that service before the incident started".

Bands (dora-2023): frequency ≥ 1/day elite, ≥ 1/7 high, ≥ 1/30 medium; lead p50 < 24 h elite, < 168 h
high; CFR ≤ 5 % elite, ≤ 10 % high, ≤ 15 % medium, else low; recovery p50 (else restore p50) < 1 h elite,
< 24 h high, < 168 h medium.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.facts import METRIC_KEYS, bands
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.github_org import write_github_config
from tests.github_scenarios import (
    APIS,
    AS_OF,
    approx,
    at,
    breakdown,
    first_merged_pr,
    run_cli,
    squash_merged_pr,
    started_at_six,
)

TOKEN_VARIABLE = "AUDIT_ROUND14_COMBINATIONS_GITHUB_TOKEN"
TOKEN = "audit-round14-combinations-token"
COLLECT_NOW = datetime(2026, 3, 25, tzinfo=UTC)
WORKFLOW_RUNS = "{source: workflow_runs, workflow: deploy.yml}"
RELEASES = "{source: releases}"
MERGED_PRS = "{source: merged_prs}"

MID = "2026-03-02T15:00:00Z"

Rows = dict[tuple[str, str], dict[str, Any]]  # (team, window) → row
Builder = Callable[[GitHubDataset], None]


def feb(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 2, day, tzinfo=UTC) + timedelta(hours=hour)


class World:
    """The scenarios of one emulated organisation, collected into a store of their own per API mode."""

    def __init__(self) -> None:
        # repository → (team from ``teams:``, or None for its catalog owner; deployments config or None)
        self.repositories: dict[str, tuple[str | None, str | None]] = {}
        self.builders: list[Builder] = []

    def scenario(self, *repos: tuple[str, str | None, str | None]) -> Callable[[Builder], Builder]:
        """Register a builder of ``repos``: (name, team or None for the catalog's, deployments config)."""

        def register(builder: Builder) -> Builder:
            for name, team, source in repos:
                self.repositories[name] = (team, source)
            self.builders.append(builder)
            return builder

        return register

    def github_section(self, api: str) -> str:
        lines = ["since: 2026-03-01", f"api: {api}", "incident_labels: [incident]", "repositories:"]
        for name, (_, source) in self.repositories.items():
            lines.append(f"  - {name}" if source is None else f"  - {{name: {name}, deployments: {source}}}")
        return "\n".join(lines)

    def rest_sections(self) -> str:
        teams: dict[str, list[str]] = {}
        for name, (team, _) in self.repositories.items():
            if team is not None:
                teams.setdefault(team, []).append(name)
        team_lines = "".join(
            f"  - {{name: {team}, repositories: [{', '.join(repos)}]}}\n" for team, repos in teams.items()
        )
        return (
            "catalog: {discover: true}\n"
            "incidents: {attribution_window: 24h}\n"
            "rework: {labels: [hotfix, rollback, revert, incident]}\n"
            "metrics: {windows: [7d, 30d], benchmarks: dora-2023}\n"
            + (f"teams:\n{team_lines}" if team_lines else "")
        )

    def collect(
        self, tmp_path_factory: pytest.TempPathFactory, name: str, points: tuple[str, ...]
    ) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """Per ``github.api`` mode and ``--as-of`` point, the metrics rows as printed, in order."""
        dataset = GitHubDataset()
        for build in self.builders:
            build(dataset)
        result: dict[str, dict[str, list[dict[str, Any]]]] = {}
        with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
            patch.setenv(TOKEN_VARIABLE, TOKEN)
            for api in APIS:
                directory: Path = tmp_path_factory.mktemp(f"r14-{name}-{api}")
                config = write_github_config(
                    directory,
                    emulator.base_url,
                    TOKEN_VARIABLE,
                    self.github_section(api),
                    self.rest_sections(),
                )
                run_cli(["collect", "--config", str(config)], now=COLLECT_NOW)
                result[api] = {
                    point: json.loads(
                        run_cli(
                            ["metrics", "--config", str(config), "--format", "json", "--as-of", point],
                            now=COLLECT_NOW,
                        )
                    )
                    for point in points
                }
        assert os.environ.get(TOKEN_VARIABLE) is None
        return result


MAIN = World()
# A world of its own, so that what it finds leaves the main world's organisation row alone.
CASES = World()
scenario = MAIN.scenario


def incident(repo: RepoData, title: str, opened: datetime, closed: datetime, body: str | None = None) -> None:
    repo.issue(title=title, body=body, created_at=opened, closed_at=closed, labels=["incident"])


def component(name: str, owner: str) -> str:
    """A Backstage Component living in the repository that holds the file."""
    return (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
        f"metadata:\n  name: {name}\n"
        f"spec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"
    )


# ------------------------------------------------------------------------------------------- scenarios


@scenario(("acme/wfrevpr", "wfrevpr", WORKFLOW_RUNS))
def build_workflow_runs_revert_pr(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/wfrevpr")
    c0 = repo.commit("initial", author_date=at(1, 5))
    repo.workflow_run(c0, created_at=at(1, 5.5), updated_at=at(1, 6))  # R1, first
    a1 = repo.commit("a1", parents=[c0], author_date=at(2, 6), author_login="alice", branch="pr-2")
    s2 = squash_merged_pr(
        repo,
        [a1],
        c0,
        number=2,
        title="Feature",
        author="alice",
        created_at=at(2, 7),
        merged_at=at(2, 9),
        reviews=[("bob", "APPROVED", at(2, 8))],
    )
    repo.workflow_run(s2, created_at=at(2, 9 + 10 / 60), updated_at=at(2, 10))  # R2
    c2 = repo.commit("Tune cache", author_date=at(2, 10 + 20 / 60), author_login="dave")
    repo.workflow_run(c2, created_at=at(2, 10 + 40 / 60), updated_at=at(2, 11 + 20 / 60))  # R3
    incident(repo, "Checkout errors", at(2, 11), at(2, 16))
    v = repo.commit(
        f'Revert "Feature (#2)"\n\nThis reverts commit {s2}.',
        parents=[c2],
        author_date=at(2, 12),
        author_login="erin",
        branch="revert-2",
    )
    s3 = squash_merged_pr(
        repo,
        [v],
        c2,
        number=3,
        title='Revert "Feature (#2)"',
        author="erin",
        created_at=at(2, 12.5),
        merged_at=at(2, 13.5),
        labels=["revert"],
        reviews=[("frank", "APPROVED", at(2, 13))],
        message=f'Revert "Feature (#2)" (#3)\n\nThis reverts commit {s2}.',
    )
    repo.workflow_run(  # the revert's first run fails: a failed attempt
        s3, created_at=at(2, 13 + 35 / 60), updated_at=at(2, 13 + 50 / 60), conclusion="failure"
    )
    repo.workflow_run(s3, created_at=at(2, 14), updated_at=at(2, 14.5))  # R4
    b1 = repo.commit("b1", parents=[s3], author_date=at(3, 6), author_login="alice", branch="pr-4")
    repo.workflow_run(  # deploy.yml green on the PR's branch: no deployment
        b1, branch="pr-4", event="pull_request", created_at=at(3, 7), updated_at=at(3, 7.5)
    )
    s4 = squash_merged_pr(
        repo, [b1], s3, number=4, title="Search", author="alice", created_at=at(3, 7), merged_at=at(3, 9)
    )
    repo.workflow_run(s4, created_at=at(3, 9 + 10 / 60), updated_at=at(3, 10))  # R5


@scenario(("acme/relrb", "relrb", RELEASES))
def build_releases_rollback_identical_revert(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/relrb")
    c0 = repo.commit("initial", author_date=at(1, 5))
    f1 = repo.commit("f1", author_date=at(2, 8))
    f2 = repo.commit("f2", author_date=at(2, 11))
    v = repo.commit(f'Revert "f2"\n\nThis reverts commit {f2}.', author_date=at(2, 17))
    f3 = repo.commit("f3", author_date=at(3, 8))
    repo.tags.update(
        {
            "v1.0.0": c0,
            "v1.1.0": f1,
            "v1.2.0": f2,
            "v1.0.1": c0,
            "v1.0.2": c0,
            "v1.3.0": v,
            "v1.4.0-rc.1": f3,
            "v2.0.0": f3,
            "v1.4.0": f3,
        }
    )
    repo.release("v1.0.0", created_at=at(1, 5), published_at=at(1, 6))  # first
    repo.release("v1.1.0", created_at=at(2, 8), published_at=at(2, 10))
    repo.release("v1.2.0", created_at=at(2, 11), published_at=at(2, 12))
    repo.release("v1.0.1", created_at=at(1, 5), published_at=at(2, 14))  # rollback to c0
    repo.release("v1.0.2", created_at=at(1, 5), published_at=at(2, 15))  # c0 again: identical
    incident(repo, "Orders slow", at(2, 16), at(2, 18))
    repo.release("v1.3.0", created_at=at(2, 17), published_at=at(2, 19))
    repo.release("v1.4.0-rc.1", created_at=at(3, 8), published_at=at(3, 9), prerelease=True)
    repo.release("v2.0.0", created_at=at(3, 8), published_at=None, draft=True)
    repo.release("v1.4.0", created_at=at(3, 8), published_at=at(3, 12))


@scenario(("acme/mprb", "mprb", MERGED_PRS))
def build_merged_prs_rebase_hotfix(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/mprb")
    _, s1 = first_merged_pr(repo)  # M1 at 01 06:00
    o1 = repo.commit("o1", parents=[s1], author_date=at(2, 6), author_login="alice", branch="pr-2")
    o2 = repo.commit("o2", parents=[o1], author_date=at(2, 7), author_login="alice", branch="pr-2")
    r1, r2 = repo.rebase_merge([o1, o2], s1, date=at(2, 9))
    repo.pull(
        number=2,
        title="Cache",
        author="alice",
        created_at=at(2, 7.5),
        commits=[o1, o2],
        merged_at=at(2, 9),
        merge_commit_sha=r2,
        labels=["hotfix"],
        reviews=[("bob", "APPROVED", at(2, 8))],
    )
    k = repo.commit("k", parents=[r2], author_date=at(2, 10), author_login="carol", branch="pr-3")
    s3 = squash_merged_pr(
        repo, [k], r2, number=3, title="Search", author="carol", created_at=at(2, 10.5), merged_at=at(2, 11)
    )
    incident(repo, "Search slow", at(2, 12), at(2, 13), body=f"root cause: {o1[:9]}")
    v = repo.commit(
        f'Revert "o1"\n\nThis reverts commit {r1}.',
        parents=[s3],
        author_date=at(2, 14),
        author_login="erin",
        branch="pr-4",
    )
    s4 = squash_merged_pr(
        repo,
        [v],
        s3,
        number=4,
        title='Revert "o1"',
        author="erin",
        created_at=at(2, 14.5),
        merged_at=at(2, 15),
        message=f'Revert "o1" (#4)\n\nThis reverts commit {r1}.',
    )
    incident(repo, f"Still slow after {r2[:7]}", at(2, 16), at(2, 17))
    d = repo.commit("d", parents=[s4], author_date=at(3, 6), author_login="dave", branch="pr-5")
    squash_merged_pr(
        repo, [d], s4, number=5, title="Docs", author="dave", created_at=at(3, 7), merged_at=at(3, 8)
    )


@scenario(("acme/stgroll", "stgroll", None))
def build_staging_retry_rollback(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/stgroll")
    started_at_six(repo)  # D1 c0 at 01 06:00
    c1 = repo.commit("c1", author_date=at(2, 8))
    repo.deployment(c1, environment="staging", created_at=at(2, 9))  # S1
    repo.deployment(c1, created_at=at(2, 10))  # D2
    c2 = repo.commit("c2", author_date=at(2, 11))
    repo.deployment(c2, environment="staging", created_at=at(2, 12))  # S2
    repo.deployment(  # D3: created 12:30, failed, retried in place: first success 14:00
        c2,
        created_at=at(2, 12.5),
        statuses=[("in_progress", at(2, 12.5)), ("failure", at(2, 12 + 40 / 60)), ("success", at(2, 14))],
    )
    repo.deployment(c1, environment="staging", created_at=at(2, 13))  # S3: staging rolled back
    repo.deployment(c1, created_at=at(2, 13))  # Dx: c1 again, created after D3, succeeded before it
    repo.deployment(  # X: a rollback attempt that never succeeded
        c1, created_at=at(2, 15), statuses=[("in_progress", at(2, 15)), ("error", at(2, 15 + 10 / 60))]
    )
    repo.deployment(c1, created_at=at(2, 16))  # D4: the rollback
    incident(repo, "Orders 500", at(2, 16.5), at(2, 17))
    c3 = repo.commit(f'Revert "c2"\n\nThis reverts commit {c2}.', parents=[c2], author_date=at(3, 8))
    repo.deployment(c3, environment="staging", created_at=at(3, 8.5))  # S4
    repo.deployment(  # Y: a failed attempt of the revert
        c3,
        created_at=at(3, 8 + 40 / 60),
        statuses=[("pending", at(3, 8 + 40 / 60)), ("failure", at(3, 8.75))],
    )
    repo.deployment(c3, created_at=at(3, 9))  # D5


@scenario(("acme/hotrel", "hotrel", None))
def build_release_branch_two_commits_merged_back(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/hotrel")
    c0 = started_at_six(repo)  # D1 at 01 06:00
    c1 = repo.commit("Cart", author_date=at(2, 8))
    repo.deployment(c1, created_at=at(2, 10))  # D2
    h1 = repo.commit(
        "Fix totals", parents=[c0], author_date=at(2, 11), author_login="carol", branch="release-1"
    )
    repo.deployment(h1, created_at=at(2, 12), ref="release-1")  # H3: diverged from c1
    h2 = repo.commit("Fix rounding", author_date=at(2, 13), author_login="carol", branch="release-1")
    c2 = repo.commit("Search", author_date=at(2, 14))
    m5 = repo.merge_commit(c2, h2, "Merge pull request #5 from acme/release-1\n\nHotfixes", at(2, 16))
    repo.pull(
        number=5,
        title="Hotfixes",
        author="carol",
        created_at=at(2, 13.5),
        commits=[h1, h2],
        merged_at=at(2, 16),
        merge_commit_sha=m5,
        labels=["hotfix"],
        reviews=[("dave", "APPROVED", at(2, 15))],
    )
    repo.deployment(m5, created_at=at(2, 17))  # D4
    incident(repo, "Rounding wrong", at(2, 18), at(2, 20), body=f"root cause: {h2[:8]}")
    c3 = repo.commit("Docs", author_date=at(3, 8))
    repo.deployment(c3, created_at=at(3, 9))  # D5


@scenario(
    ("acme/shop-api", None, None),
    ("acme/shop-web", None, MERGED_PRS),
    ("acme/billing", None, None),
)
def build_one_service_over_two_repositories(dataset: GitHubDataset) -> None:
    api = dataset.add_repo("acme/shop-api")
    api.files["catalog-info.yaml"] = component("shop", "group:shop-team")
    web = dataset.add_repo("acme/shop-web")
    web.files["catalog-info.yaml"] = component("shop", "shop-team")
    billing = dataset.add_repo("acme/billing")
    billing.files["catalog-info.yaml"] = component("billing", "group:default/shop-team")

    started_at_six(api)  # A1 at 01 06:00
    a1 = api.commit("a1", author_date=at(2, 8))
    api.deployment(a1, created_at=at(2, 10))  # A2

    _, s1 = first_merged_pr(web)  # W1 at 01 06:00
    w1 = web.commit("w1", parents=[s1], author_date=at(2, 7), author_login="bob", branch="pr-2")
    s2 = squash_merged_pr(
        web, [w1], s1, number=2, title="Feature", author="bob", created_at=at(2, 8), merged_at=at(2, 11)
    )  # W2

    started_at_six(billing)  # B1 at 01 06:00
    b1 = billing.commit("b1", author_date=at(2, 11))
    billing.deployment(b1, created_at=at(2, 11.5))  # B2: another service, later than W2

    incident(web, "Checkout errors", at(2, 12), at(2, 15))
    a2 = api.commit("a2", author_date=at(2, 12.5))
    api.deployment(a2, created_at=at(2, 13))  # A3, while shop-web's incident is open
    b2 = billing.commit("b2", author_date=at(2, 13))
    billing.deployment(b2, created_at=at(2, 13.5))  # B3, while shop-web's incident is open

    w3 = web.commit(
        f'Revert "Feature (#2)"\n\nThis reverts commit {s2}.',
        parents=[s2],
        author_date=at(2, 13),
        author_login="carol",
        branch="pr-3",
    )
    squash_merged_pr(
        web,
        [w3],
        s2,
        number=3,
        title='Revert "Feature (#2)"',
        author="carol",
        created_at=at(2, 13.5),
        merged_at=at(2, 14),
        message=f'Revert "Feature (#2)" (#3)\n\nThis reverts commit {s2}.',
    )  # W3


@scenario(("acme/edge7", "edge7", None))
def build_rollback_across_the_7d_start(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/edge7")
    c0 = started_at_six(repo)  # D1 at 01 06:00
    c1 = repo.commit("c1", author_date=at(12, 20))
    repo.deployment(c1, created_at=at(12, 22))  # D2
    repo.deployment(c0, created_at=at(13, 2))  # D3: rollback
    incident(repo, "Login down", at(13, 3), at(13, 4))
    c2 = repo.commit("c2", author_date=at(14, 9))
    repo.deployment(c2, created_at=at(14, 10))  # D4


@scenario(("acme/presince", "presince", None))
def build_squash_begun_before_since_and_two_incidents(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/presince")
    r0 = repo.commit("initial", author_date=feb(20, 10))
    repo.deployment(r0, created_at=at(1, 6))  # D1, first
    p1 = repo.commit("p1", parents=[r0], author_date=feb(26, 10), author_login="alice", branch="pr-2")
    p2 = repo.commit("p2", author_date=at(2, 6), author_login="alice", branch="pr-2")
    s2 = squash_merged_pr(
        repo,
        [p1, p2],
        r0,
        number=2,
        title="Totals",
        author="alice",
        created_at=feb(27, 9),
        merged_at=at(2, 8),
        reviews=[("bob", "APPROVED", at(2, 7))],
    )
    repo.deployment(s2, created_at=at(2, 10))  # D2
    c3 = repo.commit("Tweak", author_date=at(2, 11))
    repo.deployment(c3, created_at=at(2, 12))  # D3
    incident(repo, "Totals off", at(2, 13), at(2, 15), body=f"regression from {p2[:7]}")
    c4 = repo.commit("Later", author_date=at(3, 8))
    repo.deployment(c4, created_at=at(3, 9))  # D4
    incident(repo, f"{s2[:7]} broke totals", at(3, 10), at(3, 11))


# ------------------------------------------------------------------------------------------- pipeline


@pytest.fixture(scope="module")
def main_world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[dict[str, Any]]]]:
    return MAIN.collect(tmp_path_factory, "main", (AS_OF, MID))


@pytest.fixture(scope="module")
def rows_by_api(main_world: dict[str, dict[str, list[dict[str, Any]]]]) -> dict[str, list[dict[str, Any]]]:
    """Per ``github.api`` mode, the rows as of ``AS_OF`` as printed, in order."""
    return {api: points[AS_OF] for api, points in main_world.items()}


def keyed(rows: list[dict[str, Any]]) -> Rows:
    return {(row["team"], row["window"]): row for row in rows}


@pytest.fixture(params=APIS)
def rows(request: pytest.FixtureRequest, main_world: dict[str, dict[str, list[dict[str, Any]]]]) -> Rows:
    return keyed(main_world[request.param][AS_OF])


@pytest.fixture(params=APIS)
def mid_rows(request: pytest.FixtureRequest, main_world: dict[str, dict[str, list[dict[str, Any]]]]) -> Rows:
    return keyed(main_world[request.param][MID])


def check_row(
    row: dict[str, Any],
    *,
    team: str,
    window: str,
    deployments: int,
    lead: tuple[float | None, float | None],
    cfr: float | None,
    recovery: float | None,
    restore: tuple[float | None, float | None],
    incidents: int,
    rework: float | None,
    stages: dict[str, Any],
    row_bands: dict[str, str | None],
    as_of: str = AS_OF,
) -> None:
    """The whole row of ``team`` and ``window`` as of ``as_of``; every mismatch is shown at once."""

    def number(value: float | None) -> Any:
        return None if value is None else approx(value)

    days = {"7d": 7, "30d": 30}[window]
    expected = {
        "team": team,
        "window": window,
        "as_of": as_of,
        "deployments": deployments,
        "deployment_frequency_per_day": approx(deployments / days),
        "lead_time_hours_p50": number(lead[0]),
        "lead_time_hours_p90": number(lead[1]),
        "change_failure_rate": number(cfr),
        "failed_deployment_recovery_hours_p50": number(recovery),
        "time_to_restore_hours_p50": number(restore[0]),
        "time_to_restore_hours_p90": number(restore[1]),
        "incidents": incidents,
        "rework_rate": number(rework),
        "lead_time_breakdown_hours_p50": stages,
        "bands": row_bands,
    }
    assert list(row) == METRIC_KEYS
    assert row == expected


def check_empty_7d(row: dict[str, Any], team: str, row_bands: dict[str, str | None]) -> None:
    """A 7d row with nothing in it: every scenario but edge7 happens 03-01 … 03-05."""
    check_row(
        row,
        team=team,
        window="7d",
        deployments=0,
        lead=(None, None),
        cfr=None,
        recovery=None,
        restore=(None, None),
        incidents=0,
        rework=None,
        stages=breakdown(),
        row_bands=row_bands,
    )


# ------------------------------------------------------------------------------------------- the tests


def test_every_team_has_a_row_per_window_in_order(rows_by_api: dict[str, list[dict[str, Any]]]) -> None:
    """SPEC §6.4: one object per team and window, sorted by team (``"*"`` first) then window length; the
    catalog gives ``shop-team`` (SPEC §4 ``group:shop-team``, ``shop-team``, ``group:default/shop-team``
    are one team)."""
    teams = ["*", "edge7", "hotrel", "mprb", "presince", "relrb", "shop-team", "stgroll", "wfrevpr"]
    expected = [(team, window) for team in teams for window in ("7d", "30d")]
    for api in APIS:
        assert [(row["team"], row["window"]) for row in rows_by_api[api]] == expected, api


def test_rest_and_graphql_give_the_same_rows(rows_by_api: dict[str, list[dict[str, Any]]]) -> None:
    """docs/configuration.md ``github.api``: the two modes read the same facts; the metrics must agree."""
    assert rows_by_api["graphql"] == rows_by_api["rest"]


def test_workflow_runs_revert_pr_after_a_window_incident_and_a_run_ending_during_it(rows: Rows) -> None:
    """acme/wfrevpr, source workflow_runs of deploy.yml.

    * R1: run of c0 ends 03-01 06:00 (first).
    * PR #2 (alice; a1 02 06:00, opened 07:00, bob approves 08:00) squash-merged 09:00 as s2. R2: run of s2
      ends 10:00 → compare(c0...s2) = s2, PR #2's merge commit → start a1 06:00: lead 4 h.
    * Direct push c2 (10:20). R3: run created 10:40, ends 11:20 → deployed_at 11:20 (§5.1 updated_at):
      lead 1 h.
    * Incident issue 02 11:00 → 16:00, no sha: the latest deployment before 11:00 is R2 (R3 ends after
      it) → R2 failed (window, 1 h ≤ 24 h). R3 ended while the issue was open → rework.
    * PR #3 (erin, label revert; v ``This reverts commit <s2>.`` authored 12:00, opened 12:30, frank
      approves 13:00) squash-merged onto c2 at 13:30 as s3, whose message keeps ``This reverts commit
      <s2>.``. A run of s3 fails (13:35 → 13:50): a failed attempt, no deployment. R4: run of s3 ends
      14:30 → compare(c2...s3) = s3 → start v 12:00: 2.5 h. s3 reverts s2, R2's change → R2 failed
      (revert) too, counted once; R2 recovers at the earliest of the issue's close (16:00) and R4
      (14:30): 4.5 h. R4 is rework (a revert commit, a revert-labelled PR, the issue open): once.
    * A deploy.yml run on branch pr-4 (03 07:30) is no deployment. PR #4 (alice; b1 03 06:00, opened
      07:00, no review) squash-merged 09:00 as s4; R5 ends 10:00: 4 h.
    Deployments 5; lead 1, 2.5, 4, 4 → p50 3.25, p90 at 2.7: 4. CFR 1/5; recovery 4.5; incidents 1,
    restore 5; rework 2/5.
    Breakdown: PR #2 (R2) coding 1, pickup 1, review 1, deploy 1; PR #3 (R4) 0.5, 0.5, 0.5, 14:30 − 13:30
    = 1; PR #4 (R5) coding 1, deploy 1 → coding 1, pickup 0.75, review 0.75, deploy 1.
    Bands: 5/30 ≥ 1/7 high; 3.25 h elite; 20 % low; 4.5 h high.
    """
    row_bands = bands("high", "elite", "low", "high")
    check_row(
        rows[("wfrevpr", "30d")],
        team="wfrevpr",
        window="30d",
        deployments=5,
        lead=(3.25, 4.0),
        cfr=0.2,
        recovery=4.5,
        restore=(5.0, 5.0),
        incidents=1,
        rework=0.4,
        stages=breakdown(1.0, 0.75, 0.75, 1.0),
        row_bands=row_bands,
    )
    check_empty_7d(rows[("wfrevpr", "7d")], "wfrevpr", row_bands)


def test_releases_rollback_past_two_identical_re_release_and_revert_release(rows: Rows) -> None:
    """acme/relrb, source releases (tags resolved to commits; deployed_at = published_at).

    * v1.0.0 (c0) 03-01 06:00: first.
    * v1.1.0 (f1 02 08:00) 10:00: lead 2. v1.2.0 (f2 11:00) 12:00: lead 1.
    * v1.0.1 (c0) 14:00: compare(f2...c0) ``behind`` → a rollback whose previous deployment is v1.2.0 →
      v1.2.0 failed (rollback), recovered 2 h; v1.1.0, shipped earlier, is not failed. v1.0.1 rework.
    * v1.0.2 (c0 again) 15:00: ``identical``: no changes, no rollback.
    * Issue 02 16:00 → 18:00, no sha: the latest deployment before it is v1.0.2 (1 h) → v1.0.2 failed
      (window), recovered 18:00: 3 h.
    * v1.3.0 on v (``This reverts commit <f2>``, 17:00, on f2) 19:00: compare(c0...v) = f1, f2, v; f1, f2
      shipped already → change v: 2 h. v reverts f2, v1.2.0's change → v1.2.0 failed (revert) too, once;
      its recovery stays the rollback's 14:00. v1.3.0 rework (revert commit; the issue closed at 18:00).
    * A prerelease and a draft of f3: no deployments. v1.4.0 (f3 03 08:00) 03 12:00: compare(v...f3) = f3:
      4 h.
    Deployments 7; lead 1, 2, 2, 4 → p50 2, p90 at 2.7: 2 + 0.7 × 2 = 3.4. CFR 2/7; recovery 2, 3 → 2.5;
    incidents 1, restore 2; rework 2/7; no PR.
    Bands: 7/30 high; 2 h elite; 28.6 % low; 2.5 h high.
    """
    row_bands = bands("high", "elite", "low", "high")
    check_row(
        rows[("relrb", "30d")],
        team="relrb",
        window="30d",
        deployments=7,
        lead=(2.0, 3.4),
        cfr=2 / 7,
        recovery=2.5,
        restore=(2.0, 2.0),
        incidents=1,
        rework=2 / 7,
        stages=breakdown(),
        row_bands=row_bands,
    )
    check_empty_7d(rows[("relrb", "7d")], "relrb", row_bands)


def test_merged_prs_rebase_hotfix_named_by_its_original_commit_and_reverted_by_a_copy(rows: Rows) -> None:
    """acme/mprb, source merged_prs.

    * PR #1 squash-merged 03-01 06:00 as s1 → M1, first (PR #1 coding 1, no deploy stage).
    * PR #2 (alice, label hotfix; o1 02 06:00, o2 07:00; opened 07:30; bob approves 08:00) rebase-merged
      09:00 as r1, r2 (merge_commit_sha r2) → M2: r1 own date → 3 h; r2 PR #2's earliest, 06:00 → 3 h.
      Rework (r2 is the hotfix PR's merge commit).
    * PR #3 (carol; k 10:00, opened 10:30) squash 11:00 → M3: 1 h.
    * Issue A 12:00 → 13:00 ``root cause: <o1[:9]>``: o1 is PR #2's commit as written, not the rebased
      copy: no change's sha (docs: "links nothing") → window: latest before 12:00 is M3 → M3 failed,
      recovered 13:00: 2 h.
    * PR #4 (erin; v ``This reverts commit <r1>`` 14:00, opened 14:30) squash 15:00 → M4: 1 h. r1 is M2's
      change → M2 failed (revert), recovered 15:00: 6 h. M4 rework (revert commit).
    * Issue B 16:00 → 17:00 titled ``Still slow after <r2[:7]>``: explicit link to M2 (already failed;
      recovery stays 15:00). It has an explicit link, so the window rule does not fail M4 (1 h before).
    * PR #5 (dave; d 03 06:00, opened 07:00) squash 03 08:00 → M5: 2 h.
    Deployments 5; lead 1, 1, 2, 3, 3 → p50 2, p90 at 3.6: 3. CFR 2/5; recovery 2, 6 → 4; incidents 2,
    restore 1, 1; rework 2/5.
    Breakdown: coding #1 1, #2 1.5, #3 0.5, #4 0.5, #5 1 → 1; pickup #2 0.5; review #2 1; deploy (all
    0, #1 none) 0.
    Bands: 5/30 high; 2 h elite; 40 % low; 4 h high.
    """
    row_bands = bands("high", "elite", "low", "high")
    check_row(
        rows[("mprb", "30d")],
        team="mprb",
        window="30d",
        deployments=5,
        lead=(2.0, 3.0),
        cfr=0.4,
        recovery=4.0,
        restore=(1.0, 1.0),
        incidents=2,
        rework=0.4,
        stages=breakdown(1.0, 0.5, 1.0, 0.0),
        row_bands=row_bands,
    )
    check_empty_7d(rows[("mprb", "7d")], "mprb", row_bands)


def test_staging_retried_deployment_failed_rollback_attempt_window_on_the_rollback_and_revert(
    rows: Rows,
) -> None:
    """acme/stgroll, GitHub Deployments in production; staging deployments S1–S4 (c1, c2, c1 again: a
    staging rollback, c3) are not counted and take part in nothing.

    * D1 c0 03-01 06:00 (first). D2 c1 (02 08:00) at 10:00: compare(c0...c1): 2 h.
    * D3 of c2 (11:00): created 12:30, failure 12:40, success 14:00 → deployed_at 14:00 (first success).
    * Dx of c1: created 13:00, success 13:00 — created after D3 but deployed before it. By deployed_at:
      D2, Dx, D3. Dx: previous D2, same sha → identical (no changes, no rollback). D3: compare(c1...c2) =
      c2: 3 h. (By created_at, Dx would roll D3 back.)
    * X: a production attempt of c1 at 15:00 ending in ``error``: no deployment.
    * D4 c1 at 16:00: compare(c2...c1) ``behind`` → rollback of D3 → D3 failed, recovered 2 h; D4 rework.
    * Issue 16:30 → 17:00, no sha: the latest deployment before it is the rollback D4 (0.5 h) → D4 failed
      (window), recovered 17:00: 1 h.
    * c3 ``This reverts commit <c2>`` (03 08:00, on c2); attempt Y of c3 fails (08:40); D5 c3 at 09:00:
      compare(c1...c3) = c2 (D3's) and c3 → change c3: 1 h. Reverts D3's change → D3 failed (revert)
      too; its recovery stays 16:00. D5 rework (revert commit).
    Deployments 6; lead 1, 2, 3 → p50 2, p90 2.8. CFR 2/6; recovery 1, 2 → 1.5; incidents 1, restore 0.5;
    rework 2/6; no PR.
    Bands: 6/30 high; 2 h elite; 33 % low; 1.5 h high.
    """
    row_bands = bands("high", "elite", "low", "high")
    check_row(
        rows[("stgroll", "30d")],
        team="stgroll",
        window="30d",
        deployments=6,
        lead=(2.0, 2.8),
        cfr=1 / 3,
        recovery=1.5,
        restore=(0.5, 0.5),
        incidents=1,
        rework=1 / 3,
        stages=breakdown(),
        row_bands=row_bands,
    )
    check_empty_7d(rows[("stgroll", "7d")], "stgroll", row_bands)


def test_release_branch_hotfix_deployed_diverged_then_merged_back_with_an_undeployed_commit(
    rows: Rows,
) -> None:
    """acme/hotrel, GitHub Deployments.

    * D1 c0 03-01 06:00 (first). D2 c1 (02 08:00) at 10:00: 2 h.
    * Branch release-1 from c0: h1 (carol, 11:00) deployed from it by H3 at 12:00: compare(c1...h1)
      ``diverged`` → no rollback; change h1 (no PR's merge commit: own date) → 1 h. h2 (13:00) follows on
      release-1, never deployed from it.
    * c2 on main (14:00). PR #5 (carol, release-1 → main, label hotfix; commits h1, h2; opened 13:30; dave
      approves 15:00) merged 16:00 with merge commit m5 = merge(c2, h2).
    * D4 m5 at 17:00: compare(h1...m5) = c1, c2, h2, m5: c1 shipped by D2; m5 a merge commit → changes c2
      (own, 3 h) and h2 (own, 4 h). D4 rework: h2 is a commit of the hotfix PR. H3 rework too: h1 is one
      of its commits (from the merge on).
    * Issue 18:00 → 20:00 ``root cause: <h2[:8]>`` → explicit D4, recovered 20:00: 3 h; no window.
    * D5 c3 (03 08:00) at 09:00: 1 h.
    Deployments 5; lead 1, 1, 2, 3, 4 → p50 2, p90 at 3.6: 3 + 0.6 × 1 = 3.6. CFR 1/5; recovery 3;
    incidents 1, restore 2; rework 2/5.
    Breakdown: PR #5 deployed by D4 (first compare holding m5): coding h1 11:00 → 13:30 = 2.5, pickup 1.5,
    review 1, deploy 16:00 → 17:00 = 1.
    Bands: 5/30 high; 2 h elite; 20 % low; 3 h high.
    """
    row_bands = bands("high", "elite", "low", "high")
    check_row(
        rows[("hotrel", "30d")],
        team="hotrel",
        window="30d",
        deployments=5,
        lead=(2.0, 3.6),
        cfr=0.2,
        recovery=3.0,
        restore=(2.0, 2.0),
        incidents=1,
        rework=0.4,
        stages=breakdown(2.5, 1.5, 1.0, 1.0),
        row_bands=row_bands,
    )
    check_empty_7d(rows[("hotrel", "7d")], "hotrel", row_bands)


def test_one_service_over_a_deployments_repo_and_a_merged_prs_repo(rows: Rows) -> None:
    """Team shop-team (catalog): component ``shop`` in acme/shop-api (GitHub Deployments) and in
    acme/shop-web (merged_prs) — one service, two repositories (§4, docs "components are told apart by
    metadata.name"); component ``billing`` in acme/billing (GitHub Deployments), another service.

    * A1, W1 (PR #1: coding 1, no deploy stage), B1 at 03-01 06:00: first deployments.
    * A2 a1 (02 08:00) at 10:00: 2 h. W2: PR #2 (bob; w1 07:00, opened 08:00, no review) squash-merged
      11:00: 4 h. B2 b1 (11:00) at 11:30: 0.5 h.
    * Issue in acme/shop-web 12:00 → 15:00, no sha: service shop's latest deployment before 12:00 is W2
      (11:00; A2 is older, B2 is another service's) → W2 failed (window).
    * A3 a2 (12:30) at 13:00, while shop-web's issue is open: an incident of its service → rework; 0.5 h.
      B3 b2 (13:00) at 13:30, also while it is open: billing is another service → not rework; 0.5 h.
    * W3: PR #3 (carol; w3 ``This reverts commit <s2>`` 13:00, opened 13:30) squash-merged 14:00: 1 h;
      reverts W2's change → W2 failed (revert) too; recovered at the earliest of 15:00 and 14:00: 3 h.
      W3 rework (revert; the issue open).
    Deployments 9; lead 0.5, 0.5, 0.5, 1, 2, 4 → p50 at 2.5: 0.75, p90 at 4.5: 2 + 0.5 × 2 = 3. CFR 1/9;
    recovery 3; incidents 1, restore 3; rework 2/9.
    Breakdown: coding #1 1, #2 1, #3 0.5 → 1; no review; deploy #2 0, #3 0 → 0.
    Bands: 9/30 high; 0.75 h elite; 11.1 % medium; 3 h high.
    """
    row_bands = bands("high", "elite", "medium", "high")
    check_row(
        rows[("shop-team", "30d")],
        team="shop-team",
        window="30d",
        deployments=9,
        lead=(0.75, 3.0),
        cfr=1 / 9,
        recovery=3.0,
        restore=(3.0, 3.0),
        incidents=1,
        rework=2 / 9,
        stages=breakdown(coding=1.0, deploy=0.0),
        row_bands=row_bands,
    )
    check_empty_7d(rows[("shop-team", "7d")], "shop-team", row_bands)


def test_rollback_across_the_7d_start_failed_by_the_window(rows: Rows) -> None:
    """acme/edge7. 7d = (03-13 00:00, 03-20 00:00].

    * D1 c0 03-01 06:00 (first). D2 c1 (03-12 20:00) at 03-12 22:00: 2 h — in 30d, not in 7d.
    * D3 c0 at 03-13 02:00: compare(c1...c0) ``behind`` → rollback of D2 → D2 failed, recovered 4 h; D3
      rework.
    * Issue 03-13 03:00 → 04:00, no sha: the latest deployment before it is D3 (1 h) → D3 failed (window),
      recovered 2 h.
    * D4 c2 (03-14 09:00, on c1) at 10:00: compare(c0...c2) = c1 (D2's), c2 → c2: 1 h.
    30d: deployments 4; lead 1, 2 → p50 1.5, p90 1.9; CFR 2/4; recovery 2, 4 → 3; incidents 1, restore 1;
    rework 1/4.
    7d: deployments D3, D4 → 2; lead 1; CFR: D3 failed of 2 → 0.5 (D2 is outside); recovery 2; the issue
    started and resolved in it: 1, restore 1; rework D3 → 0.5.
    Bands (30d): 4/30 medium; 1.5 h elite; 50 % low; 3 h high.
    """
    row_bands = bands("medium", "elite", "low", "high")
    check_row(
        rows[("edge7", "30d")],
        team="edge7",
        window="30d",
        deployments=4,
        lead=(1.5, 1.9),
        cfr=0.5,
        recovery=3.0,
        restore=(1.0, 1.0),
        incidents=1,
        rework=0.25,
        stages=breakdown(),
        row_bands=row_bands,
    )
    check_row(
        rows[("edge7", "7d")],
        team="edge7",
        window="7d",
        deployments=2,
        lead=(1.0, 1.0),
        cfr=0.5,
        recovery=2.0,
        restore=(1.0, 1.0),
        incidents=1,
        rework=0.5,
        stages=breakdown(),
        row_bands=row_bands,
    )


def test_squash_begun_before_since_named_by_its_branch_commit_and_by_its_squash(rows: Rows) -> None:
    """acme/presince, GitHub Deployments; github.since 2026-03-01.

    * D1 r0 (authored 02-20) 03-01 06:00 (first).
    * PR #2 (alice; p1 02-26 10:00 — before since —, p2 03-02 06:00; opened 02-27 09:00; bob approves 03-02
      07:00) squash-merged 08:00 as s2 (updated after since: collected). D2 s2 at 03-02 10:00: start p1 →
      96 h.
    * D3 c3 (11:00) at 12:00: 1 h.
    * Issue A 13:00 → 15:00 ``regression from <p2[:7]>``: p2 is a PR branch commit, no change → links
      nothing → window: the latest deployment before 13:00 is D3 → D3 failed, recovered 15:00: 3 h.
    * D4 c4 (03 08:00) at 09:00: 1 h.
    * Issue B 03 10:00 → 11:00 titled ``<s2[:7]> broke totals``: explicit D2 → recovered 03 11:00: 25 h;
      no window (D4 is not failed).
    Deployments 4; lead 1, 1, 96 → p50 1, p90 at 1.8: 1 + 0.8 × 95 = 77. CFR 2/4; recovery 3, 25 → 14;
    incidents 2, restore 1, 2 → p50 1.5, p90 1.9; rework 0 (no incident open at a deployment).
    Breakdown: PR #2 coding 02-26 10:00 → 02-27 09:00 = 23; pickup 02-27 09:00 → 03-02 07:00 = 70;
    review 1; deploy 2.
    Bands: 4/30 medium; 1 h elite; 50 % low; 14 h high.
    """
    row_bands = bands("medium", "elite", "low", "high")
    check_row(
        rows[("presince", "30d")],
        team="presince",
        window="30d",
        deployments=4,
        lead=(1.0, 77.0),
        cfr=0.5,
        recovery=14.0,
        restore=(1.5, 1.9),
        incidents=2,
        rework=0.0,
        stages=breakdown(23.0, 70.0, 1.0, 2.0),
        row_bands=row_bands,
    )
    check_empty_7d(rows[("presince", "7d")], "presince", row_bands)


def test_the_organisation_row_pools_every_scenario(rows: Rows) -> None:
    """Team ``*`` (SPEC §6 "covers everything collected").

    30d. Deployments wfrevpr 5 + relrb 7 + mprb 5 + stgroll 6 + hotrel 5 + shop-team 9 + edge7 4 +
    presince 4 = 45.
    Lead (32): 0.5 ×3 (shop); 1 ×11 (wfrevpr, relrb, mprb ×2, stgroll, hotrel ×2, shop, edge7, presince ×2);
    2 ×7 (relrb ×2, mprb, stgroll, hotrel, shop, edge7); 2.5; 3 ×4 (mprb ×2, stgroll, hotrel); 4 ×5
    (wfrevpr ×2, relrb, hotrel, shop); 96 → p50 at 15.5: 2; p90 at 27.9: 4.
    Failed 1 + 2 + 2 + 2 + 1 + 1 + 2 + 2 = 13 → 13/45. Recoveries 1; 2 ×4; 3 ×4; 4; 4.5; 6; 25 → p50 at
    6: 3. Restores 0.5, 1 ×4, 2 ×3, 3, 5 → p50 at 4.5: 1.5; p90 at 8.1: 3 + 0.1 × 2 = 3.2. Incidents 10.
    Rework 2 + 2 + 2 + 2 + 2 + 2 + 1 + 0 = 13 → 13/45.
    Breakdown: coding 0.5 ×4, 1 ×6, 1.5, 2.5, 23 → 1; pickup 0.5, 0.5, 1, 1.5, 70 → 1; review 0.5, 1 ×4 →
    1; deploy 0 ×6, 1 ×4, 2 → 0.
    7d: edge7's only: deployments 2, lead 1, CFR 0.5, recovery 2, restore 1, incidents 1, rework 0.5.
    Bands (30d): 45/30 ≥ 1 elite; 2 h elite; 28.9 % low; 3 h high.
    """
    row_bands = bands("elite", "elite", "low", "high")
    check_row(
        rows[("*", "30d")],
        team="*",
        window="30d",
        deployments=45,
        lead=(2.0, 4.0),
        cfr=13 / 45,
        recovery=3.0,
        restore=(1.5, 3.2),
        incidents=10,
        rework=13 / 45,
        stages=breakdown(1.0, 1.0, 1.0, 0.0),
        row_bands=row_bands,
    )
    check_row(
        rows[("*", "7d")],
        team="*",
        window="7d",
        deployments=2,
        lead=(1.0, 1.0),
        cfr=0.5,
        recovery=2.0,
        restore=(1.0, 1.0),
        incidents=1,
        rework=0.5,
        stages=breakdown(),
        row_bands=row_bands,
    )


# ------------------------------------------------------------------------------- as of 03-02 15:00


MID_EXPECTED: dict[str, dict[str, Any]] = {
    # wfrevpr: R1, R2 (10:00), R3 (11:20), R4 (14:30). Lead 4, 1, 2.5 → p50 2.5, p90 at 1.8: 2.5 + 0.8 ×
    # 1.5 = 3.7. R2 failed (window from the issue's start; revert from R4), recovered by R4: 4.5 h (the
    # issue closes at 16:00, after as_of: still open, no restore). Rework R3, R4 → 2/4. PR #2 (R2) and
    # PR #3 (R4): coding 1, 0.5 → 0.75; pickup 0.75; review 0.75; deploy 1. Bands: 4/30 medium; low CFR.
    "wfrevpr": {
        "deployments": 4,
        "lead": (2.5, 3.7),
        "cfr": 0.25,
        "recovery": 4.5,
        "restore": (None, None),
        "incidents": 1,
        "rework": 0.5,
        "stages": breakdown(0.75, 0.75, 0.75, 1.0),
        "row_bands": bands("medium", "elite", "low", "high"),
    },
    # relrb: v1.0.0, v1.1.0, v1.2.0, v1.0.1 (rollback 14:00), v1.0.2 (15:00, at as_of: in). Lead 2, 1 →
    # 1.5, 1.9.
    # v1.2.0 failed (rollback), 2 h. The issue (16:00) has not started. Rework v1.0.1 → 1/5.
    "relrb": {
        "deployments": 5,
        "lead": (1.5, 1.9),
        "cfr": 0.2,
        "recovery": 2.0,
        "restore": (None, None),
        "incidents": 0,
        "rework": 0.2,
        "stages": breakdown(),
        "row_bands": bands("high", "elite", "low", "high"),
    },
    # mprb: M1, M2, M3, M4 (15:00, at as_of: in). Lead 3, 3, 1, 1 → p50 2, p90 at 2.7: 3. M3 (window,
    # A) 2 h; M2 (revert by M4) 6 h → 4. Incident A (restore 1); B starts at 16:00. Rework M2, M4 →
    # 2/4. Coding #1 1, #2 1.5, #3 0.5, #4 0.5 → 0.75; pickup 0.5; review 1; deploy 0.
    "mprb": {
        "deployments": 4,
        "lead": (2.0, 3.0),
        "cfr": 0.5,
        "recovery": 4.0,
        "restore": (1.0, 1.0),
        "incidents": 1,
        "rework": 0.5,
        "stages": breakdown(0.75, 0.5, 1.0, 0.0),
        "row_bands": bands("medium", "elite", "low", "high"),
    },
    # stgroll: D1, D2, Dx (13:00, identical), D3 (14:00, created 12:30). Lead 2, 3 → 2.5, 2.9. The
    # rollback (16:00) has not happened: nothing failed, no rework; no failure, no restore → recovery
    # band null.
    "stgroll": {
        "deployments": 4,
        "lead": (2.5, 2.9),
        "cfr": 0.0,
        "recovery": None,
        "restore": (None, None),
        "incidents": 0,
        "rework": 0.0,
        "stages": breakdown(),
        "row_bands": bands("medium", "elite", "elite", None),
    },
    # hotrel: D1, D2, H3. Lead 2, 1 → 1.5, 1.9. PR #5 merges at 16:00, after as_of: H3's h1 is a commit of
    # a PR not merged yet → not rework yet; no deployed PR.
    "hotrel": {
        "deployments": 3,
        "lead": (1.5, 1.9),
        "cfr": 0.0,
        "recovery": None,
        "restore": (None, None),
        "incidents": 0,
        "rework": 0.0,
        "stages": breakdown(),
        "row_bands": bands("medium", "elite", "elite", None),
    },
    # shop-team: everything of it happened by 15:00 (the issue closes at as_of: resolved): its final row.
    "shop-team": {
        "deployments": 9,
        "lead": (0.75, 3.0),
        "cfr": 1 / 9,
        "recovery": 3.0,
        "restore": (3.0, 3.0),
        "incidents": 1,
        "rework": 2 / 9,
        "stages": breakdown(coding=1.0, deploy=0.0),
        "row_bands": bands("high", "elite", "medium", "high"),
    },
    # edge7: D1 only. 1/30 per day is exactly the medium threshold (≥ 1/30).
    "edge7": {
        "deployments": 1,
        "lead": (None, None),
        "cfr": 0.0,
        "recovery": None,
        "restore": (None, None),
        "incidents": 0,
        "rework": 0.0,
        "stages": breakdown(),
        "row_bands": bands("medium", None, "elite", None),
    },
    # presince: D1, D2, D3. Lead 96, 1 → p50 48.5, p90 1 + 0.9 × 95 = 86.5. D3 failed by A (window),
    # recovered 15:00 (at as_of): 3 h; B (which names s2) starts on 03-03. Restore A 2. Bands: 48.5 h <
    # 1 week high.
    "presince": {
        "deployments": 3,
        "lead": (48.5, 86.5),
        "cfr": 1 / 3,
        "recovery": 3.0,
        "restore": (2.0, 2.0),
        "incidents": 1,
        "rework": 0.0,
        "stages": breakdown(23.0, 70.0, 1.0, 2.0),
        "row_bands": bands("medium", "high", "low", "high"),
    },
    # "*": deployments 4 + 5 + 4 + 4 + 3 + 9 + 1 + 3 = 33. Lead (21): 0.5 ×3; 1 ×7; 2 ×4; 2.5; 3 ×3; 4 ×2;
    # 96 → p50 at 10: 2; p90 at 18: 4. Failed 1 + 1 + 2 + 0 + 0 + 1 + 0 + 1 = 6 → 6/33; recoveries 2, 2,
    # 3, 3, 4.5, 6 → 3. Restores (resolved by as_of) 1, 2, 3 → p50 2, p90 2.8. Incidents 4. Rework 2 + 1
    # + 2 + 2 = 7 → 7/33. Coding .5 ×4, 1 ×4, 1.5, 23 → 1; pickup .5, .5, 1, 70 → 0.75; review .5, 1, 1,
    # 1 → 1; deploy 0 ×5, 1, 1, 2 → 0. Bands: 33/30 elite; 2 h elite; 18.2 % low; 3 h high.
    "*": {
        "deployments": 33,
        "lead": (2.0, 4.0),
        "cfr": 6 / 33,
        "recovery": 3.0,
        "restore": (2.0, 2.8),
        "incidents": 4,
        "rework": 7 / 33,
        "stages": breakdown(1.0, 0.75, 1.0, 0.0),
        "row_bands": bands("elite", "elite", "low", "high"),
    },
}


@pytest.mark.parametrize("team", list(MID_EXPECTED))
def test_every_row_as_of_mid_day_two(mid_rows: Rows, team: str) -> None:
    """The same stores read ``--as-of 2026-03-02T15:00:00Z`` (SPEC §2: "facts after it are ignored, as if
    they had not happened yet"): each scenario stopped half-way, its rules meeting a point in time —
    a window failure whose incident is still open recovered by a revert deployment (wfrevpr), a
    rollback not yet made (stgroll), a hotfix PR not yet merged (hotrel: no rework yet), an incident
    still to come (relrb, mprb's B, presince's B). Facts exactly at as_of are in (SPEC §6 "(as_of − N
    days, as_of]"): relrb's v1.0.2 and mprb's M4 (the revert, M2's recovery) are deployed at 15:00, and
    shop-web's and presince's issues A close at 15:00 (restore and recovery counted). 30d = (01-31 15:00,
    03-02 15:00] and 7d = (02-23 15:00, 03-02 15:00] both hold every fact up to as_of (the earliest is
    03-01 06:00; presince's PR opened 02-27 is deployed by D2 on 03-02), so the two rows differ only in
    their frequency. Bands from the 30d row as of this point. Numbers in ``MID_EXPECTED``'s comments.
    """
    expected = MID_EXPECTED[team]
    for window in ("30d", "7d"):
        check_row(mid_rows[(team, window)], team=team, window=window, as_of=MID, **expected)


# ----------------------------------------------------------------- component names in two letter cases


def one_component_over_two_repos(dataset: GitHubDataset, prefix: str, api_name: str, web_name: str) -> None:
    """acme/<prefix>-api holds Component ``api_name``, acme/<prefix>-web Component ``web_name``, both owned
    by ``<prefix>-team``; the same history in each world."""
    api = dataset.add_repo(f"acme/{prefix}-api")
    api.files["catalog-info.yaml"] = component(api_name, f"group:{prefix}-team")
    web = dataset.add_repo(f"acme/{prefix}-web")
    web.files["catalog-info.yaml"] = component(web_name, f"{prefix}-team")
    started_at_six(api)  # A1
    started_at_six(web)  # W1
    a1 = api.commit("a1", author_date=at(2, 8))
    api.deployment(a1, created_at=at(2, 10))  # A2
    w1 = web.commit("w1", author_date=at(2, 9))
    web.deployment(w1, created_at=at(2, 11))  # W2
    incident(api, "Down", at(2, 12), at(2, 15))
    w2 = web.commit("w2", author_date=at(2, 12.5))
    web.deployment(w2, created_at=at(2, 13))  # W3, while acme/<prefix>-api's issue is open


@CASES.scenario(("acme/cart-api", None, None), ("acme/cart-web", None, None))
def build_one_component_spelled_in_two_cases(dataset: GitHubDataset) -> None:
    one_component_over_two_repos(dataset, "cart", "Cart", "cart")


@CASES.scenario(("acme/tea-api", None, None), ("acme/tea-web", None, None))
def build_one_component_spelled_once(dataset: GitHubDataset) -> None:
    one_component_over_two_repos(dataset, "tea", "tea", "tea")


ONE_SERVICE: dict[str, Any] = {
    "window": "30d",
    "deployments": 5,
    "lead": (2.0, 2.0),
    "cfr": 0.2,
    "recovery": 4.0,
    "restore": (3.0, 3.0),
    "incidents": 1,
    "rework": 0.2,
    "stages": breakdown(),
    "row_bands": bands("high", "elite", "low", "high"),
}


@pytest.fixture(scope="module")
def case_rows_by_api(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rows]:
    return {
        api: keyed(points[AS_OF])
        for api, points in CASES.collect(tmp_path_factory, "cases", (AS_OF,)).items()
    }


@pytest.mark.parametrize("api", APIS)
def test_one_component_spelled_in_two_letter_cases_is_one_service(
    case_rows_by_api: dict[str, Rows], api: str
) -> None:
    """Team cart-team (catalog): acme/cart-api holds ``metadata.name: Cart``, acme/cart-web ``metadata.name:
    cart`` (``test_one_component_spelled_once_is_one_service``: the same history with ``tea`` twice gives
    these numbers). SPEC §4: "A service is a Backstage Component (kind: Component, metadata.name)";
    Backstage's entity references are case-insensitive ("All strings are case insensitive",
    backstage.io "Entity References"; analytics/ownership.py says so itself for owners: "Backstage
    entity references ignore case", and collector/catalog.py reads ``kind`` whatever its case):
    ``component:default/Cart`` and ``component:default/cart`` are one entity, one service over two
    repositories.

    * A1, W1 at 03-01 06:00 (first). A2 a1 (02 08:00) at 10:00: 2 h. W2 w1 (09:00) at 11:00: 2 h.
    * Issue in acme/cart-api 12:00 → 15:00, no sha: service cart's latest deployment before 12:00 is W2
      (acme/cart-web, 1 h) → W2 failed (rule 4), recovered 15:00: 4 h. A2 is not the latest.
    * W3 w2 (12:30) at 13:00 while the issue of its service is open → rework; 0.5 h.
    Deployments 5; lead 0.5, 2, 2 → p50 2, p90 at 1.8: 2. CFR 1/5; recovery 4; incidents 1, restore 3;
    rework 1/5.
    Bands: 5/30 high; 2 h elite; 20 % low; 4 h high.
    (The product keeps ``Cart`` and ``cart`` apart: A2 failed, recovery 5; W3 not rework, rework 0.)
    """
    check_row(case_rows_by_api[api][("cart-team", "30d")], team="cart-team", **ONE_SERVICE)


@pytest.mark.parametrize("api", APIS)
def test_one_component_spelled_once_is_one_service(case_rows_by_api: dict[str, Rows], api: str) -> None:
    """Team tea-team: the control of the test above — acme/tea-api and acme/tea-web both hold
    ``metadata.name: tea``, with the same history. W2 (acme/tea-web, 11:00) is the service's latest
    deployment before acme/tea-api's issue (12:00) → failed, recovered 4 h; W3 (13:00) is rework. The
    numbers of ``ONE_SERVICE``."""
    check_row(case_rows_by_api[api][("tea-team", "30d")], team="tea-team", **ONE_SERVICE)
