"""Leaderboard, "my rank" and a question's write over 1,000,000 score rows, through the bot's own repository.

Run: python -m benchmarks.leaderboard [ROWS] [--store sqlite|postgresql|both]
     (default 1,000,000 rows, all in one server: the worst case; SQLite only)

Reports p50/p99/worst for the top 10, for one member's rank (members drawn from the whole
table, so ranks near the bottom are included), for the player count, for everything
``/trivia leaderboard`` asks the database for, and for recording one revealed question (ten
members' answers, their score upserts and the histogram trigger) into that server. PostgreSQL
runs on a throwaway cluster (Debian's postgresql; ``fsync=off``, as in the tests).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import random
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import asyncpg

from benchmarks.harness import percentile
from benchmarks.procstat import machine
from bot.domain.trivia import Answer
from bot.storage import open_database
from bot.storage.base import Database
from bot.storage.migrate import migrate
from bot.storage.trivia import TriviaRepository
from tests.servers import postgres_cluster

GUILD = 1
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


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


def score_rows(rows: int, rng: random.Random) -> Iterator[tuple[int, int, int, int, int, int]]:
    for i in range(rows):
        answered = rng.randint(1, 200)
        points = rng.randint(0, answered * 15)
        yield (GUILD, 10**15 + i, points, answered, min(answered, points // 10), 1)


async def fill_sqlite(path: Path, rows: int, rng: random.Random) -> Path:
    db = await open_database(path)
    await migrate(db)
    await db.close()
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.executemany(
            "INSERT INTO trivia_scores (guild_id, user_id, points, answered, correct, games) VALUES (?, ?, ?, ?, ?, ?)",
            score_rows(rows, rng),
        )
    return path


async def fill_postgresql(url: str, rows: int, rng: random.Random) -> str:
    """COPY with the histogram trigger off, then the histogram built in one statement (as the trigger would)."""
    db = await open_database(url)
    await migrate(db)
    await db.close()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("ALTER TABLE trivia_scores DISABLE TRIGGER USER")
        columns = ["guild_id", "user_id", "points", "answered", "correct", "games"]
        await conn.copy_records_to_table("trivia_scores", records=score_rows(rows, rng), columns=columns)
        await conn.execute("ALTER TABLE trivia_scores ENABLE TRIGGER USER")
        await conn.execute(
            "INSERT INTO trivia_points_histogram (guild_id, points, players) "
            "SELECT guild_id, points, COUNT(*) FROM trivia_scores WHERE answered > 0 GROUP BY guild_id, points"
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return url


async def main(rows: int, stores: list[str]) -> None:
    print(f"machine: {machine()}")
    for kind in stores:
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
            rng = random.Random(11)
            start = time.perf_counter()
            if kind == "sqlite":
                target: Path | str = await fill_sqlite(Path(tmp) / "scores.sqlite3", rows, rng)
            else:
                target = await fill_postgresql(stack.enter_context(postgres_cluster()).url, rows, rng)
            print(f"\n{kind}: {rows:,} score rows in one server, written in {time.perf_counter() - start:.1f} s")
            await measure(await open_database(target), rows, rng)


async def measure(db: Database, rows: int, rng: random.Random) -> None:
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

    game = await repo.create_game(guild_id=GUILD, channel_id=2, starter_id=3, pack_id="p", total=500, now=NOW)

    async def question(i: int) -> None:
        answerers = rng.sample(sorted(set(users)), 10)  # ten different members
        answers = [Answer(u, 0, NOW, j % 2 == 0, 10 + j) for j, u in enumerate(answerers)]
        await repo.record_question(
            game_id=game, guild_id=GUILD, pack_id="p", number=i + 1, question_id=f"q{i}", answers=answers, now=NOW
        )

    await timed("question write (10 answers)", 500, question)
    await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="sqlite")
    args = parser.parse_args()
    asyncio.run(main(args.rows, ["sqlite", "postgresql"] if args.store == "both" else [args.store]))
