"""Everything shipped in data/ loads, and its facts keep their sources."""

from __future__ import annotations

from bot.domain.models import CastGroup


def test_catalog_counts(catalog):
    counts = catalog.counts()
    assert counts["episodes"] == 24 and counts["cast"] >= 30 and counts["questions"] >= 60


def test_every_fact_has_a_source(catalog):
    assert all(m.sources for m in catalog.cast)
    assert all(e.sources for e in catalog.episodes)
    assert all(q.source for p in catalog.packs for q in p.questions)


def test_every_cast_group_is_used(catalog):
    assert {m.group for m in catalog.cast} == set(CastGroup)


def test_film_has_no_date(catalog):
    film = next(r for r in catalog.releases if r.id == "heartstopper-forever")
    assert film.date is None and "not announced" in film.note
