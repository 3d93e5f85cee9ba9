"""Spoiler bars that nothing inside can close early."""

from __future__ import annotations

import pytest

from bot.domain.spoilers import tag


@pytest.mark.parametrize("text", ["a|||b", "a||b", "|x|", "||x||", "x|", "|", "||||", "plain"])
def test_nothing_inside_closes_the_bars(text: str) -> None:
    tagged = tag(text)
    assert tagged.startswith("||") and tagged.endswith("||")
    inner = tagged[2:-2]
    assert "||" not in inner and not inner.startswith("|") and not inner.endswith("|")
    assert inner.replace(" ", "") == text.replace(" ", "")  # only spaces added: nothing lost
