"""A loopback imitation of the GitHub REST API, for tests that drive the real PyGithub client.

The server is a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 whose handlers are plain functions over an
in-memory :class:`GitHubDataset`. The dataset stores GitHub-shaped JSON dicts, either built with the helpers
on :class:`RepoData` or loaded verbatim from recorded payloads (see ``github_fixtures.py``); API URLs inside
them are rewritten to the emulator's own base at serve time, so a client following ``url`` fields or
``Link`` headers never leaves the loopback interface.

Where a client can notice, it answers like GitHub: token auth, rate-limit headers and exhaustion, weak
ETags with 304s that cost nothing, ``Link`` pagination in GitHub's exact format, newest-first lists,
``compare`` computed over the commit graph, and error bodies with GitHub's texts. ``inject`` replaces the
next matching answers with faults (rate limits, 5xx, bad credentials, dropped connections).

Typical use::

    dataset = GitHubDataset()
    repo = dataset.add_repo("acme/api")
    c1 = repo.commit("init", author_date=t0)
    repo.deployment(c1, created_at=t1)
    with GitHubEmulator(dataset) as gh:
        client = github.Github(base_url=gh.base_url, auth=github.Auth.Token("test-token"), ...)
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import heapq
import json
import math
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.emulators.loopback import Faults, Loopback, LoopbackHandler

API = "https://api.github.com"
WEB = "https://github.com"
AUTHENTICATED_LOGIN = "doraspace-bot"
ZERO_SHA = "0" * 40

# The default page size and the largest one GitHub accepts on ordinary list endpoints.
PER_PAGE_DEFAULT = 30
PER_PAGE_MAX = 100
# compare/{base}...{head} pages its commits with its own limits (PyGithub documents 250 and 1000).
COMPARE_PER_PAGE_DEFAULT = 250
COMPARE_PER_PAGE_MAX = 1000
# GitHub lists at most 250 commits of a pull request, whatever the pagination.
PULL_COMMITS_MAX = 250

DOC_REST = "https://docs.github.com/rest"
DOC_REPO = "https://docs.github.com/rest/repos/repos#get-a-repository"
DOC_COMPARE = "https://docs.github.com/rest/commits/commits#compare-two-commits"
DOC_COMMIT = "https://docs.github.com/rest/commits/commits#get-a-commit"
DOC_CONTENTS = "https://docs.github.com/rest/repos/contents#get-repository-content"
DOC_PRIMARY = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit"
)
DOC_SECONDARY = (
    "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits"
)
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {request_id}."
)
PRIMARY_MESSAGE = (
    "API rate limit exceeded for user ID {user_id}. "
    "If you reach out to GitHub Support for help, please include the request ID {request_id}."
)

# Keys that only the single-pull endpoint returns; list items lack them, and PyGithub fetches the pull
# again when code reads one of them from a list item, which a test may want to see.
PULL_DETAIL_KEYS = (
    "merged",
    "mergeable",
    "rebaseable",
    "mergeable_state",
    "merged_by",
    "comments",
    "review_comments",
    "maintainer_can_modify",
    "commits",
    "additions",
    "deletions",
    "changed_files",
)


# --------------------------------------------------------------------------------------------- time


def iso(moment: datetime) -> str:
    """GitHub's REST timestamp format: UTC, whole seconds, ``Z``."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: give the emulator aware datetimes")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(value: str) -> datetime:
    """Parse a GitHub timestamp (``Z``, offsets and fractions accepted) into an aware UTC datetime."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _timestamp_or_epoch(value: Any) -> float:
    if not isinstance(value, str):
        return 0.0
    try:
        return parse_timestamp(value).timestamp()
    except ValueError:
        return 0.0


# ------------------------------------------------------------------------------------ JSON shapes


def _sha1_hex(data: bytes) -> str:
    # Git object names are sha1; nothing here is a security boundary.
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def _stable_id(text: str) -> int:
    return int(_sha1_hex(text.encode())[:7], 16)


def _node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0{kind}{number}".encode()).decode().rstrip("=")


def user_json(login: str, *, kind: str = "User") -> dict[str, Any]:
    """A GitHub "simple user" object for ``login`` (ids are derived from the login, so stable)."""
    uid = _stable_id(login)
    user = f"{API}/users/{login}"
    return {
        "login": login,
        "id": uid,
        "node_id": _node_id("U", uid),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
        "gravatar_id": "",
        "url": user,
        "html_url": f"{WEB}/{login}",
        "followers_url": f"{user}/followers",
        "following_url": f"{user}/following{{/other_user}}",
        "gists_url": f"{user}/gists{{/gist_id}}",
        "starred_url": f"{user}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{user}/subscriptions",
        "organizations_url": f"{user}/orgs",
        "repos_url": f"{user}/repos",
        "events_url": f"{user}/events{{/privacy}}",
        "received_events_url": f"{user}/received_events",
        "type": kind,
        "site_admin": False,
    }


def org_json(login: str) -> dict[str, Any]:
    uid = _stable_id(login)
    org = f"{API}/orgs/{login}"
    return {
        "login": login,
        "id": uid,
        "node_id": _node_id("O", uid),
        "url": org,
        "repos_url": f"{org}/repos",
        "events_url": f"{org}/events",
        "hooks_url": f"{org}/hooks",
        "issues_url": f"{org}/issues",
        "members_url": f"{org}/members{{/member}}",
        "public_members_url": f"{org}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
        "description": None,
        "name": login,
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "is_verified": False,
        "has_organization_projects": True,
        "has_repository_projects": True,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "html_url": f"{WEB}/{login}",
        "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2020-01-01T00:00:00Z",
        "archived_at": None,
        "type": "Organization",
    }


def label_json(full_name: str, name: str) -> dict[str, Any]:
    lid = _stable_id(f"{full_name}#{name}")
    return {
        "id": lid,
        "node_id": _node_id("L", lid),
        "url": f"{API}/repos/{full_name}/labels/{urllib.parse.quote(name)}",
        "name": name,
        "color": "ededed",
        "default": False,
        "description": None,
    }


# ---------------------------------------------------------------------------------------- dataset


@dataclass(eq=False)
class RepoData:
    """One repository: GitHub-shaped JSON dicts, served as stored (after URL rewriting).

    The builders fill the dicts; tests may also edit or append dicts directly. ``branches`` maps branch
    names to shas; ``commit(parents=None)`` commits on the default branch and moves it, and the merge
    helpers move the default branch when they merge onto its tip.
    """

    full_name: str
    default_branch: str
    dataset: GitHubDataset = field(repr=False)
    id: int = 0
    archived: bool = False
    commits: dict[str, dict[str, Any]] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)  # tag name -> sha (lightweight tags)
    deployments: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    pulls: list[dict[str, Any]] = field(default_factory=list)
    pull_commits: dict[int, list[str | dict[str, Any]]] = field(default_factory=dict)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    workflow_runs: list[dict[str, Any]] = field(default_factory=list)
    releases: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    # Issues gone from the lists: deleted (GET answers 410) or transferred (GET answers 301 to the new
    # repository's issue), by number.
    deleted_issues: set[int] = field(default_factory=set)
    moved_issues: dict[int, tuple[str, int]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    # Recorded compare payloads served verbatim, keyed "base...head" as written in the request path.
    comparisons: dict[str, dict[str, Any]] = field(default_factory=dict)
    _sha_counter: int = field(default=0, repr=False)
    _workflow_ids: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[1]

    @property
    def api_url(self) -> str:
        return f"{API}/repos/{self.full_name}"

    # ------------------------------------------------------------------ commits

    def commit(
        self,
        message: str,
        *,
        parents: list[str] | None = None,
        author_date: datetime,
        committer_date: datetime | None = None,
        author_login: str = "dev",
        committer_login: str | None = None,
        branch: str | None = None,
    ) -> str:
        """Add a commit and return its sha (sha1 of repo, counter and message: deterministic).

        ``parents=None`` commits on top of ``branch`` (default: the default branch; a new branch starts
        from the default branch's tip, and the first commit is a root) and moves that branch. Explicit
        ``parents`` make a commit that moves no branch unless ``branch`` is given.
        """
        target = branch
        if parents is None:
            target = branch or self.default_branch
            tip = self.branches.get(target) or self.branches.get(self.default_branch)
            parents = [tip] if tip else []
        unknown = [p for p in parents if p not in self.commits]
        if unknown:
            raise ValueError(f"{self.full_name}: unknown parent commit(s) {unknown}")
        self._sha_counter += 1
        sha = _sha1_hex(f"{self.full_name}\n{self._sha_counter}\n{message}".encode())
        self.commits[sha] = self._commit_json(
            sha,
            message,
            parents,
            author_login=author_login,
            committer_login=committer_login or author_login,
            author_date=author_date,
            committer_date=committer_date or author_date,
        )
        if target is not None:
            self.branches[target] = sha
        return sha

    def squash_merge(
        self,
        pr_commits: Sequence[str],
        onto: str,
        message: str,
        date: datetime,
        *,
        author_login: str | None = None,
    ) -> str:
        """GitHub's "squash and merge": one new commit whose only parent is ``onto``, dated ``date``.

        The PR commits stay in the dataset (the PR's commit list still shows them) but are not
        reachable from the result. Author defaults to the author of the first PR commit.
        """
        login = author_login or (self._author_login(pr_commits[0]) if pr_commits else "dev")
        sha = self.commit(
            message,
            parents=[onto],
            author_date=date,
            committer_date=date,
            author_login=login,
            committer_login="web-flow",
        )
        self._advance_default_branch(onto, sha)
        return sha

    def merge_commit(
        self, onto: str, head: str, message: str, date: datetime, *, author_login: str | None = None
    ) -> str:
        """GitHub's "create a merge commit": parents ``[onto, head]``, dated ``date``."""
        sha = self.commit(
            message,
            parents=[onto, head],
            author_date=date,
            committer_date=date,
            author_login=author_login or self._author_login(head),
            committer_login="web-flow",
        )
        self._advance_default_branch(onto, sha)
        return sha

    def rebase_merge(self, commits_spec: Sequence[str], onto: str, *, date: datetime) -> list[str]:
        """GitHub's "rebase and merge": copies of ``commits_spec`` (PR commit shas, in order) replayed
        onto ``onto``. Copies keep message, author and author date; their committer date is ``date``.
        Returns the new shas in order; the last one is what GitHub reports as ``merge_commit_sha``.
        """
        copies: list[str] = []
        parent = onto
        for original_sha in commits_spec:
            original = self.commits[original_sha]
            parent = self.commit(
                original["commit"]["message"],
                parents=[parent],
                author_date=parse_timestamp(original["commit"]["author"]["date"]),
                committer_date=date,
                author_login=self._author_login(original_sha),
                committer_login="web-flow",
            )
            copies.append(parent)
        if copies:
            self._advance_default_branch(onto, copies[-1])
        return copies

    def _advance_default_branch(self, onto: str, new_tip: str) -> None:
        if self.branches.get(self.default_branch) == onto:
            self.branches[self.default_branch] = new_tip

    def _author_login(self, sha: str) -> str:
        author = self.commits[sha].get("author") or {}
        login = author.get("login")
        return login if isinstance(login, str) else "dev"

    def _commit_json(
        self,
        sha: str,
        message: str,
        parents: Sequence[str],
        *,
        author_login: str,
        committer_login: str,
        author_date: datetime,
        committer_date: datetime,
    ) -> dict[str, Any]:
        repo = self.api_url
        return {
            "sha": sha,
            "node_id": _node_id("C", _stable_id(sha)),
            "commit": {
                "author": {
                    "name": author_login,
                    "email": f"{author_login}@users.noreply.github.com",
                    "date": iso(author_date),
                },
                "committer": {
                    "name": "GitHub" if committer_login == "web-flow" else committer_login,
                    "email": (
                        "noreply@github.com"
                        if committer_login == "web-flow"
                        else f"{committer_login}@users.noreply.github.com"
                    ),
                    "date": iso(committer_date),
                },
                "message": message,
                "tree": {
                    "sha": _sha1_hex(f"tree {sha}".encode()),
                    "url": f"{repo}/git/trees/{sha}",
                },
                "url": f"{repo}/git/commits/{sha}",
                "comment_count": 0,
                "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None},
            },
            "url": f"{repo}/commits/{sha}",
            "html_url": f"{WEB}/{self.full_name}/commit/{sha}",
            "comments_url": f"{repo}/commits/{sha}/comments",
            "author": user_json(author_login),
            "committer": user_json(committer_login),
            "parents": [
                {"sha": p, "url": f"{repo}/commits/{p}", "html_url": f"{WEB}/{self.full_name}/commit/{p}"}
                for p in parents
            ],
        }

    # ------------------------------------------------------------------ deployments

    def deployment(
        self,
        sha: str,
        *,
        environment: str = "production",
        created_at: datetime,
        statuses: Iterable[tuple[str, datetime]] | None = None,
        ref: str | None = None,
        task: str = "deploy",
        creator: str = "deployer",
        description: str | None = None,
    ) -> int:
        """Add a deployment of ``sha`` and return its id.

        ``statuses`` are (state, created_at) pairs, oldest first; ``None`` means one ``success`` status
        at ``created_at``, an empty list means none. ``ref`` defaults to the default branch.
        """
        deployment_id = self.dataset.next_id()
        url = f"{self.api_url}/deployments/{deployment_id}"
        self.deployments.append(
            {
                "url": url,
                "id": deployment_id,
                "node_id": _node_id("D", deployment_id),
                "sha": sha,
                "ref": ref or self.default_branch,
                "task": task,
                "payload": {},
                "original_environment": environment,
                "environment": environment,
                "description": description,
                "creator": user_json(creator),
                "created_at": iso(created_at),
                "updated_at": iso(created_at),
                "statuses_url": f"{url}/statuses",
                "repository_url": self.api_url,
                "transient_environment": False,
                "production_environment": environment == "production",
            }
        )
        self.statuses[deployment_id] = []
        for state, at in statuses if statuses is not None else [("success", created_at)]:
            self.add_status(deployment_id, state, at)
        return deployment_id

    def add_status(self, deployment_id: int, state: str, created_at: datetime) -> None:
        """Append a status (states: error, failure, inactive, in_progress, queued, pending, success)."""
        deployment = next((d for d in self.deployments if d["id"] == deployment_id), None)
        if deployment is None:
            raise KeyError(f"{self.full_name}: no deployment {deployment_id}")
        status_id = self.dataset.next_id()
        url = f"{self.api_url}/deployments/{deployment_id}"
        self.statuses.setdefault(deployment_id, []).append(
            {
                "url": f"{url}/statuses/{status_id}",
                "id": status_id,
                "node_id": _node_id("DS", status_id),
                "state": state,
                "creator": deployment["creator"],
                "description": "",
                "environment": deployment["environment"],
                "target_url": "",
                "created_at": iso(created_at),
                "updated_at": iso(created_at),
                "deployment_url": url,
                "repository_url": self.api_url,
                "environment_url": "",
                "log_url": "",
            }
        )
        if iso(created_at) > deployment["updated_at"]:
            deployment["updated_at"] = iso(created_at)

    # ------------------------------------------------------------------ pulls and issues

    def _next_number(self) -> int:
        numbers = [p["number"] for p in self.pulls] + [i["number"] for i in self.issues]
        return max(numbers, default=0) + 1

    def pull(
        self,
        *,
        number: int | None = None,
        title: str,
        author: str,
        created_at: datetime,
        commits: Sequence[str],
        merged_at: datetime | None,
        merge_commit_sha: str | None,
        labels: Iterable[str] = (),
        reviews: Iterable[tuple[str, str, datetime]] = (),
        updated_at: datetime | None = None,
        base: str | None = None,
        state: str | None = None,
        closed_at: datetime | None = None,
        body: str | None = None,
    ) -> int:
        """Add a pull request with its commits (shas, stored in this order) and reviews; return its number.

        ``reviews`` are (login, APPROVED|COMMENTED|CHANGES_REQUESTED|PENDING, submitted_at); a PENDING
        review is served without ``submitted_at``, as GitHub does. ``state`` defaults to closed when
        merged, else open; ``closed_at`` defaults to ``merged_at``, or ``updated_at`` for a closed,
        unmerged PR. ``base`` defaults to the default branch; numbers are shared with issues.
        """
        number = number if number is not None else self._next_number()
        state = state or ("closed" if merged_at is not None else "open")
        base = base or self.default_branch
        review_list = list(reviews)
        moments = [created_at, merged_at, closed_at, *(at for _, _, at in review_list)]
        updated_at = updated_at or max(m for m in moments if m is not None)
        if closed_at is None and state == "closed":
            closed_at = merged_at or updated_at
        head_sha = commits[-1] if commits else (merge_commit_sha or ZERO_SHA)
        first_parents = self.commits.get(commits[0], {}).get("parents", []) if commits else []
        base_sha = first_parents[0]["sha"] if first_parents else self.branches.get(base, ZERO_SHA)
        pull_id = self.dataset.next_id()
        repo = self.api_url
        web = f"{WEB}/{self.full_name}/pull/{number}"
        owner = user_json(self.owner)
        repo_json = self.repo_json()
        head_ref = f"pr-{number}"
        self.pulls.append(
            {
                "url": f"{repo}/pulls/{number}",
                "id": pull_id,
                "node_id": _node_id("PR", pull_id),
                "html_url": web,
                "diff_url": f"{web}.diff",
                "patch_url": f"{web}.patch",
                "issue_url": f"{repo}/issues/{number}",
                "commits_url": f"{repo}/pulls/{number}/commits",
                "review_comments_url": f"{repo}/pulls/{number}/comments",
                "review_comment_url": f"{repo}/pulls/comments{{/number}}",
                "comments_url": f"{repo}/issues/{number}/comments",
                "statuses_url": f"{repo}/statuses/{head_sha}",
                "number": number,
                "state": state,
                "locked": False,
                "title": title,
                "user": user_json(author),
                "body": body,
                "labels": [label_json(self.full_name, name) for name in labels],
                "milestone": None,
                "active_lock_reason": None,
                "created_at": iso(created_at),
                "updated_at": iso(updated_at),
                "closed_at": iso(closed_at) if closed_at else None,
                "merged_at": iso(merged_at) if merged_at else None,
                "merge_commit_sha": merge_commit_sha,
                "assignee": None,
                "assignees": [],
                "requested_reviewers": [],
                "requested_teams": [],
                "head": {
                    "label": f"{self.owner}:{head_ref}",
                    "ref": head_ref,
                    "sha": head_sha,
                    "user": owner,
                    "repo": repo_json,
                },
                "base": {
                    "label": f"{self.owner}:{base}",
                    "ref": base,
                    "sha": base_sha,
                    "user": owner,
                    "repo": repo_json,
                },
                "_links": {
                    "self": {"href": f"{repo}/pulls/{number}"},
                    "html": {"href": web},
                    "issue": {"href": f"{repo}/issues/{number}"},
                    "comments": {"href": f"{repo}/issues/{number}/comments"},
                    "review_comments": {"href": f"{repo}/pulls/{number}/comments"},
                    "review_comment": {"href": f"{repo}/pulls/comments{{/number}}"},
                    "commits": {"href": f"{repo}/pulls/{number}/commits"},
                    "statuses": {"href": f"{repo}/statuses/{head_sha}"},
                },
                "author_association": "CONTRIBUTOR",
                "auto_merge": None,
                "draft": False,
            }
        )
        self.pull_commits[number] = list(commits)
        self.reviews[number] = []
        for login, review_state, submitted_at in review_list:
            self.add_review(number, login, review_state, submitted_at)
        return number

    def add_review(self, number: int, login: str, state: str, submitted_at: datetime) -> int:
        """Append a review to pull ``number``; returns the review id."""
        review_id = self.dataset.next_id()
        commits = self.pull_commits.get(number) or []
        last = commits[-1] if commits else None
        commit_id = last if isinstance(last, str) else (last or {}).get("sha")
        html = f"{WEB}/{self.full_name}/pull/{number}#pullrequestreview-{review_id}"
        pull_url = f"{self.api_url}/pulls/{number}"
        review: dict[str, Any] = {
            "id": review_id,
            "node_id": _node_id("PRR", review_id),
            "user": user_json(login),
            "body": "",
            "state": state,
            "html_url": html,
            "pull_request_url": pull_url,
            "author_association": "CONTRIBUTOR",
            "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
            "commit_id": commit_id,
        }
        if state != "PENDING":
            review["submitted_at"] = iso(submitted_at)
        self.reviews.setdefault(number, []).append(review)
        return review_id

    def issue(
        self,
        *,
        title: str,
        created_at: datetime,
        closed_at: datetime | None = None,
        labels: Iterable[str] = (),
        author: str = "dev",
        number: int | None = None,
        updated_at: datetime | None = None,
        body: str | None = None,
    ) -> int:
        """Add an issue (closed when ``closed_at`` is given); return its number."""
        number = number if number is not None else self._next_number()
        issue_id = self.dataset.next_id()
        url = f"{self.api_url}/issues/{number}"
        updated_at = updated_at or closed_at or created_at
        self.issues.append(
            {
                "url": url,
                "repository_url": self.api_url,
                "labels_url": f"{url}/labels{{/name}}",
                "comments_url": f"{url}/comments",
                "events_url": f"{url}/events",
                "html_url": f"{WEB}/{self.full_name}/issues/{number}",
                "id": issue_id,
                "node_id": _node_id("I", issue_id),
                "number": number,
                "title": title,
                "user": user_json(author),
                "labels": [label_json(self.full_name, name) for name in labels],
                "state": "closed" if closed_at else "open",
                "locked": False,
                "assignee": None,
                "assignees": [],
                "milestone": None,
                "comments": 0,
                "created_at": iso(created_at),
                "updated_at": iso(updated_at),
                "closed_at": iso(closed_at) if closed_at else None,
                "author_association": "CONTRIBUTOR",
                "active_lock_reason": None,
                "body": body,
                "closed_by": None,
                "state_reason": "completed" if closed_at else None,
                "timeline_url": f"{url}/timeline",
                "performed_via_github_app": None,
            }
        )
        return number

    def relabel_issue(self, number: int, labels: Iterable[str], updated_at: datetime) -> None:
        """Set an issue's labels (a label added or removed on GitHub), moving its ``updated_at``."""
        issue = next(i for i in self.issues if i["number"] == number)
        issue["labels"] = [label_json(self.full_name, name) for name in labels]
        issue["updated_at"] = iso(updated_at)

    def delete_issue(self, number: int) -> None:
        """Delete an issue: it leaves the lists and its GET answers 410 Gone, as GitHub's."""
        self.issues[:] = [i for i in self.issues if i["number"] != number]
        self.deleted_issues.add(number)

    def transfer_issue(self, number: int, to: RepoData, updated_at: datetime) -> int:
        """Transfer an issue to ``to`` under a new number (returned), labels kept: the old GET answers
        301 to the new one, as GitHub's."""
        issue = next(i for i in self.issues if i["number"] == number)
        self.issues.remove(issue)
        labels = [label["name"] for label in issue["labels"]]
        created = datetime.fromisoformat(issue["created_at"].replace("Z", "+00:00"))
        closed = issue["closed_at"] and datetime.fromisoformat(issue["closed_at"].replace("Z", "+00:00"))
        moved = to.issue(
            title=issue["title"],
            created_at=created,
            closed_at=closed or None,
            labels=labels,
            updated_at=updated_at,
            body=issue["body"],
        )
        self.moved_issues[number] = (to.full_name, moved)
        return moved

    # ------------------------------------------------------------------ runs and releases

    def workflow_run(
        self,
        head_sha: str,
        *,
        workflow: str = "deploy.yml",
        name: str | None = None,
        branch: str | None = None,
        event: str = "push",
        status: str = "completed",
        conclusion: str | None = "success",
        created_at: datetime,
        updated_at: datetime | None = None,
        run_attempt: int = 1,
        actor: str = "dev",
    ) -> int:
        """Add a GitHub Actions run of ``.github/workflows/<workflow>``; return its id.

        Like GitHub, a run has no ``completed_at``: a completed run's ``updated_at`` is its end.
        """
        if workflow not in self._workflow_ids:
            self._workflow_ids[workflow] = self.dataset.next_id()
        workflow_id = self._workflow_ids[workflow]
        run_id = self.dataset.next_id()
        run_number = 1 + sum(1 for r in self.workflow_runs if r.get("workflow_id") == workflow_id)
        url = f"{self.api_url}/actions/runs/{run_id}"
        commit = self.commits.get(head_sha, {}).get("commit", {})
        author = commit.get("author") or {"name": actor, "email": f"{actor}@users.noreply.github.com"}
        self.workflow_runs.append(
            {
                "id": run_id,
                "name": name or workflow.rsplit(".", 1)[0],
                "node_id": _node_id("WFR", run_id),
                "head_branch": branch or self.default_branch,
                "head_sha": head_sha,
                "path": f".github/workflows/{workflow}",
                "display_title": commit.get("message", workflow).split("\n", 1)[0],
                "run_number": run_number,
                "event": event,
                "status": status,
                "conclusion": conclusion,
                "workflow_id": workflow_id,
                "check_suite_id": run_id + 1,
                "check_suite_node_id": _node_id("CS", run_id + 1),
                "url": url,
                "html_url": f"{WEB}/{self.full_name}/actions/runs/{run_id}",
                "pull_requests": [],
                "created_at": iso(created_at),
                "updated_at": iso(updated_at or created_at),
                "actor": user_json(actor),
                "run_attempt": run_attempt,
                "referenced_workflows": [],
                "run_started_at": iso(created_at),
                "triggering_actor": user_json(actor),
                "jobs_url": f"{url}/jobs",
                "logs_url": f"{url}/logs",
                "check_suite_url": f"{self.api_url}/check-suites/{run_id + 1}",
                "artifacts_url": f"{url}/artifacts",
                "cancel_url": f"{url}/cancel",
                "rerun_url": f"{url}/rerun",
                "previous_attempt_url": None,
                "workflow_url": f"{self.api_url}/actions/workflows/{workflow_id}",
                "head_commit": {
                    "id": head_sha,
                    "tree_id": commit.get("tree", {}).get("sha", ZERO_SHA),
                    "message": commit.get("message", ""),
                    "timestamp": commit.get("committer", {}).get("date", iso(created_at)),
                    "author": {"name": author["name"], "email": author["email"]},
                    "committer": {"name": author["name"], "email": author["email"]},
                },
                "repository": self.repo_json(),
                "head_repository": self.repo_json(),
            }
        )
        return run_id

    def release(
        self,
        tag_name: str,
        *,
        published_at: datetime | None,
        created_at: datetime | None = None,
        draft: bool = False,
        prerelease: bool = False,
        target_commitish: str | None = None,
        name: str | None = None,
        author: str = "dev",
    ) -> int:
        """Add a release; drafts have ``published_at=None``. Returns its id."""
        release_id = self.dataset.next_id()
        created = created_at or published_at
        if created is None:
            raise ValueError("a release needs created_at or published_at")
        url = f"{self.api_url}/releases/{release_id}"
        self.releases.append(
            {
                "url": url,
                "html_url": f"{WEB}/{self.full_name}/releases/tag/{tag_name}",
                "assets_url": f"{url}/assets",
                "upload_url": f"https://uploads.github.com/repos/{self.full_name}/releases/{release_id}/assets"
                "{?name,label}",
                "tarball_url": f"{self.api_url}/tarball/{tag_name}",
                "zipball_url": f"{self.api_url}/zipball/{tag_name}",
                "id": release_id,
                "node_id": _node_id("RE", release_id),
                "tag_name": tag_name,
                "target_commitish": target_commitish or self.default_branch,
                "name": name or tag_name,
                "body": "",
                "draft": draft,
                "prerelease": prerelease,
                "created_at": iso(created),
                "published_at": iso(published_at) if published_at else None,
                "author": user_json(author),
                "assets": [],
            }
        )
        return release_id

    # ------------------------------------------------------------------ repository JSON and refs

    def pushed_at(self) -> str:
        """GitHub's last push to any branch. Here it moves with the files (a file changes only with a
        push: the collector trusts that a missing catalog file has not appeared while it stays), not
        with commits, so that a commit alone leaves the repository listings' ETags as they were."""
        if not self.files:
            return "2020-01-01T00:00:00Z"
        content = json.dumps(sorted(self.files.items())).encode()
        seconds = int(hashlib.sha1(content, usedforsecurity=False).hexdigest()[:7], 16)
        return iso(datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds))

    def repo_json(self) -> dict[str, Any]:
        """The full repository object GitHub returns from ``GET /repos/{owner}/{repo}``."""
        api = self.api_url
        is_org = self.dataset.find_org(self.owner) is not None
        owner = user_json(self.owner, kind="Organization" if is_org else "User")
        return {
            "id": self.id,
            "node_id": _node_id("R", self.id),
            "name": self.name,
            "full_name": self.full_name,
            "private": False,
            "owner": owner,
            "html_url": f"{WEB}/{self.full_name}",
            "description": None,
            "fork": False,
            "url": api,
            "forks_url": f"{api}/forks",
            "keys_url": f"{api}/keys{{/key_id}}",
            "collaborators_url": f"{api}/collaborators{{/collaborator}}",
            "teams_url": f"{api}/teams",
            "hooks_url": f"{api}/hooks",
            "issue_events_url": f"{api}/issues/events{{/number}}",
            "events_url": f"{api}/events",
            "assignees_url": f"{api}/assignees{{/user}}",
            "branches_url": f"{api}/branches{{/branch}}",
            "tags_url": f"{api}/tags",
            "blobs_url": f"{api}/git/blobs{{/sha}}",
            "git_tags_url": f"{api}/git/tags{{/sha}}",
            "git_refs_url": f"{api}/git/refs{{/sha}}",
            "trees_url": f"{api}/git/trees{{/sha}}",
            "statuses_url": f"{api}/statuses/{{sha}}",
            "languages_url": f"{api}/languages",
            "stargazers_url": f"{api}/stargazers",
            "contributors_url": f"{api}/contributors",
            "subscribers_url": f"{api}/subscribers",
            "subscription_url": f"{api}/subscription",
            "commits_url": f"{api}/commits{{/sha}}",
            "git_commits_url": f"{api}/git/commits{{/sha}}",
            "comments_url": f"{api}/comments{{/number}}",
            "issue_comment_url": f"{api}/issues/comments{{/number}}",
            "contents_url": f"{api}/contents/{{+path}}",
            "compare_url": f"{api}/compare/{{base}}...{{head}}",
            "merges_url": f"{api}/merges",
            "archive_url": f"{api}/{{archive_format}}{{/ref}}",
            "downloads_url": f"{api}/downloads",
            "issues_url": f"{api}/issues{{/number}}",
            "pulls_url": f"{api}/pulls{{/number}}",
            "milestones_url": f"{api}/milestones{{/number}}",
            "notifications_url": f"{api}/notifications{{?since,all,participating}}",
            "labels_url": f"{api}/labels{{/name}}",
            "releases_url": f"{api}/releases{{/id}}",
            "deployments_url": f"{api}/deployments",
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z",
            "pushed_at": self.pushed_at(),
            "git_url": f"git://github.com/{self.full_name}.git",
            "ssh_url": f"git@github.com:{self.full_name}.git",
            "clone_url": f"{WEB}/{self.full_name}.git",
            "svn_url": f"{WEB}/{self.full_name}",
            "homepage": None,
            "size": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": None,
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": True,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": self.archived,
            "disabled": False,
            "open_issues_count": sum(1 for i in self.issues if i.get("state") == "open"),
            "license": None,
            "allow_forking": True,
            "is_template": False,
            "web_commit_signoff_required": False,
            "topics": [],
            "visibility": "public",
            "forks": 0,
            "open_issues": sum(1 for i in self.issues if i.get("state") == "open"),
            "watchers": 0,
            "default_branch": self.default_branch,
            "permissions": {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True},
        }

    def resolve(self, ref: str) -> str | None:
        """The commit sha ``ref`` names: a sha, a branch, ``owner:branch`` or a unique sha prefix (7+)."""
        if ref in self.commits:
            return ref
        if ref in self.branches:
            return self.branches[ref]
        if ref in self.tags:
            return self.tags[ref]
        if ":" in ref:
            owner, _, rest = ref.partition(":")
            if owner.lower() == self.owner.lower():
                return self.resolve(rest)
            return None
        if 7 <= len(ref) < 40 and re.fullmatch(r"[0-9a-fA-F]+", ref):
            matches = [sha for sha in self.commits if sha.startswith(ref.lower())]
            if len(matches) == 1:
                return matches[0]
        return None

    def ancestors(self, sha: str) -> set[str]:
        """``sha`` and every commit reachable through parents that the dataset holds."""
        seen: set[str] = set()
        stack = [sha]
        while stack:
            current = stack.pop()
            if current in seen or current not in self.commits:
                continue
            seen.add(current)
            stack.extend(p["sha"] for p in self.commits[current].get("parents", []))
        return seen


@dataclass(eq=False)
class GitHubDataset:
    """Everything the emulator serves. Repos are looked up case-insensitively, as on GitHub."""

    repos: dict[str, RepoData] = field(default_factory=dict)
    orgs: dict[str, list[str]] = field(default_factory=dict)
    # Former names (lower-cased) of renamed repos: GitHub answers them with a 301 to /repositories/{id}.
    former_names: dict[str, RepoData] = field(default_factory=dict)
    _last_id: int = field(default=0, repr=False)

    def next_id(self) -> int:
        """A fresh numeric id; one counter for all kinds, so ids never collide across kinds."""
        self._last_id += 1
        return self._last_id

    def add_repo(self, full_name: str, default_branch: str = "main") -> RepoData:
        """Add an empty repo and list it under its owner in ``orgs`` (so /orgs/{owner}/repos finds it;
        listing it there again is harmless)."""
        if "/" not in full_name:
            raise ValueError(f"repo name {full_name!r} is not owner/name")
        if self.find_repo(full_name) is not None:
            raise ValueError(f"repo {full_name} already exists")
        repo = RepoData(full_name=full_name, default_branch=default_branch, dataset=self, id=self.next_id())
        self.repos[full_name] = repo
        self.orgs.setdefault(repo.owner, []).append(full_name)
        return repo

    def remove_repo(self, full_name: str) -> None:
        """Delete a repo: afterwards every /repos/{full_name}/... answers 404 and no org lists it."""
        repo = self.find_repo(full_name)
        if repo is None:
            raise KeyError(full_name)
        del self.repos[repo.full_name]
        for names in self.orgs.values():
            names[:] = [n for n in names if n.lower() != repo.full_name.lower()]

    def rename_repo(self, repo: RepoData, new_name: str) -> None:
        """Rename ``repo`` as GitHub does: its payloads and listings carry ``new_name`` from now on, its
        id stays, and its former name answers 301 to ``/repositories/{id}`` until another repository
        takes that name."""
        old = repo.full_name
        del self.repos[old]
        for names in self.orgs.values():
            names[:] = [n for n in names if n.lower() != old.lower()]
        repo.full_name = new_name
        self.repos[new_name] = repo
        self.orgs.setdefault(repo.owner, []).append(new_name)
        self.former_names[old.lower()] = repo

    def find_repo(self, full_name: str) -> RepoData | None:
        wanted = full_name.lower()
        return next((r for name, r in self.repos.items() if name.lower() == wanted), None)

    def find_org(self, login: str) -> str | None:
        wanted = login.lower()
        return next((name for name in self.orgs if name.lower() == wanted), None)


# ----------------------------------------------------------------------------------------- faults


@dataclass(frozen=True)
class Fault:
    """An answer that replaces the real one. Build with the class methods, e.g.
    ``Fault.secondary_rate_limit(retry_after=1)``.

    ``message`` may use ``{request_id}`` and ``{user_id}``; ``reset_in`` makes the response say the
    primary limit is spent (``x-ratelimit-remaining: 0``, reset ``reset_in`` seconds from the clock).
    """

    status: int
    message: str | None = None
    documentation_url: str | None = None
    retry_after: int | None = None
    reset_in: float | None = None
    status_field: bool = True
    rate_headers: bool = True
    drop_connection: bool = False

    @classmethod
    def secondary_rate_limit(cls, retry_after: int | None = None) -> Fault:
        """403 "You have exceeded a secondary rate limit..." with ``retry-after`` when given."""
        return cls(403, SECONDARY_MESSAGE, DOC_SECONDARY, retry_after=retry_after)

    @classmethod
    def primary_rate_limit(cls, reset_in: float = 60.0) -> Fault:
        """403 "API rate limit exceeded for user ID ...", remaining 0, reset ``reset_in`` s from now."""
        return cls(403, PRIMARY_MESSAGE, DOC_PRIMARY, reset_in=reset_in)

    @classmethod
    def too_many_requests(cls, retry_after: int | None = None) -> Fault:
        """429 with the secondary-rate-limit body, ``retry-after`` when given."""
        return cls(429, SECONDARY_MESSAGE, DOC_SECONDARY, retry_after=retry_after)

    @classmethod
    def server_error(cls, status: int = 502) -> Fault:
        """5xx ``{"message": "Server Error"}``, without rate-limit headers (the edge answers these)."""
        return cls(status, "Server Error", None, status_field=False, rate_headers=False)

    @classmethod
    def bad_credentials(cls) -> Fault:
        return cls(401, "Bad credentials", DOC_REST)

    @classmethod
    def not_found(cls) -> Fault:
        return cls(404, "Not Found", DOC_REST)

    @classmethod
    def connection_reset(cls) -> Fault:
        """Close the connection without answering (the client sees a dropped connection)."""
        return cls(0, drop_connection=True, rate_headers=False)


@dataclass(frozen=True)
class RequestRecord:
    """One request the emulator answered (``headers`` keys are lower-case; ``status`` 0 means the
    connection was dropped by ``Fault.connection_reset()``)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int


# ------------------------------------------------------------------------------- request / reply


@dataclass(frozen=True)
class ApiRequest:
    """What a handler sees: the parsed request and the state it may read."""

    path: str
    raw_query: str
    query: dict[str, str]
    base_url: str
    dataset: GitHubDataset
    rate_limit: int
    rate_remaining: int
    rate_reset: int


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(status: int, message: str, documentation_url: str = DOC_REST) -> Reply:
    return Reply(status, {"message": message, "documentation_url": documentation_url, "status": str(status)})


def not_found(documentation_url: str = DOC_REST) -> Reply:
    return error_reply(404, "Not Found", documentation_url)


class InvalidParameter(Exception):
    """A query parameter GitHub would refuse; answered with 422."""

    def __init__(self, name: str, value: str) -> None:
        super().__init__(f"Invalid value {value!r} for parameter {name!r}")


def _query_timestamp(req: ApiRequest, name: str) -> float:
    try:
        return parse_timestamp(req.query[name]).timestamp()
    except ValueError as error:
        raise InvalidParameter(name, req.query[name]) from error


def _int_param(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _page_url(req: ApiRequest, page: int) -> str:
    # GitHub keeps the caller's other parameters, in their order and encoding, and sets page.
    pieces = [p for p in req.raw_query.split("&") if p]
    replaced = False
    for index, piece in enumerate(pieces):
        if urllib.parse.unquote_plus(piece.split("=", 1)[0]) == "page":
            pieces[index] = f"page={page}"
            replaced = True
    if not replaced:
        pieces.append(f"page={page}")
    return f"{req.base_url}{req.path}?{'&'.join(pieces)}"


def link_header(req: ApiRequest, page: int, last_page: int) -> str | None:
    """GitHub's ``Link`` value: rels in the order prev, next, last, first; ``", "`` and ``"; "``."""
    rels: list[tuple[str, int]] = []
    if page > 1:
        rels.append(("prev", page - 1))
    if page < last_page:
        rels += [("next", page + 1), ("last", last_page)]
    if page > 1:
        rels.append(("first", 1))
    if not rels:
        return None
    return ", ".join(f'<{_page_url(req, number)}>; rel="{rel}"' for rel, number in rels)


def paginate(
    req: ApiRequest,
    items: Sequence[Any],
    *,
    default: int = PER_PAGE_DEFAULT,
    cap: int = PER_PAGE_MAX,
    envelope: Callable[[list[Any]], Any] | None = None,
) -> Reply:
    """One page of ``items`` as GitHub pages lists; ``envelope`` wraps the page (e.g. workflow runs)."""
    per_page = _int_param(req.query.get("per_page"), default)
    per_page = default if per_page < 1 else min(per_page, cap)
    page = max(1, _int_param(req.query.get("page"), 1))
    last_page = max(1, math.ceil(len(items) / per_page))
    chunk = list(items[(page - 1) * per_page : page * per_page])
    reply = Reply(200, envelope(chunk) if envelope else chunk)
    link = link_header(req, page, last_page)
    if link:
        reply.headers["link"] = link
    return reply


def rewrite_urls(value: Any, base_url: str, *, key: str = "", parent: str = "") -> Any:
    """A copy of ``value`` with ``https://api.github.com`` swapped for ``base_url`` in URL fields:
    ``url``, ``href``, ``*_url`` and the string members of ``_links``. Free text is left alone."""
    if isinstance(value, dict):
        return {k: rewrite_urls(v, base_url, key=k, parent=key) for k, v in value.items()}
    if isinstance(value, list):
        return [rewrite_urls(v, base_url, key=key, parent=parent) for v in value]
    is_url_field = key in ("url", "href") or key.endswith("_url") or parent == "_links"
    if is_url_field and isinstance(value, str) and (value == API or value.startswith(f"{API}/")):
        return base_url + value[len(API) :]
    return value


def _sorted_by(
    items: Iterable[dict[str, Any]], key: str, *, descending: bool, tiebreak: str = "id"
) -> list[dict[str, Any]]:
    return sorted(
        items,
        key=lambda item: (_timestamp_or_epoch(item.get(key)), item.get(tiebreak) or 0),
        reverse=descending,
    )


# ---------------------------------------------------------------------------------------- routes

Handler = Callable[..., Reply]
_ROUTES: list[tuple[re.Pattern[str], Handler, bool]] = []
_REPO_PREFIX = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"


def route(pattern: str) -> Callable[[Handler], Handler]:
    """Register a handler; ``{repo}`` in the pattern resolves the repo (404 if absent) and passes it."""

    def register(handler: Handler) -> Handler:
        wants_repo = "{repo}" in pattern
        regex = re.compile("^" + pattern.replace("{repo}", _REPO_PREFIX) + "$")
        _ROUTES.append((regex, handler, wants_repo))
        return handler

    return register


def dispatch(req: ApiRequest) -> Reply:
    by_id = re.match(r"^/repositories/(?P<id>[0-9]+)(?P<rest>/.*)?$", req.path)
    if by_id is not None:  # where a former name's 301 leads
        repo = next((r for r in req.dataset.repos.values() if r.id == int(by_id["id"])), None)
        if repo is None:
            return not_found(DOC_REPO)
        req = replace(req, path=f"/repos/{repo.full_name}{by_id['rest'] or ''}")
    for regex, handler, wants_repo in _ROUTES:
        match = regex.match(req.path)
        if match is None:
            continue
        params = {k: urllib.parse.unquote(v) for k, v in match.groupdict().items() if v is not None}
        if not wants_repo:
            return handler(req, **params)
        name = f"{params.pop('owner')}/{params.pop('name')}"
        repo = req.dataset.find_repo(name)
        former = req.dataset.former_names.get(name.lower())
        if repo is None and former is not None:
            rest = req.path.split("/", 4)[4] if req.path.count("/") > 3 else ""
            location = f"{req.base_url}/repositories/{former.id}{'/' + rest if rest else ''}"
            return Reply(301, {"message": "Moved Permanently", "url": location}, {"Location": location})
        if repo is None:
            return not_found(DOC_REPO)
        return handler(req, repo, **params)
    return not_found()


@route("/rate_limit")
def get_rate_limit(req: ApiRequest) -> Reply:
    core = {
        "limit": req.rate_limit,
        "used": req.rate_limit - req.rate_remaining,
        "remaining": req.rate_remaining,
        "reset": req.rate_reset,
    }
    search = {"limit": 30, "used": 0, "remaining": 30, "reset": req.rate_reset}
    graphql = {"limit": 5000, "used": 0, "remaining": 5000, "reset": req.rate_reset}
    return Reply(200, {"resources": {"core": core, "search": search, "graphql": graphql}, "rate": core})


@route("/user")
def get_authenticated_user(req: ApiRequest) -> Reply:
    return Reply(200, user_json(AUTHENTICATED_LOGIN))


@route("/orgs/(?P<org>[^/]+)")
def get_org(req: ApiRequest, org: str) -> Reply:
    login = req.dataset.find_org(org)
    if login is None:
        return not_found("https://docs.github.com/rest/orgs/orgs#get-an-organization")
    return Reply(200, org_json(login))


@route("/orgs/(?P<org>[^/]+)/repos")
def list_org_repos(req: ApiRequest, org: str) -> Reply:
    login = req.dataset.find_org(org)
    if login is None:
        return not_found("https://docs.github.com/rest/repos/repos#list-organization-repositories")
    # A name registered twice (add_repo lists it, a test may list it again) is still one repo.
    found = {r.full_name: r for r in map(req.dataset.find_repo, req.dataset.orgs[login]) if r is not None}
    repos = list(found.values())
    if req.query.get("type") in ("private", "forks"):
        repos = []  # every emulated repo is public and none is a fork
    sort = req.query.get("sort", "created")
    descending = req.query.get("direction", "asc" if sort == "full_name" else "desc") == "desc"
    if sort == "full_name":
        repos.sort(key=lambda r: r.full_name.lower(), reverse=descending)
    else:
        repos.sort(key=lambda r: r.id, reverse=descending)
    return paginate(req, [r.repo_json() for r in repos])


@route("{repo}")
def get_repo(req: ApiRequest, repo: RepoData) -> Reply:
    return Reply(200, repo.repo_json())


@route("{repo}/deployments")
def list_deployments(req: ApiRequest, repo: RepoData) -> Reply:
    # GitHub's environment names are case-insensitive: Production and production are one environment.
    environment = req.query.get("environment")
    items = [
        d
        for d in repo.deployments
        if all(req.query.get(k) in (None, d.get(k)) for k in ("sha", "ref", "task"))
        and (environment is None or environment.casefold() == str(d.get("environment")).casefold())
    ]
    return paginate(req, _sorted_by(items, "created_at", descending=True))


def _find_deployment(repo: RepoData, deployment_id: str) -> dict[str, Any] | None:
    return next((d for d in repo.deployments if str(d["id"]) == deployment_id), None)


@route("{repo}/deployments/(?P<deployment_id>[0-9]+)")
def get_deployment(req: ApiRequest, repo: RepoData, deployment_id: str) -> Reply:
    deployment = _find_deployment(repo, deployment_id)
    return Reply(200, deployment) if deployment else not_found()


@route("{repo}/deployments/(?P<deployment_id>[0-9]+)/statuses")
def list_deployment_statuses(req: ApiRequest, repo: RepoData, deployment_id: str) -> Reply:
    if _find_deployment(repo, deployment_id) is None:
        return not_found()
    statuses = repo.statuses.get(int(deployment_id), [])
    return paginate(req, _sorted_by(statuses, "created_at", descending=True))


# ------------------------------------------------------------------ commits and compare


def _committed_at(commit: dict[str, Any]) -> float:
    return _timestamp_or_epoch(commit.get("commit", {}).get("committer", {}).get("date"))


def _authored_at(commit: dict[str, Any]) -> float:
    return _timestamp_or_epoch(commit.get("commit", {}).get("author", {}).get("date"))


def _parent_shas(commit: dict[str, Any]) -> list[str]:
    return [p["sha"] for p in commit.get("parents", [])]


def chronological(repo: RepoData, shas: set[str]) -> list[str]:
    """``shas`` with parents before children, otherwise oldest (committer, then author date) first."""
    position = {sha: i for i, sha in enumerate(repo.commits)}

    def key(sha: str) -> tuple[float, float, int, str]:
        commit = repo.commits[sha]
        return (_committed_at(commit), _authored_at(commit), position[sha], sha)

    waiting = {sha: sum(1 for p in _parent_shas(repo.commits[sha]) if p in shas) for sha in shas}
    children: dict[str, list[str]] = {sha: [] for sha in shas}
    for sha in shas:
        for parent in _parent_shas(repo.commits[sha]):
            if parent in shas:
                children[parent].append(sha)
    ready = [key(sha) for sha, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    ordered: list[str] = []
    while ready:
        sha = heapq.heappop(ready)[-1]
        ordered.append(sha)
        for child in children[sha]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, key(child))
    return ordered


def log_order(repo: RepoData, tip: str) -> list[str]:
    """What ``git log`` lists from ``tip``: newest committer date first, following parents."""
    position = {sha: i for i, sha in enumerate(repo.commits)}
    queue = [(-_committed_at(repo.commits[tip]), -position[tip], tip)]
    seen = {tip}
    ordered: list[str] = []
    while queue:
        sha = heapq.heappop(queue)[-1]
        ordered.append(sha)
        for parent in _parent_shas(repo.commits[sha]):
            if parent in repo.commits and parent not in seen:
                seen.add(parent)
                heapq.heappush(queue, (-_committed_at(repo.commits[parent]), -position[parent], parent))
    return ordered


def merge_base(repo: RepoData, common: set[str]) -> str | None:
    # ``common`` is closed under ancestry, so its best merge bases are the members that are no
    # member's parent; among several (criss-cross merges) take the newest, as git does.
    parents_of_common = {p for sha in common for p in _parent_shas(repo.commits[sha])}
    best = [sha for sha in common if sha not in parents_of_common]
    return max(best, key=lambda sha: (_committed_at(repo.commits[sha]), sha), default=None)


@route("{repo}/compare/(?P<basehead>.+)")
def compare(req: ApiRequest, repo: RepoData, basehead: str) -> Reply:
    if basehead in repo.comparisons:
        recorded = repo.comparisons[basehead]
        return paginate(
            req,
            recorded.get("commits", []),
            default=COMPARE_PER_PAGE_DEFAULT,
            cap=COMPARE_PER_PAGE_MAX,
            envelope=lambda chunk: {**recorded, "commits": chunk},
        )
    base_ref, separator, head_ref = basehead.partition("...")
    if not separator:
        return not_found(DOC_COMPARE)
    base_sha, head_sha = repo.resolve(base_ref), repo.resolve(head_ref)
    if base_sha is None or head_sha is None:
        return not_found(DOC_COMPARE)
    base_side, head_side = repo.ancestors(base_sha), repo.ancestors(head_sha)
    common = base_side & head_side
    best = merge_base(repo, common)
    if best is None:
        return error_reply(404, f"No common ancestor between {base_ref} and {head_ref}.", DOC_COMPARE)
    ahead = chronological(repo, head_side - base_side)
    behind_by = len(base_side - head_side)
    if ahead and behind_by:
        status = "diverged"
    elif ahead:
        status = "ahead"
    elif behind_by:
        status = "behind"
    else:
        status = "identical"
    web = f"{WEB}/{repo.full_name}/compare"

    def envelope(chunk: list[str]) -> dict[str, Any]:
        quoted = urllib.parse.quote(basehead, safe="/.:")
        return {
            "url": f"{repo.api_url}/compare/{quoted}",
            "html_url": f"{web}/{quoted}",
            "permalink_url": f"{web}/{repo.owner}:{base_sha}...{repo.owner}:{head_sha}",
            "diff_url": f"{web}/{quoted}.diff",
            "patch_url": f"{web}/{quoted}.patch",
            "base_commit": repo.commits[base_sha],
            "merge_base_commit": repo.commits[best],
            "status": status,
            "ahead_by": len(ahead),
            "behind_by": behind_by,
            "total_commits": len(ahead),
            "commits": [repo.commits[sha] for sha in chunk],
            "files": [],
        }

    return paginate(req, ahead, default=COMPARE_PER_PAGE_DEFAULT, cap=COMPARE_PER_PAGE_MAX, envelope=envelope)


@route("{repo}/commits")
def list_commits(req: ApiRequest, repo: RepoData) -> Reply:
    if not repo.commits:
        return error_reply(
            409, "Git Repository is empty.", "https://docs.github.com/rest/commits/commits#list-commits"
        )
    tip = repo.resolve(req.query.get("sha") or repo.default_branch)
    if tip is None:
        return not_found("https://docs.github.com/rest/commits/commits#list-commits")
    commits = [repo.commits[sha] for sha in log_order(repo, tip)]
    if "since" in req.query:
        since = _query_timestamp(req, "since")
        commits = [c for c in commits if _committed_at(c) >= since]
    if "until" in req.query:
        until = _query_timestamp(req, "until")
        commits = [c for c in commits if _committed_at(c) <= until]
    if "author" in req.query:
        wanted = req.query["author"].lower()
        commits = [
            c
            for c in commits
            if wanted
            in (
                str((c.get("author") or {}).get("login", "")).lower(),
                str(c.get("commit", {}).get("author", {}).get("email", "")).lower(),
            )
        ]
    return paginate(req, commits)


@route("{repo}/commits/(?P<ref>.+)")
def get_commit(req: ApiRequest, repo: RepoData, ref: str) -> Reply:
    sha = repo.resolve(ref)
    if sha is None:
        # GitHub answers an unknown commit with 422, not 404.
        return error_reply(422, f"No commit found for SHA: {ref}", DOC_COMMIT)
    return Reply(
        200, {**repo.commits[sha], "stats": {"total": 0, "additions": 0, "deletions": 0}, "files": []}
    )


# ------------------------------------------------------------------ pulls


def _find_pull(repo: RepoData, number: str) -> dict[str, Any] | None:
    return next((p for p in repo.pulls if str(p["number"]) == number), None)


@route("{repo}/pulls")
def list_pulls(req: ApiRequest, repo: RepoData) -> Reply:
    state = req.query.get("state", "open")
    pulls = [p for p in repo.pulls if state == "all" or p.get("state") == state]
    if "base" in req.query:
        pulls = [p for p in pulls if p.get("base", {}).get("ref") == req.query["base"]]
    if "head" in req.query:
        pulls = [p for p in pulls if p.get("head", {}).get("label") == req.query["head"]]
    sort = req.query.get("sort", "created")
    # GitHub's default direction is desc for sort=created (or none) and asc for every other sort.
    descending = req.query.get("direction", "desc" if sort == "created" else "asc") == "desc"
    key = "updated_at" if sort == "updated" else "created_at"
    pulls = _sorted_by(pulls, key, descending=descending, tiebreak="number")
    return paginate(req, [{k: v for k, v in p.items() if k not in PULL_DETAIL_KEYS} for p in pulls])


@route("{repo}/pulls/(?P<number>[0-9]+)")
def get_pull(req: ApiRequest, repo: RepoData, number: str) -> Reply:
    pull = _find_pull(repo, number)
    if pull is None:
        return not_found("https://docs.github.com/rest/pulls/pulls#get-a-pull-request")
    merged = pull.get("merged_at") is not None
    details: dict[str, Any] = {
        "merged": merged,
        "mergeable": None if merged or pull.get("state") == "closed" else True,
        "rebaseable": None,
        "mergeable_state": "unknown",
        "merged_by": pull.get("user") if merged else None,
        "comments": 0,
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": len(repo.pull_commits.get(int(number), [])),
        "additions": 0,
        "deletions": 0,
        "changed_files": 0,
    }
    return Reply(200, {**pull, **{k: v for k, v in details.items() if k not in pull}})


@route("{repo}/pulls/(?P<number>[0-9]+)/commits")
def list_pull_commits(req: ApiRequest, repo: RepoData, number: str) -> Reply:
    if _find_pull(repo, number) is None:
        return not_found("https://docs.github.com/rest/pulls/pulls#list-commits-on-a-pull-request")
    items = [
        repo.commits[item] if isinstance(item, str) else item
        for item in repo.pull_commits.get(int(number), [])[:PULL_COMMITS_MAX]
    ]
    return paginate(req, items)


@route("{repo}/pulls/(?P<number>[0-9]+)/reviews")
def list_reviews(req: ApiRequest, repo: RepoData, number: str) -> Reply:
    if _find_pull(repo, number) is None:
        return not_found("https://docs.github.com/rest/pulls/reviews#list-reviews-for-a-pull-request")
    return paginate(req, repo.reviews.get(int(number), []))


# ------------------------------------------------------------------ actions


def _workflows(repo: RepoData) -> list[dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for run in repo.workflow_runs:
        workflow_id = run.get("workflow_id")
        if not isinstance(workflow_id, int) or workflow_id in found:
            continue
        path = str(run.get("path", "")).split("@", 1)[0]
        found[workflow_id] = {
            "id": workflow_id,
            "node_id": _node_id("W", workflow_id),
            "name": run.get("name"),
            "path": path,
            "state": "active",
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z",
            "url": f"{repo.api_url}/actions/workflows/{workflow_id}",
            "html_url": f"{WEB}/{repo.full_name}/blob/{repo.default_branch}/{path}",
            "badge_url": f"{WEB}/{repo.full_name}/workflows/{run.get('name')}/badge.svg",
        }
    return sorted(found.values(), key=lambda w: w["id"])


def _find_workflow(repo: RepoData, id_or_file: str) -> dict[str, Any] | None:
    for workflow in _workflows(repo):
        if id_or_file == str(workflow["id"]) or id_or_file == workflow["path"].rsplit("/", 1)[-1]:
            return workflow
    return None


def _date_bounds(text: str) -> tuple[datetime, datetime]:
    """[start, end) of a search-syntax date: a whole day for ``YYYY-MM-DD``, one second otherwise."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        start = datetime.fromisoformat(text).replace(tzinfo=UTC)
        return start, start + timedelta(days=1)
    start = parse_timestamp(text)
    return start, start + timedelta(seconds=1)


def created_filter(expression: str) -> Callable[[datetime], bool]:
    """GitHub search date syntax: ``>=D``, ``>D``, ``<=D``, ``<D``, ``A..B`` (``*`` open) or ``D``."""
    low: datetime | None = None  # inclusive
    high: datetime | None = None  # exclusive
    if expression.startswith(">="):
        low = _date_bounds(expression[2:])[0]
    elif expression.startswith("<="):
        high = _date_bounds(expression[2:])[1]
    elif expression.startswith(">"):
        low = _date_bounds(expression[1:])[1]
    elif expression.startswith("<"):
        high = _date_bounds(expression[1:])[0]
    elif ".." in expression:
        first, _, last = expression.partition("..")
        low = None if first in ("", "*") else _date_bounds(first)[0]
        high = None if last in ("", "*") else _date_bounds(last)[1]
    else:
        low, high = _date_bounds(expression)
    return lambda moment: (low is None or moment >= low) and (high is None or moment < high)


def _runs_reply(req: ApiRequest, runs: Iterable[dict[str, Any]]) -> Reply:
    selected = list(runs)
    query = req.query
    if "branch" in query:
        selected = [r for r in selected if r.get("head_branch") == query["branch"]]
    if "event" in query:
        selected = [r for r in selected if r.get("event") == query["event"]]
    if "head_sha" in query:
        selected = [r for r in selected if r.get("head_sha") == query["head_sha"]]
    if "actor" in query:
        selected = [r for r in selected if (r.get("actor") or {}).get("login") == query["actor"]]
    if "status" in query:
        # ``status`` takes a status (queued, completed, ...) or a conclusion (success, failure, ...).
        selected = [r for r in selected if query["status"] in (r.get("status"), r.get("conclusion"))]
    if "created" in query:
        try:
            keep = created_filter(query["created"])
        except ValueError as error:
            raise InvalidParameter("created", query["created"]) from error
        selected = [r for r in selected if keep(parse_timestamp(r["created_at"]))]
    selected = _sorted_by(selected, "created_at", descending=True)
    return paginate(
        req, selected, envelope=lambda chunk: {"total_count": len(selected), "workflow_runs": chunk}
    )


@route("{repo}/actions/workflows")
def list_workflows(req: ApiRequest, repo: RepoData) -> Reply:
    workflows = _workflows(repo)
    return paginate(
        req, workflows, envelope=lambda chunk: {"total_count": len(workflows), "workflows": chunk}
    )


@route("{repo}/actions/workflows/(?P<workflow>[^/]+)")
def get_workflow(req: ApiRequest, repo: RepoData, workflow: str) -> Reply:
    found = _find_workflow(repo, workflow)
    return (
        Reply(200, found)
        if found
        else not_found("https://docs.github.com/rest/actions/workflows#get-a-workflow")
    )


@route("{repo}/actions/workflows/(?P<workflow>[^/]+)/runs")
def list_workflow_runs(req: ApiRequest, repo: RepoData, workflow: str) -> Reply:
    found = _find_workflow(repo, workflow)
    if found is None:
        return not_found(
            "https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow"
        )
    return _runs_reply(req, (r for r in repo.workflow_runs if r.get("workflow_id") == found["id"]))


@route("{repo}/actions/runs")
def list_repo_runs(req: ApiRequest, repo: RepoData) -> Reply:
    return _runs_reply(req, repo.workflow_runs)


@route("{repo}/actions/runs/(?P<run_id>[0-9]+)")
def get_workflow_run(req: ApiRequest, repo: RepoData, run_id: str) -> Reply:
    found = next((r for r in repo.workflow_runs if r["id"] == int(run_id)), None)
    return (
        Reply(200, found)
        if found
        else not_found("https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run")
    )


# ------------------------------------------------------------------ releases, issues, contents


@route("{repo}/releases")
def list_releases(req: ApiRequest, repo: RepoData) -> Reply:
    return paginate(req, _sorted_by(repo.releases, "created_at", descending=True))


@route("{repo}/issues")
def list_issues(req: ApiRequest, repo: RepoData) -> Reply:
    state = req.query.get("state", "open")
    issues = [i for i in repo.issues if state == "all" or i.get("state") == state]
    wanted = {name.strip() for name in req.query.get("labels", "").split(",") if name.strip()}
    if wanted:
        # GitHub compares label names whatever their case (a repository cannot hold Bug and bug).
        wanted = {name.casefold() for name in wanted}
        issues = [i for i in issues if wanted <= {label["name"].casefold() for label in i.get("labels", [])}]
    if "since" in req.query:
        since = _query_timestamp(req, "since")
        issues = [i for i in issues if _timestamp_or_epoch(i.get("updated_at")) >= since]
    sort = req.query.get("sort", "created")
    descending = req.query.get("direction", "desc") == "desc"
    if sort == "comments":
        issues.sort(key=lambda i: (i.get("comments", 0), i["number"]), reverse=descending)
    else:
        key = "updated_at" if sort == "updated" else "created_at"
        issues = _sorted_by(issues, key, descending=descending, tiebreak="number")
    return paginate(req, issues)


@route("{repo}/issues/(?P<number>[0-9]+)")
def get_issue(req: ApiRequest, repo: RepoData, number: str) -> Reply:
    # PyGithub fetches this when code reads a key a list item lacks (``pull_request`` of a plain issue).
    issue = next((i for i in repo.issues if str(i["number"]) == number), None)
    if int(number) in repo.deleted_issues:
        return error_reply(
            410, "This issue was deleted", "https://docs.github.com/rest/issues/issues#get-an-issue"
        )
    if int(number) in repo.moved_issues:
        to, moved = repo.moved_issues[int(number)]
        location = f"{req.base_url}/repos/{to}/issues/{moved}"
        return Reply(301, {"message": "Moved Permanently", "url": location}, {"Location": location})
    return (
        Reply(200, issue) if issue else not_found("https://docs.github.com/rest/issues/issues#get-an-issue")
    )


def _wrap_base64(data: bytes) -> str:
    # GitHub wraps base64 content at 60 characters per line, each line ending in a newline.
    encoded = base64.b64encode(data).decode()
    return "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))


def _content_entry(repo: RepoData, path: str, ref: str, *, directory: bool) -> dict[str, Any]:
    data = b"" if directory else repo.files[path].encode()
    # A file's sha is its git blob name, which clients may compare with ``git hash-object``.
    sha = _sha1_hex(f"tree {path}".encode() if directory else b"blob %d\0" % len(data) + data)
    url = f"{repo.api_url}/contents/{urllib.parse.quote(path)}?ref={urllib.parse.quote(ref)}"
    git_url = f"{repo.api_url}/git/{'trees' if directory else 'blobs'}/{sha}"
    html_url = f"{WEB}/{repo.full_name}/{'tree' if directory else 'blob'}/{ref}/{path}"
    return {
        "type": "dir" if directory else "file",
        "size": len(data),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": sha,
        "url": url,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": None
        if directory
        else f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}",
        "_links": {"self": url, "git": git_url, "html": html_url},
    }


@route("{repo}/contents(?:/(?P<path>.*))?")
def get_contents(req: ApiRequest, repo: RepoData, path: str | None = None) -> Reply:
    path = (path or "").strip("/")
    ref = req.query.get("ref") or repo.default_branch
    # Files are not versioned: any ref GitHub would accept sees the default branch's files.
    if ref != repo.default_branch and repo.resolve(ref) is None:
        return error_reply(404, f"No commit found for the ref {ref}", DOC_CONTENTS)
    if path in repo.files:
        data = repo.files[path].encode()
        entry = _content_entry(repo, path, ref, directory=False)
        return Reply(200, {"type": "file", "encoding": "base64", **entry, "content": _wrap_base64(data)})
    prefix = f"{path}/" if path else ""
    children: dict[str, bool] = {}
    for file_path in repo.files:
        if file_path.startswith(prefix):
            rest = file_path[len(prefix) :]
            children[prefix + rest.split("/", 1)[0]] = "/" in rest
    if not children:
        return not_found(DOC_CONTENTS)
    entries = [_content_entry(repo, p, ref, directory=is_dir) for p, is_dir in sorted(children.items())]
    return Reply(200, entries)


# ----------------------------------------------------------------------------------------- server


@dataclass
class _Outcome:
    status: int
    headers: dict[str, str]
    body: bytes
    drop_connection: bool = False


def _encode(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _not_modified_since(
    if_none_match: str | None, if_modified_since: str | None, updated: str | None
) -> bool:
    """RFC 9110: If-Modified-Since counts only without If-None-Match, and to the second."""
    if if_none_match or not if_modified_since or not updated:
        return False
    try:
        since = email.utils.parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    return parse_timestamp(updated).replace(microsecond=0) <= since


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False

    def bare(tag: str) -> str:
        tag = tag.strip()
        return tag[2:] if tag.startswith("W/") else tag

    return any(
        candidate.strip() == "*" or bare(candidate) == bare(etag) for candidate in if_none_match.split(",")
    )


class _Handler(LoopbackHandler):
    def _answer(self) -> None:
        length = _int_param(self.headers.get("Content-Length"), 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        outcome = self.server.emulator.serve(self.command, self.path, headers, body)
        if outcome.drop_connection:
            self.close_connection = True
            return
        self.send_response(outcome.status)
        for name, value in outcome.headers.items():
            self.send_header(name, value)
        if outcome.status != 304:
            self.send_header("content-length", str(len(outcome.body)))
        self.end_headers()
        if self.command != "HEAD" and outcome.status != 304:
            self.wfile.write(outcome.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _answer


class GitHubEmulator:
    """The loopback GitHub. Use as a context manager, or call ``start()`` and ``stop()``.

    Rate limiting follows GitHub's core resource: ``rate_limit`` requests per hour-long window that
    starts at the first request; each answered request costs one, except 304s and ``/rate_limit``;
    once spent, requests get GitHub's 403 until the window resets. ``clock`` gives epoch seconds.
    ``POST /graphql`` is answered by ``github_graphql.GraphQLResolver`` from its own budget of
    ``graphql_limit`` points (GitHub keeps the two apart), each query costing what GitHub would charge.
    """

    def __init__(
        self,
        dataset: GitHubDataset,
        *,
        token: str = "test-token",
        rate_limit: int = 5000,
        graphql_limit: int = 5000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.dataset = dataset
        self.token = token
        self.rate_limit = rate_limit
        self.graphql_limit = graphql_limit
        self._graphql_remaining = graphql_limit
        self.graphql_queries = 0
        self.graphql_points = 0
        self.graphql_operations: list[tuple[str, int]] = []  # (operation name, cost) per query
        # Called with each answer's status once it is decided and before it is sent (under the lock):
        # a test can kill the client there, at an exact request of a sync.
        self.after_answer: Callable[[int], None] | None = None
        self.clock = clock
        self.requests: list[RequestRecord] = []
        self.errors: list[Exception] = []
        # What the rate limit saw: requests that cost a point, 304s (free), and points spent in all.
        self.billed_requests = 0
        self.not_modified = 0
        self.points_spent = 0
        self._remaining = rate_limit
        self._reset_at: int | None = None
        self._faults: Faults[Fault] = Faults()
        self._lock = threading.Lock()
        self._request_count = 0
        self._loopback = Loopback("github-emulator")

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> GitHubEmulator:
        self._loopback.start(_Handler, self)
        return self

    def stop(self) -> None:
        self._loopback.stop()

    def __enter__(self) -> GitHubEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self._loopback.url("http")

    @property
    def rate_remaining(self) -> int:
        return self._remaining

    # ------------------------------------------------------------------ faults

    def inject(self, path_pattern: str, fault: Fault, times: int = 1) -> None:
        """Answer the next ``times`` requests whose path (no query) matches ``path_pattern``
        (``re.search``) with ``fault``. Faults apply in the order injected and cost no rate limit."""
        self._faults.inject(path_pattern, fault, times)

    # ------------------------------------------------------------------ answering

    def serve(self, method: str, target: str, headers: Mapping[str, str], body: bytes = b"") -> _Outcome:
        """Answer one request (called by the HTTP handler threads; serialised by a lock)."""
        parts = urllib.parse.urlsplit(target)
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        with self._lock:
            self._request_count += 1
            if method == "POST" and parts.path == "/graphql":
                outcome = self._answer_graphql(headers, body)
            else:
                outcome = self._answer(method, parts.path, parts.query, query, headers)
            self.requests.append(RequestRecord(method, parts.path, query, dict(headers), outcome.status))
            if self.after_answer is not None:
                self.after_answer(outcome.status)
        return outcome

    def _request_id(self) -> str:
        n = self._request_count
        return f"{n:04X}:{(n * 7919) % 65536:04X}:{n * 104729:06X}:{n * 1299709:07X}:{int(self.clock()):08X}"

    def _roll_window(self) -> None:
        now = self.clock()
        if self._reset_at is None or now >= self._reset_at:
            self._reset_at = int(now) + 3600
            self._remaining = self.rate_limit
            self._graphql_remaining = self.graphql_limit

    def _rate_headers(self) -> dict[str, str]:
        assert self._reset_at is not None
        return {
            "x-ratelimit-limit": str(self.rate_limit),
            "x-ratelimit-remaining": str(self._remaining),
            "x-ratelimit-reset": str(self._reset_at),
            "x-ratelimit-used": str(self.rate_limit - self._remaining),
            "x-ratelimit-resource": "core",
        }

    def _common_headers(self, request_id: str) -> dict[str, str]:
        return {
            "content-type": "application/json; charset=utf-8",
            "x-github-media-type": "github.v3; format=json",
            "x-github-api-version-selected": "2022-11-28",
            "x-github-request-id": request_id,
        }

    def _fault_outcome(self, fault: Fault, request_id: str) -> _Outcome:
        if fault.drop_connection:
            return _Outcome(0, {}, b"", drop_connection=True)
        headers = self._common_headers(request_id)
        if fault.rate_headers:
            headers.update(self._rate_headers())
        if fault.reset_in is not None:
            headers["x-ratelimit-remaining"] = "0"
            headers["x-ratelimit-used"] = str(self.rate_limit)
            headers["x-ratelimit-reset"] = str(math.ceil(self.clock() + fault.reset_in))
        if fault.retry_after is not None:
            headers["retry-after"] = str(fault.retry_after)
        body: dict[str, Any] = {}
        if fault.message is not None:
            user_id = user_json(AUTHENTICATED_LOGIN)["id"]
            body["message"] = fault.message.format(request_id=request_id, user_id=user_id)
        if fault.documentation_url is not None:
            body["documentation_url"] = fault.documentation_url
        if fault.status_field:
            body["status"] = str(fault.status)
        return _Outcome(fault.status, headers, _encode(body))

    def _answer_graphql(self, headers: Mapping[str, str], body: bytes) -> _Outcome:
        # Imported here: the resolver module imports this one for the dataset's types.
        from tests.emulators.github_graphql import GraphQLResolver, operation_name

        request_id = self._request_id()
        self._roll_window()
        fault = self._faults.take("/graphql")
        if fault is not None:
            return self._fault_outcome(fault, request_id)
        if not self._authorised(headers.get("authorization")):
            return self._fault_outcome(Fault.bad_credentials(), request_id)
        assert self._reset_at is not None
        request = json.loads(body or b"{}")
        answer, cost = GraphQLResolver(self.dataset).resolve(request)
        if cost > self._graphql_remaining:
            answer = {
                "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]
            }
            cost = 0
        self._graphql_remaining -= cost
        self.graphql_queries += 1
        self.graphql_points += cost
        self.graphql_operations.append((operation_name(str(request.get("query"))), cost))
        self.points_spent += cost
        if "rateLimit" in str(request.get("query")) and isinstance(answer.get("data"), dict):
            answer["data"]["rateLimit"] = {
                "limit": self.graphql_limit,
                "cost": cost,
                "remaining": self._graphql_remaining,
                "resetAt": iso(datetime.fromtimestamp(self._reset_at, UTC)),
            }
        rate = {
            "x-ratelimit-limit": str(self.graphql_limit),
            "x-ratelimit-remaining": str(self._graphql_remaining),
            "x-ratelimit-reset": str(self._reset_at),
            "x-ratelimit-used": str(self.graphql_limit - self._graphql_remaining),
            "x-ratelimit-resource": "graphql",
        }
        encoded = _encode(rewrite_urls(answer, self.base_url))
        return _Outcome(200, {**self._common_headers(request_id), **rate}, encoded)

    def _authorised(self, authorization: str | None) -> bool:
        scheme, _, credential = (authorization or "").partition(" ")
        return scheme.lower() in ("token", "bearer") and credential.strip() == self.token

    def _answer(
        self, method: str, path: str, raw_query: str, query: dict[str, str], headers: Mapping[str, str]
    ) -> _Outcome:
        request_id = self._request_id()
        self._roll_window()
        fault = self._faults.take(path)
        if fault is not None:
            return self._fault_outcome(fault, request_id)
        if not self._authorised(headers.get("authorization")):
            return self._fault_outcome(Fault.bad_credentials(), request_id)
        costs = path != "/rate_limit"
        if costs and self._remaining <= 0:
            spent = Fault(403, PRIMARY_MESSAGE, DOC_PRIMARY)
            return self._fault_outcome(spent, request_id)
        assert self._reset_at is not None
        request = ApiRequest(
            path=path,
            raw_query=raw_query,
            query=query,
            base_url=self.base_url,
            dataset=self.dataset,
            rate_limit=self.rate_limit,
            rate_remaining=self._remaining,
            rate_reset=self._reset_at,
        )
        try:
            reply = dispatch(request) if method in ("GET", "HEAD") else not_found()
            body = _encode(rewrite_urls(reply.body, self.base_url))
        except InvalidParameter as error:
            reply = error_reply(422, f"Validation Failed: {error}")
            body = _encode(reply.body)
        except Exception as error:
            # An emulator bug or a dataset dict that is not JSON: answer like a GitHub outage and keep
            # the error for the test to see.
            self.errors.append(error)
            reply = Reply(500, {"message": "Server Error"})
            body = _encode(reply.body)
        extra = dict(reply.headers)
        if reply.status == 200:
            etag = f'W/"{hashlib.sha256(body).hexdigest()}"'
            extra["etag"] = etag
            updated = reply.body.get("updated_at") if isinstance(reply.body, dict) else None
            if updated:  # a single resource: GitHub also answers If-Modified-Since by its Last-Modified
                extra["last-modified"] = email.utils.format_datetime(parse_timestamp(updated), usegmt=True)
            if _etag_matches(headers.get("if-none-match"), etag) or _not_modified_since(
                headers.get("if-none-match"), headers.get("if-modified-since"), updated
            ):
                # A 304 costs nothing against the rate limit on GitHub.
                self.not_modified += 1
                return _Outcome(
                    304, {**self._common_headers(request_id), **self._rate_headers(), **extra}, b""
                )
        if costs:
            self._remaining -= 1
            self.billed_requests += 1
            self.points_spent += 1
        return _Outcome(
            reply.status, {**self._common_headers(request_id), **self._rate_headers(), **extra}, body
        )
