"""A store's transactions end cleanly however they end: a failed COMMIT, a cancelled BEGIN, a stale handle.

Each of these wedged the SQLite writer before (every later write failed with "cannot start a
transaction within a transaction" until a restart) or let a kept handle write outside any lock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from bot.storage import open_database
from bot.storage.base import TransactionClosed
from bot.storage.meta import MetaRepository
from bot.storage.migrate import migrate

DEFERRED_CHILD = (
    "CREATE TABLE IF NOT EXISTS commit_probe_child (id INTEGER PRIMARY KEY, parent_key TEXT "
    "REFERENCES meta(key) DEFERRABLE INITIALLY DEFERRED)"
)


async def test_a_failed_commit_is_rolled_back_and_the_next_transaction_works(db):
    """A deferred foreign key fails only at COMMIT; SQLite then leaves the transaction open."""
    await db.execute(DEFERRED_CHILD)
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO commit_probe_child (id, parent_key) VALUES (1, 'nobody')")
    assert await db.fetch_value("SELECT COUNT(*) FROM commit_probe_child") == 0
    meta = MetaRepository(db)
    await meta.set("after", "a failed commit")  # would fail on a wedged writer
    assert await meta.get("after") == "a failed commit"
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO commit_probe_child (id, parent_key) VALUES (2, 'after')")
    assert await db.fetch_value("SELECT COUNT(*) FROM commit_probe_child") == 1


async def test_a_handle_refuses_use_after_its_block(db):
    async with db.transaction() as tx:
        kept = tx
        await tx.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    with pytest.raises(TransactionClosed):
        await kept.execute("INSERT INTO meta (key, value) VALUES ('k2', 'v')")
    with pytest.raises(TransactionClosed):
        await kept.fetch_value("SELECT 1")
    assert await db.fetch_value("SELECT COUNT(*) FROM meta WHERE key = 'k2'") == 0


async def test_the_database_clock_is_an_aware_utc_instant(db):
    now = await db.now()
    assert now.tzinfo is not None and now.utcoffset() == dt.timedelta(0)
    assert abs((now - dt.datetime.now(dt.UTC)).total_seconds()) < 60  # the same machine here
    async with db.transaction() as tx:
        assert (await tx.now()).tzinfo is not None
    if db.dialect == "sqlite":  # read without a round trip, it must still be SQLite's own 'now'
        before = await db.now()
        sqlite_now = dt.datetime.fromisoformat(
            await db.fetch_value("SELECT strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')")
        )
        after = await db.now()
        assert before <= sqlite_now <= after + dt.timedelta(milliseconds=1)


async def test_a_begin_cancelled_while_another_process_holds_the_lock_leaves_no_stale_transaction(tmp_path: Path):
    """BEGIN IMMEDIATE waits (busy_timeout) for another process's write lock; the waiting task is
    cancelled; the BEGIN completes on aiosqlite's thread later. The next transaction must work."""
    path = tmp_path / "locked.sqlite3"
    db = await open_database(path)
    try:
        await migrate(db)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process (a backup, a shell) holds the write lock
        waiting = asyncio.create_task(db.execute("INSERT INTO meta (key, value) VALUES ('x', '1')"))
        await asyncio.sleep(0.3)  # let the BEGIN reach SQLite and start waiting on the lock
        assert not waiting.done()
        waiting.cancel()
        other.execute("ROLLBACK")
        other.close()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await MetaRepository(db).set("y", "2")
        assert await MetaRepository(db).get("y") == "2"
    finally:
        await db.close()
