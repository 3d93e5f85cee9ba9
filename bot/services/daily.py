"""The question of the day: when it is due, which question, answers, the reveal and streaks.

It rides on the same machinery as the daily countdown: a UTC instant computed from the server's
local time and IANA zone (``bot.domain.schedule``), a (server, local day) ledger claimed before the
send with a deterministic nonce, late-within-grace or skipped, and the bot's one scheduler.
Questions come from every pack (the "Everything" mix), within the server's spoiler horizon, never
repeating until the server has seen the lot, and the rotation is the one games use.

Everything here is in English and by id (options are stored as the English gives them); the cog shows
it in the server's language. Reasons the bot keeps (a day skipped, the feature turned off) are stored
as ``Text.stored()`` so that ``/settings show`` renders them in the moderator's own language.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import daily as rules
from bot.domain import schedule
from bot.domain import trivia as trivia_rules
from bot.domain.daily import DailyQuestion, DailyReveal
from bot.domain.guild import DueSchedule, GuildConfig
from bot.domain.models import Catalog, TriviaQuestion
from bot.domain.outbox import Completion, Delivery, Kind
from bot.errors import UserError
from bot.i18n import Text, _
from bot.services.due import MISSED, DueDay, plan_each_due
from bot.services.lookups import LookupService
from bot.services.outbox import OutboxService
from bot.storage.base import Queryable
from bot.storage.daily import DailyRepository
from bot.storage.guild_config import GuildConfigRepository
from bot.storage.trivia import TriviaRepository

log = logging.getLogger(__name__)

DEFAULT_TIME = "18:00"
# Why a server's question of the day was turned off; ``plan_each_due`` fills in {time}, {zone} and {error}.
UNPLANNABLE = _(
    "I could not work out the next question from the stored time {time} and zone {zone} "
    "({error}): set them again with /settings daily-question"
)


class DailyClosed(UserError):
    def __init__(self) -> None:
        super().__init__(_("That question of the day has closed. Try today's with `/trivia daily`."))


@dataclass(frozen=True, slots=True)
class DailyPost:
    """One day's question post, as its outbox row and the day's row describe it."""

    asked: DailyQuestion
    question: TriviaQuestion
    due_at: dt.datetime
    nonce: str
    late: bool
    offline: bool  # late because the bot was not running at the time (not merely behind)
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
        outbox: OutboxService,
        *,
        grace: dt.timedelta,
    ) -> None:
        self._outbox = outbox
        self._started_at = clock.now()
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

    async def turn_off(self, guild_id: int, reason: Text | str | None) -> None:
        """Stop asking. ``reason`` is kept (a ``Text`` as JSON) so /settings show says why in the reader's language."""
        stored = reason.stored() if isinstance(reason, Text) else reason
        await self._config.update(
            guild_id,
            lambda _current: {"daily_enabled": False, "daily_next_post_at": None, "daily_disabled_reason": stored},
            self._clock.now(),
        )

    # --- the scheduler's side: planning --------------------------------------------------------
    name = "daily-question"

    async def next_due_at(self) -> dt.datetime | None:
        """The next question to ask, or the next answer window to close, whichever comes first."""
        due = [d for d in (await self._repo.next_due_at(), await self._repo.next_closing_at()) if d is not None]
        return min(due) if due else None

    async def plan(self) -> None:
        """Questions due now, and answer windows that closed, written to the outbox one server at a time.

        A server whose schedule cannot be worked out is turned off with the reason; the rest go on.
        """
        now = self._clock.now()
        await plan_each_due(
            self._repo.due,
            now,
            self._plan_one,
            turn_off=self.turn_off,
            unplannable=UNPLANNABLE,
            feature="question of the day",
        )
        for asked in await self._repo.closing(now):
            try:
                if await self._repo.close_window(asked, now, Kind.DAILY_REVEAL):
                    self._outbox.wake()
            except Exception:
                log.exception("closing the question of the day of guild %s failed", asked.guild_id)

    async def _plan_one(self, due: DueSchedule, now: dt.datetime) -> None:
        day = DueDay.of(Kind.DAILY_QUESTION, due, now, self.grace)
        base = {"channel_id": due.channel_id, "local_date": day.key}
        if day.missed:
            await day.skip(self._repo, base, MISSED, now)
            return
        asked = await self._repo.question(due.guild_id, day.date) or await self._choose(due, day.date)
        if asked is None:
            await day.skip(self._repo, base, _("no question left within this server's spoiler setting"), now)
            return
        closes_at = now + dt.timedelta(hours=due.window_hours) if due.window_hours else None
        nonce = daily_nonce(due.guild_id, day.date)
        payload = {
            **base,
            **day.lateness(self._started_at),
            "nonce": nonce,
            "closes_at": None if closes_at is None else closes_at.isoformat(),
        }
        if await self._repo.plan_day(
            asked,
            day.planned(payload),
            nonce=nonce,
            next_post_at=day.step.next_at,
            time=due.time,
            zone=due.timezone,
            now=now,
            reveal_kind=Kind.DAILY_REVEAL,
        ):
            self._outbox.wake()

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

    # --- the outbox's side: what a planned post or reveal says --------------------------------------
    async def post_of(self, delivery: Delivery) -> DailyPost | None:
        """The question a planned post asks, read back as claimed (None if the content lost it)."""
        day = dt.date.fromisoformat(delivery.key)
        asked = await self._repo.question(delivery.guild_id, day)
        question = self._by_id.get(asked.question_id) if asked is not None else None
        if asked is None or question is None:
            return None
        data = delivery.payload
        closes = data.get("closes_at")
        return DailyPost(
            asked=asked,
            question=question,
            due_at=delivery.due_at,
            nonce=str(data.get("nonce") or daily_nonce(delivery.guild_id, day)),
            late=bool(data.get("late")),
            offline=bool(data.get("offline")),
            closes_at=dt.datetime.fromisoformat(closes) if closes else None,
        )

    def posted(self, post: DailyPost, message_id: int) -> Completion:
        """In the outbox's transaction once Discord has the post: it is open for answers there."""
        now = self._clock.now()

        async def complete(tx: Queryable) -> None:
            await DailyRepository.posted(
                tx,
                post.asked.guild_id,
                post.asked.local_date,
                message_id=message_id,
                late=post.late,
                closes_at=post.closes_at,
                now=now,
            )

        return complete

    async def reveal_of(self, delivery: Delivery) -> RevealPlan | None:
        """What a planned reveal shows: the closed question with its votes (None if it is gone)."""
        reveal = await self._repo.summary(delivery.guild_id, dt.date.fromisoformat(delivery.key))
        if reveal is None:
            return None
        return RevealPlan(reveal, self._by_id.get(reveal.question.question_id))

    async def turn_off_feature(self, guild_id: int, reason: Text | str) -> None:
        await self.turn_off(guild_id, reason)

    # --- members ----------------------------------------------------------------------------------
    async def answer(self, guild_id: int, day: dt.date, user_id: int, option: int) -> tuple[int, bool]:
        """Lock in today's answer; returns (the option locked in, whether it was locked in just now).

        Whether the day is still open is decided by the write itself (``DailyRepository.answer``), so
        an answer racing the reveal is either counted in it or refused, never told "locked in" and lost.
        """
        asked = await self._repo.question(guild_id, day)
        if asked is None or not 0 <= option < len(asked.options):
            raise DailyClosed
        fresh, earlier = await self._repo.answer(guild_id, day, user_id, option, self._clock.now())
        if fresh:
            return option, True
        if earlier is None:
            raise DailyClosed
        return earlier, False

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
