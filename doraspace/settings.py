"""The configuration as the plain values the other packages take: parsed once in ``doraspace.config``,
handed on here, so analytics never sees a config object (ARCHITECTURE: who may import whom)."""

from __future__ import annotations

import dataclasses

from analytics.ownership import DeploymentChoice, OwnershipSettings, TeamClaim
from analytics.settings import AnalyticsSettings
from doraspace.config import Config, DeploymentSource

SOURCES = ("github", "pagerduty")  # the configuration sections a sync reads, in the order they run


def _choice(source: DeploymentSource) -> DeploymentChoice:
    return DeploymentChoice(source.source, source.environment)


def ownership_settings(config: Config) -> OwnershipSettings:
    """What ownership resolution (SPEC §4) reads of ``config``: teams, catalog, PagerDuty ids, sources."""
    settings = OwnershipSettings(
        teams=tuple(
            TeamClaim(team.name, tuple(team.repositories), tuple(team.pagerduty_services))
            for team in config.teams
        ),
        catalog_discover=config.catalog_discover,
        pagerduty_service_ids=tuple(config.pagerduty.service_ids) if config.pagerduty is not None else (),
    )
    if config.github is None:
        return settings  # no deployments are collected; the default source stands
    return dataclasses.replace(
        settings,
        repository_sources=tuple(
            (repository.name, _choice(repository.deployments)) for repository in config.github.repositories
        ),
        default_source=_choice(config.github.deployments),
    )


def analytics_settings(config: Config) -> AnalyticsSettings:
    """Everything the analytics read of ``config``, once: windows, attribution, bands, ownership, surveys."""
    return AnalyticsSettings(
        windows=tuple(config.windows),
        attribution_window=config.attribution_window,
        rework_labels=tuple(config.rework_labels),
        benchmarks=config.benchmarks,
        ownership=ownership_settings(config),
        headcounts=tuple((team.name, team.headcount) for team in config.teams),
        min_group_size=config.surveys.min_group_size,
    )
