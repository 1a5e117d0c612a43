"""Load and validate the YAML configuration once, into frozen objects (SPEC §3).

Every other module receives plain values from these objects and never reads the YAML or the
environment itself. Errors are a single ``ConfigError`` line naming the file, the YAML line (when the
key exists in the file) and the key path, e.g.::

    config.yaml:12: github.deployments.source: must be one of deployments, workflow_runs, releases,
    merged_prs (got 'deploys')

Rules worth knowing:

* ``${VAR}`` is replaced from the injected environment in every string value (``$${`` is a literal
  ``${``). Non-secret keys are interpolated at load; an unset variable there is an error at once.
  Secrets (``github.token``, ``pagerduty.token``, ``surveys.respondent_secret``) are resolved lazily:
  an unset variable is an error only when a command calls ``Secret.value()``, as SPEC §3 asks.
* Secrets never appear in the file itself: a secret key must reference the environment (``${VAR}``)
  or a file (``token_file:`` / ``respondent_secret_file:``). Without either, the token defaults to
  ``${GITHUB_TOKEN}``, ``${PAGERDUTY_TOKEN}`` and ``${DORASPACE_SURVEY_SECRET}``.
* ``null`` (or an empty value) for an optional key means its default.
* Relative file paths and ``duckdb:///relative`` URLs are resolved against the working directory.

``models`` declares the sections, ``values`` the checks of single values and the error formatter;
``surveys.yaml_lines`` reads the YAML with its line numbers (shared with survey definitions).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from pydantic import TypeAdapter, ValidationError

from doraspace.config.models import (
    BENCHMARK_SETS,
    DEFAULT_DEPLOYMENT_SOURCE,
    DEPLOYMENT_SOURCES,
    Config,
    DeploymentSource,
    GitHubConfig,
    HttpConfig,
    PagerDutyConfig,
    RepositoryConfig,
    ScheduleConfig,
    SurveysConfig,
    TeamConfig,
    Window,
)
from doraspace.config.values import FrozenMapping, Secret, Source, config_error
from store.errors import ConfigError
from surveys.yaml_lines import compose

__all__ = [
    "BENCHMARK_SETS",
    "DEFAULT_CONFIG_PATH",
    "DEPLOYMENT_SOURCES",
    "Config",
    "DeploymentSource",
    "FrozenMapping",
    "GitHubConfig",
    "HttpConfig",
    "PagerDutyConfig",
    "RepositoryConfig",
    "ScheduleConfig",
    "Secret",
    "SurveysConfig",
    "TeamConfig",
    "Window",
    "load_config",
    "parse_config",
    "repository_source",
    "resolve_config_path",
]

DEFAULT_CONFIG_PATH = "./doraspace.yaml"
# The first sync reaches this far back when github.since is not given.
DEFAULT_SINCE_DAYS = 365
_CONFIG = TypeAdapter(Config)


def resolve_config_path(cli_value: str | None, environ: Mapping[str, str]) -> str:
    """``--config`` if given, else ``$DORASPACE_CONFIG`` if set and non-empty, else ``./doraspace.yaml``."""
    if cli_value is not None:
        if not cli_value.strip():
            raise ConfigError("--config: empty path")
        return cli_value
    from_env = environ.get("DORASPACE_CONFIG", "")
    return from_env if from_env.strip() else DEFAULT_CONFIG_PATH


def load_config(
    path: str | os.PathLike[str],
    *,
    environ: Mapping[str, str] | None = None,
    cwd: str | None = None,
    now: datetime | None = None,
) -> Config:
    """Read, parse and validate the configuration file.

    ``environ`` defaults to ``os.environ`` and ``cwd`` to the process' working directory; relative
    paths (the file itself, ``duckdb:///`` URLs, token and certificate files) resolve against ``cwd``.
    ``now`` only sets the default ``github.since`` (365 days before it).
    """
    label = os.fspath(path)
    base = cwd if cwd is not None else os.getcwd()
    hint = " (give --config PATH or set DORASPACE_CONFIG)" if label == DEFAULT_CONFIG_PATH else ""
    try:
        with open(os.path.join(base, label), encoding="utf-8-sig") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise ConfigError(f"{label}: configuration file not found{hint}") from None
    except IsADirectoryError:
        raise ConfigError(f"{label}: is a directory, not a configuration file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{label}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{label}: cannot read the configuration file: {exc.strerror}") from None
    return parse_config(text, path=label, environ=environ, cwd=base, now=now)


def parse_config(
    text: str,
    *,
    path: str = "<config>",
    environ: Mapping[str, str] | None = None,
    cwd: str | None = None,
    now: datetime | None = None,
) -> Config:
    """Validate configuration text; ``path`` only names it in messages. See ``load_config``."""
    document, lines = compose(text, path, ConfigError)
    if document is None:
        raise ConfigError(f"{path}: the configuration is empty; database.url is required")
    moment = (now if now is not None else datetime.now(UTC)).astimezone(UTC)
    source = Source(
        label=path,
        lines=lines,
        environ=os.environ if environ is None else environ,
        cwd=cwd if cwd is not None else os.getcwd(),
        since=(moment - timedelta(days=DEFAULT_SINCE_DAYS)).replace(
            hour=0, minute=0, second=0, microsecond=0
        ),
    )
    try:
        return _CONFIG.validate_python(document, context=source)
    except ValidationError as exc:
        raise config_error(exc, source) from None


def repository_source(config: Config, repo: str) -> DeploymentSource:
    """The deployment source of ``repo``: its own override, else ``github.deployments``.

    GitHub names are case-insensitive, so is the match. Repositories discovered from
    ``github.organizations`` get the default.
    """
    if config.github is None:
        return DEFAULT_DEPLOYMENT_SOURCE
    wanted = repo.lower()
    for repository in config.github.repositories:
        if repository.name.lower() == wanted:
            return repository.deployments
    return config.github.deployments
