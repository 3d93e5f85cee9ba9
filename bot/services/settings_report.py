"""What a moderator (or the playground's clock panel) needs to know about a server, in one read.

Settings as chosen, what comes next and when for each thing the bot does on its own (the
countdown past its quiet days, the question of the day, its reveal), and, from the outbox, what the
bot last did for each and whether it is done: sent, found already there, skipped and why, being
retried and why, or given up with the reason. ``/settings show`` and the playground render it; the
reasons are the ones the outbox recorded, so the two never disagree.

Stored reasons are messages (``Text.stored()``): ``/settings show`` renders them in the reading
moderator's language; the playground's clock panel (``upcoming``), like the rest of the page's own
chrome, is in English.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.clock import Clock
from bot.domain.guild import GuildConfig
from bot.domain.outbox import Kind, OutboxRecord
from bot.domain.upcoming import NextCountdownPost, next_countdown_post
from bot.i18n import DEFAULT, render
from bot.i18n.text import from_stored
from bot.services.countdown import CountdownService
from bot.services.lookups import LookupService
from bot.services.outbox import OutboxService
from bot.storage.daily import DailyRepository
from bot.storage.guild_config import GuildConfigRepository


@dataclass(frozen=True, slots=True)
class Upcoming:
    """One thing the bot will do on its own, for the playground's clock panel."""

    feature: str
    at: dt.datetime | None
    note: str


def _english(stored: str | None) -> str:
    """A stored reason (a ``Text`` as JSON, or an older row's plain text) in English, for the playground's panel."""
    reason = from_stored(stored)
    return "" if reason is None else render(reason, DEFAULT)


@dataclass(frozen=True, slots=True)
class SettingsReport:
    config: GuildConfig
    horizon: int
    countdown_next: NextCountdownPost | None
    daily_next_at: dt.datetime | None
    reveal_at: dt.datetime | None  # when the open question is revealed, if it has a window
    open_question_day: dt.date | None  # a question is open (revealed with the next one unless it has a window)
    last: dict[Kind, OutboxRecord | None]
    in_play: list[OutboxRecord]

    def upcoming(self) -> list[Upcoming]:
        """What comes next, feature by feature, with a plain reason where nothing will."""
        config = self.config
        items: list[Upcoming] = []
        if config.countdown_enabled and self.countdown_next is not None:
            nxt = self.countdown_next
            note = render(nxt.about, DEFAULT) + (
                " (the days before are quiet: nothing dated to count down to)" if nxt.quiet_from else ""
            )
            items.append(Upcoming("countdown", nxt.at, note))
        elif config.countdown_disabled_reason:
            items.append(Upcoming("countdown", None, f"off: {_english(config.countdown_disabled_reason)}"))
        else:
            items.append(Upcoming("countdown", None, "not set: /settings countdown-channel"))
        if config.daily_enabled and self.daily_next_at is not None:
            items.append(Upcoming("question of the day", self.daily_next_at, "the next question"))
        elif config.daily_disabled_reason:
            items.append(Upcoming("question of the day", None, f"off: {_english(config.daily_disabled_reason)}"))
        else:
            items.append(Upcoming("question of the day", None, "not set: /settings daily-question"))
        if self.reveal_at is not None:
            items.append(Upcoming("reveal", self.reveal_at, "its answer window closes"))
        elif self.open_question_day is not None and self.daily_next_at is not None:
            items.append(Upcoming("reveal", self.daily_next_at, "revealed with the next question"))
        return items


class SettingsReportService:
    def __init__(
        self,
        config: GuildConfigRepository,
        lookups: LookupService,
        countdown: CountdownService,
        daily: DailyRepository,
        outbox: OutboxService,
        clock: Clock,
    ) -> None:
        self._config = config
        self._lookups = lookups
        self._countdown = countdown
        self._daily = daily
        self._outbox = outbox
        self._clock = clock

    async def report(self, guild_id: int) -> SettingsReport:
        config = await self._config.get(guild_id)
        countdown_next = None
        if config.countdown_enabled and config.countdown_next_post_at and config.countdown_time:
            try:
                countdown_next = next_countdown_post(
                    config.countdown_next_post_at,
                    config.countdown_time,
                    config.countdown_timezone or "UTC",
                    await self._countdown.targets(guild_id),
                    config.countdown_last_nodate_post,
                )
            except (ValueError, KeyError):  # a zone this machine's tzdata no longer has: the planner says why
                countdown_next = None
        open_question = await self._daily.open_question(guild_id)
        return SettingsReport(
            config=config,
            horizon=await self._lookups.horizon(guild_id),
            countdown_next=countdown_next,
            daily_next_at=config.daily_next_post_at if config.daily_enabled else None,
            reveal_at=open_question.closes_at if open_question else None,
            open_question_day=open_question.local_date if open_question else None,
            last={kind: await self._outbox.latest(guild_id, kind) for kind in Kind},
            in_play=await self._outbox.in_play(guild_id),
        )
