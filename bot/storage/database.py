"""The store behind every repository: ``Database`` (the interface), and SQLite, the embedded default.

PostgreSQL, for processes on several machines, is ``bot.storage.postgres``; ``Database.open``
picks by target. SQL is written once, portable between the two (``ON CONFLICT``, ``RETURNING``,
``CASE`` rather than SQLite's two-argument ``MAX``), with ``?`` placeholders.

SQLite through aiosqlite is configured for a bot that must never lose a committed write.
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
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Literal, Protocol, Self
from urllib.parse import urlsplit, urlunsplit

import aiosqlite

log = logging.getLogger(__name__)

Params = Sequence[Any]
BUSY_TIMEOUT_MS = 15_000
Dialect = Literal["sqlite", "postgresql"]


def redact(url: str) -> str:
    """A database URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


class Row(Protocol):
    """A result row, read by position or by column name (``sqlite3.Row`` and ``asyncpg.Record`` both are)."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...


class Queryable(Protocol):
    """What a repository needs: statements, reads and a (possibly nested) transaction.

    SQL is written once with ``?`` (or ``?N``) placeholders; the PostgreSQL side rewrites them.
    ``transaction(guild_id=…)`` is for a check-then-write on one server's rows (a limit, a claim):
    SQLite's ``BEGIN IMMEDIATE`` already serialises every writer, PostgreSQL's READ COMMITTED does
    not, so there it also takes that server's ``pg_advisory_xact_lock`` before anything else.
    """

    dialect: Dialect

    async def execute(self, sql: str, params: Params = ()) -> int: ...
    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None: ...
    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...
    async def fetch_value(self, sql: str, params: Params = ()) -> Any: ...
    def transaction(self, *, guild_id: int | None = None) -> AbstractAsyncContextManager[Queryable]: ...


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


class Transaction:
    """An open SQLite transaction on the writer connection; valid only inside its ``async with``."""

    _savepoints = itertools.count(1)
    dialect: Dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        return await _execute(self._conn, sql, params)

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        return await _fetch_one(self._conn, sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return await _fetch_all(self._conn, sql, params)

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    @asynccontextmanager
    async def transaction(self, *, guild_id: int | None = None) -> AsyncIterator[Transaction]:
        """A nested transaction: a SAVEPOINT that rolls back alone or commits with the outer one.

        ``guild_id`` needs nothing here: the outer ``BEGIN IMMEDIATE`` already excludes every other writer.
        """
        name = f"sp{next(self._savepoints)}"
        await self._conn.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            await self._conn.execute(f"ROLLBACK TO {name}")
            await self._conn.execute(f"RELEASE {name}")
            raise
        await self._conn.execute(f"RELEASE {name}")


class Database(ABC):
    """One store behind the ``Queryable`` interface: SQLite (the default) or PostgreSQL.

    ``Database.open`` picks by target: a ``postgresql://`` URL opens an asyncpg pool
    (``bot.storage.postgres``), anything else is an SQLite file path.
    """

    dialect: Dialect
    target: str  # what to name in messages (a path, or a URL without its password)

    @staticmethod
    async def open(target: Path | str) -> Database:
        if isinstance(target, str) and target.split("://", 1)[0] in ("postgresql", "postgres"):
            from bot.storage.postgres import PostgresDatabase  # asyncpg is an optional extra

            return await PostgresDatabase.connect(target)
        return await SqliteDatabase.open_file(target)

    @abstractmethod
    async def close(self) -> None: ...

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @abstractmethod
    def transaction(self, *, guild_id: int | None = None) -> AbstractAsyncContextManager[Queryable]: ...
    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int: ...
    @abstractmethod
    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None: ...
    @abstractmethod
    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...
    @abstractmethod
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    # --- migrations (bot.storage.migrate drives them; each store keeps its own version) ---------
    @abstractmethod
    def migration_lock(self) -> AbstractAsyncContextManager[None]:
        """Held while migrating, so two processes starting together apply each migration once."""

    @abstractmethod
    async def schema_version(self) -> int: ...

    @abstractmethod
    async def apply_migration(self, version: int, name: str, sql: str) -> None:
        """Run one migration and record its version in one transaction."""

    # --- scheduling across processes ------------------------------------------------------------
    async def hold_shards(self, shard_ids: Sequence[int]) -> bool:
        """Whether this process may run the scheduler for ``shard_ids`` now (PostgreSQL: a lock per shard).

        One SQLite file serves one machine, where the shard filter alone keeps processes apart.
        """
        return True


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
    async def transaction(self, *, guild_id: int | None = None) -> AsyncIterator[Transaction]:
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
            for statement in _statements(sql):
                await tx.execute(statement)
            await tx.execute(f"PRAGMA user_version = {int(version)}")


def _statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (a trigger's body keeps its own semicolons)."""
    statements, buffer = [], ""
    for part in script.split(";"):
        buffer += part + ";"
        if sqlite3.complete_statement(buffer):
            text = "\n".join(line for line in buffer.splitlines() if not line.strip().startswith("--")).strip()
            if text.strip("; \n"):
                statements.append(text)
            buffer = ""
    return statements
