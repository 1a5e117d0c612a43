"""``${VAR}`` interpolation, the checks pydantic has no word for, ``Secret``, and the one formatter
that turns a validation error into ``file:line: key.path: message``.

Our checks raise ``problem(message, *at)``: a pydantic error keeping the message and the key path
below the value validated. ``{first}`` in a message becomes the place of ``first=``, an earlier key.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

from pydantic import ValidationError, ValidationInfo
from pydantic_core import PydanticCustomError

from analytics.windows import SpanError, WindowSpec, parse_instant
from collector.models import REPOSITORY
from store.errors import ConfigError
from store.yaml_lines import key_path, where

ORGANIZATION = r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$"
BCRYPT = r"^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$"
SECRET_KEYS = ("github.token", "pagerduty.token", "surveys.respondent_secret")  # interpolated when used
Place = tuple[str | int, ...]  # a key path below the value validated: ("repositories", 0, "name")
Span = TypeVar("Span")
Item = TypeVar("Item")


@dataclass(frozen=True)
class Source:
    """What validation reads besides the values: the file's lines and the world around it."""

    label: str
    lines: Mapping[str, int]
    environ: Mapping[str, str]
    cwd: str
    since: datetime  # the default github.since

    def message(self, key: str, text: str) -> str:
        place = where(self.label, self.lines, key)
        return f"{place}: {key}: {text}" if key else f"{place}: {text}"


def problem(message: str, *at: str | int, first: Place | None = None) -> NoReturn:
    raise PydanticCustomError("config", "{message}", {"message": message, "at": at, "first": first})


# Pydantic's own checks in our words, by "type", "type key" or "type pattern"; {got} is the value.
_WORDS = {
    **dict.fromkeys(("int_parsing", "int_from_float", "int_type"), "must be a whole number (got {got})"),
    **dict.fromkeys(("bool_parsing", "bool_type"), "must be true or false (got {got})"),
    "string_type": "must be a string (got {got})",
    "string_too_short": "must not be empty",
    "float_parsing": "must be a number (got {got})",
    "literal_error": "must be one of {expected} (got {got})",
    "greater_than_equal": "must be at least {ge:g} (got {got})",
    "less_than": "must be less than {lt:g} (got {got})",
    "tuple_type": "must be a list (got {got})",
    "dict_type": "must be a mapping of user: bcrypt hash (got {got})",
    "missing": "required",
    "value_error": "{error}",  # a rule of another package (store.urls), raising ValueError
    "missing database.url": "required (e.g. duckdb:///data/doraspace.duckdb)",
    "missing github.repositories[].name": "required (owner/name)",
    "greater_than_equal teams[].headcount": "must be a positive whole number or null (got {got})",
    "too_short pagerduty.urgencies": "needs at least one of high, low",
    "too_short metrics.windows": "needs at least one window, e.g. [7d, 30d, 90d]",
    f"string_pattern_mismatch {REPOSITORY}": "must be a repository as owner/name (got {got})",
    f"string_pattern_mismatch {ORGANIZATION}": "must be a GitHub organization name (got {got})",
    f"string_pattern_mismatch {BCRYPT}": "must be a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters), "
    "e.g. from htpasswd -nBC 10",
}


def config_error(error: ValidationError, source: Source) -> ConfigError:
    """The first problem, as one line."""
    found = error.errors(include_url=False)[0]
    context: dict[str, Any] = found.get("ctx") or {}
    key = key_path(*found["loc"], *context.get("at", ()))
    if found["type"] == "config":
        earlier = key_path(*found["loc"], *(context["first"] or ()))
        text = str(context["message"]).replace("{first}", where(source.label, source.lines, earlier))
    else:
        kind, general = found["type"], re.sub(r"\[\d+\]", "[]", key)
        names = (f"{kind} {general}", f"{kind} {context.get('pattern')}", kind)
        words = next((_WORDS[name] for name in names if name in _WORDS), None)
        expected = str(context.get("expected", "")).replace("'", "").replace(" or ", ", ")
        fields = {**context, "got": shown(found["input"]), "expected": expected}
        text = words.format(**fields) if words else found["msg"]
    return ConfigError(source.message(key, text))


def shown(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value.strip()) if isinstance(value, str) else str(value)


_REFERENCE = re.compile(r"\$(\$?)\{([^}]*)\}")


def substitute(
    raw: str, environ: Mapping[str, str], fail: Callable[[str], NoReturn]
) -> tuple[str, str | None]:
    """``raw`` with ``${VAR}`` replaced (``$${`` is a literal ``${``), and what is unset, if anything."""
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        escaped, name = match.groups()
        if not escaped and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            fail(f"bad variable reference ${{{name}}} (write $${{ for a literal ${{)")
        missing.extend([] if escaped or name in environ else [name])
        return "${" + name + "}" if escaped else environ.get(name, "")

    if "${" in _REFERENCE.sub("", raw):
        fail("unterminated ${ (write $${ for a literal ${)")
    text = _REFERENCE.sub(replace, raw)
    if len(missing) > 1:
        return text, f"environment variables {', '.join(missing)} are not set"
    return text, f"environment variable {missing[0]} is not set" if missing else None


def interpolate(value: object, source: Source, path: str = "") -> object:
    """``value`` with ``${VAR}`` replaced in every string but the secrets'; unset is an error here."""
    if isinstance(value, dict):
        return {key: interpolate(item, source, key_path(path, key)) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, source, key_path(path, index)) for index, item in enumerate(value)]
    if not isinstance(value, str) or path in SECRET_KEYS:
        return value
    text, unset = substitute(value, source.environ, lambda message: _raise(source.message(path, message)))
    return _raise(source.message(path, unset)) if unset else text


def whole(value: Any) -> Any:
    """Refuse true and false, which pydantic would take for 1 and 0."""
    return problem(f"must be a whole number (got {shown(value)})") if isinstance(value, bool) else value


def span(parse: Callable[[str], Span]) -> Callable[[Any], Span]:
    """A duration or window read by ``analytics.windows``, its reason for refusing in our words."""

    def check(value: Any) -> Span:
        try:
            return parse(value.strip() if isinstance(value, str) else "")
        except SpanError as exc:
            problem(f"{exc.problem} (got {shown(value)})")

    return check


def distinct_windows(windows: tuple[WindowSpec, ...]) -> tuple[WindowSpec, ...]:
    entries = ((window.days, (index,), window) for index, window in enumerate(windows))
    once(entries, lambda window, first: f"duplicate window {window.label} (same as {first.label})")
    return windows


def instant(value: Any) -> datetime:
    """A date or timestamp (``analytics.windows.parse_instant``), or one YAML already read as such."""
    if isinstance(value, datetime | date):  # unquoted in YAML; a date alone is its midnight
        value = value.isoformat()
    return span(parse_instant)(value)


def listen(value: Any) -> tuple[str, int]:
    """``host:port`` as its host (without the brackets of an IPv6 address) and port: a host name, an
    IPv4 address, ``[IPv6]``, or nothing (every interface). Checked here, so that a bad one stops every
    command before ``serve`` has created anything."""
    text = value.strip() if isinstance(value, str) else ""
    bracketed = re.fullmatch(r"\[([^\[\]\s]+)\]:(\d+)", text)
    plain = re.fullmatch(r"([A-Za-z0-9._-]*):(\d+)", text)
    found = bracketed or plain
    host, port = (found[1], int(found[2])) if found else ("", -1)
    # A bracketed host is an IPv6 address; digits and dots alone, an IPv4 one (not a host name).
    address = host if bracketed or re.fullmatch(r"[\d.]+", host) else None
    try:
        if address is not None:
            ipaddress.ip_address(address)
    except ValueError:
        found = None
    if found is None or port > 65535 or (bracketed and ":" not in host):
        problem(f"must be host:port with a port 0-65535, e.g. 127.0.0.1:9464 (got {shown(value)})")
    return host, port


def resolved(path: str, info: ValidationInfo, *, exists: bool = False) -> str:
    """``path`` resolved against the working directory."""
    source = info.context
    full = os.path.normpath(os.path.join(source.cwd, path)) if isinstance(source, Source) else path
    return full if not exists or os.path.isfile(full) else problem(f"file not found: {full}")


def url(*schemes: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        parts = urlsplit(value := value.rstrip("/"))
        if parts.scheme not in schemes or not parts.netloc:
            wanted = "an https URL" if schemes == ("https",) else "an http(s) URL"
            refused = " (the PagerDuty client refuses http)" if parts.scheme == "http" else ""
            problem(f"must be {wanted}{refused} (got {value!r})")
        return value

    return check


def once(entries: Iterable[tuple[Hashable, Place, Item]], words: Callable[[Item, Item], str]) -> None:
    """Each ``(key, at, item)`` with a key of its own: a repeat fails at its ``at`` with ``words(repeat,
    first)``, where ``{first}`` is the place of the first."""
    first: dict[Hashable, tuple[Place, Item]] = {}
    for key, at, item in entries:
        if key in first:
            problem(words(item, first[key][1]), *at, first=first[key][0])
        first[key] = (at, item)


def unique(
    values: Any,
    words: str = "{name!r} is listed twice",
    *at: str | int,
    fold: Callable[[str], str] = str.lower,
) -> Any:
    """``values`` (names, or objects with a ``name``), each listed once as ``fold`` compares them (by
    default whatever its case)."""
    names = [getattr(value, "name", value) for value in values]
    entries = ((fold(name), (index, *at), name) for index, name in enumerate(names))
    once(entries, lambda name, _: words.format(name=name) + " (first at {first})")
    return values


class Secret:
    """A token or key, resolved only when a command uses it, and never shown: ``key`` is its key path,
    ``origin`` where it comes from (``${GITHUB_TOKEN}``, ``file /run/secrets/gh``). The value hides in
    a closure, so that neither ``repr`` nor ``dataclasses.asdict`` of the configuration shows it."""

    def __init__(self, key: str, origin: str, value: Callable[[], str]) -> None:
        # value() is the secret; it raises ConfigError naming the key and variable/file if it cannot be had.
        self.key, self.origin, self.value = key, origin, value

    def problem(self) -> str | None:
        """Why ``value()`` would fail (for ``check-config``), or None; never the value itself."""
        try:
            self.value()
        except ConfigError as exc:
            return str(exc)
        return None

    @classmethod
    def from_value(cls, value: str, *, key: str = "secret") -> Secret:
        """A secret with a known value (tests)."""
        return cls(key, "literal", lambda: value)

    def __repr__(self) -> str:  # str() and f-strings fall back to it
        return "Secret('***')"


def _raise(message: str) -> NoReturn:
    raise ConfigError(message)


def _one_line(text: str, where: str) -> str:
    """A secret, stripped, goes into one HTTP header: empty or broken over lines it cannot (an HTTP
    client's error would then show it), so it stops here, naming ``where`` and never the text."""
    if not text or "\n" in text or "\r" in text:
        _raise(f"{where} is {'more than one line' if text else 'empty'}")
    return text


NO_SECRET = Secret("secret", "none", lambda: _raise("secret: no value"))


def secret(data: dict[str, Any], section: str, name: str, variable: str, source: Source) -> None:
    """``data[name]`` or ``data[name + "_file"]`` → one ``Secret`` at ``data[name]`` (SPEC §3: from the
    environment or a file, never the file itself). Unset or unreadable fails only when asked for."""
    file_name, key = f"{name}_file", f"{section}.{name}"
    raw, file_value = data.pop(name, None), data.pop(file_name, None)
    if raw is not None and file_value is not None:
        problem(f"give either {name} or {file_name}, not both", file_name)
    if file_value is not None:
        if not isinstance(file_value, str) or not file_value.strip():
            problem(f"must be a file path (got {shown(file_value)})", file_name)
        path = os.path.normpath(os.path.join(source.cwd, file_value.strip()))
        prefix = source.message(f"{section}.{file_name}", "")

        def read_file() -> str:
            # Read at each use, so a rotated secret file (Kubernetes, Vault agent) is picked up.
            try:  # utf-8-sig: the BOM Windows editors write is no part of the token
                text = Path(path).read_text(encoding="utf-8-sig")
            except OSError as exc:
                raise ConfigError(f"{prefix}cannot read {path}: {exc.strerror}") from None
            except UnicodeDecodeError:
                raise ConfigError(f"{prefix}cannot read {path}: not UTF-8 text") from None
            return _one_line(text.strip(), f"{prefix}{path}")

        data[name] = Secret(key, f"file {path}", read_file)
        return
    if not isinstance(raw, str | None):
        problem(f"must be a ${{VAR}} reference (got {shown(raw)})", name)
    if raw is not None and all(match.group(1) for match in _REFERENCE.finditer(raw)):
        problem(f"must come from the environment (${{VAR}}) or from {file_name}, not the file itself", name)
    hint = "" if raw else f" ({key} defaults to ${{{variable}}}; set it or give {section}.{file_name})"
    raw = raw or "${" + variable + "}"
    text, unset = substitute(raw, source.environ, lambda message: problem(message, name))
    failure, where = unset + hint if unset else None, source.message(key, raw)
    data[name] = Secret(
        key, raw, lambda: _raise(source.message(key, failure)) if failure else _one_line(text.strip(), where)
    )
