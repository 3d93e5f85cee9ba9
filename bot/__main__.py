"""Composition root: the only module with process concerns.

Loads ``.env``, parses settings, sets up logging, loads content, opens and migrates the
database, builds the services and runs the bot. Every expected failure becomes one readable
line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import logging
import os
import random
import signal
import sys
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import discord
from dotenv import load_dotenv

from bot import __version__
from bot.app import HeartstopperBot, apply_endpoints
from bot.clock import Clock, SystemClock
from bot.content.loader import ContentError, load_catalog
from bot.content.packcheck import check_packs
from bot.content.translations import load_translations, missing
from bot.domain.models import Catalog
from bot.domain.shards import ShardScope
from bot.errors import BotError
from bot.health import HealthServer
from bot.i18n.locales import DEFAULT
from bot.log import setup_logging
from bot.offline import offline_bot
from bot.playground.run import PlaygroundOptions, run_playground
from bot.redaction import redact_url, secrets_in
from bot.services import build_services
from bot.services.privacy import PrivacyService, forgotten_summary
from bot.settings import Settings, SettingsError, load_settings, project_root
from bot.storage import open_database
from bot.storage.backup import BackupError, UnusableBackupError, backup, restore, snapshot_before_migrating
from bot.storage.base import Database
from bot.storage.copy import DERIVED, ProgressBar, copy_database
from bot.storage.migrate import MigrationError, current_version, migrate
from bot.storage.privacy import PrivacyRepository
from bot.storage.sqlite import SqliteDatabase
from bot.ui.translator import name_problems, text_problems

log = logging.getLogger("bot")

# Exit codes (see _guarded): one for every mistake a restart cannot mend, others for what a restart may.
EXIT_CONFIG = 78  # EX_CONFIG (sysexits.h); the systemd unit's RestartPreventExitStatus
EXIT_DATABASE = 4  # the database cannot be opened or reached (migrate-db: the copy does not match)
EXIT_DISCORD = 5  # Discord cannot be reached, or answered with an error
# Gateway close codes that no reconnect mends: authentication, sharding, API version, intents.
_CONFIG_CLOSE_CODES = frozenset({4004, 4010, 4011, 4012, 4013, 4014})


class DatabaseUnavailableError(BotError):
    """The database could not be opened or reached: maybe down for a moment, so worth a restart."""


def _fatal(message: str, code: int) -> int:
    print(f"heartstopper-bot: {message}", file=sys.stderr)  # noqa: T201 - the CLI's one line
    return code


def _load_env_files(explicit: str | None) -> None:
    """The environment wins over .env; a .env in the cwd wins over the checkout's."""
    if explicit:
        load_dotenv(explicit, override=False)
        return
    load_dotenv(Path.cwd() / ".env", override=False)
    root = project_root()
    if root is not None:
        load_dotenv(root / ".env", override=False)


async def _open_database(settings: Settings) -> Database:
    key = "DATABASE_URL" if settings.database_url else "DATABASE_PATH"
    try:
        db = await open_database(settings.database_target)
    except Exception as exc:
        raise DatabaseUnavailableError(
            f"cannot open the database at {_where(settings)} ({_reason(exc)}): check {key}"
        ) from None
    try:
        await snapshot_before_migrating(db)  # an SQLite file older than this code: <file>.pre-v<N>.bak first
        await migrate(db)
    except BackupError as exc:
        await db.close()
        raise DatabaseUnavailableError(f"{exc}; nothing was migrated") from None
    except BaseException:
        await db.close()
        raise
    return db


async def run_check(settings: Settings) -> int:
    """Everything but connecting: content and its translations, database and migrations, the command tree
    with every language's names as Discord would receive them (a name Discord refuses fails the check)."""
    catalog = load_catalog(settings.data_dir)
    catalogs = load_translations(settings.data_dir, catalog)
    db = await _open_database(settings)
    try:
        async with offline_bot(settings, db, catalogs) as bot:
            commands = sorted(c.name for c in bot.tree.get_commands())
            refused = name_problems(bot.tree) + text_problems(bot.tree)
        version = await current_version(db)
        where = f"{_where(settings)} ({db.dialect})"
    finally:
        await db.close()
    if refused:
        for problem in refused:
            print(problem, file=sys.stderr)  # noqa: T201 - the CLI's report
        return _fatal(
            f"{len(refused)} translated command name(s) or text(s) Discord would refuse (bot/i18n/locales)", 1
        )
    print(_summary(settings, catalogs, where, version, commands))  # noqa: T201 - the CLI's report
    return 0


def _where(settings: Settings) -> str:
    """The database named for a person: the file, or the URL with every password masked."""
    return redact_url(settings.database_url) if settings.database_url else str(settings.database_path)


def _reason(exc: BaseException) -> str:
    return str(exc) or exc.__class__.__name__


def _summary(settings: Settings, catalogs: Mapping[str, Catalog], where: str, version: int, commands: list[str]) -> str:
    counts = catalogs[DEFAULT].counts()
    return "\n".join(
        [
            f"heartstopper-bot {__version__}: check passed",
            f"  settings : ok (token {'set' if settings.token else 'not set, needed to connect'})",
            f"  content  : {counts['cast']} cast, {counts['episodes']} episodes, {counts['releases']} releases, "
            f"{counts['packs']} pack(s) with {counts['questions']} questions from {settings.data_dir}",
            f"  languages: {_languages(catalogs)}",
            f"  database : {where} at schema version {version}",
            f"  commands : {len(commands)} top-level: " + ", ".join(f"/{c}" for c in commands),
        ]
    )


def _languages(catalogs: Mapping[str, Catalog]) -> str:
    """Each language with what it still shows in English, so a translator sees what is left."""
    english = catalogs[DEFAULT]
    parts: list[str] = [DEFAULT]
    for locale, catalog in catalogs.items():
        if locale == DEFAULT:
            continue
        gaps = missing(english, catalog)
        parts.append(f"{locale} ({len(gaps)} item(s) still in English)" if gaps else locale)
    return ", ".join(parts)


async def run_bot(settings: Settings, clock: Clock | None = None) -> int:
    """Run until closed. ``clock`` is for tests that run the real process on scaled time."""
    token = settings.require_token()
    catalog = load_catalog(settings.data_dir)
    catalogs = load_translations(settings.data_dir, catalog)
    apply_endpoints(settings)
    db = await _open_database(settings)
    try:
        services = build_services(
            db,
            catalog,
            clock or SystemClock(),
            random.Random(),
            countdown_grace_hours=settings.countdown_grace_hours,
            shards=ShardScope.of(settings.shard_count, settings.shard_ids),
            nonce_window=dt.timedelta(seconds=settings.nonce_window_seconds),
            catalogs=catalogs,
        )
        bot = HeartstopperBot(settings=settings, services=services)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, functools.partial(_request_close, bot, sig))
        health = HealthServer(bot, db, settings.health_address) if settings.health_address else None
        if health is not None:
            await health.start()  # before connecting: /readyz says "not READY yet" meanwhile
        try:
            async with bot:
                await bot.start(token)
        finally:
            if health is not None:
                await health.stop()
    finally:
        await db.close()
        log.info("database closed; bye")
    return 0


_closing: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks


def _request_close(bot: HeartstopperBot, sig: signal.Signals) -> None:
    log.info("received %s: closing the bot, then the database", sig.name)
    task = bot.loop.create_task(bot.close())
    _closing.add(task)
    task.add_done_callback(_closing.discard)


def _with_settings(body: Callable[[Settings], Coroutine[Any, Any, int]], *, quiet: bool = True) -> int:
    """One command's life: settings from the environment (after ``.env``), logging that keeps secrets out,
    ``body`` run to its exit code, and every expected failure as one line (``_guarded``)."""

    def run() -> int:
        settings = load_settings(os.environ)
        level = "WARNING" if quiet else settings.log_level
        setup_logging(level, secrets=settings.secrets(), fmt=settings.log_format)
        return asyncio.run(body(settings))

    return _guarded(run)


def _check_pack(files: list[Path]) -> int:
    try:
        catalog = load_catalog(load_settings(os.environ).data_dir)
    except (SettingsError, ContentError):
        catalog = None  # the pack is still checked on its own; the fairness checks need the catalog
    report = check_packs(files, catalog)
    for problem in report.problems:
        print(problem)  # noqa: T201 - the checker's report
    for line in report.balance_lines:
        print(line)  # noqa: T201
    if report.problems:
        print(f"{len(report.problems)} problem(s) found", file=sys.stderr)  # noqa: T201
        return 1
    print(f"ok: {len(files)} pack file(s), {report.questions} question(s)")  # noqa: T201
    return 0


def _playground(args: argparse.Namespace) -> int:
    setup_logging((os.environ.get("LOG_LEVEL") or "WARNING").upper())
    options = PlaygroundOptions(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        database=args.database,
        open_browser=args.open,
        exposed=args.exposed,
    )
    from bot.playground.run import check_host  # here, so only the playground's command loads it

    try:
        check_host(options)  # anything but loopback needs the flag: any page could drive a served playground
    except SettingsError as refused:
        return _fatal(str(refused), 2)  # a refused argument, as argparse's own usage errors (exit 2)
    return _guarded(lambda: asyncio.run(run_playground(options)))


def _migrate_db_command(args: argparse.Namespace) -> int:
    setup_logging("WARNING", secrets=secrets_in(args.to))

    def run() -> int:
        source = args.source or load_settings(os.environ).database_path
        target = load_settings({**os.environ, "DATABASE_URL": args.to}).database_url
        if not source.is_file():
            raise DatabaseUnavailableError(f"there is no SQLite database at {source}: pass --from with the bot's file")
        if target is None or args.batch < 1:
            raise SettingsError("--to must be a postgresql:// URL and --batch at least 1")
        return asyncio.run(_migrate_db(source, target, args.batch))

    return _guarded(run)


async def _migrate_db(source_path: Path, url: str, batch: int) -> int:
    source = await SqliteDatabase.open_file(source_path)
    try:
        target = await open_database(url)
    except Exception as exc:
        await source.close()
        raise DatabaseUnavailableError(
            f"cannot open {redact_url(url)} ({_reason(exc)}): check the URL and the server"
        ) from None
    try:
        print(f"copying {source_path} into {redact_url(url)}", file=sys.stderr)  # noqa: T201 - the CLI's report
        counts = await copy_database(source, target, batch=batch, progress=ProgressBar(sys.stderr))
    finally:
        await target.close()
        await source.close()
    for count in counts:
        mark = "ok" if count.matches else "MISMATCH"
        print(f"  {count.table:<26} {count.source:>10,} -> {count.target:>10,}  {mark}")  # noqa: T201
    wrong = [c.table for c in counts if not c.matches]
    if wrong:
        return _fatal(
            f"row counts differ in {', '.join(wrong)}: the target already held other rows, or the bot wrote to "
            "either side during the copy; stop the bot and run migrate-db again",
            EXIT_DATABASE,
        )
    copied = sum(c.source for c in counts if c.table != DERIVED)
    print(f"done: {copied:,} rows copied, every table verified; now set DATABASE_URL")  # noqa: T201
    return 0


async def _backup(settings: Settings, file: Path) -> int:
    done = await backup(settings.database_target, file)
    print(  # noqa: T201 - the CLI's report
        f"backed up {_where(settings)} to {done.path}: {done.size / 1e6:.1f} MB at schema version "
        f"{done.schema_version}, checked, in {done.seconds:.1f} s ({done.method})"
    )
    return 0


async def _restore(settings: Settings, file: Path) -> int:
    done = await restore(file, settings.database_target)
    upgrade = f"; the bot migrates it to {done.latest} when it starts" if done.schema_version < done.latest else ""
    kept = f"; the database it replaced is kept as {done.kept}" if done.kept else ""
    print(  # noqa: T201 - the CLI's report
        f"restored {done.source} (schema version {done.schema_version}, checked) into {done.target} "
        f"in {done.seconds:.1f} s{upgrade}{kept}"
    )
    return 0


def _backup_guarded(body: Callable[[Settings], Coroutine[Any, Any, int]], *, restoring: bool) -> int:
    """``_with_settings`` plus the backup's own failures: 78 for a file this code cannot restore (missing,
    damaged, newer, not the bot's: no restart mends it), 4 for the database, a folder or a missing tool."""
    unchanged = "; nothing was replaced" if restoring else ""

    async def checked(settings: Settings) -> int:
        try:
            return await body(settings)
        except UnusableBackupError as exc:
            return _fatal(f"{exc}{unchanged}", EXIT_CONFIG)
        except BackupError as exc:
            return _fatal(f"{exc}{unchanged}", EXIT_DATABASE)

    return _with_settings(checked)


async def _forget_user(settings: Settings, user_id: int) -> int:
    db = await _open_database(settings)
    try:
        done = await PrivacyService(PrivacyRepository(db), SystemClock()).forget_everywhere(user_id)
    finally:
        await db.close()
    for guild_id, forgotten in done:
        print(f"server {guild_id}: {forgotten_summary(forgotten, whose='their')}")  # noqa: T201 - the CLI's report
    if done:
        print(f"done: user {user_id} forgotten in {len(done)} server(s)")  # noqa: T201
    else:
        print(f"nothing stored about user {user_id} in {_where(settings)}: nothing to do")  # noqa: T201
    return 0


def _guarded(run: Callable[[], int]) -> int:
    """Run, turning every expected failure into one line on stderr and an exit code.

    The codes tell a supervisor (the systemd unit, a container runtime) whether starting again can help:

    - 0: closed as asked (SIGTERM, SIGINT).
    - 78 (``EX_CONFIG``): a mistake a restart cannot mend, so the unit does not restart
      (``RestartPreventExitStatus=78``): a missing or malformed setting, broken content, a token
      Discord rejects, intents or sharding Discord refuses, a database newer than this code or a
      migration that fails, a ``HEALTH_ADDRESS`` that cannot be served.
    - 4: the database cannot be opened or reached (it may be starting); for ``migrate-db``, also
      a copy whose row counts differ.
    - 5: Discord cannot be reached or answered with an error (network, outage).
    - 1: anything unexpected (a traceback): restarted, like 4 and 5.
    - 130: interrupted from the terminal (Ctrl-C before the bot was up).
    """
    try:
        return run()
    except SettingsError as exc:
        return _fatal(str(exc), EXIT_CONFIG)
    except ContentError as exc:
        for problem in exc.problems[1:]:
            print(f"heartstopper-bot: {problem}", file=sys.stderr)  # noqa: T201
        return _fatal(exc.problems[0] + " (fix the file, then check with: heartstopper-bot --check)", EXIT_CONFIG)
    except DatabaseUnavailableError as exc:
        return _fatal(str(exc), EXIT_DATABASE)
    except MigrationError as exc:
        return _fatal(str(exc), EXIT_CONFIG)
    except discord.LoginFailure:
        return _fatal(
            "Discord rejected DISCORD_TOKEN: reset the token in the developer portal "
            "(Bot -> Reset Token) and put the new one in .env",
            EXIT_CONFIG,
        )
    except discord.PrivilegedIntentsRequired:
        return _fatal(
            "Discord refused the connection over intents: this bot needs no privileged intents; "
            "check the application's settings",
            EXIT_CONFIG,
        )
    except discord.ConnectionClosed as exc:
        if exc.code in _CONFIG_CLOSE_CODES:
            return _fatal(
                f"Discord's gateway refused this connection for good (close code {exc.code}): "
                "check DISCORD_TOKEN, SHARD_COUNT and SHARD_IDS",
                EXIT_CONFIG,
            )
        return _fatal(f"Discord's gateway closed the connection (close code {exc.code}): try again later", EXIT_DISCORD)
    except discord.HTTPException as exc:
        if exc.status >= 500 or exc.status == 429:
            return _fatal(f"Discord answered {exc.status} during start-up: try again later", EXIT_DISCORD)
        return _fatal(
            f"Discord refused a start-up request ({exc.status}, code {exc.code}): "
            "check DEV_GUILD_ID and that the bot was invited with the applications.commands scope",
            EXIT_CONFIG,
        )
    except discord.GatewayNotFound:
        return _fatal("Discord did not say where its gateway is: try again later", EXIT_DISCORD)
    except (aiohttp.ClientError, OSError) as exc:
        return _fatal(
            f"cannot reach Discord ({exc.__class__.__name__}): check the network and DISCORD_API_BASE",
            EXIT_DISCORD,
        )
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    """One parser: the bot itself (``--check``), and each other command as a subcommand sharing ``--env-file``."""
    env = argparse.ArgumentParser(add_help=False)
    env.add_argument("--env-file", help="read settings from this file instead of .env")
    parser = argparse.ArgumentParser(
        prog="heartstopper-bot",
        description="A Discord bot for Heartstopper fan servers. Without a command it runs the bot.",
        parents=[env],
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="validate settings, content, database and commands, then exit without connecting",
    )
    parser.add_argument("--version", action="version", version=f"heartstopper-bot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    play = commands.add_parser(
        "playground",
        help="try the bot in a browser, against a built-in local Discord (no token, no .env)",
        description="The real bot against a built-in local Discord, used from a web page. No token, no account.",
    )
    play.add_argument("--port", type=int, default=8765, help="port for the page (default 8765; 0 picks a free one)")
    play.add_argument("--host", default="127.0.0.1", help="loopback address to serve the page on (default 127.0.0.1)")
    play.add_argument(
        "--i-know-this-exposes-the-playground",
        dest="exposed",
        action="store_true",
        help="allow a --host beyond this machine (anyone with the printed URL can then drive the playground)",
    )
    play.add_argument("--data-dir", type=Path, help="content folder to play with (default: the bundled data/)")
    play.add_argument("--database", type=Path, help="SQLite file to keep (default: a fresh one, deleted at exit)")
    play.add_argument("--open", action="store_true", help="open the page in your browser")

    pack = commands.add_parser(
        "check-pack", parents=[env], help="validate trivia packs (the start-up checks and the fairness audit)"
    )
    pack.add_argument("files", type=Path, nargs="+", metavar="FILE", help="a pack, e.g. data/trivia/season-1.yaml")

    move = commands.add_parser(
        "migrate-db",
        parents=[env],
        help="copy this install's SQLite database into PostgreSQL",
        description="Copy this install's SQLite database into PostgreSQL, in batches, then check every table's "
        "row count on both sides. Safe to run again: rows already copied are kept, the rest are added.",
    )
    move.add_argument("--to", required=True, metavar="postgresql://…", help="the PostgreSQL database to fill")
    move.add_argument("--from", dest="source", type=Path, help="SQLite file (default: DATABASE_PATH)")
    move.add_argument("--batch", type=int, default=2_000, help="rows per transaction (default 2000)")

    save = commands.add_parser(
        "backup",
        parents=[env],
        help="a consistent copy of the database, safe while the bot runs",
        description="A consistent copy of the bot's database, safe while the bot runs: SQLite's online backup API "
        "(checked with PRAGMA integrity_check before it is kept), or pg_dump in custom format for DATABASE_URL. "
        "Restore it with: heartstopper-bot restore FILE",
    )
    save.add_argument("file", type=Path, metavar="FILE", help="where to write the backup (replaced if it exists)")

    load = commands.add_parser(
        "restore",
        parents=[env],
        help="replace the database with a backup (bot stopped)",
        description="Replace the bot's database with a backup, with the bot stopped. The file is checked first "
        "(integrity, a schema no newer than this code's); a file that fails is refused and nothing is replaced. "
        "An older schema is fine: the bot migrates it when it starts.",
    )
    load.add_argument("file", type=Path, metavar="FILE", help="a file made by heartstopper-bot backup")

    forget = commands.add_parser(
        "forget-user",
        parents=[env],
        help="delete what the bot stores about one member, in every server",
        description="Delete what the bot stores about one Discord user in every server (a request that arrives by "
        "mail): trivia answers, scores, daily answers and streaks. Games, events and packs they made stay, with "
        "their id removed. Safe while the bot runs.",
    )
    forget.add_argument("user_id", type=int, metavar="ID", help="the member's Discord user id")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "playground":
        return _playground(args)  # reads no .env: nothing of a real install leaks into the playground
    _load_env_files(args.env_file)
    match args.command:
        case "check-pack":
            return _check_pack(args.files)
        case "migrate-db":
            return _migrate_db_command(args)
        case "backup":
            return _backup_guarded(lambda settings: _backup(settings, args.file), restoring=False)
        case "restore":
            return _backup_guarded(lambda settings: _restore(settings, args.file), restoring=True)
        case "forget-user":
            if args.user_id <= 0:
                parser.error("ID is a Discord user id: a positive number (Developer Mode, then Copy User ID)")
            return _with_settings(lambda settings: _forget_user(settings, args.user_id))

    async def run(settings: Settings) -> int:
        if args.check:
            return await run_check(settings)
        settings.require_token()
        return await run_bot(settings)

    return _with_settings(run, quiet=False)


if __name__ == "__main__":
    sys.exit(main())
