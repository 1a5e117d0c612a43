"""Audit round 6: ``github.api: rest`` and ``github.api: graphql`` give the same raw facts (SPEC §5) from
the real payloads in tests/fixtures, where two parser rules meet.

Each test takes a real REST item (tests/fixtures, see its README for the licence), changes only the
fields the scenario is about, and builds the GraphQL node GitHub answers for the same object (field
names of GitHub's public schema, as ``collector.sources.github_graphql`` asks them). Both go through
the product's parsers: REST items straight into ``github_parse``; GraphQL nodes through
``rest_pull`` / ``rest_deployment`` first, as ``github_sync`` does. The expected values come from SPEC
§5 and docs/metrics.md ("first review": the earliest submitted review, any state but PENDING, by
someone other than the author, at or before the merge).
"""

from __future__ import annotations

import base64
import copy
import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collector.models import PullRequestFact
from collector.sources.github_graphql import rest_deployment, rest_pull
from collector.sources.github_parse import (
    merged_pull_deployment,
    parse_deployment,
    parse_deployment_status,
    parse_incident_issue,
    parse_pull_commit,
    parse_pull_request,
    parse_review,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REPO = "panjf2000/ants"
csv.field_size_limit(2**31 - 1)

Json = dict[str, Any]


def example(name: str) -> Any:
    return json.loads((FIXTURES / "github-api-examples" / f"{name}.json").read_text())


def devlake_first(name: str) -> Json:
    with (FIXTURES / "devlake-e2e" / f"_raw_github_api_{name}.csv").open(newline="") as handle:
        return json.loads(next(iter(csv.DictReader(handle)))["data"])


def status_node_id(rest_id: int) -> str:
    return base64.b64encode(f"018:DeploymentStatus{rest_id}".encode()).decode()


def graphql_pull(item: Json, author: Json | None, reviews: list[Json], commits: list[Json]) -> Json:
    """The ``pullRequests`` node GitHub answers for the REST item ``item`` (author as GraphQL gives it)."""
    return {
        "number": item["number"],
        "title": item["title"],
        "state": "MERGED" if item.get("merged_at") else "CLOSED",
        "baseRefName": item["base"]["ref"],
        "createdAt": item["created_at"],
        "updatedAt": item["updated_at"],
        "mergedAt": item.get("merged_at"),
        "closedAt": item.get("closed_at"),
        "author": author,
        "mergeCommit": {"oid": item["merge_commit_sha"]} if item.get("merge_commit_sha") else None,
        "labels": {"nodes": [{"name": label["name"]} for label in item["labels"]]},
        "commits": {
            "totalCount": len(commits),
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "nodes": commits,
        },
        "reviews": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": reviews},
    }


def both(rest_item: Json, rest_reviews: list[Json], node: Json) -> tuple[PullRequestFact, PullRequestFact]:
    """(REST fact, GraphQL fact) of one PR, through the product's parsers."""
    rest = parse_pull_request(REPO, rest_item, [], [parse_review(r) for r in rest_reviews])
    shaped = rest_pull(node)
    graphql = parse_pull_request(
        REPO,
        shaped,
        [parse_pull_commit(c) for c in shaped["_commits"]],
        [parse_review(r) for r in shaped["_reviews"]],
    )
    return rest, graphql


def real_pull(**changes: Any) -> Json:
    """ants PR #4 (merged 2018-07-26T02:32:41Z, created 2018-07-25T08:19:30Z), with ``changes``."""
    item = copy.deepcopy(devlake_first("pull_requests"))
    assert item["number"] == 4 and item["merged_at"] == "2018-07-26T02:32:41Z"
    item.update(changes)
    return item


def real_review(review_id: int, login: str | None, state: str, submitted_at: str | None) -> Json:
    item = copy.deepcopy(example("pull-request-review-items")[0])
    item.update(id=review_id, state=state)
    item["user"] = None if login is None else {**item["user"], "login": login}
    if submitted_at is None:
        item.pop("submitted_at")  # a PENDING review has no submitted_at in REST
    else:
        item["submitted_at"] = submitted_at
    return item


def graphql_review(
    review_id: int, login: str | None, state: str, submitted_at: str | None, typename: str = "User"
) -> Json:
    # The query asks each actor's __typename: a Bot's login comes without "[bot]".
    return {
        "databaseId": review_id,
        "author": None if login is None else {"__typename": typename, "login": login},
        "state": state,
        "submittedAt": submitted_at,
    }


def first_review(pull: PullRequestFact) -> datetime | None:
    """docs/metrics.md: earliest submitted review, not PENDING, by someone other than the author
    (``reviewer IS DISTINCT FROM author``, as analytics compares them), at or before the merge."""
    instants = [
        r.submitted_at
        for r in pull.reviews
        if r.state.upper() != "PENDING"
        and r.submitted_at is not None
        and pull.merged_at is not None
        and r.submitted_at <= pull.merged_at
        and r.reviewer != pull.author
    ]
    return min(instants, default=None)


# ------------------------------------------------------------------------------------------------ tests


def test_deleted_author_and_deleted_reviewer_give_no_first_review_in_either_mode() -> None:
    """A PR by a since-deleted account, reviewed (COMMENTED, 2018-07-25 10:00) by a deleted account and
    APPROVED by bob (2018-07-25 12:00). REST shows a deleted account as the ``ghost`` user; GraphQL gives
    ``author: null``; both store null (docs/metrics.md). The deleted reviewer is not distinguishable from
    the deleted author, so the first review is bob's: 12:00 in both. Pickup = 12:00 − 08:19:30 =
    3 h 40 min 30 s in both."""
    ghost = {"login": "ghost", "id": 10137, "type": "User"}
    item = real_pull(user=ghost)
    rest_reviews = [
        real_review(501, "ghost", "COMMENTED", "2018-07-25T10:00:00Z"),
        real_review(502, "bob", "APPROVED", "2018-07-25T12:00:00Z"),
    ]
    node = graphql_pull(
        item,
        None,
        [
            graphql_review(501, None, "COMMENTED", "2018-07-25T10:00:00Z"),
            graphql_review(502, "bob", "APPROVED", "2018-07-25T12:00:00Z"),
        ],
        [],
    )
    rest, graphql = both(item, rest_reviews, node)
    assert (rest.author, [r.reviewer for r in rest.reviews]) == (None, [None, "bob"])
    assert (graphql.author, [r.reviewer for r in graphql.reviews]) == (None, [None, "bob"])
    expected = datetime(2018, 7, 25, 12, tzinfo=UTC)
    assert first_review(rest) == first_review(graphql) == expected
    assert (expected - rest.created_at).total_seconds() == 3 * 3600 + 40 * 60 + 30


def test_bot_author_is_the_same_login_in_both_modes() -> None:
    """A PR opened by Dependabot. REST: ``user.login = "dependabot[bot]"``; GraphQL (``author`` is an
    Actor, here a Bot): ``login = "dependabot"`` (GitHub's GraphQL drops the ``[bot]`` suffix; gh shows
    it as ``app/dependabot``). SPEC §5 stores one PR fact whatever the API, so both modes must store the
    same author. It matters for the first review: in GraphQL mode a PR with more than 100 reviews has
    them read through REST (``dependabot[bot]``), which is then distinct from the GraphQL author
    ``dependabot``: the bot's own COMMENTED review at 09:00 would become the first review (pickup
    09:00 − 08:19:30 = 40.5 min) where REST mode has none by others before bob's at 12:00 (3 h 40.5 min)."""
    bot = {"login": "dependabot[bot]", "id": 49699333, "type": "Bot"}
    item = real_pull(user=bot)
    rest_reviews = [
        real_review(601, "dependabot[bot]", "COMMENTED", "2018-07-25T09:00:00Z"),
        real_review(602, "bob", "APPROVED", "2018-07-25T12:00:00Z"),
    ]
    node = graphql_pull(
        item,
        {"__typename": "Bot", "login": "dependabot"},
        [
            graphql_review(601, "dependabot", "COMMENTED", "2018-07-25T09:00:00Z", typename="Bot"),
            graphql_review(602, "bob", "APPROVED", "2018-07-25T12:00:00Z"),
        ],
        [],
    )
    rest, graphql = both(item, rest_reviews, node)
    assert first_review(rest) == datetime(2018, 7, 25, 12, tzinfo=UTC)
    # The >100-review path of GraphQL mode: PR from GraphQL, reviews from REST.
    mixed = parse_pull_request(REPO, rest_pull(node), [], [parse_review(r) for r in rest_reviews])
    assert first_review(mixed) == datetime(2018, 7, 25, 12, tzinfo=UTC)
    assert graphql.author == rest.author == "dependabot[bot]"


def test_dismissed_review_before_approved_is_the_first_review_and_pending_is_not() -> None:
    """Reviews of ants PR #4 (opened 07-25 08:19:30, merged 07-26 02:32:41) by others: a PENDING one
    (no submitted_at in REST, ``submittedAt: null`` in GraphQL), carol's DISMISSED at 07-25 09:30:15,
    bob's APPROVED at 07-25 11:00. docs/metrics.md: any state but PENDING counts, dismissed included, so
    the first review is 09:30:15 in both modes: pickup = 1 h 10 min 45 s = 4245 s, review = 02:32:41 −
    09:30:15 (next day) = 17 h 2 min 26 s = 61346 s."""
    item = real_pull()
    author = item["user"]["login"]
    rest_reviews = [
        real_review(701, "erin", "PENDING", None),
        real_review(702, "carol", "DISMISSED", "2018-07-25T09:30:15Z"),
        real_review(703, "bob", "APPROVED", "2018-07-25T11:00:00Z"),
    ]
    node = graphql_pull(
        item,
        {"login": author},
        [
            graphql_review(701, "erin", "PENDING", None),
            graphql_review(702, "carol", "DISMISSED", "2018-07-25T09:30:15Z"),
            graphql_review(703, "bob", "APPROVED", "2018-07-25T11:00:00Z"),
        ],
        [],
    )
    rest, graphql = both(item, rest_reviews, node)
    assert rest == graphql
    assert [(r.review_id, r.state, r.submitted_at) for r in rest.reviews] == [
        (701, "PENDING", None),
        (702, "DISMISSED", datetime(2018, 7, 25, 9, 30, 15, tzinfo=UTC)),
        (703, "APPROVED", datetime(2018, 7, 25, 11, tzinfo=UTC)),
    ]
    first = first_review(rest)
    assert first == datetime(2018, 7, 25, 9, 30, 15, tzinfo=UTC)
    assert (first - rest.created_at).total_seconds() == 4245
    assert rest.merged_at is not None and (rest.merged_at - first).total_seconds() == 61346


@pytest.mark.parametrize(
    ("authored", "committed", "expected"),
    [
        # 14:15:00 at +05:45 (Nepal) = 08:30:00 UTC
        ("2026-03-02T14:15:00+05:45", "2026-03-02T14:20:00+05:45", datetime(2026, 3, 2, 8, 30, tzinfo=UTC)),
        # -00:00 (RFC 3339: UTC, local offset unknown) = UTC
        ("2026-03-02T08:30:00-00:00", None, datetime(2026, 3, 2, 8, 30, tzinfo=UTC)),
        # a fraction, and an offset west of UTC crossing midnight: 23:59:59.250 −09:30 = 09:29:59.25 next day
        (
            "2026-03-01T23:59:59.250-09:30",
            "2026-03-02T10:00:00Z",
            datetime(2026, 3, 2, 9, 29, 59, 250000, tzinfo=UTC),
        ),
    ],
)
def test_commit_author_dates_with_odd_offsets_agree(
    authored: str, committed: str | None, expected: datetime
) -> None:
    """The real ants PR commit with its author (and committer) date rewritten: REST
    ``commit.author.date`` and GraphQL ``authoredDate`` carry the same text; both become the same UTC
    instant (arithmetic in the parameter comments). A missing committer date (GraphQL may give null)
    does not change the author date, which is what lead time and coding use (SPEC §5)."""
    rest = copy.deepcopy(devlake_first("pull_request_commits"))
    rest["commit"]["author"]["date"] = authored
    rest["commit"]["committer"]["date"] = committed
    node = {"commit": {"oid": rest["sha"], "authoredDate": authored, "committedDate": committed}}
    item = real_pull()
    shaped = rest_pull(graphql_pull(item, {"login": "x"}, [], [node]))
    from_rest = parse_pull_commit(rest)
    from_graphql = parse_pull_commit(shaped["_commits"][0])
    assert from_rest == from_graphql
    assert from_rest.author_date == expected
    assert (
        from_rest.author_date.utcoffset() is not None
        and from_rest.author_date.utcoffset().total_seconds() == 0
    )


def test_labels_with_emoji_trailing_spaces_and_case_are_the_same_names_in_both_modes() -> None:
    """Labels ``🔥 hotfix``, ``HotFix``, ``incident `` (trailing space), ``bug``, listed twice by
    neither API: both parsers keep every name exactly as written, sorted, and the same tuple (matching
    ``HotFix`` to ``hotfix`` is the analytics' job, docs/metrics.md, and happens on equal input)."""
    names = ["🔥 hotfix", "HotFix", "incident ", "bug"]
    item = real_pull(labels=[{"id": i, "name": n, "color": "ededed"} for i, n in enumerate(names)])
    node = graphql_pull(item, {"login": item["user"]["login"]}, [], [])
    rest, graphql = both(item, [], node)
    assert rest.labels == graphql.labels == tuple(sorted(names))
    assert rest.labels == ("HotFix", "bug", "incident ", "🔥 hotfix")


def test_not_planned_incident_issue_is_resolved_at_closed_at() -> None:
    """The real issue example (closed_at rewritten) closed as ``not_planned`` with the ``incident``
    label: SPEC §5 started_at = created_at, resolved_at = closed_at, whatever the close reason (both
    modes read issues through REST: one parser). created 2011-04-22T13:33:48Z, closed
    2011-04-22T15:03:48Z → resolved, time to restore 1.5 h."""
    item = copy.deepcopy(example("issue-items")[0])
    item.pop("pull_request", None)
    item.update(
        state="closed",
        state_reason="not_planned",
        closed_at="2011-04-22T15:03:48Z",
        labels=[{"name": "incident"}],
    )
    incident = parse_incident_issue("octocat/Hello-World", item)
    assert incident.status == "resolved"
    assert incident.started_at == datetime(2011, 4, 22, 13, 33, 48, tzinfo=UTC)
    assert incident.resolved_at == datetime(2011, 4, 22, 15, 3, 48, tzinfo=UTC)
    assert (incident.resolved_at - incident.started_at).total_seconds() / 3600 == 1.5


def test_deployment_without_environment_and_with_odd_status_offsets() -> None:
    """The real deployment example without ``environment`` (only ``original_environment: staging``),
    with two statuses: in_progress at 01:19:13Z and success at ``2012-07-20T07:34:13.500+05:45``
    (= 01:49:13.5 UTC). GraphQL: ``environment: null``, states upper-case, status ids in node ids.
    Listed for the configured ``production``, both store environment ``production`` (the configured
    spelling) and deployed_at = first success = 01:49:13.5 UTC, last state success."""
    item = copy.deepcopy(example("deployment-items")[0])
    del item["environment"]
    assert item["original_environment"] == "staging"
    status = example("deployment-status-items")[0]
    rest_statuses = [
        {**status, "id": 11, "state": "in_progress", "created_at": "2012-07-20T01:19:13Z"},
        {**status, "id": 12, "state": "success", "created_at": "2012-07-20T07:34:13.500+05:45"},
    ]
    node = {
        "databaseId": item["id"],
        "environment": None,
        "commitOid": item["sha"],
        "createdAt": item["created_at"],
        "ref": {"name": item["ref"]},
        "statuses": {
            "pageInfo": {"hasNextPage": False},
            "nodes": [
                {"id": status_node_id(s["id"]), "state": s["state"].upper(), "createdAt": s["created_at"]}
                for s in rest_statuses
            ],
        },
    }
    rest = parse_deployment(
        "octocat/example", item, [parse_deployment_status(s) for s in rest_statuses], "production"
    )
    shaped = rest_deployment(node)
    graphql = parse_deployment(
        "octocat/example", shaped, [parse_deployment_status(s) for s in shaped["_statuses"]], "production"
    )
    assert rest == graphql
    assert rest.environment == "production"
    assert rest.deployed_at == datetime(2012, 7, 20, 1, 49, 13, 500000, tzinfo=UTC)
    assert rest.last_state == "success"


def test_merged_true_with_null_merged_at_is_no_merged_pull_in_either_mode() -> None:
    """``merged: true`` with ``merged_at: null`` (GraphQL: ``mergedAt: null``): SPEC §5 dates a merged PR
    by merged_at, and there is none. Both parsers give merged_at None, and neither makes it a
    ``merged_prs`` deployment; everything else is equal."""
    item = real_pull(merged=True, merged_at=None)
    node = graphql_pull(item, {"login": item["user"]["login"]}, [], [])
    rest, graphql = both(item, [], node)
    assert rest.merged_at is None and graphql.merged_at is None
    assert rest.merge_commit_sha == graphql.merge_commit_sha == item["merge_commit_sha"]
    assert merged_pull_deployment(rest, "production") is None
    assert merged_pull_deployment(graphql, "production") is None
    assert (rest.created_at, rest.closed_at, rest.labels) == (
        graphql.created_at,
        graphql.closed_at,
        graphql.labels,
    )
