"""The one error policy for every slash command.

User errors are answered with their own message, permission failures name the permission,
and anything unexpected is logged with its context and answered with an apology that reveals
nothing internal. The bot keeps running either way.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.errors import UserError
from bot.ui.checks import MODERATOR_PERMISSION
from bot.ui.replies import defer_if_slow, reply

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again in a moment."


def _permission_names(missing: list[str]) -> str:
    names = {"manage_guild": MODERATOR_PERMISSION}
    return ", ".join(names.get(p, p.replace("_", " ").title()) for p in missing)


def message_for(error: app_commands.AppCommandError) -> str | None:
    """The reply for an error, or None when it is a bug to log."""
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(original, UserError):
        return original.message
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the **{_permission_names(error.missing_permissions)}** permission to use this."
    if isinstance(error, app_commands.BotMissingPermissions):
        return f"I need the **{_permission_names(error.missing_permissions)}** permission in this channel."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little! Try again in {error.retry_after:.0f} seconds."
    if isinstance(error, app_commands.TransformerError):
        return "That value doesn't fit this option. Pick one from the list or check the format."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return None


class BotTree(app_commands.CommandTree[Any]):
    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Every slash command gets a safety net against Discord's 3-second deadline, deferred
        with the visibility the command declared (see ``bot.ui.replies``)."""
        if interaction.type is discord.InteractionType.application_command:
            defer_if_slow(interaction)
        return True

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        message = message_for(error)
        if message is None:
            command = interaction.command.qualified_name if interaction.command else "?"
            original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
            log.error(
                "command /%s failed in guild %s channel %s",
                command,
                interaction.guild_id,
                interaction.channel_id,
                exc_info=original,
            )
            message = APOLOGY
        if interaction.type is discord.InteractionType.autocomplete:
            return
        try:
            await reply(interaction, message, private=True)
        except discord.HTTPException:
            log.warning("could not deliver the error reply for interaction %s", interaction.id)
