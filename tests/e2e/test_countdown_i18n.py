"""/countdown, /event, the daily post, /episode and the release events in the reader's language.

Every expectation is the English message rendered for the locale (``render``) or the content looked up
for it (``LocalizedContent``), so these tests hold whether the translations exist yet or not, and become
real checks of the language once they do. The lookups of localized titles and aliases use translations
written here, into a copy of the English ``data/`` (never the real translations, which may be mid-edit).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from discord.utils import format_dt

from bot.content.loader import load_catalog
from bot.content.translations import load_translations
from bot.domain import countdown as cd
from bot.domain.models import Catalog
from bot.i18n import _, render
from bot.localdiscord import builders as b
from tests.conftest import DATA, daily_countdown, start_bot

MOD = b.MODERATOR_PERMS
PT_TITLE = "Um Beijo Inesquecível"  # S1E3's title in the fixture (in English: Kiss)
PT_CAST_ALIAS = "Nicolau"  # Nick Nelson's alias in the fixture
PT_RELEASE_ALIAS = "Terceira temporada"  # Season 3's alias in the fixture
PT_FILM_NOTE = "O filme de encerramento, ainda sem data."  # Heartstopper Forever's note in the fixture


@pytest.fixture
def catalogs(tmp_path: Path) -> dict[str, Catalog]:  # this module's own, over conftest's
    """The English content with a small pt-BR translation of our own (a title, an alias, a note)."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("translations"))
    folder = data / "translations" / "pt-BR"
    folder.mkdir(parents=True)
    (folder / "episodes.yaml").write_text(
        f"episodes:\n  S1E3:\n    title: {PT_TITLE}\n    title_source: https://example.com/netflix-br-s1e3\n",
        encoding="utf-8",
    )
    (folder / "cast.yaml").write_text(
        "cast:\n  nick-nelson:\n    description: Jogador de rúgbi.\n    school_or_relation: Truham\n"
        f"    aliases: [{PT_CAST_ALIAS}]\n",
        encoding="utf-8",
    )
    (folder / "releases.yaml").write_text(
        f"releases:\n  season-3:\n    note: A terceira temporada.\n    aliases: [{PT_RELEASE_ALIAS}]\n"
        f"  heartstopper-forever:\n    note: {PT_FILM_NOTE}\n",
        encoding="utf-8",
    )
    return load_translations(data, load_catalog(data))


async def test_countdown_in_a_french_server_says_to_go_in_french(fake, tmp_path, catalog, manual_clock):
    guild = fake.add_guild(preferred_locale="fr")
    guild_id = int(guild["id"])
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
    try:
        event = await handle.services.countdown.add_event(
            guild_id, 1, name="Soirée visionnage", date="2026-12-24", time=None, timezone="Europe/Paris"
        )
        answer = await fake.reply_to(await fake.slash("countdown", guild))
        embed = answer["data"]["embeds"][0]
        left = cd.time_between(manual_clock.now(), event.starts_at)
        when = f"{format_dt(event.starts_at, 'D')} ({format_dt(event.starts_at, 'R')})"
        assert embed["description"] == render(_("**{left}** to go!\n{when}", left=left.describe(), when=when), "fr")
        assert embed["title"] == "⏳ Soirée visionnage"  # a server's event keeps the name it was given
        assert embed["footer"]["text"] == render(_("Server event"), "fr")
        assert "flags" not in answer["data"] or not answer["data"]["flags"] & 64  # public
    finally:
        await handle.stop()


async def test_a_spanish_member_gets_private_answers_in_spanish_in_a_french_server(fake, tmp_path, catalog):
    guild = fake.add_guild(preferred_locale="fr")
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog)
    try:
        bad = await fake.reply_to(
            await fake.slash("event add", guild, name="Fiesta", date="2026-02-30", permissions=MOD, user_locale="es-ES")
        )
        assert bad["data"]["flags"] == 64
        expected = _("{text} is not a day in the calendar: check the month and day (YYYY-MM-DD).", text="`2026-02-30`")
        assert bad["data"]["content"] == render(expected, "es-ES")
        zone = await fake.reply_to(
            await fake.slash(
                "event add",
                guild,
                name="Fiesta",
                date="2030-01-01",
                timezone="Mars/Olympus",
                permissions=MOD,
                user_locale="es-419",  # Latin American Spanish is served the Spanish of Spain
            )
        )
        not_a_zone = _(
            "{text} is not a time zone: pick an IANA name from the list, like Europe/London.", text="`Mars/Olympus`"
        )
        assert zone["data"]["content"] == render(not_a_zone, "es-ES")
        added = await fake.reply_to(
            await fake.slash("event add", guild, name="Fiesta", date="2030-01-01", permissions=MOD, user_locale="es-ES")
        )
        starts = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)  # the server has no countdown zone: UTC
        said = _(
            "Added **{name}**: {when} ({relative}).",
            name="Fiesta",
            when=format_dt(starts, "D"),
            relative=format_dt(starts, "R"),
        )
        assert added["data"]["flags"] == 64 and added["data"]["content"] == render(said, "es-ES")
    finally:
        await handle.stop()


async def test_the_daily_post_is_in_the_servers_language(fake, tmp_path, catalog, manual_clock):
    guild = fake.add_guild(channels=1, preferred_locale="de")
    guild_id, channel_id = int(guild["id"]), fake.channel_ids(guild)[0]
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
    try:
        await daily_countdown(handle.services, guild_id, channel_id)  # 09:00 UTC, "Watch party" on 2027-06-01
        due = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
        await manual_clock.set(due + dt.timedelta(seconds=5))
        [post] = await fake.wait_for("POST", rf"^/channels/{channel_id}/messages$")
        embed = post.body["embeds"][0]
        party = dt.datetime(2027, 6, 1, tzinfo=dt.UTC)
        days = cd.days_until(party, due, "UTC")
        headline = cd.milestone_headline(cd.milestone_for(days), "Watch party", days)
        assert embed["title"] == f"⏳ {render(headline, 'de')}"
        assert embed["footer"]["text"] == render(_("Daily countdown · /countdown for details"), "de")
        assert embed["fields"][0] == {"name": render(_("Days to go"), "de"), "value": str(days), "inline": True}
    finally:
        await handle.stop()


async def test_a_localized_title_finds_the_episode_and_a_portuguese_server_shows_it(fake, tmp_path, catalog, catalogs):
    english = fake.add_guild()
    brazilian = fake.add_guild(preferred_locale="pt-BR")
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, catalogs=catalogs)
    try:
        # Typed without the accent, in an English server: found, and shown in English.
        found = await fake.reply_to(await fake.slash("episode", english, which="beijo inesquecivel"))
        assert found["data"]["embeds"][0]["title"] == "S1E3 · Kiss"
        # In a Portuguese server: the Portuguese title.
        shown = await fake.reply_to(await fake.slash("episode", brazilian, which=PT_TITLE))
        assert shown["data"]["embeds"][0]["title"] == f"S1E3 · {PT_TITLE}"
        # Suggestions while typing, labelled in the member's own language.
        typing = await fake.reply_to(await fake.autocomplete("episode", english, "which", "beijo", user_locale="pt-BR"))
        first = typing["data"]["choices"][0]
        assert first == {"name": f"S1E3 · {PT_TITLE}", "value": "S1E3"}
        # The Portuguese season list carries the Portuguese title too.
        season = await fake.reply_to(await fake.slash("episodes", brazilian, season=1))
        assert f"**{PT_TITLE}**" in season["data"]["embeds"][0]["description"]
    finally:
        await handle.stop()


async def test_localized_aliases_find_cast_and_releases(fake, tmp_path, catalog, catalogs):
    brazilian = fake.add_guild(preferred_locale="pt-BR")
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, catalogs=catalogs)
    try:
        card = await fake.reply_to(await fake.slash("cast", brazilian, name=PT_CAST_ALIAS.lower()))
        assert card["data"]["embeds"][0]["title"] == "Nick Nelson · Kit Connor"
        season3 = await fake.reply_to(await fake.slash("countdown", brazilian, release="terceira temporada"))
        assert "Heartstopper Season 3" in season3["data"]["embeds"][0]["title"]
        typing = await fake.reply_to(await fake.autocomplete("countdown", brazilian, "release", "terceira"))
        assert typing["data"]["choices"][0]["value"] == "Heartstopper Season 3"
        # An undated release's note in the server's language.
        film = await fake.reply_to(await fake.slash("countdown", brazilian, release="Heartstopper Forever"))
        description = film["data"]["embeds"][0]["description"]
        assert description == render(_("**No date yet.** {note}", note=PT_FILM_NOTE), "pt-BR")
    finally:
        await handle.stop()


async def test_scheduled_events_speak_the_servers_language_and_follow_a_change(fake, tmp_path, catalog, manual_clock):
    guild = fake.add_guild(bot_permissions=b.MEMBER_PERMS | b.CREATE_EVENTS, preferred_locale="fr")
    guild_id = int(guild["id"])
    events = r"^/guilds/\d+/scheduled-events"
    described = _("A countdown event from this server (/event list).\nCounting down with /countdown.")
    handle = await start_bot(fake, tmp_path / "bot.sqlite3", catalog, clock=manual_clock)
    try:
        await handle.services.countdown.add_event(
            guild_id, 1, name="Soirée", date="2027-06-01", time=None, timezone=None
        )
        await handle.services.release_events.set_enabled(guild_id, True)
        [made] = await fake.wait_for("POST", events)
        assert made.body["name"] == "Soirée"
        assert made.body["description"] == render(described, "fr")
        # The server's language changes: the event is rewritten in the new one, not made again.
        await handle.services.language.set_language(guild_id, "de")
        handle.bot.dispatch("server_language_changed", guild_id)
        [edited] = await fake.wait_for("PATCH", events)
        assert edited.body["description"] == render(described, "de")
        assert len(fake.find("POST", events)) == 1
    finally:
        await handle.stop()
