"""YAML with line numbers: the one reader of the configuration file and of survey definitions.

``compose`` returns plain values plus a map from each key path (``github.repositories[1].name``) to
the 1-based line it is written on, so that a message can read ``file:line: key.path: message``.

It lives in ``surveys`` because that is the lowest package both of its users may import:
``surveys.definition`` may import only ``store`` and ``surveys``, and ``doraspace.config`` may import
every package. ``store`` holds the schema and nothing else, and a package of its own for 100 lines
would add a seventh entry to every import rule.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["compose", "key_path", "line_of", "unknown_key", "where"]

_YAML_MAP = "tag:yaml.org,2002:map"
_YAML_SEQ = "tag:yaml.org,2002:seq"
_YAML_INT = "tag:yaml.org,2002:int"
# YAML 1.1 reads 0123456 as an octal number, 0x1F as hex, 1_000 and 1:30 as numbers too: an id written
# so (a PagerDuty service, a survey item) would change. Only a plain decimal is a number to us.
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")


def key_path(*parts: str | int) -> str:
    """``("teams", 0, "name")`` → ``teams[0].name``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def line_of(lines: Mapping[str, int], key: str) -> int | None:
    """The line of ``key``, or of its nearest ancestor written in the file (a missing key is reported
    at its section); None when not even the first part is written."""
    while key:
        if key in lines:
            return lines[key]
        key = key[: key.rindex("[")] if key.endswith("]") else key.rpartition(".")[0]
    return None


def where(label: str, lines: Mapping[str, int], key: str) -> str:
    """``label:line`` of ``key`` (see ``line_of``), or just ``label``."""
    line = line_of(lines, key)
    return label if line is None else f"{label}:{line}"


def unknown_key(key: str, allowed: Sequence[str]) -> str:
    """What to say of ``key`` where only ``allowed`` keys may be: the nearest one, or all of them."""
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"expected one of {', '.join(allowed)}"
    return f"unknown key ({hint})"


def compose(text: str, label: str, error: type[Exception]) -> tuple[object, dict[str, int]]:
    """Parse ``text`` into plain values and the line of every key path; problems raise ``error``.

    We walk the node graph ourselves (instead of ``yaml.safe_load``) because only nodes carry line
    marks, and to refuse duplicate keys, where PyYAML would silently let the last one win.
    """
    loader = yaml.SafeLoader(text)
    lines: dict[str, int] = {}
    try:
        root = loader.get_single_node()
        if root is None:
            return None, lines
        return _construct(loader, label, error, root, "", lines, set()), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        place = f"{label}:{mark.line + 1}" if mark is not None else label
        raise error(f"{place}: invalid YAML: {exc.problem or exc.context or 'malformed'}") from None
    except yaml.YAMLError as exc:
        raise error(f"{label}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def _construct(
    loader: yaml.SafeLoader,
    label: str,
    error: type[Exception],
    node: Node,
    path: str,
    lines: dict[str, int],
    active: set[int],
) -> object:
    line = node.start_mark.line + 1
    if id(node) in active:  # a recursive alias (&a [*a]) would otherwise never end
        raise error(f"{label}:{line}: {path}: recursive YAML alias")
    if isinstance(node, ScalarNode):
        if node.tag == _YAML_INT and not _DECIMAL.fullmatch(node.value):
            return node.value
        try:
            return loader.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:  # PyYAML lets these out for dates like 2025-13-01
            raise error(f"{label}:{line}: {path}: invalid value: {exc}") from None
    if node.tag not in (_YAML_MAP, _YAML_SEQ):  # we walk collections ourselves: refuse other tags
        raise error(f"{label}:{line}: invalid YAML: unsupported tag {node.tag}")
    active.add(id(node))
    try:
        if isinstance(node, SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                lines.setdefault(f"{path}[{index}]", item.start_mark.line + 1)
                items.append(_construct(loader, label, error, item, f"{path}[{index}]", lines, active))
            return items
        assert isinstance(node, MappingNode)
        written = {id(key_node) for key_node, _ in node.value}
        # Resolves merge keys (<<: *defaults); merged pairs come first, so written ones override.
        loader.flatten_mapping(node)
        mapping: dict[str, object] = {}
        merged: set[str] = set()
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                raise error(f"{label}:{line}: {path or 'document'}: keys must be plain names")
            key = str(key_node.value)  # as written: PyYAML would turn `on:` into True
            sub_path = f"{path}.{key}" if path else key
            if id(key_node) not in written:
                merged.add(key)
            elif key in merged:
                merged.discard(key)
            elif key in mapping:
                raise error(f"{label}:{line}: {sub_path}: duplicate key (first at line {lines[sub_path]})")
            lines[sub_path] = line
            mapping[key] = _construct(loader, label, error, value_node, sub_path, lines, active)
        return mapping
    finally:
        active.discard(id(node))
