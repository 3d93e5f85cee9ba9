"""Trivia: button-based multiple-choice games, per-server scores."""

from __future__ import annotations

from bot.app import HeartstopperBot
from cogs.trivia._cog import TriviaCog
from cogs.trivia._daily import DailyAnswerButton
from cogs.trivia._views import AnswerButton


async def setup(bot: HeartstopperBot) -> None:
    bot.add_dynamic_items(AnswerButton, DailyAnswerButton)
    await bot.add_cog(TriviaCog(bot, bot.services.trivia, bot.services.daily, bot.services.content))
