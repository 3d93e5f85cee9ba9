"""A small async pacer for broadcasts.

discord.py waits after a 429 and respects per-route buckets, but nothing keeps a broadcast to
thousands of channels under Discord's global 50 requests/second; this spaces the starts of
sends evenly so the bot stays just under it and earns no 429s.
"""

from __future__ import annotations

import asyncio
import time


class Pacer:
    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if self._next > now:
                await asyncio.sleep(self._next - now)
                now = self._next
            self._next = max(now, self._next) + self.interval
