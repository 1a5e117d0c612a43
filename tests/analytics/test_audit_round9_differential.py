"""Audit, round 9: a differential test of the DORA metrics against an independent reference.

The reference below is a small, plain-Python reading of SPEC §5.2 (changes, a change's start, lead time),
§6.1 (the four failure rules) and §6.2 (every metric of a team and window), with the readings that
docs/metrics.md has already taken: deployments ordered by deployed_at then id; a commit is a change only of
the first deployment that ships it, the first deployment of the history shipping its own commit and its
ancestors; an incident's text lower-cased and split on every character outside ``[0-9a-z]``, its words
of 7–40 hex characters read as sha prefixes; rule 3 as "a later deployment of the same repository ships,
as one of its changes, a commit whose message says ``This reverts commit <sha>``"; rule 4's "latest
deployment of the service" (several repositories of one service: the repository name last in code-point
order breaks a tie of instants); recovery "among those not before F"; an incident open from its start
(inclusive) to its resolution (exclusive), never open if resolved at or before its start; percentile_cont;
null for a ratio or percentile over nothing, 0 for a count; the organisation row ``"*"``. It imports no
analytics code: only the fact builder of the tests.

Seeded random small worlds (2–3 teams, 1–3 repos each, two repos of a team sometimes one service;
5–15 deployments a repo on a 6-hour grid so that instants tie; git histories as DAGs with ahead, rollback
(``behind``), redeploy (``identical``), hotfix branches deployed then merged (``diverged``) and a few
``unknown`` compares; squash, rebase and merge-commit PRs with labels and reviews; revert commits naming
earlier commits by a 6–40 character prefix; PagerDuty (owned, unowned, SRE-only, uncollected) and
GitHub-issue incidents naming a 7–12 character sha prefix or nothing; staging deployments and failed
attempts as noise; as_of and attribution window varied) are written with ``tests/analytics/facts.py``;
every row of
``compute_metrics`` (what ``doraspace metrics`` runs) for windows 7d, 30d and 90d is compared with the
reference, field by field (floats to 1e-9 relative): 20 seeds, 240 rows of 12 fields (the breakdown and
the bands compared as whole objects); 650 seeds agreed when the module was written.

Disagreements met while writing it, and how they were resolved:

* The harness's ``Facts.commit`` writes made-up parents; the product follows ``commits.parent_shas`` to
  tell the first deployment's ancestors in a later listing. The worlds write each commit's real parents
  (the reference was right, the facts were not).
* Reference fixed: a PR is deployed by the deployment that *first shipped* its merge commit; it is not
  "unknown" merely because a later deployment of unknown changes has it among its ancestors.
* Disagreements found, each kept as one minimal scenario at the end of the module: a PR merged before
  the first deployment's own commit, listed again after a rollback past the start, is that deployment's
  PR (the round-6 reading, which the reference now follows; the random worlds generate it); two known
  limits (docs/metrics.md; strict xfails): that relisting counts also as of before it happened (seed 74),
  and a forward step after a rollback past the start, short of the first deployment's commit, counts that
  deployment's ancestors as new changes (left out of the random worlds).
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, Table

from analytics.metrics import compute_metrics
from analytics.ownership import PagerDutyScope, RepoScope
from analytics.settings import AnalyticsSettings
from analytics.windows import WindowSpec
from store import schema
from store.timeutil import to_db
from store.upsert import upsert
from tests.analytics.facts import Facts, Review, add_incident, add_label, sha

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
GRID = timedelta(hours=6)
AW = timedelta(hours=24)
WINDOW_DAYS = (7, 30, 90)
REWORK_LABELS = ("hotfix", "rollback", "revert", "incident")
LABELS = ("hotfix", "HotFix", "revert", "Incident", "feature", "bug", "chore")
SOURCE, ENV = "deployments", "production"
REVERT = "This reverts commit "


# -- the world --------------------------------------------------------------------------------------------


@dataclass
class Commit:
    sha: str
    author_date: datetime
    parents: int = 1
    message: str = ""
    parent_shas: tuple[str, ...] = ()  # filled when the commit joins main's history


@dataclass
class Dep:
    repo: str
    id: int
    deployed_at: datetime | None  # None: a failed attempt
    sha: str
    status: str  # first | unknown | ahead | diverged | behind | identical
    listed: list[str] = field(default_factory=list)  # the compare's commits (ahead, diverged)
    own: list[str] = field(default_factory=list)  # first, unknown: its sha and its ancestors
    environment: str = ENV


@dataclass
class PR:
    repo: str
    number: int
    created_at: datetime
    merged_at: datetime
    merge_sha: str
    commit_dates: list[datetime]
    reviews: list[tuple[str, datetime, str]]
    labels: list[str]
    kind: str  # squash | rebase | merge
    author: str = "alice"

    @property
    def commit_shas(self) -> list[str]:
        return [f"pr{self.number}-c{i}" for i in range(len(self.commit_dates))]


@dataclass
class Inc:
    source: str  # pagerduty | github
    id: str
    service: str  # PagerDuty service id, or the repo of a GitHub issue
    title: str
    description: str | None
    started: datetime
    resolved: datetime | None


@dataclass
class World:
    repos: dict[str, tuple[str, str]]  # repo → (team, service)
    pagerduty: dict[str, tuple[str, tuple[str, ...]]]  # service id → (team, services)
    commits: dict[tuple[str, str], Commit] = field(default_factory=dict)
    deps: list[Dep] = field(default_factory=list)
    prs: list[PR] = field(default_factory=list)
    incidents: list[Inc] = field(default_factory=list)
    as_of: datetime = AS_OF
    aw: timedelta = AW  # incidents.attribution_window
    next_id: int = 1000


# -- the reference ----------------------------------------------------------------------------------------


def hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def percentile_cont(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


HEX = re.compile(r"^[0-9a-f]+$")


def hex_words(text: str) -> list[str]:
    return [w for w in re.split(r"[^0-9a-z]+", text.lower()) if 7 <= len(w) <= 40 and HEX.match(w)]


def reverted_prefixes(message: str) -> list[str]:
    found = []
    for piece in message.split(REVERT)[1:]:
        run = re.match(r"[0-9a-f]{1,40}", piece)
        if run and len(run.group()) >= 7:
            found.append(run.group())
    return found


def band(value: float | None, edges: tuple[float, float, float], higher_is_better: bool, strict: bool) -> Any:
    if value is None:
        return None
    for name, edge in zip(("elite", "high", "medium"), edges, strict=True):
        if higher_is_better and value >= edge:
            return name
        if not higher_is_better and (value < edge if strict else value <= edge):
            return name
    return "low"


def reference(world: World, as_of: datetime) -> dict[tuple[str, str], dict[str, Any]]:
    """Every row (team, window) → its metrics, from SPEC §5.2/§6 and docs/metrics.md alone."""
    deps = sorted(
        (d for d in world.deps if d.environment == ENV and d.deployed_at and d.deployed_at <= as_of),
        key=lambda d: (d.repo, d.deployed_at, d.id),
    )
    by_repo: dict[str, list[Dep]] = {}
    for d in deps:
        by_repo.setdefault(d.repo, []).append(d)
    prs = {(p.repo, p.merge_sha): p for p in world.prs if p.merged_at <= as_of}

    # §5.2 changes, first shipment wins; previous deployment; order index.
    changes: dict[int, list[str]] = {}
    previous: dict[int, Dep] = {}
    order: dict[int, int] = {}
    change_owner: dict[tuple[str, str], Dep] = {}
    first_shipper: dict[tuple[str, str], Dep] = {}  # every commit shipped, changes or not
    for repo, chain in by_repo.items():
        shipped: set[str] = set()
        for index, d in enumerate(chain):
            order[d.id] = index
            if index:
                previous[d.id] = chain[index - 1]
            mine = []
            for c in d.own if d.status in ("first", "unknown") else d.listed:
                first_shipper.setdefault((repo, c), d)
            if d.status in ("first", "unknown"):
                shipped |= set(d.own)  # its own commit and its ancestors, never changes of a later one
            elif d.status in ("ahead", "diverged"):
                for c in d.listed:
                    if world.commits[(repo, c)].parents <= 1 and c not in shipped:
                        mine.append(c)
                        change_owner[(repo, c)] = d
                shipped |= set(d.listed)
            changes[d.id] = mine

    def start(repo: str, c: str) -> datetime:
        pr = prs.get((repo, c))
        if pr is not None and pr.commit_dates:
            return min(pr.commit_dates)
        return world.commits[(repo, c)].author_date

    # Incidents in scope, as of as_of.
    incidents = []
    for inc in world.incidents:
        if inc.started > as_of:
            continue
        if inc.source == "pagerduty" and inc.service in world.pagerduty:
            team, services = world.pagerduty[inc.service]
        elif inc.source == "github" and inc.service in world.repos:
            team, services = world.repos[inc.service][0], (world.repos[inc.service][1],)
        else:
            continue
        resolved = inc.resolved if inc.resolved is not None and inc.resolved <= as_of else None
        incidents.append((inc, team, services, resolved))

    failed: dict[int, list[datetime]] = {}  # deployment id → recovery candidates

    def fail(d: Dep, recovery: datetime | None) -> None:
        failed.setdefault(d.id, [])
        if recovery is not None and recovery >= d.deployed_at:
            failed[d.id].append(recovery)

    # Rule 1 explicit, rule 4 window.
    for inc, _team, services, resolved in incidents:
        text = f"{inc.title}\n{inc.description or ''}"
        linked = {
            change_owner[key].id: change_owner[key]
            for word in hex_words(text)
            for key in change_owner
            if key[1].startswith(word)
        }
        for d in linked.values():
            fail(d, resolved)
        if linked:
            continue
        for service in services:
            before = [d for d in deps if world.repos[d.repo][1] == service and d.deployed_at < inc.started]
            if not before:
                continue
            latest = max(before, key=lambda d: (d.deployed_at, d.repo, d.id))
            if inc.started - latest.deployed_at <= world.aw:
                fail(latest, resolved)

    # Rule 2 rollback (by a later deployment: one compared behind a deployment of its own instant is no
    # rollback, docs/metrics.md), rule 3 revert.
    def rollback(d: Dep) -> bool:
        return d.status == "behind" and not (d.id in previous and previous[d.id].deployed_at == d.deployed_at)

    for d in deps:
        if rollback(d) and d.id in previous:
            fail(previous[d.id], d.deployed_at)
        for c in changes[d.id]:
            for prefix in reverted_prefixes(world.commits[(d.repo, c)].message):
                for (repo, target), owner in change_owner.items():
                    if repo == d.repo and target.startswith(prefix) and order[owner.id] < order[d.id]:
                        fail(owner, d.deployed_at)

    # Rework.
    labelled: set[tuple[str, str]] = set()
    for pr in prs.values():
        if any(label.lower() in REWORK_LABELS for label in pr.labels):
            labelled.add((pr.repo, pr.merge_sha))
            labelled.update((pr.repo, s) for s in pr.commit_shas)

    def rework(d: Dep) -> bool:
        if rollback(d):
            return True
        for c in changes[d.id]:
            if REVERT in world.commits[(d.repo, c)].message or (d.repo, c) in labelled:
                return True
        service = world.repos[d.repo][1]
        for inc, _team, services, resolved in incidents:
            if service not in services or (resolved is not None and resolved <= inc.started):
                continue
            if inc.started <= d.deployed_at and (resolved is None or d.deployed_at < resolved):
                return True
        return False

    # Lead-time breakdown: PRs and the deployment that deployed them.
    # A PR is deployed by the deployment that first shipped its merge commit. The first deployment of the
    # history ships the PR at its own commit, and those before it that a later compare lists again (after
    # a rollback past it) — SPEC §5.2 "the PRs it ships have no deploy stage"; until then they are
    # unknown, as are the PRs of a deployment whose compare GitHub could not answer: deployed by nobody.
    relisted = {(d.repo, c) for d in deps if d.status not in ("first", "unknown") for c in d.listed}
    deployed_by: dict[tuple[str, int], Dep] = {}
    for pr in prs.values():
        d = first_shipper.get((pr.repo, pr.merge_sha))
        if d is not None and (
            d.status in ("ahead", "diverged")
            or (d.status == "first" and (d.sha == pr.merge_sha or (pr.repo, pr.merge_sha) in relisted))
        ):
            deployed_by[(pr.repo, pr.number)] = d

    teams = sorted({t for t, _ in world.repos.values()} | {t for t, _ in world.pagerduty.values()})
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for team in ["*", *teams]:

        def mine(t: str, team: str = team) -> bool:
            return team == "*" or t == team

        for days in WINDOW_DAYS:
            lo = as_of - timedelta(days=days)

            def inside(t: datetime | None, lo: datetime = lo) -> bool:
                return t is not None and lo < t <= as_of

            window_deps = [d for d in deps if mine(world.repos[d.repo][0]) and inside(d.deployed_at)]
            n = len(window_deps)
            leads = [
                hours(d.deployed_at - start(d.repo, c))
                for d in window_deps
                for c in changes[d.id]
                if d.deployed_at > start(d.repo, c)
            ]
            failed_here = [d for d in window_deps if d.id in failed]
            recoveries = [hours(min(failed[d.id]) - d.deployed_at) for d in failed_here if failed[d.id]]
            ttr = [
                hours(resolved - inc.started)
                for inc, t, _s, resolved in incidents
                if mine(t) and inside(resolved)
            ]
            stages: dict[str, list[float]] = {"coding": [], "pickup": [], "review": [], "deploy": []}
            for pr in prs.values():
                d = deployed_by.get((pr.repo, pr.number))
                if d is None or not mine(world.repos[pr.repo][0]) or not inside(d.deployed_at):
                    continue
                values: dict[str, timedelta | None] = {
                    "deploy": None if d.status == "first" else d.deployed_at - pr.merged_at
                }
                values["coding"] = pr.created_at - min(pr.commit_dates) if pr.commit_dates else None
                reviews = [
                    at
                    for who, at, state in pr.reviews
                    if who != pr.author and state != "PENDING" and at <= pr.merged_at
                ]
                if reviews:
                    values["pickup"] = min(reviews) - pr.created_at
                    values["review"] = pr.merged_at - min(reviews)
                for stage, value in values.items():
                    if value is not None and value >= timedelta(0):
                        stages[stage].append(hours(value))
            rows[(team, f"{days}d")] = {
                "deployments": n,
                "deployment_frequency_per_day": n / days,
                "lead_time_hours_p50": percentile_cont(leads, 0.5),
                "lead_time_hours_p90": percentile_cont(leads, 0.9),
                "change_failure_rate": len(failed_here) / n if n else None,
                "failed_deployment_recovery_hours_p50": percentile_cont(recoveries, 0.5),
                "time_to_restore_hours_p50": percentile_cont(ttr, 0.5),
                "time_to_restore_hours_p90": percentile_cont(ttr, 0.9),
                "incidents": sum(1 for inc, t, _s, _r in incidents if mine(t) and inside(inc.started)),
                "rework_rate": sum(1 for d in window_deps if rework(d)) / n if n else None,
                "lead_time_breakdown_hours_p50": {k: percentile_cont(v, 0.5) for k, v in stages.items()},
            }
        longest = rows[(team, "90d")]
        recovery = longest["failed_deployment_recovery_hours_p50"]
        if recovery is None:
            recovery = longest["time_to_restore_hours_p50"]
        bands = {
            "deployment_frequency": band(
                longest["deployment_frequency_per_day"], (1, 1 / 7, 1 / 30), True, False
            ),
            "lead_time": band(longest["lead_time_hours_p50"], (24, 168, 720), False, True),
            "change_failure_rate": band(longest["change_failure_rate"], (0.05, 0.10, 0.15), False, False),
            "recovery": band(recovery, (1, 24, 168), False, True),
        }
        for days in WINDOW_DAYS:
            rows[(team, f"{days}d")]["bands"] = bands
    return rows


# -- the random worlds ------------------------------------------------------------------------------------


def grid(rng: random.Random, lo: int, hi: int) -> timedelta:
    return GRID * rng.randint(lo, hi)


def generate(seed: int) -> World:
    rng = random.Random(seed)
    team_names = rng.sample(["billing", "orders", "search", "infra"], rng.randint(2, 3))
    repos: dict[str, tuple[str, str]] = {}
    pagerduty: dict[str, tuple[str, tuple[str, ...]]] = {}
    for t_index, team in enumerate(team_names):
        names = [f"acme/{team}-{k}" for k in rng.sample("abcz", rng.randint(1, 3))]
        shared = len(names) > 1 and rng.random() < 0.4  # two repos of one Backstage component
        for k, name in enumerate(names):
            repos[name] = (team, f"{team}-svc" if shared and k < 2 else name)
        services = tuple(sorted({svc for n, (t, svc) in repos.items() if t == team}))
        pagerduty[f"P{t_index}"] = (team, services if rng.random() < 0.8 else services[:1])
    if rng.random() < 0.4:
        pagerduty["PU"] = ("unowned", ())  # a service_ids service nobody owns
    if rng.random() < 0.3:
        pagerduty["PS"] = ("sre", ())  # a team owning a PagerDuty service only
    world = World(repos=repos, pagerduty=pagerduty)
    world.as_of = AS_OF - GRID * rng.choice([0, 0, 1, 3, 4])
    world.aw = rng.choice([AW, AW, GRID * 2, AW * 2])
    for repo in sorted(repos):
        Repo(rng, world, repo, seed).deploy_all()
    add_incidents(rng, world)
    return world


class Repo:
    """One repository's git history (a DAG: main, merged PRs, hotfix branches) and its deployments, each
    compared with the previous one as GitHub's compare would: ``identical``, ``ahead``, ``behind`` or
    ``diverged``, listing the commits reachable from the deployed sha and not from the previous one."""

    def __init__(self, rng: random.Random, world: World, repo: str, seed: int) -> None:
        self.rng, self.world, self.repo, self.seed = rng, world, repo, seed
        self.created: list[str] = []  # creation order: the order compares list commits in
        self.main: list[str] = []  # first-parent chain of main

    def commit(self, when: datetime, message: str, parents: tuple[str, ...], name: str | None = None) -> str:
        sha_ = name or sha(f"{self.seed}-{self.repo}-{len(self.created)}")
        self.world.commits[(self.repo, sha_)] = Commit(sha_, when, len(parents) or 1, message, parents)
        self.created.append(sha_)
        return sha_

    def ancestors(self, tip: str) -> set[str]:
        seen, stack = set(), [tip]
        while stack:
            c = stack.pop()
            if c not in seen:
                seen.add(c)
                stack.extend(self.world.commits[(self.repo, c)].parent_shas)
        return seen

    def deploy_all(self) -> None:
        rng = self.rng
        span = rng.choice([9, 32, 95])
        times = sorted(AS_OF - grid(rng, -8, span * 4) for _ in range(rng.randint(5, 15)))
        for _ in range(rng.randint(1, 3)):
            self.main.append(self.commit(times[0] - grid(rng, 1, 20), "", tuple(self.main[-1:])))
        if rng.random() < 0.4:
            # The first deployment's own commit merged a PR.
            self.unit(times[0], "squash")
        elif rng.random() < 0.3:
            # A PR merged before the first deployment's own commit: unknown, also when a rollback past
            # the start lists it again (test_first_deployments_older_pr_relisted_... below).
            self.unit(times[0] - grid(rng, 2, 6), "squash")
            self.main.append(self.plain(times[0], self.main[-1]))
        first_sha = self.main[-1]
        own = self.ancestors(first_sha)
        self.world.deps.append(Dep(self.repo, self.next_id(), times[0], first_sha, "first", own=sorted(own)))
        current, deployed, hotfixes = first_sha, [first_sha], []
        unlisted = [(first_sha, own)]  # first and unknown compares: own sha, its ancestors
        listed_before: set[str] = set()
        for t in times[1:]:
            action = rng.choices(
                ["main", "hotfix", "merge", "rollback", "identical", "old"], [45, 12, 8, 15, 10, 10]
            )[0]
            target = current
            if action == "main" or (action == "merge" and not hotfixes):
                for _ in range(rng.randint(1, 3)):
                    self.unit(t)
                target = self.main[-1]
            elif action == "hotfix":
                target = current
                for _ in range(rng.randint(1, 2)):
                    target = self.plain(t, target)
                hotfixes.append(target)
            elif action == "merge":
                branch = hotfixes.pop(rng.randrange(len(hotfixes)))
                self.main.append(self.commit(t - grid(rng, 0, 4), "Merge hotfix", (self.main[-1], branch)))
                target = self.main[-1]
            elif action == "rollback":
                older = sorted(self.ancestors(current) - {current}, key=self.created.index)
                earlier = [c for c in deployed if c in older]
                if older:
                    target = rng.choice(earlier if earlier and rng.random() < 0.6 else older)
            elif action == "old":
                target = rng.choice(self.main)
            status, listed = self.compare(current, target)
            if any((set(listed) & mine) - listed_before and head not in listed for head, mine in unlisted):
                # Not generated: a listing of commits that only a deployment of unknown changes shipped
                # (main rolled back past it), without that deployment's own commit: SPEC's "no earlier
                # deployment shipped" and the product part there (test_forward_after_a_rollback_past_
                # the_start_short_of_the_first_commit_has_no_changes, below).
                target, (status, listed) = current, ("identical", [])
            own_ = []
            if status not in ("identical", "behind") and rng.random() < 0.08:
                status, listed, own_ = "unknown", [], sorted(self.ancestors(target))  # GitHub could not
                unlisted.append((target, set(own_)))
            listed_before |= set(listed)
            self.world.deps.append(Dep(self.repo, self.next_id(), t, target, status, listed=listed, own=own_))
            current = target
            deployed.append(target)
        for _ in range(rng.choice([0, 0, 1, 2])):  # noise: staging, and a failed production attempt
            c = rng.choice(self.created)
            self.world.deps.append(
                Dep(self.repo, self.next_id(), rng.choice(times), c, "ahead", [c], environment="staging")
            )
            self.world.deps.append(Dep(self.repo, self.next_id(), None, c, "ahead"))

    def next_id(self) -> int:
        self.world.next_id += 1
        return self.world.next_id

    def compare(self, base: str, head: str) -> tuple[str, list[str]]:
        if base == head:
            return "identical", []
        mine, theirs = self.ancestors(head), self.ancestors(base)
        if head in theirs:
            return "behind", []
        listed = [c for c in self.created if c in mine and c not in theirs]
        return ("ahead" if base in mine else "diverged"), listed

    def plain(self, t: datetime, parent: str) -> str:
        """A direct commit on ``parent``, sometimes a revert of an earlier commit (a prefix of its sha)."""
        rng = self.rng
        message = f"change {len(self.created)}"
        if rng.random() < 0.35:
            pool = [c for c in self.created if HEX.match(c)]
            if not pool or rng.random() < 0.15:
                pool = [c for (_r, c) in self.world.commits if HEX.match(c) and len(c) == 40]
            named = rng.choice(pool)[: rng.choice([6, 7, 9, 12, 40])]
            message = rng.choice(
                [
                    f'Revert "x"\n\n{REVERT}{named}.',
                    f'Revert "x"\n\n{REVERT}{named}.',
                    f"Squashed reverts\n\n{REVERT}{rng.choice(pool)[:10]}.\n{REVERT}{named}.",
                    f'Revert "x"\n\n{REVERT.lower()}{named}.',  # not as git revert writes it
                ]
            )
        return self.commit(t - grid(rng, -1, 10), message, (parent,))

    def unit(self, t: datetime, kind: str | None = None) -> None:
        """One plain commit on main, or one merged PR (squash, rebase or merge commit)."""
        rng = self.rng
        kind = kind or rng.choice(["plain", "plain", "squash", "rebase", "merge"])
        if kind == "plain":
            self.main.append(self.plain(t, self.main[-1]))
            return
        when = t - grid(rng, 0, 8)
        number = len(self.world.prs) + 1
        created = when - grid(rng, 0, 8)
        dates = [created - grid(rng, -1, 6) for _ in range(rng.randint(1, 3))]
        reviews = [
            (
                rng.choice(["alice", "bob", "carol"]),
                created + grid(rng, 0, 10),
                rng.choice(["APPROVED", "COMMENTED", "PENDING", "CHANGES_REQUESTED"]),
            )
            for _ in range(rng.randint(0, 2))
        ]
        labels = rng.sample(LABELS, rng.randint(0, 2))
        base = self.main[-1]
        if kind == "squash":
            merge = self.commit(when, f"squash #{number}", (base,))
        elif kind == "rebase":
            rebased = self.commit(dates[0], f"rebased #{number}", (base,))
            merge = self.commit(dates[-1], f"rebased #{number} last", (rebased,))
            self.main.append(rebased)
        else:
            tip = base
            for i, d in enumerate(dates):
                tip = self.commit(d, f"work {i}", (tip,), name=f"pr{number}-c{i}")
            merge = self.commit(when, f"Merge #{number}", (base, tip))
        self.main.append(merge)
        self.world.prs.append(PR(self.repo, number, created, when, merge, dates, reviews, labels, kind))


def add_incidents(rng: random.Random, world: World) -> None:
    hexes = [c for (_r, c) in world.commits if HEX.match(c) and len(c) == 40]
    services = [*world.pagerduty, "PX"]  # PX: a PagerDuty service nobody collects
    for k in range(rng.randint(3, 10)):
        if rng.random() < 0.6:
            source, service = "pagerduty", rng.choice(services)
        else:
            source, service = "github", rng.choice(sorted(world.repos))
        instants = [d.deployed_at for d in world.deps if d.deployed_at]
        base = rng.choice(instants) if rng.random() < 0.8 else AS_OF - grid(rng, 0, 40)
        started = base + grid(rng, -2, 6)
        resolved = rng.choice([None, started + grid(rng, -1, 12), started + grid(rng, 0, 3), AS_OF + GRID])
        title, description = "checkout errors", None
        roll = rng.random()
        if roll < 0.45:
            named = rng.choice(hexes)[: rng.randint(7, 12)]
            named = named.upper() if rng.random() < 0.2 else named
            phrase = rng.choice(
                [
                    f"root cause: {named}",
                    f"bad deploy ({named})",
                    f"deploy_{named}",  # "_" splits words
                    f"x{named}",  # not a hex word
                    f"{rng.choice(hexes)}ab",  # 42 hex digits: not a sha prefix of 7-40
                    named,
                ]
            )
            if rng.random() < 0.5:
                title = phrase
            else:
                description = f"see\n{phrase}."
        elif roll < 0.55:
            description = f"hash {rng.getrandbits(40):010x}"
        world.incidents.append(Inc(source, f"I{k}", service, title, description, started, resolved))


# -- writing the world and running the product -----------------------------------------------------------


class BufferedFacts(Facts):
    """The fact builder, its rows kept and written one transaction per table (the time budget)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.pending: dict[Table, list[dict[str, object]]] = {}
        with engine.begin() as conn:  # a fresh store, without opening one per world (the time budget)
            for table in reversed(schema.metadata.sorted_tables):
                if table.name != "schema_migrations":
                    conn.execute(table.delete())

    def _write_all(self, table: Table, rows: list[dict[str, object]]) -> None:
        self.pending.setdefault(table, []).extend(rows)

    def flush(self) -> None:
        with self.engine.begin() as conn:
            for table, rows in self.pending.items():
                if rows:
                    upsert(conn, table, rows)
        self.pending.clear()


def write(world: World, engine: Engine) -> Facts:
    facts = BufferedFacts(engine)
    for (repo, _sha), c in sorted(world.commits.items()):
        # As ``Facts.commit`` writes it, with the real parents: the product follows them to tell the
        # first deployment's own commits when main, rolled back past it, moves forward again.
        facts._write(
            schema.commits,
            {
                "repo": repo,
                "sha": c.sha,
                "parent_shas": " ".join(c.parent_shas),
                "parent_count": c.parents,
                "author_date": to_db(c.author_date),
                "committed_date": to_db(c.author_date),
                "message": c.message or f"commit {c.sha}",
            },
        )
    for d in sorted(world.deps, key=lambda d: (d.deployed_at or AS_OF, d.id)):
        facts.deployment(
            d.deployed_at,
            sha=d.sha,
            ships=d.listed,
            compare=d.status,
            repo=d.repo,
            environment=d.environment,
            deployment_id=d.id,
        )
    for pr in world.prs:
        facts.pull_request(
            pr.number,
            created_at=pr.created_at,
            merged_at=pr.merged_at,
            merge_commit_sha=pr.merge_sha,
            commit_dates=pr.commit_dates,
            reviews=[Review(who, at, state) for who, at, state in pr.reviews],
            author=pr.author,
            repo=pr.repo,
        )
        for label in pr.labels:
            add_label(facts, pr.number, label, repo=pr.repo)
    for inc in world.incidents:
        add_incident(
            facts,
            inc.id,
            inc.started,
            resolved_at=inc.resolved,
            source=inc.source,
            service=inc.service,
            title=inc.title,
            description=inc.description,
        )
    facts.flush()
    return facts


def product(world: World, facts: Facts, as_of: datetime) -> dict[tuple[str, str], dict[str, Any]]:
    windows = tuple(WindowSpec(f"{d}d", d) for d in WINDOW_DAYS)
    settings = AnalyticsSettings(
        windows=windows, attribution_window=world.aw, benchmarks="dora-2023", rework_labels=REWORK_LABELS
    )
    scopes = [
        RepoScope(repo=r, team=t, source=SOURCE, environment=ENV, service=s)
        for r, (t, s) in sorted(world.repos.items())
    ]
    pd = [PagerDutyScope(sid, t, services) for sid, (t, services) in sorted(world.pagerduty.items())]
    result = compute_metrics(facts.engine, scopes, windows, as_of, pagerduty_scopes=pd, settings=settings)
    return {(row.team, row.window): row.to_json_dict() for row in result.rows}


def close(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, float) or isinstance(b, float):
        numbers = isinstance(a, int | float) and isinstance(b, int | float)
        return numbers and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b and type(a) is type(b)


def differences(world: World, as_of: datetime, engine: Engine) -> tuple[int, list[str]]:
    want = reference(world, as_of)
    got = product(world, write(world, engine), as_of)
    diffs = []
    if sorted(want) != sorted(got):
        diffs.append(f"rows: reference {sorted(want)} product {sorted(got)}")
    for key in sorted(set(want) & set(got)):
        for name, value in want[key].items():
            if not close(value, got[key][name]):
                diffs.append(f"{key} {name}: reference {value!r} product {got[key][name]!r}")
    return len(want), diffs


SEEDS = list(range(20))


@pytest.fixture(scope="module")
def engine() -> Engine:
    """One in-memory DuckDB store for the module, emptied before each world."""
    return Facts.in_memory().engine


@pytest.mark.parametrize("seed", SEEDS)
def test_random_world_matches_the_reference(seed: int, engine: Engine) -> None:
    world = generate(seed)
    rows, diffs = differences(world, world.as_of, engine)
    assert rows >= 9
    assert not diffs, "\n".join(diffs)


# -- the disagreement the random worlds found, kept as a minimal scenario ---------------------------------


def june(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, tzinfo=UTC)


def older_pr_world(*, rolled_back: bool) -> World:
    """acme/orders (team ``orders``, its own service), as of 06-30 00:00. Main: c1 (06-01 00:00) ← m1, the
    squash merge of PR #1 (opened 06-02 00:00, one commit authored 06-01 12:00, merged 06-02 06:00, no
    review) ← c2 (06-02 12:00) ← c3 (06-04 12:00). F0, the first deployment of the history (compare
    ``first``), deploys c2 on 06-03 00:00: it ships c1, m1 and c2, with unknown changes. With
    ``rolled_back``: R1 deploys c1 on 06-04 00:00 (``behind`` F0: main rolled back past the start of the
    history) and D2 deploys c3 on 06-05 00:00, ``ahead`` of c1, listing m1, c2 and c3 again; else D2 deploys
    c3 right after F0, listing c3 only."""
    repo = "acme/orders"
    world = World(repos={repo: ("orders", repo)}, pagerduty={})
    c1, m1, c2, c3 = (sha(f"older-pr-{name}") for name in ("c1", "m1", "c2", "c3"))
    for name, when, parent in ((c1, june(1), ()), (m1, june(2, 6), (c1,)), (c2, june(2, 12), (m1,))):
        world.commits[(repo, name)] = Commit(name, when, 1, "", parent)
    world.commits[(repo, c3)] = Commit(c3, june(4, 12), 1, "", (c2,))
    world.prs.append(PR(repo, 1, june(2), june(2, 6), m1, [june(1, 12)], [], [], "squash"))
    world.deps.append(Dep(repo, 1, june(3), c2, "first", own=[c1, m1, c2]))
    if rolled_back:
        world.deps.append(Dep(repo, 2, june(4), c1, "behind"))
        world.deps.append(Dep(repo, 3, june(5), c3, "ahead", listed=[m1, c2, c3]))
    else:
        world.deps.append(Dep(repo, 3, june(5), c3, "ahead", listed=[c3]))
    return world


NO_STAGES = {"coding": None, "pickup": None, "review": None, "deploy": None}


def test_first_deployments_older_pr_is_deployed_by_nobody_without_a_rollback(engine: Engine) -> None:
    """The control of the scenario below, without the rollback. PR #1's merge commit m1 is an ancestor of
    F0's commit, not F0's own: docs/metrics.md "The first deployment of the collected history ships the PR
    whose merge commit is its own sha … Other PRs it may ship are unknown". No deployment lists m1, so no PR
    is deployed: every breakdown median null. Deployments F0, D2 → 2; D2's change c3: lead 06-05 00:00 −
    06-04 12:00 = 12 h (p50 = p90 = 12); nothing failed (CFR 0/2 = 0.0), no rework (0.0)."""
    world = older_pr_world(rolled_back=False)
    got = product(world, write(world, engine), AS_OF)[("orders", "30d")]
    assert (got["deployments"], got["lead_time_hours_p50"], got["lead_time_hours_p90"]) == (2, 12.0, 12.0)
    assert (got["change_failure_rate"], got["rework_rate"]) == (0.0, 0.0)
    assert got["lead_time_breakdown_hours_p50"] == NO_STAGES
    assert reference(world, AS_OF)[("orders", "30d")]["lead_time_breakdown_hours_p50"] == NO_STAGES


def test_first_deployments_older_pr_relisted_after_a_rollback_past_the_start_is_its_pr(
    engine: Engine,
) -> None:
    """Seed 65 of the random worlds first disagreed here (the reference then read it otherwise).

    As the control above, but R1 rolls main back to c1 (``behind`` F0) and D2's compare lists m1, c2 and c3
    again. docs/metrics.md, "Changes": m1 and c2, F0's own commit and its ancestor among the listed
    commits, "stay that deployment's, never changes of the later one"; so PR #1 is now known to be shipped
    by F0, and SPEC §5.2 "the PRs it ships have no deploy stage" (the round-6 merges audit's reading,
    tests/test_audit_round6_merges_e2e.py ``pastancestor``): coding = opened 06-02 00:00 − first commit
    06-01 12:00 = 12 h; no review (pickup, review null); no deploy stage.

    Every other number, 30d window (05-31, 06-30]: deployments F0, R1, D2 → 3; changes of D2: c3 only
    (m1, c2 are F0's) → lead 12 h, p50 = p90 = 12; F0 failed (R1 is a rollback whose previous deployment is
    F0) → CFR 1/3, recovery 06-04 00:00 − 06-03 00:00 = 24 h; rework R1 → 1/3.
    """
    world = older_pr_world(rolled_back=True)
    got = product(world, write(world, engine), AS_OF)[("orders", "30d")]
    assert (got["deployments"], got["lead_time_hours_p50"], got["lead_time_hours_p90"]) == (3, 12.0, 12.0)
    assert got["change_failure_rate"] == pytest.approx(1 / 3, rel=1e-9)
    assert got["failed_deployment_recovery_hours_p50"] == 24.0
    assert got["rework_rate"] == pytest.approx(1 / 3, rel=1e-9)
    stages = {"coding": 12.0, "pickup": None, "review": None, "deploy": None}
    assert reference(world, AS_OF)[("orders", "30d")]["lead_time_breakdown_hours_p50"] == stages
    assert got["lead_time_breakdown_hours_p50"] == stages


@pytest.mark.xfail(
    strict=True,
    reason="KNOWN LIMIT (docs/metrics.md): a rollback past the start AFTER as_of already makes the first "
    "deployment's older PR its own as of before (the derived shipments do not depend on the point)",
)
def test_first_deployments_older_pr_relisted_only_after_as_of_is_not_yet_its_pr(engine: Engine) -> None:
    """The world above read as of 06-03 12:00: F0 (06-03 00:00) only; R1 and D2, which show that F0
    shipped m1, come later and "have not happened yet" (SPEC §2 --as-of). So, as in the control without
    a rollback, PR #1 is deployed by nobody: every breakdown median null (seed 74 of the random worlds
    shows the same with a rollback after its as_of). Deployments 1, no lead time, CFR 0."""
    world = older_pr_world(rolled_back=True)
    early = june(3, 12)
    got = product(world, write(world, engine), early)[("orders", "30d")]
    assert (got["deployments"], got["lead_time_hours_p50"], got["change_failure_rate"]) == (1, None, 0.0)
    assert reference(world, early)[("orders", "30d")]["lead_time_breakdown_hours_p50"] == NO_STAGES
    assert got["lead_time_breakdown_hours_p50"] == NO_STAGES


@pytest.mark.xfail(
    strict=True,
    reason="KNOWN LIMIT (docs/metrics.md): after a rollback past the first deployment, a forward deployment "
    "short of its commit counts the first deployment's ancestors as new changes (lead 96 h, expected none)",
)
def test_forward_after_a_rollback_past_the_start_short_of_the_first_commit_has_no_changes(
    engine: Engine,
) -> None:
    """The listing the random worlds do not generate (``Repo.deploy_all``), worked by hand.

    acme/orders, main c1 (authored 06-01 00:00) ← c2 (06-02 00:00) ← c3 (06-03 00:00). F0, the first
    deployment of the history, deploys c3 on 06-04 00:00 (compare ``first``). R1 deploys c1 on 06-05 00:00
    (``behind``: main rolled back past the start of the history). D2 deploys c2 on 06-06 00:00, ``ahead``
    of c1, its compare listing c2 only.

    SPEC §5.2: D's changes are the commits of its compare "that no earlier deployment shipped: a commit is a
    change only of the first deployment that ships it, so commits re-shipped after a rollback are not
    counted twice"; docs/metrics.md, "Changes": the first deployment "did ship its own commit and those
    before it". c2 is an ancestor of c3, shipped by F0 on 06-04, re-shipped by D2 after the rollback: no
    change of D2. So no deployment has a change: lead time p50 = p90 = null, lead-time band null.
    Deployments F0, R1, D2 → 3 in 30d (05-31, 06-30]; F0 failed (R1 is a rollback whose previous deployment
    is F0) → CFR 1/3, recovery 06-05 − 06-04 = 24 h; rework R1 → 1/3.

    The product counts c2 as D2's change, lead 06-06 00:00 − 06-02 00:00 = 96 h (p50 = p90 = 96, band
    high): it gives the first deployment the ancestors of its commit only among a listing that holds the
    commit itself (analytics/shipments.py, ``_DERIVE``: ``relisted`` starts from the unlisted deployment's
    sha in a later listing), so a forward step that stops short of it counts them again. (Reading the
    ancestry needs the first deployment's commit and parents in ``commits``; a collector that stores only
    compared commits may not have them: then this is a limitation to document rather than a bug.)
    """
    repo = "acme/orders"
    world = World(repos={repo: ("orders", repo)}, pagerduty={})
    c1, c2, c3 = (sha(f"short-{name}") for name in ("c1", "c2", "c3"))
    world.commits[(repo, c1)] = Commit(c1, june(1), 1, "", ())
    world.commits[(repo, c2)] = Commit(c2, june(2), 1, "", (c1,))
    world.commits[(repo, c3)] = Commit(c3, june(3), 1, "", (c2,))
    world.deps = [
        Dep(repo, 1, june(4), c3, "first", own=[c1, c2, c3]),
        Dep(repo, 2, june(5), c1, "behind"),
        Dep(repo, 3, june(6), c2, "ahead", listed=[c2]),
    ]
    got = product(world, write(world, engine), AS_OF)[("orders", "30d")]
    assert got["deployments"] == 3
    assert got["change_failure_rate"] == pytest.approx(1 / 3, rel=1e-9)
    assert got["failed_deployment_recovery_hours_p50"] == 24.0
    assert got["rework_rate"] == pytest.approx(1 / 3, rel=1e-9)
    expected = reference(world, AS_OF)[("orders", "30d")]
    assert (expected["lead_time_hours_p50"], expected["bands"]["lead_time"]) == (None, None)
    assert (got["lead_time_hours_p50"], got["lead_time_hours_p90"]) == (None, None)
    assert got["bands"]["lead_time"] is None
