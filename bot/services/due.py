"""Walking every schedule that is due, a page at a time, for the countdown and the question of the day.

Both daily features plan the same way: one server at a time, a day keyed by (kind, server, local
day), a day too late skipped with the reason moderators see, and a server whose schedule cannot be
worked out turned off while the others go on. That part is written once here; each feature keeps
only what it decides about its own day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.domain import schedule
from bot.domain.guild import DueSchedule
from bot.domain.outbox import Kind, Planned
from bot.i18n import Text, _
from bot.storage.schedules import DailySchedule

log = logging.getLogger(__name__)

DuePage = Callable[[dt.datetime, int, tuple[dt.datetime, int] | None], Awaitable[list[DueSchedule]]]
Plan = TypeVar("Plan")

MISSED = _("missed: I was offline past the grace window")


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


async def plan_each_due(
    page: DuePage,
    now: dt.datetime,
    plan_one: Callable[[DueSchedule, dt.datetime], Awaitable[None]],
    *,
    turn_off: Callable[[int, Text], Awaitable[None]],
    unplannable: Text,
    feature: str,
) -> None:
    """Plan every schedule due at ``now``, one server at a time (``plan_one`` writes each day to the outbox
    as soon as it is decided, so sending starts while the rest are still being planned).

    A server whose schedule cannot be worked out (a zone a tzdata update removed, a row edited by hand)
    must not stop every other server's post: it is turned off with ``unplannable`` as the reason
    moderators see, its ``{time}``, ``{zone}`` and ``{error}`` filled in here, and the pass goes on.
    """
    async for due in each_due(page, now):
        try:
            await plan_one(due, now)
        except Exception as exc:
            log.exception("%s schedule of guild %s cannot be planned; turning it off", feature, due.guild_id)
            params = {"time": repr(due.time), "zone": repr(due.timezone), "error": exc.__class__.__name__}
            reason = dataclasses.replace(unplannable, params=params)
            try:
                await turn_off(due.guild_id, reason)
            except Exception:
                log.exception("could not turn off the %s of guild %s", feature, due.guild_id)


@dataclass(frozen=True, slots=True)
class DueDay:
    """One server's due day, as the countdown and the question of the day both plan it.

    Where the schedule stands (``schedule.step``), the day's outbox row (keyed by kind, server and
    local day, due when the schedule was), and a day skipped: recorded with its reason and the
    schedule moved on, unless a moderator changed the time or zone the planner read meanwhile.
    """

    kind: Kind
    due: DueSchedule
    step: schedule.DueStep

    @classmethod
    def of(cls, kind: Kind, due: DueSchedule, now: dt.datetime, grace: dt.timedelta) -> DueDay:
        return cls(kind, due, schedule.step(due.due_at, due.time, due.timezone, now, grace))

    @property
    def date(self) -> dt.date:
        return self.step.local_date

    @property
    def key(self) -> str:
        return self.step.local_date.isoformat()

    @property
    def missed(self) -> bool:
        """Later than the grace window: the day is skipped, never posted."""
        return self.step.action is schedule.Action.SKIP

    def lateness(self, started_at: dt.datetime) -> dict[str, bool]:
        """The post's ``late`` and ``offline`` marks: offline only when the bot was not running when it fell due."""
        return {"late": self.step.late, "offline": self.step.late and self.due.due_at < started_at}

    def planned(self, payload: Mapping[str, Any]) -> Planned:
        due = self.due
        return Planned(self.kind, due.guild_id, self.key, payload, due.due_at, due.channel_id)

    async def skip(self, repo: DailySchedule, payload: Mapping[str, Any], reason: Text, now: dt.datetime) -> None:
        """Not posted on purpose (too late, a quiet day, nothing left to ask), kept as a message moderators read
        in their own language."""
        await repo.skip_day(
            self.planned(payload),
            reason.stored(),
            next_post_at=self.step.next_at,
            time=self.due.time,
            zone=self.due.timezone,
            now=now,
        )
