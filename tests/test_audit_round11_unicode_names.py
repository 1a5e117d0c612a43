"""Audit, round 11: one name written several ways, where the name-matching rules meet (SPEC §3, §4,
§6.2 rework, §7.1 team answer, §7.5; docs/configuration.md, docs/metrics.md "Team" and "Rework",
docs/surveys.md "The team").

The rules leaned on, as written:

* configuration.md: "Repository names are ``owner/name`` and compared case-insensitively, as GitHub
  does"; ``teams[].name`` "unique whatever its letter case (catalog owners and survey answers are matched
  to it so)"; ``rework.labels`` "compared case-insensitively, as GitHub compares label names".
* SPEC §4: ``group:x``, ``group:default/x`` and ``x`` all mean team ``x``; ``teams:`` overrides the
  catalog for the repos it names. metrics.md: "A catalog owner is compared whatever its letter case
  ... without a configured team, catalog owners ``Billing`` and ``billing`` are one team, spelled as first
  met in file order", file order being "the catalog files ordered by the name of the repository holding
  them (letter case aside, then exactly)".
* SPEC §7.1: "The team answer is matched case-insensitively to a team name of the ownership map";
  surveys.md: the team is "compared the same way" as wordings, where "Case, runs of spaces (non-breaking
  ones too), Unicode compatibility forms and curly versus straight quotes are ignored", and "The team
  is stored as the configured team name, never as the answer was typed".

One emulated GitHub organisation ``acme`` (discovered through ``github.organizations``) → ``doraspace
collect`` → ``metrics --format json --as-of 2026-03-20T00:00:00Z`` (window 30d only: (02-18 00:00,
03-20 00:00]) and ``survey import`` (long format) → ``survey scores --format json``. ``min_group_size``
3, no headcounts (``response_rate`` null), one item (satisfaction, agree5: score = (mean − 1) / 4 × 100,
favourable = answers 4 or 5). Every repo's first deployment is ``started_at_six`` (03-01 06:00,
compare ``first``: counts, no lead time). A PR here is one commit authored day d 08:00, opened 09:00, no
review, squash-merged 10:00 and deployed 12:00: lead 4 h, coding 1 h, deploy 2 h, no pickup/review.
Bands (dora-2023) come from the longest configured window, 30d.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from doraspace.cli import main
from tests.emulators.github import GitHubDataset, GitHubEmulator, RepoData
from tests.github_scenarios import AS_OF, approx, at, breakdown, check_row, deploy, run_cli, started_at_six

GH_TOKEN_VARIABLE = "AUDIT_R11_NAMES_GITHUB_TOKEN"
GH_TOKEN = "audit-r11-names-gh-token"
SECRET_VARIABLE = "AUDIT_R11_NAMES_SURVEY_SECRET"
SECRET = "audit-r11-names-survey-secret"
NOW = datetime(2026, 3, 25, tzinfo=UTC)
QUARTER = "2026-Q1"

ZURICH = "Z\u00fcrich"  # NFC, as the config writes it
ZURICH_NFD = "Zu\u0308rich"  # as a macOS export writes it
IZMIR = "\u0130zmir"  # Turkish capital dotted I

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

TEAMS = f"""\
teams:
  - {{name: {ZURICH}, repositories: [Acme/Zurich-API]}}
  - {{name: payments}}
  - {{name: pay, repositories: [acme/pay]}}
  - {{name: {IZMIR}}}
"""


def catalog(name: str, owner: str) -> str:
    return (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
        f"metadata:\n  name: {name}\nspec:\n  type: service\n  owner: {owner}\n"
    )


def shipped_pr(repo: RepoData, parent: str, number: int, day: int, labels: list[str]) -> str:
    """PR #number (one commit authored ``day`` 08:00, opened 09:00, merged 10:00) deployed at 12:00."""
    commit = repo.commit(f"c{number}", parents=[parent], author_date=at(day, 8), branch=f"pr-{number}")
    sha = repo.squash_merge([commit], parent, f"Change {number} (#{number})", at(day, 10))
    repo.pull(
        number=number,
        title=f"Change {number}",
        author="alice",
        created_at=at(day, 9),
        commits=[commit],
        merged_at=at(day, 10),
        merge_commit_sha=sha,
        labels=labels,
    )
    repo.deployment(sha, created_at=at(day, 12))
    return sha


def build(gh: GitHubDataset) -> None:
    """The organisation (GitHub's own spellings of the repo names):

    * acme/zurich-api — configured as ``Acme/Zurich-API`` under team Zürich. Z1 first; PR #1 labelled
      ``STÖRUNG`` deployed 03-05 12:00; PR #2 labelled ``Sto\\u0308rung`` (NFD) deployed 03-06 12:00.
    * acme/pay-api — catalog ``owner: group:default/PAYMENTS``, configured team ``payments`` names no repo.
      P1 first; deploy 03-07 10:00 (lead 1 h).
    * acme/pay — ``teams:`` gives it to ``pay`` (a prefix of ``payments``) though its catalog says
      ``group:payments``. Q1 first; PR #1 labelled ``HOTFIX`` 03-08 12:00; PR #2 labelled
      ``hotfix-candidate`` and ``Rollback-Plan`` 03-09 12:00.
    * acme/alpha-billing (catalog ``owner: billing``) and acme/Beta-billing (``owner: group:BILLING``), no
      configured team. Each: first, then deploy 03-10 10:00 / 03-11 10:00 (lead 1 h).
    """
    zurich = gh.add_repo("acme/zurich-api")
    z0 = started_at_six(zurich)
    z1 = shipped_pr(zurich, z0, 1, 5, ["ST\u00d6RUNG"])
    shipped_pr(zurich, z1, 2, 6, ["Sto\u0308rung"])

    pay_api = gh.add_repo("acme/pay-api")
    pay_api.files["catalog-info.yaml"] = catalog("pay-api", "group:default/PAYMENTS")
    started_at_six(pay_api)
    deploy(pay_api, "p2", at(7, 10))

    pay = gh.add_repo("acme/pay")
    pay.files["catalog-info.yaml"] = catalog("pay", "group:payments")
    q0 = started_at_six(pay)
    q1 = shipped_pr(pay, q0, 1, 8, ["HOTFIX"])
    shipped_pr(pay, q1, 2, 9, ["hotfix-candidate", "Rollback-Plan"])

    alpha = gh.add_repo("acme/alpha-billing")
    alpha.files["catalog-info.yaml"] = catalog("alpha-billing", "billing")
    started_at_six(alpha)
    deploy(alpha, "a2", at(10, 10))
    beta = gh.add_repo("acme/Beta-billing")
    beta.files["catalog-info.yaml"] = catalog("beta-billing", "group:BILLING")
    started_at_six(beta)
    deploy(beta, "b2", at(11, 10))


def config_text(store: Path, github_url: str, teams: str = TEAMS) -> str:
    return (
        f"database:\n  url: duckdb:///{store}\n"
        f"github:\n  base_url: {github_url}\n  token: ${{{GH_TOKEN_VARIABLE}}}\n  since: 2026-02-01\n"
        "  organizations: [acme]\n"
        "catalog: {discover: true}\n"
        f"rework:\n  labels: [HotFix, rollback, 'St\u00f6rung']\n"
        "metrics: {windows: [30d]}\n"
        f"surveys:\n  min_group_size: 3\n  respondent_secret: ${{{SECRET_VARIABLE}}}\n" + teams
    )


def run(args: list[str]) -> tuple[int, str, str]:
    """``doraspace ARGS`` in this process at NOW: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(args, now=NOW)
    return status, out.getvalue(), err.getvalue()


def import_args(export: Path, config: Path, definition: Path) -> list[str]:
    """``survey import`` of ``export`` (long format) into quarter 2026-Q1."""
    return [
        *("survey", "import", str(export), "--config", str(config), "--definition", str(definition)),
        *("--quarter", QUARTER, "--format", "long"),
    ]


def long_export(path: Path, answers: list[tuple[str, str, int]]) -> Path:
    """A long export: (respondent, team as typed, answer) for item s1."""
    lines = ["respondent_id,team,submitted_at,item_id,answer"]
    lines += [f"{who},{team},2026-03-10T10:00:00,s1,{answer}" for who, team, answer in answers]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class World:
    directory: Path
    config: Path
    definition: Path
    metrics: dict[str, dict[str, Any]]
    metric_teams: list[str]
    import_status: int
    import_err: str
    scores: list[dict[str, Any]]


SURVEY = [
    ("z1", ZURICH_NFD, 5),  # NFD, as macOS writes it
    ("z2", "Z\u00dcRICH\u00a0", 5),  # capitals and a trailing non-breaking space
    ("z3", "  z\u00fcrich", 4),
    ("b1", "Billing", 1),
    ("b2", "BILLING\u00a0", 2),
    ("b3", "billing\u202f", 3),  # narrow no-break space
    ("q1", "pay", 4),
    ("q2", "PAY", 2),
    ("q3", "Pay\u00a0", 2),
    ("p1", "Payments", 3),
    ("p2", "PAYMENTS", 4),
    ("p3", "\uff50ayments\u3000", 5),  # a fullwidth p and an ideographic space: compatibility forms
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    gh = GitHubDataset()
    build(gh)
    directory = tmp_path_factory.mktemp("r11-names")
    definition = directory / "devex.yaml"
    definition.write_text(DEFINITION, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(gh, token=GH_TOKEN) as github:
        patch.setenv(GH_TOKEN_VARIABLE, GH_TOKEN)
        patch.setenv(SECRET_VARIABLE, SECRET)
        config = directory / "doraspace.yaml"
        config.write_text(config_text(directory / "store.duckdb", github.base_url), encoding="utf-8")
        run_cli(["collect", "--config", str(config)], now=NOW)
        out = run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", AS_OF])
        rows = json.loads(out)
        export = long_export(directory / "q1.csv", SURVEY)
        status, _, err = run(import_args(export, config, definition))
        scores = json.loads(
            run_cli(["survey", "scores", "--config", str(config), "--format", "json"], now=NOW)
        )
        yield World(
            directory,
            config,
            definition,
            {row["team"]: row for row in rows},
            [row["team"] for row in rows],
            status,
            err,
            scores,
        )


def bands(frequency: str) -> dict[str, str | None]:
    return {
        "deployment_frequency": frequency,
        "lead_time": "elite",
        "change_failure_rate": "elite",
        "recovery": None,
    }


def test_rework_labels_fold_letter_case_but_not_prefixes_and_leave_a_decomposed_label_apart(
    world: World,
) -> None:
    """``rework.labels: [HotFix, rollback, 'Störung']`` (config letter case, NFC ö) × PR labels × repo
    spelling × Unicode team name.

    Team Zürich (config ``Acme/Zurich-API``; GitHub spells it ``acme/zurich-api``: one repo, compared
    case-insensitively). Z1 first (03-01 06:00). PR #1 ``STÖRUNG`` 03-05 12:00: the configured
    ``Störung`` in capitals → rework. PR #2 ``Sto\\u0308rung`` 03-06 12:00: the same word decomposed
    (o + U+0308). undecided: configuration.md says only "compared case-insensitively, as GitHub compares
    label names", nothing of canonical equivalence; the product compares code points lower-cased, so it
    is no rework. Deployments 3 (0.1/day: ≥ 1/30, < 1/7 → medium); leads 4, 4 → p50 = p90 = 4.0 (elite);
    CFR 0/3; no incidents; rework 1/3; breakdown coding 1, deploy 2 (no review: pickup/review null).

    Team pay (``acme/pay`` via ``teams:``, though its catalog says ``group:payments``). Q1 first. PR #1
    ``HOTFIX`` → rework (configured ``HotFix``: letter case on both sides). PR #2 ``hotfix-candidate`` and
    ``Rollback-Plan``: a label is compared whole, and neither is a configured label → no rework.
    The same figures: deployments 3, leads 4/4, rework 1/3 (were prefixes matched: 2/3).
    """
    for team in (ZURICH, "pay"):
        check_row(
            world.metrics[team],
            team=team,
            deployments=3,
            lead=(4.0, 4.0),
            cfr=0.0,
            recovery=None,
            rework=1 / 3,
            stages=breakdown(coding=1.0, deploy=2.0),
            row_bands=bands("medium"),
        )


def test_catalog_owner_spellings_meet_configured_teams_and_a_prefix_team(world: World) -> None:
    """SPEC §4 owner forms × metrics.md owner letter case × ``teams:`` override × a team that is a prefix.

    * ``payments`` is configured with no repository; acme/pay-api's component says
      ``group:default/PAYMENTS`` → team ``payments`` (configured spelling). P1 first, P2 03-07 10:00
      (lead 1 h). acme/pay's component says ``group:payments`` but ``teams:`` gives acme/pay to ``pay``
      ("whatever the catalog says"): payments keeps 2 deployments; leads 1, 1; rework 0; no PR → every
      stage null; 2/30 ≥ 1/30 → medium.
    * No configured team: acme/alpha-billing ``owner: billing``, acme/Beta-billing ``owner: group:BILLING``
      → one team, spelled as first met in file order, the files ordered by repository name letter case
      aside: ``acme/alpha-billing`` before ``acme/Beta-billing`` (code-point order would put ``B`` first) →
      ``billing``. 4 deployments (two firsts; 03-10, 03-11 leads 1 h): 4/30 < 1/7 → medium; rework 0.
    * The rows are exactly ``*``, Zürich, billing, pay, payments, sorted by team (code-point order): no
      ``PAYMENTS``, ``BILLING`` or ``zurich-api`` row; the configured ``İzmir`` owns nothing and has no
      row (metrics.md: "Every team owning a repository ... gets a row").
    """
    assert world.metric_teams == ["*", ZURICH, "billing", "pay", "payments"]
    for team, deployments in (("payments", 2), ("billing", 4)):
        check_row(
            world.metrics[team],
            team=team,
            deployments=deployments,
            lead=(1.0, 1.0),
            cfr=0.0,
            recovery=None,
            rework=0.0,
            stages=breakdown(),
            row_bands=bands("medium"),
        )


def test_organisation_row_counts_every_spelling_once(world: World) -> None:
    """Team ``*``: 3 + 2 + 3 + 4 = 12 deployments (0.4/day ≥ 1/7 → high). Lead times: Zürich 4, 4; pay
    4, 4; payments 1; billing 1, 1 → sorted 1, 1, 1, 4, 4, 4, 4: p50 (position 3) 4.0, p90 (position
    5.4) 4.0. Rework: Zürich's ``STÖRUNG`` and pay's ``HOTFIX`` → 2/12. PRs deployed: 4, each coding 1,
    deploy 2, no review."""
    check_row(
        world.metrics["*"],
        team="*",
        deployments=12,
        lead=(4.0, 4.0),
        cfr=0.0,
        recovery=None,
        rework=2 / 12,
        stages=breakdown(coding=1.0, deploy=2.0),
        row_bands=bands("high"),
    )


def score_row(team: str, answers: list[int]) -> dict[str, Any]:
    mean = sum(answers) / len(answers)
    return {
        "team": team,
        "quarter": QUARTER,
        "dimension": "satisfaction",
        "score": approx((mean - 1) / 4 * 100),
        "favourable": approx(sum(1 for answer in answers if answer >= 4) / len(answers)),
        "respondents": len(answers),
        "response_rate": None,
        "change": None,
    }


def test_survey_team_answers_in_every_spelling_land_on_the_team_as_configured_or_catalogued(
    world: World,
) -> None:
    """SPEC §7.1 team answer × surveys.md folding (case, non-breaking spaces, compatibility forms) ×
    metrics.md catalog owner spelling. The long export (row 2 on):

    * Zürich: ``Zu\\u0308rich`` (NFD: its NFKC form is the configured NFC name), ``ZÜRICH\\u00a0``,
      ``  zürich`` → 5, 5, 4: mean 14/3, score (14/3 − 1)/4 × 100 = 91.67, favourable 3/3.
    * billing (catalog only; ``billing`` as first met): ``Billing``, ``BILLING\\u00a0``, ``billing\\u202f``
      → 1, 2, 3: score 25.0, favourable 0.
    * pay: ``pay``, ``PAY``, ``Pay\\u00a0`` → 4, 2, 2: score 41.67, favourable 1/3 (none goes to payments).
    * payments: ``Payments``, ``PAYMENTS``, ``ｐayments\\u3000`` (fullwidth p, ideographic space) → 3, 4, 5:
      score 75.0, favourable 2/3 (none goes to pay).
    * ``*``: 12 respondents, answers summing to 40: score (40/12 − 1)/4 × 100 = 58.33, favourable 6/12.
    The import succeeds (exit 0); each team has 3 ≥ min_group_size respondents, so every row is shown,
    under the same team string as its metrics row (the configured NFC ``Zürich``, not as typed). No
    headcount → response_rate null; one quarter → change null.
    """
    assert world.import_status == 0, world.import_err
    expected = {
        "*": score_row("*", [5, 5, 4, 1, 2, 3, 4, 2, 2, 3, 4, 5]),
        ZURICH: score_row(ZURICH, [5, 5, 4]),
        "billing": score_row("billing", [1, 2, 3]),
        "pay": score_row("pay", [4, 2, 2]),
        "payments": score_row("payments", [3, 4, 5]),
    }
    assert {row["team"]: row for row in world.scores} == expected
    assert set(world.metric_teams) == {row["team"] for row in world.scores}


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("pay\u00a0 ments", id="inner-space-run"),
        pytest.param("pay\u200b", id="zero-width-space"),
        pytest.param("\u0130ZM\u0130R", id="turkish-capitals"),
    ],
)
def test_team_answers_no_folding_makes_a_team_are_refused_whole(world: World, typed: str) -> None:
    """An export of two rows: ``n1`` answering ``pay`` (a good row) and ``n2`` answering ``typed``.

    * ``pay\\u00a0 ments``: the run of a no-break space and a space folds to ONE space (surveys.md "runs
      of spaces ... ignored" is runs folded, SPEC "runs of whitespace folded"), giving ``pay ments``:
      neither pay nor payments → "an unknown team is an error naming the row" (row 3).
    * ``pay\\u200b``: undecided — a zero-width space is no space character in Unicode (a format
      character) and no compatibility form; docs are silent. The product refuses it (row 3).
    * ``İZMİR`` for the configured ``İzmir``: undecided — the docs say letter case is ignored but not
      under which locale; Unicode's default folding (not Turkish) folds ``İ`` to ``i̇`` and ``I`` to ``i``,
      so ``İZMİR`` ≠ ``İzmir``. The product refuses it (row 3).
    All or nothing (SPEC §7.3): exit 2, and the scores afterwards are those before (pay keeps 3
    respondents; n1 is not stored)."""
    export = long_export(world.directory / "bad.csv", [("n1", "pay", 5), ("n2", typed, 4)])
    status, _, err = run(import_args(export, world.config, world.definition))
    assert status == 2
    assert "row 3, column 'team': unknown team" in err
    after = json.loads(
        run_cli(["survey", "scores", "--config", str(world.config), "--format", "json"], now=NOW)
    )
    assert after == world.scores


def two_team_config(tmp_path: Path, first: str, second: str) -> Path:
    config = tmp_path / "doraspace.yaml"
    config.write_text(
        f"database:\n  url: duckdb:///{tmp_path}/store.duckdb\n"
        f"surveys:\n  min_group_size: 3\n  respondent_secret: ${{{SECRET_VARIABLE}}}\n"
        f"teams:\n  - {{name: {first}}}\n  - {{name: {second}}}\n",
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize(
    "second",
    [pytest.param("STRASSE", id="sharp-s"), pytest.param("ZU\u0308RICH", id="capitals-decomposed")],
)
def test_team_names_equal_in_other_letter_case_are_refused_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, second: str
) -> None:
    """configuration.md ``teams[].name``: "unique whatever its letter case (catalog owners and survey
    answers are matched to it so)"; SPEC §3 "validated at start with errors that name the key".

    ``STRASSE`` is ``Straße`` in capitals (Unicode's uppercase of ß is SS; ``"Straße".upper()``), and
    ``ZU\\u0308RICH`` is ``Zürich`` (config: NFC ü) in capitals, written decomposed. The survey matching
    the parenthesis names folds both pairs together (the product's own import says ``'STRASSE' names
    both 'Straße' and 'STRASSE'``), so the second name is not unique whatever its letter case:
    ``check-config`` should exit 2 naming ``teams``. The product compares names lower-cased code point by
    code point (``ß`` ≠ ``ss``, ``ü`` ≠ ``u`` + U+0308): check-config exits 0."""
    first = "Stra\u00dfe" if second == "STRASSE" else ZURICH
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    config = two_team_config(tmp_path, first, second)
    status, out, err = run(["check-config", "--config", str(config)])
    assert (status, out, err) == (
        2,
        "",
        f"doraspace: error: {config}:8: teams[1].name: duplicate team {second!r} (first at {config}:7)\n",
    )


def test_canonically_equal_team_names_are_one_name_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Teams ``Zürich`` (NFC) and ``Zu\u0308rich`` (NFD), the same letters and letter case. SPEC and
    configuration.md do not say whether canonically equal spellings are one name; survey answers are
    matched to team names through NFKC, which makes them one, so the audit found every survey import
    stopping with ``teams: survey_names: 'Zürich' names both 'Zürich' and 'Zürich'`` while check-config
    passed. A team name is unique as the widest of its matchings compares it (docs/configuration.md):
    check-config refuses the second, naming its line and the first's, and nothing is stored."""
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    config = two_team_config(tmp_path, ZURICH, ZURICH_NFD)
    assert run(["check-config", "--config", str(config)]) == (
        2,
        "",
        f"doraspace: error: {config}:8: teams[1].name: duplicate team {ZURICH_NFD!r} (first at {config}:7)\n",
    )
    definition = tmp_path / "devex.yaml"
    definition.write_text(DEFINITION, encoding="utf-8")
    export = long_export(tmp_path / "e.csv", [("r1", ZURICH, 4)])
    status, _, err = run(import_args(export, config, definition))
    assert (status, err) == (
        2,
        f"doraspace: error: {config}:8: teams[1].name: duplicate team {ZURICH_NFD!r} (first at {config}:7)\n",
    )
    assert not (tmp_path / "store.duckdb").exists()
