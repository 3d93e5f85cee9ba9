"""Can the bot post in a channel? One answer for /settings, the scheduler and trivia.

The answers are messages (``bot.i18n.Text``), not English: a health line is rendered for the
moderator reading ``/settings show``, and a ``problem`` may be stored as the reason a schedule was
turned off (``Text.stored()``) and shown later in whoever's language reads it. Permission names are
Discord's own, which Discord's client shows translated too, so they are messages as well.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.i18n import Text, _

log = logging.getLogger(__name__)

# What a countdown post or a trivia question needs, with the names Discord's UI shows. (A translator's
# comment goes on the line above its message: Babel gives an end-of-line comment to the next one.)
POST_PERMISSIONS: tuple[tuple[str, Text], ...] = (
    # TRANSLATORS: a Discord permission, named as Discord's own settings name it in your language
    ("view_channel", _("View Channel")),
    # TRANSLATORS: a Discord permission, named as Discord's own settings name it in your language
    ("send_messages", _("Send Messages")),
    # TRANSLATORS: a Discord permission, named as Discord's own settings name it in your language
    ("embed_links", _("Embed Links")),
)
# TRANSLATORS: a Discord permission, named as Discord's own settings name it in your language
READ_MESSAGE_HISTORY = _("Read Message History")
# TRANSLATORS: a Discord permission, named as Discord's own settings name it in your language
CREATE_EVENTS = _("Create Events")


def missing_post_permission_names(perms: discord.Permissions) -> Text | str | None:
    """What is missing to post, as one list in the reader's language ("Send Messages, Embed Links"); None if nothing."""
    missing = [label for attr, label in POST_PERMISSIONS if not getattr(perms, attr)]
    return listing(missing) if missing else None


def listing(items: Sequence[Text | str]) -> Text | str:
    """Items as one list, joined by the language's own separator; a ``Text`` to the end, so it can be stored."""
    if len(items) <= 1:
        return items[0] if items else ""
    # TRANSLATORS: adds one more item to a list of names, e.g. "View Channel, Send Messages"; keep both placeholders.
    return _("{items}, {item}", items=listing(items[:-1]), item=items[-1])


@dataclass(frozen=True, slots=True)
class ChannelHealth:
    ok: bool
    summary: Text  # a line for moderators
    problem: Text | None  # a known reason posting will fail; None when fine or not known from the cache


def channel_health(guild: discord.Guild | None, channel_id: int) -> ChannelHealth:
    """Check the cached channel and the bot's permissions there, without asking Discord."""
    if guild is None:
        return ChannelHealth(False, _("I can't see this server's channels right now."), None)
    channel = guild.get_channel(channel_id)
    mention = f"<#{channel_id}>"
    if channel is None:
        return ChannelHealth(
            False,
            _("{channel} no longer exists or I can't see it.", channel=mention),
            _("{channel} no longer exists", channel=mention),
        )
    me = guild.me
    if me is None:
        return ChannelHealth(True, _("{channel}: permissions unknown (I'm still starting up).", channel=mention), None)
    missing = missing_post_permission_names(channel.permissions_for(me))
    if missing is not None:
        return ChannelHealth(
            False,
            # TRANSLATORS: {permissions} is a list of Discord permission names, e.g. "Send Messages, Embed Links".
            _("{channel}: ❌ missing {permissions}", channel=mention, permissions=missing),
            _("I am missing {permissions} in {channel}", channel=mention, permissions=missing),
        )
    return ChannelHealth(True, _("{channel}: ✅ can view, send and embed", channel=mention), None)


def channel_problem(bot: discord.Client, guild_id: int, channel_id: int) -> Text | None:
    """Before a scheduled post: a reason it will fail that the cache already knows (the channel is gone
    or closed to the bot), so the schedule can be turned off without spending a request."""
    return channel_health(bot.get_guild(guild_id), channel_id).problem
