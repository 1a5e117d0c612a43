"""Who owns what (SPEC §4): repositories and PagerDuty services → team, and which service each belongs to.

The map is resolved from three inputs, in this order of precedence:

1. ``teams:`` in the config — a repository or PagerDuty service a team names is that team's, whatever
   the catalog says;
2. the Backstage components read from catalog-info.yaml (``catalog_components``), in file order
   (``file_repo`` then document position): where components of different owners name the same
   repository or PagerDuty service, the first wins and the others are reported as warnings;
3. everything else that is collected (repositories, ``pagerduty.service_ids``) belongs to ``unowned``.

Services group repositories and PagerDuty services for incident attribution (SPEC §6.1 rule 4): a
repository's service is the first component naming it, else the repository itself; a component's
PagerDuty service belongs to the component's repository; the PagerDuty services a ``teams:`` entry
names belong to every repository that team owns.

Repository names compare case-insensitively, as on GitHub; the spelling kept is the collected one
(GitHub's), else the config's, else the catalog's. PagerDuty service ids are opaque and compared exactly.

The configuration reaches this module as plain values (:class:`OwnershipSettings`, built from the config
by ``doraspace``); the catalog and the collected repositories are read from the store. Analytics works
on the result: one :class:`RepoScope` per collected repository, one :class:`PagerDutyScope` per
collected PagerDuty service.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from analytics.ordering import bytewise
from analytics.windows import WindowSpec
from store import schema
from store.folding import fold

__all__ = [
    "ORGANISATION",
    "UNOWNED",
    "CatalogComponent",
    "DeploymentChoice",
    "Ownership",
    "OwnershipSettings",
    "PagerDutyScope",
    "RepoScope",
    "TeamClaim",
    "WindowSpec",
    "collected_repositories",
    "load_components",
    "pagerduty_scopes",
    "pagerduty_services_to_collect",
    "repo_scopes",
    "resolve_ownership",
]

UNOWNED = "unowned"
"""The team of a repository nobody owns (SPEC §4)."""

ORGANISATION = "*"
"""The team name of the organisation-wide row, covering every scope (SPEC §6)."""


@dataclass(frozen=True)
class RepoScope:
    """A repository's configured deployment source and environment, and the team that owns it."""

    repo: str
    team: str
    source: str
    environment: str
    # The service (SPEC §4) the repo belongs to; a repo with no Backstage component is its own.
    service: str | None = None

    @property
    def service_name(self) -> str:
        return self.service or self.repo


@dataclass(frozen=True)
class PagerDutyScope:
    """A collected PagerDuty service: the team its incidents count for, and the services (SPEC §4)
    whose deployments they may fail. An unowned service has team ``unowned`` and no services."""

    service_id: str
    team: str
    services: tuple[str, ...] = ()


# Where a repository's or service's team came from, as check-config shows it.
FROM_CONFIG = "config"
FROM_CATALOG = "catalog"
FROM_NOBODY = "unowned"


@dataclass(frozen=True)
class CatalogComponent:
    """A Backstage Component as the collector stored it (``catalog_components``), in file order."""

    file_repo: str
    position: int
    name: str
    owner: str | None
    repo: str
    pagerduty_service: str | None


@dataclass(frozen=True)
class DeploymentChoice:
    """Which deployments of a repository count: its source and environment (SPEC §5.1)."""

    source: str
    environment: str


@dataclass(frozen=True)
class TeamClaim:
    """A ``teams:`` entry of the config: what it names is that team's, whatever the catalog says."""

    name: str
    repositories: tuple[str, ...] = ()
    pagerduty_services: tuple[str, ...] = ()


@dataclass(frozen=True)
class OwnershipSettings:
    """The configuration ownership needs, as plain values (the config is parsed in ``doraspace``)."""

    teams: tuple[TeamClaim, ...] = ()
    catalog_discover: bool = True
    pagerduty_service_ids: tuple[str, ...] = ()
    """``pagerduty.service_ids``: collected besides every service of the map."""
    repository_sources: tuple[tuple[str, DeploymentChoice], ...] = ()
    """(repository, choice) of the repositories that override the default, compared case-insensitively."""
    default_source: DeploymentChoice = DeploymentChoice("deployments", "production")

    def source_of(self, repo: str) -> DeploymentChoice:
        wanted = repo.lower()
        return next(
            (choice for name, choice in self.repository_sources if name.lower() == wanted),
            self.default_source,
        )


@dataclass(frozen=True)
class Ownership:
    """The resolved map. Keys are spelled as collected (see the module doc); look-ups by the methods
    below ignore the case of repository names."""

    repo_team: dict[str, str]
    """Repository → team, for every collected, configured or catalogued repository."""
    repo_origin: dict[str, str]
    """Repository → ``config``, ``catalog`` or ``unowned``: which rule gave its team."""
    service_team: dict[str, str]
    """PagerDuty service id → team, for every service of the map and of ``pagerduty.service_ids``."""
    service_origin: dict[str, str]
    """PagerDuty service id → ``config``, ``catalog`` or ``unowned``."""
    repo_service: dict[str, str]
    """Repository → its service: the name of the first component naming it, else (no component, or
    teams: gives it to another team than that component's owner) the repository."""
    service_pagerduty: dict[str, tuple[str, ...]]
    """Service → the PagerDuty service ids that belong to it (services with none are left out)."""
    warnings: list[str] = field(default_factory=list)
    """Catalog conflicts, one line each, naming the repository or service and both components."""
    _spelling: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Case-insensitive look-ups without a scan per call: analytics asks once per repository.
        self._spelling.update((repo.lower(), repo) for repo in self.repo_team)

    @property
    def teams(self) -> set[str]:
        """Every team the map names, owning repositories or PagerDuty services only, ``unowned`` aside
        (what nobody owns is no team to answer a survey for)."""
        return {*self.repo_team.values(), *self.service_team.values()} - {UNOWNED}

    def team_of_repo(self, repo: str) -> str:
        return self.repo_team.get(self._repo_key(repo), UNOWNED)

    def team_of_pagerduty_service(self, service_id: str) -> str:
        return self.service_team.get(service_id, UNOWNED)

    def service_of_repo(self, repo: str) -> str:
        key = self._repo_key(repo)
        return self.repo_service.get(key, key)

    def repos_of_service(self, service: str) -> tuple[str, ...]:
        return tuple(sorted((r for r, s in self.repo_service.items() if s == service), key=str.lower))

    def services_of_pagerduty_service(self, service_id: str) -> tuple[str, ...]:
        """The services (hence repositories) whose deployments an incident on ``service_id`` can fail."""
        return tuple(sorted(s for s, ids in self.service_pagerduty.items() if service_id in ids))

    def _repo_key(self, repo: str) -> str:
        return self._spelling.get(repo.lower(), repo)


def resolve_ownership(
    settings: OwnershipSettings, repositories: Iterable[str], components: Sequence[CatalogComponent]
) -> Ownership:
    """Resolve the map from the config, the collected ``repositories`` and the catalog ``components``.

    With ``catalog.discover: false`` the components are ignored, even those an earlier sync stored.
    """
    if not settings.catalog_discover:
        components = ()
    spelling: dict[str, str] = {}

    def canonical(repo: str) -> str:
        return spelling.setdefault(repo.lower(), repo)

    # Collected names first: they are GitHub's own spelling.
    collected = [canonical(repo) for repo in repositories]

    # Backstage entity references ignore case: a catalog owner spelled differently from a config team
    # is that team, and two spellings of one owner are one team, spelled as first met in file order.
    # Compared as team names are everywhere (``fold``), so that the team a survey answer names and
    # the team that owns a repository are one (``STRASSE`` in the catalog is the configured ``Straße``).
    # An owner spelled "Unowned" is the team of what nobody owns, not a second one beside it.
    owner_spelling = {UNOWNED: UNOWNED} | {fold(team.name): team.name for team in settings.teams}
    in_file_order = sorted(components, key=lambda c: (c.file_repo.lower(), c.file_repo, c.position))
    for component in in_file_order:
        if component.owner is not None:
            owner_spelling.setdefault(fold(component.owner), component.owner)

    def team_of(component: CatalogComponent) -> str:
        if component.owner is None:
            return UNOWNED
        return owner_spelling[fold(component.owner)]

    repo_team: dict[str, str] = {}
    repo_origin: dict[str, str] = {}
    service_team: dict[str, str] = {}
    service_origin: dict[str, str] = {}
    for team in settings.teams:
        for repo in team.repositories:
            repo_team[canonical(repo)] = team.name
            repo_origin[canonical(repo)] = FROM_CONFIG
        for service_id in team.pagerduty_services:
            service_team[service_id] = team.name
            service_origin[service_id] = FROM_CONFIG

    warnings: list[str] = []
    first_naming_repo: dict[str, CatalogComponent] = {}
    repo_winner: dict[str, CatalogComponent] = {}
    service_winner: dict[str, CatalogComponent] = {}
    for component in in_file_order:
        repo = canonical(component.repo)
        first_naming_repo.setdefault(repo, component)
        claimant = team_of(component)
        # A component without a group owner gives no team, so it neither claims nor conflicts.
        if component.owner is not None and repo_origin.get(repo) != FROM_CONFIG:
            winner = repo_winner.get(repo)
            if winner is None:
                repo_winner[repo] = component
                repo_team[repo] = claimant
                repo_origin[repo] = FROM_CATALOG
            elif team_of(winner) != claimant:
                warnings.append(_conflict(f"repo {repo}", winner, team_of(winner), component, claimant))
        named_service = component.pagerduty_service
        if named_service and component.owner is not None and service_origin.get(named_service) != FROM_CONFIG:
            winner = service_winner.get(named_service)
            if winner is None:
                service_winner[named_service] = component
                service_team[named_service] = claimant
                service_origin[named_service] = FROM_CATALOG
            elif team_of(winner) != claimant:
                warnings.append(
                    _conflict(f"pagerduty {named_service}", winner, team_of(winner), component, claimant)
                )

    # What is collected or catalogued but owned by no team.
    for component in in_file_order:
        _set_unowned(repo_team, repo_origin, canonical(component.repo))
        if component.pagerduty_service:
            _set_unowned(service_team, service_origin, component.pagerduty_service)
    for repo in collected:
        _set_unowned(repo_team, repo_origin, repo)
    for service_id in settings.pagerduty_service_ids:
        _set_unowned(service_team, service_origin, service_id)

    # A repository is of the first component naming it, unless teams: gives it to a team other than
    # that component's owner: then it leaves the component and is its own service, so the component's
    # PagerDuty service (linked through the component's other repositories) fails none of its
    # deployments, and its deployments are not rework for that service's incidents.
    # Component names compare as Backstage compares entity names, whatever their case (``Cart`` in one
    # repository's file and ``cart`` in another's are one service), spelled as first met in file order.
    service_spelling: dict[str, str] = {}
    for component in in_file_order:
        service_spelling.setdefault(component.name.lower(), component.name)

    def service_of(repo: str) -> str:
        component = first_naming_repo.get(repo)
        if component is None:
            return repo
        given_away = repo_origin[repo] == FROM_CONFIG and team_of(component) != repo_team[repo]
        return repo if given_away else service_spelling[component.name.lower()]

    repo_service = {repo: service_of(repo) for repo in repo_team}
    service_pagerduty: dict[str, set[str]] = {}
    services = set(repo_service.values())
    for service_id, origin in service_origin.items():
        if origin == FROM_CONFIG:
            team_repos = (repo for repo, team in repo_team.items() if team == service_team[service_id])
            linked = {repo_service[repo] for repo in team_repos}
        else:
            # Only the components whose owner got the service and still owns their repo: a losing
            # claim links nothing, and another team's incidents never fail a repo it lost (to a
            # component first in file order, or to teams:).
            claims = [
                c
                for c in in_file_order
                if c.pagerduty_service == service_id
                and team_of(c) == service_team[service_id] == repo_team[canonical(c.repo)]
            ]
            # The service of the component's repository, and the component's own (SPEC §4: the
            # component is a service, the annotation names its PagerDuty service): they differ where
            # the repository's first component is another one (a monorepo of two components), and the
            # component is the service of another repository.
            linked = {repo_service[canonical(c.repo)] for c in claims}
            linked |= {service_spelling[c.name.lower()] for c in claims} & services
        for service in linked:
            service_pagerduty.setdefault(service, set()).add(service_id)

    return Ownership(
        repo_team=_sorted_by_repo(repo_team),
        repo_origin=_sorted_by_repo(repo_origin),
        service_team=dict(sorted(service_team.items())),
        service_origin=dict(sorted(service_origin.items())),
        repo_service=_sorted_by_repo(repo_service),
        service_pagerduty={service: tuple(sorted(ids)) for service, ids in sorted(service_pagerduty.items())},
        warnings=warnings,
    )


def _set_unowned(team: dict[str, str], origin: dict[str, str], key: str) -> None:
    if key not in team:
        team[key] = UNOWNED
        origin[key] = FROM_NOBODY


def _sorted_by_repo(mapping: dict[str, str]) -> dict[str, str]:
    return dict(sorted(mapping.items(), key=lambda item: (item[0].lower(), item[0])))


def _where(component: CatalogComponent) -> str:
    document = component.position + 1
    return f"component {component.name} ({component.file_repo} catalog-info.yaml document {document})"


def _conflict(
    subject: str, winner: CatalogComponent, winner_team: str, loser: CatalogComponent, loser_team: str
) -> str:
    return (
        f"{subject}: owned by {winner_team} from {_where(winner)}, the first in file order; "
        f"{_where(loser)} says {loser_team} and is ignored"
    )


def load_components(engine: Engine) -> list[CatalogComponent]:
    """Every stored catalog component, in file order."""
    table = schema.catalog_components
    file_order = (bytewise(func.lower(table.c.file_repo)), bytewise(table.c.file_repo), table.c.position)
    query = select(table).order_by(*file_order)  # the same first component on every backend
    with engine.connect() as conn:
        return [
            CatalogComponent(
                file_repo=row.file_repo,
                position=row.position,
                name=row.name,
                owner=row.owner,
                repo=row.repo,
                pagerduty_service=row.pagerduty_service,
            )
            for row in conn.execute(query)
        ]


def collected_repositories(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(select(schema.repositories.c.full_name))]


def repo_scopes(
    settings: OwnershipSettings, repositories: Iterable[str], ownership: Ownership | None = None
) -> list[RepoScope]:
    """One scope per repository, its team from ``ownership`` (default: the config alone, no catalog)."""
    repositories = sorted(set(repositories))
    if ownership is None:
        ownership = resolve_ownership(settings, repositories, ())
    scopes = []
    for repo in repositories:
        source = settings.source_of(repo)
        scopes.append(
            RepoScope(
                repo=repo,
                team=ownership.team_of_repo(repo),
                source=source.source,
                environment=source.environment,
                service=ownership.service_of_repo(repo),
            )
        )
    return scopes


def pagerduty_services_to_collect(ownership: Ownership, settings: OwnershipSettings) -> list[str]:
    """Every PagerDuty service of the map plus ``pagerduty.service_ids``; no other is collected."""
    return sorted(set(ownership.service_team) | set(settings.pagerduty_service_ids))


def pagerduty_scopes(ownership: Ownership, settings: OwnershipSettings) -> list[PagerDutyScope]:
    """Each collected PagerDuty service with the team its incidents count for and the services whose
    deployments they may fail (an unowned service fails none)."""
    return [
        PagerDutyScope(
            service_id=service_id,
            team=ownership.team_of_pagerduty_service(service_id),
            services=ownership.services_of_pagerduty_service(service_id),
        )
        for service_id in pagerduty_services_to_collect(ownership, settings)
    ]
