"""The bot's look: one palette, one footer style, and limits that keep Discord from rejecting an embed."""

from __future__ import annotations

import discord

# Heartstopper's autumn-leaf pink and friends.
PINK = discord.Colour(0xF2789F)
LEAF = discord.Colour(0xE8A33D)
SKY = discord.Colour(0x6FA8DC)
MINT = discord.Colour(0x7BC8A4)
GREY = discord.Colour(0x99AAB5)

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
TOTAL_LIMIT = 6000
MAX_FIELDS = 25


def clip(text: str, limit: int) -> str:
    """Shorten text to a Discord limit, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def base_embed(title: str, description: str | None = None, *, colour: discord.Colour = PINK) -> discord.Embed:
    embed = discord.Embed(title=clip(title, TITLE_LIMIT), colour=colour)
    if description:
        embed.description = clip(description, DESCRIPTION_LIMIT)
    return embed


def add_field(embed: discord.Embed, name: str, value: str, *, inline: bool = False) -> discord.Embed:
    """Add a field only while the embed stays within Discord's field-count and size limits."""
    if len(embed.fields) >= MAX_FIELDS:
        return embed
    name, value = clip(name or "\u200b", FIELD_NAME_LIMIT), clip(value or "—", FIELD_VALUE_LIMIT)
    if len(embed) + len(name) + len(value) > TOTAL_LIMIT - 100:
        return embed
    return embed.add_field(name=name, value=value, inline=inline)


def footer(embed: discord.Embed, text: str) -> discord.Embed:
    return embed.set_footer(text=clip(text, FOOTER_LIMIT))
