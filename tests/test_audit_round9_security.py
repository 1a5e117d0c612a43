"""Audit, round 9: hostile outside names and secrets meeting every output (SPEC §3, §8, §8.1, §8.3, §9).

SPEC §9: "Label values from outside (team, repo and service names) are escaped wherever they are rendered
(HTML, Prometheus text, Grafana JSON) and bound as parameters in SQL". SPEC §3: secrets "are never logged,
never stored, never exported". SPEC §8: "/healthz and /readyz … answer only "ok" and need no credentials …;
every other path does". docs (doraspace/http_server.py's contract, docs/operations.md): static folders serve
nothing outside themselves.

Earlier rounds cover one markup name per output (test_audit_round7_names.py), CSV/JSON with commas, quotes
and line breaks (test_audit_round8_cli_formats.py), the probes and auth kinds on a bare server
(test_audit_round6_http.py, test_audit_serve.py) and tokens through a collect subprocess
(test_audit_cli_contract.py, marked long). New here: names that are PATHS (``../../escape``, ``a/b``,
``a\\b``) and names whose report file names would collide (``a-b-2``, ``Organisation``, ``<>``) through
``report --out`` and ``report --team``; the exact escaped Prometheus line of a name holding a line feed, a
quote, a backslash, ``{{``, a literal ``${``, U+2028 and a BEL; a PagerDuty service id holding SQL quotes
through the window rule and ``--team``; the daemon's default layout (reports beside the DuckDB file and its
config) under URL-encoded traversal, with and without credentials; and tokens from the environment and
from a token file through every in-process command with ``--debug`` / ``--log-format json``, the daemon's
log, every served answer and the bytes of the DuckDB file.

June 2026: ``at(day, hour)`` is 2026-06-<day> <hour>:00 UTC; every ``--as-of`` and snapshot is 2026-06-30
00:00 UTC; the one window 7d = (06-23, 06-30].
"""

from __future__ import annotations

import base64
import csv
import http.client
import json
import logging
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import bcrypt
import duckdb
import pytest
from prometheus_client.parser import text_string_to_metric_families

from collector.models import RepositoryFact
from collector.writer import write_repositories
from dashboards.exporter import Exposition
from doraspace.cli import main
from doraspace.collect import CollectResult
from doraspace.config import Config, load_config
from doraspace.daemon import Daemon
from doraspace.pipeline import build_snapshot
from store.engine import Engine, open_store
from tests.analytics.facts import Facts, add_incident, at, sha

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
AS_OF_TEXT = "2026-06-30T00:00:00Z"
HOUR = 3600.0

GH_TOKEN = "ghp_r9SecurityAuditToken0123456789abcd"
PD_TOKEN = "pdR9FileToken9876543210zyx"  # read from a token_file, never from the config text
SURVEY_SECRET = "r9-respondent-secret-5f3a9c"
SECRETS = (GH_TOKEN, PD_TOKEN, SURVEY_SECRET)
USER, PASSWORD = "prom", "r9 correct horse"
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

# -- the hostile organisation ------------------------------------------------------------------------------

UP = "../../escape"
EMPTY = "<>"  # nothing ASCII-alphanumeric: the slug falls back to "team"
SCRIPT = "<script>alert('x')</script>"
ORG_NAMED = "Organisation"  # the organisation row's page is team-organisation.html already
DASH = "a-b-2"  # the name "a\\b" would get as a de-duplicated slug
SLASH = "a/b"
BACK = "a\\b"
MULTI = 'line1\nline2 "q" \\ {{7*7}} ${HOME}'  # written $${HOME} in the config: a literal ${
SEP = "sep\u2028arator\x07bell"  # LINE SEPARATOR and BEL (a control character that is not NUL)
SQL = "x'; DROP TABLE deployments; --"
SQL_SERVICE = "P'; DROP TABLE incidents; --"

# (team, its repository, its lead time in hours), in code-point order of the names (the report order).
TEAMS = [
    (UP, "acme/r1", 1.0),
    (EMPTY, "acme/r2", 2.0),
    (SCRIPT, "acme/r3", 3.0),
    (ORG_NAMED, "acme/r4", 4.0),
    (DASH, "acme/r5", 5.0),
    (SLASH, "acme/r6", 6.0),
    (BACK, "acme/r7", 7.0),
    (MULTI, "acme/r8", 8.0),
    (SEP, "acme/r9", 9.0),
    (SQL, "acme/r10", 10.0),
]
NAMES = [team for team, _, _ in TEAMS]
LEAD = {team: lead for team, _, lead in TEAMS}

# Report file names worked out from docs (dashboards/reports/keys.py: ``team-<slug>.html``, the slug the
# ASCII letters and digits of the lower-cased name with every other run made one ``-``, de-duplicated in
# snapshot order by ``-2``, ``-3``, …; "*" first as ``organisation``):
PAGES = {
    "*": "team-organisation.html",
    UP: "team-escape.html",
    EMPTY: "team-team.html",
    SCRIPT: "team-script-alert-x-script.html",
    ORG_NAMED: "team-organisation-2.html",  # "organisation" is the "*" page's
    DASH: "team-a-b-2.html",
    SLASH: "team-a-b.html",
    BACK: "team-a-b-3.html",  # a-b (a/b) and a-b-2 (the team "a-b-2") are taken
    MULTI: "team-line1-line2-q-7-7-home.html",
    SEP: "team-separator-bell.html",  # U+2028 has no ASCII form and is dropped; BEL is a separator
    SQL: "team-x-drop-table-deployments.html",
}


def config_text(store: Path, extra: str = "") -> str:
    teams = []
    for team, repo, _ in TEAMS:
        entry: dict[str, Any] = {"name": team.replace("${", "$${"), "repositories": [repo]}
        if team == SQL:
            entry["pagerduty_services"] = [SQL_SERVICE]
        teams.append(entry)
    # JSON is YAML; ensure_ascii keeps U+2028 and BEL as \u escapes, which YAML decodes exactly.
    return (
        f"database:\n  url: duckdb:///{store}\n"
        f"teams: {json.dumps(teams, ensure_ascii=True)}\n"
        "metrics:\n  windows: [7d]\n  benchmarks: dora-2023\n"
        "incidents:\n  attribution_window: 24h\n" + extra
    )


def write_facts(engine: Engine) -> None:
    """Each repository: a first deployment on 05-01 (outside 7d; no lead time) and one at 06-25 12:00
    shipping one change authored ``lead`` hours before. One PagerDuty incident on SQL_SERVICE, 06-25 13:00
    → 14:00: within 24 h after SQL's 12:00 deployment, the latest of that service → failed (window)."""
    with engine.begin() as conn:
        write_repositories(conn, [RepositoryFact(repo, "main") for _, repo, _ in TEAMS], {}, AS_OF)
    facts = Facts(engine)
    for _, repo, lead in TEAMS:
        facts.deployment(
            datetime(2026, 5, 1, tzinfo=UTC), compare="first", sha=sha(f"first {repo}"), repo=repo
        )
        change = facts.commit(sha(f"change {repo}"), at(25, 12 - lead), repo=repo)
        facts.deployment(at(25, 12), ships=[change], repo=repo)
    add_incident(facts, "I-1", at(25, 13), resolved_at=at(25, 14), service=SQL_SERVICE)


def secret_config(folder: Path) -> Path:
    """The config beside the store: the teams, both sources (the GitHub token from $R9_GH_TOKEN, the
    PagerDuty token from ``token_file: pd.token``), the respondent secret from $R9_SURVEY_SECRET, and basic
    auth for the daemon's HTTP server."""
    (folder / "pd.token").write_text(PD_TOKEN + "\n", encoding="utf-8")
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    extra = (
        "github:\n  base_url: http://127.0.0.1:9\n  token: ${R9_GH_TOKEN}\n  since: 2026-03-01\n"
        f"pagerduty:\n  base_url: https://127.0.0.1:9\n  token_file: {folder / 'pd.token'}\n"
        "surveys:\n  min_group_size: 5\n  respondent_secret: ${R9_SURVEY_SECRET}\n"
        f'http:\n  listen: 127.0.0.1:0\n  basic_auth_users:\n    {USER}: "{hashed}"\n'
    )
    config = folder / "doraspace.yaml"
    config.write_text(config_text(folder / "store.duckdb", extra), encoding="utf-8")
    return config


ENVIRON = {"R9_GH_TOKEN": GH_TOKEN, "R9_SURVEY_SECRET": SURVEY_SECRET}


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The store, its config and pd.token in one folder, the secrets in the environment; the config path."""
    folder = tmp_path_factory.mktemp("r9-security")
    engine = open_store(f"duckdb:///{folder / 'store.duckdb'}")
    try:
        write_facts(engine)
    finally:
        engine.dispose()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENVIRON.items():
            patch.setenv(name, value)
        yield secret_config(folder)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, str]:
    status = main(list(argv), now=AS_OF)
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return captured.out, captured.err


def tree(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


class Heading(HTMLParser):
    """The text of a page's <h1>, character references resolved."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.h1: list[str] = []
        self._inside = False
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h1":
            self._inside = True
            self.h1.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.h1[-1] += data


class Links(HTMLParser):
    """The index page: each link's text → its href."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str] = {}
        self._href: str | None = None
        self._text = ""
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), ""

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.found[self._text] = self._href
            self._href = None


# -- 1. metrics JSON: the names back exactly, the SQL-quoted service id through the window rule ------------


def test_json_rows_keep_every_hostile_name_and_the_quoted_service_id_fails_only_its_team(
    org: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§6.4 × §9 (names bound as parameters) × §6.1 rule 4 (window) × §2 ``--team``.

    By hand, 7d = (06-23, 06-30]: each team 1 deployment (06-25 12:00; the 05-01 first one is outside),
    frequency 1/7, lead p50 = p90 = its own lead (1 … 10 h). Incident I-1 on ``P'; DROP TABLE incidents;
    --`` starts 06-25 13:00, 1 h after SQL's deployment, the latest of that service → SQL's CFR 1/1 = 1.0,
    recovery 14:00 − 12:00 = 2 h, TTR 1 h, incidents 1; every other team CFR 0/1 = 0.0, incidents 0.
    Organisation: 10 deployments, leads 1 … 10 → p50 (5 + 6)/2 = 5.5, p90 at rank 0.9 × 9 = 8.1 →
    9 + 0.1 × (10 − 9) = 9.1; CFR 1/10 = 0.1; incidents 1.
    ``--team`` with the SQL name gives exactly that team's one row (the last, by code point); afterwards
    the tables the names mention still hold their rows (20 deployments, 1 incident)."""
    rows = json.loads(
        cli(capsys, "metrics", "--config", str(org), "--format", "json", "--as-of", AS_OF_TEXT)[0]
    )
    assert [row["team"] for row in rows] == ["*", *NAMES]
    for row in rows[1:]:
        team = row["team"]
        assert (row["window"], row["deployments"]) == ("7d", 1), team
        assert row["deployment_frequency_per_day"] == pytest.approx(1 / 7), team
        assert (row["lead_time_hours_p50"], row["lead_time_hours_p90"]) == (pytest.approx(LEAD[team]),) * 2
        want = (1.0, 2.0, 1.0, 1) if team == SQL else (0.0, None, None, 0)
        got = (
            row["change_failure_rate"],
            row["failed_deployment_recovery_hours_p50"],
            row["time_to_restore_hours_p50"],
            row["incidents"],
        )
        assert got == want, team
    star = rows[0]
    assert (star["deployments"], star["incidents"]) == (10, 1)
    assert star["lead_time_hours_p50"] == pytest.approx(5.5)
    assert star["lead_time_hours_p90"] == pytest.approx(9.1)
    assert star["change_failure_rate"] == pytest.approx(0.1)

    args = ("metrics", "--config", str(org), "--format", "json", "--as-of", AS_OF_TEXT, "--team", SQL)
    (only,) = json.loads(cli(capsys, *args)[0])
    assert only == rows[-1]
    connection = duckdb.connect(str(org.parent / "store.duckdb"), read_only=True)
    try:
        assert connection.execute("select count(*) from deployments").fetchone() == (20,)
        assert connection.execute("select count(*) from incidents").fetchone() == (1,)
    finally:
        connection.close()


# -- 2. /metrics: the exact escaped lines, promtool, the names parsed back ---------------------------------


def exposition_text(config_path: Path) -> str:
    config = load_config(config_path, environ={})
    engine = open_store(config.database_url)
    try:
        snapshot = build_snapshot(config, engine, now=AS_OF, as_of=AS_OF, weeks=1)
    finally:
        engine.dispose()
    exposition = Exposition(clock=lambda: AS_OF)
    exposition.update(snapshot)
    return exposition.render().decode("utf-8")


def test_prometheus_lines_escape_exactly_backslash_quote_and_line_feed_and_promtool_accepts_them(
    org: Path,
) -> None:
    """§8.1 × §9. The text format escapes, in a label value, ``\\`` as ``\\\\``, ``"`` as ``\\"`` and a line
    feed as ``\\n``, nothing else: ``{{``, ``${``, ``'``, ``;``, ``/``, ``<``, U+2028 and BEL stay raw.
    So, by hand, the 7d deployment lines (1 each, 10 for "*") are exactly the ones below; the value of
    ``dora_lead_time_seconds{percentile="50"}`` for MULTI is 8 h = 28800 s. The body splits into lines at
    ``\\n`` only, so U+2028 does not end a sample; promtool (when installed) reports nothing; parsed back,
    every name is exactly the configured one."""
    text = exposition_text(org)
    lines = text.split("\n")
    expected = [
        'dora_deployments{team="*",window="7d"} 10.0',
        'dora_deployments{team="../../escape",window="7d"} 1.0',
        'dora_deployments{team="<>",window="7d"} 1.0',
        'dora_deployments{team="<script>alert(\'x\')</script>",window="7d"} 1.0',
        'dora_deployments{team="a/b",window="7d"} 1.0',
        'dora_deployments{team="a\\\\b",window="7d"} 1.0',
        'dora_deployments{team="line1\\nline2 \\"q\\" \\\\ {{7*7}} ${HOME}",window="7d"} 1.0',
        'dora_deployments{team="sep\u2028arator\x07bell",window="7d"} 1.0',
        'dora_deployments{team="x\'; DROP TABLE deployments; --",window="7d"} 1.0',
    ]
    for line in expected:
        assert line in lines, line
    assert len([line for line in lines if line.startswith("dora_deployments{")]) == 11
    multi = 'team="line1\\nline2 \\"q\\" \\\\ {{7*7}} ${HOME}",window="7d"'
    assert f'dora_lead_time_seconds{{percentile="50",{multi}}} 28800.0' in lines
    found = {
        sample.labels["team"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "dora_deployments"
    }
    assert found == {"*": 10.0, **dict.fromkeys(NAMES, 1.0)}
    tool = shutil.which("promtool") or ("/usr/bin/promtool" if Path("/usr/bin/promtool").exists() else None)
    if tool is not None:
        result = subprocess.run(
            [tool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=30
        )
        assert (result.returncode, result.stdout + result.stderr) == (0, b"")


# -- 3. the table: one line per row -------------------------------------------------------------------------


def test_the_table_keeps_one_line_per_row_and_prints_no_control_character_from_a_name(
    org: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§9 "escaped wherever they are rendered" × §2 ``--format table`` (one row per team and window, as JSON).

    By hand: 11 rows (``*`` and 10 teams, one window) → a heading line, a column-header line and 11 row
    lines = 13 lines, each row line starting with its team's rendering. MULTI's line feed printed raw
    makes its row two lines, the second beginning ``line2 "q"`` — a reader sees a twelfth team — and
    SEP's BEL (any C0 control, ESC included) goes raw to the terminal. Expected: 13 lines, no character
    below U+0020 but the line ends."""
    out, _ = cli(capsys, "metrics", "--config", str(org), "--format", "table", "--as-of", AS_OF_TEXT)
    lines = out.split("\n")
    assert lines[-1] == ""
    assert len(lines[:-1]) == 13, lines
    assert not [ch for ch in out if ch < " " and ch != "\n"]
    # Escaped as Python writes them: the line feed as \n, U+2028 as \u2028, BEL as \x07.
    assert any(line.startswith('line1\\nline2 "q" \\ {{7*7}} ${HOME}  ') for line in lines), lines
    assert any(line.startswith("sep\\u2028arator\\x07bell  ") for line in lines), lines


# -- 4. report file names: inside DIR, one file per team, the same with --team -----------------------------


def test_report_files_stay_inside_the_folder_one_distinct_page_per_team(
    org: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§2 ``report --out DIR [--team T]`` × §8.3 (index + one page per team, self-contained) × §9.

    ``report --out DIR`` writes exactly index.html, plotly.min.js and the 11 pages of PAGES (worked out in
    PAGES above: ``../../escape`` → team-escape.html, ``a/b`` → team-a-b.html, ``a\\b`` → team-a-b-3.html
    because ``a-b`` and the team ``a-b-2``'s name are taken first, ``Organisation`` → team-organisation-2,
    ``<>`` → team-team): 13 files, no sub-folder, nothing created anywhere else under tmp_path; the 11 file
    names are distinct (no two teams share a page); the index links each name, as text, to its file;
    each page's <h1> is exactly the team's name (U+2028 and BEL included; the "*" page says
    "Organisation", as its title; docs). The stdout lists the 13 paths, all inside DIR.
    (``report --team 'a\\b'`` writes the same team-a-b-3.html: see the secret test below.)"""
    before = tree(tmp_path)
    out_dir = tmp_path / "out" / "reports"
    printed, _ = cli(capsys, "report", "--config", str(org), "--out", str(out_dir))
    files = ["index.html", "plotly.min.js", *PAGES.values()]
    assert tree(tmp_path) - before == {"out", "out/reports", *(f"out/reports/{name}" for name in files)}
    assert len(set(PAGES.values())) == len(PAGES) == 11
    assert sorted(printed.splitlines()) == sorted(
        str(out_dir / name) for name in ["index.html", "plotly.min.js", *PAGES.values()]
    )
    links = Links((out_dir / "index.html").read_text(encoding="utf-8")).found
    assert {name: links[name] for name in NAMES} == {name: PAGES[name] for name in NAMES}
    for team, file_name in PAGES.items():
        heading = Heading((out_dir / file_name).read_text(encoding="utf-8")).h1
        assert heading == ["Organisation" if team == "*" else team], team


# -- 5. the daemon: traversal under basic auth, probes, and no secret anywhere ------------------------------


class FakeCollect:
    """The collector's stand-in: reads the tokens as a sync would (they are in play), no network."""

    def __call__(self, config: Config, engine: Engine, *, source: str, **kwargs: Any) -> CollectResult:
        for section in (config.github, config.pagerduty):
            if section is not None:
                assert section.token.value() in (GH_TOKEN, PD_TOKEN)
        return CollectResult()


@pytest.fixture(scope="module")
def daemon(org: Path) -> Iterator[Daemon]:
    """The daemon over the module's store, started on first use; the last test using it stops it."""
    config = load_config(org, environ=ENVIRON)
    started = Daemon(
        config,
        clock=lambda: AS_OF,
        collect_fn=FakeCollect(),
        build_fn=lambda config, engine, *, now: build_snapshot(config, engine, now=now, weeks=1),
    )  # no output_dir: the DuckDB file's folder holds reports/ and dashboards/, beside the config
    started.start(schedule=False)
    try:
        yield started
    finally:
        started.stop()


def get(
    daemon: Daemon, path: str, method: str = "GET", auth: bool = False
) -> tuple[int, dict[str, str], bytes]:
    assert daemon.server is not None
    headers = {}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    connection = http.client.HTTPConnection("127.0.0.1", daemon.server.port, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


TRAVERSALS = [
    "/reports/../doraspace.yaml",
    "/reports/%2e%2e/doraspace.yaml",
    "/reports/%2E%2E/store.duckdb",
    "/reports/.%2e/pd.token",
    "/reports/%2e%2e%2fdoraspace.yaml",
    "/reports/..%2fpd.token",
    "/dashboards/..%2fdoraspace.yaml",
    "/dashboards/..%2F..%2Fetc%2Fpasswd",
    "/dashboards/..%5cdoraspace.yaml",
    "/reports/%252e%252e/doraspace.yaml",
    "/reports//..//doraspace.yaml",
    "/reports/./../pd.token",
    "/reports/team-escape.html/../../doraspace.yaml",
    "/reports/%2e%2e/reports/../doraspace.yaml",
    "/reports/..%00/doraspace.yaml",
    "/reports/%2fetc%2fpasswd",
    "/reports/leak.html",  # a symlink inside reports/ to ../doraspace.yaml
    "/reports/linked/doraspace.yaml",  # a symlinked folder inside reports/ leading to the parent
    "/dashboards/../reports/../doraspace.yaml",
    "/%2e%2e/doraspace.yaml",
    "/doraspace.yaml",
    "/store.duckdb",
]


def test_traversal_never_serves_a_file_outside_its_folder_and_never_without_credentials(
    daemon: Daemon, org: Path
) -> None:
    """§8 (every path but the probes needs credentials) × docs (static folders: "Nothing outside the folder
    is reachable (``..``, symlinks leading out)") × the daemon's default layout (reports/ and dashboards/ in
    the DuckDB file's folder, beside doraspace.yaml, pd.token and store.duckdb).

    After one analytics run: without credentials every TRAVERSAL path answers 401 with the fixed body
    "authentication required\\n" (GET and HEAD); with them, none answers 200 or a redirect, and no body
    holds a byte of the config, the token file or the DuckDB file (markers ``database:``, the token,
    ``DUCK``). The same credentials fetch /reports/team-escape.html (200, <h1> ``../../escape``): the
    refusals are not a broken login. The probes answer exactly "ok\\n" without credentials, with nothing in
    the body but that; an encoded or dotted spelling of a probe (``/%68ealthz``) is another path: 401."""
    assert daemon.run_job("analytics")
    reports = org.parent / "reports"
    (reports / "leak.html").symlink_to(org)
    (reports / "linked").symlink_to(org.parent, target_is_directory=True)
    forbidden = (b"database:", GH_TOKEN.encode(), PD_TOKEN.encode(), b"DUCK", b"root:")
    for path in TRAVERSALS:
        for method in ("GET", "HEAD"):
            status, headers, body = get(daemon, path, method)
            assert status == 401, (path, method, status)
            assert body == (b"authentication required\n" if method == "GET" else b""), path
        status, headers, body = get(daemon, path, auth=True)
        assert status in (400, 403, 404), (path, status, headers.get("location"))
        assert not [marker for marker in forbidden if marker in body], path
    status, _, page = get(daemon, "/reports/team-escape.html", auth=True)
    assert status == 200 and Heading(page.decode()).h1 == [UP]
    for probe in ("/healthz", "/readyz"):
        status, headers, body = get(daemon, probe)
        assert (status, body, headers["content-type"]) == (200, b"ok\n", "text/plain; charset=utf-8")
        assert "set-cookie" not in headers and "location" not in headers
    for disguised in (
        "/%68ealthz",
        "/healthz%2f..%2freports/",
        "/readyz/..%2fmetrics",
        "/reports/../healthz",
    ):
        status, _, body = get(daemon, disguised)
        assert (status, body) == (401, b"authentication required\n"), disguised


def test_no_secret_in_any_command_output_log_served_answer_written_file_or_store_byte(
    daemon: Daemon, org: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """§3 secrets "never logged, never stored, never exported" × §7.3 (respondents kept only as an HMAC of
    their identifier) × §8 serving × §2 ``report --team`` × the hostile names.

    The GitHub token comes from $R9_GH_TOKEN, the PagerDuty token from ``token_file:`` and the respondent
    secret from $R9_SURVEY_SECRET; the fake collector reads both tokens (a sync's use). A ``long`` export
    identifies ten respondents by e-mail: five answer "Agree" (4) for the SQL team typed in upper case,
    five "Disagree" (2) for ``../../escape``. By hand (§7.4, min_group_size 5): SQL (4 − 1)/4 × 100 = 75.0,
    ``../../escape`` (2 − 1)/4 × 100 = 25.0, "*" mean 3 → 50.0, respondents 5, 5, 10; /metrics then has
    ``space_score{dimension="satisfaction",quarter="2026-Q2",team="x'; DROP TABLE deployments; --"} 75.0``
    (only ``\\``, ``"`` and line feeds escaped; none here).
    Checked for secrets: the daemon's log at DEBUG over a sync (which refreshes the snapshot and rewrites
    the reports); /metrics, /, /reports/ and every report page, /dashboards/ and every dashboard, served
    with credentials; ``survey import``, ``check-config`` (text log), ``metrics --format csv`` (JSON log),
    ``dashboards --out`` (text), ``report --out --team 'a\\b'`` (JSON) and ``survey scores`` (JSON), all
    in process with ``--debug``; then, with the daemon stopped, the bytes of every file under the store's
    folder (store.duckdb and any WAL, the served reports and dashboards) and of every file the commands
    wrote — the token file and the export themselves excepted. None holds a secret, its first or last 16
    characters, or a respondent's e-mail (or ``example.com``); the store's bytes do hold the stored service
    id verbatim, so a stored token would show. check-config says each token is "set" (docs: whether it can
    be read, never its value). ``dashboards --out`` writes exactly the 5 files it prints (3 boards, the
    provider file, an index), none naming a team; ``report --team 'a\\b'`` writes index.html,
    plotly.min.js and team-a-b-3.html, the name the full run gave it (docs: "names depend only on the
    teams given and their order, so the pages of one snapshot keep their names whichever subset is
    written")."""
    (tmp_path / "devex.yaml").write_text(DEFINITION, encoding="utf-8")
    export = tmp_path / "answers.csv"
    with export.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["respondent_id", "team", "submitted_at", "item_id", "answer"])
        for number, (team, answer) in enumerate([(SQL.upper(), "Agree")] * 5 + [(UP, "Disagree")] * 5):
            writer.writerow([f"person{number}@example.com", team, "2026-05-10T10:00:00", "s1", answer])
    args = ["--config", str(org), "--definition", str(tmp_path / "devex.yaml"), "--quarter", "2026-Q2"]
    imported = main(["survey", "import", str(export), *args, "--format", "long", "--debug"], now=AS_OF)
    captured = capsys.readouterr()
    assert imported == 0, captured.err
    outputs = [captured.out + captured.err]

    caplog.set_level(logging.DEBUG)
    assert daemon.run_job("pagerduty")
    served = []
    for path in ("/metrics", "/", "/reports/", "/dashboards/"):
        status, _, body = get(daemon, path, auth=True)
        assert status == 200, path
        served.append(body)
    for name in sorted(p.name for p in (org.parent / "reports").glob("*.html")):
        served.append(get(daemon, f"/reports/{name}", auth=True)[2])
    for name in sorted(p.name for p in (org.parent / "dashboards").iterdir()):
        served.append(get(daemon, f"/dashboards/{name}", auth=True)[2])
    assert len([body for body in served if b"<h1>" in body]) >= 12
    assert b'dora_deployments{team="x\'; DROP TABLE deployments; --",window="7d"} 1.0' in served[0]

    config = str(org)
    for log_format, argv in (
        ("text", ("check-config",)),
        ("json", ("metrics", "--format", "csv", "--as-of", AS_OF_TEXT)),
        ("text", ("dashboards", "--out", str(tmp_path / "boards"))),
        ("json", ("report", "--out", str(tmp_path / "reports"), "--team", BACK)),
        ("json", ("survey", "scores", "--format", "json")),
    ):
        status = main([*argv, "--config", config, "--debug", "--log-format", log_format], now=AS_OF)
        captured = capsys.readouterr()
        assert status == 0, (argv, captured.err)
        outputs.append(captured.out + captured.err)
    assert "github.token: set" in outputs[1] and "pagerduty.token: set" in outputs[1], outputs[1]
    single = tmp_path / "reports"
    assert tree(single) == {"index.html", "plotly.min.js", "team-a-b-3.html"}  # the full run's name for a\\b
    assert Heading((single / "team-a-b-3.html").read_text(encoding="utf-8")).h1 == [BACK]
    assert Links((single / "index.html").read_text(encoding="utf-8")).found.get(BACK) == "team-a-b-3.html"
    boards = tmp_path / "boards"
    listed = {line for line in outputs[3].splitlines() if line.startswith(str(tmp_path))}
    assert (
        listed == {str(path) for path in boards.iterdir()} and len(listed) == 5
    )  # 3 boards, provider, index
    assert not [n for n in (SQL, UP, SCRIPT) for p in boards.iterdir() if n in p.read_text(encoding="utf-8")]
    survey = outputs[5]
    rows = json.loads(survey[survey.index("[") :])  # --debug may log to stderr, after stdout here
    scores = {(row["team"], row["score"], row["respondents"]) for row in rows}
    assert scores == {("*", 50.0, 10), (SQL, 75.0, 5), (UP, 25.0, 5)}

    daemon.stop()
    written = [*org.parent.rglob("*"), *tmp_path.rglob("*")]
    files = b"".join(
        path.read_bytes()
        for path in sorted(written)
        if path.is_file() and path.name not in ("pd.token", "answers.csv")
    )
    everything = "\n".join(
        [
            *(record.getMessage() for record in caplog.records),
            *outputs,
            *(b.decode("utf-8", "replace") for b in served),
        ]
    )
    assert SQL_SERVICE.encode() in files  # stored text is in the file as written: a stored token would be
    for secret in (*SECRETS, "person0@example.com", "example.com"):
        for piece in (secret, secret[:16], secret[-16:]):
            assert piece not in everything, piece
            assert piece.encode() not in files, piece
