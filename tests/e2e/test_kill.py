"""SIGKILL the real bot process at random moments, 20 times each, during trivia and during a broadcast.

The bot runs as its own process (``tests/procbot.py``: the real entry point on scaled time) so
the kill is a real one: no ``finally``, no closing of the database. Both stores: after every
kill an SQLite file must pass ``PRAGMA integrity_check`` and on either store the points histogram
must equal a recount of the scores; at the end no revealed answer is missing, no point is
counted twice, every interrupted game was closed and said so, and no server got two countdown
posts for one day.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from pathlib import Path

from bot.localdiscord import LocalDiscord
from bot.localdiscord import builders as b
from bot.localdiscord.server import Interaction, button_ids
from bot.services import build_services
from bot.services.countdown import post_nonce
from bot.services.daily import daily_nonce
from bot.storage import open_database
from bot.storage.migrate import migrate
from tests.clocks import ManualClock
from tests.conftest import daily_countdown
from tests.dbquery import query
from tests.procbot import spawn

KILLS = 20
PLAYERS = [b.user(1000 + i, f"player{i}") for i in range(4)]


async def _assert_intact(target: Path | str) -> None:
    if isinstance(target, Path):
        assert await query(target, "PRAGMA integrity_check") == [("ok",)]
    histogram = await query(target, "SELECT guild_id, points, players FROM trivia_points_histogram WHERE players > 0")
    recount = await query(
        target, "SELECT guild_id, points, COUNT(*) FROM trivia_scores WHERE answered > 0 GROUP BY guild_id, points"
    )
    assert sorted(histogram) == sorted(recount)


async def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


def _open_question(fake: LocalDiscord, channel_id: int) -> dict | None:
    message = fake.latest_with_buttons(channel_id)
    if message is None or any(c.get("disabled") for row in message["components"] for c in row["components"]):
        return None
    return message


async def _click_along(fake, guild, channels, rng: random.Random, clicks: list[Interaction]) -> None:
    """Members answer (and sometimes answer twice) whatever question is open, until cancelled."""
    while True:
        for channel_id in channels:
            message = _open_question(fake, channel_id)
            if message is not None:
                ids = button_ids(message)
                player = rng.choice(PLAYERS)
                clicks.append(await fake.click(int(message["id"]), rng.choice(ids), guild, user_obj=player))
        await asyncio.sleep(0.02)


async def test_sigkill_during_trivia_loses_nothing_revealed_and_counts_nothing_twice(fake, db_target):
    guild = fake.add_guild(channels=2)
    channels = fake.channel_ids(guild)
    db_path = db_target
    rng = random.Random(20261125)
    clicks: list[Interaction] = []
    env = {"PROCBOT_CLOCK_SPEED": "20"}  # a 5 s question closes in 0.25 s
    proc = await spawn(fake, db_path, **env)
    try:
        await fake.wait_for("PUT", r"/commands$")
        moderator = b.MODERATOR_PERMS
        await fake.reply_to(await fake.slash("settings trivia-seconds", guild, permissions=moderator, seconds=5))
        for cycle in range(KILLS):
            if cycle:
                proc = await spawn(fake, db_path, **env)
            for channel_id in channels:
                await fake.reply_to(await fake.slash("trivia start", guild, channel_id=channel_id, questions=3))
            clicker = asyncio.create_task(_click_along(fake, guild, channels, rng, clicks))
            await asyncio.sleep(rng.uniform(0.05, 1.8))
            await _kill(proc)
            clicker.cancel()
            await _assert_intact(db_path)
        # One last start closes whatever the last kill cut short.
        proc = await spawn(fake, db_path, **env)
        for _ in range(200):
            if not await query(db_path, "SELECT id FROM trivia_games WHERE status = 'running'"):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
    finally:
        await _kill(proc)
    await _assert_intact(db_path)

    games = await query(db_path, "SELECT id, channel_id, status, current_message_id FROM trivia_games")
    assert len(games) == 2 * KILLS
    assert not [g for g in games if g[2] == "running"], "every interrupted game is closed at the next start"
    assert any(g[2] == "interrupted" for g in games) and any(g[2] == "finished" for g in games)
    for game_id, channel_id, status, message_id in games:
        if status != "interrupted":
            continue
        edited = message_id in fake.messages and "interrupted" in fake.messages[message_id]["embeds"][0]["title"]
        assert edited or (channel_id, f"trivia-int-{game_id}") in fake.nonces, f"game {game_id} closed silently"

    # Every question Discord shows as revealed is in the database, with every answer that was locked in.
    revealed = set(await query(db_path, "SELECT game_id, number FROM trivia_questions_revealed"))
    answers = set(await query(db_path, "SELECT game_id, number, user_id FROM trivia_answers"))
    shown = set()
    for rec in fake.requests:
        if rec.method == "PATCH" and rec.status == 200 and rec.body and rec.body.get("components"):
            buttons = [c for row in rec.body["components"] for c in row["components"]]
            if all(c.get("disabled") for c in buttons) and any(c.get("style") == 3 for c in buttons):
                _, game, number, _ = buttons[0]["custom_id"].split(":")
                shown.add((int(game), int(number)))
    assert shown, "some questions were revealed before the kills"
    assert shown <= revealed, f"revealed on Discord but lost: {shown - revealed}"
    for click in clicks:
        if click.callbacks and click.callbacks[0]["data"].get("content", "").startswith("Locked in"):
            _, game, number, _ = click.payload["data"]["custom_id"].split(":")
            if (int(game), int(number)) in shown:
                user = int(click.payload["member"]["user"]["id"])
                assert (int(game), int(number), user) in answers, "a locked-in answer to a revealed question"

    # Nothing counted twice: every member's totals are exactly the sum of their recorded answers.
    totals = await query(
        db_path,
        "SELECT s.user_id, s.points, s.answered, s.correct, s.games, "
        "(SELECT COALESCE(SUM(points), 0) FROM trivia_answers a WHERE a.user_id = s.user_id), "
        "(SELECT COUNT(*) FROM trivia_answers a WHERE a.user_id = s.user_id), "
        "(SELECT COALESCE(SUM(correct), 0) FROM trivia_answers a WHERE a.user_id = s.user_id), "
        "(SELECT COUNT(DISTINCT game_id) FROM trivia_answers a WHERE a.user_id = s.user_id) "
        "FROM trivia_scores s",
    )
    assert totals
    for user, points, answered, correct, played, sum_points, count, sum_correct, distinct_games in totals:
        assert (points, answered, correct, played) == (sum_points, count, sum_correct, distinct_games), user
    statuses = [g[2] for g in games]
    print(  # the closing note's figures: pytest -s tests/e2e/test_kill.py
        f"\nkill test, trivia, {_store(db_path)}: {KILLS} kills, {len(games)} games "
        f"({statuses.count('finished')} finished, {statuses.count('interrupted')} interrupted and closed), "
        f"{len(revealed)} questions revealed ({len(shown)} seen revealed on Discord, 0 lost), {len(answers)} answers "
        f"recorded, {len(totals)} members' totals equal to their answers (0 counted twice)"
    )


async def test_sigkill_during_broadcast_never_posts_twice_for_one_day(fake, db_target, catalog):
    """Countdown and question of the day due at the same minute in 60 servers, killed mid-broadcast."""
    fake.global_limit = 50
    guilds = [fake.add_guild(f"g{i}", channels=1) for i in range(60)]
    db_path = db_target
    day0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
    db = await open_database(db_path)
    await migrate(db)
    services = build_services(db, catalog, ManualClock(day0), random.Random(1))
    for guild in guilds:
        await daily_countdown(services, int(guild["id"]), fake.channel_ids(guild)[0])
        await services.daily.set_schedule(int(guild["id"]), fake.channel_ids(guild)[0], "09:00", "UTC")
    await db.close()

    rng = random.Random(7)
    proc = None
    try:
        for cycle in range(KILLS + 1):
            due = (day0 + dt.timedelta(days=cycle)).replace(hour=9) - dt.timedelta(seconds=0.5)
            proc = await spawn(fake, db_path, PROCBOT_CLOCK_START=due.isoformat())
            if cycle < KILLS:
                await asyncio.sleep(rng.uniform(0.3, 2.5))
                await _kill(proc)
                await _assert_intact(db_path)
        last_day = (day0 + dt.timedelta(days=KILLS)).date()
        for guild in guilds:  # the final, uninterrupted day reaches everyone
            for nonce in (post_nonce(int(guild["id"]), last_day), daily_nonce(int(guild["id"]), last_day)):
                await fake.wait_until(
                    lambda g=guild, n=nonce: (fake.channel_ids(g)[0], n) in fake.nonces, 30, "the last day's posts"
                )
    finally:
        if proc is not None:
            await _kill(proc)
    await _assert_intact(db_path)

    days = [(day0 + dt.timedelta(days=i)).date() for i in range(KILLS + 1)]
    per_day = [sum((fake.channel_ids(g)[0], post_nonce(int(g["id"]), d)) in fake.nonces for g in guilds) for d in days]
    assert any(0 < n < len(guilds) for n in per_day), f"no kill landed mid-broadcast: {per_day}"
    for guild in guilds:
        channel_id = fake.channel_ids(guild)[0]
        stored = [m for m in fake.messages.values() if m["channel_id"] == str(channel_id)]
        known = {post_nonce(int(guild["id"]), d) for d in days} | {daily_nonce(int(guild["id"]), d) for d in days}
        posted = [n for (c, n) in fake.nonces if c == channel_id]
        assert set(posted) <= known, "every post carries its day's nonce"
        assert len(stored) == len(posted), f"{len(stored)} messages for {len(posted)} posts in {guild['name']}"
        questions = [m for m in stored if m["embeds"] and "Question of the day" in m["embeds"][0]["title"]]
        assert len(questions) == len({m["nonce"] for m in questions}) <= len(days)  # at most one a day
    assert not fake.rate_limited
    posts = len(fake.nonces)
    print(  # the closing note's figures: pytest -s tests/e2e/test_kill.py
        f"\nkill test, broadcast, {_store(db_path)}: {KILLS} kills over {len(days)} days x {len(guilds)} servers, "
        f"{posts} posts, countdown posts per day {per_day}, 0 doubles, 0 x 429"
    )


def _store(target: Path | str) -> str:
    return "SQLite" if isinstance(target, Path) else "PostgreSQL"
