"""A real Prometheus (Debian's ``prometheus``) scrapes the bot every second while it plays a trivia game and
posts a countdown; the counters are then read back through Prometheus's own query API."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import aiohttp
import pytest

from bot.health import HealthServer
from bot.localdiscord import builders as b
from bot.localdiscord.server import button_ids
from bot.metrics import REGISTRY
from tests.conftest import settle, start_bot
from tests.servers import free_port, prometheus_server

MOD = b.MODERATOR_PERMS


async def query(prometheus: str, promql: str) -> float | None:
    """One instant query; the value of its single result, or None when nothing matches (yet)."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{prometheus}/api/v1/query", params={"query": promql}) as response,
    ):
        answer = await response.json()
    assert answer["status"] == "success", answer
    result = answer["data"]["result"]
    return float(result[0]["value"][1]) if result else None


async def scraped(prometheus: str, promql: str, at_least: float, timeout: float = 60) -> float:
    """Wait until Prometheus has scraped a value of at least ``at_least`` for ``promql``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = await query(prometheus, promql)
        if found is not None and found >= at_least:
            return found
        if loop.time() > deadline:
            pytest.fail(f"Prometheus never saw {promql} >= {at_least} (last: {found})")
        await asyncio.sleep(0.25)


def here(name: str, **labels: str) -> Callable[[], float]:
    """The bot's own current value of a sample, to compare with what Prometheus scraped."""
    return lambda: REGISTRY.get_sample_value(name, labels) or 0.0


async def test_prometheus_scrapes_a_game_and_a_countdown(fake, tmp_path, catalog, manual_clock):
    port = free_port()
    with prometheus_server(tmp_path / "prometheus", [f"127.0.0.1:{port}"]) as prometheus:
        guild = fake.add_guild()
        countdown_channel, trivia_channel = fake.channel_ids(guild)
        handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
        health = HealthServer(handle.bot, handle.db, ("127.0.0.1", port))
        await health.start()
        try:
            await scraped(prometheus, 'up{job="heartstopper"}', 1)
            start_ok = here("heartstopper_interactions_total", type="command", command="trivia start", outcome="ok")
            before = start_ok()

            # A one-question game: started, answered, revealed, finished.
            await fake.reply_to(await fake.slash("trivia start", guild, channel_id=trivia_channel, questions=1))
            [question] = await fake.wait_for("POST", rf"^/channels/{trivia_channel}/messages$")
            message_id = next(
                mid
                for mid, m in fake.messages.items()
                if m["channel_id"] == str(trivia_channel) and m["embeds"] == question.body["embeds"]
            )
            live = handle.services.trivia.live_in(trivia_channel)
            assert live is not None
            right = button_ids(fake.messages[message_id])[live.game.current.correct_index]
            await fake.reply_to(await fake.click(message_id, right, guild))
            await manual_clock.advance(21)
            await fake.wait_for("PATCH", rf"^/channels/{trivia_channel}/messages/{message_id}$")
            await settle()
            await manual_clock.advance(5)
            await fake.wait_for("POST", rf"^/channels/{trivia_channel}/messages$", count=2)  # the standings

            # A daily countdown, posted when its time comes.
            for command, options in (
                (
                    "event add",
                    {"name": "Watch party", "date": "2026-12-24", "time": "20:00", "timezone": "Europe/London"},
                ),
                ("settings countdown-channel", {"channel": countdown_channel}),
                ("settings countdown-time", {"time": "18:30", "timezone": "Europe/London"}),
            ):
                reply = await fake.reply_to(await fake.slash(command, guild, permissions=MOD, **options))
                assert reply["data"]["flags"] == 64, reply
            await manual_clock.set(dt.datetime(2026, 11, 25, 18, 30, 5, tzinfo=dt.UTC))
            await fake.wait_for("POST", rf"^/channels/{countdown_channel}/messages$")
            await settle()

            # What the bot counted is what Prometheus scraped.
            assert start_ok() == before + 1
            scraped_start = await scraped(
                prometheus,
                'heartstopper_interactions_total{type="command",command="trivia start",outcome="ok"}',
                start_ok(),
            )
            assert scraped_start == start_ok()
            for command in ("event add", "settings countdown-channel", "settings countdown-time"):
                await scraped(prometheus, f'heartstopper_interactions_total{{command="{command}",outcome="ok"}}', 1)
            sends = here(
                "heartstopper_rest_requests_total", method="POST", route="/channels/{id}/messages", status="200"
            )
            assert sends() >= 3  # the question, the standings, the countdown
            await scraped(
                prometheus,
                'sum(heartstopper_rest_requests_total{method="POST",route="/channels/{id}/messages",status="200"})',
                sends(),
            )
            await scraped(
                prometheus, 'sum(heartstopper_rest_requests_total{route="/interactions/{id}/{token}/callback"})', 5
            )
            await scraped(prometheus, "heartstopper_servers", 1)
            # Counted by the scheduler (bot.metrics.post): passes once the scheduler reports its posts.
            await scraped(
                prometheus, 'sum(heartstopper_posts_total{feature="countdown",outcome="sent"})', 1, timeout=10
            )
        finally:
            await health.stop()
            await handle.stop()
