"""PostgreSQL through an asyncpg pool: the shared store when the bot runs on more than one machine.

Repositories write their SQL once, with ``?``/``?N`` placeholders; ``bot.storage.sqltext``
rewrites them to ``$N`` with a tokenizer (string literals, quoted names, comments and ``$$``
bodies untouched) and caches the result. The differences that matter are handled here and in
``migrations/postgresql``, not in every repository:

- snowflakes are ``bigint`` (a server id does not fit PostgreSQL's 4-byte ``integer``);
- instants are ``timestamptz``. Repositories hand over and get back ISO 8601 text, as with SQLite
  (``bot.storage.instants``): a text codec turns what they send into ``timestamptz`` and what comes
  back into the same spelling in UTC, so comparisons stay comparisons of instants on the server;
- READ COMMITTED does not serialise writers as SQLite's ``BEGIN IMMEDIATE`` does, so a
  check-then-write asks for ``transaction(guild_id=…)``, which takes that server's
  ``pg_advisory_xact_lock`` before anything else (released at commit or rollback);
- migrations run each in one transaction, under a session advisory lock, tracked in
  ``schema_version``; each process holds one ``pg_try_advisory_lock`` per shard on a connection
  of its own, so two processes never act for one shard at once. Session locks need a direct
  connection: behind a pooler in transaction mode (PgBouncer) they would not survive.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Self

import asyncpg

from bot.storage.base import Database, Dialect, Params, Row, TransactionHandle, redact_url
from bot.storage.instants import from_db, to_db
from bot.storage.sqltext import numbered_placeholders as to_postgres

log = logging.getLogger(__name__)

# Two-key advisory locks (class, object) live apart from the one-key locks taken per server.
LOCK_CLASS_MIGRATE = 0x4853_0001
LOCK_CLASS_SHARD = 0x4853_0002


def _count(status: str) -> int:
    """Rows changed, from a command tag such as ``UPDATE 3`` or ``INSERT 0 1``."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _timestamp_out(value: str | dt.datetime) -> str:
    return to_db(value) if isinstance(value, dt.datetime) else value


def _timestamp_in(text: str) -> str:
    return to_db(from_db(text))


async def _setup_connection(conn: asyncpg.Connection) -> None:
    await conn.execute("SET TIME ZONE 'UTC'")
    await conn.set_type_codec(
        "timestamptz", schema="pg_catalog", encoder=_timestamp_out, decoder=_timestamp_in, format="text"
    )


class PgTransaction(TransactionHandle):
    """An open transaction on one pooled connection; nested ``transaction()`` is a SAVEPOINT.

    Valid only inside its ``async with``: afterwards its connection is back in the pool, serving
    someone else, so the handle refuses use.
    """

    dialect: Dialect = "postgresql"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        self._check_open()
        return _count(await self._conn.execute(to_postgres(sql), *params))

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        self._check_open()
        batch = [tuple(r) for r in rows]
        if batch:
            await self._conn.executemany(to_postgres(sql), batch)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        self._check_open()
        row: Row | None = await self._conn.fetchrow(to_postgres(sql), *params)
        return row

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        self._check_open()
        return list(await self._conn.fetch(to_postgres(sql), *params))

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        self._check_open()
        return await self._conn.fetchval(to_postgres(sql), *params)

    async def now(self) -> dt.datetime:
        return from_db(await self.fetch_value("SELECT clock_timestamp()"))

    @asynccontextmanager
    async def transaction(self, *, guild_id: int | None = None) -> AsyncIterator[PgTransaction]:
        self._check_open()
        async with self._conn.transaction():
            if guild_id is not None:
                await lock_guild(self._conn, guild_id)
            yield self


async def lock_guild(conn: asyncpg.Connection, guild_id: int) -> None:
    """This server's transaction-scoped lock: one check-then-write on its rows at a time."""
    await conn.execute("SELECT pg_advisory_xact_lock($1::bigint)", guild_id)


class PostgresDatabase(Database):
    dialect: Dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self._url = url
        self.target = redact_url(url)
        self._shard_conn: asyncpg.Connection | None = None
        self._held: set[int] = set()

    @classmethod
    async def connect(cls, url: str, *, max_size: int = 10) -> Self:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=max_size, init=_setup_connection)
        return cls(pool, url)

    async def close(self) -> None:
        if self._shard_conn is not None and not self._shard_conn.is_closed():
            await self._shard_conn.close()  # releases the shard locks with the session
        await self._pool.close()

    @asynccontextmanager
    async def transaction(self, *, guild_id: int | None = None) -> AsyncIterator[PgTransaction]:
        async with self._pool.acquire() as conn:
            handle = PgTransaction(conn)
            try:
                async with conn.transaction():
                    if guild_id is not None:
                        await lock_guild(conn, guild_id)
                    yield handle
            finally:
                handle.close()

    # Single statements outside a transaction commit on their own (autocommit).
    async def execute(self, sql: str, params: Params = ()) -> int:
        return _count(await self._pool.execute(to_postgres(sql), *params))

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as tx:
            await tx.execute_many(sql, rows)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = await self._pool.fetchrow(to_postgres(sql), *params)
        return row

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._pool.fetch(to_postgres(sql), *params))

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        return await self._pool.fetchval(to_postgres(sql), *params)

    async def now(self) -> dt.datetime:
        return from_db(await self._pool.fetchval("SELECT clock_timestamp()"))

    # --- migrations -----------------------------------------------------------------------------
    @asynccontextmanager
    async def migration_lock(self) -> AsyncIterator[None]:
        async with self._pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1, 0)", LOCK_CLASS_MIGRATE)
            try:
                yield
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1, 0)", LOCK_CLASS_MIGRATE)

    async def schema_version(self) -> int:
        await self._pool.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, name text NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
        return int(await self._pool.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))

    async def apply_migration(self, version: int, name: str, sql: str) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(sql)  # a multi-statement script; no parameters
            await conn.execute("INSERT INTO schema_version (version, name) VALUES ($1, $2)", version, name)

    # --- one scheduler per shard ----------------------------------------------------------------
    async def hold_shards(self, shard_ids: Sequence[int]) -> bool:
        """Take (once, then keep) a session lock per shard on a connection of this process's own; all or none.

        While an older process still runs a shard (a rolling deploy's overlap) this returns False
        and the scheduler waits; when that process exits, its session ends and the lock is free.
        If this connection dies, its locks are gone too (another process may hold them by now), so a
        pass first checks it is alive; a dead one is opened again and the locks are asked for afresh.
        """
        if self._shard_conn is not None and not self._shard_conn.is_closed():
            try:
                await self._shard_conn.fetchval("SELECT 1")
            except (asyncpg.PostgresError, OSError):
                self._shard_conn.terminate()
        if self._shard_conn is None or self._shard_conn.is_closed():
            self._held.clear()
            self._shard_conn = await asyncpg.connect(self._url)
        for shard in shard_ids:
            if shard not in self._held and await self._shard_conn.fetchval(
                "SELECT pg_try_advisory_lock($1, $2)", LOCK_CLASS_SHARD, shard
            ):
                self._held.add(shard)
        if self._held >= set(shard_ids):
            return True
        # Holding only some would let two processes with overlapping SHARD_IDS each keep half and
        # wait for the other forever: give back what we got and ask again next time.
        for shard in sorted(self._held):
            await self._shard_conn.fetchval("SELECT pg_advisory_unlock($1, $2)", LOCK_CLASS_SHARD, shard)
        self._held.clear()
        return False
