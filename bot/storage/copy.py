"""``heartstopper-bot migrate-db``: copy an SQLite install into PostgreSQL, verified, re-runnable.

Both stores are first brought to their latest schema. Tables are copied parents first, in
batches, each batch one transaction of ``INSERT … ON CONFLICT DO NOTHING``: a second run (after
an interruption, or to be sure) skips what is already there and copies the rest. The points
histogram is not copied: the trigger builds it from the scores as they arrive, and it is checked
like every table. At the end the rows of every table are counted on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from bot.errors import BotError
from bot.storage.base import Database
from bot.storage.migrate import migrate
from bot.storage.sqlite import SqliteDatabase

# Parents before the tables that reference them (trivia answers need their revealed question).
TABLES: tuple[str, ...] = (
    "meta",
    "guild_config",
    "outbox",
    "server_events",
    "trivia_channels",
    "trivia_games",
    "trivia_questions_revealed",
    "trivia_answers",
    "trivia_scores",
    "trivia_seen",
    "daily_questions",
    "daily_answers",
    "daily_streaks",
    "server_packs",
    "scheduled_events",
    "departed_guilds",
)
DERIVED = "trivia_points_histogram"  # rebuilt by the trigger on the target, then compared

Progress = Callable[[str, int, int], None]  # table, rows done, rows in all


class CopyError(BotError):
    """The copy cannot start or its counts do not match; the message says which."""


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    source: int
    target: int

    @property
    def matches(self) -> bool:
        return self.source == self.target


async def copy_database(
    source: SqliteDatabase, target: Database, *, batch: int = 2_000, progress: Progress | None = None
) -> list[TableCount]:
    """Copy every table of ``source`` into ``target``; returns the row counts of both, per table."""
    if target.dialect != "postgresql":
        raise CopyError("migrate-db copies into PostgreSQL: --to takes a postgresql:// URL")
    await migrate(source)
    await migrate(target)
    for table in TABLES:
        columns = [r[1] for r in await source.fetch_all(f"PRAGMA table_info({table})")]
        total = int(await source.fetch_value(f"SELECT COUNT(*) FROM {table}"))  # noqa: S608 - constant names
        names = ", ".join(columns)
        insert = (
            f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)}) "  # noqa: S608
            "ON CONFLICT DO NOTHING"
        )
        done = 0
        if progress:
            progress(table, done, total)
        async for rows in source.stream(f"SELECT {names} FROM {table}", batch):  # noqa: S608
            async with target.transaction() as tx:
                await tx.execute_many(insert, rows)
            done += len(rows)
            if progress:
                progress(table, done, total)
    # Games keep their ids; new ones must start after the highest copied.
    await target.execute(
        "SELECT setval(pg_get_serial_sequence('trivia_games', 'id'), "
        "(SELECT COALESCE(MAX(id), 0) + 1 FROM trivia_games), false)"
    )
    return await compare(source, target)


async def compare(source: Database, target: Database) -> list[TableCount]:
    counts = []
    for table in (*TABLES, DERIVED):
        where = " WHERE players > 0" if table == DERIVED else ""
        sql = f"SELECT COUNT(*) FROM {table}{where}"  # noqa: S608 - constant names
        counts.append(TableCount(table, int(await source.fetch_value(sql)), int(await target.fetch_value(sql))))
    return counts


class ProgressBar:
    """``table  [#####.....]  12,000/40,000`` redrawn in place on a terminal, one line per table elsewhere."""

    WIDTH = 30

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._live = out.isatty()

    def __call__(self, table: str, done: int, total: int) -> None:
        finished = done >= total
        if not self._live and not finished:
            return
        filled = self.WIDTH if total == 0 else self.WIDTH * done // total
        line = f"  {table:<26} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done:>10,}/{total:,}"
        self._out.write(("\r" if self._live else "") + line + ("\n" if finished else ""))
        self._out.flush()
