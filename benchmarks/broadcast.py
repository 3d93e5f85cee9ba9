"""Daily-post broadcast to N servers due at the same minute, against the stand-in with Discord's limits.

Run: python -m benchmarks.broadcast [N] [--forbidden SHARE] [--with-daily]   (default 1000 servers, 5% forbidden)

With ``--with-daily`` every server also has its question of the day due at the same minute, in
the same channel: two posts per server from the bot's one scheduler and one pacer.

The stand-in enforces the 50 requests/second global bucket and per-route buckets and answers
429s like Discord; with more than 2,500 servers it asks for more shards and refuses a shard that
holds more. A share of the channels answers 403 Missing Permissions. Reports the time to
deliver every post, the achieved request rate as a share of 50/s, the 429s, the failed requests
(401/403/429, which Discord bans at 10,000 per 10 minutes) and what became of the 403 schedules.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import random
import sqlite3
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.procstat import machine
from bot.content.loader import load_catalog
from bot.localdiscord import LocalDiscord
from tests.clocks import ManualClock
from tests.conftest import daily_countdown, start_bot

ROOT = Path(__file__).resolve().parents[1]


async def main(count: int, forbidden_share: float, with_daily: bool) -> None:
    print(f"machine: {machine()}")
    fake = await LocalDiscord().start()
    fake.global_limit = 50
    fake.bucket_limit = 5  # per channel per 5 s, like Discord's message bucket
    fake.bucket_window = 5.0
    guilds = [fake.add_guild(f"g{i}", channels=1) for i in range(count)]
    channels = [fake.channel_ids(g)[0] for g in guilds]
    forbidden = set(random.Random(3).sample(channels, int(count * forbidden_share)))
    fake.forbidden_channels = forbidden
    clock = ManualClock(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC))
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "b.sqlite3"
        started = time.perf_counter()
        handle = await start_bot(fake, db_path, load_catalog(ROOT / "data"), clock=clock, ready_timeout=600)
        print(f"{count} servers on {len(fake.sessions)} shard(s), READY after {time.perf_counter() - started:.1f} s")
        for g, channel_id in zip(guilds, channels, strict=True):
            await daily_countdown(handle.services, int(g["id"]), channel_id)
            if with_daily:
                await handle.services.daily.set_schedule(int(g["id"]), channel_id, "09:00", "UTC")
        first = len(fake.requests)
        start = time.perf_counter()
        await clock.set(dt.datetime(2026, 11, 26, 9, 0, 1, tzinfo=dt.UTC))
        handle.bot.scheduler.wake()
        expected = (count - len(forbidden)) * (2 if with_daily else 1)
        await fake.wait_for(
            "POST", r"^/channels/\d+/messages$", lambda r: r.status == 200, count=expected, timeout=3600
        )
        elapsed = time.perf_counter() - start
        await asyncio.sleep(1)
        sent = fake.requests[first:]
        statuses = Counter(r.status for r in sent)
        per_post = Counter((r.path, r.body.get("nonce")) for r in sent if r.method == "POST" and r.status == 200)
        tries_forbidden = Counter(r.path for r in sent if r.status == 403)
        await handle.stop()
        with contextlib.closing(sqlite3.connect(db_path)) as conn:
            off = conn.execute("SELECT COUNT(*) FROM guild_config WHERE countdown_enabled = 0").fetchone()[0]
            daily_off = conn.execute(
                "SELECT COUNT(*) FROM guild_config WHERE daily_channel_id IS NOT NULL AND daily_enabled = 0"
            ).fetchone()[0]
    await fake.stop()
    failed = statuses[401] + statuses[403] + statuses[429]
    print(
        f"{expected} posts delivered in {elapsed:.1f} s: {len(sent) / elapsed:.1f} requests/s "
        f"({len(sent) / elapsed / 50:.0%} of 50/s), {expected / elapsed:.1f} posts/s\n"
        f"429s: {statuses[429]}; failed requests (401/403/429): {failed} (ban threshold 10,000 per 10 min); "
        f"posts sent twice (same channel and nonce): {sum(1 for v in per_post.values() if v > 1)}\n"
        f"403 channels: {len(forbidden)}, countdowns turned off: {off}, questions of the day turned off: {daily_off}, "
        f"most requests to one 403 channel: {max(tries_forbidden.values(), default=0)}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=1000)
    parser.add_argument("--forbidden", type=float, default=0.05, help="share of channels answering 403")
    parser.add_argument("--with-daily", action="store_true", help="a question of the day due at the same minute")
    args = parser.parse_args()
    asyncio.run(main(args.count, args.forbidden, args.with_daily))
