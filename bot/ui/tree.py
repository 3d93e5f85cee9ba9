"""The one error policy for every slash command.

User errors are answered with their own message, permission failures name the permission,
and anything unexpected is logged with its context and answered with an apology that reveals
nothing internal. The bot keeps running either way.

The tree is also where an interaction enters the bot, so it is where each one is observed: its
lines are logged with its server and command (``bot.log.log_context``), and it is counted and
timed by command and outcome (``bot.metrics``).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import discord
from discord import app_commands

from bot import metrics
from bot.errors import UserError
from bot.i18n import N_, Text, _
from bot.log import log_context
from bot.ui.channels import POST_PERMISSIONS, READ_MESSAGE_HISTORY, listing
from bot.ui.checks import MODERATOR_PERMISSION
from bot.ui.replies import defer_if_slow, reply

log = logging.getLogger(__name__)

APOLOGY = _("Sorry, something went wrong on my side. It has been logged; please try again in a moment.")


_PERMISSION_NAMES: dict[str, Text] = {
    "manage_guild": MODERATOR_PERMISSION,
    "read_message_history": READ_MESSAGE_HISTORY,
    **dict(POST_PERMISSIONS),
}


def _permission_names(missing: list[str]) -> Text | str:
    """Discord's own names for missing permissions, in the member's language where we have them (the
    ones the bot's commands ask for); any other is Discord's English name, as its flag spells it."""
    return listing([_PERMISSION_NAMES.get(p) or p.replace("_", " ").title() for p in missing])


def message_for(error: app_commands.AppCommandError) -> Text | str | None:
    """The reply for an error (shown in the member's language), or None when it is a bug to log."""
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(original, UserError):
        return original.message
    if isinstance(error, app_commands.MissingPermissions):
        return _(
            "You need the **{permission}** permission to use this.",
            permission=_permission_names(error.missing_permissions),
        )
    if isinstance(error, app_commands.BotMissingPermissions):
        return _(
            "I need the **{permission}** permission in this channel.",
            permission=_permission_names(error.missing_permissions),
        )
    if isinstance(error, app_commands.NoPrivateMessage):
        return _("This command only works in a server.")
    if isinstance(error, app_commands.CommandOnCooldown):
        return N_(
            "Slow down a little! Try again in {n} second.",
            "Slow down a little! Try again in {n} seconds.",
            n=round(error.retry_after),
        )
    if isinstance(error, app_commands.TransformerError):
        return _("That value doesn't fit this option. Pick one from the list or check the format.")
    if isinstance(error, app_commands.CheckFailure):
        return _("You can't use this command here.")
    return None


_OUTCOME = "metrics_outcome"  # interaction.extras: set by on_error, read when the interaction is counted


def _invoked_name(interaction: discord.Interaction[Any]) -> str | None:
    """The command an application-command interaction names (``trivia start``), from its payload.

    Read from the payload rather than the tree so it is known before the tree looks the command up.
    """
    data: Any = interaction.data or {}
    parts = [str(data.get("name", "?"))]
    options = data.get("options") or []
    while options and options[0].get("type") in (1, 2):  # a subcommand, or a subcommand group
        parts.append(str(options[0].get("name", "?")))
        options = options[0].get("options") or []
    return " ".join(parts) if data.get("name") else None


def _outcome_of(error: app_commands.AppCommandError) -> metrics.InteractionOutcome:
    return "refused" if message_for(error) is not None else "error"


@contextlib.asynccontextmanager
async def observed(interaction: discord.Interaction[Any], name: str) -> AsyncIterator[None]:
    """For a component's callback (a button): log lines tagged with the server and ``name``, and the
    click counted and timed like a command (``type="component"``; ``name`` is a fixed name such as
    ``trivia answer``, never a custom id)."""
    started = time.perf_counter()
    outcome: metrics.InteractionOutcome = "ok"
    with log_context(guild_id=interaction.guild_id, command=name):
        try:
            yield
        except Exception:
            outcome = "error"
            raise
        finally:
            metrics.interaction("component", name, outcome, time.perf_counter() - started)


class BotTree(app_commands.CommandTree[Any]):
    def _from_interaction(self, interaction: discord.Interaction[Any]) -> None:
        # discord.py runs the command in a task created here; a task copies the current context, so
        # everything that task logs (and every task it starts) carries this server and command.
        with log_context(guild_id=interaction.guild_id, command=_invoked_name(interaction)):
            super()._from_interaction(interaction)

    async def _call(self, interaction: discord.Interaction[Any]) -> None:
        """Run the command (or autocomplete) as discord.py does, counted and timed by outcome."""
        started = time.perf_counter()
        outcome: metrics.InteractionOutcome = "ok"
        try:
            await super()._call(interaction)
        except app_commands.AppCommandError as error:  # handled by on_error once this returns
            outcome = _outcome_of(error)
            raise
        except Exception:
            outcome = "error"
            raise
        finally:
            if outcome == "ok":
                outcome = interaction.extras.get(_OUTCOME) or ("refused" if interaction.command_failed else "ok")
            kind: metrics.InteractionType = (
                "autocomplete" if interaction.type is discord.InteractionType.autocomplete else "command"
            )
            command = interaction.command.qualified_name if interaction.command else "unknown"
            metrics.interaction(kind, command, outcome, time.perf_counter() - started)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Every slash command gets a safety net against Discord's 3-second deadline, deferred
        with the visibility the command declared (see ``bot.ui.replies``)."""
        if interaction.type is discord.InteractionType.application_command:
            defer_if_slow(interaction)
        return True

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        interaction.extras[_OUTCOME] = _outcome_of(error)
        message = message_for(error)
        if message is None:
            command = interaction.command.qualified_name if interaction.command else "?"
            original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
            log.error(
                "command /%s failed in guild %s channel %s",
                command,
                interaction.guild_id,
                interaction.channel_id,
                exc_info=original,
            )
            message = APOLOGY
        if interaction.type is discord.InteractionType.autocomplete:
            return
        try:
            await reply(interaction, message, private=True)
        except discord.HTTPException:
            log.warning("could not deliver the error reply for interaction %s", interaction.id)
