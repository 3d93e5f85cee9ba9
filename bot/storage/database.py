"""SQLite through aiosqlite, configured for a bot that must never lose a committed write.

Two connections to one file:
- the **writer**, shared by every coroutine. ``transaction()`` holds a lock from ``BEGIN
  IMMEDIATE`` to ``COMMIT`` and hands out a ``Transaction`` handle; everything written goes
  through such a handle, so two coroutines can never interleave their statements inside one
  transaction.
- the **reader** (WAL lets it run beside the writer), for reads outside a transaction. It only
  ever sees committed data: a ``/trivia leaderboard`` can never read another coroutine's
  half-written ``record_question``.

A repository is built on either a ``Database`` or a ``Transaction`` (both are ``Queryable``);
``transaction()`` on a ``Transaction`` opens a SAVEPOINT, so a repository method that brings its
own transaction joins the caller's instead of deadlocking on the lock.

WAL keeps readers and the writer apart and makes a commit durable across a process kill;
``busy_timeout`` lets a write wait for another process (a backup, an admin's sqlite3 shell)
instead of failing.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol, Self

import aiosqlite

log = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]
Row = aiosqlite.Row
BUSY_TIMEOUT_MS = 15_000


class Queryable(Protocol):
    """What a repository needs: statements, reads and a (possibly nested) transaction."""

    async def execute(self, sql: str, params: Params = ()) -> int: ...
    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None: ...
    async def insert(self, sql: str, params: Params = ()) -> int: ...
    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...
    async def fetch_value(self, sql: str, params: Params = ()) -> Any: ...
    def transaction(self) -> AbstractAsyncContextManager[Transaction]: ...


async def _execute(conn: aiosqlite.Connection, sql: str, params: Params) -> int:
    async with conn.execute(sql, params) as cursor:
        return cursor.rowcount


async def _insert(conn: aiosqlite.Connection, sql: str, params: Params) -> int:
    async with conn.execute(sql, params) as cursor:
        return int(cursor.lastrowid or 0)


async def _fetch_one(conn: aiosqlite.Connection, sql: str, params: Params) -> Row | None:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def _fetch_all(conn: aiosqlite.Connection, sql: str, params: Params) -> list[Row]:
    async with conn.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


class Transaction:
    """An open transaction on the writer connection; valid only inside its ``async with``."""

    _savepoints = itertools.count(1)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        return await _execute(self._conn, sql, params)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT; returns the new rowid."""
        return await _insert(self._conn, sql, params)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        return await _fetch_one(self._conn, sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return await _fetch_all(self._conn, sql, params)

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A nested transaction: a SAVEPOINT that rolls back alone or commits with the outer one."""
        name = f"sp{next(self._savepoints)}"
        await self._conn.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            await self._conn.execute(f"ROLLBACK TO {name}")
            await self._conn.execute(f"RELEASE {name}")
            raise
        await self._conn.execute(f"RELEASE {name}")


class Database:
    """A writer connection behind a transaction lock, and a reader for committed data."""

    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection | None, path: Path) -> None:
        self._writer = writer
        self._reader = reader
        self.path = path
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> Self:
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

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any exception; one writer at a time."""
        async with self._lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._writer)
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            else:
                await self._writer.execute("COMMIT")

    # Single statements outside a transaction are transactions of their own.
    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as tx:
            await tx.execute_many(sql, rows)

    async def insert(self, sql: str, params: Params = ()) -> int:
        async with self.transaction() as tx:
            return await tx.insert(sql, params)

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

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def run_script(self, script: str) -> None:
        """Run a multi-statement script as-is (migrations, which bring their own BEGIN … COMMIT)."""
        async with self._lock:
            try:
                await self._writer.executescript(script)
            except BaseException:
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise
