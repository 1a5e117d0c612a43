"""The configuration as frozen pydantic dataclasses, validated straight from the YAML (SPEC §3).

Each section declares its keys once, as fields (``AliasPath`` where the file nests what the object
keeps flat, e.g. ``database.url`` → ``Config.database_url``). ``_Section`` checks the shape first —
a mapping, no unknown key (with a "did you mean"), null meaning the default — then a section's
``_reshape`` turns the file's words into the object's (``http.listen`` → host and port, ``token`` /
``token_file`` → one ``Secret``). Dataclasses rather than ``BaseModel``, because callers build
``DeploymentSource`` positionally and use ``dataclasses`` functions on the configuration.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, AliasPath, ConfigDict, Field, InstanceOf, ValidationInfo, model_validator
from pydantic.dataclasses import dataclass
from pydantic_core import ArgsKwargs

from analytics.windows import WindowSpec
from doraspace.config import values as v
from doraspace.config.values import FrozenMapping, Secret, Source, Text, TextOrNumber, Texts, problem

DEPLOYMENT_SOURCES = ("deployments", "workflow_runs", "releases", "merged_prs")
BENCHMARK_SETS = ("dora-2023", "dora-2021")
URGENCIES = ("high", "low")
# Team names the analytics already use: "*" is the organisation row, "unowned" collects what no team owns.
RESERVED_TEAM_NAMES = ("*", "unowned")
MIN_GROUP_SIZE_FLOOR = 3
_STRICT = ConfigDict(extra="forbid")
_BCRYPT = re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}\Z")

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
        if isinstance(data, ArgsKwargs | _Section) or not isinstance(info.context, Source):
            return data  # built in code, not read from a file
        tree: dict[str, Any] = dict.fromkeys(cls._also)
        for name, field in cls.__pydantic_fields__.items():  # type: ignore[attr-defined]
            if name not in cls._derived:
                alias = field.validation_alias
                path = alias.path if isinstance(alias, AliasPath) else [name]
                node = tree
                for part in path[:-1]:
                    node = node.setdefault(str(part), {})
                node[str(path[-1])] = None
        return cls._reshape(_checked(data, tree, ()), info.context)

    @classmethod
    def _reshape(cls, data: dict[str, Any], source: Source) -> dict[str, Any]:
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

    source: Annotated[str, v.choice(*DEPLOYMENT_SOURCES)] = "deployments"
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


@dataclass(frozen=True, config=_STRICT)
class RepositoryConfig(_Section):
    name: Annotated[str, v.typed(v.repository)]
    """``owner/name`` as written in the configuration."""
    deployments: DeploymentSource = DEFAULT_DEPLOYMENT_SOURCE
    """Fully resolved: the repository's override merged over ``github.deployments``."""


def _written(section: Any) -> dict[str, Any]:
    return {key: value for key, value in (section or {}).items() if value is not None}


def _distinct_repositories(repositories: tuple[RepositoryConfig, ...]) -> tuple[RepositoryConfig, ...]:
    seen: dict[str, int] = {}
    for index, repository in enumerate(repositories):
        if repository.name.lower() in seen:
            first = seen[repository.name.lower()]
            problem(f"{repository.name} is listed twice (first at {{first}})", index, "name", first=(first,))
        seen[repository.name.lower()] = index
    return repositories


@dataclass(frozen=True, config=_STRICT)
class GitHubConfig(_Section):
    since: Annotated[datetime, v.typed(v.instant)]
    base_url: Annotated[str, v.base_url("http", "https")] = "https://api.github.com"
    token: InstanceOf[Secret] = v.NO_SECRET
    ca_bundle: Annotated[str, v.typed(v.existing_file)] | None = None
    deployments: DeploymentSource = DEFAULT_DEPLOYMENT_SOURCE
    repositories: Annotated[tuple[RepositoryConfig, ...], AfterValidator(_distinct_repositories)] = ()
    organizations: Annotated[tuple[str, ...], v.texts(v.organization)] = ()
    incident_labels: Texts = ("incident",)
    api: Annotated[str, v.choice("rest", "graphql")] = "rest"
    """``rest`` (PyGithub, one call per object) or ``graphql`` (fewer, larger calls)."""
    rate_limit_reserve: Annotated[float, v.typed(v.fraction)] = 0.1
    """The share of the hourly rate limit a sync leaves unused, for other clients of the token."""
    _also = ("token_file",)

    @classmethod
    def _reshape(cls, data: dict[str, Any], source: Source) -> dict[str, Any]:
        v.secret(data, "github", "token", "token_file", source)
        data.setdefault("since", source.since)
        # A repository's own deployments: keys it leaves out come from github.deployments.
        default = data["deployments"] if isinstance(data.get("deployments"), dict) else {}
        if isinstance(data.get("repositories"), list):
            data["repositories"] = [
                {"name": v.below(("repositories", index), v.repository, item, source), "deployments": default}
                if isinstance(item, str)
                else {**item, "deployments": {**default, **_written(item.get("deployments"))}}
                if isinstance(item, dict) and isinstance(item.get("deployments") or {}, dict)
                else item
                for index, item in enumerate(data["repositories"])
            ]
        return data

    @model_validator(mode="after")
    def _workflow_given(self) -> GitHubConfig:
        if self.deployments.source == "workflow_runs" and self.deployments.workflow is None:
            problem("required when source is workflow_runs, e.g. deploy.yml", "deployments", "workflow")
        for index, repository in enumerate(self.repositories):
            if repository.deployments.source == "workflow_runs" and repository.deployments.workflow is None:
                problem(
                    f"required when source is workflow_runs, e.g. deploy.yml (repository {repository.name})",
                    *("repositories", index, "deployments", "workflow"),
                )
        return self


@dataclass(frozen=True, config=_STRICT)
class PagerDutyConfig(_Section):
    base_url: Annotated[str, v.base_url("https")] = "https://api.pagerduty.com"
    token: InstanceOf[Secret] = v.NO_SECRET
    ca_bundle: Annotated[str, v.typed(v.existing_file)] | None = None
    service_ids: Annotated[tuple[str, ...], v.texts(number=True)] = ()
    since: Annotated[datetime, v.typed(v.instant)] | None = None
    """Defaults to ``github.since`` (or to the default first-sync date when there is no github section)."""
    urgencies: Annotated[tuple[str, ...], v.texts(v.one_of(*URGENCIES))] = URGENCIES
    _also = ("token_file",)

    @classmethod
    def _reshape(cls, data: dict[str, Any], source: Source) -> dict[str, Any]:
        v.secret(data, "pagerduty", "token", "token_file", source)
        return data

    @model_validator(mode="after")
    def _some_urgency(self) -> PagerDutyConfig:
        return self if self.urgencies else problem("needs at least one of high, low", "urgencies")


def _headcount(value: Any, source: Source | None) -> int:
    count = v.integer(value, source)
    return count if count >= 1 else problem(f"must be a positive whole number or null (got {count})")


def _team_name(value: Any, source: Source | None) -> str:
    name = v.nonempty(value, source)
    if name in RESERVED_TEAM_NAMES:
        problem(f'{name!r} is reserved ("*" is the organisation, "unowned" the default team)')
    return name


@dataclass(frozen=True, config=_STRICT)
class TeamConfig(_Section):
    name: Annotated[str, v.typed(_team_name)]
    repositories: Annotated[tuple[str, ...], v.texts(v.repository)] = ()
    pagerduty_services: Annotated[tuple[str, ...], v.texts(number=True)] = ()
    headcount: Annotated[int, v.typed(_headcount)] | None = None
    survey_names: Texts = ()


def _distinct_teams(teams: tuple[TeamConfig, ...]) -> tuple[TeamConfig, ...]:
    named: dict[str, int] = {}
    # What each team claims, to report a repo, service or survey name claimed twice with both teams.
    claimed: dict[tuple[str, str], tuple[str, tuple[int, str, int]]] = {}
    for index, team in enumerate(teams):
        if team.name in named:
            problem(
                f"duplicate team {team.name!r} (first at {{first}})",
                index,
                "name",
                first=(named[team.name], "name"),
            )
        named[team.name] = index
        for kind, field, names in (
            ("repository", "repositories", team.repositories),
            ("PagerDuty service", "pagerduty_services", team.pagerduty_services),
            ("survey name", "survey_names", team.survey_names),
        ):
            for position, name in enumerate(names):
                if (kind, name.lower()) in claimed:
                    other, first = claimed[(kind, name.lower())]
                    problem(
                        f"{kind} {name} is listed by teams {other} ({{first}}) and {team.name}; "
                        "it can belong to only one",
                        *(index, field, position),
                        first=first,
                    )
                claimed[(kind, name.lower())] = (team.name, (index, field, position))
    return teams


@dataclass(frozen=True, config=_STRICT)
class ScheduleConfig(_Section):
    github: Annotated[timedelta, v.typed(v.duration)] = timedelta(minutes=15)
    pagerduty: Annotated[timedelta, v.typed(v.duration)] = timedelta(minutes=5)
    analytics: Annotated[timedelta, v.typed(v.duration)] = timedelta(minutes=5)

    def __getitem__(self, job: str) -> timedelta:
        """``schedule["github"]``: the interval of a job by name."""
        if job not in ("github", "pagerduty", "analytics"):
            raise KeyError(job)
        interval: timedelta = getattr(self, job)
        return interval


def _users(value: Any, source: Source | None) -> FrozenMapping:
    if isinstance(value, FrozenMapping):
        return value
    if not isinstance(value, dict):
        problem(f"must be a mapping of user: bcrypt hash (got {v.shown(value)})")
    for user, hashed in value.items():
        if not _BCRYPT.match(v.below((user,), v.nonempty, hashed, source)):
            problem(
                "must be a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters), e.g. from htpasswd -nBC 10", user
            )
    return FrozenMapping({user: v.nonempty(hashed, source) for user, hashed in value.items()})


@dataclass(frozen=True, config=_STRICT)
class HttpConfig(_Section):
    host: str = "127.0.0.1"
    """``""`` means every interface (``listen: :9464``)."""
    port: int = 9464
    tls_cert_file: Annotated[str, v.typed(v.existing_file)] | None = Field(
        default=None, validation_alias=AliasPath("tls", "cert_file")
    )
    tls_key_file: Annotated[str, v.typed(v.existing_file)] | None = Field(
        default=None, validation_alias=AliasPath("tls", "key_file")
    )
    basic_auth_users: Annotated[Mapping[str, str], v.typed(_users)] = FrozenMapping()
    """User → bcrypt hash, read-only."""
    _also = ("listen",)
    _derived = ("host", "port")

    @classmethod
    def _reshape(cls, data: dict[str, Any], source: Source) -> dict[str, Any]:
        if "listen" in data:
            if not isinstance(data["listen"], str):
                problem(f"must be host:port, e.g. 127.0.0.1:9464 (got {v.shown(data['listen'])})", "listen")
            spelled = v.below(("listen",), v.interpolated, data.pop("listen"), source).strip()
            host, colon, port = spelled.rpartition(":")
            if not colon or not port.isdigit() or not 0 <= int(port) <= 65535:
                problem(
                    f"must be host:port with a port 0-65535, e.g. 127.0.0.1:9464 (got {spelled!r})", "listen"
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


def _group_size(value: Any, source: Source | None) -> int:
    size = v.integer(value, source)
    # SPEC §7.4: anonymity never goes below groups of 3.
    return (
        size
        if size >= MIN_GROUP_SIZE_FLOOR
        else problem(f"must be at least {MIN_GROUP_SIZE_FLOOR} (got {size})")
    )


@dataclass(frozen=True, config=_STRICT)
class SurveysConfig(_Section):
    min_group_size: Annotated[int, v.typed(_group_size)] = 5
    respondent_secret: InstanceOf[Secret] = v.NO_SECRET
    """Always present: defaults to ``${DORASPACE_SURVEY_SECRET}``, an error only when an import uses it."""
    _also = ("respondent_secret_file",)

    @classmethod
    def _reshape(cls, data: dict[str, Any], source: Source) -> dict[str, Any]:
        v.secret(data, "surveys", "respondent_secret", "respondent_secret_file", source)
        return data


def _redact_url(url: str) -> str:
    # String surgery rather than urlunsplit, which would turn duckdb:////abs into duckdb://abs.
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if at and ":" in userinfo:
        authority = f"{userinfo.partition(':')[0]}:***@{host}"
    tail = re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", tail)
    return f"{scheme}{sep}{authority}{slash}{tail}"


def _database_url(value: Any, source: Source | None) -> str:
    url = v.nonempty(value, source)
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
        if location != ":memory:":
            location = v.path_of(location, source)
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
    database_url: Annotated[str, v.typed(_database_url)] = Field(
        validation_alias=AliasPath("database", "url")
    )
    """Resolved SQLAlchemy URL; may hold a password, so ``repr`` redacts it."""
    github: GitHubConfig | None = None
    pagerduty: PagerDutyConfig | None = None
    catalog_discover: Annotated[bool, v.typed(v.boolean)] = Field(
        default=True, validation_alias=AliasPath("catalog", "discover")
    )
    teams: Annotated[tuple[TeamConfig, ...], AfterValidator(_distinct_teams)] = ()
    attribution_window: Annotated[timedelta, v.typed(v.duration)] = Field(
        default=timedelta(hours=24), validation_alias=AliasPath("incidents", "attribution_window")
    )
    rework_labels: Texts = Field(
        default=("hotfix", "rollback", "revert", "incident"), validation_alias=AliasPath("rework", "labels")
    )
    windows: Annotated[tuple[WindowSpec, ...], v.typed(v.windows)] = Field(
        default=(Window("7d", 7), Window("30d", 30), Window("90d", 90)),
        validation_alias=AliasPath("metrics", "windows"),
    )
    benchmarks: Annotated[str, v.choice(*BENCHMARK_SETS)] = Field(
        default="dora-2023", validation_alias=AliasPath("metrics", "benchmarks")
    )
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
    def _reshape(cls, data: dict[str, Any], source: Source) -> dict[str, Any]:
        return {"surveys": {}, **data, "path": source.label}

    @model_validator(mode="after")
    def _pagerduty_since(self, info: ValidationInfo) -> Config:
        if self.pagerduty is not None and self.pagerduty.since is None and isinstance(info.context, Source):
            since = self.github.since if self.github is not None else info.context.since
            object.__setattr__(self.pagerduty, "since", since)
        return self

    @property
    def redacted_database_url(self) -> str:
        """The database URL with any password replaced by ``***``, fit for logs."""
        return _redact_url(self.database_url)

    def __repr__(self) -> str:
        shown = {name: getattr(self, name) for name in self.__pydantic_fields__}  # type: ignore[attr-defined]
        shown["database_url"] = self.redacted_database_url
        return f"Config({', '.join(f'{name}={value!r}' for name, value in shown.items())})"
