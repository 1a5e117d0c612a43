"""Audit, round 10: YAML 1.1 quirks in the files users write (SPEC §3, §4, §7.1; docs/configuration.md,
docs/surveys.md), where PyYAML's reading could silently change what a value means.

The configuration and survey definitions are read by ``store.yaml_lines.compose`` (a SafeLoader walk
that keeps non-decimal integers such as ``0123`` as written); catalog-info.yaml by
``collector.catalog.parse_catalog`` (a SafeLoader without the int and float resolvers). Each case is
decided from SPEC/docs as either *kept as written* or *a one-line error naming file:line and key*
(exit 2; for a catalog file: reported with its repository and skipped whole, SPEC §4). A value accepted
with another meaning than written is a defect.

Not repeated here: ``0123456``/``0x1F``/``1_000``/``1:30`` ids (tests/test_config.py), the simple merge key
(tests/test_config.py, tests/collector/test_audit_round6_catalog_files.py), impossible dates in the config
(tests/test_config.py), duplicate keys in the config/definition (tests/test_audit_round5_bad_input.py), the
deeply nested catalog file (round 6).

Rules combined below:
  C1 docs/configuration.md: errors are one line ``config.yaml:12: key.path: message``; exit 2 (SPEC §2).
  C2 docs/configuration.md: "A missing optional key, or one set to null, takes its default."
  C3 YAML: a merge key ``<<: [*a, *b]`` takes a key from the first mapping that has it; keys written
     beside ``<<`` override merged ones; an alias is the anchored node again, as it was written.
  C4 docs/configuration.md: a repository's ``deployments`` keys left out are inherited.
  O1 SPEC §4: ``spec.owner`` names the team; ``teams:`` in the config overrides the catalog for a
     repo or PagerDuty service it names; team names are matched whatever their letter case.
  O2 SPEC §4: a malformed catalog file is reported (repo, reason) and skipped whole; it never stops a sync.
  S1 SPEC §7.1: answers matched to a scale by label text, case-insensitively; reverse scores
     ``points + 1 − x``, favourable when the reversed score is; missing answers leave the denominator.
  S2 SPEC §7.4: score = mean over items of ``(mean − 1)/(points − 1) × 100``; favourable = favourable ÷
     valid answers; response_rate = respondents ÷ headcount.
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from analytics.ownership import load_components
from analytics.space import compute_space
from collector.catalog import CATALOG_PATH, parse_catalog, sync_catalog, write_components
from collector.models import RepositoryFact
from collector.sources.github import FileRead
from collector.writer import write_repositories
from doraspace.cli import main
from doraspace.config import DeploymentSource, load_config, parse_config, repository_source
from store.engine import open_store
from store.errors import ConfigError, InputError
from surveys.definition import parse_definition
from surveys.importer import import_survey, team_spellings

NOW = datetime(2026, 6, 30, tzinfo=UTC)
DB = "database: {url: 'duckdb:///:memory:'}\n"
HEADER = "ownership (repository/PagerDuty service → team):"


def config_error(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(DB + textwrap.dedent(text), path="c.yaml", environ={}, now=NOW)
    return str(caught.value)


def check_config(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, list[str], list[str]]:
    status = main(["check-config", "--config", str(path)], now=NOW)
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err.splitlines()


def map_lines(lines: list[str]) -> set[str]:
    start = lines.index(HEADER) + 1
    end = start
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    return set(lines[start:end])


class Files:
    """An in-memory GitHub: repo → catalog-info.yaml text."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def file_text_if_changed(self, full_name: str, path: str, etag: str | None) -> FileRead:
        assert path == CATALOG_PATH
        text = self.files.get(full_name)
        return FileRead("absent") if text is None else FileRead("found", text)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    store = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    try:
        yield store
    finally:
        store.dispose()


# ------------------------------------------------------------------ configuration: refused, by key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # YAML 1.1 booleans where text is expected: True/False would be no team, label or name.
        ("teams: [{name: yes}]\n", "c.yaml:2: teams[0].name: must be a string (got true)"),
        (
            "teams:\n  - name: orders\n    survey_names: [Orders, On]\n",
            "c.yaml:4: teams[0].survey_names[1]: must be a string (got true)",
        ),
        (
            "github:\n  since: 2025-01-01\n  incident_labels: [incident, no]\n",
            "c.yaml:4: github.incident_labels[1]: must be a string (got false)",
        ),
        ("rework:\n  labels: [hotfix, OFF]\n", "c.yaml:3: rework.labels[1]: must be a string (got false)"),
        # A date, a float and a null where a name is expected.
        ("teams: [{name: 2026-01-01}]\n", "c.yaml:2: teams[0].name: must be a string (got 2026-01-01)"),
        ("teams: [{name: 1.10}]\n", "c.yaml:2: teams[0].name: must be a string (got 1.1)"),
        (
            "teams: [{name: ops, pagerduty_services: [.inf]}]\n",
            "c.yaml:2: teams[0].pagerduty_services[0]: must be a string (got inf)",
        ),
        ("rework: {labels: [hotfix, ~]}\n", "c.yaml:2: rework.labels[1]: must be a string (got null)"),
        # A null team name is no default: the name is required.
        ("teams:\n  - name:\n    headcount: 3\n", "c.yaml:3: teams[0].name: required"),
        # A tab indent is invalid YAML, named by its line.
        (
            "teams:\n\t- name: orders\n",
            "c.yaml:3: invalid YAML: found character '\\t' that cannot start any token",
        ),
    ],
    ids=[
        "name-yes",
        "survey-name-On",
        "incident-label-no",
        "rework-label-OFF",
        "name-date",
        "name-float",
        "service-inf",
        "rework-label-null",
        "name-null",
        "tab-indent",
    ],
)
def test_yaml_1_1_scalars_where_text_is_expected_are_one_line_errors(text: str, expected: str) -> None:
    """C1 × YAML 1.1 scalar types. Each value would, as PyYAML types it, be a boolean, date, float or
    null; none is a name, so none may be accepted (and none may be turned into the text ``True``):
    the error names file:line and the key path. The line counts the ``database:`` line as line 1."""
    assert config_error(text) == expected


def test_refused_yaml_boolean_label_exits_2_with_one_line_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """C1 through the CLI (SPEC §2: exit 2 on a configuration error, one line on stderr, no
    traceback): ``incident_labels: [incident, on]`` at line 4 of c.yaml."""
    path = tmp_path / "c.yaml"
    path.write_text(
        DB.replace(":memory:", "store.duckdb")
        + "github:\n  since: 2025-01-01\n  incident_labels: [incident, on]\n",
        encoding="utf-8",
    )
    status, out, err = check_config(capsys, path)
    assert (status, out) == (2, [])
    assert err == [f"doraspace: error: {path}:4: github.incident_labels[1]: must be a string (got true)"]


# ------------------------------------------------------------------ configuration: kept as written


def test_words_yaml_1_1_leaves_as_text_and_octal_looking_numbers_keep_their_digits() -> None:
    """Kept as written, where PyYAML gives text (or the decimal reading):

    * team ``y`` and survey name ``n`` (the YAML 1.1 type repository lists y/n as booleans; PyYAML
      does not, and neither may doraspace) → "y", "n";
    * team ``0123`` → "0123" (a non-decimal integer stays as written), survey name ``1e3`` → "1e3"
      (no dot: not a float for PyYAML);
    * ``headcount: 010`` → 10, the number written (YAML 1.1 octal would make it 8);
    * ``C#`` stays whole (no space before ``#``), ``orders # the old name`` loses its comment → "orders";
    * a ``basic_auth_users`` user named ``yes`` and one named ``null`` (mapping keys) → "yes", "null";
    * ``rework.labels:`` written empty → the default (C2), ``incident_labels: []`` → none.
    """
    bcrypt = "$2b$10$" + "a" * 53
    text = DB + textwrap.dedent(
        f"""\
        github:
          since: 2025-01-01
          incident_labels: []
        teams:
          - name: y
            headcount: 010
            survey_names: [n, 1e3, C#]
          - name: 0123
            survey_names:
              - orders # the old name
        rework:
          labels:
        http:
          basic_auth_users: {{yes: '{bcrypt}', null: '{bcrypt}'}}
        """
    )
    config = parse_config(text, path="c.yaml", environ={}, now=NOW)
    assert [(t.name, t.headcount, t.survey_names) for t in config.teams] == [
        ("y", 10, ("n", "1e3", "C#")),
        ("0123", None, ("orders",)),
    ]
    assert dict(config.http.basic_auth_users) == {"yes": bcrypt, "null": bcrypt}
    assert config.rework_labels == ("hotfix", "rollback", "revert", "incident")
    assert config.github is not None and config.github.incident_labels == ()


def test_keys_written_beside_a_merge_key_override_the_merged_ones() -> None:
    """C3 (the override half): team b merges ``*big`` ({headcount: 9, survey_names: [Alpha]}) and
    writes ``headcount: 12`` and ``survey_names: [Beta]`` beside it → (b, 12, [Beta]); team c merges
    ``*big`` alone → (c, 9, [Alpha])."""
    text = DB + textwrap.dedent(
        """\
        teams:
          - name: a
            <<: &big {headcount: 9, survey_names: [Alpha]}
          - <<: *big
            name: b
            headcount: 12
            survey_names: [Beta]
          - {<<: *big, name: c, survey_names: [Gamma]}
        """
    )
    config = parse_config(text, path="c.yaml", environ={}, now=NOW)
    assert [(t.name, t.headcount, t.survey_names) for t in config.teams] == [
        ("a", 9, ("Alpha",)),
        ("b", 12, ("Beta",)),
        ("c", 9, ("Gamma",)),
    ]


def test_merge_key_list_takes_each_key_from_the_first_mapping_that_has_it() -> None:
    """C3 (the list half). yaml.org/type/merge.html (the YAML 1.1 merge key doraspace supports):
    "Keys in mapping nodes earlier in the sequence override keys specified in later mapping nodes."
    Team a: ``<<: [&small {headcount: 4}, &big {headcount: 9, survey_names: [Alpha]}]`` → headcount 4
    (small is first), survey_names [Alpha] (only big has it) → response rates divide by 4, not 9.

    Found by this audit, fixed: (a, 9, [Alpha]) — PyYAML 6.0.4's ``flatten_mapping`` no longer reverses the
    list and de-duplicates merged keys by the identity of the key *string*, so for a multi-letter key every
    mapping's pair is kept and the last one wins; ``compose`` relies on it."""
    text = DB + textwrap.dedent(
        """\
        teams:
          - name: a
            <<: [&small {headcount: 4}, &big {headcount: 9, survey_names: [Alpha]}]
        """
    )
    config = parse_config(text, path="c.yaml", environ={}, now=NOW)
    assert [(t.name, t.headcount, t.survey_names) for t in config.teams] == [("a", 4, ("Alpha",))]


def test_catalog_merge_key_list_owner_comes_from_the_first_mapping() -> None:
    """C3 × O1. acme/shop's component shop: ``spec: {<<: [{owner: group:shop-team}, {owner:
    group:platform, lifecycle: production}], type: service}``. First mapping wins → owner shop-team.
    Found by this audit, fixed: platform (the last mapping)."""
    text = textwrap.dedent(
        """\
        kind: Component
        metadata: {name: shop}
        spec:
          <<: [{owner: group:shop-team}, {owner: group:platform, lifecycle: production}]
          type: service
        """
    )
    assert [(c.name, c.owner) for c in parse_catalog("acme/shop", text)] == [("shop", "shop-team")]


def test_rate_limit_reserve_off_is_read_as_zero() -> None:
    """AMBIGUOUS, product's value kept: ``rate_limit_reserve: off`` (a YAML 1.1 boolean) is a number
    field given ``false``; pydantic reads it as 0.0 ("no reserve", plausibly what ``off`` means), while
    ``on`` (1.0) is refused by the ``< 1`` bound. docs/configuration.md says only "fraction (0 ≤ x < 1)";
    whole-number keys refuse booleans (``values.whole``), this float key does not."""
    text = DB + "github:\n  since: 2025-01-01\n  rate_limit_reserve: off\n"
    config = parse_config(text, path="c.yaml", environ={}, now=NOW)
    assert config.github is not None and config.github.rate_limit_reserve == 0.0
    assert config_error("github:\n  since: 2025-01-01\n  rate_limit_reserve: on\n") == (
        "c.yaml:4: github.rate_limit_reserve: must be less than 1 (got true)"
    )


# A repository's deployments given as an anchored mapping that merges a base and overrides one of its
# keys, then reused for a second repository through an alias.
ALIAS_AFTER_MERGE = """\
database: {url: 'duckdb:///store.duckdb'}
github:
  since: 2025-01-01
  deployments: {source: releases}
  repositories:
    - name: acme/a
      deployments: &wf
        <<: {source: workflow_runs, workflow: deploy.yml}
        workflow: release.yml
    - name: acme/b
      deployments: *wf
    - acme/c
"""


def test_alias_to_a_mapping_with_merge_and_override_is_that_mapping_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """C3 × C4. acme/a's deployments: merge {source: workflow_runs, workflow: deploy.yml}, then
    ``workflow: release.yml`` written beside it overrides → (workflow_runs, production, release.yml)
    (environment inherited from github.deployments' default). acme/b's deployments are ``*wf``, the
    same mapping again → the same source. acme/c names no source → github.deployments:
    (releases, production, no workflow). check-config exits 0 and lists the three sources.

    Found by this audit, fixed: the first construction flattens the anchored node in place (PyYAML's
    ``flatten_mapping``); at the alias, ``compose`` takes the merged ``workflow`` key for a written one and
    refuses ``github.repositories[1].deployments.workflow: duplicate key (first at line 8)``, exit 2."""
    path = tmp_path / "c.yaml"
    path.write_text(ALIAS_AFTER_MERGE, encoding="utf-8")
    status, out, err = check_config(capsys, path)
    assert (status, err) == (0, [])
    assert out[out.index("deployments (repository → source):") + 1 :] == [
        "  acme/a: workflow_runs",
        "  acme/b: workflow_runs",
        "  acme/c: releases",
    ]
    config = load_config(path, environ={}, cwd=str(tmp_path), now=NOW)
    release = DeploymentSource("workflow_runs", "production", "release.yml")
    assert [repository_source(config, repo) for repo in ("acme/a", "acme/b", "acme/c")] == [
        release,
        release,
        DeploymentSource("releases", "production", None),
    ]


# ------------------------------------------------------------------ config × catalog: one reading of a name


def test_number_like_owners_and_service_ids_read_alike_in_catalog_and_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """O1 × the two YAML readers. acme/x's catalog-info.yaml (parsed by the collector's parser, stored
    as a sync stores it): component x (repo acme/x, owner ``0123``, service ``0042``) and component y
    (project-slug acme/y, owner ``1.10``, service ``1e3``), all unquoted. The config (unquoted too):
    team ``0123``, team ``"1.10"`` (quoted: an unquoted 1.10 is a float and refused), and team ops
    with ``pagerduty_services: [1e3]``.

    Both readers keep each as written, so: repo acme/x → 0123 (catalog), repo acme/y → 1.10 (catalog),
    pagerduty 0042 → 0123 (catalog), pagerduty 1e3 → ops (config overrides the catalog's 1.10).
    (Octal/float readings would give owner 83 / 1.1 and leave the configured teams without repos.)"""
    catalog = textwrap.dedent(
        """\
        kind: Component
        metadata:
          name: x
          annotations: {pagerduty.com/service-id: 0042}
        spec: {owner: 0123}
        ---
        kind: Component
        metadata:
          name: y
          annotations: {github.com/project-slug: acme/y, pagerduty.com/service-id: 1e3}
        spec: {owner: 1.10}
        """
    )
    components = parse_catalog("acme/x", catalog)
    assert [(c.name, c.owner, c.repo, c.pagerduty_service) for c in components] == [
        ("x", "0123", "acme/x", "0042"),
        ("y", "1.10", "acme/y", "1e3"),
    ]
    store = tmp_path / "store.duckdb"
    engine = open_store(f"duckdb:///{store}")
    try:
        with engine.begin() as conn:
            write_repositories(conn, [RepositoryFact(n, "main") for n in ("acme/x", "acme/y")], {}, NOW)
        write_components(engine, "acme/x", components)
    finally:
        engine.dispose()
    path = tmp_path / "c.yaml"
    path.write_text(
        f"database: {{url: 'duckdb:///{store}'}}\n"
        "teams:\n"
        "  - name: 0123\n"
        '  - name: "1.10"\n'
        "  - name: ops\n"
        "    pagerduty_services: [1e3]\n",
        encoding="utf-8",
    )
    status, out, err = check_config(capsys, path)
    assert (status, err) == (0, [])
    assert map_lines(out) == {
        "  repo acme/x → 0123 (catalog)",
        "  repo acme/y → 1.10 (catalog)",
        "  pagerduty 0042 → 0123 (catalog)",
        "  pagerduty 1e3 → ops (config)",
    }


def test_a_signed_service_id_written_alike_in_both_files_is_one_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """O1 × the two YAML readers. acme/pay's catalog: component pay (owner pay-team, service ``+123``
    unquoted). Config: team ops with ``pagerduty_services: [+123]``, written the same way. SPEC §4: "a
    … PagerDuty service it names belongs to that team, whatever the catalog says" → one service, owned
    by ops (config); repo acme/pay stays pay-team's (catalog). Whatever the id's spelling, the two files
    name the same service, so the map must hold one service line, for ops.

    Found by this audit, fixed: the catalog keeps "+123" (no int resolver), the config's ``_DECIMAL`` takes
    ``+123`` for a number and TextOrNumber writes it back as "123": two services, +123 → pay-team (catalog)
    and 123 → ops (config); the override is silently lost."""
    (component,) = parse_catalog(
        "acme/pay",
        "kind: Component\nmetadata:\n  name: pay\n  annotations: {pagerduty.com/service-id: +123}\n"
        "spec: {owner: group:pay-team}\n",
    )
    store = tmp_path / "store.duckdb"
    engine = open_store(f"duckdb:///{store}")
    try:
        with engine.begin() as conn:
            write_repositories(conn, [RepositoryFact("acme/pay", "main")], {}, NOW)
        write_components(engine, "acme/pay", [component])
    finally:
        engine.dispose()
    path = tmp_path / "c.yaml"
    path.write_text(
        f"database: {{url: 'duckdb:///{store}'}}\n"
        "teams:\n  - name: pay-team\n  - name: ops\n    pagerduty_services: [+123]\n",
        encoding="utf-8",
    )
    status, out, err = check_config(capsys, path)
    assert (status, err) == (0, [])
    lines = map_lines(out)
    services = sorted(line for line in lines if line.startswith("  pagerduty "))
    assert "  repo acme/pay → pay-team (catalog)" in lines
    assert len(services) == 1 and services[0].endswith("123 → ops (config)")


# ------------------------------------------------------------------ catalog-info.yaml


def test_yaml_1_1_booleans_and_dates_in_catalog_names_are_text_as_backstage_reads_them() -> None:
    """O2 × YAML types. A catalog file is Backstage's, which reads YAML 1.2: ``no`` is no boolean and
    ``2026-01-01`` no date there. acme/a: document 1 a good component (owner a-team), document 2 a
    component named ``no`` → both kept, the second named "no" (never "False"). acme/b: owner
    ``2026-01-01`` → the team "2026-01-01", as written. acme/c: ``owner: ~`` → YAML null, the component
    has no owner (its repo will be unowned), as written. acme/d: ``owner: Yes-team`` → kept.
    (The audit first pinned acme/a and acme/b as reported and skipped, PyYAML's YAML 1.1 reading;
    the catalog reader now reads every scalar but null, true and false as text.)"""
    good = "kind: Component\nmetadata: {name: good}\nspec: {owner: a-team}\n"
    found = parse_catalog(
        "acme/a", good + "---\nkind: Component\nmetadata: {name: no}\nspec: {owner: a-team}\n"
    )
    assert [(component.name, component.owner) for component in found] == [
        ("good", "a-team"),
        ("no", "a-team"),
    ]
    (b,) = parse_catalog("acme/b", "kind: Component\nmetadata: {name: b}\nspec: {owner: 2026-01-01}\n")
    assert (b.name, b.owner) == ("b", "2026-01-01")
    (c,) = parse_catalog("acme/c", "kind: Component\nmetadata: {name: c}\nspec: {owner: ~}\n")
    assert (c.name, c.owner) == ("c", None)
    (d,) = parse_catalog("acme/d", "kind: Component\nmetadata: {name: on-call}\nspec: {owner: Yes-team}\n")
    assert (d.name, d.owner) == ("on-call", "Yes-team")


def test_an_impossible_date_anywhere_in_a_catalog_file_never_stops_a_sync(tmp_path: Path) -> None:
    """O2 × YAML 1.1 timestamps. acme/dated: component dated (owner dated-team) with an annotation
    ``example.com/review-date: 2025-13-01`` that doraspace does not read; YAML 1.1 resolves the
    shape as a timestamp and month 13 does not exist. acme/next (after it): component next (owner
    next-team). SPEC §4: a malformed file "never stops a sync": acme/next → (next, next-team) stored;
    acme/dated either kept (the annotation is text to Backstage's YAML 1.2: (dated, dated-team)) or
    one warning naming acme/dated and no rows.

    Found by this audit, fixed: PyYAML's ``date(2025, 13, 1)`` raises ValueError, which ``parse_catalog`` does
    not turn into a CatalogError (config and definitions do, in ``compose``); it escapes ``sync_catalog``."""
    dated = textwrap.dedent(
        """\
        kind: Component
        metadata:
          name: dated
          annotations: {example.com/review-date: 2025-13-01}
        spec: {owner: dated-team}
        """
    )
    files = Files(
        {
            "acme/dated": dated,
            "acme/next": "kind: Component\nmetadata: {name: next}\nspec: {owner: next-team}\n",
        }
    )
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    try:
        warnings = sync_catalog(engine, files, ["acme/dated", "acme/next"])
        stored = [(c.file_repo, c.name, c.owner) for c in load_components(engine)]
    finally:
        engine.dispose()
    assert ("acme/next", "next", "next-team") in stored
    dated_rows = [row for row in stored if row[0] == "acme/dated"]
    assert dated_rows == [("acme/dated", "dated", "dated-team")] or (
        dated_rows == [] and len(warnings) == 1 and warnings[0].startswith("repository acme/dated: ")
    )


def test_a_duplicate_owner_key_is_reported_not_silently_the_last(tmp_path: Path) -> None:
    """O2 × O1 × YAML mappings. acme/shop's component shop says ``owner: group:shop-team`` and, two
    lines later, ``owner: group:pay-team``. A YAML mapping's keys are unique (YAML 1.1 and 1.2; Backstage's
    parser refuses the file; doraspace's own config and definitions refuse it as "duplicate key"):
    which team owns the repo is not decidable from the file, so it is malformed → reported (acme/shop,
    reason) and skipped whole (SPEC §4), and acme/shop keeps no row (first read).

    Found by this audit, fixed: PyYAML lets the last key win silently: a row (shop, pay-team) and no
    warning."""
    text = textwrap.dedent(
        """\
        kind: Component
        metadata: {name: shop}
        spec:
          owner: group:shop-team
          type: service
          owner: group:pay-team
        """
    )
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    try:
        warnings = sync_catalog(engine, Files({"acme/shop": text}), ["acme/shop"])
        stored = [(c.file_repo, c.name, c.owner) for c in load_components(engine)]
    finally:
        engine.dispose()
    assert stored == []
    assert len(warnings) == 1 and warnings[0].startswith(f"repository acme/shop: {CATALOG_PATH} skipped: ")


# ------------------------------------------------------------------ survey definitions


DEFINITION = """\
survey: {survey}
scales:
  agree5: {{points: 5, labels: {labels}, favourable: [4, 5]}}
missing: {missing}
team_question: "Which team are you on?"
items:
  - id: {item_id}
    text: {text}
    dimension: efficiency
    scale: agree5
"""
FIELDS = {
    "survey": "devex",
    "labels": "[Strongly disagree, Disagree, Neutral, Agree, Strongly agree]",
    "missing": '["N/A", ""]',
    "item_id": "e_focus",
    "text": "I can focus",
}


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("survey", "2026-01-01", "devex.yaml:1: survey: must be a string (got datetime.date(2026, 1, 1))"),
        ("survey", "Off", "devex.yaml:1: survey: must be a string (got False)"),
        (
            "labels",
            "[No, Rarely, Sometimes, Often, Yes]",
            "devex.yaml:3: scales.agree5.labels[0]: must be a string (got False)",
        ),
        ("labels", "[1, 2, 3, 4, 5]", "devex.yaml:3: scales.agree5.labels[0]: must be a string (got 1)"),
        ("missing", '["N/A", No]', "devex.yaml:4: missing[1]: must be a string (got False)"),
        ("missing", '["N/A", ~]', "devex.yaml:4: missing[1]: must be a string (got None)"),
        ("item_id", "yes", "devex.yaml:7: items[0].id: must be a string (got True)"),
        ("item_id", "1.10", "devex.yaml:7: items[0].id: must be a string (got 1.1)"),
        ("item_id", ".nan", "devex.yaml:7: items[0].id: must be a string (got nan)"),
        ("text", "On", "devex.yaml:8: items[0].text: must be a string (got True)"),
    ],
    ids=[
        "survey-date",
        "survey-Off",
        "labels-No-Yes",
        "labels-ints",
        "missing-No",
        "missing-null",
        "id-yes",
        "id-float",
        "id-nan",
        "text-On",
    ],
)
def test_definition_values_yaml_types_as_non_text_are_one_line_errors(
    field: str, value: str, expected: str
) -> None:
    """SPEC §7.1 × C1 wording (docs/surveys.md: "Errors name the file, line and key"). A boolean, date,
    float, integer or null where a name, label or id is expected is refused by file:line and key; none
    becomes the text "False", "1.1" or "None" (a scale label "False" would silently never match the
    export's "No")."""
    with pytest.raises(InputError) as caught:
        parse_definition(DEFINITION.format(**{**FIELDS, field: value}), label="devex.yaml")
    assert str(caught.value) == expected


def test_a_scale_aliased_after_a_merge_with_override_is_the_same_scale() -> None:
    """C3 in a definition. ``base: &b {points: 5, favourable: [4, 5]}``; ``agree5: &a`` merges ``*b``,
    writes ``favourable: [5]`` (overriding [4, 5]) and its labels; ``agree5_copy: *a`` is the same
    mapping again. Expected: agree5 and agree5_copy both (points 5, favourable (5,), the five labels).
    Found by this audit, fixed: ``devex.yaml:…: scales.agree5_copy.favourable: duplicate key``."""
    text = textwrap.dedent(
        """\
        survey: devex
        scales:
          base: &b {points: 5, favourable: [4, 5]}
          agree5: &a
            <<: *b
            favourable: [5]
            labels: [Strongly disagree, Disagree, Neutral, Agree, Strongly agree]
          agree5_copy: *a
        team_question: Team
        items:
          - {id: a1, text: A, dimension: satisfaction, scale: agree5}
          - {id: a2, text: B, dimension: satisfaction, scale: agree5_copy}
        """
    )
    definition = parse_definition(text, label="devex.yaml")
    labels = ("Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree")
    assert [(s.points, s.favourable, s.labels) for s in definition.scales.values()] == [
        (5, (4, 5), ()),
        (5, (5,), labels),
        (5, (5,), labels),
    ]


def write_long(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(["respondent_id", "team", "submitted_at", "item_id", "answer"])
    out.writerows((r, team, "2026-07-14T10:00:00", item, answer) for r, team, item, answer in rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_y_and_n_as_labels_ids_and_team_names_with_reverse_on_and_decimal_headcount(
    tmp_path: Path, engine: Engine
) -> None:
    """S1 × S2 × C1 × YAML words kept as written. Config: team ``y`` (headcount ``010`` → 10, survey
    names ``0123`` and ``Team Y``), min_group_size 3. Definition: scale yn5 labelled
    ``[n, rarely, sometimes, often, y]`` (favourable [4, 5]), items ``y`` ("I can focus") and ``n``
    ("I am interrupted", ``reverse: on`` → true), both efficiency; missing ["N/A", ""].

    Long export (item ids y/n, team answers 0123, team y, Y — all team y by name or survey name):
      r1: y = "Y" → 5,      n = "n" → 1, reversed 5 + 1 − 1 = 5
      r2: y = "often" → 4,  n = "Y" → 5, reversed 1
      r3: y = "N/A" (missing, leaves the denominator), n = "sometimes" → 3, reversed 3
    Item y: mean (5 + 4)/2 = 4.5 → (4.5 − 1)/4 × 100 = 87.5. Item n: mean (5 + 1 + 3)/3 = 3 →
    (3 − 1)/4 × 100 = 50. score = (87.5 + 50)/2 = 68.75. favourable: 5 ✓, 4 ✓, 5 ✓, 1 ✗, 3 ✗ → 3/5 =
    0.6. respondents 3; response_rate 3/10 = 0.3 (with YAML 1.1's octal headcount 8 it would be 0.375).
    """
    config = parse_config(
        DB
        + textwrap.dedent(
            """\
            teams:
              - name: y
                headcount: 010
                survey_names:
                  - 0123     # the cost centre, as people type it
                  - Team Y
            surveys: {min_group_size: 3}
            """
        ),
        path="c.yaml",
        environ={},
        now=NOW,
    )
    definition = parse_definition(
        textwrap.dedent(
            """\
            survey: 0123
            scales:
              yn5: {points: 5, labels: [n, rarely, sometimes, often, y], favourable: [4, 5]}
            missing: ["N/A", ""]
            team_question: Which team are you on?
            items:
              - {id: y, text: I can focus, dimension: efficiency, scale: yn5}
              - {id: n, text: I am interrupted, dimension: efficiency, scale: yn5, reverse: on}
            """
        ),
        label="devex.yaml",
    )
    assert (definition.survey, [(i.id, i.reverse) for i in definition.items]) == (
        "0123",
        [("y", False), ("n", True)],
    )
    export = write_long(
        tmp_path / "long.csv",
        [
            ("r1", "0123", "y", "Y"),
            ("r1", "0123", "n", "n"),
            ("r2", "team y", "y", "often"),
            ("r2", "team y", "n", "Y"),
            ("r3", "Y", "y", "N/A"),
            ("r3", "Y", "n", "sometimes"),
        ],
    )
    names = team_spellings({team.name: list(team.survey_names) for team in config.teams})
    import_survey(
        engine, export, definition, quarter="2026-Q3", fmt="long", secret="round10-yaml", team_names=names
    )
    headcounts = {team.name: team.headcount for team in config.teams}
    rows = compute_space(engine, teams=headcounts, min_group_size=config.surveys.min_group_size)
    found = [
        (r.team, r.quarter, r.dimension, r.score, r.favourable, r.respondents, r.response_rate)
        for r in rows
        if r.team == "y"
    ]
    assert found == [
        ("y", "2026-Q3", "efficiency", pytest.approx(68.75), pytest.approx(0.6), 3, pytest.approx(0.3))
    ]
