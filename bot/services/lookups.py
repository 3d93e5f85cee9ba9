"""Cast and episode lookups over the catalog, with each server's spoiler horizon.

The answers are the English items (ids, seasons and numbers are the same in every language; the cog
shows them in the reader's language), but what a member may type is every language's: a cast member
answers to the names and aliases of each translation, an episode to each language's title, the film
to each language's word for "film", all with accents folded (``bot.domain.lookup.normalize``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.domain import lookup, spoilers
from bot.domain.lookup import Candidate, Match, Outcome
from bot.domain.models import CastMember, Episode, Season, Special
from bot.domain.text import quote_user_text
from bot.errors import InvalidOption, NotFound
from bot.i18n import DEFAULT, N_, SUPPORTED, _, render
from bot.services.content import LocalizedContent
from bot.storage.guild_config import GuildConfigRepository

# TRANSLATORS: words (comma-separated) a member may type in /episode to find the film; add your language's
FILM_WORDS = _("film, movie")


@dataclass(frozen=True, slots=True)
class CastAnswer:
    member: CastMember
    horizon: int


@dataclass(frozen=True, slots=True)
class EpisodeAnswer:
    episode: Episode | None
    special: Special | None
    season: Season | None
    horizon: int


class LookupService:
    def __init__(self, content: LocalizedContent, guild_config: GuildConfigRepository, clock: Clock) -> None:
        self.content = content
        self.catalog = content.english
        self._config = guild_config
        self._clock = clock
        locales = content.locales()
        # Every name each cast member answers to, in any language (folded), for the spoiler rule below.
        self._cast_names = {
            m.id: frozenset(lookup.normalize(n) for loc in locales for n in content.cast_member(m, loc).names)
            for m in self.catalog.cast
        }
        self._cast = [
            Candidate.of(
                m,
                f"{m.character} ({m.actor})" if m.actor else m.character,
                (n for loc in locales for n in content.cast_member(m, loc).names),
            )
            for m in self.catalog.cast
        ]
        self._episodes: list[Candidate[Episode | Special]] = [
            Candidate.of(e, self.episode_label(e, DEFAULT), (content.episode(e, loc).title for loc in locales))
            for e in self.catalog.episodes
        ]
        film_words = {w.strip() for loc in SUPPORTED for w in render(FILM_WORDS, loc).split(",") if w.strip()}
        self._episodes += [
            Candidate.of(
                s, self.episode_label(s, DEFAULT), (*(content.special(s, loc).title for loc in locales), *film_words)
            )
            for s in self.catalog.specials
        ]

    def episode_label(self, item: Episode | Special, locale: str) -> str:
        """How an episode or the film is listed (autocomplete, hints): ``S2E6 · Truth/Dare``, in ``locale``."""
        if isinstance(item, Episode):
            return f"{item.code} · {self.content.episode(item, locale).title}"
        # TRANSLATORS: the film in a list of episodes; {title} is its title (Heartstopper Forever)
        return render(_("Film · {title}", title=self.content.special(item, locale).title), locale)

    # --- seasons and the spoiler horizon ----------------------------------------------------
    def released_seasons(self) -> list[Season]:
        today = self._clock.now().date()
        return [s for s in self.catalog.seasons if s.release_date <= today]

    def latest_released_season(self) -> int:
        released = self.released_seasons()
        return released[-1].number if released else self.catalog.seasons[0].number

    async def horizon(self, guild_id: int | None) -> int:
        configured = None if guild_id is None else (await self._config.get(guild_id)).spoiler_season
        return spoilers.effective_horizon(configured, self.latest_released_season())

    # --- cast ---------------------------------------------------------------------------------
    def cast_suggestions(self, query: str, limit: int = 25, horizon: int | None = None) -> list[Match[CastMember]]:
        """Suggestions while typing. Discord cannot spoiler-tag a choice, so people first seen after
        the server's ``horizon`` are only suggested once their name has been typed in full."""
        matches = lookup.rank(query, self._cast, limit=len(self._cast) if horizon is not None else limit)
        if horizon is None:
            return matches
        typed = lookup.normalize(query)
        return [m for m in matches if m.item.first_season <= horizon or typed in self._cast_names[m.item.id]][:limit]

    async def find_cast(self, query: str, guild_id: int | None) -> CastAnswer:
        if not query.strip():
            raise InvalidOption(_("Type an actor or character name, like `Nick` or `Kit Connor`."))
        result = lookup.resolve(query, self._cast)
        if result.outcome is Outcome.FOUND:
            return CastAnswer(result.item, await self.horizon(guild_id))
        if result.outcome is Outcome.AMBIGUOUS:
            names = "\n".join(f"• {m.label}" for m in result.matches)
            raise NotFound(
                _(
                    "{query} could be more than one person:\n{names}\nPick one from the list.",
                    query=quote_user_text(query),
                    names=names,
                )
            )
        if result.matches:
            hint = ", ".join(m.label for m in result.matches)
            raise NotFound(
                _("No one called {query} in the cast. Did you mean: {hint}?", query=quote_user_text(query), hint=hint)
            )
        raise NotFound(
            _("No one called {query} in the cast. Try a first name, like `Charlie`.", query=quote_user_text(query))
        )

    # --- episodes -----------------------------------------------------------------------------
    def episode_suggestions(self, query: str, limit: int = 25, locale: str = DEFAULT) -> list[Match[Episode | Special]]:
        """Episodes and the film for what was typed (a code or a title in any language), labelled in ``locale``."""
        ref = lookup.parse_episode_ref(query)
        if ref:
            exact = [c for c in self._episodes if isinstance(c.item, Episode) and (c.item.season, c.item.number) == ref]
            if exact:
                return [Match(exact[0].item, self.episode_label(exact[0].item, locale), 1.0)]
        return [
            Match(m.item, self.episode_label(m.item, locale), m.score)
            for m in lookup.rank(query, self._episodes, limit=limit)
        ]

    def season(self, number: int | None) -> Season:
        if number is None:
            return self.catalog.season(self.latest_released_season()) or self.catalog.seasons[-1]
        found = self.catalog.season(number)
        if found is None:
            valid = ", ".join(str(n) for n in self.catalog.season_numbers)
            # TRANSLATORS: {valid} lists the season numbers, like "1, 2, 3"
            raise InvalidOption(_("There is no Season {number}. Pick one of: {valid}.", number=number, valid=valid))
        return found

    async def find_episode(self, query: str, guild_id: int | None, locale: str = DEFAULT) -> EpisodeAnswer:
        """One episode or the film; an error names the closest ones, labelled in ``locale`` (the language the
        member reads the error in: their own, as errors are private)."""
        horizon = await self.horizon(guild_id)
        if not query.strip():
            raise InvalidOption(_("Name an episode like `S2E6`, `2x06` or a title like `Kiss`."))
        ref = lookup.parse_episode_ref(query)
        if ref:
            season = self.catalog.season(ref[0])
            if season is None:
                valid = ", ".join(str(n) for n in self.catalog.season_numbers)
                raise NotFound(_("There is no Season {number}. Seasons: {valid}.", number=ref[0], valid=valid))
            episode = next((e for e in season.episodes if e.number == ref[1]), None)
            if episode is None:
                raise NotFound(
                    N_(
                        "Season {season} has episode 1 only; there is no episode {number}.",
                        "Season {season} has episodes 1 to {n}; there is no episode {number}.",
                        n=len(season.episodes),
                        season=ref[0],
                        number=ref[1],
                    )
                )
            return EpisodeAnswer(episode, None, season, horizon)
        result = lookup.resolve(query, self._episodes)
        if result.outcome is Outcome.FOUND:
            item = result.item
            if isinstance(item, Episode):
                return EpisodeAnswer(item, None, self.catalog.season(item.season), horizon)
            return EpisodeAnswer(None, item, None, horizon)
        labels = ", ".join(self.episode_label(m.item, locale) for m in result.matches)
        if result.outcome is Outcome.AMBIGUOUS:
            raise NotFound(
                # TRANSLATORS: {query} is what the member typed; {names} lists episodes like "S1E3 · Kiss"
                _(
                    "{query} matches several episodes: {names}. Pick one from the list.",
                    query=quote_user_text(query),
                    names=labels,
                )
            )
        if labels:
            raise NotFound(_("No episode called {query}. Try: {hint}.", query=quote_user_text(query), hint=labels))
        raise NotFound(_("No episode called {query}. Try: e.g. `S1E3` or `Kiss`.", query=quote_user_text(query)))
