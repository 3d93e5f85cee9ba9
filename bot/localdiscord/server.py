"""``LocalDiscord``: Discord's REST API under /api/v10 and a gateway websocket, on 127.0.0.1.

The real bot connects to it unchanged (``env()`` gives the settings). It is composed of parts a
newcomer can find by name:

- ``world.py``      guilds, channels, messages, scheduled events, nonces and their window (state only);
- ``rest.py``       one aiohttp handler per REST route, in Discord's answer shapes;
- ``middleware.py`` request recording, injected faults, rate limits (aiohttp middlewares);
- ``gateway.py``    gateway sessions per shard: READY, GUILD_CREATE, heartbeats, RESUME, 4011;
- ``users.py``      members' actions (``slash``, ``autocomplete``, ``click``), checked like Discord's client;
- ``cdn.py``        attachments; ``snowflakes.py`` ids; ``kinds.py`` Discord's numbers; ``builders.py`` payloads.

This facade keeps every name tests, benchmarks and the playground use (``fake.messages``,
``fake.slash``, ``fake.inject``...): attributes that live in a part are read and written through
to it, so ``fake.global_limit = 50`` sets the rate limiter's.

Memory is bounded by ``Bounds`` (per instance): recorded requests, gateway frames kept for RESUME,
interactions, nonce records and each subscriber's backlog. Messages and scheduled events are the
world and stay until deleted, as on Discord.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from aiohttp import web

from bot.localdiscord.bounded import BoundedDict, BoundedLog
from bot.localdiscord.builders import button_ids
from bot.localdiscord.cdn import Cdn
from bot.localdiscord.changes import Changes, Subscription
from bot.localdiscord.gateway import Gateway, Session
from bot.localdiscord.middleware import API, Hang, Injection, Injections, RateLimits, Recorded, Recorder, outcome
from bot.localdiscord.rest import CALLBACK_DEADLINE, Rest
from bot.localdiscord.snowflakes import Snowflakes, snowflake_at, time_of
from bot.localdiscord.users import Refused, Users
from bot.localdiscord.world import NONCE_WINDOW, Interaction, Json, NonceTable, World

__all__ = [
    "CALLBACK_DEADLINE",
    "Bounds",
    "Interaction",
    "LocalDiscord",
    "Recorded",
    "Refused",
    "Session",
    "button_ids",
]

T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")
MAX_BODY = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Bounds:
    """How much the stand-in remembers; the defaults suit tests, the playground may choose smaller."""

    requests: int = 100_000  # recorded requests (and the 429s, checker problems and downloads among them)
    frames: int = 10_000  # gateway frames kept per shard for RESUME replay
    interactions: int = 10_000  # interactions by id (a callback to a forgotten one gets 404 10062)
    nonces: int = 100_000  # nonce records (the oldest go first; only those within the window deduplicate)
    queue: int = 1_000  # events waiting for one subscriber before it is told to resync


class _Via(Generic[T]):
    """An attribute of ``LocalDiscord`` that lives in one of its parts, read and written through."""

    def __init__(self, part: str, name: str | None = None) -> None:
        self._part = part
        self._name = name or ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = self._name or name

    @overload
    def __get__(self, obj: None, owner: type) -> _Via[T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> T: ...
    def __get__(self, obj: object | None, owner: type) -> T | _Via[T]:
        if obj is None:
            return self
        value: T = getattr(getattr(obj, self._part), self._name)
        return value

    def __set__(self, obj: object, value: T) -> None:
        setattr(getattr(obj, self._part), self._name, value)


class _Forward(Generic[P, R]):
    """A method of ``LocalDiscord`` that is one of its parts' methods, so its signature and docstring are
    written once, in the part (``fake.slash`` is ``fake.users.slash``)."""

    def __init__(self, part: str, method: Callable[Concatenate[Any, P], R]) -> None:
        self._part = part
        self._name = method.__name__
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, obj: None, owner: type) -> _Forward[P, R]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> Callable[P, R]: ...
    def __get__(self, obj: object | None, owner: type) -> Callable[P, R] | _Forward[P, R]:
        if obj is None:
            return self
        bound: Callable[P, R] = getattr(getattr(obj, self._part), self._name)
        return bound


class LocalDiscord:
    """A local Discord for one bot: start it, point the bot at ``env()``, act as members, look at what it did."""

    # --- the world (world.py) ------------------------------------------------------------------
    app_id = _Via[int]("world")
    bot_user = _Via[Json]("world")
    owner = _Via[Json]("world")
    token_ok = _Via[bool]("world")  # False: GET /users/@me answers 401 (LoginFailure)
    clock = _Via[Callable[[], dt.datetime] | None]("world")  # Discord's now: timestamps and ids; default wall time
    monotonic = _Via[Callable[[], float]]("world")  # measures the nonce window
    nonce_window = _Via[float]("world")  # seconds an enforced nonce deduplicates (default 180)
    ids = _Via[Snowflakes]("world")  # the world's id source (time-ordered on clock)
    guilds = _Via[dict[int, Json]]("world")
    messages = _Via[dict[int, Json]]("world")
    message_interactions = _Via[dict[int, Interaction]]("world")
    interactions = _Via[BoundedDict[int, Interaction]]("world")
    commands = _Via[dict[str, list[Json]]]("world")
    scheduled_events = _Via[dict[int, dict[int, Json]]]("world")
    nonces = _Via[NonceTable]("world")
    forbidden_channels = _Via[set[int]]("world")
    deleted_channels = _Via[set[int]]("world")
    unreadable_channels = _Via[set[int]]("world")
    historyless_channels = _Via[set[int]]("world")
    message_listeners = _Via[list[Callable[[str, Json], None]]]("world")
    # --- recording, faults and limits (middleware.py) ------------------------------------------
    requests = _Via[BoundedLog[Recorded]]("recorder")
    rate_limited = _Via[BoundedLog[Recorded]]("recorder")
    problems = _Via[BoundedLog[str]]("recorder")
    request_checker = _Via[Callable[[Recorded], list[str]] | None]("recorder")
    injections = _Via[list[Injection]]("faults", "armed")
    bucket_limit = _Via[int | None]("rates")
    bucket_window = _Via[float]("rates")
    global_limit = _Via[int | None]("rates")
    # --- the gateway (gateway.py) ---------------------------------------------------------------
    sessions = _Via[dict[int, Session]]("gateway")
    identifies = _Via[BoundedLog[dict[str, Any]]]("gateway")
    resumes = _Via[BoundedLog[dict[str, Any]]]("gateway")
    refuse_next_resume = _Via[bool]("gateway")
    ready_sent = _Via[asyncio.Event]("gateway")
    # --- attachments (cdn.py) -------------------------------------------------------------------
    attachments = _Via[dict[str, bytes]]("cdn")
    downloads = _Via[BoundedLog[str]]("cdn")

    snowflake_at = staticmethod(snowflake_at)
    time_of = staticmethod(time_of)

    def __init__(
        self,
        *,
        nonce_window: float = NONCE_WINDOW,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], dt.datetime] | None = None,
        bounds: Bounds | None = None,
    ) -> None:
        self.bounds = bounds or Bounds()
        self.port = 0
        self._runner: web.AppRunner | None = None
        self.changes = Changes()
        self.world = World(
            clock=clock,
            monotonic=monotonic,
            nonce_window=nonce_window,
            max_nonces=self.bounds.nonces,
            max_interactions=self.bounds.interactions,
        )
        self.recorder = Recorder(self.changes, self.bounds.requests)
        self.faults = Injections(self.recorder, self.changes)
        self.rates = RateLimits(self.recorder)
        self.gateway = Gateway(self.world, self.changes, lambda: self.gateway_url, max_frames=self.bounds.frames)
        self.cdn = Cdn(self.world.ids, lambda: f"http://127.0.0.1:{self.port}", max_downloads=self.bounds.requests)
        self.users = Users(self.world, self.gateway.dispatch, self.cdn.upload)
        self.rest = Rest(self.world, self.gateway, lambda: f"ws://127.0.0.1:{self.port}")

    # --- what a part does, under the same name (one signature: the part's) ------------------------
    add_guild = _Forward("world", World.add_guild)
    bot_permissions = _Forward("world", World.bot_permissions)
    delete_channel = _Forward("world", World.delete_channel)
    forget_nonces = _Forward("world", World.forget_nonces)
    post_message = _Forward("world", World.post_message)
    history = _Forward("world", World.history)
    latest_with_buttons = _Forward("world", World.latest_with_buttons)
    unsubscribe = _Forward("world", World.unsubscribe)
    upload = _Forward("cdn", Cdn.upload)
    dispatch = _Forward("gateway", Gateway.dispatch)
    send_op = _Forward("gateway", Gateway.send_op)
    drop_connection = _Forward("gateway", Gateway.drop_connection)
    slash = _Forward("users", Users.slash)
    autocomplete = _Forward("users", Users.autocomplete)
    click = _Forward("users", Users.click)
    find = _Forward("recorder", Recorder.find)
    wait_for = _Forward("recorder", Recorder.wait_for)
    busiest_second = _Forward("recorder", Recorder.busiest_second)
    bodies = _Forward("recorder", Recorder.bodies)
    channel_posts = _Forward("recorder", Recorder.channel_posts)
    wait_until = _Forward("changes", Changes.wait_until)

    # --- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> LocalDiscord:
        rest = web.Application(
            client_max_size=MAX_BODY,
            middlewares=[
                self.recorder.middleware(),
                self.faults.middleware(),
                self.rates.middleware(),
                outcome(self.recorder),
            ],
        )
        rest.add_routes(self.rest.routes())
        app = web.Application(client_max_size=MAX_BODY)
        app.add_subapp(API, rest)
        app.router.add_get("/gateway", self.gateway.websocket)
        app.router.add_get("/attachments/{id}/{name}", self.cdn.download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self.faults.release()
        await self.gateway.close()
        if self._runner is not None:
            await asyncio.wait_for(self._runner.cleanup(), 10)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def env(self) -> dict[str, str]:
        return {
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
            "DISCORD_TOKEN": "test-token.abc",
            "GUILD_READY_TIMEOUT": "0.1",
        }

    # --- the world ------------------------------------------------------------------------------
    @staticmethod
    def channel_ids(guild: Json) -> list[int]:
        return World.channel_ids(guild)

    def add_scheduled_event(self, guild_id: int, body: Json, *, creator: Json | None = None) -> Json:
        """An event someone made (the server's owner unless ``creator`` is given), e.g. one the bot must not adopt."""
        return self.world.create_event(guild_id, body, creator=creator or self.world.owner)

    def _store(self, channel_id: int, body: Json, *, interaction: Interaction | None = None, flags: int = 0) -> Json:
        """A bot message put straight into the world (no request), e.g. a button from a game long gone."""
        return self.world.store_message(channel_id, body, interaction=interaction, flags=flags)

    def subscribe(self, maxsize: int | None = None) -> Subscription:
        """World events for one watcher (the playground page), at most ``maxsize`` waiting (``Bounds.queue``)."""
        return self.world.subscribe(maxsize or self.bounds.queue)

    # --- attachments ----------------------------------------------------------------------------
    # --- faults ---------------------------------------------------------------------------------
    def inject(
        self,
        method: str,
        pattern: str,
        status: int | None = None,
        *,
        times: int = 1,
        body: dict[str, Any] | None = None,
        via: bool = True,
        delay: float = 0.0,
        store_then: int | Hang | None = None,
    ) -> Injection:
        """Fault the next ``times`` requests matching ``method`` and the path regex ``pattern``.

        With ``status``: answer it *instead of* doing the request (a 429 carries ``Via`` unless
        ``via=False``, so discord.py retries it; 200 with a ``delay`` only makes it slow). With
        ``store_then``: do the request (the message or event is stored) and then answer that status
        (e.g. 500, which discord.py retries) or ``"hang"`` (no answer until ``release_hung()`` or
        ``stop()``), as when Discord did the work but the bot never saw the answer.
        """
        headers = {"Via": "1.1 google"} if via else {}
        return self.faults.add(Injection(method, re.compile(pattern), status, times, body, headers, delay, store_then))

    def release_hung(self) -> None:
        """Answer every hanging request now (504); the bot has usually given up on it by then."""
        self.faults.release()

    # --- the gateway ----------------------------------------------------------------------------
    @property
    def shard_count(self) -> int:
        return self.gateway.shard_count

    @property
    def session_id(self) -> str:
        return self.gateway.session_id

    # --- members acting -------------------------------------------------------------------------
    # --- looking and waiting --------------------------------------------------------------------
    def callback_statuses(self, inter: Interaction) -> list[int]:
        """How the stand-in answered each callback the bot sent for an interaction (404 after 3 s)."""
        return self.recorder.callback_statuses(inter.id)

    async def reply_to(self, inter: Interaction, timeout: float = 10.0) -> Json:
        """The callback body the bot sent for an interaction."""
        await self.wait_until(lambda: bool(inter.callbacks), timeout, f"a callback to {inter.payload['data']}")
        return inter.callbacks[0]

    async def followup_of(self, inter: Interaction, timeout: float = 10.0) -> Json:
        await self.wait_until(lambda: bool(inter.followups), timeout, f"a follow-up to {inter.payload['data']}")
        return inter.followups[0]
