"""Audit, round 16: a time-travel differential test of ``--as-of``.

SPEC §2: "``--as-of`` evaluates the windows as of that instant …: facts after it are ignored, as if they had
not happened yet". docs/metrics.md ("Teams, windows and ``as_of``"): "deployments after it do not exist, and
neither does a PR merged after it"; ("Incidents"): "An incident resolved after ``as_of`` is still open as of
``as_of``".

So for any instant T, ``compute_metrics`` (what ``doraspace metrics`` runs) over the whole store as of T
(A) must give what it gives as of T over a store holding only what had happened by T (B): the store a
collector would have filled had it last run at T. Seeded random small worlds (2–3 teams, 1–3 repositories
each, two repositories of a team sometimes one service; git histories as DAGs with forward deployments,
rollbacks, redeploys, hotfix branches deployed then merged by a merge commit or by a fast-forward after
their deployment, ``unknown`` compares; squash, rebase and merge-commit PRs with labels and reviews, some
reviews after the merge, PRs never merged; revert commits; commits authored after their deployment;
PagerDuty and GitHub-issue incidents naming sha prefixes or nothing, resolved late or never; failed
attempts; deployments created long before their first success; staging noise) are written with
``tests/analytics/facts.py``. For three instants T of each world (``instants``) — one on or a second
before an event; one inside a span where a fact has happened in part (``gaps``: a deployment created but
not yet successful, a PR's merge commit deployed before the PR is merged, a PR opened and not merged, a
review still to come after the merge, an incident open, a commit deployed before its author date); one
inside another such span or exactly a window length after a deployment — store B is cut from the world
(``as_of_world``) by these rules:

* a deployment created after T is absent; one whose first success came after T is an attempt still in
  progress at T (no deployed_at, no compare, SPEC §5.1: the collector compares successful deployments);
* a PR opened after T is absent with its commits, reviews and labels; a PR merged after T is open at T
  (no merged_at, no merge commit), with only the commits authored by T; a review submitted after T is
  absent (a review with no submitted_at, a pending one, has no instant and stays);
* a commit authored after T is absent unless something there by T refers to it (a deployment's sha or
  compare, a PR's merge commit) or is its descendant: a commit may be authored before T and pushed later,
  or (clock skew) authored after the deployment that ships it;
* an incident started after T is absent; one resolved after T is open at T (resolved_at null);
* **labels are kept as they are**: they have no timestamp in the store (``pull_request_labels``: repo,
  number, label), and docs/metrics.md ("How the numbers are computed", "Evidence") reads a label from the
  PR's merge on: "Rework has one instant per deployment from which it holds (a labelled PR counts from its
  merge)". A PR absent at T takes its labels with it.

Every row of A must equal B's field by field (floats to 1e-9 relative), and so must the list of failed
deployments (rules, incidents, recovery), on DuckDB (20 seeds × 3 instants) and PostgreSQL (4 seeds).
``test_the_worlds_hold_every_kind_of_future_fact`` checks that the instants do reach every rule of the cut.

One difference is documented, and asserted as documented: docs/metrics.md, "Changes", on the first
deployment of the collected history (compare ``first``), whose own commit and ancestors a later compare
lists again after a rollback past it: "the PRs those commits merged are then its PRs (every stage but
deploy …). Known limits: that later compare counts also for a point (``--as-of``) before it". Where a
PR merged by T merged an ancestor of a ``first`` deployment's commit (made by T) that only a deployment
after T lists again (``relisted_after``), A counts that PR in the breakdown's coding, pickup and review
medians and B does not: those three medians are then not compared for the team and ``"*"``; every other
field is, the deploy median included ("every stage but deploy"). It happens at 11 of the 60 DuckDB
instants; ``test_documented_relisting_after_as_of_already_counts_before_it`` works one case by hand.

One difference, worked by hand at the end (a strict xfail, documented as a known limit in
docs/metrics.md; not generated in the random worlds, where it would fail every seed that has it): a
GitHub incident issue closed by T and reopened after T is open as of T on
the whole store, which keeps only the issue's latest ``closed_at``.

Not modelled here: other sources than GitHub Deployments (a ``workflow_runs`` run re-run after T moves or
undoes its deployment: docs/operations.md documents it), a PagerDuty incident's urgency or service changed
after T (docs/metrics.md, "Incidents": "counts in its urgency of the latest sync"), an incident's text
edited after T (docs/metrics.md: "An explicit link holds from the incident's start"), an issue's incident
label added or removed after T (like a PR's label, no instant is stored).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, Table

from analytics.metrics import MetricsResult, compute_metrics
from analytics.ownership import PagerDutyScope, RepoScope
from analytics.settings import AnalyticsSettings
from analytics.windows import WindowSpec
from store import schema
from store.engine import open_store
from store.timeutil import to_db
from store.upsert import upsert
from tests.analytics.facts import Facts, add_incident, add_label, sha

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
END = AS_OF + timedelta(days=2)  # the last instant of every world's history (but late resolutions)
GRID = timedelta(hours=6)
SECOND = timedelta(seconds=1)
AW = timedelta(hours=24)
WINDOW_DAYS = (7, 30, 90)
REWORK_LABELS = ("hotfix", "rollback", "revert", "incident")
LABELS = ("hotfix", "HotFix", "revert", "Incident", "feature", "bug", "chore")
SOURCE, ENV = "deployments", "production"
REVERT = "This reverts commit "
HEX = re.compile(r"^[0-9a-f]+$")
BREAKDOWN_BEFORE_DEPLOY = ("coding", "pickup", "review")


# -- the world --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Commit:
    sha: str
    author_date: datetime
    parents: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Dep:
    repo: str
    id: int
    created_at: datetime
    deployed_at: datetime | None  # its first success; None: a failed attempt (or one in progress)
    sha: str
    status: str | None  # compare: first | unknown | ahead | diverged | behind | identical; None: no compare
    base_id: int | None = None
    base_sha: str | None = None
    listed: tuple[str, ...] = ()  # the compare's commits
    environment: str = ENV
    state: str = "success"


@dataclass(frozen=True)
class PullReview:
    review_id: int
    reviewer: str | None
    submitted_at: datetime | None
    state: str


@dataclass(frozen=True)
class PR:
    repo: str
    number: int
    author: str | None
    created_at: datetime
    merged_at: datetime | None
    merge_sha: str | None
    commits: tuple[tuple[str, datetime], ...]  # (sha, author date), in PR order
    reviews: tuple[PullReview, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True)
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
    aw: timedelta = AW
    next_id: int = 1000


def grid(rng: random.Random, lo: int, hi: int) -> timedelta:
    return GRID * rng.randint(lo, hi)


def generate(seed: int) -> World:
    rng = random.Random(seed)
    team_names = rng.sample(["billing", "orders", "search", "infra"], rng.randint(2, 3))
    repos: dict[str, tuple[str, str]] = {}
    pagerduty: dict[str, tuple[str, tuple[str, ...]]] = {}
    for index, team in enumerate(team_names):
        names = [f"acme/{team}-{k}" for k in rng.sample("abcz", rng.randint(1, 3))]
        shared = len(names) > 1 and rng.random() < 0.4  # two repos of one Backstage component
        for k, name in enumerate(names):
            repos[name] = (team, f"{team}-svc" if shared and k < 2 else name)
        services = tuple(sorted({svc for (t, svc) in repos.values() if t == team}))
        pagerduty[f"P{index}"] = (team, services if rng.random() < 0.8 else services[:1])
    if rng.random() < 0.4:
        pagerduty["PU"] = ("unowned", ())  # a service_ids service nobody owns
    if rng.random() < 0.3:
        pagerduty["PS"] = ("sre", ())  # a team owning a PagerDuty service only
    world = World(repos=repos, pagerduty=pagerduty)
    world.aw = rng.choice([AW, AW, GRID * 2, AW * 2])
    for repo in sorted(repos):
        History(rng, world, repo, seed).deploy_all()
    add_incidents(rng, world)
    return world


@dataclass
class Hotfix:
    tip: str
    deployed_at: datetime
    pr: int | None  # the PR of its branch, merged later (merge commit or fast-forward), if any


class History:
    """One repository's git history (a DAG: main, merged PRs, hotfix branches) and its deployments, each
    compared with the previous successful one as GitHub's compare would: ``identical``, ``ahead``,
    ``behind`` or ``diverged``, listing the commits reachable from the deployed sha and not from the
    previous one."""

    def __init__(self, rng: random.Random, world: World, repo: str, seed: int) -> None:
        self.rng, self.world, self.repo, self.seed = rng, world, repo, seed
        self.created: list[str] = []  # creation order: the order compares list commits in
        self.main: list[str] = []  # first-parent chain of main
        self.previous: Dep | None = None

    def commit(self, when: datetime, message: str, parents: tuple[str, ...], name: str | None = None) -> str:
        sha_ = name or sha(f"{self.seed}-{self.repo}-{len(self.created)}")
        self.world.commits[(self.repo, sha_)] = Commit(sha_, when, parents, message)
        self.created.append(sha_)
        return sha_

    def ancestors(self, tip: str) -> set[str]:
        seen, stack = set(), [tip]
        while stack:
            c = stack.pop()
            if c not in seen:
                seen.add(c)
                stack.extend(self.world.commits[(self.repo, c)].parents)
        return seen

    def next_id(self) -> int:
        self.world.next_id += 1
        return self.world.next_id

    def deploy(self, t: datetime, target: str, status: str, listed: list[str]) -> None:
        # Created a little before its first success, or long before (a deployment waiting for approval).
        created = t - self.rng.choice(
            [timedelta(minutes=5), timedelta(minutes=5), timedelta(hours=1), GRID + GRID]
        )
        base = self.previous
        dep = Dep(
            self.repo,
            self.next_id(),
            created,
            t,
            target,
            status,
            None if base is None else base.id,
            None if base is None else base.sha,
            tuple(listed),
        )
        self.world.deps.append(dep)
        self.previous = dep

    def deploy_all(self) -> None:
        rng = self.rng
        span = rng.choice([9, 32, 95])
        times = sorted(END - grid(rng, 0, span * 4) for _ in range(rng.randint(5, 12)))
        for _ in range(rng.randint(1, 3)):
            self.main.append(self.commit(times[0] - grid(rng, 1, 20), "", tuple(self.main[-1:])))
        if rng.random() < 0.4:
            self.unit(times[0], "squash")  # the first deployment's own commit merged a PR
        elif rng.random() < 0.4:
            # A PR merged before the first deployment's own commit: unknown, until a rollback past the
            # start lists it again (docs/metrics.md, "Changes").
            self.unit(times[0] - grid(rng, 2, 6), "squash")
            self.main.append(self.plain(times[0], self.main[-1]))
        first_sha = self.main[-1]
        self.deploy(times[0], first_sha, "first", [])
        current, deployed = first_sha, [first_sha]
        hotfixes: list[Hotfix] = []
        unlisted = [(first_sha, self.ancestors(first_sha))]  # first and unknown: own sha, its ancestors
        listed_before: set[str] = set()
        for t in times[1:]:
            action = rng.choices(
                ["main", "hotfix", "merge", "rollback", "identical", "old"], [42, 14, 10, 16, 9, 9]
            )[0]
            target = current
            if action == "main" or (action == "merge" and not hotfixes):
                for _ in range(rng.randint(1, 3)):
                    self.unit(t)
                target = self.main[-1]
            elif action == "hotfix":
                target = self.hotfix(t, current, hotfixes)
            elif action == "merge":
                target = self.merge(t, hotfixes.pop(rng.randrange(len(hotfixes))))
            elif action == "rollback":
                older = sorted(self.ancestors(current) - {current}, key=self.created.index)
                earlier = [c for c in deployed if c in older]
                if older:
                    target = rng.choice(earlier if earlier and rng.random() < 0.6 else older)
            elif action == "old":
                target = rng.choice(self.main)
            status, listed = self.compare(current, target)
            if any((set(listed) & mine) - listed_before and head not in listed for head, mine in unlisted):
                # Not generated: a listing of commits that only a deployment of unknown changes shipped,
                # without that deployment's own commit (a known limit of docs/metrics.md, "Changes", that
                # holds whatever the as_of; round 9 keeps it as a scenario of its own).
                target, (status, listed) = current, ("identical", [])
            if status not in ("identical", "behind") and rng.random() < 0.08:
                status, listed = "unknown", []  # GitHub could not compare
                unlisted.append((target, self.ancestors(target)))
            listed_before |= set(listed)
            self.deploy(t, target, status, listed)
            current = target
            deployed.append(target)
        for fix in hotfixes:  # a PR's branch deployed, merged by a fast-forward later, or never
            if fix.pr is not None and self.main[-1] in self.ancestors(fix.tip) and rng.random() < 0.6:
                self.main.append(fix.tip)
                pr = next(p for p in self.world.prs if p.number == fix.pr)
                merged = fix.deployed_at + grid(rng, 0, 16)
                self.world.prs[self.world.prs.index(pr)] = replace(pr, merged_at=merged, merge_sha=fix.tip)
        mine = [d for d in self.world.deps if d.repo == self.repo]
        for _ in range(rng.choice([0, 1, 2])):  # noise: a failed production attempt, a staging deployment
            # of a commit deployed to production, created when that deployment was
            d = rng.choice(mine)
            c, when = d.sha, d.created_at
            self.world.deps.append(Dep(self.repo, self.next_id(), when, None, c, None, state="failure"))
            self.world.deps.append(
                Dep(self.repo, self.next_id(), when, when + GRID, c, "first", environment="staging")
            )

    def compare(self, base: str, head: str) -> tuple[str, list[str]]:
        if base == head:
            return "identical", []
        mine, theirs = self.ancestors(head), self.ancestors(base)
        if head in theirs:
            return "behind", []
        listed = [c for c in self.created if c in mine and c not in theirs]
        return ("ahead" if base in mine else "diverged"), listed

    def plain(self, t: datetime, parent: str) -> str:
        """A direct commit on ``parent`` (authored up to 6 h after ``t``: clock skew), sometimes a revert of
        an earlier commit (a prefix of its sha)."""
        rng = self.rng
        message = f"change {len(self.created)}"
        if rng.random() < 0.3:
            pool = [c for c in self.created if HEX.match(c)]
            named = rng.choice(pool)[: rng.choice([7, 9, 12, 40])]
            message = rng.choice(
                [
                    f'Revert "x"\n\n{REVERT}{named}.',
                    f"Squashed reverts\n\n{REVERT}{rng.choice(pool)[:10]}.\n{REVERT}{named}.",
                ]
            )
        return self.commit(t - grid(rng, -1, 10), message, (parent,))

    def new_pr(
        self,
        created: datetime,
        merged: datetime | None,
        merge_sha: str | None,
        commits: list[tuple[str, datetime]],
        number: int,
    ) -> None:
        rng = self.rng
        author = rng.choice(["alice", "alice", "dave", None])
        reviews = []
        for position in range(rng.randint(0, 3)):
            state = rng.choice(["APPROVED", "COMMENTED", "CHANGES_REQUESTED", "DISMISSED", "PENDING"])
            submitted = None if state == "PENDING" and rng.random() < 0.5 else created + grid(rng, 0, 10)
            who = rng.choice(["alice", "bob", "carol", None])
            reviews.append(PullReview(number * 100 + position, who, submitted, state))
        labels = tuple(rng.sample(LABELS, rng.randint(0, 2)))
        self.world.prs.append(
            PR(self.repo, number, author, created, merged, merge_sha, tuple(commits), tuple(reviews), labels)
        )

    def unit(self, t: datetime, kind: str | None = None) -> None:
        """One plain commit on main, or one merged PR (squash, rebase or merge commit)."""
        rng = self.rng
        kind = kind or rng.choice(["plain", "plain", "squash", "rebase", "merge", "open"])
        if kind == "plain":
            self.main.append(self.plain(t, self.main[-1]))
            return
        when = t - grid(rng, 0, 8)
        number = len(self.world.prs) + 1
        created = when - grid(rng, 0, 8)
        dates = [min(created - grid(rng, -1, 6), when) for _ in range(rng.randint(1, 3))]
        names = [f"pr{number}-c{i}" for i in range(len(dates))]
        base = self.main[-1]
        merge: str | None
        if kind == "open":  # never merged: noise
            self.new_pr(created, None, None, list(zip(names, dates, strict=True)), number)
            return
        if kind == "squash":
            merge = self.commit(when, f"squash #{number}", (base,))
        elif kind == "rebase":
            rebased = self.commit(dates[0], f"rebased #{number}", (base,))
            merge = self.commit(dates[-1], f"rebased #{number} last", (rebased,))
            self.main.append(rebased)
        else:
            tip = base
            for name, d in zip(names, dates, strict=True):
                tip = self.commit(d, f"work {name}", (tip,), name=name)
            merge = self.commit(when, f"Merge #{number}", (base, tip))
        self.main.append(merge)
        self.new_pr(created, when, merge, list(zip(names, dates, strict=True)), number)

    def hotfix(self, t: datetime, current: str, hotfixes: list[Hotfix]) -> str:
        """Commits on the deployed commit, deployed from their branch at ``t``; sometimes a PR's, merged
        later (its commits are then ``pr<n>-c<i>``)."""
        rng = self.rng
        target = current
        if rng.random() < 0.5:
            number = len(self.world.prs) + 1
            commits = []
            if rng.random() < 0.5:
                target = self.main[-1]  # branched from main: main can take it by a fast-forward
            for i in range(rng.randint(1, 2)):
                target = self.commit(t - grid(rng, 1, 6), f"fix {i}", (target,), name=f"pr{number}-c{i}")
                commits.append((target, self.world.commits[(self.repo, target)].author_date))
            created = min(min(d for _, d in commits) + grid(rng, 0, 2), t)
            self.new_pr(created, None, None, commits, number)  # merged by ``merge``, if ever
            hotfixes.append(Hotfix(target, t, number))
        else:
            for _ in range(rng.randint(1, 2)):
                target = self.plain(t, target)
            hotfixes.append(Hotfix(target, t, None))
        return target

    def merge(self, t: datetime, fix: Hotfix) -> str:
        """Main takes a hotfix branch: by a fast-forward when main is behind it and the branch is a PR's
        (GitHub then records the branch's last commit, deployed already, as the merge commit), else by a
        merge commit. The PR merges after its branch was deployed."""
        rng = self.rng
        merged = max(t - grid(rng, 0, 4), fix.deployed_at)
        pr = next((p for p in self.world.prs if p.number == fix.pr), None)
        if pr is not None and self.main[-1] in self.ancestors(fix.tip) and rng.random() < 0.7:
            self.main.append(fix.tip)
            merge = fix.tip
        else:
            merge = self.commit(merged, "Merge hotfix", (self.main[-1], fix.tip))
            self.main.append(merge)
        if pr is not None:
            merged = max(merged, pr.created_at)
            self.world.prs[self.world.prs.index(pr)] = replace(pr, merged_at=merged, merge_sha=merge)
        return self.main[-1]


def add_incidents(rng: random.Random, world: World) -> None:
    hexes = [c for (_r, c) in world.commits if HEX.match(c) and len(c) == 40]
    services = [*world.pagerduty, "PX"]  # PX: a PagerDuty service nobody collects
    instants = [d.deployed_at for d in world.deps if d.deployed_at]
    for k in range(rng.randint(4, 10)):
        if rng.random() < 0.6:
            source, service = "pagerduty", rng.choice(services)
        else:
            source, service = "github", rng.choice(sorted(world.repos))
        base = rng.choice(instants) if rng.random() < 0.8 else END - grid(rng, 0, 40)
        started = base + grid(rng, -2, 6)
        resolved = rng.choice([None, started + grid(rng, -1, 12), started + grid(rng, 0, 3), END + GRID])
        title, description = "checkout errors", None
        roll = rng.random()
        if roll < 0.45:
            named = rng.choice(hexes)[: rng.randint(7, 12)]
            phrase = rng.choice([f"root cause: {named}", f"bad deploy ({named.upper()})", named])
            if rng.random() < 0.5:
                title = phrase
            else:
                description = f"see\n{phrase}."
        world.incidents.append(Inc(source, f"I{k}", service, title, description, started, resolved))


# -- what had happened by T --------------------------------------------------------------------------------


def as_of_world(world: World, t: datetime) -> World:
    """The world as a collector that last ran at ``t`` would have stored it (the rules of the module's
    docstring)."""
    deps = []
    for d in world.deps:
        if d.created_at > t:
            continue
        if d.deployed_at is not None and d.deployed_at > t:  # not successful yet: in progress at t
            d = replace(
                d, deployed_at=None, status=None, base_id=None, base_sha=None, listed=(), state="in_progress"
            )
        deps.append(d)
    prs = []
    for p in world.prs:
        if p.created_at > t:
            continue
        if p.merged_at is not None and p.merged_at > t:
            p = replace(p, merged_at=None, merge_sha=None, commits=tuple(c for c in p.commits if c[1] <= t))
        reviews = tuple(r for r in p.reviews if r.submitted_at is None or r.submitted_at <= t)
        prs.append(replace(p, reviews=reviews))
    referenced = {(d.repo, d.sha) for d in deps} | {(d.repo, c) for d in deps for c in d.listed}
    referenced |= {(p.repo, p.merge_sha) for p in prs if p.merge_sha is not None}
    referenced |= {(p.repo, c) for p in prs for c, _ in p.commits if (p.repo, c) in world.commits}
    kept = {key for key, c in world.commits.items() if c.author_date <= t}
    stack, walked = [key for key in referenced if key in world.commits], set()
    while stack:  # a commit there by t has its ancestors there
        key = stack.pop()
        if key not in walked:
            walked.add(key)
            kept.add(key)
            stack.extend((key[0], parent) for parent in world.commits[key].parents)
    incidents = [
        replace(i, resolved=i.resolved if i.resolved is not None and i.resolved <= t else None)
        for i in world.incidents
        if i.started <= t
    ]
    return World(
        world.repos,
        world.pagerduty,
        {key: c for key, c in world.commits.items() if key in kept},
        deps,
        prs,
        incidents,
        world.aw,
        world.next_id,
    )


def ancestors(world: World, repo: str, tip: str) -> set[str]:
    seen, stack = set(), [tip]
    while stack:
        c = stack.pop()
        if c not in seen:
            seen.add(c)
            stack.extend(world.commits[(repo, c)].parents)
    return seen


def relisted_after(world: World, t: datetime) -> set[str]:
    """Repositories where docs/metrics.md's known limit applies at ``t`` (the module's docstring): a PR
    merged by ``t``, whose merge commit is an ancestor of a ``first`` deployment's own commit (made by
    ``t``) and not that commit itself, is listed again with it only by a deployment made after ``t``."""
    found = set()
    deployed = [d for d in world.deps if d.environment == ENV and d.deployed_at is not None]
    for f in deployed:
        if f.status != "first" or f.deployed_at is None or f.deployed_at > t:
            continue
        own = ancestors(world, f.repo, f.sha) - {f.sha}
        relisted = {
            (later.deployed_at is not None and later.deployed_at > t, c)
            for later in deployed
            if later.repo == f.repo and f.sha in later.listed
            for c in later.listed
            if c in own
        }
        merged = {p.merge_sha for p in world.prs if p.repo == f.repo and p.merged_at and p.merged_at <= t}
        if any(c in merged and (False, c) not in relisted for after, c in relisted if after):
            found.add(f.repo)
    return found


def first_shipped(world: World) -> dict[tuple[str, str], datetime]:
    """When a production deployment first shipped each commit (listed, or as its own sha)."""
    found: dict[tuple[str, str], datetime] = {}
    for d in world.deps:
        if d.environment == ENV and d.deployed_at is not None:
            for c in (*d.listed, d.sha):
                found[(d.repo, c)] = min(found.get((d.repo, c), d.deployed_at), d.deployed_at)
    return found


def gaps(world: World) -> dict[str, list[tuple[datetime, datetime]]]:
    """Spans inside which a fact has happened in part: T inside one is where a future fact could leak."""
    shipped = first_shipped(world)
    deployed = [d for d in world.deps if d.deployed_at is not None and d.environment == ENV]
    firsts = [d for d in deployed if d.status == "first"]
    return {
        "deployment created, not yet successful": [
            (d.created_at, d.deployed_at) for d in deployed if d.deployed_at and d.deployed_at > d.created_at
        ],
        "PR merge commit deployed, PR not yet merged": [
            (shipped[(p.repo, p.merge_sha)], p.merged_at)
            for p in world.prs
            if p.merged_at and p.merge_sha and shipped.get((p.repo, p.merge_sha), END) < p.merged_at
        ],
        "PR opened, not yet merged": [(p.created_at, p.merged_at) for p in world.prs if p.merged_at],
        "PR merged, a review still to come": [
            (p.merged_at, r.submitted_at)
            for p in world.prs
            for r in p.reviews
            if p.merged_at and r.submitted_at and r.submitted_at > p.merged_at
        ],
        "incident open": [
            (i.started, i.resolved or END) for i in world.incidents if (i.resolved or END) > i.started
        ],
        "commit deployed, authored later": [
            (when, world.commits[key].author_date)
            for key, when in shipped.items()
            if key in world.commits and world.commits[key].author_date > when
        ],
        "first deployment, listed again later (documented)": [
            (f.deployed_at, later.deployed_at)
            for f in firsts
            for later in deployed
            if f.deployed_at and later.deployed_at and later.repo == f.repo and f.sha in later.listed
        ],
    }


def instants(rng: random.Random, world: World) -> list[datetime]:
    """Three instants inside the world's history: on (or a second before) an event; inside a span where a
    fact has happened in part (``gaps``); inside another such span, or exactly a window length after a
    deployment (a deployment exactly N days before as_of is out of window Nd)."""
    deployed = [d.deployed_at for d in world.deps if d.deployed_at is not None and d.environment == ENV]
    start = min(deployed) - timedelta(hours=12)
    events = list(deployed) + [d.created_at for d in world.deps]
    events += [p.merged_at for p in world.prs if p.merged_at is not None]
    events += [r.submitted_at for p in world.prs for r in p.reviews if r.submitted_at is not None]
    events += [i.started for i in world.incidents] + [i.resolved for i in world.incidents if i.resolved]
    events = [e for e in events if start <= e <= END]
    # Not aimed at on purpose: the documented difference lifts part of the breakdown's comparison.
    spans = {kind: found for kind, found in gaps(world).items() if found and "documented" not in kind}

    def inside() -> datetime:
        lo, hi = rng.choice(spans[rng.choice(sorted(spans))])
        return lo + (hi - lo) * rng.choice([0.5, rng.random()])

    on_event = rng.choice(events) - rng.choice([timedelta(0), SECOND])
    edge = rng.choice(deployed) + timedelta(days=rng.choice(WINDOW_DAYS))
    last = edge if rng.random() < 0.3 else inside()
    return [min(t, END) for t in (on_event, inside(), last)]


# -- writing a world and running the product --------------------------------------------------------------


class BufferedFacts(Facts):
    """The fact builder, its rows kept and written in one transaction (the time budget), over a store
    emptied first (one store per backend and side for the module)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.pending: dict[Table, list[dict[str, object]]] = {}
        with engine.begin() as conn:
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


def write(world: World, engine: Engine) -> None:
    facts = BufferedFacts(engine)
    for (repo, _sha), c in sorted(world.commits.items()):
        facts._write(
            schema.commits,
            {
                "repo": repo,
                "sha": c.sha,
                "parent_shas": " ".join(c.parents),
                "parent_count": max(len(c.parents), 1),
                "author_date": to_db(c.author_date),
                "committed_date": to_db(c.author_date),
                "message": c.message or f"commit {c.sha}",
            },
        )
    for d in world.deps:
        facts._write(
            schema.deployments,
            {
                "repo": d.repo,
                "source": SOURCE,
                "deployment_id": d.id,
                "environment": d.environment,
                "sha": d.sha,
                "ref": "main",
                "created_at": to_db(d.created_at),
                "deployed_at": to_db(d.deployed_at),
                "last_state": d.state,
            },
        )
        if d.deployed_at is None or d.status is None:
            continue
        facts._write(
            schema.deployment_compares,
            {
                "repo": d.repo,
                "source": SOURCE,
                "deployment_id": d.id,
                "base_deployment_id": d.base_id,
                "base_sha": d.base_sha,
                "head_sha": d.sha,
                "status": d.status,
                "total_commits": len(d.listed),
            },
        )
        facts._write_all(
            schema.deployment_commits,
            [
                {"repo": d.repo, "source": SOURCE, "deployment_id": d.id, "sha": c, "position": position}
                for position, c in enumerate(d.listed)
            ],
        )
    for p in world.prs:
        facts._write(
            schema.pull_requests,
            {
                "repo": p.repo,
                "number": p.number,
                "title": f"PR {p.number}",
                "author": p.author,
                "state": "closed" if p.merged_at else "open",
                "base_ref": "main",
                "created_at": to_db(p.created_at),
                "updated_at": to_db(p.merged_at or p.created_at),
                "merged_at": to_db(p.merged_at),
                "closed_at": to_db(p.merged_at),
                "merge_commit_sha": p.merge_sha,
            },
        )
        facts._write_all(
            schema.pull_request_commits,
            [
                {"repo": p.repo, "number": p.number, "sha": c, "author_date": to_db(d), "position": position}
                for position, (c, d) in enumerate(p.commits)
            ],
        )
        facts._write_all(
            schema.pull_request_reviews,
            [
                {
                    "repo": p.repo,
                    "number": p.number,
                    "review_id": r.review_id,
                    "reviewer": r.reviewer,
                    "state": r.state,
                    "submitted_at": to_db(r.submitted_at),
                }
                for r in p.reviews
            ],
        )
        for label in p.labels:
            add_label(facts, p.number, label, repo=p.repo)
    for i in world.incidents:
        add_incident(
            facts,
            i.id,
            i.started,
            resolved_at=i.resolved,
            source=i.source,
            service=i.service,
            title=i.title,
            description=i.description,
        )
    facts.flush()


def product(world: World, engine: Engine, as_of: datetime) -> MetricsResult:
    windows = tuple(WindowSpec(f"{d}d", d) for d in WINDOW_DAYS)
    settings = AnalyticsSettings(
        windows=windows, attribution_window=world.aw, benchmarks="dora-2023", rework_labels=REWORK_LABELS
    )
    scopes = [
        RepoScope(repo=r, team=t, source=SOURCE, environment=ENV, service=s)
        for r, (t, s) in sorted(world.repos.items())
    ]
    pd = [PagerDutyScope(sid, t, services) for sid, (t, services) in sorted(world.pagerduty.items())]
    return compute_metrics(engine, scopes, windows, as_of, pagerduty_scopes=pd, settings=settings)


def close(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, float) or isinstance(b, float):
        numbers = isinstance(a, int | float) and isinstance(b, int | float)
        return numbers and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b and type(a) is type(b)


def failed_list(result: MetricsResult) -> list[tuple[Any, ...]]:
    return [
        (f.repo, f.deployment_id, f.deployed_at, f.rules, f.incident_ids, f.recovered_at)
        for f in result.failed_deployments()
    ]


def differences(full: MetricsResult, cut: MetricsResult, world: World, t: datetime) -> list[str]:
    """Where A (``full``) and B (``cut``) disagree, but for what docs/metrics.md documents."""
    a = {(row.team, row.window): row.to_json_dict() for row in full.rows}
    b = {(row.team, row.window): row.to_json_dict() for row in cut.rows}
    if sorted(a) != sorted(b):
        return [f"rows: full {sorted(a)} as-of-store {sorted(b)}"]
    documented = {world.repos[repo][0] for repo in relisted_after(world, t)}
    documented |= {"*"} if documented else set()
    diffs = []
    for key in sorted(a):
        for name, value in a[key].items():
            other = b[key][name]
            if name == "lead_time_breakdown_hours_p50" and key[0] in documented:
                value = {k: v for k, v in value.items() if k not in BREAKDOWN_BEFORE_DEPLOY}
                other = {k: v for k, v in other.items() if k not in BREAKDOWN_BEFORE_DEPLOY}
            if not close(value, other):
                diffs.append(f"{key} {name}: full {value!r} as-of-store {other!r}")
    if failed_list(full) != failed_list(cut):
        diffs.append(f"failed deployments: full {failed_list(full)} as-of-store {failed_list(cut)}")
    return diffs


def time_travel(seed: int, full_engine: Engine, cut_engine: Engine) -> tuple[int, list[str]]:
    world = generate(seed)
    ts = instants(random.Random(f"instants-{seed}"), world)
    write(world, full_engine)
    rows, diffs = 0, []
    for t in ts:
        full = product(world, full_engine, t)
        write(as_of_world(world, t), cut_engine)
        cut = product(world, cut_engine, t)
        rows += len(full.rows)
        diffs += [f"as of {t.isoformat()}: {d}" for d in differences(full, cut, world, t)]
    return rows, diffs


DUCKDB_SEEDS = list(range(20))
POSTGRESQL_SEEDS = list(range(4))


@pytest.fixture(scope="module")
def duckdb_engines() -> Iterator[tuple[Engine, Engine]]:
    """Two in-memory DuckDB stores for the module (the whole world; the world as of T), emptied before
    each world."""
    full, cut = open_store("duckdb:///:memory:"), open_store("duckdb:///:memory:")
    yield full, cut
    full.dispose()
    cut.dispose()


@pytest.fixture(scope="module")
def postgresql_engines(postgres: Any) -> Iterator[tuple[Engine, Engine]]:
    """The same on the suite's PostgreSQL server (``postgres``, tests/conftest.py): two databases."""
    full = open_store(postgres.new_database(migrated=True))
    cut = open_store(postgres.new_database(migrated=True))
    yield full, cut
    full.dispose()
    cut.dispose()


@pytest.mark.parametrize("seed", DUCKDB_SEEDS)
def test_as_of_equals_the_store_of_what_had_happened_duckdb(
    seed: int, duckdb_engines: tuple[Engine, Engine]
) -> None:
    rows, diffs = time_travel(seed, *duckdb_engines)
    assert rows >= 27  # three instants × (≥ 2 teams and "*") × 3 windows
    assert not diffs, "\n".join(diffs)


@pytest.mark.parametrize("seed", POSTGRESQL_SEEDS)
def test_as_of_equals_the_store_of_what_had_happened_postgresql(
    seed: int, postgresql_engines: tuple[Engine, Engine]
) -> None:
    rows, diffs = time_travel(seed, *postgresql_engines)
    assert rows >= 27
    assert not diffs, "\n".join(diffs)


def coverage(seeds: list[int]) -> dict[str, int]:
    """How many instants of the worlds of ``seeds`` fall inside each kind of span (``gaps``), and meet
    each rule of the cut."""
    seen: dict[str, int] = {}
    for seed in seeds:
        world = generate(seed)
        spans = gaps(world)
        for t in instants(random.Random(f"instants-{seed}"), world):
            cut = as_of_world(world, t)
            for kind, found in spans.items():
                seen[kind] = seen.get(kind, 0) + any(lo < t < hi for lo, hi in found)
            kept = {(d.repo, d.id) for d in cut.deps}
            facts = {
                "deployment created after T": any((d.repo, d.id) not in kept for d in world.deps),
                "deployment in progress at T": any(d.state == "in_progress" for d in cut.deps),
                "PR opened after T": len(cut.prs) < len(world.prs),
                "PR merged after T, its labels kept": any(
                    p.labels and p.merged_at and p.created_at <= t < p.merged_at for p in world.prs
                ),
                "review after T": sum(len(p.reviews) for p in cut.prs)
                < sum(len(p.reviews) for p in world.prs if p.created_at <= t),
                "commit absent at T": len(cut.commits) < len(world.commits),
                "incident started after T": len(cut.incidents) < len(world.incidents),
                "GitHub issue open at T, closed later": any(
                    i.source == "github" and i.resolved is None for i in cut.incidents
                ),
                "relisted after T (documented)": bool(relisted_after(world, t)),
            }
            for kind, hit in facts.items():
                seen[kind] = seen.get(kind, 0) + hit
    return seen


def test_the_worlds_hold_every_kind_of_future_fact() -> None:
    """The instants of the random worlds do fall inside every kind of span and meet every rule of the
    cut, so that the differential tests above do test them."""
    seen = coverage(DUCKDB_SEEDS)
    assert len(seen) == 16 and all(seen.values()), seen


# -- the documented difference, worked by hand ------------------------------------------------------------


def june(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, tzinfo=UTC)


def relisting_world() -> World:
    """acme/orders (team ``orders``, its own service). Main: c1 (authored 06-01 00:00) ← m1, the squash
    merge of PR #1 (opened 06-02 00:00, one commit authored 06-01 12:00, merged 06-02 06:00, no review) ←
    c2 (06-02 12:00) ← c3 (06-04 12:00). F0, the first deployment of the history (compare ``first``),
    deploys c2 on 06-03 00:00; R1 deploys c1 on 06-04 00:00 (``behind`` F0: main rolled back past the
    start of the history); D2 deploys c3 on 06-05 00:00, ``ahead`` of c1, listing m1, c2 and c3 again.
    Each deployment is created 5 minutes before its success."""
    repo = "acme/orders"
    world = World(repos={repo: ("orders", repo)}, pagerduty={})
    c1, m1, c2, c3 = (sha(f"round16-{name}") for name in ("c1", "m1", "c2", "c3"))
    parents = {c1: (), m1: (c1,), c2: (m1,), c3: (c2,)}
    authored = {c1: june(1), m1: june(2, 6), c2: june(2, 12), c3: june(4, 12)}
    for c in (c1, m1, c2, c3):
        world.commits[(repo, c)] = Commit(c, authored[c], parents[c], f"commit {c}")
    world.prs.append(PR(repo, 1, "alice", june(2), june(2, 6), m1, (("pr1-c0", june(1, 12)),), (), ()))
    five = timedelta(minutes=5)
    world.deps = [
        Dep(repo, 1, june(3) - five, june(3), c2, "first"),
        Dep(repo, 2, june(4) - five, june(4), c1, "behind", 1, c2),
        Dep(repo, 3, june(5) - five, june(5), c3, "ahead", 2, c1, (m1, c2, c3)),
    ]
    return world


def test_documented_relisting_after_as_of_already_counts_before_it(
    duckdb_engines: tuple[Engine, Engine],
) -> None:
    """docs/metrics.md, "Changes": when main is rolled back past the first deployment of the history and
    moves forward again, "the later compare lists them again, and that commit and its ancestors among the
    listed commits stay that deployment's …; the PRs those commits merged are then its PRs (every stage but
    deploy, SPEC §5.2). Known limits: that later compare counts also for a point (``--as-of``) before it".

    As of T = 06-04 12:00 (after R1, before D2 was even created), 30d window (05-05 12:00, 06-04 12:00]:
    deployments F0, R1 → 2 (2/30 per day); no lead time (F0's changes are unknown, R1 is a rollback); F0
    failed (R1 is a rollback whose previous deployment is F0) → CFR 1/2, recovery 06-04 − 06-03 = 24 h;
    rework R1 → 1/2; no incident.

    Breakdown. On the store of what had happened by T, nothing lists m1: PR #1 is an ancestor's PR of F0,
    "unknown" (docs/metrics.md, "Lead time breakdown": "Other PRs it may ship are unknown until a later
    compare lists their merge commits") → every median null. On the whole store, D2's compare (after T)
    already makes PR #1 F0's PR, as documented: coding = opened 06-02 00:00 − first commit 06-01 12:00 =
    12 h; no review → pickup, review null; no deploy stage (F0's PRs have none) → null.

    As of 06-05 00:00 (D2 made) both stores agree again: coding 12 h for PR #1."""
    world = relisting_world()
    full_engine, cut_engine = duckdb_engines
    write(world, full_engine)
    t = june(4, 12)
    full = product(world, full_engine, t)
    write(as_of_world(world, t), cut_engine)
    cut = product(world, cut_engine, t)
    assert relisted_after(world, t) == {"acme/orders"}
    full_rows = {(row.team, row.window): row.to_json_dict() for row in full.rows}
    cut_rows = {(row.team, row.window): row.to_json_dict() for row in cut.rows}
    coding_only = {"coding": 12.0, "pickup": None, "review": None, "deploy": None}
    nothing = dict.fromkeys(("coding", "pickup", "review", "deploy"))
    for team in ("*", "orders"):
        a, b = full_rows[(team, "30d")], cut_rows[(team, "30d")]
        assert (a["deployments"], a["lead_time_hours_p50"], a["incidents"]) == (2, None, 0)
        assert a["change_failure_rate"] == a["rework_rate"] == 0.5
        assert a["failed_deployment_recovery_hours_p50"] == 24.0
        assert a["lead_time_breakdown_hours_p50"] == coding_only  # the documented limit
        assert b["lead_time_breakdown_hours_p50"] == nothing  # what had happened by T
        for name in a:
            if name != "lead_time_breakdown_hours_p50":
                assert close(a[name], b[name]), (team, name)
    assert failed_list(full) == failed_list(cut)

    later = june(5)
    assert relisted_after(world, later) == set()
    write(as_of_world(world, later), cut_engine)
    assert not differences(
        product(world, full_engine, later), product(world, cut_engine, later), world, later
    )
    assert product(world, full_engine, later).rows[0].lead_time_breakdown_hours_p50 == {
        "coding": 12.0,
        "pickup": None,
        "review": None,
        "deploy": None,
    }


# -- a defect: an incident issue reopened after as_of -----------------------------------------------------


def reopened_issue_world(resolved: datetime) -> World:
    """acme/orders (team ``orders``, its own service, no PagerDuty service). F0, the first deployment
    (06-01 00:00); D1 (06-10 00:00) ships c1, authored 06-09 20:00; D2 (06-11 00:00) ships c2, authored
    06-10 22:00. Incident issue acme/orders#7 (label ``incident``), opened 06-10 06:00, closed 06-10 09:00;
    then reopened 06-12 00:00 and closed again 06-13 00:00. The collector stores an issue as GitHub shows
    it at the last sync: ``resolved`` is its stored ``resolved_at`` (``closed_at``, SPEC §5.4)."""
    repo = "acme/orders"
    world = World(repos={repo: ("orders", repo)}, pagerduty={}, aw=AW)
    f0, c1, c2 = (sha(f"reopened-{name}") for name in ("f0", "c1", "c2"))
    world.commits[(repo, f0)] = Commit(f0, june(1) - GRID, (), "start")
    world.commits[(repo, c1)] = Commit(c1, june(9, 20), (f0,), "c1")
    world.commits[(repo, c2)] = Commit(c2, june(10, 22), (c1,), "c2")
    five = timedelta(minutes=5)
    world.deps = [
        Dep(repo, 1, june(1) - five, june(1), f0, "first"),
        Dep(repo, 2, june(10) - five, june(10), c1, "ahead", 1, f0, (c1,)),
        Dep(repo, 3, june(11) - five, june(11), c2, "ahead", 2, c1, (c2,)),
    ]
    world.incidents = [Inc("github", f"{repo}#7", repo, "checkout errors", None, june(10, 6), resolved)]
    return world


REOPENED_AS_OF = june(11, 12)
# SPEC §6.2, as of 06-11 12:00, window 30d = (05-12 12:00, 06-11 12:00], the issue closed at 06-10 09:00 (the
# reopening at 06-12 "has not happened yet", SPEC §2): deployments F0, D1, D2 → 3; leads 4 h, 2 h → p50 3,
# p90 2 + 0.9 × 2 = 3.8; D1 failed by the window rule (the issue started 6 h after it, within 24 h, D1 the
# latest deployment before it) → CFR 1/3, recovered at the close: 9 h; time to restore 06-10 09:00 −
# 06:00 = 3 h (p50 = p90 = 3); 1 incident; D2 (06-11 00:00) deployed after the close: no rework → 0.
REOPENED_EXPECTED = {
    "deployments": 3,
    "lead_time_hours_p50": 3.0,
    "lead_time_hours_p90": 3.8,
    "change_failure_rate": 1 / 3,
    "failed_deployment_recovery_hours_p50": 9.0,
    "time_to_restore_hours_p50": 3.0,
    "time_to_restore_hours_p90": 3.0,
    "incidents": 1,
    "rework_rate": 0.0,
}


def reopened_rows(world: World, engine: Engine) -> dict[str, dict[str, Any]]:
    write(world, engine)
    result = product(world, engine, REOPENED_AS_OF)
    return {row.team: row.to_json_dict() for row in result.rows if row.window == "30d"}


def test_issue_closed_by_as_of_counts_as_closed_on_the_store_of_that_time(
    duckdb_engines: tuple[Engine, Engine],
) -> None:
    """The control of the defect below: the store a sync at 06-11 12:00 left (the issue closed at 06-10
    09:00) gives SPEC's numbers, worked out at ``REOPENED_EXPECTED``."""
    world = as_of_world(reopened_issue_world(resolved=june(10, 9)), REOPENED_AS_OF)
    rows = reopened_rows(world, duckdb_engines[1])
    for team in ("*", "orders"):
        for name, value in REOPENED_EXPECTED.items():
            assert close(rows[team][name], value), (team, name, rows[team][name])


@pytest.mark.xfail(
    strict=True,
    reason="KNOWN LIMIT (docs/metrics.md, Evidence): an incident issue closed by as_of and reopened after it "
    "counts as open as of as_of "
    "(the store keeps only its latest closed_at): recovery 9 h and restore 3 h become null, rework 0 → 1/3",
)
def test_issue_reopened_after_as_of_was_closed_as_of_as_of(duckdb_engines: tuple[Engine, Engine]) -> None:
    """SPEC §2: "facts after it are ignored, as if they had not happened yet"; SPEC §5.4: an issue's
    resolved_at is its ``closed_at``. As of 06-11 12:00 the issue had been closed at 06-10 09:00; its
    reopening (06-12) and second close (06-13) come after as_of. The full store, as the collector leaves it
    after 06-13 (collector/sources/github_parse.py ``parse_incident_issue``: resolved_at = the issue's
    current ``closed_at``, None while reopened), holds only the second close, so as of 06-11 12:00 the
    product sees the issue open: D1 not recovered (recovery null instead of 9 h), no time to restore (null
    instead of 3 h), and D2 deployed "while an incident of its service was open" (rework 1/3 instead of 0).
    docs/metrics.md says nothing of reopened issues. Expected: ``REOPENED_EXPECTED``, as on the store of
    that time (the control above)."""
    rows = reopened_rows(reopened_issue_world(resolved=june(13)), duckdb_engines[0])
    for team in ("*", "orders"):
        for name, value in REOPENED_EXPECTED.items():
            assert close(rows[team][name], value), (team, name, rows[team][name])
