"""SPACE scores across quarters where two rules meet, audit round 6 (SPEC §7.4, §7.5, §8.1, §8.3).

Each scenario imports short ``long`` exports in process (``surveys.importer.import_survey``, survey
names folded through ``team_spellings``), scores them with ``compute_space_quarters`` and, where the
outputs are part of the rule, renders the ``space_*`` families and the team pages from a snapshot of
those rows. Scenarios not in the earlier rounds: a team renamed between 2025-Q4 and 2026-Q1 through
``survey_names`` with differencing in the older quarter and two close calls of the change rule; a
dimension over a 4- and a 7-point item in one quarter and a single item (or the same wording asked by
another survey under another id) in the next; differencing in the newer quarter hiding a team whose
older quarter was shown, seen in the exporter and the reports; response rates across three quarters with
a team whose headcount is null; a rename made after the older quarter was imported; one person
answering two surveys of a quarter for two teams that are both hidden (differencing over the hidden
teams' distinct respondents).

Every expected number is worked out by hand in the docstrings from SPEC §7.4:

* an answer's point on 0–100 is ``(x − 1) / (points − 1) × 100``, a reverse item first turned round
  (``points + 1 − x``) and favourable when that reversed point is;
* ``score`` = mean over the dimension's items of ``(item mean − 1) / (points − 1) × 100``;
  ``favourable`` = favourable ÷ valid answers; ``respondents`` = people with a valid answer on it;
* fewer than ``min_group_size`` hides a team-quarter or a dimension; ``"*"`` counts everyone;
  differencing hides the smallest shown team while the hidden ones hold fewer than ``min_group_size``;
* change: the calendar quarter before, both shown, wordings unchanged; rising/falling when moved ≥ 5 and
  > 1.96 × √(SE₁² + SE₂²), SE² = (sample variance of the respondents' own 0–100 dimension scores) ÷ n;
* ``response_rate`` = team-quarter respondents ÷ headcount; ``"*"`` ÷ the sum of the headcounts.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from analytics.snapshot import Snapshot
from analytics.space import SpaceScore, compute_space, compute_space_quarters
from dashboards import reports
from dashboards.exporter import space_families
from store import schema
from store.engine import open_store
from surveys.definition import SurveyDefinition, parse_definition
from surveys.importer import ImportReport, import_survey, team_spellings

SECRET = "round6-space-quarters"
AS_OF = datetime(2026, 3, 31, tzinfo=UTC)
OLD, NEW = "2025-Q4", "2026-Q1"
SAT, EFF = "satisfaction", "efficiency"
TEAM = "Which team are you on?"
AGREE5 = (
    "{points: 5, labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree], "
    "favourable: [4, 5]}"
)
AGREE7 = (
    "{points: 7, labels: [Strongly disagree, Disagree, Somewhat disagree, Neither agree nor disagree, "
    "Somewhat agree, Agree, Strongly agree], favourable: [6, 7]}"
)
FREQ4 = "{points: 4, labels: [Never, Sometimes, Often, Always], favourable: [3, 4]}"
TOOLS = "I am satisfied with the tools and processes I use to do my work"
BURNOUT = "I feel burned out from my work"
WAIT = "How often do you wait on builds or reviews before you can go on?"
FLOW = "I can get into a state of flow during my working day"


def definition(survey: str, *items: str) -> SurveyDefinition:
    """``items``: YAML flow mappings of the items."""
    lines = "\n".join(f"  - {item}" for item in items)
    return parse_definition(f"""
survey: {survey}
scales: {{agree5: {AGREE5}, agree7: {AGREE7}, freq4: {FREQ4}}}
missing: ["I don't know", "N/A", ""]
team_question: "{TEAM}"
items:
{lines}
""")


SATISFACTION = definition(
    "devex",
    f'{{id: s_tools, text: "{TOOLS}", dimension: satisfaction, scale: agree5}}',
    f'{{id: s_burnout, text: "{BURNOUT}", dimension: satisfaction, scale: agree5, reverse: true}}',
)


def write_long(path: Path, answers: Sequence[tuple[str, str, Mapping[str, str | int]]]) -> Path:
    """A ``long`` export: (respondent id, team as typed, {item id: answer as written})."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")
    out.writerow(["respondent_id", "team", "submitted_at", "item_id", "answer"])
    for respondent, team, answered in answers:
        for item_id, answer in answered.items():
            out.writerow([respondent, team, "", item_id, str(answer)])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def run(
    engine: Engine,
    path: Path,
    answers: Sequence[tuple[str, str, Mapping[str, str | int]]],
    *,
    quarter: str,
    survey: SurveyDefinition,
    names: Mapping[str, Sequence[str]],
) -> ImportReport:
    return import_survey(
        engine,
        write_long(path, answers),
        survey,
        quarter=quarter,
        fmt="long",
        secret=SECRET,
        team_names=team_spellings(names),
    )


def rows(scores: Sequence[SpaceScore]) -> list[dict[str, Any]]:
    """Whole rows: the §7.5 object plus the team-quarter's respondents (``space_respondents``)."""
    return [dict(s.to_json_dict(), quarter_respondents=s.quarter_respondents) for s in scores]


def row(
    team: str,
    quarter: str,
    dimension: str,
    score: float,
    favourable: float,
    respondents: int,
    response_rate: float | None,
    change: str | None,
    quarter_respondents: int,
) -> dict[str, Any]:
    return {
        "team": team,
        "quarter": quarter,
        "dimension": dimension,
        "score": pytest.approx(score, rel=1e-12, abs=1e-12),
        "favourable": pytest.approx(favourable, rel=1e-12, abs=1e-12),
        "respondents": respondents,
        "response_rate": None if response_rate is None else pytest.approx(response_rate, rel=1e-12),
        "change": change,
        "quarter_respondents": quarter_respondents,
    }


def stored_teams(engine: Engine) -> dict[str, set[str]]:
    """quarter → the team names the store holds for its responses."""
    table = schema.survey_responses
    found: dict[str, set[str]] = {}
    with engine.connect() as conn:
        for quarter, team in conn.execute(select(table.c.quarter, table.c.team)):
            found.setdefault(quarter, set()).add(team)
    return found


@pytest.fixture
def engine() -> Iterator[Engine]:
    store = open_store("duckdb:///:memory:")
    yield store
    store.dispose()


# ==================================================================================================
# 1. A team renamed between quarters through survey_names × the year boundary × differencing in the
#    older quarter × the change rule decided by the respondents' own scores (two close calls)
# ==================================================================================================

SA, A, N, D, SD = "Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"
# 2025-Q4, when orders still called itself "Checkout" on the form: (tools, burnout)
RENAMED_OLD = [
    ("o1", "Checkout", {"s_tools": A, "s_burnout": D}),
    ("o2", "checkout\u00a0 SQUAD", {"s_tools": N, "s_burnout": N}),
    ("o3", "CHECKOUT", {"s_tools": A, "s_burnout": A}),
    ("o4", "Checkout squad", {"s_tools": D, "s_burnout": A}),
    ("p1", "Payments", {"s_tools": D, "s_burnout": A}),
    ("p2", "payments", {"s_tools": D, "s_burnout": A}),
    ("p3", "Payments", {"s_tools": SD, "s_burnout": SA}),
    ("f1", "Platform", {"s_tools": SA, "s_burnout": SD}),
    ("f2", "platform", {"s_tools": SA, "s_burnout": SD}),
]
# 2026-Q1, under the team's configured name.
RENAMED_NEW = [
    ("o1", "Orders", {"s_tools": 5, "s_burnout": 1}),
    ("o2", "orders", {"s_tools": 4, "s_burnout": 2}),
    ("o3", "ORDERS", {"s_tools": 4, "s_burnout": 3}),
    ("o4", "Orders", {"s_tools": 3, "s_burnout": 2}),
    *((f"p{n}", "Payments", {"s_tools": 4, "s_burnout": 2}) for n in (1, 2, 3)),
    *((f"f{n}", "Platform", {"s_tools": 4, "s_burnout": 2}) for n in (1, 2, 3)),
]
HEADCOUNTS: dict[str, int | None] = {"orders": 6, "payments": 5, "platform": 4}
NAMES_NOW = {"orders": ["Checkout", "Checkout squad"], "payments": [], "platform": []}


def test_a_team_renamed_through_survey_names_keeps_its_change_across_the_year(
    tmp_path: Path, engine: Engine
) -> None:
    """Config today: orders (headcount 6, survey_names Checkout, "Checkout squad"), payments (5),
    platform (4); min_group_size 3; satisfaction = tools (agree5) + burnout (agree5, reverse → 6 − x).
    Both exports are imported under today's config: the 2025-Q4 one spells orders "Checkout",
    "checkout\\u00a0 SQUAD", "CHECKOUT", "Checkout squad" (SPEC §7.1: case-insensitive, whitespace
    folded), so both quarters are stored as orders and 2025-Q4 is the quarter before 2026-Q1.

    2025-Q4 (tools, burnout → reversed; own score = mean of the two points on 0–100):
      orders  o1 4, 2 → 4: 75, 75 → 75;  o2 3, 3 → 3: 50, 50 → 50;  o3 4, 4 → 2: 75, 25 → 50;
              o4 2, 4 → 2: 25, 25 → 25
      payments p1, p2 2, 4 → 2: 25 each; p3 1, 5 → 1: 0;  platform f1, f2 5, 1 → 5: 100.
      Counts orders 4, payments 3, platform 2 < 3 hidden; "*" 9 shown; hidden 2 < 3 → the smallest shown
      team, payments (3), hidden too (5 ≥ 3). Shown: "*", orders.
      orders: tools 13/4 → 2.25/4 × 100 = 56.25; burnout 11/4 → 1.75/4 × 100 = 43.75; score 50;
        favourable tools 4, 4 + burnout 4 → 3/8; 4 respondents; rate 4/6.
      "*": tools (13 + 5 + 10)/9 = 28/9 → (19/9)/4 × 100 = 475/9; burnout (11 + 5 + 10)/9 = 26/9 →
        (17/9)/4 × 100 = 425/9; score 50; favourable 3 + 0 + 4 = 7/18; 9; rate 9/15.
    2026-Q1: orders o1 5, 1 → 5: 100; o2 4, 2 → 4: 75; o3 4, 3 → 3: 75, 50 → 62.5; o4 3, 2 → 4: 50, 75
      → 62.5. payments ×3 and platform ×3: 4, 2 → 4: 75. Counts 4, 3, 3: all shown.
      orders: tools 16/4 = 4 → 75; burnout 16/4 → 75; score 75; favourable 3 + 3 = 6/8; 4; rate 4/6.
      payments 75, favourable 1, 3, rate 3/5, change null (hidden by differencing in 2025-Q4);
      platform 75, 1, 3, rate 3/4, null (hidden in 2025-Q4).
      "*": tools 40/10 = 4 → 75, burnout 75; score 75; favourable 18/20; 10; rate 10/15.
    Change orders, moved 25 ≥ 5: own 2025-Q4 75, 50, 50, 25 (mean 50, SS 1250, var 416.67, SE² 104.17);
      2026-Q1 100, 75, 62.5, 62.5 (mean 75, SS 937.5, var 312.5, SE² 78.125). 1.96 × √182.29 = 26.46
      > 25: stable. (Over the eight answers instead, SE² 66.96 and 44.64, the bound 20.71 would say
      rising.)
    Change "*", moved 25: own 2025-Q4 75, 50, 50, 25, 25, 25, 0, 100, 100 (mean 50, SS 10000, var 1250,
      SE² 138.89); 2026-Q1 100, 75, 62.5, 62.5, 75 × 6 (mean 75, SS 937.5, var 104.17, SE² 10.42).
      1.96 × √149.31 = 23.95 < 25: rising.
    Asking for 2026-Q1 alone reads 2025-Q4 all the same. The space_* series name orders, never the
    spellings of the form.
    """
    run(engine, tmp_path / "q4.csv", RENAMED_OLD, quarter=OLD, survey=SATISFACTION, names=NAMES_NOW)
    run(engine, tmp_path / "q1.csv", RENAMED_NEW, quarter=NEW, survey=SATISFACTION, names=NAMES_NOW)
    assert stored_teams(engine) == {
        OLD: {"orders", "payments", "platform"},
        NEW: {"orders", "payments", "platform"},
    }

    later = [
        row("orders", NEW, SAT, 75.0, 0.75, 4, 4 / 6, "stable", 4),
        row("payments", NEW, SAT, 75.0, 1.0, 3, 3 / 5, None, 3),
        row("platform", NEW, SAT, 75.0, 1.0, 3, 3 / 4, None, 3),
    ]
    org_later = row("*", NEW, SAT, 75.0, 0.9, 10, 10 / 15, "rising", 10)
    scores, quarters = compute_space_quarters(engine, teams=HEADCOUNTS, min_group_size=3)
    assert rows(scores) == [
        row("*", OLD, SAT, 50.0, 7 / 18, 9, 9 / 15, None, 9),
        org_later,
        row("orders", OLD, SAT, 50.0, 3 / 8, 4, 4 / 6, None, 4),
        later[0],
        later[1],
        later[2],
    ]
    assert rows(compute_space(engine, teams=HEADCOUNTS, min_group_size=3, quarters=[NEW])) == [
        org_later,
        *later,
    ]

    snapshot = Snapshot(
        created_at=AS_OF,
        as_of=AS_OF,
        benchmarks="dora-2023",
        teams=("*", "orders", "payments", "platform"),
        metrics=(),
        space=tuple(scores),
        space_quarters=tuple(quarters),
    )
    series = {
        (family.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in space_families(snapshot)
        for sample in family.samples
    }
    assert {dict(labels)["team"] for _, labels in series} == {"*", "orders", "payments", "platform"}
    assert series[
        ("space_score", (("dimension", SAT), ("quarter", OLD), ("team", "orders")))
    ] == pytest.approx(50.0)
    assert series[("space_respondents", (("quarter", OLD), ("team", "orders")))] == 4
    assert ("space_respondents", (("quarter", OLD), ("team", "payments"))) not in series


def test_a_rename_made_after_the_older_quarter_was_imported_splits_the_history(
    tmp_path: Path, engine: Engine
) -> None:
    """The same answers as above, but 2025-Q4 was imported while the team was still configured as
    checkout (survey name "Checkout squad"); orders (survey_names Checkout, "Checkout squad") replaced
    it before 2026-Q1. The store keeps the configured name of the day (docs/surveys.md: "The team is
    stored as the configured team name"), and nothing in SPEC or docs/ re-maps stored answers when a
    team is renamed: the product's reading, kept here and named in the audit report.

    2025-Q4: checkout 4, payments 3, platform 2 → the same suppression as above (platform by size,
      payments by differencing). checkout: 50, 3/8, 4, rate null (no headcount: not a team of today's
      config); "*": 50, 7/18, 9, rate null (a responding team without a headcount, docs/metrics.md).
    2026-Q1: orders 75, 6/8, 4, 4/6, change null (no orders row in 2025-Q4); "*" as above: 75, 18/20,
      10, 10/15, rising (the organisation's people are the same).
    """
    names_then = {"checkout": ["Checkout squad"], "payments": [], "platform": []}
    run(engine, tmp_path / "q4.csv", RENAMED_OLD, quarter=OLD, survey=SATISFACTION, names=names_then)
    run(engine, tmp_path / "q1.csv", RENAMED_NEW, quarter=NEW, survey=SATISFACTION, names=NAMES_NOW)
    assert stored_teams(engine)[OLD] == {"checkout", "payments", "platform"}

    assert rows(compute_space(engine, teams=HEADCOUNTS, min_group_size=3)) == [
        row("*", OLD, SAT, 50.0, 7 / 18, 9, None, None, 9),
        row("*", NEW, SAT, 75.0, 0.9, 10, 10 / 15, "rising", 10),
        row("checkout", OLD, SAT, 50.0, 3 / 8, 4, None, None, 4),
        row("orders", NEW, SAT, 75.0, 0.75, 4, 4 / 6, None, 4),
        row("payments", NEW, SAT, 75.0, 1.0, 3, 3 / 5, None, 3),
        row("platform", NEW, SAT, 75.0, 1.0, 3, 3 / 4, None, 3),
    ]


# ==================================================================================================
# 2. A dimension over a 4-point reverse item and a 7-point item in one quarter × a single item, or the
#    same wording asked by a second survey under another id, in the next × own scores for the SE
# ==================================================================================================

EFF_OLD = definition(
    "devex",
    f'{{id: e_wait, text: "{WAIT}", dimension: efficiency, scale: freq4, reverse: true}}',
    f'{{id: e_flow, text: "{FLOW}", dimension: efficiency, scale: agree7}}',
)
EFF_FLOW_ONLY = definition("devex", f'{{id: e_flow, text: "{FLOW}", dimension: efficiency, scale: agree7}}')
# The wait question moved to a short pulse survey, under its own id, worded and scaled as before.
PULSE_WAIT = definition(
    "pulse",
    f'{{id: p_wait, text: "{WAIT}", dimension: efficiency, scale: freq4, reverse: true}}',
)
MIXED_OLD = [
    ("r1", "Orders", {"e_wait": "Never", "e_flow": "Strongly agree"}),
    ("r2", "Orders", {"e_wait": "Sometimes", "e_flow": "Somewhat agree"}),
    ("r3", "Orders", {"e_wait": "Always", "e_flow": "Disagree"}),
    ("r4", "Orders", {"e_wait": "Often", "e_flow": "N/A"}),
]
FLOW_NEW = [
    ("r1", "Orders", {"e_flow": 7}),
    ("r2", "Orders", {"e_flow": "Strongly agree"}),
    ("r3", "Orders", {"e_flow": "Agree"}),
    ("r4", "Orders", {"e_flow": "Somewhat agree"}),
]
WAIT_NEW = [
    ("r1", "Orders", {"p_wait": "Never"}),
    ("r2", "Orders", {"p_wait": "never"}),
    ("r3", "Orders", {"p_wait": "Sometimes"}),
    ("r4", "Orders", {"p_wait": 1}),
]
ORDERS_ONLY = {"orders": []}
# 2025-Q4 (the same in both tests below)
MIXED_OLD_SCORE = 500 / 9


def test_mixed_scales_then_a_single_item_loses_the_change_but_each_item_is_normalised(
    tmp_path: Path, engine: Engine
) -> None:
    """Team orders (headcount 5), min_group_size 3; efficiency = wait (freq4, reverse → 5 − x,
    favourable reversed 3–4) + flow (agree7, favourable 6–7).

    2025-Q4: r1 Never (→ 4), 7; r2 Sometimes (→ 3), 5; r3 Always (→ 1), 2; r4 Often (→ 2), N/A.
      wait reversed 4, 3, 1, 2: mean 2.5 → 1.5/3 × 100 = 50; flow 7, 5, 2: mean 14/3 → (11/3)/6 × 100
      = 550/9; score (50 + 550/9)/2 = 500/9 ≈ 55.56 (the mean of the seven answers' points would be
      (100 + 66.67 + 0 + 33.33 + 100 + 66.67 + 16.67)/7 ≈ 54.76, pooling raw answers (2.5 + 14/3)/2
      on one scale is meaningless). Favourable wait 4, 3 + flow 7 → 3/7; 4 respondents (r4 answered
      wait only); rate 4/5.
    2026-Q1, flow only: 7, 7, 6, 5 → 25/4 = 6.25 → 5.25/6 × 100 = 87.5; favourable 3/4; 4; rate 4/5.
      The wait question was dropped: the dimension's wordings differ, change null (docs/surveys.md "a
      question … dropped loses it"). "*" is orders alone.
    """
    run(engine, tmp_path / "q4.csv", MIXED_OLD, quarter=OLD, survey=EFF_OLD, names=ORDERS_ONLY)
    run(engine, tmp_path / "q1.csv", FLOW_NEW, quarter=NEW, survey=EFF_FLOW_ONLY, names=ORDERS_ONLY)

    expected = [
        row(team, quarter, EFF, score, favourable, 4, 0.8, None, 4)
        for team in ("*", "orders")
        for quarter, score, favourable in ((OLD, MIXED_OLD_SCORE, 3 / 7), (NEW, 87.5, 0.75))
    ]
    assert rows(compute_space(engine, teams={"orders": 5}, min_group_size=3)) == expected


def test_the_same_wording_asked_by_a_second_survey_keeps_the_change_and_the_people(
    tmp_path: Path, engine: Engine
) -> None:
    """As above, but in 2026-Q1 the wait question is asked by a second survey, pulse, under the id
    p_wait, with the same wording, scale and direction, to the same people (the same respondent ids,
    so the same pseudonyms). docs/surveys.md: "an item id or the survey: name renamed, its questions as
    they were, keeps the change": the dimension still asks the same two wordings.

    2026-Q1: flow 7, 7, 6, 5 → 87.5; wait Never, never, Sometimes, 1 → reversed 4, 4, 3, 4: mean 3.75 →
      2.75/3 × 100 = 275/3; score (87.5 + 275/3)/2 = 1075/12 ≈ 89.58. Favourable flow 7, 7, 6 + wait
      4, 4, 3, 4 → 7/8. Respondents 4 (one person answering both surveys is one person), team-quarter 4,
      rate 4/5.
    Change, moved 1075/12 − 500/9 = 1225/36 ≈ 34.03 ≥ 5. Own scores (mean of a person's points):
      2025-Q4 r1 (100 + 100)/2 = 100, r2 (66.67 + 66.67)/2 = 66.67, r3 (0 + 16.67)/2 = 8.33, r4 33.33:
        mean 52.08, deviations 47.92, 14.58, −43.75, −18.75, SS 4774.31, var 1591.44, SE² 397.86;
      2026-Q1 r1 (100 + 100)/2 = 100, r2 100, r3 (66.67 + 83.33)/2 = 75, r4 (100 + 66.67)/2 = 83.33:
        mean 89.58, SS 468.75, var 156.25, SE² 39.06.
      1.96 × √436.92 = 40.97 > 34.03: stable. (Taking each answer as an observation, SE² 221.09 and 29.14,
      the bound would be 31.00 and the change rising.)
    """
    run(engine, tmp_path / "q4.csv", MIXED_OLD, quarter=OLD, survey=EFF_OLD, names=ORDERS_ONLY)
    run(engine, tmp_path / "q1.csv", FLOW_NEW, quarter=NEW, survey=EFF_FLOW_ONLY, names=ORDERS_ONLY)
    run(engine, tmp_path / "pulse.csv", WAIT_NEW, quarter=NEW, survey=PULSE_WAIT, names=ORDERS_ONLY)

    expected = [
        row(team, quarter, EFF, score, favourable, 4, 0.8, change, 4)
        for team in ("*", "orders")
        for quarter, score, favourable, change in (
            (OLD, MIXED_OLD_SCORE, 3 / 7, None),
            (NEW, 1075 / 12, 7 / 8, "stable"),
        )
    ]
    assert rows(compute_space(engine, teams={"orders": 5}, min_group_size=3)) == expected


# ==================================================================================================
# 3. Differencing in the newer quarter hides a team whose older quarter was shown × the change of the
#    teams left × the year boundary, through the exporter (§8.1) and the team pages (§8.3)
# ==================================================================================================

TOOLS_ONLY = definition("devex", f'{{id: s_tools, text: "{TOOLS}", dimension: satisfaction, scale: agree5}}')


def space_section(page: str) -> str:
    section = page[page.index('<section id="space"') :]
    return section[: section.index("</section>")]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", html))


def history_cells(section: str, title: str) -> list[str]:
    history = section[section.index("Score by quarter") :]
    start = history.index(title)
    return re.findall(r"<td[^>]*>([^<]*)</td>", history[start : history.index("</tr>", start)])


def test_differencing_in_the_newer_quarter_after_a_shown_older_one_in_every_output(
    tmp_path: Path, engine: Engine
) -> None:
    """Teams a (headcount 5), b (8), c (5); min_group_size 5; one item, tools (agree5).

    2025-Q4: a 4 × 5; b 2, 2, 3, 3, 4, 4; c 5 × 5. Counts 5, 6, 5: all shown, nobody hidden.
      a 75, favourable 1, 5, rate 1; b 18/6 = 3 → 50, favourable 2/6, 6, rate 6/8; c 100, 1, 5, 1.
      "*": (20 + 18 + 25)/16 = 63/16 → (47/16)/4 × 100 = 73.4375, favourable 12/16, 16, rate 16/18.
    2026-Q1: a 1 × 5; b 4, 4, 4, 5, 5, 5, 3; c 2 × 3. c 3 < 5 hidden; "*" 15 shown; hidden 3 < 5 → the
      smallest shown team, a (5 < b's 7), hidden too (8 ≥ 5). Shown: "*", b.
      b: 30/7 → (23/7)/4 × 100 = 575/7 ≈ 82.14, favourable 6/7, 7, rate 7/8.
      "*": (5 + 30 + 6)/15 = 41/15 → (26/15)/4 × 100 = 130/3 ≈ 43.33, favourable 6/15, 15, rate 15/18.
    Change b, moved 575/7 − 50 = 32.14: own 2025-Q4 25, 25, 50, 50, 75, 75 (SS 2500, var 500, SE² 83.33);
      2026-Q1 75, 75, 75, 100, 100, 100, 50 (mean 82.14, SS 2142.86, var 357.14, SE² 51.02);
      1.96 × √134.35 = 22.72 < 32.14: rising.
    Change "*", moved 130/3 − 73.4375 = −30.10: own 2025-Q4 75 × 5, b's six, 100 × 5 (mean 73.44,
      SS 9335.94, var 622.40, SE² 38.90); 2026-Q1 0 × 5, b's seven, 25 × 3 (mean 43.33, SS 23083.33,
      var 1648.81, SE² 109.92); 1.96 × √148.82 = 23.91 < 30.10: falling.
    Exporter: space_score for a and c only in 2025-Q4, no 2026-Q1 series of theirs (respondents nor
    rate). Reports: a's and c's pages say "2026-Q1: not enough responses." with their history 75.0 /
    100.0 then "not enough responses"; b's says 7 respondents, 87.5 %, "rising (from 50.0)"; the
    organisation's "falling (from 73.4)".
    """
    old = [(f"a{n}", "a", {"s_tools": 4}) for n in range(5)]
    old += [(f"b{n}", "b", {"s_tools": answer}) for n, answer in enumerate((2, 2, 3, 3, 4, 4))]
    old += [(f"c{n}", "c", {"s_tools": 5}) for n in range(5)]
    new = [(f"a{n}", "a", {"s_tools": 1}) for n in range(5)]
    new += [(f"b{n}", "b", {"s_tools": answer}) for n, answer in enumerate((4, 4, 4, 5, 5, 5, 3))]
    new += [(f"c{n}", "c", {"s_tools": 2}) for n in range(3)]
    names: dict[str, list[str]] = {"a": [], "b": [], "c": []}
    run(engine, tmp_path / "q4.csv", old, quarter=OLD, survey=TOOLS_ONLY, names=names)
    run(engine, tmp_path / "q1.csv", new, quarter=NEW, survey=TOOLS_ONLY, names=names)

    headcounts: dict[str, int | None] = {"a": 5, "b": 8, "c": 5}
    scores, quarters = compute_space_quarters(engine, teams=headcounts, min_group_size=5)
    assert rows(scores) == [
        row("*", OLD, SAT, 73.4375, 0.75, 16, 16 / 18, None, 16),
        row("*", NEW, SAT, 130 / 3, 0.4, 15, 15 / 18, "falling", 15),
        row("a", OLD, SAT, 75.0, 1.0, 5, 1.0, None, 5),
        row("b", OLD, SAT, 50.0, 1 / 3, 6, 0.75, None, 6),
        row("b", NEW, SAT, 575 / 7, 6 / 7, 7, 7 / 8, "rising", 7),
        row("c", OLD, SAT, 100.0, 1.0, 5, 1.0, None, 5),
    ]

    snapshot = Snapshot(
        created_at=AS_OF,
        as_of=AS_OF,
        benchmarks="dora-2023",
        teams=("*", "a", "b", "c"),
        metrics=(),
        space=tuple(scores),
        space_quarters=tuple(quarters),
    )
    series = {
        (family.name, sample.labels["team"], sample.labels["quarter"]): sample.value
        for family in space_families(snapshot)
        for sample in family.samples
    }
    assert series == {
        ("space_score", "*", OLD): pytest.approx(73.4375),
        ("space_score", "*", NEW): pytest.approx(130 / 3),
        ("space_score", "a", OLD): pytest.approx(75.0),
        ("space_score", "b", OLD): pytest.approx(50.0),
        ("space_score", "b", NEW): pytest.approx(575 / 7),
        ("space_score", "c", OLD): pytest.approx(100.0),
        ("space_favourable_ratio", "*", OLD): pytest.approx(0.75),
        ("space_favourable_ratio", "*", NEW): pytest.approx(0.4),
        ("space_favourable_ratio", "a", OLD): pytest.approx(1.0),
        ("space_favourable_ratio", "b", OLD): pytest.approx(1 / 3),
        ("space_favourable_ratio", "b", NEW): pytest.approx(6 / 7),
        ("space_favourable_ratio", "c", OLD): pytest.approx(1.0),
        ("space_respondents", "*", OLD): 16,
        ("space_respondents", "*", NEW): 15,
        ("space_respondents", "a", OLD): 5,
        ("space_respondents", "b", OLD): 6,
        ("space_respondents", "b", NEW): 7,
        ("space_respondents", "c", OLD): 5,
        ("space_response_rate", "*", OLD): pytest.approx(16 / 18),
        ("space_response_rate", "*", NEW): pytest.approx(15 / 18),
        ("space_response_rate", "a", OLD): pytest.approx(1.0),
        ("space_response_rate", "b", OLD): pytest.approx(0.75),
        ("space_response_rate", "b", NEW): pytest.approx(7 / 8),
        ("space_response_rate", "c", OLD): pytest.approx(1.0),
    }

    for hidden, before in (("a", "75.0"), ("c", "100.0")):
        section = space_section(reports.team_page(snapshot, hidden))
        assert "2026-Q1: not enough responses." in text_of(section)
        assert "Change since" not in section
        assert history_cells(section, "Satisfaction") == [before, "not enough responses"]
        assert re.findall(r'<th scope="col" class="num">([^<]*)</th>', section) == [OLD, NEW]
    b = space_section(reports.team_page(snapshot, "b"))
    assert "2026-Q1: 7 respondents, a response rate of 87.5 %." in text_of(b)
    assert "Change since 2025-Q4" in text_of(b)
    assert re.search(
        r'Satisfaction and well-being</th><td class="num">82\.1</td><td class="num">85\.7 %</td>'
        r'<td class="num">7</td><td class="better">rising \(from 50\.0\)</td>',
        b,
    )
    assert history_cells(b, "Satisfaction") == ["50.0", "82.1"]
    organisation = space_section(reports.team_page(snapshot, "*"))
    assert "2026-Q1: 15 respondents, a response rate of 83.3 %." in text_of(organisation)
    assert '<td class="worse">falling (from 73.4)</td>' in organisation


# ==================================================================================================
# 4. Response rates with a null headcount across three quarters × suppression and differencing of the
#    team without a headcount × the change of the teams with one
# ==================================================================================================


def test_a_null_headcount_across_quarters_with_the_team_hidden_absent_and_shown(
    tmp_path: Path, engine: Engine
) -> None:
    """Teams orders (headcount 4), payments (null), platform (5); min_group_size 3; tools (agree5).

    2025-Q4: orders 3 × 4, payments 2 × 3, platform 4 × 3: all shown (4, 3, 3).
      orders 50, favourable 0, 4, rate 4/4; payments 25, 0, 3, rate null (no headcount); platform 75,
      1, 3, rate 3/5. "*": (12 + 6 + 12)/10 = 3 → 50, favourable 3/10, 10, rate null (a responding team
      has no headcount: its people are in the numerator and not in the denominator, docs/metrics.md).
    2026-Q1: orders 4 × 4, platform 4 × 4, payments absent. All 75, favourable 1.
      orders rate 4/4, change 50 → 75 with SE 0 on both sides: rising. platform rate 4/5, 75 → 75:
      stable. "*": 8 ÷ (4 + 5) = 8/9 — payments answered nobody, so the headcounts that are known cover
      every respondent (the product's reading; SPEC's "sum of all headcounts" is silent on a null one).
      "*" change, moved 25: own 2025-Q4 50 × 4, 25 × 3, 75 × 3 (mean 50, SS 3750, var 416.67,
      SE² 41.67); 2026-Q1 75 × 8 (SE 0); 1.96 × 6.45 = 12.65 < 25: rising.
    2026-Q2: orders 4 × 4, platform 5 × 5, payments 2 × 1. payments 2 < 3 hidden; "*" 11 shown; hidden
      2 < 3 → the smallest shown team, orders (4 < 5), hidden too (6 ≥ 3). Shown: "*", platform.
      platform: 100, favourable 1, 5, rate 5/5, 75 → 100 with SE 0: rising.
      "*": (16 + 25 + 2)/11 = 43/11 → (32/11)/4 × 100 = 800/11 ≈ 72.73, favourable 9/11, 11, rate null
      (payments responded, hidden or not). Moved 800/11 − 75 = −2.27, under 5: stable.
    """
    q2 = "2026-Q2"
    names: dict[str, list[str]] = {"orders": [], "payments": [], "platform": []}
    answers = {
        OLD: [("orders", 4, 3), ("payments", 3, 2), ("platform", 3, 4)],
        NEW: [("orders", 4, 4), ("platform", 4, 4)],
        q2: [("orders", 4, 4), ("platform", 5, 5), ("payments", 2, 1)],
    }
    for quarter, teams in answers.items():
        export = [
            (f"{team}-{n}", team.capitalize(), {"s_tools": answer})
            for team, size, answer in teams
            for n in range(size)
        ]
        run(engine, tmp_path / f"{quarter}.csv", export, quarter=quarter, survey=TOOLS_ONLY, names=names)

    headcounts: dict[str, int | None] = {"orders": 4, "payments": None, "platform": 5}
    assert rows(compute_space(engine, teams=headcounts, min_group_size=3)) == [
        row("*", OLD, SAT, 50.0, 0.3, 10, None, None, 10),
        row("*", NEW, SAT, 75.0, 1.0, 8, 8 / 9, "rising", 8),
        row("*", q2, SAT, 800 / 11, 9 / 11, 11, None, "stable", 11),
        row("orders", OLD, SAT, 50.0, 0.0, 4, 1.0, None, 4),
        row("orders", NEW, SAT, 75.0, 1.0, 4, 1.0, "rising", 4),
        row("payments", OLD, SAT, 25.0, 0.0, 3, None, None, 3),
        row("platform", OLD, SAT, 75.0, 1.0, 3, 0.6, None, 3),
        row("platform", NEW, SAT, 75.0, 1.0, 4, 0.8, "stable", 4),
        row("platform", q2, SAT, 100.0, 1.0, 5, 1.0, "rising", 5),
    ]


# ==================================================================================================
# 5. One person answering two surveys of a quarter for two teams (counted once, SPEC §7.4 "distinct
#    respondents") × differencing over the suppressed teams "together"
# ==================================================================================================

RECOMMEND = "I would recommend my team as a place to work"
PULSE_RECOMMEND = definition(
    "pulse", f'{{id: p_recommend, text: "{RECOMMEND}", dimension: satisfaction, scale: agree5}}'
)


def test_one_person_hidden_in_two_teams_is_one_respondent_for_differencing(
    tmp_path: Path, engine: Engine
) -> None:
    """Teams a (headcount 4), b (4), c (6); min_group_size 3; satisfaction = tools (devex) + recommend
    (pulse), both agree5. In 2026-Q1 x answered devex for a and, having moved, pulse for b (the same
    respondent id, so the same pseudonym: one person, as round 5 already counts within one team).

    devex tools: x (a) 5, y (a) 4, c1–c5 (c) 3. pulse recommend: x (b) 1, c1–c5 (c) 4.
    Team-quarters: a {x, y} 2 < 3 hidden; b {x} 1 hidden; c 5 shown. "*" {x, y, c1–c5} 7 ≥ 3 shown.
    SPEC §7.4: "if the suppressed teams of a quarter together have fewer than min_group_size
    respondents while the organisation-wide row is shown, the smallest shown team is suppressed too":
    a and b together have 2 respondents (x and y), fewer than 3 — "*" minus c would be x's and y's
    answers — so c is suppressed too and only "*" is shown. (Adding the teams' counts, 2 + 1 = 3,
    counts x twice and keeps c: the product's result.)
    "*": tools (5 + 4 + 15)/7 = 24/7 → (17/7)/4 × 100 = 425/7; recommend (1 + 20)/6 = 3.5 → 62.5;
      score (425/7 + 62.5)/2 = 1725/28 ≈ 61.61; favourable tools 5, 4 + recommend 4 × 5 → 7 of 13
      answers; 7 respondents; rate 7 ÷ (4 + 4 + 6) = 0.5.
    """
    names: dict[str, list[str]] = {"a": [], "b": [], "c": []}
    devex = [("x", "a", {"s_tools": 5}), ("y", "a", {"s_tools": 4})]
    devex += [(f"c{n}", "c", {"s_tools": 3}) for n in range(5)]
    pulse = [("x", "b", {"p_recommend": 1})] + [(f"c{n}", "c", {"p_recommend": 4}) for n in range(5)]
    run(engine, tmp_path / "devex.csv", devex, quarter=NEW, survey=TOOLS_ONLY, names=names)
    run(engine, tmp_path / "pulse.csv", pulse, quarter=NEW, survey=PULSE_RECOMMEND, names=names)

    scores, quarters = compute_space_quarters(engine, teams={"a": 4, "b": 4, "c": 6}, min_group_size=3)
    assert [(q.team, q.quarter, q.respondents, q.response_rate) for q in quarters] == [("*", NEW, 7, 0.5)]
    assert rows(scores) == [row("*", NEW, SAT, 1725 / 28, 7 / 13, 7, 0.5, None, 7)]
