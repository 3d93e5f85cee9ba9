"""Schedule maths: next post instants across DST, the grace policy, input parsing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.schedule import (
    Action,
    decide,
    local_day,
    next_occurrence,
    no_date_post_due,
    parse_hhmm,
    parse_zone,
    step,
)
from bot.errors import InvalidOption

UTC = dt.UTC
LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("local", "zone", "after", "expected"),
    [
        # plain days
        ((18, 30), LONDON, utc(2026, 11, 25, 12), utc(2026, 11, 25, 18, 30)),
        ((18, 30), LONDON, utc(2026, 11, 25, 18, 30), utc(2026, 11, 26, 18, 30)),  # strictly after
        ((9, 0), LONDON, utc(2026, 7, 1, 12), utc(2026, 7, 2, 8, 0)),  # BST
        # spring forward: 01:30 does not exist in London on 2026-03-29 -> shifted forward by the gap
        ((1, 30), LONDON, utc(2026, 3, 28, 23), utc(2026, 3, 29, 1, 30)),
        ((2, 30), NEW_YORK, utc(2026, 3, 8, 5), utc(2026, 3, 8, 7, 30)),
        # autumn overlap: 01:30 happens twice -> the first occurrence only
        ((1, 30), LONDON, utc(2026, 10, 25, 0), utc(2026, 10, 25, 0, 30)),
        ((1, 30), LONDON, utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)),
        ((1, 30), NEW_YORK, utc(2026, 11, 1, 4), utc(2026, 11, 1, 5, 30)),
        ((1, 30), NEW_YORK, utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)),
    ],
)
def test_next_occurrence(local, zone, after, expected):
    assert next_occurrence(dt.time(*local), zone, after) == expected


GRACE = dt.timedelta(hours=6)


@pytest.mark.parametrize(
    ("late_by", "action"),
    [
        (-60, Action.WAIT),
        (0, Action.POST),
        (119, Action.POST),
        (121, Action.POST_LATE),
        (6 * 3600, Action.POST_LATE),
        (6 * 3600 + 1, Action.SKIP),
    ],
)
def test_grace_policy(late_by, action):
    due = utc(2026, 11, 25, 18, 30)
    decision = decide(due, due + dt.timedelta(seconds=late_by), LONDON, GRACE)
    assert decision.action is action
    if action is not Action.WAIT:
        assert decision.local_date == dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("now", "action", "day", "next_at"),
    [
        # due 09:00 London (GMT) on 1 Dec; a minute late is on time, the next one is the next morning
        ("2026-12-01T09:01:00+00:00", Action.POST, "2026-12-01", "2026-12-02T09:00:00+00:00"),
        # found three hours late: posted late for its own day; the next one is still tomorrow's
        ("2026-12-01T12:00:00+00:00", Action.POST_LATE, "2026-12-01", "2026-12-02T09:00:00+00:00"),
        # found two days late (the bot was down): the day is skipped, the next is the coming 09:00
        ("2026-12-03T10:00:00+00:00", Action.SKIP, "2026-12-01", "2026-12-04T09:00:00+00:00"),
    ],
)
def test_step_decides_a_due_post_and_the_next_one(now, action, day, next_at):
    due_at = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    decided = step(due_at, "09:00", "Europe/London", dt.datetime.fromisoformat(now), dt.timedelta(hours=6))
    assert (decided.action, decided.local_date.isoformat(), decided.next_at.isoformat()) == (action, day, next_at)
    assert decided.late is (action is Action.POST_LATE)


def test_no_date_post_at_most_weekly():
    today = dt.date(2026, 11, 25)
    assert no_date_post_due(None, today)
    assert not no_date_post_due(today - dt.timedelta(days=6), today)
    assert no_date_post_due(today - dt.timedelta(days=7), today)


@pytest.mark.parametrize("text", ["25:00", "18", "6pm", "", "12:60", "'; DROP TABLE"])
def test_bad_times(text):
    with pytest.raises(InvalidOption, match="HH:MM"):
        parse_hhmm(text)


def test_zone_parsing():
    assert parse_zone("europe/london").key == "Europe/London"
    with pytest.raises(InvalidOption, match="not a time zone"):
        parse_zone("Mars/Olympus")


ZONES = st.sampled_from(
    [
        "Europe/London",
        "America/New_York",
        "Australia/Sydney",
        "Asia/Kolkata",
        "UTC",
        "America/Santiago",
        "Pacific/Chatham",
    ]
)


@settings(max_examples=400)
@given(
    zone=ZONES | st.timezone_keys(),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    start=st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2030, 1, 1)),
)
def test_property_next_occurrence_is_next_local_match_once_a_day(zone, hour, minute, start):
    tz = ZoneInfo(zone)
    after = start.replace(tzinfo=UTC)
    first = next_occurrence(dt.time(hour, minute), tz, after)
    second = next_occurrence(dt.time(hour, minute), tz, first)
    assert after < first <= after + dt.timedelta(days=2)
    assert local_day(second, tz) > local_day(first, tz)  # never two posts on one local day
    local = first.astimezone(tz)
    if (local.hour, local.minute) != (hour, minute):  # only in a DST gap, shifted forward by it
        assert local.replace(tzinfo=None) > dt.datetime.combine(local.date(), dt.time(hour, minute))
