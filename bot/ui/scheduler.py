"""One scheduler for everything the bot posts on its own: the daily countdown and the question of the day.

Each feature is a ``JobSource``: it knows which servers are due (exactly once per server and local
day, DST-safe, late within grace or skipped, as ``bot.domain.schedule`` decides) and turns each
into a ``Job`` that sends one post. The scheduler owns what they share: one loop that sleeps until
the earliest due post (or a schedule change, or a minute), one pacer that keeps every broadcast
under Discord's global 50 requests/second, a bound on sends in flight, and supervision
(``bot.supervisor``) so a bug can delay a post but never end the loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

from bot.clock import Clock
from bot.ratelimit import Pacer
from bot.supervisor import Supervised

log = logging.getLogger(__name__)

BROADCAST_RATE = 47.0  # sends started per second: 94% of Discord's global 50/s, room for replies
BROADCAST_CONCURRENCY = 25
RETRY_AFTER_FAILURE = dt.timedelta(seconds=30)
IDLE_RECHECK = dt.timedelta(seconds=60)


class Job(Protocol):
    @property
    def guild_id(self) -> int: ...

    async def run(self) -> bool:
        """Send one post; True when it is settled (sent, or its schedule turned off), False to retry."""
        ...


class JobSource(Protocol):
    @property
    def name(self) -> str: ...

    def due(self) -> AsyncIterator[Job]:
        """Jobs due now, each claimed (exactly once per server and day) before it is yielded."""
        ...

    async def next_due_at(self) -> dt.datetime | None: ...


class Scheduler:
    def __init__(
        self,
        clock: Clock,
        *,
        wait_until_ready: Callable[[], Awaitable[object]],
        is_closed: Callable[[], bool],
        rate: float = BROADCAST_RATE,
        concurrency: int = BROADCAST_CONCURRENCY,
        may_run: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self._clock = clock
        self._may_run = may_run
        self.waiting_for_shards = False
        self._wait_until_ready = wait_until_ready
        self._is_closed = is_closed
        self._sources: list[JobSource] = []
        self._pacer = Pacer(rate)
        self._concurrency = concurrency
        self._wake = asyncio.Event()
        self._loop = Supervised("scheduler", self._run)
        self.last_pass_at: dt.datetime | None = None

    def add(self, source: JobSource) -> None:
        if all(s.name != source.name for s in self._sources):
            self._sources.append(source)
        self.wake()

    def remove(self, name: str) -> None:
        self._sources = [s for s in self._sources if s.name != name]

    def wake(self) -> None:
        """A schedule changed: look again now rather than at the next idle check."""
        self._wake.set()

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    async def _run(self) -> None:
        """Post what is due, then sleep until the next due post; every step inside the error handling."""
        await self._wait_until_ready()
        while not self._is_closed():
            started = self._clock.now()
            try:
                if await self._hold_shards():
                    failures = await self.dispatch_due()
                    due = [d for d in [await s.next_due_at() for s in self._sources] if d is not None]
                    next_at = min(due) if due else None
                    self.last_pass_at = self._clock.now()
                else:
                    failures, next_at = 1, None  # look again after RETRY_AFTER_FAILURE
            except Exception:
                log.exception("scheduler pass failed; retrying shortly")
                failures, next_at = 1, None
            now = self._clock.now()
            deadline = min(next_at, now + IDLE_RECHECK) if next_at else now + IDLE_RECHECK
            # After a failure, wait RETRY_AFTER_FAILURE from the end of the pass. Otherwise the floor
            # counts from when the pass started: passes start at most once a second (no busy loop on a
            # post that stays due), yet a post that fell due while the pass was reading goes out as
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

    async def _hold_shards(self) -> bool:
        """Another process still running one of our shards (a rolling deploy's overlap): wait for it."""
        held = self._may_run is None or await self._may_run()
        if held == self.waiting_for_shards:
            if held:
                log.info("scheduler: this process now holds its shards; scheduling")
            else:
                log.warning("scheduler: another process still holds one of this process's shards; waiting")
        self.waiting_for_shards = not held
        return held

    async def dispatch_due(self) -> int:
        """Run every due job of every source; returns how many failed for a reason worth retrying.

        Jobs stream in one server at a time and each starts as soon as it is claimed, at most
        ``concurrency`` in flight, started no faster than the pacer allows (shared by all sources).
        """
        gate = asyncio.Semaphore(self._concurrency)
        runs: list[asyncio.Task[bool]] = []

        async def one(job: Job) -> bool:
            try:
                await self._pacer.wait()
                return await job.run()
            finally:
                gate.release()

        planning_failures = 0
        try:
            for source in list(self._sources):
                try:
                    async for job in source.due():
                        await gate.acquire()
                        runs.append(asyncio.create_task(one(job)))
                except Exception:
                    # One feature's failing read must not keep the other's posts from going out.
                    log.exception("planning %s posts failed; retrying shortly", source.name)
                    planning_failures += 1
        finally:
            # Even if planning fails part-way, the jobs already claimed finish before the next pass.
            results = await asyncio.gather(*runs, return_exceptions=True)
        if runs:
            log.info("scheduler: %d post(s) sent or tried", len(runs))
        for error in (r for r in results if isinstance(r, BaseException)):
            log.error("scheduled post failed unexpectedly", exc_info=error)
        return planning_failures + sum(1 for ok in results if ok is not True)
