"""Settings parsing, the token's privacy, and .env.example staying in step with the loader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import DEFAULT_API_BASE, SETTING_KEYS, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_env_example_lists_exactly_the_settings():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    keys = re.findall(r"^([A-Z_]+)=", text, flags=re.MULTILINE)
    assert sorted(keys) == sorted(SETTING_KEYS)
    for key in keys:  # every setting has a comment right above it
        before = text.split(f"\n{key}=")[0].rstrip().splitlines()[-1]
        assert before.startswith("#"), key


def test_defaults_without_anything():
    settings = load_settings({})
    assert settings.token is None and settings.api_base == DEFAULT_API_BASE
    assert settings.data_dir.is_dir() and settings.database_path.name.endswith(".sqlite3")


def test_token_never_in_repr():
    settings = load_settings({"DISCORD_TOKEN": "super.secret.token"})
    assert "super.secret" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
        ({"DEV_GUILD_ID": "abc"}, "DEV_GUILD_ID must be a Discord server id"),
        ({"DISCORD_API_BASE": "ftp://x"}, "must be a URL starting with http"),
        ({"DISCORD_GATEWAY_URL": "http://x"}, "ws:// or wss://"),
        ({"SHARD_IDS": "0,1"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,2"}, "below SHARD_COUNT"),
        ({"SHARD_COUNT": "0"}, "at least 1"),
        ({"GUILD_READY_TIMEOUT": "-1"}, "between 0 and 60"),
        ({"DATA_DIR": "/nonexistent/folder"}, "is not a folder"),
        ({"DISCORD_TOKEN": "Bot abc def"}, "contains spaces"),
    ],
)
def test_bad_settings_name_the_key(env, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(env)


def test_missing_token_is_a_readable_error():
    with pytest.raises(SettingsError, match="DISCORD_TOKEN is not set"):
        load_settings({}).require_token()


def test_shards_parse():
    settings = load_settings({"SHARD_COUNT": "4", "SHARD_IDS": "3, 1"})
    assert settings.shard_count == 4 and settings.shard_ids == (1, 3)
