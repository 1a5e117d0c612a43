"""SPACE surveys where two rules meet, audit round 6 (SPEC §7.1–§7.5, docs/surveys.md).

Each scenario is a short export written here in the shape of one tool, imported in process through
``import_survey`` (or ``doraspace.cli.main`` where the ownership map of the store is part of the rule),
then scored with ``compute_space``. Every expected number is worked out by hand in the docstring from
SPEC §7.4: per item ``(mean answer − 1) / (points − 1) × 100`` (a reverse item scores
``points + 1 − x``), averaged over the dimension's items; ``favourable`` = favourable ÷ valid answers;
``respondents`` = people with a valid answer on the dimension; SPEC §7.5 numbers are unrounded floats,
so they are compared with ``pytest.approx`` at 1e-12.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from analytics.space import SpaceScore, compute_space
from doraspace.cli import main
from store import schema
from store.engine import open_store
from store.errors import SurveyImportError
from surveys.definition import SurveyDefinition, parse_definition
from surveys.importer import ImportReport, import_survey, pseudonym, team_spellings

SECRET = "round6-combos-secret"
Q2, Q3, Q4 = "2026-Q2", "2026-Q3", "2026-Q4"
TEAM = "Which team are you on?"
TOOLS = "I am satisfied with the tools and processes I use to do my work"
BURNOUT = "I feel burned out from my work"
INTERRUPT = "How often are you interrupted while doing focused work?"
HELP = "It is easy to get help from other teams when my work depends on them"
AGREE5 = (
    "{points: 5, labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree], "
    "favourable: [4, 5]}"
)
# A four-point frequency scale: "Never" is the best answer of a reverse item.
FREQ4 = "{points: 4, labels: [Never, Sometimes, Often, Always], favourable: [3, 4]}"
SURVEY = parse_definition(f"""
survey: devex
scales:
  agree5: {AGREE5}
  freq4: {FREQ4}
missing: ["I don't know", "N/A", "Not applicable", ""]
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{BURNOUT}", dimension: satisfaction, scale: agree5, reverse: true}}
  - {{id: eff_interrupt, text: "{INTERRUPT}", dimension: efficiency, scale: freq4, reverse: true}}
  - {{id: com_help, text: "{HELP}", dimension: communication, scale: agree5}}
""")
TEAM_NAMES = team_spellings(
    {
        "orders": ["Order team", "The Orders squad"],
        "payments": ["Payments"],
        "platform": ["Platform team"],
    }
)
PERSONAL = ("@example.com", "Ana", "García", "Ben", "10.1.2.3", "coffee", "Order team", "ORDER")


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def run(engine: Engine, file: Path, *, quarter: str = Q3, survey: SurveyDefinition = SURVEY) -> ImportReport:
    return import_survey(
        engine, file, survey, quarter=quarter, fmt="auto", secret=SECRET, team_names=TEAM_NAMES
    )


def scores(
    engine: Engine, *, minimum: int, teams: Mapping[str, int | None] | None = None
) -> dict[tuple[str, str, str], SpaceScore]:
    rows = compute_space(engine, teams=teams or {}, min_group_size=minimum)
    return {(row.team, row.quarter, row.dimension): row for row in rows}


def figures(row: SpaceScore) -> tuple[Any, ...]:
    return (row.score, row.favourable, row.respondents, row.response_rate, row.change)


def expect(score: float, favourable: float, respondents: int, rate: float | None, change: str | None) -> Any:
    return (
        pytest.approx(score, rel=1e-12, abs=1e-12),
        pytest.approx(favourable, rel=1e-12, abs=1e-12),
        respondents,
        None if rate is None else pytest.approx(rate, rel=1e-12),
        change,
    )


def stored(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    tables = (schema.survey_items, schema.survey_responses, schema.survey_answers)
    with engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=str)
            for table in tables
        }


def responses(engine: Engine) -> dict[tuple[str, str], tuple[str, datetime | None]]:
    """(quarter, respondent pseudonym) → (team, submitted_at)."""
    table = schema.survey_responses
    with engine.connect() as conn:
        return {
            (row.quarter, row.respondent): (row.team, row.submitted_at) for row in conn.execute(select(table))
        }


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    store = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    try:
        yield store
    finally:
        store.dispose()


def google(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """A Google Forms download with e-mails; ``rows``: (timestamp, e-mail, team, tools, burnout,
    interruptions, help)."""
    return [["Timestamp", "Email Address", TEAM, TOOLS, BURNOUT, INTERRUPT, HELP], *map(list, rows)]


# ==================================================================================================
# 1. Resubmission (the later submission counts) × two imports of one quarter (a re-import adds
#    nothing; a later export replaces) × team moved by the resubmission × differencing
# ==================================================================================================

# The Monday download of the Sheet: ana answered on 7/14 for Orders.
MONDAY = [
    ("7/14/2026 9:00:00", "ana@example.com", "Orders", "Agree", "", "", ""),
    ("7/14/2026 9:10:00", "ben@example.com", "Order team", "Agree", "", "", ""),
    ("7/14/2026 9:20:00", "cy@example.com", "orders", "Disagree", "", "", ""),
    ("7/14/2026 9:30:00", "dee@example.com", "Payments", "Disagree", "", "", ""),
    ("7/14/2026 9:40:00", "eve@example.com", "Payments", "Disagree", "", "", ""),
    ("7/14/2026 9:50:00", "fay@example.com", "Payments", "Disagree", "", "", ""),
]
# The Friday download of the same Sheet: the Monday rows, and ana's resubmission of 7/16 (she moved to
# Payments) written as "ANA@Example.com".
FRIDAY = [*MONDAY, ("7/16/2026 11:00:00", "ANA@Example.com", "PAYMENTS", "Strongly agree", "", "", "")]


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(("monday", "friday"), id="monday-then-friday"),
        pytest.param(("monday", "friday", "monday"), id="monday-friday-monday-again"),
        pytest.param(("friday", "monday"), id="friday-then-older-monday"),
    ],
)
def test_the_latest_submission_wins_whatever_the_order_the_exports_are_imported_in(
    tmp_path: Path, engine: Engine, order: tuple[str, ...]
) -> None:
    """Teams orders (headcount 4), payments (4); min_group_size 3; Google Forms with e-mails, tools only.

    docs/surveys.md: a respondent who answered twice counts once, "the later submission (by its
    submission time, whatever the order of the rows)"; SPEC §7.3 "re-importing the same file adds
    nothing"; docs: "Importing a later export of the same form … replaces the answers". The Friday
    download holds both of ana's rows: her 7/16 resubmission (Payments, Strongly agree) is the one
    that counts. Importing the Monday download again afterwards (or importing it last, after the
    Friday one) brings in no submission later than what the store holds, so nothing may change.

    State with ana's 7/16 answer: orders ben 4, cy 2 → 2 people < 3: hidden. payments dee, eve, fay 2
    and ana 5 → 4 people. "*" 6 people ≥ 3: shown. Differencing: hidden 2 < 3 → the smallest shown team,
    payments (4), is hidden too (hidden 6). Shown: "*" only.
    "*": 4 + 2 + 2 + 2 + 2 + 5 = 17 over 6 → (17/6 − 1)/4 × 100 = (11/6)/4 × 100 = 275/6 ≈ 45.8333;
    favourable ben 4, ana 5 → 2/6 = 1/3; respondents 6; rate 6/8 = 0.75.
    (Had ana's older Monday answer been put back: orders ana 4, ben 4, cy 2 = 3 people, payments 3,
    both shown, "*" 16/6 → 125/3 ≈ 41.67 — the figures this test must not see.)
    The store keeps ana once, on payments, submitted 2026-07-16 11:00.
    """
    files = {
        "monday": write_csv(tmp_path / "monday.csv", google(MONDAY)),
        "friday": write_csv(tmp_path / "friday.csv", google(FRIDAY)),
    }
    for name in order:
        run(engine, files[name])
    got = scores(engine, minimum=3, teams={"orders": 4, "payments": 4})
    assert sorted(got) == [("*", Q3, "satisfaction")]
    assert figures(got[("*", Q3, "satisfaction")]) == expect(275 / 6, 1 / 3, 6, 0.75, None)
    ana = pseudonym(SECRET, "ana@example.com")
    assert responses(engine)[(Q3, ana)] == ("payments", datetime(2026, 7, 16, 11, 0))


# ==================================================================================================
# 2. Resubmission ordered by the instant (Google's download writes each time with its zone, and the
#    clocks went back that night) × rows sorted by team × survey_names folded (case, NBSP) ×
#    reverse items on two scales × unanswered items × per-dimension suppression and differencing
# ==================================================================================================


def test_a_resubmission_across_the_clock_change_counts_by_its_utc_instant(
    tmp_path: Path, engine: Engine
) -> None:
    """Teams orders (headcount 4, survey names "Order team", "The Orders squad"), payments (5,
    "Payments"); min_group_size 3; Google Forms download with e-mails, 2026-Q4, sorted by team.

    Europe left summer time at 03:00 GMT+2 on 2026-10-25. ana answered at 2:40 AM GMT+2 (00:40 UTC) for
    Payments, then again at 2:10 AM GMT+1 (01:10 UTC) for "ORDER\\u00a0 TEAM": read on the wall clock the
    second looks earlier, but docs/surveys.md converts a time with a zone to UTC and keeps the later
    submission "by its submission time, whatever the order of the rows": her 01:10 UTC answers count,
    on orders. (tools agree5; burnout agree5 reverse → 6 − x; interruptions freq4 reverse → 5 − x,
    favourable reversed 3–4; help agree5)

    kept: ana orders tools 5, burnout Disagree 2 → 4, interrupt Never 1 → 4, help blank
          ben orders 4, Agree 4 → 2, Sometimes 2 → 3, Agree 4
          cy  orders 2, N/A, Always 4 → 1, Disagree 2
          dee payments 4, Neither 3 → 3, Often 3 → 2, Agree 4
          eve payments 4, Strongly disagree 1 → 5, "I don't know", blank
          fay payments 1, Agree 4 → 2, Never 1 → 4, Disagree 2
    Team-quarters orders 3, payments 3, "*" 6: all shown; nothing hidden.
    Satisfaction — orders: tools 11/3 → (8/3)/4 × 100 = 200/3; burnout 4, 2 → 3 → 50; score
      (200/3 + 50)/2 = 175/3; favourable tools 5, 4 and burnout 4 → 3 of 5 answers; 3; rate 3/4.
      payments: tools 9/3 = 3 → 50; burnout 3, 5, 2 → 10/3 → 175/3; score (50 + 175/3)/2 = 325/6;
      favourable 4, 4 and 5 → 3/6 = 1/2; 3; rate 3/5.
      "*": tools 20/6 → (14/6)/4 × 100 = 175/3; burnout 16/5 → (11/5)/4 × 100 = 55; score
      (175/3 + 55)/2 = 170/3; favourable (4 + 2)/11 = 6/11; 6; rate 6/9.
    Efficiency — orders ana 4, ben 3, cy 1 (3 people); payments dee 2, fay 4 (2 < 3: hidden). "*" has 5
      ≥ 3: shown; hidden 2 < 3 → the smallest shown team, orders, is hidden too. "*": 14/5 →
      (9/5)/3 × 100 = 60; favourable 4, 3, 4 → 3/5; 5; rate 6/9.
    Communication — orders ben, cy (2) and payments dee, fay (2): both hidden; together 4 ≥ 3, so "*"
      stays: 4, 2, 4, 2 → 3 → 50; favourable 2/4; 4; rate 6/9.
    """
    sa, a, n, d, sd = "Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"
    rows = [
        ("2026/10/25 2:10:00 AM GMT+1", "ana@example.com", "ORDER\u00a0 TEAM", sa, d, "Never", ""),
        ("2026/10/24 9:00:00 PM GMT+2", "ben@example.com", "order team", a, a, "Sometimes", a),
        ("2026/10/24 9:05:00 PM GMT+2", "cy@example.com", " the orders SQUAD", d, "N/A", "Always", d),
        ("2026/10/25 2:40:00 AM GMT+2", "Ana@Example.com", "Payments", sd, sa, "Always", sd),
        ("2026/10/26 8:00:00 AM GMT+1", "dee@example.com", "payments", a, n, "Often", a),
        ("2026/10/26 8:05:00 AM GMT+1", "eve@example.com", "PAYMENTS", a, sd, "I don't know", ""),
        ("2026/10/26 12:05:00 PM GMT+1", "fay@example.com", "Payments", sd, a, "Never", d),
    ]
    report = run(engine, write_csv(tmp_path / "download.csv", google(rows)), quarter=Q4)
    # 7 rows, ana's 00:40 UTC one superseded; missing: ana help, cy burnout, eve interrupt and help.
    assert (report.rows, report.superseded, report.responses, report.missing_answers) == (7, 1, 6, 4)
    ana = pseudonym(SECRET, "ana@example.com")
    assert responses(engine)[(Q4, ana)] == ("orders", datetime(2026, 10, 25, 1, 10))

    got = scores(engine, minimum=3, teams={"orders": 4, "payments": 5})
    assert sorted(got) == [
        ("*", Q4, "communication"),
        ("*", Q4, "efficiency"),
        ("*", Q4, "satisfaction"),
        ("orders", Q4, "satisfaction"),
        ("payments", Q4, "satisfaction"),
    ]
    assert figures(got[("orders", Q4, "satisfaction")]) == expect(175 / 3, 3 / 5, 3, 3 / 4, None)
    assert figures(got[("payments", Q4, "satisfaction")]) == expect(325 / 6, 1 / 2, 3, 3 / 5, None)
    assert figures(got[("*", Q4, "satisfaction")]) == expect(170 / 3, 6 / 11, 6, 6 / 9, None)
    assert figures(got[("*", Q4, "efficiency")]) == expect(60.0, 3 / 5, 5, 6 / 9, None)
    assert figures(got[("*", Q4, "communication")]) == expect(50.0, 1 / 2, 4, 6 / 9, None)
    # SPEC §7.3: neither e-mails nor the team as typed reach the store.
    text = json.dumps(stored(engine), default=str)
    assert not [word for word in (*PERSONAL, "SQUAD", "squad", "PAYMENTS") if word in text]


# ==================================================================================================
# 3. Resubmission tie rule (equal submission times: the later row) and out-of-order rows, in each wide
#    export that can identify a respondent twice × the team as a choice (Google, Microsoft) or a
#    Qualtrics text entry × reverse item and a blank × both teams at the threshold
# ==================================================================================================


def _google_tie(rows: Sequence[tuple[str, str, str, str, str, str]]) -> list[list[str]]:
    return google(
        [
            (f"7/14/2026 {time}", email, team, tools, burnout, "", "")
            for _, time, email, team, tools, burnout in rows
        ]
    )


def _microsoft_tie(rows: Sequence[tuple[str, str, str, str, str, str]]) -> list[list[str]]:
    header = ["ID", "Start time", "Completion time", "Email", "Name", TEAM, TOOLS, BURNOUT, INTERRUPT, HELP]
    out = [header]
    for number, (start, time, email, team, tools, burnout) in enumerate(rows, 1):
        out.append(
            [
                str(number),
                f"7/14/2026 {start}",
                f"7/14/2026 {time}",
                email,
                "Ana García",
                team,
                tools,
                burnout,
                "",
                "",
            ]
        )
    return out


def _qualtrics_tie(rows: Sequence[tuple[str, str, str, str, str, str]]) -> list[list[str]]:
    meta = [
        "StartDate",
        "EndDate",
        "Status",
        "Progress",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "RecipientEmail",
        "IPAddress",
    ]
    ids = [*meta, "Q1", "Q2_1", "Q2_2", "Q3", "Q4"]
    matrix = "How much do you agree with each statement?"
    words = [
        "Start Date",
        "End Date",
        "Response Type",
        "Progress",
        "Finished",
        "Recorded Date",
        "Response ID",
        "Recipient Email",
        "IP Address",
        TEAM,
        f"{matrix} - {TOOLS}",
        f"{matrix} - {BURNOUT}",
        INTERRUPT,
        HELP,
    ]
    imports = [
        '{"ImportId":"startDate","timeZone":"Europe/Berlin"}',
        '{"ImportId":"endDate","timeZone":"Europe/Berlin"}',
        '{"ImportId":"status"}',
        '{"ImportId":"progress"}',
        '{"ImportId":"finished"}',
        '{"ImportId":"recordedDate","timeZone":"Europe/Berlin"}',
        '{"ImportId":"_recordId"}',
        '{"ImportId":"recipientEmail"}',
        '{"ImportId":"ipAddress"}',
        '{"ImportId":"QID1_TEXT"}',
        '{"ImportId":"QID2_1"}',
        '{"ImportId":"QID2_2"}',
        '{"ImportId":"QID3"}',
        '{"ImportId":"QID4"}',
    ]
    out = [ids, words, imports]
    for number, (start, time, email, team, tools, burnout) in enumerate(rows, 1):
        start_at, end_at = f"2026-07-14 {start}", f"2026-07-14 {time}"
        out.append(
            [
                start_at,
                end_at,
                "0",
                "100",
                "1",
                end_at,
                f"R_{number}",
                email,
                "10.1.2.3",
                team,
                tools,
                burnout,
                "",
                "",
            ]
        )
    return out


@pytest.mark.parametrize(
    "shape",
    [_google_tie, _microsoft_tie, _qualtrics_tie],
    ids=["google-forms", "microsoft-forms", "qualtrics"],
)
def test_equal_submission_times_keep_the_later_row_and_unequal_ones_the_later_time(
    tmp_path: Path, engine: Engine, shape: Any
) -> None:
    """Teams orders (headcount 5), payments (5); min_group_size 3; one export per tool, tools and
    burnout (reverse) answered. Rows as written (start time, submission time, e-mail, team, tools,
    burnout):

      1. 09:00 10:00 ana  Orders          Agree 4              Disagree 2 → 4
      2. 08:00 11:00 bo   Payments        Agree 4              (blank)
      3. 09:00 09:30 cy   " orders "      Agree 4              Neither 3 → 3
      4. 09:10 09:40 dee  The Orders squad Agree 4             Neither 3 → 3
      5. 09:05 10:00 ANA  PAYMENTS        Strongly disagree 1  Strongly agree 5 → 1
      6. 09:20 09:50 eve  Payments        Disagree 2           Agree 4 → 2
      7. 09:59 10:00 bo   Orders          Disagree 2           Disagree 2 → 4
      8. 09:30 09:55 fay  payments        Disagree 2           Agree 4 → 2
      9. 09:40 09:58 gus  Order team      Strongly agree 5     Strongly disagree 1 → 5

    docs/surveys.md: the later submission counts, "the later row when the times are equal". ana's rows
    1 and 5 share 10:00: row 5 counts (payments). bo's row 2 was submitted at 11:00, after row 7 (10:00),
    though written first and started first: row 2 counts (payments). Kept: orders cy, dee, gus;
    payments ana, bo, eve, fay. 3 and 4 people: both shown, "*" 7.

    orders: tools 4, 4, 5 → 13/3 → 250/3; burnout 3, 3, 5 → 11/3 → 200/3; score 75; favourable tools
      3 + burnout 1 → 4/6 = 2/3; 3; rate 3/5.
    payments: tools 1, 4, 2, 2 → 9/4 → (5/4)/4 × 100 = 31.25; burnout 1, 2, 2 (bo blank) → 5/3 → 50/3;
      score (125/4 + 50/3)/2 = 575/24 ≈ 23.958; favourable bo's tools only → 1/7; 4; rate 4/5.
    "*": tools 22/7 → (15/7)/4 × 100 = 375/7; burnout 16/6 → (5/3)/4 × 100 = 125/3; score
      (375/7 + 125/3)/2 = 1000/21 ≈ 47.619; favourable 5/13; 7; rate 7/10.
    """
    rows = [
        ("09:00:00", "10:00:00", "ana@example.com", "Orders", "Agree", "Disagree"),
        ("08:00:00", "11:00:00", "bo@example.com", "Payments", "Agree", ""),
        ("09:00:00", "09:30:00", "cy@example.com", " orders ", "Agree", "Neither agree nor disagree"),
        (
            "09:10:00",
            "09:40:00",
            "dee@example.com",
            "The Orders squad",
            "Agree",
            "Neither agree nor disagree",
        ),
        ("09:05:00", "10:00:00", "ANA@example.com", "PAYMENTS", "Strongly disagree", "Strongly agree"),
        ("09:20:00", "09:50:00", "eve@example.com", "Payments", "Disagree", "Agree"),
        ("09:59:00", "10:00:00", "bo@example.com", "Orders", "Disagree", "Disagree"),
        ("09:30:00", "09:55:00", "fay@example.com", "payments", "Disagree", "Agree"),
        ("09:40:00", "09:58:00", "gus@example.com", "Order team", "Strongly agree", "Strongly disagree"),
    ]
    report = run(engine, write_csv(tmp_path / "export.csv", shape(rows)))
    assert (report.rows, report.superseded, report.responses) == (9, 2, 7)
    assert report.respondents_by_team == {"orders": 3, "payments": 4}
    got = scores(engine, minimum=3, teams={"orders": 5, "payments": 5})
    assert sorted(got) == [
        ("*", Q3, "satisfaction"),
        ("orders", Q3, "satisfaction"),
        ("payments", Q3, "satisfaction"),
    ]
    assert figures(got[("orders", Q3, "satisfaction")]) == expect(75.0, 2 / 3, 3, 3 / 5, None)
    assert figures(got[("payments", Q3, "satisfaction")]) == expect(575 / 24, 1 / 7, 4, 4 / 5, None)
    assert figures(got[("*", Q3, "satisfaction")]) == expect(1000 / 21, 5 / 13, 7, 7 / 10, None)
    text = json.dumps(stored(engine), default=str)
    assert not [word for word in PERSONAL if word in text]


# ==================================================================================================
# 4. All or nothing × resubmission: a superseded row is still a row of the file
# ==================================================================================================


@pytest.mark.parametrize(
    ("earlier", "column", "message"),
    [
        (("Odrers", "Agree"), TEAM, "unknown team 'Odrers'"),
        (("Orders", "Mostly"), TOOLS, "unknown answer 'Mostly' for scale agree5"),
    ],
    ids=["unknown-team", "unknown-label"],
)
def test_a_bad_row_superseded_by_a_later_resubmission_still_refuses_the_file(
    tmp_path: Path, engine: Engine, earlier: tuple[str, str], column: str, message: str
) -> None:
    """docs/surveys.md: "the whole file is checked first, and one bad row (an answer that is no label of
    the scale, a team nobody configured …) stops it"; SPEC §7.3 "An import either stores every valid
    row or none". ana's 9:00 row is bad; her 10:00 resubmission (good) would supersede it — it is
    still a row of the file, so the import is refused naming row 2 and its column, and nothing is
    stored, not even the good rows of ben, cy and dee (a first import that was fine stays as it was)."""
    first = [
        ("7/14/2026 8:00:00", "ben@example.com", "Orders", "Agree", "", "", ""),
        ("7/14/2026 8:10:00", "cy@example.com", "Orders", "Agree", "", "", ""),
    ]
    run(engine, write_csv(tmp_path / "first.csv", google(first)))
    before = stored(engine)
    rows = [
        ("7/14/2026 9:00:00", "ana@example.com", earlier[0], earlier[1], "", "", ""),
        *first,
        ("7/14/2026 9:30:00", "dee@example.com", "Orders", "Disagree", "", "", ""),
        ("7/14/2026 10:00:00", "ana@example.com", "Orders", "Strongly agree", "", "", ""),
    ]
    with pytest.raises(SurveyImportError) as refused:
        run(engine, write_csv(tmp_path / "second.csv", google(rows)))
    assert (refused.value.row, refused.value.column) == (2, column)
    assert message in str(refused.value)
    assert stored(engine) == before


# ==================================================================================================
# 5. Team mapping through the ownership map of the store (SPEC §4 catalog owners, teams: overrides)
#    × survey_names × min_group_size with differencing, through `doraspace survey import` / `scores`
# ==================================================================================================

DEFINITION_YAML = f"""
survey: devex
scales:
  agree5: {AGREE5}
missing: ["I don't know", "N/A", "Not applicable", ""]
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{TOOLS}", dimension: satisfaction, scale: agree5}}
"""


def catalog_store(folder: Path) -> None:
    """A store as a sync leaves it: four repositories and their catalog components."""
    engine = open_store(f"duckdb:///{folder}/org.duckdb")
    synced = datetime(2026, 7, 1, tzinfo=UTC).replace(tzinfo=None)
    components = [
        # (repo, component, owner as normalised at collection)
        ("acme/checkout", "checkout", "Orders"),  # a config team, spelled otherwise by the catalog
        ("acme/search", "search", "search-team"),  # a team only the catalog knows
        ("acme/search-legacy", "search-legacy", "legacy-team"),  # overridden by teams: (platform)
        ("acme/ledger", "ledger", None),  # owned by nobody: unowned
    ]
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(schema.repositories),
                [
                    {
                        "full_name": repo,
                        "default_branch": "main",
                        "discovered_from": "config",
                        "synced_at": synced,
                    }
                    for repo, _, _ in components
                ],
            )
            conn.execute(
                insert(schema.catalog_components),
                [
                    {"file_repo": repo, "position": 0, "name": name, "owner": owner, "repo": repo}
                    for repo, name, owner in components
                ],
            )
    finally:
        engine.dispose()


def test_catalog_teams_answer_the_survey_by_their_ownership_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Config: teams orders (headcount 4, survey name "Order team", no repository) and platform (no
    headcount, repository acme/search-legacy); min_group_size 3. The store's catalog says acme/checkout
    is owned by "Orders", acme/search by search-team, acme/search-legacy by legacy-team, acme/ledger by
    nobody.

    SPEC §4: teams: overrides the catalog for the repos it names (acme/search-legacy → platform, so
    legacy-team owns nothing and is no team of the map); the catalog's "Orders" is the config's orders
    (docs: Backstage refs ignore case). SPEC §7.1: the team answer is matched case-insensitively to a
    team name of the ownership map or one of its survey_names.

    Long export, tools only: orders o1–o4 ("ORDERS", "Order team", "orders", " order TEAM ") 4, 4, 5, 3;
    search-team s1–s5 ("Search-Team", "SEARCH-TEAM", "search-team" …) 2, 2, 3, 1, 4; platform p1, p2
    ("Platform") 5, 5. Stored teams: orders 4, search-team 5, platform 2.
    Anonymity: platform 2 < 3 hidden; "*" 11 shown; hidden 2 < 3 → the smallest shown team, orders (4),
    hidden too (hidden 6). Shown: "*", search-team.
    search-team: 12/5 = 2.4 → 1.4/4 × 100 = 35; favourable 1/5; 5; rate null (no headcount).
    "*": 16 + 12 + 10 = 38 over 11 → (27/11)/4 × 100 = 675/11 ≈ 61.36; favourable 4, 4, 5, 4, 5, 5 →
    6/11; 11; rate null (search-team and platform answered without a headcount; docs/metrics.md: null
    where a headcount is missing).
    A later file answering "legacy-team" is refused (exit 2) naming its row, and changes nothing.
    """
    monkeypatch.setenv("ROUND6_SECRET", SECRET)
    catalog_store(tmp_path)
    config = tmp_path / "doraspace.yaml"
    config.write_text(f"""
database:
  url: duckdb:///{tmp_path}/org.duckdb
teams:
  - {{name: orders, headcount: 4, survey_names: [Order team]}}
  - {{name: platform, repositories: [acme/search-legacy]}}
surveys:
  min_group_size: 3
  respondent_secret: ${{ROUND6_SECRET}}
""")
    definition = tmp_path / "devex.yaml"
    definition.write_text(DEFINITION_YAML)
    answers = [
        ("o1", "ORDERS", "Agree"),
        ("o2", "Order team", "Agree"),
        ("o3", "orders", "Strongly agree"),
        ("o4", " order TEAM ", "Neither agree nor disagree"),
        ("s1", "Search-Team", "Disagree"),
        ("s2", "SEARCH-TEAM", "Disagree"),
        ("s3", "search-team", "Neither agree nor disagree"),
        ("s4", "Search-team", "Strongly disagree"),
        ("s5", "search-TEAM", "Agree"),
        ("p1", "Platform", "Strongly agree"),
        ("p2", "PLATFORM", "Strongly agree"),
    ]
    header = ["respondent_id", "team", "submitted_at", "item_id", "answer"]
    good = write_csv(
        tmp_path / "q3.csv",
        [header, *([who, team, "", "sat_tools", answer] for who, team, answer in answers)],
    )

    def survey(*args: str) -> int:
        return main(["survey", *args[:1], "--config", str(config), *args[1:]])

    assert survey("import", str(good), "--definition", str(definition), "--quarter", Q3) == 0
    engine = open_store(f"duckdb:///{tmp_path}/org.duckdb")
    try:
        teams = [team for team, _ in responses(engine).values()]
        before = stored(engine)
    finally:
        engine.dispose()
    assert {team: teams.count(team) for team in teams} == {"orders": 4, "search-team": 5, "platform": 2}
    capsys.readouterr()
    assert survey("scores", "--format", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(row["team"], row["dimension"]) for row in rows] == [
        ("*", "satisfaction"),
        ("search-team", "satisfaction"),
    ]
    whole, search = rows
    assert (whole["score"], whole["favourable"], whole["respondents"], whole["response_rate"]) == (
        pytest.approx(675 / 11, rel=1e-12),
        pytest.approx(6 / 11, rel=1e-12),
        11,
        None,
    )
    assert (search["score"], search["favourable"], search["respondents"], search["response_rate"]) == (
        pytest.approx(35.0, rel=1e-12),
        pytest.approx(1 / 5, rel=1e-12),
        5,
        None,
    )

    legacy = write_csv(tmp_path / "legacy.csv", [header, ["l1", "legacy-team", "", "sat_tools", "Agree"]])
    assert survey("import", str(legacy), "--definition", str(definition), "--quarter", Q3) == 2
    error = capsys.readouterr().err
    assert "row 2" in error and "unknown team 'legacy-team'" in error
    engine = open_store(f"duckdb:///{tmp_path}/org.duckdb")
    try:
        assert stored(engine) == before
    finally:
        engine.dispose()


# ==================================================================================================
# 6. One form reused across quarters: its download holds every response since it opened (two quarters
#    in one file) × the same export imported for two quarters × a later export of the quarter ×
#    Typeform partials × reverse item × change by the standard error
# ==================================================================================================


def submitted(kind: str, date: str) -> str:
    return date if kind == "completed" else ""


def typeform(rows: Sequence[tuple[str, str, str, str, str]]) -> list[list[str]]:
    """A Typeform download; ``rows``: (token, response type, submit date, tools, burnout)."""
    header = [
        "#",
        TEAM,
        TOOLS,
        BURNOUT,
        INTERRUPT,
        HELP,
        "Response Type",
        "Start Date (UTC)",
        "Stage Date (UTC)",
    ]
    header += ["Submit Date (UTC)", "Network ID", "Tags"]
    return [
        header,
        *(
            [token, "Orders", tools, burnout, "", "", kind, date, date, submitted(kind, date), "ab12cd", ""]
            for token, kind, date, tools, burnout in rows
        ),
    ]


JUNE = [
    ("t1", "completed", "2026-06-10 09:00:00", "2", "Agree"),
    ("t2", "completed", "2026-06-11 09:00:00", "Disagree", "4"),
    ("t3", "completed", "2026-06-12 09:00:00", "3", "3"),
    ("t4", "completed", "2026-06-13 09:00:00", "Strongly disagree", "Strongly agree"),
    ("t5", "partial", "2026-06-14 09:00:00", "Strongly agree", ""),
]
SEPTEMBER = [
    *JUNE[:4],
    ("t5", "partial", "2026-06-14 09:00:00", "Strongly agree", ""),
    ("t6", "completed", "2026-07-20 09:00:00", "Strongly agree", "Strongly disagree"),
    ("t7", "completed", "2026-08-20 09:00:00", "5", "Disagree"),
    ("t8", "completed", "2026-09-20 09:00:00", "Agree", "1"),
]


def test_a_form_reused_across_quarters_is_scored_in_the_quarter_it_was_imported_for(
    tmp_path: Path, engine: Engine
) -> None:
    """Team orders (headcount 8); min_group_size 3; Typeform (respondent = the # token), tools and
    burnout (reverse) answered, t5 a partial response (never counted, SPEC §7.2).

    SPEC §2/§7 name the quarter on the command line (``--quarter``) and say nothing of filtering rows
    by their date; docs/surveys.md: "import the export once per quarter". So the June download is
    imported for 2026-Q2, and the September download — the same form, still holding the June rows
    t1–t4 — for 2026-Q3: the June rows count in 2026-Q3 as well (the product's reading; see the report).
    The June download imported for 2026-Q3 first (by mistake) is replaced in 2026-Q3 by the later
    export of the same form and leaves 2026-Q2 alone.

    Own dimension scores (mean of 0–100 answers; burnout reversed 6 − x):
      t1 tools 2 → 25, burnout 4 → 2 → 25: 25     t2 2, 4 → 2: 25     t3 3, 3: 50     t4 1, 5 → 1: 0
      t6 5, 1 → 5: 100     t7 5, 2 → 4: (100 + 75)/2 = 87.5     t8 4, 1 → 5: (75 + 100)/2 = 87.5
    2026-Q2 (t1–t4): tools 8/4 = 2 → 25; burnout 2 → 25; score 25; favourable 0/8; 4; rate 4/8.
    2026-Q3 (t1–t4, t6–t8): tools 22/7 → (15/7)/4 × 100 = 375/7; burnout 2, 2, 3, 1, 5, 4, 5 = 22/7 →
      375/7; score 375/7 ≈ 53.571; favourable tools 5, 5, 4 and burnout 5, 4, 5 → 6/14 = 3/7; 7; rate 7/8.
    Change: moved 375/7 − 25 = 200/7 ≈ 28.57 ≥ 5. SE₂: own 25, 25, 50, 0, mean 25, squared deviations
      0 + 0 + 625 + 625 = 1250, variance 1250/3, SE₂² = 1250/12 = 104.17. SE₃: mean 375/7, squared
      deviations Σx² − 7·mean² = (625·2 + 2500 + 0 + 10000 + 7656.25·2) − 140625/7 = 29062.5 − 20089.29
      = 8973.21, variance /6 = 1495.54, SE₃² = 1495.54/7 = 213.65. 1.96 × √(104.17 + 213.65) = 1.96 ×
      17.827 = 34.94 > 28.57: "stable" (for the team and for "*", the same people).
    """
    june = write_csv(tmp_path / "june.csv", typeform(JUNE))
    september = write_csv(tmp_path / "september.csv", typeform(SEPTEMBER))
    run(engine, june, quarter=Q2)
    mistaken = run(engine, june, quarter=Q3)
    assert (mistaken.responses, mistaken.new_responses, mistaken.skipped) == (4, 4, 1)
    later = run(engine, september, quarter=Q3)
    # t1–t4 are known in 2026-Q3 (the same tokens): 3 new; the partial t5 skipped again.
    assert (later.responses, later.new_responses, later.skipped) == (7, 3, 1)
    kept = responses(engine)
    assert sorted(quarter for quarter, _ in kept) == [Q2] * 4 + [Q3] * 7
    assert kept[(Q2, pseudonym(SECRET, "t1"))] == ("orders", datetime(2026, 6, 10, 9, 0))

    got = scores(engine, minimum=3, teams={"orders": 8})
    assert sorted(got) == [
        ("*", Q2, "satisfaction"),
        ("*", Q3, "satisfaction"),
        ("orders", Q2, "satisfaction"),
        ("orders", Q3, "satisfaction"),
    ]
    for team in ("*", "orders"):
        assert figures(got[(team, Q2, "satisfaction")]) == expect(25.0, 0.0, 4, 4 / 8, None)
        assert figures(got[(team, Q3, "satisfaction")]) == expect(375 / 7, 3 / 7, 7, 7 / 8, "stable")


# ==================================================================================================
# 7. Two imports of one quarter × a scale or direction changed in between (docs: "within one quarter a
#    second import must use the same wording, scale and direction, or it is refused")
# ==================================================================================================


@pytest.mark.parametrize(
    ("old", "new", "changed"),
    [
        (
            'eff_interrupt, text: "{INTERRUPT}", dimension: efficiency, scale: freq4, reverse: true',
            'eff_interrupt, text: "{INTERRUPT}", dimension: efficiency, scale: freq4',
            "reverse",
        ),
        (
            'eff_interrupt, text: "{INTERRUPT}", dimension: efficiency, scale: freq4, reverse: true',
            'eff_interrupt, text: "{INTERRUPT}", dimension: efficiency, scale: freq5, reverse: true',
            "points",
        ),
        (
            'eff_interrupt, text: "{INTERRUPT}", dimension: efficiency, scale: freq4, reverse: true',
            'eff_interrupt, text: "{INTERRUPT}", dimension: satisfaction, scale: freq4, reverse: true',
            "dimension",
        ),
    ],
    ids=["direction", "scale", "dimension"],
)
def test_a_second_import_of_a_quarter_with_another_scale_or_direction_is_refused(
    tmp_path: Path, engine: Engine, old: str, new: str, changed: str
) -> None:
    """The first long import of 2026-Q3 asks "How often are you interrupted…" on freq4, reverse, in
    efficiency; r1–r3 answer Always, Never, Sometimes (reversed 1, 4, 3). A later long export of the
    same quarter under a definition that asks the same wording another way (not reverse, on a
    five-point scale, or in another dimension) is refused whole: the stored answers would otherwise be
    scored under two meanings. Nothing changes; the score stays (1 + 4 + 3)/3 = 8/3 → (5/3)/3 × 100 =
    500/9, favourable 2/3, 3 people (min_group_size 3, "*" = orders)."""
    freq5 = "{points: 5, labels: [Never, Rarely, Sometimes, Very often, Always], favourable: [4, 5]}"

    def definition(line: str) -> SurveyDefinition:
        return parse_definition(f"""
survey: devex
scales: {{agree5: {AGREE5}, freq4: {FREQ4}, freq5: {freq5}}}
missing: ["I don't know", ""]
team_question: "{TEAM}"
items:
  - {{id: {line.format(INTERRUPT=INTERRUPT)}}}
""")

    header = ["respondent_id", "team", "submitted_at", "item_id", "answer"]
    first = [["r1", "Orders", "", "eff_interrupt", "Always"], ["r2", "Orders", "", "eff_interrupt", "Never"]]
    first.append(["r3", "Orders", "", "eff_interrupt", "Sometimes"])
    run(engine, write_csv(tmp_path / "first.csv", [header, *first]), survey=definition(old))
    before = stored(engine)
    later = [*first, ["r4", "Orders", "", "eff_interrupt", "Never"]]
    with pytest.raises(SurveyImportError, match=f"item 'eff_interrupt' .* with a different {changed}"):
        run(engine, write_csv(tmp_path / "later.csv", [header, *later]), survey=definition(new))
    assert stored(engine) == before
    got = scores(engine, minimum=3, teams={"orders": 6})
    assert figures(got[("orders", Q3, "efficiency")]) == expect(500 / 9, 2 / 3, 3, 3 / 6, None)
    assert figures(got[("*", Q3, "efficiency")]) == expect(500 / 9, 2 / 3, 3, 3 / 6, None)
