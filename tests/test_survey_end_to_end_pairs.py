"""SPACE surveys end to end where two SPEC rules meet: an export file written here in the shape of one
tool → ``doraspace survey import`` (the CLI, with a real config and definition file) → ``doraspace survey
scores --format json`` or the ``space_*`` exposition of a running ``doraspace serve`` → the numbers.

Every expected number is worked out by hand from SPEC §7 in the comment above its assertion, never copied
from what the code printed. The rules used throughout (SPEC §7.1, §7.4):

* an answer is matched to a scale point by label (case-insensitive, whitespace runs folded) or number;
* a reverse item scores ``points + 1 − x`` and is favourable when that reversed score is;
* ``score`` = mean over the dimension's items of ``(mean answer − 1) / (points − 1) × 100``;
* ``favourable`` = favourable ÷ valid answers; missing answers leave every denominator;
* ``respondents`` = distinct respondents with a valid answer on the dimension;
* a team-quarter or dimension under ``min_group_size`` is suppressed; the organisation ``"*"`` counts
  everyone; differencing: while ``"*"`` is shown and the suppressed teams hold fewer than
  ``min_group_size`` respondents (and at least one), the smallest shown team is suppressed too;
* change needs both quarters shown and the wording unchanged; rising/falling when the score moved ≥ 5
  points and > 1.96 × √(SE₁² + SE₂²), SE = sample sd of the respondents' own 0–100 scores ÷ √n.

Nothing depends on today's date: every quarter is named on the command line.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from doraspace.cli import main
from tests.surveys.test_rule_pairs import QUALTRICS_META, QUALTRICS_WORDS

SECRET_VARIABLE = "SURVEY_E2E_PAIRS_SECRET"
SECRET = "survey-e2e-pairs-secret"
DORASPACE = Path(sys.executable).with_name("doraspace")
Q2, Q3 = "2026-Q2", "2026-Q3"

TEAM = "Which team are you on?"
SAT_TOOLS = "I am satisfied with the tools and processes I use to do my work"
SAT_BURNOUT = "I feel burned out from my work"
EFF_INTERRUPT = "How often are you interrupted while you are coding?"
COM_HELP = "It is easy to get help from other teams when my work depends on them"
ITEM_TEXTS = (SAT_TOOLS, SAT_BURNOUT, EFF_INTERRUPT, COM_HELP)
GRID = "How much do you agree with each statement?"
MATRIX = "Please rate how much you agree with each statement about your work."

NEITHER = "Neither agree nor disagree"
AGREE_LABELS = f"Strongly disagree, Disagree, {NEITHER}, Agree, Strongly agree"


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-9)


def definition_text(team_question: str = TEAM) -> str:
    """Four items: satisfaction (tools; burnout reverse), efficiency (interruptions, reverse, on a
    frequency scale) and communication."""
    return f"""
survey: devex
scales:
  agree5: {{points: 5, labels: [{AGREE_LABELS}], favourable: [4, 5]}}
  freq5: {{points: 5, labels: [Never, Rarely, Sometimes, Very often, Always], favourable: [4, 5]}}
missing: ["I don't know", "N/A", "Not applicable", ""]
team_question: "{team_question}"
items:
  - {{id: sat_tools, text: "{SAT_TOOLS}", dimension: satisfaction, scale: agree5}}
  - {{id: sat_burnout, text: "{SAT_BURNOUT}", dimension: satisfaction, scale: agree5, reverse: true}}
  - {{id: eff_interrupt, text: "{EFF_INTERRUPT}", dimension: efficiency, scale: freq5, reverse: true}}
  - {{id: com_help, text: "{COM_HELP}", dimension: communication, scale: agree5}}
"""


def csv_text(rows: Sequence[Sequence[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    path.write_text(csv_text(rows), encoding="utf-8")
    return path


Answers = tuple[str, str, str, str]  # (tools, burnout, interrupt, help), in ITEM_TEXTS order


def only_tools(answer: str) -> Answers:
    return (answer, "", "", "")


# -------------------------------------------------------------------------------------------- exports


def google_forms(
    rows: Sequence[tuple[str, str | None, str, Answers]], *, grid: bool = False
) -> list[list[str]]:
    """(timestamp, e-mail or None, team, answers); with ``grid`` the agreement items are the rows of
    one multiple-choice grid (``Title [Row]``)."""
    email = any(row[1] is not None for row in rows)
    titles = [f"{GRID} [{text}]" if grid and text != EFF_INTERRUPT else text for text in ITEM_TEXTS]
    out = [["Timestamp", *(["Email Address"] if email else []), TEAM, *titles]]
    for stamp, address, team, answers in rows:
        out.append([stamp, *([address or ""] if email else []), team, *answers])
    return out


MS_META = ["ID", "Start time", "Completion time", "Email", "Name"]


def microsoft_forms(
    rows: Sequence[tuple[int, str, str, Answers]], titles: Sequence[str] = ITEM_TEXTS
) -> list[list[str]]:
    """(ID, e-mail or ``anonymous``, team, answers)."""
    out = [[*MS_META, TEAM, *titles]]
    for number, email, team, answers in rows:
        stamp = f"7/14/2026 10:{number:02d}:00"
        out.append(
            [str(number), stamp, stamp, email, "" if email == "anonymous" else "Ana García", team, *answers]
        )
    return out


TYPEFORM_META = [
    "Response Type",
    "Start Date (UTC)",
    "Stage Date (UTC)",
    "Submit Date (UTC)",
    "Network ID",
    "Tags",
]


def typeform(rows: Sequence[tuple[str, str, Answers, str]], month: int = 7) -> list[list[str]]:
    """(token, team, answers, response type)."""
    out = [["#", TEAM, *ITEM_TEXTS, *TYPEFORM_META]]
    for token, team, answers, kind in rows:
        start = f"2026-{month:02d}-14 08:00:00"
        submit = f"2026-{month:02d}-14 08:05:00" if kind == "completed" else ""
        out.append([token, team, *answers, kind, start, start if kind == "partial" else "", submit, "n1", ""])
    return out


LONG_HEADER = ["respondent_id", "team", "submitted_at", "item_id", "answer"]


# -------------------------------------------------------------------------------------------- harness


class Org:
    """One organisation: a config (teams, headcounts, survey_names, min_group_size), a definition file
    and a DuckDB store in its own folder; the CLI run in-process."""

    def __init__(
        self,
        folder: Path,
        capsys: pytest.CaptureFixture[str],
        teams: Sequence[tuple[str, int | None, Sequence[str]]],
        *,
        minimum: int,
        team_question: str = TEAM,
    ) -> None:
        self.folder = folder
        self.capsys = capsys
        lines = []
        for name, headcount, names in teams:
            spelled = ", ".join(json.dumps(spelling) for spelling in names)
            lines.append(
                f"  - {{name: {name}, headcount: {'null' if headcount is None else headcount}, "
                f"survey_names: [{spelled}]}}"
            )
        team_lines = "\n".join(lines)
        self.config = folder / "doraspace.yaml"
        self.config.write_text(f"""
database:
  url: duckdb:///{folder}/store.duckdb
teams:
{team_lines}
surveys:
  min_group_size: {minimum}
  respondent_secret: ${{{SECRET_VARIABLE}}}
schedule: {{analytics: 1h}}
http:
  listen: 127.0.0.1:0
""")
        self.definition = folder / "devex.yaml"
        self.definition.write_text(definition_text(team_question), encoding="utf-8")

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        status = main([*args[:2], "--config", str(self.config), *args[2:]])
        captured = self.capsys.readouterr()
        return status, captured.out, captured.err

    def survey_import(self, file: Path, quarter: str = Q3, fmt: str | None = None) -> str:
        """Import ``file``; asserts exit 0 and returns the one-line summary on stderr."""
        args = ["survey", "import", str(file), "--definition", str(self.definition), "--quarter", quarter]
        status, _, err = self.run(*args, *(["--format", fmt] if fmt else []))
        assert status == 0, err
        return err

    def rows(self, *extra: str) -> list[dict[str, Any]]:
        status, out, err = self.run("survey", "scores", "--format", "json", *extra)
        assert status == 0, err
        return json.loads(out)

    def scores(self, *extra: str) -> dict[tuple[str, str, str], dict[str, Any]]:
        return {(row["team"], row["quarter"], row["dimension"]): row for row in self.rows(*extra)}

    def exposition(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        """The ``space_*`` samples of ``doraspace serve`` (a child process) once its first snapshot is
        served."""
        log_path = self.folder / "serve.log"
        env = {**os.environ, SECRET_VARIABLE: SECRET}
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [DORASPACE, "serve", "--config", str(self.config)],
                env=env,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )
        try:
            url = self._wait(lambda: _served_url(log_path.read_text(errors="replace")), process, log_path)
            body = self._wait(lambda: _snapshot_body(url), process, log_path)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(body)
            for sample in family.samples
            if sample.name.startswith("space_")
        }

    @staticmethod
    def _wait(probe: Callable[[], str | None], process: subprocess.Popen[bytes], log: Path) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = probe()
            if found is not None:
                return found
            if process.poll() is not None:
                raise AssertionError(f"serve exited with {process.returncode}:\n{log.read_text()}")
            time.sleep(0.1)
        raise AssertionError(f"serve did not get there in 30 s:\n{log.read_text()}")


def _served_url(log: str) -> str | None:
    for line in log.splitlines():
        if "serving " in line:
            return line.split("serving ", 1)[1].strip()
    return None


def _snapshot_body(url: str) -> str | None:
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read().decode()
    return body if "doraspace_snapshot_age_seconds" in body else None


def expected(
    team: str,
    quarter: str,
    dimension: str,
    score: float,
    favourable: float,
    respondents: int,
    rate: float | None,
    change: str | None,
) -> dict[str, Any]:
    """A whole SPEC §7.5 JSON object, floats compared to 1e-9."""
    return {
        "team": team,
        "quarter": quarter,
        "dimension": dimension,
        "score": approx(score),
        "favourable": approx(favourable),
        "respondents": respondents,
        "response_rate": None if rate is None else approx(rate),
        "change": change,
    }


def sample(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return name, frozenset(labels.items())


def space_teams(samples: dict[tuple[str, frozenset[tuple[str, str]]], float]) -> set[str]:
    return {dict(labels)["team"] for _, labels in samples}


@pytest.fixture
def make_org(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., Org]]:
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)

    def make(teams: Sequence[tuple[str, int | None, Sequence[str]]], **options: Any) -> Org:
        return Org(tmp_path, capsys, teams, **options)

    yield make


# ================================================================================================== 1
# Qualtrics: the team asked as a text entry (QID1_TEXT), typed with odd case/spaces/an alias + reverse
# items answered with labels in odd case + Status/Finished filters + a free-text box naming a team
# ==================================================================================================

QUALTRICS_IMPORTS = [
    '{"ImportId":"startDate","timeZone":"UTC"}',
    '{"ImportId":"endDate","timeZone":"UTC"}',
    '{"ImportId":"status"}',
    '{"ImportId":"progress"}',
    '{"ImportId":"finished"}',
    '{"ImportId":"recordedDate","timeZone":"UTC"}',
    '{"ImportId":"_recordId"}',
]


def test_qualtrics_text_entry_team_with_aliases_and_reverse_labels_in_odd_case(
    make_org: Callable[..., Org],
) -> None:
    org = make_org(
        [("orders", 6, ["The Orders team", "Order's crew"]), ("payments", 4, ["Payments"])], minimum=3
    )
    ids = [*QUALTRICS_META, "Q1", "Q2_1", "Q2_2", "Q2_3", "Q3", "Q9_TEXT"]
    words = [
        *QUALTRICS_WORDS,
        TEAM,
        f"{MATRIX} - {SAT_TOOLS}",
        f"{MATRIX} - {SAT_BURNOUT}",
        f"{MATRIX} - {COM_HELP}",
        EFF_INTERRUPT,
        "Anything else you want to tell us?",
    ]
    imports = [
        *QUALTRICS_IMPORTS,
        '{"ImportId":"QID1_TEXT"}',
        '{"ImportId":"QID2_1"}',
        '{"ImportId":"QID2_2"}',
        '{"ImportId":"QID2_3"}',
        '{"ImportId":"QID3"}',
        '{"ImportId":"QID9_TEXT"}',
    ]
    # (Status, Finished, ResponseId, typed team, tools, burnout, help, interrupt, free text)
    body = [
        (
            "0",
            "1",
            "R_1",
            "  the ORDERS   team",
            "agree",
            "STRONGLY  AGREE",
            "Agree",
            "never",
            "Payments rock",
        ),
        ("0", "1", "R_2", "orders", "Strongly agree", " disagree ", "", "Rarely", ""),
        ("0", "1", "R_3", "Order’s crew", NEITHER, "strongly disagree", "Disagree", "ALWAYS", "payments"),
        ("0", "1", "R_4", "PAYMENTS", "Disagree", "Agree", "Agree", "Sometimes", ""),
        ("0", "1", "R_5", "payments ", "Strongly disagree", NEITHER, "Strongly agree", "very often", ""),
        ("4", "1", "R_6", "Payments", "Agree", "Strongly agree", "", "Never", ""),  # Imported: kept
        ("1", "1", "R_7", "Growth", "Mostly", "", "", "", ""),  # preview: skipped, never validated
    ]
    stamp = "2026-07-14 08:00:00"
    rows = [ids, words, imports]
    rows += [[stamp, stamp, status, "100", done, stamp, rid, *rest] for status, done, rid, *rest in body]
    summary = org.survey_import(write_csv(org.folder / "qualtrics.csv", rows))
    # Six kept rows; valid answers: R1 4, R2 3, R3 4, R4 4, R5 4, R6 3 = 22; blanks R2 help, R6 help = 2.
    assert (
        "qualtrics, devex 2026-Q3: 6 respondents (6 new), 22 answers, 2 missing answers, 1 unfinished"
        in summary
    )
    got = org.scores()

    # orders = R1, R2, R3 (typed "  the ORDERS   team", "orders", "Order’s crew").
    # sat_tools 4, 5, 3 → mean 4 → 75. sat_burnout reversed: 5→1, 2→4, 1→5 → mean 10/3 → 175/3.
    # Score (75 + 175/3)/2 = 200/3. Favourable: tools 4, 5; burnout 4, 5 → 4 of 6.
    orders = got[("orders", Q3, "satisfaction")]
    assert (orders["score"], orders["favourable"], orders["respondents"]) == (
        approx(200 / 3),
        approx(2 / 3),
        3,
    )
    assert orders["response_rate"] == approx(3 / 6)
    # eff_interrupt (freq5, reverse): never 1→5, Rarely 2→4, ALWAYS 5→1 → 10/3 → 175/3; favourable 2/3.
    eff = got[("orders", Q3, "efficiency")]
    assert (eff["score"], eff["favourable"], eff["respondents"]) == (approx(175 / 3), approx(2 / 3), 3)

    # payments = R4, R5, R6 (R6 has Status 4 = Imported). sat_tools 2, 1, 4 → 7/3 → 100/3; burnout
    # reversed 4→2, 3→3, 5→1 → 2 → 25. Score (100/3 + 25)/2 = 175/6. Favourable: tools 4 only → 1/6.
    payments = got[("payments", Q3, "satisfaction")]
    assert (payments["score"], payments["favourable"]) == (approx(175 / 6), approx(1 / 6))
    assert (payments["respondents"], payments["response_rate"]) == (3, approx(3 / 4))
    # Interruptions: Sometimes 3→3, very often 4→2, Never 1→5 → 10/3 → 175/3; favourable 1/3.
    assert got[("payments", Q3, "efficiency")]["score"] == approx(175 / 3)
    assert got[("payments", Q3, "efficiency")]["favourable"] == approx(1 / 3)

    # Communication: orders 2 answers (R2 blank), payments 2 (R6 blank): both dimensions < 3, hidden.
    # The organisation's has 4 ≥ 3 (the hidden teams together hold 4 ≥ 3: no differencing):
    # 4, 2, 4, 5 → 15/4 → 68.75; favourable 3/4.
    assert ("orders", Q3, "communication") not in got and ("payments", Q3, "communication") not in got
    com = got[("*", Q3, "communication")]
    assert (com["score"], com["favourable"], com["respondents"]) == (approx(68.75), approx(0.75), 4)

    # Organisation satisfaction: tools 4,5,3,2,1,4 → 19/6 → 325/6; burnout reversed 1,4,5,2,3,1 → 8/3 →
    # 125/3; score (325/6 + 250/6)/2 = 575/12; favourable 3 + 2 of 12. Response rate 6/(6 + 4).
    sat = got[("*", Q3, "satisfaction")]
    assert (sat["score"], sat["favourable"], sat["respondents"]) == (approx(575 / 12), approx(5 / 12), 6)
    assert sat["response_rate"] == approx(0.6)
    # Organisation efficiency: 5,4,1,3,2,5 → 10/3 → 175/3; favourable 3/6.
    assert got[("*", Q3, "efficiency")]["favourable"] == approx(0.5)
    assert set(got) == {
        ("*", Q3, "communication"),
        ("*", Q3, "efficiency"),
        ("*", Q3, "satisfaction"),
        ("orders", Q3, "efficiency"),
        ("orders", Q3, "satisfaction"),
        ("payments", Q3, "efficiency"),
        ("payments", Q3, "satisfaction"),
    }


# ================================================================================================== 2
# min_group_size exactly met in one quarter and missed in the next (and the reverse) + two quarters
# imported from two formats (Typeform, then Microsoft Forms) + the change + `--quarter`
# ==================================================================================================


def test_team_at_the_threshold_in_one_quarter_and_below_in_the_next_across_formats(
    make_org: Callable[..., Org],
) -> None:
    org = make_org(
        [("orders", 8, []), ("payments", 10, []), ("platform", 6, []), ("search", 2, [])], minimum=5
    )

    def people(sizes: dict[str, int]) -> list[str]:
        return [team for team, size in sizes.items() for _ in range(size)]

    q2 = people({"Orders": 5, "Payments": 4, "Search": 1, "Platform": 6})
    q3 = people({"Orders": 4, "Payments": 5, "Search": 1, "Platform": 6})
    q2_rows = typeform(
        [(f"t{n}", team, only_tools("Disagree"), "completed") for n, team in enumerate(q2)], month=5
    )
    q3_rows = microsoft_forms([(n, "anonymous", team, only_tools("Agree")) for n, team in enumerate(q3, 1)])
    assert "typeform" in org.survey_import(write_csv(org.folder / "q2.csv", q2_rows), quarter=Q2)
    assert "microsoft-forms" in org.survey_import(write_csv(org.folder / "q3.csv", q3_rows), quarter=Q3)

    rows = org.rows()
    # Q2: orders 5 (= min_group_size: shown), payments 4 and search 1 hidden (together 5: no
    # differencing), platform 6 shown. Q3: orders 4 hidden, payments 5 shown, search 1 hidden (5).
    assert [(r["team"], r["quarter"]) for r in rows] == [
        ("*", Q2),
        ("*", Q3),
        ("orders", Q2),
        ("payments", Q3),
        ("platform", Q2),
        ("platform", Q3),
    ]
    got = {(r["team"], r["quarter"]): r for r in rows}
    # Everyone "Disagree" (2 → 25) in Q2, "Agree" (4 → 75) in Q3: SE 0 on both sides, moved 50: rising,
    # where both quarters are shown (the organisation, platform). payments was hidden in Q2: null;
    # orders is hidden in Q3: no row at all.
    assert [got[("*", Q3)]["score"], got[("platform", Q3)]["score"], got[("payments", Q3)]["score"]] == [
        75.0
    ] * 3
    assert got[("orders", Q2)]["score"] == approx(25.0)
    assert [got[("*", Q3)]["change"], got[("platform", Q3)]["change"], got[("payments", Q3)]["change"]] == [
        "rising",
        "rising",
        None,
    ]
    assert got[("*", Q2)]["change"] is None and got[("orders", Q2)]["change"] is None
    # Response rates: Q3 payments 5/10, platform 6/6; the organisation 16 ÷ (8 + 10 + 6 + 2) = 16/26.
    assert got[("payments", Q3)]["response_rate"] == approx(0.5)
    assert got[("platform", Q3)]["response_rate"] == approx(1.0)
    assert got[("*", Q3)]["respondents"] == 16
    assert got[("*", Q3)]["response_rate"] == approx(16 / 26)
    assert got[("orders", Q2)]["response_rate"] == approx(5 / 8)
    # `--quarter 2026-Q3` shows only Q3, with the same change (the previous quarter is still compared).
    only = org.rows("--quarter", Q3)
    assert [(r["team"], r["change"]) for r in only] == [
        ("*", "rising"),
        ("payments", None),
        ("platform", "rising"),
    ]


# ================================================================================================== 3
# One respondent answering twice in one quarter, in two tools (Google Forms, then Microsoft Forms, the
# e-mail in another case) and on another team + differencing
# ==================================================================================================


def test_a_respondent_answering_in_two_tools_in_one_quarter_counts_once(make_org: Callable[..., Org]) -> None:
    org = make_org([("orders", None, []), ("payments", None, []), ("platform", None, [])], minimum=5)
    google = [
        (f"7/14/2026 10:0{n}:00", f"a{n}@example.com", "Orders", only_tools("Agree")) for n in range(1, 6)
    ]
    google += [
        (f"7/14/2026 11:0{n}:00", f"b{n}@example.com", "Payments", only_tools("Agree")) for n in range(1, 6)
    ]
    assert "10 respondents (10 new)" in org.survey_import(
        write_csv(org.folder / "google.csv", google_forms(google))
    )
    # The same form run in Microsoft Forms for another office, exported later: a5 answers again there.
    ms = [(n, f"c{n}@example.com", "Platform", only_tools("Agree")) for n in range(1, 6)]
    ms.append((6, "A5@Example.COM", "Payments", only_tools("Strongly disagree")))
    summary = org.survey_import(write_csv(org.folder / "ms.csv", microsoft_forms(ms)))
    # SPEC §7.3: the identifier is the e-mail (docs: case-folded): a5 is known, 5 new people.
    assert "6 respondents (5 new)" in summary

    got = org.scores()
    # a5 counts once, on payments with the later answer (docs/surveys.md: a later export replaces the
    # answers of those already imported). orders 4 (< 5, hidden), payments 6, platform 5; "*" 15.
    # Differencing: hidden 4 < 5 → the smallest shown team, platform (5), is hidden too (hidden 9).
    assert {team for team, _, _ in got} == {"*", "payments"}
    payments = got[("payments", Q3, "satisfaction")]
    # payments: five "Agree" (4) and a5's "Strongly disagree" (1): 21/6 = 3.5 → 62.5; favourable 5/6.
    assert (payments["score"], payments["favourable"], payments["respondents"]) == (
        approx(62.5),
        approx(5 / 6),
        6,
    )
    assert payments["response_rate"] is None  # no headcount configured
    # "*": 14 × 4 + 1 = 57 over 15 → 3.8 → 70; favourable 14/15; 15 distinct respondents.
    whole = got[("*", Q3, "satisfaction")]
    assert (whole["score"], whole["favourable"], whole["respondents"]) == (approx(70.0), approx(14 / 15), 15)


# ================================================================================================== 4
# Two quarters from two formats (Google Forms grid, then a Qualtrics matrix), the same wording + the
# change decided by the standard errors: rising in one dimension, stable in another
# ==================================================================================================


def qualtrics_choice_export(rows: Sequence[tuple[str, Answers]]) -> list[list[str]]:
    """A Qualtrics choice-text export: matrix Q2_1..3 (tools, burnout, help), Q3 (interruptions), the
    team choice Q10; ``rows``: (team, answers)."""
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
    stamp = "2026-08-03 09:00:00"
    out = [ids, words, imports]
    for n, (team, (tools, burnout, interrupt, help_)) in enumerate(rows, 1):
        out.append([stamp, stamp, "0", "100", "1", stamp, f"R_{n}", tools, burnout, help_, interrupt, team])
    return out


def test_change_across_formats_rising_and_stable_by_the_standard_error(make_org: Callable[..., Org]) -> None:
    org = make_org([("orders", 10, [])], minimum=3)
    q2 = [
        ("4/14/2026 10:00:01", None, "Orders", ("Agree", "Agree", "", "Strongly agree")),
        ("4/14/2026 10:00:02", None, "Orders", (NEITHER, NEITHER, "", "Strongly disagree")),
        ("4/14/2026 10:00:03", None, "Orders", ("Disagree", "Strongly agree", "", NEITHER)),
    ]
    org.survey_import(write_csv(org.folder / "q2.csv", google_forms(q2, grid=True)), quarter=Q2)
    q3 = [("Orders", ("Strongly agree", "Strongly disagree", "", "Agree"))] * 3
    q3 += [("Orders", ("Agree", "Disagree", "", "Agree"))]
    org.survey_import(write_csv(org.folder / "q3.csv", qualtrics_choice_export(q3)), quarter=Q3)
    got = org.scores()

    # Satisfaction Q2: own scores (tools, reversed burnout on 0–100): (75, 25) → 50, (50, 50) → 50,
    # (25, 0) → 12.5. Score: tools 3 → 50, burnout reversed 2 → 25 → 37.5. SE = sd(50, 50, 12.5)/√3
    # = √(937.5/2/3) = 12.5.
    # Q3: own 100, 100, 100, 75; score tools 4.75 → 93.75, burnout reversed 4.75 → 93.75 → 93.75;
    # SE = √(468.75/3)/2 = 6.25. Moved 56.25 ≥ 5 and > 1.96 × √(156.25 + 39.0625) ≈ 27.4: rising.
    assert got[("orders", Q2, "satisfaction")]["score"] == approx(37.5)
    sat = got[("orders", Q3, "satisfaction")]
    assert (sat["score"], sat["change"]) == (approx(93.75), "rising")
    # Communication Q2: 5, 1, 3 → 100, 0, 50: score 50, SE 50/√3 ≈ 28.87. Q3: four 4 → 75, SE 0.
    # Moved 25 ≥ 5 but not > 1.96 × 28.87 ≈ 56.6: stable.
    com = got[("orders", Q3, "communication")]
    assert (com["score"], com["change"]) == (approx(75.0), "stable")
    # The organisation is the same people: the same figures and changes.
    assert (got[("*", Q3, "satisfaction")]["change"], got[("*", Q3, "communication")]["change"]) == (
        "rising",
        "stable",
    )
    # Nobody answered the interruption question: no efficiency row.
    assert not [key for key in got if key[2] == "efficiency"]


# ================================================================================================== 5
# Differencing + the organisation counting the suppressed teams + response rates, in /metrics, with
# Typeform typed teams and partial responses that must not lift a team over the threshold
# ==================================================================================================


def test_differencing_and_organisation_counts_in_the_exposition(make_org: Callable[..., Org]) -> None:
    org = make_org([("small", 4, ["Small team"]), ("mid", 8, []), ("big", 12, [])], minimum=5)
    rows = [
        (f"s{n}", team, only_tools("Strongly disagree"), "completed")
        for n, team in enumerate(["small TEAM ", "Small team", "small"])
    ]
    # Two partial responses on small: not responses (SPEC §7.2); counted, small would reach 5.
    rows += [(f"p{n}", "Small", only_tools("Strongly disagree"), "partial") for n in range(2)]
    rows += [(f"m{n}", "MID", only_tools("Disagree"), "completed") for n in range(6)]
    rows += [(f"b{n}", "Big ", only_tools("Agree"), "completed") for n in range(9)]
    assert "18 respondents (18 new)" in org.survey_import(
        write_csv(org.folder / "typeform.csv", typeform(rows))
    )
    samples = org.exposition()
    # small 3 < 5 hidden; "*" 18 shown; hidden 3 < 5 → the smallest shown team, mid (6), hidden too.
    assert space_teams(samples) == {"*", "big"}
    # "*": 3 × 1 + 6 × 2 + 9 × 4 = 51 over 18 → (51/18 − 1)/4 × 100 = 275/6; favourable 9/18.
    labels = {"dimension": "satisfaction", "quarter": Q3}
    assert samples[sample("space_score", team="*", **labels)] == approx(275 / 6)
    assert samples[sample("space_favourable_ratio", team="*", **labels)] == approx(0.5)
    # SPEC §7.4: "*" counts every respondent, suppressed teams included, over every headcount (4+8+12).
    assert samples[sample("space_respondents", team="*", quarter=Q3)] == 18
    assert samples[sample("space_response_rate", team="*", quarter=Q3)] == approx(18 / 24)
    assert samples[sample("space_score", team="big", **labels)] == approx(75.0)
    assert samples[sample("space_respondents", team="big", quarter=Q3)] == 9
    assert samples[sample("space_response_rate", team="big", quarter=Q3)] == approx(9 / 12)


# ================================================================================================== 6
# A dimension suppressed for one team (blank answers) forcing the differencing suppression of the same
# dimension of another team, in /metrics (long format)
# ==================================================================================================


def test_a_dimension_hidden_by_blanks_hides_the_same_dimension_of_the_smallest_team(
    make_org: Callable[..., Org],
) -> None:
    org = make_org([("alpha", 10, []), ("beta", 10, []), ("gamma", 10, [])], minimum=5)
    rows = [LONG_HEADER]
    plan = {
        "alpha": (6, "Agree", "Strongly agree"),
        "beta": (7, "Disagree", "Agree"),
        "gamma": (8, NEITHER, "Disagree"),
    }
    for team, (size, tools, help_) in plan.items():
        for n in range(size):
            # alpha's last two leave the communication item blank: alpha has 4 communication answers.
            helped = "" if team == "alpha" and n >= 4 else help_
            rows += [
                [f"{team}{n}", team, "", "sat_tools", tools],
                [f"{team}{n}", team, "", "com_help", helped],
            ]
    org.survey_import(write_csv(org.folder / "long.csv", rows))
    samples = org.exposition()
    com = {"dimension": "communication", "quarter": Q3}
    sat = {"dimension": "satisfaction", "quarter": Q3}
    # Every team-quarter is shown (6, 7, 8 ≥ 5): satisfaction for all; alpha 75, beta 25, gamma 50.
    for team, score in (("alpha", 75.0), ("beta", 25.0), ("gamma", 50.0)):
        assert samples[sample("space_score", team=team, **sat)] == approx(score)
    assert [
        samples[sample("space_respondents", team=t, quarter=Q3)] for t in ("alpha", "beta", "gamma", "*")
    ] == [
        6,
        7,
        8,
        21,
    ]
    # alpha's communication has 4 < 5 respondents: hidden (SPEC §7.4 "any single dimension with fewer").
    assert sample("space_score", team="alpha", **com) not in samples
    # "*"'s communication (19) minus beta's and gamma's would be alpha's hidden figure ("no score …
    # nowhere"): the differencing rule, applied to the dimension, hides the smallest shown one, beta (7),
    # so the hidden respondents reach 11 ≥ 5.
    assert sample("space_score", team="beta", **com) not in samples
    # "*" communication: 4 × 5 + 7 × 4 + 8 × 2 = 64 over 19 → (45/19)/4 × 100 = 1125/19; fav 11/19.
    assert samples[sample("space_score", team="*", **com)] == approx(1125 / 19)
    assert samples[sample("space_favourable_ratio", team="*", **com)] == approx(11 / 19)
    assert samples[sample("space_score", team="gamma", **com)] == approx(25.0)
    # "*" satisfaction: 6 × 4 + 7 × 2 + 8 × 3 = 62 over 21 → (41/21)/4 × 100 = 1025/21; favourable 6/21.
    assert samples[sample("space_score", team="*", **sat)] == approx(1025 / 21)
    assert samples[sample("space_favourable_ratio", team="*", **sat)] == approx(2 / 7)
    assert samples[sample("space_response_rate", team="*", quarter=Q3)] == approx(21 / 30)


# ================================================================================================== 7
# Microsoft Forms .xlsx (numbers as numeric cells, dates as date cells) + blank and "N/A" answers +
# reverse items + response rates, in /metrics
# ==================================================================================================


def test_microsoft_forms_workbook_blanks_reverse_and_response_rates_in_the_exposition(
    make_org: Callable[..., Org],
) -> None:
    import openpyxl  # type: ignore[import-untyped]

    org = make_org([("orders", 10, []), ("payments", 5, [])], minimum=3)
    # (team, tools, burnout, interrupt, help); None is an empty cell.
    answers: list[tuple[str, Any, Any, Any, Any]] = [
        ("Orders", 4, 2, "Never", "N/A"),
        ("Orders", "Agree", None, 5, 4.0),
        ("Orders", None, 5, "Rarely", 3),
        ("Orders", 1, None, None, None),
        ("Payments", 5, 1, 2, 5),
        ("Payments", 4, 2, 1, 4),
        ("Payments", 4, "N/A", 2, "Not applicable"),
    ]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*MS_META, TEAM, *ITEM_TEXTS])
    for n, (team, *values) in enumerate(answers, 1):
        stamp = datetime(2026, 7, 14, 10, n)
        sheet.append([n, stamp, stamp, "anonymous", None, team, *values])
    export = org.folder / "forms.xlsx"
    book.save(export)
    assert "microsoft-forms" in org.survey_import(export)
    got = org.scores()
    samples = org.exposition()

    def both(team: str, dimension: str) -> tuple[float, float]:
        labels = {"team": team, "dimension": dimension, "quarter": Q3}
        row = got[(team, Q3, dimension)]
        assert (row["score"], row["favourable"]) == (
            approx(samples[sample("space_score", **labels)]),
            approx(samples[sample("space_favourable_ratio", **labels)]),
        )
        return row["score"], row["favourable"]

    # orders satisfaction: tools 4, 4, 1 → 3 → 50; burnout reversed 2→4, 5→1 → 2.5 → 37.5; score 43.75.
    # Favourable: tools 4, 4; burnout 4 → 3 of 5 valid. Respondents: all four.
    assert both("orders", "satisfaction") == (approx(43.75), approx(0.6))
    assert got[("orders", Q3, "satisfaction")]["respondents"] == 4
    # orders efficiency (reverse): Never 1→5, 5→1, Rarely 2→4 → 10/3 → 175/3; favourable 2/3.
    assert both("orders", "efficiency") == (approx(175 / 3), approx(2 / 3))
    # payments satisfaction: tools 5, 4, 4 → 13/3 → 250/3; burnout 1→5, 2→4 → 87.5 → score 1025/12;
    # every valid answer favourable.
    assert both("payments", "satisfaction") == (approx(1025 / 12), approx(1.0))
    # payments efficiency: 2→4, 1→5, 2→4 → 13/3 → 250/3.
    assert both("payments", "efficiency") == (approx(250 / 3), approx(1.0))
    # Communication: orders 4.0 and 3 (2 < 3), payments 5 and 4 (2 < 3): both hidden; "*" 4 answers
    # 4, 3, 5, 4 → 4 → 75; favourable 3/4.
    assert both("*", "communication") == (approx(75.0), approx(0.75))
    assert ("orders", Q3, "communication") not in got and ("payments", Q3, "communication") not in got
    # "*" satisfaction: tools 4,4,1,5,4,4 → 22/6 → 200/3; burnout 4,1,5,4 → 3.5 → 62.5 → 775/12; 8/10.
    assert both("*", "satisfaction") == (approx(775 / 12), approx(0.8))
    # "*" efficiency: 5,1,4,4,5,4 → 23/6 → 425/6; favourable 5/6.
    assert both("*", "efficiency") == (approx(425 / 6), approx(5 / 6))
    # Response rates: orders 4/10, payments 3/5, "*" 7/15.
    for team, respondents, rate in (("orders", 4, 0.4), ("payments", 3, 0.6), ("*", 7, 7 / 15)):
        assert samples[sample("space_respondents", team=team, quarter=Q3)] == respondents
        assert samples[sample("space_response_rate", team=team, quarter=Q3)] == approx(rate)
        assert got[(team, Q3, "satisfaction")]["response_rate"] == approx(rate)


# ================================================================================================== 8
# Encodings and delimiters (UTF-16 tab "Unicode text", UTF-8 BOM with semicolons) + multi-line
# question titles + the e-mail resubmission rule + dotted (German) dates
# ==================================================================================================


def multi_line(text: str, after: str) -> str:
    """``text`` with the space after ``after`` replaced by a line break (as a title edited in Excel)."""
    head, tail = text.split(after + " ", 1)
    return f"{head}{after}\n{tail}"


def test_utf16_tab_export_with_multi_line_question_titles(make_org: Callable[..., Org]) -> None:
    org = make_org([("orders", 6, [])], minimum=3)
    titles = (
        multi_line(SAT_TOOLS, "tools"),
        multi_line(SAT_BURNOUT, "burned"),
        EFF_INTERRUPT,
        COM_HELP,
    )
    rows = microsoft_forms(
        [
            (1, "anonymous", "Orders", ("Agree", "Strongly disagree", "", "")),
            (2, "anonymous", "Orders", ("Strongly agree", "Strongly disagree", "", "")),
            (3, "anonymous", "Orders", ("Disagree", "Strongly disagree", "", "")),
        ],
        titles=[*titles[:2], "Anything else, good or bad,\nyou want to say?", *titles[2:]],
    )
    for row in rows[1:]:
        row.insert(len(MS_META) + 3, "")
    export = org.folder / "unicode.txt"
    export.write_bytes(csv_text(rows, delimiter="\t").encode("utf-16"))  # Python writes the BOM
    assert "microsoft-forms" in org.survey_import(export)
    row = org.scores()[("orders", Q3, "satisfaction")]
    # Titles fold (line break = whitespace run) to the items. tools 4, 5, 2 → 11/3 → 200/3; burnout
    # "Strongly disagree" 1 reversed 5 → 100; score (200/3 + 100)/2 = 250/3; favourable (2 + 3)/6.
    assert (row["score"], row["favourable"], row["respondents"]) == (approx(250 / 3), approx(5 / 6), 3)


def test_semicolon_bom_export_with_a_multi_line_title_and_a_resubmission(
    make_org: Callable[..., Org],
) -> None:
    org = make_org([("orders", 5, []), ("payments", 5, [])], minimum=3)
    header = [
        "Zeitstempel",
        "E-Mail-Adresse",
        TEAM,
        "Was möchtest du uns sonst noch sagen? (optional, anonym)\nBitte keine Namen nennen.",
        multi_line(SAT_TOOLS, "satisfied"),
        SAT_BURNOUT,
        EFF_INTERRUPT,
        multi_line(COM_HELP, "teams"),
    ]
    body = [
        [
            "14.07.2026 10:23:45",
            "ana@example.com",
            "Orders",
            "Mehr Zeit, weniger Meetings",
            "Agree",
            "",
            "",
            "Disagree",
        ],
        ["14.07.2026 10:24:00", "ben@example.com", "Orders", "", "Agree", "", "", ""],
        ["14.07.2026 10:25:00", "cy@example.com", "Orders", "", "Strongly disagree", "", "", ""],
        # cy again, later, e-mail in another case: this row counts (docs: "the later row").
        ["15.07.2026 08:00:00", "CY@example.com", "orders", "", "Strongly agree", "", "", "Agree"],
    ]
    export = org.folder / "excel-de.csv"
    export.write_bytes(codecs.BOM_UTF8 + csv_text([header, *body], delimiter=";").encode("utf-8"))
    summary = org.survey_import(export)
    assert "google-forms, devex 2026-Q3: 3 respondents (3 new)" in summary
    got = org.scores()
    # orders: tools 4, 4, 5 (cy's first answer superseded) → 13/3 → 250/3; all favourable; 3 people.
    sat = got[("orders", Q3, "satisfaction")]
    assert (sat["score"], sat["favourable"], sat["respondents"]) == (approx(250 / 3), approx(1.0), 3)
    assert sat["response_rate"] == approx(3 / 5)
    # Communication: ana 2 and cy 4: 2 respondents < 3, hidden for orders and for "*" alike.
    assert [key for key in got if key[2] == "communication"] == []


# ================================================================================================== 9
# Google Forms without e-mails: two responses in the same second (told apart by order) + re-importing
# the same file (nothing new, the same numbers) + a later export of the same Sheet
# ==================================================================================================


def test_same_second_google_responses_reimported_and_extended(make_org: Callable[..., Org]) -> None:
    org = make_org([("orders", 10, [])], minimum=5)
    first = [
        ("7/14/2026 10:00:00", None, "Orders", only_tools("Agree")),
        ("7/14/2026 10:00:00", None, "Orders", only_tools("Strongly agree")),
        ("7/14/2026 10:05:00", None, "Orders", only_tools("Disagree")),
        ("7/14/2026 10:05:00", None, "Orders", only_tools("Agree")),
        ("7/14/2026 10:07:00", None, "Orders", only_tools(NEITHER)),
    ]
    export = write_csv(org.folder / "sheet.csv", google_forms(first))
    assert "5 respondents (5 new)" in org.survey_import(export)
    before = org.rows()
    # Five respondents (two pairs share a second): tools 4, 5, 2, 4, 3 → 18/5 → 65; favourable 3/5.
    row = before[1]
    assert (row["team"], row["score"], row["favourable"], row["respondents"]) == (
        "orders",
        approx(65.0),
        0.6,
        5,
    )
    assert row["response_rate"] == approx(0.5)
    # SPEC §7.3: re-importing the same file adds nothing — the same numbers.
    assert "5 respondents (0 new)" in org.survey_import(export)
    assert org.rows() == before
    # A later download of the Sheet: the same rows in the same order, one more response.
    later = [*first, ("7/15/2026 09:00:00", None, "Orders", only_tools("Strongly agree"))]
    assert "6 respondents (1 new)" in org.survey_import(
        write_csv(org.folder / "sheet2.csv", google_forms(later))
    )
    row = org.scores()[("orders", Q3, "satisfaction")]
    # tools 4, 5, 2, 4, 3, 5 → 23/6 → (17/6)/4 × 100 = 425/6; favourable 4/6; 6 of 10.
    assert (row["score"], row["favourable"], row["respondents"]) == (approx(425 / 6), approx(2 / 3), 6)
    assert row["response_rate"] == approx(0.6)


# ================================================================================================== 10
# Typeform partial responses (not counted) next to the differencing rule + a reverse frequency item
# answered with labels in odd case and spacing
# ==================================================================================================


def test_typeform_partials_do_not_count_towards_a_threshold_or_differencing(
    make_org: Callable[..., Org],
) -> None:
    org = make_org([("orders", 10, []), ("payments", 10, []), ("platform", 10, [])], minimum=5)
    interrupts = ["ALWAYS", " very  often ", "never", "Rarely", "sometimes"]
    rows = [(f"o{n}", "Orders", ("", "", answer, ""), "completed") for n, answer in enumerate(interrupts)]
    rows += [("o9", "Orders", ("", "", "Always", ""), "partial")]
    rows += [(f"t{n}", "Platform", ("", "", "Never", ""), "completed") for n in range(6)]
    # Only partial responses from payments (and one from a team nobody configured): no respondents.
    rows += [
        ("p1", "Payments", ("", "", "Always", ""), "partial"),
        ("p2", "Growth", ("", "", "Always", ""), "partial"),
    ]
    summary = org.survey_import(write_csv(org.folder / "typeform.csv", typeform(rows)))
    assert "11 respondents (11 new)" in summary and "3 unfinished responses skipped" in summary
    got = org.scores()
    # Had the partials counted, payments (2) would be hidden and the differencing rule would hide
    # orders (5) too. They do not: orders 5, platform 6, "*" 11, nothing hidden.
    assert {team for team, _, _ in got} == {"*", "orders", "platform"}
    # orders (freq5, reverse): ALWAYS 5→1, very often 4→2, never 1→5, Rarely 2→4, sometimes 3→3:
    # mean 3 → 50; favourable 2/5.
    orders = got[("orders", Q3, "efficiency")]
    assert (orders["score"], orders["favourable"], orders["respondents"]) == (approx(50.0), approx(0.4), 5)
    assert orders["response_rate"] == approx(0.5)
    # "*": 15 + 6 × 5 = 45 over 11 → (34/11)/4 × 100 = 850/11; favourable 8/11; rate 11/30.
    whole = got[("*", Q3, "efficiency")]
    assert (whole["score"], whole["favourable"], whole["respondents"]) == (
        approx(850 / 11),
        approx(8 / 11),
        11,
    )
    assert whole["response_rate"] == approx(11 / 30)


# ================================================================================================== 11
# Qualtrics numeric-values export: the team as embedded data + numeric codes on reverse items + a
# resubmission by RecipientEmail + the Status filter
# ==================================================================================================


def test_qualtrics_numeric_export_with_embedded_team_and_a_resubmission(make_org: Callable[..., Org]) -> None:
    org = make_org([("orders", 8, ["Orders"])], minimum=3, team_question="Team")
    ids = [*QUALTRICS_META, "RecipientEmail", "Q2_1", "Q2_2", "Q2_3", "Q3", "Q10", "Team"]
    words = [
        *QUALTRICS_WORDS,
        "Recipient Email",
        f"{MATRIX} - {SAT_TOOLS}",
        f"{MATRIX} - {SAT_BURNOUT}",
        f"{MATRIX} - {COM_HELP}",
        EFF_INTERRUPT,
        TEAM,
        "Team",
    ]
    imports = [
        *QUALTRICS_IMPORTS,
        '{"ImportId":"recipientEmail"}',
        *(f'{{"ImportId":"QID{q}"}}' for q in ("2_1", "2_2", "2_3", "3", "10")),
        '{"ImportId":"Team"}',
    ]
    # (Status, RecordedDate, ResponseId, e-mail, tools, burnout, help, interrupt)
    body = [
        ("0", "2026-07-14 08:00:00", "R_1", "ana@example.com", "4", "2", "4", "1"),
        ("0", "2026-07-14 08:10:00", "R_2", "ben@example.com", "2", "4", "2", "3"),
        ("0", "2026-07-14 08:20:00", "R_3", "", "3", "3", "3", "5"),
        ("4", "2026-07-14 08:30:00", "R_4", "", "4", "5", "", ""),
        ("1", "2026-07-14 08:40:00", "R_5", "", "1", "1", "1", "1"),  # preview: skipped
        ("0", "2026-07-15 09:00:00", "R_6", "ANA@example.com", "5", "1", "5", "1"),  # ana again, later
    ]
    rows = [ids, words, imports]
    for status, at, rid, email, *answers in body:
        rows.append([at, at, status, "100", "1", at, rid, email, *answers, "1", "Orders"])
    summary = org.survey_import(write_csv(org.folder / "qualtrics.csv", rows))
    assert "qualtrics, devex 2026-Q3: 4 respondents (4 new)" in summary
    got = org.scores()
    # Respondents: ana (the later row R_6), ben, R_3, R_4.
    # tools 5, 2, 3, 4 → 3.5 → 62.5; burnout reversed 1→5, 4→2, 3→3, 5→1 → 2.75 → 43.75; score 53.125.
    # Favourable: tools 5, 4; burnout 5 → 3 of 8.
    sat = got[("orders", Q3, "satisfaction")]
    assert (sat["score"], sat["favourable"], sat["respondents"]) == (approx(53.125), approx(3 / 8), 4)
    assert sat["response_rate"] == approx(4 / 8)
    # Interruptions (reverse): 1→5, 3→3, 5→1 → 3 → 50; favourable 1/3; R_4 left it blank.
    eff = got[("orders", Q3, "efficiency")]
    assert (eff["score"], eff["favourable"], eff["respondents"]) == (approx(50.0), approx(1 / 3), 3)
    # Help: 5, 2, 3 → 10/3 → 175/3; favourable 1/3.
    com = got[("orders", Q3, "communication")]
    assert (com["score"], com["favourable"], com["respondents"]) == (approx(175 / 3), approx(1 / 3), 3)
    assert math.isclose(got[("*", Q3, "communication")]["score"], 175 / 3)


# ================================================================================================== 12
# A semicolon-separated export (docs/surveys.md: "comma, semicolon or tab separated") + a multi-line
# question title holding commas in its first line (a Typeform export re-saved by a European Excel)
# ==================================================================================================


def test_semicolon_export_whose_multi_line_title_holds_commas(make_org: Callable[..., Org]) -> None:
    org = make_org([("orders", 4, [])], minimum=3)
    remark = "In a few words, and only if you like, what should we change?\n(optional, anonymous)"
    rows = typeform(
        [
            (f"t{n}", "Orders", only_tools(answer), "completed")
            for n, answer in enumerate(["Agree", "Agree", "Disagree"])
        ]
    )
    rows[0].insert(1, remark)
    for row in rows[1:]:
        row.insert(1, "")
    export = org.folder / "typeform-excel.csv"
    export.write_bytes(codecs.BOM_UTF8 + csv_text(rows, delimiter=";").encode("utf-8"))
    # The file is a well-formed semicolon CSV: every record has the header's 16 fields.
    assert "typeform" in org.survey_import(export)
    row = org.scores()[("orders", Q3, "satisfaction")]
    # tools 4, 4, 2 → 10/3 → (7/3)/4 × 100 = 175/3; favourable 2/3; 3 of 4.
    assert (row["score"], row["favourable"], row["respondents"]) == (approx(175 / 3), approx(2 / 3), 3)
    assert row["response_rate"] == approx(3 / 4)
