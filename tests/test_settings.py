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


def test_operations_settings_have_defaults():
    settings = load_settings({})
    assert settings.health_address is None and settings.log_format == "text"
    assert settings.forget_left_servers_days == 30


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [("127.0.0.1:9100", ("127.0.0.1", 9100)), ("localhost:0", ("localhost", 0)), ("[::1]:65535", ("::1", 65535))],
)
def test_health_address_parses(raw, parsed):
    assert load_settings({"HEALTH_ADDRESS": raw}).health_address == parsed


def test_log_format_and_forget_days_parse():
    settings = load_settings({"LOG_FORMAT": "JSON", "FORGET_LEFT_SERVERS_DAYS": "7"})
    assert settings.log_format == "json" and settings.forget_left_servers_days == 7


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HEALTH_ADDRESS": "9100"}, "HEALTH_ADDRESS must be host:port"),
        ({"HEALTH_ADDRESS": ":9100"}, "HEALTH_ADDRESS must be host:port"),
        ({"HEALTH_ADDRESS": "127.0.0.1:65536"}, "port from 0 to 65535"),
        ({"HEALTH_ADDRESS": "127.0.0.1:http"}, "port from 0 to 65535"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be text or json"),
        ({"FORGET_LEFT_SERVERS_DAYS": "0"}, "FORGET_LEFT_SERVERS_DAYS must be a whole number from 1"),
        ({"FORGET_LEFT_SERVERS_DAYS": "2.5"}, "FORGET_LEFT_SERVERS_DAYS must be a whole number from 1"),
    ],
)
def test_bad_operations_settings_name_the_key(env, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(env)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("DATABASE_URL", "postgres://bot:s3cretpw@db host/heartstopper"),  # a stray space
        ("DATABASE_URL", "mysql://bot:s3cretpw@db/heartstopper"),  # another scheme
        ("DATABASE_URL", "bot:s3cretpw@db/heartstopper"),  # no scheme
        ("DATABASE_URL", "postgresql://bot@db/heartstopper?password=s3cretpw extra"),
        ("REDIS_URL", "redis://:s3cretpw@cache 6379/0"),
        ("REDIS_URL", "http://:s3cretpw@cache:6379/0"),
        ("DISCORD_API_BASE", "ftp://proxy:s3cretpw@proxy.internal/api"),
        ("DISCORD_GATEWAY_URL", "https://proxy:s3cretpw@gateway.internal"),
    ],
)
def test_a_bad_url_setting_is_named_but_never_echoed(key, value):
    with pytest.raises(SettingsError) as caught:
        load_settings({key: value})
    message = str(caught.value)
    assert message.startswith(f"{key} must be a URL starting with") and "not shown" in message
    assert "s3cretpw" not in message and "bot:" not in message


def test_shards_parse():
    settings = load_settings({"SHARD_COUNT": "4", "SHARD_IDS": "3, 1"})
    assert settings.shard_count == 4 and settings.shard_ids == (1, 3)


def test_secrets_name_the_token_and_every_password_in_a_url():
    settings = load_settings(
        {
            "DISCORD_TOKEN": "tok.en.value",
            "DATABASE_URL": "postgresql://bot:pw-one@db/heartstopper?password=pw-two",
            "REDIS_URL": "redis://:pw-three@cache:6379/0",
            "DISCORD_API_BASE": "https://proxy:pw-four@proxy.internal/api/v10",
        }
    )
    assert {"tok.en.value", "pw-one", "pw-two", "pw-three", "pw-four"} <= set(settings.secrets())
    assert load_settings({}).secrets() == []
