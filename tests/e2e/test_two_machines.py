"""Two real bot processes, one per shard, on one PostgreSQL, one Redis and one stand-in Discord.

200 servers spread over both shards get their countdown at the same minute while a trivia game
runs on each shard; the shard-1 process is SIGKILLed mid-broadcast and started again. Every
server is posted to once, the shard-0 game plays to its end (the restarted process closes only
its own interrupted game), no second ever carries more than 50 requests, and nothing gets a 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import time

from bot.localdiscord import builders as b
from bot.localdiscord.server import button_ids
from bot.services import build_services
from bot.services.countdown import post_nonce
from bot.storage import open_database
from bot.storage.migrate import migrate
from tests.clocks import ManualClock
from tests.conftest import daily_countdown, settle, start_bot
from tests.procbot import spawn
from tests.servers import redis_server

SERVERS = 200
SPEED = 10  # scaled time: a 60 s claim lease passes in 6 s, a 30 s question in 3 s
DUE = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
PLAYERS = [b.user(2000 + i, f"player{i}") for i in range(3)]


async def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


async def _servers(fake) -> tuple[list[dict], dict[int, list[dict]]]:
    """200 servers; a millisecond apart, so their snowflakes (which carry the time) fall on both shards."""
    guilds, by_shard = [], {0: [], 1: []}
    for i in range(SERVERS):
        guild = fake.add_guild(f"g{i}", channels=2)
        guilds.append(guild)
        by_shard[(int(guild["id"]) >> 22) % 2].append(guild)
        await asyncio.sleep(0.0011)
    assert min(len(v) for v in by_shard.values()) >= SERVERS // 4, "servers on both shards"
    return guilds, by_shard


async def _answer_along(fake, games: dict[int, dict], rng: random.Random) -> None:
    """Members answer whatever question is open in the game channels, until cancelled."""
    while True:
        for guild in games.values():
            message = fake.latest_with_buttons(fake.channel_ids(guild)[1])
            if message and not any(c.get("disabled") for row in message["components"] for c in row["components"]):
                await fake.click(
                    int(message["id"]), rng.choice(button_ids(message)), guild, user_obj=rng.choice(PLAYERS)
                )
        await asyncio.sleep(0.1)


async def test_two_shard_processes_on_postgresql_and_redis_survive_a_sigkill(fake, pg, catalog):
    fake.global_limit = 50
    guilds, by_shard = await _servers(fake)
    url = await pg.fresh()
    db = await open_database(url)
    await migrate(db)
    services = build_services(db, catalog, ManualClock(DUE - dt.timedelta(days=1)), random.Random(1))
    for guild in guilds:
        await daily_countdown(services, int(guild["id"]), fake.channel_ids(guild)[0])
    games = {shard: members[0] for shard, members in by_shard.items()}  # one game on each shard
    for guild in games.values():
        await services.settings.set_trivia_seconds(int(guild["id"]), 30)

    rng = random.Random(14)
    procs: dict[int, asyncio.subprocess.Process] = {}
    answering = None
    with redis_server() as redis_url:
        clock_start, started = DUE - dt.timedelta(seconds=90), time.monotonic()
        env = {"SHARD_COUNT": "2", "REDIS_URL": redis_url, "PROCBOT_CLOCK_SPEED": str(SPEED)}
        try:
            for shard in (0, 1):
                procs[shard] = await spawn(
                    fake, url, shards=(shard,), SHARD_IDS=str(shard), PROCBOT_CLOCK_START=clock_start.isoformat(), **env
                )
            for guild in games.values():
                channel = fake.channel_ids(guild)[1]
                reply = await fake.reply_to(await fake.slash("trivia start", guild, channel_id=channel, questions=3))
                assert "already running" not in str(reply)
            answering = asyncio.create_task(_answer_along(fake, games, rng))

            # Mid-broadcast: kill shard 1's process, then start it again where its clock had got to.
            posts = r"^/channels/\d+/messages$"
            await fake.wait_for("POST", posts, lambda r: r.body and "nonce" in r.body, count=60, timeout=60)
            await _kill(procs[1])
            killed_at = len(fake.find("POST", posts, lambda r: r.status == 200))
            now = clock_start + dt.timedelta(seconds=SPEED * (time.monotonic() - started))
            procs[1] = await spawn(fake, url, shards=(1,), SHARD_IDS="1", PROCBOT_CLOCK_START=now.isoformat(), **env)

            day = DUE.date()
            for guild in guilds:
                key = (fake.channel_ids(guild)[0], post_nonce(int(guild["id"]), day))
                await fake.wait_until(lambda k=key: k in fake.nonces, 90, f"the countdown in {guild['name']}")
            await fake.wait_until(lambda: _finished(fake, games[0]), 60, "the shard-0 game's final results")
        finally:
            if answering is not None:
                answering.cancel()
            for proc in procs.values():
                await _kill(proc)

    for guild in guilds:  # once each: one stored message per server and day, whoever sent it
        channel = fake.channel_ids(guild)[0]
        stored = [m for m in fake.messages.values() if m["channel_id"] == str(channel)]
        assert [m["nonce"] for m in stored] == [post_nonce(int(guild["id"]), day)], guild["name"]
    status = {
        shard: await db.fetch_value("SELECT status FROM trivia_games WHERE guild_id = ?", (int(guild["id"]),))
        for shard, guild in games.items()
    }
    await db.close()
    assert status == {0: "finished", 1: "interrupted"}  # each process closed only its own game
    assert not fake.rate_limited  # 0 x 429
    assert fake.busiest_second() <= 50
    assert 0 < killed_at < SERVERS, f"the kill landed mid-broadcast ({killed_at} of {SERVERS} posted)"
    countdown_posts = fake.find(
        "POST", r"^/channels/\d+/messages$", lambda r: str(r.body.get("nonce")).startswith("cd")
    )
    sent = [r.body["nonce"] for r in countdown_posts]
    print(  # the closing note's figures: pytest -s tests/e2e/test_two_machines.py
        f"\ntwo processes, PostgreSQL + Redis: {SERVERS} servers ({len(by_shard[0])} + {len(by_shard[1])}), "
        f"{killed_at} posted when shard 1 was killed, {len(guilds)} posted once each in the end, "
        f"{len(sent) - len(set(sent))} sent again with the same nonce after the kill, "
        f"games {status}, busiest second {fake.busiest_second()} requests, {len(fake.rate_limited)} x 429"
    )


def _finished(fake, guild: dict) -> bool:
    channel = str(fake.channel_ids(guild)[1])
    return any(
        m["channel_id"] == channel and m["embeds"] and "Trivia over" in (m["embeds"][0].get("title") or "")
        for m in fake.messages.values()
    )


async def test_a_rolling_deploy_never_runs_one_shard_twice(fake, pg, catalog, manual_clock):
    """The new process starts while the old still runs: it waits for the old one's shard lock, says so
    in /about, posts nothing meanwhile, and takes over the day after the old process has gone."""
    guilds = [fake.add_guild(f"g{i}", channels=1) for i in range(5)]
    url = await pg.fresh()
    old = await start_bot(fake, url, catalog, clock=manual_clock)
    new = None
    try:
        for guild in guilds:
            await daily_countdown(old.services, int(guild["id"]), fake.channel_ids(guild)[0])
        new = await start_bot(fake, url, catalog, clock=manual_clock)
        for _ in range(200):  # the bot's own state: nothing the stand-in sees, so poll
            if new.bot.scheduler.waiting_for_shards:
                break
            await asyncio.sleep(0.05)
        assert new.bot.scheduler.waiting_for_shards
        about = await fake.reply_to(await fake.slash("about", guilds[0]))
        assert "another process still runs one of this process's shards" in str(about)

        first_due = dt.datetime(2026, 11, 26, 9, 0, 5, tzinfo=dt.UTC)
        await manual_clock.set(first_due)
        for guild in guilds:
            await fake.wait_until(lambda g=guild: len(fake.channel_posts(fake.channel_ids(g)[0])) == 1, 10, "day 1")
        await old.stop()  # the old process exits; its session, and with it the shard lock, ends

        await manual_clock.set(first_due + dt.timedelta(days=1))
        for guild in guilds:
            await fake.wait_until(lambda g=guild: len(fake.channel_posts(fake.channel_ids(g)[0])) == 2, 20, "day 2")
        await settle()
        assert not new.bot.scheduler.waiting_for_shards
        for guild in guilds:  # one post a day, never two
            nonces = [p["nonce"] for p in fake.channel_posts(fake.channel_ids(guild)[0])]
            assert len(nonces) == len(set(nonces)) == 2
    finally:
        if new is not None:
            await new.stop()
        with contextlib.suppress(Exception):
            await old.stop()
