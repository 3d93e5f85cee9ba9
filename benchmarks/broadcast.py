"""Daily-post broadcast to N servers due at the same minute, against the stand-in with Discord-like limits.

Run: python -m benchmarks.broadcast [N]   (default 1000), from the repository root
The stand-in enforces a 50 requests/second global bucket and answers 429s with `Via`, like Discord.
Reports the time to deliver every post, the achieved rate as a share of 50/s, and the 429 count.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from bot.clock import ManualClock
from bot.content.loader import load_catalog
from tests.conftest import start_bot
from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]


async def main(count: int) -> None:
    fake = await FakeDiscord().start()
    fake.global_limit = 50
    guilds = [fake.add_guild(f"g{i}", channels=1) for i in range(count)]
    clock = ManualClock(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC))
    with tempfile.TemporaryDirectory() as tmp:
        handle = await start_bot(fake, Path(tmp) / "b.sqlite3", load_catalog(ROOT / "data"), clock=clock)
        for g in guilds:
            await handle.services.countdown.set_channel(int(g["id"]), int(g["channels"][0]["id"]))
        sent_before = len(fake.requests)
        start = time.perf_counter()
        await clock.set(dt.datetime(2026, 11, 26, 9, 0, 1, tzinfo=dt.UTC))
        handle.bot.dispatch("countdown_schedule_changed", 0)
        await fake.wait_for("POST", r"^/channels/\d+/messages$", lambda r: r.status == 200, count=count, timeout=600)
        elapsed = time.perf_counter() - start
        posts = [r for r in fake.requests[sent_before:] if r.method == "POST" and r.path.endswith("/messages")]
        per_channel = {}
        for r in posts:
            if r.status == 200:
                per_channel[r.path] = per_channel.get(r.path, 0) + 1
        print(
            f"{count} servers: all posted in {elapsed:.1f} s = {count / elapsed:.1f} posts/s "
            f"({count / elapsed / 50:.0%} of 50/s); 429s: {len(fake.rate_limited)}; "
            f"servers posted twice: {sum(1 for v in per_channel.values() if v > 1)}"
        )
        await handle.stop()
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
