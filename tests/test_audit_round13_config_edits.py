"""Audit, round 13: two or more configuration edits meeting between two runs on one store (docs/operations.md,
docs/configuration.md, SPEC §4, §6, §7.4; docs/metrics.md "Teams, windows and as_of", "Bands";
docs/surveys.md "The team").

The rule: after an edit, every output equals what a fresh store, collected under the new configuration and
computed under it, gives (ownership is resolved at compute time; stored facts stay), except where the docs
say otherwise. Each test is differential:

    run A: store U built (and, for surveys, imported) under the OLD config; every output computed once under
           it; the config file edited; every output computed again on U;
    run B: a fresh store holding the facts a collection under the NEW config would store (the same facts,
           less what the new config no longer collects), computed once under the new config;

and asserts A's outputs after the edit == B's outputs, plus a few hand-worked values. The outputs are
``metrics --format json --as-of A``, ``survey scores --format json``, and a daemon's analytics job
(``Daemon.run_job("analytics")`` with ``now`` = A): its Prometheus exposition and its ``reports/`` folder.
June 2026 is ``at(day, hour)``; A = 2026-06-30 00:00 UTC; 30d = (05-31, 06-30], 90d = (04-01, 06-30].
No incident text holds a hex word of 7 or more characters unless said (no explicit links).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from analytics.ownership import CatalogComponent
from collector.models import RepositoryFact
from collector.writer import write_repositories
from doraspace.cli import main
from doraspace.config import load_config
from doraspace.daemon import Daemon
from store import schema
from store.engine import open_store
from store.upsert import upsert
from tests.analytics.facts import Facts, add_incident, add_label, at, sha

A = datetime(2026, 6, 30, tzinfo=UTC)
A_TEXT = "2026-06-30T00:00:00Z"
MAY = datetime(2026, 5, 1, tzinfo=UTC)
SECRET_VARIABLE = "AUDIT_ROUND13_CONFIG_EDITS_SECRET"

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


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-12)


# -- the harness -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outputs:
    metrics: list[dict[str, Any]]
    scores: list[dict[str, Any]]
    exposition: str
    reports: dict[str, str]  # file name → text (plotly.js by name only)


class Store:
    """One DuckDB store in its own folder (the daemon writes ``reports/`` beside the file)."""

    def __init__(self, folder: Path, template: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.path = folder / "store.duckdb"
        self.config = folder / "doraspace.yaml"
        shutil.copyfile(template, self.path)

    def write_config(self, body: str) -> None:
        self.config.write_text(
            f"database:\n  url: duckdb:///{self.path}\nhttp: {{listen: '127.0.0.1:0'}}\n"
            f"surveys:\n  min_group_size: 3\n  respondent_secret: ${{{SECRET_VARIABLE}}}\n{body}",
            encoding="utf-8",
        )

    def facts(self) -> Facts:
        return Facts(open_store(f"duckdb:///{self.path}"))

    def cli(self, *args: str) -> str:
        words = 2 if args[0] == "survey" else 1
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main([*args[:words], "--config", str(self.config), *args[words:]], now=A)
        assert status == 0, err.getvalue()
        return out.getvalue()

    def import_survey(self, answers: dict[str, list[int]]) -> None:
        definition = self.folder / "devex.yaml"
        definition.write_text(DEFINITION, encoding="utf-8")
        export = self.folder / "answers.csv"
        lines = ["respondent_id,team,submitted_at,item_id,answer"]
        for team, points in answers.items():
            lines += [f"{team}-{n},{team},2026-05-04T10:00:00,sat_tools,{p}" for n, p in enumerate(points)]
        export.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.cli("survey", "import", str(export), "--definition", str(definition), "--quarter", "2026-Q2")

    def outputs(self) -> Outputs:
        metrics = json.loads(self.cli("metrics", "--format", "json", "--as-of", A_TEXT))
        scores = json.loads(self.cli("survey", "scores", "--format", "json"))
        config = load_config(self.config, environ=dict(os.environ))
        daemon = Daemon(config, clock=lambda: A)
        daemon.start(schedule=False)
        try:
            assert daemon.run_job("analytics")
            exposition = daemon.exposition.render().decode("utf-8")
        finally:
            assert daemon.stop()
        reports = {
            path.name: "" if path.suffix == ".js" else path.read_text(encoding="utf-8")
            for path in sorted((self.folder / "reports").iterdir())
        }
        return Outputs(metrics, scores, exposition, reports)


def collected(facts: Facts, *repos: str) -> None:
    with facts.engine.begin() as conn:
        write_repositories(conn, [RepositoryFact(repo, "main") for repo in repos], {}, at(1))


def catalog(facts: Facts, *components: CatalogComponent) -> None:
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


def rows_of(metrics: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["team"], row["window"]): row for row in metrics}


def series(exposition: str, name: str) -> list[str]:
    return sorted(line for line in exposition.splitlines() if line.startswith(name + "{"))


def assert_same(edited: Outputs, fresh: Outputs) -> None:
    assert edited.metrics == fresh.metrics
    assert edited.scores == fresh.scores
    assert edited.exposition == fresh.exposition


# -- 1. a repository moved from alpha to beta while beta is renamed Beta; windows edited ------------------

X, Y, Z = "acme/x", "acme/y", "acme/z"
SURVEY = {"alpha": [5, 4, 4, 3], "beta": [5, 5, 2]}


def write_moved(facts: Facts) -> None:
    """acme/x: X0 05-01 first; X1 06-10 ships x1 (06-09 20:00: 4 h); X2 06-20 ships x2 (06-19 22:00: 2 h).
    acme/y: Y0 05-01 first; Y1 06-12 ships y1 (06-11 22:00: 2 h), the squash commit of PR #3 labelled
    ``Hotfix``. acme/z: Z0 05-01 first; Z1 06-15 ships z1 (06-14 23:00: 1 h).
    PY-1 on PagerDuty PY 06-12 02:00 → 05:00 (3 h); PY-2 06-15 00:00 → 01:00 (1 h, open at Z1)."""
    collected(facts, X, Y, Z)
    for repo in (X, Y, Z):
        facts.deployment(MAY, compare="first", repo=repo, sha=sha(f"{repo}-0"))
    facts.deployment(at(10), ships=[facts.commit(sha("x1"), at(9, 20), repo=X)], repo=X)
    facts.deployment(at(20), ships=[facts.commit(sha("x2"), at(19, 22), repo=X)], repo=X)
    y1 = facts.commit(sha("y1"), at(11, 22), repo=Y)
    facts.pull_request(3, created_at=at(11, 22), merged_at=at(11, 23), merge_commit_sha=y1, repo=Y)
    add_label(facts, 3, "Hotfix", repo=Y)
    facts.deployment(at(12), ships=[y1], repo=Y)
    facts.deployment(at(15), ships=[facts.commit(sha("z1"), at(14, 23), repo=Z)], repo=Z)
    add_incident(facts, "PY-1", at(12, 2), resolved_at=at(12, 5), service="PY")
    add_incident(facts, "PY-2", at(15), resolved_at=at(15, 1), service="PY")


def moved_config(*, edited: bool) -> str:
    if not edited:
        return (
            "teams:\n"
            "  - {name: alpha, repositories: [acme/x, acme/y], pagerduty_services: [PY], headcount: 8}\n"
            "  - {name: beta, repositories: [acme/z], headcount: 4}\n"
            "metrics: {windows: [7d, 30d]}\n"
        )
    return (
        "teams:\n"
        "  - {name: alpha, repositories: [acme/x], pagerduty_services: [PY], headcount: 8}\n"
        "  - {name: Beta, repositories: [acme/y, acme/z], headcount: 6}\n"
        "metrics: {windows: [30d, 90d]}\n"
    )


@pytest.fixture(scope="module")
def moved(
    tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path
) -> tuple[Outputs, Outputs, Outputs]:
    """(A before the edit, A after it, B): module-scoped, each daemon and CLI run done once."""
    os.environ.setdefault(SECRET_VARIABLE, "round13-config-edits")
    root = tmp_path_factory.mktemp("moved")
    used = Store(root / "a", duckdb_template)
    fresh = Store(root / "b", duckdb_template)
    for store, edited in ((used, False), (fresh, True)):
        facts = store.facts()
        write_moved(facts)
        facts.engine.dispose()
        store.write_config(moved_config(edited=edited))
        store.import_survey(SURVEY)  # "beta" as typed: stored as the config spells it then
    before = used.outputs()
    used.write_config(moved_config(edited=True))
    return before, used.outputs(), fresh.outputs()


def test_moved_repository_renamed_team_and_band_window_equal_a_fresh_store(
    moved: tuple[Outputs, Outputs, Outputs],
) -> None:
    """Edit: acme/y moves alpha → Beta, beta renamed Beta (letter case only), beta's headcount 4 → 6,
    windows [7d, 30d] → [30d, 90d] (bands from 90d now). Survey answers: alpha 5, 4, 4, 3; beta 5, 5, 2.

    Hand-worked after the edit:
    * Beta 30d (SPEC §6.2 "Team metrics cover the repos and PagerDuty services the team owns"): Y1, Z1 → 2.
      PY stays alpha's ("the PagerDuty services a `teams:` entry names belong to that team's repos"): PY-1
      (2 h after Y1) fails nothing of Beta's → CFR 0; PY-2 open at Z1 is no incident of Z's service →
      Beta's rework only Y1 (PR #3 ``Hotfix`` = ``hotfix``, docs/metrics.md "Rework") → 1/2.
    * alpha 30d: X1, X2 → 2; PY-1 and PY-2 its incidents → 2; X1 (06-10) is the latest of alpha's
      service before PY-1 but 50 h before it > 24 h → CFR 0.
    * Beta's survey score (docs/surveys.md: "a team renamed only in letter case ... keeps its earlier
      quarters"): 5, 5, 2 → mean 4 → (4 − 1)/4 × 100 = 75; response rate 3/6.
    """
    before, edited, fresh = moved
    assert_same(edited, fresh)
    assert edited != before
    rows = rows_of(edited.metrics)
    assert sorted({team for team, _ in rows}) == ["*", "Beta", "alpha"]
    beta = rows["Beta", "30d"]
    assert (beta["deployments"], beta["change_failure_rate"], beta["rework_rate"]) == (2, 0.0, 0.5)
    alpha = rows["alpha", "30d"]
    assert (alpha["deployments"], alpha["incidents"], alpha["change_failure_rate"]) == (2, 2, 0.0)
    assert rows["Beta", "30d"]["bands"] == rows["Beta", "90d"]["bands"]
    scores = {row["team"]: row for row in edited.scores}
    assert sorted(scores) == ["*", "Beta", "alpha"]
    assert (scores["Beta"]["score"], scores["Beta"]["respondents"]) == (approx(75.0), 3)
    assert scores["Beta"]["response_rate"] == approx(0.5)


def test_moved_repository_renamed_team_reports_equal_a_fresh_store(
    moved: tuple[Outputs, Outputs, Outputs],
) -> None:
    """The daemon's ``reports/`` (docs/operations.md: "the HTML reports, rewritten after every snapshot"):
    Beta's page is ``team-beta.html`` as beta's was, so the folder is the fresh one's."""
    _, edited, fresh = moved
    assert edited.reports == fresh.reports
    assert "team-beta.html" in edited.reports


# -- 2. catalog.discover off while teams: names a catalog-only team's repository --------------------------

WEB, API = "acme/web", "acme/api"


def write_catalogued(facts: Facts, *, with_catalog: bool) -> None:
    """Components ``web`` (acme/web, owner team-web, PagerDuty PW) and ``api`` (acme/api, owner team-api,
    PagerDuty PA), stored by an earlier sync (``with_catalog``: a fresh sync with ``discover: false``
    reads no catalog file, and collects neither PW nor PA, which are then in no map).
    acme/web: W0 05-01 first; W1 06-10 ships w1 (06-09 21:00: 3 h). acme/api: A0 05-01 first; A1 06-14
    ships a1 (06-13 23:00: 1 h). PW-1 06-10 01:00 → 03:00; PA-1 06-14 02:00 → 04:00."""
    collected(facts, WEB, API)
    for repo in (WEB, API):
        facts.deployment(MAY, compare="first", repo=repo, sha=sha(f"{repo}-0"))
    facts.deployment(at(10), ships=[facts.commit(sha("w1"), at(9, 21), repo=WEB)], repo=WEB)
    facts.deployment(at(14), ships=[facts.commit(sha("a1"), at(13, 23), repo=API)], repo=API)
    if with_catalog:
        catalog(
            facts,
            CatalogComponent(WEB, 0, "web", "team-web", WEB, "PW"),
            CatalogComponent(API, 0, "api", "team-api", API, "PA"),
        )
        add_incident(facts, "PW-1", at(10, 1), resolved_at=at(10, 3), service="PW")
        add_incident(facts, "PA-1", at(14, 2), resolved_at=at(14, 4), service="PA")


def catalogued_config(*, edited: bool) -> str:
    if not edited:
        return "catalog: {discover: true}\nmetrics: {windows: [30d]}\n"
    return (
        "catalog: {discover: false}\n"
        "teams:\n  - {name: team-api, repositories: [acme/web]}\n"
        "metrics: {windows: [30d]}\n"
    )


def test_catalog_ignored_while_teams_names_a_catalog_only_teams_other_repository(
    tmp_path: Path, duckdb_template: Path
) -> None:
    """Edit: ``catalog.discover: false`` and ``teams: [{name: team-api, repositories: [acme/web]}]``.

    After it (SPEC §4: "`teams:` in the config adds and overrides"; with no catalog, "a repo ... owned by
    nobody belongs to team `unowned`"; PW and PA are "neither in the ownership map nor in `service_ids`"):
    team-api owns acme/web: W1 → 1 deployment, no incident, CFR 0; unowned owns acme/api: A1, CFR 0;
    "*": 2 deployments, 0 incidents. team-web has no row.
    """
    os.environ.setdefault(SECRET_VARIABLE, "round13-config-edits")
    used = Store(tmp_path / "a", duckdb_template)
    fresh = Store(tmp_path / "b", duckdb_template)
    for store, edited in ((used, False), (fresh, True)):
        facts = store.facts()
        write_catalogued(facts, with_catalog=not edited)
        facts.engine.dispose()
        store.write_config(catalogued_config(edited=edited))
    before = used.outputs()
    assert {row["team"] for row in before.metrics} == {"*", "team-api", "team-web"}
    used.write_config(catalogued_config(edited=True))
    edited_out = used.outputs()
    fresh_out = fresh.outputs()
    assert_same(edited_out, fresh_out)
    rows = rows_of(edited_out.metrics)
    assert sorted({team for team, _ in rows}) == ["*", "team-api", "unowned"]
    assert (rows["team-api", "30d"]["deployments"], rows["team-api", "30d"]["incidents"]) == (1, 0)
    assert rows["team-api", "30d"]["change_failure_rate"] == 0.0
    assert (rows["*", "30d"]["deployments"], rows["*", "30d"]["incidents"]) == (2, 0)


def test_catalog_ignored_leaves_no_page_of_the_team_it_removed(tmp_path: Path, duckdb_template: Path) -> None:
    """The same edit as above, the daemon's ``reports/`` folder (docs/operations.md: `/reports/` answers
    "the HTML reports, rewritten after every snapshot"). team-web exists no more after the edit; a fresh
    store's daemon writes no ``team-team-web.html``, and the edited one must not keep serving the page it
    wrote before the edit, with team-web's old numbers (it did until this round)."""
    os.environ.setdefault(SECRET_VARIABLE, "round13-config-edits")
    used = Store(tmp_path / "a", duckdb_template)
    fresh = Store(tmp_path / "b", duckdb_template)
    for store, edited in ((used, False), (fresh, True)):
        facts = store.facts()
        write_catalogued(facts, with_catalog=not edited)
        facts.engine.dispose()
        store.write_config(catalogued_config(edited=edited))
    assert "team-team-web.html" in used.outputs().reports
    used.write_config(catalogued_config(edited=True))
    edited_reports, fresh_reports = used.outputs().reports, fresh.outputs().reports
    assert "team-team-web.html" not in fresh_reports
    assert sorted(edited_reports) == sorted(fresh_reports)


# -- 3. pagerduty.service_ids shrunk and a teams: entry's service dropped, open incidents on both ----------

SHOP = "acme/shop"


def write_services(facts: Facts, *, removed_collected: bool) -> None:
    """acme/shop: S0 05-01 first; S1 06-10 ships s1 (06-09 22:00: 2 h); S2 06-10 04:00 ships s2 (03:00:
    1 h). PS-1 on PS (shop's) 06-10 02:00 → 06:00: 2 h after S1 (window) and open at S2 (rework).
    PX-1 on PX (``service_ids`` only) 06-20 → 06-21, its title naming s2's sha (explicit link to S2).
    ``removed_collected`` False: a fresh sync under the edited config, which collects neither service."""
    collected(facts, SHOP)
    facts.deployment(MAY, compare="first", repo=SHOP, sha=sha("s0"))
    facts.deployment(at(10), ships=[facts.commit(sha("s1"), at(9, 22), repo=SHOP)], repo=SHOP)
    facts.deployment(at(10, 4), ships=[facts.commit(sha("s2"), at(10, 3), repo=SHOP)], repo=SHOP)
    if removed_collected:
        add_incident(facts, "PS-1", at(10, 2), resolved_at=at(10, 6), service="PS")
        add_incident(
            facts, "PX-1", at(20), resolved_at=at(21), service="PX", title=f"root cause: {sha('s2')[:10]}"
        )


def services_config(*, edited: bool) -> str:
    if not edited:
        return (
            "pagerduty: {service_ids: [PX]}\n"
            "teams:\n  - {name: shop, repositories: [acme/shop], pagerduty_services: [PS]}\n"
            "incidents: {attribution_window: 24h}\n"
            "rework: {labels: [hotfix]}\n"
            "metrics: {windows: [30d]}\n"
        )
    return (
        "pagerduty: {service_ids: [PQ]}\n"
        "teams:\n  - {name: shop, repositories: [acme/shop]}\n"
        "incidents: {attribution_window: 1h}\n"
        "rework: {labels: [expedite]}\n"
        "metrics: {windows: [30d]}\n"
    )


def test_service_ids_shrunk_and_a_teams_service_dropped_with_attribution_and_labels_edited(
    tmp_path: Path, duckdb_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before (30d): shop S1, S2 → 2; S1 failed (window, PS-1), S2 failed (explicit, PX-1) → CFR 1;
    S2 rework (deployed while PS-1 open) → 1/2; unowned: PX-1 → 1 incident.
    Edit: PX out of ``service_ids`` (PQ, with nothing stored, in), PS out of shop's ``pagerduty_services``,
    attribution 24h → 1h, rework labels → [expedite]. After (SPEC §4: services "neither in the ownership
    map nor in `service_ids` are not collected"): S1, S2 fail nothing, no rework; shop CFR 0, rework 0,
    no incident; unowned (PQ, ``service_ids``, nobody's) has its row with 0 incidents.
    """
    monkeypatch.setenv("PAGERDUTY_TOKEN", "unused")
    os.environ.setdefault(SECRET_VARIABLE, "round13-config-edits")
    used = Store(tmp_path / "a", duckdb_template)
    fresh = Store(tmp_path / "b", duckdb_template)
    for store, edited in ((used, False), (fresh, True)):
        facts = store.facts()
        write_services(facts, removed_collected=not edited)
        facts.engine.dispose()
        store.write_config(services_config(edited=edited))
    before = rows_of(used.outputs().metrics)
    assert before["shop", "30d"]["change_failure_rate"] == 1.0
    assert before["shop", "30d"]["rework_rate"] == 0.5
    assert before["unowned", "30d"]["incidents"] == 1
    used.write_config(services_config(edited=True))
    edited_out, fresh_out = used.outputs(), fresh.outputs()
    assert_same(edited_out, fresh_out)
    assert edited_out.reports == fresh_out.reports
    rows = rows_of(edited_out.metrics)
    shop = rows["shop", "30d"]
    assert (shop["deployments"], shop["change_failure_rate"], shop["rework_rate"], shop["incidents"]) == (
        2,
        0.0,
        0.0,
        0,
    )
