"""Storage: repositories over one of two stores, chosen by ``open_database`` (no discord here).

- ``base``: the ``Queryable`` protocol and the ``Database`` interface every repository uses;
- ``sqlite``: the default, one file, a writer and a reader connection (aiosqlite, WAL);
- ``postgres``: several processes on several machines (asyncpg; the ``[postgresql]`` extra);
- ``instants`` (one codec for instants), ``sqltext`` (placeholders and statements, tokenized);
- ``migrations/<dialect>/NNNN_*.sql``, applied by ``migrate``; the repositories, one per aggregate.
"""

from __future__ import annotations

from pathlib import Path

from bot.storage.base import Database


def is_postgres_url(target: Path | str) -> bool:
    return isinstance(target, str) and target.split("://", 1)[0] in ("postgresql", "postgres")


async def open_database(target: Path | str) -> Database:
    """A ``postgresql://`` URL opens an asyncpg pool; anything else is an SQLite file path."""
    if is_postgres_url(target):
        from bot.storage.postgres import PostgresDatabase  # asyncpg is an optional extra

        return await PostgresDatabase.connect(str(target))
    from bot.storage.sqlite import SqliteDatabase

    return await SqliteDatabase.open_file(target)
