"""Releases and server events as Discord Guild Scheduled Events, kept in step with the countdown.

A server that turns this on gets an external event (location "Netflix") for every dated upcoming
release and every server event from ``/event add``, so members see it in the server's event list
and can click "Interested". The service works out what Discord should show (``EventSync``); the
cog makes it so. Only events the bot made are ever edited or deleted, and they are remembered, so
a restart never makes a second one.

An event's description is in the server's language. The plan holds none of the bot's sentences, only
what to say (a release's id in the key, with its English note as a fallback, or that it is a server's
own event): the cog, sending it, writes the description in the server's language of that moment
(``event_description``), as the daily countdown post does. So a row planned before a language change
still goes out in the new language, and the planner needs neither Discord's cache (a server's
preferred locale) nor the language settings. Names stay as they are (a release's title, an event as
a moderator typed it). A language change is not a change the plan can see (names and start times
are the same), so ``relocalize`` has every event the bot made there rewritten once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.clock import Clock
from bot.domain.countdown import Target
from bot.domain.guild import GuildConfig
from bot.domain.outbox import Completion, Delivery, Kind, Planned
from bot.i18n import Text, _
from bot.services.countdown import CountdownService
from bot.services.outbox import OutboxService
from bot.storage.base import Queryable
from bot.storage.guild_config import GuildConfigRepository
from bot.storage.release_events import MadeEvent, ReleaseEventRepository

log = logging.getLogger(__name__)

LOCATION = "Netflix"
TIMED_LENGTH = dt.timedelta(hours=2)  # a release at a set time: a two-hour event from that time
DAY_LENGTH = dt.timedelta(days=1)  # a release day: the whole day
MAX_NAME, MAX_DESCRIPTION = 100, 1000


@dataclass(frozen=True, slots=True)
class WantedEvent:
    key: str  # the target's: ``release:<id>`` or ``event:<name key>``
    name: str
    start: dt.datetime
    end: dt.datetime
    note: str  # a release's English note ("" for a server's event); shown in the server's language
    is_event: bool = False
    legacy_description: str | None = None  # a row planned before descriptions were translated


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
    return WantedEvent(
        key=target.key,
        name=target.name[:MAX_NAME],
        start=target.instant,
        end=target.instant + (TIMED_LENGTH if target.has_time else DAY_LENGTH),
        note=target.note,
        is_event=target.is_event,
    )


def event_description(event: WantedEvent, note: str) -> Text:
    """What the event says, to render in the server's language; ``note`` is the release's note in it."""
    if event.is_event:
        # TRANSLATORS: a Discord scheduled event's description; /event list and /countdown are commands
        return _("A countdown event from this server (/event list).\nCounting down with /countdown.")
    # TRANSLATORS: a Discord scheduled event's description; {note} says what the release is
    return _("{note}\nCounting down with /countdown.", note=note)


class ReleaseEventService:
    """Works out what each server's event list should show and plans the changes as outbox rows.

    A planner for the bot's one scheduler: servers marked out of step (a moderator turned the
    feature on or off, or added or removed an event; every server with events once at start-up)
    are planned on this process's shards only, so two processes never create one release twice.
    """

    name = "release-events"

    def __init__(
        self,
        countdown: CountdownService,
        repo: ReleaseEventRepository,
        config: GuildConfigRepository,
        clock: Clock,
        outbox: OutboxService,
    ) -> None:
        self._countdown = countdown
        self._repo = repo
        self._config = config
        self._clock = clock
        self._outbox = outbox
        self._swept = False
        self.wake: Callable[[], None] = lambda: None  # the scheduler's, once it runs

    async def set_enabled(self, guild_id: int, enabled: bool) -> GuildConfig:
        """Turn it on or off; either way a past problem is cleared, so the next sync tries again."""
        config = await self._config.update(
            guild_id,
            lambda _: {"release_events_enabled": enabled, "release_events_problem": None},
            self._clock.now(),
        )
        await self.changed(guild_id)
        return config

    async def changed(self, guild_id: int) -> None:
        """Releases or events of a server changed: bring its event list in step soon."""
        await self._repo.mark_dirty(guild_id)
        self.wake()

    async def relocalize(self, guild_id: int) -> None:
        """The server's language changed: have every event the bot made there rewritten in the new one.

        The mark is stored with the server (``release_events_dirty``), so a restart before the next pass
        still rewrites them."""
        await self._repo.mark_dirty(guild_id, rewrite=True)
        self.wake()

    async def report_problem(self, guild_id: int, problem: Text | str | None) -> None:
        """Remember why syncing stopped; nothing is retried until a moderator turns it on again. A message is
        kept as ``Text.stored()``, for ``/settings show`` to render in the moderator's language."""
        stored = problem.stored() if isinstance(problem, Text) else problem
        await self._config.update(guild_id, lambda _current: {"release_events_problem": stored}, self._clock.now())

    # --- planning ---------------------------------------------------------------------------------
    async def next_due_at(self) -> dt.datetime | None:
        return None  # planned on change (and the scheduler wakes for it)

    async def plan(self) -> None:
        if not self._swept:  # start-up: every server with events on (or made) is looked at once
            await self._repo.mark_all_dirty()
            self._swept = True
        while guilds := await self._repo.dirty_guilds():
            for guild_id, rewrite in guilds:
                try:
                    await self._plan_guild(guild_id, rewrite=rewrite)
                except Exception:
                    log.exception("planning scheduled events for guild %s failed", guild_id)
                    await self._repo.plan_sync(guild_id, [], self._clock.now())  # not again until it changes
            if len(guilds) < 500:
                return

    async def _plan_guild(self, guild_id: int, *, rewrite: bool) -> None:
        sync = await self.sync_plan(guild_id, rewrite=rewrite)
        now = self._clock.now()
        changes = [Planned(Kind.SCHEDULED_EVENT, guild_id, w.key, _upsert(w), now) for w in sync.create] + [
            Planned(Kind.SCHEDULED_EVENT, guild_id, w.key, _upsert(w), now) for _, w in sync.update
        ]
        changes += [Planned(Kind.SCHEDULED_EVENT, guild_id, m.target_key, {"op": "delete"}, now) for m in sync.delete]
        await self._repo.plan_sync(guild_id, changes, now)
        if changes:
            self._outbox.wake()

    async def sync_plan(self, guild_id: int, *, rewrite: bool = False) -> EventSync:
        """What to create, update and delete so Discord shows exactly the upcoming dated targets; with
        ``rewrite`` every event already made is updated too (the words changed language).

        With a problem reported (a missing permission), nothing is planned until a moderator turns the
        feature on again (which clears it).
        """
        config = await self._config.get(guild_id)
        now = self._clock.now()
        wanted: dict[str, WantedEvent] = {}
        if config.release_events_enabled and config.release_events_problem is None:
            for target in await self._countdown.targets(guild_id):
                event = wanted_event(target)
                if event is not None and event.start > now:
                    wanted[event.key] = event
        elif config.release_events_problem is not None:
            return EventSync([], [], [])
        made = {m.target_key: m for m in await self._repo.made(guild_id)}
        return EventSync(
            create=[w for k, w in wanted.items() if k not in made],
            update=[
                (made[k], w)
                for k, w in wanted.items()
                if k in made and (rewrite or (made[k].starts_at, made[k].name) != (w.start, w.name))
            ],
            delete=[m for k, m in made.items() if k not in wanted],
        )

    # --- the outbox's side ------------------------------------------------------------------------
    async def made_for(self, guild_id: int, key: str) -> MadeEvent | None:
        return await self._repo.made_for(guild_id, key)

    @staticmethod
    def wanted_of(delivery: Delivery) -> WantedEvent | None:
        """The event a planned row wants Discord to show (None: it wants ours removed)."""
        data = delivery.payload
        if data.get("op") != "upsert":
            return None
        return WantedEvent(
            key=delivery.key,
            name=str(data["name"]),
            start=dt.datetime.fromisoformat(data["start"]),
            end=dt.datetime.fromisoformat(data["end"]),
            note=str(data.get("note") or ""),
            is_event=bool(data.get("is_event")),
            legacy_description=None if "note" in data else str(data.get("description") or ""),
        )

    @staticmethod
    def remembered(guild_id: int, event: WantedEvent, discord_event_id: int) -> Completion:
        async def complete(tx: Queryable) -> None:
            await ReleaseEventRepository.remember(
                tx, guild_id, MadeEvent(event.key, discord_event_id, event.name, event.start)
            )

        return complete

    @staticmethod
    def forgotten(guild_id: int, key: str) -> Completion:
        async def complete(tx: Queryable) -> None:
            await ReleaseEventRepository.forget(tx, guild_id, key)

        return complete


def _upsert(event: WantedEvent) -> dict[str, object]:
    return {
        "op": "upsert",
        "name": event.name,
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "note": event.note,
        "is_event": event.is_event,
    }
