"""Thin async façades that cogs call: they compose domain rules, content and storage.

Cogs never touch repositories or SQL; they get one ``Services`` object from the bot.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from bot.clock import Clock
from bot.domain.models import Catalog
from bot.domain.shards import ShardScope
from bot.services.content import LocalizedContent
from bot.services.countdown import CountdownService
from bot.services.daily import DailyQuestionService
from bot.services.guild_settings import GuildSettingsService
from bot.services.language import LanguageService
from bot.services.lookups import LookupService
from bot.services.outbox import NONCE_WINDOW, OutboxService, ProcessId
from bot.services.privacy import PrivacyService
from bot.services.release_events import ReleaseEventService
from bot.services.server_packs import ServerPackService
from bot.services.settings_report import SettingsReportService
from bot.services.trivia import TriviaService
from bot.storage.base import Database
from bot.storage.countdown import CountdownScheduleRepository, EventRepository
from bot.storage.daily import DailyRepository
from bot.storage.guild_config import GuildConfigRepository
from bot.storage.meta import MetaRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.privacy import PrivacyRepository
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
    outbox: OutboxService
    report: SettingsReportService
    privacy: PrivacyService  # members' data (export, forget) and servers the bot left
    language: LanguageService  # the server's language in public
    content: LocalizedContent  # the content in every language
    # Whether this process may act for its shards now (PostgreSQL: it holds each of its shards' locks).
    hold_shards: Callable[[], Awaitable[bool]]
    ping: Callable[[], Awaitable[None]]  # one round trip to the database (readiness)


def build_services(
    db: Database,
    catalog: Catalog,
    clock: Clock,
    rng: random.Random,
    *,
    countdown_grace_hours: float = 6.0,
    shards: ShardScope | None = None,
    me: ProcessId | None = None,
    nonce_window: dt.timedelta = NONCE_WINDOW,
    catalogs: Mapping[str, Catalog] | None = None,
) -> Services:
    """Everything the cogs use; ``shards`` limits planning, recovery and the outbox to this process's
    servers, ``me`` names this process in the leases it takes (default: host, pid and a start token),
    ``catalogs`` the content in each language (``bot.content.translations``; default: English only)."""
    shards = shards or ShardScope()
    me = me or ProcessId.current()
    config = GuildConfigRepository(db, shards)
    content = LocalizedContent(catalogs or {"en": catalog})
    lookups = LookupService(content, config, clock)
    trivia = TriviaRepository(db, shards)
    grace = dt.timedelta(hours=countdown_grace_hours)
    outbox = OutboxService(OutboxRepository(db, shards), clock, me, nonce_window=nonce_window)
    countdown = CountdownService(
        content, config, EventRepository(db), CountdownScheduleRepository(db), outbox, clock, grace=grace
    )
    return Services(
        catalog=catalog,
        clock=clock,
        meta=MetaRepository(db),
        lookups=lookups,
        settings=GuildSettingsService(catalog, config, clock),
        countdown=countdown,
        trivia=TriviaService(
            catalog,
            trivia,
            config,
            lookups,
            clock,
            rng,
            ServerPackService(catalog, ServerPackRepository(db), clock),
            outbox,
            me,
        ),
        daily=DailyQuestionService(
            catalog, DailyRepository(db, shards), trivia, config, lookups, clock, rng, outbox, grace=grace
        ),
        release_events=ReleaseEventService(countdown, ReleaseEventRepository(db, shards), config, clock, outbox),
        outbox=outbox,
        report=SettingsReportService(config, lookups, countdown, DailyRepository(db, shards), outbox, clock),
        language=LanguageService(config, clock),
        content=content,
        privacy=PrivacyService(PrivacyRepository(db, shards), clock),
        hold_shards=functools.partial(db.hold_shards, shards.ids),
        ping=db.ping,
    )
