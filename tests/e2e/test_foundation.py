"""Start-up, command sync, /about, the error policy, 429 retries and gateway resume, over the stand-in."""

from __future__ import annotations

import asyncio

from discord import app_commands

from bot import __version__
from bot.localdiscord.spec import spec_available
from tests.conftest import start_bot


async def test_start_ready_and_command_sync_body(running, fake):
    [sync] = fake.find("PUT", r"^/applications/\d+/commands$")
    names = sorted(c["name"] for c in sync.body)
    assert names == ["about", "cast", "countdown", "episode", "episodes", "event", "privacy", "settings", "trivia"]
    settings = next(c for c in sync.body if c["name"] == "settings")
    assert int(settings["default_member_permissions"]) == 1 << 5  # Manage Server
    identify = fake.identifies[0]
    assert identify["intents"] == 1  # guilds only, no privileged intent
    assert all(c["description"] for c in sync.body)


async def test_about_answers_with_embed(running, fake):
    guild = next(iter(fake.guilds.values()))
    inter = await fake.slash("about", guild)
    reply = await fake.reply_to(inter)
    assert reply["type"] == 4
    embed = reply["data"]["embeds"][0]
    assert "heartstopper-bot" in embed["title"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    counts = running.services.catalog.counts()  # derived, never hard-coded: content changes
    assert f"{counts['cast']} cast members" in fields["Content"] and fields["Version"] == __version__
    assert {"Uptime", "Latency"} <= fields.keys()


async def test_handler_that_raises_gets_apology_and_bot_keeps_running(running, fake):
    @app_commands.command(name="boom", description="always fails")
    async def boom(interaction):
        raise RuntimeError("secret internals")

    running.bot.tree.add_command(boom)
    fake.commands["global"].append({"name": "boom", "id": "1", "options": []})
    guild = next(iter(fake.guilds.values()))
    reply = await fake.reply_to(await fake.slash("boom", guild))
    assert reply["data"]["flags"] == 64
    assert "something went wrong" in reply["data"]["content"]
    assert "secret" not in reply["data"]["content"]
    again = await fake.reply_to(await fake.slash("about", guild))
    assert again["type"] == 4


async def test_429_on_send_is_retried_and_delivered(running, fake):
    guild = next(iter(fake.guilds.values()))
    channel_id = fake.channel_ids(guild)[0]
    fake.inject("POST", rf"^/channels/{channel_id}/messages$", 429, times=1)
    channel = running.bot.get_partial_messageable(channel_id)
    message = await asyncio.wait_for(channel.send("hello"), 10)
    assert message.id
    assert len(fake.find("POST", rf"^/channels/{channel_id}/messages$")) == 2
    assert fake.channel_posts(channel_id)[0]["allowed_mentions"] == {"parse": []}


async def test_gateway_reconnect_resumes_and_next_interaction_is_answered(running, fake):
    await fake.send_op(7)  # RECONNECT
    for _ in range(100):
        if fake.resumes:
            break
        await asyncio.sleep(0.05)
    assert fake.resumes and fake.resumes[0]["session_id"] == fake.session_id
    await asyncio.sleep(0.2)
    guild = next(iter(fake.guilds.values()))
    reply = await fake.reply_to(await fake.slash("about", guild))
    assert reply["type"] == 4


async def test_no_sync_on_second_start_with_same_tree(fake, tmp_path, catalog):
    fake.add_guild()
    db_path = tmp_path / "bot.sqlite3"
    first = await start_bot(fake, db_path, catalog)
    await first.stop()
    assert len(fake.find("PUT", r"/commands$")) == 1
    second = await start_bot(fake, db_path, catalog)
    await second.stop()
    assert len(fake.find("PUT", r"/commands$")) == 1


def test_the_discord_spec_copy_is_loaded_so_schema_checks_run():
    # The `fake` fixture checks every request body against Discord's OpenAPI description; the
    # repository carries it (tests/discord-api-spec), so the checks never silently switch off.
    assert spec_available(), "tests/discord-api-spec/openapi.json.gz or jsonschema is missing"
