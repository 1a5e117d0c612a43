"""Audit, round 8: a store written by an earlier version, then used by this one (SPEC §5 "a crash or kill at
any point loses nothing", §9; docs/operations.md "Upgrades": "a new version applies its pending steps, in
order ... at its first start"; docs/operations.md on a changed ``environment`` or ``workflow``).

Two halves.

* Analytics (fast): a store is built at an older schema revision by applying only the first migrations of
  ``store.migrations.MIGRATIONS`` (as that release's ``migrate`` did), its rows written in that revision's
  shape (raw SQL where the shape differs from today's: ``derived_first_shipments`` had no ``head`` before
  migration 7), then opened by this version (``migrate``). Every fact and every metric must equal those of
  a fresh store holding the same facts, and the numbers SPEC gives, worked out by hand below.
  June 2026 (``tests.analytics.facts.at``), as of 06-30 00:00 UTC, one window 30d = (05-31 00:00,
  06-30 00:00]; team order-team owns acme/orders (service orders) and PagerDuty service P1; attribution
  window 24 h; dora-2023.
* End to end (emulated GitHub → ``doraspace collect`` → ``doraspace metrics --format json``, REST): a
  store an earlier version collected (schema revision 3: no ``http_etags``, no derived tables; every
  deployments cursor under the key ``("github", "<source>", "<owner/name>")``, before the environment and
  workflow joined it), then collected by this version with an edited configuration. The cursor of the
  older key must be taken over only where it is the configured listing's (collector/cursors.py
  ``legacy_deployments_cursor``: "read once where the stored deployments show it was kept for the same
  environment"); the requests the emulator answered show which lower bound the listing used. March 2026
  (``tests.github_scenarios.at``), as of 03-20 00:00, window 30d = (02-18 00:00, 03-20 00:00].

percentile_cont of n sorted values v0 … v(n−1) at fraction p: rank r = p × (n − 1); v⌊r⌋ + (r − ⌊r⌋) ×
(v⌊r⌋+1 − v⌊r⌋). Bands dora-2023: frequency ≥ 1/day elite, ≥ 1/7 high, ≥ 1/30 medium; lead < 1 day elite;
CFR ≤ 5 % elite, > 15 % low; recovery < 1 h elite, < 1 day high, < 1 week medium.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select, text

from analytics.shipments import refresh_first_shipments
from store import schema
from store.engine import open_store
from store.migrations import MIGRATIONS, applied_versions, migrate
from store.timeutil import to_db
from tests.analytics.facts import Facts, Review, add_incident, add_label, bands, sha
from tests.analytics.facts import at as june
from tests.analytics.scenario import NO_BREAKDOWN, ORDERS, P1, TEAM, check, rows_30d, run
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.github_org import write_github_config
from tests.github_scenarios import AS_OF, at, breakdown, check_row, run_cli

# -- building a store at an older revision ---------------------------------------------------------------


def unmigrated(url: str) -> Engine:
    """The store at ``url`` opened as it is, no migration applied."""
    return open_store(url, migrate_schema=False)


def migrate_to(engine: Engine, version: int) -> None:
    """The store as the release whose last migration was ``version`` left it: the recorded steps up to it
    applied in order and recorded, as ``migrate`` applies them, and none after it."""
    with engine.connect() as conn:
        schema.metadata.create_all(conn, tables=[schema.schema_migrations])
        conn.commit()
        for migration in MIGRATIONS:
            if migration.version > version:
                break
            with conn.begin():
                migration.apply(conn)
                conn.execute(
                    schema.schema_migrations.insert().values(
                        version=migration.version, name=migration.name, applied_at=datetime(2026, 1, 1)
                    )
                )


def fact_rows(engine: Engine) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every fact table but the cursors (written at the wall clock), per table."""
    with engine.connect() as conn:
        return {
            table.name: {tuple(row) for row in conn.execute(select(table))}
            for table in schema.FACT_TABLES
            if table is not schema.sync_cursors
        }


EMPTY = "duckdb:///:memory:"
"""An empty store: no table, no migration recorded. In memory, and DuckDB only, for the module's time
budget (tests/analytics/test_shipments.py runs migration 7's own step on PostgreSQL too)."""


# -- 1. revision 6 with the derived rows of that release's rules ----------------------------------------


def rollbacks_past_unlisted_deployments(facts: Facts) -> dict[str, int]:
    """The history of scenario 1, written into ``facts``; returns the deployment ids by name."""
    s0 = facts.commit(sha("s0"), june(1) - timedelta(hours=2))
    ids = {"D1000": facts.deployment(june(1), sha=s0, compare="first", deployment_id=1000)}
    c1 = facts.commit(sha("c1"), june(2))
    ids["D1001"] = facts.deployment(june(3), ships=[c1], deployment_id=1001)
    ids["D1002"] = facts.deployment(june(4), sha=sha("m0"), compare="behind", deployment_id=1002)
    c2 = facts.commit(sha("c2"), june(5, 12))
    ids["D1003"] = facts.deployment(june(6), ships=[s0, c1, c2], deployment_id=1003)
    u1 = facts.commit(sha("u1"), june(7))
    ids["D1004"] = facts.deployment(june(8), sha=u1, compare="unknown", deployment_id=1004)
    ids["D1005"] = facts.deployment(june(9), sha=c2, compare="behind", deployment_id=1005)
    c3 = facts.commit(sha("c3"), june(10, 18))
    ids["D1006"] = facts.deployment(june(11), ships=[u1, c3], deployment_id=1006)
    add_incident(
        facts, "PD-1", june(12), resolved_at=june(12, 6), title=f"Checkout down, root cause: {c3[:7]}"
    )
    return ids


def as_release_6_derived(engine: Engine, ids: dict[str, int]) -> None:
    """The derived rows a release-6 snapshot left: no row for the own commit of the first deployment of
    the history or of one GitHub could not compare (migrations 8 and 9 added those), so s0 and u1, listed
    again after a rollback past them, were first shipped by D1003 and D1006 as changes. The fingerprints
    are those of the facts as they are (the refresh that wrote the rows saw these facts), so that no
    refresh would find the repository stale."""
    with engine.begin() as conn:
        refresh_first_shipments(conn)
        conn.execute(text("DELETE FROM derived_first_shipments WHERE compare_status IN ('first', 'unknown')"))
        for name, deployment, deployed_at, authored in (
            ("s0", "D1003", june(6), june(1) - timedelta(hours=2)),
            ("u1", "D1006", june(11), june(7)),
        ):
            conn.execute(
                text(
                    "INSERT INTO derived_first_shipments (repo, source, environment, sha, deployment_id,"
                    " deployed_at, compare_status, author_date, is_change, revert_message)"
                    " VALUES ('acme/orders', 'deployments', 'production', :sha, :id, :deployed_at, 'ahead',"
                    " :authored, TRUE, NULL)"
                ),
                {
                    "sha": sha(name),
                    "id": ids[deployment],
                    "deployed_at": to_db(deployed_at),
                    "authored": to_db(authored),
                },
            )


def test_a_release_6_store_with_its_derived_rows_gives_the_fresh_stores_numbers() -> None:
    """Release 6's store (migrations 1–6; ``derived_first_shipments`` without ``head``) holds acme/orders:

    * D1000 06-01 00:00, compare ``first``, sha s0 (authored 05-31 22:00); D1001 06-03 ships c1 (06-02);
      D1002 06-04 rolls back to m0, before the history (``behind``); D1003 06-06 ships s0, c1, c2 (c2 06-05
      12:00) again; D1004 06-08, sha u1 (06-07), compare ``unknown``; D1005 06-09 rolls back to c2; D1006
      06-11 ships u1 and c3 (06-10 18:00); PD-1 (P1) 06-12 00:00 → 06:00, "root cause: <c3's 7 digits>".
    * the derived rows that release wrote (s0 a change of D1003, u1 of D1006) and fingerprints matching.

    This version opens it: migrations 7, 8 and 9 run, in that order, in one start (each empties the
    derived rows; 7 adds ``head``), and the first snapshot derives them again. SPEC §5.2: s0 is the first
    deployment's commit ("a commit is a change only of the first deployment that ships it"), u1 D1004's
    (docs/metrics.md: a deployment GitHub could not compare ships its own commit), c1 stays D1001's. So:

    * deployments 7 → 7/30 ≥ 1/7: high.
    * changes c1 (D1001) 24 h, c2 (D1003) 06-06 − 06-05 12:00 = 12 h, c3 (D1006) 6 h: [6, 12, 24] → p50 12
      (elite), p90 r 1.8 → 12 + 0.8 × 12 = 21.6.
    * failed: D1001 (rolled back by D1002), D1004 (by D1005), D1006 (explicit, PD-1; not a window failure:
      it names a change) → 3/7 (low). Recovery D1001 24 h, D1004 24 h, D1006 06-12 06:00 − 06-11 = 30 h →
      p50 24 (not < 1 day: medium).
    * PD-1: incidents 1, restore 6 h (p50 = p90). Rework: the rollbacks D1002 and D1005 → 2/7. No PR.

    Had the derived rows been kept (their fingerprints still match the facts), s0 (06-06 − 05-31 22:00 =
    122 h) and u1 (06-11 − 06-07 = 96 h) would be changes too: [6, 12, 24, 96, 122] → p50 24, p90 r 3.6 →
    96 + 0.6 × 26 = 111.6, lead band high. The control below records migrations 7–9 without their steps
    and finds exactly that, so the numbers above come from the migrations and nothing else.
    """

    def release_6_store(url: str) -> tuple[Facts, dict[str, int]]:
        engine = unmigrated(url)
        migrate_to(engine, 6)
        facts = Facts(engine)
        ids = rollbacks_past_unlisted_deployments(facts)
        as_release_6_derived(engine, ids)
        return facts, ids

    old, ids = release_6_store(EMPTY)
    with old.engine.begin() as conn:
        conn.execute(text("ALTER TABLE derived_first_shipments DROP COLUMN head"))
    assert applied_versions(old.engine) == [1, 2, 3, 4, 5, 6]
    assert migrate(old.engine) == [7, 8, 9, 10]

    fresh = Facts.in_memory()
    assert rollbacks_past_unlisted_deployments(fresh) == ids
    assert fact_rows(old.engine) == fact_rows(fresh.engine)

    expected: dict[str, Any] = {
        "deployments": 7,
        "deployment_frequency_per_day": 7 / 30,
        "lead_time_hours_p50": 12.0,
        "lead_time_hours_p90": 21.6,
        "change_failure_rate": 3 / 7,
        "failed_deployment_recovery_hours_p50": 24.0,
        "time_to_restore_hours_p50": 6.0,
        "time_to_restore_hours_p90": 6.0,
        "incidents": 1,
        "rework_rate": 2 / 7,
        "lead_time_breakdown_hours_p50": NO_BREAKDOWN,
        "bands": bands("high", "elite", "low", "medium"),
    }
    upgraded, reference = run(old, [ORDERS], [P1]), run(fresh, [ORDERS], [P1])
    for team in ("*", TEAM):
        check(rows_30d(upgraded)[team], **expected)
    assert upgraded.rows == reference.rows
    failed = {d.deployment_id: (d.rules, d.recovered_at) for d in upgraded.failed_deployments()}
    assert failed == {d.deployment_id: (d.rules, d.recovered_at) for d in reference.failed_deployments()}
    assert sorted(failed) == sorted(ids[name] for name in ("D1001", "D1004", "D1006"))
    old.engine.dispose()

    # Control: the same release-6 store with migrations 7-9 recorded but not run (head kept, rows kept).
    stale, _ = release_6_store(EMPTY)
    with stale.engine.begin() as conn:
        for migration in MIGRATIONS[6:]:
            conn.execute(
                schema.schema_migrations.insert().values(
                    version=migration.version, name=migration.name, applied_at=datetime(2026, 1, 1)
                )
            )
    assert migrate(stale.engine) == []
    check(
        rows_30d(run(stale, [ORDERS], [P1]))[TEAM],
        lead_time_hours_p50=24.0,
        lead_time_hours_p90=111.6,
        bands=bands("high", "high", "low", "medium"),
    )
    stale.engine.dispose()


# -- 2. revision 1: GitHub facts only, then PagerDuty collected by this version ---------------------------


def github_facts_of_release_1(facts: Facts) -> None:
    """What a release-1 collector stored of acme/orders (no incidents table yet)."""
    facts.deployment(june(1), sha=sha("root"), compare="first")
    m1 = facts.commit(sha("m1"), june(2, 8), message="Fix checkout (#1)")
    facts.pull_request(
        1,
        created_at=june(2, 2),
        merged_at=june(2, 8),
        merge_commit_sha=m1,
        commit_dates=[june(2)],
        reviews=[Review("bob", june(2, 5))],
    )
    add_label(facts, 1, "Hotfix")
    facts.deployment(june(3), ships=[m1])
    facts.deployment(june(10), ships=[facts.commit(sha("c3"), june(9, 18))])


def facts_of_this_version(facts: Facts) -> None:
    """What this version collected after the upgrade: a PagerDuty incident and one more deployment."""
    add_incident(facts, "PD-7", june(10, 4), resolved_at=june(10, 10), title="Checkout latency")
    facts.deployment(june(10, 6), ships=[facts.commit(sha("c4"), june(10, 5))])


def test_a_release_1_store_then_incidents_of_this_version_count_with_its_deployments() -> None:
    """Release 1's store (migration 1 only: no incidents, catalog, survey, ETag or derived table) holds
    acme/orders: D1 06-01 (``first``); PR #1 (alice; its commit 06-02 00:00, opened 02:00, reviewed by bob
    05:00, squash-merged 08:00 as m1, label ``Hotfix``), shipped by D2 06-03; c3 (06-09 18:00) shipped by D3
    06-10 00:00. This version opens it (migrations 2–9), then stores PagerDuty incident PD-7 (P1, 06-10
    04:00 → 10:00, no sha) and D4 06-10 06:00 shipping c4 (06-10 05:00). Rework labels [hotfix].

    * deployments 4 → 4/30 < 1/7: medium.
    * leads: D2 m1 from the PR's first commit 24 h, D3 6 h, D4 1 h → [1, 6, 24]: p50 6 (elite), p90 r 1.8 →
      6 + 0.8 × 18 = 20.4.
    * PD-7 started 4 h after D3, the latest deployment of service orders before it, within 24 h, no
      explicit link → D3 failed (window), recovered at PD-7's resolution: 10 h (high). CFR 1/4 (low).
    * rework: D2 (a change of a PR labelled Hotfix; docs/metrics.md: "``HotFix`` is ``hotfix``") and D4
      (deployed while PD-7 was open) → 2/4. Incidents 1, restore 6 h.
    * breakdown of PR #1 (deployed by D2 in the window): coding 2, pickup 3, review 3, deploy 06-03 − 06-02
      08:00 = 16 h.

    Every fact of the upgraded store equals the fresh store's, and so do the rows."""
    engine = unmigrated(EMPTY)
    migrate_to(engine, 1)
    assert set(inspect(engine).get_table_names()) == {
        "repositories",
        "deployments",
        "deployment_statuses",
        "commits",
        "deployment_compares",
        "deployment_commits",
        "pull_requests",
        "pull_request_commits",
        "pull_request_reviews",
        "pull_request_labels",
        "sync_cursors",
        "schema_migrations",
    }
    old = Facts(engine)
    github_facts_of_release_1(old)
    assert migrate(engine) == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    facts_of_this_version(old)

    fresh = Facts.in_memory()
    github_facts_of_release_1(fresh)
    facts_of_this_version(fresh)
    assert fact_rows(engine) == fact_rows(fresh.engine)

    upgraded = run(old, [ORDERS], [P1], rework_labels=["hotfix"])
    reference = run(fresh, [ORDERS], [P1], rework_labels=["hotfix"])
    for team in ("*", TEAM):
        check(
            rows_30d(upgraded)[team],
            deployments=4,
            deployment_frequency_per_day=4 / 30,
            lead_time_hours_p50=6.0,
            lead_time_hours_p90=20.4,
            change_failure_rate=0.25,
            failed_deployment_recovery_hours_p50=10.0,
            time_to_restore_hours_p50=6.0,
            time_to_restore_hours_p90=6.0,
            incidents=1,
            rework_rate=0.5,
            lead_time_breakdown_hours_p50={"coding": 2.0, "pickup": 3.0, "review": 3.0, "deploy": 16.0},
            bands=bands("medium", "elite", "low", "high"),
        )
    assert upgraded.rows == reference.rows
    engine.dispose()


# -- 3. end to end: cursors of the older key, collected by this version ----------------------------------

TOKEN_VARIABLE = "AUDIT_ROUND8_UPGRADE_GITHUB_TOKEN"
TOKEN = "audit-round8-upgrade-token"
OLD_COLLECT = at(6, 12)  # when the earlier version last collected
NEW_COLLECT = at(12)  # this version's first collect
SHIP_RUNS = 103  # more than one page of runs (100)


def config(directory: Path, base_url: str, repositories: dict[str, str]) -> Path:
    """``directory/doraspace.yaml`` (its store beside it): each repository with its ``deployments`` flow
    mapping, owned by the team named after it."""
    lines = [f"  - {{name: {repo}, deployments: {{{source}}}}}" for repo, source in repositories.items()]
    team_lines = "".join(
        f"  - {{name: {repo.split('/')[1]}, repositories: [{repo}]}}\n" for repo in repositories
    )
    return write_github_config(
        directory,
        base_url,
        TOKEN_VARIABLE,
        "since: 2026-03-01\napi: rest\nrepositories:\n" + "\n".join(lines),
        "catalog: {discover: false}\nincidents: {attribution_window: 24h}\nmetrics: {windows: [30d]}\n"
        f"teams:\n{team_lines}",
    )


def as_release_3(store: Path) -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
    """The store an earlier version left: schema revision 3 (no ``http_etags``, no derived tables, the
    later steps unrecorded) and each deployments cursor under the key of those versions. Returns the
    cursors of the older key ((stream, scope) → value) and the stored (repo, environment) pairs."""
    engine = unmigrated(f"duckdb:///{store}")
    with engine.begin() as conn:
        for table in ("http_etags", "derived_first_shipments", "derived_fingerprints"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("DELETE FROM schema_migrations WHERE version > 3"))
        conn.execute(
            text(
                "UPDATE sync_cursors SET scope = split_part(scope, ';', 1)"
                " WHERE source = 'github' AND stream IN ('deployments', 'workflow_runs')"
            )
        )
        legacy = {
            (row.stream, row.scope): row.value
            for row in conn.execute(
                text(
                    "SELECT stream, scope, value FROM sync_cursors"
                    " WHERE stream IN ('deployments', 'workflow_runs')"
                )
            )
        }
        environments = {
            (row.repo, row.environment)
            for row in conn.execute(text("SELECT DISTINCT repo, environment FROM deployments"))
        }
    engine.dispose()
    return legacy, environments


def build(dataset: GitHubDataset) -> dict[str, Any]:
    """The organisation before the earlier version's last collect (03-06 12:00)."""
    ids: dict[str, Any] = {}
    keep = dataset.add_repo("acme/keep")
    c0 = keep.commit("k0", author_date=at(1))
    ids["K1"] = keep.deployment(c0, created_at=at(1, 6))
    c1 = keep.commit("k1", author_date=at(2, 8))
    ids["F"] = keep.deployment(c1, created_at=at(2, 9), statuses=[("failure", at(2, 9.1))])
    ids["K2"] = keep.deployment(c1, created_at=at(2, 10))
    ids["K3"] = keep.deployment(keep.commit("k2", author_date=at(5, 6)), created_at=at(5, 10))

    moved = dataset.add_repo("acme/moved")
    m0 = moved.commit("m0", author_date=at(1))
    moved.deployment(m0, environment="staging", created_at=at(1, 5))
    ids["P1"] = moved.deployment(m0, created_at=at(1, 6))
    m1 = moved.commit("m1", author_date=at(2, 8))
    moved.deployment(m1, environment="staging", created_at=at(2, 9))
    ids["P2"] = moved.deployment(m1, created_at=at(3, 8))
    m2 = moved.commit("m2", author_date=at(5, 6))
    moved.deployment(m2, environment="staging", created_at=at(5, 7))
    ids["P3"] = moved.deployment(m2, created_at=at(5, 12))

    runs = dataset.add_repo("acme/runs")
    ids["ship"] = [
        runs.workflow_run(
            runs.commit(f"s{i}", author_date=at(2, i / 10)),
            workflow="ship.yml",
            created_at=at(2, i / 10 + 0.01),
            updated_at=at(2, i / 10 + 0.05),
        )
        for i in range(SHIP_RUNS)
    ]
    ids["deploy"] = runs.workflow_run(
        runs.commit("d", author_date=at(5)), created_at=at(6), updated_at=at(6, 1)
    )
    return ids


def after_the_upgrade(dataset: GitHubDataset, ids: dict[str, Any]) -> None:
    """What happens on GitHub between the earlier version's last collect and this version's first."""
    keep = dataset.find_repo("acme/keep")
    moved = dataset.find_repo("acme/moved")
    assert isinstance(keep, RepoData) and isinstance(moved, RepoData)
    ids["K4"] = keep.deployment(keep.commit("k3", author_date=at(10, 8)), created_at=at(10, 9))
    ids["P4"] = moved.deployment(moved.commit("m3", author_date=at(10, 8)), created_at=at(10, 10))


def metrics(path: Path) -> dict[str, dict[str, Any]]:
    out = run_cli(["metrics", "--config", str(path), "--format", "json", "--as-of", AS_OF])
    return {row["team"]: row for row in json.loads(out)}


def stored(path: Path, sql: str) -> list[tuple[Any, ...]]:
    engine = open_store(f"duckdb:///{path}")
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


PRODUCTION_FACTS = (
    "SELECT d.repo, d.deployment_id, d.environment, d.sha, d.created_at, d.deployed_at, d.last_state,"
    " c.base_deployment_id, c.status, c.total_commits FROM deployments d"
    " LEFT JOIN deployment_compares c USING (repo, source, deployment_id)"
    " WHERE d.repo IN ('acme/keep', 'acme/moved') AND d.environment = 'production'"
    " ORDER BY d.repo, d.deployment_id"
)


@pytest.fixture(scope="module")
def upgrade(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The earlier version collects (acme/keep in ``Production``, acme/moved in ``staging``, acme/runs with
    ``deploy.yml``) at 03-06 12:00; the store is left at revision 3 with its cursors of the older key. Then
    the configuration becomes ``production``, ``production`` and ``ship.yml``, GitHub moves on, and this
    version collects at 03-12 00:00 (requests recorded). A fresh store collects acme/keep and acme/moved
    once with the new configuration."""
    dataset = GitHubDataset()
    ids = build(dataset)
    directory = tmp_path_factory.mktemp("upgraded")
    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        url = emulator.base_url
        earlier = {
            "acme/keep": "source: deployments, environment: Production",
            "acme/moved": "source: deployments, environment: staging",
            "acme/runs": "source: workflow_runs, workflow: deploy.yml",
        }
        run_cli(["collect", "--config", str(config(directory, url, earlier))], now=OLD_COLLECT)
        legacy, environments = as_release_3(directory / "store.duckdb")
        assert environments == {
            ("acme/keep", "Production"),
            ("acme/moved", "staging"),
            ("acme/runs", "production"),
        }
        after_the_upgrade(dataset, ids)
        now = {
            "acme/keep": "source: deployments, environment: production",
            "acme/moved": "source: deployments, environment: production",
            "acme/runs": "source: workflow_runs, workflow: ship.yml",
        }
        upgraded = config(directory, url, now)
        emulator.requests.clear()
        run_cli(["collect", "--config", str(upgraded)], now=NEW_COLLECT)
        requests = list(emulator.requests)
        fresh = config(
            tmp_path_factory.mktemp("fresh"), url, {repo: now[repo] for repo in ("acme/keep", "acme/moved")}
        )
        run_cli(["collect", "--config", str(fresh)], now=NEW_COLLECT)
        return {
            "ids": ids,
            "legacy": legacy,
            "requests": requests,
            "rows": metrics(upgraded),
            "fresh_rows": metrics(fresh),
            "store": directory / "store.duckdb",
            "fresh_store": fresh.parent / "store.duckdb",
        }


def statuses_asked(requests: list[Any], repo: str, deployment_id: int) -> int:
    path = f"/repos/{repo}/deployments/{deployment_id}/statuses"
    return sum(1 for r in requests if r.path.endswith(path))


def test_the_older_key_of_the_same_environment_in_another_case_is_taken_over(upgrade: dict[str, Any]) -> None:
    """acme/keep (team keep). The earlier version collected environment ``Production`` (stored as
    configured): K1 03-01 06:00 (k0, ``first``), F 03-02 09:00 (k1, one ``failure`` status: a failed
    attempt, stored, not counted), K2 03-02 10:00 (k1, authored 08:00), K3 03-05 10:00 (k2, 06:00); its
    cursor, under ``("github", "deployments", "acme/keep")``, is K3's created_at, 03-05 10:00. After the
    upgrade the configuration says ``production`` and K4 03-10 09:00 ships k3 (08:00).

    The stored deployments are all of the configured environment (GitHub matches it whatever its case,
    docs/operations.md), so the older cursor is the listing's: taken over (lower bound 03-04 10:00, a day
    of overlap), the listing stops at K2 and F is not asked again (a failed attempt listed would be: its
    statuses are asked only where the listing reaches it, or while it is younger than 3 days). The stored
    deployments take the configured spelling, the cursor moves to its own key, the older key goes.

    Row: deployments 4 (4/30: medium); leads K2 2 h, K3 4 h, K4 1 h → [1, 2, 4]: p50 2 (elite), p90 r 1.8 →
    2 + 0.8 × 2 = 3.6; CFR 0 (elite); no incident: recovery, restore null; rework 0; no PR. Equal to a fresh
    store's row, and every production fact equal."""
    ids, requests = upgrade["ids"], upgrade["requests"]
    assert upgrade["legacy"][("deployments", "acme/keep")] == "2026-03-05T10:00:00+00:00"
    assert statuses_asked(requests, "acme/keep", ids["F"]) == 0
    assert statuses_asked(requests, "acme/keep", ids["K4"]) == 1
    listed = [r for r in requests if r.path.endswith("/repos/acme/keep/deployments")]
    assert [r.query.get("page", "1") for r in listed] == ["1"]
    expected: dict[str, Any] = {
        "team": "keep",
        "deployments": 4,
        "lead": (2.0, 3.6),
        "cfr": 0.0,
        "recovery": None,
        "rework": 0.0,
        "stages": breakdown(),
        "row_bands": bands("medium", "elite", "elite", None),
    }
    check_row(upgrade["rows"]["keep"], **expected)
    check_row(upgrade["fresh_rows"]["keep"], **expected)
    keys = stored(upgrade["store"], "SELECT stream, scope FROM sync_cursors WHERE scope LIKE 'acme/keep%'")
    assert ("deployments", "acme/keep;environment=production") in keys
    assert ("deployments", "acme/keep") not in keys
    environments = stored(
        upgrade["store"], "SELECT DISTINCT environment FROM deployments WHERE repo = 'acme/keep'"
    )
    assert environments == [("production",)]


def test_the_older_key_of_another_environment_is_not_taken_over(upgrade: dict[str, Any]) -> None:
    """acme/moved (team moved) deploys every commit to ``staging`` then ``production``: m0 (03-01 00:00)
    staging 05:00, P1 06:00; m1 (03-02 08:00) staging 09:00, P2 03-03 08:00; m2 (03-05 06:00) staging 07:00,
    P3 12:00. The earlier version collected ``staging`` (cursor under ``("github", "deployments",
    "acme/moved")``: 03-05 07:00). After the upgrade the configuration says ``production``; P4 03-10 10:00
    ships m3 (08:00).

    The stored deployments are staging's, so the older cursor is not production's: production is listed
    from since (docs/operations.md: "Another environment ... lists its deployments from since, as a fresh
    sync would"), and P1 and P2, older than the older cursor less its day of overlap (03-04 07:00), are
    asked for their statuses and stored. Taken over, the listing would have stopped before them: P3
    first of the history, 2 deployments.

    Row: deployments 4 (medium); leads P2 24 h, P3 6 h, P4 2 h → [2, 6, 24]: p50 6 (elite), p90 r 1.8 → 6 +
    0.8 × 18 = 20.4; CFR 0; rework 0; no PR. The staging deployments stay stored, not counted
    (docs/metrics.md).
    Equal to a fresh store's row, and every production fact equal."""
    ids, requests = upgrade["ids"], upgrade["requests"]
    assert upgrade["legacy"][("deployments", "acme/moved")] == "2026-03-05T07:00:00+00:00"
    assert [statuses_asked(requests, "acme/moved", ids[name]) for name in ("P1", "P2", "P3", "P4")] == [
        1,
        1,
        1,
        1,
    ]
    expected: dict[str, Any] = {
        "team": "moved",
        "deployments": 4,
        "lead": (6.0, 20.4),
        "cfr": 0.0,
        "recovery": None,
        "rework": 0.0,
        "stages": breakdown(),
        "row_bands": bands("medium", "elite", "elite", None),
    }
    check_row(upgrade["rows"]["moved"], **expected)
    check_row(upgrade["fresh_rows"]["moved"], **expected)
    staging = stored(
        upgrade["store"],
        "SELECT count(*) FROM deployments WHERE repo = 'acme/moved' AND environment = 'staging'",
    )
    assert staging == [(3,)]


def test_every_production_fact_equals_the_fresh_stores(upgrade: dict[str, Any]) -> None:
    """The deployments (id, environment, sha, times, last state) and their compares of acme/keep and
    acme/moved in production: what the upgraded store holds is what a fresh collect stores (F included,
    relabelled ``production``; K1 and P1 ``first``), and the upgraded store is at the last revision."""
    assert stored(upgrade["store"], PRODUCTION_FACTS) == stored(upgrade["fresh_store"], PRODUCTION_FACTS)
    assert len(stored(upgrade["store"], PRODUCTION_FACTS)) == 5 + 4
    versions = stored(upgrade["store"], "SELECT version FROM schema_migrations ORDER BY version")
    assert versions == [(migration.version,) for migration in MIGRATIONS]


def test_the_older_key_of_another_workflow_is_not_taken_over(upgrade: dict[str, Any]) -> None:
    """acme/runs (team runs). The earlier version collected ``workflow_runs`` of ``deploy.yml``: its one
    run (03-06 00:00, ended 01:00) under the cursor ``("github", "workflow_runs", "acme/runs")`` = 03-06
    00:00. After the upgrade the configuration says ``ship.yml``, which has 103 successful runs on main on
    03-02 (one every 6 minutes, from 00:00:36), more than the 100 of a first page.

    docs/operations.md: "Another environment (or workflow) lists its deployments from since, as a fresh
    sync would", and "a workflow_runs repository whose workflow changes keeps the stored runs of the old
    workflow as deployments". The stored runs cannot show which workflow the older cursor was kept for, so
    nothing shows it is ship.yml's. Expected: ship.yml listed from since (its second page asked), all 103
    runs stored; deployments 103 + the kept deploy.yml run = 104.

    The product takes the older cursor over (every stored run has the configured environment, the only
    thing it compares): lower bound 03-05 00:00, the first page's 100 runs kept (new ones on a page
    read), the second page never asked: 101 deployments, the 3 oldest runs of ship.yml never collected."""
    ids, requests = upgrade["ids"], upgrade["requests"]
    assert upgrade["legacy"][("workflow_runs", "acme/runs")] == "2026-03-06T00:00:00+00:00"
    pages = [r.query.get("page", "1") for r in requests if r.path.endswith("/workflows/ship.yml/runs")]
    assert "2" in pages
    run_ids = {
        row[0]
        for row in stored(upgrade["store"], "SELECT deployment_id FROM deployments WHERE repo = 'acme/runs'")
    }
    assert run_ids == {ids["deploy"], *ids["ship"]}
    assert upgrade["rows"]["runs"]["deployments"] == SHIP_RUNS + 1
