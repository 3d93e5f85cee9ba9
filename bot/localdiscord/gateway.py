"""The gateway websocket: HELLO, IDENTIFY → READY and one GUILD_CREATE per guild, heartbeats, RESUME.

One ``Session`` per shard (``IDENTIFY``'s ``shard``), holding the frames a RESUME replays: the
newest ``max_frames`` of them. A RESUME from further back than that is answered with an invalid
session (op 9, ``d: false``), as Discord does when it cannot replay, and the bot identifies afresh.
A shard with more than 2,500 guilds is closed with 4011 "Sharding required".

Test controls: ``dispatch`` (an event on the shard owning its guild), ``send_op`` (a raw opcode,
e.g. 7 RECONNECT), ``drop_connection`` (the socket closes under the bot) and
``refuse_next_resume``.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bot.localdiscord.bounded import BoundedLog
from bot.localdiscord.changes import Changes
from bot.localdiscord.kinds import Op
from bot.localdiscord.world import World

GUILDS_PER_SHARD = 2500  # Discord closes an identify with more than this with 4011 "sharding required"
RECOMMENDED_PER_SHARD = 1000  # what /gateway/bot's "shards" works out to in practice
HEARTBEAT_INTERVAL_MS = 41250


@dataclass
class Session:
    """One shard's gateway session: its socket, sequence and the events a RESUME replays."""

    shard: list[int]
    session_id: str
    ws: web.WebSocketResponse | None
    seq: int = 0
    history: deque[dict[str, Any]] = field(default_factory=deque)


class Gateway:
    """Gateway sessions for every shard of the bot."""

    def __init__(self, world: World, changes: Changes, url: Callable[[], str], *, max_frames: int) -> None:
        self._world = world
        self._changes = changes
        self._url = url
        self.max_frames = max_frames
        self.sessions: dict[int, Session] = {}  # by shard id
        self.identifies: BoundedLog[dict[str, Any]] = BoundedLog(1000)
        self.resumes: BoundedLog[dict[str, Any]] = BoundedLog(1000)
        self.refuse_next_resume = False  # answer the next RESUME with an invalid session
        self.ready_sent = asyncio.Event()  # every shard of the last IDENTIFY's count has had READY

    @property
    def shard_count(self) -> int:
        """What /gateway/bot recommends: about one shard per 1,000 guilds, well under the 2,500 limit."""
        return max(1, math.ceil(len(self._world.guilds) / RECOMMENDED_PER_SHARD))

    @property
    def session_id(self) -> str:
        return self.sessions[0].session_id

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        await self._op(ws, Op.hello, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == Op.heartbeat:
                await self._op(ws, Op.heartbeat_ack, None)
            elif op == Op.identify:
                self.identifies.append(data["d"])
                await self._ready(ws, data["d"])
            elif op == Op.resume:
                self.resumes.append(data["d"])
                await self._resume(ws, data["d"])
            await self._changes.notify()
        return ws

    @staticmethod
    async def _op(ws: web.WebSocketResponse, op: Op, d: Any) -> None:
        await ws.send_str(json.dumps({"op": int(op), "d": d, "s": None, "t": None}))

    async def _ready(self, ws: web.WebSocketResponse, identify: dict[str, Any]) -> None:
        shard = identify.get("shard") or [0, 1]
        mine = [g for g in self._world.guilds.values() if (int(g["id"]) >> 22) % shard[1] == shard[0]]
        if len(mine) > GUILDS_PER_SHARD:
            await ws.close(code=4011, message=b"Sharding required.")
            return
        session = Session(
            shard, f"session-{shard[0]}-{self._world.ids.next()}", ws, history=deque(maxlen=self.max_frames)
        )
        self.sessions[shard[0]] = session
        await self._send(
            session,
            "READY",
            {
                "v": 10,
                "user": self._world.bot_user,
                "guilds": [{"id": g["id"], "unavailable": True} for g in mine],
                "session_id": session.session_id,
                "resume_gateway_url": self._url(),
                "shard": shard,
                "application": {"id": str(self._world.app_id), "flags": 0},
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
        after = int(resume.get("seq") or 0)
        lost = session is not None and bool(session.history) and after < session.history[0]["s"] - 1
        if session is None or lost or self.refuse_next_resume:
            self.refuse_next_resume = False
            await self._op(ws, Op.invalidate_session, False)
            return
        session.ws = ws
        for event in list(session.history):
            if event["s"] > after:
                await ws.send_str(json.dumps(event))
        await self._send(session, "RESUMED", {})

    async def _send(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        frame = {"op": int(Op.dispatch), "t": event, "s": session.seq, "d": data}
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

    async def close(self) -> None:
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                await asyncio.wait_for(session.ws.close(), 5)
