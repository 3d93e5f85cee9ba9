"""A local Discord stand-in (REST + gateway on 127.0.0.1) that the real bot connects to."""

from bot.localdiscord.middleware import Recorded
from bot.localdiscord.server import Bounds, LocalDiscord
from bot.localdiscord.snowflakes import snowflake_at, time_of

__all__ = ["Bounds", "LocalDiscord", "Recorded", "snowflake_at", "time_of"]
