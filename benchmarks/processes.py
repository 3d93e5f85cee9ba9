"""One broadcast, two deployments: 1 process on SQLite vs 2 processes on PostgreSQL + Redis.

Run: python -m benchmarks.processes [N] [--only sqlite|postgresql] [--with-daily] [--forbidden SHARE]
     (default 10,000 servers, no forbidden channel)

Each bot is a real process (``tests/procbot.py``) against one stand-in Discord that enforces the
50 requests/second global limit and the per-channel bucket, and asks for one shard per ~1,000
servers. The SQLite run is one process holding every shard; the PostgreSQL run is two processes
(``SHARD_COUNT`` shards, half each) on a throwaway PostgreSQL cluster, sharing one REST budget
through a throwaway Redis. Every server's countdown is due at the same minute; every process's
clock reads that minute at the same wall-clock second (``PROCBOT_CLOCK_AT``), after all are READY.
With ``--with-daily`` every server's question of the day is due at that minute too, in the same
channel (two posts per server); ``--forbidden`` makes a share of the channels answer 403.
Reports the time from the first post to the last, the request rate as a share of 50/s, 429s,
posts stored twice at the stand-in (by nonce and by content, per channel), the busiest second, and
the bots' CPU per delivered post (user + system time of every bot process from /proc, from just
before the due second to the last post). Needs Debian's postgresql and redis-server. Runs unchanged
against older checkouts of the bot (``benchmarks.compat``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from benchmarks.compat import open_database
from benchmarks.procstat import cpu_seconds, machine
from benchmarks.stored import doubles, wait_for_posts
from bot.content.loader import load_catalog
from bot.localdiscord import LocalDiscord
from bot.services import build_services
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


async def configure(target: Path | str, fake: LocalDiscord, guilds: list[dict], with_daily: bool) -> None:
    db = await open_database(target)
    await migrate(db)
    services = build_services(
        db, load_catalog(ROOT / "data"), ManualClock(DUE - dt.timedelta(days=1)), random.Random(1)
    )
    for guild in guilds:
        await daily_countdown(services, int(guild["id"]), fake.channel_ids(guild)[0])
        if with_daily:
            await services.daily.set_schedule(int(guild["id"]), fake.channel_ids(guild)[0], "09:00", "UTC")
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


class RunQueue:
    """How long each watched process's event-loop thread waited for a CPU while runnable (CPU contention),
    from /proc/<pid>/schedstat, sampled every 0.1 s: a process kept off the CPU stamps requests late
    (the stand-in) or sends late (a bot), and either can bunch requests into one second."""

    def __init__(self) -> None:
        self.pids: dict[str, int] = {"stand-in": os.getpid()}
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            waits = {}
            for name, pid in list(self.pids.items()):
                try:
                    waits[name] = int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[1]) / 1e9
                except (OSError, IndexError, ValueError):
                    pass
            self.samples.append((time.monotonic(), waits))
            await asyncio.sleep(0.1)

    def waited(self, name: str, start: float, end: float) -> float:
        """Seconds ``name`` spent runnable but not running between ``start`` and ``end`` (monotonic)."""
        inside = [w[name] for at, w in self.samples if start <= at <= end and name in w]
        return inside[-1] - inside[0] if len(inside) > 1 else 0.0

    def stop(self) -> None:
        self._task.cancel()


class GcPauses:
    """The stand-in process's garbage-collector pauses (the usual cause of its stalls)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, float, int]] = []  # (when, seconds, generation)
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.monotonic()
        else:
            self.pauses.append((self._started, time.monotonic() - self._started, info["generation"]))

    def stop(self) -> None:
        gc.callbacks.remove(self._callback)


async def run(kind: str, count: int, with_daily: bool, forbidden_share: float) -> str:
    fake = await LocalDiscord().start()
    lag = LoopLag()
    pauses = GcPauses()
    queue = RunQueue()
    fake.global_limit = 50
    fake.bucket_limit, fake.bucket_window = 5, 5.0
    guilds = [fake.add_guild(f"g{i}", channels=1) for i in range(count)]
    channels = [fake.channel_ids(g)[0] for g in guilds]
    forbidden = set(random.Random(3).sample(channels, int(count * forbidden_share)))
    fake.forbidden_channels = forbidden
    expected = (count - len(forbidden)) * (2 if with_daily else 1)
    procs: list[asyncio.subprocess.Process] = []
    try:
        with store(kind) as (target, redis_url):
            started = time.perf_counter()
            await configure(target, fake, guilds, with_daily)
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
                queue.pids["bot"] = procs[-1].pid
                layout = f"1 process, {len(fake.sessions)} shards, SQLite"
            else:
                shards = max(2, fake.shard_count)
                half = shards // 2
                for ids in (tuple(range(half)), tuple(range(half, shards))):
                    shard_env = {"SHARD_COUNT": str(shards), "SHARD_IDS": ",".join(map(str, ids))}
                    procs.append(await spawn(fake, target, shards=ids, REDIS_URL=str(redis_url), **env, **shard_env))
                    queue.pids[f"bot {len(procs)}"] = procs[-1].pid
                layout = f"2 processes, {shards} shards ({half} + {shards - half}), PostgreSQL + Redis"
            assert time.time() < at, "the processes took longer to start than the margin allowed"
            await asyncio.sleep(max(0.0, at - time.time() - 0.5))
            # The stand-in keeps every request and message it sees (20,000 of each): its collector's full
            # passes over them took up to 200 ms mid-broadcast, each stamping the requests that arrived
            # meanwhile at one instant (a 429 a second later). Only this process (the stand-in) stops
            # collecting, for the broadcast; the bots are other processes.
            gc.disable()
            messages_before = set(fake.messages)
            cpu_before = {proc.pid: cpu_seconds(proc.pid) for proc in procs}
            await wait_for_posts(fake, messages_before, expected, timeout=3600)
            cpu = sum(cpu_seconds(proc.pid) - cpu_before[proc.pid] for proc in procs)
            gc.enable()
            await asyncio.sleep(1)
            stored = doubles([m for k, m in fake.messages.items() if k not in messages_before], fake.bot_user["id"])
    finally:
        gc.enable()
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
    resent = sum(1 for n in Counter((r.path, r.body.get("nonce")) for r in posts if r.status == 200).values() if n > 1)
    lag.stop()
    pauses.stop()
    during_stalls = [late for at, late in lag.stalls if first <= at <= last]
    longest = max(during_stalls, default=0) * 1000
    gc_during = [p for p in pauses.pauses if first <= p[0] <= last and p[1] > 0.02]
    gc_longest = max((p[1] for p in gc_during), default=0) * 1000
    # A stand-in stall of s seconds stamps the ~47*s requests that arrived meanwhile at one instant; the
    # second that starts there then holds 47*(1+s) > 50 once s > ~65 ms: a 429 about a second after the
    # stall that the harness caused, not the bot's pacing.
    long_stalls = [at for at, late in lag.stalls if late > 0.05]
    after_stall = sum(1 for r in fake.rate_limited if any(0 <= r.at - at <= 1.5 for at in long_stalls))
    queue.stop()

    def waited(name: str) -> str:
        total = f"{name} {queue.waited(name, first, last):.1f} s"
        if not fake.rate_limited:
            return total
        before_429 = max(queue.waited(name, r.at - 1.5, r.at) for r in fake.rate_limited)
        return f"{total} (most in the 1.5 s before a 429: {before_429 * 1000:.0f} ms)"

    contention = "; ".join(waited(name) for name in queue.pids)
    stalls = (
        f"stand-in stalls > 20 ms during the broadcast: {len(during_stalls)}, longest {longest:.0f} ms "
        f"(its GC pauses > 20 ms: {len(gc_during)}, longest {gc_longest:.0f} ms); "
        f"429s within 1.5 s after a stand-in stall > 50 ms: {after_stall} of {len(fake.rate_limited)}; "
        f"time runnable but waiting for a CPU during the broadcast: {contention}"
    )
    limited = ", ".join(f"{r.method} {r.path} at {r.at - first:+.1f} s" for r in fake.rate_limited[:3])
    statuses = Counter(r.status for r in sent)
    return (
        f"{layout}: {stored.delivered:,} posts (of {expected:,} expected) in {elapsed:.1f} s = "
        f"{len(during) / elapsed:.1f} requests/s ({len(during) / elapsed / 50:.1%} of 50/s); "
        f"429s: {len(fake.rate_limited)} {limited}; 403s: {statuses[403]}; "
        f"posted twice: {stored.by_nonce} by nonce, {stored.by_content} by content "
        f"(most bot messages in one channel: {stored.most_in_a_channel}; a nonce re-sent: {resent}); "
        f"busiest second: {fake.busiest_second()} requests (schedules written in {setup:.0f} s); {stalls}; "
        f"bot CPU (user+sys, {len(procs)} process(es)) {cpu:.1f} s = {cpu / stored.delivered * 1000:.2f} ms "
        f"per delivered post"
    )


async def main(count: int, only: str | None, with_daily: bool, forbidden: float) -> None:
    print(f"machine: {machine()}")
    for kind in ("sqlite", "postgresql"):
        if only in (None, kind):
            print(await run(kind, count, with_daily, forbidden), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=10_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--with-daily", action="store_true", help="a question of the day due at the same minute")
    parser.add_argument("--forbidden", type=float, default=0.0, help="share of channels answering 403")
    args = parser.parse_args()
    asyncio.run(main(args.count, args.only, args.with_daily, args.forbidden))
