"""Who may use a running playground: the person who started it, from its own page, and nobody else.

Any web page open in the same browser can send requests to 127.0.0.1, so being on loopback
protects nothing by itself. The playground therefore does what Jupyter does:

- **A per-run secret.** ``heartstopper-bot playground`` prints ``http://127.0.0.1:PORT/?token=…``.
  Opening it sets an HttpOnly, ``SameSite=Strict`` cookie (named after the port, as cookies are
  shared by every port of a host) and redirects to the clean URL, so the secret leaves the address
  bar and the page's own script never sees it. Every route, the page included, needs the cookie
  or ``?token=`` (for scripts); without it the answer is 401.
- **Its own page only.** A request whose ``Origin`` is not the page's own is refused (403), so
  another site can neither post nor open the websocket even if it guessed everything else.
- **Its own name only.** A ``Host`` other than ``127.0.0.1:PORT``/``localhost:PORT`` is refused
  (403): a DNS-rebinding page reaches 127.0.0.1 under its own name, and is turned away here.
- **JSON only.** A POST that is not ``application/json`` is refused (415): a cross-site "simple"
  request (``text/plain``) cannot be made to look like the page's own.
- **No framing.** Every answer carries ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``.

The token is compared with ``hmac.compare_digest`` so its length and content do not leak through timing.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

EXPOSE_FLAG = "--i-know-this-exposes-the-playground"
# The page builds everything from text; nothing inline or from elsewhere may run, and nobody may frame it.
CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # The first URL carries the secret: never hand it to anything the page links to.
    "Referrer-Policy": "no-referrer",
}


def is_loopback(host: str) -> bool:
    """Whether ``host`` only ever reaches this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


def url_host(host: str) -> str:
    """``host`` as it appears in a URL (IPv6 in brackets; a wildcard bind is reached as 127.0.0.1)."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - naming the wildcard, not binding it
        return "127.0.0.1"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _text(status: int, line: str) -> web.Response:
    return web.Response(
        status=status, text=line + "\n", content_type="text/plain", headers={"Cache-Control": "no-store"}
    )


@dataclass(frozen=True, slots=True)
class Guard:
    """The playground's access rules, as aiohttp middlewares (outermost first)."""

    token: str
    bound_host: str = "127.0.0.1"
    exposed: bool = False  # bound beyond loopback on purpose: any Host, but still the secret and the Origin

    @staticmethod
    def cookie_for(port: int) -> str:
        """Cookies ignore ports, so two playgrounds on one host must not share (or overwrite) one."""
        return f"heartstopper-playground-{port}"

    def hostnames(self) -> set[str]:
        names = {"127.0.0.1", "localhost", url_host(self.bound_host).lower()}
        if self.bound_host in ("::1", "[::1]", "localhost"):
            names.add("[::1]")
        return names

    def middlewares(self) -> list[Middleware]:
        return [self._headers, self._host, self._origin, self._token, self._content_type]

    def valid(self, candidate: str | None) -> bool:
        if candidate is None:
            return False
        # Constant time, so a page cannot learn the secret a character at a time from how long a refusal takes.
        return hmac.compare_digest(candidate.encode("utf-8", "replace"), self.token.encode())

    def printed_url(self, port: int) -> str:
        return f"http://{url_host(self.bound_host)}:{port}/?token={self.token}"

    # --- the rules, in the order they run -----------------------------------------------------
    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every answer, refusals and errors included, may not be framed or sniffed."""
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers.update(SECURITY_HEADERS)
            raise
        if not response.prepared:  # a websocket has already sent its headers
            response.headers.update(SECURITY_HEADERS)
        return response

    @web.middleware
    async def _host(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """DNS rebinding: a foreign name pointed at 127.0.0.1 arrives with that name in ``Host``."""
        if self.exposed:
            return await handler(request)
        port = _local_port(request)
        host = request.headers.get("Host", "").lower()
        allowed = {f"{name}:{port}" for name in self.hostnames()}
        if port == 80:
            allowed |= self.hostnames()
        if host not in allowed:
            return _text(403, f"refused: this playground answers only to 127.0.0.1:{port} or localhost:{port}")
        return await handler(request)

    @web.middleware
    async def _origin(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Browsers name the page that sent a POST or opened a websocket; only our own page may."""
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower() != f"http://{request.headers.get('Host', '').lower()}":
            return _text(403, "refused: requests from another site's page are not accepted")
        return await handler(request)

    @web.middleware
    async def _token(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Loopback is reachable by every page in the browser: only the printed secret tells the person apart."""
        port = _local_port(request)
        given = request.query.get("token")
        if given is not None:
            if not self.valid(given):
                return _text(
                    401,
                    "this link's secret is not this run's: open the URL heartstopper-bot playground printed "
                    "when it started (each run prints a new one)",
                )
            if request.method == "GET" and request.path == "/":
                # Keep the secret in a cookie the page's script cannot read, and take it out of the address bar.
                clean = web.HTTPSeeOther("/", headers={"Cache-Control": "no-store"})
                clean.set_cookie(self.cookie_for(port), self.token, path="/", httponly=True, samesite="Strict")
                raise clean
            return await handler(request)
        if not self.valid(request.cookies.get(self.cookie_for(port))):
            return _text(
                401,
                "open the URL heartstopper-bot playground printed (http://…/?token=…): "
                "this page needs that run's secret",
            )
        return await handler(request)

    @web.middleware
    async def _content_type(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """A cross-site form or ``text/plain`` fetch needs no preflight; only the page sends JSON."""
        if request.method == "POST" and request.content_type != "application/json":
            return _text(415, "refused: send application/json")
        return await handler(request)


def _local_port(request: web.Request) -> int:
    """The port this request reached (known only once bound, as ``--port 0`` picks one)."""
    sockname: Iterable[object] | None = request.transport.get_extra_info("sockname") if request.transport else None
    if sockname is None:
        return 0
    port = list(sockname)[1]
    return port if isinstance(port, int) else 0
