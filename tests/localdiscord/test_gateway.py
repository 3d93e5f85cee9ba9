"""The gateway as a client meets it: READY and GUILD_CREATE, RESUME from kept frames, 4011."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.localdiscord import Bounds, LocalDiscord

IDENTIFY = {"op": 2, "d": {"token": "test-token.abc", "intents": 1, "properties": {}}}


@pytest.fixture
async def small() -> AsyncIterator[LocalDiscord]:
    server = await LocalDiscord(bounds=Bounds(frames=3)).start()
    yield server
    await server.stop()


async def _frames(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[dict[str, Any]]:
    return [await ws.receive_json() for _ in range(count)]


async def test_identify_then_resume_replays_what_was_missed(small):
    for i in range(2):
        small.add_guild(f"g{i}")
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(small.gateway_url) as ws:
            [hello] = await _frames(ws, 1)
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
            await ws.send_json({"op": 1, "d": None})
            assert (await ws.receive_json())["op"] == 11
            await ws.send_json(IDENTIFY)
            ready, *creates = await _frames(ws, 3)
            assert ready["t"] == "READY" and [f["t"] for f in creates] == ["GUILD_CREATE"] * 2
            assert ready["d"]["resume_gateway_url"] == small.gateway_url
        await small.dispatch("PING_EVENT", {"n": 1})  # while the socket is closed: kept for the RESUME
        async with session.ws_connect(small.gateway_url) as ws:
            await _frames(ws, 1)
            await ws.send_json({"op": 6, "d": {"token": "t", "session_id": small.session_id, "seq": 3}})
            missed, resumed = await _frames(ws, 2)
            assert (missed["t"], missed["s"], resumed["t"]) == ("PING_EVENT", 4, "RESUMED")
        assert [r["seq"] for r in small.resumes] == [3]


async def test_a_resume_from_before_the_kept_frames_is_an_invalid_session(small):
    for i in range(4):
        small.add_guild(f"g{i}")
    async with aiohttp.ClientSession() as session, session.ws_connect(small.gateway_url) as ws:
        await _frames(ws, 1)
        await ws.send_json(IDENTIFY)
        await _frames(ws, 5)  # READY and four GUILD_CREATEs; only the last three are kept
        await ws.send_json({"op": 6, "d": {"token": "t", "session_id": small.session_id, "seq": 1}})
        assert await ws.receive_json() == {"op": 9, "d": False, "s": None, "t": None}


async def test_more_than_2500_guilds_on_one_shard_is_refused_with_4011():
    server = await LocalDiscord().start()
    try:
        for i in range(2501):
            server.add_guild(f"g{i}", channels=1)
        assert server.shard_count == 3
        async with aiohttp.ClientSession() as session, session.ws_connect(server.gateway_url) as ws:
            await _frames(ws, 1)
            await ws.send_json(IDENTIFY)
            closing = await ws.receive()
            assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4011
    finally:
        await server.stop()
