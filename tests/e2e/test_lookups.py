"""/cast, /episodes, /episode, autocomplete and spoiler tags, end to end."""

from __future__ import annotations

from bot.localdiscord import builders as b


def _guild(fake):
    return next(iter(fake.guilds.values()))


async def test_cast_without_name_lists_groups(running, fake):
    reply = await fake.reply_to(await fake.slash("cast", _guild(fake)))
    embed = reply["data"]["embeds"][0]
    names = [f["name"] for f in embed["fields"]]
    assert names[:4] == ["Truham", "Higgs", "Friends", "Families and adults"]
    assert "New in Season 3" in names
    assert any("Kit Connor" in f["value"] for f in embed["fields"])


async def test_cast_card_forgives_typos(running, fake):
    reply = await fake.reply_to(await fake.slash("cast", _guild(fake), name="olivia coleman"))
    embed = reply["data"]["embeds"][0]
    assert embed["title"] == "Sarah Nelson · Olivia Colman"
    assert any(f["name"] == "Sources" and "themarysue" in f["value"] for f in embed["fields"])


async def test_unknown_cast_name_is_ephemeral_and_echoes_harmlessly(running, fake):
    reply = await fake.reply_to(await fake.slash("cast", _guild(fake), name="@everyone **zzzz**"))
    assert reply["data"]["flags"] == 64
    content = reply["data"]["content"]
    assert content.startswith("No one called `@everyone **zzzz**`")
    assert reply["data"]["allowed_mentions"] == {"parse": []}


async def test_cast_autocomplete_answers_type_8(running, fake):
    inter = await fake.autocomplete("cast", _guild(fake), "name", "nik")
    reply = await fake.reply_to(inter)
    assert reply["type"] == 8
    choices = reply["data"]["choices"]
    assert 0 < len(choices) <= 25 and choices[0]["value"] == "Nick Nelson"


async def test_episodes_default_is_latest_season_with_timestamps(running, fake):
    reply = await fake.reply_to(await fake.slash("episodes", _guild(fake)))
    embed = reply["data"]["embeds"][0]
    assert embed["title"].endswith("Season 3")
    assert "**Love**" in embed["description"]
    assert "<t:1727938800:D>" in embed["fields"][0]["value"]


async def test_episodes_out_of_range_lists_valid_seasons(running, fake):
    reply = await fake.reply_to(await fake.slash("episodes", _guild(fake), season=7))
    assert reply["data"]["flags"] == 64 and "1, 2, 3" in reply["data"]["content"]


async def test_episode_by_code_and_title(running, fake):
    for which in ("S2E6", "2x06", "2 6", "2.6", "truth dare"):
        reply = await fake.reply_to(await fake.slash("episode", _guild(fake), which=which))
        assert reply["data"]["embeds"][0]["title"] == "S2E6 · Truth/Dare", which


async def test_episode_autocomplete(running, fake):
    reply = await fake.reply_to(await fake.autocomplete("episode", _guild(fake), "which", "kis"))
    assert reply["data"]["choices"][0]["value"] == "S1E3"


async def test_spoiler_tags_after_settings_spoilers_1(running, fake):
    guild = _guild(fake)
    member_reply = await fake.reply_to(await fake.slash("settings spoilers", guild, season=1))
    assert member_reply["data"]["flags"] == 64
    assert "need the **Manage Server**" in member_reply["data"]["content"]
    mod = await fake.reply_to(await fake.slash("settings spoilers", guild, season=1, permissions=b.MODERATOR_PERMS))
    assert "Season 1" in mod["data"]["content"]
    card = await fake.reply_to(await fake.slash("cast", guild, name="Isaac"))
    assert card["data"]["embeds"][0]["description"].startswith("||")
    episode = await fake.reply_to(await fake.slash("episode", guild, which="S3E1"))
    assert episode["data"]["embeds"][0]["description"].startswith("||")
    early = await fake.reply_to(await fake.slash("episode", guild, which="S1E1"))
    assert not early["data"]["embeds"][0]["description"].startswith("||")
    show = await fake.reply_to(await fake.slash("settings show", guild, permissions=b.MODERATOR_PERMS))
    fields = {f["name"]: f["value"] for f in show["data"]["embeds"][0]["fields"]}
    assert fields["Spoiler horizon"] == "Season 1"


async def test_cast_autocomplete_keeps_later_seasons_hidden_until_the_name_is_typed(running, fake):
    guild = _guild(fake)
    await fake.reply_to(await fake.slash("settings spoilers", guild, permissions=b.MODERATOR_PERMS, season=1))
    partial = await fake.reply_to(await fake.autocomplete("cast", guild, "name", "mich"))
    assert "Michael Holden" not in str(partial["data"]["choices"])  # first seen in Season 3
    typed = await fake.reply_to(await fake.autocomplete("cast", guild, "name", "Michael Holden"))
    assert "Michael Holden" in str(typed["data"]["choices"])


async def test_a_cast_member_without_a_confirmed_actor_says_so(running, fake):
    reply = await fake.reply_to(await fake.slash("cast", _guild(fake), name="Oliver"))
    embed = reply["data"]["embeds"][0]
    assert embed["title"] == "Oliver Spring"  # no actor is guessed
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Played by"] == "Actor not confirmed"
    assert "cousin" in fields["School or relation"]
