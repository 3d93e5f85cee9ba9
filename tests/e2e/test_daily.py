"""The question of the day end to end: posted once, answered once each, revealed with the next one, streaks."""

from __future__ import annotations

import asyncio
import datetime as dt

import bot.ui.rest
from bot.localdiscord import builders as b
from bot.localdiscord.server import button_ids
from tests.conftest import settle, start_bot

AVA, BEN, CARA = (b.user(5000 + i, n) for i, n in enumerate(("ava", "ben", "cara")))
FIRST = dt.datetime(2026, 11, 25, 18, 0, 5, tzinfo=dt.UTC)  # 18:00 in London (GMT) on the 25th


async def _configure(fake, guild, channel_id, **options) -> str:
    """Ava, a moderator, sets the question of the day for 18:00 London (and ``options``); the bot's private reply."""
    inter = await fake.slash(
        "settings daily-question",
        guild,
        permissions=b.MODERATOR_PERMS,
        user_obj=AVA,
        channel=channel_id,
        time="18:00",
        timezone="Europe/London",
        **options,
    )
    answer = await fake.reply_to(inter)
    assert answer["data"]["flags"] == 64 and "Question of the day goes to" in answer["data"]["content"]
    return answer["data"]["content"]


def _questions(fake, channel_id):
    return [m for m in fake.messages.values() if m["channel_id"] == str(channel_id) and m.get("components")]


async def _click(fake, guild, message, index, user):
    ids = button_ids(message)
    return (await fake.reply_to(await fake.click(int(message["id"]), ids[index], guild, user_obj=user)))["data"]


async def test_daily_question_once_a_day_answers_locked_reveal_and_streaks(fake, tmp_path, catalog, manual_clock):
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[1]
    db_path = tmp_path / "bot.sqlite3"
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock)
    try:
        await _configure(fake, guild, channel_id)
        assert _questions(fake, channel_id) == []  # setting it never posts at once
        await manual_clock.set(FIRST)
        await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$")
        [first] = _questions(fake, channel_id)
        assert "Question of the day" in first["embeds"][0]["title"]
        day = dt.date(2026, 11, 25)
        asked = await handle.services.daily._repo.question(int(guild["id"]), day)
        right, wrong = asked.correct_index, (asked.correct_index + 1) % len(asked.options)

        ben = await _click(fake, guild, first, right, BEN)
        assert ben["flags"] == 64 and ben["content"].startswith("Locked in")
        again = await _click(fake, guild, first, wrong, BEN)
        assert "already locked in" in again["content"]  # one answer a day, the first one stands
        cara = await _click(fake, guild, first, wrong, CARA)
        assert cara["content"].startswith("Locked in")
    finally:
        await handle.stop()

    # A restart the same evening never posts a second question for the day.
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock)
    try:
        await manual_clock.advance(3600)
        await settle()
        assert len(_questions(fake, channel_id)) == 1

        # Just before the next post, Ava answers right: it still counts.
        await manual_clock.set(FIRST + dt.timedelta(days=1, seconds=-10))
        ava = await _click(fake, guild, first, right, AVA)
        assert ava["content"].startswith("Locked in")

        # The next day: yesterday's question is revealed in place, then today's is asked.
        await manual_clock.set(FIRST + dt.timedelta(days=1))
        await fake.wait_for("PATCH", rf"^/channels/{channel_id}/messages/{first['id']}$")
        await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$", count=2)
        revealed = fake.messages[int(first["id"])]
        assert "closed" in revealed["embeds"][0]["title"]
        assert "2 of 3 answered right" in revealed["embeds"][0]["fields"][0]["value"]
        assert all(c["disabled"] for row in revealed["components"] for c in row["components"])
        late = await _click(fake, guild, revealed, right, CARA)
        assert "closed" in late["content"]
        await settle()

        stats = await fake.reply_to(await fake.slash("trivia stats", guild, user_obj=BEN))
        fields = {f["name"]: f["value"] for f in stats["data"]["embeds"][0]["fields"]}
        assert fields["Daily streak"].startswith("1 day")
        board = await fake.reply_to(await fake.slash("trivia leaderboard", guild, user_obj=CARA, board="daily"))
        text = board["data"]["embeds"][0]["description"]
        assert "<@5001>" in text and "<@5000>" in text and "<@5002>" not in text

        today = await fake.reply_to(await fake.slash("trivia daily", guild, user_obj=CARA))
        assert today["data"]["flags"] == 64
        assert "Question of the day" in today["data"]["embeds"][0]["title"]
        assert today["data"]["components"]  # Cara has not answered today's yet: she can from here
        assert all(m["allowed_mentions"] == {"parse": []} for m in fake.channel_posts(channel_id))
    finally:
        await handle.stop()


async def test_a_daily_post_that_hangs_is_retried_with_its_nonce_and_shown_once(
    fake, tmp_path, catalog, manual_clock, monkeypatch
):
    monkeypatch.setattr(bot.ui.rest, "REST_TIMEOUT", 0.3)
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[1]
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
    try:
        await _configure(fake, guild, channel_id)
        # Discord stores the question but answers after the bot has given up on it.
        fake.inject("POST", rf"^/channels/{channel_id}/messages$", 200, delay=1.0)
        await manual_clock.set(FIRST)
        await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$")
        await asyncio.sleep(1.2)
        await manual_clock.advance(31)  # the scheduler's retry after a failure
        await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$", count=2)
        await settle()
        assert len(_questions(fake, channel_id)) == 1, "the retry reused the nonce, so Discord shows one question"
        asked = await handle.services.daily._repo.question(int(guild["id"]), dt.date(2026, 11, 25))
        assert asked.status == "posted"
    finally:
        await handle.stop()


async def test_daily_question_off_and_a_member_cannot_configure(fake, tmp_path, catalog, manual_clock):
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[1]
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
    try:
        refused = await fake.reply_to(await fake.slash("settings daily-question", guild, channel=channel_id))
        assert "Manage Server" in refused["data"]["content"]
        await _configure(fake, guild, channel_id)
        off = await fake.reply_to(await fake.slash("settings daily-question-off", guild, permissions=b.MODERATOR_PERMS))
        assert "off" in off["data"]["content"]
        await manual_clock.set(FIRST)
        await settle()
        assert _questions(fake, channel_id) == []
        none = await fake.reply_to(await fake.slash("trivia daily", guild))
        assert "no open question of the day" in none["data"]["content"]
    finally:
        await handle.stop()


async def test_a_moderator_set_window_closes_and_reveals_the_question_in_time(fake, tmp_path, catalog, manual_clock):
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[1]
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
    try:
        assert "closes after 2 hours" in await _configure(fake, guild, channel_id, hours=2)
        await manual_clock.set(FIRST)
        await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$")
        [question] = _questions(fake, channel_id)
        assert any(f["name"] == "Closes" for f in question["embeds"][0]["fields"])
        asked = await handle.services.daily._repo.question(int(guild["id"]), dt.date(2026, 11, 25))
        assert (await _click(fake, guild, question, asked.correct_index, BEN))["content"].startswith("Locked in")

        await settle()  # the scheduler has recorded the post and gone to sleep
        await manual_clock.set(FIRST + dt.timedelta(hours=2, seconds=1))  # the window closes: revealed in place
        handle.bot.scheduler.wake()  # (a manual clock never moves on by itself past a deadline set mid-jump)
        await fake.wait_for("PATCH", rf"^/channels/{channel_id}/messages/{question['id']}$")
        assert "closed" in fake.messages[int(question["id"])]["embeds"][0]["title"]
        late = await _click(fake, guild, fake.messages[int(question["id"])], 0, CARA)
        assert "closed" in late["content"]
        await settle()
        assert (await handle.services.daily.streak(int(guild["id"]), int(BEN["id"]))) == (1, 1)
    finally:
        await handle.stop()


async def _answer_text(fake, inter) -> str:
    first = await fake.reply_to(inter, timeout=15)
    if first["type"] == 5:  # deferred while the database was busy: the answer is the follow-up
        return (await fake.followup_of(inter, timeout=15))["content"]
    return first["data"]["content"]


async def test_an_answer_racing_the_window_close_is_counted_or_refused_never_lost(
    fake, db_target, catalog, manual_clock
):
    """Members click just as the answer window closes: each answer is either in the reveal's counts and the
    streaks, or refused as closed; never told "Locked in" and then left out."""
    guild = fake.add_guild()
    guild_id, channel_id = int(guild["id"]), fake.channel_ids(guild)[1]
    handle = await start_bot(fake, db_target, catalog, clock=manual_clock)
    try:
        await _configure(fake, guild, channel_id, hours=1)
        await manual_clock.set(FIRST)
        await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$")
        [question] = _questions(fake, channel_id)
        asked = await handle.services.daily._repo.question(guild_id, dt.date(2026, 11, 25))
        await settle()
        members = [b.user(6000 + i, f"m{i}") for i in range(24)]
        ids = button_ids(question)

        async def close() -> None:
            await manual_clock.set(FIRST + dt.timedelta(hours=1, seconds=1))
            handle.bot.scheduler.wake()

        inters = []
        for n, member in enumerate(members):  # a click every few milliseconds, the window closing mid-stream
            if n == len(members) // 2:
                closing = asyncio.create_task(close())
            inters.append(await fake.click(int(question["id"]), ids[asked.correct_index], guild, user_obj=member))
            await asyncio.sleep(0.003)
        await closing
        texts = [await _answer_text(fake, i) for i in inters]
        await fake.wait_for("PATCH", rf"^/channels/{channel_id}/messages/{question['id']}$")
        await settle()
        locked = {int(m["id"]) for m, text in zip(members, texts, strict=True) if text.startswith("Locked in")}
        refused = [text for text in texts if "closed" in text]
        assert len(locked) + len(refused) == len(members), texts
        stored = await handle.db.fetch_all(
            "SELECT user_id FROM daily_answers WHERE guild_id = ? AND local_date = ?", (guild_id, "2026-11-25")
        )
        assert {int(r[0]) for r in stored} == locked
        revealed = fake.messages[int(question["id"])]
        assert f"{len(locked)} of {len(locked)} answered right" in revealed["embeds"][0]["fields"][0]["value"]
        for member in members:
            current, _ = await handle.services.daily.streak(guild_id, int(member["id"]))
            assert current == (1 if int(member["id"]) in locked else 0)
    finally:
        await handle.stop()
