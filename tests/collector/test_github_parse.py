"""The real GitHub payloads in tests/fixtures parse into raw facts (see tests/fixtures/README.md)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collector.sources.github_parse import (
    parse_commit,
    parse_deployment,
    parse_deployment_status,
    parse_instant,
    parse_pull_commit,
    parse_pull_request,
    parse_review,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
csv.field_size_limit(2**31 - 1)


def example(name: str) -> Any:
    return json.loads((FIXTURES / "github-api-examples" / f"{name}.json").read_text())


def devlake(name: str) -> list[dict[str, Any]]:
    with (FIXTURES / "devlake-e2e" / f"_raw_github_api_{name}.csv").open(newline="") as handle:
        return [
            {"data": json.loads(row["data"]), "input": json.loads(row["input"] or "null")}
            for row in csv.DictReader(handle)
        ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2012-07-20T01:19:13Z", datetime(2012, 7, 20, 1, 19, 13, tzinfo=UTC)),
        ("2011-04-14T16:00:49-07:00", datetime(2011, 4, 14, 23, 0, 49, tzinfo=UTC)),
        ("2022-11-03T06:23:06.000000Z", datetime(2022, 11, 3, 6, 23, 6, tzinfo=UTC)),
        ("2022-06-13T15:35:54.530+02:00", datetime(2022, 6, 13, 13, 35, 54, 530000, tzinfo=UTC)),
        ("2022-06-13T15:35:54", datetime(2022, 6, 13, 15, 35, 54, tzinfo=UTC)),
    ],
)
def test_instants_with_offsets_and_fractions_become_utc(text: str, expected: datetime) -> None:
    parsed = parse_instant(text)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0


def test_empty_instant_is_none() -> None:
    assert parse_instant(None) is None
    assert parse_instant("") is None


def test_documented_deployment_with_its_statuses() -> None:
    item = example("deployment-items")[0]
    statuses = [parse_deployment_status(status) for status in example("deployment-status-items")]
    deployment = parse_deployment("octocat/example", item, statuses)
    assert deployment.deployment_id == 1
    assert deployment.sha == "a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d"
    assert deployment.environment == "production"
    assert deployment.created_at == datetime(2012, 7, 20, 1, 19, 13, tzinfo=UTC)
    assert deployment.deployed_at == datetime(2012, 7, 20, 1, 19, 13, tzinfo=UTC)
    assert deployment.last_state == "success"


def test_documented_comparison() -> None:
    comparison = example("commit-comparison")
    commits = [parse_commit(item) for item in comparison["commits"]]
    assert comparison["status"] == "behind"
    assert [commit.sha for commit in commits] == ["6dcb09b5b57875f334f61aebed695e2e4193db5e"]
    assert commits[0].author_date == datetime(2011, 4, 14, 16, 0, 49, tzinfo=UTC)
    assert commits[0].parents == ("6dcb09b5b57875f334f61aebed695e2e4193db5e",)
    assert commits[0].message == "Fix all the bugs"


def test_documented_pull_request_and_review() -> None:
    pull = parse_pull_request("octocat/Hello-World", example("pull-request-simple-items")[0])
    assert pull.number == 1347
    assert pull.merge_commit_sha == "e5bd3914e2e596debea16f433f57875b5b90bcd6"
    assert pull.labels == ("bug",)
    assert pull.author == "octocat"
    review = parse_review(example("pull-request-review-items")[0])
    assert (review.review_id, review.reviewer, review.state) == (80, "octocat", "APPROVED")
    assert review.submitted_at == datetime(2019, 11, 17, 17, 43, 43, tzinfo=UTC)


def test_every_real_pull_request_of_ants_parses() -> None:
    pulls = [parse_pull_request("panjf2000/ants", row["data"]) for row in devlake("pull_requests")]
    assert len(pulls) == 50
    by_number = {pull.number: pull for pull in pulls}
    assert by_number[4].created_at == datetime(2018, 7, 25, 8, 19, 30, tzinfo=UTC)
    assert by_number[4].merged_at == datetime(2018, 7, 26, 2, 32, 41, tzinfo=UTC)
    assert all(pull.updated_at >= pull.created_at for pull in pulls)


def test_every_real_pull_request_commit_and_review_parses() -> None:
    commits = [
        (row["input"]["Number"], parse_pull_commit(row["data"])) for row in devlake("pull_request_commits")
    ]
    reviews = [parse_review(row["data"]) for row in devlake("pull_request_reviews")]
    assert len(commits) == 91
    assert len(reviews) == 31
    assert all(review.submitted_at is not None for review in reviews if review.state != "PENDING")
    # Rebased PRs list commits out of author-date order: the earliest is not always first.
    by_pull: dict[int, list[datetime]] = {}
    for number, commit in commits:
        by_pull.setdefault(number, []).append(commit.author_date)
    assert any(dates[0] != min(dates) for dates in by_pull.values())
