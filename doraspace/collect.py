"""`doraspace collect`: one sync of the configured sources, wired from the config.

Order matters: GitHub first (repositories, deployments, PRs, compares, incident issues), then the
Backstage catalog of those repositories, then PagerDuty for the services the resolved ownership map
names (SPEC §4: services neither in the map nor in ``pagerduty.service_ids`` are not collected).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from analytics.ownership import (
    collected_repositories,
    load_components,
    pagerduty_services_to_collect,
    resolve_ownership,
)
from collector.catalog import sync_catalog
from collector.github_sync import GitHubSync, RepoTarget
from collector.pagerduty_sync import PagerDutySync
from collector.sources.github import GitHubClient
from collector.sources.github_graphql import GitHubGraphQL
from collector.sources.pagerduty import PagerDutyClient
from collector.sources.retry import RetryPolicy
from doraspace.config import Config, repository_source
from doraspace.errors import ConfigError, SourceError
from doraspace.settings import ownership_settings
from store.engine import Engine

log = logging.getLogger(__name__)


@dataclass
class CollectResult:
    summaries: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    github_rate_limit_remaining: int | None = None
    # Seconds the sync waited for a rate-limit reset to keep github.rate_limit_reserve (for the daemon
    # to export; no SPEC metric carries it yet).
    github_rate_limit_reserve_waited: float = 0.0
    not_collected: dict[str, str] = field(default_factory=dict)  # repository → why (GitHub kept failing)

    def raise_if_incomplete(self) -> None:
        """A sync that skipped repositories GitHub kept failing for has stored the rest, and still fails:
        a ``SourceError`` whose one line names them. Raised by its callers once they have reported the
        rest (the CLI's summaries, the daemon's health)."""
        if not self.not_collected:
            return
        count = len(self.not_collected)
        which = "; ".join(f"{name} ({reason})" for name, reason in self.not_collected.items())
        raise SourceError(
            f"github: {count} {'repository' if count == 1 else 'repositories'} not collected, "
            f"asked again at the next sync: {which}",
            source="github",
        )


def github_targets(config: Config) -> tuple[list[RepoTarget], RepoTarget]:
    """Configured repositories, then team repositories the list leaves out, and the default source."""
    assert config.github is not None
    targets: list[RepoTarget] = []
    listed: set[str] = set()
    names = [repo.name for repo in config.github.repositories]
    names += [name for team in config.teams for name in team.repositories]
    for name in names:
        if name.lower() in listed:
            continue
        source = repository_source(config, name)
        targets.append(RepoTarget(name, source.source, source.environment, source.workflow))
        listed.add(name.lower())
    default = config.github.deployments
    return targets, RepoTarget("", default.source, default.environment, default.workflow)


def check_sections(config: Config, source: str) -> None:
    """The sections a sync of ``source`` needs are configured (``all``: either of the two)."""
    if source == "github" and config.github is None:
        raise ConfigError(f"{config.path}: github: section missing; `collect --source github` needs it")
    if source == "pagerduty" and config.pagerduty is None:
        raise ConfigError(f"{config.path}: pagerduty: section missing; `collect --source pagerduty` needs it")
    if source == "all" and config.github is None and config.pagerduty is None:
        raise ConfigError(f"{config.path}: neither github: nor pagerduty: is configured; nothing to collect")


def collect(
    config: Config,
    engine: Engine,
    *,
    source: str,
    now: datetime,
    backfill_since: datetime | None = None,
    progress: Callable[[str], None] = lambda _message: None,
    retry: Callable[[], RetryPolicy] = RetryPolicy,
    repository_progress: Callable[[str, int, int, str], None] | None = None,
) -> CollectResult:
    """One sync of ``source`` (github, pagerduty or all). Sections a source needs must be configured,
    except that ``all`` syncs whichever of the two are."""
    check_sections(config, source)
    result = CollectResult()
    want_github = source in ("github", "all")
    want_pagerduty = source in ("pagerduty", "all")

    if want_github and config.github is not None:
        github = config.github
        client = GitHubClient(
            github.base_url,
            github.token.value(),
            ca_bundle=github.ca_bundle,
            retry=retry(),
            reserve=github.rate_limit_reserve,
        )
        try:
            targets, default = github_targets(config)
            graphql = GitHubGraphQL(client) if github.api == "graphql" else None
            sync = GitHubSync(
                engine,
                client,
                since=github.since,
                now=now,
                backfill_since=backfill_since,
                progress=progress,
                graphql=graphql,
                repository_progress=repository_progress,
            )
            report = sync.run(targets, github.organizations, default, incident_labels=github.incident_labels)
            result.warnings += report.warnings
            result.not_collected.update(report.failed)
            if config.catalog_discover:
                progress("catalog: reading catalog-info.yaml")
                repos = collected_repositories(engine)
                result.warnings += sync_catalog(engine, client, repos, progress, heads=report.heads)
        finally:
            client.close()
        result.github_rate_limit_remaining = client.rate_limit_remaining
        result.github_rate_limit_reserve_waited = client.reserve_waited
        result.summaries.append(
            f"github: {report.repositories} repositories, {report.deployments} deployments updated, "
            f"{report.compares} compares, {report.pull_requests} pull requests updated, "
            f"{report.incidents} incident issues updated, {client.requests_made} requests"
            + (f", {graphql.queries} GraphQL queries ({graphql.points} points)" if graphql else "")
        )

    if want_pagerduty and config.pagerduty is not None:
        pagerduty = config.pagerduty
        settings = ownership_settings(config)
        ownership = resolve_ownership(settings, collected_repositories(engine), load_components(engine))
        services = pagerduty_services_to_collect(ownership, settings)
        if not services:
            warning = "pagerduty: no PagerDuty service is owned or listed in pagerduty.service_ids"
            log.warning("%s", warning)  # logged as it happens, as the syncs' warnings are
            result.warnings.append(warning)
        else:
            since = pagerduty.since or (config.github.since if config.github else None)
            if since is None:
                raise ConfigError(f"{config.path}: pagerduty.since: needed when there is no github.since")
            with PagerDutyClient(
                pagerduty.base_url, pagerduty.token.value(), ca_bundle=pagerduty.ca_bundle, retry=retry()
            ) as pd_client:
                pd_report = PagerDutySync(
                    engine,
                    pd_client,
                    since=since,
                    now=now,
                    service_ids=services,
                    urgencies=pagerduty.urgencies,
                    backfill_since=backfill_since,
                    progress=progress,
                ).run()
            result.warnings += pd_report.warnings
            result.summaries.append(
                f"pagerduty: {len(services)} services, {pd_report.incidents} incidents updated "
                f"({pd_report.resolved} newly resolved), {pd_client.requests_made} requests"
            )
    return result
