"""SPACE surveys, third audit round: native exports meeting the scoring, anonymity, differencing, change
and response-rate rules (SPEC §7), through the real CLI (``doraspace survey import`` then ``doraspace
survey scores --format json``), ``doraspace report`` and the ``space_*`` exposition of ``doraspace serve``.

Scenarios not in the earlier rounds: one reworded row of a Google Forms grid (its grid title reworded
too) against the change of each dimension and the report's change column; the calendar quarter before
hidden (Typeform partial responses + differencing) while the one before it was shown; threshold 3 with
the hidden teams holding exactly 3 and a team of exactly 3, with "N/A" on one dimension only, in a
Microsoft Forms workbook whose typed team names are odd spellings of ``survey_names``; a Google Forms
resubmission whose later row answers "I don't know" on a dimension; the organisation's response rate with
a team without headcount, in JSON and ``/metrics``; the change exactly at 1.96 × √(SE₁² + SE₂²) over
four quarters in four formats; a Qualtrics choice-text export followed by a numeric-values export that
carries the team as embedded data (another ``team_question``, the same item wording).

Every expected number is worked out by hand from SPEC §7 in the docstring or the comment above it:

* a reverse item scores ``points + 1 − x`` and is favourable when that reversed score is;
* ``score`` = mean over the dimension's items of ``(item mean − 1) / (points − 1) × 100`` (with the
  5-point scales used here: ``25 × (mean − 1)``); ``favourable`` = favourable ÷ valid answers;
* ``respondents`` = distinct respondents with a valid answer on the dimension; a team-quarter or a
  dimension under ``min_group_size`` is hidden; ``"*"`` counts everyone; differencing (per quarter and,
  docs/metrics.md, per dimension): while ``"*"`` is shown and the hidden teams hold fewer than
  ``min_group_size``, the smallest shown team is hidden too;
* change: only where the calendar quarter before is shown too and the dimension's wording is unchanged;
  rising/falling when moved ≥ 5 and > 1.96 × √(SE₁² + SE₂²), SE = sample sd of the respondents' own
  0–100 dimension scores ÷ √n;
* ``response_rate`` = the team-quarter's respondents ÷ headcount; ``"*"``: ÷ the sum of all headcounts
  (docs/metrics.md: null where a headcount is missing).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import pytest

from doraspace.cli import main
from tests.surveys.test_rule_pairs import QUALTRICS_META, QUALTRICS_WORDS
from tests.test_survey_end_to_end_pairs import (
    AGREE_LABELS,
    COM_HELP,
    EFF_INTERRUPT,
    MATRIX,
    MS_META,
    NEITHER,
    SAT_BURNOUT,
    SAT_TOOLS,
    TEAM,
    Answers,
    Org,
    approx,
    expected,
    microsoft_forms,
    sample,
    space_teams,
    typeform,
    write_csv,
)

Q1, Q2, Q3, Q4 = "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"
SAT, COM, EFF = "satisfaction", "communication", "efficiency"
GRID_Q2 = "How much do you agree with each statement?"
GRID_Q3 = "Thinking of the last three months, how much do you agree with each statement?"
BURNOUT_REWORDED = "I often feel burned out by my work"
QUALTRICS_IMPORTS = [
    '{"ImportId":"startDate","timeZone":"UTC"}',
    '{"ImportId":"endDate","timeZone":"UTC"}',
    '{"ImportId":"status"}',
    '{"ImportId":"progress"}',
    '{"ImportId":"finished"}',
    '{"ImportId":"recordedDate","timeZone":"UTC"}',
    '{"ImportId":"_recordId"}',
]


def definition_yaml(*, burnout: str = SAT_BURNOUT, team_question: str = TEAM) -> str:
    """The harness' four items (tools; burnout, reverse; interruptions, reverse, frequency scale; help)
    with the burnout item's wording and the team question as given."""
    return f"""
survey: devex
scales:
  agree5: {{points: 5, labels: [{AGREE_LABELS}], favourable: [4, 5]}}
  freq5: {{points: 5, labels: [Never, Rarely, Sometimes, Very often, Always], favourable: [4, 5]}}
missing: ["I don't know", "N/A", "Not applicable", ""]
team_question: "{team_question}"
items:
  - {{id: sat_tools, text: "{SAT_TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{burnout}", dimension: satisfaction, scale: agree5, reverse: true}}
  - {{id: eff_interrupt, text: "{EFF_INTERRUPT}", dimension: efficiency, scale: freq5, reverse: true}}
  - {{id: com_help, text: "{COM_HELP}", dimension: communication, scale: agree5}}
"""


def import_with(org: Org, file: Path, definition: Path, quarter: str) -> str:
    status, _, err = org.run(
        "survey", "import", str(file), "--definition", str(definition), "--quarter", quarter
    )
    assert status == 0, err
    return err


def google_grid(title: str, burnout: str, rows: Sequence[tuple[str, str, str, Answers]]) -> list[list[str]]:
    """Google Forms with e-mails; tools and burnout are rows of the grid ``title`` (``Title [Row]``),
    help and interruptions their own questions. ``rows``: (timestamp, e-mail, team, answers)."""
    header = [
        "Timestamp",
        "Email Address",
        TEAM,
        f"{title} [{SAT_TOOLS}]",
        f"{title} [{burnout}]",
        EFF_INTERRUPT,
        COM_HELP,
    ]
    return [header, *([stamp, email, team, *answers] for stamp, email, team, answers in rows)]


def space_section(page: str) -> dict[str, tuple[str, ...]]:
    """The report's SPACE table of the latest quarter: the dimension (its title's first word, lower
    case) → the texts of its cells (score, favourable, respondents, change)."""
    section = page[page.index("SPACE survey scores") :]
    section = section[: section.index("</table>")]
    found: dict[str, tuple[str, ...]] = {}
    for title, cells in re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', section, re.S):
        texts = tuple(html.unescape(text).strip() for text in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S))
        found[html.unescape(title).split()[0].lower()] = texts
    return found


# ==================================================================================================
# 1. One reworded row of a Google Forms grid (the grid's title reworded too) × the change of each
#    dimension (SPEC §7.4 "shown only where … the item wording is unchanged") × the report
# ==================================================================================================


def test_one_reworded_grid_row_drops_the_change_of_its_dimension_only(
    org_factory: Callable[..., Org],
) -> None:
    """Teams orders (headcount 8) and payments (6), min_group_size 3; Google Forms with e-mails.

    Q2 (grid "How much do you agree…"): orders o1, o2: tools Disagree 2, burnout Agree 4 (→ 2),
    interruptions Very often 4 (→ 2), help Disagree 2; o3: all middle (3, 3 → 3, Sometimes 3 → 3, 3);
    o4: tools Strongly disagree 1, burnout Strongly agree 5 (→ 1), Always 5 (→ 1), help 1.
    payments p1–p3: tools Agree 4, burnout Disagree 2 (→ 4), Rarely 2 (→ 4), help Agree 4.
    Q3: the grid is retitled and its burnout row reworded ("I often feel burned out by my work"; the Q3
    definition says so). Every Q3 respondent: tools 4, burnout Disagree (→ 4), help 4; interruptions as
    in Q2 (orders Very often, Very often, Sometimes, Always; payments Rarely).

    orders Q2: every dimension's reversed answers 2, 2, 3, 1 → mean 2 → 25; favourable 0.
      Own scores (each dimension, satisfaction's two items agree per person): 25, 25, 50, 0.
    orders Q3: satisfaction and communication 75, favourable 1; efficiency 25, favourable 0.
    payments: 75 everywhere in both quarters, favourable 1.
    "*" Q2: answers 2, 2, 3, 1, 4, 4, 4 on every item → 20/7 → 25 × 13/7 = 325/7; favourable 3/7
      (satisfaction 6 of 14).
    "*" Q3: satisfaction, communication 75, favourable 1; efficiency 325/7, favourable 3/7.
    Rates: orders 4/8, payments 3/6, "*" 7/14 — 0.5 each, both quarters.

    Change in Q3:
    * satisfaction: the burnout item's wording changed → null for orders, payments and "*" (the tools
      row and the grid title are no item wording: an item's wording is its row label, SPEC §7.1).
    * communication: orders moved 50; SE(Q2) = √((0 + 0 + 625 + 625)/3)/√4 = √(1250/12) ≈ 10.21,
      SE(Q3) = 0; 1.96 × 10.21 ≈ 20.0 < 50 → rising. payments moved 0 → stable. "*": moved
      75 − 325/7 = 200/7 ≈ 28.57; own scores 25, 25, 50, 0, 75, 75, 75: Σx² = 20625, n·mean² =
      105625/7, SS = 38750/7, var = 38750/42, SE² = 38750/294 ≈ 131.8, SE ≈ 11.48; 1.96 × 11.48 ≈
      22.50 < 28.57 → rising.
    * efficiency: the same answers in both quarters → moved 0 → stable everywhere.
    The report of orders says the same: communication rising (from 25.0), efficiency stable (from
    25.0), satisfaction not comparable.
    """
    org = org_factory([("orders", 8, []), ("payments", 6, [])], minimum=3)
    q2_definition = org.folder / "devex-q2.yaml"
    q2_definition.write_text(definition_yaml(), encoding="utf-8")
    q3_definition = org.folder / "devex-q3.yaml"
    q3_definition.write_text(definition_yaml(burnout=BURNOUT_REWORDED), encoding="utf-8")

    low: Answers = ("Disagree", "Agree", "Very often", "Disagree")
    middle: Answers = (NEITHER, NEITHER, "Sometimes", NEITHER)
    bottom: Answers = ("Strongly disagree", "Strongly agree", "Always", "Strongly disagree")
    good: Answers = ("Agree", "Disagree", "Rarely", "Agree")
    q2_people = [("Orders", low), ("Orders", low), ("Orders", middle), ("Orders", bottom)]
    q2_people += [("Payments", good)] * 3
    q2 = [
        (f"4/14/2026 10:0{n}:00", f"person{n}@example.com", team, given)
        for n, (team, given) in enumerate(q2_people)
    ]
    interrupts = ["Very often", "Very often", "Sometimes", "Always", "Rarely", "Rarely", "Rarely"]
    q3 = [
        (
            f"7/14/2026 10:0{n}:00",
            f"person{n}@example.com",
            team,
            ("Agree", "Disagree", interrupts[n], "Agree"),
        )
        for n, (team, _) in enumerate(q2_people)
    ]
    import_with(
        org, write_csv(org.folder / "q2.csv", google_grid(GRID_Q2, SAT_BURNOUT, q2)), q2_definition, Q2
    )
    import_with(
        org, write_csv(org.folder / "q3.csv", google_grid(GRID_Q3, BURNOUT_REWORDED, q3)), q3_definition, Q3
    )

    assert org.rows() == [
        expected("*", Q2, COM, 325 / 7, 3 / 7, 7, 0.5, None),
        expected("*", Q2, EFF, 325 / 7, 3 / 7, 7, 0.5, None),
        expected("*", Q2, SAT, 325 / 7, 3 / 7, 7, 0.5, None),
        expected("*", Q3, COM, 75.0, 1.0, 7, 0.5, "rising"),
        expected("*", Q3, EFF, 325 / 7, 3 / 7, 7, 0.5, "stable"),
        expected("*", Q3, SAT, 75.0, 1.0, 7, 0.5, None),
        expected("orders", Q2, COM, 25.0, 0.0, 4, 0.5, None),
        expected("orders", Q2, EFF, 25.0, 0.0, 4, 0.5, None),
        expected("orders", Q2, SAT, 25.0, 0.0, 4, 0.5, None),
        expected("orders", Q3, COM, 75.0, 1.0, 4, 0.5, "rising"),
        expected("orders", Q3, EFF, 25.0, 0.0, 4, 0.5, "stable"),
        expected("orders", Q3, SAT, 75.0, 1.0, 4, 0.5, None),
        expected("payments", Q2, COM, 75.0, 1.0, 3, 0.5, None),
        expected("payments", Q2, EFF, 75.0, 1.0, 3, 0.5, None),
        expected("payments", Q2, SAT, 75.0, 1.0, 3, 0.5, None),
        expected("payments", Q3, COM, 75.0, 1.0, 3, 0.5, "stable"),
        expected("payments", Q3, EFF, 75.0, 1.0, 3, 0.5, "stable"),
        expected("payments", Q3, SAT, 75.0, 1.0, 3, 0.5, None),
    ]

    out = org.folder / "reports"
    assert main(["report", "--config", str(org.config), "--out", str(out), "--team", "orders"]) == 0
    assert space_section((out / "team-orders.html").read_text(encoding="utf-8")) == {
        "satisfaction": ("75.0", "100.0 %", "4", "not comparable: the questions changed"),
        "communication": ("75.0", "100.0 %", "4", "rising (from 25.0)"),
        "efficiency": ("25.0", "0.0 %", "4", "stable (from 25.0)"),
    }


# ==================================================================================================
# 2. Three quarters: the calendar quarter before hidden (Typeform partial responses, then differencing)
#    while the one before it was shown: no change (quarter over quarter)
# ==================================================================================================


def test_change_needs_the_calendar_quarter_before_shown_not_an_older_one(
    org_factory: Callable[..., Org],
) -> None:
    """Teams orders, payments, platform (headcount 10 each), min_group_size 5; Typeform, tools only.

    Q1 (Feb): orders 5, payments 6, platform 6 completed, all "Disagree" (2 → 25). Everything shown.
    Q2 (May): orders 4 completed + 2 partial "Strongly agree" (no responses, SPEC §7.2), payments 6,
      platform 7, completed ones all "Neither" (3 → 50). orders 4 < 5 hidden; "*" 17 shown; hidden 4 < 5
      → the smallest shown team, payments (6), is hidden too (hidden 10). Shown: "*", platform.
    Q3 (Aug): orders 5, payments 6, platform 7, all "Agree" (4 → 75, favourable 1). Everything shown.

    Change (every group's answers identical within a quarter: SE 0, so any move ≥ 5 counts):
    Q2: "*" and platform 25 → 50 rising. Q3: "*" and platform 50 → 75 rising; orders and payments were
    hidden in Q2, the calendar quarter before: null, though both were shown in Q1.
    Rates: Q1 "*" 17/30, orders 0.5, payments 0.6, platform 0.6; Q2 "*" 17/30, platform 0.7; Q3 "*"
    18/30, orders 0.5, payments 0.6, platform 0.7.
    """
    org = org_factory([("orders", 10, []), ("payments", 10, []), ("platform", 10, [])], minimum=5)

    def quarter(
        sizes: dict[str, int], answer: str, prefix: str, partial: int = 0
    ) -> list[tuple[str, str, Answers, str]]:
        rows = [
            (f"{prefix}{team}{n}", team, (answer, "", "", ""), "completed")
            for team, size in sizes.items()
            for n in range(size)
        ]
        rows += [
            (f"{prefix}x{n}", "Orders", ("Strongly agree", "", "", ""), "partial") for n in range(partial)
        ]
        return rows

    files = [
        (Q1, 2, quarter({"Orders": 5, "Payments": 6, "Platform": 6}, "Disagree", "a")),
        (Q2, 5, quarter({"Orders": 4, "Payments": 6, "Platform": 7}, NEITHER, "b", partial=2)),
        (Q3, 8, quarter({"Orders": 5, "Payments": 6, "Platform": 7}, "Agree", "c")),
    ]
    for quarter_name, month, rows in files:
        summary = org.survey_import(
            write_csv(org.folder / f"{quarter_name}.csv", typeform(rows, month=month)), quarter=quarter_name
        )
        assert "typeform" in summary

    assert org.rows() == [
        expected("*", Q1, SAT, 25.0, 0.0, 17, 17 / 30, None),
        expected("*", Q2, SAT, 50.0, 0.0, 17, 17 / 30, "rising"),
        expected("*", Q3, SAT, 75.0, 1.0, 18, 18 / 30, "rising"),
        expected("orders", Q1, SAT, 25.0, 0.0, 5, 0.5, None),
        expected("orders", Q3, SAT, 75.0, 1.0, 5, 0.5, None),
        expected("payments", Q1, SAT, 25.0, 0.0, 6, 0.6, None),
        expected("payments", Q3, SAT, 75.0, 1.0, 6, 0.6, None),
        expected("platform", Q1, SAT, 25.0, 0.0, 6, 0.6, None),
        expected("platform", Q2, SAT, 50.0, 0.0, 7, 0.7, "rising"),
        expected("platform", Q3, SAT, 75.0, 1.0, 7, 0.7, "rising"),
    ]
    # `--quarter` shows Q3 alone with the same changes (the quarter before is still read).
    assert [(row["team"], row["change"]) for row in org.rows("--quarter", Q3)] == [
        ("*", "rising"),
        ("orders", None),
        ("payments", None),
        ("platform", "rising"),
    ]


# ==================================================================================================
# 3. Threshold 3: hidden teams holding exactly 3 (no differencing), a team of exactly 3, "N/A" on one
#    dimension only — a Microsoft Forms workbook whose team is a text entry typed as odd spellings of
#    survey_names
# ==================================================================================================


def test_threshold_three_exact_hidden_total_and_na_on_one_dimension_in_a_workbook(
    org_factory: Callable[..., Org],
) -> None:
    """Teams alpha (headcount 4, survey name "Alpha squad"), beta (5), gamma (3, "Team Gamma"), delta (6);
    min_group_size 3. Microsoft Forms "Open in Excel" workbook, the team typed into a text box.

    alpha a1 ("  alpha   SQUAD "): tools Strongly agree 5, help blank.
    beta b1, b2 ("BETA", "beta "): tools Strongly disagree 1, Disagree 2; help "Not applicable", "N/A".
    gamma g1–g3 ("team gamma", "Team  Gamma ", "TEAM GAMMA"): tools Agree 4, Agree 4, Neither 3; help
      "N/A", Agree 4, Strongly agree 5.
    delta d1–d4 ("Delta"): tools 2, 4, 4, 5; help 4, 4, 2, 3.

    Quarter: alpha 1, beta 2 hidden (< 3) — together exactly 3, not fewer: no differencing; gamma
    (exactly 3) and delta (4) shown; "*" 10.
    Satisfaction: gamma 3, delta 4 respondents (shown); hidden alpha + beta hold 3: nothing more hidden.
      gamma: tools 4, 4, 3 → 11/3 → 25 × 8/3 = 200/3; favourable 2/3; rate 3/3.
      delta: 2, 4, 4, 5 → 15/4 → 68.75; favourable 3/4; rate 4/6.
      "*": 5 + 1 + 2 + 4 + 4 + 3 + 2 + 4 + 4 + 5 = 34 → 3.4 → 60; favourable 6/10; rate 10/(4+5+3+6).
    Communication (a "N/A" or blank answer leaves the denominator, so g1, b1, b2, a1 are no respondents
      of it): gamma 2 < 3 hidden; the hidden teams' communication respondents are 0 + 0 + 2 = 2 < 3 while
      "*" (6 ≥ 3) is shown → the smallest shown team of the dimension, delta (4), is hidden too.
      "*": 4, 5, 4, 4, 2, 3 = 22 → 22/6 → 25 × 16/6 = 200/3; favourable 4/6; respondents 6; rate 10/18.
    """
    import openpyxl  # type: ignore[import-untyped]

    org = org_factory(
        [("alpha", 4, ["Alpha squad"]), ("beta", 5, []), ("gamma", 3, ["Team Gamma"]), ("delta", 6, [])],
        minimum=3,
    )
    people: list[tuple[str, str | None, str | None]] = [
        ("  alpha   SQUAD ", "Strongly agree", None),
        ("BETA", "Strongly disagree", "Not applicable"),
        ("beta ", "Disagree", "N/A"),
        ("team gamma", "Agree", "N/A"),
        ("Team  Gamma ", "Agree", "Agree"),
        ("TEAM GAMMA", NEITHER, "Strongly agree"),
        ("Delta", "Disagree", "Agree"),
        ("Delta", "Agree", "Agree"),
        ("Delta", "Agree", "Disagree"),
        ("Delta", "Strongly agree", NEITHER),
    ]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*MS_META, TEAM, SAT_TOOLS, SAT_BURNOUT, EFF_INTERRUPT, COM_HELP])
    for n, (team, tools, help_) in enumerate(people, 1):
        stamp = datetime(2026, 7, 14, 10, n)
        sheet.append([n, stamp, stamp, "anonymous", None, team, tools, None, None, help_])
    export = org.folder / "forms.xlsx"
    book.save(export)
    assert "microsoft-forms, devex 2026-Q3: 10 respondents (10 new)" in org.survey_import(export)

    assert org.rows() == [
        expected("*", Q3, COM, 200 / 3, 4 / 6, 6, 10 / 18, None),
        expected("*", Q3, SAT, 60.0, 0.6, 10, 10 / 18, None),
        expected("delta", Q3, SAT, 68.75, 0.75, 4, 4 / 6, None),
        expected("gamma", Q3, SAT, 200 / 3, 2 / 3, 3, 1.0, None),
    ]


# ==================================================================================================
# 4. A Google Forms resubmission (same e-mail, other case) whose later row says "I don't know" on one
#    dimension × respondents per dimension × differencing per dimension
# ==================================================================================================


def test_a_resubmission_answering_i_dont_know_leaves_that_dimension(org_factory: Callable[..., Org]) -> None:
    """Teams orders (headcount 6), payments (5); min_group_size 3; Google Forms with e-mails, tools and help
    answered.

    orders: ana first tools Agree 4, help Agree 4; ben Neither 3 / Disagree 2; cy Disagree 2 / blank;
      dee Agree 4 / Agree 4; ana again, later, as "ANA@Example.com": tools Strongly agree 5, help
      "I don't know". docs/surveys.md: the resubmission counts once, the later row — so ana is a
      satisfaction respondent with 5 and no communication respondent.
    payments: three people, tools Disagree 2; help Agree, Agree, Strongly agree.

    Quarter: orders 4, payments 3, "*" 7: all shown.
    Satisfaction: orders 5, 3, 2, 4 → 3.5 → 62.5, favourable 2/4, 4 respondents, rate 4/6; payments
      2, 2, 2 → 25, favourable 0, rate 3/5; "*" 14 + 6 = 20 over 7 → 25 × 13/7 = 325/7, favourable 2/7,
      rate 7/11.
    Communication: orders ben and dee only: 2 < 3 hidden (with ana's first answer merged in it would be
      3 and shown). Hidden communication respondents 2 < 3 while "*" (5) is shown → payments' (3) hidden
      too. "*": 2, 4, 4, 4, 5 = 19 → 3.8 → 70; favourable 4/5; respondents 5; rate 7/11.
    """
    org = org_factory([("orders", 6, []), ("payments", 5, [])], minimum=3)
    rows = [
        ("7/14/2026 10:00:00", "ana@example.com", "Orders", ("Agree", "", "", "Agree")),
        ("7/14/2026 10:01:00", "ben@example.com", "Orders", (NEITHER, "", "", "Disagree")),
        ("7/14/2026 10:02:00", "cy@example.com", "Orders", ("Disagree", "", "", "")),
        ("7/14/2026 10:03:00", "dee@example.com", "Orders", ("Agree", "", "", "Agree")),
        ("7/14/2026 10:04:00", "eve@example.com", "Payments", ("Disagree", "", "", "Agree")),
        ("7/14/2026 10:05:00", "fay@example.com", "Payments", ("Disagree", "", "", "Agree")),
        ("7/14/2026 10:06:00", "gus@example.com", "Payments", ("Disagree", "", "", "Strongly agree")),
        ("7/15/2026 09:00:00", "ANA@Example.com", "Orders", ("Strongly agree", "", "", "I don't know")),
    ]
    header = ["Timestamp", "Email Address", TEAM, SAT_TOOLS, SAT_BURNOUT, EFF_INTERRUPT, COM_HELP]
    export = write_csv(
        org.folder / "forms.csv",
        [header, *([stamp, email, team, *answers] for stamp, email, team, answers in rows)],
    )
    assert "google-forms, devex 2026-Q3: 7 respondents (7 new)" in org.survey_import(export)

    assert org.rows() == [
        expected("*", Q3, COM, 70.0, 0.8, 5, 7 / 11, None),
        expected("*", Q3, SAT, 325 / 7, 2 / 7, 7, 7 / 11, None),
        expected("orders", Q3, SAT, 62.5, 0.5, 4, 4 / 6, None),
        expected("payments", Q3, SAT, 25.0, 0.0, 3, 3 / 5, None),
    ]


# ==================================================================================================
# 5. The organisation's response rate with a team without headcount, in JSON and /metrics (SPEC §8.1
#    "Null values are absent series"), over two quarters + the change of "*" decided by the SEs
# ==================================================================================================


@pytest.mark.slow
def test_organisation_response_rate_with_a_team_without_headcount_in_json_and_metrics(
    org_factory: Callable[..., Org],
) -> None:
    """Teams alpha (headcount 6), beta (no headcount), gamma (10); min_group_size 3; Microsoft Forms CSV,
    anonymous, tools only.

    Q2: alpha 4 × Agree (4 → 75), beta 3 × Disagree (2 → 25); gamma did not answer.
      alpha 75, favourable 1, rate 4/6. beta 25, favourable 0, rate null (no headcount).
      "*": (16 + 6)/7 = 22/7 → 25 × 15/7 = 375/7; favourable 4/7; 7 respondents. Its rate: 7 people over
      6 + 10 = 16 would count beta's people over a headcount that leaves them out; docs/metrics.md: null
      where a headcount is missing.
    Q3: alpha 5 × Agree, gamma 4 × Neither (3 → 50); beta did not answer.
      alpha 75, rate 5/6, change 75 → 75 stable. gamma 50, favourable 0, rate 4/10, change null (not
      shown in Q2). "*": (20 + 12)/9 = 32/9 → 25 × 23/9 = 575/9; favourable 5/9; 9 respondents; rate
      9 ÷ (6 + 10) = 9/16 (SPEC: the sum of all headcounts; beta has none and no respondent).
      "*" change: moved 575/9 − 375/7 = 650/63 ≈ 10.32 ≥ 5. SE² Q2: own 4 × 75, 3 × 25: Σx² = 24375,
      n·mean² = 140625/7, SS = 30000/7, var = 5000/7, SE² = 5000/49 ≈ 102.04. Q3: 5 × 75, 4 × 50:
      Σx² = 38125, n·mean² = 330625/9, SS = 12500/9, var = 12500/72, SE² = 12500/648 ≈ 19.29.
      1.96 × √121.33 ≈ 21.59 > 10.32 → stable.
    """
    org = org_factory([("alpha", 6, []), ("beta", None, []), ("gamma", 10, [])], minimum=3)
    q2 = [
        (n, "anonymous", team, (tools, "", "", ""))
        for n, (team, tools) in enumerate([("Alpha", "Agree")] * 4 + [("Beta", "Disagree")] * 3, 1)
    ]
    q3 = [
        (n, "anonymous", team, (tools, "", "", ""))
        for n, (team, tools) in enumerate([("alpha", "Agree")] * 5 + [("GAMMA", NEITHER)] * 4, 1)
    ]
    org.survey_import(write_csv(org.folder / "q2.csv", microsoft_forms(q2)), quarter=Q2)
    org.survey_import(write_csv(org.folder / "q3.csv", microsoft_forms(q3)), quarter=Q3)

    assert org.rows() == [
        expected("*", Q2, SAT, 375 / 7, 4 / 7, 7, None, None),
        expected("*", Q3, SAT, 575 / 9, 5 / 9, 9, 9 / 16, "stable"),
        expected("alpha", Q2, SAT, 75.0, 1.0, 4, 4 / 6, None),
        expected("alpha", Q3, SAT, 75.0, 1.0, 5, 5 / 6, "stable"),
        expected("beta", Q2, SAT, 25.0, 0.0, 3, None, None),
        expected("gamma", Q3, SAT, 50.0, 0.0, 4, 0.4, None),
    ]

    samples = org.exposition()
    assert space_teams(samples) == {"*", "alpha", "beta", "gamma"}
    rates = {
        (dict(labels)["team"], dict(labels)["quarter"]): value
        for (name, labels), value in samples.items()
        if name == "space_response_rate"
    }
    # Null rates are absent series (SPEC §8.1): "*" and beta in Q2.
    assert rates == {
        ("*", Q3): approx(9 / 16),
        ("alpha", Q2): approx(4 / 6),
        ("alpha", Q3): approx(5 / 6),
        ("gamma", Q3): approx(0.4),
    }
    for team, quarter, respondents in (("*", Q2, 7), ("*", Q3, 9), ("beta", Q2, 3), ("gamma", Q3, 4)):
        assert samples[sample("space_respondents", team=team, quarter=quarter)] == respondents
    assert samples[sample("space_score", team="*", dimension=SAT, quarter=Q2)] == approx(375 / 7)


# ==================================================================================================
# 6. The change exactly at 1.96 × √(SE₁² + SE₂²) ("more than": stable), both ways, and just above it,
#    over four quarters exported from four tools
# ==================================================================================================

# Answer counts on the tools item, "Strongly disagree" … "Strongly agree" (points 1–5).
AT_BOUND = (43, 0, 0, 89, 16)
ABOVE_BOUND = (42, 1, 0, 89, 16)
AGREE_POINTS = ("Strongly disagree", "Disagree", NEITHER, "Agree", "Strongly agree")


def spread(counts: Sequence[int]) -> list[str]:
    return [AGREE_POINTS[point] for point, count in enumerate(counts) for _ in range(count)]


def test_change_exactly_at_the_standard_error_bound_is_stable(org_factory: Callable[..., Org]) -> None:
    """Team orders (headcount 160), min_group_size 5, 148 respondents a quarter, tools only (so the own
    score is the tools answer on 0–100). In y = point − 1 (score = 25 × mean y):

    Q1 (Typeform): all Neither (y 2) → 50, SE 0, favourable 0.
    Q2 (Microsoft Forms CSV): y 0 × 43, 3 × 89, 4 × 16. Σy = 267 + 64 = 331, Σy² = 801 + 256 = 1057.
      Score 25 × 331/148 = 8275/148 ≈ 55.912; favourable (89 + 16)/148 = 105/148.
      Sample variance of y: (148 × 1057 − 331²)/(148 × 147) = (156436 − 109561)/21756 = 46875/21756;
      SE² (points) = 625 × 46875/21756/148. Moved from Q1: 25 × (331/148 − 2) = 875/148.
      (1.96 × SE)² = (49/25)² × 625 × 46875/(21756 × 148) = 2401 × 46875/3219888 = 112546875/3219888,
      and (875/148)² = 765625/21904 = 765625 × 147/3219888 = 112546875/3219888: the move equals
      1.96 × √(SE₁² + SE₂²) exactly (and is ≥ 5). SPEC: rising only when "more than" → stable.
    Q3 (Google Forms, no e-mails): all Neither again → 50; the same move back down, the same bound → stable.
    Q4 (Typeform): y 0 × 42, 1 × 1, 3 × 89, 4 × 16: Σy = 332, Σy² = 1 + 801 + 256 = 1058. Score
      25 × 332/148 = 8300/148 ≈ 56.081; moved 900/148 ≈ 6.081. Variance (148 × 1058 − 332²)/21756 =
      46360/21756; SE = 25 × √(46360/21756/148) ≈ 3.0; 1.96 × SE ≈ 5.880 < 6.081 → rising.
      Favourable 105/148.
    Response rate 148/160 every quarter; "*" is the same people, so the same rows.
    """
    org = org_factory([("orders", 160, [])], minimum=5)
    neither = [NEITHER] * 148
    q1 = typeform(
        [(f"t{n}", "Orders", (tools, "", "", ""), "completed") for n, tools in enumerate(neither)], month=2
    )
    q2 = [[*MS_META, TEAM, SAT_TOOLS, SAT_BURNOUT, EFF_INTERRUPT, COM_HELP]] + [
        [str(n), stamp, stamp, "anonymous", "", "Orders", tools, "", "", ""]
        for n, tools in enumerate(spread(AT_BOUND), 1)
        for stamp in [f"5/{1 + n // 60}/2026 10:{n % 60:02d}:00"]
    ]
    header = ["Timestamp", TEAM, SAT_TOOLS, SAT_BURNOUT, EFF_INTERRUPT, COM_HELP]
    q3 = [header] + [
        [f"8/{1 + n // 60}/2026 10:{n % 60:02d}:00", "Orders", tools, "", "", ""]
        for n, tools in enumerate(neither)
    ]
    q4 = typeform(
        [
            (f"t{n}", "Orders", (tools, "", "", ""), "completed")
            for n, tools in enumerate(spread(ABOVE_BOUND))
        ],
        month=11,
    )
    for quarter, export, fmt in (
        (Q1, q1, "typeform"),
        (Q2, q2, "microsoft-forms"),
        (Q3, q3, "google-forms"),
        (Q4, q4, "typeform"),
    ):
        assert f"{fmt}, devex {quarter}: 148 respondents" in org.survey_import(
            write_csv(org.folder / f"{quarter}.csv", export), quarter=quarter
        )

    rate = 148 / 160
    quarters: list[tuple[str, float, float, str | None]] = [
        (Q1, 50.0, 0.0, None),
        (Q2, 8275 / 148, 105 / 148, "stable"),
        (Q3, 50.0, 0.0, "stable"),
        (Q4, 8300 / 148, 105 / 148, "rising"),
    ]
    assert org.rows() == [
        expected(team, quarter, SAT, score, favourable, 148, rate, change)
        for team in ("*", "orders")
        for quarter, score, favourable, change in quarters
    ]


# ==================================================================================================
# 7. Qualtrics: a choice-text export, then a numeric-values export carrying the team as embedded data
#    (another team_question, the same item wording) × reverse items by number × the change
# ==================================================================================================


def qualtrics_numeric(rows: Sequence[tuple[str, str, str, str, str, str]]) -> list[list[str]]:
    """Numeric-values export: matrix Q2_1..3 (tools, burnout, help), Q3 (interruptions), the team choice
    Q10 as a code, and the embedded-data field ``Team``. ``rows``: (team, tools, burnout, help,
    interrupt, team code)."""
    ids = [*QUALTRICS_META, "Q2_1", "Q2_2", "Q2_3", "Q3", "Q10", "Team"]
    words = [
        *QUALTRICS_WORDS,
        f"{MATRIX} - {SAT_TOOLS}",
        f"{MATRIX} - {SAT_BURNOUT}",
        f"{MATRIX} - {COM_HELP}",
        EFF_INTERRUPT,
        TEAM,
        "Team",
    ]
    imports = [
        *QUALTRICS_IMPORTS,
        *(f'{{"ImportId":"QID{q}"}}' for q in ("2_1", "2_2", "2_3", "3", "10")),
        '{"ImportId":"Team"}',
    ]
    stamp = "2026-08-03 09:00:00"
    out = [ids, words, imports]
    for n, (team, tools, burnout, help_, interrupt, code) in enumerate(rows, 1):
        out.append(
            [stamp, stamp, "0", "100", "1", stamp, f"R_{n}", tools, burnout, help_, interrupt, code, team]
        )
    return out


def qualtrics_text(rows: Sequence[tuple[str, Answers]]) -> list[list[str]]:
    """Choice-text export: the same questions, the team as the choice Q10; ``rows``: (team, answers)."""
    ids = [*QUALTRICS_META, "Q2_1", "Q2_2", "Q2_3", "Q3", "Q10"]
    words = [
        *QUALTRICS_WORDS,
        f"{MATRIX} - {SAT_TOOLS}",
        f"{MATRIX} - {SAT_BURNOUT}",
        f"{MATRIX} - {COM_HELP}",
        EFF_INTERRUPT,
        TEAM,
    ]
    imports = [*QUALTRICS_IMPORTS, *(f'{{"ImportId":"QID{q}"}}' for q in ("2_1", "2_2", "2_3", "3", "10"))]
    stamp = "2026-05-04 09:00:00"
    out = [ids, words, imports]
    for n, (team, (tools, burnout, interrupt, help_)) in enumerate(rows, 1):
        out.append([stamp, stamp, "0", "100", "1", stamp, f"R_{n}", tools, burnout, help_, interrupt, team])
    return out


def test_qualtrics_text_then_numeric_export_with_embedded_team_keeps_the_change(
    org_factory: Callable[..., Org],
) -> None:
    """Teams orders (headcount 8), payments (6); min_group_size 3.

    Q2, choice text, team choice "Which team are you on?": orders o1, o2 (tools Disagree 2, burnout Agree
    4 → 2, interruptions Very often 4 → 2, help Disagree 2), o3 (all middle: 3), o4 (tools Strongly
    disagree 1, burnout Strongly agree 5 → 1, Always 5 → 1, help 1); payments ×3 (tools Agree 4, burnout
    Disagree 2 → 4, Rarely 2 → 4, help Agree 4).
    Q3, numeric values, the definition's team_question "Team" (embedded data; the Q10 column now holds
    codes and is no item): orders tools 4, 4, 5, 4; burnout 2, 2, 1, 2 (→ 4, 4, 5, 4); interruptions
    2, 2, 2, 1 (→ 4, 4, 4, 5); help 4 ×4. payments ×3: tools 4, burnout 2 (→ 4), interruptions 2 (→ 4),
    help 4.

    orders Q2: every dimension 2, 2, 3, 1 → 25; favourable 0; own scores 25, 25, 50, 0 → SE² = 1250/12.
    orders Q3: satisfaction tools 17/4 → 81.25, burnout 17/4 → 81.25 → 81.25; favourable 8/8. Efficiency
      17/4 → 81.25, favourable 1. Own scores 75, 75, 100, 75: SS = 468.75, var 156.25, SE² = 39.0625.
      Moved 56.25 > 1.96 × √(104.17 + 39.06) ≈ 23.46 → rising (both). Communication 75, SE 0: moved 50 >
      1.96 × 10.21 ≈ 20.0 → rising.
    payments: 75 everywhere, both quarters → stable.
    "*" Q2: every item 2, 2, 3, 1, 4, 4, 4 → 325/7; favourable 3/7; own 25, 25, 50, 0, 75, 75, 75 →
      SE² = 38750/294 ≈ 131.80.
    "*" Q3: satisfaction and efficiency: every item 4, 4, 5, 4, 4, 4, 4 = 29 → 25 × 22/7 = 550/7;
      favourable 1; own 75 ×6 and 100: Σx² = 43750, n·mean² = 302500/7, SS = 3750/7, var = 3750/42,
      SE² = 3750/294 ≈ 12.76. Moved 225/7 ≈ 32.14 > 1.96 × √144.56 ≈ 23.57 → rising. Communication 75,
      SE 0: moved 200/7 ≈ 28.57 > 1.96 × √131.80 ≈ 22.50 → rising.
    The items' wording is the same in both definitions (only team_question differs): change shown.
    Rates 4/8, 3/6, 7/14: 0.5 throughout.
    """
    org = org_factory([("orders", 8, []), ("payments", 6, [])], minimum=3)
    text_definition = org.folder / "devex-text.yaml"
    text_definition.write_text(definition_yaml(), encoding="utf-8")
    numeric_definition = org.folder / "devex-numeric.yaml"
    numeric_definition.write_text(definition_yaml(team_question="Team"), encoding="utf-8")

    low: Answers = ("Disagree", "Agree", "Very often", "Disagree")
    middle: Answers = (NEITHER, NEITHER, "Sometimes", NEITHER)
    bottom: Answers = ("Strongly disagree", "Strongly agree", "Always", "Strongly disagree")
    good: Answers = ("Agree", "Disagree", "Rarely", "Agree")
    q2 = [("Orders", low), ("Orders", low), ("Orders", middle), ("Orders", bottom)] + [("Payments", good)] * 3
    import_with(org, write_csv(org.folder / "q2.csv", qualtrics_text(q2)), text_definition, Q2)
    q3 = [
        ("Orders", "4", "2", "4", "2", "1"),
        ("Orders", "4", "2", "4", "2", "1"),
        ("Orders", "5", "1", "4", "2", "1"),
        ("Orders", "4", "2", "4", "1", "1"),
    ] + [("Payments", "4", "2", "4", "2", "2")] * 3
    summary = import_with(
        org, write_csv(org.folder / "q3.csv", qualtrics_numeric(q3)), numeric_definition, Q3
    )
    assert "qualtrics, devex 2026-Q3: 7 respondents (7 new)" in summary

    assert org.rows() == [
        expected("*", Q2, COM, 325 / 7, 3 / 7, 7, 0.5, None),
        expected("*", Q2, EFF, 325 / 7, 3 / 7, 7, 0.5, None),
        expected("*", Q2, SAT, 325 / 7, 3 / 7, 7, 0.5, None),
        expected("*", Q3, COM, 75.0, 1.0, 7, 0.5, "rising"),
        expected("*", Q3, EFF, 550 / 7, 1.0, 7, 0.5, "rising"),
        expected("*", Q3, SAT, 550 / 7, 1.0, 7, 0.5, "rising"),
        expected("orders", Q2, COM, 25.0, 0.0, 4, 0.5, None),
        expected("orders", Q2, EFF, 25.0, 0.0, 4, 0.5, None),
        expected("orders", Q2, SAT, 25.0, 0.0, 4, 0.5, None),
        expected("orders", Q3, COM, 75.0, 1.0, 4, 0.5, "rising"),
        expected("orders", Q3, EFF, 81.25, 1.0, 4, 0.5, "rising"),
        expected("orders", Q3, SAT, 81.25, 1.0, 4, 0.5, "rising"),
        expected("payments", Q2, COM, 75.0, 1.0, 3, 0.5, None),
        expected("payments", Q2, EFF, 75.0, 1.0, 3, 0.5, None),
        expected("payments", Q2, SAT, 75.0, 1.0, 3, 0.5, None),
        expected("payments", Q3, COM, 75.0, 1.0, 3, 0.5, "stable"),
        expected("payments", Q3, EFF, 75.0, 1.0, 3, 0.5, "stable"),
        expected("payments", Q3, SAT, 75.0, 1.0, 3, 0.5, "stable"),
    ]


# ==================================================================================================
# 8. Team-quarters shown (≥ min_group_size) whose every dimension is hidden ("N/A" answers, then the
#    per-dimension differencing) × the team-quarter series of /metrics (SPEC §8.1 space_respondents,
#    space_response_rate)
# ==================================================================================================


def test_a_shown_team_quarter_keeps_its_respondents_series_when_every_dimension_is_hidden(
    org_factory: Callable[..., Org],
) -> None:
    """Teams alpha and beta (headcount 8 each), min_group_size 5; Typeform, tools and help.

    alpha: 6 respondents; a1, a2 answer tools "N/A" and help Agree; a3, a4 answer tools Agree and help
      "I don't know"; a5, a6 answer both Agree. beta: 6 respondents, both items Disagree.
    Quarter: alpha 6 ≥ 5 and beta 6 ≥ 5: neither team-quarter is suppressed (SPEC §7.4), no hidden
      team, no differencing at the quarter level; "*" 12.
    Satisfaction: alpha 4 < 5 hidden; hidden 4 < 5 while "*" (10) is shown → beta's hidden too.
      "*": 4 × 4 + 6 × 2 = 28 over 10 → 25 × 1.8 = 45; favourable 4/10; rate 12/16.
    Communication: the same counts and answers → "*" 45, favourable 0.4, 10 respondents.
    JSON: only the "*" rows. /metrics: scores of "*" only; the team-quarter figures are no score and
    not suppressed: space_respondents alpha 6, beta 6, "*" 12; space_response_rate 6/8, 6/8, 12/16.
    """
    org = org_factory([("alpha", 8, []), ("beta", 8, [])], minimum=5)
    alpha: list[tuple[str, str]] = (
        [("N/A", "Agree")] * 2 + [("Agree", "I don't know")] * 2 + [("Agree", "Agree")] * 2
    )
    rows = [(f"a{n}", "Alpha", (tools, "", "", help_), "completed") for n, (tools, help_) in enumerate(alpha)]
    rows += [(f"b{n}", "Beta", ("Disagree", "", "", "Disagree"), "completed") for n in range(6)]
    assert "12 respondents (12 new)" in org.survey_import(
        write_csv(org.folder / "typeform.csv", typeform(rows))
    )

    assert org.rows() == [
        expected("*", Q3, COM, 45.0, 0.4, 10, 12 / 16, None),
        expected("*", Q3, SAT, 45.0, 0.4, 10, 12 / 16, None),
    ]
    samples = org.exposition()
    team_quarter = {
        (name, dict(labels)["team"]): value
        for (name, labels), value in samples.items()
        if name in ("space_respondents", "space_response_rate")
    }
    assert team_quarter == {
        ("space_respondents", "*"): 12,
        ("space_respondents", "alpha"): 6,
        ("space_respondents", "beta"): 6,
        ("space_response_rate", "*"): approx(12 / 16),
        ("space_response_rate", "alpha"): approx(6 / 8),
        ("space_response_rate", "beta"): approx(6 / 8),
    }
