"""The fandom's languages: which ones, who reads which, and the messages in each.

English is the source: every message is written in English in the code (gettext style), marked with
``_`` (or ``N_`` for a plural), and looked up at the edge in the reader's language:

- a private reply in the member's own Discord language (``interaction.locale``);
- a public reply, a game message or a scheduled post in the server's language
  (``/settings language``; by default the server's preferred locale when supported, else English).

Catalogues are gettext ``.po`` files under ``bot/i18n/locales/<locale>/LC_MESSAGES/bot.po``, read
with Babel when first needed (no compile step at install time); plural rules come from CLDR through
Babel's ``Plural-Forms`` header, so "1 dia / 2 dias" is the catalogue's business, not the code's.
Nothing here imports discord.
"""

from __future__ import annotations

from bot.i18n.locales import DEFAULT, SUPPORTED, Locale, best_locale, discord_locale
from bot.i18n.text import N_, Text, _, render

__all__ = ["DEFAULT", "N_", "SUPPORTED", "Locale", "Text", "_", "best_locale", "discord_locale", "render"]
