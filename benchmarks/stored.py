"""What the stand-in stored, counted the way a member would see it: posts delivered, and posts there twice.

Shared by the broadcast benchmarks and ``benchmarks.reconcile``. Works against the stand-in of any
version of the bot (it reads only ``fake.messages`` and each message's ``channel_id``, ``author``,
``nonce``, ``content``, ``embeds`` and ``components``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Stored:
    delivered: int  # bot messages stored
    by_nonce: int  # extra messages sharing (channel, nonce) with an earlier one
    by_content: int  # extra messages in a channel that read exactly like an earlier one there
    most_in_a_channel: int


def signature(message: dict[str, Any]) -> str:
    """What a member reads: text, embeds (their timestamp marks the post's day) and the buttons' ids."""
    buttons = [c.get("custom_id") for row in message.get("components") or [] for c in row.get("components", [])]
    return json.dumps([message.get("content") or "", message.get("embeds") or [], buttons], sort_keys=True)


def doubles(messages: Iterable[dict[str, Any]], bot_id: str | int) -> Stored:
    mine = [m for m in messages if str(m["author"]["id"]) == str(bot_id)]
    nonces = Counter((m["channel_id"], str(m["nonce"])) for m in mine if m.get("nonce") not in (None, ""))
    contents = Counter((m["channel_id"], signature(m)) for m in mine)
    per_channel = Counter(m["channel_id"] for m in mine)
    return Stored(
        len(mine),
        sum(n - 1 for n in nonces.values()),
        sum(n - 1 for n in contents.values()),
        max(per_channel.values(), default=0),
    )


async def wait_for_posts(fake: Any, before: set[int], expected: int, *, timeout: float) -> None:
    """Until ``expected`` messages have been stored since ``before`` (a cheap poll: the stand-in's own
    ``wait_for`` re-scans every recorded request on every request, which at 20,000 requests costs
    the shared event loop more than the bot does)."""
    deadline = time.monotonic() + timeout
    while len(fake.messages) - len(before) < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(fake.messages) - len(before)} of {expected} posts after {timeout:.0f} s")
        await asyncio.sleep(0.02)
