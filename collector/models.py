"""Raw facts as the collector hands them to the store: frozen, source-neutral, aware UTC instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RepositoryFact:
    full_name: str
    default_branch: str


@dataclass(frozen=True)
class DeploymentStatusFact:
    status_id: int
    state: str
    created_at: datetime


@dataclass(frozen=True)
class DeploymentFact:
    repo: str
    source: str
    deployment_id: int
    environment: str
    sha: str
    ref: str | None
    created_at: datetime
    statuses: tuple[DeploymentStatusFact, ...] = ()

    @property
    def deployed_at(self) -> datetime | None:
        """The first ``success`` status; None for an attempt that never succeeded (SPEC §5.1)."""
        successes = [status.created_at for status in self.statuses if status.state == "success"]
        return min(successes) if successes else None

    @property
    def last_state(self) -> str | None:
        if not self.statuses:
            return None
        return max(self.statuses, key=lambda status: (status.created_at, status.status_id)).state


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
