"""doraspace.config: loading, defaults, every validation rule and its one-line message."""

from __future__ import annotations

import copy
import dataclasses
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from doraspace.cli import parse_instant_arg, resolve_config_path
from doraspace.config import (
    Config,
    DeploymentSource,
    Secret,
    Window,
    load_config,
    parse_config,
    repository_source,
)
from store.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 15, 12, 30, tzinfo=UTC)
BCRYPT = "$2b$10$" + "a" * 53

# The YAML block of SPEC §3, copied verbatim: config.example.yaml must document each of its keys.
SPEC_EXAMPLE = """\
database:
  url: duckdb:///data/doraspace.duckdb        # or postgresql+psycopg://user@host/db
github:
  base_url: https://api.github.com           # GitHub Enterprise: https://ghe.example.com/api/v3
  token: ${GITHUB_TOKEN}
  ca_bundle: null                            # PEM file for a private CA (also used by tests)
  since: 2025-01-01                          # how far back the first sync reaches
  repositories:                              # names, or objects that override the deployment source
    - acme/order-service
    - name: acme/payments
      deployments: {source: workflow_runs, workflow: deploy.yml}
  organizations: []                          # every repo of these orgs, discovered
  deployments:                               # default deployment source for every repo
    source: deployments                      # deployments | workflow_runs | releases | merged_prs
    environment: production                  # for source: deployments
    workflow: null                           # for source: workflow_runs (file name, e.g. deploy.yml)
  incident_labels: [incident]                # GitHub issues with these labels are incidents
pagerduty:                                   # optional section
  base_url: https://api.pagerduty.com
  token: ${PAGERDUTY_TOKEN}
  ca_bundle: null
  service_ids: []                            # collected besides every service of the ownership map
  since: null                                # default: github.since
  urgencies: [high, low]
catalog:
  discover: true                             # read catalog-info.yaml at each repo's default branch
teams:                                       # added to, and overriding, what the catalog says
  - name: order-team
    repositories: [acme/order-service]
    pagerduty_services: [P1234AB]
    headcount: 8                             # for survey response rates
    survey_names: [Orders, Order team]       # how the team is spelled in survey answers
incidents:
  attribution_window: 24h
rework:
  labels: [hotfix, rollback, revert, incident]
metrics:
  windows: [7d, 30d, 90d]
  benchmarks: dora-2023                      # dora-2023 | dora-2021
schedule: {github: 15m, pagerduty: 5m, analytics: 5m}
http:
  listen: 127.0.0.1:9464
  tls: {cert_file: null, key_file: null}
  basic_auth_users: {}                       # user: bcrypt hash, as Prometheus' web config
surveys:
  min_group_size: 5
  respondent_secret: ${DORASPACE_SURVEY_SECRET}   # HMAC key for pseudonymous respondent ids
"""

FULL_ENV = {
    "GITHUB_TOKEN": "ghp_secret_github_value",
    "PAGERDUTY_TOKEN": "pd_secret_value",
    "DORASPACE_SURVEY_SECRET": "survey_secret_value",
}


def load(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> Config:
    """Write ``text`` (dedented) to tmp_path/config.yaml and load it with cwd=tmp_path."""
    (tmp_path / "config.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_config("config.yaml", environ=environ or {}, cwd=str(tmp_path), now=NOW)


def error_of(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text, environ)
    message = str(info.value)
    assert "\n" not in message
    return message


MINIMAL = "database: {url: 'duckdb:///:memory:'}\n"


# --------------------------------------------------------------------------------------------------
# Files, paths and YAML
# --------------------------------------------------------------------------------------------------


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^nope\.yaml: configuration file not found$"):
        load_config("nope.yaml", environ={}, cwd=str(tmp_path))


def test_missing_default_file_says_how_to_give_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config("./doraspace.yaml", environ={}, cwd=str(tmp_path))
    assert str(info.value) == (
        "./doraspace.yaml: configuration file not found (give --config PATH or set DORASPACE_CONFIG)"
    )


def test_config_path_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    with pytest.raises(ConfigError, match=r"^conf: is a directory"):
        load_config("conf", environ={}, cwd=str(tmp_path))


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, "database:\n  url: duckdb:///x\ngithub: [unclosed\nteams: []\n")
    assert message.startswith("config.yaml:4: invalid YAML: ")


def test_bad_indentation_names_the_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, "database:\n  url: duckdb:///x\n github: {}\n")
    assert message.startswith("config.yaml:3: invalid YAML: ")


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL + "metrics: {}\nmetrics: {benchmarks: dora-2021}\n")
    assert message == "config.yaml:3: metrics: duplicate key (first at line 2)"


def test_empty_file(tmp_path: Path) -> None:
    assert (
        error_of(tmp_path, "# nothing\n")
        == "config.yaml: the configuration is empty; database.url is required"
    )


def test_document_must_be_a_mapping(tmp_path: Path) -> None:
    assert error_of(tmp_path, "- a\n- b\n").startswith("config.yaml: must be a mapping")


def test_python_tags_are_refused(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL + "teams: !!python/object:os.system {}\n")
    assert message.startswith("config.yaml:2: invalid YAML: ")


def test_recursive_alias_is_an_error(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL + "teams: &loop [*loop]\n")
    assert message == "config.yaml:2: teams[0]: recursive YAML alias"


def test_resolve_config_path() -> None:
    assert resolve_config_path("c.yaml", {"DORASPACE_CONFIG": "env.yaml"}) == "c.yaml"
    assert resolve_config_path(None, {"DORASPACE_CONFIG": "env.yaml"}) == "env.yaml"
    assert resolve_config_path(None, {"DORASPACE_CONFIG": ""}) == "./doraspace.yaml"
    assert resolve_config_path(None, {}) == "./doraspace.yaml"
    with pytest.raises(ConfigError, match="--config: empty path"):
        resolve_config_path("", {})


def test_config_file_is_read_relative_to_cwd(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.yaml").write_text(MINIMAL, encoding="utf-8")
    config = load_config("sub/c.yaml", environ={}, cwd=str(tmp_path))
    assert config.path == "sub/c.yaml"


def test_parse_config_without_a_file() -> None:
    config = parse_config(MINIMAL, path="inline", environ={}, cwd="/srv")
    assert config.path == "inline"
    assert config.database_url == "duckdb:///:memory:"


def test_utf8_bom_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_config("config.yaml", environ={}, cwd=str(tmp_path)).database_url == "duckdb:///:memory:"


# --------------------------------------------------------------------------------------------------
# Defaults
# --------------------------------------------------------------------------------------------------


def test_defaults_when_only_database_is_given(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL)
    assert config.github is None
    assert config.pagerduty is None
    assert config.catalog_discover is True
    assert config.teams == ()
    assert config.attribution_window == timedelta(hours=24)
    assert config.rework_labels == ("hotfix", "rollback", "revert", "incident")
    assert config.windows == (Window("7d", 7), Window("30d", 30), Window("90d", 90))
    assert config.benchmarks == "dora-2023"
    assert config.schedule.github == timedelta(minutes=15)
    assert config.schedule["pagerduty"] == timedelta(minutes=5)
    assert config.schedule.analytics == timedelta(minutes=5)
    assert (config.http.host, config.http.port) == ("127.0.0.1", 9464)
    assert config.http.tls_cert_file is None and config.http.tls_key_file is None
    assert not config.http.tls_enabled
    assert dict(config.http.basic_auth_users) == {}
    assert config.surveys.min_group_size == 5
    # The survey key defaults to its variable, and only fails when an import asks for it.
    assert config.surveys.respondent_secret.key == "surveys.respondent_secret"
    with pytest.raises(ConfigError) as info:
        config.surveys.respondent_secret.value()
    assert str(info.value) == (
        "config.yaml: surveys.respondent_secret: environment variable DORASPACE_SURVEY_SECRET is not set "
        "(surveys.respondent_secret defaults to ${DORASPACE_SURVEY_SECRET}; set it or give "
        "surveys.respondent_secret_file)"
    )


def test_empty_github_section_counts_as_absent(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL + "github:\npagerduty:\n")
    assert config.github is None and config.pagerduty is None


def test_github_defaults(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL + "github: {}\n", {"GITHUB_TOKEN": "t0k"})
    github = config.github
    assert github is not None
    assert github.base_url == "https://api.github.com"
    assert github.token.value() == "t0k"
    assert github.ca_bundle is None
    assert github.since == datetime(2025, 3, 15, tzinfo=UTC)  # 365 days before NOW, at midnight
    assert github.repositories == ()
    assert github.organizations == ()
    assert github.deployments == DeploymentSource("deployments", "production", None)
    assert github.incident_labels == ("incident",)


def test_pagerduty_defaults_and_since_from_github(tmp_path: Path) -> None:
    config = load(
        tmp_path, MINIMAL + "github: {since: 2025-02-03}\npagerduty: {}\n", {"PAGERDUTY_TOKEN": "p"}
    )
    pagerduty = config.pagerduty
    assert pagerduty is not None
    assert pagerduty.base_url == "https://api.pagerduty.com"
    assert pagerduty.token.value() == "p"
    assert pagerduty.service_ids == ()
    assert pagerduty.urgencies == ("high", "low")
    assert pagerduty.since == datetime(2025, 2, 3, tzinfo=UTC)


def test_pagerduty_since_without_github(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL + "pagerduty: {since: '2025-06-01'}\n")
    assert config.pagerduty is not None
    assert config.pagerduty.since == datetime(2025, 6, 1, tzinfo=UTC)
    config = load(tmp_path, MINIMAL + "pagerduty: {urgencies: [high]}\n")
    assert config.pagerduty is not None
    assert config.pagerduty.since == datetime(2025, 3, 15, tzinfo=UTC)
    assert config.pagerduty.urgencies == ("high",)


def test_a_null_since_means_its_default(tmp_path: Path) -> None:
    # docs/configuration.md: a key set to null takes its default; pagerduty.since's is github.since.
    config = load(tmp_path, MINIMAL + "github: {since: 2025-02-03}\npagerduty: {since: null}\n")
    assert config.pagerduty is not None
    assert config.pagerduty.since == datetime(2025, 2, 3, tzinfo=UTC)
    config = load(tmp_path, MINIMAL + "github: {since: null}\npagerduty: {since: null}\n")
    assert config.github is not None and config.pagerduty is not None
    assert config.github.since == config.pagerduty.since == datetime(2025, 3, 15, tzinfo=UTC)
    config = load(tmp_path, MINIMAL + "pagerduty: {since: null}\n")  # no github section
    assert config.pagerduty is not None
    assert config.pagerduty.since == datetime(2025, 3, 15, tzinfo=UTC)


def test_null_means_default(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL + "metrics: {windows: null, benchmarks: null}\nrework: {labels: null}\n")
    assert [w.days for w in config.windows] == [7, 30, 90]
    assert config.rework_labels == ("hotfix", "rollback", "revert", "incident")


# --------------------------------------------------------------------------------------------------
# The SPEC example and config.example.yaml
# --------------------------------------------------------------------------------------------------


def test_spec_example_loads(tmp_path: Path) -> None:
    config = load(tmp_path, SPEC_EXAMPLE, FULL_ENV)
    assert config.database_url == f"duckdb:///{tmp_path}/data/doraspace.duckdb"
    assert config.github is not None
    assert config.github.since == datetime(2025, 1, 1, tzinfo=UTC)
    assert config.pagerduty is not None and config.pagerduty.since == config.github.since  # since: null
    assert [r.name for r in config.github.repositories] == ["acme/order-service", "acme/payments"]
    assert config.teams[0].survey_names == ("Orders", "Order team")
    assert config.teams[0].headcount == 8


def example_key_paths(document: object, prefix: str = "") -> set[str]:
    """Every key path of a YAML document; list items collapse to ``[]`` so their keys merge."""
    paths: set[str] = set()
    if isinstance(document, dict):
        for key, value in document.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            paths.add(path)
            paths |= example_key_paths(value, path)
    elif isinstance(document, list):
        for item in document:
            paths |= example_key_paths(item, f"{prefix}[]")
    return paths


def test_example_config_documents_every_spec_key() -> None:
    example = yaml.safe_load((REPO_ROOT / "config.example.yaml").read_text(encoding="utf-8"))
    missing = example_key_paths(yaml.safe_load(SPEC_EXAMPLE)) - example_key_paths(example)
    assert not missing, f"config.example.yaml lacks {sorted(missing)}"


def test_example_config_comments_every_key() -> None:
    lines = (REPO_ROOT / "config.example.yaml").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        # A key line carries its own comment, or sits under a comment block that explains it.
        if line.strip() and not line.lstrip().startswith("#"):
            previous = lines[number - 2].strip() if number > 1 else ""
            assert "#" in line or previous.startswith("#"), f"config.example.yaml:{number}: no comment"


def test_example_config_loads(tmp_path: Path) -> None:
    example = (REPO_ROOT / "config.example.yaml").resolve()
    config = load_config(str(example), environ=FULL_ENV, cwd=str(tmp_path), now=NOW)
    assert config.database_url == f"duckdb:///{tmp_path}/data/doraspace.duckdb"
    assert config.github is not None and config.pagerduty is not None
    assert config.github.token.value() == FULL_ENV["GITHUB_TOKEN"]
    assert config.pagerduty.token.value() == FULL_ENV["PAGERDUTY_TOKEN"]
    assert config.surveys.respondent_secret.value() == FULL_ENV["DORASPACE_SURVEY_SECRET"]
    assert repository_source(config, "acme/payments") == DeploymentSource(
        "workflow_runs", "production", "deploy.yml"
    )
    # The example's values are the defaults, except the illustrative repositories and team.
    defaults = load(tmp_path, MINIMAL + "github: {}\npagerduty: {}\n", FULL_ENV)
    for name in ("catalog_discover", "attribution_window", "rework_labels", "windows", "benchmarks",
                 "schedule", "http"):  # fmt: skip
        assert getattr(config, name) == getattr(defaults, name), name
    assert config.surveys.min_group_size == defaults.surveys.min_group_size
    assert config.github.deployments == defaults.github.deployments  # type: ignore[union-attr]
    assert config.github.since == defaults.github.since  # type: ignore[union-attr]


def test_configuration_doc_lists_every_example_key() -> None:
    doc = (REPO_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    example = yaml.safe_load((REPO_ROOT / "config.example.yaml").read_text(encoding="utf-8"))
    missing = [path for path in sorted(example_key_paths(example)) if f"`{path}`" not in doc]
    assert not missing, f"docs/configuration.md lacks {missing}"


# --------------------------------------------------------------------------------------------------
# Unknown keys and types
# --------------------------------------------------------------------------------------------------


def test_unknown_key_with_suggestion(tmp_path: Path) -> None:
    text = MINIMAL + "github:\n  repositoris: [acme/x]\n"
    assert error_of(tmp_path, text) == (
        "config.yaml:3: github.repositoris: unknown key (did you mean 'repositories'?)"
    )


def test_unknown_top_level_key_lists_the_valid_ones(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + "zzz: 1\n") == (
        "config.yaml:2: zzz: unknown key (expected one of database, github, pagerduty, catalog, teams, "
        "incidents, rework, metrics, schedule, http, surveys)"
    )


def test_unknown_key_in_a_list_item(tmp_path: Path) -> None:
    text = MINIMAL + "teams:\n  - name: a\n    headcont: 3\n"
    assert (
        error_of(tmp_path, text)
        == "config.yaml:4: teams[0].headcont: unknown key (did you mean 'headcount'?)"
    )


def test_section_must_be_a_mapping(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + "metrics: [7d]\n") == (
        "config.yaml:2: metrics: must be a mapping with keys windows, benchmarks (got a list)"
    )


def test_list_must_be_a_list(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + "rework:\n  labels: hotfix\n") == (
        "config.yaml:3: rework.labels: must be a list (got 'hotfix')"
    )


def test_bool_must_be_bool(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + "catalog: {discover: 3}\n") == (
        "config.yaml:2: catalog.discover: must be true or false (got 3)"
    )


# --------------------------------------------------------------------------------------------------
# database.url
# --------------------------------------------------------------------------------------------------


def test_database_section_is_required(tmp_path: Path) -> None:
    assert error_of(tmp_path, "metrics: {}\n") == (
        "config.yaml: database: required section is missing "
        "(e.g. database: {url: duckdb:///doraspace.duckdb})"
    )


def test_database_url_is_required(tmp_path: Path) -> None:
    assert error_of(tmp_path, "metrics: {}\ndatabase: {}\n") == (
        "config.yaml:2: database.url: required (e.g. duckdb:///data/doraspace.duckdb)"
    )


def test_duckdb_relative_path_is_relative_to_cwd(tmp_path: Path) -> None:
    config = load(tmp_path, "database:\n  url: duckdb:///data/x.duckdb\n")
    assert config.database_url == f"duckdb:///{tmp_path}/data/x.duckdb"
    assert config.database_url.startswith("duckdb:////")


def test_duckdb_absolute_path(tmp_path: Path) -> None:
    config = load(tmp_path, "database:\n  url: duckdb:////var/lib/doraspace/x.duckdb\n")
    assert config.database_url == "duckdb:////var/lib/doraspace/x.duckdb"


def test_duckdb_query_is_kept(tmp_path: Path) -> None:
    config = load(tmp_path, "database:\n  url: duckdb:///x.duckdb?threads=2\n")
    assert config.database_url == f"duckdb:///{tmp_path}/x.duckdb?threads=2"


def test_duckdb_memory(tmp_path: Path) -> None:
    assert load(tmp_path, MINIMAL).database_url == "duckdb:///:memory:"


def test_password_is_redacted_in_url_errors(tmp_path: Path) -> None:
    message = error_of(tmp_path, "database:\n  url: postgresql://dora:hunter2@db/dora\n")
    assert message == (
        "config.yaml:2: database.url: use the psycopg 3 driver: postgresql+psycopg://dora:***@db/dora "
        "(got postgresql://)"
    )


def test_postgresql_url_is_kept_and_redacted_in_repr(tmp_path: Path) -> None:
    text = "database:\n  url: postgresql+psycopg://dora:${DB_PASSWORD}@db.internal:5432/dora\n"
    config = load(tmp_path, text, {"DB_PASSWORD": "hunter2"})
    assert config.database_url == "postgresql+psycopg://dora:hunter2@db.internal:5432/dora"
    assert config.redacted_database_url == "postgresql+psycopg://dora:***@db.internal:5432/dora"
    assert "hunter2" not in repr(config)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///x.db", "must start with duckdb:/// or postgresql+psycopg:// (got sqlite://)"),
        (
            "postgresql://u@h/db",
            "use the psycopg 3 driver: postgresql+psycopg://u@h/db (got postgresql://)",
        ),
        ("duckdb:///", "needs a file path after duckdb:/// (or :memory:)"),
        (
            "duckdb://host/x",
            "must be duckdb:///relative/path or duckdb:////absolute/path (got 'duckdb://host/x')",
        ),
        ("data.duckdb", "must be a URL like duckdb:///data/doraspace.duckdb (got 'data.duckdb')"),
    ],
)
def test_bad_database_urls(tmp_path: Path, url: str, message: str) -> None:
    assert error_of(tmp_path, f"database:\n  url: '{url}'\n") == f"config.yaml:2: database.url: {message}"


# --------------------------------------------------------------------------------------------------
# ${VAR} interpolation and secrets
# --------------------------------------------------------------------------------------------------


def test_interpolation_in_plain_keys(tmp_path: Path) -> None:
    text = MINIMAL + "github:\n  base_url: https://${GHE_HOST}/api/v3\n  since: ${SINCE}\n"
    config = load(tmp_path, text, {"GHE_HOST": "ghe.example.com", "SINCE": "2025-05-06"})
    assert config.github is not None
    assert config.github.base_url == "https://ghe.example.com/api/v3"
    assert config.github.since == datetime(2025, 5, 6, tzinfo=UTC)


def test_interpolation_of_typed_values(tmp_path: Path) -> None:
    text = MINIMAL + "surveys: {min_group_size: '${MIN}'}\ncatalog: {discover: '${DISCOVER}'}\n"
    config = load(tmp_path, text, {"MIN": "7", "DISCOVER": "false"})
    assert config.surveys.min_group_size == 7
    assert config.catalog_discover is False


def test_unset_variable_in_a_plain_key_names_key_and_variable(tmp_path: Path) -> None:
    text = MINIMAL + "github:\n  base_url: https://${GHE_HOST}/api/v3\n"
    assert error_of(tmp_path, text) == (
        "config.yaml:3: github.base_url: environment variable GHE_HOST is not set"
    )


def test_escaped_reference_is_literal(tmp_path: Path) -> None:
    text = MINIMAL + "rework: {labels: ['$${NOT_A_VAR}']}\n"
    assert load(tmp_path, text).rework_labels == ("${NOT_A_VAR}",)


def test_bad_and_unterminated_references(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + "rework: {labels: ['${1X}']}\n") == (
        "config.yaml:2: rework.labels[0]: bad variable reference ${1X} (write $${ for a literal ${)"
    )
    assert error_of(tmp_path, MINIMAL + "rework: {labels: ['${X']}\n") == (
        "config.yaml:2: rework.labels[0]: unterminated ${ (write $${ for a literal ${)"
    )


def test_unset_secret_variable_is_an_error_only_when_used(tmp_path: Path) -> None:
    text = MINIMAL + "github:\n  token: ${GH_TOKEN}\n"
    config = load(tmp_path, text)  # loads: `metrics` does not need the token
    assert config.github is not None
    token = config.github.token
    with pytest.raises(ConfigError) as info:
        token.value()
    assert str(info.value) == "config.yaml:3: github.token: environment variable GH_TOKEN is not set"
    assert token.problem() == str(info.value)
    assert token.origin == "${GH_TOKEN}"


def test_set_secret_variable(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL + "pagerduty:\n  token: ${PD}\n", {"PD": "  pd-value\n"})
    assert config.pagerduty is not None
    assert config.pagerduty.token.value() == "pd-value"
    assert config.pagerduty.token.problem() is None


def test_empty_secret_variable(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL + "github:\n  token: ${GH}\n", {"GH": ""})
    assert config.github is not None
    with pytest.raises(ConfigError, match=r"^config\.yaml:3: github\.token: \$\{GH\} is empty$"):
        config.github.token.value()


def test_secret_written_in_the_file_is_refused(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + "github:\n  token: ghp_literal\n") == (
        "config.yaml:3: github.token: must come from the environment (${VAR}) or from token_file, "
        "not the file itself"
    )
    assert "ghp_literal" not in error_of(tmp_path, MINIMAL + "github:\n  token: ghp_literal\n")


def test_token_file_is_read_and_stripped(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "gh").write_text("ghp_from_file\n", encoding="utf-8")
    config = load(tmp_path, MINIMAL + "github:\n  token_file: secrets/gh\n")
    assert config.github is not None
    assert config.github.token.value() == "ghp_from_file"
    assert config.github.token.origin == f"file {tmp_path}/secrets/gh"
    # Read at each use, so a rotated file is picked up.
    (tmp_path / "secrets" / "gh").write_text("ghp_rotated", encoding="utf-8")
    assert config.github.token.value() == "ghp_rotated"


def test_token_file_path_may_come_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "pd").write_text("pd_from_file", encoding="utf-8")
    config = load(tmp_path, MINIMAL + "pagerduty:\n  token_file: ${SECRETS}/pd\n", {"SECRETS": str(tmp_path)})
    assert config.pagerduty is not None
    assert config.pagerduty.token.value() == "pd_from_file"


def test_missing_token_file_names_key_and_path(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL + "github:\n  token_file: /nonexistent/gh-token\n")
    assert config.github is not None
    with pytest.raises(ConfigError) as info:
        config.github.token.value()
    assert str(info.value) == (
        "config.yaml:3: github.token_file: cannot read /nonexistent/gh-token: No such file or directory"
    )


def test_empty_token_file(tmp_path: Path) -> None:
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    config = load(tmp_path, MINIMAL + "surveys:\n  respondent_secret_file: empty\n")
    with pytest.raises(ConfigError) as info:
        config.surveys.respondent_secret.value()
    assert str(info.value) == f"config.yaml:3: surveys.respondent_secret_file: {tmp_path}/empty is empty"


def test_token_and_token_file_together(tmp_path: Path) -> None:
    text = MINIMAL + "github:\n  token: ${GH}\n  token_file: gh\n"
    assert (
        error_of(tmp_path, text)
        == "config.yaml:4: github.token_file: give either token or token_file, not both"
    )


def test_repr_never_shows_secrets(tmp_path: Path) -> None:
    (tmp_path / "pd").write_text("pd_file_secret", encoding="utf-8")
    text = MINIMAL + "github: {}\npagerduty: {token_file: pd}\n"
    config = load(tmp_path, text, FULL_ENV)
    assert config.github is not None and config.pagerduty is not None
    assert config.github.token.value() == FULL_ENV["GITHUB_TOKEN"]
    shown = repr(config) + str(config) + repr(dataclasses.asdict(config))
    for secret in (*FULL_ENV.values(), "pd_file_secret"):
        assert secret not in shown
    assert repr(config.github.token) == "Secret('***')"
    assert str(config.github.token) == "Secret('***')"
    assert f"{config.github.token}" == "Secret('***')"
    # A deep copy still works and still hides the value.
    assert copy.deepcopy(config).github.token.value() == FULL_ENV["GITHUB_TOKEN"]  # type: ignore[union-attr]


def test_secret_from_value() -> None:
    secret = Secret.from_value("abc", key="demo.token")
    assert secret.value() == "abc"
    assert repr(secret) == "Secret('***')"


# --------------------------------------------------------------------------------------------------
# github
# --------------------------------------------------------------------------------------------------


def test_deployment_source_must_be_known(tmp_path: Path) -> None:
    text = MINIMAL + "github:\n  deployments:\n    source: deploys\n"
    assert error_of(tmp_path, text) == (
        "config.yaml:4: github.deployments.source: must be one of deployments, workflow_runs, releases, "
        "merged_prs (got 'deploys')"
    )


def test_workflow_required_for_workflow_runs_default(tmp_path: Path) -> None:
    text = MINIMAL + "github:\n  deployments:\n    source: workflow_runs\n"
    assert error_of(tmp_path, text) == (
        "config.yaml:3: github.deployments.workflow: required when source is workflow_runs, e.g. deploy.yml"
    )


def test_workflow_required_for_workflow_runs_per_repository(tmp_path: Path) -> None:
    text = MINIMAL + textwrap.dedent(
        """\
        github:
          repositories:
            - acme/a
            - name: acme/b
              deployments: {source: workflow_runs}
        """
    )
    assert error_of(tmp_path, text) == (
        "config.yaml:6: github.repositories[1].deployments.workflow: required when source is "
        "workflow_runs, e.g. deploy.yml (repository acme/b)"
    )


def test_per_repository_override_merges_over_the_default(tmp_path: Path) -> None:
    text = MINIMAL + textwrap.dedent(
        """\
        github:
          deployments: {source: releases, environment: prod, workflow: ship.yml}
          repositories:
            - acme/plain
            - name: acme/runs
              deployments: {source: workflow_runs}
            - name: acme/merges
              deployments: {source: merged_prs, environment: live}
            - {name: acme/Default}
        """
    )
    config = load(tmp_path, text)
    assert config.github is not None
    assert config.github.deployments == DeploymentSource("releases", "prod", None)
    sources = {r.name: r.deployments for r in config.github.repositories}
    assert sources == {
        "acme/plain": DeploymentSource("releases", "prod", None),
        "acme/runs": DeploymentSource("workflow_runs", "prod", "ship.yml"),
        "acme/merges": DeploymentSource("merged_prs", "live", None),
        "acme/Default": DeploymentSource("releases", "prod", None),
    }
    assert repository_source(config, "acme/runs").workflow == "ship.yml"
    assert repository_source(config, "ACME/RUNS").source == "workflow_runs"
    assert repository_source(config, "acme/discovered") == DeploymentSource("releases", "prod", None)


def test_repository_source_without_github(tmp_path: Path) -> None:
    assert repository_source(load(tmp_path, MINIMAL), "a/b") == DeploymentSource(
        "deployments", "production", None
    )


@pytest.mark.parametrize("name", ["order-service", "acme/", "/x", "a/b/c", "ac me/x"])
def test_repository_names_are_owner_slash_name(tmp_path: Path, name: str) -> None:
    text = MINIMAL + f"github:\n  repositories:\n    - '{name}'\n"
    assert error_of(tmp_path, text) == (
        f"config.yaml:4: github.repositories[0]: must be a repository as owner/name (got {name!r})"
    )


def test_repositories_must_be_a_list(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + "github:\n  repositories: acme/x\n") == (
        "config.yaml:3: github.repositories: must be a list (got 'acme/x')"
    )


def test_repository_object_needs_a_name(tmp_path: Path) -> None:
    text = MINIMAL + "github:\n  repositories:\n    - deployments: {source: releases}\n"
    assert error_of(tmp_path, text) == "config.yaml:4: github.repositories[0].name: required (owner/name)"


def test_repository_listed_twice(tmp_path: Path) -> None:
    text = MINIMAL + "github:\n  repositories:\n    - acme/a\n    - name: Acme/A\n"
    assert error_of(tmp_path, text) == (
        "config.yaml:5: github.repositories[1].name: Acme/A is listed twice (first at config.yaml:4)"
    )


def test_organizations_and_incident_labels(tmp_path: Path) -> None:
    text = MINIMAL + "github:\n  organizations: [acme, acme-labs]\n  incident_labels: [incident, sev1]\n"
    config = load(tmp_path, text)
    assert config.github is not None
    assert config.github.organizations == ("acme", "acme-labs")
    assert config.github.incident_labels == ("incident", "sev1")
    assert error_of(tmp_path, MINIMAL + "github:\n  organizations: [acme/x]\n") == (
        "config.yaml:3: github.organizations[0]: must be a GitHub organization name (got 'acme/x')"
    )


def test_github_api_and_rate_limit_reserve(tmp_path: Path) -> None:
    github = load(tmp_path, MINIMAL + "github: {}\n").github
    assert github is not None and (github.api, github.rate_limit_reserve) == ("graphql", 0.1)
    github = load(tmp_path, MINIMAL + "github: {api: rest, rate_limit_reserve: 0}\n").github
    assert github is not None and (github.api, github.rate_limit_reserve) == ("rest", 0.0)
    github = load(
        tmp_path, MINIMAL + "github: {rate_limit_reserve: '${RESERVE}'}\n", {"RESERVE": "0.25"}
    ).github
    assert github is not None and github.rate_limit_reserve == 0.25
    assert error_of(tmp_path, MINIMAL + "github:\n  api: soap\n") == (
        "config.yaml:3: github.api: must be one of rest, graphql (got 'soap')"
    )
    assert error_of(tmp_path, MINIMAL + "github:\n  rate_limit_reserve: 1\n") == (
        "config.yaml:3: github.rate_limit_reserve: must be less than 1 (got 1)"
    )
    assert error_of(tmp_path, MINIMAL + "github:\n  rate_limit_reserve: -0.1\n") == (
        "config.yaml:3: github.rate_limit_reserve: must be at least 0 (got -0.1)"
    )
    assert error_of(tmp_path, MINIMAL + "github:\n  rate_limit_reserve: lots\n") == (
        "config.yaml:3: github.rate_limit_reserve: must be a number (got 'lots')"
    )


def test_base_url_must_be_http(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + "github: {base_url: api.github.com}\n") == (
        "config.yaml:2: github.base_url: must be an http(s) URL (got 'api.github.com')"
    )
    assert error_of(tmp_path, MINIMAL + "pagerduty: {base_url: 'http://pd.local'}\n") == (
        "config.yaml:2: pagerduty.base_url: must be an https URL (the PagerDuty client refuses http) "
        "(got 'http://pd.local')"
    )
    config = load(tmp_path, MINIMAL + "github: {base_url: 'https://ghe.example.com/api/v3/'}\n")
    assert config.github is not None and config.github.base_url == "https://ghe.example.com/api/v3"


def test_ca_bundle_is_resolved_and_must_exist(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("pem", encoding="utf-8")
    config = load(tmp_path, MINIMAL + "github: {ca_bundle: ca.pem}\npagerduty: {ca_bundle: ca.pem}\n")
    assert config.github is not None and config.pagerduty is not None
    assert config.github.ca_bundle == str(tmp_path / "ca.pem")
    assert config.pagerduty.ca_bundle == str(tmp_path / "ca.pem")
    assert error_of(tmp_path, MINIMAL + "github:\n  ca_bundle: missing.pem\n") == (
        f"config.yaml:3: github.ca_bundle: file not found: {tmp_path}/missing.pem"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-01-01", datetime(2025, 1, 1, tzinfo=UTC)),
        ("'2025-01-01'", datetime(2025, 1, 1, tzinfo=UTC)),
        ("2025-01-01T06:00:00+02:00", datetime(2025, 1, 1, 4, tzinfo=UTC)),
        ("'2025-01-01T06:00:00'", datetime(2025, 1, 1, 6, tzinfo=UTC)),
    ],
)
def test_since_is_an_aware_utc_datetime(tmp_path: Path, value: str, expected: datetime) -> None:
    config = load(tmp_path, MINIMAL + f"github:\n  since: {value}\n")
    assert config.github is not None
    assert config.github.since == expected
    assert config.github.since.tzinfo is UTC


@pytest.mark.parametrize("value", ["2025-06", "2025-06-01T02:00+02:00", "'2025-06-01 00:00'", "'20250601'"])
def test_since_reads_as_the_cli_reads_since(tmp_path: Path, value: str) -> None:
    """github.since and ``collect --since`` take the same words: one reader, not two."""
    config = load(tmp_path, MINIMAL + f"github:\n  since: {value}\n")
    assert config.github is not None
    assert config.github.since == datetime(2025, 6, 1, tzinfo=UTC)
    assert config.github.since == parse_instant_arg(value.strip("'"), "--since")


def test_impossible_date(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + "github:\n  since: 2025-13-01\n") == (
        "config.yaml:3: github.since: invalid value: month must be in 1..12"
    )


def test_bad_since(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + "github:\n  since: last year\n") == (
        "config.yaml:3: github.since: must be a date like 2025-01-01 (got 'last year')"
    )


def test_a_since_that_is_a_date_but_not_one_in_utc(tmp_path: Path) -> None:
    """Written with an offset, the last hours of year 9999 are past what UTC can hold: the message says
    so, rather than that it is no date."""
    assert error_of(tmp_path, MINIMAL + "github:\n  since: '9999-12-31T23:00:00-05:00'\n") == (
        "config.yaml:3: github.since: must be within years 1 to 9999 in UTC (got '9999-12-31T23:00:00-05:00')"
    )


# --------------------------------------------------------------------------------------------------
# pagerduty
# --------------------------------------------------------------------------------------------------


def test_pagerduty_urgencies(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + "pagerduty:\n  urgencies: [high, urgent]\n") == (
        "config.yaml:3: pagerduty.urgencies[1]: must be one of high, low (got 'urgent')"
    )
    assert error_of(tmp_path, MINIMAL + "pagerduty:\n  urgencies: []\n") == (
        "config.yaml:3: pagerduty.urgencies: needs at least one of high, low"
    )


def test_pagerduty_service_ids(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL + "pagerduty: {service_ids: [PABC123, PXYZ789]}\n")
    assert config.pagerduty is not None
    assert config.pagerduty.service_ids == ("PABC123", "PXYZ789")


def test_ids_that_yaml_1_1_reads_as_numbers_stay_as_written(tmp_path: Path) -> None:
    # YAML 1.1 reads 0123456 as octal (42798), 0x1F as hex (31), 1_000 as 1000 and 1:30 as 90 (base 60).
    text = MINIMAL + textwrap.dedent(
        """\
        pagerduty: {service_ids: [0123456, 0x1F, 1_000, 1:30, 42]}
        teams: [{name: ops, pagerduty_services: [0012], headcount: 12}]
        """
    )
    config = load(tmp_path, text)
    assert config.pagerduty is not None
    assert config.pagerduty.service_ids == ("0123456", "0x1F", "1_000", "1:30", "42")
    assert (config.teams[0].pagerduty_services, config.teams[0].headcount) == (("0012",), 12)


# --------------------------------------------------------------------------------------------------
# teams
# --------------------------------------------------------------------------------------------------


def test_teams(tmp_path: Path) -> None:
    text = MINIMAL + textwrap.dedent(
        """\
        teams:
          - name: order-team
            repositories: [acme/order-service, acme/cart]
            pagerduty_services: [P1]
            headcount: 8
            survey_names: [Orders]
          - name: platform
        """
    )
    config = load(tmp_path, text)
    assert [t.name for t in config.teams] == ["order-team", "platform"]
    assert config.teams[0].repositories == ("acme/order-service", "acme/cart")
    assert config.teams[0].pagerduty_services == ("P1",)
    assert config.teams[0].headcount == 8
    assert config.teams[1].headcount is None
    assert config.teams[1].repositories == ()
    assert config.teams[1].survey_names == ()


def test_team_name_unique(tmp_path: Path) -> None:
    text = MINIMAL + "teams:\n  - name: a\n  - name: b\n  - name: a\n"
    assert (
        error_of(tmp_path, text)
        == "config.yaml:5: teams[2].name: duplicate team 'a' (first at config.yaml:3)"
    )


def test_team_names_differing_only_in_letter_case_are_one_name(tmp_path: Path) -> None:
    # A catalog owner `Web` or a survey answer `WEB` would match either: the config refuses the pair.
    text = MINIMAL + "teams:\n  - name: web\n  - name: Web\n"
    assert (
        error_of(tmp_path, text)
        == "config.yaml:4: teams[1].name: duplicate team 'Web' (first at config.yaml:3)"
    )
    assert error_of(tmp_path, MINIMAL + "teams:\n  - name: Unowned\n") == (
        "config.yaml:3: teams[0].name: 'Unowned' is reserved "
        '("*" is the organisation, "unowned" the default team)'
    )


def test_team_name_required_and_reserved(tmp_path: Path) -> None:
    assert (
        error_of(tmp_path, MINIMAL + "teams:\n  - headcount: 3\n") == "config.yaml:3: teams[0].name: required"
    )
    assert error_of(tmp_path, MINIMAL + "teams:\n  - name: unowned\n") == (
        "config.yaml:3: teams[0].name: 'unowned' is reserved "
        '("*" is the organisation, "unowned" the default team)'
    )


def test_repository_of_two_teams_names_both(tmp_path: Path) -> None:
    text = MINIMAL + textwrap.dedent(
        """\
        teams:
          - name: order-team
            repositories: [acme/shared]
          - name: payments
            repositories:
              - acme/pay
              - Acme/Shared
        """
    )
    assert error_of(tmp_path, text) == (
        "config.yaml:8: teams[1].repositories[1]: repository Acme/Shared is listed by teams order-team "
        "(config.yaml:4) and payments; it can belong to only one"
    )


def test_pagerduty_service_of_two_teams(tmp_path: Path) -> None:
    text = (
        MINIMAL + "teams:\n  - {name: a, pagerduty_services: [P1]}\n  - {name: b, pagerduty_services: [P1]}\n"
    )
    assert error_of(tmp_path, text) == (
        "config.yaml:4: teams[1].pagerduty_services[0]: PagerDuty service P1 is listed by teams a "
        "(config.yaml:3) and b; it can belong to only one"
    )


def test_survey_spelling_of_another_team_as_survey_answers_compare_it(tmp_path: Path) -> None:
    """A survey answer is matched through NFKC and case folding (docs/surveys.md), so team b's
    spelling ``STRASSE`` is team ``Straße``'s own name, and ``ｏｒｄｅｒｓ`` (fullwidth) is team a's
    ``orders``: each would stop every survey import ("names both"), so the configuration refuses it.
    A team listing its own name among its spellings is no conflict."""
    text = (
        MINIMAL
        + "teams:\n  - {name: Straße, survey_names: [straße]}\n  - {name: b, survey_names: [STRASSE]}\n"
    )
    assert error_of(tmp_path, text) == (
        "config.yaml:4: teams[1].survey_names[0]: survey name STRASSE is listed by teams Straße "
        "(config.yaml:3) and b; it can belong to only one"
    )
    text = (
        MINIMAL
        + "teams:\n  - {name: a, survey_names: [orders]}\n  - {name: b, survey_names: [ｏｒｄｅｒｓ]}\n"
    )
    assert error_of(tmp_path, text) == (
        "config.yaml:4: teams[1].survey_names[0]: survey name ｏｒｄｅｒｓ is listed by teams a "
        "(config.yaml:3) and b; it can belong to only one"
    )


def test_team_repository_names_validated(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + "teams:\n  - name: a\n    repositories: [cart]\n") == (
        "config.yaml:4: teams[0].repositories[0]: must be a repository as owner/name (got 'cart')"
    )


@pytest.mark.parametrize("headcount", ["0", "-2", "'many'", "2.5", "true"])
def test_headcount_positive_int_or_null(tmp_path: Path, headcount: str) -> None:
    message = error_of(tmp_path, MINIMAL + f"teams:\n  - name: a\n    headcount: {headcount}\n")
    assert message.startswith("config.yaml:4: teams[0].headcount: must be a ")


def test_headcount_null(tmp_path: Path) -> None:
    assert load(tmp_path, MINIMAL + "teams:\n  - {name: a, headcount: null}\n").teams[0].headcount is None


# --------------------------------------------------------------------------------------------------
# durations, windows, benchmarks, schedule
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        ("1h30m", timedelta(minutes=90)),
    ],
)
def test_durations(tmp_path: Path, text: str, expected: timedelta) -> None:
    assert (
        load(tmp_path, MINIMAL + f"incidents: {{attribution_window: {text}}}\n").attribution_window
        == expected
    )


@pytest.mark.parametrize("text", ["3600", "1.5h", "h", "soon", "0m", "99999999999999d"])
def test_bad_durations(tmp_path: Path, text: str) -> None:
    message = error_of(tmp_path, MINIMAL + f"incidents:\n  attribution_window: {text}\n")
    assert message.startswith("config.yaml:3: incidents.attribution_window: must be ")


def test_bad_duration_message(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + "schedule:\n  github: 3600\n") == (
        "config.yaml:3: schedule.github: must be a duration like 30s, 15m, 24h or 7d (got 3600)"
    )


def test_schedule(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL + "schedule: {github: 1h, analytics: 30s}\n")
    assert config.schedule.github == timedelta(hours=1)
    assert config.schedule.pagerduty == timedelta(minutes=5)
    assert config.schedule["analytics"] == timedelta(seconds=30)
    assert error_of(tmp_path, MINIMAL + "schedule: {gihub: 1h}\n") == (
        "config.yaml:2: schedule.gihub: unknown key (did you mean 'github'?)"
    )


def test_windows(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL + "metrics: {windows: [1d, 2w, 28d]}\n")
    assert config.windows == (Window("1d", 1), Window("2w", 14), Window("28d", 28))


def test_windows_must_be_whole_days(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + "metrics:\n  windows: [7d, 36h]\n") == (
        "config.yaml:3: metrics.windows[1]: must be whole days, like 7d (got '36h')"
    )


def test_windows_unique(tmp_path: Path) -> None:
    text = MINIMAL + "metrics:\n  windows:\n    - 7d\n    - 30d\n    - 1w\n"
    assert error_of(tmp_path, text) == "config.yaml:6: metrics.windows[2]: duplicate window 1w (same as 7d)"


def test_windows_not_empty(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL + "metrics:\n  windows: []\n") == (
        "config.yaml:3: metrics.windows: needs at least one window, e.g. [7d, 30d, 90d]"
    )


def test_benchmarks(tmp_path: Path) -> None:
    assert load(tmp_path, MINIMAL + "metrics: {benchmarks: dora-2021}\n").benchmarks == "dora-2021"
    assert error_of(tmp_path, MINIMAL + "metrics:\n  benchmarks: dora-2024\n") == (
        "config.yaml:3: metrics.benchmarks: must be one of dora-2023, dora-2021 (got 'dora-2024')"
    )


def test_rework_labels(tmp_path: Path) -> None:
    assert load(tmp_path, MINIMAL + "rework: {labels: [hotfix]}\n").rework_labels == ("hotfix",)
    assert load(tmp_path, MINIMAL + "rework: {labels: []}\n").rework_labels == ()
    assert error_of(tmp_path, MINIMAL + "rework:\n  labels: [hotfix, Hotfix]\n") == (
        "config.yaml:3: rework.labels[1]: 'Hotfix' is listed twice (first at config.yaml:3)"
    )


# --------------------------------------------------------------------------------------------------
# http
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("listen", "host", "port"),
    [
        ("0.0.0.0:9100", "0.0.0.0", 9100),
        ("':9464'", "", 9464),
        ("'[::1]:8080'", "::1", 8080),
        ("localhost:0", "localhost", 0),
    ],
)
def test_http_listen(tmp_path: Path, listen: str, host: str, port: int) -> None:
    config = load(tmp_path, MINIMAL + f"http:\n  listen: {listen}\n")
    assert (config.http.host, config.http.port) == (host, port)


@pytest.mark.parametrize("listen", ["9464", "localhost", "localhost:http", "h:70000"])
def test_http_listen_errors(tmp_path: Path, listen: str) -> None:
    message = error_of(tmp_path, MINIMAL + f"http:\n  listen: {listen}\n")
    assert message.startswith("config.yaml:3: http.listen: must be host:port")


def test_http_tls_both_or_neither(tmp_path: Path) -> None:
    (tmp_path / "cert.pem").write_text("c", encoding="utf-8")
    (tmp_path / "key.pem").write_text("k", encoding="utf-8")
    config = load(tmp_path, MINIMAL + "http:\n  tls: {cert_file: cert.pem, key_file: key.pem}\n")
    assert config.http.tls_cert_file == str(tmp_path / "cert.pem")
    assert config.http.tls_key_file == str(tmp_path / "key.pem")
    assert config.http.tls_enabled
    assert error_of(tmp_path, MINIMAL + "http:\n  tls:\n    cert_file: cert.pem\n") == (
        "config.yaml:3: http.tls.key_file: required with the other TLS file: give both cert_file and "
        "key_file, or neither"
    )


def test_basic_auth_users(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL + f"http:\n  basic_auth_users:\n    grafana: '{BCRYPT}'\n")
    assert dict(config.http.basic_auth_users) == {"grafana": BCRYPT}
    with pytest.raises(TypeError):
        config.http.basic_auth_users["x"] = "y"  # type: ignore[index]
    assert error_of(tmp_path, MINIMAL + "http:\n  basic_auth_users:\n    grafana: secret\n") == (
        "config.yaml:4: http.basic_auth_users.grafana: must be a bcrypt hash ($2a$, $2b$ or $2y$, "
        "60 characters), e.g. from htpasswd -nBC 10"
    )


# --------------------------------------------------------------------------------------------------
# surveys
# --------------------------------------------------------------------------------------------------


def test_min_group_size(tmp_path: Path) -> None:
    assert load(tmp_path, MINIMAL + "surveys: {min_group_size: 3}\n").surveys.min_group_size == 3
    assert error_of(tmp_path, MINIMAL + "surveys:\n  min_group_size: 2\n") == (
        "config.yaml:3: surveys.min_group_size: must be at least 3 (got 2)"
    )
    assert error_of(tmp_path, MINIMAL + "surveys:\n  min_group_size: five\n") == (
        "config.yaml:3: surveys.min_group_size: must be a whole number (got 'five')"
    )


def test_respondent_secret_from_environment(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL + "surveys: {respondent_secret: '${KEY}'}\n", {"KEY": "k"})
    assert config.surveys.respondent_secret.value() == "k"


# --------------------------------------------------------------------------------------------------
# Objects
# --------------------------------------------------------------------------------------------------


def test_config_is_frozen(tmp_path: Path) -> None:
    config = load(tmp_path, SPEC_EXAMPLE, FULL_ENV)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.benchmarks = "dora-2021"  # type: ignore[misc]
    assert isinstance(config.teams, tuple) and isinstance(config.windows, tuple)
    assert config.github is not None and isinstance(config.github.repositories, tuple)


def test_environ_defaults_to_os_environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DORASPACE_TEST_DB", "duckdb:///:memory:")
    (tmp_path / "c.yaml").write_text("database: {url: '${DORASPACE_TEST_DB}'}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_config("c.yaml").database_url == "duckdb:///:memory:"


def test_yaml_merge_keys_work(tmp_path: Path) -> None:
    text = MINIMAL + textwrap.dedent(
        """\
        teams:
          - &base {name: a, headcount: 4}
          - <<: *base
            name: b
        """
    )
    config = load(tmp_path, text)
    assert [(t.name, t.headcount) for t in config.teams] == [("a", 4), ("b", 4)]
