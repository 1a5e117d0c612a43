"""The demo organisation (``doraspace.demo_org``): deterministic from its seed, and shaped as promised
when measured the way a user sees it, through the real analytics over a store it was loaded into."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from analytics.dora import TeamWindowMetrics
from analytics.failures import RULES
from analytics.metrics import MetricsResult
from analytics.ownership import UNOWNED, collected_repositories, load_components, resolve_ownership
from collector.models import CompareFact
from doraspace.config import Config, parse_config, repository_source
from doraspace.demo import DemoOrganisation, build_demo_organisation, load_demo_organisation
from doraspace.pipeline import compute_all
from doraspace.settings import ownership_settings
from store import schema
from store.engine import open_store

END = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
HOURS_PER_WEEK = 7 * 24.0


@dataclass
class LoadedDemo:
    organisation: DemoOrganisation
    config: Config
    engine: Engine
    result: MetricsResult
    load_seconds: float


@pytest.fixture(scope="module")
def organisation() -> DemoOrganisation:
    return build_demo_organisation(7, end=END)


@pytest.fixture(scope="module")
def demo(organisation: DemoOrganisation, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedDemo]:
    """The organisation in a DuckDB file, as `doraspace demo` keeps it, with every metric as of END."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    config = parse_config(organisation.config_yaml(f"duckdb:///{path}"), environ={}, now=END)
    engine = open_store(config.database_url)
    started = time.perf_counter()
    load_demo_organisation(organisation, engine)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = compute_all(config, engine, as_of=END)
    print(
        f"\ndemo organisation: load {load_seconds:.1f} s, compute_all {time.perf_counter() - started:.1f} s"
    )
    yield LoadedDemo(organisation, config, engine, result, load_seconds)
    engine.dispose()


def row(demo: LoadedDemo, team: str, window: str = "90d") -> TeamWindowMetrics:
    return next(r for r in demo.result.rows if r.team == team and r.window == window)


def team_with_shape(organisation: DemoOrganisation, shape: str) -> str:
    (team,) = organisation.teams_with_shape(shape)
    return team.name


# -- determinism --------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_organisation(organisation: DemoOrganisation) -> None:
    again = build_demo_organisation(7, end=END)
    assert again == organisation
    assert again.config_yaml("duckdb:///x.duckdb") == organisation.config_yaml("duckdb:///x.duckdb")


def test_another_seed_gives_another_history_of_the_same_organisation(organisation: DemoOrganisation) -> None:
    other = build_demo_organisation(8, end=END)
    assert [t.name for t in other.teams] == [t.name for t in organisation.teams]
    assert [r.full_name for r in other.repositories] == [r.full_name for r in organisation.repositories]
    assert other.deployments != organisation.deployments
    assert other.pull_requests != organisation.pull_requests
    assert other.incidents != organisation.incidents


def test_end_must_be_an_aware_instant() -> None:
    with pytest.raises(ValueError, match="aware"):
        build_demo_organisation(7, end=datetime(2026, 6, 30))


def test_nothing_happens_after_end(organisation: DemoOrganisation) -> None:
    instants = [d.created_at for d in organisation.deployments]
    instants += [d.deployed_at for d in organisation.deployments if d.deployed_at is not None]
    instants += [s.created_at for d in organisation.deployments for s in d.statuses]
    instants += [p.updated_at for p in organisation.pull_requests]
    instants += [c.committed_date for f in organisation.compares for c in f.commits if c.committed_date]
    instants += [i.started_at for i in organisation.incidents]
    instants += [i.resolved_at for i in organisation.incidents if i.resolved_at is not None]
    assert max(instants) <= END


# -- size ---------------------------------------------------------------------------------------------


def test_six_teams_fifteen_repositories_and_half_a_year_of_deployments(demo: LoadedDemo) -> None:
    teams = {r.team for r in demo.result.rows} - {"*", UNOWNED}
    assert len(teams) >= 6
    assert len(collected_repositories(demo.engine)) >= 15
    deployed = sorted(d.deployed_at for d in demo.result.failures.deployments)
    assert deployed[-1] - deployed[0] >= timedelta(days=180)
    assert END - deployed[-1] < timedelta(days=2)
    # Every team deploys in every month of the history.
    for team in teams:
        months = {d.deployed_at.strftime("%Y-%m") for d in demo.result.failures.deployments if d.team == team}
        assert len(months) >= 6, team


# -- the shapes, measured through the analytics --------------------------------------------------------


def test_the_elite_team_deploys_many_times_a_day_with_lead_times_under_a_day(demo: LoadedDemo) -> None:
    elite = row(demo, team_with_shape(demo.organisation, "elite"))
    assert elite.deployment_frequency_per_day >= 1.0
    assert elite.lead_time_hours_p50 is not None and elite.lead_time_hours_p50 < 24.0
    assert elite.bands["deployment_frequency"] == "elite"
    assert elite.bands["lead_time"] == "elite"


def test_the_struggling_team_fails_often_and_takes_more_than_a_week(demo: LoadedDemo) -> None:
    struggling = row(demo, team_with_shape(demo.organisation, "struggling"))
    assert struggling.change_failure_rate is not None and struggling.change_failure_rate > 0.15
    assert struggling.lead_time_hours_p50 is not None and struggling.lead_time_hours_p50 > HOURS_PER_WEEK
    assert struggling.bands["change_failure_rate"] == "low"


def test_failures_are_found_by_every_rule(demo: LoadedDemo) -> None:
    found = Counter(rule for failed in demo.result.failed_deployments() for rule in failed.rules)
    assert set(found) == set(RULES), found
    assert all(count >= 3 for count in found.values()), found


def test_recoveries_and_restores_are_measured(demo: LoadedDemo) -> None:
    org = row(demo, "*")
    assert org.failed_deployment_recovery_hours_p50 is not None
    assert org.time_to_restore_hours_p50 is not None
    assert org.rework_rate is not None and org.rework_rate > 0
    assert all(
        org.lead_time_breakdown_hours_p50[stage] is not None for stage in org.lead_time_breakdown_hours_p50
    )


def test_weekends_are_quieter_than_weekdays(demo: LoadedDemo) -> None:
    organisation = demo.organisation
    days = [organisation.start.date() + timedelta(days=n) for n in range((END - organisation.start).days)]
    weekend_days = sum(1 for day in days if day.weekday() >= 5)
    weekdays = len(days) - weekend_days
    deployed = Counter(d.deployed_at.weekday() >= 5 for d in demo.result.failures.deployments)
    per_weekend_day, per_weekday = deployed[True] / weekend_days, deployed[False] / weekdays
    assert per_weekend_day < per_weekday / 4, (per_weekend_day, per_weekday)


def test_incidents_come_from_pagerduty_and_github(demo: LoadedDemo) -> None:
    sources = Counter(incident.source for incident in demo.result.failures.incidents)
    assert sources["pagerduty"] >= 10 and sources["github"] >= 10, sources
    # Some are still open when the history ends.
    assert any(incident.resolved_at is None for incident in demo.result.failures.incidents)


def test_a_team_squash_merges(demo: LoadedDemo) -> None:
    """Its PRs land as one single-parent commit each, and their own commits never reach main."""
    team = demo.organisation.team(team_with_shape(demo.organisation, "squash-merge"))
    assert team.merge_style == "squash"
    commits, pulls, pull_commits = schema.commits, schema.pull_requests, schema.pull_request_commits
    with demo.engine.connect() as conn:
        parents = Counter(
            conn.execute(
                select(commits.c.parent_count)
                .select_from(
                    pulls.join(
                        commits,
                        (commits.c.repo == pulls.c.repo) & (commits.c.sha == pulls.c.merge_commit_sha),
                    )
                )
                .where(pulls.c.repo.in_(team.repositories))
            ).scalars()
        )
        branch_commits_on_main = conn.execute(
            select(func.count())
            .select_from(
                pull_commits.join(
                    commits, (commits.c.repo == pull_commits.c.repo) & (commits.c.sha == pull_commits.c.sha)
                )
            )
            .where(pull_commits.c.repo.in_(team.repositories))
        ).scalar_one()
    assert parents[1] >= 20 and set(parents) == {1}, parents
    assert branch_commits_on_main == 0
    squashing = row(demo, team.name)
    assert squashing.lead_time_hours_p50 is not None
    # A merge-commit team for contrast: its PRs land as two-parent merge commits.
    elite = demo.organisation.team(team_with_shape(demo.organisation, "elite"))
    with demo.engine.connect() as conn:
        merge_parents = set(
            conn.execute(
                select(commits.c.parent_count)
                .select_from(
                    pulls.join(
                        commits,
                        (commits.c.repo == pulls.c.repo) & (commits.c.sha == pulls.c.merge_commit_sha),
                    )
                )
                .where(pulls.c.repo.in_(elite.repositories))
            ).scalars()
        )
    assert merge_parents == {2}


def test_a_team_deploys_with_workflow_runs(demo: LoadedDemo) -> None:
    team = demo.organisation.team(team_with_shape(demo.organisation, "workflow-runs"))
    assert {repository_source(demo.config, repo).source for repo in team.repositories} == {"workflow_runs"}
    assert all(repository_source(demo.config, repo).workflow for repo in team.repositories)
    assert row(demo, team.name).deployments > 0
    deployments = schema.deployments
    with demo.engine.connect() as conn:
        outcomes = Counter(
            row.deployed_at is not None
            for row in conn.execute(
                select(deployments.c.deployed_at).where(
                    deployments.c.repo.in_(team.repositories), deployments.c.source == "workflow_runs"
                )
            )
        )
    # Failed runs are stored too, and do not count as deployments.
    assert outcomes[True] > 0 and outcomes[False] > 0


def test_a_team_deploys_on_merge_and_one_is_known_only_from_the_catalog(demo: LoadedDemo) -> None:
    on_merge = demo.organisation.team(team_with_shape(demo.organisation, "deploy-on-merge"))
    assert {repository_source(demo.config, repo).source for repo in on_merge.repositories} == {"merged_prs"}
    assert row(demo, on_merge.name).deployments > 0
    catalog_only = demo.organisation.team(team_with_shape(demo.organisation, "catalog-only"))
    assert catalog_only.config_repositories == ()
    ownership = resolve_ownership(
        ownership_settings(demo.config), collected_repositories(demo.engine), load_components(demo.engine)
    )
    for repo in catalog_only.repositories:
        assert ownership.team_of_repo(repo) == catalog_only.name
        assert ownership.repo_origin[repo] == "catalog"
    assert row(demo, catalog_only.name).deployments > 0
    # Every team owns what the organisation says, config or catalog, and one repository is nobody's.
    for team in demo.organisation.teams:
        assert {repo for repo, owner in ownership.repo_team.items() if owner == team.name} == set(
            team.repositories
        )
    assert UNOWNED in set(ownership.repo_team.values())
    assert ownership.warnings == []


# -- the facts look like GitHub's ----------------------------------------------------------------------


def test_compares_list_exactly_the_commits_between_consecutive_deployments(
    organisation: DemoOrganisation,
) -> None:
    by_repo: dict[str, list[CompareFact]] = {}
    for compare in organisation.compares:
        by_repo.setdefault(compare.repo, []).append(compare)
    statuses: Counter[str] = Counter()
    for repo, compares in by_repo.items():
        parents = {commit.sha: commit.parents for compare in compares for commit in compare.commits}

        def ancestors(sha: str | None, parents: dict[str, tuple[str, ...]] = parents) -> set[str]:
            # Within what the compares shipped; older history ends the walk.
            seen: set[str] = set()
            stack = [sha] if sha else []
            while stack:
                current = stack.pop()
                if current in parents and current not in seen:
                    seen.add(current)
                    stack.extend(parents[current])
            return seen

        first = compares[0]
        assert (first.status, first.base_deployment_id, first.commits) == ("first", None, ()), repo
        for previous, compare in pairwise(compares):
            statuses[compare.status] += 1
            assert (compare.base_deployment_id, compare.base_sha) == (
                previous.deployment_id,
                previous.head_sha,
            )
            shipped = [commit.sha for commit in compare.commits]
            assert compare.total_commits == len(shipped) == len(set(shipped))
            if compare.status == "ahead":
                assert set(shipped) == ancestors(compare.head_sha) - ancestors(compare.base_sha), repo
                # Oldest first: a commit's parents come before it (or shipped earlier).
                position = {sha: index for index, sha in enumerate(shipped)}
                for commit in compare.commits:
                    assert all(position.get(parent, -1) < position[commit.sha] for parent in commit.parents)
            else:
                assert compare.status == "behind" and shipped == [], (repo, compare.status)
                assert compare.head_sha in ancestors(compare.base_sha) or compare.head_sha == first.head_sha
    assert statuses["ahead"] > 500 and statuses["behind"] >= 5, statuses


def test_reverts_hotfixes_and_root_causes_look_like_the_real_thing(organisation: DemoOrganisation) -> None:
    commits = {c.sha: c for compare in organisation.compares for c in compare.commits}
    reverts = [c for c in commits.values() if "This reverts commit" in c.message]
    assert len(reverts) >= 5
    for commit in reverts:
        match = re.fullmatch(
            r'Revert "(.+)"(?: \(#\d+\))?\n\nThis reverts commit ([0-9a-f]{40})\.', commit.message
        )
        assert match is not None, commit.message
        reverted = commits[match.group(2)]
        assert match.group(1).startswith(reverted.message.split("\n")[0].split(" (#")[0])
        assert commit.committed_date is not None and reverted.author_date < commit.committed_date
    hotfixes = [p for p in organisation.pull_requests if "hotfix" in p.labels]
    assert len(hotfixes) >= 5
    assert all(p.merged_at is not None and p.merged_at - p.created_at < timedelta(hours=2) for p in hotfixes)
    named = [i for i in organisation.incidents if re.search(r"root cause: [0-9a-f]{7}\b", i.title)]
    assert len(named) >= 3
    assert all(i.title.split("root cause: ")[1][:7] in {sha[:7] for sha in commits} for i in named)


def test_pull_requests_are_numbered_like_github(organisation: DemoOrganisation) -> None:
    """PRs and issues share one sequence per repository, in creation order."""
    for repository in organisation.repositories:
        items = [
            (p.created_at, p.number) for p in organisation.pull_requests if p.repo == repository.full_name
        ]
        items += [
            (i.started_at, int(i.incident_id.rsplit("#", 1)[1]))
            for i in organisation.incidents
            if i.source == "github" and i.service == repository.full_name
        ]
        numbers = [number for _, number in sorted(items)]
        assert numbers == sorted(set(numbers)), repository.full_name


def test_nobody_real_appears(organisation: DemoOrganisation) -> None:
    people = {p.author for p in organisation.pull_requests}
    people |= {r.reviewer for p in organisation.pull_requests for r in p.reviews}
    assert all(re.fullmatch(r"dev-\d+|deps-bot", str(person)) for person in people), people
    assert len(people) >= 30


# -- loading ------------------------------------------------------------------------------------------


# The tables the collector's writers fill; survey answers arrive through the survey importer instead.
COLLECTED_TABLES = [table for table in schema.FACT_TABLES if not table.name.startswith("survey_")]


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in COLLECTED_TABLES
        }


def test_the_load_is_quick(demo: LoadedDemo) -> None:
    print(f"\nload of {len(demo.organisation.compares)} compares: {demo.load_seconds:.1f} s")
    assert demo.load_seconds < 60


def test_loading_twice_adds_no_rows(tmp_path: Path) -> None:
    """A shorter history exercises every writer; the second load must leave every table as it was."""
    organisation = build_demo_organisation(11, end=END, days=45)
    config = parse_config(organisation.config_yaml(f"duckdb:///{tmp_path}/twice.duckdb"), environ={}, now=END)
    engine = open_store(config.database_url)
    try:
        load_demo_organisation(organisation, engine)
        first = row_counts(engine)
        metrics = compute_all(config, engine, as_of=END).rows
        load_demo_organisation(organisation, engine)
        assert row_counts(engine) == first
        assert compute_all(config, engine, as_of=END).rows == metrics
    finally:
        engine.dispose()
    empty = [name for name, count in first.items() if count == 0]
    assert empty == [], f"the short history does not exercise {empty}"
    assert first["deployment_compares"] == sum(1 for d in organisation.compares)


def test_the_history_starts_days_before_end_and_the_config_collects_from_there() -> None:
    organisation = build_demo_organisation(3, end=END, days=30)
    assert organisation.start == END - timedelta(days=30)
    config = parse_config(organisation.config_yaml("duckdb:///:memory:"), environ={}, now=END)
    assert config.github is not None and config.pagerduty is not None
    assert config.github.since == config.pagerduty.since == datetime(2026, 5, 31, tzinfo=UTC)
