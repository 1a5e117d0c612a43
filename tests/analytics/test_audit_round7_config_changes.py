"""Audit, round 7: the configuration changing between two runs over the same stored facts (SPEC §3, §4,
§5.1, §6.1, §6.2, §6.3; docs/metrics.md, docs/operations.md, docs/configuration.md).

Each scenario writes the raw facts once, as the collector writes them (``tests.analytics.facts``, plus
the ``repositories`` rows of ``collector.writer.write_repositories`` and the ``catalog_components`` rows of
the catalog reader), then computes the metrics through ``analytics.assembly.metrics_as_of`` (what
``doraspace metrics`` runs: the ownership map is resolved from the settings, the collected repositories
and the stored catalog at each computation) under two or three configurations, on the same store. The
derived first shipments kept between computations (docs/metrics.md "Kept between snapshots") are
therefore shared by the runs, as they are by a daemon whose configuration was edited and restarted.

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC: 7d = (06-23 00:00, 06-30 00:00], 30d = (05-31 00:00,
06-30 00:00]. Windows [30d] unless a scenario says otherwise (bands from the longest configured, SPEC
§6.3). Attribution window 24 h, no rework labels, benchmarks dora-2023 unless said. A repository's first
deployment (06-01 00:00, compare ``first``) counts and adds no lead times (§5.2). No incident text holds a
hex word of 7 or more characters unless it names a sha on purpose.

SPEC sentences the scenarios lean on:

* §4 "teams: in the config adds and overrides: a repo or PagerDuty service it names belongs to that team,
  whatever the catalog says; everything else keeps its catalog owner … the PagerDuty services a teams:
  entry names belong to that team's repos. A repo or a service_ids service owned by nobody belongs to team
  unowned; PagerDuty services that are neither in the ownership map nor in service_ids are not collected."
* §5.1 "Per repository, from its configured source"; §6 "Team metrics cover the repos and PagerDuty
  services the team owns … The organisation row "*" covers everything collected, team unowned included."
* §6.1 rule 1 (explicit), rule 4 (window: "an incident with no explicit link started in (F.deployed_at,
  F.deployed_at + attribution_window], on a PagerDuty service or repo of F's service (§4), and F is the
  latest deployment of that service before the incident started"); §6.2 rework "was deployed while an
  incident of its service was open".

Readings of docs/metrics.md used: "An incident counts for the team owning its PagerDuty service or
repository"; "PagerDuty incidents of the services in the ownership map (and pagerduty.service_ids)";
"A component's PagerDuty service belongs to the component's repository only while the component's owner
owns it"; "An incident on a service_ids service nobody owns counts for unowned …; it fails one only by
naming one of its changes"; "A staging deployment, or one from another source, is not counted and does
not take part in anything below". docs/operations.md: "deployments are stored per source".

percentile_cont of n sorted values v0 … v(n−1) at fraction p: rank r = p × (n − 1); value v⌊r⌋ + (r − ⌊r⌋)
× (v⌊r⌋+1 − v⌊r⌋).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from analytics.assembly import metrics_as_of
from analytics.dora import TeamWindowMetrics
from analytics.metrics import MetricsResult
from analytics.ownership import CatalogComponent, DeploymentChoice, OwnershipSettings, TeamClaim
from analytics.settings import AnalyticsSettings
from analytics.windows import WindowSpec
from collector.models import RepositoryFact
from collector.writer import write_repositories
from store import schema
from store.upsert import upsert
from tests.analytics.facts import AS_OF, Facts, add_incident, at, bands, sha
from tests.analytics.scenario import NO_BREAKDOWN, W7, W30, approx, failed_recovered

Rows = dict[tuple[str, str], TeamWindowMetrics]


@pytest.fixture
def facts() -> Facts:
    """An in-memory DuckDB store (the module's time budget; the SQL is the same on PostgreSQL, which the
    other analytics audits exercise)."""
    return Facts.in_memory()


# -- building the store ------------------------------------------------------------------------------------


def collected(facts: Facts, *repos: str) -> None:
    """The ``repositories`` rows a GitHub sync writes for ``repos``."""
    with facts.engine.begin() as conn:
        write_repositories(conn, [RepositoryFact(repo, "main") for repo in repos], {}, at(1))


def catalog(facts: Facts, *components: CatalogComponent) -> None:
    """The ``catalog_components`` rows of the repositories' catalog-info.yaml files, as stored."""
    with facts.engine.begin() as conn:
        upsert(
            conn,
            schema.catalog_components,
            [
                {
                    "file_repo": c.file_repo,
                    "position": c.position,
                    "name": c.name,
                    "owner": c.owner,
                    "repo": c.repo,
                    "pagerduty_service": c.pagerduty_service,
                }
                for c in components
            ],
        )


def begin(facts: Facts, repo: str, source: str = "deployments") -> int:
    """The repo's first deployment of ``source``, 06-01 00:00, compare ``first``."""
    return facts.deployment(
        at(1), compare="first", repo=repo, source=source, sha=sha(f"first-{repo}-{source}")
    )


def deploy(
    facts: Facts, when: datetime, name: str, lead: float, *, repo: str, source: str = "deployments"
) -> int:
    """A deployment shipping one direct commit ``name`` authored ``lead`` hours before it."""
    commit = facts.commit(sha(name), when - timedelta(hours=lead), repo=repo)
    return facts.deployment(when, ships=[commit], repo=repo, source=source)


# -- the configuration and the run -------------------------------------------------------------------------


def config(
    *teams: TeamClaim,
    sources: Sequence[tuple[str, str]] = (),
    service_ids: Sequence[str] = (),
    windows: Sequence[WindowSpec] = (W30,),
    benchmarks: str = "dora-2023",
) -> AnalyticsSettings:
    """What ``doraspace.settings.analytics_settings`` builds from a config with these ``teams:``, these
    ``github.repositories`` source overrides (repo, source), ``pagerduty.service_ids``, windows and
    benchmarks; catalog discovery on, default source ``deployments`` in ``production``."""
    return AnalyticsSettings(
        windows=tuple(windows),
        attribution_window=timedelta(hours=24),
        benchmarks=benchmarks,
        rework_labels=(),
        ownership=OwnershipSettings(
            teams=tuple(teams),
            pagerduty_service_ids=tuple(service_ids),
            repository_sources=tuple(
                (repo, DeploymentChoice(source, "production")) for repo, source in sources
            ),
        ),
    )


def compute(facts: Facts, settings: AnalyticsSettings) -> tuple[MetricsResult, Rows]:
    result = metrics_as_of(facts.engine, settings, as_of=AS_OF)
    return result, {(row.team, row.window): row for row in result.rows}


def expect(
    row: TeamWindowMetrics,
    *,
    days: int = 30,
    deployments: int,
    lead: tuple[float | None, float | None],
    cfr: float | None,
    recovery: float | None,
    incidents: int,
    restore: tuple[float | None, float | None],
    rework: float | None,
    row_bands: dict[str, str | None],
) -> None:
    """Every field of a row (no pull requests here: the breakdown is all null); mismatches shown at once."""

    def number(value: float | None) -> Any:
        return None if value is None else approx(value)

    actual = {
        "deployments": row.deployments,
        "frequency": row.deployment_frequency_per_day,
        "lead": (row.lead_time_hours_p50, row.lead_time_hours_p90),
        "cfr": row.change_failure_rate,
        "recovery": row.failed_deployment_recovery_hours_p50,
        "incidents": row.incidents,
        "restore": (row.time_to_restore_hours_p50, row.time_to_restore_hours_p90),
        "rework": row.rework_rate,
        "breakdown": row.lead_time_breakdown_hours_p50,
        "bands": row.bands,
        "days": row.window_days,
    }
    wanted = {
        "deployments": deployments,
        "frequency": approx(deployments / days),
        "lead": (number(lead[0]), number(lead[1])),
        "cfr": number(cfr),
        "recovery": number(recovery),
        "incidents": incidents,
        "restore": (number(restore[0]), number(restore[1])),
        "rework": number(rework),
        "breakdown": NO_BREAKDOWN,
        "bands": row_bands,
        "days": days,
    }
    assert actual == wanted, (row.team, row.window)


# -- 1. a repository moved from its catalog owner to another team by teams: --------------------------------

SHOP, BILL = "acme/shop", "acme/bill"


def test_repository_moved_by_teams_takes_its_history_and_trades_its_pagerduty_services(facts: Facts) -> None:
    """Catalog: component ``shop`` (acme/shop's own catalog-info.yaml), owner team-a, PagerDuty PS. acme/bill
    has no component. Config 1: ``teams:`` team-b owns acme/bill and PagerDuty PB. Config 2: team-b also
    names acme/shop. SPEC §4 resolves ownership from the config at each computation, so the whole stored
    history of acme/shop moves with it.

    Facts: firsts of shop and bill 06-01 00:00. S2 (shop) 06-10 00:00 ships s2 (lead 4 h); IS1 on PS 06-10
    02:00 → 05:00. S3 (shop) 06-12 00:00 ships s3 (lead 2 h); IB1 on PB 06-12 01:00 → 07:00; S4 (shop) 06-12
    03:00 ships s4 (lead 1 h) while IB1 is open. S5 (shop) 06-15 00:00 ships s5 (lead 3 h); G1, a GitHub
    incident issue of acme/shop, 06-15 01:00 → 03:00. B2 (bill) 06-20 00:00 ships b2 (lead 5 h).

    Config 1: team-a owns acme/shop (catalog) and PS (linked to shop); team-b owns acme/bill and PB (linked
    to bill only). IS1: shop's latest is S2 (2 h before) → S2 failed (window), recovered 05:00: 5 h. IB1:
    bill's latest is its first (06-01), out of 24 h → nothing; S4 is no rework (PB is not shop's). G1 on
    acme/shop: S5 (1 h before) failed, recovered 3 h; G1 is team-a's.
    team-a: 5 deployments; leads 1, 2, 3, 4 → p50 2.5, p90 r 2.7 → 3 + 0.7 = 3.7; CFR 2/5; recovery 5, 3 →
      4.0; incidents IS1, G1 → 2; restore 3, 2 → 2.5, 2 + 0.9 × 1 = 2.9; rework 0. Bands: 5/30 ≥ 1/7 high;
      2.5 h elite; 40 % low; 4 h high.
    team-b: 2; lead 5; CFR 0; recovery null; incidents IB1 → 1; restore 6; rework 0. Bands: 2/30 ≥ 1/30
      medium; elite; 0 % elite; recovery falls back to restore 6 h → high.
    "*": 7; leads 1…5 → 3, r 3.6 → 4.6; CFR 2/7; recovery 4.0; incidents 3; restore 2, 3, 6 → 3, r 1.8 →
      3 + 0.8 × 3 = 5.4; rework 0. Bands: 7/30 high; elite; 28.6 % low; high.

    Config 2: acme/shop is team-b's (config); given to another team than its component's owner it leaves
    the component and is its own service; PS stays team-a's (catalog) and fails none of shop's deployments;
    PB, named by team-b's entry, belongs to team-b's repos: bill and now shop. IS1 fails nothing. IB1:
    shop's latest is S3 (1 h before) → S3 failed (window), recovered 07:00: 7 h; S4 deployed while IB1 is
    open → rework. G1 (an issue of acme/shop) still fails S5 and now counts for team-b.
    team-a: PagerDuty PS only: 0 deployments, frequency 0.0, every ratio and percentile null; incidents
      IS1 → 1; restore 3 → 3, 3. Bands: frequency 0 low; null; null; recovery falls back to 3 h → high.
    team-b: 7; leads 3, 4.6; failed S3, S5 → 2/7; recovery 7, 3 → 5.0; incidents IB1, G1 → 2; restore 6, 2
      → 4.0, 2 + 0.9 × 4 = 5.6; rework S4 → 1/7. Bands: high; elite; low; 5 h high.
    "*": 7; leads 3, 4.6; CFR 2/7 (S3, S5); recovery 5.0; incidents 3; restore 3, 5.4; rework 1/7.
    The organisation row changes with the map although no fact changed: which deployment an incident
    fails depends on which repos its PagerDuty service belongs to (§6.1 rule 4 via §4).
    """
    collected(facts, SHOP, BILL)
    catalog(facts, CatalogComponent(SHOP, 0, "shop", "team-a", SHOP, "PS"))
    begin(facts, SHOP)
    begin(facts, BILL)
    s2 = deploy(facts, at(10), "s2", 4, repo=SHOP)
    add_incident(facts, "IS1", at(10, 2), resolved_at=at(10, 5), service="PS")
    s3 = deploy(facts, at(12), "s3", 2, repo=SHOP)
    add_incident(facts, "IB1", at(12, 1), resolved_at=at(12, 7), service="PB")
    deploy(facts, at(12, 3), "s4", 1, repo=SHOP)
    s5 = deploy(facts, at(15), "s5", 3, repo=SHOP)
    add_incident(facts, "G1", at(15, 1), resolved_at=at(15, 3), source="github", service=SHOP)
    deploy(facts, at(20), "b2", 5, repo=BILL)

    result, got = compute(facts, config(TeamClaim("team-b", (BILL,), ("PB",))))
    assert sorted(got) == [("*", "30d"), ("team-a", "30d"), ("team-b", "30d")]
    assert failed_recovered(result) == {s2: (("window",), at(10, 5)), s5: (("window",), at(15, 3))}
    expect(
        got["team-a", "30d"],
        deployments=5,
        lead=(2.5, 3.7),
        cfr=0.4,
        recovery=4.0,
        incidents=2,
        restore=(2.5, 2.9),
        rework=0.0,
        row_bands=bands("high", "elite", "low", "high"),
    )
    expect(
        got["team-b", "30d"],
        deployments=2,
        lead=(5.0, 5.0),
        cfr=0.0,
        recovery=None,
        incidents=1,
        restore=(6.0, 6.0),
        rework=0.0,
        row_bands=bands("medium", "elite", "elite", "high"),
    )
    expect(
        got["*", "30d"],
        deployments=7,
        lead=(3.0, 4.6),
        cfr=2 / 7,
        recovery=4.0,
        incidents=3,
        restore=(3.0, 5.4),
        rework=0.0,
        row_bands=bands("high", "elite", "low", "high"),
    )

    result, got = compute(facts, config(TeamClaim("team-b", (BILL, SHOP), ("PB",))))
    assert sorted(got) == [("*", "30d"), ("team-a", "30d"), ("team-b", "30d")]
    assert failed_recovered(result) == {s3: (("window",), at(12, 7)), s5: (("window",), at(15, 3))}
    assert {d.deployment_id: d.team for d in result.failed_deployments()} == {s3: "team-b", s5: "team-b"}
    expect(
        got["team-a", "30d"],
        deployments=0,
        lead=(None, None),
        cfr=None,
        recovery=None,
        incidents=1,
        restore=(3.0, 3.0),
        rework=None,
        row_bands=bands("low", None, None, "high"),
    )
    expect(
        got["team-b", "30d"],
        deployments=7,
        lead=(3.0, 4.6),
        cfr=2 / 7,
        recovery=5.0,
        incidents=2,
        restore=(4.0, 5.6),
        rework=1 / 7,
        row_bands=bands("high", "elite", "low", "high"),
    )
    expect(
        got["*", "30d"],
        deployments=7,
        lead=(3.0, 4.6),
        cfr=2 / 7,
        recovery=5.0,
        incidents=3,
        restore=(3.0, 5.4),
        rework=1 / 7,
        row_bands=bands("high", "elite", "low", "high"),
    )


# -- 2. a team removed from the config while the catalog still names it -----------------------------------

API, TOOLS = "acme/api", "acme/tools"


def test_team_removed_from_config_keeps_its_catalog_repo_and_drops_its_pagerduty_service(
    facts: Facts,
) -> None:
    """Catalog: component ``api`` (acme/api), owner team-a, PagerDuty PA. acme/tools has no component.
    Config 1: ``teams:`` team-a names acme/tools and PagerDuty PT. Config 2: the team-a entry is removed.
    Config 3: removed, and PT listed in ``pagerduty.service_ids``.

    Facts: firsts of api and tools 06-01 00:00. A2 (api) 06-08 00:00 ships a2 (lead 6 h); IT1 on PT 06-08
    04:00 → 06:00, its description "root cause: <a2's first 10 hex>". T2 (tools) 06-09 00:00 ships t2 (lead
    2 h); IT2 on PT 06-09 10:00 → 20:00; T3 (tools) 06-09 12:00 ships t3 (lead 1 h) while IT2 is open. T4
    (tools) 06-20 00:00 ships t4 (lead 3 h); GT, a GitHub incident issue of acme/tools, 06-20 00:30 →
    01:30. A3 (api) 06-21 12:00 ships a3 (lead 4 h); IA2 on PA 06-22 00:00 → 01:00.

    Config 1: team-a owns acme/api (catalog), acme/tools (config), PA (catalog, linked to api) and PT
    (teams:, so it belongs to every repo team-a owns: api and tools, §4). IT1 names a2 → A2 failed
    (explicit; an explicitly linked incident fails nothing by window), recovered 6 h. IT2: tools' latest is
    T2 (10 h before) → failed (window), recovered 20 h; api's latest A2 is 34 h before: nothing. T3 is
    rework (PT is tools' and open). GT → T4 (window), 1.5 h. IA2 → A3 (12 h before), 13 h.
    team-a = "*": 7 deployments; leads 1, 2, 3, 4, 6 → p50 3, p90 r 3.6 → 4 + 0.6 × 2 = 5.2; CFR 4/7;
      recovery 1.5, 6, 13, 20 → r 1.5 → 6 + 0.5 × 7 = 9.5; incidents IT1, IT2, GT, IA2 → 4; restore 1, 1, 2,
      10 → 1.5, r 2.7 → 2 + 0.7 × 8 = 7.6; rework 1/7. Bands: 7/30 high; elite; 57 % low; 9.5 h high.
      No unowned row: nothing is unowned.

    Config 2: team-a stays a team, from the catalog: acme/api and PA. acme/tools is owned by nobody:
    unowned. PT is neither in the map nor in service_ids: not collected (§4); its stored incidents IT1 and
    IT2 count nowhere (docs/metrics.md), so A2 and T2 are not failed and T3 is no rework. GT follows its
    repository to unowned and still fails T4.
    team-a: 3; leads 6, 4 → 5, 4 + 0.9 × 2 = 5.8; CFR 1/3 (A3); recovery 13; incidents IA2 → 1; restore 1;
      rework 0. Bands: 0.1 medium; elite; 33 % low; 13 h high.
    unowned: 4; leads 1, 2, 3 → 2, r 1.8 → 2.8; CFR 1/4 (T4); recovery 1.5; incidents GT → 1; restore 1;
      rework 0. Bands: 4/30 medium; elite; 25 % low; high.
    "*": 7; leads 3, 5.2; CFR 2/7; recovery 1.5, 13 → 7.25; incidents 2; restore 1, 1; rework 0. Bands:
      high; elite; low; high.

    Config 3: PT is a service_ids service owned by nobody: unowned, collected, its incidents count for
    unowned; it belongs to no repo, so it fails a deployment only by naming one of its changes: IT1 fails
    A2 (explicit, team-a's deployment), IT2 fails nothing, T3 is no rework.
    team-a: 3; leads 5, 5.8; CFR 2/3; recovery 6, 13 → 9.5; incidents 1; restore 1; rework 0. Bands:
      medium; elite; low; high.
    unowned: 4; leads 2, 2.8; CFR 1/4; recovery 1.5; incidents IT1, IT2, GT → 3; restore 1, 2, 10 → 2,
      r 1.8 → 2 + 0.8 × 8 = 8.4; rework 0. Bands: medium; elite; low; high.
    "*": 7; leads 3, 5.2; CFR 3/7; recovery 1.5, 6, 13 → 6; incidents 4; restore 1.5, 7.6; rework 0.
    """
    collected(facts, API, TOOLS)
    catalog(facts, CatalogComponent(API, 0, "api", "team-a", API, "PA"))
    begin(facts, API)
    begin(facts, TOOLS)
    a2 = deploy(facts, at(8), "a2", 6, repo=API)
    add_incident(
        facts,
        "IT1",
        at(8, 4),
        resolved_at=at(8, 6),
        service="PT",
        description=f"root cause: {sha('a2')[:10]}",
    )
    t2 = deploy(facts, at(9), "t2", 2, repo=TOOLS)
    add_incident(facts, "IT2", at(9, 10), resolved_at=at(9, 20), service="PT")
    deploy(facts, at(9, 12), "t3", 1, repo=TOOLS)
    t4 = deploy(facts, at(20), "t4", 3, repo=TOOLS)
    add_incident(facts, "GT", at(20, 0.5), resolved_at=at(20, 1.5), source="github", service=TOOLS)
    a3 = deploy(facts, at(21, 12), "a3", 4, repo=API)
    add_incident(facts, "IA2", at(22), resolved_at=at(22, 1), service="PA")

    result, got = compute(facts, config(TeamClaim("team-a", (TOOLS,), ("PT",))))
    assert sorted(got) == [("*", "30d"), ("team-a", "30d")]
    assert failed_recovered(result) == {
        a2: (("explicit",), at(8, 6)),
        t2: (("window",), at(9, 20)),
        t4: (("window",), at(20, 1.5)),
        a3: (("window",), at(22, 1)),
    }
    for team in ("team-a", "*"):
        expect(
            got[team, "30d"],
            deployments=7,
            lead=(3.0, 5.2),
            cfr=4 / 7,
            recovery=9.5,
            incidents=4,
            restore=(1.5, 7.6),
            rework=1 / 7,
            row_bands=bands("high", "elite", "low", "high"),
        )

    team_a = {"deployments": 3, "lead": (5.0, 5.8), "incidents": 1, "restore": (1.0, 1.0), "rework": 0.0}
    result, got = compute(facts, config())
    assert sorted(got) == [("*", "30d"), ("team-a", "30d"), ("unowned", "30d")]
    assert failed_recovered(result) == {t4: (("window",), at(20, 1.5)), a3: (("window",), at(22, 1))}
    expect(
        got["team-a", "30d"],
        **team_a,
        cfr=1 / 3,
        recovery=13.0,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    expect(
        got["unowned", "30d"],
        deployments=4,
        lead=(2.0, 2.8),
        cfr=0.25,
        recovery=1.5,
        incidents=1,
        restore=(1.0, 1.0),
        rework=0.0,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    expect(
        got["*", "30d"],
        deployments=7,
        lead=(3.0, 5.2),
        cfr=2 / 7,
        recovery=7.25,
        incidents=2,
        restore=(1.0, 1.0),
        rework=0.0,
        row_bands=bands("high", "elite", "low", "high"),
    )

    result, got = compute(facts, config(service_ids=("PT",)))
    assert sorted(got) == [("*", "30d"), ("team-a", "30d"), ("unowned", "30d")]
    assert failed_recovered(result) == {
        a2: (("explicit",), at(8, 6)),
        t4: (("window",), at(20, 1.5)),
        a3: (("window",), at(22, 1)),
    }
    expect(
        got["team-a", "30d"],
        **team_a,
        cfr=2 / 3,
        recovery=9.5,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    expect(
        got["unowned", "30d"],
        deployments=4,
        lead=(2.0, 2.8),
        cfr=0.25,
        recovery=1.5,
        incidents=3,
        restore=(2.0, 8.4),
        rework=0.0,
        row_bands=bands("medium", "elite", "low", "high"),
    )
    expect(
        got["*", "30d"],
        deployments=7,
        lead=(3.0, 5.2),
        cfr=3 / 7,
        recovery=6.0,
        incidents=4,
        restore=(1.5, 7.6),
        rework=0.0,
        row_bands=bands("high", "elite", "low", "high"),
    )


# -- 3. a PagerDuty service moved from one team to another, benchmarks switched -----------------------------

REPO_A, REPO_B = "acme/a", "acme/b"


def test_pagerduty_service_moved_between_teams_moves_its_failures_rework_and_restores(facts: Facts) -> None:
    """No catalog. Config 1: ``teams:`` team-a owns acme/a and PagerDuty P9, team-b owns acme/b. Config 2:
    P9 moved to team-b's entry. Config 3: config 2 with ``metrics.benchmarks: dora-2021``. Windows [7d,
    30d]: bands from 30d (the longest) on both rows of a team.

    Facts: firsts of a and b 06-01 00:00. A2 (a) 06-10 00:00 ships a2 (lead 2 h); B2 (b) 06-10 06:00 ships
    b2 (lead 4 h); I1 on P9 06-10 08:00 → 11:00; A3 (a) 06-10 09:00 ships a3 (lead 1 h) and B3 (b) 06-10
    10:00 ships b3 (lead 1.5 h), both while I1 is open. A4 (a) 06-24 12:00 ships a4 (lead 2 h); B4 (b) 06-24
    18:00 ships b4 (lead 6 h); I2 on P9 06-25 00:00 → 02:00.

    Config 1 (P9 belongs to team-a's repo acme/a): I1 → a's latest A2 (8 h before) failed, recovered 11 h;
    A3 rework. I2 → A4 (12 h before) failed, recovered 14 h.
    team-a 30d: 4; leads 1, 2, 2 → 2, r 1.8 → 2; CFR 2/4; recovery 11, 14 → 12.5; incidents 2; restore 3,
      2 → 2.5, 2 + 0.9 × 1 = 2.9; rework 1/4. 7d: A4 → 1; lead 2; CFR 1; recovery 14; incidents I2 → 1;
      restore 2; rework 0. Bands (30d): 4/30 medium; elite; 50 % low; 12.5 h high.
    team-b 30d: 4; leads 1.5, 4, 6 → 4, r 1.8 → 4 + 0.8 × 2 = 5.6; CFR 0; recovery null; incidents 0;
      restore null; rework 0. 7d: B4 → 1; lead 6; CFR 0; rework 0. Bands: medium; elite; elite; null (no
      recovery, no restore).
    "*" 30d: 8; leads 1, 1.5, 2, 2, 4, 6 → r 2.5 → 2 + 0.5 × 0 = 2.0, r 4.5 → 4 + 0.5 × 2 = 5.0; CFR 2/8;
      recovery 12.5; incidents 2; restore 2.5, 2.9; rework 1/8. 7d: A4, B4 → 2; leads 2, 6 → 4, 2 + 0.9 × 4
      = 5.6; CFR 1/2; recovery 14; incidents 1; restore 2; rework 0. Bands: 8/30 high; elite; 25 % low;
      high.

    Config 2 (P9 belongs to team-b's repo acme/b): I1 → b's latest B2 (2 h before) failed, recovered 5 h;
    B3 rework (A3 no longer). I2 → B4 (6 h before) failed, recovered 8 h. Team-a's and team-b's failure
    columns swap; the deliveries stay.
    team-a 30d: 4; 2, 2; CFR 0; recovery null; incidents 0; restore null; rework 0. 7d: 1; lead 2; CFR 0.
      Bands: medium; elite; elite; null.
    team-b 30d: 4; 4, 5.6; CFR 2/4; recovery 5, 8 → 6.5; incidents 2; restore 2.5, 2.9; rework 1/4. 7d: 1;
      lead 6; CFR 1; recovery 8; incidents 1; restore 2. Bands: medium; elite; low; high.
    "*" 30d: as config 1 but recovery 6.5; 7d: recovery 8.

    Config 3, the same numbers under dora-2021: team-a 4/30 ≥ 1/30 high; 2 h (not < 1 h, < 1 week) high;
      0 % elite; null. team-b high; 4 h high; 50 % > 30 % low; 6.5 h high. "*" 8/30 high; 2 h high; 25 %
      high; 6.5 h high.
    """
    collected(facts, REPO_A, REPO_B)
    begin(facts, REPO_A)
    begin(facts, REPO_B)
    a2 = deploy(facts, at(10), "a2", 2, repo=REPO_A)
    b2 = deploy(facts, at(10, 6), "b2", 4, repo=REPO_B)
    add_incident(facts, "I1", at(10, 8), resolved_at=at(10, 11), service="P9")
    deploy(facts, at(10, 9), "a3", 1, repo=REPO_A)
    deploy(facts, at(10, 10), "b3", 1.5, repo=REPO_B)
    a4 = deploy(facts, at(24, 12), "a4", 2, repo=REPO_A)
    b4 = deploy(facts, at(24, 18), "b4", 6, repo=REPO_B)
    add_incident(facts, "I2", at(25), resolved_at=at(25, 2), service="P9")
    windows = (W7, W30)

    def teams(p9_owner: str) -> tuple[TeamClaim, TeamClaim]:
        return (
            TeamClaim("team-a", (REPO_A,), ("P9",) if p9_owner == "team-a" else ()),
            TeamClaim("team-b", (REPO_B,), ("P9",) if p9_owner == "team-b" else ()),
        )

    failing = {
        "team-a": {
            "deployments": 4,
            "lead": (2.0, 2.0),
            "incidents": 2,
            "restore": (2.5, 2.9),
            "rework": 0.25,
        },
        "team-b": {
            "deployments": 4,
            "lead": (4.0, 5.6),
            "incidents": 2,
            "restore": (2.5, 2.9),
            "rework": 0.25,
        },
    }
    quiet = {
        "team-a": {
            "deployments": 4,
            "lead": (2.0, 2.0),
            "incidents": 0,
            "restore": (None, None),
            "rework": 0.0,
        },
        "team-b": {
            "deployments": 4,
            "lead": (4.0, 5.6),
            "incidents": 0,
            "restore": (None, None),
            "rework": 0.0,
        },
    }
    week_lead = {"team-a": (2.0, 2.0), "team-b": (6.0, 6.0)}
    cases = (
        (
            "team-a",
            "dora-2023",
            {a2: at(10, 11), a4: at(25, 2)},
            12.5,
            14.0,
            bands("high", "elite", "low", "high"),
        ),
        (
            "team-b",
            "dora-2023",
            {b2: at(10, 11), b4: at(25, 2)},
            6.5,
            8.0,
            bands("high", "elite", "low", "high"),
        ),
        (
            "team-b",
            "dora-2021",
            {b2: at(10, 11), b4: at(25, 2)},
            6.5,
            8.0,
            bands("high", "high", "high", "high"),
        ),
    )
    for owner, benchmarks, failures, recovery, week_recovery, org_bands in cases:
        result, got = compute(facts, config(*teams(owner), windows=windows, benchmarks=benchmarks))
        assert set(got) == {(t, w) for t in ("*", "team-a", "team-b") for w in ("7d", "30d")}, owner
        assert failed_recovered(result) == {d: (("window",), r) for d, r in failures.items()}, owner
        assert {d.team for d in result.failed_deployments()} == {owner}
        other = "team-b" if owner == "team-a" else "team-a"
        failing_bands = {
            "dora-2023": bands("medium", "elite", "low", "high"),
            "dora-2021": bands("high", "high", "low", "high"),
        }[benchmarks]
        quiet_bands = {
            "dora-2023": bands("medium", "elite", "elite", None),
            "dora-2021": bands("high", "high", "elite", None),
        }[benchmarks]
        for window in ("30d", "7d"):
            days = 30 if window == "30d" else 7
            if window == "30d":
                owner_row = {**failing[owner], "cfr": 0.5, "recovery": recovery}
                other_row = {**quiet[other], "cfr": 0.0, "recovery": None}
            else:
                owner_row = {
                    "deployments": 1,
                    "lead": week_lead[owner],
                    "cfr": 1.0,
                    "recovery": week_recovery,
                    "incidents": 1,
                    "restore": (2.0, 2.0),
                    "rework": 0.0,
                }
                other_row = {
                    "deployments": 1,
                    "lead": week_lead[other],
                    "cfr": 0.0,
                    "recovery": None,
                    "incidents": 0,
                    "restore": (None, None),
                    "rework": 0.0,
                }
            expect(got[owner, window], days=days, **owner_row, row_bands=failing_bands)
            expect(got[other, window], days=days, **other_row, row_bands=quiet_bands)
        expect(
            got["*", "30d"],
            deployments=8,
            lead=(2.0, 5.0),
            cfr=0.25,
            recovery=recovery,
            incidents=2,
            restore=(2.5, 2.9),
            rework=0.125,
            row_bands=org_bands,
        )
        expect(
            got["*", "7d"],
            days=7,
            deployments=2,
            lead=(4.0, 5.6),
            cfr=0.5,
            recovery=week_recovery,
            incidents=1,
            restore=(2.0, 2.0),
            rework=0.0,
            row_bands=org_bands,
        )


# -- 4. a repository's deployment source switched, with both sources' facts in the store ------------------

WEB = "acme/web"
RELEASES = "releases"


def test_deployment_source_switched_reads_only_the_configured_sources_chain(facts: Facts) -> None:
    """acme/web, team web (``teams:``), collected first from GitHub Deployments, then from releases (and back
    again): docs/operations.md "deployments are stored per source", so both sets of facts are in the store
    and each configuration counts its own source only (§5.1 "Per repository, from its configured source").

    Deployments chain: W1 06-01 00:00 (first); W2 06-10 00:00 ships w2 (authored 06-09 22:00, lead 2 h); W3
    06-20 00:00 ships w3 (authored 06-19 23:00, lead 1 h). Releases chain (its own history, compared release
    to release): R1 06-05 00:00 (first: unknown changes, though it was built after W1); R2 06-12 00:00 lists
    w2 → a change of R2, lead 06-12 00:00 − 06-09 22:00 = 50 h (a commit is a change of the first
    deployment *of the configured source* that ships it; W2 is no deployment under releases); R3 06-21
    00:00 lists w3 → 25 h. Incidents (GitHub issues of acme/web): I 06-20 06:00 → 06-21 01:00 (19 h); J
    06-21 02:00 → 04:00 (2 h).

    source deployments: I: web's latest deployment is W3 (6 h before) → failed (window), recovered 06-21
      01:00: 25 h. J: latest W3 (26 h before) → nothing. 3 deployments; leads 1, 2 → 1.5, 1 + 0.9 = 1.9; CFR
      1/3; recovery 25; incidents 2; restore 2, 19 → 10.5, 2 + 0.9 × 17 = 17.3; rework 0. Bands: 0.1
      medium; elite; 33 % low; 25 h ≥ 1 day medium.
    source releases: I: the latest release is R2 (8 days before) → nothing; R3 is deployed while I is open
      → rework. J: latest R3 (2 h before) → failed, recovered 4 h. 3; leads 25, 50 → 37.5, 25 + 0.9 × 25 =
      47.5; CFR 1/3; recovery 4; incidents 2; restore 10.5, 17.3; rework 1/3. Bands: medium; 37.5 h high;
      low; 4 h high.
    Back to deployments: the first numbers again (nothing of the releases chain stays behind).
    """
    collected(facts, WEB)
    w1 = facts.deployment(at(1), compare="first", repo=WEB, sha=sha("w1"))
    w2 = facts.commit(sha("w2"), at(9, 22), repo=WEB)
    facts.deployment(at(10), ships=[w2], repo=WEB)
    w3 = facts.commit(sha("w3"), at(19, 23), repo=WEB)
    w3_id = facts.deployment(at(20), ships=[w3], repo=WEB)
    facts.deployment(at(5), compare="first", repo=WEB, source=RELEASES, sha=sha("w1"))
    facts.deployment(at(12), ships=[w2], repo=WEB, source=RELEASES)
    r3 = facts.deployment(at(21), ships=[w3], repo=WEB, source=RELEASES)
    add_incident(facts, "I", at(20, 6), resolved_at=at(21, 1), source="github", service=WEB)
    add_incident(facts, "J", at(21, 2), resolved_at=at(21, 4), source="github", service=WEB)
    team = TeamClaim("web", (WEB,))
    assert w1 != r3

    def deployments_rows(got: Rows, result: MetricsResult) -> None:
        assert failed_recovered(result) == {w3_id: (("window",), at(21, 1))}
        for name in ("web", "*"):
            expect(
                got[name, "30d"],
                deployments=3,
                lead=(1.5, 1.9),
                cfr=1 / 3,
                recovery=25.0,
                incidents=2,
                restore=(10.5, 17.3),
                rework=0.0,
                row_bands=bands("medium", "elite", "low", "medium"),
            )

    result, got = compute(facts, config(team))
    assert sorted(got) == [("*", "30d"), ("web", "30d")]
    deployments_rows(got, result)

    result, got = compute(facts, config(team, sources=[(WEB, RELEASES)]))
    assert failed_recovered(result) == {r3: (("window",), at(21, 4))}
    for name in ("web", "*"):
        expect(
            got[name, "30d"],
            deployments=3,
            lead=(37.5, 47.5),
            cfr=1 / 3,
            recovery=4.0,
            incidents=2,
            restore=(10.5, 17.3),
            rework=1 / 3,
            row_bands=bands("medium", "high", "low", "high"),
        )

    result, got = compute(facts, config(team))
    deployments_rows(got, result)
