"""The PagerDuty REST API v2 source, through the official ``pagerduty`` client.

The client brings token auth, the https-only base URL, the API's media type and its exception types.
Two of its habits do not suit a collector, so they are bounded here:

* it retries 429 forever, with exponential ``time.sleep`` waits and no cap, and ignores
  ``ratelimit-reset``; we make it hand every error response back at once and let ``classify`` and
  ``collector.sources.retry`` decide (with an injected sleep, the header honoured and attempts capped);
* its ``iter_all`` stops with only a warning once offset + limit passes 10,000, so we page ourselves and
  split a date range whose ``total`` would pass that cap.

PagerDuty also refuses ``since``/``until`` ranges longer than 6 months, so ranges are sliced first.
Every library exception (``pagerduty`` errors and the ``httpx2`` transport errors behind them) is
translated in ``classify`` and nowhere else.
"""

from __future__ import annotations

import dataclasses
import logging
import ssl
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pagerduty

from collector.models import IncidentFact
from collector.sources.retry import RetryPolicy, call_with_retries
from store.errors import FatalSourceError, SourceError, TransientSourceError

Json = dict[str, Any]
SOURCE = "pagerduty"
PAGE_LIMIT = 100  # the largest page PagerDuty serves
# offset + limit may not pass this on classic pagination; PagerDuty answers 400 (code 2002) beyond it.
OFFSET_CAP = pagerduty.ITERATION_LIMIT
# Service ids per incident listing: keeps request URLs short for organisations with many services.
SERVICE_CHUNK = 50
# PagerDuty refuses since/until ranges longer than 6 months; 179 days stays clear of every month length.
MAX_RANGE = timedelta(days=179)
OFFSET_CAP_ERROR_CODE = 2002


class _DropGaveUpNotice(logging.Filter):
    """The client logs an ERROR "Non-transient HTTP error: exceeded maximum number of attempts" each
    time it hands an error response back, which with our settings is every 429: misleading noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "exceeded maximum number of attempts" not in str(record.msg)


_client_log = logging.getLogger(f"{__name__}.client")
_client_log.addFilter(_DropGaveUpNotice())


class NotFoundError(SourceError):
    """The incident is gone (404), e.g. deleted, or hidden from this token."""


class OffsetCapError(SourceError):
    """PagerDuty refused a page past its 10,000 offset cap: the range holds too many incidents."""


# ------------------------------------------------------------------------------------- failures


def _error_details(response: httpx2.Response) -> tuple[int | None, str]:
    """PagerDuty's ``{"error": {"code", "message", "errors"}}`` body as (code, one-line text)."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, response.text[:200]
    code = error.get("code")
    parts = [str(error.get("message") or "")]
    parts += [str(detail) for detail in error.get("errors") or () if detail]
    return (code if isinstance(code, int) else None), "; ".join(part for part in parts if part)


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _caused_by(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def classify(exc: BaseException) -> BaseException:
    """Sort one failed PagerDuty request into retry (``TransientSourceError`` with a wait) or not."""
    if isinstance(exc, pagerduty.HttpError) and exc.response is not None:
        response = exc.response
        status = response.status_code
        if status == 401:
            # A wrong, revoked or other-region token: every further request would fail the same way.
            return FatalSourceError(
                "PagerDuty rejected the token (401 Unauthorized): check pagerduty.token",
                source=SOURCE,
                status=401,
            )
        if status == 403:
            return FatalSourceError(
                "PagerDuty refused access (403 Forbidden): pagerduty.token cannot read incidents",
                source=SOURCE,
                status=403,
            )
        if status == 429:
            # ratelimit-reset is the number of seconds until the account's budget refills; without it
            # the retry policy backs off exponentially.
            reset = _seconds(response.headers.get("ratelimit-reset"))
            hint = f", ratelimit-reset {reset:g} s" if reset is not None else ""
            return TransientSourceError(
                f"PagerDuty rate limit (429){hint}", source=SOURCE, status=429, retry_after=reset
            )
        if status >= 500:
            return TransientSourceError(f"PagerDuty server error {status}", source=SOURCE, status=status)
        code, message = _error_details(response)
        if status == 404:
            return NotFoundError(
                f"not found on PagerDuty: {message or 'Not Found'}", source=SOURCE, status=404
            )
        if status == 400 and (code == OFFSET_CAP_ERROR_CODE or "Offset+limit" in message):
            return OffsetCapError(f"PagerDuty offset cap: {message}", source=SOURCE, status=400)
        if response.is_success:
            # A 2xx whose body is not what the API promises (ServerHttpError): a proxy or an outage page.
            return TransientSourceError(f"PagerDuty sent an unexpected body: {exc}", source=SOURCE)
        return FatalSourceError(f"PagerDuty answered {status}: {message}", source=SOURCE, status=status)
    if isinstance(exc, pagerduty.UrlError):
        return FatalSourceError(f"pagerduty.base_url: {exc}", source=SOURCE)
    if isinstance(exc, pagerduty.Error | httpx2.TransportError):
        # The client gives up on the first network failure (max_network_attempts = 0) and wraps it.
        if _caused_by(exc, ssl.SSLCertVerificationError) is not None:
            return FatalSourceError(
                "PagerDuty's TLS certificate is not trusted: check pagerduty.ca_bundle", source=SOURCE
            )
        if _caused_by(exc, httpx2.TimeoutException) is not None:
            return TransientSourceError("PagerDuty timed out", source=SOURCE)
        transport = _caused_by(exc, httpx2.TransportError)
        if transport is not None:
            return TransientSourceError(f"PagerDuty unreachable: {type(transport).__name__}", source=SOURCE)
    return exc


# ------------------------------------------------------------------------------------- parsing


def parse_instant(value: object) -> datetime | None:
    """A PagerDuty timestamp (``2022-11-03T06:23:06.000000Z``, ``…Z`` or an offset) as aware UTC."""
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_instant(moment: datetime) -> str:
    """The ``since``/``until`` form PagerDuty documents: ISO 8601, UTC, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def whole_second(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def needs_resolve_log(item: Json) -> bool:
    """A resolved incident without ``resolved_at``: its resolve log entry says when (SPEC §5.4)."""
    return item.get("status") == "resolved" and not item.get("resolved_at")


def resolve_log_instant(entries: Iterable[Json]) -> datetime | None:
    """The ``created_at`` of the latest ``resolve_log_entry`` among ``entries``."""
    instants = [
        instant
        for entry in entries
        if entry.get("type") == "resolve_log_entry"
        and (instant := parse_instant(entry.get("created_at"))) is not None
    ]
    return max(instants, default=None)


def parse_incident(item: Json, resolve_log_at: datetime | None = None) -> IncidentFact:
    """One PagerDuty incident. resolved_at: ``resolved_at``, else the resolve log entry's
    ``created_at`` (``resolve_log_at``), else ``last_status_change_at`` when status is resolved."""
    started_at = parse_instant(item.get("created_at"))
    if started_at is None:
        raise ValueError(f"PagerDuty incident {item.get('id')!r} has no created_at")
    status = str(item.get("status") or "")
    last_change = parse_instant(item.get("last_status_change_at"))
    resolved_at = parse_instant(item.get("resolved_at"))
    if resolved_at is None and status == "resolved":
        resolved_at = resolve_log_at or last_change
    service = item.get("service") or {}
    description = item.get("description")
    urgency = item.get("urgency")
    return IncidentFact(
        source=SOURCE,
        incident_id=str(item["id"]),
        service=str(service.get("id") or ""),
        title=str(item.get("title") or item.get("summary") or ""),
        description=None if description is None else str(description),
        urgency=None if urgency is None else str(urgency),
        status=status,
        started_at=started_at,
        resolved_at=resolved_at,
        updated_at=parse_instant(item.get("updated_at")) or last_change or started_at,
    )


# ------------------------------------------------------------------------------------- ranges


def date_slices(
    since: datetime, until: datetime, longest: timedelta = MAX_RANGE
) -> list[tuple[datetime, datetime]]:
    """Consecutive half-open ranges covering [since, until), none longer than ``longest``."""
    slices = []
    start = since
    while start < until:
        end = min(start + longest, until)
        slices.append((start, end))
        start = end
    return slices


def _midpoint(since: datetime, until: datetime) -> datetime | None:
    """The whole second halving [since, until), or None when the range cannot be split further."""
    middle = whole_second(since + (until - since) / 2)
    return middle if since < middle < until else None


@dataclass(frozen=True)
class IncidentPage:
    """One page of incidents created in [since, until). ``complete`` is set on the last page of the
    range: every incident created before ``until`` has then been listed."""

    since: datetime
    until: datetime
    incidents: list[Json]
    complete: bool


# ------------------------------------------------------------------------------------- client


class PagerDutyClient:
    """The few PagerDuty requests the collector makes, each retried through ``retry``."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        ca_bundle: str | None = None,
        retry: RetryPolicy | None = None,
        timeout: int = 30,
    ) -> None:
        # httpx2 deprecates verify=<path> (a DeprecationWarning), so the CA file becomes an SSL context.
        try:
            verify: ssl.SSLContext | bool = (
                ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True
            )
        except (OSError, ssl.SSLError) as exc:
            raise FatalSourceError(
                f"pagerduty.ca_bundle: cannot load {ca_bundle!r}: {exc}", source=SOURCE
            ) from exc
        try:
            self._api = pagerduty.RestApiV2Client(token, base_url=base_url.rstrip("/"), verify=verify)
        except pagerduty.UrlError as exc:
            raise FatalSourceError(
                f"pagerduty.base_url: {base_url!r} is not an https:// URL (the PagerDuty client refuses it)",
                source=SOURCE,
            ) from exc
        self._api.timeout = timeout
        self._api.log = _client_log
        # Hand every error response back at once. A status listed in ``retry`` with a positive count is
        # returned once ``sum(attempts) > max_http_attempts``, which -1 makes true before any retry;
        # 0 would still retry once after a real time.sleep. Without a 429 entry the client would retry
        # 429 forever; 401 raises in the client; 5xx are returned as they are.
        self._api.retry = {429: 1}
        self._api.max_http_attempts = -1
        # Network failures: raise on the first one instead of sleeping (really) and retrying.
        self._api.max_network_attempts = 0
        self._retry = retry or RetryPolicy()
        self.requests_made = 0

    def close(self) -> None:
        self._api.close()

    def __enter__(self) -> PagerDutyClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Json:
        def operation() -> Json:
            self.requests_made += 1
            body = self._api.jget(path, params=params)
            if not isinstance(body, dict):
                raise TransientSourceError(f"GET {path}: PagerDuty sent no JSON object", source=SOURCE)
            return body

        return call_with_retries(self._retry, f"GET {path}", operation, lambda exc, _: classify(exc))

    # -- incidents -----------------------------------------------------------------------------------

    def _incident_list(
        self,
        service_ids: Sequence[str],
        urgencies: Sequence[str],
        since: datetime,
        until: datetime,
        offset: int,
        *,
        total: bool,
    ) -> Json:
        params: dict[str, Any] = {
            "since": format_instant(since),
            "until": format_instant(until),
            "time_zone": "UTC",
            # Never ask past the cap: a shorter last page is fine, a 400 is not.
            "limit": min(PAGE_LIMIT, OFFSET_CAP - offset),
            "offset": offset,
            "total": "true" if total else "false",
        }
        if service_ids:
            params["service_ids[]"] = list(service_ids)
        if urgencies:
            params["urgencies[]"] = list(urgencies)
        return self._get("/incidents", params)

    def incident_pages(
        self, service_ids: Sequence[str], urgencies: Sequence[str], since: datetime, until: datetime
    ) -> Iterator[IncidentPage]:
        """Every incident of the services and urgencies created in [since, until), page by page, in
        chronological ranges: at most 179 days each, halved until each holds at most 10,000, for at
        most ``SERVICE_CHUNK`` services a request."""
        # Long service lists go in chunks, so that no request URL grows past what servers accept. A
        # slice is complete only once its last chunk is: the cursor must not pass incidents of a
        # chunk not listed yet.
        ids = list(service_ids)
        chunks = [ids[i : i + SERVICE_CHUNK] for i in range(0, len(ids), SERVICE_CHUNK)] or [[]]
        for start, end in date_slices(whole_second(since), whole_second(until)):
            for number, chunk in enumerate(chunks, start=1):
                for page in self._range_pages(chunk, urgencies, start, end):
                    yield dataclasses.replace(page, complete=page.complete and number == len(chunks))

    def _range_pages(
        self, service_ids: Sequence[str], urgencies: Sequence[str], since: datetime, until: datetime
    ) -> Iterator[IncidentPage]:
        first = self._incident_list(service_ids, urgencies, since, until, 0, total=True)
        if int(first.get("total") or 0) > OFFSET_CAP:
            yield from self._halves(service_ids, urgencies, since, until)
            return
        page, offset = first, 0
        while True:
            incidents = list(page.get("incidents") or ())
            offset += len(incidents)
            more = bool(page.get("more")) and bool(incidents)
            if more and offset >= OFFSET_CAP:
                # The range grew past the cap while we paged: list it again, halved. What was already
                # yielded is yielded again; the store's upserts make that harmless.
                yield from self._halves(service_ids, urgencies, since, until)
                return
            yield IncidentPage(since, until, incidents, complete=not more)
            if not more:
                return
            try:
                page = self._incident_list(service_ids, urgencies, since, until, offset, total=False)
            except OffsetCapError:
                yield from self._halves(service_ids, urgencies, since, until)
                return

    def _halves(
        self, service_ids: Sequence[str], urgencies: Sequence[str], since: datetime, until: datetime
    ) -> Iterator[IncidentPage]:
        middle = _midpoint(since, until)
        if middle is None:
            raise FatalSourceError(
                f"PagerDuty lists more than {OFFSET_CAP} incidents created in the second "
                f"{format_instant(since)}: they cannot all be paged",
                source=SOURCE,
            )
        yield from self._range_pages(service_ids, urgencies, since, middle)
        yield from self._range_pages(service_ids, urgencies, middle, until)

    def incidents(
        self, service_ids: Sequence[str], urgencies: Sequence[str], since: datetime, until: datetime
    ) -> list[Json]:
        """Every incident created in [since, until), each once."""
        by_id: dict[str, Json] = {}
        for page in self.incident_pages(service_ids, urgencies, since, until):
            for item in page.incidents:
                by_id[str(item["id"])] = item
        return list(by_id.values())

    def incident(self, incident_id: str) -> Json:
        return dict(self._get(f"/incidents/{incident_id}")["incident"])

    def resolve_log_at(self, incident_id: str) -> datetime | None:
        """The ``created_at`` of the incident's resolve log entry, or None when it has none.

        Log entries come newest first, so the resolve entry is almost always on the first page."""
        offset = 0
        while offset < OFFSET_CAP:
            body = self._get(
                f"/incidents/{incident_id}/log_entries",
                {"limit": min(PAGE_LIMIT, OFFSET_CAP - offset), "offset": offset, "time_zone": "UTC"},
            )
            entries = list(body.get("log_entries") or ())
            found = resolve_log_instant(entries)
            if found is not None or not body.get("more") or not entries:
                return found
            offset += len(entries)
        return None

    def to_fact(self, item: Json) -> IncidentFact:
        """Parse ``item``; a resolved incident without ``resolved_at`` costs one log-entry request,
        unless the payload already carries its log entries (devlake's recorded incidents do)."""
        resolve_log_at = None
        if needs_resolve_log(item):
            embedded = item.get("log_entries")
            resolve_log_at = resolve_log_instant(embedded) if isinstance(embedded, list) else None
            if resolve_log_at is None:
                resolve_log_at = self.resolve_log_at(str(item["id"]))
        return parse_incident(item, resolve_log_at)
