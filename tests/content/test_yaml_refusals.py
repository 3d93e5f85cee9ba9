"""Hostile or mistaken YAML is refused with the line it is on, never escaping as a bug (review B10).

Python refuses to build an int of more than 4,300 digits with a ValueError, and PyYAML's int
constructor used to raise it straight through the loader; base-60 numbers (``1:59:59``) cost
quadratic time to build. Every case here must come back as ``LABEL:LINE: problem (expected …)``.
Each runs with libyaml's C parser and with PyYAML's pure-Python one.
"""

from __future__ import annotations

import pytest
import yaml

from bot.content import yaml_lines
from bot.content.loader import load_pack
from bot.content.yaml_lines import MAX_DEPTH, YamlSyntaxError, read_yaml

PARSERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if yaml.__with_libyaml__ else [])
HEAD = "id: ours\nname: Ours\n"


@pytest.fixture(autouse=True, params=PARSERS, ids=lambda p: p.__name__)
def parser(request, monkeypatch):
    monkeypatch.setattr(yaml_lines, "_PARSER", request.param)


def refusal(text: str) -> str:
    pack, problems = load_pack(text, "pack")
    assert pack is None and len(problems) == 1, problems
    return problems[0]


def test_a_5000_digit_integer_is_a_number_too_long_on_its_line():
    assert refusal(HEAD + "description: " + "1" * 5000 + "\n") == (
        "pack:3: number too long: 5,000 characters (expected at most 64; put text in quotes)"
    )


def test_a_60_kb_hex_integer_is_refused_before_it_is_built():
    assert refusal(HEAD + "description: 0x" + "f" * 60_000 + "\n").startswith("pack:3: number too long: 60,002")


def test_a_long_float_and_a_long_base_60_value_are_refused_too():
    assert refusal(HEAD + "description: 1." + "5" * 5000 + "\n").startswith("pack:3: number too long")
    base_60 = ":".join(["1", *["59"] * 20_000])
    assert refusal(HEAD + f"description: {base_60}\n").startswith("pack:3: number too long")


def test_a_huge_base_60_key_is_refused_on_its_line():
    key = ":".join(["1", *["59"] * 20_000])
    assert refusal(f"{HEAD}? {key}\n: x\n") == (
        "pack:3: key too long: 60,001 characters (expected a field name of at most 100)"
    )


def test_a_number_inside_the_cap_is_still_named_by_the_schema():
    assert "description: YAML read this as the number 1234567890123 (expected text: put it in quotes)" in "\n".join(
        load_pack(HEAD + "description: 1234567890123\nquestions: []\n", "pack")[1]
    )


@pytest.mark.parametrize(
    "deep",
    [
        "questions: " + "[" * 70_000 + "]" * 70_000,  # flow sequences
        "questions: " + "{a: " * 5_000,  # flow mappings, never closed
        "questions:\n" + "".join("  " * i + "k:\n" for i in range(1, 200)),  # block mappings, a key per level
    ],
    ids=["brackets", "braces", "block-keys"],
)
def test_deep_nesting_is_refused_on_a_line(deep):
    assert refusal(HEAD + deep + "\n").endswith(f"nested deeper than {MAX_DEPTH} levels (fix the YAML syntax)")


def test_a_key_that_is_not_a_name_is_refused_however_deep():
    assert refusal(HEAD + "? " + "[" * 500 + "]" * 500 + "\n: x\n") == (
        "pack:3: a key must be a plain name (expected `name: value`)"
    )
    # libyaml reads far ahead and meets its own nesting limit (1,000) first: still the key's line
    assert refusal(HEAD + "? " + "[" * 10_000 + "]" * 10_000 + "\n: x\n") in (
        "pack:3: a key must be a plain name (expected `name: value`)",
        f"pack:3: nested deeper than {MAX_DEPTH} levels (fix the YAML syntax)",
    )
    assert refusal(HEAD + "? {a: b}\n: x\n") == "pack:3: a key must be a plain name (expected `name: value`)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x [1]\nb: *x\n", "pack:1: anchors and aliases (&name, *name) are not allowed here (fix the YAML syntax)"),
        ("a: !!python/object/apply:os.system [ls]\n", "pack:1: the tag !!python/object/apply:os.system is not allowed"),
        ("a: !custom x\n", "pack:1: the tag !custom is not allowed (expected plain YAML)"),
        ("a: !!binary aGk=\n", "pack:1: the tag !!binary is not allowed (expected plain YAML)"),
        ("a: !!bool maybe\n", "pack:1: 'maybe' is not a valid bool (expected plain YAML)"),
        ("a: 1\n---\nb: 2\n", "pack:2: a second document (---) (expected one document per file)"),
        ("a: b\x00c\n", "pack:1: invalid YAML: "),
        ("a: [unclosed\n", "pack:2: invalid YAML: "),
    ],
)
def test_what_content_never_needs_is_refused_with_its_line(text, message):
    assert refusal(text).startswith(message)


def test_explicit_core_tags_are_read_as_yaml_reads_them():
    document = read_yaml("a: !!str 007\nb: !!int '12'\nc: !!null ''\n")
    assert document.data == {"a": "007", "b": 12, "c": None}


def test_keys_stay_the_text_the_author_wrote():
    document = read_yaml("yes: 1\n007: 2\n1:30: 3\nnull: 4\n")
    assert list(document.data) == ["yes", "007", "1:30", "null"]


def test_a_value_error_or_recursion_error_from_a_value_is_a_line_not_a_bug(monkeypatch):
    """The safety net: should any value still fail to build, the loader names the line."""

    def explode(event, line):
        if event.value == "boom":
            raise RecursionError if line == 3 else ValueError("Exceeds the limit (4300 digits)")
        return event.value

    monkeypatch.setattr(yaml_lines, "_scalar", explode)
    with pytest.raises(YamlSyntaxError) as info:
        read_yaml("a: 1\nb: 2\nc: boom\n")
    assert (info.value.line, info.value.problem) == (3, "could not read this value (RecursionError)")
    assert refusal("a: 1\nb: boom\n") == "pack:2: could not read this value (ValueError) (fix the YAML syntax)"
