"""Logging set-up: one stderr handler, text or JSON lines, and secrets redacted in the formatter.

Redaction happens in ``Formatter.format`` (not in a filter on the message) because that is the last
step before text leaves the process: the message, its arguments, an exception's text and
traceback, and ``stack_info`` all pass through it. A filter sees only the message, and a traceback
whose exception quotes a connection URL or the token went straight past the old one.

``log_context`` tags every line logged while handling one interaction with its server and command
(a ``contextvars`` value, so it follows the interaction's task and the tasks it starts, and never
leaks into another interaction's lines); the JSON format writes them as fields.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

LogFormat = Literal["text", "json"]

TEXT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"
REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class LogContext:
    """What is known about the work a line is logged for."""

    guild_id: int | None = None
    command: str | None = None


_NOTHING_KNOWN = LogContext()
_context: contextvars.ContextVar[LogContext | None] = contextvars.ContextVar("heartstopper_log_context", default=None)


@contextlib.contextmanager
def log_context(*, guild_id: int | None = None, command: str | None = None) -> Iterator[None]:
    """Within this block (and in tasks created inside it), log lines carry ``guild_id`` and ``command``."""
    token = _context.set(LogContext(guild_id=guild_id, command=command))
    try:
        yield
    finally:
        _context.reset(token)


def current_log_context() -> LogContext:
    return _context.get() or _NOTHING_KNOWN


def _spellings(secret: str) -> set[str]:
    """A secret as it may appear in text: as is, URL-encoded, or escaped inside a repr or JSON string."""
    return {secret, quote(secret, safe=""), repr(secret)[1:-1], json.dumps(secret)[1:-1]}


class Redactor:
    """Replaces every known secret in a piece of text. Longest first, so no secret leaves a tail
    of a longer one that contains it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        found = {spelling for secret in secrets if secret for spelling in _spellings(secret)}
        self._secrets = sorted(found, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


class RedactingFormatter(logging.Formatter):
    """The text format (``TEXT_FORMAT``), with secrets redacted from the whole formatted record,
    traceback and stack included."""

    def __init__(self, redactor: Redactor, fmt: str = TEXT_FORMAT) -> None:
        super().__init__(fmt)
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, and where known
    server, command, exception (the formatted traceback) and stack.

    Ids are strings, as in Discord's own API: a snowflake does not fit a JSON reader's 53-bit
    numbers. Each field is redacted before encoding, so a secret is caught whatever JSON escaping
    would later do to it.
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        context = current_log_context()
        guild_id = getattr(record, "guild_id", None) or context.guild_id
        command = getattr(record, "command", None) or context.command
        line: dict[str, str] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if guild_id is not None:
            line["server"] = str(guild_id)
        if command:
            line["command"] = command
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps({key: self._redact(value) for key, value in line.items()}, ensure_ascii=False)


def make_formatter(fmt: LogFormat, secrets: Iterable[str]) -> logging.Formatter:
    redactor = Redactor(secrets)
    return JsonFormatter(redactor) if fmt == "json" else RedactingFormatter(redactor)


def setup_logging(level: str, *, secrets: list[str] | None = None, fmt: LogFormat = "text") -> None:
    """Configure logging once for the process: one stderr handler on the root logger, in ``fmt``.

    discord.py logs through ``discord.*`` loggers that propagate to the root, so its lines get the
    same format and redaction. Any handler already on the root or on ``discord`` (a library may add
    one) is given the redacting formatter too, so no handler can write a secret.
    """
    formatter = make_formatter(fmt, secrets or [])
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level)
    discord_log = logging.getLogger("discord")
    for other in discord_log.handlers:
        other.setFormatter(formatter)
    # discord.py's own chatter at INFO is useful; its DEBUG (every payload) is not by default.
    discord_log.setLevel(max(logging.getLevelName(level), logging.INFO))
