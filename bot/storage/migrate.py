"""Schema migrations, one folder per dialect: ``migrations/sqlite`` and ``migrations/postgresql``.

Each ``NNNN_name.sql`` is applied in its own transaction together with the version bump
(SQLite's ``PRAGMA user_version``, PostgreSQL's ``schema_version`` table), so a crash leaves the
database either before or after a migration, never half-way; the whole run holds the store's
migration lock, so two processes starting together apply each migration once. The database
stays the single source of truth for its version (no side file). A change to the schema is a
new file in both folders; ``tests/storage/test_schema_parity.py`` compares both migrated schemas
from each database's own catalog.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from bot.errors import BotError
from bot.storage.base import Database, Dialect

log = logging.getLogger(__name__)

MIGRATIONS_ROOT = Path(__file__).resolve().parent / "migrations"


def migrations_dir(dialect: Dialect) -> Path:
    return MIGRATIONS_ROOT / dialect


_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(BotError):
    """The database cannot be used by this version of the code."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations(folder: Path) -> list[Migration]:
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


def latest_version(dialect: Dialect = "sqlite") -> int:
    migrations = available_migrations(migrations_dir(dialect))
    return migrations[-1].version if migrations else 0


async def current_version(db: Database) -> int:
    return await db.schema_version()


async def migrate(db: Database, folder: Path | None = None) -> tuple[int, int]:
    """Bring the schema up to date; returns (version before, version after)."""
    migrations = available_migrations(folder or migrations_dir(db.dialect))
    target = migrations[-1].version if migrations else 0
    async with db.migration_lock():
        before = await db.schema_version()
        if before > target:
            raise MigrationError(
                f"the database {db.target} is at schema version {before}, newer than this code "
                f"({target}): upgrade heartstopper-bot or point the bot at another database"
            )
        for migration in migrations:
            if migration.version <= before:
                continue
            log.info("applying migration %s/%s", db.dialect, migration.name)
            try:
                await db.apply_migration(migration.version, migration.name, migration.sql)
            except Exception as exc:
                raise MigrationError(f"migration {db.dialect}/{migration.name} failed: {exc}") from exc
    return before, target
