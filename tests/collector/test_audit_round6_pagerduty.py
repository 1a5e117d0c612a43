"""Audit, round 6: PagerDuty collection and attribution where two rules meet (SPEC §3 ``pagerduty``, §4,
§5.4, §6.1, §6.2, §9; docs/metrics.md, docs/operations.md where SPEC leaves a choice).

One loopback HTTPS PagerDuty emulator (test-time CA) for the module, driven by the real client through
``doraspace.collect.collect`` (what ``doraspace collect --source pagerduty`` runs: the service set from the
ownership map, ``pagerduty.since`` defaulting, the urgencies), in process. Each scenario has its own
in-memory DuckDB store, its own services and incident ids (so the shared emulator's other incidents are
never listed for it), and a configuration parsed by ``doraspace.config.parse_config``. GitHub facts
(repositories, deployments, commits, catalog components) are written as the GitHub collector stores them
(``tests/analytics/facts.py``); the metrics are ``doraspace.pipeline.compute_all`` (what ``doraspace
metrics`` runs), as of ``2026-03-20T00:00:00Z``, window 30d only = (02-18 00:00, 03-20 00:00], so bands
come from it (the longest configured). Attribution window 24 h, dora-2023.

Conventions of every scenario: a repo's first deployment (compare ``first``) counts and adds no lead
times (§5.2); every later one ships one direct commit authored an hour before it (lead 1 h); no PR is
merged anywhere, so every lead-time breakdown stage is null. Percentiles are ``percentile_cont``: p at rank
p × (n − 1) of the sorted values. dora-2023 bands: frequency ≥ 1/day elite, ≥ 1/7 high, ≥ 1/30 medium,
else low; lead p50 < 24 h elite; change failure rate ≤ 5 % elite, ≤ 10 % high, ≤ 15 % medium, else low;
recovery (``failed_deployment_recovery_hours_p50``, else ``time_to_restore_hours_p50``) < 1 h elite,
< 24 h high, < 1 week medium. Times are UTC; ``mar(day, hour)`` is March 2026.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from analytics.dora import TeamWindowMetrics
from analytics.metrics import MetricsResult
from collector import cursors
from collector.cursors import pending_incidents_cursor
from collector.sources.retry import RetryPolicy
from doraspace.collect import collect
from doraspace.config import Config, parse_config
from doraspace.pipeline import compute_all
from store import schema
from store.engine import open_store
from store.timeutil import to_db
from store.upsert import upsert
from tests.analytics.facts import Facts, bands, sha
from tests.analytics.scenario import NO_BREAKDOWN, check
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator, iso

AS_OF = datetime(2026, 3, 20, tzinfo=UTC)
LATE = datetime(2026, 3, 25, tzinfo=UTC)  # a collect's "now" after every fact of the scenarios
PD_TOKEN = "audit-r6-pd-token"
ENVIRON = {"AUDIT_R6_GH": "audit-r6-gh-token", "AUDIT_R6_PD": PD_TOKEN}


def mar(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 3, day, tzinfo=UTC) + timedelta(hours=hour)


def feb(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 2, day, tzinfo=UTC) + timedelta(hours=hour)


def naive(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)


# ------------------------------------------------------------------------------------------- harness


@pytest.fixture(scope="module")
def emulator() -> Iterator[PagerDutyEmulator]:
    with PagerDutyEmulator(PagerDutyDataset(now=LATE), token=PD_TOKEN) as pd:
        yield pd


class Org:
    """One scenario's store, its GitHub facts, and its configurations (``teams``: name → (repositories,
    PagerDuty services))."""

    def __init__(self, pd: PagerDutyEmulator, tmp_path: Path) -> None:
        self.pd = pd
        self.dataset = pd.dataset
        self.tmp_path = tmp_path
        self.engine: Engine = open_store("duckdb:///:memory:")
        self.facts = Facts(self.engine)
        self.repos: list[str] = []
        self._results: dict[int, MetricsResult] = {}

    # -- configuration ---------------------------------------------------------------------------

    def config(
        self,
        teams: dict[str, tuple[Sequence[str], Sequence[str]]],
        *,
        github_since: str = "2026-03-01",
        pagerduty_extra: str = "  urgencies: [high]\n",
        discover: bool = False,
    ) -> Config:
        repo_lines = "".join(f"    - {repo}\n" for repo in self.repos)
        team_lines = "".join(
            f"  - {{name: {name}, repositories: [{', '.join(repos)}], "
            f"pagerduty_services: [{', '.join(services)}]}}\n"
            for name, (repos, services) in teams.items()
        )
        text = (
            f"database:\n  url: duckdb:///{self.tmp_path}/unused.duckdb\n"
            "github:\n  token: ${AUDIT_R6_GH}\n"
            f"  since: {github_since}\n"
            f"  repositories:\n{repo_lines}"
            f"pagerduty:\n  base_url: {self.pd.base_url}\n  token: ${{AUDIT_R6_PD}}\n"
            f"  ca_bundle: {self.pd.ca_file}\n{pagerduty_extra}"
            f"catalog: {{discover: {'true' if discover else 'false'}}}\n"
            "incidents: {attribution_window: 24h}\n"
            "metrics: {windows: [30d]}\n"
            f"teams:\n{team_lines}"
        )
        return parse_config(text, environ=ENVIRON, cwd=str(self.tmp_path))

    # -- GitHub facts, as the GitHub collector stores them ---------------------------------------------

    def repo(self, name: str, first_at: datetime) -> None:
        """A collected repository and its first deployment (compare ``first``)."""
        self.repos.append(name)
        with self.engine.begin() as conn:
            upsert(
                conn,
                schema.repositories,
                [
                    {
                        "full_name": name,
                        "default_branch": "main",
                        "discovered_from": "config",
                        "synced_at": to_db(LATE),
                    }
                ],
            )
        self.facts.deployment(first_at, compare="first", repo=name, sha=sha(f"first-{name}"))

    def deploy(self, repo: str, label: str, when: datetime) -> tuple[int, str]:
        """A deployment shipping one commit authored an hour before it; its id and the commit's sha."""
        commit = self.facts.commit(sha(f"{repo}-{label}"), when - timedelta(hours=1), repo=repo)
        return self.facts.deployment(when, ships=[commit], repo=repo, sha=commit), commit

    def component(self, file_repo: str, name: str, owner: str | None, service_id: str | None) -> None:
        """A catalog-info.yaml ``kind: Component`` as the catalog sync stores it (first document)."""
        with self.engine.begin() as conn:
            upsert(
                conn,
                schema.catalog_components,
                [
                    {
                        "file_repo": file_repo,
                        "position": 0,
                        "name": name,
                        "owner": owner,
                        "repo": file_repo,
                        "pagerduty_service": service_id,
                    }
                ],
            )

    # -- collecting and reading ------------------------------------------------------------------------

    def collect(self, config: Config, now: datetime) -> list[str]:
        """``collect --source pagerduty`` in process; its summaries."""
        self._results.clear()
        result = collect(
            config, self.engine, source="pagerduty", now=now, retry=lambda: RetryPolicy(sleep=lambda _: None)
        )
        return result.summaries

    def _metrics(self, config: Config) -> MetricsResult:
        """``compute_all`` once per configuration and store state (a collect starts afresh)."""
        if id(config) not in self._results:
            self._results[id(config)] = compute_all(config, self.engine, as_of=AS_OF)
        return self._results[id(config)]

    def rows(self, config: Config) -> dict[str, TeamWindowMetrics]:
        return {row.team: row for row in self._metrics(config).rows}

    def failed(self, config: Config) -> dict[str, tuple[tuple[str, ...], tuple[str, ...], datetime | None]]:
        """Failed deployments of the window by repo and deployed_at: (rules, incidents, recovered_at)."""
        return {
            f"{d.repo}@{d.deployed_at:%m-%d %H:%M}": (d.rules, d.incident_ids, d.recovered_at)
            for d in self._metrics(config).failed_deployments()
        }

    def stored(self) -> list[tuple[Any, ...]]:
        """Stored PagerDuty incidents: (id, service, urgency, status, started_at, resolved_at), naive UTC."""
        t = schema.incidents
        with self.engine.connect() as conn:
            return [
                tuple(row)
                for row in conn.execute(
                    select(
                        t.c.incident_id, t.c.service, t.c.urgency, t.c.status, t.c.started_at, t.c.resolved_at
                    )
                    .where(t.c.source == "pagerduty")
                    .order_by(t.c.incident_id)
                )
            ]

    def pending(self, services: Sequence[str], urgencies: Sequence[str]) -> list[str]:
        with self.engine.connect() as conn:
            value = cursors.read(conn, pending_incidents_cursor(services, urgencies))
        return json.loads(value) if value else []


@pytest.fixture
def org(emulator: PagerDutyEmulator, tmp_path: Path) -> Iterator[Org]:
    running = Org(emulator, tmp_path)
    yield running
    running.engine.dispose()


def listing_since(pd: PagerDutyEmulator, service_id: str) -> list[str]:
    """The ``since`` of every incidents listing that asked for ``service_id``."""
    return [
        record.param("since") or ""
        for record in pd.requests_to(r"^/incidents$")
        if service_id in record.query.get("service_ids[]", [])
    ]


def rename_service(dataset: PagerDutyDataset, service_id: str, name: str) -> None:
    """The service is renamed in PagerDuty: its incidents' service references show the new name."""
    dataset.services[service_id]["name"] = name
    dataset.services[service_id]["summary"] = name
    for stored in dataset.incidents.values():
        if (stored.payload.get("service") or {}).get("id") == service_id:
            stored.payload["service"] = {**stored.payload["service"], "summary": name}


def merge(dataset: PagerDutyDataset, source_id: str, into_id: str, when: datetime) -> None:
    """PagerDuty's merge: ``source_id`` is resolved at ``when`` (resolve log entry, ``resolved_at``) with a
    ``merge_resolve_reason`` naming the incident it was merged into, which lives on."""
    dataset.resolve(source_id, when)
    target = dataset.incidents[into_id].payload
    dataset.incidents[source_id].payload["resolve_reason"] = {
        "type": "merge_resolve_reason",
        "incident": {key: target[key] for key in ("id", "summary", "self", "html_url")}
        | {"type": "incident_reference"},
    }


def move(
    dataset: PagerDutyDataset, incident_id: str, service_id: str, when: datetime, **changes: str
) -> None:
    """Reassigned (and ``changes``, e.g. urgency) while open, at ``when``."""
    service = dataset.services[service_id]
    payload = dataset.incidents[incident_id].payload
    reference = {
        "id": service_id,
        "type": "service_reference",
        "summary": service["name"],
        "self": service["self"],
        "html_url": service["html_url"],
    }
    payload.update(service=reference, updated_at=iso(when), **changes)


# ------------------------------------------------------------------------------------------- scenarios


def test_pagerduty_since_defaults_to_github_since_with_its_offset(org: Org) -> None:
    """``pagerduty.since`` absent; ``github.since: 2026-03-01T00:00:00+02:00`` = 02-28 22:00Z. Team sincetz
    owns acme/sincetz and PSINCE6.

    PagerDuty: SX created 02-28 21:30Z (before since), resolved 03-01 03:00 (after it); SY created 02-28
    23:00Z (after the instant, before 03-01 00:00Z: collected only if the offset is honoured), resolved
    03-01 01:00; SZ created 03-01 02:30, resolved 04:00. Deployments: D1 (first) 02-28 23:30, D2 03-01 02:00.

    Collected (listing from 02-28T22:00:00Z): SY and SZ; SX never (its created_at is before since, however
    late it resolved). SY starts before D1: no deployment before it, fails nothing; D1 at 23:30 while SY
    is open → rework. D2 at 02:00: SY resolved 01:00, SX not collected → not rework. SZ 30 min after D2 →
    D2 failed (window), recovered 04:00 → 2 h.
    30d: deployments 2, 2/30 per day; lead (D2) 1.0, 1.0; CFR 1/2; recovery 2.0; incidents 2 (SY, SZ);
    restore SY 2 h, SZ 1.5 h → p50 1.75, p90 1.5 + 0.9 × 0.5 = 1.95; rework 1/2. Bands: 2/30 ≥ 1/30 →
    medium; lead elite; CFR low; recovery 2 h → high. (SX collected would make incidents 3 and D2 rework.)
    """
    # SPEC §3 "since: null # default: github.since" and github.since "how far back the first sync reaches";
    # §2 "ISO 8601, UTC if no offset"; §5.4; §6.1 rule 4; §6.2 rework "deployed while an incident of its
    # service was open".
    org.repo("acme/sincetz", datetime(2026, 2, 28, 23, 30, tzinfo=UTC))
    org.deploy("acme/sincetz", "d2", mar(1, 2))
    org.dataset.add_incident("SX6", "PSINCE6", "Login slow", feb(28, 21.5), resolved_at=mar(1, 3))
    org.dataset.add_incident("SY6", "PSINCE6", "Login down", feb(28, 23), resolved_at=mar(1, 1))
    org.dataset.add_incident("SZ6", "PSINCE6", "Login flaky", mar(1, 2.5), resolved_at=mar(1, 4))
    config = org.config(
        {"sincetz": (["acme/sincetz"], ["PSINCE6"])},
        github_since="2026-03-01T00:00:00+02:00",
        pagerduty_extra="",
    )
    assert config.pagerduty is not None and config.pagerduty.since == feb(28, 22)

    org.collect(config, LATE)

    assert listing_since(org.pd, "PSINCE6") == ["2026-02-28T22:00:00Z"]
    assert org.stored() == [
        ("SY6", "PSINCE6", "high", "resolved", naive(feb(28, 23)), naive(mar(1, 1))),
        ("SZ6", "PSINCE6", "high", "resolved", naive(mar(1, 2.5)), naive(mar(1, 4))),
    ]
    rows = org.rows(config)
    check(
        rows["sincetz"],
        deployments=2,
        deployment_frequency_per_day=2 / 30,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.0,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=2.0,
        time_to_restore_hours_p50=1.75,
        time_to_restore_hours_p90=1.95,
        incidents=2,
        rework_rate=0.5,
        lead_time_breakdown_hours_p50=NO_BREAKDOWN,
        bands=bands("medium", "elite", "low", "high"),
    )


def test_urgencies_narrowed_and_a_service_dropped_between_two_collects(org: Org) -> None:
    """Team narrow owns acme/narrow. 1st collect: ``pagerduty_services: [PNA6, PNB6]``, ``urgencies: [high,
    low]``; 2nd collect: ``pagerduty_services: [PNA6]``, ``urgencies: [high]`` (the configuration changed).

    Deployments: N1 (first) 03-01 06:00, N2 03-02 10:00, N3 03-02 12:00, N4 03-07 10:00. PagerDuty: NL
    (PNA6, low) 03-02 11:00 → 13:00; NH (PNA6, high) 03-05 10:00 → 10:30; NB (PNB6, high) 03-07 10:30 →
    12:00. All resolved before the first collect.

    After the 1st: NL 1 h after N2 → N2 failed (window), recovered 13:00 → 3 h; N3 at 12:00 while NL open →
    rework; NH: latest before it is N3, 70 h > 24 h → fails nothing; NB 30 min after N4 → N4 failed,
    recovered 12:00 → 2 h. Deployments 4 (4/30 per day); lead 1, 1, 1 → 1.0, 1.0; CFR 2/4; recovery [2, 3]
    → 2.5; incidents 3; restore 0.5, 1.5, 2 → p50 1.5, p90 rank 1.8 → 1.5 + 0.8 × 0.5 = 1.9; rework 1/4.
    Bands: 4/30 < 1/7 → medium; elite; low; 2.5 h → high.
    After the 2nd, as a fresh collect with the new configuration stores: NH only (NL is low, PNB6 is no
    longer collected). Deployments 4; CFR 0; recovery null; incidents 1; restore 0.5, 0.5; rework 0. Bands:
    medium, elite, elite, recovery falls back to restore 0.5 h → elite. Organisation row: incidents 1,
    restore 0.5; no ``unowned`` row (PNB6 is in no ``service_ids``).
    """
    # SPEC §5.4 "PagerDuty incidents of the owned services, in the configured urgencies"; §4 "PagerDuty
    # services that are neither in the ownership map nor in service_ids are not collected"; §6 "The
    # organisation row covers everything collected"; docs/metrics.md "An incident counts in its urgency of
    # the latest sync".
    org.repo("acme/narrow", mar(1, 6))
    org.deploy("acme/narrow", "n2", mar(2, 10))
    org.deploy("acme/narrow", "n3", mar(2, 12))
    org.deploy("acme/narrow", "n4", mar(7, 10))
    org.dataset.add_incident("NL6", "PNA6", "Disk filling", mar(2, 11), urgency="low", resolved_at=mar(2, 13))
    org.dataset.add_incident("NH6", "PNA6", "Checkout down", mar(5, 10), resolved_at=mar(5, 10.5))
    org.dataset.add_incident("NB6", "PNB6", "Batch late", mar(7, 10.5), resolved_at=mar(7, 12))
    before = org.config(
        {"narrow": (["acme/narrow"], ["PNA6", "PNB6"])}, pagerduty_extra="  urgencies: [high, low]\n"
    )
    after = org.config({"narrow": (["acme/narrow"], ["PNA6"])}, pagerduty_extra="  urgencies: [high]\n")

    org.collect(before, LATE)
    assert [row[0] for row in org.stored()] == ["NB6", "NH6", "NL6"]
    check(
        org.rows(before)["narrow"],
        deployments=4,
        deployment_frequency_per_day=4 / 30,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.0,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=2.5,
        time_to_restore_hours_p50=1.5,
        time_to_restore_hours_p90=1.9,
        incidents=3,
        rework_rate=0.25,
        bands=bands("medium", "elite", "low", "high"),
    )

    org.collect(after, LATE + timedelta(hours=1))
    stored = {row[0]: row for row in org.stored()}
    assert "NL6" not in stored  # seen low by the new listing: a fresh collect would not store it
    assert stored["NH6"] == ("NH6", "PNA6", "high", "resolved", naive(mar(5, 10)), naive(mar(5, 10.5)))
    rows = org.rows(after)
    check(
        rows["narrow"],
        deployments=4,
        lead_time_hours_p50=1.0,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        time_to_restore_hours_p50=0.5,
        time_to_restore_hours_p90=0.5,
        incidents=1,
        rework_rate=0.0,
        bands=bands("medium", "elite", "elite", "elite"),
    )
    check(rows["*"], deployments=4, change_failure_rate=0.0, incidents=1, time_to_restore_hours_p50=0.5)
    assert sorted(rows) == ["*", "narrow"]


def test_incidents_merged_into_another_teams_incident_between_two_collects(org: Org) -> None:
    """Teams mred (acme/mred, PMRED6) and mblue (acme/mblue, PMBLUE6); ``urgencies: [high]``.

    Deployments: R1, B1 (first) 03-01 06:00; R2 03-03 10:00, B2 10:30; R3 and B3 13:00. PagerDuty: MR (PMRED6,
    high) 11:00 triggered; ML (PMRED6, low) 11:05 triggered; MB (PMBLUE6, high) 11:15 acknowledged. The 1st
    collect runs at 03-03 11:30: MR and MB stored open, ML pending (open, low). Then PMRED6 is renamed, MR and
    ML are merged into MB at 12:00 (resolved then, ``merge_resolve_reason``), and MB is resolved at 15:00;
    the 2nd collect runs at 03-25.

    1st read: mred: R2 failed by MR (window, 1 h), not recovered; R3 at 13:00 while MR is open → rework.
    Deployments 3 (0.1/day); lead 1.0, 1.0; CFR 1/3; recovery null; incidents 1; restore null; rework 1/3;
    bands medium, elite, low, null. mblue: B2 failed by MB (45 min), B3 rework: the same numbers.
    2nd read: MR resolved at its merge, 12:00 (SPEC: its resolved_at): R2 recovered → 2.0 h; R3 at 13:00 is
    no longer rework (MR over; ML never stored: low, and resolved). mred: CFR 1/3, recovery 2.0, incidents 1,
    restore 1.0, 1.0, rework 0; bands medium, elite, low, high. mblue: B2 recovered 15:00 → 4.5 h; B3 still
    rework; restore 3.75, 3.75; rework 1/3; bands medium, elite, low, high. Organisation: deployments 6; CFR
    2/6; recovery [2, 4.5] → 3.25; incidents 2; restore [1, 3.75] → p50 2.375, p90 1 + 0.9 × 2.75 = 3.475;
    rework 1/6. The renamed service changes nothing (incidents are stored by service id).
    """
    # SPEC §5.4 "resolved_at = resolved_at …; Unresolved incidents are re-read until resolved"; §4 service
    # ids; §6.1 rule 4; §6.2 recovery "the earliest of the resolution of an incident that failed it",
    # rework; SPEC is silent on merges: a merged incident is resolved at its merge (its resolved_at).
    org.repo("acme/mred", mar(1, 6))
    org.repo("acme/mblue", mar(1, 6))
    org.deploy("acme/mred", "r2", mar(3, 10))
    org.deploy("acme/mblue", "b2", mar(3, 10.5))
    org.deploy("acme/mred", "r3", mar(3, 13))
    org.deploy("acme/mblue", "b3", mar(3, 13))
    org.dataset.add_service("PMRED6", "Red checkout")
    org.dataset.add_service("PMBLUE6", "Blue payments")
    org.dataset.add_incident("MR6", "PMRED6", "Checkout 500s", mar(3, 11), status="triggered")
    org.dataset.add_incident(
        "ML6", "PMRED6", "Checkout warnings", mar(3, 11 + 5 / 60), urgency="low", status="triggered"
    )
    org.dataset.add_incident("MB6", "PMBLUE6", "Payments 500s", mar(3, 11.25), status="acknowledged")
    config = org.config({"mred": (["acme/mred"], ["PMRED6"]), "mblue": (["acme/mblue"], ["PMBLUE6"])})
    services, urgencies = ["PMBLUE6", "PMRED6"], ["high"]

    org.collect(config, mar(3, 11.5))
    assert org.stored() == [
        ("MB6", "PMBLUE6", "high", "acknowledged", naive(mar(3, 11.25)), None),
        ("MR6", "PMRED6", "high", "triggered", naive(mar(3, 11)), None),
    ]
    assert org.pending(services, urgencies) == ["ML6"]
    first = org.rows(config)
    for team in ("mred", "mblue"):
        check(
            first[team],
            deployments=3,
            lead_time_hours_p50=1.0,
            lead_time_hours_p90=1.0,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=None,
            time_to_restore_hours_p50=None,
            incidents=1,
            rework_rate=1 / 3,
            bands=bands("medium", "elite", "low", None),
        )

    rename_service(org.dataset, "PMRED6", "Red checkout (legacy)")
    merge(org.dataset, "MR6", "MB6", mar(3, 12))
    merge(org.dataset, "ML6", "MB6", mar(3, 12))
    org.dataset.resolve("MB6", mar(3, 15))
    org.collect(config, LATE)

    assert org.stored() == [
        ("MB6", "PMBLUE6", "high", "resolved", naive(mar(3, 11.25)), naive(mar(3, 15))),
        ("MR6", "PMRED6", "high", "resolved", naive(mar(3, 11)), naive(mar(3, 12))),
    ]
    assert org.pending(services, urgencies) == []
    second = org.rows(config)
    check(
        second["mred"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=2.0,
        time_to_restore_hours_p50=1.0,
        time_to_restore_hours_p90=1.0,
        incidents=1,
        rework_rate=0.0,
        bands=bands("medium", "elite", "low", "high"),
    )
    check(
        second["mblue"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=4.5,
        time_to_restore_hours_p50=3.75,
        time_to_restore_hours_p90=3.75,
        incidents=1,
        rework_rate=1 / 3,
        bands=bands("medium", "elite", "low", "high"),
    )
    check(
        second["*"],
        deployments=6,
        change_failure_rate=2 / 6,
        failed_deployment_recovery_hours_p50=3.25,
        time_to_restore_hours_p50=2.375,
        time_to_restore_hours_p90=3.475,
        incidents=2,
        rework_rate=1 / 6,
    )


def test_incident_at_the_window_edge_of_its_own_team_not_of_a_catalog_claimant(org: Org) -> None:
    """Team edge (``teams:``) owns acme/edge and PEDGE6. acme/other's catalog-info.yaml has component
    other-svc, owner other, annotated ``pagerduty.com/service-id: PEDGE6``: a losing claim (``teams:``
    names the service), so PEDGE6 belongs to edge's repositories only. Catalog discovery on.

    Deployments: E1, O1 (first) 03-01 06:00; E2 03-10 10:00; O2 03-10 12:00 (the latest deployment of all
    before the incident); E3 03-11 11:00; O3 03-11 11:30. PagerDuty: EI on PEDGE6 created exactly 03-11
    10:00 = E2 + 24 h, resolved 13:00.

    EI started in (E2, E2 + 24 h] (the end included) and E2 is the latest deployment of edge's service
    before it → E2 failed (window), recovered 03-11 13:00 → 27 h. O2, 22 h before EI, is of another
    service: not failed. E3 at 11:00 while EI is open → rework; O3 is not (EI is not of its service).
    edge: deployments 3 (0.1/day); lead 1.0, 1.0; CFR 1/3; recovery 27.0; incidents 1; restore 3.0, 3.0;
    rework 1/3; bands medium, elite, low, medium (27 h ≥ 1 day, < 1 week).
    other: deployments 3; lead 1.0; CFR 0; recovery null; incidents 0; restore null; rework 0; bands medium,
    elite, elite, null. The collect lists PEDGE6 once, for edge.
    """
    # SPEC §4 "teams: … a repo or PagerDuty service it names belongs to that team, whatever the catalog
    # says"; "the PagerDuty services a teams: entry names belong to that team's repos"; §6.1 rule 4
    # "(F.deployed_at, F.deployed_at + attribution_window] … F is the latest deployment of that service";
    # docs/metrics.md "The PagerDuty services a teams: entry names belong to that team's repositories only,
    # whatever component names them".
    org.repo("acme/edge", mar(1, 6))
    org.repo("acme/other", mar(1, 6))
    org.component("acme/other", "other-svc", "other", "PEDGE6")
    org.deploy("acme/edge", "e2", mar(10, 10))
    org.deploy("acme/other", "o2", mar(10, 12))
    org.deploy("acme/edge", "e3", mar(11, 11))
    org.deploy("acme/other", "o3", mar(11, 11.5))
    org.dataset.add_incident("EI6", "PEDGE6", "Search down", mar(11, 10), resolved_at=mar(11, 13))
    config = org.config({"edge": (["acme/edge"], ["PEDGE6"])}, discover=True)

    summaries = org.collect(config, LATE)
    assert any(s.startswith("pagerduty: 1 services") for s in summaries), summaries
    assert org.stored() == [("EI6", "PEDGE6", "high", "resolved", naive(mar(11, 10)), naive(mar(11, 13)))]
    assert org.failed(config) == {"acme/edge@03-10 10:00": (("window",), ("pagerduty:EI6",), mar(11, 13))}
    rows = org.rows(config)
    check(
        rows["edge"],
        deployments=3,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.0,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=27.0,
        time_to_restore_hours_p50=3.0,
        time_to_restore_hours_p90=3.0,
        incidents=1,
        rework_rate=1 / 3,
        bands=bands("medium", "elite", "low", "medium"),
    )
    check(
        rows["other"],
        deployments=3,
        lead_time_hours_p50=1.0,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        time_to_restore_hours_p50=None,
        incidents=0,
        rework_rate=0.0,
        bands=bands("medium", "elite", "elite", None),
    )


def test_service_ids_unowned_incident_names_a_teams_change_and_a_claimed_service_id_stays_the_teams(
    org: Org,
) -> None:
    """``pagerduty.service_ids: [PNOONE6, PSID6]``; team sid (``teams:``) owns acme/sid and PSID6 too, so
    PSID6 is sid's, not ``unowned``; PNOONE6 is nobody's: team ``unowned``.

    Deployments: S1 (first) 03-01 06:00; S2 03-12 10:00 (commit c2); S3 03-14 10:00. PagerDuty: U1
    (PNOONE6) 03-12 11:00 → 12:00, no sha; U2 (PNOONE6) 03-14 12:00 → 16:00, description "root cause:
    <c2[:10]>"; T1 (PSID6) 03-14 11:00 → 11:30.

    U1: an unowned service has no deployments, so 1 h after S2 it fails nothing. U2 names c2, a change of
    S2 → S2 failed (explicit), recovered at U2's resolution 03-14 16:00 → 54 h. T1 1 h after S3 → S3 failed
    (window), recovered 11:30 → 1.5 h.
    sid: deployments 3 (0.1/day); lead 1.0; CFR 2/3; recovery [1.5, 54] → 27.75; incidents 1 (T1); restore
    0.5, 0.5; rework 0; bands medium, elite, low, medium (27.75 h).
    unowned: deployments 0; incidents 2; restore [1, 4] → p50 2.5, p90 1 + 0.9 × 3 = 3.7; CFR, lead,
    recovery null; the recovery band falls back to restore 2.5 h → high.
    Organisation: deployments 3; CFR 2/3; recovery 27.75; incidents 3; restore [0.5, 1, 4] → p50 1.0, p90
    rank 1.8 → 1 + 0.8 × 3 = 3.4; rework 0.
    """
    # SPEC §4 "A repo or a service_ids service owned by nobody belongs to team unowned"; §3 service_ids
    # "collected besides every service of the ownership map"; §6.1 rule 1 explicit, rule 4 "on a PagerDuty
    # service or repo of F's service"; §6 organisation row; docs/metrics.md "An incident on a service_ids
    # service nobody owns counts for unowned …; it fails one only by naming one of its changes".
    org.repo("acme/sid", mar(1, 6))
    _, c2 = org.deploy("acme/sid", "s2", mar(12, 10))
    org.deploy("acme/sid", "s3", mar(14, 10))
    org.dataset.add_incident("U1-6", "PNOONE6", "LB errors", mar(12, 11), resolved_at=mar(12, 12))
    org.dataset.add_incident(
        "U2-6",
        "PNOONE6",
        "LB errors again",
        mar(14, 12),
        resolved_at=mar(14, 16),
        description=f"Edge proxy 502s. root cause: {c2[:10]}",
    )
    org.dataset.add_incident("T1-6", "PSID6", "Sid slow", mar(14, 11), resolved_at=mar(14, 11.5))
    config = org.config(
        {"sid": (["acme/sid"], ["PSID6"])},
        pagerduty_extra="  service_ids: [PNOONE6, PSID6]\n  urgencies: [high]\n",
    )

    summaries = org.collect(config, LATE)
    assert any(s.startswith("pagerduty: 2 services") for s in summaries), summaries
    assert [row[:2] for row in org.stored()] == [("T1-6", "PSID6"), ("U1-6", "PNOONE6"), ("U2-6", "PNOONE6")]
    assert org.failed(config) == {
        "acme/sid@03-12 10:00": (("explicit",), ("pagerduty:U2-6",), mar(14, 16)),
        "acme/sid@03-14 10:00": (("window",), ("pagerduty:T1-6",), mar(14, 11.5)),
    }
    rows = org.rows(config)
    assert sorted(rows) == ["*", "sid", "unowned"]
    check(
        rows["sid"],
        deployments=3,
        lead_time_hours_p50=1.0,
        change_failure_rate=2 / 3,
        failed_deployment_recovery_hours_p50=27.75,
        time_to_restore_hours_p50=0.5,
        time_to_restore_hours_p90=0.5,
        incidents=1,
        rework_rate=0.0,
        bands=bands("medium", "elite", "low", "medium"),
    )
    check(
        rows["unowned"],
        deployments=0,
        lead_time_hours_p50=None,
        change_failure_rate=None,
        failed_deployment_recovery_hours_p50=None,
        time_to_restore_hours_p50=2.5,
        time_to_restore_hours_p90=3.7,
        incidents=2,
    )
    assert rows["unowned"].bands["recovery"] == "high"
    check(
        rows["*"],
        deployments=3,
        change_failure_rate=2 / 3,
        failed_deployment_recovery_hours_p50=27.75,
        time_to_restore_hours_p50=1.0,
        time_to_restore_hours_p90=3.4,
        incidents=3,
        rework_rate=0.0,
    )


def test_offset_timestamps_across_the_window_start_and_as_of(org: Org) -> None:
    """Team tzedge owns acme/tzedge and PTZE6; ``github.since: 2026-02-01``. Every PagerDuty timestamp below
    is served with a non-UTC offset.

    Deployments: T1 (first) 02-10 06:00; T2 02-17 23:30 (before the window); T3 03-19 22:00. PagerDuty:
    Z0 created ``2026-02-18T01:00:00+01:00`` = 02-18 00:00Z, exactly the window's (excluded) start; no
    ``resolved_at`` and no resolve log entry, status resolved, ``last_status_change_at``
    ``2026-02-18T06:00:00+05:00`` = 02-18 01:00Z. Z1 created ``2026-03-20T01:00:00+02:00`` = 03-19 23:00Z,
    resolved ``2026-03-20T01:30:00+01:00`` = 03-20 00:30Z, after as_of.

    Z0 fails T2 (30 min after it) but T2 is outside the window. Z1 1 h after T3 → T3 failed (window), not
    recovered by as_of. 30d: deployments 1 (T3), 1/30 per day; lead 1.0, 1.0; CFR 1/1; recovery null;
    incidents 1 (Z1; Z0 started at the excluded start); restore over incidents resolved in the window: Z0,
    1 h → 1.0, 1.0 (Z1 resolves after as_of); rework 0. Bands: 1/30 ≥ 1/30 → medium; elite; low; no
    recovered failure → restore 1.0 h, not < 1 h → high.
    """
    # SPEC §5.4 resolved_at "else last_status_change_at when status is resolved"; §6 "All instants are UTC.
    # A window … is the half-open interval (as_of − N days, as_of]"; §6.2 incidents "started in the
    # window", restore "over incidents resolved in the window"; §2 --as-of "facts after it are ignored".
    org.repo("acme/tzedge", feb(10, 6))
    org.deploy("acme/tzedge", "t2", feb(17, 23.5))
    org.deploy("acme/tzedge", "t3", mar(19, 22))
    z0 = org.dataset.add_incident(
        "Z0-6", "PTZE6", "Berlin night", feb(18), resolved_at=None, last_status_change_at=feb(18, 1)
    )
    z0.update(created_at="2026-02-18T01:00:00+01:00", last_status_change_at="2026-02-18T06:00:00+05:00")
    z1 = org.dataset.add_incident("Z1-6", "PTZE6", "Athens evening", mar(19, 23), resolved_at=mar(20, 0.5))
    z1.update(
        created_at="2026-03-20T01:00:00+02:00",
        resolved_at="2026-03-20T01:30:00+01:00",
        last_status_change_at="2026-03-20T01:30:00+01:00",
    )
    config = org.config({"tzedge": (["acme/tzedge"], ["PTZE6"])}, github_since="2026-02-01")

    org.collect(config, LATE)
    assert org.stored() == [
        ("Z0-6", "PTZE6", "high", "resolved", naive(feb(18)), naive(feb(18, 1))),
        ("Z1-6", "PTZE6", "high", "resolved", naive(mar(19, 23)), naive(mar(20, 0.5))),
    ]
    assert org.failed(config) == {"acme/tzedge@03-19 22:00": (("window",), ("pagerduty:Z1-6",), None)}
    check(
        org.rows(config)["tzedge"],
        deployments=1,
        deployment_frequency_per_day=1 / 30,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.0,
        change_failure_rate=1.0,
        failed_deployment_recovery_hours_p50=None,
        time_to_restore_hours_p50=1.0,
        time_to_restore_hours_p90=1.0,
        incidents=1,
        rework_rate=0.0,
        bands=bands("medium", "elite", "low", "high"),
    )


def test_pending_low_incident_escalated_and_moved_to_another_teams_service(org: Org) -> None:
    """Teams pa (acme/pa, PPA6) and pb (acme/pb, PPB6); ``urgencies: [high]``.

    Deployments: A1, B1 (first) 03-01 06:00; B2 03-04 09:00; A2 10:00; A3 12:00; B3 13:00. PagerDuty: Q
    (PPA6, low) created 03-04 11:00, triggered. The 1st collect (03-04 11:30) stores nothing and keeps Q
    pending. Then Q is escalated to high and reassigned to PPB6 (12:30), and resolved at 15:00; the 2nd
    collect (03-25) reads Q again by id.

    1st read: no incident anywhere: pa and pb: deployments 3 (0.1/day), lead 1.0, CFR 0, recovery null,
    incidents 0, rework 0; bands medium, elite, elite, null.
    2nd read, as a fresh collect would store Q (high, PPB6, 11:00 → 15:00): pb: the latest pb deployment
    before 11:00 is B2 (2 h) → failed (window), recovered 15:00 → 6 h; B3 at 13:00 while Q is open →
    rework. pb: CFR 1/3, recovery 6.0, incidents 1, restore 4.0, 4.0, rework 1/3; bands medium, elite,
    low, high. pa: unchanged (A2, 1 h before Q, is not of Q's service; A3 not rework).
    """
    # SPEC §5.4 "in the configured urgencies … Unresolved incidents are re-read until resolved"; §6.1 rule 4
    # "on a PagerDuty service … of F's service"; docs/metrics.md "one escalated into a configured urgency
    # while open is collected then"; docs/operations.md "a later sync stores what a first sync would".
    org.repo("acme/pa", mar(1, 6))
    org.repo("acme/pb", mar(1, 6))
    org.deploy("acme/pb", "b2", mar(4, 9))
    org.deploy("acme/pa", "a2", mar(4, 10))
    org.deploy("acme/pa", "a3", mar(4, 12))
    org.deploy("acme/pb", "b3", mar(4, 13))
    org.dataset.add_service("PPA6", "A things")
    org.dataset.add_service("PPB6", "B things")
    org.dataset.add_incident("Q6", "PPA6", "Odd latency", mar(4, 11), urgency="low", status="triggered")
    config = org.config({"pa": (["acme/pa"], ["PPA6"]), "pb": (["acme/pb"], ["PPB6"])})
    services, urgencies = ["PPA6", "PPB6"], ["high"]

    org.collect(config, mar(4, 11.5))
    assert org.stored() == []
    assert org.pending(services, urgencies) == ["Q6"]
    quiet: dict[str, Any] = {
        "deployments": 3,
        "lead_time_hours_p50": 1.0,
        "change_failure_rate": 0.0,
        "failed_deployment_recovery_hours_p50": None,
        "incidents": 0,
        "rework_rate": 0.0,
        "bands": bands("medium", "elite", "elite", None),
    }
    first = org.rows(config)
    check(first["pa"], **quiet)
    check(first["pb"], **quiet)

    move(org.dataset, "Q6", "PPB6", mar(4, 12.5), urgency="high")
    org.dataset.resolve("Q6", mar(4, 15))
    org.collect(config, LATE)

    assert org.stored() == [("Q6", "PPB6", "high", "resolved", naive(mar(4, 11)), naive(mar(4, 15)))]
    assert org.pending(services, urgencies) == []
    second = org.rows(config)
    check(
        second["pb"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=6.0,
        time_to_restore_hours_p50=4.0,
        time_to_restore_hours_p90=4.0,
        incidents=1,
        rework_rate=1 / 3,
        bands=bands("medium", "elite", "low", "high"),
    )
    check(second["pa"], **quiet)


def test_urgencies_narrowed_then_widened_back_collects_the_low_incidents_again(org: Org) -> None:
    """Team toggle owns acme/toggle and PGT6. Collects: (1) ``urgencies: [high, low]`` at 03-25 00:00; (2)
    ``urgencies: [high]`` at 01:00 (the configuration narrowed); (3) ``urgencies: [high, low]`` again at
    02:00 (the change reverted). PagerDuty does not change in between.

    Deployments: G1 (first) 03-01 06:00, G2 03-02 10:00, G3 03-02 12:00. PagerDuty: GL (low) 03-02 11:00 →
    13:00; GH (high) 03-05 10:00 → 10:30.

    After (1): GL and GH stored. After (2): GH only (as a fresh collect of ``[high]`` stores; the previous
    test). After (3) the configuration is (1)'s again, and the store must be what a fresh collect of it
    stores: GL and GH. Metrics then: GL 1 h after G2 → G2 failed (window), recovered 13:00 → 3 h; G3 at
    12:00 while GL is open → rework; GH: the latest deployment before it is G3, 70 h → nothing. Deployments
    3 (0.1/day); lead 1.0, 1.0; CFR 1/3; recovery 3.0; incidents 2; restore GL 2 h, GH 0.5 h → p50 1.25,
    p90 0.5 + 0.9 × 1.5 = 1.85; rework 1/3; bands medium, elite, low, high.
    Actual: the third collect lists only from 03-24 23:50 (the cursor the first collect left for the
    ``[high, low]`` scope), so GL, deleted by the second, stays missing: incidents 1, CFR 0, recovery null,
    restore 0.5, rework 0.
    """
    # SPEC §5.4 "PagerDuty incidents of the owned services, in the configured urgencies"; §5 "re-syncing
    # updates it in place", "a crash or kill at any point loses nothing"; docs/metrics.md "a later sync stores
    # what a first sync would"; collector/cursors.py "Another set (… an urgency was added) starts from since
    # again, so nothing of it is missed".
    org.repo("acme/toggle", mar(1, 6))
    org.deploy("acme/toggle", "g2", mar(2, 10))
    org.deploy("acme/toggle", "g3", mar(2, 12))
    org.dataset.add_incident("GL6", "PGT6", "Disk filling", mar(2, 11), urgency="low", resolved_at=mar(2, 13))
    org.dataset.add_incident("GH6", "PGT6", "Checkout down", mar(5, 10), resolved_at=mar(5, 10.5))
    teams = {"toggle": (["acme/toggle"], ["PGT6"])}
    both = org.config(teams, pagerduty_extra="  urgencies: [high, low]\n")
    high = org.config(teams, pagerduty_extra="  urgencies: [high]\n")
    expected_rows = [
        ("GH6", "PGT6", "high", "resolved", naive(mar(5, 10)), naive(mar(5, 10.5))),
        ("GL6", "PGT6", "low", "resolved", naive(mar(2, 11)), naive(mar(2, 13))),
    ]

    org.collect(both, LATE)
    assert org.stored() == expected_rows
    org.collect(high, LATE + timedelta(hours=1))
    assert org.stored() == expected_rows[:1]
    org.collect(both, LATE + timedelta(hours=2))

    assert org.stored() == expected_rows
    check(
        org.rows(both)["toggle"],
        deployments=3,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.0,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=3.0,
        time_to_restore_hours_p50=1.25,
        time_to_restore_hours_p90=1.85,
        incidents=2,
        rework_rate=1 / 3,
        bands=bands("medium", "elite", "low", "high"),
    )
