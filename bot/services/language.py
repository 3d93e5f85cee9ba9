"""Which language a server speaks in public: its choice (``/settings language``), else its preferred locale.

Public replies, game messages and scheduled posts are in the server's language; private replies in
the member's own (``bot.ui.replies.reader_locale``). The choice is read once and kept (a server's
interactions and posts all reach the one process that holds its shard), and updated when changed.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.clock import Clock
from bot.errors import InvalidOption
from bot.i18n import SUPPORTED, _, best_locale
from bot.i18n.locales import Locale
from bot.storage.guild_config import GuildConfigRepository

CACHED_SERVERS = 20_000


class LanguageService:
    def __init__(self, config: GuildConfigRepository, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        self._chosen: OrderedDict[int, str | None] = OrderedDict()

    async def chosen(self, guild_id: int) -> str | None:
        """The language a moderator chose for the server, or None (follow its preferred locale)."""
        if guild_id in self._chosen:
            self._chosen.move_to_end(guild_id)
            return self._chosen[guild_id]
        language = (await self._config.get(guild_id)).language
        self._remember(guild_id, language)
        return language

    async def server_language(self, guild_id: int | None, preferred_locale: str | None) -> Locale:
        """The server's language: its choice, else its preferred locale when supported, else English."""
        chosen = await self.chosen(guild_id) if guild_id is not None else None
        return best_locale(chosen, preferred_locale)

    async def set_language(self, guild_id: int, language: str | None) -> None:
        """``None`` (auto) follows the server's preferred locale."""
        if language is not None and language not in SUPPORTED:
            raise InvalidOption(_("Pick one of the languages offered in the list."))
        await self._config.update(guild_id, lambda _current: {"language": language}, self._clock.now())
        self._remember(guild_id, language)

    def _remember(self, guild_id: int, language: str | None) -> None:
        self._chosen[guild_id] = language
        self._chosen.move_to_end(guild_id)
        while len(self._chosen) > CACHED_SERVERS:
            self._chosen.popitem(last=False)
