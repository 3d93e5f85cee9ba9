"""The stand-in's world without HTTP: ids on its clock, nonce records, bounded tables, watchers."""

from __future__ import annotations

import datetime as dt

import discord

from bot.localdiscord import snowflake_at, time_of
from bot.localdiscord.bounded import BoundedDict, BoundedLog
from bot.localdiscord.changes import RESYNC, Subscription
from bot.localdiscord.world import NonceTable, World
from tests.clocks import ManualClock
from tests.localdiscord.conftest import START, Ticks


async def test_ids_carry_the_worlds_clock_and_never_go_back():
    clock = ManualClock(START)
    world = World(clock=clock.now)
    burst = [world.ids.next() for _ in range(5000)]  # more than 4,096 in one millisecond
    assert burst == sorted(set(burst))
    assert time_of(burst[0]) == START and time_of(burst[-1]) - START < dt.timedelta(milliseconds=5)
    await clock.advance(3600)
    later = world.ids.next()
    assert time_of(later) == START + dt.timedelta(hours=1)
    await clock.set(START)  # a clock set back: ids still grow
    assert world.ids.next() > later


def test_snowflake_at_is_discord_py_s_time_snowflake():
    when = dt.datetime(2026, 12, 4, 9, 30, 15, 250000, tzinfo=dt.UTC)
    assert snowflake_at(when) == discord.utils.time_snowflake(when, high=False)
    assert snowflake_at(when, high=True) == discord.utils.time_snowflake(when, high=True)
    assert snowflake_at(when.timestamp()) == snowflake_at(when.replace(tzinfo=None)) == snowflake_at(when)
    assert time_of(snowflake_at(when)) == when


def test_guilds_made_in_a_burst_spread_over_shards():
    world = World(clock=ManualClock(START).now)
    guilds = [world.add_guild(f"g{i}", channels=1) for i in range(40)]
    shards = [(int(g["id"]) >> 22) % 2 for g in guilds]
    assert 10 <= shards.count(0) <= 30
    message_id = int(world.store_message(world.channel_ids(guilds[0])[0], {"content": "hi"})["id"])
    assert time_of(message_id) == START, "guild ids do not push message ids ahead of the clock"


def test_nonce_records_count_posts_and_the_table_keeps_the_newest():
    ticks = Ticks()
    table = NonceTable(window=180, clock=ticks, maxlen=3)
    for n in range(5):
        ticks.advance(1)
        table.remember(table.count_post(1, f"n{n}"), 100 + n)
    assert list(table) == [(1, "n2"), (1, "n3"), (1, "n4")]
    assert table.remembered(1, "n4") == 104
    ticks.advance(180)
    assert table.remembered(1, "n4") is None and table[(1, "n4")].message_id == 104


def test_deleting_a_channel_removes_it_and_its_messages():
    world = World()
    guild = world.add_guild(channels=2)
    gone, kept = world.channel_ids(guild)
    world.store_message(gone, {"content": "a"})
    world.store_message(kept, {"content": "b"})
    world.delete_channel(gone)
    assert world.channel_ids(guild) == [kept] and not world.channel_exists(gone)
    assert [m["content"] for m in world.messages.values()] == ["b"]


def test_history_on_a_short_channel():
    world = World()
    channel = world.channel_ids(world.add_guild())[0]
    ids = [int(world.store_message(channel, {"content": str(i)})["id"]) for i in range(3)]
    assert [int(m["id"]) for m in world.history(channel, around=ids[1], limit=100)] == ids[::-1]
    assert world.history(channel, after=ids[2]) == [] and world.history(channel, before=ids[0]) == []
    assert world.history(12345) == []


def test_the_interaction_table_forgets_the_oldest_with_its_token():
    from bot.localdiscord.world import Interaction

    world = World(max_interactions=2)
    for i in range(3):
        world.add_interaction(Interaction(i, f"tok{i}", {}))
    assert list(world.interactions) == [1, 2]
    assert world.interaction_by_token("tok0") is None and world.interaction_by_token("tok2") is not None


def test_bounded_log_reads_like_a_list():
    log = BoundedLog(3, range(5))
    assert log == [2, 3, 4] and log[0] == 2 and log[-1] == 4 and log[1:] == [3, 4] and log[::-1] == [4, 3, 2]
    assert len(log) == 3 and log.dropped == 2 and bool(log)
    log.extend([5])
    assert list(log) == [3, 4, 5] and log != [3, 4]


def test_bounded_dict_drops_the_oldest():
    dropped = []
    table = BoundedDict(2, lambda k, v: dropped.append(k))
    for key in "abc":
        table[key] = key.upper()
    assert dict(table) == {"b": "B", "c": "C"} and dropped == ["a"] and table.dropped == 1


async def test_a_watcher_that_falls_behind_is_told_to_resync():
    world = World()
    channel = world.channel_ids(world.add_guild())[0]
    watcher = world.subscribe(3)
    for i in range(4):
        world.store_message(channel, {"content": str(i)})
    assert watcher.pending() == 1 and watcher.overflows == 1
    assert (await watcher.get())[0] == RESYNC
    world.store_message(channel, {"content": "next"})
    event, message = await watcher.get()
    assert (event, message["content"]) == ("create", "next")
    world.unsubscribe(watcher)
    world.store_message(channel, {"content": "unheard"})
    assert watcher.pending() == 0 and isinstance(watcher, Subscription)
