"""The pacer spaces sends from when each actually went: a late wake-up never turns into a burst."""

from __future__ import annotations

import asyncio
import itertools
import time

from bot.ratelimit import LocalBudget, Pacer, RedisBudget
from tests.servers import redis_server


async def test_a_late_wake_up_does_not_make_the_pacer_catch_up():
    pacer = Pacer(100)  # one send per 10 ms
    loop = asyncio.get_running_loop()
    released = []
    for i in range(15):
        if i in (4, 9):
            loop.call_later(0.002, time.sleep, 0.05)  # the loop stalls while the pacer sleeps (on purpose)
        await pacer.wait()
        released.append(time.monotonic())
    gaps = [b - a for a, b in itertools.pairwise(released)]
    assert min(gaps) >= pacer.interval * 0.5, f"sends bunched after a stall: {[round(g * 1000, 1) for g in gaps]}"


async def test_the_shared_budget_does_not_burst_after_this_process_stalls():
    """Requests waiting for their Redis slots through a stall book fresh ones instead of all going at once."""
    with redis_server() as url:
        budget = RedisBudget(url, per_second=100, fallback=LocalBudget(100))
        released: list[float] = []

        async def one() -> None:
            await budget.acquire()
            released.append(time.monotonic())

        waiting = [asyncio.create_task(one()) for _ in range(30)]
        await asyncio.sleep(0.05)
        time.sleep(0.15)  # the loop is held up while most of them wait for their slots (on purpose)
        await asyncio.gather(*waiting)
        await budget.close()
    released.sort()
    busiest = max(sum(1 for t in released if start <= t < start + 0.1) for start in released)
    assert busiest <= 12, f"{busiest} requests in 100 ms at 100/s"
