"""Trivia rules with a fixed clock and a seeded RNG."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from bot.domain.models import Difficulty, TriviaQuestion
from bot.domain.trivia import (
    AlreadyAnswered,
    QuestionClosed,
    TriviaGame,
    pick_questions,
    speed_bonus,
)
from tests.clocks import ManualClock

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def q(i: int, season: int = 1) -> TriviaQuestion:
    return TriviaQuestion(f"q{i}", f"Question {i}?", f"right{i}", ("w1", "w2", "w3"), season, Difficulty.EASY, "seed")


@pytest.mark.parametrize(("after", "bonus"), [(0, 5), (2, 5), (10, 3), (15, 1), (19, 0), (20, 0), (30, 0)])
def test_speed_bonus(after, bonus):
    assert speed_bonus(T0, T0 + dt.timedelta(seconds=20), T0 + dt.timedelta(seconds=after)) == bonus


async def test_answer_lock_score_close_and_standings():
    clock = ManualClock(T0)
    game = TriviaGame([q(1), q(2)], 20, clock, random.Random(1))
    asked = game.open_next()
    right, wrong = asked.correct_index, (asked.correct_index + 1) % 4
    assert game.answer(1, 1, right).points == 15
    await clock.advance(10)
    assert game.answer(2, 1, right).points == 13
    assert game.answer(3, 1, wrong).points == 0
    with pytest.raises(AlreadyAnswered):
        game.answer(3, 1, right)
    with pytest.raises(QuestionClosed):
        game.answer(4, 2, right)  # wrong question number (an old button)
    await clock.advance(10)
    with pytest.raises(QuestionClosed):
        game.answer(4, 1, right)  # late click
    result = game.close()
    assert result.counts[right] == 2 and [a.user_id for a in result.right] == [1, 2]
    game.open_next()
    game.close()
    table = game.standings()
    assert [(s.rank, s.user_id) for s in table] == [(1, 1), (2, 2), (3, 3)]


def test_ties_share_rank_and_order_by_user_id():
    clock = ManualClock(T0)
    game = TriviaGame([q(1)], 20, clock, random.Random(1))
    asked = game.open_next()
    game.answer(9, 1, asked.correct_index)
    game.answer(5, 1, asked.correct_index)
    game.close()
    assert [(s.rank, s.user_id) for s in game.standings()] == [(1, 5), (1, 9)]


def test_rotation_prefers_unseen_and_respects_spoilers():
    questions = [q(i, season=1 + i % 3) for i in range(9)]
    rng = random.Random(3)
    chosen, restart = pick_questions(questions, seen=set(), horizon=1, count=10, rng=rng)
    assert {c.season for c in chosen} == {1} and not restart
    seen = {c.id for c in questions if c.season <= 2}
    chosen, restart = pick_questions(questions, seen=seen - {"q1"}, horizon=2, count=3, rng=rng)
    assert chosen[0].id == "q1" and restart and len({c.id for c in chosen}) == 3
