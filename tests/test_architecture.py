"""The import rules of ARCHITECTURE.md, enforced by reading every file's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PURE = (
    "bot/domain",
    "bot/content",
    "bot/storage",
    "bot/services",
    "bot/settings.py",
    "bot/errors.py",
    "bot/clock.py",
    "bot/ratelimit.py",
    "bot/localdiscord",
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _files(prefix: str) -> list[Path]:
    target = ROOT / prefix
    return [target] if target.is_file() else sorted(target.rglob("*.py"))


@pytest.mark.parametrize("path", _files("bot"), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_imports_cogs(path):
    assert not {n for n in _imports(path) if n == "cogs" or n.startswith("cogs.")}


@pytest.mark.parametrize("path", [p for prefix in PURE for p in _files(prefix)], ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_layers_import_no_discord(path):
    assert not {n for n in _imports(path) if n.split(".")[0] == "discord"}


@pytest.mark.parametrize("path", _files("bot/domain"), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_imports_no_storage_or_content(path):
    assert not {n for n in _imports(path) if n.startswith(("bot.storage", "bot.content", "aiosqlite", "yaml"))}


@pytest.mark.parametrize("path", _files("cogs"), ids=lambda p: str(p.relative_to(ROOT)))
def test_cogs_never_import_other_cogs(path):
    package = path.relative_to(ROOT).parts[1].removesuffix(".py")
    foreign = {n for n in _imports(path) if n.startswith("cogs.") and n.split(".")[1] != package}
    assert not foreign


@pytest.mark.parametrize("path", _files("cogs"), ids=lambda p: str(p.relative_to(ROOT)))
def test_cogs_hold_no_sql(path):
    text = path.read_text(encoding="utf-8")
    assert not any(word in text for word in ("SELECT ", "INSERT ", "UPDATE ", "aiosqlite"))


@pytest.mark.parametrize("path", _files("cogs"), ids=lambda p: str(p.relative_to(ROOT)))
def test_cogs_never_import_storage(path):
    """Cogs talk to services, which return domain or service types, never storage rows."""
    assert not {n for n in _imports(path) if n == "bot.storage" or n.startswith("bot.storage.")}


async def test_every_command_declares_who_sees_its_answer():
    """``@visibility`` on every command; start-up refuses a bot where one is missing."""
    import random

    from bot.app import EXTENSIONS, HeartstopperBot
    from bot.clock import SystemClock
    from bot.content.loader import load_catalog
    from bot.services import build_services
    from bot.settings import load_settings
    from bot.storage import open_database
    from bot.ui.replies import undeclared

    settings = load_settings({"DATABASE_PATH": ":memory:"})
    db = await open_database(":memory:")
    try:
        services = build_services(db, load_catalog(settings.data_dir), SystemClock(), random.Random())
        bot = HeartstopperBot(settings=settings, services=services, sync_commands=False)
        await bot.load_features()
        try:
            assert undeclared(bot.tree.walk_commands()) == []
        finally:
            for extension in EXTENSIONS:
                await bot.unload_extension(extension)
    finally:
        await db.close()


def test_trivia_limits_in_the_schema_are_the_domains():
    """One source for the trivia limits: the SQL CHECK (a migration, so fixed history) must agree."""
    import re

    from bot.domain import trivia as rules

    for migration in ("sqlite/0003_trivia.sql", "postgresql/0001_initial.sql"):
        sql = (ROOT / "bot/storage/migrations" / migration).read_text(encoding="utf-8")
        low, high = map(int, re.search(r"trivia_seconds BETWEEN (\d+) AND (\d+)", sql).groups())
        assert (low, high) == (rules.MIN_SECONDS, rules.MAX_SECONDS), migration
