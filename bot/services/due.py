"""Walking every schedule that is due, a page at a time, for the countdown and the question of the day."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from bot.domain.guild import DueSchedule

DuePage = Callable[[dt.datetime, int, tuple[dt.datetime, int] | None], Awaitable[list[DueSchedule]]]
Plan = TypeVar("Plan")


async def each_due(page: DuePage, now: dt.datetime, limit: int = 500) -> AsyncIterator[DueSchedule]:
    """Every schedule due at ``now``, in (due time, server) order, one query per page.

    Keyset paging (after the last page's due time and server) means a pass sees each server once,
    even while servers planned from earlier pages are already being sent.
    """
    after: tuple[dt.datetime, int] | None = None
    while True:
        rows = await page(now, limit, after)
        for row in rows:
            yield row
        if len(rows) < limit:
            return
        after = (rows[-1].due_at, rows[-1].guild_id)


async def each_plan(
    page: DuePage, plan: Callable[[DueSchedule, dt.datetime], Awaitable[Plan | None]], now: dt.datetime
) -> AsyncIterator[Plan]:
    """Every due schedule turned into a post to send, one server at a time (``plan`` returns None to skip)."""
    async for due in each_due(page, now):
        made = await plan(due, now)
        if made is not None:
            yield made
