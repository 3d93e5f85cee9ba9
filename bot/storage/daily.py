"""The question of the day: the per-day ledger, locked-in answers and streaks.

Every change is one transaction: a day is claimed with its question before anything is sent, an
answer is one INSERT the primary key refuses to repeat, and revealing a day updates every
answerer's streak in the same transaction that marks it revealed, which happens once.
"""

from __future__ import annotations

import datetime as dt
import json

from bot.domain import daily as rules
from bot.domain.daily import DailyQuestion, DailyReveal, Streak
from bot.domain.guild import DueSchedule
from bot.domain.shards import ShardScope
from bot.storage import schedules
from bot.storage.base import Queryable, Row
from bot.storage.instants import from_db_or_none, to_db, to_db_or_none

_QUESTION_COLUMNS = (
    "guild_id, local_date, pack_id, question_id, options, correct_index, channel_id, message_id, status, closes_at"
)


def _question(row: Row) -> DailyQuestion:
    return DailyQuestion(
        guild_id=int(row["guild_id"]),
        local_date=dt.date.fromisoformat(row["local_date"]),
        pack_id=row["pack_id"],
        question_id=row["question_id"],
        options=tuple(json.loads(row["options"])),
        correct_index=int(row["correct_index"]),
        channel_id=int(row["channel_id"]),
        message_id=None if row["message_id"] is None else int(row["message_id"]),
        status=row["status"],
        closes_at=from_db_or_none(row["closes_at"]),
    )


def _streak(row: Row | None) -> Streak:
    if row is None:
        return Streak()
    last = row["last_correct_date"]
    return Streak(
        int(row["current"]),
        int(row["best"]),
        dt.date.fromisoformat(last) if last else None,
        int(row["days_answered"]),
        int(row["days_right"]),
    )


class DailyRepository:
    def __init__(self, db: Queryable, shards: ShardScope | None = None) -> None:
        self._db = db
        self._shards = shards or ShardScope()

    # --- the schedule ---------------------------------------------------------------------------
    async def due(
        self, now: dt.datetime, limit: int = 500, after: tuple[dt.datetime, int] | None = None
    ) -> list[DueSchedule]:
        """One keyset page of servers whose question of the day is due (as the countdown's)."""
        rows = await schedules.due_rows(self._db, self._shards, "daily", "daily_window_hours", now, limit, after)
        return [
            DueSchedule(guild, channel, time, zone, due_at, None, window)
            for guild, channel, time, zone, due_at, window in rows
        ]

    async def next_due_at(self) -> dt.datetime | None:
        return await schedules.next_due_at(self._db, self._shards, "daily")

    async def advance(self, guild_id: int, next_post_at: dt.datetime) -> None:
        await self._db.execute(
            "UPDATE guild_config SET daily_next_post_at = ? WHERE guild_id = ? AND daily_enabled = 1",
            (to_db(next_post_at), guild_id),
        )

    # --- days -----------------------------------------------------------------------------------
    async def question(self, guild_id: int, day: dt.date) -> DailyQuestion | None:
        row = await self._db.fetch_one(
            f"SELECT {_QUESTION_COLUMNS} FROM daily_questions WHERE guild_id = ? AND local_date = ?",  # noqa: S608
            (guild_id, day.isoformat()),
        )
        return None if row is None else _question(row)

    async def open_question(self, guild_id: int, before: dt.date | None = None) -> DailyQuestion | None:
        """The latest posted, not yet revealed question (before ``before``, when given)."""
        row = await self._db.fetch_one(
            f"SELECT {_QUESTION_COLUMNS} FROM daily_questions WHERE guild_id = ? AND status = 'posted' "  # noqa: S608
            "AND local_date < ? ORDER BY local_date DESC LIMIT 1",
            (guild_id, (before or dt.date.max).isoformat()),
        )
        return None if row is None else _question(row)

    async def claim(self, question: DailyQuestion, nonce: str, now: dt.datetime) -> tuple[DailyQuestion, bool]:
        """Record the day's question before sending it; returns the day's row and whether it is new.

        The question joins the server's no-repeat history (shared with games) in the same step.
        """
        async with self._db.transaction(guild_id=question.guild_id) as tx:
            inserted = await tx.execute(
                "INSERT INTO daily_questions (guild_id, local_date, pack_id, question_id, options, correct_index, "
                "channel_id, nonce, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT DO NOTHING",
                (
                    question.guild_id,
                    question.local_date.isoformat(),
                    question.pack_id,
                    question.question_id,
                    json.dumps(list(question.options)),
                    question.correct_index,
                    question.channel_id,
                    nonce,
                ),
            )
            if inserted:
                await tx.execute(
                    "INSERT INTO trivia_seen (guild_id, pack_id, question_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (question.guild_id, question.pack_id, question.question_id),
                )
            stored = await DailyRepository(tx, self._shards).question(question.guild_id, question.local_date)
        if stored is None:  # pragma: no cover - the row was just written or already there
            raise RuntimeError("daily question row vanished")
        return stored, bool(inserted)

    async def mark_posted(
        self,
        guild_id: int,
        day: dt.date,
        *,
        message_id: int,
        late: bool,
        next_post_at: dt.datetime,
        closes_at: dt.datetime | None,
        now: dt.datetime,
    ) -> None:
        """After Discord accepted the post: mark it and move the schedule on, atomically."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE daily_questions SET status = 'posted', message_id = ?, late = ?, posted_at = ?, closes_at = ? "
                "WHERE guild_id = ? AND local_date = ? AND status = 'pending'",
                (message_id, int(late), to_db(now), to_db_or_none(closes_at), guild_id, day.isoformat()),
            )
            await tx.execute(
                "UPDATE guild_config SET daily_next_post_at = ? WHERE guild_id = ? AND daily_enabled = 1",
                (to_db(next_post_at), guild_id),
            )

    async def reveal(self, guild_id: int, day: dt.date, now: dt.datetime) -> DailyReveal | None:
        """Close a posted question once: count the answers and update every answerer's streak.

        Streaks are read, decided and written: the server's lock keeps two reveals of one server apart.
        """
        async with self._db.transaction(guild_id=guild_id) as tx:
            changed = await tx.execute(
                "UPDATE daily_questions SET status = 'revealed', revealed_at = ? "
                "WHERE guild_id = ? AND local_date = ? AND status = 'posted'",
                (to_db(now), guild_id, day.isoformat()),
            )
            repo = DailyRepository(tx, self._shards)
            question = await repo.question(guild_id, day)
            if question is None:
                return None
            answers = await tx.fetch_all(
                "SELECT user_id, option, correct FROM daily_answers WHERE guild_id = ? AND local_date = ?",
                (guild_id, day.isoformat()),
            )
            if changed:
                previous = await tx.fetch_value(
                    "SELECT MAX(local_date) FROM daily_questions WHERE guild_id = ? AND local_date < ? "
                    "AND status IN ('posted', 'revealed')",
                    (guild_id, day.isoformat()),
                )
                previous_day = dt.date.fromisoformat(previous) if previous else None
                for answer in answers:
                    user_id = int(answer["user_id"])
                    streak = rules.after_answer(
                        await repo.streak(guild_id, user_id),
                        question=day,
                        previous_question=previous_day,
                        correct=bool(answer["correct"]),
                    )
                    await tx.execute(
                        "INSERT INTO daily_streaks (guild_id, user_id, current, best, last_correct_date, "
                        "days_answered, days_right) VALUES (?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT(guild_id, user_id) DO UPDATE SET current = excluded.current, "
                        "best = excluded.best, last_correct_date = excluded.last_correct_date, "
                        "days_answered = excluded.days_answered, days_right = excluded.days_right",
                        (
                            guild_id,
                            user_id,
                            streak.current,
                            streak.best,
                            streak.last_correct.isoformat() if streak.last_correct else None,
                            streak.days_answered,
                            streak.days_right,
                        ),
                    )
        counts = [0] * len(question.options)
        for answer in answers:
            counts[int(answer["option"])] += 1
        right = sum(1 for a in answers if a["correct"])
        return DailyReveal(question, tuple(counts), right, len(answers))

    async def closing(self, now: dt.datetime, limit: int = 500) -> list[DailyQuestion]:
        """Posted questions whose window has closed (servers with a window set), oldest first."""
        mine, shard_params = self._shards.sql()
        rows = await self._db.fetch_all(
            f"SELECT {_QUESTION_COLUMNS} FROM daily_questions WHERE status = 'posted' "  # noqa: S608
            f"AND closes_at IS NOT NULL AND closes_at <= ?{mine} ORDER BY closes_at LIMIT ?",
            (to_db(now), *shard_params, limit),
        )
        return [_question(r) for r in rows]

    async def next_closing_at(self) -> dt.datetime | None:
        mine, shard_params = self._shards.sql()
        value = await self._db.fetch_value(
            "SELECT MIN(closes_at) FROM daily_questions WHERE status = 'posted' "  # noqa: S608
            f"AND closes_at IS NOT NULL{mine}",
            shard_params,
        )
        return from_db_or_none(value)

    # --- answers and streaks ----------------------------------------------------------------------
    async def answer(
        self, guild_id: int, day: dt.date, user_id: int, option: int, correct: bool, now: dt.datetime
    ) -> int | None:
        """Lock in an answer; returns None when it was recorded, else the option locked in earlier."""
        async with self._db.transaction() as tx:
            added = await tx.execute(
                "INSERT INTO daily_answers (guild_id, local_date, user_id, option, correct, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, day.isoformat(), user_id, option, int(correct), to_db(now)),
            )
            if added:
                return None
            earlier = await tx.fetch_value(
                "SELECT option FROM daily_answers WHERE guild_id = ? AND local_date = ? AND user_id = ?",
                (guild_id, day.isoformat(), user_id),
            )
        return int(earlier)

    async def answer_of(self, guild_id: int, day: dt.date, user_id: int) -> int | None:
        value = await self._db.fetch_value(
            "SELECT option FROM daily_answers WHERE guild_id = ? AND local_date = ? AND user_id = ?",
            (guild_id, day.isoformat(), user_id),
        )
        return None if value is None else int(value)

    async def streak(self, guild_id: int, user_id: int) -> Streak:
        row = await self._db.fetch_one(
            "SELECT current, best, last_correct_date, days_answered, days_right FROM daily_streaks "
            "WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return _streak(row)

    async def latest_revealed(self, guild_id: int) -> dt.date | None:
        value = await self._db.fetch_value(
            "SELECT MAX(local_date) FROM daily_questions WHERE guild_id = ? AND status = 'revealed'", (guild_id,)
        )
        return None if value is None else dt.date.fromisoformat(value)

    async def board(self, guild_id: int, latest: dt.date, limit: int = 10) -> list[tuple[int, Streak]]:
        """Members whose streak stands (right on the latest revealed question), longest first."""
        rows = await self._db.fetch_all(
            "SELECT user_id, current, best, last_correct_date, days_answered, days_right FROM daily_streaks "
            "WHERE guild_id = ? AND last_correct_date = ? AND current > 0 "
            "ORDER BY current DESC, best DESC, user_id LIMIT ?",
            (guild_id, latest.isoformat(), limit),
        )
        return [(int(r["user_id"]), _streak(r)) for r in rows]
