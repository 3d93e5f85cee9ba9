"""Storage: migrations, refusing a newer database, atomic score updates, rollback."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.storage.database import Database
from bot.storage.migrate import MigrationError, current_version, latest_version, migrate
from bot.storage.trivia import AnswerRow, TriviaRepository

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


async def test_migrations_from_zero_and_idempotent(db):
    assert await current_version(db) == latest_version()
    assert await migrate(db) == (latest_version(), latest_version())
    assert await db.fetch_value("PRAGMA journal_mode") == "wal"
    assert await db.fetch_value("PRAGMA foreign_keys") == 1


async def test_newer_database_is_refused(tmp_path):
    database = await Database.open(tmp_path / "new.sqlite3")
    await database.execute("PRAGMA user_version = 999")
    with pytest.raises(MigrationError, match="newer than this code"):
        await migrate(database)
    await database.close()


async def test_rollback_leaves_nothing(db):
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
            raise RuntimeError("boom")
    assert await db.fetch_value("SELECT COUNT(*) FROM meta") == 0


async def test_concurrent_question_records_add_up_and_never_double_count(db):
    repo = TriviaRepository(db)
    game = await repo.create_game(guild_id=1, channel_id=2, starter_id=3, pack_id="core", total=50, now=NOW)

    async def record(number: int) -> bool:
        return await repo.record_question(
            game_id=game,
            guild_id=1,
            pack_id="core",
            number=number,
            question_id=f"q{number}",
            answers=[AnswerRow(7, 0, True, 12)],
            now=NOW,
        )

    results = await asyncio.gather(*(record(n) for n in range(1, 41)), *(record(n) for n in range(1, 11)))
    assert sum(results) == 40  # the 10 repeats were refused
    stats = await repo.stats(1, 7)
    assert stats.points == 40 * 12 and stats.answered == 40 and stats.best_streak == 40
    assert await repo.finish_game(game, status="finished", winner_ids=[7], now=NOW)
    assert not await repo.finish_game(game, status="finished", winner_ids=[7], now=NOW)
    assert (await repo.stats(1, 7)).games == 1


async def test_leaderboard_order_and_rank(db):
    repo = TriviaRepository(db)
    game = await repo.create_game(guild_id=1, channel_id=2, starter_id=3, pack_id="core", total=1, now=NOW)
    answers = [AnswerRow(10, 0, True, 15), AnswerRow(11, 0, True, 15), AnswerRow(12, 1, False, 0)]
    await repo.record_question(
        game_id=game, guild_id=1, pack_id="core", number=1, question_id="q", answers=answers, now=NOW
    )
    board = await repo.leaderboard(1)
    assert [r.user_id for r in board] == [10, 11, 12]
    assert (await repo.rank(1, 11))[0] == 2
    assert await repo.reset_guild(1) == 3 and await repo.leaderboard(1) == []


async def test_rank_and_player_count_match_a_full_sort_through_many_score_changes(db):
    """The points histogram behind rank and player count never drifts from the scores themselves."""
    import random

    repo = TriviaRepository(db)
    rng = random.Random(42)
    for round_no in range(12):
        guild = rng.choice([1, 2])
        game = await repo.create_game(guild_id=guild, channel_id=2, starter_id=3, pack_id="core", total=1, now=NOW)
        players = rng.sample(range(100, 130), rng.randint(1, 12))
        answers = [
            AnswerRow(u, 0, ok, rng.choice([10, 12, 15]) if ok else 0) for u in players for ok in [rng.random() < 0.6]
        ]
        await repo.record_question(
            game_id=game, guild_id=guild, pack_id="core", number=1, question_id=f"q{round_no}", answers=answers, now=NOW
        )
        if round_no == 8:
            await repo.reset_guild(2)
    for guild in (1, 2):
        rows = await db.fetch_all(
            "SELECT user_id, points, correct FROM trivia_scores WHERE guild_id = ? AND answered > 0", (guild,)
        )
        expected = sorted(rows, key=lambda r: (-r["points"], -r["correct"], r["user_id"]))
        assert await repo.player_count(guild) == len(expected)
        for position, row in enumerate(expected, start=1):
            assert (await repo.rank(guild, row["user_id"]))[0] == position
        assert [r.user_id for r in await repo.leaderboard(guild)] == [r["user_id"] for r in expected[:10]]


async def test_due_schedules_are_paged_once_each_in_due_order(db):
    from bot.storage.guild_config import GuildConfigRepository

    repo = GuildConfigRepository(db)
    base = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    # Seven servers, two sharing each due minute, one not yet due.
    for guild_id, minutes in [(7, 0), (3, 0), (5, 1), (1, 1), (6, 2), (2, 3), (4, 90)]:
        at = base + dt.timedelta(minutes=minutes)
        await repo.set_countdown(guild_id, channel_id=99, time="09:00", timezone="UTC", next_post_at=at, now=base)
    now = base + dt.timedelta(minutes=5)
    seen, after = [], None
    while True:
        page = await repo.due_countdowns(now, limit=2, after=after)
        seen += [c.guild_id for c in page]
        if len(page) < 2:
            break
        after = (page[-1].countdown_next_post_at, page[-1].guild_id)
    assert seen == [3, 7, 1, 5, 6, 2]
