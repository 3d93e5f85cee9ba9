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
STALLED = 0.05  # seconds: a Redis round trip this slow means this process's loop was held up
BUDGET_RATE = 47.0  # requests/second for the whole token: 94% of 50, room for Discord's own jitter


class Pacer:
    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Let callers go one ``interval`` apart, never faster than the rate in any second.

        asyncio's sleep wakes a little late; a lateness under a quarter of the interval keeps the
        next slot on the grid (or those fractions of a millisecond add up to a few percent of the
        rate). A later wake-up (a stalled loop, a GC pause) restarts the grid from now instead: the
        sends it held back must not catch up in a burst that puts more than the rate into a second.
        """
        async with self._lock:
            now = time.monotonic()
            if self._next > now:
                await asyncio.sleep(self._next - now)
                late = time.monotonic() - self._next
                now = self._next if late < self.interval / 4 else self._next + late
            self._next = now + self.interval


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


# GCRA (generic cell rate algorithm) with reservation: one key holds the "theoretical arrival
# time" of the next request, in microseconds on Redis's clock (TIME, the only clock: hosts need not
# agree on the time). Each call books the next slot and says how long to wait for it, so a request
# makes one round trip and never retries: processes contending for the budget queue in slot order
# instead of racing (which, with check-and-retry, lost ~8% of the rate to retries and rounding).
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil((tat + interval - now) / 1000) + 1000)
return tat - now
"""


class RedisBudget:
    """The token's budget shared by every process through Redis; falls back to ``fallback`` if Redis fails."""

    def __init__(
        self,
        url: str,
        *,
        per_second: float = BUDGET_RATE,
        key: str = "heartstopper-bot:rest-budget",
        fallback: RestBudget,
    ) -> None:
        from redis import asyncio as redis_asyncio  # an optional dependency, needed only with REDIS_URL

        self._redis: Any = redis_asyncio.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._script: Any = self._redis.register_script(_GCRA)
        self._interval_us = round(1_000_000 / per_second)
        self._key = key
        self._fallback = fallback
        self._degraded = False

    async def acquire(self) -> None:
        """Book the next slot and wait for it; book again if this process only got there late.

        A slot is a moment on Redis's grid. If this process's loop stalled (a busy moment, a GC
        pause) past its slot, every request that waited through the stall would go at once, more
        than the rate in one second; so a request that reaches its slot more than a quarter of an
        interval late, or whose booking came back only after a stall, books a fresh one instead
        (at most twice: a slow Redis must not keep a request waiting for ever).
        """
        for attempt in range(3):
            asked = time.monotonic()
            try:
                wait_us = int(await self._script(keys=[self._key], args=[self._interval_us]))
            except Exception as exc:  # any Redis failure: keep going at this process's share
                if not self._degraded:
                    log.warning("Redis is unreachable (%s): pacing at this process's share until it is back", exc)
                    self._degraded = True
                await self._fallback.acquire()
                return
            if self._degraded:
                log.info("Redis is back: sharing the request budget again")
                self._degraded = False
            replied = time.monotonic()
            last_try = attempt == 2
            if replied - asked > STALLED and not last_try:
                continue
            due = (
                replied + wait_us / 1_000_000
            )  # counted from the reply: replies held up together still go a slot apart
            if wait_us > 0:
                await asyncio.sleep(wait_us / 1_000_000)
            if time.monotonic() - due < self._interval_us / 4_000_000 or last_try:
                return

    async def close(self) -> None:
        await self._redis.aclose()
