"""The next countdown post that really goes out, past the quiet no-date days."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.countdown import Target
from bot.domain.upcoming import next_countdown_post
from bot.i18n import render

DUE = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
AHEAD = Target("event:party", "Watch party", DUE + dt.timedelta(days=10), False, "UTC", "")
PAST = Target("release:s3", "Season 3", DUE - dt.timedelta(days=60), True, "UTC", "")
UNDATED = Target("release:film", "Heartstopper Forever", None, False, "UTC", "")


@pytest.mark.parametrize(
    ("targets", "last_no_date", "at", "about", "quiet"),
    [
        ((AHEAD,), None, DUE, "10 days to Watch party", False),
        ((PAST, UNDATED), None, DUE, 'the weekly "no date yet" reminder', False),
        ((PAST, UNDATED), dt.date(2026, 12, 1), DUE + dt.timedelta(days=4), 'the weekly "no date yet" reminder', True),
        ((PAST, UNDATED), dt.date(2026, 11, 27), DUE, 'the weekly "no date yet" reminder', False),
    ],
)
def test_the_next_post_skips_quiet_days(targets, last_no_date, at, about, quiet):
    found = next_countdown_post(DUE, "09:00", "UTC", targets, last_no_date)
    assert found is not None
    assert (found.at, render(found.about, "en"), found.quiet_from is not None) == (at, about, quiet)
    assert found.quiet_from in (None, DUE)


def test_the_walk_follows_the_local_time_across_a_dst_change():
    london_due = dt.datetime(2026, 10, 24, 8, 0, tzinfo=dt.UTC)  # 09:00 BST
    found = next_countdown_post(london_due, "09:00", "Europe/London", (PAST,), dt.date(2026, 10, 20))
    assert found is not None and found.at == dt.datetime(2026, 10, 27, 9, 0, tzinfo=dt.UTC)  # 09:00 GMT
