"""``heartstopper-bot migrate-db``: an SQLite install copied into PostgreSQL, verified, and safe to run twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from pathlib import Path

from bot.domain.countdown import ServerEvent
from bot.domain.outbox import Kind, Planned
from bot.domain.trivia import Answer
from bot.storage import open_database
from bot.storage.copy import DERIVED, TABLES
from bot.storage.countdown import EventRepository
from bot.storage.guild_config import GuildConfigRepository
from bot.storage.migrate import migrate
from bot.storage.outbox import OutboxRepository
from bot.storage.trivia import TriviaRepository
from tests.backup_load import reveal

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
GUILDS = [1_200_000_000_000_000_000 + i for i in range(30)]


async def _fill(path: Path) -> None:
    db = await open_database(path)
    await migrate(db)
    config, trivia = GuildConfigRepository(db), TriviaRepository(db)
    events, outbox = EventRepository(db), OutboxRepository(db)
    for n, guild in enumerate(GUILDS):
        await config.set_spoiler_season(guild, 1 + n % 3, NOW)
        await config.set_trivia_channel(guild, guild + 1, True)
        start = NOW + dt.timedelta(days=n)
        await events.add(ServerEvent(guild, "Party", "party", start, True, "UTC", 5), max_events=5, now=NOW)
        await outbox.plan(Planned(Kind.COUNTDOWN, guild, NOW.date().isoformat(), {"nonce": str(guild)}, NOW), NOW)
        game = await trivia.create_game(
            guild_id=guild, channel_id=guild + 1, starter_id=5, pack_id="p", total=2, now=NOW
        )
        for number in (1, 2):
            answers = [Answer(guild + u, 0, NOW, (u + number) % 2 == 0, 10 * u) for u in range(1, 40)]
            await reveal(trivia, game, guild_id=guild, number=number, answers=answers, now=NOW)
        await trivia.finish_game(game, status="finished", winner_ids=[guild + 39], now=NOW)
    await db.close()


async def _cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "migrate-db",
        *args,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": "", "DATABASE_PATH": ""},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return proc.returncode, out.decode(), err.decode()


async def test_copy_is_verified_and_rerunnable(tmp_path, pg):
    source = tmp_path / "bot.sqlite3"
    await _fill(source)
    url = await pg.empty()  # migrate-db brings the target's schema itself

    code, out, err = await _cli("--from", str(source), "--to", url, "--batch", "500")
    assert code == 0, err
    assert "trivia_answers" in out and "MISMATCH" not in out and "every table verified" in out
    assert "[" + "#" * 30 + "]" in err  # the progress bar, one finished line per table off a terminal

    code, again, err = await _cli("--from", str(source), "--to", url)  # run twice: nothing doubled
    assert code == 0, err
    assert again == out

    lite, postgres = await open_database(source), await open_database(url)
    try:
        for guild in (GUILDS[0], GUILDS[-1]):
            a, b = TriviaRepository(lite), TriviaRepository(postgres)
            assert await a.leaderboard(guild) == await b.leaderboard(guild)
            assert await a.rank(guild, guild + 7) == await b.rank(guild, guild + 7)
            assert await GuildConfigRepository(lite).get(guild) == await GuildConfigRepository(postgres).get(guild)
            assert await EventRepository(lite).list(guild) == await EventRepository(postgres).list(guild)
        highest = await lite.fetch_value("SELECT MAX(id) FROM trivia_games")
        new = await TriviaRepository(postgres).create_game(
            guild_id=GUILDS[0], channel_id=1, starter_id=1, pack_id="p", total=1, now=NOW
        )
        assert new > highest  # new games continue after the copied ids
    finally:
        await lite.close()
        await postgres.close()

    code, _, err = await _cli("--from", str(source), "--to", url)  # the target now holds a game the source lacks
    assert code == 4 and "row counts differ in trivia_games" in err and "Traceback" not in err


async def test_bad_source_or_target_is_one_line(tmp_path, pg):
    code, _, err = await _cli("--from", str(tmp_path / "missing.sqlite3"), "--to", pg.cluster.url)
    assert code == 4 and err.strip().count("\n") == 0 and "no SQLite database" in err
    source = tmp_path / "bot.sqlite3"
    await _fill(source)
    code, _, err = await _cli("--from", str(source), "--to", "postgresql://bot:hunter2@127.0.0.1:1/none")
    assert code == 4 and "cannot open postgresql://bot:***@127.0.0.1:1/none" in err
    assert "hunter2" not in err and "Traceback" not in err


async def test_every_table_is_copied_or_rebuilt(db):
    if db.dialect == "sqlite":
        names = {r[0] for r in await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")}
    else:
        names = {r[0] for r in await db.fetch_all("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        names.discard("schema_version")
    assert names == {*TABLES, DERIVED}
