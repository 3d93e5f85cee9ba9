"""Payload builders that always produce complete objects (discord.py crashes on partial ones)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.localdiscord.kinds import ChannelType, MessageType
from bot.localdiscord.snowflakes import DISCORD_EPOCH_MS, LOOSE_WORKER, Snowflakes, snowflake_at, time_of

# The id helpers are re-exported here, where callers have always found ``snowflake``.
__all__ = ["DISCORD_EPOCH_MS", "snowflake", "snowflake_at", "time_of"]

# Permission bits used by the tests.
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_HISTORY = 1 << 16
MANAGE_GUILD = 1 << 5
CREATE_EVENTS = 1 << 44
ADMINISTRATOR = 1 << 3
MEMBER_PERMS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_HISTORY | (1 << 31)  # + use app commands
MODERATOR_PERMS = MEMBER_PERMS | MANAGE_GUILD

_wall_ids = Snowflakes(lambda: dt.datetime.now(dt.UTC), worker=LOOSE_WORKER)


def snowflake() -> int:
    """A unique, time-ordered id on the wall clock, for ids made outside any stand-in.

    A stand-in makes its own ids on its own clock (``LocalDiscord.ids``); use those for anything
    that lives in its world.
    """
    return _wall_ids.next()


def user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "primary_guild": None,
    }


def fan() -> dict[str, Any]:
    """The member who acts (or posts) when a test names nobody."""
    return user(424242, "fan")


def member(
    user_obj: dict[str, Any], *, roles: list[int] | None = None, permissions: int | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user": user_obj,
        "roles": [str(r) for r in roles or []],
        "flags": 0,
        "joined_at": "2024-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "nick": None,
        "pending": False,
        "avatar": None,
        "communication_disabled_until": None,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def text_channel(
    channel_id: int, guild_id: int, name: str, *, position: int = 0, overwrites: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "guild_id": str(guild_id),
        "name": name,
        "type": int(ChannelType.text),
        "position": position,
        "permission_overwrites": overwrites or [],
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "flags": 0,
    }


def role(role_id: int, name: str, permissions: int, *, position: int = 0) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
        "icon": None,
        "unicode_emoji": None,
    }


def guild(
    guild_id: int,
    name: str,
    *,
    channels: list[dict[str, Any]],
    roles: list[dict[str, Any]],
    members: list[dict[str, Any]],
    owner_id: int,
) -> dict[str, Any]:
    return {
        "id": str(guild_id),
        "name": name,
        "icon": None,
        "owner_id": str(owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": roles,
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "joined_at": "2024-01-01T00:00:00+00:00",
        "large": False,
        "unavailable": False,
        "member_count": len(members),
        "voice_states": [],
        "members": members,
        "channels": channels,
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def rich(embeds: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Embeds as Discord stores them: ``type`` is "rich" unless the sender said otherwise."""
    return [{"type": "rich", **embed} for embed in embeds or []]


def message(
    message_id: int,
    channel_id: int,
    author: dict[str, Any],
    body: dict[str, Any],
    *,
    guild_id: int | None = None,
    flags: int = 0,
    interaction_id: int | None = None,
) -> dict[str, Any]:
    """A message object as Discord returns it, built from a create/edit body."""
    components = body.get("components") or []
    for row in components:
        for index, comp in enumerate(row.get("components", [])):
            comp.setdefault("id", index + 1)
    data: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": int(MessageType.chat_input_command if interaction_id else MessageType.default),
        "content": body.get("content") or "",
        "author": author,
        "embeds": rich(body.get("embeds")),
        "components": components,
        "attachments": [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": "2026-01-01T00:00:00+00:00",
        "edited_timestamp": None,
        "flags": flags | int(body.get("flags") or 0),
    }
    if body.get("nonce") is not None:  # Discord echoes a nonce only when one was sent
        data["nonce"] = body["nonce"]
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    return data


def button_ids(message: dict[str, Any]) -> list[str]:
    """The custom ids of a message's buttons, row by row."""
    return [
        c["custom_id"] for row in message.get("components", []) for c in row.get("components", []) if "custom_id" in c
    ]
