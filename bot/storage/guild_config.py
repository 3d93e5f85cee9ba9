"""Per-server settings: spoiler horizon, countdown schedule, trivia options."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from bot.domain.guild import DueSchedule, GuildConfig
from bot.domain.shards import ShardScope
from bot.storage import schedules
from bot.storage.base import Queryable, Row
from bot.storage.instants import from_db_or_none, to_db_or_none

_COLUMNS = (
    "guild_id, spoiler_season, countdown_channel_id, countdown_time, countdown_timezone, "
    "countdown_enabled, countdown_next_post_at, countdown_disabled_reason, countdown_last_nodate_post, "
    "trivia_seconds, daily_channel_id, daily_time, daily_timezone, daily_enabled, daily_next_post_at, "
    "daily_disabled_reason, daily_window_hours, release_events_enabled, release_events_problem, language"
)


def _parse(value: str | None) -> dt.datetime | None:
    return from_db_or_none(value)


def _config(row: Row, trivia_channel_ids: tuple[int, ...]) -> GuildConfig:
    return GuildConfig(
        guild_id=int(row["guild_id"]),
        spoiler_season=row["spoiler_season"],
        countdown_channel_id=row["countdown_channel_id"],
        countdown_time=row["countdown_time"],
        countdown_timezone=row["countdown_timezone"],
        countdown_enabled=bool(row["countdown_enabled"]),
        countdown_next_post_at=_parse(row["countdown_next_post_at"]),
        countdown_disabled_reason=row["countdown_disabled_reason"],
        countdown_last_nodate_post=(
            dt.date.fromisoformat(row["countdown_last_nodate_post"]) if row["countdown_last_nodate_post"] else None
        ),
        trivia_seconds=row["trivia_seconds"],
        trivia_channel_ids=trivia_channel_ids,
        daily_channel_id=row["daily_channel_id"],
        daily_time=row["daily_time"],
        daily_timezone=row["daily_timezone"],
        daily_enabled=bool(row["daily_enabled"]),
        daily_next_post_at=_parse(row["daily_next_post_at"]),
        daily_disabled_reason=row["daily_disabled_reason"],
        daily_window_hours=row["daily_window_hours"],
        release_events_enabled=bool(row["release_events_enabled"]),
        release_events_problem=row["release_events_problem"],
        language=row["language"],
    )


class GuildConfigRepository:
    def __init__(self, db: Queryable, shards: ShardScope | None = None) -> None:
        self._db = db
        self._shards = shards or ShardScope()

    async def get(self, guild_id: int) -> GuildConfig:
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM guild_config WHERE guild_id = ?", (guild_id,))  # noqa: S608 - constant column list
        channels = await self._db.fetch_all(
            "SELECT channel_id FROM trivia_channels WHERE guild_id = ? ORDER BY channel_id", (guild_id,)
        )
        channel_ids = tuple(int(r[0]) for r in channels)
        if row is None:
            return GuildConfig(guild_id=guild_id, trivia_channel_ids=channel_ids)
        return _config(row, channel_ids)

    async def _upsert(self, guild_id: int, column_values: dict[str, object], now: dt.datetime) -> None:
        # Column names come from this module's callers only, never from user input.
        columns = ", ".join(column_values)
        placeholders = ", ".join("?" for _ in column_values)
        updates = ", ".join(f"{c} = excluded.{c}" for c in column_values)
        sql = (
            f"INSERT INTO guild_config (guild_id, updated_at, {columns}) VALUES (?, ?, {placeholders}) "  # noqa: S608
            f"ON CONFLICT(guild_id) DO UPDATE SET updated_at = excluded.updated_at, {updates}"
        )
        async with self._db.transaction() as tx:
            await tx.execute(sql, (guild_id, to_db_or_none(now), *column_values.values()))

    async def set_spoiler_season(self, guild_id: int, season: int | None, now: dt.datetime) -> None:
        await self._upsert(guild_id, {"spoiler_season": season}, now)

    async def set_trivia_seconds(self, guild_id: int, seconds: int, now: dt.datetime) -> None:
        await self._upsert(guild_id, {"trivia_seconds": seconds}, now)

    async def update(
        self, guild_id: int, change: Callable[[GuildConfig], Mapping[str, Any]], now: dt.datetime
    ) -> GuildConfig:
        """Read, decide and write in one transaction; returns the settings as stored.

        ``change`` gets the current settings and returns only the fields to change (by their
        ``GuildConfig`` names), so two moderators changing different settings at once both land.
        """
        async with self._db.transaction(guild_id=guild_id) as tx:
            repo = GuildConfigRepository(tx, self._shards)
            current = await repo.get(guild_id)
            columns = dict(change(current))
            if columns:
                stored = {k: to_db_or_none(v) if isinstance(v, dt.datetime) else v for k, v in columns.items()}
                await repo._upsert(guild_id, stored, now)
            return dataclasses.replace(current, **columns)

    async def disable_countdown(self, guild_id: int, reason: str | None, now: dt.datetime) -> None:
        await self._upsert(
            guild_id,
            {
                "countdown_enabled": 0,
                "countdown_disabled_reason": reason,
                "countdown_next_post_at": None,
            },
            now,
        )

    async def due_countdowns(
        self, now: dt.datetime, limit: int = 500, after: tuple[dt.datetime, int] | None = None
    ) -> list[DueSchedule]:
        """One page of countdowns due at ``now``, in (due time, server) order, after the page ``after`` ended."""
        extra = "countdown_last_nodate_post"
        rows = await schedules.due_rows(self._db, self._shards, "countdown", extra, now, limit, after)
        return [
            DueSchedule(guild, channel, time, zone, due_at, dt.date.fromisoformat(last) if last else None)
            for guild, channel, time, zone, due_at, last in rows
        ]

    async def next_due_at(self) -> dt.datetime | None:
        return await schedules.next_due_at(self._db, self._shards, "countdown")

    async def set_trivia_channel(self, guild_id: int, channel_id: int, allowed: bool) -> None:
        async with self._db.transaction() as tx:
            if allowed:
                await tx.execute(
                    "INSERT INTO trivia_channels (guild_id, channel_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    (guild_id, channel_id),
                )
            else:
                await tx.execute(
                    "DELETE FROM trivia_channels WHERE guild_id = ? AND channel_id = ?",
                    (guild_id, channel_id),
                )

    async def clear_trivia_channels(self, guild_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM trivia_channels WHERE guild_id = ?", (guild_id,))
