"""Cast and episode lookups over the catalog, with each server's spoiler horizon."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.domain import lookup, spoilers
from bot.domain.lookup import Candidate, Match, Outcome
from bot.domain.models import CastMember, Catalog, Episode, Season, Special
from bot.domain.text import quote_user_text
from bot.errors import InvalidOption, NotFound
from bot.i18n import _
from bot.storage.guild_config import GuildConfigRepository


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
    def __init__(self, catalog: Catalog, guild_config: GuildConfigRepository, clock: Clock) -> None:
        self.catalog = catalog
        self._config = guild_config
        self._clock = clock
        self._cast = [
            Candidate.of(m, f"{m.character} ({m.actor})" if m.actor else m.character, m.names) for m in catalog.cast
        ]
        self._episodes: list[Candidate[Episode | Special]] = [
            Candidate.of(e, f"{e.code} · {e.title}", (e.title,)) for e in catalog.episodes
        ]
        self._episodes += [Candidate.of(s, f"Film · {s.title}", (s.title, "film", "movie")) for s in catalog.specials]

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
        return [
            m for m in matches if m.item.first_season <= horizon or typed in {lookup.normalize(n) for n in m.item.names}
        ][:limit]

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
    def episode_suggestions(self, query: str, limit: int = 25) -> list[Match[Episode | Special]]:
        ref = lookup.parse_episode_ref(query)
        if ref:
            exact = [c for c in self._episodes if isinstance(c.item, Episode) and (c.item.season, c.item.number) == ref]
            if exact:
                return [Match(exact[0].item, exact[0].label, 1.0)]
        return lookup.rank(query, self._episodes, limit=limit)

    def season(self, number: int | None) -> Season:
        if number is None:
            return self.catalog.season(self.latest_released_season()) or self.catalog.seasons[-1]
        found = self.catalog.season(number)
        if found is None:
            valid = ", ".join(str(n) for n in self.catalog.season_numbers)
            raise InvalidOption(f"There is no Season {number}. Pick one of: {valid}.")
        return found

    async def find_episode(self, query: str, guild_id: int | None) -> EpisodeAnswer:
        horizon = await self.horizon(guild_id)
        if not query.strip():
            raise InvalidOption("Name an episode like `S2E6`, `2x06` or a title like `Kiss`.")
        ref = lookup.parse_episode_ref(query)
        if ref:
            season = self.catalog.season(ref[0])
            if season is None:
                valid = ", ".join(str(n) for n in self.catalog.season_numbers)
                raise NotFound(f"There is no Season {ref[0]}. Seasons: {valid}.")
            episode = next((e for e in season.episodes if e.number == ref[1]), None)
            if episode is None:
                raise NotFound(
                    f"Season {ref[0]} has episodes 1 to {len(season.episodes)}; there is no episode {ref[1]}."
                )
            return EpisodeAnswer(episode, None, season, horizon)
        result = lookup.resolve(query, self._episodes)
        if result.outcome is Outcome.FOUND:
            item = result.item
            if isinstance(item, Episode):
                return EpisodeAnswer(item, None, self.catalog.season(item.season), horizon)
            return EpisodeAnswer(None, item, None, horizon)
        if result.outcome is Outcome.AMBIGUOUS:
            names = ", ".join(m.label for m in result.matches)
            raise NotFound(f"{quote_user_text(query)} matches several episodes: {names}. Pick one from the list.")
        hint = ", ".join(m.label for m in result.matches) or "e.g. `S1E3` or `Kiss`"
        raise NotFound(f"No episode called {quote_user_text(query)}. Try: {hint}.")
