"""Daily streak arithmetic: consecutive questions of the day answered right."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.daily import Streak, after_answer, current_streak

D = dt.date


@pytest.mark.parametrize(
    ("before", "question", "previous", "correct", "after"),
    [
        # first ever answer, right
        (Streak(), D(2026, 12, 1), None, True, Streak(1, 1, D(2026, 12, 1), 1, 1)),
        # right again the next day: the streak grows
        (Streak(1, 1, D(2026, 12, 1), 1, 1), D(2026, 12, 2), D(2026, 12, 1), True, Streak(2, 2, D(2026, 12, 2), 2, 2)),
        # missed a day (no answer to the 2nd's question): starts again at 1, best kept
        (Streak(3, 3, D(2026, 12, 1), 3, 3), D(2026, 12, 3), D(2026, 12, 2), True, Streak(1, 3, D(2026, 12, 3), 4, 4)),
        # wrong: back to 0, best kept, the last right day kept
        (Streak(2, 5, D(2026, 12, 2), 6, 5), D(2026, 12, 3), D(2026, 12, 2), False, Streak(0, 5, D(2026, 12, 2), 7, 5)),
        # the bot was down on the 2nd (no question asked): the 1st's streak carries over to the 3rd
        (Streak(4, 4, D(2026, 12, 1), 4, 4), D(2026, 12, 3), D(2026, 12, 1), True, Streak(5, 5, D(2026, 12, 3), 5, 5)),
        # across the autumn clock change (Europe/London, 25 Oct 2026): local dates, one day apart
        (
            Streak(1, 1, D(2026, 10, 24), 1, 1),
            D(2026, 10, 25),
            D(2026, 10, 24),
            True,
            Streak(2, 2, D(2026, 10, 25), 2, 2),
        ),
        # across the spring change (29 Mar 2026): the short day is still one day
        (Streak(7, 7, D(2026, 3, 28), 9, 8), D(2026, 3, 29), D(2026, 3, 28), True, Streak(8, 8, D(2026, 3, 29), 10, 9)),
    ],
)
def test_streak_after_a_revealed_question(before, question, previous, correct, after):
    assert after_answer(before, question=question, previous_question=previous, correct=correct) == after


@pytest.mark.parametrize(
    ("streak", "latest", "shown"),
    [
        (Streak(3, 5, D(2026, 12, 3)), D(2026, 12, 3), 3),  # right on the latest question: it stands
        (Streak(3, 5, D(2026, 12, 3)), D(2026, 12, 4), 0),  # did not answer the latest one: broken
        (Streak(), None, 0),
    ],
)
def test_a_streak_stands_only_while_the_latest_question_was_right(streak, latest, shown):
    assert current_streak(streak, latest) == shown
