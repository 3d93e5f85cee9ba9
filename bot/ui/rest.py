"""A deadline for the REST calls the bot makes on its own: countdown posts, trivia questions and reveals.

discord.py retries 429s and 5xx answers itself but waits as long as aiohttp lets it (minutes) on
a request Discord never answers. A game or a broadcast must not hang on one such request: after
``REST_TIMEOUT`` the call raises ``TimeoutError`` and the caller decides (a countdown post is
retried later with the same nonce, so Discord still shows it once; a reveal is skipped, its
points being saved already).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")

REST_TIMEOUT = 20.0  # seconds; long enough for discord.py's own 429/5xx retries


async def within(call: Awaitable[T]) -> T:
    return await asyncio.wait_for(call, REST_TIMEOUT)
