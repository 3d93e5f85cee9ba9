"""/privacy export and /privacy forget; and the bot leaving or rejoining a server (its data's retention).

Thin glue: ``bot.services.privacy`` decides what is exported, forgotten and kept, and its retention
planner (registered with the bot's scheduler here) deletes the data of servers the bot left.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import HeartstopperBot
from bot.services.privacy import WHAT_STAYS, MemberExport, PrivacyService, forgotten_summary
from bot.ui.checks import guild_id_of
from bot.ui.replies import reply, visibility

log = logging.getLogger(__name__)

CONFIRM_TIMEOUT = 60.0  # seconds the buttons wait for the member
ASK = (
    "This deletes **your** trivia answers and score (you leave this server's leaderboard) and your "
    "question-of-the-day answers and streak **in this server**. It cannot be undone. {stays}\n\nDelete them?"
)


class ConfirmForget(discord.ui.View):
    """Two buttons only the member who asked can press (as ``/trivia reset``'s confirmation)."""

    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=CONFIRM_TIMEOUT)
        self.owner_id = owner_id
        self.confirmed: bool | None = None
        self.message: discord.Message | None = None

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id != self.owner_id:
            await reply(interaction, "Only the member who asked can confirm this. Use `/privacy forget` yourself.")
            return False
        return True

    @discord.ui.button(label="Delete my data", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction[Any], _: discord.ui.Button[ConfirmForget]) -> None:
        self.confirmed = True
        self._disable()
        await interaction.response.edit_message(view=self)
        self.stop()

    @discord.ui.button(label="Keep it", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any], _: discord.ui.Button[ConfirmForget]) -> None:
        self.confirmed = False
        self._disable()
        await interaction.response.edit_message(content="Cancelled: nothing was deleted.", view=self)
        self.stop()

    def _disable(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True

    async def on_timeout(self) -> None:
        self._disable()
        if self.message is not None:
            try:
                await self.message.edit(content="Timed out: nothing was deleted.", view=self)
            except discord.HTTPException:
                pass


async def send_file(interaction: discord.Interaction[HeartstopperBot], exported: MemberExport) -> None:
    """The export as a private attachment, after ``reply`` has answered (so no deferral can race it).

    ``bot.ui.replies.reply`` takes no file yet; once it does, this becomes one ``reply`` call.
    """
    await interaction.followup.send(
        file=discord.File(io.BytesIO(exported.data), filename=exported.filename),
        ephemeral=True,
        allowed_mentions=discord.AllowedMentions.none(),
        wait=True,
    )


@app_commands.guild_only()
class PrivacyCog(
    commands.GroupCog, group_name="privacy", group_description="Your data in this bot: a copy, or delete it"
):
    def __init__(self, bot: HeartstopperBot, service: PrivacyService) -> None:
        self.bot = bot
        self.service = service
        self.retention = service.retention(bot.settings.forget_left_servers_days, self._is_present)
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.scheduler.add(self.retention)

    async def cog_unload(self) -> None:
        self.bot.scheduler.remove(self.retention.name)

    def _is_present(self, guild_id: int) -> bool:
        """The bot is in the server (maybe unavailable for an outage): its data is not to be deleted."""
        return self.bot.get_guild(guild_id) is not None

    # --- the commands ---------------------------------------------------------------------------
    @visibility("private")
    @app_commands.command(name="export")
    async def export(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """Get a file of everything this bot stores about you in this server (only you see it)."""
        exported = await self.service.export(guild_id_of(interaction), interaction.user.id)
        if exported.anything:
            text = (
                "Here is everything I store about you in this server, as JSON; its `about` field explains each "
                "part. Only you can see this. To delete it, use `/privacy forget`."
            )
        else:
            text = "I store nothing about you in this server. The file says so, and what I never store."
        await reply(interaction, text)
        await send_file(interaction, exported)

    @visibility("private")
    @app_commands.command(name="forget")
    async def forget(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """Delete your trivia answers, score and daily streak in this server, after you confirm."""
        guild_id = guild_id_of(interaction)
        view = ConfirmForget(interaction.user.id)
        view.message = await reply(interaction, ASK.format(stays=WHAT_STAYS), view=view)
        await view.wait()
        if view.confirmed:
            done = await self.service.forget(guild_id, interaction.user.id)
            await reply(interaction, f"Done: {forgotten_summary(done)}. {WHAT_STAYS}")

    # --- the bot leaving and coming back ------------------------------------------------------
    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Removed from the server, or the server deleted. An outage is not this: discord.py reports a
        GUILD_DELETE with ``unavailable: true`` as ``on_guild_unavailable``, which is left alone."""
        await self.service.left(guild.id)
        log.info(
            "removed from server %s: its data is deleted in %d day(s) unless the bot comes back",
            guild.id,
            self.bot.settings.forget_left_servers_days,
        )
        self.bot.scheduler.wake()

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        if await self.service.returned(guild.id):
            log.info("back in server %s: its data is kept", guild.id)
            self.bot.scheduler.wake()


async def setup(bot: HeartstopperBot) -> None:
    await bot.add_cog(PrivacyCog(bot, bot.services.privacy))
