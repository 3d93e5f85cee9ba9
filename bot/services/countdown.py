"""Countdowns: what `/countdown` shows, server events, and the daily post schedule.

Targets are the English releases (and each server's events, named as a moderator typed them); the
cog shows them in the reader's language, a release's note looked up by its id (``release:<id>``). A
release answers to its aliases in every language, so ``/countdown release:`` finds "Temporada 3".
Reasons kept for later (a skipped day, a schedule turned off) are stored as messages (``Text.stored``),
so a moderator reads them in their own language.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain import countdown as cd
from bot.domain import lookup, schedule
from bot.domain.countdown import Milestone, ServerEvent, Target, TimeLeft
from bot.domain.guild import DueSchedule, GuildConfig
from bot.domain.lookup import Candidate, Match, Outcome
from bot.domain.models import Release
from bot.domain.outbox import Completion, Delivery, Kind
from bot.domain.text import quote_user_text
from bot.errors import InvalidOption, NotFound, UserError
from bot.i18n import Text, _
from bot.services.content import LocalizedContent
from bot.services.due import MISSED, DueDay, plan_each_due
from bot.services.outbox import OutboxService
from bot.storage.base import Queryable
from bot.storage.countdown import AddResult, CountdownScheduleRepository, EventRepository
from bot.storage.guild_config import GuildConfigRepository

log = logging.getLogger(__name__)

MAX_EVENTS = 25
MAX_EVENT_NAME = 100
DEFAULT_POST_TIME = "09:00"
_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
# Why a server's daily post was turned off; ``plan_each_due`` fills in {time}, {zone} and {error}.
UNPLANNABLE = _(
    "I could not work out the next post from the stored time {time} and zone {zone} ({error}): "
    "set them again with /settings countdown-time"
)


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
    """One day's countdown post, as its outbox row describes it."""

    guild_id: int
    channel_id: int
    local_date: dt.date
    due_at: dt.datetime  # also the post's embed timestamp: how the bot recognises its own post later
    nonce: str
    late: bool
    offline: bool  # late because the bot was not running at the time (not merely behind)
    headline: Text
    target: Target | None
    days: int | None
    milestone: Milestone | None
    undated: tuple[Target, ...]


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
        content: LocalizedContent,
        config: GuildConfigRepository,
        events: EventRepository,
        schedule_repo: CountdownScheduleRepository,
        outbox: OutboxService,
        clock: Clock,
        *,
        grace: dt.timedelta,
    ) -> None:
        self._releases = tuple(
            dataclasses.replace(cd.release_target(r), aliases=_aliases(content, r)) for r in content.english.releases
        )
        self._config = config
        self._events = events
        self._schedule = schedule_repo
        self._outbox = outbox
        self._clock = clock
        self._started_at = clock.now()  # a post due before this was missed because the bot was not running
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
            note="",  # a server's event has no note: its name says it all
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
                # TRANSLATORS: {query} is what the member typed; {names} lists releases and server events
                raise NotFound(
                    _("I don't know a release called {query}. Try: {names}.", query=quote_user_text(query), names=names)
                )
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
            raise InvalidOption(_("Give the event a name with some letters or numbers, like `Watch party`."))
        if len(clean) > MAX_EVENT_NAME:
            raise InvalidOption(
                _(
                    "That name is {length} characters; keep it to {most} or fewer.",
                    length=len(clean),
                    most=MAX_EVENT_NAME,
                )
            )
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
            # TRANSLATORS: {when} is a date, a time and a zone, like "2020-01-01 18:30 (Europe/London)"
            raise InvalidOption(_("{when} is in the past. Pick a date and time that is still ahead.", when=when))
        event = ServerEvent(guild_id, clean, _name_key(clean), starts_at, clock_time is not None, zone.key, user_id)
        result = await self._events.add(event, max_events=MAX_EVENTS, now=now)
        if result is AddResult.DUPLICATE:
            raise InvalidOption(
                _(
                    "There is already an event called {name}. Pick another name or remove it first.",
                    name=quote_user_text(clean),
                )
            )
        if result is AddResult.FULL:
            raise UserError(
                _("This server already has {most} events, the most it can have. Remove one first.", most=MAX_EVENTS)
            )
        return event

    async def remove_event(self, guild_id: int, name: str) -> None:
        key = _name_key(name)
        if not key or not await self._events.remove(guild_id, key):
            names: Text | str = ", ".join(e.name for e in await self._events.list(guild_id)) or _("none yet")
            # TRANSLATORS: {name} is what the moderator typed; {names} lists the server's events (or "none yet")
            raise NotFound(
                _("No event called {name}. This server's events: {names}.", name=quote_user_text(name), names=names)
            )

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

    async def turn_off(self, guild_id: int, reason: Text | str | None = None) -> None:
        """Stop the daily post; the reason is kept as a message (``Text.stored``) for ``/settings show`` to show
        in the moderator's language (a plain ``str``, such as Discord's own words, is kept as it is)."""
        stored = reason.stored() if isinstance(reason, Text) else reason
        await self._config.disable_countdown(guild_id, stored, self._clock.now())

    # --- the scheduler's side: planning the daily post ----------------------------------------
    name = "countdown"

    async def next_due_at(self) -> dt.datetime | None:
        return await self._config.next_due_at()

    async def plan(self) -> None:
        """Everything due now, decided one server at a time and written to the outbox as soon as it is
        decided; late-beyond-grace and quiet days are recorded as skipped. A server whose schedule cannot
        be worked out is turned off with the reason, and the pass goes on (``plan_each_due``)."""
        await plan_each_due(
            self._config.due_countdowns,
            self._clock.now(),
            self._plan_one,
            turn_off=self.turn_off,
            unplannable=UNPLANNABLE,
            feature="countdown",
        )

    async def _plan_one(self, due: DueSchedule, now: dt.datetime) -> None:
        day = DueDay.of(Kind.COUNTDOWN, due, now, self.grace)
        base = {"channel_id": due.channel_id, "local_date": day.key, "due_at": due.due_at.isoformat()}
        if day.missed:
            await day.skip(self._schedule, base, MISSED, now)
            return
        targets = await self.targets(due.guild_id)
        ahead = cd.upcoming(targets, now)
        undated = tuple(cd.undated(targets))
        if not ahead and not schedule.no_date_post_due(due.last_nodate_post, day.date):
            weekly = (due.last_nodate_post or day.date) + dt.timedelta(days=schedule.NO_DATE_POST_INTERVAL_DAYS)
            reason = _(
                'nothing dated to count down to: the weekly "no date yet" post comes next on {date}',
                date=weekly.isoformat(),
            )
            await day.skip(self._schedule, base, reason, now)
            return
        target = ahead[0] if ahead else None
        days = cd.days_until(target.instant, now, due.timezone) if target and target.instant else None
        milestone = cd.milestone_for(days) if days is not None else None
        payload = {
            **base,
            **day.lateness(self._started_at),
            "nonce": post_nonce(due.guild_id, day.date),
            "target": None if target is None else _target_data(target),
            "days": days,
            "milestone": None if milestone is None else milestone.value,
            "undated": [_target_data(t) for t in undated],
        }
        planned = day.planned(payload)
        if await self._schedule.plan(planned, next_post_at=day.step.next_at, time=due.time, zone=due.timezone, now=now):
            self._outbox.wake()

    # --- the outbox's side: what a planned post says -------------------------------------------
    @staticmethod
    def post_plan(delivery: Delivery) -> PostPlan:
        """The post a planned row describes (everything it needs is in its payload)."""
        data = delivery.payload
        target = _target_of(data["target"]) if data.get("target") else None
        days = data.get("days")
        milestone = Milestone(data["milestone"]) if data.get("milestone") is not None else None
        headline = (
            cd.milestone_headline(milestone, target.name, days)
            if target is not None and days is not None
            else _("No date yet, but the story isn't over.")
        )
        return PostPlan(
            guild_id=delivery.guild_id,
            channel_id=int(data["channel_id"]),
            local_date=dt.date.fromisoformat(data["local_date"]),
            due_at=delivery.due_at,
            nonce=str(data["nonce"]),
            late=bool(data.get("late")),
            offline=bool(data.get("offline")),
            headline=headline,
            target=target,
            days=days,
            milestone=milestone,
            undated=tuple(_target_of(t) for t in data.get("undated", [])),
        )

    @staticmethod
    def completion(plan: PostPlan) -> Completion | None:
        """What else changes, in the outbox's own transaction, once the post is at Discord."""
        if plan.target is not None:
            return None
        guild_id, day = plan.guild_id, plan.local_date

        async def no_date_posted(tx: Queryable) -> None:
            await CountdownScheduleRepository.no_date_posted(tx, guild_id, day)

        return no_date_posted


def _aliases(content: LocalizedContent, release: Release) -> tuple[str, ...]:
    """What a release answers to in every language (each translation keeps the English aliases too)."""
    found = (content.release(release.id, locale) for locale in content.locales())
    return tuple(dict.fromkeys(alias for r in (*found, release) if r is not None for alias in r.aliases))


def _target_data(target: Target) -> dict[str, object]:
    return {
        "key": target.key,
        "name": target.name,
        "instant": None if target.instant is None else target.instant.isoformat(),
        "has_time": target.has_time,
        "timezone": target.timezone,
        "note": target.note,
        "is_event": target.is_event,
    }


def _target_of(data: Mapping[str, Any]) -> Target:
    instant = data.get("instant")
    return Target(
        key=str(data["key"]),
        name=str(data["name"]),
        instant=dt.datetime.fromisoformat(instant) if instant else None,
        has_time=bool(data.get("has_time")),
        timezone=str(data.get("timezone") or "UTC"),
        note=str(data.get("note") or ""),
        is_event=bool(data.get("is_event")),
    )


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
        # TRANSLATORS: {text} is what the member typed; YYYY-MM-DD is the format to type (keep it as it is)
        raise InvalidOption(
            _("{text} is not a date: use YYYY-MM-DD, like 2026-12-24.", text=quote_user_text(text or ""))
        )
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise InvalidOption(
            _(
                "{text} is not a day in the calendar: check the month and day (YYYY-MM-DD).",
                text=quote_user_text(text),
            )
        ) from None
