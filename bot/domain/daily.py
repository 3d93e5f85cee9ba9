"""The question of the day: streak arithmetic, and who was right.

A daily streak counts consecutive *questions of the day* answered right. Days are the server's
local dates, so a DST change never splits or merges a day; a day the bot did not post (it was
down past the grace window) breaks nobody's streak, because the streak continues from the
previous question that was actually asked, not from the previous calendar day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Streak:
    current: int = 0
    best: int = 0
    last_correct: dt.date | None = None
    days_answered: int = 0
    days_right: int = 0


def after_answer(streak: Streak, *, question: dt.date, previous_question: dt.date | None, correct: bool) -> Streak:
    """The streak once the question of ``question`` (asked after ``previous_question``) is revealed."""
    if not correct:
        return Streak(0, streak.best, streak.last_correct, streak.days_answered + 1, streak.days_right)
    continues = streak.last_correct is not None and streak.last_correct == previous_question
    current = streak.current + 1 if continues else 1
    return Streak(current, max(streak.best, current), question, streak.days_answered + 1, streak.days_right + 1)


def current_streak(streak: Streak, latest_revealed: dt.date | None) -> int:
    """What a member's streak is today: it only stands if they got the latest revealed question right."""
    return streak.current if streak.last_correct is not None and streak.last_correct == latest_revealed else 0


@dataclass(frozen=True, slots=True)
class DailyQuestion:
    """A day's question as asked: which one, in which button order, and where it was posted."""

    guild_id: int
    local_date: dt.date
    pack_id: str
    question_id: str
    options: tuple[str, ...]
    correct_index: int
    channel_id: int
    message_id: int | None
    status: str
    closes_at: dt.datetime | None = None  # None: open until the next question is posted


@dataclass(frozen=True, slots=True)
class DailyReveal:
    """A closed question: how many picked each option and how many were right."""

    question: DailyQuestion
    counts: tuple[int, ...]
    right: int
    answered: int
