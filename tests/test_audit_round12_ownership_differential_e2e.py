"""Audit, round 12: ownership (SPEC §4) as a differential test over seeded random organisations, end to end.

Path audited: ``catalog-info.yaml`` files, ``teams:``, ``pagerduty.service_ids`` → ``doraspace collect``
(loopback GitHub and PagerDuty emulators, the real CLI in this process) → ``doraspace check-config`` (the
resolved map, SPEC §2) and ``doraspace metrics --format json --as-of 2026-03-20T00:00:00Z`` (window 30d,
(02-18 00:00, 03-20 00:00]; attribution window 24 h) per team: ``deployments``, ``incidents`` and
``change_failure_rate`` (SPEC §3 ``teams:``/``catalog:``, §4, §5.4, §6 "Team metrics cover the repos and
PagerDuty services the team owns", §6.1 rule 4, §6.2; docs/configuration.md ``teams[].name`` and
"Repository names … compared case-insensitively", docs/metrics.md "Teams", "Incidents", "Failed
deployments" rule 4; README "Troubleshooting").

A random organisation (``generate(seed)``) has 3–8 repositories of the GitHub owner ``acme<seed>`` (some
named in capitals), one production deployment each (compare ``first``: it counts, SPEC §5.2) at distinct
whole hours of 03-01..03-03. Each repo holds, or not, a ``catalog-info.yaml`` of 0–3 documents:
Components (owner written ``group:x``, ``group:default/x`` or ``x``, in the team's own letter case, lower,
upper or capitalised — docs/metrics.md: owners compare "whatever its letter case"; a
``github.com/project-slug`` naming this or another repo of the organisation, sometimes in another letter
case; a ``pagerduty.com/service-id``), and Group, System and API documents carrying owners, slugs and
PagerDuty ids that must give nothing. A component name always has one owner (one Backstage entity), and
names recur across files, so that some services span two repos of one team. About one file in eight is
malformed (a good Component first, then invalid YAML, a key written twice, or a Component without
``metadata.name``, README's three cases). ``teams:`` entries (some spelled in another letter case than the
catalog, some naming repositories in capitals) take repositories and PagerDuty services;
``pagerduty.service_ids`` lists some services. PagerDuty holds every service of the generator with one
``high`` incident each, and about 40 % of the repos have one ``incident`` issue; each incident starts 0,
0.5, 2.5, 5.5, 11.5, 23.5, 24, 24.5, 25.5 or 40.5 h after some repo's deployment (the bounds of
``(F.deployed_at, F.deployed_at + 24 h]`` included) and lasts 1 h. No text holds a hex word (no rule 1).

The reference (``reference``) is plain Python, written from SPEC §4 and the docs, importing nothing of
the product:

* components in file order: catalog files ordered by their repository's name, letter case aside (docs
  "Failed deployments" rule 4: "ordered by the name of the repository holding them (letter case aside,
  then exactly)"), then the documents in each file; only ``kind: Component`` documents of well-formed
  files; ``group:x`` = ``group:default/x`` = ``x`` = team ``x``;
* owners compare case-insensitively; a team is spelled as its ``teams:`` entry, else as first met in
  file order (docs/metrics.md "Teams"; docs/configuration.md ``teams[].name``);
* ``teams:`` first: a repo or service it names is that team's; then the first component in file order
  naming a repo (its slug, else the file's repo) or a PagerDuty service owns it; a repo or ``service_ids``
  service left is ``unowned``; a service neither in the map nor in ``service_ids`` is not collected: its
  incident counts nowhere, and no ``/incidents`` request names it;
* services (rule 4): a repo's service is the first component naming it (by ``metadata.name``), unless
  ``teams:`` gives the repo to another team than that component's owner, or no component names it: then
  the repo alone. A ``teams:`` PagerDuty service belongs to every repo of its team; a catalog one to the
  repos of the components naming it whose owner owns both it and the repo; an unowned one to none (docs
  rule 4). An incident fails, for each service its PagerDuty service belongs to (or its issue's repo's
  service), the latest deployment of that service strictly before it started, if at most 24 h before;
* per team: deployments of its repos; incidents of its PagerDuty services and of its repos' issues;
  failed ÷ deployments (``null`` with none). Rows: ``"*"`` and every team owning a repo or a collected
  service, ``unowned`` among them (docs/metrics.md "Teams").

Checked on each collect: (1) check-config's map lines ``repo X → T (…)`` and ``pagerduty P → T (…)``
(SPEC §2 "prints the resolved ownership map (repo/service → team)"; repos compared letter case aside; the
part in parentheses is not read) against the reference's whole map; (2) its ``warning:`` lines: the
repos and services whose warning subject (``warning: repo X: …``, ``warning: pagerduty P: …``) is given
are exactly those that components of two owners claim without ``teams:`` settling it (SPEC §4 "with a
warning"); (3) collect exits 0 and logs each malformed file with its repo and ``catalog-info.yaml`` (SPEC
§4 "reported (repo, reason) … never stops a sync"); (4) every ``/incidents`` listing names its services
and none names an uncollected one; (5) the metrics rows: the team set, and each team's deployments,
incidents and change failure rate.

Readings taken (SPEC silent, docs read so): a PagerDuty service claimed by components of two owners
follows the repo rule (first in file order wins, with a warning); a team spelled ``Billing`` in
``teams:`` and ``billing`` in the catalog is one team spelled ``Billing``; a repo that ``teams:`` gives to
its component's own owner (in any letter case) stays in the component's service. Left to other audits:
components without an owner, slugs naming a repo outside the collected ones, namespaces other than
``default``, explicit links (rule 1), rework.

Speed: an organisation's collect costs about a second, so four organisations (their owners, team names
and PagerDuty ids all their own) are collected together by one config (``merge``); they share only
team ``unowned`` and the ``"*"`` row, which the reference sums alike. In the suite: 12 seeds in three
collects (``BATCHES``: 0–9, and 32 and 75, the first seeds where the latest-deployment choice and the
inclusive 24 h bound decide a failure; ``github.api: graphql`` for the first and last, ``rest`` for the
middle one), 8.7–9.3 s here when quiet, plus ``test_minimal_organisation_worked_by_hand`` (four repos
meeting every rule above, its numbers worked by hand and checked against the reference too).

State of verification (product as of this round, run by hand through ``differences``): seeds 16–215
(200 organisations, 50 collects of four) in both ``rest`` and ``graphql`` modes, and seeds 0–39 each
collected alone (REST, so that ``unowned`` and ``"*"`` are one organisation's): all agreed with the
reference — 240 seeds beyond the suite's 12, no disagreement, so no DEFECT test. The comparison is not
vacuous: each of 16 one-line mutations of the reference (file order by exact name, owners compared in
letter case, catalog over ``teams:``, non-Components or malformed files read, last claim wins, a
``teams:`` or catalog PagerDuty service linked to no repo or to all its team's, a given-away repo kept in
its component, no "latest" choice, the 24 h bound exclusive, a deployment at the incident's instant
counted as before it, ``service_ids`` ignored, catalog spelling over ``teams:``, the last spelling
kept, no PagerDuty conflict warning) disagrees with the product on the suite's 12 seeds.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import random
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from doraspace.cli import main
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator
from tests.github_scenarios import run_cli
from tests.test_audit_ownership_attribution import catalog, component

GH_TOKEN_VARIABLE = "AUDIT_R12_OWNDIFF_GITHUB_TOKEN"
PD_TOKEN_VARIABLE = "AUDIT_R12_OWNDIFF_PAGERDUTY_TOKEN"
GH_TOKEN = "audit-r12-owndiff-gh-token"
PD_TOKEN = "audit-r12-owndiff-pd-token"
AS_OF = datetime(2026, 3, 20, tzinfo=UTC)
AS_OF_TEXT = "2026-03-20T00:00:00Z"
COLLECT_NOW = datetime(2026, 3, 21, tzinfo=UTC)
START = datetime(2026, 3, 1, tzinfo=UTC)
WINDOW = timedelta(hours=24)  # incidents.attribution_window
UNOWNED = "unowned"
ORG_ROW = "*"

REPO_POOL = ["api", "Billing-Svc", "web", "Zeta", "core", "auth-gw", "LEDGER", "mobile", "search", "Ops"]
TEAM_POOL = ["orders", "billing", "search", "platform", "payments", "identity"]
CATALOG_ONLY_TEAMS = ["data", "mobile"]  # owners no ``teams:`` entry names
NON_COMPONENT_KINDS = ["Group", "System", "API"]
ID_LETTERS = "GHJKLMNQRSTVWXYZ"  # PagerDuty ids: no hex digit after the P


# -- the organisation ---------------------------------------------------------------------------------


@dataclass
class Doc:
    """One document of a catalog file."""

    kind: str
    name: str
    owner: str | None = None  # spec.owner as written
    slug: str | None = None  # github.com/project-slug as written
    pagerduty: str | None = None

    def text(self) -> str:
        if self.kind == "Component":
            return component(self.name, self.owner, slug=self.slug, pagerduty=self.pagerduty)
        specs = {
            "Group": "  type: team\n  children: []\n",
            "System": "  domain: commerce\n",
            "API": "  type: openapi\n  lifecycle: production\n  definition: 'openapi: 3.0.0'\n",
        }
        return component(
            self.name,
            self.owner,
            slug=self.slug,
            pagerduty=self.pagerduty,
            kind=self.kind,
            kind_spec=specs[self.kind],
        )


BROKEN_TAILS = {
    # what follows the good first document of a malformed file
    "yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: broken\nspec: {owner: x}\n",
    "duplicate": (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: twice\n  name: again\n"
        "spec:\n  owner: group:default/x\n"
    ),
    "nameless": (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {title: Nameless}\nspec: {owner: x}\n"
    ),
}


@dataclass
class Team:
    name: str  # as written in teams:
    repositories: list[str] = field(default_factory=list)  # as written (maybe in other letter case)
    pagerduty_services: list[str] = field(default_factory=list)


@dataclass
class Org:
    repos: list[str]  # GitHub's spelling
    deployed: dict[str, datetime]  # repo → its one deployment's deployed_at
    files: dict[str, list[Doc]]  # repo → its catalog file's documents (well-formed files)
    broken: dict[str, tuple[list[Doc], str]]  # repo → (good documents, broken tail) of a malformed file
    teams: list[Team]
    service_ids: list[str]
    services: list[str]  # every PagerDuty service of the PagerDuty account
    pd_incidents: list[tuple[str, str, datetime]]  # (id, service, started)
    issues: list[tuple[str, datetime]]  # (repo, started) of incident issues


def spellings(name: str) -> list[str]:
    return [name, name.lower(), name.upper(), name.capitalize()]


def owner_reference(rng: random.Random, team: str) -> str:
    spelled = rng.choice(spellings(team))
    return rng.choice([f"group:{spelled}", f"group:default/{spelled}", spelled])


def generate(seed: int) -> Org:
    """Organisation ``seed``: its repos are of the GitHub owner ``acme<seed>``, its teams end in ``<seed>``
    and its PagerDuty ids start with ``P`` and two letters of its own, so that organisations collected
    together (``merge``) share nothing but team ``unowned`` and the organisation row."""
    rng = random.Random(f"r12-ownership-{seed}")
    repos = sorted(f"acme{seed}/{name}" for name in rng.sample(REPO_POOL, rng.randint(3, 8)))
    hours = rng.sample(range(3 * 24), len(repos))  # within three days: deployments of one service crowd
    deployed = {repo: START + timedelta(hours=h) for repo, h in zip(repos, hours, strict=True)}
    teams_here = [f"{team}{seed}" for team in rng.sample(TEAM_POOL, rng.randint(2, 4))]
    owners = [*teams_here, *(f"{team}{seed}" for team in rng.sample(CATALOG_ONLY_TEAMS, rng.randint(0, 1)))]
    code = "P" + ID_LETTERS[seed // 16 % 16] + ID_LETTERS[seed % 16]
    services = sorted(
        {code + "".join(rng.choice(ID_LETTERS) for _ in range(4)) for _ in range(rng.randint(3, 7))}
    )

    def some_service() -> str | None:
        return rng.choice(services) if rng.random() < 0.5 else None

    # Component names: one owner per name (one Backstage entity), shared across files now and then.
    names: dict[str, str] = {}

    def new_component() -> Doc:
        again = bool(names) and rng.random() < 0.4  # one more repo of a component already written
        if again:
            name = rng.choice(sorted(names))
        else:
            name = f"{rng.choice(owners)}-{rng.choice(['api', 'web', 'jobs'])}"
        team = names.setdefault(name, name.rsplit("-", 1)[0])
        slug = None
        if again or rng.random() < 0.4:
            target = rng.choice(repos)
            slug = rng.choice([target, target, target.lower(), target.upper()])
        return Doc("Component", name, owner_reference(rng, team), slug, some_service())

    def new_other() -> Doc:
        kind = rng.choice(NON_COMPONENT_KINDS)
        team = rng.choice([*owners, f"ghosts{seed}"])
        return Doc(
            kind, f"{team}-{kind.lower()}", owner_reference(rng, team), rng.choice(repos), some_service()
        )

    files: dict[str, list[Doc]] = {}
    broken: dict[str, tuple[list[Doc], str]] = {}
    for repo in repos:
        if rng.random() < 0.25:
            continue
        docs = [new_component() if rng.random() < 0.75 else new_other() for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.125:
            broken[repo] = ([new_component(), *docs[:1]], rng.choice(sorted(BROKEN_TAILS)))
        else:
            files[repo] = docs

    teams: list[Team] = []
    taken: set[str] = set()
    for name in teams_here:
        if rng.random() < 0.6:
            team = Team(rng.choice(spellings(name)))
            for repo in repos:
                if repo not in taken and rng.random() < 0.2:
                    taken.add(repo)
                    team.repositories.append(rng.choice([repo, repo, repo.upper()]))
            teams.append(team)
    for service in services:
        if teams and rng.random() < 0.3:
            rng.choice(teams).pagerduty_services.append(service)
    service_ids = [s for s in services if rng.random() < 0.3]
    if not service_ids:
        service_ids = [services[0]]

    def when() -> datetime:
        """An instant after a deployment, sometimes at the bounds of (deployed_at, deployed_at + 24 h]."""
        hours = rng.choice([0, 0.5, 2.5, 5.5, 11.5, 23.5, 24, 24.5, 25.5, 40.5])
        return deployed[rng.choice(repos)] + timedelta(hours=hours)

    pd_incidents = [(f"Q{seed}N{i}", service, when()) for i, service in enumerate(services)]
    issues = [(repo, when()) for repo in repos if rng.random() < 0.4]
    return Org(repos, deployed, files, broken, teams, service_ids, services, pd_incidents, issues)


def merge(orgs: list[Org]) -> Org:
    """Several organisations as one GitHub and one PagerDuty account, collected by one config."""
    merged = Org([], {}, {}, {}, [], [], [], [], [])
    for org in orgs:
        merged.repos += org.repos
        merged.deployed |= org.deployed
        merged.files |= org.files
        merged.broken |= org.broken
        merged.teams += org.teams
        merged.service_ids += org.service_ids
        merged.services += org.services
        merged.pd_incidents += org.pd_incidents
        merged.issues += org.issues
    return merged


# -- the reference (SPEC §4, docs/metrics.md rule 4) -----------------------------------------------------


@dataclass
class Reference:
    repo_team: dict[str, str]  # lower-case repo → team
    service_team: dict[str, str]  # PagerDuty service → team
    conflicts: set[tuple[str, str]]  # ("repo", lower-case repo) or ("pagerduty", id) claimed by components
    # of two owners, not settled by teams:
    rows: dict[str, dict[str, Any]]  # team → {deployments, incidents, change_failure_rate}


def team_of_reference(reference: str) -> str:
    """``group:x``, ``group:default/x`` and ``x`` all name team ``x`` (SPEC §4)."""
    return reference.split(":", 1)[-1].split("/")[-1]


def reference(org: Org) -> Reference:
    # Components in file order: files by repository name, letter case aside, then each file's documents.
    components = [
        (repo.lower(), doc)
        for repo in sorted(org.files, key=lambda r: (r.lower(), r))
        for doc in org.files[repo]
        if doc.kind == "Component"
    ]
    spelled = {entry.name.lower(): entry.name for entry in org.teams}
    for _, doc in components:
        assert doc.owner is not None
        spelled.setdefault(team_of_reference(doc.owner).lower(), team_of_reference(doc.owner))

    def owner(doc: Doc) -> str:
        assert doc.owner is not None
        return spelled[team_of_reference(doc.owner).lower()]

    def named_repo(file_repo: str, doc: Doc) -> str:
        return (doc.slug or file_repo).lower()

    repo_team: dict[str, str] = {}
    service_team: dict[str, str] = {}
    for entry in org.teams:
        repo_team.update((repo.lower(), entry.name) for repo in entry.repositories)
        service_team.update((service, entry.name) for service in entry.pagerduty_services)
    by_config = set(repo_team)
    services_by_config = set(service_team)
    first_naming: dict[str, Doc] = {}
    first_claim: dict[str, Doc] = {}  # PagerDuty service → the first component naming it
    conflicts: set[tuple[str, str]] = set()
    for file_repo, doc in components:
        repo = named_repo(file_repo, doc)
        if repo not in first_naming:
            first_naming[repo] = doc
            if repo not in by_config:
                repo_team[repo] = owner(doc)
        elif repo not in by_config and owner(first_naming[repo]) != owner(doc):
            conflicts.add(("repo", repo))
        if doc.pagerduty and doc.pagerduty not in services_by_config:
            first = first_claim.setdefault(doc.pagerduty, doc)
            service_team[doc.pagerduty] = owner(first)
            if owner(first) != owner(doc):
                conflicts.add(("pagerduty", doc.pagerduty.lower()))
    for repo in org.repos:
        repo_team.setdefault(repo.lower(), UNOWNED)
    for service in org.service_ids:
        service_team.setdefault(service, UNOWNED)

    def service_of(repo: str) -> str:
        doc = first_naming.get(repo)
        if doc is None or owner(doc) != repo_team[repo]:
            return repo
        return doc.name

    repo_service = {repo.lower(): service_of(repo.lower()) for repo in org.repos}
    linked: dict[str, set[str]] = {}
    for service, team in service_team.items():
        if service in services_by_config:
            linked[service] = {repo_service[r] for r, t in repo_team.items() if t == team}
        elif team == UNOWNED:
            linked[service] = set()
        else:
            linked[service] = {
                repo_service[named_repo(file_repo, doc)]
                for file_repo, doc in components
                if doc.pagerduty == service and owner(doc) == team == repo_team[named_repo(file_repo, doc)]
            }

    deployed = {repo.lower(): at for repo, at in org.deployed.items()}
    incidents: list[tuple[str, set[str], datetime]] = [  # (team, services it may fail, started)
        (service_team[service], linked[service], started)
        for _, service, started in org.pd_incidents
        if service in service_team
    ]
    incidents += [
        (repo_team[repo.lower()], {repo_service[repo.lower()]}, started) for repo, started in org.issues
    ]
    failed: set[str] = set()
    for _, services, started in incidents:
        for service in services:
            before = [(at, r) for r, at in deployed.items() if repo_service[r] == service and at < started]
            if before:
                at, repo = max(before)
                if started - at <= WINDOW:
                    failed.add(repo)

    rows: dict[str, dict[str, Any]] = {}
    for name in [ORG_ROW, *sorted(set(repo_team.values()) | set(service_team.values()))]:
        mine = [r for r in deployed if name in (ORG_ROW, repo_team[r])]
        count = sum(1 for t, _, _ in incidents if name in (ORG_ROW, t))
        rate = len(failed & set(mine)) / len(mine) if mine else None
        rows[name] = {"deployments": len(mine), "incidents": count, "change_failure_rate": rate}
    return Reference(repo_team, service_team, conflicts, rows)


# -- GitHub, PagerDuty, the CLI --------------------------------------------------------------------------


def build(org: Org) -> tuple[GitHubDataset, PagerDutyDataset]:
    github = GitHubDataset()
    for repo in org.repos:
        data = github.add_repo(repo)
        sha = data.commit("initial", author_date=org.deployed[repo] - timedelta(hours=1))
        data.deployment(sha, created_at=org.deployed[repo])
        if repo in org.files:
            data.files["catalog-info.yaml"] = catalog(*(doc.text() for doc in org.files[repo]))
        if repo in org.broken:
            good, tail = org.broken[repo]
            data.files["catalog-info.yaml"] = catalog(*(doc.text() for doc in good), BROKEN_TAILS[tail])
    for number, (repo, started) in enumerate(org.issues):
        github.repos[repo].issue(
            title=f"outage number {number}",
            created_at=started,
            closed_at=started + timedelta(hours=1),
            labels=["incident"],
        )
    pagerduty = PagerDutyDataset(now=COLLECT_NOW)
    for service in org.services:
        pagerduty.add_service(service, f"Service {service}")
    for incident_id, service, started in org.pd_incidents:
        pagerduty.add_incident(
            incident_id, service, "paged", started, resolved_at=started + timedelta(hours=1)
        )
    return github, pagerduty


def config_text(org: Org, directory: Path, github_url: str, pd: PagerDutyEmulator, api: str) -> str:
    repos = "".join(f"    - {repo}\n" for repo in org.repos)
    teams = "".join(
        f"  - {{name: {team.name}, repositories: [{', '.join(team.repositories)}], "
        f"pagerduty_services: [{', '.join(team.pagerduty_services)}]}}\n"
        for team in org.teams
    )
    return (
        f"database:\n  url: duckdb:///{directory}/store.duckdb\n"
        f"github:\n  base_url: {github_url}\n  token: ${{{GH_TOKEN_VARIABLE}}}\n"
        f"  since: 2026-02-01\n  api: {api}\n  repositories:\n{repos}"
        f"pagerduty:\n  base_url: {pd.base_url}\n  token: ${{{PD_TOKEN_VARIABLE}}}\n"
        f"  ca_bundle: {pd.ca_file}\n  service_ids: [{', '.join(org.service_ids)}]\n"
        "catalog: {discover: true}\n"
        "incidents: {attribution_window: 24h}\n"
        "metrics: {windows: [30d]}\n" + (f"teams:\n{teams}" if teams else "")
    )


class Records(logging.Handler):
    """The log lines of one command (warnings and up): collect reports a malformed catalog file there."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


MAP_LINE = re.compile(r"^  (repo|pagerduty) (\S+) → (\S+) \(")


@dataclass
class Observed:
    collect_output: str
    repo_team: dict[str, str]  # lower-case repo → team, from check-config
    service_team: dict[str, str]
    warnings: list[str]
    asked_services: set[str]  # every service id an /incidents request named
    unfiltered: int  # /incidents listings naming no service (they would read every service)
    rows: dict[str, dict[str, Any]]


def observe(org: Org, directory: Path, api: str, template: Path | None) -> Observed:
    github_data, pd_data = build(org)
    if template is not None:  # a migrated empty store (conftest's duckdb_template): no migration per seed
        shutil.copyfile(template, directory / "store.duckdb")
    with (
        pytest.MonkeyPatch.context() as patch,
        GitHubEmulator(github_data, token=GH_TOKEN) as github,
        PagerDutyEmulator(pd_data, token=PD_TOKEN) as pd,
    ):
        patch.setenv(GH_TOKEN_VARIABLE, GH_TOKEN)
        patch.setenv(PD_TOKEN_VARIABLE, PD_TOKEN)
        config = directory / "doraspace.yaml"
        config.write_text(config_text(org, directory, github.base_url, pd, api))
        out, err = io.StringIO(), io.StringIO()
        records = Records()
        logging.getLogger().addHandler(records)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = main(["collect", "--config", str(config)], now=COLLECT_NOW)
        finally:
            logging.getLogger().removeHandler(records)
        assert status == 0, err.getvalue()
        checked = run_cli(["check-config", "--config", str(config)], now=COLLECT_NOW)
        metrics = ["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF_TEXT]
        rows = json.loads(run_cli(metrics, now=COLLECT_NOW))
        asked = {
            value
            for request in pd.requests_to("/incidents")
            for values in request.query.values()
            for value in values
        }
        unfiltered = sum(
            1 for request in pd.requests_to(r"/incidents$") if not request.param("service_ids[]")
        )
        assert not github.errors
    repo_team: dict[str, str] = {}
    service_team: dict[str, str] = {}
    for line in checked.splitlines():
        if found := MAP_LINE.match(line):
            kind, key, team = found.groups()
            if kind == "repo":
                repo_team[key.lower()] = team
            else:
                service_team[key] = team
    warnings = [line for line in checked.splitlines() if line.startswith("warning:")]
    assert all(row["window"] == "30d" and row["as_of"] == AS_OF_TEXT for row in rows)
    return Observed(
        "\n".join([out.getvalue(), err.getvalue(), *records.lines]),
        repo_team,
        service_team,
        warnings,
        asked,
        unfiltered,
        {row["team"]: row for row in rows},
    )


WARNING_SUBJECT = re.compile(r"^warning: (repo|pagerduty) (\S+): ")


def compare(org: Org, want: Reference, got: Observed) -> list[str]:
    """Every disagreement between the product's ``got`` and the reference's ``want`` on ``org``."""
    diffs: list[str] = []
    if got.repo_team != want.repo_team:
        diffs.append(f"check-config repos: reference {want.repo_team} product {got.repo_team}")
    if got.service_team != want.service_team:
        diffs.append(f"check-config services: reference {want.service_team} product {got.service_team}")
    warned = {
        (kind, key.lower())
        for line in got.warnings
        if (found := WARNING_SUBJECT.match(line))
        for kind, key in [found.groups()]
    }
    if warned != want.conflicts:
        diffs.append(f"conflict warnings: reference {sorted(want.conflicts)} product {got.warnings}")
    for repo in sorted(org.broken):
        if not any(repo in line and "catalog-info.yaml" in line for line in got.collect_output.splitlines()):
            diffs.append(f"collect does not report {repo}'s malformed catalog file")
    uncollected = set(org.services) - set(want.service_team)
    if got.unfiltered:
        diffs.append(f"{got.unfiltered} /incidents listings name no service: every service is read")
    if got.asked_services & uncollected:
        diffs.append(f"uncollected services asked for: {sorted(got.asked_services & uncollected)}")
    if sorted(got.rows) != sorted(want.rows):
        diffs.append(f"teams: reference {sorted(want.rows)} product {sorted(got.rows)}")
    for team in sorted(set(got.rows) & set(want.rows)):
        for name, value in want.rows[team].items():
            if got.rows[team][name] != (value if value is None else pytest.approx(value, rel=1e-9)):
                diffs.append(f"{team} {name}: reference {value!r} product {got.rows[team][name]!r}")
    return diffs


def differences(org: Org, directory: Path, api: str, template: Path | None = None) -> list[str]:
    """Every disagreement between the product and the reference on ``org``, collected in ``api`` mode."""
    return compare(org, reference(org), observe(org, directory, api, template))


# -- the tests --------------------------------------------------------------------------------------------

# Three collects of four organisations each: 12 seeds.
BATCHES = [(0, 1, 2, 3), (4, 5, 6, 7), (8, 9, 32, 75)]


@pytest.mark.parametrize("seeds", BATCHES, ids=lambda seeds: "seeds-" + "-".join(map(str, seeds)))
def test_random_organisations_ownership_matches_the_reference(
    seeds: tuple[int, ...], tmp_path: Path, duckdb_template: Path
) -> None:
    api = "rest" if seeds[0] == 4 else "graphql"
    diffs = differences(merge([generate(seed) for seed in seeds]), tmp_path, api, duckdb_template)
    assert not diffs, "\n".join(diffs)


# -- a named organisation, worked out by hand -----------------------------------------------------------


def hours_after_start(hours: float) -> datetime:
    return START + timedelta(hours=hours)


# Four repos; deployments api 03-01 10:00, Billing-Svc 03-01 14:00, web 03-02 08:00, Zeta 03-02 20:00.
# File order (letter case aside): acme/api, acme/Billing-Svc, acme/web, acme/Zeta; exactly, Billing-Svc and
# Zeta would come before api and web.
MINIMAL = Org(
    repos=["acme/api", "acme/Billing-Svc", "acme/web", "acme/Zeta"],
    deployed={
        "acme/api": hours_after_start(10),
        "acme/Billing-Svc": hours_after_start(14),
        "acme/web": hours_after_start(32),
        "acme/Zeta": hours_after_start(44),
    },
    files={
        # pay names acme/api first (acme/api's file is first in file order): billing's claim loses.
        "acme/api": [Doc("Component", "pay", "payments", None, "PPAY")],
        "acme/Billing-Svc": [
            Doc("Component", "billing", "group:default/BILLING", "acme/API", "PBILL"),
            Doc("System", "shop-system", "group:sys", "acme/web", "PSYS"),  # gives nothing
        ],
        # One component, web, over acme/web and acme/Zeta; its owner spelled Shop first, then SHOP.
        "acme/web": [
            Doc("Component", "web", "group:Shop", None, "PWEB"),
            Doc("Component", "web", "SHOP", "acme/zeta", None),
        ],
    },
    broken={"acme/Zeta": ([Doc("Component", "zeta", "group:thief", None, "PTHIEF")], "yaml")},
    teams=[Team("Payments", [], ["PPAY"]), Team("ops", ["ACME/BILLING-SVC"], [])],
    service_ids=["PLOST", "PWEB"],
    services=["PBILL", "PLOST", "PPAY", "PSYS", "PTHIEF", "PWEB"],
    pd_incidents=[
        ("M1", "PPAY", hours_after_start(12.5)),  # Payments' (teams:): fails api (2.5 h after it)
        ("M2", "PBILL", hours_after_start(16.5)),  # BILLING's, whose component lost acme/api: fails nothing
        ("M3", "PWEB", hours_after_start(55.5)),  # Shop's: fails Zeta (11.5 h), the latest of web; not web
        ("M4", "PLOST", hours_after_start(15)),  # unowned (service_ids only): fails nothing
        ("M5", "PTHIEF", hours_after_start(45)),  # only in the malformed file: not collected
        ("M6", "PSYS", hours_after_start(33)),  # only in the System: not collected
    ],
    issues=[
        ("acme/Billing-Svc", hours_after_start(37)),  # ops' (teams:), its own service: fails it (23 h)
        ("acme/web", hours_after_start(32)),  # at web's deployment: not after it; Zeta is later: nothing
    ],
)
MINIMAL_BY_HAND = Reference(
    repo_team={"acme/api": "Payments", "acme/billing-svc": "ops", "acme/web": "Shop", "acme/zeta": "Shop"},
    service_team={"PBILL": "BILLING", "PLOST": UNOWNED, "PPAY": "Payments", "PWEB": "Shop"},
    conflicts={("repo", "acme/api")},
    rows={
        ORG_ROW: {"deployments": 4, "incidents": 6, "change_failure_rate": 0.75},
        "BILLING": {"deployments": 0, "incidents": 1, "change_failure_rate": None},
        "Payments": {"deployments": 1, "incidents": 1, "change_failure_rate": 1.0},
        "Shop": {"deployments": 2, "incidents": 2, "change_failure_rate": 0.5},
        UNOWNED: {"deployments": 0, "incidents": 1, "change_failure_rate": None},
        "ops": {"deployments": 1, "incidents": 1, "change_failure_rate": 1.0},
    },
)


def test_minimal_organisation_worked_by_hand(tmp_path: Path, duckdb_template: Path) -> None:
    assert reference(MINIMAL) == MINIMAL_BY_HAND  # the reference itself, on a case worked by hand
    diffs = compare(MINIMAL, MINIMAL_BY_HAND, observe(MINIMAL, tmp_path, "rest", duckdb_template))
    assert not diffs, "\n".join(diffs)
