"""Audit: the serving snapshot's numbers equal the CLI's (SPEC §2, §6.4, §8.1, §8.3).

The daemon (and the demo) build one snapshot from several points computed together: the configured
windows as of now, the longest window as of one longest window earlier, and a 7-day window at the end
of each of the last 26 ISO weeks (``analytics.assembly.assemble_snapshot``); those points read the
facts once, from the earliest window's start on, and share their derived tables. ``doraspace metrics
--as-of T`` computes one point alone. SPEC promises one set of numbers, so:

* each weekly point of the snapshot equals ``doraspace metrics --format json --window 7d --as-of`` at
  the end of that week, field by field;
* the snapshot's rows equal the CLI's as of the same instant, and the ``previous`` snapshot's rows the
  CLI's as of one longest window (90 days) earlier;
* the daemon's ``/metrics`` carries the CLI's values (hours × 3600 = seconds; null → absent series);
* the daemon's team report shows the CLI's numbers (formatting aside), its failed deployments with the
  rules that found them, and its failed attempts.

The store holds a seeded pseudo-random history of about 160 days for three teams owning eight
repositories through Backstage components (each with its own PagerDuty service), plus one repository
nobody owns: squash and merge-commit PRs with reviews, direct pushes, rollbacks (and the re-shipping of
rolled-back commits), reverts, hotfix-labelled PRs (some deployed from their branch and merged later),
explicit incidents naming a sha (PagerDuty descriptions and GitHub issue bodies), incidents failing a
deployment by the attribution window, incidents open across window starts and still open at the end,
failed attempts, and first deployments before every window and inside them.

Because every equality above compares two computations by the same product, the history is also
checked against an independent oracle written from SPEC's words (§5.2 changes and lead times, §6.1
failure rules with the instant each starts to hold, §6.2 recovery), and two weeks of team
``checkout`` are planted by hand (worked out in ``test_planted_weeks_by_hand``) so that a rule both
paths share wrongly still fails a test.

The snapshot is taken at 2026-06-30 09:30 UTC (a Tuesday): weekly points end on the Mondays 2026-01-05
… 2026-06-29, the previous point is 2026-04-01 09:30 UTC.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from analytics.assembly import week_ends
from analytics.snapshot import Snapshot
from collector.models import RepositoryFact
from collector.writer import write_repositories
from doraspace.cli import main
from doraspace.config import Config, load_config
from doraspace.daemon import Daemon
from doraspace.pipeline import build_snapshot
from store import schema
from store.engine import open_store
from store.timeutil import to_db
from store.upsert import upsert
from tests.dashboards.test_audit_outputs import (
    BAND_KEYS,
    DURATIONS,
    PLAIN,
    Samples,
    band_of,
    band_state,
    num_cells,
    sample,
    samples,
    section,
    table_rows,
)

AS_OF = datetime(2026, 6, 30, 9, 30, tzinfo=UTC)
PREVIOUS_AS_OF = AS_OF - timedelta(days=90)  # 2026-04-01 09:30
HOUR = 3600.0
WEEKS = 26
ATTRIBUTION = timedelta(hours=24)
WINDOWS = {"7d": 7, "30d": 30, "90d": 90}
SEED = 20260630

TEAMS: dict[str, list[str]] = {
    "checkout": ["acme/cart", "acme/pay", "acme/tax"],
    "search": ["acme/index", "acme/query", "acme/ranker"],
    "platform": ["acme/infra", "acme/edge"],
}
UNOWNED_REPO = "acme/legacy"  # no component: team "unowned", its own service
# First deployment of each repo (compare "first": counts, ships nothing known, SPEC §5.2). Most are long
# before every window (the earliest, the 26th week back, starts 2025-12-29); some start inside them.
FIRST_DEPLOYMENT = {
    "acme/cart": datetime(2025, 11, 3, 12, tzinfo=UTC),
    "acme/pay": datetime(2025, 11, 10, 12, tzinfo=UTC),
    "acme/tax": datetime(2025, 12, 1, 12, tzinfo=UTC),
    "acme/index": datetime(2026, 1, 8, 12, 5, tzinfo=UTC),  # inside the previous 90d window and week 2
    "acme/query": datetime(2025, 11, 20, 12, tzinfo=UTC),
    "acme/ranker": datetime(2026, 5, 6, 11, 40, tzinfo=UTC),  # inside the current 30d/90d windows
    "acme/infra": datetime(2025, 10, 1, 12, tzinfo=UTC),
    "acme/edge": datetime(2026, 2, 17, 15, 10, tzinfo=UTC),
    UNOWNED_REPO: datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
}
RANDOM_FROM = datetime(2026, 1, 12, tzinfo=UTC)  # random history from here to AS_OF: ~170 days
DEPLOY_CHANCE = {
    "acme/cart": 0.55,
    "acme/pay": 0.5,
    "acme/tax": 0.35,
    "acme/index": 0.45,
    "acme/query": 0.3,
    "acme/ranker": 0.5,
    "acme/infra": 0.25,
    "acme/edge": 0.4,
    UNOWNED_REPO: 0.15,
}
# Team checkout's repos are quiet but for the planted deployments and incidents in here.
PLANTED_FROM = datetime(2026, 5, 8, tzinfo=UTC)
PLANTED_UNTIL = datetime(2026, 5, 26, tzinfo=UTC)
# Platform's infra is quiet in these but for planted deployments and incidents (platform's other repo,
# acme/edge, first deploys on 2026-02-17: so platform's first weeks are infra's planted ones alone).
QUIET_INFRA = [
    (datetime(2026, 1, 12, tzinfo=UTC), datetime(2026, 1, 19, tzinfo=UTC)),
    (datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 4, 4, tzinfo=UTC)),
]


def infra_quiet(day: datetime, margin: timedelta = timedelta(0)) -> bool:
    return any(start - margin <= day < end for start, end in QUIET_INFRA)


def utc(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def team_of(repo: str) -> str:
    return next((team for team, repos in TEAMS.items() if repo in repos), "unowned")


def pd_service(repo: str) -> str:
    return "P" + hashlib.sha1(repo.encode(), usedforsecurity=False).hexdigest()[:6].upper()


# -- the history ------------------------------------------------------------------------------------


@dataclass
class Commit:
    sha: str
    authored: datetime
    parents: int = 1
    message: str = ""


@dataclass
class Deployment:
    repo: str
    deployment_id: int
    created_at: datetime
    deployed_at: datetime | None  # None: a failed attempt
    sha: str
    status: str | None = None  # compare status with the previous deployment
    ships: list[str] = field(default_factory=list)
    base: Deployment | None = None
    last_state: str = "success"


@dataclass
class PullRequest:
    repo: str
    number: int
    created_at: datetime
    merged_at: datetime
    merge_commit_sha: str
    commits: list[Commit]
    reviews: list[tuple[str, datetime]]
    labels: list[str] = field(default_factory=list)


@dataclass
class Incident:
    source: str  # pagerduty | github
    incident_id: str
    repo: str  # the repository whose service it is on
    title: str
    description: str | None
    started_at: datetime
    resolved_at: datetime | None

    @property
    def key(self) -> str:
        return f"{self.source}:{self.incident_id}"

    @property
    def service(self) -> str:
        return pd_service(self.repo) if self.source == "pagerduty" else self.repo


@dataclass
class History:
    deployments: list[Deployment] = field(default_factory=list)
    commits: dict[tuple[str, str], Commit] = field(default_factory=dict)
    pulls: list[PullRequest] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    planted: dict[str, Deployment] = field(default_factory=dict)  # name → planted deployment
    planted_changes: dict[str, str] = field(default_factory=dict)  # name → the sha of its change

    def counted(self) -> list[Deployment]:
        return [d for d in self.deployments if d.deployed_at is not None]

    def attempts(self) -> list[Deployment]:
        return [d for d in self.deployments if d.deployed_at is None]


def whole(instant: datetime) -> datetime:
    """Sources give whole seconds."""
    return instant.replace(microsecond=0)


def sha_of(name: str) -> str:
    return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()


class Builder:
    """Writes a repo's history in time order, chaining each deployment's compare to the previous one."""

    def __init__(self, history: History, rng: random.Random) -> None:
        self.h = history
        self.rng = rng
        self.next_id = 10_000
        self.numbers: dict[str, int] = {}
        self.last: dict[str, Deployment] = {}
        self.reship: dict[str, list[str]] = {}
        self.counter = 0

    # -- commits and PRs
    def commit(self, repo: str, authored: datetime, *, parents: int = 1, message: str = "") -> Commit:
        self.counter += 1
        made = Commit(
            sha_of(f"{repo}-{self.counter}"), whole(authored), parents, message or f"change {self.counter}"
        )
        self.h.commits[(repo, made.sha)] = made
        return made

    def pull(
        self, repo: str, merged_at: datetime, *, squash: bool, labels: Sequence[str] = ()
    ) -> tuple[PullRequest, list[str]]:
        """A merged PR; returns it and the commits it puts on main (what a deployment ships)."""
        rng = self.rng
        merged_at = whole(merged_at)
        self.numbers[repo] = number = self.numbers.get(repo, 0) + 1
        created = whole(merged_at - timedelta(hours=rng.uniform(1, 60)))
        first = created - timedelta(hours=rng.uniform(0.3, 40))
        count = rng.randint(1, 3)
        dates = sorted(first + (created - first) * rng.random() for _ in range(count - 1))
        commits = [self.commit(repo, at) for at in [first, *dates]]
        rng.shuffle(commits)  # the order a PR lists its commits in says nothing about their dates
        reviews: list[tuple[str, datetime]] = []
        if rng.random() < 0.85:
            reviews.append(
                (
                    f"reviewer-{rng.randint(1, 9)}",
                    whole(created + (merged_at - created) * rng.uniform(0.1, 0.9)),
                )
            )
        if squash:
            merge = self.commit(repo, merged_at, message=f"PR #{number} (squashed)")
            shipped = [merge.sha]
        else:
            merge = self.commit(repo, merged_at, parents=2, message=f"Merge pull request #{number}")
            shipped = [c.sha for c in sorted(commits, key=lambda c: c.authored)] + [merge.sha]
        pull = PullRequest(repo, number, created, merged_at, merge.sha, commits, reviews, list(labels))
        self.h.pulls.append(pull)
        return pull, shipped

    # -- deployments
    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def first(self, repo: str, at: datetime) -> Deployment:
        head = self.commit(repo, at - timedelta(days=3))
        deployment = Deployment(repo, self._id(), at - timedelta(minutes=4), at, head.sha, "first")
        self.h.deployments.append(deployment)
        self.last[repo] = deployment
        return deployment

    def deploy(self, repo: str, at: datetime, ships: list[str], *, status: str = "ahead") -> Deployment:
        ships = self.reship.pop(repo, []) + ships
        at = whole(at)
        base = self.last[repo]
        deployment = Deployment(
            repo, self._id(), at - timedelta(minutes=4), at, ships[-1], status, ships, base
        )
        self.h.deployments.append(deployment)
        self.last[repo] = deployment
        return deployment

    def rollback(self, repo: str, at: datetime) -> Deployment:
        """Back to the deployment before the latest: compare "behind", no changes (SPEC §5.2, §6.1 rule 2);
        the next deployment ships the rolled-back commits again."""
        failed = self.last[repo]
        at = whole(at)
        assert failed.base is not None
        deployment = Deployment(
            repo, self._id(), at - timedelta(minutes=4), at, failed.base.sha, "behind", [], failed
        )
        self.h.deployments.append(deployment)
        self.reship[repo] = list(failed.ships)
        self.last[repo] = deployment
        return deployment

    def attempt(self, repo: str, created: datetime, state: str) -> Deployment:
        attempt = Deployment(
            repo, self._id(), whole(created), None, sha_of(f"attempt-{created}"), last_state=state
        )
        self.h.deployments.append(attempt)
        return attempt

    def incident(
        self,
        source: str,
        repo: str,
        started: datetime,
        resolved: datetime | None,
        *,
        title: str = "Elevated error rate",
        description: str | None = None,
    ) -> Incident:
        number = len(self.h.incidents) + 1
        if repo == UNOWNED_REPO:
            source = "github"  # nobody owns its PagerDuty service: it would not be collected (SPEC §4)
        incident_id = f"Q{number:05d}" if source == "pagerduty" else f"{repo}#{1000 + number}"
        incident = Incident(
            source,
            incident_id,
            repo,
            title,
            description,
            whole(started),
            None if resolved is None else whole(resolved),
        )
        self.h.incidents.append(incident)
        return incident


def changes_of(history: History) -> dict[int, list[str]]:
    """SPEC §5.2: a deployment's changes are the non-merge commits of its compare that no earlier
    deployment (of the repo, by deployed_at) shipped; a first deployment and a rollback have none."""
    shipped: dict[str, set[str]] = {}
    found: dict[int, list[str]] = {}
    for deployment in sorted(history.counted(), key=lambda d: (d.deployed_at, d.deployment_id)):
        seen = shipped.setdefault(deployment.repo, set())
        found[deployment.deployment_id] = [
            sha
            for sha in deployment.ships
            if sha not in seen
            and history.commits[(deployment.repo, sha)].parents <= 1
            and deployment.status in ("ahead", "diverged")
        ]
        seen.update(deployment.ships)
    return found


def generate() -> History:
    rng = random.Random(SEED)
    history = History()
    b = Builder(history, rng)
    repos = [repo for repos in TEAMS.values() for repo in repos] + [UNOWNED_REPO]
    for repo in repos:
        b.first(repo, FIRST_DEPLOYMENT[repo])
    plant_infra_winter(b)
    # Day by day, every repo: deployments, their planned failures, incidents, attempts.
    day = RANDOM_FROM
    pending_revert: dict[str, Deployment] = {}
    while day < AS_OF:
        for repo in repos:
            checkout_quiet = team_of(repo) == "checkout" and PLANTED_FROM <= day < PLANTED_UNTIL
            quiet_infra = repo == "acme/infra" and infra_quiet(day)
            started = FIRST_DEPLOYMENT[repo]
            if checkout_quiet or quiet_infra or day <= started or day.weekday() >= 5:
                continue
            if rng.random() < 0.03:
                b.attempt(repo, day + timedelta(hours=rng.uniform(8, 19)), rng.choice(["failure", "error"]))
            if rng.random() >= DEPLOY_CHANCE[repo]:
                continue
            at = day + timedelta(hours=rng.uniform(8, 18), seconds=rng.randint(0, 59))
            if at >= AS_OF - timedelta(minutes=30):
                continue
            previous = b.last[repo].deployed_at
            assert previous is not None
            ships: list[str] = []
            for _ in range(rng.randint(1, 3)):
                merged = previous + (at - previous) * rng.uniform(0.2, 0.95)
                if rng.random() < 0.1:  # a direct push
                    ships.append(b.commit(repo, merged).sha)
                    continue
                labels = ["hotfix"] if rng.random() < 0.06 else (["HotFix"] if rng.random() < 0.01 else [])
                _, shipped = b.pull(repo, merged, squash=rng.random() < 0.7, labels=labels)
                ships += shipped
            reverted = pending_revert.pop(repo, None)
            if reverted is not None:
                target = rng.choice(changes_of(history)[reverted.deployment_id])
                revert = b.commit(
                    repo,
                    at - timedelta(hours=rng.uniform(0.3, 3)),
                    message=f'Revert "change"\n\nThis reverts commit {target}.',
                )
                ships.append(revert.sha)
            deployment = b.deploy(repo, at, ships)
            if not changes_of(history)[deployment.deployment_id] or reverted is not None:
                continue
            # What happens to it (SPEC §6.1), each with its own chance.
            roll = rng.random()
            quiet_after = (
                team_of(repo) == "checkout" and at + timedelta(days=2) >= PLANTED_FROM and at < PLANTED_UNTIL
            )
            if roll < 0.05 and not quiet_after:
                b.rollback(repo, at + timedelta(hours=rng.uniform(0.5, 4)))
            elif roll < 0.09 and not quiet_after:
                pending_revert[repo] = deployment
            elif roll < 0.14 and not quiet_after:
                change = rng.choice(changes_of(history)[deployment.deployment_id])
                start = at + timedelta(hours=rng.uniform(0.5, 30))
                resolved = start + timedelta(hours=rng.uniform(0.5, 12))
                if rng.random() < 0.5:
                    b.incident(
                        "pagerduty",
                        repo,
                        start,
                        resolved,
                        title="Checkout latency",
                        description=f"Suspect deploy.\nroot cause: {change[: rng.randint(7, 12)]}",
                    )
                else:
                    b.incident(
                        "github", repo, start, resolved, title=f"Errors after {change[:9]}", description=""
                    )
            elif roll < 0.2 and not quiet_after:
                start = at + timedelta(hours=rng.uniform(0.3, 20))
                ends = start + timedelta(hours=rng.uniform(0.3, 30))
                until = ends if rng.random() < 0.9 else None
                b.incident(
                    rng.choice(["pagerduty", "github"]), repo, start, until, title="Elevated error rate"
                )
        # Background incidents, unrelated to any deployment (some long, some still open).
        for repo in repos:
            if team_of(repo) == "checkout" and PLANTED_FROM - timedelta(days=1) <= day < PLANTED_UNTIL:
                continue
            if repo == "acme/infra" and infra_quiet(day, timedelta(days=1)):
                continue
            if rng.random() < 0.06:
                start = day + timedelta(hours=rng.uniform(0, 24))
                if start >= AS_OF:
                    continue
                length = timedelta(hours=rng.choice([rng.uniform(0.2, 6), rng.uniform(24, 200)]))
                b.incident(
                    rng.choice(["pagerduty", "github"]),
                    repo,
                    start,
                    start + length if start + length < AS_OF or rng.random() < 0.5 else None,
                    title="Queue backlog",
                )
        day += timedelta(days=1)
        plant(b, day)
    return history


def plant_infra_winter(b: Builder) -> None:
    """Platform's acme/infra before the random history, worked out in ``test_planted_weeks_by_hand``."""
    h = b.h
    x0 = b.commit("acme/infra", utc(12, 9, 10, year=2025))
    h.planted["X0"] = b.deploy("acme/infra", utc(12, 10, 10, year=2025), [x0.sha])
    # Open from before every window's start (the snapshot reads from 2025-12-29) until 01-03.
    b.incident("pagerduty", "acme/infra", utc(12, 20, 8, year=2025), utc(1, 3, 8), title="Node pool degraded")
    x1 = b.commit("acme/infra", utc(1, 1, 22))
    h.planted["X1"] = b.deploy("acme/infra", utc(1, 2, 10), [x1.sha])
    # Names X0's change (deployed before every window): explicit for X0, so no window rule for X1.
    b.incident(
        "github",
        "acme/infra",
        utc(1, 2, 14),
        utc(1, 2, 16),
        title="Rollout stuck",
        description=f"root cause: {x0.sha[:8]}",
    )
    x1b = b.commit("acme/infra", utc(1, 5, 18))
    h.planted["X1b"] = b.deploy("acme/infra", utc(1, 5, 20), [x1b.sha])
    x2 = b.commit("acme/infra", utc(1, 13, 22))
    # Names x2, which ships only on 01-14: until then no explicit link, so the window rule fails X1b
    # (13 h after it); from 01-14 10:00 on it is X2's explicit failure instead.
    b.incident(
        "pagerduty",
        "acme/infra",
        utc(1, 6, 9),
        utc(1, 6, 11),
        title="Config drift",
        description=f"root cause: {x2.sha[:10]}",
    )
    h.planted["X2"] = b.deploy("acme/infra", utc(1, 14, 10), [x2.sha])
    h.planted_changes.update(X0=x0.sha, X1=x1.sha, X1b=x1b.sha, X2=x2.sha)


def plant(b: Builder, day: datetime) -> None:
    """The planted events of ``day``'s eve (called once per day, after the random ones of the day
    before): team checkout's two weeks and platform's incident across the previous point."""
    h = b.h
    if day == utc(5, 11):
        # -- week 1, 2026-05-11 00:00 → 05-18 00:00
        p1 = b.commit("acme/pay", utc(5, 10, 22))
        h.planted["P1"] = b.deploy("acme/pay", utc(5, 11, 10), [p1.sha])
        p2 = b.commit("acme/pay", utc(5, 12, 6))
        h.planted["P2"] = b.deploy("acme/pay", utc(5, 12, 10), [p2.sha])
        b.incident("pagerduty", "acme/pay", utc(5, 12, 13), utc(5, 12, 15), title="Elevated 5xx on pay")
        c1 = b.commit("acme/cart", utc(5, 12, 9))
        h.planted["C1"] = b.deploy("acme/cart", utc(5, 13, 9), [c1.sha])
        h.planted["C2"] = b.rollback("acme/cart", utc(5, 13, 15))
        t1 = b.commit("acme/tax", utc(5, 14, 3))
        h.planted["T1"] = b.deploy("acme/tax", utc(5, 14, 11), [t1.sha])
        b.attempt("acme/pay", utc(5, 15, 10), "failure")
        t2 = b.commit("acme/tax", utc(5, 17, 20))
        h.planted["T2"] = b.deploy("acme/tax", utc(5, 17, 22), [t2.sha])
        b.incident("github", "acme/tax", utc(5, 18, 1), utc(5, 18, 3), title="Tax totals wrong")
        h.planted_changes.update(P1=p1.sha, P2=p2.sha, C1=c1.sha, T1=t1.sha, T2=t2.sha)
        # -- week 2, 2026-05-18 00:00 → 05-25 00:00
        revert = b.commit("acme/tax", utc(5, 19, 9), message=f'Revert "tax"\n\nThis reverts commit {t1.sha}.')
        h.planted["R1"] = b.deploy("acme/tax", utc(5, 19, 10), [revert.sha])
        b.incident(
            "pagerduty",
            "acme/pay",
            utc(5, 20, 10),
            utc(5, 20, 12),
            title="Card declines",
            description=f"Postmortem pending. root cause: {p1.sha[:9]}",
        )
        c3 = b.commit("acme/cart", utc(5, 19, 21))
        h.planted["C3"] = b.deploy("acme/cart", utc(5, 20, 9), [c3.sha])  # re-ships C1's change too
        p3 = b.commit("acme/pay", utc(5, 21, 12))
        h.planted["P3"] = b.deploy("acme/pay", utc(5, 21, 14), [p3.sha])
        h.planted["P4"] = b.rollback("acme/pay", utc(5, 22, 10))
        h.planted_changes.update(R1=revert.sha, C3=c3.sha, P3=p3.sha)
    if day == utc(3, 28):
        # -- platform/infra around the previous point (2026-04-01 09:30), quiet otherwise from 03-27 to
        # 04-04: a hotfix deployed from its branch before the previous point whose PR (labelled hotfix)
        # merges after it, then an incident that fails it by the window rule and stays open across the
        # previous point and the current 90d window's start, during which the next deployment is made.
        hotfix = b.commit("acme/infra", utc(4, 1, 4))
        h.planted["H1"] = b.deploy("acme/infra", utc(4, 1, 6), [hotfix.sha])
        b.numbers["acme/infra"] = number = b.numbers.get("acme/infra", 0) + 1
        merge = b.commit("acme/infra", utc(4, 1, 12), parents=2, message=f"Merge pull request #{number}")
        h.pulls.append(
            PullRequest(
                "acme/infra",
                number,
                utc(4, 1, 5),
                utc(4, 1, 12),
                merge.sha,
                [hotfix],
                [("reviewer-2", utc(4, 1, 11))],
                ["hotfix"],
            )
        )
        b.incident("pagerduty", "acme/infra", utc(4, 1, 9), utc(4, 3, 8), title="Disk pressure")
        after = b.commit("acme/infra", utc(4, 2, 9))
        h.planted["H2"] = b.deploy("acme/infra", utc(4, 2, 10), [merge.sha, after.sha])


# -- writing it into a store ----------------------------------------------------------------------------


def write(engine: Engine, history: History) -> None:
    repos = sorted({d.repo for d in history.deployments})
    tables: dict[Any, list[dict[str, Any]]] = {}

    def add(table: Any, row: dict[str, Any]) -> None:
        tables.setdefault(table, []).append(row)

    for (repo, sha), made in history.commits.items():
        add(
            schema.commits,
            {
                "repo": repo,
                "sha": sha,
                "parent_shas": " ".join(f"{sha[:12]}p{i}" for i in range(made.parents)),
                "parent_count": made.parents,
                "author_date": to_db(made.authored),
                "committed_date": to_db(made.authored),
                "message": made.message,
            },
        )
    for d in history.deployments:
        add(
            schema.deployments,
            {
                "repo": d.repo,
                "source": "deployments",
                "deployment_id": d.deployment_id,
                "environment": "production",
                "sha": d.sha,
                "ref": "main",
                "created_at": to_db(d.created_at),
                "deployed_at": to_db(d.deployed_at),
                "last_state": d.last_state,
            },
        )
        if d.deployed_at is None:
            continue
        add(
            schema.deployment_compares,
            {
                "repo": d.repo,
                "source": "deployments",
                "deployment_id": d.deployment_id,
                "base_deployment_id": None if d.base is None else d.base.deployment_id,
                "base_sha": None if d.base is None else d.base.sha,
                "head_sha": d.sha,
                "status": d.status,
                "total_commits": len(d.ships),
            },
        )
        for position, sha in enumerate(d.ships):
            add(
                schema.deployment_commits,
                {
                    "repo": d.repo,
                    "source": "deployments",
                    "deployment_id": d.deployment_id,
                    "sha": sha,
                    "position": position,
                },
            )
    for pr in history.pulls:
        add(
            schema.pull_requests,
            {
                "repo": pr.repo,
                "number": pr.number,
                "title": f"PR {pr.number}",
                "author": "dev-0",
                "state": "closed",
                "base_ref": "main",
                "created_at": to_db(pr.created_at),
                "updated_at": to_db(pr.merged_at),
                "merged_at": to_db(pr.merged_at),
                "closed_at": to_db(pr.merged_at),
                "merge_commit_sha": pr.merge_commit_sha,
            },
        )
        for position, made in enumerate(pr.commits):
            add(
                schema.pull_request_commits,
                {
                    "repo": pr.repo,
                    "number": pr.number,
                    "sha": made.sha,
                    "author_date": to_db(made.authored),
                    "position": position,
                },
            )
        for position, (reviewer, submitted) in enumerate(pr.reviews):
            add(
                schema.pull_request_reviews,
                {
                    "repo": pr.repo,
                    "number": pr.number,
                    "review_id": pr.number * 100 + position,
                    "reviewer": reviewer,
                    "state": "APPROVED",
                    "submitted_at": to_db(submitted),
                },
            )
        for label in pr.labels:
            add(schema.pull_request_labels, {"repo": pr.repo, "number": pr.number, "label": label})
    for incident in history.incidents:
        add(
            schema.incidents,
            {
                "source": incident.source,
                "incident_id": incident.incident_id,
                "service": incident.service,
                "title": incident.title,
                "description": incident.description,
                "urgency": "high" if incident.source == "pagerduty" else None,
                "status": "resolved"
                if incident.resolved_at
                else ("triggered" if incident.source == "pagerduty" else "open"),
                "started_at": to_db(incident.started_at),
                "resolved_at": to_db(incident.resolved_at),
                "updated_at": to_db(incident.resolved_at or incident.started_at),
            },
        )
    for team, owned in TEAMS.items():
        for repo in owned:
            add(
                schema.catalog_components,
                {
                    "file_repo": repo,
                    "position": 0,
                    "name": repo.split("/")[1] + "-service",
                    "owner": team,
                    "repo": repo,
                    "pagerduty_service": pd_service(repo),
                },
            )
    with engine.begin() as conn:
        write_repositories(conn, [RepositoryFact(repo, "main") for repo in repos], {}, AS_OF)
        for table, rows in tables.items():
            upsert(conn, table, rows)


# -- an oracle from SPEC's words ------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """percentile_cont (SPEC §6): linear interpolation between the two nearest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Evidence:
    rule: str
    holds_from: datetime
    recovery_at: datetime | None
    incident_id: str | None
    holds_until: datetime | None = None  # exclusive; None: for ever


@dataclass
class OracleRow:
    deployments: int
    change_failure_rate: float | None
    failed_deployment_recovery_hours_p50: float | None
    lead_time_hours_p50: float | None
    lead_time_hours_p90: float | None
    failed: dict[int, tuple[tuple[str, ...], tuple[str, ...], datetime | None]]


class Oracle:
    """SPEC §5.2 and §6.1–§6.2 applied to the generated history, in plain Python, point by point."""

    def __init__(self, history: History) -> None:
        self.h = history
        self.changes = changes_of(history)
        counted = sorted(history.counted(), key=lambda d: (d.deployed_at, d.deployment_id))
        self.counted = counted
        owner = {(d.repo, sha): d for d in counted for sha in self.changes[d.deployment_id]}
        self.evidence: dict[int, list[Evidence]] = {}

        def found(deployment: Deployment, evidence: Evidence) -> None:
            self.evidence.setdefault(deployment.deployment_id, []).append(evidence)

        for later in counted:
            assert later.deployed_at is not None
            if later.status == "behind" and later.base is not None:  # rule 2
                found(later.base, Evidence("rollback", later.deployed_at, later.deployed_at, None))
            for sha in self.changes[later.deployment_id]:  # rule 3
                for reverted in re.findall(
                    r"This reverts commit ([0-9a-f]{40})", history.commits[(later.repo, sha)].message
                ):
                    target = owner.get((later.repo, reverted))
                    if (
                        target is not None
                        and target.deployed_at is not None
                        and target.deployed_at < later.deployed_at
                    ):
                        found(target, Evidence("revert", later.deployed_at, later.deployed_at, None))
        every_change = list(owner.items())
        for incident in history.incidents:
            words = re.split(r"[^0-9a-z]+", f"{incident.title}\n{incident.description or ''}".lower())
            hexes = [w for w in words if 7 <= len(w) <= 40 and re.fullmatch(r"[0-9a-f]+", w)]
            linked = {
                target.deployment_id: target
                for (_, sha), target in every_change
                for w in hexes
                if sha.startswith(w)
            }
            for target in linked.values():  # rule 1, from the incident's start or the change's deployment
                assert target.deployed_at is not None
                since = max(incident.started_at, target.deployed_at)
                found(target, Evidence("explicit", since, incident.resolved_at, incident.key))
            # An incident is without an explicit link until the change it names is deployed.
            link_from = min(
                (t.deployed_at for t in linked.values() if t.deployed_at is not None), default=None
            )
            if link_from is not None and link_from <= incident.started_at:
                continue
            before = [
                d
                for d in counted
                if d.repo == incident.repo
                and d.deployed_at is not None
                and d.deployed_at < incident.started_at
            ]
            if before:  # rule 4: the service's latest deployment before the incident, within 24 h
                latest = before[-1]
                assert latest.deployed_at is not None
                if incident.started_at - latest.deployed_at <= ATTRIBUTION:
                    found(
                        latest,
                        Evidence(
                            "window", incident.started_at, incident.resolved_at, incident.key, link_from
                        ),
                    )
        self.pr_start = {
            (pr.repo, pr.merge_commit_sha): (pr.merged_at, min(c.authored for c in pr.commits))
            for pr in history.pulls
        }

    def row(self, team: str, as_of: datetime, days: int) -> OracleRow:
        start = as_of - timedelta(days=days)
        deployments = [
            d
            for d in self.counted
            if (team == "*" or team_of(d.repo) == team)
            and d.deployed_at is not None
            and start < d.deployed_at <= as_of
        ]
        failed: dict[int, tuple[tuple[str, ...], tuple[str, ...], datetime | None]] = {}
        recoveries: list[float] = []
        leads: list[float] = []
        for d in deployments:
            assert d.deployed_at is not None
            holding = [
                e
                for e in self.evidence.get(d.deployment_id, [])
                if e.holds_from <= as_of and (e.holds_until is None or as_of < e.holds_until)
            ]
            if holding:
                candidates = [
                    e.recovery_at
                    for e in holding
                    if e.recovery_at is not None and d.deployed_at <= e.recovery_at <= as_of
                ]
                recovered = min(candidates) if candidates else None
                rules = tuple(
                    r for r in ("explicit", "rollback", "revert", "window") if r in {e.rule for e in holding}
                )
                incidents = tuple(sorted({e.incident_id for e in holding if e.incident_id}))
                failed[d.deployment_id] = (rules, incidents, recovered)
                if recovered is not None:
                    recoveries.append((recovered - d.deployed_at).total_seconds() / HOUR)
            for sha in self.changes[d.deployment_id]:
                merged = self.pr_start.get((d.repo, sha))
                begun = (
                    merged[1]
                    if merged is not None and merged[0] <= as_of
                    else self.h.commits[(d.repo, sha)].authored
                )
                lead = (d.deployed_at - begun).total_seconds() / HOUR
                if lead > 0:
                    leads.append(lead)
        count = len(deployments)
        return OracleRow(
            deployments=count,
            change_failure_rate=len(failed) / count if count else None,
            failed_deployment_recovery_hours_p50=percentile(recoveries, 0.5),
            lead_time_hours_p50=percentile(leads, 0.5),
            lead_time_hours_p90=percentile(leads, 0.9),
            failed=failed,
        )


# -- the world: a store on each backend, the daemon's snapshot, its /metrics and report, the CLI -----------

HISTORY = generate()
ORACLE = Oracle(HISTORY)
TEAM_NAMES = ["*", "checkout", "platform", "search", "unowned"]


@dataclass
class World:
    backend: str
    config: Config
    config_path: Path
    snapshot: Snapshot
    metrics_text: str
    report: str
    report_index: str
    cli_now: list[dict[str, Any]]
    cli_previous: list[dict[str, Any]]
    cli_weeks: dict[datetime, list[dict[str, Any]]]


def cli_json(config_path: Path, *args: str) -> list[dict[str, Any]]:
    """``doraspace metrics --format json …`` as a user runs it; stdout parsed."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["metrics", "--config", str(config_path), "--format", "json", *args], now=AS_OF)
    assert status == 0, err.getvalue()
    rows: list[dict[str, Any]] = json.loads(out.getvalue())
    return rows


def http_get(port: int, path: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, (path, response.status)
        return body.decode()
    finally:
        connection.close()


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp(f"snapshot-{request.param}")
    if request.param == "duckdb":
        url = f"duckdb:///{folder}/store.duckdb"
    else:
        url = request.getfixturevalue("postgres").new_database()
    engine = open_store(url)
    try:
        write(engine, HISTORY)
    finally:
        engine.dispose()
    config_path = folder / "doraspace.yaml"
    config_path.write_text(
        f"database:\n  url: {url}\n"
        "metrics:\n  windows: [7d, 30d, 90d]\n  benchmarks: dora-2023\n"
        "incidents:\n  attribution_window: 24h\n"
        "rework:\n  labels: [hotfix, rollback, revert, incident]\n"
        "http:\n  listen: 127.0.0.1:0\n"
    )
    config = load_config(config_path, environ={})
    built: list[Snapshot] = []

    def capture(config: Config, engine: Engine, *, now: datetime) -> Snapshot:
        snapshot = build_snapshot(config, engine, now=now)  # the daemon's own builder, 26 weeks
        built.append(snapshot)
        return snapshot

    daemon = Daemon(config, clock=lambda: AS_OF, build_fn=capture, output_dir=folder / "served")
    daemon.start(schedule=False)
    try:
        assert daemon.run_job("analytics") is True
        assert daemon.server is not None
        text = http_get(daemon.server.port, "/metrics")
        report = http_get(daemon.server.port, "/reports/team-checkout.html")
        index = http_get(daemon.server.port, "/reports/index.html")
    finally:
        assert daemon.stop()
    (snapshot,) = built
    weeks = {
        end: cli_json(config_path, "--window", "7d", "--as-of", iso(end)) for end in week_ends(AS_OF, WEEKS)
    }
    yield World(
        backend=request.param,
        config=config,
        config_path=config_path,
        snapshot=snapshot,
        metrics_text=text,
        report=report,
        report_index=index,
        cli_now=cli_json(config_path, "--as-of", iso(AS_OF)),
        cli_previous=cli_json(config_path, "--as-of", iso(PREVIOUS_AS_OF)),
        cli_weeks=weeks,
    )


# -- comparing --------------------------------------------------------------------------------------------

WEEKLY_FIELDS = (
    "deployments",
    "lead_time_hours_p50",
    "lead_time_hours_p90",
    "change_failure_rate",
    "failed_deployment_recovery_hours_p50",
)


def same(left: Any, right: Any) -> bool:
    """Equal, floats up to rounding in the last bits (the two paths may sum in another order)."""
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    if isinstance(left, float) or isinstance(right, float):
        return left is not None and right is not None and left == pytest.approx(right, rel=1e-9, abs=1e-12)
    return bool(left == right)


def differences(left: dict[str, Any], right: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {
        key: (left.get(key), right.get(key))
        for key in left.keys() | right.keys()
        if not same(left.get(key), right.get(key))
    }


def by_team_window(rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["team"], row["window"]): row for row in rows}


# -- 1. the snapshot against the CLI --------------------------------------------------------------------


def test_each_weekly_point_equals_the_cli_as_of_that_weeks_end(world: World) -> None:
    """§8.3 weekly trends are 7-day windows as of each week's end (Monday 00:00 UTC), with SPEC §6.2's
    definitions; `doraspace metrics --window 7d --as-of <week end>` computes the same window alone.
    Every team (checkout, platform, search, unowned and "*") × 26 weeks, field by field."""
    ends = week_ends(AS_OF, WEEKS)
    points = {(p.team, p.week_start): p for p in world.snapshot.weekly}
    assert len(points) == len(world.snapshot.weekly) == len(TEAM_NAMES) * WEEKS
    mismatches: list[Any] = []
    for end in ends:
        rows = world.cli_weeks[end]
        assert [row["team"] for row in rows] == TEAM_NAMES
        for row in rows:
            point = points[(row["team"], (end - timedelta(days=7)).date())]
            got = {name: getattr(point, name) for name in WEEKLY_FIELDS}
            want = {name: row[name] for name in WEEKLY_FIELDS}
            if diff := differences(got, want):
                mismatches.append((iso(end), row["team"], diff))
    assert mismatches == []


def test_the_snapshots_rows_equal_the_cli_as_of_the_same_instant(world: World) -> None:
    """§6.4: every row (team × window, bands included) of the snapshot the daemon serves equals
    `doraspace metrics --format json --as-of <the snapshot's as_of>`, in the same order."""
    snapshot = world.snapshot
    assert snapshot.as_of == AS_OF
    served = [row.to_json_dict() for row in snapshot.metrics]
    assert [(r["team"], r["window"]) for r in served] == [(r["team"], r["window"]) for r in world.cli_now]
    assert [(r["team"], r["window"]) for r in served] == [(t, w) for t in TEAM_NAMES for w in WINDOWS]
    mismatches = [
        (a["team"], a["window"], diff)
        for a, b in zip(served, world.cli_now, strict=True)
        if (diff := differences(a, b))
    ]
    assert mismatches == []


def test_the_previous_snapshot_equals_the_cli_one_longest_window_earlier(world: World) -> None:
    """The reports' "previous window" is the longest window (90d) as of one longest window earlier
    (2026-04-01 09:30 UTC): its rows equal `doraspace metrics --as-of 2026-04-01T09:30:00Z`'s 90d rows,
    bands included (bands come from the 90-day window of that instant, SPEC §6.3). Around that instant:
    a hotfix deployed from its branch at 06:00 whose labelled PR merges at 12:00 (not rework yet), an
    incident from 09:00 failing it by the window rule and open until 04-03 (not recovered, not restored)."""
    previous = world.snapshot.previous
    assert previous is not None and previous.as_of == PREVIOUS_AS_OF
    served = [row.to_json_dict() for row in previous.metrics]
    wanted = [row for row in world.cli_previous if row["window"] == "90d"]
    assert [(r["team"], r["window"]) for r in served] == [(t, "90d") for t in TEAM_NAMES]
    mismatches = [
        (a["team"], diff) for a, b in zip(served, wanted, strict=True) if (diff := differences(a, b))
    ]
    assert mismatches == []


def test_the_failed_deployments_served_are_those_the_cli_point_finds(world: World) -> None:
    """§6.1 (the report says which rule): the snapshot's failed deployments, deployed in the longest
    window, are the ones a single-point computation as of the same instant finds, with the same rules,
    incidents and recovery; and the oracle's (SPEC's words, independent of the product) for 90 days."""
    from analytics.assembly import metrics_as_of
    from doraspace.settings import analytics_settings

    engine = open_store(world.config.database_url)
    try:
        alone = metrics_as_of(engine, analytics_settings(world.config), as_of=AS_OF).failed_deployments()
    finally:
        engine.dispose()
    served = sorted(world.snapshot.failed_deployments, key=lambda f: f.deployment_id)
    assert served == sorted(alone, key=lambda f: f.deployment_id)
    expected = ORACLE.row("*", AS_OF, 90).failed
    assert {f.deployment_id: (f.rules, f.incident_ids, f.recovered_at) for f in served} == {
        deployment_id: (rules, tuple(sorted(incidents)), recovered)
        for deployment_id, (rules, incidents, recovered) in expected.items()
    }


def test_a_snapshot_taken_at_a_weeks_end_with_later_facts_equals_the_cli(world: World) -> None:
    """A snapshot as of Monday 2026-06-29 00:00 UTC (`doraspace report` or a daemon whose clock says so)
    while the store already holds the deployments and incidents of 06-29 and 06-30: SPEC §2 "facts
    after it are ignored, as if they had not happened yet". Its last weekly point (06-22 → 06-29) is
    the very window of its 7d rows, so the two must agree; its rows equal the CLI's as of that instant,
    its previous rows the CLI's 90 days earlier, and every weekly point the oracle's."""
    monday = utc(6, 29)
    engine = open_store(world.config.database_url)
    try:
        snapshot = build_snapshot(world.config, engine, now=AS_OF, as_of=monday)
    finally:
        engine.dispose()
    cli = cli_json(world.config_path, "--as-of", iso(monday))
    assert [
        d
        for a, b in zip([r.to_json_dict() for r in snapshot.metrics], cli, strict=True)
        if (d := differences(a, b))
    ] == []
    previous = cli_json(world.config_path, "--as-of", iso(monday - timedelta(days=90)), "--window", "90d")
    assert snapshot.previous is not None
    assert [
        d
        for a, b in zip([r.to_json_dict() for r in snapshot.previous.metrics], previous, strict=True)
        if (d := differences(a, b))
    ] == []
    seven = {row.team: row for row in snapshot.metrics if row.window == "7d"}
    last = [p for p in snapshot.weekly if p.week_start.isoformat() == "2026-06-22"]
    assert len(last) == len(TEAM_NAMES)
    for point in last:
        assert {n: getattr(point, n) for n in WEEKLY_FIELDS} == {
            n: getattr(seven[point.team], n) for n in WEEKLY_FIELDS
        }
    mismatches: list[Any] = []
    for point in snapshot.weekly:
        end = datetime(
            point.week_start.year, point.week_start.month, point.week_start.day, tzinfo=UTC
        ) + timedelta(days=7)
        want = ORACLE.row(point.team, end, 7)
        if diff := differences(
            {n: getattr(point, n) for n in WEEKLY_FIELDS}, {n: getattr(want, n) for n in WEEKLY_FIELDS}
        ):
            mismatches.append((point.week_start.isoformat(), point.team, diff))
    assert mismatches == []


# -- 2. the oracle and the planted weeks ------------------------------------------------------------------


def test_the_snapshot_agrees_with_an_oracle_written_from_spec(world: World) -> None:
    """Deployments (§6.2), change failure rate (§6.1 rules, each holding from the instant it is known:
    an incident's start, a rollback's or revert's deployment), failed deployment recovery p50 and lead
    time p50/p90 (§5.2: first shipment only, squash merge's PR start, merge commits no change), computed
    in plain Python for every weekly point, every current window and the previous 90d window."""
    mismatches: list[Any] = []
    fields = (
        "deployments",
        "change_failure_rate",
        "failed_deployment_recovery_hours_p50",
        "lead_time_hours_p50",
        "lead_time_hours_p90",
    )
    for point in world.snapshot.weekly:
        end = datetime(
            point.week_start.year, point.week_start.month, point.week_start.day, tzinfo=UTC
        ) + timedelta(days=7)
        want = ORACLE.row(point.team, end, 7)
        got = {name: getattr(point, name) for name in fields}
        if diff := differences(got, {name: getattr(want, name) for name in fields}):
            mismatches.append(("week", point.week_start.isoformat(), point.team, diff))
    for snapshot in (world.snapshot, world.snapshot.previous):
        assert snapshot is not None
        for row in snapshot.metrics:
            want = ORACLE.row(row.team, snapshot.as_of, row.window_days)
            got = {name: getattr(row, name) for name in fields}
            if diff := differences(got, {name: getattr(want, name) for name in fields}):
                mismatches.append((iso(snapshot.as_of), row.window, row.team, diff))
    assert mismatches == []


def test_planted_weeks_by_hand(world: World) -> None:
    """Team checkout, quiet from 05-08 to 05-26 but for these (lead time = deployed − authored, direct
    pushes):

    Week 1 (05-11 00:00, 05-18 00:00]:
      P1 pay  05-11 10:00, authored 05-10 22:00 → 12 h   (explicitly named by an incident on 05-20)
      P2 pay  05-12 10:00, authored 06:00        →  4 h   PD incident on pay 13:00→15:00, no sha: window
      C1 cart 05-13 09:00, authored 05-12 09:00  → 24 h   rolled back by C2
      C2 cart 05-13 15:00 rollback (behind)      → no change, recovers C1 after 6 h
      T1 tax  05-14 11:00, authored 03:00        →  8 h   (reverted by R1 on 05-19)
      T2 tax  05-17 22:00, authored 20:00        →  2 h   (GitHub issue 05-18 01:00: window, next week)
      a failed attempt on pay 05-15 10:00: no deployment.
      deployments 6; failed as of 05-18 00:00: P2 (window, 13:00) and C1 (rollback, 15:00); P1's
      incident and T2's issue have not started yet, T1's revert not deployed → CFR 2/6 = 0.3333.
      Recovery [P2 15:00 − 10:00 = 5 h, C1 15:00 − 09:00 = 6 h] → p50 5.5 h.
      Lead times [2, 4, 8, 12, 24] → p50 8 h; p90 rank 0.9 × 4 = 3.6 → 12 + 0.6 × 12 = 19.2 h.
    Week 2 (05-18 00:00, 05-25 00:00]:
      R1 tax  05-19 10:00 reverts T1, authored 09:00 → 1 h
      C3 cart 05-20 09:00 re-ships C1's commit (first shipped by C1: no change) + one authored
              05-19 21:00 → 12 h
      P3 pay  05-21 14:00, authored 12:00 → 2 h; rolled back by P4 pay 05-22 10:00 → recovers in 20 h
      deployments 4 (R1, C3, P3, P4); failed: P3 → CFR 1/4 = 0.25; recovery p50 20 h.
      Lead times [1, 2, 12] → p50 2 h; p90 rank 1.8 → 2 + 0.8 × 10 = 10 h.
    Current 90d (04-01 09:30, 06-30 09:30]: P1 explicit (recovered 05-20 12:00 − 05-11 10:00 = 218 h),
    P2 window, C1 rollback, T1 revert (recovered at R1, 119 h), T2 window (recovered 05-18 03:00, 5 h),
    P3 rollback.
    """
    weekly = {(p.team, p.week_start.isoformat()): p for p in world.snapshot.weekly}
    week1 = weekly[("checkout", "2026-05-11")]
    assert week1.deployments == 6
    assert week1.change_failure_rate == pytest.approx(2 / 6)
    assert week1.failed_deployment_recovery_hours_p50 == pytest.approx(5.5)
    assert week1.lead_time_hours_p50 == pytest.approx(8.0)
    assert week1.lead_time_hours_p90 == pytest.approx(19.2)
    week2 = weekly[("checkout", "2026-05-18")]
    assert week2.deployments == 4
    assert week2.change_failure_rate == pytest.approx(0.25)
    assert week2.failed_deployment_recovery_hours_p50 == pytest.approx(20.0)
    assert week2.lead_time_hours_p50 == pytest.approx(2.0)
    assert week2.lead_time_hours_p90 == pytest.approx(10.0)
    # The CLI at the same week ends says the same.
    for end, want in ((utc(5, 18), (6, 2 / 6)), (utc(5, 25), (4, 0.25))):
        (row,) = [r for r in world.cli_weeks[end] if r["team"] == "checkout"]
        assert (row["deployments"], row["change_failure_rate"]) == (want[0], pytest.approx(want[1]))
    failed = {f.deployment_id: f for f in world.snapshot.failed_deployments}
    planted = HISTORY.planted
    expected = {
        "P1": (("explicit",), utc(5, 20, 12)),
        "P2": (("window",), utc(5, 12, 15)),
        "C1": (("rollback",), utc(5, 13, 15)),
        "T1": (("revert",), utc(5, 19, 10)),
        "T2": (("window",), utc(5, 18, 3)),
        "P3": (("rollback",), utc(5, 22, 10)),
    }
    for name, (rules, recovered) in expected.items():
        found = failed.get(planted[name].deployment_id)
        assert found is not None, name
        assert (found.rules, found.recovered_at) == (rules, recovered), name
    for name in ("C2", "R1", "C3", "P4"):
        assert planted[name].deployment_id not in failed, name


def test_planted_platform_weeks_by_hand(world: World) -> None:
    """Platform (acme/infra alone until acme/edge's first deployment on 02-17), lead time = deployed −
    authored:

      X0 2025-12-10 10:00 ships x0: before every window (the snapshot reads from 2025-12-29).
      A  PD 2025-12-20 08:00 → 2026-01-03 08:00, no sha, 10 days after X0: fails nothing.
      X1 01-02 10:00, authored 01-01 22:00 → 12 h; deployed while A is open (rework).
      B  issue 01-02 14:00 → 16:00, body names x0[:8]: explicit for X0; so no window rule for X1.
      X1b 01-05 20:00, authored 18:00 → 2 h.
      C  PD 01-06 09:00 → 11:00, names x2[:10]; x2 ships with X2 on 01-14 10:00 (authored 01-13 22:00
         → 12 h). Until then C has no explicit link: the window rule fails X1b (13 h after it, its
         service's latest deployment), recovered at 11:00 → 15 h. From 01-14 10:00 C is X2's explicit
         failure, resolved before X2 existed: no recovery (docs/metrics.md), and X1b is no longer failed.

    Week (12-29, 01-05]: X1 → deployments 1, CFR 0/1 = 0.0, recovery null, lead p50 = p90 = 12 h.
    Week (01-05, 01-12]: X1b → 1, CFR 1/1 = 1.0 (window), recovery 15 h, lead 2 h.
    Week (01-12, 01-19]: X2 → 1, CFR 1/1 = 1.0 (explicit), recovery null, lead 12 h.
    Previous 90d (01-01 09:30, 04-01 09:30]: X1b is not failed there, X2 is (explicit, unrecovered).
    """
    weekly = {p.week_start.isoformat(): p for p in world.snapshot.weekly if p.team == "platform"}
    expected = {
        "2025-12-29": (1, 0.0, None, 12.0),
        "2026-01-05": (1, 1.0, 15.0, 2.0),
        "2026-01-12": (1, 1.0, None, 12.0),
    }
    for week, (count, rate, recovery, lead) in expected.items():
        point = weekly[week]
        assert point.deployments == count, week
        assert point.change_failure_rate == pytest.approx(rate), week
        assert point.failed_deployment_recovery_hours_p50 == (
            None if recovery is None else pytest.approx(recovery)
        ), week
        assert point.lead_time_hours_p50 == pytest.approx(lead), week
        assert point.lead_time_hours_p90 == pytest.approx(lead), week
        end = datetime.fromisoformat(week).replace(tzinfo=UTC) + timedelta(days=7)
        (row,) = [r for r in world.cli_weeks[end] if r["team"] == "platform"]
        assert (row["deployments"], row["change_failure_rate"]) == (count, pytest.approx(rate)), week


# -- 3. /metrics and the team report against the CLI --------------------------------------------------------

BREAKDOWN = ("coding", "pickup", "review", "deploy")


def test_the_daemons_metrics_text_carries_the_cli_values(world: World) -> None:
    """§8.1 over the daemon's own /metrics (parsed with prometheus_client's parser): for every row of
    `doraspace metrics --format json` as of the snapshot's instant, counts and ratios as they are,
    hours × 3600 = seconds under percentile="50"|"90", null → no series at all (never NaN or 0), the
    breakdown stages in seconds, and dora_band 1 for the JSON band and 0 for the other three. No dora_*
    series belongs to a (team, window) the CLI does not print: the previous window's and the weekly
    points stay out of /metrics."""
    text = world.metrics_text
    assert "NaN" not in text and "quantile=" not in text
    found: Samples = samples(text)
    mismatches: list[Any] = []
    for row in world.cli_now:
        labels = {"team": row["team"], "window": row["window"]}
        where = (row["team"], row["window"])
        for key, family in PLAIN.items():
            got = sample(found, family, **labels)
            if not same(got, None if row[key] is None else float(row[key])):
                mismatches.append((where, key, got, row[key]))
        for key, (family, percentile_label) in DURATIONS.items():
            got = sample(found, family, **labels, percentile=percentile_label)
            if not same(got, None if row[key] is None else row[key] * HOUR):
                mismatches.append((where, key, got, row[key]))
        for stage in BREAKDOWN:
            hours = row["lead_time_breakdown_hours_p50"][stage]
            got = sample(found, "dora_lead_time_breakdown_seconds", **labels, stage=stage, percentile="50")
            if not same(got, None if hours is None else hours * HOUR):
                mismatches.append((where, stage, got, hours))
        for metric in BAND_KEYS:
            if band_state(found, row["team"], metric) != row["bands"][metric]:
                mismatches.append(
                    (where, metric, band_state(found, row["team"], metric), row["bands"][metric])
                )
    assert mismatches == []
    printed = {(row["team"], row["window"]) for row in world.cli_now}
    served = {
        (dict(labels)["team"], dict(labels)["window"])
        for (name, labels) in found
        if name.startswith("dora_") and name != "dora_band"
    }
    assert served == printed
    assert {dict(labels)["team"] for (name, labels) in found if name == "dora_band"} == set(TEAM_NAMES)


def cell_value(kind: str, cell: str) -> tuple[float, float] | None:
    """A report cell back to a number and the rounding it may carry: hours for durations, a ratio for
    percentages, per day for frequencies; None for "n/a"."""
    cell = cell.rstrip("*").strip()
    if cell == "n/a":
        return None
    if kind == "frequency":
        if cell == "none":
            return (0.0, 0.0)
        number, _, unit = cell.partition(" / ")
        days = {"day": 1, "week": 7, "month": 30}[unit]
        return (float(number) / days, 0.05 / days)
    if kind == "ratio":
        assert cell.endswith(" %"), cell
        return (float(cell[:-2]) / 100, 0.0005)
    if kind == "hours":
        number, unit = cell.split(" ")
        scale = {"min": 1 / 60, "h": 1.0, "d": 24.0}[unit]
        return (float(number) * scale, (0.5 if unit == "min" else 0.05) * scale)
    return (float(cell), 0.0)


def shows(kind: str, cell: str, value: float | None) -> bool:
    parsed = cell_value(kind, cell)
    if value is None or parsed is None:
        return value is None and parsed is None
    return abs(parsed[0] - value) <= parsed[1] + 1e-9


def plotted(page: str, div_id: str) -> list[dict[str, Any]]:
    match = re.search(rf'Plotly\.newPlot\(\s*"{div_id}",\s*(\[.*?\]),\s*\{{"template"', page, re.S)
    assert match, div_id
    data: list[dict[str, Any]] = json.loads(match.group(1))
    return data


def test_the_team_report_shows_the_cli_numbers_failures_and_attempts(world: World) -> None:
    """§8.3 for team checkout, page served by the daemon: the five metrics per window (and
    Deployments, lead time p90) equal the CLI's JSON as of the same instant, formatting aside (the
    recovery cell marked "*" where it is the time-to-restore fallback of §6.3); the bands equal the JSON
    bands; the "Previous 90d" column equals the CLI as of 2026-04-01 09:30; the incidents and breakdown
    tables equal the JSON; the weekly deployments and change failure rate charts equal the CLI at each
    week's end; the failed deployments listed are the oracle's (SPEC §6.1: rules, incidents, recovery)
    and their count is CFR × deployments of the 90d row; the failed attempts are the generated ones."""
    page = world.report
    now = by_team_window(world.cli_now)
    before = by_team_window(world.cli_previous)[("checkout", "90d")]
    rows = [now[("checkout", window)] for window in WINDOWS]
    table = table_rows(section(page, "metrics"))
    recovery_shown = [
        row["failed_deployment_recovery_hours_p50"]
        if row["failed_deployment_recovery_hours_p50"] is not None
        else row["time_to_restore_hours_p50"]
        for row in rows
    ]
    checks: dict[str, tuple[str, list[float | None], float | None, str | None]] = {
        "Deployment frequency": (
            "frequency",
            [r["deployment_frequency_per_day"] for r in rows],
            before["deployment_frequency_per_day"],
            "deployment_frequency",
        ),
        "Lead time for changes (p50)": (
            "hours",
            [r["lead_time_hours_p50"] for r in rows],
            before["lead_time_hours_p50"],
            "lead_time",
        ),
        "Lead time for changes (p90)": ("hours", [r["lead_time_hours_p90"] for r in rows], None, None),
        "Change failure rate": (
            "ratio",
            [r["change_failure_rate"] for r in rows],
            before["change_failure_rate"],
            "change_failure_rate",
        ),
        "Failed deployment recovery (p50)": (
            "hours",
            recovery_shown,
            before["failed_deployment_recovery_hours_p50"] or before["time_to_restore_hours_p50"],
            "recovery",
        ),
        "Rework rate": ("ratio", [r["rework_rate"] for r in rows], before["rework_rate"], None),
    }
    wrong: list[Any] = []
    for title, (kind, values, previous, band) in checks.items():
        cells = num_cells(table[title])
        for window, cell, value in zip(WINDOWS, cells[:3], values, strict=True):
            if not shows(kind, cell, value):
                wrong.append((title, window, cell, value))
        if previous is not None and not shows(kind, cells[3], previous):
            wrong.append((title, "previous 90d", cells[3], previous))
        if band is not None and band_of(table[title]) != rows[2]["bands"][band]:
            wrong.append((title, "band", band_of(table[title]), rows[2]["bands"][band]))
    for row, cell in zip(rows, num_cells(table["Failed deployment recovery (p50)"])[:3], strict=True):
        fallback = (
            row["failed_deployment_recovery_hours_p50"] is None
            and row["time_to_restore_hours_p50"] is not None
        )
        if cell.endswith("*") != fallback:
            wrong.append(("recovery fallback mark", row["window"], cell))
    if num_cells(table["Deployments"])[:3] != [str(r["deployments"]) for r in rows]:
        wrong.append(("Deployments", num_cells(table["Deployments"])[:3]))
    incidents = table_rows(section(page, "incidents"))
    for row in rows:
        count, p50, p90 = num_cells(incidents[row["window"]])
        if (
            count != str(row["incidents"])
            or not shows("hours", p50, row["time_to_restore_hours_p50"])
            or not shows("hours", p90, row["time_to_restore_hours_p90"])
        ):
            wrong.append(("incidents", row["window"], (count, p50, p90)))
    breakdown = table_rows(section(page, "breakdown"))
    for stage in BREAKDOWN:
        for row, cell in zip(rows, num_cells(breakdown[stage.capitalize()]), strict=True):
            if not shows("hours", cell, row["lead_time_breakdown_hours_p50"][stage]):
                wrong.append(("breakdown", stage, row["window"], cell))
    assert wrong == []

    # Weekly charts against the CLI at each week's end.
    ends = week_ends(AS_OF, WEEKS)
    weekly = [next(r for r in world.cli_weeks[end] if r["team"] == "checkout") for end in ends]
    (bars,) = plotted(page, "chart-deployments")
    assert bars["x"] == [(end - timedelta(days=7)).date().isoformat() for end in ends]
    assert bars["y"] == [r["deployments"] for r in weekly]
    (rates,) = plotted(page, "chart-cfr")
    assert [
        same(a, b) for a, b in zip(rates["y"], [r["change_failure_rate"] for r in weekly], strict=True)
    ] == [True] * WEEKS

    # Failed deployments: the oracle's, for checkout's 90 days, newest first.
    failed = section(page, "failed")
    expected = ORACLE.row("checkout", AS_OF, 90).failed
    ninety = rows[2]
    assert len(expected) == round(ninety["change_failure_rate"] * ninety["deployments"])
    assert f"{len(expected)} failed deployments in the last 90 days" in failed
    body = re.findall(r"<tbody>(.*?)</tbody>", failed, re.S)
    listed = [re.findall(r"<td>(.*?)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", body[0], re.S)]
    by_id = {d.deployment_id: d for d in HISTORY.counted()}
    order = sorted(expected, key=lambda i: (by_id[i].deployed_at, by_id[i].repo, i), reverse=True)
    assert [int(cells[2]) for cells in listed] == order
    for cells, deployment_id in zip(listed, order, strict=True):
        rules, incident_keys, recovered = expected[deployment_id]
        deployment = by_id[deployment_id]
        assert deployment.deployed_at is not None
        assert cells[0] == deployment.deployed_at.strftime("%Y-%m-%d %H:%M UTC")
        assert cells[1] == f"<code>{deployment.repo}</code>"
        assert cells[3] == ", ".join(rules), deployment_id
        assert sorted(cells[4].split(", ")) == (sorted(incident_keys) or ["none"]), deployment_id
        if recovered is None:
            assert cells[5] == "not yet", deployment_id
        else:
            assert shows("hours", cells[5], (recovered - deployment.deployed_at).total_seconds() / HOUR), (
                deployment_id,
                cells[5],
            )
    # Failed attempts (§5.1): shown, newest first, counted nowhere.
    attempts = sorted(
        (
            a
            for a in HISTORY.attempts()
            if team_of(a.repo) == "checkout" and AS_OF - timedelta(days=90) < a.created_at <= AS_OF
        ),
        key=lambda a: (a.created_at, a.repo, a.deployment_id),
        reverse=True,
    )
    assert attempts, "the history has failed attempts of checkout in the last 90 days"
    shown = failed.split("<h3>Failed attempts</h3>")[1]
    listed = [re.findall(r"<td>(.*?)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", shown, re.S)][1:]
    listed = [cells for cells in listed if cells]
    assert [(cells[0], cells[1], int(cells[2]), cells[3]) for cells in listed] == [
        (a.created_at.strftime("%Y-%m-%d %H:%M UTC"), f"<code>{a.repo}</code>", a.deployment_id, a.last_state)
        for a in attempts
    ]
    # The index shows checkout's bands as the JSON has them.
    index_row = next(html for name, html in table_rows(world.report_index).items() if ">checkout<" in name)
    cells = re.findall(r"<td>(.*?)</td>", index_row, re.S)
    assert [band_of(cell) for cell in cells] == [ninety["bands"][key] for key in BAND_KEYS]
