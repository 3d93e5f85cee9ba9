"""Trivia buttons.

Answer buttons are a ``DynamicItem``: the game id, question number and option live in the
custom id, so a click is routed without keeping a view per message, and a click on an old
message after a restart still gets a polite answer instead of "This interaction failed".
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.app import HeartstopperBot
from bot.domain.trivia import LETTERS, AskedQuestion
from bot.errors import UserError
from bot.ui.checks import channel_id_of
from bot.ui.replies import reply


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
            await reply(interaction, error.message)
            return
        await reply(interaction, f"Locked in: **{LETTERS[answer.option]}**. Good luck! 🍀")


def _label(index: int, text: str) -> str:
    label = f"{LETTERS[index]} · {text}"
    return label if len(label) <= 80 else label[:79] + "…"


def question_view(game_id: int, asked: AskedQuestion) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for index, option in enumerate(asked.options):
        view.add_item(AnswerButton(game_id, asked.number, index, label=_label(index, option)))
    # Routing is done by the registered DynamicItem; don't keep a view per message in memory.
    view.stop()
    return view


def revealed_view(game_id: int, asked: AskedQuestion) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for index, option in enumerate(asked.options):
        style = discord.ButtonStyle.success if index == asked.correct_index else discord.ButtonStyle.secondary
        view.add_item(
            AnswerButton(game_id, asked.number, index, label=_label(index, option), style=style, disabled=True)
        )
    view.stop()
    return view


class ConfirmReset(discord.ui.View):
    """Two buttons only the moderator who asked can press."""

    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=60)
        self.owner_id = owner_id
        self.confirmed: bool | None = None
        self.message: discord.Message | None = None

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id != self.owner_id:
            await reply(interaction, "Only the moderator who asked for the reset can confirm it.")
            return False
        return True

    @discord.ui.button(label="Wipe all scores", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction[Any], _: discord.ui.Button[ConfirmReset]) -> None:
        self.confirmed = True
        self._disable()
        await interaction.response.edit_message(view=self)
        self.stop()

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any], _: discord.ui.Button[ConfirmReset]) -> None:
        self.confirmed = False
        self._disable()
        await interaction.response.edit_message(content="Reset cancelled. Scores are untouched.", view=self)
        self.stop()

    def _disable(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True

    async def on_timeout(self) -> None:
        self._disable()
        if self.message is not None:
            try:
                await self.message.edit(content="Reset timed out. Scores are untouched.", view=self)
            except discord.HTTPException:
                pass
