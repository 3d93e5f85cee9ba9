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


async def test_a_cancel_nobody_asked_for_restarts_the_loop():
    """Something inside cancels the loop's own task (not a stop): that is a failure, and the loop comes back."""
    runs: list[int] = []
    again = asyncio.Event()

    async def cancels_itself() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            current = asyncio.current_task()
            assert current is not None
            current.cancel()
            await asyncio.sleep(1)
        again.set()
        await asyncio.Event().wait()

    supervised = Supervised("self-cancelling", cancels_itself, first_delay=0.01)
    supervised.start()
    await asyncio.wait_for(again.wait(), 2)
    assert len(runs) == 2 and supervised.restarts == 1
    supervised.stop()
