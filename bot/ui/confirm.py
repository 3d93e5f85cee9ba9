"""A yes/no question only the member who asked can answer: ``/privacy forget`` and ``/trivia reset``.

The words are the caller's (``Text``), rendered in the asking member's language, since the question
is private to them; a press by anyone else gets its own private refusal in the presser's language.
The message records the outcome: cancelled and timed out say so in place of the question, so a
glance back at the conversation never leaves a live-looking button.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

from bot.i18n import Text, render
from bot.ui.embeds import clip_label
from bot.ui.replies import reply

CONFIRM_TIMEOUT = 60.0  # seconds the buttons wait for an answer


@dataclass(frozen=True, slots=True)
class ConfirmWords:
    confirm: Text  # the dangerous button's label
    cancel: Text  # the safe button's label
    not_yours: Text  # to someone else who pressed
    cancelled: Text  # replaces the question when cancelled
    timed_out: Text  # replaces the question when nobody answered in time


class Confirm(discord.ui.View):
    """After ``await view.wait()``, ``confirmed`` is True (confirmed), False (cancelled) or None (timed out).

    Set ``message`` to the message carrying the view, so a time-out can disable its buttons."""

    def __init__(self, owner_id: int, locale: str, words: ConfirmWords, *, timeout: float = CONFIRM_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.locale = locale
        self.words = words
        self.confirmed: bool | None = None
        self.message: discord.Message | None = None
        self.confirm.label = clip_label(render(words.confirm, locale))
        self.cancel.label = clip_label(render(words.cancel, locale))

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id != self.owner_id:
            await reply(interaction, self.words.not_yours, private=True)
            return False
        return True

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction[Any], _button: discord.ui.Button[Confirm]) -> None:
        self.confirmed = True
        self._disable()
        await interaction.response.edit_message(view=self)
        self.stop()

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any], _button: discord.ui.Button[Confirm]) -> None:
        self.confirmed = False
        self._disable()
        await interaction.response.edit_message(content=render(self.words.cancelled, self.locale), view=self)
        self.stop()

    def _disable(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True

    async def on_timeout(self) -> None:
        self._disable()
        if self.message is not None:
            try:
                await self.message.edit(content=render(self.words.timed_out, self.locale), view=self)
            except discord.HTTPException:
                pass  # the message is gone or the token expired: nothing left to tidy
