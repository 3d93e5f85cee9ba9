"""Command names, descriptions, options and choices in Discord's own language menus.

discord.py asks an ``app_commands.Translator`` for every string of the command tree when it syncs;
this one answers from the same gettext catalogues as every reply, keyed by where the string sits
(``msgctxt``: ``command_name``, ``parameter_description``…), so ``/cast`` can be ``/elenco`` for a
member whose Discord is in Portuguese. A name must obey Discord's rules (1–32 characters, lowercase,
letters, digits, ``-`` and ``_``, unique among its siblings); ``name_problems`` lists any that would
be refused, and ``tests/test_i18n.py`` holds every language to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.i18n.catalogues import read
from bot.i18n.locales import DISCORD_LOCALES, SUPPORTED, TRANSLATED, discord_locale
from bot.i18n.text import catalogue

NAME = re.compile(r"^[-_\w]{1,32}$")  # Discord's rule for command, option and group names
NAMES = frozenset({Where.command_name, Where.group_name, Where.parameter_name})
TEXT_LIMIT = 100  # Discord's limit for a description and a choice's name
# "/settings countdown-channel" in a message: a command as a member types it
MENTION = re.compile(r"(?<![\w/<])/([a-z][a-z-]*(?: [a-z][a-z-]*)?)")


def context_of(location: Where) -> str:
    """The gettext context a string of the command tree is filed under."""
    return location.name


class CommandTranslator(app_commands.Translator):
    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        ours = discord_locale(locale.value)
        if ours is None or ours == "en":
            return None
        message = string.message
        translated = catalogue(ours).pgettext(context_of(context.location), message)
        if translated == message:
            return None  # not translated: Discord shows the English
        return translated


def command_strings(tree: app_commands.CommandTree[Any]) -> Iterator[tuple[str, str]]:
    """Every string of the tree a translator must supply, as (context, English)."""
    for command in tree.walk_commands():
        is_group = isinstance(command, app_commands.Group)
        yield context_of(Where.group_name if is_group else Where.command_name), command.name
        yield context_of(Where.group_description if is_group else Where.command_description), command.description
        if isinstance(command, app_commands.Command):
            for parameter in command.parameters:
                yield context_of(Where.parameter_name), parameter.name
                yield context_of(Where.parameter_description), parameter.description
                for choice in parameter.choices:
                    yield context_of(Where.choice_name), choice.name


def name_problems(tree: app_commands.CommandTree[Any]) -> list[str]:
    """Localized names Discord would refuse: the wrong shape, upper case, or two siblings with one name."""
    problems: list[str] = []
    for locale in TRANSLATED:
        translations = catalogue(locale)

        def name(where: Where, english: str, _translations: Any = translations) -> str:
            return str(_translations.pgettext(context_of(where), english))

        siblings: dict[str, list[tuple[str, str]]] = {}
        for command in tree.walk_commands():
            is_group = isinstance(command, app_commands.Group)
            localized = name(Where.group_name if is_group else Where.command_name, command.name)
            parent = command.parent.qualified_name if command.parent else ""
            siblings.setdefault(f"/{parent}", []).append((command.name, localized))
            if isinstance(command, app_commands.Command):
                options = [(p.name, name(Where.parameter_name, p.name)) for p in command.parameters]
                siblings[f"/{command.qualified_name} options"] = options
        for where, pairs in siblings.items():
            seen: dict[str, str] = {}
            for english, localized in pairs:
                if not NAME.match(localized) or localized != localized.lower():
                    problems.append(f"{locale}: {where}: {localized!r} (for {english!r}) is not a name Discord accepts")
                if localized in seen and seen[localized] != english:
                    problems.append(f"{locale}: {where}: {localized!r} names both {seen[localized]!r} and {english!r}")
                seen[localized] = english
    return problems


def text_problems(tree: app_commands.CommandTree[Any]) -> list[str]:
    """Localized descriptions and choice names longer than Discord takes (100 characters)."""
    problems: list[str] = []
    for locale in TRANSLATED:
        translations = catalogue(locale)
        for context, english in command_strings(tree):
            if context in {w.name for w in NAMES}:
                continue
            localized = str(translations.pgettext(context, english))
            if len(localized) > TEXT_LIMIT:
                problems.append(
                    f"{locale}: [{context}] {len(localized)} characters (at most {TEXT_LIMIT}): {localized!r}"
                )
    return problems


def localized_paths(tree: app_commands.CommandTree[Any], locale: str) -> dict[str, str]:
    """Every command and group as typed in English ("settings countdown-channel") and in ``locale``."""
    translations = catalogue(locale)
    paths: dict[str, str] = {}
    for command in tree.walk_commands():
        where = Where.group_name if isinstance(command, app_commands.Group) else Where.command_name
        own = str(translations.pgettext(context_of(where), command.name))
        parent = paths.get(command.parent.qualified_name) if command.parent else None
        paths[command.qualified_name] = f"{parent} {own}" if parent else own
    return paths


def mention_problems(tree: app_commands.CommandTree[Any]) -> list[str]:
    """Translated messages that name a command (``/privacy forget``) other than by its name in their language.

    A member whose Discord lists ``/privacidade esquecer`` must read that name in the bot's answers too."""
    problems: list[str] = []
    for locale in TRANSLATED:
        if (catalog := read(locale)) is None:
            continue
        paths = localized_paths(tree, locale)
        for message in catalog:
            english = message.id if isinstance(message.id, str) else message.id[0]
            strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
            for typed in MENTION.findall(english):
                words = typed.split(" ")
                known = next((" ".join(words[:n]) for n in (2, 1) if " ".join(words[:n]) in paths), None)
                if known is None:
                    continue
                wanted = "/" + paths[known]
                problems += [
                    f"{locale}: {english!r} names /{known}, so the translation must say {wanted}: {text!r}"
                    for text in strings
                    if text and wanted not in text
                ]
    return problems


def discord_locales_served() -> list[str]:
    """The Discord locales the commands are localized for (es-419 gets the Spanish of Spain)."""
    return [code for locale in SUPPORTED for code in DISCORD_LOCALES[locale]]
