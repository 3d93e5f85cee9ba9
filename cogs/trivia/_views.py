"""Trivia buttons.

Answer buttons are a ``DynamicItem``: the game id, question number and option live in the
custom id, so a click is routed without keeping a view per message, and a click on an old
message after a restart still gets a polite answer instead of "This interaction failed".

Button labels carry the option in the game's language (the caller gives them rendered; they are
clipped to Discord's 80 characters after translating). What a click answers privately (locked in,
too late) is a ``Text`` that ``reply`` renders in the clicking member's own Discord language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.app import HeartstopperBot
from bot.domain.trivia import LETTERS, AskedQuestion
from bot.errors import UserError
from bot.i18n import _
from bot.ui.checks import channel_id_of
from bot.ui.confirm import ConfirmWords
from bot.ui.replies import reply
from cogs.trivia._embeds import button_label


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"trivia:(?P<game>[0-9]+):(?P<number>[0-9]+):(?P<option>[0-9])",
):
    def __init__(
        self,
        game_id: int,
        number: int,
        option: int,
        *,
        label: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.primary,
        disabled: bool = False,
    ) -> None:
        self.game_id, self.number, self.option = game_id, number, option
        super().__init__(
            discord.ui.Button(
                label=label or LETTERS[option],
                style=style,
                disabled=disabled,
                custom_id=f"trivia:{game_id}:{number}:{option}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(int(match["game"]), int(match["number"]), int(match["option"]), label=label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        client: HeartstopperBot = interaction.client
        service = client.services.trivia
        try:
            answer = service.answer(
                channel_id_of(interaction), self.game_id, self.number, interaction.user.id, self.option
            )
        except UserError as error:
            await reply(interaction, error.message, private=True)
            return
        # TRANSLATORS: {letter} is the chosen answer's letter (A to D)
        locked = _("Locked in: **{letter}**. Good luck! 🍀", letter=LETTERS[answer.option])
        await reply(interaction, locked, private=True)


def question_view(game_id: int, asked: AskedQuestion, options: Sequence[str]) -> discord.ui.View:
    """The answer buttons; ``options`` are ``asked``'s options as shown, in the game's language."""
    view = discord.ui.View(timeout=None)
    for index, option in enumerate(options):
        view.add_item(AnswerButton(game_id, asked.number, index, label=button_label(index, option)))
    # Routing is done by the registered DynamicItem; don't keep a view per message in memory.
    view.stop()
    return view


def revealed_view(game_id: int, asked: AskedQuestion, options: Sequence[str]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for index, option in enumerate(options):
        style = discord.ButtonStyle.success if index == asked.correct_index else discord.ButtonStyle.secondary
        view.add_item(
            AnswerButton(game_id, asked.number, index, label=button_label(index, option), style=style, disabled=True)
        )
    view.stop()
    return view


RESET_WORDS = ConfirmWords(
    # TRANSLATORS: a button label (at most 80 characters)
    confirm=_("Wipe all scores"),
    # TRANSLATORS: a button label (at most 80 characters)
    cancel=_("Cancel"),
    not_yours=_("Only the moderator who asked for the reset can confirm it."),
    cancelled=_("Reset cancelled. Scores are untouched."),
    timed_out=_("Reset timed out. Scores are untouched."),
)
