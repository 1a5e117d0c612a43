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


def sync(
    engine: Engine, dataset: GitHubDataset, labels: list[str], repos: tuple[str, ...] = ("acme/web",)
) -> tuple[int, int]:
    """One sync; the emulator's billed requests and free 304s."""
    with GitHubEmulator(dataset) as emulator:
        client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
        try:
            GitHubSync(engine, client, since=at(1), now=AS_OF).run(
                [RepoTarget(name) for name in repos], [], RepoTarget(""), incident_labels=labels
            )
        finally:
            client.close()
        return emulator.billed_requests, emulator.not_modified


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


def fresh(tmp_path: Path, dataset: GitHubDataset, labels: list[str], repos: tuple[str, ...]) -> list[Any]:
    """What a first sync of ``dataset`` as it is now stores."""
    engine = open_store(f"duckdb:///{tmp_path}/fresh.duckdb")
    try:
        sync(engine, dataset, labels, repos)
        return incidents(engine)
    finally:
        engine.dispose()


def test_issue_that_loses_its_incident_label_is_no_incident_after_the_next_sync(
    engine: Engine, tmp_path: Path
) -> None:
    """#10 loses its only incident label; #11 keeps one of two (``Outage`` in another letter case, as
    GitHub matches labels); #12 is not touched. The label lists no longer show #10, so the next sync
    asks it again and removes it: the store equals a fresh sync's."""
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    repo.commit("root", author_date=at(1))
    repo.issue(number=10, title="checkout down", created_at=at(2, 1), closed_at=at(2, 6), labels=["incident"])
    repo.issue(number=11, title="slow search", created_at=at(3), labels=["incident", "Outage"])
    repo.issue(number=12, title="login errors", created_at=at(4), closed_at=at(4, 2), labels=["incident"])
    labels = ["incident", "outage"]
    sync(engine, dataset, labels)
    assert [row[0] for row in incidents(engine)] == ["acme/web#10", "acme/web#11", "acme/web#12"]
    repo.relabel_issue(10, ["bug"], updated_at=at(5))
    repo.relabel_issue(11, ["Outage"], updated_at=at(5, 1))
    sync(engine, dataset, labels)
    assert incidents(engine) == [
        ("acme/web#11", "acme/web", "open", to_db(at(3)), None),
        ("acme/web#12", "acme/web", "resolved", to_db(at(4)), to_db(at(4, 2))),
    ]
    assert incidents(engine) == fresh(tmp_path, dataset, labels, ("acme/web",))


def test_deleted_and_transferred_incident_issues_leave_their_repository(
    engine: Engine, tmp_path: Path
) -> None:
    """#10 is deleted (GitHub answers 410) and #11 transferred to acme/api, also collected, where it is
    #1: after the next sync acme/web keeps #12 only and acme/api holds the transferred incident, as a
    fresh sync stores them."""
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    api = dataset.add_repo("acme/api")
    for each in (repo, api):
        each.commit("root", author_date=at(1))
    repo.issue(number=10, title="checkout down", created_at=at(2, 1), closed_at=at(2, 6), labels=["incident"])
    repo.issue(number=11, title="api 500s", created_at=at(3), closed_at=at(3, 4), labels=["incident"])
    repo.issue(number=12, title="login errors", created_at=at(4), labels=["incident"])
    repos = ("acme/web", "acme/api")
    sync(engine, dataset, ["incident"], repos)
    repo.delete_issue(10)
    assert repo.transfer_issue(11, api, updated_at=at(5)) == 1
    sync(engine, dataset, ["incident"], repos)
    assert incidents(engine) == [
        ("acme/api#1", "acme/api", "resolved", to_db(at(3)), to_db(at(3, 4))),
        ("acme/web#12", "acme/web", "open", to_db(at(4)), None),
    ]
    assert incidents(engine) == fresh(tmp_path, dataset, ["incident"], repos)


def test_unchanged_incident_issues_are_shown_by_their_unchanged_list_and_not_asked_again(
    engine: Engine,
) -> None:
    """Four syncs against one emulator (its URLs, and so its ETags, stay the same). The first lists the
    three incident issues and asks none again (it just read them). The second finds the list unchanged
    (a free 304), whose memo shows the three as stored: none is asked. Before the third, the page's
    validator is stored without its memo, as versions before the memo stored it: the page is asked
    unconditionally (billed 1), shows the three, and none is asked; the fourth is a 304 again."""
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    repo.commit("root", author_date=at(1))
    for number in (10, 11, 12):
        repo.issue(number=number, title="down", created_at=at(number - 8), labels=["incident"])
    asked: list[list[tuple[str, int]]] = []
    with GitHubEmulator(dataset) as emulator:
        client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
        try:
            for step in range(4):
                if step == 2:
                    with engine.begin() as conn:
                        page = schema.http_etags.c.url.like("/repos/acme/web/issues?%")
                        assert (
                            conn.execute(schema.http_etags.update().where(page).values(memo=None)).rowcount
                            == 1
                        )
                before = len(emulator.requests)
                GitHubSync(engine, client, since=at(1), now=AS_OF).run(
                    [RepoTarget("acme/web")], [], RepoTarget(""), incident_labels=["incident"]
                )
                asked.append(
                    [
                        (r.path, r.status)
                        for r in emulator.requests[before:]
                        if r.path.startswith("/repos/acme/web/issues")
                    ]
                )
        finally:
            client.close()
    pages = [[("/repos/acme/web/issues", status)] for status in (200, 304, 200, 304)]
    assert asked == pages
    assert [row[0] for row in incidents(engine)] == ["acme/web#10", "acme/web#11", "acme/web#12"]


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
