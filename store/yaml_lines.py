"""YAML as our files mean it: the one reader of the configuration, survey definitions and catalog files.

``compose`` returns plain values plus a map from each key path (``github.repositories[1].name``) to
the 1-based line it is written on, so that a message can read ``file:line: key.path: message``.
``mapping_pairs`` resolves merge keys (``<<``) as the YAML merge type says, for ``compose`` and for
``TextLoader``, the catalog's reader (catalog files are Backstage's: read with nothing but text).

It lives in ``store``, the lowest package, because its users are in three packages that may not
import each other: ``doraspace.config``, ``surveys.definition`` and ``collector.catalog``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["TextLoader", "compose", "key_path", "line_of", "mapping_pairs", "unknown_key", "where"]

_YAML_MAP = "tag:yaml.org,2002:map"
_YAML_SEQ = "tag:yaml.org,2002:seq"
_YAML_INT = "tag:yaml.org,2002:int"
_YAML_MERGE = "tag:yaml.org,2002:merge"
# YAML 1.1 reads 0123456 as an octal number, 0x1F as hex, +123, 1_000 and 1:30 as numbers too: an id
# written so (a PagerDuty service, a survey item) would change. Only a plain decimal is a number to us.
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)")


def mapping_pairs(node: MappingNode) -> list[tuple[Node, Node, bool]]:
    """The (key, value, written) pairs of a mapping, its merge keys (``<<: *defaults``) resolved as the
    YAML merge type says: keys written in the mapping override merged ones, and of several mappings
    merged (``<<: [*a, *b]``) the earlier wins. ``written`` says the pair is the mapping's own.

    PyYAML's ``flatten_mapping`` does this in place, so an anchored mapping read again through an alias
    seemed to have its merged keys written twice; and since 6.0.3 it lets the later mapping win
    (yaml/pyyaml#953). Nothing is changed here."""
    own = [(key, value) for key, value in node.value if key.tag != _YAML_MERGE]
    names = {_name(key) for key, _ in own}
    merged: dict[object, tuple[Node, Node]] = {}
    for key, value in node.value:
        if key.tag != _YAML_MERGE:
            continue
        sources = [value] if isinstance(value, MappingNode) else getattr(value, "value", None)
        if not isinstance(value, MappingNode | SequenceNode) or not all(
            isinstance(source, MappingNode) for source in sources or ()
        ):
            raise ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "<< must merge a mapping or a list of mappings",
                value.start_mark,
            )
        for source in sources or ():
            for inner, inner_value, _ in mapping_pairs(source):
                merged.setdefault(_name(inner), (inner, inner_value))
    inherited = [(key, value, False) for name, (key, value) in merged.items() if name not in names]
    return inherited + [(key, value, True) for key, value in own]


def _name(key: Node) -> object:
    return key.value if isinstance(key, ScalarNode) else id(key)


class TextLoader(yaml.SafeLoader):
    """Safe loading as a catalog file means it (Backstage reads YAML 1.2): every scalar is text as
    written but null, ``true`` and ``false`` (``012345`` is no octal number, ``2026-01-01`` no date, ``no``
    no boolean), merge keys resolve as ``mapping_pairs`` says, and a key written twice is an error."""

    def flatten_mapping(self, node: MappingNode) -> None:
        pairs = mapping_pairs(node)
        seen: set[object] = set()
        for key, _, written in pairs:
            if written and _name(key) in seen:
                raise ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"duplicate key {key.value!r}",
                    key.start_mark,
                )
            seen.add(_name(key))
        node.value = [(key, value) for key, value, _ in pairs]


TextLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")
        and tag != "tag:yaml.org,2002:bool"
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
TextLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


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
        mapping: dict[str, object] = {}
        own: set[str] = set()
        for key_node, value_node, written in mapping_pairs(node):
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                raise error(f"{label}:{line}: {path or 'document'}: keys must be plain names")
            key = str(key_node.value)  # as written: PyYAML would turn `on:` into True
            sub_path = f"{path}.{key}" if path else key
            if written and key in own:
                raise error(f"{label}:{line}: {sub_path}: duplicate key (first at line {lines[sub_path]})")
            own.update([key] if written else [])
            lines[sub_path] = line
            mapping[key] = _construct(loader, label, error, value_node, sub_path, lines, active)
        return mapping
    finally:
        active.discard(id(node))
