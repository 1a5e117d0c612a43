"""Who owns what: the repository → team map that analytics receives as plain values.

For now ownership comes from the config's ``teams:``; a collected repository no team names belongs to
``unowned``. (Backstage catalog discovery, SPEC §4, extends this map in a later step.)
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, select

from analytics.ownership import RepoScope
from doraspace.config import Config, repository_source
from store import schema

UNOWNED = "unowned"


def repository_teams(config: Config) -> dict[str, str]:
    return {repo: team.name for team in config.teams for repo in team.repositories}


def collected_repositories(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(select(schema.repositories.c.full_name))]


def repo_scopes(config: Config, repositories: Iterable[str]) -> list[RepoScope]:
    teams = repository_teams(config)
    scopes = []
    for repo in sorted(set(repositories)):
        source = repository_source(config, repo)
        scopes.append(
            RepoScope(
                repo=repo, team=teams.get(repo, UNOWNED), source=source.source, environment=source.environment
            )
        )
    return scopes
