"""Names that moved between versions of the bot, so one benchmark script runs against an older checkout too.

``python -m benchmarks.X`` from a worktree of an older commit (with these scripts copied in) gives
that commit's "before" figures measured exactly as today's.
"""

from __future__ import annotations

try:
    from bot.storage import open_database
except ImportError:  # before the storage seams (fb37fc9): one Database class with an ``open`` classmethod
    from bot.storage.database import Database

    open_database = Database.open

__all__ = ["open_database"]
