"""The pydantic schema's errors, worded for authors and placed on the line of the key or item at fault.

Every test runs twice: with libyaml's C parser (what PyYAML uses when it was built with it) and with
PyYAML's pure-Python parser (the fallback), which must place every error on the same line.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from bot.content import yaml_lines
from bot.content.loader import ContentError, load_catalog, load_pack

ROOT = Path(__file__).resolve().parents[2]
PARSERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if yaml.__with_libyaml__ else [])


@pytest.fixture(autouse=True, params=PARSERS, ids=lambda p: p.__name__)
def parser(request, monkeypatch):
    monkeypatch.setattr(yaml_lines, "_PARSER", request.param)
    return request.param


def problems_of(text: str) -> list[str]:
    pack, problems = load_pack(textwrap.dedent(text), "p.yaml")
    assert pack is None or not problems
    return problems


QUESTION = """\
  - id: {id}
    prompt: "{prompt}"
    answer: Nellie
    wrong: [Rex, Bella, Daisy]
    season: 1
    difficulty: easy
    source: seed
"""


def pack(*questions: str) -> str:
    return "id: ours\nname: Ours\ndescription: Ours.\nquestions:\n" + "".join(questions)


def test_a_valid_pack_loads_with_no_problems():
    loaded, problems = load_pack(pack(QUESTION.format(id="q1", prompt="Nick's dog?")), "p.yaml")
    assert problems == [] and loaded is not None
    [question] = loaded.questions
    assert question.options == ("Nellie", "Rex", "Bella", "Daisy") and question.difficulty == "easy"


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("answer: yes", "answer: YAML read this as the boolean true (expected text: put it in quotes)"),
        ("answer: off", "answer: YAML read this as the boolean false (expected text: put it in quotes)"),
        ("answer: 007", "answer: YAML read this as the number 7 (expected text: put it in quotes)"),
        ("answer: 1.50", "answer: YAML read this as the number 1.5 (expected text: put it in quotes)"),
        ("answer: 2024-05-01", "answer: YAML read this as the date 2024-05-01 (expected text: put it in quotes)"),
        ("answer: ~", "answer: is empty (expected text)"),
        ('answer: "  "', "answer: is empty (expected text)"),
        ("answer: [a]", "answer: is a list (expected text)"),
        ('season: "1"', "season: '1' is text (expected a whole number from 1 to 11: remove the quotes)"),
        ("season: true", "season: true is not allowed (expected a whole number from 1 to 11)"),
        ("season: 12", "season: 12 is not allowed (expected a whole number from 1 to 11)"),
        ("season: 1.0", "season: 1.0 is not allowed (expected a whole number from 1 to 11)"),
        ("difficulty: trivial", "difficulty: 'trivial' is not allowed (expected one of: easy, medium, hard)"),
        (
            "source: a blog",
            "source: 'a blog' is not a source (expected an http(s) URL or `seed` for the Tudum article)",
        ),
        ("id: Nick_1", "id: 'Nick_1' is not a valid id (expected lowercase letters, digits and dashes)"),
    ],
)
def test_each_mistake_is_named_on_the_line_of_its_key(written, message):
    field = written.split(":", 1)[0]
    lines = QUESTION.format(id="q1", prompt="Nick's dog?").splitlines()
    line_no = next(i for i, line in enumerate(lines) if line.strip().removeprefix("- ").startswith(f"{field}:"))
    lines[line_no] = lines[line_no].split(field)[0] + written
    assert problems_of(pack("\n".join(lines) + "\n")) == [f"p.yaml:{5 + line_no}: questions[0].{message}"]


def test_every_problem_of_a_file_is_reported_in_line_order():
    broken = """\
    id: Ours
    name: Ours
    colour: pink
    questions:
      - id: q1
        type: true-false
        prompt: Is it?
        answer: maybe
        wrong: [x]
        season: 1
        difficulty: easy
        source: seed
      - id: q1
        type: essay
      - just text
      - id: q3
        prompt: Which?
        answer: x
        wrong: [a, b, c, d]
        season: 1
        difficulty: easy
        source: seed
        source: seed
    """
    assert problems_of(broken) == [
        "p.yaml:1: id: 'Ours' is not a valid id (expected lowercase letters, digits and dashes)",
        "p.yaml:1: description: is missing (expected text)",
        "p.yaml:3: colour: is not a known field (expected one of: description, id, name, questions)",
        "p.yaml:8: questions[0].answer: 'maybe' is not allowed (expected true or false for a true-false question)",
        "p.yaml:9: questions[0].wrong: is not used by true-false questions (remove it)",
        "p.yaml:13: questions[1].id: duplicate question id 'q1' (already used at questions[0])",
        "p.yaml:14: questions[1].type: 'essay' is not allowed (expected one of: multiple-choice, true-false)",
        "p.yaml:15: questions[2]: is not a mapping (expected `key: value` lines)",
        "p.yaml:19: questions[3].wrong: has 4 items (expected exactly 3 wrong answers)",
        "p.yaml:23: questions[3].source: is given twice (expected each field once; the first is on line 22)",
    ]


def test_items_of_a_list_are_placed_on_their_own_lines():
    lines = QUESTION.format(id="q1", prompt="Nick's dog?").replace("wrong: [Rex, Bella, Daisy]", "wrong:")
    lines = lines.replace("    season:", "      - Rex\n      - 7\n      - Daisy\n    season:")
    assert problems_of(pack(lines)) == [
        "p.yaml:10: questions[0].wrong[1]: YAML read this as the number 7 (expected text: put it in quotes)"
    ]


def test_a_missing_field_is_named_on_the_line_its_entry_starts():
    second = QUESTION.format(id="q2", prompt="Whose dog?").replace("    season: 1\n", "")
    assert problems_of(pack(QUESTION.format(id="q1", prompt="Nick's dog?"), second)) == [
        "p.yaml:12: questions[1].season: is missing (expected a whole number from 1 to 11)"
    ]


def test_wrong_answers_must_all_be_wrong_and_different():
    repeated = QUESTION.format(id="q1", prompt="a").replace("[Rex, Bella, Daisy]", "[nellie, Bella, Daisy]")
    twice = QUESTION.format(id="q2", prompt="b").replace("[Rex, Bella, Daisy]", "[Rex, rex, Daisy]")
    assert problems_of(pack(repeated, twice)) == [
        "p.yaml:8: questions[0].wrong: repeats the right answer (expected 3 answers that are all wrong)",
        "p.yaml:15: questions[1].wrong: lists the same answer twice (expected 3 different wrong answers)",
    ]


def test_an_empty_pack_and_an_empty_file():
    assert problems_of("id: ours\nname: Ours\ndescription: Ours.\nquestions: []\n") == [
        "p.yaml:4: questions: has 0 items (expected at least 1)"
    ]
    assert problems_of("") == ["p.yaml:1: (top level): is empty (expected `key: value` lines)"]
    assert problems_of("- a\n") == ["p.yaml:1: (top level): is not a mapping (expected `key: value` lines)"]


def test_a_question_limit_refuses_before_validating_any_question():
    many = pack(*(QUESTION.format(id=f"q{i}", prompt=f"Question {i}?").replace("easy", "trivial") for i in range(6)))
    loaded, problems = load_pack(many, "p.yaml", max_questions=5)
    assert loaded is None and problems == ["p.yaml:4: questions: has 6 questions (expected at most 5)"]


def _catalog_with(tmp_path: Path, name: str, old: str, new: str) -> list[str]:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    text = (data / name).read_text(encoding="utf-8")
    assert old in text
    (data / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_catalog(data)
    return info.value.problems


def test_a_release_time_needs_a_date_and_a_real_zone(tmp_path):
    [time, zone] = _catalog_with(
        tmp_path,
        "releases.yaml",
        'date: 2022-04-22\n    time: "08:00"\n    timezone: Europe/London',
        'time: "08:00"\n    timezone: Europe/Londres',
    )
    assert time == "data/releases.yaml:7: releases[0].time: has a time but no date (expected a date too, or neither)"
    assert zone.startswith("data/releases.yaml:8: releases[0].timezone: 'Europe/Londres' is not a time zone")


def test_an_unquoted_time_is_refused_with_the_fix(tmp_path):
    [problem] = _catalog_with(tmp_path, "releases.yaml", 'time: "08:00"', "time: 8:00")
    assert problem == (
        'data/releases.yaml:8: releases[0].time: 480 is not a time (expected "HH:MM" in quotes, 24-hour)'
    )


def test_episode_numbers_and_synopsis_sources(tmp_path):
    [gaps, duplicate] = _catalog_with(tmp_path, "episodes.yaml", "number: 2\n", "number: 1\n")
    assert gaps.endswith("seasons[0].episodes: episode numbers have gaps (expected 1, 2, 3, … in order)")
    assert duplicate.endswith(
        "seasons[0].episodes[1].number: duplicate episode number 1 (already used at seasons[0].episodes[0])"
    )
    [unsourced] = _catalog_with(
        tmp_path / "again",
        "episodes.yaml",
        "\n        sources: [https://www.geekgirlauthority.com/heartstopper-series-premiere-recap-season-1-ep-1-meet/]",
        "",
    )
    assert "seasons[0].episodes[0].sources: is missing (expected the sources of the synopsis" in unsourced


def test_a_cast_member_with_an_unknown_group_and_a_yaml_surprise(tmp_path):
    [group] = _catalog_with(tmp_path, "cast.yaml", "group: truham", "group: Truham")
    assert group.startswith("data/cast.yaml:")
    assert "members[0].group: 'Truham' is not allowed (expected one of: truham, higgs," in group
    [film] = _catalog_with(tmp_path / "again", "cast.yaml", "film: true", "film: 'yes'")
    assert "members[0].film: 'yes' is not allowed (expected true or false)" in film
