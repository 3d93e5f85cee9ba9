"""Leaderboard and "my rank" over 1,000,000 score rows, through the bot's own repository (aiosqlite).

Run: python -m benchmarks.leaderboard [ROWS]   (default 1,000,000, all in one server: the worst case)

Reports p50/p99/worst for the top 10, for one member's rank (members drawn from the whole
table, so ranks near the bottom are included), for the player count, and for everything
``/trivia leaderboard`` asks the database for.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchmarks.harness import percentile
from benchmarks.procstat import machine
from bot.storage.database import Database
from bot.storage.migrate import migrate
from bot.storage.trivia import TriviaRepository

GUILD = 1


async def timed(label: str, runs: int, call: Callable[[int], Awaitable[object]]) -> None:
    took = []
    for i in range(runs):
        start = time.perf_counter()
        await call(i)
        took.append((time.perf_counter() - start) * 1000)
    print(
        f"{label:<34} p50 {percentile(took, 0.5):7.2f} ms   p99 {percentile(took, 0.99):7.2f} ms   "
        f"worst {max(took):7.2f} ms   ({runs} runs)"
    )


async def main(rows: int) -> None:
    print(f"machine: {machine()}")
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scores.sqlite3"
        db = await Database.open(path)
        await migrate(db)
        await db.close()
        start = time.perf_counter()
        with contextlib.closing(sqlite3.connect(path)) as conn, conn:
            conn.executemany(
                "INSERT INTO trivia_scores (guild_id, user_id, points, answered, correct, games) "
                "VALUES (?, ?, ?, ?, ?, 1)",
                (
                    (GUILD, 10**15 + i, points, answered, min(answered, points // 10))
                    for i in range(rows)
                    for answered in [rng.randint(1, 200)]
                    for points in [rng.randint(0, answered * 15)]
                ),
            )
        print(f"{rows:,} score rows in one server, written in {time.perf_counter() - start:.1f} s")
        db = await Database.open(path)
        repo = TriviaRepository(db)
        users = [10**15 + rng.randrange(rows) for _ in range(1000)]
        await timed("top 10", 1000, lambda i: repo.leaderboard(GUILD, 10))
        await timed("my rank (random member)", 1000, lambda i: repo.rank(GUILD, users[i]))
        last = await db.fetch_value(
            "SELECT user_id FROM trivia_scores WHERE guild_id = ? ORDER BY points, correct, user_id DESC LIMIT 1",
            (GUILD,),
        )
        await timed("my rank (last place)", 100, lambda i: repo.rank(GUILD, int(last)))
        await timed("player count", 100, lambda i: repo.player_count(GUILD))

        async def whole(i: int) -> None:
            await repo.leaderboard(GUILD, 10)
            await repo.rank(GUILD, users[i])
            await repo.player_count(GUILD)

        await timed("/trivia leaderboard (all three)", 100, whole)
        await db.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
