"""Audit, round 6: the per-team HTML reports (SPEC §8.3) where two rules meet, with §9's escaping.

One small organisation is built in process (``tests.analytics.facts``), assembled as the daemon and
``doraspace report`` do (``analytics.assembly.assemble_snapshot``) and written with
``dashboards.reports.write_reports``; pages are read with ``html.parser``. DuckDB in memory only.

as_of **2026-07-01 15:00 UTC**; windows 7d, 30d, 90d (bands from 90d, dora-2023), attribution 24 h:
7d = (06-24 15:00, 07-01 15:00], 30d = (06-01 15:00, …], 90d = (04-02 15:00, …].

Teams (``teams:``):
* ``R&D <ops>`` owns repo acme/rnd and PagerDuty service PR. Deployments: F0 06-10 00:00 (first, unknown
  changes), D2 06-20 10:00 shipping c1, the merge commit of PR 7 (commit authored 04:00, opened 05:00,
  merged 08:00, no review; title holds HTML and a ``javascript:`` URL). Incidents on PR: I1 06-20 11:00 →
  14:00 whose title names ``root cause: <c1[:8]>`` and holds ``<img onerror>`` and ``javascript:`` text;
  I2 06-20 12:00 → 13:00, no sha. So D2 is failed by *explicit* (I1) and *window* (I2: no explicit link,
  started within 24 h after D2, D2 the latest deployment of the service).
* ``web`` owns acme/web: W1 06-05 00:00 (first), W2 06-15 00:00 shipping w1 authored 06-14 12:00 — no PR.
* ``sre`` owns PagerDuty service PS only: S1 06-25 00:00 → 02:00.
* acme/misc is collected and named by nobody: team ``unowned`` (docs/metrics.md "Team").
"""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from analytics.assembly import assemble_snapshot
from analytics.ownership import OwnershipSettings, TeamClaim
from analytics.settings import AnalyticsSettings
from analytics.snapshot import Snapshot
from analytics.space import SpaceQuarter, SpaceScore
from dashboards.reports import team_page_names, write_reports
from store import schema
from store.timeutil import to_db
from tests.analytics.facts import Facts, add_incident, sha

AS_OF = datetime(2026, 7, 1, 15, tzinfo=UTC)
RND = "R&D <ops>"
EVIL_INCIDENT = '<img src=x onerror=alert(1)> <a href="javascript:alert(2)">x</a> root cause: {}'
EVIL_PR = '<script>alert(3)</script><a href="javascript:alert(4)">pr</a>'


def t(month: int, day: int, hour: float = 0) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC) + timedelta(hours=hour)


def repository(facts: Facts, name: str) -> None:
    facts._write(
        schema.repositories,
        {"full_name": name, "default_branch": "main", "discovered_from": "config", "synced_at": to_db(AS_OF)},
    )


def build() -> Snapshot:
    facts = Facts.in_memory()
    try:
        for repo in ("acme/rnd", "acme/web", "acme/misc"):
            repository(facts, repo)
        # R&D <ops>
        facts.deployment(t(6, 10), compare="first", repo="acme/rnd", sha=sha("f0"))
        c1 = facts.commit(sha("c1"), t(6, 20, 4), repo="acme/rnd")
        facts.pull_request(
            7,
            created_at=t(6, 20, 5),
            merged_at=t(6, 20, 8),
            merge_commit_sha=c1,
            commit_dates=[t(6, 20, 4)],
            repo="acme/rnd",
        )
        facts._write(
            schema.pull_requests,
            {
                "repo": "acme/rnd",
                "number": 7,
                "title": EVIL_PR,
                "author": "alice",
                "state": "closed",
                "base_ref": "main",
                "created_at": to_db(t(6, 20, 5)),
                "updated_at": to_db(t(6, 20, 8)),
                "merged_at": to_db(t(6, 20, 8)),
                "closed_at": to_db(t(6, 20, 8)),
                "merge_commit_sha": c1,
            },
        )
        facts.deployment(t(6, 20, 10), ships=[c1], repo="acme/rnd")
        add_incident(
            facts,
            "I1",
            t(6, 20, 11),
            resolved_at=t(6, 20, 14),
            service="PR",
            title=EVIL_INCIDENT.format(c1[:8]),
            description="javascript:alert(5)",
        )
        add_incident(facts, "I2", t(6, 20, 12), resolved_at=t(6, 20, 13), service="PR", title="<b>slow</b>")
        # web: deployments, no PR
        facts.deployment(t(6, 5), compare="first", repo="acme/web", sha=sha("w0"))
        w1 = facts.commit(sha("w1"), t(6, 14, 12), repo="acme/web")
        facts.deployment(t(6, 15), ships=[w1], repo="acme/web")
        # sre: PagerDuty only
        add_incident(facts, "S1", t(6, 25), resolved_at=t(6, 25, 2), service="PS", title="<i>pager</i>")
        settings = AnalyticsSettings(
            ownership=OwnershipSettings(
                teams=(
                    TeamClaim(RND, ("acme/rnd",), ("PR",)),
                    TeamClaim("web", ("acme/web",)),
                    TeamClaim("sre", (), ("PS",)),
                )
            )
        )
        return assemble_snapshot(facts.engine, settings, now=AS_OF, as_of=AS_OF)
    finally:
        facts.engine.dispose()


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return build()


@pytest.fixture(scope="module")
def pages(snapshot: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    out = tmp_path_factory.mktemp("reports")
    write_reports(snapshot, out, previous=snapshot.previous)
    return out, {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.html")}


class Page(HTMLParser):
    """Links (text and href), every attribute value, and the text of <td>/<th> cells per table row."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.attributes: list[str] = []
        self.text: list[str] = []
        self._href: str | None = None
        self._link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += [f"{name}={value}" for name, value in attrs]
        if tag == "a":
            self._href, self._link_text = dict(attrs).get("href") or "", []

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._href is not None:
            self._link_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append(("".join(self._link_text), self._href))
            self._href = None


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def section(text: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}".*?</section>', text, re.S)
    assert match, anchor
    return match.group(0)


def rows(text: str) -> dict[str, list[str]]:
    """Row title → its cells' text (tags stripped, unescaped)."""
    found = {}
    for title, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', text, re.S):
        found[html.unescape(re.sub(r"<[^>]*>", "", title))] = [
            html.unescape(re.sub(r"<[^>]*>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
    return found


def body_rows(text: str) -> list[list[str]]:
    """Each <tbody> row's <td> texts."""
    return [
        [html.unescape(re.sub(r"<[^>]*>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        for body in re.findall(r"<tbody>(.*?)</tbody>", text, re.S)
        for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


# -- the index -----------------------------------------------------------------------------------------


def test_the_index_lists_every_owner_sorted_and_each_link_resolves_to_its_page(
    pages: tuple[Path, dict[str, str]], snapshot: Snapshot
) -> None:
    """SPEC §8.3 "an index page and one HTML page per team"; §4 nobody's repo → ``unowned``; docs/metrics.md
    "Every team owning a repository or a collected PagerDuty service gets a row" (sre: PD only) and "Rows
    are sorted by team ("*" first)": "*", then by code point: "R&D <ops>" (R = 0x52) < "sre" < "unowned"
    < "web". §9: the name is escaped as link text; the href (a file name) must name a written file once
    URL-decoded, and the link text shows the team's name exactly."""
    out, written = pages
    assert snapshot.teams == ("*", RND, "sre", "unowned", "web")
    index = parse(written["index.html"])
    assert [text for text, _ in index.links] == ["Organisation", RND, "sre", "unowned", "web"]
    for _, href in index.links:
        parts = urlsplit(href)
        assert not parts.scheme and not parts.netloc and not parts.query and not parts.fragment, href
        assert (out / unquote(parts.path)).is_file(), href
    rnd_href = dict(index.links)[RND]
    assert (out / unquote(rnd_href)).read_text(encoding="utf-8") == written[
        team_page_names(snapshot.teams)[RND]
    ]
    assert "R&amp;D &lt;ops&gt;" in written["index.html"] and RND not in written["index.html"]
    # Every written page is linked from the index, and nothing else is written.
    assert sorted(unquote(h) for _, h in index.links) == sorted(n for n in written if n != "index.html")


def test_the_index_bands_of_the_pd_only_and_the_no_pr_teams(pages: tuple[Path, dict[str, str]]) -> None:
    """Index cells: band + 90d value for the four keys (§6.3). sre: 0 deployments → 0/day "none", low
    (docs: "deployments = 0 … banded low"); lead time, CFR null → no band, n/a; recovery falls back to TTR
    p50 over incidents resolved in 90d: S1 2 h → "2.0 h*", high (< 1 day). web: 2 deployments / 90 =
    0.0222/day → ×30 = "0.7 / month", low (< 1/30); lead p50 12 h (W2 − w1) → elite; CFR 0 / 2 = 0 →
    "0.0 %", elite; recovery: no failed deployment, no incident → null, no band. R&D: 2/90 → low; lead 6 h
    → elite; CFR 1/2 → "50.0 %", low; recovery D2 10:00 → earliest resolution of I1 (14:00), I2 (13:00) =
    3 h → "3.0 h", high."""
    _, written = pages
    shown = rows(written["index.html"])
    assert shown["sre"] == ["Low none", "no band n/a", "no band n/a", "High 2.0 h*"]
    assert shown["web"] == ["Low 0.7 / month", "Elite 12.0 h", "Elite 0.0 %", "no band n/a"]
    assert shown[RND] == ["Low 0.7 / month", "Elite 6.0 h", "Low 50.0 %", "High 3.0 h"]


# -- team pages ----------------------------------------------------------------------------------------


def test_a_pagerduty_only_team_page_shows_every_section_with_nothing_to_deploy(
    pages: tuple[Path, dict[str, str]],
) -> None:
    """sre owns no repository: 0 deployments in every window (a number, §6), lead times and breakdown
    null ("n/a"), no failed deployments, but its incidents: S1 started 06-25 00:00, in 7d (after 06-24
    15:00), 30d, 90d → 1 each, TTR p50 = p90 = 2.0 h. The breakdown table says n/a for all four stages in
    all three windows, and the failed list says none in the last 90 days."""
    _, written = pages
    page = written["team-sre.html"]
    for anchor in ("standout", "metrics", "trends", "breakdown", "failed", "incidents", "space"):
        assert f'<section id="{anchor}"' in page
    metrics = rows(section(page, "metrics"))
    assert metrics["Deployments"][:3] == ["0", "0", "0"]
    assert metrics["Deployment frequency"][:3] == ["none", "none", "none"]
    assert metrics["Lead time for changes (p50)"][:3] == ["n/a", "n/a", "n/a"]
    assert metrics["Change failure rate"][:3] == ["n/a", "n/a", "n/a"]
    breakdown = section(page, "breakdown")
    assert (
        "No deployed pull requests in this window." in breakdown and 'id="chart-breakdown"' not in breakdown
    )
    assert rows(breakdown) == {s: ["n/a"] * 3 for s in ("Coding", "Pickup", "Review", "Deploy")}
    assert "No failed deployments in the last 90 days." in section(page, "failed")
    assert rows(section(page, "incidents")) == {
        "7d": ["1", "2.0 h", "2.0 h"],
        "30d": ["1", "2.0 h", "2.0 h"],
        "90d": ["1", "2.0 h", "2.0 h"],
    }


def test_deployments_without_prs_have_lead_times_but_a_null_breakdown(
    pages: tuple[Path, dict[str, str]],
) -> None:
    """web: W2 ships w1, a direct commit (no PR): lead time 06-15 00:00 − 06-14 12:00 = 12 h (§5.2, the
    commit's own author date) in 30d and 90d; W1 is the first deployment (no lead times). §5.3's breakdown
    is over PRs deployed in the window: none → coding, pickup, review, deploy all null in every window, no
    breakdown chart. 7d: no deployment → 0, lead n/a."""
    _, written = pages
    page = written["team-web.html"]
    metrics = rows(section(page, "metrics"))
    assert metrics["Deployments"][:3] == ["0", "2", "2"]
    assert metrics["Lead time for changes (p50)"][:3] == ["n/a", "12.0 h", "12.0 h"]
    assert metrics["Lead time for changes (p90)"][:3] == ["n/a", "12.0 h", "12.0 h"]
    breakdown = section(page, "breakdown")
    assert "No deployed pull requests in this window." in breakdown
    assert rows(breakdown) == {s: ["n/a"] * 3 for s in ("Coding", "Pickup", "Review", "Deploy")}
    assert "No failed deployments in the last 90 days." in section(page, "failed")


def test_a_failure_found_by_two_rules_is_listed_once_with_both(
    pages: tuple[Path, dict[str, str]], snapshot: Snapshot
) -> None:
    """D2 is failed by explicit (I1 names c1[:8]) and window (I2, no sha, 2 h after D2 on PR, D2 the latest
    deployment before it); docs/metrics.md: a failed deployment "records every rule that found it (reports
    show them), and counts once". So one row: deployed 2026-06-20 10:00 UTC, repo acme/rnd, rules in
    SPEC's order "explicit, window", both incidents, recovered after min(14:00, 13:00) − 10:00 = 3.0 h;
    "1 failed deployment in the last 90 days". CFR 30d = 90d = 1/2 → 50.0 %. Breakdown for PR 7 (no
    review): coding 05:00 − 04:00 = 1 h, pickup and review null, deploy 10:00 − 08:00 = 2 h."""
    _, written = pages
    page = written[team_page_names(snapshot.teams)[RND]]
    failed = section(page, "failed")
    assert "1 failed deployment in the last 90 days" in failed
    (listed,) = body_rows(failed)
    assert listed[0] == "2026-06-20 10:00 UTC" and listed[1] == "acme/rnd"
    assert listed[3] == "explicit, window"
    assert re.findall(r"\bI[12]\b", listed[4]) == ["I1", "I2"]
    assert listed[5] == "3.0 h"
    metrics = rows(section(page, "metrics"))
    assert metrics["Change failure rate"][:3] == ["n/a", "50.0 %", "50.0 %"]
    assert metrics["Failed deployment recovery (p50)"][:3] == ["n/a", "3.0 h", "3.0 h"]
    assert rows(section(page, "breakdown")) == {
        "Coding": ["n/a", "1.0 h", "1.0 h"],
        "Pickup": ["n/a", "n/a", "n/a"],
        "Review": ["n/a", "n/a", "n/a"],
        "Deploy": ["n/a", "2.0 h", "2.0 h"],
    }
    # The organisation page lists the same single row, with the team's name escaped in its Team column.
    org = section(written["team-organisation.html"], "failed")
    assert "1 failed deployment in the last 90 days" in org
    (org_row,) = body_rows(org)
    assert org_row[1] == RND and "R&amp;D &lt;ops&gt;" in org


def test_html_and_javascript_urls_in_titles_never_become_markup_or_links(
    pages: tuple[Path, dict[str, str]],
) -> None:
    """§9 "escaped wherever they are rendered"; §8.3 "nothing from a network" and no per-person figure:
    incident and PR titles, a description and the PR author hold HTML and ``javascript:`` URLs. Whether a
    page quotes a title or not, no page has an element or attribute made from them: no ``javascript:``
    in any attribute, no ``onerror`` attribute, no ``<img>``/``<b>``/``<i>`` from a title, no link except
    the index/team pages and plotly.js, and not the author's login."""
    out, written = pages
    for name, text in written.items():
        page = parse(text)
        assert not [a for a in page.attributes if "javascript" in a.lower() or a.startswith("onerror")], name
        for _, href in page.links:
            assert (out / unquote(urlsplit(href).path)).is_file() and not urlsplit(href).scheme, (name, href)
        for raw in ("<img", "<b>slow", "<i>pager", "alert(3)</script>", 'href="javascript'):
            assert raw not in text, (name, raw)
        assert "alice" not in text.lower(), name


# -- SPACE section of a hidden team -------------------------------------------------------------------


def test_a_team_whose_quarter_is_hidden_shows_no_number_while_another_team_is_shown(
    snapshot: Snapshot, tmp_path: Path
) -> None:
    """§7.4: a team-quarter under min_group_size is suppressed "nowhere (CLI, metrics, reports,
    dashboards)": it is not in the snapshot at all. Here 2026-Q2 has web (6 respondents, shown) and the
    organisation; R&D's quarter is hidden. R&D's SPACE section names the quarter and "not enough
    responses" and holds no digit besides the quarter's own; web's shows its score 62.5 and 6 respondents
    (and the R&D page does not show them)."""
    shown = [
        SpaceScore("*", "2026-Q2", "satisfaction", 55.0, 0.5, 9, None, None, 9),
        SpaceScore("web", "2026-Q2", "satisfaction", 62.5, 0.6666666666666666, 6, None, None, 6),
    ]
    quarters = (SpaceQuarter("*", "2026-Q2", 9, None), SpaceQuarter("web", "2026-Q2", 6, None))
    with_space = dataclasses.replace(snapshot, space=tuple(shown), space_quarters=quarters)
    write_reports(with_space, tmp_path)
    names = team_page_names(with_space.teams)
    rnd = section((tmp_path / names[RND]).read_text(encoding="utf-8"), "space")
    text = html.unescape(re.sub(r"<[^>]*>", "", re.sub(r'<p class="note">.*?</p>', "", rnd, flags=re.S)))
    assert "2026-Q2: not enough responses." in text
    assert not re.findall(r"\d", text.replace("2026-Q2", ""))  # besides the quarter and the general note
    assert "62.5" not in rnd and "66.7" not in rnd
    web = section((tmp_path / "team-web.html").read_text(encoding="utf-8"), "space")
    assert "2026-Q2: 6 respondents" in web
    assert rows(web)["Satisfaction and well-being"][:3] == ["62.5", "66.7 %", "6"]
