"""Trivia persistence: games, per-question results, per-server scores, the seen-question rotation.

Scores only ever change through atomic SQL (``points = points + ?``) inside the transaction
that records a revealed question; the ``(game_id, number)`` primary key makes recording the
same question twice impossible, so a retry or a restart can never count points twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.domain.outbox import Planned
from bot.domain.shards import ShardScope
from bot.domain.trivia import Answer, GameRecord, PlayerScore, RankedScore
from bot.storage.base import Queryable, Row
from bot.storage.instants import from_db, to_db
from bot.storage.outbox import OutboxRepository

_SCORE_COLUMNS = "user_id, points, answered, correct, games, wins, best_streak"
_GAME_COLUMNS = (
    "id, guild_id, channel_id, starter_id, pack_id, total_questions, revealed, current_message_id, current_number, "
    "status, started_at"
)


def _score(row: Row) -> PlayerScore:
    return PlayerScore(*(int(row[i]) for i in range(7)))


def _game(row: Row) -> GameRecord:
    return GameRecord(
        int(row["id"]),
        int(row["guild_id"]),
        int(row["channel_id"]),
        int(row["starter_id"]),
        row["pack_id"],
        int(row["total_questions"]),
        int(row["revealed"]),
        None if row["current_message_id"] is None else int(row["current_message_id"]),
        int(row["current_number"]),
        row["status"],
        from_db(row["started_at"]),
    )


class TriviaRepository:
    def __init__(self, db: Queryable, shards: ShardScope | None = None) -> None:
        self._db = db
        self._shards = shards or ShardScope()

    # --- games --------------------------------------------------------------------------------
    async def create_game(
        self,
        *,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        pack_id: str,
        total: int,
        now: dt.datetime,
        holder: str | None = None,
    ) -> int:
        """A running game, held by ``holder`` (this process) with a first heartbeat on the database's clock."""
        async with self._db.transaction() as tx:
            return int(
                await tx.fetch_value(
                    "INSERT INTO trivia_games (guild_id, channel_id, starter_id, pack_id, total_questions, status, "
                    "started_at, holder, heartbeat_at) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?) RETURNING id",
                    (guild_id, channel_id, starter_id, pack_id, total, to_db(now), holder, to_db(await tx.now())),
                )
            )

    async def heartbeat(self, holder: str) -> int:
        """This process still runs its games: stamp them with the database's clock (one statement)."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "UPDATE trivia_games SET heartbeat_at = ? WHERE holder = ? AND status = 'running'",
                (to_db(await tx.now()), holder),
            )

    async def orphaned_games(self, me: str, dead_holders: Sequence[str], stale: dt.timedelta) -> list[GameRecord]:
        """Running games on this process's shards whose process is gone.

        Gone: a holder known dead (a process of this machine that no longer runs), a heartbeat older
        than ``stale`` on the database's clock, or no holder at all (a game from before holders).
        Another live process's games (a rolling deploy's old process) are never among them.
        """
        mine, shard_params = self._shards.sql()
        dead = ""
        if dead_holders:
            dead = " OR holder IN (" + ", ".join("?" for _ in dead_holders) + ")"
        db_now = await self._db.now()
        rows = await self._db.fetch_all(
            f"SELECT {_GAME_COLUMNS} FROM trivia_games WHERE status = 'running' "  # noqa: S608 - placeholders only
            f"AND (holder IS NULL OR (holder != ? AND (heartbeat_at IS NULL OR heartbeat_at < ?{dead}))){mine} "
            "ORDER BY id",
            (me, to_db(db_now - stale), *dead_holders, *shard_params),
        )
        return [_game(r) for r in rows]

    async def close_orphan(self, game: GameRecord, notice: Planned, now: dt.datetime) -> bool:
        """Close a game whose process is gone, and plan the channel's notice, in one transaction."""
        async with self._db.transaction(guild_id=game.guild_id) as tx:
            repo = TriviaRepository(tx, self._shards)
            if not await repo.finish_game(game.id, status="interrupted", winner_ids=[], now=now):
                return False
            await OutboxRepository(tx).plan(notice, now)
        return True

    async def set_current_message(self, game_id: int, message_id: int, number: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE trivia_games SET current_message_id = ?, current_number = ? WHERE id = ?",
                (message_id, number, game_id),
            )

    async def record_question(
        self,
        *,
        game_id: int,
        guild_id: int,
        pack_id: str,
        number: int,
        question_id: str,
        answers: Sequence[Answer],
        now: dt.datetime,
    ) -> bool:
        """Persist one revealed question and its points in one transaction; False if already recorded.

        The server's lock comes first: the score upsert fires the points-histogram trigger, and two
        score writes of one server taking histogram rows in different orders would deadlock.
        """
        async with self._db.transaction(guild_id=guild_id) as tx:
            recorded = await tx.execute(
                "INSERT INTO trivia_questions_revealed (game_id, number, question_id, revealed_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (game_id, number, question_id, to_db(now)),
            )
            if not recorded:
                return False
            await tx.execute_many(
                "INSERT INTO trivia_answers (game_id, number, user_id, option, correct, points) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(game_id, number, a.user_id, a.option, int(a.correct), a.points) for a in answers],
            )
            # Atomic per-member update. In an UPDATE every right-hand side sees the old row (SQLite
            # and PostgreSQL alike), so best_streak compares against the streak *including* this
            # answer. Columns are qualified: in PostgreSQL a bare name beside EXCLUDED is ambiguous.
            await tx.execute_many(
                "INSERT INTO trivia_scores (guild_id, user_id, points, answered, correct, current_streak, "
                "best_streak) VALUES (?1, ?2, ?3, 1, ?4, ?4, ?4) "
                "ON CONFLICT(guild_id, user_id) DO UPDATE SET "
                "points = trivia_scores.points + excluded.points, answered = trivia_scores.answered + 1, "
                "correct = trivia_scores.correct + excluded.correct, "
                "current_streak = CASE WHEN excluded.correct = 1 THEN trivia_scores.current_streak + 1 ELSE 0 END, "
                "best_streak = CASE WHEN excluded.correct = 1 AND trivia_scores.current_streak + 1 > "
                "trivia_scores.best_streak THEN trivia_scores.current_streak + 1 ELSE trivia_scores.best_streak END",
                [(guild_id, a.user_id, a.points, int(a.correct)) for a in answers],
            )
            await tx.execute(
                "UPDATE trivia_games SET revealed = CASE WHEN revealed > ?1 THEN revealed ELSE ?1 END WHERE id = ?2",
                (number, game_id),
            )
            await tx.execute(
                "INSERT INTO trivia_seen (guild_id, pack_id, question_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, pack_id, question_id),
            )
        return True

    async def finish_game(self, game_id: int, *, status: str, winner_ids: Sequence[int], now: dt.datetime) -> bool:
        """Close a running game once: games played for everyone who answered, wins for the winners.

        The server's lock comes first, as in ``record_question``: taking the game row first and the
        lock second (as this once did) let a close and a question's record of one game deadlock.
        """
        guild = await self._db.fetch_value("SELECT guild_id FROM trivia_games WHERE id = ?", (game_id,))
        if guild is None:
            return False
        guild_id = int(guild)
        async with self._db.transaction(guild_id=guild_id) as tx:
            changed = await tx.execute(
                "UPDATE trivia_games SET status = ?, ended_at = ? WHERE id = ? AND status = 'running'",
                (status, to_db(now), game_id),
            )
            if not changed:
                return False
            async with tx.transaction() as scores:
                await scores.execute(
                    "INSERT INTO trivia_scores (guild_id, user_id, games) "
                    "SELECT DISTINCT CAST(? AS BIGINT), user_id, 1 FROM trivia_answers WHERE game_id = ? "
                    "ON CONFLICT(guild_id, user_id) DO UPDATE SET games = trivia_scores.games + 1",
                    (guild_id, game_id),
                )
                await scores.execute_many(
                    "UPDATE trivia_scores SET wins = wins + 1 WHERE guild_id = ? AND user_id = ?",
                    [(guild_id, uid) for uid in winner_ids],
                )
        return True

    async def running_holders(self) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT DISTINCT holder FROM trivia_games WHERE status = 'running' AND holder IS NOT NULL"
        )
        return [r[0] for r in rows]

    async def running_games(self) -> list[GameRecord]:
        """Games left running on this process's shards (another process's live games are its own)."""
        mine, shard_params = self._shards.sql()
        rows = await self._db.fetch_all(
            f"SELECT {_GAME_COLUMNS} FROM trivia_games WHERE status = 'running'{mine}",  # noqa: S608
            shard_params,
        )
        return [_game(r) for r in rows]

    async def game(self, game_id: int) -> GameRecord | None:
        row = await self._db.fetch_one(f"SELECT {_GAME_COLUMNS} FROM trivia_games WHERE id = ?", (game_id,))  # noqa: S608
        return None if row is None else _game(row)

    async def game_points(self, game_id: int) -> list[tuple[int, int, int]]:
        """(user_id, points, right answers) per member for one game, from what was revealed."""
        rows = await self._db.fetch_all(
            "SELECT user_id, SUM(points), SUM(correct) FROM trivia_answers WHERE game_id = ? GROUP BY user_id",
            (game_id,),
        )
        return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]

    # --- rotation -----------------------------------------------------------------------------
    async def seen_question_ids(self, guild_id: int, pack_id: str) -> set[str]:
        rows = await self._db.fetch_all(
            "SELECT question_id FROM trivia_seen WHERE guild_id = ? AND pack_id = ?", (guild_id, pack_id)
        )
        return {r[0] for r in rows}

    async def restart_rotation(self, guild_id: int, pack_id: str) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM trivia_seen WHERE guild_id = ? AND pack_id = ?", (guild_id, pack_id))

    # --- scores -------------------------------------------------------------------------------
    async def leaderboard(self, guild_id: int, limit: int = 10) -> list[PlayerScore]:
        rows = await self._db.fetch_all(
            f"SELECT {_SCORE_COLUMNS} FROM trivia_scores WHERE guild_id = ? AND answered > 0 "  # noqa: S608
            "ORDER BY points DESC, correct DESC, user_id LIMIT ?",
            (guild_id, limit),
        )
        return [_score(r) for r in rows]

    async def stats(self, guild_id: int, user_id: int) -> PlayerScore | None:
        row = await self._db.fetch_one(
            f"SELECT {_SCORE_COLUMNS} FROM trivia_scores WHERE guild_id = ? AND user_id = ?",  # noqa: S608
            (guild_id, user_id),
        )
        return None if row is None else _score(row)

    async def rank(self, guild_id: int, user_id: int) -> RankedScore | None:
        """1-based position in the leaderboard order, counted with the same index."""
        me = await self.stats(guild_id, user_id)
        if me is None or me.answered == 0:
            return None
        # Members on more points, from the histogram (one row per distinct score), then members
        # tied on points who rank ahead by right answers or, last, by user id: an index range.
        # INDEXED BY: without statistics SQLite may walk the whole server by primary key instead
        # (PostgreSQL has no such hint and needs none: its planner keeps statistics).
        board = "trivia_scores INDEXED BY trivia_scores_board" if self._db.dialect == "sqlite" else "trivia_scores"
        ahead = await self._db.fetch_value(
            "SELECT (SELECT COALESCE(SUM(players), 0) FROM trivia_points_histogram "  # noqa: S608 - constant names
            "        WHERE guild_id = ?1 AND points > ?2) "
            f"     + (SELECT COUNT(*) FROM {board} "
            "        WHERE guild_id = ?1 AND answered > 0 AND points = ?2 AND correct > ?3) "
            f"     + (SELECT COUNT(*) FROM {board} "
            "        WHERE guild_id = ?1 AND answered > 0 AND points = ?2 AND correct = ?3 AND user_id < ?4)",
            (guild_id, me.points, me.correct, user_id),
        )
        return RankedScore(int(ahead) + 1, me)

    async def player_count(self, guild_id: int) -> int:
        return int(
            await self._db.fetch_value(
                "SELECT COALESCE(SUM(players), 0) FROM trivia_points_histogram WHERE guild_id = ?", (guild_id,)
            )
        )

    async def reset_guild(self, guild_id: int) -> int:
        """Wipe a server's scores and rotation; returns how many members' scores were removed."""
        async with self._db.transaction(guild_id=guild_id) as tx:
            removed = await tx.execute("DELETE FROM trivia_scores WHERE guild_id = ?", (guild_id,))
            await tx.execute("DELETE FROM trivia_seen WHERE guild_id = ?", (guild_id,))
        return removed
