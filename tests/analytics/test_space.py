"""SPACE scores and anonymity (SPEC §7.4, §7.5), numbers worked out by hand in the comments.

Survey facts are written straight into the store as the importer would leave them: items per quarter,
one response row per respondent (with the team), one answer row per valid answer, the scale point
before reversing.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping, Sequence

import pytest
from sqlalchemy import Engine

from analytics.space import SpaceScore, compute_space, previous_quarter, quarter_key
from store import schema
from store.engine import open_store
from store.upsert import upsert


class Survey:
    """Writes survey items, responses and answers into a store, one small transaction per call."""

    def __init__(self, engine: Engine, survey: str = "devex") -> None:
        self.engine = engine
        self.survey = survey
        self._next = 0

    def item(
        self,
        quarter: str,
        item_id: str,
        dimension: str,
        *,
        points: int = 5,
        favourable: str = "4,5",
        reverse: bool = False,
        wording: str | None = None,
    ) -> None:
        text = wording or f"text of {item_id}"
        with self.engine.begin() as conn:
            upsert(
                conn,
                schema.survey_items,
                [
                    {
                        "survey": self.survey,
                        "quarter": quarter,
                        "item_id": item_id,
                        "dimension": dimension,
                        "points": points,
                        "favourable": favourable,
                        "reverse": reverse,
                        "wording_fingerprint": hashlib.sha256(text.encode()).hexdigest(),
                    }
                ],
            )

    def respond(
        self, quarter: str, team: str, answers: Mapping[str, int], respondent: str | None = None
    ) -> str:
        """One respondent of ``team``; ``answers`` maps item ids to the scale point chosen."""
        self._next += 1
        respondent = respondent or f"r{self._next:04d}"
        with self.engine.begin() as conn:
            upsert(
                conn,
                schema.survey_responses,
                [
                    {
                        "survey": self.survey,
                        "quarter": quarter,
                        "respondent": respondent,
                        "team": team,
                        "submitted_at": None,
                    }
                ],
            )
            upsert(
                conn,
                schema.survey_answers,
                [
                    {
                        "survey": self.survey,
                        "quarter": quarter,
                        "respondent": respondent,
                        "item_id": item_id,
                        "value": value,
                    }
                    for item_id, value in answers.items()
                ],
            )
        return respondent

    def team(self, quarter: str, team: str, answers: Sequence[Mapping[str, int]]) -> None:
        for answered in answers:
            self.respond(quarter, team, answered)


@pytest.fixture
def engine() -> Iterator[Engine]:
    store = open_store("duckdb:///:memory:")
    yield store
    store.dispose()


@pytest.fixture
def survey(engine: Engine) -> Survey:
    return Survey(engine)


def by_key(scores: Sequence[SpaceScore]) -> dict[tuple[str, str, str], SpaceScore]:
    return {(s.team, s.quarter, s.dimension): s for s in scores}


Q = "2026-Q3"


# -- the numbers -----------------------------------------------------------------------------------


def test_score_favourable_reverse_items_and_missing_answers(engine: Engine, survey: Survey) -> None:
    survey.item(Q, "s_satisfied", "satisfaction")
    survey.item(Q, "s_burnout", "satisfaction", reverse=True)
    survey.respond(Q, "orders", {"s_satisfied": 5, "s_burnout": 2})  # burnout reversed: 4
    survey.respond(Q, "orders", {"s_satisfied": 4, "s_burnout": 5})  # burnout reversed: 1
    survey.respond(Q, "orders", {"s_satisfied": 2})  # burnout missing: leaves every denominator

    scores = by_key(compute_space(engine, teams={"orders": 4}, min_group_size=3))

    row = scores[("orders", Q, "satisfaction")]
    # s_satisfied: mean 11/3 → (11/3 − 1)/4 × 100 = 66.67; s_burnout: mean (4 + 1)/2 = 2.5 → 37.5.
    assert row.score == pytest.approx((200 / 3 + 37.5) / 2, rel=1e-12)
    # Favourable (4 or 5 after reversing): 5, 4 and the reversed 4 out of 5 valid answers.
    assert row.favourable == pytest.approx(3 / 5, rel=1e-12)
    assert row.respondents == 3
    assert row.quarter_respondents == 3
    assert row.response_rate == pytest.approx(3 / 4)
    assert row.change is None  # no earlier quarter
    # The organisation is this one team here.
    org = scores[("*", Q, "satisfaction")]
    assert (org.score, org.favourable, org.respondents, org.response_rate) == (
        row.score,
        row.favourable,
        3,
        row.response_rate,
    )


def test_scales_of_different_lengths_and_out_of_range_values(engine: Engine, survey: Survey) -> None:
    survey.item(Q, "e_flow", "efficiency", points=7, favourable="6,7")
    survey.item(Q, "e_waiting", "efficiency", points=5, reverse=True)
    survey.respond(Q, "orders", {"e_flow": 7, "e_waiting": 1})  # waiting reversed: 5
    survey.respond(Q, "orders", {"e_flow": 4, "e_waiting": 9})  # 9 is no point of the scale: missing
    survey.respond(Q, "orders", {"e_flow": 1, "e_waiting": 3})  # waiting reversed: 3

    (org, row) = compute_space(engine, teams={}, min_group_size=3)
    assert row.team == "orders" and org.team == "*"
    # e_flow: mean 4 on 1..7 → 3/6 × 100 = 50; e_waiting: reversed mean (5 + 3)/2 = 4 → 3/4 × 100 = 75.
    assert row.score == pytest.approx(62.5, rel=1e-12)
    # Favourable: 7 (e_flow) and the reversed 5 (e_waiting), out of 5 valid answers.
    assert row.favourable == pytest.approx(2 / 5, rel=1e-12)
    assert row.respondents == 3
    assert row.response_rate is None and org.response_rate is None  # no headcount


def test_respondents_count_valid_answers_on_the_dimension(engine: Engine, survey: Survey) -> None:
    survey.item(Q, "s1", "satisfaction")
    survey.item(Q, "c1", "communication")
    for _ in range(4):
        survey.respond(Q, "orders", {"s1": 4, "c1": 3})
    survey.respond(Q, "orders", {"s1": 5})  # no communication answer
    survey.respond(Q, "orders", {})  # answered nothing valid: counts for the team-quarter only

    scores = by_key(compute_space(engine, teams={"orders": 10}, min_group_size=3))
    assert scores[("orders", Q, "satisfaction")].respondents == 5
    assert scores[("orders", Q, "communication")].respondents == 4
    # The team-quarter (and so the response rate) counts every respondent of the team.
    assert {s.quarter_respondents for s in scores.values()} == {6}
    assert scores[("orders", Q, "communication")].response_rate == pytest.approx(0.6)


def test_response_rate_of_the_organisation(engine: Engine, survey: Survey) -> None:
    survey.item(Q, "s1", "satisfaction")
    survey.team(Q, "orders", [{"s1": 4}] * 3)
    survey.team(Q, "payments", [{"s1": 4}] * 4)

    scores = by_key(compute_space(engine, teams={"orders": 5, "payments": 8, "search": 7}, min_group_size=3))
    # Every respondent ÷ every headcount, teams without answers included: 7 / 20.
    assert scores[("*", Q, "satisfaction")].response_rate == pytest.approx(7 / 20)
    assert scores[("orders", Q, "satisfaction")].response_rate == pytest.approx(3 / 5)
    assert scores[("payments", Q, "satisfaction")].response_rate == pytest.approx(4 / 8)

    # A responding team without a headcount: its people are not in the denominator, so no org rate.
    scores = by_key(compute_space(engine, teams={"orders": 5, "payments": None}, min_group_size=3))
    assert scores[("*", Q, "satisfaction")].response_rate is None
    assert scores[("payments", Q, "satisfaction")].response_rate is None
    assert scores[("orders", Q, "satisfaction")].response_rate == pytest.approx(3 / 5)


# -- anonymity -------------------------------------------------------------------------------------


def three_teams(survey: Survey, sizes: Mapping[str, int], quarter: str = Q) -> None:
    survey.item(quarter, "s1", "satisfaction")
    survey.item(quarter, "p1", "performance")
    for team, size in sizes.items():
        survey.team(quarter, team, [{"s1": 1 + n % 5, "p1": 5 - n % 5} for n in range(size)])


def test_team_of_4_suppressed_and_team_of_6_by_differencing(engine: Engine, survey: Survey) -> None:
    three_teams(survey, {"small": 4, "medium": 6, "large": 30})
    scores = compute_space(engine, teams={"small": 4, "medium": 6, "large": 30}, min_group_size=5)
    # small (4 < 5) is suppressed. With medium shown, organisation − large − medium would be small's
    # 4 people, so the smallest shown team (medium) is suppressed too: the hidden teams then hold 10 ≥ 5.
    assert {s.team for s in scores} == {"*", "large"}
    assert all(s.team not in ("small", "medium") for s in scores)
    org = by_key(scores)[("*", Q, "satisfaction")]
    assert org.respondents == 40 and org.quarter_respondents == 40  # suppressed teams still count
    assert org.response_rate == pytest.approx(1.0)


def test_with_a_threshold_of_3_every_team_is_shown(engine: Engine, survey: Survey) -> None:
    three_teams(survey, {"small": 4, "medium": 6, "large": 30})
    # With a threshold of 3 nobody is too small: every team is shown.
    assert {s.team for s in compute_space(engine, teams={}, min_group_size=3)} == {
        "*",
        "small",
        "medium",
        "large",
    }


def test_differencing_can_hide_every_team(engine: Engine, survey: Survey) -> None:
    three_teams(survey, {"tiny": 4, "big": 30})
    # tiny hidden (4 < 5); org − big would be tiny, so big goes too: only the organisation is left.
    scores = compute_space(engine, teams={}, min_group_size=5)
    assert {s.team for s in scores} == {"*"}
    assert {s.respondents for s in scores} == {34}


def test_hidden_teams_already_large_enough_need_no_differencing(engine: Engine, survey: Survey) -> None:
    three_teams(survey, {"a": 3, "b": 3, "c": 8})
    # a and b are both hidden (3 < 5) but together hold 6 ≥ 5: c stays.
    assert {s.team for s in compute_space(engine, teams={}, min_group_size=5)} == {"*", "c"}


def test_a_small_organisation_is_suppressed_too(engine: Engine, survey: Survey) -> None:
    three_teams(survey, {"a": 2, "b": 2})
    assert compute_space(engine, teams={}, min_group_size=5) == []


def test_dimension_level_suppression_and_differencing(engine: Engine, survey: Survey) -> None:
    survey.item(Q, "s1", "satisfaction")
    survey.item(Q, "c1", "communication")
    # In team a only 2 of 5 answer the communication item; everyone answers satisfaction.
    survey.team(Q, "a", [{"s1": 4, "c1": 4}] * 2 + [{"s1": 3}] * 3)
    survey.team(Q, "b", [{"s1": 2, "c1": 5}] * 5)
    survey.team(Q, "c", [{"s1": 5, "c1": 1}] * 6)

    scores = by_key(compute_space(engine, teams={}, min_group_size=3))
    # Satisfaction: every team and the organisation.
    assert {team for team, _, dimension in scores if dimension == "satisfaction"} == {"*", "a", "b", "c"}
    # Communication: a's 2 are hidden; the organisation's 13 minus b and c would give a's answers, so the
    # smallest shown team's communication (b, 5) is hidden too. Its satisfaction stays.
    assert {team for team, _, dimension in scores if dimension == "communication"} == {"*", "c"}
    assert scores[("*", Q, "communication")].respondents == 13
    assert scores[("a", Q, "satisfaction")].quarter_respondents == 5


def test_a_dimension_nobody_answered_enough_is_nowhere(engine: Engine, survey: Survey) -> None:
    survey.item(Q, "s1", "satisfaction")
    survey.item(Q, "a1", "activity")
    survey.team(Q, "a", [{"s1": 4, "a1": 2}] * 2 + [{"s1": 4}] * 4)
    scores = compute_space(engine, teams={}, min_group_size=3)
    assert {s.dimension for s in scores} == {"satisfaction"}


@pytest.mark.parametrize("threshold", [2, 1, 0, -5])
def test_a_threshold_below_three_is_refused(engine: Engine, threshold: int) -> None:
    with pytest.raises(ValueError, match="min_group_size must be at least 3"):
        compute_space(engine, teams={}, min_group_size=threshold)


# -- change ----------------------------------------------------------------------------------------

Q2, Q3 = "2026-Q2", "2026-Q3"


def test_change_rising_stable_falling_with_standard_errors(engine: Engine, survey: Survey) -> None:
    for quarter in (Q2, Q3):
        survey.item(quarter, "s1", "satisfaction")
        survey.item(quarter, "e1", "efficiency", points=41, favourable="33,41")

    # steady: Q2 answers 1, 3, 5 → own scores 0, 50, 100: mean 50, sd 50, SE 50/√3 = 28.87.
    #         Q3 answers 5, 5, 5 → 100, SE 0. Moved 50 ≥ 5, but 1.96 × 28.87 = 56.58 > 50: stable.
    survey.team(Q2, "steady", [{"s1": 1}, {"s1": 3}, {"s1": 5}])
    survey.team(Q3, "steady", [{"s1": 5}] * 3)
    # climbing: Q2 answers 2, 3, 4 → 25, 50, 75: mean 50, sd 25, SE 25/√3 = 14.43.
    #           Q3 all 5 → 100. Moved 50 > 1.96 × 14.43 = 28.29: rising.
    survey.team(Q2, "climbing", [{"s1": 2}, {"s1": 3}, {"s1": 4}])
    survey.team(Q3, "climbing", [{"s1": 5}] * 3)
    # sliding: Q2 all 5 → 100, SE 0. Q3 answers 1, 1, 2 → 0, 0, 25: mean 8.33, sd 14.43, SE 8.33.
    #          Moved −91.67, beyond 1.96 × 8.33 = 16.33: falling.
    survey.team(Q2, "sliding", [{"s1": 5}] * 3)
    survey.team(Q3, "sliding", [{"s1": 1}, {"s1": 1}, {"s1": 2}])
    # On a 41-point scale a point is 2.5: unanimous teams have SE 0, so only the 5-point rule decides.
    # nudged: 31 → 32 is 75 → 77.5, a move of 2.5 < 5: stable although the SE test would pass.
    survey.team(Q2, "nudged", [{"e1": 31}] * 3)
    survey.team(Q3, "nudged", [{"e1": 32}] * 3)
    # edged: 31 → 33 is 75 → 80, exactly 5 points and more than 1.96 × 0: rising.
    survey.team(Q2, "edged", [{"e1": 31}] * 3)
    survey.team(Q3, "edged", [{"e1": 33}] * 3)

    scores = by_key(compute_space(engine, teams={}, min_group_size=3))
    assert scores[("steady", Q3, "satisfaction")].score == pytest.approx(100.0)
    assert scores[("steady", Q2, "satisfaction")].score == pytest.approx(50.0)
    changes = {team: scores[(team, Q3, dim)].change for team, _, dim in scores if team != "*"}
    assert changes == {
        "steady": "stable",
        "climbing": "rising",
        "sliding": "falling",
        "nudged": "stable",
        "edged": "rising",
    }
    assert all(score.change is None for (_, quarter, _), score in scores.items() if quarter == Q2)
    # The hand arithmetic of the two close calls.
    assert 1.96 * 50 / math.sqrt(3) > 50 > 1.96 * 25 / math.sqrt(3)


def test_standard_error_uses_each_respondents_own_dimension_score(engine: Engine, survey: Survey) -> None:
    for quarter in (Q2, Q3):
        survey.item(quarter, "s1", "satisfaction")
        survey.item(quarter, "s2", "satisfaction", reverse=True)
    # Q2: own scores (mean of the two items, s2 reversed): (0+0)/2, (0+0)/2, (100+100)/2 → 0, 0, 100.
    #     Mean 33.33, sd 57.74, SE 33.33.
    survey.team(Q2, "t", [{"s1": 1, "s2": 5}, {"s1": 1, "s2": 5}, {"s1": 5, "s2": 1}])
    # Q3: own scores 100, 100, 100: SE 0. Moved 66.67 > 1.96 × 33.33 = 65.33: rising.
    survey.team(Q3, "t", [{"s1": 5, "s2": 1}] * 3)
    # u, Q2: answers (1, 5) → 0 and 0 (s2 reversed); (1, 1) → 0 and 100; (5, 1) → 100 and 100.
    #     Own scores 0, 50, 100: mean 50, sd 50, SE 28.87, and 1.96 × 28.87 = 56.58 > moved 50: stable.
    #     Taken over the six answers instead (0, 0, 0, 100, 100, 100: sd 54.77, SE 22.36) the threshold
    #     would be 43.83 and the change rising: this pins the SE to the respondents' own scores.
    survey.team(Q2, "u", [{"s1": 1, "s2": 5}, {"s1": 1, "s2": 1}, {"s1": 5, "s2": 1}])
    survey.team(Q3, "u", [{"s1": 5, "s2": 1}] * 3)
    scores = by_key(compute_space(engine, teams={}, min_group_size=3))
    assert scores[("t", Q2, "satisfaction")].score == pytest.approx(100 / 3)
    assert scores[("t", Q3, "satisfaction")].change == "rising"
    assert scores[("u", Q2, "satisfaction")].score == pytest.approx(50.0)
    assert scores[("u", Q3, "satisfaction")].change == "stable"


def test_change_is_null_without_a_shown_previous_quarter(engine: Engine, survey: Survey) -> None:
    for quarter in (Q2, Q3):
        survey.item(quarter, "s1", "satisfaction")
    survey.team(Q2, "grew", [{"s1": 1}] * 2)  # suppressed in Q2 (and the org of 2 as well)
    survey.team(Q3, "grew", [{"s1": 5}] * 4)
    scores = by_key(compute_space(engine, teams={}, min_group_size=3))
    assert [key for key in scores if key[1] == Q2] == []
    assert scores[("grew", Q3, "satisfaction")].change is None
    assert scores[("*", Q3, "satisfaction")].change is None


def test_change_is_null_when_the_wording_or_the_items_changed(engine: Engine, survey: Survey) -> None:
    survey.item(Q2, "s1", "satisfaction", wording="I am satisfied with my tools")
    survey.item(Q3, "s1", "satisfaction", wording="I am happy with my tools")  # reworded
    survey.item(Q2, "p1", "performance")
    survey.item(Q3, "p1", "performance")
    survey.item(Q3, "p2", "performance")  # an item added to the dimension
    survey.item(Q2, "c1", "communication")
    survey.item(Q3, "c1", "communication")  # unchanged
    survey.team(Q2, "t", [{"s1": 1, "p1": 1, "c1": 1}] * 3)
    survey.team(Q3, "t", [{"s1": 5, "p1": 5, "p2": 5, "c1": 5}] * 3)
    scores = by_key(compute_space(engine, teams={}, min_group_size=3))
    assert scores[("t", Q3, "satisfaction")].change is None
    assert scores[("t", Q3, "performance")].change is None
    assert scores[("t", Q3, "communication")].change == "rising"


def test_change_compares_with_the_calendar_quarter_before(engine: Engine, survey: Survey) -> None:
    for quarter in ("2026-Q1", "2026-Q3", "2026-Q4", "2027-Q1"):
        survey.item(quarter, "s1", "satisfaction")
    survey.team("2026-Q1", "t", [{"s1": 1}] * 3)
    survey.team("2026-Q3", "t", [{"s1": 5}] * 3)  # 2026-Q2 was skipped: no quarter-over-quarter
    survey.team("2026-Q4", "t", [{"s1": 5}] * 3)
    survey.team("2027-Q1", "t", [{"s1": 1}] * 3)
    rows = [s for s in compute_space(engine, teams={}, min_group_size=3) if s.team == "t"]
    assert [(s.quarter, s.change) for s in rows] == [
        ("2026-Q1", None),
        ("2026-Q3", None),
        ("2026-Q4", "stable"),
        ("2027-Q1", "falling"),  # across the turn of the year
    ]

    # Asking for one quarter still reads the quarter before it for the change.
    only = compute_space(engine, teams={}, min_group_size=3, quarters=["2027-Q1"])
    assert [(s.team, s.quarter, s.change) for s in only] == [
        ("*", "2027-Q1", "falling"),
        ("t", "2027-Q1", "falling"),
    ]


# -- the rows --------------------------------------------------------------------------------------


def test_rows_are_sorted_by_team_quarter_and_dimension(engine: Engine, survey: Survey) -> None:
    for quarter in ("2027-Q1", "2026-Q4"):
        survey.item(quarter, "s1", "satisfaction")
        survey.item(quarter, "e1", "efficiency")
        for team in ("zeta", "!bang", "alpha"):
            survey.team(quarter, team, [{"s1": 3, "e1": 4}] * 3)
    keys = [(s.team, s.quarter, s.dimension) for s in compute_space(engine, teams={}, min_group_size=3)]
    teams = ["*", "!bang", "alpha", "zeta"]
    assert keys == [
        (team, quarter, dimension)
        for team in teams
        for quarter in ("2026-Q4", "2027-Q1")
        for dimension in ("efficiency", "satisfaction")
    ]


def test_json_object_has_the_spec_keys_in_order(engine: Engine, survey: Survey) -> None:
    survey.item(Q, "e1", "efficiency")
    survey.team(Q, "order-team", [{"e1": 4}, {"e1": 5}, {"e1": 3}])
    row = next(s for s in compute_space(engine, teams={"order-team": 8}, min_group_size=3) if s.team != "*")
    assert list(row.to_json_dict()) == [
        "team",
        "quarter",
        "dimension",
        "score",
        "favourable",
        "respondents",
        "response_rate",
        "change",
    ]
    assert json.loads(json.dumps(row.to_json_dict())) == {
        "team": "order-team",
        "quarter": Q,
        "dimension": "efficiency",
        "score": 75.0,
        "favourable": 2 / 3,
        "respondents": 3,
        "response_rate": 3 / 8,
        "change": None,
    }


def test_quarters_sort_chronologically_and_bad_labels_are_refused() -> None:
    assert sorted(["2027-Q1", "2026-Q4", "2026-Q1"], key=quarter_key) == ["2026-Q1", "2026-Q4", "2027-Q1"]
    assert previous_quarter("2027-Q1") == "2026-Q4"
    assert previous_quarter("2026-Q3") == "2026-Q2"
    for bad in ("2026Q3", "2026-Q5", "Q3-2026", "2026-q3"):
        with pytest.raises(ValueError, match="YYYY-Qn"):
            quarter_key(bad)


def test_an_empty_store_has_no_scores(engine: Engine) -> None:
    assert compute_space(engine, teams={"orders": 5}, min_group_size=5) == []
    assert compute_space(engine, teams={}, min_group_size=5, quarters=["2026-Q3"]) == []


def test_every_backend_reads_the_same_scores(store_engine: Engine) -> None:
    # DuckDB and PostgreSQL (the `store_engine` fixture): booleans, integers and quarter filters alike.
    survey = Survey(store_engine)
    for quarter in (Q2, Q3):
        survey.item(quarter, "s1", "satisfaction")
        survey.item(quarter, "s2", "satisfaction", reverse=True)
    survey.team(Q2, "t", [{"s1": 2, "s2": 4}] * 3)
    survey.team(Q3, "t", [{"s1": 5, "s2": 1}, {"s1": 4, "s2": 2}, {"s1": 5}])
    survey.team(Q3, "u", [{"s1": 1, "s2": 5}] * 2)
    rows = compute_space(store_engine, teams={"t": 6, "u": 2}, min_group_size=3, quarters=[Q3])
    # u (2) is hidden, so t is hidden by differencing: only the organisation of 5 remains. s1: mean
    # (5+4+5+1+1)/5 = 3.2 → 55; s2 reversed (5, 4, 1, 1)/4 = 2.75 → 43.75; score 49.375. Q2's
    # organisation is t alone (3 people, s1 2 → 25, s2 reversed 2 → 25): moved 24.4, SE 0 in Q2,
    # Q3 own scores 100, 75, 100, 0, 0 → sd 50.5, SE 22.6: 1.96 × 22.6 = 44.3 > 24.4, stable.
    assert [s.to_json_dict() for s in rows] == [
        {
            "team": "*",
            "quarter": Q3,
            "dimension": "satisfaction",
            "score": pytest.approx(49.375),
            "favourable": pytest.approx(5 / 9),
            "respondents": 5,
            "response_rate": pytest.approx(5 / 8),
            "change": "stable",
        }
    ]
