"""CPU time and resident memory of another process, read from /proc (Linux)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mib(pid: int) -> float:
    """Resident set size now, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def machine() -> str:
    """One line naming the CPU, core count and Python, for the figures' provenance."""
    import platform

    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


# Frames that belong to the stand-in (and its aiohttp server) rather than to the bot, when both run on
# one event loop in this process; aiohttp's client side (the bot's) lives in aiohttp/client*.py. The
# benchmark's own coroutines (waiting, counting) are put with the stand-in: neither is the bot.
_STAND_IN_FILES = ("/bot/localdiscord/", "/aiohttp/web_", "/benchmarks/")


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


class _Sigevent(ctypes.Structure):  # struct sigevent, Linux x86-64/arm64 layout (64 bytes)
    _fields_ = [
        ("sigev_value", ctypes.c_void_p),
        ("sigev_signo", ctypes.c_int),
        ("sigev_notify", ctypes.c_int),
        ("sigev_tid", ctypes.c_int),
        ("_pad", ctypes.c_int * 11),
    ]


_SIGEV_THREAD_ID = 4


class LoopTicks:
    """Calls ``on_tick(frame)`` in the event loop's (main) thread once per ``interval`` of that thread's own CPU.

    A POSIX timer on the main thread's CPU clock (``timer_create(CLOCK_THREAD_CPUTIME_ID)``, delivered
    to that thread only) raises SIGPROF; Python runs the handler at the next bytecode with the frame
    that was running, so each tick lands on the code that used the CPU. A sampler *thread* cannot do
    this: it gets the GIL only when the loop lets go of it, mostly while the loop sits in select(),
    and charges everything to the wrong frame. Linux only.
    """

    def __init__(self, interval: float, on_tick: Callable[[FrameType | None], None]) -> None:
        self.interval = interval
        self._on_tick = on_tick
        self._libc = ctypes.CDLL(None, use_errno=True)
        if not hasattr(self._libc, "timer_create"):  # glibc before 2.34 keeps it in librt
            self._libc = ctypes.CDLL(ctypes.util.find_library("rt"), use_errno=True)
        self._timer = ctypes.c_void_p()
        self._previous: Any = None
        self._clock = time.pthread_getcpuclockid(threading.main_thread().ident or 0)
        self._cpu_at_start = 0.0
        self.cpu = 0.0  # the main thread's CPU between start and stop

    def start(self) -> LoopTicks:
        assert threading.current_thread() is threading.main_thread(), "start it from the event loop's thread"
        self._previous = signal.signal(signal.SIGPROF, lambda _signum, frame: self._on_tick(frame))
        event = _Sigevent(
            sigev_signo=signal.SIGPROF, sigev_notify=_SIGEV_THREAD_ID, sigev_tid=threading.get_native_id()
        )
        if self._libc.timer_create(ctypes.c_int(self._clock), ctypes.byref(event), ctypes.byref(self._timer)) != 0:
            raise OSError(ctypes.get_errno(), "timer_create")
        nanoseconds = int(self.interval * 1e9)
        every = _Timespec(nanoseconds // 1_000_000_000, nanoseconds % 1_000_000_000)
        if self._libc.timer_settime(self._timer, 0, ctypes.byref(_Itimerspec(every, every)), None) != 0:
            raise OSError(ctypes.get_errno(), "timer_settime")
        self._cpu_at_start = time.clock_gettime(self._clock)
        return self

    def stop(self) -> None:
        self.cpu = time.clock_gettime(self._clock) - self._cpu_at_start
        self._libc.timer_delete(self._timer)
        signal.signal(signal.SIGPROF, self._previous)


class CpuSplit:
    """This process's CPU while the bot and the stand-in share its event loop: the total, and whose it is.

    ``total`` is ``time.process_time()`` (every thread). The event loop's thread is ticked once per
    ``interval`` of its own CPU (``LoopTicks``) and each tick charged to what was running: the
    stand-in when a frame above the loop's ``_run_once`` is the stand-in's (``bot/localdiscord``,
    aiohttp's server side, this benchmark's own waiting), the bot when it is the bot's, and the loop
    itself otherwise (asyncio's own work for both, e.g. ``select`` and its callbacks' bookkeeping).
    The other threads are the bot's: aiosqlite's database thread.
    """

    def __init__(self, interval: float = 0.001) -> None:
        self.ticks: Counter[str] = Counter()
        self._ticker = LoopTicks(interval, self._tick)
        self._total_at_start = 0.0
        self.total = self.main = 0.0

    def _tick(self, frame: FrameType | None) -> None:
        self.ticks[_whose(frame)] += 1

    def start(self) -> CpuSplit:
        self._total_at_start = time.process_time()
        self._ticker.start()
        return self

    def stop(self) -> CpuSplit:
        self._ticker.stop()
        self.total = time.process_time() - self._total_at_start
        self.main = self._ticker.cpu
        return self

    def share(self, whose: str) -> float:
        """CPU seconds of the loop's thread charged to ``whose`` ("stand-in", "bot" or "loop")."""
        ticks = sum(self.ticks.values())
        return self.main * self.ticks[whose] / ticks if ticks else 0.0

    @property
    def other_threads(self) -> float:
        return self.total - self.main

    @property
    def stand_in(self) -> float:
        return self.share("stand-in")

    @property
    def bot(self) -> float:
        """The bot's code on the loop, the loop's own work (shared, so an upper bound) and the database thread."""
        return self.total - self.stand_in


def _whose(frame: FrameType | None) -> str:
    while frame is not None:
        code = frame.f_code
        if code.co_name == "_run_once" and code.co_filename.endswith("base_events.py"):
            return "loop"
        if any(part in code.co_filename for part in _STAND_IN_FILES):
            return "stand-in"
        if "/bot/" in code.co_filename or "/cogs/" in code.co_filename or "/discord/" in code.co_filename:
            return "bot"
        if "/aiohttp/client" in code.co_filename or "/aiosqlite/" in code.co_filename:
            return "bot"
        frame = frame.f_back
    return "loop"


class SampledProfile:
    """Where the bot's CPU goes, for async code: the loop's thread by function, the database thread by statement.

    The loop's thread is ticked once per ``interval`` of its own CPU (``LoopTicks``) and each tick
    charged to the innermost frame of the bot's own code (``bot/``, ``cogs/``), or to "stand-in",
    or to asyncio's loop. The database thread's CPU is measured around every call aiosqlite runs
    on it (``time.thread_time()`` in that thread), charged to its SQL statement (a fetch to the
    statement that made its cursor). cProfile, by contrast, counts every resumption of a coroutine
    as a call and slows the loop so much that a broadcast's timing changes.
    """

    def __init__(self, interval: float = 0.001) -> None:
        self.loop: Counter[str] = Counter()
        self.sql: Counter[str] = Counter()
        self._ticker = LoopTicks(interval, self._tick)
        self._unpatch: Callable[[], None] | None = None

    def _tick(self, frame: FrameType | None) -> None:
        self.loop[_innermost_bot_frame(frame)] += 1

    def start(self) -> SampledProfile:
        self._unpatch = _meter_sql(self.sql)
        self._ticker.start()
        return self

    def stop(self) -> SampledProfile:
        self._ticker.stop()
        if self._unpatch is not None:
            self._unpatch()
        return self

    def report(self, per: int, unit: str, top: int = 25) -> str:
        ticks = sum(self.loop.values()) or 1
        main = self._ticker.cpu
        lines = [
            f"event loop's thread: {main:.1f} CPU s; ms per {unit} (share of that thread), by innermost bot frame:"
        ]
        for key, n in self.loop.most_common(top):
            lines.append(f"  {main * n / ticks / per * 1000:7.3f}  {n / ticks:6.1%}  {key}")
        total_sql = sum(self.sql.values()) or 1e-9
        lines.append(f"database thread: {total_sql:.1f} CPU s inside SQLite calls; ms per {unit} by statement:")
        for key, seconds in self.sql.most_common(top):
            lines.append(f"  {seconds / per * 1000:7.3f}  {seconds / total_sql:6.1%}  {key}")
        return "\n".join(lines)


def _innermost_bot_frame(frame: FrameType | None) -> str:
    leaf = None
    while frame is not None:
        code = frame.f_code
        name = code.co_filename
        if leaf is None:
            leaf = f"{'/'.join(name.rsplit('/', 2)[-2:])}:{code.co_name}"
        if code.co_name == "_run_once" and name.endswith("base_events.py"):
            return f"asyncio loop ({leaf})"
        if any(part in name for part in _STAND_IN_FILES):
            return "stand-in and harness"
        for root in ("/bot/", "/cogs/"):
            if root in name:
                return f"{name[name.rfind(root) + 1 :]}:{code.co_name}  <- {leaf}"
        frame = frame.f_back
    return f"other ({leaf})"


def _meter_sql(tally: Counter[str]) -> Callable[[], None]:
    """Time (thread CPU) every call aiosqlite makes on its thread, by SQL statement; returns the undo."""
    import aiosqlite.core

    original = aiosqlite.core.Connection._execute
    made_by: dict[int, str] = {}  # sqlite3 cursor id -> the statement that made it

    async def _execute(self: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        sql = next((a for a in args if isinstance(a, str)), None)
        owner = getattr(fn, "__self__", None)
        if sql is None and owner is not None:
            sql = made_by.get(id(owner))
        key = " ".join(sql.split())[:120] if sql else getattr(fn, "__name__", "?")

        def timed(*a: Any, **k: Any) -> Any:
            started = time.thread_time()
            try:
                result = fn(*a, **k)
                if sql is not None and type(result).__name__ == "Cursor":
                    made_by[id(result)] = sql
                return result
            finally:
                tally[key] += time.thread_time() - started

        return await original(self, timed, *args, **kwargs)

    aiosqlite.core.Connection._execute = _execute  # type: ignore[method-assign]

    def undo() -> None:
        aiosqlite.core.Connection._execute = original  # type: ignore[method-assign]

    return undo
