"""Audit, round 13: one kind of name compared one way in every component (SPEC §2, §4, §7.1, §7.4;
docs/configuration.md "teams[].name", docs/metrics.md "Team", docs/surveys.md "The team").

The last commit made team names compare one way everywhere (``store.folding.fold``: NFKC, case-folded)
at the points where the config, the catalog and a survey answer meet. These tests trace the same kind
of name further: where the *set* of team names or the *spelling* of a team is decided by one component
and used by another.

What this round found, each fixed with these tests:

* SPACE scoring mapped a stored team to a spelling only for the teams of ``teams:``
  (``analytics.assembly.survey_results`` passed the configured headcounts only), while a team known
  from the catalog alone is spelled, in the DORA rows and at survey import, "as first met in file
  order" (docs/metrics.md), which moves when a repository earlier in file order is catalogued.
* The reserved names (``*``, ``unowned``) were checked with ``str.casefold`` in the config, while every
  other comparison of team names folds (NFKC + casefold).
* ``survey import`` accepted the answers of the teams owning a repository (``Ownership.repo_team``),
  while the metrics (and ``--team``) know every team of the ownership map, PagerDuty services included.

Everything runs in process through ``doraspace.cli.main`` over a DuckDB store seeded with the facts a
sync would have written (repositories, catalog components). Expected figures are worked by hand.
One item throughout: satisfaction, agree5 (Strongly disagree 1 … Strongly agree 5, favourable 4 and 5);
an item mean ``m`` scores ``(m − 1) / 4 × 100``.
"""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from doraspace.cli import main
from doraspace.config import load_config, parse_config
from doraspace.errors import ConfigError
from doraspace.pipeline import build_snapshot
from store import schema
from store.engine import open_store

SECRET_VARIABLE = "AUDIT_R13_NAMES_SURVEY_SECRET"
SECRET = "audit-r13-names-survey-secret"
NOW = datetime(2026, 7, 20, tzinfo=UTC)
Q2, Q3 = "2026-Q2", "2026-Q3"
SAT = "satisfaction"

DEFINITION = """\
survey: devex
scales:
  agree5:
    points: 5
    labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree]
    favourable: [4, 5]
missing: ["N/A", ""]
team_question: "Which team are you on?"
items:
  - {id: s1, text: "I am satisfied with my tools", dimension: satisfaction, scale: agree5}
"""


class Org:
    """A config file, a definition and a DuckDB store, driven through the real CLI."""

    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.folder = folder
        self.capsys = capsys
        self.database = folder / "store.duckdb"
        self.config = folder / "doraspace.yaml"
        self.definition = folder / "devex.yaml"
        self.definition.write_text(DEFINITION, encoding="utf-8")

    def configure(self, teams: str = "") -> None:
        self.config.write_text(
            f"database:\n  url: duckdb:///{self.database}\n"
            + (f"teams:\n{teams}" if teams else "")
            + f"surveys:\n  min_group_size: 3\n  respondent_secret: ${{{SECRET_VARIABLE}}}\n",
            encoding="utf-8",
        )

    def catalogue(self, repo: str, owner: str, service: str | None = None) -> None:
        """What a sync stores for ``repo``: the repository, and its catalog-info.yaml's one component."""
        engine = open_store(f"duckdb:///{self.database}")
        try:
            with engine.begin() as conn:
                conn.execute(
                    insert(schema.repositories),
                    [
                        {
                            "full_name": repo,
                            "default_branch": "main",
                            "discovered_from": "org:acme",
                            "synced_at": datetime(2026, 7, 1),
                        }
                    ],
                )
                conn.execute(
                    insert(schema.catalog_components),
                    [
                        {
                            "file_repo": repo,
                            "position": 0,
                            "name": repo.partition("/")[2],
                            "owner": owner,
                            "repo": repo,
                            "pagerduty_service": service,
                        }
                    ],
                )
        finally:
            engine.dispose()

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main([*args], now=NOW)
        return status, out.getvalue(), err.getvalue()

    def survey_import(self, quarter: str, answers: list[tuple[str, str, str]]) -> tuple[int, str]:
        """A long export of (respondent, team as typed, answer to s1), imported into ``quarter``."""
        lines = ["respondent_id,team,submitted_at,item_id,answer"]
        lines += [f"{who},{team},,s1,{answer}" for who, team, answer in answers]
        export = self.folder / f"{quarter}-{len(list(self.folder.iterdir()))}.csv"
        export.write_text("\n".join(lines) + "\n", encoding="utf-8")
        status, _, err = self.run(
            *("survey", "import", str(export), "--config", str(self.config)),
            *("--definition", str(self.definition), "--quarter", quarter, "--format", "long"),
        )
        return status, err

    def scores(self) -> list[dict[str, Any]]:
        status, out, err = self.run("survey", "scores", "--config", str(self.config), "--format", "json")
        assert status == 0, err
        rows: list[dict[str, Any]] = json.loads(out)
        return rows

    def metric_teams(self) -> list[str]:
        status, out, err = self.run(
            *("metrics", "--config", str(self.config), "--format", "json"),
            *("--window", "30d", "--as-of", "2026-07-15T00:00:00Z"),
        )
        assert status == 0, err
        return [row["team"] for row in json.loads(out)]


@pytest.fixture
def org(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Org:
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    return Org(tmp_path, capsys)


def row(
    team: str, quarter: str, score: float, favourable: float, respondents: int, change: str | None
) -> Any:
    return {
        "team": team,
        "quarter": quarter,
        "dimension": SAT,
        "score": pytest.approx(score, rel=1e-12),
        "favourable": pytest.approx(favourable, rel=1e-12),
        "respondents": respondents,
        "response_rate": None,
        "change": change,
    }


# ==================================================================================================
# 1. A catalog-only team whose spelling "as first met in file order" moves between two imports
# ==================================================================================================


def catalog_only_team_across_a_new_repository(org: Org) -> None:
    """No ``teams:``. acme/orders-api's catalog says ``owner: Orders``: the team is ``Orders``. 2026-Q2:
    o1–o3 type "orders", all Disagree (2). Then acme/aaa-orders-web is catalogued with ``owner: orders``;
    it comes first in file order ("acme/aaa-orders-web" < "acme/orders-api"), so the one team is now
    spelled ``orders`` (docs/metrics.md). 2026-Q3: o4–o6 type "Orders", all Agree (4)."""
    org.configure()
    org.catalogue("acme/orders-api", "Orders")
    assert org.survey_import(Q2, [(f"o{n}", "orders", "Disagree") for n in (1, 2, 3)])[0] == 0
    org.catalogue("acme/aaa-orders-web", "orders")
    assert org.survey_import(Q3, [(f"o{n}", "Orders", "Agree") for n in (4, 5, 6)])[0] == 0


def test_a_catalog_only_team_is_spelled_alike_in_its_metrics_rows(org: Org) -> None:
    """The half that holds: docs/metrics.md "without a configured team, catalog owners ``Billing`` and
    ``billing`` are one team, spelled as first met in file order". After the second repository is
    catalogued, the metrics rows (30d only) are "*" and ``orders`` (both repositories)."""
    catalog_only_team_across_a_new_repository(org)
    assert org.metric_teams() == ["*", "orders"]


def test_a_catalog_only_team_keeps_its_earlier_quarter_when_its_first_spelling_moves(org: Org) -> None:
    """docs/metrics.md: catalog owners ``Orders`` and ``orders`` "are one team, spelled as first met in
    file order"; store/folding.py: "a team is one team whether the configuration, the catalog or a survey
    answer spells it"; docs/surveys.md: "a team renamed only in letter case … keeps its earlier quarters".
    SPEC §7.4: change is shown "where both quarters are shown and the item wording is unchanged".

    min_group_size 3, no headcount (rates null). The team ``orders`` (as the metrics spell it now):
    Q2 tools 2, 2, 2 → (2 − 1)/4 × 100 = 25, favourable 0, 3 respondents;
    Q3 tools 4, 4, 4 → 75, favourable 1, 3 respondents; every respondent's own score equals the mean,
    so SE 0 on both sides: moved 50 ≥ 5 and > 1.96 × 0 → "rising". "*" the same figures.
    Actual: Q2 is scored for a team ``Orders`` (no metrics row, no change in Q3)."""
    catalog_only_team_across_a_new_repository(org)
    assert org.scores() == [
        row("*", Q2, 25.0, 0.0, 3, None),
        row("*", Q3, 75.0, 1.0, 3, "rising"),
        row("orders", Q2, 25.0, 0.0, 3, None),
        row("orders", Q3, 75.0, 1.0, 3, "rising"),
    ]


def test_a_catalog_only_team_has_one_report_page_when_its_first_spelling_moves(org: Org) -> None:
    """SPEC §8.3: "An index page and one HTML page per team". The snapshot the reports, /metrics and
    dashboards are built from lists the team once, ``orders`` (its metrics spelling), beside "*" —
    not a second team ``Orders`` made of its Q2 survey answers alone."""
    catalog_only_team_across_a_new_repository(org)
    config = load_config(org.config)
    engine = open_store(config.database_url)
    try:
        snapshot = build_snapshot(config, engine, now=NOW)
    finally:
        engine.dispose()
    assert snapshot.teams == ("*", "orders")
    assert {(score.team, score.quarter) for score in snapshot.space} == {
        ("*", Q2),
        ("*", Q3),
        ("orders", Q2),
        ("orders", Q3),
    }


# ==================================================================================================
# 2. The reserved team names, as team names are compared
# ==================================================================================================


@pytest.mark.parametrize(
    "name", ["\uff35\uff2e\uff2f\uff37\uff2e\uff25\uff24", "\uff0a"], ids=["unowned", "star"]
)
def test_a_reserved_team_name_in_another_unicode_form_is_refused(name: str) -> None:
    """docs/configuration.md, ``teams[].name``: "unique as survey answers are compared to it: whatever
    its letter case and Unicode form (…); ``*`` and ``unowned`` are reserved, in any case". Full-width
    ``ＵＮＯＷＮＥＤ`` and ``＊`` are ``unowned`` and ``*`` in another Unicode form (NFKC), as
    ``fold`` — the comparison of team names everywhere — sees them: a configuration error naming the
    key, as ``Unowned`` is."""
    text = f"database:\n  url: 'duckdb:///:memory:'\nteams:\n  - name: {json.dumps(name)}\n"
    with pytest.raises(ConfigError, match=r"teams\[0\]\.name.*reserved"):
        parse_config(text)


def test_a_reserved_team_name_in_another_letter_case_is_refused() -> None:
    """Letter case alone (refused before this round too): ``Unowned`` and ``UNOWNED`` are refused,
    naming the key (docs/configuration.md "reserved, in any case")."""
    for name in ("Unowned", "UNOWNED"):
        text = f"database:\n  url: 'duckdb:///:memory:'\nteams:\n  - name: {name}\n"
        with pytest.raises(ConfigError, match=r"teams\[0\]\.name.*reserved"):
            parse_config(text)


# ==================================================================================================
# 3. A team of the ownership map that owns a PagerDuty service and no repository
# ==================================================================================================


def test_a_team_owning_only_a_pagerduty_service_answers_the_survey(org: Org) -> None:
    """SPEC §4: ``teams:`` "adds and overrides: a repo or PagerDuty service it names belongs to that
    team, whatever the catalog says; everything else keeps its catalog owner". acme/platform's catalog
    says component platform, ``owner: group:sre``, ``pagerduty.com/service-id: PSRE``; ``teams:`` gives
    acme/platform to ``web``. So PSRE stays ``sre``'s: docs/metrics.md "Every team owning a repository or
    a collected PagerDuty service gets a row" — the metrics rows are "*", ``sre``, ``web``.
    SPEC §7.1: "The team answer is matched case-insensitively to a team name of the ownership map": three
    people typing "SRE", "sre", "Sre" are team ``sre``. Scores (min 3): tools 4, 4, 5 → 13/3 →
    (10/3)/4 × 100 = 250/3; favourable 1; 3 respondents; "*" the same."""
    org.configure("  - {name: web, repositories: [acme/platform]}\n")
    org.catalogue("acme/platform", "sre", service="PSRE")
    assert org.metric_teams() == ["*", "sre", "web"]
    status, err = org.survey_import(
        Q3, [("s1", "SRE", "Agree"), ("s2", "sre", "Agree"), ("s3", "Sre", "Strongly agree")]
    )
    assert status == 0, err
    assert org.scores() == [
        row("*", Q3, 250 / 3, 1.0, 3, None),
        row("sre", Q3, 250 / 3, 1.0, 3, None),
    ]
