"""What the bot will post next on its own, and why not sooner: one answer for ``/settings show`` and the playground.

A scheduled time is not always a post: with nothing dated to count down to, the countdown posts
its "no date yet" reminder only once a week, and the days between are quiet. "Next post at 09:00"
would then be a promise the bot does not keep, so the next time is walked forward to the first
that really posts, and the quiet days before it are named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.domain import countdown as cd
from bot.domain import schedule
from bot.i18n import N_, Text, _


@dataclass(frozen=True, slots=True)
class NextCountdownPost:
    at: dt.datetime  # when the next countdown post really goes out
    about: Text  # what it is about, in a few words (shown in the moderator's language)
    quiet_from: dt.datetime | None = None  # the scheduled time it skips to get there (a quiet day), if any


def next_countdown_post(
    due_at: dt.datetime,
    local_time: str,
    zone_name: str,
    targets: Sequence[cd.Target],
    last_no_date_post: dt.date | None,
) -> NextCountdownPost | None:
    """The first scheduled time from ``due_at`` on that posts: a dated target ahead, or the weekly reminder."""
    zone = ZoneInfo(zone_name)
    clock_time = schedule.parse_hhmm(local_time)
    at = due_at
    for _day in range(schedule.NO_DATE_POST_INTERVAL_DAYS + 2):
        ahead = cd.upcoming(targets, at)
        quiet = None if at == due_at else due_at
        if ahead:
            target = ahead[0]
            days = cd.days_until(target.instant or at, at, zone_name)  # ``upcoming`` targets all have a date
            # TRANSLATORS: what the next countdown post is about; {name} is a release or a server's event
            return NextCountdownPost(at, N_("{n} day to {name}", "{n} days to {name}", n=days, name=target.name), quiet)
        if schedule.no_date_post_due(last_no_date_post, schedule.local_day(at, zone)):
            return NextCountdownPost(at, _('the weekly "no date yet" reminder'), quiet)
        at = schedule.next_occurrence(clock_time, zone, at)
    return None
