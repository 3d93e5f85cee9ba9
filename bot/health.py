"""The health server: ``/healthz`` (liveness), ``/readyz`` (readiness) and ``/metrics`` (Prometheus).

Served on ``HEALTH_ADDRESS`` by a small aiohttp application on the bot's own event loop, so an
answer from ``/healthz`` proves the loop turns. ``/readyz`` answers 200 only when this process can
do its work: every shard it runs is READY on the gateway, the database answers a ``SELECT 1``
promptly, and the scheduler finished a pass recently. Otherwise it answers 503 with the reasons in
plain words, for whoever is looking at a container that never turns healthy.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import metrics
from bot.settings import SettingsError

if TYPE_CHECKING:
    from bot.app import HeartstopperBot

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 2.0  # seconds for the probe's SELECT 1; a store slower than this is not serving
# The scheduler wakes at least once a minute (its idle re-check); three missed wake-ups is a stall.
SCHEDULER_STALE_AFTER = dt.timedelta(seconds=3 * 60)


class Probeable(Protocol):
    """What the readiness probe needs of the database: any store's ``fetch_value``."""

    async def fetch_value(self, sql: str) -> Any: ...


class ShardWatch:
    """Which of this process's shards are between a disconnect and their next READY or RESUMED.

    discord.py says when a shard is closed, but not when a reconnected one has its READY back; the
    shard events do, so they are followed from the start.
    """

    _EVENTS = ("on_shard_connect", "on_shard_disconnect", "on_shard_ready", "on_shard_resumed")

    def __init__(self, bot: HeartstopperBot) -> None:
        self._bot = bot
        self.down: set[int] = set()

    def attach(self) -> None:
        for event in self._EVENTS:
            self._bot.add_listener(getattr(self, f"_{event}"), event)

    def detach(self) -> None:
        for event in self._EVENTS:
            self._bot.remove_listener(getattr(self, f"_{event}"), event)

    async def _on_shard_connect(self, shard_id: int) -> None:
        self.down.add(shard_id)  # connected, but its guilds are still arriving: READY comes next

    async def _on_shard_disconnect(self, shard_id: int) -> None:
        self.down.add(shard_id)

    async def _on_shard_ready(self, shard_id: int) -> None:
        self.down.discard(shard_id)

    async def _on_shard_resumed(self, shard_id: int) -> None:
        self.down.discard(shard_id)

    def reasons(self) -> list[str]:
        bot = self._bot
        if not bot.is_ready():
            return ["not READY on Discord's gateway yet"]
        ids = list(bot.shard_ids) if bot.shard_ids is not None else list(range(bot.shard_count or 1))
        reasons = []
        for shard_id in ids:
            shard = bot.get_shard(shard_id)
            if shard is None or shard.is_closed():
                reasons.append(f"shard {shard_id} is not connected to Discord's gateway")
            elif shard_id in self.down:
                reasons.append(f"shard {shard_id} is reconnecting to Discord's gateway")
        return reasons


class Readiness:
    """The three things ``/readyz`` checks, each turned into a reason when it fails."""

    def __init__(
        self, bot: HeartstopperBot, database: Probeable, *, database_timeout: float = DATABASE_TIMEOUT
    ) -> None:
        self._bot = bot
        self._database = database
        self._database_timeout = database_timeout
        self._database_failing = False  # log the first failed probe, not one per probe
        self.shards = ShardWatch(bot)

    async def check(self) -> tuple[list[str], dict[str, Any]]:
        """(reasons it is not ready, details for the body); ready when there are no reasons."""
        reasons = self.shards.reasons()
        database_reason, database_seconds = await self._probe_database()
        if database_reason:
            reasons.append(database_reason)
        scheduler_reason, last_pass = self._scheduler()
        if scheduler_reason:
            reasons.append(scheduler_reason)
        details: dict[str, Any] = {
            "shards": sorted(self._bot.shards),
            "servers": len(self._bot.guilds),
            "database_seconds": None if database_seconds is None else round(database_seconds, 4),
            "scheduler_last_pass": last_pass.isoformat() if last_pass else None,
        }
        return reasons, details

    async def _probe_database(self) -> tuple[str | None, float | None]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            with metrics.database_timer("probe"):
                async with asyncio.timeout(self._database_timeout):
                    await self._database.fetch_value("SELECT 1")
        except TimeoutError:
            return self._database_failed(f"the database did not answer within {self._database_timeout:g} s"), None
        except Exception as exc:  # any failure of the store means the same to a load balancer
            # The exception's text may quote the connection URL: the body names its class only, the
            # (redacted) log line has the rest.
            return self._database_failed(f"the database is not answering ({exc.__class__.__name__})", exc), None
        if self._database_failing:
            log.info("readiness: the database answers again")
            self._database_failing = False
        return None, loop.time() - started

    def _database_failed(self, reason: str, exc: Exception | None = None) -> str:
        """The reason, logged once when the database stops answering (not on every probe)."""
        if not self._database_failing:
            log.warning("readiness: %s", reason, exc_info=exc)
            self._database_failing = True
        return reason

    def _scheduler(self) -> tuple[str | None, dt.datetime | None]:
        bot = self._bot
        if bot.scheduling_refused:
            return f"the scheduler is not running: {bot.scheduling_refused}", None
        last = bot.scheduler.last_pass_at
        if last is None:
            return "the scheduler has not finished a pass yet", None
        age = bot.services.clock.now() - last
        if age > SCHEDULER_STALE_AFTER:
            return (
                f"the scheduler last finished a pass {age.total_seconds():.0f} s ago "
                f"(more than {SCHEDULER_STALE_AFTER.total_seconds():.0f} s)"
            ), last
        return None, last


def _json(status: int, body: Mapping[str, Any]) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(body),
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


class HealthServer:
    """``/healthz``, ``/readyz`` and ``/metrics`` on one address; ``port`` is the bound one (for port 0)."""

    def __init__(
        self,
        bot: HeartstopperBot,
        database: Probeable,
        address: tuple[str, int],
        *,
        database_timeout: float = DATABASE_TIMEOUT,
    ) -> None:
        self._address = address
        self.readiness = Readiness(bot, database, database_timeout=database_timeout)
        self._bot = bot
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics)
        return app

    async def start(self) -> None:
        """Bind and serve; the gauges read at scrape time start following this bot."""
        bot = self._bot
        metrics.watch_servers(lambda: len(bot.guilds))
        metrics.watch_live_games(lambda: len(bot.services.trivia.sessions))
        self.readiness.shards.attach()
        runner = web.AppRunner(self._app(), access_log=None)  # a scrape a second is no news
        await runner.setup()
        host, port = self._address
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            await runner.cleanup()
            self.readiness.shards.detach()
            raise SettingsError(
                f"HEALTH_ADDRESS {host}:{port} cannot be served ({exc.strerror or exc.__class__.__name__}): "
                "pick a free port, or an address of this machine"
            ) from None
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info("health: /healthz, /readyz and /metrics on http://%s:%d", host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.readiness.shards.detach()

    async def _healthz(self, request: web.Request) -> web.Response:
        return _json(200, {"alive": True})

    async def _readyz(self, request: web.Request) -> web.Response:
        reasons, details = await self.readiness.check()
        if reasons:
            return _json(503, {"ready": False, "reasons": reasons, **details})
        return _json(200, {"ready": True, **details})

    async def _metrics(self, request: web.Request) -> web.Response:
        body = generate_latest(metrics.REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})
