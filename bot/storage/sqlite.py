"""SQLite through aiosqlite: the embedded default, configured never to lose a committed write.

Two connections to one file:
- the **writer**, shared by every coroutine. ``transaction()`` holds a lock from ``BEGIN
  IMMEDIATE`` to ``COMMIT`` and hands out a ``SqliteTransaction``; everything written goes
  through such a handle, so two coroutines can never interleave their statements inside one
  transaction, and a handle refuses use once its block has ended.
- the **reader** (WAL lets it run beside the writer), for reads outside a transaction. It only
  ever sees committed data: a ``/trivia leaderboard`` can never read another coroutine's
  half-written ``record_question``.

A repository built on a ``SqliteTransaction`` joins it: its own ``transaction()`` becomes a
SAVEPOINT instead of deadlocking on the lock.

The writer must never be left inside a transaction. A ``COMMIT`` can fail (disk full, an I/O
error, a deferred constraint) and SQLite then leaves the transaction open; a task can be
cancelled while ``BEGIN IMMEDIATE`` waits for another process's lock, and the ``BEGIN`` still
runs on aiosqlite's thread afterwards. Either way every later ``BEGIN`` would fail ("cannot
start a transaction within a transaction") until a restart. So ``BEGIN`` and ``COMMIT`` run to
completion even when the caller is cancelled, any failure is followed by a best-effort
``ROLLBACK``, and a stale transaction found before a ``BEGIN`` is rolled back first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Iterable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any, Self, TypeVar

import aiosqlite

from bot.storage.base import Database, Dialect, Params, Row, TransactionHandle
from bot.storage.sqltext import split_statements

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 15_000
T = TypeVar("T")


def database_now() -> dt.datetime:
    """SQLite's clock, ``strftime('%Y-%m-%dT%H:%M:%f', 'now')``, read without a trip to the database thread.

    SQLite runs inside this process and its ``'now'`` is this process's system clock, so the two are
    one clock (unlike PostgreSQL's, which is the server's): leases stamped with it mean the same as
    ones stamped in SQL. To the millisecond, as ``%f`` gives it. A lease is claimed and checked up to
    three times per post, so the saved round trips add up during a broadcast.
    """
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


async def _execute(conn: aiosqlite.Connection, sql: str, params: Params) -> int:
    async with conn.execute(sql, params) as cursor:
        return cursor.rowcount


async def _fetch_one(conn: aiosqlite.Connection, sql: str, params: Params) -> Row | None:
    async with conn.execute(sql, params) as cursor:
        row: Row | None = await cursor.fetchone()
        return row


async def _fetch_all(conn: aiosqlite.Connection, sql: str, params: Params) -> list[Row]:
    async with conn.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


async def _to_completion(step: Awaitable[T]) -> T:
    """Run ``step`` to its end even if the caller is cancelled meanwhile, then honour the cancel.

    aiosqlite runs each statement on its own thread; cancelling the coroutine that waits for it
    does not stop the statement, it only stops us from knowing how it ended.
    """
    task = asyncio.ensure_future(step)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with suppress(BaseException):
            await task
        raise


class SqliteTransaction(TransactionHandle):
    """An open transaction on the writer connection; valid only inside its ``async with``."""

    _savepoints = itertools.count(1)
    dialect: Dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        self._check_open()
        return await _execute(self._conn, sql, params)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        self._check_open()
        await self._conn.executemany(sql, rows)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        self._check_open()
        return await _fetch_one(self._conn, sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        self._check_open()
        return await _fetch_all(self._conn, sql, params)

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def now(self) -> dt.datetime:
        return database_now()

    @asynccontextmanager
    async def transaction(self, *, guild_id: int | None = None) -> AsyncIterator[SqliteTransaction]:
        """A nested transaction: a SAVEPOINT that rolls back alone or commits with the outer one.

        ``guild_id`` needs nothing here: the outer ``BEGIN IMMEDIATE`` already excludes every other writer.
        """
        self._check_open()
        name = f"sp{next(self._savepoints)}"
        await self._conn.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            await self._conn.execute(f"ROLLBACK TO {name}")
            await self._conn.execute(f"RELEASE {name}")
            raise
        await self._conn.execute(f"RELEASE {name}")


class SqliteDatabase(Database):
    """A writer connection behind a transaction lock, and a reader for committed data."""

    dialect: Dialect = "sqlite"

    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection | None, path: Path) -> None:
        self._writer = writer
        self._reader = reader
        self.path = path
        self.target = str(path)
        self._lock = asyncio.Lock()

    @classmethod
    async def open_file(cls, path: Path | str) -> Self:
        """Open (creating the folder and file if needed) and configure both connections."""
        path = Path(path)
        in_memory = str(path) == ":memory:"
        if not in_memory:
            path.parent.mkdir(parents=True, exist_ok=True)
        writer = await cls._connect(path, ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"])
        reader: aiosqlite.Connection | None = None
        if not in_memory:  # an in-memory database is private to its connection: read on the writer
            try:
                reader = await cls._connect(path, ["PRAGMA query_only = ON"])
            except BaseException:
                await writer.close()
                raise
        return cls(writer, reader, path)

    @staticmethod
    async def _connect(path: Path, pragmas: list[str]) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA foreign_keys = ON")
            for pragma in pragmas:
                await conn.execute(pragma)
        except BaseException:
            await conn.close()
            raise
        return conn

    async def close(self) -> None:
        async with self._lock:
            if self._reader is not None:
                await self._reader.close()
            await self._writer.close()

    @asynccontextmanager
    async def transaction(self, *, guild_id: int | None = None) -> AsyncIterator[SqliteTransaction]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any failure; one writer at a time."""
        async with self._lock:
            await self._roll_back_stale()
            try:
                await _to_completion(self._writer.execute("BEGIN IMMEDIATE"))
            except BaseException:
                await self._roll_back()
                raise
            handle = SqliteTransaction(self._writer)
            try:
                yield handle
                handle.close()
                await _to_completion(self._writer.execute("COMMIT"))
            except BaseException:
                handle.close()
                await self._roll_back()
                raise

    async def _roll_back(self) -> None:
        """Best effort: end whatever is open; "no transaction is active" is fine."""
        try:
            await _to_completion(self._writer.execute("ROLLBACK"))
        except sqlite3.OperationalError as exc:
            if "no transaction is active" not in str(exc):
                log.warning("ROLLBACK after a failed transaction failed too: %s", exc)
        except (sqlite3.Error, ValueError) as exc:  # ValueError: the connection is closed
            log.warning("ROLLBACK after a failed transaction failed too: %s", exc)

    async def _roll_back_stale(self) -> None:
        if self._writer.in_transaction:
            log.warning("the SQLite writer was left inside a transaction; rolling it back before going on")
            await self._roll_back()

    # Single statements outside a transaction are transactions of their own.
    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as tx:
            await tx.execute_many(sql, rows)

    # Reads see committed data only: on the reader, or on the writer between transactions.
    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        if self._reader is not None:
            return await _fetch_one(self._reader, sql, params)
        async with self._lock:
            return await _fetch_one(self._writer, sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        if self._reader is not None:
            return await _fetch_all(self._reader, sql, params)
        async with self._lock:
            return await _fetch_all(self._writer, sql, params)

    async def now(self) -> dt.datetime:
        return database_now()

    async def stream(self, sql: str, batch: int) -> AsyncIterator[list[tuple[Any, ...]]]:
        """A large read in batches of ``batch`` rows (``migrate-db``), never the whole table in memory."""
        conn = self._reader or self._writer
        async with conn.execute(sql) as cursor:
            while rows := [tuple(r) for r in await cursor.fetchmany(batch)]:
                yield rows

    @asynccontextmanager
    async def migration_lock(self) -> AsyncIterator[None]:
        yield  # each migration runs under BEGIN IMMEDIATE, which another process waits on

    async def schema_version(self) -> int:
        return int(await self.fetch_value("PRAGMA user_version") or 0)

    async def apply_migration(self, version: int, name: str, sql: str) -> None:
        # The version is read again inside BEGIN IMMEDIATE: of two processes starting together the
        # second finds the migration applied and does nothing. (Statements run one by one because
        # executescript() would COMMIT that transaction first.)
        async with self.transaction() as tx:
            if int(await tx.fetch_value("PRAGMA user_version") or 0) >= version:
                return
            for statement in split_statements(sql):
                await tx.execute(statement)
            await tx.execute(f"PRAGMA user_version = {int(version)}")
