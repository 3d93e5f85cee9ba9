"""Backup and restore of 1,000,000 score rows, idle and while the bot writes, through ``bot.storage.backup``.

Run: python -m benchmarks.backup [ROWS] [--store sqlite|postgresql|both]
     (default 1,000,000 rows in one server, filled as ``benchmarks.leaderboard`` fills them; SQLite only)

Reports, for SQLite: the database's size; a backup with the bot idle (time, including the
``integrity_check`` of the copy, which is timed on its own too, and the file's size); a backup while
a writer records a question (ten answers, score upserts, the histogram trigger) back to back, with
how the copy was made (stepped, or one step after the writes restarted it) and the writer's latency
during the backup against its latency alone; and a restore (copy, checks, swap) into a new path.
For PostgreSQL (a throwaway cluster, ``fsync=off``): ``pg_dump`` (custom format, read back) and
``pg_restore`` into an empty database, with the dump's size.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sqlite3
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import asyncpg

from benchmarks.harness import percentile
from benchmarks.leaderboard import GUILD, NOW, fill_postgresql, fill_sqlite
from benchmarks.procstat import machine
from bot.domain.trivia import Answer
from bot.storage import open_database
from bot.storage.backup import backup, restore
from bot.storage.trivia import TriviaRepository
from tests.servers import postgres_cluster


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


class Writer:
    """Record questions back to back into the server, timing each, until stopped."""

    def __init__(self, repo: TriviaRepository, rows: int, rng: random.Random) -> None:
        self.repo, self.rows, self.rng = repo, rows, rng
        self.took: list[float] = []
        self.stop = asyncio.Event()
        self.number = 0

    async def run(self, game: int) -> None:
        while not self.stop.is_set():
            self.number += 1
            members = self.rng.sample(range(self.rows), 10)
            answers = [Answer(10**15 + m, 0, NOW, j % 2 == 0, 10 + j) for j, m in enumerate(members)]
            start = time.perf_counter()
            await self.repo.record_question(
                game_id=game,
                guild_id=GUILD,
                pack_id="p",
                number=self.number,
                question_id=f"q{self.number}",
                answers=answers,
                now=NOW,
            )
            self.took.append((time.perf_counter() - start) * 1000)

    def summary(self) -> str:
        p50, p99 = percentile(self.took, 0.5), percentile(self.took, 0.99)
        return f"{len(self.took)} writes, p50 {p50:.2f} ms, p99 {p99:.2f} ms"


async def sqlite_figures(folder: Path, rows: int) -> None:
    rng = random.Random(11)
    start = time.perf_counter()
    path = await fill_sqlite(folder / "scores.sqlite3", rows, rng)
    print(f"\nsqlite: {rows:,} score rows in one server, written in {time.perf_counter() - start:.1f} s")
    print(f"  database file                      {_mb(path.stat().st_size)}")

    idle = await backup(path, folder / "idle.bak")
    print(f"  backup, bot idle                   {idle.seconds:6.2f} s   {_mb(idle.size)}   ({idle.method})")
    with contextlib.closing(sqlite3.connect(idle.path)) as conn:
        start = time.perf_counter()
        conn.execute("PRAGMA integrity_check").fetchall()
        print(f"    of which integrity_check         {time.perf_counter() - start:6.2f} s")

    db = await open_database(path)
    repo = TriviaRepository(db)
    game = await repo.create_game(guild_id=GUILD, channel_id=2, starter_id=3, pack_id="p", total=10**6, now=NOW)
    alone = Writer(repo, rows, rng)
    task = asyncio.create_task(alone.run(game))
    await asyncio.sleep(3)  # a baseline of the writer on its own
    alone.stop.set()
    await task
    during = Writer(repo, rows, rng)
    during.number = alone.number
    task = asyncio.create_task(during.run(game))
    busy = await backup(path, folder / "busy.bak")
    during.stop.set()
    await task
    await db.close()
    print(f"  backup, a question written back to back meanwhile: {busy.seconds:.2f} s ({busy.method})")
    print(f"    writer alone                     {alone.summary()}")
    print(f"    writer during the backup         {during.summary()}")

    restored = await restore(idle.path, folder / "restored" / "bot.sqlite3")
    print(f"  restore (copy, checks, swap)       {restored.seconds:6.2f} s")


async def postgresql_figures(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        cluster = stack.enter_context(postgres_cluster())
        rng = random.Random(11)
        start = time.perf_counter()
        url = await fill_postgresql(cluster.url, rows, rng)
        print(f"\npostgresql: {rows:,} score rows in one server, written in {time.perf_counter() - start:.1f} s")
        dumped = await backup(url, Path(tmp) / "scores.dump")
        print(f"  pg_dump (custom, read back)        {dumped.seconds:6.2f} s   {_mb(dumped.size)}")
        admin = await asyncpg.connect(cluster.url)
        try:
            await admin.execute("CREATE DATABASE restored")
        finally:
            await admin.close()
        restored = await restore(dumped.path, cluster.database_url("restored"))
        print(f"  pg_restore into an empty database  {restored.seconds:6.2f} s")


async def main(rows: int, stores: list[str]) -> None:
    print(f"machine: {machine()}")
    if "sqlite" in stores:
        with tempfile.TemporaryDirectory() as tmp:
            await sqlite_figures(Path(tmp), rows)
    if "postgresql" in stores:
        await postgresql_figures(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="sqlite")
    args = parser.parse_args()
    asyncio.run(main(args.rows, ["sqlite", "postgresql"] if args.store == "both" else [args.store]))
