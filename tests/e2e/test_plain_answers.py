"""Answers a newcomer reads without guessing (issue 20 §2): each small text that once misled, pinned.

- a cast card's footer never shows spoiler bars as ``||text||`` (footers do not render markdown);
- an unknown cast name does not answer "Did you mean: try a first name…?";
- nobody gets a gold medal for 0 points;
- a released target does not say how long ago twice;
- a game interrupted before any question was revealed does not speak of "the 0 questions";
- the pack option names the default pack the game really plays;
- a late post says "I was offline" only when the bot really was not running at the time.
"""

from __future__ import annotations

import datetime as dt

from bot.domain.trivia import Standing
from bot.localdiscord import builders as b
from cogs.trivia._embeds import interrupted_embed, standings_lines
from tests.conftest import daily_countdown, start_bot


def _guild(fake):
    return next(iter(fake.guilds.values()))


async def test_cast_footers_say_it_in_words_never_in_spoiler_bars(running, fake):
    moderator = {"permissions": b.MODERATOR_PERMS}
    await fake.reply_to(await fake.slash("settings spoilers", _guild(fake), season=1, **moderator))
    for name in ("Nick Nelson", "Imogen"):  # one card with later-season details, one without
        card = (await fake.reply_to(await fake.slash("cast", _guild(fake), name=name)))["data"]["embeds"][0]
        assert "||" not in card["footer"]["text"], card["footer"]


async def test_an_unknown_cast_name_suggests_plainly(running, fake):
    reply = await fake.reply_to(await fake.slash("cast", _guild(fake), name="qqqqzzzz"))
    content = reply["data"]["content"]
    assert "Did you mean: try" not in content and "Try a first name, like `Charlie`" in content


def test_no_medal_for_zero_points():
    table = [Standing(rank=1, user_id=1, points=0, correct=0), Standing(rank=2, user_id=2, points=0, correct=0)]
    assert "🥇" not in standings_lines(table, locale="en") and "🥈" not in standings_lines(table, locale="en")
    assert "🥇" in standings_lines([Standing(rank=1, user_id=1, points=15, correct=1)], locale="en")


def test_an_interrupted_game_with_nothing_revealed_says_so():
    text = interrupted_embed([], 0, 5, locale="en").description or ""
    assert "0 questions" not in text and "No question had been revealed yet" in text
    assert "Points for the 2 questions revealed" in (interrupted_embed([], 2, 5, locale="en").description or "")


async def test_a_released_target_says_when_once(running, fake):
    reply = await fake.reply_to(await fake.slash("countdown", _guild(fake), release="Season 1"))
    description = reply["data"]["embeds"][0]["description"]
    assert description.count("ago") == 0 and description.startswith("Out since <t:")


async def test_the_pack_option_names_the_default_the_game_plays(running, fake):
    start = next(c for c in fake.commands["global"] if c["name"] == "trivia")
    pack = next(o for sub in start["options"] if sub["name"] == "start" for o in sub["options"] if o["name"] == "pack")
    assert "Everything" in pack["description"] and "core" not in pack["description"]


async def test_late_says_offline_only_when_the_bot_was_not_running(fake, tmp_path, catalog, manual_clock):
    guild = fake.add_guild(channels=1)
    guild_id, channel_id = int(guild["id"]), fake.channel_ids(guild)[0]
    db_path = tmp_path / "bot.sqlite3"
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock)
    try:
        await daily_countdown(handle.services, guild_id, channel_id)  # 09:00 UTC daily, an event ahead
        # The bot runs, but its clock jumps past the post by an hour (the playground's "+1 h", a stalled loop).
        await manual_clock.set(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC))
        [first] = await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$")
        footer = first.body["embeds"][0]["footer"]["text"]
        assert "(late)" in footer and "offline" not in footer
    finally:
        await handle.stop()
    # The bot is down at the next day's time and comes back an hour later: now it was offline.
    await manual_clock.set(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC))
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock)
    try:
        posts = await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$", count=2)
        assert "late: I was offline at the scheduled time" in posts[-1].body["embeds"][0]["footer"]["text"]
    finally:
        await handle.stop()
