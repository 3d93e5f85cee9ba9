"""Every reply goes through here, so an interaction is answered exactly once, the right way."""

from __future__ import annotations

from typing import Any

import discord

from bot.ui.embeds import clip


async def send_ephemeral(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
) -> None:
    """Respond if nothing was sent yet, else follow up; always ephemeral, never pings."""
    kwargs: dict[str, Any] = {"ephemeral": True, "allowed_mentions": discord.AllowedMentions.none()}
    if content is not None:
        kwargs["content"] = clip(content, 2000)
    if embed is not None:
        kwargs["embed"] = embed
    if view is not None:
        kwargs["view"] = view
    await _respond_or_follow_up(interaction, kwargs)


async def _respond_or_follow_up(interaction: discord.Interaction[Any], kwargs: dict[str, Any]) -> None:
    """The first answer is the interaction response; anything after it is a follow-up."""
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def send_public(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    embeds: list[discord.Embed] | None = None,
    view: discord.ui.View | None = None,
) -> None:
    """A visible answer in the channel; same respond-or-follow-up rule."""
    kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if content is not None:
        kwargs["content"] = clip(content, 2000)
    if embed is not None:
        kwargs["embed"] = embed
    if embeds is not None:
        kwargs["embeds"] = embeds
    if view is not None:
        kwargs["view"] = view
    await _respond_or_follow_up(interaction, kwargs)
