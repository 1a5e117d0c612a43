"""The demo organisation's plan: its teams, their repositories and cadences, the words of titles and
messages, and the working week."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

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
