"""`doraspace demo`: a synthetic organisation through the real pipeline, no config and no network.

The organisation (``doraspace.demo.facts``) is generated as the collector's own records and written with
the collector's own writers; from there everything is what a real deployment runs: the store, the
analytics snapshot, the exporter, the Grafana dashboards, the reports and the HTTP server. The config
the demo uses is written beside the store, so `doraspace metrics --config DIR/doraspace.yaml` gives the
same numbers from the same store.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from analytics.windows import band_window
from dashboards.exporter import Exposition, Health
from dashboards.grafana import write_dashboards
from dashboards.reports import write_reports
from doraspace.config import parse_config
from doraspace.daemon import ANALYTICS, configured_sources
from doraspace.demo.facts import build_demo_organisation
from doraspace.demo.load import load_demo_organisation
from doraspace.demo.surveys import import_demo_surveys
from doraspace.http_server import HttpServer
from doraspace.pipeline import build_snapshot
from store.engine import open_store

DEMO_SEED = 7
DEMO_DAYS = 200


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare(
    out_dir: Path, *, now: datetime, progress: Callable[[str], None] = _say
) -> tuple[Exposition, float]:
    """Generate, load, analyse and write everything into ``out_dir``; returns the exposition to serve
    and the seconds it took."""
    started = time.monotonic()
    out_dir.mkdir(parents=True, exist_ok=True)
    store = (out_dir / "demo.duckdb").resolve()
    for stale in (store, store.with_name(store.name + ".wal")):
        stale.unlink(missing_ok=True)  # a fresh store each run: the demo is generated, never resumed
    url = f"duckdb:///{store}"
    end = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    progress(
        f"demo: generating a synthetic organisation (seed {DEMO_SEED}, {DEMO_DAYS} days to {end:%Y-%m-%d})"
    )
    organisation = build_demo_organisation(DEMO_SEED, end=end, days=DEMO_DAYS)
    config_text = organisation.config_yaml(url)
    config_path = out_dir / "doraspace.yaml"
    config_path.write_text(config_text)
    config = parse_config(config_text, path=str(config_path), environ={}, now=now)
    engine = open_store(url)
    try:
        progress("demo: loading raw facts into the store")
        load_demo_organisation(organisation, engine)
        progress("demo: importing two quarters of the developer-experience survey")
        import_demo_surveys(organisation, engine, out_dir / "surveys", seed=DEMO_SEED)
        loaded_at = datetime.now(UTC)
        progress("demo: computing metrics")
        snapshot = build_snapshot(config, engine, now=now)
    finally:
        engine.dispose()
    write_dashboards(out_dir / "dashboards", benchmarks=config.benchmarks, band=band_window(config.windows))
    write_reports(snapshot, out_dir / "reports", previous=snapshot.previous)
    # No source was called: the "syncs" are the load, and there is no GitHub rate limit to report.
    sources = configured_sources(config)
    health = Health(up=True, last_sync=dict.fromkeys(sources, loaded_at), sources=(*sources, ANALYTICS))
    exposition = Exposition(health=lambda: health)
    exposition.update(snapshot)
    return exposition, time.monotonic() - started


def run_demo(*, port: int, out_dir: Path, once: bool, now: datetime) -> int:
    exposition, seconds = prepare(out_dir, now=now)
    _say(f"demo: ready in {seconds:.1f} s; store, config, dashboards and reports are in {out_dir}/")
    if once:
        _say(f"  reports:    {out_dir / 'reports' / 'index.html'}")
        _say(f"  dashboards: {out_dir / 'dashboards'}")
        _say(f"  metrics:    doraspace metrics --config {out_dir / 'doraspace.yaml'}")
        return 0
    server = HttpServer(
        exposition,
        host="127.0.0.1",
        port=port,
        static_dirs={"dashboards": out_dir / "dashboards", "reports": out_dir / "reports"},
    ).start()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    base = server.url
    _say(f"  metrics:    {base}/metrics")
    _say(f"  reports:    {base}/reports/")
    _say(f"  dashboards: {base}/dashboards/")
    _say("demo: serving until interrupted (Ctrl-C)")
    try:
        stop.wait()
    finally:
        server.stop()
    _say("demo: stopped")
    return 0
