"""``python -m bot.i18n``: extract the English messages (the code's and the command tree's) and merge them
into every language's catalogue. A developer's and translator's tool; the bot never runs it."""

from __future__ import annotations

import asyncio
import random
import sys

from bot.i18n.catalogues import update


async def _command_strings() -> list[tuple[str, str]]:
    """The command tree's names and descriptions, read from the bot built offline (no token, no network)."""
    from bot.app import HeartstopperBot
    from bot.clock import SystemClock
    from bot.content.loader import load_catalog
    from bot.services import build_services
    from bot.settings import load_settings
    from bot.storage import open_database
    from bot.storage.migrate import migrate
    from bot.ui.translator import command_strings

    settings = load_settings({"DATABASE_PATH": ":memory:"})
    db = await open_database(":memory:")
    try:
        await migrate(db)
        services = build_services(db, load_catalog(settings.data_dir), SystemClock(), random.Random())
        bot = HeartstopperBot(settings=settings, services=services, sync_commands=False)
        await bot.load_features()
        strings = list(command_strings(bot.tree))
        for extension in list(bot.extensions):
            await bot.unload_extension(extension)  # stops the cogs' background tasks
        return strings
    finally:
        await db.close()


def main() -> int:
    for line in update(commands=asyncio.run(_command_strings())):
        print(line)  # noqa: T201 - a developer's tool reporting what it did
    return 0


if __name__ == "__main__":
    sys.exit(main())
