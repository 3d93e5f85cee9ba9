"""The pacer spaces sends from when each actually went: a late wake-up never turns into a burst."""

from __future__ import annotations

import asyncio
import itertools
import time

from bot.ratelimit import Pacer


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
