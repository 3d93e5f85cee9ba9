"""Keeping the bot under Discord's global limit of 50 requests per second for its token.

discord.py waits after a 429 and respects per-route buckets, but nothing keeps a broadcast to
thousands of channels, or several processes sharing one token, under the global limit. One object
paces every request sent with the bot token, the process's ``RestBudget`` (interaction callbacks and
webhook follow-ups go another way and are exempt):

- ``LocalBudget`` is this process's share of the token's 47/s (all of it when one process holds every
  shard): GCRA on this process's monotonic clock.
- ``RedisBudget`` is one budget for every process on the token: the same GCRA in one Lua script on
  Redis's own clock (hosts need not agree on the time), keyed by the application id. A circuit breaker
  moves it to the process's ``LocalBudget`` when Redis fails or goes silent, and back when it answers.
- ``LoopLag`` tells the shared budget a stalled process from a slow network: a heartbeat that notes
  how late the event loop wakes it. A Redis 60 ms away is slow, not stalled, and must cost no slots.
  A share on its own has no round trip to tell apart: a sleep that wakes a slot late is the stall.

The budget is the only object that paces requests: the scheduler and the outbox leave pacing to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import inspect
import logging
import time
from collections import deque
from typing import Any, Protocol

log = logging.getLogger(__name__)

DISCORD_GLOBAL_LIMIT = 50.0
BUDGET_RATE = 47.0  # requests/second for the whole token: 94% of 50, room for Discord's own jitter
REDIS_TIMEOUT = 0.25  # seconds for one Redis connect or reply before the budget goes local
BREAKER_SECONDS = 30.0  # how long the budget stays local after Redis failed, before one probe
KEY_PREFIX = "heartstopper-bot"
HEARTBEAT = 0.005  # seconds between the loop-lag heartbeat's wake-ups
NOTICEABLE = 0.001  # a heartbeat later than this is recorded (the selector rounds sleeps to 1 ms)
RECENT = 10.0  # seconds of bookings whose waits say how far ahead the shared grid may run


class LoopLag:
    """How late this process's event loop runs, from a heartbeat task that asks to wake every ``tick``.

    A late wake-up means the loop was held up (a long callback, a GC pause, the host's scheduler), and
    everything else due then was late with it: a Redis reply that waited in the socket, a request that
    slept past its slot. Only that makes a booked slot stale; a slow round trip does not (a reply that
    took 60 ms was still read on time, and its wait counts from then). The heartbeat runs only while the shared
    budget is in use (``touch``), so neither an idle bot nor one pacing on its own share wakes 200
    times a second for it.
    """

    def __init__(self, tick: float = HEARTBEAT, *, idle_after: float = 10.0) -> None:
        self.tick = tick
        self._idle_after = idle_after
        self._due: float | None = None  # when the heartbeat should wake next; None while it is not running
        self._late: deque[tuple[float, float]] = deque(maxlen=1024)  # (woke at, how late), latest last
        self._task: asyncio.Task[None] | None = None
        self._used = 0.0

    def touch(self) -> None:
        """A budget is being used: keep the heartbeat running (start it in this loop if it is not)."""
        self._used = time.monotonic()
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._due = None  # whatever an earlier loop left behind says nothing about this one
            self._task = loop.create_task(self._beat(), name="loop-lag heartbeat")

    def held_up(self, since: float) -> float:
        """The longest the loop has been held up at once since ``since`` (monotonic), the present included.

        The present counts because a callback that runs straight after a stall may run before the
        heartbeat does: the heartbeat is then overdue, and by how much is the stall so far.
        """
        worst = self._overdue()
        for woke, late in reversed(self._late):
            if woke < since:
                break
            worst = max(worst, late)
        return worst

    def current(self) -> float:
        """How long the loop has just been held up: what delayed whatever runs now.

        A stall that ended a while ago delayed nothing that arrived after it (a Redis reply read now
        was read on time if the loop has been free since), so only the stall in progress (the
        heartbeat is overdue) or one that ended within the last two ticks counts.
        """
        worst = self._overdue()
        recent = time.monotonic() - 2 * self.tick
        for woke, late in reversed(self._late):
            if woke < recent:
                break
            worst = max(worst, late)
        return worst

    @property
    def watching(self) -> bool:
        """The heartbeat is running (a shared budget is in use and judges its slots by it)."""
        return self._task is not None and not self._task.done()

    def _overdue(self) -> float:
        running = self.watching
        return max(0.0, time.monotonic() - self._due) if running and self._due is not None else 0.0

    async def _beat(self) -> None:
        try:
            while time.monotonic() - self._used < self._idle_after:
                self._due = time.monotonic() + self.tick
                await asyncio.sleep(self.tick)
                woke = time.monotonic()
                if woke - self._due > NOTICEABLE:
                    self._late.append((woke, woke - self._due))
        finally:
            self._due = None

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


def _woke_late(due: float, tolerance: float, lag: LoopLag) -> bool:
    """This process reached ``due`` more than ``tolerance`` late, and its loop lag says why.

    Going that late would put the request next to the ones booked after it: after a stall, every
    request that slept through it would go at once. A smaller lateness is kept (the slot is used): it
    moves the request at most one slot of the token's grid along, which Discord's 50 (against our 47)
    absorbs. Without the heartbeat (a process on its own share, no Redis) the lateness alone decides: a
    sleep that wakes a slot late was held up by the loop, as nothing else delays it that much.
    """
    late = time.monotonic() - due > tolerance
    return late and (lag.held_up(due) > tolerance if lag.watching else True)


class RestBudget(Protocol):
    def bind(self, application_id: int | None) -> None:
        """The bot's application id, known once it has logged in (a shared budget is named after it)."""
        ...

    async def acquire(self) -> None:
        """Return when one more request may be sent."""
        ...

    async def close(self) -> None: ...


class LocalBudget:
    """This process's share of the token's budget, on this process's clock (GCRA, no bursts).

    Each request books the next slot (one ``interval`` after the last one booked, or now, whichever is
    later) and sleeps until it. Slots never come closer than the interval, so no second holds more than
    the rate, and the grid holds even though sleeps wake a little late. Booking awaits nothing between
    reading the grid and moving it, so concurrent callers need no lock and go in the order they asked.
    A request that slept past its slot because the loop stalled books once more, or the stall's sleepers
    would all go together. How late is too late is one slot of the *token's* grid (1/47 s), not of this
    share's: two processes at 23.5/s each that both went up to their own interval (42.5 ms) late could
    each put 25 requests into one second, 50 together, and the next request anywhere would be the 51st.
    Kept to 1/47 s, each puts at most 24 there.
    """

    def __init__(self, per_second: float, *, lag: LoopLag | None = None) -> None:
        self.per_second = per_second
        self.interval = 1.0 / per_second
        self.tolerance = min(self.interval, 1.0 / BUDGET_RATE)
        self.lag = lag if lag is not None else LoopLag()
        self._tat = 0.0  # the next free slot (monotonic): the "theoretical arrival time"
        self.booked = 0  # slots booked so far, rebookings included (tests and benchmarks read them)
        self.rebooked = 0  # slots booked again because the loop stalled past the first

    def bind(self, application_id: int | None) -> None:
        """A process's own share needs no name."""

    @property
    def horizon(self) -> float:
        """When the last slot booked so far has gone by (monotonic)."""
        return self._tat

    def not_before(self, moment: float) -> None:
        """Book nothing before ``moment``: slots up to then are in use elsewhere (the shared budget's)."""
        self._tat = max(self._tat, moment)

    def _book(self) -> float:
        slot = max(self._tat, time.monotonic())
        self._tat = slot + self.interval
        self.booked += 1
        return slot

    async def acquire(self) -> None:
        # No heartbeat for a share on its own: it would wake the loop 200 times a second through a
        # broadcast only to confirm what a late wake-up already says (``_woke_late``).
        slot = self._book()
        await _sleep_until(slot)
        if _woke_late(slot, self.tolerance, self.lag):
            self.rebooked += 1
            await _sleep_until(self._book())  # once: a request must not wait for ever on a busy loop

    async def close(self) -> None:
        await self.lag.close()


# GCRA (generic cell rate algorithm) with reservation: one key holds the "theoretical arrival
# time" of the next request, in microseconds on Redis's clock (TIME, the only clock: hosts need not
# agree on the time). Each call books the next slot and says how long to wait for it, so a request
# makes one round trip and never retries: processes contending for the budget queue in slot order
# instead of racing (which, with check-and-retry, lost ~8% of the rate to retries and rounding).
# Sent with EVAL rather than EVALSHA: one round trip always, even after Redis restarts (no NOSCRIPT).
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil((tat + interval - now) / 1000) + 1000)
return tat - now
"""


class Breaker(enum.Enum):
    UNBOUND = "unbound"  # no application id yet: local (the key would not say whose budget it is)
    CLOSED = "shared"  # Redis paces
    OPEN = "local"  # Redis failed: local until the breaker period ends
    HALF_OPEN = "probing"  # one probe is asking Redis; requests stay local meanwhile


class _Route(enum.Enum):
    LOCAL = enum.auto()
    SHARED = enum.auto()
    BOTH = enum.auto()  # on Redis, and kept to the share while other processes may still be local


class _Abandoned(Exception):
    """The breaker opened while this request's call was in flight: it goes local instead of waiting."""


class RedisBudget:
    """The token's budget shared by every process through Redis, behind a circuit breaker.

    - **Bookings.** Each request books one slot in one round trip and uses it, however far away
      Redis is: the wait Redis returns counts from when the reply was read. Only when the loop lag
      says this process itself stalled by more than an interval (while the reply waited, or past
      the slot) does the request book once more.
    - **Breaker.** A failed or timed-out call (``timeout`` per connect or reply, no retries) opens
      it: this request, the ones whose calls were in flight, and every request for the next
      ``breaker_seconds`` go at this process's share (``fallback``) and never touch Redis. Then one
      probe (a PING, in the background) asks; while it is out requests stay local. It closes the
      breaker or opens it for another period. The switch to local and back is logged once each.
    - **Handing over.** Going local, the share starts after every slot Redis may still hold for the
      fleet (now plus the longest wait it gave lately: with 25 requests in flight per process the
      shared grid runs about a second ahead), so the two grids never overlap. Coming back, a request
      paces on both (the share, then a Redis slot) for two breaker periods: by then every other
      process that can reach Redis has asked it again and is back too, and its locally booked slots
      have gone. Until then some process may still be sending at its share outside Redis, and nobody
      may take the whole 47/s from Redis on top of that. (A process cut off from Redis while the
      others still reach it sends its share on top of theirs: the budget cannot know it is gone.)
    - **Key.** ``heartstopper-bot:{application_id}:rest-budget``: two bots on one Redis never
      throttle each other. Until ``bind`` gives the id (after login), the budget is local.
    """

    def __init__(
        self,
        url: str,
        *,
        fallback: LocalBudget,
        per_second: float = BUDGET_RATE,
        application_id: int | None = None,
        prefix: str = KEY_PREFIX,
        timeout: float = REDIS_TIMEOUT,
        breaker_seconds: float = BREAKER_SECONDS,
    ) -> None:
        # redis is an optional dependency, needed only with REDIS_URL
        from redis import asyncio as redis_asyncio
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        # No retries: redis-py's default retries (with backoff) are what made one silent call cost seconds.
        # RESP2 and no client-name report: a new connection costs one round trip (the first command),
        # not three (HELLO, CLIENT SETINFO), which matters with Redis 60 ms away.
        unnamed = (
            {"driver_info": None}
            if "driver_info" in inspect.signature(redis_asyncio.Redis.__init__).parameters
            else {"lib_name": None, "lib_version": None}  # older redis-py
        )
        self._redis: Any = redis_asyncio.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
            protocol=2,
            **unnamed,
        )
        self.fallback = fallback
        self.lag = fallback.lag
        self.interval = 1.0 / per_second
        self._interval_us = round(1_000_000 / per_second)
        self._prefix = prefix
        self.timeout = timeout
        self.breaker_seconds = breaker_seconds
        self.key: str | None = None
        self._breaker = Breaker.UNBOUND
        self._open_until = 0.0
        self._capped_until = 0.0  # until then requests pace on the share as well
        self._horizon = 0.0  # the end of the shared grid as this process last saw it (monotonic)
        self._waits: deque[tuple[float, float]] = deque(maxlen=1024)  # (when, how long) of recent bookings
        self._calls: set[asyncio.Task[Any]] = set()
        self._probe: asyncio.Task[None] | None = None
        self.booked = 0  # slots booked on Redis, rebookings included (tests and benchmarks read these)
        self.rebooked = 0  # of which booked again because this process stalled
        self.bind(application_id)

    @property
    def state(self) -> str:
        """``unbound``, ``shared``, ``rejoining`` (shared, and kept to the share too), ``local`` or ``probing``."""
        if self._breaker is Breaker.CLOSED and time.monotonic() < self._capped_until:
            return "rejoining"
        return self._breaker.value

    def bind(self, application_id: int | None) -> None:
        """Name the shared budget after the application; until then requests go at the local share."""
        if application_id is None:
            return
        self.key = f"{self._prefix}:{application_id}:rest-budget"
        if self._breaker is Breaker.UNBOUND:
            self._close()

    async def acquire(self) -> None:
        self.lag.touch()
        route = self._route()
        if route is not _Route.SHARED:
            await self.fallback.acquire()
        if route is not _Route.LOCAL and not await self._shared() and route is _Route.SHARED:
            await self.fallback.acquire()  # Redis failed: this request goes at the share (BOTH already has)

    def _route(self) -> _Route:
        now = time.monotonic()
        if self._breaker is Breaker.CLOSED:
            return _Route.BOTH if now < self._capped_until else _Route.SHARED
        if self._breaker is Breaker.OPEN and now >= self._open_until:
            self._breaker = Breaker.HALF_OPEN
            self._probe = asyncio.get_running_loop().create_task(self._try_again(), name="redis budget probe")
        return _Route.LOCAL

    async def _shared(self) -> bool:
        """Pace this request on the shared budget; False if Redis failed (the breaker is open now)."""
        second_chance = True
        while True:
            if self._breaker is not Breaker.CLOSED:
                return False  # another request's call failed while this one was booking again
            try:
                wait = await self._book()
            except _Abandoned:
                return False
            except Exception as exc:  # any Redis failure, timeouts included
                if second_chance and self.lag.current() > self.interval:
                    second_chance = False  # this process stalled as the call ran out: maybe not Redis's fault
                    continue
                self._trip(exc)
                return False
            if second_chance and self.lag.current() > self.interval:
                # The reply may have sat in the stalled loop: its wait no longer counts from now.
                second_chance = False
                self.rebooked += 1
                continue
            replied = time.monotonic()
            due = replied + wait  # counted from the reply: replies read together still go a slot apart
            self._horizon = max(self._horizon, due + self.interval)
            self._waits.append((replied, wait))
            await _sleep_until(due)
            if second_chance and _woke_late(due, self.interval, self.lag):
                second_chance = False
                self.rebooked += 1
                continue
            return True

    async def _book(self) -> float:
        """One round trip: book the next slot on the shared grid; the seconds until it."""
        call = asyncio.get_running_loop().create_task(self._redis.eval(_GCRA, 1, self.key, self._interval_us))
        self._calls.add(call)
        try:
            wait_us = int(await call)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if call.cancelled() and (task is None or not task.cancelling()):
                raise _Abandoned from None  # the breaker opened: _trip cancelled the call, not our caller
            raise
        finally:
            self._calls.discard(call)
        self.booked += 1
        return wait_us / 1_000_000

    def _trip(self, exc: BaseException) -> None:
        """Open the breaker (once, however many calls fail together) and release the calls still out.

        The share starts only after every slot the fleet may have booked before Redis went quiet: the
        shared grid runs up to a queue's length ahead of the clock (each process books as soon as a
        request is ready), and this process's own last booking may be older than the others' latest.
        So: not before now plus the longest wait Redis has given this process lately (and never before
        the last slot it saw).
        """
        if self._breaker is not Breaker.CLOSED:
            return
        now = time.monotonic()
        self._breaker = Breaker.OPEN
        self._open_until = now + self.breaker_seconds
        queue = max((wait for at, wait in self._waits if at > now - RECENT), default=0.0)
        self.fallback.not_before(max(self._horizon, now + queue + self.interval))
        for call in self._calls:
            call.cancel()
        log.warning(
            "Redis is unreachable (%s): pacing at this process's share (%.1f requests/s); asking Redis again "
            "every %.0f s",
            str(exc) or type(exc).__name__,
            self.fallback.per_second,
            self.breaker_seconds,
        )

    def _close(self) -> None:
        """Share the budget through Redis, kept to the share as well while others may still be local.

        Joining at start-up, only this process's own few local slots (the login) must go first.
        Coming back after a failure, the others were cut off too and come back within one breaker
        period of this one (each asks again every period), plus their local slots' tail: two periods.
        """
        back = self._breaker is not Breaker.UNBOUND
        self._breaker = Breaker.CLOSED
        self._capped_until = self.fallback.horizon
        if back:
            self._capped_until = max(self._capped_until, time.monotonic() + 2 * self.breaker_seconds)
            log.info(
                "Redis is back: sharing the request budget again (at this process's share for %.0f s)",
                2 * self.breaker_seconds,
            )

    async def _try_again(self) -> None:
        """The half-open probe: one PING decides whether the breaker closes or stays open another period.

        The pool is emptied first: connections left from before the failure may have died with it,
        and one of them failing the first request after the probe would open the breaker again.
        """
        try:
            await self._redis.connection_pool.disconnect()
            await self._redis.ping()
        except Exception as exc:
            log.debug("Redis still unreachable (%s); asking again in %.0f s", exc, self.breaker_seconds)
            self._breaker = Breaker.OPEN
            self._open_until = time.monotonic() + self.breaker_seconds
        else:
            self._close()

    async def close(self) -> None:
        pending = [task for task in (self._probe, *self._calls) if task is not None and not task.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self._redis.aclose()
        await self.fallback.close()
