"""/privacy export and /privacy forget; and the bot leaving or rejoining a server (its data's retention).

Thin glue: ``bot.services.privacy`` decides what is exported, forgotten and kept, and its retention
planner (registered with the bot's scheduler here) deletes the data of servers the bot left.

Both commands answer privately, so in the member's own Discord language (``reader_locale``): the
replies, the confirmation's buttons and what they leave behind. The exported file itself stays
English (see ``bot.services.privacy``).
"""

from __future__ import annotations

import io
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import HeartstopperBot
from bot.i18n import _
from bot.services.privacy import WHAT_STAYS, PrivacyService, forgotten_text
from bot.ui.checks import guild_id_of
from bot.ui.confirm import Confirm, ConfirmWords
from bot.ui.replies import reader_locale, reply, visibility

log = logging.getLogger(__name__)

ASK = _(
    "This deletes **your** trivia answers and score (you leave this server's leaderboard) and your "
    "question-of-the-day answers and streak **in this server**. It cannot be undone. {what_stays}\n\nDelete them?",
    what_stays=WHAT_STAYS,
)


FORGET_WORDS = ConfirmWords(
    # TRANSLATORS: a button label (at most 80 characters)
    confirm=_("Delete my data"),
    # TRANSLATORS: a button label (at most 80 characters): keep the data, delete nothing
    cancel=_("Keep it"),
    not_yours=_("Only the member who asked can confirm this. Use `/privacy forget` yourself."),
    cancelled=_("Cancelled: nothing was deleted."),
    timed_out=_("Timed out: nothing was deleted."),
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
            text = _(
                "Here is everything I store about you in this server, as JSON; its `about` field explains each "
                "part. Only you can see this. To delete it, use `/privacy forget`."
            )
        else:
            text = _("I store nothing about you in this server. The file says so, and what I never store.")
        await reply(interaction, text, file=discord.File(io.BytesIO(exported.data), filename=exported.filename))

    @visibility("private")
    @app_commands.command(name="forget")
    async def forget(self, interaction: discord.Interaction[HeartstopperBot]) -> None:
        """Delete your trivia answers, score and daily streak in this server, after you confirm."""
        guild_id = guild_id_of(interaction)
        view = Confirm(interaction.user.id, await reader_locale(interaction), FORGET_WORDS)
        view.message = await reply(interaction, ASK, view=view)
        await view.wait()
        if view.confirmed:
            done = await self.service.forget(guild_id, interaction.user.id)
            await reply(interaction, forgotten_text(done))

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
