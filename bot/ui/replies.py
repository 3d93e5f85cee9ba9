"""Every reply, page and follow-up goes through ``reply``: answered once, seen by whom the command says.

Each slash command declares who sees its answer with ``@visibility("public")`` or
``@visibility("private")`` (stored in the command's ``extras``); the bot refuses to start with a
command that does not. The declaration decides the visibility of the automatic "thinking…"
deferral of a slow command as well as of the answer, because Discord fixes it at the deferral:
the first follow-up after a deferral *replaces* the "thinking…" message and keeps its
visibility. An answer that must be private after a public deferral (an error from a public
command) first removes the public "thinking…" message, so it never shows in the channel.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar

import discord
from discord import app_commands

from bot.i18n import Text, best_locale, render
from bot.i18n.locales import Locale
from bot.ui.embeds import clip

log = logging.getLogger(__name__)

Visibility = Literal["public", "private"]
AUTO_DEFER_AFTER = 2.2  # seconds; Discord fails an interaction not answered within 3
_VISIBILITY = "visibility"
_LOCK = "reply_lock"
_AUTO_DEFER = "auto_defer"
_THINKING = "thinking_private"  # set while a deferral's "thinking…" message waits for its answer

CommandT = TypeVar("CommandT", bound=app_commands.Command[Any, ..., Any])


def visibility(kind: Visibility) -> Callable[[CommandT], CommandT]:
    """Declare who sees a command's answer; put it above ``@app_commands.command``."""

    def decorate(command: CommandT) -> CommandT:
        if not isinstance(command, app_commands.Command):
            raise TypeError("@visibility(...) goes above @app_commands.command(...), on the command itself")
        command.extras[_VISIBILITY] = kind
        return command

    return decorate


def undeclared(commands: Iterable[app_commands.Command[Any, ..., Any] | app_commands.Group]) -> list[str]:
    """Qualified names of commands that do not say who sees their answer."""
    return [
        c.qualified_name
        for c in commands
        if isinstance(c, app_commands.Command) and c.extras.get(_VISIBILITY) not in ("public", "private")
    ]


def answers_privately(interaction: discord.Interaction[Any]) -> bool:
    """What the command declared; anything that is not a declared-public command answers privately."""
    command = interaction.command
    return not (isinstance(command, app_commands.Command) and command.extras.get(_VISIBILITY) == "public")


async def reader_locale(interaction: discord.Interaction[Any], *, private: bool | None = None) -> Locale:
    """The language an answer is read in: a private one in the member's own Discord language, a public
    one in the server's (its ``/settings language`` choice, else its preferred locale, else English)."""
    private = answers_privately(interaction) if private is None else private
    if private or interaction.guild_id is None:
        return best_locale(interaction.locale.value)
    guild_locale = interaction.guild_locale.value if interaction.guild_locale else None
    language: Locale = await interaction.client.server_language(interaction.guild_id, guild_locale)
    return language


def _reply_lock(interaction: discord.Interaction[Any]) -> asyncio.Lock:
    """One lock per interaction: a reply and the auto-deferral never both answer it."""
    lock = interaction.extras.get(_LOCK)
    if lock is None:
        lock = interaction.extras[_LOCK] = asyncio.Lock()
    return lock


def defer_if_slow(interaction: discord.Interaction[Any]) -> None:
    """If the handler has not answered in ``AUTO_DEFER_AFTER`` seconds (the database busy, Discord
    slow), defer with the command's declared visibility so Discord shows "thinking…" instead of
    "This interaction failed"; the answer then replaces it."""
    private = answers_privately(interaction)

    async def deferral() -> None:
        await asyncio.sleep(AUTO_DEFER_AFTER)
        async with _reply_lock(interaction):
            if interaction.response.is_done() or interaction.is_expired():
                return
            try:
                await interaction.response.defer(ephemeral=private, thinking=True)
            except discord.HTTPException as exc:
                log.info("could not defer slow interaction %s: %s", interaction.id, exc)
                return
            interaction.extras[_THINKING] = private

    interaction.extras[_AUTO_DEFER] = asyncio.create_task(deferral(), name=f"auto-defer-{interaction.id}")


async def reply(
    interaction: discord.Interaction[Any],
    content: Text | str | None = None,
    *,
    embed: discord.Embed | None = None,
    embeds: list[discord.Embed] | None = None,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
    private: bool | None = None,
) -> discord.Message | None:
    """Answer the interaction, or follow up if it was answered; never pings.

    ``private`` defaults to what the command declared; ``content`` is shown in the reader's language
    (``reader_locale``), as the caller's embeds already are. Returns the message when Discord sends it
    back (to edit later, as the paginator does on timeout).
    """
    private = answers_privately(interaction) if private is None else private
    kwargs: dict[str, Any] = {"ephemeral": private, "allowed_mentions": discord.AllowedMentions.none()}
    if content is not None:
        text = (
            render(content, await reader_locale(interaction, private=private)) if isinstance(content, Text) else content
        )
        kwargs["content"] = clip(text, 2000)
    if embed is not None:
        kwargs["embed"] = embed
    if embeds is not None:
        kwargs["embeds"] = embeds
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    try:
        async with _reply_lock(interaction):
            if not interaction.response.is_done():
                callback = await interaction.response.send_message(**kwargs)
                return callback.resource if isinstance(callback.resource, discord.Message) else None
            thinking_private = interaction.extras.pop(_THINKING, None)
            if thinking_private is False and private:
                # The public "thinking…" would become this private answer in public: remove it first.
                await interaction.delete_original_response()
            return await interaction.followup.send(**kwargs, wait=True)
    finally:
        deferral = interaction.extras.pop(_AUTO_DEFER, None)
        if deferral is not None:
            deferral.cancel()  # answered (or failed for good): no need for the safety net
