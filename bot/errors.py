"""The error hierarchy shared by the core and the Discord glue.

``UserError`` carries a message written for a fan: what was wrong and what would be right. It is a
``bot.i18n.Text`` (an English message with its parameters, shown in the reader's language) or, for
text that needs no translation, a plain ``str``. The command tree shows it (privately, in the
member's own Discord language); anything that is not a ``UserError`` is treated as a bug, logged,
and answered with an apology that reveals nothing internal.
"""

from __future__ import annotations

from bot.i18n.text import Text


class BotError(Exception):
    """Base class for every error this project raises on purpose."""


class UserError(BotError):
    """A problem with what the user asked for; ``message`` is safe to show them."""

    def __init__(self, message: Text | str) -> None:
        super().__init__(str(message))
        self.message = message


class NotFound(UserError):
    """The thing the user named does not exist (an episode, a cast member, an event)."""


class InvalidOption(UserError):
    """An option value is malformed or out of range."""


class GameInProgress(UserError):
    """A trivia game is already running in this channel."""


class NotAllowed(UserError):
    """The user may not do this here (wrong channel, not the starter, ...)."""
