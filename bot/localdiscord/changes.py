"""Waiting on the stand-in without sleeping, and watching its world with a bounded backlog.

Every part (REST, gateway, world edits made by a test) calls ``Changes.notify()`` after it changed
something; ``wait_until(predicate)`` re-checks the predicate then. Tests thus wait on a condition,
never on a fixed sleep.

``Subscription`` is for a watcher of world events (the playground page): its queue holds at most
``maxsize`` events. A watcher that falls that far behind gets one ``("resync", {})`` in place of the
backlog and reloads the whole state, so a stalled browser tab cannot grow the stand-in's memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

Event = tuple[str, dict[str, Any]]
RESYNC = "resync"


class Changes:
    """A condition every part of the stand-in pokes after a change."""

    def __init__(self) -> None:
        self._changed = asyncio.Condition()

    async def notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        """Return once ``predicate()`` holds; fail naming ``what`` after ``timeout`` seconds."""

        async def ready() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        try:
            await asyncio.wait_for(ready(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None


class Subscription:
    """World events for one watcher, at most ``maxsize`` of them waiting (then one resync instead)."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 2:
            raise ValueError("a subscription needs room for at least two events")
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self.overflows = 0  # how often the watcher fell behind and was told to resync

    def put(self, event: str, data: dict[str, Any]) -> None:
        """Queue one event (a listener: called by the world as things change)."""
        try:
            self._queue.put_nowait((event, data))
        except asyncio.QueueFull:
            self.overflows += 1
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait((RESYNC, {}))

    async def get(self) -> Event:
        return await self._queue.get()

    def pending(self) -> int:
        return self._queue.qsize()
