"""A game whose process stopped: its notice in the channel, as the outbox's executor for that kind.

Which games are orphans and when they are closed is the trivia service's planner
(``TriviaService.plan``); this only tells the channel, once: the open question's message (and its
dead buttons) is edited into the notice, or, when the last message is a reveal worth keeping, the
notice is a new message that the bot recognises later by its timestamp (the game's start).

The notice is in the server's language as it is now (the game's own language died with its process).
"""

from __future__ import annotations

import datetime as dt

import discord

from bot.app import HeartstopperBot
from bot.domain.outbox import Abandon, Delivery, Kind, Outcome
from bot.i18n import _
from bot.services.trivia import TriviaService
from bot.ui.delivery import edit_once, embed_at, post_once
from cogs.trivia._embeds import interrupted_embed

# TRANSLATORS: completes a sentence about a failed delivery, e.g. "Discord refused the {what}"
WHAT = _("notice that a trivia game stopped")


class TriviaNoticePoster:
    kind = Kind.TRIVIA_NOTICE
    patience = dt.timedelta(days=1)

    def __init__(self, bot: HeartstopperBot, service: TriviaService) -> None:
        self.bot = bot
        self.service = service

    async def deliver(self, delivery: Delivery) -> Outcome:
        notice = await self.service.notice_of(delivery)
        if notice is None:
            return Abandon(_("the game is no longer stored"))
        game = notice.game
        locale = await self.bot.guild_language(game.guild_id)

        def embed() -> discord.Embed:
            made = interrupted_embed(notice.standings, game.revealed, game.total_questions, locale=locale)
            made.timestamp = game.started_at
            return made

        def is_ours(message: discord.Message) -> bool:
            return embed_at(message, game.started_at) and not message.components

        async def post() -> Outcome:
            return await post_once(
                self.bot,
                delivery,
                channel_id=game.channel_id,
                nonce=f"trivia-int-{game.id}",
                message=lambda: {"embed": embed()},
                is_ours=is_ours,
                nonce_window=self.bot.services.outbox.nonce_window,
                complete=lambda _message_id: None,
                what=WHAT,
            )

        if game.message_shows_open_question and game.current_message_id is not None:
            # Replace the unanswerable question (and its buttons) with the notice.
            return await edit_once(
                self.bot,
                delivery,
                channel_id=game.channel_id,
                message_id=game.current_message_id,
                message=lambda: {"embed": embed(), "view": None},
                shows_it=is_ours,
                what=WHAT,
                deleted=post,
            )
        return await post()  # the last message is a reveal worth keeping: say it in a new one
