"""Countdown arithmetic: what is next, how long is left, which milestone a day is.

All instants are aware UTC datetimes; calendar questions ("how many days until") are asked in
the zone of whoever is looking, because a release day starts at different instants worldwide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from zoneinfo import ZoneInfo

from bot.domain.models import Release
from bot.i18n import N_, Text, _

UTC = dt.UTC
MILESTONE_DAYS = (100, 30, 7, 1)


@dataclass(frozen=True, slots=True)
class Target:
    """A thing to count down to: a catalog release or a server's own event."""

    key: str
    name: str
    instant: dt.datetime | None
    has_time: bool
    timezone: str
    note: str
    is_event: bool = False
    aliases: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ServerEvent:
    """A server's own countdown target, added by a moderator with ``/event add``."""

    guild_id: int
    name: str
    name_key: str
    starts_at: dt.datetime
    has_time: bool
    timezone: str
    created_by: int


def local_instant(date: dt.date, time: dt.time | None, zone: str) -> dt.datetime:
    """A local date (and time, default midnight) in an IANA zone, as UTC. Gaps shift forward."""
    local = dt.datetime.combine(date, time or dt.time(0, 0), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def release_target(release: Release) -> Target:
    instant = local_instant(release.date, release.time, release.timezone) if release.date else None
    return Target(
        key=f"release:{release.id}",
        name=release.name,
        instant=instant,
        has_time=release.time is not None,
        timezone=release.timezone,
        note=release.note,
        aliases=release.aliases,
        sources=release.sources,
    )


@dataclass(frozen=True, slots=True)
class TimeLeft:
    seconds: int

    @property
    def days(self) -> int:
        return self.seconds // 86_400

    @property
    def hours(self) -> int:
        return self.seconds % 86_400 // 3_600

    @property
    def minutes(self) -> int:
        return self.seconds % 3_600 // 60

    def describe(self) -> Text:
        """'12 days, 3 hours' / '5 hours, 2 minutes' / 'less than a minute', in the reader's language.

        Each unit is a plural message of its own (the catalogue's rule picks "1 dia" / "2 dias"), and the
        pair is a message too, so a language may order or join them its own way.
        """
        if self.days:
            # TRANSLATORS: time left, like "12 days, 3 hours"
            return _("{days}, {hours}", days=_days(self.days), hours=_hours(self.hours))
        if self.hours:
            # TRANSLATORS: time left, like "5 hours, 2 minutes"
            return _("{hours}, {minutes}", hours=_hours(self.hours), minutes=_minutes(self.minutes))
        if self.minutes:
            return _minutes(self.minutes)
        return _("less than a minute")


def _days(n: int) -> Text:
    return N_("{n} day", "{n} days", n=n)


def _hours(n: int) -> Text:
    return N_("{n} hour", "{n} hours", n=n)


def _minutes(n: int) -> Text:
    return N_("{n} minute", "{n} minutes", n=n)


def time_between(start: dt.datetime, end: dt.datetime) -> TimeLeft:
    return TimeLeft(max(0, int((end - start).total_seconds())))


def upcoming(targets: Iterable[Target], now: dt.datetime) -> list[Target]:
    """Dated targets still ahead, soonest first."""
    return sorted((t for t in targets if t.instant and t.instant > now), key=lambda t: (t.instant, t.name))


def latest_past(targets: Iterable[Target], now: dt.datetime) -> Target | None:
    past = [t for t in targets if t.instant and t.instant <= now]
    return max(past, key=lambda t: (t.instant, t.name)) if past else None


def undated(targets: Iterable[Target]) -> list[Target]:
    return [t for t in targets if t.instant is None]


def days_until(target_instant: dt.datetime, now: dt.datetime, zone: str) -> int:
    """Calendar days from today to the target's day, both in ``zone`` (0 on the day itself)."""
    tz = ZoneInfo(zone)
    return (target_instant.astimezone(tz).date() - now.astimezone(tz).date()).days


class Milestone(Enum):
    RELEASE_DAY = 0
    ONE_DAY = 1
    ONE_WEEK = 7
    THIRTY_DAYS = 30
    HUNDRED_DAYS = 100


def milestone_for(days: int) -> Milestone | None:
    """The milestone a day count is, if any (100, 30, 7, 1 days, or release day)."""
    return next((m for m in Milestone if m.value == days), None)


def milestone_headline(milestone: Milestone | None, name: str, days: int) -> Text:
    """Wording for the daily post, louder on milestone days (``name``: a release or a server's event)."""
    match milestone:
        case Milestone.RELEASE_DAY:
            # TRANSLATORS: the daily countdown post's headline; {name} is a release or a server's own event
            return _("💖 It's here! {name} is out today!", name=name)
        case Milestone.ONE_DAY:
            return _("🍂 Tomorrow! {name} is just one day away.", name=name)
        case Milestone.ONE_WEEK:
            return _("🌈 One week to go until {name}!", name=name)
        case Milestone.THIRTY_DAYS:
            return _("📅 30 days until {name}.", name=name)
        case Milestone.HUNDRED_DAYS:
            return _("💯 100 days until {name}!", name=name)
        case None:
            # TRANSLATORS: the daily countdown post's headline on an ordinary day; {name} is a release or event
            return N_("{n} day until {name}.", "{n} days until {name}.", n=days, name=name)
