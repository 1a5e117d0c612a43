"""Audit, round 9: PagerDuty incidents that change after they were first collected, meeting the metrics.

SPEC §5: every fact is stored once under its natural key and "re-syncing updates it in place"; §5.4:
"PagerDuty incidents of the owned services, in the configured urgencies. started_at = created_at;
resolved_at = resolved_at, else the created_at of its resolve log entry, else last_status_change_at when
status is resolved. Unresolved incidents are re-read until resolved"; §9: a resumed sync "yields exactly
the data of an uninterrupted sync". The property checked: collected at T1, PagerDuty changes, collected
again at T2 ⇒ the metrics equal those of a fresh store collected once at T2, and the numbers worked out
by hand below. docs/metrics.md "An incident counts in its urgency of the latest sync"; docs/operations.md
"every open incident is read again by id until resolved, including open ones of an urgency not
collected", "A change of pagerduty.urgencies or of the collected services lists from since again, and so
does a return to a set used before".

Harness (as tests/collector/test_audit_round6_pagerduty.py): one loopback HTTPS PagerDuty emulator for the
module, read by the real ``pagerduty`` client through ``doraspace.collect.collect`` (what ``doraspace
collect --source pagerduty`` runs: services from the ownership map and ``service_ids``, urgencies, since),
with a fixed "now" per collect; configurations parsed by ``doraspace.config.parse_config``; GitHub facts
written as the GitHub collector stores them (``tests/analytics/facts.py``), the same into every store;
metrics by ``doraspace.pipeline.compute_all`` (what ``doraspace metrics`` runs) as of 2026-03-20 00:00Z,
window 30d only = (02-18 00:00, 03-20 00:00], so the bands come from it. ``pagerduty.since`` 2026-03-01,
``urgencies: [high]``, attribution window 24 h, dora-2023.

Conventions: each repo's first deployment (compare ``first``) counts and adds no lead time (§5.2); every
later one ships one commit authored an hour before it (lead 1 h), so every lead p50/p90 is 1.0; no PR, so
no breakdown. Percentiles are ``percentile_cont``: p at rank p × (n − 1) of the sorted values. Bands:
frequency ≥ 1/day elite, ≥ 1/7 high, ≥ 1/30 medium; lead < 24 h elite; CFR ≤ 5 % elite, ≤ 10 % high,
≤ 15 % medium, else low; recovery (failed-deployment recovery p50, else time-to-restore p50) < 1 h elite,
< 24 h high. Times UTC; ``mar(day, hour)`` is March 2026.

Two scenarios are strict xfails for a known limit (docs/operations.md, incremental vs fresh): an open
incident reassigned into a collected service after that service set's listing cursor passed its
``created_at`` never reaches the incremental store (neither listed again nor read by id), though a
fresh sync stores it. Reassignment between services is modelled as the earlier rounds and the
collector's own docstring model it. (Re-reading every stored open incident whatever its service would
read other collectors' incidents of a shared store; listing from ``since`` at every sync would cost a
full listing each time.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from analytics.dora import TeamWindowMetrics
from collector.sources.retry import RetryPolicy
from doraspace.collect import collect
from doraspace.config import Config, parse_config
from doraspace.pipeline import compute_all
from store import schema
from store.engine import open_store
from store.timeutil import to_db
from store.upsert import upsert
from tests.analytics.facts import Facts, bands, sha
from tests.analytics.scenario import check
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator, iso

AS_OF = datetime(2026, 3, 20, tzinfo=UTC)
LATE = datetime(2026, 3, 25, tzinfo=UTC)
PD_TOKEN = "audit-r9-pd-late-token"
ENVIRON = {"AUDIT_R9_PDL_GH": "audit-r9-pd-late-gh", "AUDIT_R9_PDL_PD": PD_TOKEN}

Rows = dict[str, TeamWindowMetrics]
# repo → its deployments, oldest first: (label, deployed_at); the first is the repo's ``first`` one.
Deployments = dict[str, list[tuple[str, datetime]]]
Teams = dict[str, tuple[Sequence[str], Sequence[str]]]


def mar(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 3, day, tzinfo=UTC) + timedelta(hours=hour)


def feb(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 2, day, tzinfo=UTC) + timedelta(hours=hour)


def change_sha(repo: str, label: str) -> str:
    return sha(f"{repo}-{label}")


# ------------------------------------------------------------------------------------------- harness


@pytest.fixture(scope="module")
def emulator() -> Iterator[PagerDutyEmulator]:
    with PagerDutyEmulator(PagerDutyDataset(now=LATE), token=PD_TOKEN) as pd:
        yield pd


class Store:
    """One DuckDB store (in memory) holding the same GitHub facts as every other store of its world."""

    def __init__(self, deployments: Deployments) -> None:
        self.engine: Engine = open_store("duckdb:///:memory:")
        facts = Facts(self.engine)
        for repo, history in deployments.items():
            with self.engine.begin() as conn:
                upsert(
                    conn,
                    schema.repositories,
                    [
                        {
                            "full_name": repo,
                            "default_branch": "main",
                            "discovered_from": "config",
                            "synced_at": to_db(LATE),
                        }
                    ],
                )
            (first_label, first_at), *later = history
            facts.deployment(first_at, compare="first", repo=repo, sha=change_sha(repo, first_label))
            for label, when in later:
                commit = facts.commit(change_sha(repo, label), when - timedelta(hours=1), repo=repo)
                facts.deployment(when, ships=[commit], repo=repo, sha=commit)

    def collect(self, config: Config, now: datetime, backfill_since: datetime | None = None) -> None:
        collect(
            config,
            self.engine,
            source="pagerduty",
            now=now,
            backfill_since=backfill_since,
            retry=lambda: RetryPolicy(sleep=lambda _: None),
        )

    def rows(self, config: Config) -> Rows:
        return {row.team: row for row in compute_all(config, self.engine, as_of=AS_OF).rows}

    def incidents(self) -> list[tuple[Any, ...]]:
        """Every stored PagerDuty incident, every column."""
        t = schema.incidents
        with self.engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(select(t).where(t.c.source == "pagerduty").order_by(t.c.incident_id))
            ]

    def status(self, incident_id: str) -> tuple[str, datetime | None] | None:
        t = schema.incidents
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.c.status, t.c.resolved_at).where(t.c.incident_id == incident_id)
            ).first()
        return None if row is None else (str(row[0]), row[1])


def make_config(
    pd: PagerDutyEmulator,
    tmp_path: Path,
    deployments: Deployments,
    teams: Teams,
    service_ids: Sequence[str] = (),
    pagerduty_since: str = "2026-03-01",
) -> Config:
    repo_lines = "".join(f"    - {repo}\n" for repo in deployments)
    team_lines = "".join(
        f"  - {{name: {name}, repositories: [{', '.join(repos)}], "
        f"pagerduty_services: [{', '.join(services)}]}}\n"
        for name, (repos, services) in teams.items()
    )
    text = (
        f"database:\n  url: duckdb:///{tmp_path}/unused.duckdb\n"
        "github:\n  token: ${AUDIT_R9_PDL_GH}\n  since: 2026-03-01\n"
        f"  repositories:\n{repo_lines}"
        f"pagerduty:\n  base_url: {pd.base_url}\n  token: ${{AUDIT_R9_PDL_PD}}\n"
        f"  ca_bundle: {pd.ca_file}\n  since: {pagerduty_since}\n  urgencies: [high]\n"
        f"  service_ids: [{', '.join(service_ids)}]\n"
        "catalog: {discover: false}\n"
        "incidents: {attribution_window: 24h}\n"
        "metrics: {windows: [30d]}\n"
        f"teams:\n{team_lines}"
    )
    return parse_config(text, environ=ENVIRON, cwd=str(tmp_path))


def naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


# -- what happens in PagerDuty ------------------------------------------------------------------------


def update(dataset: PagerDutyDataset, incident_id: str, when: datetime, **changes: Any) -> None:
    dataset.incidents[incident_id].payload.update(updated_at=iso(when), **changes)


def rename(dataset: PagerDutyDataset, incident_id: str, title: str, when: datetime) -> None:
    """The responder edits the open incident's title (PagerDuty's description follows it)."""
    payload = dataset.incidents[incident_id].payload
    update(
        dataset,
        incident_id,
        when,
        title=title,
        description=title,
        summary=f"[#{payload['incident_number']}] {title}",
    )


def log(dataset: PagerDutyDataset, incident_id: str, kind: str, when: datetime) -> None:
    """One more log entry of ``kind`` (``acknowledge``, ``unacknowledge``, ``annotate``…) at ``when``."""
    stored = dataset.incidents[incident_id]
    number = len(stored.log_entries)
    stored.log_entries.append(
        {
            "id": f"L{incident_id}{number:05d}",
            "type": f"{kind}_log_entry",
            "summary": f"{kind} {number}",
            "created_at": iso(when),
            "incident": {"id": incident_id, "type": "incident_reference"},
        }
    )


def set_status(dataset: PagerDutyDataset, incident_id: str, status: str, when: datetime) -> None:
    """Acknowledged or back to triggered (PagerDuty's unacknowledge, e.g. an acknowledgement timeout)."""
    log(dataset, incident_id, "acknowledge" if status == "acknowledged" else "unacknowledge", when)
    update(dataset, incident_id, when, status=status, last_status_change_at=iso(when))


def log_entry_offsets(pd: PagerDutyEmulator, incident_id: str) -> list[int]:
    return [int(r.param("offset") or 0) for r in pd.requests_to(rf"^/incidents/{incident_id}/log_entries$")]


# =================================================================================== one world, T1 → T2

T1 = mar(9, 12)  # the first collect of the incremental store
TM = mar(9, 18)  # its second
T2 = LATE  # its third, and the fresh store's only collect

MAIN_DEPLOYMENTS: Deployments = {
    "acme/down": [("d1", mar(1, 6)), ("d2", mar(9, 9)), ("d3", mar(9, 10)), ("d4", mar(9, 11))],
    "acme/up": [("u1", mar(1, 6)), ("u2", mar(9, 9)), ("u3", mar(9, 11))],
    "acme/upx": [("x1", mar(1, 6)), ("x2", mar(9, 8))],
    "acme/logp": [("l1", mar(1, 6)), ("l2", mar(9, 9)), ("l3", mar(9, 13))],
    "acme/ack": [("a1", mar(1, 6)), ("a2", mar(9, 9)), ("a3", mar(9, 20))],
    "acme/since": [("s1", mar(1, 6)), ("s2", mar(9, 11))],
}
MAIN_TEAMS: Teams = {
    "down": (["acme/down"], ["PDOWN9"]),
    "up": (["acme/up"], ["PUP9"]),
    "upx": (["acme/upx"], []),
    "logp": (["acme/logp"], ["PLOG9"]),
    "ack": (["acme/ack"], ["PACK9"]),
    "since": (["acme/since"], ["PSINCE9"]),
}


def build_before_t1(ds: PagerDutyDataset) -> None:
    d2 = change_sha("acme/down", "d2")
    ds.add_incident(
        "DOWN9-1", "PDOWN9", f"Checkout errors, root cause: {d2[:10]}", mar(9, 10.5), status="triggered"
    )
    ds.add_incident("UP9-1", "PUP9", "Slow pages", mar(9, 10), urgency="low", status="triggered")
    ds.add_incident("LOG9-1", "PLOG9", "Queue stuck", mar(9, 10), status="triggered")
    ds.add_incident(  # acknowledged 5 minutes after the trigger
        "ACK9-1",
        "PACK9",
        "Emails late",
        mar(9, 10),
        status="acknowledged",
        last_status_change_at=mar(9, 10) + timedelta(minutes=5),
    )
    ds.add_incident("SINCE9-1", "PSINCE9", "Login slow", feb(28, 22), status="triggered")
    ds.add_incident("SINCE9-2", "PSINCE9", "Login down", mar(9, 11.5), status="triggered")


def change_before_tm(ds: PagerDutyDataset) -> None:
    # down: DOWN9-1 de-escalated at 12:30, resolved 13:00; DOWN9-2 (high) 14:00 → 16:00.
    update(ds, "DOWN9-1", mar(9, 12.5), urgency="low")
    ds.resolve("DOWN9-1", mar(9, 13))
    ds.add_incident("DOWN9-2", "PDOWN9", "Checkout slow", mar(9, 14), resolved_at=mar(9, 16))
    # up: UP9-1 escalated at 12:30, named upx's change at 13:00, resolved 14:00.
    update(ds, "UP9-1", mar(9, 12.5), urgency="high")
    rename(ds, "UP9-1", f"Slow pages, root cause: {change_sha('acme/upx', 'x2')[:8]}", mar(9, 13))
    ds.resolve("UP9-1", mar(9, 14))
    # logp: LOG9-1 resolved 12:30 with no resolved_at, only its resolve log entry; then 120 notes (12:31
    # to 14:30) push that entry to the second page of log entries (newest first, 100 a page); the payload's
    # last_status_change_at says 15:00.
    ds.resolve("LOG9-1", mar(9, 12.5), resolved_at_field=False, log_entry=True)
    for minute in range(1, 121):
        log(ds, "LOG9-1", "annotate", mar(9, 12.5) + timedelta(minutes=minute))
    update(ds, "LOG9-1", mar(9, 15), last_status_change_at=iso(mar(9, 15)))
    # ack: 60 unacknowledge/acknowledge pairs from 12:01 to 16:58, then unacknowledged at 17:00.
    for pair in range(60):
        base = mar(9, 12) + timedelta(minutes=5 * pair)
        set_status(ds, "ACK9-1", "triggered", base + timedelta(minutes=1))
        set_status(ds, "ACK9-1", "acknowledged", base + timedelta(minutes=3))
    set_status(ds, "ACK9-1", "triggered", mar(9, 17))
    # since: SINCE9-1 (created before since) named s2 at 12:45 and resolved 13:00; SINCE9-2 resolved 13:30.
    rename(ds, "SINCE9-1", f"Login slow, root cause: {change_sha('acme/since', 's2')[:12]}", mar(9, 12.75))
    ds.resolve("SINCE9-1", mar(9, 13))
    ds.resolve("SINCE9-2", mar(9, 13.5))


def change_before_t2(ds: PagerDutyDataset) -> None:
    # ack: resolved at 19:00 with neither resolved_at nor a resolve log entry (last_status_change_at).
    ds.resolve("ACK9-1", mar(9, 19), resolved_at_field=False, log_entry=False)


@dataclass
class MainResult:
    first: Rows
    middle: Rows
    incremental: Rows
    fresh: Rows
    stores: dict[str, Store] = field(default_factory=dict)
    statuses: dict[str, list[Any]] = field(default_factory=dict)
    log_offsets: dict[str, list[int]] = field(default_factory=dict)
    by_id: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def main(emulator: PagerDutyEmulator, tmp_path_factory: pytest.TempPathFactory) -> MainResult:
    ds = emulator.dataset
    config = make_config(emulator, tmp_path_factory.mktemp("r9-pd-late"), MAIN_DEPLOYMENTS, MAIN_TEAMS)
    incremental, fresh = Store(MAIN_DEPLOYMENTS), Store(MAIN_DEPLOYMENTS)
    statuses: dict[str, list[Any]] = {"ACK9-1": []}
    build_before_t1(ds)
    incremental.collect(config, T1)
    first = incremental.rows(config)
    statuses["ACK9-1"].append(incremental.status("ACK9-1"))
    change_before_tm(ds)
    incremental.collect(config, TM)
    middle = incremental.rows(config)
    statuses["ACK9-1"].append(incremental.status("ACK9-1"))
    change_before_t2(ds)
    incremental.collect(config, T2)
    statuses["ACK9-1"].append(incremental.status("ACK9-1"))
    fresh.collect(config, T2)
    return MainResult(
        first=first,
        middle=middle,
        incremental=incremental.rows(config),
        fresh=fresh.rows(config),
        stores={"incremental": incremental, "fresh": fresh},
        statuses=statuses,
        log_offsets={i: log_entry_offsets(emulator, i) for i in ("LOG9-1", "ACK9-1")},
        by_id={i: len(emulator.requests_to(rf"^/incidents/{i}$")) for i in ("SINCE9-1", "DOWN9-1", "UP9-1")},
    )


def final_rows(main: MainResult) -> list[Rows]:
    return [main.incremental, main.fresh]


def test_the_incremental_store_holds_what_the_fresh_one_holds(main: MainResult) -> None:
    """After T2 the incremental store (T1, TM, T2) and the fresh one (T2) hold the same incident rows,
    column for column: DOWN9-2, LOG9-1, ACK9-1, SINCE9-2 and UP9-1; not DOWN9-1 (low now), not SINCE9-1
    (created 02-28 22:00, before ``pagerduty.since``, never listed, never read by id)."""
    # SPEC §5 "re-syncing updates it in place"; §9 "exactly the data of an uninterrupted sync".
    incremental, fresh = main.stores["incremental"].incidents(), main.stores["fresh"].incidents()
    assert incremental == fresh
    assert sorted(row[1] for row in fresh) == ["ACK9-1", "DOWN9-2", "LOG9-1", "SINCE9-2", "UP9-1"]
    assert main.by_id["SINCE9-1"] == 0
    assert main.by_id["DOWN9-1"] == 1 and main.by_id["UP9-1"] == 1  # read again by id at TM only


def test_root_cause_incident_de_escalated_while_open_takes_its_failure_and_rework_away(
    main: MainResult,
) -> None:
    """acme/down (team down, PDOWN9). D1 first 03-01 06:00; D2 09 09:00; D3 10:00; D4 11:00. DOWN9-1 (high)
    "Checkout errors, root cause: <D2's sha[:10]>" created 10:30, open at T1 (12:00). Then it is
    de-escalated to low (12:30) and resolved 13:00; DOWN9-2 (high) 14:00 → 16:00.

    T1: DOWN9-1 names D2's change → D2 failed (explicit), not recovered; with an explicit link the window
    rule does not apply (D3, the latest before 10:30, is not failed); D4 at 11:00 while DOWN9-1 is open →
    rework. Deployments 4; lead 1.0; CFR 1/4; recovery null; incidents 1; restore null; rework 1/4; bands
    4/30 = 0.133 < 1/7 → medium, elite, low, null.
    T2 (a fresh sync lists DOWN9-1 as low: not collected): D2 no longer failed; DOWN9-2 starts 3 h after D4,
    the latest before it → D4 failed (window), recovered 16:00 → 5 h; D4 (11:00) is no longer rework.
    CFR 1/4; recovery 5.0; incidents 1; restore 2.0, 2.0; rework 0; bands medium, elite, low, high.
    """
    # SPEC §5.4 "in the configured urgencies"; §6.1 rules 1 and 4 ("an incident with no explicit link");
    # §6.2 rework; docs/metrics.md "one de-escalated out of them is dropped".
    check(
        main.first["down"],
        deployments=4,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.0,
        change_failure_rate=1 / 4,
        failed_deployment_recovery_hours_p50=None,
        time_to_restore_hours_p50=None,
        incidents=1,
        rework_rate=1 / 4,
        bands=bands("medium", "elite", "low", None),
    )
    for rows in final_rows(main):
        check(
            rows["down"],
            deployments=4,
            lead_time_hours_p50=1.0,
            lead_time_hours_p90=1.0,
            change_failure_rate=1 / 4,
            failed_deployment_recovery_hours_p50=5.0,
            time_to_restore_hours_p50=2.0,
            time_to_restore_hours_p90=2.0,
            incidents=1,
            rework_rate=0.0,
            bands=bands("medium", "elite", "low", "high"),
        )


def test_low_incident_escalated_and_named_another_teams_change_while_open(main: MainResult) -> None:
    """acme/up (team up, PUP9) and acme/upx (team upx, no service). U1, X1 first 03-01 06:00; X2 09 08:00;
    U2 09:00; U3 11:00. UP9-1 (low) "Slow pages" created 10:00, open at T1: listed, not stored, pending.
    Then it is escalated to high (12:30), renamed "Slow pages, root cause: <X2's sha[:8]>" (13:00) and
    resolved 14:00.

    T1: nothing collected for up: up deployments 3 (0.1/day), lead 1.0, CFR 0, recovery null, incidents 0,
    restore null, rework 0; bands medium, elite, elite, null. upx: deployments 2, CFR 0.
    T2 (UP9-1 high, 10:00 → 14:00, naming X2): X2 failed (explicit), recovered 14:00 → 6 h; U2, the latest
    up deployment before 10:00, is not failed (explicit link: no window rule); U3 at 11:00 while UP9-1 is
    open → rework. up: CFR 0, recovery null, incidents 1, restore 4.0, 4.0, rework 1/3; bands medium,
    elite, elite, high (fallback: restore 4 h). upx: deployments 2 (2/30 ≥ 1/30 → medium), lead 1.0, CFR
    1/2, recovery 6.0, incidents 0 (UP9-1 is up's), restore null, rework 0; bands medium, elite, low, high.
    """
    # SPEC §5.4 "Unresolved incidents are re-read until resolved"; §6.1 rule 1; docs/metrics.md "one
    # escalated into a configured urgency while open is collected then"; docs/operations.md "including
    # open ones of an urgency not collected".
    quiet: dict[str, Any] = {
        "deployments": 3,
        "lead_time_hours_p50": 1.0,
        "change_failure_rate": 0.0,
        "failed_deployment_recovery_hours_p50": None,
        "time_to_restore_hours_p50": None,
        "incidents": 0,
        "rework_rate": 0.0,
        "bands": bands("medium", "elite", "elite", None),
    }
    check(main.first["up"], **quiet)
    check(main.first["upx"], deployments=2, change_failure_rate=0.0, incidents=0, rework_rate=0.0)
    for rows in final_rows(main):
        check(
            rows["up"],
            deployments=3,
            lead_time_hours_p50=1.0,
            change_failure_rate=0.0,
            failed_deployment_recovery_hours_p50=None,
            time_to_restore_hours_p50=4.0,
            time_to_restore_hours_p90=4.0,
            incidents=1,
            rework_rate=1 / 3,
            bands=bands("medium", "elite", "elite", "high"),
        )
        check(
            rows["upx"],
            deployments=2,
            lead_time_hours_p50=1.0,
            change_failure_rate=1 / 2,
            failed_deployment_recovery_hours_p50=6.0,
            time_to_restore_hours_p50=None,
            incidents=0,
            rework_rate=0.0,
            bands=bands("medium", "elite", "low", "high"),
        )


def test_resolve_log_entry_on_the_second_page_of_log_entries(main: MainResult) -> None:
    """acme/logp (team logp, PLOG9). L1 first 03-01 06:00; L2 09 09:00; L3 13:00. LOG9-1 (high) created
    10:00, open at T1. Then resolved at 12:30 without ``resolved_at``, with a resolve log entry at 12:30;
    120 notes follow (12:31 … 14:30), so that entry is the 121st newest: on the second page (100 a page);
    the payload's ``last_status_change_at`` says 15:00.

    T1: L2 (1 h before) failed (window), not recovered; L3 at 13:00 while LOG9-1 is open → rework.
    Deployments 3; CFR 1/3; recovery null; incidents 1; restore null; rework 1/3.
    T2: resolved_at = the resolve log entry, 12:30 (SPEC's second choice, before last_status_change_at):
    restore 2.5; L2 recovered 12:30 → 3.5 h; L3 (13:00) after the resolution → not rework. CFR 1/3;
    recovery 3.5; incidents 1; restore 2.5, 2.5; rework 0; bands medium, elite, low, high. (Read from the
    first page only, it would be 15:00: restore 5, recovery 6, rework 1/3.) Both the re-read (incremental)
    and the listing (fresh) page the log entries: offsets 0, 100 each.
    """
    # SPEC §5.4 "else the created_at of its resolve log entry, else last_status_change_at".
    check(
        main.first["logp"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=None,
        time_to_restore_hours_p50=None,
        incidents=1,
        rework_rate=1 / 3,
    )
    for rows in final_rows(main):
        check(
            rows["logp"],
            deployments=3,
            lead_time_hours_p50=1.0,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=3.5,
            time_to_restore_hours_p50=2.5,
            time_to_restore_hours_p90=2.5,
            incidents=1,
            rework_rate=0.0,
            bands=bands("medium", "elite", "low", "high"),
        )
    assert main.log_offsets["LOG9-1"] == [0, 100, 0, 100]


def test_incident_acknowledged_and_unacknowledged_many_times_then_resolved(main: MainResult) -> None:
    """acme/ack (team ack, PACK9). A1 first 03-01 06:00; A2 09 09:00; A3 20:00. ACK9-1 (high) created 10:00,
    acknowledged 10:05: open at T1. Between T1 and TM (18:00): 60 unacknowledge/acknowledge pairs, then
    unacknowledged at 17:00 (triggered at TM). Before T2: resolved at 19:00 with neither ``resolved_at`` nor
    a resolve log entry; its 123 log entries (trigger, 121 acknowledge/unacknowledge, one more
    unacknowledge) fill two pages, none a resolve entry.

    Stored: acknowledged at T1, triggered at TM, resolved at 19:00 (``last_status_change_at``) at T2.
    T1 and TM: A2 (1 h before) failed (window), not recovered; A3 at 20:00 while ACK9-1 is open (whatever
    its acknowledgements) → rework. Deployments 3; CFR 1/3; recovery null; incidents 1; restore null;
    rework 1/3; bands medium, elite, low, null.
    T2: restore 19:00 − 10:00 = 9 h; A2 recovered 19:00 → 10 h; A3 at 20:00 after the resolution → not
    rework. CFR 1/3; recovery 10.0; incidents 1; restore 9.0, 9.0; rework 0; bands medium, elite, low,
    high (10 h < 1 day). The log entries are paged through (0, 100) by each store's T2 read only.
    """
    # SPEC §5.4 "else last_status_change_at when status is resolved. Unresolved incidents are re-read until
    # resolved"; §6.2 rework "deployed while an incident of its service was open".
    assert main.statuses["ACK9-1"] == [
        ("acknowledged", None),
        ("triggered", None),
        ("resolved", naive(mar(9, 19))),
    ]
    for rows in (main.first, main.middle):
        check(
            rows["ack"],
            deployments=3,
            lead_time_hours_p50=1.0,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=None,
            time_to_restore_hours_p50=None,
            incidents=1,
            rework_rate=1 / 3,
            bands=bands("medium", "elite", "low", None),
        )
    for rows in final_rows(main):
        check(
            rows["ack"],
            deployments=3,
            lead_time_hours_p50=1.0,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=10.0,
            time_to_restore_hours_p50=9.0,
            time_to_restore_hours_p90=9.0,
            incidents=1,
            rework_rate=0.0,
            bands=bands("medium", "elite", "low", "high"),
        )
    assert main.log_offsets["ACK9-1"] == [0, 100, 0, 100]


def test_incident_created_before_since_named_a_change_and_resolved_after_it(main: MainResult) -> None:
    """acme/since (team since, PSINCE9); ``pagerduty.since`` 03-01. S1 first 03-01 06:00; S2 09 11:00.
    SINCE9-1 created 02-28 22:00 (before since), open all along; SINCE9-2 created 11:30, open at T1. Then
    SINCE9-1 is renamed "Login slow, root cause: <S2's sha[:12]>" (12:45) and resolved 13:00; SINCE9-2
    resolved 13:30.

    SINCE9-1 is never collected (the listing starts at since; it was never stored nor pending, so never
    read by id): it names nothing, opens nothing. T1: SINCE9-2 starts 30 min after S2 → S2 failed
    (window), not recovered; S2 (11:00) came before SINCE9-2 → not rework. CFR 1/2, incidents 1, rework 0.
    T2: S2 recovered 13:30 → 2.5 h; restore 2.0. Deployments 2; lead 1.0; CFR 1/2; recovery 2.5;
    incidents 1; restore 2.0, 2.0; rework 0; bands 2/30 → medium, elite, low, high. (Collected, SINCE9-1
    would make S2 explicit-failed with recovery 2.0, rework 1/2 and incidents 2.)
    """
    # SPEC §3 ``since`` "how far back the first sync reaches"; docs/configuration.md "incidents created at
    # or after it"; §5.4; §6.1 rule 1.
    check(
        main.first["since"],
        deployments=2,
        change_failure_rate=1 / 2,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        rework_rate=0.0,
    )
    for rows in final_rows(main):
        check(
            rows["since"],
            deployments=2,
            lead_time_hours_p50=1.0,
            change_failure_rate=1 / 2,
            failed_deployment_recovery_hours_p50=2.5,
            time_to_restore_hours_p50=2.0,
            time_to_restore_hours_p90=2.0,
            incidents=1,
            rework_rate=0.0,
            bands=bands("medium", "elite", "low", "high"),
        )


def test_organisation_row_at_t1_tm_and_t2(main: MainResult) -> None:
    """Team ``*`` over down (4 deployments), up (3), upx (2), logp (3), ack (3), since (2): 17 deployments →
    17/30 = 0.567/day → high; every lead 1 h → 1.0, 1.0. No ``unowned`` row.

    T1: failed D2, L2, A2, S2 = 4/17, none recovered → recovery null; incidents DOWN9-1, LOG9-1, ACK9-1,
    SINCE9-2 = 4; restore null; rework D4, L3, A3 = 3/17; bands high, elite, low, null.
    TM: failed D4 (5 h), X2 (6 h), L2 (3.5 h), S2 (2.5 h), A2 (open) = 5/17; recovery [2.5, 3.5, 5, 6] →
    p50 4.25; incidents DOWN9-2, UP9-1, LOG9-1, ACK9-1, SINCE9-2 = 5; restore DOWN9-2 2, UP9-1 4, LOG9-1
    2.5, SINCE9-2 2 → [2, 2, 2.5, 4] → p50 2.25, p90 rank 2.7 → 2.5 + 0.7 × 1.5 = 3.55; rework U3, A3 =
    2/17; bands high, elite, low, high.
    T2: A2 recovers (10 h): recovery [2.5, 3.5, 5, 6, 10] → 5.0; restore + ACK9-1 9 → [2, 2, 2.5, 4, 9] →
    p50 2.5, p90 rank 3.6 → 4 + 0.6 × 5 = 7.0; rework U3 = 1/17; bands high, elite, low, high.
    """
    # SPEC §6 "The organisation row covers everything collected"; §6.2.
    common: dict[str, Any] = {
        "deployments": 17,
        "deployment_frequency_per_day": 17 / 30,
        "lead_time_hours_p50": 1.0,
        "lead_time_hours_p90": 1.0,
    }
    for rows in (main.first, main.middle, *final_rows(main)):
        assert sorted(rows) == ["*", "ack", "down", "logp", "since", "up", "upx"]
    check(
        main.first["*"],
        **common,
        change_failure_rate=4 / 17,
        failed_deployment_recovery_hours_p50=None,
        time_to_restore_hours_p50=None,
        time_to_restore_hours_p90=None,
        incidents=4,
        rework_rate=3 / 17,
        bands=bands("high", "elite", "low", None),
    )
    check(
        main.middle["*"],
        **common,
        change_failure_rate=5 / 17,
        failed_deployment_recovery_hours_p50=4.25,
        time_to_restore_hours_p50=2.25,
        time_to_restore_hours_p90=3.55,
        incidents=5,
        rework_rate=2 / 17,
        bands=bands("high", "elite", "low", "high"),
    )
    for rows in final_rows(main):
        check(
            rows["*"],
            **common,
            change_failure_rate=5 / 17,
            failed_deployment_recovery_hours_p50=5.0,
            time_to_restore_hours_p50=2.5,
            time_to_restore_hours_p90=7.0,
            incidents=5,
            rework_rate=1 / 17,
            bands=bands("high", "elite", "low", "high"),
        )


# =================================================================================== configuration changes


def run_configs(
    emulator: PagerDutyEmulator,
    deployments: Deployments,
    steps: Sequence[tuple[Config, datetime, Callable[[PagerDutyDataset], None]]],
    fresh_steps: Sequence[int] | None = None,
    read_steps: Sequence[int] | None = None,
) -> tuple[dict[int, Rows], dict[int, Rows], list[Store]]:
    """For each step (config, now, change made before it): the incremental store collects with that
    config, and at each of ``fresh_steps`` (default: every step after the first) a fresh store collects
    once with it (at the first step the incremental store's collect is that fresh one); each read with
    the step's config, the incremental store at ``read_steps`` only (default: every step). Returns
    (incremental rows by step, fresh rows by step, [incremental store, the fresh stores in step order])."""
    incremental = Store(deployments)
    incremental_rows: dict[int, Rows] = {}
    fresh_rows: dict[int, Rows] = {}
    stores = [incremental]
    wanted = range(1, len(steps)) if fresh_steps is None else fresh_steps
    reads = range(len(steps)) if read_steps is None else read_steps
    for number, (config, now, change) in enumerate(steps):
        change(emulator.dataset)
        incremental.collect(config, now)
        if number in reads:
            incremental_rows[number] = incremental.rows(config)
        if number == 0 and number in reads:
            fresh_rows[0] = incremental_rows[0]
        elif number in wanted:
            fresh = Store(deployments)
            fresh.collect(config, now)
            fresh_rows[number] = fresh.rows(config)
            stores.append(fresh)
    return incremental_rows, fresh_rows, stores


def test_service_dropped_while_its_incident_is_open_then_named_again(
    emulator: PagerDutyEmulator, tmp_path: Path
) -> None:
    """Team sd owns acme/sd: ``pagerduty_services: [PSDA9, PSDB9]`` at T1 (03-09 12:00), ``[PSDA9]`` at T2
    (03-25), ``[PSDA9, PSDB9]`` again at T3 (03-26); each compared with a fresh store collected once with
    that step's configuration. SD1 first 03-01 06:00; SD2 09 09:00; SD3 11:00; SD4 13:00. SDB (PSDB9)
    created 10:00 and SDA (PSDA9) created 10:30, both open at T1; SDB resolved 12:30, SDA 12:45 (after T1).

    T1: both open; SD2 is the latest before each (1 h, 1.5 h) → failed (window), not recovered; SD3 (11:00)
    and SD4 (13:00) while they are open → rework. Deployments 4 (4/30 → medium); lead 1.0; CFR 1/4;
    recovery null; incidents 2; restore null; rework 2/4; bands medium, elite, low, null.
    T2 ([PSDA9]: PSDB9 is not collected, SPEC §4): SDA only (10:30 → 12:45): SD2 failed, recovered 12:45 →
    3.75 h; SD3 rework; SD4 after the resolution → not. CFR 1/4; recovery 3.75; incidents 1; restore 2.25,
    2.25; rework 1/4; bands medium, elite, low, high. (The incremental store still holds SDB as it was at
    T1, open: counted nowhere.)
    T3 (PSDB9 named again): SDB must be what PagerDuty says now, resolved 12:30 (a return to a set used
    before lists from since again): SD2 recovered at the earliest resolution, 12:30 → 3.5 h; SD3 rework
    (both open at 11:00); SD4 not (both resolved by 13:00). CFR 1/4; recovery 3.5; incidents 2; restore
    [2.25, 2.5] → p50 2.375, p90 2.25 + 0.9 × 0.25 = 2.475; rework 1/4; bands medium, elite, low, high.
    (SDB left open would make SD4 rework, 2/4, and recovery 3.75.) ``*`` equals sd at every step.
    """
    # SPEC §4 "PagerDuty services that are neither in the ownership map nor in service_ids are not
    # collected"; §5 "re-syncing updates it in place"; §5.4 "Unresolved incidents are re-read until
    # resolved"; docs/operations.md "A change … of the collected services lists from since again, and so
    # does a return to a set used before".
    deployments: Deployments = {
        "acme/sd": [("sd1", mar(1, 6)), ("sd2", mar(9, 9)), ("sd3", mar(9, 11)), ("sd4", mar(9, 13))]
    }
    both = make_config(emulator, tmp_path, deployments, {"sd": (["acme/sd"], ["PSDA9", "PSDB9"])})
    one = make_config(emulator, tmp_path, deployments, {"sd": (["acme/sd"], ["PSDA9"])})

    def open_both(ds: PagerDutyDataset) -> None:
        ds.add_incident("SDB9", "PSDB9", "Batch stuck", mar(9, 10), status="triggered")
        ds.add_incident("SDA9", "PSDA9", "API errors", mar(9, 10.5), status="triggered")

    def resolve_both(ds: PagerDutyDataset) -> None:
        ds.resolve("SDB9", mar(9, 12.5))
        ds.resolve("SDA9", mar(9, 12.75))

    incremental, fresh, stores = run_configs(
        emulator,
        deployments,
        [(both, T1, open_both), (one, LATE, resolve_both), (both, LATE + timedelta(days=1), lambda _: None)],
    )
    common: dict[str, Any] = {"deployments": 4, "lead_time_hours_p50": 1.0, "change_failure_rate": 1 / 4}
    for team in ("sd", "*"):
        for rows in (incremental[0], fresh[0]):
            check(
                rows[team],
                **common,
                failed_deployment_recovery_hours_p50=None,
                time_to_restore_hours_p50=None,
                incidents=2,
                rework_rate=2 / 4,
                bands=bands("medium", "elite", "low", None),
            )
        for rows in (incremental[1], fresh[1]):
            check(
                rows[team],
                **common,
                failed_deployment_recovery_hours_p50=3.75,
                time_to_restore_hours_p50=2.25,
                time_to_restore_hours_p90=2.25,
                incidents=1,
                rework_rate=1 / 4,
                bands=bands("medium", "elite", "low", "high"),
            )
        for rows in (incremental[2], fresh[2]):
            check(
                rows[team],
                **common,
                failed_deployment_recovery_hours_p50=3.5,
                time_to_restore_hours_p50=2.375,
                time_to_restore_hours_p90=2.475,
                incidents=2,
                rework_rate=1 / 4,
                bands=bands("medium", "elite", "low", "high"),
            )
    for rows in [*incremental.values(), *fresh.values()]:
        assert sorted(rows) == ["*", "sd"]
    assert stores[0].incidents() == stores[2].incidents()  # after T3: the same rows as a fresh sync


def test_service_handed_from_a_team_to_service_ids_while_its_incident_is_open(
    emulator: PagerDutyEmulator, tmp_path: Path
) -> None:
    """Team ow owns acme/ow and, at T1 (03-09 12:00), ``pagerduty_services: [PSO9]``; at T2 (03-25) team ow
    names no service and ``pagerduty.service_ids: [PSO9]`` (the same collected set: the listing resumes and
    the open incident is read again by id). OW1 first 03-01 06:00; OW2 09 09:00; OW3 11:00. SO (PSO9)
    created 10:00, open at T1, resolved 13:00.

    T1: SO 1 h after OW2 → OW2 failed (window), not recovered; OW3 while open → rework. ow: deployments 3
    (0.1/day), lead 1.0, CFR 1/3, recovery null, incidents 1, restore null, rework 1/3; bands medium,
    elite, low, null.
    T2 (incremental and fresh): PSO9 is owned by nobody → team ``unowned`` (SPEC §4); an unowned service
    fails no deployment by the window and makes none rework (docs/metrics.md). ow: deployments 3, CFR 0,
    recovery null, incidents 0, restore null, rework 0; bands medium, elite, elite, null. unowned:
    deployments 0 (frequency 0 → low), lead null, CFR null, recovery null, incidents 1, restore 3.0, 3.0,
    rework null; bands low, null, null, high (fallback: restore 3 h). ``*``: deployments 3, CFR 0,
    incidents 1, restore 3.0, 3.0, rework 0; bands medium, elite, elite, high.
    """
    # SPEC §4 "A repo or a service_ids service owned by nobody belongs to team unowned"; §6 "The
    # organisation row covers everything collected, team unowned included"; §5.4 re-read until resolved.
    deployments: Deployments = {"acme/ow": [("ow1", mar(1, 6)), ("ow2", mar(9, 9)), ("ow3", mar(9, 11))]}
    owned = make_config(emulator, tmp_path, deployments, {"ow": (["acme/ow"], ["PSO9"])})
    handed = make_config(emulator, tmp_path, deployments, {"ow": (["acme/ow"], [])}, service_ids=["PSO9"])

    def open_it(ds: PagerDutyDataset) -> None:
        ds.add_incident("SO9", "PSO9", "Search down", mar(9, 10), status="triggered")

    def resolve_it(ds: PagerDutyDataset) -> None:
        ds.resolve("SO9", mar(9, 13))

    reads_before = len(emulator.requests_to(r"^/incidents/SO9$"))
    incremental, fresh, stores = run_configs(
        emulator, deployments, [(owned, T1, open_it), (handed, LATE, resolve_it)]
    )
    # The incremental T2 sync read SO9 again by id (its listing resumed past it); the fresh one listed it.
    assert len(emulator.requests_to(r"^/incidents/SO9$")) - reads_before == 1
    for rows in (incremental[0], fresh[0]):
        check(
            rows["ow"],
            deployments=3,
            lead_time_hours_p50=1.0,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=None,
            time_to_restore_hours_p50=None,
            incidents=1,
            rework_rate=1 / 3,
            bands=bands("medium", "elite", "low", None),
        )
    for rows in (incremental[1], fresh[1]):
        assert sorted(rows) == ["*", "ow", "unowned"]
        check(
            rows["ow"],
            deployments=3,
            lead_time_hours_p50=1.0,
            change_failure_rate=0.0,
            failed_deployment_recovery_hours_p50=None,
            time_to_restore_hours_p50=None,
            incidents=0,
            rework_rate=0.0,
            bands=bands("medium", "elite", "elite", None),
        )
        check(
            rows["unowned"],
            deployments=0,
            deployment_frequency_per_day=0.0,
            lead_time_hours_p50=None,
            change_failure_rate=None,
            failed_deployment_recovery_hours_p50=None,
            time_to_restore_hours_p50=3.0,
            time_to_restore_hours_p90=3.0,
            incidents=1,
            rework_rate=None,
            bands=bands("low", None, None, "high"),
        )
        check(
            rows["*"],
            deployments=3,
            lead_time_hours_p50=1.0,
            change_failure_rate=0.0,
            failed_deployment_recovery_hours_p50=None,
            time_to_restore_hours_p50=3.0,
            time_to_restore_hours_p90=3.0,
            incidents=1,
            rework_rate=0.0,
            bands=bands("medium", "elite", "elite", "high"),
        )
    assert stores[0].incidents() == stores[1].incidents()


def test_pagerduty_since_moved_earlier_reaches_an_open_incident_only_in_a_first_sync_or_a_backfill(
    emulator: PagerDutyEmulator, tmp_path: Path
) -> None:
    """Team sm owns acme/sm and PSM9. ``pagerduty.since`` 2026-03-01 at T1 (03-09 12:00), moved to
    2026-02-20 at T2 (03-25); then ``collect --since 2026-02-20`` (a backfill) at 03-26. SM1 first 02-25
    06:00; SM2 02-26 09:00; SM3 03-05 10:00. SMX created 02-26 10:00 (before the first since), open at T1,
    resolved 03-09 13:00.

    SPEC §3 says ``since`` is "how far back the first sync reaches": the incremental store, whose listing
    cursor is past T1, does not reach back when the setting moves (the cursor is kept per service set and
    urgencies, not per since); a fresh store at T2 and the backfill (§2 "--since backfills from that date")
    do.
    Without SMX (the incremental store at T2): sm deployments 3 (0.1/day → medium), lead 1.0, CFR 0,
    recovery null, incidents 0, restore null, rework 0; bands medium, elite, elite, null.
    With SMX (fresh at T2; the incremental store after the backfill): SMX 1 h after SM2 → SM2 failed
    (window), recovered 03-09 13:00 → 11 d 4 h = 268 h; SM3 (03-05) while SMX is open → rework. CFR 1/3;
    recovery 268.0; incidents 1 (started 02-26, in the window); restore 03-09 13:00 − 02-26 10:00 = 267 h
    → 267.0, 267.0; rework 1/3; bands medium, elite, low, low (268 h ≥ 1 week).
    """
    # SPEC §3 ``since`` "how far back the first sync reaches"; §2 "--since backfills from that date";
    # docs/configuration.md ``pagerduty.since`` "how far back the first sync reaches: incidents created at
    # or after it". Not in docs/operations.md's list of incremental-vs-fresh differences (reported).
    deployments: Deployments = {"acme/sm": [("sm1", feb(25, 6)), ("sm2", feb(26, 9)), ("sm3", mar(5, 10))]}
    teams: Teams = {"sm": (["acme/sm"], ["PSM9"])}
    march = make_config(emulator, tmp_path, deployments, teams)
    february = make_config(emulator, tmp_path, deployments, teams, pagerduty_since="2026-02-20")

    def open_it(ds: PagerDutyDataset) -> None:
        ds.add_incident("SMX9", "PSM9", "Cart slow", feb(26, 10), status="triggered")

    def resolve_it(ds: PagerDutyDataset) -> None:
        ds.resolve("SMX9", mar(9, 13))

    incremental, fresh, stores = run_configs(
        emulator, deployments, [(march, T1, open_it), (february, LATE, resolve_it)], read_steps=[1]
    )
    stores[0].collect(february, LATE + timedelta(days=1), backfill_since=feb(20))
    backfilled = stores[0].rows(february)
    without: dict[str, Any] = {
        "deployments": 3,
        "lead_time_hours_p50": 1.0,
        "change_failure_rate": 0.0,
        "failed_deployment_recovery_hours_p50": None,
        "time_to_restore_hours_p50": None,
        "incidents": 0,
        "rework_rate": 0.0,
        "bands": bands("medium", "elite", "elite", None),
    }
    check(incremental[1]["sm"], **without)
    for rows in (fresh[1], backfilled):
        check(
            rows["sm"],
            deployments=3,
            lead_time_hours_p50=1.0,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=268.0,
            time_to_restore_hours_p50=267.0,
            time_to_restore_hours_p90=267.0,
            incidents=1,
            rework_rate=1 / 3,
            bands=bands("medium", "elite", "low", "low"),
        )
    assert stores[0].incidents() == stores[1].incidents()


def move(dataset: PagerDutyDataset, incident_id: str, service_id: str, when: datetime) -> None:
    """The open incident is reassigned to another service (as round 5 and round 6 model it)."""
    service = dataset.services.get(service_id) or dataset.add_service(service_id, service_id)
    reference = {
        "id": service_id,
        "type": "service_reference",
        "summary": service["name"],
        "self": service["self"],
        "html_url": service["html_url"],
    }
    update(dataset, incident_id, when, service=reference)


IN_DEPLOYMENTS: Deployments = {"acme/in": [("in1", mar(1, 6)), ("in2", mar(9, 9)), ("in3", mar(9, 11))]}


def check_moved_in(rows: Rows) -> None:
    for team in ("in", "*"):
        check(
            rows[team],
            deployments=3,
            lead_time_hours_p50=1.0,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=6.0,
            time_to_restore_hours_p50=5.0,
            time_to_restore_hours_p90=5.0,
            incidents=1,
            rework_rate=1 / 3,
            bands=bands("medium", "elite", "low", "high"),
        )


@pytest.mark.xfail(
    strict=True,
    reason="KNOWN LIMIT (docs/operations.md): an open incident reassigned into a collected service after "
    "the listing cursor passed its created_at is never listed nor read again; a fresh sync has it",
)
def test_open_incident_reassigned_into_a_collected_service_after_the_cursor_passed_it(
    emulator: PagerDutyEmulator, tmp_path: Path
) -> None:
    """Team in owns acme/in and PIN9; PFAR9 is collected by nobody. IN1 first 03-01 06:00; IN2 09 09:00;
    IN3 11:00. IN9 created 10:00 on PFAR9, open at T1 (03-09 12:00): not listed (the listing asks for
    PIN9). Then reassigned to PIN9 (13:00) and resolved 15:00. The same configuration at T2 (03-25).

    T2, as a fresh sync stores PagerDuty now (IN9 on PIN9, 10:00 → 15:00): IN9 1 h after IN2, the latest
    before it → IN2 failed (window), recovered 15:00 → 6 h; IN3 (11:00) while IN9 is open → rework.
    Deployments 3; lead 1.0; CFR 1/3; recovery 6.0; incidents 1; restore 5.0, 5.0; rework 1/3; bands
    medium, elite, low, high. ``*`` the same.
    Actual (incremental store at T2): IN9 is missing (created before the cursor, so not listed again; not
    stored nor pending, so not read by id): CFR 0, recovery null, incidents 0, restore null, rework 0.
    """
    # SPEC §5.4 "PagerDuty incidents of the owned services"; §5 "re-syncing updates it in place"; §9.
    teams: Teams = {"in": (["acme/in"], ["PIN9"])}
    config = make_config(emulator, tmp_path, IN_DEPLOYMENTS, teams)

    def open_it(ds: PagerDutyDataset) -> None:
        ds.add_service("PFAR9", "Far away")
        ds.add_incident("IN9", "PFAR9", "Search errors", mar(9, 10), status="triggered")

    def move_and_resolve(ds: PagerDutyDataset) -> None:
        move(ds, "IN9", "PIN9", mar(9, 13))
        ds.resolve("IN9", mar(9, 15))

    incremental, fresh, stores = run_configs(
        emulator, IN_DEPLOYMENTS, [(config, T1, open_it), (config, LATE, move_and_resolve)], read_steps=[1]
    )
    check_moved_in(fresh[1])
    assert [row[1] for row in stores[1].incidents()] == ["IN9"]
    check_moved_in(incremental[1])


@pytest.mark.xfail(
    strict=True,
    reason="KNOWN LIMIT (docs/operations.md): an incident stored open under a service no longer collected, "
    "moved into a collected one whose cursor resumed past it, is never read again",
)
def test_team_service_swapped_and_swapped_back_while_its_incident_moves_between_them(
    emulator: PagerDutyEmulator, tmp_path: Path
) -> None:
    """Team in owns acme/in and ``pagerduty_services: [PB9]`` at T1 (03-09 12:00), ``[PA9]`` at TM (03-09
    18:00: the team moved its alerts to a new service), ``[PB9]`` again at T3 (03-25: moved back); T3
    compared with a fresh store collected once with ``[PB9]``. IN1 first 03-01 06:00; IN2
    09 09:00; IN3 11:00. IN9X created 10:00 on PA9, open; after TM reassigned to PB9 (19:00) and resolved
    20:00.

    T1 ([PB9]): IN9X is not listed.
    TM ([PA9], a new set: listed from since): IN9X stored open on PA9: IN2 failed (window, 1 h), not
    recovered; IN3 rework: CFR 1/3, recovery null, incidents 1, restore null, rework 1/3.
    T3 ([PB9]), as a fresh sync of that configuration stores PagerDuty now (IN9X on PB9, 10:00 → 20:00):
    IN2 failed, recovered 20:00 → 11 h; IN3 rework. Deployments 3; lead 1.0; CFR 1/3; recovery 11.0;
    incidents 1; restore 10.0, 10.0; rework 1/3; bands medium, elite, low, high.
    Actual (incremental store at T3): the ``[PB9]`` listing resumes from its T1 cursor (the ``[PA9]`` set
    between synced no PB9, so that place was not forgotten) and IN9X, created before it, is not listed;
    its stored row (open, on PA9) is not read again, PA9 being no longer collected: CFR 0, recovery null,
    incidents 0, restore null, rework 0.
    """
    # SPEC §5.4 "Unresolved incidents are re-read until resolved"; §5; §9; docs/operations.md "a return to
    # a set used before (its place is forgotten once another set has synced those services)".
    x = make_config(emulator, tmp_path, IN_DEPLOYMENTS, {"in": (["acme/in"], ["PB9"])})
    y = make_config(emulator, tmp_path, IN_DEPLOYMENTS, {"in": (["acme/in"], ["PA9"])})

    def open_it(ds: PagerDutyDataset) -> None:
        ds.add_service("PB9", "Old alerts")
        ds.add_incident("IN9X", "PA9", "Search errors", mar(9, 10), status="triggered")

    def move_and_resolve(ds: PagerDutyDataset) -> None:
        move(ds, "IN9X", "PB9", mar(9, 19))
        ds.resolve("IN9X", mar(9, 20))

    incremental, fresh, _ = run_configs(
        emulator,
        IN_DEPLOYMENTS,
        [(x, T1, open_it), (y, TM, lambda _: None), (x, LATE, move_and_resolve)],
        fresh_steps=[2],
        read_steps=[1, 2],
    )
    for rows in (incremental[1],):
        check(
            rows["in"],
            deployments=3,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=None,
            time_to_restore_hours_p50=None,
            incidents=1,
            rework_rate=1 / 3,
        )
    for rows in (fresh[2], incremental[2]):
        check(
            rows["in"],
            deployments=3,
            lead_time_hours_p50=1.0,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=11.0,
            time_to_restore_hours_p50=10.0,
            time_to_restore_hours_p90=10.0,
            incidents=1,
            rework_rate=1 / 3,
            bands=bands("medium", "elite", "low", "high"),
        )
