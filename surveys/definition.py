"""Survey definitions (SPEC §7.1): scales, items and the team question, loaded from YAML and validated.

Every error is one ``InputError`` line naming the file, the YAML line and the key, e.g.::

    devex.yaml:14: items[2].scale: unknown scale 'agree7' (defined: agree5, freq5)

Text is compared the way people read it: ``fold`` (``store.folding``) ignores case, Unicode
compatibility forms, curly versus straight quotes and runs of whitespace. Answers, column titles and
item wording all go through it, and so does the wording fingerprint, so that a cosmetic edit (a
double space, a curly apostrophe) does not count as a changed question while any change of words does.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from store.errors import InputError
from store.folding import fold
from store.yaml_lines import compose, unknown_key, where

__all__ = [
    "DEFAULT_DEFINITION",
    "DIMENSIONS",
    "Item",
    "Scale",
    "SurveyDefinition",
    "fingerprint",
    "load_definition",
    "parse_definition",
]

DIMENSIONS = ("satisfaction", "performance", "activity", "communication", "efficiency")
DEFAULT_DEFINITION = Path(__file__).resolve().parent / "definitions" / "space-default.yaml"
"""The shipped definition: 3–4 items for each SPACE dimension."""

# Points beyond this are not a rating scale any more (a 0–10 NPS question has 11).
MAX_POINTS = 11
_ITEM_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")
_NUMBER = re.compile(r"\d+\Z")


@dataclass(frozen=True)
class Scale:
    """An answer scale: points 1..``points``, labelled in order, some of them favourable."""

    name: str
    points: int
    labels: tuple[str, ...]
    favourable: tuple[int, ...]


@dataclass(frozen=True)
class Item:
    """One question. ``reverse``: agreeing is unfavourable (burnout), scored ``points + 1 − x``."""

    id: str
    text: str
    dimension: str
    scale: Scale
    reverse: bool = False


@dataclass(frozen=True)
class SurveyDefinition:
    survey: str
    scales: Mapping[str, Scale]
    missing: tuple[str, ...]
    """Answers that mean "no answer" and leave the denominator; a blank answer always does."""
    team_question: str
    items: tuple[Item, ...]
    source: str = ""
    """The file it was loaded from, for messages."""


def fingerprint(item: Item) -> str:
    """sha256 (hex) of the item's folded wording: equal exactly when the question reads the same."""
    return hashlib.sha256(fold(item.text).encode("utf-8")).hexdigest()


def load_definition(path: Path | str) -> SurveyDefinition:
    """Read and validate the definition at ``path``; ``InputError`` naming file, line and key."""
    label = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{label}: cannot read the survey definition: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: not UTF-8 text (byte {exc.start})") from None
    return parse_definition(text, label=label)


def parse_definition(text: str, *, label: str = "<definition>") -> SurveyDefinition:
    """Validate a definition given as YAML text; ``label`` names it in errors."""
    document, lines = compose(text, label, InputError)
    return _Reader(label, lines).definition(document)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Reader:
    def __init__(self, label: str, lines: dict[str, int]) -> None:
        self.label = label
        self.lines = lines

    def fail(self, key: str, message: str) -> NoReturn:
        place = where(self.label, self.lines, key)
        raise InputError(f"{place}: {key}: {message}" if key else f"{place}: {message}")

    # -- typed values ------------------------------------------------------------------------------

    def mapping(
        self, key: str, value: object, *, required: Sequence[str], optional: Sequence[str]
    ) -> dict[str, object]:
        allowed = (*required, *optional)
        if not isinstance(value, dict):
            self.fail(key, f"must be a mapping with keys {', '.join(allowed)} (got {_shown(value)})")
        for name in value:
            if name not in allowed:
                self.fail(f"{key}.{name}" if key else str(name), unknown_key(str(name), allowed))
        for name in required:
            if name not in value:
                self.fail(f"{key}.{name}" if key else name, "is required")
        return {str(name): entry for name, entry in value.items()}

    def text(self, key: str, value: object) -> str:
        if not isinstance(value, str):
            self.fail(key, f"must be a string (got {_shown(value)})")
        if not value.strip():
            self.fail(key, "must not be empty")
        return value.strip()

    def integer(self, key: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"must be a whole number (got {_shown(value)})")
        return value

    def sequence(self, key: str, value: object) -> list[object]:
        if not isinstance(value, list):
            self.fail(key, f"must be a list (got {_shown(value)})")
        return value

    # -- the document ------------------------------------------------------------------------------

    def definition(self, document: object) -> SurveyDefinition:
        if document is None:
            self.fail("", "the survey definition is empty")
        root = self.mapping(
            "",
            document,
            required=("survey", "scales", "team_question", "items"),
            optional=("missing",),
        )
        survey = self.text("survey", root["survey"])
        missing = self.missing(root.get("missing"))
        scales = self.scales(root["scales"], missing)
        team_question = self.text("team_question", root["team_question"])
        items = self.items(root["items"], scales, team_question)
        return SurveyDefinition(
            survey=survey,
            scales=scales,
            missing=missing,
            team_question=team_question,
            items=items,
            source=self.label,
        )

    def missing(self, value: object) -> tuple[str, ...]:
        if value is None:
            return ("",)
        labels: list[str] = []
        for index, entry in enumerate(self.sequence("missing", value)):
            if not isinstance(entry, str):
                self.fail(f"missing[{index}]", f"must be a string (got {_shown(entry)})")
            if _NUMBER.match(fold(entry)):
                self.fail(f"missing[{index}]", f"{entry!r} would read as a scale point")
            labels.append(entry)
        return tuple(labels)

    def scales(self, value: object, missing: tuple[str, ...]) -> dict[str, Scale]:
        if not isinstance(value, dict) or not value:
            self.fail("scales", f"must be a non-empty mapping of scale names (got {_shown(value)})")
        missing_folded = {fold(label) for label in missing}
        scales: dict[str, Scale] = {}
        for name, spec in value.items():
            key = f"scales.{name}"
            fields = self.mapping(key, spec, required=("points", "favourable"), optional=("labels",))
            points = self.integer(f"{key}.points", fields["points"])
            if not 2 <= points <= MAX_POINTS:
                self.fail(f"{key}.points", f"must be between 2 and {MAX_POINTS} (got {points})")
            labels = self.labels(key, fields.get("labels"), points, missing_folded)
            favourable = self.favourable(key, fields["favourable"], points)
            scales[str(name)] = Scale(name=str(name), points=points, labels=labels, favourable=favourable)
        return scales

    def labels(self, key: str, value: object, points: int, missing_folded: set[str]) -> tuple[str, ...]:
        # Without labels a scale takes numbers only (Typeform opinion scales, numeric exports).
        if value is None:
            return ()
        entries = self.sequence(f"{key}.labels", value)
        if len(entries) != points:
            self.fail(f"{key}.labels", f"must have one label per point: {points} (got {len(entries)})")
        labels: list[str] = []
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            entry_key = f"{key}.labels[{index}]"
            label = self.text(entry_key, entry)
            folded = fold(label)
            if folded in seen:
                self.fail(entry_key, f"{label!r} repeats label {seen[folded] + 1}")
            if folded in missing_folded:
                self.fail(entry_key, f"{label!r} is also a missing-answer label")
            # A numeric label must be its own point, or "3" would be ambiguous.
            if _NUMBER.match(folded) and int(folded) != index + 1:
                self.fail(entry_key, f"the numeric label {label!r} is not point {index + 1}")
            seen[folded] = index
            labels.append(label)
        return tuple(labels)

    def favourable(self, key: str, value: object, points: int) -> tuple[int, ...]:
        entries = self.sequence(f"{key}.favourable", value)
        if not entries:
            self.fail(f"{key}.favourable", "must name at least one point")
        chosen: set[int] = set()
        for index, entry in enumerate(entries):
            point = self.integer(f"{key}.favourable[{index}]", entry)
            if not 1 <= point <= points:
                self.fail(f"{key}.favourable[{index}]", f"must be a point from 1 to {points} (got {point})")
            if point in chosen:
                self.fail(f"{key}.favourable[{index}]", f"point {point} is listed twice")
            chosen.add(point)
        if len(chosen) == points:
            self.fail(f"{key}.favourable", "cannot be every point of the scale")
        return tuple(sorted(chosen))

    def items(self, value: object, scales: Mapping[str, Scale], team_question: str) -> tuple[Item, ...]:
        entries = self.sequence("items", value)
        if not entries:
            self.fail("items", "must list at least one item")
        items: list[Item] = []
        ids: dict[str, int] = {}
        texts: dict[str, int] = {fold(team_question): -1}
        for index, entry in enumerate(entries):
            key = f"items[{index}]"
            fields = self.mapping(
                key, entry, required=("id", "text", "dimension", "scale"), optional=("reverse",)
            )
            item_id = self.text(f"{key}.id", fields["id"])
            if not _ITEM_ID.match(item_id):
                self.fail(f"{key}.id", f"{item_id!r} must start with a letter and use letters, digits, _ . -")
            if item_id in ids:
                self.fail(f"{key}.id", f"{item_id!r} repeats items[{ids[item_id]}]")
            text = self.text(f"{key}.text", fields["text"])
            folded = fold(text)
            if folded in texts:
                other = "the team question" if texts[folded] < 0 else f"items[{texts[folded]}]"
                self.fail(f"{key}.text", f"the same wording as {other}: columns would be ambiguous")
            dimension = self.text(f"{key}.dimension", fields["dimension"])
            if dimension not in DIMENSIONS:
                self.fail(f"{key}.dimension", f"must be one of {', '.join(DIMENSIONS)} (got {dimension!r})")
            scale_name = fields["scale"]
            if not isinstance(scale_name, str) or scale_name not in scales:
                self.fail(
                    f"{key}.scale",
                    f"unknown scale {_shown(scale_name)} (defined: {', '.join(sorted(scales))})",
                )
            reverse = fields.get("reverse", False)
            if not isinstance(reverse, bool):
                self.fail(f"{key}.reverse", f"must be true or false (got {_shown(reverse)})")
            ids[item_id] = index
            texts[folded] = index
            items.append(
                Item(id=item_id, text=text, dimension=dimension, scale=scales[scale_name], reverse=reverse)
            )
        return tuple(items)
