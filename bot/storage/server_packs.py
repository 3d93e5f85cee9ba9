"""Trivia packs a server uploaded for itself, stored as the YAML it sent (never shared between servers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from bot.storage.base import Queryable
from bot.storage.instants import to_db


@dataclass(frozen=True, slots=True)
class StoredPack:
    pack_id: str
    name: str
    questions: int
    source_yaml: str


class SaveResult(Enum):
    ADDED = "added"
    REPLACED = "replaced"
    FULL = "full"


class ServerPackRepository:
    def __init__(self, db: Queryable) -> None:
        self._db = db

    async def save(
        self, guild_id: int, pack: StoredPack, *, uploaded_by: int, max_packs: int, now: dt.datetime
    ) -> SaveResult:
        """Add or replace a pack; a new one only while the server is under ``max_packs`` (checked atomically)."""
        async with self._db.transaction(guild_id=guild_id) as tx:
            exists = await tx.fetch_value(
                "SELECT 1 FROM server_packs WHERE guild_id = ? AND pack_id = ?", (guild_id, pack.pack_id)
            )
            if not exists:
                count = await tx.fetch_value("SELECT COUNT(*) FROM server_packs WHERE guild_id = ?", (guild_id,))
                if int(count) >= max_packs:
                    return SaveResult.FULL
            await tx.execute(
                "INSERT INTO server_packs (guild_id, pack_id, name, questions, source_yaml, uploaded_by, uploaded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(guild_id, pack_id) DO UPDATE SET name = excluded.name, "
                "questions = excluded.questions, source_yaml = excluded.source_yaml, "
                "uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at",
                (
                    guild_id,
                    pack.pack_id,
                    pack.name,
                    pack.questions,
                    pack.source_yaml,
                    uploaded_by,
                    to_db(now),
                ),
            )
        return SaveResult.REPLACED if exists else SaveResult.ADDED

    async def remove(self, guild_id: int, pack_id: str) -> bool:
        async with self._db.transaction() as tx:
            removed = await tx.execute(
                "DELETE FROM server_packs WHERE guild_id = ? AND pack_id = ?", (guild_id, pack_id)
            )
        return removed > 0

    async def packs(self, guild_id: int) -> list[StoredPack]:
        rows = await self._db.fetch_all(
            "SELECT pack_id, name, questions, source_yaml FROM server_packs WHERE guild_id = ? ORDER BY pack_id",
            (guild_id,),
        )
        return [StoredPack(r[0], r[1], int(r[2]), r[3]) for r in rows]
