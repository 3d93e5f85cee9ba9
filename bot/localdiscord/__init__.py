"""A local Discord stand-in (REST + gateway on 127.0.0.1) that the real bot connects to."""

from bot.localdiscord.server import LocalDiscord, Recorded

__all__ = ["LocalDiscord", "Recorded"]
