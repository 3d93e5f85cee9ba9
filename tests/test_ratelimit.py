"""The local budget: one slot per request, and a stall never turns into a burst; the loop-lag heartbeat.

The shared (Redis) budget is tested in tests/test_redis_budget.py, behind a proxy that slows or silences Redis.
"""

from __future__ import annotations

import asyncio
import time

from bot.ratelimit import BUDGET_RATE, LocalBudget, LoopLag


class SteadyLoop(LoopLag):
    """A loop that is never held up: whatever a budget books again is then down to something else."""

    def touch(self) -> None:
        pass

    @property
    def watching(self) -> bool:  # as if a shared budget kept a heartbeat running
        return True

    def held_up(self, since: float) -> float:
        return 0.0

    def current(self) -> float:
        return 0.0


def busiest(released: list[float], window: float) -> int:
    """The most releases in any ``window`` seconds (a count, as the stand-in counts requests per second)."""
    released = sorted(released)
    return max((sum(1 for t in released if start <= t < start + window) for start in released), default=0)


async def test_the_local_budget_books_one_slot_per_request():
    budget = LocalBudget(1000, lag=SteadyLoop())
    await asyncio.gather(*(budget.acquire() for _ in range(50)))
    assert budget.booked == 50 and budget.rebooked == 0


async def test_requests_that_slept_through_a_stall_book_again_instead_of_going_at_once():
    budget = LocalBudget(100)  # one request per 10 ms; no heartbeat: the lateness alone judges the stall
    released: list[float] = []

    async def one() -> None:
        await budget.acquire()
        released.append(time.monotonic())

    waiting = [asyncio.create_task(one()) for _ in range(30)]
    await asyncio.sleep(0.05)
    time.sleep(0.15)  # the loop is held up while most of them wait for their slots (on purpose)
    await asyncio.gather(*waiting)
    await budget.close()
    assert budget.rebooked >= 1  # the slots that passed during the stall were left, not used late
    assert busiest(released, 0.1) <= 12, f"{busiest(released, 0.1)} requests in 100 ms at 100/s"


async def test_the_local_share_can_be_told_to_start_after_the_shared_grid():
    """Going local after Redis failed, the share must not book slots the shared grid already gave out."""
    budget = LocalBudget(BUDGET_RATE / 2, lag=SteadyLoop())
    later = time.monotonic() + 10
    budget.not_before(later)
    assert budget.horizon == later
    budget.not_before(later - 5)  # never earlier again
    assert budget.horizon == later


async def test_the_heartbeat_sees_the_loop_held_up():
    lag = LoopLag()
    lag.touch()
    await asyncio.sleep(0.02)
    before = time.monotonic()
    time.sleep(0.1)  # a stall (on purpose)
    assert lag.current() >= 0.05  # while it lasts: the heartbeat is overdue
    assert lag.held_up(before) >= 0.05
    await asyncio.sleep(0)  # the heartbeat runs and records it
    await asyncio.sleep(0)
    assert lag.held_up(before) >= 0.05
    await lag.close()
