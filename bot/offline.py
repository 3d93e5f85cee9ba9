"""The bot built without connecting: its command tree and cogs, for ``--check``, ``python -m bot.i18n`` and
the translation tests, which need the commands as Discord would receive them but never a token or network."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from bot.app import HeartstopperBot
from bot.clock import SystemClock
from bot.content.loader import load_catalog
from bot.domain.models import Catalog
from bot.services import build_services
from bot.settings import Settings, load_settings
from bot.storage import open_database
from bot.storage.base import Database
from bot.storage.migrate import migrate


@asynccontextmanager
async def offline_bot(
    settings: Settings | None = None, db: Database | None = None, catalogs: Mapping[str, Catalog] | None = None
) -> AsyncIterator[HeartstopperBot]:
    """Every feature loaded on ``db`` (default: a migrated in-memory SQLite, closed after), then unloaded so
    the cogs' background tasks stop. ``catalogs`` default: the English content of ``settings.data_dir``."""
    settings = settings or load_settings({"DATABASE_PATH": ":memory:"})
    own = db is None
    if db is None:
        db = await open_database(":memory:")
    try:
        if own:
            await migrate(db)
        english = catalogs["en"] if catalogs else load_catalog(settings.data_dir)
        services = build_services(db, english, SystemClock(), random.Random(), catalogs=catalogs)
        bot = HeartstopperBot(settings=settings, services=services, sync_commands=False)
        await bot.load_features()
        try:
            yield bot
        finally:
            for extension in list(bot.extensions):
                await bot.unload_extension(extension)
    finally:
        if own:
            await db.close()
