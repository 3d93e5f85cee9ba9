"""The one executor of the outbox: it attempts every planned side effect, whatever its kind.

Planners (the countdown, the question of the day, game recovery, scheduled events) write rows;
this service takes ready rows of this process's shards under a lease, hands each to its kind's
``Handler`` (a small object in the cog layer that renders and talks to Discord), and records how
the attempt ended: done, retried after a backoff, or abandoned with a reason. Every kind gets the
same retry, backoff, give-up and supervision; a handler that raises is a retry, never a dead loop.

It runs only while the process holds its shards' lease (``may_run``), at most ``concurrency``
attempts at a time; the request rate itself is paced by the bot's one REST budget.

Its reasons are messages (``bot.i18n``), stored as such and rendered when a moderator reads them
(``/settings show``), in that moderator's language; logs get the English.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot import metrics
from bot.clock import Clock
from bot.domain.outbox import Abandon, Delivery, Done, Kind, OutboxRecord, Outcome, Planned, Retry, backoff, give_up
from bot.i18n import N_, _
from bot.storage.outbox import OutboxRepository

log = logging.getLogger(__name__)

CONCURRENCY = 25  # attempts in flight; the REST budget paces them
# While attempts are in flight, rows are claimed once this many slots are free, not one by one: a claim
# is a transaction, and during a broadcast a slot frees every ~20 ms. With nothing in flight, any slot.
CLAIM_BATCH = 5
IDLE_RECHECK = dt.timedelta(seconds=60)
DEAD_HOLDER_RECHECK = 15.0  # seconds between looks for dead processes' leases on this machine
NONCE_WINDOW = dt.timedelta(seconds=120)  # how long Discord is trusted to remember a nonce


class Handler(Protocol):
    """One kind's executor: renders its row and makes it so at Discord."""

    @property
    def kind(self) -> Kind: ...

    @property
    def patience(self) -> dt.timedelta:
        """How long after its due time a row is still worth doing."""
        ...

    async def deliver(self, delivery: Delivery) -> Outcome: ...


@dataclass(frozen=True, slots=True)
class ProcessId:
    """Who holds a lease: host, pid and a token of this start (a pid can be reused after a reboot)."""

    host: str
    pid: int
    boot: str

    @classmethod
    def current(cls) -> ProcessId:
        return cls(socket.gethostname(), os.getpid(), os.urandom(4).hex())

    def __str__(self) -> str:
        return f"{self.host}/{self.pid}/{self.boot}"

    def dead_among(self, holders: list[str]) -> list[str]:
        """Holders that were processes on this machine that no longer run: their leases mean nothing.

        A process on another machine cannot be asked; its lease simply runs out.
        """
        dead = []
        for holder in holders:
            host, _, rest = holder.partition("/")
            pid_text = rest.split("/", 1)[0]
            if holder == str(self) or host != self.host or not pid_text.isdigit():
                continue
            pid = int(pid_text)
            if pid == self.pid or not _pid_alive(pid):
                dead.append(holder)
        return dead


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


class OutboxService:
    def __init__(
        self,
        repo: OutboxRepository,
        clock: Clock,
        me: ProcessId,
        *,
        concurrency: int = CONCURRENCY,
        nonce_window: dt.timedelta = NONCE_WINDOW,
    ) -> None:
        self._repo = repo
        self._clock = clock
        self.me = me
        self.holder = str(me)
        self.nonce_window = nonce_window
        self._concurrency = concurrency
        self._handlers: dict[Kind, Handler] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._dead: list[str] = []
        self._dead_checked = 0.0
        self.attempted = 0

    # --- wiring ---------------------------------------------------------------------------------
    def register(self, handler: Handler) -> None:
        self._handlers[handler.kind] = handler
        self.wake()

    def unregister(self, kind: Kind) -> None:
        self._handlers.pop(kind, None)

    def wake(self) -> None:
        """Something was planned (or a lease was won): look for ready rows now."""
        self._wake.set()

    # --- planning helpers for the feature services ------------------------------------------------
    async def plan(self, planned: Planned) -> bool:
        new = await self._repo.plan(planned, self._clock.now())
        if new:
            self.wake()
        return new

    async def replan(self, planned: Planned) -> None:
        await self._repo.replan(planned, self._clock.now())
        self.wake()

    # --- reading ---------------------------------------------------------------------------------
    async def latest(self, guild_id: int, kind: Kind) -> OutboxRecord | None:
        return await self._repo.latest(guild_id, kind)

    async def in_play(self, guild_id: int) -> list[OutboxRecord]:
        return await self._repo.in_play(guild_id)

    async def counts(self) -> dict[str, int]:
        """In play now, and what ended in the last 24 hours (``/about``)."""
        return await self._repo.counts(self._clock.now() - dt.timedelta(hours=24))

    @property
    def in_flight(self) -> int:
        return len(self._running)

    # --- the loop --------------------------------------------------------------------------------
    async def run(self, may_run: Callable[[], bool]) -> None:
        """Attempt ready rows for as long as the process lives (supervised by the scheduler)."""
        while True:
            if not may_run():
                await self._idle(None)
                continue
            free = self._concurrency - len(self._running)
            if free <= 0 or (self._running and free < min(CLAIM_BATCH, self._concurrency)):
                await self._room()
                continue
            self._wake.clear()
            batch = await self._repo.claim(
                self.holder, self._clock.now(), free, dead_holders=await self._dead_holders()
            )
            for delivery in batch:
                self._start(delivery)
            if batch:
                continue
            await self._idle(await self._repo.next_ready_at())

    async def drain(self) -> None:
        """Wait for the attempts in flight (tests, and a clean shutdown)."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    def cancel(self) -> None:
        for task in list(self._running):
            task.cancel()

    def _start(self, delivery: Delivery) -> None:
        task = asyncio.create_task(self.attempt(delivery), name=f"outbox-{delivery.kind}-{delivery.guild_id}")
        self._running.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._running.discard(finished)
            self._wake.set()  # a slot is free

        task.add_done_callback(done)

    async def _room(self) -> None:
        await self._wake.wait()
        self._wake.clear()

    async def _idle(self, next_at: dt.datetime | None) -> None:
        now = self._clock.now()
        deadline = min(next_at, now + IDLE_RECHECK) if next_at is not None else now + IDLE_RECHECK
        if deadline <= now and self._wake.is_set():
            return
        sleeper = asyncio.ensure_future(self._clock.sleep_until(max(deadline, now + dt.timedelta(seconds=1))))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()

    async def _dead_holders(self) -> list[str]:
        if time.monotonic() - self._dead_checked > DEAD_HOLDER_RECHECK:
            self._dead_checked = time.monotonic()
            self._dead = self.me.dead_among(await self._repo.live_holders())
        return self._dead

    # --- one attempt -----------------------------------------------------------------------------
    async def attempt(self, delivery: Delivery) -> None:
        """One attempt of one row, from its handler to the recorded outcome; never raises."""
        self.attempted += 1
        handler = self._handlers.get(delivery.kind)
        try:
            if handler is None:
                # TRANSLATORS: {kind} is the internal name of a kind of post, e.g. "countdown" or "daily-reveal".
                outcome: Outcome = Retry(_("nothing handles {kind} rows yet", kind=str(delivery.kind)), unknown=False)
            elif give_up(delivery.due_at, self._clock.now(), handler.patience) and delivery.attempts == 1:
                outcome = Abandon(_("too late: its time passed before it could be tried"))
            else:
                outcome = await handler.deliver(delivery)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("%s for guild %s failed unexpectedly; it will be retried", delivery.kind, delivery.guild_id)
            # TRANSLATORS: {error} is the name of a Python exception, e.g. KeyError.
            outcome = Retry(_("unexpected error ({error})", error=exc.__class__.__name__))
        try:
            await self._record(delivery, outcome, handler)
        except Exception:
            log.exception("could not record the outcome of %s for guild %s", delivery.kind, delivery.guild_id)

    async def _record(self, delivery: Delivery, outcome: Outcome, handler: Handler | None) -> None:
        feature = str(delivery.kind)
        if isinstance(outcome, Done):
            await self._repo.finish(
                self.holder, delivery, how=outcome.how, discord_id=outcome.discord_id, complete=outcome.complete
            )
            metrics.post(feature, outcome.how)  # type: ignore[arg-type]
            return
        if isinstance(outcome, Abandon):
            await self._repo.abandon(self.holder, delivery, reason=outcome.reason, complete=outcome.complete)
            log.warning("%s for guild %s abandoned: %s", delivery.kind, delivery.guild_id, outcome.reason)
            metrics.post(feature, "abandoned")  # type: ignore[arg-type]
            return
        now = self._clock.now()
        if handler is not None and give_up(delivery.due_at, now, handler.patience):
            # TRANSLATORS: {reason} is why the last attempt failed, e.g. "Discord answered 503 while sending …".
            reason = N_(
                "gave up after {n} attempt: {reason}",
                "gave up after {n} attempts: {reason}",
                n=delivery.attempts,
                reason=outcome.reason,
            )
            await self._repo.abandon(self.holder, delivery, reason=reason, complete=None)
            log.warning("%s for guild %s abandoned: %s", delivery.kind, delivery.guild_id, reason)
            metrics.post(feature, "abandoned")  # type: ignore[arg-type]
            return
        log.info("%s for guild %s will be retried: %s", delivery.kind, delivery.guild_id, outcome.reason)
        await self._repo.retry(
            self.holder,
            delivery,
            reason=outcome.reason,
            unknown=outcome.unknown,
            next_attempt_at=now + backoff(delivery.attempts),
        )
        metrics.post(feature, "failed")  # type: ignore[arg-type]
