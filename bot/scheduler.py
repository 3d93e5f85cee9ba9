"""One scheduler for everything the bot does on its own: planners write the outbox, one executor runs it.

Each feature is a ``Planner``: it knows what is due (the daily countdown and the question of the
day, exactly once per server and local day, DST-safe, late within grace or skipped, as
``bot.domain.schedule`` decides; a window closing; a game whose process is gone; scheduled events
out of step) and writes it down as outbox rows, in the same transaction that moves its schedule
on. The outbox's executor (``bot.services.outbox``) attempts the rows. Both run only while this
process holds its shards' lease, so two processes never act for one server at once, and both are
supervised (``bot.supervisor``): a bug can delay a post but never end either loop.

The scheduler owns no pacing: every request the bot sends waits for the one REST budget
(``bot.ratelimit``), which keeps broadcasts under Discord's global limit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot import metrics
from bot.clock import Clock
from bot.services.outbox import OutboxService
from bot.supervisor import Supervised

log = logging.getLogger(__name__)

RETRY_AFTER_FAILURE = dt.timedelta(seconds=30)
IDLE_RECHECK = dt.timedelta(seconds=60)


class Planner(Protocol):
    @property
    def name(self) -> str: ...

    async def plan(self) -> None:
        """Write down (as outbox rows) everything of this feature that is due now; one bad server never
        stops the others (it is logged, turned off with a reason moderators see, and the pass goes on)."""
        ...

    async def next_due_at(self) -> dt.datetime | None: ...


class Scheduler:
    def __init__(
        self,
        clock: Clock,
        outbox: OutboxService,
        *,
        wait_until_ready: Callable[[], Awaitable[object]],
        is_closed: Callable[[], bool],
        hold_shards: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self._clock = clock
        self.outbox = outbox
        self._hold_shards = hold_shards
        self._wait_until_ready = wait_until_ready
        self._is_closed = is_closed
        self._planners: list[Planner] = []
        self._wake = asyncio.Event()
        self._planning = Supervised("scheduler", self._run)
        self._executing = Supervised("outbox", self._execute)
        self.holding = False  # this process holds its shards' lease (as of the last pass)
        self.waiting_for_shards = False
        self.last_pass_at: dt.datetime | None = None
        self._expected_at: dt.datetime | None = None  # when the last pass thought the next post was due
        self.backlog: dict[str, int] = {}
        metrics.set_outbox_backlog_source(lambda: self.backlog)

    def add(self, planner: Planner) -> None:
        if all(p.name != planner.name for p in self._planners):
            self._planners.append(planner)
        self.wake()

    def remove(self, name: str) -> None:
        self._planners = [p for p in self._planners if p.name != name]

    def wake(self) -> None:
        """A schedule changed: look again now rather than at the next idle check."""
        self._wake.set()

    def start(self) -> None:
        self._planning.start()
        self._executing.start()

    def stop(self) -> None:
        self._planning.stop()
        self._executing.stop()
        self.outbox.cancel()

    async def _execute(self) -> None:
        await self._wait_until_ready()
        await self.outbox.run(lambda: self.holding)

    async def _run(self) -> None:
        """Plan what is due, then sleep until the next due post; every step inside the error handling."""
        await self._wait_until_ready()
        while not self._is_closed():
            started = self._clock.now()
            if self._expected_at is not None and started > self._expected_at:
                metrics.scheduler_lag((started - self._expected_at).total_seconds())
            try:
                if await self._hold():
                    failures = await self.plan_due()
                    due = [d for d in [await p.next_due_at() for p in self._planners] if d is not None]
                    next_at = min(due) if due else None
                    self.backlog = await self.outbox.counts()
                    self.last_pass_at = self._clock.now()
                else:
                    failures, next_at = 1, None  # look again after RETRY_AFTER_FAILURE
            except Exception:
                log.exception("scheduler pass failed; retrying shortly")
                failures, next_at = 1, None
            self._expected_at = next_at
            now = self._clock.now()
            deadline = min(next_at, now + IDLE_RECHECK) if next_at else now + IDLE_RECHECK
            # After a failure, wait RETRY_AFTER_FAILURE from the end of the pass. Otherwise the floor
            # counts from when the pass started: passes start at most once a second (no busy loop on a
            # post that stays due), yet a post that fell due while the pass was planning goes out as
            # soon as the pass ends, not a second later.
            floor = now + RETRY_AFTER_FAILURE if failures else started + dt.timedelta(seconds=1)
            deadline = max(deadline, floor)
            sleeper = asyncio.create_task(self._clock.sleep_until(deadline))
            waker = asyncio.create_task(self._wake.wait())
            try:
                await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()
                self._wake.clear()

    async def _hold(self) -> bool:
        """Another process still running one of our shards (a rolling deploy's overlap): wait for it."""
        held = self._hold_shards is None or await self._hold_shards()
        if held == self.waiting_for_shards:
            if held:
                log.info("scheduler: this process now holds its shards; scheduling")
            else:
                log.warning("scheduler: another process still holds one of this process's shards; waiting")
        self.waiting_for_shards = not held
        if held and not self.holding:
            self.outbox.wake()
        self.holding = held
        return held

    async def plan_due(self) -> int:
        """Run every planner; returns how many failed (one feature's failure never holds back another's)."""
        failures = 0
        for planner in list(self._planners):
            try:
                await planner.plan()
            except Exception:
                log.exception("planning %s failed; retrying shortly", planner.name)
                failures += 1
        return failures
