"""Releases and server events in each server's event list (Discord Guild Scheduled Events).

Syncs a server when it turns the feature on or off, when a moderator adds or removes an event,
and once at start-up for every server that has it on. A missing Create Events permission (which
Discord has required since February 2026) or a refusal from Discord is remembered and shown in
``/settings show``; nothing is retried until a moderator turns the feature on again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord.ext import commands

from bot.app import HeartstopperBot
from bot.services.release_events import LOCATION, ReleaseEventService, WantedEvent
from bot.ui.rest import within

log = logging.getLogger(__name__)

MISSING_PERMISSION = (
    "I am missing the Create Events permission, which Discord requires for scheduled events: "
    "give it to me, then run /settings release-events state:on"
)


def _payload(event: WantedEvent) -> dict[str, Any]:
    return {
        "name": event.name,
        "description": event.description,
        "scheduled_start_time": event.start.isoformat(),
        "scheduled_end_time": event.end.isoformat(),
        "entity_type": discord.EntityType.external.value,
        "entity_metadata": {"location": LOCATION},
        "privacy_level": discord.PrivacyLevel.guild_only.value,
    }


class ReleaseEventsCog(commands.Cog):
    def __init__(self, bot: HeartstopperBot, service: ReleaseEventService) -> None:
        self.bot = bot
        self.service = service
        self._locks: dict[int, asyncio.Lock] = {}
        self._startup: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self._startup = asyncio.create_task(self._sync_all(), name="release-events-startup")

    async def cog_unload(self) -> None:
        if self._startup is not None:
            self._startup.cancel()

    async def _sync_all(self) -> None:
        await self.bot.wait_until_ready()
        for guild_id in await self.service.guilds_to_sync():
            await self.sync(guild_id)

    @commands.Cog.listener("on_release_events_changed")
    async def changed(self, guild_id: int) -> None:
        await self.sync(guild_id)

    async def sync(self, guild_id: int) -> None:
        """Make Discord show exactly this server's upcoming dated releases and events; never raises."""
        lock = self._locks.setdefault(guild_id, asyncio.Lock())
        async with lock:  # two changes at once never create the same event twice
            try:
                await self._sync(guild_id)
            except Exception:
                log.exception("syncing scheduled events for guild %s failed", guild_id)

    async def _sync(self, guild_id: int) -> None:
        plan = await self.service.plan(guild_id)
        if plan.empty:
            return
        guild = self.bot.get_guild(guild_id)
        if guild is not None and guild.me is not None and not guild.me.guild_permissions.create_events:
            await self.service.report_problem(guild_id, MISSING_PERMISSION)
            return
        http = self.bot.http
        try:
            for made in plan.delete:
                try:
                    await within(http.delete_scheduled_event(guild_id, made.discord_event_id))
                except discord.NotFound:
                    pass  # a moderator deleted it already
                await self.service.forget(guild_id, made.target_key)
            for made, wanted in plan.update:
                try:
                    await within(http.edit_scheduled_event(guild_id, made.discord_event_id, **_payload(wanted)))
                    await self.service.remember(guild_id, wanted, made.discord_event_id)
                except discord.NotFound:  # deleted by hand: make it again
                    plan.create.append(wanted)
            for wanted in plan.create:
                created = await within(http.create_guild_scheduled_event(guild_id, **_payload(wanted)))
                await self.service.remember(guild_id, wanted, int(created["id"]))
        except discord.Forbidden:
            await self.service.report_problem(guild_id, MISSING_PERMISSION)
        except (TimeoutError, discord.HTTPException) as exc:
            log.warning("scheduled events for guild %s not synced, will retry on the next change: %s", guild_id, exc)


async def setup(bot: HeartstopperBot) -> None:
    await bot.add_cog(ReleaseEventsCog(bot, bot.services.release_events))
