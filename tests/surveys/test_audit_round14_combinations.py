"""SPACE surveys where a text-entry team question meets two or more other rules, audit round 14 (SPEC §4,
§7.1–§7.5; docs/surveys.md, docs/metrics.md "SPACE scores").

Every scenario goes through the real CLI in-process: ``doraspace survey import FILE --definition DEF
--quarter Q --config C`` (the format told from the header), then ``doraspace survey scores --format
json``. In every export the respondents *type* their team (Google Forms short answer, Microsoft Forms
text, Typeform short text, Qualtrics ``Q1`` with import id ``QID1_TEXT``), often through a
``survey_names:`` alias written in another letter case or spacing. Each meets rules earlier rounds kept
apart:

1. Google Forms without ``Email Address`` (the respondent is the row timestamp) where three rows share
   one second, a grid, labels and numbers in odd case and spacing, the same file imported twice, a later
   export of the form, the first file imported once more, and per-dimension differencing;
2. quarter over quarter from a Typeform export (partial responses) to a Qualtrics export (unfinished,
   preview and test rows) at ``min_group_size`` 3: a satisfaction move *exactly* at 1.96 × √(SE₁² + SE₂²)
   (a 7-point scale), an efficiency move of *exactly* 5 points with both standard errors 0 (a reverse
   6-point item beside a 5-point one), a reworded communication item (change null);
3. the same e-mails answering a Microsoft Forms workbook in one quarter and Google Forms in the next:
   rising, stable (≥ 5 points but within 1.96 SE) and falling worked out from the respondents' own
   scores (sample standard deviation), next to teams whose previous quarter was suppressed or hidden by
   differencing (change null);
4. Qualtrics choice text: an e-mail's later finished response moving it to another team, its even later
   unfinished attempt, preview and test rows with an unknown team, a reverse matrix statement, missing
   labels, and differencing cascading from the quarter (one team) to a dimension (a second team);
5. a Microsoft Forms "Open in Excel" workbook of an anonymous form: answers as whole numbers, floats,
   ``"4.0"``, labels in odd case, missing labels in odd case; ``min_group_size`` 4 hiding one dimension;
   headcounts on some teams only (the organisation divides by the sum of all headcounts, a team that did
   not answer included);
6. Typeform exports of one quarter before and after partial responses completed, beside a Google Forms
   export of the same survey (a second channel), each re-imported: quarter-level differencing;
7. one e-mail answering a Google Forms export and, later, a Microsoft Forms export of the same survey
   and quarter on another team; the older file imported again keeps the later submission.

Every expected number is worked out by hand in the test's docstring and comments from SPEC §7.4:
``score`` = mean over the dimension's items of ``(item mean − 1) / (points − 1) × 100`` (on the 5-point
agreement scale 1 → 0, 2 → 25, 3 → 50, 4 → 75, 5 → 100); a reverse item scores ``points + 1 − x`` and is
favourable when that reversed point is; ``favourable`` = favourable ÷ valid answers; ``respondents`` =
people with a valid answer on the dimension; ``response_rate`` = the team-quarter's respondents ÷
headcount, ``"*"`` ÷ the sum of all headcounts; change: rising/falling when the score moved at least 5
points *and more than* 1.96 × √(SE₁² + SE₂²), SE the sample standard deviation of the respondents' own
0–100 dimension scores ÷ √n, else stable; null unless both quarters' rows are shown and the dimension's
wording is unchanged. Readings taken as earlier rounds and docs/metrics.md take them: a team-quarter's
respondents are the responses kept (people whose every answer was missing included); differencing applies
per dimension too; of equally small teams the first by name is hidden.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest

from doraspace.cli import main

SECRET_VARIABLE = "ROUND14_COMBINATIONS_SECRET"
Q2, Q3 = "2026-Q2", "2026-Q3"
SAT, COM, EFF = "satisfaction", "communication", "efficiency"
TEAM = "Which team are you on?"
TOOLS = "I am satisfied with the tools and processes I use to do my work"
BURNOUT = "I feel burned out from my work"
HELP = "It is easy to get help from other teams when my work depends on them"
HELP_REWORDED = "It is easy to get help from other teams"
FLOW = "I can get into a state of flow when I work"
FOCUS = "I have enough uninterrupted time to focus on my work"
BLOCKED = "How often are you blocked waiting on builds, tests, reviews or other people?"
GRID = "How much do you agree with each statement?"
MATRIX = "Please rate how much you agree with each statement about your work."
SD, D, N, A, SA = "Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"
AGREE5 = f"{{points: 5, labels: [{SD}, {D}, {N}, {A}, {SA}], favourable: [4, 5]}}"
SLIGHTLY_D, SLIGHTLY_A = "Somewhat disagree", "Somewhat agree"
AGREE7 = (
    f"{{points: 7, labels: [{SD}, {D}, {SLIGHTLY_D}, {N}, {SLIGHTLY_A}, {A}, {SA}], favourable: [5, 6, 7]}}"
)
FREQ6 = "{points: 6, labels: [Never, Rarely, Sometimes, Often, Very often, Always], favourable: [5, 6]}"
MISSING = 'missing: ["I don\'t know", "N/A", "Not applicable", ""]'

# tools (satisfaction), burnout (satisfaction, reverse), help (communication), all agree5.
DEVEX = f"""
survey: devex
scales:
  agree5: {AGREE5}
{MISSING}
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{BURNOUT}", dimension: satisfaction, scale: agree5, reverse: true}}
  - {{id: com_help, text: "{HELP}", dimension: communication, scale: agree5}}
"""
# tools (satisfaction) and help (communication) alone: one item per dimension, so that every
# respondent's own dimension score is their one answer mapped to 0–100.
PLAIN = f"""
survey: devex
scales:
  agree5: {AGREE5}
{MISSING}
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: com_help, text: "{HELP}", dimension: communication, scale: agree5}}
"""


def boundary_definition(help_text: str) -> str:
    """flow (satisfaction, agree7); focus (efficiency, agree5) and blocked (efficiency, freq6, reverse);
    help (communication, agree5), worded ``help_text``."""
    return f"""
survey: devex
scales:
  agree5: {AGREE5}
  agree7: {AGREE7}
  freq6: {FREQ6}
{MISSING}
team_question: "{TEAM}"
items:
  - {{id: sat_flow, text: "{FLOW}", dimension: satisfaction, scale: agree7}}
  - {{id: eff_focus, text: "{FOCUS}", dimension: efficiency, scale: agree5}}
  - {{id: eff_blocked, text: "{BLOCKED}", dimension: efficiency, scale: freq6, reverse: true}}
  - {{id: com_help, text: "{help_text}", dimension: communication, scale: agree5}}
"""


# ------------------------------------------------------------------------------------------ helpers


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def workbook(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


MS_META = ["ID", "Start time", "Completion time", "Email", "Name"]
TYPEFORM_META = ["Response Type", "Start Date (UTC)", "Stage Date (UTC)", "Submit Date (UTC)", "Network ID"]


def typeform(
    questions: Sequence[str], rows: Sequence[tuple[str, str, str, Sequence[str], str]]
) -> list[list[str]]:
    """Typeform: rows of (token, kind, day "2026-07-14", [team as typed, *answers], minute "08:01")."""
    out = [["#", TEAM, *questions, *TYPEFORM_META]]
    for token, kind, day, cells, minute in rows:
        submitted = f"{day} {minute}:30" if kind == "completed" else ""
        out.append([token, *cells, kind, f"{day} {minute}:00", "", submitted, f"net-{token}"])
    return out


QUALTRICS_META = [
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"UTC"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"UTC"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"UTC"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
]


def qualtrics(
    statements: Sequence[str], rows: Sequence[tuple[str, str, str, str, str, str, Sequence[str]]]
) -> list[list[str]]:
    """Qualtrics choice-text export: the team a text entry (``Q1``, ``QID1_TEXT``), then one matrix
    ``Q2_n`` holding ``statements``, then a free-text ``Q3_TEXT``. Rows of (response id, status,
    finished, recorded "2026-07-14 10:00:00", e-mail, team as typed, answers)."""
    columns = [
        *QUALTRICS_META,
        ("Q1", TEAM, '{"ImportId":"QID1_TEXT"}'),
        *(
            (f"Q2_{n}", f"{MATRIX} - {text}", f'{{"ImportId":"QID2_{n}"}}')
            for n, text in enumerate(statements, start=1)
        ),
        ("Q3_TEXT", "Is there anything else you would like to share?", '{"ImportId":"QID3_TEXT"}'),
    ]
    out = [[column[line] for column in columns] for line in range(3)]
    for response_id, status, finished, when, email, team, answers in rows:
        progress = "100" if finished in ("True", "1") else "40"
        meta = [when, when, status, "203.0.113.9", progress, finished, when, response_id, email]
        out.append([*meta, team, *answers, f"I am on {team}, ask {email or 'me'}"])
    return out


class Cli:
    """The real CLI in-process, with a config and definitions written as an operator would."""

    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.folder = folder
        self.capsys = capsys
        self.config = folder / "doraspace.yaml"
        self.database = folder / "store.duckdb"

    def configure(self, teams: str, minimum: int) -> None:
        self.config.write_text(
            f"database:\n  url: duckdb:///{self.database}\nteams:\n{teams}"
            f"surveys:\n  min_group_size: {minimum}\n  respondent_secret: ${{{SECRET_VARIABLE}}}\n",
            encoding="utf-8",
        )

    def definition(self, name: str, text: str) -> Path:
        path = self.folder / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    def survey_import(self, file: Path, definition: Path, quarter: str = Q3) -> tuple[int, str]:
        self.capsys.readouterr()
        arguments = ["survey", "import", "--config", str(self.config), str(file)]
        status = main([*arguments, "--definition", str(definition), "--quarter", quarter])
        return status, self.capsys.readouterr().err

    def imported(self, file: Path, definition: Path, quarter: str = Q3) -> str:
        """Imports, expects success, returns the summary line(s) on stderr."""
        status, err = self.survey_import(file, definition, quarter)
        assert status == 0, err
        assert "error" not in err, err
        return err

    def scores(self) -> list[dict[str, Any]]:
        self.capsys.readouterr()
        assert main(["survey", "scores", "--config", str(self.config), "--format", "json"]) == 0
        rows: list[dict[str, Any]] = json.loads(self.capsys.readouterr().out)
        return rows


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv(SECRET_VARIABLE, "round14-combinations-secret")
    return Cli(tmp_path, capsys)


def row(
    team: str,
    quarter: str,
    dimension: str,
    score: float,
    favourable: float,
    respondents: int,
    rate: float | None,
    change: str | None = None,
) -> dict[str, Any]:
    return {
        "team": team,
        "quarter": quarter,
        "dimension": dimension,
        "score": pytest.approx(score, rel=1e-12),
        "favourable": pytest.approx(favourable, rel=1e-12),
        "respondents": respondents,
        "response_rate": None if rate is None else pytest.approx(rate, rel=1e-12),
        "change": change,
    }


def summary(respondents: int, new: int) -> str:
    return f"{respondents} respondents ({new} new)"


# ==================================================================================================
# 1. Google Forms without e-mails: three responses in one second × a grid × typed aliases × labels and
#    numbers × the same file twice × a later export × the first file again × per-dimension differencing
# ==================================================================================================


def google_grid(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """Google Forms without collected e-mails: Timestamp, the team as typed, a grid of three rows."""
    header = ["Timestamp", TEAM, f"{GRID} [{TOOLS}]", f"{GRID} [{BURNOUT}]", f"{GRID} [{HELP}]"]
    return [header, *map(list, rows)]


def test_google_rows_sharing_a_second_stay_three_people_across_reimports_and_a_later_export(cli: Cli) -> None:
    """min_group_size 3; orders (headcount 6, survey_names "Order Squad"), payments (headcount 4).

    SPEC §7.3: without an e-mail the Google Forms identifier is the row timestamp; docs/surveys.md: "two
    responses in the same second are told apart by their order (#2)". Monday's export has three rows at
    14/07/2026 10:00:00 (two on orders, one on payments): three respondents, not one resubmitting twice.
    Monday imported twice: 5 respondents (5 new), then (0 new). Friday's export (Monday's rows in the same
    order and two more at 17/07/2026 09:00:00) brings 2 new: 7 respondents. Monday's file imported once
    more adds nothing and changes nothing (its rows are Friday's, at the same times).

    Answers (tools, burnout reverse → 6 − x, help), the team as typed:
      r1 10:00:00 "order squad"   A 4 | D 2 → 4 | A 4
      r2 10:00:00 "PAYMENTS"      D 2 | A 4 → 2 | "N/A"
      r3 10:00:00 "ORDER  SQUAD"  "5" | "1" → 5 | " strongly   AGREE " 5
      r4 10:05:00 "Orders"        N 3 | N 3 → 3 | D 2
      r5 10:06:00 "payments "     SD 1 | SA 5 → 1 | D 2
      r6 (Fri) "Payments"         A 4 | D 2 → 4 | A 4
      r7 (Fri) "order squad"      "4" | " disagree" 2 → 4 | "Agree" 4
    orders {r1, r3, r4, r7} = 4, payments {r2, r5, r6} = 3: both ≥ 3; "*" 7; no team hidden.
    Communication: payments r5, r6 = 2 < 3 (r2 "N/A"): hidden; "*" has 6 ≥ 3 and is shown, and the hidden
    hold 2 < 3, so the smallest shown team on it, orders (4), is hidden too (hidden 6 ≥ 3).
    """
    cli.configure(
        '  - {name: orders, headcount: 6, survey_names: ["Order Squad"]}\n'
        "  - {name: payments, headcount: 4}\n",
        minimum=3,
    )
    devex = cli.definition("devex", DEVEX)
    monday = [
        ("14/07/2026 10:00:00", "order squad", A, D, A),
        ("14/07/2026 10:00:00", "PAYMENTS", D, A, "N/A"),
        ("14/07/2026 10:00:00", "ORDER  SQUAD", "5", "1", " strongly   AGREE "),
        ("14/07/2026 10:05:00", "Orders", N, N, D),
        ("14/07/2026 10:06:00", "payments ", SD, SA, D),
    ]
    friday = [
        *monday,
        ("17/07/2026 09:00:00", "Payments", A, D, A),
        ("17/07/2026 09:00:00", "order squad", "4", " disagree", "Agree"),
    ]
    monday_file = write_csv(cli.folder / "monday.csv", google_grid(monday))
    friday_file = write_csv(cli.folder / "friday.csv", google_grid(friday))

    assert summary(5, 5) in cli.imported(monday_file, devex)
    assert summary(5, 0) in cli.imported(monday_file, devex)
    assert summary(7, 2) in cli.imported(friday_file, devex)
    expected = [
        # "*" communication: 4, 5, 2, 4 (orders) + 2, 4 (payments) = 21/6 = 3.5 → 62.5; favourable 4, 5,
        # 4, 4 = 4 of 6; 6 respondents; rate 7 ÷ (6 + 4) = 7/10.
        row("*", Q3, COM, 62.5, 4 / 6, 6, 7 / 10),
        # "*" satisfaction: tools 4, 5, 3, 4, 2, 1, 4 = 23/7 → (16/7)/4 × 100 = 400/7; burnout reversed
        # 4, 5, 3, 4, 2, 1, 4 = 23/7 → 400/7; score 400/7. Favourable tools 4, 5, 4, 4 (4) + burnout
        # 4, 5, 4, 4 (4) = 8 of 14; 7 respondents; rate 7/10.
        row("*", Q3, SAT, 400 / 7, 8 / 14, 7, 7 / 10),
        # orders satisfaction: tools 4, 5, 3, 4 = 16/4 = 4 → 75; burnout reversed 4, 5, 3, 4 → 75; score
        # 75; favourable 3 + 3 = 6 of 8; 4 respondents; rate 4/6.
        row("orders", Q3, SAT, 75.0, 6 / 8, 4, 4 / 6),
        # payments satisfaction: tools 2, 1, 4 = 7/3 → (4/3)/4 × 100 = 100/3; burnout reversed 2, 1, 4 →
        # 100/3; score 100/3; favourable 1 + 1 = 2 of 6; 3 respondents; rate 3/4.
        row("payments", Q3, SAT, 100 / 3, 2 / 6, 3, 3 / 4),
    ]
    assert cli.scores() == expected
    assert summary(5, 0) in cli.imported(monday_file, devex)
    assert cli.scores() == expected


# ==================================================================================================
# 2. Quarter over quarter, Typeform (partials) → Qualtrics (unfinished, preview, test) at min_group_size 3:
#    a move exactly at 1.96 × √(SE₁² + SE₂²), a move of exactly 5 points with SE 0, a reworded item
# ==================================================================================================

# 2026-Q2, Typeform: eight completed responses of orders and one partial (not counted).
# Per respondent: flow (agree7, as the opinion-scale number), focus, blocked, help.
BOUNDARY_Q2_FLOW = ["1", "1", "1", "1", "1", "5", "5", "6"]
# 2026-Q3, Qualtrics: three finished responses of orders; flow 4, 4, 6 as labels.
BOUNDARY_Q3_FLOW = [N, "neither  AGREE nor disagree", A]


def boundary_quarters(cli: Cli) -> list[dict[str, Any]]:
    cli.configure(
        '  - {name: orders, headcount: 8, survey_names: ["Order Squad"]}\n'
        "  - {name: payments, headcount: 2}\n",
        minimum=3,
    )
    typed = [
        "Order Squad",
        "ORDER SQUAD",
        "order squad",
        "Orders",
        "orders",
        " ORDERS",
        "Order  Squad",
        "oRDERS",
    ]
    q2_rows = [
        (f"tok{n}", "completed", "2026-04-14", [typed[n], flow, D, "Never", D], f"08:{n:02d}")
        for n, flow in enumerate(BOUNDARY_Q2_FLOW)
    ]
    q2_rows.append(("tok9", "partial", "2026-04-14", ["Orders", "7", SA, "Always", SA], "09:00"))
    q2 = write_csv(cli.folder / "q2-typeform.csv", typeform([FLOW, FOCUS, BLOCKED, HELP], q2_rows))
    assert summary(8, 8) in cli.imported(q2, cli.definition("q2", boundary_definition(HELP)), Q2)

    statements = [FLOW, FOCUS, BLOCKED, HELP_REWORDED]

    def kept(rid: str, status: str, minute: int, team: str, answers: list[str]) -> Any:
        return (rid, status, "True", f"2026-07-14 10:0{minute}:00", "", team, answers)

    q3_rows = [
        kept("R_a", "IP Address", 0, "order squad", [BOUNDARY_Q3_FLOW[0], A, "Sometimes", SA]),
        kept("R_b", "Imported", 1, "ORDERS", [BOUNDARY_Q3_FLOW[1], "agree", "sometimes", SA]),
        kept("R_c", "IP Address", 2, "Order Squad ", [BOUNDARY_Q3_FLOW[2], A, "SOMETIMES", SA]),
        # Not counted (SPEC §7.2: Finished = 1 and Status 0 or 4): unfinished, preview, test.
        ("R_d", "IP Address", "False", "2026-07-14 10:03:00", "", "orders", [SD, SD, "Always", SD]),
        ("R_e", "Survey Preview", "True", "2026-07-14 10:04:00", "", "Test team", [SD, SD, "Always", SD]),
        ("R_f", "Survey Test", "True", "2026-07-14 10:05:00", "", "orders", [SD, SD, "Always", SD]),
    ]
    q3 = write_csv(cli.folder / "q3-qualtrics.csv", qualtrics(statements, q3_rows))
    assert summary(3, 3) in cli.imported(q3, cli.definition("q3", boundary_definition(HELP_REWORDED)), Q3)
    return cli.scores()


def test_quarter_over_quarter_boundaries_from_typeform_to_qualtrics_at_the_floor(cli: Cli) -> None:
    """min_group_size 3 (the floor); orders (headcount 8, survey_names "Order Squad"), payments
    (headcount 2, answers nothing). Only orders answers, so "*" shows orders' figures; rates differ:
    orders 8/8 and 3/8, "*" 8 ÷ (8 + 2) and 3/10.

    2026-Q2 (Typeform; the partial tok9 does not count): eight respondents.
    * satisfaction, flow on agree7 (favourable 5–7): 1, 1, 1, 1, 1, 5, 5, 6 = 21/8 → (13/8)/6 × 100 =
      325/12; favourable 5, 5, 6 = 3 of 8; 8 respondents.
    * efficiency: focus Disagree 2 → 25; blocked Never 1 on freq6, reversed 7 − 1 = 6 → (6 − 1)/5 × 100
      = 100; score (25 + 100)/2 = 62.5; favourable focus 0 + blocked 8 (6 ∈ {5, 6}) = 8 of 16.
    * communication: help Disagree → 25; favourable 0; 8.
    2026-Q3 (Qualtrics; R_d unfinished, R_e preview with an unknown team, R_f test: not counted): three
    respondents, exactly min_group_size, so shown.
    * satisfaction: flow 4, 4, 6 = 14/3 → (11/3)/6 × 100 = 550/9; favourable 6 alone = 1 of 3.
    * efficiency: focus Agree 4 → 75; blocked Sometimes 3, reversed 4 → (4 − 1)/5 × 100 = 60; score 67.5;
      favourable focus 3 + blocked 0 = 3 of 6. Every respondent's own score is 62.5 in Q2 and 67.5 in Q3:
      SE 0 on both sides; the score moved 67.5 − 62.5 = 5, "at least 5 points", and more than 0: rising.
    * communication: the help item is reworded in Q3: change null though it moved 25 → 100.
    The satisfaction change is asserted by the next test.
    """
    got = boundary_quarters(cli)
    for found in got:
        if found["dimension"] == SAT and found["quarter"] == Q3:
            found["change"] = "(next test)"
    sat_q3 = {**row("*", Q3, SAT, 550 / 9, 1 / 3, 3, 3 / 10), "change": "(next test)"}
    assert got == [
        row("*", Q2, COM, 25.0, 0.0, 8, 8 / 10),
        row("*", Q2, EFF, 62.5, 8 / 16, 8, 8 / 10),
        row("*", Q2, SAT, 325 / 12, 3 / 8, 8, 8 / 10),
        row("*", Q3, COM, 100.0, 1.0, 3, 3 / 10, None),
        row("*", Q3, EFF, 67.5, 3 / 6, 3, 3 / 10, "rising"),
        sat_q3,
        row("orders", Q2, COM, 25.0, 0.0, 8, 1.0),
        row("orders", Q2, EFF, 62.5, 8 / 16, 8, 1.0),
        row("orders", Q2, SAT, 325 / 12, 3 / 8, 8, 1.0),
        row("orders", Q3, COM, 100.0, 1.0, 3, 3 / 8, None),
        row("orders", Q3, EFF, 67.5, 3 / 6, 3, 3 / 8, "rising"),
        {**sat_q3, "team": "orders", "response_rate": pytest.approx(3 / 8, rel=1e-12)},
    ]


def test_a_move_exactly_at_the_standard_error_bound_is_stable(cli: Cli) -> None:
    """The satisfaction rows of the previous scenario. SPEC §7.4: rising "when the score moved at least 5
    points and more than 1.96 × √(SE₁² + SE₂²)".

    Own scores (flow alone, (x − 1)/6 × 100, in units of 100/6):
    * Q2: 0, 0, 0, 0, 0, 4, 4, 5 — mean 13/8; Σ(y − ȳ)² = Σy² − (Σy)²/8 = 57 − 169/8 = 287/8; sample
      variance (287/8)/7 = 41/8; SE² = (41/8)/8 = 41/64.
    * Q3: 3, 3, 5 — mean 11/3; Σ(y − ȳ)² = (−2/3)² + (−2/3)² + (4/3)² = 24/9 = 8/3; sample variance
      (8/3)/2 = 4/3; SE² = (4/3)/3 = 4/9.
    √(SE₁² + SE₂²) = √(41/64 + 4/9) = √((369 + 256)/576) = √(625/576) = 25/24, × 1.96 = 49/24.
    Moved: 11/3 − 13/8 = (88 − 39)/24 = 49/24 — exactly 1.96 × √(SE₁² + SE₂²), not more. In points:
    550/9 − 325/12 = 1225/36 ≈ 34.03 ≥ 5, and the bound 1.96 × 625/36 = 1225/36 as well. Not "more than"
    the bound: stable, for orders and for "*".
    (Until this round the product computed 34.027777777777786 against 34.02777777777778 and said
    "rising": it allowed for rounding at the 5-point rule, _POINTS_TOLERANCE, but not at this one.)
    """
    got = boundary_quarters(cli)
    changes = {
        (found["team"], found["quarter"]): found["change"] for found in got if found["dimension"] == SAT
    }
    assert changes == {("*", Q2): None, ("*", Q3): "stable", ("orders", Q2): None, ("orders", Q3): "stable"}


# ==================================================================================================
# 3. The same e-mails in two quarters (Microsoft Forms workbook → Google Forms) × change by the
#    respondents' own scores × a suppressed team and a team hidden by differencing in the earlier quarter
# ==================================================================================================


def test_same_emails_across_quarters_rising_stable_falling_and_null_after_differencing(cli: Cli) -> None:
    """min_group_size 3; orders (headcount 5, survey_names "Order Squad"), payments (5), search (3);
    definition: tools (satisfaction) and help (communication), one item each, so that each respondent's
    own dimension score is their answer on 0–100.

    2026-Q2, Microsoft Forms "Open in Excel" workbook with e-mails (tools, help):
      orders o1–o4: 2/2, 2/3, 3/3, 3/4; payments p1–p3: 3/5 each; search s1, s2: 1/5 each.
    search 2 < 3 is suppressed; "*" (9) is shown and the suppressed hold 2 < 3, so the smallest shown team,
    payments (3 < 4), is hidden too (hidden 5 ≥ 3). Shown: "*" and orders.
    2026-Q3, Google Forms with Email Address (the same people, some e-mails in other letter case, and s3):
      orders 4/3, 4/3, 5/4, 5/4; payments 4/1, 4/1, 4/2; search 5/2, 5/2, 5/1. Everyone shown.
    Changes in Q3 (SPEC §7.4; SE = sample sd of the own scores ÷ √n):
    * orders satisfaction: 37.5 → 87.5, moved 50. Q2 own 25, 25, 50, 50: Σ(x − 37.5)² = 4 × 156.25 =
      625, s² = 625/3, SE² = 625/12; Q3 own 75, 75, 100, 100: SE² = 625/12 too; 1.96 × √(625/6) =
      1.96 × 10.206… = 20.004… < 50: rising.
    * orders communication: 50 → 62.5, moved 12.5 ≥ 5. Q2 own 25, 50, 50, 75: Σ = 625 + 0 + 0 + 625 =
      1250, s² = 1250/3, SE² = 1250/12; Q3 own 50, 50, 75, 75: SE² = 625/12; √(1875/12) = √156.25 = 12.5,
      × 1.96 = 24.5 > 12.5: stable.
    * "*" satisfaction: 100/3 → 87.5, moved 54.17. Q2 own 25, 25, 50 × 5, 0, 0 (mean 100/3): Σ = 2 ×
      625/9 + 5 × 2500/9 + 2 × 10000/9 = 33750/9 = 3750, s² = 3750/8, SE² = 3750/72 = 625/12; Q3 own
      75 × 5, 100 × 5 (mean 87.5): Σ = 10 × 156.25 = 1562.5, s² = 1562.5/9, SE² = 625/36; √(625/12 +
      625/36) = √(625/9) = 25/3, × 1.96 = 16.33 < 54.17: rising.
    * "*" communication: 700/9 → 32.5, moved −45.28. Q2 own 25, 50, 50, 75, 100 × 5 (mean 700/9): Σ =
      (475/9)² + 2 × (250/9)² + (25/9)² + 5 × (200/9)² = (225625 + 125000 + 625 + 200000)/81 = 551250/81,
      s² = 551250/648, SE² = 551250/5832 = 30625/324; Q3 own 50, 50, 75, 75, 0, 0, 25, 25, 25, 0 (mean
      32.5): Σ = 2 × 306.25 + 2 × 1806.25 + 3 × 1056.25 + 3 × 56.25 = 7562.5, s² = 7562.5/9, SE² =
      756.25/9 = 3025/36; √(30625/324 + 3025/36) = √(57850/324) = 13.36…, × 1.96 = 26.19 < 45.28: falling.
    * payments (hidden by differencing in Q2) and search (suppressed in Q2): null.
    """
    cli.configure(
        '  - {name: orders, headcount: 5, survey_names: ["Order Squad"]}\n'
        "  - {name: payments, headcount: 5}\n  - {name: search, headcount: 3}\n",
        minimum=3,
    )
    plain = cli.definition("plain", PLAIN)
    people = [
        ("o1@corp.example", "order squad", 2, D, "O1@Corp.Example", "ORDER SQUAD", "4", "3"),
        ("o2@corp.example", "Orders", 2, N, "o2@corp.example", "orders", A, N),
        ("o3@corp.example", "ORDERS ", 3, N, "O3@CORP.EXAMPLE", "Order  Squad", SA, A),
        ("o4@corp.example", "Order Squad", 3.0, A, "o4@corp.example", "Orders", "strongly agree", "4"),
        ("p1@corp.example", "Payments", 3, SA, "p1@corp.example", "payments", A, SD),
        ("p2@corp.example", "payments", N, 5, "P2@corp.example", "PAYMENTS", A, SD),
        ("p3@corp.example", "PAYMENTS", N, SA, "p3@corp.example", "Payments ", A, D),
        ("s1@corp.example", "Search", SD, SA, "s1@corp.example", "search", SA, D),
        ("s2@corp.example", "search", 1, 5, "s2@corp.example", "SEARCH", SA, D),
        (None, "", 0, 0, "s3@corp.example", "Search", SA, SD),
    ]
    q2_rows: list[list[object]] = [[*MS_META, TEAM, TOOLS, HELP]]
    for number, (email, team, tools, help_, *_) in enumerate(people, start=1):
        if email is not None:
            when = datetime(2026, 5, 12, 9, number)
            q2_rows.append([number, when, when, email, "Someone", team, tools, help_])
    q2 = workbook(cli.folder / "q2-forms.xlsx", q2_rows)
    assert summary(9, 9) in cli.imported(q2, plain, Q2)
    q3_rows = [["Timestamp", "Email Address", TEAM, TOOLS, HELP]]
    for number, (*_, email, team, tools, help_) in enumerate(people):
        q3_rows.append([f"8/{number + 3}/2026 10:00:00", str(email), str(team), str(tools), str(help_)])
    q3 = write_csv(cli.folder / "q3-google.csv", q3_rows)
    assert summary(10, 10) in cli.imported(q3, plain, Q3)

    assert cli.scores() == [
        # "*" Q2: help 2, 3, 3, 4, 5, 5, 5, 5, 5 = 37/9 → (28/9)/4 × 100 = 700/9; favourable 4, 5 × 5 = 6
        # of 9; tools 2, 2, 3, 3, 3, 3, 3, 1, 1 = 21/9 = 7/3 → (4/3)/4 × 100 = 100/3; favourable 0.
        # 9 respondents; rate 9 ÷ (5 + 5 + 3) = 9/13.
        row("*", Q2, COM, 700 / 9, 6 / 9, 9, 9 / 13),
        row("*", Q2, SAT, 100 / 3, 0.0, 9, 9 / 13),
        # "*" Q3: help 3, 3, 4, 4, 1, 1, 2, 2, 2, 1 = 23/10 → (1.3)/4 × 100 = 32.5; favourable 4, 4 = 2 of
        # 10; tools 4, 4, 5, 5, 4, 4, 4, 5, 5, 5 = 4.5 → 87.5; favourable 10/10. Rate 10/13.
        row("*", Q3, COM, 32.5, 2 / 10, 10, 10 / 13, "falling"),
        row("*", Q3, SAT, 87.5, 1.0, 10, 10 / 13, "rising"),
        # orders Q2: help 2, 3, 3, 4 = 3 → 50, favourable 1/4; tools 2, 2, 3, 3 = 2.5 → 37.5, favourable
        # 0; 4 respondents; rate 4/5.
        row("orders", Q2, COM, 50.0, 1 / 4, 4, 4 / 5),
        row("orders", Q2, SAT, 37.5, 0.0, 4, 4 / 5),
        # orders Q3: help 3, 3, 4, 4 = 3.5 → 62.5, favourable 2/4; tools 4, 4, 5, 5 = 4.5 → 87.5, 4/4.
        row("orders", Q3, COM, 62.5, 2 / 4, 4, 4 / 5, "stable"),
        row("orders", Q3, SAT, 87.5, 1.0, 4, 4 / 5, "rising"),
        # payments Q3: help 1, 1, 2 = 4/3 → (1/3)/4 × 100 = 25/3, favourable 0; tools 4, 4, 4 → 75, 3/3;
        # 3 respondents; rate 3/5.
        row("payments", Q3, COM, 25 / 3, 0.0, 3, 3 / 5),
        row("payments", Q3, SAT, 75.0, 1.0, 3, 3 / 5),
        # search Q3: help 2, 2, 1 = 5/3 → (2/3)/4 × 100 = 50/3, favourable 0; tools 5, 5, 5 → 100, 3/3;
        # rate 3/3.
        row("search", Q3, COM, 50 / 3, 0.0, 3, 1.0),
        row("search", Q3, SAT, 100.0, 1.0, 3, 1.0),
    ]


# ==================================================================================================
# 4. Qualtrics: a later finished response of an e-mail moving it to another team × its later unfinished
#    attempt × preview/test rows with an unknown team × reverse × missing × differencing cascading from
#    the quarter to a dimension
# ==================================================================================================


def test_qualtrics_email_resubmission_and_skipped_rows_with_differencing_cascading_to_a_dimension(
    cli: Cli,
) -> None:
    """min_group_size 3; orders (headcount 6), payments (5, survey_names "Pay Team"), search (4),
    platform (4); 6 + 5 + 4 + 4 = 19.

    ana@ answered on orders (7/14, finished), again on payments (7/15, finished: SPEC §7.3 her e-mail is
    her identity, docs/surveys.md the later submission counts), and once more on platform (7/16) without
    finishing (SPEC §7.2 keep Finished = 1: not counted, not even as her latest). A preview row typed
    "QA team" and a test row are skipped unread. Kept: orders o1–o4 (4), payments p1–p3 + ana (4), search
    s1–s3 (3), platform t1, t2 (2): 13.

    Quarter: platform 2 < 3 suppressed; "*" 13 shown; hidden 2 < 3 → the smallest shown team, search (3),
    is hidden too (hidden 5 ≥ 3). Satisfaction: every kept respondent has a valid answer there; hidden 5 ≥
    3, nothing more. Communication (help): orders 4 (o1–o4), payments 3 (p1, p2, ana; p3 blank), search 1
    (s1), platform 1 (t1): the hidden hold 1 + 1 = 2 < 3 → the smallest shown team on it, payments (3 <
    4), loses its communication row (hidden 5 ≥ 3). Shown: "*" both, orders both, payments satisfaction.
    (Were ana's orders answers or her unfinished platform attempt counted, orders would have 5 and
    platform 3, and other teams would show.)
    """
    cli.configure(
        "  - {name: orders, headcount: 6}\n"
        '  - {name: payments, headcount: 5, survey_names: ["Pay Team"]}\n'
        "  - {name: search, headcount: 4}\n  - {name: platform, headcount: 4}\n",
        minimum=3,
    )
    devex = cli.definition("devex", DEVEX)
    ok, imported, unfinished = ("IP Address", "True"), ("Imported", "True"), ("IP Address", "False")
    # (response id, (status, finished), recorded, e-mail, team as typed, tools, burnout, help)
    rows = [
        ("R_o1", ok, "2026-07-14 10:00:00", "o1@corp.example", "Orders", A, D, A),
        ("R_ana1", ok, "2026-07-14 10:01:00", "ana@corp.example", "orders", SA, SD, SA),
        ("R_o2", imported, "2026-07-14 10:02:00", "", "ORDERS", SA, SD, "agree"),
        ("R_o3", ok, "2026-07-14 10:03:00", "o3@corp.example", " orders", N, "I don't know", SA),
        ("R_o4", ok, "2026-07-14 10:04:00", "o4@corp.example", "Orders", D, A, D),
        ("R_p1", ok, "2026-07-14 10:05:00", "p1@corp.example", "pay team", A, N, A),
        ("R_p2", ok, "2026-07-14 10:06:00", "p2@corp.example", "PAY  TEAM", A, D, A),
        ("R_p3", imported, "2026-07-14 10:07:00", "", "Payments", N, A, ""),
        ("R_ana2", ok, "2026-07-15 09:00:00", "ANA@corp.example", "Pay Team", SD, SA, D),
        ("R_s1", ok, "2026-07-14 10:08:00", "s1@corp.example", "Search", N, N, A),
        ("R_s2", ok, "2026-07-14 10:09:00", "s2@corp.example", "search", D, D, "N/A"),
        ("R_s3", ok, "2026-07-14 10:10:00", "s3@corp.example", "SEARCH", A, A, ""),
        ("R_t1", ok, "2026-07-14 10:11:00", "t1@corp.example", "Platform", SA, SD, SD),
        ("R_t2", ok, "2026-07-14 10:12:00", "t2@corp.example", "platform", SD, SA, "not applicable"),
        ("R_ana3", unfinished, "2026-07-16 09:00:00", "ana@corp.example", "Platform", SA, SD, SA),
        ("R_prev", ("Survey Preview", "True"), "2026-07-16 10:00:00", "", "QA team", SA, SD, SA),
        ("R_test", ("Survey Test", "True"), "2026-07-16 10:01:00", "", "platform", SA, SD, SA),
    ]
    export = qualtrics(
        [TOOLS, BURNOUT, HELP],
        [
            (rid, status, finished, when, email, team, answers)
            for rid, (status, finished), when, email, team, *answers in rows
        ],
    )
    err = cli.imported(write_csv(cli.folder / "qualtrics.csv", export), devex)
    assert "13 respondents (13 new)" in err and "3 unfinished responses skipped" in err
    assert cli.scores() == [
        # "*" communication: orders 4, 4, 5, 2 (15) + payments 4, 4, 2 (10) + search 4 + platform 1 = 30
        # over 9 → 10/3 → (7/3)/4 × 100 = 175/3; favourable 3 + 2 + 1 + 0 = 6 of 9; 9 respondents; rate
        # 13/19.
        row("*", Q3, COM, 175 / 3, 6 / 9, 9, 13 / 19),
        # "*" satisfaction: tools orders 4, 5, 3, 2 (14) + payments 4, 4, 3, 1 (12) + search 3, 2, 4 (9) +
        # platform 5, 1 (6) = 41 over 13 → (28/13)/4 × 100 = 700/13; burnout reversed orders 4, 5, 2 (11,
        # o3 missing) + payments 3, 4, 2, 1 (10) + search 3, 4, 2 (9) + platform 5, 1 (6) = 36 over 12 = 3
        # → 50; score (700/13 + 50)/2 = 675/13. Favourable tools 2 + 2 + 1 + 1 = 6, burnout 2 + 1 + 1 + 1
        # = 5: 11 of 25. 13 respondents; rate 13/19.
        row("*", Q3, SAT, 675 / 13, 11 / 25, 13, 13 / 19),
        # orders communication: 4, 4, 5, 2 = 15/4 → 68.75; favourable 3/4; 4; rate 4/6.
        row("orders", Q3, COM, 68.75, 3 / 4, 4, 4 / 6),
        # orders satisfaction: tools 4, 5, 3, 2 = 3.5 → 62.5; burnout reversed 4, 5, 2 = 11/3 → (8/3)/4 ×
        # 100 = 200/3; score (62.5 + 200/3)/2 = 775/12; favourable 2 + 2 = 4 of 7; 4; rate 4/6.
        row("orders", Q3, SAT, 775 / 12, 4 / 7, 4, 4 / 6),
        # payments satisfaction (p1, p2, p3, ana's later answers): tools 4, 4, 3, 1 = 3 → 50; burnout
        # reversed 3, 4, 2, 1 = 2.5 → 37.5; score 43.75; favourable 2 + 1 = 3 of 8; 4; rate 4/5.
        row("payments", Q3, SAT, 43.75, 3 / 8, 4, 4 / 5),
    ]


# ==================================================================================================
# 5. A Microsoft Forms workbook of an anonymous form × numbers as ints, floats and text × odd labels and
#    missing labels × min_group_size 4 hiding a dimension × headcounts on some teams only
# ==================================================================================================


def test_anonymous_workbook_numbers_and_labels_with_rates_over_every_headcount(cli: Cli) -> None:
    """min_group_size 4; orders (headcount 5, survey_names "Order Squad"), payments (4), search (7, answers
    nothing), platform (no headcount, answers nothing). The form is anonymous: every e-mail cell is
    "anonymous", the respondent is the response ID (SPEC §7.3).

    Cells as Excel stores them: whole numbers (4), floats (2.0, 3.0), text ("4.0", "1"), labels in odd
    case and spacing, missing labels in odd case (" n/a ", "I DON'T KNOW") and empty cells.
      1 "order squad"   4     | 2.0 → 4        | "Agree" 4
      2 "ORDER SQUAD"   "strongly  agree" 5 | "1" → 5 | 3
      3 "Orders"        " n/a "  | "Neither agree nor disagree" 3 | "4.0" 4
      4 "  orders"      2     | "AGREE" 4 → 2  | (empty)
      5 "Payments"      "Disagree" 2 | 4 → 2 | 2
      6 "PAYMENTS"      1     | "strongly agree" 5 → 1 | "Strongly disagree" 1
      7 "payments"      3.0   | "I DON'T KNOW" | "N/A"
      8 "Payments"      "Agree" 4 | "Disagree" 2 → 4 | 5
    orders 4, payments 4: both shown at 4. Communication: orders 1, 2, 3 = 3 < 4 and payments 5, 6, 8 = 3
    < 4, both hidden; "*" 6 ≥ 4 shown, the hidden hold 6 ≥ 4: no differencing.
    Rates: orders 4/5, payments 4/4; "*" 8 ÷ (5 + 4 + 7) = 8/16 — every headcount, search's included
    though it answered nothing; platform has none and no respondent, so it neither adds to the sum nor
    leaves a respondent uncounted.
    """
    cli.configure(
        '  - {name: orders, headcount: 5, survey_names: ["Order Squad"]}\n'
        "  - {name: payments, headcount: 4}\n  - {name: search, headcount: 7}\n  - {name: platform}\n",
        minimum=4,
    )
    cells: list[tuple[str, object, object, object]] = [
        ("order squad", 4, 2.0, "Agree"),
        ("ORDER SQUAD", "strongly  agree", "1", 3),
        ("Orders", " n/a ", N, "4.0"),
        ("  orders", 2, "AGREE", None),
        ("Payments", "Disagree", 4, 2),
        ("PAYMENTS", 1, "strongly agree", SD),
        ("payments", 3.0, "I DON'T KNOW", "N/A"),
        ("Payments", A, D, 5),
    ]
    rows: list[list[object]] = [[*MS_META, TEAM, TOOLS, BURNOUT, HELP]]
    for number, (team, tools, burnout, help_) in enumerate(cells, start=1):
        when = datetime(2026, 7, 14, 10, number)
        rows.append([number, when, when, "anonymous", None, team, tools, burnout, help_])
    file = workbook(cli.folder / "forms.xlsx", rows)
    assert summary(8, 8) in cli.imported(file, cli.definition("devex", DEVEX))
    assert cli.scores() == [
        # "*" communication: 4, 3, 4 (orders) + 2, 1, 5 (payments) = 19/6 → (13/6)/4 × 100 = 325/6;
        # favourable 4, 4, 5 = 3 of 6; 6 respondents; rate 8/16.
        row("*", Q3, COM, 325 / 6, 3 / 6, 6, 8 / 16),
        # "*" satisfaction: tools 4, 5, 2, 2, 1, 3, 4 = 21/7 = 3 → 50; burnout reversed 4, 5, 3, 2, 2, 1, 4 =
        # 21/7 → 50; score 50; favourable tools 4, 5, 4 (3) + burnout 4, 5, 4 (3) = 6 of 14; 8; rate 8/16.
        row("*", Q3, SAT, 50.0, 6 / 14, 8, 8 / 16),
        # orders satisfaction: tools 4, 5, 2 = 11/3 → 200/3; burnout reversed 4, 5, 3, 2 = 3.5 → 62.5;
        # score (200/3 + 62.5)/2 = 775/12; favourable 2 + 2 = 4 of 7; 4 respondents; rate 4/5.
        row("orders", Q3, SAT, 775 / 12, 4 / 7, 4, 4 / 5),
        # payments satisfaction: tools 2, 1, 3, 4 = 2.5 → 37.5; burnout reversed 2, 1, 4 = 7/3 → 100/3;
        # score (37.5 + 100/3)/2 = 425/12; favourable 1 + 1 = 2 of 7; 4; rate 4/4.
        row("payments", Q3, SAT, 425 / 12, 2 / 7, 4, 1.0),
    ]


# ==================================================================================================
# 6. Typeform exports before and after partial responses completed × a Google Forms export of the same
#    survey and quarter × re-imports of each × quarter-level differencing
# ==================================================================================================


def test_typeform_partials_completing_beside_a_google_channel_with_reimports(cli: Cli) -> None:
    """min_group_size 3; orders (headcount 4, survey_names "Order Squad"), payments (4), search (2).

    Monday's Typeform: tok1, tok3, tok4 completed; tok2 (orders) and tok5 (typed "Bogus team") partial:
    skipped, not validated (SPEC §7.2 "only completed responses"). 3 respondents.
    Tuesday's Google Forms export with e-mails (a second channel of the same survey): a@, b@, c@, d@.
    Monday's Typeform again: nothing new. Friday's Typeform: tok1–tok4 and tok6 completed, tok5 still
    partial: 5 respondents, 2 new (tok2, tok6). Monday's Typeform once more: 3 respondents, 0 new, the same
    answers (their rows did not change).
    Teams: orders tok1, tok2, a@ = 3; payments tok3, b@, d@, tok6 = 4; search tok4, c@ = 2 < 3,
    suppressed. "*" 9 shown; the suppressed hold 2 < 3: the smallest shown team, orders (3), is hidden
    too (hidden 5 ≥ 3). Per dimension: communication hidden = orders tok1, tok2 + search tok4 = 3 ≥ 3.
    Shown: "*" and payments.

    (tools, burnout reverse, help) as typed:
      tok1 "Order Squad" A 4 | D 2 → 4 | A 4        a@ "ORDERS" SA 5 | SD 1 → 5 | "N/A"
      tok2 "order squad" "5" | "2" → 4 | "4"         b@ "payments" D 2 | N 3 → 3 | D 2
      tok3 "Payments"    D 2 | A 4 → 2 | D 2         c@ "search " A 4 | D 2 → 4 | (blank)
      tok4 "Search"      SA 5 | SD 1 → 5 | SA 5      d@ "Payments" A 4 | A 4 → 2 | A 4
      tok6 "PAYMENTS"    "3" | "3" → 3 | "3"
    """
    cli.configure(
        '  - {name: orders, headcount: 4, survey_names: ["Order Squad"]}\n'
        "  - {name: payments, headcount: 4}\n  - {name: search, headcount: 2}\n",
        minimum=3,
    )
    devex = cli.definition("devex", DEVEX)
    questions = [TOOLS, BURNOUT, HELP]
    tok1 = ("tok1", "completed", "2026-07-14", ["Order Squad", A, D, A], "08:01")
    tok3 = ("tok3", "completed", "2026-07-14", ["Payments", D, A, D], "08:03")
    tok4 = ("tok4", "completed", "2026-07-14", ["Search", SA, SD, SA], "08:04")
    monday = [
        tok1,
        ("tok2", "partial", "2026-07-14", ["order squad", "5", "", ""], "08:02"),
        tok3,
        tok4,
        ("tok5", "partial", "2026-07-14", ["Bogus team", "9", "", ""], "08:05"),
    ]
    friday = [
        tok1,
        ("tok2", "completed", "2026-07-14", ["order squad", "5", "2", "4"], "08:02"),
        tok3,
        tok4,
        ("tok5", "partial", "2026-07-14", ["Bogus team", "9", "", ""], "08:05"),
        ("tok6", "completed", "2026-07-16", ["PAYMENTS", "3", "3", "3"], "11:00"),
    ]
    monday_file = write_csv(cli.folder / "typeform-monday.csv", typeform(questions, monday))
    friday_file = write_csv(cli.folder / "typeform-friday.csv", typeform(questions, friday))
    google = [
        ["Timestamp", "Email Address", TEAM, TOOLS, BURNOUT, HELP],
        ["7/15/2026 10:00:00", "a@corp.example", "ORDERS", SA, SD, "N/A"],
        ["7/15/2026 10:01:00", "b@corp.example", "payments", D, N, D],
        ["7/15/2026 10:02:00", "c@corp.example", "search ", A, D, ""],
        ["7/15/2026 10:03:00", "d@corp.example", "Payments", A, A, A],
    ]
    google_file = write_csv(cli.folder / "google.csv", google)

    err = cli.imported(monday_file, devex)
    assert summary(3, 3) in err and "2 unfinished responses skipped" in err
    # Monday alone: one respondent per team, all suppressed; "*" 3 ≥ 3 shown (hidden 3 ≥ 3). Tools 4, 2,
    # 5 = 11/3 → 200/3; burnout reversed 4, 2, 5 → 200/3; favourable 2 + 2 = 4 of 6. Help 4, 2, 5 →
    # 200/3, favourable 2 of 3. Rate 3 ÷ (4 + 4 + 2) = 3/10.
    assert cli.scores() == [
        row("*", Q3, COM, 200 / 3, 2 / 3, 3, 3 / 10),
        row("*", Q3, SAT, 200 / 3, 4 / 6, 3, 3 / 10),
    ]
    assert summary(4, 4) in cli.imported(google_file, devex)
    assert summary(3, 0) in cli.imported(monday_file, devex)
    assert summary(5, 2) in cli.imported(friday_file, devex)
    expected = [
        # "*" communication: 4, 4 (orders) + 2, 2, 4, 3 (payments) + 5 (search) = 24/7 → (17/7)/4 × 100 =
        # 425/7; favourable 4, 4, 4, 5 = 4 of 7; 7 respondents; rate 9/10.
        row("*", Q3, COM, 425 / 7, 4 / 7, 7, 9 / 10),
        # "*" satisfaction: tools 4, 5, 5 + 2, 2, 4, 3 + 5, 4 = 34/9 → (25/9)/4 × 100 = 625/9; burnout
        # reversed 4, 4, 5 + 2, 3, 2, 3 + 5, 4 = 32/9 → (23/9)/4 × 100 = 575/9; score 600/9 = 200/3.
        # Favourable tools 4, 5, 5, 4, 5, 4 (6) + burnout 4, 4, 5, 5, 4 (5) = 11 of 18. 9; rate 9/10.
        row("*", Q3, SAT, 200 / 3, 11 / 18, 9, 9 / 10),
        # payments communication: 2, 2, 4, 3 = 11/4 → 43.75; favourable 1/4; 4; rate 4/4.
        row("payments", Q3, COM, 43.75, 1 / 4, 4, 1.0),
        # payments satisfaction: tools 2, 2, 4, 3 → 43.75; burnout reversed 2, 3, 2, 3 = 2.5 → 37.5;
        # score 40.625; favourable 1 + 0 = 1 of 8; 4; rate 1.
        row("payments", Q3, SAT, 40.625, 1 / 8, 4, 1.0),
    ]
    assert cli.scores() == expected
    assert summary(3, 0) in cli.imported(monday_file, devex)
    assert summary(4, 0) in cli.imported(google_file, devex)
    assert cli.scores() == expected


# ==================================================================================================
# 7. One e-mail in two tools' exports of one survey and quarter (Google Forms, then Microsoft Forms,
#    later, on another team) × the older file imported again × quarter-level differencing
# ==================================================================================================


def test_an_email_moving_team_in_a_later_microsoft_export_stays_moved_when_the_google_file_returns(
    cli: Cli,
) -> None:
    """min_group_size 3; orders (headcount 5, survey_names "Order Squad"), payments (5), search (4).

    Monday, Google Forms with e-mails (7/14): ana@, ben@, cy@ on orders; dee@, eve@, fay@ on payments;
    hal@, ivy@, jo@ on search. Friday, a Microsoft Forms CSV of the same survey (7/17): "ANA@corp.example"
    on payments (SPEC §7.3 the e-mail is the identifier, case-folded: the same person; docs/surveys.md
    "across imports … a respondent's latest submission counts") and gus@ on payments.
    Monday's file imported again: ana's stored submission is later, so it stays (docs: "kept as stored").
    Teams: orders ben, cy = 2 < 3 suppressed; payments ana, dee, eve, fay, gus = 5; search 3. "*" 10 shown;
    the suppressed hold 2 < 3 → the smallest shown team, search (3), is hidden too (hidden 5 ≥ 3).
    Communication: hidden orders ben, cy + search hal, ivy, jo = 5 ≥ 3. Shown: "*" and payments.

    (tools, burnout reverse, help): ana (Friday) D 2 | A 4 → 2 | D 2 (her Monday A/D/A on orders gone);
    ben A 4 | D → 4 | A 4; cy N 3 | N → 3 | N 3; dee A 4 | D → 4 | A 4; eve SA 5 | SD → 5 | "N/A";
    fay D 2 | A → 2 | D 2; gus "4" | "2" → 4 | "5"; hal SD 1 | SA → 1 | SD 1; ivy D 2 | N → 3 | D 2;
    jo N 3 | "I don't know" | N 3.
    """
    cli.configure(
        '  - {name: orders, headcount: 5, survey_names: ["Order Squad"]}\n'
        "  - {name: payments, headcount: 5}\n  - {name: search, headcount: 4}\n",
        minimum=3,
    )
    devex = cli.definition("devex", DEVEX)
    google = [
        ["Timestamp", "Email Address", TEAM, TOOLS, BURNOUT, HELP],
        ["7/14/2026 10:00:00", "ana@corp.example", "Order Squad", A, D, A],
        ["7/14/2026 10:01:00", "ben@corp.example", "orders", A, D, A],
        ["7/14/2026 10:02:00", "cy@corp.example", "ORDER  SQUAD", N, N, N],
        ["7/14/2026 10:03:00", "dee@corp.example", "payments", A, D, A],
        ["7/14/2026 10:04:00", "eve@corp.example", "Payments", SA, SD, "N/A"],
        ["7/14/2026 10:05:00", "fay@corp.example", "PAYMENTS", D, A, D],
        ["7/14/2026 10:06:00", "hal@corp.example", "Search", SD, SA, SD],
        ["7/14/2026 10:07:00", "ivy@corp.example", "search", D, N, D],
        ["7/14/2026 10:08:00", "jo@corp.example", "search ", N, "I don't know", N],
    ]
    microsoft = [
        [*MS_META, TEAM, TOOLS, BURNOUT, HELP],
        ["1", "7/17/2026 09:00:00", "7/17/2026 09:05:00", "ANA@corp.example", "Ana", "payments", D, A, D],
        [
            "2",
            "7/17/2026 09:10:00",
            "7/17/2026 09:15:00",
            "gus@corp.example",
            "Gus",
            "Payments",
            "4",
            "2",
            "5",
        ],
    ]
    google_file = write_csv(cli.folder / "google.csv", google)
    microsoft_file = write_csv(cli.folder / "microsoft.csv", microsoft)
    assert summary(9, 9) in cli.imported(google_file, devex)
    assert summary(2, 1) in cli.imported(microsoft_file, devex)
    expected = [
        # "*" communication: ana 2, ben 4, cy 3, dee 4, fay 2, gus 5, hal 1, ivy 2, jo 3 = 26/9 →
        # (17/9)/4 × 100 = 425/9; favourable ben, dee, gus = 3 of 9; 9 respondents; rate 10 ÷ 14.
        row("*", Q3, COM, 425 / 9, 3 / 9, 9, 10 / 14),
        # "*" satisfaction: tools 2, 4, 3, 4, 5, 2, 4, 1, 2, 3 = 30/10 = 3 → 50; burnout reversed 2, 4, 3,
        # 4, 5, 2, 4, 1, 3 (jo missing) = 28/9 → (19/9)/4 × 100 = 475/9; score (50 + 475/9)/2 = 925/18;
        # favourable tools ben, dee, eve, gus (4) + burnout ben, dee, eve, gus (4) = 8 of 19; 10; 10/14.
        row("*", Q3, SAT, 925 / 18, 8 / 19, 10, 10 / 14),
        # payments communication: ana 2, dee 4, fay 2, gus 5 = 13/4 → 56.25; favourable 2/4; 4; rate 5/5.
        row("payments", Q3, COM, 56.25, 2 / 4, 4, 1.0),
        # payments satisfaction: tools ana 2, dee 4, eve 5, fay 2, gus 4 = 17/5 → 60; burnout reversed 2,
        # 4, 5, 2, 4 = 17/5 → 60; score 60; favourable 3 + 3 = 6 of 10; 5; rate 5/5.
        row("payments", Q3, SAT, 60.0, 6 / 10, 5, 1.0),
    ]
    assert cli.scores() == expected
    err = cli.imported(google_file, devex)
    assert summary(8, 0) in err
    assert "kept as stored: 1 respondents, whose stored submission is later" in err
    assert cli.scores() == expected


# ==================================================================================================
# 8. Two surveys of one quarter by e-mail (Qualtrics devex, Google Forms pulse) × quarter over quarter
#    from a Google Forms devex × an item added to one dimension (change null), the other unchanged
# ==================================================================================================

AWARE = "I know what the other teams I depend on are working on"
PULSE = f"""
survey: pulse
scales:
  agree5: {AGREE5}
{MISSING}
team_question: "{TEAM}"
items:
  - {{id: com_aware, text: "{AWARE}", dimension: communication, scale: agree5}}
"""


def test_a_second_survey_adding_a_communication_item_keeps_the_satisfaction_change(cli: Cli) -> None:
    """min_group_size 3; orders (headcount 4, survey_names "Order Squad"), payments (4).

    2026-Q2: devex by Google Forms with e-mails: a@, b@, c@ on orders (tools D 2, burnout A 4 → 2, help A
    4); d@, e@, f@ on payments (tools N 3, burnout N 3, help D 2).
    2026-Q3: devex by Qualtrics (RecipientEmail; a preview row aside): a@, b@ (tools A 4, burnout D 2 →
    4, help SA 5), c@ (tools SA 5, burnout SD 1 → 5, help SA 5); d@, e@, f@ as in Q2. And pulse, by Google
    Forms with e-mails: a@ (aware A 4), d@ ("N/A"), g@ on payments (aware SA 5). SPEC §7.3: one e-mail is
    one respondent, so "*" counts a@ and d@ once: 7 people. orders {a, b, c} 3; payments {d, e, f, g} 4.
    Change (SPEC §7.4, "the item wording is unchanged"; docs/surveys.md "a question … added … loses it"):
    satisfaction asks tools and burnout in both quarters: computed. Communication gains pulse's item in Q3:
    null.
    * orders satisfaction: Q2 own scores 25, 25, 25 (SE 0), score 25; Q3 own (75 + 75)/2 = 75, 75, 100:
      mean 250/3, Σ(x − x̄)² = 2 × (25/3)² + (50/3)² = (1250 + 2500)/9 = 3750/9, s² = 1875/9, SE² =
      625/9, SE 25/3; moved 250/3 − 25 = 175/3 ≈ 58.3 ≥ 5 and > 1.96 × 25/3 ≈ 16.3: rising.
    * payments satisfaction: 50 in both quarters (g@ answered no satisfaction item): moved 0: stable.
    * "*" satisfaction: Q2 own 25 × 3, 50 × 3 (mean 37.5): Σ = 6 × 12.5² = 937.5, s² = 187.5, SE² =
      31.25; Q3 own 75, 75, 100, 50, 50, 50 (mean 400/6): Σ = 2 × (25/3)² + (100/3)² + 3 × (50/3)² =
      (1250 + 10000 + 7500)/9 = 18750/9, s² = 3750/9, SE² = 625/9; √(31.25 + 625/9) = 10.03…, × 1.96 =
      19.67 < moved 400/6 − 37.5 = 29.17: rising.
    """
    cli.configure(
        '  - {name: orders, headcount: 4, survey_names: ["Order Squad"]}\n'
        "  - {name: payments, headcount: 4}\n",
        minimum=3,
    )
    devex = cli.definition("devex", DEVEX)
    pulse = cli.definition("pulse", PULSE)
    q2 = [
        ["Timestamp", "Email Address", TEAM, TOOLS, BURNOUT, HELP],
        ["4/14/2026 10:00:00", "a@corp.example", "order squad", D, A, A],
        ["4/14/2026 10:01:00", "b@corp.example", "Orders", D, A, A],
        ["4/14/2026 10:02:00", "c@corp.example", "ORDERS", D, A, A],
        ["4/14/2026 10:03:00", "d@corp.example", "payments", N, N, D],
        ["4/14/2026 10:04:00", "e@corp.example", "Payments", N, N, D],
        ["4/14/2026 10:05:00", "f@corp.example", "PAYMENTS", N, N, D],
    ]
    assert summary(6, 6) in cli.imported(write_csv(cli.folder / "q2.csv", q2), devex, Q2)
    ok = ("IP Address", "True")
    q3_devex = [
        ("R_a", *ok, "2026-07-14 10:00:00", "A@corp.example", "Order Squad", [A, D, SA]),
        ("R_b", *ok, "2026-07-14 10:01:00", "b@corp.example", "orders", [A, D, SA]),
        ("R_c", *ok, "2026-07-14 10:02:00", "c@corp.example", " ORDERS", [SA, SD, SA]),
        ("R_d", *ok, "2026-07-14 10:03:00", "d@corp.example", "Payments", [N, N, D]),
        ("R_e", *ok, "2026-07-14 10:04:00", "e@corp.example", "payments", [N, N, D]),
        ("R_f", *ok, "2026-07-14 10:05:00", "f@corp.example", "PAYMENTS", [N, N, D]),
        ("R_p", "Survey Preview", "True", "2026-07-14 10:06:00", "", "Preview team", [SD, SA, SD]),
    ]
    devex_file = write_csv(cli.folder / "q3-devex.csv", qualtrics([TOOLS, BURNOUT, HELP], q3_devex))
    assert summary(6, 6) in cli.imported(devex_file, devex, Q3)
    q3_pulse = [
        ["Timestamp", "Email Address", TEAM, AWARE],
        ["8/20/2026 10:00:00", "a@corp.example", "ORDER SQUAD", A],
        ["8/20/2026 10:01:00", "D@corp.example", "Payments", "N/A"],
        ["8/20/2026 10:02:00", "g@corp.example", "payments", SA],
    ]
    assert summary(3, 3) in cli.imported(write_csv(cli.folder / "q3-pulse.csv", q3_pulse), pulse, Q3)

    assert cli.scores() == [
        # "*" Q2 communication: help 4, 4, 4, 2, 2, 2 = 3 → 50; favourable 3 of 6; 6; rate 6 ÷ 8.
        row("*", Q2, COM, 50.0, 3 / 6, 6, 6 / 8),
        # "*" Q2 satisfaction: tools 2, 2, 2, 3, 3, 3 = 2.5 → 37.5; burnout reversed the same → 37.5; score
        # 37.5; favourable 0 of 12; 6.
        row("*", Q2, SAT, 37.5, 0.0, 6, 6 / 8),
        # "*" Q3 communication: help 5, 5, 5, 2, 2, 2 = 3.5 → 62.5; aware 4, 5 = 4.5 → 87.5; score 75;
        # favourable 3 + 2 = 5 of 8; respondents a–g = 7; rate 7/8.
        row("*", Q3, COM, 75.0, 5 / 8, 7, 7 / 8, None),
        # "*" Q3 satisfaction: tools 4, 4, 5, 3, 3, 3 = 22/6 → (16/6)/4 × 100 = 200/3; burnout reversed
        # 4, 4, 5, 3, 3, 3 → 200/3; score 200/3; favourable 3 + 3 = 6 of 12; a–f = 6 respondents; 7/8.
        row("*", Q3, SAT, 200 / 3, 6 / 12, 6, 7 / 8, "rising"),
        # orders Q2: help 4, 4, 4 → 75, favourable 1; tools 2 → 25, burnout reversed 2 → 25, score 25,
        # favourable 0; 3; rate 3/4.
        row("orders", Q2, COM, 75.0, 1.0, 3, 3 / 4),
        row("orders", Q2, SAT, 25.0, 0.0, 3, 3 / 4),
        # orders Q3 communication: help 5, 5, 5 → 100; aware (a) 4 → 75; score 87.5; favourable 4/4; 3.
        row("orders", Q3, COM, 87.5, 1.0, 3, 3 / 4, None),
        # orders Q3 satisfaction: tools 4, 4, 5 = 13/3 → 250/3; burnout reversed 4, 4, 5 → 250/3; score
        # 250/3; favourable 6/6; 3.
        row("orders", Q3, SAT, 250 / 3, 1.0, 3, 3 / 4, "rising"),
        # payments Q2: help 2 → 25, favourable 0; tools 3, burnout 3 → 50, favourable 0; 3; rate 3/4.
        row("payments", Q2, COM, 25.0, 0.0, 3, 3 / 4),
        row("payments", Q2, SAT, 50.0, 0.0, 3, 3 / 4),
        # payments Q3 communication: help 2, 2, 2 → 25; aware (g) 5 → 100; score 62.5; favourable 0 + 1 =
        # 1 of 4; d, e, f, g = 4 respondents; rate 4/4.
        row("payments", Q3, COM, 62.5, 1 / 4, 4, 1.0, None),
        # payments Q3 satisfaction: 50, favourable 0 of 6, d, e, f = 3; rate 4/4 (g@ responded).
        row("payments", Q3, SAT, 50.0, 0.0, 3, 1.0, "stable"),
    ]
