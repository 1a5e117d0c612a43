"""A synthetic GitHub + PagerDuty organisation for ``doraspace demo`` (SPEC §2), deterministic from a seed.

The organisation is generated as the collector's own raw facts (``collector.models``) and loaded with the
collector's own writers, so everything after the load — store, ownership, analytics, serving — is the code
a real deployment runs; only the HTTP round trips are skipped. That keeps the demo fast and offline, and
means the facts must look exactly like what GitHub and PagerDuty would have answered:

* every repository has a real commit graph: a main line with merge commits (``merge`` teams), squash
  commits (``squash``) or rebased commits (``rebase``), PR branches forked from the main line as it was
  when their first commit was written;
* each deployment's compare lists exactly the commits between it and the deployment before it, as
  GitHub's compare would; a rollback deploys an older sha and its compare is ``behind`` with no commits;
* reverts are commits saying ``This reverts commit <sha>.``, hotfixes are PRs labelled ``hotfix``, and
  some incidents name their cause as ``root cause: <sha7>``;
* GitHub ids, PR numbers (shared with issues, in creation order), status ids and review ids grow with
  time as GitHub's do.

Teams have shapes a platform engineer would recognise: an elite team deploying continuously, a
struggling team with weekly change windows, long-lived PRs and a high failure rate, a team that
squash-merges on release trains, a team whose deployments are workflow runs, one that deploys on merge
with rebase merges, one known only from the Backstage catalog, and an unowned sandbox. People work on
weekdays in their team's hours; production incidents happen whenever they like.

Only ``random.Random(seed)`` is used and time comes from the caller's ``end``: the same seed and ``end``
give identical facts. Nobody real appears: people are ``dev-17``, the organisation is ``acme``.

Volume is bounded on purpose: the organisation has about 750 deployments and 850 merged PRs in 200 days,
enough for every chart to mean something while the whole demo (load, analytics, 26 weekly points,
reports) stays around 20 s on a 2-core machine.
"""

from __future__ import annotations

import bisect
import heapq
import json
import math
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import count, pairwise
from typing import cast

from sqlalchemy import Engine

from collector.catalog import parse_catalog, write_components
from collector.models import (
    CommitFact,
    CompareFact,
    ComponentFact,
    DeploymentFact,
    DeploymentStatusFact,
    IncidentFact,
    PullRequestCommitFact,
    PullRequestFact,
    RepositoryFact,
    ReviewFact,
)
from collector.pagerduty_sync import cursor_scope
from collector.sources.github_parse import merged_pull_deployment
from collector.sources.pagerduty import format_instant
from collector.writer import (
    write_compares,
    write_deployments,
    write_incidents,
    write_pull_requests,
    write_repositories,
)
from store.cursors import write_cursor

__all__ = [
    "GITHUB_ORGANISATION",
    "DemoOrganisation",
    "DemoTeam",
    "build_demo_organisation",
    "load_demo_organisation",
]

GITHUB_ORGANISATION = "acme"
DEFAULT_BRANCH = "main"
ENVIRONMENT = "production"
INCIDENT_LABEL = "incident"
URGENCIES = ("high", "low")
WINDOWS = ("7d", "30d", "90d")
# The collector writes merged PRs a listing page at a time.
PULL_PAGE = 100
# A working day, in hours; each team's starts at its own UTC hour.
WORKDAY_HOURS = 9.0


# --------------------------------------------------------------------------------------------------
# Public objects
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoTeam:
    """A team of the organisation and the shape it was generated with (for tests and the demo's text)."""

    name: str
    shape: str
    """``elite``, ``squash-merge``, ``workflow-runs``, ``deploy-on-merge``, ``struggling``, ``steady`` or
    ``catalog-only``."""
    repositories: tuple[str, ...]
    """Every repository the team owns, whether ``teams:`` or the catalog says so."""
    config_repositories: tuple[str, ...]
    """The repositories ``teams:`` lists; the others are the team's through the Backstage catalog only."""
    pagerduty_services: tuple[str, ...]
    """PagerDuty services ``teams:`` lists (others come from catalog annotations)."""
    headcount: int
    survey_names: tuple[str, ...]
    deployment_source: str
    merge_style: str
    """How the team merges PRs: ``merge`` (merge commits), ``squash`` or ``rebase``."""


@dataclass(frozen=True)
class DemoOrganisation:
    """Everything ``load_demo_organisation`` writes, as the collector's raw facts, and the config."""

    seed: int
    start: datetime
    end: datetime
    teams: tuple[DemoTeam, ...]
    repositories: tuple[RepositoryFact, ...]
    discovered_from: Mapping[str, str]
    """Repository → ``config`` or ``org:acme``, as the GitHub sync records it."""
    deployment_sources: Mapping[str, tuple[str, str | None]]
    """Repository → (deployment source, workflow file)."""
    catalog_files: Mapping[str, str]
    """Repository → the text of its ``catalog-info.yaml`` (repositories without one are left out)."""
    components: tuple[ComponentFact, ...]
    deployments: tuple[DeploymentFact, ...]
    """GitHub Deployments and workflow runs, failed attempts included; ``merged_prs`` deployments are
    derived from the pull requests at load time, as the collector derives them."""
    compares: tuple[CompareFact, ...]
    pull_requests: tuple[PullRequestFact, ...]
    incidents: tuple[IncidentFact, ...]

    def team(self, name: str) -> DemoTeam:
        return next(team for team in self.teams if team.name == name)

    def teams_with_shape(self, shape: str) -> list[DemoTeam]:
        return [team for team in self.teams if team.shape == shape]

    def config_yaml(self, database_url: str) -> str:
        """The configuration of this organisation, storing into ``database_url``."""
        return _config_yaml(self, database_url)


# --------------------------------------------------------------------------------------------------
# The organisation's plan
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cadence:
    """When a team's repositories deploy.

    ``continuous``: every merge starts the pipeline (merges landing meanwhile ride along);
    ``trains``: at ``hours`` (UTC) on ``weekdays`` if anything new was merged; ``per_push``: every push
    to main runs the deploy workflow; ``on_merge``: the merge itself is the deployment.
    """

    kind: str
    hours: tuple[float, ...] = ()
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class _TeamPlan:
    name: str
    shape: str
    headcount: int
    survey_names: tuple[str, ...]
    workday_start: float  # UTC hour
    merge_style: str
    source: str
    cadence: _Cadence
    coding_hours: float  # medians in working hours: first commit → PR opened
    pickup_hours: float  # opened → first review
    review_hours: float  # first review → merged
    commits_per_pull: float
    deploy_minutes: tuple[float, float]
    attempt_failure: float  # the pipeline fails; production is untouched
    change_failure: float  # the deployment breaks production
    background_incidents_per_week: float  # per repository, unrelated to any deployment
    pagerduty_in_config: bool  # one team-wide PagerDuty service listed under teams:


@dataclass(frozen=True)
class _RepoPlan:
    name: str
    team: str | None
    in_config: bool  # listed under its team's repositories (else ownership comes from the catalog)
    pulls_per_weekday: float
    incidents: str  # "pagerduty" | "github"
    catalog_file: str | None  # the repository whose catalog-info.yaml declares it; None: no component
    catalog_owner: str | None  # spec.owner as written there
    pagerduty_annotation: bool  # its component names a PagerDuty service of its own
    workflow: str | None = None
    source: str | None = None  # overrides the team's (the unowned sandbox has no team)
    merge_style: str | None = None
    ongoing_incident: bool = False  # an incident still open when the history ends


_TEAMS: tuple[_TeamPlan, ...] = (
    _TeamPlan(
        name="checkout",
        shape="elite",
        headcount=8,
        survey_names=("Checkout", "Checkout team"),
        workday_start=8.0,
        merge_style="merge",
        source="deployments",
        cadence=_Cadence("continuous"),
        coding_hours=1.6,
        pickup_hours=0.6,
        review_hours=0.8,
        commits_per_pull=2.2,
        deploy_minutes=(7, 14),
        attempt_failure=0.03,
        change_failure=0.035,
        background_incidents_per_week=0.08,
        pagerduty_in_config=True,
    ),
    _TeamPlan(
        name="payments",
        shape="squash-merge",
        headcount=7,
        survey_names=("Payments", "Payments team"),
        workday_start=7.0,
        merge_style="squash",
        source="deployments",
        cadence=_Cadence("trains", hours=(10.5, 15.0)),
        coding_hours=6.0,
        pickup_hours=2.5,
        review_hours=3.0,
        commits_per_pull=3.0,
        deploy_minutes=(12, 25),
        attempt_failure=0.05,
        change_failure=0.08,
        background_incidents_per_week=0.12,
        pagerduty_in_config=False,
    ),
    _TeamPlan(
        name="platform",
        shape="workflow-runs",
        headcount=6,
        survey_names=("Platform", "Platform engineering"),
        workday_start=9.0,
        merge_style="merge",
        source="workflow_runs",
        cadence=_Cadence("per_push"),
        coding_hours=5.0,
        pickup_hours=2.0,
        review_hours=2.0,
        commits_per_pull=2.5,
        deploy_minutes=(5, 12),
        attempt_failure=0.07,
        change_failure=0.07,
        background_incidents_per_week=0.1,
        pagerduty_in_config=False,
    ),
    _TeamPlan(
        name="search",
        shape="deploy-on-merge",
        headcount=5,
        survey_names=("Search", "Search & discovery"),
        workday_start=12.0,
        merge_style="rebase",
        source="merged_prs",
        cadence=_Cadence("on_merge"),
        coding_hours=6.0,
        pickup_hours=3.0,
        review_hours=2.5,
        commits_per_pull=2.0,
        deploy_minutes=(0, 0),
        attempt_failure=0.0,
        change_failure=0.07,
        background_incidents_per_week=0.08,
        pagerduty_in_config=False,
    ),
    _TeamPlan(
        name="billing",
        shape="struggling",
        headcount=6,
        survey_names=("Billing", "Billing team"),
        workday_start=8.0,
        merge_style="merge",
        source="deployments",
        cadence=_Cadence("trains", hours=(15.0,), weekdays=(1,)),
        coding_hours=24.0,
        pickup_hours=12.0,
        review_hours=14.0,
        commits_per_pull=4.5,
        deploy_minutes=(40, 90),
        attempt_failure=0.15,
        change_failure=0.3,
        background_incidents_per_week=0.2,
        pagerduty_in_config=True,
    ),
    _TeamPlan(
        name="mobile",
        shape="steady",
        headcount=7,
        survey_names=("Mobile", "Mobile apps"),
        workday_start=10.0,
        merge_style="squash",
        source="deployments",
        cadence=_Cadence("trains", hours=(13.0,), weekdays=(0, 3)),
        coding_hours=8.0,
        pickup_hours=4.0,
        review_hours=4.0,
        commits_per_pull=3.0,
        deploy_minutes=(15, 30),
        attempt_failure=0.06,
        change_failure=0.1,
        background_incidents_per_week=0.1,
        pagerduty_in_config=False,
    ),
    _TeamPlan(
        name="data",
        shape="catalog-only",
        headcount=5,
        survey_names=("Data", "Data engineering"),
        workday_start=7.0,
        merge_style="rebase",
        source="deployments",
        cadence=_Cadence("trains", hours=(6.0,), weekdays=(0, 1, 2, 3, 4, 5, 6)),
        coding_hours=7.0,
        pickup_hours=3.0,
        review_hours=3.0,
        commits_per_pull=2.5,
        deploy_minutes=(10, 20),
        attempt_failure=0.05,
        change_failure=0.08,
        background_incidents_per_week=0.1,
        pagerduty_in_config=False,
    ),
)


def _repo(
    name: str,
    team: str | None,
    pulls_per_weekday: float,
    *,
    incidents: str = "github",
    owner: str | None = None,
    catalog_file: str | None = "",
    in_config: bool = True,
    own_pagerduty: bool = False,
    workflow: str | None = None,
    source: str | None = None,
    merge_style: str | None = None,
    ongoing_incident: bool = False,
) -> _RepoPlan:
    return _RepoPlan(
        name=name,
        team=team,
        in_config=in_config,
        pulls_per_weekday=pulls_per_weekday,
        incidents=incidents,
        catalog_file=name if catalog_file == "" else catalog_file,
        catalog_owner=owner if owner is not None else (f"group:{team}" if team else None),
        pagerduty_annotation=own_pagerduty,
        workflow=workflow,
        source=source,
        merge_style=merge_style,
        ongoing_incident=ongoing_incident,
    )


# Rates are merged PRs per weekday, modest on purpose to keep the demo's start-up short (about 700
# deployments in 200 days). Most repositories are quiet, as in any organisation; the elite team's two
# busy services ship a couple of times every working day.
_REPOS: tuple[_RepoPlan, ...] = (
    # checkout: one team-wide PagerDuty service in teams:; cart-service is the team's through the catalog.
    _repo("checkout-api", "checkout", 1.0, incidents="pagerduty"),
    _repo("checkout-web", "checkout", 0.75, incidents="pagerduty"),
    _repo("cart-service", "checkout", 0.2, incidents="pagerduty", in_config=False),
    # payments: PagerDuty services from catalog annotations; fraud-scoring's owner is only in the catalog.
    _repo("payments-gateway", "payments", 0.4, incidents="pagerduty", own_pagerduty=True),
    _repo(
        "ledger", "payments", 0.2, incidents="pagerduty", own_pagerduty=True, owner="group:default/payments"
    ),
    _repo("fraud-scoring", "payments", 0.12, owner="payments", in_config=False),
    # platform: deployments are runs of a deploy workflow.
    _repo(
        "platform-infra", "platform", 0.3, incidents="pagerduty", own_pagerduty=True, workflow="deploy.yml"
    ),
    _repo("build-tools", "platform", 0.12, workflow="release.yml"),
    _repo("service-mesh", "platform", 0.08, workflow="deploy.yml", in_config=False),
    # search: deploys on merge, incidents are GitHub issues.
    _repo("search-api", "search", 0.3),
    _repo("search-indexer", "search", 0.15),
    # billing: invoice-renderer's catalog still names its old owner; teams: overrides it.
    _repo("billing-monolith", "billing", 0.6, incidents="pagerduty", ongoing_incident=True),
    _repo("invoice-renderer", "billing", 0.2, incidents="pagerduty", owner="group:payments"),
    # mobile
    _repo("mobile-bff", "mobile", 0.25, incidents="pagerduty", own_pagerduty=True),
    _repo("mobile-app", "mobile", 0.25),
    _repo("notifications", "mobile", 0.08, owner="group:default/mobile", in_config=False),
    # data: known only from the catalog; warehouse-models is declared in data-pipeline's file.
    _repo("data-pipeline", "data", 0.3, incidents="pagerduty", own_pagerduty=True, in_config=False),
    _repo("warehouse-models", "data", 0.2, catalog_file="data-pipeline", in_config=False),
    # nobody's: no catalog file, not in teams:.
    _repo("hackathon-sandbox", None, 0.06, catalog_file=None, source="merged_prs", merge_style="merge"),
)

_UNOWNED_PLAN = _TeamPlan(
    name="unowned",
    shape="unowned",
    headcount=0,
    survey_names=(),
    workday_start=9.0,
    merge_style="merge",
    source="merged_prs",
    cadence=_Cadence("on_merge"),
    coding_hours=10.0,
    pickup_hours=8.0,
    review_hours=2.0,
    commits_per_pull=3.0,
    deploy_minutes=(0, 0),
    attempt_failure=0.0,
    change_failure=0.05,
    background_incidents_per_week=0.0,
    pagerduty_in_config=False,
)

# Words for titles and messages. None is a run of 7+ letters a-f, which would read as a sha in an
# incident's text (SPEC §6.1 rule 1).
_AREAS = {
    "checkout": ("cart totals", "checkout flow", "address form", "order summary", "promo codes", "tax lines"),
    "payments": ("card tokens", "refunds", "payout batches", "ledger entries", "currency rounding", "3DS"),
    "platform": ("ingress", "node pools", "CI runners", "terraform state", "build cache", "alert rules"),
    "search": ("query parser", "ranking", "synonyms", "index refresh", "facets", "typo tolerance"),
    "billing": ("invoice export", "tax engine", "dunning", "proration", "PDF rendering", "plan changes"),
    "mobile": ("push tokens", "login screen", "offline mode", "deep links", "image upload", "onboarding"),
    "data": ("nightly load", "dbt models", "event schema", "late rows", "partitioning", "backfills"),
    "unowned": ("prototype", "spike", "hack day demo", "experiment"),
}
_VERBS = ("Add", "Fix", "Refactor", "Speed up", "Handle errors in", "Clean up", "Log more for", "Test")
_WORK_MESSAGES = (
    "Add tests",
    "Handle the empty case",
    "Rename for clarity",
    "Address review comments",
    "Update snapshots",
    "Fix lint",
    "Split into smaller functions",
    "Add metrics",
    "Document the new option",
    "Remove dead code",
)
_SYMPTOMS = (
    "Elevated 5xx on {service}",
    "Latency SLO burn on {service}",
    "{service} error rate above threshold",
    "{service} pods crash looping",
    "Timeouts calling {service}",
    "{service} queue backlog growing",
)
_BACKGROUND = (
    "Upstream provider outage affecting {service}",
    "Disk pressure on {service} nodes",
    "Certificate expiry warning for {service}",
    "Noisy neighbour slowing {service}",
    "DNS resolution errors in {service}",
)
_LIBRARIES = ("requests", "protobuf", "grpcio", "pyyaml", "axios", "react", "kotlin-stdlib", "okhttp")


# --------------------------------------------------------------------------------------------------
# Working time
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Workweek:
    """Monday to Friday, ``WORKDAY_HOURS`` from ``start_hour`` UTC: when a team writes and reviews code."""

    start_hour: float

    def day_start(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=self.start_hour)

    def _forward(self, moment: datetime) -> datetime:
        """``moment`` if in working time, else the start of the next working day."""
        day = moment.date()
        while True:
            start = self.day_start(day)
            if day.weekday() < 5 and moment < start + timedelta(hours=WORKDAY_HOURS):
                return max(moment, start)
            day += timedelta(days=1)
            moment = self.day_start(day)

    def _backward(self, moment: datetime) -> datetime:
        """``moment`` if in working time, else the end of the previous working day."""
        day = moment.date()
        while True:
            start = self.day_start(day)
            end = start + timedelta(hours=WORKDAY_HOURS)
            if day.weekday() < 5 and moment > start:
                return min(moment, end)
            day -= timedelta(days=1)
            moment = self.day_start(day) + timedelta(hours=WORKDAY_HOURS)

    def add(self, moment: datetime, hours: float) -> datetime:
        moment = self._forward(moment)
        left = timedelta(hours=hours)
        while True:
            end = self.day_start(moment.date()) + timedelta(hours=WORKDAY_HOURS)
            if moment + left <= end:
                return moment + left
            left -= end - moment
            moment = self._forward(end)

    def subtract(self, moment: datetime, hours: float) -> datetime:
        moment = self._backward(moment)
        left = timedelta(hours=hours)
        while True:
            start = self.day_start(moment.date())
            if moment - left >= start:
                return moment - left
            left -= moment - start
            moment = self._backward(start)

    def moment_on(self, rng: random.Random, day: date) -> datetime:
        """A time on ``day`` when people of this team merge: working hours, weighted to mid-day."""
        offset = rng.triangular(0.3, WORKDAY_HOURS - 0.2, WORKDAY_HOURS * 0.55)
        return self.day_start(day) + timedelta(hours=offset)


# --------------------------------------------------------------------------------------------------
# The simulation's mutable state (turned into frozen facts at the end)
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# Building the organisation
# --------------------------------------------------------------------------------------------------


def _pagerduty_id(rng: random.Random, prefix: str, length: int) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return prefix + "".join(rng.choice(alphabet) for _ in range(length))


def build_demo_organisation(seed: int = 7, *, end: datetime, days: int = 200) -> DemoOrganisation:
    """The organisation's facts over the ``days`` days before ``end`` (aware, UTC), generated from ``seed``.

    Pure: the same ``seed``, ``end`` and ``days`` give equal organisations.
    """
    if end.tzinfo is None:
        raise ValueError("end must be an aware datetime (UTC)")
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    end = end.astimezone(UTC)
    start = end - timedelta(days=days)
    rng = random.Random(seed)
    ids = _Ids(random.Random(rng.getrandbits(64)), start - timedelta(days=2000))
    teams = {team.name: team for team in _TEAMS}

    developers: dict[str, list[str]] = {}
    handles = iter(rng.sample(range(10, 99), sum(team.headcount for team in _TEAMS) + 3))
    for team in _TEAMS:
        developers[team.name] = [f"dev-{next(handles)}" for _ in range(team.headcount)]
    developers["unowned"] = [f"dev-{next(handles)}" for _ in range(3)]

    team_services = {team.name: _pagerduty_id(rng, "P", 6) for team in _TEAMS if team.pagerduty_in_config}
    repo_services = {plan.name: _pagerduty_id(rng, "P", 6) for plan in _REPOS if plan.pagerduty_annotation}

    histories: list[_RepoHistory] = []
    for plan in _REPOS:
        team = teams[plan.team] if plan.team is not None else _UNOWNED_PLAN
        service = repo_services.get(plan.name) or team_services.get(team.name)
        history = _RepoHistory(
            random.Random(rng.getrandbits(64)),
            team,
            plan,
            developers[team.name],
            service,
            start,
            end,
        )
        history.run()
        histories.append(history)

    _number_pulls_and_issues(histories, rng)
    _assign_deployment_ids(histories, ids)
    for history in histories:
        for incident in history.incidents:
            if incident.source == "pagerduty":
                incident.ident = _pagerduty_id(rng, "Q", 13)

    catalog_files = _catalog_files(histories, repo_services)
    components = tuple(
        component
        for file_repo, text in sorted(catalog_files.items())
        for component in parse_catalog(file_repo, text)
    )
    repositories = tuple(RepositoryFact(h.full_name, DEFAULT_BRANCH) for h in histories)
    configured = {h.full_name for h in histories if h.source != "deployments"}
    discovered_from = {
        h.full_name: "config" if h.full_name in configured else f"org:{GITHUB_ORGANISATION}"
        for h in histories
    }
    deployments: list[DeploymentFact] = []
    compares: list[CompareFact] = []
    pull_requests: list[PullRequestFact] = []
    incidents: list[IncidentFact] = []
    for history in histories:
        deployments.extend(_deployment_facts(history, ids))
        compares.extend(_compare_facts(history))
        pull_requests.extend(_pull_request_facts(history, ids))
        incidents.extend(_incident_facts(history))

    demo_teams = []
    for team in _TEAMS:
        plans = [plan for plan in _REPOS if plan.team == team.name]
        demo_teams.append(
            DemoTeam(
                name=team.name,
                shape=team.shape,
                repositories=tuple(f"{GITHUB_ORGANISATION}/{p.name}" for p in plans),
                config_repositories=tuple(f"{GITHUB_ORGANISATION}/{p.name}" for p in plans if p.in_config),
                pagerduty_services=(team_services[team.name],) if team.name in team_services else (),
                headcount=team.headcount,
                survey_names=team.survey_names,
                deployment_source=team.source,
                merge_style=team.merge_style,
            )
        )
    return DemoOrganisation(
        seed=seed,
        start=start,
        end=end,
        teams=tuple(demo_teams),
        repositories=repositories,
        discovered_from=discovered_from,
        deployment_sources={h.full_name: (h.source, h.plan.workflow) for h in histories},
        catalog_files=catalog_files,
        components=components,
        deployments=tuple(deployments),
        compares=tuple(compares),
        pull_requests=tuple(pull_requests),
        incidents=tuple(incidents),
    )


def _number_pulls_and_issues(histories: Sequence[_RepoHistory], rng: random.Random) -> None:
    """PRs and issues share one number sequence per repository, in creation order; numbers taken by
    PRs closed unmerged and by other issues leave gaps."""
    for history in histories:
        items: list[tuple[datetime, int, _Pull | _Incident]] = [
            (pull.created_at, index, pull) for index, pull in enumerate(history.pulls)
        ]
        items += [
            (incident.started_at, len(items) + index, incident)
            for index, incident in enumerate(history.incidents)
            if incident.source == "github"
        ]
        number = rng.randint(40, 2500)
        for _, _, item in sorted(items, key=lambda entry: (entry[0], entry[1])):
            number += 1 + (rng.randint(1, 4) if rng.random() < 0.3 else 0)
            item.number = number


def _assign_deployment_ids(histories: Sequence[_RepoHistory], ids: _Ids) -> None:
    """GitHub's deployment and workflow-run ids are global and grow with time."""
    every = sorted(
        ((deploy.created_at, h_index, d_index, deploy) for h_index, h in enumerate(histories)
         for d_index, deploy in enumerate(h.deploys)),
        key=lambda entry: entry[:3],
    )  # fmt: skip
    for _, h_index, _, deploy in every:
        source = histories[h_index].source
        if source == "deployments":
            deploy.ident = ids.next_deployment()
        elif source == "workflow_runs":
            deploy.ident = ids.next_workflow_run()
        else:
            assert deploy.pull is not None
            deploy.ident = deploy.pull.number


# --------------------------------------------------------------------------------------------------
# Mutable state → the collector's facts
# --------------------------------------------------------------------------------------------------


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def _message(commit: _Commit) -> str:
    """The commit message as GitHub would show it (PR numbers are known only once all are numbered)."""
    if commit.style == "merge":
        assert commit.pull is not None
        return (
            f"Merge pull request #{commit.pull.number} from {GITHUB_ORGANISATION}/{commit.pull.branch}\n\n"
            f"{_pull_title(commit.pull)}"
        )
    reverted = commit.reverts
    if commit.style == "squash":
        assert commit.pull is not None
        message = f"{_pull_title(commit.pull)} (#{commit.pull.number})"
        if reverted is not None:
            message += f"\n\nThis reverts commit {reverted.sha}."
        return message
    if commit.style == "revert":
        assert reverted is not None
        return f'Revert "{_first_line(_message(reverted))}"\n\nThis reverts commit {reverted.sha}.'
    return commit.message


def _pull_title(pull: _Pull) -> str:
    if pull.reverts is not None:
        return f'Revert "{_first_line(_message(pull.reverts))}"'
    return pull.title


def _commit_fact(commit: _Commit) -> CommitFact:
    return CommitFact(
        sha=commit.sha,
        parents=commit.parents,
        author_date=commit.author_date,
        committed_date=commit.committed_date,
        message=_message(commit),
    )


def _deployment_facts(history: _RepoHistory, ids: _Ids) -> list[DeploymentFact]:
    """GitHub Deployments with their statuses, or workflow runs (``merged_prs`` come from the PRs)."""
    end, rng = history.end, history.rng
    if history.source == "workflow_runs":
        facts = []
        for deploy in history.deploys:
            done = deploy.finished_at <= end
            facts.append(
                DeploymentFact(
                    repo=history.full_name,
                    source="workflow_runs",
                    deployment_id=deploy.ident,
                    environment=ENVIRONMENT,
                    sha=deploy.commit.sha,
                    ref=DEFAULT_BRANCH,
                    created_at=deploy.created_at,
                    deployed_at=deploy.finished_at if done and deploy.succeeded else None,
                    last_state=("success" if deploy.succeeded else "failure") if done else "in_progress",
                )
            )
        return facts
    if history.source != "deployments":
        return []
    facts = []
    successes = [d for d in history.deploys if d.succeeded and d.finished_at <= end]
    # GitHub marks the previous production deployment inactive when a new one succeeds.
    superseded_at = {id(a): b.finished_at for a, b in pairwise(successes)}
    for deploy in history.deploys:
        states = [
            ("queued", deploy.created_at),
            ("in_progress", deploy.created_at + timedelta(seconds=rng.randint(5, 50))),
            ("success" if deploy.succeeded else "failure", deploy.finished_at),
        ]
        if id(deploy) in superseded_at:
            states.append(("inactive", superseded_at[id(deploy)]))
        statuses = tuple(
            DeploymentStatusFact(status_id=ids.status(moment), state=state, created_at=moment)
            for state, moment in states
            if moment <= end
        )
        facts.append(
            DeploymentFact.from_statuses(
                repo=history.full_name,
                deployment_id=deploy.ident,
                environment=ENVIRONMENT,
                sha=deploy.commit.sha,
                ref=deploy.commit.sha if deploy.kind == "rollback" else DEFAULT_BRANCH,
                created_at=deploy.created_at,
                statuses=statuses,
            )
        )
    return facts


def _compare_facts(history: _RepoHistory) -> list[CompareFact]:
    """What GitHub's compare answers between each successful deployment and the one before it."""
    successes = sorted(
        (d for d in history.deploys if d.succeeded and d.finished_at <= history.end),
        key=lambda d: (d.finished_at, d.ident),
    )
    facts = []
    previous: _Deploy | None = None
    for deploy in successes:
        head = deploy.commit
        commits: tuple[CommitFact, ...] = ()
        if previous is None:
            status = "first"
        elif previous.commit is head:
            status = "identical"
        elif head.index < previous.commit.index:
            status = "behind"  # a rollback: nothing is ahead of the base
        else:
            status = "ahead"
            shipped: list[CommitFact] = []
            for commit in history.main[previous.commit.index + 1 : head.index + 1]:
                shipped.extend(_commit_fact(branch_commit) for branch_commit in commit.branch_commits)
                shipped.append(_commit_fact(commit))
            commits = tuple(shipped)
        facts.append(
            CompareFact(
                repo=history.full_name,
                source=history.source,
                deployment_id=deploy.ident,
                base_deployment_id=None if previous is None else previous.ident,
                base_sha=None if previous is None else previous.commit.sha,
                head_sha=head.sha,
                status=status,
                total_commits=len(commits),
                commits=commits,
            )
        )
        previous = deploy
    return facts


def _pull_request_facts(history: _RepoHistory, ids: _Ids) -> list[PullRequestFact]:
    rng, end = history.rng, history.end
    facts = []
    for pull in sorted(history.pulls, key=lambda p: p.number):
        assert pull.merge_commit is not None
        reviews = tuple(
            ReviewFact(review_id=ids.review(moment), reviewer=reviewer, state=state, submitted_at=moment)
            for reviewer, state, moment in sorted(pull.reviews, key=lambda review: review[2])
        )
        facts.append(
            PullRequestFact(
                repo=history.full_name,
                number=pull.number,
                title=_pull_title(pull),
                author=pull.author,
                state="closed",
                base_ref=DEFAULT_BRANCH,
                created_at=pull.created_at,
                updated_at=min(end, pull.merged_at + timedelta(seconds=rng.randint(2, 900))),
                merged_at=pull.merged_at,
                closed_at=pull.merged_at,
                merge_commit_sha=pull.merge_commit.sha,
                labels=tuple(sorted(pull.labels)),
                commits=tuple(PullRequestCommitFact(c.sha, c.author_date) for c in pull.commits),
                reviews=reviews,
            )
        )
    return facts


def _incident_facts(history: _RepoHistory) -> list[IncidentFact]:
    facts = []
    for incident in sorted(history.incidents, key=lambda i: i.started_at):
        resolved = incident.resolved_at
        if incident.source == "pagerduty":
            status = "resolved" if resolved is not None else "acknowledged"
            ident = incident.ident
        else:
            status = "resolved" if resolved is not None else "open"
            ident = f"{history.full_name}#{incident.number}"
        facts.append(
            IncidentFact(
                source=incident.source,
                incident_id=ident,
                service=incident.channel,
                title=incident.title,
                description=incident.description,
                urgency=incident.urgency,
                status=status,
                started_at=incident.started_at,
                resolved_at=resolved,
                updated_at=resolved or min(history.end, incident.started_at + timedelta(minutes=2)),
            )
        )
    return facts


# --------------------------------------------------------------------------------------------------
# Backstage catalog and configuration
# --------------------------------------------------------------------------------------------------


def _catalog_files(histories: Sequence[_RepoHistory], repo_services: Mapping[str, str]) -> dict[str, str]:
    """Each repository's catalog-info.yaml, parsed later by the collector's own parser."""
    documents: dict[str, list[str]] = {}
    for history in histories:
        plan = history.plan
        if plan.catalog_file is None:
            continue
        file_repo = f"{GITHUB_ORGANISATION}/{plan.catalog_file}"
        annotations = [f"github.com/project-slug: {history.full_name}"]
        if plan.name in repo_services:
            annotations.append(f"pagerduty.com/service-id: {repo_services[plan.name]}")
        annotation_lines = "".join(f"\n    {line}" for line in annotations)
        documents.setdefault(file_repo, []).append(
            "apiVersion: backstage.io/v1alpha1\n"
            "kind: Component\n"
            "metadata:\n"
            f"  name: {plan.name}\n"
            f"  annotations:{annotation_lines}\n"
            "spec:\n"
            "  type: service\n"
            "  lifecycle: production\n"
            f"  owner: {plan.catalog_owner}\n"
            f"  system: {plan.team or 'sandbox'}\n"
        )
    files = {}
    for file_repo, components in documents.items():
        team = next(h.plan.team for h in histories if h.full_name == file_repo)
        # A System document first, as many catalogs have: only Components give ownership (SPEC §4).
        system = (
            "apiVersion: backstage.io/v1alpha1\n"
            "kind: System\n"
            "metadata:\n"
            f"  name: {team}\n"
            "spec:\n"
            f"  owner: group:{team}\n"
        )
        files[file_repo] = "---\n".join([system, *components] if len(components) > 1 else components)
    return files


def _config_yaml(org: DemoOrganisation, database_url: str) -> str:
    since = org.start.date().isoformat()
    lines = [
        f"# doraspace demo: a synthetic organisation (seed {org.seed}), {since} to "
        f"{org.end.date().isoformat()}.",
        "# Its facts were generated and loaded straight into the store: nothing here is collected.",
        "database:",
        f"  url: {json.dumps(database_url)}",
        "github:",
        f"  since: {since}",
        f"  organizations: [{GITHUB_ORGANISATION}]",
        "  deployments: {source: deployments, environment: " + ENVIRONMENT + "}",
        f"  incident_labels: [{INCIDENT_LABEL}]",
        "  repositories:",
    ]
    for repo, (source, workflow) in org.deployment_sources.items():
        if source == "deployments":
            continue
        detail = f"source: {source}" + (f", workflow: {workflow}" if workflow else "")
        lines += [f"    - name: {repo}", f"      deployments: {{{detail}}}"]
    lines += [
        "pagerduty:",
        f"  since: {since}",
        f"  urgencies: [{', '.join(URGENCIES)}]",
        "catalog:",
        "  discover: true",
        "teams:",
    ]
    for team in org.teams:
        lines += [
            f"  - name: {team.name}",
            f"    repositories: [{', '.join(team.config_repositories)}]",
            f"    pagerduty_services: [{', '.join(team.pagerduty_services)}]",
            f"    headcount: {team.headcount}",
            f"    survey_names: [{', '.join(json.dumps(name) for name in team.survey_names)}]",
        ]
    lines += [
        "incidents:",
        "  attribution_window: 24h",
        "rework:",
        f"  labels: [hotfix, rollback, revert, {INCIDENT_LABEL}]",
        "metrics:",
        f"  windows: [{', '.join(WINDOWS)}]",
        "  benchmarks: dora-2023",
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _pages(items: Sequence[PullRequestFact], size: int) -> Iterable[Sequence[PullRequestFact]]:
    for begin in range(0, len(items), size):
        yield items[begin : begin + size]


def load_demo_organisation(org: DemoOrganisation, engine: Engine) -> None:
    """Write ``org`` into the store with the collector's writers, shaped as a GitHub, catalog and
    PagerDuty sync would write it: facts and their cursor in one transaction. Loading twice changes
    nothing: every write is an upsert on the facts' natural keys."""
    with engine.begin() as conn:
        write_repositories(conn, org.repositories, dict(org.discovered_from), org.end)
    for file_repo, text in sorted(org.catalog_files.items()):
        write_components(engine, file_repo, parse_catalog(file_repo, text))

    deployments_of: dict[str, list[DeploymentFact]] = {}
    for deployment in org.deployments:
        deployments_of.setdefault(deployment.repo, []).append(deployment)
    pulls_of: dict[str, list[PullRequestFact]] = {}
    for pull in org.pull_requests:
        pulls_of.setdefault(pull.repo, []).append(pull)
    compares_of: dict[str, list[CompareFact]] = {}
    for compare in org.compares:
        compares_of.setdefault(compare.repo, []).append(compare)
    issues_of: dict[str, list[IncidentFact]] = {}
    for incident in org.incidents:
        if incident.source == "github":
            issues_of.setdefault(incident.service, []).append(incident)

    for repository in org.repositories:
        repo = repository.full_name
        source, _workflow = org.deployment_sources[repo]
        if source != "merged_prs":
            facts = deployments_of.get(repo, [])
            with engine.begin() as conn:
                write_deployments(conn, facts)
                if facts:
                    newest = max(fact.created_at for fact in facts)
                    write_cursor(conn, "github", source, repo, _iso(newest))
        # Newest first, a page per transaction, as the closed-PR listing arrives.
        pulls = sorted(pulls_of.get(repo, []), key=lambda p: p.updated_at, reverse=True)
        for page in _pages(pulls, PULL_PAGE):
            with engine.begin() as conn:
                write_pull_requests(conn, page)
                if source == "merged_prs":
                    merges = (merged_pull_deployment(pull, ENVIRONMENT) for pull in page)
                    write_deployments(conn, [merge for merge in merges if merge is not None])
        if pulls:
            with engine.begin() as conn:
                write_cursor(conn, "github", "pulls", repo, _iso(pulls[0].updated_at))
        # One transaction and a few statements per repository rather than per compare: the demo store is
        # rebuilt whole, so there is no resume point to keep between compares.
        with engine.begin() as conn:
            write_compares(conn, compares_of.get(repo, []))
        issues = sorted(issues_of.get(repo, []), key=lambda i: i.updated_at or i.started_at)
        if issues:
            with engine.begin() as conn:
                write_incidents(conn, issues)
                newest_issue = issues[-1].updated_at or issues[-1].started_at
                write_cursor(conn, "github", f"issues:{INCIDENT_LABEL}", repo, _iso(newest_issue))

    pagerduty = [incident for incident in org.incidents if incident.source == "pagerduty"]
    # The sync's scope is every service of the ownership map: teams: and catalog annotations.
    services = sorted(
        {service for team in org.teams for service in team.pagerduty_services}
        | {c.pagerduty_service for c in org.components if c.pagerduty_service is not None}
    )
    with engine.begin() as conn:
        write_incidents(conn, pagerduty)
        if services:
            write_cursor(
                conn, "pagerduty", "incidents", cursor_scope(services, URGENCIES), format_instant(org.end)
            )
