"""Discord's answers: JSON whose Content-Type is exactly ``application/json``, and its error bodies.

discord.py compares the header with ``==``; aiohttp's ``json_response`` adds ``; charset=utf-8`` and
the bot would then get a *str* back (discord-emulation.md §3.1), so every answer goes through here.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

JSON_HEADERS = {"Content-Type": "application/json"}
VIA = {"Via": "1.1 google"}  # discord.py retries a 429 only when it carries Via (else it is a Cloudflare ban)


def answer(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=json.dumps(data).encode(), headers={**JSON_HEADERS, **(headers or {})})


def error(status: int, code: int, message: str) -> web.Response:
    """An error as Discord words it: ``{"message": ..., "code": ...}`` (e.g. 404 10003 Unknown Channel)."""
    return answer({"message": message, "code": code}, status)


def rate_limited(retry_after: float, *, scope_global: bool, headers: dict[str, str] | None = None) -> web.Response:
    body = {"message": "You are being rate limited.", "retry_after": round(retry_after, 3), "global": scope_global}
    return answer(body, 429, {**VIA, **(headers or {})})


def no_content() -> web.Response:
    return web.Response(status=204)
