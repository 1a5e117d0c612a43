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
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any, NoReturn
from urllib.parse import urlsplit

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from store.errors import ConfigError

__all__ = [
    "BENCHMARK_SETS",
    "DEFAULT_CONFIG_PATH",
    "DEPLOYMENT_SOURCES",
    "Config",
    "DeploymentSource",
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
DEPLOYMENT_SOURCES = ("deployments", "workflow_runs", "releases", "merged_prs")
BENCHMARK_SETS = ("dora-2023", "dora-2021")
URGENCIES = ("high", "low")
# Team names the analytics already use: "*" is the organisation row, "unowned" collects what no team owns.
RESERVED_TEAM_NAMES = ("*", "unowned")
# The first sync reaches this far back when github.since is not given.
DEFAULT_SINCE_DAYS = 365
MIN_GROUP_SIZE_FLOOR = 3


# --------------------------------------------------------------------------------------------------
# Public objects
# --------------------------------------------------------------------------------------------------


def _unset_secret() -> str:
    raise ConfigError("secret: no value")


@dataclass(frozen=True)
class Secret:
    """A token or key, resolved only when a command uses it, and never shown.

    The value lives behind a closure rather than in a field, so that neither ``repr`` nor
    ``dataclasses.asdict`` (which someone may dump as JSON) can reveal it.
    """

    key: str
    """The key path it came from, e.g. ``github.token``."""
    origin: str
    """Where the value comes from, safe to show: ``${GITHUB_TOKEN}`` or ``file /run/secrets/gh``."""
    _reveal: Callable[[], str] = field(default=_unset_secret, repr=False, compare=False)

    def value(self) -> str:
        """The secret; raises ``ConfigError`` naming the key and variable/file if it cannot be had."""
        return self._reveal()

    def problem(self) -> str | None:
        """Why ``value()`` would fail (for ``check-config``), or None; never the value itself."""
        try:
            self._reveal()
        except ConfigError as exc:
            return str(exc)
        return None

    @classmethod
    def from_value(cls, value: str, *, key: str = "secret") -> Secret:
        """A secret with a known value (tests, the demo)."""
        return cls(key=key, origin="literal", _reveal=lambda: value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True)
class DeploymentSource:
    """How a repository's production deployments are recognised (SPEC §5.1)."""

    source: str
    """One of ``deployments``, ``workflow_runs``, ``releases``, ``merged_prs``."""
    environment: str
    """The GitHub environment for ``deployments``; the environment recorded for every source."""
    workflow: str | None
    """The workflow file (or id) for ``workflow_runs``; None for every other source."""


DEFAULT_DEPLOYMENT_SOURCE = DeploymentSource(source="deployments", environment="production", workflow=None)


@dataclass(frozen=True)
class RepositoryConfig:
    name: str
    """``owner/name`` as written in the configuration."""
    deployments: DeploymentSource
    """Fully resolved: the repository's override merged over ``github.deployments``."""


@dataclass(frozen=True)
class GitHubConfig:
    base_url: str
    token: Secret
    ca_bundle: str | None
    since: datetime
    repositories: tuple[RepositoryConfig, ...]
    organizations: tuple[str, ...]
    deployments: DeploymentSource
    incident_labels: tuple[str, ...]
    api: str = "graphql"
    """``rest`` or ``graphql``: how pull requests and deployments are read (compares are always REST)."""
    rate_limit_reserve: float = 0.1
    """Fraction (0 <= x < 1) of the rate-limit quota a sync leaves for the organisation's other tools."""


@dataclass(frozen=True)
class PagerDutyConfig:
    base_url: str
    token: Secret
    ca_bundle: str | None
    service_ids: tuple[str, ...]
    since: datetime | None
    """Defaults to ``github.since`` (or to the default first-sync date when there is no github section)."""
    urgencies: tuple[str, ...]


@dataclass(frozen=True)
class TeamConfig:
    name: str
    repositories: tuple[str, ...]
    pagerduty_services: tuple[str, ...]
    headcount: int | None
    survey_names: tuple[str, ...]


@dataclass(frozen=True)
class Window:
    label: str
    """As written, e.g. ``7d``; used as the ``window`` label."""
    days: int


@dataclass(frozen=True)
class ScheduleConfig:
    github: timedelta
    pagerduty: timedelta
    analytics: timedelta

    def __getitem__(self, job: str) -> timedelta:
        """``schedule["github"]``: the interval of a job by name."""
        if job not in ("github", "pagerduty", "analytics"):
            raise KeyError(job)
        interval: timedelta = getattr(self, job)
        return interval


class FrozenMapping(Mapping[str, str]):
    """A read-only, hashable mapping that (unlike ``MappingProxyType``) survives ``copy.deepcopy``."""

    __slots__ = ("_items",)
    _items: dict[str, str]

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        object.__setattr__(self, "_items", dict(items or {}))

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("FrozenMapping is read-only")

    def __reduce__(self) -> tuple[type[FrozenMapping], tuple[dict[str, str]]]:
        # copy, deepcopy and pickle rebuild it through __init__, since __setattr__ is closed.
        return (FrozenMapping, (self._items,))

    def __repr__(self) -> str:
        return f"FrozenMapping({self._items!r})"


@dataclass(frozen=True)
class HttpConfig:
    host: str
    """``""`` means every interface (``listen: :9464``)."""
    port: int
    tls_cert_file: str | None
    tls_key_file: str | None
    basic_auth_users: Mapping[str, str]
    """User → bcrypt hash, read-only."""

    @property
    def tls_enabled(self) -> bool:
        return self.tls_cert_file is not None


@dataclass(frozen=True)
class SurveysConfig:
    min_group_size: int
    respondent_secret: Secret
    """Always present: defaults to ``${DORASPACE_SURVEY_SECRET}``, an error only when an import uses it."""


@dataclass(frozen=True)
class Config:
    path: str
    """The configuration file as given (for messages)."""
    database_url: str
    """Resolved SQLAlchemy URL; may hold a password, so ``repr`` redacts it."""
    github: GitHubConfig | None
    pagerduty: PagerDutyConfig | None
    catalog_discover: bool
    teams: tuple[TeamConfig, ...]
    attribution_window: timedelta
    rework_labels: tuple[str, ...]
    windows: tuple[Window, ...]
    benchmarks: str
    schedule: ScheduleConfig
    http: HttpConfig
    surveys: SurveysConfig

    @property
    def redacted_database_url(self) -> str:
        """The database URL with any password replaced by ``***``, fit for logs."""
        return _redact_url(self.database_url)

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            shown = self.redacted_database_url if f.name == "database_url" else getattr(self, f.name)
            parts.append(f"{f.name}={shown!r}")
        return f"Config({', '.join(parts)})"


# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------


def resolve_config_path(cli_value: str | None, environ: Mapping[str, str]) -> str:
    """``--config`` if given, else ``$DORASPACE_CONFIG`` if set and non-empty, else ``./doraspace.yaml``."""
    if cli_value is not None:
        if not cli_value.strip():
            raise ConfigError("--config: empty path")
        return cli_value
    from_env = environ.get("DORASPACE_CONFIG", "")
    if from_env.strip():
        return from_env
    return DEFAULT_CONFIG_PATH


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
    full_path = os.path.join(base, label)
    hint = " (give --config PATH or set DORASPACE_CONFIG)" if label == DEFAULT_CONFIG_PATH else ""
    try:
        with open(full_path, encoding="utf-8-sig") as handle:
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
    document, lines = _compose(path, text)
    reader = _Reader(
        label=path,
        lines=lines,
        environ=os.environ if environ is None else environ,
        cwd=cwd if cwd is not None else os.getcwd(),
    )
    return _build_config(reader, document, now if now is not None else datetime.now(UTC))


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


# --------------------------------------------------------------------------------------------------
# YAML with line numbers
# --------------------------------------------------------------------------------------------------


def _compose(label: str, text: str) -> tuple[object, dict[str, int]]:
    """Parse YAML into plain values plus a map key path → 1-based line of that key in the file.

    We compose the node graph ourselves (instead of ``yaml.safe_load``) because only nodes carry
    line marks, and to reject duplicate keys, which PyYAML would silently let the last one win.
    """
    loader = yaml.SafeLoader(text)
    lines: dict[str, int] = {}
    try:
        root = loader.get_single_node()
        if root is None:
            return None, lines
        return _construct(loader, label, root, "", lines, set()), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{label}:{mark.line + 1}" if mark is not None else label
        problem = exc.problem or exc.context or "malformed"
        raise ConfigError(f"{where}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{label}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()


_YAML_MAP = "tag:yaml.org,2002:map"
_YAML_SEQ = "tag:yaml.org,2002:seq"


def _construct(
    loader: yaml.SafeLoader, label: str, node: Node, path: str, lines: dict[str, int], active: set[int]
) -> object:
    if id(node) in active:
        # A recursive alias (&a [*a]) would otherwise never end.
        raise ConfigError(f"{label}:{node.start_mark.line + 1}: {path}: recursive YAML alias")
    if isinstance(node, ScalarNode):
        try:
            return loader.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:
            # PyYAML lets these escape for impossible timestamps such as 2025-13-01.
            raise ConfigError(f"{label}:{node.start_mark.line + 1}: {path}: invalid value: {exc}") from None
    if node.tag not in (_YAML_MAP, _YAML_SEQ):
        # We walk collections ourselves, so refuse tags the safe loader would have refused.
        raise ConfigError(f"{label}:{node.start_mark.line + 1}: invalid YAML: unsupported tag {node.tag}")
    active.add(id(node))
    try:
        if isinstance(node, SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                item_path = f"{path}[{index}]"
                lines.setdefault(item_path, item.start_mark.line + 1)
                items.append(_construct(loader, label, item, item_path, lines, active))
            return items
        if isinstance(node, MappingNode):
            written = {id(key_node) for key_node, _ in node.value}
            # Resolves YAML merge keys (<<: *defaults); merged pairs come first, so written ones override.
            loader.flatten_mapping(node)
            mapping: dict[str, object] = {}
            merged: set[str] = set()
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if not isinstance(key_node, ScalarNode):
                    raise ConfigError(f"{label}:{line}: {path or 'document'}: keys must be plain names")
                # The key as written: PyYAML would turn `on:`/`yes:` into True.
                key = str(key_node.value)
                key_path = f"{path}.{key}" if path else key
                if id(key_node) not in written:
                    merged.add(key)
                elif key in merged:
                    merged.discard(key)
                elif key in mapping:
                    raise ConfigError(
                        f"{label}:{line}: {key_path}: duplicate key (first at line {lines[key_path]})"
                    )
                lines[key_path] = line
                mapping[key] = _construct(loader, label, value_node, key_path, lines, active)
            return mapping
    finally:
        active.discard(id(node))
    raise ConfigError(f"{label}:{node.start_mark.line + 1}: {path}: unsupported YAML node")


# --------------------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------------------

_REFERENCE = re.compile(r"\$(\$?)\{([^}]*)\}")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DURATION = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?\Z")
_REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+\Z")
_ORGANIZATION = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\Z")
_BCRYPT = re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}\Z")
_TRUE = ("true", "yes", "on")
_FALSE = ("false", "no", "off")


def _parent(key: str) -> str:
    if key.endswith("]"):
        return key[: key.rindex("[")]
    return key.rpartition(".")[0]


@dataclass
class _Reader:
    """The parsed file's context: where keys are, and what the environment holds."""

    label: str
    lines: dict[str, int]
    environ: Mapping[str, str]
    cwd: str

    def line(self, key: str) -> int | None:
        # A missing key is reported at its nearest present ancestor (e.g. the section header).
        while key:
            if key in self.lines:
                return self.lines[key]
            key = _parent(key)
        return None

    def where(self, key: str) -> str:
        line = self.line(key)
        return f"{self.label}:{line}" if line is not None else self.label

    def message(self, key: str, message: str) -> str:
        return f"{self.where(key)}: {key}: {message}" if key else f"{self.where(key)}: {message}"

    def fail(self, key: str, message: str) -> NoReturn:
        raise ConfigError(self.message(key, message))

    # -- interpolation ---------------------------------------------------------------------------

    def substitute(self, key: str, raw: str) -> tuple[str, list[str]]:
        """Replace ``${VAR}``; returns the text and the names of unset variables (left empty)."""
        missing: list[str] = []

        def replace(match: re.Match[str]) -> str:
            escaped, name = match.group(1), match.group(2)
            if escaped:
                return "${" + name + "}"
            if not _VARIABLE_NAME.match(name):
                self.fail(key, f"bad variable reference ${{{name}}} (write $${{ for a literal ${{)")
            if name not in self.environ:
                missing.append(name)
                return ""
            return self.environ[name]

        if "${" in _REFERENCE.sub("", raw):
            self.fail(key, "unterminated ${ (write $${ for a literal ${)")
        return _REFERENCE.sub(replace, raw), missing

    def interpolate(self, key: str, raw: str) -> str:
        text, missing = self.substitute(key, raw)
        if missing:
            self.fail(key, _unset_message(missing))
        return text

    # -- typed values ----------------------------------------------------------------------------

    def mapping(self, key: str, value: object, allowed: Sequence[str]) -> dict[str, object]:
        """A mapping with only ``allowed`` keys; null means empty (every key at its default)."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(key, f"must be a mapping with keys {', '.join(allowed)} (got {_shown(value)})")
        for name in value:
            if name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}?" if close else f"expected one of {', '.join(allowed)}"
                self.fail(_join(key, name), f"unknown key ({hint})")
        return value

    def text(self, key: str, value: object, *, allow_number: bool = False) -> str:
        if isinstance(value, str):
            return self.interpolate(key, value)
        if allow_number and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        self.fail(key, f"must be a string (got {_shown(value)})")

    def nonempty_text(self, key: str, value: object, *, allow_number: bool = False) -> str:
        text = self.text(key, value, allow_number=allow_number).strip()
        if not text:
            self.fail(key, "must not be empty")
        return text

    def choice(self, key: str, value: object, choices: Sequence[str]) -> str:
        text = self.text(key, value)
        if text not in choices:
            self.fail(key, f"must be one of {', '.join(choices)} (got {text!r})")
        return text

    def boolean(self, key: str, value: object) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            # A ${VAR} arrives as a string; accept YAML's own spellings of true/false.
            text = self.interpolate(key, value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
        self.fail(key, f"must be true or false (got {_shown(value)})")

    def integer(self, key: str, value: object) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            text = self.interpolate(key, value).strip()
            if re.fullmatch(r"[+-]?\d+", text):
                return int(text)
        self.fail(key, f"must be a whole number (got {_shown(value)})")

    def duration(self, key: str, value: object) -> timedelta:
        text = self.interpolate(key, value).strip() if isinstance(value, str) else None
        match = _DURATION.match(text) if text else None
        if text is None or match is None:
            self.fail(key, f"must be a duration like 30s, 15m, 24h or 7d (got {_shown(value)})")
        weeks, days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
        try:
            interval = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
        except OverflowError:
            self.fail(key, f"must be at most 999999999 days (got {text!r})")
        if interval <= timedelta(0):
            self.fail(key, f"must be longer than zero (got {text!r})")
        return interval

    def instant(self, key: str, value: object) -> datetime:
        """A date (midnight UTC) or a timestamp (UTC if it has no offset), as an aware UTC datetime."""
        if isinstance(value, str):
            text = self.interpolate(key, value).strip()
            try:
                value = date.fromisoformat(text)
            except ValueError:
                try:
                    value = datetime.fromisoformat(text)
                except ValueError:
                    self.fail(key, f"must be a date like 2025-01-01 (got {text!r})")
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        self.fail(key, f"must be a date like 2025-01-01 (got {_shown(value)})")

    def items(self, key: str, value: object) -> Iterator[tuple[str, object]]:
        """The items of a list with their key paths; null is an empty list."""
        if value is None:
            return
        if not isinstance(value, list):
            self.fail(key, f"must be a list (got {_shown(value)})")
        for index, item in enumerate(value):
            yield f"{key}[{index}]", item

    def text_list(
        self,
        key: str,
        value: object,
        *,
        check: Callable[[str, str], str] | None = None,
        allow_number: bool = False,
    ) -> tuple[str, ...]:
        """A list of non-empty unique strings, each optionally validated by ``check(key, text)``."""
        result: list[str] = []
        seen: dict[str, str] = {}
        for item_key, item in self.items(key, value):
            text = self.nonempty_text(item_key, item, allow_number=allow_number)
            if check is not None:
                text = check(item_key, text)
            folded = text.lower()
            if folded in seen:
                self.fail(item_key, f"{text!r} is listed twice (first at {self.where(seen[folded])})")
            seen[folded] = item_key
            result.append(text)
        return tuple(result)

    def file_path(self, key: str, value: object, *, must_exist: bool = True) -> str | None:
        """A file path resolved against the working directory; null stays None."""
        if value is None:
            return None
        text = self.nonempty_text(key, value)
        resolved = os.path.normpath(os.path.join(self.cwd, text))
        if must_exist and not os.path.isfile(resolved):
            self.fail(key, f"file not found: {resolved}")
        return resolved

    def repository(self, key: str, text: str) -> str:
        if not _REPOSITORY.match(text):
            self.fail(key, f"must be a repository as owner/name (got {text!r})")
        return text

    def organization(self, key: str, text: str) -> str:
        if not _ORGANIZATION.match(text):
            self.fail(key, f"must be a GitHub organization name (got {text!r})")
        return text


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _shown(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def _unset_message(names: Sequence[str]) -> str:
    if len(names) == 1:
        return f"environment variable {names[0]} is not set"
    return f"environment variables {', '.join(names)} are not set"


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


# --------------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------------

_TOP_KEYS = (
    "database", "github", "pagerduty", "catalog", "teams", "incidents",
    "rework", "metrics", "schedule", "http", "surveys",
)  # fmt: skip
GITHUB_APIS = ("rest", "graphql")
_GITHUB_KEYS = (
    "base_url", "token", "token_file", "ca_bundle", "since", "repositories",
    "organizations", "deployments", "incident_labels", "api", "rate_limit_reserve",
)  # fmt: skip
_PAGERDUTY_KEYS = ("base_url", "token", "token_file", "ca_bundle", "service_ids", "since", "urgencies")
_DEPLOYMENT_KEYS = ("source", "environment", "workflow")
_TEAM_KEYS = ("name", "repositories", "pagerduty_services", "headcount", "survey_names")


def _build_config(reader: _Reader, document: object, now: datetime) -> Config:
    if document is None:
        reader.fail("", "the configuration is empty; database.url is required")
    root = reader.mapping("", document, _TOP_KEYS)
    if "database" not in root:
        reader.fail(
            "database", "required section is missing (e.g. database: {url: duckdb:///doraspace.duckdb})"
        )
    database_url = _database_url(reader, root["database"])

    default_since = (now.astimezone(UTC) - timedelta(days=DEFAULT_SINCE_DAYS)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    # A bare `github:` / `pagerduty:` with nothing under it counts as absent, like a commented-out section.
    github = None if root.get("github") is None else _github(reader, root["github"], default_since)
    pagerduty_since = github.since if github is not None else default_since
    pagerduty = (
        None if root.get("pagerduty") is None else _pagerduty(reader, root["pagerduty"], pagerduty_since)
    )

    catalog = reader.mapping("catalog", root.get("catalog"), ("discover",))
    incidents = reader.mapping("incidents", root.get("incidents"), ("attribution_window",))
    rework = reader.mapping("rework", root.get("rework"), ("labels",))
    metrics = reader.mapping("metrics", root.get("metrics"), ("windows", "benchmarks"))

    return Config(
        path=reader.label,
        database_url=database_url,
        github=github,
        pagerduty=pagerduty,
        catalog_discover=(
            True
            if catalog.get("discover") is None
            else reader.boolean("catalog.discover", catalog["discover"])
        ),
        teams=_teams(reader, root.get("teams")),
        attribution_window=_optional(
            incidents,
            "attribution_window",
            timedelta(hours=24),
            lambda value: reader.duration("incidents.attribution_window", value),
        ),
        rework_labels=(
            ("hotfix", "rollback", "revert", "incident")
            if rework.get("labels") is None
            else reader.text_list("rework.labels", rework["labels"])
        ),
        windows=_windows(reader, metrics.get("windows")),
        benchmarks=_optional(
            metrics,
            "benchmarks",
            "dora-2023",
            lambda value: reader.choice("metrics.benchmarks", value, BENCHMARK_SETS),
        ),
        schedule=_schedule(reader, root.get("schedule")),
        http=_http(reader, root.get("http")),
        surveys=_surveys(reader, root.get("surveys")),
    )


def _optional(
    section: Mapping[str, object], name: str, default: Any, convert: Callable[[object], Any]
) -> Any:
    value = section.get(name)
    return default if value is None else convert(value)


def _database_url(reader: _Reader, value: object) -> str:
    section = reader.mapping("database", value, ("url",))
    if section.get("url") is None:
        reader.fail("database.url", "required (e.g. duckdb:///data/doraspace.duckdb)")
    url = reader.nonempty_text("database.url", section["url"])
    scheme, sep, rest = url.partition("://")
    if not sep:
        reader.fail("database.url", f"must be a URL like duckdb:///data/doraspace.duckdb (got {url!r})")
    if scheme == "duckdb":
        # SQLAlchemy's convention: three slashes then the path, so a fourth slash makes it absolute.
        if not rest.startswith("/"):
            reader.fail(
                "database.url", f"must be duckdb:///relative/path or duckdb:////absolute/path (got {url!r})"
            )
        location, qmark, query = rest[1:].partition("?")
        if not location:
            reader.fail("database.url", "needs a file path after duckdb:/// (or :memory:)")
        if location != ":memory:":
            location = os.path.normpath(os.path.join(reader.cwd, location))
        return f"duckdb:///{location}{qmark}{query}"
    if scheme == "postgresql+psycopg":
        if rest in ("", "/"):
            reader.fail("database.url", "needs a host or database: postgresql+psycopg://user@host/db")
        return url
    if scheme in ("postgresql", "postgres", "postgresql+psycopg2"):
        reader.fail(
            "database.url",
            # Redacted: this message goes to stderr and the URL may carry a password.
            f"use the psycopg 3 driver: {_redact_url('postgresql+psycopg://' + rest)} (got {scheme}://)",
        )
    reader.fail("database.url", f"must start with duckdb:/// or postgresql+psycopg:// (got {scheme}://)")


def _secret(
    reader: _Reader,
    section_key: str,
    section: Mapping[str, object],
    value_name: str,
    file_name: str,
    default_variable: str,
) -> Secret:
    key = f"{section_key}.{value_name}"
    file_key = f"{section_key}.{file_name}"
    raw, file_value = section.get(value_name), section.get(file_name)
    if raw is not None and file_value is not None:
        reader.fail(file_key, f"give either {value_name} or {file_name}, not both")

    if file_value is not None:
        path = reader.file_path(file_key, file_value, must_exist=False)
        assert path is not None
        unreadable_prefix = reader.message(file_key, "")

        def read_file() -> str:
            # Read at each use, so a rotated secret file (Kubernetes, Vault agent) is picked up.
            try:
                with open(path, encoding="utf-8") as handle:
                    content = handle.read().strip()
            except OSError as exc:
                raise ConfigError(f"{unreadable_prefix}cannot read {path}: {exc.strerror}") from None
            if not content:
                raise ConfigError(f"{unreadable_prefix}{path} is empty")
            return content

        return Secret(key=key, origin=f"file {path}", _reveal=read_file)

    if raw is None:
        raw = "${" + default_variable + "}"
        hint = f" ({key} defaults to ${{{default_variable}}}; set it or give {file_key})"
    elif isinstance(raw, str):
        if not any(not match.group(1) for match in _REFERENCE.finditer(raw)):
            # SPEC §3: secrets come only from the environment or from files, never the YAML itself.
            reader.fail(
                key, f"must come from the environment (${{VAR}}) or from {file_name}, not the file itself"
            )
        hint = ""
    else:
        reader.fail(key, f"must be a ${{VAR}} reference (got {_shown(raw)})")

    resolved, missing = reader.substitute(key, raw)
    resolved = resolved.strip()
    if missing:
        problem: str | None = reader.message(key, _unset_message(missing) + hint)
    elif not resolved:
        problem = reader.message(key, f"{raw} is empty")
    else:
        problem = None

    def reveal() -> str:
        if problem is not None:
            raise ConfigError(problem)
        return resolved

    return Secret(key=key, origin=raw, _reveal=reveal)


def _base_url(reader: _Reader, key: str, value: object, default: str, *, https_only: bool = False) -> str:
    if value is None:
        return default
    url = reader.nonempty_text(key, value).rstrip("/")
    parts = urlsplit(url)
    schemes = ("https",) if https_only else ("http", "https")
    if parts.scheme not in schemes or not parts.netloc:
        wanted = "an https URL" if https_only else "an http(s) URL"
        reason = " (the PagerDuty client refuses http)" if https_only and parts.scheme == "http" else ""
        reader.fail(key, f"must be {wanted}{reason} (got {url!r})")
    return url


def _deployment_source(
    reader: _Reader, key: str, value: object, inherited: DeploymentSource, repository: str | None
) -> DeploymentSource:
    """A deployment source; fields it leaves out come from ``inherited``."""
    section = reader.mapping(key, value, _DEPLOYMENT_KEYS)
    source = _optional(
        section, "source", inherited.source, lambda v: reader.choice(f"{key}.source", v, DEPLOYMENT_SOURCES)
    )
    environment = _optional(
        section, "environment", inherited.environment, lambda v: reader.nonempty_text(f"{key}.environment", v)
    )
    workflow = _optional(
        section, "workflow", inherited.workflow,
        lambda v: reader.nonempty_text(f"{key}.workflow", v, allow_number=True),
    )  # fmt: skip
    if source == "workflow_runs" and workflow is None:
        whose = f" (repository {repository})" if repository else ""
        reader.fail(f"{key}.workflow", f"required when source is workflow_runs, e.g. deploy.yml{whose}")
    return DeploymentSource(
        source=source, environment=environment, workflow=workflow if source == "workflow_runs" else None
    )


def _github(reader: _Reader, value: object, default_since: datetime) -> GitHubConfig:
    section = reader.mapping("github", value, _GITHUB_KEYS)
    # Keep the default's workflow even if its source is not workflow_runs: a repository that switches
    # to workflow_runs inherits it.
    raw_default = reader.mapping("github.deployments", section.get("deployments"), _DEPLOYMENT_KEYS)
    default_workflow = _optional(
        raw_default,
        "workflow",
        None,
        lambda v: reader.nonempty_text("github.deployments.workflow", v, allow_number=True),
    )
    default_source = _deployment_source(
        reader, "github.deployments", raw_default, DEFAULT_DEPLOYMENT_SOURCE, None
    )
    inherited = DeploymentSource(default_source.source, default_source.environment, default_workflow)

    repositories: list[RepositoryConfig] = []
    first_seen: dict[str, str] = {}
    for item_key, item in reader.items("github.repositories", section.get("repositories")):
        if isinstance(item, dict):
            entry = reader.mapping(item_key, item, ("name", "deployments"))
            if entry.get("name") is None:
                reader.fail(f"{item_key}.name", "required (owner/name)")
            name_key = f"{item_key}.name"
            name = reader.repository(name_key, reader.nonempty_text(name_key, entry["name"]))
            deployments = (
                default_source
                if entry.get("deployments") is None
                else _deployment_source(
                    reader, f"{item_key}.deployments", entry["deployments"], inherited, name
                )
            )
        else:
            name_key = item_key
            name = reader.repository(item_key, reader.nonempty_text(item_key, item))
            deployments = default_source
        folded = name.lower()
        if folded in first_seen:
            reader.fail(name_key, f"{name} is listed twice (first at {reader.where(first_seen[folded])})")
        first_seen[folded] = name_key
        repositories.append(RepositoryConfig(name=name, deployments=deployments))

    return GitHubConfig(
        base_url=_base_url(reader, "github.base_url", section.get("base_url"), "https://api.github.com"),
        token=_secret(reader, "github", section, "token", "token_file", "GITHUB_TOKEN"),
        ca_bundle=reader.file_path("github.ca_bundle", section.get("ca_bundle")),
        since=_optional(section, "since", default_since, lambda v: reader.instant("github.since", v)),
        repositories=tuple(repositories),
        organizations=reader.text_list(
            "github.organizations", section.get("organizations"), check=reader.organization
        ),
        deployments=default_source,
        incident_labels=(
            ("incident",)
            if section.get("incident_labels") is None
            else reader.text_list("github.incident_labels", section["incident_labels"])
        ),
        api=_optional(section, "api", "graphql", lambda v: reader.choice("github.api", v, GITHUB_APIS)),
        rate_limit_reserve=_optional(
            section, "rate_limit_reserve", 0.1, lambda v: _reserve(reader, "github.rate_limit_reserve", v)
        ),
    )


def _reserve(reader: _Reader, key: str, value: object) -> float:
    text = reader.interpolate(key, value).strip() if isinstance(value, str) else value
    try:
        number = float(text) if isinstance(text, str | int | float) and not isinstance(text, bool) else None
    except ValueError:
        number = None
    if number is None or not 0 <= number < 1:
        reader.fail(key, f"must be a fraction from 0 up to (not including) 1, e.g. 0.1 (got {_shown(value)})")
    return number


def _pagerduty(reader: _Reader, value: object, default_since: datetime) -> PagerDutyConfig:
    section = reader.mapping("pagerduty", value, _PAGERDUTY_KEYS)
    urgencies = (
        URGENCIES
        if section.get("urgencies") is None
        else reader.text_list(
            "pagerduty.urgencies",
            section["urgencies"],
            check=lambda key, text: reader.choice(key, text, URGENCIES),
        )
    )
    if not urgencies:
        reader.fail("pagerduty.urgencies", "needs at least one of high, low")
    return PagerDutyConfig(
        base_url=_base_url(
            reader,
            "pagerduty.base_url",
            section.get("base_url"),
            "https://api.pagerduty.com",
            https_only=True,
        ),
        token=_secret(reader, "pagerduty", section, "token", "token_file", "PAGERDUTY_TOKEN"),
        ca_bundle=reader.file_path("pagerduty.ca_bundle", section.get("ca_bundle")),
        service_ids=reader.text_list("pagerduty.service_ids", section.get("service_ids"), allow_number=True),
        since=_optional(section, "since", default_since, lambda v: reader.instant("pagerduty.since", v)),
        urgencies=urgencies,
    )


def _teams(reader: _Reader, value: object) -> tuple[TeamConfig, ...]:
    teams: list[TeamConfig] = []
    team_of_name: dict[str, str] = {}
    # What each team claims, to report a repo, service or survey name claimed twice with both teams.
    claimed: dict[tuple[str, str], tuple[str, str]] = {}
    for team_key, item in reader.items("teams", value):
        entry = reader.mapping(team_key, item, _TEAM_KEYS)
        if entry.get("name") is None:
            reader.fail(f"{team_key}.name", "required")
        name = reader.nonempty_text(f"{team_key}.name", entry["name"])
        if name in RESERVED_TEAM_NAMES:
            reader.fail(
                f"{team_key}.name",
                f'{name!r} is reserved ("*" is the organisation, "unowned" the default team)',
            )
        if name in team_of_name:
            reader.fail(
                f"{team_key}.name", f"duplicate team {name!r} (first at {reader.where(team_of_name[name])})"
            )
        team_of_name[name] = f"{team_key}.name"

        repositories = reader.text_list(
            f"{team_key}.repositories", entry.get("repositories"), check=reader.repository
        )
        services = reader.text_list(
            f"{team_key}.pagerduty_services", entry.get("pagerduty_services"), allow_number=True
        )
        survey_names = reader.text_list(f"{team_key}.survey_names", entry.get("survey_names"))
        for kind, field_name, names in (
            ("repository", "repositories", repositories),
            ("PagerDuty service", "pagerduty_services", services),
            ("survey name", "survey_names", survey_names),
        ):
            for index, claimed_name in enumerate(names):
                claim = (kind, claimed_name.lower())
                if claim in claimed:
                    other_team, other_key = claimed[claim]
                    reader.fail(
                        f"{team_key}.{field_name}[{index}]",
                        f"{kind} {claimed_name} is listed by teams {other_team} ({reader.where(other_key)}) "
                        f"and {name}; it can belong to only one",
                    )
                claimed[claim] = (name, f"{team_key}.{field_name}[{index}]")

        headcount = None
        if entry.get("headcount") is not None:
            headcount = reader.integer(f"{team_key}.headcount", entry["headcount"])
            if headcount < 1:
                reader.fail(
                    f"{team_key}.headcount", f"must be a positive whole number or null (got {headcount})"
                )
        teams.append(
            TeamConfig(
                name=name,
                repositories=repositories,
                pagerduty_services=services,
                headcount=headcount,
                survey_names=survey_names,
            )
        )
    return tuple(teams)


def _windows(reader: _Reader, value: object) -> tuple[Window, ...]:
    if value is None:
        return (Window("7d", 7), Window("30d", 30), Window("90d", 90))
    windows: list[Window] = []
    first_seen: dict[int, str] = {}
    for item_key, item in reader.items("metrics.windows", value):
        interval = reader.duration(item_key, item)
        label = reader.text(item_key, item).strip()
        if interval % timedelta(days=1):
            reader.fail(item_key, f"must be whole days, like 7d (got {label!r})")
        if interval.days in first_seen:
            reader.fail(item_key, f"duplicate window {label} (same as {first_seen[interval.days]})")
        first_seen[interval.days] = label
        windows.append(Window(label=label, days=interval.days))
    if not windows:
        reader.fail("metrics.windows", "needs at least one window, e.g. [7d, 30d, 90d]")
    return tuple(windows)


def _schedule(reader: _Reader, value: object) -> ScheduleConfig:
    section = reader.mapping("schedule", value, ("github", "pagerduty", "analytics"))

    def interval(job: str, default: timedelta) -> timedelta:
        result: timedelta = _optional(section, job, default, lambda v: reader.duration(f"schedule.{job}", v))
        return result

    return ScheduleConfig(
        github=interval("github", timedelta(minutes=15)),
        pagerduty=interval("pagerduty", timedelta(minutes=5)),
        analytics=interval("analytics", timedelta(minutes=5)),
    )


def _http(reader: _Reader, value: object) -> HttpConfig:
    section = reader.mapping("http", value, ("listen", "tls", "basic_auth_users"))
    host, port = "127.0.0.1", 9464
    if section.get("listen") is not None:
        listen = section["listen"]
        if not isinstance(listen, str):
            reader.fail("http.listen", f"must be host:port, e.g. 127.0.0.1:9464 (got {_shown(listen)})")
        text = reader.interpolate("http.listen", listen).strip()
        host, sep, port_text = text.rpartition(":")
        if not sep or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
            reader.fail(
                "http.listen", f"must be host:port with a port 0-65535, e.g. 127.0.0.1:9464 (got {text!r})"
            )
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]  # [::1]:9464
        port = int(port_text)

    tls = reader.mapping("http.tls", section.get("tls"), ("cert_file", "key_file"))
    cert_file = reader.file_path("http.tls.cert_file", tls.get("cert_file"))
    key_file = reader.file_path("http.tls.key_file", tls.get("key_file"))
    if (cert_file is None) != (key_file is None):
        missing = "http.tls.key_file" if key_file is None else "http.tls.cert_file"
        reader.fail(missing, "required with the other TLS file: give both cert_file and key_file, or neither")

    users: dict[str, str] = {}
    raw_users = section.get("basic_auth_users")
    if raw_users is not None:
        if not isinstance(raw_users, dict):
            reader.fail(
                "http.basic_auth_users", f"must be a mapping of user: bcrypt hash (got {_shown(raw_users)})"
            )
        for user, hashed in raw_users.items():
            user_key = f"http.basic_auth_users.{user}"
            text = reader.nonempty_text(user_key, hashed)
            if not _BCRYPT.match(text):
                reader.fail(
                    user_key,
                    "must be a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters), e.g. from htpasswd -nBC 10",
                )
            users[user] = text
    return HttpConfig(
        host=host,
        port=port,
        tls_cert_file=cert_file,
        tls_key_file=key_file,
        basic_auth_users=FrozenMapping(users),
    )


def _surveys(reader: _Reader, value: object) -> SurveysConfig:
    section = reader.mapping(
        "surveys", value, ("min_group_size", "respondent_secret", "respondent_secret_file")
    )
    min_group_size = 5
    if section.get("min_group_size") is not None:
        min_group_size = reader.integer("surveys.min_group_size", section["min_group_size"])
        if min_group_size < MIN_GROUP_SIZE_FLOOR:
            # SPEC §7.4: anonymity never goes below groups of 3.
            reader.fail(
                "surveys.min_group_size", f"must be at least {MIN_GROUP_SIZE_FLOOR} (got {min_group_size})"
            )
    return SurveysConfig(
        min_group_size=min_group_size,
        respondent_secret=_secret(
            reader,
            "surveys",
            section,
            "respondent_secret",
            "respondent_secret_file",
            "DORASPACE_SURVEY_SECRET",
        ),
    )
