"""Audit, round 9: the YAML configuration edited between two runs of one command on one store, against what
the analytics keep in the store between runs (SPEC §3, §4, §5.1, §6.1–§6.4, §7.4, §7.5; docs/metrics.md
"Kept between snapshots", docs/configuration.md).

What the analytics keep: the table ``derived_first_shipments`` (what each deployment first shipped, per
repository, source and environment) with ``derived_fingerprints`` (per repository, a row count and hash sum
of the facts it was derived from). docs/metrics.md: it "depends neither on the point nor on the
configuration"; a refresh derives again only the repositories whose *facts* changed. Nothing else
survives a run (the rest is temporary tables of a transaction never committed). So a configuration
edit never refreshes it, and the property checked here is that it need not: for each edit,

    ``doraspace <command> --as-of A`` on store U (config k−1), then config k written over the same file,
    then the same command on U  ==  the same command under config k on a copy of U's facts that never
    ran analytics (a copy of the store taken before the first run)  ==  the hand-worked rows.

Each scenario is a chain of single edits on one store, each one chosen to move a number; every edit also
checks the derived rows U keeps are those the fresh copy derives, and every step's output is checked
against the hand-worked rows (C0, before any edit, included). ``doraspace.cli.main`` runs in process
over DuckDB files written as the collector writes them (``tests.analytics.facts``), as of A = 2026-06-30
00:00 UTC (``--as-of``). June 2026 is ``at(day, hour)``, other months ``day(month, dom, hour)``. Windows
are half-open, ``Nd`` = (A − N days, A]: 7d = (06-23, 06-30], 30d = (05-31, 06-30], 90d = (04-01, 06-30].
No incident text holds a hex word of 7 or more characters (no explicit links).

percentile_cont of sorted v0…v(n−1) at p: rank r = p(n − 1), value v⌊r⌋ + (r − ⌊r⌋)(v⌊r⌋+1 − v⌊r⌋).

PostgreSQL is not exercised: starting the throwaway server of ``tests.postgres`` (initdb, pg_ctl) took
about 3 s here, more than the 2 s this audit may spend; the derived rows are the same SQL on both
backends (round 7's backend parity audit).
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from analytics.ownership import CatalogComponent
from collector.models import RepositoryFact
from collector.writer import write_repositories
from doraspace.cli import main
from store import schema
from store.engine import open_store
from store.upsert import upsert
from tests.analytics.facts import METRIC_KEYS, Facts, add_incident, add_label, at, bands, sha

A = datetime(2026, 6, 30, tzinfo=UTC)
A_TEXT = "2026-06-30T00:00:00Z"
NO_BREAKDOWN = {"coding": None, "pickup": None, "review": None, "deploy": None}
SECRET_VARIABLE = "AUDIT_ROUND9_CONFIG_BETWEEN_RUNS_SECRET"


def day(month: int, dom: int, hour: float = 0) -> datetime:
    return datetime(2026, month, dom, tzinfo=UTC) + timedelta(hours=hour)


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-12)


# -- the harness -------------------------------------------------------------------------------------------


class Chain:
    """A store U that runs a command under each configuration of a chain, and pristine copies of its facts.

    ``pristine`` is written once (facts only, no analytics ever run on it); U and every fresh store are
    copies of it. ``step(body)`` writes ``body`` as U's config (the same file every time) and runs the
    command on U; from the second step on (an edit) it also runs it on a new copy of ``pristine`` under the
    same body and asserts both give the same output and keep the same derived rows. Returns U's output."""

    def __init__(self, folder: Path, template: Path, capsys: pytest.CaptureFixture[str], *args: str) -> None:
        self.folder = folder
        self.capsys = capsys
        self.args = args
        self.pristine = folder / "pristine.duckdb"
        shutil.copyfile(template, self.pristine)
        self.used = folder / "used.duckdb"
        self.config = folder / "doraspace.yaml"
        self.steps = 0

    def facts(self) -> Facts:
        return Facts(open_store(f"duckdb:///{self.pristine}"))

    def sealed(self) -> None:
        """The pristine facts are complete: U starts as their copy."""
        shutil.copyfile(self.pristine, self.used)

    def run(self, store: Path, config: Path, body: str, args: tuple[str, ...] = ()) -> str:
        """``args`` (default: the chain's command) with ``--config`` after the command's name."""
        config.write_text(f"database:\n  url: duckdb:///{store}\n{body}", encoding="utf-8")
        args = args or self.args
        self.capsys.readouterr()
        words = 2 if args[0] == "survey" else 1  # the command's name: "metrics", "survey scores"
        status = main([*args[:words], "--config", str(config), *args[words:]], now=A)
        out, err = self.capsys.readouterr()
        assert status == 0, err
        return out

    def step(self, body: str) -> str:
        """The command on U under ``body``; from the second step on (an edit), also on a fresh copy."""
        self.steps += 1
        got = self.run(self.used, self.config, body)
        if self.steps == 1:
            return got
        fresh = self.folder / f"fresh{self.steps}.duckdb"
        shutil.copyfile(self.pristine, fresh)
        assert self.run(fresh, self.folder / f"fresh{self.steps}.yaml", body) == got, self.steps
        assert derived(self.used) == derived(fresh)
        return got


def derived(store: Path) -> list[tuple[Any, ...]]:
    """The first shipments a store keeps, sorted (read with DuckDB itself: the CLI has closed the file)."""
    with duckdb.connect(str(store), read_only=True) as conn:
        return sorted(conn.execute("SELECT * FROM derived_first_shipments").fetchall())


def collected(facts: Facts, *repos: str) -> None:
    with facts.engine.begin() as conn:
        write_repositories(conn, [RepositoryFact(repo, "main") for repo in repos], {}, at(1))


def metric_row(team: str, window: str, days: int, count: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "team": team,
        "window": window,
        "as_of": A_TEXT,
        "deployments": count,
        "deployment_frequency_per_day": count / days,
        "lead_time_hours_p50": None,
        "lead_time_hours_p90": None,
        "change_failure_rate": None,
        "failed_deployment_recovery_hours_p50": None,
        "time_to_restore_hours_p50": None,
        "time_to_restore_hours_p90": None,
        "incidents": 0,
        "rework_rate": None,
        "lead_time_breakdown_hours_p50": NO_BREAKDOWN,
        "bands": bands("low", None, None, None),
    }
    unknown = set(values) - set(row)
    assert not unknown, unknown
    row.update(values)
    return row


def assert_metric_rows(text: str, want: list[dict[str, Any]]) -> list[dict[str, Any]]:
    got = json.loads(text)
    assert [(r["team"], r["window"]) for r in got] == [(r["team"], r["window"]) for r in want]
    for actual, expected in zip(got, want, strict=True):
        assert list(actual) == METRIC_KEYS
        wanted = {
            key: {k: approx(v) if isinstance(v, float) else v for k, v in value.items()}
            if isinstance(value, dict)
            else approx(value)
            if isinstance(value, float)
            else value
            for key, value in expected.items()
        }
        assert actual == wanted, (actual["team"], actual["window"])
    return got


# -- 1. rework labels, attribution window, windows: one store, three edits ---------- ------------------------

SHOP, PAY = "acme/shop", "acme/pay"


def write_delivery(facts: Facts) -> None:
    """acme/shop (PagerDuty PS) and acme/pay, their whole history (see the test's docstring)."""
    collected(facts, SHOP, PAY)
    facts.deployment(day(5, 5), compare="first", repo=SHOP, sha=sha("s0"))
    s1 = facts.commit(sha("s1"), day(5, 18), repo=SHOP)
    facts.deployment(day(5, 20), ships=[s1], repo=SHOP)
    add_incident(facts, "I0", day(5, 20, 1), resolved_at=day(5, 21, 1), service="PS")
    c2 = facts.commit(sha("c2"), at(9, 20), repo=SHOP)
    facts.pull_request(
        2, created_at=at(9, 14), merged_at=at(9, 20), merge_commit_sha=c2, commit_dates=[at(9, 12)], repo=SHOP
    )
    add_label(facts, 2, "Expedite", repo=SHOP)
    facts.deployment(at(10), ships=[c2], repo=SHOP)
    add_incident(facts, "I1", at(10, 8), resolved_at=at(10, 11), service="PS")
    facts.deployment(at(10, 9), ships=[facts.commit(sha("c3"), at(10, 7), repo=SHOP)], repo=SHOP)
    facts.deployment(at(25), ships=[facts.commit(sha("c4"), at(24, 20), repo=SHOP)], repo=SHOP)
    add_incident(facts, "I2", at(25, 2), resolved_at=at(25, 3), service="PS")

    facts.deployment(day(5, 1), compare="first", repo=PAY, sha=sha("p0"))
    facts.deployment(day(5, 15), ships=[facts.commit(sha("pm"), day(5, 14), repo=PAY)], repo=PAY)
    branch = facts.commit("pr8-c0", at(19, 20), repo=PAY)  # PR #8's own commit, deployed from its branch
    facts.deployment(at(20), ships=[branch], repo=PAY)
    m8 = facts.commit(sha("m8"), at(20, 6), parents=2, repo=PAY)
    p2 = facts.commit(sha("p2"), at(20, 22), repo=PAY)
    facts.pull_request(
        8,
        created_at=at(19, 21),
        merged_at=at(20, 6),
        merge_commit_sha=m8,
        commit_dates=[at(19, 20)],
        repo=PAY,
    )
    add_label(facts, 8, "EXPEDITE", repo=PAY)
    facts.deployment(at(21), ships=[m8, p2], repo=PAY)


def delivery_config(labels: str, attribution: str, windows: str, benchmarks: str) -> str:
    return (
        "teams:\n"
        "  - {name: shop, repositories: [acme/shop], pagerduty_services: [PS]}\n"
        "  - {name: pay, repositories: [acme/pay]}\n"
        f"rework: {{labels: [{labels}]}}\n"
        f"incidents: {{attribution_window: {attribution}}}\n"
        f"metrics: {{windows: [{windows}], benchmarks: {benchmarks}}}\n"
    )


def test_rework_labels_then_attribution_window_then_windows_edited_between_metrics_runs(
    tmp_path: Path, duckdb_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Teams (``teams:``): shop owns acme/shop and PagerDuty PS; pay owns acme/pay.

    acme/shop: S0 05-05 first. S1 05-20 00:00 ships s1 (authored 05-18 00:00: lead 48 h); I0 on PS 05-20
    01:00 → 05-21 01:00 (restore 24 h). S2 06-10 00:00 ships c2, the squash merge of PR #2 (commit 06-09
    12:00, opened 14:00, merged 20:00, no review, label ``Expedite``): lead 12 h; stages coding 2, deploy 4.
    I1 on PS 06-10 08:00 → 11:00 (3 h). S3 06-10 09:00 ships c3 (authored 07:00: 2 h), while I1 is open →
    rework (§6.2). S4 06-25 00:00 ships c4 (06-24 20:00: 4 h); I2 on PS 06-25 02:00 → 03:00 (1 h).
    acme/pay: P0 05-01 first. Pm 05-15 00:00 ships pm (05-14 00:00: 24 h). P1 06-20 00:00 ships pr8-c0,
    PR #8's own commit deployed from its branch (authored 06-19 20:00: 4 h). P2 06-21 00:00 ships m8, PR
    #8's merge commit (two parents: no change, §5.2), and p2 (06-20 22:00: 2 h). PR #8: opened 06-19
    21:00, merged 06-20 06:00, label ``EXPEDITE``: coding 1; deployed by P2, the first deployment listing
    its merge commit (docs/metrics.md): deploy 18.

    C0 — labels [hotfix], attribution 24h, windows [7d, 30d], dora-2023 (bands from 30d).
      Failures: I1 8 h after S2, the latest PS deployment before it → S2 (window), recovered 06-10 11:00:
      11 h. I2 2 h after S4 → S4, 3 h. (I0 → S1, outside 30d.)
      shop 30d: S2, S3, S4 → 3, 0.1; leads 2, 4, 12 → p50 4, p90 r 1.8 → 4 + 0.8 × 8 = 10.4; CFR 2/3;
        recovery 11, 3 → 7; incidents I1, I2 → 2; restore 1, 3 → 2, 1 + 0.9 × 2 = 2.8; rework S3 → 1/3;
        stages PR #2: coding 2, deploy 4. 7d: S4 → 1; lead 4; CFR 1; recovery 3; 1 incident, restore 1;
        rework 0; no PR. Bands: 0.1 (≥ 1/30, < 1/7) medium; 4 h elite; 66.7 % low; 7 h high.
      pay 30d: P1, P2 → 2, 2/30; leads 2, 4 → 3, 2 + 0.9 × 2 = 3.8; CFR 0; no incident; rework 0; stages
        coding 1, deploy 18. 7d: nothing (0, frequency 0.0, the rest null). Bands: 2/30 medium; elite;
        elite; no recovery, no restore → null.
      "*" 30d: 5, 5/30; leads 2, 2, 4, 4, 12 → 4, r 3.6 → 4 + 0.6 × 8 = 8.8; CFR 2/5; recovery 7; 2
        incidents; restore 2, 2.8; rework 1/5; stages coding (2, 1) → 1.5, deploy (4, 18) → 11. 7d: shop's.
        Bands: 5/30 ≥ 1/7 high; elite; 40 % low; 7 h high.
    C1 — rework.labels [hotfix, expedite] (compared case-insensitively): S2 ships c2, PR #2's squash
      commit → rework; P1 ships pr8-c0, one of PR #8's commits → rework; P2 only ships PR #8's merge
      commit, which is no change → not rework (docs/metrics.md "Rework"). shop 30d rework 2/3; pay 30d 1/2;
      "*" 30d 3/5; 7d rows unchanged (S4 is no rework). Nothing else moves.
    C2 — attribution_window 6h: I1 is 8 h after S2 → S2 no longer failed (S3 stays rework: I1 was open).
      shop 30d CFR 1/3, recovery 3; "*" 30d CFR 1/5, recovery 3. Bands unchanged (33 %, 20 % low; 3 h
      high).
    C3 — windows [30d, 90d]: bands from 90d = (04-01, 06-30].
      shop 90d: S0, S1, S2, S3, S4 → 5, 5/90; leads 2, 4, 12, 48 → 8, r 2.7 → 12 + 0.7 × 36 = 37.2;
        failed S1 (I0, 1 h after; recovered 25 h) and S4 (3 h) → CFR 2/5, recovery 14; incidents I0, I1,
        I2 → 3; restore 1, 3, 24 → 3, 3 + 0.8 × 21 = 19.8; rework S2, S3 → 2/5; stages of PR #2. Bands:
        5/90 medium; 8 h elite; 40 % low; 14 h high (shop's 30d row as in C2, same bands).
      pay 90d: P0, Pm, P1, P2 → 4, 4/90; leads 2, 4, 24 → 4, 4 + 0.8 × 20 = 20; CFR 0; rework P1 → 1/4;
        stages of PR #8. Bands: 4/90 medium; elite; elite; null.
      "*" 90d: 9, 0.1; leads 2, 2, 4, 4, 12, 24, 48 → 4, r 5.4 → 24 + 0.4 × 24 = 33.6; CFR 2/9; recovery
        14; 3 incidents; restore 3, 19.8; rework S2, S3, P1 → 3/9; stages 1.5, 11. Bands: 9/90 = 0.1 <
        1/7 → medium (it was high from 30d); elite; 22 % low; 14 h high — on the 30d row too.
    """
    chain = Chain(tmp_path, duckdb_template, capsys, "metrics", "--format", "json", "--as-of", A_TEXT)
    facts = chain.facts()
    write_delivery(facts)
    facts.engine.dispose()
    chain.sealed()

    shop_bands = bands("medium", "elite", "low", "high")
    pay_bands = bands("medium", "elite", "elite", None)
    org_bands = bands("high", "elite", "low", "high")
    shop_stages = {"coding": 2.0, "pickup": None, "review": None, "deploy": 4.0}
    pay_stages = {"coding": 1.0, "pickup": None, "review": None, "deploy": 18.0}
    org_stages = {"coding": 1.5, "pickup": None, "review": None, "deploy": 11.0}

    def week_rows(
        org: dict[str, str | None], pay: dict[str, str | None], shop: dict[str, str | None]
    ) -> dict:
        shop_week = {
            "lead_time_hours_p50": 4.0,
            "lead_time_hours_p90": 4.0,
            "change_failure_rate": 1.0,
            "failed_deployment_recovery_hours_p50": 3.0,
            "time_to_restore_hours_p50": 1.0,
            "time_to_restore_hours_p90": 1.0,
            "incidents": 1,
            "rework_rate": 0.0,
        }
        return {
            "*": metric_row("*", "7d", 7, 1, **shop_week, bands=org),
            "pay": metric_row("pay", "7d", 7, 0, bands=pay),
            "shop": metric_row("shop", "7d", 7, 1, **shop_week, bands=shop),
        }

    def month(
        *, shop_rework: float, pay_rework: float, org_rework: float, shop_failed: int, recovery: float
    ) -> dict[str, dict[str, Any]]:
        return {
            "*": metric_row(
                "*",
                "30d",
                30,
                5,
                lead_time_hours_p50=4.0,
                lead_time_hours_p90=8.8,
                change_failure_rate=shop_failed / 5,
                failed_deployment_recovery_hours_p50=recovery,
                time_to_restore_hours_p50=2.0,
                time_to_restore_hours_p90=2.8,
                incidents=2,
                rework_rate=org_rework,
                lead_time_breakdown_hours_p50=org_stages,
                bands=org_bands,
            ),
            "pay": metric_row(
                "pay",
                "30d",
                30,
                2,
                lead_time_hours_p50=3.0,
                lead_time_hours_p90=3.8,
                change_failure_rate=0.0,
                rework_rate=pay_rework,
                lead_time_breakdown_hours_p50=pay_stages,
                bands=pay_bands,
            ),
            "shop": metric_row(
                "shop",
                "30d",
                30,
                3,
                lead_time_hours_p50=4.0,
                lead_time_hours_p90=10.4,
                change_failure_rate=shop_failed / 3,
                failed_deployment_recovery_hours_p50=recovery,
                time_to_restore_hours_p50=2.0,
                time_to_restore_hours_p90=2.8,
                incidents=2,
                rework_rate=shop_rework,
                lead_time_breakdown_hours_p50=shop_stages,
                bands=shop_bands,
            ),
        }

    week = week_rows(org_bands, pay_bands, shop_bands)

    def in_order(month_rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        return [row for team in ("*", "pay", "shop") for row in (week[team], month_rows[team])]

    c0 = chain.step(delivery_config("hotfix", "24h", "7d, 30d", "dora-2023"))
    assert_metric_rows(
        c0,
        in_order(month(shop_rework=1 / 3, pay_rework=0.0, org_rework=1 / 5, shop_failed=2, recovery=7.0)),
    )

    c1 = chain.step(delivery_config("hotfix, expedite", "24h", "7d, 30d", "dora-2023"))
    assert_metric_rows(
        c1,
        in_order(month(shop_rework=2 / 3, pay_rework=0.5, org_rework=3 / 5, shop_failed=2, recovery=7.0)),
    )

    c2 = chain.step(delivery_config("hotfix, expedite", "6h", "7d, 30d", "dora-2023"))
    c2_month = month(shop_rework=2 / 3, pay_rework=0.5, org_rework=3 / 5, shop_failed=1, recovery=3.0)
    assert_metric_rows(c2, in_order(c2_month))

    banded = {
        "*": bands("medium", "elite", "low", "high"),
        "pay": bands("medium", "elite", "elite", None),
        "shop": bands("medium", "elite", "low", "high"),
    }
    ninety = {
        "*": metric_row(
            "*",
            "90d",
            90,
            9,
            lead_time_hours_p50=4.0,
            lead_time_hours_p90=33.6,
            change_failure_rate=2 / 9,
            failed_deployment_recovery_hours_p50=14.0,
            time_to_restore_hours_p50=3.0,
            time_to_restore_hours_p90=19.8,
            incidents=3,
            rework_rate=3 / 9,
            lead_time_breakdown_hours_p50=org_stages,
        ),
        "pay": metric_row(
            "pay",
            "90d",
            90,
            4,
            lead_time_hours_p50=4.0,
            lead_time_hours_p90=20.0,
            change_failure_rate=0.0,
            rework_rate=0.25,
            lead_time_breakdown_hours_p50=pay_stages,
        ),
        "shop": metric_row(
            "shop",
            "90d",
            90,
            5,
            lead_time_hours_p50=8.0,
            lead_time_hours_p90=37.2,
            change_failure_rate=0.4,
            failed_deployment_recovery_hours_p50=14.0,
            time_to_restore_hours_p50=3.0,
            time_to_restore_hours_p90=19.8,
            incidents=3,
            rework_rate=0.4,
            lead_time_breakdown_hours_p50=shop_stages,
        ),
    }
    c3 = chain.step(delivery_config("hotfix, expedite", "6h", "30d, 90d", "dora-2023"))
    assert_metric_rows(
        c3,
        [
            {**row, "bands": banded[team]}
            for team in ("*", "pay", "shop")
            for row in (c2_month[team], ninety[team])
        ],
    )
    assert len({c0, c1, c2, c3}) == 4


# -- 2. teams:, github.deployments.environment, catalog.discover: one store, three edits ---------------------

WEB, API = "acme/web", "acme/api"


def write_two_environments(facts: Facts) -> None:
    """acme/web (component ``web``, owner team-web, PagerDuty PW) and acme/api (component ``api``, owner
    team-api), each with a production and a staging history (see the test's docstring)."""
    collected(facts, WEB, API)
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
                for c in (
                    CatalogComponent(WEB, 0, "web", "team-web", WEB, "PW"),
                    CatalogComponent(API, 0, "api", "team-api", API, None),
                )
            ],
        )
    w1 = facts.commit(sha("w1"), at(9, 18), repo=WEB)
    w2 = facts.commit(sha("w2"), at(19, 22), repo=WEB)
    a1 = facts.commit(sha("a1"), at(14, 21), repo=API)
    for environment, (w1_at, w2_at, a1_at) in {
        "production": (at(10), at(20), at(15)),
        "staging": (at(9, 20), at(19, 23), at(14, 22)),
    }.items():
        facts.deployment(at(1), compare="first", repo=WEB, sha=sha("w0"), environment=environment)
        facts.deployment(w1_at, ships=[w1], repo=WEB, environment=environment)
        facts.deployment(w2_at, ships=[w2], repo=WEB, environment=environment)
        facts.deployment(at(1), compare="first", repo=API, sha=sha("a0"), environment=environment)
        facts.deployment(a1_at, ships=[a1], repo=API, environment=environment)
    add_incident(facts, "PW-1", at(10, 2), resolved_at=at(10, 6), service="PW")
    add_incident(facts, "G1", at(15, 4), resolved_at=at(15, 5), source="github", service=API)


def ownership_config(*, teams: bool, environment: str, discover: bool) -> str:
    return (
        "github:\n  repositories: [acme/web, acme/api]\n"
        f"  deployments: {{source: deployments, environment: {environment}}}\n"
        f"catalog: {{discover: {'true' if discover else 'false'}}}\n"
        + ("teams:\n  - {name: team-web, repositories: [acme/api]}\n" if teams else "")
        + "incidents: {attribution_window: 24h}\nmetrics: {windows: [30d]}\n"
    )


def test_a_repository_moved_then_the_environment_switched_then_the_catalog_ignored_between_runs(
    tmp_path: Path, duckdb_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Catalog (stored by an earlier sync): component ``web`` in acme/web, owner team-web, PagerDuty PW;
    component ``api`` in acme/api, owner team-api. Windows [30d], attribution 24 h. Both repositories'
    deployments of both environments are in the store before the first run, so each environment's first
    shipments are derived (and kept) by it.

    Production: W0 06-01 first; W1 06-10 00:00 ships w1 (authored 06-09 18:00: 6 h); W2 06-20 00:00 ships
    w2 (06-19 22:00: 2 h); A0 06-01 first; A1 06-15 00:00 ships a1 (06-14 21:00: 3 h).
    Staging: WS0 06-01 first; WS1 06-09 20:00 ships w1 (2 h); WS2 06-19 23:00 ships w2 (1 h); AS0 06-01
    first; AS1 06-14 22:00 ships a1 (1 h).
    Incidents: PW-1 on PW 06-10 02:00 → 06:00 (4 h); G1, an incident issue of acme/api, 06-15 04:00 →
    05:00 (1 h). No deployment happens while one is open: rework 0 everywhere.

    C0 — catalog only, production. PW-1: web's latest is W1 (2 h before) → failed, recovered 6 h. G1:
      api's latest A1 (4 h) → failed, 5 h.
      team-api: 2, 2/30; lead 3; CFR 1/2; recovery 5; 1 incident, restore 1. Bands: medium; elite; low; high.
      team-web: 3, 0.1; leads 2, 6 → 4, 2 + 0.9 × 4 = 5.6; CFR 1/3; recovery 6; 1 incident, restore 4.
        Bands: medium; elite; low; high.
      "*": 5, 5/30; leads 2, 3, 6 → 3, 3 + 0.8 × 3 = 5.4; CFR 2/5; recovery 5, 6 → 5.5; 2 incidents;
        restore 1, 4 → 2.5, 1 + 0.9 × 3 = 3.7. Bands: 5/30 high; elite; low; 5.5 h high.
    C1 — ``teams: [{name: team-web, repositories: [acme/api]}]`` (§4): acme/api is team-web's, leaves the
      component ``api`` and is its own service (G1 still fails A1); team-api owns nothing and has no row.
      PW stays web's (its component's owner still owns it). team-web = "*" of C0: 5; 3, 5.4; 2/5; 5.5; 2;
      2.5, 3.7; bands high, elite, low, high.
    C2 — ``github.deployments.environment: staging`` (no collect between): the staging chains count
      (§5.1). PW-1: web's latest staging deployment WS1 (6 h before) → failed, recovered 06-10 06:00 −
      06-09 20:00 = 10 h. G1: AS1 (6 h) → failed, 7 h. team-web = "*": 5; leads 1, 1, 2 → 1, 1 + 0.8 ×
      1 = 1.8; CFR 2/5; recovery 7, 10 → 8.5; 2 incidents; restore 2.5, 3.7. Bands: high; 1 h elite;
      low; 8.5 h high.
    C3 — ``catalog.discover: false``: the stored components are ignored. acme/web is nobody's → unowned;
      PW is neither in the map nor in service_ids → PW-1 counts nowhere and fails nothing.
      team-web (acme/api, staging): 2, 2/30; lead 1; CFR 1/2; recovery 7; 1 incident, restore 1. Bands:
        medium; elite; low; high.
      unowned (acme/web, staging): 3, 0.1; leads 1, 2 → 1.5, 1 + 0.9 × 1 = 1.9; CFR 0; no incident.
        Bands: medium; elite; elite; null.
      "*": 5; 1, 1.8; CFR 1/5; recovery 7; 1 incident, restore 1. Bands: high; elite; 20 % low; 7 h high.
    """
    chain = Chain(tmp_path, duckdb_template, capsys, "metrics", "--format", "json", "--as-of", A_TEXT)
    facts = chain.facts()
    write_two_environments(facts)
    facts.engine.dispose()
    chain.sealed()

    def row(team: str, count: int, **values: Any) -> dict[str, Any]:
        return metric_row(team, "30d", 30, count, rework_rate=0.0, **values)

    c0 = chain.step(ownership_config(teams=False, environment="production", discover=True))
    # The first run derived and kept both environments' first shipments: the edit to staging reads kept rows.
    assert {(row[0], row[2]) for row in derived(chain.used)} == {
        (repo, environment) for repo in (WEB, API) for environment in ("production", "staging")
    }
    assert_metric_rows(
        c0,
        [
            row(
                "*",
                5,
                lead_time_hours_p50=3.0,
                lead_time_hours_p90=5.4,
                change_failure_rate=0.4,
                failed_deployment_recovery_hours_p50=5.5,
                time_to_restore_hours_p50=2.5,
                time_to_restore_hours_p90=3.7,
                incidents=2,
                bands=bands("high", "elite", "low", "high"),
            ),
            row(
                "team-api",
                2,
                lead_time_hours_p50=3.0,
                lead_time_hours_p90=3.0,
                change_failure_rate=0.5,
                failed_deployment_recovery_hours_p50=5.0,
                time_to_restore_hours_p50=1.0,
                time_to_restore_hours_p90=1.0,
                incidents=1,
                bands=bands("medium", "elite", "low", "high"),
            ),
            row(
                "team-web",
                3,
                lead_time_hours_p50=4.0,
                lead_time_hours_p90=5.6,
                change_failure_rate=1 / 3,
                failed_deployment_recovery_hours_p50=6.0,
                time_to_restore_hours_p50=4.0,
                time_to_restore_hours_p90=4.0,
                incidents=1,
                bands=bands("medium", "elite", "low", "high"),
            ),
        ],
    )

    everything = {
        "lead_time_hours_p50": 3.0,
        "lead_time_hours_p90": 5.4,
        "change_failure_rate": 0.4,
        "failed_deployment_recovery_hours_p50": 5.5,
        "time_to_restore_hours_p50": 2.5,
        "time_to_restore_hours_p90": 3.7,
        "incidents": 2,
        "bands": bands("high", "elite", "low", "high"),
    }
    c1 = chain.step(ownership_config(teams=True, environment="production", discover=True))
    assert_metric_rows(c1, [row("*", 5, **everything), row("team-web", 5, **everything)])

    staging = {
        **everything,
        "lead_time_hours_p50": 1.0,
        "lead_time_hours_p90": 1.8,
        "failed_deployment_recovery_hours_p50": 8.5,
    }
    c2 = chain.step(ownership_config(teams=True, environment="staging", discover=True))
    assert_metric_rows(c2, [row("*", 5, **staging), row("team-web", 5, **staging)])

    api_staging = {
        "failed_deployment_recovery_hours_p50": 7.0,
        "time_to_restore_hours_p50": 1.0,
        "time_to_restore_hours_p90": 1.0,
        "incidents": 1,
    }
    c3 = chain.step(ownership_config(teams=True, environment="staging", discover=False))
    assert_metric_rows(
        c3,
        [
            row(
                "*",
                5,
                lead_time_hours_p50=1.0,
                lead_time_hours_p90=1.8,
                change_failure_rate=0.2,
                **api_staging,
                bands=bands("high", "elite", "low", "high"),
            ),
            row(
                "team-web",
                2,
                lead_time_hours_p50=1.0,
                lead_time_hours_p90=1.0,
                change_failure_rate=0.5,
                **api_staging,
                bands=bands("medium", "elite", "low", "high"),
            ),
            row(
                "unowned",
                3,
                lead_time_hours_p50=1.5,
                lead_time_hours_p90=1.9,
                change_failure_rate=0.0,
                bands=bands("medium", "elite", "elite", None),
            ),
        ],
    )
    assert len({c0, c1, c2, c3}) == 4


# -- 3. survey scores: headcount, then min_group_size -----------------------------------------------------

DEFINITION = """
survey: devex
scales:
  agree5:
    points: 5
    labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree]
    favourable: [4, 5]
missing: ["I don't know", ""]
team_question: "Which team are you on?"
items:
  - {id: sat_tools, text: "I am satisfied with my tools", dimension: satisfaction, scale: agree5}
"""

ANSWERS = {"alpha": [5, 4, 4, 3, 2, 4], "beta": [5, 5, 2], "gamma": [1, 3, 4, 2]}


def survey_config(beta_headcount: int, minimum: int) -> str:
    return (
        "teams:\n"
        "  - {name: alpha, headcount: 10}\n"
        f"  - {{name: beta, headcount: {beta_headcount}}}\n"
        "  - {name: gamma, headcount: 5}\n"
        f"surveys:\n  min_group_size: {minimum}\n  respondent_secret: ${{{SECRET_VARIABLE}}}\n"
    )


def test_headcount_then_min_group_size_edited_between_survey_scores_runs(
    tmp_path: Path, duckdb_template: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One item (satisfaction, agree5, favourable 4–5), 2026-Q2, imported once (long format) into the
    pristine store; no earlier quarter, so every change is null.

    alpha 6 respondents 5, 4, 4, 3, 2, 4: mean 22/6, score (22/6 − 1)/4 × 100 = 66.67; favourable 4/6.
    beta 3: 5, 5, 2: mean 4 → 75; 2/3. gamma 4: 1, 3, 4, 2: mean 2.5 → 37.5; 1/4.
    "*" 13: sum 44, score (44/13 − 1)/4 × 100 = 3100/52 = 59.615…; favourable 7/13.

    C0 — headcounts 10, 4, 5; min_group_size 3: every team ≥ 3, all shown. Response rates 6/10, 3/4, 4/5;
      "*" 13/19.
    C1 — beta's headcount 6: beta 3/6 = 0.5; "*" 13/21. Scores unchanged.
    C2 — min_group_size 4 (§7.4): beta (3) suppressed; the suppressed teams hold 3 < 4 while "*" is shown
      → the smallest shown team, gamma (4), suppressed too; now 7 ≥ 4. Shown: "*" (13 respondents, all
      counted, rate 13/21) and alpha.
    """
    monkeypatch.setenv(SECRET_VARIABLE, "round9-config-between-runs")
    chain = Chain(tmp_path, duckdb_template, capsys, "survey", "scores", "--format", "json")
    definition = tmp_path / "devex.yaml"
    definition.write_text(DEFINITION, encoding="utf-8")
    export = tmp_path / "answers.csv"
    lines = ["respondent_id,team,submitted_at,item_id,answer"]
    for team, answers in ANSWERS.items():
        lines += [f"{team}-{n},{team},2026-05-04T10:00:00,sat_tools,{a}" for n, a in enumerate(answers)]
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    importing = ("survey", "import", str(export), "--definition", str(definition), "--quarter", "2026-Q2")
    chain.run(chain.pristine, tmp_path / "import.yaml", survey_config(4, 3), importing)
    chain.sealed()

    def score(team: str, value: float, favourable: float, respondents: int, rate: float) -> dict[str, Any]:
        return {
            "team": team,
            "quarter": "2026-Q2",
            "dimension": "satisfaction",
            "score": approx(value),
            "favourable": approx(favourable),
            "respondents": respondents,
            "response_rate": approx(rate),
            "change": None,
        }

    org, alpha = (3100 / 52, 7 / 13, 13), (200 / 3, 4 / 6, 6)
    c0 = chain.step(survey_config(4, 3))
    assert json.loads(c0) == [
        score("*", *org, 13 / 19),
        score("alpha", *alpha, 0.6),
        score("beta", 75.0, 2 / 3, 3, 0.75),
        score("gamma", 37.5, 0.25, 4, 0.8),
    ]
    c1 = chain.step(survey_config(6, 3))
    assert json.loads(c1) == [
        score("*", *org, 13 / 21),
        score("alpha", *alpha, 0.6),
        score("beta", 75.0, 2 / 3, 3, 0.5),
        score("gamma", 37.5, 0.25, 4, 0.8),
    ]
    c2 = chain.step(survey_config(6, 4))
    assert json.loads(c2) == [score("*", *org, 13 / 21), score("alpha", *alpha, 0.6)]
