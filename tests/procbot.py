"""The real bot as its own process, on scaled time, for the kill tests and benchmarks.

``python -m tests.procbot`` runs exactly what ``python -m bot`` runs (settings from the
environment, content, migrations, the bot) except for the clock: ``PROCBOT_CLOCK_START`` (ISO
time) and ``PROCBOT_CLOCK_SPEED`` (how many seconds pass per real second) let a test reach a
schedule's minute or a trivia question's close without waiting for it. ``spawn`` starts it (or
any other module) against the stand-in; SIGKILL is the test's business. Set ``PROCBOT_STDERR=1``
to see the child's log while debugging.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import time
from pathlib import Path

from bot.__main__ import run_bot
from bot.localdiscord import LocalDiscord
from bot.log import setup_logging
from bot.playground.clock import PlaygroundClock
from bot.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]


def database_env(target: Path | str) -> dict[str, str]:
    """The setting that points the bot at ``target``: a PostgreSQL URL, or an SQLite file."""
    return {"DATABASE_URL": target} if isinstance(target, str) else {"DATABASE_PATH": str(target)}


async def spawn(
    fake: LocalDiscord,
    db_path: Path | str,
    *,
    module: str = "tests.procbot",
    shards: tuple[int, ...] | None = None,
    wait_ready: bool = True,
    **env: str,
) -> asyncio.subprocess.Process:
    """Start ``python -m module`` against the stand-in; return once every shard has had READY.

    With ``shards``, one process of several (``SHARD_IDS`` in ``env``): return once each of those
    shards has a new session, leaving the other processes' sessions alone. With ``wait_ready=False``,
    return as soon as it runs (a rolling deploy's new process, waiting for the old one's shards).
    """
    if not wait_ready:
        before = {}
    elif shards is None:
        fake.ready_sent.clear()
        fake.sessions.clear()
        before = {}
    else:
        before = {shard: fake.sessions.get(shard) for shard in shards}

    def ready() -> bool:
        if shards is None:
            return fake.ready_sent.is_set()
        return all(fake.sessions.get(shard) is not before[shard] for shard in shards)

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        cwd=ROOT,
        env={**os.environ, **fake.env(), **database_env(db_path), "LOG_LEVEL": "WARNING", **env},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=None if os.environ.get("PROCBOT_STDERR") else asyncio.subprocess.DEVNULL,
    )
    if not wait_ready:
        return proc
    waiter = asyncio.ensure_future(fake.wait_until(ready, 600, "READY"))
    dead = asyncio.ensure_future(proc.wait())
    await asyncio.wait({waiter, dead}, return_when=asyncio.FIRST_COMPLETED)
    dead.cancel()
    if not waiter.done() or waiter.exception() is not None:
        waiter.cancel()
        raise RuntimeError(f"python -m {module} did not reach READY (exit code {proc.returncode})")
    return proc


def main() -> int:
    settings = load_settings(os.environ)
    setup_logging(settings.log_level, secrets=settings.secrets(), fmt=settings.log_format)
    start = dt.datetime.fromisoformat(os.environ.get("PROCBOT_CLOCK_START") or dt.datetime.now(dt.UTC).isoformat())
    speed = float(os.environ.get("PROCBOT_CLOCK_SPEED") or 1)
    if os.environ.get("PROCBOT_CLOCK_AT"):  # the Unix time at which the clock reads START: one time for all processes
        start += dt.timedelta(seconds=(time.time() - float(os.environ["PROCBOT_CLOCK_AT"])) * speed)
    clock = PlaygroundClock(start, speed=speed)
    return asyncio.run(run_bot(settings, clock))


if __name__ == "__main__":
    sys.exit(main())
