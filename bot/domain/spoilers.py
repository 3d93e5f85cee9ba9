"""The spoiler horizon: the newest season a server has watched, and how later details are shown."""

from __future__ import annotations

import re


def effective_horizon(configured: int | None, released_seasons: int) -> int:
    """A server's horizon; by default every released season."""
    return released_seasons if configured is None else configured


def is_spoiler(detail_season: int, horizon: int) -> bool:
    return detail_season > horizon


def tag(text: str) -> str:
    """Wrap text in Discord spoiler bars, so that nothing inside can close them early.

    Every ``|`` followed by another is parted from it (``a|||b`` → ``a| | |b``: no ``||`` is left, where
    replacing ``||`` once would have left one), and a bar at either end is kept off the wrapper's own.
    """
    inner = re.sub(r"\|(?=\|)", "| ", text)
    if inner.startswith("|"):
        inner = " " + inner
    if inner.endswith("|"):
        inner += " "
    return f"||{inner}||"


def shown(text: str, detail_season: int, horizon: int) -> str:
    """Text as a server at ``horizon`` should see it."""
    return tag(text) if is_spoiler(detail_season, horizon) else text
