"""/countdown, /event and the daily scheduled post, with an injected clock."""

from __future__ import annotations

import datetime as dt

from bot.localdiscord import builders as b
from tests.conftest import delivered, settle, start_bot

MOD = b.MODERATOR_PERMS


async def _setup_schedule(fake, guild, channel_id):
    reply = await fake.reply_to(
        await fake.slash("settings countdown-channel", guild, channel=channel_id, permissions=MOD)
    )
    assert "Daily countdown goes to" in reply["data"]["content"], reply
    reply = await fake.reply_to(
        await fake.slash("settings countdown-time", guild, time="18:30", timezone="Europe/London", permissions=MOD)
    )
    assert "18:30 Europe/London" in reply["data"]["content"], reply


async def test_countdown_shows_no_date_for_the_film(running, fake):
    guild = next(iter(fake.guilds.values()))
    reply = await fake.reply_to(await fake.slash("countdown", guild))
    embed = reply["data"]["embeds"][0]
    assert "Heartstopper" in embed["title"]
    reply = await fake.reply_to(await fake.slash("countdown", guild, release="forever"))
    assert "No date yet" in reply["data"]["embeds"][0]["description"]


async def test_daily_post_arrives_on_time_once_and_not_again_after_restart(fake, db_target, catalog, manual_clock):
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[0]
    db_path = db_target
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock)
    try:
        # An event makes the post a real countdown; its name must ping nobody.
        reply = await fake.reply_to(
            await fake.slash(
                "event add",
                guild,
                name="@everyone party",
                date="2026-12-24",
                time="20:00",
                timezone="Europe/London",
                permissions=MOD,
            )
        )
        assert reply["data"]["flags"] == 64 and "Added" in reply["data"]["content"]
        await _setup_schedule(fake, guild, channel_id)
        await settle()
        assert fake.channel_posts(channel_id) == []  # setting the schedule never posts at once
        await manual_clock.set(dt.datetime(2026, 11, 25, 18, 30, 5, tzinfo=dt.UTC))
        [post] = [r.body for r in await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$")]
        assert post["allowed_mentions"] == {"parse": []}
        assert "@everyone party" in post["embeds"][0]["title"]
        assert post["nonce"] and post["enforce_nonce"] is True
        await manual_clock.advance(120)
        await settle()
        assert len(fake.channel_posts(channel_id)) == 1
    finally:
        await handle.stop()
    again = await start_bot(fake, db_path, catalog, clock=manual_clock)
    try:
        await settle()
        await manual_clock.advance(60)
        await settle()
        assert len(fake.channel_posts(channel_id)) == 1
        assert await delivered(again.db, "countdown", int(guild["id"])) == 1
    finally:
        await again.stop()


async def test_missed_post_goes_out_late_within_grace(fake, db_target, catalog, manual_clock):
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[0]
    db_path = db_target
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock)
    await _setup_schedule(fake, guild, channel_id)
    await handle.stop()
    # The bot was down at 18:30 and comes back two hours later: one late post, no flood.
    await manual_clock.set(dt.datetime(2026, 11, 25, 20, 30, tzinfo=dt.UTC))
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock)
    try:
        [post] = [r.body for r in await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$")]
        assert "late" in post["embeds"][0]["footer"]["text"]
        await settle()
        assert len(fake.channel_posts(channel_id)) == 1
    finally:
        await handle.stop()


async def test_403_turns_schedule_off_and_settings_show_says_why(fake, db_target, catalog, manual_clock):
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[0]
    handle = await start_bot(fake, db_target, catalog, clock=manual_clock)
    try:
        await _setup_schedule(fake, guild, channel_id)
        fake.forbidden_channels.add(channel_id)
        await manual_clock.set(dt.datetime(2026, 11, 25, 18, 30, 1, tzinfo=dt.UTC))
        await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$")
        await settle()
        show = await fake.reply_to(await fake.slash("settings show", guild, permissions=MOD))
        fields = {f["name"]: f["value"] for f in show["data"]["embeds"][0]["fields"]}
        assert "(**off**)" in fields["Daily countdown"]
        assert "403" in fields["Daily countdown"]
    finally:
        await handle.stop()


async def test_non_moderator_is_refused_settings_and_event_add(running, fake):
    guild = next(iter(fake.guilds.values()))
    for command, options in (("settings show", {}), ("event add", {"name": "x", "date": "2030-01-01"})):
        reply = await fake.reply_to(await fake.slash(command, guild, **options))
        assert reply["data"]["flags"] == 64
        assert "Manage Server" in reply["data"]["content"]


async def test_event_bad_input_is_explained_and_changes_nothing(running, fake):
    guild = next(iter(fake.guilds.values()))
    cases = {
        ("Party", "2026-02-30", None, None): "not a day in the calendar",
        ("Party", "2020-01-01", None, None): "in the past",
        ("Party", "2030-01-01", "25:00", None): "not a time",
        ("Party", "2030-01-01", None, "Mars/Olympus"): "not a time zone",
        ("x" * 150, "2030-01-01", None, None): "keep it to 100",
    }
    for (name, date, time, zone), expected in cases.items():
        options = {"name": name, "date": date}
        if time:
            options["time"] = time
        if zone:
            options["timezone"] = zone
        reply = await fake.reply_to(await fake.slash("event add", guild, permissions=MOD, **options))
        assert reply["data"]["flags"] == 64 and expected in reply["data"]["content"], (options, reply)
    listing = await fake.reply_to(await fake.slash("event list", guild))
    assert "No events yet" in listing["data"]["embeds"][0]["description"]
    ok = await fake.reply_to(
        await fake.slash("event add", guild, name="Watch party", date="2030-01-01", permissions=MOD)
    )
    assert "Added" in ok["data"]["content"]
    dup = await fake.reply_to(
        await fake.slash("event add", guild, name="watch  PARTY", date="2030-02-01", permissions=MOD)
    )
    assert "already an event" in dup["data"]["content"]
    removed = await fake.reply_to(await fake.slash("event remove", guild, name="Watch party", permissions=MOD))
    assert "Removed" in removed["data"]["content"]


async def test_channel_the_bot_cannot_post_in_is_refused_with_the_permission_named(fake, db_target, catalog):
    guild = fake.add_guild()
    locked = guild["channels"][1]
    locked["permission_overwrites"] = [{"id": guild["id"], "type": 0, "allow": "0", "deny": str(b.SEND_MESSAGES)}]
    handle = await start_bot(fake, db_target, catalog)
    try:
        reply = await fake.reply_to(
            await fake.slash("settings countdown-channel", guild, channel=int(locked["id"]), permissions=MOD)
        )
        assert reply["data"]["flags"] == 64 and "missing Send Messages" in reply["data"]["content"]
        assert (await handle.services.settings.get(int(guild["id"]))).countdown_channel_id is None
    finally:
        await handle.stop()
