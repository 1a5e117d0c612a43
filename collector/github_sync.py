"""One GitHub sync: for each repository, cursor → fetch → upsert → commit, stream by stream.

Streams per repository:
* ``deployments`` — production deployments and their statuses, newest first, down to the cursor
  (minus an overlap, so statuses that arrived late are seen) or ``since``;
* compares — derived from the store, not from a cursor: every successful deployment whose stored
  compare does not start at its current predecessor gets one, committed ``FLUSH_EVERY`` at a time, so
  a sync killed half-way resumes where it stopped, asking at most that many again;
* ``pulls`` — closed PRs by ``updated_at`` descending down to the cursor; merged ones are stored with
  their commits, reviews and labels. A PR already stored with the same ``updated_at`` is not fetched
  again, so a resumed or overlapping sync costs one list request per 100 PRs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import astuple, dataclass, field, fields, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Engine, and_, select

from collector import cursors
from collector.compare_range import PairCompare, RangeCompare
from collector.cursors import deployments_cursor, issues_cursor, pulls_cursor
from collector.models import (
    CommitFact,
    CompareFact,
    DeploymentFact,
    DeploymentStatusFact,
    PullRequestFact,
    RepositoryFact,
    issue_number,
)
from collector.sources.github import PER_PAGE, GitHubClient, Listing, Lookup, NotFoundError, url_key
from collector.sources.github_graphql import PULLS_PAGE, GitHubGraphQL, GraphQLUnavailable
from collector.sources.github_parse import (
    merged_pull_deployment,
    parse_commit,
    parse_deployment,
    parse_deployment_status,
    parse_incident_issue,
    parse_instant,
    parse_pull_commit,
    parse_pull_request,
    parse_release,
    parse_repository,
    parse_review,
    parse_workflow_run,
)
from collector.writer import (
    delete_incident_ids,
    delete_incidents,
    forget_deployments,
    move_repository,
    relabel_deployments,
    unsettle_runs,
    write_compares,
    write_deployments,
    write_incidents,
    write_pull_requests,
    write_repositories,
)
from store import schema
from store.cursors import read_etags, write_etags
from store.errors import SourceError, TransientSourceError
from store.schema import FIRST_COMPARE, UNKNOWN_COMPARE
from store.timeutil import from_db, to_db

log = logging.getLogger(__name__)

SOURCE = "github"
# Statuses may arrive after the deployment was first seen: re-read the last day's deployments.
DEPLOYMENT_OVERLAP = timedelta(days=1)
# A deployment with no success yet is re-read for this long before it is taken as a failed attempt;
# one still undecided (waiting for a reviewer under an environment protection rule, queued, running)
# for as long as GitHub lets an approval come, 30 days. The rechecks are conditional (a 304 is free).
UNSETTLED_RECHECK = timedelta(days=3)
APPROVAL_RECHECK = timedelta(days=30)
UNDECIDED_STATES = frozenset({"waiting", "queued", "pending", "in_progress"})
# This many repositories failing one after the other (each after its retries) stop the sync: an outage.
FAILING_IN_A_ROW = 3
# An issue that loses its incident label, is transferred or is deleted leaves the label lists without a
# trace, where a fresh sync would not store it: incident issues opened this recently that the lists no
# longer show as stored are asked again one by one, conditionally (a 304 is free). Labels are mostly
# corrected within days of the outage.
INCIDENT_RECHECK = timedelta(days=30)
PULL_COMMITS_LISTED = 250  # GitHub's most commits of one pull request, in REST and GraphQL alike
PULL_OVERLAP = timedelta(minutes=5)
# Facts that cost requests each (a PR's commits and reviews, a deployment's statuses, a compare) are
# committed this many at a time: a sync killed half-way resumes with at most this many to fetch again.
# The cursor (and the first page's ETag) still moves only when the whole stream is stored.
FLUSH_EVERY = 5


def _recheck(last_state: str | None) -> timedelta:
    """How long a deployment without a success is asked again, by its last status."""
    return APPROVAL_RECHECK if (last_state or "").lower() in UNDECIDED_STATES else UNSETTLED_RECHECK


# url key -> (etag, memo), as kept in ``http_etags``.
Validators = dict[str, tuple[str, str | None]]


@dataclass(frozen=True)
class RepoTarget:
    """A repository to collect and where its deployments come from (config resolved by the caller)."""

    name: str
    source: str = "deployments"
    environment: str = "production"
    workflow: str | None = None


@dataclass
class SyncReport:
    repositories: int = 0
    deployments: int = 0
    compares: int = 0
    pull_requests: int = 0
    incidents: int = 0
    warnings: list[str] = field(default_factory=list)
    heads: dict[str, str] = field(default_factory=dict)  # repository, lower case → RepositoryFact.head
    # Repositories GitHub kept failing for after every retry → why; asked again at the next sync.
    failed: dict[str, str] = field(default_factory=dict)


def _iso(value: datetime) -> str:
    return value.isoformat()


def _cursor_instant(value: str | None) -> datetime | None:
    return parse_instant(value) if value else None


class Deployed(NamedTuple):
    """A successful deployment, as the compares see it."""

    deployment_id: int
    sha: str


class GitHubSync:
    def __init__(
        self,
        engine: Engine,
        client: GitHubClient,
        *,
        since: datetime,
        now: datetime,
        backfill_since: datetime | None = None,
        progress: Callable[[str], None] = lambda _: None,
        graphql: GitHubGraphQL | None = None,
        repository_progress: Callable[[str, int, int, str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.client = client
        # GraphQL mode: pull requests and deployments in bulk queries; REST for the rest.
        self.graphql = graphql
        # A backfill never reaches less far back than since: on a first sync, a later date would leave
        # the time between since and it uncollected for good (the cursors start after it).
        self.since = min(backfill_since, since) if backfill_since is not None else since
        self.backfill = backfill_since is not None
        self.now = now
        self.progress = progress
        # (source, index, total, repository) before each repository, and (…, total, total, "") at the end.
        self.repository_progress = repository_progress or (
            lambda _source, index, total, name: progress(f"[{index}/{total}] {name}") if name else None
        )
        self.report = SyncReport()
        self._validators: Validators | None = None
        self._failing_in_a_row: list[str] = []

    # -- conditional requests ------------------------------------------------------------------------

    def _stored_validators(self) -> Validators:
        if self._validators is None:
            with self.engine.connect() as conn:
                self._validators = read_etags(conn, SOURCE)
        return self._validators

    def _etag(self, key: str) -> str | None:
        entry = self._stored_validators().get(key)
        return None if entry is None else entry[0]

    def _memo(self, key: str) -> str | None:
        entry = self._stored_validators().get(key)
        return None if entry is None else entry[1]

    def _page_etag(self, key: str) -> str | None:
        """The validator of one page of a list read whole (``every_page``): only with its memo, which
        holds the page's next link (a 304 may not repeat it)."""
        return self._etag(key) if self._memo(key) else None

    def _repository_page_etag(self, key: str) -> str | None:
        return self._page_etag(key) if _with_ids(self._memo(key)) else None

    def _known_next(self, key: str) -> str | None:
        """The next link a page of a list read whole had when it was stored."""
        return cast(str | None, json.loads(self._memo(key) or "{}").get("next"))

    def _list_etags(self) -> Lookup | None:
        """First pages are asked conditionally, except by a backfill: its lower bound is older than the
        one the stored validator was earned with, so an unchanged first page would hide older items."""
        return None if self.backfill else self._etag

    def _remember(self, conn: Connection, answers: Validators) -> None:
        """Store validators in the transaction that commits the facts behind them. Those already
        stored as they are (a 304, the common case) are not written again: three statements fewer
        per repository and sync."""
        known = self._stored_validators()
        changed = {key: answer for key, answer in answers.items() if known.get(key) != answer}
        if changed:
            write_etags(conn, SOURCE, changed)
            known.update(changed)

    def _warn(self, message: str) -> None:
        log.warning("%s", message)
        self.report.warnings.append(message)
        self.progress(f"warning: {message}")

    # -- repositories --------------------------------------------------------------------------------

    def _stored_names(self, facts: Sequence[RepositoryFact]) -> tuple[dict[str, str], dict[str, str]]:
        """The name each listed repository is stored under (by GitHub's name, lower-cased), and the
        repositories whose facts move to a new name (stored name → GitHub's).

        Renamed in letter case only, a repository keeps the spelling it was first collected under: its
        facts and cursors are stored under that one, and GitHub answers to either (under the new one
        its deployments were listed again from since and stored a second time). Renamed otherwise, it is
        known by its id, and moves, unless the new name holds facts of a repository that stays (one
        deleted since, or this one collected under its new name before ids were kept): neither is
        moved onto the other."""
        with self.engine.connect() as conn:
            # Sorted: a store that already holds two spellings (collected before this rule) uses one.
            names = select(schema.repositories.c.full_name, schema.repositories.c.github_id)
            rows = sorted(conn.execute(names), key=lambda row: str(row[0]))
        stored: dict[str, str] = {}
        by_id: dict[int, str] = {}
        for name, github_id in rows:
            stored.setdefault(name.lower(), name)
            if github_id is not None:
                by_id.setdefault(github_id, name)
        wanted = {
            by_id[fact.github_id]: fact.full_name
            for fact in facts
            if fact.github_id in by_id and by_id[fact.github_id].lower() != fact.full_name.lower()
        }
        # A name is free once its repository moves away (a swap, a chain); a refusal can take that back.
        renames = dict(wanted)
        while True:
            moving = {old.lower() for old in renames}
            refused = [
                old
                for old, new in renames.items()
                if new.lower() in stored and stored[new.lower()].lower() not in moving
            ]
            if not refused:
                break
            for old in refused:
                new = renames.pop(old)
                self._warn(
                    f"repository {old} was renamed on GitHub to {new}, which already holds collected facts: "
                    f"{old}'s stay under the old name"
                )
        for old in renames:
            del stored[old.lower()]
        stored.update((new.lower(), new) for new in renames.values())
        return stored, renames

    def resolve_repositories(
        self, configured: Sequence[RepoTarget], organizations: Sequence[str], default: RepoTarget
    ) -> list[tuple[RepositoryFact, RepoTarget]]:
        # What GitHub lists, by its own name (lower-cased): the configured repositories first, then the
        # organisations' others.
        listed: dict[str, tuple[RepositoryFact, RepoTarget]] = {}
        discovered: dict[str, str] = {}
        answers: Validators = {}
        for target in configured:
            key = url_key(f"/repos/{target.name}")
            memo = _with_ids(self._memo(key))
            try:
                answer = self.client.repository_if_changed(target.name, self._etag(key) if memo else None)
                self._failing_in_a_row.clear()
            except NotFoundError as exc:
                self._warn(f"repository {target.name} skipped: {exc}")
                continue
            except TransientSourceError as exc:
                if exc.retry_after is not None:  # a rate limit is the whole sync's
                    raise
                self._failed(target.name, exc)  # kept failing: skipped, the others collected
                continue
            if answer.not_modified and memo:
                fact = RepositoryFact(*json.loads(memo))  # an earlier version's memo has no pushed_at
            else:
                fact = parse_repository(answer.data)
            if answer.etag:
                answers[key] = (answer.etag, json.dumps(astuple(fact)))
            # GitHub's spelling from here on (names are case-insensitive there, and a renamed repository
            # answers under its new name): the facts, the cursors and the discovery below all agree.
            listed.setdefault(fact.full_name.lower(), (fact, replace(target, name=fact.full_name)))
        for org in organizations:
            try:
                listing = self.client.organization_repositories(
                    org, self._repository_page_etag, self._known_next
                )
                for page in listing:
                    key = listing.keys[-1]
                    if key in listing.unchanged:
                        facts = [
                            RepositoryFact(*repo) for repo in json.loads(self._memo(key) or "{}")["repos"]
                        ]
                    else:
                        # Archived repositories deploy nothing new: not discovered (what was
                        # collected before the archiving stays, as history).
                        facts = [parse_repository(item) for item in page if not item.get("archived")]
                    if key in listing.answers:
                        page_memo = {
                            "next": listing.next_links[key],
                            "repos": [astuple(fact) for fact in facts],
                        }
                        answers[key] = (listing.answers[key], json.dumps(page_memo))
                    for fact in facts:
                        if fact.full_name.lower() not in listed:
                            target = RepoTarget(
                                fact.full_name, default.source, default.environment, default.workflow
                            )
                            listed[fact.full_name.lower()] = (fact, target)
                            discovered[fact.full_name.lower()] = f"org:{org}"
            except NotFoundError as exc:
                self._warn(f"organization {org} skipped: {exc}")

        stored, renames = self._stored_names([fact for fact, _ in listed.values()])
        found: dict[str, tuple[RepositoryFact, RepoTarget]] = {}
        discovered_from: dict[str, str] = {}
        for name, (fact, target) in listed.items():
            spelled = stored.get(name, fact.full_name)
            found[spelled.lower()] = (replace(fact, full_name=spelled), replace(target, name=spelled))
            if name in discovered:
                discovered_from[spelled] = discovered[name]
        with self.engine.begin() as conn:
            for old, new in renames.items():
                self._warn(
                    f"repository {old} was renamed on GitHub to {new}: its collected facts now stand under "
                    f"the new name; rename it in the configuration too (github.repositories, teams:)"
                )
            # Through a name no repository can have ('#'), so that names swapped or passed along a
            # chain (a → b while b → c) never meet in one transaction.
            for old in renames:
                move_repository(conn, old, f"{old}#renamed", keep_urls=answers)
            for old, new in renames.items():
                move_repository(conn, f"{old}#renamed", new, keep_urls=answers)
            write_repositories(conn, [fact for fact, _ in found.values()], discovered_from, self.now)
            self._remember(conn, answers)
        self.report.repositories = len(found)
        self.report.heads = {name: fact.head for name, (fact, _) in found.items() if fact.head}
        return list(found.values())

    # -- deployments ---------------------------------------------------------------------------------

    def _newest_first(
        self,
        pages: Iterable[list[dict[str, Any]]],
        lower: datetime,
        keep: Callable[[dict[str, Any]], bool],
        changed: Callable[[dict[str, Any]], bool] = lambda _item: False,
    ) -> tuple[list[dict[str, Any]], datetime | None]:
        """Items of a newest-first listing created at or after ``lower``; stops paging there. Older
        items of the pages already read are kept too where ``changed`` (at no cost: they came with
        the page)."""
        items: list[dict[str, Any]] = []
        newest: datetime | None = None
        for page in pages:
            below = False
            for item in page:
                created = parse_instant(item.get("created_at"))
                if not below and created is not None and created >= lower:
                    if keep(item):
                        items.append(item)
                        newest = created if newest is None or created > newest else newest
                    continue
                below = True
                if created is not None and created >= self.since and keep(item) and changed(item):
                    items.append(item)
            if below:
                break
        return items, newest

    def sync_deployments(self, target: RepoTarget, repository: RepositoryFact) -> None:
        """New deployments of the repo's configured source (``merged_prs`` come with the PRs)."""
        repo = target.name
        table = schema.deployments
        of_repo = and_(table.c.repo == repo, table.c.source == target.source)
        key = deployments_cursor(target.source, repo, target.environment, target.workflow)
        legacy = cursors.legacy_deployments_cursor(target.source, repo)
        # The environment is recorded for every source, as configured; for `deployments` it also picks
        # what is listed (whatever its case), so another environment's stored deployments stay its own.
        wanted = target.environment.casefold()
        with self.engine.connect() as conn:
            environments = set(conn.scalars(select(table.c.environment).distinct().where(of_repo)))
            ours = {env for env in environments if target.source != "deployments" or env.casefold() == wanted}
            cursor = _cursor_instant(cursors.read(conn, key))
            first_under_key = cursor is None
            # A cursor of the older key (no environment, no workflow) is taken over where the stored
            # deployments show it was kept for this environment; stored runs cannot show which
            # workflow it was kept for, so workflow_runs list from since once instead.
            own = cursor is None and ours == environments and target.source != "workflow_runs"
            adopted = cursors.read(conn, legacy) if own else None
            cursor = cursor or _cursor_instant(adopted)
            columns = ("deployment_id", "deployed_at", "created_at", "sha", "ref", "last_state")
            selected = select(*(table.c[name] for name in columns)).where(
                of_repo, table.c.environment.in_(ours)
            )
            rows = conn.execute(selected) if target.source != "merged_prs" else ()
            stored = {row.deployment_id: row for row in rows}
        renamed = ours - {target.environment}
        if target.source == "merged_prs":  # they come with the pull requests: only their name here
            if renamed:
                with self.engine.begin() as conn:
                    relabel_deployments(conn, repo, target.source, renamed, target.environment)
            return
        lower = (
            self.since if self.backfill or cursor is None else max(self.since, cursor - DEPLOYMENT_OVERLAP)
        )
        answers: Validators = {}
        unsettled: list[tuple[int, datetime | None, str | None]] = []  # runs re-run to failure
        unlisted: list[int] = []  # listed, but no deployment of the repository (any more)
        listing: Listing
        if target.source == "deployments":
            listing = self.client.deployments(repo, target.environment, self._list_etags())
            pages: Iterable[list[dict[str, Any]]] = listing
            if self.graphql is not None:
                unchanged = self._unchanged(listing)
                pages = [] if unchanged else self.graphql.deployments(repo, target.environment)
            facts, newest = self._github_deployments(target, pages, lower, stored, answers)
        elif target.source == "workflow_runs":
            listing = self.client.workflow_runs(
                repo, target.workflow or "", repository.default_branch, self._list_etags()
            )

            def rerun(item: dict[str, Any]) -> bool:
                # GitHub lets a run be re-run for 30 days (say, the run of the last good commit, as a
                # rollback): it keeps its id and created_at, below the cursor, and ends again at a new
                # updated_at. The newest 100 runs come on the first page, read whenever one changed
                # (else a free 304): a re-run among them is read from there, at no extra request.
                row = stored.get(int(item["id"]))
                fact = parse_workflow_run(repo, item, target.environment)
                return row is None or (row.deployed_at, row.last_state) != (
                    to_db(fact.deployed_at),
                    fact.last_state,
                )

            home = repository.full_name.casefold()

            def on_default_branch(item: dict[str, Any]) -> bool:
                # GitHub's branch filter matches the name in any repository: a fork's pull request
                # from its own branch of that name is listed too, and deploys nothing of this one.
                head = item.get("head_repository", {"full_name": repository.full_name}) or {}
                if str(head.get("full_name") or "").casefold() != home:
                    unlisted.append(int(item["id"]))
                    return False
                return bool(item.get("head_branch") == repository.default_branch)

            try:
                items, newest = self._newest_first(listing, lower, on_default_branch, rerun)
            except NotFoundError as exc:
                # The repo is there (just resolved): its workflow is not, or the token may not read
                # Actions. Its pull requests and incidents are still collected (SPEC §9 skips a repo
                # only when it is gone).
                self._warn(
                    f"repository {repo}: no runs of workflow {target.workflow} ({exc}); no deployments"
                )
                return
            facts = [parse_workflow_run(repo, item, target.environment) for item in items]
            # A successful run re-run to failure: no deployment any more, as a fresh sync finds.
            unsettled = [
                (fact.deployment_id, parse_instant(item.get("updated_at")), fact.last_state)
                for fact, item in zip(facts, items, strict=True)
                if fact.deployed_at is None and getattr(stored.get(fact.deployment_id), "deployed_at", None)
            ]
        elif target.source == "releases":
            listing, facts, newest = self._releases(target, stored, answers, unlisted)
        else:
            raise ValueError(f"unknown deployment source {target.source!r}")
        if listing.etag:
            answers.setdefault(listing.key, (listing.etag, None))  # the releases' pages keep their memo
        with self.engine.begin() as conn:
            relabel_deployments(conn, repo, target.source, renamed, target.environment)
            self.report.deployments += write_deployments(conn, facts)
            unsettle_runs(conn, repo, unsettled)
            forget_deployments(conn, repo, target.source, [found for found in unlisted if found in stored])
            if adopted is not None:  # kept under its own key from now on
                cursors.write(conn, key, adopted)
            # Releases keep the older key: nothing joined it. Once this key is written, the older one
            # is gone (deleted with that write), so later syncs need not delete it again.
            if legacy != key and first_under_key:
                cursors.delete(conn, legacy)
            if newest is not None and (cursor is None or newest > cursor):
                cursors.write(conn, key, _iso(newest))
            self._remember(conn, answers)

    def _releases(
        self, target: RepoTarget, stored: dict[int, Any], answers: Validators, unlisted: list[int]
    ) -> tuple[Listing, list[DeploymentFact], datetime | None]:
        """Releases published (not draft, not prerelease) at or after ``github.since``; the ids of
        those listed as drafts or prereleases go to ``unlisted`` (a published release can be made
        either again, in place).

        A release's created_at is its commit's date, and a draft is published later, in place, however
        old its commit (a maintenance branch's). The list is ordered by created_at, so a release
        published after ``since`` may sit on any page: every page is read, each asked with its own
        validator. An unchanged page answers 304 for free; a page where a draft was published, or that
        a newer release shifted, is read again."""
        repo = target.name

        def wanted(item: dict[str, Any]) -> bool:
            published = parse_instant(item.get("published_at"))
            deployed = not item.get("draft") and not item.get("prerelease")
            return deployed and published is not None and published >= self.since

        # A backfill asks every page unconditionally, as it does every first page.
        listing = self.client.releases(repo, None if self.backfill else self._page_etag, self._known_next)
        listed = [item for page in listing for item in page]
        items = [item for item in listed if wanted(item)]
        unlisted.extend(int(item["id"]) for item in listed if item.get("draft") or item.get("prerelease"))
        for key, etag in listing.answers.items():
            answers[key] = (etag, json.dumps({"next": listing.next_links[key]}))
        facts = [
            parse_release(repo, item, self._release_sha(repo, item, stored), target.environment)
            for item in items
        ]
        created = [
            instant for item in items if (instant := parse_instant(item.get("created_at"))) is not None
        ]
        return listing, facts, max(created, default=None)

    def _waiting(self, stored: dict[int, Any], seen: set[int]) -> Iterator[tuple[int, Any]]:
        """Stored deployments without a success, younger than ``_recheck`` of their last state, that
        the listing did not just bring: those worth asking again."""
        for deployment_id, row in stored.items():
            young = row.created_at >= to_db(self.now - _recheck(row.last_state))
            if deployment_id not in seen and row.deployed_at is None and young:
                yield deployment_id, row

    def _release_sha(self, repo: str, item: dict[str, Any], stored: dict[int, Any]) -> str:
        """The commit of the release's tag: the stored one while the release is as stored, else asked
        (a release re-done, its tag made again on another commit and published again, keeps its id)."""
        known = stored.get(int(item["id"]))
        as_stored = known is not None and (known.ref, known.created_at, known.deployed_at) == (
            item.get("tag_name"),
            to_db(parse_instant(item.get("created_at"))),
            to_db(parse_instant(item.get("published_at"))),
        )
        if known is not None and as_stored:
            return str(known.sha)
        return str(self.client.commit(repo, item["tag_name"])["sha"])

    @staticmethod
    def _unchanged(listing: Listing) -> bool:
        """GraphQL mode asks a list's first REST page first, conditionally: a 304 (free) means nothing
        changed, so the GraphQL queries (at least a point each) need not be sent."""
        next(iter(listing), None)
        return listing.not_modified

    def _github_deployments(
        self,
        target: RepoTarget,
        listing: Iterable[list[dict[str, Any]]],
        lower: datetime,
        stored: dict[int, Any],
        answers: Validators,
    ) -> tuple[list[DeploymentFact], datetime | None]:
        """Listed deployments not yet settled, with their statuses, and the stored ones still waiting
        for a success. A 304 on the list (nothing new) lists none; a 304 on a stored deployment's
        statuses (no new status) leaves its stored row as it is."""
        repo = target.name
        wanted = target.environment.casefold()
        items, newest = self._newest_first(
            listing, lower, lambda item: str(item.get("environment") or "").casefold() == wanted
        )
        seen = {int(item["id"]) for item in items}
        facts: list[DeploymentFact] = []
        for item in items:
            known = stored.get(int(item["id"]))
            if known is not None and known.deployed_at is not None:
                continue  # settled: its first success cannot change
            fact: DeploymentFact | None = None
            if item.get("_statuses") is not None:  # GraphQL mode: the statuses came with the list
                listed = [parse_deployment_status(status) for status in item["_statuses"]]
                fact = parse_deployment(repo, item, listed, target.environment)
                young = parse_instant(item.get("created_at")) >= self.now - _recheck(fact.last_state)  # type: ignore[operator]
                if fact.deployed_at is None and young:
                    # Re-read through REST once, so that the rechecks to come are conditional (free).
                    fact = None
            if fact is None:
                try:
                    statuses = self._statuses(repo, int(item["id"]), answers, conditional=known is not None)
                except NotFoundError:
                    continue  # deleted since it was listed: what was stored stays
                if statuses is None:
                    continue  # 304: no new status since the stored row
                fact = parse_deployment(repo, item, statuses, target.environment)
            facts.append(fact)
            if len(facts) >= FLUSH_EVERY:
                with self.engine.begin() as conn:
                    self.report.deployments += write_deployments(conn, facts)
                facts = []
        # Older deployments still waiting for a success, outside the listed range.
        for deployment_id, row in self._waiting(stored, seen):
            try:
                statuses = self._statuses(repo, deployment_id, answers, conditional=True)
            except NotFoundError:
                continue  # deleted on GitHub: what was stored stays, as for a deleted run
            if statuses is None:
                continue
            facts.append(
                DeploymentFact.from_statuses(
                    repo=repo,
                    deployment_id=deployment_id,
                    environment=target.environment,
                    sha=row.sha,
                    ref=row.ref,
                    created_at=from_db(row.created_at),  # type: ignore[arg-type]
                    statuses=tuple(statuses),
                )
            )
        return facts, newest

    def _statuses(
        self, repo: str, deployment_id: int, answers: Validators, *, conditional: bool
    ) -> list[DeploymentStatusFact] | None:
        """A deployment's statuses; None when asked ``conditional`` and GitHub has none new (304)."""
        listing = self.client.statuses_if_changed(repo, deployment_id, self._etag if conditional else None)
        statuses = [parse_deployment_status(s) for page in listing for s in page]
        if listing.etag:
            answers[listing.key] = (listing.etag, None)
        return None if listing.not_modified else statuses

    def sync_compares(self, target: RepoTarget) -> None:
        repo = target.name
        deployments, compares = schema.deployments, schema.deployment_compares
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(deployments.c.deployment_id, deployments.c.sha)
                .where(
                    and_(
                        deployments.c.repo == repo,
                        deployments.c.source == target.source,
                        deployments.c.environment == target.environment,
                        deployments.c.deployed_at.is_not(None),
                    )
                )
                .order_by(deployments.c.deployed_at, deployments.c.deployment_id)
            )
            successful = [Deployed(row.deployment_id, row.sha) for row in rows]
            # A compare is asked again when its base deployment changed, or either commit did (a
            # release re-done on another commit keeps its id).
            existing = {
                row.deployment_id: (row.base_deployment_id, row.base_sha, row.head_sha)
                for row in conn.execute(
                    select(
                        compares.c.deployment_id,
                        compares.c.base_deployment_id,
                        compares.c.base_sha,
                        compares.c.head_sha,
                    ).where(and_(compares.c.repo == repo, compares.c.source == target.source))
                )
            }
            # The pairs compared already, by any source: those are read back instead of asked again.
            answered = {
                (row.base_sha, row.head_sha)
                for row in conn.execute(
                    select(compares.c.base_sha, compares.c.head_sha)
                    .where(and_(compares.c.repo == repo, compares.c.status != UNKNOWN_COMPARE))
                    .distinct()
                )
            }
        pending: list[tuple[Deployed | None, Deployed]] = []
        previous: Deployed | None = None
        for row in successful:
            base = (None, None) if previous is None else (previous.deployment_id, previous.sha)
            if existing.get(row.deployment_id) != (*base, row.sha):
                pending.append((previous, row))
            previous = row
        derived = self._range_compares(target, pending) if self.graphql is not None else {}
        batch: list[CompareFact] = []

        def known(base_sha: str, head_sha: str) -> CompareFact | None:
            for fact in batch:  # compared in this batch, not written yet
                if (fact.base_sha, fact.head_sha) == (base_sha, head_sha) and fact.status != UNKNOWN_COMPARE:
                    return fact
            stored = (base_sha, head_sha) in answered
            return self._stored_compare(repo, base_sha, head_sha) if stored else None

        for index, (previous, row) in enumerate(pending, start=1):
            batch.append(self._compare(target, row.deployment_id, row.sha, previous, derived, known))
            if len(batch) >= FLUSH_EVERY or index == len(pending):
                with self.engine.begin() as conn:
                    write_compares(conn, batch)
                self.report.compares += len(batch)
                answered.update(
                    (fact.base_sha, fact.head_sha) for fact in batch if fact.status != UNKNOWN_COMPARE
                )
                batch = []

    def _range_compares(
        self, target: RepoTarget, pending: Sequence[tuple[Deployed | None, Deployed]]
    ) -> dict[tuple[str, str], PairCompare]:
        """Bulk mode: the pending pairs derived from compares of whole ranges (``collector.compare_range``).

        A range runs from the first open pair's base to the last open head that no range fetched so
        far contains (a rollback's head lies inside an earlier range, and would make a short one).
        Ranges are asked while two pairs or more stay open and the last range answered one of them.
        REST mode keeps one compare per pair: it is the reference the equal-stores tests hold the
        derivation to."""
        open_pairs = list(
            dict.fromkeys(
                (previous.sha, row.sha)
                for previous, row in pending
                if previous is not None and previous.sha != row.sha
            )
        )
        derived: dict[tuple[str, str], PairCompare] = {}
        fetched: set[str] = set()
        while len(open_pairs) >= 2:
            base = open_pairs[0][0]
            heads = [head for _, head in open_pairs if head not in fetched and head != base]
            if not heads:
                break
            head = heads[-1]
            try:
                summary, items = self.client.compare(target.name, base, head)
            except NotFoundError:
                break  # each pair is asked on its own, and says what it can
            if len(items) < int(summary.get("total_commits") or 0):
                break  # GitHub cut the list short: the range cannot speak for every pair
            bulk = RangeCompare(base, (parse_commit(item) for item in items))
            fetched.update(bulk.shas | {base, head})
            answered = {pair: bulk.pair(*pair) for pair in open_pairs}
            found = {pair: answer for pair, answer in answered.items() if answer is not None}
            if not found:
                break
            derived.update(found)
            open_pairs = [pair for pair in open_pairs if pair not in found]
        return derived

    def _compare(
        self,
        target: RepoTarget,
        deployment_id: int,
        sha: str,
        previous: Deployed | None,
        derived: Mapping[tuple[str, str], PairCompare],
        known: Callable[[str, str], CompareFact | None],
    ) -> CompareFact:
        def fact(status: str, total: int = 0, commits: tuple[CommitFact, ...] = ()) -> CompareFact:
            return CompareFact(
                repo=target.name,
                source=target.source,
                deployment_id=deployment_id,
                base_deployment_id=None if previous is None else previous.deployment_id,
                base_sha=None if previous is None else previous.sha,
                head_sha=sha,
                status=status,
                total_commits=total,
                commits=commits,
            )

        if previous is None:
            # The first deployment of the collected history: what it shipped is unknown (SPEC §5.2).
            return fact(FIRST_COMPARE)
        if previous.sha == sha:
            # A redeploy of the same commit: GitHub would answer "identical"; save the request.
            return fact("identical")
        same = known(previous.sha, sha)
        if same is not None:
            # The same pair was compared for another deployment (a redeploy after a rollback, or the
            # same commits shipped by two sources): GitHub would answer the same, so ask once.
            return fact(same.status, same.total_commits, same.commits)
        answer = derived.get((previous.sha, sha))
        if answer is not None:
            return fact(answer.status, len(answer.commits), answer.commits)
        try:
            summary, items = self.client.compare(target.name, previous.sha, sha)
        except NotFoundError as exc:
            self._warn(
                f"{target.name}: cannot compare {previous.sha[:12]}...{sha[:12]} ({exc}); changes unknown"
            )
            return fact(UNKNOWN_COMPARE)
        commits = tuple(parse_commit(item) for item in items)
        return fact(
            str(summary.get("status") or UNKNOWN_COMPARE), int(summary.get("total_commits") or 0), commits
        )

    def _stored_compare(self, repo: str, base_sha: str, head_sha: str) -> CompareFact | None:
        """A compare of ``base_sha...head_sha`` already stored for this repository, with its commits."""
        compares, links, commits = schema.deployment_compares, schema.deployment_commits, schema.commits
        with self.engine.connect() as conn:
            row = conn.execute(
                select(compares)
                .where(
                    and_(
                        compares.c.repo == repo,
                        compares.c.base_sha == base_sha,
                        compares.c.head_sha == head_sha,
                        compares.c.status != UNKNOWN_COMPARE,
                    )
                )
                .limit(1)
            ).first()
            if row is None:
                return None
            listed = conn.execute(
                select(commits)
                .join(links, and_(links.c.repo == commits.c.repo, links.c.sha == commits.c.sha))
                .where(
                    and_(
                        links.c.repo == repo,
                        links.c.source == row.source,
                        links.c.deployment_id == row.deployment_id,
                    )
                )
                .order_by(links.c.position)
            ).all()
        return CompareFact(
            repo=repo,
            source=row.source,
            deployment_id=row.deployment_id,
            base_deployment_id=row.base_deployment_id,
            base_sha=base_sha,
            head_sha=head_sha,
            status=row.status,
            total_commits=row.total_commits,
            commits=tuple(
                CommitFact(
                    sha=c.sha,
                    parents=tuple(c.parent_shas.split()),
                    author_date=from_db(c.author_date),  # type: ignore[arg-type]
                    committed_date=from_db(c.committed_date),
                    message=c.message,
                )
                for c in listed
            ),
        )

    # -- pull requests -------------------------------------------------------------------------------

    def sync_pull_requests(
        self, target: RepoTarget, repository: RepositoryFact, *, first_page_only: bool = False
    ) -> bool:
        """Pull requests down to the cursor; with ``first_page_only``, the most recently updated page
        only (the first round of a sync). Returns whether the stream is complete: only then do the
        cursor and the first page's ETag move."""
        repo = target.name
        table = schema.pull_requests
        with self.engine.connect() as conn:
            cursor = _cursor_instant(cursors.read(conn, pulls_cursor(repo)))
            stored = {
                row.number: from_db(row.updated_at)
                for row in conn.execute(
                    select(table.c.number, table.c.updated_at).where(table.c.repo == repo)
                )
            }
        lower = self.since if self.backfill or cursor is None else max(self.since, cursor - PULL_OVERLAP)
        newest: datetime | None = None
        listing = self.client.closed_pulls(repo, self._list_etags())
        pages: Iterable[list[dict[str, Any]]] = listing
        if self.graphql is not None:
            pages = [] if self._unchanged(listing) else self.graphql.pulls(repo)
        for number_of_pages, page in enumerate(pages, start=1):
            batch: list[PullRequestFact] = []
            reached_end = False
            for item in page:
                updated = parse_instant(item.get("updated_at"))
                if updated is None or updated < lower:
                    reached_end = True
                    break
                newest = updated if newest is None or updated > newest else newest
                if not item.get("merged_at") or stored.get(int(item["number"])) == updated:
                    continue
                number = int(item["number"])
                commits = [parse_pull_commit(c) for c in self._pull_commits(repo, number, item)]
                listed = item.get("_reviews")
                reviews = [
                    parse_review(r)
                    for r in (listed if listed is not None else self.client.pull_reviews(repo, number))
                ]
                batch.append(parse_pull_request(repo, item, commits, reviews))
                if len(batch) >= FLUSH_EVERY:
                    self._write_pulls(target, repository, batch)
                    batch = []
            self._write_pulls(target, repository, batch)
            if reached_end:
                break
            # A full first page may have a next one: left for the second round.
            page_size = PULLS_PAGE if self.graphql is not None else PER_PAGE
            if first_page_only and number_of_pages == 1 and len(page) >= page_size:
                return False
        with self.engine.begin() as conn:
            if newest is not None and (cursor is None or newest > cursor):
                cursors.write(conn, pulls_cursor(repo), _iso(newest))
            # Only now that every page down to the cursor is stored may a 304 skip them all.
            self._remember(conn, {listing.key: (listing.etag, None)} if listing.etag else {})
        return True

    def _write_pulls(
        self, target: RepoTarget, repository: RepositoryFact, batch: list[PullRequestFact]
    ) -> None:
        if not batch:
            return
        with self.engine.begin() as conn:
            self.report.pull_requests += write_pull_requests(conn, batch)
            if target.source == "merged_prs":
                merges = (
                    merged_pull_deployment(pull, target.environment)
                    for pull in batch
                    if pull.base_ref == repository.default_branch
                )
                self.report.deployments += write_deployments(conn, [d for d in merges if d])

    def _pull_commits(self, repo: str, number: int, item: dict[str, Any]) -> list[dict[str, Any]]:
        if self.graphql is None or "_commits" not in item:
            listed = self.client.pull_commits(repo, number)
        else:
            # Past the first 100, the commits are paged with their own GraphQL query.
            after = item.get("_commits_after")
            listed = list(item["_commits"]) + (
                self.graphql.pull_commits(repo, number, after) if after else []
            )
        if len(listed) < PULL_COMMITS_LISTED:
            return listed
        # GitHub lists at most 250 commits of a pull request, in either API; the compare of its base and
        # head, which pages past 250, lists them all (SPEC §5.2 takes the earliest of all).
        base, head = (item.get("base") or {}).get("sha"), (item.get("head") or {}).get("sha")
        if not base or not head:
            return listed
        try:
            return self.client.compare(repo, base, head)[1] or listed
        except NotFoundError as exc:
            self._warn(f"{repo}#{number}: cannot list its commits past {len(listed)} ({exc})")
            return listed

    # -- incident issues -----------------------------------------------------------------------------

    def sync_incident_issues(self, target: RepoTarget, labels: Sequence[str]) -> None:
        """Issues with an incident label (SPEC §5.4), by ``updated_at`` descending down to the cursor,
        like pull requests; pull requests, which the issues API lists too, are left out. The list is
        asked from the configured ``since`` (URLs that do not move), each page with its own validator,
        so an unchanged page is a free 304 answered from what its memo kept of it.

        The walk goes on past the cursor, through the issues opened within ``INCIDENT_RECHECK``: an
        issue the list shows as stored (same ``updated_at``) still has its label in this repository,
        and need not be asked again one by one (``_recheck_incident_issues``)."""
        repo = target.name
        listed: set[str] = set()
        shown: dict[str, datetime] = {}
        for label in labels:
            stream = issues_cursor(label, repo)
            with self.engine.connect() as conn:
                cursor = _cursor_instant(cursors.read(conn, stream))
            lower = self.since if self.backfill or cursor is None else max(self.since, cursor - PULL_OVERLAP)
            bound = min(lower, self.now - INCIDENT_RECHECK)
            newest: datetime | None = None
            answers: Validators = {}
            # A backfill asks every page unconditionally, as it does every first page.
            etags = None if self.backfill else self._page_etag
            listing = self.client.issues_with_label(repo, label, self.since, etags, self._known_next)
            for page in listing:
                key = listing.keys[-1]
                if key in listing.unchanged:
                    memo = json.loads(self._memo(key) or "{}")
                    issues = {name: parse_instant(when) for name, when in memo.get("issues", {}).items()}
                    oldest = parse_instant(memo.get("oldest"))
                else:
                    issues, oldest, incidents = {}, None, []
                    for item in page:
                        updated = oldest = parse_instant(item.get("updated_at"))
                        if "pull_request" not in item:
                            fact = parse_incident_issue(repo, item)
                            issues[fact.incident_id] = fact.updated_at
                            if updated is None or updated >= lower:
                                incidents.append(fact)
                                listed.add(fact.incident_id)
                        if updated is not None and updated >= lower and (newest is None or updated > newest):
                            newest = updated
                    if incidents:
                        with self.engine.begin() as conn:
                            self.report.incidents += write_incidents(conn, incidents)
                shown.update({name: when for name, when in issues.items() if when is not None})
                if key in listing.answers:
                    page_memo = {
                        "next": listing.next_links[key],
                        "issues": {name: when and _iso(when) for name, when in issues.items()},
                        "oldest": oldest and _iso(oldest),
                    }
                    answers[key] = (listing.answers[key], json.dumps(page_memo))
                # Sorted by update, newest first: past the bound, no page holds an issue still wanted.
                if oldest is None or oldest < bound:
                    break
            with self.engine.begin() as conn:
                if newest is not None and (cursor is None or newest > cursor):
                    cursors.write(conn, stream, _iso(newest))
                self._remember(conn, answers)
        self._recheck_incident_issues(target, labels, listed, shown)

    def _recheck_incident_issues(
        self, target: RepoTarget, labels: Sequence[str], listed: set[str], shown: Mapping[str, datetime]
    ) -> None:
        """Stored incident issues opened within ``INCIDENT_RECHECK``, neither just listed nor shown by the
        lists as stored, asked again: one without an incident label any more (GitHub matches labels
        whatever their case), moved to another repository or deleted is no incident of this repository,
        as a fresh sync would find."""
        repo, table = target.name, schema.incidents
        wanted = {label.casefold() for label in labels}
        with self.engine.connect() as conn:
            stored = conn.execute(
                select(table.c.incident_id, table.c.updated_at)
                .where(
                    table.c.source == SOURCE,
                    table.c.service == repo,
                    table.c.started_at >= to_db(self.now - INCIDENT_RECHECK),
                )
                .order_by(table.c.started_at, table.c.incident_id)
            ).all()
        for row in stored:
            if row.incident_id in listed or shown.get(row.incident_id, False) == from_db(row.updated_at):
                continue
            number = issue_number(str(row.incident_id))
            key = url_key(f"/repos/{repo}/issues/{number}")
            try:
                answer = self.client.issue_if_changed(repo, number, self._etag(key), from_db(row.updated_at))
            except NotFoundError as exc:
                if exc.status not in (404, 410):
                    continue  # access refused: what is stored stays
                with self.engine.begin() as conn:
                    delete_incident_ids(conn, SOURCE, [str(row.incident_id)])
                continue
            if answer.not_modified:
                continue
            item = answer.data
            here = str(item.get("repository_url") or "").lower().endswith(f"/repos/{repo.lower()}")
            names = {str(label.get("name") or "").casefold() for label in item.get("labels") or ()}
            fact = parse_incident_issue(repo, {**item, "number": number})
            with self.engine.begin() as conn:
                if here and names & wanted:
                    write_incidents(conn, [fact])
                else:
                    delete_incidents(conn, [fact])
                self._remember(conn, {key: (answer.etag, None)} if answer.etag else {})

    # -- all -----------------------------------------------------------------------------------------

    def run(
        self,
        configured: Sequence[RepoTarget],
        organizations: Sequence[str],
        default: RepoTarget,
        incident_labels: Sequence[str] = (),
    ) -> SyncReport:
        """Two rounds share the rate limit fairly between repositories: the first brings every
        repository's deployments, compares, incidents and most recent pull requests (a page); the
        second the older pull requests of those that have more. A budget wait (or a stop, when the
        reset is too far) thus never leaves most repositories without their recent data because a
        few large ones were backfilled first; a stopped sync resumes from the stored facts."""
        repos = self.resolve_repositories(configured, organizations, default)
        deeper: list[tuple[RepositoryFact, RepoTarget]] = []

        def first_round(fact: RepositoryFact, target: RepoTarget) -> None:
            self.sync_deployments(target, fact)
            # merged_prs deployments come from the PRs: all of them before the compares.
            first_page_only = target.source != "merged_prs"
            if not self.sync_pull_requests(target, fact, first_page_only=first_page_only):
                deeper.append((fact, target))
            self.sync_compares(target)
            self.sync_incident_issues(target, incident_labels)

        for index, (fact, target) in enumerate(repos, start=1):
            self.repository_progress(SOURCE, index, len(repos), fact.full_name)
            self._repository(fact.full_name, partial(first_round, fact, target))
        deeper = [(fact, target) for fact, target in deeper if fact.full_name not in self.report.failed]
        if deeper:
            self.progress(f"github: older pull requests of {len(deeper)} repositories")
        for index, (fact, target) in enumerate(deeper, start=1):
            self.repository_progress(SOURCE, index, len(deeper), fact.full_name)
            self._repository(fact.full_name, partial(self.sync_pull_requests, target, fact))
        self.repository_progress(SOURCE, len(repos), len(repos), "")
        return self.report

    def _repository(self, name: str, work: Callable[[], object]) -> None:
        """One repository's work: a repository gone is skipped with a warning, and a GitHub without
        GraphQL turns the rest of the sync to REST, from this repository on (what is stored is the
        same; the work is idempotent, so doing it again over REST loses and doubles nothing)."""
        while True:
            try:
                work()
                self._failing_in_a_row.clear()
                return
            except NotFoundError as exc:
                self._warn(f"repository {name} skipped: {exc}")
                return
            except GraphQLUnavailable as exc:
                if self.graphql is None:
                    raise
                self._warn(f"{exc}: collecting over REST (github.api: rest skips this try)")
                self.graphql = None
            except SourceError as exc:
                # A rejected token or a rate limit is the whole sync's, not the repository's.
                rate_limit = isinstance(exc, TransientSourceError) and exc.retry_after is not None
                if exc.status == 401 or rate_limit:
                    raise
                if not isinstance(exc, TransientSourceError):
                    # An answer we cannot use names the repository, so the one line says where to look.
                    exc.args = (f"repository {name}: {exc}", *exc.args[1:])
                    raise
                self._failed(name, exc)
                return

    def _failed(self, name: str, exc: TransientSourceError) -> None:
        """GitHub kept failing for ``name`` after every retry (a 5xx, its GraphQL failure, a timeout): a
        compare it cannot compute or a repository too large for its time limit fails again at every
        sync, and stopping there would leave every later repository uncollected for good. It is skipped
        (asked again at the next sync, from its own cursors, so nothing is lost) and the run ends in
        error. Several in a row are GitHub's outage, not theirs: the sync stops rather than wait out
        each repository's back-offs."""
        self._failing_in_a_row.append(name)
        if len(self._failing_in_a_row) >= FAILING_IN_A_ROW:
            names = ", ".join(self._failing_in_a_row)
            raise TransientSourceError(
                f"GitHub failed for {len(self._failing_in_a_row)} repositories in a row ({names}); "
                f"stopped: {exc}",
                source=SOURCE,
                status=exc.status,
            ) from exc
        self.report.failed[name] = str(exc)
        self._warn(f"repository {name} skipped this sync: {exc}; asked again at the next sync")


def _with_ids(memo: str | None) -> str | None:
    """A repository memo (one fact, or an organisation page's) written before GitHub's ids were kept
    holds none: as if there were none, so that GitHub is asked again, once, and the id is stored."""
    if memo is None:
        return None
    data = json.loads(memo)
    facts = data.get("repos", []) if isinstance(data, dict) else [data]
    return memo if all(len(fact) >= len(fields(RepositoryFact)) for fact in facts) else None
