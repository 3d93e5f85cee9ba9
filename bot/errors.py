"""The error hierarchy shared by the core and the Discord glue.

``UserError`` carries a message written for a fan: what was wrong and what would be right.
The command tree shows it as-is (ephemeral); anything that is not a ``UserError`` is treated as
a bug, logged, and answered with an apology that reveals nothing internal.
"""


class BotError(Exception):
    """Base class for every error this project raises on purpose."""


class UserError(BotError):
    """A problem with what the user asked for; ``message`` is safe to show them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(UserError):
    """The thing the user named does not exist (an episode, a cast member, an event)."""


class InvalidOption(UserError):
    """An option value is malformed or out of range."""


class GameInProgress(UserError):
    """A trivia game is already running in this channel."""


class NotAllowed(UserError):
    """The user may not do this here (wrong channel, not the starter, ...)."""
