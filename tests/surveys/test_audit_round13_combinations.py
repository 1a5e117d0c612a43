"""SPACE surveys where a text-entry team question meets another rule, audit round 13 (SPEC §3, §7.1–§7.5, §9).

Each test is one small named scenario: an export written here in the shape of one tool, in which the
respondents *type* their team (so every spelling the SPEC's folding admits turns up: letter case, runs of
whitespace, no-break spaces, full-width letters, curly apostrophes, a team's mailing-list address), met
with a second rule: the anonymity threshold and differencing, the organisation row, response rates,
respondents who answered nothing, reverse items and missing answers, two surveys of one quarter,
resubmissions and re-imports, and refusals (an unknown team, a value outside the scale) of a second file
of the quarter. Imports go through ``import_survey`` or the CLI (``doraspace survey import`` / ``survey
scores --format json``); scores through ``compute_space``.

Every expected number is worked out by hand from the SPEC's wording in the comment above its assertion,
never copied from what the code printed. On the five-point agreement scale used throughout (Strongly
disagree 1 … Strongly agree 5, favourable 4 and 5) an item mean ``m`` scores ``(m − 1) / 4 × 100``
(1 → 0, 2 → 25, 3 → 50, 4 → 75, 5 → 100); a reverse item scores ``6 − x`` and is favourable when that
reversed point is 4 or 5; ``score`` is the mean over the dimension's items; ``favourable`` favourable ÷
valid answers; ``respondents`` the people with a valid answer on the dimension; ``response_rate`` the
team-quarter's respondents ÷ headcount (``"*"``: ÷ the sum of all headcounts).

Reading taken where SPEC §7.4 is not explicit (as earlier rounds and docs/metrics.md do): a team-quarter's
respondents are the responses kept, people whose every answer was missing included (they did respond);
a dimension row counts only people with a valid answer on it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, insert, select

from analytics.space import SpaceScore, compute_space
from doraspace.cli import main
from store import schema
from store.engine import open_store
from store.errors import SurveyImportError
from surveys.definition import SurveyDefinition, parse_definition
from surveys.importer import ImportReport, import_survey, pseudonym, team_spellings

SECRET = "round13-combinations-secret"
SECRET_VARIABLE = "ROUND13_COMBINATIONS_SECRET"
Q2, Q3 = "2026-Q2", "2026-Q3"
SAT, COM = "satisfaction", "communication"
TEAM = "Which team are you on?"
TOOLS = "I am satisfied with the tools and processes I use to do my work"
BURNOUT = "I feel burned out from my work"
HELP = "It is easy to get help from other teams when my work depends on them"
FLOW = "I can get into a state of flow when I work"
SD, D, N, A, SA = "Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"
AGREE5 = f"{{points: 5, labels: [{SD}, {D}, {N}, {A}, {SA}], favourable: [4, 5]}}"
NBSP, EMSP = "\u00a0", "\u2003"

DEFINITION_TEXT = f"""
survey: devex
scales:
  agree5: {AGREE5}
missing: ["I don't know", "N/A", "Not applicable", ""]
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{BURNOUT}", dimension: satisfaction, scale: agree5, reverse: true}}
  - {{id: com_help, text: "{HELP}", dimension: communication, scale: agree5}}
"""
DEVEX = parse_definition(DEFINITION_TEXT)
# A second survey of the same quarter (a monthly pulse): one satisfaction item of its own.
PULSE = parse_definition(f"""
survey: pulse
scales:
  agree5: {AGREE5}
missing: ["N/A", ""]
team_question: "{TEAM}"
items:
  - {{id: sat_flow, text: "{FLOW}", dimension: satisfaction, scale: agree5}}
""")

Key = tuple[str, str, str]


# ------------------------------------------------------------------------------------------ helpers


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def google(rows: Sequence[Sequence[str]], *, email: bool = False) -> list[list[str]]:
    """Google Forms: (timestamp, [e-mail,] team as typed, tools, burnout, help)."""
    header = ["Timestamp", *(["Email Address"] if email else []), TEAM, TOOLS, BURNOUT, HELP]
    return [header, *map(list, rows)]


MS_HEADER = ["ID", "Start time", "Completion time", "Email", "Name", TEAM, TOOLS, BURNOUT, HELP]


def microsoft(rows: Sequence[tuple[int, str, str, str, str, str]]) -> list[list[str]]:
    """Microsoft Forms CSV: (ID, e-mail or "anonymous", team as typed, tools, burnout, help)."""
    out = [list(MS_HEADER)]
    for number, email, team, tools, burnout, help_ in rows:
        stamp = f"7/14/2026 10:{number:02d}:00"
        out.append([str(number), stamp, stamp, email, "" if email == "anonymous" else "Ana Ruiz", team])
        out[-1] += [tools, burnout, help_]
    return out


TYPEFORM_META = ["Response Type", "Start Date (UTC)", "Stage Date (UTC)", "Submit Date (UTC)", "Network ID"]


def typeform(rows: Sequence[tuple[str, str, str, str, str, str]]) -> list[list[str]]:
    """Typeform: (token, team as typed, tools, burnout, help, response type)."""
    out = [["#", TEAM, TOOLS, BURNOUT, HELP, *TYPEFORM_META]]
    for number, (token, team, tools, burnout, help_, kind) in enumerate(rows):
        submitted = f"2026-07-14 08:{number:02d}:30" if kind == "completed" else ""
        out.append(
            [token, team, tools, burnout, help_, kind, f"2026-07-14 08:{number:02d}:00", "", submitted]
        )
        out[-1].append(f"net{number}")
    return out


def run(
    engine: Engine,
    file: Path,
    names: Mapping[str, Sequence[str]],
    definition: SurveyDefinition = DEVEX,
) -> ImportReport:
    return import_survey(
        engine, file, definition, quarter=Q3, secret=SECRET, team_names=team_spellings(names)
    )


def scores(
    engine: Engine, *, minimum: int, teams: Mapping[str, int | None] | None = None
) -> dict[Key, SpaceScore]:
    rows = compute_space(engine, teams=teams or {}, min_group_size=minimum)
    return {(row.team, row.quarter, row.dimension): row for row in rows}


def figures(row: SpaceScore) -> tuple[Any, ...]:
    return (row.score, row.favourable, row.respondents, row.response_rate, row.change)


def expect(
    score: float, favourable: float, respondents: int, rate: float | None, change: str | None = None
) -> tuple[Any, ...]:
    approx = pytest.approx
    return (
        approx(score, rel=1e-12),
        approx(favourable, rel=1e-12),
        respondents,
        None if rate is None else approx(rate, rel=1e-12),
        change,
    )


def dump(engine: Engine) -> str:
    with engine.connect() as conn:
        tables = [
            sorted((tuple(row) for row in conn.execute(select(table))), key=str)
            for table in (schema.survey_items, schema.survey_responses, schema.survey_answers)
        ]
    return json.dumps(tables, default=str)


def stored_teams(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(schema.survey_responses.c.respondent, schema.survey_responses.c.team))
        return {respondent: team for respondent, team in rows}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    store = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    try:
        yield store
    finally:
        store.dispose()


class Cli:
    """The real CLI in-process, with a config file rewritten between steps as an operator would."""

    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.folder = folder
        self.capsys = capsys
        self.config = folder / "doraspace.yaml"
        self.definition = folder / "devex.yaml"
        self.definition.write_text(DEFINITION_TEXT, encoding="utf-8")
        self.database = folder / "cli.duckdb"

    def configure(self, teams: str, minimum: int) -> None:
        self.config.write_text(
            f"database:\n  url: duckdb:///{self.database}\nteams:\n{teams}"
            f"surveys:\n  min_group_size: {minimum}\n  respondent_secret: ${{{SECRET_VARIABLE}}}\n",
            encoding="utf-8",
        )

    def survey_import(self, file: Path, quarter: str = Q3) -> tuple[int, str]:
        self.capsys.readouterr()
        arguments = ["survey", "import", "--config", str(self.config), str(file)]
        status = main([*arguments, "--definition", str(self.definition), "--quarter", quarter])
        return status, self.capsys.readouterr().err

    def scores(self) -> list[dict[str, Any]]:
        self.capsys.readouterr()
        assert main(["survey", "scores", "--config", str(self.config), "--format", "json"]) == 0
        rows: list[dict[str, Any]] = json.loads(self.capsys.readouterr().out)
        return rows

    def dump(self) -> str:
        store = open_store(f"duckdb:///{self.database}")
        try:
            return dump(store)
        finally:
            store.dispose()


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    return Cli(tmp_path, capsys)


def json_row(
    team: str,
    dimension: str,
    score: float,
    favourable: float,
    respondents: int,
    rate: float | None,
    change: str | None = None,
    quarter: str = Q3,
) -> Any:
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


# ==================================================================================================
# 1. Typed team spellings in Unicode forms × min_group_size × differencing × reverse × missing
# ==================================================================================================

UNICODE_NAMES = {"orders": ["Orders team", "Order’s crew"], "payments": [], "platform": ["Platform team"]}


def test_typed_spellings_in_unicode_forms_reach_the_threshold_together_and_decide_differencing(
    tmp_path: Path, engine: Engine
) -> None:
    """Google Forms, the team a short-answer question; min_group_size 5; headcounts 8, 6, 4.

    orders is typed six ways that fold (SPEC §7.1 "case-insensitively"; doraspace also folds NFKC, quote
    style and whitespace runs) to its name or a survey_name: full-width ＯＲＤＥＲＳ, a no-break space,
    a straight apostrophe with a double space for the configured curly one, a trailing tab, plain, upper
    case. Counted together orders has 6 ≥ 5; payments 5; platform 3 < 5 is suppressed.
    Differencing: "*" (14) is shown and the suppressed teams hold 3 < 5, so the smallest shown team,
    payments (5 < 6), is suppressed too (hidden 8 ≥ 5). Shown: "*" and orders. (Were orders' spellings
    counted apart, orders would be the smaller team, or suppressed itself.)
    """
    orders = [
        ("ＯＲＤＥＲＳ", A, D, A),
        (f"orders{NBSP}team", SA, "I don’t know", A),  # the missing label with a curly apostrophe
        ("ORDER'S  CREW", A, SA, ""),
        ("Orders\t", D, D, SA),
        ("orders", A, N, A),
        ("ORDERS TEAM", N, SD, D),
    ]
    payments = [
        (spelling, D, A, D) for spelling in ("Payments", "PAYMENTS", "payments ", "pAyMeNtS", "Payments")
    ]
    platform = [(spelling, SA, SD, SA) for spelling in ("Platform team", "platform", f"PLATFORM{EMSP}TEAM")]
    rows = [
        (f"14/07/2026 10:{minute:02d}:00", *answers)
        for minute, answers in enumerate([*orders, *payments, *platform])
    ]
    report = run(engine, write_csv(tmp_path / "google.csv", google(rows)), UNICODE_NAMES)
    assert report.respondents_by_team == {"orders": 6, "payments": 5, "platform": 3}
    got = scores(engine, minimum=5, teams={"orders": 8, "payments": 6, "platform": 4})
    assert sorted(got) == [("*", Q3, COM), ("*", Q3, SAT), ("orders", Q3, COM), ("orders", Q3, SAT)]

    # orders satisfaction: tools 4, 5, 4, 2, 4, 3 → 22/6 = 11/3 → (8/3)/4 × 100 = 200/3. Burnout
    # reversed 4, (missing), 1, 4, 3, 5 → 17/5 = 3.4 → 60. Score (200/3 + 60)/2 = 190/3. Favourable: tools
    # 4, 5, 4, 4 (4 of 6) + burnout 4, 4, 5 (3 of 5) = 7 of 11. 6 respondents; rate 6/8.
    assert figures(got[("orders", Q3, SAT)]) == expect(190 / 3, 7 / 11, 6, 6 / 8)
    # orders communication: 4, 4, (blank), 5, 4, 2 → 19/5 = 3.8 → 70; favourable 4/5; 5 respondents = the
    # threshold, shown. Per dimension the hidden teams hold 5 + 3 = 8 ≥ 5: no further differencing.
    assert figures(got[("orders", Q3, COM)]) == expect(70.0, 4 / 5, 5, 6 / 8)
    # "*" satisfaction counts the suppressed teams: tools 22 + 5 × 2 + 3 × 5 = 47 over 14 → (33/14)/4 × 100
    # = 825/14; burnout reversed 17 + 5 × 2 + 3 × 5 = 42 over 13 → (29/13)/4 × 100 = 725/13; score their
    # mean. Favourable tools 4 + 0 + 3, burnout 3 + 0 + 3 = 13 of 27. 14 respondents; rate 14/(8+6+4).
    assert figures(got[("*", Q3, SAT)]) == expect((825 / 14 + 725 / 13) / 2, 13 / 27, 14, 14 / 18)
    # "*" communication: 19 + 5 × 2 + 3 × 5 = 44 over 13 → (31/13)/4 × 100 = 775/13; favourable 4 + 0 + 3
    # = 7 of 13; 13 respondents; rate 14/18 (the quarter's respondents).
    assert figures(got[("*", Q3, COM)]) == expect(775 / 13, 7 / 13, 13, 14 / 18)


# ==================================================================================================
# 2. An unknown typed team in the quarter's second export × all or nothing × survey_names × re-import
#    × the threshold and differencing (through the CLI)
# ==================================================================================================


def test_a_typo_team_refuses_the_later_export_whole_until_a_survey_name_admits_it(cli: Cli) -> None:
    """Microsoft Forms with e-mails, tools only; min_group_size 3; orders (headcount 6, survey_names
    "Orders team"), payments (5).

    Monday's export: ana, ben on orders ("Orders", "orders team"), cy, dee, eve on payments. orders 2 < 3
    is suppressed; "*" (5) is shown and the suppressed hold 2 < 3, so payments (3) is suppressed too.
    Shown: "*" alone: tools 4, 4, 2, 2, 1 → 13/5 → (8/5)/4 × 100 = 40; favourable 2/5; 5; rate 5/11.

    Friday's export: Monday's rows and two more: fay typed "Ordres" (row 7), gus "Orders" (row 8).
    "Ordres" is no team name nor survey_name: SPEC §7.1 "an unknown team is an error naming the row",
    §7.3 "an import either stores every valid row or none", §9 "changes nothing": exit 2, one line, the
    store and the scores as they were (gus is not stored either).
    With "Ordres" added to orders' survey_names the same file imports: 7 respondents, 2 new.
    orders ana, ben, fay, gus: 4, 4, 5, 4 → 17/4 → (13/4)/4 × 100 = 81.25; favourable 1; 4; rate 4/6.
    payments: 2, 2, 1 → 5/3 → (2/3)/4 × 100 = 50/3; favourable 0; 3; rate 3/5. Nothing suppressed.
    "*": 4 + 4 + 2 + 2 + 1 + 5 + 4 = 22 over 7 → (15/7)/4 × 100 = 375/7; favourable 4/7; 7; rate 7/11.
    Importing Friday's file again adds nothing (SPEC §7.3): 0 new, the same scores.
    """
    teams = (
        '  - {name: orders, headcount: 6, survey_names: ["Orders team"]}\n'
        "  - {name: payments, headcount: 5}\n"
    )
    cli.configure(teams, minimum=3)
    monday = [
        (1, "ana@corp.example", "Orders", A, "", ""),
        (2, "ben@corp.example", "orders team", A, "", ""),
        (3, "cy@corp.example", "Payments", D, "", ""),
        (4, "dee@corp.example", "payments", D, "", ""),
        (5, "eve@corp.example", "PAYMENTS", SD, "", ""),
    ]
    friday = [
        *monday,
        (6, "fay@corp.example", "Ordres", SA, "", ""),
        (7, "gus@corp.example", "Orders", A, "", ""),
    ]
    monday_file = write_csv(cli.folder / "monday.csv", microsoft(monday))
    friday_file = write_csv(cli.folder / "friday.csv", microsoft(friday))

    assert cli.survey_import(monday_file)[0] == 0
    before_scores, before_store = cli.scores(), cli.dump()
    assert before_scores == [json_row("*", SAT, 40.0, 2 / 5, 5, 5 / 11)]

    status, err = cli.survey_import(friday_file)
    assert status == 2
    assert err == (
        f"doraspace: error: {friday_file}, row 7, column {TEAM!r}: unknown team 'Ordres': "
        "not a team name or one of its survey_names\n"
    )
    assert (cli.scores(), cli.dump()) == (before_scores, before_store)

    cli.configure(teams.replace('"Orders team"]', '"Orders team", Ordres]'), minimum=3)
    status, err = cli.survey_import(friday_file)
    assert status == 0
    assert "7 respondents (2 new)" in err
    expected = [
        json_row("*", SAT, 375 / 7, 4 / 7, 7, 7 / 11),
        json_row("orders", SAT, 81.25, 1.0, 4, 4 / 6),
        json_row("payments", SAT, 50 / 3, 0.0, 3, 3 / 5),
    ]
    assert cli.scores() == expected
    status, err = cli.survey_import(friday_file)
    assert (status, "7 respondents (0 new)" in err) == (0, True)
    assert cli.scores() == expected


# ==================================================================================================
# 3. Privacy × a typed team that looks like an e-mail (the team's mailing list, a survey_name) × the
#    e-mail identity and a resubmission × a personal address typed as the team
# ==================================================================================================

LIST_NAMES = {"orders": ["orders-team@corp.example"], "payments": ["payments-team@corp.example"]}


def test_a_team_mailing_list_typed_as_the_team_is_matched_and_no_address_is_stored(
    tmp_path: Path, engine: Engine
) -> None:
    """Google Forms collecting e-mails; people type their team's mailing list as the team. min 3.

    SPEC §7.1: the typed answer is matched case-insensitively to a survey_name ("Orders-Team@Corp.Example "
    is orders-team@corp.example); §7.3: names, e-mails and free text are not stored — only the configured
    team name and the HMAC of the respondent's own e-mail. ana answers twice (the second as
    "ANA@corp.example", later): one respondent, her later answers (report: 7 rows, 1 superseded, 6 stored).

    orders ana (later: tools 5, burnout N/A), ben (5, SA → 1), cy (2, A → 2): tools 5, 5, 2 → 4 → 75;
    burnout 1, 2 → 1.5 → 12.5; score 43.75; favourable tools 2 + burnout 0 = 2 of 5; 3 respondents.
    payments dee, eve, fay: tools 4, burnout D → 4: 75 and 75 → 75; favourable 6/6; 3.
    "*": tools 5, 5, 2, 4, 4, 4 → 4 → 75; burnout 1, 2, 4, 4, 4 → 3 → 50; score 62.5; favourable
    5 + 3 = 8 of 11; 6 respondents.
    A second export in which gus typed his own address as the team is refused naming row and column,
    without echoing the address (errors reach logs), and changes nothing.
    """
    rows = [
        ("7/14/2026 10:00:00", "ana@corp.example", "Orders-Team@Corp.Example ", A, D, ""),
        ("7/14/2026 10:01:00", "ben@corp.example", "orders-team@corp.example", SA, SA, ""),
        ("7/14/2026 10:02:00", "cy@corp.example", f"ORDERS-TEAM@CORP.EXAMPLE{NBSP}", D, A, ""),
        ("7/14/2026 10:03:00", "dee@corp.example", "payments-team@corp.example", A, D, ""),
        ("7/14/2026 10:04:00", "eve@corp.example", "Payments", A, D, ""),
        ("7/14/2026 10:05:00", "fay@corp.example", "PAYMENTS-team@corp.example", A, D, ""),
        ("7/15/2026 09:00:00", "ANA@corp.example", "orders", SA, "N/A", ""),
    ]
    report = run(engine, write_csv(tmp_path / "google.csv", google(rows, email=True)), LIST_NAMES)
    assert (report.rows, report.superseded, report.responses) == (7, 1, 6)
    assert stored_teams(engine)[pseudonym(SECRET, "ana@corp.example")] == "orders"
    text = dump(engine)
    for fragment in ("@", "corp.example", "orders-team", "ana", "ruiz"):
        assert fragment not in text.casefold(), fragment
    got = scores(engine, minimum=3)
    assert figures(got[("orders", Q3, SAT)]) == expect(43.75, 2 / 5, 3, None)
    assert figures(got[("payments", Q3, SAT)]) == expect(75.0, 1.0, 3, None)
    assert figures(got[("*", Q3, SAT)]) == expect(62.5, 8 / 11, 6, None)

    later = [*rows, ("7/16/2026 09:00:00", "gus@corp.example", "gus.lee@corp.example", A, D, "")]
    file = write_csv(tmp_path / "later.csv", google(later, email=True))
    before = dump(engine)
    with pytest.raises(SurveyImportError) as refused:
        run(engine, file, LIST_NAMES)
    assert (refused.value.row, refused.value.column) == (9, TEAM)
    assert "gus" not in str(refused.value)
    assert "unknown team (a value holding an e-mail address)" in str(refused.value)
    assert dump(engine) == before


# ==================================================================================================
# 4. The long format: one respondent's rows spelling the team in Unicode forms × a missing answer as a
#    "N/A" row × reverse × a dimension below the threshold × per-dimension differencing
# ==================================================================================================


def test_long_rows_spelling_one_team_in_unicode_forms_are_one_respondent_at_the_threshold(
    tmp_path: Path, engine: Engine
) -> None:
    """min_group_size 3; teams orders and payments (no headcount).

    r1's three rows write its team "Orders", "ＯＲＤＥＲＳ" (full width) and "orders" + a no-break space:
    the same team folded, so one respondent (docs: a respondent's rows must agree on the team), not an
    error and not three people. orders then has r1, r2, r3 = 3 = the threshold; payments 3.

    orders satisfaction: tools 4, 5, 2 → 11/3 → 200/3; burnout reversed r1 D 2 → 4, r2 SA 5 → 1 → 2.5 →
    37.5; score (200/3 + 37.5)/2 = 625/12; favourable tools 2 + burnout 1 = 3 of 5; 3 respondents.
    payments satisfaction: tools 2, 2, 2 → 25; favourable 0; 3.
    Communication: orders has r3 alone (r1 "N/A") → 1 < 3, hidden; "*" has 4 ≥ 3, shown; the hidden hold
    1 < 3, so the smallest shown team on it, payments, is hidden too: "*" alone, help 4, 2, 2, 2 → 2.5 →
    37.5, favourable 1/4, 4 respondents.
    "*" satisfaction: tools 4, 5, 2, 2, 2, 2 → 17/6 → (11/6)/4 × 100 = 275/6; burnout 4, 1 → 37.5; score
    (275/6 + 37.5)/2 = 125/3; favourable 2 + 1 = 3 of 8; 6 respondents.
    """
    rows = [
        ["respondent_id", "team", "submitted_at", "item_id", "answer"],
        ["r1", "Orders", "", "sat_tools", "Agree"],
        ["r1", "ＯＲＤＥＲＳ", "", "sat_burnout", "Disagree"],
        ["r1", f"orders{NBSP}", "", "com_help", "N/A"],
        ["r2", "ORDERS", "", "sat_tools", "5"],
        ["r2", "Orders", "", "sat_burnout", "strongly   AGREE"],
        ["r3", "orders", "", "sat_tools", " 2 "],
        ["r3", "ORDERS ", "", "com_help", "Agree"],
    ]
    rows += [
        [f"p{n}", "Payments", "", item, "Disagree"] for n in range(3) for item in ("sat_tools", "com_help")
    ]
    report = run(engine, write_csv(tmp_path / "long.csv", rows), {"orders": [], "payments": []})
    assert (report.responses, report.missing_answers) == (6, 1)
    got = scores(engine, minimum=3)
    assert sorted(got) == [("*", Q3, COM), ("*", Q3, SAT), ("orders", Q3, SAT), ("payments", Q3, SAT)]
    assert figures(got[("orders", Q3, SAT)]) == expect(625 / 12, 3 / 5, 3, None)
    assert figures(got[("payments", Q3, SAT)]) == expect(25.0, 0.0, 3, None)
    assert figures(got[("*", Q3, COM)]) == expect(37.5, 1 / 4, 4, None)
    assert figures(got[("*", Q3, SAT)]) == expect(125 / 3, 3 / 8, 6, None)


# ==================================================================================================
# 5. Two surveys of one quarter × one e-mail typing a different team in each × the organisation row's
#    respondents and rate × the team rates
# ==================================================================================================


def test_one_email_typing_two_teams_in_two_surveys_is_one_person_for_the_organisation(
    tmp_path: Path, engine: Engine
) -> None:
    """Surveys devex (tools) and pulse (flow) in 2026-Q3, Google Forms with e-mails; min 3; headcounts
    orders 5, payments 5, platform 2 (platform answers nothing).

    devex: a, b, c "Orders" Agree; x "ORDERS" Strongly agree; d, e "payments" Disagree.
    pulse: x "Payments " Strongly disagree; f "PAYMENTS" Disagree.
    x is one person (the HMAC of one e-mail) who answered for orders in one survey and payments in the
    other: a respondent of both teams, but SPEC §7.4 "the organisation-wide row counts every respondent"
    — every person, once: 7 people (a, b, c, x, d, e, f), not 8.
    Team-quarters: orders {a, b, c, x} 4, rate 4/5; payments {d, e, x, f} 4, rate 4/5; all ≥ 3.
    orders satisfaction (tools only): 4, 4, 4, 5 → 17/4 → 81.25; favourable 4/4; 4 respondents.
    payments: tools 2, 2 → 25; flow 1, 2 → 1.5 → 12.5; score (25 + 12.5)/2 = 18.75; favourable 0/4; 4.
    "*": tools 4, 4, 4, 5, 2, 2 → 3.5 → 62.5; flow 1, 2 → 12.5; score 37.5; favourable 4 of 8;
    respondents 7; rate 7 ÷ (5 + 5 + 2) = 7/12.
    """
    devex = [
        ("7/14/2026 10:00:00", "a@corp.example", "Orders", A, "", ""),
        ("7/14/2026 10:01:00", "b@corp.example", "Orders", A, "", ""),
        ("7/14/2026 10:02:00", "c@corp.example", "Orders", A, "", ""),
        ("7/14/2026 10:03:00", "x@corp.example", "ORDERS", SA, "", ""),
        ("7/14/2026 10:04:00", "d@corp.example", "payments", D, "", ""),
        ("7/14/2026 10:05:00", "e@corp.example", "payments", D, "", ""),
    ]
    pulse = [
        ["Timestamp", "Email Address", TEAM, FLOW],
        ["8/03/2026 09:00:00", "X@Corp.Example", "Payments ", SD],
        ["8/03/2026 09:01:00", "f@corp.example", "PAYMENTS", D],
    ]
    names = {"orders": [], "payments": [], "platform": []}
    run(engine, write_csv(tmp_path / "devex.csv", google(devex, email=True)), names)
    run(engine, write_csv(tmp_path / "pulse.csv", pulse), names, PULSE)
    got = scores(engine, minimum=3, teams={"orders": 5, "payments": 5, "platform": 2})
    assert sorted(got) == [("*", Q3, SAT), ("orders", Q3, SAT), ("payments", Q3, SAT)]
    assert figures(got[("orders", Q3, SAT)]) == expect(81.25, 1.0, 4, 4 / 5)
    assert figures(got[("payments", Q3, SAT)]) == expect(18.75, 0.0, 4, 4 / 5)
    assert figures(got[("*", Q3, SAT)]) == expect(37.5, 4 / 8, 7, 7 / 12)


# ==================================================================================================
# 6. Respondents who answered nothing × response rates × quarter-level differencing × dimension rows
# ==================================================================================================


def test_people_who_answered_nothing_count_for_rates_and_differencing_not_for_dimension_rows(
    tmp_path: Path, engine: Engine
) -> None:
    """Microsoft Forms, anonymous (the respondent is the ID); min 3; headcounts orders 5, payments 4,
    search 10.

    search: s1 tools Disagree, the rest blank; s2 answered "N/A" / blank / "I don't know" — nothing valid.
    orders: o1–o3 Agree, Disagree (→ 4), Agree; o4 answered nothing ("Not applicable", "", "N/A").
    payments: p1–p3 Strongly agree, Strongly disagree (→ 5), Strongly agree.
    Team-quarters (the responses kept, see the module docstring): search 2 < 3 suppressed, orders 4,
    payments 3. "*" 9 ≥ 3 is shown and the suppressed hold 2 < 3: the smallest shown team, payments (3),
    is suppressed too (hidden 5 ≥ 3). Shown teams: orders. (Counting only people with a valid answer,
    search 1, orders 3 and payments 3 would tie, and the outcome would differ.)
    orders satisfaction: tools 75, burnout 75 → 75; favourable 6/6; respondents 3 (o4 not among them);
    rate 4/5 (o4 responded). Communication the same: 75, 1, 3, 4/5. Per dimension the hidden teams hold
    payments 3 + search 1 = 4 ≥ 3 (satisfaction) and 3 (communication): nothing more hidden.
    "*" satisfaction: tools 4, 4, 4, 5, 5, 5, 2 → 29/7 → (22/7)/4 × 100 = 550/7; burnout 4, 4, 4, 5, 5, 5 →
    4.5 → 87.5; score (550/7 + 87.5)/2 = 2325/28; favourable 6 + 6 = 12 of 13; respondents 7 (s1, o1–3,
    p1–3); rate 9 ÷ (5 + 4 + 10) = 9/19.
    "*" communication: 4, 4, 4, 5, 5, 5 → 87.5; favourable 6/6; 6; rate 9/19.
    """
    rows = [
        (1, "anonymous", "Search", D, "", ""),
        (2, "anonymous", "search", "N/A", "", "I don't know"),
        (3, "anonymous", "Orders", A, D, A),
        (4, "anonymous", "ORDERS", A, D, A),
        (5, "anonymous", "orders ", A, D, A),
        (6, "anonymous", "Orders", "Not applicable", "", "N/A"),
        (7, "anonymous", "Payments", SA, SD, SA),
        (8, "anonymous", "payments", SA, SD, SA),
        (9, "anonymous", "PAYMENTS", SA, SD, SA),
    ]
    names = {"orders": [], "payments": [], "search": []}
    report = run(engine, write_csv(tmp_path / "forms.csv", microsoft(rows)), names)
    assert report.respondents_by_team == {"orders": 4, "payments": 3, "search": 2}
    got = scores(engine, minimum=3, teams={"orders": 5, "payments": 4, "search": 10})
    assert sorted(got) == [("*", Q3, COM), ("*", Q3, SAT), ("orders", Q3, COM), ("orders", Q3, SAT)]
    assert figures(got[("orders", Q3, SAT)]) == expect(75.0, 1.0, 3, 4 / 5)
    assert figures(got[("orders", Q3, COM)]) == expect(75.0, 1.0, 3, 4 / 5)
    assert figures(got[("*", Q3, SAT)]) == expect(2325 / 28, 12 / 13, 7, 9 / 19)
    assert figures(got[("*", Q3, COM)]) == expect(87.5, 1.0, 6, 9 / 19)


# ==================================================================================================
# 7. Every team suppressed, the organisation row shown × reverse × missing × a Typeform partial
# ==================================================================================================


def test_the_organisation_row_alone_counts_every_suppressed_team_but_no_partial_response(
    tmp_path: Path, engine: Engine
) -> None:
    """Typeform (the team a short text); min 4; headcounts orders 4, payments 4, search 4.

    orders t1–t3 (typed "Orders", "ORDERS", "orders team"), payments t4–t6, search t7–t8; t9 a partial
    response typed "Search" (SPEC §7.2: only completed responses), which must not count anywhere.
    Every team has fewer than 4: all suppressed. "*" has 8 ≥ 4 and is shown (§7.4: it "counts every
    respondent, suppressed teams included"); the suppressed hold 8 ≥ 4, so differencing hides nothing.
    "*" satisfaction: tools 4, 5, 2, 3, 4, (N/A), 1, 4 → 23/7 → (16/7)/4 × 100 = 400/7; burnout reversed
    A 4 → 2, (blank), SD → 5, D → 4, N → 3, A → 2, SA → 1, D → 4 → 21/7 = 3 → 50; score (400/7 + 50)/2 =
    375/7; favourable tools 4, 5, 4, 4 (4) + burnout 5, 4, 4 (3) = 7 of 14; respondents 8; rate 8/12.
    "*" communication: (N/A), 4, 5, 2, (blank), 4, 1, 3 → 19/6 → (13/6)/4 × 100 = 325/6; favourable 3 of
    6; respondents 6 ≥ 4; rate 8/12.
    (With t9 counted, search would hold 3 and "*" 9 respondents.)
    """
    rows = [
        ("t1", "Orders", A, A, "N/A", "completed"),
        ("t2", "ORDERS", SA, "", A, "completed"),
        ("t3", "orders team", D, SD, SA, "completed"),
        ("t4", "Payments", N, D, D, "completed"),
        ("t5", "payments", A, N, "", "completed"),
        ("t6", "PAYMENTS", "N/A", A, A, "completed"),
        ("t7", "Search", SD, SA, SD, "completed"),
        ("t8", "search ", A, D, N, "completed"),
        ("t9", "Search", SA, SD, SA, "partial"),
    ]
    names = {"orders": ["Orders team"], "payments": [], "search": []}
    report = run(engine, write_csv(tmp_path / "typeform.csv", typeform(rows)), names)
    assert (report.format, report.skipped, report.responses) == ("typeform", 1, 8)
    got = scores(engine, minimum=4, teams={"orders": 4, "payments": 4, "search": 4})
    assert sorted(got) == [("*", Q3, COM), ("*", Q3, SAT)]
    assert figures(got[("*", Q3, SAT)]) == expect(375 / 7, 7 / 14, 8, 8 / 12)
    assert figures(got[("*", Q3, COM)]) == expect(325 / 6, 3 / 6, 6, 8 / 12)


# ==================================================================================================
# 8. A value outside the scale in the quarter's second file (another tool) × all or nothing × the
#    reverse item × typed team spellings × thresholds crossed only once the corrected file is in
# ==================================================================================================


def test_an_out_of_scale_reverse_answer_refuses_the_second_file_and_its_fix_crosses_the_thresholds(
    cli: Cli,
) -> None:
    """min_group_size 3; orders (headcount 5, survey_names "Orders team"), payments (5).

    File 1, Microsoft Forms (anonymous, IDs 1–4): orders "Orders team" A/D, "orders" SA/SD; payments
    "Payments" D/A, "PAYMENTS" D/A (tools/burnout). Both teams 2 < 3: suppressed; "*" 4 shown (hidden 4).
    "*": tools 4, 5, 2, 2 → 13/4 → 56.25; burnout reversed 4, 5, 2, 2 → 56.25; score 56.25; favourable
    4 of 8; 4; rate 4/10.
    File 2, Typeform: tok1 "ORDERS" A/SA; tok2 "payments" SA/"6"; tok3 "Orders Team" N/D. "6" is outside
    the five-point scale: SPEC §9 a bad survey file "is reported with its location and changes nothing",
    §7.3 "an error naming the row and column": row 3 (header row 1), the burnout column. Exit 2, the store
    and the scores as they were.
    The corrected file (tok2 burnout Strongly agree): orders 1, 2, tok1, tok3 = 4; payments 3, 4, tok2 = 3;
    all shown.
    orders: tools 4, 5, 4, 3 → 4 → 75; burnout reversed 4, 5, 1, 4 → 3.5 → 62.5; score 68.75; favourable
    3 + 3 = 6 of 8; 4; rate 4/5.
    payments: tools 2, 2, 5 → 3 → 50; burnout reversed 2, 2, 1 → 5/3 → 50/3; score 100/3; favourable
    1 of 6; 3; rate 3/5.
    "*": tools 25/7 → (18/7)/4 × 100 = 450/7; burnout 19/7 → (12/7)/4 × 100 = 300/7; score 375/7;
    favourable 4 + 3 = 7 of 14; 7; rate 7/10.
    """
    cli.configure(
        '  - {name: orders, headcount: 5, survey_names: ["Orders team"]}\n'
        "  - {name: payments, headcount: 5}\n",
        minimum=3,
    )
    forms = [
        (1, "anonymous", "Orders team", A, D, ""),
        (2, "anonymous", "orders", SA, SD, ""),
        (3, "anonymous", "Payments", D, A, ""),
        (4, "anonymous", "PAYMENTS", D, A, ""),
    ]
    assert cli.survey_import(write_csv(cli.folder / "forms.csv", microsoft(forms)))[0] == 0
    before_scores, before_store = cli.scores(), cli.dump()
    assert before_scores == [json_row("*", SAT, 56.25, 0.5, 4, 0.4)]

    def later(burnout: str) -> list[list[str]]:
        return typeform(
            [
                ("tok1", "ORDERS", A, SA, "", "completed"),
                ("tok2", "payments", SA, burnout, "", "completed"),
                ("tok3", "Orders Team", N, D, "", "completed"),
            ]
        )

    bad = write_csv(cli.folder / "typeform-bad.csv", later("6"))
    status, err = cli.survey_import(bad)
    assert status == 2
    assert (
        err == f"doraspace: error: {bad}, row 3, column {BURNOUT!r}: '6' is outside scale agree5 (1 to 5)\n"
    )
    assert (cli.scores(), cli.dump()) == (before_scores, before_store)

    status, err = cli.survey_import(write_csv(cli.folder / "typeform.csv", later(SA)))
    assert (status, "3 respondents (3 new)" in err) == (0, True)
    assert cli.scores() == [
        json_row("*", SAT, 375 / 7, 0.5, 7, 0.7),
        json_row("orders", SAT, 68.75, 0.75, 4, 0.8),
        json_row("payments", SAT, 100 / 3, 1 / 6, 3, 0.6),
    ]


# ==================================================================================================
# 9. A missing-answer label typed as the team × the missing rule (which is for answers, not the team)
# ==================================================================================================


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("N/A", "unknown team 'N/A': not a team name or one of its survey_names"),
        ("I don’t know", "unknown team 'I don’t know': not a team name or one of its survey_names"),
        ("  ", "no answer to the team question"),
    ],
    ids=["n/a", "i-dont-know-curly", "blank"],
)
def test_a_missing_label_typed_as_the_team_is_an_unknown_team_not_a_skipped_row(
    tmp_path: Path, engine: Engine, typed: str, message: str
) -> None:
    """SPEC §7.1: ``missing:`` answers "leave the denominator" — a rule for item answers; the team answer
    is matched to a team and "an unknown team is an error naming the row". A respondent typing "N/A" (or
    "I don't know", or nothing) as their team is therefore refused, naming the row and the team column,
    and the file stores nothing (§7.3) — not dropped silently, which would shrink a team below the
    threshold unseen, nor counted in "*" without a team.
    """
    rows = [
        ("14/07/2026 10:00:00", "Orders", A, D, A),
        ("14/07/2026 10:01:00", "orders", A, D, A),
        ("14/07/2026 10:02:00", typed, SA, SD, SA),
        ("14/07/2026 10:03:00", "ORDERS", A, D, A),
    ]
    file = write_csv(tmp_path / "google.csv", google(rows))
    with pytest.raises(SurveyImportError) as refused:
        run(engine, file, {"orders": []})
    assert str(refused.value) == f"{file}, row 4, column {TEAM!r}: {message}"
    with engine.connect() as conn:
        assert conn.execute(select(schema.survey_responses.c.respondent)).all() == []


# ==================================================================================================
# 10. Microsoft Forms .xlsx × a typed team with a line break × a resubmission (same e-mail, other case)
#     moving the respondent to another team × per-dimension suppression and differencing × rates
# ==================================================================================================


def workbook(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def test_a_workbook_resubmission_moving_team_by_typed_text_with_per_dimension_differencing(
    tmp_path: Path, engine: Engine
) -> None:
    """Microsoft Forms "Open in Excel" workbook (Completion time as Excel dates); min 3; orders (headcount
    4, survey_names "Orders team"), payments (4).

    ana first typed "Orders⏎team" (Alt+Enter in a text box: a whitespace run, folded) on 7/14, then
    resubmitted on 7/15 as "ANA@Corp.Example" typing "PAYMENTS": SPEC §7.3 the e-mail is the identifier,
    so she is one respondent, on payments with her later answers (7 rows, 1 superseded, 6 stored).
    orders: ben, cy, fay = 3; payments: dee, eve, ana = 3; "*" 6. Nothing suppressed at the quarter level.
    orders satisfaction: tools 5, 2, 4 → 11/3 → 200/3; burnout reversed D → 4, SD → 5, N → 3 → 4 → 75; score
    (200/3 + 75)/2 = 425/6; favourable 2 + 2 = 4 of 6; 3; rate 3/4.
    payments satisfaction: tools 4, 2, 1 → 7/3 → 100/3; burnout reversed A → 2, N → 3, SA → 1 → 2 → 25;
    score 175/6; favourable 1 + 0 = 1 of 6; 3; rate 3/4.
    "*" satisfaction: tools 5, 2, 4, 4, 2, 1 → 3 → 50; burnout 4, 5, 3, 2, 3, 1 → 3 → 50; score 50;
    favourable 3 + 2 = 5 of 12; 6; rate 6/8.
    Communication: orders cy, fay (ben blank) = 2 < 3: hidden; "*" 5 ≥ 3 shown; the hidden hold 2 < 3, so
    payments (3) loses its communication row too. "*": 4, 4, 2, 2, 1 → 13/5 → 40; favourable 2/5; 5;
    rate 6/8. (Had ana's first answers counted, orders would have 3 on communication and 4 people.)
    """
    header = [*MS_HEADER[:3], "Email", "Name", TEAM, TOOLS, BURNOUT, HELP]

    def row(number: int, when: datetime, email: str, team: str, *answers: str) -> list[object]:
        return [number, when, when, email, "Someone", team, *answers]

    day14, day15 = datetime(2026, 7, 14, 10, 0), datetime(2026, 7, 15, 9, 30)
    rows = [
        header,
        row(1, day14, "ana@corp.example", "Orders\nteam", A, D, A),
        row(2, day14.replace(minute=1), "ben@corp.example", "ORDERS", SA, D, ""),
        row(3, day14.replace(minute=2), "cy@corp.example", "orders team ", D, SD, A),
        row(4, day14.replace(minute=3), "dee@corp.example", "Payments", A, A, D),
        row(5, day14.replace(minute=4), "eve@corp.example", "payments", D, N, D),
        row(6, day15, "ANA@Corp.Example", "PAYMENTS", SD, SA, SD),
        row(7, day15.replace(minute=45), "fay@corp.example", "Orders", A, N, A),
    ]
    file = workbook(tmp_path / "forms.xlsx", rows)
    report = run(engine, file, {"orders": ["Orders team"], "payments": []})
    assert (report.format, report.rows, report.superseded, report.responses) == ("microsoft-forms", 7, 1, 6)
    got = scores(engine, minimum=3, teams={"orders": 4, "payments": 4})
    assert sorted(got) == [("*", Q3, COM), ("*", Q3, SAT), ("orders", Q3, SAT), ("payments", Q3, SAT)]
    assert figures(got[("orders", Q3, SAT)]) == expect(425 / 6, 4 / 6, 3, 3 / 4)
    assert figures(got[("payments", Q3, SAT)]) == expect(175 / 6, 1 / 6, 3, 3 / 4)
    assert figures(got[("*", Q3, SAT)]) == expect(50.0, 5 / 12, 6, 6 / 8)
    assert figures(got[("*", Q3, COM)]) == expect(40.0, 2 / 5, 5, 6 / 8)


# ==================================================================================================
# 11–12. A team renamed "only in letter case" (as the product folds names: Straße → STRASSE, Zürich
#        composed → decomposed) between two imports × typed team answers × the threshold / the change
# ==================================================================================================

ZURICH_NFC, ZURICH_NFD = "Z\u00fcrich", "Zu\u0308rich"
RENAMES = [
    pytest.param("Straße", "STRASSE", ("strasse", "Straße", "STRASSE", "straße"), id="strasse"),
    pytest.param(ZURICH_NFC, ZURICH_NFD, ("ZÜRICH", "zürich", ZURICH_NFD, " Zürich "), id="zurich-nfd"),
]


def rename_teams(name: str) -> str:
    return f"  - {{name: {name}, headcount: 6}}\n  - {{name: orders, headcount: 5}}\n"


@pytest.mark.parametrize(("old", "new", "typed"), RENAMES)
def test_a_team_renamed_in_folded_letter_case_between_two_exports_of_a_quarter_stays_one_group(
    cli: Cli, old: str, new: str, typed: tuple[str, str, str, str]
) -> None:
    """min_group_size 3; the team (headcount 6) and orders (5).

    docs/configuration.md: team names are unique "whatever its letter case and Unicode form (`Straße` and
    `STRASSE`, `Zürich` composed or decomposed are one name)"; docs/surveys.md: "a team renamed only in
    letter case keeps its earlier quarters"; SPEC §7.1 matches the typed team case-insensitively.
    The first export (Google Forms) is imported under the old spelling: s1, s2 typed two ways, o1–o3 on
    orders. The operator then respells the team in the config; a second export of the same quarter (a
    Typeform used by the rest of the team) brings s3, s4. The team is one group of 4, not two of 2.
    Team: tools 4, 4, 5, 2 → 15/4 → (11/4)/4 × 100 = 68.75; favourable 3/4; 4 respondents; rate 4/6.
    orders: 2, 2, 3 → 7/3 → 100/3; favourable 0; 3; rate 3/5.
    "*": 22/7 → (15/7)/4 × 100 = 375/7; favourable 3/7; 7; rate 7 ÷ (6 + 5) = 7/11.
    (Split in two groups of 2 < 3, both would be suppressed and "*"'s rate null, a team it counts having
    no configured headcount under its old spelling.)
    """
    cli.configure(rename_teams(old), minimum=3)
    first = [
        ("14/07/2026 10:00:00", typed[0], A, "", ""),
        ("14/07/2026 10:01:00", typed[1], A, "", ""),
        ("14/07/2026 10:02:00", "Orders", D, "", ""),
        ("14/07/2026 10:03:00", "orders", D, "", ""),
        ("14/07/2026 10:04:00", "ORDERS", N, "", ""),
    ]
    assert cli.survey_import(write_csv(cli.folder / "google.csv", google(first)))[0] == 0
    cli.configure(rename_teams(new), minimum=3)
    second = [
        ("tok3", typed[2], SA, "", "", "completed"),
        ("tok4", typed[3], D, "", "", "completed"),
    ]
    assert cli.survey_import(write_csv(cli.folder / "typeform.csv", typeform(second)))[0] == 0
    got = {(row["team"], row["dimension"]): row for row in cli.scores()}
    assert got == {
        ("*", SAT): json_row("*", SAT, 375 / 7, 3 / 7, 7, 7 / 11),
        (new, SAT): json_row(new, SAT, 68.75, 3 / 4, 4, 4 / 6),
        ("orders", SAT): json_row("orders", SAT, 100 / 3, 0.0, 3, 3 / 5),
    }


@pytest.mark.parametrize(("old", "new", "typed"), RENAMES)
def test_a_team_renamed_in_folded_letter_case_between_quarters_keeps_its_change_and_rate(
    cli: Cli, old: str, new: str, typed: tuple[str, str, str, str]
) -> None:
    """min_group_size 3; the team (headcount 6) and orders (5); tools only.

    2026-Q2 is imported under the old spelling (s1–s3 typed three ways, all Disagree; orders o1–o3
    Disagree), then the config respells the team (one name, docs/configuration.md) and 2026-Q3 is imported
    (s4–s6 and o4–o6, all Agree). docs/surveys.md: "a team renamed only in letter case keeps its earlier
    quarters".
    Every group, both quarters: Q2 tools 2 → 25, favourable 0; Q3 tools 4 → 75, favourable 1; own scores
    all equal, so SE 0 on both sides, moved 50 ≥ 5 and > 0: "rising" in Q3 (SPEC §7.4).
    Rates by today's headcounts: the team 3/6, orders 3/5, "*" 6/11 in both quarters.
    """
    cli.configure(rename_teams(old), minimum=3)
    q2 = [(f"14/04/2026 10:0{n}:00", team, D, "", "") for n, team in enumerate([*typed[:3], *["Orders"] * 3])]
    assert cli.survey_import(write_csv(cli.folder / "q2.csv", google(q2)), Q2)[0] == 0
    cli.configure(rename_teams(new), minimum=3)
    q3 = [(f"14/07/2026 10:0{n}:00", team, A, "", "") for n, team in enumerate([*typed[1:], *["orders"] * 3])]
    assert cli.survey_import(write_csv(cli.folder / "q3.csv", google(q3)), Q3)[0] == 0
    got = {(row["team"], row["quarter"]): row for row in cli.scores()}
    expected = {}
    for team, rate in (("*", 6 / 11), (new, 3 / 6), ("orders", 3 / 5)):
        expected[(team, Q2)] = json_row(team, SAT, 25.0, 0.0, 3 if team != "*" else 6, rate, None, Q2)
        expected[(team, Q3)] = json_row(team, SAT, 75.0, 1.0, 3 if team != "*" else 6, rate, "rising", Q3)
    assert got == expected


# ==================================================================================================
# 13. A catalog owner spelled in another (folded) letter case than the configured team × a typed team
#     answer × the survey import's spelling check
# ==================================================================================================


def test_a_catalog_owner_in_folded_case_is_the_configured_team_for_typed_answers(cli: Cli) -> None:
    """Config: team Straße (headcount 4, no repository); the store's catalog says acme/checkout is owned
    by STRASSE (Backstage entity names are ASCII). docs/configuration.md: teams[].name is unique "whatever
    its letter case and Unicode form (`Straße` and `STRASSE` … are one name; catalog owners and survey
    answers are matched to it)"; SPEC §7.1: the typed team is matched case-insensitively to a team of the
    ownership map. Three people type "strasse", "STRASSE", "Straße": one team, Straße.
    Scores (min 3): tools 4, 4, 4 → 75; favourable 1; 3 respondents; rate 3/4; "*" the same.
    """
    cli.configure("  - {name: Straße, headcount: 4}\n", minimum=3)
    store = open_store(f"duckdb:///{cli.database}")
    try:
        with store.begin() as conn:
            conn.execute(
                insert(schema.repositories),
                [
                    {
                        "full_name": "acme/checkout",
                        "default_branch": "main",
                        "discovered_from": "config",
                        "synced_at": datetime(2026, 7, 1),
                    }
                ],
            )
            conn.execute(
                insert(schema.catalog_components),
                [
                    {
                        "file_repo": "acme/checkout",
                        "position": 0,
                        "name": "checkout",
                        "owner": "STRASSE",
                        "repo": "acme/checkout",
                    }
                ],
            )
    finally:
        store.dispose()
    rows = [["respondent_id", "team", "submitted_at", "item_id", "answer"]]
    rows += [[f"r{n}", typed, "", "sat_tools", A] for n, typed in enumerate(["strasse", "STRASSE", "Straße"])]
    status, err = cli.survey_import(write_csv(cli.folder / "long.csv", rows))
    assert (status, err.startswith("doraspace: error")) == (0, False), err
    assert cli.scores() == [
        json_row("*", SAT, 75.0, 1.0, 3, 3 / 4),
        json_row("Straße", SAT, 75.0, 1.0, 3, 3 / 4),
    ]
