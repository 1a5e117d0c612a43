"""Backstage ownership: ``catalog-info.yaml`` → ``catalog_components`` rows (SPEC §4).

Each repository's file is read at its default branch and its rows are replaced whole, in one
transaction, so the table always holds exactly what the last readable version of each file said. A
malformed file is reported (repository, reason) and skipped whole: the repository keeps the rows of
its last good read, since half a file could hand a service to the wrong team. It never stops a sync.

Owner references follow Backstage's entity reference syntax ``[kind:][namespace/]name``; ``spec.owner``
defaults to kind ``group``, and only a group is a team. Resolving the rows into the repo/service → team
map (config overrides, conflicts, ``unowned``) is ``analytics.ownership``'s job, not the collector's.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import yaml
from sqlalchemy import Engine, delete, func

from collector import cursors
from collector.cursors import catalog_cursor
from collector.models import REPOSITORY, ComponentFact
from collector.sources.github import FileRead, NotFoundError
from store import schema
from store.errors import InputError
from store.locks import lock_scopes, repository_scope
from store.upsert import upsert
from store.yaml_lines import TextLoader

log = logging.getLogger(__name__)

CATALOG_PATH = "catalog-info.yaml"
# GitHub answers a missing file with a 404, which costs a point and has no validator. A file found absent
# is not asked again while its repository's default branch and last push stay as the listing shows them:
# a file appears only with a push. The mark is the head alone (no clock), so that a resumed or a second
# collector's store is the store of an unbroken run.
ABSENT = "absent"


def _absent_mark(head: str) -> str:
    """The catalog cursor of a file found absent at ``head``: not an ETag (one starts with '"' or W/)."""
    return json.dumps([ABSENT, head])


PROJECT_SLUG = "github.com/project-slug"
PAGERDUTY_SERVICE = "pagerduty.com/service-id"

# An entity name or namespace: Backstage allows letters, digits and [-_.]; we only refuse what would
# break a label or a report ("*" is the organisation row; whitespace, slashes and colons are typos), or
# a component's name that would be a repository's.
_ENTITY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


class CatalogError(InputError):
    """A catalog-info.yaml that cannot be read as a whole; names the repository and the reason."""

    def __init__(self, file_repo: str, reason: str) -> None:
        super().__init__(f"{file_repo}: {CATALOG_PATH}: {reason}")
        self.file_repo = file_repo
        self.reason = reason


class CatalogSource(Protocol):
    """What the catalog reader needs of a GitHub client (``GitHubClient`` has it)."""

    def file_text_if_changed(self, full_name: str, path: str, etag: str | None) -> FileRead: ...


def parse_owner(reference: str) -> str | None:
    """The team an ``spec.owner`` reference names, or None when it names no group (e.g. ``user:x``).

    ``group:x``, ``group:default/x``, ``group:ns/x`` and ``x`` all give ``x``. Raises ``ValueError`` for
    a reference that is not an entity reference at all.
    """
    text = reference.strip()
    kind, colon, rest = text.partition(":")
    if not colon:
        kind, rest = "group", text
    namespace, slash, name = rest.rpartition("/")
    if not _ENTITY_NAME.match(name) or (slash and not _ENTITY_NAME.match(namespace)):
        raise ValueError(f"spec.owner {reference!r} is not an entity reference like group:default/team")
    # Backstage compares kinds case-insensitively; a user or any other kind is not a team.
    return name if kind.strip().lower() == "group" else None


def parse_catalog(file_repo: str, text: str) -> list[ComponentFact]:
    """Every ``kind: Component`` document of one catalog-info.yaml, in file order.

    Raises ``CatalogError`` when any part is malformed, so that the caller skips the file whole.
    Documents of other kinds (System, API, Group, …) are read past without further checks.
    """
    try:
        documents: list[Any] = list(yaml.load_all(text, Loader=TextLoader))  # a SafeLoader
    except RecursionError:
        # PyYAML composes nested collections recursively: a file nested deeply enough is malformed
        # for us, and must not stop the sync (SPEC §4).
        raise CatalogError(file_repo, "invalid YAML: nested too deeply") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise CatalogError(file_repo, f"invalid YAML{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise CatalogError(file_repo, f"invalid YAML: {exc}") from None
    except (ValueError, OverflowError) as exc:  # a tag asked for explicitly (!!timestamp 2025-13-01)
        raise CatalogError(file_repo, f"invalid value: {exc}") from None
    components: list[ComponentFact] = []
    for position, document in enumerate(documents):
        if document is None:
            continue  # an empty document, e.g. after a trailing "---"
        try:
            component = _component(file_repo, position, document)
        except ValueError as exc:
            raise CatalogError(file_repo, f"document {position + 1}: {exc}") from None
        if component is not None:
            components.append(component)
    return components


def _component(file_repo: str, position: int, document: object) -> ComponentFact | None:
    if not isinstance(document, dict):
        raise ValueError(f"is a {type(document).__name__}, not a mapping of apiVersion, kind, metadata, …")
    kind = document.get("kind")
    if not isinstance(kind, str) or kind.strip().lower() != "component":
        return None
    metadata = _mapping(document.get("metadata"), "metadata")
    name = metadata.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a Component needs metadata.name")
    if not _ENTITY_NAME.match(name.strip()):
        # As Backstage refuses it; a slash would also make it a repository's name (a repository with no
        # component is a service of its own name), and two services would be one.
        raise ValueError(f"metadata.name {name!r} is not an entity name (letters, digits and -_.)")
    annotations = _mapping(metadata.get("annotations"), "metadata.annotations")
    spec = _mapping(document.get("spec"), "spec")

    owner_reference = spec.get("owner")
    if owner_reference is not None and not isinstance(owner_reference, str):
        raise ValueError(f"spec.owner must be a string like group:team (got {owner_reference!r})")
    owner = parse_owner(owner_reference) if owner_reference else None

    repo = file_repo
    slug = annotations.get(PROJECT_SLUG)
    if slug is not None:
        if not isinstance(slug, str) or not re.fullmatch(REPOSITORY, slug.strip()):
            raise ValueError(f"annotation {PROJECT_SLUG} must be owner/name (got {slug!r})")
        repo = slug.strip()

    service = annotations.get(PAGERDUTY_SERVICE)
    if service is not None and (isinstance(service, bool) or not isinstance(service, str | int)):
        raise ValueError(f"annotation {PAGERDUTY_SERVICE} must be a service id (got {service!r})")
    service_id = str(service).strip() if service is not None else ""

    return ComponentFact(
        file_repo=file_repo,
        position=position,
        name=name.strip(),
        owner=owner,
        repo=repo,
        pagerduty_service=service_id or None,
    )


def _mapping(value: object, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{key} must be a mapping")
    return value


def sync_catalog(
    engine: Engine,
    client: CatalogSource,
    repos: Sequence[str],
    progress: Callable[[str], None] = lambda _message: None,
    *,
    heads: Mapping[str, str] | None = None,
) -> list[str]:
    """Read each repository's catalog-info.yaml and replace its rows; returns the warnings.

    A missing file removes the repository's rows. A malformed file or a repository that is gone is a
    warning and leaves the rows as they were. Rate limits and server errors propagate like in every
    other stream (the client has already retried them); repositories done before stay committed.
    ``heads`` (lower-case name → ``RepositoryFact.head``, as listed by this sync) spare the 404 of a
    file found absent at the same head.
    """
    warnings: list[str] = []

    def warn(message: str) -> None:
        log.warning("%s", message)
        warnings.append(message)
        progress(f"warning: {message}")

    seen: set[str] = set()
    for file_repo in repos:
        if file_repo.lower() in seen:
            continue
        seen.add(file_repo.lower())
        progress(f"catalog {file_repo}")
        with engine.connect() as conn:
            etag = cursors.read(conn, catalog_cursor(file_repo))
        head = (heads or {}).get(file_repo.lower())
        if etag and etag.startswith("["):  # found absent at a head
            if head is not None and etag == _absent_mark(head):
                continue
            etag = None
        try:
            read = client.file_text_if_changed(file_repo, CATALOG_PATH, etag)
        except NotFoundError as exc:
            warn(f"repository {file_repo}: catalog not read: {exc}")
            continue
        if read.state == "unchanged":
            continue  # a 304: same file, same rows, no rate limit spent
        try:
            components = [] if read.text is None else parse_catalog(file_repo, read.text)
        except CatalogError as exc:
            # No etag is kept: the file is read (and warned about) again until it is fixed.
            warn(f"repository {file_repo}: {CATALOG_PATH} skipped: {exc.reason}")
            continue
        if read.state == "absent" and head:
            read = FileRead("absent", etag=_absent_mark(head))
        write_components(engine, file_repo, components, etag=read.etag)
    return warnings


def write_components(
    engine: Engine, file_repo: str, components: Sequence[ComponentFact], *, etag: str | None = None
) -> None:
    """Replace every row read from ``file_repo``'s file with ``components``, in one transaction, with
    the file's ``etag`` (the next sync asks GitHub whether it changed since), or for a file found
    absent the head it was found absent at (``sync_catalog``)."""
    table = schema.catalog_components
    with engine.begin() as conn:
        # Another collector replacing the same file's rows waits: the rows are one read's, never two.
        lock_scopes(conn, [repository_scope(file_repo)])
        cursors.write(conn, catalog_cursor(file_repo), etag or "")
        conn.execute(delete(table).where(func.lower(table.c.file_repo) == file_repo.lower()))
        upsert(
            conn,
            table,
            (
                {
                    "file_repo": file_repo,
                    "position": component.position,
                    "name": component.name,
                    "owner": component.owner,
                    "repo": component.repo,
                    "pagerduty_service": component.pagerduty_service,
                }
                for component in components
            ),
        )
