"""Per-server settings that are not a feature of their own: spoilers and trivia options.

Refusals are messages (``bot.i18n``), shown to the moderator in their own Discord language.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.domain import trivia as trivia_rules
from bot.domain.guild import GuildConfig
from bot.domain.models import Catalog
from bot.errors import InvalidOption
from bot.i18n import _
from bot.storage.guild_config import GuildConfigRepository


class GuildSettingsService:
    def __init__(self, catalog: Catalog, config: GuildConfigRepository, clock: Clock) -> None:
        self._catalog = catalog
        self._config = config
        self._clock = clock

    async def get(self, guild_id: int) -> GuildConfig:
        return await self._config.get(guild_id)

    async def set_spoiler_season(self, guild_id: int, season: int) -> int:
        valid = self._catalog.season_numbers
        if season not in valid:
            seasons = ", ".join(map(str, valid))
            # TRANSLATORS: {seasons} is a list of season numbers, e.g. "1, 2, 3".
            raise InvalidOption(
                _("Season {season} doesn't exist. Pick one of: {seasons}.", season=season, seasons=seasons)
            )
        await self._config.set_spoiler_season(guild_id, season, self._clock.now())
        return season

    async def set_trivia_seconds(self, guild_id: int, seconds: int) -> int:
        if not trivia_rules.MIN_SECONDS <= seconds <= trivia_rules.MAX_SECONDS:
            raise InvalidOption(
                _(
                    "Pick between {low} and {high} seconds per question.",
                    low=trivia_rules.MIN_SECONDS,
                    high=trivia_rules.MAX_SECONDS,
                )
            )
        await self._config.set_trivia_seconds(guild_id, seconds, self._clock.now())
        return seconds

    async def allow_trivia_channel(self, guild_id: int, channel_id: int, allowed: bool) -> tuple[int, ...]:
        await self._config.set_trivia_channel(guild_id, channel_id, allowed)
        return (await self._config.get(guild_id)).trivia_channel_ids

    async def allow_trivia_anywhere(self, guild_id: int) -> None:
        await self._config.clear_trivia_channels(guild_id)
