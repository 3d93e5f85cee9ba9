"""Reconciliation cost: what a restarted bot spends finding posts Discord stored but it never heard back about.

Run: python -m benchmarks.reconcile [N] [--window SECONDS] [--chatter K] [--store sqlite|postgresql]
     (default 200 servers, a 2-second nonce window, no chatter, SQLite)

1. N servers, each with a daily countdown in its own channel, all due at the same minute. The
   stand-in (``LocalDiscord`` with its nonce window set to ``--window``) stores every one of those
   posts and then never answers (``inject(..., store_then="hang")``).
2. The bot runs as a real process (``tests/procbot.py``) and sends all N. The outbox has 25 attempts
   in flight and each hung one would wait the REST timeout (20 s), so only in this first process
   the timeout is cut to 1 s (``RECONCILE_REST_TIMEOUT``, set by this script's own child runner,
   not in ``bot/``): all N reach Discord within seconds, and none is retried (the first retry
   comes 30 s later). Then the process is SIGKILLed: its rows say "attempting" or "retry, outcome
   unknown".
3. Past the nonce window (a resend would now be a second post), the bot starts again, unchanged,
   and must find each post in its channel's history and adopt it rather than send it again.

Reports, for the restarted process only: its REST requests by route (history reads per recovered
row; sends, which should be none), the time from start to READY and from READY to the last row
settled, its CPU per recovered row, how the rows ended, and bot messages per channel at the
stand-in (posted twice: by nonce and by content). ``--chatter K`` has K members' messages posted in
every channel just before the posts, so the bot's history read (100 messages a request, 300 at
most, from two minutes before its first attempt) must page past them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from benchmarks.compat import open_database
from benchmarks.harness import stop
from benchmarks.processes import DUE, configure
from benchmarks.procstat import cpu_seconds, machine
from benchmarks.stored import doubles
from bot.localdiscord import LocalDiscord
from tests.procbot import spawn

ROOT = Path(__file__).resolve().parents[1]
POSTS = r"^/channels/\d+/messages$"
CHILD_TIMEOUT = "RECONCILE_REST_TIMEOUT"


@contextmanager
def store(kind: str) -> Iterator[Path | str]:
    with ExitStack() as stack:
        if kind == "sqlite":
            yield Path(stack.enter_context(tempfile.TemporaryDirectory())) / "bot.sqlite3"
        else:
            from tests.servers import postgres_cluster

            yield stack.enter_context(postgres_cluster()).url


async def countdown_rows(target: Path | str) -> Counter[tuple[str, str | None, str]]:
    """The day's countdown rows by (state, outcome, lease), as the bot recorded them."""
    db = await open_database(target)
    try:
        rows = await db.fetch_all(
            "SELECT state, outcome, CASE WHEN holder IS NULL THEN 'no lease' ELSE 'leased' END AS lease, "
            "COUNT(*) AS n FROM outbox WHERE kind = 'countdown' GROUP BY state, outcome, lease"
        )
    finally:
        await db.close()
    return Counter({(r["state"], r["outcome"], r["lease"]): int(r["n"]) for r in rows})


def settled(rows: Counter[tuple[str, str | None, str]]) -> int:
    return sum(n for (state, _, _), n in rows.items() if state in ("done", "abandoned"))


def route_of(method: str, path: str) -> str:
    return f"{method} {re.sub(r'/[0-9]{5,}', '/{id}', path)}"


async def wait_posts_stored(fake: LocalDiscord, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(fake.find("POST", POSTS, lambda r: r.handled == 200)) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"Discord stored only {len(fake.find('POST', POSTS, lambda r: r.handled == 200))}")
        await asyncio.sleep(0.05)


async def run(count: int, window: float, chatter: int, kind: str) -> None:
    print(f"machine: {machine()}")
    fake = await LocalDiscord().start()
    fake.nonce_window = window
    fake.global_limit = 50
    fake.bucket_limit, fake.bucket_window = 5, 5.0
    guilds = [fake.add_guild(f"g{i}", channels=1) for i in range(count)]
    channels = [fake.channel_ids(g)[0] for g in guilds]
    env = {"PROCBOT_CLOCK_SPEED": "1", "NONCE_WINDOW_SECONDS": str(window)}
    try:
        with store(kind) as target:
            await configure(target, fake, guilds, with_daily=False)
            for channel_id in channels:
                for i in range(chatter):
                    fake.post_message(channel_id, {"content": f"members chatting, message {i}"})

            # --- 1: every post stored by Discord, no answer, then a kill ---------------------------
            fake.inject("POST", POSTS, store_then="hang", times=count)
            first_start = DUE - dt.timedelta(seconds=2)
            proc = await spawn(
                fake,
                target,
                module="benchmarks.reconcile",
                PROCBOT_CLOCK_START=first_start.isoformat(),
                **{CHILD_TIMEOUT: "1.0"},
                **env,
            )
            try:
                await wait_posts_stored(fake, count, timeout=120)
            finally:
                proc.kill()
                await proc.wait()
            killed_at = time.monotonic()
            before = await countdown_rows(target)
            print(
                f"{count} servers, {len(fake.sessions)} shard(s), {kind}; nonce window {window:g} s; "
                f"{chatter} member messages per channel before the post"
            )
            print(f"first process: Discord stored {count} posts and answered none; SIGKILL; rows then: {dict(before)}")
            await asyncio.sleep(max(0.0, window * 1.5 - (time.monotonic() - killed_at)))
            fake.release_hung()

            # --- 2: the same bot started again, past the window ------------------------------------
            mark = len(fake.requests)
            started = time.monotonic()
            restart_env = {**env, "PROCBOT_CLOCK_START": (DUE + dt.timedelta(seconds=60)).isoformat()}
            proc = await spawn(fake, target, **restart_env)
            ready = time.monotonic()
            cpu_ready = cpu_seconds(proc.pid)
            try:
                rows = await countdown_rows(target)
                while settled(rows) < count:
                    if time.monotonic() - ready > 600:
                        raise TimeoutError(f"rows after 600 s: {dict(rows)}")
                    await asyncio.sleep(0.05)
                    rows = await countdown_rows(target)
                done = time.monotonic()
                cpu = cpu_seconds(proc.pid) - cpu_ready
                await asyncio.sleep(2)  # a second post, if any, would arrive now
            finally:
                await stop(proc)
    finally:
        await fake.stop()

    made = fake.requests[mark:]
    by_route = Counter(route_of(r.method, r.path) for r in made)
    history = [r for r in made if r.method == "GET" and re.fullmatch(POSTS, r.path)]
    sends = [r for r in made if r.method == "POST" and re.fullmatch(POSTS, r.path)]
    recovered = sum(n for (state, outcome, _), n in rows.items() if (state, outcome) == ("done", "adopted"))
    stored = doubles(fake.messages.values(), fake.bot_user["id"])
    statuses = Counter(r.status for r in made)
    print(f"restarted process: READY {ready - started:.1f} s after start; every row settled {done - ready:.1f} s later")
    print(f"rows after the restart: {dict(rows)}")
    print(f"its REST requests ({len(made)}, statuses {dict(statuses)}):")
    for route, n in by_route.most_common():
        print(f"  {n:6d}  {route}")
    per_row = f"{len(history) / recovered:.2f}" if recovered else "n/a"
    other = len(made) - len(history) - len(sends)
    print(
        f"recovered (adopted) rows: {recovered} of {count}; history reads {len(history)} = {per_row} per "
        f"recovered row ({len(history) / count:.2f} per row); sends {len(sends)}; other requests {other} (start-up, "
        f"once per process); every row settled {done - ready:.1f} s after READY ({count / (done - ready):.1f} rows/s); "
        f"CPU {cpu:.2f} s = {cpu / count * 1000:.1f} ms per row"
    )
    print(
        f"bot messages at the stand-in: {stored.delivered} in {count} channels; posted twice: {stored.by_nonce} by "
        f"nonce, {stored.by_content} by content; 429s: {len(fake.rate_limited)}"
    )


def child() -> int:
    """The first process: the bot exactly as tests/procbot.py runs it, with a short REST timeout."""
    import bot.ui.rest
    import tests.procbot

    bot.ui.rest.REST_TIMEOUT = float(os.environ[CHILD_TIMEOUT])
    return tests.procbot.main()


if __name__ == "__main__":
    if os.environ.get(CHILD_TIMEOUT):
        sys.exit(child())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=200)
    parser.add_argument("--window", type=float, default=2.0, help="Discord's nonce window, for stand-in and bot")
    parser.add_argument("--chatter", type=int, default=0, help="members' messages per channel before the post")
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    asyncio.run(run(args.count, args.window, args.chatter, args.store))
