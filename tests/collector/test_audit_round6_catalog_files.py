"""Audit, round 6: catalog-info.yaml parsing where two rules of SPEC §4 meet.

Parser level (``collector.catalog.parse_catalog`` / ``sync_catalog`` with an in-memory client) plus
``analytics.ownership.resolve_ownership`` where the combination needs the resolved map. Not repeated
here: the owner spellings one by one, a plain multi-document file, a repo slug differing in case only,
the malformed cases of tests/collector/test_catalog.py, and the sync-to-sync changes of
tests/test_audit_round6_catalog_e2e.py.

SPEC §4 rules used:
  R1 only ``kind: Component`` documents give ownership; a file may hold several YAML documents;
  R2 ``group:x``, ``group:default/x`` and ``x`` all mean team x (docs/metrics.md: compared whatever the
     letter case, the configured team's spelling kept);
  R3 ``github.com/project-slug: acme/x`` names the repo (default: the file's repo);
  R4 ``pagerduty.com/service-id`` names the component's PagerDuty service;
  R5 ``teams:`` overrides the catalog for a repo or a PagerDuty service it names;
  R6 a malformed file is reported (repo, reason) and skipped whole; it never stops a sync.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.ownership import (
    UNOWNED,
    CatalogComponent,
    OwnershipSettings,
    TeamClaim,
    load_components,
    pagerduty_services_to_collect,
    resolve_ownership,
)
from collector.catalog import CATALOG_PATH, CatalogError, parse_catalog, sync_catalog
from collector.models import ComponentFact
from collector.sources.github import FileRead
from store.engine import open_store


def rows(parsed: list[ComponentFact]) -> list[tuple[object, ...]]:
    return [(c.position, c.name, c.owner, c.repo, c.pagerduty_service) for c in parsed]


def as_catalog(parsed: list[ComponentFact]) -> list[CatalogComponent]:
    return [
        CatalogComponent(c.file_repo, c.position, c.name, c.owner, c.repo, c.pagerduty_service)
        for c in parsed
    ]


class Files:
    """An in-memory GitHub: repo → catalog-info.yaml text."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def file_text_if_changed(self, full_name: str, path: str, etag: str | None) -> FileRead:
        assert path == CATALOG_PATH
        text = self.files.get(full_name)
        return FileRead("absent") if text is None else FileRead("found", text)


# ------------------------------------------------------------------ kinds × null documents × spellings


MIXED = """\
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: shop}
spec: {owner: group:default/shop-team}
---
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders-bot
  annotations: {pagerduty.com/service-id: PBOT}
spec: {type: service, owner: "user:alice"}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: order-team}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: component
metadata:
  name: orders
  annotations: {pagerduty.com/service-id: PORD}
spec: {type: service, owner: "Group:Default/Order-Team"}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: orders-api}
spec: {owner: group:api-team, type: openapi}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders-web
  annotations: {github.com/project-slug: acme/orders-web, pagerduty.com/service-id: PWEB}
spec: {type: website, owner: "group:storefront/order-team"}
---
"""


def test_mixed_kinds_null_documents_user_owner_and_owner_spellings() -> None:
    """One file in acme/orders, 8 YAML documents (the leading ``---`` opens document 1, it adds none):

      1 System shop           → not a Component (R1): nothing
      2 ``---`` right after    → an empty (null) document: nothing, but it still counts as document 2
      3 Component orders-bot  owner ``user:alice``, PBOT
      4 Group order-team      → nothing (R1)
      5 component (lower-case kind) orders, owner ``Group:Default/Order-Team``, PORD
      6 API orders-api        → nothing (R1)
      7 Component orders-web, slug acme/orders-web, owner ``group:storefront/order-team``, PWEB
      8 trailing ``---``      → empty, nothing

    Parsed, positions 0-based in the file: (2, orders-bot, None, acme/orders, PBOT) — a user is not a
    group: the product's reading, see the report —, (4, orders, Order-Team, acme/orders, PORD),
    (6, orders-web, order-team, acme/orders-web, PWEB).

    Resolved with ``teams: [{name: order-team}]`` (a team naming nothing) and collected repos acme/orders,
    acme/orders-web: owners Order-Team and order-team are the configured team ``order-team`` (R2, docs:
    case-insensitive, configured spelling). orders-bot has no team, so it neither claims acme/orders nor
    conflicts: acme/orders → order-team (from orders), acme/orders-web → order-team, no warning.
    PBOT → unowned (an ownerless component's service is collected for unowned); PORD, PWEB → order-team.
    PBOT links to no repository: its team (unowned) does not own acme/orders. PORD links to acme/orders,
    PWEB to acme/orders-web. Collected PagerDuty services: PBOT, PORD, PWEB (3).
    """
    parsed = parse_catalog("acme/orders", MIXED)
    assert rows(parsed) == [
        (2, "orders-bot", None, "acme/orders", "PBOT"),
        (4, "orders", "Order-Team", "acme/orders", "PORD"),
        (6, "orders-web", "order-team", "acme/orders-web", "PWEB"),
    ]
    settings = OwnershipSettings(teams=(TeamClaim("order-team"),))
    ownership = resolve_ownership(settings, ["acme/orders", "acme/orders-web"], as_catalog(parsed))
    assert ownership.repo_team == {"acme/orders": "order-team", "acme/orders-web": "order-team"}
    assert ownership.service_team == {"PBOT": UNOWNED, "PORD": "order-team", "PWEB": "order-team"}
    assert ownership.warnings == []
    assert ownership.services_of_pagerduty_service("PBOT") == ()
    (ord_service,) = ownership.services_of_pagerduty_service("PORD")
    assert ownership.repos_of_service(ord_service) == ("acme/orders",)
    assert ownership.repos_of_service(ownership.services_of_pagerduty_service("PWEB")[0]) == (
        "acme/orders-web",
    )
    assert pagerduty_services_to_collect(ownership, settings) == ["PBOT", "PORD", "PWEB"]


def test_a_malformed_document_after_null_ones_names_its_document_and_drops_the_good_ones() -> None:
    """R1 × R3 × R6. Document 1 a good Component (owner order-team, PORD), document 2 empty (``---``
    twice), document 3 a Component whose slug is a URL, not owner/name. Documents are counted in the
    file, empty ones included: the error names document 3, the file is skipped whole (the good
    document 1 too), and the reason quotes the URL."""
    text = (
        "kind: Component\nmetadata: {name: orders, annotations: {pagerduty.com/service-id: PORD}}\n"
        "spec: {owner: order-team}\n---\n---\n"
        "kind: Component\nmetadata:\n  name: web\n  annotations:\n"
        "    github.com/project-slug: https://github.com/acme/web\nspec: {owner: order-team}\n"
    )
    with pytest.raises(CatalogError) as caught:
        parse_catalog("acme/orders", text)
    assert caught.value.file_repo == "acme/orders"
    assert caught.value.reason == (
        "document 3: annotation github.com/project-slug must be owner/name (got 'https://github.com/acme/web')"
    )


def test_project_slug_with_dot_git_names_another_repo_than_the_collected_one() -> None:
    """R3 × collected repositories. Component pay in acme/catalog says slug ``acme/pay.git`` (owner
    payments); collected repos acme/catalog, acme/pay. SPEC: the slug *names* the repo; nothing says a
    ``.git`` suffix is stripped, so the product reads repo ``acme/pay.git`` literally (ambiguity, see the
    report): acme/pay.git → payments (catalogued, not collected), acme/pay stays unowned, acme/catalog
    (no component in it) unowned."""
    text = (
        "kind: Component\nmetadata:\n  name: pay\n  annotations:\n    github.com/project-slug: acme/pay.git\n"
    )
    text += "spec: {owner: group:default/payments}\n"
    parsed = parse_catalog("acme/catalog", text)
    assert rows(parsed) == [(0, "pay", "payments", "acme/pay.git", None)]
    ownership = resolve_ownership(OwnershipSettings(), ["acme/catalog", "acme/pay"], as_catalog(parsed))
    assert ownership.repo_team == {"acme/catalog": UNOWNED, "acme/pay": UNOWNED, "acme/pay.git": "payments"}


# ------------------------------------------------------------------ PagerDuty annotation × teams:


def test_service_id_with_surrounding_spaces_is_the_teams_service() -> None:
    """R4 × R5. Component pay (acme/pay, owner payments) says ``pagerduty.com/service-id: "  PPAY  "``;
    ``teams: [{name: sre, pagerduty_services: [PPAY]}]``. PagerDuty ids are compared exactly, so the
    spaces must go at parse time: the service is PPAY, teams: gives it to sre (config over catalog),
    linked to sre's repos (none) → fails no deployment; acme/pay → payments. One service collected
    (PPAY), not two (``"  PPAY  "`` and PPAY)."""
    text = (
        'kind: Component\nmetadata:\n  name: pay\n  annotations:\n    pagerduty.com/service-id: "  PPAY  "\n'
    )
    text += "spec: {owner: payments}\n"
    parsed = parse_catalog("acme/pay", text)
    assert rows(parsed) == [(0, "pay", "payments", "acme/pay", "PPAY")]
    settings = OwnershipSettings(teams=(TeamClaim("sre", pagerduty_services=("PPAY",)),))
    ownership = resolve_ownership(settings, ["acme/pay"], as_catalog(parsed))
    assert ownership.repo_team == {"acme/pay": "payments"}
    assert ownership.service_team == {"PPAY": "sre"}
    assert ownership.service_origin == {"PPAY": "config"}
    assert ownership.services_of_pagerduty_service("PPAY") == ()
    assert pagerduty_services_to_collect(ownership, settings) == ["PPAY"]


def test_an_integration_key_annotation_names_no_service() -> None:
    """R4. Backstage's PagerDuty plugin also knows ``pagerduty.com/integration-key``; SPEC names only
    ``pagerduty.com/service-id``. Component web (owner ``group:other-ns/web-team``: namespace dropped,
    team web-team) carries only an integration key; component api (same file, document 2) a service-id
    PAPI and an empty integration key. Parsed: web → no service, api → PAPI. Resolved: both repos
    web-team's, services {PAPI: web-team} only — the 32-hex key is not collected as a service."""
    key = "0123456789abcdef0123456789abcdef"
    text = (
        f"kind: Component\nmetadata:\n  name: web\n  annotations:\n    pagerduty.com/integration-key: {key}\n"
        "spec: {owner: group:other-ns/web-team}\n---\n"
        "kind: Component\nmetadata:\n  name: api\n  annotations:\n    pagerduty.com/service-id: PAPI\n"
        "    pagerduty.com/integration-key: ''\n    github.com/project-slug: acme/api\n"
        "spec: {owner: web-team}\n"
    )
    parsed = parse_catalog("acme/web", text)
    assert rows(parsed) == [
        (0, "web", "web-team", "acme/web", None),
        (1, "api", "web-team", "acme/api", "PAPI"),
    ]
    ownership = resolve_ownership(OwnershipSettings(), ["acme/web", "acme/api"], as_catalog(parsed))
    assert ownership.repo_team == {"acme/api": "web-team", "acme/web": "web-team"}
    assert ownership.service_team == {"PAPI": "web-team"}


@pytest.mark.parametrize(("written", "service"), [("012345", "012345"), ("0x1F", "0x1F")])
def test_a_numeric_looking_service_id_keeps_its_digits(written: str, service: str) -> None:
    """R4 × YAML scalars. The product keeps an unquoted ``1234`` as the text ``"1234"`` (test_catalog).
    The same reading for ``012345`` and ``0x1F`` gives the text as written; the annotation names that
    service. Actual: YAML 1.1 resolves them as octal / hex ints and the product stores ``"5349"`` /
    ``"31"`` — a service nobody named is collected and owned (either the text as written or a reported
    malformed file would be acceptable; a different id is not)."""
    text = f"kind: Component\nmetadata:\n  name: o\n  annotations:\n    pagerduty.com/service-id: {written}\n"
    text += "spec: {owner: ops}\n"
    assert rows(parse_catalog("acme/o", text)) == [(0, "o", "ops", "acme/o", service)]


# ------------------------------------------------------------------ YAML: BOM, anchors, size, depth


def test_bom_anchor_and_merge_key_in_one_component() -> None:
    """A UTF-8 BOM before the first ``---`` × a merge key (``<<: *base``) × an anchored annotations map
    reused by alias — all in one document, so the aliases resolve. Component checkout: owner from the
    merge (``group:default/pay-team`` → pay-team), slug acme/checkout and PCHK from the anchored map;
    document 2 (a Group) gives nothing. One component at position 0."""
    text = (
        "\ufeff---\nkind: Component\nx-base: &base {type: service, owner: group:default/pay-team}\n"
        "x-ann: &ann {github.com/project-slug: acme/checkout, pagerduty.com/service-id: PCHK}\n"
        "metadata: {name: checkout, annotations: *ann}\nspec:\n  <<: *base\n  lifecycle: production\n"
        "---\nkind: Group\nmetadata: {name: pay-team}\n"
    )
    assert rows(parse_catalog("acme/mono", text)) == [(0, "checkout", "pay-team", "acme/checkout", "PCHK")]


def test_an_alias_to_another_documents_anchor_skips_the_whole_file() -> None:
    """Anchors are scoped to their document (YAML). Document 1 a good Component with ``&own`` on its
    spec; document 2 a Component whose spec is ``*own``. That is undefined in document 2: invalid YAML
    at line 7 (the alias), and the whole file is skipped (R6), document 1 included."""
    text = (
        "kind: Component\nmetadata: {name: a}\nspec: &own {owner: group:x}\n---\n"
        "kind: Component\nmetadata: {name: b}\nspec: *own\n"
    )
    with pytest.raises(CatalogError) as caught:
        parse_catalog("acme/ab", text)
    assert caught.value.reason == "invalid YAML at line 7: found undefined alias 'own'"


def test_alias_bomb_in_an_ignored_kind_and_unsafe_tags_elsewhere() -> None:
    """Safe loading. (a) A System document holding the 'billion laughs' (10 levels of 9 aliases, 9**10
    leaves if expanded) followed by a Component: aliases are shared, not expanded; the System gives
    nothing (R1), the Component (position 1, owner x) is read. (b) A ``!!python/object/apply`` tag in
    an otherwise good Component file: no constructor under safe loading → invalid YAML at line 3,
    file skipped whole."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    bomb = "kind: System\nmetadata: {name: s}\nspec:\n" + "".join(f"  {line}\n" for line in lines)
    text = bomb + "---\nkind: Component\nmetadata: {name: c}\nspec: {owner: group:x}\n"
    assert rows(parse_catalog("acme/x", text)) == [(1, "c", "x", "acme/x", None)]
    unsafe = "kind: Component\nmetadata: {name: c}\nspec: !!python/object/apply:os.getpid []\n"
    with pytest.raises(CatalogError) as caught:
        parse_catalog("acme/x", unsafe)
    assert caught.value.reason.startswith("invalid YAML at line 3: could not determine a constructor")


def test_a_large_document_is_read() -> None:
    """A 200,000-character description in a Component (owner ``group:big``) and a second Component
    with the slug acme/big-api: both read, positions 0 and 1."""
    text = (
        "kind: Component\nmetadata:\n  name: big\n  description: "
        + "x" * 200_000
        + "\nspec: {owner: group:big}\n"
    )
    text += "---\nkind: Component\nmetadata:\n  name: big-api\n"
    text += "  annotations: {github.com/project-slug: acme/big-api}\n"
    text += "spec: {owner: big}\n"
    assert rows(parse_catalog("acme/big", text)) == [
        (0, "big", "big", "acme/big", None),
        (1, "big-api", "big", "acme/big-api", None),
    ]


def test_a_deeply_nested_document_never_stops_a_sync(tmp_path: Path) -> None:
    """R6 × R1. acme/deep's file: a System document whose spec nests 2,000 flow sequences, then a
    Component deep (owner deep-team). acme/next (after it in the list): Component next (owner
    next-team). SPEC: a malformed file "never stops a sync"; whatever the product makes of acme/deep
    (read its Component, or report and skip it), sync_catalog returns and acme/next's row is written.
    Expected: acme/next → (next, next-team) stored; acme/deep either stored as (deep, deep-team) or one
    warning naming acme/deep. Actual: PyYAML's recursive composer raises RecursionError, which is not a
    CatalogError and escapes sync_catalog; acme/next is never read."""
    deep = "kind: System\nmetadata: {name: s}\nspec: " + "[" * 2000 + "]" * 2000 + "\n"
    deep += "---\nkind: Component\nmetadata: {name: deep}\nspec: {owner: deep-team}\n"
    files = Files(
        {
            "acme/deep": deep,
            "acme/next": "kind: Component\nmetadata: {name: next}\nspec: {owner: next-team}\n",
        }
    )
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    try:
        warnings = sync_catalog(engine, files, ["acme/deep", "acme/next"])
        stored = [(c.file_repo, c.name, c.owner) for c in load_components(engine)]
    finally:
        engine.dispose()
    assert ("acme/next", "next", "next-team") in stored
    deep_rows = [row for row in stored if row[0] == "acme/deep"]
    assert deep_rows == [("acme/deep", "deep", "deep-team")] or (
        deep_rows == []
        and len(warnings) == 1
        and warnings[0].startswith(f"repository acme/deep: {CATALOG_PATH} skipped")
    )
