"""Releases and server events as Discord scheduled events: made once, kept in step, removed when off."""

from __future__ import annotations

import asyncio
import sqlite3

import bot.ui.rest
from bot.localdiscord import builders as b
from tests.conftest import settle, start_bot

MOD = {"permissions": b.MODERATOR_PERMS}
EVENTS = r"^/guilds/\d+/scheduled-events"


async def _ok(fake, guild, command, **options):
    answer = await fake.reply_to(await fake.slash(command, guild, **MOD, **options))
    assert answer["data"]["flags"] == 64, answer
    await settle()
    return answer["data"]["content"]


async def test_events_made_once_across_restarts_kept_in_step_and_removed(fake, tmp_path, catalog, manual_clock):
    guild = fake.add_guild(bot_permissions=b.MEMBER_PERMS | b.CREATE_EVENTS)
    guild_id = int(guild["id"])
    db_path = tmp_path / "bot.sqlite3"
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock)
    try:
        await _ok(
            fake, guild, "event add", name="Watch party", date="2027-06-01", time="19:00", timezone="Europe/London"
        )
        assert fake.find("POST", EVENTS) == []  # off by default
        assert "Create Events" in await _ok(fake, guild, "settings release-events", state="on")
        [made] = await fake.wait_for("POST", EVENTS)
        assert made.body["name"] == "Watch party" and made.body["entity_type"] == 3
        assert made.body["entity_metadata"] == {"location": "Netflix"}
        assert made.body["scheduled_start_time"].startswith("2027-06-01T18:00")  # 19:00 BST
        assert [e["name"] for e in fake.scheduled_events[guild_id].values()] == ["Watch party"]
    finally:
        await handle.stop()

    handle = await start_bot(fake, db_path, catalog, clock=manual_clock)  # start-up sync makes nothing new
    try:
        await settle()
        assert len(fake.find("POST", EVENTS)) == 1 and len(fake.scheduled_events[guild_id]) == 1

        await _ok(fake, guild, "event add", name="Film night", date="2027-07-01")
        await fake.wait_for("POST", EVENTS, count=2)
        assert len(fake.scheduled_events[guild_id]) == 2

        # The date changed (a new release date in data/, say): the event is moved, not duplicated.
        with sqlite3.connect(db_path) as conn:
            conn.execute(
                "UPDATE scheduled_events SET starts_at = '2027-05-01T00:00:00+00:00' WHERE name = 'Film night'"
            )
        handle.bot.dispatch("release_events_changed", guild_id)
        await fake.wait_for("PATCH", EVENTS)
        assert len(fake.scheduled_events[guild_id]) == 2

        await _ok(fake, guild, "event remove", name="Watch party")
        await fake.wait_for("DELETE", EVENTS)
        assert [e["name"] for e in fake.scheduled_events[guild_id].values()] == ["Film night"]

        await _ok(fake, guild, "settings release-events", state="off")
        await fake.wait_for("DELETE", EVENTS, count=2)
        assert fake.scheduled_events[guild_id] == {}
    finally:
        await handle.stop()


async def test_missing_create_events_is_reported_and_never_retried(fake, tmp_path, catalog, manual_clock):
    guild = fake.add_guild()  # the bot has no Create Events
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
    try:
        await _ok(fake, guild, "event add", name="Watch party", date="2027-06-01")
        await _ok(fake, guild, "settings release-events", state="on")
        show = await fake.reply_to(await fake.slash("settings show", guild, **MOD))
        fields = {f["name"]: f["value"] for f in show["data"]["embeds"][0]["fields"]}
        assert fields["Release events"].startswith("Stopped: I am missing the Create Events permission")
        assert "✅" not in fields["Release events"]
        await _ok(fake, guild, "event add", name="Film night", date="2027-07-01")
        assert fake.find("POST", EVENTS) == []  # known missing: no request is even tried
    finally:
        await handle.stop()


async def test_a_create_that_timed_out_after_discord_stored_it_is_adopted_not_repeated(
    fake, db_target, catalog, manual_clock, monkeypatch
):
    """Discord makes the event but the bot never hears back: the retry lists the server's events and adopts
    its own, so members see one event, and the bot remembers that one."""
    monkeypatch.setattr(bot.ui.rest, "REST_TIMEOUT", 0.3)
    guild = fake.add_guild(bot_permissions=b.MEMBER_PERMS | b.CREATE_EVENTS)
    guild_id = int(guild["id"])
    handle = await start_bot(fake, db_target, catalog, clock=manual_clock)
    try:
        await _ok(fake, guild, "event add", name="Watch party", date="2027-06-01", time="19:00", timezone="UTC")
        fake.inject("POST", EVENTS, store_then="hang")
        await _ok(fake, guild, "settings release-events", state="on")
        await fake.wait_until(lambda: len(fake.scheduled_events.get(guild_id, {})) == 1, 10, "Discord storing it")
        for _ in range(200):  # the bot's own record of the attempt: it timed out, outcome unknown
            row = await handle.db.fetch_one("SELECT state, reason FROM outbox WHERE kind = 'scheduled-event'")
            if row is not None and row[0] == "attempting" and row[1]:
                break
            await asyncio.sleep(0.02)
        await manual_clock.advance(31)  # the retry
        for _ in range(200):
            row = await handle.db.fetch_one("SELECT state, outcome FROM outbox WHERE kind = 'scheduled-event'")
            if row is not None and row[0] == "done":
                break
            await asyncio.sleep(0.02)
        assert tuple(row) == ("done", "adopted")
        [made] = fake.scheduled_events[guild_id].values()
        assert len(fake.find("POST", EVENTS)) == 1, "never created a second time"
        remembered = await handle.db.fetch_value(
            "SELECT discord_event_id FROM scheduled_events WHERE guild_id = ?", (guild_id,)
        )
        assert int(remembered) == int(made["id"])
    finally:
        await handle.stop()


async def test_a_refusal_with_the_permission_in_place_reads_as_one_reason(fake, tmp_path, catalog, manual_clock):
    """A 403 although the bot seems to have Create Events: /settings show gives one account, not "✅" and "missing"."""
    guild = fake.add_guild(bot_permissions=b.MEMBER_PERMS | b.CREATE_EVENTS)
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
    try:
        await _ok(fake, guild, "event add", name="Watch party", date="2027-06-01")
        fake.inject("POST", EVENTS, 403, body={"code": 50013, "message": "Missing Permissions"})
        await _ok(fake, guild, "settings release-events", state="on")
        await fake.wait_for("POST", EVENTS)
        for _ in range(200):
            if (await handle.services.settings.get(int(guild["id"]))).release_events_problem:
                break
            await asyncio.sleep(0.02)
        show = await fake.reply_to(await fake.slash("settings show", guild, **MOD))
        events = {f["name"]: f["value"] for f in show["data"]["embeds"][0]["fields"]}["Release events"]
        assert events.startswith("Stopped: Discord refused to make an event here (403)")
        assert "✅" not in events and "missing" not in events
    finally:
        await handle.stop()
