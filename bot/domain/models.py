"""Typed, frozen content objects: the domain's vocabulary, built from YAML by ``bot.content``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bot.i18n import Text, _

SEED_SOURCE = "seed"
EVERYTHING_ID = "all"
# The "Everything" mix is made by the catalogue (``Catalog.everything``), not read from a pack file, so
# the content translations do not carry it: its words are the bot's own (``LocalizedContent.pack``).
# TRANSLATORS: the name of the trivia pack that mixes every other pack
EVERYTHING_NAME = _("Everything")
EVERYTHING_DESCRIPTION = _(
    "A mix of every pack: the show season by season, the books and the film, and behind the scenes."
)
SEED_TITLE = "Netflix Tudum, “'Heartstopper' Season 2: Here's Everything You Need to Know” (Aug 2023)"


def describe_source(source: str) -> str:
    """A source as shown to users: URLs as-is, the seed article by its title."""
    return SEED_TITLE if source == SEED_SOURCE else source


class CastGroup(StrEnum):
    TRUHAM = "truham"
    HIGGS = "higgs"
    FRIENDS = "friends"
    FAMILY_AND_ADULTS = "family-and-adults"
    NEW_IN_SEASON_2 = "new-in-season-2"
    NEW_IN_SEASON_3 = "new-in-season-3"

    @property
    def heading(self) -> Text:
        return {
            # TRANSLATORS: the boys' school; a name, usually kept
            CastGroup.TRUHAM: _("Truham"),
            # TRANSLATORS: the girls' school; a name, usually kept
            CastGroup.HIGGS: _("Higgs"),
            CastGroup.FRIENDS: _("Friends"),
            CastGroup.FAMILY_AND_ADULTS: _("Families and adults"),
            CastGroup.NEW_IN_SEASON_2: _("New in Season 2"),
            CastGroup.NEW_IN_SEASON_3: _("New in Season 3"),
        }[self]


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


@dataclass(frozen=True, slots=True)
class CastMember:
    id: str
    actor: str | None  # None: no source names the actor, and nothing is guessed
    character: str
    group: CastGroup
    description: str
    school_or_relation: str
    seasons: tuple[int, ...]
    film: bool
    first_season: int
    detail_season: int
    aliases: tuple[str, ...]
    sources: tuple[str, ...]
    actor_note: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a fan might type for this person."""
        return (self.character, *([self.actor] if self.actor else []), *self.aliases)


@dataclass(frozen=True, slots=True)
class Episode:
    season: int
    number: int
    title: str
    release_date: dt.date
    director: str
    writer: str
    synopsis: str | None
    sources: tuple[str, ...]

    @property
    def code(self) -> str:
        return f"S{self.season}E{self.number}"


@dataclass(frozen=True, slots=True)
class Season:
    number: int
    release_date: dt.date
    director: str
    writer: str
    adapts: str
    sources: tuple[str, ...]
    episodes: tuple[Episode, ...]


@dataclass(frozen=True, slots=True)
class Special:
    """A feature-length entry outside the seasons (the film)."""

    id: str
    title: str
    release_note: str
    director: str
    writer: str
    adapts: str
    synopsis: str | None
    spoiler_season: int
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Release:
    """Something to count down to: a date, a date with a time and zone, or no date yet."""

    id: str
    name: str
    date: dt.date | None
    time: dt.time | None
    timezone: str
    note: str
    aliases: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TriviaQuestion:
    id: str
    prompt: str
    answer: str
    wrong: tuple[str, ...]
    season: int
    difficulty: Difficulty
    source: str
    true_false: bool = False

    @property
    def options(self) -> tuple[str, ...]:
        """The right answer first, then the wrong ones (shuffled by the game, not here)."""
        return (self.answer, *self.wrong)


@dataclass(frozen=True, slots=True)
class TriviaPack:
    id: str
    name: str
    description: str
    questions: tuple[TriviaQuestion, ...]


@dataclass(frozen=True, slots=True)
class Catalog:
    """Everything under data/, immutable. Reloading would swap the whole object."""

    cast: tuple[CastMember, ...]
    seasons: tuple[Season, ...]
    specials: tuple[Special, ...]
    releases: tuple[Release, ...]
    packs: tuple[TriviaPack, ...]

    @property
    def episodes(self) -> tuple[Episode, ...]:
        return tuple(ep for season in self.seasons for ep in season.episodes)

    @property
    def season_numbers(self) -> tuple[int, ...]:
        return tuple(s.number for s in self.seasons)

    def season(self, number: int) -> Season | None:
        return next((s for s in self.seasons if s.number == number), None)

    @property
    def everything(self) -> TriviaPack:
        """Every pack mixed: what ``/trivia start`` plays when no pack is named."""
        return TriviaPack(
            EVERYTHING_ID,
            EVERYTHING_NAME.msgid,
            EVERYTHING_DESCRIPTION.msgid,
            tuple(q for p in self.packs for q in p.questions),
        )

    @property
    def playable_packs(self) -> tuple[TriviaPack, ...]:
        """What ``/trivia packs`` lists: the mix first, then each themed pack."""
        return (self.everything, *self.packs) if len(self.packs) > 1 else self.packs

    def pack(self, pack_id: str) -> TriviaPack | None:
        return next((p for p in self.playable_packs if p.id == pack_id), None)

    def counts(self) -> dict[str, int]:
        return {
            "cast": len(self.cast),
            "episodes": len(self.episodes),
            "releases": len(self.releases),
            "packs": len(self.packs),
            "questions": sum(len(p.questions) for p in self.packs),
        }
