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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from analytics.ownership import UNOWNED, PagerDutyScope, RepoScope
from collector.models import ComponentFact
from doraspace.config import Config, repository_source
from store import schema

__all__ = [
    "UNOWNED",
    "ComponentRow",
    "Ownership",
    "collected_repositories",
    "load_components",
    "pagerduty_services_to_collect",
    "repo_scopes",
    "resolve_ownership",
]

# Where a repository's or service's team came from, as check-config shows it.
FROM_CONFIG = "config"
FROM_CATALOG = "catalog"
FROM_NOBODY = "unowned"

# A stored catalog_components row has exactly the fields of the fact the collector wrote.
ComponentRow = ComponentFact


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
    """Repository → its service: the name of the first component naming it, else the repository."""
    service_pagerduty: dict[str, tuple[str, ...]]
    """Service → the PagerDuty service ids that belong to it (services with none are left out)."""
    warnings: list[str] = field(default_factory=list)
    """Catalog conflicts, one line each, naming the repository or service and both components."""
    _spelling: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Case-insensitive look-ups without a scan per call: analytics asks once per repository.
        self._spelling.update((repo.lower(), repo) for repo in self.repo_team)

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
    config: Config, repositories: Iterable[str], components: Sequence[ComponentRow]
) -> Ownership:
    """Resolve the map from the config, the collected ``repositories`` and the catalog ``components``.

    With ``catalog.discover: false`` the components are ignored, even those an earlier sync stored.
    """
    if not config.catalog_discover:
        components = ()
    spelling: dict[str, str] = {}

    def canonical(repo: str) -> str:
        return spelling.setdefault(repo.lower(), repo)

    # Collected names first: they are GitHub's own spelling.
    collected = [canonical(repo) for repo in repositories]

    # A catalog owner spelled differently from a config team is that team (Backstage refs ignore case).
    config_teams = {team.name.lower(): team.name for team in config.teams}

    def team_of(component: ComponentRow) -> str:
        if component.owner is None:
            return UNOWNED
        return config_teams.get(component.owner.lower(), component.owner)

    repo_team: dict[str, str] = {}
    repo_origin: dict[str, str] = {}
    service_team: dict[str, str] = {}
    service_origin: dict[str, str] = {}
    for team in config.teams:
        for repo in team.repositories:
            repo_team[canonical(repo)] = team.name
            repo_origin[canonical(repo)] = FROM_CONFIG
        for service_id in team.pagerduty_services:
            service_team[service_id] = team.name
            service_origin[service_id] = FROM_CONFIG

    warnings: list[str] = []
    in_file_order = sorted(components, key=lambda c: (c.file_repo.lower(), c.file_repo, c.position))
    first_naming_repo: dict[str, ComponentRow] = {}
    repo_winner: dict[str, ComponentRow] = {}
    service_winner: dict[str, ComponentRow] = {}
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
    if config.pagerduty is not None:
        for service_id in config.pagerduty.service_ids:
            _set_unowned(service_team, service_origin, service_id)

    repo_service = {
        repo: first_naming_repo[repo].name if repo in first_naming_repo else repo for repo in repo_team
    }
    service_pagerduty: dict[str, set[str]] = {}
    for service_id, origin in service_origin.items():
        if origin == FROM_CONFIG:
            linked = [repo for repo, team in repo_team.items() if team == service_team[service_id]]
        else:
            # Only the components whose owner got the service: a losing claim links nothing.
            linked = [
                canonical(c.repo)
                for c in in_file_order
                if c.pagerduty_service == service_id and team_of(c) == service_team[service_id]
            ]
        for repo in linked:
            service_pagerduty.setdefault(repo_service[repo], set()).add(service_id)

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


def _where(component: ComponentRow) -> str:
    document = component.position + 1
    return f"component {component.name} ({component.file_repo} catalog-info.yaml document {document})"


def _conflict(
    subject: str, winner: ComponentRow, winner_team: str, loser: ComponentRow, loser_team: str
) -> str:
    return (
        f"{subject}: owned by {winner_team} from {_where(winner)}, the first in file order; "
        f"{_where(loser)} says {loser_team} and is ignored"
    )


def load_components(engine: Engine) -> list[ComponentRow]:
    """Every stored catalog component, in file order."""
    table = schema.catalog_components
    query = select(table).order_by(func.lower(table.c.file_repo), table.c.file_repo, table.c.position)
    with engine.connect() as conn:
        return [
            ComponentRow(
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
    config: Config, repositories: Iterable[str], ownership: Ownership | None = None
) -> list[RepoScope]:
    """One scope per repository, its team from ``ownership`` (default: the config alone, no catalog)."""
    repositories = sorted(set(repositories))
    if ownership is None:
        ownership = resolve_ownership(config, repositories, ())
    scopes = []
    for repo in repositories:
        source = repository_source(config, repo)
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


def pagerduty_services_to_collect(ownership: Ownership, config: Config) -> list[str]:
    """Every PagerDuty service of the map plus ``pagerduty.service_ids``; no other is collected."""
    extra = config.pagerduty.service_ids if config.pagerduty is not None else ()
    return sorted(set(ownership.service_team) | set(extra))


def pagerduty_scopes(ownership: Ownership, config: Config) -> list[PagerDutyScope]:
    """Each collected PagerDuty service with the team its incidents count for and the services whose
    deployments they may fail (an unowned service fails none)."""
    return [
        PagerDutyScope(
            service_id=service_id,
            team=ownership.team_of_pagerduty_service(service_id),
            services=ownership.services_of_pagerduty_service(service_id),
        )
        for service_id in pagerduty_services_to_collect(ownership, config)
    ]
