"""A server's settings as the rules see them (stored by ``bot.storage.guild_config``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GuildConfig:
    """Everything a server chose; a field left ``None`` means "the default"."""

    guild_id: int
    spoiler_season: int | None = None
    countdown_channel_id: int | None = None
    countdown_time: str | None = None
    countdown_timezone: str | None = None
    countdown_enabled: bool = False
    countdown_next_post_at: dt.datetime | None = None
    countdown_disabled_reason: str | None = None
    countdown_last_nodate_post: dt.date | None = None
    trivia_seconds: int | None = None
    trivia_channel_ids: tuple[int, ...] = ()
    daily_channel_id: int | None = None
    daily_time: str | None = None
    daily_timezone: str | None = None
    daily_enabled: bool = False
    daily_next_post_at: dt.datetime | None = None
    daily_disabled_reason: str | None = None
    daily_window_hours: int | None = None
    release_events_enabled: bool = False
    release_events_problem: str | None = None
    language: str | None = None  # None: the server's preferred locale when supported, else English


@dataclass(frozen=True, slots=True)
class DueSchedule:
    """A server's daily countdown that the scheduler found due: every field it needs is set."""

    guild_id: int
    channel_id: int
    time: str
    timezone: str
    due_at: dt.datetime
    last_nodate_post: dt.date | None
    window_hours: int | None = None  # the question of the day's answer window, when set
