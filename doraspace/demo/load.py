"""Loading the organisation into a store with the collector's own writers, facts and cursors in one
transaction, as a sync would."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from collector.batch import fact_batch
from collector.catalog import parse_catalog, write_components
from collector.cursors import deployments_cursor, incidents_cursor, issues_cursor, pulls_cursor
from collector.models import (
    CompareFact,
    DeploymentFact,
    IncidentFact,
    PullRequestFact,
)
from collector.sources.github_parse import merged_pull_deployment
from collector.sources.pagerduty import format_instant
from doraspace.demo.facts import DemoOrganisation
from doraspace.demo.plan import ENVIRONMENT, INCIDENT_LABEL, PULL_PAGE, URGENCIES
from store.engine import Engine


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _pages(items: Sequence[PullRequestFact], size: int) -> Iterable[Sequence[PullRequestFact]]:
    for begin in range(0, len(items), size):
        yield items[begin : begin + size]


def load_demo_organisation(org: DemoOrganisation, engine: Engine) -> None:
    """Write ``org`` into the store with the collector's writers, shaped as a GitHub, catalog and
    PagerDuty sync would write it: facts and their cursor in one transaction. Loading twice changes
    nothing: every write is an upsert on the facts' natural keys."""
    with fact_batch(engine) as batch:
        batch.repositories(org.repositories, org.discovered_from, org.end)
    for file_repo, text in sorted(org.catalog_files.items()):
        write_components(engine, file_repo, parse_catalog(file_repo, text))

    deployments_of: dict[str, list[DeploymentFact]] = {}
    for deployment in org.deployments:
        deployments_of.setdefault(deployment.repo, []).append(deployment)
    pulls_of: dict[str, list[PullRequestFact]] = {}
    for pull in org.pull_requests:
        pulls_of.setdefault(pull.repo, []).append(pull)
    compares_of: dict[str, list[CompareFact]] = {}
    for compare in org.compares:
        compares_of.setdefault(compare.repo, []).append(compare)
    issues_of: dict[str, list[IncidentFact]] = {}
    for incident in org.incidents:
        if incident.source == "github":
            issues_of.setdefault(incident.service, []).append(incident)

    for repository in org.repositories:
        repo = repository.full_name
        source, workflow = org.deployment_sources[repo]
        if source != "merged_prs":
            facts = deployments_of.get(repo, [])
            with fact_batch(engine) as batch:
                batch.deployments(facts)
                if facts:
                    newest = max(fact.created_at for fact in facts)
                    batch.cursor(deployments_cursor(source, repo, ENVIRONMENT, workflow), _iso(newest))
        # Newest first, a page per transaction, as the closed-PR listing arrives.
        pulls = sorted(pulls_of.get(repo, []), key=lambda p: p.updated_at, reverse=True)
        for page in _pages(pulls, PULL_PAGE):
            with fact_batch(engine) as batch:
                batch.pull_requests(page)
                if source == "merged_prs":
                    merges = (merged_pull_deployment(pull, ENVIRONMENT) for pull in page)
                    batch.deployments([merge for merge in merges if merge is not None])
        if pulls:
            with fact_batch(engine) as batch:
                batch.cursor(pulls_cursor(repo), _iso(pulls[0].updated_at))
        # One transaction and a few statements per repository rather than per compare: the demo store is
        # rebuilt whole, so there is no resume point to keep between compares.
        with fact_batch(engine) as batch:
            batch.compares(compares_of.get(repo, []))
        issues = sorted(issues_of.get(repo, []), key=lambda i: i.updated_at or i.started_at)
        if issues:
            with fact_batch(engine) as batch:
                batch.incidents(issues)
                newest_issue = issues[-1].updated_at or issues[-1].started_at
                batch.cursor(issues_cursor(INCIDENT_LABEL, repo), _iso(newest_issue))

    pagerduty = [incident for incident in org.incidents if incident.source == "pagerduty"]
    # The sync's scope is every service of the ownership map: teams: and catalog annotations.
    services = sorted(
        {service for team in org.teams for service in team.pagerduty_services}
        | {c.pagerduty_service for c in org.components if c.pagerduty_service is not None}
    )
    with fact_batch(engine) as batch:
        batch.incidents(pagerduty)
        if services:
            batch.cursor(incidents_cursor(services, URGENCIES), format_instant(org.end))
