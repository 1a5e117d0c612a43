"""SPACE scoring rules meeting each other, fifth audit round, at the analytics level (SPEC §7.4, §7.5).

Survey facts are written straight into the store as the importer would leave them (``Survey`` of
``test_space.py``), then scored with ``compute_space``. Scenarios not in the earlier rounds: one dimension
over 4-, 5- and 7-point items answered by different subsets of people; favourable shares of reverse items
on even scales and with the midpoint favourable; an out-of-range answer that must not make its author a
respondent of the dimension at the threshold; one person answering two surveys in a quarter; response
rates above 1 and a responding team absent from the headcounts; an item moved between dimensions with
its wording kept; an item re-scaled with its wording kept; the change across a year boundary with
differencing hiding different teams in each quarter (also through ``quarters=``); per-dimension
differencing where the quarter's hidden teams skipped the dimension; a tie for the smallest shown team;
the organisation's score pooled over items that different teams answered.

Every expected number is worked out by hand from SPEC §7.4 and docs/metrics.md in the docstrings:

* a reverse item scores ``points + 1 − x`` and is favourable when that reversed score is;
* ``score`` = mean over the dimension's items of ``(item mean − 1) / (points − 1) × 100``;
  ``favourable`` = favourable ÷ valid answers (over every item of the dimension);
* ``respondents`` = distinct respondents with at least one valid answer on the dimension;
* a team-quarter or dimension with fewer than ``min_group_size`` is hidden; ``"*"`` counts everyone;
  differencing: while ``"*"`` is shown and the hidden teams hold fewer than ``min_group_size``, the
  smallest shown team is hidden too (docs/metrics.md: "per dimension as well");
* change: the calendar quarter before, both shown, the dimension's wordings unchanged; rising/falling
  when moved ≥ 5 and > 1.96 × √(SE₁² + SE₂²), SE = sample sd of the respondents' own 0–100 dimension
  scores ÷ √n; else stable;
* ``response_rate`` = team-quarter respondents ÷ headcount; ``"*"``: ÷ the sum of all headcounts, null
  where a responding team has no headcount.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import Engine

from analytics.space import SpaceScore, compute_space
from store.engine import open_store
from tests.analytics.test_space import Survey

Q2, Q3 = "2026-Q2", "2026-Q3"
SAT, EFF, COM = "satisfaction", "efficiency", "communication"


@pytest.fixture
def engine() -> Iterator[Engine]:
    store = open_store("duckdb:///:memory:")
    yield store
    store.dispose()


@pytest.fixture
def survey(engine: Engine) -> Survey:
    return Survey(engine)


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
        "score": pytest.approx(score, rel=1e-9),
        "favourable": pytest.approx(favourable, rel=1e-9),
        "respondents": respondents,
        "response_rate": None if response_rate is None else pytest.approx(response_rate, rel=1e-9),
        "change": change,
        "quarter_respondents": quarter_respondents,
    }


# 1 ------------------------------------------------------------------------------------------------


def test_one_dimension_over_4_5_and_7_point_items_answered_by_subsets(engine: Engine, survey: Survey) -> None:
    """Team orders (headcount 8), min_group_size 3, efficiency over three items:
    e_wait 4 points, favourable 3–4, reverse; e_flow 7 points, favourable 6–7; e_tools 5 points, 4–5.

    r1: wait 1 (→ 4), flow 7, tools 5; r2: wait 4 (→ 1), flow 4; r3: flow 1; r4: tools 3.
    Item means: wait (4 + 1)/2 = 2.5 → 1.5/3 = 50; flow (7 + 4 + 1)/3 = 4 → 3/6 = 50;
    tools (5 + 3)/2 = 4 → 3/4 = 75. Score (50 + 50 + 75)/3 = 175/3 ≈ 58.33 (normalising per answer
    instead, (100 + 0 + 100 + 50 + 0 + 100 + 50)/7 = 400/7 ≈ 57.14, would be wrong).
    Favourable: r1's three (reversed 4, 7, 5) out of 7 valid answers: 3/7.
    Respondents 4 (r3 and r4 answered one item each); rate 4/8. "*" is orders alone, rate 4/8.
    """
    survey.item(Q3, "e_wait", EFF, points=4, favourable="3,4", reverse=True)
    survey.item(Q3, "e_flow", EFF, points=7, favourable="6,7")
    survey.item(Q3, "e_tools", EFF)
    survey.respond(Q3, "orders", {"e_wait": 1, "e_flow": 7, "e_tools": 5})
    survey.respond(Q3, "orders", {"e_wait": 4, "e_flow": 4})
    survey.respond(Q3, "orders", {"e_flow": 1})
    survey.respond(Q3, "orders", {"e_tools": 3})

    assert rows(compute_space(engine, teams={"orders": 8}, min_group_size=3)) == [
        row("*", Q3, EFF, 175 / 3, 3 / 7, 4, 0.5, None, 4),
        row("orders", Q3, EFF, 175 / 3, 3 / 7, 4, 0.5, None, 4),
    ]


# 2 ------------------------------------------------------------------------------------------------


def test_favourable_of_reverse_items_on_even_scales_and_a_favourable_midpoint(
    engine: Engine, survey: Survey
) -> None:
    """Team t (no headcount), min_group_size 3, satisfaction over:
    s_even 4 points, favourable 3–4, reverse; s_six 6 points, favourable 5–6; s_mid 5 points,
    favourable 3–5 (the midpoint included), reverse.

    Answers (reversed in brackets, * favourable):
      r1: even 1 (4*), six 6*, mid 3 (3*)      → 3
      r2: even 2 (3*), six 4,  mid 4 (2)       → 1
      r3: even 3 (2),  six 5*, mid 1 (5*)      → 2
      r4: even 2 (3*), six 1,  mid 5 (1)       → 1
    Favourable 7/12 (the raw answers would give 1 + 2 + 3 = 6/12).
    even reversed 4, 3, 2, 3: mean 3 → 2/3 × 100 = 200/3; six 6, 4, 5, 1: mean 4 → 3/5 = 60;
    mid reversed 3, 2, 5, 1: mean 2.75 → 1.75/4 = 43.75. Score (200/3 + 60 + 43.75)/3 = 2045/36 ≈ 56.81.
    """
    survey.item(Q3, "s_even", SAT, points=4, favourable="3,4", reverse=True)
    survey.item(Q3, "s_six", SAT, points=6, favourable="5,6")
    survey.item(Q3, "s_mid", SAT, favourable="3,4,5", reverse=True)
    for even, six, mid in ((1, 6, 3), (2, 4, 4), (3, 5, 1), (2, 1, 5)):
        survey.respond(Q3, "t", {"s_even": even, "s_six": six, "s_mid": mid})

    assert rows(compute_space(engine, teams={}, min_group_size=3)) == [
        row("*", Q3, SAT, 2045 / 36, 7 / 12, 4, None, None, 4),
        row("t", Q3, SAT, 2045 / 36, 7 / 12, 4, None, None, 4),
    ]


# 3 ------------------------------------------------------------------------------------------------


def test_an_out_of_range_answer_makes_no_dimension_respondent_at_the_threshold(
    engine: Engine, survey: Survey
) -> None:
    """Teams a (headcount 5) and b (5), min_group_size 4; s1 satisfaction, c1 communication, 5 points.

    a: (s1, c1) = (4, 5), (4, 4), (2, 3), (5, 9) — 9 is no point of the scale: a missing answer.
    b: s1 3, 3, 3, 4, 5; c1 2 each.
    Team-quarters a 4, b 5: both shown, nobody hidden.
    Satisfaction: a 4, b 5 respondents: both shown. a: (4+4+2+5)/4 = 3.75 → 68.75, favourable 3/4.
      b: 18/5 = 3.6 → 65, favourable 2/5. "*": 33/9 → (24/9)/4 × 100 = 200/3, favourable 5/9.
    Communication: a has 3 respondents (the fourth answered nothing valid) < 4: hidden; "*" has 8 ≥ 4;
      hidden 3 < 4 → the smallest shown team on it, b, is hidden too. "*": 5+4+3+2×5 = 22/8 = 2.75
      → 43.75, favourable 2/8.
    Rates: a 4/5, b 5/5, "*" 9/10.
    """
    survey.item(Q3, "s1", SAT)
    survey.item(Q3, "c1", COM)
    for s1, c1 in ((4, 5), (4, 4), (2, 3), (5, 9)):
        survey.respond(Q3, "a", {"s1": s1, "c1": c1})
    for s1 in (3, 3, 3, 4, 5):
        survey.respond(Q3, "b", {"s1": s1, "c1": 2})

    assert rows(compute_space(engine, teams={"a": 5, "b": 5}, min_group_size=4)) == [
        row("*", Q3, COM, 43.75, 0.25, 8, 0.9, None, 9),
        row("*", Q3, SAT, 200 / 3, 5 / 9, 9, 0.9, None, 9),
        row("a", Q3, SAT, 68.75, 0.75, 4, 0.8, None, 4),
        row("b", Q3, SAT, 65.0, 0.4, 5, 1.0, None, 5),
    ]


# 4 ------------------------------------------------------------------------------------------------


def test_one_person_answering_two_surveys_in_a_quarter_counts_once(engine: Engine) -> None:
    """Team t (headcount 8), min_group_size 4. Surveys devex (s1) and pulse (p1), both satisfaction, in
    one quarter; the same three pseudonyms (HMAC of the same e-mails) answer both.

    Distinct respondents 3 < 4: nothing is shown (counting 6 would show three people's answers).
    A fourth person answers pulse only: 4 distinct respondents, shown.
    s1: 5, 4, 3 → mean 4 → 75; p1: 2, 2, 2, 4 → 2.5 → 37.5; score 56.25. Favourable (5, 4; 4) 3/7.
    Respondents 4, rate 4/8, for t and for "*".
    """
    devex, pulse = Survey(engine, "devex"), Survey(engine, "pulse")
    devex.item(Q3, "s1", SAT, wording="I am satisfied with my tools")
    pulse.item(Q3, "p1", SAT, wording="I would recommend this team")
    for person, s1 in (("p-1", 5), ("p-2", 4), ("p-3", 3)):
        devex.respond(Q3, "t", {"s1": s1}, respondent=person)
        pulse.respond(Q3, "t", {"p1": 2}, respondent=person)

    assert compute_space(engine, teams={"t": 8}, min_group_size=4) == []

    pulse.respond(Q3, "t", {"p1": 4}, respondent="p-4")
    assert rows(compute_space(engine, teams={"t": 8}, min_group_size=4)) == [
        row("*", Q3, SAT, 56.25, 3 / 7, 4, 0.5, None, 4),
        row("t", Q3, SAT, 56.25, 3 / 7, 4, 0.5, None, 4),
    ]


# 5 ------------------------------------------------------------------------------------------------


def test_response_rate_above_one_and_a_responding_team_without_a_headcount(
    engine: Engine, survey: Survey
) -> None:
    """min_group_size 3, s1 only. small: 5 respondents answering 4; big: 4 answering 2.

    Headcounts small 3, big 10: small's rate 5/3 (SPEC: respondents ÷ headcount, no cap), big 4/10;
    "*" 9 ÷ 13. Scores: small 75, favourable 1; big 25, favourable 0; "*" (20 + 8)/9 = 28/9
    → (19/9)/4 × 100 = 475/9, favourable 5/9.
    With small absent from the headcounts: small's rate null, and "*"'s null (its people have no
    headcount to be divided by; docs/metrics.md "null where a headcount is missing"); big stays 4/10.
    """
    survey.item(Q3, "s1", SAT)
    survey.team(Q3, "small", [{"s1": 4}] * 5)
    survey.team(Q3, "big", [{"s1": 2}] * 4)

    assert rows(compute_space(engine, teams={"small": 3, "big": 10}, min_group_size=3)) == [
        row("*", Q3, SAT, 475 / 9, 5 / 9, 9, 9 / 13, None, 9),
        row("big", Q3, SAT, 25.0, 0.0, 4, 0.4, None, 4),
        row("small", Q3, SAT, 75.0, 1.0, 5, 5 / 3, None, 5),
    ]
    assert rows(compute_space(engine, teams={"big": 10}, min_group_size=3)) == [
        row("*", Q3, SAT, 475 / 9, 5 / 9, 9, None, None, 9),
        row("big", Q3, SAT, 25.0, 0.0, 4, 0.4, None, 4),
        row("small", Q3, SAT, 75.0, 1.0, 5, None, None, 5),
    ]


# 6 ------------------------------------------------------------------------------------------------


def test_an_item_moved_to_another_dimension_drops_the_change_of_both(engine: Engine, survey: Survey) -> None:
    """Team t, min_group_size 3. Q2: s1, s2 satisfaction; e1 efficiency; c1 communication. Q3: s2 (same
    id, same wording) moved to efficiency. Satisfaction lost a question and efficiency gained one: both
    changes null; communication's wording is unchanged: its change stays.

    Q2: everyone answers 1 everywhere (all 0, SE 0).
    Q3 (s1, s2, e1, c1): (5, 4, 3, 5), (4, 4, 5, 4), (5, 2, 4, 5).
      satisfaction: s1 14/3 → (11/3)/4 × 100 = 275/3, favourable 3/3.
      efficiency: s2 10/3 → 175/3; e1 4 → 75; score (175/3 + 75)/2 = 200/3; favourable (4, 4, 5, 4) 4/6.
      communication: c1 14/3 → 275/3, favourable 1; own scores 100, 75, 100: SE 8.33; moved 91.67 >
      1.96 × 8.33 = 16.33 and ≥ 5: rising.
    "*" is t alone.
    """
    for quarter in (Q2, Q3):
        survey.item(quarter, "s1", SAT, wording="I am satisfied with my tools")
        survey.item(quarter, "s2", SAT if quarter == Q2 else EFF, wording="My builds rarely make me wait")
        survey.item(quarter, "e1", EFF, wording="I can focus on my work")
        survey.item(quarter, "c1", COM, wording="Other teams help me")
    survey.team(Q2, "t", [{"s1": 1, "s2": 1, "e1": 1, "c1": 1}] * 3)
    for s1, s2, e1, c1 in ((5, 4, 3, 5), (4, 4, 5, 4), (5, 2, 4, 5)):
        survey.respond(Q3, "t", {"s1": s1, "s2": s2, "e1": e1, "c1": c1})

    found = rows(compute_space(engine, teams={}, min_group_size=3, quarters=[Q3]))
    expected = [
        row(team, Q3, dimension, score, favourable, 3, None, change, 3)
        for team in ("*", "t")
        for dimension, score, favourable, change in (
            (COM, 275 / 3, 1.0, "rising"),
            (EFF, 200 / 3, 4 / 6, None),
            (SAT, 275 / 3, 1.0, None),
        )
    ]
    assert found == expected


# 7 ------------------------------------------------------------------------------------------------


def test_an_item_rescaled_with_its_wording_kept_keeps_the_change(engine: Engine, survey: Survey) -> None:
    """Team t, min_group_size 3; e1 "My builds are fast": 5 points (favourable 4–5) in Q2, 7 points
    (favourable 6–7) in Q3, same wording (SPEC/docs: the change depends on the wording only).

    Q2: 4, 4, 4 → 3/4 × 100 = 75, SE 0. Q3: 6, 6, 6 → 5/6 × 100 = 250/3 ≈ 83.33, SE 0, favourable 1.
    Moved 8.33 ≥ 5 and > 0: rising (comparing raw means 4 → 6 is no part of the rule).
    """
    survey.item(Q2, "e1", EFF, wording="My builds are fast")
    survey.item(Q3, "e1", EFF, points=7, favourable="6,7", wording="My builds are fast")
    survey.team(Q2, "t", [{"e1": 4}] * 3)
    survey.team(Q3, "t", [{"e1": 6}] * 3)

    assert rows(compute_space(engine, teams={"t": 3}, min_group_size=3)) == [
        row("*", Q2, EFF, 75.0, 1.0, 3, 1.0, None, 3),
        row("*", Q3, EFF, 250 / 3, 1.0, 3, 1.0, "rising", 3),
        row("t", Q2, EFF, 75.0, 1.0, 3, 1.0, None, 3),
        row("t", Q3, EFF, 250 / 3, 1.0, 3, 1.0, "rising", 3),
    ]


# 8 ------------------------------------------------------------------------------------------------


def test_change_across_the_year_with_differencing_hiding_other_teams_each_quarter(
    engine: Engine, survey: Survey
) -> None:
    """Teams a (headcount 6), b (8), c (4); min_group_size 3; s1 only.

    2025-Q4: a 5 × 2, b 6 × 3, c 2 × 1. c 2 < 3 hidden; "*" 13 shown; hidden 2 < 3 → the smallest shown,
      a (5), hidden too (7 ≥ 3). Shown: "*", b.
      b: 50, favourable 0, 6, rate 6/8. "*": (10 + 18 + 2)/13 = 30/13 → (17/13)/4 × 100 = 425/13,
      favourable 0, 13, rate 13/18.
    2026-Q1 (the quarter after 2025-Q4): a 5 × 4, b 6 × 4, c 3 × 5: all shown.
      a: 75, fav 1, 5, rate 5/6, change null (hidden in 2025-Q4). c: 100, fav 1, 3, rate 3/4, null.
      b: 75, fav 1, 6, rate 6/8; 50 → 75 with SE 0 on both sides: rising.
      "*": (20 + 24 + 15)/14 = 59/14 → (45/14)/4 × 100 = 1125/14, fav 1, 14, rate 14/18.
      "*" change: moved 1125/14 − 425/13 ≈ 47.66. Own scores 2025-Q4: 25 × 5, 50 × 6, 0 × 2, mean
      32.69, SS 18125 − 13·(425/13)² ≈ 4230.77, var 352.56, SE² 27.12; 2026-Q1: 75 × 11, 100 × 3,
      SS 91875 − 14·(1125/14)² ≈ 1473.21, var 113.32, SE² 8.09. 1.96 × √35.22 ≈ 11.63 < 47.66: rising.
    Asking for 2026-Q1 only gives the same 2026-Q1 rows (2025-Q4 still read for the change).
    """
    old, new = "2025-Q4", "2026-Q1"
    for quarter in (old, new):
        survey.item(quarter, "s1", SAT)
    survey.team(old, "a", [{"s1": 2}] * 5)
    survey.team(old, "b", [{"s1": 3}] * 6)
    survey.team(old, "c", [{"s1": 1}] * 2)
    survey.team(new, "a", [{"s1": 4}] * 5)
    survey.team(new, "b", [{"s1": 4}] * 6)
    survey.team(new, "c", [{"s1": 5}] * 3)
    teams: dict[str, int | None] = {"a": 6, "b": 8, "c": 4}

    later = [
        row("a", new, SAT, 75.0, 1.0, 5, 5 / 6, None, 5),
        row("b", new, SAT, 75.0, 1.0, 6, 6 / 8, "rising", 6),
        row("c", new, SAT, 100.0, 1.0, 3, 3 / 4, None, 3),
    ]
    org_later = row("*", new, SAT, 1125 / 14, 1.0, 14, 14 / 18, "rising", 14)
    assert rows(compute_space(engine, teams=teams, min_group_size=3)) == [
        row("*", old, SAT, 425 / 13, 0.0, 13, 13 / 18, None, 13),
        org_later,
        later[0],
        row("b", old, SAT, 50.0, 0.0, 6, 6 / 8, None, 6),
        later[1],
        later[2],
    ]
    assert rows(compute_space(engine, teams=teams, min_group_size=3, quarters=[new])) == [org_later, *later]


# 9 ------------------------------------------------------------------------------------------------


def test_per_dimension_differencing_when_the_hidden_teams_skipped_the_dimension(
    engine: Engine, survey: Survey
) -> None:
    """Teams a (headcount 4), b (8), c (8), d (10); min_group_size 5; s1 satisfaction, e1 efficiency.

    a: 3 people, s1 1, no e1. b: 6 people, s1 2, one of them e1 1. c: 7 people, s1 4, e1 3.
    d: 8 people, s1 5, e1 4.
    Quarter: a 3 < 5 hidden; "*" 24; hidden 3 < 5 → b (6) hidden too (9 ≥ 5). Shown: c, d.
    Satisfaction: hidden teams hold 3 + 6 = 9 ≥ 5 → c, d shown.
      c: 75, fav 1, 7, rate 7/8. d: 100, fav 1, 8, rate 8/10.
      "*": (3 + 12 + 28 + 40)/24 = 83/24 → (59/24)/4 × 100 = 1475/24, fav 15/24, 24, rate 24/30.
    Efficiency: the hidden teams hold only b's 1 respondent (a's skipped it) < 5, so "*" − c − d would
      be that one answer: the smallest shown, c (7), is hidden too (8 ≥ 5). Shown: "*", d.
      d: 75, fav 1, 8. "*": (1 + 21 + 32)/16 = 3.375 → 59.375, fav 8/16, 16 respondents.
    """
    survey.item(Q3, "s1", SAT)
    survey.item(Q3, "e1", EFF)
    survey.team(Q3, "a", [{"s1": 1}] * 3)
    survey.team(Q3, "b", [{"s1": 2, "e1": 1}] + [{"s1": 2}] * 5)
    survey.team(Q3, "c", [{"s1": 4, "e1": 3}] * 7)
    survey.team(Q3, "d", [{"s1": 5, "e1": 4}] * 8)

    assert rows(compute_space(engine, teams={"a": 4, "b": 8, "c": 8, "d": 10}, min_group_size=5)) == [
        row("*", Q3, EFF, 59.375, 0.5, 16, 0.8, None, 24),
        row("*", Q3, SAT, 1475 / 24, 15 / 24, 24, 0.8, None, 24),
        row("c", Q3, SAT, 75.0, 1.0, 7, 7 / 8, None, 7),
        row("d", Q3, EFF, 75.0, 1.0, 8, 0.8, None, 8),
        row("d", Q3, SAT, 100.0, 1.0, 8, 0.8, None, 8),
    ]


# 10 -----------------------------------------------------------------------------------------------


def test_a_tie_for_the_smallest_shown_team_hides_exactly_one(engine: Engine, survey: Survey) -> None:
    """min_group_size 4; s1 only. a: 2 × 1 (hidden), b: 5 × 3, c: 5 × 4, d: 9 × 5.

    Hidden 2 < 4 → one smallest shown team (b or c, both 5; SPEC names no tie rule) is hidden too:
    7 ≥ 4, so the other stays. Shown: "*", d and one of b, c.
    "*": (2 + 15 + 20 + 45)/21 = 82/21 → (61/21)/4 × 100 = 1525/21, favourable (5 + 9)/21, 21.
    b: 50, fav 0, 5. c: 75, fav 1, 5. d: 100, fav 1, 9.
    """
    survey.item(Q3, "s1", SAT)
    for team, size, answer in (("a", 2, 1), ("b", 5, 3), ("c", 5, 4), ("d", 9, 5)):
        survey.team(Q3, team, [{"s1": answer}] * size)

    found = rows(compute_space(engine, teams={}, min_group_size=4))
    b = row("b", Q3, SAT, 50.0, 0.0, 5, None, None, 5)
    c = row("c", Q3, SAT, 75.0, 1.0, 5, None, None, 5)
    head = [row("*", Q3, SAT, 1525 / 21, 14 / 21, 21, None, None, 21)]
    tail = [row("d", Q3, SAT, 100.0, 1.0, 9, None, None, 9)]
    assert found in ([*head, b, *tail], [*head, c, *tail])


# 11 -----------------------------------------------------------------------------------------------


def test_the_organisation_pools_items_answered_by_different_teams(engine: Engine, survey: Survey) -> None:
    """Teams a (headcount 3), b (5), h (4); min_group_size 3; satisfaction over s1 (5 points, 4–5) and
    s2 (7 points, 6–7).

    a: s1 5, 5, 4 (no s2). b: s2 1, 1, 4, 7 (no s1). h: 2 people, s1 1 and s2 7 each.
    Quarter: h 2 < 3 hidden; hidden 2 < 3 → a (3, smaller than b's 4) hidden too (5 ≥ 3). Shown: "*", b.
    b: s2 13/4 = 3.25 → 2.25/6 × 100 = 37.5, fav 1/4, 4, rate 4/5.
    "*": s1 (5 + 5 + 4 + 1 + 1)/5 = 3.2 → 55; s2 (1 + 1 + 4 + 7 + 7 + 7)/6 = 4.5 → 3.5/6 × 100 = 175/3;
      score (55 + 175/3)/2 = 170/3 ≈ 56.67 (not the per-answer 625/11 ≈ 56.82); favourable
      (5, 5, 4; 7, 7, 7) 6/11; 9 respondents; rate 9/12.
    """
    survey.item(Q3, "s1", SAT)
    survey.item(Q3, "s2", SAT, points=7, favourable="6,7")
    survey.team(Q3, "a", [{"s1": 5}, {"s1": 5}, {"s1": 4}])
    survey.team(Q3, "b", [{"s2": 1}, {"s2": 1}, {"s2": 4}, {"s2": 7}])
    survey.team(Q3, "h", [{"s1": 1, "s2": 7}] * 2)

    assert rows(compute_space(engine, teams={"a": 3, "b": 5, "h": 4}, min_group_size=3)) == [
        row("*", Q3, SAT, 170 / 3, 6 / 11, 9, 0.75, None, 9),
        row("b", Q3, SAT, 37.5, 0.25, 4, 0.8, None, 4),
    ]
