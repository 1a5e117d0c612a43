"""``doraspace serve``: scheduled syncs, analytics refresh and the HTTP server, in one process (SPEC §8).

Jobs (APScheduler 3, ``BackgroundScheduler``), each ``coalesce=True``, ``max_instances=1``, with a
jitter of a tenth of its interval (at most a minute) so that several daemons do not hit GitHub in step:

* ``github`` / ``pagerduty`` — one incremental sync of that source every ``schedule.<source>``, when its
  section is configured; a successful sync refreshes the snapshot at once.
* ``analytics`` — builds a new snapshot from the store every ``schedule.analytics`` and hands it to the
  :class:`~dashboards.exporter.Exposition`, which renders it once for every scrape to come; then
  rewrites the HTML reports served at ``/reports/``.

All three run once at start. A failed run is logged in one line, counted in
``doraspace_sync_errors_total{source}`` and sets ``doraspace_up`` to 0 until that job succeeds again;
it is never fatal: the next run retries.

**One DuckDB writer per file.** DuckDB lets one process at a time open a file, even to read. The daemon
therefore never keeps the file open between transactions: its engine has no pool (``NullPool``), so
every ``engine.connect()``/``begin()`` of a sync opens the file and closing the connection releases it.
The collectors commit in short transactions (cursor → fetch → upsert → commit), and most of a sync's
time is spent waiting for GitHub with the file closed; a CLI command run meanwhile (``doraspace
metrics``, ``collect``, ...) gets the file within its open retry (``store.engine.open_store`` waits up to
30 s) and keeps it for the length of the command. An analytics build, which connects hundreds of
times, holds one connection for its length (seconds) so the others share the open file. The daemon in
turn waits its turn at each connect (up to ``lock_timeout``, default 2 min) instead of failing on
DuckDB's raw lock error; a run that still cannot get the file fails with a clear message and is retried
at its next interval. PostgreSQL needs none of this and keeps an ordinary pool. See docs/operations.md.

**Stopping.** SIGTERM or SIGINT sets a stop flag. From then on every connect to the store refuses
(``DaemonStopping``), and so do retry waits and progress callbacks; because the collectors write in
short transactions and move cursors only after commits, a sync stops at its next transaction boundary
with nothing half-written, and the next start resumes it. The daemon waits for running jobs up to
``stop_timeout`` (7 s) after stopping the HTTP server, and exits 0, within 10 s. A job stuck longer (a request
to a source that does not answer) is abandoned: its open transaction, if any, is simply never
committed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import ssl
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor  # type: ignore[import-untyped]
from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from analytics.snapshot import Snapshot
from analytics.windows import band_window
from collector.sources.retry import RetryPolicy
from dashboards.exporter import Exposition, Health
from dashboards.grafana import write_dashboards
from dashboards.reports import write_reports
from doraspace.collect import CollectResult, collect
from doraspace.config import Config
from doraspace.errors import ConfigError, DoraspaceError
from doraspace.http_server import HttpServer
from doraspace.pipeline import build_snapshot
from doraspace.settings import SOURCES
from store.engine import Engine, turn_taking_engine
from store.urls import duckdb_file, is_duckdb_file

__all__ = ["Daemon", "DaemonStopping", "job_engine", "serve"]

log = logging.getLogger(__name__)

ANALYTICS = "analytics"
# How long a job waits for the DuckDB file while another process (a CLI command) has it.
DEFAULT_LOCK_TIMEOUT = 120.0
# How long stopping waits for running jobs; with the HTTP server's shutdown, the whole stop stays < 10 s.
DEFAULT_STOP_TIMEOUT = 7.0
MAX_JITTER = timedelta(minutes=1)

CollectFunction = Callable[..., CollectResult]
SnapshotBuilder = Callable[..., Snapshot]


class DaemonStopping(Exception):
    """The daemon is stopping: raised at the next store connect, retry wait or progress report."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def job_engine(
    url: str,
    stopping: threading.Event,
    *,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    open_timeout: float = 30.0,
) -> Engine:
    """The daemon's engine: migrated once, holding a DuckDB file only per connection; every connect
    refuses with ``DaemonStopping`` once ``stopping`` is set (``store.engine.turn_taking_engine``)."""
    return turn_taking_engine(
        url,
        stopping,
        lambda: DaemonStopping("doraspace is stopping"),
        lock_timeout=lock_timeout,
        open_timeout=open_timeout,
    )


def configured_sources(config: Config) -> tuple[str, ...]:
    """The sources ``config`` has a section for, in the order they sync."""
    return tuple(source for source in SOURCES if getattr(config, source) is not None)


@dataclass
class _HealthState:
    """What the health families show; written by jobs, read by scrapes, guarded by one lock."""

    jobs: tuple[str, ...]
    last_sync: dict[str, datetime] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)
    github_rate_limit_remaining: int | None = None
    github_reserve_waited: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.errors = dict.fromkeys(self.jobs, 0)
        # A counter that exists at 0 from the first scrape, like the error counters.
        self.github_reserve_waited = 0.0 if "github" in self.jobs else None

    def succeeded(self, job: str, finished: datetime | None = None) -> None:
        with self.lock:
            self.failing.discard(job)
            if finished is not None:
                self.last_sync[job] = finished

    def failed(self, job: str) -> None:
        with self.lock:
            self.errors[job] = self.errors.get(job, 0) + 1
            self.failing.add(job)

    def health(self) -> Health:
        with self.lock:
            return Health(
                up=not self.failing,
                last_sync=dict(self.last_sync),
                sync_errors=dict(self.errors),
                sources=self.jobs,
                github_rate_limit_remaining=self.github_rate_limit_remaining,
                github_rate_limit_reserve_wait_seconds=self.github_reserve_waited,
            )


def _jitter(interval: timedelta) -> int | None:
    seconds = int(min(interval / 10, MAX_JITTER).total_seconds())
    return seconds or None


class _SteadyTrigger(IntervalTrigger):  # type: ignore[misc]
    """An interval trigger whose jitter does not add up.

    APScheduler 3 counts the next run from the previous, jittered, one, so a job with a 15-minute
    interval and a minute of jitter ran every 15.5 minutes on average, ever later. Here the next run
    is counted from the previous run's place on the grid ``start_date + k × interval``: every run time
    is its grid time plus its own jitter. The jitter is at most a tenth of the interval, so rounding
    finds the grid time back.
    """

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        if previous_fire_time is not None:
            start = self.start_date.timestamp()
            steps = round((previous_fire_time.timestamp() - start) / self.interval_length)
            previous_fire_time = datetime.fromtimestamp(start + steps * self.interval_length, UTC)
        following: datetime | None = super().get_next_fire_time(previous_fire_time, now)
        return following


class Daemon:
    """Scheduler, jobs and HTTP server of ``doraspace serve``; ``start()``, then ``stop()``.

    ``clock`` gives the aware ``now`` of each run; ``collect_fn`` and ``build_fn`` default to the real
    sync and snapshot builder (tests pass their own). ``output_dir`` holds ``dashboards/`` (the Grafana
    dashboards, written at start) and ``reports/`` (the HTML reports, rewritten with every snapshot),
    served as ``/dashboards/`` and ``/reports/``; by default the DuckDB file's folder, else a temporary
    folder removed at stop.
    """

    def __init__(
        self,
        config: Config,
        *,
        clock: Callable[[], datetime] = _utcnow,
        collect_fn: CollectFunction = collect,
        build_fn: SnapshotBuilder = build_snapshot,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        stop_timeout: float = DEFAULT_STOP_TIMEOUT,
        output_dir: Path | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        self._collect = collect_fn
        self._build = build_fn
        self._lock_timeout = lock_timeout
        self._stop_timeout = stop_timeout
        self._output = output_dir
        self._reports_dir: Path | None = None
        self._temporary: tempfile.TemporaryDirectory[str] | None = None
        self.sources = configured_sources(config)
        self._health = _HealthState(jobs=(*self.sources, ANALYTICS))
        self.exposition = Exposition(health=self._health.health, clock=clock)
        self._stopping = threading.Event()
        self._refresh_lock = threading.Lock()
        self._running: dict[int, int] = {}  # thread id → nesting depth of the job it runs
        self._idle = threading.Condition()
        self._engine: Engine | None = None
        self._scheduler: BackgroundScheduler | None = None
        self.server: HttpServer | None = None

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self, *, schedule: bool = True) -> None:
        """Open (and migrate) the store, write the dashboards, serve HTTP and start the jobs.

        With ``schedule=False`` nothing runs by itself; :meth:`run_job` runs a job (tests).
        """
        self._engine = job_engine(self.config.database_url, self._stopping, lock_timeout=self._lock_timeout)
        static_dirs = self._prepare_static_dirs()
        self.server = HttpServer.from_config(self.config.http, self.exposition, static_dirs=static_dirs)
        try:
            self.server.start()
        except ssl.SSLError as exc:
            self._engine.dispose()
            raise ConfigError(
                f"{self.config.path}: http.tls: cannot use the certificate and key: {exc.reason or exc}"
            ) from exc
        except OSError as exc:
            self._engine.dispose()
            http = self.config.http
            raise DoraspaceError(
                f"{self.config.path}: http.listen: cannot serve on {http.host}:{http.port}: "
                f"{exc.strerror or exc}"
            ) from exc
        log.info("serving %s/metrics", self.server.url)
        if schedule:
            self._scheduler = self._make_scheduler()
            self._scheduler.start()

    def _output_dir(self) -> Path:
        if self._output is not None:
            return self._output
        path = duckdb_file(self.config.database_url)
        if path is not None:
            return Path(path).resolve().parent
        self._temporary = tempfile.TemporaryDirectory(prefix="doraspace-serve-")
        return Path(self._temporary.name)

    def _prepare_static_dirs(self) -> dict[str, Path]:
        output = self._output_dir()
        dashboards, self._reports_dir = output / "dashboards", output / "reports"
        try:
            write_dashboards(
                dashboards, benchmarks=self.config.benchmarks, band=band_window(self.config.windows)
            )
        except OSError as exc:
            log.error(
                "dashboards: cannot write to %s: %s; /dashboards/ serves what is there", dashboards, exc
            )
        for folder in (dashboards, self._reports_dir):
            with contextlib.suppress(OSError):  # served as "not found" if it cannot be made
                folder.mkdir(parents=True, exist_ok=True)
        return {"dashboards": dashboards, "reports": self._reports_dir}

    def _make_scheduler(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers=len(self.sources) + 1)},
            # misfire_grace_time=None: a run delayed by a busy pool still happens (coalesced into one).
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        start = datetime.now(UTC)
        intervals = {source: self.config.schedule[source] for source in self.sources}
        intervals[ANALYTICS] = self.config.schedule.analytics
        for job, interval in intervals.items():
            scheduler.add_job(
                self.run_job,
                _SteadyTrigger(
                    seconds=interval.total_seconds(),
                    start_date=start + interval,  # the grid: start + k × interval
                    jitter=_jitter(interval),
                    timezone=UTC,
                ),
                args=[job],
                id=job,
                name=f"doraspace {job}",
                next_run_time=start,
            )
        return scheduler

    def stop(self) -> bool:
        """Stop the jobs at their next transaction boundary, then the HTTP server.

        Returns False when a job was still running after ``stop_timeout``; its thread is left behind.
        """
        self._stopping.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self.server is not None:
            self.server.stop()
        with self._idle:
            stopped = self._idle.wait_for(lambda: not self._running, timeout=self._stop_timeout)
        if not stopped:
            log.warning(
                "a job did not stop within %.0f s; exiting anyway (the next start resumes it)",
                self._stop_timeout,
            )
        if self._engine is not None and stopped:
            self._engine.dispose()
            self._engine = None
        if self._temporary is not None:
            self._temporary.cleanup()
            self._temporary = None
        return stopped

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def health(self) -> Health:
        return self._health.health()

    # -- jobs ----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _job_running(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._idle:
            self._running[me] = self._running.get(me, 0) + 1
        try:
            yield
        finally:
            with self._idle:
                self._running[me] -= 1
                if not self._running[me]:
                    del self._running[me]
                self._idle.notify_all()

    def run_job(self, job: str) -> bool:
        """Run one job now, in this thread; True when it succeeded. Never raises for a failed run."""
        work: Callable[[], None] = self.refresh_snapshot if job == ANALYTICS else lambda: self._sync(job)
        with self._job_running():
            if self._stopping.is_set():
                return False
            try:
                work()
            except DaemonStopping:
                log.info("%s: stopped for shutdown at a transaction boundary; the next start resumes", job)
                return False
            except Exception as exc:
                self._health.failed(job)
                log.error("%s failed: %s", job, _one_line(exc))
                log.debug("%s failed", job, exc_info=True)
                return False
            self._health.succeeded(job, None if job == ANALYTICS else self._clock())
        if job != ANALYTICS:
            # Show the new facts now rather than at the next analytics interval; a failure there is the
            # analytics job's, not this sync's.
            self.run_job(ANALYTICS)
        return True

    def _sleep(self, seconds: float) -> None:
        if self._stopping.wait(seconds):
            raise DaemonStopping("doraspace is stopping")

    def _progress(self, message: str) -> None:
        log.debug("%s", message)
        if self._stopping.is_set():
            raise DaemonStopping("doraspace is stopping")

    def _retry_policy(self) -> RetryPolicy:
        return RetryPolicy(sleep=self._sleep)

    def _sync(self, source: str) -> None:
        engine = self._engine
        if engine is None:
            raise RuntimeError("daemon not started")
        result = self._collect(
            self.config,
            engine,
            source=source,
            now=self._clock(),
            progress=self._progress,
            retry=self._retry_policy,
        )
        if self._stopping.is_set():
            # Whatever the sync did not finish is not a success, even if it returned.
            raise DaemonStopping("doraspace is stopping")
        for warning in result.warnings:
            log.warning("%s: %s", source, warning)
        for summary in result.summaries:
            log.info("%s", summary)
        if source == "github":
            with self._health.lock:
                if result.github_rate_limit_remaining is not None:
                    self._health.github_rate_limit_remaining = result.github_rate_limit_remaining
                self._health.github_reserve_waited = (
                    self._health.github_reserve_waited or 0.0
                ) + result.github_rate_limit_reserve_waited
        result.raise_if_incomplete()  # the rest is stored; this run failed all the same

    @contextlib.contextmanager
    def _holding_the_file(self, engine: Engine) -> Iterator[None]:
        # The analytics connect a few hundred times, and opening a DuckDB file costs ~30 ms: one held
        # connection keeps the file open, so the others share it. The file is busy for the length of
        # one build (seconds), which a CLI command's open retry easily waits out.
        if not is_duckdb_file(self.config.database_url):
            yield
            return
        with engine.connect():
            yield

    def refresh_snapshot(self) -> None:
        """Build a snapshot from the store and serve it (one refresh at a time)."""
        engine = self._engine
        if engine is None:
            raise RuntimeError("daemon not started")
        with self._refresh_lock:
            with self._holding_the_file(engine):
                snapshot = self._build(self.config, engine, now=self._clock())
            self.exposition.update(snapshot, built_last=True)  # refreshes run one at a time
            # After the exposition: a report that cannot be written fails this run, not the metrics.
            if self._reports_dir is not None:
                write_reports(snapshot, self._reports_dir, previous=snapshot.previous)
        log.info("analytics: snapshot of %d teams as of %s", len(snapshot.teams), snapshot.as_of.isoformat())


def serve(config: Config, *, clock: Callable[[], datetime] = _utcnow) -> int:
    """Run the daemon until SIGTERM or SIGINT; returns the exit status (0 after a clean stop).

    A job that does not reach a transaction boundary in time is abandoned by ending the process at
    once, so the whole stop stays within 10 s.
    """
    requested = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("%s received: stopping", signal.Signals(signum).name)
        requested.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    daemon = Daemon(config, clock=clock)
    try:
        daemon.start()
        while not requested.wait(0.5):
            pass
    finally:
        clean = daemon.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not clean:
        logging.shutdown()
        sys.stderr.flush()
        # The stuck job's thread would keep the interpreter alive; committed data is safe in DuckDB's WAL.
        os._exit(0)
    return 0
