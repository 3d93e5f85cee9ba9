"""Shared fixtures: a started local Discord, and the real bot run in-process against it."""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import gc
import itertools
import os
import random
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import discord
import pytest

from bot.app import HeartstopperBot, apply_endpoints
from bot.clock import Clock, SystemClock
from bot.content.loader import load_catalog
from bot.content.translations import load_translations
from bot.domain.models import Catalog
from bot.domain.shards import ShardScope
from bot.localdiscord import LocalDiscord
from bot.localdiscord.spec import check_all
from bot.services import Services, build_services
from bot.settings import load_settings
from bot.storage import open_database
from bot.storage.base import Database
from bot.storage.migrate import migrate
from tests.clocks import ManualClock
from tests.procbot import database_env
from tests.servers import PostgresCluster, postgres_cluster

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


# Tests that count requests per second at the stand-in: they run with the machine to themselves. The suite
# runs on two workers (pytest-xdist); a stand-in starved of CPU by the other worker, or paused by a full
# garbage collection of a worker's heap grown over hundreds of tests, stamps a backlog of requests in one
# second (or late), which measures the machine, not the bot's pacing. They run one after another on one
# worker, which holds a lock on one file per run exclusively from the first of them to the last; every
# other test holds it shared, so the other worker waits once, between its tests.
ALONE = (
    "tests/e2e/test_two_machines.py",
    "tests/e2e/test_shared_budget.py",
    "tests/test_redis_budget.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(ALONE):
            item.add_marker(pytest.mark.xdist_group("alone"))  # one after another, on one worker


def _share_lock(run: str) -> Path:
    return Path(tempfile.gettempdir()) / f"heartstopper-tests-{run}.lock"


class _MachineShare:
    """This worker's hold on the run's lock: shared for a test, exclusive through the run of ALONE tests."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "a+b")  # noqa: SIM115 - held for the worker's whole session
        self.alone = False

    def enter(self, alone: bool) -> None:
        if alone and not self.alone:
            fcntl.flock(self._file, fcntl.LOCK_EX)
            self.alone = True
            gc.collect()
            gc.freeze()  # what earlier tests left is never scanned again: no long pause mid-measurement
        elif not alone:
            self._end_alone()
            fcntl.flock(self._file, fcntl.LOCK_SH)

    def leave(self) -> None:
        if not self.alone:
            fcntl.flock(self._file, fcntl.LOCK_UN)

    def _end_alone(self) -> None:
        if self.alone:
            gc.unfreeze()
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self.alone = False

    def close(self) -> None:
        self._end_alone()
        self._file.close()


@pytest.fixture(scope="session")
def _worker_share() -> Iterator[_MachineShare | None]:
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None:  # one process (-n0): nothing runs beside a test
        yield None
        return
    share = _MachineShare(_share_lock(run))
    try:
        yield share
    finally:
        share.close()


@pytest.fixture(autouse=True)
def _machine_share(request: pytest.FixtureRequest, _worker_share: _MachineShare | None) -> Iterator[None]:
    if _worker_share is None:
        yield
        return
    _worker_share.enter(request.node.nodeid.startswith(ALONE))
    try:
        yield
    finally:
        _worker_share.leave()


def pytest_configure(config: pytest.Config) -> None:
    """The controller (it has no ``workerinput``) names the run itself, so it knows which lock to remove."""
    if hasattr(config.option, "testrunuid") and not hasattr(config, "workerinput"):
        config.option.testrunuid = config.option.testrunuid or uuid.uuid4().hex


def pytest_sessionfinish(session: pytest.Session) -> None:
    run = getattr(session.config.option, "testrunuid", None)
    if run and not hasattr(session.config, "workerinput"):
        _share_lock(run).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(DATA)


@pytest.fixture(scope="session")
def catalogs(catalog: Catalog) -> dict[str, Catalog]:
    """The content in every language, as the real start-up loads it (``start_bot(..., catalogs=catalogs)``)."""
    return load_translations(DATA, catalog)


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg() -> Iterator[PgTemplate]:
    """One throwaway PostgreSQL cluster for the run, with a migrated template database."""
    with postgres_cluster() as cluster:
        template = PgTemplate(cluster)
        # Asked for from inside a test's event loop: migrate the template on a loop of its own.
        with ThreadPoolExecutor(1) as worker:
            worker.submit(asyncio.run, template.prepare()).result()
        yield template


class PgTemplate:
    """Each test gets its own database, cloned from one already migrated (a file copy, ~10 ms)."""

    def __init__(self, cluster: PostgresCluster) -> None:
        self.cluster = cluster
        self._made = itertools.count(1)

    async def prepare(self) -> None:
        await self._admin("CREATE DATABASE bot_template")
        db = await open_database(self.cluster.database_url("bot_template"))
        try:
            await migrate(db)
        finally:
            await db.close()

    async def fresh(self) -> str:
        """A new database with the schema in place."""
        name = f"test_{os.getpid()}_{next(self._made)}"
        await self._admin(f"CREATE DATABASE {name} TEMPLATE bot_template")
        return self.cluster.database_url(name)

    async def empty(self) -> str:
        """A new database with nothing in it (for migration tests)."""
        name = f"empty_{os.getpid()}_{next(self._made)}"
        await self._admin(f"CREATE DATABASE {name}")
        return self.cluster.database_url(name)

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(self.cluster.url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()


@pytest.fixture(params=BACKENDS)
async def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where the bot keeps its state, once per backend: an SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "bot.sqlite3"
    template: PgTemplate = request.getfixturevalue("pg")
    return await template.fresh()


@pytest.fixture
async def db(db_target: Path | str) -> AsyncIterator[Database]:
    database = await open_database(db_target)
    await migrate(database)
    yield database
    await database.close()


@pytest.fixture
def restore_endpoints() -> AsyncIterator[None]:
    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE = base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


@pytest.fixture
async def fake(restore_endpoints: None) -> AsyncIterator[LocalDiscord]:
    server = await LocalDiscord().start()
    yield server
    await server.stop()
    problems = check_all(server.requests)
    assert not problems, "bodies Discord would reject:\n" + "\n".join(problems)


@dataclass
class RunningBot:
    bot: HeartstopperBot
    services: Services
    db: Database
    task: asyncio.Task[None]

    async def stop(self) -> None:
        await self.bot.close()
        try:
            await asyncio.wait_for(self.task, 10)
        except (asyncio.CancelledError, Exception):
            pass
        await self.db.close()


async def start_bot(
    fake: LocalDiscord,
    db_path: Path | str,
    catalog: Catalog,
    *,
    clock: Clock | None = None,
    seed: int = 7,
    extra_env: dict[str, str] | None = None,
    ready_timeout: float = 10,
    catalogs: Mapping[str, Catalog] | None = None,
) -> RunningBot:
    """The real bot on ``fake``; ``catalogs`` the content in each language (default: English only)."""
    settings = load_settings({**fake.env(), **database_env(db_path), **(extra_env or {})})
    apply_endpoints(settings)
    db = await open_database(settings.database_target)
    await migrate(db)
    services = build_services(
        db,
        catalog,
        clock or SystemClock(),
        random.Random(seed),
        countdown_grace_hours=settings.countdown_grace_hours,
        shards=ShardScope.of(settings.shard_count, settings.shard_ids),
        nonce_window=dt.timedelta(seconds=settings.nonce_window_seconds),
        catalogs=catalogs,
    )
    bot = HeartstopperBot(settings=settings, services=services)
    fake.ready_sent.clear()
    await bot.login(settings.require_token())
    task = asyncio.create_task(bot.connect(reconnect=True))
    await asyncio.wait_for(bot.wait_until_ready(), ready_timeout)
    return RunningBot(bot, services, db, task)


@pytest.fixture
async def running(
    fake: LocalDiscord, tmp_path: Path, catalog: Catalog, catalogs: dict[str, Catalog]
) -> AsyncIterator[RunningBot]:
    fake.add_guild()
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, catalogs=catalogs)
    yield handle
    await handle.stop()


async def daily_countdown(services: Services, guild_id: int, channel_id: int) -> None:
    """A daily countdown in ``channel_id`` with a dated server event ahead, so every day has a post
    (with nothing dated to count down to, the bot posts only weekly)."""
    await services.countdown.set_channel(guild_id, channel_id)
    await services.countdown.add_event(guild_id, 1, name="Watch party", date="2027-06-01", time=None, timezone=None)


async def delivered(db: Database, kind: str, guild_id: int) -> int:
    """How many outbox rows of ``kind`` for a server reached Discord (sent, or found there and adopted)."""
    return int(
        await db.fetch_value(
            "SELECT COUNT(*) FROM outbox WHERE kind = ? AND guild_id = ? AND state = 'done' "
            "AND outcome IN ('sent', 'adopted')",
            (kind, guild_id),
        )
    )


async def settle() -> None:
    """Let the bot's tasks run a few turns (after a clock move or a send) before looking."""
    for _ in range(20):
        await asyncio.sleep(0.02)


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC))
