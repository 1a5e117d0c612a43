"""The HTML reports (SPEC §8.3): files, escaping, self-containment, privacy, "what stands out" and the
change against the previous window, over snapshots whose every number is known."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import plotly.graph_objects as go  # type: ignore[import-untyped]
import plotly.offline  # type: ignore[import-untyped]
import pytest

from analytics.benchmarks import bands
from analytics.dora import TeamWindowMetrics
from analytics.metrics import compute_metrics
from analytics.ownership import PagerDutyScope, RepoScope
from analytics.snapshot import FailedDeployment, Snapshot, WeeklyPoint
from analytics.windows import WindowSpec
from dashboards import reports
from tests.analytics.facts import AS_OF, PRODUCTION, REPO, SOURCE, Facts, Review, add_incident, at

NOW = datetime(2026, 6, 30, tzinfo=UTC)
EVIL_TEAM = "<script>alert(1)</script>"
QUOTED_REPO = """acme/"quoted" 'repo'"""
TEAM = "order-team"
WINDOWS = (("7d", 7), ("30d", 30), ("90d", 90))


def metrics_row(team: str, window: str, days: int, **values: object) -> TeamWindowMetrics:
    """A row with the given values; bands computed as the analytics would, from these same values."""
    defaults: dict[str, object] = {
        "deployments": 45,
        "lead_time_hours_p50": 20.0,
        "lead_time_hours_p90": 70.0,
        "lead_time_breakdown_hours_p50": {"coding": 5.0, "pickup": 2.0, "review": 30.0, "deploy": 1.5},
        "change_failure_rate": 0.2,
        "failed_deployment_recovery_hours_p50": 3.0,
        "time_to_restore_hours_p50": 1.5,
        "time_to_restore_hours_p90": 6.0,
        "incidents": 4,
        "rework_rate": 0.1,
    }
    merged = {**defaults, **values}
    deployments = int(merged["deployments"])  # type: ignore[call-overload]
    row = TeamWindowMetrics(
        team=team,
        window=window,
        window_days=days,
        as_of=NOW,
        deployment_frequency_per_day=deployments / days,
        **merged,  # type: ignore[arg-type]
    )
    recovery = reports.recovery_hours(row)
    return dataclasses.replace(
        row,
        bands=dict(
            bands(
                "dora-2023",
                deployment_frequency_per_day=row.deployment_frequency_per_day,
                lead_time_hours_p50=row.lead_time_hours_p50,
                change_failure_rate=row.change_failure_rate,
                recovery_hours_p50=recovery,
            )
        ),
    )


def team_rows(team: str, **values: object) -> list[TeamWindowMetrics]:
    """One row per window; bands from the 90-day row on every row, as SPEC §6.3 says."""
    rows = [metrics_row(team, label, days, **values) for label, days in WINDOWS]
    return [dataclasses.replace(row, bands=dict(rows[-1].bands)) for row in rows]


def weekly(team: str, weeks: int = 13) -> list[WeeklyPoint]:
    monday = date(2026, 6, 29)
    return [
        WeeklyPoint(
            team=team,
            week_start=monday - timedelta(weeks=weeks - week),
            deployments=3 + week % 4,
            lead_time_hours_p50=10.0 + week,
            lead_time_hours_p90=40.0 + 3 * week,
            change_failure_rate=None if week == 5 else 0.1 * (week % 3),
            failed_deployment_recovery_hours_p50=None if week % 3 == 0 else 2.0 + week,
        )
        for week in range(weeks)
    ]


def sample_snapshot() -> Snapshot:
    """The organisation, ``order-team`` and a team whose name is an HTML injection attempt."""
    teams = ("*", EVIL_TEAM, TEAM)
    rows = [
        *team_rows("*", deployments=120),
        *team_rows(EVIL_TEAM, deployments=3, change_failure_rate=None, lead_time_hours_p50=None),
        *team_rows(TEAM),
    ]
    failed = (
        FailedDeployment(
            team=TEAM,
            repo=QUOTED_REPO,
            deployment_id=1002,
            deployed_at=NOW - timedelta(days=3),
            rules=("explicit", "window"),
            incident_ids=("PD<1>",),
            recovered_at=None,
        ),
        FailedDeployment(
            team=TEAM,
            repo="acme/orders",
            deployment_id=1001,
            deployed_at=NOW - timedelta(days=10),
            rules=("rollback",),
            incident_ids=(),
            recovered_at=NOW - timedelta(days=10) + timedelta(hours=2),
        ),
        FailedDeployment(  # before the 90-day window: not listed
            team=TEAM,
            repo="acme/orders",
            deployment_id=900,
            deployed_at=NOW - timedelta(days=120),
            rules=("revert",),
            incident_ids=(),
            recovered_at=None,
        ),
    )
    return Snapshot(
        created_at=NOW + timedelta(minutes=3),
        as_of=NOW,
        benchmarks="dora-2023",
        teams=teams,
        metrics=tuple(rows),
        weekly=tuple(point for team in teams for point in weekly(team)),
        failed_deployments=failed,
    )


def previous_snapshot() -> Snapshot:
    """The 90 days before: order-team deployed far less often and failed less."""
    rows = [*team_rows("*", deployments=100), *team_rows(TEAM, deployments=10, change_failure_rate=0.08)]
    return Snapshot(
        created_at=NOW,
        as_of=NOW - timedelta(days=90),
        benchmarks="dora-2023",
        teams=("*", TEAM),
        metrics=tuple(row for row in rows),
    )


def pages_of(out_dir: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(out_dir.glob("*.html"))}


class Links(HTMLParser):
    """Every ``src``/``href`` and every ``<script>`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.references: list[str] = []
        self.scripts: list[tuple[str | None, str]] = []  # (src, inline text)
        self._in_script: str | None = None
        self._script_text: list[str] = []
        self._inside_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.references += [value for name, value in attrs if name in ("src", "href") and value is not None]
        if tag == "script":
            self._inside_script, self._in_script, self._script_text = True, found.get("src"), []

    def handle_data(self, data: str) -> None:
        if self._inside_script:
            self._script_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.scripts.append((self._in_script, "".join(self._script_text)))
            self._inside_script = False


def parsed(page: str) -> Links:
    links = Links()
    links.feed(page)
    links.close()
    return links


@pytest.fixture
def written(tmp_path: Path) -> tuple[Path, list[Path]]:
    out_dir = tmp_path / "reports"
    return out_dir, reports.write_reports(sample_snapshot(), out_dir, previous=previous_snapshot())


# -- files -----------------------------------------------------------------------------------------


def test_writes_the_index_a_page_per_team_and_plotly_once(written: tuple[Path, list[Path]]) -> None:
    out_dir, paths = written
    names = reports.team_page_names(sample_snapshot().teams)
    assert [p.name for p in paths] == ["index.html", *names.values(), "plotly.min.js"]
    assert names["*"] == "team-organisation.html"
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(p.name for p in paths)  # nothing partial
    assert [p.name for p in out_dir.rglob("*.js")] == ["plotly.min.js"]
    assert (out_dir / "plotly.min.js").read_text(encoding="utf-8") == plotly.offline.get_plotlyjs()
    for name, page in pages_of(out_dir).items():
        sources = [src for src, _ in parsed(page).scripts if src is not None]
        assert sources == ([] if name == "index.html" else ["plotly.min.js"]), name
        # plotly.js is loaded, never inlined: a page stays small.
        assert len(page) < 200_000, name


def test_the_index_lists_every_team_with_its_four_bands(written: tuple[Path, list[Path]]) -> None:
    out_dir, _ = written
    index = (out_dir / "index.html").read_text(encoding="utf-8")
    assert "Organisation" in index
    names = reports.team_page_names(sample_snapshot().teams)
    for team in sample_snapshot().teams:
        assert f'href="{names[team]}"' in index
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", index)
    assert len(rows) == 3
    for row in rows:
        # Four keys, each with a band in words (or "no band"), never colour alone.
        assert len(re.findall(r'class="band band-[a-z]+"', row)) == 4
    order_team = next(row for row in rows if TEAM in row)
    # 45 deployments in 90 days, 20 h, 20 %, 3 h → high, elite, low, high under dora-2023.
    labels = re.findall(r'class="band band-[a-z]+"[^>]*>([A-Za-z ]+)<', order_team)
    assert labels == ["High", "Elite", "Low", "High"]
    assert "3.5 / week" in order_team and "20.0 h" in order_team and "20.0 %" in order_team


def test_a_subset_of_teams_writes_only_their_pages_and_the_index_links_only_those(tmp_path: Path) -> None:
    paths = reports.write_reports(sample_snapshot(), tmp_path, teams=[TEAM])
    assert [p.name for p in paths] == ["index.html", "team-order-team.html", "plotly.min.js"]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert parsed(index).references == ["team-order-team.html"]
    assert "Organisation" in index  # still listed, with its bands


def test_writing_every_page_removes_the_pages_of_teams_gone_and_nothing_else(tmp_path: Path) -> None:
    """A team removed or renamed in the config leaves no page with old numbers behind (the daemon serves
    this folder at /reports/); a subset written with --team removes nothing, and no other file goes."""
    (tmp_path / "team-gone-team.html").write_text("old numbers", encoding="utf-8")
    (tmp_path / "notes.html").write_text("the operator's", encoding="utf-8")
    reports.write_reports(sample_snapshot(), tmp_path, teams=[TEAM])
    assert (tmp_path / "team-gone-team.html").exists()
    written = reports.write_reports(sample_snapshot(), tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [*(path.name for path in written), "notes.html"]
    )
    assert not (tmp_path / "team-gone-team.html").exists()


def test_an_unknown_team_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no-such-team"):
        reports.write_reports(sample_snapshot(), tmp_path, teams=["no-such-team"])
    assert list(tmp_path.iterdir()) == []


def test_page_names_are_safe_and_unique() -> None:
    teams = ["*", "organisation", "Order Team", "order-team", "order team", "", "../../etc/passwd", "Ünïcode"]
    teams += ["点心", "x" * 300, EVIL_TEAM]
    names = reports.team_page_names(teams)
    assert len(set(names.values())) == len(teams)
    assert all(re.fullmatch(r"team-[a-z0-9][a-z0-9-]{0,70}\.html", name) for name in names.values())
    assert names["*"] == "team-organisation.html"
    assert names["organisation"] == "team-organisation-2.html"
    assert names["Ünïcode"] == "team-unicode.html"
    assert names == reports.team_page_names(teams)  # stable


def test_the_same_snapshot_writes_the_same_bytes(tmp_path: Path) -> None:
    first = reports.write_reports(sample_snapshot(), tmp_path / "a", previous=previous_snapshot())
    second = reports.write_reports(sample_snapshot(), tmp_path / "b", previous=previous_snapshot())
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


# -- escaping and self-containment -----------------------------------------------------------------


def test_names_are_escaped_everywhere(written: tuple[Path, list[Path]]) -> None:
    out_dir, _ = written
    pages = pages_of(out_dir)
    evil_page = pages[reports.team_page_names(sample_snapshot().teams)[EVIL_TEAM]]
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in evil_page
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; — doraspace" in evil_page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["index.html"]
    order_page = pages["team-order-team.html"]
    assert "acme/&quot;quoted&quot; &#x27;repo&#x27;" in order_page
    assert "PD&lt;1&gt;" in order_page
    for name, page in pages.items():
        assert "alert(1)</script>" not in page, name
        assert QUOTED_REPO not in page and "PD<1>" not in page, name
        # Every script is plotly.js or a plotly chart; no name ever reaches a script.
        for src, text in parsed(page).scripts:
            assert src == "plotly.min.js" or text.strip().startswith("window.PLOTLYENV"), name
            assert "alert" not in text and "quoted" not in text and "order-team" not in text, name


def test_pages_reference_only_files_inside_the_folder(written: tuple[Path, list[Path]]) -> None:
    out_dir, _ = written
    for name, page in pages_of(out_dir).items():
        references = parsed(page).references
        assert references, name
        for reference in references:
            parts = urlsplit(reference)
            assert not parts.scheme and not parts.netloc and not reference.startswith("/"), reference
            assert (out_dir / parts.path).is_file(), reference
        # Nothing else points outside either: no absolute URL, no CSS import, no protocol-relative link.
        assert not re.search(r"https?:|//[a-z]|@import|url\(", page), name


# -- privacy ---------------------------------------------------------------------------------------


def test_no_page_holds_a_per_person_string(written: tuple[Path, list[Path]]) -> None:
    out_dir, _ = written
    for name, page in pages_of(out_dir).items():
        for forbidden in ("alice", "@", "noreply", "author", "reviewer", "login", "e-mail"):
            assert forbidden not in page.lower(), (name, forbidden)


def test_reports_from_stored_facts_name_nobody(tmp_path: Path) -> None:
    """Raw facts full of logins and addresses; the reports built from them show none of them."""
    facts = Facts.in_memory()
    people = ["alice-login", "bob-reviewer", "carol@example.com", "12345+dave@users.noreply.github.com"]

    def sha(name: str) -> str:
        return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()

    facts.deployment(at(1), compare="first", sha=sha("d1"))
    for day in range(5, 25, 4):
        commit = facts.commit(
            sha(f"c{day}"), at(day - 2), message=f"Fix cart\n\nCo-authored-by: Carol <{people[2]}>"
        )
        facts.pull_request(
            day,
            created_at=at(day - 1),
            merged_at=at(day, -2),
            merge_commit_sha=commit,
            commit_dates=[at(day - 2)],
            reviews=[Review(people[1], at(day - 1, 3))],
            author=people[0],
        )
        facts.deployment(at(day), ships=[commit])
    add_incident(
        facts,
        "INC-7",
        at(13, 2),
        resolved_at=at(13, 5),
        service="P1",
        title=f"Checkout down, paged {people[3]}, root cause {sha('c13')[:8]}",
    )
    scope = RepoScope(repo=REPO, team=TEAM, source=SOURCE, environment=PRODUCTION, service="orders")
    result = compute_metrics(
        facts.engine,
        [scope],
        [WindowSpec("30d", 30), WindowSpec("90d", 90)],
        AS_OF,
        pagerduty_scopes=[PagerDutyScope("P1", TEAM, ("orders",))],
    )
    snapshot = Snapshot(
        created_at=AS_OF,
        as_of=AS_OF,
        benchmarks="dora-2023",
        teams=tuple(dict.fromkeys(row.team for row in result.rows)),
        metrics=tuple(result.rows),
        failed_deployments=tuple(result.failed_deployments()),
    )
    assert snapshot.failed_deployments  # the incident's sha did make it a failed deployment
    reports.write_reports(snapshot, tmp_path)
    pages = pages_of(tmp_path)
    assert "INC-7" in pages["team-order-team.html"]  # incident ids are fine
    for name, page in pages.items():
        for forbidden in [*people, "alice", "bob", "carol", "dave", "@", "noreply", "co-authored"]:
            assert forbidden not in page.lower(), (name, forbidden)


# -- what stands out and the previous window -------------------------------------------------------


def test_what_stands_out_for_a_crafted_team() -> None:
    sentences = reports.what_stands_out(sample_snapshot(), TEAM, previous=previous_snapshot())
    assert sentences == [
        "The weakest key is change failure rate (20.0 %): low.",
        "Bands moved against the previous 90 days: deployment frequency from medium to high "
        "and change failure rate from high to low.",
        "Biggest change against the previous 90 days: deployment frequency went from 3.3 / month "
        "to 3.5 / week (better).",
        "Review is the longest lead-time stage (median 30.0 h).",
        "1 failed deployment has not recovered yet.",
    ]


def test_what_stands_out_without_a_previous_window_or_deployments() -> None:
    snapshot = sample_snapshot()
    quiet = [
        metrics_row(
            "quiet",
            label,
            days,
            deployments=0,
            change_failure_rate=None,
            lead_time_hours_p50=None,
            failed_deployment_recovery_hours_p50=None,
            time_to_restore_hours_p50=None,
            lead_time_breakdown_hours_p50={"coding": None, "pickup": None, "review": None, "deploy": None},
        )
        for label, days in WINDOWS
    ]
    snapshot = dataclasses.replace(
        snapshot, teams=(*snapshot.teams, "quiet"), metrics=(*snapshot.metrics, *quiet)
    )
    assert reports.what_stands_out(snapshot, "quiet") == [
        "No deployments in the last 90 days.",
        "The weakest key is deployment frequency (none): low.",
    ]
    assert (
        reports.what_stands_out(snapshot, "*")[0] == "The weakest key is change failure rate (20.0 %): low."
    )


def test_all_elite_and_small_changes_are_said_plainly() -> None:
    elite = team_rows(
        TEAM,
        deployments=200,
        lead_time_hours_p50=5.0,
        change_failure_rate=0.04,
        failed_deployment_recovery_hours_p50=0.5,
    )
    before = team_rows(
        TEAM,
        deployments=190,
        lead_time_hours_p50=5.2,
        change_failure_rate=0.04,
        failed_deployment_recovery_hours_p50=0.5,
    )
    snapshot = dataclasses.replace(
        sample_snapshot(), teams=("*", TEAM), metrics=tuple(elite), failed_deployments=()
    )
    previous = dataclasses.replace(previous_snapshot(), metrics=tuple(before))
    assert reports.what_stands_out(snapshot, TEAM, previous=previous) == [
        "All 4 banded keys are elite.",
        "No key changed by 10% or more against the previous 90 days.",
        "Review is the longest lead-time stage (median 30.0 h).",
    ]


def test_the_team_page_shows_the_change_against_the_previous_window(written: tuple[Path, list[Path]]) -> None:
    out_dir, _ = written
    page = (out_dir / "team-order-team.html").read_text(encoding="utf-8")
    assert "Previous 90d" in page
    assert "compared with 2026-04-01 00:00 UTC" in page
    frequency = re.search(r"<tr><th scope=\"row\">Deployment frequency</th>.*?</tr>", page)
    assert frequency is not None
    # 10 → 45 deployments in 90 days: 3.3 a month → 3.5 a week.
    assert '<td class="num">3.3 / month</td><td class="num better">+2.7 / week (better)</td>' in frequency[0]
    failure = re.search(r"<tr><th scope=\"row\">Change failure rate</th>.*?</tr>", page)
    assert failure is not None and "+12.0 pp (worse)" in failure[0]
    lead = re.search(r"<tr><th scope=\"row\">Lead time for changes \(p50\)</th>.*?</tr>", page)
    assert lead is not None and '<td class="num">20.0 h</td><td class="num">no change</td>' in lead[0]
    # The evil team had no previous row: its page has no change column rather than a made-up one.
    evil = (out_dir / reports.team_page_names(sample_snapshot().teams)[EVIL_TEAM]).read_text(encoding="utf-8")
    assert "Previous 90d" not in evil and "compared with" not in evil and "Change compares" not in evil
    assert "no previous window to compare with" in evil


def test_without_a_previous_snapshot_there_is_no_change_column(tmp_path: Path) -> None:
    reports.write_reports(sample_snapshot(), tmp_path)
    page = (tmp_path / "team-order-team.html").read_text(encoding="utf-8")
    assert "Previous" not in page and "(worse)" not in page


def test_the_team_page_has_every_section(written: tuple[Path, list[Path]]) -> None:
    out_dir, _ = written
    page = (out_dir / "team-order-team.html").read_text(encoding="utf-8")
    for anchor in ("standout", "metrics", "trends", "breakdown", "failed", "incidents", "space"):
        assert f'<section id="{anchor}"' in page
    for chart in ("chart-deployments", "chart-lead-time", "chart-cfr", "chart-recovery", "chart-breakdown"):
        assert f'id="{chart}"' in page
    assert page.count("<figcaption>") == 5
    # The five metrics with bands in words; rework has none published.
    for title in reports.KEY_TITLES.values():
        assert f'<th scope="row">{title}' in page
    assert "no published bands" in page
    # DORA 2024's change failure rates, as reference only.
    assert "elite 5.0 %, high 20.0 %, medium 10.0 %, low 40.0 %" in page
    # Failed deployments of the 90-day window only, newest first, with how each was found.
    assert page.count("<code>") == 2 and "1002" in page and "1001" in page and ">900<" not in page
    assert page.index("1002") < page.index("1001")
    assert "explicit, window" in page and "rollback" in page and "2.0 h" in page and "not yet" in page
    # SPACE: a place, no numbers.
    space = page[page.index('<section id="space"') :]
    space = space[: space.index("</section>")]
    assert not re.search(r"[0-9]", re.sub(r"<[^>]*>", "", space))


def test_every_figure_is_valid_plotly() -> None:
    """Pages render figures unvalidated, for speed; plotly's own validation runs here instead."""
    points = weekly(TEAM)
    figures = [figure for _, _, figure in reports.weekly_figures(points)]
    figures.append(reports.breakdown_figure(team_rows(TEAM)[-1]))
    figures.append(reports.breakdown_figure(metrics_row(TEAM, "90d", 90, lead_time_breakdown_hours_p50={})))
    for figure in figures:
        go.Figure(figure)  # raises ValueError on any property plotly does not know
    lead_time = figures[1]
    assert lead_time["layout"]["yaxis"]["title"]["text"] == "days"  # p90 up to 76 h: shown in days
    assert lead_time["data"][1]["customdata"][0] == "40.0 h"  # hover in human units


def test_an_empty_snapshot_writes_an_index_only(tmp_path: Path) -> None:
    empty = Snapshot(created_at=NOW, as_of=NOW, benchmarks="dora-2023", teams=(), metrics=())
    paths = reports.write_reports(empty, tmp_path)
    assert [p.name for p in paths] == ["index.html", "plotly.min.js"]
    assert "<tbody></tbody>" in (tmp_path / "index.html").read_text(encoding="utf-8")


# -- numbers for humans ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (None, "n/a"),
        (0.25, "15 min"),
        (3.2, "3.2 h"),
        (47.9, "47.9 h"),
        (50.4, "2.1 d"),
        (240.0, "10.0 d"),
        # A time to restore below 0 (an incident resolved before it started, docs/metrics.md) takes
        # the unit of its size: -6 h read "-360 min" before.
        (-6.0, "−6.0 h"),
        (-0.25, "−15 min"),
        (-50.4, "−2.1 d"),
    ],
)
def test_hours_read_as_minutes_hours_or_days(hours: float | None, text: str) -> None:
    assert reports.format_hours(hours) == text


@pytest.mark.parametrize(
    ("per_day", "text"),
    [(None, "n/a"), (0.0, "none"), (1.4, "1.4 / day"), (0.5, "3.5 / week"), (0.1, "3.0 / month")],
)
def test_frequencies_read_per_day_week_or_month(per_day: float | None, text: str) -> None:
    assert reports.format_frequency(per_day) == text


def test_ratios_and_deltas() -> None:
    assert reports.format_ratio(0.0714) == "7.1 %"
    assert reports.format_ratio(None) == "n/a"
    assert reports.format_delta("ratio", -0.015) == "−1.5 pp"
    assert reports.format_delta("hours", 26.0) == "+26.0 h"


def test_every_band_badge_says_its_band_in_words() -> None:
    for band in ("elite", "high", "medium", "low"):
        assert f">{band.capitalize()}</span>" in reports.band_badge(band)
    assert ">no band</span>" in reports.band_badge(None)


@pytest.mark.parametrize(
    ("windows", "named"), [((("7d", 7), ("30d", 30), ("90d", 90)), "90d"), ((("7d", 7), ("2w", 14)), "2w")]
)
def test_the_band_note_names_the_window_the_bands_come_from(
    windows: tuple[tuple[str, int], ...], named: str
) -> None:
    """SPEC §6.3: bands come from the 90-day window, else the longest configured; the page names the one
    they came from, not always "90-day"."""
    rows = [metrics_row(TEAM, label, days) for label, days in windows]
    snapshot = Snapshot(
        created_at=NOW, as_of=NOW, benchmarks="dora-2023", teams=("*", TEAM), metrics=tuple(rows)
    )
    page = reports.team_page(snapshot, TEAM)
    assert f"Bands follow the dora-2023 benchmarks, from the {named} window (the 90-day window" in page
