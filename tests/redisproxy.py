"""A TCP proxy on 127.0.0.1 in front of a Redis server: what the network can do to the request budget.

- ``delay_up`` / ``delay_down`` hold every chunk that long on its way to / from Redis (Redis "60 ms
  away"); order is kept and nothing is throttled, as on a long link.
- ``silent`` black-holes it, a partition rather than a refused port: connections are still accepted,
  whatever arrives is read and dropped, nothing is forwarded or answered. A connection that was open
  when the proxy went silent stays dead after it speaks again (its replies were lost, as they would be).

It counts what clients *tried*, forwarded or not: ``connections`` accepted, and ``commands`` by name
(parsed from the RESP the client sent). It runs its own event loop on a thread, so a test that blocks
its own loop on purpose (a stall) does not stall the network too, and its work does not load the loop
under test.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator


class _Commands:
    """Splits a client's RESP stream into commands (arrays of bulk strings) and counts them by name."""

    def __init__(self, count: Callable[[str], None]) -> None:
        self._buffer = b""
        self._count = count

    def feed(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._one(self._buffer)) is not None:
            self._buffer = self._buffer[end:]

    def _one(self, buf: bytes) -> int | None:
        """Count the first whole command in ``buf`` and return where it ends, or None if it is not all here."""
        line_end = buf.find(b"\r\n")
        if line_end < 0:
            return None
        if not buf.startswith(b"*"):  # an inline command (redis-cli style): one line
            self._count(buf[:line_end].split(b" ", 1)[0].decode(errors="replace").upper())
            return line_end + 2
        items, pos, name = int(buf[1:line_end]), line_end + 2, ""
        for i in range(items):
            header_end = buf.find(b"\r\n", pos)
            if header_end < 0:
                return None
            size = int(buf[pos + 1 : header_end])
            start, pos = header_end + 2, header_end + 2 + size + 2
            if pos > len(buf):
                return None
            if i == 0:
                name = buf[start : start + size].decode(errors="replace").upper()
        self._count(name)
        return pos


class RedisProxy:
    def __init__(self, upstream_url: str) -> None:
        parts = urllib.parse.urlsplit(upstream_url)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self._path = parts.path
        self.delay_up = 0.0
        self.delay_down = 0.0
        self.silent = False
        self.connections = 0
        self.commands: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}{self._path}"

    def delay(self, seconds: float) -> None:
        """The same delay both ways: a round trip of twice ``seconds``."""
        self.delay_up = self.delay_down = seconds

    def count(self, name: str) -> int:
        with self._lock:
            return self.commands[name]

    def tried(self) -> tuple[int, int]:
        """(connections accepted, commands received) so far."""
        with self._lock:
            return self.connections, sum(self.commands.values())

    def _counted(self, name: str) -> None:
        with self._lock:
            self.commands[name] += 1

    def start(self) -> RedisProxy:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._stop = asyncio.Event()
                server = loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
                self.port = int(server.sockets[0].getsockname()[1])
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_until_complete(self._stop.wait())
                server.close()
                for task in asyncio.all_tasks(loop):
                    task.cancel()
                loop.run_until_complete(asyncio.sleep(0.05))
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="redis-proxy", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(10)

    async def _serve(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        with self._lock:
            self.connections += 1
        commands = _Commands(self._counted)
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        if not self.silent:
            with contextlib.suppress(OSError):
                upstream = await asyncio.open_connection(*self._upstream)
        try:
            if upstream is None:  # silent (or Redis gone): swallow what arrives, answer nothing
                while data := await client.read(65536):
                    commands.feed(data)
                return
            dead = [False]
            up = asyncio.create_task(self._pipe(client, upstream[1], lambda: self.delay_up, dead, commands))
            down = asyncio.create_task(self._pipe(upstream[0], to_client, lambda: self.delay_down, dead, None))
            try:
                await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (up, down):
                    task.cancel()
                await asyncio.gather(up, down, return_exceptions=True)
        except asyncio.CancelledError:
            pass  # the proxy is stopping: end quietly (asyncio logs a connection handler that ends cancelled)
        finally:
            for writer in (to_client, upstream[1] if upstream else None):
                if writer is not None:
                    writer.close()

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        delay: Callable[[], float],
        dead: list[bool],
        commands: _Commands | None,
    ) -> None:
        """Forward ``reader`` to ``writer``, each chunk ``delay()`` late, dropping everything once silenced."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()

        async def deliver() -> None:
            while (item := await queue.get()) is not None:
                at, data = item
                if at > loop.time():
                    await asyncio.sleep(at - loop.time())
                dead[0] = dead[0] or self.silent
                if not dead[0]:
                    writer.write(data)
                    await writer.drain()

        delivering = asyncio.create_task(deliver())
        try:
            while data := await reader.read(65536):
                if commands is not None:
                    commands.feed(data)
                dead[0] = dead[0] or self.silent
                if not dead[0]:
                    queue.put_nowait((loop.time() + delay(), data))
            queue.put_nowait(None)
            await delivering
        finally:
            delivering.cancel()


@contextlib.contextmanager
def redis_proxy(upstream_url: str) -> Iterator[RedisProxy]:
    """A proxy in front of ``upstream_url`` (see the module docstring); yields it, its ``url`` to connect to."""
    proxy = RedisProxy(upstream_url).start()
    try:
        yield proxy
    finally:
        proxy.stop()
