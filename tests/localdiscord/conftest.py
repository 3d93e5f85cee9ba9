"""Fixtures for testing the stand-in itself: a started LocalDiscord on clocks the test moves, and an
HTTP client that talks to it as a bot does (``Authorization: Bot …``) and checks every answer
against Discord's documented response shapes."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.localdiscord import LocalDiscord
from bot.localdiscord.spec import check_response, spec_available
from tests.clocks import ManualClock

START = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


class Ticks:
    """A monotonic clock the test moves by hand (the nonce window is measured on it)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Api:
    """A bot's view of the stand-in's REST API: (status, JSON) per call; answers checked against the spec."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self._session = session
        self._base = base
        self.problems: list[str] = []

    async def call(self, method: str, path: str, body: Any = None, **query: Any) -> tuple[int, Any]:
        params = {k: str(v) for k, v in query.items()}
        async with self._session.request(method, self._base + path, json=body, params=params) as resp:
            data = await resp.json() if resp.status != 204 else None
        self.problems += check_response(method, path, resp.status, data)
        return resp.status, data

    async def get(self, path: str, **query: Any) -> tuple[int, Any]:
        return await self.call("GET", path, **query)

    async def post(self, path: str, body: Any) -> tuple[int, Any]:
        return await self.call("POST", path, body)

    async def send(self, channel_id: int, content: str, **fields: Any) -> dict[str, Any]:
        status, message = await self.post(f"/channels/{channel_id}/messages", {"content": content, **fields})
        assert status == 200, message
        return message


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def wall() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def local(ticks: Ticks, wall: ManualClock) -> AsyncIterator[LocalDiscord]:
    server = await LocalDiscord(monotonic=ticks, clock=wall.now).start()
    yield server
    await server.stop()


@pytest.fixture
async def api(local: LocalDiscord) -> AsyncIterator[Api]:
    headers = {"Authorization": "Bot test-token.abc"}
    async with aiohttp.ClientSession(headers=headers) as session:
        client = Api(session, local.api_base)
        yield client
    assert spec_available(), "the OpenAPI description (tests/discord-api-spec) and jsonschema are needed here"
    assert not client.problems, "answers unlike Discord's documented shapes:\n" + "\n".join(client.problems)
