"""Backstage catalog-info.yaml → catalog_components (SPEC §4), parsed alone and synced over the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from collector.catalog import CATALOG_PATH, CatalogError, parse_catalog, parse_owner, sync_catalog
from collector.models import ComponentFact
from collector.sources.github import FileRead, GitHubClient, NotFoundError
from collector.sources.retry import RetryPolicy
from store import schema
from store.engine import open_store
from store.errors import TransientSourceError
from tests.emulators.github import Fault, GitHubDataset, GitHubEmulator


def component(
    name: str,
    owner: str | None,
    *,
    slug: str | None = None,
    service: str | None = None,
    kind: str = "Component",
) -> str:
    annotations = []
    if slug is not None:
        annotations.append(f"    github.com/project-slug: {slug}")
    if service is not None:
        annotations.append(f"    pagerduty.com/service-id: {service}")
    lines = ["apiVersion: backstage.io/v1alpha1", f"kind: {kind}", "metadata:", f"  name: {name}"]
    if annotations:
        lines += ["  annotations:", *annotations]
    lines += ["spec:", "  type: service", "  lifecycle: production"]
    if owner is not None:
        lines.append(f"  owner: {owner}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("reference", "team"),
    [
        ("group:order-team", "order-team"),
        ("group:default/order-team", "order-team"),
        ("order-team", "order-team"),
        ("group:platform/order-team", "order-team"),
        ("Group:order-team", "order-team"),
        ("default/order-team", "order-team"),
        ("user:jdoe", None),
        ("user:default/jdoe", None),
    ],
)
def test_owner_spellings(reference: str, team: str | None) -> None:
    assert parse_owner(reference) == team
    (parsed,) = parse_catalog("acme/orders", component("orders", reference))
    assert parsed.owner == team


def test_a_component_lives_in_the_file_repo_by_default() -> None:
    assert parse_catalog("acme/orders", component("orders", "group:order-team", service="P1234AB")) == [
        ComponentFact(
            file_repo="acme/orders",
            position=0,
            name="orders",
            owner="order-team",
            repo="acme/orders",
            pagerduty_service="P1234AB",
        )
    ]


def test_project_slug_names_another_repo() -> None:
    (parsed,) = parse_catalog("acme/catalog", component("payments", "payments-team", slug="acme/payments"))
    assert (parsed.file_repo, parsed.repo) == ("acme/catalog", "acme/payments")


def test_several_documents_and_only_components() -> None:
    text = "---\n".join(
        [
            component("orders-system", "group:order-team", kind="System"),
            component("orders-api", "group:order-team", service="PAPI"),
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: order-team\n",
            component("orders-worker", "group:default/worker-team", slug="acme/worker"),
        ]
    )
    parsed = parse_catalog("acme/orders", text + "---\n")  # a trailing empty document is fine
    assert [(c.position, c.name, c.owner, c.repo, c.pagerduty_service) for c in parsed] == [
        (1, "orders-api", "order-team", "acme/orders", "PAPI"),
        (3, "orders-worker", "worker-team", "acme/worker", None),
    ]


def test_a_component_without_owner_has_no_team() -> None:
    (parsed,) = parse_catalog("acme/orders", component("orders", None))
    assert parsed.owner is None


def test_a_numeric_looking_service_id_is_kept_as_text() -> None:
    (parsed,) = parse_catalog("acme/orders", component("orders", "team", service="1234"))
    assert parsed.pagerduty_service == "1234"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("kind: Component\nmetadata: {name: x\n", "invalid YAML at line"),
        ("- just\n- a list\n", "document 1: is a list, not a mapping"),
        (component("ok", "team") + "---\nplain text\n", "document 2: is a str, not a mapping"),
        ("kind: Component\nmetadata:\n  title: no name\n", "document 1: a Component needs metadata.name"),
        ("kind: Component\nspec: {owner: team}\n", "a Component needs metadata.name"),
        ("kind: Component\nmetadata: nope\n", "metadata must be a mapping"),
        (component("x", "'group:'"), "spec.owner 'group:' is not an entity reference"),
        (component("x", "[a, b]"), "spec.owner must be a string"),
        (component("x", "team", slug="not-a-slug"), "github.com/project-slug must be owner/name"),
        # Backstage's entity names: a slash would make it a repository's name, and two services one.
        (component("acme/web", "team"), "metadata.name 'acme/web' is not an entity name"),
        (component("'order service'", "team"), "metadata.name 'order service' is not an entity name"),
    ],
)
def test_malformed_files_raise_with_repo_and_reason(text: str, reason: str) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog("acme/broken", text)
    assert caught.value.file_repo == "acme/broken"
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"acme/broken: {CATALOG_PATH}: ")


def test_other_kinds_are_not_validated() -> None:
    assert parse_catalog("acme/x", "kind: Group\nmetadata: [odd]\n") == []


# ------------------------------------------------------------------------------- sync over emulator


class Catalogs:
    def __init__(self, emulator: GitHubEmulator) -> None:
        self.emulator = emulator
        self.dataset = emulator.dataset

    def write(self, repo: str, text: str) -> None:
        self.dataset.repos[repo].files[CATALOG_PATH] = text

    def delete(self, repo: str) -> None:
        del self.dataset.repos[repo].files[CATALOG_PATH]

    def sync(self, engine: Engine, repos: list[str], progress: list[str] | None = None) -> list[str]:
        client = GitHubClient(
            self.emulator.base_url,
            "test-token",
            retry=RetryPolicy(max_attempts=3, sleep=lambda _: None),
            clock=self.emulator.clock,
        )
        try:
            return sync_catalog(engine, client, repos, (progress if progress is not None else []).append)
        finally:
            client.close()


REPOS = ["acme/orders", "acme/payments", "acme/catalog", "acme/plain"]


@pytest.fixture
def catalogs() -> Iterator[Catalogs]:
    dataset = GitHubDataset()
    for name in REPOS:
        dataset.add_repo(name)
    with GitHubEmulator(dataset) as emulator:
        yield Catalogs(emulator)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    yield engine
    engine.dispose()


def rows(engine: Engine) -> list[tuple[Any, ...]]:
    table = schema.catalog_components
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                select(
                    table.c.file_repo,
                    table.c.position,
                    table.c.name,
                    table.c.owner,
                    table.c.repo,
                    table.c.pagerduty_service,
                ).order_by(table.c.file_repo, table.c.position)
            )
        ]


def test_sync_reads_each_repo_at_its_default_branch(catalogs: Catalogs, engine: Engine) -> None:
    catalogs.write("acme/orders", component("orders", "group:order-team", service="PORD"))
    catalogs.write(
        "acme/catalog",
        component("payments", "group:default/payments-team", slug="acme/payments")
        + "---\n"
        + component("ledger", "ledger-team", slug="acme/ledger", service="PLED"),
    )
    progress: list[str] = []
    assert catalogs.sync(engine, REPOS, progress) == []
    assert rows(engine) == [
        ("acme/catalog", 0, "payments", "payments-team", "acme/payments", None),
        ("acme/catalog", 1, "ledger", "ledger-team", "acme/ledger", "PLED"),
        ("acme/orders", 0, "orders", "order-team", "acme/orders", "PORD"),
    ]
    contents = [r for r in catalogs.emulator.requests if r.path.endswith(f"/contents/{CATALOG_PATH}")]
    assert len(contents) == len(REPOS)
    assert all("ref" not in r.query for r in contents)  # no ref: GitHub answers from the default branch
    assert progress == [f"catalog {repo}" for repo in REPOS]


def test_sync_twice_adds_nothing(catalogs: Catalogs, engine: Engine) -> None:
    catalogs.write("acme/orders", component("orders", "order-team"))
    catalogs.sync(engine, REPOS)
    first = rows(engine)
    catalogs.sync(engine, REPOS)
    assert rows(engine) == first


def test_a_malformed_file_is_a_warning_and_the_others_are_read(catalogs: Catalogs, engine: Engine) -> None:
    catalogs.write("acme/orders", "kind: Component\nmetadata: {name: [\n")
    catalogs.write("acme/payments", component("payments", "payments-team"))
    progress: list[str] = []
    warnings = catalogs.sync(engine, REPOS, progress)
    assert len(warnings) == 1
    assert warnings[0].startswith(f"repository acme/orders: {CATALOG_PATH} skipped: invalid YAML at line")
    assert f"warning: {warnings[0]}" in progress
    assert rows(engine) == [("acme/payments", 0, "payments", "payments-team", "acme/payments", None)]


def test_a_malformed_reread_keeps_the_previous_rows(catalogs: Catalogs, engine: Engine) -> None:
    catalogs.write(
        "acme/orders", component("orders", "order-team") + "---\n" + component("jobs", "order-team")
    )
    catalogs.sync(engine, REPOS)
    before = rows(engine)
    # The second document breaks: nothing of the file is taken, not even its good first document.
    catalogs.write("acme/orders", component("orders", "other-team") + "---\nkind: Component\n")
    (warning,) = catalogs.sync(engine, REPOS)
    assert "acme/orders" in warning
    assert "document 2: a Component needs metadata.name" in warning
    assert rows(engine) == before


def test_a_changed_file_replaces_its_rows(catalogs: Catalogs, engine: Engine) -> None:
    catalogs.write(
        "acme/orders", component("orders", "order-team") + "---\n" + component("jobs", "order-team")
    )
    catalogs.sync(engine, REPOS)
    catalogs.write("acme/orders", component("orders", "new-team"))
    catalogs.sync(engine, REPOS)
    assert rows(engine) == [("acme/orders", 0, "orders", "new-team", "acme/orders", None)]


def test_a_deleted_file_removes_its_rows(catalogs: Catalogs, engine: Engine) -> None:
    catalogs.write("acme/orders", component("orders", "order-team"))
    catalogs.write("acme/payments", component("payments", "payments-team"))
    catalogs.sync(engine, REPOS)
    catalogs.delete("acme/orders")
    assert catalogs.sync(engine, REPOS) == []
    assert rows(engine) == [("acme/payments", 0, "payments", "payments-team", "acme/payments", None)]


def test_a_repo_not_in_the_list_keeps_its_rows(catalogs: Catalogs, engine: Engine) -> None:
    catalogs.write("acme/orders", component("orders", "order-team"))
    catalogs.sync(engine, REPOS)
    catalogs.delete("acme/orders")
    catalogs.sync(engine, ["acme/payments"])
    assert [row[0] for row in rows(engine)] == ["acme/orders"]


def test_a_transient_failure_surfaces_after_retries(catalogs: Catalogs, engine: Engine) -> None:
    catalogs.write("acme/orders", component("orders", "order-team"))
    catalogs.emulator.inject(r"/repos/acme/payments/contents/", Fault.server_error(), times=10)
    with pytest.raises(TransientSourceError):
        catalogs.sync(engine, REPOS)
    # The repository read before the failure is committed; a later sync finishes the rest.
    assert [row[0] for row in rows(engine)] == ["acme/orders"]


class GoneRepoClient:
    """A client for which one repository is gone (GitHub's 404 on the repository itself)."""

    def __init__(self, gone: str, files: dict[str, str]) -> None:
        self.gone = gone
        self.files = files

    def file_text_if_changed(self, full_name: str, path: str, etag: str | None) -> FileRead:
        if full_name == self.gone:
            raise NotFoundError("not found on GitHub: Not Found", source="github", status=404)
        text = self.files.get(full_name)
        return FileRead("absent") if text is None else FileRead("found", text)


def test_a_gone_repo_is_a_warning_and_keeps_its_rows(engine: Engine) -> None:
    files = {"acme/orders": component("orders", "order-team"), "acme/payments": component("pay", "pay-team")}
    sync_catalog(engine, GoneRepoClient("nobody/none", files), ["acme/orders", "acme/payments"])
    (warning,) = sync_catalog(engine, GoneRepoClient("acme/orders", files), ["acme/orders", "acme/payments"])
    assert warning.startswith("repository acme/orders: catalog not read: not found on GitHub")
    assert [row[0] for row in rows(engine)] == ["acme/orders", "acme/payments"]


def test_an_unchanged_catalog_is_asked_with_its_etag_and_costs_no_rate_limit(
    catalogs: Catalogs, engine: Engine
) -> None:
    catalogs.write("acme/orders", component("orders", "order-team"))
    catalogs.write("acme/payments", component("pay", "pay-team"))
    catalogs.sync(engine, ["acme/orders", "acme/payments"])
    before = rows(engine)
    served = len(catalogs.emulator.requests)
    remaining = catalogs.emulator.rate_remaining
    catalogs.sync(engine, ["acme/orders", "acme/payments"])
    again = catalogs.emulator.requests[served:]
    assert [r.status for r in again] == [304, 304]
    assert all("if-none-match" in r.headers for r in again)
    assert catalogs.emulator.rate_remaining == remaining  # GitHub does not count a 304
    assert rows(engine) == before
    # A changed file has a new etag: it is read and its rows replaced.
    catalogs.write("acme/orders", component("orders", "platform-team"))
    catalogs.sync(engine, ["acme/orders", "acme/payments"])
    assert [r.status for r in catalogs.emulator.requests[served + 2 :]] == [200, 304]
    assert ("acme/orders", 0, "orders", "platform-team") in [tuple(row[:4]) for row in rows(engine)]
