"""Messages that are translated when they are shown, not when they are made.

A service raises ``NotFound(_("No one called {name} in the cast.", name=...))`` without knowing who
will read it; the reply, built at the edge, renders it in the reader's language. A ``Text`` keeps the
English message (the gettext msgid) and its parameters; ``render`` looks the message up in the
locale's catalogue and formats it there, so a translation may move ``{name}`` where its grammar wants.

Reasons the bot stores (why a schedule was turned off, why a post was skipped) are kept as a ``Text``
in JSON (``stored`` / ``from_stored``), so a moderator reads them in their own language too.
"""

from __future__ import annotations

import gettext
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages import mofile, pofile

from bot.i18n.locales import DEFAULT, GETTEXT_NAMES, Locale

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "bot"


@dataclass(frozen=True, slots=True)
class Text:
    """An English message to be shown in the reader's language: ``msgid``, parameters, and its plural."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    plural: str | None = None  # the English plural (``N_``); ``count`` chooses the form
    count: int | None = None

    def render(self, locale: str) -> str:
        return render(self, locale)

    def __str__(self) -> str:  # only a fallback (a log line): replies render in the reader's language
        return render(self, DEFAULT)

    def stored(self) -> str:
        """The message as JSON, to keep in the database and show later in whoever's language."""
        data: dict[str, Any] = {"t": self.msgid, "p": {k: _storable(v) for k, v in self.params.items()}}
        if self.plural is not None:
            data |= {"pl": self.plural, "n": self.count}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _storable(value: Any) -> Any:
    if isinstance(value, Text):
        return {"$text": json.loads(value.stored())}
    return value if isinstance(value, int | float | str) else str(value)


def from_stored(value: str | None) -> Text | str | None:
    """A stored reason back as a ``Text`` (or the plain text it was, for reasons kept before)."""
    if not value or not value.startswith('{"t":'):
        return value
    try:
        data = json.loads(value)
    except ValueError:
        return value
    params = {k: _unstored(v) for k, v in data.get("p", {}).items()}
    return Text(str(data["t"]), params, data.get("pl"), data.get("n"))


def _unstored(value: Any) -> Any:
    if isinstance(value, dict) and "$text" in value:
        return from_stored(json.dumps(value["$text"]))
    return value


def _(msgid: str, /, **params: Any) -> Text:
    """Mark an English message for translation; ``{name}`` placeholders are filled when it is shown."""
    return Text(msgid, params)


def N_(singular: str, plural: str, /, n: int, **params: Any) -> Text:  # noqa: N802 - gettext's own name
    """A message with a singular and a plural; ``n`` picks the form by the reader's plural rules (and is ``{n}``)."""
    return Text(singular, {"n": n, **params}, plural, n)


def render(text: Text | str, locale: str) -> str:
    """``text`` in ``locale`` (a plain ``str`` is shown as it is: a name, a title, user input)."""
    if not isinstance(text, Text):
        return text
    translations = catalogue(locale)
    if text.plural is not None:
        pattern = translations.ngettext(text.msgid, text.plural, text.count or 0)
    else:
        pattern = translations.gettext(text.msgid)
    params = {k: render(v, locale) if isinstance(v, Text) else v for k, v in text.params.items()}
    try:
        return pattern.format(**params)
    except (KeyError, IndexError, ValueError):  # a broken translation must never break a reply
        return (text.plural if text.plural is not None and text.count != 1 else text.msgid).format(**params)


@cache
def catalogue(locale: str) -> gettext.NullTranslations:
    """One language's messages, read from its ``.po`` with Babel and compiled in memory (no build step)."""
    name = GETTEXT_NAMES.get(locale, locale)  # type: ignore[call-overload]
    path = LOCALES_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.po"
    if locale == DEFAULT or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = pofile.read_po(handle, locale=name)
    compiled = io.BytesIO()
    mofile.write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translated(locale: Locale) -> bool:
    """Whether ``locale`` has a catalogue of its own (English is the source and needs none)."""
    return locale == DEFAULT or isinstance(catalogue(locale), gettext.GNUTranslations)
