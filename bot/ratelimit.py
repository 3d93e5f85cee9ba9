"""Keeping the bot under Discord's global limit of 50 requests per second for its token.

discord.py waits after a 429 and respects per-route buckets, but nothing keeps a broadcast to
thousands of channels, or several processes sharing one token, under the global limit. Two pieces:

- ``Pacer`` spaces the starts of one process's sends evenly (the scheduler's broadcasts);
- a ``RestBudget`` sits around every request that counts against the global limit (everything
  sent with the bot token; interaction callbacks and webhook follow-ups go another way and are
  exempt). ``RedisBudget`` is one shared token bucket for every process (GCRA in one Lua script,
  on Redis's own clock, so hosts need not agree on the time); ``LocalBudget`` is a process's share
  when there is no Redis, or while Redis is unreachable (logged once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

log = logging.getLogger(__name__)

DISCORD_GLOBAL_LIMIT = 50.0
BUDGET_RATE = 47.0  # requests/second for the whole token: 94% of 50, room for Discord's own jitter


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


class RestBudget(Protocol):
    async def acquire(self) -> None:
        """Return when one more request may be sent."""
        ...

    async def close(self) -> None: ...


class LocalBudget:
    """One process's share of the token's budget."""

    def __init__(self, per_second: float) -> None:
        self._pacer = Pacer(per_second)

    async def acquire(self) -> None:
        await self._pacer.wait()

    async def close(self) -> None:
        return None


# GCRA (generic cell rate algorithm): one key holds the "theoretical arrival time" of the next
# request. A request may go now if that time is within the burst tolerance; otherwise the script
# says how many whole milliseconds to wait (at least 1: Redis turns a Lua number into an integer
# reply, and a wait of 0.4 ms must not read as "go"). Redis's clock (TIME) is the only clock.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if tat - now > tolerance then return math.max(1, math.ceil(tat - now - tolerance)) end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil(tat + interval - now) + 1000)
return 0
"""


class RedisBudget:
    """The token's budget shared by every process through Redis; falls back to ``fallback`` if Redis fails."""

    def __init__(
        self,
        url: str,
        *,
        per_second: float = BUDGET_RATE,
        burst: int = 1,
        key: str = "heartstopper-bot:rest-budget",
        fallback: RestBudget,
    ) -> None:
        from redis import asyncio as redis_asyncio  # an optional dependency, needed only with REDIS_URL

        self._redis: Any = redis_asyncio.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._script: Any = self._redis.register_script(_GCRA)
        self._interval_ms = 1000.0 / per_second
        self._tolerance_ms = self._interval_ms * (burst - 1)
        self._key = key
        self._fallback = fallback
        self._degraded = False

    async def acquire(self) -> None:
        while True:
            try:
                wait_ms = float(await self._script(keys=[self._key], args=[self._interval_ms, self._tolerance_ms]))
            except Exception as exc:  # any Redis failure: keep going at this process's share
                if not self._degraded:
                    log.warning("Redis is unreachable (%s): pacing at this process's share until it is back", exc)
                    self._degraded = True
                await self._fallback.acquire()
                return
            if self._degraded:
                log.info("Redis is back: sharing the request budget again")
                self._degraded = False
            if wait_ms <= 0:
                return
            await asyncio.sleep(wait_ms / 1000)

    async def close(self) -> None:
        await self._redis.aclose()
