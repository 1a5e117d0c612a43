"""SPACE surveys where two SPEC rules meet (SPEC §7.1–§7.5, §2, §3).

Each test is one small named scenario: a short export written here (in the shape of one tool), imported
through ``import_survey`` (or the CLI), then scored with ``compute_space``. Every expected number is
worked out by hand from the SPEC's wording in the comment above its assertion, never copied from what
the code printed. Scores: ``(mean answer − 1) / (points − 1) × 100`` per item, averaged over the
dimension's items; ``favourable`` = favourable ÷ valid answers; a reverse item scores ``points + 1 − x``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from analytics.space import SpaceScore, compute_space
from doraspace.cli import main
from store import schema
from store.engine import open_store
from store.errors import SurveyImportError
from surveys.definition import SurveyDefinition, parse_definition
from surveys.importer import ImportReport, import_survey, pseudonym, team_spellings

SECRET = "rule-pairs-secret"
Q2, Q3 = "2026-Q2", "2026-Q3"
TEAM = "Which team are you on?"
SAT_TOOLS = "I am satisfied with the tools and processes I use to do my work"
SAT_BURNOUT = "I feel burned out from my work"
COM_HELP = "It is easy to get help from other teams when my work depends on them"
AGREE5 = (
    "{points: 5, labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree], "
    "favourable: [4, 5]}"
)
LONG_HEADER = ["respondent_id", "team", "submitted_at", "item_id", "answer"]
TEAM_NAMES = team_spellings(
    {
        "orders": ["Orders team", "Order's crew", "The Orders team"],
        "payments": ["Payments"],
        "platform": ["Platform team"],
        "search": [],
    }
)


def definition(
    sat_tools: str = SAT_TOOLS,
    com_help: str = COM_HELP,
    *,
    sat_tools_id: str = "sat_tools",
) -> SurveyDefinition:
    """Three items over two dimensions: satisfaction (one of them reverse) and communication."""
    return parse_definition(f"""
survey: devex
scales:
  agree5: {AGREE5}
missing: ["I don't know", "N/A", "Not applicable", ""]
team_question: "{TEAM}"
items:
  - {{id: {sat_tools_id}, text: "{sat_tools}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{SAT_BURNOUT}", dimension: satisfaction, scale: agree5, reverse: true}}
  - {{id: com_help, text: "{com_help}", dimension: communication, scale: agree5}}
""")


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def run(
    engine: Engine,
    file: Path,
    survey: SurveyDefinition,
    *,
    quarter: str = Q3,
    fmt: str = "auto",
) -> ImportReport:
    return import_survey(engine, file, survey, quarter=quarter, fmt=fmt, secret=SECRET, team_names=TEAM_NAMES)


def scores(
    engine: Engine, *, minimum: int, teams: Mapping[str, int | None] | None = None
) -> dict[tuple[str, str, str], SpaceScore]:
    rows = compute_space(engine, teams=teams or {}, min_group_size=minimum)
    return {(row.team, row.quarter, row.dimension): row for row in rows}


def stored_text(engine: Engine) -> str:
    with engine.connect() as conn:
        rows = [
            sorted((tuple(row) for row in conn.execute(select(table))), key=str)
            for table in (schema.survey_items, schema.survey_responses, schema.survey_answers)
        ]
    return json.dumps(rows, default=str)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    store = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    try:
        yield store
    finally:
        store.dispose()


def google_header(*, email: bool = False, grid: str | None = None) -> list[str]:
    items = [SAT_TOOLS, SAT_BURNOUT, COM_HELP]
    titles = [f"{grid} [{text}]" for text in items[:2]] + items[2:] if grid else items
    return ["Timestamp", *(["Email Address"] if email else []), TEAM, *titles]


MS_HEADER = ["ID", "Start time", "Completion time", "Email", "Name", TEAM, SAT_TOOLS, SAT_BURNOUT, COM_HELP]


def ms_row(number: int, email: str, team: str, tools: str, burnout: str = "", help_: str = "") -> list[str]:
    stamp = f"7/14/2026 10:{number:02d}:00"
    name = "" if email == "anonymous" else "Ana García"
    return [str(number), stamp, stamp, email, name, team, tools, burnout, help_]


# --------------------------------------------------------------------------------------------------
# 1. A reverse-scored item + a missing-answer label (curly apostrophe) + favourable denominators
# --------------------------------------------------------------------------------------------------


def test_reverse_item_with_a_curly_missing_label_in_a_google_grid(tmp_path: Path, engine: Engine) -> None:
    file = write_csv(
        tmp_path / "grid.csv",
        [
            google_header(grid="How much do you agree with each statement?"),
            ["14/07/2026 10:00:01", "Orders", "Agree", "Strongly agree", ""],
            ["14/07/2026 10:00:02", "Orders", "Strongly agree", "I don’t know", ""],
            ["14/07/2026 10:00:03", "Orders", "N/A", "Disagree", ""],
        ],
    )
    run(engine, file, definition())
    result = scores(engine, minimum=3)
    row = result[("orders", Q3, "satisfaction")]
    # sat_tools: 4, 5 (N/A leaves) → mean 4.5 → 3.5/4 × 100 = 87.5.
    # sat_burnout (reverse): "Strongly agree" 5 → 1, "I don’t know" folds to the missing label "I don't
    # know" and leaves, "Disagree" 2 → 4: mean 2.5 → 1.5/4 × 100 = 37.5. Score (87.5 + 37.5)/2 = 62.5.
    assert row.score == pytest.approx(62.5, rel=1e-12)
    # Valid answers 4 (two per item); favourable 4, 5 and the reversed 4 → 3/4.
    assert row.favourable == pytest.approx(0.75, rel=1e-12)
    assert row.respondents == 3  # every one has a valid satisfaction answer
    # Nobody answered communication: no row at all.
    assert ("orders", Q3, "communication") not in result
    assert result[("*", Q3, "satisfaction")].score == pytest.approx(62.5, rel=1e-12)


# --------------------------------------------------------------------------------------------------
# 2. survey_names aliases (case, whitespace, curly quote) + the anonymity threshold, through the CLI
# --------------------------------------------------------------------------------------------------


def test_aliases_folded_count_towards_the_threshold_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RULE_PAIRS_SECRET", SECRET)
    config = tmp_path / "doraspace.yaml"
    config.write_text(f"""
database:
  url: duckdb:///{tmp_path}/cli.duckdb
teams:
  - {{name: orders, headcount: 10, survey_names: [Orders team, "Order's crew"]}}
  - {{name: payments, headcount: 8, survey_names: [Payments]}}
surveys:
  min_group_size: 5
  respondent_secret: ${{RULE_PAIRS_SECRET}}
""")
    orders = ["Orders team", "ORDERS   TEAM", "order’s crew", "orders", "  Orders Team "]
    rows = [MS_HEADER]
    rows += [ms_row(n, "anonymous", team, "Agree", "Disagree") for n, team in enumerate(orders, 1)]
    rows += [ms_row(n, "anonymous", "payments ", "Disagree", "Agree") for n in range(6, 11)]
    export = write_csv(tmp_path / "forms.csv", rows)
    definition_file = tmp_path / "devex.yaml"
    definition_file.write_text(f"""
survey: devex
scales:
  agree5: {AGREE5}
missing: ["I don't know", "N/A", "Not applicable", ""]
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{SAT_TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{SAT_BURNOUT}", dimension: satisfaction, scale: agree5, reverse: true}}
  - {{id: com_help, text: "{COM_HELP}", dimension: communication, scale: agree5}}
""")
    base = ["--config", str(config)]
    imported = ["survey", "import", *base, str(export), "--definition", str(definition_file), "--quarter", Q3]
    assert main(imported) == 0
    capsys.readouterr()
    assert main(["survey", "scores", *base, "--format", "json"]) == 0
    rows_out = json.loads(capsys.readouterr().out)
    got = {(r["team"], r["dimension"]): r for r in rows_out}
    # All five spellings are the team orders: 5 respondents ≥ min_group_size 5, shown.
    assert [(r["team"], r["quarter"], r["dimension"]) for r in rows_out] == [
        ("*", Q3, "satisfaction"),
        ("orders", Q3, "satisfaction"),
        ("payments", Q3, "satisfaction"),
    ]
    # orders: tools 4 → 75; burnout "Disagree" 2 reversed 4 → 75; score 75; all 10 answers favourable.
    assert (got[("orders", "satisfaction")]["score"], got[("orders", "satisfaction")]["favourable"]) == (
        pytest.approx(75.0),
        pytest.approx(1.0),
    )
    assert got[("orders", "satisfaction")]["respondents"] == 5
    assert got[("orders", "satisfaction")]["response_rate"] == pytest.approx(5 / 10)
    # payments: tools 2 → 25; burnout "Agree" 4 reversed 2 → 25; nothing favourable; 5 of 8.
    assert got[("payments", "satisfaction")]["score"] == pytest.approx(25.0)
    assert got[("payments", "satisfaction")]["favourable"] == pytest.approx(0.0)
    assert got[("payments", "satisfaction")]["response_rate"] == pytest.approx(5 / 8)
    # Organisation: tools mean 3 → 50, burnout reversed mean 3 → 50; 10 favourable of 20; 10 of 18.
    org = got[("*", "satisfaction")]
    assert (org["score"], org["favourable"], org["respondents"]) == (pytest.approx(50.0), 0.5, 10)
    assert org["response_rate"] == pytest.approx(10 / 18)
    assert [org["change"], got[("orders", "satisfaction")]["change"]] == [None, None]


# --------------------------------------------------------------------------------------------------
# 3. Re-import in the same quarter (e-mail identity, case-folded) + a team change + differencing
# --------------------------------------------------------------------------------------------------


def test_reimported_respondent_changing_team_moves_counts_and_triggers_differencing(
    tmp_path: Path, engine: Engine
) -> None:
    header = google_header(email=True)
    people = [("r", "Orders", 5), ("p", "Payments", 5), ("t", "Platform team", 7)]
    first = [header]
    for prefix, team, size in people:
        for n in range(1, size + 1):
            tools = "Strongly agree" if (prefix, n) == ("r", 5) else "Agree"
            first.append(
                [f"7/14/2026 10:{len(first):02d}:00", f"{prefix}{n}@example.com", team, tools, "", ""]
            )
    run(engine, write_csv(tmp_path / "first.csv", first), definition())
    # A later export: r5 answers again (same e-mail, other case), now on payments, now unhappy.
    later = [header, ["7/20/2026 09:00:00", "R5@Example.COM", "payments", "Strongly disagree", "", ""]]
    report = run(engine, write_csv(tmp_path / "later.csv", later), definition())
    assert report.new_responses == 0  # the e-mail (case-folded) is the identifier: r5 is known

    result = scores(engine, minimum=5)
    # Teams now: orders 4 (< 5, suppressed), payments 6, platform 7; organisation 17 (r5 once).
    # Differencing: the suppressed teams hold 4 < 5 while the organisation is shown, so the smallest
    # shown team (payments, 6) is suppressed too; hidden 10 ≥ 5. Shown: "*" and platform.
    assert {team for team, _, _ in result} == {"*", "platform"}
    org = result[("*", Q3, "satisfaction")]
    assert org.respondents == 17
    # sat_tools over 17 people: 16 × "Agree" 4 and r5's replacing "Strongly disagree" 1 (the earlier
    # "Strongly agree" is gone): mean 65/17 → (48/17)/4 × 100 = 1200/17; favourable 16/17.
    assert org.score == pytest.approx(1200 / 17, rel=1e-12)
    assert org.favourable == pytest.approx(16 / 17, rel=1e-12)
    platform = result[("platform", Q3, "satisfaction")]
    assert (platform.score, platform.favourable, platform.respondents) == (pytest.approx(75.0), 1.0, 7)


# --------------------------------------------------------------------------------------------------
# 4. Item wording: a cosmetic edit (curly quote, spaces, case) vs a real rewording + the change
# --------------------------------------------------------------------------------------------------


def long_rows(quarter_answers: Mapping[str, Sequence[tuple[str, str, str]]]) -> list[list[str]]:
    """``{respondent: [(team, item_id, answer), …]}`` as a long export."""
    rows = [LONG_HEADER]
    for respondent, answers in quarter_answers.items():
        rows += [[respondent, team, "", item_id, answer] for team, item_id, answer in answers]
    return rows


def test_cosmetic_rewording_keeps_the_change_a_real_one_drops_it(tmp_path: Path, engine: Engine) -> None:
    q2 = definition("I’m satisfied with the tools I use", "It is easy to get help from other teams")
    q3 = definition("I'm   satisfied with the TOOLS I use", "Other teams help me quickly when I need it")
    q2_answers = {
        f"a{n}": [("Orders", "sat_tools", t), ("Orders", "com_help", "1")] for n, t in enumerate("223")
    }
    q3_answers = {f"b{n}": [("Orders", "sat_tools", "5"), ("Orders", "com_help", "5")] for n in range(3)}
    run(engine, write_csv(tmp_path / "q2.csv", long_rows(q2_answers)), q2, quarter=Q2)
    run(engine, write_csv(tmp_path / "q3.csv", long_rows(q3_answers)), q3, quarter=Q3)
    result = scores(engine, minimum=3)
    # Satisfaction, Q2: own scores 25, 25, 50 → mean 33.33, sd 14.43, SE 8.33. Q3: 100 ×3, SE 0.
    # Moved 66.67 ≥ 5 and > 1.96 × 8.33 = 16.33: rising. The wording differs only by quote style, spaces
    # and case, which the fingerprint ignores (SPEC §7.1 folding; "item wording is unchanged").
    assert result[("orders", Q2, "satisfaction")].score == pytest.approx(100 / 3)
    assert result[("orders", Q3, "satisfaction")].change == "rising"
    assert result[("*", Q3, "satisfaction")].change == "rising"
    # Communication moved 0 → 100 but its item was reworded: no change (SPEC §7.4).
    assert result[("orders", Q3, "communication")].score == pytest.approx(100.0)
    assert result[("orders", Q3, "communication")].change is None
    assert result[("*", Q3, "communication")].change is None


# --------------------------------------------------------------------------------------------------
# 5. An item id renamed between quarters, the wording unchanged + the change
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q3_survey", "q3_item_id"),
    [("devex", "sat_tooling"), ("devex-2026-q3", "sat_tools")],
    ids=["item-id-renamed", "survey-renamed"],
)
def test_a_renamed_item_or_survey_with_the_same_wording_keeps_the_change(
    tmp_path: Path, engine: Engine, q3_survey: str, q3_item_id: str
) -> None:
    # SPEC §7.4: change is shown "where both quarters are shown and the item wording is unchanged".
    # Only an identifier changes between the quarters (the item id, or the definition's `survey:`
    # name); every item's wording, dimension and scale are the same.
    q2 = definition()
    q3 = dataclasses.replace(definition(sat_tools_id=q3_item_id), survey=q3_survey)
    q2_answers = {f"a{n}": [("Orders", "sat_tools", t)] for n, t in enumerate("223")}
    q3_answers = {f"b{n}": [("Orders", q3_item_id, "5")] for n in range(3)}
    run(engine, write_csv(tmp_path / "q2.csv", long_rows(q2_answers)), q2, quarter=Q2)
    run(engine, write_csv(tmp_path / "q3.csv", long_rows(q3_answers)), q3, quarter=Q3)
    result = scores(engine, minimum=3)
    # Same numbers as scenario 4: 33.33 (SE 8.33) → 100 (SE 0): rising.
    assert result[("orders", Q3, "satisfaction")].score == pytest.approx(100.0)
    assert result[("orders", Q3, "satisfaction")].change == "rising"


# --------------------------------------------------------------------------------------------------
# 6. Typeform: a numeric-only scale and a labelled one in the same export + reverse + partial rows
# --------------------------------------------------------------------------------------------------

FLOW = "How easy is it to get into a state of flow at work?"
WAIT = "I often wait on builds and reviews"


def test_typeform_numeric_and_labelled_scales_reverse_and_a_partial_row(
    tmp_path: Path, engine: Engine
) -> None:
    survey = parse_definition(f"""
survey: devex
scales:
  agree5: {AGREE5}
  rate7: {{points: 7, favourable: [6, 7]}}
missing: ["N/A", ""]
team_question: "{TEAM}"
items:
  - {{id: eff_flow, text: "{FLOW}", dimension: efficiency, scale: rate7}}
  - {{id: eff_wait, text: "{WAIT}", dimension: efficiency, scale: agree5, reverse: true}}
""")
    meta = [
        "Response Type",
        "Start Date (UTC)",
        "Stage Date (UTC)",
        "Submit Date (UTC)",
        "Network ID",
        "Tags",
    ]
    done = ["completed", "2026-07-14 08:00:00", "", "2026-07-14 08:05:00", "n1", ""]
    file = write_csv(
        tmp_path / "typeform.csv",
        [
            ["#", TEAM, FLOW, WAIT, *meta],
            ["tok1", "Orders", "7", "Agree", *done],
            ["tok2", "Orders", "4", "2", *done],  # a number for the labelled scale: point 2
            ["tok3", "Orders", "N/A", "Strongly disagree", *done],
            # Partial: not a response. Its unknown team must neither fail the import nor count.
            ["tok4", "Growth", "1", "Strongly agree", "partial", "2026-07-14 08:10:00", "", "", "n2", ""],
        ],
    )
    report = run(engine, file, survey)
    assert (report.responses, report.skipped) == (3, 1)
    row = scores(engine, minimum=3)[("orders", Q3, "efficiency")]
    # eff_flow (1–7): 7, 4 (N/A leaves) → mean 5.5 → 4.5/6 × 100 = 75.
    # eff_wait (reverse, 1–5): "Agree" 4 → 2, "2" → 4, "Strongly disagree" 1 → 5: mean 11/3 → (8/3)/4 × 100.
    assert row.score == pytest.approx((75 + 200 / 3) / 2, rel=1e-12)
    # Favourable: flow 7 (of 6, 7), wait reversed 4 and 5 → 3 of 5 valid answers.
    assert row.favourable == pytest.approx(3 / 5, rel=1e-12)
    assert row.respondents == 3


# --------------------------------------------------------------------------------------------------
# 7. Blank and "Not applicable" answers + favourable denominators + per-dimension respondents
# --------------------------------------------------------------------------------------------------


def test_blank_answers_leave_favourable_and_respondent_denominators(tmp_path: Path, engine: Engine) -> None:
    helps = ["Agree", "Strongly agree", "Disagree", "", "Not applicable"]
    rows = [MS_HEADER]
    rows += [ms_row(n, "anonymous", "Orders", "Agree", "", help_) for n, help_ in enumerate(helps, 1)]
    rows += [ms_row(n, "anonymous", "Payments", "Agree", "", "Agree") for n in range(6, 10)]
    run(engine, write_csv(tmp_path / "forms.csv", rows), definition())
    result = scores(engine, minimum=3)
    orders = result[("orders", Q3, "communication")]
    # orders, com_help: valid 4, 5, 2 (blank and "Not applicable" leave): respondents 3 ≥ 3, shown.
    # Favourable 2 of 3 (not of 5); mean 11/3 → (8/3)/4 × 100 = 200/3.
    assert orders.respondents == 3
    assert orders.favourable == pytest.approx(2 / 3, rel=1e-12)
    assert orders.score == pytest.approx(200 / 3, rel=1e-12)
    # Organisation: orders' 3 plus payments' four "Agree": 7 valid, 6 favourable; mean 27/7 → 500/7.
    org = result[("*", Q3, "communication")]
    assert (org.respondents, org.favourable) == (7, pytest.approx(6 / 7, rel=1e-12))
    assert org.score == pytest.approx(500 / 7, rel=1e-12)
    # Satisfaction: sat_tools "Agree" by all 5 of orders (burnout blank): 75, all favourable.
    sat = result[("orders", Q3, "satisfaction")]
    assert (sat.respondents, sat.score, sat.favourable) == (5, pytest.approx(75.0), 1.0)


# --------------------------------------------------------------------------------------------------
# 8. Google Forms grid rows + an item text that itself holds brackets
# --------------------------------------------------------------------------------------------------


def test_a_grid_row_whose_item_text_holds_brackets(tmp_path: Path, engine: Engine) -> None:
    # SPEC §7.1: columns are matched "by the item's text against ... its row label for grids (Google
    # Forms `Title [Row]`)". The row label here is the item text verbatim, brackets included.
    tools = "I am satisfied with my tools [CI, IDE, editor]"
    survey = definition(tools)
    grid = "How much do you agree with each statement?"
    file = write_csv(
        tmp_path / "grid.csv",
        [
            ["Timestamp", TEAM, f"{grid} [{tools}]", f"{grid} [{SAT_BURNOUT}]", COM_HELP],
            ["14/07/2026 10:00:01", "Orders", "Agree", "", ""],
            ["14/07/2026 10:00:02", "Orders", "Strongly agree", "", ""],
            ["14/07/2026 10:00:03", "Orders", "Disagree", "", ""],
        ],
    )
    run(engine, file, survey)
    row = scores(engine, minimum=3)[("orders", Q3, "satisfaction")]
    # sat_tools 4, 5, 2 → mean 11/3 → 200/3; favourable 2/3.
    assert row.score == pytest.approx(200 / 3, rel=1e-12)
    assert row.favourable == pytest.approx(2 / 3, rel=1e-12)


# --------------------------------------------------------------------------------------------------
# 9. Qualtrics: the team question as a choice with "Other" + its free-text box naming a known team
# --------------------------------------------------------------------------------------------------

QUALTRICS_META = ["StartDate", "EndDate", "Status", "Progress", "Finished", "RecordedDate", "ResponseId"]
QUALTRICS_WORDS = [
    "Start Date",
    "End Date",
    "Response Type",
    "Progress",
    "Finished",
    "Recorded Date",
    "Response ID",
]
MATRIX = "Please rate how much you agree with each statement about your work."


def qualtrics(rows: Sequence[Sequence[str]], matrix: str = "Q1") -> list[list[str]]:
    """A Qualtrics choice-text export: matrix Q1_1..Q1_3 (export tag ``matrix``), team choice Q10 with
    its Other text Q10_4_TEXT. ``rows``: (Status, Finished, ResponseId, tools, burnout, help, team
    choice, other text)."""
    ids = [*QUALTRICS_META, f"{matrix}_1", f"{matrix}_2", f"{matrix}_3", "Q10", "Q10_4_TEXT"]
    words = [
        *QUALTRICS_WORDS,
        f"{MATRIX} - {SAT_TOOLS}",
        f"{MATRIX} - {SAT_BURNOUT}",
        f"{MATRIX} - {COM_HELP}",
        f"{TEAM} - Selected Choice",
        f"{TEAM} - Other - Text",
    ]
    imports = [
        '{"ImportId":"startDate","timeZone":"UTC"}',
        '{"ImportId":"endDate","timeZone":"UTC"}',
        '{"ImportId":"status"}',
        '{"ImportId":"progress"}',
        '{"ImportId":"finished"}',
        '{"ImportId":"recordedDate","timeZone":"UTC"}',
        '{"ImportId":"_recordId"}',
        '{"ImportId":"QID1_1"}',
        '{"ImportId":"QID1_2"}',
        '{"ImportId":"QID1_3"}',
        '{"ImportId":"QID10"}',
        '{"ImportId":"QID10_4_TEXT"}',
    ]
    stamp = "2026-07-14 08:00:00"
    body = [[stamp, stamp, status, "100", finished, stamp, *rest] for status, finished, *rest in rows]
    return [ids, words, imports, *body]


def test_qualtrics_other_choice_with_a_typed_known_team(tmp_path: Path, engine: Engine) -> None:
    # SPEC §7.1: the team question is found by its wording "whatever kind of question asked it (a choice,
    # a drop-down or a text entry)". A respondent who picks "Other" and types "payments" answered the
    # team question with "payments" — Google Forms, Microsoft Forms and Typeform write that typed text in
    # the team column itself; Qualtrics writes it in the "<question> - Other - Text" box beside it.
    file = write_csv(
        tmp_path / "qualtrics.csv",
        qualtrics(
            [
                ("0", "1", "R_1", "Agree", "", "", "Orders", ""),
                ("0", "1", "R_2", "Agree", "", "", "Orders", ""),
                ("0", "1", "R_3", "Agree", "", "", "Orders", ""),
                ("0", "1", "R_4", "Disagree", "", "", "Payments", ""),
                ("0", "1", "R_5", "Disagree", "", "", "Payments", ""),
                ("0", "1", "R_6", "Strongly disagree", "", "", "Other", "payments"),
            ]
        ),
    )
    run(engine, file, definition())
    result = scores(engine, minimum=3)
    payments = result[("payments", Q3, "satisfaction")]
    # payments: 2, 2, 1 → mean 5/3 → (2/3)/4 × 100 = 50/3; 3 respondents; nothing favourable.
    assert payments.respondents == 3
    assert payments.score == pytest.approx(50 / 3, rel=1e-12)
    assert result[("*", Q3, "satisfaction")].respondents == 6


# --------------------------------------------------------------------------------------------------
# 10. Qualtrics Status/Finished filters + rows that would be errors (unknown team, unknown answer)
# --------------------------------------------------------------------------------------------------


def test_qualtrics_skipped_rows_are_not_validated_nor_counted(tmp_path: Path, engine: Engine) -> None:
    file = write_csv(
        tmp_path / "qualtrics.csv",
        qualtrics(
            [
                ("0", "1", "R_1", "Agree", "", "", "Orders", ""),
                ("4", "1", "R_2", "Strongly agree", "", "", "Orders", ""),  # Imported: kept
                ("0", "1", "R_3", "Disagree", "", "", "Orders", ""),
                ("1", "1", "R_4", "Mostly agree", "", "", "Test team", ""),  # preview: skipped
                ("0", "0", "R_5", "", "", "", "", ""),  # unfinished: skipped
                ("8", "1", "R_6", "Strongly disagree", "", "", "Orders", ""),  # spam: skipped
            ]
        ),
    )
    report = run(engine, file, definition())
    # SPEC §7.2: keep Finished = 1 and Status 0 or 4. Three kept, three skipped; the skipped rows'
    # unknown team and unknown answer are not errors, since they are no responses.
    assert (report.responses, report.skipped) == (3, 3)
    row = scores(engine, minimum=3)[("orders", Q3, "satisfaction")]
    # sat_tools 4, 5, 2 → mean 11/3 → 200/3; favourable 2/3; 3 respondents (spam's 1 not among them).
    assert (row.respondents, row.favourable) == (3, pytest.approx(2 / 3, rel=1e-12))
    assert row.score == pytest.approx(200 / 3, rel=1e-12)


# --------------------------------------------------------------------------------------------------
# 10b. Qualtrics: items matched by wording + the metadata filter on column ids (a renamed export tag)
# --------------------------------------------------------------------------------------------------


def test_qualtrics_items_are_matched_by_wording_whatever_the_export_tag(
    tmp_path: Path, engine: Engine
) -> None:
    # SPEC §7.1: columns are matched to items by the item's text against the question title (Qualtrics
    # matrix `Question - Statement`, row 2), never by position or id. Qualtrics lets a survey author
    # rename a question's export tag; here the matrix is tagged "Q_Work" (columns Q_Work_1..3, import
    # ids QID1_1..3) instead of the default "Q1".
    rows = [
        ("0", "1", "R_1", "Agree", "", "", "Orders", ""),
        ("0", "1", "R_2", "Strongly agree", "", "", "Orders", ""),
        ("0", "1", "R_3", "Disagree", "", "", "Orders", ""),
    ]
    run(engine, write_csv(tmp_path / "qualtrics.csv", qualtrics(rows, matrix="Q_Work")), definition())
    row = scores(engine, minimum=3)[("orders", Q3, "satisfaction")]
    # sat_tools 4, 5, 2 → mean 11/3 → 200/3; favourable 2/3.
    assert row.score == pytest.approx(200 / 3, rel=1e-12)
    assert row.favourable == pytest.approx(2 / 3, rel=1e-12)


# --------------------------------------------------------------------------------------------------
# 10c. Google Forms, Microsoft Forms, Typeform: an "Other" team typed into the team column
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tool", ["google-forms", "microsoft-forms", "typeform"])
def test_a_typed_other_team_in_the_team_column_counts_for_that_team(
    tmp_path: Path, engine: Engine, tool: str
) -> None:
    # In these tools an "Other" choice writes the typed text in the team question's own column. Typed
    # "PAYMENTS " and "order’s crew" (curly apostrophe) fold to payments and to orders' survey_name
    # "Order's crew" (SPEC §7.1: case-insensitive; doraspace also folds spaces and quote style).
    teams = ["Orders", "order’s crew", "Orders team", "Payments", "payments", "PAYMENTS "]
    tools = ["Agree", "Agree", "Strongly agree", "Disagree", "Disagree", "Strongly disagree"]
    if tool == "google-forms":
        rows = [google_header()]
        rows += [
            [f"14/07/2026 10:00:0{n}", t, a, "", ""]
            for n, (t, a) in enumerate(zip(teams, tools, strict=True))
        ]
    elif tool == "microsoft-forms":
        rows = [MS_HEADER] + [
            ms_row(n, "anonymous", t, a) for n, (t, a) in enumerate(zip(teams, tools, strict=True), 1)
        ]
    else:
        meta = ["Response Type", "Start Date (UTC)", "Submit Date (UTC)", "Network ID"]
        rows = [["#", TEAM, SAT_TOOLS, SAT_BURNOUT, COM_HELP, *meta]]
        rows += [
            [f"tok{n}", t, a, "", "", "completed", "2026-07-14 08:00:00", "2026-07-14 08:01:00", ""]
            for n, (t, a) in enumerate(zip(teams, tools, strict=True))
        ]
    report = run(engine, write_csv(tmp_path / f"{tool}.csv", rows), definition())
    assert report.format == tool
    result = scores(engine, minimum=3)
    # orders: 4, 4, 5 → mean 13/3 → (10/3)/4 × 100 = 250/3; favourable 3/3.
    orders = result[("orders", Q3, "satisfaction")]
    assert (orders.respondents, orders.favourable) == (3, 1.0)
    assert orders.score == pytest.approx(250 / 3, rel=1e-12)
    # payments: 2, 2, 1 → mean 5/3 → 50/3; favourable 0.
    payments = result[("payments", Q3, "satisfaction")]
    assert (payments.respondents, payments.favourable) == (3, 0.0)
    assert payments.score == pytest.approx(50 / 3, rel=1e-12)


# --------------------------------------------------------------------------------------------------
# 11. A column not in the definition (garbage answers, free text, an e-mail) + privacy
# --------------------------------------------------------------------------------------------------


def test_an_unmatched_column_is_neither_validated_stored_nor_scored(tmp_path: Path) -> None:
    extra = ["How do you rate your manager?", "What would you improve? (names welcome)"]
    answers = [
        ("ana@example.com", "Orders", "Agree", "Terrible", "Ask jane.doe@example.com about CI"),
        ("ben@example.com", "Orders", "Strongly agree", "Superb!!", "Fewer meetings with Hugo"),
        ("cy@example.com", "Orders", "Disagree", "", ""),
    ]
    with_extra = [["Timestamp", "Email Address", TEAM, SAT_TOOLS, *extra, SAT_BURNOUT, COM_HELP]]
    without = [["Timestamp", "Email Address", TEAM, SAT_TOOLS, SAT_BURNOUT, COM_HELP]]
    for n, (email, team, tools, rating, text) in enumerate(answers):
        stamp = f"7/14/2026 10:0{n}:00"
        with_extra.append([stamp, email, team, tools, rating, text, "", ""])
        without.append([stamp, email, team, tools, "", ""])
    native, plain = (open_store(f"duckdb:///{tmp_path}/{name}.duckdb") for name in ("native", "plain"))
    try:
        report = run(native, write_csv(tmp_path / "extra.csv", with_extra), definition())
        run(plain, write_csv(tmp_path / "plain.csv", without), definition())
        # SPEC §7.1/§7.3: other columns are never read; names, e-mails and free text are not stored.
        assert report.ignored_columns == tuple(extra)
        text = stored_text(native)
        for fragment in ("@", "Terrible", "Superb", "jane", "Hugo", "meetings", "ana", "García"):
            assert fragment.casefold() not in text.casefold(), fragment
        assert stored_text(native) == stored_text(plain)
        # The scores do not see the extra column: sat_tools 4, 5, 2 → 200/3 either way.
        got = scores(native, minimum=3)[("orders", Q3, "satisfaction")]
        assert got.score == pytest.approx(200 / 3, rel=1e-12)
        assert got == scores(plain, minimum=3)[("orders", Q3, "satisfaction")]
    finally:
        native.dispose()
        plain.dispose()


# --------------------------------------------------------------------------------------------------
# 12. Privacy + a free-text team answer (Google Forms short-answer team question)
# --------------------------------------------------------------------------------------------------


def test_a_typed_team_answer_is_stored_as_the_team_name_only(tmp_path: Path, engine: Engine) -> None:
    typed = ["  the ORDERS   team ", "The Orders Team", "the orders team"]
    rows = [google_header()]
    rows += [[f"14/07/2026 10:00:0{n}", team, "Agree", "", ""] for n, team in enumerate(typed)]
    run(engine, write_csv(tmp_path / "typed.csv", rows), definition())
    with engine.connect() as conn:
        teams = conn.execute(select(schema.survey_responses.c.team)).scalars().all()
    # SPEC §7.1: the answer is matched (folded) to the survey_name "The Orders team" of orders; §7.3:
    # free text is not stored — the configured name is, never the answer as typed.
    assert teams == ["orders"] * 3
    assert "the orders team" not in stored_text(engine).casefold()
    assert scores(engine, minimum=3)[("orders", Q3, "satisfaction")].respondents == 3


# --------------------------------------------------------------------------------------------------
# 13. Microsoft Forms: a resubmission (same e-mail, other case) changing team + "anonymous" ids
# --------------------------------------------------------------------------------------------------


def test_microsoft_forms_resubmission_changes_team_and_counts_once(tmp_path: Path, engine: Engine) -> None:
    rows = [
        MS_HEADER,
        ms_row(1, "ana@example.com", "Orders", "Agree"),
        ms_row(2, "anonymous", "Orders", "Agree"),
        ms_row(3, "anonymous", "Orders", "Agree"),
        ms_row(4, "anonymous", "Payments", "Agree"),
        ms_row(5, "anonymous", "Orders", "Agree"),
        ms_row(6, "anonymous", "Payments", "Agree"),
        ms_row(7, "ANA@Example.com", "Payments", "Strongly disagree"),  # Ana again, later: this counts
    ]
    report = run(engine, write_csv(tmp_path / "forms.csv", rows), definition())
    # SPEC §7.3: the identifier is the e-mail where there is one ("anonymous" is none: the ID then).
    assert (report.rows, report.superseded, report.responses) == (7, 1, 6)
    result = scores(engine, minimum=3)
    # orders: ids 2, 3, 5 (Ana moved away) → 3 respondents, all "Agree": 75, favourable 1.
    orders = result[("orders", Q3, "satisfaction")]
    assert (orders.respondents, orders.score, orders.favourable) == (3, pytest.approx(75.0), 1.0)
    # payments: 4, 6 "Agree" and Ana's "Strongly disagree": mean 3 → 50; favourable 2/3.
    payments = result[("payments", Q3, "satisfaction")]
    assert (payments.respondents, payments.score) == (3, pytest.approx(50.0))
    assert payments.favourable == pytest.approx(2 / 3, rel=1e-12)
    # Organisation: 6 people (Ana once): 5 × 4 + 1 → mean 3.5 → 62.5; favourable 5/6.
    org = result[("*", Q3, "satisfaction")]
    assert (org.respondents, org.score) == (6, pytest.approx(62.5))
    assert org.favourable == pytest.approx(5 / 6, rel=1e-12)


# --------------------------------------------------------------------------------------------------
# 14. Response rates + suppression: the organisation counts suppressed teams and every headcount
# --------------------------------------------------------------------------------------------------


def test_organisation_response_rate_counts_suppressed_teams_and_every_headcount(
    tmp_path: Path, engine: Engine
) -> None:
    sizes = {"Orders": 2, "Payments": 6, "Platform team": 7}
    answers = {
        f"{team[:3]}{n}": [(team, "sat_tools", "Agree")] for team, size in sizes.items() for n in range(size)
    }
    run(engine, write_csv(tmp_path / "long.csv", long_rows(answers)), definition())
    headcounts = {"orders": 4, "payments": 10, "platform": 7, "search": 9}
    result = scores(engine, minimum=5, teams=headcounts)
    # orders 2 < 5 suppressed; the organisation (15) is shown; hidden 2 < 5 → the smallest shown team,
    # payments (6), is suppressed too (hidden 8 ≥ 5). Shown: "*" and platform.
    assert {team for team, _, _ in result} == {"*", "platform"}
    org = result[("*", Q3, "satisfaction")]
    # SPEC §7.4: "*" counts every respondent, suppressed teams included (2 + 6 + 7 = 15), and divides by
    # the sum of all headcounts (4 + 10 + 7 + 9 = 30, search answering nobody included): 0.5.
    assert (org.respondents, org.response_rate) == (15, pytest.approx(0.5))
    assert result[("platform", Q3, "satisfaction")].response_rate == pytest.approx(1.0)


# --------------------------------------------------------------------------------------------------
# 15. Change + a previous quarter where the team was suppressed by differencing
# --------------------------------------------------------------------------------------------------


def test_change_is_null_where_the_previous_quarter_hid_the_team_by_differencing(
    tmp_path: Path, engine: Engine
) -> None:
    def quarter(sizes: Mapping[str, int], answer: str, prefix: str) -> list[list[str]]:
        return long_rows(
            {
                f"{prefix}{team[:3]}{n}": [(team, "sat_tools", answer)]
                for team, size in sizes.items()
                for n in range(size)
            }
        )

    # Q2: orders 4 (< 5), payments 6 (hidden by differencing: 4 < 5), platform 8 shown. All "Disagree".
    run(
        engine,
        write_csv(tmp_path / "q2.csv", quarter({"Orders": 4, "Payments": 6, "Platform team": 8}, "2", "a")),
        definition(),
        quarter=Q2,
    )
    # Q3: orders 5, payments 6, platform 8: everyone shown. All "Agree".
    run(
        engine,
        write_csv(tmp_path / "q3.csv", quarter({"Orders": 5, "Payments": 6, "Platform team": 8}, "4", "b")),
        definition(),
        quarter=Q3,
    )
    result = scores(engine, minimum=5)
    assert {team for team, quarter_, _ in result if quarter_ == Q2} == {"*", "platform"}
    # 25 → 75 with SE 0 on both sides: rising, where both quarters are shown (platform, "*").
    assert result[("platform", Q3, "satisfaction")].change == "rising"
    assert result[("*", Q3, "satisfaction")].change == "rising"
    # payments and orders were not shown in Q2: no comparable previous quarter.
    assert result[("payments", Q3, "satisfaction")].change is None
    assert result[("orders", Q3, "satisfaction")].change is None


# --------------------------------------------------------------------------------------------------
# 16. The long format: one respondent's rows naming the team by two of its survey_names
# --------------------------------------------------------------------------------------------------


def test_long_rows_of_one_respondent_must_spell_the_team_alike(tmp_path: Path, engine: Engine) -> None:
    # A respondent's rows are checked to agree before their team is resolved: "Orders" and "Orders team"
    # (both orders) are refused, naming the row and column, and nothing is stored (SPEC §7.3: every
    # valid row or none). SPEC is silent on two spellings; we keep the stricter reading (note, session 7).
    rows = [
        LONG_HEADER,
        ["r1", "Orders", "", "sat_tools", "Agree"],
        ["r1", "Orders team", "", "sat_burnout", "Disagree"],
        ["r2", "orders", "", "sat_tools", "Agree"],
    ]
    file = write_csv(tmp_path / "long.csv", rows)
    with pytest.raises(SurveyImportError) as refused:
        run(engine, file, definition())
    assert str(refused.value) == f"{file}, row 3, column 'team': team differs from the respondent's row 2"
    with engine.connect() as conn:
        assert conn.execute(select(schema.survey_responses.c.respondent)).all() == []


def test_respondent_pseudonyms_follow_the_identifier_rule(tmp_path: Path, engine: Engine) -> None:
    # A guard for scenarios 3 and 13: the stored respondent is HMAC(secret, case-folded e-mail).
    rows = [google_header(email=True), ["7/14/2026 10:00:00", "Ana@Example.com", "Orders", "Agree", "", ""]]
    run(engine, write_csv(tmp_path / "one.csv", rows), definition())
    with engine.connect() as conn:
        stored: list[Any] = conn.execute(select(schema.survey_responses.c.respondent)).scalars().all()
    assert stored == [pseudonym(SECRET, "ana@example.com")]
