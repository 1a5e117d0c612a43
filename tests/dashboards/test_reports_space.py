"""The SPACE section of the team reports (SPEC §8.3): scores, favourable share, respondents and change of
the latest quarter, earlier quarters, and "not enough responses" with no number wherever a group is
suppressed (SPEC §7.4)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from analytics.snapshot import Snapshot
from analytics.space import SpaceQuarter, SpaceScore, compute_space
from dashboards import reports
from store.engine import open_store
from tests.analytics.test_space import Survey
from tests.dashboards.space_quarters import quarters_of

NOW = datetime(2026, 9, 30, tzinfo=UTC)
Q2, Q3 = "2026-Q2", "2026-Q3"


def space_section(page: str) -> str:
    section = page[page.index('<section id="space"') :]
    return section[: section.index("</section>")]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", html))


def snapshot(teams: tuple[str, ...], *space: SpaceScore) -> Snapshot:
    return Snapshot(
        created_at=NOW,
        as_of=NOW,
        benchmarks="dora-2023",
        teams=teams,
        metrics=(),
        space=tuple(space),
        space_quarters=quarters_of(space),
    )


def score(team: str, quarter: str, dimension: str, value: float, **fields: object) -> SpaceScore:
    values: dict[str, object] = {
        "favourable": 0.5,
        "respondents": 8,
        "response_rate": 0.8,
        "change": None,
        "quarter_respondents": 9,
    }
    values.update(fields)
    return SpaceScore(team=team, quarter=quarter, dimension=dimension, score=value, **values)  # type: ignore[arg-type]


# -- from the store: the acceptance case -----------------------------------------------------------


@pytest.fixture
def engine() -> Iterator[Engine]:
    store = open_store("duckdb:///:memory:")
    yield store
    store.dispose()


TEAMS = {"small": 4, "medium": 6, "large": 30}


def test_teams_of_4_and_6_show_not_enough_responses_and_no_number(engine: Engine, tmp_path: Path) -> None:
    survey = Survey(engine)
    for quarter, answer in ((Q2, 2), (Q3, 5)):
        survey.item(quarter, "s1", "satisfaction")
        survey.item(quarter, "e1", "efficiency")
        for team, size in TEAMS.items():
            survey.team(quarter, team, [{"s1": answer, "e1": 3}] * size)
    scores = compute_space(engine, teams=TEAMS, min_group_size=5)
    teams = ("*", *TEAMS)
    reports.write_reports(snapshot(teams, *scores), tmp_path)
    names = reports.team_page_names(teams)

    for hidden in ("small", "medium"):
        section = space_section((tmp_path / names[hidden]).read_text(encoding="utf-8"))
        assert "not enough responses" in section
        # The only digits are the quarter's label and the rules' constants in the note.
        shown = text_of(section.split('<p class="note">')[0]).replace(Q3, "").replace(Q2, "")
        assert not re.search(r"[0-9]", shown), shown
        assert "<table" not in section

    large = space_section((tmp_path / names["large"]).read_text(encoding="utf-8"))
    assert "2026-Q3: 30 respondents, a response rate of 100.0 %." in text_of(large)
    # Satisfaction went from 25 (all 2s) to 100 (all 5s), unanimous both times: rising.
    assert re.search(
        r"Satisfaction and well-being</th>\s*<td class=\"num\">100\.0</td>\s*<td class=\"num\">100\.0 %</td>"
        r"\s*<td class=\"num\">30</td>\s*<td class=\"better\">rising \(from 25\.0\)</td>",
        large,
    )
    assert re.search(
        r"Efficiency and flow</th>\s*<td class=\"num\">50\.0</td>.*?<td>stable \(from 50\.0\)</td>", large
    )
    organisation = space_section((tmp_path / names["*"]).read_text(encoding="utf-8"))
    assert "2026-Q3: 40 respondents, a response rate of 100.0 %." in text_of(organisation)


# -- the section from known scores -----------------------------------------------------------------


def test_latest_quarter_table_with_change_and_a_suppressed_dimension() -> None:
    rows = (
        score("t", Q2, "satisfaction", 55.0),
        score("t", Q2, "efficiency", 70.0),
        score("t", Q3, "satisfaction", 62.5, favourable=0.5833333333333334, respondents=7, change="rising"),
        score("t", Q3, "efficiency", 61.0, change="falling"),
        score("t", Q3, "performance", 48.0, change=None),  # new dimension this quarter
        score("t", Q3, "activity", 40.0, change=None),
        score("t", Q2, "activity", 45.0),  # shown before, no change now: the questions changed
        score("*", Q3, "communication", 66.0),  # t's communication is suppressed
    )
    page = reports.team_page(snapshot(("*", "t"), *rows), "t")
    section = space_section(page)
    text = text_of(section)
    assert "2026-Q3: 9 respondents, a response rate of 80.0 %." in text
    assert "Change since 2026-Q2" in text
    # S, P, A, C, E order.
    order = [
        text.index(title)
        for title in ("Satisfaction", "Performance", "Activity", "Communication", "Efficiency")
    ]
    assert order == sorted(order)
    assert re.search(
        r"Satisfaction and well-being</th><td class=\"num\">62\.5</td><td class=\"num\">58\.3 %</td>"
        r"<td class=\"num\">7</td><td class=\"better\">rising \(from 55\.0\)</td>",
        section,
    )
    assert '<td class="worse">falling (from 70.0)</td>' in section
    assert "<td>no earlier quarter</td>" in section
    assert "<td>not comparable: the questions changed</td>" in section
    assert re.search(
        r"Communication and collaboration</th><td colspan=\"4\">not enough responses</td>", section
    )


def test_history_of_quarters_marks_suppressed_and_unasked_dimensions() -> None:
    rows = (
        score("t", "2026-Q1", "satisfaction", 40.0),
        score("*", "2026-Q1", "satisfaction", 41.0),
        score("*", Q2, "satisfaction", 50.0),  # t suppressed in Q2
        score("*", Q2, "efficiency", 51.0),
        score("t", Q3, "satisfaction", 60.0),
        score("t", Q3, "efficiency", 61.0),
    )
    section = space_section(reports.team_page(snapshot(("*", "t"), *rows), "t"))
    history = section[section.index("Score by quarter") :]
    heads = re.findall(r'<th scope="col" class="num">([^<]*)</th>', history)
    assert heads == ["2026-Q1", Q2, Q3]
    satisfaction = history[
        history.index("Satisfaction") : history.index("</tr>", history.index("Satisfaction"))
    ]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", satisfaction) == ["40.0", "not enough responses", "60.0"]
    efficiency = history[history.index("Efficiency") : history.index("</tr>", history.index("Efficiency"))]
    # Efficiency: not asked in Q1 (no group has it), suppressed for t in Q2, shown in Q3.
    assert re.findall(r"<td[^>]*>([^<]*)</td>", efficiency) == ["—", "not enough responses", "61.0"]


def test_a_team_without_rows_in_the_latest_quarter_gets_no_table() -> None:
    rows = (score("*", Q3, "satisfaction", 50.0), score("t", Q2, "satisfaction", 70.0))
    section = space_section(reports.team_page(snapshot(("*", "t", "u"), *rows), "u"))
    assert "2026-Q3: not enough responses." in text_of(section)
    assert "<table" not in section  # u never had a shown quarter: no history either
    # t, suppressed in Q3 but shown in Q2, keeps its history and no latest-quarter table.
    section = space_section(reports.team_page(snapshot(("*", "t", "u"), *rows), "t"))
    assert "2026-Q3: not enough responses." in text_of(section)
    assert "Change since" not in section and "Score by quarter" in section


def test_without_headcount_no_response_rate() -> None:
    section = space_section(
        reports.team_page(snapshot(("t",), score("t", Q3, "efficiency", 50.0, response_rate=None)), "t")
    )
    assert "2026-Q3: 9 respondents, no headcount configured for a response rate." in text_of(section)


def test_no_survey_scores_no_numbers() -> None:
    section = space_section(reports.team_page(snapshot(("t",)), "t"))
    assert "No survey scores in this snapshot." in section
    assert not re.search(r"[0-9]", text_of(section))


def test_dimension_names_are_escaped() -> None:
    rows = (score("t", Q3, "<img src=x onerror=alert(1)>", 50.0),)
    section = space_section(reports.team_page(snapshot(("t",), *rows), "t"))
    assert "<img" not in section and "&lt;img src=x onerror=alert(1)&gt;" in section


def test_a_shown_team_quarter_with_every_dimension_hidden_keeps_its_respondents() -> None:
    """t has 6 respondents of 8 (shown: at least the threshold), but each dimension was hidden (too few
    valid answers, then differencing): the page says 6 respondents and 75.0 %, and "not enough
    responses" on each dimension the quarter scored for someone ("*" here)."""
    rows = (score("*", Q3, "satisfaction", 45.0), score("*", Q3, "efficiency", 50.0))
    quarters = (SpaceQuarter("*", Q3, 12, 0.75), SpaceQuarter("t", Q3, 6, 0.75))
    page = reports.team_page(dataclasses.replace(snapshot(("*", "t"), *rows), space_quarters=quarters), "t")
    section = space_section(page)
    assert "2026-Q3: 6 respondents, a response rate of 75.0 %." in text_of(section)
    cells = re.findall(r'<th scope="row">([^<]*)</th><td colspan="4">([^<]*)</td>', section)
    assert [cell for _, cell in cells] == ["not enough responses"] * 2
