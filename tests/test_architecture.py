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
