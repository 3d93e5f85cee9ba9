"""The local Discord as a process of its own, for checks that run the bot somewhere else (a container).

``python -m tests.standin_server`` starts the stand-in (REST and gateway on 127.0.0.1, a free port)
with one server in it, prints one JSON line with the environment a bot needs to reach it
(``DISCORD_TOKEN``, ``DISCORD_API_BASE``, ``DISCORD_GATEWAY_URL``, ``GUILD_READY_TIMEOUT``), then one
JSON line per IDENTIFY it answers (``{"event": "identify", ...}``) and one when every shard has had
READY (``{"event": "ready", ...}``), and stays up until SIGTERM or SIGINT. Used by ``.ci/container-check``.

With ``--with-servers`` it also starts a throwaway PostgreSQL and Redis on 127.0.0.1 (Debian's
``postgresql`` and ``redis-server``, as the tests do; tests/servers.py) and adds their ``DATABASE_URL``
and ``REDIS_URL`` to that first line: the layout of compose.yaml, without compose.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys

from bot.localdiscord import LocalDiscord
from tests.servers import postgres_cluster, redis_server


def _say(line: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


async def serve(servers: dict[str, str]) -> int:
    fake = await LocalDiscord().start()
    guild = fake.add_guild("Heartstopper Fans", channel_names=["general", "countdown", "trivia"])
    _say({**fake.env(), **servers})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def report() -> None:
        told = 0
        while True:
            await fake.wait_until(lambda seen=told: len(fake.identifies) > seen, 10**9, "IDENTIFY")
            for identify in fake.identifies[told:]:
                _say({"event": "identify", "shard": identify.get("shard") or [0, 1]})
            told = len(fake.identifies)
            if fake.ready_sent.is_set():
                _say({"event": "ready", "guilds": [guild["id"]], "identifies": told})

    reporter = asyncio.ensure_future(report())
    try:
        await stop.wait()
    finally:
        reporter.cancel()
        await fake.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--with-servers", action="store_true", help="also start PostgreSQL and Redis")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        servers: dict[str, str] = {}
        if args.with_servers:
            servers["DATABASE_URL"] = stack.enter_context(postgres_cluster()).url
            servers["REDIS_URL"] = stack.enter_context(redis_server())
        return asyncio.run(serve(servers))


if __name__ == "__main__":
    sys.exit(main())
