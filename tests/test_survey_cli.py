"""`doraspace survey scores` and the SPACE part of the snapshot: teams of 4, 6 and 30 with the
organisation row shown → the team of 4 and, by the differencing rule, the team of 6 are hidden in the
CLI, in /metrics and in the reports (SPEC §7.4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collector.models import RepositoryFact
from collector.writer import write_repositories
from dashboards.exporter import Exposition
from dashboards.reports import write_reports
from doraspace.cli import main
from doraspace.config import load_config
from doraspace.pipeline import build_snapshot
from store.engine import open_store
from tests.analytics.test_space import Q, Survey, three_teams


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "doraspace.yaml"
    path.write_text(f"""
database:
  url: duckdb:///{tmp_path}/store.duckdb
teams:
  - {{name: small, headcount: 5, repositories: [acme/small]}}
  - {{name: medium, headcount: 8, repositories: [acme/medium]}}
  - {{name: large, headcount: 40, repositories: [acme/large]}}
surveys:
  min_group_size: 5
""")
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    try:
        three_teams(Survey(engine), {"small": 4, "medium": 6, "large": 30})
        with engine.begin() as conn:  # collected repositories, so every team has a report page
            write_repositories(
                conn,
                [RepositoryFact(f"acme/{name}", "main") for name in ("small", "medium", "large")],
                {},
                datetime(2026, 9, 1, tzinfo=UTC),
            )
    finally:
        engine.dispose()
    return path


def test_cli_shows_only_the_organisation_and_the_large_team(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["survey", "scores", "--config", str(config_path), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["team"], r["quarter"], r["dimension"]) for r in rows] == [
        ("*", Q, "performance"),
        ("*", Q, "satisfaction"),
        ("large", Q, "performance"),
        ("large", Q, "satisfaction"),
    ]
    large = rows[3]
    assert list(large) == [
        "team",
        "quarter",
        "dimension",
        "score",
        "favourable",
        "respondents",
        "response_rate",
        "change",
    ]
    assert (large["respondents"], large["response_rate"], large["change"]) == (30, 30 / 40, None)
    assert rows[0]["response_rate"] == pytest.approx(40 / 53)  # every respondent ÷ every headcount
    assert main(["survey", "scores", "--config", str(config_path), "--team", "small"]) == 0
    assert "no SPACE scores to show" in capsys.readouterr().out
    # As CSV: the header alone, so that a spreadsheet or script reading it still finds its columns.
    assert main(["survey", "scores", "--config", str(config_path), "--team", "small", "--format", "csv"]) == 0
    assert capsys.readouterr().out == ",".join(large) + "\r\n"


def test_scores_of_an_unknown_team_are_refused_in_one_line(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A known team whose groups are all hidden shows nothing (exit 0, above); a team nobody configured
    or owns is bad input: exit 2, one line naming it and the known teams, as ``metrics --team`` says."""
    assert main(["survey", "scores", "--config", str(config_path), "--team", "nobody"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "doraspace: error: --team: unknown team 'nobody' (known: *, large, medium, small)\n"
    ), captured.err


def test_scores_without_a_store_show_nothing_and_create_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reading scores before any import: nothing to show, and no store file is made."""
    path = tmp_path / "doraspace.yaml"
    path.write_text(f"database:\n  url: duckdb:///{tmp_path}/store.duckdb\nteams:\n  - {{name: solo}}\n")
    assert main(["survey", "scores", "--config", str(path)]) == 0
    assert "no SPACE scores to show" in capsys.readouterr().out
    assert main(["survey", "scores", "--config", str(path), "--team", "nobody"]) == 2
    assert "unknown team 'nobody'" in capsys.readouterr().err
    assert not (tmp_path / "store.duckdb").exists()


def test_metrics_and_reports_hide_the_same_teams(config_path: Path, tmp_path: Path) -> None:
    config = load_config(config_path, environ={})
    engine = open_store(config.database_url)
    try:
        snapshot = build_snapshot(config, engine, now=datetime(2026, 9, 30, tzinfo=UTC), weeks=1)
    finally:
        engine.dispose()
    exposition = Exposition()
    exposition.update(snapshot)
    body = exposition.render().decode()
    assert 'space_score{dimension="satisfaction",quarter="2026-Q3",team="large"}' in body
    space_lines = [line for line in body.splitlines() if line.startswith("space_")]
    assert space_lines and not [
        line for line in space_lines if 'team="small"' in line or 'team="medium"' in line
    ]
    write_reports(snapshot, tmp_path / "reports")
    pages = {page.name: page.read_text() for page in (tmp_path / "reports").glob("team-*.html")}
    assert set(pages) == {"team-organisation.html", "team-small.html", "team-medium.html", "team-large.html"}
    large_scores = [s for s in snapshot.space if s.team == "large"]
    assert {s.team for s in snapshot.space} == {"*", "large"} and large_scores
    for hidden in ("team-small.html", "team-medium.html"):
        assert "not enough responses" in pages[hidden].lower()
        assert f"{large_scores[0].score:.1f}" not in pages[hidden]


def test_a_bad_quarter_is_a_usage_error(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["survey", "scores", "--config", str(config_path), "--quarter", "Q3-2026"]) == 2
    assert "--quarter: expected a quarter like 2026-Q3" in capsys.readouterr().err


SURVEYS = Path(__file__).resolve().parent / "fixtures" / "surveys"
DEFINITION = Path(__file__).resolve().parent.parent / "surveys" / "definitions" / "space-default.yaml"


@pytest.fixture
def import_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEST_SURVEY_SECRET", "k")
    path = tmp_path / "import.yaml"
    path.write_text(f"""
database:
  url: duckdb:///{tmp_path}/import.duckdb
teams:
  - {{name: orders, survey_names: [Orders, Order team]}}
  - {{name: payments, survey_names: [Payments]}}
  - {{name: platform}}
surveys:
  respondent_secret: ${{TEST_SURVEY_SECRET}}
""")
    return path


def stored_answers(config_path: Path) -> int:
    from sqlalchemy import func, select

    from store import schema

    config = load_config(config_path, environ={"TEST_SURVEY_SECRET": "k"})
    engine = open_store(config.database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.survey_answers)).scalar_one())
    finally:
        engine.dispose()


def test_survey_import_command_is_idempotent_and_prints_no_identity(
    import_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "survey",
        "import",
        str(SURVEYS / "typeform.csv"),
        "--config",
        str(import_config),
        "--definition",
        str(DEFINITION),
        "--quarter",
        "2026-Q3",
    ]
    assert main(args) == 0
    first = stored_answers(import_config)
    err = capsys.readouterr().err
    assert "typeform" in err and first > 0
    assert "f3k9a1b2c3d4e5f6g7h8" not in err  # the response id is an identity: never printed
    assert main(args) == 0
    assert stored_answers(import_config) == first
    assert "(0 new)" in capsys.readouterr().err


def test_survey_import_of_a_bad_file_exits_2_and_stores_nothing(
    import_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    lines = (SURVEYS / "typeform.long.csv").read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",Mostly agree"  # an answer no scale knows
    bad.write_text("\n".join(lines) + "\n")
    args = [
        "survey",
        "import",
        str(bad),
        "--config",
        str(import_config),
        "--definition",
        str(DEFINITION),
        "--quarter",
        "2026-Q3",
        "--format",
        "long",
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "row 4" in err and "column 'answer'" in err and "Mostly agree" in err and err.count("\n") == 1
    assert stored_answers(import_config) == 0


def test_survey_import_without_a_secret_is_a_config_error(
    import_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TEST_SURVEY_SECRET")
    args = [
        "survey",
        "import",
        str(SURVEYS / "typeform.csv"),
        "--config",
        str(import_config),
        "--definition",
        str(DEFINITION),
        "--quarter",
        "2026-Q3",
    ]
    assert main(args) == 2
    assert "TEST_SURVEY_SECRET" in capsys.readouterr().err
