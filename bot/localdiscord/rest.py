"""Discord's REST routes under /api/v10, one aiohttp handler per route, answering in Discord's shapes.

Routes (``{app}``, ``{channel}``... are snowflakes):

- ``GET /users/@me`` (401 while ``token_ok`` is false), ``GET /oauth2/applications/@me``,
  ``GET /gateway`` and ``/gateway/bot``.
- ``PUT``/``GET /applications/{app}/commands`` and ``.../guilds/{guild}/commands``.
- ``POST /interactions/{id}/{token}/callback`` (404 10062 after 3 s or a second time: 400 40060),
  ``POST /webhooks/{app}/{token}`` (a follow-up; the first one after a deferral replaces the
  "thinking…" message), ``GET``/``PATCH``/``DELETE /webhooks/{app}/{token}/messages/{@original|id}``.
- ``POST /channels/{channel}/messages`` (nonce window: ``world.py``; 403 50013 in
  ``forbidden_channels``), ``GET /channels/{channel}/messages?limit&before&after&around`` (history,
  newest first; 403 50001 in ``unreadable_channels``; ``[]`` in ``historyless_channels``),
  ``GET``/``PATCH``/``DELETE /channels/{channel}/messages/{message}`` (404 10008 when absent).
  Every channel route answers 404 10003 for a channel that is unknown or deleted.
- ``GET``/``POST /guilds/{guild}/scheduled-events``, ``GET``/``PATCH``/``DELETE .../{event}``
  (changes need Create Events: 403 50013; an external event needs an end and a place: 400 50035).

Messages read back (history, single GET) carry no ``nonce``: Discord does not store it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.localdiscord import builders as b
from bot.localdiscord.answers import answer, error, no_content
from bot.localdiscord.gateway import Gateway
from bot.localdiscord.kinds import CallbackType, CommandType, EntityType, MessageFlag
from bot.localdiscord.middleware import ARRIVED, body_of
from bot.localdiscord.world import HISTORY_LIMIT, HISTORY_MAX, Json, World, edit_fields, served

CALLBACK_DEADLINE = 3.0  # seconds Discord waits for an interaction's first callback, then 10062
SNOWFLAKE = r"{%s:\d+}"


def _id(name: str) -> str:
    return SNOWFLAKE % name


class Rest:
    """The REST handlers, over one world."""

    def __init__(self, world: World, gateway: Gateway, ws_root: Callable[[], str]) -> None:
        self._world = world
        self._gateway = gateway
        self._ws_root = ws_root

    def routes(self) -> list[web.RouteDef]:
        app, channel, guild = _id("app"), _id("channel"), _id("guild")
        return [
            web.get("/users/@me", self.me),
            web.get("/oauth2/applications/@me", self.application),
            web.get("/gateway", self.gateway),
            web.get("/gateway/bot", self.gateway),
            web.put(f"/applications/{app}/commands", self.put_commands),
            web.get(f"/applications/{app}/commands", self.get_commands),
            web.put(f"/applications/{app}/guilds/{guild}/commands", self.put_commands),
            web.get(f"/applications/{app}/guilds/{guild}/commands", self.get_commands),
            web.post(f"/interactions/{_id('interaction')}/{{token}}/callback", self.callback),
            web.post(f"/webhooks/{app}/{{token}}", self.followup),
            web.get(f"/webhooks/{app}/{{token}}/messages/{{which}}", self.webhook_message),
            web.patch(f"/webhooks/{app}/{{token}}/messages/{{which}}", self.webhook_message),
            web.delete(f"/webhooks/{app}/{{token}}/messages/{{which}}", self.webhook_message),
            web.post(f"/channels/{channel}/messages", self.create_message),
            web.get(f"/channels/{channel}/messages", self.history),
            web.get(f"/channels/{channel}/messages/{_id('message')}", self.message),
            web.patch(f"/channels/{channel}/messages/{_id('message')}", self.message),
            web.delete(f"/channels/{channel}/messages/{_id('message')}", self.message),
            web.get(f"/guilds/{guild}/scheduled-events", self.list_events),
            web.post(f"/guilds/{guild}/scheduled-events", self.create_event),
            web.get(f"/guilds/{guild}/scheduled-events/{_id('event')}", self.event),
            web.patch(f"/guilds/{guild}/scheduled-events/{_id('event')}", self.event),
            web.delete(f"/guilds/{guild}/scheduled-events/{_id('event')}", self.event),
        ]

    # --- login ----------------------------------------------------------------------------------
    async def me(self, _: web.Request) -> web.Response:
        if not self._world.token_ok:
            return error(401, 0, "401: Unauthorized")
        return answer(self._world.bot_user)

    async def application(self, _: web.Request) -> web.Response:
        return answer(
            {
                "id": str(self._world.app_id),
                "name": "heartstopper-bot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self._world.owner,
                "verify_key": "0" * 64,
                "flags": 0,
                "type": None,
                "team": None,
                "summary": "",
                "rpc_origins": [],
                "tags": [],
                "interactions_endpoint_url": None,
                "bot": self._world.bot_user,
                "redirect_uris": [],
            }
        )

    async def gateway(self, _: web.Request) -> web.Response:
        return answer(
            {
                "url": self._ws_root(),
                "shards": self._gateway.shard_count,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
            }
        )

    # --- commands -------------------------------------------------------------------------------
    async def put_commands(self, request: web.Request) -> web.Response:
        synced = [
            {
                **cmd,
                "id": str(self._world.ids.next()),
                "application_id": str(self._world.app_id),
                "version": str(self._world.ids.next()),
                "type": cmd.get("type", int(CommandType.chat_input)),
                "integration_types": cmd.get("integration_types") or [0],
                "contexts": cmd.get("contexts"),
            }
            for cmd in body_of(request)
        ]
        self._world.commands[request.match_info.get("guild", "global")] = synced
        return answer(synced)

    async def get_commands(self, request: web.Request) -> web.Response:
        return answer(self._world.commands.get(request.match_info.get("guild", "global"), []))

    # --- interactions ---------------------------------------------------------------------------
    async def callback(self, request: web.Request) -> web.Response:
        world, body = self._world, body_of(request)
        interaction_id = int(request.match_info["interaction"])
        inter = world.interactions.get(interaction_id)
        if inter is None or inter.token != request.match_info["token"]:
            return error(404, 10062, "Unknown interaction")
        if request[ARRIVED] - inter.sent_at > CALLBACK_DEADLINE:
            return error(404, 10062, "Unknown interaction")
        if inter.callbacks:
            return error(400, 40060, "Interaction has already been acknowledged.")
        inter.callbacks.append(body)
        inter.acked_at = time.monotonic()
        kind = body["type"]
        data = body.get("data") or {}
        result: Json = {
            "interaction": {
                "id": str(interaction_id),
                "type": inter.payload["type"],
                "response_message_loading": kind == CallbackType.deferred_channel_message,
                "response_message_ephemeral": bool(data.get("flags", 0) & MessageFlag.ephemeral),
            }
        }
        if kind in (CallbackType.channel_message, CallbackType.deferred_channel_message):
            deferred = kind == CallbackType.deferred_channel_message
            flags = MessageFlag.loading if deferred else 0
            msg = world.store_message(int(inter.payload["channel_id"]), data, interaction=inter, flags=flags)
            inter.original_message_id = int(msg["id"])
            inter.thinking = deferred
            result["interaction"]["response_message_id"] = msg["id"]
            result["resource"] = {"type": kind, "message": msg}
        elif kind == CallbackType.message_update:
            message_id = int(inter.payload["message"]["id"])
            if message_id in world.messages:
                result["resource"] = {"type": kind, "message": world.edit_message(message_id, data)}
            result["interaction"]["response_message_id"] = str(message_id)
        return answer(result)

    async def followup(self, request: web.Request) -> web.Response:
        world, body = self._world, body_of(request)
        inter = world.interaction_by_token(request.match_info["token"])
        if inter is None:
            return error(404, 10015, "Unknown Webhook")
        if inter.thinking and inter.original_message_id in world.messages:
            # As Discord does: the first follow-up after a deferral replaces the "thinking…"
            # message, which keeps the visibility chosen when deferring.
            inter.thinking = False
            msg = world.messages[inter.original_message_id]
            msg.update(edit_fields({k: v for k, v in body.items() if k != "flags"}))
            msg["flags"] = int(msg["flags"]) & ~MessageFlag.loading
            world.changed_message(msg)
        else:
            msg = world.store_message(int(inter.payload["channel_id"]), body, interaction=inter)
        inter.followups.append(msg)
        return answer(msg)

    async def webhook_message(self, request: web.Request) -> web.Response:
        world = self._world
        inter = world.interaction_by_token(request.match_info["token"])
        if inter is None:
            return error(404, 10015, "Unknown Webhook")
        which = request.match_info["which"]
        if which == "@original":
            if inter.original_message_id is None:
                return error(404, 10008, "Unknown Message")
            message_id = inter.original_message_id
        elif which.isdigit():
            message_id = int(which)
        else:
            return error(404, 10008, "Unknown Message")
        if message_id not in world.messages:
            return error(404, 10008, "Unknown Message")
        if request.method == "DELETE":
            world.delete_message(message_id)
            return no_content()
        if request.method == "PATCH":
            msg = world.messages[message_id]
            msg.update(edit_fields(body_of(request)))
            if which == "@original":
                inter.thinking = False
                msg["flags"] = int(msg["flags"]) & ~MessageFlag.loading
            world.changed_message(msg)
        return answer(world.messages[message_id])

    # --- channels -------------------------------------------------------------------------------
    def _channel(self, request: web.Request) -> tuple[int, web.Response | None]:
        """The channel of a channel route, or Discord's refusal: 401 without a bot token, 404 10003."""
        channel_id = int(request.match_info["channel"])
        if not request.headers.get("Authorization", "").startswith("Bot "):
            return channel_id, error(401, 0, "401: Unauthorized")
        if not self._world.channel_exists(channel_id):
            return channel_id, error(404, 10003, "Unknown Channel")
        return channel_id, None

    def _unreadable(self, channel_id: int) -> web.Response | None:
        if channel_id in self._world.unreadable_channels:
            return error(403, 50001, "Missing Access")
        return None

    async def create_message(self, request: web.Request) -> web.Response:
        channel_id, refused = self._channel(request)
        if refused is not None:
            return refused
        if channel_id in self._world.forbidden_channels:
            return error(403, 50013, "Missing Permissions")
        return answer(self._world.send(channel_id, body_of(request)))

    async def history(self, request: web.Request) -> web.Response:
        channel_id, refused = self._channel(request)
        if refused is not None or (refused := self._unreadable(channel_id)) is not None:
            return refused
        query = request.query
        anchors = [k for k in ("before", "after", "around") if k in query]
        if len(anchors) > 1:
            return error(400, 50035, "Invalid Form Body: before, after and around are mutually exclusive")
        try:
            limit = int(query.get("limit", HISTORY_LIMIT))
            anchor = {k: int(query[k]) for k in anchors}
        except ValueError:
            return error(400, 50035, "Invalid Form Body: limit and snowflakes must be integers")
        if not 1 <= limit <= HISTORY_MAX:
            return error(400, 50035, f"Invalid Form Body: limit must be between 1 and {HISTORY_MAX}")
        if channel_id in self._world.historyless_channels:
            return answer([])  # no Read Message History: Discord answers with no messages, not an error
        return answer(self._world.history(channel_id, limit=limit, **anchor))

    async def message(self, request: web.Request) -> web.Response:
        world = self._world
        channel_id, refused = self._channel(request)
        if refused is not None:
            return refused
        reading = request.method == "GET"
        if reading and (refused := self._unreadable(channel_id)) is not None:
            return refused
        if reading and channel_id in world.historyless_channels:
            return error(403, 50001, "Missing Access")
        message_id = int(request.match_info["message"])
        if world.in_channel(channel_id, message_id) is None:
            return error(404, 10008, "Unknown Message")
        if request.method == "DELETE":
            world.delete_message(message_id)
            return no_content()
        if request.method == "PATCH":
            return answer(world.edit_message(message_id, body_of(request)))
        return answer(served(world.messages[message_id]))

    # --- scheduled events -----------------------------------------------------------------------
    def _guild(self, request: web.Request, *, changing: bool) -> tuple[int, web.Response | None]:
        guild_id = int(request.match_info["guild"])
        guild = self._world.guilds.get(guild_id)
        if guild is None:
            return guild_id, error(404, 10004, "Unknown Guild")
        if changing and not self._world.bot_permissions(guild) & (b.CREATE_EVENTS | b.ADMINISTRATOR):
            return guild_id, error(403, 50013, "Missing Permissions")
        return guild_id, None

    async def list_events(self, request: web.Request) -> web.Response:
        """The guild's events, the bot's own among them (``creator_id`` is the bot's id for those)."""
        guild_id, refused = self._guild(request, changing=False)
        if refused is not None:
            return refused
        return answer(list(self._world.scheduled_events.get(guild_id, {}).values()))

    async def create_event(self, request: web.Request) -> web.Response:
        """Guild Scheduled Events, checked as Discord checks them (Create Events, external needs end and place)."""
        guild_id, refused = self._guild(request, changing=True)
        if refused is not None:
            return refused
        body = body_of(request)
        external = body.get("entity_type") == EntityType.external
        if external and not (body.get("scheduled_end_time") and (body.get("entity_metadata") or {}).get("location")):
            return error(400, 50035, "Invalid Form Body: external events need an end time and a location")
        return answer(self._world.create_event(guild_id, body))

    async def event(self, request: web.Request) -> web.Response:
        guild_id, refused = self._guild(request, changing=request.method != "GET")
        if refused is not None:
            return refused
        event_id = int(request.match_info["event"])
        event: Any = self._world.scheduled_events.get(guild_id, {}).get(event_id)
        if event is None:
            return error(404, 10070, "Unknown Guild Scheduled Event")
        if request.method == "DELETE":
            self._world.delete_event(guild_id, event_id)
            return no_content()
        if request.method == "PATCH":
            event = self._world.update_event(guild_id, event_id, body_of(request))
        return answer(event)
