"""When a server's daily countdown post is due, and what to do when the bot finds it due.

A server picks a local time and an IANA zone. The next post is computed as a UTC instant, so
the scheduler compares instants only; DST is handled here once:
- spring-forward gap: a time that does not exist that day (01:30 in London on the last Sunday
  of March) is posted at the same offset before the change, i.e. shifted forward by the gap;
- autumn overlap: a time that happens twice is posted at its first occurrence only.
Posts are keyed by the *local date* they belong to, which is what "once a day" means to a server.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.domain.text import quote_user_text
from bot.errors import InvalidOption
from bot.i18n import _

UTC = dt.UTC
ON_TIME_TOLERANCE = dt.timedelta(minutes=2)
NO_DATE_POST_INTERVAL_DAYS = 7
_HHMM = re.compile(r"^\s*([01]?\d|2[0-3])[:.h]([0-5]\d)\s*$")


def parse_hhmm(text: str) -> dt.time:
    """``HH:MM`` (24-hour) or raise InvalidOption saying what is expected."""
    match = _HHMM.match(text or "")
    if not match:
        # TRANSLATORS: {text} is what the member typed
        raise InvalidOption(_("{text} is not a time: use 24-hour HH:MM, like 18:30.", text=quote_user_text(text)))
    return dt.time(int(match.group(1)), int(match.group(2)))


def parse_zone(name: str) -> ZoneInfo:
    """An IANA zone by name (case-insensitive), or InvalidOption pointing at the autocomplete."""
    cleaned = (name or "").strip()
    canonical = _zone_names_folded().get(cleaned.casefold())
    if canonical is None:
        raise InvalidOption(
            # TRANSLATORS: {text} is what the member typed; an IANA name is a zone like Europe/London
            _(
                "{text} is not a time zone: pick an IANA name from the list, like Europe/London.",
                text=quote_user_text(cleaned),
            )
        )
    try:
        return ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - listed zones load
        raise InvalidOption(_("{text} is not a time zone I can use.", text=quote_user_text(cleaned))) from None


@cache
def _zone_names_folded() -> dict[str, str]:
    """Zone names by case-folded name; read from tzdata once."""
    return {z.casefold(): z for z in available_timezones() if "/" in z or z == "UTC"}


def zone_names() -> list[str]:
    """Every usable IANA zone name, sorted."""
    return sorted(_zone_names_folded().values())


def next_occurrence(local_time: dt.time, zone: ZoneInfo, after: dt.datetime) -> dt.datetime:
    """The first instant strictly after ``after`` when the local clock in ``zone`` shows ``local_time``."""
    day = after.astimezone(zone).date()
    for _attempt in range(4):
        candidate = dt.datetime.combine(day, local_time, tzinfo=zone).astimezone(UTC)  # fold=0
        if candidate > after:
            return candidate
        day += dt.timedelta(days=1)
    raise AssertionError("unreachable: a local time occurs at least once within 4 days")


def local_day(instant: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The local date a scheduled instant belongs to."""
    return instant.astimezone(zone).date()


class Action(Enum):
    WAIT = "wait"
    POST = "post"
    POST_LATE = "post-late"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    local_date: dt.date | None = None


def decide(due_at: dt.datetime, now: dt.datetime, zone: ZoneInfo, grace: dt.timedelta) -> Decision:
    """What to do with a post due at ``due_at`` when the scheduler looks at ``now``.

    On time (within a couple of minutes) -> post; missed while the bot was down but within the
    grace window -> post once, marked late; older -> skip that day. Never more than one post.
    """
    if now < due_at:
        return Decision(Action.WAIT)
    day = local_day(due_at, zone)
    late_by = now - due_at
    if late_by <= ON_TIME_TOLERANCE:
        return Decision(Action.POST, day)
    if late_by <= grace:
        return Decision(Action.POST_LATE, day)
    return Decision(Action.SKIP, day)


@dataclass(frozen=True, slots=True)
class DueStep:
    """A daily post the scheduler found due, decided: what to do, for which local day, and when the next falls."""

    action: Action
    local_date: dt.date
    next_at: dt.datetime

    @property
    def late(self) -> bool:
        return self.action is Action.POST_LATE


def step(due_at: dt.datetime, local_time: str, zone_name: str, now: dt.datetime, grace: dt.timedelta) -> DueStep:
    """``decide`` for a schedule kept as local "HH:MM" and IANA zone (the countdown's and the daily question's)."""
    zone = ZoneInfo(zone_name)
    decision = decide(due_at, now, zone, grace)
    next_at = next_occurrence(parse_hhmm(local_time), zone, max(now, due_at))
    return DueStep(decision.action, decision.local_date or local_day(due_at, zone), next_at)


def no_date_post_due(last_posted: dt.date | None, today: dt.date) -> bool:
    """With nothing dated to count down to, post a calm reminder at most once a week."""
    return last_posted is None or (today - last_posted).days >= NO_DATE_POST_INTERVAL_DAYS
