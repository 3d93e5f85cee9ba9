"""Two processes on one token share one request budget through Redis; without Redis each keeps to its share.

Redis far away or silent (``tests/redisproxy.py`` in front of it) changes how the budget gets its slots,
never what reaches Discord: 0 x 429 and no second above 50 requests at the stand-in.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections import Counter

import pytest

from bot.services import build_services
from bot.storage import open_database
from bot.storage.migrate import migrate
from tests.clocks import ManualClock
from tests.conftest import daily_countdown, settle, start_bot
from tests.redisproxy import redis_proxy
from tests.servers import closed_port_url, redis_server

DUE = dt.datetime(2026, 11, 26, 9, 0, 5, tzinfo=dt.UTC)
POSTS = r"^/channels/\d+/messages$"


@pytest.fixture
def redis_url():
    with redis_server() as url:
        yield url


async def _configure(fake, db_path, catalog, guilds):
    db = await open_database(db_path)
    await migrate(db)
    services = build_services(db, catalog, ManualClock(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)), random.Random(1))
    for guild in guilds:
        await daily_countdown(services, int(guild["id"]), fake.channel_ids(guild)[0])
    await db.close()


async def _two_shards_due(fake, db_path, catalog, manual_clock, redis_url):
    """Two processes (shard 0 and shard 1 of two) on one budget, both woken at the minute 200 posts are due."""
    env = {"SHARD_COUNT": "2", "REDIS_URL": redis_url}
    first = await start_bot(fake, db_path, catalog, clock=manual_clock, extra_env={**env, "SHARD_IDS": "0"})
    second = await start_bot(fake, db_path, catalog, clock=manual_clock, extra_env={**env, "SHARD_IDS": "1"})
    await manual_clock.set(DUE)
    first.bot.scheduler.wake()
    second.bot.scheduler.wake()
    return first, second


async def test_two_processes_share_one_budget_through_redis(fake, db_target, catalog, manual_clock, redis_url):
    fake.global_limit = 50
    guilds = [fake.add_guild(f"g{i}", channels=1) for i in range(200)]
    db_path = db_target
    await _configure(fake, db_path, catalog, guilds)
    first, second = await _two_shards_due(fake, db_path, catalog, manual_clock, redis_url)
    try:
        await fake.wait_for("POST", r"^/channels/\d+/messages$", lambda r: r.status == 200, count=200, timeout=60)
        posts = Counter(r.path for r in fake.find("POST", r"^/channels/\d+/messages$", lambda r: r.status == 200))
        assert len(posts) == 200 and set(posts.values()) == {1}  # every server once, by whichever owns it
        assert not fake.rate_limited  # 0 x 429
        assert fake.busiest_second() <= 50
    finally:
        await first.stop()
        await second.stop()


async def test_without_redis_a_process_keeps_to_its_share_and_says_so_once(
    fake, tmp_path, catalog, manual_clock, caplog
):
    fake.global_limit = 50
    guilds = [fake.add_guild(f"g{i}", channels=1) for i in range(20)]
    db_path = tmp_path / "bot.sqlite3"
    await _configure(fake, db_path, catalog, guilds)
    caplog.set_level(logging.WARNING, logger="bot.ratelimit")
    handle = await start_bot(fake, db_path, catalog, clock=manual_clock, extra_env={"REDIS_URL": closed_port_url()})
    try:
        await manual_clock.set(DUE)
        handle.bot.scheduler.wake()
        await fake.wait_for("POST", r"^/channels/\d+/messages$", lambda r: r.status == 200, count=20, timeout=60)
        await settle()
        warnings = [r for r in caplog.records if "Redis is unreachable" in r.getMessage()]
        assert len(warnings) == 1 and not fake.rate_limited
    finally:
        await handle.stop()


@pytest.mark.parametrize("network", ["60 ms each way", "silent", "silent mid-broadcast"])
async def test_two_processes_keep_under_the_limit_when_redis_is_slow_or_silent(
    fake, tmp_path, catalog, manual_clock, redis_url, network, caplog
):
    """60 ms each way, both processes share 47/s and never fall back; silent (a partition: connections
    accepted, nothing answered), each goes to its share after one timeout; silent mid-broadcast, the shares
    start after the slots already booked on Redis, so the two grids never overlap."""
    caplog.set_level(logging.WARNING, logger="bot.ratelimit")
    fake.global_limit = 50
    guilds = [fake.add_guild(f"g{i}", channels=1) for i in range(200)]
    db_path = tmp_path / "bot.sqlite3"
    await _configure(fake, db_path, catalog, guilds)
    with redis_proxy(redis_url) as proxy:
        if network == "60 ms each way":
            proxy.delay(0.06)
        elif network == "silent":
            proxy.silent = True
        first, second = await _two_shards_due(fake, db_path, catalog, manual_clock, proxy.url)
        try:
            if network == "silent mid-broadcast":
                await fake.wait_for("POST", POSTS, lambda r: r.status == 200, count=60, timeout=60)
                proxy.silent = True
            await fake.wait_for("POST", POSTS, lambda r: r.status == 200, count=200, timeout=90)
            posts = Counter(r.path for r in fake.find("POST", POSTS, lambda r: r.status == 200))
            assert len(posts) == 200 and set(posts.values()) == {1}
            assert not fake.rate_limited  # 0 x 429
            assert fake.busiest_second() <= 50
            states = {first.bot.rest_budget.state, second.bot.rest_budget.state}
            switches = [r for r in caplog.records if "Redis is unreachable" in r.getMessage()]
            if network == "60 ms each way":
                assert states == {"shared"} and not switches  # slow is not down: no process fell back
            else:
                assert states == {"local"} and len(switches) == 2  # each process switched once, said so once
        finally:
            await first.stop()
            await second.stop()
