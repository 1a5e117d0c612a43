"""Scrape latency of ``/metrics`` for a large organisation, and what the snapshot costs in memory.

A synthetic snapshot of 1,000 teams × 3 windows (plus the organisation row, every value measured, every
band set: the worst case for the exposition's size) is served by the real HTTP server; a keep-alive
client, like Prometheus, scrapes it N times, plain and gzip. The baseline serves the same snapshot by
running ``prometheus_client.generate_latest`` at every scrape, which is what a plain custom collector
would cost. Memory is measured with tracemalloc: the snapshot itself, and what the exposition keeps
(rendered text, gzip prefix, compressor state).

    .venv/bin/python -m bench.bench_scrape [--teams 1000] [--requests 300] [--baseline-requests 30]

Target (issue 4): p99 under 50 ms for 1,000 teams × 3 windows.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric

from analytics.benchmarks import BANDS, METRICS
from analytics.dora import TeamWindowMetrics
from analytics.snapshot import Snapshot
from dashboards.exporter import Exposition, Health, snapshot_families
from doraspace.http_server import HttpServer, MetricsSource

WINDOWS = (("7d", 7), ("30d", 30), ("90d", 90))
TARGET_P99_MS = 50.0
AS_OF = datetime(2026, 6, 30, tzinfo=UTC)


def synthetic_snapshot(teams: int, seed: int = 7) -> Snapshot:
    rng = random.Random(seed)
    names = ["*", *(f"team-{index:04d}" for index in range(teams))]
    rows = []
    for team in names:
        bands = {metric: rng.choice(BANDS) for metric in METRICS}
        for window, days in WINDOWS:
            deployments = rng.randint(1, 400)
            rows.append(
                TeamWindowMetrics(
                    team=team,
                    window=window,
                    window_days=days,
                    as_of=AS_OF,
                    deployments=deployments,
                    deployment_frequency_per_day=deployments / days,
                    lead_time_hours_p50=rng.uniform(0.5, 200),
                    lead_time_hours_p90=rng.uniform(200, 900),
                    lead_time_breakdown_hours_p50={
                        stage: rng.uniform(0, 50) for stage in ("coding", "pickup", "review", "deploy")
                    },
                    change_failure_rate=rng.random(),
                    failed_deployment_recovery_hours_p50=rng.uniform(0.1, 100),
                    time_to_restore_hours_p50=rng.uniform(0.1, 50),
                    time_to_restore_hours_p90=rng.uniform(50, 200),
                    incidents=rng.randint(0, 40),
                    rework_rate=rng.random(),
                    bands=dict(bands),
                )
            )
    return Snapshot(
        created_at=AS_OF, as_of=AS_OF, benchmarks="dora-2023", teams=tuple(names), metrics=tuple(rows)
    )


HEALTH = Health(
    last_sync={"github": AS_OF, "pagerduty": AS_OF},
    sync_errors={"github": 0, "pagerduty": 0, "analytics": 0},
    github_rate_limit_remaining=4000,
)


def clock() -> datetime:
    return AS_OF + timedelta(seconds=42)


class SnapshotFamilies:
    """A registry collector that makes the snapshot's families again at each collection."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterable[Metric]:
        return snapshot_families(self._snapshot)


class FreshRendering:
    """The baseline: a registry with a custom collector, ``generate_latest`` at every scrape."""

    ready = True

    def __init__(self, snapshot: Snapshot) -> None:
        exposition = Exposition(health=lambda: HEALTH, clock=clock)
        self.registry = CollectorRegistry()
        self.registry.register(SnapshotFamilies(snapshot))
        # Health only (no snapshot set): the same families a scrape of the real server carries.
        self.registry.register(exposition)

    def render_parts(self, *, gzipped: bool = False) -> tuple[bytes, bytes]:
        return generate_latest(self.registry), b""


def scrape_latencies(port: int, requests: int, *, gzipped: bool) -> tuple[list[float], int]:
    """Milliseconds from sending the request to having read the whole body, over one connection."""
    headers = {"Accept-Encoding": "gzip"} if gzipped else {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies: list[float] = []
    size = 0
    try:
        for _ in range(requests):
            started = time.perf_counter()
            connection.request("GET", "/metrics", headers=headers)
            response = connection.getresponse()
            body = response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise RuntimeError(f"/metrics answered {response.status}")
            size = len(body)
    finally:
        connection.close()
    return latencies, size


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(name: str, source: Callable[[], MetricsSource], requests: int, *, gzipped: bool) -> float:
    with HttpServer(source(), port=0) as server:
        scrape_latencies(server.port, min(5, requests), gzipped=gzipped)  # warm up
        latencies, size = scrape_latencies(server.port, requests, gzipped=gzipped)
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    print(
        f"{name:<42} {requests:>5} scrapes  p50 {p50:8.2f} ms  p99 {p99:8.2f} ms  "
        f"max {max(latencies):8.2f} ms  body {size / 1e6:6.2f} MB"
    )
    return p99


def mib(size: int) -> str:
    return f"{size / 2**20:7.2f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--baseline-requests", type=int, default=30)
    parser.add_argument("--strict", action="store_true", help="exit 1 when the p99 target is missed")
    args = parser.parse_args(argv)

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    snapshot = synthetic_snapshot(args.teams)
    snapshot_bytes = tracemalloc.get_traced_memory()[0] - before
    exposition = Exposition(health=lambda: HEALTH, clock=clock)
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    exposition.update(snapshot)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Timed again without tracemalloc, which slows every allocation several times over.
    started = time.perf_counter()
    Exposition(health=lambda: HEALTH, clock=clock).update(snapshot)
    update_ms = (time.perf_counter() - started) * 1000
    plain, zipped = exposition.render(), exposition.render(gzipped=True)
    samples = plain.count(b"\n") - plain.count(b"\n#")

    print(f"snapshot: {args.teams} teams + '*' × {len(WINDOWS)} windows = {len(snapshot.metrics)} rows")
    print(f"exposition: {samples} samples, {len(plain) / 1e6:.2f} MB text, {len(zipped) / 1e6:.2f} MB gzip")
    print(f"memory: snapshot {mib(snapshot_bytes)}; rendered exposition kept {mib(current - before)}")
    print(f"        update() peak {mib(peak - before)}, took {update_ms:.0f} ms (once per snapshot)")
    print()

    p99 = measure("rendered once (plain)", lambda: exposition, args.requests, gzipped=False)
    measure("rendered once (gzip)", lambda: exposition, args.requests, gzipped=True)
    measure(
        "baseline: generate_latest per scrape",
        lambda: FreshRendering(snapshot),
        args.baseline_requests,
        gzipped=False,
    )
    met = p99 < TARGET_P99_MS
    print(f"\ntarget p99 < {TARGET_P99_MS:.0f} ms (plain): {'met' if met else 'MISSED'} ({p99:.2f} ms)")
    return 1 if args.strict and not met else 0


if __name__ == "__main__":
    sys.exit(main())
