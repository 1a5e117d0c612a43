"""One repository's history, simulated day by day: commits, PRs, deployments, rollbacks, reverts and
incidents, as mutable state that ``facts`` turns into the collector's frozen facts."""

from __future__ import annotations

import bisect
import heapq
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import cast

from doraspace.demo.plan import (
    _AREAS,
    _BACKGROUND,
    _LIBRARIES,
    _SYMPTOMS,
    _VERBS,
    _WORK_MESSAGES,
    GITHUB_ORGANISATION,
    URGENCIES,
    _Cadence,
    _RepoPlan,
    _TeamPlan,
    _Workweek,
)


@dataclass(eq=False)
class _Pull:
    title: str
    author: str
    created_at: datetime
    merged_at: datetime
    commits: list[_Commit]
    reviews: list[tuple[str, str, datetime]]
    labels: tuple[str, ...]
    branch: str
    is_fix: bool = False  # a revert or hotfix answering a failure: deployed at once
    reverts: _Commit | None = None
    merge_commit: _Commit | None = None
    number: int = 0


@dataclass(eq=False)
class _Commit:
    sha: str
    parents: tuple[str, ...]
    author_date: datetime
    committed_date: datetime
    message: str = ""
    style: str = "plain"  # plain | merge | squash | revert
    pull: _Pull | None = None  # merge and squash commits: their message names the PR
    reverts: _Commit | None = None
    branch_commits: tuple[_Commit, ...] = ()  # a merge commit's PR branch, which it brings into main
    index: int = -1  # position on the main line; -1 for commits only on a PR branch


@dataclass(eq=False)
class _Deploy:
    created_at: datetime
    finished_at: datetime
    commit: _Commit
    succeeded: bool
    kind: str  # regular | fix | retry | rollback | merge
    pull: _Pull | None = None  # merged_prs: the PR whose merge this is
    ident: int = 0


@dataclass(eq=False)
class _Incident:
    source: str
    channel: str  # PagerDuty service id, or the repository for GitHub issues
    title: str
    description: str
    urgency: str | None
    started_at: datetime
    resolved_at: datetime | None = None
    number: int = 0  # GitHub issue number
    ident: str = ""  # PagerDuty incident id


@dataclass
class _Ids:
    """GitHub's global ids: they grow with time, with gaps left by everyone else's objects."""

    rng: random.Random
    start: datetime
    deployment: int = 1_480_000_000
    workflow_run: int = 9_310_000_000

    def next_deployment(self) -> int:
        self.deployment += self.rng.randint(40, 4000)
        return self.deployment

    def next_workflow_run(self) -> int:
        self.workflow_run += self.rng.randint(200, 20000)
        return self.workflow_run

    def _at(self, base: int, moment: datetime) -> int:
        # An id per tenth of a second, plus jitter: the statuses of one deployment (or the reviews of
        # one PR) are seconds apart, so their ids never collide.
        return base + int((moment - self.start).total_seconds() * 10) + self.rng.randint(0, 9)

    def status(self, moment: datetime) -> int:
        return self._at(3_720_000_000, moment)

    def review(self, moment: datetime) -> int:
        return self._at(2_050_000_000, moment)


def _sha(rng: random.Random) -> str:
    return f"{rng.getrandbits(160):040x}"


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high))


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: means here are small.
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _lognormal_hours(rng: random.Random, median: float, sigma: float = 0.85) -> float:
    return rng.lognormvariate(math.log(median), sigma)


# --------------------------------------------------------------------------------------------------
# One repository's history
# --------------------------------------------------------------------------------------------------


class _RepoHistory:
    """Simulates one repository in time order: merges build the main line, the team's cadence deploys
    it, some deployments break production and the team rolls back, reverts or hotfixes."""

    def __init__(
        self,
        rng: random.Random,
        team: _TeamPlan,
        plan: _RepoPlan,
        developers: Sequence[str],
        pagerduty_service: str | None,
        start: datetime,
        end: datetime,
    ) -> None:
        self.rng = rng
        self.team = team
        self.plan = plan
        self.full_name = f"{GITHUB_ORGANISATION}/{plan.name}"
        self.source = plan.source or team.source
        self.merge_style = plan.merge_style or team.merge_style
        self.cadence = team.cadence if plan.source is None else _Cadence("on_merge")
        self.developers = list(developers)
        self.pagerduty_service = pagerduty_service
        self.start, self.end = start, end
        self.week = _Workweek(team.workday_start)
        self.areas = _AREAS[team.name]

        self.main: list[_Commit] = []
        self.main_times: list[datetime] = []
        self.pulls: list[_Pull] = []
        self.deploys: list[_Deploy] = []
        self.incidents: list[_Incident] = []
        self.events: list[tuple[datetime, int, str, object]] = []
        self._sequence = count()
        self.busy_until = start
        self.deploy_pending = False
        self.frozen = False  # after a rollback: nothing ships until the fix is merged
        self.last_success: _Deploy | None = None
        self.shipped_index = -1
        # Incidents that end when a fix PR's merge commit reaches production.
        self.awaiting_fix: list[tuple[_Pull, _Incident]] = []

    # -- building blocks ----------------------------------------------------------------------------

    def _at(self, moment: datetime, kind: str, payload: object = None) -> None:
        heapq.heappush(self.events, (moment, next(self._sequence), kind, payload))

    def _append_main(self, commit: _Commit) -> _Commit:
        # The main line's committer dates increase strictly, so "main at time t" is a bisection.
        if self.main_times and commit.committed_date <= self.main_times[-1]:
            commit.committed_date = self.main_times[-1] + timedelta(seconds=1)
        commit.index = len(self.main)
        self.main.append(commit)
        self.main_times.append(commit.committed_date)
        return commit

    def head(self) -> _Commit:
        return self.main[-1]

    def main_at(self, moment: datetime) -> _Commit:
        index = bisect.bisect_right(self.main_times, moment) - 1
        return self.main[max(index, 0)]

    def _title(self) -> str:
        return f"{self.rng.choice(_VERBS)} {self.rng.choice(self.areas)}"

    def _reviewer(self, author: str) -> str:
        return self.rng.choice([dev for dev in self.developers if dev != author])

    # -- pre-history --------------------------------------------------------------------------------

    def _prehistory(self) -> None:
        rng = self.rng
        born = self.start - timedelta(days=rng.randint(400, 1500))
        self._append_main(_Commit(_sha(rng), (), born, born, "Initial commit"))
        for back in sorted(rng.sample(range(2, 40), 4), reverse=True):
            moment = self.week.moment_on(rng, (self.start - timedelta(days=back)).date())
            self._append_main(
                _Commit(
                    sha=_sha(rng),
                    parents=(self.head().sha,),
                    author_date=moment - timedelta(hours=rng.uniform(1, 30)),
                    committed_date=moment,
                    message=self._title(),
                )
            )

    # -- pull requests ------------------------------------------------------------------------------

    def _planned_pulls(self) -> Iterator[_Pull]:
        rng, team = self.rng, self.team
        day = self.start.date()
        while day < self.end.date() + timedelta(days=1):
            weekend = day.weekday() >= 5
            rate = self.plan.pulls_per_weekday * (0.04 if weekend else 1.0)
            for _ in range(_poisson(rng, rate)):
                if weekend:
                    merged = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
                        hours=rng.uniform(9, 21)
                    )
                else:
                    merged = self.week.moment_on(rng, day)
                if self.start < merged < self.end:
                    if rng.random() < 0.07:
                        yield self._dependency_bump(merged)
                    else:
                        yield self._pull(merged, team.coding_hours, team.pickup_hours, team.review_hours)
            day += timedelta(days=1)

    def _pull(self, merged_at: datetime, coding: float, pickup: float, review: float) -> _Pull:
        rng, week = self.rng, self.week
        author = rng.choice(self.developers)
        review_hours = _lognormal_hours(rng, review)
        first_review = week.subtract(merged_at, review_hours)
        created = week.subtract(first_review, _lognormal_hours(rng, pickup))
        coding_hours = _lognormal_hours(rng, coding)
        first_commit = week.subtract(created, coding_hours)
        later = min(_poisson(rng, self.team.commits_per_pull - 1), 9)
        moments = [
            first_commit,
            *sorted(week.add(first_commit, rng.uniform(0, coding_hours)) for _ in range(later)),
        ]
        if rng.random() < 0.35:  # a fix-up after the first review
            moments.append(week.add(first_review, rng.uniform(0, review_hours) * 0.8))
        # Working-time arithmetic around a weekend merge can overshoot it: nothing is written after.
        latest = merged_at - timedelta(minutes=1)
        moments = [min(moment, latest) for moment in moments]
        reviewer = self._reviewer(author)
        state = rng.choices(("APPROVED", "COMMENTED", "CHANGES_REQUESTED"), (0.6, 0.25, 0.15))[0]
        reviews = [(reviewer, state, first_review)]
        if state != "APPROVED":
            approval = min(merged_at - timedelta(minutes=2), week.add(first_review, review_hours * 0.7))
            approval = max(approval, first_review + timedelta(seconds=30))
            reviews.append((rng.choice((reviewer, self._reviewer(author))), "APPROVED", approval))
        if rng.random() < 0.1:  # the author answering in a review thread: not a review of theirs
            reviews.append((author, "COMMENTED", first_review + timedelta(minutes=rng.randint(5, 90))))
        label = rng.choices(("feature", "bug", "chore", "refactor", ""), (0.4, 0.25, 0.1, 0.1, 0.15))[0]
        title = self._title()
        return _Pull(
            title=title,
            author=author,
            created_at=created,
            merged_at=merged_at,
            commits=self._branch(author, moments, title),
            reviews=reviews,
            labels=(label,) if label else (),
            branch=f"{author}/{title.lower().replace(' ', '-')}",
        )

    def _dependency_bump(self, merged_at: datetime) -> _Pull:
        """A bot's PR, merged without a review: it has no pickup and no review stage."""
        rng = self.rng
        created = self.week.subtract(merged_at, _lognormal_hours(rng, 6.0))
        library = rng.choice(_LIBRARIES)
        major, minor, patch = rng.randint(1, 9), rng.randint(0, 30), rng.randint(0, 20)
        title = f"Bump {library} from {major}.{minor}.{patch} to {major}.{minor}.{patch + 1}"
        return _Pull(
            title=title,
            author="deps-bot",
            created_at=created,
            merged_at=merged_at,
            commits=self._branch("deps-bot", [created - timedelta(seconds=40)], title),
            reviews=[],
            labels=("dependencies",),
            branch=f"deps/{library}-{major}.{minor}.{patch + 1}",
        )

    def _branch(self, author: str, moments: Sequence[datetime], title: str) -> list[_Commit]:
        """A PR branch forked from main as it was at its first commit; the merge sets parents later."""
        del author  # commits carry no identity: the store keeps none, and reports show none
        commits: list[_Commit] = []
        for position, moment in enumerate(moments):
            message = title if position == 0 else self.rng.choice(_WORK_MESSAGES)
            commits.append(
                _Commit(
                    sha=_sha(self.rng), parents=(), author_date=moment, committed_date=moment, message=message
                )
            )
        return commits

    def _merge(self, pull: _Pull) -> _Commit:
        """Land ``pull`` on main the way the team merges, and return its merge_commit_sha's commit."""
        rng = self.rng
        base = self.main_at(pull.commits[0].author_date)
        previous = base.sha
        for commit in pull.commits:
            commit.parents = (previous,)
            previous = commit.sha
        when = pull.merged_at
        if self.merge_style == "merge":
            merge = _Commit(
                sha=_sha(rng),
                parents=(self.head().sha, pull.commits[-1].sha),
                author_date=when,
                committed_date=when,
                style="merge",
                pull=pull,
                branch_commits=tuple(pull.commits),
            )
            pull.merge_commit = self._append_main(merge)
        elif self.merge_style == "squash":
            squash = _Commit(
                sha=_sha(rng),
                parents=(self.head().sha,),
                author_date=when,
                committed_date=when,
                style="squash",
                pull=pull,
                reverts=pull.reverts,
            )
            pull.merge_commit = self._append_main(squash)
        else:  # rebase: the PR's commits replayed on main, new shas, author dates kept
            for offset, original in enumerate(pull.commits):
                replayed = _Commit(
                    sha=_sha(rng),
                    parents=(self.head().sha,),
                    author_date=original.author_date,
                    committed_date=when + timedelta(seconds=offset),
                    message=original.message,
                    style=original.style,
                    reverts=original.reverts,
                )
                pull.merge_commit = self._append_main(replayed)
        self.pulls.append(pull)
        assert pull.merge_commit is not None
        return pull.merge_commit

    # -- deployments --------------------------------------------------------------------------------

    def _deploy(self, moment: datetime, commit: _Commit, kind: str) -> _Deploy | None:
        """Run the pipeline for ``commit``; pipelines of one repository never overlap."""
        rng, team = self.rng, self.team
        created = max(moment, self.busy_until)
        if created >= self.end:
            return None
        finished = created + _minutes(rng, *team.deploy_minutes)
        broken = kind in ("regular", "fix") and rng.random() < team.attempt_failure
        deploy = _Deploy(
            created_at=created, finished_at=finished, commit=commit, succeeded=not broken, kind=kind
        )
        self.deploys.append(deploy)
        self.busy_until = finished + timedelta(minutes=1)
        if broken:
            # Someone re-runs the pipeline once the flaky step is looked at.
            self._at(finished + _minutes(rng, 10, 45), "retry")
        elif finished <= self.end:
            self._succeeded(deploy)
        return deploy

    def _request_deploy(self, moment: datetime) -> None:
        if not self.deploy_pending:
            self.deploy_pending = True
            self._at(max(moment, self.busy_until), "deploy", "regular")

    def _new_changes(self, upto: int) -> list[_Commit]:
        """Non-merge commits a deployment of main[upto] ships that no earlier deployment did."""
        changes: list[_Commit] = []
        for commit in self.main[self.shipped_index + 1 : upto + 1]:
            changes.extend(commit.branch_commits)
            if commit.style != "merge":
                changes.append(commit)
        return changes

    def _succeeded(self, deploy: _Deploy) -> None:
        previous = self.last_success
        changes = self._new_changes(deploy.commit.index) if deploy.kind != "rollback" else []
        self.last_success = deploy
        self.shipped_index = max(self.shipped_index, deploy.commit.index)
        for pull, incident in list(self.awaiting_fix):
            if pull.merge_commit is not None and 0 <= pull.merge_commit.index <= deploy.commit.index:
                incident.resolved_at = deploy.finished_at + _minutes(self.rng, 3, 25)
                self.awaiting_fix.remove((pull, incident))
        # The first deployment's changes are unknown (SPEC §5.2): it cannot be found failed by a change.
        suspects = [c for c in changes if c.style != "revert"]
        if previous is not None and suspects and self.rng.random() < self.team.change_failure:
            self._break_production(deploy, previous, suspects)

    # -- failures -----------------------------------------------------------------------------------

    def _break_production(self, failed: _Deploy, previous: _Deploy, suspects: list[_Commit]) -> None:
        rng = self.rng
        culprit = rng.choice(suspects)
        modes = {"revert": 0.35, "hotfix": 0.35, "incident": 0.3}
        if self.source == "deployments" and previous.commit is not failed.commit:
            modes = {"rollback": 0.4, "revert": 0.2, "hotfix": 0.25, "incident": 0.15}
        mode = rng.choices(list(modes), list(modes.values()))[0]
        paged = mode in ("hotfix", "incident") or rng.random() < 0.55
        incident = None
        noticed = failed.finished_at + _minutes(rng, 4, 45)
        if paged:
            incident = self._incident(noticed, culprit if rng.random() < 0.35 else None, self._symptom())
        if mode == "rollback":
            self.frozen = True
            self._at(noticed + _minutes(rng, 8, 35), "rollback", (previous, culprit, incident))
        elif mode == "revert":
            self._fix(noticed + _minutes(rng, 15, 120), culprit, incident)
        elif mode == "hotfix":
            self._fix(noticed + _minutes(rng, 20, 150), None, incident)
        elif incident is not None:
            # Fixed by hand (a restart, a flag, a config change): nothing is deployed.
            incident.resolved_at = incident.started_at + timedelta(hours=_lognormal_hours(rng, 1.2, 0.9))

    def _rollback(self, moment: datetime, payload: tuple[_Deploy, _Commit, _Incident | None]) -> None:
        previous, culprit, incident = payload
        rollback = self._deploy(moment, previous.commit, "rollback")
        if rollback is None:
            return
        if incident is not None and rollback.finished_at <= self.end:
            incident.resolved_at = rollback.finished_at + _minutes(self.rng, 3, 20)
        # Then the bad change is reverted (or fixed forward) on main, and shipping resumes.
        revert = culprit if self.rng.random() < 0.6 else None
        self._fix(rollback.finished_at + timedelta(hours=self.rng.uniform(1, 6)), revert, None)

    def _fix(self, created: datetime, culprit: _Commit | None, incident: _Incident | None) -> None:
        """A revert of ``culprit`` (GitHub's revert button) or a hotfix PR, reviewed and merged quickly."""
        rng = self.rng
        author = rng.choice(self.developers)
        reviewed = created + _minutes(rng, 5, 30)
        merged = reviewed + _minutes(rng, 3, 25)
        if culprit is not None:
            commit = _Commit(
                sha=_sha(rng),
                parents=(),
                author_date=created - timedelta(minutes=1),
                committed_date=created - timedelta(minutes=1),
                style="revert",
                reverts=culprit,
            )
            labels: tuple[str, ...] = ("revert",) if rng.random() < 0.5 else ()
            pull = _Pull(
                title="",  # rendered once the reverted commit's message is known
                author=author,
                created_at=created,
                merged_at=merged,
                commits=[commit],
                reviews=[(self._reviewer(author), "APPROVED", reviewed)],
                labels=labels,
                branch=f"revert-{culprit.sha[:7]}",
                is_fix=True,
                reverts=culprit,
            )
        else:
            title = f"Hotfix: {rng.choice(self.areas)}"
            moments = [created - _minutes(rng, 10, 50), created - _minutes(rng, 1, 8)]
            pull = _Pull(
                title=title,
                author=author,
                created_at=created,
                merged_at=merged,
                commits=self._branch(author, moments, title),
                reviews=[(self._reviewer(author), "APPROVED", reviewed)],
                labels=("hotfix",),
                branch=f"hotfix/{rng.choice(self.areas).lower().replace(' ', '-')}",
                is_fix=True,
            )
        if incident is not None:
            self.awaiting_fix.append((pull, incident))
        self._at(merged, "merge", pull)

    def _symptom(self) -> str:
        return self.rng.choice(_SYMPTOMS).format(service=self.plan.name)

    def _incident(self, started: datetime, culprit: _Commit | None, title: str) -> _Incident | None:
        if started >= self.end:
            return None
        rng = self.rng
        description = "Customers affected; see the incident channel for the timeline."
        if culprit is not None:
            # Some teams name the cause in the title, others in the write-up.
            if rng.random() < 0.7:
                title = f"{title} (root cause: {culprit.sha[:7]})"
            else:
                description = f"Root cause: {culprit.sha[:7]} shipped a regression. {description}"
        if self.plan.incidents == "pagerduty" and self.pagerduty_service is not None:
            incident = _Incident("pagerduty", self.pagerduty_service, title, description, "high", started)
        else:
            incident = _Incident("github", self.full_name, title, description, None, started)
        self.incidents.append(incident)
        return incident

    def _background_incidents(self) -> None:
        """Incidents no deployment caused: they happen at any hour, weekends included."""
        rng = self.rng
        rate = self.team.background_incidents_per_week / 7.0
        if rate <= 0:
            return
        moment = self.start
        while True:
            moment += timedelta(days=rng.expovariate(rate))
            if moment >= self.end:
                return
            title = rng.choice(_BACKGROUND).format(service=self.plan.name)
            incident = self._incident(moment, None, title)
            if incident is not None:
                incident.urgency = rng.choice(URGENCIES) if incident.source == "pagerduty" else None
                incident.resolved_at = moment + timedelta(hours=_lognormal_hours(rng, 1.5, 1.0))

    # -- the run ------------------------------------------------------------------------------------

    def run(self) -> None:
        self._prehistory()
        for pull in self._planned_pulls():
            self._at(pull.merged_at, "merge", pull)
        if self.cadence.kind == "trains":
            day = self.start.date()
            while day <= self.end.date():
                if day.weekday() in self.cadence.weekdays:
                    for hour in self.cadence.hours:
                        moment = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)
                        self._at(moment + _minutes(self.rng, 0, 20), "deploy", "regular")
                day += timedelta(days=1)
        if self.cadence.kind != "on_merge":
            # What was running in production when the collected history begins.
            self._deploy(self.week.add(self.start, 0.5), self.head(), "regular")
        while self.events:
            moment, _, kind, payload = heapq.heappop(self.events)
            if moment >= self.end:
                break
            if kind == "merge":
                assert isinstance(payload, _Pull)
                self._on_merge(moment, payload)
            elif kind in ("deploy", "retry"):
                # A retry re-runs the pipeline for main as it is now: re-deploying the broken attempt's
                # sha after something newer shipped would be a rollback nobody made.
                if kind == "deploy":
                    self.deploy_pending = False
                if payload == "fix" or not self.frozen:
                    head = self.main_at(moment)
                    if self.last_success is None or head.index > self.last_success.commit.index:
                        self._deploy(moment, head, "retry" if kind == "retry" else str(payload))
            elif kind == "rollback":
                self._rollback(moment, cast(tuple[_Deploy, _Commit, "_Incident | None"], payload))
        self._background_incidents()
        if self.plan.ongoing_incident:
            started = self.end - timedelta(hours=self.rng.uniform(1, 3))
            self._incident(started, None, f"{self.plan.name} nightly jobs stuck: invoices not sent")
        for incident in self.incidents:
            if incident.resolved_at is not None and incident.resolved_at > self.end:
                incident.resolved_at = None  # still open when the history ends

    def _on_merge(self, moment: datetime, pull: _Pull) -> None:
        rng = self.rng
        merge_commit = self._merge(pull)
        if pull.is_fix:
            self.frozen = False
        kind = self.cadence.kind
        if kind == "on_merge":
            deploy = _Deploy(moment, moment, merge_commit, True, "merge", pull=pull)
            self.deploys.append(deploy)
            self._succeeded(deploy)
        elif kind == "per_push":
            self._deploy(moment + timedelta(seconds=rng.randint(5, 40)), merge_commit, "regular")
        elif kind == "continuous":
            self._request_deploy(moment + _minutes(rng, 2, 8))
        elif pull.is_fix:
            # Trains wait for nobody with a fix: it goes out on its own.
            self._at(max(moment + _minutes(rng, 10, 30), self.busy_until), "deploy", "fix")
