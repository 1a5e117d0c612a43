"""Audit, round 9: facts that change after they were first collected, each meeting a metric rule.

SPEC §5: "Every fact is stored once under its natural key ... and re-syncing updates it in place"; each
cursor "moves only after the data behind it is committed"; §9: "A sync interrupted at any point,
resumed, yields exactly the data of an uninterrupted sync". §5.1 (first ``success`` status, re-run runs
at ``updated_at``, published non-prerelease releases), §5.3 (PR labels), §5.4 (issues labelled later,
PagerDuty incidents "re-read until resolved"). docs/operations.md ("What an incremental sync reads
again") says a deployment left ``pending`` is asked again for 30 days, a run whose end or conclusion
changed is read again, every releases page is read, labelled PRs and incident issues are listed by
``updated_at``, open PagerDuty incidents are read by id until resolved.

One emulated organisation (GitHub, plus a PagerDuty service), one repository and team per scenario
(config ``teams:``). Config: ``github.since: 2026-03-01`` (also PagerDuty's), ``urgencies: [high]``,
attribution window 24 h, ``rework.labels`` the default, window 30d only. Collect's "now" is fixed:

* ``incremental`` stores (REST and GraphQL): collected at T1 = 03-06 00:00 (the REST one then read,
  ``metrics --as-of 2026-03-20T00:00:00Z``, which also warms its derived tables), then the world
  changes (only facts stamped after T1 and before T2), then collected again at T2 = 03-08 00:00;
* a ``fresh`` store (REST): collected once at T2 (the yardstick of SPEC §9; GraphQL's own fresh sync is
  left out for time, its incremental store already reads GitHub through the other API).

Every store is read with ``--as-of 2026-03-20T00:00:00Z``: window 30d = (02-18 00:00, 03-20 00:00]; the
bands come from it (the only window). Each test's docstring works out its row from SPEC's words; the
three stores at T2 must all give it, and the REST incremental store's T1 read is checked where the change
moves a metric. Times are March 2026 UTC, ``at(day, hour)``. Percentiles are ``percentile_cont``: p at
position p × (n − 1) of the sorted values. dora-2023 bands: frequency ≥ 1/day elite, ≥ 1/7 high, ≥ 1/30
medium; lead p50 < 24 h elite; CFR ≤ 5 % elite, ≤ 10 % high, ≤ 15 % medium, else low; recovery < 1 h
elite, < 24 h high, < 168 h medium.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData, iso, label_json
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator
from tests.github_org import write_github_config
from tests.github_scenarios import AS_OF, at, breakdown, check, check_row, run_cli

GH_TOKEN_VARIABLE = "AUDIT_R9_LATE_GITHUB_TOKEN"
PD_TOKEN_VARIABLE = "AUDIT_R9_LATE_PAGERDUTY_TOKEN"
GH_TOKEN = "audit-r9-late-gh-token"
PD_TOKEN = "audit-r9-late-pd-token"
T1 = at(6)
T2 = at(8)
STORES = ("rest-incremental", "graphql-incremental", "rest-fresh")
TEAMS = (
    "latepend",
    "laterun",
    "laterel",
    "latelabel",
    "lateissue",
    "pdlate",
    "demoted",
    "reopened",
    "lateroot",
)
NO_STAGES = breakdown()

Rows = dict[str, dict[str, Any]]


def bands(
    frequency: str | None, lead: str | None, cfr: str | None, recovery: str | None
) -> dict[str, str | None]:
    return {
        "deployment_frequency": frequency,
        "lead_time": lead,
        "change_failure_rate": cfr,
        "recovery": recovery,
    }


@dataclass
class World:
    github: GitHubDataset = field(default_factory=GitHubDataset)
    pagerduty: PagerDutyDataset = field(default_factory=PagerDutyDataset)
    # repo → (team, deployments config or None, PagerDuty services)
    repos: dict[str, tuple[str, str | None, list[str]]] = field(default_factory=dict)
    # what happens between T1 and T2
    between: list[Callable[[], None]] = field(default_factory=list)

    def repo(self, name: str, source: str | None = None, services: tuple[str, ...] = ()) -> RepoData:
        self.repos[name] = (name.split("/")[1], source, list(services))
        return self.github.add_repo(name)


def commit(repo: RepoData, name: str, authored: datetime) -> str:
    return repo.commit(name, author_date=authored)


# ------------------------------------------------------------------------------------------ scenarios


def build_pending(world: World) -> None:
    """acme/latepend: a deployment pending over three days at T1, failed then succeeded after T1."""
    repo = world.repo("acme/latepend")
    c0 = commit(repo, "c0", at(1))
    repo.deployment(c0, created_at=at(1, 6))  # D1
    c1 = commit(repo, "c1", at(2, 8))
    dp = repo.deployment(c1, created_at=at(2, 10), statuses=[("pending", at(2, 10))])  # Dp
    c2 = commit(repo, "c2", at(3, 8))
    repo.deployment(c2, created_at=at(3, 10))  # D3

    def change() -> None:
        c3 = commit(repo, "c3", at(6, 7))
        repo.deployment(c3, created_at=at(6, 8))  # D4
        repo.add_status(dp, "failure", at(6, 9))
        repo.add_status(dp, "success", at(6, 10))
        c4 = commit(repo, "c4", at(6, 11))
        repo.deployment(c4, created_at=at(6, 12))  # D5

    world.between.append(change)


def build_rerun(world: World) -> None:
    """acme/laterun, workflow_runs: a failed run re-run to success after T1, during an open incident."""
    repo = world.repo("acme/laterun", "{source: workflow_runs, workflow: deploy.yml}")
    c0 = commit(repo, "c0", at(1))
    repo.workflow_run(c0, created_at=at(1, 6), updated_at=at(1, 6.5))  # R1
    c1 = commit(repo, "c1", at(4, 18))
    repo.workflow_run(c1, created_at=at(4, 19.5), updated_at=at(4, 20))  # R2
    c2 = commit(repo, "c2", at(5, 8))
    r3 = repo.workflow_run(c2, conclusion="failure", created_at=at(5, 9), updated_at=at(5, 9 + 1 / 3))
    repo.issue(number=3, title="Checkout errors", created_at=at(5, 11), labels=["incident"])

    def change() -> None:
        run = next(r for r in repo.workflow_runs if r["id"] == r3)
        run.update(
            run_attempt=2,
            conclusion="success",
            run_started_at=iso(at(6, 8.5)),
            updated_at=iso(at(6, 9)),
        )
        issue = next(i for i in repo.issues if i["number"] == 3)
        issue.update(
            state="closed", closed_at=iso(at(6, 11)), updated_at=iso(at(6, 11)), state_reason="completed"
        )

    world.between.append(change)


def build_prerelease(world: World) -> None:
    """acme/laterel, releases: a prerelease at T1, promoted to a release after T1."""
    repo = world.repo("acme/laterel", "{source: releases}")
    c0 = commit(repo, "c0", at(1))
    c1 = commit(repo, "c1", at(2, 7))
    c2 = commit(repo, "c2", at(3, 9))
    c3 = commit(repo, "c3", at(4, 6))
    repo.tags.update({"v1.0.0": c0, "v1.1.0": c1, "v1.2.0": c2, "v1.3.0": c3})
    repo.release("v1.0.0", created_at=at(1), published_at=at(1, 6))
    repo.release("v1.1.0", created_at=at(2, 7), published_at=at(2, 10))
    pre = repo.release("v1.2.0", created_at=at(3, 9), published_at=at(3, 10), prerelease=True)
    repo.release("v1.3.0", created_at=at(4, 6), published_at=at(4, 10))
    repo.issue(
        number=5,
        title="Orders lost",
        body=f"root cause: {c2[:12]}",
        created_at=at(4, 12),
        closed_at=at(4, 15),
        labels=["incident"],
    )

    def change() -> None:
        # "Set as the latest release" on the prerelease: GitHub keeps its published_at.
        next(r for r in repo.releases if r["id"] == pre).update(prerelease=False)

    world.between.append(change)


def build_label(world: World) -> None:
    """acme/latelabel: ``hotfix`` added after T1 to a PR merged, deployed, rolled back and redeployed."""
    repo = world.repo("acme/latelabel")
    c0 = commit(repo, "c0", at(1))
    repo.deployment(c0, created_at=at(1, 6))  # D1
    p1 = repo.commit("p1", parents=[c0], author_date=at(2, 8), author_login="alice", branch="pr-1")
    s1 = repo.squash_merge([p1], c0, "Fix totals (#1)", at(2, 11))
    repo.pull(
        number=1,
        title="Fix totals",
        author="alice",
        created_at=at(2, 9),
        commits=[p1],
        merged_at=at(2, 11),
        merge_commit_sha=s1,
        reviews=[("bob", "APPROVED", at(2, 10.5))],
    )
    repo.deployment(s1, created_at=at(2, 12))  # D2
    repo.deployment(c0, created_at=at(2, 14))  # D3, a rollback
    repo.deployment(s1, created_at=at(2, 16))  # D4, s1 again

    def change() -> None:
        pull = next(p for p in repo.pulls if p["number"] == 1)
        pull["labels"] = [label_json(repo.full_name, "hotfix")]
        pull["updated_at"] = iso(at(7, 9))

    world.between.append(change)


def build_issue_label(world: World) -> None:
    """acme/lateissue: a closed ``bug`` naming a deployed sha, labelled ``incident`` after T1."""
    repo = world.repo("acme/lateissue")
    c0 = commit(repo, "c0", at(1))
    repo.deployment(c0, created_at=at(1, 6))  # D1
    c1 = commit(repo, "c1", at(3, 8))
    repo.deployment(c1, created_at=at(3, 10))  # D2
    c2 = commit(repo, "c2", at(3, 11))
    repo.deployment(c2, created_at=at(3, 12))  # D3
    c3 = commit(repo, "c3", at(3, 13.5))
    repo.deployment(c3, created_at=at(3, 14))  # D4
    repo.issue(
        number=4,
        title="Checkout 500s",
        body=f"Bad rounding, root cause: {c1[:10]}",
        created_at=at(3, 13),
        closed_at=at(3, 16),
        labels=["bug"],
    )

    def change() -> None:
        repo.relabel_issue(4, ["bug", "incident"], at(7, 9))

    world.between.append(change)


def build_pagerduty(world: World) -> None:
    """acme/pdlate with PagerDuty service PLATE: an incident open at T1, resolved after T1."""
    repo = world.repo("acme/pdlate", services=("PLATE",))
    c0 = commit(repo, "c0", at(1))
    repo.deployment(c0, created_at=at(1, 6))  # D1
    f1 = commit(repo, "f1", at(5, 18))
    repo.deployment(f1, created_at=at(5, 20))  # D2
    world.pagerduty.add_incident("PLATE-1", "PLATE", "Payments slow", at(5, 21), status="triggered")
    f2 = commit(repo, "f2", at(5, 21))
    repo.deployment(f2, created_at=at(5, 22))  # D3

    def change() -> None:
        world.pagerduty.resolve("PLATE-1", at(6, 1))
        f3 = commit(repo, "f3", at(5, 20))
        repo.deployment(f3, created_at=at(6, 2))  # D4
        repo.deployment(f2, created_at=at(6, 4))  # D5, f2 again

    world.between.append(change)


def build_demoted(world: World) -> None:
    """acme/demoted, releases: a published release marked as a prerelease after T1."""
    repo = world.repo("acme/demoted", "{source: releases}")
    c0 = commit(repo, "c0", at(1))
    c1 = commit(repo, "c1", at(4))
    c2 = commit(repo, "c2", at(4, 8))
    repo.tags.update({"v1.0.0": c0, "v1.1.0": c1, "v1.2.0": c2})
    repo.release("v1.0.0", created_at=at(1), published_at=at(1, 6))
    repo.release("v1.1.0", created_at=at(4), published_at=at(4, 2))
    bad = repo.release("v1.2.0", created_at=at(4, 8), published_at=at(4, 10))
    repo.issue(
        number=4, title="Invoices blank", created_at=at(4, 12), closed_at=at(4, 14), labels=["incident"]
    )

    def change() -> None:
        next(r for r in repo.releases if r["id"] == bad).update(prerelease=True)
        c3 = commit(repo, "c3", at(6, 8))
        repo.tags["v1.3.0"] = c3
        repo.release("v1.3.0", created_at=at(6, 8), published_at=at(6, 10))

    world.between.append(change)


def build_reopened(world: World) -> None:
    """acme/reopened: an incident issue closed at T1, reopened after T1 and still open at T2."""
    repo = world.repo("acme/reopened")
    c0 = commit(repo, "c0", at(1))
    repo.deployment(c0, created_at=at(1, 6))  # D1
    c1 = commit(repo, "c1", at(3, 8))
    repo.deployment(c1, created_at=at(3, 10))  # D2
    repo.issue(number=2, title="Login loop", created_at=at(3, 11), closed_at=at(3, 12), labels=["incident"])
    c2 = commit(repo, "c2", at(3, 13))
    repo.deployment(c2, created_at=at(3, 14))  # D3

    def change() -> None:
        issue = next(i for i in repo.issues if i["number"] == 2)
        issue.update(state="open", closed_at=None, updated_at=iso(at(6, 9)), state_reason="reopened")

    world.between.append(change)


def build_root_cause(world: World) -> None:
    """acme/lateroot: a closed incident issue whose body names a root-cause sha only after T1."""
    repo = world.repo("acme/lateroot")
    c0 = commit(repo, "c0", at(1))
    repo.deployment(c0, created_at=at(1, 6))  # D1
    c1 = commit(repo, "c1", at(4, 8))
    repo.deployment(c1, created_at=at(4, 10))  # D2
    c2 = commit(repo, "c2", at(4, 11))
    repo.deployment(c2, created_at=at(4, 12))  # D3
    repo.issue(number=3, title="Search down", created_at=at(4, 13), closed_at=at(4, 17), labels=["incident"])
    c3 = commit(repo, "c3", at(4, 14))
    repo.deployment(c3, created_at=at(4, 15))  # D4

    def change() -> None:
        issue = next(i for i in repo.issues if i["number"] == 3)
        issue.update(body=f"Postmortem. root cause: {c1[:8]}", updated_at=iso(at(6, 10)))

    world.between.append(change)


BUILDERS = (
    build_pending,
    build_rerun,
    build_prerelease,
    build_label,
    build_issue_label,
    build_pagerduty,
    build_demoted,
    build_reopened,
    build_root_cause,
)


# ------------------------------------------------------------------------------------------ the run


def write_config(directory: Path, world: World, github_url: str, pd: PagerDutyEmulator, api: str) -> Path:
    repo_lines = "".join(
        f"  - {name}\n" if source is None else f"  - {{name: {name}, deployments: {source}}}\n"
        for name, (_, source, _) in world.repos.items()
    )
    team_lines = "".join(
        f"  - {{name: {team}, repositories: [{name}], pagerduty_services: [{', '.join(services)}]}}\n"
        for name, (team, _, services) in world.repos.items()
    )
    rest = (
        f"pagerduty:\n  base_url: {pd.base_url}\n  token: ${{{PD_TOKEN_VARIABLE}}}\n"
        f"  ca_bundle: {pd.ca_file}\n  urgencies: [high]\n"
        "catalog: {discover: false}\n"
        "incidents: {attribution_window: 24h}\n"
        "metrics: {windows: [30d]}\n"
        f"teams:\n{team_lines}"
    )
    github = f"since: 2026-03-01\napi: {api}\nrepositories:\n{repo_lines}"
    return write_github_config(directory, github_url, GH_TOKEN_VARIABLE, github, rest)


def read(config: Path, now: datetime) -> list[dict[str, Any]]:
    out = run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF], now=now)
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


@dataclass
class Result:
    first: Rows  # team → 30d row of the REST incremental store, read after T1
    second: dict[str, list[dict[str, Any]]]  # store → every row, after T2

    def row(self, store: str, team: str) -> dict[str, Any]:
        return next(r for r in self.second[store] if r["team"] == team and r["window"] == "30d")


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Result]:
    world = World()
    for build in BUILDERS:
        build(world)
    with (
        pytest.MonkeyPatch.context() as patch,
        GitHubEmulator(world.github, token=GH_TOKEN, rate_limit=100_000, graphql_limit=100_000) as gh,
        PagerDutyEmulator(world.pagerduty, token=PD_TOKEN) as pd,
    ):
        patch.setenv(GH_TOKEN_VARIABLE, GH_TOKEN)
        patch.setenv(PD_TOKEN_VARIABLE, PD_TOKEN)
        configs = {
            store: write_config(tmp_path_factory.mktemp(store), world, gh.base_url, pd, store.split("-")[0])
            for store in STORES
        }
        for store in ("rest-incremental", "graphql-incremental"):
            run_cli(["collect", "--config", str(configs[store])], now=T1)
        # Read after T1 (the REST store only, for time): warms the derived tables, and shows what each
        # change will move.
        first = {row["team"]: row for row in read(configs["rest-incremental"], T1)}
        for change in world.between:
            change()
        second: dict[str, list[dict[str, Any]]] = {}
        for store, config in configs.items():
            run_cli(["collect", "--config", str(config)], now=T2)
            second[store] = read(config, T2)
    yield Result(first, second)


# ------------------------------------------------------------------------------------------ the tests


def test_every_store_reads_the_same_after_the_second_sync(result: Result) -> None:
    """SPEC §5/§9: the incremental stores (synced at T1 and T2) read exactly as the fresh one (synced
    once at T2), in both ``github.api`` modes, every team's row and the organisation's."""
    for store in STORES:
        rows = result.second[store]
        assert [row["team"] for row in rows] == ["*", *sorted(TEAMS)], store
        assert rows == result.second["rest-fresh"], store


@pytest.mark.parametrize("store", STORES)
def test_pending_deployment_failed_then_succeeded_after_t1_is_a_rollback_of_a_later_one(
    result: Result, store: str
) -> None:
    """acme/latepend (deployments). D1 c0 03-01 06:00 (first). Dp c1 (authored 02 08:00) created 02
    10:00 with one ``pending`` status. D3 c2 (03 08:00) at 03 10:00. At T1 (03-06 00:00) Dp is 3.6 days
    old, still pending (asked again for 30 days, docs/operations.md), the cursor past its created_at.
    After T1: D4 c3 (06 07:00) at 06 08:00; Dp gets ``failure`` at 06 09:00 and ``success`` at 06
    10:00; D5 c4 (06 11:00) at 06 12:00.

    §5.1: Dp's deployed_at is its first ``success``, 06 10:00 (the failure before it does not count).
    Order by deployed_at (§5.2): D1, D3, D4, Dp, D5.
    * D3: compare(c0...c2) = c1, c2: leads 03 10:00 − 02 08:00 = 26 h, 2 h.
    * D4: compare(c2...c3) = c3: 1 h.
    * Dp: c1 is an ancestor of c3, ``behind``: a rollback whose previous deployment is D4 → D4 failed
      (rule 2), recovered at Dp, 10:00 − 08:00 = 2 h; Dp rework; no changes.
    * D5: compare(c1...c4) = c2, c3, c4; c2 (D3) and c3 (D4) were shipped before → c4 only: 1 h.
    Deployments 5; leads [1, 1, 2, 26] → p50 1.5, p90 at 2.7: 2 + 0.7 × 24 = 18.8; CFR 1/5; recovery 2;
    rework 1/5; no incident, no PR. Bands: 5/30 ≥ 1/7 high; 1.5 h elite; 20 % low; 2 h high.
    """
    check_row(
        result.row(store, "latepend"),
        team="latepend",
        deployments=5,
        lead=(1.5, 18.8),
        cfr=1 / 5,
        recovery=2.0,
        rework=1 / 5,
        stages=NO_STAGES,
        row_bands=bands("high", "elite", "low", "high"),
    )


def test_pending_deployment_at_t1_is_no_deployment_yet(result: Result) -> None:
    """acme/latepend as collected at T1: Dp has no success, a failed attempt so far (§5.1), and D4, D5
    do not exist. Deployments D1, D3 = 2; D3's leads 26 h and 2 h → p50 14, p90 2 + 0.9 × 24 = 23.6; no
    rollback: CFR 0, rework 0, recovery null."""
    check(
        result.first["latepend"],
        deployments=2,
        lead_time_hours_p50=14.0,
        lead_time_hours_p90=23.6,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.0,
    )


@pytest.mark.parametrize("store", STORES)
def test_failed_run_re_run_to_success_during_an_incident_closed_after_t1(result: Result, store: str) -> None:
    """acme/laterun (workflow_runs, deploy.yml). R1 c0 ends 03-01 06:30 (first). R2 c1 (authored 04
    18:00) ends 04 20:00. R3 c2 (05 08:00) created 05 09:00, ``failure`` at 09:20. Incident issue #3
    opened 05 11:00, open at T1. After T1: R3 is re-run (run_attempt 2) and ends in ``success`` at 06
    09:00 (its updated_at); #3 is closed at 06 11:00.

    §5.1: R3 is a deployment at its updated_at, 06 09:00; deployed_at order R1, R2, R3.
    * R2: compare(c0...c1) = c1: 20:00 − 18:00 = 2 h. R3: compare(c1...c2) = c2: 06 09:00 − 05 08:00 =
      25 h.
    * #3 (no sha in it) started 05 11:00, 15 h after R2 and R2 the latest deployment before it: R2
      failed (rule 4); recovered at #3's close, 06 11:00 − 04 20:00 = 39 h. R3 is not before #3.
    * R3 was deployed (06 09:00) while #3 was open (05 11:00 – 06 11:00): rework.
    * #3: incidents 1, time to restore 24 h.
    Deployments 3; leads [2, 25] → p50 13.5, p90 2 + 0.9 × 23 = 22.7; CFR 1/3; recovery 39; restore 24,
    24; rework 1/3. Bands: 3/30 = 0.1 medium; 13.5 h elite; 33 % low; 39 h medium.
    """
    check_row(
        result.row(store, "laterun"),
        team="laterun",
        deployments=3,
        lead=(13.5, 22.7),
        cfr=1 / 3,
        recovery=39.0,
        restore=(24.0, 24.0),
        incidents=1,
        rework=1 / 3,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "low", "medium"),
    )


def test_failed_run_and_open_incident_at_t1(result: Result) -> None:
    """acme/laterun as collected at T1: R3 failed (no deployment), #3 open as of T1 (closed only later):
    deployments R1, R2 = 2; lead 2 h; R2 failed by the window rule but not recovered: CFR 1/2, recovery
    null; #3 started in the window (1) and is not resolved: restore null; no rework."""
    check(
        result.first["laterun"],
        deployments=2,
        lead_time_hours_p50=2.0,
        change_failure_rate=1 / 2,
        failed_deployment_recovery_hours_p50=None,
        time_to_restore_hours_p50=None,
        incidents=1,
        rework_rate=0.0,
    )


@pytest.mark.parametrize("store", STORES)
def test_prerelease_promoted_after_t1_takes_the_named_change_and_its_failure(
    result: Result, store: str
) -> None:
    """acme/laterel (releases). v1.0.0 c0 published 03-01 06:00 (first); v1.1.0 c1 (authored 02 07:00)
    02 10:00; v1.2.0 c2 (03 09:00) a *prerelease* published 03 10:00; v1.3.0 c3 (04 06:00) 04 10:00.
    Incident issue #5 "root cause: <c2[:12]>", 04 12:00 → 15:00. After T1 the prerelease is made a
    full release; GitHub keeps its published_at, 03-03 10:00 — below every cursor.

    §5.1: v1.2.0 is now a deployment at 03 10:00. Order v1.0.0, v1.1.0, v1.2.0, v1.3.0.
    * v1.1.0: c1, 3 h. v1.2.0: compare(c1...c2) = c2, 1 h. v1.3.0: compare(c2...c3) = c3, 4 h.
    * #5 names c2, a change of v1.2.0 (no longer of v1.3.0): v1.2.0 failed (rule 1), recovered at #5's
      close, 04 15:00 − 03 10:00 = 29 h. #5 has an explicit link: the window rule does not apply to it
      (v1.3.0, the latest before it by 2 h, is not failed).
    * No deployment while #5 was open: rework 0.
    Deployments 4; leads [1, 3, 4] → p50 3, p90 at 1.8: 3 + 0.8 × 1 = 3.8; CFR 1/4; recovery 29;
    incidents 1, restore 3, 3. Bands: 4/30 medium; 3 h elite; 25 % low; 29 h medium.
    """
    check_row(
        result.row(store, "laterel"),
        team="laterel",
        deployments=4,
        lead=(3.0, 3.8),
        cfr=1 / 4,
        recovery=29.0,
        restore=(3.0, 3.0),
        incidents=1,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "low", "medium"),
    )


def test_prerelease_at_t1_leaves_the_named_change_to_the_next_release(result: Result) -> None:
    """acme/laterel as collected at T1: v1.2.0 is a prerelease, no deployment. v1.3.0: compare(c1...c3)
    = c2 (04 10:00 − 03 09:00 = 25 h), c3 (4 h); v1.1.0 3 h → leads [3, 4, 25], p50 4. #5 names c2, now
    a change of v1.3.0: v1.3.0 failed, recovered 15:00 − 10:00 = 5 h. Deployments 3, CFR 1/3."""
    check(
        result.first["laterel"],
        deployments=3,
        lead_time_hours_p50=4.0,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=5.0,
    )


@pytest.mark.parametrize("store", STORES)
def test_rework_label_added_after_t1_to_a_pr_shipped_then_rolled_back_and_redeployed(
    result: Result, store: str
) -> None:
    """acme/latelabel (deployments). D1 c0 03-01 06:00 (first). PR #1 (alice): p1 authored 02 08:00,
    opened 09:00, approved by bob 10:30, squash-merged 11:00 as s1. D2 s1 02 12:00; D3 c0 02 14:00; D4
    s1 02 16:00. After T1 (03-07 09:00) #1 gets the label ``hotfix``.

    * D2: compare(c0...s1) = s1, start = p1's author date (§5.2): 12:00 − 08:00 = 4 h.
    * D3: c0 is an ancestor of s1, ``behind``: a rollback of D2 → D2 failed (rule 2), recovered 2 h
      later; D3 rework.
    * D4: compare(c0...s1) = s1, already shipped by D2: no changes, no lead time, so it contains no
      change of #1 and the label does not make it rework; ``ahead``, no rollback.
    * D2 ships s1, a change of #1, labelled ``hotfix`` (a ``rework.labels`` default): rework.
    Deployments 4; lead 4, 4; CFR 1/4; recovery 2; rework D2, D3 = 2/4. Breakdown of #1 (deployed by D2
    in the window): coding 09:00 − 08:00 = 1, pickup 10:30 − 09:00 = 1.5, review 11:00 − 10:30 = 0.5,
    deploy 12:00 − 11:00 = 1. Bands: 4/30 medium; 4 h elite; 25 % low; 2 h high.
    """
    check_row(
        result.row(store, "latelabel"),
        team="latelabel",
        deployments=4,
        lead=(4.0, 4.0),
        cfr=1 / 4,
        recovery=2.0,
        rework=2 / 4,
        stages=breakdown(1.0, 1.5, 0.5, 1.0),
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_unlabelled_pr_at_t1_makes_only_the_rollback_rework(result: Result) -> None:
    """acme/latelabel as collected at T1 (#1 not labelled yet): rework D3 only, 1/4."""
    check(result.first["latelabel"], deployments=4, change_failure_rate=1 / 4, rework_rate=1 / 4)


@pytest.mark.parametrize("store", STORES)
def test_closed_bug_labelled_incident_after_t1_fails_the_named_deployment_not_the_latest(
    result: Result, store: str
) -> None:
    """acme/lateissue (deployments). D1 c0 03-01 06:00 (first); D2 c1 (03 08:00) 03 10:00; D3 c2 (03
    11:00) 03 12:00; D4 c3 (03 13:30) 03 14:00. Issue #4 "Checkout 500s", body "Bad rounding, root
    cause: <c1[:10]>", opened 03 13:00, closed 03 16:00, labelled only ``bug`` at T1; after T1 (03-07
    09:00, closed four days before) it is labelled ``incident`` too.

    §5.4: #4 is an incident, 03 13:00 → 16:00.
    * It names c1, D2's change: D2 failed (rule 1), recovered at 16:00: 6 h. It has an explicit link,
      so the window rule does not fail D3 (the latest deployment before it, 1 h earlier).
    * D4 was deployed at 14:00 while #4 was open: rework.
    Deployments 4; leads 2, 1, 0.5 → p50 1, p90 at 1.8: 1 + 0.8 × 1 = 1.8; CFR 1/4; recovery 6;
    incidents 1, restore 3, 3; rework 1/4. Bands: 4/30 medium; 1 h elite; 25 % low; 6 h high.
    """
    check_row(
        result.row(store, "lateissue"),
        team="lateissue",
        deployments=4,
        lead=(1.0, 1.8),
        cfr=1 / 4,
        recovery=6.0,
        restore=(3.0, 3.0),
        incidents=1,
        rework=1 / 4,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_closed_bug_at_t1_is_no_incident(result: Result) -> None:
    """acme/lateissue as collected at T1: #4 is no incident; nothing failed, nothing rework."""
    check(
        result.first["lateissue"],
        deployments=4,
        change_failure_rate=0.0,
        incidents=0,
        rework_rate=0.0,
        time_to_restore_hours_p50=None,
    )


@pytest.mark.parametrize("store", STORES)
def test_pagerduty_incident_open_at_t1_resolved_later_bounds_rework_and_recovery(
    result: Result, store: str
) -> None:
    """acme/pdlate with PagerDuty service PLATE (config ``pagerduty_services``). D1 c0 03-01 06:00
    (first); D2 f1 (authored 05 18:00) at 05 20:00; PLATE-1 (high) triggered 05 21:00, open at T1; D3 f2
    (05 21:00) at 05 22:00. After T1: PLATE-1 resolved at 06 01:00 (read again by id, §5.4); D4 f3
    (authored 05 20:00, a child of f2) at 06 02:00; D5 redeploys f2 at 06 04:00.

    * Leads: D2 2 h, D3 1 h, D4 compare(f2...f3) = f3: 06 02:00 − 05 20:00 = 6 h.
    * PLATE-1 started 1 h after D2, the latest deployment before it: D2 failed (rule 4), recovered at
      the resolution: 06 01:00 − 05 20:00 = 5 h.
    * D5: f2 is an ancestor of f3, ``behind``: a rollback of D4 → D4 failed (rule 2), recovered 2 h.
    * Rework: D3 (deployed while PLATE-1 was open), D5 (rollback); D4 was deployed after the
      resolution: not rework.
    Deployments 5; leads [1, 2, 6] → p50 2, p90 at 1.8: 2 + 0.8 × 4 = 5.2; CFR 2/5; recovery [2, 5] →
    3.5; incidents 1; restore 4, 4; rework 2/5. Bands: 5/30 high; 2 h elite; 40 % low; 3.5 h high.
    """
    check_row(
        result.row(store, "pdlate"),
        team="pdlate",
        deployments=5,
        lead=(2.0, 5.2),
        cfr=2 / 5,
        recovery=3.5,
        restore=(4.0, 4.0),
        incidents=1,
        rework=2 / 5,
        stages=NO_STAGES,
        row_bands=bands("high", "elite", "low", "high"),
    )


def test_pagerduty_incident_open_at_t1_has_no_restore_or_recovery_yet(result: Result) -> None:
    """acme/pdlate as collected at T1: D1, D2, D3; PLATE-1 open: D2 failed, not recovered (recovery
    null, and no time to restore); D3 rework: 1/3."""
    check(
        result.first["pdlate"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=None,
        time_to_restore_hours_p50=None,
        incidents=1,
        rework_rate=1 / 3,
    )


@pytest.mark.parametrize(
    "store",
    [
        "rest-incremental",
        "graphql-incremental",
        "rest-fresh",
    ],
)
def test_release_marked_prerelease_after_t1_is_no_deployment_and_the_window_moves_back(
    result: Result, store: str
) -> None:
    """acme/demoted (releases). v1.0.0 c0 published 03-01 06:00 (first); v1.1.0 c1 (authored 04 00:00)
    04 02:00; v1.2.0 c2 (04 08:00) 04 10:00. Incident issue #4 (no sha) 04 12:00 → 14:00. After T1
    v1.2.0 is marked a prerelease (a bad release pulled back); v1.3.0 c3 (06 08:00) is published 06
    10:00.

    §5.1 counts "published, non-draft, non-prerelease releases": v1.2.0 is no deployment any more (a
    fresh sync does not store it; SPEC §5 "re-syncing updates it in place", §9). Order v1.0.0, v1.1.0,
    v1.3.0.
    * v1.1.0: c1, 2 h. v1.3.0: compare(c1...c3) = c2, c3, neither shipped before: c2 06 10:00 − 04
      08:00 = 50 h, c3 2 h.
    * #4 started 04 12:00, 10 h after v1.1.0, now the latest deployment before it: v1.1.0 failed (rule
      4), recovered at 14:00: 12 h.
    Deployments 3; leads [2, 2, 50] → p50 2, p90 at 1.8: 2 + 0.8 × 48 = 40.4; CFR 1/3; recovery 12;
    incidents 1, restore 2, 2; rework 0. Bands: 3/30 = 0.1 medium; 2 h elite; 33 % low; 12 h high.

    DEFECT (the incremental stores): v1.2.0 stays stored as a deployment (docs/operations.md lets only
    a *deleted* deployment keep its row, and re-reads every releases page "so that it stores what a
    full sync would"): 4 deployments, v1.3.0 ships c3 only (leads 2, 2, 2 → p90 2), v1.2.0 failed by the
    window (CFR 1/4, recovery 4 h) instead of v1.1.0. ``_releases`` drops a no-longer-wanted release
    from the page without removing or unsettling its stored row (workflow runs have ``unsettle_runs``).
    """
    check_row(
        result.row(store, "demoted"),
        team="demoted",
        deployments=3,
        lead=(2.0, 40.4),
        cfr=1 / 3,
        recovery=12.0,
        restore=(2.0, 2.0),
        incidents=1,
        rework=0.0,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_release_published_at_t1_fails_by_the_window(result: Result) -> None:
    """acme/demoted as collected at T1: v1.0.0, v1.1.0, v1.2.0; #4 2 h after v1.2.0, the latest: v1.2.0
    failed, recovered 4 h; leads 2 h (c1) and 2 h (c2). Deployments 3, CFR 1/3, recovery 4."""
    check(
        result.first["demoted"],
        deployments=3,
        lead_time_hours_p50=2.0,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=4.0,
    )


@pytest.mark.parametrize("store", STORES)
def test_incident_issue_reopened_after_t1_is_open_again_for_rework_restore_and_recovery(
    result: Result, store: str
) -> None:
    """acme/reopened (deployments). D1 c0 03-01 06:00 (first); D2 c1 (03 08:00) 03 10:00; incident issue
    #2 opened 03 11:00, closed 12:00; D3 c2 (03 13:00) 03 14:00. After T1 #2 is reopened (06 09:00;
    GitHub clears its closed_at) and is still open at T2.

    §5.4: resolved_at = ``closed_at``, now null: #2 is open from 03 11:00 on, as a fresh sync stores it.
    * D2: #2 started 1 h after it, the latest before: failed (rule 4), not recovered: left out of the
      recovery median (null).
    * D3 deployed at 14:00 while #2 is open: rework.
    * #2 started in the window (incidents 1), resolved in none: restore null.
    Deployments 3; leads 2, 1 → p50 1.5, p90 1 + 0.9 × 1 = 1.9; CFR 1/3; recovery null; rework 1/3.
    Bands: 3/30 medium; 1.5 h elite; 33 % low; recovery null (no recovery, no restore to fall back on).
    """
    check_row(
        result.row(store, "reopened"),
        team="reopened",
        deployments=3,
        lead=(1.5, 1.9),
        cfr=1 / 3,
        recovery=None,
        restore=(None, None),
        incidents=1,
        rework=1 / 3,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "low", None),
    )


def test_incident_issue_closed_at_t1(result: Result) -> None:
    """acme/reopened as collected at T1: #2 11:00 → 12:00: D2 failed, recovered 2 h; restore 1 h; D3
    (14:00) after the close: no rework."""
    check(
        result.first["reopened"],
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=2.0,
        time_to_restore_hours_p50=1.0,
        rework_rate=0.0,
    )


@pytest.mark.parametrize("store", STORES)
def test_root_cause_written_into_a_closed_incident_after_t1_moves_the_failure_off_the_window(
    result: Result, store: str
) -> None:
    """acme/lateroot (deployments). D1 c0 03-01 06:00 (first); D2 c1 (04 08:00) 04 10:00; D3 c2 (04
    11:00) 04 12:00; incident issue #3 "Search down" opened 04 13:00, closed 17:00, no body; D4 c3 (04
    14:00) 04 15:00. After T1 (06 10:00) #3's body is edited to "Postmortem. root cause: <c1[:8]>".

    * #3 names c1, D2's change: D2 failed (rule 1), recovered at 17:00: 7 h. With an explicit link the
      window rule no longer fails D3 (the latest before #3, 1 h earlier).
    * D4 deployed at 15:00 while #3 was open: rework.
    Deployments 4; leads 2, 1, 1 → p50 1, p90 at 1.8: 1 + 0.8 × 1 = 1.8; CFR 1/4; recovery 7; incidents
    1, restore 4, 4; rework 1/4. Bands: 4/30 medium; 1 h elite; 25 % low; 7 h high.
    """
    check_row(
        result.row(store, "lateroot"),
        team="lateroot",
        deployments=4,
        lead=(1.0, 1.8),
        cfr=1 / 4,
        recovery=7.0,
        restore=(4.0, 4.0),
        incidents=1,
        rework=1 / 4,
        stages=NO_STAGES,
        row_bands=bands("medium", "elite", "low", "high"),
    )


def test_incident_without_a_root_cause_at_t1_fails_the_latest_deployment(result: Result) -> None:
    """acme/lateroot as collected at T1: #3 names nothing: D3 failed by the window rule, recovered at
    17:00 − 12:00 = 5 h; CFR 1/4 as later, the recovery differs."""
    check(result.first["lateroot"], change_failure_rate=1 / 4, failed_deployment_recovery_hours_p50=5.0)
