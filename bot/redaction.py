"""Secrets inside connection URLs, masked for messages and logs.

A connection URL can carry a password in two places: the userinfo (``postgresql://bot:pw@db/x``)
and the query (``?password=pw``, ``?passfile=…``, ``?sslpassword=…``, which asyncpg and redis-py
both accept). ``redact_url`` masks both, leaving the rest of the URL as written so an operator can
still see which host and database were meant. ``secrets_in`` lists the strings to keep out of the
log, each in every spelling it may take in a message (as written, percent-decoded, re-encoded).

This module imports nothing from the rest of ``bot``: the settings, the log set-up and the storage
layer all depend on it, and it must depend on none of them.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit, urlunsplit

MASK = "***"
UNPARSEABLE = "<a URL that could not be parsed>"
# Query parameters that hold a secret (or, for passfile, point at one: its path is no one's business).
SECRET_PARAMS = frozenset({"password", "passfile", "sslpassword"})


def redact_url(url: str) -> str:
    """``url`` with its userinfo password and every secret query parameter replaced by ``***``.

    Anything that cannot be parsed as a URL is replaced whole: better an unhelpful message than a
    password in a shipped log.
    """
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return UNPARSEABLE
    if "@" in url and "@" not in parts.netloc:
        return UNPARSEABLE  # "bot:pw@db/x" (no //) parses as a path: the password would go through
    netloc = parts.netloc
    if password is not None:
        userinfo, _, hostinfo = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{hostinfo}"
    query = "&".join(_redact_pair(pair) for pair in parts.query.split("&")) if parts.query else ""
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _redact_pair(pair: str) -> str:
    """One ``key=value`` of a query string, its value masked when the key names a secret.

    The other pairs are kept exactly as written (no re-encoding), so a redacted URL only differs
    where a secret was.
    """
    key, sep, _value = pair.partition("=")
    if sep and unquote(key).strip().lower() in SECRET_PARAMS:
        return f"{key}={MASK}"
    return pair


def secrets_in(url: str | None) -> list[str]:
    """Every secret string ``url`` carries, in each spelling a message may show it in."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return [url]  # unparseable: keep the whole thing out of the log
    if "@" in url and "@" not in parts.netloc:
        return [url]
    raw: list[str] = [password] if password else []
    for pair in parts.query.split("&") if parts.query else []:
        key, sep, value = pair.partition("=")
        if sep and value and unquote(key).strip().lower() in SECRET_PARAMS:
            raw.append(value)
    found: list[str] = []
    for secret in raw:
        for spelling in (secret, unquote(secret), unquote(secret.replace("+", " ")), quote(unquote(secret), safe="")):
            if spelling and spelling not in found:
                found.append(spelling)
    return found
