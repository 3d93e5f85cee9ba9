"""Settings: parsed once, in one pure function, from a mapping (``os.environ`` after dotenv).

Nothing here runs at import time. ``load_settings`` turns strings into typed, range-checked
values and raises ``SettingsError`` naming the key and the fix, so ``__main__`` can print one
readable line. The token never appears in a repr (``field(repr=False)``).

An error about a setting that can hold a secret (the token, and every URL: connection URLs carry
passwords, and a proxy URL can too) says what is wrong and what is expected, never the value:
the line goes to the journal or the container log, which are often shipped off the machine.
Plain settings (a log level, a number) are echoed, since seeing the typo helps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from bot.errors import BotError
from bot.log import LogFormat
from bot.redaction import secrets_in

DEFAULT_API_BASE = "https://discord.com/api/v10"
_PACKAGE_DIR = Path(__file__).resolve().parent
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_LOG_FORMATS = ("text", "json")
# A server's data is kept this long after the bot leaves it, in case it is added back.
DEFAULT_FORGET_LEFT_SERVERS_DAYS = 30
_MAX_FORGET_DAYS = 36_500  # a hundred years: past that a date overflows, and nobody means it

# Every key load_settings reads. tests/test_settings.py checks .env.example lists exactly these.
SETTING_KEYS: tuple[str, ...] = (
    "DISCORD_TOKEN",
    "DATABASE_PATH",
    "DATABASE_URL",
    "DATA_DIR",
    "LOG_LEVEL",
    "DISCORD_API_BASE",
    "DISCORD_GATEWAY_URL",
    "DEV_GUILD_ID",
    "SHARD_COUNT",
    "SHARD_IDS",
    "GUILD_READY_TIMEOUT",
    "COUNTDOWN_GRACE_HOURS",
    "NONCE_WINDOW_SECONDS",
    "REDIS_URL",
    "HEALTH_ADDRESS",
    "LOG_FORMAT",
    "FORGET_LEFT_SERVERS_DAYS",
)


class SettingsError(BotError):
    """A setting is missing or malformed; the message names the key and what is expected."""


def project_root() -> Path | None:
    """The source checkout this package runs from, or None when installed as a wheel."""
    root = _PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").is_file() and (root / "data").is_dir() else None


def default_data_dir() -> Path:
    """``data/`` beside the package in a checkout, else the copy installed as ``bot/data``."""
    installed = _PACKAGE_DIR / "data"
    if installed.is_dir():
        return installed
    root = project_root()
    return (root / "data") if root else installed


def default_database_path() -> Path:
    """A file under the project's own ``state/`` folder (checkout) or the user's state dir."""
    root = project_root()
    if root is not None:
        return root / "state" / "heartstopper.sqlite3"
    return Path.home() / ".local" / "state" / "heartstopper-bot" / "heartstopper.sqlite3"


@dataclass(frozen=True, slots=True)
class Settings:
    """Typed, validated settings. ``token`` is None only for ``--check``."""

    token: str | None = field(repr=False)
    database_path: Path
    data_dir: Path
    log_level: str = "INFO"
    log_format: LogFormat = "text"
    api_base: str = DEFAULT_API_BASE
    gateway_url: str | None = None
    dev_guild_id: int | None = None
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    guild_ready_timeout: float = 2.0
    countdown_grace_hours: float = 6.0
    # How long Discord is trusted to remember a post's nonce: an earlier attempt of unknown outcome
    # older than this is looked for in the channel before anything is sent again.
    nonce_window_seconds: float = 120.0
    redis_url: str | None = field(default=None, repr=False)  # may hold a password
    database_url: str | None = field(
        default=None, repr=False
    )  # PostgreSQL instead of the SQLite file; may hold a password
    # (host, port) for /healthz, /readyz and /metrics; None: no health server.
    health_address: tuple[str, int] | None = None
    forget_left_servers_days: int = DEFAULT_FORGET_LEFT_SERVERS_DAYS

    @property
    def database_target(self) -> Path | str:
        """What ``open_database`` opens: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url or self.database_path

    def secrets(self) -> list[str]:
        """Everything the log must never show: the token, and every password inside a URL setting."""
        urls = (self.database_url, self.redis_url, self.api_base, self.gateway_url)
        return [secret for secret in (self.token, *(s for url in urls for s in secrets_in(url))) if secret]

    def require_token(self) -> str:
        """The token, or a SettingsError saying how to provide it."""
        if not self.token:
            raise SettingsError(
                "DISCORD_TOKEN is not set: put your bot token in .env (see .env.example) or the environment, "
                "or try the bot without one: heartstopper-bot playground"
            )
        return self.token


def _clean(env: Mapping[str, str], key: str) -> str | None:
    value = env.get(key)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _snowflake(env: Mapping[str, str], key: str) -> int | None:
    raw = _clean(env, key)
    if raw is None:
        return None
    if not raw.isdigit() or not (1 <= int(raw) < 2**64):
        raise SettingsError(f"{key} must be a Discord server id (digits only), got {raw!r}")
    return int(raw)


def _number(env: Mapping[str, str], key: str, default: float, low: float, high: float) -> float:
    raw = _clean(env, key)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a number between {low:g} and {high:g}, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{key} must be between {low:g} and {high:g}, got {raw!r}")
    return value


def _whole_number(env: Mapping[str, str], key: str, default: int, low: int, high: int) -> int:
    raw = _clean(env, key)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SettingsError(f"{key} must be a whole number from {low} to {high}, got {raw!r}")
    return int(raw)


def _url(env: Mapping[str, str], key: str, schemes: tuple[str, ...]) -> str | None:
    """A URL setting, checked without ever echoing it: any URL may carry a password."""
    raw = _clean(env, key)
    if raw is None:
        return None
    wanted = " or ".join(f"{s}://" for s in schemes)
    problem = None
    if "://" not in raw:
        problem = "this one has no scheme://"
    elif not raw.startswith(tuple(f"{s}://" for s in schemes)):
        problem = "this one has another scheme"
    elif re.search(r"\s", raw):
        problem = "this one contains a space"
    if problem is not None:
        raise SettingsError(
            f"{key} must be a URL starting with {wanted} and without spaces; {problem} "
            "(the value is not shown: it may hold a password)"
        )
    return raw.rstrip("/")


def _health_address(env: Mapping[str, str]) -> tuple[str, int] | None:
    """``host:port`` (``[::1]:9100`` for IPv6); port 0 lets the system pick one."""
    raw = _clean(env, "HEALTH_ADDRESS")
    if raw is None:
        return None
    host, sep, port = raw.rpartition(":")
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or re.search(r"\s", host) or not port.isdigit() or int(port) > 65535:
        raise SettingsError(
            f"HEALTH_ADDRESS must be host:port with a port from 0 to 65535, e.g. 127.0.0.1:9100, got {raw!r}"
        )
    return host, int(port)


def _log_format(env: Mapping[str, str]) -> LogFormat:
    value = (_clean(env, "LOG_FORMAT") or "text").lower()
    if value not in _LOG_FORMATS:
        raise SettingsError(f"LOG_FORMAT must be text or json, got {value!r}")
    return cast(LogFormat, value)


def _shards(env: Mapping[str, str]) -> tuple[int | None, tuple[int, ...] | None]:
    count_raw = _clean(env, "SHARD_COUNT")
    ids_raw = _clean(env, "SHARD_IDS")
    count: int | None = None
    if count_raw is not None:
        if not count_raw.isdigit() or int(count_raw) < 1:
            raise SettingsError(f"SHARD_COUNT must be a whole number of at least 1, got {count_raw!r}")
        count = int(count_raw)
    if ids_raw is None:
        return count, None
    if count is None:
        raise SettingsError("SHARD_IDS needs SHARD_COUNT too: set both, e.g. SHARD_COUNT=4 SHARD_IDS=0,1")
    parts = [p.strip() for p in ids_raw.split(",") if p.strip()]
    if not parts or not all(p.isdigit() for p in parts):
        raise SettingsError(f"SHARD_IDS must be comma-separated shard numbers like 0,1, got {ids_raw!r}")
    ids = tuple(sorted({int(p) for p in parts}))
    if ids[-1] >= count:
        raise SettingsError(f"SHARD_IDS must be below SHARD_COUNT ({count}), got {ids_raw!r}")
    return count, ids


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build Settings from a mapping of strings; pure, so tests pass a dict."""
    token = _clean(env, "DISCORD_TOKEN")
    if token is not None and re.search(r"\s", token):
        raise SettingsError("DISCORD_TOKEN contains spaces: paste the token alone, without quotes or 'Bot '")
    level = (_clean(env, "LOG_LEVEL") or "INFO").upper()
    if level not in _LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, got {level!r}")
    data_dir = Path(_clean(env, "DATA_DIR") or default_data_dir()).expanduser()
    if not data_dir.is_dir():
        raise SettingsError(f"DATA_DIR {str(data_dir)!r} is not a folder: point it at the bot's data/ folder")
    db_raw = _clean(env, "DATABASE_PATH")
    database_path = Path(db_raw).expanduser() if db_raw else default_database_path()
    shard_count, shard_ids = _shards(env)
    return Settings(
        token=token,
        database_path=database_path,
        data_dir=data_dir,
        log_level=level,
        log_format=_log_format(env),
        api_base=_url(env, "DISCORD_API_BASE", ("http", "https")) or DEFAULT_API_BASE,
        gateway_url=_url(env, "DISCORD_GATEWAY_URL", ("ws", "wss")),
        dev_guild_id=_snowflake(env, "DEV_GUILD_ID"),
        shard_count=shard_count,
        shard_ids=shard_ids,
        guild_ready_timeout=_number(env, "GUILD_READY_TIMEOUT", 2.0, 0.0, 60.0),
        countdown_grace_hours=_number(env, "COUNTDOWN_GRACE_HOURS", 6.0, 0.0, 23.0),
        nonce_window_seconds=_number(env, "NONCE_WINDOW_SECONDS", 120.0, 0.0, 600.0),
        redis_url=_redis_url(env),
        database_url=_database_url(env),
        health_address=_health_address(env),
        forget_left_servers_days=_whole_number(
            env, "FORGET_LEFT_SERVERS_DAYS", DEFAULT_FORGET_LEFT_SERVERS_DAYS, 1, _MAX_FORGET_DAYS
        ),
    )


def _database_url(env: Mapping[str, str]) -> str | None:
    url = _url(env, "DATABASE_URL", ("postgresql", "postgres"))
    if url is not None:
        try:
            import asyncpg  # noqa: F401 - only checking it is installed
        except ImportError:
            raise SettingsError(
                "DATABASE_URL is set but the asyncpg package is not installed: "
                "pip install 'heartstopper-bot[postgresql]'"
            ) from None
    return url


def _redis_url(env: Mapping[str, str]) -> str | None:
    url = _url(env, "REDIS_URL", ("redis", "rediss", "unix"))
    if url is not None:
        try:
            import redis  # noqa: F401 - only checking it is installed
        except ImportError:
            raise SettingsError(
                "REDIS_URL is set but the redis package is not installed: pip install 'heartstopper-bot[redis]'"
            ) from None
    return url
