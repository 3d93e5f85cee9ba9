"""Daily-post broadcast to N servers due at the same minute, against the stand-in with Discord's limits.

Run: python -m benchmarks.broadcast [N] [--forbidden SHARE] [--with-daily] [--no-cpu-split] [--profile]
     (default 1000 servers, 5% forbidden)

With ``--with-daily`` every server also has its question of the day due at the same minute, in
the same channel: two posts per server from the bot's one scheduler and one pacer.

The stand-in enforces the 50 requests/second global bucket and per-route buckets and answers
429s like Discord; with more than 2,500 servers it asks for more shards and refuses a shard that
holds more. A share of the channels answers 403 Missing Permissions. Reports the time to
deliver every post, the achieved request rate as a share of 50/s, the 429s, the failed requests
(401/403/429, which Discord bans at 10,000 per 10 minutes), what became of the 403 schedules,
posts stored twice at the stand-in (by nonce, and by content: one channel holding two bot messages
that read the same) and the CPU per delivered post.

The bot runs in this process, on the same event loop as the stand-in, so ``time.process_time()``
counts both; a sampler (``benchmarks.procstat.CpuSplit``) estimates the stand-in's part so the bot's
own CPU per post can be compared between versions whose stand-ins differ (turn it off with
``--no-cpu-split``). ``--profile`` samples every thread from the due minute to the last post and
prints where the CPU went per delivered post (``benchmarks.procstat.SampledProfile``: the bot's
functions, the SQL statements on the database thread, the stand-in). Runs unchanged against older
checkouts of the bot (``benchmarks.compat``).
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

from benchmarks.procstat import CpuSplit, SampledProfile, machine
from benchmarks.stored import doubles, wait_for_posts
from bot.content.loader import load_catalog
from bot.localdiscord import LocalDiscord
from tests.clocks import ManualClock
from tests.conftest import daily_countdown, start_bot

ROOT = Path(__file__).resolve().parents[1]


async def main(count: int, forbidden_share: float, with_daily: bool, cpu_split: bool, profile: bool) -> None:
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
        await asyncio.sleep(1)  # let the writes above settle before the CPU is counted
        first = len(fake.requests)
        messages_before = set(fake.messages)
        expected = (count - len(forbidden)) * (2 if with_daily else 1)
        split = CpuSplit().start() if cpu_split and not profile else None
        profiler = SampledProfile().start() if profile else None
        cpu_before = time.process_time()
        start = time.monotonic()
        await clock.set(dt.datetime(2026, 11, 26, 9, 0, 1, tzinfo=dt.UTC))
        handle.bot.scheduler.wake()
        await wait_for_posts(fake, messages_before, expected, timeout=3600)
        cpu = time.process_time() - cpu_before
        if profiler is not None:
            profiler.stop()
        if split is not None:
            cpu = split.stop().total  # without the sampler's own CPU
        sent = fake.requests[first:]
        posts = [r for r in sent if r.method == "POST" and r.path.endswith("/messages") and r.status == 200]
        elapsed = max(r.at for r in posts) - start
        await asyncio.sleep(1)  # anything still in flight (a post twice would show here)
        sent = fake.requests[first:]
        statuses = Counter(r.status for r in sent)
        during = [r for r in sent if r.at <= start + elapsed]
        tries_forbidden = Counter(r.path for r in sent if r.status == 403)
        new = [m for k, m in fake.messages.items() if k not in messages_before]
        twice = doubles(new, fake.bot_user["id"])
        await handle.stop()
        with contextlib.closing(sqlite3.connect(db_path)) as conn:
            off = conn.execute("SELECT COUNT(*) FROM guild_config WHERE countdown_enabled = 0").fetchone()[0]
            daily_off = conn.execute(
                "SELECT COUNT(*) FROM guild_config WHERE daily_channel_id IS NOT NULL AND daily_enabled = 0"
            ).fetchone()[0]
    await fake.stop()
    failed = statuses[401] + statuses[403] + statuses[429]
    print(
        f"{twice.delivered} posts delivered (of {expected} expected) in {elapsed:.1f} s: "
        f"{len(during) / elapsed:.1f} requests/s ({len(during) / elapsed / 50:.1%} of 50/s), "
        f"{twice.delivered / elapsed:.1f} posts/s\n"
        f"429s: {statuses[429]}; failed requests (401/403/429): {failed} (ban threshold 10,000 per 10 min)\n"
        f"posted twice: {twice.by_nonce} by nonce, {twice.by_content} by content "
        f"(most bot messages in one channel: {twice.most_in_a_channel})\n"
        f"403 channels: {len(forbidden)}, countdowns turned off: {off}, questions of the day turned off: {daily_off}, "
        f"most requests to one 403 channel: {max(tries_forbidden.values(), default=0)}\n"
        f"CPU of this process (bot + stand-in, all threads) from the due minute to the last post: {cpu:.1f} s = "
        f"{cpu / twice.delivered * 1000:.2f} ms per delivered post"
    )
    if profiler is not None:
        print(profiler.report(twice.delivered, "delivered post"))
    if split is not None:
        print(
            f"of which (the loop's thread ticked every millisecond of its own CPU): stand-in and harness "
            f"{split.stand_in:.1f} s; the bot's code on the loop {split.share('bot'):.1f} s; asyncio's loop itself "
            f"{split.share('loop'):.1f} s; other threads (aiosqlite's) {split.other_threads:.1f} s; so the bot "
            f"(all but the stand-in) {split.bot:.1f} s = {split.bot / twice.delivered * 1000:.2f} ms per delivered post"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=1000)
    parser.add_argument("--forbidden", type=float, default=0.05, help="share of channels answering 403")
    parser.add_argument("--with-daily", action="store_true", help="a question of the day due at the same minute")
    parser.add_argument("--no-cpu-split", action="store_true", help="do not sample the stand-in's share of the CPU")
    parser.add_argument("--profile", action="store_true", help="sample where the CPU goes, per delivered post")
    args = parser.parse_args()
    asyncio.run(main(args.count, args.forbidden, args.with_daily, not args.no_cpu_split, args.profile))
