"""Keep a background loop alive for the life of the process.

A loop like the countdown scheduler catches its own errors, but a bug outside its ``try`` (or a
``BaseException`` that is not a cancel) would end the task silently, and no server would get a
post again. ``Supervised`` notices through the task's done-callback, logs the error and starts
the loop again after a backoff that doubles up to a cap (and starts over once a run lasted
longer than the cap, so a rare failure never waits long).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Supervised:
    def __init__(
        self,
        name: str,
        factory: Callable[[], Coroutine[Any, Any, None]],
        *,
        first_delay: float = 1.0,
        max_delay: float = 60.0,
    ) -> None:
        self.name = name
        self._factory = factory
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._delay = first_delay
        self._task: asyncio.Task[None] | None = None
        self._restart: asyncio.TimerHandle | None = None
        self._started_at = 0.0
        self._stopped = False
        self.restarts = 0

    def start(self) -> None:
        self._stopped = False
        self._spawn()

    def stop(self) -> None:
        self._stopped = True
        if self._restart is not None:
            self._restart.cancel()
        if self._task is not None:
            self._task.cancel()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def _spawn(self) -> None:
        self._restart = None
        if self._stopped:
            return
        self._started_at = time.monotonic()
        self._task = asyncio.create_task(self._factory(), name=self.name)
        self._task.add_done_callback(self._on_done)

    def _on_done(self, task: asyncio.Task[None]) -> None:
        if self._stopped:
            return
        # A cancel nobody asked for (``stop`` sets ``_stopped`` first) is a failure like any other:
        # something inside cancelled the loop's own task, and the loop must come back.
        error = None if task.cancelled() else task.exception()
        if time.monotonic() - self._started_at > self._max_delay:
            self._delay = self._first_delay
        if task.cancelled():
            log.error("%s was cancelled without a stop; starting it again in %.0f s", self.name, self._delay)
        elif error is None:
            log.error("%s ended on its own; starting it again in %.0f s", self.name, self._delay)
        else:
            log.error("%s died; starting it again in %.0f s", self.name, self._delay, exc_info=error)
        self.restarts += 1
        self._restart = asyncio.get_running_loop().call_later(self._delay, self._spawn)
        self._delay = min(self._delay * 2, self._max_delay)
