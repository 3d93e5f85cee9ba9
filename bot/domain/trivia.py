"""Trivia rules: choosing questions, one locked answer per member, scoring, standings.

Nothing here knows about channels, buttons or SQL. Time comes from an injected clock and
shuffling from an injected ``random.Random``, so every rule is testable to the millisecond.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.domain.models import TriviaQuestion
from bot.errors import UserError
from bot.i18n import _

POINTS_FOR_RIGHT_ANSWER = 10
MAX_SPEED_BONUS = 5
LETTERS = "ABCD"
MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = 5, 120, 20
MIN_QUESTIONS, MAX_QUESTIONS, DEFAULT_QUESTIONS = 1, 20, 10
PAUSE_BETWEEN_QUESTIONS = dt.timedelta(seconds=4)


class AlreadyAnswered(UserError):
    def __init__(self, letter: str) -> None:
        # TRANSLATORS: {letter} is the answer's letter on its button (A, B, C or D)
        super().__init__(_("You're already locked in: **{letter}**. One answer per question!", letter=letter))
        self.letter = letter


class QuestionClosed(UserError):
    def __init__(self) -> None:
        super().__init__(_("Too late, this question has closed. Get ready for the next one!"))


def speed_bonus(opened_at: dt.datetime, closes_at: dt.datetime, answered_at: dt.datetime) -> int:
    """Up to 5 extra points, in proportion to the time left when the answer came in."""
    window = (closes_at - opened_at).total_seconds()
    if window <= 0:
        return 0
    left = (closes_at - answered_at).total_seconds() / window
    # Half-up rounding: Python's round() would send 4.5 down to 4.
    return max(0, min(MAX_SPEED_BONUS, math.floor(left * MAX_SPEED_BONUS + 0.5)))


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    number: int
    question: TriviaQuestion
    options: tuple[str, ...]
    correct_index: int
    opened_at: dt.datetime
    closes_at: dt.datetime

    @property
    def correct_letter(self) -> str:
        return LETTERS[self.correct_index]


@dataclass(frozen=True, slots=True)
class Answer:
    user_id: int
    option: int
    at: dt.datetime
    correct: bool
    points: int


@dataclass(frozen=True, slots=True)
class QuestionResult:
    asked: AskedQuestion
    answers: tuple[Answer, ...]

    @property
    def counts(self) -> tuple[int, ...]:
        return tuple(sum(1 for a in self.answers if a.option == i) for i in range(len(self.asked.options)))

    @property
    def right(self) -> tuple[Answer, ...]:
        """Right answers, fastest first."""
        return tuple(sorted((a for a in self.answers if a.correct), key=lambda a: (a.at, a.user_id)))


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    user_id: int
    points: int
    correct: int


def tie_order(user_id: int, points: int, correct: int) -> tuple[int, int, int]:
    """The one ranking rule: more points, then more right answers, then the lower user id.

    A lower Discord id is an older account (ids grow with time), which is what the leaderboard
    footer tells members; the leaderboard's SQL orders by the same three keys.
    """
    return (-points, -correct, user_id)


def rank_totals(totals: Iterable[tuple[int, int, int]]) -> list[Standing]:
    """(user id, points, right answers) ranked by ``tie_order``; equal on both share a rank (1, 1, 3)."""
    table: list[Standing] = []
    for position, (uid, points, correct) in enumerate(sorted(totals, key=lambda t: tie_order(*t)), start=1):
        previous = table[-1] if table else None
        same = previous is not None and previous.points == points and previous.correct == correct
        table.append(Standing(previous.rank if previous is not None and same else position, uid, points, correct))
    return table


def standings(results: Iterable[QuestionResult]) -> list[Standing]:
    """Final standings of a game from its revealed questions (see ``rank_totals``)."""
    points: dict[int, int] = {}
    correct: dict[int, int] = {}
    for result in results:
        for answer in result.answers:
            points[answer.user_id] = points.get(answer.user_id, 0) + answer.points
            correct[answer.user_id] = correct.get(answer.user_id, 0) + int(answer.correct)
    return rank_totals((uid, points[uid], correct[uid]) for uid in points)


@dataclass(frozen=True, slots=True)
class PlayerScore:
    """One member's totals on one server."""

    user_id: int
    points: int
    answered: int
    correct: int
    games: int
    wins: int
    best_streak: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class RankedScore:
    """A member's totals and their 1-based place on the server's leaderboard."""

    rank: int
    score: PlayerScore


@dataclass(frozen=True, slots=True)
class GameRecord:
    """A game as stored: what start-up needs to close one a crash left running."""

    id: int
    guild_id: int
    channel_id: int
    starter_id: int
    pack_id: str
    total_questions: int
    revealed: int
    current_message_id: int | None
    current_number: int
    status: str
    started_at: dt.datetime | None = None

    @property
    def message_shows_open_question(self) -> bool:
        """True when the last recorded message is a question that was never revealed."""
        return self.current_message_id is not None and self.current_number > self.revealed


def pick_questions(
    questions: Sequence[TriviaQuestion], *, seen: set[str], horizon: int, count: int, rng: random.Random
) -> tuple[list[TriviaQuestion], bool]:
    """Questions for a game: unseen ones first; returns (questions, whether the pack cycle restarts).

    Only questions within the spoiler horizon are eligible. When fewer unseen questions remain
    than asked for, the server has seen the whole pack: the cycle restarts and the rest is topped
    up from questions seen before (never repeating one within a game).
    """
    eligible = [q for q in questions if q.season <= horizon]
    unseen = [q for q in eligible if q.id not in seen]
    rng.shuffle(unseen)
    if len(unseen) >= count:
        return unseen[:count], False
    again = [q for q in eligible if q.id in seen]
    rng.shuffle(again)
    return unseen + again[: count - len(unseen)], bool(again)


@dataclass
class TriviaGame:
    """One game in one channel: ask, lock answers, close, score."""

    questions: Sequence[TriviaQuestion]
    seconds: int
    clock: Clock
    rng: random.Random
    results: list[QuestionResult] = field(default_factory=list)
    current: AskedQuestion | None = None
    _answers: dict[int, Answer] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.questions)

    @property
    def asked(self) -> int:
        return len(self.results) + (1 if self.current else 0)

    @property
    def has_next(self) -> bool:
        return self.current is None and len(self.results) < self.total

    def open_next(self) -> AskedQuestion:
        if not self.has_next:
            raise RuntimeError("no question to open")
        question = self.questions[len(self.results)]
        options = list(question.options)
        if question.true_false:
            options = ["True", "False"]  # a fixed order reads naturally
        else:
            self.rng.shuffle(options)
        now = self.clock.now()
        self.current = AskedQuestion(
            number=len(self.results) + 1,
            question=question,
            options=tuple(options),
            correct_index=options.index(question.answer),
            opened_at=now,
            closes_at=now + dt.timedelta(seconds=self.seconds),
        )
        self._answers = {}
        return self.current

    def answer(self, user_id: int, question_number: int, option: int) -> Answer:
        """Lock in one member's answer; raises AlreadyAnswered or QuestionClosed."""
        now = self.clock.now()
        current = self.current
        if current is None or current.number != question_number or now >= current.closes_at:
            raise QuestionClosed
        if not 0 <= option < len(current.options):
            raise QuestionClosed
        if user_id in self._answers:
            raise AlreadyAnswered(LETTERS[self._answers[user_id].option])
        correct = option == current.correct_index
        points = POINTS_FOR_RIGHT_ANSWER + speed_bonus(current.opened_at, current.closes_at, now) if correct else 0
        answer = Answer(user_id, option, now, correct, points)
        self._answers[user_id] = answer
        return answer

    def close(self) -> QuestionResult:
        """Close the open question and return its result (answers in arrival order)."""
        if self.current is None:
            raise RuntimeError("no open question")
        result = QuestionResult(self.current, tuple(self._answers.values()))
        self.results.append(result)
        self.current = None
        self._answers = {}
        return result

    def discard_current(self) -> AskedQuestion | None:
        """Drop the open question unscored (the game was stopped before it closed)."""
        current, self.current, self._answers = self.current, None, {}
        return current

    def standings(self) -> list[Standing]:
        return standings(self.results)
