"""A generated GitHub organisation for cost measurements, and the minimum REST pages its data needs.

``build_scale_org`` fills a :class:`GitHubDataset` with ``repos`` repositories of ``weeks`` weeks of
history (seeded, so every run builds the same organisation): per repository, a deployment to
production about every ``deploy_every`` days, each shipping the squash-merged PRs merged since the
last one (1–3 commits and 0–2 reviews each, some labelled), a failed attempt now and then, a rollback
and redeploy now and then, and an incident issue now and then.

``minimum_rest_pages`` counts the pages a REST collector cannot do without for that data: the lists
(down to ``since``), one statuses list per deployment, one compare per distinct pair of consecutive
successful deployments (pages of 100 commits), and one commits and one reviews list per merged PR.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tests.emulators.github import GitHubDataset, RepoData, parse_timestamp

PAGE = 100
ORG = "scale"
INCIDENT_LABEL = "incident"


@dataclass(frozen=True)
class ScaleOrg:
    repos: list[str]
    since: datetime
    now: datetime


def build_scale_org(
    dataset: GitHubDataset,
    *,
    repos: int,
    weeks: int,
    now: datetime = datetime(2026, 6, 1, tzinfo=UTC),
    deploy_every: float = 7.0,
    pulls_per_deploy: float = 5.0,
    seed: int = 10,
) -> ScaleOrg:
    rng = random.Random(seed)
    start = now - timedelta(weeks=weeks)
    names = [f"{ORG}/service-{index:03d}" for index in range(repos)]
    for name in names:
        _build_repo(dataset.add_repo(name), rng, start, now, deploy_every, pulls_per_deploy)
    return ScaleOrg(names, start, now)


def _build_repo(
    repo: RepoData,
    rng: random.Random,
    start: datetime,
    now: datetime,
    deploy_every: float,
    pulls_per_deploy: float,
) -> None:
    moment = start - timedelta(days=2)
    tip = repo.commit("initial", author_date=moment)
    repo.deployment(tip, created_at=moment + timedelta(hours=1))
    deployed: list[str] = [tip]
    moment = start + timedelta(hours=rng.uniform(1, 48))
    while True:
        pulls = max(1, round(rng.expovariate(1 / pulls_per_deploy)))
        for _ in range(pulls):
            # PRs about every deploy_every / pulls_per_deploy days, so a deployment about every deploy_every.
            moment += timedelta(hours=rng.uniform(1, 48 * deploy_every / pulls_per_deploy - 1))
            if moment >= now:
                return
            number = len(repo.pulls) + 1
            author = rng.choice(("alice", "bob", "carol", "dave", "erin"))
            branch = f"pr-{number}"
            shas = [
                repo.commit(
                    f"change {number}.{i}",
                    parents=[tip] if i == 0 else None,
                    author_date=moment - timedelta(hours=5 - i),
                    author_login=author,
                    branch=branch,
                )
                for i in range(rng.randint(1, 3))
            ]
            tip = repo.squash_merge(shas, tip, f"Change {number} (#{number})", moment)
            reviewers = rng.sample(("frank", "grace", "heidi"), rng.randint(0, 2))
            repo.pull(
                number=number,
                title=f"Change {number}",
                author=author,
                created_at=moment - timedelta(hours=4),
                commits=shas,
                merged_at=moment,
                merge_commit_sha=tip,
                reviews=[(login, "APPROVED", moment - timedelta(hours=1)) for login in reviewers],
                labels=["feature"] if rng.random() < 0.3 else [],
            )
        moment += timedelta(hours=rng.uniform(1, 6))
        if moment >= now:
            return
        if rng.random() < 0.1:
            failed = [("in_progress", moment), ("failure", moment + timedelta(minutes=5))]
            repo.deployment(tip, created_at=moment, statuses=failed)
            moment += timedelta(minutes=30)
        repo.deployment(tip, created_at=moment)
        deployed.append(tip)
        if rng.random() < 0.05 and len(deployed) > 1:
            # A rollback to the previous deployment, then the fixed commit shipped again.
            repo.deployment(deployed[-2], created_at=moment + timedelta(hours=1))
            repo.deployment(tip, created_at=moment + timedelta(hours=3))
        if rng.random() < 0.05:
            repo.issue(
                title="Outage",
                created_at=moment + timedelta(hours=2),
                closed_at=moment + timedelta(hours=4),
                labels=[INCIDENT_LABEL],
            )


def _pages(count: int) -> int:
    return max(1, math.ceil(count / PAGE))


def _at(item: dict[str, object], key: str) -> datetime:
    return parse_timestamp(str(item[key]))


def minimum_rest_pages(dataset: GitHubDataset, org: ScaleOrg, *, labels: int = 1) -> int:
    """The REST pages a full backfill of ``org`` since ``org.since`` cannot do without."""
    total = _pages(len(org.repos))  # the organisation's repository list
    for name in org.repos:
        repo = dataset.repos[name]
        production = sorted(
            (d for d in repo.deployments if d["environment"] == "production"),
            key=lambda d: _at(d, "created_at"),
        )
        recent = [d for d in production if _at(d, "created_at") >= org.since]
        total += _pages(len(recent) + (len(recent) < len(production)))
        successes: list[tuple[datetime, int, str]] = []
        for deployment in recent:
            statuses = repo.statuses[int(deployment["id"])]
            total += _pages(len(statuses))
            done = [_at(s, "created_at") for s in statuses if s["state"] == "success"]
            if done:
                successes.append((min(done), int(deployment["id"]), str(deployment["sha"])))
        pairs = set()
        successes.sort()
        for (_, _, base), (_, _, head) in itertools.pairwise(successes):
            if base != head and (base, head) not in pairs:
                pairs.add((base, head))
                ahead = repo.ancestors(head) - repo.ancestors(base)
                total += _pages(len(ahead))
        closed = [p for p in repo.pulls if p["state"] == "closed"]
        recent_pulls = [p for p in closed if _at(p, "updated_at") >= org.since]
        total += _pages(len(recent_pulls) + (len(recent_pulls) < len(closed)))
        for pull in recent_pulls:
            if pull.get("merged_at"):
                number = int(pull["number"])
                total += _pages(min(250, len(repo.pull_commits.get(number, []))))
                total += _pages(len(repo.reviews.get(number, [])))
        total += labels  # the incident issues: a page per label (the generated repos have few)
    return total
