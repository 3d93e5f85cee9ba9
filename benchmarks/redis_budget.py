"""The shared request budget with Redis near, far and silent, for one process and two.

Run: python -m benchmarks.redis_budget [--seconds 8] [--baseline]

A throwaway redis-server sits behind ``tests/redisproxy.py``, which delays each direction or
black-holes it (connections accepted, nothing answered). Each "process" is a real OS process with
its own event loop and one ``RedisBudget`` (share 1/processes of 47/s as its local fallback) and 25
senders, as the scheduler has in flight: each acquires, "sends" (10 ms), and acquires again. The
processes report when each request was let go; CLOCK_MONOTONIC is one clock for every process on the
host, so the parent merges them. Reported per scenario: the request rate the budget achieved (as a
share of 47/s), bookings per request (EVALs counted at the proxy over requests paced on Redis), the
busiest second, and for a Redis that goes silent mid-run: how long after the silence the local shares
carried the traffic, the longest pause in requests, and the rate on the shares.

``--baseline`` runs the same scenarios on the budget as it was before issue 21 (bot/ratelimit.py at
7a665dc, read with ``git show``), for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
import types
from pathlib import Path

from benchmarks.procstat import machine
from tests.redisproxy import RedisProxy, redis_proxy
from tests.servers import redis_server

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "7a665dc"
RATE = 47.0
SENDERS = 25
SEND = 0.01  # seconds a request takes, between acquiring and acquiring again
WARM_UP = 1.0  # seconds left out of the rates (connections being opened)


def _budget_module(baseline: bool) -> types.ModuleType:
    if not baseline:
        import bot.ratelimit

        return bot.ratelimit
    import subprocess

    source = subprocess.run(
        ["git", "show", f"{BASELINE}:bot/ratelimit.py"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType("baseline_ratelimit")
    exec(compile(source, f"{BASELINE}:bot/ratelimit.py", "exec"), module.__dict__)  # noqa: S102 (our own history)
    return module


async def worker(url: str, share: float, start_at: float, seconds: float, baseline: bool) -> dict[str, object]:
    """One process: 25 senders through one budget from ``start_at`` for ``seconds``; when each request went."""
    ratelimit = _budget_module(baseline)
    local_releases: list[float] = []

    class Tagged(ratelimit.LocalBudget):
        async def acquire(self) -> None:
            await super().acquire()
            local_releases.append(time.monotonic())

    fallback = Tagged(RATE * share)
    if baseline:
        budget = ratelimit.RedisBudget(url, fallback=fallback)
    else:
        budget = ratelimit.RedisBudget(url, fallback=fallback, application_id=1)
    released: list[float] = []
    end = start_at + seconds

    async def sender() -> None:
        while time.monotonic() < end:
            await budget.acquire()
            released.append(time.monotonic())
            await asyncio.sleep(SEND)

    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    await asyncio.gather(*(sender() for _ in range(SENDERS)))
    await budget.close()
    return {
        "released": released,
        "local": local_releases,
        "booked": getattr(budget, "booked", None),
        "rebooked": getattr(budget, "rebooked", None),
    }


def _rate(times: list[float], start: float, end: float) -> float:
    return sum(1 for t in times if start <= t < end) / (end - start) if end > start else 0.0


def _busiest(times: list[float]) -> int:
    times = sorted(times)
    busiest, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        busiest = max(busiest, last - first + 1)
    return busiest


async def scenario(proxy: RedisProxy, network: str, processes: int, seconds: float, baseline: bool) -> dict[str, str]:
    proxy.silent = network == "silent from the start"
    proxy.delay({"0 ms": 0.0, "30 ms each way": 0.03, "60 ms each way": 0.06}.get(network, 0.0))
    before = proxy.count("EVAL") + proxy.count("EVALSHA")
    start_at = time.monotonic() + 1.5  # every process imported and waiting
    args = ["--worker", proxy.url, str(1 / processes), repr(start_at), str(seconds)] + (["--baseline"] * baseline)
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.redis_budget", *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE
        )
        for _ in range(processes)
    ]
    silent_at, tried_then = None, 0
    if network == "goes silent":
        silent_at = start_at + seconds / 2
        await asyncio.sleep(silent_at - time.monotonic())
        proxy.silent = True
        tried_then = proxy.tried()[1]
    results = [json.loads((await proc.communicate())[0]) for proc in procs]
    proxy.silent = False
    released = sorted(t for r in results for t in r["released"])
    local = sorted(t for r in results for t in r["local"])
    attempts = proxy.count("EVAL") + proxy.count("EVALSHA") - before
    answered = [r["booked"] for r in results]
    bookings = sum(answered) if None not in answered else attempts  # the baseline does not count its own
    on_redis = len(released) - len(local)
    end = start_at + seconds
    row = {
        "Redis": network,
        "processes": str(processes),
        "busiest second": str(_busiest(released)),
        "bookings/request": f"{bookings / on_redis:.2f}" if on_redis else "-",
    }
    if silent_at is None:
        rate = _rate(released, start_at + WARM_UP, end)
        row["rate"] = f"{rate:.1f}/s = {rate / RATE:.0%}"
        row["after the silence"] = "-"
    else:
        rate = _rate(released, start_at + WARM_UP, silent_at)
        first_local = next((t for t in local if t >= silent_at), None)
        after = [silent_at, *(t for t in released if t >= silent_at)]
        pause = max((b - a for a, b in itertools.pairwise(after)), default=0.0)
        on_share = _rate(local, (first_local or end) + 1.0, end)
        took = f"{first_local - silent_at:.2f} s" if first_local is not None else "never"
        row["rate"] = f"{rate:.1f}/s = {rate / RATE:.0%} before"
        row["after the silence"] = (
            f"{proxy.tried()[1] - tried_then} Redis commands tried after it; first request on the shares after "
            f"{took}, longest pause {pause:.2f} s; then {on_share:.1f}/s on the shares"
        )
    if network == "silent from the start":
        row["after the silence"] = f"{len(local)} of {len(released)} requests on the shares"
    return row


async def main(seconds: float, baseline: bool) -> None:
    print(f"machine: {machine()}")
    print(f"budget: {'before issue 21 (' + BASELINE + ')' if baseline else 'bot/ratelimit.py'}")
    networks = ["0 ms", "30 ms each way", "60 ms each way", "goes silent", "silent from the start"]
    rows = []
    with redis_server() as url, redis_proxy(url) as proxy:
        for network in networks:
            for processes in (1, 2):
                row = await scenario(proxy, network, processes, seconds, baseline)
                rows.append(row)
                print("  ".join(f"{k}: {v}" for k, v in row.items()), flush=True)
    columns = ["Redis", "processes", "rate", "bookings/request", "busiest second", "after the silence"]
    print()
    print("| " + " | ".join(columns) + " |")
    print("| " + " | ".join("---" for _ in columns) + " |")
    for row in rows:
        print("| " + " | ".join(row[c] for c in columns) + " |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--baseline", action="store_true", help=f"the budget as it was at {BASELINE}")
    parser.add_argument("--worker", nargs=4, metavar=("URL", "SHARE", "START_AT", "SECONDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        url, share, start_at, seconds = args.worker
        result = asyncio.run(worker(url, float(share), float(start_at), float(seconds), args.baseline))
        print(json.dumps(result))
    else:
        asyncio.run(main(args.seconds, args.baseline))
