"""A clock for tests: time moves only when the test says so, and sleepers wake as it passes them."""

from __future__ import annotations

import asyncio
import datetime as dt

UTC = dt.UTC


class ManualClock:
    """A clock that only moves when told to; sleepers wake as it passes their deadline."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._changed = asyncio.Condition()

    def now(self) -> dt.datetime:
        return self._now

    async def sleep_until(self, when: dt.datetime) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self._now >= when)

    async def advance(self, seconds: float) -> None:
        """Move time forward and let every sleeper whose deadline passed run."""
        await self.set(self._now + dt.timedelta(seconds=seconds))

    async def set(self, when: dt.datetime) -> None:
        self._now = when.astimezone(UTC)
        async with self._changed:
            self._changed.notify_all()
        # Give woken tasks a few turns of the loop before the caller looks at the results.
        for _ in range(5):
            await asyncio.sleep(0)
