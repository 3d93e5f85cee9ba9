"""``python -m bot.i18n``: extract the English messages (the code's and the command tree's) and merge them
into every language's catalogue. A developer's and translator's tool; the bot never runs it."""

from __future__ import annotations

import asyncio
import sys

from bot.i18n.catalogues import update


async def _command_strings() -> list[tuple[str, str]]:
    """The command tree's names and descriptions, read from the bot built offline (no token, no network)."""
    from bot.offline import offline_bot  # the whole bot, only for this tool
    from bot.ui.translator import command_strings

    async with offline_bot() as bot:
        return list(command_strings(bot.tree))


def main() -> int:
    for line in update(commands=asyncio.run(_command_strings())):
        print(line)  # noqa: T201 - a developer's tool reporting what it did
    return 0


if __name__ == "__main__":
    sys.exit(main())
