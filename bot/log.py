"""Logging set-up with a safety net: the token is redacted if it ever reaches a handler."""

from __future__ import annotations

import logging
import sys

_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Replaces secrets in the formatted message (and drops args) before any handler sees them."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "[token redacted]")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def setup_logging(level: str, *, secrets: list[str] | None = None) -> None:
    """Configure the root logger once: one stderr handler, our format, the redaction filter."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactingFilter(secrets or []))
    root.addHandler(handler)
    root.setLevel(level)
    # discord.py's own chatter at INFO is useful; its DEBUG (every payload) is not by default.
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))
