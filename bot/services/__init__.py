"""Thin async façades that cogs call: they compose domain rules, content and storage.

Cogs never touch repositories or SQL; they get one ``Services`` object from the bot.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.clock import Clock
from bot.domain.models import Catalog
from bot.domain.shards import ShardScope
from bot.services.countdown import CountdownService
from bot.services.daily import DailyQuestionService
from bot.services.guild_settings import GuildSettingsService
from bot.services.lookups import LookupService
from bot.services.release_events import ReleaseEventService
from bot.services.server_packs import ServerPackService
from bot.services.trivia import TriviaService
from bot.storage.base import Database
from bot.storage.countdown import CountdownPostRepository, EventRepository
from bot.storage.daily import DailyRepository
from bot.storage.guild_config import GuildConfigRepository
from bot.storage.meta import MetaRepository
from bot.storage.release_events import ReleaseEventRepository
from bot.storage.server_packs import ServerPackRepository
from bot.storage.trivia import TriviaRepository


@dataclass(frozen=True, slots=True)
class Services:
    catalog: Catalog
    clock: Clock
    meta: MetaRepository
    lookups: LookupService
    settings: GuildSettingsService
    countdown: CountdownService
    trivia: TriviaService
    daily: DailyQuestionService
    release_events: ReleaseEventService
    # Whether this process may run its scheduler now (PostgreSQL: it holds each of its shards' locks).
    hold_shards: Callable[[], Awaitable[bool]]


def build_services(
    db: Database,
    catalog: Catalog,
    clock: Clock,
    rng: random.Random,
    *,
    countdown_grace_hours: float = 6.0,
    shards: ShardScope | None = None,
    holder: str | None = None,
) -> Services:
    """Everything the cogs use; ``shards`` limits scheduling and recovery to this process's servers,
    ``holder`` names this process in the post claims it makes (default: host/pid)."""
    shards = shards or ShardScope()
    holder = holder or f"{socket.gethostname()}/{os.getpid()}"
    config = GuildConfigRepository(db, shards)
    lookups = LookupService(catalog, config, clock)
    trivia = TriviaRepository(db, shards)
    grace = dt.timedelta(hours=countdown_grace_hours)
    countdown = CountdownService(
        catalog, config, EventRepository(db), CountdownPostRepository(db, holder), clock, grace=grace
    )
    return Services(
        catalog=catalog,
        clock=clock,
        meta=MetaRepository(db),
        lookups=lookups,
        settings=GuildSettingsService(catalog, config, clock),
        countdown=countdown,
        trivia=TriviaService(
            catalog, trivia, config, lookups, clock, rng, ServerPackService(catalog, ServerPackRepository(db), clock)
        ),
        daily=DailyQuestionService(
            catalog, DailyRepository(db, shards), trivia, config, lookups, clock, rng, grace=grace
        ),
        release_events=ReleaseEventService(countdown, ReleaseEventRepository(db), config, clock),
        hold_shards=functools.partial(db.hold_shards, shards.ids),
    )
