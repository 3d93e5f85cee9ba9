"""A page that stops reading cannot make the playground hold its changes without end (B12)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from bot.playground.clock import PlaygroundClock
from bot.playground.guard import Guard
from bot.playground.page import MAX_QUEUED, Playground


class StuckSocket:
    """A websocket whose page no longer reads (a suspended tab): only its close is seen."""

    def __init__(self) -> None:
        self.closed_with: tuple[int, bytes] | None = None

    async def close(self, *, code: int, message: bytes) -> bool:
        self.closed_with = (code, message)
        return True


async def test_a_page_that_falls_behind_is_dropped_and_told_to_reconnect():
    discord: Any = SimpleNamespace(message_listeners=[])
    page = Playground(discord, {"id": "1"}, PlaygroundClock(), [], upcoming=_nothing_upcoming, guard=Guard("t" * 43))
    stuck, reading = StuckSocket(), StuckSocket()
    page._clients[stuck] = asyncio.Queue(MAX_QUEUED)
    page._clients[reading] = asyncio.Queue(MAX_QUEUED)
    for n in range(MAX_QUEUED):
        page.broadcast({"type": "clock", "n": n})
    page._clients[reading].get_nowait()  # this page keeps up
    page.broadcast({"type": "clock", "n": MAX_QUEUED})  # one more than the stuck page can hold
    assert stuck not in page._clients and reading in page._clients
    await asyncio.gather(*page._closing)
    assert stuck.closed_with == (1013, b"fell behind; reconnect")  # the page reconnects for a fresh state
    assert reading.closed_with is None


async def _nothing_upcoming() -> list:
    return []
