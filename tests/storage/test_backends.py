"""The traps of running one set of repositories on two stores, each with a test on both (or on PostgreSQL).

- snowflakes need 64 bits; instants are ``timestamptz`` on PostgreSQL;
- a unique violation caught inside a PostgreSQL transaction dooms it: claims use ``ON CONFLICT DO
  NOTHING RETURNING`` and a transaction that claims twice still commits;
- READ COMMITTED does not serialise writers: each check-then-write takes the server's advisory lock;
- concurrent score writes of one server do not deadlock in the histogram trigger;
- outbox rows are planned once and leased on the database's clock; each shard is held by one process;
  migrations race safely.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import re
from pathlib import Path

import asyncpg
import pytest

from bot.domain.countdown import ServerEvent
from bot.domain.outbox import Kind, Planned, State
from bot.domain.trivia import Answer
from bot.storage import open_database
from bot.storage.countdown import AddResult, EventRepository
from bot.storage.guild_config import GuildConfigRepository
from bot.storage.migrate import current_version, latest_version, migrate
from bot.storage.outbox import OutboxRepository
from bot.storage.server_packs import SaveResult, ServerPackRepository, StoredPack
from bot.storage.trivia import TriviaRepository
from tests.backup_load import histogram, recount, reveal

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
BIG_GUILD = 1_234_567_890_123_456_789  # a real-sized snowflake: far past 2**31
BIG_USER = 987_654_321_098_765_432


async def test_snowflakes_keep_all_64_bits(db):
    config = GuildConfigRepository(db)
    await config.set_spoiler_season(BIG_GUILD, 2, NOW)
    await config.set_trivia_channel(BIG_GUILD, BIG_USER, True)
    stored = await config.get(BIG_GUILD)
    assert stored.spoiler_season == 2 and stored.trivia_channel_ids == (BIG_USER,)
    trivia = TriviaRepository(db)
    game = await trivia.create_game(
        guild_id=BIG_GUILD, channel_id=BIG_USER, starter_id=BIG_USER, pack_id="p", total=1, now=NOW
    )
    answers = [Answer(BIG_USER, 0, NOW, True, 15)]
    assert await trivia.record_question(
        game_id=game, guild_id=BIG_GUILD, pack_id="p", number=1, question_id="q", answers=answers, now=NOW
    )
    assert [s.user_id for s in await trivia.leaderboard(BIG_GUILD)] == [BIG_USER]


async def test_instants_are_compared_as_instants(db):
    """A server event stored from a +09:00 time reads back as the same instant, in UTC."""
    events = EventRepository(db)
    tokyo = dt.datetime(2027, 1, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    event = ServerEvent(BIG_GUILD, "Watch party", "watch party", tokyo, True, "Asia/Tokyo", BIG_USER)
    assert await events.add(event, max_events=5, now=NOW) is AddResult.ADDED
    [stored] = await events.list(BIG_GUILD)
    assert stored.starts_at == tokyo and stored.starts_at.utcoffset() == dt.timedelta(0)
    if db.dialect == "postgresql":
        kinds = await db.fetch_all(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND (column_name LIKE '%\\_at' OR column_name LIKE '%\\_id')"
        )
        wrong = [
            (r["table_name"], r["column_name"], r["data_type"])
            for r in kinds
            if r["data_type"] != ("timestamp with time zone" if r["column_name"].endswith("_at") else "bigint")
            and r["column_name"] not in ("pack_id", "question_id")
        ]
        assert not wrong, wrong


async def test_planning_twice_inside_a_transaction_never_dooms_it(db):
    """Planning a day twice in one transaction answers from the outbox and the transaction still commits."""
    async with db.transaction() as tx:
        outbox = OutboxRepository(tx)
        assert await outbox.plan(_planned(), NOW)
        assert not await outbox.plan(_planned(), NOW)  # ON CONFLICT DO NOTHING, not a caught violation
        await GuildConfigRepository(tx).set_spoiler_season(BIG_GUILD, 1, NOW)
    assert (await GuildConfigRepository(db).get(BIG_GUILD)).spoiler_season == 1


def _planned(key: str = "2026-12-01") -> Planned:
    return Planned(Kind.COUNTDOWN, BIG_GUILD, key, {"nonce": "n"}, NOW, BIG_USER)


async def test_catching_a_unique_violation_would_doom_a_postgresql_transaction(pg):
    """Why the repositories never catch-and-continue: PostgreSQL refuses every later statement."""
    db = await open_database(await pg.fresh())
    await db.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    with pytest.raises(asyncpg.InFailedSQLTransactionError):
        async with db.transaction() as tx:
            with pytest.raises(asyncpg.UniqueViolationError):
                await tx.execute("INSERT INTO meta (key, value) VALUES ('k', 'again')")
            await tx.execute("INSERT INTO meta (key, value) VALUES ('other', 'lost')")
    assert await db.fetch_value("SELECT COUNT(*) FROM meta") == 1
    await db.close()


def test_no_repository_catches_a_unique_violation():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py"))
    assert not re.search(r"except[^\n]*(IntegrityError|UniqueViolation)", source)


async def test_limits_hold_under_concurrent_writers(db):
    """Twenty moderators adding at once to a server with room for five: exactly five land."""
    events = EventRepository(db)
    packs = ServerPackRepository(db)

    async def add_event(i: int) -> AddResult:
        event = ServerEvent(BIG_GUILD, f"e{i}", f"e{i}", NOW + dt.timedelta(days=i), False, "UTC", BIG_USER)
        return await events.add(event, max_events=5, now=NOW)

    async def add_pack(i: int) -> SaveResult:
        pack = StoredPack(f"pack{i}", f"Pack {i}", 3, "questions: []")
        return await packs.save(BIG_GUILD, pack, uploaded_by=BIG_USER, max_packs=5, now=NOW)

    added = await asyncio.gather(*(add_event(i) for i in range(20)))
    saved = await asyncio.gather(*(add_pack(i) for i in range(20)))
    assert added.count(AddResult.ADDED) == 5 and added.count(AddResult.FULL) == 15
    assert saved.count(SaveResult.ADDED) == 5 and saved.count(SaveResult.FULL) == 15
    assert len(await events.list(BIG_GUILD)) == 5


async def test_concurrent_plans_and_claims_of_one_day_give_one_row_and_one_attempt(db):
    outbox = OutboxRepository(db)
    planned = await asyncio.gather(*(outbox.plan(_planned(), NOW) for _ in range(8)))
    assert planned.count(True) == 1
    claims = await asyncio.gather(*(outbox.claim(f"host/{i}/x", NOW, 5) for i in range(8)))
    assert sorted(len(c) for c in claims) == [0] * 7 + [1]


async def test_a_lease_protects_a_live_holder_and_expires_for_a_dead_one(db):
    """Leases are stamped with the database's clock: a live holder's row is never attempted twice;
    a holder that went quiet loses it when the lease runs out, and its late outcome is not recorded."""
    outbox = OutboxRepository(db)
    await outbox.plan(_planned(), NOW)
    [first] = await outbox.claim("host/1/a", NOW, 5)
    assert first.attempts == 1 and first.last_result is None and not first.outcome_unknown
    assert await outbox.claim("host/2/b", NOW, 5) == []  # a's lease is live
    await db.execute("UPDATE outbox SET lease_until = ?", ((await db.now() - dt.timedelta(seconds=1)).isoformat(),))
    [second] = await outbox.claim("host/2/b", NOW, 5)  # a went quiet: b takes over, knowing a's outcome is unknown
    assert second.attempts == 2 and second.outcome_unknown and second.first_attempt_at == first.first_attempt_at
    assert not await outbox.finish("host/1/a", first, how="sent", discord_id=1, complete=None)  # too late for a
    assert await outbox.finish("host/2/b", second, how="adopted", discord_id=1, complete=None)
    record = await outbox.get(Kind.COUNTDOWN, BIG_GUILD, "2026-12-01")
    assert record is not None and record.state is State.DONE and record.outcome == "adopted"
    assert record.discord_id == 1 and record.attempts == 2


async def test_a_dead_holders_lease_is_taken_at_once(db):
    outbox = OutboxRepository(db)
    await outbox.plan(_planned(), NOW)
    assert await outbox.claim("host/1/a", NOW, 5)
    assert await outbox.claim("host/2/b", NOW, 5, dead_holders=["host/1/a"])


async def test_a_replanned_wish_wins_over_an_attempt_of_the_old_one(db):
    outbox = OutboxRepository(db)
    await outbox.replan(_planned(), NOW)
    [old] = await outbox.claim("host/1/a", NOW, 5)
    changed = Planned(Kind.COUNTDOWN, BIG_GUILD, "2026-12-01", {"nonce": "other"}, NOW, BIG_USER)
    await outbox.replan(changed, NOW)
    await outbox.replan(changed, NOW)  # the same wish again: no churn
    assert not await outbox.finish("host/1/a", old, how="sent", discord_id=5, complete=None)
    await db.execute("UPDATE outbox SET lease_until = NULL")
    [new] = await outbox.claim("host/1/a", NOW, 5)
    assert new.payload == {"nonce": "other"} and new.version == old.version + 1


async def test_concurrent_score_writes_of_one_server_neither_deadlock_nor_drift(db):
    """Forty games of one server revealing at once, the same members in shuffled orders."""
    trivia = TriviaRepository(db)
    rng = random.Random(3)
    members = list(range(1, 31))
    games = [
        await trivia.create_game(guild_id=BIG_GUILD, channel_id=i, starter_id=1, pack_id="p", total=3, now=NOW)
        for i in range(40)
    ]

    async def play(game: int) -> None:
        for number in (1, 2, 3):
            order = rng.sample(members, len(members))
            answers = [Answer(u, 0, NOW, (u + number) % 3 == 0, rng.choice([0, 5, 10, 15])) for u in order]
            await reveal(trivia, game, guild_id=BIG_GUILD, number=number, answers=answers, now=NOW)
        await trivia.finish_game(game, status="finished", winner_ids=order[:2], now=NOW)

    await asyncio.gather(*(play(g) for g in games))
    assert await histogram(db, BIG_GUILD) == await recount(db, BIG_GUILD)
    assert await trivia.player_count(BIG_GUILD) == len(members)
    stats = [await trivia.stats(BIG_GUILD, u) for u in members]
    assert all(s.answered == 120 and s.games == 40 for s in stats)


@pytest.fixture(params=("sqlite", "postgresql"))
async def empty_target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    if request.param == "sqlite":
        return tmp_path / "race.sqlite3"
    return await request.getfixturevalue("pg").empty()


async def test_two_processes_migrating_at_once_apply_each_migration_once(empty_target):
    first, second = await open_database(empty_target), await open_database(empty_target)
    try:
        results = await asyncio.gather(migrate(first), migrate(second))
        latest = latest_version(first.dialect)
        assert all(after == latest for _, after in results) and (0, latest) in results
        assert await current_version(first) == await current_version(second) == latest
    finally:
        await first.close()
        await second.close()


async def test_each_shard_runs_in_one_process_at_a_time(pg):
    url = await pg.fresh()
    old, new = await open_database(url), await open_database(url)
    try:
        assert await old.hold_shards([0])
        assert not await new.hold_shards([0, 1])  # the rolling deploy's overlap: shard 0 is still old's
        assert await new.hold_shards([1])
        await old.close()  # the old process exits; its session's locks go with it
        assert await new.hold_shards([0, 1])
    finally:
        await new.close()


async def test_a_process_that_gets_only_some_of_its_shards_gives_them_back(pg):
    """Overlapping SHARD_IDS: keeping half would let two processes wait for each other forever."""
    url = await pg.fresh()
    first, second = await open_database(url), await open_database(url)
    try:
        assert await first.hold_shards([0])
        assert not await second.hold_shards([1, 0])  # got 1, not 0: gives 1 back
        assert await first.hold_shards([0, 1])  # so the first can have both
        assert not await second.hold_shards([1])
    finally:
        await first.close()
        await second.close()
