"""The playground's clock API answers a number it cannot use with a 400 and the reason, never a 500 (B12)."""

from __future__ import annotations

import math

import aiohttp
import pytest

from bot.playground.clock import PlaygroundClock


async def _clock(served, body: str) -> tuple[int, str]:
    headers = {"Content-Type": "application/json", "Cookie": f"heartstopper-playground-{served.port}={served.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(served.base + "/api/clock", data=body, headers=headers) as response,
    ):
        return response.status, await response.text()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"action": "advance", "seconds": 1e12}', "at most"),  # timedelta(seconds=1e12) overflowed: a 500
        ('{"action": "advance", "seconds": 1e400}', "forward"),  # JSON's 1e400 is inf
        ('{"action": "advance", "seconds": NaN}', "forward"),
        ('{"action": "advance", "seconds": Infinity}', "forward"),
        ('{"action": "advance", "seconds": -60}', "never goes back"),
        ('{"action": "advance", "seconds": "60"}', "must be a number"),
        ('{"action": "advance", "seconds": true}', "must be a number"),
        ('{"action": "advance", "seconds": 1' + "0" * 400 + "}", "too large"),
        ('{"action": "advance"}', "must be a number"),
        ('{"action": "speed", "value": 0}', "speed must be"),
        ('{"action": "speed", "value": -1}', "speed must be"),
        ('{"action": "speed", "value": 1e9}', "speed must be"),
        ('{"action": "speed", "value": NaN}', "speed must be"),
        ('{"action": "speed", "value": Infinity}', "speed must be"),
        ('{"action": "rewind"}', "expected an action"),
        ("[1, 2]", "expected an action"),
        ("not json", "expected JSON"),
    ],
)
async def test_a_clock_request_it_cannot_use_is_a_400_with_the_reason(served, body, reason):
    status, text = await _clock(served, body)
    assert status == 400, text
    assert reason in text


async def test_a_clock_request_it_can_use_moves_the_clock(served):
    status, text = await _clock(served, '{"action": "advance", "seconds": 86400}')
    assert status == 200, text
    status, text = await _clock(served, '{"action": "speed", "value": 1}')
    assert status == 200, text


def test_the_clock_itself_refuses_what_would_overflow():
    clock = PlaygroundClock()
    before = clock.now()
    for seconds in (1e12, math.inf, math.nan, -1.0):
        with pytest.raises(ValueError, match=r"seconds"):
            clock.advance(seconds)
    assert clock.now() >= before
