"""The health server: /healthz, /readyz with its reasons, /metrics, in-process and in the real process."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import re
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import HeartstopperBot, apply_endpoints
from bot.clock import SystemClock
from bot.health import HealthServer
from bot.settings import SettingsError, load_settings
from bot.storage import open_database
from bot.storage.migrate import migrate
from tests.conftest import RunningBot, start_bot

ROOT = Path(__file__).resolve().parents[1]


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 30) -> None:
    """Wait for a condition (never a fixed sleep); fail naming it if it never holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}{path}") as response:
        return response.status, await response.text()


def samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    """Every sample called ``name`` in a Prometheus text exposition, with its labels."""
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def value(text: str, name: str, **labels: str) -> float:
    return sum(v for found, v in samples(text, name) if all(found.get(k) == want for k, want in labels.items()))


async def metrics_text(port: int) -> str:
    status, text = await get(port, "/metrics")
    assert status == 200
    return text


@pytest.fixture
async def unconnected(fake, tmp_path, catalog) -> AsyncIterator[tuple[RunningBot, HealthServer, dict[str, Any]]]:
    """The bot built as ``run_bot`` builds it, its health server up, not yet connected to Discord."""
    guild = fake.add_guild()
    settings = load_settings(
        {**fake.env(), "DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "HEALTH_ADDRESS": "127.0.0.1:0"}
    )
    assert settings.health_address == ("127.0.0.1", 0)
    apply_endpoints(settings)
    db = await open_database(settings.database_target)
    await migrate(db)
    from bot.services import build_services

    services = build_services(db, catalog, SystemClock(), random.Random(7))
    bot = HeartstopperBot(settings=settings, services=services)
    health = HealthServer(bot, db, settings.health_address)
    await health.start()
    handle = RunningBot(bot, services, db, asyncio.get_running_loop().create_future())
    handle.task.set_result(None)
    try:
        yield handle, health, guild
    finally:
        await health.stop()
        await handle.stop()


async def test_readyz_gives_reasons_before_ready_and_200_after(unconnected, fake):
    handle, health, _ = unconnected
    assert health.port and health.port != 0
    assert await get(health.port, "/healthz") == (200, json.dumps({"alive": True}))
    status, body = await get(health.port, "/readyz")
    assert status == 503
    answer = json.loads(body)
    assert answer["ready"] is False
    assert "not READY on Discord's gateway yet" in answer["reasons"]
    assert "the scheduler has not finished a pass yet" in answer["reasons"]

    await handle.bot.login(handle.bot.settings.require_token())
    handle.task = asyncio.create_task(handle.bot.connect(reconnect=True))

    async def ready() -> bool:
        return (await get(health.port, "/readyz"))[0] == 200

    await until(ready, "/readyz to answer 200")
    status, body = await get(health.port, "/readyz")
    answer = json.loads(body)
    assert answer["ready"] is True and answer["shards"] == [0] and answer["servers"] == 1
    assert answer["database_seconds"] >= 0 and answer["scheduler_last_pass"]


async def test_metrics_count_an_interaction_and_its_rest_calls(unconnected, fake):
    handle, health, guild = unconnected
    await handle.bot.login(handle.bot.settings.require_token())
    handle.task = asyncio.create_task(handle.bot.connect(reconnect=True))
    await asyncio.wait_for(handle.bot.wait_until_ready(), 10)
    before = await metrics_text(health.port)
    about = {"type": "command", "command": "about", "outcome": "ok"}

    inter = await fake.slash("about", guild)
    await fake.reply_to(inter)

    async def counted() -> bool:
        text = await metrics_text(health.port)
        return (
            value(text, "heartstopper_interactions_total", **about)
            == value(before, "heartstopper_interactions_total", **about) + 1
        )

    await until(counted, "the /about interaction to be counted")
    text = await metrics_text(health.port)
    assert value(text, "heartstopper_interaction_duration_seconds_count", type="command", command="about") >= 1
    assert value(text, "heartstopper_servers") == 1 and value(text, "heartstopper_live_games") == 0
    # The interaction's callback is a REST request too, named by its route template: never its token.
    callback = "/interactions/{id}/{token}/callback"
    assert value(text, "heartstopper_rest_requests_total", method="POST", route=callback) >= 1
    assert inter.token not in text
    routes = {labels["route"] for labels, _ in samples(text, "heartstopper_rest_requests_total")}
    statuses = {labels["status"] for labels, _ in samples(text, "heartstopper_rest_requests_total")}
    assert "101" not in statuses  # the gateway's websocket shares the session but is not a REST request
    assert "/applications/{id}/commands" in routes and all(not re.search(r"\d", route) for route in routes)
    assert value(text, "heartstopper_database_duration_seconds_count", operation="probe") >= 0
    posts = {(labels["feature"], labels["outcome"]) for labels, _ in samples(text, "heartstopper_posts_total")}
    assert ("countdown", "sent") in posts and len(posts) == 25  # every series exists from the start

    # A command answered with a reason (no game to stop) is "refused", not an error.
    refused = {"type": "command", "command": "trivia stop", "outcome": "refused"}
    before = value(text, "heartstopper_interactions_total", **refused)
    answer = await fake.reply_to(await fake.slash("trivia stop", guild))
    assert answer["data"]["flags"] == 64

    async def refusal_counted() -> bool:
        now = value(await metrics_text(health.port), "heartstopper_interactions_total", **refused)
        return now == before + 1

    await until(refusal_counted, "the refused /trivia stop to be counted")


async def test_a_slow_or_failing_database_is_a_reason(running):
    class Hangs:
        async def fetch_value(self, sql: str) -> Any:
            await asyncio.Event().wait()

    class Fails:
        async def fetch_value(self, sql: str) -> Any:
            raise OSError("connection refused by postgresql://bot:hunter2@db/x")

    for database, reason in (
        (Hangs(), "the database did not answer within 0.05 s"),
        (Fails(), "the database is not answering (OSError)"),
    ):
        health = HealthServer(running.bot, database, ("127.0.0.1", 0), database_timeout=0.05)
        await health.start()
        try:
            status, body = await get(health.port, "/readyz")
        finally:
            await health.stop()
        assert status == 503 and reason in json.loads(body)["reasons"] and "hunter2" not in body


async def test_a_stalled_or_refused_scheduler_is_a_reason(fake, tmp_path, catalog, manual_clock):
    fake.add_guild()
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
    health = HealthServer(handle.bot, handle.db, ("127.0.0.1", 0))
    await health.start()
    try:

        async def ready() -> bool:
            return (await get(health.port, "/readyz"))[0] == 200

        await until(ready, "the first scheduler pass")
        handle.bot.scheduler.last_pass_at = manual_clock.now() - dt.timedelta(minutes=4)
        status, body = await get(health.port, "/readyz")
        assert status == 503
        assert json.loads(body)["reasons"] == ["the scheduler last finished a pass 240 s ago (more than 180 s)"]
        handle.bot.scheduling_refused = "SHARD_COUNT is 2 here but 4 in the database"
        status, body = await get(health.port, "/readyz")
        assert json.loads(body)["reasons"] == [
            "the scheduler is not running: SHARD_COUNT is 2 here but 4 in the database"
        ]
    finally:
        await health.stop()
        await handle.stop()


async def test_a_shard_that_drops_is_not_ready_until_it_resumes(running, fake):
    health = HealthServer(running.bot, running.db, ("127.0.0.1", 0))
    await health.start()
    try:

        async def ready() -> bool:
            return (await get(health.port, "/readyz"))[0] == 200

        await until(ready, "/readyz to answer 200")
        await health.readiness.shards._on_shard_disconnect(0)  # as discord.py dispatches it
        status, body = await get(health.port, "/readyz")
        assert status == 503 and json.loads(body)["reasons"] == ["shard 0 is reconnecting to Discord's gateway"]
        await fake.send_op(7)  # RECONNECT: the bot resumes, and on_shard_resumed clears it
        await until(ready, "the shard to resume")
    finally:
        await health.stop()


async def test_an_address_in_use_is_a_settings_error(running):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        health = HealthServer(running.bot, running.db, ("127.0.0.1", port))
        with pytest.raises(SettingsError, match=f"HEALTH_ADDRESS 127.0.0.1:{port} cannot be served"):
            await health.start()


async def test_the_real_process_serves_health_and_logs_json(fake, tmp_path):
    """``python -m bot`` with HEALTH_ADDRESS and LOG_FORMAT=json: /readyz turns 200, every log line is
    JSON without the token, and SIGTERM closes the health server with the bot."""
    fake.add_guild()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_", "HEALTH_", "LOG_"))},
        **fake.env(),
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "HEALTH_ADDRESS": "127.0.0.1:0",
        "LOG_FORMAT": "json",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stderr is not None
    lines: list[dict[str, Any]] = []
    try:
        port = None
        while port is None:
            raw = await asyncio.wait_for(proc.stderr.readline(), 30)
            assert raw, f"the bot exited before serving health (code {await proc.wait()})"
            lines.append(json.loads(raw))
            found = re.search(r"on http://127\.0\.0\.1:(\d+)", lines[-1]["message"])
            port = int(found.group(1)) if found else None

        async def ready() -> bool:
            return (await get(port, "/readyz"))[0] == 200

        await until(ready, "the real process's /readyz to answer 200")
        assert value(await metrics_text(port), "heartstopper_servers") == 1
    finally:
        proc.terminate()
        _, rest = await asyncio.wait_for(proc.communicate(), 30)
    lines += [json.loads(line) for line in rest.splitlines() if line.strip()]
    assert proc.returncode == 0
    assert fake.env()["DISCORD_TOKEN"] not in json.dumps(lines)
    assert any(line["message"] == "database closed; bye" for line in lines)
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(port, "/healthz")
