"""Audit, round 7: outside names with hostile characters meeting each output's escaping, where a naming rule
meets an ownership or survey rule (SPEC §3 ``${VAR}``, §4 ownership, §7.1 team matching, §8 outputs, §9).

Every name here comes from outside (config, catalog-info.yaml, a survey export, PagerDuty): team names
holding ``</script>``, ``{{7*7}}``, ``${X}`` (written ``$${X}`` in the config, §3's literal ``${``), ``%s``,
``%(team)s``, ``"``, ``\\``, an RTL mark, an emoji and accents; repository names with dots and underscores
(``.`` a regex wildcard, ``_`` a SQL LIKE wildcard) given in the config in another letter case; catalog
owners in another case than the configured team; PagerDuty service ids that differ only in case or hold
quotes and wildcards. Each must land intact in ``doraspace metrics --format json`` (exact string back), in
the ``/metrics`` text (parsed with ``prometheus_client.parser``: the exact label value back; ``promtool
check metrics`` when installed), in the HTML reports (parsed with ``html.parser``: the text is the name and
the page has exactly the elements of the same page for a plain name) and in the Grafana JSON.

Earlier rounds (test_audit_outputs.py, test_audit_round5_outputs.py, test_output_pairs.py,
test_audit_round6_consistency.py, test_audit_round6_pages.py, test_audit_round6_dashboards.py) cover one
odd name on one team, names that differ only in escaping, regex syntax in the Grafana variable and markup
in PR and incident titles. New here: the names meeting the config's ``$${`` escape, case-insensitive
repository matching of dotted/underscored names, survey answers in another case/spacing/quote style, catalog
owners in another case (with ``Unowned``), and PagerDuty ids compared exactly through the window rule.

June 2026: ``at(day, hour)`` is 2026-06-<day> <hour>:00 UTC; every ``--as-of`` and snapshot is
2026-06-30 00:00 UTC. Windows: 7d = (06-23, 06-30], 30d = (05-31, 06-30], 90d = (04-01, 06-30].
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from collector.catalog import parse_catalog, write_components
from collector.models import RepositoryFact
from collector.writer import write_repositories
from dashboards.exporter import Exposition
from dashboards.reports.pages import index_page, team_page, team_page_names
from doraspace.cli import main
from doraspace.config import load_config
from doraspace.pipeline import build_snapshot
from store.engine import open_store
from tests.analytics.facts import Facts, add_incident, at, sha

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
AS_OF_TEXT = "2026-06-30T00:00:00Z"
HOUR = 3600.0
Q2 = "2026-Q2"
LEAK = "LEAKED-ENV-VALUE"

# Team names as they must come back. SCRIPTY is written in the config with ``$${X}`` (SPEC §3 / docs:
# "``$${`` is a literal ``${``"), while the environment holds X=LEAK: the value must never appear.
SCRIPTY = "</script><script>alert(1)</script> {{7*7}} ${X} %s %(team)s"
SCRIPTY_IN_CONFIG = SCRIPTY.replace("${", "$${")
GLOBAL = 'Zoë\u200f 🚀 "q" \\ é'  # an RTL mark inside, an emoji, a quote, a backslash, accents
PLAIN = "plain"


# -- an organisation: a store file and its config -------------------------------------------------------


@dataclass
class Org:
    path: Path
    facts: Facts
    out: Path

    def release(self) -> None:
        self.facts.engine.dispose()


@pytest.fixture
def orgs() -> Iterator[list[Org]]:
    opened: list[Org] = []
    yield opened
    for org in opened:
        org.release()


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X", LEAK)
    monkeypatch.setenv("R7_SURVEY_SECRET", "r7-secret")


def make_org(
    tmp_path: Path, orgs: list[Org], *, teams: Sequence[dict[str, Any]], repos: Sequence[str], extra: str = ""
) -> Org:
    url = f"duckdb:///{tmp_path}/store.duckdb"
    config = tmp_path / "doraspace.yaml"
    # JSON is YAML: names reach the config exactly as written.
    config.write_text(
        "database:\n"
        f"  url: {url}\n"
        f"teams: {json.dumps(list(teams), ensure_ascii=False)}\n"
        "metrics:\n  windows: [7d, 30d, 90d]\n  benchmarks: dora-2023\n"
        "incidents:\n  attribution_window: 24h\n"
        "surveys:\n  min_group_size: 5\n  respondent_secret: ${R7_SURVEY_SECRET}\n" + extra,
        encoding="utf-8",
    )
    engine = open_store(url)
    with engine.begin() as conn:
        write_repositories(conn, [RepositoryFact(repo, "main") for repo in repos], {}, AS_OF)
    org = Org(config, Facts(engine), tmp_path / "reports")
    orgs.append(org)
    return org


def first(org: Org, repo: str) -> None:
    """The first deployment of the collected history (05-01, in 90d only): counts, no lead time."""
    org.facts.deployment(
        datetime(2026, 5, 1, tzinfo=UTC), compare="first", sha=sha(f"first-{repo}"), repo=repo
    )


def ship(org: Org, repo: str, deployed_at: datetime, name: str, lead_hours: float) -> None:
    change = org.facts.commit(
        sha(name), datetime.fromtimestamp(deployed_at.timestamp() - lead_hours * HOUR, UTC), repo=repo
    )
    org.facts.deployment(deployed_at, ships=[change], repo=repo)


# -- reading the outputs --------------------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    status = main(list(argv), now=AS_OF)
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert LEAK not in captured.out + captured.err
    return captured.out


def metrics_json(capsys: pytest.CaptureFixture[str], org: Org) -> list[dict[str, Any]]:
    return json.loads(
        cli(capsys, "metrics", "--config", str(org.path), "--format", "json", "--as-of", AS_OF_TEXT)
    )


def row_of(rows: Sequence[dict[str, Any]], team: str, window: str) -> dict[str, Any]:
    (row,) = [r for r in rows if r["team"] == team and r["window"] == window]
    return row


@dataclass
class Served:
    """What the daemon serves from one snapshot at AS_OF: the /metrics text and the report pages."""

    text: str
    rows: list[dict[str, Any]]  # the snapshot's rows, as `doraspace metrics --format json` writes them
    index: str
    files: dict[str, str]  # team → its page's file name
    pages: dict[str, str]  # team → its page (only those asked for: rendering is the slow part)


def served(org: Org, *pages: str) -> Served:
    config = load_config(org.path, environ={"X": LEAK})
    engine = open_store(config.database_url)
    try:
        snapshot = build_snapshot(config, engine, now=AS_OF, as_of=AS_OF, weeks=2)
    finally:
        engine.dispose()
    exposition = Exposition(clock=lambda: AS_OF)
    exposition.update(snapshot)
    files = team_page_names(snapshot.teams)
    return Served(
        text=exposition.render().decode("utf-8"),
        rows=[row.to_json_dict() for row in snapshot.metrics],
        index=index_page(snapshot, files),
        files=dict(files),
        pages={team: team_page(snapshot, team) for team in pages},
    )


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def sample(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def served_teams(found: Samples, name: str) -> set[str]:
    return {dict(labels)["team"] for (n, labels) in found if n == name}


def check_promtool(text: str) -> None:
    tool = shutil.which("promtool") or ("/usr/bin/promtool" if Path("/usr/bin/promtool").exists() else None)
    if tool is not None:  # installed here and in CI (tests/dashboards/test_grafana.py)
        result = subprocess.run(
            [tool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=30
        )
        assert (result.returncode, result.stdout + result.stderr) == (0, b"")


class Page(HTMLParser):
    """A page as a browser builds it: its elements in order (with attributes) and its text nodes,
    character references resolved."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, tuple[tuple[str, str | None], ...]]] = []
        self.texts: list[tuple[str, str]] = []  # (innermost open element, text)
        self._open: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, tuple(attrs)))
        if tag not in ("meta", "link", "br", "img", "input", "hr"):
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.texts.append((self._open[-1] if self._open else "", data))

    def text_in(self, tag: str) -> list[str]:
        return [text for inner, text in self.texts if inner == tag]

    def tags(self) -> list[str]:
        return [tag for tag, _ in self.elements]


def injected(attrs: Sequence[tuple[str, str | None]]) -> bool:
    """An event handler or a javascript: URL: what an escaped name can never become."""
    return any(
        name.startswith("on") or (value or "").strip().lower().startswith("javascript:")
        for name, value in attrs
    )


def index_links(page: str) -> dict[str, str]:
    """Index page: the text of each team link → its href, as a browser reads them."""
    found: dict[str, str] = {}

    class Links(HTMLParser):
        href: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a":
                self.href = dict(attrs).get("href")
                self.text = ""

        def handle_data(self, data: str) -> None:
            if self.href is not None:
                self.text += data

        def handle_endtag(self, tag: str) -> None:
            if tag == "a" and self.href is not None:
                found[self.text] = self.href
                self.href = None

    parser = Links(convert_charrefs=True)
    parser.feed(page)
    parser.close()
    return found


# -- 1. hostile team names × the config's $${ escape × case-insensitive dotted repository names ----------


HOSTILE_TEAMS = [
    {"name": SCRIPTY_IN_CONFIG, "repositories": ["ACME/Web.App_1"], "headcount": 5},
    {"name": GLOBAL, "repositories": ["  Acme/WEB_APP.2  "], "headcount": 5},
    {"name": PLAIN, "repositories": ["acme/webxapp_1"]},
]


def hostile_org(tmp_path: Path, orgs: list[Org]) -> Org:
    """Three teams with one deployment each in the 7d window, the same shape so that their pages differ
    only in the name and the numbers:

    * SCRIPTY owns ``ACME/Web.App_1`` (config spelling; collected ``acme/web.app_1``): lead 2 h.
    * GLOBAL owns ``  Acme/WEB_APP.2  `` (padded, other case; collected ``acme/web_app.2``): lead 3 h.
    * PLAIN owns ``acme/webxapp_1``, which ``Web.App_1`` would match as a regex and ``web_app_1`` as a
      LIKE pattern: lead 1 h.
    Each repository: a first deployment on 05-01 (90d only) and one deployment at 06-25 12:00.
    """
    org = make_org(
        tmp_path,
        orgs,
        teams=HOSTILE_TEAMS,
        repos=["acme/web.app_1", "acme/web_app.2", "acme/webxapp_1"],
    )
    for repo, lead in (("acme/web.app_1", 2.0), ("acme/web_app.2", 3.0), ("acme/webxapp_1", 1.0)):
        first(org, repo)
        ship(org, repo, at(25, 12), f"{repo}-1", lead)
    return org


def test_hostile_names_and_dotted_repositories_come_back_exactly_in_json_prometheus_and_html(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§3 (``$${X}`` is the literal ``${X}``; X=LEAK is set and must appear nowhere) × §4 / docs
    (repository names compared case-insensitively; ``.`` and ``_`` are plain characters) × §6.4 / §8.1 /
    §8.3 / §9.

    By hand, per team (hostile_org): 7d: deployments 1, frequency 1/7, lead p50 = p90 = its own lead
    (SCRIPTY 2 h, GLOBAL 3 h, PLAIN 1 h); 90d: deployments 2 (the 05-01 first deployment adds no lead).
    Organisation 7d: 3 deployments, leads [1, 2, 3] → p50 2 h, p90 = 2 + 0.8 × (3 − 2) = 2.8 h. A swap of
    repositories (regex/LIKE matching) would move a lead time; a lost case-insensitive match would put a
    repository in ``unowned``, which must not exist here. /metrics: the same in seconds, label values back
    exactly (only ``\\`` and ``"`` escaped), and promtool reports nothing.

    HTML: SCRIPTY's and GLOBAL's pages, parsed as a browser would, have exactly the elements (tags, in
    order) of PLAIN's page for the same shape of facts — so ``</script><script>`` injected nothing — no
    event-handler attribute or ``javascript:`` URL, and their <h1> text is exactly the name (``{{7*7}}``
    not evaluated to 49, ``${X}`` literal). The index links each name, as text, to an ASCII file name."""
    org = hostile_org(tmp_path, orgs)
    org.release()

    rows = metrics_json(capsys, org)
    assert {row["team"] for row in rows} == {"*", SCRIPTY, GLOBAL, PLAIN}
    for team, lead in ((SCRIPTY, 2.0), (GLOBAL, 3.0), (PLAIN, 1.0)):
        week = row_of(rows, team, "7d")
        assert (week["deployments"], week["deployment_frequency_per_day"]) == (1, pytest.approx(1 / 7))
        assert (week["lead_time_hours_p50"], week["lead_time_hours_p90"]) == (pytest.approx(lead),) * 2
        assert row_of(rows, team, "90d")["deployments"] == 2
    org_week = row_of(rows, "*", "7d")
    assert org_week["deployments"] == 3
    assert org_week["lead_time_hours_p50"] == pytest.approx(2.0)
    assert org_week["lead_time_hours_p90"] == pytest.approx(2.8)

    out = served(org, SCRIPTY, GLOBAL, PLAIN)
    assert out.rows == rows  # the daemon's snapshot and the CLI agree, names included
    assert LEAK not in out.text
    found = samples(out.text)
    assert served_teams(found, "dora_deployments") == {"*", SCRIPTY, GLOBAL, PLAIN}
    for team, lead in ((SCRIPTY, 2.0), (GLOBAL, 3.0), (PLAIN, 1.0)):
        assert sample(found, "dora_deployments", team=team, window="7d") == 1.0
        assert sample(
            found, "dora_lead_time_seconds", team=team, window="7d", percentile="50"
        ) == pytest.approx(lead * HOUR)
    # Escaped per the text format: only \ and " are escaped, the rest (<, {, $, %, RTL, emoji) is raw.
    assert 'team="Zoë\u200f 🚀 \\"q\\" \\\\ é"' in out.text
    assert f'team="{SCRIPTY}"' in out.text
    check_promtool(out.text)

    assert all(LEAK not in page for page in (out.index, *out.pages.values()))
    links = index_links(out.index)
    assert sorted(links) == sorted(["Organisation", SCRIPTY, GLOBAL, PLAIN])
    for team in (SCRIPTY, GLOBAL, PLAIN):
        assert links[team] == out.files[team]
        assert re.fullmatch(r"team-[a-z0-9-]+\.html", links[team]), links[team]
    index = Page(out.index)
    assert not any(injected(attrs) for _, attrs in index.elements)
    assert index.tags().count("script") == 0
    plain = Page(out.pages[PLAIN])
    assert plain.text_in("h1") == [PLAIN]
    for team in (SCRIPTY, GLOBAL):
        page = Page(out.pages[team])
        assert page.text_in("h1") == [team]
        assert page.tags() == plain.tags(), team
        assert not any(injected(attrs) for _, attrs in page.elements)
        (title,) = page.text_in("title")
        assert title.startswith(team) and "49" not in title


def test_grafana_json_is_independent_of_the_names_and_its_team_regex_keeps_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§8.2 × §9: ``doraspace dashboards`` for the hostile configuration writes valid JSON byte-identical
    to that of a configuration with plain names (names are never baked into a dashboard: the team variable
    reads label_values), and the team variable's regex (no line terminator in these names, so Python's
    ``re`` reads it as JavaScript does) keeps SCRIPTY, GLOBAL and PLAIN and leaves out ``*`` only."""
    (tmp_path / "hostile").mkdir()
    (tmp_path / "calm").mkdir()
    org = make_org(tmp_path / "hostile", orgs, teams=HOSTILE_TEAMS, repos=[])
    org.release()
    calm = make_org(
        tmp_path / "calm", orgs, teams=[{"name": "a", "repositories": ["acme/a"]}], repos=["acme/a"]
    )
    calm.release()
    written = {}
    for label, config in (("hostile", org.path), ("calm", calm.path)):
        out = tmp_path / f"boards-{label}"
        cli(capsys, "dashboards", "--config", str(config), "--out", str(out))
        written[label] = {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.json"))}
    assert written["hostile"] == written["calm"]
    assert len(written["hostile"]) == 3
    for name, text in written["hostile"].items():
        board = json.loads(text)
        assert SCRIPTY not in text and "Zoë" not in text and LEAK not in text
        team_vars = [v for v in board.get("templating", {}).get("list", []) if v["name"] == "team"]
        for variable in team_vars:
            match = re.fullmatch(r"/(.*)/([a-z]*)", variable["regex"], re.S)
            assert match and "m" not in match.group(2) and "s" not in match.group(2), variable["regex"]
            keeps = re.compile(match.group(1))
            assert [t for t in ("*", SCRIPTY, GLOBAL, PLAIN) if keeps.search(t)] == [
                SCRIPTY,
                GLOBAL,
                PLAIN,
            ], name


# -- 2. survey answers naming the hostile teams in another case, spacing and quote style -----------------

DEFINITION = """\
survey: devex
scales:
  agree5:
    points: 5
    labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree]
    favourable: [4, 5]
missing: ["N/A", ""]
team_question: "Which team are you on?"
items:
  - {id: s1, text: "I am satisfied with my tools", dimension: satisfaction, scale: agree5}
"""


def import_long(
    capsys: pytest.CaptureFixture[str], org: Org, tmp_path: Path, answers: Sequence[tuple[str, str]]
) -> None:
    """``survey import`` of a ``long`` export: one respondent per (typed team, answer)."""
    definition = tmp_path / "devex.yaml"
    definition.write_text(DEFINITION, encoding="utf-8")
    export = tmp_path / "answers.csv"
    with export.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["respondent_id", "team", "submitted_at", "item_id", "answer"])
        for number, (team, answer) in enumerate(answers):
            writer.writerow([f"r{number}", team, "2026-05-10T10:00:00", "s1", answer])
    cli(capsys, "survey", "import", str(export), "--config", str(org.path), "--definition", str(definition),
        "--quarter", Q2, "--format", "long")  # fmt: skip


def test_survey_answers_typed_in_another_case_spacing_and_quotes_score_under_the_configured_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§7.1 "the team answer is matched case-insensitively to a team name" (docs/surveys.md: case, runs of
    spaces and curly vs straight quotes ignored; "the team is stored as the configured team name") × §3's
    ``$${`` × §7.4 / §7.5 / §8.1 / §8.3 escaping.

    Typed: ``  </SCRIPT><SCRIPT>ALERT(1)</SCRIPT>   {{7*7}} ${x} %S %(TEAM)S  `` (upper case, padded, a run
    of three spaces) × 5, each "Agree" (4); ``ZOË\\u200f 🚀 “Q” \\ É`` (curly quotes, upper case) × 5, each
    "disagree" (2, label in another case). min_group_size 5, headcount 5 each. By hand (§7.4):
    SCRIPTY score (4 − 1) / 4 × 100 = 75.0, favourable 5/5 = 1.0, respondents 5, response rate 5/5 = 1.0;
    GLOBAL score (2 − 1) / 4 × 100 = 25.0, favourable 0.0, respondents 5, rate 1.0; organisation: item
    mean (5×4 + 5×2)/10 = 3 → 50.0, favourable 0.5, respondents 10. PLAIN has no answer: nothing to
    suppress. The same names and numbers come back from survey scores JSON and /metrics, and SCRIPTY's
    page shows 75.0 in its SPACE section."""
    org = hostile_org(tmp_path, orgs)
    org.release()
    typed_scripty = "  </SCRIPT><SCRIPT>ALERT(1)</SCRIPT>   {{7*7}} ${x} %S %(TEAM)S  "
    typed_global = "ZOË\u200f 🚀 “Q” \\ É"
    import_long(capsys, org, tmp_path, [(typed_scripty, "Agree")] * 5 + [(typed_global, "disagree")] * 5)

    scores = json.loads(cli(capsys, "survey", "scores", "--config", str(org.path), "--format", "json"))
    got = {(r["team"], r["quarter"], r["dimension"]): r for r in scores}
    assert set(got) == {
        ("*", Q2, "satisfaction"),
        (SCRIPTY, Q2, "satisfaction"),
        (GLOBAL, Q2, "satisfaction"),
    }
    for team, score, favourable, respondents in (
        (SCRIPTY, 75.0, 1.0, 5),
        (GLOBAL, 25.0, 0.0, 5),
        ("*", 50.0, 0.5, 10),
    ):
        row = got[(team, Q2, "satisfaction")]
        assert (row["score"], row["favourable"], row["respondents"]) == (
            pytest.approx(score),
            pytest.approx(favourable),
            respondents,
        ), team
    assert got[(SCRIPTY, Q2, "satisfaction")]["response_rate"] == pytest.approx(1.0)
    assert got[(GLOBAL, Q2, "satisfaction")]["response_rate"] == pytest.approx(1.0)

    out = served(org, SCRIPTY)
    found = samples(out.text)
    assert served_teams(found, "space_score") == {"*", SCRIPTY, GLOBAL}
    assert sample(found, "space_score", team=SCRIPTY, dimension="satisfaction", quarter=Q2) == pytest.approx(
        75.0
    )
    assert sample(found, "space_score", team=GLOBAL, dimension="satisfaction", quarter=Q2) == pytest.approx(
        25.0
    )
    assert sample(found, "space_respondents", team=GLOBAL, quarter=Q2) == 5.0
    check_promtool(out.text)

    page = Page(out.pages[SCRIPTY])
    assert page.text_in("h1") == [SCRIPTY]
    assert any("75.0" in text for _, text in page.texts)


# -- 3. catalog owners in another case than the configured team ------------------------------------------


def catalog(org: Org, file_repo: str, text: str) -> None:
    write_components(org.facts.engine, file_repo, parse_catalog(file_repo, text))


def test_catalog_owners_in_another_case_are_one_team_with_its_pagerduty_service_and_survey_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§4 (``group:default/x`` means team x; a component's PagerDuty service) × docs/metrics.md "Team" (a
    catalog owner is compared whatever its letter case: ``ops.TEAM_1`` is the configured ``Ops.Team_1``;
    catalog owners ``Web_Dev.2`` and ``WEB_DEV.2`` are one team, spelled as first met in file order) ×
    §6.1 rule 4 × §7.1 (survey answers matched to a team of the ownership map, catalog teams included).

    Catalog: acme/svc.one_1 holds component svc-one, owner ``group:default/ops.TEAM_1``, PagerDuty service
    ``012345`` (unquoted: kept as text, leading zero included); acme/a.web holds a-web, owner
    ``Web_Dev.2``; acme/b.web holds b-web, owner ``group:WEB_DEV.2``. File order: acme/a.web first.
    Deployments (each repository also a first one on 05-01): svc.one_1 06-25 12:00 (lead 1 h); a.web
    06-25 12:00 (lead 2 h); b.web 06-26 12:00 (lead 4 h) and 06-27 12:00 (lead 6 h).
    Incident on ``012345`` 06-25 13:00 → 15:00: within 24 h after svc-one's 12:00 deployment, the latest of
    that service → failed (window), recovered at 15:00 (3 h).
    By hand, 7d: Ops.Team_1 deployments 1, CFR 1.0, recovery p50 3 h, incidents 1, TTR p50 2 h;
    Web_Dev.2 deployments 3, leads [2, 4, 6] → p50 4 h, p90 4 + 0.8 × 2 = 5.6 h, CFR 0.0. No ``unowned``.
    Survey: ``OPS.TEAM_1`` × 5 answering 4 and ``web_dev.2`` × 5 answering 2 → Ops.Team_1 75.0
    (headcount 5 → rate 1.0), Web_Dev.2 25.0 (no headcount → rate null)."""
    org = make_org(
        tmp_path,
        orgs,
        teams=[{"name": "Ops.Team_1", "headcount": 5}],
        repos=["acme/svc.one_1", "acme/a.web", "acme/b.web"],
    )
    catalog(
        org,
        "acme/svc.one_1",
        "kind: Component\nmetadata:\n  name: svc-one\n  annotations:\n    pagerduty.com/service-id: 012345\n"
        "spec:\n  owner: group:default/ops.TEAM_1\n",
    )
    catalog(org, "acme/b.web", "kind: Component\nmetadata: {name: b-web}\nspec: {owner: 'group:WEB_DEV.2'}\n")
    catalog(org, "acme/a.web", "kind: Component\nmetadata: {name: a-web}\nspec: {owner: Web_Dev.2}\n")
    for repo in ("acme/svc.one_1", "acme/a.web", "acme/b.web"):
        first(org, repo)
    ship(org, "acme/svc.one_1", at(25, 12), "svc-1", 1.0)
    ship(org, "acme/a.web", at(25, 12), "a-1", 2.0)
    ship(org, "acme/b.web", at(26, 12), "b-1", 4.0)
    ship(org, "acme/b.web", at(27, 12), "b-2", 6.0)
    add_incident(org.facts, "PD-1", at(25, 13), resolved_at=at(25, 15), service="012345")
    org.release()

    import_long(capsys, org, tmp_path, [("OPS.TEAM_1", "4")] * 5 + [("web_dev.2", "2")] * 5)
    scores = json.loads(cli(capsys, "survey", "scores", "--config", str(org.path), "--format", "json"))
    got = {r["team"]: (r["score"], r["respondents"], r["response_rate"]) for r in scores}
    assert set(got) == {"*", "Ops.Team_1", "Web_Dev.2"}
    assert got["Ops.Team_1"] == (pytest.approx(75.0), 5, pytest.approx(1.0))
    assert got["Web_Dev.2"] == (pytest.approx(25.0), 5, None)
    assert got["*"][:2] == (pytest.approx(50.0), 10)  # (5 × 4 + 5 × 2) / 10 = 3 → 50

    out = served(org)
    rows = out.rows
    assert {row["team"] for row in rows} == {"*", "Ops.Team_1", "Web_Dev.2"}
    ops = row_of(rows, "Ops.Team_1", "7d")
    assert (ops["deployments"], ops["incidents"], ops["change_failure_rate"]) == (1, 1, pytest.approx(1.0))
    assert ops["failed_deployment_recovery_hours_p50"] == pytest.approx(3.0)
    assert ops["time_to_restore_hours_p50"] == pytest.approx(2.0)
    web = row_of(rows, "Web_Dev.2", "7d")
    assert (web["deployments"], web["change_failure_rate"], web["incidents"]) == (3, 0.0, 0)
    assert (web["lead_time_hours_p50"], web["lead_time_hours_p90"]) == (
        pytest.approx(4.0),
        pytest.approx(5.6),
    )

    found = samples(out.text)
    assert served_teams(found, "dora_deployments") == {"*", "Ops.Team_1", "Web_Dev.2"}
    assert sample(found, "dora_incidents", team="Ops.Team_1", window="7d") == 1.0
    assert sample(found, "dora_deployments", team="Web_Dev.2", window="7d") == 3.0
    assert served_teams(found, "space_score") == {"*", "Ops.Team_1", "Web_Dev.2"}
    links = index_links(out.index)
    assert sorted(links) == sorted(["Organisation", "Ops.Team_1", "Web_Dev.2"])


def test_a_catalog_owner_spelled_unowned_in_another_case_is_not_a_second_unowned_team(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§4 "a repo owned by nobody belongs to team ``unowned``" × docs/metrics.md "a catalog owner is
    compared whatever its letter case … catalog owners ``Billing`` and ``billing`` are one team" ×
    docs/configuration.md (``unowned`` is reserved "in any case").

    acme/u holds a component owned by ``group:default/Unowned``; acme/n has no component. Deployments:
    each a first one on 05-01; acme/u one at 06-25 12:00, acme/n two at 06-25 12:00 and 06-26 12:00.
    A catalog owner spelled ``unowned`` (lower case) is the team ``unowned`` already (the same name); spelled
    ``Unowned`` it must be the same team, compared whatever its case: one team, 7d deployments 1 + 2 = 3,
    90d 2 + 3 = 5, and no two team names equal but for case, in JSON and in /metrics.
    Actual: rows ``Unowned`` (7d 1) and ``unowned`` (7d 2), two series sets differing only in case."""
    org = make_org(tmp_path, orgs, teams=[], repos=["acme/u", "acme/n"])
    catalog(org, "acme/u", "kind: Component\nmetadata: {name: u}\nspec: {owner: group:default/Unowned}\n")
    for repo in ("acme/u", "acme/n"):
        first(org, repo)
    ship(org, "acme/u", at(25, 12), "u-1", 1.0)
    ship(org, "acme/n", at(25, 12), "n-1", 1.0)
    ship(org, "acme/n", at(26, 12), "n-2", 1.0)
    org.release()

    out = served(org)
    rows = out.rows
    teams = sorted({row["team"] for row in rows} - {"*"})
    assert len({team.casefold() for team in teams}) == len(teams), teams
    (team,) = teams
    assert team.casefold() == "unowned"
    assert (row_of(rows, team, "7d")["deployments"], row_of(rows, team, "90d")["deployments"]) == (3, 5)
    found = samples(out.text)
    assert served_teams(found, "dora_deployments") - {"*"} == {team}
    assert sample(found, "dora_deployments", team=team, window="7d") == 3.0


# -- 4. PagerDuty service ids compared exactly, through the window rule -------------------------------------


def test_pagerduty_ids_holding_quotes_backslashes_and_wildcards_fail_only_their_own_team(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], orgs: list[Org]
) -> None:
    """§4 (the PagerDuty services a ``teams:`` entry names belong to that team's repos; a ``service_ids``
    service nobody owns is ``unowned``; ownership.py: ids are opaque and compared exactly) × §6.1 rule 4
    (window: an incident on a service of F's service) × §6.2 × §9 (bound as parameters).

    a-team: acme/a, services ``PAB1`` and ``P"Q\\1``; b-team: acme/b, services ``PABC`` and ``P_1``;
    ``pagerduty.service_ids: [PX1]`` (unowned; ``P_1`` as a LIKE pattern would match it). Deployments
    (each repo also a first one on 05-01): A 06-25 12:00, B 06-25 10:00, each lead 1 h.
      I1 ``PABC`` 06-25 13:00 → 14:00: B's latest deployment (10:00) is 3 h before → B failed; A's 12:00
         deployment is later but not of I1's service → A not failed by it. B recovered at 14:00: 4 h.
      I2 ``P"Q\\1`` 06-26 00:00 → 03:00: A's latest (06-25 12:00) 12 h before → A failed, recovery 15 h.
      I3 ``PX1`` 06-25 12:30 → 13:00: unowned, fails nothing.
      I4 ``P_1`` 06-27 00:00 → 01:00: B's latest is 38 h before (> 24 h) → fails nothing.
    By hand, 7d: a-team deployments 1, incidents 1, CFR 1.0, recovery 15 h, TTR 3 h; b-team deployments 1,
    incidents 2 (I1, I4), CFR 1.0, recovery 4 h, TTR p50 median(1, 1) = 1 h; unowned: deployments 0,
    incidents 1, TTR 0.5 h, CFR null. Organisation: deployments 2, incidents 4, CFR 1.0. Rework: no
    deployment while an incident of its service is open → 0.0 for both."""
    org = make_org(
        tmp_path,
        orgs,
        teams=[
            {"name": "a-team", "repositories": ["acme/a"], "pagerduty_services": ["PAB1", 'P"Q\\1']},
            {"name": "b-team", "repositories": ["acme/b"], "pagerduty_services": ["PABC", "P_1"]},
        ],
        repos=["acme/a", "acme/b"],
        extra="pagerduty:\n  token: ${R7_PD_TOKEN}\n  service_ids: [PX1]\n",
    )
    for repo in ("acme/a", "acme/b"):
        first(org, repo)
    ship(org, "acme/a", at(25, 12), "a-1", 1.0)
    ship(org, "acme/b", at(25, 10), "b-1", 1.0)
    add_incident(org.facts, "I1", at(25, 13), resolved_at=at(25, 14), service="PABC")
    add_incident(org.facts, "I2", at(26, 0), resolved_at=at(26, 3), service='P"Q\\1')
    add_incident(org.facts, "I3", at(25, 12.5), resolved_at=at(25, 13), service="PX1")
    add_incident(org.facts, "I4", at(27, 0), resolved_at=at(27, 1), service="P_1")
    org.release()

    rows = metrics_json(capsys, org)
    assert {row["team"] for row in rows} == {"*", "a-team", "b-team", "unowned"}
    expected = {
        # team: (deployments, incidents, CFR, recovery h, TTR p50 h, rework)
        "a-team": (1, 1, 1.0, 15.0, 3.0, 0.0),
        "b-team": (1, 2, 1.0, 4.0, 1.0, 0.0),
        "unowned": (0, 1, None, None, 0.5, None),
    }
    for team, want in expected.items():
        row = row_of(rows, team, "7d")
        got = (
            row["deployments"],
            row["incidents"],
            row["change_failure_rate"],
            row["failed_deployment_recovery_hours_p50"],
            row["time_to_restore_hours_p50"],
            row["rework_rate"],
        )
        assert got == tuple(pytest.approx(v) if isinstance(v, float) else v for v in want), team
    star = row_of(rows, "*", "7d")
    assert (star["deployments"], star["incidents"], star["change_failure_rate"]) == (2, 4, pytest.approx(1.0))
