"""Releases and server events as Discord Guild Scheduled Events, kept in step with the countdown.

A server that turns this on gets an external event (location "Netflix") for every dated upcoming
release and every server event from ``/event add``, so members see it in the server's event list
and can click "Interested". The service works out what Discord should show (``EventSync``); the
cog makes it so. Only events the bot made are ever edited or deleted, and they are remembered, so
a restart never makes a second one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.clock import Clock
from bot.domain.countdown import Target
from bot.domain.guild import GuildConfig
from bot.services.countdown import CountdownService
from bot.storage.guild_config import GuildConfigRepository
from bot.storage.release_events import MadeEvent, ReleaseEventRepository

LOCATION = "Netflix"
TIMED_LENGTH = dt.timedelta(hours=2)  # a release at a set time: a two-hour event from that time
DAY_LENGTH = dt.timedelta(days=1)  # a release day: the whole day
MAX_NAME, MAX_DESCRIPTION = 100, 1000


@dataclass(frozen=True, slots=True)
class WantedEvent:
    key: str
    name: str
    start: dt.datetime
    end: dt.datetime
    description: str


@dataclass(frozen=True, slots=True)
class EventSync:
    create: list[WantedEvent]
    update: list[tuple[MadeEvent, WantedEvent]]
    delete: list[MadeEvent]

    @property
    def empty(self) -> bool:
        return not (self.create or self.update or self.delete)


def wanted_event(target: Target) -> WantedEvent | None:
    if target.instant is None:
        return None
    note = target.note if not target.is_event else "A countdown event from this server (/event list)."
    return WantedEvent(
        key=target.key,
        name=target.name[:MAX_NAME],
        start=target.instant,
        end=target.instant + (TIMED_LENGTH if target.has_time else DAY_LENGTH),
        description=f"{note}\nCounting down with /countdown.".strip()[:MAX_DESCRIPTION],
    )


class ReleaseEventService:
    def __init__(
        self, countdown: CountdownService, repo: ReleaseEventRepository, config: GuildConfigRepository, clock: Clock
    ) -> None:
        self._countdown = countdown
        self._repo = repo
        self._config = config
        self._clock = clock

    async def set_enabled(self, guild_id: int, enabled: bool) -> GuildConfig:
        """Turn it on or off; either way a past problem is cleared, so the next sync tries again."""
        return await self._config.update(
            guild_id,
            lambda _: {"release_events_enabled": enabled, "release_events_problem": None},
            self._clock.now(),
        )

    async def report_problem(self, guild_id: int, problem: str | None) -> None:
        """Remember why syncing stopped; nothing is retried until a moderator turns it on again."""
        await self._config.update(guild_id, lambda _: {"release_events_problem": problem}, self._clock.now())

    async def guilds_to_sync(self) -> list[int]:
        return await self._repo.enabled_guilds()

    async def plan(self, guild_id: int) -> EventSync:
        """What to create, update and delete so Discord shows exactly the upcoming dated targets."""
        config = await self._config.get(guild_id)
        now = self._clock.now()
        wanted: dict[str, WantedEvent] = {}
        if config.release_events_enabled:
            for target in await self._countdown.targets(guild_id):
                event = wanted_event(target)
                if event is not None and event.start > now:
                    wanted[event.key] = event
        made = {m.target_key: m for m in await self._repo.made(guild_id)}
        return EventSync(
            create=[w for k, w in wanted.items() if k not in made],
            update=[
                (made[k], w)
                for k, w in wanted.items()
                if k in made and (made[k].starts_at, made[k].name) != (w.start, w.name)
            ],
            delete=[m for k, m in made.items() if k not in wanted],
        )

    async def remember(self, guild_id: int, event: WantedEvent, discord_event_id: int) -> None:
        await self._repo.remember(guild_id, MadeEvent(event.key, discord_event_id, event.name, event.start))

    async def forget(self, guild_id: int, target_key: str) -> None:
        await self._repo.forget(guild_id, target_key)
