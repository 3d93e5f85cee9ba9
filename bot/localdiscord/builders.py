"""Payload builders that always produce complete objects (discord.py crashes on partial ones)."""

from __future__ import annotations

import itertools
import random
import time
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
_counter = itertools.count(1)

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


_last_ms = 0
_jitter = random.Random(0)


def snowflake() -> int:
    """Unique, increasing ids that look like Discord's (timestamp in the high bits).

    Each id gets its own millisecond, a step of 1 to 3 (not a fixed one, which would put every
    guild on the same shard), so guilds made in a burst spread over shards the way Discord's
    ``(guild_id >> 22) % shard_count`` spreads real ones.
    """
    global _last_ms
    _last_ms = max(int(time.time() * 1000) - DISCORD_EPOCH_MS, _last_ms + 1 + _jitter.randrange(3))
    return (_last_ms << 22) | (next(_counter) & 0x3FFFFF)


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
        "type": 0,
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
        "type": 20 if interaction_id else 0,
        "content": body.get("content") or "",
        "author": author,
        "embeds": body.get("embeds") or [],
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
        "nonce": body.get("nonce"),
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    return data
