"""SPACE surveys through the CLI and ``/metrics``, second audit round: the anonymity threshold at its
floor (SPEC §7.4 "never below 3") and what ``doraspace survey scores --format json`` and the ``space_*``
exposition of ``doraspace serve`` show for the same store, with quarter and dimension suppression,
differencing and the organisation row's respondents and response rate.

Every expected number is worked out by hand from SPEC §7.4 in the comment above its assertion. The
harness (config, definition, CLI in-process, ``serve`` as a child process) is the one of
``test_survey_end_to_end_pairs.py``; its definition has sat_tools, sat_burnout (reverse),
eff_interrupt (reverse, frequency scale) and com_help.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.test_survey_end_to_end_pairs import (
    NEITHER,
    Q3,
    Answers,
    Org,
    approx,
    google_forms,
    sample,
    space_teams,
    write_csv,
)


def answers(tools: str = "", burnout: str = "", help_: str = "") -> Answers:
    return (tools, burnout, "", help_)


# ==================================================================================================
# 1. min_group_size: 2 in the config. SPEC §7.4: "fewer than min_group_size respondents (never below
#    3)". Whichever reading (the configuration refused, or the threshold floored at 3), no group of 2
#    is ever shown.
# ==================================================================================================


def test_a_configured_threshold_of_two_never_shows_a_group_of_two(org_factory: Callable[..., Org]) -> None:
    org = org_factory([("alpha", 2, []), ("beta", 3, []), ("gamma", 4, [])], minimum=2)
    people = [("Alpha", "Agree")] * 2 + [("Beta", "Disagree")] * 3 + [("Gamma", NEITHER)] * 4
    rows = [
        (f"2026/07/14 9:{n:02d}:00 AM GMT+2", f"p{n}@example.com", team, answers(tools))
        for n, (team, tools) in enumerate(people)
    ]
    export = write_csv(org.folder / "forms.csv", google_forms(rows))
    status, _, err = org.run(
        "survey", "import", str(export), "--definition", str(org.definition), "--quarter", Q3
    )
    if status != 0:
        # Refused: a configuration error (exit 2) naming the key.
        assert status == 2 and "min_group_size" in err, err
        return
    got = {(row["team"], row["dimension"]): row for row in org.rows()}
    # Floored at 3: alpha (2) hidden; "*" (9) shown; the hidden teams hold 2 < 3, so the smallest shown
    # team, beta (3), is hidden too (hidden 5 ≥ 3). Shown: "*" and gamma.
    assert {team for team, _ in got} == {"*", "gamma"}
    # "*": tools 2 × 4 + 3 × 2 + 4 × 3 = 26 over 9 → (17/9)/4 × 100 = 425/9; favourable 2/9 (alpha).
    whole = got[("*", "satisfaction")]
    assert (whole["score"], whole["favourable"], whole["respondents"]) == (approx(425 / 9), approx(2 / 9), 9)
    # gamma: tools 3 → 50, nothing favourable, 4 respondents.
    assert (got[("gamma", "satisfaction")]["score"], got[("gamma", "satisfaction")]["respondents"]) == (
        approx(50.0),
        4,
    )


# ==================================================================================================
# 2. The threshold exactly 3: a team of exactly 3 hidden by differencing, a dimension of one shown team
#    hidden by blanks, the organisation counting everyone over every headcount — JSON and /metrics alike.
#    Google Forms' own download: e-mails and times with their UTC offsets (one of them 2026-09-30 in UTC,
#    written 2026/10/01 with GMT+2; the quarter is the one named on the command line).
# ==================================================================================================


@pytest.mark.slow
def test_threshold_three_differencing_and_organisation_rates_in_json_and_metrics(
    org_factory: Callable[..., Org],
) -> None:
    org = org_factory(
        [("alpha", 3, []), ("beta", 4, []), ("gamma", 8, []), ("delta", 6, ["Delta squad"])], minimum=3
    )
    people: list[tuple[str, Answers]] = []
    people += [("Alpha", answers("Agree", help_="Agree"))] * 3
    people += [("beta", answers("Strongly disagree", help_="Disagree"))] * 2
    people += [("GAMMA", answers("Disagree", help_="Strongly agree"))] * 2
    people += [("Gamma ", answers("Disagree"))] * 2
    people += [("delta squad", answers("Strongly agree", "Strongly disagree", "Agree"))] * 3
    people += [("Delta", answers(NEITHER, help_="Agree"))] * 3
    rows = [
        (
            f"2026/10/01 1:{n:02d}:00 AM GMT+2" if n == 0 else f"2026/07/14 9:{n:02d}:00 AM GMT+2",
            f"person{n}@example.com",
            team,
            given,
        )
        for n, (team, given) in enumerate(people)
    ]
    org.survey_import(write_csv(org.folder / "forms.csv", google_forms(rows)))

    json_rows = org.rows()
    got = {(row["team"], row["dimension"]): row for row in json_rows}
    # Quarter: alpha 3, beta 2, gamma 4, delta 6; "*" 15. beta (2 < 3) hidden; hidden 2 < 3 → the
    # smallest shown team, alpha (exactly 3), is hidden too (hidden 5 ≥ 3).
    # Communication: gamma has 2 answers (< 3): hidden; the hidden teams' communication respondents are
    # alpha 3 + beta 2 + gamma 2 = 7 ≥ 3, so delta's stays. Nobody answered the efficiency item.
    assert [(row["team"], row["dimension"]) for row in json_rows] == [
        ("*", "communication"),
        ("*", "satisfaction"),
        ("delta", "communication"),
        ("delta", "satisfaction"),
        ("gamma", "satisfaction"),
    ]
    expected = {
        # "*" satisfaction: tools 3 × 4 + 2 × 1 + 4 × 2 + 3 × 5 + 3 × 3 = 46 over 15 → (31/15)/4 × 100
        # = 155/3; burnout 3 × Strongly disagree 1 → 5 → 100; score (155/3 + 100)/2 = 455/6.
        # Favourable: tools 3 (alpha) + 3 (delta's 5s), burnout 3 → 9 of 18 valid.
        ("*", "satisfaction"): (455 / 6, 0.5, 15, 15 / 21),
        # "*" communication: 3 × 4 + 2 × 2 + 2 × 5 + 6 × 4 = 50 over 13 → (37/13)/4 × 100 = 925/13;
        # favourable 3 + 2 + 6 = 11 of 13. Response rate: all 15 respondents ÷ (3 + 4 + 8 + 6).
        ("*", "communication"): (925 / 13, 11 / 13, 13, 15 / 21),
        # delta: tools (3 × 5 + 3 × 3)/6 = 4 → 75, burnout reversed 5 → 100: 87.5; favourable 3 + 3 of 9.
        ("delta", "satisfaction"): (87.5, 2 / 3, 6, 1.0),
        ("delta", "communication"): (75.0, 1.0, 6, 1.0),
        # gamma: tools 2 → 25; nothing favourable; 4 of 8.
        ("gamma", "satisfaction"): (25.0, 0.0, 4, 0.5),
    }
    for key, (score, favourable, respondents, rate) in expected.items():
        row = got[key]
        assert (row["score"], row["favourable"], row["respondents"], row["response_rate"], row["change"]) == (
            approx(score),
            approx(favourable),
            respondents,
            approx(rate),
            None,
        ), key

    samples = org.exposition()
    # The same shown groups, nothing of alpha or beta.
    assert space_teams(samples) == {"*", "delta", "gamma"}
    for (team, dimension), (score, favourable, _, _) in expected.items():
        labels = {"team": team, "dimension": dimension, "quarter": Q3}
        assert samples[sample("space_score", **labels)] == approx(score)
        assert samples[sample("space_favourable_ratio", **labels)] == approx(favourable)
    assert sample("space_score", team="gamma", dimension="communication", quarter=Q3) not in samples
    # Team-quarter figures: "*" 15 respondents (suppressed teams included) over 21; delta 6 of 6;
    # gamma 4 of 8 — the same rates as the JSON rows.
    for team, respondents, rate in (("*", 15, 15 / 21), ("delta", 6, 1.0), ("gamma", 4, 0.5)):
        assert samples[sample("space_respondents", team=team, quarter=Q3)] == respondents
        assert samples[sample("space_response_rate", team=team, quarter=Q3)] == approx(rate)
    assert json.dumps(json_rows)  # plain JSON values throughout


# ==================================================================================================
# 9. SPEC §9: "A bad ... survey file is reported with its location and changes nothing" — also on the
#    first run, when no store exists yet: the import is refused before the store is created. Then the
#    good file creates it.
# ==================================================================================================


@pytest.mark.parametrize(
    ("team", "tools", "message"),
    [
        ("Alpha", "Sort of", "unknown answer"),  # an answer outside the scale
        ("Omega", "Agree", "Omega"),  # a team nobody configured
    ],
)
def test_a_bad_first_import_leaves_no_store_behind(
    org_factory: Callable[..., Org], team: str, tools: str, message: str
) -> None:
    org = org_factory([("alpha", 5, [])], minimum=3)
    store = org.folder / "store.duckdb"
    bad = [("2026/07/14 9:00:00 AM GMT+2", "p0@example.com", team, answers(tools))]
    export = write_csv(org.folder / "bad.csv", google_forms(bad))
    status, _, err = org.run(
        "survey", "import", str(export), "--definition", str(org.definition), "--quarter", Q3
    )
    assert status == 2 and message in err and "bad.csv" in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert not store.exists()
    good = [("2026/07/14 9:00:00 AM GMT+2", f"p{n}@example.com", "Alpha", answers("Agree")) for n in range(3)]
    org.survey_import(write_csv(org.folder / "good.csv", google_forms(good)))
    assert store.exists()
    assert {(row["team"], row["respondents"]) for row in org.rows()} == {("*", 3), ("alpha", 3)}
