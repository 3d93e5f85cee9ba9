"""What happens to every REST request around its route: recorded, maybe faulted, rate limited.

The REST sub-application runs these aiohttp middlewares, outermost first:

1. ``Recorder``: parses the body (JSON, or a multipart upload's ``payload_json`` with its files kept
   on the record), appends a ``Recorded`` to ``requests`` (a bounded log, default
   100,000), stamps what the bot finally got (``status``), and wakes waiters.
2. ``Injections``: canned faults a test asked for with ``inject``: an error instead of the route
   (429s with ``Via`` so discord.py retries them), a delay, or ``store_then``: the route runs (the
   message or event *is* stored) and then the bot gets a 5xx or nothing at all (``"hang"``), as when
   Discord did the work but the answer was lost.
3. ``RateLimits``: per-route buckets (``bucket_limit`` per ``bucket_window`` s) and a global limit
   (``global_limit`` per second; interaction callbacks exempt), with Discord's headers and 429 bodies.
4. ``outcome``: turns aiohttp's own 404/405 into Discord's JSON, records what the route did
   (``handled``) and runs the ``request_checker`` (the OpenAPI checks) on requests that reached a route.
"""

from __future__ import annotations

import asyncio
import email.policy
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from typing import Any, Literal

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from bot.localdiscord import answers
from bot.localdiscord.bounded import BoundedLog
from bot.localdiscord.changes import Changes

API = "/api/v10"
BODY = web.RequestKey("body", object)  # the parsed JSON body (None when there was none)
ARRIVED = web.RequestKey("arrived", float)  # when a request reached the stand-in (monotonic)
Hang = Literal["hang"]
_MESSAGE_ID = re.compile(r"/messages/\d+")  # a message's routes share their channel's bucket, as Discord's


@dataclass
class Recorded:
    """One REST request: what the bot sent, what it got back (``status``) and what Discord did (``handled``).

    ``status`` is 0 while a request hangs (``inject(..., store_then="hang")``). ``handled`` is the
    status the route itself produced (0 when it never ran: an injected error or a 429), so a
    ``store_then`` request has ``handled == 200`` although the bot saw a 500 or nothing.
    """

    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    at: float
    status: int = 0
    handled: int = 0
    files: list[tuple[str, str | None, bytes]] = field(default_factory=list)  # (field, filename, bytes)

    def route(self) -> str:
        return f"{self.method} {self.path}"


RECORD = web.RequestKey("record", Recorded)  # the request's Recorded, set by Recorder


def parse_multipart(raw: bytes, content_type: str) -> tuple[Any, list[tuple[str, str | None, bytes]]]:
    """A multipart/form-data body as discord.py sends files (a message, a follow-up, an interaction's
    answer): its ``payload_json`` and the files.

    discord.py numbers a new file's placeholder in ``attachments`` with an integer (its index),
    which Discord accepts; it is recorded as text, as the OpenAPI description types every
    attachment id as a snowflake string.
    """
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
    )
    payload: Any = None
    files: list[tuple[str, str | None, bytes]] = []
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition") or "")
        data = part.get_payload(decode=True)
        content = data if isinstance(data, bytes) else b""
        if name == "payload_json":
            payload = json.loads(content)
            # a message's, or an interaction callback's message (``data``)
            messages: tuple[Any, ...] = (payload, payload.get("data")) if isinstance(payload, dict) else ()
            for message in messages:
                attachments: list[dict[str, Any]] = (
                    message.get("attachments") if isinstance(message, dict) else None
                ) or []
                for attachment in attachments:
                    attachment["id"] = str(attachment["id"])
        else:
            files.append((name, part.get_filename(), content))
    return payload if payload is not None else {}, files


def record_of(request: web.Request) -> Recorded:
    return request[RECORD]


def body_of(request: web.Request) -> Any:
    return request[BODY]


class Recorder:
    """Every REST request, newest ``maxlen`` kept, with the ways tests look for them."""

    def __init__(self, changes: Changes, maxlen: int) -> None:
        self._changes = changes
        self.requests: BoundedLog[Recorded] = BoundedLog(maxlen)
        self.rate_limited: BoundedLog[Recorded] = BoundedLog(maxlen)
        self.problems: BoundedLog[str] = BoundedLog(maxlen)  # what request_checker found
        self.request_checker: Callable[[Recorded], list[str]] | None = None  # e.g. spec.check_request

    def middleware(self) -> Middleware:
        @web.middleware
        async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
            body: Any = None
            files: list[tuple[str, str | None, bytes]] = []
            if request.can_read_body:
                raw = await request.read()
                if request.content_type == "multipart/form-data":
                    body, files = parse_multipart(raw, request.headers["Content-Type"])
                elif raw:
                    body = json.loads(raw)
            path = request.path.removeprefix(API)
            rec = Recorded(request.method, path, dict(request.query), body, dict(request.headers), time.monotonic())
            rec.files = files
            self.requests.append(rec)
            request[RECORD], request[BODY], request[ARRIVED] = rec, body, rec.at
            try:
                response = await handler(request)
                rec.status = response.status
                return response
            finally:
                await self._changes.notify()

        return record

    def checked(self, rec: Recorded) -> None:
        if self.request_checker is not None:
            self.problems.extend(self.request_checker(rec))

    # --- looking ------------------------------------------------------------------------------
    def find(self, method: str, pattern: str, predicate: Callable[[Recorded], bool] | None = None) -> list[Recorded]:
        rx = re.compile(pattern)
        return [
            r for r in self.requests if r.method == method and rx.search(r.path) and (predicate is None or predicate(r))
        ]

    async def wait_for(
        self,
        method: str,
        pattern: str,
        predicate: Callable[[Recorded], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[Recorded]:
        try:
            await self._changes.wait_until(
                lambda: len(self.find(method, pattern, predicate)) >= count, timeout, f"{count}x {method} {pattern}"
            )
        except AssertionError:
            seen = "\n".join(r.route() for r in self.requests[-20:])
            raise AssertionError(f"timed out waiting for {count}x {method} {pattern}; last requests:\n{seen}") from None
        return self.find(method, pattern, predicate)

    def busiest_second(self) -> int:
        """The most requests seen in any one-second window, interaction callbacks exempt (as Discord counts)."""
        times = sorted(r.at for r in self.requests if not r.path.startswith("/interactions/"))
        busiest, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= 1.0:
                start += 1
            busiest = max(busiest, end - start + 1)
        return busiest

    def bodies(self) -> list[Recorded]:
        """Every request that carried a JSON body (for schema checks)."""
        return [r for r in self.requests if r.body is not None]

    def callback_statuses(self, interaction_id: int) -> list[int]:
        return [r.status for r in self.requests if r.path.startswith(f"/interactions/{interaction_id}/")]

    def channel_posts(self, channel_id: int) -> list[Any]:
        """Bodies of the sends to a channel that Discord accepted (whether or not the bot saw the answer)."""
        return [
            r.body
            for r in self.requests
            if r.method == "POST" and r.path == f"/channels/{channel_id}/messages" and r.handled == 200
        ]


@dataclass
class Injection:
    """A fault armed for the next ``times`` requests matching ``method`` and ``pattern``."""

    method: str
    pattern: re.Pattern[str]
    status: int | None
    times: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    store_then: int | Hang | None = None


class Injections:
    """Faults tests ask for; see ``LocalDiscord.inject``."""

    def __init__(self, recorder: Recorder, changes: Changes) -> None:
        self._recorder = recorder
        self._changes = changes
        self.armed: list[Injection] = []
        self._release = asyncio.Event()

    def add(self, injection: Injection) -> Injection:
        if (injection.status is None) == (injection.store_then is None):
            raise ValueError("inject either a status (instead of the route) or store_then (after it), not both")
        self.armed.append(injection)
        return injection

    def release(self) -> None:
        """Let every hanging request go (each answers 504 to a client that has usually given up)."""
        self._release.set()
        self._release = asyncio.Event()

    def _match(self, method: str, path: str) -> Injection | None:
        return next((i for i in self.armed if i.times > 0 and i.method == method and i.pattern.search(path)), None)

    def middleware(self) -> Middleware:
        @web.middleware
        async def inject(request: web.Request, handler: Handler) -> web.StreamResponse:
            rec = record_of(request)
            inj = self._match(request.method, rec.path)
            if inj is None:
                return await handler(request)
            if inj.store_then is None:
                inj.times -= 1
            if inj.delay:
                await asyncio.sleep(inj.delay)
            if inj.store_then is not None:
                return await self._after(inj, await handler(request))
            if inj.status == 200:
                return await handler(request)  # only slow: answer normally, late (the client may have left)
            return self._instead(inj, rec)

        return inject

    def _instead(self, inj: Injection, rec: Recorded) -> web.Response:
        status = inj.status or 500
        if status == 429:
            self._recorder.rate_limited.append(rec)
            payload = {
                "message": "You are being rate limited.",
                "retry_after": 0.2,
                "global": False,
                **(inj.body or {}),
            }
            return answers.answer(payload, 429, inj.headers)
        return answers.answer(inj.body or {"message": "injected", "code": 0}, status, inj.headers)

    async def _after(self, inj: Injection, done: web.StreamResponse) -> web.StreamResponse:
        """``store_then``: the route ran; if it did the work, the bot gets a fault instead of its answer."""
        if not 200 <= done.status < 300:
            return done  # nothing was stored: stay armed for the next one
        inj.times -= 1
        if inj.store_then == "hang":
            await self._changes.notify()  # the work is done: waiters may look while the bot waits
            await self._release.wait()
            return answers.error(504, 0, "504: Gateway Timeout")
        status = int(inj.store_then or 500)
        return answers.answer(
            inj.body or {"message": f"{status}: injected after storing", "code": 0}, status, inj.headers
        )


class RateLimits:
    """Per-route buckets and the global limit, counted on real time (discord.py sleeps real seconds)."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self.bucket_limit: int | None = None  # per-route requests per window
        self.bucket_window = 1.0
        self.global_limit: int | None = None  # all REST requests per second (interaction callbacks exempt)
        self._bucket_hits: dict[str, deque[float]] = {}
        self._global_hits: deque[float] = deque()
        self._sweep_at = 1024

    @staticmethod
    def _headers(bucket: str, remaining: int, limit: int, reset_after: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, remaining)),
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }

    def check(self, method: str, path: str) -> tuple[web.Response | None, dict[str, str]]:
        """A 429 to answer instead, or None and the headers for the answer."""
        now = time.monotonic()
        if self.global_limit and not path.startswith("/interactions/"):
            while self._global_hits and now - self._global_hits[0] >= 1.0:
                self._global_hits.popleft()
            if len(self._global_hits) >= self.global_limit:
                retry = 1.0 - (now - self._global_hits[0])
                scope = {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}
                return answers.rate_limited(retry, scope_global=True, headers=scope), {}
            self._global_hits.append(now)
        bucket = f"{method}:{_MESSAGE_ID.sub('/messages/:id', path)}"
        limit = self.bucket_limit or 50
        hits = self._bucket_hits.setdefault(bucket, deque())
        while hits and now - hits[0] >= self.bucket_window:
            hits.popleft()
        if self.bucket_limit and len(hits) >= self.bucket_limit:
            retry = self.bucket_window - (now - hits[0])
            return answers.rate_limited(retry, scope_global=False, headers=self._headers(bucket, 0, limit, retry)), {}
        hits.append(now)
        self._sweep(now)
        return None, self._headers(bucket, limit - len(hits), limit, self.bucket_window - (now - hits[0]))

    def _sweep(self, now: float) -> None:
        """Drop buckets with no recent hit (one per channel adds up over hours)."""
        if len(self._bucket_hits) < self._sweep_at:
            return
        for bucket in [k for k, v in self._bucket_hits.items() if not v or now - v[-1] >= self.bucket_window]:
            del self._bucket_hits[bucket]
        self._sweep_at = max(1024, 2 * len(self._bucket_hits))

    def middleware(self) -> Middleware:
        @web.middleware
        async def limit(request: web.Request, handler: Handler) -> web.StreamResponse:
            rec = record_of(request)
            limited, headers = self.check(request.method, rec.path)
            if limited is not None:
                self._recorder.rate_limited.append(rec)
                return limited
            response = await handler(request)
            for key, value in headers.items():
                response.headers.setdefault(key, value)
            return response

        return limit


def outcome(recorder: Recorder) -> Middleware:
    """Innermost: Discord's JSON for unknown routes, ``handled``, and the request checks."""

    @web.middleware
    async def route(request: web.Request, handler: Handler) -> web.StreamResponse:
        rec = record_of(request)
        try:
            response = await handler(request)
        except web.HTTPMethodNotAllowed:
            response = answers.error(405, 0, f"405: Method Not Allowed ({rec.route()})")
        except web.HTTPNotFound:
            response = answers.error(404, 0, f"404: Not Found ({rec.route()})")
        rec.handled = response.status
        recorder.checked(rec)
        return response

    return route
