"""Every language whole: the messages, the command names Discord would accept, the content, the plural rules.

- every English message of the code and of the command tree is in every catalogue, translated, with
  the same placeholders and the language's number of plural forms (``bot.i18n.catalogues.check``);
- a localized command, group or option name obeys Discord's rules and is unique among its siblings;
- every content item (cast, episodes, releases, every question) exists in every language, each
  trivia option still fits a button (80 characters);
- plural rules come from CLDR: "1 dia" but "2 dias".
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import EXTENSIONS, HeartstopperBot
from bot.clock import SystemClock
from bot.content.loader import load_catalog
from bot.content.translations import load_translations, missing
from bot.domain.models import Catalog
from bot.i18n import N_, SUPPORTED, _, render
from bot.i18n.catalogues import check, extract
from bot.services import build_services
from bot.settings import load_settings
from bot.storage import open_database
from bot.storage.migrate import migrate
from bot.ui.translator import command_strings, name_problems

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = [locale for locale in SUPPORTED if locale != "en"]


@pytest.fixture(scope="module")
async def offline_bot() -> AsyncIterator[HeartstopperBot]:
    settings = load_settings({"DATABASE_PATH": ":memory:"})
    db = await open_database(":memory:")
    await migrate(db)
    services = build_services(db, load_catalog(settings.data_dir), SystemClock(), random.Random())
    bot = HeartstopperBot(settings=settings, services=services, sync_commands=False)
    await bot.load_features()
    yield bot
    for extension in EXTENSIONS:
        await bot.unload_extension(extension)
    await db.close()


@pytest.fixture(scope="module")
def template(offline_bot: HeartstopperBot):
    return extract(commands=command_strings(offline_bot.tree))


@pytest.mark.parametrize("locale", LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(locale, template):
    problems = check(locale, template)
    assert not problems, f"{len(problems)} problem(s) in {locale}:\n" + "\n".join(problems[:40])


def test_localized_command_names_are_names_discord_accepts(offline_bot):
    assert name_problems(offline_bot.tree) == []


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    english = load_catalog(ROOT / "data")
    return load_translations(ROOT / "data", english)


@pytest.mark.parametrize("locale", LANGUAGES)
def test_every_content_item_exists_in_every_language(locale, catalogs):
    gaps = missing(catalogs["en"], catalogs[locale])
    assert not gaps, f"{len(gaps)} item(s) still in English in {locale}: {gaps[:20]}"


@pytest.mark.parametrize("locale", LANGUAGES)
def test_every_translated_option_fits_a_button(locale, catalogs):
    too_long = [
        (q.id, option)
        for pack in catalogs[locale].packs
        for q in pack.questions
        for option in (q.answer, *q.wrong)
        if len(option) > 80
    ]
    assert not too_long


@pytest.mark.parametrize(
    ("locale", "one", "two"),
    [
        ("pt-BR", "1 dia", "2 dias"),
        ("es-ES", "1 día", "2 días"),
        ("fr", "1 jour", "2 jours"),
        ("de", "1 Tag", "2 Tage"),
    ],
)
def test_plural_rules_come_from_the_language(locale, one, two):
    assert render(N_("{n} day", "{n} days", n=1), locale) == one
    assert render(N_("{n} day", "{n} days", n=2), locale) == two


def test_a_message_nobody_translated_falls_back_to_english():
    assert (
        render(_("A sentence no catalogue has, {name}.", name="Nick"), "pt-BR") == "A sentence no catalogue has, Nick."
    )
