"""The typed values of the configuration: each checks one YAML value and says, in our words, what is
wrong with it; ``${VAR}`` interpolation; ``Secret``; and the one formatter of validation errors.

A check raises ``problem(message, *at)``: a pydantic error whose context keeps our message and the
key path below the value being validated (``at``), so that ``config_error`` can name the key and its
line. ``{first}`` in a message becomes the place of an earlier key (``first=``, a path relative to the
same value), for "listed twice (first at config.yaml:4)".
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, NoReturn
from urllib.parse import urlsplit

from pydantic import PlainValidator, ValidationError, ValidationInfo
from pydantic_core import PydanticCustomError

from analytics.windows import SpanError, WindowSpec, parse_duration, parse_window
from store.errors import ConfigError
from surveys.yaml_lines import key_path, where

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Source:
    """What validation reads besides the values: the file's lines and the world around it."""

    label: str
    lines: Mapping[str, int]
    environ: Mapping[str, str]
    cwd: str
    since: datetime
    """The default ``github.since``."""

    def message(self, key: str, text: str) -> str:
        place = where(self.label, self.lines, key)
        return f"{place}: {key}: {text}" if key else f"{place}: {text}"


def problem(message: str, *at: str | int, first: Path | None = None) -> NoReturn:
    raise PydanticCustomError("config", "{message}", {"message": message, "at": at, "first": first})


def below(at: Path, check: Callable[[Any, Source | None], Any], value: Any, source: Source | None) -> Any:
    """``check(value)`` for a value ``at`` a path below the one being validated."""
    try:
        return check(value, source)
    except PydanticCustomError as exc:
        context = exc.context or {}
        first = context.get("first")
        problem(context["message"], *at, *context["at"], first=None if first is None else (*at, *first))


_REQUIRED = {
    "database.url": "required (e.g. duckdb:///data/doraspace.duckdb)",
    "github.repositories[].name": "required (owner/name)",
}


def config_error(error: ValidationError, source: Source) -> ConfigError:
    """The first problem, as one line: ``file:line: key.path: message``."""
    found = error.errors(include_url=False)[0]
    context: dict[str, Any] = found.get("ctx") or {}
    loc = (*found["loc"], *context.get("at", ()))
    key = key_path(*loc)
    if found["type"] == "config":
        text = str(context["message"])
        if context.get("first") is not None:
            text = text.replace(
                "{first}", where(source.label, source.lines, key_path(*found["loc"], *context["first"]))
            )
    elif found["type"] == "missing":
        text = _REQUIRED.get(re.sub(r"\[\d+\]", "[]", key), "required")
    elif found["type"] in ("tuple_type", "list_type"):
        text = f"must be a list (got {shown(found['input'])})"
    else:  # a pydantic check we did not word ourselves
        text = str(found["msg"])
    return ConfigError(source.message(key, text))


def shown(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value) if isinstance(value, str) else str(value)


# --------------------------------------------------------------------------------------------------
# ${VAR}
# --------------------------------------------------------------------------------------------------

_REFERENCE = re.compile(r"\$(\$?)\{([^}]*)\}")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def substitute(raw: str, environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """Replace ``${VAR}``; returns the text and the names of unset variables (left empty)."""
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        escaped, name = match.group(1), match.group(2)
        if escaped:
            return "${" + name + "}"
        if not _VARIABLE_NAME.match(name):
            problem(f"bad variable reference ${{{name}}} (write $${{ for a literal ${{)")
        if name not in environ:
            missing.append(name)
        return environ.get(name, "")

    if "${" in _REFERENCE.sub("", raw):
        problem("unterminated ${ (write $${ for a literal ${)")
    return _REFERENCE.sub(replace, raw), missing


def unset(names: list[str]) -> str:
    if len(names) == 1:
        return f"environment variable {names[0]} is not set"
    return f"environment variables {', '.join(names)} are not set"


def interpolated(raw: str, source: Source | None) -> str:
    if source is None:  # built in code, not read from a file
        return raw
    text, missing = substitute(raw, source.environ)
    if missing:
        problem(unset(missing))
    return text


# --------------------------------------------------------------------------------------------------
# Checks of one value, and the annotated types that apply them
# --------------------------------------------------------------------------------------------------


def typed(check: Callable[[Any, Source | None], Any]) -> PlainValidator:
    def validate(value: Any, info: ValidationInfo) -> Any:
        return check(value, info.context)

    return PlainValidator(validate)


def text(value: Any, source: Source | None, *, number: bool = False) -> str:
    if isinstance(value, str):
        return interpolated(value, source)
    if number and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    problem(f"must be a string (got {shown(value)})")


def nonempty(value: Any, source: Source | None, *, number: bool = False) -> str:
    result = text(value, source, number=number).strip()
    return result or problem("must not be empty")


def one_of(*options: str) -> Callable[[Any, Source | None], str]:
    def check(value: Any, source: Source | None) -> str:
        result = text(value, source)
        return (
            result if result in options else problem(f"must be one of {', '.join(options)} (got {result!r})")
        )

    return check


def choice(*options: str) -> PlainValidator:
    return typed(one_of(*options))


def boolean(value: Any, source: Source | None) -> bool:
    if isinstance(value, bool):
        return value
    spelled = interpolated(value, source).strip().lower() if isinstance(value, str) else None
    if spelled in ("true", "yes", "on", "false", "no", "off"):  # YAML's own spellings, via ${VAR}
        return spelled in ("true", "yes", "on")
    problem(f"must be true or false (got {shown(value)})")


def integer(value: Any, source: Source | None) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    spelled = interpolated(value, source).strip() if isinstance(value, str) else ""
    if re.fullmatch(r"[+-]?\d+", spelled):
        return int(spelled)
    problem(f"must be a whole number (got {shown(value)})")


def fraction(value: Any, source: Source | None) -> float:
    """A number from 0 up to, not including, 1."""
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and re.fullmatch(
        r"\d*\.?\d+", spelled := interpolated(value, source).strip()
    ):
        number = float(spelled)
    if number is None or not 0 <= number < 1:
        problem(f"must be a number from 0 up to, not including, 1, e.g. 0.1 (got {shown(value)})")
    return number


def duration(value: Any, source: Source | None) -> Any:
    spelled = interpolated(value, source).strip() if isinstance(value, str) else None
    try:
        return parse_duration(spelled) if spelled is not None else parse_duration("")
    except SpanError as exc:
        problem(f"{exc.problem} (got {shown(value) if spelled is None else repr(spelled)})")


def window(value: Any, source: Source | None) -> WindowSpec:
    if isinstance(value, WindowSpec):
        return value
    spelled = interpolated(value, source).strip() if isinstance(value, str) else ""
    try:
        return parse_window(spelled)
    except SpanError as exc:
        problem(f"{exc.problem} (got {shown(value) if not spelled else repr(spelled)})")


def windows(value: Any, source: Source | None) -> tuple[WindowSpec, ...]:
    result: dict[int, WindowSpec] = {}
    for index, item in enumerate(items(value)):
        spec = below((index,), window, item, source)
        if spec.days in result:
            problem(f"duplicate window {spec.label} (same as {result[spec.days].label})", index)
        result[spec.days] = spec
    return tuple(result.values()) or problem("needs at least one window, e.g. [7d, 30d, 90d]")


def instant(value: Any, source: Source | None) -> datetime:
    """A date (midnight UTC) or a timestamp (UTC if it has no offset), as an aware UTC datetime."""
    if isinstance(value, str):
        spelled = interpolated(value, source).strip()
        try:
            value = date.fromisoformat(spelled)
        except ValueError:
            try:
                value = datetime.fromisoformat(spelled)
            except ValueError:
                problem(f"must be a date like 2025-01-01 (got {spelled!r})")
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    problem(f"must be a date like 2025-01-01 (got {shown(value)})")


def path_of(value: Any, source: Source | None) -> str:
    """A path resolved against the working directory."""
    spelled = nonempty(value, source)
    return spelled if source is None else os.path.normpath(os.path.join(source.cwd, spelled))


def existing_file(value: Any, source: Source | None) -> str:
    resolved = path_of(value, source)
    return resolved if os.path.isfile(resolved) else problem(f"file not found: {resolved}")


def base_url(*schemes: str) -> PlainValidator:
    def check(value: Any, source: Source | None) -> str:
        url = nonempty(value, source).rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in schemes or not parts.netloc:
            wanted = "an https URL" if schemes == ("https",) else "an http(s) URL"
            refused = " (the PagerDuty client refuses http)" if parts.scheme == "http" else ""
            problem(f"must be {wanted}{refused} (got {url!r})")
        return url

    return typed(check)


def matching(pattern: str, what: str) -> Callable[[Any, Source | None], str]:
    compiled = re.compile(pattern)

    def check(value: Any, source: Source | None) -> str:
        spelled = nonempty(value, source)
        return spelled if compiled.fullmatch(spelled) else problem(f"must be {what} (got {spelled!r})")

    return check


repository = matching(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+", "a repository as owner/name"
)
organization = matching(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?", "a GitHub organization name")


def items(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list | tuple) else problem(f"must be a list (got {shown(value)})")


def texts(
    check: Callable[[Any, Source | None], str] | None = None, *, number: bool = False
) -> PlainValidator:
    """A list of non-empty strings, unique whatever their case, each passing ``check``."""

    def validate(value: Any, source: Source | None) -> tuple[str, ...]:
        seen: dict[str, int] = {}  # folded → index
        result: list[str] = []
        for index, item in enumerate(items(value)):
            spelled = below((index,), lambda v, s: nonempty(v, s, number=number), item, source)
            spelled = spelled if check is None else below((index,), check, spelled, None)
            if spelled.lower() in seen:
                problem(
                    f"{spelled!r} is listed twice (first at {{first}})", index, first=(seen[spelled.lower()],)
                )
            seen[spelled.lower()] = index
            result.append(spelled)
        return tuple(result)

    return typed(validate)


Text = Annotated[str, typed(nonempty)]
TextOrNumber = Annotated[str, typed(lambda value, source: nonempty(value, source, number=True))]
Texts = Annotated[tuple[str, ...], texts()]


# --------------------------------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------------------------------


class Secret:
    """A token or key, resolved only when a command uses it, and never shown.

    The value lives behind a closure rather than an attribute, so that neither ``repr`` nor
    ``dataclasses.asdict`` of the configuration (which someone may dump as JSON) can reveal it.
    """

    def __init__(self, key: str, origin: str, reveal: Callable[[], str]) -> None:
        self.key = key
        """The key path it came from, e.g. ``github.token``."""
        self.origin = origin
        """Where the value comes from, safe to show: ``${GITHUB_TOKEN}`` or ``file /run/secrets/gh``."""
        self._reveal = reveal

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
        return cls(key=key, origin="literal", reveal=lambda: value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def secret(data: dict[str, Any], section: str, name: str, file_name: str, source: Source | None) -> None:
    """Replace ``data[name]`` / ``data[file_name]`` by one ``Secret`` at ``data[name]``.

    Secrets come only from the environment or from files (SPEC §3), and an unset variable or an
    unreadable file is an error only when a command asks for the value.
    """
    raw, file_value = data.pop(name, None), data.pop(file_name, None)
    if source is None or isinstance(raw, Secret):
        data[name] = raw
        return
    key, file_key = f"{section}.{name}", f"{section}.{file_name}"
    if raw is not None and file_value is not None:
        problem(f"give either {name} or {file_name}, not both", file_name)
    if file_value is not None:
        path = below((file_name,), path_of, file_value, source)
        prefix = source.message(file_key, "")

        def read_file() -> str:
            # Read at each use, so a rotated secret file (Kubernetes, Vault agent) is picked up.
            try:
                with open(path, encoding="utf-8") as handle:
                    content = handle.read().strip()
            except OSError as exc:
                raise ConfigError(f"{prefix}cannot read {path}: {exc.strerror}") from None
            return content or _raise(f"{prefix}{path} is empty")

        data[name] = Secret(key, f"file {path}", read_file)
        return
    variable = {"github": "GITHUB_TOKEN", "pagerduty": "PAGERDUTY_TOKEN"}.get(
        section, "DORASPACE_SURVEY_SECRET"
    )
    hint = ""
    if raw is None:
        raw, hint = "${" + variable + "}", f" ({key} defaults to ${{{variable}}}; set it or give {file_key})"
    elif not isinstance(raw, str):
        problem(f"must be a ${{VAR}} reference (got {shown(raw)})", name)
    elif not any(not match.group(1) for match in _REFERENCE.finditer(raw)):
        problem(f"must come from the environment (${{VAR}}) or from {file_name}, not the file itself", name)
    spelled, missing = below((name,), lambda v, s: substitute(v, source.environ), raw, source)
    resolved: str = spelled.strip()
    failure = unset(missing) + hint if missing else (None if resolved else f"{raw} is empty")

    def reveal() -> str:
        return resolved if failure is None else _raise(source.message(key, failure))

    data[name] = Secret(key, raw, reveal)


def _raise(message: str) -> NoReturn:
    raise ConfigError(message)


NO_SECRET = Secret("secret", "none", lambda: _raise("secret: no value"))


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
