"""Logs never carry a secret: not in the message, its arguments, an exception's text or traceback, or a
stack; in the text format and in JSON lines. And JSON lines name the server and command they were
logged for, end to end through the real bot."""

from __future__ import annotations

import io
import json
import logging
import sys
from types import SimpleNamespace

import pytest
from discord import app_commands

from bot.log import log_context, setup_logging
from bot.metrics import REGISTRY
from bot.redaction import redact_url, secrets_in
from bot.ui.tree import observed
from tests.conftest import start_bot

TOKEN = "MTIzNDU2Nzg5.Gabcde.s3cr3t-t0ken_value"
USERINFO_URL = "postgresql://bot:pa55-in-userinfo@db.internal:5432/heartstopper"
QUERY_URL = "postgresql://bot@db.internal/heartstopper?sslmode=require&password=pa55%2Bin%2Fquery"
REDIS_URL = "redis://:redis-pa55@cache.internal:6379/0"
PASSWORDS = ("pa55-in-userinfo", "pa55%2Bin%2Fquery", "pa55+in/query", "redis-pa55")


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch):
    """setup_logging as the bot calls it, writing to a string; the test session's logging put back after."""
    root, discord_log = logging.getLogger(), logging.getLogger("discord")
    saved = (list(root.handlers), root.level, discord_log.level)
    stream = io.StringIO()

    def install(fmt: str) -> io.StringIO:
        monkeypatch.setattr(sys, "stderr", stream)  # here, not at set-up: pytest swaps stderr per phase
        secrets = [TOKEN, *secrets_in(USERINFO_URL), *secrets_in(QUERY_URL), *secrets_in(REDIS_URL)]
        setup_logging("INFO", secrets=secrets, fmt=fmt)
        return stream

    yield install
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])
    discord_log.setLevel(saved[2])


def _connect() -> None:
    raise ConnectionError(f"password authentication failed for {USERINFO_URL} and {QUERY_URL}")


def _log_a_failure_carrying_every_secret() -> None:
    log = logging.getLogger("bot.test")
    try:
        try:
            _connect()
        except ConnectionError as exc:
            # The token is a literal on this line, so the traceback's source line carries it as well.
            raise RuntimeError("login as MTIzNDU2Nzg5.Gabcde.s3cr3t-t0ken_value failed") from exc
    except RuntimeError:
        log.exception("start-up failed with token %s and redis %s", TOKEN, REDIS_URL, stack_info=True)


def _assert_clean(output: str) -> None:
    assert TOKEN not in output
    for password in PASSWORDS:
        assert password not in output, password


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_an_exception_carrying_the_token_and_passwords_is_logged_without_them(captured, fmt):
    stream = captured(fmt)
    _log_a_failure_carrying_every_secret()
    output = stream.getvalue()
    _assert_clean(output)
    # ...and everything else is still there, so the line is worth reading.
    assert "Traceback (most recent call last)" in output and "ConnectionError" in output
    assert "The above exception was the direct cause" in output and "Stack (most recent call last)" in output
    assert "db.internal" in output and "[redacted]" in output


def test_json_lines_have_the_documented_fields(captured):
    stream = captured("json")
    _log_a_failure_carrying_every_secret()
    with log_context(guild_id=2**63 + 5, command="trivia start"):
        logging.getLogger("bot.test").warning("inside an interaction")
    logging.getLogger("discord.gateway").info("outside any interaction")
    first, inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["level"] == "ERROR" and first["logger"] == "bot.test"
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert first["exception"].startswith("Traceback") and "stack" in first
    assert inside["server"] == str(2**63 + 5) and inside["command"] == "trivia start"  # a string: no 53-bit loss
    assert inside["message"] == "inside an interaction" and "exception" not in inside
    assert outside["logger"] == "discord.gateway" and "server" not in outside and "command" not in outside


def test_a_handler_discord_py_added_gets_the_redacting_formatter(captured):
    discord_log = logging.getLogger("discord")
    extra = logging.StreamHandler(io.StringIO())
    discord_log.addHandler(extra)
    try:
        captured("text")
        discord_log.propagate = False
        discord_log.warning("sending Authorization: Bot %s", TOKEN)
        assert TOKEN not in extra.stream.getvalue() and "[redacted]" in extra.stream.getvalue()
    finally:
        discord_log.propagate = True
        discord_log.removeHandler(extra)


async def test_a_component_observed_is_logged_with_its_server_and_counted(captured):
    stream = captured("json")
    labels = {"type": "component", "command": "trivia answer", "outcome": "error"}
    before = REGISTRY.get_sample_value("heartstopper_interactions_total", labels) or 0
    click = SimpleNamespace(guild_id=42)
    with pytest.raises(RuntimeError):
        async with observed(click, "trivia answer"):
            logging.getLogger("cogs.trivia").info("answer clicked")
            raise RuntimeError("a bug")
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["server"] == "42" and line["command"] == "trivia answer"
    assert REGISTRY.get_sample_value("heartstopper_interactions_total", labels) == before + 1


@pytest.mark.parametrize(
    ("url", "redacted", "secrets"),
    [
        ("postgresql://bot:s3cret@db/x", "postgresql://bot:***@db/x", ["s3cret"]),
        (
            "postgresql://bot@db/heartstopper?sslmode=require&password=s3cret",
            "postgresql://bot@db/heartstopper?sslmode=require&password=***",
            ["s3cret"],
        ),
        (
            "postgres://bot@db/x?passfile=/etc/pgpass&sslpassword=k3y",
            "postgres://bot@db/x?passfile=***&sslpassword=***",
            ["/etc/pgpass", "k3y"],
        ),
        ("redis://:p%40ss@cache:6379/0", "redis://:***@cache:6379/0", ["p%40ss", "p@ss"]),
        ("postgresql://bot:p@ss@db/x", "postgresql://bot:***@db/x", ["p@ss"]),
        ("postgresql://bot@db/x?application_name=bot", "postgresql://bot@db/x?application_name=bot", []),
        ("bot:s3cret@db/x", "<a URL that could not be parsed>", ["bot:s3cret@db/x"]),  # no scheme://
    ],
)
def test_redact_url_masks_userinfo_and_query_passwords(url, redacted, secrets):
    assert redact_url(url) == redacted
    found = secrets_in(url)
    assert set(secrets) <= set(found)
    for secret in found:
        assert secret not in redact_url(url) or redact_url(url).startswith("<")


async def test_json_log_lines_name_the_server_and_command_end_to_end(captured, fake, tmp_path, catalog):
    """A command that fails inside the real bot: its error line is JSON with the server and command,
    and the traceback without the token or the database password."""
    stream = captured("json")
    guild = fake.add_guild()
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog)
    try:
        token = fake.env()["DISCORD_TOKEN"]
        setup_logging("INFO", secrets=[token, *secrets_in(USERINFO_URL)], fmt="json")  # to the same stream

        @app_commands.command(name="boom", description="always fails")
        async def boom(interaction):
            raise RuntimeError(f"cannot reach {USERINFO_URL} as {interaction.client.http.token}")

        handle.bot.tree.add_command(boom)
        fake.commands["global"].append({"name": "boom", "id": "1", "options": []})
        reply = await fake.reply_to(await fake.slash("boom", guild))
        assert "something went wrong" in reply["data"]["content"]
    finally:
        await handle.stop()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [failure] = [line for line in lines if line["logger"] == "bot.ui.tree" and line["level"] == "ERROR"]
    assert failure["server"] == guild["id"] and failure["command"] == "boom"
    assert "RuntimeError: cannot reach postgresql://bot:[redacted]@db.internal" in failure["exception"]
    output = stream.getvalue()
    assert token not in output and "pa55-in-userinfo" not in output
