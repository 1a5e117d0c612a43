"""Audit, round 9: releases and tags as GitHub really has them, end to end (emulated GitHub → ``doraspace
collect`` in REST and GraphQL → ``doraspace metrics --format json``), ``github.deployments.source:
releases``.

SPEC §5.1: "releases: published, non-draft, non-prerelease releases; deployed_at = published_at".
§5.2: deployments "ordered by deployed_at"; D's changes are the non-merge commits of
``compare(P.sha...D.sha)`` "that no earlier deployment shipped: a commit is a change only of the first
deployment that ships it"; ``behind`` is a rollback (no changes), ``identical`` a redeploy; a change
starts at the earliest author date of the merged PR whose merge commit it is. §6.1 rule 2 (rollback
fails the previous deployment), §6.2 (recovery, rework: "a rollback ... contains a change from a PR
labelled with a rework.labels label").
docs/metrics.md: ties in deployed_at are ordered "then by id"; ``diverged`` has changes as ``ahead``;
the first deployment's own commit and its ancestors stay its own when a later compare lists them again;
"A merge commit is no change: a hotfix deployed from its branch, then merged into main with a merge
commit, makes its own deployment rework, not the later deployment that ships the merge commit"; a PR is
deployed by the first deployment with a known compare listing its merge commit.
docs/operations.md: every page of the releases list is read, each with its own ETag; a release's
``created_at`` (the list's order) is its commit's date; drafts and prereleases are published later in
place; "a published release made a draft or prerelease again is no deployment from then on". On GitHub,
deleting the tag of a published release turns it back into a draft (and it is published again, with a
new ``published_at``, once a tag of that name exists again).

One emulated organisation, one repository and team per scenario. Config: ``github.since: 2026-03-01``,
attribution window 24 h, default ``rework.labels``, window 30d only. Stores (all DuckDB):

* ``rest-incremental``, ``graphql-incremental``: collected at T1 = 03-06 00:00 (the REST one is then
  read), the world changes (facts stamped between T1 and T2 only), collected again at T2 = 03-08 00:00;
* ``rest-fresh``: collected once at T2.

Every store is read with ``--as-of 2026-03-20T00:00:00Z``: window 30d = (02-18 00:00, 03-20 00:00], the
bands' window too. Times are March 2026 UTC, ``at(day, hour)``. Percentiles are ``percentile_cont``: p at
position p × (n − 1) of the sorted values. dora-2023 bands: frequency ≥ 1/day elite, ≥ 1/7 high, ≥ 1/30
medium; lead p50 < 24 h elite, < 168 h high; CFR ≤ 5 % elite, ≤ 10 % high, ≤ 15 % medium, else low;
recovery < 1 h elite, < 24 h high, < 168 h medium.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData, iso
from tests.github_org import write_github_config
from tests.github_scenarios import AS_OF, at, breakdown, check, check_row, run_cli

TOKEN_VARIABLE = "AUDIT_R9_RELEASES_GITHUB_TOKEN"
TOKEN = "audit-r9-releases-token"
T1 = at(6)
T2 = at(8)
STORES = ("rest-incremental", "graphql-incremental", "rest-fresh")
RELEASES = "{source: releases}"
NO_STAGES = breakdown()
OLD = 105  # releases published in February (before since): the list has two pages of 100

Rows = dict[str, dict[str, Any]]


def bands(
    frequency: str | None, lead: str | None, cfr: str | None, recovery: str | None
) -> dict[str, str | None]:
    return {
        "deployment_frequency": frequency,
        "lead_time": lead,
        "change_failure_rate": cfr,
        "recovery": recovery,
    }


def february(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 2, day, tzinfo=UTC) + timedelta(hours=hour)


@dataclass
class World:
    github: GitHubDataset = field(default_factory=GitHubDataset)
    repos: list[str] = field(default_factory=list)
    between: list[Callable[[], None]] = field(default_factory=list)  # what happens between T1 and T2

    def repo(self, name: str) -> RepoData:
        self.repos.append(name)
        return self.github.add_repo(name)


def release(repo: RepoData, tag: str, sha: str, published_at: datetime | None, **options: Any) -> int:
    """Tag ``sha`` as ``tag`` and add its release, created at the commit's date (GitHub's
    ``created_at``), published at ``published_at``."""
    repo.tags[tag] = sha
    created = datetime.fromisoformat(repo.commits[sha]["commit"]["author"]["date"].replace("Z", "+00:00"))
    return repo.release(tag, created_at=created, published_at=published_at, **options)


def find_release(repo: RepoData, release_id: int) -> dict[str, Any]:
    return next(item for item in repo.releases if item["id"] == release_id)


def pull(
    repo: RepoData,
    number: int,
    title: str,
    author: str,
    onto: str,
    *,
    authored: datetime,
    opened: datetime,
    merged: datetime,
    labels: tuple[str, ...] = (),
    reviews: tuple[tuple[str, str, datetime], ...] = (),
    base: str | None = None,
) -> str:
    """PR #``number``: one commit authored at ``authored`` (child of ``onto``), opened ``opened``,
    squash-merged onto ``onto`` at ``merged`` (into ``base``, default main). Returns the squash commit."""
    head = repo.commit(
        title, parents=[onto], author_date=authored, author_login=author, branch=f"pr-{number}"
    )
    sha = repo.squash_merge([head], onto, f"{title} (#{number})", merged)
    if base is not None:
        repo.branches[base] = sha
    repo.pull(
        number=number,
        title=title,
        author=author,
        created_at=opened,
        commits=[head],
        merged_at=merged,
        merge_commit_sha=sha,
        labels=labels,
        reviews=reviews,
        base=base,
    )
    return sha


# ------------------------------------------------------------------------------------------ scenarios


def build_hotfix_merged_before_the_next_release(world: World) -> None:
    """acme/hotrel: a hotfix release of a maintenance branch, merged back before main's next release."""
    repo = world.repo("acme/hotrel")
    c0 = repo.commit("initial", author_date=at(1))
    release(repo, "v1.0.0", c0, at(1, 6))  # R1
    s2 = pull(
        repo,
        2,
        "Feature",
        "alice",
        c0,
        authored=at(2, 6),
        opened=at(2, 7),
        merged=at(2, 9),
        reviews=(("bob", "APPROVED", at(2, 8)),),
    )
    assert repo.branches["main"] == s2
    repo.branches["release-1.0"] = c0
    sh = pull(
        repo,
        3,
        "Fix rounding",
        "carol",
        c0,
        authored=at(3, 6),
        opened=at(3, 7),
        merged=at(3, 9),
        labels=("hotfix",),
        reviews=(("dave", "APPROVED", at(3, 8)),),
        base="release-1.0",
    )
    assert repo.branches["main"] == s2
    release(repo, "v1.0.1", sh, at(3, 10), target_commitish="release-1.0")  # R2
    mb = repo.merge_commit(s2, sh, "Merge pull request #4 from acme/release-1.0\n\nBack-merge", at(4, 10))
    repo.pull(
        number=4,
        title="Back-merge release-1.0",
        author="carol",
        created_at=at(4, 8),
        commits=[sh],
        merged_at=at(4, 10),
        merge_commit_sha=mb,
        reviews=[("erin", "APPROVED", at(4, 9))],
    )
    s5 = pull(repo, 5, "Next", "erin", mb, authored=at(4, 11), opened=at(4, 12), merged=at(4, 13))
    release(repo, "v1.1.0", s5, at(4, 15))  # R3


def build_hotfix_diverged_then_merged_back(world: World) -> None:
    """acme/hotdiv: main released first, then a hotfix release of the old line (diverged), merged back."""
    repo = world.repo("acme/hotdiv")
    c0 = repo.commit("initial", author_date=at(1))
    release(repo, "v1.0.0", c0, at(1, 6))  # R1
    s2 = pull(repo, 2, "Feature", "alice", c0, authored=at(2, 6), opened=at(2, 7), merged=at(2, 9))
    release(repo, "v1.1.0", s2, at(2, 12))  # R2
    repo.branches["release-1.0"] = c0
    sh = pull(
        repo,
        3,
        "Fix rounding",
        "carol",
        c0,
        authored=at(3, 6),
        opened=at(3, 7),
        merged=at(3, 9),
        labels=("hotfix",),
        base="release-1.0",
    )
    release(repo, "v1.0.1", sh, at(3, 10), target_commitish="release-1.0")  # R3
    mb = repo.merge_commit(s2, sh, "Merge pull request #4 from acme/release-1.0\n\nBack-merge", at(4, 10))
    repo.pull(
        number=4,
        title="Back-merge release-1.0",
        author="carol",
        created_at=at(4, 8),
        commits=[sh],
        merged_at=at(4, 10),
        merge_commit_sha=mb,
        labels=["hotfix"],
    )
    s5 = pull(repo, 5, "Next", "erin", mb, authored=at(4, 11), opened=at(4, 12), merged=at(4, 13))
    release(repo, "v1.2.0", s5, at(4, 15))  # R4


def build_same_instant(world: World) -> None:
    """acme/reltie: two pairs of releases, each pair published at one instant."""
    repo = world.repo("acme/reltie")
    c0 = repo.commit("initial", author_date=at(1))
    release(repo, "v1.0.0", c0, at(1, 6))  # R1
    c1 = repo.commit("c1", author_date=at(2, 8))
    c2 = repo.commit("c2", author_date=at(2, 9))
    release(repo, "v1.0.1", c1, at(2, 12))  # drafted first: the lower id
    release(repo, "v1.1.0", c2, at(2, 12))
    c3 = repo.commit("c3", author_date=at(3, 8))
    c4 = repo.commit("c4", author_date=at(3, 9))
    release(repo, "v1.3.0", c4, at(3, 12))  # drafted first: the lower id
    release(repo, "v1.2.1", c3, at(3, 12))
    c5 = repo.commit("c5", author_date=at(4, 8))
    release(repo, "v1.4.0", c5, at(4, 10))


def build_tag_made_at_publish(world: World) -> None:
    """acme/reltag: a draft targeting the branch ``main`` whose tag GitHub creates when it is published."""
    repo = world.repo("acme/reltag")
    c0 = repo.commit("initial", author_date=at(1))
    release(repo, "v1.0.0", c0, at(1, 6))  # R1
    s2 = pull(repo, 2, "Feature", "alice", c0, authored=at(2, 6), opened=at(2, 7), merged=at(2, 9))
    # Drafted at 02 10:00 with "create new tag v1.1.0 on publish", target main: no tag yet.
    draft = repo.release(
        "v1.1.0", created_at=at(2, 10), published_at=None, draft=True, target_commitish="main"
    )
    s3 = pull(repo, 3, "Search", "bob", s2, authored=at(5, 6), opened=at(5, 7), merged=at(5, 9))

    def change() -> None:
        assert "v1.1.0" not in repo.tags
        repo.tags["v1.1.0"] = repo.branches["main"]  # s3, main's tip when published
        find_release(repo, draft).update(draft=False, published_at=iso(at(6, 10)), created_at=iso(at(5, 9)))
        s4 = pull(repo, 4, "Export", "carol", s3, authored=at(6, 11), opened=at(6, 12), merged=at(6, 13))
        repo.tags["v1.2.0"] = s4
        repo.release("v1.2.0", created_at=at(6, 13), published_at=at(7, 10), target_commitish="main")

    world.between.append(change)


def build_old_tag_on_the_second_page(world: World) -> None:
    """acme/relold: 105 releases of February, an old draft published late, one new release."""
    repo = world.repo("acme/relold")
    f0 = repo.commit("f0", author_date=february(20))
    lts = release(repo, "v0.1-lts", f0, None, draft=True)  # the oldest: last on page 2
    for n in range(OLD):  # hourly from 02-21 00:00: o104 at 02-25 08:00, all published in February
        sha = repo.commit(f"o{n}", author_date=february(21, n))
        release(repo, f"v0.{n}.0", sha, february(21, n + 0.5))
    m0 = repo.commit("m0", author_date=at(1))
    release(repo, "v1.0.0", m0, at(1, 6))  # R1
    m1 = repo.commit("m1", author_date=at(2, 8))
    release(repo, "v1.1.0", m1, at(2, 10))  # R2
    m2 = repo.commit("m2", author_date=at(4, 8))
    release(repo, "v1.2.0", m2, at(4, 10))  # R3

    def change() -> None:
        find_release(repo, lts).update(draft=False, published_at=iso(at(6, 12)))  # R4
        m3 = repo.commit("m3", parents=[m2], author_date=at(7, 8))
        release(repo, "v1.3.0", m3, at(7, 10))  # R5, first on page 1: every page shifts

    world.between.append(change)


def build_tag_deleted(world: World) -> None:
    """acme/reldel: a rollback release whose tag is deleted after it was collected."""
    repo = world.repo("acme/reldel")
    c0 = repo.commit("initial", author_date=at(1))
    release(repo, "v1.0.0", c0, at(1, 6))  # R1
    c1 = repo.commit("c1", author_date=at(2, 8))
    release(repo, "v1.1.0", c1, at(2, 10))  # R2
    c2 = repo.commit("c2", author_date=at(3, 8))
    release(repo, "v1.2.0", c2, at(3, 10))  # R3
    back = release(repo, "v1.1.1", c1, at(4, 10))  # R4, of the older commit c1

    def change() -> None:
        del repo.tags["v1.1.1"]
        find_release(repo, back)["draft"] = True  # GitHub: a release without its tag is a draft
        c3 = repo.commit("c3", author_date=at(6, 8))
        release(repo, "v1.3.0", c3, at(6, 10))  # R5

    world.between.append(change)


def build_release_redone(world: World) -> None:
    """acme/redo: a release whose tag is deleted, made again on a fix and published again, all between
    two syncs."""
    repo = world.repo("acme/redo")
    c0 = repo.commit("initial", author_date=at(1))
    release(repo, "v1.0.0", c0, at(1, 6))  # R1
    c1 = repo.commit("c1", author_date=at(2, 8))
    redone = release(repo, "v1.1.0", c1, at(2, 10))  # R2

    def change() -> None:
        del repo.tags["v1.1.0"]  # the release is a draft now (unseen by the collector) ...
        c2 = repo.commit("Fix packaging", author_date=at(6, 8))
        repo.tags["v1.1.0"] = c2  # ... the tag made again on the fix, and the release published again
        find_release(repo, redone).update(draft=False, created_at=iso(at(6, 8)), published_at=iso(at(6, 10)))

    world.between.append(change)


def build_renamed(world: World) -> None:
    """acme/relname: a release renamed after it was collected, to another release's version."""
    repo = world.repo("acme/relname")
    c0 = repo.commit("initial", author_date=at(1))
    release(repo, "v1.0.0", c0, at(1, 6))  # R1
    c1 = repo.commit("c1", author_date=at(2, 8))
    renamed = release(repo, "v1.1.0", c1, at(2, 10))  # R2

    def change() -> None:
        find_release(repo, renamed)["name"] = "v1.2.0 (final)"
        c2 = repo.commit("c2", author_date=at(6, 8))
        release(repo, "v1.2.0", c2, at(6, 10), name="v1.2.0")  # R3

    world.between.append(change)


BUILDERS = (
    build_hotfix_merged_before_the_next_release,
    build_hotfix_diverged_then_merged_back,
    build_same_instant,
    build_tag_made_at_publish,
    build_old_tag_on_the_second_page,
    build_tag_deleted,
    build_release_redone,
    build_renamed,
)
TEAMS = ("hotdiv", "hotrel", "redo", "reldel", "relname", "relold", "reltag", "reltie")


# ------------------------------------------------------------------------------------------ the run


def write_config(directory: Path, world: World, base_url: str, api: str) -> Path:
    repo_lines = "".join(f"  - {{name: {name}, deployments: {RELEASES}}}\n" for name in world.repos)
    team_lines = "".join(
        f"  - {{name: {name.split('/')[1]}, repositories: [{name}]}}\n" for name in world.repos
    )
    rest = (
        "catalog: {discover: false}\n"
        "incidents: {attribution_window: 24h}\n"
        "metrics: {windows: [30d]}\n"
        f"teams:\n{team_lines}"
    )
    github = f"since: 2026-03-01\napi: {api}\nrepositories:\n{repo_lines}"
    return write_github_config(directory, base_url, TOKEN_VARIABLE, github, rest)


def read(config: Path, now: datetime) -> list[dict[str, Any]]:
    out = run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF], now=now)
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


@dataclass
class Result:
    first: Rows  # team → 30d row of the REST incremental store, read after T1
    second: dict[str, list[dict[str, Any]]]  # store → every row, after T2
    release_pages: list[tuple[str, int]]  # (page, status) of acme/relold's list in the REST T2 sync

    def row(self, store: str, team: str) -> dict[str, Any]:
        return next(r for r in self.second[store] if r["team"] == team and r["window"] == "30d")


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Result]:
    world = World()
    for build in BUILDERS:
        build(world)
    with (
        pytest.MonkeyPatch.context() as patch,
        GitHubEmulator(world.github, token=TOKEN, rate_limit=100_000, graphql_limit=100_000) as gh,
    ):
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        configs = {
            store: write_config(tmp_path_factory.mktemp(store), world, gh.base_url, store.split("-")[0])
            for store in STORES
        }
        for store in ("rest-incremental", "graphql-incremental"):
            run_cli(["collect", "--config", str(configs[store])], now=T1)
        first = {row["team"]: row for row in read(configs["rest-incremental"], T1)}
        for change in world.between:
            change()
        second: dict[str, list[dict[str, Any]]] = {}
        pages: list[tuple[str, int]] = []
        for store, config in configs.items():
            mark = len(gh.requests)
            run_cli(["collect", "--config", str(config)], now=T2)
            if store == "rest-incremental":
                pages = [
                    (r.query.get("page", "1"), r.status)
                    for r in gh.requests[mark:]
                    if r.path.endswith("/acme/relold/releases")
                ]
            second[store] = read(config, T2)
        assert gh.errors == []
    yield Result(first, second, pages)


# ------------------------------------------------------------------------------------------ the tests


def test_every_store_has_every_team(result: Result) -> None:
    for store in STORES:
        assert [row["team"] for row in result.second[store]] == ["*", *TEAMS], store


@pytest.mark.parametrize("store", STORES)
def test_hotfix_release_of_a_maintenance_branch_merged_back_before_mains_next_release(
    result: Result, store: str
) -> None:
    """acme/hotrel. R1 v1.0.0 on c0 (03-01 00:00) published 01 06:00: first, changes unknown.
    PR #2 (alice): a1 02 06:00, opened 07:00, bob approves 08:00, squash-merged to main 09:00 as s2.
    Branch release-1.0 cut at c0 (diverged from main once s2 is merged). PR #3 (carol, base
    release-1.0, label hotfix): h1 03 06:00, opened 07:00, dave approves 08:00, squash-merged into
    release-1.0 at 09:00 as sh (parent c0).
    R2 v1.0.1 on sh (target release-1.0) published 03 10:00: compare(c0...sh) ``ahead`` [sh] → change
      sh, starts at h1: 4 h; a change of the hotfix PR → rework. PR #3 deployed by R2.
    PR #4 (carol, release-1.0 → main, unlabelled; GitHub lists sh): opened 04 08:00, erin approves
    09:00, merged 10:00 with merge commit mb = merge(s2, sh). PR #5 (erin): e1 04 11:00, opened 12:00,
    no review, squash-merged onto mb at 13:00 as s5.
    R3 v1.1.0 on s5 published 04 15:00: sh is an ancestor of s5 → compare(sh...s5) ``ahead`` (not
      ``behind``: neither R2 nor R3 is a rollback), lists s2, mb, s5. mb is a merge commit, no change;
      changes s2 (from a1: 02 06:00 → 04 15:00 = 57 h) and s5 (4 h). No labelled PR's change → not
      rework. PRs #2, #4, #5 deployed by R3 (their merge commits are in its compare).
    Deployments 3; leads [4, 4, 57] → p50 4, p90 at 1.8: 4 + 0.8 × 53 = 46.4; CFR 0; rework 1/3.
    Breakdown: coding #2 1, #3 1, #4 sh 03 09:00 → 04 08:00 = 23, #5 1 → 1; pickup #2 1, #3 1, #4 1
    → 1; review 1, 1, 1 → 1; deploy #2 02 09:00 → 04 15:00 = 54, #3 1, #4 5, #5 2 → (2 + 5) / 2 = 3.5.
    Bands: 3/30 medium; 4 h elite; 0 % elite; recovery null (nothing failed, no incident).
    (sh counted again by R3: lead 33 h more; R3 counted rework: 2/3.)
    """
    check_row(
        result.row(store, "hotrel"),
        team="hotrel",
        deployments=3,
        lead=(4.0, 46.4),
        cfr=0.0,
        recovery=None,
        rework=1 / 3,
        stages=breakdown(coding=1.0, pickup=1.0, review=1.0, deploy=3.5),
        row_bands=bands("medium", "elite", "elite", None),
    )


@pytest.mark.parametrize("store", STORES)
def test_diverged_hotfix_release_is_no_rollback_and_its_labelled_merge_back_is_no_rework(
    result: Result, store: str
) -> None:
    """acme/hotdiv. R1 v1.0.0 on c0 01 06:00 (first). PR #2 (alice): a1 02 06:00, opened 07:00, no
    review, squash-merged 09:00 as s2. R2 v1.1.0 on s2 published 02 12:00: [s2] from a1 → 6 h.
    PR #3 (carol, base release-1.0 cut at c0, label hotfix): h1 03 06:00, opened 07:00, squash-merged
    into release-1.0 at 09:00 as sh (parent c0).
    R3 v1.0.1 on sh published 03 10:00: compare(s2...sh) ``diverged`` (ahead sh, behind s2): §5.2 makes
      only ``behind`` a rollback → R2 not failed; change sh from h1 → 4 h; rework (hotfix PR).
    PR #4 (carol, release-1.0 → main, label hotfix, lists sh): opened 04 08:00, merged 10:00 as merge
    commit mb = merge(s2, sh). PR #5 (erin): e1 04 11:00, opened 12:00, squash-merged 13:00 as s5.
    R4 v1.2.0 on s5 published 04 15:00: compare(sh...s5) ``ahead``, lists s2, mb, s5: s2 was first
      shipped by R2 → no change of R4; mb a merge commit → no change; change s5 4 h. PR #4 (hotfix) has
      no change in R4 (sh is R3's, mb no change) → R4 not rework (docs/metrics.md, Rework).
    Deployments 4; leads [4, 4, 6] → p50 4, p90 at 1.8: 4 + 0.8 × 2 = 5.6; CFR 0; rework 1/4.
    Breakdown (no reviews): coding #2 1, #3 1, #4 23, #5 1 → 1; deploy #2 3, #3 1, #4 5, #5 2 → 2.5.
    Bands: 4/30 < 1/7 → medium; 4 h elite; 0 % elite; null.
    (R3 taken as a rollback: R2 failed, CFR 1/4, rework 2/4; s2 counted again in R4: lead 57 h.)
    """
    check_row(
        result.row(store, "hotdiv"),
        team="hotdiv",
        deployments=4,
        lead=(4.0, 5.6),
        cfr=0.0,
        recovery=None,
        rework=1 / 4,
        stages=breakdown(coding=1.0, deploy=2.5),
        row_bands=bands("medium", "elite", "elite", None),
    )


@pytest.mark.parametrize("store", STORES)
def test_releases_published_at_one_instant_are_ordered_by_id(result: Result, store: str) -> None:
    """acme/reltie. R1 v1.0.0 on c0 01 06:00 (first). c1 02 08:00, c2 02 09:00 on main.
    v1.0.1 (c1, drafted first: lower id) and v1.1.0 (c2) both published 02 12:00. SPEC §5.2 orders by
    deployed_at; docs/metrics.md breaks the tie by id: R2 v1.0.1 [c1] 4 h; R3 v1.1.0 compare(c1...c2)
    [c2] 3 h. c3 03 08:00, c4 03 09:00. v1.3.0 (c4, drafted first: lower id) and v1.2.1 (c3), both
    published 03 12:00: R4 v1.3.0 compare(c2...c4) [c3, c4] 4 h, 3 h; R5 v1.2.1 compare(c4...c3)
    ``behind``, but behind a deployment of its own instant: no changes and no rollback (docs/metrics.md:
    the order by id is no order in time, and §6.1 rule 2 wants a later deployment), so R4 does not fail
    and R5 is not rework. c5 04 08:00, R6 v1.4.0 04 10:00: compare(c3...c5) [c4, c5]; c4 was R4's →
    change c5 2 h.
    Deployments 6; leads [2, 3, 3, 4, 4] → p50 3, p90 at 3.6: 4; CFR 0; recovery none; rework 0.
    Bands: 6/30 = 0.2 high; 3 h elite; 0 % elite; null.
    (Ties broken by created_at, the commit's date, instead: no behind at all, the same numbers.)
    """
    check_row(
        result.row(store, "reltie"),
        team="reltie",
        deployments=6,
        lead=(3.0, 4.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("high", "elite", "elite", None),
    )


@pytest.mark.parametrize("store", STORES)
def test_release_targeting_a_branch_deploys_the_tag_made_at_publish_not_the_branch_tip(
    result: Result, store: str
) -> None:
    """acme/reltag. R1 v1.0.0 on c0 01 06:00 (first). PR #2 (alice): a1 02 06:00, opened 07:00, merged
    09:00 as s2. Draft v1.1.0 (target_commitish ``main``, its tag to be created on publish) drafted 02
    10:00. PR #3 (bob): b1 05 06:00, opened 07:00, merged 09:00 as s3. At T1: no deployment but R1.
    After T1: v1.1.0 published 06 10:00, GitHub creates tag v1.1.0 at main's tip, s3 (created_at now
    s3's date). PR #4 (carol): k1 06 11:00, opened 12:00, merged 13:00 as s4 (main moves on). v1.2.0
    (target main, tag on s4) published 07 10:00.
    R2 v1.1.0 = s3 (its tag, not main's tip s4 at collect time): compare(c0...s3) [s2, s3]: s2 from a1
      02 06:00 → 06 10:00 = 100 h, s3 from b1 = 28 h. R3 v1.2.0 s4: [s4] from k1 → 23 h.
    Deployments 3; leads [23, 28, 100] → p50 28, p90 at 1.8: 28 + 0.8 × 72 = 85.6; CFR 0; rework 0.
    Breakdown (no reviews): coding 1, 1, 1 → 1; deploy #2 02 09:00 → 06 10:00 = 97, #3 25, #4 21 → 25.
    Bands: 3/30 medium; 28 h high; 0 % elite; null.
    """
    check_row(
        result.row(store, "reltag"),
        team="reltag",
        deployments=3,
        lead=(28.0, 85.6),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=breakdown(coding=1.0, deploy=25.0),
        row_bands=bands("medium", "high", "elite", None),
    )


def test_draft_targeting_a_branch_at_t1_is_no_deployment(result: Result) -> None:
    """acme/reltag at T1: only R1 (first): 1 deployment, no lead time, no PR deployed."""
    check(
        result.first["reltag"],
        deployments=1,
        lead_time_hours_p50=None,
        change_failure_rate=0.0,
        lead_time_breakdown_hours_p50=NO_STAGES,
    )


@pytest.mark.parametrize("store", STORES)
def test_old_draft_on_the_second_page_published_late_is_a_rollback_past_the_history(
    result: Result, store: str
) -> None:
    """acme/relold. f0 (02-20) and 105 commits o0…o104 (hourly from 02-21) on main, each released in
    February (published before since: no deployment); a draft v0.1-lts of f0, the oldest created_at,
    sits last on page 2. m0 (03-01 00:00) R1 v1.0.0 01 06:00 (first); m1 02 08:00, R2 v1.1.0 02 10:00
    [m1] 2 h; m2 04 08:00, R3 v1.2.0 04 10:00 [m2] 2 h.
    After T1: the draft is published 06 12:00 (created_at still 02-20): R4, compare(m2...f0) ``behind``
    → a rollback: R3 failed, recovered at 06 12:00: 50 h; R4 rework. m3 07 08:00, R5 v1.3.0 07 10:00,
    newest created_at: first on page 1, which shifts every page. compare(f0...m3) lists o0…o104, m0,
    m1, m2, m3: m0 and its ancestors stay R1's (docs/metrics.md: a first deployment's commit and its
    ancestors, listed again after a rollback past it, are never changes of the later one), m1 R2's,
    m2 R3's → change m3 only, 2 h.
    Deployments 5; leads [2, 2, 2] → 2, 2; CFR 1/5; recovery 50; rework 1/5.
    Bands: 5/30 high; 2 h elite; 20 % low; 50 h medium.
    (The February commits counted: 105 leads of about two weeks.)
    """
    check_row(
        result.row(store, "relold"),
        team="relold",
        deployments=5,
        lead=(2.0, 2.0),
        cfr=1 / 5,
        recovery=50.0,
        rework=1 / 5,
        stages=NO_STAGES,
        row_bands=bands("high", "elite", "low", "medium"),
    )


def test_old_draft_and_new_release_read_both_pages_again(result: Result) -> None:
    """docs/operations.md: every releases page is asked with its own ETag; one new release shifts every
    page, so the incremental REST sync at T2 pays for both pages of acme/relold (110 releases) and
    reads no other."""
    assert sorted(result.release_pages) == [("1", 200), ("2", 200)]


def test_rollback_release_at_t1(result: Result) -> None:
    """acme/reldel at T1: R1 first, R2 v1.1.0 (c1, 2 h), R3 v1.2.0 (c2, 2 h), R4 v1.1.1 of c1 published
    04 10:00: compare(c2...c1) ``behind`` → rollback: R3 failed, recovered 24 h; R4 rework.
    Deployments 4, CFR 1/4, recovery 24, rework 1/4."""
    check(
        result.first["reldel"],
        deployments=4,
        lead_time_hours_p50=2.0,
        change_failure_rate=1 / 4,
        failed_deployment_recovery_hours_p50=24.0,
        rework_rate=1 / 4,
    )


@pytest.mark.parametrize("store", STORES)
def test_rollback_release_whose_tag_is_deleted_is_no_deployment_and_fails_nothing(
    result: Result, store: str
) -> None:
    """acme/reldel. As at T1 (see above); after T1 the tag v1.1.1 is deleted: GitHub turns its release
    back into a draft, so R4 is no deployment any more (§5.1 non-draft; docs/operations.md "made a draft
    ... again is no deployment from then on"). c3 06 08:00, R5 v1.3.0 06 10:00: its previous deployment
    is R3, compare(c2...c3) [c3] 2 h. Nothing is a rollback: R3 not failed, no rework.
    Deployments 4 (R1, R2, R3, R5); leads [2, 2, 2]; CFR 0; recovery null; rework 0.
    Bands: 4/30 medium; 2 h elite; 0 % elite; null.
    """
    check_row(
        result.row(store, "reldel"),
        team="reldel",
        deployments=4,
        lead=(2.0, 2.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "elite", None),
    )


@pytest.mark.parametrize(
    "store",
    [
        "rest-incremental",
        "graphql-incremental",
        "rest-fresh",
    ],
)
def test_release_redone_on_a_new_tag_between_two_syncs_deploys_the_new_commit(
    result: Result, store: str
) -> None:
    """acme/redo. R1 v1.0.0 on c0 01 06:00 (first). c1 02 08:00; v1.1.0 (release X) on c1 published 02
    10:00 (collected at T1: [c1] 2 h). After T1, before T2: the tag v1.1.0 is deleted (X becomes a
    draft), a fix c2 (06 08:00, child of c1) is pushed, the tag v1.1.0 made again on c2 and X published
    again at 06 10:00 (same release id, created_at c2's date).
    At T2 GitHub shows X as a published release of tag v1.1.0 = c2 at 06 10:00: §5.1 deployed_at =
    published_at, its commit the tag's; §5 "re-syncing updates it in place". R2 = X: compare(c0...c2)
    [c1, c2]: c1 06 10:00 − 02 08:00 = 98 h, c2 2 h.
    Deployments 2; leads [2, 98] → p50 50, p90 2 + 0.9 × 96 = 88.4; CFR 0; rework 0.
    Bands: 2/30 medium; 50 h high; 0 % elite; null.
    (Kept on c1 at 06 10:00: lead [98] only.)
    """
    check_row(
        result.row(store, "redo"),
        team="redo",
        deployments=2,
        lead=(50.0, 88.4),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("medium", "high", "elite", None),
    )


@pytest.mark.parametrize("store", STORES)
def test_release_renamed_to_another_version_still_deploys_its_tag(result: Result, store: str) -> None:
    """acme/relname. R1 v1.0.0 c0 01 06:00 (first); R2 v1.1.0 on c1 (02 08:00) published 02 10:00: 2 h.
    After T1 R2 is renamed "v1.2.0 (final)" (tag unchanged), and v1.2.0 (named "v1.2.0") tags c2 (06
    08:00), published 06 10:00: R3, compare(c1...c2) [c2] 2 h. A release's name is no part of §5.1.
    Deployments 3; leads [2, 2]; CFR 0; rework 0. Bands: 3/30 medium; elite; elite; null.
    """
    check_row(
        result.row(store, "relname"),
        team="relname",
        deployments=3,
        lead=(2.0, 2.0),
        cfr=0.0,
        recovery=None,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "elite", None),
    )
