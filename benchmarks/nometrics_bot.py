"""``python -m bot`` with the Prometheus hooks on the interaction path turned off, for
``python -m benchmarks.interactions --no-metrics``.

Before the bot is built, ``bot.metrics.interaction`` (called by the command tree for every command,
autocomplete and observed component) becomes a no-op and ``rest_trace`` gives no aiohttp
``TraceConfig`` (``http_trace=None``: discord.py's session then has no trace hooks at all). Both are
patched here, in the benchmark's own runner, not in ``bot/``. Everything else is ``python -m bot``.
"""

from __future__ import annotations

import sys
from typing import Any

import bot.app
import bot.metrics


def _no_interaction(*_args: Any, **_kwargs: Any) -> None:
    return None


def _no_trace(_api_base: str) -> None:
    return None


def main() -> int:
    bot.metrics.interaction = _no_interaction  # read through the module by bot.ui.tree at each call
    bot.metrics.rest_trace = _no_trace  # type: ignore[assignment]
    bot.app.rest_trace = _no_trace  # type: ignore[assignment]  # bot.app imported the name itself
    from bot.__main__ import main as bot_main

    return bot_main([])


if __name__ == "__main__":
    sys.exit(main())
