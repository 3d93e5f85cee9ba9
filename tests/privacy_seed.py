"""A server with something in every table that holds members' data, for the privacy tests (either store).

``seed`` gives each member two games' answers and a score, a daily answer and streak; the first
member starts the games and adds an event and a pack; the server gets its own rows too (channels,
a scheduled event, an outbox row, settings), so deleting a server can be checked table by table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bot.domain.countdown import ServerEvent
from bot.domain.trivia import Answer
from bot.storage.base import Database, Queryable
from bot.storage.countdown import EventRepository
from bot.storage.instants import to_db
from bot.storage.server_packs import ServerPackRepository, StoredPack
from bot.storage.trivia import TriviaRepository
from tests.backup_load import reveal

NOW = dt.datetime(2026, 11, 20, 18, tzinfo=dt.UTC)
GAMES, QUESTIONS = 2, 3


def answer_of(user_id: int, game: int, number: int) -> Answer:
    correct = (user_id + game + number) % 2 == 0
    return Answer(user_id, (user_id + number) % 4, NOW, correct, 10 + number if correct else 0)


async def seed(db: Database, guild_id: int, members: Sequence[int], *, channel_id: int | None = None) -> list[int]:
    """Fill one server; returns its game ids. ``members[0]`` starts the games and adds an event and a pack."""
    channel = channel_id or guild_id + 1
    trivia = TriviaRepository(db)
    games = []
    for g in range(GAMES):
        game = await trivia.create_game(
            guild_id=guild_id, channel_id=channel, starter_id=members[0], pack_id="season-1", total=QUESTIONS, now=NOW
        )
        for number in range(1, QUESTIONS + 1):
            answers = [answer_of(u, g, number) for u in members]
            await reveal(trivia, game, guild_id=guild_id, number=number, answers=answers, now=NOW, pack_id="season-1")
        await trivia.finish_game(game, status="finished", winner_ids=[members[-1]], now=NOW)
        games.append(game)
    async with db.transaction(guild_id=guild_id) as tx:
        await _daily(tx, guild_id, channel, members)
        await tx.execute("INSERT INTO trivia_channels (guild_id, channel_id) VALUES (?, ?)", (guild_id, channel))
        await tx.execute(
            "INSERT INTO scheduled_events (guild_id, target_key, discord_event_id, name, starts_at) "
            "VALUES (?, 'release:film', ?, 'The film', ?)",
            (guild_id, guild_id + 7, to_db(NOW + dt.timedelta(days=90))),
        )
        await tx.execute(
            "INSERT INTO outbox (kind, guild_id, key, payload, state, due_at, next_attempt_at, created_at, updated_at) "
            "VALUES ('countdown', ?, '2026-11-20', '{}', 'done', ?, ?, ?, ?)",
            (guild_id, to_db(NOW), to_db(NOW), to_db(NOW), to_db(NOW)),
        )
        await tx.execute(
            "INSERT INTO guild_config (guild_id, updated_at, trivia_seconds) VALUES (?, ?, 30) "
            "ON CONFLICT (guild_id) DO UPDATE SET trivia_seconds = 30",
            (guild_id, to_db(NOW)),
        )
    event = ServerEvent(guild_id, "Watch party", "watch party", NOW + dt.timedelta(days=30), False, "UTC", members[0])
    await EventRepository(db).add(event, max_events=25, now=NOW)
    pack = StoredPack("our-pack", "Our own pack", 1, "id: our-pack\n")
    await ServerPackRepository(db).save(guild_id, pack, uploaded_by=members[0], max_packs=5, now=NOW)
    return games


async def _daily(tx: Queryable, guild_id: int, channel: int, members: Sequence[int]) -> None:
    await tx.execute(
        "INSERT INTO daily_questions (guild_id, local_date, pack_id, question_id, options, correct_index, channel_id, "
        "nonce, status, message_id, posted_at, revealed_at) "
        "VALUES (?, '2026-11-19', 'everything', 's2-q4', '[\"A\", \"B\", \"C\", \"D\"]', 1, ?, 'dq1', 'revealed', "
        "?, ?, ?)",
        (guild_id, channel, guild_id + 9, to_db(NOW), to_db(NOW)),
    )
    for u in members:
        await tx.execute(
            "INSERT INTO daily_answers (guild_id, local_date, user_id, option, correct, answered_at) "
            "VALUES (?, '2026-11-19', ?, ?, ?, ?)",
            (guild_id, u, u % 4, int(u % 4 == 1), to_db(NOW)),
        )
        await tx.execute(
            "INSERT INTO daily_streaks (guild_id, user_id, current, best, last_correct_date, days_answered, "
            "days_right) VALUES (?, ?, ?, ?, ?, 1, ?)",
            (guild_id, u, int(u % 4 == 1), int(u % 4 == 1), "2026-11-19" if u % 4 == 1 else None, int(u % 4 == 1)),
        )


async def guild_tables(db: Database) -> list[str]:
    """Every table with a ``guild_id`` column, read from the database's own catalog."""
    if db.dialect == "postgresql":
        rows = await db.fetch_all(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name = 'guild_id' ORDER BY table_name"
        )
        return [str(r[0]) for r in rows]
    tables = [str(r[0]) for r in await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")]
    found = []
    for table in tables:
        if any(c[1] == "guild_id" for c in await db.fetch_all(f"PRAGMA table_info({table})")):
            found.append(table)
    return sorted(found)


async def rows_of(db: Database, guild_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of one server, table by table (answers and revealed questions through its games)."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for table in await guild_tables(db):
        rows = await db.fetch_all(f"SELECT * FROM {table} WHERE guild_id = ?", (guild_id,))
        found[table] = sorted((tuple(r) for r in rows), key=repr)
    for table in ("trivia_answers", "trivia_questions_revealed"):
        rows = await db.fetch_all(
            f"SELECT * FROM {table} WHERE game_id IN (SELECT id FROM trivia_games WHERE guild_id = ?)",
            (guild_id,),
        )
        found[table] = sorted((tuple(r) for r in rows), key=repr)
    return found
