"""``heartstopper-bot playground``: the local Discord, the real bot and the page, in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import signal
import sys
import tempfile
import webbrowser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.app import HeartstopperBot, apply_endpoints
from bot.content.loader import load_catalog
from bot.content.translations import load_translations
from bot.i18n.locales import Locale
from bot.localdiscord import builders, spec
from bot.localdiscord.server import LocalDiscord, Recorded
from bot.playground.clock import PlaygroundClock
from bot.playground.guard import EXPOSE_FLAG, Guard, is_loopback
from bot.playground.page import Playground, default_members
from bot.services import Services, build_services
from bot.services.settings_report import Upcoming
from bot.settings import SettingsError, default_data_dir, load_settings
from bot.storage import open_database
from bot.storage.migrate import migrate

log = logging.getLogger(__name__)

PLAYGROUND_TOKEN = "playground.local-only.token"  # noqa: S105 - not a secret: the local Discord takes any
GUILD_NAME = "Heartstopper Fans"
CHANNELS = ["general", "countdown", "trivia"]
READY_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class PlaygroundOptions:
    host: str = "127.0.0.1"
    port: int = 8765
    data_dir: Path | None = None
    database: Path | None = None
    open_browser: bool = False
    exposed: bool = False  # --i-know-this-exposes-the-playground: serve beyond loopback on purpose


def check_host(options: PlaygroundOptions) -> None:
    """Refuse to serve beyond this machine unless the person said they mean it (``SettingsError``)."""
    if not is_loopback(options.host) and not options.exposed:
        raise SettingsError(
            f"--host {options.host!r} is not a loopback address: anyone who can reach it could drive the "
            f"playground; use 127.0.0.1, or add {EXPOSE_FLAG} if you mean it"
        )


def warn_if_exposed(options: PlaygroundOptions) -> None:
    if not is_loopback(options.host):
        print(  # noqa: T201 - a warning a person must see, whatever the log level
            f"heartstopper-bot: warning: the playground is served on {options.host}, beyond this machine; only "
            "the secret in the URL below guards it, and it travels unencrypted (plain http)",
            file=sys.stderr,
            flush=True,
        )


def _check(rec: Recorded) -> list[str]:
    """Bodies Discord would reject, logged as they happen (the tests' checks, live)."""
    problems = spec.check_request(rec)
    for problem in problems:
        log.warning("Discord would reject this: %s", problem)
    return problems


async def run_playground(options: PlaygroundOptions, *, stop: asyncio.Event | None = None) -> int:
    """Run until SIGINT/SIGTERM (or ``stop``); content errors raise ``ContentError`` like ``--check``."""
    check_host(options)
    warn_if_exposed(options)
    data_dir = (options.data_dir or default_data_dir()).expanduser()
    if not data_dir.is_dir():
        raise SettingsError(f"--data-dir {str(data_dir)!r} is not a folder: point it at a folder like data/")
    catalog = load_catalog(data_dir)
    catalogs = load_translations(data_dir, catalog)  # the content in every language, checked as --check does
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    async with contextlib.AsyncExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="heartstopper-playground-")))
        discord = await LocalDiscord().start()
        stack.push_async_callback(discord.stop)
        # The bot may create scheduled events, so /settings release-events can be tried here too.
        guild = discord.add_guild(
            GUILD_NAME, channel_names=CHANNELS, bot_permissions=builders.MEMBER_PERMS | builders.CREATE_EVENTS
        )
        clock = PlaygroundClock()
        discord.clock = clock.now
        discord.request_checker = _check

        settings = load_settings(
            {
                **discord.env(),
                "DISCORD_TOKEN": PLAYGROUND_TOKEN,
                "DATABASE_PATH": str(options.database or scratch / "playground.sqlite3"),
                "DATA_DIR": str(data_dir),
            }
        )
        apply_endpoints(settings)
        db = await open_database(settings.database_path)
        stack.push_async_callback(db.close)
        await migrate(db)
        services = build_services(
            db,
            catalog,
            clock,
            random.Random(),
            countdown_grace_hours=settings.countdown_grace_hours,
            catalogs=catalogs,
        )
        bot = HeartstopperBot(settings=settings, services=services)
        await bot.login(PLAYGROUND_TOKEN)
        stack.push_async_callback(bot.close)
        connection = asyncio.create_task(bot.connect(reconnect=True), name="playground-bot")
        await asyncio.wait_for(bot.wait_until_ready(), READY_TIMEOUT)

        # A new secret every run, as Jupyter does: any page in the browser can reach 127.0.0.1, only the
        # person who read the printed URL has this.
        guard = Guard(secrets.token_urlsafe(32), bound_host=options.host, exposed=not is_loopback(options.host))
        page = Playground(
            discord,
            guild,
            clock,
            default_members(),
            upcoming=_upcoming(services, int(guild["id"])),
            guard=guard,
            language=_language(services, guild),
        )
        runner = web.AppRunner(page.app(), access_log=None, shutdown_timeout=2)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        stack.push_async_callback(page.close)
        site = web.TCPSite(runner, options.host, options.port)
        try:
            await site.start()
        except OSError as exc:
            raise SettingsError(
                f"cannot serve the playground on {options.host}:{options.port} ({exc.strerror}): "
                "pick another port with --port"
            ) from None
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        url = guard.printed_url(port)
        print(f"heartstopper-bot playground: {url}", flush=True)  # noqa: T201 - the one line a person needs
        if options.open_browser:
            webbrowser.open(url)
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({stopper, connection}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
    return 0


def _language(services: Services, guild: dict[str, Any]) -> Callable[[], Awaitable[Locale]]:
    """The server's public language as the bot decides it: ``/settings language``, else its preferred
    locale (the playground's server stays en-US, as a new Discord server in English does)."""

    async def language() -> Locale:
        return await services.language.server_language(int(guild["id"]), guild.get("preferred_locale"))

    return language


def _upcoming(services: Services, guild_id: int) -> Callable[[], Awaitable[list[Upcoming]]]:
    async def upcoming() -> list[Upcoming]:
        return (await services.report.report(guild_id)).upcoming()

    return upcoming
