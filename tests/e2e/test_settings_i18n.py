"""Who reads which language: ``/settings language``, ``/settings show`` in the moderator's own language,
``auto`` following the server's preferred locale, and a stored reason rendered for whoever reads it.

Every expectation is ``render(message, locale)`` of the message the bot uses, never a translation
written here: the tests hold whether or not a language's catalogue has the message yet, and become
real checks of the translation the moment it lands.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

from bot.domain.models import Catalog
from bot.domain.outbox import Kind, State
from bot.i18n import Text, _, render
from bot.i18n.locales import NAMES
from bot.i18n.text import from_stored
from bot.localdiscord import builders as b
from bot.localdiscord.server import LocalDiscord
from bot.ui.checks import MODERATOR_PERMISSION
from tests.clocks import ManualClock
from tests.conftest import settle, start_bot

Json = dict[str, Any]

MOD = b.MODERATOR_PERMS
CHOSEN = "{language} (chosen with `/settings language`)"
AUTO = "{language}: auto, the server's primary language in Discord"


def _fields(answer: Json) -> dict[str, str]:
    return {f["name"]: f["value"] for f in answer["data"]["embeds"][0]["fields"]}


async def _cast_card(fake: LocalDiscord, guild: Json, **who: Any) -> Json:
    """``/cast name:Nick``: a public answer, so in the server's language whoever asks."""
    answer: Json = await fake.reply_to(await fake.slash("cast", guild, name="Nick", **who))
    assert "flags" not in answer["data"] or not int(answer["data"]["flags"]) & 64, "/cast answers in public"
    return answer


def _cast_words(locale: str) -> list[str]:
    return [render(_(word), locale) for word in ("Character", "Played by", "School or relation", "Seasons")]


async def _language(fake: LocalDiscord, guild: Json, value: str, *, user_locale: str = "en-US") -> Json:
    answer: Json = await fake.reply_to(
        await fake.slash("settings language", guild, language=value, permissions=MOD, user_locale=user_locale)
    )
    return answer


async def test_settings_language_sets_the_language_of_public_answers(
    fake: LocalDiscord, tmp_path: Path, catalog: Catalog
) -> None:
    guild = fake.add_guild()  # preferred locale en-US
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog)
    try:
        before = await _cast_card(fake, guild)
        assert list(_fields(before))[:4] == _cast_words("en")

        answer = await _language(fake, guild, "pt-BR", user_locale="de")
        assert int(answer["data"]["flags"]) & 64  # private: in the moderator's own language, German
        now = _(CHOSEN, language=NAMES["pt-BR"])
        assert answer["data"]["content"] == render(_reply_text(now), "de")
        assert (await handle.services.settings.get(int(guild["id"]))).language == "pt-BR"

        # Whoever asks, in whatever language their Discord is: a public answer is in Portuguese now.
        for user_locale in ("en-GB", "fr", "de"):
            card = await _cast_card(fake, guild, user_locale=user_locale)
            assert list(_fields(card))[:4] == _cast_words("pt-BR"), user_locale
        # ...while what a member reads privately stays in their own language (a refusal, here in French).
        refused = await fake.reply_to(await fake.slash("settings show", guild, user_locale="fr"))
        assert refused["data"]["flags"] == 64
        expected = _("You need the **{permission}** permission to use this.", permission=MODERATOR_PERMISSION)
        assert refused["data"]["content"] == render(expected, "fr")
    finally:
        await handle.stop()


def _reply_text(language: Text) -> Text:
    return _(
        "Replies everyone sees, game messages and the bot's own posts here are now in: {language}. "
        "Private replies stay in each member's own Discord language.",
        language=language,
    )


async def test_auto_follows_the_servers_preferred_locale(fake: LocalDiscord, tmp_path: Path, catalog: Catalog) -> None:
    guild = fake.add_guild(preferred_locale="fr")
    guild_id = int(guild["id"])
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog)
    try:
        assert list(_fields(await _cast_card(fake, guild)))[:4] == _cast_words("fr")  # nothing chosen yet
        await _language(fake, guild, "pt-BR")
        assert list(_fields(await _cast_card(fake, guild)))[:4] == _cast_words("pt-BR")

        answer = await _language(fake, guild, "auto")
        followed = _(AUTO, language=NAMES["fr"])
        assert answer["data"]["content"] == render(_reply_text(followed), "en")
        assert (await handle.services.settings.get(guild_id)).language is None  # auto is stored as NULL
        assert list(_fields(await _cast_card(fake, guild)))[:4] == _cast_words("fr")

        show = await fake.reply_to(await fake.slash("settings show", guild, permissions=MOD, user_locale="es-419"))
        assert _fields(show)[render(_("Language in public"), "es-ES")] == render(followed, "es-ES")
    finally:
        await handle.stop()


async def test_a_server_in_a_language_we_do_not_speak_gets_english(
    fake: LocalDiscord, tmp_path: Path, catalog: Catalog
) -> None:
    guild = fake.add_guild(preferred_locale="ja")
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog)
    try:
        assert list(_fields(await _cast_card(fake, guild)))[:4] == _cast_words("en")
        show = await fake.reply_to(await fake.slash("settings show", guild, permissions=MOD, user_locale="pt-BR"))
        unspoken = _(
            "{language}: auto (the server's primary language in Discord, `{code}`, is not one I speak)",
            language=NAMES["en"],
            code="ja",
        )
        assert _fields(show)[render(_("Language in public"), "pt-BR")] == render(unspoken, "pt-BR")
    finally:
        await handle.stop()


async def test_a_german_moderator_reads_settings_show_in_german(
    fake: LocalDiscord, tmp_path: Path, catalog: Catalog
) -> None:
    guild = fake.add_guild()
    channel_id = fake.channel_ids(guild)[0]
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog)
    try:
        await _language(fake, guild, "fr")  # what the server reads in public does not change what she reads
        await fake.reply_to(await fake.slash("settings countdown-channel", guild, channel=channel_id, permissions=MOD))
        await fake.reply_to(
            await fake.slash("settings daily-question", guild, channel=channel_id, time="18:00", permissions=MOD)
        )
        show = await fake.reply_to(await fake.slash("settings show", guild, permissions=MOD, user_locale="de"))
        assert show["data"]["flags"] == 64
        embed = show["data"]["embeds"][0]
        assert embed["title"] == render(_("⚙️ Server settings"), "de")
        names = [
            _("Spoiler horizon"),
            _("Language in public"),
            _("Daily countdown"),
            _("Question of the day"),
            _("Release events"),
            _("Trivia"),
        ]
        assert [f["name"] for f in embed["fields"]] == [render(n, "de") for n in names]
        assert embed["footer"]["text"] == render(_("Change a setting with the /settings commands."), "de")
        fields = _fields(show)
        assert fields[render(_("Language in public"), "de")] == render(_(CHOSEN, language=NAMES["fr"]), "de")
        mention = f"<#{channel_id}>"
        countdown = fields[render(_("Daily countdown"), "de")].splitlines()
        assert countdown[0] == render(_("Channel: {channel} (on)", channel=mention), "de")
        health = _("{channel}: ✅ can view, send and embed", channel=mention)
        assert countdown[-1] == render(_("Health: {summary}", summary=health), "de")
        off = fields[render(_("Release events"), "de")]
        assert off == render(_("Off (`/settings release-events state:on`)"), "de")
    finally:
        await handle.stop()


async def test_a_stored_reason_is_shown_in_the_language_of_whoever_reads_it(
    fake: LocalDiscord, tmp_path: Path, catalog: Catalog, manual_clock: ManualClock
) -> None:
    """The channel is gone (Discord says 404): the countdown turns itself off and the outbox gives the post up,
    each keeping its reason as a message; a German and an English moderator each read it in their language."""
    guild = fake.add_guild()
    guild_id, channel_id = int(guild["id"]), fake.channel_ids(guild)[0]
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
    try:
        await fake.reply_to(await fake.slash("settings countdown-channel", guild, channel=channel_id, permissions=MOD))
        await fake.reply_to(
            await fake.slash("settings countdown-time", guild, time="18:30", timezone="Europe/London", permissions=MOD)
        )
        fake.inject("POST", rf"^/channels/{channel_id}/messages$", 404, body={"code": 10003, "message": "Unknown"})
        await manual_clock.set(dt.datetime(2026, 11, 25, 18, 30, 1, tzinfo=dt.UTC))
        await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$")
        record = None
        for _attempt in range(300):
            record = await handle.services.outbox.latest(guild_id, Kind.COUNTDOWN)
            if record is not None and record.state is State.ABANDONED:
                break
            await asyncio.sleep(0.02)
        await settle()
        assert record is not None and record.state is State.ABANDONED
        assert isinstance(record.reason, Text), "the outbox keeps its reason as a message, not as English"
        config = await handle.services.settings.get(guild_id)
        assert not config.countdown_enabled and config.countdown_disabled_reason
        turned_off = from_stored(config.countdown_disabled_reason)
        assert turned_off is not None

        for locale, user_locale in (("de", "de"), ("en", "en-US")):
            show = await fake.reply_to(
                await fake.slash("settings show", guild, permissions=MOD, user_locale=user_locale)
            )
            countdown = _fields(show)[render(_("Daily countdown"), locale)]
            assert countdown.splitlines()[0] == render(
                _("Channel: {channel} (**off**)", channel=f"<#{channel_id}>"), locale
            )
            assert render(record.reason, locale) in countdown, locale
            because = _("Turned off because {reason}. Set the channel again to resume.", reason=turned_off)
            assert render(because, locale) in countdown.splitlines(), locale
    finally:
        await handle.stop()
