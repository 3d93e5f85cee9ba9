"""Two real bot processes, one per shard, on one PostgreSQL, one Redis and one stand-in Discord.

200 servers spread over both shards get their countdown at the same minute while a trivia game
runs on each shard; the shard-1 process is SIGKILLed mid-broadcast and started again. Every
server is posted to once, the shard-0 game plays to its end (the restarted process closes only
its own interrupted game), no second ever carries more than 50 requests, and nothing gets a 429.
"""

from __future__ import annotations

import asyncio
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
from tests.conftest import daily_countdown
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


async def test_a_rolling_deploy_keeps_the_old_processs_game_and_closes_it_once_after(fake, pg, catalog):
    """The new process starts while the old one runs a game: it waits for the old one's shards before it
    even connects, so the game plays on and clicks during the overlap get real answers from the process
    that runs it; only once the old process has exited is the unfinished game closed, once."""
    guild = fake.add_guild(channels=2)
    guild_id, channel_id = int(guild["id"]), fake.channel_ids(guild)[1]
    url = await pg.fresh()
    db = await open_database(url)
    await migrate(db)
    services = build_services(db, catalog, ManualClock(DUE), random.Random(1))
    await services.settings.set_trivia_seconds(guild_id, 20)
    env = {"PROCBOT_CLOCK_SPEED": "10", "PROCBOT_CLOCK_START": DUE.isoformat()}  # a question lasts 2 s
    old = await spawn(fake, url, **env)
    new = None
    try:
        started = await fake.reply_to(await fake.slash("trivia start", guild, channel_id=channel_id, questions=10))
        assert "already running" not in str(started)
        identified = len(fake.identifies)
        new = await spawn(fake, url, wait_ready=False, **env)  # the rolling deploy's new process
        answers = []
        for number in (1, 2, 3):  # the overlap: three questions asked, answered and revealed by the old process
            await fake.wait_until(lambda n=number: _open(fake, channel_id, n), 30, f"question {number}")
            message = _open(fake, channel_id, number)
            click = await fake.click(int(message["id"]), button_ids(message)[0], guild, user_obj=PLAYERS[0])
            answers.append((await fake.reply_to(click))["data"]["content"])
        assert all(a.startswith("Locked in") for a in answers), answers  # never "this game has ended"
        assert len(fake.identifies) == identified and new.returncode is None  # the new one has not connected
        status = await db.fetch_value("SELECT status FROM trivia_games WHERE guild_id = ?", (guild_id,))
        assert status == "running"

        old.terminate()  # the old process exits (SIGTERM, as a deploy stops it); its shard locks go with it
        await old.wait()
        await fake.wait_until(lambda: len(fake.identifies) > identified, 60, "the new process connecting")
        await fake.wait_until(lambda: len(_notices(fake, channel_id)) == 1, 60, "the interrupted notice")
        await _until_closed(db, guild_id)
        await asyncio.sleep(0.5)  # a second notice would follow within the next executor turn: look again
        assert len(_notices(fake, channel_id)) == 1
        assert (
            await db.fetch_value(
                "SELECT COUNT(*) FROM trivia_answers a JOIN trivia_games g ON g.id = a.game_id WHERE g.guild_id = ?",
                (guild_id,),
            )
            >= 2
        )  # the answers of the questions the old process revealed are kept
    finally:
        for proc in (old, new):
            if proc is not None:
                await _kill(proc)
        await db.close()


def _open(fake, channel_id: int, number: int) -> dict | None:
    """The open (clickable) question ``number`` of the game in ``channel_id``, if it is up."""
    message = fake.latest_with_buttons(channel_id)
    if message is None or any(c.get("disabled") for row in message["components"] for c in row["components"]):
        return None
    title = (message["embeds"][0].get("title") or "") if message["embeds"] else ""
    return message if f"Question {number}" in title else None


def _notices(fake, channel_id: int) -> list[dict]:
    return [
        m
        for m in fake.messages.values()
        if m["channel_id"] == str(channel_id) and m["embeds"] and "interrupted" in (m["embeds"][0].get("title") or "")
    ]


async def _until_closed(db, guild_id: int) -> None:
    for _ in range(300):
        if await db.fetch_value("SELECT status FROM trivia_games WHERE guild_id = ?", (guild_id,)) == "interrupted":
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the game was never closed")


async def test_two_processes_started_together_make_each_release_event_once(fake, pg, catalog):
    """Both processes plan scheduled events for their own shards only: one event per release per server,
    each remembered by the bot (none orphaned)."""
    guilds, by_shard = [], {0: [], 1: []}
    while min(len(v) for v in by_shard.values()) < 4:
        guild = fake.add_guild(f"e{len(guilds)}", channels=1, bot_permissions=b.MEMBER_PERMS | b.CREATE_EVENTS)
        guilds.append(guild)
        by_shard[(int(guild["id"]) >> 22) % 2].append(guild)
        await asyncio.sleep(0.0011)
    url = await pg.fresh()
    db = await open_database(url)
    await migrate(db)
    services = build_services(db, catalog, ManualClock(DUE - dt.timedelta(days=1)), random.Random(1))
    for guild in guilds:
        await services.countdown.add_event(
            int(guild["id"]), 1, name="Watch party", date="2027-06-01", time="20:00", timezone="UTC"
        )
        await services.release_events.set_enabled(int(guild["id"]), True)
    env = {"SHARD_COUNT": "2", "PROCBOT_CLOCK_START": DUE.isoformat()}
    procs = []
    try:
        procs = list(
            await asyncio.gather(
                spawn(fake, url, shards=(0,), SHARD_IDS="0", **env), spawn(fake, url, shards=(1,), SHARD_IDS="1", **env)
            )
        )
        for guild in guilds:
            await fake.wait_until(
                lambda g=guild: len(fake.scheduled_events.get(int(g["id"]), {})) >= 1, 60, f"events in {guild['name']}"
            )
        await asyncio.sleep(1.0)  # time for any second create to arrive
    finally:
        for proc in procs:
            await _kill(proc)
    for guild in guilds:
        made = list(fake.scheduled_events[int(guild["id"])].values())
        assert [e["name"] for e in made] == ["Watch party"], guild["name"]
        remembered = await db.fetch_all(
            "SELECT discord_event_id FROM scheduled_events WHERE guild_id = ?", (int(guild["id"]),)
        )
        assert [int(r[0]) for r in remembered] == [int(made[0]["id"])]  # the bot knows the one it made
    await db.close()
