"""The two daily schedules kept in ``guild_config`` (countdown and question of the day), read one way.

Both features store the same five columns under their own prefix (``countdown_*`` / ``daily_*``),
so the keyset page of due servers, the next due time, moving a schedule on and skipping a day are
written once (``DailySchedule`` is the base of each feature's schedule repository).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from bot.domain.outbox import Planned
from bot.domain.shards import ShardScope
from bot.i18n import Text
from bot.storage.base import Queryable
from bot.storage.instants import from_db, from_db_or_none, to_db
from bot.storage.outbox import OutboxRepository

Feature = Literal["countdown", "daily"]
# The first page starts after this instant: a real timestamp (PostgreSQL compares timestamptz, not text).
_BEFORE_ALL = to_db(dt.datetime(1970, 1, 1, tzinfo=dt.UTC))


async def due_rows(
    db: Queryable,
    shards: ShardScope,
    feature: Feature,
    extra_column: str,
    now: dt.datetime,
    limit: int,
    after: tuple[dt.datetime, int] | None,
) -> list[tuple[int, int, str, str, dt.datetime, Any]]:
    """One keyset page of servers whose ``feature`` post is due at ``now``, after the page ``after`` ended.

    Rows are (guild, channel, time, time zone, due at, ``extra_column``). One query per page: a
    broadcast to thousands of servers must not cost queries per server, and keyset paging means a
    pass sees each server once even while earlier pages are still being sent.
    """
    p = feature  # a Literal, never user text: safe to build the column names from
    last_at, last_guild = (to_db(after[0]), after[1]) if after else (_BEFORE_ALL, 0)
    mine, shard_params = shards.sql()
    rows = await db.fetch_all(
        f"SELECT guild_id, {p}_channel_id, {p}_time, {p}_timezone, {p}_next_post_at, {extra_column} "  # noqa: S608 - placeholders only
        f"FROM guild_config WHERE {p}_enabled = 1 "
        f"AND {p}_next_post_at <= ? AND ({p}_next_post_at, guild_id) > (?, ?) "
        f"AND {p}_channel_id IS NOT NULL AND {p}_time IS NOT NULL{mine} "
        f"ORDER BY {p}_next_post_at, guild_id LIMIT ?",
        (to_db(now), last_at, last_guild, *shard_params, limit),
    )
    return [(int(r[0]), int(r[1]), r[2], r[3] or "UTC", from_db(r[4]), r[5]) for r in rows]


async def next_due_at(db: Queryable, shards: ShardScope, feature: Feature) -> dt.datetime | None:
    """The earliest ``feature`` post due on this process's shards, or None when none is scheduled."""
    mine, shard_params = shards.sql()
    value = await db.fetch_value(
        f"SELECT MIN({feature}_next_post_at) FROM guild_config WHERE {feature}_enabled = 1{mine}",  # noqa: S608
        shard_params,
    )
    return from_db_or_none(value)


async def advance(
    tx: Queryable, feature: Feature, guild_id: int, next_post_at: dt.datetime, time: str, zone: str
) -> None:
    """Move ``feature``'s schedule on, unless a moderator changed its time or zone since the planner read it
    (their change computed the next post already, and it stands)."""
    p = feature  # a Literal, never user text: safe to build the column names from
    await tx.execute(
        f"UPDATE guild_config SET {p}_next_post_at = ? WHERE guild_id = ? AND {p}_enabled = 1 "  # noqa: S608
        f"AND {p}_time = ? AND COALESCE({p}_timezone, 'UTC') = ?",
        (to_db(next_post_at), guild_id, time, zone),
    )


class DailySchedule:
    """Base of the repository that owns one feature's daily schedule (``feature`` names its columns).

    The countdown and the question of the day skip a day the same way, so it is written once here:
    the skipped outbox row and the schedule moved past it, in one transaction under the server's lock.
    """

    feature: ClassVar[Feature]

    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def skip_day(
        self,
        planned: Planned,
        reason: Text | str,
        *,
        next_post_at: dt.datetime,
        time: str,
        zone: str,
        now: dt.datetime,
    ) -> None:
        """A day deliberately not posted (too late, a quiet day, nothing left to ask): recorded with the reason
        moderators see, and the schedule moved on."""
        async with self._db.transaction(guild_id=planned.guild_id) as tx:
            await OutboxRepository(tx).record_skipped(planned, reason, now)
            await advance(tx, self.feature, planned.guild_id, next_post_at, time, zone)
