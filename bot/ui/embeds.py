"""The bot's look: one palette, one footer style, limits that keep Discord from rejecting an embed, and
words in the reader's language.

Builders pass English messages (``bot.i18n.Text``, marked with ``_``) or plain text (names, titles,
what a member typed) together with the ``locale`` of whoever will read the embed; these helpers
render them before Discord sees them, and clip to Discord's limits *after* translating, since a
translation may be longer than the English.
"""

from __future__ import annotations

import discord

from bot.i18n import Text, render

Words = Text | str

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
BUTTON_LABEL_LIMIT = 80  # Discord refuses a longer button label
MAX_FIELDS = 25


def clip(text: str, limit: int) -> str:
    """Shorten text to a Discord limit, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip_label(label: str) -> str:
    """A button label within Discord's limit; clipped after rendering, since a translation may be longer."""
    return clip(label, BUTTON_LABEL_LIMIT)


def base_embed(
    title: Words, description: Words | None = None, *, locale: str, colour: discord.Colour = PINK
) -> discord.Embed:
    embed = discord.Embed(title=clip(render(title, locale), TITLE_LIMIT), colour=colour)
    if description:
        embed.description = clip(render(description, locale), DESCRIPTION_LIMIT)
    return embed


def add_field(embed: discord.Embed, name: Words, value: Words, *, locale: str, inline: bool = False) -> discord.Embed:
    """Add a field only while the embed stays within Discord's field-count and size limits."""
    if len(embed.fields) >= MAX_FIELDS:
        return embed
    name_text = clip(render(name, locale) or "\u200b", FIELD_NAME_LIMIT)
    value_text = clip(render(value, locale) or "—", FIELD_VALUE_LIMIT)
    if len(embed) + len(name_text) + len(value_text) > TOTAL_LIMIT - 100:
        return embed
    return embed.add_field(name=name_text, value=value_text, inline=inline)


def footer(embed: discord.Embed, text: Words, *, locale: str) -> discord.Embed:
    return embed.set_footer(text=clip(render(text, locale), FOOTER_LIMIT))
