"""Survey export files as people really produce them, where two rules meet (audit round 6).

SPEC §7.2 (import formats, "A UTF-8 BOM is ignored"), §7.3 (privacy: only HMAC pseudonyms, the
identifier being "the e-mail where the export has one, else its response id"; all or nothing; "a bad
file gets an error naming the row and column"), §9 ("A bad … survey file is reported with its location
and changes nothing"), §2 (errors are one line on stderr) and docs/surveys.md (CSV "UTF-8 with or
without BOM; comma, semicolon or tab separated, whichever splits the header record into the most
fields, quoted titles and their line breaks kept whole; or UTF-16 'Unicode text' from Excel"; blank
answers and ``missing:`` labels leave the denominator; case, runs of spaces "(non-breaking ones too)",
Unicode compatibility forms and curly quotes are ignored when matching; dates as the locale wrote them,
"one without [a zone] is taken as UTC").

Each file below is written byte by byte as the tool or the spreadsheet writes it (BOM, CRLF, quoted
titles holding commas and line breaks, emptied rows, NFD accents, no-break spaces, curly apostrophes,
local times). Successful imports run in process (``import_survey``) and are scored with
``compute_space``; refusals run through ``doraspace.cli.main`` for the exit status and the one line on
stderr, and compare every table of the store before and after. Scores follow SPEC §7.4: per item
``(mean answer − 1) / (points − 1) × 100`` (reverse items ``points + 1 − x``), averaged over the
dimension's items; ``favourable`` = favourable ÷ valid answers; ``respondents`` = people with a valid
answer on the dimension; SPEC §7.5 numbers are unrounded floats, compared at 1e-12.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from analytics.space import SpaceScore, compute_space
from doraspace.cli import main
from store import schema
from store.engine import open_store
from surveys.definition import parse_definition
from surveys.importer import import_survey, team_spellings

SECRET = "round6-files-secret"
Q1, Q3 = "2026-Q1", "2026-Q3"
TEAM = "Which team are you on?"
TOOLS = "I am satisfied with the tools and processes I use to do my work"
BURNOUT = "I feel burned out from my work"
HELP = "It is easy to get help from other teams when my work depends on them"
AGREE_LABELS = "[Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree]"
EXPECTED_AGREE = "Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree"
DEFINITION_YAML = f"""
survey: devex
scales:
  agree5: {{points: 5, labels: {AGREE_LABELS}, favourable: [4, 5]}}
missing: ["I don't know", "N/A", "Not applicable", ""]
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{BURNOUT}", dimension: satisfaction, scale: agree5, reverse: true}}
  - {{id: com_help, text: "{HELP}", dimension: communication, scale: agree5}}
"""
SURVEY = parse_definition(DEFINITION_YAML)
TEAM_NAMES = team_spellings({"orders": ["Order team"], "payments": []})
SA, A, N, D, SD = "Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"


# --------------------------------------------------------------------------------------------------
# Helpers: files as written, the store read whole, pseudonyms worked out here
# --------------------------------------------------------------------------------------------------


def csv_text(rows: Sequence[Sequence[str]], *, delimiter: str = ",", excel: bool = False) -> str:
    """Records as a spreadsheet writes them: CRLF between records (line breaks inside quoted cells kept
    as typed). ``excel``: a record's empty trailing cells lose their separators, as Excel's "Save as
    CSV" writes them."""
    lines = []
    for row in rows:
        cells = list(row)
        while excel and cells and cells[-1] == "":
            cells.pop()
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(cells)
        lines.append(buffer.getvalue())
    return "\r\n".join(lines) + "\r\n"


def pseudonym_of(identifier: str) -> str:
    """HMAC-SHA256(respondent_secret, identifier), hex (SPEC §7.3), worked out here."""
    return hmac.new(SECRET.encode(), identifier.encode(), hashlib.sha256).hexdigest()


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the store but ``schema_migrations`` (when the store was made)."""
    with engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            for table in schema.metadata.sorted_tables
            if table is not schema.schema_migrations
        }


def stored_texts(engine: Engine) -> list[str]:
    return [str(value).casefold() for rows in dump(engine).values() for row in rows for value in row]


def responses(engine: Engine) -> dict[str, tuple[str, str, datetime | None]]:
    """respondent → (quarter, team, submitted_at)."""
    table = schema.survey_responses
    with engine.connect() as conn:
        return {
            row.respondent: (row.quarter, row.team, row.submitted_at) for row in conn.execute(select(table))
        }


def answers(engine: Engine) -> dict[tuple[str, str], int]:
    table = schema.survey_answers
    with engine.connect() as conn:
        return {(row.respondent, row.item_id): row.value for row in conn.execute(select(table))}


def scores(engine: Engine, teams: Mapping[str, int | None]) -> dict[tuple[str, str, str], SpaceScore]:
    return {(s.team, s.quarter, s.dimension): s for s in compute_space(engine, teams=teams, min_group_size=3)}


def figures(row: SpaceScore) -> tuple[Any, ...]:
    return (row.score, row.favourable, row.respondents, row.response_rate)


def expect(score: float, favourable: float, respondents: int, rate: float) -> tuple[Any, ...]:
    return (
        pytest.approx(score, rel=1e-12, abs=1e-12),
        pytest.approx(favourable, rel=1e-12, abs=1e-12),
        respondents,
        pytest.approx(rate, rel=1e-12),
    )


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    store = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    try:
        yield store
    finally:
        store.dispose()


class Cli:
    """``doraspace survey …`` in process against a config of its own (orders: headcount 4, survey name
    "Order team"; payments: headcount 4; min_group_size 3) and a store not created yet."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        monkeypatch.setenv("ROUND6_FILES_SECRET", SECRET)
        self.store = folder / "org.duckdb"
        self.config = folder / "doraspace.yaml"
        self.config.write_text(f"""
database:
  url: duckdb:///{self.store}
teams:
  - {{name: orders, headcount: 4, survey_names: [Order team]}}
  - {{name: payments, headcount: 4}}
surveys:
  min_group_size: 3
  respondent_secret: ${{ROUND6_FILES_SECRET}}
""")
        self.definition = folder / "devex.yaml"
        self.definition.write_text(DEFINITION_YAML)
        self.capsys = capsys

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        status = main(["survey", args[0], "--config", str(self.config), *args[1:]])
        out, err = self.capsys.readouterr()
        return status, out, err

    def import_file(self, file: Path, quarter: str = Q3) -> tuple[int, str, str]:
        return self.run("import", str(file), "--definition", str(self.definition), "--quarter", quarter)

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        store = open_store(f"duckdb:///{self.store}")
        try:
            return dump(store)
        finally:
            store.dispose()


# ==================================================================================================
# 1. A French Google Sheet downloaded as CSV: BOM × CRLF × an emptied trailing row × localised header
#    names × a grid title holding a comma and a line break × NFD accents, no-break spaces and curly
#    apostrophes in titles, answers and team names × e-mail collected only from mid-survey (timestamp
#    fallback, two in the same second) × day-first told by one row × a resubmission
# ==================================================================================================

ACCORD = [
    "Pas du tout d'accord",
    "Pas d'accord",
    "Ni d'accord ni pas d'accord",
    "D'accord",
    "Tout à fait d'accord",
]
TEAM_FR = "Dans quelle équipe êtes-vous ?"
OUTILS = "Je suis satisfait des outils, et des processus, que j'utilise au quotidien"
EPUISE = "Je me sens épuisé par mon travail"
AIDE = "Il est facile d'obtenir de l'aide d'autres équipes"
FRENCH_YAML = f"""
survey: devex-fr
scales:
  accord5: {{points: 5, labels: {json.dumps(ACCORD, ensure_ascii=False)}, favourable: [4, 5]}}
missing: ["Je ne sais pas", "Non concerné", ""]
team_question: "{TEAM_FR}"
items:
  - {{id: sat_outils, text: "{OUTILS}", dimension: satisfaction, scale: accord5}}
  - {{id: sat_epuise, text: "{EPUISE}", dimension: satisfaction, scale: accord5, reverse: true}}
  - {{id: com_aide, text: "{AIDE}", dimension: communication, scale: accord5}}
"""
FRENCH_TEAMS = team_spellings({"orders": ["Équipe Commandes"], "payments": ["Équipe Paiements"]})


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def curly(text: str) -> str:
    return text.replace("'", "\u2019")


def test_a_french_google_sheet_with_bom_nfd_no_break_spaces_and_late_email_collection(
    tmp_path: Path, engine: Engine
) -> None:
    """Teams orders ("Équipe Commandes", headcount 4), payments ("Équipe Paiements", 4); min_group_size 3.

    The file: UTF-8 BOM, CRLF, header "Horodateur", "Adresse e-mail" (Google's French names), the team
    question in NFD with a narrow no-break space before "?", a grid titled "Au cours du dernier mois,
    ⏎ dans quelle mesure êtes-vous d'accord ?" (comma and line break, quoted) with rows [OUTILS] (curly
    apostrophe) and [EPUISE] (NFD), AIDE as its own question with curly apostrophes and a no-break
    space, then two free-text columns (name, comment). After the responses: an empty line and a row of
    empty cells (a response cleared in the Sheet). Labels are written NFD ("Tout a\\u0301 fait"),
    with no-break spaces, curly apostrophes, other case; SPEC §7.1/docs fold all of that.

    Rows (timestamp, e-mail, team, outils, épuisé, aide) → identifier:
      r2 03/07/2026 09:15:00, —, Équipe Commandes, D'accord 4, Pas d'accord 2 → 4, Tout à fait 5
         → "03/07/2026 09:15:00" (no e-mail: the timestamp as written)
      r3 03/07/2026 09:15:00, —, ÉQUIPE COMMANDES (NFD), Tout à fait 5, Je ne sais pas (missing),
         Pas d'accord 2 → "03/07/2026 09:15:00#2" (same second: told apart by order)
      r4 14/07/2026 10:00:00, Ben@Example.com, Équipe Paiements (NFD), Ni … 3, D'accord 4 → 2,
         Non concerné (missing, NFD) → superseded by r6
      r5 15/07/2026 11:00:00, cy@, Équipe Commandes, Pas du tout 1, Tout à fait 5 → 1, D'accord 4
      r6 16/07/2026 08:00:00, "ben@example.com " , équipe paiements, D'accord 4, Pas du tout 1 → 5,
         blank → ben's later submission counts (docs: by submission time)
      r7 20/07/2026 12:00:00, —, Équipe Paiements, 4, 2 → 4, 4 (numbers) → "20/07/2026 12:00:00"
      r8 21/07/2026 12:00:00, dee@, Équipe Paiements, Tout à fait 5, Pas d'accord 2 → 4, Ni … 3
    Day-first: "14/07" can only be day-first, so "03/07" is 3 July (docs: decided for the column).

    Kept: orders r2, r3, cy (3); payments ben (r6), r7, dee (3). Missing kept: r3 épuisé, ben aide → 2.
    Satisfaction — orders: outils 4, 5, 1 → 10/3 → (7/3)/4 × 100 = 175/3; épuisé 4, 1 (r3 missing) →
      5/2 → 37.5; score (175/3 + 37.5)/2 = 575/12; favourable outils 4, 5 + épuisé 4 → 3/5; 3; 3/4.
      payments: outils 4, 4, 5 → 13/3 → 250/3; épuisé 5, 4, 4 → 250/3; score 250/3; favourable 6/6; 3;
      3/4. "*": outils 23/6 → (17/6)/4 × 100 = 425/6; épuisé 4, 1, 5, 4, 4 = 18/5 → 65; score
      (425/6 + 65)/2 = 815/12; favourable (5 + 4)/11 = 9/11; 6; 6/8.
    Communication — orders 5, 2, 4 (3 people); payments r7 4, dee 3 (2 < 3: hidden). "*" has 5 ≥ 3 and
      is shown, hidden 2 < 3 → the smallest shown team, orders, is hidden too. "*": 5, 2, 4, 4, 3 =
      18/5 → 65; favourable 5, 4, 4 → 3/5; 5; 6/8.
    """
    grid = "Au cours du dernier mois,\ndans quelle mesure êtes-vous d'accord ?"
    header = [
        "Horodateur",
        "Adresse e-mail",
        nfd(TEAM_FR.replace(" ?", "\u202f?")),
        f"{nfd(curly(grid))} [{curly(OUTILS)}]",
        f"{grid} [{nfd(EPUISE)}]",
        curly(AIDE).replace("autres équipes", "autres\u00a0équipes"),
        "Votre nom (facultatif)",
        "Un commentaire ?",
    ]
    tout, pas, ni, daccord, pas_du_tout = (
        nfd("Tout à fait d'accord"),
        "Pas\u00a0d\u2019accord",
        "ni d\u2019accord ni pas d\u2019accord\u202f",
        "D\u2019ACCORD",
        "Pas du tout  d'accord",
    )
    rows = [
        header,
        [
            "03/07/2026 09:15:00",
            "",
            "Équipe Commandes",
            "D'accord",
            pas,
            tout,
            "Ana García",
            "merci, ana@ex.org",
        ],
        ["03/07/2026 09:15:00", "", nfd("ÉQUIPE COMMANDES"), tout, "Je ne sais pas", pas, "", ""],
        [
            "14/07/2026 10:00:00",
            "Ben@Example.com",
            nfd("Équipe Paiements"),
            ni,
            daccord,
            nfd("Non concerné"),
            "Ben Okafor",
            "",
        ],
        ["15/07/2026 11:00:00", "cy@example.com", "Équipe Commandes", pas_du_tout, tout, daccord, "", "RAS"],
        ["16/07/2026 08:00:00", "ben@example.com ", "équipe paiements", "D'accord", pas_du_tout, "", "", ""],
        ["20/07/2026 12:00:00", "", "Équipe\u00a0Paiements", "4", "2", "4", "", "le café est froid"],
        ["21/07/2026 12:00:00", "dee@example.com", "Équipe Paiements", tout, pas, ni, "Dee", ""],
    ]
    file = tmp_path / "Sondage DevEx (réponses) - Réponses au formulaire 1.csv"
    file.write_bytes(b"\xef\xbb\xbf" + (csv_text(rows) + "\r\n" + "," * 7 + "\r\n").encode("utf-8"))

    survey = parse_definition(FRENCH_YAML)
    report = import_survey(
        engine, file, survey, quarter=Q3, fmt="auto", secret=SECRET, team_names=FRENCH_TEAMS
    )
    assert (report.format, report.rows, report.superseded, report.responses) == ("google-forms", 7, 1, 6)
    assert (report.answers, report.missing_answers) == (16, 2)
    assert report.ignored_columns == ("Votre nom (facultatif)", "Un commentaire ?")

    r2, r3 = pseudonym_of("03/07/2026 09:15:00"), pseudonym_of("03/07/2026 09:15:00#2")
    ben, cy = pseudonym_of("ben@example.com"), pseudonym_of("cy@example.com")
    r7, dee = pseudonym_of("20/07/2026 12:00:00"), pseudonym_of("dee@example.com")
    assert responses(engine) == {
        r2: (Q3, "orders", datetime(2026, 7, 3, 9, 15)),
        r3: (Q3, "orders", datetime(2026, 7, 3, 9, 15)),
        ben: (Q3, "payments", datetime(2026, 7, 16, 8, 0)),
        cy: (Q3, "orders", datetime(2026, 7, 15, 11, 0)),
        r7: (Q3, "payments", datetime(2026, 7, 20, 12, 0)),
        dee: (Q3, "payments", datetime(2026, 7, 21, 12, 0)),
    }
    # Points as answered (before reversing); missing and blank answers leave no row.
    assert answers(engine) == {
        (r2, "sat_outils"): 4, (r2, "sat_epuise"): 2, (r2, "com_aide"): 5,
        (r3, "sat_outils"): 5, (r3, "com_aide"): 2,
        (ben, "sat_outils"): 4, (ben, "sat_epuise"): 1,
        (cy, "sat_outils"): 1, (cy, "sat_epuise"): 5, (cy, "com_aide"): 4,
        (r7, "sat_outils"): 4, (r7, "sat_epuise"): 2, (r7, "com_aide"): 4,
        (dee, "sat_outils"): 5, (dee, "sat_epuise"): 2, (dee, "com_aide"): 3,
    }  # fmt: skip
    # SPEC §7.3: no name, e-mail, free text or team as typed in any table.
    texts = stored_texts(engine)
    personal = ["@", "example", "garcía", "okafor", "merci", "café", "ras", "équipe", "commandes"]
    assert [word for word in personal if any(word in text for text in texts)] == []

    got = scores(engine, {"orders": 4, "payments": 4})
    assert sorted(got) == [
        ("*", Q3, "communication"),
        ("*", Q3, "satisfaction"),
        ("orders", Q3, "satisfaction"),
        ("payments", Q3, "satisfaction"),
    ]
    assert figures(got[("orders", Q3, "satisfaction")]) == expect(575 / 12, 3 / 5, 3, 3 / 4)
    assert figures(got[("payments", Q3, "satisfaction")]) == expect(250 / 3, 1.0, 3, 3 / 4)
    assert figures(got[("*", Q3, "satisfaction")]) == expect(815 / 12, 9 / 11, 6, 6 / 8)
    assert figures(got[("*", Q3, "communication")]) == expect(65.0, 3 / 5, 5, 6 / 8)


# ==================================================================================================
# 2. Microsoft Forms' sheet saved as CSV by a European Excel (semicolons) or as "Unicode text" (UTF-16,
#    tabs) × question titles holding commas × the delimiter told from the header record
# ==================================================================================================

# Likert statements as people word them: each holds commas, which Excel does not quote in a file whose
# separator is a semicolon or a tab.
WORDY = {
    "sat_tools": "At work, day to day, I have the tools, processes and access I need",
    "sat_burnout": "Lately, more often than not, I feel drained, tense or burned out",
    "com_help": "When I am blocked, for example on a review, a deploy or access, help comes quickly",
    "com_docs": "For most questions, in my experience, the docs, wikis or runbooks have the answer",
}
WORDY_YAML = f"""
survey: devex
scales:
  agree5: {{points: 5, labels: {AGREE_LABELS}, favourable: [4, 5]}}
missing: ["N/A", ""]
team_question: "{TEAM}"
items:
  - {{id: sat_tools, text: "{WORDY["sat_tools"]}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{WORDY["sat_burnout"]}", dimension: satisfaction, scale: agree5, reverse: true}}
  - {{id: com_help, text: "{WORDY["com_help"]}", dimension: communication, scale: agree5}}
  - {{id: com_docs, text: "{WORDY["com_docs"]}", dimension: communication, scale: agree5}}
"""
WORDY_ROWS = [
    ["ID", "Start time", "Completion time", "Email", "Name", TEAM, *WORDY.values()],
    ["1", "14.07.2026 09:58", "14.07.2026 10:01", "ana@example.com", "Ana García", "Orders", A, D, SA, N],
    ["2", "14.07.2026 11:02", "14.07.2026 11:09", "bo@example.com", "Bo Chen", "Order team", SA, SD, A, ""],
    ["3", "15.07.2026 08:40", "15.07.2026 08:44", "cy@example.com", "Cy Diaz", "orders", D, A, D, A],
]


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [pytest.param(";", "utf-8-sig", id="semicolons-utf8-bom"), pytest.param("\t", "utf-16", id="tabs-utf16")],
)
def test_a_european_excel_save_of_comma_rich_titles_imports_like_its_comma_twin(
    tmp_path: Path, delimiter: str, encoding: str
) -> None:
    """docs/surveys.md: Microsoft Forms "Responses → Open in Excel (.xlsx), or that sheet saved as CSV";
    files are CSV "comma, semicolon or tab separated, whichever splits the header record into the most
    fields, quoted titles and their line breaks kept whole; or UTF-16 'Unicode text' from Excel". SPEC
    §7.2: Microsoft Forms "CSV or .xlsx" is an import format.

    A German Excel saves the sheet with ';' (and "Unicode text" with tabs), quoting only cells that hold
    the separator, a quote or a line break, so the statements' commas stand bare. The header record has
    10 cells (9 separators) and 3 + 3 + 3 + 3 = 12 commas: read with ',' it splits into 13 pieces of
    title, which are no header at all. The file is the comma CSV's twin, so it must store exactly what
    the comma CSV stores: 3 respondents (pseudonyms of the e-mails), times 14.07.2026 10:01 → 2026-07-14
    10:01 (dotted: day-first), 11 answers (bo's com_docs blank).

    Scores (both files): satisfaction tools 4, 5, 2 → 11/3 → 200/3; burnout 2 → 4, 1 → 5, 4 → 2 → 11/3
    → 200/3; score 200/3; favourable tools 4, 5 and burnout 4, 5 → 4/6; 3 respondents.
    """
    survey = parse_definition(WORDY_YAML)
    comma = tmp_path / "comma.csv"
    comma.write_text(csv_text(WORDY_ROWS), encoding="utf-8")
    european = tmp_path / "european.csv"
    european.write_bytes(csv_text(WORDY_ROWS, delimiter=delimiter, excel=True).encode(encoding))
    header_line = european.read_bytes().decode(encoding).splitlines()[0]
    assert (header_line.count(delimiter), header_line.count(",")) == (9, 12)

    stores = [open_store(f"duckdb:///{tmp_path}/{name}.duckdb") for name in ("comma", "european")]
    try:
        for store, file in zip(stores, (comma, european), strict=True):
            report = import_survey(
                store, file, survey, quarter=Q3, fmt="auto", secret=SECRET, team_names=TEAM_NAMES
            )
            assert (report.format, report.responses, report.answers) == ("microsoft-forms", 3, 11)
            assert responses(store)[pseudonym_of("bo@example.com")] == (
                Q3,
                "orders",
                datetime(2026, 7, 14, 11, 9),
            )
            sat = scores(store, {"orders": 4})[("orders", Q3, "satisfaction")]
            assert figures(sat) == expect(200 / 3, 4 / 6, 3, 3 / 4)
        assert dump(stores[1]) == dump(stores[0])
    finally:
        for store in stores:
            store.dispose()


# ==================================================================================================
# 3. All or nothing × rows numbered as a spreadsheet shows them: a header whose quoted grid titles hold
#    a comma and a line break, a multi-line free-text answer, a response cleared in the Sheet (a row of
#    empty cells), BOM and CRLF — the refusal names the record, not the physical line, in one line
# ==================================================================================================

GRID = "Thinking about the last month,\nhow much do you agree with each statement?"
GOOGLE_HEADER = [
    "Timestamp",
    "Email Address",
    TEAM,
    f"{GRID} [{TOOLS}]",
    f"{GRID} [{BURNOUT}]",
    HELP,
    "Anything else you want to tell us?",
]
MONDAY = [
    [
        "7/14/2026 9:00:00",
        "ana@example.com",
        "Orders",
        A,
        D,
        A,
        "Ping me: ana@example.com,\r\nor call 555-0100",
    ],
    ["7/14/2026 9:10:00", "bo@example.com", "Order team", SA, SD, "", ""],
    ["7/14/2026 9:20:00", "cy@example.com", "orders", D, A, D, ""],
]


def google_sheet(folder: Path, name: str, rows: Sequence[Sequence[str]]) -> Path:
    """The linked Sheet downloaded as CSV: BOM, CRLF, and an empty line after the last record."""
    path = folder / name
    path.write_bytes(b"\xef\xbb\xbf" + (csv_text([GOOGLE_HEADER, *rows]) + "\r\n").encode("utf-8"))
    return path


@pytest.mark.parametrize(
    ("last", "message"),
    [
        pytest.param(
            [A, "Mostly", A, ""],
            "row 6, column 'Thinking about the last month,\\nhow much do you agree with each statement? "
            f"[{BURNOUT}]': unknown answer 'Mostly' for scale agree5 (expected {EXPECTED_AGREE})",
            id="unknown-label-under-a-two-line-title",
        ),
        pytest.param(
            [A, A, A, "", "seen by HR"],
            "row 6: has 8 fields, the header has 7",
            id="a-note-typed-right-of-the-responses",
        ),
    ],
)
def test_a_refusal_after_multiline_cells_and_a_cleared_row_names_the_spreadsheet_row_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    last: list[str],
    message: str,
) -> None:
    """The Friday download holds the Monday records 2–4 (ana's comment spans two lines), record 5 a
    response cleared in the Sheet (seven empty cells: no response), record 6 dee's new answer, which is
    bad: "Mostly" is no label of agree5, or a note typed in an untitled eighth column.

    Physical lines: the header takes lines 1–3 (two titles with a line break), record 2 lines 4–5,
    records 3–6 lines 6–9. docs/surveys.md: rows are numbered as a spreadsheet shows them and an error
    names "the file, row and column"; SPEC §2: one line on stderr; exit status 2 (docs). So: "row 6",
    the column title with its line break escaped so that the error stays one line, and nothing changed —
    on a first import the store is not even created (docs), and after a good Monday import every table
    is as it was (SPEC §9).

    Monday stores ana, bo, cy (pseudonyms of the e-mails) on orders, 3 + 2 + 3 = 8 answers and
    1 missing (bo's help blank).
    """
    cli = Cli(tmp_path, monkeypatch, capsys)
    friday = google_sheet(
        tmp_path,
        "friday.csv",
        [*MONDAY, [""] * 7, ["7/15/2026 8:00:00", "dee@example.com", "Payments", *last]],
    )
    expected = f"doraspace: error: {friday}, {message}\n"

    assert cli.import_file(friday) == (2, "", expected)
    assert not cli.store.exists()

    monday = google_sheet(tmp_path, "monday.csv", MONDAY)
    status, _, summary = cli.import_file(monday)
    assert status == 0
    assert "3 respondents (3 new), 8 answers, 1 missing answers" in summary
    before = cli.dump()
    assert sorted((row[2], row[3]) for row in before["survey_responses"]) == sorted(
        (pseudonym_of(f"{who}@example.com"), "orders") for who in ("ana", "bo", "cy")
    )
    assert len(before["survey_answers"]) == 8

    assert cli.import_file(friday) == (2, "", expected)
    assert cli.dump() == before


# ==================================================================================================
# 4. A download taken before anyone answered: only the header (Google Forms: one record; Qualtrics: its
#    three header rows, question texts with line breaks) × BOM × CRLF × trailing empty lines
# ==================================================================================================

QUALTRICS_IDS = [
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
]
QUALTRICS_IDS += ["RecordedDate", "ResponseId", "RecipientEmail", "Q1", "Q2_1", "Q2_2", "Q3", "Q4"]
QUALTRICS_TEXTS = [
    "Start Date",
    "End Date",
    "Response Type",
    "IP Address",
    "Progress",
    "Duration (in seconds)",
]
QUALTRICS_TEXTS += ["Finished", "Recorded Date", "Response ID", "Recipient Email", TEAM]
QUALTRICS_TEXTS += [f"{GRID} - {TOOLS}", f"{GRID} - {BURNOUT}", HELP, "Anything else?\nTell us here."]
QUALTRICS_IMPORT = ['{"ImportId":"startDate","timeZone":"America/New_York"}', '{"ImportId":"endDate"}']
QUALTRICS_IMPORT += ['{"ImportId":"status"}', '{"ImportId":"ipAddress"}', '{"ImportId":"progress"}']
QUALTRICS_IMPORT += ['{"ImportId":"duration"}', '{"ImportId":"finished"}']
QUALTRICS_IMPORT += ['{"ImportId":"recordedDate","timeZone":"America/New_York"}', '{"ImportId":"_recordId"}']
QUALTRICS_IMPORT += ['{"ImportId":"recipientEmail"}', '{"ImportId":"QID1"}', '{"ImportId":"QID2_1"}']
QUALTRICS_IMPORT += ['{"ImportId":"QID2_2"}', '{"ImportId":"QID3"}', '{"ImportId":"QID4_TEXT"}']


@pytest.mark.parametrize(
    ("shape", "header"),
    [
        pytest.param("google-forms", [GOOGLE_HEADER], id="google-forms-header-record"),
        pytest.param("qualtrics", [QUALTRICS_IDS, QUALTRICS_TEXTS, QUALTRICS_IMPORT], id="qualtrics-3-rows"),
    ],
)
def test_a_download_with_only_the_header_imports_no_respondent_and_a_later_one_imports_normally(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    shape: str,
    header: list[list[str]],
) -> None:
    """SPEC says nothing of an export without responses; §7.3 "An import either stores every valid row
    or none" — a header-only file has no row to store, and its header is well formed (every item has
    its column, the team question is found). The product's reading (kept; see the report): exit 0,
    "0 respondents", and the quarter's item definitions are recorded (survey_items: 3 rows), no
    response and no answer; `survey scores` shows nothing. BOM, CRLF and the empty lines after the
    header are no rows (docs: blank records dropped), so they neither count nor fail.

    A later download of the same form (Google: the Monday rows, ana/bo/cy on orders; Qualtrics: the
    same answers as R_1–R_3) then imports normally: 3 respondents, all new, 8 answers.
    """
    cli = Cli(tmp_path, monkeypatch, capsys)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\xef\xbb\xbf" + (csv_text(header) + "\r\n\r\n").encode("utf-8"))

    status, out, err = cli.import_file(empty)
    assert (status, out) == (0, "")
    assert f"{empty}: {shape}, devex {Q3}: 0 respondents (0 new), 0 answers, 0 missing answers" in err
    stored = cli.dump()
    assert sorted((row[2], row[3], row[4], row[5], row[6]) for row in stored["survey_items"]) == [
        ("com_help", "communication", 5, "4,5", False),
        ("sat_burnout", "satisfaction", 5, "4,5", True),
        ("sat_tools", "satisfaction", 5, "4,5", False),
    ]
    assert (stored["survey_responses"], stored["survey_answers"]) == ([], [])
    assert cli.run("scores", "--format", "json")[:2] == (0, "[]\n")

    if shape == "google-forms":
        later = google_sheet(tmp_path, "later.csv", MONDAY)
        who = [f"{name}@example.com" for name in ("ana", "bo", "cy")]
    else:
        answered = [
            [
                "2026-07-14 09:00:00",
                "2026-07-14 09:05:00",
                "0",
                "10.1.2.3",
                "100",
                "300",
                "1",
                "2026-07-14 09:05:00",
                f"R_{number}",
                "",
                *cells,
                "",
            ]
            for number, cells in enumerate(
                (["Orders", A, D, A], ["Order team", SA, SD, ""], ["orders", D, A, D]), 1
            )
        ]
        later = tmp_path / "later.csv"
        later.write_bytes(b"\xef\xbb\xbf" + csv_text([*header, *answered]).encode("utf-8"))
        who = ["R_1", "R_2", "R_3"]
    status, _, err = cli.import_file(later)
    assert status == 0
    assert "3 respondents (3 new), 8 answers, 1 missing answers" in err
    assert sorted(row[2] for row in cli.dump()["survey_responses"]) == sorted(map(pseudonym_of, who))


# ==================================================================================================
# 5. Column titles that repeat: the same title twice (a question repeated in another section; two
#    "Comments" boxes), or a free-text question worded like an item or the team question but for case
#    × matching by folded wording × free text never read × all or nothing
# ==================================================================================================


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(
            HELP,
            f", column '{HELP} (2)': several columns ask item 'com_help': {HELP}, {HELP} (2)",
            id="an-item-title-repeated",
        ),
        pytest.param(
            BURNOUT.upper(),
            f", column '{BURNOUT.upper()}': several columns ask item 'sat_burnout': "
            f"{GRID} [{BURNOUT}], {BURNOUT.upper()}",
            id="free-text-titled-like-a-grid-row-but-for-case",
        ),
        pytest.param(
            TEAM.lower(),
            f": several columns ask the team question '{TEAM}': {TEAM}, {TEAM.lower()}",
            id="free-text-titled-like-the-team-question-but-for-case",
        ),
    ],
)
def test_a_title_asked_twice_but_for_case_is_refused_and_changes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: str,
    message: str,
) -> None:
    """docs/surveys.md: an item's text must equal the column's question title or its grid row label,
    "Case, runs of spaces … are ignored"; "Every item of the definition must have its column". A
    free-text follow-up titled "I FEEL BURNED OUT FROM MY WORK", or a question repeated in a branch
    under the very same title, is a second column asking that item: which one holds the scale answers
    cannot be told, so the file is refused rather than one read at random (SPEC §9: reported with its
    location; exit 2; nothing changed). The same for a second "which team are you on?". The free-text
    answers themselves ("Too many pages at night, ask ana@…") must not appear in the error.

    The error's location: the second column of the pair (titled as written, a repeated title numbered
    " (2)"); for the team question the product names both titles in the message but no column.
    """
    cli = Cli(tmp_path, monkeypatch, capsys)
    assert cli.import_file(google_sheet(tmp_path, "monday.csv", MONDAY))[0] == 0
    before = cli.dump()

    rows = [[*GOOGLE_HEADER, extra]]
    rows += [[*row, "Too many pages at night, ask ana@example.com"] for row in MONDAY]
    file = tmp_path / "friday.csv"
    file.write_bytes(csv_text(rows).encode("utf-8"))
    assert cli.import_file(file) == (2, "", f"doraspace: error: {file}{' '.join(message.split())}\n")
    assert cli.dump() == before


def test_two_free_text_boxes_with_one_title_are_both_ignored_and_never_stored(
    tmp_path: Path, engine: Engine
) -> None:
    """Teams orders (headcount 4), payments (4); min_group_size 3. A Google Sheet with the Monday rows
    (ana, bo, cy on orders) plus dee, eve, fay on payments, and two questions both titled "Comments"
    (one per section). docs: columns that match no item "are reported as ignored and never read":
    both are ignored (the second under the product's key "Comments (2)"), and none of their text is
    stored; the import goes on.

    payments: dee tools 5, burnout SD 1 → 5, help A 4; eve tools A 4, burnout N 3 → 3, help SA 5;
    fay tools N 3, burnout A 4 → 2, help N/A (missing).
    Satisfaction — orders: tools 4, 5, 2 → 11/3 → 200/3; burnout 2 → 4, 1 → 5, 4 → 2 → 11/3 → 200/3;
      score 200/3; favourable 4/6; 3; 3/4. payments: tools 12/3 = 4 → 75; burnout 5, 3, 2 → 10/3 →
      175/3; score (75 + 175/3)/2 = 400/6 = 200/3; favourable tools 5, 4 + burnout 5 → 3/6; 3; 3/4.
      "*": tools 23/6 → (17/6)/4 × 100 = 425/6; burnout 21/6 → (15/6)/4 × 100 = 62.5; score
      (425/6 + 62.5)/2 = 800/12 = 200/3; favourable 7/12; 6; 6/8.
    Communication — orders ana 4, cy 2 (2 < 3: hidden); payments dee 4, eve 5 (2: hidden); together
      4 ≥ 3, "*" shown: 4, 2, 4, 5 → 15/4 → (11/4)/4 × 100 = 68.75; favourable 3/4; 4; 6/8.
    """
    header = [*GOOGLE_HEADER[:6], "Comments", "Comments"]
    rows = [[*row[:6], "Ask ana@example.com", "Gus is great"] for row in MONDAY]
    rows += [
        ["7/15/2026 8:00:00", "dee@example.com", "Payments", SA, SD, A, "", "Night pages"],
        ["7/15/2026 8:10:00", "eve@example.com", "payments", A, N, SA, "coffee", ""],
        ["7/15/2026 8:20:00", "fay@example.com", "PAYMENTS", N, A, "N/A", "", ""],
    ]
    file = tmp_path / "comments.csv"
    file.write_bytes(csv_text([header, *rows]).encode("utf-8"))
    report = import_survey(engine, file, SURVEY, quarter=Q3, fmt="auto", secret=SECRET, team_names=TEAM_NAMES)
    assert report.ignored_columns == ("Comments", "Comments (2)")
    assert (report.responses, report.answers, report.missing_answers) == (6, 16, 2)
    texts = stored_texts(engine)
    assert [w for w in ("@", "ask", "gus", "night", "coffee") if any(w in text for text in texts)] == []

    got = scores(engine, {"orders": 4, "payments": 4})
    assert sorted(got) == [
        ("*", Q3, "communication"),
        ("*", Q3, "satisfaction"),
        ("orders", Q3, "satisfaction"),
        ("payments", Q3, "satisfaction"),
    ]
    assert figures(got[("orders", Q3, "satisfaction")]) == expect(200 / 3, 4 / 6, 3, 3 / 4)
    assert figures(got[("payments", Q3, "satisfaction")]) == expect(200 / 3, 3 / 6, 3, 3 / 4)
    assert figures(got[("*", Q3, "satisfaction")]) == expect(200 / 3, 7 / 12, 6, 6 / 8)
    assert figures(got[("*", Q3, "communication")]) == expect(68.75, 3 / 4, 4, 6 / 8)


# ==================================================================================================
# 6. Microsoft Forms' sheet saved as "CSV UTF-8" by a US Excel on the night the clocks sprang forward:
#    local times without a zone (one inside the skipped hour) × the e-mail column blank or "anonymous"
#    for some rows (ID fallback) × a resubmission under another case of the e-mail, moving team ×
#    month-first told by one row × missing answers × per-dimension suppression and differencing
# ==================================================================================================

MS_HEADER = ["ID", "Start time", "Completion time", "Email", "Name", TEAM, TOOLS, BURNOUT, HELP]


def test_local_times_in_the_skipped_hour_and_rows_without_an_email_in_a_microsoft_forms_csv(
    tmp_path: Path, engine: Engine
) -> None:
    """Teams orders (headcount 4), payments (4); min_group_size 3; quarter 2026-Q1.

    US clocks went from 2:00 to 3:00 on 3/8/2026: "3/8/2026 2:30:00" and "2:45:00" never showed on a US
    wall clock, yet Excel writes what the sheet holds. docs/surveys.md: a time without a zone "is taken
    as UTC" — so they are valid instants, stored as written, not refused. Month-first: "3/13/2026" can
    only be month-first (docs: decided for the column). Identity (SPEC §7.3 / docs): the e-mail where
    there is one (case-folded), else the response ID — per row: a blank e-mail or "anonymous" falls
    back to the ID.

    Rows (ID, completion, e-mail, team, tools, burnout, help) → identifier:
      1 3/8 1:50  ana@example.com  Orders    A 4   D 2 → 4   A 4        (superseded by row 3)
      2 3/8 2:30  —                Orders    SA 5  SD 1 → 5  (blank)    → "2"
      3 3/8 3:10  ANA@EXAMPLE.COM  Payments  D 2   A 4 → 2   D 2        → ana, later: counts, payments
      4 3/13 9:00 anonymous        Orders    N 3   N 3 → 3   SA 5       → "4"
      5 3/8 2:45  bo@example.com   Payments  A 4   SA 5 → 1  N 3        → bo
      6 3/9 9:00  —                Payments  SD 1  D 2 → 4   A 4        → "6"
      7 3/10 9:00 cy@example.com   Orders    A 4   N/A       D 2        → cy
    Kept: orders 2, 4, cy (3); payments ana, bo, 6 (3).
    Satisfaction — orders: tools 5, 3, 4 → 4 → 75; burnout 5, 3 → 4 → 75; score 75; favourable
      tools 5, 4 + burnout 5 → 3/5; 3; 3/4. payments: tools 2, 4, 1 → 7/3 → (4/3)/4 × 100 = 100/3;
      burnout 2, 1, 4 → 100/3; score 100/3; favourable tools 4 + burnout 4 → 2/6; 3; 3/4.
      "*": tools 19/6 → (13/6)/4 × 100 = 325/6; burnout 5, 3, 2, 1, 4 → 3 → 50; score
      (325/6 + 50)/2 = 625/12; favourable 5/11; 6; 6/8.
    Communication — orders 4 → 5, cy 2 (2 < 3: hidden); payments ana 2, bo 3, 6 → 4 (3 people); "*"
      5 ≥ 3 shown, hidden 2 < 3 → the smallest shown team, payments, hidden too. "*": 5, 2, 2, 3, 4 =
      16/5 → (11/5)/4 × 100 = 55; favourable 5, 4 → 2/5; 5; 6/8.
    """
    rows = [
        MS_HEADER,
        ["1", "3/8/2026 1:41:00", "3/8/2026 1:50:00", "ana@example.com", "Ana García", "Orders", A, D, A],
        ["2", "3/8/2026 1:58:00", "3/8/2026 2:30:00", "", "", "Orders", SA, SD, ""],
        ["3", "3/8/2026 3:02:00", "3/8/2026 3:10:00", "ANA@EXAMPLE.COM", "Ana García", "Payments", D, A, D],
        ["4", "3/13/2026 8:57:00", "3/13/2026 9:00:00", "anonymous", "", "Order team", N, N, SA],
        ["5", "3/8/2026 1:59:00", "3/8/2026 2:45:00", "bo@example.com", "Bo Chen", "payments", A, SA, N],
        ["6", "3/9/2026 8:50:00", "3/9/2026 9:00:00", "", "", "PAYMENTS", SD, D, A],
        ["7", "3/10/2026 8:55:00", "3/10/2026 9:00:00", "cy@example.com", "Cy Diaz", "orders", A, "N/A", D],
    ]
    file = tmp_path / "DevEx survey(1-7).csv"
    file.write_bytes(csv_text(rows, excel=True).encode("utf-8-sig"))
    report = import_survey(engine, file, SURVEY, quarter=Q1, fmt="auto", secret=SECRET, team_names=TEAM_NAMES)
    assert (report.format, report.rows, report.superseded, report.responses) == ("microsoft-forms", 7, 1, 6)
    assert (report.answers, report.missing_answers) == (16, 2)

    ana, bo, cy = (pseudonym_of(f"{who}@example.com") for who in ("ana", "bo", "cy"))
    two, four, six = (pseudonym_of(number) for number in ("2", "4", "6"))
    assert responses(engine) == {
        ana: (Q1, "payments", datetime(2026, 3, 8, 3, 10)),
        two: (Q1, "orders", datetime(2026, 3, 8, 2, 30)),
        four: (Q1, "orders", datetime(2026, 3, 13, 9, 0)),
        bo: (Q1, "payments", datetime(2026, 3, 8, 2, 45)),
        six: (Q1, "payments", datetime(2026, 3, 9, 9, 0)),
        cy: (Q1, "orders", datetime(2026, 3, 10, 9, 0)),
    }
    assert answers(engine)[(ana, "sat_tools")] == 2  # the 3:10 resubmission, not the 1:50 one (4)
    texts = stored_texts(engine)
    assert [w for w in ("@", "anonymous", "garcía", "chen", "diaz") if any(w in text for text in texts)] == []

    got = scores(engine, {"orders": 4, "payments": 4})
    assert sorted(got) == [
        ("*", Q1, "communication"),
        ("*", Q1, "satisfaction"),
        ("orders", Q1, "satisfaction"),
        ("payments", Q1, "satisfaction"),
    ]
    assert figures(got[("orders", Q1, "satisfaction")]) == expect(75.0, 3 / 5, 3, 3 / 4)
    assert figures(got[("payments", Q1, "satisfaction")]) == expect(100 / 3, 2 / 6, 3, 3 / 4)
    assert figures(got[("*", Q1, "satisfaction")]) == expect(625 / 12, 5 / 11, 6, 6 / 8)
    assert figures(got[("*", Q1, "communication")]) == expect(55.0, 2 / 5, 5, 6 / 8)
