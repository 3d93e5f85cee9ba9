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
from bot.domain.outbox import Kind, Planned
from bot.domain.shards import ShardScope
from bot.storage import schedules
from bot.storage.base import Queryable, Row
from bot.storage.instants import from_db_or_none, to_db, to_db_or_none
from bot.storage.outbox import OutboxRepository

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


class DailyRepository(schedules.DailySchedule):
    """The question of the day's days, answers and streaks; a day skipped is ``skip_day``, shared with the countdown."""

    feature = "daily"

    def __init__(self, db: Queryable, shards: ShardScope | None = None) -> None:
        super().__init__(db)
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

    async def plan_day(
        self,
        asked: DailyQuestion,
        planned: Planned,
        *,
        nonce: str,
        next_post_at: dt.datetime,
        time: str,
        zone: str,
        now: dt.datetime,
        reveal_kind: Kind,
    ) -> bool:
        """A day's question written down with its post in the outbox, in one transaction under the server's lock.

        The question (and its button order) joins the server's no-repeat history, the open question of
        an earlier day is revealed (streaks updated) with its reveal edit planned, and the schedule moves
        on; True when the post is new. A crash anywhere before the commit leaves none of it.
        """
        async with self._db.transaction(guild_id=asked.guild_id) as tx:
            inserted = await tx.execute(
                "INSERT INTO daily_questions (guild_id, local_date, pack_id, question_id, options, correct_index, "
                "channel_id, nonce, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT DO NOTHING",
                (
                    asked.guild_id,
                    asked.local_date.isoformat(),
                    asked.pack_id,
                    asked.question_id,
                    json.dumps(list(asked.options)),
                    asked.correct_index,
                    asked.channel_id,
                    nonce,
                ),
            )
            if inserted:
                await tx.execute(
                    "INSERT INTO trivia_seen (guild_id, pack_id, question_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (asked.guild_id, asked.pack_id, asked.question_id),
                )
            new = await OutboxRepository(tx).plan(planned, now)
            if new:
                repo = DailyRepository(tx, self._shards)
                previous = await repo.open_question(asked.guild_id, before=asked.local_date)
                if previous is not None:
                    await repo._close(previous, now, reveal_kind)
            await schedules.advance(tx, self.feature, asked.guild_id, next_post_at, time, zone)
        return new

    async def close_window(self, asked: DailyQuestion, now: dt.datetime, reveal_kind: Kind) -> bool:
        """The answer window closed: reveal (streaks updated) and plan the reveal edit, in one transaction."""
        async with self._db.transaction(guild_id=asked.guild_id) as tx:
            return await DailyRepository(tx, self._shards)._close(asked, now, reveal_kind)

    async def _close(self, asked: DailyQuestion, now: dt.datetime, reveal_kind: Kind) -> bool:
        if await self.reveal(asked.guild_id, asked.local_date, now) is None:
            return False
        planned = Planned(
            reveal_kind,
            asked.guild_id,
            asked.local_date.isoformat(),
            {"channel_id": asked.channel_id},
            now,
            asked.channel_id,
        )
        return await OutboxRepository(self._db).plan(planned, now)

    @staticmethod
    async def posted(
        tx: Queryable,
        guild_id: int,
        day: dt.date,
        *,
        message_id: int,
        late: bool,
        closes_at: dt.datetime | None,
        now: dt.datetime,
    ) -> None:
        """Once Discord has the post (in the outbox's transaction): the question is open for answers there."""
        await tx.execute(
            "UPDATE daily_questions SET status = 'posted', message_id = ?, late = ?, posted_at = ?, closes_at = ? "
            "WHERE guild_id = ? AND local_date = ? AND status = 'pending'",
            (message_id, int(late), to_db(now), to_db_or_none(closes_at), guild_id, day.isoformat()),
        )

    async def summary(self, guild_id: int, day: dt.date) -> DailyReveal | None:
        """A question's votes per option and how many were right (what its reveal shows); changes nothing."""
        question = await self.question(guild_id, day)
        if question is None:
            return None
        answers = await self._db.fetch_all(
            "SELECT option, correct FROM daily_answers WHERE guild_id = ? AND local_date = ?",
            (guild_id, day.isoformat()),
        )
        counts = [0] * len(question.options)
        for answer in answers:
            counts[int(answer["option"])] += 1
        return DailyReveal(question, tuple(counts), sum(1 for a in answers if a["correct"]), len(answers))

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
                streaks = {
                    int(r["user_id"]): _streak(r)
                    for r in await tx.fetch_all(
                        "SELECT s.user_id, s.current, s.best, s.last_correct_date, s.days_answered, s.days_right "
                        "FROM daily_streaks s JOIN daily_answers a "
                        "ON a.guild_id = s.guild_id AND a.user_id = s.user_id "
                        "WHERE a.guild_id = ? AND a.local_date = ?",
                        (guild_id, day.isoformat()),
                    )
                }
                updated = []
                for answer in answers:
                    user_id = int(answer["user_id"])
                    streak = rules.after_answer(
                        streaks.get(user_id, Streak()),
                        question=day,
                        previous_question=previous_day,
                        correct=bool(answer["correct"]),
                    )
                    updated.append(
                        (
                            guild_id,
                            user_id,
                            streak.current,
                            streak.best,
                            streak.last_correct.isoformat() if streak.last_correct else None,
                            streak.days_answered,
                            streak.days_right,
                        )
                    )
                await tx.execute_many(
                    "INSERT INTO daily_streaks (guild_id, user_id, current, best, last_correct_date, "
                    "days_answered, days_right) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(guild_id, user_id) DO UPDATE SET current = excluded.current, "
                    "best = excluded.best, last_correct_date = excluded.last_correct_date, "
                    "days_answered = excluded.days_answered, days_right = excluded.days_right",
                    updated,
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
        self, guild_id: int, day: dt.date, user_id: int, option: int, now: dt.datetime
    ) -> tuple[bool, int | None]:
        """Lock in an answer while the day is still open; returns (locked in now, the option locked in earlier).

        One statement decides, under the server's lock that a reveal also takes: the answer is
        written only if the question is still pending or posted and its window has not closed, so an
        answer is either in the reveal's counts and streaks, or refused, never "locked in" and lost.
        ``(False, None)``: the question has closed (or never was).
        """
        async with self._db.transaction(guild_id=guild_id) as tx:
            added = await tx.execute(
                "INSERT INTO daily_answers (guild_id, local_date, user_id, option, correct, answered_at) "
                "SELECT q.guild_id, q.local_date, ?, ?, CASE WHEN q.correct_index = ? THEN 1 ELSE 0 END, ? "
                "FROM daily_questions q WHERE q.guild_id = ? AND q.local_date = ? "
                "AND q.status IN ('pending', 'posted') AND (q.closes_at IS NULL OR q.closes_at > ?) "
                "ON CONFLICT DO NOTHING",
                (user_id, option, option, to_db(now), guild_id, day.isoformat(), to_db(now)),
            )
            if added:
                return True, None
            still_open = await tx.fetch_value(
                "SELECT 1 FROM daily_questions WHERE guild_id = ? AND local_date = ? "
                "AND status IN ('pending', 'posted') AND (closes_at IS NULL OR closes_at > ?)",
                (guild_id, day.isoformat(), to_db(now)),
            )
            if still_open is None:
                return False, None
            earlier = await tx.fetch_value(
                "SELECT option FROM daily_answers WHERE guild_id = ? AND local_date = ? AND user_id = ?",
                (guild_id, day.isoformat(), user_id),
            )
        return False, None if earlier is None else int(earlier)

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
