"""Each language for real: what a fan server in Portuguese, Spanish, French or German sees, end to end.

The other ``*_i18n`` tests check who reads which language by rendering the same message both ways; these
check that the shipped translations are there at all, with a few literal words per language, in the four
things a server sees most: a cast card, a trivia game, the daily countdown post and the question of the
day. And the command list as Discord receives it: every command's name in every language (``/elenco``).
"""

from __future__ import annotations

import datetime as dt

import pytest
from discord.utils import escape_markdown

from bot.localdiscord import builders as b
from tests.conftest import daily_countdown, settle, start_bot

MEMBER = b.user(8100, "fan")


@pytest.mark.parametrize(
    ("locale", "character", "trivia", "days_to_go", "nick"),
    [
        ("pt-BR", "Personagem", "💕 Quiz de Heartstopper!", "Dias restantes", "Jogador de rúgbi"),
        ("es-ES", "Personaje", "💕 ¡Trivia de Heartstopper!", "Días restantes", "Jugador de rugby"),
        ("fr", "Personnage", "💕 Quiz Heartstopper\N{NO-BREAK SPACE}!", "Jours restants", "Joueur de rugby"),
        ("de", "Figur", "💕 Heartstopper-Quiz!", "Verbleibende Tage", "Beliebter, warmherziger Rugbyspieler"),
    ],
)
async def test_a_server_in_each_language_sees_the_card_the_game_and_both_daily_posts_in_it(
    fake, tmp_path, catalog, catalogs, manual_clock, locale, character, trivia, days_to_go, nick
):
    guild = fake.add_guild(channels=3, preferred_locale=locale)
    guild_id = int(guild["id"])
    general, countdown, daily = fake.channel_ids(guild)[:3]
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock, catalogs=catalogs)
    content = handle.services.content
    try:
        # A lookup everyone sees: the card in the server's language (the names stay as Netflix gives them).
        card = (await fake.reply_to(await fake.slash("cast", guild, name="Nick", user_obj=MEMBER)))["data"]
        embed = card["embeds"][0]
        assert embed["title"] == "Nick Nelson · Kit Connor"
        assert embed["description"].startswith(nick)
        assert embed["fields"][0]["name"] == character

        # A game: its opening, the question and the buttons in the server's language.
        start = await fake.reply_to(await fake.slash("trivia start", guild, questions=1, user_obj=MEMBER))
        assert start["data"]["embeds"][0]["title"] == trivia
        [posted] = await fake.wait_for("POST", rf"^/channels/{general}/messages$")
        asked = handle.services.trivia.live_in(general).game.current
        localized, english = content.question(asked.question, locale), asked.question
        assert localized.prompt != english.prompt  # translated, not the English fallback
        assert posted.body["embeds"][0]["description"].startswith(f"**{escape_markdown(localized.prompt)}**")
        await manual_clock.advance(30)  # the question closes; the game ends
        await settle()

        # The daily countdown post and the question of the day, posted on their own.
        await daily_countdown(handle.services, guild_id, countdown)  # 09:00 UTC
        await handle.services.daily.set_schedule(guild_id, daily, "09:00", "UTC")
        await manual_clock.set(dt.datetime(2026, 11, 26, 9, 0, 5, tzinfo=dt.UTC))
        [post] = await fake.wait_for("POST", rf"^/channels/{countdown}/messages$")
        assert post.body["embeds"][0]["fields"][0]["name"] == days_to_go
        [question] = await fake.wait_for("POST", rf"^/channels/{daily}/messages$")
        day = await handle.services.daily._repo.question(guild_id, dt.date(2026, 11, 26))
        chosen = next(q for p in catalog.packs for q in p.questions if q.id == day.question_id)
        prompt = content.question(chosen, locale).prompt
        assert prompt != chosen.prompt
        assert question.body["embeds"][0]["description"].startswith(f"**{escape_markdown(prompt)}**")
    finally:
        await handle.stop()


async def test_an_english_server_answers_a_portuguese_member_privately_in_portuguese_and_in_public_in_english(
    fake, tmp_path, catalog, catalogs
):
    english, brazilian = fake.add_guild(), fake.add_guild(preferred_locale="pt-BR")
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, catalogs=catalogs)
    try:
        # Public: the server's language, whoever asks.
        card = await fake.reply_to(await fake.slash("cast", english, name="Nick", user_obj=MEMBER, user_locale="pt-BR"))
        assert card["data"]["embeds"][0]["fields"][0]["name"] == "Character"
        # Private: the member's own Discord language.
        wrong = await fake.reply_to(
            await fake.slash("episode", english, which="S9E9", user_obj=MEMBER, user_locale="pt-BR")
        )
        assert wrong["data"]["flags"] == 64 and "temporada" in wrong["data"]["content"].lower()
        # And the reverse: an English member in a Portuguese server.
        card = await fake.reply_to(await fake.slash("cast", brazilian, name="Nick", user_obj=MEMBER))
        assert card["data"]["embeds"][0]["fields"][0]["name"] == "Personagem"
        wrong = await fake.reply_to(await fake.slash("episode", brazilian, which="S9E9", user_obj=MEMBER))
        assert wrong["data"]["flags"] == 64 and "season" in wrong["data"]["content"].lower()
    finally:
        await handle.stop()


async def test_discord_receives_every_commands_name_and_description_in_every_language(fake, tmp_path, catalog):
    """What makes ``/elenco`` appear in a Portuguese member's command list, and ``/cast`` in an English one's."""
    fake.add_guild()
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog)
    try:
        [synced] = fake.find("PUT", r"^/applications/\d+/commands$")
        commands = {c["name"]: c for c in synced.body}
        assert commands["cast"]["name_localizations"] == {
            "pt-BR": "elenco",
            "es-ES": "reparto",
            "es-419": "reparto",
            "fr": "distribution",
            "de": "besetzung",
        }
        # Every description in every language; a name only where the language's word differs ("name" is
        # "name" in German too, and Discord shows the default then).
        every = {"pt-BR", "es-ES", "es-419", "fr", "de"}
        for command in synced.body:
            assert set(command["description_localizations"]) == every, command["name"]
            for option in command.get("options") or []:
                assert set(option["description_localizations"]) == every, (command["name"], option["name"])
                assert set(option.get("name_localizations") or {}) <= every
        # The request passed the OpenAPI checks like every other (``fake`` fails the test otherwise).
    finally:
        await handle.stop()
