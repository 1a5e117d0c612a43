"""Survey answers written several ways, where the scoring rules meet (audit round 11; SPEC §7.1–§7.4,
§9; docs/surveys.md "How the export is matched", docs/metrics.md "SPACE scores").

SPEC §7.1: answers are matched to a scale "by label text (case-insensitive, runs of whitespace folded)
or by number"; "A reverse item scores ``points + 1 − x``, and is favourable when that reversed score
is"; "Missing answers leave the denominator". docs/surveys.md: labels compared with case, runs of
spaces (non-breaking ones too) and Unicode compatibility forms ignored; numbers ``4``, "also ``4.0``
from a spreadsheet"; "A blank answer or one of ``missing:`` leaves the denominator and is not stored";
an answer that is no label of the scale, or an unknown (or blank) team, refuses the file with one line
naming file, row and column, exit 2, nothing stored; a respondent who answered twice in one file counts
once, by the later submission time. SPEC §7.4: per item ``(mean − 1) / (points − 1) × 100`` averaged
over the dimension's items, ``favourable`` = favourable ÷ valid answers, ``respondents`` = people with a
valid answer on the dimension, the team-quarter and dimension thresholds (``min_group_size`` 3 here),
differencing (per dimension: docs/metrics.md), change (rising/falling at ≥ 5 points and more than
1.96 × √(SE₁² + SE₂²)), ``response_rate`` = the team-quarter's respondents ÷ headcount.

The definition used throughout: satisfaction = tools (agree5) + burnout (agree5, reverse); efficiency =
interruptions alone (agree7, reverse): a dimension whose only item is reverse-coded, on a 7-point
scale whose middle is 4. ``missing:`` holds "I don't know", "N/A", "Prefer not to say" and "".
Teams: orders (headcount 4, survey name "Order team"), payments (headcount 5); 4 + 5 = 9 in all.
Every number below is worked out by hand; floats compared at 1e-12.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select

from analytics.space import SpaceScore, compute_space
from doraspace.cli import main
from store import schema
from store.engine import open_store
from surveys.definition import parse_definition
from surveys.importer import ImportReport, import_survey, pseudonym, team_spellings

SECRET = "round11-answer-quirks-secret"
SECRET_VARIABLE = "ROUND11_ANSWER_QUIRKS_SECRET"
Q2, Q3 = "2026-Q2", "2026-Q3"
TEAM = "Which team are you on?"
TOOLS = "I am satisfied with the tools and processes I use to do my work"
BURNOUT = "I feel burned out from my work"
INTERRUPT = "I am interrupted too often to focus on my work"
AGREE5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
AGREE7 = [
    "Strongly disagree",
    "Disagree",
    "Somewhat disagree",
    "Neither agree nor disagree",
    "Somewhat agree",
    "Agree",
    "Strongly agree",
]
DEFINITION_YAML = f"""
survey: devex
scales:
  agree5: {{points: 5, labels: [{", ".join(AGREE5)}], favourable: [4, 5]}}
  agree7: {{points: 7, labels: [{", ".join(AGREE7)}], favourable: [6, 7]}}
missing: ["I don't know", "N/A", "Prefer not to say", ""]
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{BURNOUT}", dimension: satisfaction, scale: agree5, reverse: true}}
  - {{id: eff_interrupt, text: "{INTERRUPT}", dimension: efficiency, scale: agree7, reverse: true}}
"""
SURVEY = parse_definition(DEFINITION_YAML)
TEAM_NAMES = team_spellings({"orders": ["Order team"], "payments": []})
HEADCOUNTS: dict[str, int | None] = {"orders": 4, "payments": 5}
SAT, EFF = "satisfaction", "efficiency"
NBSP, NNBSP = "\u00a0", "\u202f"
GOOGLE_HEADER = ["Timestamp", "Email Address", TEAM, TOOLS, BURNOUT, INTERRUPT]
MS_HEADER = ["ID", "Start time", "Completion time", "Email", "Name", TEAM, TOOLS, BURNOUT, INTERRUPT]
SURVEY_TABLES = (schema.survey_answers, schema.survey_responses, schema.survey_items)


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def google(path: Path, body: Sequence[Sequence[str]]) -> Path:
    """A Google Forms export collecting e-mails: (timestamp, e-mail, team, tools, burnout, interrupt)."""
    return write_csv(path, [GOOGLE_HEADER, *body])


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    folder = tmp_path_factory.mktemp("round11-answer-quirks")
    store = open_store(f"duckdb:///{folder}/store.duckdb")
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture
def engine(shared_store: Engine) -> Engine:
    """One store for the module (creating one costs more than a test), emptied before each test."""
    with shared_store.begin() as conn:
        for table in SURVEY_TABLES:
            conn.execute(delete(table))
    return shared_store


def run(engine: Engine, file: Path, quarter: str = Q3) -> ImportReport:
    return import_survey(
        engine, file, SURVEY, quarter=quarter, fmt="auto", secret=SECRET, team_names=TEAM_NAMES
    )


def scores(engine: Engine) -> list[tuple[Any, ...]]:
    """Every field of every shown row (SPEC §7.5), in the product's order ("*" first)."""
    rows: list[SpaceScore] = compute_space(engine, teams=HEADCOUNTS, min_group_size=3)
    return [
        (r.team, r.quarter, r.dimension, r.score, r.favourable, r.respondents, r.response_rate, r.change)
        for r in rows
    ]


def row(
    team: str,
    dimension: str,
    score: float,
    favourable: float,
    respondents: int,
    rate: float,
    change: str | None = None,
    quarter: str = Q3,
) -> tuple[Any, ...]:
    return (
        team,
        quarter,
        dimension,
        pytest.approx(score, rel=1e-12, abs=1e-12),
        pytest.approx(favourable, rel=1e-12, abs=1e-12),
        respondents,
        pytest.approx(rate, rel=1e-12),
        change,
    )


def stored_answers(engine: Engine) -> dict[tuple[str, str], int]:
    """(respondent pseudonym, item id) → the stored scale point."""
    with engine.connect() as conn:
        return {(r.respondent, r.item_id): r.value for r in conn.execute(select(schema.survey_answers))}


def stored_teams(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {r.respondent: r.team for r in conn.execute(select(schema.survey_responses))}


def who(email: str) -> str:
    return pseudonym(SECRET, email)


# ==================================================================================================
# 1. Label spellings (case, runs of spaces, no-break spaces, a tab) × numbers written " 4 ", "4.0",
#    "4.00", full-width "５" on label scales × reverse items on 5 and 7 points × a missing label with a
#    trailing no-break space
# ==================================================================================================


def test_label_and_number_spellings_score_as_their_points_on_reverse_and_plain_items(
    engine: Engine, tmp_path: Path
) -> None:
    """A Google Forms export (e-mail identity). Each cell → point (reverse: ``points + 1 − x``):

    o1 "Agree·" (· a no-break space) → 4; "  strongly   DISAGREE " → 1 → 5; "Neither agree nor
       disagree" (agree7) → 4 → 8 − 4 = 4.
    o2 " 4 " → 4; "4.0" → 4 → 2; "neither·AGREE nor⇥disagree" → 4 → 4.
    o3 "STRONGLY AGREE" → 5; "Prefer not to say·" → missing (folded like a label); "4.00" → 4 → 4.
    p1 "５" (full width: a compatibility form of 5) → 5; "disagree" → 2 → 4; "strongly disagree" on
       agree7 → 1 → 7.
    p2 "2.0" → 2; "N/A" → missing; "Somewhat AGREE" → 5 → 3.
    p3 "neither agree nor disagree" → 3; "Agree" + narrow no-break space → 4 → 2; "2" → 2 → 6.

    orders satisfaction: tools 4, 4, 5 → 13/3 → (10/3)/4 × 100 = 250/3; burnout 5, 2 → 3.5 → 62.5;
      score (250/3 + 125/2)/2 = 875/12; favourable tools 3 + burnout 5 = 4 of 5; 3 respondents; 3/4.
    orders efficiency (reverse only, all at the middle 4): 4, 4, 4 → (4 − 1)/6 × 100 = 50; favourable
      0 of 3 (4 is not in [6, 7]); 3; 3/4.
    payments satisfaction: tools 5, 2, 3 → 10/3 → 175/3; burnout 4, 2 → 3 → 50; score 325/6;
      favourable tools 5 + burnout 4 = 2 of 5; 3; 3/5.
    payments efficiency: 7, 3, 6 → 16/3 → (13/3)/6 × 100 = 650/9; favourable 7, 6 = 2/3; 3; 3/5.
    "*" satisfaction: tools 4, 4, 5, 5, 2, 3 → 23/6 → (17/6)/4 × 100 = 425/6; burnout 5, 2, 4, 2 →
      13/4 → 56.25; score (425/6 + 225/4)/2 = 1525/24; favourable 4 + 2 = 6 of 10; 6; 6/9.
    "*" efficiency: 4, 4, 4, 7, 3, 6 → 14/3 → (11/3)/6 × 100 = 550/9; favourable 2/6; 6; 6/9.
    Stored: 16 answers as the points chosen (not reversed: o2's burnout is 4), 2 missing.
    """
    body = [
        (
            "7/14/2026 10:01:00",
            "o1@example.com",
            "orders",
            f"Agree{NBSP}",
            "  strongly   DISAGREE ",
            AGREE7[3],
        ),
        (
            "7/14/2026 10:02:00",
            "o2@example.com",
            "Order team",
            " 4 ",
            "4.0",
            f"neither{NBSP}AGREE nor\tdisagree",
        ),
        (
            "7/14/2026 10:03:00",
            "o3@example.com",
            "ORDERS",
            "STRONGLY AGREE",
            f"Prefer not to say{NBSP}",
            "4.00",
        ),
        ("7/14/2026 10:04:00", "p1@example.com", "payments", "\uff15", "disagree", "strongly disagree"),
        ("7/14/2026 10:05:00", "p2@example.com", "Payments", "2.0", "N/A", "Somewhat AGREE"),
        (
            "7/14/2026 10:06:00",
            "p3@example.com",
            "payments",
            "neither agree nor disagree",
            f"Agree{NNBSP}",
            "2",
        ),
    ]
    report = run(engine, google(tmp_path / "responses.csv", body))
    assert (report.format, report.rows, report.responses, report.answers, report.missing_answers) == (
        "google-forms",
        6,
        6,
        16,
        2,
    )
    o1, o2, o3, p1, p2, p3 = (who(f"{name}@example.com") for name in ("o1", "o2", "o3", "p1", "p2", "p3"))
    assert stored_answers(engine) == {
        (o1, "sat_tools"): 4,
        (o1, "sat_burnout"): 1,
        (o1, "eff_interrupt"): 4,
        (o2, "sat_tools"): 4,
        (o2, "sat_burnout"): 4,
        (o2, "eff_interrupt"): 4,
        (o3, "sat_tools"): 5,
        (o3, "eff_interrupt"): 4,
        (p1, "sat_tools"): 5,
        (p1, "sat_burnout"): 2,
        (p1, "eff_interrupt"): 1,
        (p2, "sat_tools"): 2,
        (p2, "eff_interrupt"): 5,
        (p3, "sat_tools"): 3,
        (p3, "sat_burnout"): 4,
        (p3, "eff_interrupt"): 2,
    }
    assert scores(engine) == [
        row("*", EFF, 550 / 9, 2 / 6, 6, 6 / 9),
        row("*", SAT, 1525 / 24, 6 / 10, 6, 6 / 9),
        row("orders", EFF, 50.0, 0.0, 3, 3 / 4),
        row("orders", SAT, 875 / 12, 4 / 5, 3, 3 / 4),
        row("payments", EFF, 650 / 9, 2 / 3, 3, 3 / 5),
        row("payments", SAT, 325 / 6, 2 / 5, 3, 3 / 5),
    ]


# ==================================================================================================
# 2. A reverse-only 7-point dimension answered all at the middle (three spellings) × the next quarter
#    all at the bottom × change with zero spread; a 5-point reverse item at its middle beside it
# ==================================================================================================


def test_reverse_seven_point_middle_answers_then_a_move_to_the_bottom_is_rising(
    engine: Engine, tmp_path: Path
) -> None:
    """Only orders answers (3 people; "*" is the same people, rate ÷ 9).

    2026-Q2: tools "Agree" × 3 → 4; burnout "Neither agree nor disagree", "3", " neither  AGREE nor
      disagree " → 3 → 5 + 1 − 3 = 3; interruptions (agree7, reverse, the dimension's only item)
      "Neither agree nor disagree", "4", "4.0" → 4 → 7 + 1 − 4 = 4.
      satisfaction: tools 75, burnout (3 − 1)/4 × 100 = 50 → 62.5; favourable 3 of 6; efficiency
      (4 − 1)/6 × 100 = 50, favourable 0 of 3 (the middle is not favourable, reversed or not).
    2026-Q3: the same satisfaction answers (burnout "3.0", "NEITHER agree nor disagree", "3");
      interruptions "Strongly disagree", "1", "strongly·disagree" → 1 → 7 → 100, favourable 3/3.
    Change (SPEC §7.4): satisfaction moved 0 < 5 → stable. Efficiency moved 50 ≥ 5; every
      respondent's own efficiency score is 50 in Q2 and 100 in Q3, so both standard errors are 0 and
      1.96 × √(0 + 0) = 0 < 50 → rising. Q2 rows have no previous quarter: null.
    """
    q2 = [
        ("4/14/2026 10:01:00", "a@example.com", "orders", "Agree", AGREE5[2], AGREE7[3]),
        ("4/14/2026 10:02:00", "b@example.com", "orders", "Agree", "3", "4"),
        ("4/14/2026 10:03:00", "c@example.com", "orders", "Agree", " neither  AGREE nor disagree ", "4.0"),
    ]
    q3 = [
        ("7/14/2026 10:01:00", "a@example.com", "orders", "Agree", "3.0", "Strongly disagree"),
        ("7/14/2026 10:02:00", "b@example.com", "orders", "Agree", "NEITHER agree nor disagree", "1"),
        ("7/14/2026 10:03:00", "c@example.com", "orders", "Agree", "3", f"strongly{NBSP}disagree"),
    ]
    run(engine, google(tmp_path / "q2.csv", q2), Q2)
    run(engine, google(tmp_path / "q3.csv", q3), Q3)
    assert scores(engine) == [
        row("*", EFF, 50.0, 0.0, 3, 3 / 9, None, Q2),
        row("*", SAT, 62.5, 3 / 6, 3, 3 / 9, None, Q2),
        row("*", EFF, 100.0, 1.0, 3, 3 / 9, "rising", Q3),
        row("*", SAT, 62.5, 3 / 6, 3, 3 / 9, "stable", Q3),
        row("orders", EFF, 50.0, 0.0, 3, 3 / 4, None, Q2),
        row("orders", SAT, 62.5, 3 / 6, 3, 3 / 4, None, Q2),
        row("orders", EFF, 100.0, 1.0, 3, 3 / 4, "rising", Q3),
        row("orders", SAT, 62.5, 3 / 6, 3, 3 / 4, "stable", Q3),
    ]


# ==================================================================================================
# 3. A respondent whose answers are all blank or missing labels × a team exactly at min_group_size ×
#    per-dimension suppression and differencing × a later export adding one respondent
# ==================================================================================================

FULL_ORDERS = [
    ("7/14/2026 10:01:00", "a@example.com", "orders", "Agree", "Disagree", "Somewhat disagree"),
    ("7/14/2026 10:02:00", "b@example.com", "Order team", "Strongly agree", "Agree", "Agree"),
]
BLANK_ORDERS = ("7/14/2026 10:03:00", "c@example.com", "orders", "N/A", "", f"prefer NOT to say{NBSP}")
PAYMENTS = [
    ("7/14/2026 11:01:00", "d@example.com", "payments", "Disagree", "Strongly disagree", AGREE7[3]),
    ("7/14/2026 11:02:00", "e@example.com", "payments", AGREE5[2], AGREE5[2], "Disagree"),
    ("7/14/2026 11:03:00", "f@example.com", "payments", "4", "2", "3"),
]


def test_an_all_missing_respondent_at_the_threshold_and_then_one_more(engine: Engine, tmp_path: Path) -> None:
    """First export: orders a, b (full) and c, whose three answers are "N/A", blank and "prefer NOT to
    say·" (all missing); payments d, e, f (full). A blank or missing answer "is not stored" (docs), so c
    has no valid answer on any dimension: orders has 2 respondents on satisfaction and on efficiency
    (SPEC §7.4 ``respondents``) < 3 → both hidden. Per-dimension differencing (docs/metrics.md): the
    hidden teams hold 2 < 3 on each dimension while "*" is shown → payments (the smallest shown) is
    hidden too. Only "*" remains:
      satisfaction: tools a 4, b 5, d 2, e 3, f 4 → 18/5 → 65; burnout (reverse) a 2 → 4, b 4 → 2,
      d 1 → 5, e 3 → 3, f 2 → 4 → 18/5 → 65; score 65; favourable tools 4, 5, 4 + burnout 4, 5, 4 =
      6 of 10; 5 respondents.
      efficiency (agree7 reverse): a 3 → 5, b 6 → 2, d 4 → 4, e 2 → 6, f 3 → 5 → 22/5 → (17/5)/6 × 100
      = 170/3; favourable 6 → 1 of 5; 5 respondents.
      undecided: whether c (who answered the team question only) is one of "the team-quarter's
      respondents" for ``response_rate`` and of the organisation's "every respondent"; SPEC/docs do
      not say. The product counts c: "*" rate 6/9 (5/9 if c did not count), and c is stored.
    Second export (the same form later): the six again plus g on orders (full). orders: a, b, g on each
    dimension = 3 → shown; nobody hidden, so payments is shown too.
      orders satisfaction: tools 4, 5, 3 → 4 → 75; burnout 4, 2, g "Strongly agree" 5 → 1 → 7/3 → 100/3;
      score (75 + 100/3)/2 = 325/6; favourable 4, 5 + 4 = 3 of 6; 3.
      orders efficiency: 5, 2, g "Strongly disagree" 1 → 7 → 14/3 → (11/3)/6 × 100 = 550/9; favourable
      7 → 1/3; 3.
      payments satisfaction: tools 2, 3, 4 → 3 → 50; burnout 5, 3, 4 → 4 → 75; score 62.5; favourable
      4 + 5, 4 = 3 of 6; 3; rate 3/5. efficiency: 4, 6, 5 → 5 → 200/3; favourable 6 → 1/3; 3/5.
      "*" satisfaction: tools 4, 5, 3, 2, 3, 4 → 21/6 → 62.5; burnout 4, 2, 1, 5, 3, 4 → 19/6 → 325/6;
      score (62.5 + 325/6)/2 = 175/3; favourable 3 + 3 = 6 of 12; 6. efficiency: 5, 2, 7, 4, 6, 5 →
      29/6 → (23/6)/6 × 100 = 575/9; favourable 7, 6 = 2/6; 6.
      undecided (as above): orders' rate is 4/4 with c (3/4 without), "*" 7/9 (6/9 without).
    """
    first = google(tmp_path / "first.csv", [*FULL_ORDERS, BLANK_ORDERS, *PAYMENTS])
    report = run(engine, first)
    assert (report.rows, report.responses, report.answers, report.missing_answers) == (6, 6, 15, 3)
    assert dict(report.respondents_by_team) == {"orders": 3, "payments": 3}
    assert stored_teams(engine)[who("c@example.com")] == "orders"
    assert not any(respondent == who("c@example.com") for respondent, _ in stored_answers(engine))
    assert scores(engine) == [
        row("*", EFF, 170 / 3, 1 / 5, 5, 6 / 9),
        row("*", SAT, 65.0, 6 / 10, 5, 6 / 9),
    ]

    g = (
        "7/15/2026 09:00:00",
        "g@example.com",
        "ORDER TEAM",
        "Neither agree nor disagree",
        "Strongly agree",
        "1",
    )
    report = run(engine, google(tmp_path / "second.csv", [*FULL_ORDERS, BLANK_ORDERS, *PAYMENTS, g]))
    assert (report.responses, report.new_responses, report.answers, report.missing_answers) == (7, 1, 18, 3)
    assert scores(engine) == [
        row("*", EFF, 575 / 9, 2 / 6, 6, 7 / 9),
        row("*", SAT, 175 / 3, 6 / 12, 6, 7 / 9),
        row("orders", EFF, 550 / 9, 1 / 3, 3, 4 / 4),
        row("orders", SAT, 325 / 6, 3 / 6, 3, 4 / 4),
        row("payments", EFF, 200 / 3, 1 / 3, 3, 3 / 5),
        row("payments", SAT, 62.5, 3 / 6, 3, 3 / 5),
    ]


# ==================================================================================================
# 4. The same respondent twice in one file × the later submission all missing and on another team ×
#    rows sorted so the later comes first × e-mail in another case × team-quarter suppression and
#    differencing
# ==================================================================================================


def test_a_later_all_missing_resubmission_on_another_team_clears_and_moves_the_respondent(
    engine: Engine, tmp_path: Path
) -> None:
    """Microsoft Forms CSV, sorted by team so that Ana's later submission (ID 7, completed 7/15 12:00,
    "ANA@Example.com", Order team, every answer "N/A", blank or "I DON’T KNOW") is above her first
    (ID 2, 7/14 10:02, "ana@example.com ", payments, "Strongly agree" × 3). One respondent (e-mail
    case-folded, SPEC §7.3); the later by time counts whole (docs): Ana is on orders with no answer.
    The other rows: bo, cy on orders; dee, eli on payments.

    Stored: 5 respondents (1 superseded), 4 × 3 = 12 answers, Ana's 3 missing. Team-quarters: orders
    Ana, bo, cy = 3 (the product counts Ana, see below); payments dee, eli = 2 < 3 → suppressed; the
    suppressed teams hold 2 < 3 while "*" (5 people) is shown → orders (the only shown team) is
    suppressed too. On each dimension only bo, cy (orders) and dee, eli (payments) have answers.
    "*" satisfaction: tools bo 4, cy 5, dee 2, eli 3 → 3.5 → 62.5; burnout (reverse) bo 2 → 4, cy 4 →
      2, dee 1 → 5, eli 3 → 3 → 3.5 → 62.5; score 62.5; favourable 4, 5 + 4, 5 = 4 of 8; 4 people.
    "*" efficiency (agree7 reverse): bo 3 → 5, cy 6 → 2, dee 4 → 4, eli 2 → 6 → 17/4 → (13/4)/6 × 100
      = 325/6; favourable 6 → 1 of 4; 4 people.
    Had Ana's first row counted, payments would have 3 people and be shown, and "*" tools would hold
    a 5. undecided: the "*" rate counts Ana, who answered nothing (5/9; 4/9 if she did not count).
    """
    rows = [
        [
            "7",
            "7/15/2026 11:55",
            "7/15/2026 12:00",
            "ANA@Example.com",
            "Ana",
            "Order team",
            "N/A",
            "",
            "I DON\u2019T KNOW",
        ],
        [
            "3",
            "7/14/2026 10:00",
            "7/14/2026 10:03",
            "bo@example.com",
            "Bo",
            "orders",
            "Agree",
            "Disagree",
            "Somewhat disagree",
        ],
        [
            "4",
            "7/14/2026 10:01",
            "7/14/2026 10:04",
            "cy@example.com",
            "Cy",
            "Orders",
            "strongly agree",
            "agree",
            "agree",
        ],
        [
            "2",
            "7/14/2026 10:00",
            "7/14/2026 10:02",
            "ana@example.com ",
            "Ana",
            "payments",
            "Strongly agree",
            "Strongly agree",
            "Strongly agree",
        ],
        ["5", "7/14/2026 10:02", "7/14/2026 10:05", "dee@example.com", "Dee", "Payments", "2", "1", "4"],
        [
            "6",
            "7/14/2026 10:03",
            "7/14/2026 10:06",
            "eli@example.com",
            "Eli",
            "PAYMENTS",
            "3.0",
            "3.0",
            "2.0",
        ],
    ]
    report = run(engine, write_csv(tmp_path / "forms.csv", [MS_HEADER, *rows]))
    assert (report.format, report.rows, report.superseded, report.responses) == ("microsoft-forms", 6, 1, 5)
    assert (report.answers, report.missing_answers) == (12, 3)
    assert dict(report.respondents_by_team) == {"orders": 3, "payments": 2}
    ana = who("ana@example.com")
    assert stored_teams(engine)[ana] == "orders"
    assert not any(respondent == ana for respondent, _ in stored_answers(engine))
    assert scores(engine) == [
        row("*", EFF, 325 / 6, 1 / 4, 4, 5 / 9),
        row("*", SAT, 62.5, 4 / 8, 4, 5 / 9),
    ]


# ==================================================================================================
# 5. A later export refused for one cell (out of range on a reverse item, "6.0" written with spaces,
#    0 and 8 on the 7-point scale, an answer that is no label nor missing, an all-blank row without
#    its team): one line naming file, row and column, exit 2, the store and the scores unchanged
# ==================================================================================================

GOOD = [
    ["7/14/2026 10:01:00", "a@example.com", "orders", "Agree", "Disagree", "Somewhat disagree"],
    ["7/14/2026 10:02:00", "b@example.com", "orders", "Strongly agree", "Agree", "Agree"],
    ["7/14/2026 10:03:00", "c@example.com", "Order team", "Neither agree nor disagree", "3", "4"],
]
LATE = ["7/16/2026 09:00:00", "h@example.com", "payments", "Agree", "Agree", "Agree"]
COLUMNS = {"tools": 3, "burnout": 4, "interrupt": 5, "team": 2}


class Cli:
    """``doraspace`` in process: the config (orders 4 "Order team", payments 5, min_group_size 3), the
    definition file and a DuckDB store in one folder."""

    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.folder = folder
        self.capsys = capsys
        self.config = folder / "doraspace.yaml"
        self.config.write_text(
            f"database:\n  url: duckdb:///{folder}/store.duckdb\nteams:\n"
            "  - {name: orders, headcount: 4, survey_names: [Order team]}\n"
            "  - {name: payments, headcount: 5}\n"
            f"surveys:\n  min_group_size: 3\n  respondent_secret: ${{{SECRET_VARIABLE}}}\n",
            encoding="utf-8",
        )
        self.definition = folder / "devex.yaml"
        self.definition.write_text(DEFINITION_YAML, encoding="utf-8")

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        status = main([*args[:2], "--config", str(self.config), *args[2:]])
        captured = self.capsys.readouterr()
        return status, captured.out, captured.err

    def survey_import(self, file: Path) -> tuple[int, str, str]:
        return self.run("survey", "import", str(file), "--definition", str(self.definition), "--quarter", Q3)

    def scores(self) -> list[dict[str, Any]]:
        status, out, err = self.run("survey", "scores", "--format", "json")
        assert status == 0, err
        result: list[dict[str, Any]] = json.loads(out)
        return result

    def dump(self) -> list[list[tuple[Any, ...]]]:
        store = open_store(f"duckdb:///{self.folder}/store.duckdb")
        try:
            with store.connect() as conn:
                return [sorted((tuple(r) for r in conn.execute(select(t))), key=repr) for t in SURVEY_TABLES]
        finally:
            store.dispose()


@pytest.mark.parametrize(
    ("row_number", "cells", "column", "message"),
    [
        pytest.param(
            3, {"burnout": "6"}, BURNOUT, "'6' is outside scale agree5 (1 to 5)", id="6-on-reverse-5pt"
        ),
        pytest.param(4, {"tools": " 6.0 "}, TOOLS, "'6.0' is outside scale agree5 (1 to 5)", id="spaced-6.0"),
        pytest.param(2, {"interrupt": "0"}, INTERRUPT, "'0' is outside scale agree7 (1 to 7)", id="0-on-7pt"),
        pytest.param(5, {"interrupt": "8"}, INTERRUPT, "'8' is outside scale agree7 (1 to 7)", id="8-on-7pt"),
        pytest.param(
            5,
            {"tools": "Prefer not to answer"},
            TOOLS,
            "unknown answer 'Prefer not to answer' for scale agree5 (expected " + ", ".join(AGREE5) + ")",
            id="not-a-missing-label",
        ),
        pytest.param(
            5,
            {"team": "", "tools": "", "burnout": "N/A", "interrupt": ""},
            TEAM,
            "no answer to the team question",
            id="all-blank-row-without-team",
        ),
    ],
)
def test_a_later_export_with_one_bad_cell_is_refused_and_changes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    row_number: int,
    cells: dict[str, str],
    column: str,
    message: str,
) -> None:
    """First the good export: orders a (tools 4; burnout 2 → 4; interrupt 3 → 5), b (5; 4 → 2; 6 → 2),
    c via "Order team" (3; "3" → 3; "4" → 4).
      orders satisfaction: tools 4, 5, 3 → 4 → 75; burnout 4, 2, 3 → 3 → 50; score 62.5; favourable
      4, 5 + 4 = 3 of 6; 3 people; rate 3/4. efficiency: 5, 2, 4 → 11/3 → (8/3)/6 × 100 = 400/9;
      favourable 0 of 3 (5, 2, 4 none in [6, 7]); 3; 3/4. "*" the same with rate 3/9.
    Then a later export of the same form (the three rows again, and a new respondent h on payments in
    row 5) with one bad cell. In the rows as numbered in the file (row 1 the header):
    * row 3 (b) burnout "6": no point of agree5, and 5 + 1 − 6 = 0 would be no point either;
    * row 4 (c) tools " 6.0 ": a number as a spreadsheet writes it, out of range;
    * row 2 (a) interruptions "0", row 5 (h) interruptions "8": outside agree7's 1..7;
    * row 5 tools "Prefer not to answer": neither a label nor one of ``missing:``;
    * row 5 blank but for its timestamp, e-mail and one "N/A": an all-blank respondent without a team
      ("An unknown (or blank) team is an error naming the row", docs).
    Each: exit 2, nothing on stdout, one line on stderr naming file, row and column (SPEC §7.3, §9;
    the message wording as the product writes it, docs giving only the unknown-answer one), the store
    and the scores as they were (h not added, nobody's answers replaced).
    """
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    cli = Cli(tmp_path, capsys)
    status, _, err = cli.survey_import(google(tmp_path / "first.csv", GOOD))
    assert status == 0, err
    expected = [
        {
            "team": "*",
            "quarter": Q3,
            "dimension": EFF,
            "score": pytest.approx(400 / 9, rel=1e-12),
            "favourable": 0.0,
            "respondents": 3,
            "response_rate": pytest.approx(3 / 9, rel=1e-12),
            "change": None,
        },
        {
            "team": "*",
            "quarter": Q3,
            "dimension": SAT,
            "score": pytest.approx(62.5, rel=1e-12),
            "favourable": pytest.approx(0.5, rel=1e-12),
            "respondents": 3,
            "response_rate": pytest.approx(3 / 9, rel=1e-12),
            "change": None,
        },
        {
            "team": "orders",
            "quarter": Q3,
            "dimension": EFF,
            "score": pytest.approx(400 / 9, rel=1e-12),
            "favourable": 0.0,
            "respondents": 3,
            "response_rate": pytest.approx(3 / 4, rel=1e-12),
            "change": None,
        },
        {
            "team": "orders",
            "quarter": Q3,
            "dimension": SAT,
            "score": pytest.approx(62.5, rel=1e-12),
            "favourable": pytest.approx(0.5, rel=1e-12),
            "respondents": 3,
            "response_rate": pytest.approx(3 / 4, rel=1e-12),
            "change": None,
        },
    ]
    assert cli.scores() == expected
    before = cli.dump()

    later = [list(r) for r in GOOD] + [list(LATE)]
    for name, value in cells.items():
        later[row_number - 2][COLUMNS[name]] = value
    bad = google(tmp_path / "later.csv", later)
    status, out, err = cli.survey_import(bad)
    assert (status, out, err) == (
        2,
        "",
        f"doraspace: error: {bad}, row {row_number}, column {column!r}: {message}\n",
    )
    assert cli.dump() == before
    assert cli.scores() == expected
