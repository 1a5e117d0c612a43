"""GitHub REST JSON → raw facts. Pure functions over the payloads, so real recorded items test them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dateutil.parser import isoparse

from collector.models import (
    CommitFact,
    DeploymentFact,
    DeploymentStatusFact,
    IncidentFact,
    PullRequestCommitFact,
    PullRequestFact,
    RepositoryFact,
    ReviewFact,
    issue_incident_id,
)

Json = dict[str, Any]
GHOST = "ghost"  # GitHub's stand-in for a deleted account in REST answers


def parse_instant(value: str | None) -> datetime | None:
    """An ISO 8601 instant from GitHub as aware UTC; offsets (``-07:00``) and fractions are kept exact."""
    if value is None or value == "":
        return None
    parsed = isoparse(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _required_instant(item: Json, key: str) -> datetime:
    value = parse_instant(item.get(key))
    if value is None:
        raise ValueError(f"GitHub item {item.get('url', '?')} has no {key}")
    return value


def _login(user: Json | None) -> str | None:
    # A deleted account: REST names it the ghost user (login "ghost", reserved by GitHub) where it was an
    # issue's or PR's author, and null where it was a reviewer; GraphQL says null in both places. One
    # spelling, so that both modes store the same PR and a deleted reviewer is never "someone other
    # than" a deleted author.
    login = None if not user else user.get("login")
    return None if login == GHOST else login


def parse_repository(item: Json) -> RepositoryFact:
    return RepositoryFact(
        full_name=item["full_name"],
        default_branch=item.get("default_branch") or "main",
        pushed_at=item.get("pushed_at") or None,
        github_id=item["id"] if isinstance(item.get("id"), int) else None,
    )


def parse_deployment(
    repo: str, item: Json, statuses: list[DeploymentStatusFact], environment: str | None = None
) -> DeploymentFact:
    """``environment``: the configured spelling to store (GitHub's environment names ignore letter
    case, so ``Production`` is the configured ``production``); default: as GitHub wrote it."""
    return DeploymentFact.from_statuses(
        repo=repo,
        deployment_id=int(item["id"]),
        environment=environment if environment is not None else item.get("environment") or "",
        sha=item["sha"],
        ref=item.get("ref"),
        created_at=_required_instant(item, "created_at"),
        statuses=tuple(statuses),
    )


def parse_workflow_run(repo: str, item: Json, environment: str) -> DeploymentFact:
    """A completed run of the deploy workflow: succeeded at its ``updated_at`` (runs have no
    ``completed_at``); any other conclusion is a failed attempt."""
    succeeded = item.get("status") == "completed" and item.get("conclusion") == "success"
    return DeploymentFact(
        repo=repo,
        source="workflow_runs",
        deployment_id=int(item["id"]),
        environment=environment,
        sha=item["head_sha"],
        ref=item.get("head_branch"),
        created_at=_required_instant(item, "created_at"),
        deployed_at=_required_instant(item, "updated_at") if succeeded else None,
        last_state=item.get("conclusion") or item.get("status"),
    )


def parse_release(repo: str, item: Json, sha: str, environment: str) -> DeploymentFact:
    """A published, non-draft, non-prerelease release, deployed at ``published_at``."""
    return DeploymentFact(
        repo=repo,
        source="releases",
        deployment_id=int(item["id"]),
        environment=environment,
        sha=sha,
        ref=item.get("tag_name"),
        created_at=_required_instant(item, "created_at"),
        deployed_at=_required_instant(item, "published_at"),
        last_state="published",
    )


def merged_pull_deployment(pull: PullRequestFact, environment: str) -> DeploymentFact | None:
    """For ``source: merged_prs``: a PR merged into the default branch deploys its merge commit."""
    if pull.merged_at is None or not pull.merge_commit_sha:
        return None
    return DeploymentFact(
        repo=pull.repo,
        source="merged_prs",
        deployment_id=pull.number,
        environment=environment,
        sha=pull.merge_commit_sha,
        ref=pull.base_ref,
        created_at=pull.merged_at,
        deployed_at=pull.merged_at,
        last_state="merged",
    )


def parse_deployment_status(item: Json) -> DeploymentStatusFact:
    return DeploymentStatusFact(
        status_id=int(item["id"]), state=item["state"], created_at=_required_instant(item, "created_at")
    )


def parse_commit(item: Json) -> CommitFact:
    """A commit as the commits, compare and pull-commits endpoints give it."""
    git = item.get("commit") or {}
    author = git.get("author") or {}
    committer = git.get("committer") or {}
    author_date = parse_instant(author.get("date")) or parse_instant(committer.get("date"))
    if author_date is None:
        raise ValueError(f"commit {item.get('sha')} has no author date")
    return CommitFact(
        sha=item["sha"],
        parents=tuple(parent["sha"] for parent in item.get("parents") or ()),
        author_date=author_date,
        committed_date=parse_instant(committer.get("date")),
        message=git.get("message") or "",
    )


def parse_pull_commit(item: Json) -> PullRequestCommitFact:
    commit = parse_commit(item)
    return PullRequestCommitFact(sha=commit.sha, author_date=commit.author_date)


def parse_review(item: Json) -> ReviewFact:
    return ReviewFact(
        review_id=int(item["id"]),
        reviewer=_login(item.get("user")),
        state=item.get("state") or "",
        submitted_at=parse_instant(item.get("submitted_at")),
    )


def parse_pull_request(
    repo: str,
    item: Json,
    commits: list[PullRequestCommitFact] | None = None,
    reviews: list[ReviewFact] | None = None,
) -> PullRequestFact:
    base = item.get("base") or {}
    return PullRequestFact(
        repo=repo,
        number=int(item["number"]),
        title=item.get("title") or "",
        author=_login(item.get("user")),
        state=item.get("state") or "",
        base_ref=base.get("ref"),
        created_at=_required_instant(item, "created_at"),
        updated_at=_required_instant(item, "updated_at"),
        merged_at=parse_instant(item.get("merged_at")),
        closed_at=parse_instant(item.get("closed_at")),
        merge_commit_sha=item.get("merge_commit_sha"),
        labels=tuple(sorted({label["name"] for label in item.get("labels") or () if label.get("name")})),
        commits=tuple(commits or ()),
        reviews=tuple(reviews or ()),
    )


def parse_incident_issue(repo: str, item: Json) -> IncidentFact:
    """An issue carrying an incident label: it started when opened and was resolved when closed."""
    return IncidentFact(
        source="github",
        incident_id=issue_incident_id(repo, int(item["number"])),
        service=repo,
        title=item.get("title") or "",
        description=item.get("body"),
        urgency=None,
        status="resolved" if item.get("state") == "closed" else "open",
        started_at=_required_instant(item, "created_at"),
        resolved_at=parse_instant(item.get("closed_at")) if item.get("state") == "closed" else None,
        updated_at=parse_instant(item.get("updated_at")),
    )
