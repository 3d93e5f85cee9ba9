"""Quoting what a member typed back to them, safely.

Every "X is not a date / not a pack / not found" answer repeats the member's text. Repeated
raw, it could break out of markdown, flip the message right-to-left, hide itself behind
zero-width characters or run to thousands of characters; this keeps it to one short line of
inline code. (Pings are impossible anyway: mentions are off bot-wide.)
"""

from __future__ import annotations

_INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")


def quote_user_text(text: str, limit: int = 60) -> str:
    """One line, shortened, printable, inside inline code."""
    cleaned = " ".join((text or "").split())
    cleaned = "".join(ch for ch in cleaned if ch.isprintable() and ch not in _INVISIBLE)
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return "`" + (cleaned.replace("`", "ˋ") or " ") + "`"
