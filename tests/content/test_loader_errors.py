"""Broken content is reported as FILE:LINE: field: problem (expected), all at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.loader import ContentError, load_catalog
from bot.content.packcheck import check_packs

ROOT = Path(__file__).resolve().parents[2]

BROKEN_PACK = """\
id: broken
name: Broken pack
description: Deliberate mistakes.
questions:
  - id: bool-answer
    prompt: Is this right?
    answer: yes
    wrong: [a, b, c]
    season: 1
    difficulty: easy
    source: seed
  - id: number-answer
    prompt: Which agent?
    answer: 007
    wrong: [a, b, c]
    season: 1
    difficulty: easy
    source: seed
  - id: repeated
    prompt: Which one?
    answer: Paris
    wrong: [Paris, Rome, Oslo]
    season: 1
    difficulty: easy
    source: seed
  - id: long-option
    prompt: Long?
    answer: "{long}"
    wrong: [a, b, c]
    season: 1
    difficulty: easy
    source: seed
  - id: no-source
    prompt: Which one?
    answer: x
    wrong: [a, b, c]
    difficulty: easy
""".replace("{long}", "x" * 81)


def test_pack_checker_lists_every_problem_with_lines(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_PACK, encoding="utf-8")
    text = "\n".join(check_packs([path]).problems)
    assert f"{path}:7: questions[0].answer: YAML read this as the boolean true" in text
    assert f"{path}:14: questions[1].answer: YAML read this as the number 7" in text
    assert f"{path}:22: questions[2].wrong: repeats the right answer" in text
    assert f"{path}:28: questions[3].answer: is 81 characters long (expected at most 80)" in text
    assert "questions[4].season: is missing" in text and "questions[4].source: is missing" in text
    assert f"{path}:34: questions[4].prompt: duplicate prompt" in text


def test_check_pack_accepts_the_shipped_packs_and_reports_their_balance(catalog):
    report = check_packs(sorted((ROOT / "data" / "trivia").glob("*.yaml")), catalog)
    assert report.problems == [] and report.questions >= 250
    text = "\n".join(report.balance_lines)
    assert "all packs together" in text and "by season" in text and "difficulty : easy" in text


def test_check_pack_catches_an_option_that_spoils_a_later_season(tmp_path, catalog):
    path = tmp_path / "leaky.yaml"
    path.write_text(
        "id: leaky\nname: Leaky\ndescription: d\nquestions:\n"
        '  - {id: q1, prompt: "Who is Nick\'s mum?", answer: Sarah, wrong: [Aunt Diane, Jane, Yan],'
        " season: 1, difficulty: easy, source: seed}\n"
        '  - {id: q2, prompt: "Which dog is Nick\'s?", answer: Nellie, wrong: [Rex, Max, Bo],'
        " season: 1, difficulty: easy, source: seed}\n"
        "  - {id: q3, prompt: Name Nick's dog please, answer: Nellie, wrong: [Rex, Max, Fido],"
        " season: 1, difficulty: easy, source: seed}\n",
        encoding="utf-8",
    )
    problems = "\n".join(check_packs([path], catalog).problems)
    assert "q1: wrong option 'Aunt Diane' first appears in Season 3" in problems
    assert "q3: near-duplicate of q2" in problems


def test_broken_episode_file_names_file_line_and_field(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    text = (data / "episodes.yaml").read_text(encoding="utf-8")
    (data / "episodes.yaml").write_text(
        text.replace("release_date: 2023-08-03", "release_date: 2023-02-30"), encoding="utf-8"
    )
    with pytest.raises(ContentError) as info:
        load_catalog(data)
    [problem] = info.value.problems
    assert problem.startswith("data/episodes.yaml:")
    assert "seasons[1].release_date: '2023-02-30' is not a date (expected YYYY-MM-DD)" in problem


def test_yaml_syntax_error_has_a_line(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    (data / "releases.yaml").write_text("releases:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"data/releases.yaml:\d+: invalid YAML"):
        load_catalog(data)


def test_check_pack_checks_a_translation_against_its_english_pack(tmp_path, catalog):
    """A translator's file is held to the English pack of the same name: known ids, three wrong answers,
    options that do not read the same, and what is still untranslated, each with its file."""
    folder = tmp_path / "data" / "translations" / "fr" / "trivia"
    folder.mkdir(parents=True)
    path = folder / "season-1.yaml"
    path.write_text(
        'name: "Saison 1"\ndescription: "d"\nquestions:\n'
        '  s1-form-seat: {prompt: "p", answer: "a", wrong: ["b", "c"]}\n'
        '  s1-charlie-year: {prompt: "p", answer: "Même", wrong: ["même", "x", "y"]}\n'
        '  s1-typo: {prompt: "p"}\n',
        encoding="utf-8",
    )
    report = check_packs([path], catalog)
    text = "\n".join(report.problems)
    assert f"{path}: question 's1-typo' is not in the English content" in text
    assert f"{path}: questions.s1-form-seat: needs answer and exactly 3 wrong answers" in text
    assert f"{path}: questions.s1-charlie-year: two options read the same in this language" in text
    assert f"{path}: questions.s1-nick-year: not translated yet" in text


def test_check_pack_accepts_every_shipped_translation(catalog):
    files = sorted((ROOT / "data" / "translations").glob("*/trivia/*.yaml"))
    report = check_packs(files, catalog)
    assert len(files) == 20 and report.problems == []
    assert all(line.endswith(" translated") for line in report.balance_lines)
