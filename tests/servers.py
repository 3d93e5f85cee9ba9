"""Real servers the tests start and stop themselves (Debian's packages, installed by .ci/run).

Without the server on a laptop a test that needs it is skipped with the reason; in CI (``CI`` set)
it fails instead, so CI can never silently skip it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require(binary: str, package: str) -> str:
    path = shutil.which(binary)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run this test, but {binary} is missing (apt-get install {package})")
        pytest.skip(f"{binary} is not installed here: apt-get install {package}")
    return path


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server on 127.0.0.1 and a free port, nothing saved; yields its URL."""
    binary = require("redis-server", "redis-server")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("redis-server did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


def closed_port_url() -> str:
    """A Redis URL where nothing listens (Redis down)."""
    return f"redis://127.0.0.1:{_free_port()}/0"
