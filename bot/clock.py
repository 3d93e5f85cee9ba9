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
