"""Schema migrations tracked in ``PRAGMA user_version``.

Each ``migrations/NNNN_name.sql`` is applied in its own transaction together with the version
bump, so a crash leaves the database either before or after a migration, never half-way.
The database stays the single source of truth for its version (no side file).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from bot.errors import BotError
from bot.storage.database import Database

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(BotError):
    """The database cannot be used by this version of the code."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files, ordered and checked for gaps (1, 2, 3, …)."""
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_description.sql")
        found.append(Migration(int(match.group(1)), path.name, path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"{migration.name}: expected migration number {expected:04d}")
    return found


def latest_version(folder: Path = MIGRATIONS_DIR) -> int:
    migrations = available_migrations(folder)
    return migrations[-1].version if migrations else 0


async def current_version(db: Database) -> int:
    return int(await db.fetch_value("PRAGMA user_version") or 0)


async def migrate(db: Database, folder: Path = MIGRATIONS_DIR) -> tuple[int, int]:
    """Bring the schema up to date; returns (version before, version after)."""
    migrations = available_migrations(folder)
    target = migrations[-1].version if migrations else 0
    before = await current_version(db)
    if before > target:
        raise MigrationError(
            f"the database {db.path} is at schema version {before}, newer than this code "
            f"({target}): upgrade heartstopper-bot or point DATABASE_PATH at another file"
        )
    for migration in migrations:
        if migration.version <= before:
            continue
        log.info("applying migration %s", migration.name)
        script = f"BEGIN IMMEDIATE;\n{migration.sql}\n;PRAGMA user_version = {migration.version};\nCOMMIT;"
        try:
            await db.run_script(script)
        except Exception as exc:
            raise MigrationError(f"migration {migration.name} failed: {exc}") from exc
    return before, target
