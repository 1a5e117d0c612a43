"""Audit, round 5: an organisation that changes between two syncs.

SPEC §5: "re-syncing updates it in place", cursors move only after the data behind them is committed;
§9: "A sync interrupted at any point, resumed, yields exactly the data of an uninterrupted sync";
docs/operations.md ("Collection"): an incremental sync reads again what it must "so that it stores what
a full sync would", apart from a short list of accepted differences (statuses after the first success,
renamed repositories, incident issues older than 30 days losing their label, archived repositories).
None of the scenarios below touches those.

Each scenario builds an emulated GitHub (``before``), runs ``doraspace collect`` in this process at
``first`` into the *incremental* store and reads its metrics (so the derived tables are warm), lets time
move on and changes GitHub (``change``), collects again at ``second``; then collects the changed GitHub
once into a *fresh* store at ``second``. Both stores are read with ``doraspace metrics --format json
--as-of <second>``. The yardstick is the fresh store: every fact table (every column but the instant of
the sync, ``repositories.synced_at``), the derived first shipments and every metrics row must be equal,
in both ``github.api`` modes. Times are March 2026 UTC, ``at(day, hour)``, unless said otherwise.
"""

from __future__ import annotations

import json
import pprint
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from store import schema
from store.engine import open_store
from store.timeutil import to_db
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData, iso, label_json
from tests.github_org import at, write_github_config
from tests.github_scenarios import run_cli

TOKEN_VARIABLE = "AUDIT_ROUND5_INCREMENTAL_TOKEN"
TOKEN = "audit-round5-incremental-token"
APIS = ("rest", "graphql")
# Fact tables a GitHub sync writes (catalog and survey tables are not collected here).
TABLES = (
    schema.repositories,
    schema.deployments,
    schema.deployment_statuses,
    schema.commits,
    schema.deployment_compares,
    schema.deployment_commits,
    schema.pull_requests,
    schema.pull_request_commits,
    schema.pull_request_reviews,
    schema.pull_request_labels,
    schema.incidents,
    schema.derived_first_shipments,
)
VOLATILE = {("repositories", "synced_at")}

Built = dict[str, Any]


@dataclass
class Scenario:
    """``repositories`` are the lines of ``github.repositories`` (YAML flow items), ``team`` lists the
    repositories of the scenario's one team."""

    name: str
    repositories: list[str]
    team: list[str]
    before: Callable[[GitHubDataset], Built]
    change: Callable[[GitHubDataset, Built], None]
    first: datetime
    second: datetime
    since: str = "2026-03-01"
    organizations: list[str] = field(default_factory=list)
    # A check of the fresh store, so that a scenario whose change GitHub ignored cannot pass unseen.
    expect: Callable[[dict[str, list[tuple[Any, ...]]], Built], None] = lambda _dump, _built: None


# ------------------------------------------------------------------------------------------ helpers


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = open_store(url)
    try:
        out: dict[str, list[tuple[Any, ...]]] = {}
        with engine.connect() as conn:
            for table in TABLES:
                columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE]
                out[table.name] = sorted((tuple(row) for row in conn.execute(select(*columns))), key=repr)
        return out
    finally:
        engine.dispose()


def set_labels(repo: RepoData, number: int, labels: list[str], updated_at: datetime) -> None:
    """A label added or removed on a PR: GitHub moves the PR's ``updated_at``."""
    pull = next(p for p in repo.pulls if p["number"] == number)
    pull["labels"] = [label_json(repo.full_name, name) for name in labels]
    pull["updated_at"] = iso(updated_at)


def touch(repo: RepoData, number: int, updated_at: datetime, **fields: Any) -> None:
    pull = next(p for p in repo.pulls if p["number"] == number)
    pull.update(fields)
    pull["updated_at"] = iso(updated_at)


def merge_open_pull(repo: RepoData, number: int, sha: str, merged_at: datetime) -> None:
    """An open PR merged (in place: same id, same reviews) with ``merge_commit_sha`` ``sha``."""
    touch(
        repo,
        number,
        merged_at,
        state="closed",
        merged_at=iso(merged_at),
        closed_at=iso(merged_at),
        merge_commit_sha=sha,
    )


def open_pull(repo: RepoData, number: int, commits: list[str], created_at: datetime, **kw: Any) -> None:
    repo.pull(
        number=number,
        title=f"PR {number}",
        author=kw.pop("author", "alice"),
        created_at=created_at,
        commits=commits,
        merged_at=None,
        merge_commit_sha=None,
        **kw,
    )


def squash_pr(
    repo: RepoData,
    number: int,
    authored: datetime,
    opened: datetime,
    merged: datetime,
    *,
    onto: str | None = None,
    author: str = "alice",
    **kw: Any,
) -> str:
    base = onto or repo.branches[repo.default_branch]
    commit = repo.commit(
        f"work {number}", parents=[base], author_date=authored, author_login=author, branch=f"pr-{number}"
    )
    sha = repo.squash_merge([commit], base, f"PR {number} (#{number})", merged)
    repo.pull(
        number=number,
        title=f"PR {number}",
        author=author,
        created_at=opened,
        commits=[commit],
        merged_at=merged,
        merge_commit_sha=sha,
        **kw,
    )
    return sha


def sha_deployed_at(rows: list[tuple[Any, ...]], sha: str) -> list[Any]:
    """deployed_at of the deployments of ``sha`` (deployments columns: repo, source, id, env, sha, ref,
    created_at, deployed_at, last_state)."""
    return sorted((row[7] for row in rows if row[4] == sha), key=repr)


# ------------------------------------------------------------------------------------------ 1. labels


def relabel_before(dataset: GitHubDataset) -> Built:
    repo = dataset.add_repo("acme/relabel")
    c0 = repo.commit("initial", author_date=at(1))
    repo.deployment(c0, created_at=at(1, 6))
    s1 = squash_pr(
        repo, 1, at(2, 8), at(2, 9), at(2, 10), labels=["revert"], reviews=[("bob", "APPROVED", at(2, 9.5))]
    )
    repo.deployment(s1, created_at=at(2, 12))
    s2 = squash_pr(repo, 2, at(3, 8), at(3, 9), at(3, 10))
    repo.deployment(s2, created_at=at(3, 12))
    s3 = squash_pr(repo, 3, at(3, 13), at(3, 13.5), at(3, 14), labels=["bug"])
    repo.deployment(s3, created_at=at(3, 16))
    return {"repo": repo}


def relabel_change(dataset: GitHubDataset, built: Built) -> None:
    """#2 (merged, collected) gets ``hotfix`` on 03-05; #1 loses ``revert``; #3 gets ``Rollback`` besides
    ``bug``; then #4 is merged and deployed."""
    repo: RepoData = built["repo"]
    set_labels(repo, 2, ["hotfix"], at(5, 9))
    set_labels(repo, 1, [], at(5, 10))
    set_labels(repo, 3, ["bug", "Rollback"], at(5, 10.5))
    s4 = squash_pr(repo, 4, at(5, 11), at(5, 11.5), at(5, 12))
    repo.deployment(s4, created_at=at(5, 13))


def relabel_expect(facts: dict[str, list[tuple[Any, ...]]], _built: Built) -> None:
    labels = {(row[1], row[2]) for row in facts["pull_request_labels"]}
    assert (2, "hotfix") in labels
    assert not any(number == 1 for number, _ in labels)


# ------------------------------------------------------------------------------------------ 2. reviews


def review_before(dataset: GitHubDataset) -> Built:
    repo = dataset.add_repo("acme/review")
    c0 = repo.commit("initial", author_date=at(1))
    repo.deployment(c0, created_at=at(1, 6))
    s1 = squash_pr(repo, 1, at(2, 8), at(2, 9), at(2, 12))
    repo.deployment(s1, created_at=at(2, 14))
    b1 = repo.commit("b1", parents=[s1], author_date=at(3, 8), author_login="carol", branch="pr-2")
    open_pull(repo, 2, [b1], at(3, 9), author="carol", reviews=[("dave", "COMMENTED", at(3, 10))])
    return {"repo": repo, "s1": s1, "b1": b1}


def review_change(dataset: GitHubDataset, built: Built) -> None:
    """On 03-04: bob approves the open #2 at 10:00, it is squash-merged at 12:00 and deployed at 14:00;
    bob also comments on #1 (merged 03-02 without review) at 09:00, which moves its updated_at."""
    repo: RepoData = built["repo"]
    repo.add_review(1, "bob", "COMMENTED", at(4, 9))
    touch(repo, 1, at(4, 9))
    repo.add_review(2, "bob", "APPROVED", at(4, 10))
    touch(repo, 2, at(4, 10))
    s2 = repo.squash_merge([built["b1"]], built["s1"], "PR 2 (#2)", at(4, 12))
    merge_open_pull(repo, 2, s2, at(4, 12))
    repo.deployment(s2, created_at=at(4, 14))


def review_expect(facts: dict[str, list[tuple[Any, ...]]], _built: Built) -> None:
    reviewers = sorted((row[1], row[3]) for row in facts["pull_request_reviews"])
    assert reviewers == [(1, "bob"), (2, "bob"), (2, "dave")]


# ------------------------------------------------------ 3. merged after its commit was deployed from a branch


def branch_before(dataset: GitHubDataset) -> Built:
    repo = dataset.add_repo("acme/branchdeploy")
    c0 = repo.commit("initial", author_date=at(1))
    repo.deployment(c0, created_at=at(1, 6))
    f1 = repo.commit("f1", parents=[c0], author_date=at(2, 8), author_login="alice", branch="feature")
    open_pull(repo, 1, [f1], at(2, 9))
    repo.deployment(f1, created_at=at(2, 12), ref="feature")
    g1 = repo.commit("g1", parents=[c0], author_date=at(2, 13), author_login="bob", branch="feature2")
    open_pull(repo, 2, [g1], at(2, 14), author="bob")
    repo.deployment(g1, created_at=at(2, 16), ref="feature2")
    return {"repo": repo, "c0": c0, "f1": f1, "g1": g1}


def branch_change(dataset: GitHubDataset, built: Built) -> None:
    """03-03 09:00: main is fast-forwarded to f1 (a push of the branch; GitHub marks #1 merged with
    merge_commit_sha f1, the deployed commit) and deployed from main at 10:00; #2 is merged with a merge
    commit m (parents f1, g1) at 12:00, deployed at 14:00."""
    repo: RepoData = built["repo"]
    repo.branches["main"] = built["f1"]
    merge_open_pull(repo, 1, built["f1"], at(3, 9))
    repo.deployment(built["f1"], created_at=at(3, 10))
    m = repo.merge_commit(built["f1"], built["g1"], "Merge pull request #2 from acme/feature2", at(3, 12))
    merge_open_pull(repo, 2, m, at(3, 12))
    repo.deployment(m, created_at=at(3, 14))


def branch_expect(facts: dict[str, list[tuple[Any, ...]]], built: Built) -> None:
    merged = {row[1]: row[10] for row in facts["pull_requests"]}
    assert merged[1] == built["f1"]


# ----------------------------------------------------------------------- 4. late successes of deployments


def late_before(dataset: GitHubDataset) -> Built:
    repo = dataset.add_repo("acme/late")
    c0 = repo.commit("initial", author_date=at(1))
    repo.deployment(c0, created_at=at(1, 6))
    c1 = repo.commit("c1", author_date=at(4, 8))
    d1 = repo.deployment(c1, created_at=at(4, 10), statuses=[("pending", at(4, 10))])
    c2 = repo.commit("c2", author_date=at(4, 8.5))
    d2 = repo.deployment(c2, created_at=at(4, 11), statuses=[("queued", at(4, 11))])
    c3 = repo.commit("c3", author_date=at(4, 9))
    d3 = repo.deployment(
        c3, created_at=at(4, 11.5), statuses=[("in_progress", at(4, 11.5)), ("failure", at(4, 11.75))]
    )
    c4 = repo.commit("c4", author_date=at(4, 9.5))
    repo.deployment(c4, created_at=at(4, 12))
    return {"repo": repo, "ids": (d1, d2, d3), "shas": (c1, c2, c3)}


def late_change(dataset: GitHubDataset, built: Built) -> None:
    """Synced 03-04 13:00. D1 (pending) succeeds at 14:00 (after D4, so it is a rollback to c1); D2
    (queued) succeeds two days later, 03-06 11:00; D3 (failed) is retried in place and succeeds at
    03-06 12:00, within the three days a deployment without a success is read again."""
    repo: RepoData = built["repo"]
    d1, d2, d3 = built["ids"]
    repo.add_status(d1, "in_progress", at(4, 13.5))
    repo.add_status(d1, "success", at(4, 14))
    repo.add_status(d2, "in_progress", at(6, 10.5))
    repo.add_status(d2, "success", at(6, 11))
    repo.add_status(d3, "in_progress", at(6, 11.75))
    repo.add_status(d3, "success", at(6, 12))


def late_expect(facts: dict[str, list[tuple[Any, ...]]], built: Built) -> None:
    c1, c2, c3 = built["shas"]
    rows = facts["deployments"]
    assert sha_deployed_at(rows, c1) == [to_db(at(4, 14))]
    assert sha_deployed_at(rows, c2) == [to_db(at(6, 11))]
    assert sha_deployed_at(rows, c3) == [to_db(at(6, 12))]


# ------------------------------------------------------------------------------ 5. workflow runs finish


def runs_before(dataset: GitHubDataset) -> Built:
    repo = dataset.add_repo("acme/runs")
    c0 = repo.commit("initial", author_date=at(1))
    repo.workflow_run(c0, created_at=at(1, 6), updated_at=at(1, 6.5))
    c1 = repo.commit("c1", author_date=at(2, 8))
    r1 = repo.workflow_run(c1, status="waiting", conclusion=None, created_at=at(2, 9))
    c2 = repo.commit("c2", author_date=at(4, 8))
    r2 = repo.workflow_run(
        c2, status="in_progress", conclusion=None, created_at=at(4, 9), updated_at=at(4, 9.1)
    )
    c3 = repo.commit("c3", author_date=at(4, 9.5))
    repo.workflow_run(c3, conclusion="failure", created_at=at(4, 10), updated_at=at(4, 10.2))
    return {"repo": repo, "runs": (r1, r2), "shas": (c1, c2, c3)}


def runs_change(dataset: GitHubDataset, built: Built) -> None:
    """Synced 03-04 11:00. R2 (in progress) ends in success at 11:30; R1, waiting for an environment
    reviewer since 03-02, is approved and succeeds 03-05 10:00 (below the cursor); c4 runs 03-05 12:00,
    ends 12:30."""
    repo: RepoData = built["repo"]
    runs = {run["id"]: run for run in repo.workflow_runs}
    r1, r2 = built["runs"]
    runs[r2].update(status="completed", conclusion="success", updated_at=iso(at(4, 11.5)))
    runs[r1].update(status="completed", conclusion="success", updated_at=iso(at(5, 10)))
    c4 = repo.commit("c4", author_date=at(5, 11))
    repo.workflow_run(c4, created_at=at(5, 12), updated_at=at(5, 12.5))


def runs_expect(facts: dict[str, list[tuple[Any, ...]]], built: Built) -> None:
    c1, c2, _ = built["shas"]
    assert sha_deployed_at(facts["deployments"], c1) == [to_db(at(5, 10))]
    assert sha_deployed_at(facts["deployments"], c2) == [to_db(at(4, 11.5))]


# --------------------------------------------------------------------------------- 6. incident issues


def issues_before(dataset: GitHubDataset) -> Built:
    repo = dataset.add_repo("acme/issues")
    c0 = repo.commit("initial", author_date=at(1))
    repo.deployment(c0, created_at=at(1, 6))
    c1 = repo.commit("c1", author_date=at(2, 8))
    repo.deployment(c1, created_at=at(2, 10))
    c2 = repo.commit("c2", author_date=at(3, 8))
    repo.deployment(c2, created_at=at(3, 10))
    repo.issue(number=10, title="checkout down", created_at=at(3, 11), labels=["incident"])
    repo.issue(number=11, title="slow page", created_at=at(2, 11), closed_at=at(2, 15), labels=["bug"])
    repo.issue(
        number=12, title="old question", created_at=datetime(2026, 1, 15, tzinfo=UTC), labels=["question"]
    )
    repo.issue(number=13, title="500s", created_at=at(3, 12), closed_at=at(3, 13), labels=["incident"])
    return {"repo": repo}


def issues_change(dataset: GitHubDataset, built: Built) -> None:
    """Synced 03-04 00:00. #10 (open incident) is closed 03-04 06:00; #11 (a closed bug of 03-02) is
    labelled ``incident`` at 07:00; #12 (opened 01-15, before ``since``) is labelled ``incident`` at
    08:00 and closed at 09:00; #13 is reopened and closed again at 10:00; c3 deployed 12:00."""
    repo: RepoData = built["repo"]
    issues = {issue["number"]: issue for issue in repo.issues}
    issues[10].update(
        state="closed", closed_at=iso(at(4, 6)), updated_at=iso(at(4, 6)), state_reason="completed"
    )
    repo.relabel_issue(11, ["bug", "incident"], at(4, 7))
    repo.relabel_issue(12, ["incident"], at(4, 8))
    issues[12].update(
        state="closed", closed_at=iso(at(4, 9)), updated_at=iso(at(4, 9)), state_reason="completed"
    )
    issues[13].update(closed_at=iso(at(4, 10)), updated_at=iso(at(4, 10)))
    c3 = repo.commit("c3", author_date=at(4, 11))
    repo.deployment(c3, created_at=at(4, 12))


def issues_expect(facts: dict[str, list[tuple[Any, ...]]], _built: Built) -> None:
    incidents = {row[1].rpartition("#")[2]: row for row in facts["incidents"]}
    assert sorted(incidents) == ["10", "11", "12", "13"]


# ------------------------------------------------------------------------ 7. a new repo in the organisation


def org_before(dataset: GitHubDataset) -> Built:
    a = dataset.add_repo("neworg/alpha")
    c0 = a.commit("initial", author_date=at(1))
    a.deployment(c0, created_at=at(1, 6))
    s1 = squash_pr(a, 1, at(2, 8), at(2, 9), at(2, 10), reviews=[("bob", "APPROVED", at(2, 9.5))])
    a.deployment(s1, created_at=at(2, 12))
    return {"alpha": a}


def org_change(dataset: GitHubDataset, built: Built) -> None:
    """Synced 03-04. Between the syncs the organisation gains neworg/beta (created with a history from
    03-01: a deployment, PRs, a deployment of them and an incident issue, all older than alpha's
    cursors); alpha deploys a new PR on 03-04 12:00."""
    b = dataset.add_repo("neworg/beta")
    c0 = b.commit("initial", author_date=at(1, 1))
    b.deployment(c0, created_at=at(1, 7))
    s1 = squash_pr(b, 1, at(2, 1), at(2, 2), at(2, 5), author="carol", labels=["hotfix"])
    s2 = squash_pr(
        b, 2, at(2, 6), at(2, 6.5), at(2, 7), author="carol", reviews=[("dave", "APPROVED", at(2, 6.8))]
    )
    b.deployment(s1, created_at=at(2, 6), statuses=[("failure", at(2, 6.2))])
    b.deployment(s2, created_at=at(2, 8))
    b.issue(number=3, title="beta down", created_at=at(2, 9), closed_at=at(2, 10), labels=["incident"])
    a: RepoData = built["alpha"]
    s2a = squash_pr(a, 2, at(4, 8), at(4, 9), at(4, 10))
    a.deployment(s2a, created_at=at(4, 12))


def org_expect(facts: dict[str, list[tuple[Any, ...]]], _built: Built) -> None:
    assert {row[0] for row in facts["deployments"]} == {"neworg/alpha", "neworg/beta"}


def bigorg_before(dataset: GitHubDataset) -> Built:
    for i in range(101):
        dataset.add_repo(f"bigorg/r{i:03d}")
    first = dataset.repos["bigorg/r000"]
    c0 = first.commit("initial", author_date=at(1))
    first.deployment(c0, created_at=at(1, 6))
    return {}


def bigorg_change(dataset: GitHubDataset, _built: Built) -> None:
    """An organisation of 101 repositories (two pages by full_name; the first page unchanged, a free
    304) gains bigorg/zz-new, on the second page, with a history from 03-01 older than the cursors."""
    repo = dataset.add_repo("bigorg/zz-new")
    c0 = repo.commit("initial", author_date=at(1, 1))
    repo.deployment(c0, created_at=at(1, 7))
    s1 = squash_pr(repo, 1, at(2, 1), at(2, 2), at(2, 5), reviews=[("dave", "APPROVED", at(2, 3))])
    repo.deployment(s1, created_at=at(2, 8))
    repo.issue(number=2, title="new repo down", created_at=at(2, 9), closed_at=at(2, 10), labels=["incident"])


def bigorg_expect(facts: dict[str, list[tuple[Any, ...]]], _built: Built) -> None:
    assert {row[0] for row in facts["deployments"]} == {"bigorg/r000", "bigorg/zz-new"}


# -------------------------------------------------------------------- 8. over 100 PRs between two syncs

MANY = 130


def many_before(dataset: GitHubDataset) -> Built:
    repo = dataset.add_repo("acme/many")
    c0 = repo.commit("initial", author_date=at(1))
    s1 = squash_pr(repo, 1, at(1, 2), at(1, 3), at(1, 6))
    return {"repo": repo, "c0": c0, "s1": s1}


def many_change(dataset: GitHubDataset, built: Built) -> None:
    """Synced 03-02 00:00. Then #2…#131 are squash-merged every 30 min from 03-02 01:00 (each reviewed;
    every tenth one labelled ``hotfix``), and #1 gets the label ``revert`` at 03-04 12:00."""
    repo: RepoData = built["repo"]
    for i in range(MANY):
        number = i + 2
        merged = at(2, 1) + timedelta(minutes=30 * i)
        squash_pr(
            repo,
            number,
            merged - timedelta(hours=3),
            merged - timedelta(hours=2),
            merged,
            author="alice" if i % 2 else "erin",
            labels=["hotfix"] if i % 10 == 0 else [],
            reviews=[("bob", "APPROVED", merged - timedelta(hours=1))],
        )
    set_labels(repo, 1, ["revert"], at(4, 12))


def many_expect(facts: dict[str, list[tuple[Any, ...]]], _built: Built) -> None:
    assert len(facts["pull_requests"]) == MANY + 1
    assert len(facts["deployments"]) == MANY + 1


def many_deployed_before(dataset: GitHubDataset) -> Built:
    repo = dataset.add_repo("acme/manydeployed")
    c0 = repo.commit("initial", author_date=at(1))
    repo.deployment(c0, created_at=at(1, 1))
    s1 = squash_pr(repo, 1, at(1, 2), at(1, 3), at(1, 6))
    repo.deployment(s1, created_at=at(1, 7))
    return {"repo": repo}


def many_deployed_change(dataset: GitHubDataset, built: Built) -> None:
    """Source ``deployments``, synced 03-02 00:00: the same 130 PRs as above (the first round reads one
    page, the second the rest), every fifth one deployed an hour after its merge, and 120 deployments
    of 03-02…03-04 (more than a page of the deployments list); the deployment of #7 is pending until
    03-04 20:00."""
    repo: RepoData = built["repo"]
    pending = 0
    for i in range(MANY):
        number = i + 2
        merged = at(2, 1) + timedelta(minutes=30 * i)
        sha = squash_pr(
            repo,
            number,
            merged - timedelta(hours=3),
            merged - timedelta(hours=2),
            merged,
            labels=["hotfix"] if i % 10 == 0 else [],
            reviews=[("bob", "APPROVED", merged - timedelta(hours=1))],
        )
        if i % 5 == 0 or i > MANY - 100:
            when = merged + timedelta(minutes=20)
            if number == 7:
                pending = repo.deployment(sha, created_at=when, statuses=[("pending", when)])
            else:
                repo.deployment(sha, created_at=when)
    repo.add_status(pending, "success", at(4, 20))
    set_labels(repo, 1, ["revert"], at(4, 12))


def many_deployed_expect(facts: dict[str, list[tuple[Any, ...]]], _built: Built) -> None:
    assert len(facts["pull_requests"]) == MANY + 1
    assert len(facts["deployments"]) > 100


# --------------------------------------------------------- 9. a release of a commit over 90 days old


def oldrel_before(dataset: GitHubDataset) -> Built:
    repo = dataset.add_repo("acme/oldrel")
    old = repo.commit("lts fix", author_date=datetime(2025, 11, 20, tzinfo=UTC))
    c0 = repo.commit("main work", parents=[old], author_date=at(1))
    c1 = repo.commit("c1", author_date=at(2, 8))
    hot = repo.commit(
        "lts hotfix", parents=[old], author_date=datetime(2025, 11, 25, tzinfo=UTC), branch="lts"
    )
    repo.tags.update({"v1.0.0": c0, "v1.1.0": c1, "v0.9.1": hot})
    repo.release("v1.0.0", created_at=at(1), published_at=at(1, 6))
    repo.release("v1.1.0", created_at=at(2, 8), published_at=at(2, 9))
    # GitHub: a release's created_at is the date of its commit; drafted long ago, never published.
    draft = repo.release(
        "v0.9.1",
        created_at=datetime(2025, 11, 25, tzinfo=UTC),
        published_at=None,
        draft=True,
        target_commitish="lts",
    )
    return {"repo": repo, "draft": draft, "hot": hot}


def oldrel_change(dataset: GitHubDataset, built: Built) -> None:
    """Synced 03-03. The draft v0.9.1 of the LTS hotfix commit (created_at 2025-11-25, GitHub's commit
    date) is published on 03-03 10:00; v1.2.0 of c2 is published 03-04 09:00. ``since`` 2025-11-01."""
    repo: RepoData = built["repo"]
    next(r for r in repo.releases if r["id"] == built["draft"]).update(
        draft=False, published_at=iso(at(3, 10))
    )
    c2 = repo.commit("c2", author_date=at(4, 8))
    repo.tags["v1.2.0"] = c2
    repo.release("v1.2.0", created_at=at(4, 8), published_at=at(4, 9))


def oldrel_expect(facts: dict[str, list[tuple[Any, ...]]], built: Built) -> None:
    assert sha_deployed_at(facts["deployments"], built["hot"]) == [to_db(at(3, 10))]


# ------------------------------------------------------------------- 10. a PR closed, reopened and merged


def reopen_before(dataset: GitHubDataset) -> Built:
    repo = dataset.add_repo("acme/reopen")
    c0 = repo.commit("initial", author_date=at(1))
    repo.deployment(c0, created_at=at(1, 6))
    s2 = squash_pr(repo, 2, at(2, 1), at(2, 2), at(2, 4), reviews=[("bob", "APPROVED", at(2, 3))])
    repo.deployment(s2, created_at=at(2, 6))
    k1 = repo.commit("k1", parents=[s2], author_date=at(2, 8), author_login="erin", branch="pr-1")
    open_pull(repo, 1, [k1], at(2, 9), author="erin", reviews=[("bob", "CHANGES_REQUESTED", at(2, 9.5))])
    touch(repo, 1, at(2, 10), state="closed", closed_at=iso(at(2, 10)))
    return {"repo": repo, "s2": s2, "k1": k1}


def reopen_change(dataset: GitHubDataset, built: Built) -> None:
    """Synced 03-03. #1 (closed unmerged 03-02 10:00) is reopened 03-03 09:00, approved 10:00,
    squash-merged 12:00 and deployed 14:00; #2's title is edited at 15:00."""
    repo: RepoData = built["repo"]
    touch(repo, 1, at(3, 9), state="open", closed_at=None)
    repo.add_review(1, "dave", "APPROVED", at(3, 10))
    s1 = repo.squash_merge([built["k1"]], built["s2"], "PR 1 (#1)", at(3, 12))
    merge_open_pull(repo, 1, s1, at(3, 12))
    repo.deployment(s1, created_at=at(3, 14))
    touch(repo, 2, at(3, 15), title="PR 2, renamed")


def reopen_expect(facts: dict[str, list[tuple[Any, ...]]], _built: Built) -> None:
    titles = {row[1]: row[2] for row in facts["pull_requests"]}
    assert titles == {1: "PR 1", 2: "PR 2, renamed"}


SCENARIOS = [
    Scenario(
        "label-added-after-merge",
        ["acme/relabel"],
        ["acme/relabel"],
        relabel_before,
        relabel_change,
        at(4),
        at(6),
        expect=relabel_expect,
    ),
    Scenario(
        "review-on-open-pr-then-merge",
        ["acme/review"],
        ["acme/review"],
        review_before,
        review_change,
        at(4),
        at(5),
        expect=review_expect,
    ),
    Scenario(
        "merge-of-a-commit-deployed-from-its-branch",
        ["acme/branchdeploy"],
        ["acme/branchdeploy"],
        branch_before,
        branch_change,
        at(3),
        at(4),
        expect=branch_expect,
    ),
    Scenario(
        "late-deployment-successes",
        ["acme/late"],
        ["acme/late"],
        late_before,
        late_change,
        at(4, 13),
        at(7),
        expect=late_expect,
    ),
    Scenario(
        "workflow-runs-finishing-after-the-sync",
        ["{name: acme/runs, deployments: {source: workflow_runs, workflow: deploy.yml}}"],
        ["acme/runs"],
        runs_before,
        runs_change,
        at(4, 11),
        at(6),
        expect=runs_expect,
    ),
    Scenario(
        "incident-issues-closed-and-labelled-later",
        ["acme/issues"],
        ["acme/issues"],
        issues_before,
        issues_change,
        at(4),
        at(5),
        expect=issues_expect,
    ),
    Scenario(
        "repository-added-to-the-organisation",
        [],
        ["neworg/alpha", "neworg/beta"],
        org_before,
        org_change,
        at(4),
        at(5),
        organizations=["neworg"],
        expect=org_expect,
    ),
    Scenario(
        "repository-added-on-the-second-page-of-the-organisation",
        [],
        ["bigorg/zz-new"],
        bigorg_before,
        bigorg_change,
        at(4),
        at(5),
        organizations=["bigorg"],
        expect=bigorg_expect,
    ),
    Scenario(
        "over-100-prs-merged-between-syncs",
        ["{name: acme/many, deployments: {source: merged_prs}}"],
        ["acme/many"],
        many_before,
        many_change,
        at(2),
        at(5),
        expect=many_expect,
    ),
    Scenario(
        "over-100-prs-and-deployments-between-syncs",
        ["acme/manydeployed"],
        ["acme/manydeployed"],
        many_deployed_before,
        many_deployed_change,
        at(2),
        at(5),
        expect=many_deployed_expect,
    ),
    Scenario(
        "draft-release-of-an-old-commit-published",
        ["{name: acme/oldrel, deployments: {source: releases}}"],
        ["acme/oldrel"],
        oldrel_before,
        oldrel_change,
        at(3),
        at(5),
        since="2025-11-01",
        expect=oldrel_expect,
    ),
    Scenario(
        "pr-closed-reopened-merged-and-renamed",
        ["acme/reopen"],
        ["acme/reopen"],
        reopen_before,
        reopen_change,
        at(3),
        at(4),
        expect=reopen_expect,
    ),
]


# ------------------------------------------------------------------------------------------ the run


def write_config(directory: Path, base_url: str, scenario: Scenario, api: str) -> Path:
    lines = [f"since: {scenario.since}", f"api: {api}"]
    if scenario.repositories:
        lines.append("repositories:")
        lines.extend(f"  - {repo}" for repo in scenario.repositories)
    if scenario.organizations:
        lines.append(f"organizations: [{', '.join(scenario.organizations)}]")
    rest = (
        "catalog: {discover: false}\n"
        "incidents: {attribution_window: 24h}\n"
        "metrics: {windows: [7d, 30d, 90d]}\n"
        f"teams:\n  - {{name: team, repositories: [{', '.join(scenario.team)}]}}\n"
    )
    return write_github_config(directory, base_url, TOKEN_VARIABLE, "\n".join(lines), rest)


def metrics(config: Path, as_of: datetime, now: datetime) -> list[dict[str, Any]]:
    text = run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", iso(as_of)], now=now)
    rows: list[dict[str, Any]] = json.loads(text)
    return rows


def run_scenario(scenario: Scenario, api: str, tmp_path: Path) -> dict[str, Any]:
    dataset = GitHubDataset()
    built = scenario.before(dataset)
    stores = {name: tmp_path / name for name in ("incremental", "fresh")}
    with (
        pytest.MonkeyPatch.context() as patch,
        GitHubEmulator(dataset, token=TOKEN, rate_limit=100_000, graphql_limit=100_000) as emulator,
    ):
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        configs = {
            name: write_config(path, emulator.base_url, scenario, api) for name, path in stores.items()
        }
        run_cli(["collect", "--config", str(configs["incremental"])], now=scenario.first)
        metrics(configs["incremental"], scenario.first, scenario.first)  # the derived tables, warm
        scenario.change(dataset, built)
        run_cli(["collect", "--config", str(configs["incremental"])], now=scenario.second)
        run_cli(["collect", "--config", str(configs["fresh"])], now=scenario.second)
        rows = {name: metrics(config, scenario.second, scenario.second) for name, config in configs.items()}
    facts = {name: dump(f"duckdb:///{path}/store.duckdb") for name, path in stores.items()}
    return {"built": built, "facts": facts, "metrics": rows}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_changed_organisation_incremental_sync_equals_a_fresh_sync(
    scenario: Scenario, api: str, tmp_path: Path
) -> None:
    result = run_scenario(scenario, api, tmp_path)
    incremental, fresh = result["facts"]["incremental"], result["facts"]["fresh"]
    scenario.expect(fresh, result["built"])
    differences = {
        table: {
            "only incremental": [row for row in incremental[table] if row not in fresh[table]],
            "only fresh": [row for row in fresh[table] if row not in incremental[table]],
        }
        for table in incremental
        if incremental[table] != fresh[table]
    }
    assert not differences, pprint.pformat(differences, width=110)
    changed = [
        (pair[0]["team"], pair[0]["window"], key, pair[0][key], pair[1][key])
        for pair in zip(result["metrics"]["incremental"], result["metrics"]["fresh"], strict=True)
        for key in pair[0]
        if pair[0][key] != pair[1][key]
    ]
    assert not changed, "(team, window, field, incremental, fresh): " + pprint.pformat(changed, width=110)
