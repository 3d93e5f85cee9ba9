"""The bot: a discord.py AutoShardedBot that gets everything it needs through its constructor."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from typing import Any

import discord
import yarl
from discord.ext import commands

from bot import __version__
from bot.domain.shards import ShardScope
from bot.i18n.locales import Locale
from bot.metrics import rest_trace
from bot.ratelimit import BUDGET_RATE, LocalBudget, RedisBudget, RestBudget
from bot.scheduler import Scheduler
from bot.services import Services
from bot.settings import Settings
from bot.ui.replies import undeclared
from bot.ui.translator import CommandTranslator
from bot.ui.tree import BotTree

log = logging.getLogger(__name__)

SHARD_LEASE_RETRY = 2.0  # seconds between asks for shards another process still holds

# Loaded in this order; a cog that fails to load stops start-up (no silent half-bot).
EXTENSIONS: tuple[str, ...] = (
    "cogs.about",
    "cogs.cast",
    "cogs.episodes",
    "cogs.countdown",
    "cogs.events",
    "cogs.trivia",
    "cogs.server_settings",
    "cogs.release_events",
    "cogs.privacy",
)


def apply_endpoints(settings: Settings) -> None:
    """Point discord.py at the configured REST base and gateway (a proxy, or the test stand-in).

    discord.py reads both from class attributes; with the defaults nothing changes.
    """
    discord.http.Route.BASE = settings.api_base
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def bot_intents() -> discord.Intents:
    """Guilds only: no privileged intent, no messages, no members."""
    intents = discord.Intents.none()
    intents.guilds = True
    return intents


def command_tree_digest(payload: list[dict[str, object]]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


# The bot has no voice features; silence discord.py's "voice will NOT be supported" warnings.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


class HeartstopperBot(commands.AutoShardedBot):
    """Owns the Discord connection; features live in cogs, rules in ``bot.services``."""

    tree: BotTree

    def __init__(self, *, settings: Settings, services: Services, sync_commands: bool = True) -> None:
        shards: dict[str, Any] = {"shard_ids": list(settings.shard_ids)} if settings.shard_ids else {}
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=bot_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=BotTree,
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            max_messages=None,
            shard_count=settings.shard_count,
            **shards,
            guild_ready_timeout=settings.guild_ready_timeout,
            http_trace=rest_trace(settings.api_base),  # REST requests and 429s for /metrics
        )
        self.settings = settings
        self.services = services
        self.version = __version__
        self.started_monotonic = time.monotonic()
        self._sync_commands = sync_commands
        self.shard_scope = ShardScope.of(settings.shard_count, settings.shard_ids)
        share = LocalBudget(BUDGET_RATE * self.shard_scope.share)  # processes share the token's 50/s
        self.rest_budget: RestBudget = RedisBudget(settings.redis_url, fallback=share) if settings.redis_url else share
        self._meter_requests(self.rest_budget)
        self.scheduler = Scheduler(
            services.clock,
            services.outbox,
            wait_until_ready=self.wait_until_ready,
            is_closed=self.is_closed,
            hold_shards=services.hold_shards,
        )
        self.scheduling_refused: str | None = None

    async def load_features(self) -> None:
        """Load every cog; refuse a command that does not say who sees its answer."""
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        missing = undeclared(self.tree.walk_commands())
        if missing:
            raise RuntimeError("commands without @visibility(...): " + ", ".join(f"/{name}" for name in missing))

    async def setup_hook(self) -> None:
        self.rest_budget.bind(self.application_id)  # known after login; names the shared budget's Redis key
        await self.tree.set_translator(CommandTranslator())  # names and descriptions in Discord's languages
        await self.load_features()
        self.scheduling_refused = await self._check_shard_count()
        if self.scheduling_refused:
            log.error("not scheduling posts: %s", self.scheduling_refused)
        else:
            self.scheduler.start()
        if self.settings.gateway_url and self.shard_count is None:
            # AutoShardedClient would take the gateway URL from GET /gateway/bot; with an override
            # we only want Discord's recommended shard count from it, and connect to ours.
            self.shard_count, _, _ = await self.http.get_bot_gateway()
        if self._sync_commands and 0 in self.shard_scope.ids:  # one process writes the commands, not every one
            await self.sync_commands_if_changed()
        await self._own_shards_before_connecting()

    async def _own_shards_before_connecting(self) -> None:
        """Hold this process's shards' lease before their gateway sessions connect.

        During a rolling deploy the new process waits here until the old one has exited (its locks go
        with its database session), so interactions keep reaching the process that runs the live
        games, and the newcomer never answers "this game has ended" for a game that still runs.
        """
        if await self.services.hold_shards():
            return
        log.warning("another process still holds one of this process's shards; connecting once it has exited")
        while True:
            await asyncio.sleep(SHARD_LEASE_RETRY)
            if await self.services.hold_shards():
                break
        log.info("this process now holds its shards; connecting")

    def _meter_requests(self, budget: RestBudget) -> None:
        """Every request sent with the bot token waits for the budget first (callbacks are exempt:
        discord.py sends them through its webhook adapter, not this client)."""
        send = self.http.request

        async def request(route: discord.http.Route, **kwargs: Any) -> Any:
            await budget.acquire()
            return await send(route, **kwargs)

        self.http.request = request  # type: ignore[method-assign]

    async def _check_shard_count(self) -> str | None:
        """Processes must agree on SHARD_COUNT, or two could each think a server is theirs.

        The process holding shard 0 records the count; another process started with a different
        count refuses to schedule and says why (resharding: stop every process, start shard 0's
        first with the new count, then the rest).
        """
        if self.settings.shard_count is None:
            return None
        stored = await self.services.meta.get("shard_count")
        if 0 in self.shard_scope.ids:
            await self.services.meta.set("shard_count", str(self.shard_scope.count))
            return None
        if stored is not None and stored != str(self.shard_scope.count):
            return (
                f"SHARD_COUNT is {self.shard_scope.count} here but {stored} in the database: stop every process and "
                "start them all with the same SHARD_COUNT (shard 0's process first)"
            )
        return None

    async def command_payload(self, guild: discord.abc.Snowflake | None = None) -> list[dict[str, object]]:
        """The commands as Discord gets them, translations included: a changed translation is a change."""
        translator = self.tree.translator
        commands = self.tree.get_commands(guild=guild)
        if translator is None:
            return [command.to_dict(self.tree) for command in commands]
        return [await command.get_translated_payload(self.tree, translator) for command in commands]

    async def sync_commands_if_changed(self) -> bool:
        """Write commands to Discord only when the tree changed since the last successful sync."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        digest = command_tree_digest(await self.command_payload(guild))
        scope = f"guild:{guild.id}" if guild else "global"
        key = f"command_tree:{self.application_id}:{scope}"
        if await self.services.meta.get(key) == digest:
            log.info("command tree unchanged since the last sync (%s); not syncing", scope)
            return False
        synced = await self.tree.sync(guild=guild)
        await self.services.meta.set(key, digest)
        log.info("synced %d commands (%s)", len(synced), scope)
        return True

    async def server_language(self, guild_id: int | None, preferred_locale: str | None) -> Locale:
        """The language the bot speaks in public on a server (``bot.services.language``)."""
        return await self.services.language.server_language(guild_id, preferred_locale)

    async def guild_language(self, guild_id: int) -> Locale:
        """A server's language when no interaction is at hand (a scheduled post, a game message)."""
        guild = self.get_guild(guild_id)
        preferred = guild.preferred_locale.value if guild is not None else None
        return await self.server_language(guild_id, preferred)

    async def close(self) -> None:
        self.scheduler.stop()
        self.services.trivia.stop_heartbeat()
        await super().close()
        await self.rest_budget.close()

    async def on_ready(self) -> None:
        log.info("READY as %s: %d guild(s), %d shard(s)", self.user, len(self.guilds), self.shard_count or 1)

    @property
    def uptime_seconds(self) -> float:
        return time.monotonic() - self.started_monotonic
