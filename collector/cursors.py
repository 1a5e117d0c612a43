"""The key of each sync stream's cursor: one home for the (source, stream, scope) that the syncs read and
write, and that anything writing facts as a sync would (the demo's load) must write too, so that a
later sync resumes from it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import Connection

from store.cursors import cursor_scopes, delete_cursor, read_cursor, write_cursor

INCIDENTS_STREAM = "incidents"  # PagerDuty's one stream
PENDING_INCIDENTS_STREAM = "incidents-pending"  # beside it: open incidents of urgencies not collected


class CursorKey(NamedTuple):
    source: str
    stream: str
    scope: str


def deployments_cursor(
    deployment_source: str, repo: str, environment: str, workflow: str | None = None
) -> CursorKey:
    """A repository's deployments, per source and per what decides which ones its listing brings: the
    environment (any letter case) for ``deployments``, the workflow for ``workflow_runs``. Another one
    starts from ``since`` again, so none of its older deployments is missed."""
    selector = {
        "deployments": f"environment={environment.casefold()}",
        "workflow_runs": f"workflow={workflow}",
    }
    own = selector.get(deployment_source)
    return CursorKey("github", deployment_source, f"{repo};{own}" if own else repo)


def legacy_deployments_cursor(deployment_source: str, repo: str) -> CursorKey:
    """The key stores written before the environment and workflow were part of it (one per source): read
    once where the stored deployments show it was kept for the same environment, then replaced."""
    return CursorKey("github", deployment_source, repo)


def pulls_cursor(repo: str) -> CursorKey:
    return CursorKey("github", "pulls", repo)


def issues_cursor(label: str, repo: str) -> CursorKey:
    """A repository's incident issues with one label (SPEC §5.4)."""
    return CursorKey("github", f"issues:{label}", repo)


def catalog_cursor(file_repo: str) -> CursorKey:
    """The ETag of a repository's catalog-info.yaml, whatever the case of its name."""
    return CursorKey("github", "catalog-etag", file_repo.lower())


def cursor_scope(service_ids: Sequence[str], urgencies: Sequence[str]) -> str:
    """The cursor's scope: the service set and the urgencies, order-insensitive. Another set (a team
    gained a service, an urgency was added) starts from ``since`` again, so nothing of it is missed."""
    return f"services={','.join(sorted(set(service_ids)))};urgencies={','.join(sorted(set(urgencies)))}"


def scope_services(scope: str) -> set[str]:
    """The service ids of a ``cursor_scope``."""
    services = scope.partition(";")[0].removeprefix("services=")
    return set(services.split(",")) if services else set()


def overlapping_incident_cursors(conn: Connection, service_ids: Sequence[str], own: str) -> list[CursorKey]:
    """The PagerDuty cursors (listing and pending) of the other service sets or urgencies that share a
    service with ``service_ids``: a sync of these services leaves them behind."""
    wanted = set(service_ids)
    return [
        CursorKey("pagerduty", stream, scope)
        for stream in (INCIDENTS_STREAM, PENDING_INCIDENTS_STREAM)
        for scope in cursor_scopes(conn, "pagerduty", stream)
        if scope != own and scope_services(scope) & wanted
    ]


def incidents_cursor(service_ids: Sequence[str], urgencies: Sequence[str]) -> CursorKey:
    """The PagerDuty incident listing of one service set and urgencies."""
    return CursorKey("pagerduty", INCIDENTS_STREAM, cursor_scope(service_ids, urgencies))


def pending_incidents_cursor(service_ids: Sequence[str], urgencies: Sequence[str]) -> CursorKey:
    """The open incidents that listing saw in an urgency not collected (a JSON list of ids): they are
    read again by id until resolved, since an escalation does not bring them back into the listing."""
    return CursorKey("pagerduty", PENDING_INCIDENTS_STREAM, cursor_scope(service_ids, urgencies))


def read(conn: Connection, key: CursorKey) -> str | None:
    return read_cursor(conn, *key)


def write(conn: Connection, key: CursorKey, value: str) -> None:
    write_cursor(conn, *key, value)


def delete(conn: Connection, key: CursorKey) -> None:
    delete_cursor(conn, *key)
