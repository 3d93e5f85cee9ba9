"""Countdown bookkeeping: server events, and the daily post's schedule as the planner moves it on."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from bot.domain.countdown import ServerEvent
from bot.domain.outbox import Planned
from bot.storage import schedules
from bot.storage.base import Queryable
from bot.storage.instants import from_db, to_db
from bot.storage.outbox import OutboxRepository


class AddResult(Enum):
    ADDED = "added"
    DUPLICATE = "duplicate"
    FULL = "full"


class EventRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def add(self, event: ServerEvent, *, max_events: int, now: dt.datetime) -> AddResult:
        """Insert unless the name is taken or the server is at its limit (checked atomically)."""
        async with self._db.transaction(guild_id=event.guild_id) as tx:
            count = await tx.fetch_value("SELECT COUNT(*) FROM server_events WHERE guild_id = ?", (event.guild_id,))
            if int(count) >= max_events:
                return AddResult.FULL
            added = await tx.execute(
                "INSERT INTO server_events (guild_id, name_key, name, starts_at, has_time, timezone, "
                "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    event.guild_id,
                    event.name_key,
                    event.name,
                    to_db(event.starts_at),
                    int(event.has_time),
                    event.timezone,
                    event.created_by,
                    to_db(now),
                ),
            )
            if not added:
                return AddResult.DUPLICATE
        return AddResult.ADDED

    async def remove(self, guild_id: int, name_key: str) -> bool:
        async with self._db.transaction() as tx:
            return (
                await tx.execute("DELETE FROM server_events WHERE guild_id = ? AND name_key = ?", (guild_id, name_key))
                > 0
            )

    async def list(self, guild_id: int) -> list[ServerEvent]:
        rows = await self._db.fetch_all(
            "SELECT guild_id, name, name_key, starts_at, has_time, timezone, created_by FROM server_events "
            "WHERE guild_id = ? ORDER BY starts_at, name_key",
            (guild_id,),
        )
        return [
            ServerEvent(
                int(r["guild_id"]),
                r["name"],
                r["name_key"],
                from_db(r["starts_at"]),
                bool(r["has_time"]),
                r["timezone"],
                int(r["created_by"]),
            )
            for r in rows
        ]


class CountdownScheduleRepository(schedules.DailySchedule):
    """The daily countdown's schedule as the planner moves it on, each step in one transaction with its outbox row.

    Planning a day's post and moving ``countdown_next_post_at`` past it happen together, so a crash
    can never leave a day planned twice or the schedule stuck on a day already planned. The move only
    applies while the server still has the time and zone the planner read: a moderator who changed
    them during the pass keeps the next post their change computed. A day skipped (too late, or a
    quiet no-date day) is ``skip_day``, shared with the question of the day.
    """

    feature = "countdown"

    async def plan(
        self, planned: Planned, *, next_post_at: dt.datetime, time: str, zone: str, now: dt.datetime
    ) -> bool:
        async with self._db.transaction(guild_id=planned.guild_id) as tx:
            new = await OutboxRepository(tx).plan(planned, now)
            await schedules.advance(tx, self.feature, planned.guild_id, next_post_at, time, zone)
        return new

    @staticmethod
    async def no_date_posted(tx: Queryable, guild_id: int, local_date: dt.date) -> None:
        """After a "no date yet" post went out (in the outbox's transaction): the weekly clock restarts."""
        await tx.execute(
            "UPDATE guild_config SET countdown_last_nodate_post = ? WHERE guild_id = ?",
            (local_date.isoformat(), guild_id),
        )
