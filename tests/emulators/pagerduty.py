"""A loopback imitation of the PagerDuty REST API v2 over HTTPS, for tests that drive the real
``pagerduty`` client (which refuses plain http).

The server is a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 wrapped in TLS with a certificate for
127.0.0.1/localhost issued at start by a throwaway ``trustme`` CA; ``ca_file`` is that CA's PEM, for the
client's ``verify``. Handlers are plain functions over an in-memory :class:`PagerDutyDataset` of services
and incidents, built with :meth:`PagerDutyDataset.add_incident` or loaded verbatim from recorded payloads
(:func:`load_devlake_incidents`).

Where a client can notice, it answers like PagerDuty:

* ``Authorization: Token token=…`` checked, else 401 (code 2006);
* ``GET /incidents`` with ``service_ids[]``, ``urgencies[]``, ``statuses[]``, ``since``/``until``
  (incidents created in [since, until); default the last month; ``date_range=all`` lifts it), classic
  pagination (``limit`` default 25, at most 100; ``offset``; ``total`` only with ``total=true``;
  ``more``), and PagerDuty's two refusals: offset + limit past 10,000 → 400 code 2002 "Offset+limit
  exceeds maximum allowed value of 10000…", and a since/until range longer than 6 months → 400 code
  2001 "Invalid Input Provided" (the documented maximum; body as PagerDuty sent it for a 2-year range,
  xginn8/grafana-pagerduty#19);
* ``GET /incidents/{id}`` and ``GET /incidents/{id}/log_entries`` (newest first, same pagination);
* ``inject`` replaces the next matching answers with faults: 429 with or without ``ratelimit-reset``,
  5xx, 401, a dropped connection.

Typical use::

    dataset = PagerDutyDataset()
    dataset.add_service("PSVC001", "Orders")
    dataset.add_incident("Q1", "PSVC001", "checkout down", t0, resolved_at=t1)
    with PagerDutyEmulator(dataset) as pd:
        client = pagerduty.RestApiV2Client("test-token", base_url=pd.base_url,
                                           verify=ssl.create_default_context(cafile=pd.ca_file))
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import json
import re
import ssl
import tempfile
import threading
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import trustme

from tests.emulators.loopback import Faults, Loopback, LoopbackHandler

API = "https://api.pagerduty.com"
WEB = "https://acme.pagerduty.com"
PAGE_LIMIT_DEFAULT = 25
PAGE_LIMIT_MAX = 100
OFFSET_CAP = 10_000
MAX_RANGE_MONTHS = 6
OFFSET_CAP_MESSAGE = (
    "Offset+limit exceeds maximum allowed value of 10000. Please try to refine your search to reduce "
    "the returned set of records below this number, like adding a date range."
)
DEVLAKE_INCIDENTS = Path(__file__).resolve().parents[1] / "fixtures/devlake-e2e/_raw_pagerduty_incidents.csv"
Json = dict[str, Any]


# --------------------------------------------------------------------------------------------- time


def iso(moment: datetime) -> str:
    """PagerDuty's timestamp form: UTC, whole seconds, ``Z``."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: give the emulator aware datetimes")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(value: str) -> datetime:
    """ISO 8601 with ``Z``, an offset or none (taken as UTC, as ``time_zone=UTC`` asks)."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus calendar months, the day clamped to the target month's length."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    next_month = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=moment.tzinfo)
    last_day = (next_month - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


# ------------------------------------------------------------------------------------- JSON shapes


def _reference(kind: str, object_id: str, summary: str, collection: str) -> Json:
    return {
        "id": object_id,
        "type": f"{kind}_reference",
        "summary": summary,
        "self": f"{API}/{collection}/{object_id}",
        "html_url": f"{WEB}/{collection}/{object_id}",
    }


def service_json(service_id: str, name: str) -> Json:
    return {
        "id": service_id,
        "type": "service",
        "summary": name,
        "self": f"{API}/services/{service_id}",
        "html_url": f"{WEB}/service-directory/{service_id}",
        "name": name,
        "status": "active",
    }


def _log_entry(entry_id: str, kind: str, summary: str, at: datetime, incident: Json) -> Json:
    return {
        "id": entry_id,
        "type": f"{kind}_log_entry",
        "summary": summary,
        "self": f"{API}/log_entries/{entry_id}",
        "html_url": None,
        "created_at": iso(at),
        "agent": incident["service"],
        "channel": {"type": "api"},
        "incident": {
            "id": incident["id"],
            "type": "incident_reference",
            "summary": incident["summary"],
            "self": incident["self"],
            "html_url": incident["html_url"],
        },
        "teams": [],
    }


@dataclass
class StoredIncident:
    """One incident: ``payload`` is served as it is; ``log_entries`` back its log-entries endpoint."""

    payload: Json
    created_at: datetime
    number: int
    log_entries: list[Json] = field(default_factory=list)

    @property
    def incident_id(self) -> str:
        return str(self.payload["id"])

    def matches(self, service_ids: Sequence[str], urgencies: Sequence[str], statuses: Sequence[str]) -> bool:
        payload = self.payload
        return (
            (not service_ids or (payload.get("service") or {}).get("id") in service_ids)
            and (not urgencies or payload.get("urgency") in urgencies)
            and (not statuses or payload.get("status") in statuses)
        )


class PagerDutyDataset:
    """Services and incidents the emulator serves. ``now`` anchors the default one-month range."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 7, 1, tzinfo=UTC)
        self.services: dict[str, Json] = {}
        self.incidents: dict[str, StoredIncident] = {}
        self._numbers = 0
        self._entries = 0
        self._index: tuple[list[datetime], list[StoredIncident]] | None = None

    # -- building --------------------------------------------------------------------------------

    def add_service(self, service_id: str, name: str) -> Json:
        self.services[service_id] = service_json(service_id, name)
        return self.services[service_id]

    def _entry_id(self) -> str:
        self._entries += 1
        return f"R{self._entries:025X}"

    def add_incident(
        self,
        incident_id: str,
        service_id: str,
        title: str,
        created_at: datetime,
        *,
        urgency: str = "high",
        status: str = "resolved",
        resolved_at: datetime | None = None,
        last_status_change_at: datetime | None = None,
        resolve_log_at: datetime | None = None,
        description: str | None = None,
        updated_at: datetime | None = None,
    ) -> Json:
        """An incident shaped like PagerDuty's. ``resolved_at`` None leaves the key out (older
        payloads lack it); ``resolve_log_at`` adds a ``resolve_log_entry`` at that instant."""
        if status not in ("triggered", "acknowledged", "resolved"):
            raise ValueError(f"unknown incident status {status!r}")
        if incident_id in self.incidents:
            raise ValueError(f"incident {incident_id} already exists")
        service = self.services.get(service_id) or self.add_service(service_id, service_id)
        self._numbers += 1
        number = self._numbers
        changed = last_status_change_at or resolved_at or resolve_log_at or created_at
        payload: Json = {
            "id": incident_id,
            "type": "incident",
            "summary": f"[#{number}] {title}",
            "self": f"{API}/incidents/{incident_id}",
            "html_url": f"{WEB}/incidents/{incident_id}",
            "incident_number": number,
            "title": title,
            "description": title if description is None else description,
            "created_at": iso(created_at),
            "updated_at": iso(updated_at or changed),
            "status": status,
            "incident_key": hashlib.md5(incident_id.encode(), usedforsecurity=False).hexdigest(),
            "service": _reference("service", service_id, service["name"], "services"),
            "assignments": [],
            "assigned_via": "escalation_policy",
            "last_status_change_at": iso(changed),
            "first_trigger_log_entry": None,
            "alert_counts": {
                "all": 1,
                "triggered": 0 if status == "resolved" else 1,
                "resolved": 1 if status == "resolved" else 0,
            },
            "is_mergeable": True,
            "escalation_policy": _reference("escalation_policy", "PEP0001", "Default", "escalation_policies"),
            "teams": [],
            "pending_actions": [],
            "acknowledgements": [],
            "basic_alert_grouping": None,
            "alert_grouping": None,
            "last_status_change_by": _reference("service", service_id, service["name"], "services"),
            "priority": None,
            "resolve_reason": None,
            "incidents_responders": [],
            "responder_requests": [],
            "subscriber_requests": [],
            "urgency": urgency,
        }
        if resolved_at is not None:
            payload["resolved_at"] = iso(resolved_at)
        trigger = _log_entry(self._entry_id(), "trigger", "Triggered through the API.", created_at, payload)
        payload["first_trigger_log_entry"] = {
            key: trigger[key] for key in ("id", "summary", "self", "html_url")
        } | {"type": "trigger_log_entry_reference"}
        stored = StoredIncident(payload, created_at, number, [trigger])
        if status == "acknowledged":
            self._log(stored, "acknowledge", "Acknowledged through the API.", changed)
        if resolve_log_at is not None:
            self._log(stored, "resolve", "Resolved through the API.", resolve_log_at)
        self.incidents[incident_id] = stored
        self._index = None
        return payload

    def _log(self, stored: StoredIncident, kind: str, summary: str, at: datetime) -> None:
        stored.log_entries.append(_log_entry(self._entry_id(), kind, summary, at, stored.payload))

    def resolve(
        self, incident_id: str, at: datetime, *, resolved_at_field: bool = True, log_entry: bool = True
    ) -> Json:
        """Resolve an open incident at ``at``, as PagerDuty records it (``resolved_at``, a resolve log
        entry, ``last_status_change_at``); either of the first two can be left out."""
        stored = self.incidents[incident_id]
        payload = stored.payload
        payload.update(status="resolved", last_status_change_at=iso(at), updated_at=iso(at))
        payload["alert_counts"] = {"all": 1, "triggered": 0, "resolved": 1}
        if resolved_at_field:
            payload["resolved_at"] = iso(at)
        if log_entry:
            self._log(stored, "resolve", "Resolved through the API.", at)
        return payload

    def delete(self, incident_id: str) -> None:
        """The incident is gone, as a deleted service's incidents are: listed no more, 404 by id."""
        del self.incidents[incident_id]
        self._index = None

    def add_recorded_incident(self, payload: Json) -> Json:
        """A real incident payload, served verbatim; its embedded ``log_entries`` (devlake keeps them)
        back the log-entries endpoint."""
        incident_id = str(payload["id"])
        service = payload.get("service") or {}
        if service.get("id") and service["id"] not in self.services:
            self.add_service(service["id"], service.get("summary") or service["id"])
        number = int(payload.get("incident_number") or 0)
        self._numbers = max(self._numbers, number)
        entries = [dict(entry) for entry in payload.get("log_entries") or ()]
        self.incidents[incident_id] = StoredIncident(
            payload, parse_timestamp(payload["created_at"]), number, entries
        )
        self._index = None
        return payload

    # -- querying --------------------------------------------------------------------------------

    def created_between(self, since: datetime | None, until: datetime | None) -> list[StoredIncident]:
        """Incidents created in [since, until), oldest first (PagerDuty's default order)."""
        if self._index is None:
            ordered = sorted(self.incidents.values(), key=lambda i: (i.created_at, i.number, i.incident_id))
            self._index = ([i.created_at for i in ordered], ordered)
        instants, ordered = self._index
        low = 0 if since is None else bisect.bisect_left(instants, since)
        high = len(ordered) if until is None else bisect.bisect_left(instants, until)
        return ordered[low:high]

    def log_entries(self, incident_id: str) -> list[Json]:
        entries = self.incidents[incident_id].log_entries
        return sorted(entries, key=lambda e: parse_timestamp(e["created_at"]), reverse=True)


def load_devlake_incidents(dataset: PagerDutyDataset, path: Path = DEVLAKE_INCIDENTS) -> list[str]:
    """Load devlake's recorded PagerDuty incidents (column ``data``), connection 1 only; their ids."""
    ids = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if json.loads(row["params"]).get("ConnectionId") != 1:
                continue
            ids.append(str(dataset.add_recorded_incident(json.loads(row["data"]))["id"]))
    return ids


# ------------------------------------------------------------------------------------- faults


@dataclass(frozen=True)
class Fault:
    """An answer that replaces the real one; build with the class methods."""

    status: int
    body: Json | None = None
    headers: tuple[tuple[str, str], ...] = ()
    drop_connection: bool = False

    @classmethod
    def rate_limited(cls, reset: int | None = None) -> Fault:
        """429; with ``reset``, PagerDuty's ``ratelimit-*`` headers saying to wait that many seconds."""
        headers: tuple[tuple[str, str], ...] = ()
        if reset is not None:
            headers = (
                ("ratelimit-limit", "960"),
                ("ratelimit-remaining", "0"),
                ("ratelimit-reset", str(reset)),
            )
        return cls(429, {"error": {"message": "Rate Limit Exceeded"}}, headers)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls(status, {"error": {"message": "Internal Error", "code": 2000}})

    @classmethod
    def unauthorized(cls) -> Fault:
        return cls(401, _UNAUTHORIZED)

    @classmethod
    def connection_reset(cls) -> Fault:
        return cls(0, drop_connection=True)


_UNAUTHORIZED: Json = {"error": {"message": "Authentication failed", "code": 2006}}


@dataclass(frozen=True)
class RequestRecord:
    """One request the emulator answered (header names lower-case; status 0: connection dropped)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass(frozen=True)
class Reply:
    status: int
    body: Json
    headers: tuple[tuple[str, str], ...] = ()
    drop_connection: bool = False


# ------------------------------------------------------------------------------------- handlers


class BadRequest(Exception):
    def __init__(self, code: int, message: str, errors: Sequence[str]) -> None:
        super().__init__(message)
        self.body: Json = {"error": {"message": message, "code": code, "errors": list(errors)}}


def _invalid(name: str) -> BadRequest:
    return BadRequest(2001, "Invalid Input Provided", [f"{name} is invalid."])


def _int_param(query: Mapping[str, list[str]], name: str, default: int) -> int:
    values = query.get(name)
    if not values or values[0] == "":
        return default
    try:
        value = int(values[0])
    except ValueError:
        raise _invalid(name) from None
    if value < 0:
        raise _invalid(name)
    return value


def _list_param(query: Mapping[str, list[str]], name: str) -> list[str]:
    return [value for value in query.get(f"{name}[]", []) + query.get(name, []) if value]


def _instant_param(query: Mapping[str, list[str]], name: str) -> datetime | None:
    values = query.get(name)
    if not values or not values[0]:
        return None
    try:
        return parse_timestamp(values[0])
    except ValueError:
        raise _invalid(name) from None


def _page(query: Mapping[str, list[str]], items: Sequence[Json], key: str) -> Json:
    """Classic pagination over ``items``, with PagerDuty's limits and its 10,000 offset cap."""
    limit = min(_int_param(query, "limit", PAGE_LIMIT_DEFAULT), PAGE_LIMIT_MAX) or PAGE_LIMIT_DEFAULT
    offset = _int_param(query, "offset", 0)
    if offset + limit > OFFSET_CAP:
        raise BadRequest(2002, "Arguments Caused Error", [OFFSET_CAP_MESSAGE])
    page = list(items[offset : offset + limit])
    with_total = (query.get("total") or ["false"])[0].lower() == "true"
    return {
        key: page,
        "limit": limit,
        "offset": offset,
        "total": len(items) if with_total else None,
        "more": offset + len(page) < len(items),
    }


def list_incidents(dataset: PagerDutyDataset, query: Mapping[str, list[str]]) -> Reply:
    since, until = _instant_param(query, "since"), _instant_param(query, "until")
    if (query.get("date_range") or [""])[0] == "all":
        since = until = None
    else:
        until = until or dataset.now
        since = since or add_months(until, -1)
        if since > until:
            raise _invalid("since")
        if until > add_months(since, MAX_RANGE_MONTHS):
            # What PagerDuty sent for a since/until range of two years (xginn8/grafana-pagerduty#19).
            raise BadRequest(2001, "Invalid Input Provided", [" is invalid."])
    service_ids = _list_param(query, "service_ids")
    urgencies = _list_param(query, "urgencies")
    statuses = _list_param(query, "statuses")
    matching = [
        stored.payload
        for stored in dataset.created_between(since, until)
        if stored.matches(service_ids, urgencies, statuses)
    ]
    return Reply(200, _page(query, matching, "incidents"))


def get_incident(dataset: PagerDutyDataset, incident_id: str) -> Reply:
    stored = dataset.incidents.get(incident_id)
    if stored is None:
        return Reply(404, _NOT_FOUND)
    return Reply(200, {"incident": stored.payload})


def list_log_entries(dataset: PagerDutyDataset, incident_id: str, query: Mapping[str, list[str]]) -> Reply:
    if incident_id not in dataset.incidents:
        return Reply(404, _NOT_FOUND)
    return Reply(200, _page(query, dataset.log_entries(incident_id), "log_entries"))


_NOT_FOUND: Json = {"error": {"message": "Not Found", "code": 2100}}
_ROUTES: list[tuple[re.Pattern[str], Callable[[PagerDutyDataset, Mapping[str, list[str]], str], Reply]]] = [
    (re.compile(r"/incidents"), lambda d, q, _: list_incidents(d, q)),
    (re.compile(r"/incidents/([^/]+)"), lambda d, _, i: get_incident(d, i)),
    (re.compile(r"/incidents/([^/]+)/log_entries"), lambda d, q, i: list_log_entries(d, i, q)),
]


# ------------------------------------------------------------------------------------- server


class _Handler(LoopbackHandler):
    timeout = 30

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 0:
            self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.server.emulator.serve(self.command, self.path, headers)
        if reply.drop_connection:
            self.close_connection = True
            return
        body = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("x-request-id", f"emulated-{len(self.server.emulator.requests)}")
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT = do_DELETE = do_GET


class PagerDutyEmulator:
    """The loopback PagerDuty over HTTPS. Use as a context manager, or ``start()`` and ``stop()``."""

    def __init__(self, dataset: PagerDutyDataset, *, token: str = "test-token") -> None:
        self.dataset = dataset
        self.token = token
        self.requests: list[RequestRecord] = []
        self._faults: Faults[Fault] = Faults()
        self._lock = threading.Lock()
        self._loopback = Loopback("pagerduty-emulator")
        self._ca_dir: tempfile.TemporaryDirectory[str] | None = None

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> PagerDutyEmulator:
        if self._ca_dir is not None:
            raise RuntimeError("emulator already started")
        ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._ca_dir = tempfile.TemporaryDirectory(prefix="pagerduty-emulator-")
        ca.cert_pem.write_to_path(str(Path(self._ca_dir.name) / "ca.pem"))
        self._loopback.start(_Handler, self, context)
        return self

    def stop(self) -> None:
        self._loopback.stop()
        if self._ca_dir is not None:
            self._ca_dir.cleanup()
            self._ca_dir = None

    def __enter__(self) -> PagerDutyEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self._loopback.url("https")

    @property
    def ca_file(self) -> str:
        """PEM of the CA that signed the emulator's certificate (valid while the emulator runs)."""
        if self._ca_dir is None:
            raise RuntimeError("emulator not started")
        return str(Path(self._ca_dir.name) / "ca.pem")

    # -- faults -----------------------------------------------------------------------------------

    def inject(self, path_pattern: str, fault: Fault, times: int = 1) -> None:
        """Answer the next ``times`` requests whose path (no query) matches ``path_pattern``
        (``re.search``) with ``fault``, in the order injected."""
        with self._lock:
            self._faults.inject(path_pattern, fault, times)

    # -- answering --------------------------------------------------------------------------------

    def requests_to(self, path_pattern: str) -> list[RequestRecord]:
        pattern = re.compile(path_pattern)
        return [record for record in self.requests if pattern.search(record.path)]

    def serve(self, method: str, target: str, headers: Mapping[str, str]) -> Reply:
        """Answer one request (called from the handler threads; serialised by a lock)."""
        parts = urllib.parse.urlsplit(target)
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        with self._lock:
            reply = self._answer(method, parts.path, query, headers)
            self.requests.append(RequestRecord(method, parts.path, query, dict(headers), reply.status))
        return reply

    def _answer(
        self, method: str, path: str, query: Mapping[str, list[str]], headers: Mapping[str, str]
    ) -> Reply:
        fault = self._faults.take(path)
        if fault is not None:
            return Reply(fault.status, fault.body or {}, fault.headers, fault.drop_connection)
        if headers.get("authorization") != f"Token token={self.token}":
            return Reply(401, _UNAUTHORIZED)
        if method != "GET":
            return Reply(405, {"error": {"message": "Method Not Allowed"}})
        for pattern, handler in _ROUTES:
            match = pattern.fullmatch(path.rstrip("/"))
            if match is not None:
                argument = urllib.parse.unquote(match.group(1)) if match.groups() else ""
                try:
                    return handler(self.dataset, query, argument)
                except BadRequest as exc:
                    return Reply(400, exc.body)
        return Reply(404, _NOT_FOUND)
