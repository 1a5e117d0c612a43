"""A small builder of raw facts for analytics tests: writes what the collector would, into a fresh store.

Instants are aware UTC datetimes; the builder stores them as the store does (naive UTC). Deployments of a
repo + source + environment are chained as the collector chains them: each one's compare names the
previous one added as its base.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, Table

from store import schema
from store.engine import open_store
from store.timeutil import to_db
from store.upsert import upsert

REPO = "acme/orders"
SOURCE = "deployments"
PRODUCTION = "production"
AS_OF = datetime(2026, 6, 30, tzinfo=UTC)


# SPEC §6.4: the keys of a `doraspace metrics --format json` row, in order.
METRIC_KEYS = [
    "team",
    "window",
    "as_of",
    "deployments",
    "deployment_frequency_per_day",
    "lead_time_hours_p50",
    "lead_time_hours_p90",
    "change_failure_rate",
    "failed_deployment_recovery_hours_p50",
    "time_to_restore_hours_p50",
    "time_to_restore_hours_p90",
    "incidents",
    "rework_rate",
    "lead_time_breakdown_hours_p50",
    "bands",
]


def sha(name: str) -> str:
    """A 40-hex-digit sha named ``name``: incidents and reverts can name it by a prefix."""
    return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()


def bands(
    deployment_frequency: str | None,
    lead_time: str | None,
    change_failure_rate: str | None,
    recovery: str | None,
) -> dict[str, str | None]:
    """A row's ``bands`` object, in SPEC §6.4's order."""
    return {
        "deployment_frequency": deployment_frequency,
        "lead_time": lead_time,
        "change_failure_rate": change_failure_rate,
        "recovery": recovery,
    }


def at(day: int, hour: float = 0) -> datetime:
    """An instant in June 2026 (UTC): ``at(10, 6)`` is 2026-06-10 06:00."""
    return datetime(2026, 6, day, tzinfo=UTC) + timedelta(hours=hour)


@dataclass(frozen=True)
class Review:
    reviewer: str | None
    submitted_at: datetime | None
    state: str = "APPROVED"


class Facts:
    """Inserts raw facts into ``engine``'s store, one small transaction per call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._last_deployment: dict[tuple[str, str, str], tuple[int, str]] = {}
        self._next_id = 1000

    @classmethod
    def in_memory(cls) -> Facts:
        return cls(open_store("duckdb:///:memory:"))

    def commit(
        self, sha: str, author_date: datetime, *, parents: int = 1, repo: str = REPO, message: str = ""
    ) -> str:
        """A commit; ``parents=2`` makes a merge commit."""
        parent_shas = " ".join(f"{sha}-parent{i}" for i in range(parents))
        self._write(
            schema.commits,
            {
                "repo": repo,
                "sha": sha,
                "parent_shas": parent_shas,
                "parent_count": parents,
                "author_date": to_db(author_date),
                "committed_date": to_db(author_date),
                "message": message or f"commit {sha}",
            },
        )
        return sha

    def deployment(
        self,
        deployed_at: datetime | None,
        *,
        sha: str | None = None,
        ships: Sequence[str] = (),
        compare: str | None = "ahead",
        repo: str = REPO,
        source: str = SOURCE,
        environment: str = PRODUCTION,
        deployment_id: int | None = None,
    ) -> int:
        """A deployment; ``deployed_at`` None is a failed attempt (no compare is written for it).

        ``compare`` is the status of its compare with the previous successful deployment added for the
        same repo, source and environment (``None``: no compare row); ``ships`` are that compare's commits,
        which must have been added with :meth:`commit`.
        """
        if deployment_id is None:
            self._next_id += 1
            deployment_id = self._next_id
        sha = sha or (ships[-1] if ships else f"sha-{deployment_id}")
        created_at = deployed_at or at(1)
        self._write(
            schema.deployments,
            {
                "repo": repo,
                "source": source,
                "deployment_id": deployment_id,
                "environment": environment,
                "sha": sha,
                "ref": "main",
                "created_at": to_db(created_at - timedelta(minutes=5)),
                "deployed_at": to_db(deployed_at),
                "last_state": "success" if deployed_at else "failure",
            },
        )
        if deployed_at is None or compare is None:
            return deployment_id
        chain = (repo, source, environment)
        base = self._last_deployment.get(chain)
        self._last_deployment[chain] = (deployment_id, sha)
        self._write(
            schema.deployment_compares,
            {
                "repo": repo,
                "source": source,
                "deployment_id": deployment_id,
                "base_deployment_id": None if base is None else base[0],
                "base_sha": None if base is None else base[1],
                "head_sha": sha,
                "status": compare,
                "total_commits": len(ships),
            },
        )
        self._write_all(
            schema.deployment_commits,
            [
                {
                    "repo": repo,
                    "source": source,
                    "deployment_id": deployment_id,
                    "sha": commit_sha,
                    "position": position,
                }
                for position, commit_sha in enumerate(ships)
            ],
        )
        return deployment_id

    def pull_request(
        self,
        number: int,
        *,
        created_at: datetime,
        merged_at: datetime | None,
        merge_commit_sha: str | None,
        commit_dates: Sequence[datetime] = (),
        reviews: Iterable[Review] = (),
        author: str | None = "alice",
        repo: str = REPO,
    ) -> None:
        """A PR with its commits (author dates in PR order) and reviews."""
        self._write(
            schema.pull_requests,
            {
                "repo": repo,
                "number": number,
                "title": f"PR {number}",
                "author": author,
                "state": "closed" if merged_at else "open",
                "base_ref": "main",
                "created_at": to_db(created_at),
                "updated_at": to_db(merged_at or created_at),
                "merged_at": to_db(merged_at),
                "closed_at": to_db(merged_at),
                "merge_commit_sha": merge_commit_sha,
            },
        )
        self._write_all(
            schema.pull_request_commits,
            [
                {
                    "repo": repo,
                    "number": number,
                    "sha": f"pr{number}-c{position}",
                    "author_date": to_db(author_date),
                    "position": position,
                }
                for position, author_date in enumerate(commit_dates)
            ],
        )
        self._write_all(
            schema.pull_request_reviews,
            [
                {
                    "repo": repo,
                    "number": number,
                    "review_id": number * 100 + position,
                    "reviewer": review.reviewer,
                    "state": review.state,
                    "submitted_at": to_db(review.submitted_at),
                }
                for position, review in enumerate(reviews)
            ],
        )

    def _write(self, table: Table, row: dict[str, object]) -> None:
        self._write_all(table, [row])

    def _write_all(self, table: Table, rows: list[dict[str, object]]) -> None:
        with self.engine.begin() as conn:
            upsert(conn, table, rows)


def add_incident(
    facts: Facts,
    incident_id: str,
    started_at: datetime,
    *,
    resolved_at: datetime | None = None,
    source: str = "pagerduty",
    service: str = "P1",
    title: str = "checkout errors",
    description: str | None = None,
) -> None:
    """An incident as the collector stores it (PagerDuty by default; ``source="github"``: an issue)."""
    facts._write(
        schema.incidents,
        {
            "source": source,
            "incident_id": incident_id,
            "service": service,
            "title": title,
            "description": description,
            "urgency": "high",
            "status": "resolved" if resolved_at else "triggered",
            "started_at": to_db(started_at),
            "resolved_at": to_db(resolved_at),
            "updated_at": to_db(resolved_at or started_at),
        },
    )


def add_label(facts: Facts, number: int, label: str, repo: str = REPO) -> None:
    facts._write(schema.pull_request_labels, {"repo": repo, "number": number, "label": label})
