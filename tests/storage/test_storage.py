"""Storage: migrations, refusing a newer database, atomic score updates, rollback."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.domain.trivia import Answer, rank_totals
from bot.storage.migrate import MigrationError, current_version, latest_version, migrate
from bot.storage.trivia import TriviaRepository

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def AnswerRow(user_id: int, option: int, correct: bool, points: int) -> Answer:  # noqa: N802 - reads as a row
    return Answer(user_id, option, NOW, correct, points)


async def test_migrations_from_zero_and_idempotent(db):
    latest = latest_version(db.dialect)
    assert await current_version(db) == latest
    assert await migrate(db) == (latest, latest)
    if db.dialect == "sqlite":
        assert await db.fetch_value("PRAGMA journal_mode") == "wal"
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
    else:
        versions = await db.fetch_all("SELECT version FROM schema_version ORDER BY version")
        assert [r[0] for r in versions] == list(range(1, latest + 1))


async def test_newer_database_is_refused(db):
    if db.dialect == "sqlite":
        await db.execute("PRAGMA user_version = 999")
    else:
        await db.execute("INSERT INTO schema_version (version, name) VALUES (999, '0999_future.sql')")
    with pytest.raises(MigrationError, match="newer than this code") as refused:
        await migrate(db)
    assert "\n" not in str(refused.value)  # one line, printed as is by the CLI


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
    assert (await repo.rank(1, 11)).rank == 2
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
        # The SQL order is the domain's one tie rule.
        expected = [s.user_id for s in rank_totals((r["user_id"], r["points"], r["correct"]) for r in rows)]
        assert await repo.player_count(guild) == len(expected)
        for position, user_id in enumerate(expected, start=1):
            assert (await repo.rank(guild, user_id)).rank == position
        assert [r.user_id for r in await repo.leaderboard(guild)] == expected[:10]


async def test_due_schedules_are_paged_once_each_in_due_order(db):
    from bot.storage.guild_config import GuildConfigRepository

    repo = GuildConfigRepository(db)
    base = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    # Seven servers, two sharing each due minute, one not yet due.
    for guild_id, minutes in [(7, 0), (3, 0), (5, 1), (1, 1), (6, 2), (2, 3), (4, 90)]:
        at = base + dt.timedelta(minutes=minutes)
        await repo.update(
            guild_id,
            lambda _, at=at: {
                "countdown_channel_id": 99,
                "countdown_time": "09:00",
                "countdown_timezone": "UTC",
                "countdown_next_post_at": at,
                "countdown_enabled": True,
            },
            base,
        )
    now = base + dt.timedelta(minutes=5)
    seen, after = [], None
    while True:
        page = await repo.due_countdowns(now, limit=2, after=after)
        seen += [c.guild_id for c in page]
        if len(page) < 2:
            break
        after = (page[-1].due_at, page[-1].guild_id)
    assert seen == [3, 7, 1, 5, 6, 2]


async def test_reads_never_see_an_open_transactions_writes(db):
    """A read outside a transaction sees committed data only, while another coroutine is mid-write."""
    written = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO meta (key, value) VALUES ('half', 'written')")
            written.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await written.wait()
    assert await db.fetch_value("SELECT COUNT(*) FROM meta WHERE key = 'half'") == 0
    assert await asyncio.wait_for(db.fetch_all("SELECT key FROM meta"), 1) == []  # not blocked either
    release.set()
    await task
    assert await db.fetch_value("SELECT COUNT(*) FROM meta WHERE key = 'half'") == 1


async def test_a_repository_inside_a_transaction_joins_it_instead_of_deadlocking(db):
    """Repository writes bring their own transaction; inside another one it is a savepoint."""
    from bot.storage.meta import MetaRepository

    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await asyncio.wait_for(MetaRepository(tx).set("inner", "1"), 2)
            assert await tx.fetch_value("SELECT value FROM meta WHERE key = 'inner'") == "1"  # own writes seen
            assert await db.fetch_value("SELECT COUNT(*) FROM meta") == 0  # others don't see them yet
            raise RuntimeError("the outer transaction fails")
    assert await db.fetch_value("SELECT COUNT(*) FROM meta") == 0  # the savepoint rolled back with it
    async with db.transaction() as tx:
        await MetaRepository(tx).set("inner", "2")
    assert await MetaRepository(db).get("inner") == "2"


async def test_a_failed_savepoint_rolls_back_alone(db):
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO meta (key, value) VALUES ('kept', '1')")
        with pytest.raises(RuntimeError):
            async with tx.transaction() as inner:
                await inner.execute("INSERT INTO meta (key, value) VALUES ('dropped', '1')")
                raise RuntimeError("inner fails")
    assert [r["key"] for r in await db.fetch_all("SELECT key FROM meta ORDER BY key")] == ["kept"]


async def test_concurrent_schedule_changes_both_land(db, catalog):
    """Two moderators at once: one sets the channel, the other the time; neither update is lost."""
    import random

    from bot.clock import SystemClock
    from bot.services import build_services

    countdown = build_services(db, catalog, SystemClock(), random.Random(1)).countdown
    await asyncio.gather(countdown.set_channel(5, 42), countdown.set_time(5, "18:30", "Europe/London"))
    view = await countdown.view(5)
    assert (view.config.countdown_channel_id, view.time, view.timezone) == (42, "18:30", "Europe/London")
    assert view.next_post_at is not None and view.next_post_at.astimezone(ZoneInfo("Europe/London")).hour == 18


async def test_a_time_changed_while_the_pass_plans_the_post_is_kept(db, catalog):
    """B13: the planner read the schedule at 09:00, a moderator moved it to 18:30, then the planner wrote
    its row and moved the schedule on from the *old* time. The moderator's next post must stand (before,
    the server got one post at the old time the next day)."""
    import random

    from bot.clock import SystemClock
    from bot.domain.outbox import Kind, Planned
    from bot.services import build_services
    from bot.storage.countdown import CountdownScheduleRepository

    countdown = build_services(db, catalog, SystemClock(), random.Random(1)).countdown
    await countdown.set_channel(5, 42)
    await countdown.set_time(5, "09:00", "UTC")
    read_at_nine = (await countdown.view(5)).next_post_at
    await countdown.set_time(5, "18:30", "UTC")  # the moderator, while the pass is planning
    moved = (await countdown.view(5)).next_post_at
    assert moved is not None and (moved.hour, moved.minute) == (18, 30)

    assert read_at_nine is not None
    planned = Planned(Kind.COUNTDOWN, 5, read_at_nine.date().isoformat(), {}, read_at_nine, 42)
    await CountdownScheduleRepository(db).plan(
        planned, next_post_at=read_at_nine + dt.timedelta(days=1), time="09:00", zone="UTC", now=read_at_nine
    )
    assert (await countdown.view(5)).next_post_at == moved, "the planner's stale time must not overwrite it"
