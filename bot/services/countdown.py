"""Countdowns: what `/countdown` shows, server events, and the daily post schedule."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import countdown as cd
from bot.domain import lookup, schedule
from bot.domain.countdown import Milestone, ServerEvent, Target, TimeLeft
from bot.domain.guild import DueSchedule, GuildConfig
from bot.domain.lookup import Candidate, Match, Outcome
from bot.domain.models import Catalog
from bot.domain.text import quote_user_text
from bot.errors import InvalidOption, NotFound, UserError
from bot.services.due import each_plan
from bot.storage.countdown import (
    AddResult,
    CountdownPostRepository,
    EventRepository,
    PostState,
)
from bot.storage.guild_config import GuildConfigRepository

MAX_EVENTS = 25
MAX_EVENT_NAME = 100
DEFAULT_POST_TIME = "09:00"
_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class CountdownAnswer:
    """What /countdown shows: an upcoming target, an undated one, or the latest past one."""

    target: Target | None
    left: TimeLeft | None
    since: TimeLeft | None
    undated: tuple[Target, ...]
    following: tuple[Target, ...]


@dataclass(frozen=True, slots=True)
class PostPlan:
    """One scheduled post the scheduler should send now."""

    guild_id: int
    channel_id: int
    local_date: dt.date
    nonce: str
    late: bool
    headline: str
    target: Target | None
    days: int | None
    milestone: Milestone | None
    undated: tuple[Target, ...]
    next_post_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ScheduleView:
    config: GuildConfig
    timezone: str
    time: str | None
    next_post_at: dt.datetime | None


def post_nonce(guild_id: int, local_date: dt.date) -> str:
    """Deterministic per server and day, so a retried send is deduplicated by Discord (≤ 25 chars)."""
    digest = hashlib.sha256(f"{guild_id}:{local_date.isoformat()}".encode()).hexdigest()
    return "cd" + digest[:22]


def _name_key(name: str) -> str:
    return lookup.normalize(name)


class CountdownService:
    def __init__(
        self,
        catalog: Catalog,
        config: GuildConfigRepository,
        events: EventRepository,
        posts: CountdownPostRepository,
        clock: Clock,
        *,
        grace: dt.timedelta,
    ) -> None:
        self._releases = tuple(cd.release_target(r) for r in catalog.releases)
        self._config = config
        self._events = events
        self._posts = posts
        self._clock = clock
        self.grace = grace

    # --- targets ------------------------------------------------------------------------------
    async def targets(self, guild_id: int | None) -> list[Target]:
        events = [] if guild_id is None else await self._events.list(guild_id)
        return [*self._releases, *(self._event_target(e) for e in events)]

    @staticmethod
    def _event_target(event: ServerEvent) -> Target:
        return Target(
            key=f"event:{event.name_key}",
            name=event.name,
            instant=event.starts_at,
            has_time=event.has_time,
            timezone=event.timezone,
            note="A server event.",
            is_event=True,
        )

    async def release_suggestions(self, guild_id: int | None, query: str) -> list[Match[Target]]:
        candidates = [Candidate.of(t, t.name, t.aliases) for t in await self.targets(guild_id)]
        return lookup.rank(query, candidates, limit=25)

    async def countdown(self, guild_id: int | None, query: str | None) -> CountdownAnswer:
        now = self._clock.now()
        targets = await self.targets(guild_id)
        undated = tuple(cd.undated(targets))
        if query and query.strip():
            candidates = [Candidate.of(t, t.name, t.aliases) for t in targets]
            found = lookup.resolve(query, candidates)
            if found.outcome is not Outcome.FOUND:
                names = ", ".join(m.label for m in found.matches) or ", ".join(t.name for t in targets[:5])
                raise NotFound(f"I don't know a release called {quote_user_text(query)}. Try: {names}.")
            target = found.item
            if target.instant is None:
                return CountdownAnswer(target, None, None, (), ())
            if target.instant > now:
                return CountdownAnswer(target, cd.time_between(now, target.instant), None, (), ())
            return CountdownAnswer(target, None, cd.time_between(target.instant, now), (), ())
        ahead = cd.upcoming(targets, now)
        if ahead:
            return CountdownAnswer(
                ahead[0], cd.time_between(now, ahead[0].instant or now), None, undated, tuple(ahead[1:4])
            )
        latest = cd.latest_past(targets, now)
        since = cd.time_between(latest.instant, now) if latest and latest.instant else None
        return CountdownAnswer(latest, None, since, undated, ())

    # --- server events ------------------------------------------------------------------------
    async def add_event(
        self, guild_id: int, user_id: int, *, name: str, date: str, time: str | None, timezone: str | None
    ) -> ServerEvent:
        """Validate everything first; nothing is stored unless all of it is right."""
        clean = " ".join(name.split())
        if not clean or not _name_key(clean):
            raise InvalidOption("Give the event a name with some letters or numbers, like `Watch party`.")
        if len(clean) > MAX_EVENT_NAME:
            raise InvalidOption(f"That name is {len(clean)} characters; keep it to {MAX_EVENT_NAME} or fewer.")
        day = parse_date(date)
        clock_time = schedule.parse_hhmm(time) if time and time.strip() else None
        if timezone and timezone.strip():
            zone = schedule.parse_zone(timezone)
        else:
            config = await self._config.get(guild_id)
            zone = ZoneInfo(config.countdown_timezone or "UTC")
        starts_at = cd.local_instant(day, clock_time, zone.key)
        now = self._clock.now()
        if starts_at <= now:
            when = f"{day.isoformat()}{' ' + clock_time.strftime('%H:%M') if clock_time else ''} ({zone.key})"
            raise InvalidOption(f"{when} is in the past. Pick a date and time that is still ahead.")
        event = ServerEvent(guild_id, clean, _name_key(clean), starts_at, clock_time is not None, zone.key, user_id)
        result = await self._events.add(event, max_events=MAX_EVENTS, now=now)
        if result is AddResult.DUPLICATE:
            raise InvalidOption(
                f"There is already an event called {quote_user_text(clean)}. Pick another name or remove it first."
            )
        if result is AddResult.FULL:
            raise UserError(f"This server already has {MAX_EVENTS} events, the most it can have. Remove one first.")
        return event

    async def remove_event(self, guild_id: int, name: str) -> None:
        key = _name_key(name)
        if not key or not await self._events.remove(guild_id, key):
            names = ", ".join(e.name for e in await self._events.list(guild_id)) or "none yet"
            raise NotFound(f"No event called {quote_user_text(name)}. This server's events: {names}.")

    async def list_events(self, guild_id: int) -> list[ServerEvent]:
        return await self._events.list(guild_id)

    # --- schedule settings --------------------------------------------------------------------
    async def view(self, guild_id: int) -> ScheduleView:
        return self._view(await self._config.get(guild_id))

    @staticmethod
    def _view(config: GuildConfig) -> ScheduleView:
        return ScheduleView(
            config,
            config.countdown_timezone or "UTC",
            config.countdown_time,
            config.countdown_next_post_at if config.countdown_enabled else None,
        )

    async def set_channel(self, guild_id: int, channel_id: int) -> ScheduleView:
        """Choose the channel; the first post waits for the next occurrence of the post time."""
        now = self._clock.now()

        def change(current: GuildConfig) -> dict[str, object]:
            columns: dict[str, object] = {"countdown_channel_id": channel_id}
            if current.countdown_time is None:
                columns["countdown_time"] = DEFAULT_POST_TIME
            if current.countdown_timezone is None:
                columns["countdown_timezone"] = "UTC"
            time = current.countdown_time or DEFAULT_POST_TIME
            zone = current.countdown_timezone or "UTC"
            return columns | _schedule(channel_id, time, zone, now)

        return self._view(await self._config.update(guild_id, change, now))

    async def set_time(self, guild_id: int, time: str, timezone: str) -> ScheduleView:
        clock_time = schedule.parse_hhmm(time).strftime("%H:%M")
        zone = schedule.parse_zone(timezone).key
        now = self._clock.now()

        def change(current: GuildConfig) -> dict[str, object]:
            columns: dict[str, object] = {"countdown_time": clock_time, "countdown_timezone": zone}
            return columns | _schedule(current.countdown_channel_id, clock_time, zone, now)

        return self._view(await self._config.update(guild_id, change, now))

    async def turn_off(self, guild_id: int, reason: str | None = None) -> None:
        await self._config.disable_countdown(guild_id, reason, self._clock.now())

    # --- the scheduler's side -----------------------------------------------------------------
    async def next_due_at(self) -> dt.datetime | None:
        return await self._config.next_due_at()

    async def due_plans(self) -> AsyncIterator[PostPlan]:
        """Everything due now, decided one server at a time: posts to send are yielded as soon as
        they are claimed, so sending starts while the rest are still being planned; late-beyond-grace
        and quiet days are skipped here."""
        async for plan in each_plan(self._config.due_countdowns, self._plan, self._clock.now()):
            yield plan

    async def _plan(self, config: DueSchedule, now: dt.datetime) -> PostPlan | None:
        step = schedule.step(config.due_at, config.time, config.timezone, now, self.grace)
        day, next_at = step.local_date, step.next_at
        if step.action is schedule.Action.SKIP:
            await self._posts.skip(config.guild_id, day, next_post_at=next_at, now=now)
            return None
        targets = await self.targets(config.guild_id)
        ahead = cd.upcoming(targets, now)
        undated = tuple(cd.undated(targets))
        if not ahead and not schedule.no_date_post_due(config.last_nodate_post, day):
            await self._posts.skip(config.guild_id, day, next_post_at=next_at, now=now)
            return None
        state = await self._posts.claim(config.guild_id, day, post_nonce(config.guild_id, day), now)
        if state in (PostState.SENT, PostState.SKIPPED):
            await self._posts.advance(config.guild_id, next_at)
            return None
        if state is PostState.CLAIMED:  # in another live process's hands; look again next pass
            return None
        target = ahead[0] if ahead else None
        days = cd.days_until(target.instant, now, config.timezone) if target and target.instant else None
        milestone = cd.milestone_for(days) if days is not None else None
        headline = (
            cd.milestone_headline(milestone, target.name, days)
            if target and days is not None
            else "No date yet, but the story isn't over."
        )
        return PostPlan(
            guild_id=config.guild_id,
            channel_id=config.channel_id,
            local_date=day,
            nonce=post_nonce(config.guild_id, day),
            late=step.late,
            headline=headline,
            target=target,
            days=days,
            milestone=milestone,
            undated=undated,
            next_post_at=next_at,
        )

    async def record_sent(self, plan: PostPlan, message_id: int) -> None:
        await self._posts.mark_sent(
            plan.guild_id,
            plan.local_date,
            message_id=message_id,
            late=plan.late,
            next_post_at=plan.next_post_at,
            no_date_post=plan.target is None,
            now=self._clock.now(),
        )

    async def sent_count(self, guild_id: int) -> int:
        return await self._posts.sent_count(guild_id)


def _schedule(channel_id: int | None, time: str, zone: str, now: dt.datetime) -> dict[str, object]:
    """The derived schedule columns: the next post (only with a channel) and whether it is on."""
    next_at = schedule.next_occurrence(schedule.parse_hhmm(time), ZoneInfo(zone), now) if channel_id else None
    return {
        "countdown_next_post_at": next_at,
        "countdown_enabled": next_at is not None,
        "countdown_disabled_reason": None,
    }


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` that exists in the calendar, or InvalidOption saying what is expected."""
    match = _DATE.match(text or "")
    if not match:
        raise InvalidOption(f"{quote_user_text(text or '')} is not a date: use YYYY-MM-DD, like 2026-12-24.")
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise InvalidOption(
            f"{quote_user_text(text)} is not a day in the calendar: check the month and day (YYYY-MM-DD)."
        ) from None
