"""The stand-in itself: Discord's REST API under /api/v10 and a gateway websocket, on 127.0.0.1.

It records every request, answers in Discord's documented shapes with ``Content-Type:
application/json`` exactly, remembers the messages it creates (so button clicks can reference
them), deduplicates sends by nonce like Discord, and can apply rate-limit buckets and inject
429s and 5xx answers. Tests drive users through ``slash``, ``autocomplete`` and ``click``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bot.localdiscord import builders as b

API = "/api/v10"
JSON_HEADERS = {"Content-Type": "application/json"}
ARRIVED = web.RequestKey("arrived", float)  # when a request reached the stand-in (monotonic)
CALLBACK_DEADLINE = 3.0  # seconds Discord waits for an interaction's first callback, then 10062
EPHEMERAL, LOADING = 1 << 6, 1 << 7
GUILDS_PER_SHARD = 2500  # Discord closes an identify with more than this with 4011 "sharding required"
RECOMMENDED_PER_SHARD = 1000  # what /gateway/bot's "shards" works out to in practice


class Refused(AssertionError):
    """What Discord's client would not let a member send (an unknown option, a value out of range).

    An ``AssertionError`` so a test that sends such a thing fails loudly; the playground shows it.
    """


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    at: float
    status: int = 0

    def route(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Injection:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Interaction:
    id: int
    token: str
    payload: dict[str, Any]
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    original_message_id: int | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    sent_at: float = 0.0  # monotonic time the gateway sent INTERACTION_CREATE
    acked_at: float = 0.0  # monotonic time the first callback arrived
    thinking: bool = False  # deferred (type 5): the next follow-up replaces the "thinking…" message
    message_ids: list[int] = field(default_factory=list)  # every message this interaction created

    def visible_to_others(self, messages: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
        """Messages this interaction left in the channel that members other than its user can see."""
        return [messages[m] for m in self.message_ids if m in messages and not int(messages[m]["flags"]) & 64]


@dataclass
class Session:
    """One shard's gateway session: its socket, sequence and the events a RESUME replays."""

    shard: list[int]
    session_id: str
    ws: web.WebSocketResponse | None
    seq: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)


class LocalDiscord:
    def __init__(self) -> None:
        self.app_id = b.snowflake()
        self.bot_user = b.user(self.app_id, "heartstopper-bot", bot=True)
        self.owner = b.user(b.snowflake(), "owner")
        self.token_ok = True
        self.requests: list[Recorded] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.interactions: dict[int, Interaction] = {}
        self.guilds: dict[int, dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.nonces: dict[tuple[int, str], int] = {}
        self.injections: list[Injection] = []
        self.forbidden_channels: set[int] = set()
        self.deleted_channels: set[int] = set()
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.bucket_limit: int | None = None  # per-route requests per window
        self.bucket_window = 1.0
        self.global_limit: int | None = None  # all REST requests per second (interaction callbacks exempt)
        self.rate_limited: list[Recorded] = []
        self._bucket_hits: dict[str, list[float]] = {}
        self._global_hits: list[float] = []
        self.sessions: dict[int, Session] = {}  # by shard id
        self.refuse_next_resume = False  # answer the next RESUME with an invalid session
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.ready_sent = asyncio.Event()
        self.attachments: dict[str, bytes] = {}
        self.scheduled_events: dict[int, dict[int, dict[str, Any]]] = {}  # by guild, then event id
        self.downloads: list[str] = []  # attachment ids the bot fetched
        self.message_interactions: dict[int, Interaction] = {}  # which interaction made a message
        self.message_listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self.request_checker: Callable[[Recorded], list[str]] | None = None  # e.g. spec.check_request
        self.problems: list[str] = []  # what request_checker found
        self.clock: Callable[[], dt.datetime] | None = None  # message timestamps; default: wall time

    # --- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> LocalDiscord:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("GET", "/gateway", self._gateway)
        app.router.add_route("GET", "/attachments/{id}/{name}", self._attachment)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                await asyncio.wait_for(session.ws.close(), 5)
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

    # --- world ----------------------------------------------------------------------------------
    def add_guild(
        self,
        name: str = "Heartstopper Fans",
        *,
        channels: int = 2,
        bot_permissions: int | None = None,
        channel_overwrites: dict[int, list[dict[str, Any]]] | None = None,
        channel_names: list[str] | None = None,
    ) -> dict[str, Any]:
        guild_id = b.snowflake()
        bot_role = b.snowflake()
        perms = b.MEMBER_PERMS if bot_permissions is None else bot_permissions
        names = channel_names or [f"channel-{i}" for i in range(channels)]
        chans = []
        for i, channel_name in enumerate(names):
            cid = b.snowflake()
            chans.append(
                b.text_channel(cid, guild_id, channel_name, position=i, overwrites=(channel_overwrites or {}).get(i))
            )
        data = b.guild(
            guild_id,
            name,
            channels=chans,
            roles=[b.role(guild_id, "@everyone", b.MEMBER_PERMS), b.role(bot_role, "bot", perms, position=1)],
            members=[b.member(self.bot_user, roles=[bot_role])],
            owner_id=int(self.owner["id"]),
        )
        self.guilds[guild_id] = data
        return data

    @staticmethod
    def channel_ids(guild: dict[str, Any]) -> list[int]:
        return [int(c["id"]) for c in guild["channels"]]

    # --- attachments (Discord's CDN) --------------------------------------------------------------
    def upload(self, file: dict[str, Any]) -> dict[str, Any]:
        """A file a member attaches to a command: ``{"filename": ..., "content": bytes}``, served like the CDN.

        ``size`` may be given to claim a size without sending that many bytes (a 10 MB upload).
        """
        attachment_id = str(b.snowflake())
        content: bytes = file["content"]
        self.attachments[attachment_id] = content
        url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{file['filename']}"
        return {
            "id": attachment_id,
            "filename": file["filename"],
            "size": int(file.get("size", len(content))),
            "url": url,
            "proxy_url": url,
            "content_type": file.get("content_type", "application/x-yaml"),
            "ephemeral": True,
        }

    async def _attachment(self, request: web.Request) -> web.Response:
        content = self.attachments.get(request.match_info["id"])
        if content is None:
            return web.Response(status=404)
        self.downloads.append(request.match_info["id"])
        return web.Response(body=content, content_type="application/octet-stream")

    # --- recording and waiting -----------------------------------------------------------------
    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def find(self, method: str, pattern: str, predicate: Callable[[Recorded], bool] | None = None) -> list[Recorded]:
        rx = re.compile(pattern)
        return [
            r for r in self.requests if r.method == method and rx.search(r.path) and (predicate is None or predicate(r))
        ]

    async def wait_for(
        self,
        method: str,
        pattern: str,
        predicate: Callable[[Recorded], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[Recorded]:
        async def ready() -> list[Recorded]:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.find(method, pattern, predicate)) >= count)
            return self.find(method, pattern, predicate)

        try:
            return await asyncio.wait_for(ready(), timeout)
        except TimeoutError:
            seen = "\n".join(r.route() for r in self.requests[-20:])
            raise AssertionError(f"timed out waiting for {count}x {method} {pattern}; last requests:\n{seen}") from None

    def busiest_second(self) -> int:
        """The most requests seen in any one-second window, interaction callbacks exempt (as Discord counts)."""
        times = sorted(r.at for r in self.requests if not r.path.startswith("/interactions/"))
        busiest, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= 1.0:
                start += 1
            busiest = max(busiest, end - start + 1)
        return busiest

    def bodies(self) -> list[Recorded]:
        """Every request that carried a JSON body (for schema checks)."""
        return [r for r in self.requests if r.body is not None]

    # --- REST -----------------------------------------------------------------------------------
    def inject(
        self,
        method: str,
        pattern: str,
        status: int,
        *,
        times: int = 1,
        body: dict[str, Any] | None = None,
        via: bool = True,
        delay: float = 0.0,
    ) -> None:
        headers = {"Via": "1.1 google"} if via else {}
        self.injections.append(Injection(method, re.compile(pattern), status, times, body, headers, delay))

    @staticmethod
    def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        return web.Response(status=status, body=json.dumps(data).encode(), headers={**JSON_HEADERS, **(headers or {})})

    def _error(self, status: int, code: int, message: str) -> web.Response:
        return self._json({"message": message, "code": code}, status)

    def _limit_headers(self, bucket: str, remaining: int, limit: int, reset_after: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, remaining)),
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }

    def _rate_check(self, method: str, path: str) -> tuple[web.Response | None, dict[str, str]]:
        now = time.monotonic()
        exempt = path.startswith("/interactions/")
        if self.global_limit and not exempt:
            self._global_hits = [t for t in self._global_hits if now - t < 1.0]
            if len(self._global_hits) >= self.global_limit:
                retry = 1.0 - (now - self._global_hits[0])
                return self._json(
                    {"message": "You are being rate limited.", "retry_after": round(retry, 3), "global": True},
                    429,
                    {"Via": "1.1 google", "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"},
                ), {}
            self._global_hits.append(now)
        major = re.sub(r"/(messages)/\d+", r"/\1/:id", path)
        bucket = f"{method}:{major}"
        limit = self.bucket_limit or 50
        hits = [t for t in self._bucket_hits.get(bucket, []) if now - t < self.bucket_window]
        if self.bucket_limit and len(hits) >= self.bucket_limit:
            retry = self.bucket_window - (now - hits[0])
            headers = {"Via": "1.1 google", **self._limit_headers(bucket, 0, limit, retry)}
            return self._json(
                {"message": "You are being rate limited.", "retry_after": round(retry, 3), "global": False},
                429,
                headers,
            ), {}
        hits.append(now)
        self._bucket_hits[bucket] = hits
        reset = self.bucket_window - (now - hits[0]) if hits else self.bucket_window
        return None, self._limit_headers(bucket, limit - len(hits), limit, reset)

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "multipart/form-data":
                body = {"multipart": True}
            elif raw:
                body = json.loads(raw)
        rec = Recorded(request.method, path, dict(request.query), body, dict(request.headers), time.monotonic())
        self.requests.append(rec)
        try:
            for inj in self.injections:
                if inj.times > 0 and inj.method == request.method and inj.pattern.search(path):
                    inj.times -= 1
                    if inj.delay:
                        await asyncio.sleep(inj.delay)
                    if inj.status == 200:
                        break  # only slow: answer normally, late (the client may have given up by then)
                    payload = inj.body or {"message": "injected", "code": 0}
                    if inj.status == 429:
                        payload = {
                            "message": "You are being rate limited.",
                            "retry_after": 0.2,
                            "global": False,
                            **(inj.body or {}),
                        }
                    rec.status = inj.status
                    if inj.status == 429:
                        self.rate_limited.append(rec)
                    return self._json(payload, inj.status, inj.headers)
            limited, headers = self._rate_check(request.method, path)
            if limited is not None:
                rec.status = 429
                self.rate_limited.append(rec)
                return limited
            request[ARRIVED] = rec.at
            response = await self._route(request.method, path, body, request)
            for key, value in headers.items():
                response.headers.setdefault(key, value)
            rec.status = response.status
            if self.request_checker is not None:
                self.problems += self.request_checker(rec)
            return response
        finally:
            await self._notify()

    async def _route(self, method: str, path: str, body: Any, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if path == "/users/@me" and method == "GET":
            if not self.token_ok:
                return self._error(401, 0, "401: Unauthorized")
            return self._json(self.bot_user)
        if path == "/oauth2/applications/@me":
            return self._json(
                {
                    "id": str(self.app_id),
                    "name": "heartstopper-bot",
                    "description": "",
                    "icon": None,
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": self.owner,
                    "verify_key": "0" * 64,
                    "flags": 0,
                    "type": None,
                    "team": None,
                    "summary": "",
                    "rpc_origins": [],
                    "tags": [],
                    "interactions_endpoint_url": None,
                    "bot": self.bot_user,
                    "redirect_uris": [],
                }
            )
        if path in ("/gateway/bot", "/gateway"):
            return self._json(
                {
                    "url": f"ws://127.0.0.1:{self.port}",
                    "shards": self.shard_count,
                    "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
                }
            )
        if m := re.fullmatch(r"/applications/(\d+)(?:/guilds/(\d+))?/commands", path):
            scope = m.group(2) or "global"
            if method == "PUT":
                answer = []
                for cmd in body:
                    answer.append(
                        {
                            **cmd,
                            "id": str(b.snowflake()),
                            "application_id": str(self.app_id),
                            "version": str(b.snowflake()),
                            "type": cmd.get("type", 1),
                            "integration_types": cmd.get("integration_types") or [0],
                            "contexts": cmd.get("contexts"),
                        }
                    )
                self.commands[scope] = answer
                return self._json(answer)
            return self._json(self.commands.get(scope, []))
        if m := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            return self._callback(int(m.group(1)), m.group(2), body, arrived=request[ARRIVED])
        if m := re.fullmatch(r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)", path):
            return self._webhook_message(method, m.group(2), m.group(3), body)
        if m := re.fullmatch(r"/webhooks/(\d+)/([^/]+)", path):
            inter = self._by_token(m.group(2))
            if inter is None:
                return self._error(404, 10015, "Unknown Webhook")
            if inter.thinking and inter.original_message_id in self.messages:
                # As Discord does: the first follow-up after a deferral replaces the "thinking…"
                # message, which keeps the visibility chosen when deferring.
                inter.thinking = False
                msg = self.messages[inter.original_message_id]
                msg.update(self._edit_fields({k: v for k, v in body.items() if k != "flags"}))
                msg["flags"] = int(msg["flags"]) & ~LOADING
                self._changed_message(msg)
            else:
                msg = self._store(int(inter.payload["channel_id"]), body, interaction=inter)
            inter.followups.append(msg)
            return self._json(msg)
        if m := re.fullmatch(r"/channels/(\d+)/messages", path):
            if not auth.startswith("Bot "):
                return self._error(401, 0, "401: Unauthorized")
            channel_id = int(m.group(1))
            if channel_id in self.deleted_channels:
                return self._error(404, 10003, "Unknown Channel")
            if channel_id in self.forbidden_channels:
                return self._error(403, 50013, "Missing Permissions")
            if method == "POST":
                nonce = body.get("nonce")
                if nonce and body.get("enforce_nonce") and (channel_id, str(nonce)) in self.nonces:
                    return self._json(self.messages[self.nonces[(channel_id, str(nonce))]])
                msg = self._store(channel_id, body)
                if nonce:
                    self.nonces[(channel_id, str(nonce))] = int(msg["id"])
                return self._json(msg)
        if m := re.fullmatch(r"/guilds/(\d+)/scheduled-events(?:/(\d+))?", path):
            return self._scheduled_event(method, int(m.group(1)), m.group(2), body)
        if m := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path):
            message_id = int(m.group(2))
            if message_id not in self.messages:
                return self._error(404, 10008, "Unknown Message")
            if method == "PATCH":
                self.messages[message_id].update(self._edit_fields(body))
                self._changed_message(self.messages[message_id])
            if method == "DELETE":
                self._emit("delete", self.messages.pop(message_id))
                return web.Response(status=204)
            return self._json(self.messages[message_id])
        return self._error(404, 0, f"404: Not Found ({method} {path})")

    def bot_permissions(self, guild: dict[str, Any]) -> int:
        """What the bot may do server-wide: @everyone's permissions and its own roles'."""
        mine = {str(r) for m in guild["members"] if m["user"]["id"] == self.bot_user["id"] for r in m["roles"]}
        perms = 0
        for role in guild["roles"]:
            if role["id"] == guild["id"] or role["id"] in mine:
                perms |= int(role["permissions"])
        return perms

    def _scheduled_event(self, method: str, guild_id: int, event_id: str | None, body: Any) -> web.Response:
        """Guild Scheduled Events, checked as Discord checks them (Create Events, external needs end and place)."""
        guild = self.guilds.get(guild_id)
        if guild is None:
            return self._error(404, 10004, "Unknown Guild")
        perms = self.bot_permissions(guild)
        if method != "GET" and not perms & (b.CREATE_EVENTS | b.ADMINISTRATOR):
            return self._error(403, 50013, "Missing Permissions")
        events = self.scheduled_events.setdefault(guild_id, {})
        if event_id is None:
            if method == "GET":
                return self._json(list(events.values()))
            if body.get("entity_type") == 3 and not (
                body.get("scheduled_end_time") and (body.get("entity_metadata") or {}).get("location")
            ):
                return self._error(400, 50035, "Invalid Form Body: external events need an end time and a location")
            new_id = b.snowflake()
            events[new_id] = {
                "id": str(new_id),
                "guild_id": str(guild_id),
                "channel_id": None,
                "creator_id": self.bot_user["id"],
                "creator": self.bot_user,
                "name": body["name"],
                "description": body.get("description"),
                "scheduled_start_time": body["scheduled_start_time"],
                "scheduled_end_time": body.get("scheduled_end_time"),
                "privacy_level": body["privacy_level"],
                "status": 1,
                "entity_type": body["entity_type"],
                "entity_id": None,
                "entity_metadata": body.get("entity_metadata"),
                "user_count": 0,
                "image": None,
            }
            self._emit("scheduled-events", {"guild_id": str(guild_id), "events": list(events.values())})
            return self._json(events[new_id])
        event = events.get(int(event_id))
        if event is None:
            return self._error(404, 10070, "Unknown Guild Scheduled Event")
        if method == "DELETE":
            del events[int(event_id)]
            self._emit("scheduled-events", {"guild_id": str(guild_id), "events": list(events.values())})
            return web.Response(status=204)
        if method == "PATCH":
            event.update({k: v for k, v in body.items() if k in event})
            self._emit("scheduled-events", {"guild_id": str(guild_id), "events": list(events.values())})
        return self._json(event)

    @staticmethod
    def _edit_fields(body: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in body.items() if k in ("content", "embeds", "components", "flags")}

    def _store(
        self, channel_id: int, body: dict[str, Any], *, interaction: Interaction | None = None, flags: int = 0
    ) -> dict[str, Any]:
        message_id = b.snowflake()
        guild_id = next(
            (g for g, data in self.guilds.items() if any(int(c["id"]) == channel_id for c in data["channels"])), None
        )
        msg = b.message(
            message_id,
            channel_id,
            self.bot_user,
            dict(body),
            guild_id=guild_id,
            flags=flags,
            interaction_id=interaction.id if interaction else None,
        )
        msg["timestamp"] = self._timestamp()
        self.messages[message_id] = msg
        if interaction is not None:
            interaction.message_ids.append(message_id)
            self.message_interactions[message_id] = interaction
        self._emit("create", msg)
        return msg

    # --- watching messages (the playground shows them as they change) ---------------------------
    def _timestamp(self) -> str:
        return (self.clock() if self.clock else dt.datetime.now(dt.UTC)).isoformat()

    def _changed_message(self, msg: dict[str, Any]) -> None:
        msg["edited_timestamp"] = self._timestamp()
        self._emit("update", msg)

    def _emit(self, event: str, msg: dict[str, Any]) -> None:
        for listener in self.message_listeners:
            listener(event, msg)

    def _by_token(self, token: str) -> Interaction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)

    def _callback(self, interaction_id: int, token: str, body: dict[str, Any], *, arrived: float) -> web.Response:
        inter = self.interactions.get(interaction_id)
        if inter is None or inter.token != token or arrived - inter.sent_at > CALLBACK_DEADLINE:
            return self._error(404, 10062, "Unknown interaction")
        if inter.callbacks:
            return self._error(400, 40060, "Interaction has already been acknowledged.")
        inter.callbacks.append(body)
        inter.acked_at = time.monotonic()
        kind = body["type"]
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(interaction_id),
                "type": inter.payload["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool((body.get("data") or {}).get("flags", 0) & 64),
            }
        }
        data = body.get("data") or {}
        if kind in (4, 5):
            flags = LOADING if kind == 5 else 0
            msg = self._store(int(inter.payload["channel_id"]), data, interaction=inter, flags=flags)
            inter.original_message_id = int(msg["id"])
            inter.thinking = kind == 5
            answer["interaction"]["response_message_id"] = msg["id"]
            answer["resource"] = {"type": kind, "message": msg}
        elif kind == 7:
            message_id = int(inter.payload["message"]["id"])
            if message_id in self.messages:
                self.messages[message_id].update(self._edit_fields(data))
                self._changed_message(self.messages[message_id])
                answer["resource"] = {"type": 7, "message": self.messages[message_id]}
            answer["interaction"]["response_message_id"] = str(message_id)
        return self._json(answer)

    def _webhook_message(self, method: str, token: str, which: str, body: Any) -> web.Response:
        inter = self._by_token(token)
        if inter is None:
            return self._error(404, 10015, "Unknown Webhook")
        if which == "@original":
            if inter.original_message_id is None:
                return self._error(404, 10008, "Unknown Message")
            message_id = inter.original_message_id
        else:
            message_id = int(which)
        if message_id not in self.messages:
            return self._error(404, 10008, "Unknown Message")
        if method == "PATCH":
            self.messages[message_id].update(self._edit_fields(body))
            if which == "@original":
                inter.thinking = False
                self.messages[message_id]["flags"] = int(self.messages[message_id]["flags"]) & ~LOADING
            self._changed_message(self.messages[message_id])
        if method == "DELETE":
            self._emit("delete", self.messages.pop(message_id))
            return web.Response(status=204)
        return self._json(self.messages[message_id])

    # --- gateway --------------------------------------------------------------------------------
    @property
    def shard_count(self) -> int:
        """What /gateway/bot recommends: about one shard per 1,000 guilds, well under the 2,500 limit."""
        return max(1, math.ceil(len(self.guilds) / RECOMMENDED_PER_SHARD))

    @property
    def session_id(self) -> str:
        return self.sessions[0].session_id

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
            elif op == 2:
                self.identifies.append(data["d"])
                await self._ready(ws, data["d"])
            elif op == 6:
                self.resumes.append(data["d"])
                await self._resume(ws, data["d"])
            await self._notify()
        return ws

    async def _ready(self, ws: web.WebSocketResponse, identify: dict[str, Any]) -> None:
        shard = identify.get("shard") or [0, 1]
        mine = [g for g in self.guilds.values() if (int(g["id"]) >> 22) % shard[1] == shard[0]]
        if len(mine) > GUILDS_PER_SHARD:
            await ws.close(code=4011, message=b"Sharding required.")
            return
        session = Session(shard, f"session-{shard[0]}-{b.snowflake()}", ws)
        self.sessions[shard[0]] = session
        await self._send(
            session,
            "READY",
            {
                "v": 10,
                "user": self.bot_user,
                "guilds": [{"id": g["id"], "unavailable": True} for g in mine],
                "session_id": session.session_id,
                "resume_gateway_url": self.gateway_url,
                "shard": shard,
                "application": {"id": str(self.app_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "user_settings": {},
            },
        )
        for g in mine:
            await self._send(session, "GUILD_CREATE", g)
        if len(self.sessions) == shard[1]:
            self.ready_sent.set()

    async def _resume(self, ws: web.WebSocketResponse, resume: dict[str, Any]) -> None:
        session = next((s for s in self.sessions.values() if s.session_id == resume.get("session_id")), None)
        if session is None or self.refuse_next_resume:
            self.refuse_next_resume = False
            await ws.send_str(json.dumps({"op": 9, "d": False, "s": None, "t": None}))
            return
        session.ws = ws
        after = int(resume.get("seq") or 0)
        for event in session.history:
            if event["s"] > after:
                await ws.send_str(json.dumps(event))
        await self._send(session, "RESUMED", {})

    async def _send(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.history.append(frame)
        if session.ws is not None and not session.ws.closed:
            await session.ws.send_str(json.dumps(frame))

    def _session_for(self, data: dict[str, Any]) -> Session:
        guild_id = data.get("guild_id")
        if guild_id is None:
            return self.sessions[0]
        count = next(iter(self.sessions.values())).shard[1]
        return self.sessions[(int(guild_id) >> 22) % count]

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event on the shard that owns its guild, as Discord does."""
        await self._send(self._session_for(data), event, data)

    async def send_op(self, op: int, d: Any = None, *, shard: int = 0) -> None:
        ws = self.sessions[shard].ws
        if ws is None:
            raise RuntimeError(f"shard {shard} has no gateway connection")
        await ws.send_str(json.dumps({"op": op, "d": d, "s": None, "t": None}))

    async def drop_connection(self, *, shard: int = 0) -> None:
        ws = self.sessions[shard].ws
        if ws is not None:
            await ws.close(code=4000, message=b"dropped by test")

    # --- users doing things ---------------------------------------------------------------------
    def _command(self, name: str) -> dict[str, Any]:
        for scope in self.commands.values():
            for cmd in scope:
                if cmd["name"] == name:
                    return cmd
        synced = ", ".join(sorted(c["name"] for s in self.commands.values() for c in s))
        raise Refused(f"/{name} is not one of the bot's commands; its commands: {synced}")

    def _options(
        self,
        spec: list[dict[str, Any]],
        values: dict[str, Any],
        resolved: dict[str, Any],
        guild: dict[str, Any],
        *,
        focused: str | None = None,
        strict: bool = True,
        command_label: str = "command",
    ) -> list[dict[str, Any]]:
        """Typed options for the values, checked like Discord checks them against the synced command."""
        by_name = {o["name"]: o for o in spec}
        out = []
        for key, value in values.items():
            option = by_name.get(key)
            if option is None:
                known = ", ".join(sorted(by_name)) or "none"
                raise Refused(f"/{command_label} has no option `{key}`; its options: {known}")
            kind = option["type"]
            item: dict[str, Any] = {"name": key, "type": kind}
            if kind == 7:
                channel = next((c for c in guild["channels"] if str(c["id"]) == str(value)), None)
                if channel is None:
                    raise Refused(f"`{key}` must be a channel of this server")
                resolved.setdefault("channels", {})[str(value)] = {
                    "id": str(value),
                    "name": channel["name"],
                    "type": 0,
                    "permissions": str(b.MODERATOR_PERMS),
                    "guild_id": guild["id"],
                    "parent_id": None,
                    "position": channel["position"],
                    "flags": 0,
                    "permission_overwrites": channel["permission_overwrites"],
                    "nsfw": False,
                    "last_message_id": None,
                    "rate_limit_per_user": 0,
                    "topic": None,
                }
                item["value"] = str(value)
            elif kind == 11:
                attachment = self.upload(value)
                resolved.setdefault("attachments", {})[attachment["id"]] = attachment
                item["value"] = attachment["id"]
            elif kind == 6:
                uid = int(value["id"]) if isinstance(value, dict) else int(value)
                user_obj = value if isinstance(value, dict) else b.user(uid, f"user{uid}")
                resolved.setdefault("users", {})[str(uid)] = user_obj
                item["value"] = str(uid)
            else:
                item["value"] = value
                if strict and focused != key:
                    self._check_value(option, value)
            if focused == key:
                item["focused"] = True
            out.append(item)
        if strict and focused is None:
            missing = [o["name"] for o in spec if o.get("required") and o["name"] not in values]
            if missing:
                raise Refused(f"missing required option(s): {', '.join(missing)}")
        return out

    @staticmethod
    def _check_value(option: dict[str, Any], value: Any) -> None:
        name, low, high = option["name"], option.get("min_value"), option.get("max_value")
        if option["type"] == 4:
            if isinstance(value, bool) or not isinstance(value, int):
                raise Refused(f"`{name}` must be a whole number")
            if low is not None and value < low:
                raise Refused(f"`{name}` must be at least {low}")
            if high is not None and value > high:
                raise Refused(f"`{name}` must be at most {high}")
        if option["type"] == 3:
            if not isinstance(value, str):
                raise Refused(f"`{name}` must be text")
            longest, shortest = option.get("max_length"), option.get("min_length")
            if longest is not None and len(value) > longest:
                raise Refused(f"`{name}` can be at most {longest} characters")
            if shortest is not None and len(value) < shortest:
                raise Refused(f"`{name}` needs at least {shortest} characters")
        choices = [c["value"] for c in option.get("choices") or []]
        if choices and value not in choices:
            raise Refused(f"`{name}` must be one of: {', '.join(map(str, choices))}")

    def _base_interaction(
        self,
        kind: int,
        guild: dict[str, Any],
        channel_id: int,
        user_obj: dict[str, Any],
        permissions: int,
        data: dict[str, Any],
        *,
        app_permissions: int | None = None,
    ) -> Interaction:
        interaction_id = b.snowflake()
        token = f"tok{interaction_id}"
        channel = next(c for c in guild["channels"] if int(c["id"]) == channel_id)
        payload = {
            "id": str(interaction_id),
            "application_id": str(self.app_id),
            "type": kind,
            "token": token,
            "version": 1,
            "attachment_size_limit": 26214400,
            "guild_id": guild["id"],
            "guild": {"id": guild["id"], "locale": "en-US", "features": []},
            "channel_id": str(channel_id),
            "channel": channel,
            "member": b.member(user_obj, permissions=permissions),
            "app_permissions": str(b.MODERATOR_PERMS if app_permissions is None else app_permissions),
            "locale": "en-GB",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild["id"]},
            "context": 0,
            "data": data,
        }
        inter = Interaction(interaction_id, token, payload)
        self.interactions[interaction_id] = inter
        return inter

    def _command_data(
        self,
        command: str,
        values: dict[str, Any],
        guild: dict[str, Any],
        *,
        focused: str | None = None,
        strict: bool = True,
    ) -> dict[str, Any]:
        """The interaction ``data`` for ``/command [sub]`` with typed, checked options."""
        parts = command.split()
        cmd = self._command(parts[0])
        resolved: dict[str, Any] = {}
        declared = cmd.get("options", [])
        if len(parts) > 1:
            sub = next((o for o in declared if o["name"] == parts[1]), None)
            if sub is None:
                subs = ", ".join(o["name"] for o in declared if o["type"] in (1, 2))
                raise Refused(f"/{parts[0]} has no subcommand `{parts[1]}`; try one of: {subs}")
            declared = sub.get("options", [])
        opts = self._options(declared, values, resolved, guild, focused=focused, strict=strict, command_label=command)
        if len(parts) > 1:
            opts = [{"type": 1, "name": parts[1], "options": opts}]
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": opts}
        if resolved:
            data["resolved"] = resolved
        return data

    async def slash(
        self,
        command: str,
        guild: dict[str, Any],
        *,
        channel_id: int | None = None,
        user_obj: dict[str, Any] | None = None,
        permissions: int = b.MEMBER_PERMS,
        app_permissions: int | None = None,
        strict: bool = True,
        **options: Any,
    ) -> Interaction:
        """A member runs ``/command [sub] option:value``."""
        channel_id = channel_id or self.channel_ids(guild)[0]
        user_obj = user_obj or b.user(424242, "fan")
        data = self._command_data(command, options, guild, strict=strict)
        inter = self._base_interaction(
            2, guild, channel_id, user_obj, permissions, data, app_permissions=app_permissions
        )
        inter.sent_at = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", inter.payload)
        return inter

    async def autocomplete(
        self,
        command: str,
        guild: dict[str, Any],
        focused: str,
        value: str,
        *,
        channel_id: int | None = None,
        user_obj: dict[str, Any] | None = None,
        permissions: int = b.MEMBER_PERMS,
        **others: Any,
    ) -> Interaction:
        data = self._command_data(command, {**others, focused: value}, guild, focused=focused)
        inter = self._base_interaction(
            4,
            guild,
            channel_id or self.channel_ids(guild)[0],
            user_obj or b.user(424242, "fan"),
            permissions,
            data,
        )
        inter.sent_at = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", inter.payload)
        return inter

    async def click(
        self,
        message_id: int,
        custom_id: str,
        guild: dict[str, Any],
        *,
        user_obj: dict[str, Any] | None = None,
        permissions: int = b.MEMBER_PERMS,
    ) -> Interaction:
        message = self.messages[message_id]
        data = {"custom_id": custom_id, "component_type": 2}
        inter = self._base_interaction(
            3, guild, int(message["channel_id"]), user_obj or b.user(424242, "fan"), permissions, data
        )
        inter.payload["message"] = message
        inter.sent_at = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", inter.payload)
        return inter

    async def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        async def ready() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        try:
            await asyncio.wait_for(ready(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None

    async def reply_to(self, inter: Interaction, timeout: float = 10.0) -> dict[str, Any]:
        """The callback body the bot sent for an interaction."""
        await self.wait_until(lambda: bool(inter.callbacks), timeout, f"a callback to {inter.payload['data']}")
        return inter.callbacks[0]

    def callback_statuses(self, inter: Interaction) -> list[int]:
        """How the stand-in answered each callback the bot sent for an interaction (404 after 3 s)."""
        return [r.status for r in self.requests if r.path.startswith(f"/interactions/{inter.id}/")]

    async def followup_of(self, inter: Interaction, timeout: float = 10.0) -> dict[str, Any]:
        await self.wait_until(lambda: bool(inter.followups), timeout, f"a follow-up to {inter.payload['data']}")
        return inter.followups[0]

    def latest_with_buttons(self, channel_id: int) -> dict[str, Any] | None:
        """The newest message in a channel that carries buttons (a trivia question, say)."""
        found = [m for m in self.messages.values() if m["channel_id"] == str(channel_id) and m.get("components")]
        return found[-1] if found else None

    def channel_posts(self, channel_id: int) -> list[dict[str, Any]]:
        return [
            r.body
            for r in self.requests
            if r.method == "POST" and r.path == f"/channels/{channel_id}/messages" and r.status == 200
        ]


def button_ids(message: dict[str, Any]) -> list[str]:
    return [
        c["custom_id"] for row in message.get("components", []) for c in row.get("components", []) if "custom_id" in c
    ]
