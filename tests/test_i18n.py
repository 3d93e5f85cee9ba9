"""Every language whole: the messages, the command names Discord would accept, the content, the plural rules.

- every English message of the code and of the command tree is in every catalogue, translated, with
  the same placeholders and the language's number of plural forms (``bot.i18n.catalogues.check``);
- a localized command, group or option name obeys Discord's rules and is unique among its siblings;
- every content item (cast, episodes, releases, every question) exists in every language, each
  trivia option still fits a button (80 characters);
- plural rules come from CLDR: "1 dia" but "2 dias".
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.content.loader import load_catalog
from bot.content.translations import load_translations, missing
from bot.domain.models import Catalog
from bot.i18n import N_, _, render
from bot.i18n.catalogues import check, extract
from bot.i18n.locales import TRANSLATED
from bot.offline import offline_bot
from bot.ui.translator import command_strings, mention_problems, name_problems, text_problems

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = list(TRANSLATED)


@dataclass(frozen=True)
class Tree:
    strings: list[tuple[str, str]]  # every command name and description, with its context
    name_problems: list[str]  # localized names Discord would refuse
    text_problems: list[str]  # localized descriptions and choices longer than Discord takes
    mention_problems: list[str]  # translated messages naming a command other than as that language lists it


@pytest.fixture(scope="module")
def tree() -> Tree:
    """The command tree of the bot built offline, read once (on a loop of its own: a module's fixture)."""

    async def read() -> Tree:
        async with offline_bot() as bot:
            return Tree(
                list(command_strings(bot.tree)),
                name_problems(bot.tree),
                text_problems(bot.tree),
                mention_problems(bot.tree),
            )

    return asyncio.run(read())


@pytest.fixture(scope="module")
def template(tree: Tree):
    return extract(commands=tree.strings)


@pytest.mark.parametrize("locale", LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(locale, template):
    problems = check(locale, template)
    assert not problems, f"{len(problems)} problem(s) in {locale}:\n" + "\n".join(problems[:40])


def test_localized_command_names_are_names_discord_accepts(tree):
    assert tree.name_problems == []


def test_localized_descriptions_and_choices_fit_discords_limits(tree):
    assert tree.text_problems == []


def test_a_message_names_each_command_as_the_readers_discord_lists_it(tree):
    """ "Use `/privacy forget`" reads "`/privacidade esquecer`" where Discord lists the command so."""
    assert tree.mention_problems == []


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
