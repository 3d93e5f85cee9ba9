"""The playground's web side: the page, a websocket of message changes, and what a person can do.

The page never receives HTML from a message: it gets the message objects the bot sent (content,
embeds, buttons) as JSON and builds the DOM from text. A member's actions go through the local
Discord exactly as a Discord client's would (``LocalDiscord.slash``, ``autocomplete``, ``click``),
so the bot cannot tell the playground from Discord.

Each member has a language, as each Discord user has one: the page picks it beside the member and
sends it with every action, and the bot reads it as Discord's ``locale`` (private answers in it). The
server's language is the bot's own business (``/settings language``, else the server's preferred
locale); the page shows which one it is. The page's own words (buttons, hints) stay English.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from aiohttp import WSMsgType, web

from bot.i18n import SUPPORTED
from bot.i18n.locales import NAMES, Locale
from bot.localdiscord import builders as b
from bot.localdiscord.server import LocalDiscord, Refused
from bot.playground.clock import PlaygroundClock
from bot.playground.commands import CommandEntry, flatten, parse
from bot.playground.guard import Guard
from bot.services.settings_report import Upcoming

log = logging.getLogger(__name__)

STATIC = resources.files("bot.playground") / "static"
_CONTENT_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
EPHEMERAL, LOADING = 1 << 6, 1 << 7
AUTOCOMPLETE_TIMEOUT = 3.0
MAX_UPLOAD_BYTES = 1024 * 1024
# Changes a page may fall behind by before it is sent a fresh state instead (it reconnects on its own).
MAX_QUEUED = 1_000
# The Discord locale a member's client sends for each of the bot's languages (Discord has no plain "en").
DISCORD_CODES: dict[Locale, str] = {"en": "en-US", "pt-BR": "pt-BR", "es-ES": "es-ES", "fr": "fr", "de": "de"}
MEMBER_LOCALES = {DISCORD_CODES[locale]: NAMES[locale] for locale in SUPPORTED}  # code -> the language's own name
DEFAULT_MEMBER_LOCALE = DISCORD_CODES["en"]


@dataclass(frozen=True, slots=True)
class Member:
    """Someone the person at the page can act as."""

    user: dict[str, Any]
    moderator: bool

    @property
    def id(self) -> int:
        return int(self.user["id"])

    @property
    def permissions(self) -> int:
        return b.MODERATOR_PERMS if self.moderator else b.MEMBER_PERMS

    def as_json(self) -> dict[str, Any]:
        return {"id": str(self.id), "name": self.user["global_name"], "moderator": self.moderator}


def _number(data: dict[str, Any], key: str) -> float:
    """A JSON number (not a bool, not a string); JSON's NaN and 1e400 arrive as floats and are judged later."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number")
    try:
        return float(value)
    except OverflowError:  # an integer too large for a float
        raise ValueError(f"{key} is too large") from None


def _event_view(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(event["id"]),
        "name": event["name"],
        "start": event["scheduled_start_time"],
        "location": (event.get("entity_metadata") or {}).get("location"),
    }


def default_members() -> list[Member]:
    """A small fan server: one moderator (Manage Server) and three members."""
    people = [("Ava", True), ("Ben", False), ("Cleo", False), ("Dev", False)]
    return [Member(b.user(1001 + i, name.lower()) | {"global_name": name}, mod) for i, (name, mod) in enumerate(people)]


class Playground:
    """Serves the page and turns what a person does into what a Discord client would send."""

    def __init__(
        self,
        discord: LocalDiscord,
        guild: dict[str, Any],
        clock: PlaygroundClock,
        members: list[Member],
        *,
        upcoming: Callable[[], Awaitable[list[Upcoming]]],
        guard: Guard,
        language: Callable[[], Awaitable[Locale]] | None = None,
    ) -> None:
        self.discord = discord
        self.guild = guild
        self.clock = clock
        self.members = {m.id: m for m in members}
        self.guard = guard
        self._upcoming = upcoming
        self._language = language  # the server's language (a locale code), as the bot decides it
        self._clients: dict[web.WebSocketResponse, asyncio.Queue[dict[str, Any]]] = {}
        self._closing: set[asyncio.Task[bool]] = set()
        discord.message_listeners.append(self._message_changed)

    # --- the app ----------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=2 * 1024 * 1024, middlewares=self.guard.middlewares())
        app.router.add_get("/", self._index)
        app.router.add_get("/static/{name}", self._static)
        app.router.add_get("/ws", self._socket)
        app.router.add_get("/api/session", self._session)
        app.router.add_post("/api/run", self._run)
        app.router.add_post("/api/autocomplete", self._autocomplete)
        app.router.add_post("/api/click", self._click)
        app.router.add_post("/api/clock", self._clock)
        app.router.add_post("/api/upcoming", self._upcoming_view)
        return app

    async def _index(self, _: web.Request) -> web.Response:
        return self._file("index.html")

    async def _session(self, _: web.Request) -> web.Response:
        """What a page asks while it is disconnected: 200 (come back), 401 (another run), or no answer (down)."""
        return web.json_response({"ok": True}, headers={"Cache-Control": "no-store"})

    async def _static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if "/" in name or name.startswith(".") or not (STATIC / name).is_file():
            raise web.HTTPNotFound
        return self._file(name)

    @staticmethod
    def _file(name: str) -> web.Response:
        suffix = name[name.rfind(".") :]
        return web.Response(
            body=(STATIC / name).read_bytes(),
            content_type=_CONTENT_TYPES.get(suffix, "application/octet-stream"),
            headers={"Cache-Control": "no-store"},  # the Content-Security-Policy comes with every answer (guard.py)
        )

    # --- state for the page -------------------------------------------------------------------
    def entries(self) -> list[CommandEntry]:
        return flatten([c for scope in self.discord.commands.values() for c in scope])

    def clock_state(self) -> dict[str, Any]:
        return {"now_ms": self.clock.now().timestamp() * 1000, "speed": self.clock.speed}

    def state(self) -> dict[str, Any]:
        channels = [{"id": str(c["id"]), "name": c["name"]} for c in self.guild["channels"]]
        bot_user = self.discord.bot_user
        return {
            "type": "state",
            "guild": {"id": str(self.guild["id"]), "name": self.guild["name"]},
            "channels": channels,
            "members": [m.as_json() for m in self.members.values()],
            "languages": [{"code": code, "name": name} for code, name in MEMBER_LOCALES.items()],
            "default_language": DEFAULT_MEMBER_LOCALE,
            "bot": {"id": str(bot_user["id"]), "name": bot_user["username"]},
            "commands": [e.as_json() for e in self.entries()],
            "clock": self.clock_state(),
            "messages": [self._view(m) for m in self.discord.messages.values()],
            "events": [_event_view(e) for e in self.discord.scheduled_events.get(int(self.guild["id"]), {}).values()],
        }

    def _view(self, msg: dict[str, Any]) -> dict[str, Any]:
        """A message as the page needs it: who may see it, and which command it answers."""
        inter = self.discord.message_interactions.get(int(msg["id"]))
        visible_to = None
        used = None
        if inter is not None:
            user_id = str(inter.payload["member"]["user"]["id"])
            if int(msg["flags"]) & EPHEMERAL:
                visible_to = user_id
            data = inter.payload["data"]
            if inter.payload["type"] == 2:
                sub = next((o["name"] for o in data.get("options") or [] if o.get("type") == 1), None)
                used = {"user_id": user_id, "command": "/" + " ".join(p for p in (data["name"], sub) if p)}
        return {
            "id": str(msg["id"]),
            "channel_id": str(msg["channel_id"]),
            "content": msg.get("content") or "",
            "embeds": msg.get("embeds") or [],
            "components": msg.get("components") or [],
            "thinking": bool(int(msg["flags"]) & LOADING),
            "timestamp": msg.get("timestamp"),
            "edited": bool(msg.get("edited_timestamp")),
            "visible_to": visible_to,
            "used": used,
            "interaction_id": str(inter.id) if inter is not None else None,
        }

    def _message_changed(self, event: str, msg: dict[str, Any]) -> None:
        if event == "scheduled-events":  # the server's event list (/settings release-events)
            if str(msg.get("guild_id")) == str(self.guild["id"]):
                self.broadcast({"type": "events", "events": [_event_view(e) for e in msg["events"]]})
            return
        self.broadcast({"type": event, "message": self._view(msg)})

    def broadcast(self, event: dict[str, Any]) -> None:
        for ws, queue in list(self._clients.items()):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # A page that stopped reading (a suspended tab) must not grow without end: drop it; when it
                # reads again it reconnects and gets the whole state afresh.
                del self._clients[ws]
                task = asyncio.create_task(ws.close(code=1013, message=b"fell behind; reconnect"))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=20)
        await ws.prepare(request)
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(MAX_QUEUED)
        queue.put_nowait(self.state())
        self._clients[ws] = queue

        async def pump() -> None:
            while True:
                await ws.send_str(json.dumps(await queue.get()))

        sender = asyncio.create_task(pump())
        try:
            async for message in ws:
                if message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            self._clients.pop(ws, None)
            sender.cancel()
        return ws

    async def close(self) -> None:
        """Say goodbye to open pages, so shutting down does not wait for them (and they show why)."""
        for ws in list(self._clients):
            await ws.close(code=1001, message=b"the playground stopped")

    # --- what a person does -------------------------------------------------------------------
    async def _body(self, request: web.Request) -> tuple[dict[str, Any], Member]:
        try:
            data = await request.json()
            member = self.members[int(data["member_id"])]
        except (ValueError, KeyError, TypeError):
            raise web.HTTPBadRequest(text="expected JSON with a member_id") from None
        return data, member

    @staticmethod
    def _locale(data: dict[str, Any]) -> str:
        """The acting member's Discord language, as the page picked it (English when it says none)."""
        code = data.get("locale")
        if code is None:
            return DEFAULT_MEMBER_LOCALE
        if not isinstance(code, str) or code not in MEMBER_LOCALES:
            raise web.HTTPBadRequest(text=f"unknown language; one of: {', '.join(MEMBER_LOCALES)}")
        return code

    def _channel(self, data: dict[str, Any]) -> int:
        wanted = str(data.get("channel_id"))
        if not any(str(c["id"]) == wanted for c in self.guild["channels"]):
            raise web.HTTPBadRequest(text="unknown channel")
        return int(wanted)

    def _parse(self, text: str, member: Member) -> tuple[str, dict[str, Any]]:
        entries = self.entries()
        parsed = parse(text, entries, channels=self.guild["channels"], members=[m.user for m in self.members.values()])
        entry = next(e for e in entries if e.path == parsed.path)
        if entry.moderator_only and not member.moderator:
            # Discord does not even list it for them: default_member_permissions is Manage Server.
            raise Refused(f"/{parsed.path} is only for members with Manage Server. Act as a moderator to use it.")
        return parsed.path, parsed.options

    async def _run(self, request: web.Request) -> web.Response:
        data, member = await self._body(request)
        locale = self._locale(data)
        channel_id = self._channel(data)
        try:
            path, options = self._parse(str(data.get("text", "")), member)
            options.update(self._files(data.get("files")))
            inter = await self.discord.slash(
                path,
                self.guild,
                channel_id=channel_id,
                user_obj=member.user,
                permissions=member.permissions,
                user_locale=locale,
                **options,
            )
        except Refused as refused:
            return web.json_response({"ok": False, "error": str(refused)})
        return web.json_response({"ok": True, "interaction_id": str(inter.id)})

    @staticmethod
    def _files(files: object) -> dict[str, Any]:
        """Attachment options the page picked files for: ``{option: {filename, content (base64)}}``."""
        if not isinstance(files, dict):
            return {}
        attached: dict[str, Any] = {}
        for name, file in files.items():
            try:
                content = base64.b64decode(str(file["content"]), validate=True)
                filename = str(file["filename"])[:100] or "file"
            except (KeyError, TypeError, ValueError, binascii.Error):
                raise Refused(f"`{name}`: the file could not be read; pick it again") from None
            if len(content) > MAX_UPLOAD_BYTES:
                raise Refused(f"`{name}`: files in the playground can be at most {MAX_UPLOAD_BYTES // 1024} KB")
            attached[str(name)] = {"filename": filename, "content": content}
        return attached

    async def _autocomplete(self, request: web.Request) -> web.Response:
        data, member = await self._body(request)
        locale = self._locale(data)
        channel_id = self._channel(data)
        try:
            path, options = self._parse(str(data.get("text", "")), member)
        except Refused:
            return web.json_response({"choices": []})
        if not options:
            return web.json_response({"choices": []})
        focused = list(options)[-1]
        value = options.pop(focused)
        try:
            inter = await self.discord.autocomplete(
                path,
                self.guild,
                focused,
                str(value),
                channel_id=channel_id,
                user_obj=member.user,
                permissions=member.permissions,
                user_locale=locale,
                **options,
            )
            answer = await self.discord.reply_to(inter, timeout=AUTOCOMPLETE_TIMEOUT)
        except (Refused, AssertionError):
            return web.json_response({"choices": []})
        return web.json_response({"choices": (answer.get("data") or {}).get("choices", [])})

    async def _click(self, request: web.Request) -> web.Response:
        data, member = await self._body(request)
        locale = self._locale(data)
        message_id = int(data.get("message_id", 0))
        if message_id not in self.discord.messages:
            return web.json_response({"ok": False, "error": "That message is gone."})
        await self.discord.click(
            message_id,
            str(data.get("custom_id", "")),
            self.guild,
            user_obj=member.user,
            permissions=member.permissions,
            user_locale=locale,
        )
        return web.json_response({"ok": True})

    async def _upcoming_view(self, _: web.Request) -> web.Response:
        """What the bot will do next on its own, feature by feature (the clock panel's list), and the
        language the server speaks in public (asked here, since the page asks after every message)."""
        answer: dict[str, Any] = {"ok": True, "upcoming": [_upcoming_json(i) for i in await self._upcoming()]}
        if self._language is not None:
            code = await self._language()
            answer["language"] = {"code": code, "name": NAMES[code]}
        return web.json_response(answer)

    async def _clock(self, request: web.Request) -> web.Response:
        """Move the clock; anything it cannot do is a 400 with the reason, never a 500 (1e12 s, NaN, inf)."""
        try:
            data = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="expected JSON with an action") from None
        action = data.get("action") if isinstance(data, dict) else None
        try:
            if action == "speed":
                self.clock.set_speed(_number(data, "value"))
            elif action == "advance":
                self.clock.advance(_number(data, "seconds"))
            elif action == "next-post":
                coming = await self._upcoming()
                due = [item.at for item in coming if item.at is not None]
                if not due:
                    why = "; ".join(f"{item.feature}: {item.note}" for item in coming)
                    return web.json_response({"ok": False, "error": f"Nothing is scheduled to post. {why}."})
                self.clock.jump_to(min(due) + dt.timedelta(seconds=1))
            else:
                raise web.HTTPBadRequest(text="expected an action: speed, advance or next-post")
        except ValueError as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        self.broadcast({"type": "clock", "clock": self.clock_state()})
        return web.json_response({"ok": True, "clock": self.clock_state()})


def _upcoming_json(item: Upcoming) -> dict[str, Any]:
    return {
        "feature": item.feature,
        "at_ms": None if item.at is None else item.at.timestamp() * 1000,
        "note": item.note,
    }
