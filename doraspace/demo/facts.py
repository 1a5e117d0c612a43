"""The organisation as the collector's own facts (``collector.models``): :class:`DemoOrganisation`,
built from the simulated histories, with its Backstage catalog files and its configuration."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from collector.catalog import parse_catalog
from collector.models import (
    CommitFact,
    CompareFact,
    ComponentFact,
    DeploymentFact,
    DeploymentStatusFact,
    IncidentFact,
    PullRequestCommitFact,
    PullRequestFact,
    RepositoryFact,
    ReviewFact,
)
from doraspace.demo.history import _Commit, _Deploy, _Ids, _Incident, _Pull, _RepoHistory
from doraspace.demo.plan import (
    _REPOS,
    _TEAMS,
    _UNOWNED_PLAN,
    DEFAULT_BRANCH,
    ENVIRONMENT,
    GITHUB_ORGANISATION,
    INCIDENT_LABEL,
    URGENCIES,
    WINDOWS,
)


@dataclass(frozen=True)
class DemoTeam:
    """A team of the organisation and the shape it was generated with (for tests and the demo's text)."""

    name: str
    shape: str
    """``elite``, ``squash-merge``, ``workflow-runs``, ``deploy-on-merge``, ``struggling``, ``steady`` or
    ``catalog-only``."""
    repositories: tuple[str, ...]
    """Every repository the team owns, whether ``teams:`` or the catalog says so."""
    config_repositories: tuple[str, ...]
    """The repositories ``teams:`` lists; the others are the team's through the Backstage catalog only."""
    pagerduty_services: tuple[str, ...]
    """PagerDuty services ``teams:`` lists (others come from catalog annotations)."""
    headcount: int
    survey_names: tuple[str, ...]
    deployment_source: str
    merge_style: str
    """How the team merges PRs: ``merge`` (merge commits), ``squash`` or ``rebase``."""


@dataclass(frozen=True)
class DemoOrganisation:
    """Everything ``load_demo_organisation`` writes, as the collector's raw facts, and the config."""

    seed: int
    start: datetime
    end: datetime
    teams: tuple[DemoTeam, ...]
    repositories: tuple[RepositoryFact, ...]
    discovered_from: Mapping[str, str]
    """Repository → ``config`` or ``org:acme``, as the GitHub sync records it."""
    deployment_sources: Mapping[str, tuple[str, str | None]]
    """Repository → (deployment source, workflow file)."""
    catalog_files: Mapping[str, str]
    """Repository → the text of its ``catalog-info.yaml`` (repositories without one are left out)."""
    components: tuple[ComponentFact, ...]
    deployments: tuple[DeploymentFact, ...]
    """GitHub Deployments and workflow runs, failed attempts included; ``merged_prs`` deployments are
    derived from the pull requests at load time, as the collector derives them."""
    compares: tuple[CompareFact, ...]
    pull_requests: tuple[PullRequestFact, ...]
    incidents: tuple[IncidentFact, ...]

    def team(self, name: str) -> DemoTeam:
        return next(team for team in self.teams if team.name == name)

    def teams_with_shape(self, shape: str) -> list[DemoTeam]:
        return [team for team in self.teams if team.shape == shape]

    def config_yaml(self, database_url: str) -> str:
        """The configuration of this organisation, storing into ``database_url``."""
        return _config_yaml(self, database_url)


def _pagerduty_id(rng: random.Random, prefix: str, length: int) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return prefix + "".join(rng.choice(alphabet) for _ in range(length))


def build_demo_organisation(seed: int = 7, *, end: datetime, days: int = 200) -> DemoOrganisation:
    """The organisation's facts over the ``days`` days before ``end`` (aware, UTC), generated from ``seed``.

    Pure: the same ``seed``, ``end`` and ``days`` give equal organisations.
    """
    if end.tzinfo is None:
        raise ValueError("end must be an aware datetime (UTC)")
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    end = end.astimezone(UTC)
    start = end - timedelta(days=days)
    rng = random.Random(seed)
    ids = _Ids(random.Random(rng.getrandbits(64)), start - timedelta(days=2000))
    teams = {team.name: team for team in _TEAMS}

    developers: dict[str, list[str]] = {}
    handles = iter(rng.sample(range(10, 99), sum(team.headcount for team in _TEAMS) + 3))
    for team in _TEAMS:
        developers[team.name] = [f"dev-{next(handles)}" for _ in range(team.headcount)]
    developers["unowned"] = [f"dev-{next(handles)}" for _ in range(3)]

    team_services = {team.name: _pagerduty_id(rng, "P", 6) for team in _TEAMS if team.pagerduty_in_config}
    repo_services = {plan.name: _pagerduty_id(rng, "P", 6) for plan in _REPOS if plan.pagerduty_annotation}

    histories: list[_RepoHistory] = []
    for plan in _REPOS:
        team = teams[plan.team] if plan.team is not None else _UNOWNED_PLAN
        service = repo_services.get(plan.name) or team_services.get(team.name)
        history = _RepoHistory(
            random.Random(rng.getrandbits(64)),
            team,
            plan,
            developers[team.name],
            service,
            start,
            end,
        )
        history.run()
        histories.append(history)

    _number_pulls_and_issues(histories, rng)
    _assign_deployment_ids(histories, ids)
    for history in histories:
        for incident in history.incidents:
            if incident.source == "pagerduty":
                incident.ident = _pagerduty_id(rng, "Q", 13)

    catalog_files = _catalog_files(histories, repo_services)
    components = tuple(
        component
        for file_repo, text in sorted(catalog_files.items())
        for component in parse_catalog(file_repo, text)
    )
    repositories = tuple(RepositoryFact(h.full_name, DEFAULT_BRANCH) for h in histories)
    configured = {h.full_name for h in histories if h.source != "deployments"}
    discovered_from = {
        h.full_name: "config" if h.full_name in configured else f"org:{GITHUB_ORGANISATION}"
        for h in histories
    }
    deployments: list[DeploymentFact] = []
    compares: list[CompareFact] = []
    pull_requests: list[PullRequestFact] = []
    incidents: list[IncidentFact] = []
    for history in histories:
        deployments.extend(_deployment_facts(history, ids))
        compares.extend(_compare_facts(history))
        pull_requests.extend(_pull_request_facts(history, ids))
        incidents.extend(_incident_facts(history))

    demo_teams = []
    for team in _TEAMS:
        plans = [plan for plan in _REPOS if plan.team == team.name]
        demo_teams.append(
            DemoTeam(
                name=team.name,
                shape=team.shape,
                repositories=tuple(f"{GITHUB_ORGANISATION}/{p.name}" for p in plans),
                config_repositories=tuple(f"{GITHUB_ORGANISATION}/{p.name}" for p in plans if p.in_config),
                pagerduty_services=(team_services[team.name],) if team.name in team_services else (),
                headcount=team.headcount,
                survey_names=team.survey_names,
                deployment_source=team.source,
                merge_style=team.merge_style,
            )
        )
    return DemoOrganisation(
        seed=seed,
        start=start,
        end=end,
        teams=tuple(demo_teams),
        repositories=repositories,
        discovered_from=discovered_from,
        deployment_sources={h.full_name: (h.source, h.plan.workflow) for h in histories},
        catalog_files=catalog_files,
        components=components,
        deployments=tuple(deployments),
        compares=tuple(compares),
        pull_requests=tuple(pull_requests),
        incidents=tuple(incidents),
    )


def _number_pulls_and_issues(histories: Sequence[_RepoHistory], rng: random.Random) -> None:
    """PRs and issues share one number sequence per repository, in creation order; numbers taken by
    PRs closed unmerged and by other issues leave gaps."""
    for history in histories:
        items: list[tuple[datetime, int, _Pull | _Incident]] = [
            (pull.created_at, index, pull) for index, pull in enumerate(history.pulls)
        ]
        items += [
            (incident.started_at, len(items) + index, incident)
            for index, incident in enumerate(history.incidents)
            if incident.source == "github"
        ]
        number = rng.randint(40, 2500)
        for _, _, item in sorted(items, key=lambda entry: (entry[0], entry[1])):
            number += 1 + (rng.randint(1, 4) if rng.random() < 0.3 else 0)
            item.number = number


def _assign_deployment_ids(histories: Sequence[_RepoHistory], ids: _Ids) -> None:
    """GitHub's deployment and workflow-run ids are global and grow with time."""
    every = sorted(
        ((deploy.created_at, h_index, d_index, deploy) for h_index, h in enumerate(histories)
         for d_index, deploy in enumerate(h.deploys)),
        key=lambda entry: entry[:3],
    )  # fmt: skip
    for _, h_index, _, deploy in every:
        source = histories[h_index].source
        if source == "deployments":
            deploy.ident = ids.next_deployment()
        elif source == "workflow_runs":
            deploy.ident = ids.next_workflow_run()
        else:
            assert deploy.pull is not None
            deploy.ident = deploy.pull.number


# --------------------------------------------------------------------------------------------------
# Mutable state → the collector's facts
# --------------------------------------------------------------------------------------------------


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def _message(commit: _Commit) -> str:
    """The commit message as GitHub would show it (PR numbers are known only once all are numbered)."""
    if commit.style == "merge":
        assert commit.pull is not None
        return (
            f"Merge pull request #{commit.pull.number} from {GITHUB_ORGANISATION}/{commit.pull.branch}\n\n"
            f"{_pull_title(commit.pull)}"
        )
    reverted = commit.reverts
    if commit.style == "squash":
        assert commit.pull is not None
        message = f"{_pull_title(commit.pull)} (#{commit.pull.number})"
        if reverted is not None:
            message += f"\n\nThis reverts commit {reverted.sha}."
        return message
    if commit.style == "revert":
        assert reverted is not None
        return f'Revert "{_first_line(_message(reverted))}"\n\nThis reverts commit {reverted.sha}.'
    return commit.message


def _pull_title(pull: _Pull) -> str:
    if pull.reverts is not None:
        return f'Revert "{_first_line(_message(pull.reverts))}"'
    return pull.title


def _commit_fact(commit: _Commit) -> CommitFact:
    return CommitFact(
        sha=commit.sha,
        parents=commit.parents,
        author_date=commit.author_date,
        committed_date=commit.committed_date,
        message=_message(commit),
    )


def _deployment_facts(history: _RepoHistory, ids: _Ids) -> list[DeploymentFact]:
    """GitHub Deployments with their statuses, or workflow runs (``merged_prs`` come from the PRs)."""
    end, rng = history.end, history.rng
    if history.source == "workflow_runs":
        facts = []
        for deploy in history.deploys:
            done = deploy.finished_at <= end
            facts.append(
                DeploymentFact(
                    repo=history.full_name,
                    source="workflow_runs",
                    deployment_id=deploy.ident,
                    environment=ENVIRONMENT,
                    sha=deploy.commit.sha,
                    ref=DEFAULT_BRANCH,
                    created_at=deploy.created_at,
                    deployed_at=deploy.finished_at if done and deploy.succeeded else None,
                    last_state=("success" if deploy.succeeded else "failure") if done else "in_progress",
                )
            )
        return facts
    if history.source != "deployments":
        return []
    facts = []
    successes = [d for d in history.deploys if d.succeeded and d.finished_at <= end]
    # GitHub marks the previous production deployment inactive when a new one succeeds.
    superseded_at = {id(a): b.finished_at for a, b in pairwise(successes)}
    for deploy in history.deploys:
        states = [
            ("queued", deploy.created_at),
            ("in_progress", deploy.created_at + timedelta(seconds=rng.randint(5, 50))),
            ("success" if deploy.succeeded else "failure", deploy.finished_at),
        ]
        if id(deploy) in superseded_at:
            states.append(("inactive", superseded_at[id(deploy)]))
        statuses = tuple(
            DeploymentStatusFact(status_id=ids.status(moment), state=state, created_at=moment)
            for state, moment in states
            if moment <= end
        )
        facts.append(
            DeploymentFact.from_statuses(
                repo=history.full_name,
                deployment_id=deploy.ident,
                environment=ENVIRONMENT,
                sha=deploy.commit.sha,
                ref=deploy.commit.sha if deploy.kind == "rollback" else DEFAULT_BRANCH,
                created_at=deploy.created_at,
                statuses=statuses,
            )
        )
    return facts


def _compare_facts(history: _RepoHistory) -> list[CompareFact]:
    """What GitHub's compare answers between each successful deployment and the one before it."""
    successes = sorted(
        (d for d in history.deploys if d.succeeded and d.finished_at <= history.end),
        key=lambda d: (d.finished_at, d.ident),
    )
    facts = []
    previous: _Deploy | None = None
    for deploy in successes:
        head = deploy.commit
        commits: tuple[CommitFact, ...] = ()
        if previous is None:
            status = "first"
        elif previous.commit is head:
            status = "identical"
        elif head.index < previous.commit.index:
            status = "behind"  # a rollback: nothing is ahead of the base
        else:
            status = "ahead"
            shipped: list[CommitFact] = []
            for commit in history.main[previous.commit.index + 1 : head.index + 1]:
                shipped.extend(_commit_fact(branch_commit) for branch_commit in commit.branch_commits)
                shipped.append(_commit_fact(commit))
            commits = tuple(shipped)
        facts.append(
            CompareFact(
                repo=history.full_name,
                source=history.source,
                deployment_id=deploy.ident,
                base_deployment_id=None if previous is None else previous.ident,
                base_sha=None if previous is None else previous.commit.sha,
                head_sha=head.sha,
                status=status,
                total_commits=len(commits),
                commits=commits,
            )
        )
        previous = deploy
    return facts


def _pull_request_facts(history: _RepoHistory, ids: _Ids) -> list[PullRequestFact]:
    rng, end = history.rng, history.end
    facts = []
    for pull in sorted(history.pulls, key=lambda p: p.number):
        assert pull.merge_commit is not None
        reviews = tuple(
            ReviewFact(review_id=ids.review(moment), reviewer=reviewer, state=state, submitted_at=moment)
            for reviewer, state, moment in sorted(pull.reviews, key=lambda review: review[2])
        )
        facts.append(
            PullRequestFact(
                repo=history.full_name,
                number=pull.number,
                title=_pull_title(pull),
                author=pull.author,
                state="closed",
                base_ref=DEFAULT_BRANCH,
                created_at=pull.created_at,
                updated_at=min(end, pull.merged_at + timedelta(seconds=rng.randint(2, 900))),
                merged_at=pull.merged_at,
                closed_at=pull.merged_at,
                merge_commit_sha=pull.merge_commit.sha,
                labels=tuple(sorted(pull.labels)),
                commits=tuple(PullRequestCommitFact(c.sha, c.author_date) for c in pull.commits),
                reviews=reviews,
            )
        )
    return facts


def _incident_facts(history: _RepoHistory) -> list[IncidentFact]:
    facts = []
    for incident in sorted(history.incidents, key=lambda i: i.started_at):
        resolved = incident.resolved_at
        if incident.source == "pagerduty":
            status = "resolved" if resolved is not None else "acknowledged"
            ident = incident.ident
        else:
            status = "resolved" if resolved is not None else "open"
            ident = f"{history.full_name}#{incident.number}"
        facts.append(
            IncidentFact(
                source=incident.source,
                incident_id=ident,
                service=incident.channel,
                title=incident.title,
                description=incident.description,
                urgency=incident.urgency,
                status=status,
                started_at=incident.started_at,
                resolved_at=resolved,
                updated_at=resolved or min(history.end, incident.started_at + timedelta(minutes=2)),
            )
        )
    return facts


# --------------------------------------------------------------------------------------------------
# Backstage catalog and configuration
# --------------------------------------------------------------------------------------------------


def _catalog_files(histories: Sequence[_RepoHistory], repo_services: Mapping[str, str]) -> dict[str, str]:
    """Each repository's catalog-info.yaml, parsed later by the collector's own parser."""
    documents: dict[str, list[str]] = {}
    for history in histories:
        plan = history.plan
        if plan.catalog_file is None:
            continue
        file_repo = f"{GITHUB_ORGANISATION}/{plan.catalog_file}"
        annotations = [f"github.com/project-slug: {history.full_name}"]
        if plan.name in repo_services:
            annotations.append(f"pagerduty.com/service-id: {repo_services[plan.name]}")
        annotation_lines = "".join(f"\n    {line}" for line in annotations)
        documents.setdefault(file_repo, []).append(
            "apiVersion: backstage.io/v1alpha1\n"
            "kind: Component\n"
            "metadata:\n"
            f"  name: {plan.name}\n"
            f"  annotations:{annotation_lines}\n"
            "spec:\n"
            "  type: service\n"
            "  lifecycle: production\n"
            f"  owner: {plan.catalog_owner}\n"
            f"  system: {plan.team or 'sandbox'}\n"
        )
    files = {}
    for file_repo, components in documents.items():
        team = next(h.plan.team for h in histories if h.full_name == file_repo)
        # A System document first, as many catalogs have: only Components give ownership (SPEC §4).
        system = (
            "apiVersion: backstage.io/v1alpha1\n"
            "kind: System\n"
            "metadata:\n"
            f"  name: {team}\n"
            "spec:\n"
            f"  owner: group:{team}\n"
        )
        files[file_repo] = "---\n".join([system, *components] if len(components) > 1 else components)
    return files


def _config_yaml(org: DemoOrganisation, database_url: str) -> str:
    since = org.start.date().isoformat()
    lines = [
        f"# doraspace demo: a synthetic organisation (seed {org.seed}), {since} to "
        f"{org.end.date().isoformat()}.",
        "# Its facts were generated and loaded straight into the store: nothing here is collected.",
        "database:",
        f"  url: {json.dumps(database_url)}",
        "github:",
        f"  since: {since}",
        f"  organizations: [{GITHUB_ORGANISATION}]",
        "  deployments: {source: deployments, environment: " + ENVIRONMENT + "}",
        f"  incident_labels: [{INCIDENT_LABEL}]",
        "  repositories:",
    ]
    for repo, (source, workflow) in org.deployment_sources.items():
        if source == "deployments":
            continue
        detail = f"source: {source}" + (f", workflow: {workflow}" if workflow else "")
        lines += [f"    - name: {repo}", f"      deployments: {{{detail}}}"]
    lines += [
        "pagerduty:",
        f"  since: {since}",
        f"  urgencies: [{', '.join(URGENCIES)}]",
        "catalog:",
        "  discover: true",
        "teams:",
    ]
    for team in org.teams:
        lines += [
            f"  - name: {team.name}",
            f"    repositories: [{', '.join(team.config_repositories)}]",
            f"    pagerduty_services: [{', '.join(team.pagerduty_services)}]",
            f"    headcount: {team.headcount}",
            f"    survey_names: [{', '.join(json.dumps(name) for name in team.survey_names)}]",
        ]
    lines += [
        "incidents:",
        "  attribution_window: 24h",
        "rework:",
        f"  labels: [hotfix, rollback, revert, {INCIDENT_LABEL}]",
        "metrics:",
        f"  windows: [{', '.join(WINDOWS)}]",
        "  benchmarks: dora-2023",
    ]
    return "\n".join(lines) + "\n"
