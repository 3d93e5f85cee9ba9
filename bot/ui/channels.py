"""Can the bot post in a channel? One answer for /settings, the scheduler and trivia."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import discord

log = logging.getLogger(__name__)

# What a countdown post or a trivia question needs, with the names Discord's UI shows.
POST_PERMISSIONS = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)


def missing_post_permissions(perms: discord.Permissions) -> list[str]:
    return [label for attr, label in POST_PERMISSIONS if not getattr(perms, attr)]


@dataclass(frozen=True, slots=True)
class ChannelHealth:
    ok: bool
    summary: str  # a line for moderators
    problem: str | None  # a known reason posting will fail; None when fine or not known from the cache


def channel_health(guild: discord.Guild | None, channel_id: int) -> ChannelHealth:
    """Check the cached channel and the bot's permissions there, without asking Discord."""
    if guild is None:
        return ChannelHealth(False, "I can't see this server's channels right now.", None)
    channel = guild.get_channel(channel_id)
    if channel is None:
        return ChannelHealth(
            False, f"<#{channel_id}> no longer exists or I can't see it.", f"<#{channel_id}> no longer exists"
        )
    me = guild.me
    if me is None:
        return ChannelHealth(True, f"<#{channel_id}>: permissions unknown (I'm still starting up).", None)
    missing = missing_post_permissions(channel.permissions_for(me))
    if missing:
        return ChannelHealth(
            False,
            f"<#{channel_id}>: ❌ missing {', '.join(missing)}",
            f"I am missing {', '.join(missing)} in <#{channel_id}>",
        )
    return ChannelHealth(True, f"<#{channel_id}>: ✅ can view, send and embed", None)


def channel_problem(bot: discord.Client, guild_id: int, channel_id: int) -> str | None:
    """Before a scheduled post: a reason it will fail that the cache already knows (the channel is gone
    or closed to the bot), so the schedule can be turned off without spending a request."""
    return channel_health(bot.get_guild(guild_id), channel_id).problem
