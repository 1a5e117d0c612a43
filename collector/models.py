"""Raw facts as the collector hands them to the store: frozen, source-neutral, aware UTC instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# GitHub's owner/name: what a project slug may be, and what doraspace.config accepts as a repository.
# Here rather than in collector.catalog so that reading the configuration does not import PyGithub.
REPOSITORY = r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+$"


@dataclass(frozen=True)
class RepositoryFact:
    full_name: str
    default_branch: str
    # GitHub's last push to any branch, as listed (not stored as a fact): a catalog file found absent
    # cannot have appeared while it and the default branch stay as they were.
    pushed_at: str | None = None
    # GitHub's id: the same after a rename, so that the stored facts follow the repository's new name.
    github_id: int | None = None

    @property
    def head(self) -> str | None:
        """What a file at the default branch's tip can change only with: None where GitHub gave no push."""
        return f"{self.default_branch} {self.pushed_at}" if self.pushed_at else None


@dataclass(frozen=True)
class DeploymentStatusFact:
    status_id: int
    state: str
    created_at: datetime


@dataclass(frozen=True)
class DeploymentFact:
    """One deployment as its source reports it. ``deployed_at`` None: a failed attempt (SPEC §5.1)."""

    repo: str
    source: str
    deployment_id: int
    environment: str
    sha: str
    ref: str | None
    created_at: datetime
    deployed_at: datetime | None
    last_state: str | None
    statuses: tuple[DeploymentStatusFact, ...] = ()

    @classmethod
    def from_statuses(
        cls,
        *,
        repo: str,
        deployment_id: int,
        environment: str,
        sha: str,
        ref: str | None,
        created_at: datetime,
        statuses: tuple[DeploymentStatusFact, ...],
    ) -> DeploymentFact:
        """A GitHub Deployment: it succeeded at the ``created_at`` of its first ``success`` status."""
        successes = [status.created_at for status in statuses if status.state == "success"]
        latest = max(statuses, key=lambda status: (status.created_at, status.status_id), default=None)
        return cls(
            repo=repo,
            source="deployments",
            deployment_id=deployment_id,
            environment=environment,
            sha=sha,
            ref=ref,
            created_at=created_at,
            deployed_at=min(successes) if successes else None,
            last_state=None if latest is None else latest.state,
            statuses=statuses,
        )


@dataclass(frozen=True)
class CommitFact:
    sha: str
    parents: tuple[str, ...]
    author_date: datetime
    committed_date: datetime | None
    message: str


@dataclass(frozen=True)
class CompareFact:
    """What GitHub answered for compare(base...head) between two consecutive deployments."""

    repo: str
    source: str
    deployment_id: int
    base_deployment_id: int | None
    base_sha: str | None
    head_sha: str
    status: str  # ahead | behind | identical | diverged | first | unknown
    total_commits: int
    commits: tuple[CommitFact, ...] = ()


@dataclass(frozen=True)
class PullRequestCommitFact:
    sha: str
    author_date: datetime


@dataclass(frozen=True)
class ReviewFact:
    review_id: int
    reviewer: str | None
    state: str
    submitted_at: datetime | None


@dataclass(frozen=True)
class PullRequestFact:
    repo: str
    number: int
    title: str
    author: str | None
    state: str
    base_ref: str | None
    created_at: datetime
    updated_at: datetime
    merged_at: datetime | None
    closed_at: datetime | None
    merge_commit_sha: str | None
    labels: tuple[str, ...] = ()
    commits: tuple[PullRequestCommitFact, ...] = ()
    reviews: tuple[ReviewFact, ...] = ()


@dataclass(frozen=True)
class ComponentFact:
    """One Backstage ``kind: Component`` of a repository's catalog-info.yaml (SPEC §4)."""

    file_repo: str  # the repository holding catalog-info.yaml
    position: int  # index of the YAML document in the file: file order decides ownership conflicts
    name: str  # metadata.name: the service
    owner: str | None  # the team, from group:x, group:default/x or x; None for a non-group owner
    repo: str  # github.com/project-slug, else file_repo
    pagerduty_service: str | None  # pagerduty.com/service-id


def issue_incident_id(repo: str, number: int) -> str:
    """The incident id of an incident-labelled GitHub issue: ``acme/web#12``."""
    return f"{repo}#{number}"


def issue_number(incident_id: str) -> int:
    """The issue number of an ``issue_incident_id``."""
    return int(incident_id.rpartition("#")[2])


@dataclass(frozen=True)
class IncidentFact:
    """One incident as the store keeps it (SPEC §5.4): a PagerDuty incident or an incident-labelled issue.

    ``service`` is the PagerDuty service id (or the repository for GitHub issues); ``resolved_at`` is None
    while the incident is open.
    """

    source: str  # "pagerduty" | "github"
    incident_id: str
    service: str
    title: str
    description: str | None
    urgency: str | None
    status: str
    started_at: datetime
    resolved_at: datetime | None
    updated_at: datetime | None
