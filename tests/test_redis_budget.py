"""The shared budget with Redis far away, silent, or shared with another bot (issue 21, review B6).

Redis sits behind ``tests/redisproxy.py``, which delays each direction or black-holes it and counts
what the budget tried (connections, and commands by name: every EVAL is one booking). Where a test
must not depend on this machine's own hiccups, the budget gets a loop whose lag the test decides.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import pytest

from bot.ratelimit import BUDGET_RATE, LocalBudget, LoopLag, RedisBudget
from tests.redisproxy import RedisProxy, redis_proxy
from tests.servers import redis_server
from tests.test_ratelimit import SteadyLoop, busiest


class StalledLoop(SteadyLoop):
    """A loop that says it has just been held up ``seconds`` whenever the budget asks."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def held_up(self, since: float) -> float:
        return self.seconds

    def current(self) -> float:
        return self.seconds


@pytest.fixture
def redis_url():
    with redis_server() as url:
        yield url


@pytest.fixture
def proxy(redis_url):
    with redis_proxy(redis_url) as running:
        yield running


def budget(url: str, *, app: int | None = 1, share: float = BUDGET_RATE, lag: LoopLag | None = None, **options):
    return RedisBudget(url, fallback=LocalBudget(share, lag=lag or SteadyLoop()), application_id=app, **options)


async def until(condition: Callable[[], bool], what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def messages(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(1 for r in caplog.records if text in r.getMessage())


async def test_redis_60_ms_away_books_one_slot_per_request_and_uses_it(proxy: RedisProxy):
    """The old budget took a 50 ms round trip for a stall and booked three slots per request (a third of 47/s)."""
    proxy.delay(0.06)  # each way: a 120 ms round trip
    shared = budget(proxy.url, timeout=1.0)  # (a busy test machine's margin; 250 ms also covers 120 ms)

    async def requests(count: int) -> None:
        for _ in range(count):
            await shared.acquire()

    await asyncio.gather(*(requests(2) for _ in range(25)))  # 25 in flight, as the scheduler sends
    await shared.close()
    assert proxy.count("EVAL") == shared.booked == 50  # one booking per request, one round trip each
    assert shared.rebooked == 0 and shared.fallback.booked == 0  # none thrown away, none paced locally
    assert shared.state == "shared"


async def test_a_reply_read_late_because_this_process_stalled_is_booked_once_more(proxy: RedisProxy):
    shared = budget(proxy.url, lag=StalledLoop(0.1))  # the loop says it was held up 100 ms as the reply came
    await shared.acquire()
    await shared.close()
    assert proxy.count("EVAL") == 2 and shared.rebooked == 1  # once more, never a third time


async def test_a_silent_redis_costs_one_timeout_then_requests_stay_local_until_one_probe(
    proxy: RedisProxy, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG, logger="bot.ratelimit")
    shared = budget(proxy.url, share=200.0, breaker_seconds=2.0)
    await shared.acquire()
    assert shared.state == "shared" and proxy.count("EVAL") == 1

    proxy.silent = True  # a partition: the port still accepts, nothing answers
    await asyncio.gather(*(shared.acquire() for _ in range(5)))  # in flight together: one timeout opens it
    assert shared.state == "local"
    tried, paced_locally = proxy.tried(), shared.fallback.booked
    assert paced_locally == 5

    await asyncio.gather(*(shared.acquire() for _ in range(40)))
    assert proxy.tried() == tried  # not one connection or command while the breaker is open
    assert shared.fallback.booked == paced_locally + 40  # every one went at the local share

    await asyncio.sleep(shared.breaker_seconds)  # the period ends: the next request starts one probe
    await shared.acquire()
    await until(lambda: shared.state != "probing", "the probe")
    assert shared.state == "local"  # still silent: open for another period
    connections, commands = proxy.tried()
    assert (connections, commands) == (tried[0] + 1, tried[1] + 1) and proxy.count("PING") == 1
    assert messages(caplog, "Redis is unreachable") == 1  # the switch is logged once, not per request or probe

    proxy.silent = False
    await asyncio.sleep(shared.breaker_seconds)
    await shared.acquire()
    await until(lambda: shared.state != "probing", "the probe")
    assert shared.state == "rejoining"  # back on Redis, kept to the share while the others come back
    booked_locally, evals = shared.fallback.booked, proxy.count("EVAL")
    await shared.acquire()
    assert (shared.fallback.booked, proxy.count("EVAL")) == (booked_locally + 1, evals + 1)  # paced on both
    assert messages(caplog, "Redis is back") == 1
    await shared.close()


async def test_a_timeout_while_this_process_stalled_is_tried_once_more_before_the_breaker_opens(
    proxy: RedisProxy,
):
    proxy.silent = True
    shared = budget(proxy.url, lag=StalledLoop(0.1))
    await shared.acquire()
    await shared.close()
    assert proxy.count("EVAL") == 2  # the stall may have been what ran the clock out: one more try, no more
    assert shared.state == "local" and shared.fallback.booked == 1


async def test_until_the_application_id_is_known_requests_go_at_the_local_share(proxy: RedisProxy):
    shared = budget(proxy.url, app=None)
    await asyncio.gather(*(shared.acquire() for _ in range(3)))  # logging in: the id is not known yet
    assert shared.state == "unbound" and proxy.tried() == (0, 0) and shared.fallback.booked == 3
    shared.bind(4242)
    assert shared.key == "heartstopper-bot:4242:rest-budget"
    await shared.acquire()
    await shared.close()
    assert proxy.count("EVAL") == 1


async def test_two_bots_on_one_redis_do_not_share_slots(redis_url: str):
    from redis import asyncio as redis_asyncio

    client = redis_asyncio.from_url(redis_url)
    staging, production, production_again = budget(redis_url, app=111), budget(redis_url, app=222), None
    try:
        assert staging.key != production.key
        queued = [asyncio.create_task(staging.acquire()) for _ in range(20)]  # a queue on staging's grid
        await until(lambda: staging.booked == 20, "staging's bookings")
        staging_grid = await client.get(staging.key)
        await production.acquire()
        assert await client.get(staging.key) == staging_grid  # production booked nothing on staging's grid
        assert await client.exists(production.key)

        production_again = budget(redis_url, app=111)  # the control: the same application shares the grid
        await production_again.acquire()
        assert int(await client.get(staging.key)) > int(staging_grid)
        await asyncio.gather(*queued)
    finally:
        for one in (staging, production, production_again):
            if one is not None:
                await one.close()
        await client.aclose()


async def test_two_processes_stay_under_50_a_second_as_redis_goes_silent_and_comes_back(
    proxy: RedisProxy, caplog: pytest.LogCaptureFixture
):
    """Handing over both ways: local slots start after the shared ones; back on Redis, each keeps to its share
    until the other is back too. Two budgets of half the token each (two processes), 25 requests in flight each."""
    caplog.set_level(logging.INFO, logger="bot.ratelimit")
    proxy.delay(0.03)
    budgets = [budget(proxy.url, share=BUDGET_RATE / 2, lag=LoopLag(), breaker_seconds=1.0) for _ in range(2)]
    sent: list[float] = []
    stop = asyncio.Event()

    async def sender(one: RedisBudget) -> None:
        while not stop.is_set():
            await one.acquire()
            sent.append(time.monotonic())
            await asyncio.sleep(0.01)  # the request itself

    senders = [asyncio.create_task(sender(one)) for one in budgets for _ in range(25)]
    try:
        await asyncio.sleep(1.5)
        proxy.silent = True
        await until(lambda: all(one.state in ("local", "probing") for one in budgets), "both to go local")
        await asyncio.sleep(2.5)  # a probe or two fails meanwhile
        proxy.silent = False
        await until(lambda: all(one.state == "shared" for one in budgets), "both to share the budget again")
        await asyncio.sleep(1)
    finally:
        stop.set()
        await asyncio.gather(*senders)
        for one in budgets:
            await one.close()
    assert busiest(sent, 1.0) <= 50
    assert messages(caplog, "Redis is unreachable") == 2 and messages(caplog, "Redis is back") == 2
