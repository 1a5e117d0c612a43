"""The GitHub emulator's GraphQL endpoint: a small resolver over the same :class:`GitHubDataset`.

Not a GraphQL server: it knows the few operations doraspace sends, by operation name, and answers
them from the dataset in the shapes GitHub's schema gives (``PullRequest.commits/reviews/labels``,
``Deployment.statuses``, ``Organization.repositories``, ``rateLimit``). Each answer costs what GitHub
would charge: the connections the query may return (the outer ``first`` plus, per node, one per
nested connection), divided by 100 and rounded, at least 1 (GitHub's documented calculation). An
unknown operation is answered with a GraphQL error, so a collector query the resolver does not
know fails loudly instead of quietly returning nothing.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

from tests.emulators.github import (
    PULL_COMMITS_MAX,
    GitHubDataset,
    RepoData,
    _sorted_by,
)

Json = dict[str, Any]
# The nested connections of doraspace's queries ask their first 100 (written in the query text).
NESTED = 100
_OPERATION = re.compile(r"\b(?:query)\s+(\w+)")


def operation_name(query: str) -> str:
    match = _OPERATION.search(query)
    return match.group(1) if match else ""


def legacy_node_id(kind: str, database_id: int) -> str:
    """GitHub's legacy global id: base64 of ``<len(kind)>:<kind><id>`` (e.g. ``016:DeploymentStatus1``)."""
    return base64.b64encode(f"0{len(kind)}:{kind}{database_id}".encode()).decode()


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:{index}".encode()).decode()


def _offset(after: str | None) -> int:
    if not after:
        return 0
    return int(base64.b64decode(after).decode().split(":", 1)[1]) + 1


def _connection(items: list[Any], first: int, after: str | None, render: Callable[[Any], Json]) -> Json:
    start = _offset(after)
    chunk = items[start : start + first]
    end = start + len(chunk) - 1
    return {
        "totalCount": len(items),
        "pageInfo": {"hasNextPage": start + first < len(items), "endCursor": _cursor(end) if chunk else None},
        "nodes": [render(item) for item in chunk],
    }


def query_cost(outer: int, nested: int) -> int:
    """GitHub's GraphQL cost: 1 request for the outer connection plus ``outer`` × ``nested`` requests
    for the nested ones, over 100, rounded to the nearest whole number, at least 1."""
    return max(1, round((1 + outer * nested) / 100))


class GraphQLResolver:
    """Answers one GraphQL request body; ``cost`` is what the last answer cost."""

    def __init__(self, dataset: GitHubDataset) -> None:
        self.dataset = dataset

    def resolve(self, body: Json) -> tuple[Json, int]:
        query = str(body.get("query") or "")
        variables = dict(body.get("variables") or {})
        name = operation_name(query)
        handler = {
            "DoraspacePulls": self._pulls,
            "DoraspacePullCommits": self._pull_commits,
            "DoraspaceDeployments": self._deployments,
            "DoraspaceOrgRepositories": self._org_repositories,
        }.get(name)
        if handler is None:
            # As GitHub answers a query it cannot run: an error placed in the query (untyped ones
            # without a place are GitHub's own failures, which the collector asks again).
            error = {"message": f"unknown operation {name!r}", "locations": [{"line": 1, "column": 1}]}
            return {"errors": [error]}, 1
        return handler(variables)

    def _repo(self, variables: Json) -> RepoData | None:
        return self.dataset.find_repo(f"{variables['owner']}/{variables['name']}")

    @staticmethod
    def _not_found(variables: Json) -> tuple[Json, int]:
        message = (
            f"Could not resolve to a Repository with the name '{variables['owner']}/{variables['name']}'."
        )
        return {"data": {"repository": None}, "errors": [{"type": "NOT_FOUND", "message": message}]}, 1

    # -- pull requests -------------------------------------------------------------------------------

    def _pull_commit_nodes(self, repo: RepoData, number: int) -> list[Json]:
        items = repo.pull_commits.get(number, [])[:PULL_COMMITS_MAX]
        commits = [repo.commits[item] if isinstance(item, str) else item for item in items]
        return [
            {
                "commit": {
                    "oid": commit["sha"],
                    "authoredDate": (commit.get("commit", {}).get("author") or {}).get("date"),
                    "committedDate": (commit.get("commit", {}).get("committer") or {}).get("date"),
                }
            }
            for commit in commits
        ]

    def _pull(self, repo: RepoData, pull: Json, first: int = NESTED) -> Json:
        number = int(pull["number"])
        state = "MERGED" if pull.get("merged_at") else str(pull.get("state", "open")).upper()
        reviews = repo.reviews.get(number, [])
        return {
            "number": number,
            "title": pull.get("title"),
            "author": _actor(pull.get("user")),
            "state": state,
            "baseRefName": (pull.get("base") or {}).get("ref"),
            "baseRefOid": (pull.get("base") or {}).get("sha"),
            "headRefOid": (pull.get("head") or {}).get("sha"),
            "createdAt": pull.get("created_at"),
            "updatedAt": pull.get("updated_at"),
            "mergedAt": pull.get("merged_at"),
            "closedAt": pull.get("closed_at"),
            "mergeCommit": {"oid": pull["merge_commit_sha"]} if pull.get("merged_at") else None,
            "labels": _connection(
                [label["name"] for label in pull.get("labels", [])], first, None, lambda n: {"name": n}
            ),
            "commits": _connection(self._pull_commit_nodes(repo, number), first, None, lambda n: n),
            "reviews": _connection(
                reviews,
                first,
                None,
                lambda r: {
                    "databaseId": r["id"],
                    "author": _actor(r.get("user")),
                    "state": r.get("state"),
                    "submittedAt": r.get("submitted_at"),
                },
            ),
        }

    def _pulls(self, variables: Json) -> tuple[Json, int]:
        repo = self._repo(variables)
        if repo is None:
            return self._not_found(variables)
        first = int(variables.get("first", 100))
        closed = [p for p in repo.pulls if p.get("state") == "closed"]
        ordered = _sorted_by(closed, "updated_at", descending=True, tiebreak="number")
        page = _connection(ordered, first, variables.get("after"), lambda p: self._pull(repo, p))
        # Three nested connections per pull request: commits, reviews, labels.
        return {"data": {"repository": {"pullRequests": page}}}, query_cost(first, 3)

    def _pull_commits(self, variables: Json) -> tuple[Json, int]:
        repo = self._repo(variables)
        if repo is None:
            return self._not_found(variables)
        number = int(variables["number"])
        if not any(int(p["number"]) == number for p in repo.pulls):
            return {"data": {"repository": {"pullRequest": None}}}, 1
        commits = _connection(
            self._pull_commit_nodes(repo, number),
            int(variables.get("first", 100)),
            variables.get("after"),
            lambda n: n,
        )
        return {"data": {"repository": {"pullRequest": {"commits": commits}}}}, 1

    # -- deployments ---------------------------------------------------------------------------------

    def _deployment(self, repo: RepoData, deployment: Json, first: int = NESTED) -> Json:
        deployment_id = int(deployment["id"])
        statuses = _sorted_by(repo.statuses.get(deployment_id, []), "created_at", descending=True)
        ref = deployment.get("ref")
        return {
            "databaseId": deployment_id,
            "environment": deployment.get("environment"),
            "commitOid": deployment["sha"],
            # GraphQL's ref is a Ref object: null when the deployment named a sha rather than a ref.
            "ref": {"name": ref} if ref in repo.branches or ref in repo.tags else None,
            "createdAt": deployment.get("created_at"),
            "statuses": _connection(
                statuses,
                first,
                None,
                lambda s: {
                    "id": legacy_node_id("DeploymentStatus", int(s["id"])),
                    "state": str(s["state"]).upper(),
                    "createdAt": s.get("created_at"),
                },
            ),
        }

    def _deployments(self, variables: Json) -> tuple[Json, int]:
        repo = self._repo(variables)
        if repo is None:
            return self._not_found(variables)
        first = int(variables.get("first", 100))
        environments = variables.get("environments")
        items = [d for d in repo.deployments if not environments or d.get("environment") in environments]
        ordered = _sorted_by(items, "created_at", descending=True)
        page = _connection(ordered, first, variables.get("after"), lambda d: self._deployment(repo, d))
        return {"data": {"repository": {"deployments": page}}}, query_cost(first, 1)

    # -- organisations -------------------------------------------------------------------------------

    def _org_repositories(self, variables: Json) -> tuple[Json, int]:
        login = self.dataset.find_org(str(variables["login"]))
        if login is None:
            message = f"Could not resolve to an Organization with the login of '{variables['login']}'."
            return {"data": {"organization": None}, "errors": [{"type": "NOT_FOUND", "message": message}]}, 1
        found = {r.full_name: r for r in map(self.dataset.find_repo, self.dataset.orgs[login]) if r}
        repos = sorted(found.values(), key=lambda r: r.full_name.lower())
        page = _connection(
            repos,
            int(variables.get("first", 100)),
            variables.get("after"),
            lambda r: {
                "nameWithOwner": r.full_name,
                "isArchived": r.archived,
                "defaultBranchRef": {"name": r.default_branch},
            },
        )
        return {"data": {"organization": {"repositories": page}}}, 1


def _actor(user: Json | None) -> Json | None:
    """A REST user as GraphQL's actor: a bot (type Bot, login ending in ``[bot]``) is a ``Bot`` whose
    login has no ``[bot]``, as GitHub answers."""
    if not user:
        return None
    login = str(user.get("login") or "")
    if user.get("type") == "Bot" or login.endswith("[bot]"):
        return {"__typename": "Bot", "login": login.removesuffix("[bot]")}
    return {"__typename": "User", "login": login}
