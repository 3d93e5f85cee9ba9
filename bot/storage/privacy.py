"""Members' data: everything stored about one member in a server, forgetting it, and forgetting servers.

Discord's Developer Policy wants a member's data given on request and deleted on request, and a
server's data deleted once the bot no longer serves it. This repository is the one place that
knows where those rows live:

- ``member``: every row that names the member in one server (the export);
- ``forget_member``: their answers, score and daily answers and streak are deleted; games they
  started and the events and packs they added stay (the server's history and content) with their
  id replaced by 0. It runs under the server's lock (``transaction(guild_id=…)``): deleting the
  score row fires the same points-histogram trigger as every score change (SQLite's 0004,
  PostgreSQL's 0001), so "my rank" and the player count stay exact for everyone else;
- departures (``departed_guilds``) and ``delete_guild``: every row of a server, in one transaction,
  once the retention window has passed and the bot did not come back.

Member lookups by ``user_id`` scan the answer table (no index on it): these are rare requests, and an
index would cost every answer's write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.domain.shards import ShardScope
from bot.storage.base import Queryable
from bot.storage.instants import from_db, from_db_or_none, to_db

ANONYMOUS = 0  # the id left on a game, event or pack whose member asked to be forgotten

_OF_GAMES = "game_id IN (SELECT id FROM trivia_games WHERE guild_id = ?)"
# Every table with a server's rows, children before parents, and how to find that server's rows.
# Scores go before the histogram: their delete trigger updates it, then the histogram rows go too.
SERVER_ROWS: tuple[tuple[str, str], ...] = (
    ("trivia_answers", _OF_GAMES),
    ("trivia_questions_revealed", _OF_GAMES),
    ("trivia_games", "guild_id = ?"),
    ("trivia_scores", "guild_id = ?"),
    ("trivia_points_histogram", "guild_id = ?"),
    ("trivia_seen", "guild_id = ?"),
    ("trivia_channels", "guild_id = ?"),
    ("daily_answers", "guild_id = ?"),
    ("daily_streaks", "guild_id = ?"),
    ("daily_questions", "guild_id = ?"),
    ("server_events", "guild_id = ?"),
    ("server_packs", "guild_id = ?"),
    ("scheduled_events", "guild_id = ?"),
    ("outbox", "guild_id = ?"),
    ("guild_config", "guild_id = ?"),
    ("departed_guilds", "guild_id = ?"),
)


@dataclass(frozen=True, slots=True)
class ScoreRecord:
    points: int
    answered: int
    correct: int
    games: int
    wins: int
    current_streak: int
    best_streak: int


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    game_id: int
    question_number: int
    question_id: str
    option: int  # the button pressed, 0 for A
    correct: bool
    points: int
    revealed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class StartedGameRecord:
    game_id: int
    channel_id: int
    pack_id: str
    questions: int
    revealed: int
    status: str
    started_at: dt.datetime
    ended_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class DailyAnswerRecord:
    local_date: str
    question_id: str | None
    option: int
    correct: bool
    answered_at: dt.datetime


@dataclass(frozen=True, slots=True)
class DailyStreakRecord:
    current: int
    best: int
    last_correct_date: str | None
    days_answered: int
    days_right: int


@dataclass(frozen=True, slots=True)
class EventRecord:
    name: str
    starts_at: dt.datetime
    has_time: bool
    timezone: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PackRecord:
    pack_id: str
    name: str
    questions: int
    uploaded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class MemberRecords:
    """Every row naming one member in one server."""

    score: ScoreRecord | None
    answers: list[AnswerRecord]
    games_started: list[StartedGameRecord]
    daily_answers: list[DailyAnswerRecord]
    daily_streak: DailyStreakRecord | None
    events_created: list[EventRecord]
    packs_uploaded: list[PackRecord]


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What ``forget_member`` did in one server: rows deleted, and rows kept with the member's id removed."""

    answers: int = 0
    scores: int = 0
    daily_answers: int = 0
    daily_streaks: int = 0
    games_anonymised: int = 0
    events_anonymised: int = 0
    packs_anonymised: int = 0

    @property
    def anything(self) -> bool:
        return any(
            (
                self.answers,
                self.scores,
                self.daily_answers,
                self.daily_streaks,
                self.games_anonymised,
                self.events_anonymised,
                self.packs_anonymised,
            )
        )


class PrivacyRepository:
    def __init__(self, db: Queryable, shards: ShardScope | None = None) -> None:
        self._db = db
        self._shards = shards or ShardScope()

    # --- one member ---------------------------------------------------------------------------
    async def member(self, guild_id: int, user_id: int) -> MemberRecords:
        key = (guild_id, user_id)
        score = await self._db.fetch_one(
            "SELECT points, answered, correct, games, wins, current_streak, best_streak FROM trivia_scores "
            "WHERE guild_id = ? AND user_id = ?",
            key,
        )
        answers = await self._db.fetch_all(
            "SELECT a.game_id, a.number, r.question_id, a.option, a.correct, a.points, r.revealed_at "
            "FROM trivia_answers a JOIN trivia_games g ON g.id = a.game_id "
            "JOIN trivia_questions_revealed r ON r.game_id = a.game_id AND r.number = a.number "
            "WHERE g.guild_id = ? AND a.user_id = ? ORDER BY a.game_id, a.number",
            key,
        )
        games = await self._db.fetch_all(
            "SELECT id, channel_id, pack_id, total_questions, revealed, status, started_at, ended_at FROM trivia_games "
            "WHERE guild_id = ? AND starter_id = ? ORDER BY id",
            key,
        )
        daily = await self._db.fetch_all(
            "SELECT a.local_date, q.question_id, a.option, a.correct, a.answered_at FROM daily_answers a "
            "LEFT JOIN daily_questions q ON q.guild_id = a.guild_id AND q.local_date = a.local_date "
            "WHERE a.guild_id = ? AND a.user_id = ? ORDER BY a.local_date",
            key,
        )
        streak = await self._db.fetch_one(
            "SELECT current, best, last_correct_date, days_answered, days_right FROM daily_streaks "
            "WHERE guild_id = ? AND user_id = ?",
            key,
        )
        events = await self._db.fetch_all(
            "SELECT name, starts_at, has_time, timezone, created_at FROM server_events "
            "WHERE guild_id = ? AND created_by = ? ORDER BY created_at, name_key",
            key,
        )
        packs = await self._db.fetch_all(
            "SELECT pack_id, name, questions, uploaded_at FROM server_packs "
            "WHERE guild_id = ? AND uploaded_by = ? ORDER BY uploaded_at, pack_id",
            key,
        )
        return MemberRecords(
            score=None if score is None else ScoreRecord(*(int(v) for v in score)),
            answers=[
                AnswerRecord(
                    int(r[0]), int(r[1]), str(r[2]), int(r[3]), bool(r[4]), int(r[5]), from_db(r["revealed_at"])
                )
                for r in answers
            ],
            games_started=[
                StartedGameRecord(
                    int(r["id"]),
                    int(r["channel_id"]),
                    str(r["pack_id"]),
                    int(r["total_questions"]),
                    int(r["revealed"]),
                    str(r["status"]),
                    from_db(r["started_at"]),
                    from_db_or_none(r["ended_at"]),
                )
                for r in games
            ],
            daily_answers=[
                DailyAnswerRecord(str(r[0]), r[1], int(r[2]), bool(r[3]), from_db(r["answered_at"])) for r in daily
            ],
            daily_streak=None
            if streak is None
            else DailyStreakRecord(int(streak[0]), int(streak[1]), streak[2], int(streak[3]), int(streak[4])),
            events_created=[
                EventRecord(str(r[0]), from_db(r["starts_at"]), bool(r[2]), str(r[3]), from_db(r["created_at"]))
                for r in events
            ],
            packs_uploaded=[PackRecord(str(r[0]), str(r[1]), int(r[2]), from_db(r["uploaded_at"])) for r in packs],
        )

    async def forget_member(self, guild_id: int, user_id: int) -> Forgotten:
        """Delete the member's answers, score, daily answers and streak here; anonymise what they made.

        Under the server's lock, as every score write: the score row's delete trigger updates the
        points histogram in this transaction (PostgreSQL would otherwise risk a deadlock against a
        game's score write, and READ COMMITTED would let a limit check see half of it).
        """
        key = (guild_id, user_id)
        async with self._db.transaction(guild_id=guild_id) as tx:
            answers = await tx.execute(
                "DELETE FROM trivia_answers WHERE user_id = ?2 "
                "AND game_id IN (SELECT id FROM trivia_games WHERE guild_id = ?1)",
                key,
            )
            scores = await tx.execute("DELETE FROM trivia_scores WHERE guild_id = ? AND user_id = ?", key)
            daily = await tx.execute("DELETE FROM daily_answers WHERE guild_id = ? AND user_id = ?", key)
            streaks = await tx.execute("DELETE FROM daily_streaks WHERE guild_id = ? AND user_id = ?", key)
            anonymous = (ANONYMOUS, guild_id, user_id)
            games = await tx.execute(
                "UPDATE trivia_games SET starter_id = ? WHERE guild_id = ? AND starter_id = ?", anonymous
            )
            events = await tx.execute(
                "UPDATE server_events SET created_by = ? WHERE guild_id = ? AND created_by = ?", anonymous
            )
            packs = await tx.execute(
                "UPDATE server_packs SET uploaded_by = ? WHERE guild_id = ? AND uploaded_by = ?", anonymous
            )
        return Forgotten(answers, scores, daily, streaks, games, events, packs)

    async def guilds_of_member(self, user_id: int) -> list[int]:
        """Every server where something names the member (for a request that arrives by mail)."""
        rows = await self._db.fetch_all(
            "SELECT guild_id FROM trivia_scores WHERE user_id = ?1 "
            "UNION SELECT g.guild_id FROM trivia_answers a JOIN trivia_games g ON g.id = a.game_id "
            "WHERE a.user_id = ?1 "
            "UNION SELECT guild_id FROM trivia_games WHERE starter_id = ?1 "
            "UNION SELECT guild_id FROM daily_answers WHERE user_id = ?1 "
            "UNION SELECT guild_id FROM daily_streaks WHERE user_id = ?1 "
            "UNION SELECT guild_id FROM server_events WHERE created_by = ?1 "
            "UNION SELECT guild_id FROM server_packs WHERE uploaded_by = ?1 "
            "ORDER BY 1",
            (user_id,),
        )
        return [int(r[0]) for r in rows]

    # --- servers the bot left -----------------------------------------------------------------
    async def record_departure(self, guild_id: int, at: dt.datetime) -> None:
        """The bot was removed from a server; a second removal without a comeback keeps the first time."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO departed_guilds (guild_id, left_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (guild_id, to_db(at)),
            )

    async def cancel_departure(self, guild_id: int) -> bool:
        """The bot is back in the server: its data is no longer due for deletion."""
        async with self._db.transaction() as tx:
            return await tx.execute("DELETE FROM departed_guilds WHERE guild_id = ?", (guild_id,)) > 0

    async def departure(self, guild_id: int) -> dt.datetime | None:
        value = await self._db.fetch_value("SELECT left_at FROM departed_guilds WHERE guild_id = ?", (guild_id,))
        return from_db_or_none(value)

    async def departed_before(self, cutoff: dt.datetime, limit: int = 100) -> list[int]:
        """Servers on this process's shards that the bot left at or before ``cutoff``, earliest first."""
        mine, params = self._shards.sql()
        rows = await self._db.fetch_all(
            f"SELECT guild_id FROM departed_guilds WHERE left_at <= ?{mine} ORDER BY left_at, guild_id LIMIT ?",  # noqa: S608
            (to_db(cutoff), *params, limit),
        )
        return [int(r[0]) for r in rows]

    async def earliest_departure(self) -> dt.datetime | None:
        mine, params = self._shards.sql()
        value = await self._db.fetch_value(
            f"SELECT MIN(left_at) FROM departed_guilds WHERE left_at IS NOT NULL{mine}",  # noqa: S608
            params,
        )
        return from_db_or_none(value)

    async def delete_guild(self, guild_id: int, *, left_before: dt.datetime) -> dict[str, int] | None:
        """Every row of a server the bot left at or before ``left_before``, in one transaction.

        The departure is read again under the server's lock: a comeback recorded meanwhile wins, and
        None says nothing was deleted. Otherwise the rows deleted per table.
        """
        async with self._db.transaction(guild_id=guild_id) as tx:
            left = await tx.fetch_value("SELECT left_at FROM departed_guilds WHERE guild_id = ?", (guild_id,))
            if left is None or from_db(left) > left_before:
                return None
            return {
                table: await tx.execute(f"DELETE FROM {table} WHERE {where}", (guild_id,))  # noqa: S608 - constants
                for table, where in SERVER_ROWS
            }
