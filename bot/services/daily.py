"""The question of the day: when it is due, which question, answers, the reveal and streaks.

It rides on the same machinery as the daily countdown: a UTC instant computed from the server's
local time and IANA zone (``bot.domain.schedule``), a (server, local day) ledger claimed before the
send with a deterministic nonce, late-within-grace or skipped, and the bot's one scheduler.
Questions come from every pack (the "Everything" mix), within the server's spoiler horizon, never
repeating until the server has seen the lot, and the rotation is the one games use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import daily as rules
from bot.domain import schedule
from bot.domain import trivia as trivia_rules
from bot.domain.daily import DailyQuestion, DailyReveal
from bot.domain.guild import DueSchedule, GuildConfig
from bot.domain.models import Catalog, TriviaQuestion
from bot.errors import UserError
from bot.services.due import each_plan
from bot.services.lookups import LookupService
from bot.storage.daily import DailyRepository
from bot.storage.guild_config import GuildConfigRepository
from bot.storage.trivia import TriviaRepository

DEFAULT_TIME = "18:00"


class DailyClosed(UserError):
    def __init__(self) -> None:
        super().__init__("That question of the day has closed. Try today's with `/trivia daily`.")


@dataclass(frozen=True, slots=True)
class DailyPlan:
    """One post for the scheduler: reveal yesterday's question (if open), then ask today's."""

    guild_id: int
    channel_id: int
    local_date: dt.date
    nonce: str
    late: bool
    asked: DailyQuestion
    question: TriviaQuestion
    reveal: DailyReveal | None
    revealed_question: TriviaQuestion | None
    next_post_at: dt.datetime
    closes_at: dt.datetime | None  # None: open until the next question


@dataclass(frozen=True, slots=True)
class RevealPlan:
    """A question whose answer window closed: reveal it in place."""

    reveal: DailyReveal
    question: TriviaQuestion | None


@dataclass(frozen=True, slots=True)
class DailyToday:
    asked: DailyQuestion
    question: TriviaQuestion
    my_answer: int | None
    streak: int
    best: int


@dataclass(frozen=True, slots=True)
class DailyStanding:
    user_id: int
    current: int
    best: int
    days_right: int


def daily_nonce(guild_id: int, day: dt.date) -> str:
    """Deterministic per server and day, so a retried send is deduplicated by Discord (≤ 25 chars)."""
    return "dq" + hashlib.sha256(f"daily:{guild_id}:{day.isoformat()}".encode()).hexdigest()[:22]


class DailyQuestionService:
    def __init__(
        self,
        catalog: Catalog,
        repo: DailyRepository,
        trivia: TriviaRepository,
        config: GuildConfigRepository,
        lookups: LookupService,
        clock: Clock,
        rng: random.Random,
        *,
        grace: dt.timedelta,
    ) -> None:
        self._everything = catalog.everything
        self._by_id = {q.id: q for q in self._everything.questions}
        self._repo = repo
        self._trivia = trivia
        self._config = config
        self._lookups = lookups
        self._clock = clock
        self._rng = rng
        self.grace = grace

    # --- settings --------------------------------------------------------------------------------
    async def set_schedule(
        self, guild_id: int, channel_id: int, time: str | None, timezone: str | None, window_hours: int | None = None
    ) -> GuildConfig:
        """Choose channel, time and zone; the first question waits for the next occurrence of the time."""
        clock_time = schedule.parse_hhmm(time).strftime("%H:%M") if time else None
        zone = schedule.parse_zone(timezone).key if timezone else None
        now = self._clock.now()

        def change(current: GuildConfig) -> dict[str, object]:
            at = clock_time or current.daily_time or current.countdown_time or DEFAULT_TIME
            tz = zone or current.daily_timezone or current.countdown_timezone or "UTC"
            next_at = schedule.next_occurrence(schedule.parse_hhmm(at), ZoneInfo(tz), now)
            return {
                "daily_channel_id": channel_id,
                "daily_time": at,
                "daily_timezone": tz,
                "daily_next_post_at": next_at,
                "daily_enabled": True,
                "daily_disabled_reason": None,
                "daily_window_hours": window_hours,
            }

        return await self._config.update(guild_id, change, now)

    async def turn_off(self, guild_id: int, reason: str | None) -> None:
        await self._config.update(
            guild_id,
            lambda _: {"daily_enabled": False, "daily_next_post_at": None, "daily_disabled_reason": reason},
            self._clock.now(),
        )

    # --- the scheduler's side ----------------------------------------------------------------------
    async def next_due_at(self) -> dt.datetime | None:
        return await self._repo.next_due_at()

    async def due_plans(self) -> AsyncIterator[DailyPlan]:
        async for plan in each_plan(self._repo.due, self._plan, self._clock.now()):
            yield plan

    async def _plan(self, due: DueSchedule, now: dt.datetime) -> DailyPlan | None:
        step = schedule.step(due.due_at, due.time, due.timezone, now, self.grace)
        day, next_at = step.local_date, step.next_at
        if step.action is schedule.Action.SKIP:
            await self._repo.advance(due.guild_id, next_at)
            return None
        existing = await self._repo.question(due.guild_id, day)
        if existing is not None and existing.status != "pending":
            await self._repo.advance(due.guild_id, next_at)  # posted already (a restart between send and advance)
            return None
        asked = existing or await self._choose(due, day)
        if asked is None:
            await self._repo.advance(due.guild_id, next_at)
            return None
        if existing is None:
            asked, _ = await self._repo.claim(asked, daily_nonce(due.guild_id, day), now)
        reveal = None
        previous = await self._repo.open_question(due.guild_id, before=day)
        if previous is not None:
            reveal = await self._repo.reveal(due.guild_id, previous.local_date, now)
        question = self._by_id.get(asked.question_id)
        if question is None:  # the content changed since the claim; the day is skipped
            await self._repo.advance(due.guild_id, next_at)
            return None
        return DailyPlan(
            guild_id=due.guild_id,
            channel_id=due.channel_id,
            local_date=day,
            nonce=daily_nonce(due.guild_id, day),
            late=step.late,
            asked=asked,
            question=question,
            reveal=reveal,
            revealed_question=self._by_id.get(reveal.question.question_id) if reveal else None,
            next_post_at=next_at,
            closes_at=now + dt.timedelta(hours=due.window_hours) if due.window_hours else None,
        )

    async def _choose(self, due: DueSchedule, day: dt.date) -> DailyQuestion | None:
        pack = self._everything
        horizon = await self._lookups.horizon(due.guild_id)
        seen = await self._trivia.seen_question_ids(due.guild_id, pack.id)
        chosen, restart = trivia_rules.pick_questions(
            pack.questions, seen=seen, horizon=horizon, count=1, rng=self._rng
        )
        if not chosen:
            return None
        if restart:
            await self._trivia.restart_rotation(due.guild_id, pack.id)
        question = chosen[0]
        options = ["True", "False"] if question.true_false else list(question.options)
        if not question.true_false:
            self._rng.shuffle(options)
        return DailyQuestion(
            guild_id=due.guild_id,
            local_date=day,
            pack_id=pack.id,
            question_id=question.id,
            options=tuple(options),
            correct_index=options.index(question.answer),
            channel_id=due.channel_id,
            message_id=None,
            status="pending",
        )

    async def record_posted(self, plan: DailyPlan, message_id: int) -> None:
        await self._repo.mark_posted(
            plan.guild_id,
            plan.local_date,
            message_id=message_id,
            late=plan.late,
            next_post_at=plan.next_post_at,
            closes_at=plan.closes_at,
            now=self._clock.now(),
        )

    async def next_closing_at(self) -> dt.datetime | None:
        return await self._repo.next_closing_at()

    async def due_reveals(self) -> AsyncIterator[RevealPlan]:
        """Questions whose answer window has closed, revealed (streaks updated) before they are yielded."""
        now = self._clock.now()
        for asked in await self._repo.closing(now):
            reveal = await self._repo.reveal(asked.guild_id, asked.local_date, now)
            if reveal is not None:
                yield RevealPlan(reveal, self._by_id.get(asked.question_id))

    # --- members ----------------------------------------------------------------------------------
    async def answer(self, guild_id: int, day: dt.date, user_id: int, option: int) -> tuple[int, bool]:
        """Lock in today's answer; returns (the option locked in, whether it was locked in just now)."""
        asked = await self._repo.question(guild_id, day)
        now = self._clock.now()
        # 'pending' too: a member can click in the moment between Discord showing the post and us recording it.
        if asked is None or asked.status == "revealed" or not 0 <= option < len(asked.options):
            raise DailyClosed
        if asked.closes_at is not None and now >= asked.closes_at:
            raise DailyClosed
        earlier = await self._repo.answer(guild_id, day, user_id, option, option == asked.correct_index, now)
        return (option, True) if earlier is None else (earlier, False)

    async def today(self, guild_id: int, user_id: int) -> DailyToday | None:
        asked = await self._repo.open_question(guild_id)
        if asked is None:
            return None
        question = self._by_id.get(asked.question_id)
        if question is None:
            return None
        current, best = await self.streak(guild_id, user_id)
        mine = await self._repo.answer_of(guild_id, asked.local_date, user_id)
        return DailyToday(asked, question, mine, current, best)

    async def streak(self, guild_id: int, user_id: int) -> tuple[int, int]:
        """(current, best) daily streak; the current one stands only if the latest question was right."""
        streak = await self._repo.streak(guild_id, user_id)
        return rules.current_streak(streak, await self._repo.latest_revealed(guild_id)), streak.best

    async def board(self, guild_id: int, limit: int = 10) -> list[DailyStanding]:
        latest = await self._repo.latest_revealed(guild_id)
        if latest is None:
            return []
        return [
            DailyStanding(uid, s.current, s.best, s.days_right)
            for uid, s in await self._repo.board(guild_id, latest, limit)
        ]
