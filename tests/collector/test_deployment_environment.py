"""The configured environment and workflow meeting the deployments cursor (SPEC §5.1, docs/operations.md).

The environment is recorded for every source as configured; for ``deployments`` it also picks what the
listing brings. So a change of environment (or of workflow) starts that listing from ``since``, a change
of letter case only renames, and the sources whose environment is only a name rename what they stored.
Stores written before the environment was part of the cursor key keep their cursor when their
deployments show it was kept for the same environment.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from collector.github_sync import GitHubSync, RepoTarget
from collector.sources.github import GitHubClient
from collector.sources.retry import RetryPolicy
from store import schema
from store.engine import open_store
from store.timeutil import to_db
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.github_org import at

NOW = at(28)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    yield engine
    engine.dispose()


def sync(engine: Engine, emulator: GitHubEmulator, target: RepoTarget, now: datetime = NOW) -> None:
    client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
    try:
        GitHubSync(engine, client, since=at(1), now=now).run([target], [], RepoTarget(""))
    finally:
        client.close()


def deployments(engine: Engine) -> list[tuple[Any, ...]]:
    d = schema.deployments
    with engine.connect() as conn:
        query = select(d.c.source, d.c.environment, d.c.deployment_id, d.c.deployed_at).order_by(
            d.c.deployment_id
        )
        return [tuple(row) for row in conn.execute(query)]


def cursor_keys(engine: Engine) -> set[tuple[str, str]]:
    c = schema.sync_cursors
    with engine.connect() as conn:
        return {(row.stream, row.scope) for row in conn.execute(select(c.c.stream, c.c.scope))}


def hourly(repo: RepoData, count: int, start: datetime, environment: str = "production") -> list[int]:
    """``count`` successful deployments an hour apart from ``start``, each of a new commit."""
    ids = []
    for index in range(count):
        at_ = start + timedelta(hours=index)
        sha = repo.commit(f"{environment}-{index}", author_date=at_ - timedelta(minutes=5))
        ids.append(repo.deployment(sha, environment=environment, created_at=at_))
    return ids


def seed(engine: Engine, repo: RepoData, environment: str, scope: str) -> None:
    """What an earlier sync stored of ``repo``'s deployments (settled, compared), written
    directly so as not to pay for its requests, and its cursor under ``scope``."""
    rows = [
        {
            "repo": repo.full_name,
            "source": "deployments",
            "deployment_id": item["id"],
            "environment": environment,
            "sha": item["sha"],
            "ref": "main",
            "created_at": to_db(datetime.fromisoformat(item["created_at"])),
            "deployed_at": to_db(datetime.fromisoformat(item["created_at"])),
            "last_state": "success",
        }
        for item in repo.deployments
        if item["environment"].casefold() == environment.casefold()
    ]
    rows.sort(key=lambda row: row["created_at"])
    compares = [  # each against the one before: no compare left to ask
        {
            "repo": row["repo"],
            "source": "deployments",
            "deployment_id": row["deployment_id"],
            "base_deployment_id": base["deployment_id"] if base else None,
            "base_sha": base["sha"] if base else None,
            "head_sha": row["sha"],
            "status": "ahead" if base else "first",
            "total_commits": 1 if base else 0,
        }
        for base, row in zip([None, *rows], rows, strict=False)
    ]
    newest = max(row["created_at"] for row in rows)
    cursor = {"source": "github", "stream": "deployments", "scope": scope, "updated_at": newest}
    with engine.begin() as conn:
        conn.execute(insert(schema.deployments), rows)
        conn.execute(insert(schema.deployment_compares), compares)
        conn.execute(insert(schema.sync_cursors).values(**cursor, value=newest.isoformat() + "+00:00"))


def second_pages(emulator: GitHubEmulator) -> int:
    return sum(1 for r in emulator.requests if r.path.endswith("/deployments") and r.query.get("page") == "2")


@pytest.mark.parametrize("configured", ["production", "live"])
def test_a_cursor_stored_before_the_environment_was_in_its_key_is_kept_for_that_environment_only(
    engine: Engine, configured: str
) -> None:
    """150 production deployments an hour apart (03-02 00:00 to 03-08 05:00) and 3 live ones on 03-02
    are stored, with their cursor under the key older stores have (``acme/web`` alone).
    One more production deployment arrives on 03-20.

    * Still ``production``: the old cursor (03-08 05:00) is the production listing's, as the stored
      deployments show (all production): the listing stops within its first page (100 newest, back to
      03-04), no second page is asked, the new deployment is stored, and the cursor is kept under its
      own key, the old one gone.
    * Now ``live``: the stored deployments are another environment's, so the old cursor is not live's:
      live is listed from since, and its three deployments are stored beside
      the production ones, which a cursor taken over would have missed (03-02 < 03-07 05:00)."""
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    production = hourly(repo, 150, at(2))
    live = hourly(repo, 3, at(2), "live")
    seed(engine, repo, "production", "acme/web")  # the key stores written before this change have
    newest = hourly(repo, 1, at(20))
    with GitHubEmulator(dataset) as emulator:
        sync(engine, emulator, RepoTarget("acme/web", "deployments", configured))
        stored = deployments(engine)
        if configured == "production":
            assert second_pages(emulator) == 0
            assert [row[2] for row in stored] == [*production, *newest]
            assert ("deployments", "acme/web;environment=production") in cursor_keys(engine)
            assert ("deployments", "acme/web") not in cursor_keys(engine)
        else:  # live's three, older than the old cursor less its day of overlap, are all found
            assert {row[2] for row in stored} == {*production, *live}
            assert {row[2] for row in stored if row[1] == "live"} == set(live)
            assert ("deployments", "acme/web;environment=live") in cursor_keys(engine)


def test_an_environment_in_another_letter_case_renames_without_listing_again(engine: Engine) -> None:
    """``production`` → ``Production``: GitHub's environment matches whatever its case, so the listing is
    the same one (its cursor too: no second page), and the stored deployments take the configured
    spelling, as a fresh sync would store them. Their count and times do not change."""
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    ids = hourly(repo, 120, at(2))
    seed(engine, repo, "production", "acme/web;environment=production")
    before = deployments(engine)
    newest = hourly(repo, 1, at(20))
    with GitHubEmulator(dataset) as emulator:
        sync(engine, emulator, RepoTarget("acme/web", "deployments", "Production"))
        assert second_pages(emulator) == 0
    after = deployments(engine)
    assert [row[2] for row in after] == [*ids, *newest]
    assert {row[1] for row in after} == {"Production"}
    assert [(row[0], row[2], row[3]) for row in after[:-1]] == [(row[0], row[2], row[3]) for row in before]


def test_a_pending_deployment_of_the_old_environment_keeps_its_environment(engine: Engine) -> None:
    """A production deployment still in progress is re-asked while production is configured. Once the
    environment is ``live``, it is another environment's deployment: not re-asked, not stored under
    live, so live counts only its own."""
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/web")
    sha = repo.commit("p", author_date=at(26))
    pending = repo.deployment(sha, created_at=at(27), statuses=[("in_progress", at(27, 1))])
    (live,) = hourly(repo, 1, at(27, 2), "live")
    with GitHubEmulator(dataset) as emulator:
        sync(engine, emulator, RepoTarget("acme/web", "deployments", "production"))
        repo.add_status(pending, "success", at(27, 3))
        emulator.requests.clear()
        sync(engine, emulator, RepoTarget("acme/web", "deployments", "live"))
        assert not [r for r in emulator.requests if r.path.endswith(f"/deployments/{pending}/statuses")]
    assert deployments(engine) == [
        ("deployments", "production", pending, None),
        ("deployments", "live", live, to_db(at(27, 2))),
    ]


def test_sources_whose_environment_is_only_a_name_rename_what_they_stored(engine: Engine) -> None:
    """workflow_runs, releases and merged_prs record the environment without listing by it: after
    ``production`` → ``prod`` their stored deployments are recorded under ``prod``, even where nothing
    new is listed (an unchanged runs page answers 304), as a fresh sync would record them."""
    dataset = GitHubDataset()
    runs = dataset.add_repo("acme/runs")
    first = runs.workflow_run(runs.commit("r", author_date=at(2)), created_at=at(3), updated_at=at(3, 1))
    dataset.add_repo("acme/merges")
    with engine.begin() as conn:  # as the pull requests' sync records a merge
        row = {"repo": "acme/merges", "source": "merged_prs", "deployment_id": 7, "environment": "production"}
        times = {"created_at": to_db(at(4)), "deployed_at": to_db(at(4)), "last_state": "success"}
        conn.execute(insert(schema.deployments).values(**row, **times, sha="m" * 40, ref="main"))
    with GitHubEmulator(dataset) as emulator:
        sync(engine, emulator, RepoTarget("acme/runs", "workflow_runs", "production", "deploy.yml"))
        sync(engine, emulator, RepoTarget("acme/runs", "workflow_runs", "prod", "deploy.yml"))
        sync(engine, emulator, RepoTarget("acme/merges", "merged_prs", "prod"))
    assert first < 7 and deployments(engine) == [
        ("workflow_runs", "prod", first, to_db(at(3, 1))),
        ("merged_prs", "prod", 7, to_db(at(4))),
    ]


def test_another_workflow_is_listed_from_since(engine: Engine) -> None:
    """``deploy.yml`` → ``ship.yml``: the runs of ship.yml older than deploy.yml's cursor (beyond the
    newest 100 that the first page holds) are listed from since, as a fresh sync would."""
    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/runs")
    shipped = [
        repo.workflow_run(
            repo.commit(f"s{i}", author_date=at(2)), workflow="ship.yml", created_at=at(2, i / 10)
        )
        for i in range(110)
    ]
    deploy = repo.workflow_run(repo.commit("d", author_date=at(5)), created_at=at(6), updated_at=at(6, 1))
    with GitHubEmulator(dataset) as emulator:
        sync(engine, emulator, RepoTarget("acme/runs", "workflow_runs", "production", "deploy.yml"))
        sync(engine, emulator, RepoTarget("acme/runs", "workflow_runs", "production", "ship.yml"))
    assert {row[2] for row in deployments(engine)} == {deploy, *shipped}
    assert {key for key in cursor_keys(engine) if key[0] == "workflow_runs"} == {
        ("workflow_runs", "acme/runs;workflow=deploy.yml"),
        ("workflow_runs", "acme/runs;workflow=ship.yml"),
    }
