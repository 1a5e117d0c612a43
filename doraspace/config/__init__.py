"""Load and validate the YAML configuration once, into frozen objects (SPEC §3).

Every other module receives plain values from these objects and never reads the YAML or the
environment itself. An error is one ``ConfigError`` line naming the file, the line (when the key is
in the file) and the key path: ``config.yaml:12: github.deployments.source: must be one of …``.

* ``${VAR}`` is replaced from the injected environment in every string value (``$${`` is a literal
  ``${``); an unset variable is an error at load, except in the secrets (``github.token``,
  ``pagerduty.token``, ``surveys.respondent_secret``): there only when a command asks for the value.
* Secrets come from the environment (``${VAR}``, by default ``${GITHUB_TOKEN}``, ``${PAGERDUTY_TOKEN}``,
  ``${DORASPACE_SURVEY_SECRET}``) or a file (``token_file``, ``respondent_secret_file``), never the file.
* ``null`` (or an empty value) for an optional key means its default. Relative file paths and
  ``duckdb:///relative`` URLs are resolved against the working directory.

The sections are frozen pydantic dataclasses validated straight from the YAML; each declares its keys
once, as fields (``AliasPath`` where the file nests what the object keeps flat: ``database.url`` →
``Config.database_url``). ``_Section`` checks the shape first (a mapping, no unknown key, null means
the default), then a section's ``_reshape`` turns the file's words into the object's (``http.listen``
→ host and port, ``token``/``token_file`` → one ``Secret``). Dataclasses rather than ``BaseModel``:
callers build ``DeploymentSource`` positionally and use ``dataclasses`` functions on these objects.
``values`` holds the checks pydantic has no word for and the error formatter; ``surveys.yaml_lines``
reads the YAML with its line numbers, for survey definitions too.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    AfterValidator,
    AliasPath,
    BeforeValidator,
    ConfigDict,
    Field,
    InstanceOf,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.dataclasses import dataclass
from pydantic_core import ArgsKwargs

from analytics.windows import WindowSpec
from doraspace.config import values as v
from doraspace.config.values import FrozenMapping as FrozenMapping
from doraspace.config.values import Secret as Secret
from doraspace.config.values import problem
from store.errors import ConfigError
from surveys.yaml_lines import compose

DEFAULT_CONFIG_PATH = "./doraspace.yaml"
DEFAULT_SINCE_DAYS = 365  # the first sync reaches this far back when github.since is not given
DeploymentKind = Literal["deployments", "workflow_runs", "releases", "merged_prs"]
Benchmarks = Literal["dora-2023", "dora-2021"]
DEPLOYMENT_SOURCES: tuple[str, ...] = get_args(DeploymentKind)
BENCHMARK_SETS: tuple[str, ...] = get_args(Benchmarks)
# Team names the analytics already use: "*" is the organisation row, "unowned" collects what no team owns.
RESERVED_TEAM_NAMES = ("*", "unowned")
_STRICT = ConfigDict(extra="forbid")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
TextOrNumber = Annotated[Text, BeforeValidator(v.text_or_number)]
Texts = Annotated[tuple[Text, ...], AfterValidator(v.unique)]
Whole = Annotated[int, BeforeValidator(v.whole)]
Duration = Annotated[timedelta, BeforeValidator(v.duration)]
Instant = Annotated[datetime, BeforeValidator(v.instant)]
ExistingFile = Annotated[Text, AfterValidator(v.existing_file)]
Window = WindowSpec
"""A metric window: its label as written (``7d``, ``2w``) and its length in whole days."""


@dataclass(frozen=True, config=_STRICT)
class _Section:
    _also: ClassVar[tuple[str, ...]] = ()
    """Keys of the file that ``_reshape`` reads, besides the fields."""
    _derived: ClassVar[tuple[str, ...]] = ()
    """Fields that ``_reshape`` fills, not keys of the file."""

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, ArgsKwargs | _Section) or not isinstance(info.context, v.Source):
            return data  # built in code, not read from a file
        tree: dict[str, Any] = dict.fromkeys(cls._also)
        for name, field in cls.__pydantic_fields__.items():  # type: ignore[attr-defined]
            alias = field.validation_alias
            *parents, leaf = alias.path if isinstance(alias, AliasPath) else [name]
            node = tree
            for part in parents:
                node = node.setdefault(str(part), {})
            node.update({} if name in cls._derived else {str(leaf): None})
        return cls._reshape(_checked(data, tree, ()), info.context)

    @classmethod
    def _reshape(cls, data: dict[str, Any], source: v.Source) -> dict[str, Any]:
        return data


def _checked(value: Any, tree: dict[str, Any], at: tuple[str, ...]) -> dict[str, Any]:
    """``value`` as a mapping holding only the keys of ``tree``, without its null values."""
    if not isinstance(value, dict):
        problem(f"must be a mapping with keys {', '.join(tree)} (got {v.shown(value)})", *at)
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key not in tree:
            close = difflib.get_close_matches(key, list(tree), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"expected one of {', '.join(tree)}"
            problem(f"unknown key ({hint})", *at, key)
        if item is not None and tree[key] is None:
            result[key] = item
        elif item is not None and (inner := _checked(item, tree[key], (*at, key))):
            result[key] = inner  # an empty one would be an unknown argument
    return result


@dataclass(frozen=True, config=_STRICT)
class DeploymentSource(_Section):
    """How a repository's production deployments are recognised (SPEC §5.1)."""

    source: DeploymentKind = "deployments"
    environment: Text = "production"
    """The GitHub environment for ``deployments``; the environment recorded for every source."""
    workflow: TextOrNumber | None = None
    """The workflow file (or id) for ``workflow_runs``; None for every other source."""

    @model_validator(mode="after")
    def _only_for_workflow_runs(self) -> DeploymentSource:
        # Kept while reading, so that a repository switching to workflow_runs inherits it.
        if self.source != "workflow_runs":
            object.__setattr__(self, "workflow", None)
        return self


DEFAULT_DEPLOYMENT_SOURCE = DeploymentSource()
_INHERITED = DeploymentSource("deployments", "inherited")  # replaced by github.deployments


@dataclass(frozen=True, config=_STRICT)
class RepositoryConfig(_Section):
    name: Annotated[Text, StringConstraints(pattern=v.REPOSITORY)]
    """``owner/name`` as written in the configuration."""
    deployments: DeploymentSource = _INHERITED
    """Fully resolved: the repository's override merged over ``github.deployments``."""

    @model_validator(mode="before")
    @classmethod
    def _by_name(cls, data: Any) -> Any:
        if isinstance(data, str) and not re.fullmatch(v.REPOSITORY, data.strip()):
            problem(f"must be a repository as owner/name (got {data.strip()!r})")
        return {"name": data} if isinstance(data, str) else data


def _distinct_repositories(repositories: tuple[RepositoryConfig, ...]) -> tuple[RepositoryConfig, ...]:
    v.unique(tuple(repository.name for repository in repositories), "{name} is listed twice", "name")
    return repositories


@dataclass(frozen=True, config=_STRICT)
class GitHubConfig(_Section):
    since: Instant
    base_url: Annotated[Text, AfterValidator(v.url("http", "https"))] = "https://api.github.com"
    token: InstanceOf[Secret] = v.NO_SECRET
    ca_bundle: ExistingFile | None = None
    deployments: DeploymentSource = DEFAULT_DEPLOYMENT_SOURCE
    repositories: Annotated[tuple[RepositoryConfig, ...], AfterValidator(_distinct_repositories)] = ()
    organizations: Annotated[
        tuple[Annotated[Text, StringConstraints(pattern=v.ORGANIZATION)], ...], AfterValidator(v.unique)
    ] = ()
    incident_labels: Texts = ("incident",)
    api: Literal["rest", "graphql"] = "rest"
    """``rest`` (one call per object) or ``graphql`` (fewer, larger calls)."""
    rate_limit_reserve: Annotated[float, Field(ge=0, lt=1)] = 0.1
    """The share of the hourly rate limit a sync leaves unused, for other users of the token."""
    _also = ("token_file",)

    @classmethod
    def _reshape(cls, data: dict[str, Any], source: v.Source) -> dict[str, Any]:
        v.secret(data, "github", "token", "GITHUB_TOKEN", source)
        data.setdefault("since", source.since)
        # A repository's own deployments: the keys it leaves out come from github.deployments.
        default = data["deployments"] if isinstance(data.get("deployments"), dict) else {}
        data["repositories"] = (
            [
                {
                    **item,
                    "deployments": {
                        **default,
                        **{k: x for k, x in item["deployments"].items() if x is not None},
                    },
                }
                if isinstance(item, dict) and isinstance(item.get("deployments"), dict)
                else item
                for item in data.get("repositories") or ()
            ]
            if isinstance(data.get("repositories", []), list)
            else data["repositories"]
        )
        return data

    @model_validator(mode="after")
    def _resolved(self) -> GitHubConfig:
        if self.deployments.source == "workflow_runs" and self.deployments.workflow is None:
            problem("required when source is workflow_runs, e.g. deploy.yml", "deployments", "workflow")
        for index, repository in enumerate(self.repositories):
            if repository.deployments is _INHERITED:
                object.__setattr__(repository, "deployments", self.deployments)
            elif repository.deployments.source == "workflow_runs" and repository.deployments.workflow is None:
                problem(
                    f"required when source is workflow_runs, e.g. deploy.yml (repository {repository.name})",
                    *("repositories", index, "deployments", "workflow"),
                )
        return self


@dataclass(frozen=True, config=_STRICT)
class PagerDutyConfig(_Section):
    base_url: Annotated[Text, AfterValidator(v.url("https"))] = "https://api.pagerduty.com"
    token: InstanceOf[Secret] = v.NO_SECRET
    ca_bundle: ExistingFile | None = None
    service_ids: Annotated[tuple[TextOrNumber, ...], AfterValidator(v.unique)] = ()
    since: Instant | None = None
    """Defaults to ``github.since`` (or to the default first-sync date when there is no github section)."""
    urgencies: Annotated[tuple[Literal["high", "low"], ...], AfterValidator(v.unique)] = ("high", "low")
    _also = ("token_file",)

    @classmethod
    def _reshape(cls, data: dict[str, Any], source: v.Source) -> dict[str, Any]:
        v.secret(data, "pagerduty", "token", "PAGERDUTY_TOKEN", source)
        return data

    @model_validator(mode="after")
    def _some_urgency(self) -> PagerDutyConfig:
        return self if self.urgencies else problem("needs at least one of high, low", "urgencies")


def _not_reserved(name: str) -> str:
    if name in RESERVED_TEAM_NAMES:
        problem(f'{name!r} is reserved ("*" is the organisation, "unowned" the default team)')
    return name


@dataclass(frozen=True, config=_STRICT)
class TeamConfig(_Section):
    name: Annotated[Text, AfterValidator(_not_reserved)]
    repositories: Annotated[
        tuple[Annotated[Text, StringConstraints(pattern=v.REPOSITORY)], ...], AfterValidator(v.unique)
    ] = ()
    pagerduty_services: Annotated[tuple[TextOrNumber, ...], AfterValidator(v.unique)] = ()
    headcount: Annotated[Whole, Field(ge=1)] | None = None
    survey_names: Texts = ()


def _distinct_teams(teams: tuple[TeamConfig, ...]) -> tuple[TeamConfig, ...]:
    named: dict[str, int] = {}
    # What each team claims, to report a repo, service or survey name claimed twice with both teams.
    claimed: dict[tuple[str, str], tuple[str, tuple[int, str, int]]] = {}
    for index, team in enumerate(teams):
        if team.name in named:
            first = (named[team.name], "name")
            problem(f"duplicate team {team.name!r} (first at {{first}})", index, "name", first=first)
        named[team.name] = index
        for kind, field, names in (
            ("repository", "repositories", team.repositories),
            ("PagerDuty service", "pagerduty_services", team.pagerduty_services),
            ("survey name", "survey_names", team.survey_names),
        ):
            for position, name in enumerate(names):
                if (kind, name.lower()) in claimed:
                    other, first_at = claimed[(kind, name.lower())]
                    problem(
                        f"{kind} {name} is listed by teams {other} ({{first}}) and {team.name}; "
                        "it can belong to only one",
                        *(index, field, position),
                        first=first_at,
                    )
                claimed[(kind, name.lower())] = (team.name, (index, field, position))
    return teams


@dataclass(frozen=True, config=_STRICT)
class ScheduleConfig(_Section):
    github: Duration = timedelta(minutes=15)
    pagerduty: Duration = timedelta(minutes=5)
    analytics: Duration = timedelta(minutes=5)

    def __getitem__(self, job: str) -> timedelta:
        """``schedule["github"]``: the interval of a job by name."""
        if job not in ("github", "pagerduty", "analytics"):
            raise KeyError(job)
        interval: timedelta = getattr(self, job)
        return interval


@dataclass(frozen=True, config=_STRICT)
class HttpConfig(_Section):
    host: str = "127.0.0.1"
    """``""`` means every interface (``listen: :9464``)."""
    port: int = 9464
    tls_cert_file: ExistingFile | None = Field(default=None, validation_alias=AliasPath("tls", "cert_file"))
    tls_key_file: ExistingFile | None = Field(default=None, validation_alias=AliasPath("tls", "key_file"))
    basic_auth_users: Annotated[
        Mapping[str, Annotated[Text, StringConstraints(pattern=v.BCRYPT)]], AfterValidator(FrozenMapping)
    ] = FrozenMapping()
    """User → bcrypt hash, read-only."""
    _also = ("listen",)
    _derived = ("host", "port")

    @classmethod
    def _reshape(cls, data: dict[str, Any], source: v.Source) -> dict[str, Any]:
        if "listen" in data:
            listen = data.pop("listen")
            if not isinstance(listen, str):
                problem(f"must be host:port, e.g. 127.0.0.1:9464 (got {v.shown(listen)})", "listen")
            host, colon, port = listen.strip().rpartition(":")
            if not colon or not port.isdigit() or not 0 <= int(port) <= 65535:
                problem(
                    f"must be host:port with a port 0-65535, e.g. 127.0.0.1:9464 (got {listen.strip()!r})",
                    "listen",
                )
            data["host"], data["port"] = host.removeprefix("[").removesuffix("]"), int(port)  # [::1]:9464
        return data

    @model_validator(mode="after")
    def _both_tls_files(self) -> HttpConfig:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            missing = "key_file" if self.tls_key_file is None else "cert_file"
            problem(
                "required with the other TLS file: give both cert_file and key_file, or neither",
                "tls",
                missing,
            )
        return self

    @property
    def tls_enabled(self) -> bool:
        return self.tls_cert_file is not None


@dataclass(frozen=True, config=_STRICT)
class SurveysConfig(_Section):
    min_group_size: Annotated[Whole, Field(ge=3)] = 5  # SPEC §7.4: anonymity never below groups of 3
    respondent_secret: InstanceOf[Secret] = v.NO_SECRET
    """Always present: defaults to ``${DORASPACE_SURVEY_SECRET}``, an error only when an import uses it."""
    _also = ("respondent_secret_file",)

    @classmethod
    def _reshape(cls, data: dict[str, Any], source: v.Source) -> dict[str, Any]:
        v.secret(data, "surveys", "respondent_secret", "DORASPACE_SURVEY_SECRET", source)
        return data


def _redact_url(url: str) -> str:
    # String surgery rather than urlunsplit, which would turn duckdb:////abs into duckdb://abs.
    scheme, sep, rest = url.partition("://")
    authority, slash, tail = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if at and ":" in userinfo:
        authority = f"{userinfo.partition(':')[0]}:***@{host}"
    tail = re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", tail)
    return f"{scheme}{sep}{authority}{slash}{tail}" if sep else url


def _database_url(url: str, info: ValidationInfo) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        problem(f"must be a URL like duckdb:///data/doraspace.duckdb (got {url!r})")
    if scheme == "duckdb":
        # SQLAlchemy's convention: three slashes then the path, so a fourth slash makes it absolute.
        if not rest.startswith("/"):
            problem(f"must be duckdb:///relative/path or duckdb:////absolute/path (got {url!r})")
        location, qmark, query = rest[1:].partition("?")
        if not location:
            problem("needs a file path after duckdb:/// (or :memory:)")
        location = location if location == ":memory:" else v.resolved(location, info)
        return f"duckdb:///{location}{qmark}{query}"
    if scheme == "postgresql+psycopg":
        return (
            url
            if rest not in ("", "/")
            else problem("needs a host or database: postgresql+psycopg://user@host/db")
        )
    if scheme in ("postgresql", "postgres", "postgresql+psycopg2"):
        # Redacted: this message goes to stderr and the URL may carry a password.
        problem(f"use the psycopg 3 driver: {_redact_url('postgresql+psycopg://' + rest)} (got {scheme}://)")
    problem(f"must start with duckdb:/// or postgresql+psycopg:// (got {scheme}://)")


@dataclass(frozen=True, config=_STRICT)
class Config(_Section):
    path: str
    """The configuration file as given (for messages)."""
    database_url: Annotated[Text, AfterValidator(_database_url)] = Field(
        validation_alias=AliasPath("database", "url")
    )
    """Resolved SQLAlchemy URL; may hold a password, so ``repr`` redacts it."""
    github: GitHubConfig | None = None
    pagerduty: PagerDutyConfig | None = None
    catalog_discover: bool = Field(default=True, validation_alias=AliasPath("catalog", "discover"))
    teams: Annotated[tuple[TeamConfig, ...], AfterValidator(_distinct_teams)] = ()
    attribution_window: Duration = Field(
        default=timedelta(hours=24), validation_alias=AliasPath("incidents", "attribution_window")
    )
    rework_labels: Texts = Field(
        default=("hotfix", "rollback", "revert", "incident"), validation_alias=AliasPath("rework", "labels")
    )
    windows: Annotated[tuple[WindowSpec, ...], BeforeValidator(v.windows)] = Field(
        default=(Window("7d", 7), Window("30d", 30), Window("90d", 90)),
        validation_alias=AliasPath("metrics", "windows"),
    )
    benchmarks: Benchmarks = Field(default="dora-2023", validation_alias=AliasPath("metrics", "benchmarks"))
    schedule: ScheduleConfig = ScheduleConfig()
    http: HttpConfig = HttpConfig()
    surveys: SurveysConfig = SurveysConfig()
    _derived = ("path",)

    @model_validator(mode="before")
    @classmethod
    def _database_written(cls, data: Any) -> Any:
        if isinstance(data, dict) and "database" not in data:
            problem(
                "required section is missing (e.g. database: {url: duckdb:///doraspace.duckdb})", "database"
            )
        return data

    @classmethod
    def _reshape(cls, data: dict[str, Any], source: v.Source) -> dict[str, Any]:
        if isinstance(data.get("pagerduty"), dict):  # pagerduty.since defaults to github.since
            github = data["github"] if isinstance(data.get("github"), dict) else {}
            data["pagerduty"] = {"since": github.get("since", source.since), **data["pagerduty"]}
        return {"surveys": {}, **data, "path": source.label}

    @property
    def redacted_database_url(self) -> str:
        """The database URL with any password replaced by ``***``, fit for logs."""
        return _redact_url(self.database_url)

    def __repr__(self) -> str:
        shown = {name: getattr(self, name) for name in self.__pydantic_fields__}  # type: ignore[attr-defined]
        shown["database_url"] = self.redacted_database_url
        return f"Config({', '.join(f'{name}={value!r}' for name, value in shown.items())})"


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
    source = v.Source(
        label=path,
        lines=lines,
        environ=os.environ if environ is None else environ,
        cwd=cwd if cwd is not None else os.getcwd(),
        since=(moment - timedelta(days=DEFAULT_SINCE_DAYS)).replace(
            hour=0, minute=0, second=0, microsecond=0
        ),
    )
    try:
        return _CONFIG.validate_python(v.interpolate(document, source), context=source)
    except ValidationError as exc:
        raise v.config_error(exc, source) from None


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
