"""The Prometheus exporter over a snapshot: samples equal the snapshot's numbers, nulls are absent,
label values are escaped, the text passes ``promtool check metrics``, and the snapshot is rendered
once however often it is scraped."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

import dashboards.exporter as exporter
from analytics.benchmarks import BANDS, METRICS
from analytics.dora import TeamWindowMetrics
from analytics.snapshot import Snapshot
from dashboards.exporter import Exposition, Health

AS_OF = datetime(2026, 3, 7, tzinfo=UTC)
HOUR = 3600.0
WEIRD_TEAM = 'plat"form\\ops\nteam'


def row(team: str, window: str, **values: Any) -> TeamWindowMetrics:
    days = int(window[:-1])
    fields: dict[str, Any] = {
        "deployments": 12,
        "lead_time_hours_p50": 20.5,
        "lead_time_hours_p90": 70.0,
        "lead_time_breakdown_hours_p50": {"coding": 5.0, "pickup": 2.0, "review": 4.0, "deploy": 3.0},
        "change_failure_rate": 0.0714,
        "failed_deployment_recovery_hours_p50": 3.2,
        "time_to_restore_hours_p50": 1.5,
        "time_to_restore_hours_p90": 6.0,
        "incidents": 4,
        "rework_rate": 0.095,
        "bands": {
            "deployment_frequency": "elite",
            "lead_time": "elite",
            "change_failure_rate": "high",
            "recovery": "high",
        },
    }
    fields.update(values)
    return TeamWindowMetrics(
        team=team,
        window=window,
        window_days=days,
        as_of=AS_OF,
        deployment_frequency_per_day=fields["deployments"] / days,
        **fields,
    )


NOTHING_MEASURED = {
    "deployments": 0,
    "lead_time_hours_p50": None,
    "lead_time_hours_p90": None,
    "lead_time_breakdown_hours_p50": {"coding": None, "pickup": None, "review": None, "deploy": None},
    "change_failure_rate": None,
    "failed_deployment_recovery_hours_p50": None,
    "time_to_restore_hours_p50": None,
    "time_to_restore_hours_p90": None,
    "incidents": 0,
    "rework_rate": None,
}


def snapshot(created_at: datetime = AS_OF) -> Snapshot:
    rows = [
        row("*", "7d", deployments=30),
        row("*", "90d", deployments=300),
        row("orders", "7d", lead_time_hours_p50=1.25, change_failure_rate=0.0),
        row("orders", "90d", deployments=99, lead_time_hours_p90=100.0),
        # A quiet team: nothing to measure in 7d; in 90d only deployments and their frequency.
        row(
            "quiet",
            "7d",
            **NOTHING_MEASURED,
            bands={"deployment_frequency": "low", "lead_time": None, "change_failure_rate": None},
        ),
        row(
            "quiet",
            "90d",
            **{**NOTHING_MEASURED, "deployments": 2},
            bands={
                "deployment_frequency": "medium",
                "lead_time": None,
                "change_failure_rate": None,
                "recovery": None,
            },
        ),
        row(WEIRD_TEAM, "7d"),
    ]
    return Snapshot(
        created_at=created_at,
        as_of=AS_OF,
        benchmarks="dora-2023",
        teams=tuple(dict.fromkeys(r.team for r in rows)),
        metrics=tuple(rows),
    )


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def registry() -> CollectorRegistry:
    exposition = Exposition(clock=Clock(AS_OF + timedelta(seconds=90)))
    exposition.update(snapshot())
    registry = CollectorRegistry()
    registry.register(exposition)
    return registry


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_samples_equal_the_snapshots_numbers_with_durations_in_seconds(registry: CollectorRegistry) -> None:
    for source in snapshot().metrics:
        if source.team == "quiet":
            continue
        labels = {"team": source.team, "window": source.window}
        assert value(registry, "dora_deployments", **labels) == source.deployments
        assert value(registry, "dora_deployment_frequency_per_day", **labels) == (
            source.deployment_frequency_per_day
        )
        assert value(registry, "dora_lead_time_seconds", **labels, percentile="50") == pytest.approx(
            source.lead_time_hours_p50 * HOUR  # type: ignore[operator]
        )
        assert value(registry, "dora_lead_time_seconds", **labels, percentile="90") == pytest.approx(
            source.lead_time_hours_p90 * HOUR  # type: ignore[operator]
        )
        assert value(registry, "dora_change_failure_rate", **labels) == source.change_failure_rate
        assert value(
            registry, "dora_failed_deployment_recovery_seconds", **labels, percentile="50"
        ) == pytest.approx(3.2 * HOUR)
        assert value(registry, "dora_time_to_restore_seconds", **labels, percentile="50") == 1.5 * HOUR
        assert value(registry, "dora_time_to_restore_seconds", **labels, percentile="90") == 6.0 * HOUR
        assert value(registry, "dora_incidents", **labels) == 4
        assert value(registry, "dora_rework_rate", **labels) == 0.095
    # Spot checks written out, so a bug shared by the loop above and the exporter cannot hide.
    assert value(registry, "dora_deployments", team="*", window="90d") == 300
    assert value(registry, "dora_deployment_frequency_per_day", team="*", window="7d") == 30 / 7
    assert value(registry, "dora_lead_time_seconds", team="orders", window="7d", percentile="50") == 4500
    assert value(registry, "dora_change_failure_rate", team="orders", window="7d") == 0.0
    # Precomputed percentiles use `percentile`, never the summary's reserved `quantile`.
    assert value(registry, "dora_lead_time_seconds", team="*", window="7d", quantile="0.5") is None


def test_null_values_are_absent_series_not_nan(registry: CollectorRegistry) -> None:
    quiet = {"team": "quiet", "window": "7d"}
    # Counts are numbers, 0 where there is nothing.
    assert value(registry, "dora_deployments", **quiet) == 0
    assert value(registry, "dora_incidents", **quiet) == 0
    assert value(registry, "dora_deployment_frequency_per_day", **quiet) == 0
    for name, percentile in [
        ("dora_lead_time_seconds", "50"),
        ("dora_lead_time_seconds", "90"),
        ("dora_failed_deployment_recovery_seconds", "50"),
        ("dora_time_to_restore_seconds", "50"),
        ("dora_time_to_restore_seconds", "90"),
    ]:
        assert value(registry, name, **quiet, percentile=percentile) is None, name
    for name in ("dora_change_failure_rate", "dora_rework_rate"):
        assert value(registry, name, **quiet) is None, name
    quiet_series = [
        sample
        for family in registry.collect()
        for sample in family.samples
        if sample.labels.get("team") == "quiet"
    ]
    assert all(sample.value == sample.value for sample in quiet_series)  # no NaN anywhere
    assert b"NaN" not in exporter.render_families(exporter.snapshot_families(snapshot()))


def test_nan_from_the_analytics_is_treated_as_null() -> None:
    nan_row = row("odd", "7d", change_failure_rate=float("nan"), lead_time_hours_p50=float("nan"))
    odd = Snapshot(AS_OF, AS_OF, "dora-2023", ("odd",), (nan_row,))
    series = {
        (s.name, s.labels.get("percentile"))
        for family in exporter.snapshot_families(odd)
        for s in family.samples
    }
    assert ("dora_change_failure_rate", None) not in series
    assert ("dora_lead_time_seconds", "50") not in series
    assert ("dora_lead_time_seconds", "90") in series
    assert b"NaN" not in exporter.render_families(exporter.snapshot_families(odd))


def test_bands_are_a_state_set_from_the_longest_window_and_absent_without_a_band(
    registry: CollectorRegistry,
) -> None:
    def band(team: str, metric: str) -> dict[str, float | None]:
        return {b: value(registry, "dora_band", team=team, metric=metric, band=b) for b in BANDS}

    assert band("orders", "change_failure_rate") == {"elite": 0, "high": 1, "medium": 0, "low": 0}
    assert band("*", "deployment_frequency") == {"elite": 1, "high": 0, "medium": 0, "low": 0}
    # quiet's 90d row (the longest window) says medium; its 7d row's "low" is not what bands come from.
    assert band("quiet", "deployment_frequency") == {"elite": 0, "high": 0, "medium": 1, "low": 0}
    for metric in ("lead_time", "change_failure_rate", "recovery"):
        assert band("quiet", metric) == dict.fromkeys(BANDS), metric
    # No window label: one band per team and metric.
    bands = [s for f in registry.collect() if f.name == "dora_band" for s in f.samples]
    assert {frozenset(s.labels) for s in bands} == {frozenset({"team", "metric", "band"})}
    assert {s.labels["metric"] for s in bands} == set(METRICS)
    for team in ("*", "orders", WEIRD_TEAM):
        assert sum(s.value for s in bands if s.labels["team"] == team) == len(METRICS)


def test_the_organisation_row_is_team_star(registry: CollectorRegistry) -> None:
    teams = {s.labels["team"] for f in registry.collect() for s in f.samples if "team" in s.labels}
    assert teams == {"*", "orders", "quiet", WEIRD_TEAM}


def test_label_values_with_quotes_backslashes_and_newlines_are_escaped() -> None:
    text = Exposition().render() + exporter.render_families(exporter.snapshot_families(snapshot()))
    decoded = text.decode()
    assert 'team="plat\\"form\\\\ops\\nteam"' in decoded
    assert "ops\nteam" not in decoded  # no raw newline inside a label value
    parsed = {
        sample.labels["team"]
        for family in text_string_to_metric_families(decoded)
        for sample in family.samples
        if "team" in sample.labels
    }
    assert WEIRD_TEAM in parsed


def test_health_families() -> None:
    synced = datetime(2026, 3, 7, 0, 5, tzinfo=UTC)
    health = Health(
        up=False,
        last_sync={"github": synced, "pagerduty": synced - timedelta(minutes=3)},
        sync_errors={"github": 2, "pagerduty": 0, "analytics": 1},
        github_rate_limit_remaining=4321,
        github_rate_limit_reserve_wait_seconds=90.25,
    )
    clock = Clock(AS_OF + timedelta(minutes=10))
    exposition = Exposition(health=lambda: health, clock=clock)
    exposition.update(snapshot())
    registry = CollectorRegistry()
    registry.register(exposition)
    assert value(registry, "doraspace_up") == 0
    assert value(registry, "doraspace_last_sync_timestamp_seconds", source="github") == synced.timestamp()
    assert value(registry, "doraspace_sync_errors_total", source="github") == 2
    assert value(registry, "doraspace_sync_errors_total", source="pagerduty") == 0
    assert value(registry, "doraspace_sync_errors_total", source="analytics") == 1
    assert value(registry, "doraspace_github_rate_limit_remaining") == 4321
    assert value(registry, "doraspace_github_rate_limit_reserve_wait_seconds_total") == 90.25
    assert value(registry, "doraspace_snapshot_age_seconds") == 600
    clock.now += timedelta(seconds=15)
    assert value(registry, "doraspace_snapshot_age_seconds") == 615
    text = exposition.render().decode()
    assert "# TYPE doraspace_sync_errors_total counter" in text


def test_sync_error_counters_of_known_sources_exist_at_zero() -> None:
    # No run has failed yet: each source that runs here still has its counter, at 0 (SPEC §8.1).
    health = Health(sources=("github", "analytics"), sync_errors={"pagerduty": 3})
    registry = CollectorRegistry()
    registry.register(Exposition(health=lambda: health))
    assert value(registry, "doraspace_sync_errors_total", source="github") == 0
    assert value(registry, "doraspace_sync_errors_total", source="analytics") == 0
    assert value(registry, "doraspace_sync_errors_total", source="pagerduty") == 3


def test_unknown_health_values_are_absent() -> None:
    registry = CollectorRegistry()
    registry.register(Exposition())
    assert value(registry, "doraspace_up") == 1
    names = {s.name for f in registry.collect() for s in f.samples}
    assert names == {"doraspace_up"}


def test_snapshot_families_are_rendered_once_per_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = exporter.snapshot_families

    def counting(snap: Snapshot) -> Any:
        calls.append(snap)
        return real(snap)

    monkeypatch.setattr(exporter, "snapshot_families", counting)
    clock = Clock(AS_OF)
    exposition = Exposition(clock=clock)
    assert not exposition.ready
    exposition.update(snapshot())
    assert len(calls) == 1 and exposition.ready
    bodies = []
    for second in range(5):
        clock.now = AS_OF + timedelta(seconds=second)
        bodies.append(exposition.render())
        exposition.render(gzipped=True)
    assert len(calls) == 1
    # The health part is fresh at each scrape: the snapshot's age moves with the clock.
    assert b"doraspace_snapshot_age_seconds 4.0" in bodies[-1]
    assert len({body for body in bodies}) == 5


def test_an_older_snapshot_never_replaces_a_newer_one() -> None:
    exposition = Exposition()
    newer = snapshot(created_at=AS_OF + timedelta(minutes=5))
    exposition.update(newer)
    exposition.update(snapshot(created_at=AS_OF))
    assert exposition.snapshot is newer


def test_gzip_body_is_one_gzip_stream_of_the_same_text() -> None:
    clock = Clock(AS_OF + timedelta(seconds=7))
    exposition = Exposition(clock=clock, health=lambda: Health(github_rate_limit_remaining=5))
    exposition.update(snapshot())
    plain = exposition.render()
    compressed = exposition.render(gzipped=True)
    assert gzip.decompress(compressed) == plain
    # One member, not two glued together: some clients stop after the first.
    single = zlib.decompressobj(wbits=31)
    assert single.decompress(compressed) == plain
    assert single.eof and single.unused_data == b""
    assert len(compressed) < len(plain) / 3


def test_the_exposition_as_a_registry_collector_follows_the_latest_snapshot() -> None:
    exposition = Exposition()
    registry = CollectorRegistry()
    registry.register(exposition)
    assert [family.name for family in registry.collect() if family.name.startswith("dora_")] == []
    exposition.update(snapshot())
    assert value(registry, "dora_deployments", team="orders", window="90d") == 99


def promtool() -> Path:
    found = shutil.which("promtool") or ("/usr/bin/promtool" if Path("/usr/bin/promtool").exists() else None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool missing: apt-get install prometheus")
        pytest.skip("promtool missing: apt-get install prometheus")
    return Path(found)


def test_promtool_check_metrics_reports_nothing() -> None:
    health = Health(
        up=True,
        last_sync={"github": AS_OF},
        sync_errors={"github": 0, "analytics": 3},
        github_rate_limit_remaining=10,
    )
    exposition = Exposition(health=lambda: health, clock=Clock(AS_OF + timedelta(seconds=1)))
    exposition.update(snapshot())
    result = subprocess.run(
        [promtool(), "check", "metrics"], input=exposition.render(), capture_output=True, timeout=30
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, b"")
