"""A repository renamed on GitHub between two collects of one store (``acme/orders`` →
``acme/order-service``), end to end: emulated GitHub → ``doraspace collect`` (REST and GraphQL) → the
store's facts and ``doraspace metrics --format json --as-of 2026-03-20T00:00:00Z`` (SPEC §5, §6).

GitHub keeps a renamed repository's id and answers its former name with a 301 to
``/repositories/{id}``; its payloads and the organisation's listing carry the new name. SPEC §5 says a
sync resumes where it stopped and stores every fact once, so the renamed store must hold what a fresh
store collected once after the rename holds: every fact under the new name, once. (Before, the second
collect listed everything again from since under the new name, beside the old name's facts: the
organisation row counted 5 deployments for 3, and the old name's issue twice.)

Times are March 2026 UTC (``at(day, hour)``); ``github.since`` 2026-03-01; one window 30d; attribution
24 h. The repository's ``catalog-info.yaml`` gives it to team ``orders`` (component ``orders``), and
``teams:`` names it as the configuration spells it.

Before collect 1: c0 (03-01 00:00) deployed D1 03-01 06:00 (first). PR #1 (bob), commit p1 (03-02
06:00), opened 06:30, reviewed by carol 07:00, squash-merged as s1 at 08:00, labelled ``hotfix``;
D2 ships s1 at 10:00: lead from p1, 4 h; rework (label). Issue #2 ``incident`` 03-02 11:00 → 13:00:
the window fails D2, recovered 3 h. Collect 1. GitHub renames the repository. c2 (03-05 08:00)
deployed D3 09:00: 1 h. Collect 2.

A fresh store: 3 deployments; leads 4, 1 → p50 2.5, p90 1 + 0.9 × 3 = 3.7; CFR 1/3; recovery 3; 1
incident, restore 2 h; rework 1/3; breakdown of PR #1: coding 0.5, pickup 0.5, review 1, deploy 2.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from doraspace.cli import main
from store.engine import open_store
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.github_org import write_github_config
from tests.github_scenarios import AS_OF, at
from tests.postgres import PostgresServer

TOKEN_VARIABLE = "REPOSITORY_RENAME_GITHUB_TOKEN"
TOKEN = "repository-rename-token"
OLD, NEW = "acme/orders", "acme/order-service"
REST = "incidents: {attribution_window: 24h}\nmetrics: {windows: [30d]}\n"
CATALOG = "kind: Component\nmetadata: {name: orders}\nspec: {owner: orders}\n"
# Every fact table; the repositories row without the time it was synced.
FACTS = (
    "SELECT full_name, default_branch, discovered_from, github_id FROM repositories",
    "SELECT * FROM deployments",
    "SELECT * FROM deployment_statuses",
    "SELECT * FROM commits",
    "SELECT * FROM deployment_compares",
    "SELECT * FROM deployment_commits",
    "SELECT * FROM pull_requests",
    "SELECT * FROM pull_request_commits",
    "SELECT * FROM pull_request_reviews",
    "SELECT * FROM pull_request_labels",
    "SELECT * FROM incidents",
    "SELECT * FROM catalog_components",
    "SELECT source, stream, scope, value FROM sync_cursors",
)


def configure(directory: Path, base_url: str, api: str, form: str, url: str | None = None) -> Path:
    """``form``: ``old`` names the repository as first collected (not yet updated), ``new`` as GitHub
    now does, ``org`` discovers it from the organisation. ``url``: the store, else a DuckDB file."""
    name = NEW if form == "new" else OLD
    listed = "organizations: [acme]" if form == "org" else f"repositories: [{name}]"
    path = write_github_config(
        directory,
        base_url,
        TOKEN_VARIABLE,
        f"since: 2026-03-01\napi: {api}\nincident_labels: [incident]\n{listed}",
        REST + f"rework: {{labels: [hotfix]}}\nteams: [{{name: orders, repositories: [{name}]}}]\n",
    )
    if url is not None:
        text = path.read_text()
        path.write_text(text.replace(f"duckdb:///{directory}/store.duckdb", url, 1))
    return path


def run(args: list[str]) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(args)
    assert status == 0, err.getvalue()
    return out.getvalue(), err.getvalue()


def collect(config: Path) -> str:
    return run(["collect", "--config", str(config)])[1]


def metrics(config: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(
        run(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF])[0]
    )
    return rows


def facts(config: Path, url: str | None = None) -> dict[str, list[tuple[Any, ...]]]:
    engine = open_store(url or f"duckdb:///{config.parent}/store.duckdb")
    try:
        with engine.connect() as conn:
            return {query: sorted(map(tuple, conn.execute(text(query))), key=repr) for query in FACTS}
    finally:
        engine.dispose()


def history(dataset: GitHubDataset) -> RepoData:
    repo = dataset.add_repo(OLD)
    repo.files["catalog-info.yaml"] = CATALOG
    c0 = repo.commit("c0", author_date=at(1))
    repo.deployment(c0, created_at=at(1, 6))
    p1 = repo.commit("Fix totals", author_date=at(2, 6), author_login="bob", branch="fix")
    s1 = repo.squash_merge([p1], c0, "Fix totals (#1)", at(2, 8))
    repo.pull(
        number=1,
        title="Fix totals",
        author="bob",
        created_at=at(2, 6.5),
        commits=[p1],
        merged_at=at(2, 8),
        merge_commit_sha=s1,
        labels=["hotfix"],
        reviews=[("carol", "APPROVED", at(2, 7))],
    )
    repo.deployment(s1, created_at=at(2, 10))
    repo.issue(title="Totals wrong", created_at=at(2, 11), closed_at=at(2, 13), labels=["incident"], number=2)
    return repo


def after_the_rename(dataset: GitHubDataset, repo: RepoData) -> None:
    dataset.rename_repo(repo, NEW)
    c2 = repo.commit("c2", author_date=at(5, 8))
    repo.deployment(c2, created_at=at(5, 9))


@pytest.mark.parametrize("form", ["new", "old", "org"])
@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_renamed_repository_holds_what_a_fresh_store_holds(tmp_path: Path, api: str, form: str) -> None:
    dataset = GitHubDataset()
    repo = history(dataset)
    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        first = configure(tmp_path / "renamed", emulator.base_url, api, "old" if form == "new" else form)
        collect(first)
        assert [row["deployments"] for row in metrics(first) if row["team"] == "orders"] == [2]

        after_the_rename(dataset, repo)
        renamed = configure(tmp_path / "renamed", emulator.base_url, api, form)
        warnings = collect(renamed)
        again = collect(renamed)  # nothing moves twice, nothing is listed again

        fresh = configure(tmp_path / "fresh", emulator.base_url, api, form)
        collect(fresh)
        expected, actual = metrics(fresh), metrics(renamed)
        expected_facts, actual_facts = facts(fresh), facts(renamed)

    assert f"repository {OLD} was renamed on GitHub to {NEW}" in warnings
    assert "renamed" not in again
    # The fresh store is what the docstring says, all of it under the new name.
    orders = next(row for row in expected if row["team"] == "orders")
    assert orders["deployments"] == 3
    assert orders["lead_time_hours_p50"] == pytest.approx(2.5)
    assert orders["lead_time_hours_p90"] == pytest.approx(3.7)
    assert orders["change_failure_rate"] == pytest.approx(1 / 3)
    assert orders["failed_deployment_recovery_hours_p50"] == pytest.approx(3.0)
    assert orders["incidents"] == 1
    assert orders["time_to_restore_hours_p50"] == pytest.approx(2.0)
    assert orders["rework_rate"] == pytest.approx(1 / 3)
    breakdown = {"coding": 0.5, "pickup": 0.5, "review": 1.0, "deploy": 2.0}
    assert orders["lead_time_breakdown_hours_p50"] == breakdown
    assert {row["team"] for row in expected} == {"*", "orders"}
    assert {row[0] for row in expected_facts[FACTS[0]]} == {NEW}
    # The renamed store: the same rows, and every fact once, under the new name.
    assert actual == expected
    for query in FACTS:
        assert actual_facts[query] == expected_facts[query], query


def test_renamed_repository_on_postgresql_holds_what_a_fresh_store_holds(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    """The same move on PostgreSQL (the configuration not yet updated; REST)."""
    dataset = GitHubDataset()
    repo = history(dataset)
    urls = {name: postgres.new_database(migrated=True) for name in ("renamed", "fresh")}
    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        renamed = configure(tmp_path / "renamed", emulator.base_url, "rest", "old", urls["renamed"])
        collect(renamed)
        after_the_rename(dataset, repo)
        assert f"repository {OLD} was renamed on GitHub to {NEW}" in collect(renamed)
        fresh = configure(tmp_path / "fresh", emulator.base_url, "rest", "old", urls["fresh"])
        collect(fresh)
        assert metrics(renamed) == metrics(fresh)
        expected, actual = facts(fresh, urls["fresh"]), facts(renamed, urls["renamed"])
    assert {row[0] for row in expected[FACTS[0]]} == {NEW}
    assert sum(row["deployments"] for row in metrics(fresh) if row["team"] == "*") == 3
    for query in FACTS:
        assert actual[query] == expected[query], query


def test_a_rename_onto_a_name_that_holds_facts_moves_nothing_and_says_so(tmp_path: Path) -> None:
    """acme/orders (D1, D2) and acme/order-service (one deployment of its own) are collected; then
    acme/order-service is deleted on GitHub and acme/orders renamed to it. The facts of the two are
    never merged by a move: acme/orders keeps its two deployments, and the collect says why."""
    dataset = GitHubDataset()
    repo = history(dataset)
    other = dataset.add_repo(NEW)
    other.deployment(other.commit("x", author_date=at(1)), created_at=at(1, 7))
    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        config = configure(tmp_path, emulator.base_url, "rest", "org")
        collect(config)
        dataset.remove_repo(NEW)
        dataset.rename_repo(repo, NEW)
        warnings = collect(config)
        stored = facts(config)
    assert f"repository {OLD} was renamed on GitHub to {NEW}, which already holds collected facts" in warnings
    deployments = [row[0] for row in stored["SELECT * FROM deployments"]]
    assert deployments.count(OLD) == 2


def test_a_store_from_before_repository_ids_learns_them_at_its_next_sync(tmp_path: Path) -> None:
    """A store written before ids were kept: its repositories rows have none, and its memos of the
    repository and of the organisation page hold facts of three fields. The next sync asks both again
    without their ETags (200, not 304) and stores the id; the one after is answered 304 again. So a
    rename after the upgrade is followed even where GitHub's answer had not changed since."""
    dataset = GitHubDataset()
    repo = history(dataset)
    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        both = write_github_config(
            tmp_path,
            emulator.base_url,
            TOKEN_VARIABLE,
            f"since: 2026-03-01\napi: rest\nrepositories: [{OLD}]\norganizations: [acme]",
            REST,
        )
        collect(both)
        engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
        with engine.begin() as conn:
            conn.execute(text("UPDATE repositories SET github_id = NULL"))
            for url, memo in list(
                conn.execute(text("SELECT url, memo FROM http_etags WHERE memo IS NOT NULL"))
            ):
                data = json.loads(memo)
                if url == f"/repos/{OLD}":
                    data = data[:3]
                elif isinstance(data, dict) and "repos" in data:
                    data["repos"] = [fact[:3] for fact in data["repos"]]
                conn.execute(
                    text("UPDATE http_etags SET memo = :memo WHERE url = :url"),
                    {"memo": json.dumps(data), "url": url},
                )
        engine.dispose()

        def answers() -> dict[str, int]:
            return {
                record.path: record.status
                for record in emulator.requests
                if record.path in (f"/repos/{OLD}", "/orgs/acme/repos")
            }

        emulator.requests.clear()
        collect(both)
        assert answers() == {f"/repos/{OLD}": 200, "/orgs/acme/repos": 200}
        assert facts(both)[FACTS[0]] == [(OLD, "main", "config", repo.id)]
        emulator.requests.clear()
        collect(both)
        assert answers() == {f"/repos/{OLD}": 304, "/orgs/acme/repos": 304}
