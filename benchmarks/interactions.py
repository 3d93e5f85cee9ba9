"""Interaction path: 50 simultaneous trivia games, members clicking answers at a rising rate.

Run: python -m benchmarks.interactions [--rates 100,300,1000] [--seconds 5] [--games 50] [--no-metrics] [--no-floor]
                                       [--locale pt-BR]

The bot runs as its own process (``python -m bot``) against the stand-in, which plays the
members. For each rate it reports, from the moment the gateway sent INTERACTION_CREATE to the
moment the callback arrived: p50/p99 and the worst, how many missed Discord's 3 seconds, the
bot's CPU time per click and its resident memory. The same clicks then go to a bare discord.py
client that answers every button with a constant (``benchmarks/floor_bot.py``): the floor.

``--no-metrics`` runs the bot with its Prometheus hooks on the interaction path off
(``benchmarks/nometrics_bot.py``: ``bot.metrics.interaction`` a no-op, no aiohttp trace on
discord.py's session), to see what the metrics cost per click. ``--no-floor`` skips the floor.
``--locale`` makes every server speak that language (its preferred locale) and every member click
from a Discord in it, so each click is answered and each game message rendered in translation: the
CPU per click against the default English is what a language costs on the hottest path.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import percentile, spawn, stop
from benchmarks.procstat import cpu_seconds, machine, rss_mib
from bot.localdiscord import LocalDiscord
from bot.localdiscord import builders as b
from bot.localdiscord.server import Interaction, button_ids


def in_locale(locale: str) -> dict[str, str]:
    """A click from a member whose Discord is in ``locale`` (nothing for English: older stand-ins have no locales)."""
    return {} if locale == "en-US" else {"user_locale": locale}


def _locked_in(locale: str) -> str:
    """How a "locked in" answer starts in ``locale`` (the catalogue's own words, so a miss is not counted)."""
    if locale.startswith("en"):  # also what a checkout from before the translations says
        return "Locked in: "
    from bot.i18n import _, render

    return render(_("Locked in: **{letter}**. Good luck! 🍀", letter="\0"), locale).split("\0")[0].rstrip("*")


@dataclass
class Stage:
    rate: int
    clicks: int
    achieved: float
    p50_ms: float
    p99_ms: float
    worst_ms: float
    missed: int
    cpu_ms_per_click: float
    rss_mib: float
    locked_in: int

    def line(self, who: str) -> str:
        return (
            f"{who:>5} {self.rate:>5}/s (sent {self.achieved:6.0f}/s, {self.clicks} clicks): "
            f"p50 {self.p50_ms:6.1f} ms  p99 {self.p99_ms:6.1f} ms  worst {self.worst_ms:7.1f} ms  "
            f"over 3 s: {self.missed}  locked in: {self.locked_in}  "
            f"CPU/click {self.cpu_ms_per_click:5.2f} ms  RSS {self.rss_mib:5.1f} MiB"
        )


async def _drive(
    fake, targets, pid: int, rate: int, seconds: float, rng: random.Random, base_uid: int, locale: str, locked: str
) -> Stage:
    count = int(rate * seconds)
    sent: list[Interaction] = []
    peak = rss_mib(pid)
    cpu_before = cpu_seconds(pid)
    start = time.monotonic()
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        message_id, ids, guild = targets[i % len(targets)]
        user = b.user(base_uid + i, f"member{i}")
        sent.append(await fake.click(message_id, rng.choice(ids), guild, user_obj=user, **in_locale(locale)))
        if i % 200 == 0:
            peak = max(peak, rss_mib(pid))
    achieved = count / (time.monotonic() - start)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not all(s.acked_at for s in sent):
        await asyncio.sleep(0.05)
        peak = max(peak, rss_mib(pid))
    await asyncio.sleep(0.3)  # let the process finish writing its replies' bookkeeping
    cpu = cpu_seconds(pid) - cpu_before
    latencies = [(s.acked_at - s.sent_at) * 1000 for s in sent if s.acked_at]
    missed = sum(1 for s in sent if not s.acked_at or s.acked_at - s.sent_at > 3)
    return Stage(
        rate,
        count,
        achieved,
        percentile(latencies, 0.50),
        percentile(latencies, 0.99),
        max(latencies, default=float("nan")),
        missed,
        cpu / count * 1000,
        max(peak, rss_mib(pid)),
        sum(1 for s in sent if s.callbacks and s.callbacks[0]["data"].get("content", "").startswith(locked)),
    )


async def main(rates: list[int], seconds: float, games: int, metrics: bool, floor: bool, locale: str) -> None:
    print(f"machine: {machine()}")
    print(f"bot: {'python -m bot' if metrics else 'python -m benchmarks.nometrics_bot (metrics hooks off)'}")
    print(f"servers' and members' language: {locale}")
    locked = _locked_in(locale)
    fake = await LocalDiscord().start()
    server_locale = {} if locale == "en-US" else {"preferred_locale": locale}  # as in_locale
    guilds = [fake.add_guild(f"fans-{i}", channels=1, **server_locale) for i in range(games)]
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        module = "bot" if metrics else "benchmarks.nometrics_bot"
        proc = await spawn(fake, module, Path(tmp) / "bench.sqlite3")
        await fake.wait_for("PUT", r"/commands$")
        for guild in guilds:
            await fake.reply_to(
                await fake.slash("settings trivia-seconds", guild, permissions=b.MODERATOR_PERMS, seconds=120)
            )
            await fake.reply_to(await fake.slash("trivia start", guild, questions=20))
        await fake.wait_for("POST", r"^/channels/\d+/messages$", count=games, timeout=60)
        targets = []
        for guild in guilds:
            message = fake.latest_with_buttons(fake.channel_ids(guild)[0])
            assert message is not None
            targets.append((int(message["id"]), button_ids(message), guild))
        print(f"{games} games running; RSS before clicking {rss_mib(proc.pid):.1f} MiB")
        ours = []
        uid = 10_000_000
        for rate in rates:
            ours.append(await _drive(fake, targets, proc.pid, rate, seconds, rng, uid, locale, locked))
            uid += 10_000_000
            print(ours[-1].line("bot"), flush=True)
        await stop(proc)
        if not floor:
            await fake.stop()
            return

        floor_proc = await spawn(fake, "benchmarks.floor_bot", Path(tmp) / "unused.sqlite3")
        floors = []
        for rate in rates:
            floors.append(await _drive(fake, targets, floor_proc.pid, rate, seconds, rng, uid, locale, locked))
            uid += 10_000_000
            print(floors[-1].line("floor"), flush=True)
        await stop(floor_proc)
    await fake.stop()
    print()
    for mine, floor in zip(ours, floors, strict=True):
        print(
            f"{mine.rate:>5}/s: p99 {mine.p99_ms:.1f} ms (floor {floor.p99_ms:.1f}); "
            f"CPU/click {mine.cpu_ms_per_click:.2f} ms = {mine.cpu_ms_per_click / floor.cpu_ms_per_click:.2f}x floor"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="100,300,1000")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--games", type=int, default=50)
    parser.add_argument("--no-metrics", action="store_true", help="the bot with its metrics hooks off")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor client")
    parser.add_argument("--locale", default="en-US", help="the servers' and members' Discord language, e.g. pt-BR")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    asyncio.run(main(rates, args.seconds, args.games, not args.no_metrics, not args.no_floor, args.locale))
