"""Prometheus metrics over an analytics snapshot (SPEC §8.1), and the ``/metrics`` body built from them.

Two kinds of families:

* **snapshot families** (``dora_*``): one sample per team, window and (where it applies) percentile,
  straight from the snapshot's numbers. Durations are converted from hours to seconds, ratios stay
  0–1, the organisation row is ``team="*"``, and a null value (nothing to measure) is an absent series,
  never NaN. ``dora_band{team, metric, band}`` is a state set: 1 for the team's band and 0 for the other
  three; a metric without a band has no ``dora_band`` series at all. Bands come from the longest window
  (SPEC §6.3: every row of a team carries the same bands), so ``dora_band`` has no ``window`` label.
* **SPACE families** (``space_*``): the survey scores of the snapshot, one sample per shown team (or
  organisation), quarter and dimension; ``space_respondents`` and ``space_response_rate`` per team and
  quarter. A suppressed group (SPEC §7.4) is not in the snapshot at all, so it has no series here either.
  Labels are only team, quarter and dimension: no respondent, name, e-mail or answer text exists to export.
* **health families** (``doraspace_*``): ``doraspace_up``, the last successful sync per source, failed
  runs per source, GitHub's remaining rate limit and the snapshot's age, from a :class:`Health` value.

A snapshot changes every few minutes while Prometheus may scrape every 15 s, and rendering the text
format for 1,000 teams costs about 190 ms; so :class:`Exposition` renders the snapshot families to bytes
once per snapshot (:meth:`Exposition.update`) and each scrape only renders the few health families,
whose snapshot age depends on the clock, and appends them. A gzip body is prepared the same way: the
snapshot part is compressed once up to a sync flush, and each scrape continues a copy of that
compressor with the health part, giving one ordinary gzip stream without recompressing megabytes.

A scrape never runs the analytics, never reads the store and never calls a source.
"""

from __future__ import annotations

import math
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from analytics.benchmarks import BANDS
from analytics.benchmarks import METRICS as BAND_METRICS
from analytics.dora import TeamWindowMetrics
from analytics.snapshot import Snapshot
from analytics.windows import as_utc

__all__ = [
    "CONTENT_TYPE",
    "Exposition",
    "Health",
    "health_families",
    "render_families",
    "snapshot_families",
    "space_families",
]

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
"""The classic Prometheus text format: every name here is a legacy name, so no escaping scheme is needed."""

SECONDS_PER_HOUR = 3600.0
# A gzip member (wbits 16 + 15): header, deflate stream and CRC32/size trailer, as HTTP's gzip coding wants.
_GZIP_WBITS = 31
_GZIP_LEVEL = 6


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Health:
    """How the daemon is doing, as the health families show it. Every field is optional."""

    up: bool = True
    """False when the latest run of a sync or of the analytics failed."""
    last_sync: Mapping[str, datetime] = field(default_factory=dict)
    """Source (``github``, ``pagerduty``) → when its latest successful sync finished."""
    sync_errors: Mapping[str, int] = field(default_factory=dict)
    """Source (``github``, ``pagerduty``, ``analytics``) → failed runs since the daemon started."""
    sources: tuple[str, ...] = ()
    """Every source that runs here (and ``analytics``): its error counter exists at 0 from the first
    scrape, so ``increase()`` and alerts tell a healthy source from an absent one (SPEC §8.1)."""
    github_rate_limit_remaining: int | None = None
    """GitHub's ``x-ratelimit-remaining`` as of the latest GitHub sync; None before one."""
    github_rate_limit_reserve_wait_seconds: float | None = None
    """Seconds GitHub syncs have waited for the rate-limit reset so as not to spend the reserve
    (``github.rate_limit_reserve``), since the daemon started; None where GitHub is not synced."""


# ------------------------------------------------------------------------------- snapshot families


def _measured(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def _seconds(hours: float | None) -> float | None:
    return None if hours is None else hours * SECONDS_PER_HOUR


def snapshot_families(snapshot: Snapshot) -> list[Metric]:
    """The ``dora_*`` and ``space_*`` families of ``snapshot``; families without any sample are left out."""
    team_window = ["team", "window"]
    with_percentile = ["team", "window", "percentile"]
    deployments = GaugeMetricFamily(
        "dora_deployments", "Deployments to production in the window.", labels=team_window
    )
    frequency = GaugeMetricFamily(
        "dora_deployment_frequency_per_day",
        "Deployments to production per day over the window.",
        labels=team_window,
    )
    lead_time = GaugeMetricFamily(
        "dora_lead_time_seconds",
        "Lead time for changes (first commit to production) over the window's deployments, by percentile.",
        labels=with_percentile,
    )
    change_failure_rate = GaugeMetricFamily(
        "dora_change_failure_rate",
        "Failed deployments divided by deployments in the window (0-1).",
        labels=team_window,
    )
    recovery = GaugeMetricFamily(
        "dora_failed_deployment_recovery_seconds",
        "Time from a failed deployment to its recovery, over the window's recovered failed deployments.",
        labels=with_percentile,
    )
    time_to_restore = GaugeMetricFamily(
        "dora_time_to_restore_seconds",
        "Incident start to resolution, over the incidents resolved in the window, by percentile.",
        labels=with_percentile,
    )
    incidents = GaugeMetricFamily(
        "dora_incidents", "Incidents that started in the window.", labels=team_window
    )
    rework_rate = GaugeMetricFamily(
        "dora_rework_rate",
        "Rework deployments (rollbacks, reverts, hotfixes, during incidents) divided by deployments (0-1).",
        labels=team_window,
    )
    # SPEC §8.1: the team dashboard's lead-time breakdown reads it (SPEC §6.2 defines the stages).
    breakdown = GaugeMetricFamily(
        "dora_lead_time_breakdown_seconds",
        "Median of each lead-time stage (coding, pickup, review, deploy) over PRs deployed in the window.",
        labels=["team", "window", "stage", "percentile"],
    )
    band = GaugeMetricFamily(
        "dora_band",
        "DORA performance band of a team's key metric: 1 for its band, 0 for the other three.",
        labels=["team", "metric", "band"],
    )

    def add(family: GaugeMetricFamily, labels: list[str], value: float | None) -> None:
        if value is not None and _measured(value):
            family.add_metric(labels, float(value))

    band_rows: dict[str, TeamWindowMetrics] = {}
    for row in snapshot.metrics:
        labels = [row.team, row.window]
        add(deployments, labels, row.deployments)
        add(frequency, labels, row.deployment_frequency_per_day)
        add(lead_time, [*labels, "50"], _seconds(row.lead_time_hours_p50))
        add(lead_time, [*labels, "90"], _seconds(row.lead_time_hours_p90))
        add(change_failure_rate, labels, row.change_failure_rate)
        add(recovery, [*labels, "50"], _seconds(row.failed_deployment_recovery_hours_p50))
        add(time_to_restore, [*labels, "50"], _seconds(row.time_to_restore_hours_p50))
        add(time_to_restore, [*labels, "90"], _seconds(row.time_to_restore_hours_p90))
        add(incidents, labels, row.incidents)
        add(rework_rate, labels, row.rework_rate)
        for stage, hours in row.lead_time_breakdown_hours_p50.items():
            add(breakdown, [*labels, stage, "50"], _seconds(hours))
        # Every row of a team carries the same bands; the longest window is where they come from.
        kept = band_rows.get(row.team)
        if kept is None or row.window_days > kept.window_days:
            band_rows[row.team] = row
    for team, row in band_rows.items():
        for metric in BAND_METRICS:
            current = row.bands.get(metric)
            if current is None:
                continue
            for candidate in BANDS:
                band.add_metric([team, metric, candidate], 1.0 if candidate == current else 0.0)

    families: list[Metric] = [
        deployments,
        frequency,
        lead_time,
        change_failure_rate,
        recovery,
        time_to_restore,
        incidents,
        rework_rate,
        breakdown,
        band,
        *space_families(snapshot),
    ]
    return [family for family in families if family.samples]


def space_families(snapshot: Snapshot) -> list[Metric]:
    """The ``space_*`` families of ``snapshot.space`` (shown groups only); empty families are left out."""
    with_dimension = ["team", "dimension", "quarter"]
    team_quarter = ["team", "quarter"]
    score = GaugeMetricFamily(
        "space_score",
        "SPACE survey score of a dimension, 0-100: mean over its items of the mean answer on the scale.",
        labels=with_dimension,
    )
    favourable = GaugeMetricFamily(
        "space_favourable_ratio",
        "Favourable answers divided by valid answers over a SPACE dimension's items (0-1).",
        labels=with_dimension,
    )
    respondents = GaugeMetricFamily(
        "space_respondents", "Distinct survey respondents of the team in the quarter.", labels=team_quarter
    )
    response_rate = GaugeMetricFamily(
        "space_response_rate",
        "Survey respondents divided by the team's headcount (0-1).",
        labels=team_quarter,
    )
    for row in snapshot.space:
        score.add_metric([row.team, row.dimension, row.quarter], row.score)
        favourable.add_metric([row.team, row.dimension, row.quarter], row.favourable)
    for shown in snapshot.space_quarters:  # a shown team-quarter, even with every dimension hidden
        respondents.add_metric([shown.team, shown.quarter], float(shown.respondents))
        if shown.response_rate is not None and _measured(shown.response_rate):
            response_rate.add_metric([shown.team, shown.quarter], shown.response_rate)
    return [family for family in (score, favourable, respondents, response_rate) if family.samples]


# --------------------------------------------------------------------------------- health families


def health_families(health: Health, snapshot_created_at: datetime | None, now: datetime) -> list[Metric]:
    """The ``doraspace_*`` families. A value not known yet (no sync, no snapshot) is an absent series."""
    families: list[Metric] = [
        GaugeMetricFamily(
            "doraspace_up",
            "1 when the latest run of every sync and of the analytics succeeded (or none ran yet), else 0.",
            value=1.0 if health.up else 0.0,
        )
    ]
    if health.last_sync:
        last_sync = GaugeMetricFamily(
            "doraspace_last_sync_timestamp_seconds",
            "Unix time at which the latest successful sync of a source finished.",
            labels=["source"],
        )
        for source, finished in sorted(health.last_sync.items()):
            last_sync.add_metric([source], as_utc(finished).timestamp())
        families.append(last_sync)
    error_sources = sorted(set(health.sources) | set(health.sync_errors))
    if error_sources:
        # Named without _total: the client adds it to the sample and the TYPE line of a counter.
        errors = CounterMetricFamily(
            "doraspace_sync_errors",
            "Failed runs of a source's sync (or of the analytics refresh) since the daemon started.",
            labels=["source"],
        )
        for source in error_sources:
            errors.add_metric([source], float(health.sync_errors.get(source, 0)))
        families.append(errors)
    if health.github_rate_limit_remaining is not None:
        families.append(
            GaugeMetricFamily(
                "doraspace_github_rate_limit_remaining",
                "GitHub API requests left in the current rate-limit window, as of the latest GitHub sync.",
                value=float(health.github_rate_limit_remaining),
            )
        )
    if health.github_rate_limit_reserve_wait_seconds is not None:
        families.append(
            CounterMetricFamily(
                "doraspace_github_rate_limit_reserve_wait_seconds",
                "Seconds GitHub syncs waited for the rate-limit reset to keep the configured reserve.",
                value=health.github_rate_limit_reserve_wait_seconds,
            )
        )
    if snapshot_created_at is not None:
        families.append(
            GaugeMetricFamily(
                "doraspace_snapshot_age_seconds",
                "Seconds since the analytics snapshot served here was built.",
                value=max(0.0, (as_utc(now) - as_utc(snapshot_created_at)).total_seconds()),
            )
        )
    return families


class _Families:
    """A fixed list of families, in the shape ``generate_latest`` and registries expect."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self._families


def render_families(families: Iterable[Metric]) -> bytes:
    """``families`` in the Prometheus text format (HELP and TYPE lines, label values escaped)."""
    return generate_latest(_Families(families))


# ------------------------------------------------------------------------------------- exposition


@dataclass(frozen=True)
class _Rendered:
    """Everything a scrape needs from one snapshot, swapped in as a whole so a scrape never mixes two."""

    snapshot: Snapshot | None
    body: bytes
    gzip_prefix: bytes
    gzip_state: zlib._Compress  # compressor after the snapshot part; only ever copied, never fed


def _prepare(snapshot: Snapshot | None) -> _Rendered:
    body = render_families(snapshot_families(snapshot)) if snapshot is not None else b""
    compressor = zlib.compressobj(_GZIP_LEVEL, zlib.DEFLATED, _GZIP_WBITS)
    # A sync flush ends the snapshot part on a byte boundary, so the health part can follow it in the
    # same deflate stream, and the CRC in the trailer covers both.
    prefix = compressor.compress(body) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return _Rendered(snapshot=snapshot, body=body, gzip_prefix=prefix, gzip_state=compressor)


class Exposition:
    """The ``/metrics`` body: snapshot families rendered once per snapshot, health families per scrape.

    ``health`` is asked for the current :class:`Health` at each scrape, ``clock`` for the current time
    (an aware datetime; it only sets the snapshot's age). Safe to use from several threads: ``update``
    swaps in a fully rendered snapshot, and a scrape reads one consistent rendering.

    It is also a ``prometheus_client`` collector (``registry.register(exposition)``) yielding every
    family, for tests and for anyone who prefers a registry.
    """

    def __init__(
        self,
        *,
        health: Callable[[], Health] = Health,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._health = health
        self._clock = clock
        self._rendered = _prepare(None)
        self._update_lock = threading.Lock()

    @property
    def snapshot(self) -> Snapshot | None:
        """The snapshot being served, or None before the first ``update``."""
        return self._rendered.snapshot

    @property
    def ready(self) -> bool:
        return self._rendered.snapshot is not None

    def update(self, snapshot: Snapshot, *, built_last: bool = False) -> None:
        """Serve ``snapshot`` from now on; renders its families (the expensive part) here, once.

        Two refreshes finishing out of order must not put the older snapshot back, so one created
        earlier than the one served is ignored, unless ``built_last``: a caller that builds one at a
        time (the daemon) knows it is the latest, even when the wall clock was set back and stamped it
        earlier."""
        rendered = _prepare(snapshot)
        with self._update_lock:
            current = self._rendered.snapshot
            if built_last or current is None or snapshot.created_at >= current.created_at:
                self._rendered = rendered

    def _health_body(self, snapshot: Snapshot | None) -> bytes:
        created_at = snapshot.created_at if snapshot is not None else None
        return render_families(health_families(self._health(), created_at, self._clock()))

    def render_parts(self, *, gzipped: bool = False) -> tuple[bytes, bytes]:
        """The body as two parts to send one after the other (joining 3 MB per scrape is a waste).

        With ``gzipped`` the parts together are one gzip stream of the same text.
        """
        rendered = self._rendered  # one read: body and snapshot belong together
        health = self._health_body(rendered.snapshot)
        if not gzipped:
            return rendered.body, health
        compressor = rendered.gzip_state.copy()
        return rendered.gzip_prefix, compressor.compress(health) + compressor.flush()

    def render(self, *, gzipped: bool = False) -> bytes:
        """The whole ``/metrics`` body."""
        return b"".join(self.render_parts(gzipped=gzipped))

    def collect(self) -> Iterator[Metric]:
        snapshot = self._rendered.snapshot
        if snapshot is not None:
            yield from snapshot_families(snapshot)
        created_at = snapshot.created_at if snapshot is not None else None
        yield from health_families(self._health(), created_at, self._clock())
