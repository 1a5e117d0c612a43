"""SPACE scores where suppression, differencing, quarter-over-quarter change and response rates meet
(SPEC §7.4, §7.5; docs/metrics.md "SPACE scores"), tenth audit round.

Every scenario goes through the public entry points: a ``long`` export written here → ``doraspace survey
import`` (the CLI, in-process, with a real config and definition file) → ``doraspace survey scores
--format json``. Every expected number is worked out by hand from SPEC §7 in the test's docstring:

* ``score`` = mean over the dimension's items of ``(mean answer − 1) / (points − 1) × 100``; a reverse
  item scores ``points + 1 − x``; ``favourable`` = favourable ÷ valid answers; missing labels ("N/A",
  "I don't know") leave every denominator;
* ``respondents`` = distinct respondents with a valid answer on the dimension;
* suppression below ``min_group_size`` (team-quarter, then single dimension); the organisation ``"*"``
  counts everyone; differencing hides the smallest shown team while the hidden ones hold fewer than
  ``min_group_size`` (docs/metrics.md: "per dimension as well");
* change: rising/falling when the score moved ≥ 5 points and > 1.96 × √(SE₁² + SE₂²), SE = sample sd of
  the respondents' own 0–100 dimension scores ÷ √n; null unless both quarters are shown;
* ``response_rate`` = the team-quarter's respondents ÷ headcount; ``"*"`` ÷ the sum of all headcounts.

Not repeated here (already in earlier rounds): three quarters with quarter-level differencing in the
middle one, the 5-point / SE edges on shown teams, reverse items inside the SE, thresholds below 3.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.test_survey_end_to_end_pairs import (
    LONG_HEADER,
    SECRET,
    SECRET_VARIABLE,
    Org,
    expected,
    write_csv,
)

Q1, Q2, Q3 = "2026-Q1", "2026-Q2", "2026-Q3"
SAT, COM = "satisfaction", "communication"

# One respondent: (respondent id, team, {item id: answer}); an item left out is not asked in the long
# file at all, an answer "N/A" / "I don't know" is a missing label written out.
Respondent = tuple[str, str, dict[str, str]]


@pytest.fixture
def org_factory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., Org]]:
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)

    def make(teams: Sequence[tuple[str, int | None, Sequence[str]]], **options: Any) -> Org:
        return Org(tmp_path, capsys, teams, **options)

    yield make


def long_file(org: Org, name: str, respondents: Sequence[Respondent]) -> Path:
    rows = [LONG_HEADER]
    for respondent, team, answers in respondents:
        rows += [[respondent, team, "", item, answer] for item, answer in answers.items()]
    return write_csv(org.folder / name, rows)


def import_quarter(org: Org, quarter: str, respondents: Sequence[Respondent]) -> None:
    summary = org.survey_import(long_file(org, f"{quarter}.csv", respondents), quarter=quarter)
    assert "long" in summary, summary


def people(prefix: str, team: str, count: int, answers: dict[str, str]) -> list[Respondent]:
    return [(f"{prefix}{n}", team, dict(answers)) for n in range(count)]


# ==================================================================================================
# 1. The organisation row's change when the 5-point rule and the SE rule disagree, its people being
#    mostly those of teams hidden (one too small, one by differencing) — while the one shown team,
#    unanimous, is decided by the 5-point rule alone; "*"'s rate over every headcount
# ==================================================================================================


def test_organisation_change_from_hidden_teams_where_the_two_change_rules_disagree(
    org_factory: Callable[..., Org],
) -> None:
    """Teams big (headcount 10), mid (8), tiny (4), idle (6, never answers); min_group_size 5; items
    tools and burnout (reverse) on satisfaction, help on communication, all agree5.

    Both quarters: big 6, mid 5, tiny 2 respondents, everyone answering the three items. tiny 2 < 5 is
    suppressed; "*" (13) is shown; the hidden teams hold 2 < 5 → the smallest shown team, mid (5 < 6), is
    suppressed too (hidden 7 ≥ 5). Shown: "*" and big. Rates: big 6/10; "*" 13/(10 + 8 + 4 + 6) = 13/28
    (SPEC: "the organisation row divides by the sum of all headcounts", idle and the hidden ones in).

    Q2: every answer "Neither" (3; burnout reversed 6 − 3 = 3): every own score 50, every score 50,
      favourable 0, SE 0.

    Q3 communication: big 6 × Agree (4 → 75); mid 1, 1, 5, 5, 5 (0, 0, 100, 100, 100); tiny 1, 1 (0, 0).
      big: 75, favourable 6/6, moved 25 ≥ 5 and > 1.96 × √(0 + 0) = 0: rising.
      "*": 75 × 6 + 100 × 3 = 750 over 13 → 750/13 ≈ 57.692, moved 100/13 ≈ 7.692 ≥ 5, favourable
        (6 Agree + 3 Strongly agree) 9/13. Own scores 75 × 6, 0 × 4, 100 × 3: Σx² = 33750 + 30000 =
        63750, SS = 63750 − 13 × (750/13)² = 266250/13 ≈ 20480.77, sample variance SS/12 ≈ 1706.73,
        SE² = 1706.73/13 ≈ 131.29, SE ≈ 11.458; 1.96 × √(131.29 + 0) ≈ 22.46 > 7.692: NOT significant
        → stable (though it moved more than 5 points).
    Q3 satisfaction: everyone tools "Neither" (3); burnout "Neither" (3 → 3) except tiny's two and two of
      mid's, who answer "Disagree" (2 → reversed 4).
      big: 50, favourable 0, moved 0: stable.
      "*": tools 3 → 50; burnout reversed (9 × 3 + 4 × 4)/13 = 43/13 → (30/13)/4 × 100 = 750/13;
        score (50 + 750/13)/2 = 700/13 ≈ 53.846, moved 50/13 ≈ 3.846 < 5; favourable 4 of 26 answers =
        2/13. Own scores (mean of the respondent's two reversed answers on 0–100): 62.5 × 4
        ((50 + 75)/2), 50 × 9: deviations 112.5/13 and −50/13, SS = (4 × 112.5² + 9 × 50²)/169 =
        73125/169 ≈ 432.69, variance ≈ 36.058, SE² ≈ 2.7737, SE ≈ 1.6654; 1.96 × 1.6654 ≈ 3.264 < 3.846:
        significant, but under 5 points → stable.
    """
    org = org_factory(
        [("big", 10, []), ("mid", 8, []), ("tiny", 4, []), ("idle", 6, [])],
        minimum=5,
    )
    neither = {"sat_tools": "3", "sat_burnout": "Neither agree nor disagree", "com_help": "3"}
    q2 = people("b", "big", 6, neither) + people("m", "mid", 5, neither) + people("t", "tiny", 2, neither)
    import_quarter(org, Q2, q2)

    def answers(help_: str, burnout: str = "Neither agree nor disagree") -> dict[str, str]:
        return {"sat_tools": "Neither agree nor disagree", "sat_burnout": burnout, "com_help": help_}

    q3 = people("b", "big", 6, answers("Agree"))
    q3 += [
        ("m0", "mid", answers("Strongly disagree", burnout="Disagree")),
        ("m1", "mid", answers("1", burnout="Disagree")),
        ("m2", "mid", answers("Strongly agree")),
        ("m3", "mid", answers("5")),
        ("m4", "mid", answers("Strongly agree")),
    ]
    q3 += people("t", "tiny", 2, answers("Strongly disagree", burnout="2"))
    import_quarter(org, Q3, q3)

    assert org.rows() == [
        expected("*", Q2, COM, 50.0, 0.0, 13, 13 / 28, None),
        expected("*", Q2, SAT, 50.0, 0.0, 13, 13 / 28, None),
        expected("*", Q3, COM, 750 / 13, 9 / 13, 13, 13 / 28, "stable"),
        expected("*", Q3, SAT, 700 / 13, 2 / 13, 13, 13 / 28, "stable"),
        expected("big", Q2, COM, 50.0, 0.0, 6, 0.6, None),
        expected("big", Q2, SAT, 50.0, 0.0, 6, 0.6, None),
        expected("big", Q3, COM, 75.0, 1.0, 6, 0.6, "rising"),
        expected("big", Q3, SAT, 50.0, 0.0, 6, 0.6, "stable"),
    ]


# ==================================================================================================
# 2. Per-dimension differencing choosing the smallest team ON THE DIMENSION (missing labels make the
#    largest team the smallest there) × three quarters: the change of that dimension is null in the
#    quarter it is hidden and in the quarter after, while the same team's other dimension keeps its
#    change, and "*" compares across all three
# ==================================================================================================


def test_a_dimension_hidden_by_differencing_in_the_middle_quarter_loses_its_change_twice(
    org_factory: Callable[..., Org],
) -> None:
    """Teams xenon (headcount 12), yew (6), hazel (3), holly (3); min_group_size 4; tools and burnout
    (reverse) on satisfaction, help on communication.

    Every quarter: xenon 10, yew 6, hazel 2, holly 2 respondents. hazel and holly (2 < 4 each) are
    suppressed; together they hold 4 ≥ 4, so the quarter needs no differencing: xenon and yew shown.
    Rates: xenon 10/12, yew 6/6, "*" 20/(12 + 6 + 3 + 3) = 20/24.

    Q1: everyone tools 3, burnout 3 (→ 3), help 2 (Disagree). Satisfaction 50, communication 25,
      favourable 0, for every shown group (SE 0). No previous quarter: change null.
    Q2: satisfaction as in Q1 (all 50, moved 0: stable everywhere).
      Communication: xenon's first 5 answer Disagree (2 → 25) and the other 5 "I don't know" (missing);
      yew 6 × Agree (4 → 75); hazel's first answers Disagree (25), the other three people of hazel and
      holly answer "N/A". Dimension respondents: xenon 5, yew 6, hazel 1, holly 0; "*" 12 ≥ 4 shown.
      No team is under 4, but the hidden teams hold 1 < 4 on the dimension → the smallest shown team
      on the dimension, xenon (5 < yew's 6, though xenon is the larger team), loses its communication
      row (hidden 6 ≥ 4). Shown communication: "*", yew.
      yew: 75, favourable 1, 6; 25 → 75 with SE 0 on both sides: rising.
      "*": (6 × 2 + 6 × 4)/12 = 3 → 50, favourable 6/12, 12 respondents. Moved 25. Own scores Q1 all
        25 (SE 0); Q2 25 × 6, 75 × 6: SS = 12 × 25² = 7500, variance 7500/11 ≈ 681.82, SE² ≈ 56.82,
        SE ≈ 7.538; 1.96 × 7.538 ≈ 14.77 < 25 and 25 ≥ 5: rising.
    Q3: xenon tools Agree (4), burnout Disagree (2 → 4); everyone else tools 3, burnout 3; everyone help
      Agree (4 → 75). Everything shown.
      Satisfaction: xenon 75, favourable 20/20, 50 → 75 with SE 0: rising. yew 50, 0, stable.
        "*": tools (10 × 4 + 10 × 3)/20 = 3.5 → 62.5, burnout the same → 62.5; favourable 20/40.
        Moved 12.5; own Q2 all 50 (SE 0), Q3 75 × 10, 50 × 10: SS = 20 × 12.5² = 3125, variance
        3125/19 ≈ 164.47, SE² ≈ 8.224, SE ≈ 2.868; 1.96 × 2.868 ≈ 5.62 < 12.5: rising.
      Communication: all 75, favourable 1. xenon: null (its Q2 communication was not shown, although
        Q1's was); yew 75 → 75: stable; "*" 50 → 75, Q2 SE² ≈ 56.82, Q3 SE 0, 1.96 × 7.538 ≈ 14.77
        < 25: rising.
    """
    org = org_factory(
        [("xenon", 12, []), ("yew", 6, []), ("hazel", 3, []), ("holly", 3, [])],
        minimum=4,
    )
    base = {"sat_tools": "Neither agree nor disagree", "sat_burnout": "3"}

    def quarter(
        help_of: Callable[[str, int], str], xenon_sat: dict[str, str] | None = None
    ) -> list[Respondent]:
        out: list[Respondent] = []
        for team, size in (("xenon", 10), ("yew", 6), ("hazel", 2), ("holly", 2)):
            for n in range(size):
                satisfaction = xenon_sat if (team == "xenon" and xenon_sat) else base
                out.append((f"{team}{n}", team.capitalize(), {**satisfaction, "com_help": help_of(team, n)}))
        return out

    import_quarter(org, Q1, quarter(lambda team, n: "Disagree"))

    def q2_help(team: str, n: int) -> str:
        if team == "xenon":
            return "Disagree" if n < 5 else "I don't know"
        if team == "yew":
            return "Agree"
        return "Disagree" if (team, n) == ("hazel", 0) else "N/A"

    import_quarter(org, Q2, quarter(q2_help))
    import_quarter(
        org, Q3, quarter(lambda team, n: "4", xenon_sat={"sat_tools": "Agree", "sat_burnout": "2"})
    )

    assert org.rows() == [
        expected("*", Q1, COM, 25.0, 0.0, 20, 20 / 24, None),
        expected("*", Q1, SAT, 50.0, 0.0, 20, 20 / 24, None),
        expected("*", Q2, COM, 50.0, 0.5, 12, 20 / 24, "rising"),
        expected("*", Q2, SAT, 50.0, 0.0, 20, 20 / 24, "stable"),
        expected("*", Q3, COM, 75.0, 1.0, 20, 20 / 24, "rising"),
        expected("*", Q3, SAT, 62.5, 0.5, 20, 20 / 24, "rising"),
        expected("xenon", Q1, COM, 25.0, 0.0, 10, 10 / 12, None),
        expected("xenon", Q1, SAT, 50.0, 0.0, 10, 10 / 12, None),
        expected("xenon", Q2, SAT, 50.0, 0.0, 10, 10 / 12, "stable"),
        expected("xenon", Q3, COM, 75.0, 1.0, 10, 10 / 12, None),
        expected("xenon", Q3, SAT, 75.0, 1.0, 10, 10 / 12, "rising"),
        expected("yew", Q1, COM, 25.0, 0.0, 6, 1.0, None),
        expected("yew", Q1, SAT, 50.0, 0.0, 6, 1.0, None),
        expected("yew", Q2, COM, 75.0, 1.0, 6, 1.0, "rising"),
        expected("yew", Q2, SAT, 50.0, 0.0, 6, 1.0, "stable"),
        expected("yew", Q3, COM, 75.0, 1.0, 6, 1.0, "stable"),
        expected("yew", Q3, SAT, 50.0, 0.0, 6, 1.0, "stable"),
    ]
    # `--quarter Q3 --team xenon`: the same two rows; Q2 is still read, so communication stays null
    # rather than being compared with Q1.
    assert org.rows("--quarter", Q3, "--team", "xenon") == [
        expected("xenon", Q3, COM, 75.0, 1.0, 10, 10 / 12, None),
        expected("xenon", Q3, SAT, 75.0, 1.0, 10, 10 / 12, "rising"),
    ]


# ==================================================================================================
# 3. A respondent who answered only missing labels: a respondent of the team-quarter (threshold, rate,
#    quarter-level differencing) but of no dimension — so the differencing happens per dimension, on
#    the one dimension their team's others answered, and not for the whole smallest team
# ==================================================================================================


def test_an_all_missing_respondent_keeps_the_team_quarter_and_moves_differencing_to_the_dimension(
    org_factory: Callable[..., Org],
) -> None:
    """Teams hazel (headcount 4), oak (5), pine (8); min_group_size 3.

    hazel: h0, h1 tools Disagree (2), burnout "N/A", help "N/A"; h2 answers "N/A" / "Not applicable" /
      "I don't know" to all three (no valid answer at all).
    oak: 4 × tools Agree (4), burnout Disagree (2 → 4), help Agree (4).
    pine: 6 × tools 3, burnout 3 (→ 3), help Disagree (2).

    Team-quarters (distinct respondents of the team in the quarter; the product counts h2, who
      responded — see the report): hazel 3, oak 4, pine 6, all ≥ 3: no team-quarter suppressed, no
      quarter-level differencing; "*" 13. Rates: oak 4/5, pine 6/8, "*" 13/(4 + 5 + 8) = 13/17.
    Satisfaction: hazel has 2 respondents < 3: hidden. "*" has 12 ≥ 3 and is shown; the hidden teams hold
      2 < 3 on it → the smallest shown team on the dimension, oak (4 < 6), loses its satisfaction too
      (hidden 6 ≥ 3). Shown: "*", pine.
      pine: 50, favourable 0, 6.
      "*": tools (2 × 2 + 4 × 4 + 6 × 3)/12 = 38/12 → (26/12)/4 × 100 = 325/6; burnout reversed
        (4 × 4 + 6 × 3)/10 = 3.4 → 60; score (325/6 + 60)/2 = 685/12 ≈ 57.083; favourable (4 tools + 4
        burnout) of 22 answers = 4/11; respondents 12 (h2 not among them).
    Communication: hazel has no respondent on it, so nothing is hidden there (no differencing): "*", oak
      and pine shown. oak 75, favourable 1, 4. pine 25, 0, 6. "*": (4 × 4 + 6 × 2)/10 = 2.8 → 45,
      favourable 4/10, respondents 10.
    (Were h2 no respondent of the team-quarter, hazel's quarter (2 < 3) would be suppressed and oak hidden
    whole by the quarter-level differencing: no oak communication row.)
    """
    org = org_factory([("hazel", 4, []), ("oak", 5, []), ("pine", 8, [])], minimum=3)
    respondents: list[Respondent] = [
        ("h0", "hazel", {"sat_tools": "Disagree", "sat_burnout": "N/A", "com_help": "N/A"}),
        ("h1", "hazel", {"sat_tools": "2", "sat_burnout": "N/A", "com_help": "n/a"}),
        ("h2", "hazel", {"sat_tools": "N/A", "sat_burnout": "Not applicable", "com_help": "I don't know"}),
    ]
    respondents += people(
        "o", "oak", 4, {"sat_tools": "Agree", "sat_burnout": "Disagree", "com_help": "Agree"}
    )
    respondents += people("p", "pine", 6, {"sat_tools": "3", "sat_burnout": "3", "com_help": "Disagree"})
    import_quarter(org, Q3, respondents)

    assert org.rows() == [
        expected("*", Q3, COM, 45.0, 0.4, 10, 13 / 17, None),
        expected("*", Q3, SAT, 685 / 12, 4 / 11, 12, 13 / 17, None),
        expected("oak", Q3, COM, 75.0, 1.0, 4, 0.8, None),
        expected("pine", Q3, COM, 25.0, 0.0, 6, 0.75, None),
        expected("pine", Q3, SAT, 50.0, 0.0, 6, 0.75, None),
    ]


# ==================================================================================================
# 4. A dimension hidden for the organisation row itself (too few answered it anywhere, the rest "N/A")
#    while every team-quarter and "*" are shown: no change for "*" on it next quarter, the other
#    dimension's change kept; "*"'s rate still counts everyone
# ==================================================================================================


def test_an_organisation_dimension_hidden_in_the_previous_quarter_has_no_change(
    org_factory: Callable[..., Org],
) -> None:
    """Teams ash (headcount 5), elm (5); min_group_size 3; tools (satisfaction), help (communication).

    Q2: ash 3, elm 3 respondents, everyone tools Disagree (2 → 25); help: ash0 and elm0 Agree, the other
      four "N/A". Team-quarters 3 and 3 shown, "*" 6. Satisfaction: 3, 3, 6 respondents, all shown: 25,
      favourable 0; rates 3/5, 3/5, "*" 6/10. Communication: ash 1, elm 1 and "*" 2 < 3 — the
      organisation's own dimension row is "any single dimension with fewer": hidden everywhere.
    Q3: everyone tools Agree and help Agree (4 → 75), favourable 1. Everything shown.
      Satisfaction: 25 → 75 with SE 0 on both sides: rising for ash, elm and "*".
      Communication: not shown in Q2 for anyone, "*" included: change null everywhere.
    """
    org = org_factory([("ash", 5, []), ("elm", 5, [])], minimum=3)
    q2: list[Respondent] = [
        (f"{team}{n}", team, {"sat_tools": "Disagree", "com_help": "Agree" if n == 0 else "N/A"})
        for team in ("ash", "elm")
        for n in range(3)
    ]
    import_quarter(org, Q2, q2)
    q3 = people("a", "ash", 3, {"sat_tools": "Agree", "com_help": "4"})
    q3 += people("e", "elm", 3, {"sat_tools": "4", "com_help": "Agree"})
    import_quarter(org, Q3, q3)

    assert org.rows() == [
        expected("*", Q2, SAT, 25.0, 0.0, 6, 0.6, None),
        expected("*", Q3, COM, 75.0, 1.0, 6, 0.6, None),
        expected("*", Q3, SAT, 75.0, 1.0, 6, 0.6, "rising"),
        expected("ash", Q2, SAT, 25.0, 0.0, 3, 0.6, None),
        expected("ash", Q3, COM, 75.0, 1.0, 3, 0.6, None),
        expected("ash", Q3, SAT, 75.0, 1.0, 3, 0.6, "rising"),
        expected("elm", Q2, SAT, 25.0, 0.0, 3, 0.6, None),
        expected("elm", Q3, COM, 75.0, 1.0, 3, 0.6, None),
        expected("elm", Q3, SAT, 75.0, 1.0, 3, 0.6, "rising"),
    ]
