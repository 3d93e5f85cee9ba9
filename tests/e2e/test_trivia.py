"""Trivia end to end: a full game with four members, parallel games, refusals, crash recovery."""

from __future__ import annotations

import asyncio

from bot.localdiscord import builders as b
from bot.localdiscord.server import button_ids
from bot.storage.trivia import TriviaRepository
from tests.conftest import settle, start_bot

ALICE, BEN, CARA, DEV = (b.user(1000 + i, n) for i, n in enumerate(("alice", "ben", "cara", "dev")))


async def _question(fake, channel_id, number):
    posts = await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$", count=number)
    rec = posts[number - 1]
    message_id = next(
        mid
        for mid, m in fake.messages.items()
        if m["channel_id"] == str(channel_id) and m["embeds"] == rec.body["embeds"]
    )
    return message_id, rec.body


async def test_full_three_question_game_with_four_members(fake, db_target, catalog, manual_clock):
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[0]
    handle = await start_bot(fake, db_target, catalog, clock=manual_clock)
    try:
        start = await fake.reply_to(await fake.slash("trivia start", guild, questions=3, user_obj=ALICE))
        assert "3** questions" in start["data"]["embeds"][0]["description"]
        second = await fake.reply_to(await fake.slash("trivia start", guild))
        assert second["data"]["flags"] == 64 and "already running" in second["data"]["content"]
        live = handle.services.trivia.live_in(channel_id)
        for number in (1, 2, 3):
            message_id, body = await _question(fake, channel_id, number)
            assert "<t:" in body["embeds"][0]["fields"][0]["value"]  # closing time as a Discord timestamp
            ids = button_ids(fake.messages[message_id])
            right = live.game.current.correct_index
            wrong = (right + 1) % len(ids)
            r1 = await fake.reply_to(await fake.click(message_id, ids[right], guild, user_obj=ALICE))
            assert r1["data"]["flags"] == 64 and r1["data"]["content"].startswith("Locked in")
            await fake.reply_to(await fake.click(message_id, ids[wrong], guild, user_obj=BEN))
            await fake.reply_to(await fake.click(message_id, ids[right], guild, user_obj=CARA))
            twice = await fake.reply_to(await fake.click(message_id, ids[wrong], guild, user_obj=CARA))
            assert "already locked in" in twice["data"]["content"]
            await manual_clock.advance(21)
            await fake.wait_for("PATCH", rf"^/channels/{channel_id}/messages/{message_id}$")
            late = await fake.reply_to(await fake.click(message_id, ids[right], guild, user_obj=DEV))
            assert "Too late" in late["data"]["content"] or "ended" in late["data"]["content"]
            revealed = fake.messages[message_id]["embeds"][0]
            assert "✅" in revealed["description"] and "<@1000>" in revealed["fields"][0]["value"]
            await manual_clock.advance(5)
        final = await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$", count=4)
        standings = final[3].body["embeds"][0]["description"]
        assert standings.index("<@1000>") < standings.index("<@1002>")  # Alice answered first, same right count
        assert final[3].body["allowed_mentions"] == {"parse": []}
        await settle()
        alice = (await handle.services.trivia.stats(int(guild["id"]), 1000)).score
        assert alice.correct == 3 and alice.answered == 3 and alice.points == 45 and alice.wins == 1
        ben = (await handle.services.trivia.stats(int(guild["id"]), 1001)).score
        assert ben.points == 0 and ben.games == 1 and ben.best_streak == 0
        board = await fake.reply_to(await fake.slash("trivia leaderboard", guild, user_obj=CARA))
        fields = board["data"]["embeds"][0]["fields"]
        assert fields[0]["value"].startswith("#2 of 3")
    finally:
        await handle.stop()


async def test_two_games_in_two_channels_at_once(fake, db_target, catalog, manual_clock):
    guild = fake.add_guild()
    first, second = fake.channel_ids(guild)
    handle = await start_bot(fake, db_target, catalog, clock=manual_clock)
    try:
        await fake.reply_to(await fake.slash("trivia start", guild, channel_id=first, questions=1))
        await fake.reply_to(await fake.slash("trivia start", guild, channel_id=second, questions=1))
        await fake.wait_for("POST", rf"^/channels/{first}/messages$")
        await fake.wait_for("POST", rf"^/channels/{second}/messages$")
        await manual_clock.advance(21)
        await fake.wait_for("POST", rf"^/channels/{first}/messages$", count=2)
        await fake.wait_for("POST", rf"^/channels/{second}/messages$", count=2)
    finally:
        await handle.stop()


async def test_stop_by_non_starter_refused_then_starter_stops(fake, db_target, catalog, manual_clock):
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[0]
    handle = await start_bot(fake, db_target, catalog, clock=manual_clock)
    try:
        await fake.reply_to(await fake.slash("trivia start", guild, questions=5, user_obj=ALICE))
        await _question(fake, channel_id, 1)
        refused = await fake.reply_to(await fake.slash("trivia stop", guild, user_obj=BEN))
        assert "Only the member who started" in refused["data"]["content"]
        ok = await fake.reply_to(await fake.slash("trivia stop", guild, user_obj=ALICE))
        assert "Stopping" in ok["data"]["content"]
        final = await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$", count=2)
        assert "stopped" in final[1].body["embeds"][0]["title"]
    finally:
        await handle.stop()


async def test_crash_mid_game_keeps_revealed_points_and_edits_message(fake, db_target, catalog, manual_clock):
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[0]
    db_path = db_target
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock)
    await fake.reply_to(await fake.slash("trivia start", guild, questions=3, user_obj=ALICE))
    live = handle.services.trivia.live_in(channel_id)
    message_id, _ = await _question(fake, channel_id, 1)
    right = button_ids(fake.messages[message_id])[live.game.current.correct_index]
    await fake.reply_to(await fake.click(message_id, right, guild, user_obj=ALICE))
    await manual_clock.advance(21)
    await fake.wait_for("PATCH", rf"^/channels/{channel_id}/messages/{message_id}$")
    await settle()  # the game loop starts its pause once the edit is answered
    await manual_clock.advance(5)
    second_id, _ = await _question(fake, channel_id, 2)
    await settle()
    # Crash: the game task dies with the process, nothing gets to finish the game.
    for task in asyncio.all_tasks():
        if task.get_name().startswith("trivia-game-"):
            task.cancel()
    await handle.stop()
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock)
    try:
        edit = await fake.wait_for("PATCH", rf"^/channels/{channel_id}/messages/{second_id}$")
        assert "interrupted" in edit[-1].body["embeds"][0]["title"]
        await settle()  # the game is marked closed just after its channel is told
        stats = (await handle.services.trivia.stats(int(guild["id"]), 1000)).score
        assert stats.correct == 1 and stats.answered == 1 and stats.games == 1
        assert await TriviaRepository(handle.db).running_games() == []  # closed once, never counted twice
        late_click = await fake.reply_to(await fake.click(message_id, button_ids(fake.messages[message_id])[0], guild))
        assert "ended" in late_click["data"]["content"]
    finally:
        await handle.stop()


async def test_reset_needs_the_callers_confirmation(fake, db_target, catalog, manual_clock):
    guild = fake.add_guild()
    handle = await start_bot(fake, db_target, catalog, clock=manual_clock)
    try:
        inter = await fake.slash("trivia reset", guild, permissions=b.MODERATOR_PERMS, user_obj=ALICE)
        reply = await fake.reply_to(inter)
        message_id = inter.original_message_id
        ids = button_ids(fake.messages[message_id])
        other = await fake.reply_to(await fake.click(message_id, ids[0], guild, user_obj=BEN))
        assert "Only the moderator" in other["data"]["content"]
        await fake.reply_to(await fake.click(message_id, ids[0], guild, user_obj=ALICE))
        done = await fake.followup_of(inter)
        assert "scores wiped" in done["content"]
        assert reply["data"]["flags"] == 64
        member = await fake.reply_to(await fake.slash("trivia reset", guild, user_obj=BEN))
        assert "Manage Server" in member["data"]["content"]
    finally:
        await handle.stop()
