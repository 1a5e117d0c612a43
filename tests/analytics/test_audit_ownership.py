"""Audit, module level: the ownership map (SPEC §4) as failure attribution (§6.1 rule 4) reads it.

Each test pins, in ``analytics.ownership`` (and the catalog parser feeding it), the cause of a number
``tests/test_audit_ownership_attribution.py`` checks end to end: which PagerDuty services are collected,
and which services (hence repositories) an incident on a PagerDuty service may fail.
"""

from __future__ import annotations

from collections.abc import Sequence

from analytics.ownership import (
    UNOWNED,
    CatalogComponent,
    Ownership,
    OwnershipSettings,
    TeamClaim,
    pagerduty_services_to_collect,
    resolve_ownership,
)
from collector.catalog import parse_catalog


def components_of(files: dict[str, str]) -> list[CatalogComponent]:
    """The components the collector stores for these catalog-info.yaml files (repo → text)."""
    return [
        CatalogComponent(
            fact.file_repo, fact.position, fact.name, fact.owner, fact.repo, fact.pagerduty_service
        )
        for file_repo, text in files.items()
        for fact in parse_catalog(file_repo, text)
    ]


def resolve(
    files: dict[str, str],
    repos: Sequence[str],
    teams: Sequence[TeamClaim] = (),
    service_ids: Sequence[str] = (),
) -> Ownership:
    settings = OwnershipSettings(teams=tuple(teams), pagerduty_service_ids=tuple(service_ids))
    return resolve_ownership(settings, repos, components_of(files))


def failed_repos(ownership: Ownership, service_id: str) -> set[str]:
    """The repositories whose deployments an incident on ``service_id`` may fail (§6.1 rule 4)."""
    return {
        repo
        for service in ownership.services_of_pagerduty_service(service_id)
        for repo in ownership.repos_of_service(service)
    }


def document(name: str, owner: str | None, service: str, namespace: str | None = None) -> str:
    return (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
        f"  name: {name}\n"
        + (f"  namespace: {namespace}\n" if namespace else "")
        + f"  annotations:\n    pagerduty.com/service-id: {service}\nspec:\n  type: service\n"
        + (f"  owner: {owner}\n" if owner else "")
    )


def test_one_name_in_two_namespaces_is_one_service() -> None:
    # SPEC §4 "A service is a Backstage Component (kind: Component, metadata.name)"; docs/metrics.md
    # rule 4 "components are told apart by metadata.name (SPEC §4)". payments/api and orders/api are
    # both named api: ONE service "api", whose repos are acme/ord-api and acme/pay-api. Each PagerDuty
    # service is linked to it (PNSA: component owner payments = PNSA's team = acme/pay-api's team;
    # PNSB likewise orders), so an incident on either may fail a deployment of either repo.
    ownership = resolve(
        {
            "acme/pay-api": document("api", "group:payments/payments", "PNSA", namespace="payments"),
            "acme/ord-api": document("api", "group:orders/orders", "PNSB", namespace="orders"),
        },
        ["acme/pay-api", "acme/ord-api"],
    )
    assert ownership.repo_team == {"acme/ord-api": "orders", "acme/pay-api": "payments"}
    assert ownership.service_of_repo("acme/pay-api") == ownership.service_of_repo("acme/ord-api") == "api"
    assert failed_repos(ownership, "PNSA") == {"acme/ord-api", "acme/pay-api"}
    assert failed_repos(ownership, "PNSB") == {"acme/ord-api", "acme/pay-api"}


def test_pagerduty_service_of_an_ownerless_component_is_collected_for_unowned() -> None:
    # docs/metrics.md rule 4 "A component with no owner leaves its repository and its PagerDuty service
    # to unowned: the service is collected, and its incidents can fail that repository's deployments";
    # SPEC §4 "A repo ... owned by nobody belongs to team unowned". PLONE is named by a component without
    # spec.owner: it is in the map as unowned's, collected whether or not service_ids lists it, and
    # linked to the component loner, whose only repo is acme/loner.
    files = {"acme/loner": document("loner", None, "PLONE")}
    ownership = resolve(files, ["acme/loner"])
    assert ownership.team_of_repo("acme/loner") == UNOWNED
    assert ownership.team_of_pagerduty_service("PLONE") == UNOWNED
    assert pagerduty_services_to_collect(ownership, OwnershipSettings()) == ["PLONE"]
    assert failed_repos(ownership, "PLONE") == {"acme/loner"}
    listed = OwnershipSettings(pagerduty_service_ids=("PLONE",))
    with_id = resolve(files, ["acme/loner"], service_ids=("PLONE",))
    assert pagerduty_services_to_collect(with_id, listed) == ["PLONE"]
    assert with_id.team_of_pagerduty_service("PLONE") == UNOWNED


def test_teams_override_of_a_repo_unlinks_its_components_pagerduty_service() -> None:
    # SPEC §4: teams: decides the repo's team ("belongs to that team, whatever the catalog says"); PLEG,
    # named by the component legacy-svc, keeps its catalog owner platform ("everything else keeps its
    # catalog owner"). docs/metrics.md rule 4 "A component's PagerDuty service belongs to the
    # component's repository only while the component's owner owns it: when ... teams: gives the
    # repository to another team, that service's incidents still count for its own team but fail none
    # of the repository's deployments": platform no longer owns acme/legacy, so PLEG fails no repo.
    ownership = resolve(
        {"acme/legacy": document("legacy-svc", "group:platform", "PLEG")},
        ["acme/legacy"],
        teams=[TeamClaim("newteam", ("acme/legacy",))],
    )
    assert ownership.team_of_repo("acme/legacy") == "newteam"
    assert ownership.team_of_pagerduty_service("PLEG") == "platform"
    assert failed_repos(ownership, "PLEG") == set()


def test_teams_override_of_a_pagerduty_service_gives_it_to_the_teams_repos_only() -> None:
    # SPEC §4 "a repo or PagerDuty service it names belongs to that team, whatever the catalog says";
    # "the PagerDuty services a teams: entry names belong to that team's repos". docs/metrics.md rule 4
    # "The PagerDuty services a teams: entry names belong to that team's repositories only, whatever
    # component names them": PLED is linked to sre's acme/sre-tools, no longer to the component ledger
    # (acme/ledger, still finance's) that names it.
    ownership = resolve(
        {"acme/ledger": document("ledger", "group:default/finance", "PLED")},
        ["acme/ledger", "acme/sre-tools"],
        teams=[TeamClaim("sre", ("acme/sre-tools",), ("PLED",))],
    )
    assert ownership.team_of_repo("acme/ledger") == "finance"
    assert ownership.team_of_pagerduty_service("PLED") == "sre"
    assert failed_repos(ownership, "PLED") == {"acme/sre-tools"}


def test_multi_document_file_gives_components_only() -> None:
    # SPEC §4 "possibly several YAML documents"; "Only kind: Component documents give ownership"; the
    # three owner spellings are one team. The API document's project-slug and PagerDuty service count
    # for nothing: PAPI is not collected, and acme/mono-web is mono's.
    text = (
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: mono-team\nspec:\n  type: team\n"
        "---\n"
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: mono-api\n  annotations:\n"
        "    github.com/project-slug: acme/mono-web\n    pagerduty.com/service-id: PAPI\n"
        "spec:\n  type: openapi\n  owner: group:default/api-team\n"
        "---\n" + document("mono-core", "group:default/mono", "PMONO") + "---\n"
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: mono-web\n  annotations:\n"
        "    github.com/project-slug: acme/mono-web\n    pagerduty.com/service-id: PWEB\n"
        "spec:\n  owner: group:mono\n"
        "---\n"
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: mono-docs\n  annotations:\n"
        "    github.com/project-slug: acme/mono-docs\nspec:\n  owner: mono\n"
    )
    ownership = resolve({"acme/mono": text}, ["acme/mono", "acme/mono-web", "acme/mono-docs"])
    assert ownership.repo_team == {"acme/mono": "mono", "acme/mono-docs": "mono", "acme/mono-web": "mono"}
    assert ownership.warnings == []
    assert pagerduty_services_to_collect(ownership, OwnershipSettings()) == ["PMONO", "PWEB"]
    assert failed_repos(ownership, "PMONO") == {"acme/mono"}
    assert failed_repos(ownership, "PWEB") == {"acme/mono-web"}
