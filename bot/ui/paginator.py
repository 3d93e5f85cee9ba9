"""Buttons to page through embeds; only the member who asked can turn the pages."""

from __future__ import annotations

from typing import Any

import discord

from bot.i18n import _
from bot.ui.replies import reply


class Paginator(discord.ui.View):
    def __init__(self, pages: list[discord.Embed], owner_id: int, *, timeout: float = 300) -> None:
        super().__init__(timeout=timeout)
        self.pages = pages
        self.owner_id = owner_id
        self.index = 0
        self.message: discord.Message | None = None
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1
        self.counter.label = f"{self.index + 1}/{len(self.pages)}"

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id != self.owner_id:
            await reply(
                interaction, _("These buttons belong to whoever ran the command. Run it yourself!"), private=True
            )
            return False
        return True

    @discord.ui.button(label="◀", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Paginator]) -> None:
        self.index = max(0, self.index - 1)
        self._sync()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True)
    async def counter(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Paginator]) -> None:
        await interaction.response.defer()

    @discord.ui.button(label="▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Paginator]) -> None:
        self.index = min(len(self.pages) - 1, self.index + 1)
        self._sync()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                pass


async def send_pages(interaction: discord.Interaction[Any], pages: list[discord.Embed]) -> None:
    """One embed as-is; several with page buttons bound to the caller (through the one reply path)."""
    if len(pages) == 1:
        await reply(interaction, embed=pages[0])
        return
    view = Paginator(pages, interaction.user.id)
    view.message = await reply(interaction, embed=pages[0], view=view)
