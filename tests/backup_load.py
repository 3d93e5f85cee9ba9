"""A write load to take backups under, and the checks a restored copy must pass (either store).

The load is what a busy install writes: twenty trivia games of one server revealing questions at
once (scores, answers and the points-histogram trigger, as ``test_backends`` runs them), and a
broadcast that, for each of fifty servers and each day, plans an outbox row and moves the
server's schedule past that day in the same transaction, as the countdown planner does.

A restored copy must then hold whole transactions only: every member's totals equal the sum of
their answers, the points histogram equals a recount, and every server's schedule points just
past the last day it planned. ``LoadedCounts`` says how much of the load the copy holds, so a test
can show the backup was taken in the middle of it.

The backup tests (the storage layer's and the CLI's) share their installs from here too: a SQLite file
with the load written once, one an older release left, and where to restore to; and every trivia seed
(here, ``test_backends``, ``test_migrate_db``, ``privacy_seed``) reveals its questions with ``reveal``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import random
import sqlite3
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.domain.trivia import Answer
from bot.storage import open_database
from bot.storage.base import Database, Queryable
from bot.storage.instants import to_db
from bot.storage.migrate import available_migrations, migrate, migrations_dir
from bot.storage.sqlite import SqliteDatabase
from bot.storage.trivia import TriviaRepository

GAME_GUILD = 41 << 22
BROADCAST_GUILDS = tuple((100 + i) << 22 for i in range(50))
MEMBERS = tuple(range(1, 31))
GAMES = 20
FIRST_DAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)


def _post_time(day: int) -> str:
    return to_db(dt.datetime.combine(FIRST_DAY + dt.timedelta(days=day), dt.time(9), tzinfo=dt.UTC))


class Load:
    """Run ``run()`` as a task; ``started`` is set once some of everything is written, ``stop`` ends it
    (every writer then writes once more, so the end state always holds more than a copy taken before)."""

    def __init__(self, db: Database, seed: int = 5) -> None:
        self.db = db
        self.trivia = TriviaRepository(db)
        self.rng = random.Random(seed)
        self.started = asyncio.Event()
        self.stop = asyncio.Event()
        self.questions = 0
        self.days = 0

    async def run(self) -> None:
        games = [
            await self.trivia.create_game(
                guild_id=GAME_GUILD, channel_id=900 + i, starter_id=MEMBERS[i % 5], pack_id="p", total=999, now=NOW
            )
            for i in range(GAMES)
        ]
        async with self.db.transaction() as tx:
            for guild in BROADCAST_GUILDS:
                await tx.execute(
                    "INSERT INTO guild_config (guild_id, updated_at, countdown_channel_id, countdown_time, "
                    "countdown_timezone, countdown_enabled, countdown_next_post_at) "
                    "VALUES (?, ?, ?, '09:00', 'UTC', 1, ?)",
                    (guild, to_db(NOW), guild + 1, _post_time(0)),
                )
        await asyncio.gather(*(self._play(game) for game in games), self._broadcast())

    def _progress(self) -> None:
        if self.questions >= 2 * GAMES and self.days >= 1:
            self.started.set()

    async def _play(self, game: int) -> None:
        number = 0
        while True:
            last = self.stop.is_set()
            number += 1
            order = self.rng.sample(MEMBERS, self.rng.randint(3, len(MEMBERS)))
            answers = [
                Answer(u, self.rng.randrange(4), NOW, (u + number) % 3 == 0, self.rng.choice([0, 5, 10, 15]))
                for u in order
            ]
            await reveal(self.trivia, game, guild_id=GAME_GUILD, number=number, answers=answers, now=NOW)
            self.questions += 1
            self._progress()
            if last:
                return

    async def _broadcast(self) -> None:
        while True:
            last = self.stop.is_set()
            day = self.days
            for guild in BROADCAST_GUILDS:
                async with self.db.transaction(guild_id=guild) as tx:
                    await _plan_day(tx, guild, day)
            self.days += 1
            self._progress()
            if last:
                return


async def reveal(
    trivia: TriviaRepository,
    game: int,
    *,
    guild_id: int,
    number: int,
    answers: Sequence[Answer],
    now: dt.datetime,
    pack_id: str = "p",
) -> bool:
    """Question ``number`` of ``game`` revealed with ``answers`` (id ``q<number>``): what every trivia seed writes."""
    return await trivia.record_question(
        game_id=game,
        guild_id=guild_id,
        pack_id=pack_id,
        number=number,
        question_id=f"q{number}",
        answers=answers,
        now=now,
    )


async def _plan_day(tx: Queryable, guild: int, day: int) -> None:
    """One day's countdown planned and the schedule moved past it, together (as the planner does)."""
    when = _post_time(day)
    await tx.execute(
        "INSERT INTO outbox (kind, guild_id, key, payload, due_at, next_attempt_at, channel_id, created_at, "
        "updated_at) VALUES ('countdown', ?, ?, '{}', ?, ?, ?, ?, ?)",
        (guild, (FIRST_DAY + dt.timedelta(days=day)).isoformat(), when, when, guild + 1, when, when),
    )
    await tx.execute(
        "UPDATE guild_config SET countdown_next_post_at = ? WHERE guild_id = ?", (_post_time(day + 1), guild)
    )


async def load_once(db: Database) -> None:
    """The load's writers each write once and stop (a question per game, one broadcast day): a small real install."""
    load = Load(db)
    load.stop.set()
    await load.run()


async def loaded_sqlite(path: Path) -> None:
    """A migrated SQLite file with the load written once: what a backup or restore test starts from."""
    db = await SqliteDatabase.open_file(path)
    try:
        await migrate(db)
        await load_once(db)
    finally:
        await db.close()


async def older_sqlite(path: Path, version: int, statement: str) -> None:
    """A SQLite file as an older release left it: migrated to ``version`` only, with ``statement`` run on it."""
    with tempfile.TemporaryDirectory() as folder:
        for migration in available_migrations(migrations_dir("sqlite"))[:version]:
            (Path(folder) / migration.name).write_text(migration.sql, encoding="utf-8")
        db = await SqliteDatabase.open_file(path)
        try:
            await migrate(db, Path(folder))
            await db.execute(statement)
        finally:
            await db.close()


async def restore_target(db_target: Path | str, sqlite_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """Somewhere new of ``db_target``'s kind to restore into: ``sqlite_path`` or an empty PostgreSQL database."""
    if isinstance(db_target, Path):
        return sqlite_path
    return await request.getfixturevalue("pg").empty()


@dataclass(frozen=True)
class LoadedCounts:
    answers: int
    planned: int


async def check_restored(db: Database) -> LoadedCounts:
    """Assert the copy holds whole transactions only; return how much of the load it holds."""
    scores = await db.fetch_all(
        "SELECT user_id, points, answered, correct FROM trivia_scores WHERE guild_id = ? ORDER BY user_id",
        (GAME_GUILD,),
    )
    sums = await db.fetch_all(
        "SELECT a.user_id, SUM(a.points), COUNT(*), SUM(a.correct) FROM trivia_answers a "
        "JOIN trivia_games g ON g.id = a.game_id WHERE g.guild_id = ? GROUP BY a.user_id ORDER BY a.user_id",
        (GAME_GUILD,),
    )
    assert [tuple(int(v) for v in r) for r in scores] == [tuple(int(v) for v in r) for r in sums]
    assert await histogram(db, GAME_GUILD) == await recount(db, GAME_GUILD)
    for guild in BROADCAST_GUILDS:
        planned = int(await db.fetch_value("SELECT COUNT(*) FROM outbox WHERE guild_id = ?", (guild,)))
        next_post = await db.fetch_value("SELECT countdown_next_post_at FROM guild_config WHERE guild_id = ?", (guild,))
        assert to_db(_as_instant(next_post)) == _post_time(planned), f"server {guild}: {planned} days planned"
    answers = int(await db.fetch_value("SELECT COUNT(*) FROM trivia_answers"))
    planned = int(await db.fetch_value("SELECT COUNT(*) FROM outbox"))
    return LoadedCounts(answers, planned)


async def check_restored_copy(target: Path | str) -> LoadedCounts:
    """``check_restored`` on a restored copy opened afresh (a SQLite file passes its integrity check first)."""
    if isinstance(target, Path):
        assert integrity(target) == ["ok"]
    restored = await open_database(target)
    try:
        return await check_restored(restored)
    finally:
        await restored.close()


def _as_instant(value: str | dt.datetime) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


async def histogram(db: Queryable, guild_id: int) -> list[tuple[int, int]]:
    rows = await db.fetch_all(
        "SELECT points, players FROM trivia_points_histogram WHERE guild_id = ? AND players > 0 ORDER BY points",
        (guild_id,),
    )
    return [(int(r[0]), int(r[1])) for r in rows]


async def recount(db: Queryable, guild_id: int) -> list[tuple[int, int]]:
    rows = await db.fetch_all(
        "SELECT points, COUNT(*) FROM trivia_scores WHERE guild_id = ? AND answered > 0 "
        "GROUP BY points ORDER BY points",
        (guild_id,),
    )
    return [(int(r[0]), int(r[1])) for r in rows]


def integrity(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]


def digest(path: Path) -> str:
    """A file's SHA-256: a refused restore must leave the database byte for byte."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
