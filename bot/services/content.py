"""The content in the reader's language: each item looked up by its English id in that language's catalogue.

Services work with the English catalogue (ids, seasons, dates, answers' positions are the same in
every language); what is shown is looked up here at the edge, in the reader's language. A trivia
option is found by its position among the English question's answer and wrong answers, so a
shuffled option shows its own translation; "True" and "False" are the bot's own words.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from bot.domain.lookup import normalize
from bot.domain.models import (
    EVERYTHING_DESCRIPTION,
    EVERYTHING_ID,
    EVERYTHING_NAME,
    CastMember,
    Catalog,
    Episode,
    Release,
    Special,
    TriviaPack,
    TriviaQuestion,
)
from bot.i18n import DEFAULT, _, render

TRUE, FALSE = _("True"), _("False")


K = TypeVar("K")
V = TypeVar("V")


def _index(catalogs: Mapping[str, Catalog], items: Callable[[Catalog], Iterable[tuple[K, V]]]) -> dict[str, dict[K, V]]:
    return {locale: dict(items(catalog)) for locale, catalog in catalogs.items()}


def _find(table: Mapping[str, Mapping[K, V]], locale: str, key: K) -> V | None:
    return (table.get(locale) or table[DEFAULT]).get(key)


class LocalizedContent:
    def __init__(self, catalogs: Mapping[str, Catalog]) -> None:
        self._catalogs = dict(catalogs)
        self.english = self._catalogs[DEFAULT]
        self._cast = _index(self._catalogs, lambda c: ((m.id, m) for m in c.cast))
        self._episodes = _index(self._catalogs, lambda c: (((e.season, e.number), e) for e in c.episodes))
        self._specials = _index(self._catalogs, lambda c: ((s.id, s) for s in c.specials))
        self._releases = _index(self._catalogs, lambda c: ((r.id, r) for r in c.releases))
        self._questions = _index(self._catalogs, lambda c: ((q.id, q) for p in c.packs for q in p.questions))
        self._packs = _index(self._catalogs, lambda c: ((p.id, p) for p in c.packs))

    def catalog(self, locale: str) -> Catalog:
        return self._catalogs.get(locale, self.english)

    def locales(self) -> tuple[str, ...]:
        return tuple(self._catalogs)

    def cast_member(self, member: CastMember, locale: str) -> CastMember:
        return _find(self._cast, locale, member.id) or member

    def episode(self, episode: Episode, locale: str) -> Episode:
        return _find(self._episodes, locale, (episode.season, episode.number)) or episode

    def special(self, special: Special, locale: str) -> Special:
        return _find(self._specials, locale, special.id) or special

    def release(self, release_id: str, locale: str) -> Release | None:
        return _find(self._releases, locale, release_id)

    def question(self, question: TriviaQuestion, locale: str) -> TriviaQuestion:
        """``question`` in ``locale``. A server's own pack's question stays as its author wrote it, even
        when it reuses a built-in question's id: only the bot's own question (equal to the English one)
        is translated."""
        if not self._built_in(question):
            return question
        return _find(self._questions, locale, question.id) or question

    def pack(self, pack: TriviaPack, locale: str) -> TriviaPack:
        """``pack`` with its name and description in ``locale``; a server's own pack as uploaded."""
        if pack.id == EVERYTHING_ID and pack.name == EVERYTHING_NAME.msgid:  # the mix: the bot's own words
            name, description = render(EVERYTHING_NAME, locale), render(EVERYTHING_DESCRIPTION, locale)
            return dataclasses.replace(pack, name=name, description=description)
        english = _find(self._packs, DEFAULT, pack.id)
        if english is None or (english.name, english.description) != (pack.name, pack.description):
            return pack  # not one of the bot's packs
        return _find(self._packs, locale, pack.id) or pack

    def pack_id_named(self, typed: str) -> str | None:
        """The id of the bot's pack whose name, in any language, is ``typed`` (case and accents folded)."""
        wanted = normalize(typed)
        for locale in self._catalogs:
            if normalize(render(EVERYTHING_NAME, locale)) == wanted:
                return EVERYTHING_ID
            for pack in self._catalogs[locale].packs:
                if normalize(pack.name) == wanted:
                    return pack.id
        return None

    def _built_in(self, question: TriviaQuestion) -> bool:
        return _find(self._questions, DEFAULT, question.id) == question

    def option(self, question: TriviaQuestion, english_option: str, locale: str) -> str:
        """One of ``question``'s options (as the English gives it) in ``locale``."""
        if question.true_false:
            return render(TRUE if english_option == "True" else FALSE, locale)
        if not self._built_in(question):
            return english_option
        english = self.question(question, DEFAULT)
        localized = self.question(question, locale)
        choices = (english.answer, *english.wrong)
        translated = (localized.answer, *localized.wrong)
        if english_option in choices and len(translated) == len(choices):
            return translated[choices.index(english_option)]
        return english_option
