"""Keeping the catalogues whole: extract the English messages from the code, merge them into each
language's ``.po``, and check every language against them.

``python -m bot.i18n`` extracts every ``_("…")`` and ``N_("…", "…", n=…)`` from ``bot/`` and
``cogs/`` (Babel's extractor), writes ``bot/i18n/locales/bot.pot``, and merges it into each
language's ``bot.po``: new messages arrive empty (for a translator), gone ones are dropped,
translations stay. ``check(locale)`` lists what is wrong with a language: a message missing or left
empty, a placeholder that differs from the English (``{name}`` renamed or lost), a plural with the
wrong number of forms for the language. ``tests/test_i18n.py`` runs it for every language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from babel.messages import Catalog, pofile
from babel.messages.extract import extract_from_dir

from bot.i18n.locales import GETTEXT_NAMES, TRANSLATED
from bot.i18n.text import DOMAIN, LOCALES_DIR

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "cogs")
KEYWORDS = {"_": None, "N_": (1, 2)}
_PLACEHOLDER = re.compile(r"(?<!\{)\{([a-zA-Z_][a-zA-Z0-9_]*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def extract(roots: Iterable[Path] | None = None, commands: Iterable[tuple[str, str]] = ()) -> Catalog:
    """Every marked English message in the code, with where it is used, and the command tree's strings
    (``commands``: (context, English) pairs; the tree is read by ``bot.ui.translator.command_strings``)."""
    template = Catalog(project="heartstopper-bot", domain=DOMAIN, creation_date=datetime(2026, 1, 1, tzinfo=UTC))
    for where, english in commands:
        if english:
            template.add(english, context=where, locations=[("command-tree", 0)])
    for root in roots or [ROOT / s for s in SOURCES]:
        for filename, lineno, found, comments, found_context in extract_from_dir(
            root, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
        ):
            location = (str((root / filename).relative_to(ROOT)), lineno)
            template.add(found, locations=[location], auto_comments=comments, context=found_context)
    return template


def po_path(locale: str) -> Path:
    return LOCALES_DIR / GETTEXT_NAMES[locale] / "LC_MESSAGES" / f"{DOMAIN}.po"  # type: ignore[index]


def read(locale: str) -> Catalog | None:
    path = po_path(locale)
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return pofile.read_po(handle, locale=GETTEXT_NAMES[locale])  # type: ignore[index]


def update(commands: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Write the template and merge it into every language; returns what changed, for the person running it."""
    template = extract(commands=commands)
    LOCALES_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCALES_DIR / f"{DOMAIN}.pot").open("wb") as handle:
        pofile.write_po(handle, template, width=100, omit_header=False, sort_output=True)
    report = [f"{len(template)} messages in the code"]
    for locale in TRANSLATED:
        catalog = read(locale) or Catalog(locale=GETTEXT_NAMES[locale], domain=DOMAIN)
        before = {m.id for m in catalog if m.id}
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False  # the header: a fuzzy header would be skipped, and with it the plural rule
        catalog.project, catalog.version = "heartstopper-bot", "1"
        catalog.language_team = f"heartstopper-bot {locale}"
        path = po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            pofile.write_po(handle, catalog, width=100, sort_output=True)
        missing = len(check(locale, template))
        added = len({m.id for m in catalog if m.id} - before)
        report.append(f"{locale}: {added} new message(s), {missing} problem(s)")
    return report


def check(locale: str, template: Catalog | None = None) -> list[str]:
    """Everything wrong with one language's catalogue, as lines a translator can act on."""
    template = template or extract()
    catalog = read(locale)
    if catalog is None:
        return [f"{locale}: no catalogue at {po_path(locale).relative_to(ROOT)}"]
    forms = catalog.num_plurals
    problems = []
    for source in template:
        if not source.id:
            continue
        entry = catalog.get(source.id, context=source.context)
        where = f"{locale}: {source.locations[0][0]}:{source.locations[0][1]}" if source.locations else locale
        if source.context:
            where += f" [{source.context}]"
        english = source.id if isinstance(source.id, str) else source.id[0]
        if entry is None or entry.fuzzy:
            problems.append(f"{where}: missing: {english!r}")
            continue
        strings = list(entry.string) if isinstance(entry.string, tuple | list) else [entry.string]
        if not all(strings):
            problems.append(f"{where}: not translated: {english!r}")
            continue
        wanted = placeholders(english) | (placeholders(source.id[1]) if isinstance(source.id, tuple) else set())
        if isinstance(source.id, tuple) and len(strings) != forms:
            problems.append(f"{where}: {len(strings)} plural forms, the language needs {forms}: {english!r}")
        for string in strings:
            got = placeholders(string or "")
            if got - wanted or (not isinstance(source.id, tuple) and got != wanted):
                problems.append(f"{where}: placeholders {sorted(got)} differ from {sorted(wanted)}: {english!r}")
                break
    return problems
