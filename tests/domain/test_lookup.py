"""Forgiving lookups, table-driven."""

from __future__ import annotations

import pytest

from bot.domain.lookup import Candidate, Outcome, normalize, parse_episode_ref, rank, resolve

PEOPLE = [
    Candidate.of("nick", "Nick Nelson", ["Nick Nelson", "Kit Connor", "Nick", "Nelson"]),
    Candidate.of("sarah", "Sarah Nelson", ["Sarah Nelson", "Olivia Colman", "Sarah"]),
    Candidate.of("tao", "Tao Xu", ["Tao Xu", "William Gao", "Tao"]),
    Candidate.of("tara", "Tara Jones", ["Tara Jones", "Corinna Brown", "Tara"]),
    Candidate.of("zoe", "Zoë O'Brien", ["Zoë O'Brien"]),
]


@pytest.mark.parametrize(
    ("query", "outcome", "first"),
    [
        ("Nick", Outcome.FOUND, "nick"),  # exact alias
        ("kit connor", Outcome.FOUND, "nick"),  # actor, any case
        ("nik nelson", Outcome.FOUND, "nick"),  # typo
        ("olivia coleman", Outcome.FOUND, "sarah"),  # typo in actor
        ("zoe obrien", Outcome.FOUND, "zoe"),  # accents and punctuation
        ("  SARAH!!  ", Outcome.FOUND, "sarah"),
        ("Ta", Outcome.AMBIGUOUS, None),  # Tao or Tara
        ("", Outcome.NONE, None),  # empty
        ("qwertyuiop", Outcome.NONE, None),
        ("x" * 10_000, Outcome.NONE, None),  # very long input
        ("@everyone", Outcome.NONE, None),
        ("<@&123> **bold**", Outcome.NONE, None),
    ],
)
def test_resolve(query, outcome, first):
    result = resolve(query, PEOPLE)
    assert result.outcome is outcome
    if first:
        assert result.item == first


def test_rank_caps_and_orders():
    assert len(rank("", PEOPLE, limit=2)) == 2
    assert rank("tao", PEOPLE)[0].item == "tao"


@pytest.mark.parametrize(("text", "expected"), [("Zoë", "zoe"), ("O'Brien-Smith", "o brien smith"), ("", "")])
def test_normalize(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("S2E6", (2, 6)),
        ("s2e6", (2, 6)),
        ("2x06", (2, 6)),
        ("2 6", (2, 6)),
        ("2.6", (2, 6)),
        ("season 2 episode 6", (2, 6)),
        ("S02E06", (2, 6)),
        ("T2E6", (2, 6)),  # Portuguese and Spanish: Temporada
        ("temporada 2 episódio 6", (2, 6)),
        ("Temporada 2, capítulo 6", (2, 6)),
        ("saison 2 épisode 6", (2, 6)),
        ("Staffel 2 Folge 6", (2, 6)),
        ("S2F6", (2, 6)),
        ("Kiss", None),
        ("2", None),
        ("", None),
    ],
)
def test_parse_episode_ref(text, expected):
    assert parse_episode_ref(text) == expected
