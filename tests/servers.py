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
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

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


def _postgres_bin(name: str) -> str:
    """Debian keeps the server programs in /usr/lib/postgresql/<version>/bin, off PATH."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if found:
        return str(found[-1])
    return require(name, "postgresql")


class PostgresCluster:
    """A throwaway PostgreSQL cluster: ``initdb`` + ``pg_ctl`` under a temporary folder, loopback only.

    ``initdb`` refuses to run as root, so as root (CI) every server command runs as the ``postgres``
    user through ``runuser``. ``fsync=off``: nothing here outlives the test run, and the kill tests
    kill the bot, never the server.
    """

    def __init__(self) -> None:
        self.initdb = _postgres_bin("initdb")
        self.pg_ctl = _postgres_bin("pg_ctl")
        self.root = Path(tempfile.mkdtemp(prefix="hsbot-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def database_url(self, name: str) -> str:
        return self.url.rsplit("/", 1)[0] + f"/{name}"


@contextlib.contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    try:
        cluster.start()
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        cluster.stop()
        detail = getattr(exc, "stderr", b"") or b""
        raise RuntimeError(f"could not start PostgreSQL: {exc} {detail.decode(errors='replace')}") from exc
    try:
        yield cluster
    finally:
        cluster.stop()


def free_port() -> int:
    """A port nothing listens on right now (for a server whose address must be known before it starts)."""
    return _free_port()


@contextlib.contextmanager
def prometheus_server(folder: Path, targets: list[str], *, interval: str = "1s") -> Iterator[str]:
    """A throwaway Prometheus on 127.0.0.1 scraping ``targets`` (``host:port``) every ``interval``;
    yields its base URL once it answers ``/-/ready``. Its data lives in ``folder``."""
    binary = require("prometheus", "prometheus")
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "prometheus.yml"
    config.write_text(
        "global:\n"
        f"  scrape_interval: {interval}\n"
        f"  scrape_timeout: {interval}\n"
        "scrape_configs:\n"
        "  - job_name: heartstopper\n"
        "    static_configs:\n"
        f"      - targets: [{', '.join(repr(t) for t in targets)}]\n",
        encoding="utf-8",
    )
    port = _free_port()
    log_path = folder / "prometheus.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={folder / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"prometheus exited with {proc.returncode}: {tail}")
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/-/ready", timeout=1) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("prometheus did not become ready within 30 s")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
