"""A clock a person can move: run time faster, or jump to the next scheduled post.

The bot takes its clock by injection, so the countdown scheduler and the trivia timers run on
this one unchanged. Every change wakes every sleeper, which then sleeps again for whatever is
left at the new speed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import time

MAX_SLEEP = 60.0  # real seconds; sleepers look again at least this often
MAX_SPEED = 100_000.0
MAX_ADVANCE = 10 * 366 * 86_400.0  # seconds: ten years is past anything a schedule plans, and far from year 9999


class PlaygroundClock:
    def __init__(self, start: dt.datetime | None = None, *, speed: float = 1.0) -> None:
        self._base = (start or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        self._origin = time.monotonic()
        self.speed = speed
        self._changed = asyncio.Event()

    def now(self) -> dt.datetime:
        return self._base + dt.timedelta(seconds=(time.monotonic() - self._origin) * self.speed)

    async def sleep_until(self, when: dt.datetime) -> None:
        while (remaining := (when - self.now()).total_seconds()) > 0:
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), min(remaining / self.speed, MAX_SLEEP))
            except TimeoutError:
                pass

    def _rebase(self, base: dt.datetime) -> None:
        self._base = base.astimezone(dt.UTC)
        self._origin = time.monotonic()
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def set_speed(self, speed: float) -> None:
        """Run time faster or slower; ``ValueError`` says why a speed is refused (NaN fails every comparison)."""
        if not 0 < speed <= MAX_SPEED:
            raise ValueError(f"speed must be more than 0 and at most {MAX_SPEED:,.0f}")
        base = self.now()
        self.speed = speed
        self._rebase(base)

    def jump_to(self, when: dt.datetime) -> None:
        """Move to ``when`` (never backwards: a schedule is never asked to post a day twice)."""
        self._rebase(max(when, self.now()))

    def advance(self, seconds: float) -> None:
        """Step forward; refused with a reason (``ValueError``) before ``timedelta`` could overflow."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("seconds must be a number of seconds to move forward (the clock never goes back)")
        if seconds > MAX_ADVANCE:
            raise ValueError(f"seconds can be at most {MAX_ADVANCE:,.0f} (ten years) at a time")
        try:
            self.jump_to(self.now() + dt.timedelta(seconds=seconds))
        except OverflowError:
            raise ValueError("that would move the clock past the year 9999") from None
