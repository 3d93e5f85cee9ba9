"""One owner per piece of state, proven over the stand-in where the old code broke.

- a game's lifecycle: the opening reply failing (5xx, a hang), a game task crashing mid-question;
- who sees an answer: every moderator command and every error stays private even when a slow
  database forces the "thinking…" deferral;
- the countdown scheduler: a failing database read does not end it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3

import pytest

import bot.storage.sqlite
import bot.ui.replies
import bot.ui.rest
from bot.i18n.text import render
from bot.localdiscord import builders as b
from bot.localdiscord.server import Interaction, button_ids
from bot.services.countdown import CountdownService
from bot.storage.trivia import TriviaRepository
from cogs.trivia._cog import START_FAILED_TEXT
from cogs.trivia._display import CRASH_NOTICE_TEXT
from tests.conftest import daily_countdown, settle, start_bot
from tests.e2e.test_server_packs import PACK

ALICE = b.user(3000, "alice")
CALLBACK = r"^/interactions/\d+/[^/]+/callback$"


def _game_statuses(db_path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return [row[0] for row in conn.execute("SELECT status FROM trivia_games ORDER BY id")]


async def _second_start_runs(fake, guild, channel_id) -> None:
    again = await fake.reply_to(await fake.slash("trivia start", guild, questions=1))
    assert again["type"] == 4 and "Heartstopper trivia" in again["data"]["embeds"][0]["title"]
    await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$")


async def test_start_whose_reply_fails_with_5xx_closes_the_game_and_frees_the_channel(
    fake, tmp_path, catalog, manual_clock
):
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[0]
    db_path = tmp_path / "bot.sqlite3"
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock)
    try:
        # 500, then 500 again after discord.py's 1 s retry; its next retry comes after Discord's 3 s: 10062.
        fake.inject("POST", CALLBACK, 500, times=2)
        inter = await fake.slash("trivia start", guild, questions=1)
        await fake.wait_until(lambda: 404 in fake.callback_statuses(inter), 15, "the expired interaction")
        await settle()
        assert handle.services.trivia.live_in(channel_id) is None
        assert _game_statuses(db_path) == ["interrupted"]
        assert fake.channel_posts(channel_id) == []  # no question went out for a game nobody saw start
        await _second_start_runs(fake, guild, channel_id)
    finally:
        await handle.stop()


async def test_start_whose_reply_hangs_tells_the_member_and_frees_the_channel(
    fake, tmp_path, catalog, manual_clock, monkeypatch
):
    monkeypatch.setattr(bot.ui.rest, "REST_TIMEOUT", 1.0)
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[0]
    db_path = tmp_path / "bot.sqlite3"
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock)
    try:
        fake.inject("POST", CALLBACK, 200, delay=2.0)  # Discord sits on the opening reply
        inter = await fake.slash("trivia start", guild, questions=1)
        answer = await fake.reply_to(inter, timeout=10)
        assert answer["data"]["flags"] == 64 and answer["data"]["content"] == render(START_FAILED_TEXT, "en")
        await settle()
        assert handle.services.trivia.live_in(channel_id) is None
        assert _game_statuses(db_path) == ["interrupted"]
        await asyncio.sleep(1.2)  # the hung reply comes back (refused: already answered)
        await _second_start_runs(fake, guild, channel_id)
    finally:
        await handle.stop()


async def test_game_task_that_crashes_mid_question_tells_the_channel_and_keeps_points(
    fake, tmp_path, catalog, manual_clock, monkeypatch
):
    real_record = TriviaRepository.record_question

    async def record_then_fail_on_the_second(self, **kwargs):
        if kwargs["number"] == 2:
            raise RuntimeError("disk on fire")
        return await real_record(self, **kwargs)

    monkeypatch.setattr(TriviaRepository, "record_question", record_then_fail_on_the_second)
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[0]
    db_path = tmp_path / "bot.sqlite3"
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock)
    try:
        await fake.reply_to(await fake.slash("trivia start", guild, questions=3, user_obj=ALICE))
        session = handle.services.trivia.live_in(channel_id)
        for number in (1, 2):
            await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$", count=number)
            message = fake.latest_with_buttons(channel_id)
            right = button_ids(message)[session.game.current.correct_index]
            await fake.reply_to(await fake.click(int(message["id"]), right, guild, user_obj=ALICE))
            await manual_clock.advance(21)
            if number == 1:
                await fake.wait_for("PATCH", rf"^/channels/{channel_id}/messages/\d+$")
                await settle()
                await manual_clock.advance(5)
        posts = await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$", count=3)
        assert posts[-1].body["content"] == render(CRASH_NOTICE_TEXT, "en")
        await settle()
        assert handle.services.trivia.live_in(channel_id) is None
        assert _game_statuses(db_path) == ["interrupted"]
        stats = (await handle.services.trivia.stats(int(guild["id"]), int(ALICE["id"]))).score
        assert stats.correct == 1 and stats.answered == 1  # the revealed question's points stay
        await _second_start_runs(fake, guild, channel_id)
    finally:
        await handle.stop()


@pytest.fixture
def slow_database(monkeypatch):
    """Every query takes 0.15 s and the auto-deferral comes after 0.1 s: every command that reads
    or writes is deferred before it answers, as on a busy day with Discord's 3 s and 2.2 s."""
    monkeypatch.setattr(bot.ui.replies, "AUTO_DEFER_AFTER", 0.1)

    def slowed(real):
        async def query(conn, sql, *args, **kwargs):
            if not sql.lstrip().startswith(("CREATE", "ALTER", "DROP", "PRAGMA")):  # start-up's migrations stay quick
                await asyncio.sleep(0.15)
            return await real(conn, sql, *args, **kwargs)

        return query

    for name in ("_fetch_one", "_fetch_all", "_execute"):
        monkeypatch.setattr(bot.storage.sqlite, name, slowed(getattr(bot.storage.sqlite, name)))


async def _settled(fake, inter) -> list[dict]:
    """Wait until the member has the final answer (the callback, and after a deferral the follow-up)."""
    first = await fake.reply_to(inter, timeout=15)
    if first["type"] == 5:
        await fake.followup_of(inter, timeout=15)
    await settle()
    return inter.visible_to_others(fake.messages)


async def test_moderator_commands_and_errors_stay_private_when_deferred(
    fake, tmp_path, catalog, manual_clock, slow_database
):
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[1]
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
    mod = {"permissions": b.MODERATOR_PERMS, "user_obj": ALICE}
    moderator_commands = [
        ("settings show", {}),
        ("settings countdown-channel", {"channel": channel_id}),
        ("settings countdown-time", {"time": "18:30", "timezone": "Europe/London"}),
        ("settings countdown-off", {}),
        ("settings spoilers", {"season": 2}),
        ("settings trivia-seconds", {"seconds": 30}),
        ("settings trivia-channels", {"action": "anywhere"}),
        ("settings daily-question", {"channel": channel_id, "time": "18:00", "timezone": "Europe/London"}),
        ("settings daily-question-off", {}),
        ("settings release-events", {"state": "on"}),
        ("settings language", {"language": "en"}),
        ("event add", {"name": "Watch party", "date": "2027-06-01"}),
        ("event remove", {"name": "Watch party"}),
        ("trivia reset", {}),
        ("trivia pack-upload", {"file": {"filename": "p.yaml", "content": PACK.encode()}}),
        ("trivia pack-remove", {"pack": "our-fandom"}),
    ]
    errors = [
        ("cast", {"name": "zzqqxx"}, {}),
        ("episode", {"which": "S9E9"}, {}),
        ("countdown", {"release": "nothing like this"}, {}),
        ("trivia start", {"pack": "no-such-pack"}, {}),
        ("trivia leaderboard", {}, {}),  # not an error: a public command still answers in public
        ("event add", {"name": "Party", "date": "2020-01-01"}, mod),
        ("event remove", {"name": "never added"}, mod),
        ("settings countdown-time", {"time": "25:99", "timezone": "UTC"}, mod),
        ("settings show", {}, {}),  # a member without Manage Server
    ]
    try:
        synced_moderator = {
            f"{c['name']} {o['name']}"
            for c in fake.commands["global"]
            for o in c.get("options", [])
            if c["name"] == "settings" or (c["name"], o["name"]) in {("event", "add"), ("event", "remove")}
        } | {"trivia reset", "trivia pack-upload", "trivia pack-remove"}
        assert synced_moderator == {name for name, _ in moderator_commands}  # every one is tried
        for name, options in moderator_commands:
            inter = await fake.slash(name, guild, **mod, **options)
            assert await _settled(fake, inter) == [], f"/{name} answered in public"
            if name == "trivia reset":  # asks to confirm at once; the wipe itself is the slow part
                confirm = button_ids(fake.messages[inter.original_message_id])[0]
                await fake.reply_to(await fake.click(inter.original_message_id, confirm, guild, user_obj=ALICE))
                done = await fake.followup_of(inter, timeout=15)
                assert "scores wiped" in done["content"] and int(done["flags"]) & 64
            else:
                assert inter.callbacks[0]["type"] == 5, f"/{name} was not slow enough to be deferred"

        async def answered(name: str, options: dict, who: dict) -> tuple[Interaction, list]:
            inter = await fake.slash(name, guild, **who, **options)
            return inter, await _settled(fake, inter)

        # Independent of each other (none writes), so all at once: each is still slow enough to be deferred.
        results = await asyncio.gather(*(answered(*error) for error in errors))
        for (name, _options, _who), (inter, seen) in zip(errors, results, strict=True):
            if name == "trivia leaderboard":
                assert len(seen) == 1 and seen[0]["embeds"]
            else:
                assert seen == [], f"/{name} showed its error in public"
                assert inter.followups or inter.callbacks[0]["data"]["flags"] == 64
    finally:
        await handle.stop()


async def test_scheduler_survives_a_failing_database_read(fake, tmp_path, catalog, manual_clock, monkeypatch):
    real_next_due = CountdownService.next_due_at
    failed = asyncio.Event()

    async def fails_once(self):
        if not failed.is_set():
            failed.set()
            raise sqlite3.OperationalError("disk I/O error")
        return await real_next_due(self)

    monkeypatch.setattr(CountdownService, "next_due_at", fails_once)
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[0]
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
    try:
        await daily_countdown(handle.services, int(guild["id"]), channel_id)
        await asyncio.wait_for(failed.wait(), 30)  # the scheduler's first pass, right after READY
        await settle()  # ...which then sleeps until its retry
        await manual_clock.set(dt.datetime(2026, 11, 26, 9, 0, 5, tzinfo=dt.UTC))
        await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$")
        for _ in range(300):  # the pass records itself once the post is marked sent
            if handle.bot.scheduler.last_pass_at and handle.bot.scheduler.last_pass_at >= manual_clock.now():
                break
            await asyncio.sleep(0.05)
        about = await fake.reply_to(await fake.slash("about", guild))
        fields = {f["name"]: f["value"] for f in about["data"]["embeds"][0]["fields"]}
        assert fields["Scheduler"].startswith("last ran <t:")
    finally:
        await handle.stop()
