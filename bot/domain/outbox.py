"""The outbox's rules: what the bot does on its own, how an attempt can end, when to try again.

Every side effect the bot starts by itself (a countdown post, the question of the day, its reveal,
a recovered game's notice, a scheduled event made, moved or removed) is first written down as a
row: unique per (kind, server, key), so it can be planned only once. One executor attempts it,
under a lease on the database's clock; an attempt ends in one of three ways:

- ``Done``: it happened (sent now, or *adopted*: found already done at Discord, or skipped on
  purpose), with Discord's id when there is one;
- ``Retry``: it did not happen, or we cannot tell (a timeout after Discord may have stored it);
  the next attempt comes after a backoff, and an attempt whose outcome is *unknown* is reconciled
  against Discord first when Discord may no longer recognise the retry as the same request;
- ``Abandon``: it never will (the channel is gone, the day is over), with the reason moderators see.

A reason is a ``bot.i18n.Text`` (stored as JSON, shown later in the reading moderator's language) or,
for a row kept before reasons were translated, the plain English it was stored as.

Pure rules only: no I/O, no discord; times are given by the caller.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from bot.i18n import Text


class Kind(StrEnum):
    COUNTDOWN = "countdown"
    DAILY_QUESTION = "daily-question"
    DAILY_REVEAL = "daily-reveal"
    TRIVIA_NOTICE = "trivia-notice"
    SCHEDULED_EVENT = "scheduled-event"


class State(StrEnum):
    PLANNED = "planned"
    ATTEMPTING = "attempting"
    DONE = "done"
    ABANDONED = "abandoned"


# What the last attempt of a row still in play left behind.
UNKNOWN = "unknown"  # it may have reached Discord (a timeout, a 5xx, a crash mid-attempt)
UNSENT = "unsent"  # it certainly did not (refused before sending, a 429, a connection refused)

LEASE = dt.timedelta(seconds=60)  # longer than one attempt with its retries; on the database's clock
FIRST_RETRY = dt.timedelta(seconds=30)
MAX_RETRY = dt.timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Planned:
    """A side effect to do, as the planner writes it down."""

    kind: Kind
    guild_id: int
    key: str
    payload: Mapping[str, Any]
    due_at: dt.datetime
    channel_id: int | None = None

    def payload_text(self) -> str:
        return json.dumps(self.payload, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Delivery:
    """A row claimed for one attempt: everything the kind's executor needs, and what came before."""

    kind: Kind
    guild_id: int
    key: str
    payload: Mapping[str, Any]
    due_at: dt.datetime
    version: int
    attempts: int  # including this one
    first_attempt_at: dt.datetime  # on the database's clock
    claimed_at: dt.datetime  # on the database's clock, when this attempt took the lease
    last_result: str | None  # UNKNOWN / UNSENT from the previous attempt; None on the first
    channel_id: int | None = None
    discord_id: int | None = None

    @property
    def outcome_unknown(self) -> bool:
        """A previous attempt may have reached Discord: look before doing it again."""
        return self.attempts > 1 and self.last_result != UNSENT

    def past_nonce_window(self, window: dt.timedelta) -> bool:
        """Discord deduplicates a nonce only "in the past few minutes": is the first attempt older than that?"""
        return self.claimed_at - self.first_attempt_at >= window

    def must_reconcile(self, nonce_window: dt.timedelta) -> bool:
        """Before a resend that Discord could no longer recognise as the same post: check what is there."""
        return self.outcome_unknown and self.past_nonce_window(nonce_window)


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """What the bot did (or means to do) for a server, as ``/settings show`` and ``/about`` tell it."""

    kind: Kind
    guild_id: int
    key: str
    state: State
    attempts: int
    due_at: dt.datetime
    first_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    outcome: str | None
    reason: Text | str | None  # ``from_stored``: a Text to render in the reader's language, or an older row's str
    channel_id: int | None
    discord_id: int | None
    updated_at: dt.datetime


Completion = Callable[[Any], Awaitable[None]]  # given the open transaction (a ``Queryable``)


@dataclass(frozen=True, slots=True)
class Done:
    how: Literal["sent", "adopted", "skipped"]
    discord_id: int | None = None
    complete: Completion | None = field(default=None, compare=False)  # writes in the same transaction


@dataclass(frozen=True, slots=True)
class Retry:
    reason: Text | str
    unknown: bool = True  # False only when the attempt certainly never reached Discord


@dataclass(frozen=True, slots=True)
class Abandon:
    reason: Text | str
    complete: Completion | None = field(default=None, compare=False)


Outcome = Done | Retry | Abandon


def backoff(attempts: int) -> dt.timedelta:
    """30 s after the first failure, doubling, at most 30 minutes apart."""
    seconds = FIRST_RETRY.total_seconds() * 2 ** max(0, attempts - 1)
    return min(dt.timedelta(seconds=seconds), MAX_RETRY)


def give_up(due_at: dt.datetime, now: dt.datetime, patience: dt.timedelta) -> bool:
    """Past its usefulness: a daily post after its grace window, an event change after days."""
    return now - due_at > patience
