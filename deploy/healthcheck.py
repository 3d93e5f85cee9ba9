"""Container health check: exit 0 when the bot's ``/readyz`` answers 200, else 1.

Run by the image's ``HEALTHCHECK`` (and compose.yaml's) with nothing but the standard library, so the
image needs no curl. It asks the address in ``HEALTH_ADDRESS`` (``host:port``; a wildcard host such as
``0.0.0.0`` or ``[::]`` is asked on loopback), or ``HEALTHCHECK_URL`` when that is set.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

WILDCARDS = {"", "0.0.0.0", "::", "*"}  # noqa: S104 - names of the wildcard address, nothing is bound here


def readyz_url(environ: Mapping[str, str]) -> str:
    explicit = environ.get("HEALTHCHECK_URL", "").strip()
    if explicit:
        return explicit
    address = environ.get("HEALTH_ADDRESS", "").strip() or "0.0.0.0:8080"
    host, _, port = address.rpartition(":")
    host = host.strip("[]")
    if host in WILDCARDS:
        host = "::1" if host == "::" else "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/readyz"


def main() -> int:
    url = readyz_url(os.environ)
    try:
        with urllib.request.urlopen(url, timeout=4) as response:  # noqa: S310 - http on loopback only
            status = response.status
            body = response.read(2048)
    except urllib.error.HTTPError as exc:  # 503: not ready, with the reasons in the body
        status, body = exc.code, exc.read(2048)
    except OSError as exc:  # refused, timed out: the server is not up (yet)
        sys.stdout.write(f"{url}: {exc}\n")
        return 1
    sys.stdout.write(f"{url}: {status} {body.decode('utf-8', 'replace').strip()}\n")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
