"""Backups under load restore to whole transactions; damaged, newer or busy cases are refused and change nothing.

Both stores: SQLite's online backup API (stepped, or one step once the bot's writes restart it) and
``pg_dump``/``pg_restore``. Figures (time, size at 1,000,000 score rows) are in ``benchmarks/backup.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
import threading
from pathlib import Path

import asyncpg
import pytest

from bot.storage import backup as backups
from bot.storage import open_database
from bot.storage.backup import (
    BackupError,
    DatabaseInUseError,
    UnusableBackupError,
    backup,
    backup_sqlite,
    libpq_target,
    restore,
    snapshot_before_migrating,
)
from bot.storage.base import Database
from bot.storage.migrate import latest_version, migrate
from bot.storage.sqlite import SqliteDatabase
from tests.backup_load import (
    Load,
    check_restored,
    check_restored_copy,
    digest,
    integrity,
    load_once,
    loaded_sqlite,
    older_sqlite,
    restore_target,
)


async def test_a_backup_taken_mid_load_restores_to_whole_transactions(db, db_target, tmp_path, request):
    """Twenty games scoring at once and a fifty-server broadcast write while the backup runs."""
    load = Load(db)
    running = asyncio.create_task(load.run())
    await asyncio.wait_for(load.started.wait(), 60)
    taken = await backup(db_target, tmp_path / "mid-load.bak")
    load.stop.set()
    await running
    final = await check_restored(db)

    target = await restore_target(db_target, tmp_path / "restored" / "bot.sqlite3", request)
    restored_info = await restore(taken.path, target)
    assert restored_info.schema_version == latest_version(db.dialect)
    copy = await check_restored_copy(target)
    assert 0 < copy.answers < final.answers, "the backup was not taken in the middle of the games"
    assert 0 < copy.planned < final.planned, "the backup was not taken in the middle of the broadcast"


async def test_a_stepped_copy_that_the_bot_keeps_restarting_finishes_in_one_step(tmp_path, monkeypatch):
    """SQLite restarts a stepped backup whenever another connection writes between steps; under steady
    writes it would never end, so the first restart switches to one read transaction."""
    path = tmp_path / "busy.sqlite3"
    db = await SqliteDatabase.open_file(path)
    await migrate(db)
    await db.close()
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [(f"k{i}", "x" * 500) for i in range(2000)])
    monkeypatch.setattr(backups, "STEP_PAGES", 1)
    writing, done = threading.Event(), threading.Event()

    def writer() -> None:
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
            n = 0
            while not done.is_set():
                conn.execute("INSERT INTO meta (key, value) VALUES (?, 'w')", (f"w{n}",))
                n += 1
                writing.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        await asyncio.to_thread(writing.wait)
        taken = await asyncio.to_thread(backup_sqlite, path, tmp_path / "busy.bak")
    finally:
        done.set()
        thread.join()
    assert "one step" in taken.method
    assert integrity(taken.path) == ["ok"]
    with contextlib.closing(sqlite3.connect(taken.path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        assert conn.execute("SELECT COUNT(*) FROM meta WHERE key LIKE 'k%'").fetchone()[0] == 2000


@pytest.mark.parametrize("damage", ["truncated", "scribbled", "not a database", "newer", "not the bot's"])
async def test_a_file_that_cannot_be_used_is_refused_and_nothing_is_replaced(tmp_path, damage):
    database, source = tmp_path / "bot.sqlite3", tmp_path / "source.sqlite3"
    await loaded_sqlite(database)
    await loaded_sqlite(source)
    good = (await backup(source, tmp_path / "good.bak")).path
    bad = tmp_path / "bad.bak"
    shutil.copyfile(good, bad)
    if damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif damage == "scribbled":
        data = bytearray(good.read_bytes())
        data[4096 * 2 : 4096 * 2 + 3000] = b"\xa5" * 3000
        bad.write_bytes(bytes(data))
    elif damage == "not a database":
        bad.write_bytes(b"heartstopper " * 1000)
    elif damage == "newer":
        with contextlib.closing(sqlite3.connect(bad)) as conn:
            conn.execute("PRAGMA user_version = 999")
    else:
        with contextlib.closing(sqlite3.connect(bad)) as conn:
            conn.execute("DROP TABLE meta")
    before = {p.name: digest(p) for p in tmp_path.iterdir() if p.is_file()}
    with pytest.raises(UnusableBackupError) as refused:
        await restore(bad, database)
    assert "\n" not in str(refused.value) and str(bad) in str(refused.value)
    if damage == "newer":
        assert "newer than this code" in str(refused.value)
    assert {p.name: digest(p) for p in tmp_path.iterdir() if p.is_file()} == before  # no leftovers either


async def test_restore_refuses_while_a_bot_holds_the_database(tmp_path):
    database = tmp_path / "bot.sqlite3"
    await loaded_sqlite(database)
    good = (await backup(database, tmp_path / "good.bak")).path
    bot = await SqliteDatabase.open_file(database)  # as the running bot does: a writer and a reader, WAL
    try:
        # The file is not read directly while the bot has it open (closing a descriptor of it would drop
        # this process's POSIX locks on it): a row written after the backup must still be there.
        await bot.execute("INSERT INTO meta (key, value) VALUES ('after-the-backup', 'yes')")
        with pytest.raises(DatabaseInUseError, match="stop the bot first"):
            await restore(good, database)
        assert await bot.fetch_value("SELECT value FROM meta WHERE key = 'after-the-backup'") == "yes"
    finally:
        await bot.close()
    done = await restore(good, database)  # stopped: now it goes through
    assert done.kept is not None and done.kept.exists()


async def test_restoring_an_older_schema_is_fine_and_start_up_snapshots_before_migrating(tmp_path):
    old = tmp_path / "old.sqlite3"
    await older_sqlite(old, 8, "INSERT INTO meta (key, value) VALUES ('marker', 'from v8')")
    database = tmp_path / "bot.sqlite3"
    done = await restore(old, database)
    assert (done.schema_version, done.latest) == (8, latest_version("sqlite"))

    db = await SqliteDatabase.open_file(database)
    try:
        snapshot = await snapshot_before_migrating(db)
        await migrate(db)
        assert await snapshot_before_migrating(db) is None  # up to date: nothing to snapshot
    finally:
        await db.close()
    assert snapshot == tmp_path / "bot.sqlite3.pre-v8.bak"
    with contextlib.closing(sqlite3.connect(snapshot)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 8
        assert conn.execute("SELECT value FROM meta WHERE key = 'marker'").fetchone()[0] == "from v8"


async def test_a_backup_never_replaces_its_destination_with_a_half_copy(tmp_path):
    missing = tmp_path / "nothing-here.sqlite3"
    with pytest.raises(BackupError, match="no SQLite database"):
        await backup(missing, tmp_path / "x.bak")
    database = tmp_path / "bot.sqlite3"
    await loaded_sqlite(database)
    with pytest.raises(BackupError, match="does not exist"):
        await backup(database, tmp_path / "no-such-folder" / "x.bak")
    with pytest.raises(BackupError, match="the database itself"):
        await backup(database, database)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.sqlite3"]


# --- PostgreSQL ----------------------------------------------------------------------------------


async def _pg_dump_of(pg, tmp_path: Path, *, version: int | None = None) -> Path:
    url = await pg.fresh()
    db = await open_database(url)
    try:
        await load_once(db)
        if version is not None:
            await db.execute("INSERT INTO schema_version (version, name) VALUES (?, 'from the future')", (version,))
    finally:
        await db.close()
    return (await backup(url, tmp_path / f"pg-{version}.dump")).path


async def _table_counts(url: str) -> dict[str, int]:
    db: Database = await open_database(url)
    try:
        names = [r[0] for r in await db.fetch_all("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {n: int(await db.fetch_value(f"SELECT COUNT(*) FROM {n}")) for n in sorted(names)}
    finally:
        await db.close()


async def test_postgresql_restore_refuses_a_newer_or_damaged_dump_and_a_busy_database(pg, tmp_path):
    target = await pg.fresh()
    before = await _table_counts(target)
    newer = await _pg_dump_of(pg, tmp_path, version=999)
    with pytest.raises(UnusableBackupError, match="newer than this code"):
        await restore(newer, target)
    good = await _pg_dump_of(pg, tmp_path)
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(good.read_bytes()[: good.stat().st_size - 200])
    with pytest.raises(UnusableBackupError, match=r"damaged|cannot read"):
        await restore(damaged, target)
    bot = await open_database(target)
    try:
        with pytest.raises(DatabaseInUseError, match="stop the bot first"):
            await restore(good, target)
    finally:
        await bot.close()
    conn = await asyncpg.connect(target)
    try:
        await conn.execute("CREATE TABLE from_a_newer_version (x int)")
    finally:
        await conn.close()
    with pytest.raises(BackupError, match="restore into an empty database"):
        await restore(good, target)
    assert await _table_counts(target) == {**before, "from_a_newer_version": 0}


async def test_postgresql_backup_needs_pg_dump_on_path_and_keeps_the_password_off_the_command_line(
    pg, tmp_path, monkeypatch
):
    url = await pg.fresh()
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="pg_dump is not on PATH"):
        await backup(url, tmp_path / "x.dump")
    dsn, env = libpq_target("postgresql://bot:p%40ss@db.internal:5432/hs?sslmode=require&password=other")
    assert "p%40ss" not in dsn and "other" not in dsn and "p@ss" not in dsn
    assert dsn == "postgresql://bot@db.internal:5432/hs?sslmode=require" and env == {"PGPASSWORD": "other"}
    with pytest.raises(BackupError, match="sslpassword"):
        libpq_target("postgresql://bot@db/hs?sslpassword=x")
