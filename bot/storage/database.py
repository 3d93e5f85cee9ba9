"""Transitional import path (``bot.storage.base``, ``bot.storage.sqlite``, ``open_database`` replace it).

Kept only while every caller moves over; nothing under ``bot/`` or ``cogs/`` imports it.
"""

from __future__ import annotations

from pathlib import Path

from bot.storage import open_database
from bot.storage.base import Database as _Database
from bot.storage.base import Queryable, Row, redact_url
from bot.storage.sqlite import SqliteDatabase

__all__ = ["Database", "Queryable", "Row", "SqliteDatabase", "redact"]
redact = redact_url


class Database(_Database):
    """The old spelling of ``open_database``: ``await Database.open(target)``."""

    @staticmethod
    async def open(target: Path | str) -> _Database:
        return await open_database(target)
