"""What a bot process left behind, read the way an operator would: a fresh connection, after the fact."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from bot.storage import open_database


async def query(target: Path | str, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of ``sql`` from an SQLite file (a plain sqlite3 connection) or a PostgreSQL database."""
    if isinstance(target, Path):
        with contextlib.closing(sqlite3.connect(target)) as conn:
            return conn.execute(sql, params).fetchall()
    db = await open_database(target)
    try:
        return [tuple(r) for r in await db.fetch_all(sql, params)]
    finally:
        await db.close()
