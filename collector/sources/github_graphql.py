"""GitHub's GraphQL API for the bulk of a sync (``github.api: graphql``).

One query returns 100 pull requests with their commits, reviews and labels, or 100 deployments with
their statuses, where REST needs one request per pull request list and per deployment. Answers are
turned into the REST shapes ``github_parse`` reads, so both modes store the same facts through the
same parsers. Every query asks ``rateLimit { cost remaining resetAt }``: the client keeps the points
spent and left. Field names follow GitHub's public schema (``PullRequest.commits/reviews/labels``,
``Deployment.statuses``, ``DeploymentStatus.id``: a status has no ``databaseId``, so its REST id is
read from its global node id).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from collector.sources.github import SOURCE, GitHubClient, NotFoundError, classify
from collector.sources.retry import call_with_retries
from store.errors import FatalSourceError, SourceError, TransientSourceError

Json = dict[str, Any]
PAGE = 100
# GitHub charges a query (1 + nodes × nested connections) / 100, rounded to the nearest whole number:
# 49 pull requests with 3 nested connections (commits, reviews, labels) cost 1 point, 100 cost 3.
PULLS_PAGE = 49

_RATE = "rateLimit { limit cost remaining resetAt }"
_COMMITS = "totalCount pageInfo { hasNextPage endCursor } nodes { commit { oid authoredDate committedDate } }"

PULLS_QUERY = f"""
query DoraspacePulls($owner: String!, $name: String!, $first: Int!, $after: String) {{
  {_RATE}
  repository(owner: $owner, name: $name) {{
    pullRequests(states: [CLOSED, MERGED], orderBy: {{field: UPDATED_AT, direction: DESC}},
                 first: $first, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        number title state baseRefName baseRefOid headRefOid createdAt updatedAt mergedAt closedAt
        author {{ __typename login }}
        mergeCommit {{ oid }}
        labels(first: 100) {{ nodes {{ name }} }}
        commits(first: 100) {{ {_COMMITS} }}
        reviews(first: 100) {{
          pageInfo {{ hasNextPage endCursor }}
          nodes {{ databaseId author {{ __typename login }} state submittedAt }}
        }}
      }}
    }}
  }}
}}
"""

PULL_COMMITS_QUERY = f"""
query DoraspacePullCommits($owner: String!, $name: String!, $number: Int!, $first: Int!, $after: String) {{
  {_RATE}
  repository(owner: $owner, name: $name) {{
    pullRequest(number: $number) {{ commits(first: $first, after: $after) {{ {_COMMITS} }} }}
  }}
}}
"""

DEPLOYMENTS_QUERY = f"""
query DoraspaceDeployments($owner: String!, $name: String!, $environments: [String!], $first: Int!,
                           $after: String) {{
  {_RATE}
  repository(owner: $owner, name: $name) {{
    deployments(environments: $environments, orderBy: {{field: CREATED_AT, direction: DESC}},
                first: $first, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        databaseId environment commitOid createdAt
        ref {{ name }}
        statuses(first: 100) {{ pageInfo {{ hasNextPage }} nodes {{ id state createdAt }} }}
      }}
    }}
  }}
}}
"""

_LEGACY_ID = re.compile(r"^0\d+:[A-Za-z]+(\d+)$")


def database_id(node_id: str) -> int:
    """The REST id inside a GitHub global node id, legacy (base64 of ``016:DeploymentStatus123``) or
    next format (``PREFIX_`` + base64url of a MessagePack array whose last element is the id)."""
    if "_" in node_id:
        packed = base64.urlsafe_b64decode(node_id.split("_", 1)[1] + "=" * (-len(node_id) % 4))
        return _last_msgpack_int(packed)
    try:
        text = base64.b64decode(node_id + "=" * (-len(node_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(f"not a GitHub node id: {node_id!r}") from exc
    match = _LEGACY_ID.match(text)
    if match is None:
        raise ValueError(f"not a GitHub node id: {node_id!r}")
    return int(match.group(1))


def _last_msgpack_int(packed: bytes) -> int:
    """The last integer of a MessagePack array of non-negative integers (fixarray of uint/fixint)."""
    if not packed or packed[0] & 0xF0 != 0x90:
        raise ValueError("not a MessagePack array")
    position, last = 1, None
    sizes = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}
    for _ in range(packed[0] & 0x0F):
        marker = packed[position]
        if marker <= 0x7F:
            last, position = marker, position + 1
        elif marker in sizes:
            size = sizes[marker]
            last = int.from_bytes(packed[position + 1 : position + 1 + size], "big")
            position += 1 + size
        else:
            raise ValueError(f"unexpected MessagePack marker {marker:#x}")
    if last is None:
        raise ValueError("empty MessagePack array")
    return last


def _login(actor: Json | None) -> Json | None:
    """The REST ``user`` of a GraphQL actor: GraphQL gives a GitHub App's bot its login without the
    ``[bot]`` REST shows (``dependabot`` for ``dependabot[bot]``), so both modes store the same author."""
    if not actor or not actor.get("login"):
        return None
    login = str(actor["login"])
    bot = actor.get("__typename") == "Bot" and not login.endswith("[bot]")
    return {"login": f"{login}[bot]" if bot else login}


def _commit(node: Json) -> Json:
    commit = node["commit"]
    return {
        "sha": commit["oid"],
        "commit": {
            "author": {"date": commit.get("authoredDate")},
            "committer": {"date": commit.get("committedDate")},
        },
    }


def rest_pull(node: Json) -> Json:
    """A pull request node in the REST list shape, with ``_commits`` and ``_reviews`` (None when the
    query could not return them all) and ``_commits_after`` (the cursor to page the rest)."""
    commits, reviews = node["commits"], node["reviews"]
    return {
        "number": node["number"],
        "title": node.get("title"),
        "user": _login(node.get("author")),
        "state": "open" if node.get("state") == "OPEN" else "closed",
        "base": {"ref": node.get("baseRefName"), "sha": node.get("baseRefOid")},
        "head": {"sha": node.get("headRefOid")},
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "merged_at": node.get("mergedAt"),
        "closed_at": node.get("closedAt"),
        "merge_commit_sha": (node.get("mergeCommit") or {}).get("oid"),
        "labels": [{"name": label["name"]} for label in node["labels"]["nodes"]],
        "_commits": [_commit(c) for c in commits["nodes"]],
        "_commits_after": commits["pageInfo"]["endCursor"] if commits["pageInfo"]["hasNextPage"] else None,
        "_reviews": None
        if reviews["pageInfo"]["hasNextPage"]
        else [
            {
                "id": review["databaseId"],
                "user": _login(review.get("author")),
                "state": review.get("state"),
                "submitted_at": review.get("submittedAt"),
            }
            for review in reviews["nodes"]
        ],
    }


def rest_deployment(node: Json) -> Json:
    """A deployment node in the REST shape, with ``_statuses`` (None when there are more than 100)."""
    statuses = node["statuses"]
    return {
        "id": node["databaseId"],
        "environment": node.get("environment"),
        "sha": node["commitOid"],
        # A deployment of a sha has no Ref object; REST then gives the sha it was asked for.
        "ref": (node.get("ref") or {}).get("name") or node["commitOid"],
        "created_at": node.get("createdAt"),
        "_statuses": None
        if statuses["pageInfo"]["hasNextPage"]
        else [
            {"id": database_id(s["id"]), "state": str(s["state"]).lower(), "created_at": s.get("createdAt")}
            for s in statuses["nodes"]
        ],
    }


class GraphQLUnavailable(FatalSourceError):
    """The GraphQL endpoint itself answered 404 (a GitHub Enterprise Server, proxy or mirror without
    it), unlike a repository GraphQL cannot find (a ``NOT_FOUND`` error in a 200 answer)."""


class GitHubGraphQL:
    """The GraphQL queries of a sync, through the REST client's PyGithub requester and retries."""

    def __init__(self, client: GitHubClient) -> None:
        self._client = client
        self.queries = 0
        self.points = 0
        self.remaining: int | None = None
        self.reset_at: datetime | None = None

    def query(self, query: str, variables: Json) -> Json:
        requester = self._client.requester

        def operation() -> Json:
            client = self._client
            client.keep_reserve(
                "GraphQL", client.graphql_remaining, client.graphql_limit, client.graphql_reset
            )
            self.queries += 1
            headers, data = requester.requestJsonAndCheck(
                "POST", requester.graphql_url, input={"query": query, "variables": variables}
            )
            errors = data.get("errors") or []
            if errors:
                first = errors[0]
                if first.get("type") == "NOT_FOUND":
                    raise NotFoundError(
                        f"not found on GitHub: {first.get('message')}", source=SOURCE, status=404
                    )
                if first.get("type") == "RATE_LIMITED":
                    reset = (headers or {}).get("x-ratelimit-reset")
                    wait = max(1.0, float(reset) - self._client.clock() + 1.0) if reset else 60.0
                    raise TransientSourceError(
                        "GitHub GraphQL rate limit exhausted", source=SOURCE, status=200, retry_after=wait
                    )
                if not any(error.get(key) for error in errors for key in ("type", "locations", "extensions")):
                    # GitHub's own failure in a 200 answer, untyped: "Something went wrong while executing
                    # your query. This may be the result of a timeout…". Asked again, like a 5xx; an error
                    # of the query itself (it has locations or extensions) or a typed one stops the run.
                    raise TransientSourceError(
                        f"GitHub GraphQL error: {first.get('message')}", source=SOURCE, status=200
                    )
                raise FatalSourceError(f"GitHub GraphQL error: {first.get('message')}", source=SOURCE)
            result: Json = data["data"]
            rate = result.get("rateLimit") or {}
            self.points += int(rate.get("cost") or 0)
            if rate.get("remaining") is not None:
                self.remaining = self._client.graphql_remaining = int(rate["remaining"])
            if rate.get("limit") is not None:
                self._client.graphql_limit = int(rate["limit"])
            if rate.get("resetAt"):
                self.reset_at = datetime.fromisoformat(str(rate["resetAt"]).replace("Z", "+00:00"))
                self._client.graphql_reset = self.reset_at.timestamp()
            return result

        def sort(exc: BaseException, _attempt: int) -> BaseException:
            # Errors raised above are already sorted; HTTP failures are sorted as for REST, but a 404
            # here is the endpoint missing, not a repository gone: every repository would be skipped.
            if isinstance(exc, SourceError):
                return exc
            if getattr(exc, "status", None) == 404:
                message = f"GitHub answers 404 at its GraphQL endpoint {requester.graphql_url}"
                return GraphQLUnavailable(message, source=SOURCE, status=404)
            return classify(exc, self._client.clock)

        return call_with_retries(self._client.retry, "POST graphql", operation, sort)

    @staticmethod
    def _split(full_name: str) -> tuple[str, str]:
        owner, name = full_name.split("/", 1)
        return owner, name

    def pulls(self, full_name: str) -> Iterator[list[Json]]:
        """Closed and merged pull requests, most recently updated first, 49 per query (1 point)."""
        owner, name = self._split(full_name)
        after: str | None = None
        while True:
            variables = {"owner": owner, "name": name, "first": PULLS_PAGE, "after": after}
            connection = self.query(PULLS_QUERY, variables)["repository"]["pullRequests"]
            yield [rest_pull(node) for node in connection["nodes"]]
            if not connection["pageInfo"]["hasNextPage"]:
                return
            after = connection["pageInfo"]["endCursor"]

    def pull_commits(self, full_name: str, number: int, after: str | None) -> list[Json]:
        """The commits of a pull request after ``after``: its commits past the first 100."""
        owner, name = self._split(full_name)
        commits: list[Json] = []
        while after is not None:
            variables = {"owner": owner, "name": name, "number": number, "first": PAGE, "after": after}
            connection = self.query(PULL_COMMITS_QUERY, variables)["repository"]["pullRequest"]["commits"]
            commits += [_commit(c) for c in connection["nodes"]]
            after = connection["pageInfo"]["endCursor"] if connection["pageInfo"]["hasNextPage"] else None
        return commits

    def deployments(self, full_name: str, environment: str) -> Iterator[list[Json]]:
        """Deployments to ``environment``, newest first, with their statuses, 100 per query."""
        owner, name = self._split(full_name)
        after: str | None = None
        while True:
            variables = {
                "owner": owner,
                "name": name,
                "environments": [environment],
                "first": PAGE,
                "after": after,
            }
            connection = self.query(DEPLOYMENTS_QUERY, variables)["repository"]["deployments"]
            yield [rest_deployment(node) for node in connection["nodes"]]
            if not connection["pageInfo"]["hasNextPage"]:
                return
            after = connection["pageInfo"]["endCursor"]
