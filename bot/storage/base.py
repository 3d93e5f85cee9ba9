"""What every store offers the repositories: the ``Queryable`` protocol, the transaction handle
rules, and the ``Database`` interface. No store lives here, so nothing here imports a driver.

SQL is written once, portable between SQLite and PostgreSQL (``ON CONFLICT``, ``RETURNING``,
``CASE`` rather than SQLite's two-argument ``MAX``), with ``?``/``?N`` placeholders that the
PostgreSQL store turns into ``$N`` with a real tokenizer (``bot.storage.sqltext``). Instants
cross the boundary as ISO text through one codec (``bot.storage.instants``).

``bot.storage.open_database(target)`` picks the store: ``bot.storage.sqlite`` (the default, one
file) or ``bot.storage.postgres`` (several processes on several machines).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal, Protocol, Self

from bot.redaction import redact_url

Params = Sequence[Any]
Dialect = Literal["sqlite", "postgresql"]

__all__ = [
    "Database",
    "Dialect",
    "Params",
    "Queryable",
    "Row",
    "TransactionClosed",
    "TransactionHandle",
    "redact_url",
]


class Row(Protocol):
    """A result row, read by position or by column name (``sqlite3.Row`` and ``asyncpg.Record`` both are)."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...


class Queryable(Protocol):
    """What a repository needs: statements, reads, the database's clock and a (possibly nested) transaction.

    ``transaction(guild_id=…)`` is for a check-then-write on one server's rows (a limit, a claim):
    SQLite's ``BEGIN IMMEDIATE`` already serialises every writer, PostgreSQL's READ COMMITTED does
    not, so there it also takes that server's ``pg_advisory_xact_lock`` before anything else.
    ``now()`` is the database's own clock: leases that several processes compare are stamped
    with it, never with a process clock that may be skewed (or, in tests, scaled).
    """

    dialect: Dialect

    async def execute(self, sql: str, params: Params = ()) -> int: ...
    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None: ...
    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...
    async def fetch_value(self, sql: str, params: Params = ()) -> Any: ...
    async def now(self) -> dt.datetime: ...
    def transaction(self, *, guild_id: int | None = None) -> AbstractAsyncContextManager[Queryable]: ...


class TransactionClosed(RuntimeError):
    """A transaction handle was used after its ``async with`` block ended.

    Without this, a repository built on a handle and kept would run statements on the shared
    writer outside any lock, interleaved with another coroutine's transaction.
    """


class TransactionHandle:
    """The part every store's transaction handle shares: it refuses use once its block has ended."""

    _closed = False

    def close(self) -> None:
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise TransactionClosed("this transaction has ended; open a new one with db.transaction()")


class Database(ABC):
    """One store behind the ``Queryable`` interface: SQLite (the default) or PostgreSQL."""

    dialect: Dialect
    target: str  # what to name in messages (a path, or a URL without its password)

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
    @abstractmethod
    async def now(self) -> dt.datetime: ...

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def ping(self) -> None:
        """One round trip (readiness checks): raises if the database does not answer."""
        await self.fetch_value("SELECT 1")

    # --- migrations (bot.storage.migrate drives them; each store keeps its own version) ---------
    @abstractmethod
    def migration_lock(self) -> AbstractAsyncContextManager[None]:
        """Held while migrating, so two processes starting together apply each migration once."""

    @abstractmethod
    async def schema_version(self) -> int: ...

    @abstractmethod
    async def apply_migration(self, version: int, name: str, sql: str) -> None:
        """Run one migration and record its version in one transaction."""

    # --- ownership across processes -------------------------------------------------------------
    async def hold_shards(self, shard_ids: Sequence[int]) -> bool:
        """Whether this process may act for ``shard_ids`` now (PostgreSQL: a lock per shard).

        One SQLite file serves one machine, where the shard filter alone keeps processes apart.
        """
        return True
