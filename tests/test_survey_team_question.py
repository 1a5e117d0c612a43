"""`doraspace survey import`: the team question found by its wording whatever kind of question asked it.

A Qualtrics "Text Entry" question has column id ``Q1`` and import id ``{"ImportId":"QID1_TEXT"}``. The
text-entry exclusion keeps free text out of the store, but the team question is named by the definition
(SPEC §7.1, §7.2). The samples here are the Qualtrics samples of tests/fixtures/surveys/ with their team
question asked as a text entry instead of a choice: they must store exactly what their long twins store,
in the label export and in the numeric-code export, and the free-text ``Q9_TEXT`` stays unread.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from doraspace.cli import main
from store.engine import open_store
from surveys.definition import DEFAULT_DEFINITION
from tests.surveys.test_import import PERSONAL, SAMPLES, read_csv, stored, write_csv

TEXT_ENTRY = ("Q1", "Which team are you on?", '{"ImportId":"QID1_TEXT"}')


def as_text_entry(sample: str, team_column: str, folder: Path) -> Path:
    """``sample`` with ``team_column`` asked as a text entry (Q1, QID1_TEXT) and the choice question
    Which team are you on? (Q10, with its "Other - Text" box Q10_5_TEXT) removed."""
    rows = read_csv(SAMPLES / f"{sample}.csv")
    header = rows[0]
    team = header.index(team_column)
    dropped = {header.index("Q10"), header.index("Q10_5_TEXT")} - {team}
    for row_number, row in enumerate(rows):
        if row_number < len(TEXT_ENTRY):
            row[team] = TEXT_ENTRY[row_number]
    kept = [[cell for position, cell in enumerate(row) if position not in dropped] for row in rows]
    return write_csv(folder / f"{sample}-text-team.csv", kept)


def config(folder: Path, name: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"""
database:
  url: duckdb:///{folder}/{name}.duckdb
teams:
  - {{name: order-team, survey_names: [Orders, Order team]}}
  - {{name: payments-team, survey_names: [Payments]}}
  - {{name: platform, survey_names: [Platform team]}}
surveys:
  respondent_secret: ${{TEAM_QUESTION_SECRET}}
""")
    return path


def survey_import(config_path: Path, file: Path) -> int:
    return main(
        [
            "survey",
            "import",
            "--config",
            str(config_path),
            str(file),
            "--definition",
            str(DEFAULT_DEFINITION),
            "--quarter",
            "2026-Q3",
        ]
    )


def store_of(folder: Path, name: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = open_store(f"duckdb:///{folder}/{name}.duckdb")
    try:
        return stored(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("sample", "team_column", "respondents"),
    [("qualtrics-labels", "Q10", 4), ("qualtrics-codes", "Team", 4)],
)
def test_a_text_entry_team_question_imports_what_the_long_twin_imports(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sample: str,
    team_column: str,
    respondents: int,
) -> None:
    monkeypatch.setenv("TEAM_QUESTION_SECRET", "team-question-secret")
    export = as_text_entry(sample, team_column, tmp_path)
    assert survey_import(config(tmp_path, "native"), export) == 0
    summary = capsys.readouterr().err
    assert f"qualtrics, devex 2026-Q3: {respondents} respondents ({respondents} new)" in summary
    assert survey_import(config(tmp_path, "twin"), SAMPLES / f"{sample}.long.csv") == 0
    native = store_of(tmp_path, "native")
    assert native == store_of(tmp_path, "twin")
    assert len(native["survey_responses"]) == respondents
    text = json.dumps(native, default=str)
    assert not [word for word in PERSONAL if word in text]  # Q9_TEXT and names stay out


def test_the_choice_question_wins_over_its_other_text_box(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The unchanged sample: Q10 (a choice) and Q10_5_TEXT ("Which team are you on? - Other - Text").
    monkeypatch.setenv("TEAM_QUESTION_SECRET", "team-question-secret")
    assert survey_import(config(tmp_path, "native"), SAMPLES / "qualtrics-labels.csv") == 0
    assert survey_import(config(tmp_path, "twin"), SAMPLES / "qualtrics-labels.long.csv") == 0
    assert store_of(tmp_path, "native") == store_of(tmp_path, "twin")
