"""Audit, round 6: the generated Grafana dashboards against the Prometheus exposition of the same
configuration, where a configuration rule (§3 ``metrics.windows``, ``metrics.benchmarks``) meets a serving
rule (§8.1 names, labels and units, §8.2 variables and band thresholds, §6.3 band edges).

No Prometheus and no Grafana run here: the dashboards are written by ``doraspace dashboards --config``
(in process) and parsed as JSON; the exposition is the ``/metrics`` body ``Exposition`` renders over the
snapshot ``build_snapshot`` computes from facts written with ``tests/analytics/facts.py``. Queries are
checked structurally: each selector ``name{label="value",…}`` of each panel, with Grafana's variables
substituted, is matched against the served samples (a query joined with ``or`` answers when any of its
selectors does, any other query when all of them do).

Earlier rounds cover: thresholds against ``analytics.benchmarks.bands`` (test_grafana.py), metric names
only (test_grafana.py), ``*ops`` in the team variable (test_audit_round5_outputs.py), bands from the
longest window in JSON/metrics/reports (test_audit_outputs.py, test_output_pairs.py). New here: the
configured windows (14d/60d, or a single 30d) as the window variable's values and in every windowed query;
band thresholds written from SPEC §6.3's words for the *configured* set, in the served units, on the
panels the CLI writes; the stat colour of each served band-window value against the served ``dora_band``;
every label a query filters on and every override name against the served label values; the team
variable's regex under JavaScript's semantics for names with regex-special characters and line terminators.

June 2026: ``d(m, day, hour)`` is 2026-<m>-<day> <hour>:00 UTC; as_of is 2026-06-30 00:00 UTC. Windows
ending then: 14d = (06-16, 06-30], 30d = (05-31, 06-30], 60d = (05-01, 06-30].

The facts (one store, read under two configurations):

* ``ALPHA`` (a name full of regex syntax) owns acme/alpha and PagerDuty service PA, headcount 8.
  F0 04-01 (first, before every window). D1…D10 at 12:00 on 05-10, 05-15, 05-20, 05-25, 06-01, 06-05,
  06-18, 06-21, 06-24, 06-27, each shipping one commit ``a<k>`` authored 1 h before → every lead time 1 h.
  D10's commit is the squash commit of PR 10 (first commit 11:00, opened 11:15, reviewed by bob 11:30,
  merged 11:45) → coding = pickup = review = deploy = 0.25 h = 900 s, its lead time still 1 h.
  I1 (PA) 05-15 12:10 → 12:30 names ``a2`` → D2 failed (explicit), recovered 0.5 h; TTR 1/3 h.
  I2 (PA) 06-01 12:15 → 13:00 names ``a5`` → D5 failed, recovered 1 h; TTR 0.75 h.
  I3 (PA) 06-24 12:30 → 15:00 names ``a9`` → D9 failed, recovered 3 h; TTR 2.5 h.
  No deployment falls inside an open incident: rework 0.
  Five survey respondents in 2026-Q2 (item s1, satisfaction, answer 4).
* ``BETA`` owns acme/beta: F0 04-01; B1 05-20 12:00 ships b1 authored 10:00 → lead 2 h. Nothing else.
* ``GAMMA`` owns acme/gamma and PG: F0 04-01; G1 06-20 12:00 ships g1 authored 05-21 12:00 → lead
  30 days = 720 h. IG (PG) 06-01 00:00 → 06-08 00:00 (TTR 168 h = 1 week), linked to nothing, long after
  F0 and before G1 → fails nothing and reworks nothing.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from analytics.dora import TeamWindowMetrics
from analytics.snapshot import Snapshot
from collector.models import RepositoryFact
from collector.writer import write_repositories
from dashboards.exporter import Exposition, Health
from dashboards.words import BAND_COLOURS
from doraspace.cli import main
from doraspace.config import load_config
from doraspace.pipeline import build_snapshot
from tests.analytics.facts import Facts, Review, add_incident, sha
from tests.analytics.test_space import Survey

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
HOUR = 3600.0
DAY = 24 * HOUR
ALPHA = "^alpha.(ops)|[core]+?$"
BETA = "beta"
GAMMA = "gamma"
REPOS = {ALPHA: "acme/alpha", BETA: "acme/beta", GAMMA: "acme/gamma"}
QUARTER = "2026-Q2"
KEYS = ("deployment_frequency", "lead_time", "change_failure_rate", "recovery")
TEAM_FILE, OVERVIEW_FILE, SPACE_FILE = (
    "doraspace-team.json",
    "doraspace-overview.json",
    "doraspace-space.json",
)
HEALTH = Health(
    up=True,
    last_sync={"github": AS_OF - timedelta(minutes=5), "pagerduty": AS_OF - timedelta(minutes=7)},
    sync_errors={"github": 0, "pagerduty": 1},
    sources=("github", "pagerduty", "analytics"),
    github_rate_limit_remaining=4999,
)


def d(month: int, day: int, hour: float = 0) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC) + timedelta(hours=hour)


# -- the store, the two configurations and what each serves -------------------------------------------


def write_facts(facts: Facts) -> None:
    """The facts of the module docstring."""
    with facts.engine.begin() as conn:
        write_repositories(conn, [RepositoryFact(repo, "main") for repo in REPOS.values()], {}, AS_OF)
    for repo in REPOS.values():
        facts.deployment(d(4, 1), compare="first", sha=sha(f"first-{repo}"), repo=repo)
    alpha = REPOS[ALPHA]
    days = [(5, 10), (5, 15), (5, 20), (5, 25), (6, 1), (6, 5), (6, 18), (6, 21), (6, 24), (6, 27)]
    for k, (month, day) in enumerate(days, start=1):
        deployed = d(month, day, 12)
        commit = facts.commit(sha(f"a{k}"), deployed - timedelta(hours=1), repo=alpha)
        if k == 10:
            facts.pull_request(
                10,
                created_at=deployed - timedelta(minutes=45),
                merged_at=deployed - timedelta(minutes=15),
                merge_commit_sha=commit,
                commit_dates=[deployed - timedelta(hours=1)],
                reviews=[Review("bob", deployed - timedelta(minutes=30))],
                author="alice",
                repo=alpha,
            )
        facts.deployment(deployed, ships=[commit], repo=alpha)
    for name, k, start, end in (
        ("I1", 2, d(5, 15, 12 + 10 / 60), d(5, 15, 12.5)),
        ("I2", 5, d(6, 1, 12.25), d(6, 1, 13)),
        ("I3", 9, d(6, 24, 12.5), d(6, 24, 15)),
    ):
        add_incident(
            facts,
            name,
            start,
            resolved_at=end,
            service="PA",
            title=f"errors, root cause: {sha(f'a{k}')[:12]}",
        )
    b1 = facts.commit(sha("b1"), d(5, 20, 10), repo=REPOS[BETA])
    facts.deployment(d(5, 20, 12), ships=[b1], repo=REPOS[BETA])
    g1 = facts.commit(sha("g1"), d(5, 21, 12), repo=REPOS[GAMMA])
    facts.deployment(d(6, 20, 12), ships=[g1], repo=REPOS[GAMMA])
    add_incident(facts, "IG", d(6, 1), resolved_at=d(6, 8), service="PG", title="slow search")
    survey = Survey(facts.engine)
    survey.item(QUARTER, "s1", "satisfaction")
    for _ in range(5):
        survey.respond(QUARTER, ALPHA, {"s1": 4})


def write_config(path: Path, windows: Sequence[str], benchmarks: str) -> Path:
    teams = [
        {"name": ALPHA, "repositories": [REPOS[ALPHA]], "pagerduty_services": ["PA"], "headcount": 8},
        {"name": BETA, "repositories": [REPOS[BETA]]},
        {"name": GAMMA, "repositories": [REPOS[GAMMA]], "pagerduty_services": ["PG"]},
    ]
    # JSON is YAML: the names reach the config exactly as written.
    path.write_text(
        'database:\n  url: "duckdb:///:memory:"\n'
        f"teams: {json.dumps(teams)}\n"
        f"metrics:\n  windows: {json.dumps(list(windows))}\n  benchmarks: {benchmarks}\n"
        "incidents:\n  attribution_window: 24h\n"
        "surveys:\n  min_group_size: 5\n",
        encoding="utf-8",
    )
    return path


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class Served:
    """One configuration: the dashboards its CLI writes and the samples its snapshot serves."""

    windows: tuple[str, ...]
    benchmarks: str
    boards: dict[str, dict[str, Any]]
    samples: list[Sample]

    def find(self, name: str, **labels: str) -> list[Sample]:
        return [
            s for s in self.samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        ]

    def value(self, name: str, **labels: str) -> float | None:
        found = self.find(name, **labels)
        assert len(found) <= 1, (name, labels)
        return found[0].value if found else None


def serve(tmp: Path, facts: Facts, windows: Sequence[str], benchmarks: str) -> Served:
    config_path = write_config(tmp / f"{benchmarks}.yaml", windows, benchmarks)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["dashboards", "--config", str(config_path), "--out", str(tmp / benchmarks)], now=AS_OF)
    assert status == 0, err.getvalue()
    boards = {
        name: json.loads((tmp / benchmarks / name).read_text(encoding="utf-8"))
        for name in (TEAM_FILE, OVERVIEW_FILE, SPACE_FILE)
    }
    config = load_config(config_path, environ={})
    snapshot = build_snapshot(config, facts.engine, now=AS_OF, as_of=AS_OF, weeks=1)
    exposition = Exposition(health=lambda: HEALTH, clock=lambda: AS_OF + timedelta(seconds=42))
    exposition.update(snapshot)
    samples = [
        Sample(sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(exposition.render().decode("utf-8"))
        for sample in family.samples
    ]
    return Served(tuple(windows), benchmarks, boards, samples)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Served]]:
    """``A``: windows [14d, 60d] with dora-2021; ``B``: the single window [30d] with dora-2023."""
    tmp = tmp_path_factory.mktemp("round6_dashboards")
    facts = Facts.in_memory()
    try:
        write_facts(facts)
        yield {
            "A": serve(tmp, facts, ["14d", "60d"], "dora-2021"),
            "B": serve(tmp, facts, ["30d"], "dora-2023"),
        }
    finally:
        facts.engine.dispose()


# -- reading dashboards and queries ---------------------------------------------------------------------


def panels_of(board: Mapping[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for panel in board["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return [panel for panel in found if panel["type"] != "row"]


def variable(board: Mapping[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [v for v in board["templating"]["list"] if v["name"] == name]
    assert len(found) == 1, name
    return found[0]


BUILT_INS = {"__range": "1h", "__interval": "1s", "__rate_interval": "1m"}


def substitute(expr: str, variables: Mapping[str, str]) -> str:
    """``$name`` / ``${name}`` replaced as Grafana interpolates a single value (no re-scan of the value)."""
    values = {**BUILT_INS, **variables}

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        assert name in values, f"{expr}: unknown variable {name}"
        return values[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, expr)


FAMILY = re.compile(r"\b((?:dora|doraspace|space)_\w+)(\{[^}]*\})?")
MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class Selector:
    name: str
    matchers: tuple[tuple[str, str, str], ...]  # (label, operator, value)


def selectors(expr: str) -> list[Selector]:
    found = []
    for match in FAMILY.finditer(expr):
        body = match.group(2) or "{}"
        matchers = tuple(
            (label, op, value.replace('\\"', '"').replace("\\\\", "\\"))
            for label, op, value in MATCHER.findall(body)
        )
        assert len(matchers) == body.count("="), expr  # every matcher understood
        found.append(Selector(match.group(1), matchers))
    assert found, expr
    return found


def matching(served: Served, selector: Selector) -> list[Sample]:
    def keeps(sample: Sample) -> bool:
        for label, op, value in selector.matchers:
            have = sample.labels.get(label, "")
            if (op == "=" and have != value) or (op == "!=" and have == value):
                return False
            if op in ("=~", "!~"):
                raise AssertionError(f"regex matcher on {label}: {selector}")
        return True

    return [sample for sample in served.samples if sample.name == selector.name and keeps(sample)]


def answers(served: Served, expr: str) -> bool:
    """Whether ``expr`` (variables substituted) returns data: any selector for an ``or``, else all."""
    found = [bool(matching(served, selector)) for selector in selectors(expr)]
    return any(found) if " or " in expr else all(found)


def targets(board: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(panel["title"], target["expr"]) for panel in panels_of(board) for target in panel["targets"]]


# -- JavaScript regular expressions (Grafana filters variable values with `new RegExp(body, flags)`) ----

LINE_TERMINATORS = "\n\r\u2028\u2029"


def js_keeps(regex: str, value: str) -> bool:
    """Whether Grafana keeps ``value`` under the variable regex ``/body/flags``: ``regex.exec(value)``
    finds a match. ECMAScript semantics, translated for the constructs used here: ``.`` matches anything
    but a line terminator (\\n, \\r, U+2028, U+2029) unless flag ``s``; ``^``/``$`` match only at the
    start/end of the input unless flag ``m``."""
    match = re.fullmatch(r"/(.*)/([gimsuy]*)", regex, re.S)
    assert match, regex
    body, flags = match.groups()
    dot = r"[\s\S]" if "s" in flags else f"[^{LINE_TERMINATORS}]"
    start = rf"(?:\A|(?<=[{LINE_TERMINATORS}]))" if "m" in flags else r"\A"
    end = rf"(?=[{LINE_TERMINATORS}]|\Z)" if "m" in flags else r"\Z"
    out, i, in_class = [], 0, False
    while i < len(body):
        char = body[i]
        if char == "\\":
            out.append(body[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
        elif char == ".":
            out.append(dot)
        elif char == "^":
            out.append(start)
        elif char == "$":
            out.append(end)
        else:
            out.append(char)
        i += 1
    return re.search("".join(out), value, re.I if "i" in flags else 0) is not None


def test_the_javascript_regex_emulation_itself() -> None:
    """The helper above, on cases whose JavaScript results are fixed by ECMAScript: ``/^a.c$/`` does not
    match "a\\nc" nor "a\\u2028c" (``.`` stops at line terminators) but ``/^a.c$/s`` does; ``/^b$/`` does not
    match "a\\nb" (``^`` only at the start) but ``/^b$/m`` does; ``/^[.]$/`` matches "." only."""
    assert js_keeps("/^a.c$/", "abc") and not js_keeps("/^a.c$/", "a\nc")
    assert not js_keeps("/^a.c$/", "a\u2028c") and not js_keeps("/^a.c$/", "a\rc")
    assert js_keeps("/^a.c$/s", "a\nc") and js_keeps("/^a.c$/s", "a\u2028c")
    assert not js_keeps("/^b$/", "a\nb") and js_keeps("/^b$/m", "a\nb")
    assert js_keeps("/^[.]$/", ".") and not js_keeps("/^[.]$/", "x")


# -- 1. configured windows: the window variable and every windowed query -----------------------------------


@pytest.mark.parametrize("config", ["A", "B"])
def test_window_variable_offers_exactly_the_configured_windows_and_every_query_answers_in_each(
    served: dict[str, Served], config: str
) -> None:
    """§3 ``metrics.windows`` × §8.1 ``window`` label × §8.2 ``$window``. A serves [14d, 60d], B only [30d].

    The exposition labels every windowed family with exactly the configured windows (no 7d/30d/90d of the
    defaults), and ``dora_deployments`` exists for every team in every window — BETA has 0 deployments in
    14d and 30d, a count, so a number (0), not an absent series (§6: "Counts are numbers"). So the window
    variable (``label_values(dora_deployments, window)``, numerical sort) offers A: 14d, 60d; B: 30d. The
    team variable offers ALPHA, BETA, GAMMA (not ``*``).

    With ``$team`` = ALPHA (every metric measured in every window: recovery 3 h in 14d, 2 h in 30d, 1 h in
    60d; breakdown 900 s per stage; SPACE rows in 2026-Q2) every query of the team, overview and SPACE
    dashboards returns data in every served window. BETA in 14d (A): deployments 0, frequency 0, incidents
    0 answer; lead time, change failure, rework, recovery and restore have nothing to measure → absent
    ("No data"), exactly those."""
    s = served[config]
    windowed = {sample.labels["window"] for sample in s.samples if "window" in sample.labels}
    assert windowed == set(s.windows)
    for team in ("*", ALPHA, BETA, GAMMA):
        for window in s.windows:
            assert s.value("dora_deployments", team=team, window=window) is not None, (team, window)
    team_board = s.boards[TEAM_FILE]
    for board in (team_board, s.boards[OVERVIEW_FILE]):
        window_var = variable(board, "window")
        assert window_var["query"] == "label_values(dora_deployments, window)"
        offered = sorted(
            {
                x.labels["window"]
                for x in s.find("dora_deployments")
                if js_keeps(window_var["regex"] or "//", x.labels["window"])
            },
            key=lambda w: int(re.match(r"\d+", w).group()),  # type: ignore[union-attr]
        )
        assert offered == list(s.windows)
    team_var = variable(team_board, "team")
    assert team_var["query"] == "label_values(dora_deployments, team)"
    offered_teams = sorted(
        {
            x.labels["team"]
            for x in s.find("dora_deployments")
            if js_keeps(team_var["regex"], x.labels["team"])
        }
    )
    assert offered_teams == sorted([ALPHA, BETA, GAMMA])

    for window in s.windows:
        variables = {"team": ALPHA, "window": window, "quarter": QUARTER}
        silent = [
            (name, title, expr)
            for name in (TEAM_FILE, OVERVIEW_FILE, SPACE_FILE)
            for title, expr in targets(s.boards[name])
            if not answers(s, substitute(expr, variables))
        ]
        assert silent == [], window
    if config == "A":
        variables = {"team": BETA, "window": "14d"}
        stats = {
            panel["title"]: answers(s, substitute(panel["targets"][0]["expr"], variables))
            for panel in panels_of(team_board)
            if panel["type"] == "stat" and "Bands" not in panel["title"]
        }
        assert stats == {
            "Deployment frequency": True,
            "Lead time for changes (p50)": False,
            "Change failure rate": False,
            "Failed deployment recovery (p50)": False,
            "Deployments": True,
            "Lead time (p90)": False,
            "Rework rate": False,
            "Incidents": True,
            "Time to restore (p50)": False,
            "Time to restore (p90)": False,
        }
        assert s.value("dora_deployments", team=BETA, window="14d") == 0.0
        assert s.value("dora_deployment_frequency_per_day", team=BETA, window="14d") == 0.0


# -- 2. the configured benchmark set: thresholds from SPEC §6.3's words, in the served units --------------

# SPEC §6.3, written out by hand in the exporter's units (§8.1): per day, seconds, ratio 0–1.
# Higher is better for frequency ("≥"); lower is better for the others ("<", or "≤" for CFR).
SPEC_LIMITS: dict[str, dict[str, list[tuple[str, float]]]] = {
    "dora-2023": {
        "deployment_frequency": [("elite", 1.0), ("high", 1 / 7), ("medium", 1 / 30)],
        "lead_time": [("elite", 1 * DAY), ("high", 7 * DAY), ("medium", 30 * DAY)],
        "change_failure_rate": [("elite", 0.05), ("high", 0.10), ("medium", 0.15)],
        "recovery": [("elite", 1 * HOUR), ("high", 1 * DAY), ("medium", 7 * DAY)],
    },
    "dora-2021": {
        "deployment_frequency": [("elite", 1.0), ("high", 1 / 30), ("medium", 1 / 182)],
        "lead_time": [("elite", 1 * HOUR), ("high", 7 * DAY), ("medium", 182 * DAY)],
        "change_failure_rate": [("elite", 0.15), ("high", 0.30)],  # no medium: 16–30 % is high
        "recovery": [("elite", 1 * HOUR), ("high", 1 * DAY), ("medium", 7 * DAY)],
    },
}


def spec_band(benchmarks: str, key: str, value: float) -> str:
    """The band SPEC §6.3 gives ``value`` (served units), checked from the best band down."""
    for band, limit in SPEC_LIMITS[benchmarks][key]:
        if key == "deployment_frequency" and value >= limit:
            return band
        if key == "change_failure_rate" and value <= limit:
            return band
        if key in ("lead_time", "recovery") and value < limit:
            return band
    return "low"


def grafana_colour(thresholds: Mapping[str, Any], value: float) -> str:
    """Grafana's rule: the colour of the last step whose value is ≤ the value (the first is the base)."""
    assert thresholds["mode"] == "absolute"
    steps = thresholds["steps"]
    assert steps[0]["value"] is None
    colour: str = steps[0]["color"]
    for step in steps[1:]:
        if value >= step["value"]:
            colour = step["color"]
    return colour


STAT_TITLES = {
    "deployment_frequency": "Deployment frequency",
    "lead_time": "Lead time for changes (p50)",
    "change_failure_rate": "Change failure rate",
    "recovery": "Failed deployment recovery (p50)",
}
TABLE_COLUMNS = dict(zip(KEYS, ("Value #A", "Value #B", "Value #C", "Value #D"), strict=True))
SERVED_UNITS = {
    "deployment_frequency": "suffix:/day",
    "lead_time": "s",
    "change_failure_rate": "percentunit",
    "recovery": "s",
}


def key_thresholds_on_panels(
    boards: Mapping[str, Mapping[str, Any]],
) -> list[tuple[str, str, dict[str, Any], str]]:
    """(where, key, thresholds, unit) for every coloured key: the team and organisation stats and the
    overview's per-team table columns."""
    found = []
    for name in (TEAM_FILE, OVERVIEW_FILE):
        for panel in panels_of(boards[name]):
            for key, title in STAT_TITLES.items():
                if panel["type"] == "stat" and panel["title"] == title:
                    defaults = panel["fieldConfig"]["defaults"]
                    found.append((f"{name}: {title}", key, defaults["thresholds"], defaults["unit"]))
    (table,) = [p for p in panels_of(boards[OVERVIEW_FILE]) if p["title"] == "Four keys per team"]
    for override in table["fieldConfig"]["overrides"]:
        for key, column in TABLE_COLUMNS.items():
            if override["matcher"]["options"] == column:
                props = {prop["id"]: prop["value"] for prop in override["properties"]}
                found.append((f"table {column}", key, props["thresholds"], props["unit"]))
    return found


def probes(limits: list[tuple[str, float]]) -> list[float]:
    values = [0.0, 1e12]
    for _, limit in limits:
        values += [
            math.nextafter(limit, -math.inf),
            limit,
            math.nextafter(limit, math.inf),
            limit / 2,
            limit * 1.5,
        ]
    return values


@pytest.mark.parametrize("config", ["A", "B"])
def test_thresholds_written_for_the_configured_set_equal_spec_band_edges_in_served_units(
    served: dict[str, Served], config: str
) -> None:
    """§3 ``metrics.benchmarks`` × §6.3 × §8.1 units × §8.2 "stat panels with band thresholds". A is
    configured dora-2021, B dora-2023; ``doraspace dashboards --config`` writes each set's thresholds.

    Each coloured key — 4 stats on the team dashboard, 4 organisation stats and 4 table columns on the
    overview (12 places) — is in the served unit (per day, "s" for seconds, "percentunit" for a 0–1
    ratio) and colours every probe value as SPEC's table does, written out by hand above: at each limit,
    one double either side, half and 1.5 × it, 0 and 10¹². E.g. dora-2021: 1/182 per day (0.005494…) is
    medium and the double below it low; a lead time of exactly 3600 s is high ("< 1 hour" is elite);
    15 % (0.15, not 15) is elite and the next double high; 30 % is high and the next double low; 182 days
    = 15 724 800 s is low. dora-2023: 1/7 per day is high; 86 400 s lead time is high; 5 % elite, 15 %
    medium; 604 800 s recovery low. dora-2021's change failure rate never shows the medium colour (three
    bands only: SPEC "bands change failure rate as elite, high or low only")."""
    s = served[config]
    places = key_thresholds_on_panels(s.boards)
    assert len(places) == 12
    for where, key, thresholds, unit in places:
        assert unit == SERVED_UNITS[key], where
        for value in probes(SPEC_LIMITS[s.benchmarks][key]):
            expected = BAND_COLOURS[spec_band(s.benchmarks, key, value)]
            assert grafana_colour(thresholds, value) == expected, (s.benchmarks, where, value)
        if s.benchmarks == "dora-2021" and key == "change_failure_rate":
            assert BAND_COLOURS["medium"] not in {step["color"] for step in thresholds["steps"]}, where
    assert all(board["schemaVersion"] >= 39 for board in s.boards.values())


# -- 3. the stat colour of each served band-window value against the served dora_band -------------------

# By hand (module docstring), the band-window values each team serves and SPEC's band for each.
# A (dora-2021, bands from 60d, the longest):
#   ALPHA 60d: 10/60 = 1/6 per day (≥ 1/30, < 1) high; lead p50 1 h = 3600 s (not < 1 h, < 1 week) high;
#     CFR 3/10 = 0.3 (≤ 30 %) high; recovery p50 of [0.5, 1, 3] h = 1 h (not < 1 h, < 1 day) high.
#   BETA 60d: 1/60 (≥ 1/182, < 1/30) medium; lead 2 h high; CFR 0/1 = 0 elite; no recovery, no
#     restore → null (no dora_band series, no recovery/restore series).
#   GAMMA 60d: 1/60 medium; lead 720 h (not < 1 week, < 182 days) medium; CFR 0 elite; no recovered
#     failure → time to restore 168 h (not < 1 week) low.
#   "*" 60d: 12/60 = 0.2 high; leads [1 ×10, 2, 720] → p50 1 h high; CFR 3/12 = 0.25 high; recovery 1 h
#     high.
# B (dora-2023, the single window 30d):
#   ALPHA 30d: D5…D10 → 6/30 = 0.2 (≥ 1/7) high; lead 1 h elite; CFR 2/6 (> 15 %) low; recovery [1, 3]
#     → 2 h high.
#   BETA 30d: 0 deployments → 0 per day low; the rest null.
#   GAMMA 30d: 1/30 (exactly "1 / month") medium; lead 720 h = 2 592 000 s (not < 30 days) low; CFR 0
#     elite; restore 168 h = 604 800 s (not < 1 week) low.
#   "*" 30d: 7/30 high; leads [1 ×6, 720] → 1 h elite; CFR 2/7 low; recovery 2 h high.
BAND_WINDOW_VALUES: dict[str, dict[str, dict[str, float | None]]] = {
    "A": {
        ALPHA: {
            "deployment_frequency": 10 / 60,
            "lead_time": HOUR,
            "change_failure_rate": 0.3,
            "recovery": HOUR,
        },
        BETA: {
            "deployment_frequency": 1 / 60,
            "lead_time": 2 * HOUR,
            "change_failure_rate": 0.0,
            "recovery": None,
        },
        GAMMA: {
            "deployment_frequency": 1 / 60,
            "lead_time": 720 * HOUR,
            "change_failure_rate": 0.0,
            "recovery": 7 * DAY,
        },
        "*": {"deployment_frequency": 0.2, "lead_time": HOUR, "change_failure_rate": 0.25, "recovery": HOUR},
    },
    "B": {
        ALPHA: {
            "deployment_frequency": 0.2,
            "lead_time": HOUR,
            "change_failure_rate": 1 / 3,
            "recovery": 2 * HOUR,
        },
        BETA: {"deployment_frequency": 0.0, "lead_time": None, "change_failure_rate": None, "recovery": None},
        GAMMA: {
            "deployment_frequency": 1 / 30,
            "lead_time": 30 * DAY,
            "change_failure_rate": 0.0,
            "recovery": 7 * DAY,
        },
        "*": {
            "deployment_frequency": 7 / 30,
            "lead_time": HOUR,
            "change_failure_rate": 2 / 7,
            "recovery": 2 * HOUR,
        },
    },
}
BAND_WINDOW_BANDS: dict[str, dict[str, dict[str, str | None]]] = {
    "A": {
        ALPHA: dict.fromkeys(KEYS, "high"),
        BETA: {
            "deployment_frequency": "medium",
            "lead_time": "high",
            "change_failure_rate": "elite",
            "recovery": None,
        },
        GAMMA: {
            "deployment_frequency": "medium",
            "lead_time": "medium",
            "change_failure_rate": "elite",
            "recovery": "low",
        },
        "*": dict.fromkeys(KEYS, "high"),
    },
    "B": {
        ALPHA: {
            "deployment_frequency": "high",
            "lead_time": "elite",
            "change_failure_rate": "low",
            "recovery": "high",
        },
        BETA: {
            "deployment_frequency": "low",
            "lead_time": None,
            "change_failure_rate": None,
            "recovery": None,
        },
        GAMMA: {
            "deployment_frequency": "medium",
            "lead_time": "low",
            "change_failure_rate": "elite",
            "recovery": "low",
        },
        "*": {
            "deployment_frequency": "high",
            "lead_time": "elite",
            "change_failure_rate": "low",
            "recovery": "high",
        },
    },
}


def stat_value(s: Served, panel: Mapping[str, Any], team: str, window: str) -> float | None:
    """The value the stat shows: its query's first answering selector (``recovery or restore``: the
    recovery series wins where it exists, §6.3's fallback)."""
    expr = substitute(panel["targets"][0]["expr"], {"team": team, "window": window})
    for selector in selectors(expr):
        found = matching(s, selector)
        if found:
            (sample,) = found
            return sample.value
    return None


@pytest.mark.parametrize("config", ["A", "B"])
def test_stat_colours_of_the_band_window_equal_the_served_dora_band_on_band_edges(
    served: dict[str, Served], config: str
) -> None:
    """§3 windows and benchmarks × §6.3 bands from the 90-day window "or the longest configured" × §8.1
    ``dora_band`` × §8.2 stats coloured by band thresholds. Neither configuration has a 90d window, so the
    bands come from 60d (A) and 30d (B). With ``$window`` set to that window, each key's stat (the team
    dashboard for a team, the overview's organisation stats for ``*``) shows the served value of the table
    above and its threshold colour is the colour of the band ``dora_band`` serves as 1 — which is SPEC's
    band worked out by hand, most of them exactly on an edge (A: 1 h lead, 30 % CFR and 1 h recovery all
    high under dora-2021; B: 1/30 per day medium, 30 days of lead time and 1 week of restore low). A null
    metric has neither a value nor a ``dora_band`` series (BETA's recovery in A; BETA's all but frequency
    in B); ``dora_band`` carries no ``window`` label."""
    s = served[config]
    (band_window,) = [w for w in s.windows if w in ("60d", "30d")]
    assert not any("window" in x.labels for x in s.find("dora_band"))
    for team, values in BAND_WINDOW_VALUES[config].items():
        board = s.boards[OVERVIEW_FILE if team == "*" else TEAM_FILE]
        stats = {p["title"]: p for p in panels_of(board) if p["type"] == "stat"}
        for key in KEYS:
            panel = stats[STAT_TITLES[key]]
            shown = stat_value(s, panel, team, band_window)
            want = values[key]
            band = BAND_WINDOW_BANDS[config][team][key]
            served_bands = {
                x.labels["band"] for x in s.find("dora_band", team=team, metric=key) if x.value == 1.0
            }
            if want is None:
                assert shown is None and band is None and served_bands == set(), (team, key)
                assert s.find("dora_band", team=team, metric=key) == [], (team, key)
                continue
            assert shown is not None and shown == pytest.approx(want, rel=1e-12), (team, key)
            assert band is not None and spec_band(s.benchmarks, key, want) == band, (team, key)
            assert served_bands == {band}, (team, key)
            colour = grafana_colour(panel["fieldConfig"]["defaults"]["thresholds"], shown)
            assert colour == BAND_COLOURS[band], (config, team, key, shown)


# -- 4. every selector, label and override name against what is served -----------------------------------


def test_every_selector_filters_on_labels_its_family_carries_with_values_it_serves(
    served: dict[str, Served],
) -> None:
    """§8.1 names and labels × §8.2 queries, for configuration A (windows 14d/60d, dora-2021, a SPACE
    quarter). For each of the three dashboards and every selector in every query, with ``$team`` = ALPHA,
    ``$window`` = each of 14d and 60d and ``$quarter`` = 2026-Q2:
      * the family is served (SPEC §8.1's names, ``dora_lead_time_breakdown_seconds`` included);
      * every label a matcher names is carried by every sample of the family (``window`` never on
        ``dora_band`` nor on ``space_*``; ``percentile`` not ``quantile``);
      * every ``=`` value is one the family serves for that label: percentile "50"/"90", the four stages,
        the four band names, the configured windows, the quarter;
      * team matchers are exact (``=``/``!=``, never ``=~``): a team name full of regex syntax cannot widen
        a match, and with ``$team`` = ALPHA every sample a selector matches is ALPHA's or ``*``'s.
    And the fields Grafana matches by name: the overview's band-table columns, the team "Bands" stat's
    overrides (from ``{{metric}}``) and the band mapping scores name exactly the served ``metric`` values
    and one score per served ``band`` value (4 elite … 1 low)."""
    s = served["A"]
    families: dict[str, list[Sample]] = {}
    for sample in s.samples:
        families.setdefault(sample.name, []).append(sample)
    for window in s.windows:
        variables = {"team": ALPHA, "window": window, "quarter": QUARTER}
        for name in (TEAM_FILE, OVERVIEW_FILE, SPACE_FILE):
            for title, expr in targets(s.boards[name]):
                for selector in selectors(substitute(expr, variables)):
                    family = families.get(selector.name)
                    assert family, (name, title, selector.name)
                    for label, op, value in selector.matchers:
                        assert all(label in x.labels for x in family), (name, title, selector.name, label)
                        if label == "team":
                            assert op in ("=", "!="), (name, title, selector)
                        if op == "=":
                            assert value in {x.labels[label] for x in family}, (name, title, selector, label)
                    for sample in matching(s, selector):
                        assert sample.labels.get("team", "*") in (ALPHA, "*", BETA, GAMMA), selector
                        if ("team", "=", ALPHA) in selector.matchers:
                            assert sample.labels["team"] == ALPHA
    served_metrics = {x.labels["metric"] for x in s.find("dora_band")}
    assert served_metrics == set(KEYS)
    (bands_table,) = [
        p for p in panels_of(s.boards[OVERVIEW_FILE]) if p["title"].startswith("Bands per team")
    ]
    column_names = {o["matcher"]["options"] for o in bands_table["fieldConfig"]["overrides"]} - {
        "team\\metric"
    }
    assert column_names == served_metrics
    (band_stat,) = [p for p in panels_of(s.boards[TEAM_FILE]) if p["title"].startswith("Bands")]
    assert band_stat["targets"][0]["legendFormat"] == "{{metric}}"
    assert {o["matcher"]["options"] for o in band_stat["fieldConfig"]["overrides"]} == served_metrics
    (mapping,) = band_stat["fieldConfig"]["defaults"]["mappings"]
    assert {option["text"].lower(): score for score, option in mapping["options"].items()} == {
        "elite": "4",
        "high": "3",
        "medium": "2",
        "low": "1",
    }
    assert {x.labels["band"] for x in s.find("dora_band")} == {"elite", "high", "medium", "low"}
    for band, score in (("elite", "4"), ("high", "3"), ("medium", "2"), ("low", "1")):
        assert f'band="{band}"' in band_stat["targets"][0]["expr"]
        assert mapping["options"][score]["color"] == BAND_COLOURS[band]


def test_every_panel_unit_is_the_unit_of_the_families_it_shows(served: dict[str, Served]) -> None:
    """§8.1 "Durations are in seconds … ratios are 0–1" × §8.2 panels: a panel (or a table column) is
    set in the unit of every family its queries read: ``*_seconds`` (and ``time() - …_timestamp_seconds``)
    → "s", the change failure, rework, favourable and response ratios → "percentunit" (0–1, not
    "percent"), per-day frequency → "suffix:/day", counts → "short", band scores and ``doraspace_up`` →
    "none" (or no unit, which is Grafana's "none"), SPACE scores (0–100) → "none". No panel mixes two
    units."""
    unit_of = {
        "dora_deployments": "short",
        "dora_incidents": "short",
        "dora_deployment_frequency_per_day": "suffix:/day",
        "dora_lead_time_seconds": "s",
        "dora_failed_deployment_recovery_seconds": "s",
        "dora_time_to_restore_seconds": "s",
        "dora_lead_time_breakdown_seconds": "s",
        "doraspace_snapshot_age_seconds": "s",
        "doraspace_last_sync_timestamp_seconds": "s",
        "dora_change_failure_rate": "percentunit",
        "dora_rework_rate": "percentunit",
        "space_favourable_ratio": "percentunit",
        "space_response_rate": "percentunit",
        "dora_band": "none",
        "doraspace_up": "none",
        "space_score": "none",
        "space_respondents": "short",
        "doraspace_sync_errors_total": "short",
        "doraspace_github_rate_limit_remaining": "short",
    }
    s = served["A"]
    checked = 0
    for name in (TEAM_FILE, OVERVIEW_FILE, SPACE_FILE):
        for panel in panels_of(s.boards[name]):
            by_column = {
                o["matcher"]["options"]: {p["id"]: p["value"] for p in o["properties"]}.get("unit")
                for o in panel["fieldConfig"]["overrides"]
            }
            for target in panel["targets"]:
                families = {sel.name for sel in selectors(target["expr"])}
                units = {unit_of[family] for family in families}
                assert len(units) == 1, (name, panel["title"], target["expr"])
                unit = by_column.get(f"Value #{target['refId']}") or panel["fieldConfig"]["defaults"].get(
                    "unit"
                )
                # No unit at all is Grafana's "none" (the band table shows names through its mappings).
                assert (unit or "none") == units.pop(), (name, panel["title"], target["expr"])
                checked += 1
    assert checked >= 60


# -- 5. the team variable against team names with regex syntax and line terminators ----------------------


def exposition_teams(names: Sequence[str]) -> list[str]:
    """The ``team`` label values of ``dora_deployments`` the exposition serves for ``names`` (one 30d row
    each, and the organisation)."""
    rows = [
        TeamWindowMetrics(
            team=team,
            window="30d",
            window_days=30,
            as_of=AS_OF,
            deployments=3,
            deployment_frequency_per_day=0.1,
            lead_time_hours_p50=None,
            lead_time_hours_p90=None,
            change_failure_rate=0.0,
            failed_deployment_recovery_hours_p50=None,
            time_to_restore_hours_p50=None,
            time_to_restore_hours_p90=None,
            incidents=0,
            rework_rate=0.0,
            lead_time_breakdown_hours_p50=dict.fromkeys(("coding", "pickup", "review", "deploy")),
        )
        for team in ("*", *names)
    ]
    snapshot = Snapshot(
        created_at=AS_OF,
        as_of=AS_OF,
        benchmarks="dora-2023",
        teams=tuple(r.team for r in rows),
        metrics=tuple(rows),
    )
    exposition = Exposition(clock=lambda: AS_OF)
    exposition.update(snapshot)
    return [
        sample.labels["team"]
        for family in text_string_to_metric_families(exposition.render().decode("utf-8"))
        for sample in family.samples
        if sample.name == "dora_deployments"
    ]


REGEX_NAMES = ["a.b", "axb", "(x)|y", "[ops]", "^start", "end$", "$team", "a+b?", "{2}", "**", "ops*", "é漢"]


def test_team_variables_keep_every_name_with_regex_syntax_and_leave_out_only_the_organisation(
    served: dict[str, Served],
) -> None:
    """§8.2 "a ``$team`` variable from label_values(dora_deployments, team) that leaves out ``*``" × §9
    names from outside. Teams named ``a.b`` and ``axb`` (a ``.`` that must not match ``x``), ``(x)|y``,
    ``[ops]``, ``^start``, ``end$``, ``$team``, ``a+b?``, ``{2}``, ``**``, ``ops*`` and ``é漢`` are served
    as themselves; under JavaScript's regex semantics the team dashboard's and the SPACE dashboard's
    ``team`` regex keep all 12 and drop ``*`` only — and every team query compares with ``team="$team"``
    (exact), so ``a.b`` selects ``a.b``'s series and not ``axb``'s."""
    served_names = exposition_teams(REGEX_NAMES)
    assert sorted(served_names) == sorted(["*", *REGEX_NAMES])
    boards = served["B"].boards
    for name in (TEAM_FILE, SPACE_FILE):
        regex = variable(boards[name], "team")["regex"]
        assert [n for n in served_names if js_keeps(regex, n)] == REGEX_NAMES, (name, regex)
    fake = Served(
        (),
        "dora-2023",
        {},
        [Sample("dora_deployments", {"team": n, "window": "30d"}, 1.0) for n in served_names],
    )
    for _, expr in targets(boards[TEAM_FILE]):
        if "dora_deployments" in expr:
            (selector,) = selectors(substitute(expr, {"team": "a.b", "window": "30d"}))
            assert [x.labels["team"] for x in matching(fake, selector)] == ["a.b"]


LINE_TERMINATOR_NAMES = ["north\u2028south", "cr\rteam"]


def test_team_variables_keep_names_with_a_line_terminator_other_than_newline() -> None:
    """§8.2 the team variable "leaves out ``*``" (only it) × §3 team names (any text; the config accepts
    ``north\\u2028south`` and ``cr\\rteam``) × §8.1 the exposition serves them as label values (raw: only
    ``\\``, ``"`` and newline are escaped in the text format) × PromQL, whose double-quoted strings may
    hold a raw CR or U+2028 (only a raw newline is refused), so ``team="$team"`` would select them.
    Expected: both teams offered by the team (and SPACE) dashboard's variable. Actual: Grafana applies the
    regex ``/^(?!\\*$).+$/`` with ``new RegExp``: ``.`` matches no line terminator and ``$`` (no ``m``
    flag) only the end of input, so neither name matches and both teams disappear from the drop-down. A
    pattern that does not depend on ``.`` (``/^(?!\\*$)/``, or the ``s`` flag) keeps them."""
    served_names = exposition_teams(LINE_TERMINATOR_NAMES)
    assert sorted(served_names) == sorted(["*", *LINE_TERMINATOR_NAMES])
    from dashboards.grafana import build_dashboards

    boards = build_dashboards()
    for name in (TEAM_FILE, SPACE_FILE):
        regex = variable(boards[name], "team")["regex"]
        assert not js_keeps(regex, "*")
        assert [n for n in served_names if js_keeps(regex, n)] == LINE_TERMINATOR_NAMES, (name, regex)
