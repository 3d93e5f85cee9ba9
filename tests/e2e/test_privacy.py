"""Members' data end to end, on both stores: /privacy export and forget, ``forget-user``, and servers the bot left.

- ``/privacy export`` answers privately with a JSON attachment holding exactly the
  member's rows in that server and nobody else's;
- ``/privacy forget`` asks first (only the member can answer), then deletes; the others' leaderboard
  is unchanged, the points histogram equals a recount, and ``/trivia stats`` shows nothing for them;
- ``heartstopper-bot forget-user ID`` (the real entry point) does it for every server and says what;
- Discord removing the bot from a server (GUILD_DELETE) starts the retention window, an outage
  (GUILD_DELETE with ``unavailable``) does not, a comeback (GUILD_CREATE) cancels it, and once
  ``FORGET_LEFT_SERVERS_DAYS`` have passed on the scheduler's clock the server's rows are gone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sys
from collections.abc import Awaitable, Callable

from bot.localdiscord import builders as b
from bot.localdiscord.server import button_ids
from bot.storage.privacy import PrivacyRepository
from bot.storage.trivia import TriviaRepository
from tests.backup_load import histogram, recount
from tests.conftest import start_bot
from tests.privacy_seed import GAMES, QUESTIONS, rows_of, seed
from tests.procbot import database_env

ALICE, BEN, CARA = (b.user(1000 + i, n) for i, n in enumerate(("alice", "ben", "cara")))
IDS = [int(u["id"]) for u in (ALICE, BEN, CARA)]


async def eventually(check: Callable[[], Awaitable[bool]], what: str, tries: int = 500) -> None:
    """Poll ``check`` while the bot's tasks run (events are handled in their own tasks)."""
    for _ in range(tries):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


async def test_export_sends_exactly_the_members_data_and_forget_deletes_it(fake, db_target, catalog, manual_clock):
    guild, elsewhere = fake.add_guild(), fake.add_guild("Another server")
    here, there = int(guild["id"]), int(elsewhere["id"])
    handle = await start_bot(fake, db_target, catalog, clock=manual_clock)
    try:
        await seed(handle.db, here, IDS)
        await seed(handle.db, there, [IDS[0]])

        inter = await fake.slash("privacy export", guild, user_obj=ALICE)
        first = await fake.reply_to(inter)
        assert first["type"] == 4 and first["data"]["flags"] == 64 and "everything I store" in first["data"]["content"]
        # One private answer carries the file (the flags above cover it).
        [sent] = fake.find("POST", rf"^/interactions/{inter.id}/{inter.token}/callback$")
        [(_, filename, data)] = sent.files
        assert filename == f"heartstopper-data-{here}-{IDS[0]}.json"
        assert sent.body["data"]["attachments"][0]["filename"] == filename
        document = json.loads(data)
        assert document["server_id"] == str(here) and document["user_id"] == str(IDS[0])
        assert len(document["trivia"]["answers"]) == GAMES * QUESTIONS
        assert len(document["trivia"]["games_started"]) == GAMES
        stats = await TriviaRepository(handle.db).stats(here, IDS[0])
        assert document["trivia"]["score"]["points"] == stats.points
        assert len(document["question_of_the_day"]["answers"]) == 1 and document["question_of_the_day"]["streak"]
        assert [e["name"] for e in document["server_events_created"]] == ["Watch party"]
        assert str(IDS[1]) not in data.decode() and str(IDS[2]) not in data.decode() and str(there) not in data.decode()

        trivia = TriviaRepository(handle.db)
        others = [s for s in await trivia.leaderboard(here, 25) if s.user_id != IDS[0]]
        kept = await fake.slash("privacy forget", guild, user_obj=ALICE)
        await fake.reply_to(kept)
        keep = button_ids(fake.messages[kept.original_message_id])[1]
        await fake.reply_to(await fake.click(kept.original_message_id, keep, guild, user_obj=ALICE))
        assert "nothing was deleted" in fake.messages[kept.original_message_id]["content"]
        assert await trivia.stats(here, IDS[0]) is not None

        inter = await fake.slash("privacy forget", guild, user_obj=ALICE)
        ask = await fake.reply_to(inter)
        assert ask["data"]["flags"] == 64 and "Delete them?" in ask["data"]["content"]
        confirm = button_ids(fake.messages[inter.original_message_id])[0]
        refused = await fake.reply_to(await fake.click(inter.original_message_id, confirm, guild, user_obj=BEN))
        assert "Only the member who asked" in refused["data"]["content"] and refused["data"]["flags"] == 64
        await fake.reply_to(await fake.click(inter.original_message_id, confirm, guild, user_obj=ALICE))
        done = await fake.followup_of(inter)
        assert int(done["flags"]) & 64
        assert done["content"].startswith(f"Done: deleted {GAMES * QUESTIONS} trivia answer")
        assert "with your id removed" in done["content"]

        assert await trivia.leaderboard(here, 25) == others
        assert await histogram(handle.db, here) == await recount(handle.db, here)
        shown = await fake.reply_to(await fake.slash("trivia stats", guild, user_obj=ALICE))
        assert "No game answers on this server yet." in shown["data"]["embeds"][0]["description"]
        again = await fake.slash("privacy export", guild, user_obj=ALICE)
        assert "I store nothing about you" in (await fake.reply_to(again))["data"]["content"]
        assert (await rows_of(handle.db, there))["trivia_scores"]  # the other server is not this request's
    finally:
        await handle.stop()


async def test_forget_user_cli_forgets_a_member_in_every_server(db, db_target, tmp_path):
    here, there = 21 << 22, 22 << 22
    await seed(db, here, IDS)
    await seed(db, there, [IDS[1], IDS[0]])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATA_DIR", "DATABASE_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "forget-user",
        str(IDS[0]),
        env={**env, **database_env(db_target)},
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[0].startswith(f"server {here}: deleted {GAMES * QUESTIONS} trivia answer(s), 1 score row(s)")
    assert lines[1].startswith(f"server {there}: deleted {GAMES * QUESTIONS} trivia answer(s)")
    assert "removed their id from" in lines[0] and lines[2] == f"done: user {IDS[0]} forgotten in 2 server(s)"
    assert await PrivacyRepository(db).guilds_of_member(IDS[0]) == []
    assert await PrivacyRepository(db).guilds_of_member(IDS[1]) == sorted([here, there])
    for guild in (here, there):
        assert await histogram(db, guild) == await recount(db, guild)


async def test_a_server_that_removed_the_bot_is_forgotten_after_the_window_unless_it_comes_back(
    fake, db_target, catalog, manual_clock
):
    outage, removed, back = fake.add_guild("Outage"), fake.add_guild("Removed"), fake.add_guild("Came back")
    ids = {name: int(g["id"]) for name, g in (("outage", outage), ("removed", removed), ("back", back))}
    handle = await start_bot(fake, db_target, catalog, clock=manual_clock)
    privacy = handle.services.privacy
    try:
        for guild_id in ids.values():
            await seed(handle.db, guild_id, IDS[:2])
        left_at = manual_clock.now()
        await fake.dispatch("GUILD_DELETE", {"id": outage["id"], "unavailable": True})
        await fake.dispatch("GUILD_DELETE", {"id": removed["id"]})
        await fake.dispatch("GUILD_DELETE", {"id": back["id"]})

        async def both_recorded() -> bool:
            return all([await privacy.departure(ids["removed"]), await privacy.departure(ids["back"])])

        await eventually(both_recorded, "the two removals recorded")
        assert await privacy.departure(ids["removed"]) == left_at
        assert await privacy.departure(ids["outage"]) is None  # an outage is not a removal
        # A join's GUILD_CREATE has no "unavailable" field (one with "unavailable": false is a server coming
        # back from an outage, which discord.py reports as on_guild_available, not on_guild_join).
        await fake.dispatch("GUILD_CREATE", {k: v for k, v in back.items() if k != "unavailable"})

        async def cancelled() -> bool:
            return await privacy.departure(ids["back"]) is None

        await eventually(cancelled, "the comeback cancelling the departure")

        scheduler = handle.bot.scheduler

        async def passed() -> bool:
            return scheduler.last_pass_at is not None and scheduler.last_pass_at >= manual_clock.now()

        await manual_clock.advance(dt.timedelta(days=29).total_seconds())
        await eventually(passed, "a scheduler pass after 29 days")
        assert (await rows_of(handle.db, ids["removed"]))["trivia_scores"]  # inside the window: kept

        await manual_clock.advance(dt.timedelta(days=1, seconds=1).total_seconds())

        async def forgotten() -> bool:
            return all(rows == [] for rows in (await rows_of(handle.db, ids["removed"])).values())

        await eventually(forgotten, "the removed server's rows deleted")
        for name in ("outage", "back"):
            assert (await rows_of(handle.db, ids[name]))["trivia_scores"], name
        assert await privacy.departure(ids["removed"]) is None
    finally:
        await handle.stop()
