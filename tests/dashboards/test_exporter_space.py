"""The ``space_*`` families of the exporter (SPEC §8.1): the snapshot's shown SPACE scores, one series per
team, quarter and dimension, nothing for suppressed groups, and no person anywhere in the text."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from analytics.snapshot import Snapshot
from analytics.space import SpaceScore, compute_space
from dashboards import grafana
from dashboards.exporter import Exposition, Health, snapshot_families, space_families
from store.engine import open_store
from tests.analytics.test_space import Survey
from tests.dashboards.space_quarters import quarters_of
from tests.dashboards.test_exporter import Clock, promtool
from tests.dashboards.test_exporter import snapshot as dora_snapshot

AS_OF = datetime(2026, 9, 30, tzinfo=UTC)
SPACE_FAMILIES = {"space_score", "space_favourable_ratio", "space_respondents", "space_response_rate"}


def score(team: str, quarter: str, dimension: str, **values: object) -> SpaceScore:
    fields: dict[str, object] = {
        "score": 62.5,
        "favourable": 0.5833333333333334,
        "respondents": 7,
        "response_rate": 0.875,
        "change": "rising",
        "quarter_respondents": 7,
    }
    fields.update(values)
    return SpaceScore(team=team, quarter=quarter, dimension=dimension, **fields)  # type: ignore[arg-type]


def snapshot(*space: SpaceScore) -> Snapshot:
    return Snapshot(
        created_at=AS_OF,
        as_of=AS_OF,
        benchmarks="dora-2023",
        teams=(),
        metrics=(),
        space=tuple(space),
        space_quarters=quarters_of(space),
    )


SCORES = (
    score("*", "2026-Q3", "efficiency", score=70.0, favourable=0.6, respondents=40, quarter_respondents=41),
    score("*", "2026-Q3", "satisfaction", score=55.0, favourable=0.5, respondents=39, quarter_respondents=41),
    score(
        "orders", "2026-Q2", "efficiency", score=50.0, response_rate=None, change=None, quarter_respondents=6
    ),
    score("orders", "2026-Q3", "efficiency", quarter_respondents=8, respondents=8, response_rate=1.0),
    score("orders", "2026-Q3", "satisfaction", quarter_respondents=8, respondents=6, response_rate=1.0),
)


@pytest.fixture
def registry() -> CollectorRegistry:
    exposition = Exposition(clock=Clock(AS_OF))
    exposition.update(snapshot(*SCORES))
    registry = CollectorRegistry()
    registry.register(exposition)
    return registry


def test_samples_equal_the_snapshots_scores(registry: CollectorRegistry) -> None:
    for row in SCORES:
        labels = {"team": row.team, "dimension": row.dimension, "quarter": row.quarter}
        assert registry.get_sample_value("space_score", labels) == row.score
        assert registry.get_sample_value("space_favourable_ratio", labels) == row.favourable
    get = registry.get_sample_value
    assert get("space_score", {"team": "orders", "dimension": "efficiency", "quarter": "2026-Q3"}) == 62.5
    assert (
        get("space_favourable_ratio", {"team": "*", "dimension": "satisfaction", "quarter": "2026-Q3"}) == 0.5
    )
    # Respondents and response rate are per team and quarter: the team-quarter's respondents, not a
    # dimension's.
    assert get("space_respondents", {"team": "orders", "quarter": "2026-Q3"}) == 8
    assert get("space_respondents", {"team": "orders", "quarter": "2026-Q2"}) == 6
    assert get("space_respondents", {"team": "*", "quarter": "2026-Q3"}) == 41
    assert get("space_response_rate", {"team": "orders", "quarter": "2026-Q3"}) == 1.0
    assert get("space_response_rate", {"team": "*", "quarter": "2026-Q3"}) == 0.875


def test_labels_and_one_team_quarter_sample(registry: CollectorRegistry) -> None:
    families = {family.name: family for family in registry.collect() if family.name in SPACE_FAMILIES}
    assert set(families) == SPACE_FAMILIES
    for name in ("space_score", "space_favourable_ratio"):
        assert {tuple(sorted(s.labels)) for s in families[name].samples} == {("dimension", "quarter", "team")}
        assert len(families[name].samples) == len(SCORES)
    respondents = [(s.labels["team"], s.labels["quarter"]) for s in families["space_respondents"].samples]
    assert sorted(respondents) == [("*", "2026-Q3"), ("orders", "2026-Q2"), ("orders", "2026-Q3")]
    assert all(family.type == "gauge" for family in families.values())


def test_a_null_response_rate_is_an_absent_series(registry: CollectorRegistry) -> None:
    assert registry.get_sample_value("space_response_rate", {"team": "orders", "quarter": "2026-Q2"}) is None
    assert registry.get_sample_value("space_respondents", {"team": "orders", "quarter": "2026-Q2"}) == 6


def test_no_space_scores_no_space_families() -> None:
    assert space_families(snapshot()) == []
    assert space_families(snapshot(score("t", "2026-Q3", "efficiency", response_rate=None))) != []


def test_the_dora_families_are_unchanged_by_space_scores() -> None:
    dora = dora_snapshot()
    with_space = dataclasses.replace(dora, space=SCORES, space_quarters=quarters_of(SCORES))

    def samples(snap: Snapshot, prefix: str) -> list[tuple[str, tuple[tuple[str, str], ...], float]]:
        return [
            (sample.name, tuple(sorted(sample.labels.items())), sample.value)
            for family in snapshot_families(snap)
            if family.name.startswith(prefix)
            for sample in family.samples
        ]

    assert samples(with_space, "dora_") == samples(dora, "dora_")
    assert samples(dora, "space_") == []
    assert len(samples(with_space, "space_")) == 2 * len(SCORES) + 3 + 2  # 3 team-quarters, 2 rates


# -- from the store: suppression and privacy end to end --------------------------------------------


@pytest.fixture
def engine() -> Iterator[Engine]:
    store = open_store("duckdb:///:memory:")
    yield store
    store.dispose()


TEAMS = {"small": 4, "medium": 6, "large": 30}
# What a survey export holds about people: none of it may reach the exposition.
PERSONAL = ("alice@example.com", "Alice Example", "my manager shouts at me", "192.0.2.7")


def survey_of_three_teams(engine: Engine) -> None:
    survey = Survey(engine)
    for quarter in ("2026-Q2", "2026-Q3"):
        survey.item(quarter, "s_burnout", "satisfaction", reverse=True, wording="I feel burned out")
        survey.item(quarter, "e_flow", "efficiency", wording=PERSONAL[2])  # only its fingerprint is stored
        number = 0
        for team, size in TEAMS.items():
            for n in range(size):
                number += 1
                # Respondents the importer would have pseudonymised; here they look like people on
                # purpose, to show the exporter has no path from a respondent to a label.
                respondent = f"{PERSONAL[0]}#{quarter}#{number}" if n == 0 else f"{PERSONAL[1]} {number}"
                survey.respond(quarter, team, {"s_burnout": 1 + n % 5, "e_flow": 5 - n % 3}, respondent)


def test_suppressed_teams_have_no_series_and_no_person_is_exported(engine: Engine) -> None:
    survey_of_three_teams(engine)
    scores = compute_space(engine, teams=TEAMS, min_group_size=5)
    exposition = Exposition(health=Health, clock=Clock(AS_OF + timedelta(seconds=5)))
    exposition.update(snapshot(*scores))
    body = exposition.render()
    text = body.decode()

    space_samples = [
        sample
        for family in text_string_to_metric_families(text)
        if family.name in SPACE_FAMILIES
        for sample in family.samples
    ]
    # small (4 < 5) is suppressed and, by differencing against the organisation row, medium (6) too.
    assert {sample.labels["team"] for sample in space_samples} == {"*", "large"}
    assert "small" not in text and "medium" not in text
    # Only team, quarter and dimension labels, with values from the survey's structure.
    for sample in space_samples:
        assert set(sample.labels) <= {"team", "quarter", "dimension"}
        assert sample.labels["quarter"] in ("2026-Q2", "2026-Q3")
        assert sample.labels.get("dimension", "satisfaction") in ("satisfaction", "efficiency")
    for personal in PERSONAL:
        assert personal not in text
    assert "@" not in text and "Alice" not in text
    respondents = {
        (s.labels["team"], s.labels["quarter"]): s.value
        for s in space_samples
        if s.name == "space_respondents"
    }
    assert respondents == {
        ("*", "2026-Q2"): 40,
        ("*", "2026-Q3"): 40,
        ("large", "2026-Q2"): 30,
        ("large", "2026-Q3"): 30,
    }


def test_promtool_check_metrics_reports_nothing_with_space_families(engine: Engine) -> None:
    survey_of_three_teams(engine)
    exposition = Exposition(clock=Clock(AS_OF))
    exposition.update(snapshot(*compute_space(engine, teams=TEAMS, min_group_size=3)))
    result = subprocess.run(
        [promtool(), "check", "metrics"], input=exposition.render(), capture_output=True, timeout=30
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, b"")


def test_the_space_dashboard_queries_only_served_space_families() -> None:
    board = grafana.build_dashboards()[grafana.SPACE_FILE]
    exprs = grafana.all_exprs(board)
    queried = {name for expr in exprs for name in re.findall(r"\bspace_\w+", expr)}
    served = {family.name for family in space_families(snapshot(*SCORES))}
    assert queried == SPACE_FAMILIES == served
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["quarter"]["query"] == "label_values(space_score, quarter)"
    assert variables["team"]["query"] == "label_values(space_score, team)"
    assert variables["team"]["regex"] == grafana.TEAM_REGEX  # the organisation row is not a team
    # Every query is about one quarter, except the per-quarter history of the selected team.
    for expr in exprs:
        assert 'quarter="$quarter"' in expr or 'team="$team"' in expr, expr
