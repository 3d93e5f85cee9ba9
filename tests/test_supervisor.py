"""The supervisor keeps a background loop alive: a loop that dies is logged and started again."""

from __future__ import annotations

import asyncio

from bot.supervisor import Supervised


async def test_a_loop_that_dies_is_restarted_with_growing_backoff():
    runs: list[int] = []
    done = asyncio.Event()

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) < 3:
            raise RuntimeError("a bug outside the loop's try")
        done.set()
        await asyncio.Event().wait()  # then it runs for good

    supervised = Supervised("flaky", flaky, first_delay=0.01, max_delay=0.05)
    supervised.start()
    await asyncio.wait_for(done.wait(), 2)
    assert len(runs) == 3 and supervised.restarts == 2 and supervised.running
    supervised.stop()
    await asyncio.sleep(0)
    assert not supervised.running


async def test_a_stopped_loop_is_not_restarted():
    runs = 0

    async def once() -> None:
        nonlocal runs
        runs += 1
        raise RuntimeError("boom")

    supervised = Supervised("once", once, first_delay=0.05)
    supervised.start()
    await asyncio.sleep(0.01)
    supervised.stop()
    await asyncio.sleep(0.1)
    assert runs == 1
