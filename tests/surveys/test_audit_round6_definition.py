"""The survey definition file meeting the scoring rules, audit round 6 (SPEC §7.1, §7.4; docs/surveys.md).

Definitions are parsed in process (``surveys.definition.parse_definition``), exports imported in process
(``surveys.importer.import_survey``) and scored with ``analytics.space.compute_space``. Rules combined:

* a reverse item on a 7-point scale with ``favourable: [6, 7]`` — SPEC §7.1 "A reverse item scores
  ``points + 1 − x``, and is favourable when that reversed score is": favourable points are read
  *after* reversing (the other reading is worked out too, and would give a different share);
* one dimension over a 7-point and a 4-point item: ``score`` = mean over items of
  ``(item mean − 1) / (points − 1) × 100`` (SPEC §7.4), each item normalised on its own scale;
* ``missing:`` labels and scale labels written in another case or with extra spaces in the export
  (docs/surveys.md: labels "compared the same way": case and runs of spaces ignored);
* item text in the definition with curly quotes and trailing spaces against the export's straight
  quotes (docs/surveys.md: "curly versus straight quotes are ignored");
* definition errors on nested block-style keys: one line ``file:line: key: message``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from analytics.space import SpaceScore, compute_space
from store.engine import open_store
from store.errors import InputError
from surveys.definition import SurveyDefinition, parse_definition
from surveys.importer import import_survey, team_spellings

SECRET = "round6-definition-secret"
Q3 = "2026-Q3"
TEAM = "Which team are you on?"
AGREE7 = (
    "Strongly disagree, Disagree, Somewhat disagree, Neither agree nor disagree, Somewhat agree, Agree, "
    "Strongly agree"
)
TEAM_NAMES = team_spellings({"orders": ["Order team"], "payments": []})


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    store = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    try:
        yield store
    finally:
        store.dispose()


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def scored(engine: Engine, definition: SurveyDefinition, file: Path, headcount: int) -> dict[Any, SpaceScore]:
    import_survey(engine, file, definition, quarter=Q3, fmt="auto", secret=SECRET, team_names=TEAM_NAMES)
    rows = compute_space(engine, teams={"orders": headcount}, min_group_size=3)
    return {(row.team, row.quarter, row.dimension): row for row in rows}


def figures(row: SpaceScore) -> tuple[Any, ...]:
    return (row.score, row.favourable, row.respondents, row.response_rate, row.change)


def expect(score: float, favourable: float, respondents: int, rate: float) -> tuple[Any, ...]:
    return (
        pytest.approx(score, rel=1e-12),
        pytest.approx(favourable, rel=1e-12),
        respondents,
        pytest.approx(rate, rel=1e-12),
        None,
    )


SEVEN_AND_FOUR = parse_definition(f"""
survey: devex
scales:
  agree7: {{points: 7, labels: [{AGREE7}], favourable: [6, 7]}}
  freq4: {{points: 4, labels: [Never, Sometimes, Often, Always], favourable: [3, 4]}}
missing: ["N/A", "I don't know", ""]
team_question: "{TEAM}"
items:
  - {{id: sat_flow, text: "I can get into a state of flow", dimension: satisfaction, scale: agree7}}
  - {{id: sat_burnout, text: "I feel burned out from my work", dimension: satisfaction, scale: agree7,
      reverse: true}}
  - {{id: sat_retro, text: "Our retrospectives lead to change", dimension: satisfaction, scale: freq4}}
""")


def test_a_reverse_seven_point_item_is_favourable_after_reversing_beside_a_four_point_item(
    tmp_path: Path, engine: Engine
) -> None:
    """Team orders (headcount 4); min_group_size 3; a long export (labels in other cases and spacing,
    some answers as numbers); satisfaction over two agree7 items and one freq4 item.

    sat_flow (agree7): r1 "agree" = 6, r2 "4", r3 "  n/a " = missing "N/A" (folded) → valid 6, 4;
      mean 5 → (5 − 1)/6 × 100 = 200/3; favourable [6, 7]: 6 yes, 4 no → 1 of 2.
    sat_burnout (agree7, reverse): r1 "STRONGLY  disagree" = 1, r2 "2", r3 "7" → reversed 8 − x = 7, 6, 1;
      mean 14/3 → (11/3)/6 × 100 = 550/9; favourable after reversing (SPEC §7.1 "is favourable when
      that reversed score is"): 7 yes, 6 yes, 1 no → 2 of 3. (Read before reversing, raw 1, 2, 7 would
      give 1 of 3 — the reading SPEC rules out.)
    sat_retro (freq4): r1 "always" = 4, r2 " Often " = 3, r3 "sometimes" = 2 → mean 3 → 2/3 × 100 = 200/3;
      favourable [3, 4]: 2 of 3.
    score = (200/3 + 550/9 + 200/3)/3 = (600 + 550 + 600)/27 = 1750/27;
    favourable = (1 + 2 + 2)/(2 + 3 + 3) = 5/8; respondents 3 (r3 has valid answers on two items);
    response_rate 3/4. "*" holds only orders: the same figures.
    """
    header = ["respondent_id", "team", "submitted_at", "item_id", "answer"]
    answers = {
        "r1": ("agree", "STRONGLY  disagree", "always"),
        "r2": ("4", "2", " Often "),
        "r3": ("  n/a ", "7", "sometimes"),
    }
    rows = [
        [who, "Order team", "", item, answer]
        for who, values in answers.items()
        for item, answer in zip(("sat_flow", "sat_burnout", "sat_retro"), values, strict=True)
    ]
    got = scored(engine, SEVEN_AND_FOUR, write_csv(tmp_path / "long.csv", [header, *rows]), 4)
    want = expect(1750 / 27, 5 / 8, 3, 3 / 4)
    assert figures(got[("orders", Q3, "satisfaction")]) == want
    assert figures(got[("*", Q3, "satisfaction")]) == want
    assert {key[2] for key in got} == {"satisfaction"}


CURLY = parse_definition(f"""
survey: devex
scales:
  agree5: {{points: 5, labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree,
            Strongly agree], favourable: [4, 5]}}
  freq4: {{points: 4, labels: [Never, Sometimes, Often, Always], favourable: [3, 4]}}
missing: ["Not applicable", ""]
team_question: "{TEAM}"
items:
  - id: sat_tools
    text: "I’m satisfied with the tools I use   "
    dimension: satisfaction
    scale: agree5
  - id: eff_interrupt
    text: "How often does a “quick question” break your focus?  "
    dimension: efficiency
    scale: freq4
    reverse: true
""")


def test_curly_quoted_items_with_trailing_spaces_match_straight_quoted_columns_and_missing_folds(
    tmp_path: Path, engine: Engine
) -> None:
    """Team orders (headcount 5); min_group_size 3; a Google Forms download (no e-mails) whose titles use
    straight quotes, no trailing spaces and a double space where the definition has curly quotes.

    sat_tools (agree5): 5, 4, 3, 2 → mean 3.5 → 2.5/4 × 100 = 62.5; favourable [4, 5]: 2 of 4;
      respondents 4.
    eff_interrupt (freq4, reverse): "Never" 1 → 4, "always" 4 → 1, "NOT  applicable" = missing
      "Not applicable" (case and spaces folded), "Sometimes" 2 → 3: mean 8/3 → (5/3)/3 × 100 = 500/9;
      favourable after reversing: 4 yes, 1 no, 3 yes → 2 of 3; respondents 3 (the third person answered
      only "Not applicable" here, which leaves the denominator).
    response_rate: the team-quarter's 4 respondents ÷ 5 for both dimensions.
    """
    rows = [
        [
            "Timestamp",
            TEAM,
            "I'm satisfied with the tools I use",
            'How often does a  "quick question" break your focus?',
        ],
        ["7/14/2026 10:00:01", "Order team", "Strongly agree", "Never"],
        ["7/14/2026 10:00:02", "order TEAM", "Agree", "always"],
        ["7/14/2026 10:00:03", "Order team", "Neither agree nor disagree", "NOT  applicable"],
        ["7/14/2026 10:00:04", "orders", "Disagree", "Sometimes"],
    ]
    got = scored(engine, CURLY, write_csv(tmp_path / "google.csv", rows), 5)
    assert figures(got[("orders", Q3, "satisfaction")]) == expect(62.5, 2 / 4, 4, 4 / 5)
    assert figures(got[("orders", Q3, "efficiency")]) == expect(500 / 9, 2 / 3, 3, 4 / 5)
    assert figures(got[("*", Q3, "efficiency")]) == expect(500 / 9, 2 / 3, 3, 4 / 5)


BLOCK = """\
survey: devex
scales:
  agree5:
    points: 5
    labels:
      - Strongly disagree
      - Disagree
      - Neither agree nor disagree
      - Agree
      - Strongly agree
    favourable:
      - 4
      - 5
  freq4:
    points: 4
    labels: [Never, Sometimes, Often, Always]
    favourable:
      - 3
      - 4
missing:
  - "I don't know"
  - "  not APPLICABLE "
team_question: "Which team are you on?"
items:
  - id: sat_tools
    text: "I’m satisfied with the tools I use"
    dimension: satisfaction
    scale: agree5
  - id: eff_interrupt
    text: "How often are you interrupted?"
    dimension: efficiency
    scale: freq4
    reverse: true
"""


def block(old: str, new: str) -> str:
    assert BLOCK.count(old) == 1, old
    return BLOCK.replace(old, new)


def test_the_block_definition_itself_loads() -> None:
    """The base of the error cases below is valid: two scales, favourable points as written."""
    definition = parse_definition(BLOCK, label="devex.yaml")
    assert [(s.name, s.points, s.favourable) for s in definition.scales.values()] == [
        ("agree5", 5, (4, 5)),
        ("freq4", 4, (3, 4)),
    ]
    assert [(i.id, i.reverse) for i in definition.items] == [("sat_tools", False), ("eff_interrupt", True)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            block("      - 3\n      - 4\n", "      - 3\n      - 0\n"),
            "devex.yaml:19: scales.freq4.favourable[1]: must be a point from 1 to 4 (got 0)",
            id="favourable-below-1-on-its-own-line",
        ),
        pytest.param(
            block("      - 4\n      - 5\n", "      - 4\n      - 6\n"),
            "devex.yaml:13: scales.agree5.favourable[1]: must be a point from 1 to 5 (got 6)",
            id="favourable-above-points-on-its-own-line",
        ),
        pytest.param(
            block("      - 3\n      - 4\n", "      - 1\n      - 2\n      - 3\n      - 4\n"),
            "devex.yaml:17: scales.freq4.favourable: cannot be every point of the scale",
            id="favourable-every-point",
        ),
        pytest.param(
            block("      - Neither agree nor disagree\n", "      - Not   applicable\n"),
            "devex.yaml:8: scales.agree5.labels[2]: 'Not   applicable' is also a missing-answer label",
            id="label-equals-missing-in-other-case-and-spacing",
        ),
        pytest.param(
            block(
                'text: "How often are you interrupted?"', 'text: "I\'m   satisfied with the TOOLS I use  "'
            ),
            "devex.yaml:30: items[1].text: the same wording as items[0]: columns would be ambiguous",
            id="same-text-curly-vs-straight-on-another-scale",
        ),
        pytest.param(
            block('text: "How often are you interrupted?"', 'text: "which TEAM are you  on?"'),
            "devex.yaml:30: items[1].text: the same wording as the team question: columns would be ambiguous",
            id="item-text-is-the-team-question",
        ),
        pytest.param(
            block("    reverse: true\n", "    revers: true\n"),
            "devex.yaml:33: items[1].revers: unknown key (did you mean 'reverse'?)",
            id="misspelt-nested-key",
        ),
        pytest.param(
            block("    points: 4\n", "    points: 4.0\n"),
            "devex.yaml:15: scales.freq4.points: must be a whole number (got 4.0)",
            id="points-not-whole",
        ),
    ],
)
def test_nested_definition_errors_are_one_line_with_the_line_of_the_key(text: str, message: str) -> None:
    """Each error is the single line ``devex.yaml:<line of the offending key or entry>: <key>: <what>``
    (docs/surveys.md "Errors name the file, line and key"); a block-sequence entry is reported at its
    own line, a whole-key problem at the key's line. Lines counted in ``BLOCK`` above (1-based)."""
    with pytest.raises(InputError) as info:
        parse_definition(text, label="devex.yaml")
    assert str(info.value) == message
    assert "\n" not in str(info.value)
    assert info.value.exit_status == 2
