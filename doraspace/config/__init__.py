"""Load and validate the YAML configuration once, into frozen objects (SPEC §3; docs/configuration.md).

An error is one ``ConfigError`` line: ``config.yaml:12: github.deployments.source: must be one of …``.
Sections are frozen pydantic dataclasses (not ``BaseModel``: callers build ``DeploymentSource``
positionally and use ``dataclasses`` functions), each key declared once, as a field (``AliasPath``
where the file nests what the object keeps flat). ``_Section`` checks the shape (a mapping, no
unknown key, null = default) and builds the secrets; ``_reshape`` turns the file's words into the
object's. ``values`` interpolates ``${VAR}`` and words the errors.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal

from frozendict import frozendict
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

from analytics.settings import DEFAULT_WINDOWS
from analytics.windows import WindowSpec, parse_duration, parse_window
from collector.models import REPOSITORY
from doraspace.config import values as v
from doraspace.config.values import Secret as Secret
from doraspace.config.values import problem
from store.errors import ConfigError
from store.folding import fold
from store.urls import check_database_url, redact
from store.yaml_lines import compose, unknown_key

DEFAULT_CONFIG_PATH = "./doraspace.yaml"
DEFAULT_SINCE_DAYS = 365  # the first sync reaches this far back when github.since is not given
_STRICT = ConfigDict(extra="forbid")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
TextOrNumber = Annotated[Text, BeforeValidator(lambda x: str(x) if type(x) is int else x)]
Texts = Annotated[tuple[Text, ...], AfterValidator(v.unique)]
Whole = Annotated[int, BeforeValidator(v.whole)]
Duration = Annotated[timedelta, BeforeValidator(v.span(parse_duration))]
Instant = Annotated[datetime, BeforeValidator(v.instant)]
ExistingFile = Annotated[Text, AfterValidator(lambda path, info: v.resolved(path, info, exists=True))]
Unique = AfterValidator(v.unique)
Repository = Annotated[Text, StringConstraints(pattern=REPOSITORY)]
Organization = Annotated[Text, StringConstraints(pattern=v.ORGANIZATION)]
Bcrypt = Annotated[Text, StringConstraints(pattern=v.BCRYPT)]
Window = WindowSpec  # a metric window: its label as written (7d, 2w) and its length in whole days


def _nested(default: Any, *path: str) -> Any:
    return Field(default=default, validation_alias=AliasPath(*path))


@dataclass(frozen=True, config=_STRICT)
class _Section:
    _secrets: ClassVar[tuple[str, str]] = ("", "")  # key, the variable it defaults to (key_file: from a file)
    _derived: ClassVar[tuple[str, ...]] = ()  # fields that _reshape fills, not keys of the file

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any, info: ValidationInfo) -> Any:
        source = info.context
        if not isinstance(source, v.Source):
            return data  # built in code, not read from a file
        tree: dict[str, Any] = {}
        for name, field in cls.__pydantic_fields__.items():  # type: ignore[attr-defined]
            *parents, leaf = field.validation_alias.path if field.validation_alias else [name]
            node = tree
            for part in parents:
                node = node.setdefault(part, {})
            node.update({} if name in cls._derived else {leaf: None})
        name, variable = cls._secrets
        tree.update({f"{name}_file": None} if name else {})
        data = _checked(data, tree, ())
        if name:
            v.secret(data, cls.__name__.removesuffix("Config").lower(), name, variable, source)
        return cls._reshape(data, source)

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
            problem(unknown_key(key, list(tree)), *at, key)
        if item is not None and tree[key] is None:
            result[key] = item
        elif item is not None and (inner := _checked(item, tree[key], (*at, key))):
            result[key] = inner  # an empty one would be an unknown argument
    return result


@dataclass(frozen=True, config=_STRICT)
class DeploymentSource(_Section):
    """How a repository's production deployments are recognised (SPEC §5.1)."""

    source: Literal["deployments", "workflow_runs", "releases", "merged_prs"] = "deployments"
    environment: Text = "production"  # the GitHub environment for `deployments`, recorded for every source
    workflow: TextOrNumber | None = None  # file or id, for workflow_runs only

    @model_validator(mode="after")
    def _only_for_workflow_runs(self) -> DeploymentSource:
        # Kept while reading, so that a repository switching to workflow_runs inherits it.
        if self.source != "workflow_runs":
            object.__setattr__(self, "workflow", None)
        return self


DEFAULT_DEPLOYMENT_SOURCE = DeploymentSource()


@dataclass(frozen=True, config=_STRICT)
class RepositoryConfig(_Section):
    name: Repository  # owner/name as written
    deployments: DeploymentSource = DEFAULT_DEPLOYMENT_SOURCE  # its own keys over github.deployments


@dataclass(frozen=True, config=_STRICT)
class GitHubConfig(_Section):
    since: Instant
    base_url: Annotated[Text, AfterValidator(v.url("http", "https"))] = "https://api.github.com"
    token: InstanceOf[Secret] = v.NO_SECRET
    ca_bundle: ExistingFile | None = None
    deployments: DeploymentSource = DEFAULT_DEPLOYMENT_SOURCE
    repositories: Annotated[
        tuple[RepositoryConfig, ...],
        AfterValidator(lambda repos: v.unique(repos, "{name} is listed twice", "name")),
    ] = ()
    organizations: Annotated[tuple[Organization, ...], Unique] = ()
    incident_labels: Texts = ("incident",)
    api: Literal["rest", "graphql"] = "graphql"  # graphql: PRs and deployments in bulk; rest: REST only
    rate_limit_reserve: Annotated[float, Field(ge=0, lt=1)] = 0.1  # share of the hourly limit left unused
    _secrets = ("token", "GITHUB_TOKEN")

    @classmethod
    def _reshape(cls, data: dict[str, Any], source: v.Source) -> dict[str, Any]:
        data.setdefault("since", source.since)
        # The deployments keys a repository leaves out (all, if given by name) are github.deployments'.
        default = data["deployments"] if isinstance(data.get("deployments"), dict) else {}
        repositories = data["repositories"] if isinstance(data.get("repositories"), list) else []
        for index, item in enumerate(repositories):
            if isinstance(item, str) and not re.fullmatch(REPOSITORY, item.strip()):
                problem(f"must be a repository as owner/name (got {item.strip()!r})", "repositories", index)
            item = {"name": item} if isinstance(item, str) else item
            own = item.get("deployments") if isinstance(item, dict) else None
            if isinstance(item, dict) and isinstance(own, dict | None):
                own = {key: value for key, value in (own or {}).items() if value is not None}
                repositories[index] = {**item, "deployments": {**default, **own}}
        return data

    @model_validator(mode="after")
    def _workflows_given(self) -> GitHubConfig:
        _workflow_given(self.deployments, "", "deployments")
        for index, repository in enumerate(self.repositories):
            whose = f" (repository {repository.name})"
            _workflow_given(repository.deployments, whose, "repositories", index, "deployments")
        return self


def _workflow_given(deployments: DeploymentSource, whose: str, *at: str | int) -> None:
    if deployments.source == "workflow_runs" and deployments.workflow is None:
        problem(f"required when source is workflow_runs, e.g. deploy.yml{whose}", *at, "workflow")


@dataclass(frozen=True, config=_STRICT)
class PagerDutyConfig(_Section):
    base_url: Annotated[Text, AfterValidator(v.url("https"))] = "https://api.pagerduty.com"
    token: InstanceOf[Secret] = v.NO_SECRET
    ca_bundle: ExistingFile | None = None
    service_ids: Annotated[tuple[TextOrNumber, ...], Unique] = ()
    since: Instant | None = None  # defaults to github.since, else to the default first sync
    urgencies: Annotated[tuple[Literal["high", "low"], ...], Field(min_length=1), Unique] = ("high", "low")
    _secrets = ("token", "PAGERDUTY_TOKEN")


def _not_reserved(name: str) -> str:
    # Names the analytics already use: "*" is the organisation row, "unowned" what no team owns.
    if fold(name) in ("*", "unowned"):
        problem(f'{name!r} is reserved ("*" is the organisation, "unowned" the default team)')
    return name


@dataclass(frozen=True, config=_STRICT)
class TeamConfig(_Section):
    name: Annotated[Text, AfterValidator(_not_reserved)]
    repositories: Annotated[tuple[Repository, ...], Unique] = ()
    pagerduty_services: Annotated[tuple[TextOrNumber, ...], Unique] = ()
    headcount: Annotated[Whole, Field(ge=1)] | None = None
    survey_names: Texts = ()


def _distinct_teams(teams: tuple[TeamConfig, ...]) -> tuple[TeamConfig, ...]:
    """Team names are unique as survey answers are matched to them (``fold``: case, Unicode forms), the
    widest of the comparisons that match them; a repository, service or survey spelling (a team's name
    is one) belongs to one team."""
    v.unique(teams, "duplicate team {name!r}", "name", fold=fold)
    claims = (
        ((field, key), at, (f"{kind} {name}", team.name))
        for index, team in enumerate(teams)
        for field, kind in _CLAIMED.items()
        for key, (at, name) in _spellings(index, team, field).items()
    )
    owners = "{} is listed by teams {} ({{first}}) and {}; it can belong to only one"
    v.once(claims, lambda claim, first: owners.format(claim[0], first[1], claim[1]))
    return teams


def _spellings(index: int, team: TeamConfig, field: str) -> dict[str, tuple[tuple[Any, ...], str]]:
    """The team's names of ``field`` as compared → (where first, as written); its survey spellings
    include its own name, which survey answers match too."""
    named = [((index, field, position), name) for position, name in enumerate(getattr(team, field))]
    if field != "survey_names":
        return {name.lower(): (at, name) for at, name in named}  # each once: the field is Unique
    found: dict[str, tuple[tuple[Any, ...], str]] = {}
    for at, name in [((index, "name"), team.name), *named]:
        found.setdefault(fold(name), (at, name))
    return found


_CLAIMED = {
    "repositories": "repository",
    "pagerduty_services": "PagerDuty service",
    "survey_names": "survey name",
}


@dataclass(frozen=True, config=_STRICT)
class ScheduleConfig(_Section):
    github: Duration = timedelta(minutes=15)
    pagerduty: Duration = timedelta(minutes=5)
    analytics: Duration = timedelta(minutes=5)

    def __getitem__(self, job: str) -> timedelta:
        """``schedule["github"]``: the interval of a job by name."""
        return {"github": self.github, "pagerduty": self.pagerduty, "analytics": self.analytics}[job]


@dataclass(frozen=True, config=_STRICT)
class HttpConfig(_Section):
    # Both read listen: host:port, [::1]:9464 for IPv6, :9464 (host "") for every interface.
    host: Annotated[str, BeforeValidator(lambda listen: v.listen(listen)[0])] = _nested("127.0.0.1", "listen")
    port: Annotated[int, BeforeValidator(lambda listen: v.listen(listen)[1])] = _nested(9464, "listen")
    tls_cert_file: ExistingFile | None = _nested(None, "tls", "cert_file")
    tls_key_file: ExistingFile | None = _nested(None, "tls", "key_file")
    # Read-only, hashable, and (unlike MappingProxyType) deep-copyable.
    basic_auth_users: Annotated[Mapping[str, Bcrypt], AfterValidator(lambda users: frozendict(users))] = (
        frozendict()
    )

    @model_validator(mode="after")
    def _both_tls_files(self) -> HttpConfig:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            missing = "key_file" if self.tls_key_file is None else "cert_file"
            both = "give both cert_file and key_file, or neither"
            problem(f"required with the other TLS file: {both}", "tls", missing)
        return self

    @property
    def tls_enabled(self) -> bool:
        return self.tls_cert_file is not None


@dataclass(frozen=True, config=_STRICT)
class SurveysConfig(_Section):
    min_group_size: Annotated[Whole, Field(ge=3)] = 5  # SPEC §7.4: anonymity never below groups of 3
    respondent_secret: InstanceOf[Secret] = v.NO_SECRET  # an error only when an import uses it
    _secrets = ("respondent_secret", "DORASPACE_SURVEY_SECRET")


@dataclass(frozen=True, config=_STRICT)
class Config(_Section):
    path: str  # the configuration file as given, for messages
    # Which URLs the store can open is the store's rule: it raises ValueError, shown as our message.
    database_url: Annotated[
        Text, AfterValidator(lambda url, info: check_database_url(url, lambda path: v.resolved(path, info)))
    ] = Field(validation_alias=AliasPath("database", "url"), repr=False)
    github: GitHubConfig | None = None
    pagerduty: PagerDutyConfig | None = None
    catalog_discover: bool = _nested(True, "catalog", "discover")
    teams: Annotated[tuple[TeamConfig, ...], AfterValidator(_distinct_teams)] = ()
    attribution_window: Duration = _nested(timedelta(hours=24), "incidents", "attribution_window")
    rework_labels: Texts = _nested(("hotfix", "rollback", "revert", "incident"), "rework", "labels")
    windows: Annotated[
        tuple[Annotated[InstanceOf[WindowSpec], BeforeValidator(v.span(parse_window))], ...],
        Field(min_length=1),
        AfterValidator(v.distinct_windows),
    ] = _nested(DEFAULT_WINDOWS, "metrics", "windows")
    benchmarks: Literal["dora-2023", "dora-2021"] = _nested("dora-2023", "metrics", "benchmarks")
    schedule: ScheduleConfig = ScheduleConfig()
    http: HttpConfig = HttpConfig()
    surveys: SurveysConfig = SurveysConfig()
    _derived = ("path",)

    @classmethod
    def _reshape(cls, data: dict[str, Any], source: v.Source) -> dict[str, Any]:
        if isinstance(data.get("pagerduty"), dict):  # pagerduty.since (absent or null): github.since's
            github = data["github"] if isinstance(data.get("github"), dict) else {}
            given = [data["pagerduty"].get("since"), github.get("since"), source.since]
            data["pagerduty"] = {**data["pagerduty"], "since": next(s for s in given if s is not None)}
        return {"surveys": {}, **data, "path": source.label}

    @property
    def redacted_database_url(self) -> str:
        """The database URL with any password replaced by ``***``, fit for logs (``repr`` omits it)."""
        return redact(self.database_url)


_CONFIG = TypeAdapter(Config)


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
    label, base = os.fspath(path), cwd if cwd is not None else os.getcwd()
    hint = " (give --config PATH or set DORASPACE_CONFIG)" if label == DEFAULT_CONFIG_PATH else ""
    try:
        with open(os.path.join(base, label), encoding="utf-8-sig") as handle:
            text = handle.read()
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{label}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        reason = {
            FileNotFoundError: f"configuration file not found{hint}",
            IsADirectoryError: "is a directory, not a configuration file",
        }.get(type(exc), f"cannot read the configuration file: {exc.strerror}")
        raise ConfigError(f"{label}: {reason}") from None
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
    if isinstance(document, dict) and "database" not in document:
        raise ConfigError(
            f"{path}: database: required section is missing (e.g. database: {{url: duckdb:///doraspace.duckdb}})"
        )
    start = (now or datetime.now(UTC)).astimezone(UTC) - timedelta(days=DEFAULT_SINCE_DAYS)
    since = start.replace(hour=0, minute=0, second=0, microsecond=0)
    source = v.Source(path, lines, os.environ if environ is None else environ, cwd or os.getcwd(), since)
    try:
        return _CONFIG.validate_python(v.interpolate(document, source), context=source)
    except ValidationError as exc:
        raise v.config_error(exc, source) from None


def repository_source(config: Config, repo: str) -> DeploymentSource:
    """The deployment source of ``repo`` (case-insensitive): its own, else ``github.deployments``;
    repositories discovered from ``github.organizations`` get the default."""
    if config.github is None:
        return DEFAULT_DEPLOYMENT_SOURCE
    own = {repository.name.lower(): repository.deployments for repository in config.github.repositories}
    return own.get(repo.lower(), config.github.deployments)
