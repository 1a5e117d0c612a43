"""Audit, round 5: configuration rules that change the NUMBERS (SPEC §3, §4, §5.1, §6; docs/configuration.md).

Two paths. (1) Emulated GitHub → ``doraspace collect`` (REST and GraphQL) → ``doraspace metrics --format
json --as-of 2026-03-20T00:00:00Z``, one window 30d = (02-18 00:00, 03-20 00:00], times March 2026 UTC
(``at``). (2) Raw facts written as the collector would (``tests.analytics.facts``), then ``doraspace
metrics`` as of 2026-06-30 00:00 UTC, times June 2026 UTC (``jun``). Percentiles are ``percentile_cont``:
p at position p × (n − 1) of the sorted values. Every number is worked out by hand in each docstring and
whole rows are asserted.

dora-2023 bands: frequency ≥ 1/day elite, ≥ 1/7 high, ≥ 1/30 medium; lead p50 < 24 h elite, < 168 h high,
< 720 h medium; CFR ≤ 5 % elite, ≤ 10 % high, ≤ 15 % medium; recovery < 1 h elite, < 24 h high, < 168 h
medium. dora-2021: frequency ≥ 1/day elite, ≥ 1/30 high, ≥ 1/182 medium; lead < 1 h elite, < 168 h high,
< 4368 h medium; CFR ≤ 15 % elite, ≤ 30 % high, else low; recovery as 2023.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from collector.models import RepositoryFact
from collector.writer import write_repositories
from store.engine import open_store
from tests.analytics.facts import METRIC_KEYS, Facts, add_incident, add_label, bands, sha
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.github_org import write_github_config
from tests.github_scenarios import APIS, AS_OF, at, run_cli

TOKEN_VARIABLE = "AUDIT_ROUND5_CONFIG_GITHUB_TOKEN"
TOKEN = "audit-round5-config-token"
JUNE_AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
JUNE_AS_OF_TEXT = "2026-06-30T00:00:00Z"
NO_STAGES: dict[str, Any] = {"coding": None, "pickup": None, "review": None, "deploy": None}

Rows = dict[str, dict[str, Any]]


def jun(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 6, day, tzinfo=UTC) + timedelta(hours=hour)


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-9)


def number(value: float | None) -> Any:
    return None if value is None else approx(value)


def row(
    team: str,
    window: str,
    as_of: str,
    days: int,
    *,
    deployments: int,
    lead: tuple[float | None, float | None],
    cfr: float | None,
    recovery: float | None = None,
    restore: tuple[float | None, float | None] = (None, None),
    incidents: int = 0,
    rework: float | None,
    stages: dict[str, Any] = NO_STAGES,
    row_bands: dict[str, str | None],
) -> dict[str, Any]:
    """A whole expected metrics row, in SPEC §6.4's key order."""
    return {
        "team": team,
        "window": window,
        "as_of": as_of,
        "deployments": deployments,
        "deployment_frequency_per_day": approx(deployments / days),
        "lead_time_hours_p50": number(lead[0]),
        "lead_time_hours_p90": number(lead[1]),
        "change_failure_rate": number(cfr),
        "failed_deployment_recovery_hours_p50": number(recovery),
        "time_to_restore_hours_p50": number(restore[0]),
        "time_to_restore_hours_p90": number(restore[1]),
        "incidents": incidents,
        "rework_rate": number(rework),
        "lead_time_breakdown_hours_p50": {k: number(v) for k, v in stages.items()},
        "bands": row_bands,
    }


def assert_rows(actual: Rows, expected: dict[str, dict[str, Any]]) -> None:
    """Every expected row equals the actual one (key order too); other teams but "*" have no deployment."""
    for team in expected:
        assert team in actual, f"no row for team {team}: {sorted(actual)}"
        assert list(actual[team]) == METRIC_KEYS
    assert {team: actual[team] for team in expected} == expected
    for team, got in actual.items():
        if team not in expected and team != "*":
            assert got["deployments"] == 0, f"unexpected deployments for team {team}: {got}"


# ------------------------------------------------------------------------------------ GitHub → collect


def collect_rows(tmp_path: Path, dataset: GitHubDataset, github: str, rest: str) -> dict[str, Rows]:
    """Per ``github.api`` mode: collect ``dataset`` with the ``github`` lines and ``rest`` sections into
    a fresh store, then the 30d rows as of AS_OF by team."""
    result: dict[str, Rows] = {}
    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        for api in APIS:
            config = write_github_config(
                tmp_path / api, emulator.base_url, TOKEN_VARIABLE, f"api: {api}\n{github}", rest
            )
            run_cli(["collect", "--config", str(config)])
            rows = json.loads(
                run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF])
            )
            result[api] = {r["team"]: r for r in rows if r["window"] == "30d"}
    return result


def build_inheritance(dataset: GitHubDataset) -> None:
    """acme/plain, acme/runs, acme/mixed, acme/inc; see the tests' docstrings."""
    plain = dataset.add_repo("acme/plain")
    c0 = plain.commit("initial", author_date=at(1))
    plain.deployment(c0, environment="live", created_at=at(1, 6))  # first
    c1 = plain.commit("c1", author_date=at(2, 8))
    plain.deployment(c1, environment="live", created_at=at(2, 10))
    c2 = plain.commit("c2", author_date=at(3, 8))
    plain.deployment(c2, environment="production", created_at=at(3, 12))  # not the environment
    c3 = plain.commit("c3", author_date=at(4, 8))
    plain.deployment(c3, environment="live", created_at=at(4, 20))

    runs = dataset.add_repo("acme/runs")
    r0 = runs.commit("initial", author_date=at(1))
    runs.workflow_run(r0, workflow="ship.yml", created_at=at(1, 5), updated_at=at(1, 6))  # first
    r1 = runs.commit("r1", author_date=at(2, 8))
    runs.workflow_run(r1, workflow="deploy.yml", created_at=at(2, 8.5), updated_at=at(2, 9))  # other workflow
    runs.workflow_run(r1, workflow="ship.yml", created_at=at(2, 10), updated_at=at(2, 11))
    r2 = runs.commit("r2", author_date=at(5))
    runs.deployment(r2, environment="live", created_at=at(5, 2))  # not the source
    runs.workflow_run(r2, workflow="ship.yml", created_at=at(5, 1), updated_at=at(5, 6))

    mixed = dataset.add_repo("acme/mixed")
    m0 = mixed.commit("initial", author_date=at(1))
    mixed.deployment(m0, environment="live", created_at=at(1, 6))
    m1 = mixed.commit("m1", author_date=at(2))
    mixed.deployment(m1, environment="live", created_at=at(2, 10))

    inc = dataset.add_repo("acme/inc")
    i0 = inc.commit("initial", author_date=at(1))
    inc.deployment(i0, environment="live", created_at=at(1, 6))
    i1 = inc.commit("i1", author_date=at(2, 8))
    inc.deployment(i1, environment="live", created_at=at(2, 10))
    inc.issue(title="Checkout slow", created_at=at(2, 11), closed_at=at(2, 13), labels=["incident"])
    inc.issue(title="Checkout down", created_at=at(2, 12), closed_at=at(2, 15), labels=["sev1"])


INHERITANCE_GITHUB = """\
since: 2026-03-01
deployments: {source: deployments, environment: live, workflow: ship.yml}
incident_labels: [sev1]
repositories:
  - acme/plain
  - {name: acme/runs, deployments: {source: workflow_runs}}
  - Acme/Mixed
  - acme/inc
"""

INHERITANCE_REST = """\
catalog: {discover: false}
metrics: {windows: [30d]}
teams:
  - {name: plain-team, repositories: [acme/plain]}
  - {name: runs-team, repositories: [acme/runs]}
  - {name: mixed-team, repositories: [ACME/MIXED]}
  - {name: inc-team, repositories: [acme/inc]}
"""


@pytest.fixture(scope="module")
def inheritance(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rows]:
    dataset = GitHubDataset()
    build_inheritance(dataset)
    return collect_rows(tmp_path_factory.mktemp("inheritance"), dataset, INHERITANCE_GITHUB, INHERITANCE_REST)


@pytest.mark.parametrize("api", APIS)
def test_plain_repository_inherits_the_default_environment(inheritance: dict[str, Rows], api: str) -> None:
    """github.deployments {source: deployments, environment: live}; acme/plain listed by name only, so its
    source is deployments in ``live`` (docs: "keys left out are inherited").
    Live deployments 01 06:00 (c0, first), 02 10:00 (c1 authored 02 08:00: 2 h), 04 20:00 (c3); the
    production deployment of c2 (03 12:00) is not one, so c3's compare c1...c3 holds c2 (03 08:00: 36 h)
    and c3 (04 08:00: 12 h). 3 deployments; leads 2, 12, 36 → p50 12, p90 at 1.8: 12 + 0.8 × 24 = 31.2.
    3/30 = 0.1 → medium; 12 h → elite; CFR 0/3 = 0 → elite; recovery null; rework 0/3 = 0.0."""
    assert_rows(
        {"plain-team": inheritance[api]["plain-team"]},
        {
            "plain-team": row(
                "plain-team", "30d", AS_OF, 30, deployments=3, lead=(12.0, 31.2), cfr=0.0, rework=0.0,
                row_bands=bands("medium", "elite", "elite", None),
            )
        },
    )  # fmt: skip


@pytest.mark.parametrize("api", APIS)
def test_override_of_source_only_inherits_the_default_workflow(
    inheritance: dict[str, Rows], api: str
) -> None:
    """acme/runs overrides only ``source: workflow_runs``: the workflow ship.yml is inherited. ship.yml runs
    on main end 01 06:00 (r0, first), 02 11:00 (r1 authored 02 08:00: 3 h), 05 06:00 (r2 authored 05 00:00:
    6 h); the deploy.yml run and the GitHub deployment in ``live`` are not its source. 3 deployments; leads
    3, 6 → p50 4.5, p90 3 + 0.9 × 3 = 5.7. 0.1/day → medium; elite; CFR 0 → elite; null; rework 0.0."""
    assert_rows(
        {"runs-team": inheritance[api]["runs-team"]},
        {
            "runs-team": row(
                "runs-team", "30d", AS_OF, 30, deployments=3, lead=(4.5, 5.7), cfr=0.0, rework=0.0,
                row_bands=bands("medium", "elite", "elite", None),
            )
        },
    )  # fmt: skip


@pytest.mark.parametrize("api", APIS)
def test_team_repository_spelled_in_other_case_than_github_repositories(
    inheritance: dict[str, Rows], api: str
) -> None:
    """``Acme/Mixed`` in github.repositories, ``ACME/MIXED`` in teams, ``acme/mixed`` on GitHub: one repo
    ("compared case-insensitively, as GitHub does"), owned by mixed-team, nothing unowned. Live deployments
    01 06:00 (first) and 02 10:00 (m1 authored 02 00:00: 10 h). 2 deployments, lead 10/10; 2/30 → medium;
    elite; CFR 0 → elite; null; rework 0.0."""
    rows = inheritance[api]
    assert_rows(
        rows,
        {
            "mixed-team": row(
                "mixed-team", "30d", AS_OF, 30, deployments=2, lead=(10.0, 10.0), cfr=0.0, rework=0.0,
                row_bands=bands("medium", "elite", "elite", None),
            ),
            "plain-team": rows["plain-team"],
            "runs-team": rows["runs-team"],
            "inc-team": rows["inc-team"],
            "*": rows["*"],
        },
    )  # fmt: skip
    assert rows["*"]["deployments"] == 3 + 3 + 2 + 2


@pytest.mark.parametrize("api", APIS)
def test_custom_incident_labels_replace_the_default(inheritance: dict[str, Rows], api: str) -> None:
    """github.incident_labels [sev1]: the issue labelled ``incident`` (02 11:00–13:00) is no incident; the
    ``sev1`` one (02 12:00–15:00) is. acme/inc: live deployments 01 06:00 (first), 02 10:00 D1 (i1 authored
    02 08:00: 2 h). The sev1 issue starts in (D1, D1 + 24 h] and D1 is the latest before it: D1 failed
    (window). CFR 1/2 = 0.5 → low; recovery 15:00 − 10:00 = 5 h → high; restore 3 h (p50 = p90 = 3);
    incidents 1; rework 0/2 = 0.0 (nothing open at either deploy). 2/30 → medium; lead 2 h → elite.
    Were ``incident`` also counted: incidents 2, recovery 3 h, restore p50 2.5."""
    assert_rows(
        {"inc-team": inheritance[api]["inc-team"]},
        {
            "inc-team": row(
                "inc-team", "30d", AS_OF, 30, deployments=2, lead=(2.0, 2.0), cfr=0.5, recovery=5.0,
                restore=(3.0, 3.0), incidents=1, rework=0.0,
                row_bands=bands("medium", "elite", "low", "high"),
            )
        },
    )  # fmt: skip


def build_discovered(dataset: GitHubDataset) -> None:
    """globex/rel: releases and GitHub deployments of the same commits; globex/other: deployments."""
    rel = dataset.add_repo("globex/rel")
    c0 = rel.commit("initial", author_date=at(1))
    c1 = rel.commit("c1", author_date=at(2, 8))
    c2 = rel.commit("c2", author_date=at(3, 8))
    rel.tags.update({"v1": c0, "v2": c1, "v3": c2})
    rel.release("v1", published_at=at(1, 6))
    rel.release("v2", published_at=at(2, 12))
    rel.release("v3", published_at=at(3, 10))
    rel.deployment(c0, created_at=at(1, 7))
    rel.deployment(c2, created_at=at(3, 20))

    other = dataset.add_repo("globex/other")
    o0 = other.commit("initial", author_date=at(1))
    other.deployment(o0, created_at=at(1, 6))
    o1 = other.commit("o1", author_date=at(2, 8))
    other.deployment(o1, created_at=at(2, 9))


def test_repository_listed_with_a_source_and_discovered_in_its_organization(tmp_path: Path) -> None:
    """``Globex/REL`` listed with {source: releases}; github.organizations [globex] discovers it again (as
    globex/rel) and globex/other; the default source is deployments. The listed entry's source decides,
    and the repo is collected once.
    rel-team: releases published 01 06:00 (v1 first), 02 12:00 (c1 authored 02 08:00: 4 h), 03 10:00 (c2
    authored 03 08:00: 2 h): 3 deployments; leads 2, 4 → p50 3, p90 2 + 0.9 × 2 = 3.8. 0.1/day → medium;
    elite; CFR 0 → elite; null; rework 0.0. (Deployments source instead: 2 deployments, leads 36, 12;
    both sources: 5.)
    unowned (globex/other, discovered, no team): 01 06:00 first, 02 09:00 (o1 08:00: 1 h): 2 deployments,
    lead 1/1; 2/30 → medium; elite; elite; null; rework 0.0.
    "*": 5 deployments; leads 1, 2, 4 → p50 2, p90 at 1.8: 2 + 0.8 × 2 = 3.6; 5/30 = 0.1667 ≥ 1/7 → high;
    elite; elite; null; rework 0/5 = 0.0."""
    dataset = GitHubDataset()
    build_discovered(dataset)
    github = (
        "since: 2026-03-01\norganizations: [globex]\nrepositories:\n"
        "  - {name: Globex/REL, deployments: {source: releases}}\n"
    )
    rest = (
        "catalog: {discover: false}\nmetrics: {windows: [30d]}\nteams:\n"
        "  - {name: rel-team, repositories: [globex/rel]}\n"
    )
    for rows in collect_rows(tmp_path, dataset, github, rest).values():
        assert_rows(
            rows,
            {
                "*": row(
                    "*", "30d", AS_OF, 30, deployments=5, lead=(2.0, 3.6), cfr=0.0, rework=0.0,
                    row_bands=bands("high", "elite", "elite", None),
                ),
                "rel-team": row(
                    "rel-team", "30d", AS_OF, 30, deployments=3, lead=(3.0, 3.8), cfr=0.0, rework=0.0,
                    row_bands=bands("medium", "elite", "elite", None),
                ),
                "unowned": row(
                    "unowned", "30d", AS_OF, 30, deployments=2, lead=(1.0, 1.0), cfr=0.0, rework=0.0,
                    row_bands=bands("medium", "elite", "elite", None),
                ),
            },
        )  # fmt: skip


def build_since(dataset: GitHubDataset) -> None:
    repo = dataset.add_repo("acme/since")
    c0 = repo.commit("initial", author_date=at(1))
    repo.deployment(c0, created_at=at(2, 9))  # D0
    c1 = repo.commit("c1", author_date=at(2, 10.5))
    repo.deployment(c1, created_at=at(2, 11))  # D1
    c2 = repo.commit("c2", author_date=at(3))
    repo.deployment(c2, created_at=at(3, 12))  # D2


@pytest.mark.parametrize(
    ("since", "deployments", "lead"),
    [
        # 03-02 00:00 UTC: D0 (first), D1 (c1: 0.5 h), D2 (c2: 12 h) → p50 6.25, p90 0.5 + 0.9 × 11.5 = 10.85.
        ("2026-03-02", 3, (6.25, 10.85)),
        # 12:00+02:00 = 10:00 UTC: D1 (first), D2 (compare c1...c2: c2 12 h). Read as 12:00 UTC: D2 alone.
        ("2026-03-02T12:00:00+02:00", 2, (12.0, 12.0)),
        # 11:00−01:00 = 12:00 UTC: D2 alone, the first: no lead time. Read as 11:00 UTC: D1 and D2.
        ("'2026-03-02T11:00:00-01:00'", 1, (None, None)),
        # No offset: UTC. 10:59:59 → D1 (11:00) is in, D0 (09:00) is not.
        ("2026-03-02T10:59:59", 2, (12.0, 12.0)),
    ],
)
def test_github_since_as_a_date_or_a_timestamp_with_an_offset(
    tmp_path: Path, since: str, deployments: int, lead: tuple[float | None, float | None]
) -> None:
    """github.since: "an ISO 8601 date (its midnight UTC) or timestamp (UTC unless it gives an offset)".
    acme/since: D0 (c0) created 03-02 09:00, D1 (c1 authored 10:30) 11:00, D2 (c2 authored 03-03 00:00)
    03-03 12:00. The first collected deployment has unknown changes. Rows: 1..3/30 → medium (1/30 exactly
    is "≥ 1 / month"); lead elite or null; CFR 0 → elite; recovery null; rework 0.0."""
    dataset = GitHubDataset()
    build_since(dataset)
    rest = (
        "catalog: {discover: false}\nmetrics: {windows: [30d]}\nteams:\n"
        "  - {name: since-team, repositories: [acme/since]}\n"
    )
    lead_band = None if lead[0] is None else "elite"
    for rows in collect_rows(
        tmp_path, dataset, f"since: {since}\nrepositories: [acme/since]\n", rest
    ).values():
        assert_rows(
            {"since-team": rows["since-team"]},
            {
                "since-team": row(
                    "since-team", "30d", AS_OF, 30, deployments=deployments, lead=lead, cfr=0.0, rework=0.0,
                    row_bands=bands("medium", lead_band, "elite", None),
                )
            },
        )  # fmt: skip


# ------------------------------------------------------------------------------ stored facts → metrics


def write_store(directory: Path, repos: list[str]) -> Facts:
    engine = open_store(f"duckdb:///{directory}/store.duckdb")
    with engine.begin() as conn:
        write_repositories(conn, [RepositoryFact(repo, "main") for repo in repos], {}, JUNE_AS_OF)
    return Facts(engine)


def metrics_rows(directory: Path, name: str, body: str) -> dict[str, Rows]:
    """Rows by window then team, from a config ``name`` over ``directory``'s store."""
    path = directory / name
    path.write_text(f"database:\n  url: duckdb:///{directory}/store.duckdb\n{body}")
    rows = json.loads(
        run_cli(
            ["metrics", "--config", str(path), "--format", "json", "--as-of", JUNE_AS_OF_TEXT], now=JUNE_AS_OF
        )
    )
    result: dict[str, Rows] = {}
    for r in rows:
        result.setdefault(r["window"], {})[r["team"]] = r
    return result


@pytest.fixture
def edges(tmp_path: Path) -> Iterator[Path]:
    """acme/edge (team edge, PagerDuty PE) and acme/rare (team rare).

    edge: F0 06-01 00:00 (first), then D1…D19 at 06-(1+i) 12:00, each shipping one commit: lead 23 h for
    i = 1…9, 24 h for i = 10, 25 h for i = 11…19. Incidents on PE start 6 min after D3, D10, D17 and are
    resolved 30, 60, 120 min after it (restore 24, 54, 114 min = 0.4, 0.9, 1.9 h): window failures,
    recovered in 0.5, 1, 2 h.
    rare: R0 2026-01-01 (first, before the window), R1 06-01 00:00 shipping a commit authored 720 h before.
    """
    facts = write_store(tmp_path, ["acme/edge", "acme/rare"])
    try:
        facts.deployment(jun(1), compare="first", sha=sha("edge-first"), repo="acme/edge")
        for i in range(1, 20):
            deployed_at = jun(1 + i, 12)
            lead = 23.0 if i < 10 else 24.0 if i == 10 else 25.0
            commit = facts.commit(sha(f"edge-{i}"), deployed_at - timedelta(hours=lead), repo="acme/edge")
            facts.deployment(deployed_at, ships=[commit], repo="acme/edge")
        for i, minutes in ((3, 30), (10, 60), (17, 120)):
            deployed_at = jun(1 + i, 12)
            add_incident(
                facts,
                f"PE-{i}",
                deployed_at + timedelta(minutes=6),
                resolved_at=deployed_at + timedelta(minutes=minutes),
                service="PE",
            )
        facts.deployment(
            datetime(2026, 1, 1, tzinfo=UTC), compare="first", sha=sha("rare-first"), repo="acme/rare"
        )
        commit = facts.commit(sha("rare-1"), jun(1) - timedelta(hours=720), repo="acme/rare")
        facts.deployment(jun(1), ships=[commit], repo="acme/rare")
    finally:
        facts.engine.dispose()
    yield tmp_path


EDGE_TEAMS = (
    "catalog: {discover: false}\nmetrics: {windows: [140d]%s}\nteams:\n"
    "  - {name: edge, repositories: [acme/edge], pagerduty_services: [PE]}\n"
    "  - {name: rare, repositories: [acme/rare]}\n"
)


def edge_rows(bands_of: dict[str, dict[str, str | None]]) -> dict[str, dict[str, Any]]:
    """Window 140d = (02-10 00:00, 06-30 00:00].
    edge: 20 deployments (F0, D1…D19): 20/140 = 1/7 exactly; leads 9 × 23, 24, 9 × 25 → p50 (10th) 24,
    p90 at 16.2 → 25; CFR 3/20 = 0.15; recovery 0.5, 1, 2 → p50 1.0; restore 0.4, 0.9, 1.9 → p50 0.9,
    p90 at 1.8: 0.9 + 0.8 × 1.0 = 1.7; 3 incidents; rework 0/20 (every incident closed before the next
    deploy).
    rare: R1 only (R0 is before the window): 1/140; lead 720 (p50 = p90); CFR 0/1; rework 0.0.
    "*": 21 deployments, 21/140 = 0.15; leads 9 × 23, 24, 9 × 25, 720 → p50 at 9.5: 24.5, p90 at 17.1: 25;
    CFR 3/21; recovery 1.0; restore as edge; rework 0.0."""
    return {
        "*": row(
            "*", "140d", JUNE_AS_OF_TEXT, 140, deployments=21, lead=(24.5, 25.0), cfr=3 / 21, recovery=1.0,
            restore=(0.9, 1.7), incidents=3, rework=0.0, row_bands=bands_of["*"],
        ),
        "edge": row(
            "edge", "140d", JUNE_AS_OF_TEXT, 140, deployments=20, lead=(24.0, 25.0), cfr=0.15, recovery=1.0,
            restore=(0.9, 1.7), incidents=3, rework=0.0, row_bands=bands_of["edge"],
        ),
        "rare": row(
            "rare", "140d", JUNE_AS_OF_TEXT, 140, deployments=1, lead=(720.0, 720.0), cfr=0.0, rework=0.0,
            row_bands=bands_of["rare"],
        ),
    }  # fmt: skip


def test_dora_2023_band_edges(edges: Path) -> None:
    """dora-2023 (the default), on the exact thresholds:
    edge: 1/7 per day is "≥ 1 / week" → high; lead p50 24 h is not "< 1 day" → high; CFR 15 % "≤ 15 %" →
    medium; recovery 1 h is not "< 1 hour" → high.
    rare: 1/140 < 1/30 → low; 720 h is not "< 1 month (30 days)" → low; 0 % → elite; null.
    "*": 0.15 ≥ 1/7 → high; 24.5 h → high; 3/21 = 14.3 % → medium; 1 h → high."""
    expected = edge_rows(
        {
            "*": bands("high", "high", "medium", "high"),
            "edge": bands("high", "high", "medium", "high"),
            "rare": bands("low", "low", "elite", None),
        }
    )
    assert_rows(metrics_rows(edges, "default.yaml", EDGE_TEAMS % "")["140d"], expected)
    assert_rows(
        metrics_rows(edges, "explicit.yaml", EDGE_TEAMS % ", benchmarks: dora-2023")["140d"], expected
    )


def test_dora_2021_band_edges_on_the_same_store(edges: Path) -> None:
    """dora-2021 on the same store:
    edge: 1/7 is "≥ 1 / month" not "≥ 1 / day" → high; 24 h is "< 1 week" not "< 1 hour" → high; 15 % is
    "≤ 15 %" → elite; 1 h → high.
    rare: 1/140 ≥ 1/182 → medium; 720 h < 182 days → medium; 0 % → elite; null.
    "*": 0.15/day → high; 24.5 h → high; 14.3 % → elite; 1 h → high."""
    assert_rows(
        metrics_rows(edges, "2021.yaml", EDGE_TEAMS % ", benchmarks: dora-2021")["140d"],
        edge_rows(
            {
                "*": bands("high", "high", "elite", "high"),
                "edge": bands("high", "high", "elite", "high"),
                "rare": bands("medium", "medium", "elite", None),
            }
        ),
    )


@pytest.fixture
def attribution(tmp_path: Path) -> Iterator[Path]:
    """acme/aw (team aw, PagerDuty PA): F0 06-01 00:00 (first); D1 06-10 00:00 (lead 1 h); D2 06-20 00:00
    (lead 2 h). I1 on PA 06-10 01:30:00 (D1 + 1 h 30 min exactly) → 02:00; I2 06-20 01:30:01 (D2 + 1 h 30
    min + 1 s) → 02:00."""
    facts = write_store(tmp_path, ["acme/aw"])
    try:
        facts.deployment(jun(1), compare="first", sha=sha("aw-first"), repo="acme/aw")
        for day, lead in ((10, 1.0), (20, 2.0)):
            commit = facts.commit(sha(f"aw-{day}"), jun(day) - timedelta(hours=lead), repo="acme/aw")
            facts.deployment(jun(day), ships=[commit], repo="acme/aw")
        add_incident(facts, "I1", jun(10, 1.5), resolved_at=jun(10, 2), service="PA")
        add_incident(facts, "I2", jun(20, 1.5) + timedelta(seconds=1), resolved_at=jun(20, 2), service="PA")
    finally:
        facts.engine.dispose()
    yield tmp_path


AW_TEAMS = (
    "catalog: {discover: false}\nmetrics: {windows: [30d]}\n%s"
    "teams:\n  - {name: aw, repositories: [acme/aw], pagerduty_services: [PA]}\n"
)


@pytest.mark.parametrize(
    ("incidents_section", "cfr"),
    [
        # 1h30m: I1 starts at D1 + 1 h 30 min, inside (D1, D1 + 1 h 30 min] (closed end): D1 failed; I2 one
        # second too late: D2 not. CFR 1/3.
        ("incidents: {attribution_window: 1h30m}\n", 1 / 3),
        # 90m: the same duration written otherwise.
        ("incidents: {attribution_window: 90m}\n", 1 / 3),
        # The default 24h: both failed, 2/3.
        ("", 2 / 3),
    ],
)
def test_attribution_window_written_as_hours_and_minutes(
    attribution: Path, incidents_section: str, cfr: float
) -> None:
    """30d = (05-31, 06-30]: F0, D1, D2 → 3 deployments, 0.1/day → medium; leads 1, 2 → p50 1.5, p90 1.9 →
    elite. Recovery: D1 (and D2 when failed) 2 h from deploy to the 02:00 resolution → p50 2.0 → high.
    Restore: I2 29 min 59 s = 0.4997 h, I1 0.5 h → p50 their mean, p90 0.4997 + 0.9 × (0.5 − 0.4997).
    2 incidents; rework 0/3 (nothing open at any deploy). CFR 1/3 or 2/3 → low."""
    short = (1800 - 1) / 3600
    assert_rows(
        metrics_rows(attribution, "aw.yaml", AW_TEAMS % incidents_section)["30d"],
        {
            "aw": row(
                "aw", "30d", JUNE_AS_OF_TEXT, 30, deployments=3, lead=(1.5, 1.9), cfr=cfr, recovery=2.0,
                restore=((short + 0.5) / 2, short + 0.9 * (0.5 - short)), incidents=2, rework=0.0,
                row_bands=bands("medium", "elite", "low", "high"),
            )
        },
    )  # fmt: skip


@pytest.fixture
def rework_store(tmp_path: Path) -> Iterator[Path]:
    """acme/rw (team rw): F0 06-01 00:00 (first); D1 06-10 00:00 ships k1, the merge commit of PR #7
    (commit 06-09 12:00, opened 13:00, merged 20:00, no review) labelled ``HOTFIX`` on GitHub; D2 06-20
    00:00 ships k2 of PR #8 (commit 06-19 12:00, opened 13:00, merged 20:00) labelled ``feature``."""
    facts = write_store(tmp_path, ["acme/rw"])
    try:
        facts.deployment(jun(1), compare="first", sha=sha("rw-first"), repo="acme/rw")
        for number, day, label in ((7, 10, "HOTFIX"), (8, 20, "feature")):
            commit = facts.commit(sha(f"rw-{number}"), jun(day - 1, 12), repo="acme/rw")
            facts.pull_request(
                number,
                created_at=jun(day - 1, 13),
                merged_at=jun(day - 1, 20),
                merge_commit_sha=commit,
                commit_dates=[jun(day - 1, 12)],
                repo="acme/rw",
            )
            add_label(facts, number, label, repo="acme/rw")
            facts.deployment(jun(day), ships=[commit], repo="acme/rw")
    finally:
        facts.engine.dispose()
    yield tmp_path


@pytest.mark.parametrize(
    ("rework_section", "rework"),
    [
        # Default [hotfix, rollback, revert, incident]: "HOTFIX" is hotfix, "compared case-insensitively".
        ("", 1 / 3),
        # Written in yet another case.
        ("rework: {labels: [Hotfix]}\n", 1 / 3),
        # An empty list: no label makes rework.
        ("rework: {labels: []}\n", 0.0),
        # Only "feature": D2 is rework, D1 not.
        ("rework: {labels: [FEATURE]}\n", 1 / 3),
        # null takes the default.
        ("rework: {labels: null}\n", 1 / 3),
    ],
)
def test_rework_labels_case_empty_and_null(rework_store: Path, rework_section: str, rework: float) -> None:
    """30d = (05-31, 06-30]: F0, D1, D2 → 3; leads 20 − 12 = 12 h each (start = the PR's earliest commit,
    06-(d−1) 12:00, deployed 06-d 00:00) → p50 = p90 = 12; CFR 0; no incident. Breakdown: coding 13 − 12
    = 1 h, no review → pickup/review null, deploy 24 − 20 = 4 h. Bands: 0.1 → medium, elite, elite,
    null."""
    assert_rows(
        metrics_rows(rework_store, "rw.yaml", f"catalog: {{discover: false}}\nmetrics: {{windows: [30d]}}\n"
                     f"{rework_section}teams:\n  - {{name: rw, repositories: [acme/rw]}}\n")["30d"],
        {
            "rw": row(
                "rw", "30d", JUNE_AS_OF_TEXT, 30, deployments=3, lead=(12.0, 12.0), cfr=0.0, rework=rework,
                stages={"coding": 1.0, "pickup": None, "review": None, "deploy": 4.0},
                row_bands=bands("medium", "elite", "elite", None),
            )
        },
    )  # fmt: skip
