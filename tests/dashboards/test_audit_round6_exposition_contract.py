"""Audit, round 6: the /metrics exposition field by field against SPEC §8.1.

One small store, built in process: team ``alpha`` (repo acme/alpha, headcount 5) with one deployment D
at 06-29 12:00 shipping a commit authored 06-29 10:00 (lead 2 h = 7200 s); team ``idle`` (repo acme/idle)
with no deployment at all; windows 7d and 30d; a 2026-Q2 survey with 5 alpha respondents answering 4
on s1 (satisfaction, 5 points). as_of 2026-06-30.

By hand (§6.2/§6.3/§7.4): alpha 7d and 30d: deployments 1, frequency 1/7 and 1/30 per day, lead p50 =
p90 = 7200 s, CFR 0/1 = 0.0, rework 0.0, incidents 0; recovery and TTR null (absent). idle: deployments 0,
frequency 0.0, incidents 0; every ratio/percentile null (absent); its only band deployment_frequency =
low (0 < 1/30). "*" equals alpha's numbers. Survey: score (4 − 1)/4 × 100 = 75, favourable 5/5 = 1.0,
respondents 5, response_rate 5/5 = 1.0.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from collector.models import RepositoryFact
from collector.writer import write_repositories
from dashboards.exporter import Exposition, Health
from doraspace.config import load_config
from doraspace.pipeline import build_snapshot
from store.engine import open_store
from tests.analytics.facts import Facts, at
from tests.analytics.test_space import Survey

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
WINDOWS = ("7d", "30d")
TW = {"team", "window"}
TWP = {"team", "window", "percentile"}
EXPECTED_FAMILIES = {
    # family name (as on the TYPE line) → (type, label names of its samples)
    "dora_deployments": ("gauge", TW),
    "dora_deployment_frequency_per_day": ("gauge", TW),
    "dora_lead_time_seconds": ("gauge", TWP),
    "dora_change_failure_rate": ("gauge", TW),
    "dora_failed_deployment_recovery_seconds": ("gauge", TWP),
    "dora_time_to_restore_seconds": ("gauge", TWP),
    "dora_incidents": ("gauge", TW),
    "dora_rework_rate": ("gauge", TW),
    "dora_lead_time_breakdown_seconds": ("gauge", {"team", "window", "stage", "percentile"}),
    "dora_band": ("gauge", {"team", "metric", "band"}),
    "space_score": ("gauge", {"team", "dimension", "quarter"}),
    "space_favourable_ratio": ("gauge", {"team", "dimension", "quarter"}),
    "space_respondents": ("gauge", {"team", "quarter"}),
    "space_response_rate": ("gauge", {"team", "quarter"}),
    "doraspace_up": ("gauge", set()),
    "doraspace_last_sync_timestamp_seconds": ("gauge", {"source"}),
    "doraspace_sync_errors_total": ("counter", {"source"}),
    "doraspace_github_rate_limit_remaining": ("gauge", set()),
    "doraspace_snapshot_age_seconds": ("gauge", set()),
}


def build(tmp: Path) -> str:
    url = f"duckdb:///{tmp}/store.duckdb"
    config = tmp / "doraspace.yaml"
    teams = [
        {"name": "alpha", "repositories": ["acme/alpha"], "headcount": 5},
        {"name": "idle", "repositories": ["acme/idle"]},
    ]
    config.write_text(
        f"database:\n  url: {url}\nteams: {json.dumps(teams)}\n"
        f"metrics:\n  windows: {json.dumps(list(WINDOWS))}\n  benchmarks: dora-2023\n"
        "surveys:\n  min_group_size: 5\n"
    )
    engine = open_store(url)
    try:
        with engine.begin() as conn:
            write_repositories(
                conn, [RepositoryFact(r, "main") for r in ("acme/alpha", "acme/idle")], {}, AS_OF
            )
        facts = Facts(engine)
        facts.deployment(datetime(2026, 3, 1, tzinfo=UTC), compare="first", sha="f" * 40, repo="acme/alpha")
        c = facts.commit("a" * 40, at(29, 10), repo="acme/alpha")
        facts.deployment(at(29, 12), ships=[c], repo="acme/alpha")
        survey = Survey(engine)
        survey.item("2026-Q2", "s1", "satisfaction")
        for _ in range(5):
            survey.respond("2026-Q2", "alpha", {"s1": 4})
        cfg = load_config(config, environ={})
        snapshot = build_snapshot(cfg, engine, now=AS_OF, as_of=AS_OF, weeks=1)
    finally:
        engine.dispose()
    health = Health(
        up=True,
        last_sync={"github": AS_OF},
        sources=("github", "pagerduty"),
        github_rate_limit_remaining=4000,
    )
    exposition = Exposition(health=lambda: health, clock=lambda: AS_OF)
    exposition.update(snapshot)
    return exposition.render().decode("utf-8")


@pytest.fixture(scope="module")
def text(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build(tmp_path_factory.mktemp("expo"))


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            key = (s.name, frozenset(s.labels.items()))
            assert key not in found, key
            found[key] = s.value
    return found


def get(found: dict, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def test_family_names_types_help_and_label_names_are_exactly_specs(text: str) -> None:
    """§8.1's list: every family present (with data somewhere), TYPE gauge except the _total counter,
    a non-empty HELP each, and each sample carrying exactly the family's label names."""
    types = dict(line.split(" ")[2:4] for line in text.splitlines() if line.startswith("# TYPE "))
    helps = {line.split(" ")[2]: line for line in text.splitlines() if line.startswith("# HELP ")}
    # No incident and no PR anywhere: recovery, TTR and breakdown are null everywhere → no series at all.
    all_null = {"dora_failed_deployment_recovery_seconds", "dora_time_to_restore_seconds"}
    all_null.add("dora_lead_time_breakdown_seconds")
    assert types == {name: kind for name, (kind, _) in EXPECTED_FAMILIES.items() if name not in all_null}
    assert set(helps) == set(types)
    assert all(len(line.split(" ", 3)[3].strip()) > 0 for line in helps.values())
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            assert (
                set(s.labels)
                == EXPECTED_FAMILIES.get(
                    family.name, EXPECTED_FAMILIES.get(family.name + "_total", ("", None))
                )[1]
            ), (s.name, s.labels)
    assert "quantile=" not in text
    assert '{le="' not in text and ',le="' not in text


def test_label_values_are_spelled_as_spec_and_config_say(text: str) -> None:
    """window ∈ configured {7d, 30d}; percentile ∈ {"50","90"}; metric ∈ the four keys;
    band ∈ elite/high/medium/low; teams alpha, idle and "*"; dimension satisfaction; quarter 2026-Q2."""
    seen: dict[str, set[str]] = {}
    per: dict[tuple[str, str], set[str]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            for k, v in s.labels.items():
                seen.setdefault(k, set()).add(v)
                per.setdefault((family.name, k), set()).add(v)
    assert seen["window"] == set(WINDOWS)
    assert seen["team"] == {"*", "alpha", "idle"}
    assert per[("dora_lead_time_seconds", "percentile")] == {"50", "90"}
    # alpha: recovery and TTR null (no incident) → no recovery band; 3 metrics banded.
    assert seen["metric"] == {"deployment_frequency", "lead_time", "change_failure_rate"}
    assert seen["band"] == {"elite", "high", "medium", "low"}
    assert seen["dimension"] == {"satisfaction"}
    assert seen["quarter"] == {"2026-Q2"}
    assert seen["source"] == {"github", "pagerduty"}


def test_values_units_and_null_series(text: str) -> None:
    """Units: lead time 2 h = 7200 s; frequency per day 1/7 and 1/30; ratios 0–1 (CFR 0.0, rework 0.0,
    favourable 1.0, response rate 1.0); score 75. idle: counts 0 present, every ratio/percentile absent,
    dora_band only for deployment_frequency (low = 1, the other three 0), nothing for its null bands."""
    f = samples(text)
    for team in ("alpha", "*"):
        for window, days in (("7d", 7), ("30d", 30)):
            lab = {"team": team, "window": window}
            assert get(f, "dora_deployments", **lab) == 1
            assert get(f, "dora_deployment_frequency_per_day", **lab) == pytest.approx(1 / days)
            assert get(f, "dora_lead_time_seconds", **lab, percentile="50") == pytest.approx(7200)
            assert get(f, "dora_lead_time_seconds", **lab, percentile="90") == pytest.approx(7200)
            assert get(f, "dora_change_failure_rate", **lab) == 0.0
            assert get(f, "dora_rework_rate", **lab) == 0.0
            assert get(f, "dora_incidents", **lab) == 0
            assert get(f, "dora_failed_deployment_recovery_seconds", **lab, percentile="50") is None
            assert get(f, "dora_time_to_restore_seconds", **lab, percentile="50") is None
    idle = [(k, v) for k, v in f.items() if ("team", "idle") in k[0:2][1]]
    idle_names = sorted({k[0] for k, _ in idle})
    assert idle_names == [
        "dora_band",
        "dora_deployment_frequency_per_day",
        "dora_deployments",
        "dora_incidents",
    ]
    for window in WINDOWS:
        assert get(f, "dora_deployments", team="idle", window=window) == 0
        assert get(f, "dora_deployment_frequency_per_day", team="idle", window=window) == 0
        assert get(f, "dora_incidents", team="idle", window=window) == 0
    idle_bands = {dict(k[1])["band"]: v for k, v in idle if k[0] == "dora_band"}
    assert idle_bands == {"low": 1.0, "elite": 0.0, "high": 0.0, "medium": 0.0}
    assert {dict(k[1])["metric"] for k, _ in idle if k[0] == "dora_band"} == {"deployment_frequency"}
    q = {"team": "alpha", "quarter": "2026-Q2"}
    assert get(f, "space_score", **q, dimension="satisfaction") == pytest.approx(75.0)
    assert get(f, "space_favourable_ratio", **q, dimension="satisfaction") == pytest.approx(1.0)
    assert get(f, "space_respondents", **q) == 5
    assert get(f, "space_response_rate", **q) == pytest.approx(1.0)
    assert get(f, "space_response_rate", team="*", quarter="2026-Q2") == pytest.approx(1.0)


def test_health_series_and_no_nan_or_inf(text: str) -> None:
    """doraspace_up 1; last sync github = as_of's Unix time; sync errors counter at 0 for each configured
    source (github, pagerduty) from the first scrape; rate limit 4000; snapshot age 0 (built at as_of).
    No sample anywhere is NaN or ±Inf."""
    f = samples(text)
    assert get(f, "doraspace_up") == 1
    assert get(f, "doraspace_last_sync_timestamp_seconds", source="github") == AS_OF.timestamp()
    assert get(f, "doraspace_sync_errors_total", source="github") == 0
    assert get(f, "doraspace_sync_errors_total", source="pagerduty") == 0
    assert get(f, "doraspace_github_rate_limit_remaining") == 4000
    assert get(f, "doraspace_snapshot_age_seconds") == 0
    assert all(math.isfinite(v) for v in f.values())
    assert "NaN" not in text and "Inf" not in text
