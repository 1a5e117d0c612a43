"""What a GitHub collection costs in rate limit, REST against GraphQL, on a generated organisation.

An emulated organisation (``tests/github_scale.py``: ``--repos`` repositories, ``--weeks`` of history,
a deployment about every ``--deploy-every`` days shipping about ``--pulls-per-deploy`` squash-merged
PRs) is collected by the real collector through the loopback emulator, once per mode into its own
store:

* full backfill: billed REST requests, GraphQL points, rate-limit points in all, wall time, against
  the minimum REST pages the data needs (lists, one statuses list per deployment, one compare per
  deployment pair, one commits and one reviews list per merged PR);
* re-sync with no change (every answer should be a 304: 0 points);
* re-sync after 1 % of the repositories changed (a merged PR and its deployment each).

The two stores are then compared table by table.

    .venv/bin/python -m bench.bench_collect [--repos 500] [--weeks 52] [--deploy-every 28]
                                            [--pulls-per-deploy 4]

Targets (issue 10): REST backfill <= 1.1 x the minimum pages; GraphQL backfill >= 10 x fewer
rate-limit points than REST, equal stores; a re-sync with no change costs 0 points.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from collector.github_sync import GitHubSync, RepoTarget
from collector.sources.github import GitHubClient
from collector.sources.github_graphql import GitHubGraphQL
from collector.sources.retry import RetryPolicy
from store.engine import open_store
from tests.collector.test_github_sync import dump
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.github_scale import INCIDENT_LABEL, ORG, ScaleOrg, build_scale_org, minimum_rest_pages

UNLIMITED = 10**9


@dataclass
class Run:
    billed: int
    not_modified: int
    graphql_queries: int
    graphql_points: int
    seconds: float

    @property
    def points(self) -> int:
        return self.billed + self.graphql_points


def sync(emulator: GitHubEmulator, engine: Engine, org: ScaleOrg, api: str) -> Run:
    before = (
        emulator.billed_requests,
        emulator.not_modified,
        emulator.graphql_queries,
        emulator.graphql_points,
    )
    client = GitHubClient(emulator.base_url, "test-token", retry=RetryPolicy(sleep=lambda _: None))
    graphql = GitHubGraphQL(client) if api == "graphql" else None
    started = time.perf_counter()
    try:
        GitHubSync(engine, client, since=org.since, now=org.now, graphql=graphql).run(
            [], [ORG], RepoTarget(""), incident_labels=[INCIDENT_LABEL]
        )
    finally:
        client.close()
    return Run(
        emulator.billed_requests - before[0],
        emulator.not_modified - before[1],
        emulator.graphql_queries - before[2],
        emulator.graphql_points - before[3],
        time.perf_counter() - started,
    )


def change_one_percent(dataset: GitHubDataset, org: ScaleOrg) -> int:
    """A merged PR and its deployment on every hundredth repository, an hour before ``org.now``."""
    changed = org.repos[::100]
    moment = org.now - timedelta(hours=1)
    for name in changed:
        repo = dataset.repos[name]
        tip = repo.deployments[-1]["sha"]
        number = len(repo.pulls) + 1
        head = repo.commit(f"fix {number}", parents=[tip], author_date=moment, branch=f"pr-{number}")
        merged = repo.squash_merge([head], tip, f"Fix (#{number})", moment + timedelta(minutes=10))
        repo.pull(
            number=number,
            title="Fix",
            author="alice",
            created_at=moment,
            commits=[head],
            merged_at=moment + timedelta(minutes=10),
            merge_commit_sha=merged,
            reviews=[("bob", "APPROVED", moment + timedelta(minutes=5))],
        )
        repo.deployment(merged, created_at=moment + timedelta(minutes=20))
    return len(changed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--deploy-every", type=float, default=28.0, help="days between deployments")
    parser.add_argument("--pulls-per-deploy", type=float, default=4.0)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    dataset = GitHubDataset()
    org = build_scale_org(
        dataset,
        repos=args.repos,
        weeks=args.weeks,
        deploy_every=args.deploy_every,
        pulls_per_deploy=args.pulls_per_deploy,
    )
    deployments = sum(len(dataset.repos[name].deployments) for name in org.repos)
    pulls = sum(len(dataset.repos[name].pulls) for name in org.repos)
    minimum = minimum_rest_pages(dataset, org)
    print(
        f"organisation: {args.repos} repositories, {args.weeks} weeks, {deployments} deployments, "
        f"{pulls} merged PRs (built in {time.perf_counter() - started:.1f} s); "
        f"minimum REST pages of the data: {minimum}",
        flush=True,
    )
    runs: dict[tuple[str, str], Run] = {}
    with tempfile.TemporaryDirectory() as directory:
        engines = {
            api: open_store(f"duckdb:///{Path(directory)}/{api}.duckdb") for api in ("rest", "graphql")
        }
        with GitHubEmulator(dataset, rate_limit=UNLIMITED, graphql_limit=UNLIMITED) as emulator:
            for api in ("rest", "graphql"):
                runs[(api, "backfill")] = sync(emulator, engines[api], org, api)
                print(f"{api} backfill: {runs[(api, 'backfill')]}", flush=True)
            for api in ("rest", "graphql"):
                runs[(api, "re-sync, no change")] = sync(emulator, engines[api], org, api)
            changed = change_one_percent(dataset, org)
            for api in ("rest", "graphql"):
                runs[(api, f"re-sync, {changed} repos changed")] = sync(emulator, engines[api], org, api)
            assert emulator.errors == [], emulator.errors
        stores = {api: dump(engine) for api, engine in engines.items()}
        for engine in engines.values():
            engine.dispose()
    unequal = [name for name in stores["rest"] if stores["rest"][name] != stores["graphql"][name]]

    header = ("mode", "run", "billed", "304s", "gql q", "gql pts", "points", "wall s")
    print("{:8} {:28} {:>8} {:>7} {:>6} {:>8} {:>8} {:>8}".format(*header))
    for (api, what), run in runs.items():
        print(
            f"{api:8} {what:28} {run.billed:8d} {run.not_modified:7d} {run.graphql_queries:6d} "
            f"{run.graphql_points:8d} {run.points:8d} {run.seconds:8.1f}"
        )
    rest, graphql = runs[("rest", "backfill")], runs[("graphql", "backfill")]
    ratio = rest.billed / minimum
    print(f"REST backfill / minimum pages: {rest.billed} / {minimum} = {ratio:.3f} (target <= 1.1)")
    print(
        f"REST points / GraphQL points, backfill: {rest.points} / {graphql.points} = "
        f"{rest.points / graphql.points:.1f}x (target >= 10x)"
    )
    print("stores equal table by table" if not unequal else f"stores DIFFER in {unequal}")
    return 0 if not unequal else 1


if __name__ == "__main__":
    sys.exit(main())
