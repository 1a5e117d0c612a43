"""The GitHub REST source, through PyGithub's requester.

PyGithub brings authentication, the base URL (GitHub Enterprise), TLS verification and its exception
types. We send the requests ourselves through ``Github.requester`` (documented for endpoints PyGithub
does not wrap) rather than through its typed objects, because those complete themselves lazily with
one hidden request per object: every request here is one we chose, which keeps the rate limit for the
teams. PyGithub's own retry and throttling are off; ``classify`` below sorts every failure into retry
or fatal, and ``collector.sources.retry`` waits.
"""

from __future__ import annotations

import base64
import email.utils
import logging
import math
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
from github import Auth, Github, GithubException

from collector.sources.retry import RetryPolicy, call_with_retries
from store.errors import FatalSourceError, SourceError, TransientSourceError

T = TypeVar("T")
log = logging.getLogger(__name__)
Json = dict[str, Any]
SOURCE = "github"
PER_PAGE = 100
SECONDARY_LIMIT_WAIT = 60.0
_NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


class NotFoundError(SourceError):
    """The repository or object is gone (404) or hidden from this token (403 without a rate limit)."""


def _header(headers: dict[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def classify(exc: BaseException, clock: Callable[[], float] = time.time) -> BaseException:
    """Sort one failed GitHub request into retry (``TransientSourceError`` with a wait) or not."""
    if isinstance(exc, GithubException):
        status = exc.status
        headers = exc.headers
        message = str((exc.data or {}).get("message", "")) if isinstance(exc.data, dict) else ""
        retry_after = _header(headers, "retry-after")
        remaining = _header(headers, "x-ratelimit-remaining")
        reset = _header(headers, "x-ratelimit-reset")
        if status == 401:
            # Bad or expired token: retrying cannot help and would only burn attempts.
            return FatalSourceError(
                "GitHub rejected the token (401 Bad credentials): check github.token",
                source=SOURCE,
                status=401,
            )
        # 451: a repository blocked for legal reasons (a DMCA takedown) is as hidden from this token as a
        # 403 one: skipped, not a stop of the whole sync.
        if status in (403, 429, 451):
            # Secondary limit: GitHub asks for retry-after seconds.
            if retry_after is not None:
                return TransientSourceError(
                    f"GitHub rate limit ({status}), retry-after {retry_after} s",
                    source=SOURCE,
                    status=status,
                    retry_after=max(0.0, float(retry_after)),
                )
            # Primary limit: the quota is spent until x-ratelimit-reset (epoch seconds).
            if remaining == "0" and reset is not None:
                return TransientSourceError(
                    f"GitHub API rate limit exhausted ({status}) until {reset}",
                    source=SOURCE,
                    status=status,
                    retry_after=max(1.0, float(reset) - clock() + 1.0),
                )
            # 429, or a secondary limit with no hint: GitHub's docs say to wait at least a minute.
            if status == 429 or "rate limit" in message.lower():
                return TransientSourceError(
                    f"GitHub rate limit ({status}) without a retry hint",
                    source=SOURCE,
                    status=status,
                    retry_after=SECONDARY_LIMIT_WAIT,
                )
            return NotFoundError(f"GitHub refused access ({status}): {message}", source=SOURCE, status=status)
        if status in (404, 410):  # 410: deleted (an issue), or a feature turned off (a repo's issues)
            gone = message or "Not Found"
            return NotFoundError(f"not found on GitHub: {gone}", source=SOURCE, status=status)
        if status >= 500:
            return TransientSourceError(f"GitHub server error {status}", source=SOURCE, status=status)
        return FatalSourceError(f"GitHub answered {status}: {message}", source=SOURCE, status=status)
    if isinstance(exc, requests.exceptions.RetryError | requests.exceptions.ConnectionError):
        return TransientSourceError(f"GitHub unreachable: {type(exc).__name__}", source=SOURCE)
    if isinstance(exc, requests.exceptions.Timeout):
        return TransientSourceError("GitHub timed out", source=SOURCE)
    return exc


class GitHubClient:
    """The few GitHub requests the collector makes, each retried per page."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        ca_bundle: str | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        timeout: int = 30,
        reserve: float = 0.0,
    ) -> None:
        self._github = Github(
            base_url=base_url.rstrip("/"),
            auth=Auth.Token(token),
            per_page=PER_PAGE,
            timeout=timeout,
            verify=ca_bundle if ca_bundle else True,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self.requests_made = 0
        self.rate_limit_remaining: int | None = None
        self.rate_limit: int | None = None
        self.rate_limit_reset: float | None = None
        # The share of the quota this client leaves to the organisation's other tools (0 <= x < 1).
        self.reserve = reserve
        # Seconds spent waiting for a reset to keep the reserve; while waiting, the reset instant
        # (epoch seconds), for the daemon to show. Both cover the REST and the GraphQL quota.
        self.reserve_waited = 0.0
        self.waiting_until: float | None = None
        # The GraphQL quota, as the last answer's rateLimit gave it (collector.sources.github_graphql).
        self.graphql_remaining: int | None = None
        self.graphql_limit: int | None = None
        self.graphql_reset: float | None = None

    def close(self) -> None:
        self._github.close()

    @property
    def retry(self) -> RetryPolicy:
        return self._retry

    def clock(self) -> float:
        return self._clock()

    @property
    def requester(self) -> Any:
        """PyGithub's requester, for the GraphQL endpoint (``collector.sources.github_graphql``)."""
        return self._github.requester

    def _get(
        self, url: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[dict[str, str], Any]:
        def operation() -> tuple[dict[str, str], Any]:
            self.keep_reserve("REST", self.rate_limit_remaining, self.rate_limit, self.rate_limit_reset)
            self.requests_made += 1
            response_headers, data = self._github.requester.requestJsonAndCheck(
                "GET", url, parameters=params, headers=headers
            )
            remaining = _header(response_headers, "x-ratelimit-remaining")
            limit = _header(response_headers, "x-ratelimit-limit")
            reset = _header(response_headers, "x-ratelimit-reset")
            if remaining is not None and remaining.isdigit():
                self.rate_limit_remaining = int(remaining)
            if limit is not None and limit.isdigit():
                self.rate_limit = int(limit)
            if reset is not None and reset.isdigit():
                self.rate_limit_reset = float(reset)
            return response_headers, data

        return call_with_retries(
            self._retry, f"GET {url}", operation, lambda exc, _: classify(exc, self._clock)
        )

    def keep_reserve(self, quota: str, remaining: int | None, limit: int | None, reset: float | None) -> None:
        """Wait for the reset rather than spend the reserve: with ``remaining`` at or under
        ``reserve`` × ``limit``, sleep until ``reset`` (one log line), or stop the sync with a
        transient error if that is further away than the retry policy's ``max_wait`` (the next sync
        resumes where this one stopped)."""
        if self.reserve <= 0 or remaining is None or limit is None or reset is None:
            return
        floor = math.ceil(self.reserve * limit)
        if remaining > floor:
            return
        wait = max(1.0, reset - self._clock() + 1.0)
        if wait > self._retry.max_wait:
            raise TransientSourceError(
                f"GitHub {quota} rate limit: {remaining} of {limit} left, the reserve is {floor}; "
                f"the reset is {wait:.0f} s away",
                source=SOURCE,
                retry_after=wait,
            )
        log.warning(
            "GitHub %s rate limit: %d of %d left, the reserve is %d: waiting %.0f s for the reset",
            quota,
            remaining,
            limit,
            floor,
            wait,
        )
        self.waiting_until = reset
        try:
            self._retry.sleep(wait)
        finally:
            self.waiting_until = None
        self.reserve_waited += wait
        # A new window: what is left is known again from the next answer.
        if quota == "REST":
            self.rate_limit_remaining = None
        else:
            self.graphql_remaining = None

    def pages(
        self, url: str, params: dict[str, Any] | None = None, item_key: str | None = None
    ) -> Iterator[list[Json]]:
        """Yield one list of items per page, following GitHub's ``Link: rel="next"``."""
        return iter(Listing(self, url, params, item_key))

    # -- endpoints ---------------------------------------------------------------------------------

    def repository(self, full_name: str) -> Json:
        return dict(self._get(f"/repos/{full_name}")[1])

    def conditional(
        self,
        url: str,
        params: dict[str, Any] | None = None,
        etag: str | None = None,
        modified_since: datetime | None = None,
    ) -> Answer:
        """One GET with ``If-None-Match: etag`` when an etag is known, else ``If-Modified-Since`` when
        given (a resource's ``updated_at`` read from a list, which carries no etag of its own); a 304
        costs no rate limit."""
        if etag:
            validator = {"If-None-Match": etag}
        elif modified_since is not None:
            validator = {
                "If-Modified-Since": email.utils.format_datetime(modified_since.astimezone(UTC), usegmt=True)
            }
        else:
            validator = None
        headers, data = self._get(url, params, validator)
        if data is None:  # 304 Not Modified: no body
            return Answer(url_key(url, params), None, etag, True)
        return Answer(url_key(url, params), data, _header(headers, "etag"), False)

    def repository_if_changed(self, full_name: str, etag: str | None) -> Answer:
        return self.conditional(f"/repos/{full_name}", None, etag)

    def organization_repositories(
        self, org: str, etags: Lookup | None = None, known_next: Lookup | None = None
    ) -> Listing:
        """Every page of the organisation's repositories, each asked with its own known etag."""
        return Listing(
            self,
            f"/orgs/{org}/repos",
            {"type": "all", "sort": "full_name"},
            etags=etags,
            every_page=True,
            known_next=known_next,
        )

    def deployments(self, full_name: str, environment: str, etags: Lookup | None = None) -> Listing:
        return Listing(self, f"/repos/{full_name}/deployments", {"environment": environment}, etags=etags)

    def deployment_statuses(self, full_name: str, deployment_id: int) -> list[Json]:
        return [item for page in self.statuses_if_changed(full_name, deployment_id) for item in page]

    def statuses_if_changed(self, full_name: str, deployment_id: int, etags: Lookup | None = None) -> Listing:
        """A deployment's statuses, newest first: an unchanged first page means no new status."""
        return Listing(self, f"/repos/{full_name}/deployments/{deployment_id}/statuses", etags=etags)

    def compare(self, full_name: str, base: str, head: str) -> tuple[Json, list[Json]]:
        """The compare summary and every commit of ``base...head``, across all pages (250+ included)."""
        url = f"/repos/{full_name}/compare/{base}...{head}"
        summary: Json | None = None
        commits: list[Json] = []
        for page_number in range(1, 10_000):
            _, data = self._get(url, {"per_page": PER_PAGE, "page": page_number})
            if summary is None:
                summary = {key: value for key, value in data.items() if key != "commits"}
            page = list(data.get("commits") or ())
            commits.extend(page)
            if len(page) < PER_PAGE or len(commits) >= int(summary.get("total_commits") or 0):
                break
        assert summary is not None
        return summary, commits

    def file_text_if_changed(self, full_name: str, path: str, etag: str | None) -> FileRead:
        """A file at the default branch, asked with ``If-None-Match``: GitHub answers an unchanged file
        with 304, which costs no rate limit, so a sync that re-reads every catalog file stays cheap."""
        url = f"/repos/{full_name}/contents/{path}"
        try:
            headers, data = self._get(url, None, {"If-None-Match": etag} if etag else None)
        except NotFoundError:
            return FileRead("absent")
        if data is None:  # 304 Not Modified: no body
            return FileRead("unchanged", etag=etag)
        return FileRead("found", _file_content(data), _header(headers, "etag"))

    def workflow_runs(
        self, full_name: str, workflow: str, branch: str, etags: Lookup | None = None
    ) -> Listing:
        return Listing(
            self,
            f"/repos/{full_name}/actions/workflows/{workflow}/runs",
            {"branch": branch, "status": "completed", "exclude_pull_requests": "true"},
            item_key="workflow_runs",
            etags=etags,
        )

    def releases(
        self, full_name: str, etags: Lookup | None = None, known_next: Lookup | None = None
    ) -> Listing:
        """Every page of the releases, each asked with its own known etag."""
        return Listing(
            self, f"/repos/{full_name}/releases", etags=etags, every_page=True, known_next=known_next
        )

    def commit(self, full_name: str, ref: str) -> Json:
        return dict(self._get(f"/repos/{full_name}/commits/{ref}")[1])

    def issue_if_changed(
        self, full_name: str, number: int, etag: str | None, modified_since: datetime | None
    ) -> Answer:
        """One issue; GitHub answers a transferred one's URL with a 301 that the client follows."""
        return self.conditional(f"/repos/{full_name}/issues/{number}", None, etag, modified_since)

    def issues_with_label(
        self,
        full_name: str,
        label: str,
        since: datetime,
        etags: Lookup | None = None,
        known_next: Lookup | None = None,
    ) -> Listing:
        """Issues (and PRs, which the issues API also lists) carrying ``label`` updated since ``since``,
        newest update first, each page asked with its own known etag: the pages' URLs stay the same
        from one sync to the next, so an unchanged page is answered 304."""
        return Listing(
            self,
            f"/repos/{full_name}/issues",
            {
                "labels": label,
                "state": "all",
                "sort": "updated",
                "direction": "desc",
                "since": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            etags=etags,
            every_page=True,
            known_next=known_next,
        )

    def closed_pulls(self, full_name: str, etags: Lookup | None = None) -> Listing:
        return Listing(
            self,
            f"/repos/{full_name}/pulls",
            {"state": "closed", "sort": "updated", "direction": "desc"},
            etags=etags,
        )

    def pull_commits(self, full_name: str, number: int) -> list[Json]:
        return [item for page in self.pages(f"/repos/{full_name}/pulls/{number}/commits") for item in page]

    def pull_reviews(self, full_name: str, number: int) -> list[Json]:
        return [item for page in self.pages(f"/repos/{full_name}/pulls/{number}/reviews") for item in page]


Lookup = Callable[[str], str | None]


def url_key(url: str, params: dict[str, Any] | None = None) -> str:
    """The key a URL's etag is kept under: the path (or absolute next link) and its sorted query."""
    if not params:
        return url
    return f"{url}?{urllib.parse.urlencode(sorted((k, str(v)) for k, v in params.items()))}"


@dataclass(frozen=True)
class Answer:
    """A conditional GET: ``data`` is None and ``not_modified`` True when GitHub answered 304."""

    key: str
    data: Any
    etag: str | None
    not_modified: bool


class Listing:
    """The pages of a GitHub list, following ``Link: rel="next"``, iterated once.

    ``etags`` gives the stored validator of a page's key. The first page is asked with
    ``If-None-Match``: if GitHub answers 304 the iteration yields nothing and ``not_modified`` is True.
    With ``every_page``, every page is asked so, and a 304 page yields an empty list (``unchanged``
    holds its key; ``known_next`` gives its next link if the 304 does not repeat it). After the
    iteration ``etag`` is the first page's validator and ``answers`` maps every page's key to its
    validator, for the caller to store once the facts are committed.
    """

    def __init__(
        self,
        client: GitHubClient,
        url: str,
        params: dict[str, Any] | None = None,
        item_key: str | None = None,
        *,
        etags: Lookup | None = None,
        every_page: bool = False,
        known_next: Lookup | None = None,
    ) -> None:
        self._client = client
        self._url = url
        self._query: dict[str, Any] = {"per_page": PER_PAGE, **(params or {})}
        self._item_key = item_key
        self._etags = etags
        self._every_page = every_page
        self._known_next = known_next
        self.key = url_key(url, self._query)
        self.etag: str | None = None
        self.not_modified = False
        self.answers: dict[str, str] = {}
        self.unchanged: list[str] = []
        self.next_links: dict[str, str | None] = {}
        self.keys: list[str] = []

    def __iter__(self) -> Iterator[list[Json]]:
        query: dict[str, Any] | None = self._query
        next_url: str | None = self._url
        first = True
        while next_url is not None:
            key = url_key(next_url, query)
            known = self._etags(key) if self._etags and (first or self._every_page) else None
            headers, data = self._client._get(next_url, query, {"If-None-Match": known} if known else None)
            query = None  # the next link carries every parameter
            etag = known if data is None else _header(headers, "etag")
            if etag:
                self.answers[key] = etag
            if first:
                self.etag = etag
            if data is None:  # 304 Not Modified
                if not self._every_page:
                    self.not_modified = True
                    return
                self.unchanged.append(key)
                data = {} if self._item_key else []
            first = False
            items = data.get(self._item_key, []) if self._item_key else data
            match = _NEXT_LINK.search(_header(headers, "link") or "")
            next_url = match.group(1) if match else None
            if next_url is None and key in self.unchanged and self._known_next:
                # A 304 need not repeat the Link header: the page's next link as last answered.
                next_url = self._known_next(key)
            self.keys.append(key)
            self.next_links[key] = next_url
            yield list(items)


@dataclass(frozen=True)
class FileRead:
    """A conditional read of a file: ``found`` (with its text, None if it is not a file), ``absent``, or
    ``unchanged`` since the ``etag`` given."""

    state: str
    text: str | None = None
    etag: str | None = None


def _file_content(data: Any) -> str | None:
    if not isinstance(data, dict) or data.get("type") != "file":
        return None
    if data.get("encoding") == "base64":
        return base64.b64decode(data.get("content") or "").decode("utf-8", errors="replace")
    return str(data.get("content") or "")
