"""Start-up time and resident memory with 1, 1,000 and 10,000 servers.

Run: python -m benchmarks.startup [N ...]   (default 1 1000 10000)

Runs the real entry point (``python -m bot``) against the stand-in, which holds N servers of
2 text channels and 2 roles each and asks for one shard per 2,500 of them, as Discord does.
Reports the time from spawning the process to READY on every shard, to the first slash command
answered, and the process's resident memory once it is idle, with the cost per server over the
1-server base.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import spawn, stop
from benchmarks.procstat import machine, rss_mib
from bot.localdiscord import LocalDiscord


async def measure(count: int) -> tuple[float, float, float, int]:
    fake = await LocalDiscord().start()
    guilds = [fake.add_guild(f"fans-{i}") for i in range(count)]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        proc = await spawn(fake, "bot", Path(tmp) / "bench.sqlite3")
        ready = time.perf_counter() - start
        await fake.wait_for("PUT", r"/commands$")
        reply = await fake.reply_to(await fake.slash("about", guilds[0]), timeout=120)
        assert reply["type"] == 4
        serving = time.perf_counter() - start
        await asyncio.sleep(3)
        rss = rss_mib(proc.pid)
        shards = len(fake.sessions)
        await stop(proc)
    await fake.stop()
    return ready, serving, rss, shards


async def main(counts: list[int]) -> None:
    print(f"machine: {machine()}")
    base = None
    for count in counts:
        ready, serving, rss, shards = await measure(count)
        base = rss if base is None else base
        extra = f", {(rss - base) * 1024 / (count - 1):.1f} KB per server over the base" if count > 1 else ""
        print(
            f"{count:>6} servers, {shards} shard(s): READY {ready:5.2f} s, first command answered {serving:5.2f} s, "
            f"RSS {rss:6.1f} MiB{extra}",
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main([int(a) for a in sys.argv[1:]] or [1, 1000, 10000]))
