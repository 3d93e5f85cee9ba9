"""Snowflakes as Discord makes them: the creation time in the high bits, on the stand-in's clock.

Discord's ids are ``(milliseconds since 2015-01-01) << 22`` plus worker, process and counter bits,
so ids sort by time and a time can stand for an id: ``GET /channels/{id}/messages?after=<id>``
with ``snowflake_at(when)`` lists what was posted after ``when`` (discord.py's
``utils.time_snowflake`` does the same sum). The stand-in's ids follow *its* clock (``LocalDiscord.clock``,
a test's manual clock or the playground's fast one), so a test can ask for "the messages after the
claim" in the bot's own time.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

DISCORD_EPOCH_MS = 1_420_070_400_000
_LOW_BITS = 22
_COUNTER = 0xFFF  # 12 bits of per-millisecond counter, as Discord's increment
_WORKER_SHIFT = 17
WORKER = 1  # messages, channels, interactions...: one lane
GUILD_WORKER = 2  # guild ids: another lane, so the two never collide within a millisecond
LOOSE_WORKER = 3  # ids made outside any stand-in (builders.snowflake)


def _unix_ms(when: float | dt.datetime) -> int:
    if isinstance(when, dt.datetime):
        aware = when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
        return int(aware.timestamp() * 1000)
    return int(when * 1000)


def snowflake_at(when: float | dt.datetime, *, high: bool = False) -> int:
    """The smallest id Discord could have made at ``when`` (Unix seconds or a datetime; naive means UTC).

    ``high=True`` gives the largest id of that millisecond. For history, ``after=snowflake_at(t)``
    lists what was made at or after ``t``, ``before=snowflake_at(t)`` what was made before it.
    """
    ms = max(0, _unix_ms(when) - DISCORD_EPOCH_MS)
    return (ms << _LOW_BITS) | ((1 << _LOW_BITS) - 1 if high else 0)


def time_of(snowflake: int) -> dt.datetime:
    """When a snowflake was made (UTC), to the millisecond."""
    return dt.datetime.fromtimestamp(((snowflake >> _LOW_BITS) + DISCORD_EPOCH_MS) / 1000, dt.UTC)


class Snowflakes:
    """One world's ids: unique, never decreasing, each carrying the time of ``now()`` when it was made.

    ``next()`` stays on the clock's millisecond and counts within it (as Discord does), so message
    ids say when the message was posted. ``spread()`` is for guild ids: each takes a millisecond of
    its own, 1 to 3 after the last (not a fixed step, which would put every guild on one shard), so
    guilds made in a burst spread over shards the way ``(guild_id >> 22) % shard_count`` spreads
    Discord's. Guild ids live in their own lane (worker bits), so they never push message ids ahead
    of the clock.
    """

    def __init__(self, now: Callable[[], dt.datetime], *, seed: int = 0, worker: int = WORKER) -> None:
        self._now = now
        self._worker = worker
        self._last_ms = 0
        self._counter = 0
        self._guild_ms = 0
        self._guild_counter = 0
        self._jitter = random.Random(seed)

    def _clock_ms(self) -> int:
        return _unix_ms(self._now()) - DISCORD_EPOCH_MS

    def next(self) -> int:
        ms = max(self._clock_ms(), self._last_ms)
        if ms == self._last_ms:
            self._counter += 1
            if self._counter > _COUNTER:  # 4,096 ids in one millisecond: borrow the next one
                ms, self._counter = ms + 1, 0
        else:
            self._counter = 0
        self._last_ms = ms
        return (ms << _LOW_BITS) | (self._worker << _WORKER_SHIFT) | self._counter

    def spread(self) -> int:
        self._guild_ms = max(self._clock_ms(), self._guild_ms + 1 + self._jitter.randrange(3))
        self._guild_counter = (self._guild_counter + 1) & _COUNTER
        return (self._guild_ms << _LOW_BITS) | (GUILD_WORKER << _WORKER_SHIFT) | self._guild_counter
