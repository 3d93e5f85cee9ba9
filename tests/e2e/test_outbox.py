"""The outbox where Discord forgets: posts, questions and reveals done once across a kill, bad rows, adoption.

Discord deduplicates an ``enforce_nonce`` send only "in the past few minutes", and the stand-in
now forgets too (``fake.nonce_window``). A process killed after Discord stored its post but before
it recorded it, and started again after that window, must find its own post in the channel and
adopt it, not send it again; an edit it may have made is read before it is made again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from pathlib import Path

import pytest

import bot.ui.rest
from bot.domain.outbox import Kind
from bot.localdiscord import builders as b
from bot.services import build_services
from bot.storage import open_database
from bot.storage.migrate import migrate
from tests.clocks import ManualClock
from tests.conftest import settle, start_bot
from tests.dbquery import query
from tests.procbot import spawn

DAY1 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
DAY2 = DAY1 + dt.timedelta(days=1)
WINDOW = 1.0  # seconds: Discord's nonce window, for the stand-in and the bot alike


async def _rows(target: Path | str, guild_id: int) -> dict[tuple[str, str], tuple[str, str | None]]:
    rows = await query(target, "SELECT kind, key, state, outcome FROM outbox WHERE guild_id = ?", (guild_id,))
    return {(kind, key): (state, outcome) for kind, key, state, outcome in rows}


async def _configure(target: Path | str, guild_id: int, channel_id: int, daily_channel_id: int) -> None:
    """A countdown (with an event ahead, so every day posts) and a question of the day, both at 09:00 UTC.

    Two channels: discord.py sends one request at a time on a route it has not seen rate-limit headers
    for, so posts in one channel would queue behind the first (hung) one and never reach Discord."""
    db = await open_database(target)
    try:
        await migrate(db)
        services = build_services(db, _catalog(), ManualClock(DAY1 - dt.timedelta(days=1)), random.Random(3))
        await services.countdown.set_channel(guild_id, channel_id)
        await services.countdown.set_time(guild_id, "09:00", "UTC")
        await services.countdown.add_event(guild_id, 1, name="Watch party", date="2027-06-01", time=None, timezone=None)
        await services.daily.set_schedule(guild_id, daily_channel_id, "09:00", "UTC")
    finally:
        await db.close()


def _catalog():  # the session fixture is not available to a plain helper; the content loads in ~20 ms
    from bot.content.loader import load_catalog
    from tests.conftest import DATA

    return load_catalog(DATA)


def _env(start: dt.datetime) -> dict[str, str]:
    return {"PROCBOT_CLOCK_START": start.isoformat(), "PROCBOT_CLOCK_SPEED": "1", "NONCE_WINDOW_SECONDS": str(WINDOW)}


async def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


async def test_a_kill_after_discord_stored_the_posts_and_the_reveal_never_doubles_them(fake, db_target):
    """Day 2's countdown post, question of the day and the reveal of day 1's question all reach Discord,
    which never answers; the process is SIGKILLed; Discord's nonce window passes; the next process
    finds each in the channel and adopts it: one post of each, one edit, nothing sent twice."""
    fake.nonce_window = WINDOW
    guild = fake.add_guild(channels=2)
    guild_id = int(guild["id"])
    channel_id, daily_id = fake.channel_ids(guild)
    await _configure(db_target, guild_id, channel_id, daily_id)
    posts = rf"^/channels/({channel_id}|{daily_id})/messages$"

    proc = await spawn(fake, db_target, **_env(DAY1 - dt.timedelta(seconds=2)))  # day 1 goes normally
    try:
        await fake.wait_for("POST", posts, lambda r: r.status == 200, count=2, timeout=30)
        await _rows_until(
            db_target, guild_id, lambda rows: len(rows) == 2 and all(v[0] == "done" for v in rows.values())
        )
    finally:
        await _kill(proc)
    question1 = next(m for m in fake.messages.values() if m["channel_id"] == str(daily_id) and m.get("components"))

    # Day 2: Discord stores both posts and applies the reveal, then never answers any of the three.
    fake.inject("POST", posts, store_then="hang", times=2)
    fake.inject("PATCH", rf"^/channels/{daily_id}/messages/{question1['id']}$", store_then="hang")
    proc = await spawn(fake, db_target, **_env(DAY2 - dt.timedelta(seconds=2)))
    try:
        await fake.wait_until(
            lambda: (
                len([r for r in fake.find("POST", posts) if r.handled == 200]) == 4
                and [r for r in fake.find("PATCH", r"/messages/") if r.handled == 200]
            ),
            30,
            "Discord storing day 2's posts and the reveal",
        )
    finally:
        await _kill(proc)  # before the bot heard back: its rows say "attempting", outcome unknown
    before = await _rows(db_target, guild_id)
    assert before[("countdown", DAY2.date().isoformat())][0] == "attempting"
    await asyncio.sleep(WINDOW * 1.5)  # Discord's nonce window passes: a resend would now be a second post

    proc = await spawn(fake, db_target, **_env(DAY2 + dt.timedelta(seconds=30)))
    try:
        day2 = DAY2.date().isoformat()
        wanted = {("countdown", day2), ("daily-question", day2), ("daily-reveal", DAY1.date().isoformat())}
        await _rows_until(db_target, guild_id, lambda rows: all(rows.get(k, ("",))[0] == "done" for k in wanted), 30)
    finally:
        await _kill(proc)
    rows = await _rows(db_target, guild_id)
    assert {k: rows[k] for k in wanted} == dict.fromkeys(wanted, ("done", "adopted"))
    countdowns = [m for m in fake.messages.values() if m["channel_id"] == str(channel_id)]
    questions = [m for m in fake.messages.values() if m["channel_id"] == str(daily_id)]
    assert len(countdowns) == 2 and len(questions) == 2, "one countdown post and one question a day, never two"
    assert len(fake.find("POST", posts)) == 4, "nothing was sent again after the window"
    assert len(fake.find("PATCH", rf"/messages/{question1['id']}$")) == 1, "the reveal was read, not made again"
    for channel in (channel_id, daily_id):
        assert fake.find("GET", rf"^/channels/{channel}/messages$"), "the channel was read before any resend"
    assert all(c["disabled"] for row in fake.messages[int(question1["id"])]["components"] for c in row["components"])
    day2_question = await query(
        db_target,
        "SELECT status, message_id FROM daily_questions WHERE guild_id = ? AND local_date = ?",
        (guild_id, DAY2.date().isoformat()),
    )
    assert day2_question == [("posted", int(questions[-1]["id"]))], "the adopted post is open for answers"


async def _rows_until(target: Path | str, guild_id: int, predicate, timeout: float = 15.0) -> None:
    """Wait until the server's outbox rows satisfy ``predicate`` (the bot's own record: poll it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate(rows := await _rows(target, guild_id)):
        assert loop.time() < deadline, f"timed out; the outbox holds {rows}"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    ("why", "reason"),
    [
        ("missing-access", "Read Message History"),
        ("no-read-history", "Read Message History"),
        ("busy", "more than 300 messages"),
    ],
)
async def test_a_channel_that_cannot_be_read_skips_the_day_rather_than_risk_a_second_post(
    fake, tmp_path, catalog, manual_clock, monkeypatch, why, reason
):
    """At most once beats twice: an unknown earlier attempt and no way to look means no resend.

    Without Read Message History Discord answers the history with an empty list, not an error, so
    the bot must not take "nothing there" for "never posted". A channel so busy that the post could
    lie past the most the bot reads (300 messages) is not "never posted" either."""
    monkeypatch.setattr(bot.ui.rest, "REST_TIMEOUT", 0.3)
    fake.nonce_window = 0.5
    guild = fake.add_guild(bot_permissions=b.MEMBER_PERMS & ~b.READ_HISTORY if why == "no-read-history" else None)
    if why == "no-read-history":  # nobody has it here: not @everyone either
        everyone = next(r for r in guild["roles"] if r["id"] == guild["id"])
        everyone["permissions"] = str(b.MEMBER_PERMS & ~b.READ_HISTORY)
    guild_id, channel_id = int(guild["id"]), fake.channel_ids(guild)[1]
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock, extra_env=_window(0.5))
    try:
        await handle.services.countdown.set_channel(guild_id, channel_id)
        await handle.services.countdown.add_event(
            guild_id, 1, name="Watch party", date="2027-06-01", time=None, timezone=None
        )
        fake.inject("POST", rf"^/channels/{channel_id}/messages$", store_then="hang")
        if why == "no-read-history":
            fake.historyless_channels.add(channel_id)
        elif why == "missing-access":
            fake.unreadable_channels.add(channel_id)
        if why == "busy":  # the stand-in stamps messages with the real time, later than the bot's clock: the
            # bot reads these 301 before its own post, as it would after a burst of chat around the due time
            for i in range(301):
                fake.post_message(channel_id, {"content": f"members chatting, message {i}"})
        await manual_clock.set(dt.datetime(2026, 11, 26, 9, 0, 5, tzinfo=dt.UTC))
        await fake.wait_until(lambda: fake.find("POST", rf"/channels/{channel_id}/messages$"), 10, "the first try")
        await _until(handle, guild_id, "attempting")  # timed out: the outcome is unknown
        await asyncio.sleep(0.6)  # past the nonce window
        await manual_clock.advance(31)  # the retry
        await _until(handle, guild_id, "abandoned")
        record = await handle.services.outbox.latest(guild_id, Kind.COUNTDOWN)
        assert record is not None and reason in str(record.reason)  # a Text, rendered in English
        assert len(fake.find("POST", rf"/channels/{channel_id}/messages$")) == 1, "never sent a second time"
        shown = await fake.reply_to(await fake.slash("settings show", guild, permissions=b.MODERATOR_PERMS))
        assert reason in str(shown["data"]["embeds"])
    finally:
        await handle.stop()


async def _until(handle, guild_id: int, state: str, timeout: float = 10.0) -> None:
    """Wait until the server's latest countdown row is in ``state`` (the bot's own record: poll it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        record = await handle.services.outbox.latest(guild_id, Kind.COUNTDOWN)
        if record is not None and str(record.state) == state:
            return
        assert loop.time() < deadline, f"the countdown row never became {state}: {record}"
        await asyncio.sleep(0.02)


def _window(seconds: float) -> dict[str, str]:
    return {"NONCE_WINDOW_SECONDS": str(seconds)}


async def test_a_schedule_with_an_unknown_zone_is_turned_off_and_the_others_still_post(
    fake, db_target, catalog, manual_clock
):
    """One bad row (a zone a tzdata update removed) never stops the other servers' posts; moderators see why."""
    guilds = [fake.add_guild(f"g{i}", channels=1) for i in range(3)]
    handle = await start_bot(fake, db_target, catalog, clock=manual_clock)
    try:
        for guild in guilds:
            await handle.services.countdown.set_channel(int(guild["id"]), fake.channel_ids(guild)[0])
            await handle.services.countdown.add_event(
                int(guild["id"]), 1, name="Watch party", date="2027-06-01", time=None, timezone=None
            )
            await handle.services.daily.set_schedule(int(guild["id"]), fake.channel_ids(guild)[0], "09:00", "UTC")
        broken = int(guilds[0]["id"])
        await handle.db.execute(
            "UPDATE guild_config SET countdown_timezone = 'Mars/Olympus_Mons', daily_timezone = 'Mars/Olympus_Mons' "
            "WHERE guild_id = ?",
            (broken,),
        )
        await manual_clock.set(dt.datetime(2026, 11, 26, 9, 0, 5, tzinfo=dt.UTC))
        for guild in guilds[1:]:
            await fake.wait_for("POST", rf"^/channels/{fake.channel_ids(guild)[0]}/messages$", count=2)
        await settle()
        assert fake.channel_posts(fake.channel_ids(guilds[0])[0]) == []
        shown = await fake.reply_to(await fake.slash("settings show", guilds[0], permissions=b.MODERATOR_PERMS))
        text = str(shown["data"]["embeds"])
        assert "Mars/Olympus_Mons" in text and "/settings countdown-time" in text
        assert "/settings daily-question" in text
    finally:
        await handle.stop()
