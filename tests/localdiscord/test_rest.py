"""The stand-in's REST routes as a bot meets them: history, single messages, refusals, events, faults."""

from __future__ import annotations

import asyncio
import datetime as dt
import io

import aiohttp
import discord
import pytest

from bot.localdiscord import Bounds, LocalDiscord, snowflake_at, time_of
from bot.localdiscord import builders as b
from tests.localdiscord.conftest import START


async def _posts(api, channel_id: int, count: int, wall=None, step: float = 0.0) -> list[int]:
    """``count`` bot messages, oldest first (``step`` seconds apart on the stand-in's clock)."""
    ids = []
    for i in range(count):
        ids.append(int((await api.send(channel_id, f"m{i}", nonce=f"n{i}", enforce_nonce=True))["id"]))
        if step:
            await wall.advance(step)
    return ids


async def test_history_is_newest_first_and_pages_like_discord(local, api):
    channel = local.channel_ids(local.add_guild())[0]
    ids = await _posts(api, channel, 10)
    assert ids == sorted(ids), "snowflakes grow with time"

    def listed(answer):
        return [int(m["id"]) for m in answer[1]]

    assert listed(await api.get(f"/channels/{channel}/messages")) == ids[::-1]
    assert listed(await api.get(f"/channels/{channel}/messages", limit=3)) == ids[:-4:-1]
    assert listed(await api.get(f"/channels/{channel}/messages", before=ids[5], limit=2)) == [ids[4], ids[3]]
    # after: the oldest ones after it, still newest first (discord.py pages on with after=data[0]["id"])
    assert listed(await api.get(f"/channels/{channel}/messages", after=ids[2], limit=3)) == [ids[5], ids[4], ids[3]]
    assert listed(await api.get(f"/channels/{channel}/messages", around=ids[5], limit=5)) == ids[7:2:-1]
    assert listed(await api.get(f"/channels/{channel}/messages", around=ids[5], limit=1)) == [ids[5]]

    seen, after = [], 0
    while page := listed(await api.get(f"/channels/{channel}/messages", after=after, limit=4)):
        seen += page[::-1]
        after = page[0]
    assert seen == ids


async def test_history_messages_carry_author_and_fields_but_no_nonce(local, api):
    channel = local.channel_ids(local.add_guild())[0]
    sent = await api.send(channel, "hello", nonce="day-1", enforce_nonce=True, embeds=[{"title": "T"}])
    assert sent["nonce"] == "day-1"  # the create answer carries it...
    status, [listed] = await api.get(f"/channels/{channel}/messages")
    assert status == 200
    assert "nonce" not in listed  # ...what Discord serves later does not: it does not keep nonces
    assert listed["author"]["id"] == local.bot_user["id"] == str(local.app_id)
    assert listed["embeds"] == [{"type": "rich", "title": "T"}] and listed["components"] == []
    assert listed["timestamp"] == time_of(int(listed["id"])).isoformat() and listed["edited_timestamp"] is None
    status, single = await api.get(f"/channels/{channel}/messages/{listed['id']}")
    assert status == 200 and single == listed


async def test_history_shows_members_posts_but_not_private_replies(local, api):
    channel = local.channel_ids(local.add_guild())[0]
    mine = await api.send(channel, "from the bot")
    theirs = local.post_message(channel, {"content": "from a member"})
    private = local._store(channel, {"content": "only you"}, flags=64)
    status, listed = await api.get(f"/channels/{channel}/messages")
    assert status == 200
    assert [m["id"] for m in listed] == [theirs["id"], mine["id"]]
    assert listed[0]["author"]["id"] != local.bot_user["id"]
    assert (await api.get(f"/channels/{channel}/messages/{private['id']}"))[0] == 404


async def test_after_a_time_lists_what_was_posted_since(local, api, wall):
    channel = local.channel_ids(local.add_guild())[0]
    ids = await _posts(api, channel, 3, wall, step=60)  # at START, +60 s, +120 s
    assert [time_of(i) for i in ids] == [START + dt.timedelta(seconds=s) for s in (0, 60, 120)]
    since = START + dt.timedelta(seconds=30)
    _, later = await api.get(f"/channels/{channel}/messages", after=snowflake_at(since))
    assert [int(m["id"]) for m in later] == [ids[2], ids[1]]
    _, earlier = await api.get(f"/channels/{channel}/messages", before=snowflake_at(START + dt.timedelta(seconds=60)))
    assert [int(m["id"]) for m in earlier] == [ids[0]]
    assert snowflake_at(since.timestamp()) == snowflake_at(since) == local.snowflake_at(since)


@pytest.mark.parametrize(
    "query",
    [{"limit": 0}, {"limit": 101}, {"limit": "many"}, {"before": 5, "after": 1}, {"around": "x"}],
    ids=["limit 0", "limit 101", "limit text", "two anchors", "bad snowflake"],
)
async def test_history_refuses_what_discord_refuses(local, api, query):
    channel = local.channel_ids(local.add_guild())[0]
    status, body = await api.get(f"/channels/{channel}/messages", **query)
    assert (status, body["code"]) == (400, 50035)


async def test_unreadable_unknown_and_deleted_channels(local, api):
    guild = local.add_guild(channels=4)
    unreadable, historyless, deleted, fine = local.channel_ids(guild)
    for channel in (unreadable, historyless, deleted):
        await api.send(channel, "before the change")
    local.unreadable_channels.add(unreadable)
    local.historyless_channels.add(historyless)
    heard = []
    local.message_listeners.append(lambda event, msg: heard.append(event))
    local.delete_channel(deleted)

    assert await api.get(f"/channels/{unreadable}/messages") == (403, {"message": "Missing Access", "code": 50001})
    assert await api.get(f"/channels/{historyless}/messages") == (200, [])  # not an error: just nothing
    [stored] = [m for m in local.messages.values() if m["channel_id"] == str(historyless)]
    assert (await api.get(f"/channels/{historyless}/messages/{stored['id']}"))[1]["code"] == 50001
    unknown = {"message": "Unknown Channel", "code": 10003}
    assert await api.get(f"/channels/{deleted}/messages") == (404, unknown)
    assert await api.post(f"/channels/{deleted}/messages", {"content": "hi"}) == (404, unknown)
    assert await api.get(f"/channels/{b.snowflake()}/messages") == (404, unknown)
    assert heard == ["delete"] and deleted in local.deleted_channels
    assert deleted not in local.channel_ids(guild) and (await api.get(f"/channels/{fine}/messages"))[0] == 200


async def test_single_message_is_404_when_absent_elsewhere_or_deleted(local, api):
    first, second = local.channel_ids(local.add_guild())
    message = await api.send(first, "hi")
    unknown = (404, {"message": "Unknown Message", "code": 10008})
    assert await api.get(f"/channels/{second}/messages/{message['id']}") == unknown
    assert await api.get(f"/channels/{first}/messages/{int(message['id']) + 1}") == unknown
    assert (await api.call("DELETE", f"/channels/{first}/messages/{message['id']}"))[0] == 204
    assert await api.get(f"/channels/{first}/messages/{message['id']}") == unknown


async def test_an_enforced_nonce_deduplicates_within_the_window_and_posts_again_after(local, api, ticks):
    channel = local.channel_ids(local.add_guild())[0]
    first = await api.send(channel, "countdown", nonce="day-1", enforce_nonce=True)
    ticks.advance(179)
    assert (await api.send(channel, "countdown", nonce="day-1", enforce_nonce=True))["id"] == first["id"]
    ticks.advance(1)  # 180 s after the first message: Discord has forgotten the nonce
    again = await api.send(channel, "countdown", nonce="day-1", enforce_nonce=True)
    assert again["id"] != first["id"]
    record = local.nonces[(channel, "day-1")]
    assert (record.posts, record.message_ids) == (3, [int(first["id"]), int(again["id"])])
    assert len(local.history(channel)) == 2
    # Without enforce_nonce Discord never deduplicates.
    loose = [await api.send(channel, "x", nonce="loose") for _ in range(2)]
    assert loose[0]["id"] != loose[1]["id"] and local.nonces[(channel, "loose")].posts == 2


async def test_the_window_is_settable_and_can_be_forgotten_at_once(ticks):
    local = LocalDiscord(nonce_window=5, monotonic=ticks)
    channel = local.channel_ids(local.add_guild())[0]
    body = {"content": "x", "nonce": "n", "enforce_nonce": True}
    first = local.world.send(channel, body)
    assert local.world.send(channel, body) is first
    local.forget_nonces()
    second = local.world.send(channel, body)
    assert second is not first
    local.nonce_window = 60
    ticks.advance(30)
    assert local.world.send(channel, body) is second and local.world.nonces.window == 60


async def test_scheduled_events_list_the_bots_own_and_others(local, api):
    guild = local.add_guild(bot_permissions=b.MEMBER_PERMS | b.CREATE_EVENTS)
    guild_id = int(guild["id"])
    when = {"scheduled_start_time": "2027-05-01T18:00:00+00:00", "scheduled_end_time": "2027-05-01T20:00:00+00:00"}
    body = {"name": "Film night", "privacy_level": 2, "entity_type": 3, "entity_metadata": {"location": "Netflix"}}
    status, ours = await api.post(f"/guilds/{guild_id}/scheduled-events", {**body, **when})
    assert status == 200
    theirs = local.add_scheduled_event(guild_id, {**body, **when, "name": "Watch party"})
    status, listed = await api.get(f"/guilds/{guild_id}/scheduled-events", with_user_count="true")
    assert status == 200
    assert {(e["name"], e["creator_id"]) for e in listed} == {
        ("Film night", local.bot_user["id"]),
        ("Watch party", local.owner["id"]),
    }
    assert await api.get(f"/guilds/{guild_id}/scheduled-events/{ours['id']}") == (200, ours)
    assert (await api.get(f"/guilds/{guild_id}/scheduled-events/{theirs['id']}"))[1]["name"] == "Watch party"
    missing = await api.get(f"/guilds/{guild_id}/scheduled-events/{b.snowflake()}")
    assert missing == (404, {"message": "Unknown Guild Scheduled Event", "code": 10070})
    assert (await api.get(f"/guilds/{b.snowflake()}/scheduled-events"))[1]["code"] == 10004


async def test_store_then_500_stores_the_message_the_bot_never_saw(local, api):
    channel = local.channel_ids(local.add_guild())[0]
    local.inject("POST", rf"^/channels/{channel}/messages$", store_then=500)
    status, _ = await api.post(f"/channels/{channel}/messages", {"content": "lost answer", "nonce": "n"})
    assert status == 500
    [stored] = local.history(channel)
    assert stored["content"] == "lost answer"
    [rec] = local.find("POST", rf"^/channels/{channel}/messages$")
    assert (rec.status, rec.handled) == (500, 200)
    assert local.channel_posts(channel) == [rec.body]
    assert (await api.send(channel, "next one"))["content"] == "next one"  # used up: the next is normal


async def test_store_then_hang_stores_the_event_and_never_answers(local, api):
    guild = local.add_guild(bot_permissions=b.MEMBER_PERMS | b.CREATE_EVENTS)
    guild_id = int(guild["id"])
    local.inject("POST", r"/scheduled-events$", store_then="hang")
    body = {
        "name": "Season 4",
        "privacy_level": 2,
        "entity_type": 3,
        "scheduled_start_time": "2027-05-01T18:00:00+00:00",
        "scheduled_end_time": "2027-05-01T20:00:00+00:00",
        "entity_metadata": {"location": "Netflix"},
    }
    creating = asyncio.create_task(api.post(f"/guilds/{guild_id}/scheduled-events", body))
    await local.wait_until(lambda: bool(local.scheduled_events.get(guild_id)), 10, "the event stored")
    [rec] = local.find("POST", r"/scheduled-events$")
    assert not creating.done() and (rec.status, rec.handled) == (0, 200)
    status, listed = await api.get(f"/guilds/{guild_id}/scheduled-events")  # what adopting would read
    assert status == 200 and [e["name"] for e in listed] == ["Season 4"]
    local.release_hung()
    assert (await creating)[0] == 504


async def test_discord_py_retries_a_lost_answer_and_the_nonce_keeps_one_message(local, monkeypatch):
    """discord.py's own HTTP client: a 500 after storing is retried with the same nonce; one message."""
    monkeypatch.setattr(discord.http.Route, "BASE", local.api_base)
    channel = local.channel_ids(local.add_guild())[0]
    local.inject("POST", rf"^/channels/{channel}/messages$", store_then=500)
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login("test-token.abc")
        with discord.http.handle_message_parameters(content="countdown", nonce="day-1") as params:
            sent = await http.send_message(channel, params=params)
        history = await http.logs_from(channel, 100, after=discord.utils.time_snowflake(START, high=False))
    finally:
        await http.close()
    assert [m["id"] for m in history] == [sent["id"]]
    assert local.nonces[(channel, "day-1")].posts == 2 and len(local.nonces[(channel, "day-1")].message_ids) == 1


async def test_the_request_log_keeps_the_newest_only():
    local = await LocalDiscord(bounds=Bounds(requests=5)).start()
    try:
        async with aiohttp.ClientSession() as session:
            for i in range(8):
                async with session.get(f"{local.api_base}/nowhere/{i}") as resp:
                    assert resp.status == 404
    finally:
        await local.stop()
    assert [r.path for r in local.requests] == [f"/nowhere/{i}" for i in range(3, 8)]
    assert local.requests.dropped == 3 and local.requests[-2:] == local.requests[3:]
    assert len(local.find("GET", r"^/nowhere/")) == 5


async def test_a_file_upload_is_recorded_as_its_payload_and_files(local, monkeypatch):
    """discord.py sends files as multipart: the record holds its ``payload_json`` and the file bytes."""
    monkeypatch.setattr(discord.http.Route, "BASE", local.api_base)
    channel = local.channel_ids(local.add_guild())[0]
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        await http.static_login("test-token.abc")
        upload = discord.File(io.BytesIO(b'{"points": 3}'), "export.json")
        with discord.http.handle_message_parameters(content="your data", file=upload) as params:
            sent = await http.send_message(channel, params=params)
    finally:
        await http.close()
    [rec] = local.find("POST", rf"^/channels/{channel}/messages$")
    assert rec.body["content"] == sent["content"] == "your data"
    assert [a["id"] for a in rec.body["attachments"]] == ["0"]  # discord.py's placeholder, recorded as text
    assert rec.files == [("files[0]", "export.json", b'{"points": 3}')]
