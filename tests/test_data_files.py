"""Everything shipped in data/ loads, keeps its sources, and makes fair trivia.

These are the checks that keep the content true as it grows: a question without a source, a
duplicate or near-duplicate, an option that spoils a later season (even as one name among several),
a season tag lower than what the question names, an answer given away by its length or by another
question's prompt, text longer than Discord shows, or a lopsided pack fails here, naming the
question. (Whether each cited source is one to trust is tests/content/test_sources.py.)
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from bot.content.audit import LATER_TERMS, audit_questions, balance, giveaways
from bot.domain.models import CastGroup

MIN_QUESTIONS = 250
# Always pressing True (or False) must not win: the shipped true/false questions stay near half and half.
TRUE_SHARE_RANGE = (0.4, 0.6)


def questions(catalog):
    return [q for p in catalog.packs for q in p.questions]


def test_catalog_counts(catalog):
    counts = catalog.counts()
    assert counts["episodes"] == 24 and counts["cast"] >= 30 and counts["questions"] >= MIN_QUESTIONS


def test_every_fact_and_question_has_a_source(catalog):
    assert all(m.sources for m in catalog.cast)
    assert all(s.sources for s in catalog.seasons)
    assert all(e.sources for e in catalog.episodes)
    assert all(r.sources for r in catalog.releases)
    assert all(s.sources for s in catalog.specials)
    assert all(q.source for q in questions(catalog))


def test_every_episode_and_the_film_has_a_sourced_synopsis(catalog):
    missing = [e.code for e in catalog.episodes if not e.synopsis]
    assert missing == []
    assert all(s.synopsis and s.director and s.writer for s in catalog.specials)
    assert all(s.director and s.writer for s in catalog.seasons)


def test_cast_seasons_agree_with_first_season(catalog):
    wrong = [
        m.id
        for m in catalog.cast
        if m.seasons and (m.first_season != min(m.seasons) or m.detail_season < m.first_season)
    ]
    assert wrong == []


def test_every_cast_group_is_used(catalog):
    assert {m.group for m in catalog.cast} == set(CastGroup)


def test_film_has_no_date(catalog):
    film = next(r for r in catalog.releases if r.id == "heartstopper-forever")
    assert film.date is None and "not announced" in film.note


def test_no_duplicates_no_spoiling_options_and_everything_fits_discord(catalog):
    """Across every shipped pack: near-duplicates, options from a later season, button lengths."""
    assert audit_questions(questions(catalog), catalog) == []
    ids = Counter(q.id for q in questions(catalog))
    assert [i for i, n in ids.items() if n > 1] == []


def test_no_wrong_option_equals_the_answer(catalog):
    assert [q.id for q in questions(catalog) if q.answer.casefold() in {w.casefold() for w in q.wrong}] == []


@pytest.mark.parametrize("level", ["easy", "medium", "hard"])
def test_each_difficulty_is_at_least_a_quarter(catalog, level):
    mix = balance(questions(catalog))
    assert mix.by_difficulty[level] >= mix.total / 4


def test_true_false_is_at_most_a_fifth_and_not_always_true(catalog):
    mix = balance(questions(catalog))
    assert mix.true_false <= mix.total / 5
    answers = {q.answer for q in questions(catalog) if q.true_false}
    assert answers == {"True", "False"}


def test_true_false_answers_are_near_half_true(catalog):
    mix = balance(questions(catalog))
    low, high = TRUE_SHARE_RANGE
    assert low <= mix.true_share <= high, f"{mix.true_answers} of {mix.true_false} true/false answers are True"


def test_no_prompt_gives_away_another_questions_answer(catalog):
    """The daily question and the "everything" mix draw from every pack, so this holds across packs."""
    assert giveaways(questions(catalog), catalog) == []


def test_later_season_terms_agree_with_the_data(catalog):
    """Each place or thing the option check knows first appears in the season it says, per the data.

    The season a term first appears in is the earliest episode synopsis, cast description or film
    synopsis that names it; a term no text names cannot be vouched for.
    """
    texts = [(e.season, e.synopsis or "") for e in catalog.episodes]
    texts += [(m.detail_season, f"{m.description} {m.school_or_relation}") for m in catalog.cast]
    texts += [(s.spoiler_season, s.synopsis or "") for s in catalog.specials]
    wrong = {}
    for term, season in LATER_TERMS.items():
        pattern = re.compile(rf"\b{re.escape(term)}\b", re.IGNORECASE)
        first = min((s for s, text in texts if pattern.search(text)), default=None)
        if first != season:
            wrong[term] = first
    assert wrong == {}


def test_every_season_and_the_film_is_represented(catalog):
    mix = balance(questions(catalog))
    for season in catalog.season_numbers:
        assert mix.by_season.get(season, 0) >= mix.total / 5, f"Season {season} is under a fifth"
    film = max(s.spoiler_season for s in catalog.specials)
    assert mix.by_season.get(film, 0) >= mix.total / 20


def test_packs_are_themed_and_described(catalog):
    assert len(catalog.packs) >= 4
    assert all(p.name and p.description and len(p.questions) >= 30 for p in catalog.packs)
    assert catalog.playable_packs[0].id == "all"
