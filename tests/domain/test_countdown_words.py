"""The countdown's words are messages: English as before, and each unit a plural of the reader's language."""

from __future__ import annotations

import pytest

from bot.domain.countdown import Milestone, TimeLeft, milestone_headline
from bot.i18n import N_, SUPPORTED, Text, render


@pytest.mark.parametrize(
    ("seconds", "english"),
    [
        (12 * 86_400 + 3 * 3_600, "12 days, 3 hours"),
        (86_400 + 3_600, "1 day, 1 hour"),
        (5 * 3_600 + 2 * 60, "5 hours, 2 minutes"),
        (60, "1 minute"),
        (59, "less than a minute"),
    ],
)
def test_time_left_reads_as_before_in_english(seconds, english):
    described = TimeLeft(seconds).describe()
    assert isinstance(described, Text)
    assert render(described, "en") == english


@pytest.mark.parametrize("locale", SUPPORTED)
def test_each_unit_is_the_languages_plural(locale):
    """However a language joins them, the days and hours are its own plural forms of "{n} day" and "{n} hour"."""
    shown = render(TimeLeft(2 * 86_400 + 3_600).describe(), locale)
    assert render(N_("{n} day", "{n} days", n=2), locale) in shown
    assert render(N_("{n} hour", "{n} hours", n=1), locale) in shown


@pytest.mark.parametrize(
    ("milestone", "days", "english"),
    [
        (Milestone.RELEASE_DAY, 0, "💖 It's here! Season 4 is out today!"),
        (Milestone.ONE_DAY, 1, "🍂 Tomorrow! Season 4 is just one day away."),
        (Milestone.ONE_WEEK, 7, "🌈 One week to go until Season 4!"),
        (Milestone.THIRTY_DAYS, 30, "📅 30 days until Season 4."),
        (Milestone.HUNDRED_DAYS, 100, "💯 100 days until Season 4!"),
        (None, 12, "12 days until Season 4."),
    ],
)
def test_milestone_headlines_read_as_before_in_english(milestone, days, english):
    assert render(milestone_headline(milestone, "Season 4", days), "en") == english
