"""``heartstopper-bot backup`` / ``restore`` as an operator runs them: the real entry point as its own process.

- a backup taken by the CLI while twenty games score and a broadcast plans (in this process), restored by
  the CLI, holds whole transactions only, and the real bot starts on it and plays a question;
- a damaged or newer backup is refused in one line with exit 78 (the file cannot be used: no restart
  mends it) and the database is left byte for byte; a restore while the bot runs is refused with exit 4
  (the database is busy: stop the bot, then it goes through);
- start-up snapshots an older SQLite schema before migrating it;
- PostgreSQL: no ``pg_dump`` on PATH is one line and exit 4, and the URL's password never shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys
from pathlib import Path

from bot.localdiscord import builders as b
from bot.localdiscord.server import button_ids
from bot.storage.migrate import latest_version
from tests.backup_load import (
    Load,
    check_restored,
    check_restored_copy,
    digest,
    histogram,
    integrity,
    loaded_sqlite,
    older_sqlite,
    recount,
    restore_target,
)
from tests.conftest import settle, start_bot
from tests.procbot import database_env

EXIT_CONFIG, EXIT_DATABASE = 78, 4
ROOT = Path(__file__).resolve().parents[1]
ALICE = b.user(1000, "alice")


async def cli(args: list[str], target: Path | str, cwd: Path, **extra: str) -> tuple[int, str, str]:
    """``python -m bot ARGS`` with only ``target`` configured; (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATA_DIR", "DATABASE_"))}
    env.update(database_env(target), **extra)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def test_backup_under_load_restores_and_the_bot_plays_on_it(
    db, db_target, tmp_path, request, fake, catalog, manual_clock
):
    load = Load(db)
    running = asyncio.create_task(load.run())
    await asyncio.wait_for(load.started.wait(), 60)
    code, out, err = await cli(["backup", str(tmp_path / "mid.bak")], db_target, tmp_path)
    load.stop.set()
    await running
    assert code == 0, err
    assert out.startswith("backed up ") and "checked" in out and out.count("\n") == 1
    final = await check_restored(db)

    target = await restore_target(db_target, tmp_path / "restored.sqlite3", request)
    code, out, err = await cli(["restore", str(tmp_path / "mid.bak")], target, tmp_path)
    assert code == 0, err
    assert out.startswith("restored ") and f"schema version {latest_version(db.dialect)}" in out
    copy = await check_restored_copy(target)
    assert 0 < copy.answers < final.answers and 0 < copy.planned < final.planned

    # The real bot starts on the restored database and plays a question of /trivia start.
    guild = fake.add_guild()
    guild_id, channel_id = int(guild["id"]), fake.channel_ids(guild)[0]
    handle = await start_bot(fake, target, catalog, clock=manual_clock)
    try:
        await fake.reply_to(await fake.slash("trivia start", guild, questions=1, user_obj=ALICE))
        [post] = await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$")
        message_id = next(m for m, msg in fake.messages.items() if msg["embeds"] == post.body["embeds"])
        live = handle.services.trivia.live_in(channel_id)
        right = button_ids(fake.messages[message_id])[live.game.current.correct_index]
        locked = await fake.reply_to(await fake.click(message_id, right, guild, user_obj=ALICE))
        assert locked["data"]["content"].startswith("Locked in")
        await manual_clock.advance(21)
        await fake.wait_for("PATCH", rf"^/channels/{channel_id}/messages/{message_id}$")
        await settle()
        alice = (await handle.services.trivia.stats(guild_id, 1000)).score
        assert alice is not None and alice.answered == 1 and alice.correct == 1 and alice.points > 0
        assert await histogram(handle.db, guild_id) == await recount(handle.db, guild_id)
        await check_restored(handle.db)  # the restored rows are untouched by the bot's start and game
    finally:
        await handle.stop()


async def test_a_damaged_or_newer_backup_is_refused_in_one_line_and_nothing_changes(tmp_path):
    database = tmp_path / "bot.sqlite3"
    await loaded_sqlite(database)
    code, _, err = await cli(["backup", str(tmp_path / "good.bak")], database, tmp_path)
    assert code == 0, err
    good = (tmp_path / "good.bak").read_bytes()
    damaged, newer = tmp_path / "damaged.bak", tmp_path / "newer.bak"
    damaged.write_bytes(good[: len(good) // 3])
    newer.write_bytes(good)
    with contextlib.closing(sqlite3.connect(newer)) as conn:
        conn.execute("PRAGMA user_version = 999")
    before = digest(database)
    for bad, words in ((damaged, "damaged"), (newer, "newer than this code")):
        code, out, err = await cli(["restore", str(bad)], database, tmp_path)
        assert code == EXIT_CONFIG, err
        assert out == "" and err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith(f"heartstopper-bot: {bad}") and words in err and "nothing was replaced" in err
        assert digest(database) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.sqlite3", "damaged.bak", "good.bak", "newer.bak"]


async def test_restore_while_the_bot_runs_is_refused_then_works_once_it_stopped(tmp_path, fake, catalog):
    database = tmp_path / "bot.sqlite3"
    await loaded_sqlite(database)
    code, _, err = await cli(["backup", str(tmp_path / "good.bak")], database, tmp_path)
    assert code == 0, err
    fake.add_guild()
    handle = await start_bot(fake, database, catalog)
    # Never read the file itself from this process while the bot runs: closing any descriptor of it
    # drops every POSIX lock this process holds on it, the bot's included (SQLite's "posix advisory
    # locks" caveat). A row written after the backup shows whether the file was replaced instead.
    try:
        await handle.services.meta.set("written-after-the-backup", "yes")
        code, out, err = await cli(["restore", str(tmp_path / "good.bak")], database, tmp_path)
        assert code == EXIT_DATABASE and out == "" and err.count("\n") == 1, (code, out, err)
        assert "is in use by a running bot: stop the bot first" in err
        assert await handle.services.meta.get("written-after-the-backup") == "yes"
        assert not [p.name for p in tmp_path.iterdir() if ".replaced-" in p.name or p.name.endswith(".part")]
    finally:
        await handle.stop()
    code, out, err = await cli(["restore", str(tmp_path / "good.bak")], database, tmp_path)
    assert code == 0, err
    assert "the database it replaced is kept as" in out
    with contextlib.closing(sqlite3.connect(database)) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'written-after-the-backup'").fetchall() == []


async def test_start_up_snapshots_an_older_sqlite_schema_before_migrating(tmp_path):
    database = tmp_path / "bot.sqlite3"
    await older_sqlite(
        database, 8, "INSERT INTO trivia_scores (guild_id, user_id, points, answered) VALUES (1, 2, 30, 3)"
    )
    code, out, err = await cli(["--check"], database, tmp_path)
    assert code == 0, err
    assert f"at schema version {latest_version('sqlite')}" in out
    snapshot = tmp_path / "bot.sqlite3.pre-v8.bak"
    assert f"took {snapshot}" in err and "before migrating" in err
    with contextlib.closing(sqlite3.connect(snapshot)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 8
        assert conn.execute("SELECT points FROM trivia_scores").fetchall() == [(30,)]
    assert integrity(snapshot) == ["ok"]
    code, _, err = await cli(["--check"], database, tmp_path)  # up to date now: no second snapshot
    assert code == 0 and "before migrating" not in err


async def test_postgresql_backup_without_pg_dump_is_one_line_and_never_shows_the_password(tmp_path, pg):
    url = (await pg.fresh()).replace("postgres@", "postgres:hunter2@", 1)  # trust auth ignores the password
    code, out, err = await cli(["backup", str(tmp_path / "x.dump")], url, tmp_path, PATH=str(tmp_path))
    assert code == EXIT_DATABASE and out == "" and err.count("\n") == 1
    assert "pg_dump is not on PATH" in err
    code, out, err = await cli(["backup", str(tmp_path / "x.dump")], url, tmp_path)
    assert code == 0, err
    assert "postgres:***@" in out and "hunter2" not in out + err
    code, out, err = await cli(["restore", str(tmp_path / "x.dump")], url, tmp_path)
    assert code == 0, err
    assert "hunter2" not in out + err
