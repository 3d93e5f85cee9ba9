"""Which Discord scheduled event the bot made for which release or server event, per server, and
which servers' events are out of step (``release_events_dirty``) and must be planned again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.outbox import Planned
from bot.domain.shards import ShardScope
from bot.storage.base import Queryable
from bot.storage.instants import from_db, to_db
from bot.storage.outbox import OutboxRepository

DIRTY = 1  # release_events_dirty: plan the server again
REWRITE = 2  # … and rewrite every event made there (the server's language changed)
# a plain mark never drops a pending rewrite
_KEEP_REWRITE = f"CASE WHEN release_events_dirty = {REWRITE} THEN {REWRITE} ELSE ? END"


@dataclass(frozen=True, slots=True)
class MadeEvent:
    target_key: str
    discord_event_id: int
    name: str
    starts_at: dt.datetime


class ReleaseEventRepository:
    def __init__(self, db: Queryable, shards: ShardScope | None = None) -> None:
        self._db = db
        self._shards = shards or ShardScope()

    async def made(self, guild_id: int) -> list[MadeEvent]:
        rows = await self._db.fetch_all(
            "SELECT target_key, discord_event_id, name, starts_at FROM scheduled_events WHERE guild_id = ? "
            "ORDER BY target_key",
            (guild_id,),
        )
        return [MadeEvent(r[0], int(r[1]), r[2], from_db(r[3])) for r in rows]

    async def made_for(self, guild_id: int, target_key: str) -> MadeEvent | None:
        row = await self._db.fetch_one(
            "SELECT target_key, discord_event_id, name, starts_at FROM scheduled_events "
            "WHERE guild_id = ? AND target_key = ?",
            (guild_id, target_key),
        )
        return None if row is None else MadeEvent(row[0], int(row[1]), row[2], from_db(row[3]))

    @staticmethod
    async def remember(tx: Queryable, guild_id: int, event: MadeEvent) -> None:
        await tx.execute(
            "INSERT INTO scheduled_events (guild_id, target_key, discord_event_id, name, starts_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(guild_id, target_key) DO UPDATE SET "
            "discord_event_id = excluded.discord_event_id, name = excluded.name, starts_at = excluded.starts_at",
            (guild_id, event.target_key, event.discord_event_id, event.name, to_db(event.starts_at)),
        )

    @staticmethod
    async def forget(tx: Queryable, guild_id: int, target_key: str) -> None:
        await tx.execute("DELETE FROM scheduled_events WHERE guild_id = ? AND target_key = ?", (guild_id, target_key))

    # --- what to plan -----------------------------------------------------------------------------
    async def mark_dirty(self, guild_id: int, *, rewrite: bool = False) -> None:
        """Have the server planned again; ``rewrite``: every event the bot made there is rewritten too (its
        language changed), kept until that pass, so a restart before it still rewrites them."""
        await self._db.execute(
            f"UPDATE guild_config SET release_events_dirty = {_KEEP_REWRITE} WHERE guild_id = ?",  # noqa: S608
            (REWRITE if rewrite else DIRTY, guild_id),
        )

    async def mark_all_dirty(self) -> None:
        """Start-up: every server of this process's shards that has events on (or made some) is looked at once."""
        mine, shard_params = self._shards.sql()
        await self._db.execute(
            f"UPDATE guild_config SET release_events_dirty = {_KEEP_REWRITE} WHERE (release_events_enabled = 1 "  # noqa: S608
            f"OR guild_id IN (SELECT guild_id FROM scheduled_events)){mine}",
            (DIRTY, *shard_params),
        )

    async def dirty_guilds(self, limit: int = 500) -> list[tuple[int, bool]]:
        """Servers to plan again, each with whether every event made there is to be rewritten."""
        mine, shard_params = self._shards.sql()
        rows = await self._db.fetch_all(
            "SELECT guild_id, release_events_dirty FROM guild_config "  # noqa: S608
            f"WHERE release_events_dirty <> 0{mine} ORDER BY guild_id LIMIT ?",
            (*shard_params, limit),
        )
        return [(int(r[0]), int(r[1]) == REWRITE) for r in rows]

    async def plan_sync(self, guild_id: int, changes: Sequence[Planned], now: dt.datetime) -> None:
        """Every change one server needs, planned (or re-planned), and the server marked in step, at once."""
        async with self._db.transaction(guild_id=guild_id) as tx:
            outbox = OutboxRepository(tx)
            for change in changes:
                await outbox.replan(change, now)
            await tx.execute("UPDATE guild_config SET release_events_dirty = 0 WHERE guild_id = ?", (guild_id,))
