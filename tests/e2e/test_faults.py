"""Faults from outside: the gateway drops, Discord's REST answers 429/5xx or hangs, the database is locked.

Each test runs the real bot against the stand-in and checks that it carried on: the game kept
its answers and points, the countdown reached its channel exactly once, every reply arrived.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys

import bot.ui.rest
from bot.localdiscord import builders as b
from bot.localdiscord.server import button_ids
from tests.conftest import daily_countdown, delivered, settle, start_bot

ALICE, BEN, CARA = (b.user(2000 + i, n) for i, n in enumerate(("alice", "ben", "cara")))


async def _answer_right(fake, handle, guild, channel_id, user):
    message = fake.latest_with_buttons(channel_id)
    live = handle.services.trivia.live_in(channel_id)
    custom_id = button_ids(message)[live.game.current.correct_index]
    reply = await fake.reply_to(await fake.click(int(message["id"]), custom_id, guild, user_obj=user))
    assert reply["data"]["content"].startswith("Locked in"), reply


async def test_gateway_drops_resume_or_reidentify_and_game_and_schedule_carry_on(
    fake, db_target, catalog, manual_clock
):
    guild = fake.add_guild()
    game_channel, countdown_channel = fake.channel_ids(guild)
    handle = await start_bot(fake, db_target, catalog, clock=manual_clock)
    try:
        await daily_countdown(handle.services, int(guild["id"]), countdown_channel)
        await fake.reply_to(await fake.slash("trivia start", guild, channel_id=game_channel, questions=1))
        await fake.wait_for("POST", rf"^/channels/{game_channel}/messages$")

        await fake.drop_connection()  # the socket closes under the bot
        await fake.wait_until(lambda: len(fake.resumes) == 1, 15, "a RESUME after the socket closed")
        await _answer_right(fake, handle, guild, game_channel, ALICE)

        await fake.send_op(7)  # Discord asks for a reconnect
        await fake.wait_until(lambda: len(fake.resumes) == 2, 15, "a RESUME after op 7")
        await _answer_right(fake, handle, guild, game_channel, BEN)

        fake.refuse_next_resume = True  # the session is gone: op 9, so the bot must identify afresh
        await fake.send_op(7)
        await fake.wait_until(lambda: len(fake.identifies) == 2, 20, "a fresh IDENTIFY after op 9")
        await fake.ready_sent.wait()
        await _answer_right(fake, handle, guild, game_channel, CARA)

        await manual_clock.advance(21)
        reveal = await fake.wait_for("PATCH", rf"^/channels/{game_channel}/messages/\d+$")
        who = reveal[-1].body["embeds"][0]["fields"][0]["value"]
        assert all(f"<@{u['id']}>" in who for u in (ALICE, BEN, CARA))
        await settle()
        for user in (ALICE, BEN, CARA):
            stats = (await handle.services.trivia.stats(int(guild["id"]), int(user["id"]))).score
            assert stats.correct == 1

        await manual_clock.set(dt.datetime(2026, 11, 26, 9, 0, 5, tzinfo=dt.UTC))
        await fake.wait_for("POST", rf"^/channels/{countdown_channel}/messages$")
    finally:
        await handle.stop()


async def test_rest_429s_5xx_and_a_hung_request_during_a_game(fake, db_target, catalog, manual_clock, monkeypatch):
    monkeypatch.setattr(bot.ui.rest, "REST_TIMEOUT", 1.8)  # room for one 1 s retry
    guild = fake.add_guild()
    channel = fake.channel_ids(guild)[0]
    handle = await start_bot(fake, db_target, catalog, clock=manual_clock)
    try:
        posts, edits = rf"^/channels/{channel}/messages$", rf"^/channels/{channel}/messages/\d+$"
        fake.inject("POST", posts, 429, body={"retry_after": 0.2, "global": True})  # the global limit
        await fake.reply_to(await fake.slash("trivia start", guild, questions=2))
        await fake.wait_for("POST", posts, lambda r: r.status == 200, timeout=15)
        await _answer_right(fake, handle, guild, channel, ALICE)

        fake.inject("PATCH", edits, 500)  # the reveal meets a server error: discord.py retries after 1 s
        await manual_clock.advance(21)
        await fake.wait_for("PATCH", edits, lambda r: r.status == 200, timeout=15)
        await settle()
        fake.inject("POST", posts, 502)  # and so does the next question
        await manual_clock.advance(5)
        await fake.wait_for("POST", posts, lambda r: r.status == 200, count=2, timeout=15)
        await _answer_right(fake, handle, guild, channel, ALICE)

        fake.inject("PATCH", edits, 200, delay=4.0)  # Discord hangs on the second reveal
        fake.inject("POST", posts, 429, body={"retry_after": 0.2, "global": False})  # a route 429 on the standings
        await manual_clock.advance(21)
        final = await fake.wait_for("POST", posts, lambda r: r.status == 200, count=3, timeout=15)
        assert "Trivia over" in final[-1].body["embeds"][0]["title"]
        await settle()
        stats = (await handle.services.trivia.stats(int(guild["id"]), int(ALICE["id"]))).score
        assert stats.correct == 2 and stats.games == 1  # nothing lost to the failures
        assert handle.task.done() is False  # still running
    finally:
        await handle.stop()


async def test_countdown_post_that_hangs_is_retried_and_shown_once(fake, db_target, catalog, manual_clock, monkeypatch):
    monkeypatch.setattr(bot.ui.rest, "REST_TIMEOUT", 0.3)
    slow, fine = fake.add_guild("slow"), fake.add_guild("fine")
    handle = await start_bot(fake, db_target, catalog, clock=manual_clock)
    try:
        for guild in (slow, fine):
            await daily_countdown(handle.services, int(guild["id"]), fake.channel_ids(guild)[0])
        slow_channel, fine_channel = fake.channel_ids(slow)[0], fake.channel_ids(fine)[0]
        # Discord stores the slow post but answers after the bot has given up on it.
        fake.inject("POST", rf"^/channels/{slow_channel}/messages$", 200, delay=1.0)
        fake.inject("POST", rf"^/channels/{fine_channel}/messages$", 429, body={"retry_after": 0.2, "global": False})
        await manual_clock.set(dt.datetime(2026, 11, 26, 9, 0, 5, tzinfo=dt.UTC))
        await fake.wait_for("POST", rf"^/channels/{fine_channel}/messages$", lambda r: r.status == 200)
        await asyncio.sleep(1.2)
        await manual_clock.advance(31)  # the scheduler's retry after a failure
        await fake.wait_for("POST", rf"^/channels/{slow_channel}/messages$", count=2)
        await settle()
        stored = [m for m in fake.messages.values() if m["channel_id"] == str(slow_channel)]
        assert len(stored) == 1, "the retry reused the nonce, so Discord shows one post"
        assert await delivered(handle.db, "countdown", int(slow["id"])) == 1
        assert await delivered(handle.db, "countdown", int(fine["id"])) == 1
    finally:
        await handle.stop()


LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


async def test_database_locked_by_another_process_writes_wait_and_succeed(fake, tmp_path, catalog):
    guild = fake.add_guild()
    db_path = tmp_path / "bot.sqlite3"
    handle = await start_bot(fake, db_path, catalog)
    try:
        locker = await asyncio.create_subprocess_exec(
            sys.executable, "-c", LOCKER, str(db_path), "3.5", stdout=asyncio.subprocess.PIPE
        )
        assert (await locker.stdout.readline()).strip() == b"locked"
        inter = await fake.slash("settings trivia-seconds", guild, permissions=b.MODERATOR_PERMS, seconds=45)
        first = await fake.reply_to(inter, timeout=5)
        assert first["type"] == 5 and first["data"]["flags"] == 64  # deferred privately
        assert fake.callback_statuses(inter) == [200]  # within the stand-in's 3 s rule (late gets 10062)
        done = await fake.followup_of(inter, timeout=20)
        assert "45" in done["content"]
        await locker.wait()
        config = await handle.services.settings.get(int(guild["id"]))
        assert config.trivia_seconds == 45
    finally:
        await handle.stop()
