"""Countdown bookkeeping: server events and the exactly-once ledger of daily posts."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from bot.domain.countdown import ServerEvent
from bot.storage.base import Queryable
from bot.storage.instants import from_db, to_db


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


class PostState(Enum):
    NEW = "new"  # nothing recorded for that day: go ahead
    PENDING = "pending"  # a send was attempted and may have reached Discord: retry with the same nonce
    CLAIMED = "claimed"  # another live process claimed it a moment ago: leave it to that process
    SENT = "sent"
    SKIPPED = "skipped"


# How long a claim protects its holder. Longer than one send with its retries takes; a claim older
# than this whose holder never marked it sent is taken to be a dead process's and retried.
CLAIM_LEASE = dt.timedelta(seconds=60)


class CountdownPostRepository:
    """The ledger that makes a second post for the same server and local day impossible.

    ``holder`` names this process (host and pid) in the claims it makes.
    """

    def __init__(self, db: Queryable, holder: str = "local") -> None:
        self._db = db
        self._holder = holder

    async def claim(self, guild_id: int, local_date: dt.date, nonce: str, now: dt.datetime) -> PostState:
        """Record the intent to post before sending; returns what was there before.

        One ``INSERT … ON CONFLICT DO NOTHING RETURNING``: on PostgreSQL, catching a unique
        violation instead would doom the whole transaction. When the day is already claimed, the
        claim is taken over only if it is this process's own or its lease ran out.
        """
        day = local_date.isoformat()
        async with self._db.transaction(guild_id=guild_id) as tx:
            inserted = await tx.fetch_value(
                "INSERT INTO countdown_posts (guild_id, local_date, status, nonce, updated_at, claimed_by, claimed_at) "
                "VALUES (?, ?, 'pending', ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING status",
                (guild_id, day, nonce, to_db(now), self._holder, to_db(now)),
            )
            if inserted is not None:
                return PostState.NEW
            taken = await tx.fetch_value(
                "UPDATE countdown_posts SET claimed_by = ?, claimed_at = ? WHERE guild_id = ? AND local_date = ? "
                "AND status = 'pending' AND (claimed_by IS NULL OR claimed_by = ? OR claimed_at < ?) RETURNING status",
                (self._holder, to_db(now), guild_id, day, self._holder, to_db(now - CLAIM_LEASE)),
            )
            if taken is not None:
                return PostState.PENDING
            status = await tx.fetch_value(
                "SELECT status FROM countdown_posts WHERE guild_id = ? AND local_date = ?", (guild_id, day)
            )
        return PostState.CLAIMED if status == "pending" else PostState(status)

    async def mark_sent(
        self,
        guild_id: int,
        local_date: dt.date,
        *,
        message_id: int,
        late: bool,
        next_post_at: dt.datetime,
        no_date_post: bool,
        now: dt.datetime,
    ) -> None:
        """After Discord accepted the post: mark it sent and move the schedule on, atomically."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE countdown_posts SET status = 'sent', message_id = ?, late = ?, updated_at = ? "
                "WHERE guild_id = ? AND local_date = ?",
                (message_id, int(late), to_db(now), guild_id, local_date.isoformat()),
            )
            await tx.execute(
                "UPDATE guild_config SET countdown_next_post_at = ?, countdown_last_nodate_post = "
                "CASE WHEN ? = 1 THEN ? ELSE countdown_last_nodate_post END "
                "WHERE guild_id = ? AND countdown_enabled = 1",
                (to_db(next_post_at), int(no_date_post), local_date.isoformat(), guild_id),
            )

    async def skip(self, guild_id: int, local_date: dt.date, *, next_post_at: dt.datetime, now: dt.datetime) -> None:
        """Record a day as deliberately not posted (too late, or a quiet no-date day) and move on."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO countdown_posts (guild_id, local_date, status, nonce, updated_at) "
                "VALUES (?, ?, 'skipped', '', ?) ON CONFLICT(guild_id, local_date) DO UPDATE SET "
                "status = CASE WHEN countdown_posts.status = 'sent' THEN 'sent' ELSE 'skipped' END, "
                "updated_at = excluded.updated_at",
                (guild_id, local_date.isoformat(), to_db(now)),
            )
            await tx.execute(
                "UPDATE guild_config SET countdown_next_post_at = ? WHERE guild_id = ? AND countdown_enabled = 1",
                (to_db(next_post_at), guild_id),
            )

    async def advance(self, guild_id: int, next_post_at: dt.datetime) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE guild_config SET countdown_next_post_at = ? WHERE guild_id = ? AND countdown_enabled = 1",
                (to_db(next_post_at), guild_id),
            )

    async def sent_count(self, guild_id: int) -> int:
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM countdown_posts WHERE guild_id = ? AND status = 'sent'", (guild_id,)
            )
        )
