"""Survey definitions (SPEC §7.1): the shipped default, fingerprints, and errors that name file, line
and key."""

from __future__ import annotations

import dataclasses
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from store.errors import InputError
from store.folding import fold
from surveys.definition import (
    DEFAULT_DEFINITION,
    DIMENSIONS,
    fingerprint,
    load_definition,
    parse_definition,
)

ROOT = Path(__file__).resolve().parents[2]

VALID = """\
survey: devex
scales:
  agree5: {points: 5, labels: [Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree], favourable: [4, 5]}
  freq5:  {points: 5, labels: [Never, Rarely, Sometimes, Very often, Always], favourable: [4, 5]}
missing: ["I don't know", "N/A", "Not applicable", ""]
team_question: "Which team are you on?"
items:
  - id: s_satisfied
    text: "I am satisfied with the tools and processes I use to do my work"
    dimension: satisfaction        # satisfaction | performance | activity | communication | efficiency
    scale: agree5
  - id: s_burnout
    text: "I feel burned out from my work"
    dimension: satisfaction
    scale: agree5
    reverse: true
"""  # noqa: E501 - the SPEC §7.1 example, verbatim


def test_the_spec_example_loads() -> None:
    definition = parse_definition(VALID, label="devex.yaml")
    assert definition.survey == "devex"
    assert definition.team_question == "Which team are you on?"
    assert [item.id for item in definition.items] == ["s_satisfied", "s_burnout"]
    burnout = definition.items[1]
    assert burnout.reverse and burnout.scale.points == 5 and burnout.scale.favourable == (4, 5)
    assert burnout.scale.labels[2] == "Neither agree nor disagree"
    assert definition.missing == ("I don't know", "N/A", "Not applicable", "")
    assert not definition.items[0].reverse


def test_the_shipped_default_covers_every_space_dimension() -> None:
    definition = load_definition(DEFAULT_DEFINITION)
    per_dimension = Counter(item.dimension for item in definition.items)
    assert set(per_dimension) == set(DIMENSIONS)
    assert all(3 <= count <= 4 for count in per_dimension.values()), per_dimension
    assert {item.scale.name for item in definition.items} == {"agree5", "freq5"}
    reversed_ids = {item.id for item in definition.items if item.reverse}
    assert "sat_burnout" in reversed_ids
    assert {item.scale.name for item in definition.items if item.reverse} == {"agree5", "freq5"}
    assert definition.team_question == "Which team are you on?"
    assert len({fingerprint(item) for item in definition.items}) == len(definition.items)


def test_the_default_definition_ships_inside_the_package() -> None:
    # hatch puts every file under a listed package directory into the wheel.
    package_dir = ROOT / "surveys"
    assert DEFAULT_DEFINITION.is_file()
    assert DEFAULT_DEFINITION.is_relative_to(package_dir)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "surveys" in pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]


def test_fingerprint_ignores_case_spacing_and_quote_style_but_not_words() -> None:
    item = parse_definition(VALID).items[1]
    same = dataclasses.replace(item, text="  I  FEEL burned out\tfrom my work ")
    assert fingerprint(same) == fingerprint(item)
    curly = parse_definition(VALID).items[0]
    assert fold("I don’t know") == fold("I don't know")
    assert fingerprint(dataclasses.replace(curly, text=curly.text.upper())) == fingerprint(curly)
    reworded = dataclasses.replace(item, text="I feel burnt out from my work")
    assert fingerprint(reworded) != fingerprint(item)
    assert len(fingerprint(item)) == 64


def replace_line(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            replace_line("survey: devex", "survey: devex\nsurvy: x"),
            "devex.yaml:2: survy: unknown key (did you mean 'survey'?)",
        ),
        (
            replace_line('team_question: "Which team are you on?"\n', ""),
            "devex.yaml: team_question: is required",
        ),
        (
            replace_line("dimension: satisfaction        #", "dimension: happiness #"),
            "devex.yaml:10: items[0].dimension: must be one of satisfaction, performance, activity, "
            "communication, efficiency (got 'happiness')",
        ),
        (
            replace_line("    scale: agree5\n    reverse", "    scale: agree7\n    reverse"),
            "devex.yaml:15: items[1].scale: unknown scale 'agree7' (defined: agree5, freq5)",
        ),
        (
            replace_line("labels: [Never, Rarely, ", "labels: [Rarely, "),
            "devex.yaml:4: scales.freq5.labels: must have one label per point: 5 (got 4)",
        ),
        (
            replace_line("Always], favourable: [4, 5]", "Always], favourable: [4, 6]"),
            "devex.yaml:4: scales.freq5.favourable[1]: must be a point from 1 to 5 (got 6)",
        ),
        (
            replace_line("- id: s_burnout", "- id: s_satisfied"),
            "devex.yaml:12: items[1].id: 's_satisfied' repeats items[0]",
        ),
        (
            replace_line(
                '"I feel burned out from my work"',
                '"I am satisfied with the tools and processes I use to do my  work"',
            ),
            "devex.yaml:13: items[1].text: the same wording as items[0]: columns would be ambiguous",
        ),
        (
            replace_line("reverse: true", "reverse: sometimes"),
            "devex.yaml:16: items[1].reverse: must be true or false (got 'sometimes')",
        ),
        (
            replace_line("[Never, Rarely,", "[Never, '4',"),
            "devex.yaml:4: scales.freq5.labels[1]: the numeric label '4' is not point 2",
        ),
        (
            replace_line("[Never, Rarely,", "[Never, N/A,"),
            "devex.yaml:4: scales.freq5.labels[1]: 'N/A' is also a missing-answer label",
        ),
        (
            replace_line("survey: devex", "survey: devex\nsurvey: again"),
            "devex.yaml:2: survey: duplicate key (first at line 1)",
        ),
        (
            replace_line("items:", "items: ["),
            "devex.yaml:8: invalid YAML: expected the node content, but found '-'",
        ),
        ("", "devex.yaml: the survey definition is empty"),
        (
            "- a list\n",
            "devex.yaml: must be a mapping with keys survey, scales, team_question, items, missing "
            "(got ['a list'])",
        ),
        (
            replace_line("points: 5, labels: [Never", "points: 1, labels: [Never"),
            "devex.yaml:4: scales.freq5.points: must be between 2 and 11 (got 1)",
        ),
    ],
)
def test_errors_name_the_file_line_and_key(text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_definition(text, label="devex.yaml")
    assert str(info.value) == message
    assert info.value.exit_status == 2


def test_an_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.yaml: cannot read the survey definition"):
        load_definition(tmp_path / "missing.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"survey: \xff\xfe")
    with pytest.raises(InputError, match=r"binary\.yaml: not UTF-8"):
        load_definition(binary)


def test_labels_are_optional_for_numeric_scales() -> None:
    text = replace_line(
        "freq5:  {points: 5, labels: [Never, Rarely, Sometimes, Very often, Always], favourable: [4, 5]}",
        "freq5:  {points: 5, favourable: [4, 5]}",
    )
    assert parse_definition(text).scales["freq5"].labels == ()
