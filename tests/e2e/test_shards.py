"""Several processes on one database (SHARD_COUNT/SHARD_IDS): each keeps to the servers on its own shards."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3

from bot.domain.shards import ShardScope
from bot.services import build_services
from bot.storage import open_database
from bot.storage.migrate import migrate
from bot.storage.trivia import TriviaRepository
from tests.clocks import ManualClock
from tests.conftest import daily_countdown, settle, start_bot

DUE = dt.datetime(2026, 11, 26, 9, 0, 5, tzinfo=dt.UTC)
SHARD_1_OF_2 = {"SHARD_COUNT": "2", "SHARD_IDS": "1"}


def test_shard_arithmetic_matches_discord():
    scope = ShardScope.of(2, (1,))
    assert scope.owns((1 << 22) * 3) and not scope.owns((1 << 22) * 4)
    assert scope.sql() == (" AND ((guild_id >> 22) % ?) IN (?)", (2, 1))
    assert ShardScope.of(None, None).sql() == ("", ()) and ShardScope.of(2, (0, 1)).everything


async def _world(fake, tmp_path, catalog, manual_clock):
    # Snowflakes carry the time, so which shard a server lands on is chance: make servers until
    # each shard holds at least three (a burst of 8 all on one shard happens about once in 100 runs).
    guilds: list[dict] = []
    by_shard: dict[int, list[dict]] = {0: [], 1: []}
    while min(len(v) for v in by_shard.values()) < 3:
        assert len(guilds) < 64, "the stand-in spreads servers over both shards"
        guild = fake.add_guild(f"g{len(guilds)}", channels=1)
        guilds.append(guild)
        by_shard[(int(guild["id"]) >> 22) % 2].append(guild)
    db_path = tmp_path / "bot.sqlite3"
    db = await open_database(db_path)
    await migrate(db)
    services = build_services(db, catalog, ManualClock(manual_clock.now()), random.Random(1))
    for guild in guilds:
        await daily_countdown(services, int(guild["id"]), fake.channel_ids(guild)[0])
    games = {}
    for shard, members in by_shard.items():
        guild = members[0]
        games[shard] = await TriviaRepository(db).create_game(
            guild_id=int(guild["id"]),
            channel_id=fake.channel_ids(guild)[0],
            starter_id=1,
            pack_id="all",
            total=3,
            now=manual_clock.now(),
        )
    await db.close()
    return by_shard, db_path, games


def _status(db_path, game_id):
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT status FROM trivia_games WHERE id = ?", (game_id,)).fetchone()[0]


async def test_a_process_posts_and_recovers_only_on_its_own_shards(fake, tmp_path, catalog, manual_clock):
    by_shard, db_path, games = await _world(fake, tmp_path, catalog, manual_clock)
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock, extra_env=SHARD_1_OF_2)
    try:
        assert fake.find("PUT", r"/commands$") == []  # only shard 0's process writes the commands
        await settle()
        assert _status(db_path, games[1]) == "interrupted"  # its own crashed game is closed
        assert _status(db_path, games[0]) == "running"  # the other process's live game is not touched
        await manual_clock.set(DUE)
        for guild in by_shard[1]:
            await fake.wait_for("POST", rf"^/channels/{fake.channel_ids(guild)[0]}/messages$")
        await settle()
        for guild in by_shard[0]:
            assert fake.channel_posts(fake.channel_ids(guild)[0]) == [], "a server of shard 0 was posted to"
        about = handle.bot.scheduler.last_pass_at
        assert about is not None
    finally:
        await handle.stop()


async def test_a_process_with_another_shard_count_refuses_to_schedule(fake, tmp_path, catalog, manual_clock):
    by_shard, db_path, _ = await _world(fake, tmp_path, catalog, manual_clock)
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('shard_count', '3')")
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock, extra_env=SHARD_1_OF_2)
    try:
        assert "SHARD_COUNT is 2 here but 3 in the database" in (handle.bot.scheduling_refused or "")
        await manual_clock.set(DUE)
        await settle()
        posts = [p for g in by_shard[1] for p in fake.channel_posts(fake.channel_ids(g)[0])]
        assert not any("Daily countdown" in e["footer"]["text"] for p in posts for e in p.get("embeds") or [])
    finally:
        await handle.stop()
