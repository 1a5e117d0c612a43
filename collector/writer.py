"""Raw facts → store rows. Each function writes inside the caller's transaction.

Several collectors may write one PostgreSQL store at once (docs/operations.md). Every writer of a
repository's rows first takes that repository's transaction lock (``store.locks``), before any row
lock, so that a replacement (delete, then insert) is one collector's whole set and a check of the
stored row sees the other collector's commit; and no writer lets an older read of GitHub or
PagerDuty overwrite a newer stored one (a settled deployment, a pull request, an incident).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, delete, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import Insert

from collector import cursors
from collector.cursors import catalog_cursor
from collector.models import (
    CommitFact,
    CompareFact,
    DeploymentFact,
    IncidentFact,
    PullRequestFact,
    RepositoryFact,
    issue_incident_id,
    issue_number,
)
from store import schema
from store.locks import lock_scopes, repository_scope
from store.timeutil import to_db
from store.upsert import upsert


def write_repositories(
    conn: Connection, repos: Iterable[RepositoryFact], discovered_from: dict[str, str], now: datetime
) -> None:
    upsert(
        conn,
        schema.repositories,
        (
            {
                "full_name": repo.full_name,
                "default_branch": repo.default_branch,
                "discovered_from": discovered_from.get(repo.full_name, "config"),
                "synced_at": to_db(now),
                "github_id": repo.github_id,
            }
            for repo in repos
        ),
    )


def _lock_repositories(conn: Connection, repos: Iterable[str]) -> None:
    lock_scopes(conn, {repository_scope(repo) for repo in repos})


def _unless_settled(statement: Insert) -> ColumnElement[bool]:
    # A deployment's first success cannot change: a collector that read it before it succeeded
    # (and commits after another that read the success) must not make it pending again.
    stored = schema.deployments.c.deployed_at
    return or_(stored.is_(None), statement.excluded.deployed_at.is_not(None))


def relabel_deployments(
    conn: Connection, repo: str, source: str, old: Iterable[str], environment: str
) -> None:
    """``repo``'s stored deployments of ``source`` recorded under the environments ``old`` now recorded
    under ``environment``: the name configured since (SPEC §5.1), as a fresh sync would record them."""
    names = sorted(old)
    if names:
        table = schema.deployments
        where = (table.c.repo == repo, table.c.source == source, table.c.environment.in_(names))
        conn.execute(update(table).where(*where).values(environment=environment))


def write_deployments(conn: Connection, facts: Iterable[DeploymentFact]) -> int:
    facts = list(facts)
    if not facts:
        return 0
    _lock_repositories(conn, (fact.repo for fact in facts))
    upsert(
        conn,
        schema.deployments,
        (
            {
                "repo": fact.repo,
                "source": fact.source,
                "deployment_id": fact.deployment_id,
                "environment": fact.environment,
                "sha": fact.sha,
                "ref": fact.ref,
                "created_at": to_db(fact.created_at),
                "deployed_at": to_db(fact.deployed_at),
                "last_state": fact.last_state,
            }
            for fact in facts
        ),
        only_if=_unless_settled,
    )
    upsert(
        conn,
        schema.deployment_statuses,
        (
            {
                "repo": fact.repo,
                "deployment_id": fact.deployment_id,
                "status_id": status.status_id,
                "state": status.state,
                "created_at": to_db(status.created_at),
            }
            for fact in facts
            for status in fact.statuses
        ),
    )
    return len(facts)


def _commit_row(repo: str, commit: CommitFact) -> dict[str, object]:
    return {
        "repo": repo,
        "sha": commit.sha,
        "parent_shas": " ".join(commit.parents),
        "parent_count": len(commit.parents),
        "author_date": to_db(commit.author_date),
        "committed_date": to_db(commit.committed_date),
        "message": commit.message,
    }


def write_compares(conn: Connection, facts: Iterable[CompareFact]) -> None:
    """Replace the compares of deployments (a base may have changed since it was last fetched), in a
    few statements whatever their number."""
    facts = list(facts)
    if not facts:
        return
    _lock_repositories(conn, (fact.repo for fact in facts))
    table = schema.deployment_commits
    conn.execute(
        delete(table).where(
            tuple_(table.c.repo, table.c.source, table.c.deployment_id).in_(
                [(fact.repo, fact.source, fact.deployment_id) for fact in facts]
            )
        )
    )
    upsert(
        conn,
        schema.commits,
        (_commit_row(fact.repo, commit) for fact in facts for commit in fact.commits),
    )
    upsert(
        conn,
        table,
        (
            {
                "repo": fact.repo,
                "source": fact.source,
                "deployment_id": fact.deployment_id,
                "sha": commit.sha,
                "position": position,
            }
            for fact in facts
            for position, commit in enumerate(fact.commits)
        ),
    )
    upsert(
        conn,
        schema.deployment_compares,
        (
            {
                "repo": fact.repo,
                "source": fact.source,
                "deployment_id": fact.deployment_id,
                "base_deployment_id": fact.base_deployment_id,
                "base_sha": fact.base_sha,
                "head_sha": fact.head_sha,
                "status": fact.status,
                "total_commits": fact.total_commits,
            }
            for fact in facts
        ),
    )


def write_pull_requests(conn: Connection, facts: Iterable[PullRequestFact]) -> int:
    """Upsert PRs and replace their commits, reviews and labels (a label may have been removed).

    A PR stored with a later ``updated_at`` than the fact's (written meanwhile by another collector
    that read GitHub later) is left as it is. Returns the number of PRs written."""
    facts = list(facts)
    if not facts:
        return 0
    _lock_repositories(conn, (fact.repo for fact in facts))
    table = schema.pull_requests
    stored = {
        (row.repo, row.number): row.updated_at
        for row in conn.execute(
            select(table.c.repo, table.c.number, table.c.updated_at).where(
                tuple_(table.c.repo, table.c.number).in_([(fact.repo, fact.number) for fact in facts])
            )
        )
    }
    facts = [
        fact
        for fact in facts
        if stored.get((fact.repo, fact.number)) is None
        or stored[fact.repo, fact.number] <= to_db(fact.updated_at)
    ]
    if not facts:
        return 0
    keys = [(fact.repo, fact.number) for fact in facts]
    for child in (schema.pull_request_commits, schema.pull_request_reviews, schema.pull_request_labels):
        conn.execute(delete(child).where(tuple_(child.c.repo, child.c.number).in_(keys)))
    upsert(
        conn,
        schema.pull_requests,
        (
            {
                "repo": fact.repo,
                "number": fact.number,
                "title": fact.title,
                "author": fact.author,
                "state": fact.state,
                "base_ref": fact.base_ref,
                "created_at": to_db(fact.created_at),
                "updated_at": to_db(fact.updated_at),
                "merged_at": to_db(fact.merged_at),
                "closed_at": to_db(fact.closed_at),
                "merge_commit_sha": fact.merge_commit_sha,
            }
            for fact in facts
        ),
    )
    upsert(
        conn,
        schema.pull_request_commits,
        (
            {
                "repo": fact.repo,
                "number": fact.number,
                "sha": commit.sha,
                "author_date": to_db(commit.author_date),
                "position": position,
            }
            for fact in facts
            for position, commit in enumerate(fact.commits)
        ),
    )
    upsert(
        conn,
        schema.pull_request_reviews,
        (
            {
                "repo": fact.repo,
                "number": fact.number,
                "review_id": review.review_id,
                "reviewer": review.reviewer,
                "state": review.state,
                "submitted_at": to_db(review.submitted_at),
            }
            for fact in facts
            for review in fact.reviews
        ),
    )
    upsert(
        conn,
        schema.pull_request_labels,
        (
            {"repo": fact.repo, "number": fact.number, "label": label}
            for fact in facts
            for label in fact.labels
        ),
    )
    return len(facts)


def _not_older(statement: Insert) -> ColumnElement[bool]:
    # An incident read before its last change (by another collector, committing later) must not undo
    # the change: only a read at least as recent as the stored one replaces it.
    stored = schema.incidents.c.updated_at
    new = statement.excluded.updated_at
    return or_(stored.is_(None), new.is_(None), new >= stored)


def write_incidents(conn: Connection, facts: Iterable[IncidentFact]) -> int:
    """Upsert incidents on (source, incident_id); a re-read updates status and resolution in place
    (unless the stored row was read later than this one)."""
    return upsert(
        conn,
        schema.incidents,
        (
            {
                "source": fact.source,
                "incident_id": fact.incident_id,
                "service": fact.service,
                "title": fact.title,
                "description": fact.description,
                "urgency": fact.urgency,
                "status": fact.status,
                "started_at": to_db(fact.started_at),
                "resolved_at": to_db(fact.resolved_at),
                "updated_at": to_db(fact.updated_at),
            }
            for fact in facts
        ),
        only_if=_not_older,
    )


def delete_incidents(conn: Connection, facts: Iterable[IncidentFact]) -> int:
    """Delete the stored rows of incidents read in an urgency no longer collected, as a full sync would
    not store them; a row stored from a later read than this one stays (as in ``write_incidents``)."""
    facts = list(facts)
    if not facts:
        return 0
    table = schema.incidents
    keys = [(fact.source, fact.incident_id) for fact in facts]
    # Mostly none is stored: one query finds the few to delete, one guarded statement each.
    stored = {
        (str(row.source), str(row.incident_id))
        for row in conn.execute(
            select(table.c.source, table.c.incident_id).where(
                tuple_(table.c.source, table.c.incident_id).in_(keys)
            )
        )
    }
    deleted = 0
    for fact in facts:
        if (fact.source, fact.incident_id) not in stored:
            continue
        statement = delete(table).where(
            table.c.source == fact.source, table.c.incident_id == fact.incident_id
        )
        read_at = to_db(fact.updated_at)
        if read_at is not None:
            statement = statement.where(or_(table.c.updated_at.is_(None), table.c.updated_at <= read_at))
        deleted += conn.execute(statement).rowcount
    return deleted


def delete_incident_ids(conn: Connection, source: str, incident_ids: Iterable[str]) -> int:
    """Delete incidents gone from their source (a deleted GitHub issue), whenever they were read."""
    table = schema.incidents
    ids = list(incident_ids)
    if not ids:
        return 0
    statement = delete(table).where(table.c.source == source, table.c.incident_id.in_(ids))
    return conn.execute(statement).rowcount


def unsettle_runs(
    conn: Connection, repo: str, runs: Iterable[tuple[int, datetime | None, str | None]]
) -> int:
    """Workflow runs re-run to failure, as (run id, the run's new updated_at, its conclusion): stored
    successes no longer (SPEC §5.1 counts a run whose conclusion is success). Only a read newer than the
    stored success undoes it, so a collector committing an older read late changes nothing."""
    table, changed = schema.deployments, 0
    for run_id, updated_at, state in runs:
        if updated_at is None:
            continue
        undone = conn.execute(
            update(table)
            .where(
                table.c.repo == repo,
                table.c.source == "workflow_runs",
                table.c.deployment_id == run_id,
                table.c.deployed_at < to_db(updated_at),
            )
            .values(deployed_at=None, last_state=state)
        ).rowcount
        if undone:  # a failed attempt has no compare: what it shipped now ships with the next one
            _forget_shipped(conn, repo, "workflow_runs", run_id)
        changed += undone
    return changed


def forget_deployments(conn: Connection, repo: str, source: str, deployment_ids: Iterable[int]) -> int:
    """Stored deployments that their source no longer lists as the repository's: a fork's workflow
    run (GitHub lists it under the branch filter too), a release made a draft or prerelease again. No
    deployment, nor a failed attempt, as a fresh sync finds; the next deployment's compare then has
    another base, and is asked again."""
    table, ids = schema.deployments, list(deployment_ids)
    if not ids:
        return 0
    _lock_repositories(conn, [repo])
    for deployment_id in ids:
        _forget_shipped(conn, repo, source, deployment_id)
    ours = (table.c.repo == repo, table.c.source == source, table.c.deployment_id.in_(ids))
    return conn.execute(delete(table).where(*ours)).rowcount


def _forget_shipped(conn: Connection, repo: str, source: str, deployment_id: int) -> None:
    for shipped in (schema.deployment_commits, schema.deployment_compares):
        conn.execute(
            delete(shipped).where(
                shipped.c.repo == repo,
                shipped.c.source == source,
                shipped.c.deployment_id == deployment_id,
            )
        )


# The fact tables keyed by repository, whose rows a rename moves as they are (the catalog's and the
# incident issues' keys say it otherwise).
_REPOSITORY_FACTS = tuple(
    table for table in schema.FACT_TABLES if "repo" in table.c and table.c.repo.primary_key
)


def move_repository(conn: Connection, old: str, new: str, keep_urls: Iterable[str] = ()) -> None:
    """The stored facts of repository ``old``, renamed on GitHub to ``new`` (which holds nothing), stand
    under ``new`` from now on, as a first sync would store them: the rows, its incident issues
    (``old#12`` is ``new#12``), its catalog components and its cursors, which the next sync resumes
    from. Its catalog file is read again (a file naming ``old`` in ``github.com/project-slug`` says so
    again), its derived rows are derived again, and the validators of its URLs go, but for
    ``keep_urls`` (this sync's answers)."""
    _lock_repositories(conn, [old, new])
    for table in _REPOSITORY_FACTS:
        conn.execute(update(table).where(table.c.repo == old).values(repo=new))
    incidents = schema.incidents
    issues = conn.execute(
        select(incidents.c.incident_id).where(incidents.c.source == "github", incidents.c.service == old)
    )
    for (incident_id,) in list(issues):
        conn.execute(
            update(incidents)
            .where(incidents.c.source == "github", incidents.c.incident_id == incident_id)
            .values(incident_id=issue_incident_id(new, issue_number(str(incident_id))), service=new)
        )
    catalog = schema.catalog_components
    conn.execute(update(catalog).where(func.lower(catalog.c.repo) == old.lower()).values(repo=new))
    conn.execute(update(catalog).where(func.lower(catalog.c.file_repo) == old.lower()).values(file_repo=new))
    cursors.delete(conn, catalog_cursor(old))
    for table in (schema.derived_first_shipments, schema.derived_fingerprints):
        conn.execute(delete(table).where(table.c.repo == old))
    stored = schema.sync_cursors
    for row in list(conn.execute(select(stored).where(stored.c.source == "github"))):
        scope = str(row.scope)
        if scope == old or scope.startswith(f"{old};"):  # deployments: "repo;environment=production"
            key = (stored.c.source == row.source, stored.c.stream == row.stream, stored.c.scope == scope)
            conn.execute(delete(stored).where(*key))
            conn.execute(stored.insert().values({**row._asdict(), "scope": new + scope[len(old) :]}))
    etags, kept, path = schema.http_etags, set(keep_urls), f"/repos/{old}".lower()
    for (url,) in list(conn.execute(select(etags.c.url).where(etags.c.source == "github"))):
        address = str(url).lower().split("?")[0]
        if url not in kept and (address.endswith(path) or f"{path}/" in address):
            conn.execute(delete(etags).where(etags.c.source == "github", etags.c.url == url))
    conn.execute(delete(schema.repositories).where(schema.repositories.c.full_name == old))
