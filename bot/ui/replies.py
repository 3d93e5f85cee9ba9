"""Every reply goes through here, so an interaction is answered exactly once, the right way."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from bot.ui.embeds import clip

log = logging.getLogger(__name__)

AUTO_DEFER_AFTER = 2.2  # seconds; Discord fails an interaction not answered within 3


def _reply_lock(interaction: discord.Interaction[Any]) -> asyncio.Lock:
    """One lock per interaction: a reply and the auto-deferral never both answer it."""
    lock = interaction.extras.get("reply_lock")
    if lock is None:
        lock = interaction.extras["reply_lock"] = asyncio.Lock()
    return lock


def defer_if_slow(interaction: discord.Interaction[Any], *, ephemeral: bool) -> None:
    """If the handler has not answered in ``AUTO_DEFER_AFTER`` seconds (the database busy, Discord
    slow), defer so Discord shows "thinking…" instead of "This interaction failed"; the reply
    then arrives as the follow-up."""

    async def deferral() -> None:
        await asyncio.sleep(AUTO_DEFER_AFTER)
        async with _reply_lock(interaction):
            if interaction.response.is_done() or interaction.is_expired():
                return
            try:
                await interaction.response.defer(ephemeral=ephemeral, thinking=True)
            except discord.HTTPException as exc:
                log.info("could not defer slow interaction %s: %s", interaction.id, exc)

    task = asyncio.create_task(deferral(), name=f"auto-defer-{interaction.id}")
    interaction.extras["auto_defer"] = task


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
    async with _reply_lock(interaction):
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs)
        else:
            await interaction.response.send_message(**kwargs)
    deferral = interaction.extras.pop("auto_defer", None)
    if deferral is not None:
        deferral.cancel()  # answered: no need for the safety net


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
