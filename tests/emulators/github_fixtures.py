"""Load real GitHub API payloads (``tests/fixtures``) into a :class:`GitHubDataset`.

The items are stored as they were recorded, so the emulator serves real JSON (only its API URLs are
rewritten to the emulator's base). See ``tests/fixtures/README.md`` for where they come from.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from tests.emulators.github import GitHubDataset, RepoData

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"
DEVLAKE_REPO = "panjf2000/ants"


def _devlake_rows(path: Path, connection_id: int) -> list[dict[str, Any]]:
    """Rows of one devlake raw table for one connection, in the order devlake stored them (``id``)."""
    # PR bodies and titles make some cells larger than csv's default field limit.
    csv.field_size_limit(2**31 - 1)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [
            row
            for row in csv.DictReader(handle)
            if json.loads(row["params"]).get("ConnectionId") == connection_id
        ]
    return sorted(rows, key=lambda row: int(row["id"]))


def load_devlake_repo(
    dataset: GitHubDataset, fixtures_dir: Path = FIXTURES_DIR, *, connection_id: int = 1
) -> RepoData:
    """Add ``panjf2000/ants`` (default branch ``master``) with devlake's recorded PRs, PR commits,
    reviews, workflow runs and issues.

    Each devlake table holds two connections whose rows overlap (``README.md``); one connection is
    loaded so that no item appears twice. PR commits and reviews keep devlake's row order, which is the
    order the API returned them; PR commits are also added to ``commits`` (their parents mostly are
    not, so compare over them is not meaningful). ``fixtures_dir`` is the folder holding
    ``devlake-e2e/``.
    """
    tables = fixtures_dir / "devlake-e2e"
    repo = dataset.add_repo(DEVLAKE_REPO, default_branch="master")
    repo.pulls = [
        json.loads(row["data"])
        for row in _devlake_rows(tables / "_raw_github_api_pull_requests.csv", connection_id)
    ]

    pull_commits: dict[int, list[str | dict[str, Any]]] = defaultdict(list)
    for row in _devlake_rows(tables / "_raw_github_api_pull_request_commits.csv", connection_id):
        commit = json.loads(row["data"])
        pull_commits[json.loads(row["input"])["Number"]].append(commit)
        repo.commits.setdefault(commit["sha"], commit)
    repo.pull_commits = dict(pull_commits)

    reviews: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in _devlake_rows(tables / "_raw_github_api_pull_request_reviews.csv", connection_id):
        reviews[json.loads(row["input"])["Number"]].append(json.loads(row["data"]))
    repo.reviews = dict(reviews)

    repo.workflow_runs = [
        json.loads(row["data"]) for row in _devlake_rows(tables / "_raw_github_api_runs.csv", connection_id)
    ]
    repo.issues = [
        json.loads(row["data"]) for row in _devlake_rows(tables / "_raw_github_api_issues.csv", connection_id)
    ]
    return repo


def _example(fixtures_dir: Path, name: str) -> Any:
    return json.loads((fixtures_dir / "github-api-examples" / f"{name}.json").read_text(encoding="utf-8"))


def load_api_examples(dataset: GitHubDataset, fixtures_dir: Path = FIXTURES_DIR) -> dict[str, RepoData]:
    """Add GitHub's documented example responses, unchanged, to the repos their URLs name; return
    those repos by full name.

    - ``octocat/example``: deployment 1 with the example status (whose own URLs say deployment 42).
    - ``octocat/Hello-World``: the example commit; pull 1347 with that commit and the example review;
      the example issue and release; the example comparison, served for ``compare/master...topic``.
    - ``octo-org/octo-repo``: the example workflow run (workflow 159038, ``build.yml``).
    """
    deployments = dataset.add_repo("octocat/example", default_branch="master")
    deployments.deployments = _example(fixtures_dir, "deployment-items")
    for deployment in deployments.deployments:
        deployments.statuses[deployment["id"]] = _example(fixtures_dir, "deployment-status-items")

    hello = dataset.add_repo("octocat/Hello-World", default_branch="master")
    commits = _example(fixtures_dir, "commit-items")
    for commit in commits:
        hello.commits[commit["sha"]] = commit
    hello.pulls = _example(fixtures_dir, "pull-request-simple-items")
    for pull in hello.pulls:
        hello.pull_commits[pull["number"]] = list(commits)
        hello.reviews[pull["number"]] = _example(fixtures_dir, "pull-request-review-items")
    comparison = _example(fixtures_dir, "commit-comparison")
    hello.comparisons["master...topic"] = comparison
    for commit in comparison["commits"]:
        hello.commits.setdefault(commit["sha"], commit)
    hello.issues = _example(fixtures_dir, "issue-items")
    hello.releases = _example(fixtures_dir, "release-items")

    runs = dataset.add_repo("octo-org/octo-repo")
    runs.workflow_runs = _example(fixtures_dir, "workflow-run-paginated")["workflow_runs"]
    return {repo.full_name: repo for repo in (deployments, hello, runs)}
