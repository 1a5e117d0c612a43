"""Audit round 6: the daemon's schedule and its served health where two rules meet (SPEC §3 ``schedule``,
§8, §8.1; docs/operations.md "Jobs", "Health metrics and alerts", "One DuckDB writer per file").

Everything runs in process against ``doraspace.daemon.Daemon`` (``start(schedule=False)``, jobs run by
hand with ``run_job``), with an injected clock or freezegun, a fake collector and a tiny snapshot
builder; no ``doraspace serve`` subprocess. Instants: 2026-06-30 00:00 UTC (``T0``) onwards.

Unix time of T0, by hand: 2025-01-01 is 1735689600; + 365 × 86400 = 1767225600 (2026-01-01); 2026-06-30 is
180 days later (Jan 31 + Feb 28 + Mar 31 + Apr 30 + May 31 = 151, + 29 days of June) → + 180 × 86400 =
15552000 → 1782777600.
"""

from __future__ import annotations

import itertools
import logging
import random
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from analytics.dora import TeamWindowMetrics
from analytics.snapshot import Snapshot
from doraspace.collect import CollectResult
from doraspace.config import Config, parse_config
from doraspace.daemon import Daemon
from store.engine import Engine

T0 = datetime(2026, 6, 30, tzinfo=UTC)
T0_UNIX = 1782777600.0

SECTIONS = {
    "github": "github:\n  base_url: http://127.0.0.1:9\n  token: ${AUDIT_TOKEN}\n  since: 2026-03-01\n",
    "pagerduty": "pagerduty:\n  base_url: https://127.0.0.1:9\n  token: ${AUDIT_TOKEN}\n",
}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def config_with(tmp_path: Path, sources: tuple[str, ...], schedule: str = "") -> Config:
    return parse_config(
        f"database:\n  url: duckdb:///{tmp_path}/store.duckdb\n"
        + "".join(SECTIONS[source] for source in sources)
        + "http:\n  listen: 127.0.0.1:0\n"
        + (f"schedule: {schedule}\n" if schedule else ""),
        environ={"AUDIT_TOKEN": "t"},
    )


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Collect:
    """The collector's stand-in: records each call's ``now``, optionally advances the clock (the sync's
    duration), raises ``failing`` if set, and can touch the store like a real sync's transaction."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock
        self.failing: Exception | None = None
        self.duration = timedelta(0)
        self.touch_store = False
        self.calls: list[tuple[str, datetime]] = []
        self.gate: threading.Event | None = None
        self.entered = threading.Event()

    def __call__(
        self, config: Config, engine: Engine, *, source: str, now: datetime, **_: Any
    ) -> CollectResult:
        self.calls.append((source, now))
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        if self.touch_store:
            with engine.begin() as conn:
                conn.execute(text("select 1"))
        if self.clock is not None:
            self.clock.now = self.clock.now + self.duration
        if self.failing is not None:
            raise self.failing
        return CollectResult()


class Build:
    """The snapshot builder's stand-in: snapshot n (1-based) serves ``dora_deployments{team="*"} n``, so a
    scrape tells which build it shows; ``failing`` raises instead; ``gate`` holds a build open."""

    def __init__(self) -> None:
        self.count = 0
        self.failing: Exception | None = None
        self.gate: threading.Event | None = None
        self.entered = threading.Event()
        self.nows: list[datetime] = []

    def __call__(self, config: Config, engine: Engine, *, now: datetime) -> Snapshot:
        self.nows.append(now)
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        if self.failing is not None:
            raise self.failing
        self.count += 1
        row = TeamWindowMetrics(
            team="*",
            window="7d",
            window_days=7,
            as_of=now,
            deployments=self.count,
            deployment_frequency_per_day=self.count / 7,
            lead_time_hours_p50=None,
            lead_time_hours_p90=None,
            lead_time_breakdown_hours_p50={},
            bands={},
        )
        return Snapshot(now, now, "dora-2023", ("*",), (row,))


@pytest.fixture
def daemons() -> Iterator[Callable[..., Daemon]]:
    started: list[Daemon] = []

    def start(config: Config, **kwargs: Any) -> Daemon:
        daemon = Daemon(config, **kwargs)
        daemon.start(schedule=False)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.stop()


def scrape(daemon: Daemon) -> Samples:
    body = daemon.exposition.render().decode()
    assert "NaN" not in body
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def health_view(found: Samples) -> dict[str, Any]:
    """The doraspace_* samples as {name: value} or {name: {source: value}}."""
    view: dict[str, Any] = {}
    for (name, labels), sample in sorted(found.items(), key=lambda item: (item[0][0], sorted(item[0][1]))):
        if not name.startswith("doraspace_") or name.endswith("_created"):
            continue
        if labels:
            view.setdefault(name, {})[dict(labels)["source"]] = sample
        else:
            view[name] = sample
    return view


# -- the schedule ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sources", "schedule", "expected"),
    [
        # interval → jitter bound = min(interval / 10, 60 s), whole seconds (APScheduler's jitter is an
        # int): 15m → 90 s capped at 60; 9s → 0.9 s → no jitter; 5m → 30 s.
        (
            ("github", "pagerduty"),
            "{github: 15m, pagerduty: 9s, analytics: 5m}",
            {"github": (900, 60), "pagerduty": (9, 0), "analytics": (300, 30)},
        ),
        # 10s → exactly 1 s; 1h → 360 s capped at 60; 1s → 0.1 s → none. pagerduty: not configured,
        # so no job however schedule.pagerduty is set.
        (
            ("github",),
            "{github: 10s, pagerduty: 1s, analytics: 1s}",
            {"github": (10, 1), "analytics": (1, 0)},
        ),
        # no source at all: the analytics job alone, 10m → 60 s (a tenth, and exactly the cap).
        ((), "{analytics: 10m}", {"analytics": (600, 60)}),
        # defaults (SPEC §3: github 15m, pagerduty 5m, analytics 5m).
        (("pagerduty",), "", {"pagerduty": (300, 30), "analytics": (300, 30)}),
    ],
)
def test_each_job_runs_at_start_then_every_interval_plus_a_jitter_of_at_most_a_tenth_capped_at_a_minute(
    tmp_path: Path, sources: tuple[str, ...], schedule: str, expected: dict[str, tuple[int, int]]
) -> None:
    """docs/operations.md "Jobs": a job per configured source plus ``analytics``; each runs at start, then
    every ``schedule.<job>``; "each run time gets a random jitter of up to a tenth of the interval (at
    most a minute)"; at most one run at a time, missed runs coalesced into one.

    Rules combined: configured sections × schedule keys × jitter bound (interval shorter than a minute ×
    the cap). For 200 successive run times of each job (APScheduler's own chain, ``Job._get_run_times``):
    the first is the start instant (no jitter), the n-th is in [start + n × interval, the same + bound]
    (the jitter does not add up), so every gap is in [interval - bound, interval + bound], and where
    the bound is > 0 the jitter is really applied (some gap exceeds the interval), where it is 0 none is.
    """
    daemon = Daemon(config_with(tmp_path, sources, schedule))
    before = datetime.now(UTC)
    scheduler = daemon._make_scheduler()
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(jobs) == sorted(expected)
    # Applied to every job when the scheduler starts: one run at a time, missed runs coalesced into one.
    assert scheduler._job_defaults == {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
    random.seed(6)
    for job_id, (interval, bound) in expected.items():
        job = jobs[job_id]
        assert job.trigger.interval == timedelta(seconds=interval), job_id
        assert (job.trigger.jitter or 0) == bound, job_id
        start = job.next_run_time
        assert before <= start <= datetime.now(UTC), job_id  # at start, not an interval later
        times = job._get_run_times(start + timedelta(seconds=interval * 210))[:200]
        assert times[0] == start, job_id
        # Each run time is its own grid time plus its own jitter: the jitter never adds up.
        offsets = [(time - start).total_seconds() - n * interval for n, time in enumerate(times)]
        assert min(offsets) >= -1e-6 and max(offsets) <= bound + 1e-6, job_id
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        assert min(gaps) >= interval - bound - 1e-6, job_id
        assert max(gaps) <= interval + bound + 1e-6, job_id
        if bound:
            assert max(gaps) > interval + 1e-6, job_id
        else:
            assert max(gaps) == pytest.approx(interval), job_id


# -- health where a sync and the analytics meet ---------------------------------------------------------


def test_no_source_configured_exports_only_the_analytics_counter_and_no_github_families(
    tmp_path: Path, daemons: Callable[..., Daemon]
) -> None:
    """§8.1 "a counter with known label values (doraspace_sync_errors_total for each configured source) is
    exported at 0 from the first scrape" × a config with neither ``github:`` nor ``pagerduty:`` × docs'
    reserve-wait counter "0 from start when GitHub is synced".

    First scrape: up 1 (none ran yet), sync_errors {analytics: 0} and nothing else; no last-sync, no
    rate-limit, no reserve-wait, no snapshot age. After one analytics run at T0, scraped at T0 + 30 s:
    age 30, the label sets unchanged.
    """
    clock = Clock(T0)
    daemon = daemons(config_with(tmp_path, ()), clock=clock, build_fn=Build(), output_dir=tmp_path)
    assert daemon.sources == ()
    assert health_view(scrape(daemon)) == {
        "doraspace_up": 1.0,
        "doraspace_sync_errors_total": {"analytics": 0.0},
    }
    assert daemon.run_job("analytics")
    clock.now = T0 + timedelta(seconds=30)
    assert health_view(scrape(daemon)) == {
        "doraspace_up": 1.0,
        "doraspace_sync_errors_total": {"analytics": 0.0},
        "doraspace_snapshot_age_seconds": 30.0,
    }


def test_pagerduty_only_has_no_github_families_before_or_after_its_syncs(
    tmp_path: Path, daemons: Callable[..., Daemon]
) -> None:
    """A source not configured (no ``github:``) × the self-metrics' label sets × a failed then a good sync.

    Start: up 1, errors {analytics 0, pagerduty 0}; no doraspace_github_* family (the reserve-wait
    counter is "0 from start when GitHub is synced": here it is not). Failed pagerduty sync at T0:
    up 0, errors pagerduty 1, no last sync, no snapshot (the analytics follow only a successful sync).
    Good sync at T0 + 5 m (finishes at once): last_sync {pagerduty: T0_UNIX + 300 = 1782777900},
    snapshot built at that instant → age 0; up 1; pagerduty's counter stays 1; still no github family.
    """
    clock = Clock(T0)
    collect, build = Collect(), Build()
    daemon = daemons(
        config_with(tmp_path, ("pagerduty",)),
        clock=clock,
        collect_fn=collect,
        build_fn=build,
        output_dir=tmp_path,
    )
    assert health_view(scrape(daemon)) == {
        "doraspace_up": 1.0,
        "doraspace_sync_errors_total": {"analytics": 0.0, "pagerduty": 0.0},
    }
    collect.failing = RuntimeError("PagerDuty said no")
    assert not daemon.run_job("pagerduty")
    assert health_view(scrape(daemon)) == {
        "doraspace_up": 0.0,
        "doraspace_sync_errors_total": {"analytics": 0.0, "pagerduty": 1.0},
    }
    assert build.count == 0 and not daemon.exposition.ready
    collect.failing = None
    clock.now = T0 + timedelta(minutes=5)
    assert daemon.run_job("pagerduty")
    assert health_view(scrape(daemon)) == {
        "doraspace_up": 1.0,
        "doraspace_last_sync_timestamp_seconds": {"pagerduty": 1782777900.0},
        "doraspace_sync_errors_total": {"analytics": 0.0, "pagerduty": 1.0},
        "doraspace_snapshot_age_seconds": 0.0,
    }


def test_last_sync_is_when_the_sync_finished_and_the_snapshot_follows_it_in_any_clock_offset(
    tmp_path: Path, daemons: Callable[..., Daemon]
) -> None:
    """docs: doraspace_last_sync_timestamp_seconds is "when the latest successful sync ... finished" × a
    sync that lasts 42 s × a clock that answers in +02:00 × "right after every successful sync" the
    analytics.

    The clock reads 2026-06-30 02:00+02:00 (= T0) when the sync starts: the collector is given that
    instant; it finishes at T0 + 42 s → last sync 1782777600 + 42 = 1782777642 (not the start); the
    snapshot is built right after, as of T0 + 42 s; scraped at T0 + 42 s + 8 s → age 8.
    """
    plus2 = timezone(timedelta(hours=2))
    clock = Clock(datetime(2026, 6, 30, 2, 0, tzinfo=plus2))
    collect, build = Collect(clock), Build()
    collect.duration = timedelta(seconds=42)
    daemon = daemons(
        config_with(tmp_path, ("github",)),
        clock=clock,
        collect_fn=collect,
        build_fn=build,
        output_dir=tmp_path,
    )
    assert daemon.run_job("github")
    assert collect.calls == [("github", T0)]
    assert build.nows == [T0 + timedelta(seconds=42)]
    clock.now = clock.now + timedelta(seconds=8)
    found = scrape(daemon)
    assert value(found, "doraspace_last_sync_timestamp_seconds", source="github") == 1782777642.0
    assert value(found, "doraspace_snapshot_age_seconds") == 8.0
    assert value(found, "doraspace_github_rate_limit_reserve_wait_seconds_total") == 0.0


def test_a_good_sync_whose_analytics_fails_moves_the_last_sync_not_the_snapshot(
    tmp_path: Path, daemons: Callable[..., Daemon]
) -> None:
    """A successful sync × its follow-up analytics failing ("a failure there is the analytics job's, not
    this sync's") × doraspace_up ("1 when the latest run of every job succeeded") × snapshot age.

    T0: analytics builds snapshot 1 (dora_deployments{*} 1). T0 + 5 m: github sync succeeds, its analytics
    fails: the sync run is a success (True), last sync = T0_UNIX + 300 = 1782777900, errors github 0 and
    analytics 1, up 0; snapshot 1 still served, readiness kept. Scraped at T0 + 400 s: age 400. T0 + 10 m:
    the analytics job succeeds → snapshot 2, age 0, up 1, the analytics counter stays 1 (a counter).
    """
    clock = Clock(T0)
    collect, build = Collect(clock), Build()
    daemon = daemons(
        config_with(tmp_path, ("github",)),
        clock=clock,
        collect_fn=collect,
        build_fn=build,
        output_dir=tmp_path,
    )
    assert daemon.run_job("analytics")
    clock.now = T0 + timedelta(minutes=5)
    build.failing = RuntimeError("analytics broke")
    assert daemon.run_job("github") is True
    clock.now = T0 + timedelta(seconds=400)
    found = scrape(daemon)
    assert health_view(found) == {
        "doraspace_up": 0.0,
        "doraspace_last_sync_timestamp_seconds": {"github": 1782777900.0},
        "doraspace_sync_errors_total": {"analytics": 1.0, "github": 0.0},
        "doraspace_github_rate_limit_reserve_wait_seconds_total": 0.0,
        "doraspace_snapshot_age_seconds": 400.0,
    }
    assert value(found, "dora_deployments", team="*", window="7d") == 1.0
    assert daemon.exposition.ready
    build.failing = None
    clock.now = T0 + timedelta(minutes=10)
    assert daemon.run_job("analytics")
    found = scrape(daemon)
    assert value(found, "doraspace_up") == 1.0
    assert value(found, "doraspace_sync_errors_total", source="analytics") == 1.0
    assert value(found, "doraspace_snapshot_age_seconds") == 0.0
    assert value(found, "dora_deployments", team="*", window="7d") == 2.0


def test_up_stays_zero_while_one_source_fails_whatever_the_others_and_analytics_do(
    tmp_path: Path, daemons: Callable[..., Daemon]
) -> None:
    """Two sources × one failing × doraspace_up ("0 until that job succeeds again", "1 when the latest run
    of every job succeeded") × last sync per source (only successes move it).

    T0: github fails (errors github 1, no github last sync). T0 + 1 m: pagerduty succeeds (last sync
    pagerduty T0_UNIX + 60 = 1782777660) and its analytics succeed: up still 0. T0 + 2 m: analytics job
    succeeds: still 0. T0 + 15 m: github succeeds: last sync github T0_UNIX + 900 = 1782778500, up 1;
    counters github 1, pagerduty 0, analytics 0.
    """
    clock = Clock(T0)
    collect = Collect(clock)
    daemon = daemons(
        config_with(tmp_path, ("github", "pagerduty")),
        clock=clock,
        collect_fn=collect,
        build_fn=Build(),
        output_dir=tmp_path,
    )
    collect.failing = RuntimeError("bad credentials")
    assert not daemon.run_job("github")
    collect.failing = None
    clock.now = T0 + timedelta(minutes=1)
    assert daemon.run_job("pagerduty")
    assert value(scrape(daemon), "doraspace_up") == 0.0
    clock.now = T0 + timedelta(minutes=2)
    assert daemon.run_job("analytics")
    found = scrape(daemon)
    assert health_view(found)["doraspace_up"] == 0.0
    assert health_view(found)["doraspace_last_sync_timestamp_seconds"] == {"pagerduty": 1782777660.0}
    clock.now = T0 + timedelta(minutes=15)
    assert daemon.run_job("github")
    view = health_view(scrape(daemon))
    assert view["doraspace_up"] == 1.0
    assert view["doraspace_last_sync_timestamp_seconds"] == {
        "github": 1782778500.0,
        "pagerduty": 1782777660.0,
    }
    assert view["doraspace_sync_errors_total"] == {"analytics": 0.0, "github": 1.0, "pagerduty": 0.0}


def test_a_report_that_cannot_be_written_fails_the_run_after_the_new_snapshot_is_served(
    tmp_path: Path, daemons: Callable[..., Daemon]
) -> None:
    """The analytics job = "a new snapshot from the store ..., then the HTML reports" × a report folder
    that cannot be written (a file stands at ``reports``) × doraspace_up after a failed analytics run.

    T0: the run serves snapshot 1 (age 0 at T0, dora_deployments{*} 1) and then fails on the reports:
    up 0, errors analytics 1, ready. A github sync at T0 + 60 s: the sync itself succeeds (last sync
    T0_UNIX + 60), its analytics serve snapshot 2 then fail again → errors analytics 2, github 0, up 0.
    """
    (tmp_path / "reports").write_text("not a folder")
    clock = Clock(T0)
    daemon = daemons(
        config_with(tmp_path, ("github",)),
        clock=clock,
        collect_fn=Collect(clock),
        build_fn=Build(),
        output_dir=tmp_path,
    )
    assert not daemon.run_job("analytics")
    found = scrape(daemon)
    assert value(found, "doraspace_up") == 0.0
    assert value(found, "doraspace_sync_errors_total", source="analytics") == 1.0
    assert value(found, "doraspace_snapshot_age_seconds") == 0.0
    assert value(found, "dora_deployments", team="*", window="7d") == 1.0
    clock.now = T0 + timedelta(seconds=60)
    assert daemon.run_job("github")
    view = health_view(scrape(daemon))
    assert view["doraspace_sync_errors_total"] == {"analytics": 2.0, "github": 0.0}
    assert view["doraspace_last_sync_timestamp_seconds"] == {"github": T0_UNIX + 60}
    assert view["doraspace_up"] == 0.0
    assert value(scrape(daemon), "dora_deployments", team="*", window="7d") == 2.0


def test_the_analytics_job_neither_waits_for_a_running_sync_nor_is_skipped_by_a_running_refresh(
    tmp_path: Path, daemons: Callable[..., Daemon]
) -> None:
    """The analytics job while a sync runs (docs: separate jobs, each at most once at a time; nothing says
    the analytics wait for a sync) × the sync's own follow-up analytics while a refresh is in progress
    (one refresh at a time: it waits its turn rather than being dropped, so the new facts are shown).

    1. A github sync is held open at T0; the analytics job runs meanwhile at T0 + 10 s and finishes
       (snapshot 1, as of T0 + 10 s) without the sync having finished.
    2. A refresh (the analytics job at T0 + 20 s) is held inside its build; the sync is let go, finishes
       and its follow-up refresh waits. The held build is released (snapshot 2, as of T0 + 20 s), then the
       follow-up builds snapshot 3 at the clock then (T0 + 30 s): 3 builds, snapshot 3 served, last
       sync github T0_UNIX + 30 (the clock when the sync finished, set before it was let go).
    """
    clock = Clock(T0)
    collect, build = Collect(clock), Build()
    collect.gate = threading.Event()
    daemon = daemons(
        config_with(tmp_path, ("github",)),
        clock=clock,
        collect_fn=collect,
        build_fn=build,
        output_dir=tmp_path,
    )
    outcomes: dict[str, bool] = {}
    sync = threading.Thread(target=lambda: outcomes.__setitem__("github", daemon.run_job("github")))
    sync.start()
    assert collect.entered.wait(10)
    clock.now = T0 + timedelta(seconds=10)
    assert daemon.run_job("analytics")  # did not wait for the sync
    assert sync.is_alive() and build.nows == [T0 + timedelta(seconds=10)]

    build.gate, build.entered = threading.Event(), threading.Event()
    clock.now = T0 + timedelta(seconds=20)
    refresh = threading.Thread(target=lambda: outcomes.__setitem__("analytics", daemon.run_job("analytics")))
    refresh.start()
    assert build.entered.wait(10)
    clock.now = T0 + timedelta(seconds=30)
    collect.gate.set()
    # The sync finishes and its follow-up refresh waits on the refresh in progress.
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while "github" not in daemon.health().last_sync and datetime.now(UTC) < deadline:
        threading.Event().wait(0.01)
    assert daemon.health().last_sync == {"github": T0 + timedelta(seconds=30)}
    assert build.nows == [T0 + timedelta(seconds=10), T0 + timedelta(seconds=20)]
    build.gate.set()
    refresh.join(10)
    sync.join(10)
    assert outcomes == {"github": True, "analytics": True}
    assert build.count == 3
    assert build.nows[-1] == T0 + timedelta(seconds=30)
    found = scrape(daemon)
    assert value(found, "dora_deployments", team="*", window="7d") == 3.0
    assert value(found, "doraspace_snapshot_age_seconds") == 0.0


def test_a_wall_clock_stepped_back_still_serves_the_snapshot_just_built(
    tmp_path: Path, daemons: Callable[..., Daemon]
) -> None:
    """SPEC §8: /metrics is "built from the latest analytics snapshot"; docs: a successful sync is
    followed right away by a new snapshot, and the reports are "rewritten after every snapshot" × the
    wall clock stepped back one hour (an NTP correction) between two snapshots.

    T0: analytics → snapshot 1 (dora_deployments{*} 1). The clock steps back to T0 − 1 h; a github sync
    succeeds there and its analytics build snapshot 2 (dora_deployments{*} 2, with the facts of that
    sync), and write it to /reports/. Expected: /metrics serves snapshot 2 (deployments 2, age 0 at
    T0 − 1 h), as /reports/ does. Actual: snapshot 1 stays served (deployments 1, its age clamped to 0
    although it is not the snapshot just built) until the clock passes T0 again, an hour later.
    """
    clock = Clock(T0)
    build = Build()
    daemon = daemons(
        config_with(tmp_path, ("github",)),
        clock=clock,
        collect_fn=Collect(clock),
        build_fn=build,
        output_dir=tmp_path,
    )
    assert daemon.run_job("analytics")
    clock.now = T0 - timedelta(hours=1)
    assert daemon.run_job("github")
    assert build.count == 2
    found = scrape(daemon)
    assert value(found, "doraspace_up") == 1.0
    assert value(found, "doraspace_last_sync_timestamp_seconds", source="github") == T0_UNIX - 3600
    assert daemon.exposition.snapshot is not None
    assert daemon.exposition.snapshot.created_at == T0 - timedelta(hours=1)
    assert value(found, "dora_deployments", team="*", window="7d") == 2.0


def test_snapshot_age_under_a_wall_clock_that_jumps_across_a_failed_analytics_run(
    tmp_path: Path, daemons: Callable[..., Daemon]
) -> None:
    """The daemon's default clock (the wall clock, frozen by freezegun) × a forward jump × a failed
    analytics run (the served snapshot keeps its age; up 0) × the next good run (age back to 0).

    Frozen at T0: analytics → snapshot at T0. tick(300): age 300. A failed analytics run at T0 + 300 s:
    up 0, errors analytics 1, age still 300; tick(3600) (the clock jumps an hour): age 3900. A good run
    at T0 + 3900 s: age 0, up 1; tick(15): age 15.
    """
    build = Build()
    daemon = daemons(config_with(tmp_path, ()), build_fn=build, output_dir=tmp_path)
    with freeze_time(T0) as frozen:
        assert daemon.run_job("analytics")
        frozen.tick(300)
        assert value(scrape(daemon), "doraspace_snapshot_age_seconds") == 300.0
        build.failing = RuntimeError("analytics broke")
        assert not daemon.run_job("analytics")
        found = scrape(daemon)
        assert health_view(found) == {
            "doraspace_up": 0.0,
            "doraspace_sync_errors_total": {"analytics": 1.0},
            "doraspace_snapshot_age_seconds": 300.0,
        }
        frozen.tick(3600)
        assert value(scrape(daemon), "doraspace_snapshot_age_seconds") == 3900.0
        build.failing = None
        assert daemon.run_job("analytics")
        assert build.nows[-1] == T0 + timedelta(seconds=3900)
        found = scrape(daemon)
        assert (value(found, "doraspace_snapshot_age_seconds"), value(found, "doraspace_up")) == (0.0, 1.0)
        frozen.tick(15)
        assert value(scrape(daemon), "doraspace_snapshot_age_seconds") == 15.0


HOLD_FILE = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1])
print("held", flush=True)
sys.stdin.readline()
connection.close()
"""


def test_a_store_held_past_the_lock_wait_skips_both_jobs_counted_and_the_next_run_recovers(
    tmp_path: Path, daemons: Callable[..., Daemon], caplog: pytest.LogCaptureFixture
) -> None:
    """docs "One DuckDB writer per file": a daemon run that cannot get the file within its wait "fails
    with `the store … is in use by another doraspace process (waited N s); this run is skipped`, is
    counted in doraspace_sync_errors_total, and the next interval retries" × a sync and the analytics
    job both meeting the held file × last sync and snapshot unchanged × up.

    T0: analytics → snapshot 1. Another process holds the file. T0 + 5 m: github sync (its first
    transaction) fails → errors github 1, no last sync, no follow-up analytics; the analytics job fails
    too → errors analytics 1; up 0; snapshot 1 served, age 300 at T0 + 5 m. The file freed, T0 + 10 m:
    github succeeds (last sync T0_UNIX + 600 = 1782778200), its analytics → snapshot 2, up 1.
    """
    clock = Clock(T0)
    collect, build = Collect(clock), Build()
    collect.touch_store = True
    daemon = daemons(
        config_with(tmp_path, ("github",)),
        clock=clock,
        collect_fn=collect,
        build_fn=build,
        output_dir=tmp_path,
        lock_timeout=0.3,
    )
    assert daemon.run_job("analytics")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FILE, f"{tmp_path}/store.duckdb"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        clock.now = T0 + timedelta(minutes=5)
        with caplog.at_level(logging.ERROR, logger="doraspace.daemon"):
            assert not daemon.run_job("github")
            assert not daemon.run_job("analytics")
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(10)
        assert holder.stdout is not None
        holder.stdout.close()
    # The errors of the two runs: the INFO lines before them ("serving …", the first snapshot) are
    # captured too when an earlier test of the worker left the logger at INFO.
    messages = [
        record.getMessage()
        for record in caplog.records
        if record.name == "doraspace.daemon" and record.levelno >= logging.ERROR
    ]
    assert len(messages) == 2
    for job, message in zip(("github", "analytics"), messages, strict=True):
        assert message.startswith(f"{job} failed: the store "), message
        assert message.endswith("is in use by another doraspace process (waited 0 s); this run is skipped")
    found = scrape(daemon)
    assert health_view(found) == {
        "doraspace_up": 0.0,
        "doraspace_sync_errors_total": {"analytics": 1.0, "github": 1.0},
        "doraspace_github_rate_limit_reserve_wait_seconds_total": 0.0,
        "doraspace_snapshot_age_seconds": 300.0,
    }
    assert build.count == 1
    clock.now = T0 + timedelta(minutes=10)
    assert daemon.run_job("github")
    view = health_view(scrape(daemon))
    assert view["doraspace_up"] == 1.0
    assert view["doraspace_last_sync_timestamp_seconds"] == {"github": 1782778200.0}
    assert view["doraspace_snapshot_age_seconds"] == 0.0
    assert build.count == 2
