"""Shared plumbing for the benchmarks: the stand-in, and a bot (or the floor client) as a real process."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import tests.procbot
from bot.localdiscord import LocalDiscord

ROOT = Path(__file__).resolve().parents[1]


async def spawn(fake: LocalDiscord, module: str, db_path: Path, **env: str) -> asyncio.subprocess.Process:
    """Start ``python -m module`` against the stand-in and wait until every shard has had READY."""
    return await tests.procbot.spawn(fake, db_path, module=module, **env)


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
