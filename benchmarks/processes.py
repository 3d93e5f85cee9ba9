"""One broadcast, two deployments: 1 process on SQLite vs 2 processes on PostgreSQL + Redis.

Run: python -m benchmarks.processes [N] [--only sqlite|postgresql]   (default 10,000 servers)

Each bot is a real process (``tests/procbot.py``) against one stand-in Discord that enforces the
50 requests/second global limit and the per-channel bucket, and asks for one shard per ~1,000
servers. The SQLite run is one process holding every shard; the PostgreSQL run is two processes
(``SHARD_COUNT`` shards, half each) on a throwaway PostgreSQL cluster, sharing one REST budget
through a throwaway Redis. Every server's countdown is due at the same minute; every process's
clock reads that minute at the same wall-clock second (``PROCBOT_CLOCK_AT``), after all are READY.
Reports the time from the first post to the last, the request rate as a share of 50/s, 429s,
posts sent twice, and the busiest second. Needs Debian's postgresql and redis-server.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import random
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from benchmarks.procstat import machine
from bot.content.loader import load_catalog
from bot.localdiscord import LocalDiscord
from bot.services import build_services
from bot.storage import open_database
from bot.storage.migrate import migrate
from tests.clocks import ManualClock
from tests.conftest import daily_countdown
from tests.procbot import spawn
from tests.servers import postgres_cluster, redis_server

ROOT = Path(__file__).resolve().parents[1]
DUE = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
POSTS = r"^/channels/\d+/messages$"


@contextmanager
def store(kind: str) -> Iterator[tuple[Path | str, str | None]]:
    """Where the bots keep their state, and the Redis URL (PostgreSQL runs only)."""
    with ExitStack() as stack:
        if kind == "sqlite":
            yield Path(stack.enter_context(tempfile.TemporaryDirectory())) / "bot.sqlite3", None
        else:
            cluster = stack.enter_context(postgres_cluster())
            yield cluster.url, stack.enter_context(redis_server())


async def configure(target: Path | str, fake: LocalDiscord, guilds: list[dict]) -> None:
    db = await open_database(target)
    await migrate(db)
    services = build_services(
        db, load_catalog(ROOT / "data"), ManualClock(DUE - dt.timedelta(days=1)), random.Random(1)
    )
    for guild in guilds:
        await daily_countdown(services, int(guild["id"]), fake.channel_ids(guild)[0])
    await db.close()


class LoopLag:
    """How late this process's loop wakes (the stand-in's stalls stamp requests late, bunching them)."""

    def __init__(self) -> None:
        self.stalls: list[tuple[float, float]] = []  # (when, how late) for wake-ups > 20 ms late
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.005)
            late = time.monotonic() - before - 0.005
            if late > 0.02:
                self.stalls.append((time.monotonic(), late))

    def stop(self) -> None:
        self._task.cancel()


async def run(kind: str, count: int) -> str:
    fake = await LocalDiscord().start()
    lag = LoopLag()
    fake.global_limit = 50
    fake.bucket_limit, fake.bucket_window = 5, 5.0
    guilds = [fake.add_guild(f"g{i}", channels=1) for i in range(count)]
    procs: list[asyncio.subprocess.Process] = []
    try:
        with store(kind) as (target, redis_url):
            started = time.perf_counter()
            await configure(target, fake, guilds)
            setup = time.perf_counter() - started
            # The stand-in's 10,000 guilds are long-lived: keep the collector from walking them
            # mid-broadcast (its pauses stamp requests late, bunching them into one second).
            gc.collect()
            gc.freeze()
            # Due a little after every process is READY: the same wall-clock second for all of them.
            at = time.time() + 15 + count / 250
            env = {"PROCBOT_CLOCK_START": DUE.isoformat(), "PROCBOT_CLOCK_AT": str(at)}
            if kind == "sqlite":
                procs.append(await spawn(fake, target, **env))
                layout = f"1 process, {len(fake.sessions)} shards, SQLite"
            else:
                shards = max(2, fake.shard_count)
                half = shards // 2
                for ids in (tuple(range(half)), tuple(range(half, shards))):
                    shard_env = {"SHARD_COUNT": str(shards), "SHARD_IDS": ",".join(map(str, ids))}
                    procs.append(await spawn(fake, target, shards=ids, REDIS_URL=str(redis_url), **env, **shard_env))
                layout = f"2 processes, {shards} shards ({half} + {shards - half}), PostgreSQL + Redis"
            assert time.time() < at, "the processes took longer to start than the margin allowed"
            await fake.wait_for("POST", POSTS, lambda r: r.status == 200, count=count, timeout=3600)
            await asyncio.sleep(1)
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await fake.stop()
    sent = [r for r in fake.requests if not r.path.startswith("/interactions/") and r.method != "PUT"]
    posts = [r for r in sent if r.method == "POST" and r.path.endswith("/messages")]
    first, last = min(r.at for r in posts), max(r.at for r in posts if r.status == 200)
    during = [r for r in sent if first <= r.at <= last]
    elapsed = last - first
    twice = sum(1 for n in Counter((r.path, r.body.get("nonce")) for r in posts if r.status == 200).values() if n > 1)
    lag.stop()
    during_stalls = [late for at, late in lag.stalls if first <= at <= last]
    longest = max(during_stalls, default=0) * 1000
    stalls = f"stand-in stalls > 20 ms during the broadcast: {len(during_stalls)}, longest {longest:.0f} ms"
    limited = ", ".join(f"{r.method} {r.path} at {r.at - first:+.1f} s" for r in fake.rate_limited[:3])
    return (
        f"{layout}: {count:,} posts in {elapsed:.1f} s = {len(during) / elapsed:.1f} requests/s "
        f"({len(during) / elapsed / 50:.0%} of 50/s); 429s: {len(fake.rate_limited)} {limited}; "
        f"posts sent twice: {twice}; "
        f"busiest second: {fake.busiest_second()} requests (schedules written in {setup:.0f} s); {stalls}"
    )


async def main(count: int, only: str | None) -> None:
    print(f"machine: {machine()}")
    for kind in ("sqlite", "postgresql"):
        if only in (None, kind):
            print(await run(kind, count), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=10_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    asyncio.run(main(args.count, args.only))
