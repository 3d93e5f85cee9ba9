"""Releases and server events in each server's event list (Discord Guild Scheduled Events).

What each server's list should show, and when to look again, is the service's planner
(``ReleaseEventService``: on a change, and once at start-up, for this process's shards only);
this cog is the outbox's executor for the planned changes. It makes, moves or removes one event
at a time, only ever the bot's own, and never makes one twice: before a create it lists the
server's events and adopts the bot's own with the same name and start (an earlier attempt may have
reached Discord: a timeout after Discord stored it, a crash before the id was saved), removing
extra copies. A missing Create Events
permission (which Discord has required since February 2026) is remembered and shown in
``/settings show``; nothing is retried until a moderator turns the feature on again.

Each event is written in the server's language when it is sent (``guild_language``): its
description in words, a release's note from that language's content. When the server's language
changes (``/settings language``, or its preferred locale while it follows it), every event the bot
made is rewritten (``ReleaseEventService.relocalize``).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import discord
from discord.ext import commands

from bot.app import HeartstopperBot
from bot.domain.outbox import Abandon, Delivery, Done, Kind, Outcome
from bot.i18n import Text, _, best_locale, render
from bot.services.content import LocalizedContent
from bot.services.release_events import (
    LOCATION,
    MAX_DESCRIPTION,
    ReleaseEventService,
    WantedEvent,
    event_description,
)
from bot.ui.delivery import failed
from bot.ui.embeds import clip
from bot.ui.rest import within

log = logging.getLogger(__name__)

RELEASE_KEY = "release:"
# TRANSLATORS: shown in /settings show; "Create Events" is the permission's name in Discord's own settings
MISSING_PERMISSION = _(
    "I am missing the Create Events permission, which Discord requires for scheduled events: "
    "give it to me, then run /settings release-events state:on"
)
REFUSED = _(
    "Discord refused to make an event here (403): check that my Create Events permission is not denied, "
    "then run /settings release-events state:on"
)


def describe(event: WantedEvent, content: LocalizedContent, locale: str) -> str:
    """The event's description in ``locale``: a release's note from that language's content, else as planned."""
    if event.legacy_description is not None:
        return event.legacy_description
    note = event.note
    if event.key.startswith(RELEASE_KEY):
        release = content.release(event.key.removeprefix(RELEASE_KEY), locale)
        note = release.note if release is not None else note
    return clip(render(event_description(event, note), locale).strip(), MAX_DESCRIPTION)


def _payload(event: WantedEvent, description: str) -> dict[str, Any]:
    return {
        "name": event.name,
        "description": description,
        "scheduled_start_time": event.start.isoformat(),
        "scheduled_end_time": event.end.isoformat(),
        "entity_type": discord.EntityType.external.value,
        "entity_metadata": {"location": LOCATION},
        "privacy_level": discord.PrivacyLevel.guild_only.value,
    }


class ScheduledEventMaker:
    """The outbox's executor for scheduled-event rows."""

    kind = Kind.SCHEDULED_EVENT
    patience = dt.timedelta(days=7)

    def __init__(self, bot: HeartstopperBot, service: ReleaseEventService, content: LocalizedContent) -> None:
        self.bot = bot
        self.service = service
        self.content = content

    async def deliver(self, delivery: Delivery) -> Outcome:
        guild_id = delivery.guild_id
        wanted = self.service.wanted_of(delivery)
        made = await self.service.made_for(guild_id, delivery.key)
        try:
            if wanted is None:  # ours must go
                if made is None:
                    return Done("skipped")
                try:
                    await within(self.bot.http.delete_scheduled_event(guild_id, made.discord_event_id))
                except discord.NotFound:
                    pass  # a moderator deleted it already
                return Done("sent", made.discord_event_id, self.service.forgotten(guild_id, delivery.key))
            guild = self.bot.get_guild(guild_id)
            if guild is not None and guild.me is not None and not guild.me.guild_permissions.create_events:
                return await self._stopped(guild_id, MISSING_PERMISSION)
            # The server's language now, not when the change was planned.
            payload = _payload(wanted, describe(wanted, self.content, await self.bot.guild_language(guild_id)))
            if made is not None:
                try:
                    await within(self.bot.http.edit_scheduled_event(guild_id, made.discord_event_id, **payload))
                    return Done(
                        "sent", made.discord_event_id, self.service.remembered(guild_id, wanted, made.discord_event_id)
                    )
                except discord.NotFound:
                    pass  # deleted by hand: make it again
            # Before every create, look: an earlier attempt (a timeout after Discord stored it, a crash before
            # the id was saved, a 5xx that discord.py retried) may have made it already. Creates are rare,
            # so one list per create is cheap insurance against a second event for one release.
            adopted = await self._adopt(guild_id, wanted)
            if adopted is not None:
                return Done("adopted", adopted, self.service.remembered(guild_id, wanted, adopted))
            created = await within(self.bot.http.create_guild_scheduled_event(guild_id, **payload))
            event_id = int(created["id"])
            return Done("sent", event_id, self.service.remembered(guild_id, wanted, event_id))
        except discord.Forbidden:
            return await self._stopped(guild_id, REFUSED)
        except discord.NotFound:
            return Abandon(_("Discord no longer knows this server (404)"))
        except (TimeoutError, discord.HTTPException, OSError) as exc:
            # TRANSLATORS: what the bot was doing, inside a reason such as "rate limited while {doing}"
            doing = _("updating the server's events")
            # TRANSLATORS: {error} is Discord's own answer, in English
            return failed(exc, doing) or Abandon(_("Discord refused the event: {error}", error=str(exc)))

    async def _stopped(self, guild_id: int, problem: Text) -> Outcome:
        """Remembered and shown in /settings show; nothing is retried until a moderator turns it on again."""
        await self.service.report_problem(guild_id, problem)
        return Abandon(problem)

    async def _adopt(self, guild_id: int, wanted: WantedEvent) -> int | None:
        """The bot's own event for ``wanted`` if Discord has it already; extra copies are removed."""
        me = self.bot.user.id if self.bot.user else None
        events = await within(self.bot.http.get_scheduled_events(guild_id, False))
        ours = [
            int(str(e["id"]))
            for e in events
            if e.get("creator_id") is not None
            and int(str(e["creator_id"])) == me
            and e.get("name") == wanted.name
            and dt.datetime.fromisoformat(str(e["scheduled_start_time"])) == wanted.start
        ]
        if not ours:
            return None
        keep, *extra = sorted(ours)
        for event_id in extra:
            try:
                await within(self.bot.http.delete_scheduled_event(guild_id, event_id))
            except discord.NotFound:
                pass
            log.info("removed a duplicate scheduled event %s in guild %s", event_id, guild_id)
        return keep


class ReleaseEventsCog(commands.Cog):
    def __init__(self, bot: HeartstopperBot, service: ReleaseEventService, content: LocalizedContent) -> None:
        self.bot = bot
        self.service = service
        self.maker = ScheduledEventMaker(bot, service, content)

    async def cog_load(self) -> None:
        self.service.wake = self.bot.scheduler.wake
        self.bot.scheduler.outbox.register(self.maker)
        self.bot.scheduler.add(self.service)

    async def cog_unload(self) -> None:
        self.bot.scheduler.remove(self.service.name)
        self.bot.scheduler.outbox.unregister(Kind.SCHEDULED_EVENT)

    @commands.Cog.listener("on_release_events_changed")
    async def changed(self, guild_id: int) -> None:
        await self.service.changed(guild_id)

    @commands.Cog.listener("on_server_language_changed")
    async def language_changed(self, guild_id: int) -> None:
        """``/settings language`` dispatches it: the server's events are rewritten in its new language."""
        await self.service.relocalize(guild_id)

    @commands.Cog.listener("on_guild_update")
    async def guild_updated(self, before: discord.Guild, after: discord.Guild) -> None:
        """A server that follows its preferred locale (no ``/settings language`` choice) may change language with
        it; rewriting the events of a server that chose its language is a few needless edits, rarely."""
        if best_locale(before.preferred_locale.value) != best_locale(after.preferred_locale.value):
            await self.service.relocalize(after.id)


async def setup(bot: HeartstopperBot) -> None:
    await bot.add_cog(ReleaseEventsCog(bot, bot.services.release_events, bot.services.content))
