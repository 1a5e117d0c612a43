"""SPACE surveys through the CLI, fifth audit round: ``doraspace survey import`` of native exports, then
``doraspace survey scores --format json``, where two SPEC §7 rules meet.

Scenarios not in the earlier rounds (``test_survey_end_to_end_pairs.py``, ``test_audit_survey_cli.py``,
``test_survey_team_question.py``, ``tests/surveys/test_rule_pairs.py``, ``test_audit_round2.py``,
``test_audit_round3.py``):

1. a Qualtrics text-entry team (``QID1_TEXT``) typed in full-width letters, with NBSPs and with a
   decomposed accent, next to a RecipientEmail resubmission moving teams and a later preview and
   unfinished row of already counted people;
2. one e-mail answering in two quarters (Google Forms, then Microsoft Forms) on two teams, the move
   leaving the old team under the threshold (differencing) and the change of the rows that stay;
3. Typeform reverse items answered with numbers, ``4.0``-style numbers and labels mixed, and every
   spelling of ``missing:`` (curly apostrophe, lower case);
4. one dimension holding a 7-point agreement item and 4- and 5-point frequency items sharing labels
   ("Sometimes" is 2 on one, 3 on the other), reverse items, and the change from the SE of
   respondents' own mixed-scale scores;
5. a Microsoft Forms "Other" typed team (an alias with an NBSP) on a resubmission by e-mail;
6. a later Microsoft Forms export (anonymous, ``ID`` identity, ``Last modified time``) in which one
   response was edited: team changed, one answer cleared to "N/A";
7. a long file with an item id the definition lacks, and one with a repeated (respondent, item), after
   a good import: refused, nothing changes;
8. an unaccented spelling of an accented team name is an unknown team (docs: accents are not among the
   differences ignored), refused naming row and column;
9. a Google Forms Sheet sorted by team (rows out of time order) holding a resubmission by e-mail;
10. a later download of a Sheet holding a resubmission whose superseded row answered an item the
    later row leaves "I don't know", over an earlier import of the same respondent;
11. a team without headcount hidden by the threshold, differencing hiding another, and the rates shown;
12. a Google Forms Sheet that started collecting e-mails midway: same-second rows with and without an
    e-mail, re-downloaded later.

Every expected number is worked out by hand from SPEC §7 and docs/surveys.md in the docstring:

* a reverse item scores ``points + 1 − x`` and is favourable when that reversed score is;
* ``score`` = mean over the dimension's items of ``(item mean − 1) / (points − 1) × 100``;
  ``favourable`` = favourable ÷ valid answers; blank and ``missing:`` answers leave every denominator;
* ``respondents`` = distinct respondents with a valid answer on the dimension; a team-quarter or a
  dimension under ``min_group_size`` is hidden; ``"*"`` counts everyone; differencing: while ``"*"`` is
  shown and the hidden teams hold fewer than ``min_group_size``, the smallest shown team is hidden too;
* change: both quarters shown, wording unchanged; rising/falling when moved ≥ 5 and
  > 1.96 × √(SE₁² + SE₂²), SE = sample sd of the respondents' own 0–100 dimension scores ÷ √n;
* ``response_rate`` = the team-quarter's respondents ÷ headcount; ``"*"`` ÷ the sum of all headcounts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from tests.surveys.test_rule_pairs import QUALTRICS_META, QUALTRICS_WORDS
from tests.test_survey_end_to_end_pairs import (
    COM_HELP,
    EFF_INTERRUPT,
    LONG_HEADER,
    MATRIX,
    MS_META,
    NEITHER,
    QUALTRICS_IMPORTS,
    SAT_BURNOUT,
    SAT_TOOLS,
    TEAM,
    Answers,
    Org,
    expected,
    google_forms,
    microsoft_forms,
    only_tools,
    typeform,
    write_csv,
)

Q2, Q3 = "2026-Q2", "2026-Q3"
SAT, COM, EFF = "satisfaction", "communication", "efficiency"
NBSP = "\u00a0"


def import_args(org: Org, file: Path, quarter: str, definition: Path | None = None) -> list[str]:
    return [
        "survey",
        "import",
        str(file),
        "--definition",
        str(definition or org.definition),
        "--quarter",
        quarter,
    ]


# ================================================================================================== 1


def test_qualtrics_text_entry_team_in_unicode_forms_with_a_resubmission_and_skipped_rows(
    org_factory: Callable[..., Org],
) -> None:
    """Teams orders (headcount 5, survey name "The Orders team") and payments (4, "Équipe Paiements");
    min_group_size 3. Qualtrics choice-text export; the team asked as a text entry (Q1, QID1_TEXT);
    respondents by RecipientEmail. (Status, Finished, e-mail, typed team, tools, burnout):

    R_1 0/1 ana "ＯＲＤＥＲＳ" (full-width: NFKC → orders)      Agree 4, Disagree 2 (→ 4)
    R_2 0/1 ben "the⍽orders⍽ TEAM" (NBSPs: → the orders team) Strongly agree 5, Strongly disagree 1 (→ 5)
    R_3 0/1 cy  "E◌́QUIPE paiements" (decomposed É)             Disagree 2, Agree 4 (→ 2)  — superseded
    R_4 0/1 dee " équipe  paiements "                          Neither 3, Neither 3 (→ 3)
    R_5 0/1 eve "Payments"                                     Strongly disagree 1, Strongly agree 5 (→ 1)
    R_6 0/1 CY@… later, "orders"                               Agree 4, blank
    R_7 1/1 ana, preview, "Growth", "Mostly"                   skipped, never validated
    R_8 0/0 ben, unfinished, "payments", Strongly disagree     skipped: ben stays on orders with R_2
    R_9 0/1 fay "Équipe Paiements"                             Agree 4, Disagree 2 (→ 4)

    orders = ana, ben, cy (R_6): tools 4, 5, 4 → 13/3 → 250/3; burnout 4, 5 → 4.5 → 87.5;
      score (250/3 + 87.5)/2 = 1025/12; favourable 5/5; 3 respondents; rate 3/5.
    payments = dee, eve, fay: tools 3, 1, 4 → 8/3 → 125/3; burnout 3, 1, 4 → 125/3; score 125/3;
      favourable tools 4 + burnout 4 → 2/6; rate 3/4.
    "*": tools 4,5,4,3,1,4 → 21/6 = 3.5 → 62.5; burnout 4,5,3,1,4 → 3.4 → 60; score 61.25;
      favourable 4 + 3 of 11; 6 respondents; rate 6/9. No differencing (nothing hidden).
    Summary: 7 kept rows, 1 superseded → 6 respondents; answers 2+2+2+2+1+2 = 11 of 24 cells → 13
    missing; 2 unfinished responses skipped.
    """
    org = org_factory([("orders", 5, ["The Orders team"]), ("payments", 4, ["Équipe Paiements"])], minimum=3)
    ids = [*QUALTRICS_META, "RecipientEmail", "Q1", "Q2_1", "Q2_2", "Q2_3", "Q3"]
    words = [
        *QUALTRICS_WORDS,
        "Recipient Email",
        TEAM,
        f"{MATRIX} - {SAT_TOOLS}",
        f"{MATRIX} - {SAT_BURNOUT}",
        f"{MATRIX} - {COM_HELP}",
        EFF_INTERRUPT,
    ]
    imports = [
        *QUALTRICS_IMPORTS,
        '{"ImportId":"recipientEmail"}',
        '{"ImportId":"QID1_TEXT"}',
        '{"ImportId":"QID2_1"}',
        '{"ImportId":"QID2_2"}',
        '{"ImportId":"QID2_3"}',
        '{"ImportId":"QID3"}',
    ]
    body = [
        ("0", "1", "ana@example.com", "ＯＲＤＥＲＳ", "Agree", "Disagree"),
        ("0", "1", "ben@example.com", f"the{NBSP}orders{NBSP} TEAM", "Strongly agree", "Strongly disagree"),
        ("0", "1", "cy@example.com", "E\u0301QUIPE paiements", "Disagree", "Agree"),
        ("0", "1", "dee@example.com", " équipe  paiements ", NEITHER, NEITHER),
        ("0", "1", "eve@example.com", "Payments", "Strongly disagree", "Strongly agree"),
        ("0", "1", "CY@example.com", "orders", "Agree", ""),
        ("1", "1", "ana@example.com", "Growth", "Mostly", ""),
        ("0", "0", "ben@example.com", "payments", "Strongly disagree", ""),
        ("0", "1", "fay@example.com", "Équipe Paiements", "Agree", "Disagree"),
    ]
    rows = [ids, words, imports]
    for n, (status, done, email, team, tools, burnout) in enumerate(body, 1):
        at = f"2026-07-14 08:{n:02d}:00"
        rows.append([at, at, status, "100", done, at, f"R_{n}", email, team, tools, burnout, "", ""])
    summary = org.survey_import(write_csv(org.folder / "qualtrics.csv", rows))
    assert (
        "qualtrics, devex 2026-Q3: 6 respondents (6 new), 11 answers, 13 missing answers, "
        "2 unfinished responses skipped" in summary
    )
    assert org.rows() == [
        expected("*", Q3, SAT, 61.25, 7 / 11, 6, 6 / 9, None),
        expected("orders", Q3, SAT, 1025 / 12, 1.0, 3, 3 / 5, None),
        expected("payments", Q3, SAT, 125 / 3, 1 / 3, 3, 3 / 4, None),
    ]


# ================================================================================================== 2


def test_one_email_on_two_teams_in_two_quarters_with_differencing_and_change(
    org_factory: Callable[..., Org],
) -> None:
    """Teams orders, payments, platform (headcount 8 each); min_group_size 3; tools only.

    Q2 (Google Forms, e-mails): orders ana, ben, cy Agree 4; payments dee, eve, fay Disagree 2;
      platform gus, hal, ivy Neither 3. Everything shown (3 each, nothing hidden).
      orders 75, fav 1; payments 25, fav 0; platform 50, fav 0; each rate 3/8.
      "*": (12 + 6 + 9)/9 = 3 → 50; favourable 3/9; 9 respondents; rate 9/24.
    Q3 (Microsoft Forms, e-mails): ANA@Example.com now on payments, Strongly agree 5; ben, cy orders
      Agree 4; dee, eve, fay payments Disagree 2; platform gus, hal, ivy, jo, kim Neither 3.
      orders 2 < 3 hidden; "*" 11 shown; hidden 2 < 3 → the smallest shown team, payments (4; platform
      5), hidden too (hidden 6 ≥ 3). Shown: "*" and platform.
      platform 50, fav 0, 5, rate 5/8; change: moved 0 → stable.
      "*": 5 + 8 + 6 + 15 = 34 over 11 → (23/11)/4 × 100 = 575/11; favourable 3/11; 11; rate 11/24;
      change: moved 575/11 − 50 = 25/11 < 5 → stable.
    """
    org = org_factory([("orders", 8, []), ("payments", 8, []), ("platform", 8, [])], minimum=3)
    q2_people = [
        ("ana", "Orders", "Agree"),
        ("ben", "Orders", "Agree"),
        ("cy", "Orders", "Agree"),
        ("dee", "Payments", "Disagree"),
        ("eve", "Payments", "Disagree"),
        ("fay", "Payments", "Disagree"),
        ("gus", "Platform", NEITHER),
        ("hal", "Platform", NEITHER),
        ("ivy", "Platform", NEITHER),
    ]
    q2 = [
        (f"4/14/2026 10:{n:02d}:00", f"{name}@example.com", team, only_tools(tools))
        for n, (name, team, tools) in enumerate(q2_people)
    ]
    org.survey_import(write_csv(org.folder / "q2.csv", google_forms(q2)), quarter=Q2)
    q3_people = [
        ("ANA@Example.com", "payments", "Strongly agree"),
        ("ben@example.com", "orders", "Agree"),
        ("cy@example.com", "orders", "Agree"),
        ("dee@example.com", "payments", "Disagree"),
        ("eve@example.com", "payments", "Disagree"),
        ("fay@example.com", "payments", "Disagree"),
        *((f"{name}@example.com", "platform", NEITHER) for name in ("gus", "hal", "ivy", "jo", "kim")),
    ]
    q3 = [(n, email, team, only_tools(tools)) for n, (email, team, tools) in enumerate(q3_people, 1)]
    assert "11 respondents (11 new)" in org.survey_import(
        write_csv(org.folder / "q3.csv", microsoft_forms(q3)), quarter=Q3
    )
    assert org.rows() == [
        expected("*", Q2, SAT, 50.0, 1 / 3, 9, 9 / 24, None),
        expected("*", Q3, SAT, 575 / 11, 3 / 11, 11, 11 / 24, "stable"),
        expected("orders", Q2, SAT, 75.0, 1.0, 3, 3 / 8, None),
        expected("payments", Q2, SAT, 25.0, 0.0, 3, 3 / 8, None),
        expected("platform", Q2, SAT, 50.0, 0.0, 3, 3 / 8, None),
        expected("platform", Q3, SAT, 50.0, 0.0, 5, 5 / 8, "stable"),
    ]


# ================================================================================================== 3


def test_typeform_reverse_items_with_numbers_labels_and_every_missing_spelling(
    org_factory: Callable[..., Org],
) -> None:
    """Team orders (headcount 10); min_group_size 3; Typeform, all completed. (tools, burnout reverse,
    interruptions reverse freq5, help):

    t1: "4" → 4;               "Strongly agree" 5 → 1;  "1" 1 → 5;          blank
    t2: "Strongly agree" 5;    "2" 2 → 4;                "N/A";              "I don’t know" (curly)
    t3: "n/a";                 "1.0" 1 → 5;              "Very often" 4 → 2; blank
    t4: "I don't know";        "not applicable";         "5" 5 → 1;          "3" 3
    t5: "2" 2;                 "  agree " 4 → 2;         "rarely" 2 → 4;     "Agree" 4

    satisfaction: tools 4, 5, 2 → 11/3 → 200/3; burnout 1, 4, 5, 2 → 3 → 50; score (200/3 + 50)/2 =
      175/3; favourable tools 4, 5 + burnout 4, 5 → 4/7; respondents t1, t2, t3, t5 = 4.
    efficiency: 5, 2, 1, 4 → 3 → 50; favourable 5, 4 → 2/4; respondents t1, t3, t4, t5 = 4.
    communication: t4, t5 only: 2 < 3, hidden for orders and "*" alike.
    The team-quarter has 5 respondents: rate 5/10 on every row; "*" is the same people.
    Summary: answers 3 + 2 + 2 + 2 + 4 = 13 of 20 → 7 missing.
    """
    org = org_factory([("orders", 10, [])], minimum=3)
    answers: list[Answers] = [
        ("4", "Strongly agree", "1", ""),
        ("Strongly agree", "2", "N/A", "I don’t know"),
        ("n/a", "1.0", "Very often", ""),
        ("I don't know", "not applicable", "5", "3"),
        ("2", "  agree ", "rarely", "Agree"),
    ]
    rows = typeform([(f"t{n}", "Orders", answer, "completed") for n, answer in enumerate(answers, 1)])
    summary = org.survey_import(write_csv(org.folder / "typeform.csv", rows))
    assert "5 respondents (5 new), 13 answers, 7 missing answers, 0 unfinished" in summary
    assert org.rows() == [
        expected("*", Q3, EFF, 50.0, 0.5, 4, 0.5, None),
        expected("*", Q3, SAT, 175 / 3, 4 / 7, 4, 0.5, None),
        expected("orders", Q3, EFF, 50.0, 0.5, 4, 0.5, None),
        expected("orders", Q3, SAT, 175 / 3, 4 / 7, 4, 0.5, None),
    ]


# ================================================================================================== 4

FLOW = "I can stay in a state of flow when I need to"
WAIT = "How often do you wait on builds or code reviews?"
MIXED_DEFINITION = f"""
survey: devex-mixed
scales:
  agree7:
    points: 7
    labels: [Strongly disagree, Disagree, Somewhat disagree, {NEITHER}, Somewhat agree, Agree, Strongly agree]
    favourable: [5, 6, 7]
  freq4: {{points: 4, labels: [Never, Sometimes, Often, Always], favourable: [3, 4]}}
  freq5: {{points: 5, labels: [Never, Rarely, Sometimes, Very often, Always], favourable: [4, 5]}}
missing: ["I don't know", "N/A", "Not applicable", ""]
team_question: "{TEAM}"
items:
  - {{id: eff_flow, text: "{FLOW}", dimension: efficiency, scale: agree7}}
  - {{id: eff_interrupt, text: "{EFF_INTERRUPT}", dimension: efficiency, scale: freq4, reverse: true}}
  - {{id: eff_wait, text: "{WAIT}", dimension: efficiency, scale: freq5, reverse: true}}
"""


def test_one_dimension_over_7_4_and_5_point_scales_sharing_labels(org_factory: Callable[..., Org]) -> None:
    """Team orders (headcount 4); min_group_size 3. Efficiency = flow (agree7), interruptions (freq4,
    reverse: Never 1, Sometimes 2, Often 3, Always 4), waiting (freq5, reverse: … Sometimes 3 … Always 5).
    Google Forms with e-mails; the same four people in both quarters.

    Q2: everyone flow "Strongly disagree" 1, interruptions "Always" 4 → 1, waiting "Always" 5 → 1: every
      item 0 → score 0; favourable 0/12; 4 respondents; rate 1; own scores all 0 (SE 0).
    Q3 (flow, interruptions, waiting):
      a: "Agree" 6;          "Never" 1 → 4;       "Sometimes" 3 → 3
      b: "4" 4;              "Always" 4 → 1;      blank
      c: "Strongly agree" 7; "often" 3 → 2;       "Always" 5 → 1
      d: "N/A";              "Sometimes" 2 → 3;   "1" 1 → 5
      flow 6, 4, 7 → 17/3 → (14/3)/6 × 100 = 700/9; interruptions 4, 1, 2, 3 → 2.5 → 1.5/3 × 100 = 50;
      waiting 3, 1, 5 → 3 → 2/4 × 100 = 50. Score (700/9 + 50 + 50)/3 = 1600/27 ≈ 59.26.
      Favourable: flow 6, 7 (of 5–7); interruptions reversed 4, 3 (of 3–4); waiting reversed 5 → 5/10.
      Own 0–100 scores: a (250/3 + 100 + 50)/3 = 700/9; b (50 + 0)/2 = 25; c (100 + 100/3 + 0)/3 =
      400/9; d (200/3 + 100)/2 = 250/3. Mean 2075/36 ≈ 57.64; SS ≈ 2305.17; sd ≈ 27.72; SE ≈ 13.86.
      Moved 59.26 ≥ 5 and > 1.96 × √(13.86² + 0) ≈ 27.17: rising.
    """
    org = org_factory([("orders", 4, [])], minimum=3)
    definition = org.folder / "mixed.yaml"
    definition.write_text(MIXED_DEFINITION, encoding="utf-8")

    def export(name: str, month: int, answers: Sequence[tuple[str, str, str]]) -> Path:
        rows = [["Timestamp", "Email Address", TEAM, FLOW, EFF_INTERRUPT, WAIT]]
        for n, (person, answer) in enumerate(zip("abcd", answers, strict=True)):
            rows.append([f"{month}/14/2026 10:0{n}:00", f"{person}@example.com", "Orders", *answer])
        return write_csv(org.folder / name, rows)

    low = ("Strongly disagree", "Always", "Always")
    for file, quarter in (
        (export("q2.csv", 4, [low] * 4), Q2),
        (
            export(
                "q3.csv",
                7,
                [
                    ("Agree", "Never", "Sometimes"),
                    ("4", "Always", ""),
                    ("Strongly agree", "often", "Always"),
                    ("N/A", "Sometimes", "1"),
                ],
            ),
            Q3,
        ),
    ):
        status, _, err = org.run(*import_args(org, file, quarter, definition))
        assert status == 0, err
    assert org.rows() == [
        expected("*", Q2, EFF, 0.0, 0.0, 4, 1.0, None),
        expected("*", Q3, EFF, 1600 / 27, 0.5, 4, 1.0, "rising"),
        expected("orders", Q2, EFF, 0.0, 0.0, 4, 1.0, None),
        expected("orders", Q3, EFF, 1600 / 27, 0.5, 4, 1.0, "rising"),
    ]


# ================================================================================================== 5


def test_microsoft_forms_other_typed_alias_on_a_resubmission(org_factory: Callable[..., Org]) -> None:
    """Teams orders, payments (survey name "Payments squad"), platform (headcount 6 each);
    min_group_size 3. Microsoft Forms with e-mails, the team a choice with "Other" whose typed text the
    export writes in the team column itself; tools only.

    ana Orders Agree; ben, cy, dan Orders Agree; dee "Payments" Disagree; eve "payments⍽squad" (NBSP)
    Disagree; gus "Platform", hal "PLATFORM", ivy "platform " Neither; then ANA@example.com again,
    later, "Other" typed "Payments Squad", Strongly disagree: this row counts (docs: the later row).

    orders = ben, cy, dan: 4, 4, 4 → 75; favourable 1; 3; rate 3/6.
    payments = dee, eve, ana: 2, 2, 1 → 5/3 → (2/3)/4 × 100 = 50/3; favourable 0; 3; rate 3/6.
    platform = 3, 3, 3 → 50; favourable 0; 3; rate 3/6.
    "*": 12 + 5 + 9 = 26 over 9 → (17/9)/4 × 100 = 425/9; favourable 3/9; 9; rate 9/18.
    Summary: 10 rows, one superseded → "9 respondents (9 new)".
    """
    org = org_factory(
        [("orders", 6, []), ("payments", 6, ["Payments squad"]), ("platform", 6, [])], minimum=3
    )
    people = [
        ("ana@example.com", "Orders", "Agree"),
        ("ben@example.com", "Orders", "Agree"),
        ("cy@example.com", "Orders", "Agree"),
        ("dan@example.com", "Orders", "Agree"),
        ("dee@example.com", "Payments", "Disagree"),
        ("eve@example.com", f"payments{NBSP}squad", "Disagree"),
        ("gus@example.com", "Platform", NEITHER),
        ("hal@example.com", "PLATFORM", NEITHER),
        ("ivy@example.com", "platform ", NEITHER),
        ("ANA@example.com", "Payments Squad", "Strongly disagree"),
    ]
    rows = microsoft_forms([(n, email, team, only_tools(t)) for n, (email, team, t) in enumerate(people, 1)])
    assert "9 respondents (9 new)" in org.survey_import(write_csv(org.folder / "forms.csv", rows))
    assert org.rows() == [
        expected("*", Q3, SAT, 425 / 9, 1 / 3, 9, 0.5, None),
        expected("orders", Q3, SAT, 75.0, 1.0, 3, 0.5, None),
        expected("payments", Q3, SAT, 50 / 3, 0.0, 3, 0.5, None),
        expected("platform", Q3, SAT, 50.0, 0.0, 3, 0.5, None),
    ]


# ================================================================================================== 6


def test_later_microsoft_forms_export_with_an_edited_response_moving_team(
    org_factory: Callable[..., Org],
) -> None:
    """Teams orders, payments (headcount 5 each); min_group_size 3. Microsoft Forms, anonymous (the
    respondent is the response ID), with a "Last modified time" column; tools and help.

    First export: IDs 1–3 Orders, tools Agree, Agree, Strongly agree, help Agree; IDs 4–6 Payments,
      tools Disagree, help Disagree.
    Later export of the same form (docs: adds new respondents, replaces the answers of those already
      imported): ID 3 edited — team Payments, tools Strongly disagree, help "N/A"; ID 7 new, Orders,
      tools Neither, help Agree. "7 respondents (1 new)".

    orders = 1, 2, 7: tools 4, 4, 3 → 11/3 → 200/3, favourable 2/3; help 4, 4, 4 → 75, favourable 1;
      3 respondents each; rate 3/5.
    payments = 3, 4, 5, 6: tools 1, 2, 2, 2 → 7/4 → 18.75, favourable 0, 4 respondents; help 2, 2, 2
      (ID 3's earlier Agree is gone: "N/A" leaves the denominator) → 25, favourable 0, 3; rate 4/5.
    "*": tools 4,4,3,1,2,2,2 = 18 over 7 → (11/7)/4 × 100 = 275/7, favourable 2/7, 7; help 4,4,4,2,2,2
      → 3 → 50, favourable 3/6, 6; rate 7/10.
    """
    org = org_factory([("orders", 5, []), ("payments", 5, [])], minimum=3)

    def export(name: str, people: Sequence[tuple[int, str, str, str]], edited: int | None = None) -> Path:
        rows = microsoft_forms([(n, "anonymous", team, (tools, "", "", h)) for n, team, tools, h in people])
        rows[0].insert(len(MS_META), "Last modified time")
        for row in rows[1:]:
            # Last modified time: the completion time, or a later one for the edited response.
            row.insert(len(MS_META), "7/20/2026 09:00:00" if row[0] == str(edited) else row[2])
        return write_csv(org.folder / name, rows)

    first = [
        (1, "Orders", "Agree", "Agree"),
        (2, "Orders", "Agree", "Agree"),
        (3, "Orders", "Strongly agree", "Agree"),
        (4, "Payments", "Disagree", "Disagree"),
        (5, "Payments", "Disagree", "Disagree"),
        (6, "Payments", "Disagree", "Disagree"),
    ]
    assert "6 respondents (6 new)" in org.survey_import(export("first.csv", first))
    later = [
        *first[:2],
        (3, "Payments", "Strongly disagree", "N/A"),
        *first[3:],
        (7, "Orders", NEITHER, "Agree"),
    ]
    assert "7 respondents (1 new)" in org.survey_import(export("later.csv", later, edited=3))
    assert org.rows() == [
        expected("*", Q3, COM, 50.0, 0.5, 6, 0.7, None),
        expected("*", Q3, SAT, 275 / 7, 2 / 7, 7, 0.7, None),
        expected("orders", Q3, COM, 75.0, 1.0, 3, 0.6, None),
        expected("orders", Q3, SAT, 200 / 3, 2 / 3, 3, 0.6, None),
        expected("payments", Q3, COM, 25.0, 0.0, 3, 0.8, None),
        expected("payments", Q3, SAT, 18.75, 0.0, 4, 0.8, None),
    ]


# ================================================================================================== 7


def test_long_file_with_an_unknown_item_or_a_repeated_answer_changes_nothing(
    org_factory: Callable[..., Org],
) -> None:
    """Team orders (headcount 4); min_group_size 3; long format.

    Good import: r1, r2, r3 sat_tools Agree 4, Agree 4, Disagree 2 → 10/3 → 175/3; favourable 2/3;
      3 respondents; rate 3/4.
    A later long file adding r4 (Strongly agree) with one row naming item "sat_tool" (not in the
    definition) is refused naming row 3, column item_id (SPEC §7.3: every valid row or none); a file
    where r4 answers sat_tools twice is refused naming row 3. Neither changes a number: had r4's 5
    been stored, tools would be 15/4 → 68.75.
    """
    org = org_factory([("orders", 4, [])], minimum=3)
    good = [LONG_HEADER] + [
        [person, "orders", "", "sat_tools", answer]
        for person, answer in (("r1", "Agree"), ("r2", "Agree"), ("r3", "Disagree"))
    ]
    org.survey_import(write_csv(org.folder / "good.csv", good))
    before = org.rows()
    assert before == [
        expected("*", Q3, SAT, 175 / 3, 2 / 3, 3, 0.75, None),
        expected("orders", Q3, SAT, 175 / 3, 2 / 3, 3, 0.75, None),
    ]
    unknown = [
        LONG_HEADER,
        ["r4", "orders", "", "sat_tools", "Strongly agree"],
        ["r4", "orders", "", "sat_tool", "Agree"],
    ]
    repeated = [
        LONG_HEADER,
        ["r4", "orders", "", "sat_tools", "Strongly agree"],
        ["r4", "orders", "", "SAT_TOOLS", "Agree"],
    ]
    for name, rows in (("unknown.csv", unknown), ("repeated.csv", repeated)):
        file = write_csv(org.folder / name, rows)
        status, _, err = org.run(*import_args(org, file, Q3))
        assert status == 2, err
        assert err.count("\n") == 1 and f"{file}, row 3, column 'item_id'" in err
        assert "Traceback" not in err
        assert org.rows() == before


# ================================================================================================== 8


def test_an_unaccented_spelling_of_an_accented_team_is_refused_and_changes_nothing(
    org_factory: Callable[..., Org],
) -> None:
    """Team "équipe" is configured with survey name "Équipe Paiements"; min_group_size 3; Google
    Forms, tools only. docs/surveys.md: "Case, runs of spaces (non-breaking ones too), Unicode
    compatibility forms and curly versus straight quotes are ignored" — accents are not: the answer
    "Equipe Paiements" names no team. The import is refused naming row 3 and the team column, and the
    earlier import's numbers stand: three "ÉQUIPE PAIEMENTS" answers Agree 4 → 75, favourable 1, rate 3/3.
    """
    org = org_factory([("paiements", 3, ["Équipe Paiements"])], minimum=3)
    good = [(f"7/14/2026 10:0{n}:00", None, "ÉQUIPE PAIEMENTS", only_tools("Agree")) for n in range(3)]
    org.survey_import(write_csv(org.folder / "good.csv", google_forms(good)))
    before = org.rows()
    assert before == [
        expected("*", Q3, SAT, 75.0, 1.0, 3, 1.0, None),
        expected("paiements", Q3, SAT, 75.0, 1.0, 3, 1.0, None),
    ]
    bad = [
        ("7/15/2026 10:00:00", None, "équipe paiements", only_tools("Strongly disagree")),
        ("7/15/2026 10:01:00", None, "Equipe Paiements", only_tools("Strongly disagree")),
    ]
    file = write_csv(org.folder / "bad.csv", google_forms(bad))
    status, _, err = org.run(*import_args(org, file, Q3))
    assert status == 2, err
    assert f"{file}, row 3, column '{TEAM}'" in err
    assert org.rows() == before


# ================================================================================================== 9


def test_a_resubmission_in_a_sheet_sorted_by_team_counts_its_later_submission(
    org_factory: Callable[..., Org],
) -> None:
    """Teams orders, payments (headcount 4 each); min_group_size 3; Google Forms Sheet with e-mails,
    sorted by the team column (so the rows are not in time order); tools only.

    Rows as written: ana 7/15 10:00 Orders Strongly agree (her resubmission); ben, cy 7/14 Orders
    Agree; ana 7/14 09:00 Payments Strongly disagree (her first answer); dee, eve, fay 7/14 Payments
    Disagree. docs/surveys.md: "A respondent who answered twice in one file (a resubmission with the
    same e-mail) counts once: the later row" — the resubmission is the later submission (7/15), so ana
    is on orders with 5.
    orders = ana, ben, cy: 5, 4, 4 → 13/3 → 250/3; favourable 1; 3; rate 3/4.
    payments = dee, eve, fay: 2, 2, 2 → 25; favourable 0; 3; rate 3/4.
    "*": 13 + 6 = 19 over 6 → (13/6)/4 × 100 = 325/6; favourable 3/6; 6; rate 6/8.
    """
    org = org_factory([("orders", 4, []), ("payments", 4, [])], minimum=3)
    rows = [
        ("7/15/2026 10:00:00", "ana@example.com", "Orders", only_tools("Strongly agree")),
        ("7/14/2026 10:01:00", "ben@example.com", "Orders", only_tools("Agree")),
        ("7/14/2026 10:02:00", "cy@example.com", "Orders", only_tools("Agree")),
        ("7/14/2026 09:00:00", "ana@example.com", "Payments", only_tools("Strongly disagree")),
        ("7/14/2026 10:03:00", "dee@example.com", "Payments", only_tools("Disagree")),
        ("7/14/2026 10:04:00", "eve@example.com", "Payments", only_tools("Disagree")),
        ("7/14/2026 10:05:00", "fay@example.com", "Payments", only_tools("Disagree")),
    ]
    assert "6 respondents (6 new)" in org.survey_import(
        write_csv(org.folder / "sorted.csv", google_forms(rows))
    )
    assert org.rows() == [
        expected("*", Q3, SAT, 325 / 6, 0.5, 6, 0.75, None),
        expected("orders", Q3, SAT, 250 / 3, 1.0, 3, 0.75, None),
        expected("payments", Q3, SAT, 25.0, 0.0, 3, 0.75, None),
    ]


# ================================================================================================== 10


def test_later_sheet_download_with_a_resubmission_clearing_an_answer(org_factory: Callable[..., Org]) -> None:
    """Team orders (headcount 5); min_group_size 3; Google Forms with e-mails; tools and help.

    First download: ana Agree/Agree, ben Agree/Agree, cy Disagree/Agree, dee Neither/Disagree.
      tools 4, 4, 2, 3 → 13/4 → 56.25, favourable 2/4; help 4, 4, 4, 2 → 3.5 → 62.5, favourable 3/4;
      4 respondents each; rate 4/5.
    Later download (the same rows, plus ana again on 7/20: Strongly disagree / "I don't know"). In the
      file, ana counts once with the later row; in the store her answers are replaced (docs) — her
      first help answer (in both the store and this file's superseded row) is gone.
      tools 1, 4, 2, 3 → 10/4 → 37.5, favourable 1/4, 4 respondents; help 4, 4, 2 → 10/3 → 175/3,
      favourable 2/3, 3 respondents; rate 4/5. Summary "4 respondents (0 new), 7 answers, 1 missing".
    """
    org = org_factory([("orders", 5, [])], minimum=3)
    first = [
        ("7/14/2026 10:00:00", "ana@example.com", "Orders", ("Agree", "", "", "Agree")),
        ("7/14/2026 10:01:00", "ben@example.com", "Orders", ("Agree", "", "", "Agree")),
        ("7/14/2026 10:02:00", "cy@example.com", "Orders", ("Disagree", "", "", "Agree")),
        ("7/14/2026 10:03:00", "dee@example.com", "Orders", (NEITHER, "", "", "Disagree")),
    ]
    org.survey_import(write_csv(org.folder / "first.csv", google_forms(first)))
    assert org.rows() == [
        expected("*", Q3, COM, 62.5, 0.75, 4, 0.8, None),
        expected("*", Q3, SAT, 56.25, 0.5, 4, 0.8, None),
        expected("orders", Q3, COM, 62.5, 0.75, 4, 0.8, None),
        expected("orders", Q3, SAT, 56.25, 0.5, 4, 0.8, None),
    ]
    later = [
        *first,
        ("7/20/2026 09:00:00", "Ana@Example.com", "orders", ("Strongly disagree", "", "", "I don't know")),
    ]
    summary = org.survey_import(write_csv(org.folder / "later.csv", google_forms(later)))
    assert "4 respondents (0 new), 7 answers, 9 missing answers" in summary
    assert org.rows() == [
        expected("*", Q3, COM, 175 / 3, 2 / 3, 3, 0.8, None),
        expected("*", Q3, SAT, 37.5, 0.25, 4, 0.8, None),
        expected("orders", Q3, COM, 175 / 3, 2 / 3, 3, 0.8, None),
        expected("orders", Q3, SAT, 37.5, 0.25, 4, 0.8, None),
    ]


# ================================================================================================== 11


def test_a_team_without_headcount_hidden_and_differencing_hiding_another(
    org_factory: Callable[..., Org],
) -> None:
    """Teams alpha (no headcount), beta (5), gamma (6); min_group_size 3; Microsoft Forms CSV,
    anonymous; tools only. alpha 2 × Strongly agree 5, beta 3 × Agree 4, gamma 4 × Disagree 2.

    alpha 2 < 3 hidden; "*" 9 shown; hidden 2 < 3 → the smallest shown team, beta (3), hidden too
    (hidden 5 ≥ 3). Shown: "*" and gamma.
    gamma: 25, favourable 0, 4 respondents, rate 4/6.
    "*": 10 + 12 + 8 = 30 over 9 → (21/9)/4 × 100 = 175/3; favourable 5/9; 9 respondents; rate null:
    alpha's respondents have no headcount to be divided by (docs/metrics.md "null where a headcount is
    missing").
    """
    org = org_factory([("alpha", None, []), ("beta", 5, []), ("gamma", 6, [])], minimum=3)
    plan = [("Alpha", "Strongly agree")] * 2 + [("Beta", "Agree")] * 3 + [("Gamma", "Disagree")] * 4
    rows = microsoft_forms([(n, "anonymous", team, only_tools(t)) for n, (team, t) in enumerate(plan, 1)])
    org.survey_import(write_csv(org.folder / "forms.csv", rows))
    assert org.rows() == [
        expected("*", Q3, SAT, 175 / 3, 5 / 9, 9, None, None),
        expected("gamma", Q3, SAT, 25.0, 0.0, 4, 4 / 6, None),
    ]


# ================================================================================================== 12


def test_google_rows_with_and_without_email_in_the_same_second_redownloaded(
    org_factory: Callable[..., Org],
) -> None:
    """Team orders (headcount 6); min_group_size 3; Google Forms whose "Email Address" column is blank
    for the responses given before e-mails were collected (SPEC §7.3: the e-mail where the export has
    one, else the row timestamp; docs: two responses in the same second told apart by order, ``#2``).

    Rows: 10:00:00 no e-mail Agree 4; 10:00:00 ana@ Agree 4; 10:00:00 no e-mail Disagree 2. Three
      respondents: "7/14/2026 10:00:00", ana, "7/14/2026 10:00:00#2" (ana's row does not take a number).
      tools 4, 4, 2 → 10/3 → 175/3; favourable 2/3; rate 3/6.
    Later download: the same rows, then ana again (7/15, Strongly agree 5) and ben (7/15, Neither 3):
      "4 respondents (1 new)"; tools 4, 5, 2, 3 → 14/4 → 62.5; favourable 2/4; rate 4/6.
    """
    org = org_factory([("orders", 6, [])], minimum=3)
    first = [
        ("7/14/2026 10:00:00", "", "Orders", only_tools("Agree")),
        ("7/14/2026 10:00:00", "ana@example.com", "Orders", only_tools("Agree")),
        ("7/14/2026 10:00:00", "", "Orders", only_tools("Disagree")),
    ]
    assert "3 respondents (3 new)" in org.survey_import(write_csv(org.folder / "a.csv", google_forms(first)))
    assert org.rows() == [
        expected("*", Q3, SAT, 175 / 3, 2 / 3, 3, 0.5, None),
        expected("orders", Q3, SAT, 175 / 3, 2 / 3, 3, 0.5, None),
    ]
    later = [
        *first,
        ("7/15/2026 09:00:00", "ana@example.com", "Orders", only_tools("Strongly agree")),
        ("7/15/2026 09:05:00", "ben@example.com", "Orders", only_tools(NEITHER)),
    ]
    assert "4 respondents (1 new)" in org.survey_import(write_csv(org.folder / "b.csv", google_forms(later)))
    assert org.rows() == [
        expected("*", Q3, SAT, 62.5, 0.5, 4, 4 / 6, None),
        expected("orders", Q3, SAT, 62.5, 0.5, 4, 4 / 6, None),
    ]
