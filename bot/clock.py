"""Time as a dependency.

Every rule that depends on "now" takes a ``Clock`` so tests move time instead of waiting. The
clock also owns *waiting* (``sleep_until``) so a test clock can wake sleepers when it is advanced:
the trivia timer and the countdown scheduler then run at test speed with the real code paths.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Protocol

UTC = dt.UTC


class Clock(Protocol):
    """Aware-UTC time source with an awaitable wait."""

    def now(self) -> dt.datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    async def sleep_until(self, when: dt.datetime) -> None:
        """Return once ``now() >= when`` (immediately if it already is)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)

    async def sleep_until(self, when: dt.datetime) -> None:
        # Sleep in slices so a wall-clock jump (NTP, suspend) is noticed within a minute.
        while True:
            remaining = (when - self.now()).total_seconds()
            if remaining <= 0:
                return
            await asyncio.sleep(min(remaining, 60.0))


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
