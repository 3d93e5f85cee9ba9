"""One codec for instants at the storage boundary.

Both stores take and give instants as ISO 8601 text in UTC: SQLite keeps that text (and compares
it as text, which orders correctly only while every writer spells instants the same way), and
PostgreSQL's ``timestamptz`` codec (``bot.storage.postgres``) turns the same text into a real
instant and back. Every repository goes through these two functions, so there is one spelling.
"""

from __future__ import annotations

import datetime as dt


def to_db(value: dt.datetime) -> str:
    """An aware instant as the text both stores keep: UTC, ``isoformat()``."""
    if value.tzinfo is None:
        raise ValueError("instants are stored aware (UTC); got a naive datetime")
    return value.astimezone(dt.UTC).isoformat()


def to_db_or_none(value: dt.datetime | None) -> str | None:
    return None if value is None else to_db(value)


def from_db(value: str | dt.datetime) -> dt.datetime:
    """What a store gives back, as an aware UTC instant."""
    instant = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    if instant.tzinfo is None:  # SQLite's own CURRENT_TIMESTAMP spelling has no offset: it is UTC
        return instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(dt.UTC)


def from_db_or_none(value: str | dt.datetime | None) -> dt.datetime | None:
    return None if value is None else from_db(value)
