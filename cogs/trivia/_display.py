"""A game's messages in its channel: the ``GameDisplay`` the game session talks to.

Everything is shown in the language the session keeps (the server's when the game started), the
question and its options looked up in that language's content.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.app import HeartstopperBot
from bot.domain.trivia import AskedQuestion, QuestionResult, Standing
from bot.i18n import _, render
from bot.services.content import LocalizedContent
from bot.services.trivia import GameSession
from bot.ui.rest import within
from cogs.trivia import _embeds as views_text
from cogs.trivia._views import question_view, revealed_view

log = logging.getLogger(__name__)

CRASH_NOTICE_TEXT = _(
    "Sorry, this trivia game hit a problem and had to stop. Points already revealed are saved; "
    "start a new game with `/trivia start`."
)


class ChannelDisplay:
    """Posts and edits in the game's channel, each call within the REST deadline.

    A question that cannot be posted fails the game (the session then closes it and says so);
    a reveal or the standings that cannot be sent are logged and the game goes on, because their
    points are saved already.
    """

    def __init__(self, bot: HeartstopperBot, content: LocalizedContent) -> None:
        self.bot = bot
        self.content = content

    def _options(self, session: GameSession, asked: AskedQuestion) -> tuple[str, ...]:
        return views_text.localized_options(self.content, asked.question, asked.options, session.locale)

    def _channel(self, session: GameSession) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(session.channel_id, guild_id=session.guild_id)

    async def question(self, session: GameSession, asked: AskedQuestion) -> int:
        message = await within(
            self._channel(session).send(
                embed=views_text.question_embed(session, asked, self.content),
                view=question_view(session.id, asked, self._options(session, asked)),
            )
        )
        return message.id

    async def reveal(self, session: GameSession, message_id: int, result: QuestionResult) -> None:
        await self._edit(
            session,
            message_id,
            embed=views_text.reveal_embed(session, result, self.content),
            view=revealed_view(session.id, result.asked, self._options(session, result.asked)),
        )

    async def discarded(self, session: GameSession, message_id: int, asked: AskedQuestion) -> None:
        await self._edit(session, message_id, embed=views_text.discarded_embed(session, asked, self.content), view=None)

    async def final(self, session: GameSession, table: list[Standing]) -> None:
        try:
            await within(self._channel(session).send(embed=views_text.final_embed(session, table)))
        except (TimeoutError, discord.HTTPException) as exc:
            log.warning("could not post the standings of trivia game %s: %s", session.id, exc)

    async def crashed(self, session: GameSession) -> None:
        await within(self._channel(session).send(render(CRASH_NOTICE_TEXT, session.locale)))

    async def _edit(self, session: GameSession, message_id: int, **changes: Any) -> None:
        try:
            await within(self._channel(session).get_partial_message(message_id).edit(**changes))
        except (TimeoutError, discord.HTTPException) as exc:
            log.warning("could not edit trivia message %s, carrying on: %s", message_id, exc)
