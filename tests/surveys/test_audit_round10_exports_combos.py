"""The native survey exports where two SPACE rules meet (audit round 10; SPEC §7.1–§7.4, docs/surveys.md).

Each scenario is one export written here in the shape of its tool, its team question asked as a text
entry (Google short answer, Microsoft Forms text, Typeform short text, Qualtrics ``Q1``/``QID1_TEXT``)
and typed through a ``survey_names:`` alias in another letter case and with runs of (no-break) spaces,
combined with what earlier rounds left apart:

1. Google Forms through the CLI (``doraspace survey import`` without ``--format``, then ``survey scores
   --format json``): a UTF-8 BOM, a linear scale answered as numbers beside a grid answered as labels in
   odd case and spacing, ``missing:`` labels in upper case and with a curly apostrophe, free-text
   columns whose titles start or end with an item's wording, e-mail or timestamp identity, per-dimension
   suppression with differencing not triggered, and a re-import that adds nothing;
2. Microsoft Forms saved by a European Excel as "CSV UTF-8" (BOM, semicolons): a rating question
   written ``4.0``, Likert labels in odd case, a resubmission by e-mail in another letter case that
   clears an answer, anonymous rows identified by ``ID``, look-alike columns holding ``0``;
3. Typeform: an export from before ``Response Type`` existed (every row a completed response) with a
   BOM and every field quoted, then the current export of the same form with partial responses on
   known and unknown teams: only the new completed tokens are added;
4. Qualtrics: Status labels beyond the preview (Spam, Survey Test, Offline) and Finished False, with
   e-mail identity (a later spam attempt of a counted e-mail) and response-id identity, a reverse item
   asked as a choice with an "Other" box whose choice is a ``missing:`` label (the box never read), a
   matrix of text boxes whose rows repeat an item's wording (never read), differencing per dimension
   (docs/metrics.md), the same file re-imported, the numeric-values export of the same responses
   refused at the "Other" code, and that export without the "Other" row adding and changing nothing.

Every expected number is worked out by hand in the test's docstring from SPEC §7.4: per item
``(mean − 1) / (points − 1) × 100`` (a reverse item scores ``points + 1 − x``), averaged over the
dimension's items; ``favourable`` = favourable ÷ valid answers; ``respondents`` = people with a valid
answer on the dimension; ``response_rate`` = the team-quarter's respondents ÷ headcount (the
organisation ÷ the sum of all headcounts, 8 + 5 + 4 = 17 here). min_group_size is 3 throughout.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select

from analytics.space import SpaceScore, compute_space
from doraspace.cli import main
from store import schema
from store.engine import open_store
from store.errors import SurveyImportError
from surveys.definition import parse_definition
from surveys.importer import ImportReport, import_survey, team_spellings

SECRET = "round10-exports-secret"
SECRET_VARIABLE = "ROUND10_EXPORTS_SECRET"
Q3 = "2026-Q3"
TEAM = "Which team are you on?"
TOOLS = "I am satisfied with the tools and processes I use to do my work"
BURNOUT = "I feel burned out from my work"
HELP = "It is easy to get help from other teams when my work depends on them"
GRID = "How much do you agree with each statement?"
MATRIX = "Please rate how much you agree with each statement about your work."
LABELS = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
OTHER = "Other (please describe)"
MISSING = ["I don't know", "N/A", "Not applicable", OTHER, ""]
DEFINITION_TEXT = f"""
survey: devex
scales:
  agree5: {{points: 5, labels: [{", ".join(LABELS)}], favourable: [4, 5]}}
missing: [{", ".join(json.dumps(label) for label in MISSING)}]
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{BURNOUT}", dimension: satisfaction, scale: agree5, reverse: true}}
  - {{id: com_help, text: "{HELP}", dimension: communication, scale: agree5}}
"""
SURVEY = parse_definition(DEFINITION_TEXT)
SURVEY_NAMES = {
    "order-team": ["The Orders squad", "Orders"],
    "payments-team": ["Payments"],
    "platform": ["Platform team"],
}
TEAM_NAMES = team_spellings(SURVEY_NAMES)
HEADCOUNTS: dict[str, int | None] = {"order-team": 8, "payments-team": 5, "platform": 4}
BOM = "\ufeff"
NBSP = "\u00a0"
SAT, COM = "satisfaction", "communication"


def write_csv(
    path: Path,
    rows: Sequence[Sequence[str]],
    *,
    bom: bool = False,
    delimiter: str = ",",
    quoting: int = csv.QUOTE_MINIMAL,
) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator="\r\n").writerows(rows)
    path.write_text((BOM if bom else "") + buffer.getvalue(), encoding="utf-8")
    return path


SURVEY_TABLES = (schema.survey_answers, schema.survey_responses, schema.survey_items)


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    folder = tmp_path_factory.mktemp("round10-exports")
    store = open_store(f"duckdb:///{folder}/store.duckdb")
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture
def engine(shared_store: Engine) -> Engine:
    """One store for the module (creating one costs more than the tests), emptied before each test."""
    with shared_store.begin() as conn:
        for table in SURVEY_TABLES:
            conn.execute(delete(table))
    return shared_store


def run(engine: Engine, file: Path) -> ImportReport:
    return import_survey(engine, file, SURVEY, quarter=Q3, fmt="auto", secret=SECRET, team_names=TEAM_NAMES)


def stored(engine: Engine) -> list[list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return [
            sorted((tuple(row) for row in conn.execute(select(table))), key=str) for table in SURVEY_TABLES
        ]


def scores(engine: Engine) -> dict[tuple[str, str], tuple[Any, ...]]:
    rows: list[SpaceScore] = compute_space(engine, teams=HEADCOUNTS, min_group_size=3)
    assert {row.quarter for row in rows} <= {Q3}
    return {
        (row.team, row.dimension): (row.score, row.favourable, row.respondents, row.response_rate)
        for row in rows
    }


def expect(score: float, favourable: float, respondents: int, rate: float | None) -> tuple[Any, ...]:
    return (
        pytest.approx(score, rel=1e-12, abs=1e-12),
        pytest.approx(favourable, rel=1e-12, abs=1e-12),
        respondents,
        None if rate is None else pytest.approx(rate, rel=1e-12),
    )


# ==================================================================================================
# 1. Google Forms through the CLI: BOM × auto × short-answer team through aliases × linear scale as
#    numbers × grid labels in odd case × missing labels in odd case × look-alike free text × identity
#    by e-mail or timestamp × per-dimension suppression × re-import adds nothing
# ==================================================================================================

# Free-text questions whose titles hold an item's wording but are not the item: a Google Forms title
# with " - " in it is one whole question (docs/surveys.md), and a title is matched whole.
WHY_BURNOUT = f"{BURNOUT} - why?"
ABOUT_HELP = f"Anything to add about this: {HELP}"


class Cli:
    """A config (teams with headcounts and survey_names, min_group_size 3), the definition file and a
    DuckDB store in one folder; ``doraspace`` run in-process."""

    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.folder = folder
        self.capsys = capsys
        teams = "\n".join(
            f"  - {{name: {team}, headcount: {HEADCOUNTS[team]}, survey_names: {json.dumps(names)}}}"
            for team, names in SURVEY_NAMES.items()
        )
        self.config = folder / "doraspace.yaml"
        self.config.write_text(
            f"database:\n  url: duckdb:///{folder}/store.duckdb\nteams:\n{teams}\n"
            f"surveys:\n  min_group_size: 3\n  respondent_secret: ${{{SECRET_VARIABLE}}}\n",
            encoding="utf-8",
        )
        self.definition = folder / "devex.yaml"
        self.definition.write_text(DEFINITION_TEXT, encoding="utf-8")

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        status = main([*args[:2], "--config", str(self.config), *args[2:]])
        captured = self.capsys.readouterr()
        return status, captured.out, captured.err

    def survey_import(self, file: Path) -> str:
        status, _, err = self.run(
            "survey", "import", str(file), "--definition", str(self.definition), "--quarter", Q3
        )
        assert status == 0, err
        return err

    def scores(self) -> list[dict[str, Any]]:
        status, out, err = self.run("survey", "scores", "--format", "json")
        assert status == 0, err
        return json.loads(out)


def row(
    team: str, dimension: str, score: float, favourable: float, respondents: int, rate: float
) -> dict[str, Any]:
    return {
        "team": team,
        "quarter": Q3,
        "dimension": dimension,
        "score": pytest.approx(score, rel=1e-12),
        "favourable": pytest.approx(favourable, rel=1e-12),
        "respondents": respondents,
        "response_rate": pytest.approx(rate, rel=1e-12),
        "change": None,
    }


def test_google_short_answer_team_numbers_and_odd_labels_with_look_alike_free_text_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Google Forms download with a BOM, imported without ``--format`` (SPEC §7.2: ``auto``; "A UTF-8
    BOM is ignored"). The team is a short answer, typed (SPEC §7.1, folded, ``survey_names``):
    " orders " (alias Orders), "THE  orders·SQUAD" (· a no-break space; alias The Orders squad),
    "Order-Team" → order-team (G1-G3); "payments", "PAYMENTS ", "Payments⇥" → payments-team (G4-G6).
    The tools item is a linear scale (numbers, SPEC §7.1 "or by number"), burnout (reverse) a grid row
    answered by label in odd case and spacing, help a multiple choice. ``n/a``, "I DON’T  KNOW" (curly,
    upper case, two spaces) and "not APPLICABLE" are ``missing:`` labels; the tools blank is no answer.
    The free-text columns "I feel burned out from my work - why?" and "Anything to add about this: It
    is easy to get help…" are no item (their whole title is not the item's wording); what they hold
    ("Agree, mostly", "5/5", "0") would refuse the file if read.

    order-team satisfaction: tools 4, 5, 2 → 11/3 → (8/3)/4 × 100 = 200/3; burnout DISAGREE 2 → 4,
    strongly·agree 5 → 1, "neither AGREE nor  disagree" 3 → 3 → 8/3 → 125/3; score (200/3 + 125/3)/2 =
    325/6; favourable tools 4, 5 + burnout 4 = 3 of 6; 3 respondents; rate 3/8.
    payments-team satisfaction: tools 1, blank, 4 → 2.5 → 37.5; burnout "Strongly disagree" 1 → 5,
    "agree" 4 → 2, "not APPLICABLE" missing → 3.5 → 62.5; score 50; favourable tools 4 + burnout 5 =
    2 of 4; 3 respondents (G4 both, G5 burnout, G6 tools); rate 3/5.
    Communication: order-team "agree" 4, n/a, "STRONGLY AGREE" 5 → 2 respondents; payments-team
    I DON’T KNOW, "disagree" 2, "Agree" 4 → 2: both dimensions < 3, hidden. The hidden teams together
    hold 4 ≥ 3 respondents on it, so the organisation's is shown: 4, 5, 2, 4 → 15/4 → 68.75;
    favourable 3/4; 4 respondents; rate 6/17 (the quarter's 6 respondents ÷ 17).
    Organisation satisfaction: tools 4, 5, 2, 1, 4 → 16/5 → 55; burnout 4, 1, 3, 5, 2 → 3 → 50; score
    52.5; favourable 3 + 2 = 5 of 10; 6 respondents; rate 6/17.
    Stored: 3 + 2 + 3 + 2 + 2 + 2 = 14 answers, 4 missing. The same download imported again: 6
    respondents, 0 new, same scores.
    """
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    cli = Cli(tmp_path, capsys)
    header = ["Timestamp", "Email Address", TEAM, TOOLS, f"{GRID} [{BURNOUT}]", HELP, WHY_BURNOUT, ABOUT_HELP]
    body = [
        ("Ana@Example.com", " orders ", "4", "  DISAGREE ", "agree", "Agree, mostly", "5/5"),
        ("", f"THE  orders{NBSP}SQUAD", "5", f"strongly{NBSP}agree", "n/a", "", "0"),
        ("", "Order-Team", "2", "neither AGREE nor  disagree", "STRONGLY AGREE", "Strongly agree!", ""),
        ("ben@example.com", "payments", "1", "Strongly disagree", "I DON\u2019T  KNOW", "", "Payments"),
        ("", "PAYMENTS ", "", "agree", "disagree", "Never", ""),
        ("", "Payments\t", "4", "not APPLICABLE", "Agree", "", "Orders"),
    ]
    rows = [header] + [[f"14/07/2026 10:0{n}:00", *cells] for n, cells in enumerate(body)]
    export = write_csv(tmp_path / "responses.csv", rows, bom=True)

    summary = cli.survey_import(export)
    assert "google-forms, devex 2026-Q3: 6 respondents (6 new), 14 answers, 4 missing answers" in summary
    expected = [
        row("*", COM, 68.75, 3 / 4, 4, 6 / 17),
        row("*", SAT, 52.5, 5 / 10, 6, 6 / 17),
        row("order-team", SAT, 325 / 6, 3 / 6, 3, 3 / 8),
        row("payments-team", SAT, 50.0, 2 / 4, 3, 3 / 5),
    ]
    assert cli.scores() == expected

    again = cli.survey_import(export)
    assert "6 respondents (0 new), 14 answers" in again
    assert cli.scores() == expected


# ==================================================================================================
# 2. Microsoft Forms "CSV UTF-8" from a European Excel: BOM × semicolons × text-entry team through
#    aliases × rating written 4.0 × Likert labels in odd case × resubmission by e-mail in another case
#    clearing an answer × anonymous rows by ID × look-alike columns × re-import adds nothing
# ==================================================================================================

MS_META = ["ID", "Start time", "Completion time", "Email", "Name"]
POINTS_BURNOUT = f"Points - {BURNOUT}"
COMMENT_BURNOUT = f"Comments - {BURNOUT}"


def test_microsoft_forms_semicolon_bom_csv_with_decimal_ratings_and_a_resubmission_clearing_an_answer(
    engine: Engine, tmp_path: Path
) -> None:
    """Excel's "CSV UTF-8" in a European locale writes a BOM and semicolons (docs/surveys.md). The team
    is a Text question, typed "platform team" (alias Platform team), "PLATFORM", " Platform·Team " (·
    no-break space), "platform". Tools is a Rating question saved as "4.0"/"3.0"/"2.0" (docs: "also 4.0
    from a spreadsheet"); burnout (reverse) and help are Likert statements in odd case. "Points - I feel
    burned out…" (holding "0", outside the scale) and "Comments - I feel burned out…" (free text) are no
    item: a Microsoft Forms title is matched whole.

    Cy answered as cy@example.com (ID 1, 10:01) and again as "CY@Example.COM" on 7/15 (ID 5): one
    respondent (e-mail case-folded, SPEC §7.3), the later submission counting whole — tools 2.0,
    burnout Neither, help left blank, so Cy's first help answer (Strongly agree) is gone. IDs 2 and 3
    are ``anonymous``: identified by ID.

    platform satisfaction: tools 2 (Cy), 5, 3 → 10/3 → (7/3)/4 × 100 = 175/3; burnout (reverse)
    Neither 3 → 3, "agree" 4 → 2, "strongly disagree" 1 → 5 → 10/3 → 175/3; score 175/3; favourable
    tools 5 + burnout 5 = 2 of 6; 3 respondents; rate 3/4. Communication: Cy blank, "Agree" 4, "N/A" →
    1 respondent: hidden, and the organisation's too (1 < 3). The organisation's satisfaction is
    platform's: 175/3, 2/6, 3, rate 3/17. (With Cy's first row: tools 4 → 200/3 and a communication
    row of 2 answers; with both: 4 respondents.)
    Rows 4, superseded 1, respondents 3; answers Cy 2 + 3 + 2 = 7, missing Cy's help + "N/A" = 2.
    """
    header = [*MS_META, TEAM, TOOLS, BURNOUT, HELP, POINTS_BURNOUT, COMMENT_BURNOUT]
    body = [
        (
            "1",
            "10:01",
            "cy@example.com",
            "Cy",
            "platform team",
            "4.0",
            "DISAGREE",
            "Strongly  agree",
            "0",
            "",
        ),
        ("2", "10:02", "anonymous", "", "PLATFORM", "5", "agree", "Agree", "0", "Agree, mostly"),
        ("3", "10:03", "anonymous", "", f" Platform{NBSP}Team ", "3.0", "strongly disagree", "N/A", "0", ""),
    ]
    rows = [header]
    for number, clock, email, name, *answers in body:
        stamp = f"7/14/2026 {clock}:00"
        rows.append([number, stamp, stamp, email, name, *answers])
    later = "7/15/2026 09:00:00"
    rows.append(
        [
            "5",
            later,
            later,
            "CY@Example.COM",
            "Cy",
            "platform",
            "2.0",
            "neither agree nor disagree",
            "",
            "0",
            "",
        ]
    )
    export = write_csv(tmp_path / "forms.csv", rows, bom=True, delimiter=";")

    report = run(engine, export)
    assert (report.format, report.rows, report.superseded, report.responses) == ("microsoft-forms", 4, 1, 3)
    assert (report.answers, report.missing_answers) == (7, 2)
    assert dict(report.respondents_by_team) == {"platform": 3}
    assert COMMENT_BURNOUT in report.ignored_columns

    expected = {
        ("platform", SAT): expect(175 / 3, 2 / 6, 3, 3 / 4),
        ("*", SAT): expect(175 / 3, 2 / 6, 3, 3 / 17),
    }
    assert scores(engine) == expected

    before = stored(engine)
    again = run(engine, export)
    assert (again.responses, again.new_responses, again.kept_later) == (3, 0, 0)
    assert stored(engine) == before
    assert scores(engine) == expected


# ==================================================================================================
# 3. Typeform: an export from before "Response Type" (every row completed) × BOM × every field quoted,
#    then the current export with partial responses × the # token identity across the two
# ==================================================================================================

TYPEFORM_MORE = f"{BURNOUT} (tell us more)"


def typeform_export(rows: Sequence[tuple[str, ...]], *, response_type: bool) -> list[list[str]]:
    """(token, team, tools, burnout, help, free text, kind): an older export has no Response Type and no
    Stage Date; kind "partial" rows have no Submit Date."""
    if response_type:
        meta = [
            "Response Type",
            "Start Date (UTC)",
            "Stage Date (UTC)",
            "Submit Date (UTC)",
            "Network ID",
            "Tags",
        ]
    else:
        meta = ["Start Date (UTC)", "Submit Date (UTC)", "Network ID"]
    out = [["#", TEAM, TOOLS, BURNOUT, HELP, TYPEFORM_MORE, *meta]]
    for n, (token, team, tools, burnout, help_, more, kind) in enumerate(rows):
        start = f"2026-07-14 08:{n:02d}:00"
        submit = f"2026-07-14 08:{n:02d}:30" if kind == "completed" else ""
        if response_type:
            times = [kind, start, start if kind == "partial" else "", submit, "9f3a", ""]
        else:
            times = [start, submit, "9f3a"]
        out.append([token, team, tools, burnout, help_, more, *times])
    return out


OLD_TYPEFORM = [
    ("t1", "The Orders Squad", "4", "disagree", "AGREE", "Strongly agree", "completed"),
    ("t2", "orders", "2", "STRONGLY AGREE", "neither agree nor disagree", "", "completed"),
    ("t3", "payments", "N/A", "agree", "Agree", "Always!", "completed"),
]
NEW_TYPEFORM = [
    *OLD_TYPEFORM,
    ("t4", "Payments", "3", "Strongly Disagree", "agree", "", "completed"),
    ("t5", "Growth", "0", "Mostly", "", "", "partial"),
    ("t6", "payments ", "1", "", "Disagree", "", "completed"),
    ("t7", f"ORDER-TEAM{NBSP}", "5", "neither agree nor disagree", "strongly agree", "", "completed"),
    ("t8", "orders", "1", "Strongly agree", "Strongly disagree", "", "partial"),
]


def test_typeform_export_without_response_type_then_the_current_one_with_partials(
    engine: Engine, tmp_path: Path
) -> None:
    """SPEC §7.2 keeps "only completed responses"; an export from before Typeform wrote ``Response
    Type`` holds only completed ones, so every row counts (it is told from ``#`` and ``Submit Date
    (UTC)``, BOM and quotes aside). Tokens identify respondents (SPEC §7.3 Typeform ``#``). Tools is an
    opinion scale (numbers), burnout (reverse) and help labels in odd case; "N/A" and a blank leave the
    denominator; "I feel burned out from my work (tell us more)" is free text, never read.

    Old export: t1 "The Orders Squad", t2 "orders" → order-team (2); t3 "payments" (1): both teams
    under 3, hidden; they hold 3 ≥ 3 together, so the organisation is shown.
      satisfaction: tools 4, 2 (t3 N/A) → 3 → 50; burnout disagree 2 → 4, STRONGLY AGREE 5 → 1, agree
      4 → 2 → 7/3 → 100/3; score (50 + 100/3)/2 = 125/3; favourable tools 4 + burnout 4 = 2 of 5;
      3 respondents; rate 3/17.
      communication: AGREE 4, neither 3, Agree 4 → 11/3 → 200/3; favourable 2/3; 3; rate 3/17.
    Current export: t1-t3 again, t4, t6 ("payments " with a trailing space), t7 ("ORDER-TEAM·")
    completed; t5 (team "Growth", tools "0", burnout "Mostly": never validated) and t8 ("orders")
    partial, skipped. 6 kept rows, 3 new respondents; order-team t1, t2, t7; payments-team t3, t4, t6.
      order-team satisfaction: tools 4, 2, 5 → 11/3 → 200/3; burnout 4, 1, Neither 3 → 3 → 8/3 → 125/3;
      score 325/6; favourable tools 4, 5 + burnout 4 = 3 of 6; 3; rate 3/8.
      order-team communication: 4, 3, 5 → 4 → 75; favourable 2/3; 3; rate 3/8.
      payments-team satisfaction: tools 3, 1 → 2 → 25; burnout agree 4 → 2, Strongly Disagree 1 → 5
      (t6 blank) → 3.5 → 62.5; score 43.75; favourable burnout 5 → 1 of 4; 3 respondents (t3 burnout
      only); rate 3/5.
      payments-team communication: Agree 4, agree 4, Disagree 2 → 10/3 → 175/3; favourable 2/3; 3; 3/5.
      Organisation satisfaction: tools 4, 2, 5, 3, 1 → 3 → 50; burnout 4, 1, 3, 2, 5 → 3 → 50; score 50;
      favourable 2 + 2 = 4 of 10; 6; rate 6/17. Communication: 4, 3, 5, 4, 4, 2 → 11/3 → 200/3;
      favourable 4/6; 6; rate 6/17.
      (Had t8 counted, order-team would have 4 respondents; had the old export not counted, 0.)
    Answers 3 + 3 + 2 + 3 + 2 + 3 = 16, missing t3's tools and t6's burnout = 2.
    """
    old = write_csv(
        tmp_path / "old.csv",
        typeform_export(OLD_TYPEFORM, response_type=False),
        bom=True,
        quoting=csv.QUOTE_ALL,
    )
    report = run(engine, old)
    assert (report.format, report.rows, report.skipped, report.responses) == ("typeform", 3, 0, 3)
    assert scores(engine) == {
        ("*", SAT): expect(125 / 3, 2 / 5, 3, 3 / 17),
        ("*", COM): expect(200 / 3, 2 / 3, 3, 3 / 17),
    }

    current = write_csv(
        tmp_path / "current.csv",
        typeform_export(NEW_TYPEFORM, response_type=True),
        bom=True,
        quoting=csv.QUOTE_ALL,
    )
    report = run(engine, current)
    assert (report.rows, report.skipped, report.superseded) == (6, 2, 0)
    assert (report.responses, report.new_responses, report.answers, report.missing_answers) == (6, 3, 16, 2)
    assert dict(report.respondents_by_team) == {"order-team": 3, "payments-team": 3}
    expected = {
        ("order-team", SAT): expect(325 / 6, 3 / 6, 3, 3 / 8),
        ("order-team", COM): expect(75.0, 2 / 3, 3, 3 / 8),
        ("payments-team", SAT): expect(43.75, 1 / 4, 3, 3 / 5),
        ("payments-team", COM): expect(175 / 3, 2 / 3, 3, 3 / 5),
        ("*", SAT): expect(50.0, 4 / 10, 6, 6 / 17),
        ("*", COM): expect(200 / 3, 4 / 6, 6, 6 / 17),
    }
    assert scores(engine) == expected

    before = stored(engine)
    again = run(engine, current)
    assert (again.responses, again.new_responses) == (6, 0)
    assert stored(engine) == before
    assert scores(engine) == expected


# ==================================================================================================
# 4. Qualtrics: text-entry team × Status labels (Spam, Survey Test, Offline) and Finished False ×
#    e-mail / ResponseId identity × a reverse choice item whose "Other" is a missing label (its box
#    never read) × a text matrix repeating an item's wording × differencing per dimension ×
#    re-import adds nothing × the numeric-values export refused at the "Other" code
# ==================================================================================================

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
QUALTRICS_QUESTIONS = [
    ("Q1", TEAM, '{"ImportId":"QID1_TEXT"}'),
    ("Q2_1", f"{MATRIX} - {TOOLS}", '{"ImportId":"QID2_1"}'),
    ("Q5", f"{BURNOUT} - Selected Choice", '{"ImportId":"QID5"}'),
    ("Q5_6_TEXT", f"{BURNOUT} - {OTHER} - Text", '{"ImportId":"QID5_6_TEXT"}'),
    ("Q3", HELP, '{"ImportId":"QID3"}'),
    ("Q9_1", f"Tell us more - {HELP}", '{"ImportId":"QID9_1_TEXT"}'),
]
STATUS_CODES = {"IP Address": "0", "Imported": "4", "Spam": "8", "Survey Test": "2", "Offline": "16"}
# The burnout choice question's options in order: the five labels, then "Other (please describe)".
BURNOUT_CHOICES = [*LABELS, OTHER]
# (Status, Finished, "HH:MM", ResponseId, e-mail, team, tools, burnout choice, Other box, help, text box)
QUALTRICS_BODY = [
    (
        "IP Address",
        "True",
        "08:00",
        "R_a1",
        "Ana@Example.com",
        " orders ",
        "agree",
        "Disagree",
        "",
        "Agree",
        "Agree, usually",
    ),
    (
        "Spam",
        "True",
        "09:00",
        "R_a2",
        "ana@example.com",
        "Payments",
        "Strongly disagree",
        "Strongly agree",
        "",
        "",
        "",
    ),
    (
        "IP Address",
        "True",
        "08:10",
        "R_b",
        "",
        "THE ORDERS  squad",
        "Strongly agree",
        OTHER,
        "I strongly agree, honestly",
        "n/a",
        "",
    ),
    ("Survey Test", "True", "08:15", "R_t", "dee@example.com", "Growth", "Mostly", "", "", "", ""),
    (
        "IP Address",
        "True",
        "08:20",
        "R_c",
        "",
        "ORDER-TEAM",
        "disagree",
        "strongly agree",
        "",
        "strongly agree",
        "",
    ),
    (
        "Imported",
        "True",
        "08:30",
        "R_d",
        "",
        "payments",
        "neither agree nor disagree",
        "agree",
        "",
        "Agree",
        "",
    ),
    ("IP Address", "False", "08:35", "R_e0", "eve@example.com", "", "", "", "", "", ""),
    (
        "IP Address",
        "True",
        "08:40",
        "R_e",
        "Eve@example.com",
        "PAYMENTS",
        "Agree",
        "strongly disagree",
        "",
        "disagree",
        "Strongly agree",
    ),
    (
        "Offline",
        "True",
        "08:45",
        "R_f",
        "",
        "Payments",
        "Strongly agree",
        "Strongly agree",
        "",
        "Strongly agree",
        "",
    ),
    (
        "IP Address",
        "True",
        "08:50",
        "R_g",
        "",
        f"Payments{NBSP}",
        "disagree",
        "Strongly agree",
        "",
        "Strongly agree",
        "",
    ),
]


def code(label: str, choices: Sequence[str] = LABELS) -> str:
    """A "Use numeric values" answer: the choice's position (folded), blank for no answer."""
    folded = [choice.casefold() for choice in choices]
    return str(folded.index(label.casefold()) + 1) if label.casefold() in folded else ""


def qualtrics_export(*, numeric: bool, leaving_out: str = "") -> list[list[str]]:
    """QUALTRICS_BODY as choice text or, ``numeric``, as "Use numeric values" writes it (Status and
    Finished as codes, answers as choice codes, the typed team as typed); ``leaving_out`` a ResponseId."""
    header = [*QUALTRICS_META, *QUALTRICS_QUESTIONS]
    rows = [[column[n] for column in header] for n in range(3)]
    for status, done, clock, rid, email, team, tools, burnout, box, help_, more in QUALTRICS_BODY:
        if rid == leaving_out:
            continue
        stamp = f"2026-07-14 {clock}:00"
        answers = [tools, burnout, help_]
        if numeric:
            status, done = STATUS_CODES[status], "1" if done == "True" else "0"
            answers = [code(tools), code(burnout, BURNOUT_CHOICES), code(help_)]
        progress = "100" if done in ("True", "1") else "40"
        tools, burnout, help_ = answers
        rows.append(
            [
                stamp,
                stamp,
                status,
                "203.0.113.7",
                progress,
                done,
                stamp,
                rid,
                email,
                team,
                tools,
                burnout,
                box,
                help_,
                more,
            ]
        )
    return rows


def test_qualtrics_status_labels_identity_an_other_choice_as_missing_and_its_numeric_twin(
    engine: Engine, tmp_path: Path
) -> None:
    """SPEC §7.2 keeps Finished = 1 and Status 0 (IP Address) or 4 (Imported): the Spam (8), Survey Test
    (2) and Offline (16) rows and the Finished False one are skipped, unvalidated (R_t's team "Growth"
    and answer "Mostly" would refuse the file). SPEC §7.3: the respondent is RecipientEmail (case-folded)
    where there is one, else the ResponseId; ana's 09:00 attempt is spam, so her 08:00 answers stand
    (docs: the later submission counts — of the kept ones). Burnout (reverse) is a choice question with
    an "Other (please describe)" box: matched without " - Selected Choice"; its ``_TEXT`` box is never
    read (docs), and "Other (please describe)" is one of the definition's ``missing:`` labels, so R_b's
    burnout leaves the denominator. ``Q9_1`` ("Tell us more - It is easy to get help…", import id
    QID9_1_TEXT) is a text box repeating the help item's wording: never read (SPEC §7.1).

    Kept: ana (" orders "), R_b ("THE ORDERS  squad"), R_c ("ORDER-TEAM") → order-team; R_d (Imported,
    "payments"), eve ("PAYMENTS"), R_g ("Payments·") → payments-team. 6 rows, 4 skipped.
    order-team satisfaction: tools agree 4, Strongly agree 5, disagree 2 → 11/3 → 200/3; burnout
    Disagree 2 → 4, Other (missing), strongly agree 5 → 1 → 2.5 → 37.5; score (200/3 + 75/2)/2 =
    625/12; favourable tools 4, 5 + burnout 4 = 3 of 5; 3 respondents; rate 3/8.
    order-team communication: Agree 4, n/a, strongly agree 5 → 2 respondents: hidden.
    payments-team satisfaction: tools Neither 3, Agree 4, disagree 2 → 3 → 50; burnout agree 4 → 2,
    strongly disagree 1 → 5, Strongly agree 5 → 1 → 8/3 → 125/3; score (50 + 125/3)/2 = 275/6;
    favourable tools 4 + burnout 5 = 2 of 6; 3 respondents; rate 3/5.
    payments-team communication: 3 respondents, but the hidden teams hold 2 < 3 on it while the
    organisation's is shown: the smallest shown team's communication is hidden too (docs/metrics.md:
    "per dimension as well"), and payments-team is the only one left.
    Organisation satisfaction: tools 4, 5, 2, 3, 4, 2 → 10/3 → 175/3; burnout 4, 1, 2, 5, 1 → 13/5 →
    40; score (175/3 + 40)/2 = 295/6; favourable 3 + 2 = 5 of 11; 6 respondents; rate 6/17.
    Organisation communication: Agree 4, strongly agree 5, Agree 4, disagree 2, Strongly agree 5 →
    4 → 75; favourable 4/5; 5 respondents; rate 6/17.
    Answers ana 3 + R_b 1 + R_c 3 + R_d 3 + eve 3 + R_g 3 = 16; missing R_b's burnout and help = 2.
    The same file again adds nothing. The "Use numeric values" export of the same responses writes
    R_b's "Other" as its choice code 6, outside agree5: refused at R_b's row (row 6: three header rows,
    ana, ana's spam) and column Q5; nothing changes. The numeric export without R_b's row: 5 kept, 4
    skipped, 0 new, the store and every number above unchanged.
    """
    export = write_csv(tmp_path / "qualtrics.csv", qualtrics_export(numeric=False), bom=True)
    report = run(engine, export)
    assert (report.format, report.rows, report.skipped, report.superseded) == ("qualtrics", 6, 4, 0)
    assert (report.responses, report.new_responses, report.answers, report.missing_answers) == (6, 6, 16, 2)
    assert dict(report.respondents_by_team) == {"order-team": 3, "payments-team": 3}
    expected = {
        ("order-team", SAT): expect(625 / 12, 3 / 5, 3, 3 / 8),
        ("payments-team", SAT): expect(275 / 6, 2 / 6, 3, 3 / 5),
        ("*", SAT): expect(295 / 6, 5 / 11, 6, 6 / 17),
        ("*", COM): expect(75.0, 4 / 5, 5, 6 / 17),
    }
    assert scores(engine) == expected

    before = stored(engine)
    again = run(engine, export)
    assert (again.rows, again.skipped, again.responses, again.new_responses) == (6, 4, 6, 0)
    assert stored(engine) == before

    numeric = write_csv(tmp_path / "qualtrics-numeric.csv", qualtrics_export(numeric=True))
    with pytest.raises(SurveyImportError) as refused:
        run(engine, numeric)
    assert str(refused.value) == f"{numeric}, row 6, column 'Q5': '6' is outside scale agree5 (1 to 5)"
    assert stored(engine) == before
    assert scores(engine) == expected

    # The numeric export of the other five kept responses (R_b's row left out): the same respondents by
    # e-mail or ResponseId, the same points (codes 1-5 are the scale's points), so nothing new, nothing
    # changed, and R_b's stored answers stay (a later export replaces, it does not remove).
    twin = write_csv(tmp_path / "qualtrics-numeric-5.csv", qualtrics_export(numeric=True, leaving_out="R_b"))
    report = run(engine, twin)
    assert (report.rows, report.skipped, report.responses, report.new_responses) == (5, 4, 5, 0)
    assert stored(engine) == before
    assert scores(engine) == expected
