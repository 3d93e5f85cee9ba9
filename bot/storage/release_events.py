"""Which Discord scheduled event the bot made for which release or server event, per server."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.storage.base import Queryable
from bot.storage.instants import from_db, to_db


@dataclass(frozen=True, slots=True)
class MadeEvent:
    target_key: str
    discord_event_id: int
    name: str
    starts_at: dt.datetime


class ReleaseEventRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def made(self, guild_id: int) -> list[MadeEvent]:
        rows = await self._db.fetch_all(
            "SELECT target_key, discord_event_id, name, starts_at FROM scheduled_events WHERE guild_id = ? "
            "ORDER BY target_key",
            (guild_id,),
        )
        return [MadeEvent(r[0], int(r[1]), r[2], from_db(r[3])) for r in rows]

    async def remember(self, guild_id: int, event: MadeEvent) -> None:
        await self._db.execute(
            "INSERT INTO scheduled_events (guild_id, target_key, discord_event_id, name, starts_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(guild_id, target_key) DO UPDATE SET "
            "discord_event_id = excluded.discord_event_id, name = excluded.name, starts_at = excluded.starts_at",
            (guild_id, event.target_key, event.discord_event_id, event.name, to_db(event.starts_at)),
        )

    async def forget(self, guild_id: int, target_key: str) -> None:
        await self._db.execute(
            "DELETE FROM scheduled_events WHERE guild_id = ? AND target_key = ?", (guild_id, target_key)
        )

    async def enabled_guilds(self) -> list[int]:
        rows = await self._db.fetch_all(
            "SELECT guild_id FROM guild_config WHERE release_events_enabled = 1 AND release_events_problem IS NULL"
        )
        return [int(r[0]) for r in rows]
