"""Moderator gating: Discord hides commands by default permissions; we also check server-side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.errors import UserError
from bot.i18n import _

T = TypeVar("T")

# TRANSLATORS: a Discord permission, named as Discord's own settings name it in your language
MODERATOR_PERMISSION = _("Manage Server")


def moderator_only() -> Callable[[T], T]:
    """Server-side check for Manage Server; pair with ``default_permissions`` on the group.

    Discord cannot hide single subcommands, and a server admin can override default
    permissions, so the check in the callback is what actually protects moderator actions.
    """
    return app_commands.checks.has_permissions(manage_guild=True)


def is_moderator(interaction: discord.Interaction[Any]) -> bool:
    return bool(interaction.guild and interaction.permissions.manage_guild)


def guild_id_of(interaction: discord.Interaction[Any]) -> int:
    """The server a command runs in; commands that need one are ``guild_only``, this is the guard."""
    if interaction.guild_id is None:
        raise UserError(_("This command only works in a server."))
    return interaction.guild_id


def channel_id_of(interaction: discord.Interaction[Any]) -> int:
    if interaction.channel_id is None:
        raise UserError(_("This command only works in a channel."))
    return interaction.channel_id
