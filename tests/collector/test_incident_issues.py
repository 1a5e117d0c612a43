"""GitHub issues with an incident label become incidents (SPEC §5.4)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from collector.github_sync import GitHubSync, RepoTarget
from collector.sources.github import GitHubClient
from collector.sources.github_parse import parse_incident_issue
from collector.sources.retry import RetryPolicy
from store import schema
from store.engine import open_store
from store.timeutil import to_db
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.github_org import AS_OF, at

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    yield engine
    engine.dispose()


def sync(engine: Engine, dataset: GitHubDataset, labels: list[str]) -> None:
    with GitHubEmulator(dataset) as emulator:
        client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
        try:
            GitHubSync(engine, client, since=at(1), now=AS_OF).run(
                [RepoTarget("acme/web")], [], RepoTarget(""), incident_labels=labels
            )
        finally:
            client.close()


def incidents(engine: Engine) -> list[tuple[Any, ...]]:
    t = schema.incidents
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                select(t.c.incident_id, t.c.service, t.c.status, t.c.started_at, t.c.resolved_at).order_by(
                    t.c.incident_id
                )
            )
        ]


def test_labelled_issues_are_incidents_and_pull_requests_are_not(engine: Engine) -> None:
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    repo.commit("root", author_date=at(1))
    repo.issue(number=10, title="checkout down", created_at=at(2, 1), closed_at=at(2, 6), labels=["incident"])
    repo.issue(number=11, title="slow search", created_at=at(3), labels=["incident", "sev2"])
    repo.issue(number=12, title="typo", created_at=at(3), labels=["bug"])
    repo.issue(number=13, title="outage", created_at=at(4), closed_at=at(4, 2), labels=["outage"])
    repo.issue(number=14, title="fix incident", created_at=at(4), labels=["incident"])
    repo.issues[-1]["pull_request"] = {"url": f"{repo.api_url}/pulls/14"}  # the issues API lists PRs too
    sync(engine, dataset, ["incident", "outage"])
    assert incidents(engine) == [
        ("acme/web#10", "acme/web", "resolved", to_db(at(2, 1)), to_db(at(2, 6))),
        ("acme/web#11", "acme/web", "open", to_db(at(3)), None),
        ("acme/web#13", "acme/web", "resolved", to_db(at(4)), to_db(at(4, 2))),
    ]


def test_an_open_incident_issue_is_resolved_by_a_later_sync(engine: Engine) -> None:
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    repo.commit("root", author_date=at(1))
    repo.issue(number=10, title="down", created_at=at(2), labels=["incident"])
    sync(engine, dataset, ["incident"])
    issue = repo.issues[0]
    issue.update(state="closed", closed_at="2026-03-02T03:00:00Z", updated_at="2026-03-02T03:00:00Z")
    sync(engine, dataset, ["incident"])
    assert incidents(engine) == [("acme/web#10", "acme/web", "resolved", to_db(at(2)), to_db(at(2, 3)))]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.incidents)).scalar_one() == 1


def test_real_issues_of_ants_parse() -> None:
    csv.field_size_limit(2**31 - 1)
    with (FIXTURES / "devlake-e2e" / "_raw_github_api_issues.csv").open(newline="") as handle:
        items = [json.loads(row["data"]) for row in csv.DictReader(handle)]
    facts = [parse_incident_issue("panjf2000/ants", item) for item in items if "pull_request" not in item]
    assert facts
    closed = [fact for fact in facts if fact.status == "resolved"]
    assert all(fact.resolved_at is not None and fact.resolved_at >= fact.started_at for fact in closed)
    assert len(facts) == 42 - 16  # 16 of the 42 items are pull requests
    issue_5 = next(fact for fact in facts if fact.incident_id == "panjf2000/ants#5")
    assert (issue_5.started_at, issue_5.resolved_at) == (
        datetime(2018, 8, 2, 3, 9, 57, tzinfo=UTC),
        datetime(2018, 8, 3, 15, 32, 0, tzinfo=UTC),
    )
